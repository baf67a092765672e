/* vr_outputs: the run's outputs opened once, fed, closed (see vr_outputs.h). */
#include "vr_outputs.h"
#include "vr_errcode.h"
#include "vr_gitreport.h"
#include "vr_html.h"
#include "vr_metrics.h"
#include "vr_render_drift.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int vr_outputs_open(vr_outputs *out, const vr_outputs_config *cfg, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    vr_audit_writer init = VR_AUDIT_WRITER_INIT;
    out->audit = init;
    out->cfg = *cfg;
    vr_spool_init(&out->spool, NULL);
    if (vr_audit_writer_open(&out->audit, cfg->audit_log, err) < 0) return VR_OUTPUTS_AUDIT_LOG;
    /* Held records wait in a spool beside a log that is a regular file (a FIFO or a device
     * cannot be read back to recover into); what killed runs left there goes first. */
    struct stat st;
    if (out->audit.fd >= 0 && fstat(out->audit.fd, &st) == 0 && S_ISREG(st.st_mode)) {
        vr_spool_init(&out->spool, cfg->audit_log);
        if (vr_spool_recover(&out->spool, &out->audit, &out->recovered, &out->spool_notes, err) < 0)
            return VR_OUTPUTS_AUDIT_LOG;
    }
    /* Both commands redact the same strings: the session's secrets and the webhook secret. */
    const char **red = vr_xcalloc(cfg->redaction_count + 1, sizeof(*red));
    size_t n = 0;
    for (size_t i = 0; i < cfg->redaction_count; i++)
        red[n++] = cfg->redactions[i];
    if (cfg->webhook_secret) red[n++] = cfg->webhook_secret;
    vr_audit_set_redactions(&out->audit, red, n); /* copies them */
    free(red);
    out->cfg.redactions = NULL;
    out->cfg.redaction_count = 0;
    if (!cfg->webhook_url) return 0;
    vr_webhook_config wc;
    memset(&wc, 0, sizeof(wc));
    wc.url = cfg->webhook_url;
    wc.secret = cfg->webhook_secret;
    wc.secret_len = cfg->webhook_secret_len;
    wc.transport = cfg->transport;
    if (vr_webhook_default_outbox(cfg->audit_log, &out->outbox) < 0) out->outbox = NULL;
    wc.outbox_path = out->outbox;
    if (vr_webhook_open(&out->webhook, &wc, err) < 0) {
        out->webhook = NULL;
        return VR_OUTPUTS_WEBHOOK;
    }
    vr_webhook_flush(out->webhook);
    return 0;
}

/* Keeps a formatted record in o->hold. */
static int hold(vr_outputs *o, const vr_audit_record *rec, vr_error *err)
{
    vr_buf line = VR_BUF_INIT;
    if (vr_audit_format(&o->audit, rec, &line) != 0) {
        vr_buf_free(&line);
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit record: cannot format it (out of memory)");
        return VR_OUTPUTS_AUDIT_LOG;
    }
    vr_outputs_held *h = o->hold;
    if (o->spool.dir) { /* on disk (fsync'd) before the next step */
        int rc = 0;
        if (!h->file.open && vr_spool_create(&o->spool, &h->file, rec->run_id, h->index, err) < 0)
            rc = -1;
        if (rc == 0 && vr_spool_append(&o->spool, &h->file, line.data, line.len, err) < 0) rc = -1;
        vr_buf_free(&line);
        if (rc < 0) return VR_OUTPUTS_AUDIT_LOG;
        h->spooled++;
        return 0;
    }
    if (h->count == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 8;
        h->items = vr_xrealloc(h->items, h->cap * sizeof(*h->items));
    }
    struct vr_outputs_held_line *l = &h->items[h->count++];
    l->action = rec->action;
    memcpy(l->event_id, rec->event_id, sizeof(l->event_id));
    l->len = line.len;
    l->line = vr_buf_detach(&line);
    return 0;
}

