/* vr_outputs: the outputs of a run that a command asked for, opened once, fed with the run's
 * events, and closed: the audit log (append-only JSONL, docs/audit.md), the webhook (one signed
 * POST per audit record, undelivered ones kept in an outbox beside the audit log), the metrics
 * file (Prometheus textfile) and the Git report (the run's reports committed to an audit
 * branch). Apply and drift use the same one, so both build their audit records here and both
 * redact the same secrets (the session's and the webhook secret).
 *
 * Nothing is printed: each call returns 0, or a negative code with err filled, and the command
 * says what failed in its own words.
 *
 * Ownership: vr_outputs owns the audit writer, the webhook and the outbox path; the strings of
 * vr_outputs_config are borrowed for the lifetime of the vr_outputs (the webhook secret too),
 * but for the redactions, which are copied at open. */
#ifndef VR_OUTPUTS_H
#define VR_OUTPUTS_H

#include "vr_apply.h"
#include "vr_audit.h"
#include "vr_diag.h"
#include "vr_drift.h"
#include "vr_gitreport.h"
#include "vr_render_apply.h"
#include "vr_spool.h"
#include "vr_webhook.h"

#include <stdbool.h>
#include <stddef.h>

/* Which outputs, from the command's options. NULL strings: that output is not wanted. */
typedef struct {
    const char *run_id;         /* the run's UUID, stamped on every audit record */
    const char *audit_log;      /* --audit-log */
    const char *webhook_url;    /* --webhook-url */
    const char *webhook_secret; /* read from --webhook-secret-file; NULL: unsigned */
    size_t webhook_secret_len;
    const vr_transport *transport; /* TLS trust and proxies for the webhook (as the API's) */
    const char *const *redactions; /* the session's secrets (copied by vr_outputs_open, which
                                    * adds the webhook secret) */
    size_t redaction_count;
    const char *metrics_file; /* --metrics-file */
    const char *audit_repo;   /* --audit-repo */
    const char *audit_branch; /* --audit-branch; NULL: VR_GITREPORT_DEFAULT_BRANCH */
} vr_outputs_config;

/* One organization's records, formatted now and written later, in order (see
 * vr_outputs.hold). With an audit log (a regular file) they wait in the organization's spool
 * file, each on disk before the next step (report/vr_spool); without one (webhook only, or a
 * log that is a FIFO or a device) in memory, in items. Owns its lines and its spool file. */
typedef struct {
    size_t index; /* the organization's place in the run: its spool file's name */
    vr_spool_file file;
    size_t spooled; /* records in file */
    struct vr_outputs_held_line {
        vr_audit_action action;
        char event_id[37];
        char *line; /* the audit line, without newline: also the webhook body */
        size_t len;
    } * items;
    size_t count, cap;
} vr_outputs_held;

typedef struct {
    vr_outputs_config cfg;
    vr_outputs_held *hold; /* NULL: records are written and sent at once; else they are
                            * formatted (timestamp, eventId, redactions: as at once) and kept
                            * here, for vr_outputs_release to write later */
    vr_audit_writer audit;
    vr_spool spool;                 /* where held records wait (none: no regular audit log) */
    vr_spool_recovery recovered;    /* what vr_outputs_open recovered from killed runs' spools */
    vr_diags spool_notes;           /* and what it dropped or left alone there (warnings) */
    vr_webhook *webhook;            /* NULL: none, or closed */
    char *outbox;                   /* the webhook's outbox path (NULL: none) */
    vr_webhook_stats webhook_stats; /* filled by vr_outputs_close_events */
} vr_outputs;

/* Return codes of vr_outputs_open and the report calls (besides 0). */
#define VR_OUTPUTS_AUDIT_LOG (-1) /* the audit log could not be opened or written */
#define VR_OUTPUTS_WEBHOOK (-2)   /* the webhook could not be set up (bad URL, outbox) */
#define VR_OUTPUTS_BUILD (-3)     /* a report could not be built (path, message, memory) */
#define VR_OUTPUTS_GIT (-4)       /* the Git report could not be committed or read */

/* Opens the audit log (none when cfg->audit_log is NULL), appends to it what killed runs left
 * in its spool (out->recovered, out->spool_notes: report/vr_spool), sets its redactions, opens
 * the webhook with its outbox and delivers what earlier runs left there. All before the first
 * change. out is overwritten. Returns 0, VR_OUTPUTS_AUDIT_LOG or VR_OUTPUTS_WEBHOOK (err set;
 * vr_outputs_close releases what was opened). */
int vr_outputs_open(vr_outputs *out, const vr_outputs_config *cfg, vr_error *err);

