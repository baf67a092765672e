/* vr_latency: per-phase latency samples with nearest-rank percentiles. */
#include "vr_latency.h"

#include "vr_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *vr_phase_name(vr_phase p)
{
    switch (p) {
    case VR_PHASE_CREATE:
        return "create";
    case VR_PHASE_CONVERGENCE:
        return "convergence";
    case VR_PHASE_TOTAL:
        return "total";
    default:
        return "unknown";
    }
}

void vr_latency_add(vr_latency *l, vr_phase p, int64_t ms)
{
    if (ms < 0 || (int)p < 0 || p >= VR_PHASE_COUNT) return;
    vr_latency_series *s = &l->phase[p];
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->samples = vr_xrealloc(s->samples, s->cap * sizeof *s->samples);
    }
    s->samples[s->count++] = ms;
    s->sum += ms;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t vr_latency_percentile(const int64_t *sorted, size_t n, double pct)
{
    if (n == 0) return 0;
    if (pct <= 0) return sorted[0];
    if (pct >= 100) return sorted[n - 1];
    /* nearest rank: the smallest value with at least pct% of the samples at or below it */
    double rank = ceil(pct / 100.0 * (double)n);
    size_t r = rank < 1 ? 1 : (size_t)rank;
    if (r > n) r = n;
    return sorted[r - 1];
}

void vr_latency_stats_of(const vr_latency *l, vr_phase p, vr_latency_stats *out)
{
    memset(out, 0, sizeof *out);
    if ((int)p < 0 || p >= VR_PHASE_COUNT || l->phase[p].count == 0) return;
    const vr_latency_series *s = &l->phase[p];
    int64_t *sorted = vr_xmalloc(s->count * sizeof *sorted);
    memcpy(sorted, s->samples, s->count * sizeof *sorted);
    qsort(sorted, s->count, sizeof *sorted, cmp_i64);
    out->count = s->count;
    out->sum = s->sum;
    out->min = sorted[0];
    out->max = sorted[s->count - 1];
    out->p50 = vr_latency_percentile(sorted, s->count, 50);
    out->p95 = vr_latency_percentile(sorted, s->count, 95);
    free(sorted);
}

void vr_converge_observe(vr_converge_history *h, int64_t lo_ms, int64_t hi_ms)
{
    if (lo_ms < 0) lo_ms = 0;
    if (hi_ms <= lo_ms) hi_ms = lo_ms + 1;
    h->lo[h->next] = lo_ms;
    h->hi[h->next] = hi_ms;
    h->next = (h->next + 1) % VR_CONVERGE_HISTORY;
    if (h->count < VR_CONVERGE_HISTORY) h->count++;
}

#define GRID 60 /* candidate poll times between the earliest lo and the latest hi */

size_t vr_converge_schedule(const vr_converge_history *h, int64_t *out, size_t max)
{
    size_t n = h->count;
    size_t k = max < VR_CONVERGE_MAX_POLLS ? max : VR_CONVERGE_MAX_POLLS;
    if (n == 0 || k == 0) return 0;
    double a = (double)h->lo[0], b = (double)h->hi[0];
    for (size_t i = 1; i < n; i++) {
        if ((double)h->lo[i] < a) a = (double)h->lo[i];
        if ((double)h->hi[i] > b) b = (double)h->hi[i];
    }
    /* Each interval is a uniform distribution, at least w wide (centred, within [a, b]): a
     * few dozen samples leave holes that the next table's convergence falls in as often as
     * anywhere; w = range / (2 n^(1/3)), a kernel density estimate's usual width. */
    double w = (b - a) / (2 * cbrt((double)n));
    /* At each candidate t: m, the share of convergences by t; x, the mean of x dF up to t, so
     * that waiting from poll t' to poll t costs t (m(t) - m(t')) - (x(t) - x(t')) in time past
     * convergence. */
    double t[GRID + 1], m[GRID + 1], x[GRID + 1];
    for (int g = 0; g <= GRID; g++) {
        t[g] = a + (b - a) * g / GRID;
        double sm = 0, sx = 0;
        for (size_t i = 0; i < n; i++) {
            double lo = (double)h->lo[i], hi = (double)h->hi[i];
            if (hi - lo < w) {
                double mid = (lo + hi) / 2;
                lo = mid - w / 2 > a ? mid - w / 2 : a;
                hi = mid + w / 2 < b ? mid + w / 2 : b;
            }
            if (t[g] >= hi) {
                sm += 1;
                sx += (lo + hi) / 2;
            } else if (t[g] > lo) {
                double share = (t[g] - lo) / (hi - lo);
                sm += share;
                sx += share * (lo + t[g]) / 2;
            }
        }
        m[g] = sm / (double)n;
        x[g] = sx / (double)n;
    }
    /* cost[j][g]: the best expected cost of mass up to t[g] with the j-th poll at t[g] (the
     * j-th poll costs j polls for the convergences it catches) */
    double cost[VR_CONVERGE_MAX_POLLS + 1][GRID + 1];
    int from[VR_CONVERGE_MAX_POLLS + 1][GRID + 1];
    const double c = VR_CONVERGE_POLL_COST_MS;
    for (int g = 0; g <= GRID; g++) {
        cost[1][g] = t[g] * m[g] - x[g] + c * m[g];
        from[1][g] = -1;
    }
    for (size_t j = 2; j <= k; j++)
        for (int g = 0; g <= GRID; g++) {
            cost[j][g] = HUGE_VAL;
            from[j][g] = -1;
            for (int p = 0; p < g; p++) {
                double dm = m[g] - m[p];
                double v = cost[j - 1][p] + t[g] * dm - (x[g] - x[p]) + c * (double)j * dm;
                if (v < cost[j][g]) {
                    cost[j][g] = v;
                    from[j][g] = p;
                }
            }
        }
    /* the last poll at the latest convergence seen: every remembered one is caught */
    size_t best = 1;
    for (size_t j = 2; j <= k; j++)
        if (cost[j][GRID] < cost[best][GRID]) best = j;
    int64_t times[VR_CONVERGE_MAX_POLLS];
    size_t count = 0;
    for (int g = GRID, j = (int)best; g >= 0 && j >= 1; g = from[j][g], j--)
        times[count++] = (int64_t)llround(t[g]);
    /* times[] is descending, the latest first: keep it, and each earlier one at least 1 ms
     * after the sync and VR_CONVERGE_MIN_GAP_MS before the one kept after it (a poll just
     * before another is all but free in the model, not on the wire) */
    int64_t kept[VR_CONVERGE_MAX_POLLS];
    size_t nk = 0;
    for (size_t i = 0; i < count; i++)
        if (times[i] >= 1 && (nk == 0 || kept[nk - 1] - times[i] >= VR_CONVERGE_MIN_GAP_MS))
            kept[nk++] = times[i];
    for (size_t i = 0; i < nk; i++)
        out[i] = kept[nk - 1 - i];
    return nk;
}

void vr_latency_free(vr_latency *l)
{
    for (int i = 0; i < VR_PHASE_COUNT; i++) {
        free(l->phase[i].samples);
        l->phase[i] = (vr_latency_series){NULL, 0, 0, 0};
    }
}