/* Writes one record to the log (fsync'd), then sends it to the webhook; or holds it. */
static int emit(vr_outputs *o, const vr_audit_record *rec, vr_error *err)
{
    if (o->hold) return hold(o, rec, err);
    vr_buf line = VR_BUF_INIT;
    int rc = vr_audit_write(&o->audit, rec, &line, err);
    if (rc == 0 && o->webhook)
        vr_webhook_send(o->webhook, vr_audit_action_name(rec->action), rec->event_id, line.data,
                        line.len);
    vr_buf_free(&line);
    return rc < 0 ? VR_OUTPUTS_AUDIT_LOG : 0;
}

/* The routing_sync record of docs/audit.md for the sync(s) of a step: converged (provisioned,
 * or deleted after a deletion) or not (failed, with why); id, the convergence and the
 * correlation ids [from, count) as given (a replacement's halves each have theirs). */
static int record_sync(vr_outputs *o, const vr_apply_record *r, bool deletion, const char *id,
                       int64_t convergence_ms, size_t from, vr_error *err)
{
    const vr_apply_step *s = r->step;
    vr_audit_record rec;
    /* The sync's status says what the table now carries: the new or the removed interface. */
    vr_audit_record_init(&rec, o->cfg.run_id, VR_AUDIT_ROUTING_SYNC,
                         !r->sync_converged ? VR_AUDIT_FAILED
                         : deletion         ? VR_AUDIT_DELETED
                                            : VR_AUDIT_PROVISIONED);
    rec.interface_name = s->name;
    rec.interface_id = id;
    rec.convergence_ms = convergence_ms;
    rec.total_ms = convergence_ms;
    rec.correlation_ids = (const char *const *)s->correlation_ids + from;
    rec.correlation_count = s->correlation_count - from;
    rec.error = r->sync_converged ? NULL : r->sync_error;
    return emit(o, &rec, err);
}

void vr_outputs_replace_statuses(const vr_apply_step *s, vr_audit_status *deletion,
                                 vr_audit_status *provisioning)
{
    if (s->status == VR_STEP_SKIPPED) {
        *deletion = *provisioning = VR_AUDIT_SKIPPED;
        return;
    }
    *deletion = s->deletion_recorded ? VR_AUDIT_DELETED : VR_AUDIT_FAILED;
    *provisioning = !s->deletion_recorded         ? VR_AUDIT_SKIPPED
                    : s->status == VR_STEP_FAILED ? VR_AUDIT_FAILED
                                                  : VR_AUDIT_PROVISIONED;
}

/* A replacement's records, each with "replacement": true. In the middle of the step
 * (VR_APPLY_RECORD_REPLACED): the old table's routing_sync and the vni_deletion (deleted),
 * with the delete's calls. At its end: the vni_deletion first when it was not recorded in
 * the middle (not attempted, or failed before the delete and its convergence were done), then
 * the new table's routing_sync when it synced, and the vni_provisioning. */
