/* vr_apply: one organization's plan carried out step by step (see vr_apply.h). */
#include "vr_apply.h"
#include "vr_errcode.h"

#include "vr_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *vr_step_kind_name(vr_step_kind k)
{
    switch (k) {
    case VR_STEP_CREATE:
        return "create";
    case VR_STEP_DELETE:
        return "delete";
    case VR_STEP_ACTIVATE:
        return "activate";
    case VR_STEP_REPLACE:
        return "replace";
    }
    return "unknown";
}

const char *vr_step_status_name(vr_step_status s)
{
    switch (s) {
    case VR_STEP_PENDING:
        return "pending";
    case VR_STEP_DONE:
        return "done";
    case VR_STEP_FAILED:
        return "failed";
    case VR_STEP_SKIPPED:
        return "skipped";
    }
    return "unknown";
}

void vr_apply_opts_init(vr_apply_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_creates = -1;
}

static void policy_fill(vr_poll_policy *out, const vr_poll_policy *p)
{
    out->initial_ms = p && p->initial_ms > 0 ? p->initial_ms : VR_APPLY_DEFAULT_POLL_INITIAL_MS;
    out->factor = p && p->factor >= 1.0 ? p->factor : VR_APPLY_DEFAULT_POLL_FACTOR;
    out->max_ms = p && p->max_ms > 0 ? p->max_ms : VR_APPLY_DEFAULT_POLL_MAX_MS;
}

int64_t vr_apply_poll_delay(const vr_poll_policy *p, long long estimate_ms, int n)
{
    vr_poll_policy q;
    policy_fill(&q, p);
    if (n <= 0) return estimate_ms >= 0 ? (int64_t)estimate_ms : q.initial_ms;
    double d = (double)q.initial_ms * pow(q.factor, (double)(n - 1));
    if (d >= (double)q.max_ms) return q.max_ms;
    return (int64_t)d;
}

/* ---- result bookkeeping ---- */

static void step_clear(vr_apply_step *s)
{
    free(s->name);
    free(s->id);
    free(s->routing_table_id);
    free(s->note);
    free(s->reason);
    free(s->replaced_id);
    free(s->replaced_table);
    for (size_t i = 0; i < s->correlation_count; i++)
        free(s->correlation_ids[i]);
    free(s->correlation_ids);
    memset(s, 0, sizeof(*s));
}

void vr_apply_result_free(vr_apply_result *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->step_count; i++)
        step_clear(&r->steps[i]);
    free(r->steps);
    free(r->org_id);
    memset(r, 0, sizeof(*r));
}

static vr_apply_step *step_add(vr_apply_result *r, vr_step_kind kind, const vr_iface *f)
{
    r->steps = vr_xrealloc(r->steps, (r->step_count + 1) * sizeof(*r->steps));
    vr_apply_step *s = &r->steps[r->step_count++];
    memset(s, 0, sizeof(*s));
    s->seq = r->step_count;
    s->kind = kind;
    s->status = VR_STEP_PENDING;
    s->name = vr_strdup(f->name ? f->name : "");
    s->id = f->id ? vr_strdup(f->id) : NULL;
    s->routing_table_id = f->routing_table_id ? vr_strdup(f->routing_table_id) : NULL;
    s->total_ms = s->create_ms = s->convergence_ms = VR_MS_NONE;
    s->delete_ms = s->delete_convergence_ms = VR_MS_NONE;
    s->estimated_ms = -1;
    return s;
}

