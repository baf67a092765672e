/* cmd_drift: `vni-reconcile drift`: where the live organizations differ from the inventory.
 * Read-only: it lists and reads, never creates or deletes. Prints the report (text, JSON or
 * Markdown), writes one drift_check audit record per interface (log and webhook), the drift
 * metrics, and with --audit-repo commits the report and takes uptime rates from the earlier
 * ones. */
#include "cmd.h"
#include "cmd_session.h"

#include "vr_audit.h"
#include "vr_auth.h"
#include "vr_drift.h"
#include "vr_gitreport.h"
#include "vr_html.h"
#include "vr_metrics.h"
#include "vr_util.h"
#include "vr_webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    vr_common_opts common;
    const char *format;
    const char *shard;
    bool exit_code;
    long history;
    bool help;
} drift_opts;

/* What the audit and report stages share. */
typedef struct {
    vr_session *s;
    const drift_opts *o;
    vr_drift_org *reports;
    size_t count;
} drift_run;

static void print_error(const char *what, const vr_error *raw)
{
    vr_error copy = *raw; /* the platform's texts go to a terminal escaped */
    vr_error_escape_controls(&copy);
    const vr_error *err = &copy;
    fprintf(stderr, "vni-reconcile drift: %s%s%s\n", what, err->message[0] ? ": " : "",
            err->message);
    if (err->remedy[0]) fprintf(stderr, "  what to do: %s\n", err->remedy);
}

/* Uptime from the organization's earlier drift reports on the audit branch: the window is
 * --history checks, this one included, so at most history - 1 earlier reports are read. */
static int read_history(drift_run *run)
{
    const drift_opts *o = run->o;
    for (size_t i = 0; i < run->count; i++) {
        vr_drift_org *r = &run->reports[i];
        if (!o->common.audit_repo) continue; /* no history kept: this check alone */
        r->history_window = (size_t)o->history;
        if (o->history <= 1) continue;
        vr_buf path = VR_BUF_INIT;
        vr_error err = VR_ERROR_INIT;
        if (vr_gitreport_drift_path(&path, r->org_id, "json") < 0) {
            fprintf(stderr, "vni-reconcile drift: organization id '%s' cannot name a report path\n",
                    r->org_id);
            vr_buf_free(&path);
            return VR_EXIT_ERROR;
        }
        vr_gitreport_history h = {0};
        int rc = vr_gitreport_history_read(&h, o->common.audit_repo, o->common.audit_branch,
                                           vr_buf_str(&path), (size_t)o->history - 1, &err);
        vr_buf_free(&path);
        if (rc < 0) {
            print_error("cannot read the drift history", &err);
            return VR_EXIT_ERROR;
        }
        const cJSON **v = vr_xcalloc(h.count ? h.count : 1, sizeof(*v));
        for (size_t k = 0; k < h.count; k++)
            v[k] = h.items[k].report;
        vr_drift_apply_history(r, v, h.count, (size_t)o->history);
        free(v);
        vr_gitreport_history_free(&h);
    }
    return 0;
}

static void print_report(const drift_run *run, const char *format)
{
    vr_buf out = VR_BUF_INIT;
    vr_drift_render_opts ropts = {0};
    ropts.color = run->s->use_color && strcmp(format, "text") == 0;
    ropts.verbose = run->o->common.verbose > 0;
    if (strcmp(format, "json") == 0)
        vr_drift_render_json(&out, run->reports, run->count);
    else if (strcmp(format, "markdown") == 0)
        vr_drift_render_markdown(&out, run->reports, run->count, &ropts);
    else if (strcmp(format, "html") == 0)
        vr_html_render_drift(&out, run->reports, run->count, NULL);
    else if (!run->o->common.quiet)
        vr_drift_render_text(&out, run->reports, run->count, &ropts);
    fputs(vr_buf_str(&out), stdout);
    if (out.len && out.data[out.len - 1] != '\n') fputc('\n', stdout);
    fflush(stdout);
    vr_buf_free(&out);
}