static int record_replace(vr_outputs *o, const vr_apply_record *r, vr_error *err)
{
    const vr_apply_step *s = r->step;
    vr_audit_status del, prov;
    vr_outputs_replace_statuses(s, &del, &prov);
    bool deletion_now = r->phase == VR_APPLY_RECORD_REPLACED || !s->deletion_recorded;
    size_t split = r->phase == VR_APPLY_RECORD_REPLACED || s->deletion_recorded
                       ? s->delete_correlations
                       : s->correlation_count;
    vr_audit_record rec;
    if (deletion_now) {
        if (r->synced &&
            record_sync(o, r, true, s->replaced_id, s->delete_convergence_ms, 0, err) < 0)
            return VR_OUTPUTS_AUDIT_LOG;
        vr_audit_record_init(&rec, o->cfg.run_id, VR_AUDIT_VNI_DELETION,
                             r->phase == VR_APPLY_RECORD_REPLACED ? VR_AUDIT_DELETED : del);
        rec.interface_name = s->name;
        rec.interface_id = s->replaced_id;
        rec.total_ms = s->delete_ms;
        rec.convergence_ms = s->delete_convergence_ms;
        rec.correlation_ids = (const char *const *)s->correlation_ids;
        rec.correlation_count = split;
        rec.error = rec.status == VR_AUDIT_FAILED ? &s->error : NULL;
        rec.replacement = true;
        if (emit(o, &rec, err) < 0) return VR_OUTPUTS_AUDIT_LOG;
        if (r->phase == VR_APPLY_RECORD_REPLACED) return 0;
    } else if (r->synced && record_sync(o, r, false, s->id, s->convergence_ms, split, err) < 0) {
        return VR_OUTPUTS_AUDIT_LOG;
    }
    vr_audit_record_init(&rec, o->cfg.run_id, VR_AUDIT_VNI_PROVISIONING, prov);
    rec.interface_name = s->name;
    rec.interface_id = s->id;
    rec.create_ms = s->create_ms;
    rec.convergence_ms = s->convergence_ms;
    if (prov != VR_AUDIT_SKIPPED && s->total_ms >= 0 && s->delete_ms >= 0)
        rec.total_ms = s->total_ms - s->delete_ms;
    rec.correlation_ids = (const char *const *)s->correlation_ids + split;
    rec.correlation_count = s->correlation_count - split;
    rec.error = prov == VR_AUDIT_FAILED ? &s->error : NULL;
    rec.replacement = true;
    return emit(o, &rec, err);
}

/* The intent record (status "started"), written before a create or delete call: the
 * change about to be made, with the id it deletes (none for a create: the platform has not
 * given one yet), no latency, no call and no error. */
static int record_intent(vr_outputs *o, const vr_apply_record *r, vr_error *err)
{
    const vr_apply_step *s = r->step;
    vr_audit_record rec;
    vr_audit_record_init(&rec, o->cfg.run_id,
                         r->intent_delete ? VR_AUDIT_VNI_DELETION : VR_AUDIT_VNI_PROVISIONING,
                         VR_AUDIT_STARTED);
    rec.interface_name = s->name;
    rec.interface_id = !r->intent_delete            ? NULL
                       : s->kind == VR_STEP_REPLACE ? s->replaced_id
                                                    : s->id;
    rec.replacement = s->kind == VR_STEP_REPLACE;
    return emit(o, &rec, err);
}

int vr_outputs_apply_record(void *ctx, const vr_apply_record *r, vr_error *err)
{
    vr_outputs *o = ctx;
    const vr_apply_step *s = r->step;
    if (!o->cfg.audit_log && !o->webhook) return 0;
    if (r->phase == VR_APPLY_RECORD_INTENT) return record_intent(o, r, err);
    if (s->kind == VR_STEP_REPLACE) return record_replace(o, r, err);
    vr_audit_record rec;
    vr_audit_record_init(&rec, o->cfg.run_id,
                         s->kind == VR_STEP_DELETE ? VR_AUDIT_VNI_DELETION
                                                   : VR_AUDIT_VNI_PROVISIONING,
                         s->status == VR_STEP_FAILED    ? VR_AUDIT_FAILED
                         : s->status == VR_STEP_SKIPPED ? VR_AUDIT_SKIPPED
                         : s->kind == VR_STEP_DELETE    ? VR_AUDIT_DELETED
                                                        : VR_AUDIT_PROVISIONED);
    rec.interface_name = s->name;
    rec.interface_id = s->id;
    rec.total_ms = s->total_ms;
    rec.create_ms = s->create_ms;
    rec.convergence_ms = s->convergence_ms;
    rec.correlation_ids = (const char *const *)s->correlation_ids;
    rec.correlation_count = s->correlation_count;
    rec.error = s->status == VR_STEP_FAILED ? &s->error : NULL;
    if (r->synced &&
        record_sync(o, r, s->kind == VR_STEP_DELETE, s->id, s->convergence_ms, 0, err) < 0)
        return VR_OUTPUTS_AUDIT_LOG;
    return emit(o, &rec, err);
}