/* The apply recorder (a vr_apply_record_fn; ctx is the vr_outputs): before each create or
 * delete call, an intent record (VR_APPLY_RECORD_INTENT: vni_provisioning or vni_deletion,
 * status "started"); at the end of a step, its routing_sync record first when it synced,
 * then its vni_provisioning / vni_deletion record; each written to the log (fsync'd) and then
 * sent to the webhook. A replacement has a vni_deletion and a
 * vni_provisioning record, each with "replacement": true (docs/audit.md): the deletion is
 * recorded in the middle of the step, before the create (VR_APPLY_RECORD_REPLACED), when the
 * delete was done and its table converged, else at the end with the rest. Returns 0, or
 * VR_OUTPUTS_AUDIT_LOG. */
int vr_outputs_apply_record(void *ctx, const vr_apply_record *rec, vr_error *err);

/* The statuses of the two records of a replace step (its vni_deletion and its
 * vni_provisioning): skipped and skipped when not attempted; failed and skipped when it failed
 * before the delete and its table's convergence were done; deleted and provisioned when done;
 * deleted and failed when the new connection failed after that. For records and metrics. */
void vr_outputs_replace_statuses(const vr_apply_step *s, vr_audit_status *deletion,
                                 vr_audit_status *provisioning);

/* The drift_check records of one organization: one per inventory interface (unchanged or
 * drifted, with its uptime rate) and one per unmanaged connection (drifted, no rate), each
 * carrying the correlation ids of the organization's reads. Stops at the first record the log
 * refuses: returns 0 or VR_OUTPUTS_AUDIT_LOG. */
int vr_outputs_drift_records(vr_outputs *o, const vr_drift_org *r, const char *const *ids,
                             size_t id_count, vr_error *err);

/* Writes held's records to the log (fsync'd) and then sends them to the webhook, in order,
 * removes its spool file and empties held (nothing to do when it holds nothing). Stops at the
 * first record the log refuses: returns 0 or VR_OUTPUTS_AUDIT_LOG (err set); a spool file is
 * then kept, for the next run to recover what the log lacks (records in memory are dropped). */
int vr_outputs_release(vr_outputs *o, vr_outputs_held *held, vr_error *err);
void vr_outputs_held_free(vr_outputs_held *held);

/* Closes the webhook (writing its outbox) and fills o->webhook_stats; the audit log stays
 * open. Safe without a webhook and to repeat. */
void vr_outputs_close_events(vr_outputs *o);

/* Commits one organization's apply report (JSON and Markdown under reports/<org>/) to the
 * audit branch; commit (41 bytes) receives the commit id. state, when not NULL, is committed
 * with it: the organization's live state (state/<org>.json, vr_snapshot) that
 * `plan --from-audit` reads (borrowed). Returns 0, VR_OUTPUTS_BUILD or VR_OUTPUTS_GIT (err
 * set). */
int vr_outputs_commit_apply(vr_outputs *o, const vr_apply_run *run, const vr_gitreport_file *state,
                            char commit[41], vr_error *err);

/* Commits one organization's drift report (JSON and Markdown) under reports/<org>/ for the
 * run and as drift/<org>/latest.* for the history reader, with its HTML page
 * drift/<org>/latest.html and the branch's index of every organization (index.html,
 * drift/index.json: vr_html_site_derive), with state as above. Returns as above. */
int vr_outputs_commit_drift(vr_outputs *o, const vr_drift_org *r, const vr_gitreport_file *state,
                            char commit[41], vr_error *err);

/* Uptime from the organization's earlier drift reports on cfg's audit branch (callable before
 * vr_outputs_open; nothing when cfg->audit_repo is NULL): the window is
 * history checks, this one included, so at most history - 1 earlier reports are read. Sets
 * r->history_window. Returns 0, VR_OUTPUTS_BUILD (the id cannot name a path) or
 * VR_OUTPUTS_GIT (err set). */
int vr_outputs_drift_history(const vr_outputs_config *cfg, vr_drift_org *r, size_t history,
                             vr_error *err);

/* The API calls of the run as the metrics count them: the HTTP status of each. */
typedef struct {
    const int *status;
    size_t count;
} vr_outputs_calls;

/* Updates the metrics file with an apply run: actions per organization and status (a
 * replacement counts its two records, and vni_reconcile_replacements_total itself), step
 * latencies, last run and its success, API calls, webhook events (when a webhook was used).
 * Call after vr_outputs_close_events. Returns 0, or -1 (err set). */
int vr_outputs_metrics_apply(const vr_outputs *o, const vr_apply_run *runs, size_t count,
                             const vr_outputs_calls *calls, vr_error *err);

/* The same for drift: drift counts per kind, drift_check actions, last run and success. */
int vr_outputs_metrics_drift(const vr_outputs *o, const vr_drift_org *reports, size_t count,
                             bool success, const vr_outputs_calls *calls, vr_error *err);

/* Closes everything (the webhook too, when still open). Safe to repeat. */
void vr_outputs_close(vr_outputs *o);

#endif