static int write_record(vr_audit_writer *w, vr_webhook *wh, const vr_audit_record *rec)
{
    vr_buf line = VR_BUF_INIT;
    vr_error err = VR_ERROR_INIT;
    int rc = vr_audit_write(w, rec, &line, &err);
    if (rc < 0) {
        print_error("cannot write the audit log", &err);
    } else if (wh) {
        vr_webhook_send(wh, vr_audit_action_name(rec->action), rec->event_id, vr_buf_str(&line),
                        line.len);
    }
    vr_buf_free(&line);
    return rc;
}

/* One drift_check record per inventory interface (unchanged or drifted, with its uptime
 * rate) and per unmanaged connection (drifted, no uptime rate). */
static int audit_records(drift_run *run, vr_webhook_stats *wstats)
{
    const vr_common_opts *c = &run->o->common;
    vr_session *s = run->s;
    vr_audit_writer w = VR_AUDIT_WRITER_INIT;
    vr_error err = VR_ERROR_INIT;
    char *secret = NULL;
    vr_webhook *wh = NULL;
    char *outbox = NULL;
    int rc = 0;
    const char **secrets = NULL;
    size_t nsecrets = 0;

    if (vr_audit_writer_open(&w, c->audit_log, &err) < 0) {
        print_error("cannot open the audit log", &err);
        return VR_EXIT_ERROR;
    }
    size_t secret_len = 0;
    if (vr_cmd_read_webhook_secret("drift", c->webhook_secret_file, c->quiet, &secret,
                                   &secret_len) < 0) {
        rc = VR_EXIT_ERROR;
        goto done;
    }
    vr_session_secrets(s, &secrets, &nsecrets);
    secrets = vr_xrealloc(secrets, (nsecrets + 1) * sizeof(*secrets));
    if (secret) secrets[nsecrets++] = secret;
    vr_audit_set_redactions(&w, secrets, nsecrets);
    free(secrets);

    if (c->webhook_url) {
        vr_webhook_config cfg = {0};
        cfg.url = c->webhook_url;
        cfg.secret = secret;
        cfg.secret_len = secret_len;
        if (vr_webhook_default_outbox(c->audit_log, &outbox) == 0) cfg.outbox_path = outbox;
        cfg.transport = &s->transport;
        if (vr_webhook_open(&wh, &cfg, &err) < 0) {
            print_error("cannot use the webhook", &err);
            rc = VR_EXIT_ERROR;
            goto done;
        }
        vr_webhook_flush(wh);
    }

    for (size_t i = 0; i < run->count && rc == 0; i++) {
        const vr_drift_org *r = &run->reports[i];
        /* The check rests on the organization's reads: their correlation ids go with it. */
        const char **ids = NULL;
        size_t nids = 0;
        vr_session_correlation_ids(s, i, &ids, &nids);
        for (size_t k = 0; k < r->iface_count && rc == 0; k++) {
            const vr_drift_iface *f = &r->ifaces[k];
            vr_audit_record rec;
            vr_audit_record_init(&rec, s->run_id, VR_AUDIT_DRIFT_CHECK,
                                 vr_drift_iface_ok(f) ? VR_AUDIT_UNCHANGED : VR_AUDIT_DRIFTED);
            rec.interface_name = f->name;
            rec.interface_id = f->id;
            rec.has_uptime_rate = true;
            rec.uptime_rate = f->uptime_rate;
            rec.correlation_ids = ids;
            rec.correlation_count = nids;
            if (write_record(&w, wh, &rec) < 0) rc = VR_EXIT_ERROR;
        }
        for (size_t k = 0; k < r->unmanaged_count && rc == 0; k++) {
            vr_audit_record rec;
            vr_audit_record_init(&rec, s->run_id, VR_AUDIT_DRIFT_CHECK, VR_AUDIT_DRIFTED);
            rec.interface_name = r->unmanaged[k].name;
            rec.interface_id = r->unmanaged[k].id;
            rec.correlation_ids = ids;
            rec.correlation_count = nids;
            if (write_record(&w, wh, &rec) < 0) rc = VR_EXIT_ERROR;
        }
        free(ids);
    }
done:
    if (wh) {
        vr_webhook_close(wh, wstats);
        if (wstats->pending && !c->quiet)
            fprintf(stderr,
                    "vni-reconcile drift: warning: webhook: %zu event%s kept in the outbox "
                    "(%s)\n",
                    wstats->pending, wstats->pending == 1 ? "" : "s", wstats->last_error);
    }
    free(outbox);
    vr_secret_free(secret);
    vr_audit_writer_close(&w);
    return rc;
}