int vr_outputs_drift_records(vr_outputs *o, const vr_drift_org *r, const char *const *ids,
                             size_t id_count, vr_error *err)
{
    for (size_t k = 0; k < r->iface_count + r->unmanaged_count; k++) {
        bool unmanaged = k >= r->iface_count;
        const vr_drift_iface *f = unmanaged ? &r->unmanaged[k - r->iface_count] : &r->ifaces[k];
        vr_audit_record rec;
        vr_audit_record_init(&rec, o->cfg.run_id, VR_AUDIT_DRIFT_CHECK,
                             !unmanaged && vr_drift_iface_ok(f) ? VR_AUDIT_UNCHANGED
                                                                : VR_AUDIT_DRIFTED);
        rec.interface_name = f->name;
        rec.interface_id = f->id;
        rec.has_uptime_rate = !unmanaged;
        rec.uptime_rate = unmanaged ? 0 : f->uptime_rate;
        rec.correlation_ids = ids;
        rec.correlation_count = id_count;
        if (emit(o, &rec, err) < 0) return VR_OUTPUTS_AUDIT_LOG;
    }
    return 0;
}

/* A held record, on disk in the log now: to the webhook (its event and delivery id read back
 * from the line). */
static void send_line(void *ctx, const char *line, size_t len)
{
    vr_outputs *o = ctx;
    vr_audit_line_info info;
    if (o->webhook && vr_audit_line_parse(line, len, &info) == 0)
        vr_webhook_send(o->webhook, vr_audit_action_name(info.action), info.event_id, line, len);
}

int vr_outputs_release(vr_outputs *o, vr_outputs_held *held, vr_error *err)
{
    int rc = 0;
    if (held->file.open && vr_spool_drain(&o->spool, &held->file, &o->audit, send_line, o, err) < 0)
        rc = VR_OUTPUTS_AUDIT_LOG;
    for (size_t i = 0; i < held->count && rc == 0; i++) {
        const struct vr_outputs_held_line *l = &held->items[i];
        if (vr_audit_write_line(&o->audit, l->line, l->len, err) < 0)
            rc = VR_OUTPUTS_AUDIT_LOG;
        else if (o->webhook)
            vr_webhook_send(o->webhook, vr_audit_action_name(l->action), l->event_id, l->line,
                            l->len);
    }
    vr_outputs_held_free(held);
    return rc;
}

void vr_outputs_held_free(vr_outputs_held *held)
{
    for (size_t i = 0; i < held->count; i++)
        free(held->items[i].line);
    free(held->items);
    vr_spool_file_close(&held->file); /* a spool not drained stays, for the next run */
    size_t index = held->index;
    memset(held, 0, sizeof(*held));
    held->index = index;
}

void vr_outputs_close_events(vr_outputs *o)
{
    if (!o->webhook) return;
    vr_webhook_close(o->webhook, &o->webhook_stats);
    o->webhook = NULL;
}

/* Commits files, and state when not NULL (room is left for it at files[n]), and what derive
 * adds (NULL: nothing), with the message "<command>: <org>: <summary>". */
static int commit_files(const vr_outputs *o, vr_gitreport_file *files, size_t n,
                        const vr_gitreport_file *state, vr_gitreport_derive_fn derive,
                        void *derive_ctx, const char *command, const char *org, const char *summary,
                        char commit[41], vr_error *err)
{
    vr_buf msg = VR_BUF_INIT;
    int rc = 0;
    if (state) files[n++] = *state;
    if (vr_gitreport_message(&msg, command, org, summary) < 0)
        rc = VR_OUTPUTS_BUILD;
    else if (vr_gitreport_commit_derived(o->cfg.audit_repo, o->cfg.audit_branch, files, n, derive,
                                         derive_ctx, vr_buf_str(&msg), commit, err) < 0)
        rc = VR_OUTPUTS_GIT;
    vr_buf_free(&msg);
    return rc;
}

