/* vr_metrics: Prometheus text exposition format (version 0.0.4) for node_exporter's textfile
 * collector: metric families with HELP and TYPE lines, samples with escaped labels, written
 * whole or not at all (vr_file_write: temporary file beside it, fsync, rename) so the collector
 * never reads half a file.
 *
 * Metrics of vni-reconcile (declared by vr_metrics_declare_standard):
 *   vni_reconcile_actions_total{org,action,status}          counter  audit records by outcome
 *   vni_reconcile_step_latency_ms{org,phase,quantile}       summary  quantile "0.5", "0.95",
 *       plus _sum{org,phase} and _count{org,phase}                   "1" (the max); phase
 *                                                                     create|convergence|total
 *   vni_reconcile_last_run_timestamp_seconds{org,command}   gauge    end of the last run
 *   vni_reconcile_last_run_success{org,command}             gauge    1 when it succeeded
 *   vni_reconcile_drift_interfaces{org,kind}                gauge    kind missing|different|
 *                                                                     unmanaged|not_active
 *   vni_reconcile_api_calls_total{status}                   counter  API calls by HTTP status
 *                                                                     ("0": no response)
 *   vni_reconcile_webhook_events_total{result}              counter  delivered|queued|dropped
 *   vni_reconcile_replacements_total{org,status}            counter  apply's replacements:
 *                                                                     replaced|failed|skipped
 *
 * Several runs (organizations, commands) share one file: vr_metrics_merge_previous() carries
 * over what the file held: counters are added up, gauges of label sets this run did not set
 * are kept, and so are summary series (quantiles, _sum, _count of one label set without
 * quantile, e.g. {org,phase}) this run did not produce; a series this run produced replaces
 * the old one as a whole (a summary describes the last run that produced it). So a drift run
 * keeps the step latency an apply wrote. */
#ifndef VR_METRICS_H
#define VR_METRICS_H

#include "vr_diag.h"
#include "vr_latency.h"
#include "vr_util.h"

#include <stddef.h>

/* The largest metrics file read back for the merge; a larger one is an error. */
#define VR_METRICS_FILE_MAX_BYTES (64u << 20)

#define VR_METRIC_ACTIONS "vni_reconcile_actions_total"
#define VR_METRIC_STEP_LATENCY "vni_reconcile_step_latency_ms"
#define VR_METRIC_LAST_RUN "vni_reconcile_last_run_timestamp_seconds"
#define VR_METRIC_LAST_RUN_SUCCESS "vni_reconcile_last_run_success"
#define VR_METRIC_DRIFT "vni_reconcile_drift_interfaces"
#define VR_METRIC_API_CALLS "vni_reconcile_api_calls_total"
#define VR_METRIC_WEBHOOK "vni_reconcile_webhook_events_total"
#define VR_METRIC_REPLACEMENTS "vni_reconcile_replacements_total"

typedef enum {
    VR_METRIC_COUNTER = 0,
    VR_METRIC_GAUGE,
    VR_METRIC_SUMMARY,
    VR_METRIC_UNTYPED,
} vr_metric_type;

/* One sample: a name (the family's, or with _sum/_count for a summary), its labels already
 * rendered and escaped ("" or "{a=\"1\",b=\"2\"}"), and a value. Owned by the family. */
typedef struct {
    char *name;
    char *labels;
    double value;
} vr_metric_sample;

typedef struct {
    char *name;
    char *help;
    vr_metric_type type;
    vr_metric_sample *samples;
    size_t count, cap;
} vr_metric_family;

/* A set of families, rendered in the order declared, samples in the order first set.
 * Zero-initialise (VR_METRICS_INIT); owns everything; vr_metrics_free() releases it. */
typedef struct {
    vr_metric_family *families;
    size_t count, cap;
} vr_metrics;

#define VR_METRICS_INIT                                                                            \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Declares a family (name [a-zA-Z_:][a-zA-Z0-9_:]*). Declaring it again with the same type
 * is a no-op. Returns 0, or -1 for a bad name or a type different from an earlier one. */
int vr_metrics_declare(vr_metrics *m, const char *name, vr_metric_type type, const char *help);
/* Declares the families listed above. */
void vr_metrics_declare_standard(vr_metrics *m);

/* Sets (replaces) or adds delta to the sample of family name with the given labels: pairs of
 * (label name, value) terminated by NULL, e.g. vr_metrics_inc(m, VR_METRIC_ACTIONS, 1, "org",
 * org, "action", "vni_provisioning", "status", "provisioned", NULL). A NULL value is "".
 * Label values may hold any bytes; \, " and newline are escaped. Returns 0, or -1 when the
 * family was not declared or a label name is bad. */
int vr_metrics_set(vr_metrics *m, const char *name, double value, ...) __attribute__((sentinel));
int vr_metrics_inc(vr_metrics *m, const char *name, double delta, ...) __attribute__((sentinel));

/* Adds the step latency summary of l (every phase with samples) under org (NULL: no org label):
 * quantile 0.5, 0.95 and 1 (max), _sum and _count. Declares VR_METRIC_STEP_LATENCY if needed. */
int vr_metrics_add_latency(vr_metrics *m, const vr_latency *l, const char *org);

/* Renders the text format: per family "# HELP", "# TYPE", then its samples
 * ("name{labels} value\n"). Values: integers without a decimal point, others with the
 * shortest text that reads back the same, NaN, +Inf, -Inf. Returns 0, or -1 (out's max). */
int vr_metrics_render(const vr_metrics *m, vr_buf *out);

/* Reads the file at path (a missing file is fine) and merges its samples into m (label sets are
 * compared as rendered text, so keep label order stable): counters are added to this run's (or
 * kept when this run has no such sample); gauges and untyped samples are kept when this run did
 * not set that label set; a summary's samples (name, name_sum, name_count) are kept when this run
 * produced no sample of the same series (labels without quantile), else this run's replace them.
 * A family of the file that m does not declare is declared from its "# TYPE" (and "# HELP") line
 * and carried over; histograms and lines it cannot parse are ignored. Only samples m held before
 * the call hide previous ones. Returns 0, or -1 with err when the file exists but cannot be
 * read. */
int vr_metrics_merge_previous(vr_metrics *m, const char *path, vr_error *err);

/* Renders and writes path with vr_file_write (whole or not at all, never through a symbolic
 * link, a device or FIFO in place), mode 0644 (the collector runs as another user).
 * Returns 0, or -1 with err (code "metrics.file", the message names the file). */
int vr_metrics_write_file(const vr_metrics *m, const char *path, vr_error *err);

/* vr_metrics_merge_previous then vr_metrics_write_file, under an flock on "<path>.lock" so
 * runs that end at the same time do not lose each other's samples. What the cmd layer calls.
 * A target written in place (vr_file_in_place: /dev/stdout, a FIFO) gets this run's samples
 * alone: it is not read back and no lock file is made beside it.
 * Returns 0, or -1 with err (code "metrics.file"). */
int vr_metrics_update_file(vr_metrics *m, const char *path, vr_error *err);

/* Escapes a label value (\ → \\, " → \", newline → \n) and appends it to out. */
int vr_metrics_escape_label(vr_buf *out, const char *value);

void vr_metrics_free(vr_metrics *m);

#endif
