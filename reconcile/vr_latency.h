/* vr_latency: per-phase latency samples of a run (create, convergence, total), with count,
 * sum and nearest-rank percentiles for metrics and reports. */
#ifndef VR_LATENCY_H
#define VR_LATENCY_H

#include <stddef.h>
#include <stdint.h>

/* A latency that was not measured (negative: vr_latency_add ignores it; null in reports). */
#define VR_MS_NONE ((int64_t)-1)

typedef enum {
    VR_PHASE_CREATE = 0,  /* the create call */
    VR_PHASE_CONVERGENCE, /* routing sync until currentHash reached expectedHash */
    VR_PHASE_TOTAL,       /* the whole step: probe, create, sync, convergence, checks */
    VR_PHASE_COUNT,
} vr_phase;

/* The samples of one phase (milliseconds, in the order added). */
typedef struct {
    int64_t *samples;
    size_t count, cap;
    int64_t sum;
} vr_latency_series;

/* Zero-initialise (VR_LATENCY_INIT); owns the sample arrays; vr_latency_free() releases them. */
typedef struct {
    vr_latency_series phase[VR_PHASE_COUNT];
} vr_latency;

#define VR_LATENCY_INIT                                                                            \
    {                                                                                              \
        {                                                                                          \
            {                                                                                      \
                NULL, 0, 0, 0                                                                      \
            }                                                                                      \
        }                                                                                          \
    }

/* Summary of one phase. With count 0 every other field is 0. */
typedef struct {
    size_t count;
    int64_t sum, min, p50, p95, max;
} vr_latency_stats;

/* "create", "convergence", "total"; "unknown" outside the enum. */
const char *vr_phase_name(vr_phase p);

/* Adds one sample; negative values (VR_MS_NONE, not measured) and phases outside the
 * enum are ignored. Aborts on out-of-memory, like vr_xrealloc. */
void vr_latency_add(vr_latency *l, vr_phase p, int64_t ms);

/* Count, sum, min, max, and p50/p95 by nearest rank (the value at rank ceil(p/100 * n) of the
 * sorted samples, on a sorted copy: the samples keep their order). */
void vr_latency_stats_of(const vr_latency *l, vr_phase p, vr_latency_stats *out);

/* Nearest-rank percentile (0 < pct <= 100) of n samples sorted ascending; 0 when n is 0. */
int64_t vr_latency_percentile(const int64_t *sorted, size_t n, double pct);

void vr_latency_free(vr_latency *l);

/* ---- when to poll a routing table that gives no estimate of its convergence ----
 *
 * Each wait for a routing table learns where its convergence time lies: after lo ms (from the
 * sync) the table was still syncing (0 when it was not polled earlier), at hi ms it had
 * converged. The next wait polls at the times that minimise, were its convergence time drawn
 * like those of the last VR_CONVERGE_HISTORY waits (each spread evenly over its interval), the
 * expected time waited past convergence plus VR_CONVERGE_POLL_COST_MS per poll; the last of
 * them is the latest convergence seen (later ones are the caller's backoff). A dynamic
 * programme over 60 candidate times between the earliest lo and the latest hi finds them; a
 * time less than VR_CONVERGE_MIN_GAP_MS before the next is dropped.
 * Why this and not the last wait's lower bound, nor quantiles or geometric spacing: the
 * numbers are in docs/benchmarks.md (apply). */
#define VR_CONVERGE_HISTORY 32
#define VR_CONVERGE_MAX_POLLS 8     /* planned polls of one wait */
#define VR_CONVERGE_POLL_COST_MS 12 /* what one poll is worth in time waited past convergence */
#define VR_CONVERGE_MIN_GAP_MS 10   /* planned polls closer than this to the next are dropped */

/* The intervals seen, the newest replacing the oldest. Zero-initialise. */
typedef struct {
    int64_t lo[VR_CONVERGE_HISTORY], hi[VR_CONVERGE_HISTORY];
    size_t count; /* remembered, at most VR_CONVERGE_HISTORY */
    size_t next;  /* slot of the next one */
} vr_converge_history;

/* Records one wait: converged by hi_ms after its sync, still syncing at lo_ms (0: never seen
 * syncing). Values below 0 count as 0; hi_ms at most lo_ms counts as lo_ms + 1. */
void vr_converge_observe(vr_converge_history *h, int64_t lo_ms, int64_t hi_ms);

/* Fills out with the poll times (ms after the sync, ascending, each at least 1) of the next
 * wait and returns how many (at most max and VR_CONVERGE_MAX_POLLS); 0 with no history. */
size_t vr_converge_schedule(const vr_converge_history *h, int64_t *out, size_t max);

#endif