int vr_outputs_commit_apply(vr_outputs *o, const vr_apply_run *run, const vr_gitreport_file *state,
                            char commit[41], vr_error *err)
{
    const vr_apply_result *r = &run->result;
    cJSON *j = vr_render_apply_org_json(run, o->cfg.run_id);
    char *json = cJSON_Print(j);
    cJSON_Delete(j);
    vr_buf md = VR_BUF_INIT, pj = VR_BUF_INIT, pm = VR_BUF_INIT, sum = VR_BUF_INIT;
    vr_render_apply_org_md(&md, run, o->cfg.run_id);
    vr_render_apply_summary(&sum, r);
    int rc = VR_OUTPUTS_BUILD;
    if (json &&
        vr_gitreport_report_path(&pj, r->org_id, r->started_wall_ms, "apply", "json") == 0 &&
        vr_gitreport_report_path(&pm, r->org_id, r->started_wall_ms, "apply", "md") == 0) {
        vr_gitreport_file files[3] = {
            {vr_buf_str(&pj), json, strlen(json)},
            {vr_buf_str(&pm), vr_buf_str(&md), md.len},
        };
        rc = commit_files(o, files, 2, state, NULL, NULL, "apply", r->org_id, vr_buf_str(&sum),
                          commit, err);
    }
    free(json);
    vr_buf_free(&md);
    vr_buf_free(&pj);
    vr_buf_free(&pm);
    vr_buf_free(&sum);
    return rc;
}

int vr_outputs_commit_drift(vr_outputs *o, const vr_drift_org *r, const vr_gitreport_file *state,
                            char commit[41], vr_error *err)
{
    vr_buf p_json = VR_BUF_INIT, p_md = VR_BUF_INIT, l_json = VR_BUF_INIT, l_md = VR_BUF_INIT;
    vr_buf md = VR_BUF_INIT, summary = VR_BUF_INIT, jbuf = VR_BUF_INIT;
    vr_buf l_html = VR_BUF_INIT, html = VR_BUF_INIT;
    vr_html_site site = VR_HTML_SITE_INIT; /* index.html and drift/index.json, from the branch */
    vr_html_opts hopts = {NULL, "../../index.html"};
    cJSON *doc = vr_render_drift_org_json(r);
    char *json = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (json) {
        vr_buf_puts(&jbuf, json);
        vr_buf_puts(&jbuf, "\n");
        free(json);
    }
    vr_render_drift_opts ropts = {0};
    vr_render_drift_markdown(&md, r, 1, &ropts);
    vr_render_drift_summary(&summary, r);
    vr_html_render_drift(&html, r, 1, &hopts);
    int rc = VR_OUTPUTS_BUILD;
    if (jbuf.len && !vr_gitreport_report_path(&p_json, r->org_id, r->wall_ms, "drift", "json") &&
        !vr_gitreport_report_path(&p_md, r->org_id, r->wall_ms, "drift", "md") &&
        !vr_gitreport_drift_path(&l_json, r->org_id, "json") &&
        !vr_gitreport_drift_path(&l_md, r->org_id, "md") &&
        !vr_gitreport_drift_path(&l_html, r->org_id, "html") && !html.overflow) {
        vr_gitreport_file files[6] = {
            /* room for the recorded state at files[5] */
            {vr_buf_str(&p_json), jbuf.data, jbuf.len},
            {vr_buf_str(&p_md), vr_buf_str(&md), md.len},
            {vr_buf_str(&l_json), jbuf.data, jbuf.len},
            {vr_buf_str(&l_md), vr_buf_str(&md), md.len},
            {vr_buf_str(&l_html), vr_buf_str(&html), html.len},
        };
        rc = commit_files(o, files, 5, state, vr_html_site_derive, &site, "drift", r->org_id,
                          vr_buf_str(&summary), commit, err);
    }
    vr_buf_free(&p_json);
    vr_buf_free(&p_md);
    vr_buf_free(&l_json);
    vr_buf_free(&l_md);
    vr_buf_free(&md);
    vr_buf_free(&summary);
    vr_buf_free(&jbuf);
    vr_buf_free(&l_html);
    vr_buf_free(&html);
    vr_html_site_free(&site);
    return rc;
}

