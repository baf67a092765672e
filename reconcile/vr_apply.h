/* vr_apply: carries out one organization's plan through the platform client, one step at a
 * time (cli.md "Apply"): probe the gateway, create, sync the routing table, wait for
 * convergence, check the connection is active, hand the step to the recorder (the audit record,
 * fsync'd, and the webhook: report/vr_outputs), then the next step. Prints nothing: the cmd layer
 * prints from the progress callback and from the result.
 *
 * Steps, in this order:
 *   - every delete of the plan (delete; 404 is "already gone"; sync its table; converge);
 *   - "activate": a live connection the inventory names (the plan's unchanged or drift list)
 *     whose state is "provisioning", e.g. left so by a run that crashed between its create and
 *     its sync: sync its table and converge (audited as vni_provisioning/provisioned);
 *   - every replacement of the plan, as one step: probe the new version's gateway (before
 *     anything is deleted: a replacement never deletes what it then cannot create); delete the
 *     live connection (404 is "already gone"); sync its routing table and converge; hand the
 *     deletion to the recorder (VR_APPLY_RECORD_REPLACED: its vni_deletion record is written
 *     before the create); then as a create: probe, create, sync the new version's routing
 *     table (when it moved, both tables are synced: the old one after the delete, the new one
 *     after the create), converge, check active; then the step's own record. When the delete
 *     was done and the new connection was not created (or the old table did not converge),
 *     the step fails with left_missing set and an error that names the interface as missing
 *     and says what to do: the next run (with or without --replace) creates it, since it is
 *     missing live;
 *   - every create of the plan (probe; create; on 409 name.duplicate the connection of that
 *     name is read and taken as created when it matches what was asked, else the step fails;
 *     sync; converge; check active).
 * The first failure stops the run (the rest are skipped, "not attempted") unless keep_going.
 * Creates past max_creates are skipped with a note (replacements are bounded by the plan's
 * --max-replaces, not by max_creates). A step is held back only before it starts (one place:
 * after a failure, over max_creates, past the run's deadline, run_deadline_ms, the --timeout:
 * then the rest are "not attempted" and timed_out is set), never between a replacement's
 * delete and its create: a step under way is finished. Re-running after a crash or a failure
 * re-plans from live state, so nothing is created twice.
 *
 * Convergence wait (converge_wait): after a sync, the table is polled (GET) on a schedule that
 * starts at the server's estimatedConvergenceMs (or poll_initial_ms without one) and then
 * backs off geometrically from poll_initial_ms by poll_factor up to poll_max_ms, never
 * sleeping past the deadline (sync time + converge timeout; one last poll at the deadline).
 * Without an estimate, the run learns when its tables converge: each wait records the interval
 * its convergence lay in (after the last poll that saw the table syncing, by the one that saw
 * it converged), and the next wait polls at the times that minimise the expected wait past
 * convergence plus 12 ms a poll over the last 32 such intervals (vr_converge_schedule in
 * vr_latency.h), then backs off as above from the last of them. The first wait of a run,
 * with nothing learned, backs off from poll_initial_ms.
 * When the table's currentHash moves to a hash that is not ours (another sync replaced ours)
 * the table is synced once more; a second time the step fails.
 *
 * Ownership: a vr_apply_result owns every string and array in it; vr_apply_result_free()
 * releases them. Options' pointers are borrowed for the call. */
#ifndef VR_APPLY_H
#define VR_APPLY_H

#include "vr_client.h"
#include "vr_diag.h"
#include "vr_latency.h"
#include "vr_plan.h"
#include "vr_probe.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VR_APPLY_DEFAULT_CONVERGE_TIMEOUT_MS (300 * 1000)
#define VR_APPLY_DEFAULT_POLL_INITIAL_MS 50
#define VR_APPLY_DEFAULT_POLL_FACTOR 1.5
#define VR_APPLY_DEFAULT_POLL_MAX_MS 5000
/* After convergence, how long a connection still "provisioning" is polled before failing. */
#define VR_APPLY_ACTIVE_GRACE_MS 3000

