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

#endif