int vr_outputs_drift_history(const vr_outputs_config *cfg, vr_drift_org *r, size_t history,
                             vr_error *err)
{
    if (!cfg->audit_repo) return 0; /* no history kept: this check alone */
    r->history_window = history;
    if (history <= 1) return 0;
    vr_buf path = VR_BUF_INIT;
    if (vr_gitreport_drift_path(&path, r->org_id, "json") < 0) {
        vr_buf_free(&path);
        return VR_OUTPUTS_BUILD;
    }
    vr_gitreport_history h = {0};
    int rc = vr_gitreport_history_read(&h, cfg->audit_repo, cfg->audit_branch, vr_buf_str(&path),
                                       history - 1, err);
    vr_buf_free(&path);
    if (rc < 0) return VR_OUTPUTS_GIT;
    const cJSON **v = vr_xcalloc(h.count ? h.count : 1, sizeof(*v));
    for (size_t k = 0; k < h.count; k++)
        v[k] = h.items[k].report;
    vr_drift_apply_history(r, v, h.count, history);
    free(v);
    vr_gitreport_history_free(&h);
    return 0;
}

/* What apply and drift count alike: API calls by status, webhook events. */
static void metrics_common(vr_metrics *m, const vr_outputs *o, const vr_outputs_calls *calls)
{
    for (size_t i = 0; i < calls->count; i++) {
        char st[16];
        snprintf(st, sizeof(st), "%d", calls->status[i]);
        vr_metrics_inc(m, VR_METRIC_API_CALLS, 1, "status", st, NULL);
    }
    if (o->cfg.webhook_url) {
        const vr_webhook_stats *w = &o->webhook_stats;
        vr_metrics_inc(m, VR_METRIC_WEBHOOK, (double)w->delivered, "result", "delivered", NULL);
        vr_metrics_inc(m, VR_METRIC_WEBHOOK, (double)w->pending, "result", "queued", NULL);
        vr_metrics_inc(m, VR_METRIC_WEBHOOK, (double)w->dropped, "result", "dropped", NULL);
    }
}

/* A replacement counts its two records and itself. */
static void metrics_replace(vr_metrics *m, const char *org, const vr_apply_step *st)
{
    vr_audit_status del, prov;
    vr_outputs_replace_statuses(st, &del, &prov);
    vr_metrics_inc(m, VR_METRIC_ACTIONS, 1, "org", org, "action", "vni_deletion", "status",
                   vr_audit_status_name(del), NULL);
    vr_metrics_inc(m, VR_METRIC_ACTIONS, 1, "org", org, "action", "vni_provisioning", "status",
                   vr_audit_status_name(prov), NULL);
    vr_metrics_inc(m, VR_METRIC_REPLACEMENTS, 1, "org", org, "status",
                   st->status == VR_STEP_DONE     ? "replaced"
                   : st->status == VR_STEP_FAILED ? "failed"
                                                  : "skipped",
                   NULL);
}

