/* vr_render_apply: an apply run as text (the closing summary on stdout), JSON (--format json
 * and the committed report) and Markdown (the committed report). Output is appended to a
 * caller-owned buffer or returned as a cJSON tree; nothing is printed (only cmd/ prints). */
#ifndef VR_RENDER_APPLY_H
#define VR_RENDER_APPLY_H

#include "vr_apply.h"
#include "vr_latency.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* One organization's part of an apply run. The caller zero-initialises it and owns it:
 * result and latency are freed with vr_apply_run_free(); org_id is borrowed. */
typedef struct {
    const char *org_id;
    vr_apply_result result;
    vr_latency latency; /* this organization's step latencies */
    bool ran;           /* false: not attempted (an earlier organization failed) */
} vr_apply_run;

void vr_apply_run_free(vr_apply_run *run);

/* "3 created, 0 deleted, 0 failed, 0 not attempted" appended to out, no newline; with
 * replacements "3 created, 0 deleted, 1 replaced, 0 failed, 0 not attempted"; plus
 * ", 1 activated" when any. Returns 0, or -1 (out's max). */
int vr_render_apply_summary(vr_buf *out, const vr_apply_result *r);

/* The result as JSON (the report of the run): org, counts, and each step with its status,
 * id, error {httpStatus, code, message, correlationId}, note, latencies, polls and correlation
 * ids, syncs and the last sync's estimatedConvergenceMs (null when absent); a replace step
 * also has "reason" and "replaces" {id, routingTableId, deleted, leftMissing}. Caller
 * cJSON_Delete()s it. */
cJSON *vr_render_apply_result_json(const vr_apply_result *r);

/* Adds {"<phase>": {count, p50, p95, max}, ...} as parent[key]. */
void vr_render_latency_json(cJSON *parent, const char *key, const vr_latency *l);

/* One organization's report: the result's JSON plus command, runId, toolVersion, summary and
 * latency. Caller cJSON_Delete()s it. */
cJSON *vr_render_apply_org_json(const vr_apply_run *run, const char *run_id);

/* One organization's report in Markdown: heading, run, summary, the steps table, the latency
 * table. Appended to out. */
void vr_render_apply_org_md(vr_buf *out, const vr_apply_run *run, const char *run_id);

/* The document of --format json: command, runId, organizations (those that ran), totals and
 * latency (of the whole run: all). Caller cJSON_Delete()s it. */
cJSON *vr_render_apply_run_json(const vr_apply_run *runs, size_t count, const char *run_id,
                                const vr_latency *all);

/* The closing text of apply on stdout: "No changes. ..." when changes is 0 and nothing failed;
 * else "Apply complete|failed|stopped by --timeout: N created, ..." and, after a failure or
 * the run's deadline, per organization which steps were done, failed (with the code), not
 * attempted; a line "MISSING: NAME ..." for each interface a replacement deleted and did not
 * create again; then the latency line when any
 * step was timed. Live names and server codes are escaped for a terminal. */
void vr_render_apply_text(vr_buf *out, const vr_apply_run *runs, size_t count, size_t changes,
                          const vr_latency *all);

#endif