typedef enum {
    VR_STEP_CREATE = 0,
    VR_STEP_DELETE,
    VR_STEP_ACTIVATE, /* sync + converge a named connection left provisioning */
    VR_STEP_REPLACE,  /* delete the live connection, then create it anew */
} vr_step_kind;

typedef enum {
    VR_STEP_PENDING = 0, /* not reached yet (only seen by the progress callback) */
    VR_STEP_DONE,
    VR_STEP_FAILED,
    VR_STEP_SKIPPED, /* not attempted: an earlier step failed, or over max_creates */
} vr_step_status;

/* "create", "delete", "activate"; "pending", "done", "failed", "skipped". Static. */
const char *vr_step_kind_name(vr_step_kind k);
const char *vr_step_status_name(vr_step_status s);

/* One step and what became of it. Strings malloc'd and owned. */
typedef struct {
    size_t seq; /* 1-based position in the run */
    vr_step_kind kind;
    vr_step_status status;
    char *name;
    char *id;               /* connection id; NULL when never known (failed before create) */
    char *routing_table_id; /* NULL when unknown */
    bool adopted;           /* create: 409 name.duplicate, the existing connection matched */
    bool already_gone;      /* delete: the connection was already deleted (404) */
    vr_error error;         /* when FAILED */
    char *note;             /* SKIPPED: why; DONE/FAILED: extra detail or NULL */
    int64_t total_ms, create_ms, convergence_ms; /* VR_MS_NONE when not measured */
    int polls;                                   /* routing-table GETs of converge_wait */
    int syncs;                                   /* sync requests (2 after a re-sync) */
    long long estimated_ms; /* the last sync's estimatedConvergenceMs, -1 when absent */
    char probe_detail[384]; /* create: vr_probe_result.detail, "" when no probe was made */
    char **correlation_ids; /* of every API call of the step */
    size_t correlation_count;
    /* replace only: the live connection it deletes, and how that went */
    char *reason;           /* the plan's reason (why it is replaced) */
    char *replaced_id;      /* the old connection's id */
    char *replaced_table;   /* its routing table (synced after the delete); NULL: unknown */
    bool replaced_deleted;  /* the delete was done (or the old one was already gone) */
    bool deletion_recorded; /* the delete was done and its table converged: the deletion was
                               handed to the recorder before the create began */
    bool left_missing;      /* deleted, and not created again: missing live */
    int64_t delete_ms;      /* delete, sync and convergence of the old table */
    int64_t delete_convergence_ms;
    size_t delete_correlations; /* correlation_ids[0..this) belong to the delete */
} vr_apply_step;

/* The outcome of one organization's apply. Zero-initialise, or let vr_apply_org do it. */
typedef struct {
    char *org_id;
    vr_apply_step *steps;
    size_t step_count;
    size_t created, deleted, activated, replaced; /* DONE steps by kind */
    size_t adopted;                               /* of created: taken over after name.duplicate */
    size_t done, failed, skipped;
    int polls; /* every routing-table poll of the run */
    int64_t started_wall_ms, elapsed_ms;
    bool timed_out;     /* the run's deadline passed: the steps after it were not attempted */
    bool audit_failed;  /* the audit log could not be written: the run stopped there */
    vr_error audit_err; /* when audit_failed */
} vr_apply_result;

typedef enum {
    VR_APPLY_EVENT_START = 0, /* a step begins (status PENDING) */
    VR_APPLY_EVENT_END,       /* a step ended: DONE, FAILED or SKIPPED */
} vr_apply_event;

/* Called for every step event; step is valid during the call only; total is the step count. */
typedef void (*vr_apply_progress_fn)(void *ctx, vr_apply_event ev, const vr_apply_step *step,
                                     size_t total);

/* What is recorded: a step that ended (or was skipped), or the delete half of a replacement,
 * recorded as soon as its old table converged and before its create begins (the step is still
 * PENDING then; its delete_* fields and correlation_ids[0..delete_correlations) are that
 * half's). */
typedef enum {
    VR_APPLY_RECORD_STEP = 0,
    VR_APPLY_RECORD_REPLACED,
    VR_APPLY_RECORD_INTENT, /* a create or delete call is about to be sent (intent_delete says
                               which): the crash trail, recorded before the change */
} vr_apply_record_phase;