/* Commits each organization's report (JSON and Markdown) to the audit branch: under
 * reports/<org>/ for the run and as drift/<org>/latest.* for the history reader, with the
 * HTML page drift/<org>/latest.html and the index of every organization (vr_html_site). */
static int commit_reports(drift_run *run)
{
    const vr_common_opts *c = &run->o->common;
    for (size_t i = 0; i < run->count; i++) {
        const vr_drift_org *r = &run->reports[i];
        vr_buf p_json = VR_BUF_INIT, p_md = VR_BUF_INIT, l_json = VR_BUF_INIT, l_md = VR_BUF_INIT;
        vr_buf md = VR_BUF_INIT, summary = VR_BUF_INIT, msg = VR_BUF_INIT;
        vr_buf l_html = VR_BUF_INIT, html = VR_BUF_INIT;
        vr_html_site site = VR_HTML_SITE_INIT;
        vr_html_opts hopts = {NULL, "../../index.html"};
        vr_error err = VR_ERROR_INIT;
        char commit[41] = "";
        int rc = 0;
        cJSON *doc = vr_drift_to_json(r);
        char *json = doc ? cJSON_Print(doc) : NULL;
        cJSON_Delete(doc);
        vr_buf jbuf = VR_BUF_INIT;
        if (json) {
            vr_buf_puts(&jbuf, json);
            vr_buf_puts(&jbuf, "\n");
            free(json);
        }
        vr_drift_render_opts ropts = {0};
        vr_drift_render_markdown(&md, r, 1, &ropts);
        vr_html_render_drift(&html, r, 1, &hopts);
        vr_drift_summary(&summary, r);
        if (!jbuf.len ||
            vr_gitreport_report_path(&p_json, r->org_id, r->wall_ms, "drift", "json") ||
            vr_gitreport_report_path(&p_md, r->org_id, r->wall_ms, "drift", "md") ||
            vr_gitreport_drift_path(&l_json, r->org_id, "json") ||
            vr_gitreport_drift_path(&l_md, r->org_id, "md") ||
            vr_gitreport_drift_path(&l_html, r->org_id, "html") ||
            vr_gitreport_message(&msg, "drift", r->org_id, vr_buf_str(&summary))) {
            fprintf(stderr, "vni-reconcile drift: cannot build the report of organization %s\n",
                    r->org_id);
            rc = VR_EXIT_ERROR;
        } else {
            vr_gitreport_file files[] = {
                {vr_buf_str(&p_json), jbuf.data, jbuf.len},
                {vr_buf_str(&p_md), vr_buf_str(&md), md.len},
                {vr_buf_str(&l_json), jbuf.data, jbuf.len},
                {vr_buf_str(&l_md), vr_buf_str(&md), md.len},
                {vr_buf_str(&l_html), vr_buf_str(&html), html.len},
            };
            if (vr_gitreport_commit_derived(c->audit_repo, c->audit_branch, files, 5,
                                            vr_html_site_derive, &site, vr_buf_str(&msg), commit,
                                            &err) < 0) {
                print_error("cannot commit the drift report", &err);
                rc = VR_EXIT_ERROR;
            } else if (c->verbose) {
                fprintf(stderr, "vni-reconcile drift: committed the report of %s to %s (%.12s)\n",
                        r->org_id, c->audit_branch ? c->audit_branch : VR_GITREPORT_DEFAULT_BRANCH,
                        commit);
            }
        }
        vr_buf_free(&p_json);
        vr_buf_free(&p_md);
        vr_buf_free(&l_json);
        vr_buf_free(&l_md);
        vr_buf_free(&md);
        vr_buf_free(&summary);
        vr_buf_free(&msg);
        vr_buf_free(&jbuf);
        vr_buf_free(&l_html);
        vr_buf_free(&html);
        vr_html_site_free(&site);
        if (rc) return rc;
    }
    return 0;
}

