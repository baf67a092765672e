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

void vr_latency_free(vr_latency *l)
{
    for (int i = 0; i < VR_PHASE_COUNT; i++) {
        free(l->phase[i].samples);
        l->phase[i] = (vr_latency_series){NULL, 0, 0, 0};
    }
}
