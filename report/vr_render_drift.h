/* vr_render_drift: a drift report (reconcile/vr_drift.h) as JSON, text and bounded Markdown.
 * Output is appended to a caller-owned vr_buf; nothing is printed (only cmd/ prints).
 *
 * Report JSON (one organization; what is committed as drift/<org>/latest.json and read back):
 *   {"formatVersion": 1, "command": "drift", "toolVersion": "0.1.0",
 *    "organization": "<id>", "createdAt": "2026-11-24T10:00:01.234Z", "runId": "<uuid>",
 *    "liveCount": n, "history": {"window": N, "reports": k},
 *    "interfaces": [{"name": s, "id": s|null, "state": s|null, "present": b, "matching": b,
 *                    "active": b, "kinds": ["different", ...],
 *                    "fields": [{"field": s, "inventory": s, "live": s}],
 *                    "ignoredFields": n, "uptimeRate": x, "checks": n, "okChecks": n,
 *                    "repair": s|null, "protect": b}],
 *    "unmanaged": [{"name": s, "id": s|null, "state": s|null, "active": b}],
 *    "summary": {"interfaces": n, "unchanged": n, "missing": n, "different": n,
 *                "unmanaged": n, "notActive": n, "ignoredInterfaces": n,
 *                "ignoredFields": n, "drift": b}}
 * interfaces[] is in name order (every inventory interface not ignored as a whole, drifted or
 * not); unmanaged[] in name order. The history reader needs only formatVersion, command,
 * organization and interfaces[].name/present/matching/active; runId makes every report's
 * blob unique (vr_gitreport counts the commits that changed it). */
#ifndef VR_RENDER_DRIFT_H
#define VR_RENDER_DRIFT_H

#include "vr_drift.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Same bound as the plan's Markdown (GitHub refuses comments over 65,535 characters). */
#define VR_DRIFT_MARKDOWN_MAX 60000

/* The report JSON described above (caller frees with cJSON_Delete); NULL when out of memory. */
cJSON *vr_render_drift_org_json(const vr_drift_org *r);

/* The document of a whole run (stdout of --format json):
 *   {"formatVersion": 1, "command": "drift", "toolVersion": s, "createdAt": s, "runId": s,
 *    "organizations": [<report of each organization>], "summary": {totals as above}}
 * created_at and run_id are the run's (NULL: those of the first organization, or ""). */
cJSON *vr_render_drift_run_json(const vr_drift_org *orgs, size_t count, const char *run_id,
                                const char *created_at);

/* "Drift: 1 missing, 2 different, 0 unmanaged, 1 not active; 7 unchanged; 3 ignored" or
 * "No drift: 7 unchanged; 3 ignored" ("; N ignored" only when something was), no newline.
 * vr_render_drift_summary_all: the same over several organizations. Return 0, or -1 (out's max). */
int vr_render_drift_summary(vr_buf *out, const vr_drift_org *r);
int vr_render_drift_summary_all(vr_buf *out, const vr_drift_org *orgs, size_t count);

typedef struct {
    bool color;          /* ANSI colors in text (the caller decides: vr_use_color) */
    bool verbose;        /* text: list every interface with its uptime, not only drifted ones */
    size_t markdown_max; /* bytes; 0: VR_DRIFT_MARKDOWN_MAX */
    const char *title;   /* Markdown heading; NULL: "vni-reconcile drift" */
} vr_render_drift_opts;

/* Text: per organization a header with its summary, then "- missing NAME",
 * "~ different NAME (id ID)" with one "    FIELD: inventory WANT, live HAVE" line per field,
 * "? unmanaged NAME (id ID, STATE)", "! not active NAME (STATE)", and with history (more
 * than one check) each inventory interface's uptime "(uptime 75.0%, 3 of 4 checks)" on its
 * line, and under a different or failed interface "    repair: COMMAND" (or that it is
 * protected); with verbose, unchanged interfaces too ("= unchanged NAME"); then the summary
 * line. opts may be NULL. */
int vr_render_drift_text(vr_buf *out, const vr_drift_org *orgs, size_t count,
                         const vr_render_drift_opts *opts);
/* vr_render_drift_run_json printed with indentation and a final newline. */
int vr_render_drift_json(vr_buf *out, const vr_drift_org *orgs, size_t count);
/* Markdown: a heading, the summary, per organization tables of missing, differing fields
 * (inventory and live values), the repair commands, unmanaged, not active, and, when
 * history_window is set (an
 * audit repository keeps the history), uptime (interfaces under 100%, lowest first); then
 * the count of what was ignored. Kept under opts->markdown_max bytes
 * however large the report: tables are cut with a "... and N more" line. */
int vr_render_drift_markdown(vr_buf *out, const vr_drift_org *orgs, size_t count,
                             const vr_render_drift_opts *opts);

#endif