static void step_note(vr_apply_step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step_note(vr_apply_step *s, const char *fmt, ...)
{
    vr_buf b = VR_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vr_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(s->note);
    s->note = vr_buf_detach(&b);
}

static void step_add_correlation(vr_apply_step *s, const char *id)
{
    if (!id || !*id) return;
    for (size_t i = 0; i < s->correlation_count; i++)
        if (strcmp(s->correlation_ids[i], id) == 0) return;
    s->correlation_ids =
        vr_xrealloc(s->correlation_ids, (s->correlation_count + 1) * sizeof(*s->correlation_ids));
    s->correlation_ids[s->correlation_count++] = vr_strdup(id);
}

static bool names_contain(const vr_plan_ref *refs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (refs[i].name && strcmp(refs[i].name, name) == 0) return true;
    return false;
}

static bool named_by_inventory(const vr_plan_org_result *plan, const char *name)
{
    if (names_contain(plan->unchanged, plan->unchanged_count, name)) return true;
    for (size_t i = 0; i < plan->drift_count; i++)
        if (plan->drift[i].name && strcmp(plan->drift[i].name, name) == 0) return true;
    return false;
}

void vr_apply_steps(vr_apply_result *out, const vr_plan_org_result *plan, const vr_iface *live,
                    size_t live_count)
{
    memset(out, 0, sizeof(*out));
    out->org_id = vr_strdup(plan->org_id ? plan->org_id : "");
    for (size_t i = 0; i < plan->action_count; i++)
        if (plan->actions[i].kind == VR_ACTION_DELETE)
            step_add(out, VR_STEP_DELETE, &plan->actions[i].iface);
    for (size_t i = 0; i < live_count; i++) {
        const vr_iface *f = &live[i];
        if (!f->name || !f->id || !f->state || strcmp(f->state, "provisioning") != 0) continue;
        if (named_by_inventory(plan, f->name)) step_add(out, VR_STEP_ACTIVATE, f);
    }
    for (size_t i = 0; i < plan->action_count; i++) {
        const vr_plan_action *a = &plan->actions[i];
        if (a->kind != VR_ACTION_REPLACE) continue;
        vr_apply_step *s = step_add(out, VR_STEP_REPLACE, &a->iface);
        s->reason = a->reason ? vr_strdup(a->reason) : NULL;
        s->replaced_id = a->replaces.id ? vr_strdup(a->replaces.id) : NULL;
        s->replaced_table =
            a->replaces.routing_table_id ? vr_strdup(a->replaces.routing_table_id) : NULL;
    }
    for (size_t i = 0; i < plan->action_count; i++)
        if (plan->actions[i].kind == VR_ACTION_CREATE)
            step_add(out, VR_STEP_CREATE, &plan->actions[i].iface);
}

/* ---- the run ---- */

typedef struct {
    vr_client *c;
    const vr_apply_opts *o;
    vr_poll_policy poll;
    int64_t converge_timeout_ms;
    /* Without a server estimate: where the run's earlier waits saw their tables converge, to
     * schedule the next wait's polls (vr_converge_schedule). */
    vr_converge_history learned;
    /* The sync of the current step, recorded (routing_sync) with the step's own record, after
     * the step, so audit and webhook time never counts in the step's latencies. */
    bool sync_done;      /* the step requested a sync */
    bool sync_converged; /* and its table converged */
    vr_error sync_err;   /* why not, when it did not */
    /* What holds the next steps back: an earlier failure, or a record that could not be kept,
     * or the run's deadline (timed_out). */
    bool stop;
    const char *stop_why;
    bool timed_out;
    long creates; /* creates started, for max_creates */
    /* A record of the middle of a step (a replacement's deletion) that could not be kept: the
     * step still finishes (its create must not be left undone), then the run stops as after
     * any record that could not be kept. */
    bool mid_record_failed;
    vr_error mid_record_err;
} apply_run;

static int64_t run_now(const apply_run *r)
{
    return r->o->now ? r->o->now(r->o->env_ctx) : vr_now_ms();
}

static void run_sleep(const apply_run *r, int64_t ms)
{
    if (ms <= 0) return;
    if (r->o->sleep)
        r->o->sleep(r->o->env_ctx, ms);
    else
        vr_sleep_ms(ms);
}

/* Keeps the correlation id of the call just made (and of its error). */
static void note_call(const apply_run *r, vr_apply_step *s, const vr_error *err)
{
    const vr_http_response *resp = vr_client_last_response(r->c);
    if (resp) step_add_correlation(s, resp->correlation_id);
    if (err) step_add_correlation(s, err->correlation_id);
}

static int sync_table(const apply_run *r, vr_apply_step *s, const char *table, vr_sync_result *sr,
                      vr_error *err)
{
    vr_sync_result_clear(sr);
    int rc = vr_client_sync_routing_table(r->c, table, sr, err);
    note_call(r, s, rc < 0 ? err : NULL);
    if (rc < 0) return -1;
    s->syncs++;
    s->estimated_ms = sr->estimated_convergence_ms;
    if (!sr->expected_hash) {
        vr_error_set(err, VR_ERR_SYNC_INVALID,
                     "sync of routing table %s: the answer has no expectedHash", table);
        return -1;
    }
    return 0;
}

/* How long to sleep before poll n (0-based) of a wait, elapsed ms after its sync: at the
 * server's estimate, then the backoff; without one, at the times learned from the run's
 * earlier waits (plan, planned of them), then the backoff from the last of them. */
static int64_t poll_wait(const apply_run *r, long long estimate, const int64_t *plan,
                         size_t planned, int n, int64_t elapsed)
{
    if (estimate >= 0 || planned == 0) return vr_apply_poll_delay(&r->poll, estimate, n);
    if ((size_t)n < planned) return plan[n] - elapsed;
    return vr_apply_poll_delay(&r->poll, -1, n - (int)planned + 1);
}

/* Syncs table and waits until its currentHash reaches the sync's expectedHash. */
static int converge_wait(apply_run *r, vr_apply_step *s, const char *table, vr_error *err)
{
    int64_t t0 = run_now(r), t_sync = 0, pending_at = -1, converged_at = 0;
    int64_t plan[VR_CONVERGE_MAX_POLLS];
    size_t planned = 0;
    int64_t deadline = t0 + r->converge_timeout_ms;
    vr_sync_result sr = {0};
    vr_routing_table t = {0};
    char *last_seen = NULL;
    bool resynced = false;
    int rc = -1, n = 0, syncs_before = s->syncs;

    if (sync_table(r, s, table, &sr, err) < 0) goto done;
    t_sync = run_now(r);
    planned = vr_converge_schedule(&r->learned, plan, VR_CONVERGE_MAX_POLLS);
    for (;;) {
        int64_t d =
            poll_wait(r, sr.estimated_convergence_ms, plan, planned, n, run_now(r) - t_sync);
        int64_t left = deadline - run_now(r);
        run_sleep(r, d < left ? d : left);
        int64_t poll_at = run_now(r) - t_sync;
        vr_routing_table_clear(&t);
        int g = vr_client_get_routing_table(r->c, table, &t, err);
        note_call(r, s, g < 0 ? err : NULL);
        s->polls++;
        n++;
        if (g < 0) goto done;
        if (t.current_hash && strcmp(t.current_hash, sr.expected_hash) == 0) {
            converged_at = poll_at;
            break;
        }
        pending_at = poll_at;
        bool moved = last_seen && t.current_hash && strcmp(last_seen, t.current_hash) != 0;
        bool settled = t.state && strcmp(t.state, "converged") == 0;
        if (moved || settled) {
            /* another sync replaced ours and the table converged to its hash */
            if (resynced) {
                vr_error_set(err, VR_ERR_CONVERGE_REPLACED,
                             "routing table %s converged to hash %s, not %s, after a re-sync: "
                             "other syncs keep replacing this run's",
                             table, t.current_hash ? t.current_hash : "(none)", sr.expected_hash);
                vr_error_remedy(err, "find what else syncs routing table %s and run apply again",
                                table);
                goto done;
            }
            resynced = true;
            if (sync_table(r, s, table, &sr, err) < 0) goto done;
            t_sync = run_now(r);
            pending_at = -1;
            free(last_seen);
            last_seen = NULL;
            n = 0;
            continue;
        }
        free(last_seen);
        last_seen = t.current_hash ? vr_strdup(t.current_hash) : NULL;
        if (run_now(r) >= deadline) {
            vr_error_set(err, VR_ERR_CONVERGE_TIMEOUT,
                         "routing table %s did not converge within %lld s (currentHash %s, "
                         "expectedHash %s, state %s, %d polls)",
                         table, (long long)(r->converge_timeout_ms / 1000),
                         t.current_hash ? t.current_hash : "(none)", sr.expected_hash,
                         t.state ? t.state : "(none)", n);
            vr_error_remedy(err,
                            "check routing table %s in the platform; when convergence is just "
                            "slow, raise --converge-timeout and run apply again",
                            table);
            goto done;
        }
    }
    /* Without the server's estimate, what this wait saw schedules the next ones: converged
     * after pending_at (the last poll that found it syncing), by converged_at. */
    if (sr.estimated_convergence_ms < 0)
        vr_converge_observe(&r->learned, pending_at > 0 ? pending_at : 0, converged_at);
    rc = 0;
done:
    s->convergence_ms = run_now(r) - t0;
    r->sync_done = s->syncs > syncs_before;
    r->sync_converged = rc == 0;
    if (rc != 0 && err) r->sync_err = *err;
    free(last_seen);
    vr_routing_table_clear(&t);
    vr_sync_result_clear(&sr);
    return rc;
}

/* After convergence: the connection must be active (polled briefly while provisioning). */
static int check_active(const apply_run *r, vr_apply_step *s, vr_error *err)
{
    int64_t t0 = run_now(r);
    for (int n = 1;; n++) {
        vr_iface f;
        memset(&f, 0, sizeof(f));
        int rc = vr_client_get_connection(r->c, s->id, &f, err);
        note_call(r, s, rc < 0 ? err : NULL);
        if (rc < 0) {
            if (strcmp(err->code, VR_ERR_NOT_FOUND) == 0)
                vr_error_set(err, VR_ERR_NOT_FOUND,
                             "connection %s (%s) disappeared after its routing table converged",
                             s->name, s->id);
            return -1;
        }
        char state[32];
        snprintf(state, sizeof(state), "%s", f.state ? f.state : "(none)");
        vr_iface_clear(&f);
        if (strcmp(state, "active") == 0) return 0;
        if (strcmp(state, "failed") == 0 || run_now(r) - t0 >= VR_APPLY_ACTIVE_GRACE_MS) {
            vr_error_set(err, VR_ERR_NOT_ACTIVE,
                         "connection %s (%s) is %s after its routing table converged", s->name,
                         s->id, state);
            vr_error_remedy(err, "check the connection in the platform; apply syncs a named "
                                 "connection left provisioning when run again");
            return -1;
        }
        run_sleep(r, vr_apply_poll_delay(&r->poll, -1, n));
    }
}

typedef struct {
    vr_buf *b;
    int n;
} diff_ctx;

static void collect_diff(void *ctx, const char *field, const char *want, const char *have)
{
    diff_ctx *d = ctx;
    vr_buf_printf(d->b, "%s%s: want %s, live %s", d->n++ ? "; " : "", field, want ? want : "",
                  have ? have : "");
}

/* 409 name.duplicate: the create was already done (a lost response, or a run that crashed).
 * Takes the live connection when it matches what was asked. */
static int adopt_existing(const apply_run *r, vr_apply_step *s, const vr_iface *want, vr_iface *out,
                          vr_error *err)
{
    bool found = false;
    vr_error e2 = VR_ERROR_INIT;
    int rc = vr_client_find_connection(r->c, want->name, out, &found, &e2);
    note_call(r, s, rc < 0 ? &e2 : NULL);
    if (rc < 0) {
        *err = e2;
        return -1;
    }
    if (!found) {
        vr_error_set(err, VR_ERR_NAME_DUPLICATE,
                     "create connection %s: the platform says the name is taken (409 "
                     "name.duplicate) but lists no connection of that name",
                     want->name);
        return -1;
    }
    vr_buf diffs = VR_BUF_INIT;
    diff_ctx dc = {&diffs, 0};
    int nd = vr_iface_compare(want, out, collect_diff, &dc);
    if (nd > 0) {
        vr_error_set(err, VR_ERR_NAME_DUPLICATE,
                     "create connection %s: a connection of that name exists (%s) and differs "
                     "from the inventory (%s): not taken as created",
                     want->name, out->id ? out->id : "no id", vr_buf_str(&diffs));
        vr_error_remedy(err, "it is drift: see vni-reconcile drift; change the inventory or the "
                             "live connection so they agree");
        vr_buf_free(&diffs);
        vr_iface_clear(out);
        return -1;
    }
    vr_buf_free(&diffs);
    s->adopted = true;
    return 0;
}

/* The gateway of want must answer before anything is created (or, for a replacement,
 * deleted). Returns 0 when reachable; -1 with err (nothing was sent to the platform). */
static int probe_gateway(const apply_run *r, vr_apply_step *s, const vr_iface *want, vr_error *err)
{
    const vr_apply_opts *o = r->o;
    vr_addr remote = want->remote;
    if (remote.family == VR_AF_NONE &&
        (!want->remote_ip || vr_addr_parse(&remote, want->remote_ip) != 0)) {
        vr_error_set(err, VR_ERR_INVALID_FIELD, "connection %s: remoteIp %s is not an address",
                     s->name, want->remote_ip ? want->remote_ip : "(none)");
        return -1;
    }
    int port = want->probe_port > 0 ? want->probe_port
               : o->probe_port > 0  ? o->probe_port
                                    : VR_DEFAULT_PROBE_PORT;
    int timeout = want->probe_timeout_ms > 0 ? want->probe_timeout_ms
                  : o->probe_timeout_ms > 0  ? o->probe_timeout_ms
                                             : VR_DEFAULT_PROBE_TIMEOUT_MS;
    vr_probe_result pr;
    memset(&pr, 0, sizeof(pr));
    if (vr_probe(&pr, o->probe_map, &remote, port, timeout, err) < 0) return -1;
    snprintf(s->probe_detail, sizeof(s->probe_detail), "%s", pr.detail);
    if (pr.status == VR_PROBE_DENIED) {
        vr_error_set(err, VR_ERR_GATEWAY_REFUSED, "gateway %s of %s: %s", want->remote_ip, s->name,
                     pr.detail);
        vr_error_remedy(err,
                        "nothing was created for %s; no gateway lives in that range: correct its "
                        "remoteIp, or (for a test) send the probe to a listener with --probe-map "
                        "%s=HOST:PORT",
                        s->name, want->remote_ip);
        return -1;
    }
    if (pr.status != VR_PROBE_REACHABLE) {
        vr_error_set(err, VR_ERR_GATEWAY_UNREACHABLE, "gateway %s of %s (probed at %s) is %s",
                     want->remote_ip, s->name, pr.target, pr.detail);
        vr_error_remedy(err,
                        "nothing was %s for %s; check the gateway answers TCP on port %d "
                        "(the interface's probe.port sets another), then run apply again",
                        s->kind == VR_STEP_REPLACE && !s->replaced_deleted
                            ? "deleted (its old connection stays) or created"
                            : "created",
                        s->name, port);
        return -1;
    }
    return 0;
}

/* The intent record before a create or delete call (docs/audit.md: status "started"), so
 * that a run killed after the call leaves a trace of it. Returns 0 to go on; -1 with err set
 * when it could not be kept: nothing is sent then, but for the create of a replacement whose
 * delete was done (leaving the interface missing would be worse), which goes on; either way
 * the run stops after the step, as after any record that could not be kept. */
static int intent(apply_run *r, vr_apply_step *s, bool deletion, vr_error *err)
{
    if (!r->o->record) return 0;
    vr_apply_record rec = {s, VR_APPLY_RECORD_INTENT, false, false, NULL, deletion};
    vr_error aerr = VR_ERROR_INIT;
    if (r->o->record(r->o->record_ctx, &rec, &aerr) == 0) return 0;
    if (!r->mid_record_failed) {
        r->mid_record_failed = true;
        r->mid_record_err = aerr;
    }
    if (s->kind == VR_STEP_REPLACE && s->replaced_deleted) return 0;
    *err = aerr;
    vr_error_remedy(err,
                    "nothing was sent for %s: free the audit log's disk or fix its "
                    "permissions, then run apply again",
                    s->name);
    return -1;
}

static int do_create(apply_run *r, vr_apply_step *s, const vr_iface *want, vr_error *err)
{
    if (probe_gateway(r, s, want, err) < 0) return -1;
    if (intent(r, s, false, err) < 0) return -1;
    int64_t tc = run_now(r);
    vr_iface made;
    memset(&made, 0, sizeof(made));
    int rc = vr_client_create_connection(r->c, want, &made, err);
    note_call(r, s, rc < 0 ? err : NULL);
    if (rc == VR_HTTP_ESTATUS && err->http_status == 409 &&
        strcmp(err->code, VR_ERR_NAME_DUPLICATE) == 0) {
        vr_error_clear(err);
        rc = adopt_existing(r, s, want, &made, err);
    }
    s->create_ms = run_now(r) - tc;
    if (rc < 0) return -1;
    free(s->id);
    s->id = vr_strdup(made.id);
    if (!s->routing_table_id && made.routing_table_id)
        s->routing_table_id = vr_strdup(made.routing_table_id);
    bool active = made.state && strcmp(made.state, "active") == 0;
    vr_iface_clear(&made);
    if (s->adopted && active) {
        step_note(s, "already existed and active (an earlier create went through)");
        return 0;
    }
    if (s->adopted)
        step_note(s, "already existed (an earlier create went through): taken as created");
    if (!s->routing_table_id) {
        vr_error_set(err, VR_ERR_INVALID_FIELD, "connection %s has no routingTableId to sync",
                     s->name);
        return -1;
    }
    if (converge_wait(r, s, s->routing_table_id, err) < 0) return -1;
    return check_active(r, s, err);
}

static int do_delete(apply_run *r, vr_apply_step *s, vr_error *err)
{
    if (!s->id) {
        vr_error_set(err, VR_ERR_PLAN_INVALID, "delete %s: the plan has no connection id", s->name);
        return -1;
    }
    if (intent(r, s, true, err) < 0) return -1;
    int rc = vr_client_delete_connection(r->c, s->id, err);
    note_call(r, s, rc < 0 ? err : NULL);
    if (rc == VR_HTTP_ESTATUS && err->http_status == 404) {
        vr_error_clear(err);
        s->already_gone = true;
        step_note(s, "already gone (404)");
        rc = 0;
    }
    if (rc < 0) return -1;
    if (!s->routing_table_id) return 0;
    return converge_wait(r, s, s->routing_table_id, err);
}

static int do_activate(apply_run *r, vr_apply_step *s, vr_error *err)
{
    vr_iface f;
    memset(&f, 0, sizeof(f));
    int rc = vr_client_get_connection(r->c, s->id, &f, err);
    note_call(r, s, rc < 0 ? err : NULL);
    if (rc < 0) return -1;
    bool active = f.state && strcmp(f.state, "active") == 0;
    if (f.routing_table_id) {
        free(s->routing_table_id);
        s->routing_table_id = vr_strdup(f.routing_table_id);
    }
    vr_iface_clear(&f);
    if (active) {
        step_note(s, "already active");
        return 0;
    }
    step_note(s, "was left provisioning (no routing sync after its create): synced");
    if (!s->routing_table_id) {
        vr_error_set(err, VR_ERR_INVALID_FIELD, "connection %s has no routingTableId to sync",
                     s->name);
        return -1;
    }
    if (converge_wait(r, s, s->routing_table_id, err) < 0) return -1;
    return check_active(r, s, err);
}

/* A replacement that deleted the old connection and did not bring the new one up: the
 * error names the interface as missing and says what to do. */
static int replace_left_missing(vr_apply_step *s, vr_error *err)
{
    char was[sizeof(err->message)], code[sizeof(err->code)];
    snprintf(was, sizeof(was), "%s", err->message);
    snprintf(code, sizeof(code), "%s", err->code);
    s->left_missing = true;
    vr_error_set(err, code,
                 "%s is missing live: its old connection %s was deleted to replace it, and the "
                 "new one was not created: %s",
                 s->name, s->replaced_id ? s->replaced_id : "(no id)", was);
    vr_error_remedy(err,
                    "fix the cause above, then run `vni-reconcile apply` again: %s is missing, "
                    "so the next run creates it (with or without --replace)",
                    s->name);
    return -1;
}

/* Hands a record to the run's recorder (report/vr_outputs: audit records, webhook). */
static int record(const apply_run *r, const vr_apply_step *s, vr_apply_record_phase phase,
                  vr_error *err)
{
    if (!r->o->record) return 0;
    vr_apply_record rec = {s,
                           phase,
                           r->sync_done,
                           r->sync_converged,
                           r->sync_done && !r->sync_converged ? &r->sync_err : NULL,
                           false};
    return r->o->record(r->o->record_ctx, &rec, err);
}

/* The deletion of a replacement, recorded as soon as the old table converged and before the
 * create, so that a run killed in between leaves it on record. */
static void record_deletion(apply_run *r, vr_apply_step *s)
{
    vr_error aerr = VR_ERROR_INIT;
    if (record(r, s, VR_APPLY_RECORD_REPLACED, &aerr) < 0 && !r->mid_record_failed) {
        r->mid_record_failed = true;
        r->mid_record_err = aerr;
    }
    s->deletion_recorded = true;
    r->sync_done = false;
}

/* Replace: probe, delete the old connection, sync its table and converge, record the
 * deletion, then create the new version as a create does (probe, create, sync, converge,
 * active). One step: nothing may hold the run back between the delete and the create. */
static int do_replace(apply_run *r, vr_apply_step *s, const vr_iface *want, vr_error *err)
{
    if (!s->replaced_id) {
        vr_error_set(err, VR_ERR_PLAN_INVALID,
                     "replace %s: the plan has no id of the connection to delete", s->name);
        return -1;
    }
    /* Before anything is deleted: the new version's gateway must answer (the plan checked its
     * conflicts, routing table and the limit), so a replacement never deletes an interface
     * it then cannot create. */
    if (probe_gateway(r, s, want, err) < 0) return -1;
    if (intent(r, s, true, err) < 0) return -1;
    int64_t t0 = run_now(r);
    int rc = vr_client_delete_connection(r->c, s->replaced_id, err);
    note_call(r, s, rc < 0 ? err : NULL);
    if (rc == VR_HTTP_ESTATUS && err->http_status == 404) {
        vr_error_clear(err);
        s->already_gone = true;
        rc = 0;
    }
    if (rc < 0) {
        s->delete_ms = run_now(r) - t0;
        s->delete_correlations = s->correlation_count;
        vr_error_remedy(err,
                        "nothing was deleted: %s keeps its old connection %s; run apply "
                        "again once the platform answers",
                        s->name, s->replaced_id);
        return -1;
    }
    s->replaced_deleted = true;
    if (s->replaced_table) rc = converge_wait(r, s, s->replaced_table, err);
    s->delete_ms = run_now(r) - t0;
    s->delete_convergence_ms = r->sync_done ? s->convergence_ms : VR_MS_NONE;
    s->delete_correlations = s->correlation_count;
    if (rc < 0) return replace_left_missing(s, err);
    record_deletion(r, s);
    s->convergence_ms = VR_MS_NONE;
    rc = do_create(r, s, want, err);
    if (rc == 0)
        step_note(s, "replaced connection %s%s: %s", s->replaced_id,
                  s->already_gone ? " (already gone)" : "", s->reason ? s->reason : "");
    else if (!s->id)
        return replace_left_missing(s, err);
    return rc;
}

static const vr_iface *action_iface(const vr_plan_org_result *plan, const vr_apply_step *s)
{
    vr_action_kind k = s->kind == VR_STEP_CREATE    ? VR_ACTION_CREATE
                       : s->kind == VR_STEP_REPLACE ? VR_ACTION_REPLACE
                                                    : VR_ACTION_DELETE;
    for (size_t i = 0; i < plan->action_count; i++)
        if (plan->actions[i].kind == k && strcmp(plan->actions[i].name, s->name) == 0)
            return &plan->actions[i].iface;
    return NULL;
}

static void progress(const apply_run *r, vr_apply_event ev, const vr_apply_step *s, size_t total)
{
    if (r->o->progress) r->o->progress(r->o->progress_ctx, ev, s, total);
}

static void finish_step(vr_apply_result *res, const apply_run *r, vr_apply_step *s)
{
    switch (s->status) {
    case VR_STEP_DONE:
        res->done++;
        if (s->kind == VR_STEP_CREATE) res->created++;
        if (s->kind == VR_STEP_CREATE && s->adopted) res->adopted++;
        if (s->kind == VR_STEP_DELETE) res->deleted++;
        if (s->kind == VR_STEP_ACTIVATE) res->activated++;
        if (s->kind == VR_STEP_REPLACE) res->replaced++;
        break;
    case VR_STEP_FAILED:
        res->failed++;
        break;
    case VR_STEP_SKIPPED:
        res->skipped++;
        break;
    case VR_STEP_PENDING:
        break;
    }
    res->polls += s->polls;
    if (r->o->latency && s->status != VR_STEP_SKIPPED) {
        vr_latency_add(r->o->latency, VR_PHASE_CREATE, s->create_ms);
        vr_latency_add(r->o->latency, VR_PHASE_CONVERGENCE, s->convergence_ms);
        vr_latency_add(r->o->latency, VR_PHASE_TOTAL, s->total_ms);
    }
}

/* The run's deadline check, made once before each step (so never between the parts of one: a
 * replacement's delete and its create are one step). */
static bool deadline_passed(const apply_run *r)
{
    return r->o->run_deadline_ms > 0 && run_now(r) >= r->o->run_deadline_ms;
}

/* Whether step s is held back (SKIPPED, with why) instead of started: the one place where
 * the run decides not to begin a step (after a failure, past max_creates, past the run's
 * deadline). A replacement's delete and create are one step, so nothing is ever held back
 * between them. */
static bool held_back(apply_run *r, vr_apply_step *s)
{
    if (!r->stop && deadline_passed(r)) {
        r->stop = r->timed_out = true;
        r->stop_why = "the run's time limit (--timeout) passed before it";
    }
    if (r->stop) {
        s->status = VR_STEP_SKIPPED;
        step_note(s, "not attempted: %s", r->stop_why);
        return true;
    }
    if (s->kind == VR_STEP_CREATE && r->o->max_creates >= 0 && r->creates >= r->o->max_creates) {
        s->status = VR_STEP_SKIPPED;
        step_note(s, "not attempted: over --max-creates %ld (the next run takes it)",
                  r->o->max_creates);
        return true;
    }
    return false;
}

/* Carries out one step that was not held back; its status is DONE or FAILED after. */
static void run_step(apply_run *r, const vr_plan_org_result *plan, vr_apply_step *s)
{
    int64_t t0 = run_now(r);
    int rc;
    const vr_iface *want =
        s->kind == VR_STEP_CREATE || s->kind == VR_STEP_REPLACE ? action_iface(plan, s) : NULL;
    if (s->kind == VR_STEP_CREATE) r->creates++;
    if ((s->kind == VR_STEP_CREATE || s->kind == VR_STEP_REPLACE) && !want) {
        vr_error_set(&s->error, VR_ERR_PLAN_INVALID, "%s %s: not in the plan",
                     vr_step_kind_name(s->kind), s->name);
        rc = -1;
    } else if (s->kind == VR_STEP_CREATE) {
        rc = do_create(r, s, want, &s->error);
    } else if (s->kind == VR_STEP_REPLACE) {
        rc = do_replace(r, s, want, &s->error);
    } else if (s->kind == VR_STEP_DELETE) {
        rc = do_delete(r, s, &s->error);
    } else {
        rc = do_activate(r, s, &s->error);
    }
    s->total_ms = run_now(r) - t0;
    s->status = rc == 0 ? VR_STEP_DONE : VR_STEP_FAILED;
    if (rc == 0) vr_error_clear(&s->error);
    if (rc != 0 && !r->o->keep_going) {
        r->stop = true;
        r->stop_why = "an earlier step failed";
    }
}

int vr_apply_org(vr_apply_result *out, vr_client *c, const vr_plan_org_result *plan,
                 const vr_iface *live, size_t live_count, const vr_apply_opts *opts)
{
    vr_apply_opts defaults;
    if (!opts) {
        vr_apply_opts_init(&defaults);
        opts = &defaults;
    }
    apply_run r;
    memset(&r, 0, sizeof(r));
    r.c = c;
    r.o = opts;
    policy_fill(&r.poll, &opts->poll);
    r.converge_timeout_ms = opts->converge_timeout_ms > 0 ? opts->converge_timeout_ms
                                                          : VR_APPLY_DEFAULT_CONVERGE_TIMEOUT_MS;

    vr_apply_steps(out, plan, live, live_count);
    out->started_wall_ms = vr_wall_ms();
    int64_t t_run = run_now(&r);

    for (size_t i = 0; i < out->step_count; i++) {
        vr_apply_step *s = &out->steps[i];
        r.sync_done = false;
        if (!held_back(&r, s)) {
            progress(&r, VR_APPLY_EVENT_START, s, out->step_count);
            run_step(&r, plan, s);
        }
        vr_error aerr = VR_ERROR_INIT;
        bool lost = record(&r, s, VR_APPLY_RECORD_STEP, &aerr) < 0;
        if (r.mid_record_failed && !lost) {
            aerr = r.mid_record_err;
            lost = true;
        }
        r.mid_record_failed = false;
        if (lost && !out->audit_failed) {
            out->audit_failed = true;
            out->audit_err = aerr;
            r.stop = true;
            r.stop_why = "the audit log could not be written";
        }
        finish_step(out, &r, s);
        progress(&r, VR_APPLY_EVENT_END, s, out->step_count);
    }
    out->elapsed_ms = run_now(&r) - t_run;
    out->timed_out = r.timed_out;
    return out->failed || out->audit_failed || out->timed_out ? -1 : 0;
}
