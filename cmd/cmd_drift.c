/* cmd_drift: `vni-reconcile drift`: where the live organizations differ from the inventory.
 * Read-only: it lists and reads, never creates or deletes. Prints the report (text, JSON or
 * Markdown), writes one drift_check audit record per interface (log and webhook), the drift
 * metrics, and with --audit-repo commits the report and takes uptime rates from the earlier
 * ones. */
#include "cmd.h"
#include "cmd_session.h"

#include "vr_drift.h"
#include "vr_gitreport.h"
#include "vr_html.h"
#include "vr_outputs.h"
#include "vr_render_drift.h"
#include "vr_util.h"

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

/* Everything one `drift` holds. */
typedef struct {
    drift_opts o;
    vr_strlist pos;
    vr_session s;
    vr_outputs_config ocfg;
    vr_drift_org *reports;
    const vr_session_org **org_of; /* the organization of each report */
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

/* Uptime from each organization's earlier drift reports (with --audit-repo). */
static int read_history(drift_run *run)
{
    for (size_t i = 0; i < run->count; i++) {
        vr_error err = VR_ERROR_INIT;
        int rc =
            vr_outputs_drift_history(&run->ocfg, &run->reports[i], (size_t)run->o.history, &err);
        if (rc == VR_OUTPUTS_BUILD) {
            fprintf(stderr, "vni-reconcile drift: organization id '%s' cannot name a report path\n",
                    run->reports[i].org_id);
            return VR_EXIT_ERROR;
        }
        if (rc < 0) {
            print_error("cannot read the drift history", &err);
            return VR_EXIT_ERROR;
        }
    }
    return 0;
}

static void print_report(const drift_run *run, const char *format)
{
    vr_buf out = VR_BUF_INIT;
    vr_render_drift_opts ropts = {0};
    ropts.color = run->s.use_color && strcmp(format, "text") == 0;
    ropts.verbose = run->o.common.verbose > 0;
    if (strcmp(format, "json") == 0)
        vr_render_drift_json(&out, run->reports, run->count);
    else if (strcmp(format, "markdown") == 0)
        vr_render_drift_markdown(&out, run->reports, run->count, &ropts);
    else if (strcmp(format, "html") == 0)
        vr_html_render_drift(&out, run->reports, run->count, NULL);
    else if (!run->o.common.quiet)
        vr_render_drift_text(&out, run->reports, run->count, &ropts);
    fputs(vr_buf_str(&out), stdout);
    if (out.len && out.data[out.len - 1] != '\n') fputc('\n', stdout);
    fflush(stdout);
    vr_buf_free(&out);
}

/* The drift_check records (audit log and webhook) of every organization. */
static int audit_records(drift_run *run, vr_outputs *out)
{
    const vr_common_opts *c = &run->o.common;
    vr_error err = VR_ERROR_INIT;
    int rc = 0;
    for (size_t i = 0; i < run->count && rc == 0; i++) {
        /* The check rests on the organization's reads: their correlation ids go with it. */
        const char **ids = NULL;
        size_t nids = 0;
        vr_session_correlation_ids(run->org_of[i], &ids, &nids);
        if (vr_outputs_drift_records(out, &run->reports[i], ids, nids, &err) < 0) {
            print_error("cannot write the audit log", &err);
            rc = VR_EXIT_ERROR;
        }
        free(ids);
    }
    vr_outputs_close_events(out);
    const vr_webhook_stats *w = &out->webhook_stats;
    if (c->webhook_url && w->outbox_error) {
        /* a file that cannot be written is an error (docs/cli.md "Files") */
        fprintf(stderr, "vni-reconcile drift: %s\n", w->outbox_message);
        if (rc == 0) rc = VR_EXIT_ERROR;
    } else if (c->webhook_url && w->pending && !c->quiet) {
        fprintf(stderr,
                "vni-reconcile drift: warning: webhook: %zu event%s kept in the outbox "
                "(%s)\n",
                w->pending, w->pending == 1 ? "" : "s", w->last_error);
    }
    return rc;
}

/* Commits each organization's report (JSON and Markdown) to the audit branch, with the live
 * state it was checked against (state/<org>.json, for plan --from-audit). */
static int commit_reports(drift_run *run, vr_outputs *out)
{
    const vr_common_opts *c = &run->o.common;
    for (size_t i = 0; i < run->count; i++) {
        const vr_drift_org *r = &run->reports[i];
        vr_error err = VR_ERROR_INIT;
        char commit[41] = "";
        vr_buf sp = VR_BUF_INIT, sj = VR_BUF_INIT;
        int rc = VR_OUTPUTS_BUILD;
        if (vr_session_state_file(&run->s, run->org_of[i], &sp, &sj) == 0) {
            vr_gitreport_file state = {vr_buf_str(&sp), sj.data, sj.len};
            rc = vr_outputs_commit_drift(out, r, &state, commit, &err);
        }
        vr_buf_free(&sp);
        vr_buf_free(&sj);
        if (rc == VR_OUTPUTS_BUILD) {
            fprintf(stderr, "vni-reconcile drift: cannot build the report of organization %s\n",
                    r->org_id);
            return VR_EXIT_ERROR;
        }
        if (rc < 0) {
            print_error("cannot commit the drift report", &err);
            return VR_EXIT_ERROR;
        }
        if (c->verbose)
            fprintf(stderr, "vni-reconcile drift: committed the report of %s to %s (%.12s)\n",
                    r->org_id, c->audit_branch ? c->audit_branch : VR_GITREPORT_DEFAULT_BRANCH,
                    commit);
    }
    return 0;
}

/* The run's outputs: audit records and webhook, Git reports, metrics. */
static int write_outputs(drift_run *run)
{
    const vr_common_opts *c = &run->o.common;
    char *secret = NULL;
    size_t secret_len = 0;
    vr_outputs out;
    memset(&out, 0, sizeof(out));
    out.audit = (vr_audit_writer)VR_AUDIT_WRITER_INIT;
    out.cfg = run->ocfg; /* for the metrics, should the outputs not open */
    vr_error err = VR_ERROR_INIT;
    int rc;
    if (vr_cmd_read_webhook_secret("drift", c->webhook_secret_file, c->quiet, &secret,
                                   &secret_len) < 0) {
        rc = VR_EXIT_ERROR;
    } else if ((rc = vr_session_open_outputs(&run->s, &out, secret, secret_len, &err)) < 0) {
        print_error(rc == VR_OUTPUTS_AUDIT_LOG ? "cannot open the audit log"
                                               : "cannot use the webhook",
                    &err);
        rc = VR_EXIT_ERROR;
    } else {
        rc = audit_records(run, &out);
    }
    if (rc == 0 && c->audit_repo) rc = commit_reports(run, &out);
    if (c->metrics_file) {
        int *status = NULL;
        vr_outputs_calls calls = vr_session_call_statuses(&run->s, &status);
        /* A file that cannot be written is an error that names it (docs/cli.md "Files"):
         * exit 1, after everything else was done. */
        bool success = rc == 0 && run->s.failed_count == 0;
        if (vr_outputs_metrics_drift(&out, run->reports, run->count, success, &calls, &err) < 0) {
            fprintf(stderr, "vni-reconcile drift: %s\n", err.message);
            if (rc == 0) rc = VR_EXIT_ERROR;
        }
        free(status);
    }
    vr_outputs_close(&out);
    vr_secret_free(secret);
    return rc;
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

/* Parses the options; 1 when --help was shown, 0 to go on, -1 on a usage error (printed). */
static int parse_opts(drift_run *run, int argc, char **argv)
{
    drift_opts *o = &run->o;
    o->history = VR_DRIFT_DEFAULT_HISTORY;
    vr_opt table[] = {
        {"format", 0, VR_OPT_STRING, &o->format, "FORMAT", "text (default), json, markdown or html",
         0, 0},
        {"exit-code", 0, VR_OPT_FLAG, &o->exit_code, NULL, "exit 2 when there is drift", 0, 0},
        {"history", 0, VR_OPT_LONG, &o->history, "N",
         "uptime over the last N checks, this one included (default 30; needs --audit-repo)", 1,
         10000},
        {"shard", 0, VR_OPT_STRING, &o->shard, "I/N", "only the I-th of N shares of organizations",
         0, 0},
        VR_OPTS_COMMON(&o->common),
        {"help", 'h', VR_OPT_FLAG, &o->help, NULL, "show this help", 0, 0},
        {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
    };
    if (vr_cmd_parse("drift", table, argc, argv, &run->pos, &o->common) < 0) return -1;
    if (!o->help) return 0;
    usage(table);
    return 1;
}

/* Loads, connects, reads live state and plans (never pruning or replacing: drift only
 * reads). */
static int read_state(drift_run *run)
{
    vr_session *s = &run->s;
    int rc;
    if (run->o.shard && (rc = vr_session_set_shard(s, run->o.shard)) != 0) return rc;
    if ((rc = vr_session_load(s)) != 0 || (rc = vr_session_prepare(s, NULL, NULL)) != 0) return rc;
    vr_plan_opts popts;
    vr_plan_opts_init(&popts);
    popts.max_deletes = 0;
    popts.replace_failed = false;
    popts.max_replaces = 0;
    if ((rc = vr_session_plan(s, &popts)) != 0) return rc;
    /* What the plan found beyond drift (conflicts a create would meet, live duplicates) is
     * apply's business; with -v it is shown as context. */
    for (size_t i = 0; i < s->org_count && run->o.common.verbose; i++) {
        if (s->orgs[i].failed) continue;
        const vr_diags *d = &s->orgs[i].plan->diags;
        for (size_t k = 0; k < d->count; k++) {
            char *line = vr_diag_format(&d->items[k]);
            fprintf(stderr, "vni-reconcile drift: plan: %s\n", line);
            free(line);
        }
    }
    return 0;
}

static int build_reports(drift_run *run)
{
    vr_session *s = &run->s;
    int64_t wall_ms = vr_wall_ms();
    run->reports = vr_xcalloc(s->org_count ? s->org_count : 1, sizeof(*run->reports));
    run->org_of = vr_xcalloc(s->org_count ? s->org_count : 1, sizeof(*run->org_of));
    for (size_t i = 0; i < s->org_count; i++) {
        vr_session_org *so = &s->orgs[i];
        if (so->failed) continue; /* said on stderr; the run exits 1 */
        run->org_of[run->count] = so;
        if (vr_drift_build(&run->reports[run->count], so->org, so->live.items, so->live.count,
                           so->plan, s->run_id, wall_ms) < 0) {
            fprintf(stderr, "vni-reconcile drift: cannot build the report of organization %s\n",
                    so->org->id);
            return VR_EXIT_ERROR;
        }
        vr_drift_set_repairs(&run->reports[run->count], so->org, run->o.common.files.items,
                             run->o.common.files.count);
        run->count++;
    }
    return read_history(run);
}

static int drift_main(drift_run *run)
{
    drift_opts *o = &run->o;
    /* -f PATH... : the paths after the first are positional */
    for (size_t i = 0; i < run->pos.count; i++)
        vr_strlist_push(&o->common.files, run->pos.items[i]);
    const char *format = o->format ? o->format : "text";
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "markdown") &&
        strcmp(format, "html")) {
        fprintf(stderr,
                "vni-reconcile drift: --format '%s' is not one of text, json, markdown, html\n",
                format);
        return VR_EXIT_ERROR;
    }
    vr_session_outputs_config(&run->s, &run->ocfg);
    int rc;
    if ((rc = read_state(run)) != 0 || (rc = build_reports(run)) != 0) return rc;
    print_report(run, format);
    bool drift = false;
    for (size_t i = 0; i < run->count; i++)
        drift = drift || vr_drift_has_drift(&run->reports[i]);
    if (run->s.shard_count && run->s.org_count == 0 && !o->common.quiet)
        fprintf(stderr,
                "vni-reconcile drift: shard %ld/%ld holds no organization of the "
                "inventory\n",
                run->s.shard_index, run->s.shard_count);
    if ((rc = write_outputs(run)) != 0 || run->s.failed_count) return VR_EXIT_ERROR;
    return drift && o->exit_code ? VR_EXIT_CHANGES : VR_EXIT_OK;
}

int cmd_drift(int argc, char **argv)
{
    drift_run run;
    memset(&run, 0, sizeof(run));
    int rc = parse_opts(&run, argc, argv);
    if (rc < 0) return VR_EXIT_ERROR;
    vr_session_init(&run.s, &run.o.common, "drift");
    rc = rc == 1 ? VR_EXIT_OK : drift_main(&run);
    for (size_t i = 0; i < run.count; i++)
        vr_drift_org_free(&run.reports[i]);
    free(run.reports);
    free(run.org_of);
    vr_session_free(&run.s);
    vr_cmd_opts_free(&run.pos, &run.o.common);
    return rc;
}