static void metrics_apply_org(vr_metrics *m, const vr_apply_run *run)
{
    const char *org = run->org_id;
    if (run->ran) {
        for (size_t k = 0; k < run->result.step_count; k++) {
            const vr_apply_step *st = &run->result.steps[k];
            if (st->kind == VR_STEP_REPLACE) {
                metrics_replace(m, org, st);
                continue;
            }
            const char *action = st->kind == VR_STEP_DELETE ? "vni_deletion" : "vni_provisioning";
            const char *status = st->status == VR_STEP_FAILED    ? "failed"
                                 : st->status == VR_STEP_SKIPPED ? "skipped"
                                 : st->kind == VR_STEP_DELETE    ? "deleted"
                                                                 : "provisioned";
            vr_metrics_inc(m, VR_METRIC_ACTIONS, 1, "org", org, "action", action, "status", status,
                           NULL);
        }
        vr_metrics_add_latency(m, &run->latency, org);
    }
    vr_metrics_set(m, VR_METRIC_LAST_RUN, (double)(vr_wall_ms() / 1000), "org", org, "command",
                   "apply", NULL);
    bool ok =
        run->ran && run->result.failed == 0 && !run->result.audit_failed && !run->result.timed_out;
    vr_metrics_set(m, VR_METRIC_LAST_RUN_SUCCESS, ok ? 1 : 0, "org", org, "command", "apply", NULL);
}

int vr_outputs_metrics_apply(const vr_outputs *o, const vr_apply_run *runs, size_t count,
                             const vr_outputs_calls *calls, vr_error *err)
{
    vr_metrics m = VR_METRICS_INIT;
    vr_metrics_declare_standard(&m);
    for (size_t i = 0; i < count; i++)
        metrics_apply_org(&m, &runs[i]);
    metrics_common(&m, o, calls);
    int rc = vr_metrics_update_file(&m, o->cfg.metrics_file, err);
    vr_metrics_free(&m);
    return rc < 0 ? -1 : 0;
}

int vr_outputs_metrics_drift(const vr_outputs *o, const vr_drift_org *reports, size_t count,
                             bool success, const vr_outputs_calls *calls, vr_error *err)
{
    vr_metrics m = VR_METRICS_INIT;
    vr_metrics_declare_standard(&m);
    double now = (double)(vr_wall_ms() / 1000);
    for (size_t i = 0; i < count; i++) {
        const vr_drift_org *r = &reports[i];
        for (int k = 0; k < VR_DRIFT_KIND_COUNT; k++)
            vr_metrics_set(&m, VR_METRIC_DRIFT, (double)r->counts[k], "org", r->org_id, "kind",
                           vr_drift_kind_name((vr_drift_kind)k), NULL);
        for (size_t k = 0; k < r->iface_count + r->unmanaged_count; k++) {
            bool unmanaged = k >= r->iface_count;
            const vr_drift_iface *f = unmanaged ? &r->unmanaged[k - r->iface_count] : &r->ifaces[k];
            bool ok = !unmanaged && vr_drift_iface_ok(f);
            vr_metrics_inc(&m, VR_METRIC_ACTIONS, 1, "org", r->org_id, "action", "drift_check",
                           "status", ok ? "unchanged" : "drifted", NULL);
        }
        vr_metrics_set(&m, VR_METRIC_LAST_RUN, now, "org", r->org_id, "command", "drift", NULL);
        vr_metrics_set(&m, VR_METRIC_LAST_RUN_SUCCESS, success ? 1 : 0, "org", r->org_id, "command",
                       "drift", NULL);
    }
    metrics_common(&m, o, calls);
    int rc = vr_metrics_update_file(&m, o->cfg.metrics_file, err);
    vr_metrics_free(&m);
    return rc < 0 ? -1 : 0;
}

void vr_outputs_close(vr_outputs *o)
{
    if (o->webhook) vr_webhook_close(o->webhook, NULL);
    o->webhook = NULL;
    free(o->outbox);
    o->outbox = NULL;
    vr_spool_close(&o->spool);
    vr_diags_free(&o->spool_notes);
    vr_audit_writer_close(&o->audit);
}