static int write_metrics(const drift_run *run, bool success, const vr_webhook_stats *wstats,
                         bool webhook)
{
    const vr_common_opts *c = &run->o->common;
    vr_metrics m = VR_METRICS_INIT;
    vr_metrics_declare_standard(&m);
    double now = (double)(vr_wall_ms() / 1000);
    for (size_t i = 0; i < run->count; i++) {
        const vr_drift_org *r = &run->reports[i];
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
    for (size_t i = 0; i < run->s->call_count; i++) {
        char status[16];
        snprintf(status, sizeof(status), "%d", run->s->calls[i].status);
        vr_metrics_inc(&m, VR_METRIC_API_CALLS, 1, "status", status, NULL);
    }
    if (webhook) {
        vr_metrics_inc(&m, VR_METRIC_WEBHOOK, (double)wstats->delivered, "result", "delivered",
                       NULL);
        vr_metrics_inc(&m, VR_METRIC_WEBHOOK, (double)wstats->pending, "result", "queued", NULL);
        vr_metrics_inc(&m, VR_METRIC_WEBHOOK, (double)wstats->dropped, "result", "dropped", NULL);
    }
    vr_error err = VR_ERROR_INIT;
    int rc = vr_metrics_update_file(&m, c->metrics_file, &err);
    vr_metrics_free(&m);
    /* Metrics are an observation of the run, like the webhook: a file that cannot be
     * written is reported, and the run's outcome stands (apply does the same). */
    if (rc < 0) fprintf(stderr, "vni-reconcile drift: warning: %s\n", err.message);
    return 0;
}

static void usage(const vr_opt *table)
{
    puts("usage: vni-reconcile drift -f PATH... [--format text|json|markdown|html]\n"
         "                           [--exit-code] [--history N] [--shard I/N] [options]\n\n"
         "Reports where the live organizations differ from the inventory: interfaces missing\n"
         "live, differing field by field, unmanaged, not active. Never changes the platform.\n"
         "exit: 0 no drift (or drift, without --exit-code), 1 error, 2 drift (--exit-code),\n"
         "      3 invalid inventory\n");
    vr_opts_help(stdout, table);
}

int cmd_drift(int argc, char **argv)
{
    drift_opts o;
    memset(&o, 0, sizeof(o));
    o.history = VR_DRIFT_DEFAULT_HISTORY;
    vr_opt table[] = {
        {"format", 0, VR_OPT_STRING, &o.format, "FORMAT", "text (default), json, markdown or html",
         0, 0},
        {"exit-code", 0, VR_OPT_FLAG, &o.exit_code, NULL, "exit 2 when there is drift", 0, 0},
        {"history", 0, VR_OPT_LONG, &o.history, "N",
         "uptime over the last N checks, this one included (default 30; needs --audit-repo)", 1,
         10000},
        {"shard", 0, VR_OPT_STRING, &o.shard, "I/N", "only the I-th of N shares of organizations",
         0, 0},
        VR_OPTS_COMMON(&o.common),
        {"help", 'h', VR_OPT_FLAG, &o.help, NULL, "show this help", 0, 0},
        {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
    };
    vr_strlist pos = {0};
    if (vr_cmd_parse("drift", table, argc, argv, &pos, &o.common) < 0) return VR_EXIT_ERROR;
    int rc = VR_EXIT_ERROR;
    vr_session s;
    vr_session_init(&s, &o.common, "drift");
    drift_run run = {&s, &o, NULL, 0};
    vr_webhook_stats wstats;
    memset(&wstats, 0, sizeof(wstats));
    bool drift = false;
    if (o.help) {
        usage(table);
        rc = VR_EXIT_OK;
        goto done;
    }
    /* -f PATH... : the paths after the first are positional */
    for (size_t i = 0; i < pos.count; i++)
        vr_strlist_push(&o.common.files, pos.items[i]);
    const char *format = o.format ? o.format : "text";
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "markdown") &&
        strcmp(format, "html")) {
        fprintf(stderr,
                "vni-reconcile drift: --format '%s' is not one of text, json, markdown, html\n",
                format);
        goto done;
    }
    if (o.shard && (rc = vr_session_set_shard(&s, o.shard)) != 0) goto done;
    if ((rc = vr_session_load(&s)) != 0 || (rc = vr_session_connect(&s)) != 0 ||
        (rc = vr_session_read_live(&s)) != 0)
        goto done;
    vr_plan_opts popts;
    vr_plan_opts_init(&popts); /* never prune: drift only reads */
    popts.max_deletes = 0;
    if ((rc = vr_session_plan(&s, &popts)) != 0) goto done;

    /* What the plan found beyond drift (conflicts a create would meet, live duplicates) is
     * apply's business; with -v it is shown as context. */
    for (size_t i = 0; i < s.org_count && o.common.verbose; i++) {
        const vr_diags *d = &s.orgs[i].plan->diags;
        for (size_t k = 0; k < d->count; k++) {
            char *line = vr_diag_format(&d->items[k]);
            fprintf(stderr, "vni-reconcile drift: plan: %s\n", line);
            free(line);
        }
    }
    int64_t wall_ms = vr_wall_ms();
    run.reports = vr_xcalloc(s.org_count ? s.org_count : 1, sizeof(*run.reports));
    for (size_t i = 0; i < s.org_count; i++) {
        vr_session_org *so = &s.orgs[i];
        if (vr_drift_build(&run.reports[run.count], so->org, so->live.items, so->live.count,
                           so->plan, s.run_id, wall_ms) < 0) {
            fprintf(stderr, "vni-reconcile drift: cannot build the report of organization %s\n",
                    so->org->id);
            rc = VR_EXIT_ERROR;
            goto done;
        }
        run.count++;
    }
    if ((rc = read_history(&run)) != 0) goto done;
    print_report(&run, format);
    for (size_t i = 0; i < run.count; i++)
        drift = drift || vr_drift_has_drift(&run.reports[i]);
    if (s.shard_count && s.org_count == 0 && !o.common.quiet)
        fprintf(stderr,
                "vni-reconcile drift: shard %ld/%ld holds no organization of the "
                "inventory\n",
                s.shard_index, s.shard_count);

    rc = audit_records(&run, &wstats);
    if (rc == 0 && o.common.audit_repo) rc = commit_reports(&run);
    if (o.common.metrics_file) {
        int mrc = write_metrics(&run, rc == 0, &wstats, o.common.webhook_url != NULL);
        if (rc == 0) rc = mrc;
    }
    if (rc == 0) rc = drift && o.exit_code ? VR_EXIT_CHANGES : VR_EXIT_OK;
done:
    for (size_t i = 0; i < run.count; i++)
        vr_drift_org_free(&run.reports[i]);
    free(run.reports);
    vr_session_free(&s);
    vr_cmd_opts_free(&pos, &o.common);
    return rc;
}