/* What a run records after each step (report/vr_outputs turns it into audit records and
 * webhook events): the step, and the routing-table sync it requested, if any (for
 * VR_APPLY_RECORD_REPLACED, the old table's; for the end of a replacement whose deletion was
 * recorded, the new table's). */
typedef struct {
    const vr_apply_step *step;
    vr_apply_record_phase phase;
    bool synced;                /* the step requested a sync */
    bool sync_converged;        /* and its table converged */
    const vr_error *sync_error; /* why not, when synced and not converged; else NULL */
    bool intent_delete;         /* VR_APPLY_RECORD_INTENT: a delete (of the step's id, or of a
                                   replacement's replaced_id) is about to be sent; false: a create */
} vr_apply_record;

/* Called once per step, after it ended (or was skipped), outside its latencies, and for a
 * replacement also once in the middle (VR_APPLY_RECORD_REPLACED). Also just before every
 * create and delete call (VR_APPLY_RECORD_INTENT: a create step's create, a delete step's
 * delete, a replacement's delete and its create), so that a run killed after the call leaves
 * a trace of it. Returns 0, or -1 with err set: the record could not be kept (the run stops
 * there, audit_failed; a replacement whose deletion or create-intent record failed still
 * finishes its create first). An intent that could not be kept stops the step before its
 * call: the step fails with that error and nothing is sent. */
typedef int (*vr_apply_record_fn)(void *ctx, const vr_apply_record *rec, vr_error *err);

/* The convergence polling schedule. Zeros take the defaults above. */
typedef struct {
    int64_t initial_ms; /* first poll without an estimate; base of the backoff */
    double factor;      /* backoff multiplier, >= 1 */
    int64_t max_ms;     /* cap of one wait */
} vr_poll_policy;

/* The wait before poll number n (0-based) of one convergence wait: n == 0 is the estimate
 * (estimate_ms >= 0, used as given) or initial_ms; poll n >= 1 waits
 * min(max_ms, initial_ms * factor^(n-1)). Pure; the caller cuts it to the deadline. */
int64_t vr_apply_poll_delay(const vr_poll_policy *p, long long estimate_ms, int n);

typedef struct {
    const vr_probe_map *probe_map; /* may be NULL */
    int probe_port;                /* 0: VR_DEFAULT_PROBE_PORT (an interface's own port wins) */
    int probe_timeout_ms;          /* 0: VR_DEFAULT_PROBE_TIMEOUT_MS (idem) */
    int64_t converge_timeout_ms;   /* 0: VR_APPLY_DEFAULT_CONVERGE_TIMEOUT_MS */
    vr_poll_policy poll;
    bool keep_going;
    long max_creates;          /* < 0: no cap */
    vr_apply_record_fn record; /* may be NULL: nothing recorded */
    void *record_ctx;
    vr_latency *latency;           /* may be NULL; gets create/convergence/total of each step */
    int64_t run_deadline_ms;       /* absolute, on the clock below; 0: none (the --timeout) */
    vr_apply_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    /* Clock and sleep of the convergence wait (NULL: vr_now_ms, vr_sleep_ms), for tests. */
    int64_t (*now)(void *ctx);
    void (*sleep)(void *ctx, int64_t ms);
    void *env_ctx;
} vr_apply_opts;

/* Zeros, max_creates -1. */
void vr_apply_opts_init(vr_apply_opts *o);

/* The steps of plan (deletes, activations, replacements, creates; see above) without carrying
 * them out:
 * every step PENDING. live is the organization's live connections (for activations; may be
 * NULL with live_count 0). out is overwritten. */
void vr_apply_steps(vr_apply_result *out, const vr_plan_org_result *plan, const vr_iface *live,
                    size_t live_count);

/* Carries out plan through c. out is overwritten. Returns 0 when no step failed (skips over
 * max_creates are not failures), -1 when some step failed, the run's deadline stopped it, or
 * the audit log could not be written (details in out). */
int vr_apply_org(vr_apply_result *out, vr_client *c, const vr_plan_org_result *plan,
                 const vr_iface *live, size_t live_count, const vr_apply_opts *opts);

void vr_apply_result_free(vr_apply_result *r);

#endif
