/* cmd_apply: `vni-reconcile apply`: carry a plan out step by step (from -f, or a saved
 * PLANFILE whose live fingerprint must still match), one organization at a time under its
 * lock, with progress on stderr, the audit log, webhook, metrics and the Git report. */
#include "cmd.h"
#include "cmd_session.h"

#include "vr_apply.h"
#include "vr_audit.h"
#include "vr_gitreport.h"
#include "vr_latency.h"
#include "vr_lock.h"
#include "vr_metrics.h"
#include "vr_planfile.h"
#include "vr_render.h"
#include "vr_util.h"
#include "vr_webhook.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    vr_common_opts common;
    bool auto_approve;
    bool prune;
    long max_deletes;
    long max_creates;
    bool keep_going;
    const char *lock_dir;
    const char *format;
    const char *shard;
    bool help;
} apply_opts;

/* What one organization's run gives the printers and reports. */
typedef struct {
    vr_apply_result result;
    vr_latency latency;
    bool ran;
} org_run;

typedef struct {
    const vr_session *s;
    const char *org_id;
    bool multi_org;
    bool quiet;
} progress_ctx;

static void print_progress(void *ctx, vr_apply_event ev, const vr_apply_step *st, size_t total)
{
    const progress_ctx *p = ctx;
    if (p->quiet && (ev == VR_APPLY_EVENT_START || st->status != VR_STEP_FAILED)) return;
    if (ev == VR_APPLY_EVENT_START && !p->s->opts->verbose) return;
    /* A live connection's name, and the platform's messages, go to a terminal escaped. */
    char *name = vr_text_escape(st->name);
    char prefix[64] = "";
    if (p->multi_org) snprintf(prefix, sizeof(prefix), "%.8s ", p->org_id);
    if (ev == VR_APPLY_EVENT_START) {
        fprintf(stderr, "[%zu/%zu] %s: %s...\n", st->seq, total, name, vr_step_kind_name(st->kind));
    } else if (st->status == VR_STEP_SKIPPED) {
        fprintf(stderr, "%s[%zu/%zu] %s: %s\n", prefix, st->seq, total, name,
                st->note ? st->note : "not attempted");
    } else if (st->status == VR_STEP_FAILED) {
        vr_error e = st->error;
        vr_error_escape_controls(&e);
        fprintf(stderr, "%s[%zu/%zu] %s: %s failed: %s\n", prefix, st->seq, total, name,
                vr_step_kind_name(st->kind), e.message);
        if (e.http_status || e.code[0]) {
            fprintf(stderr, "  status: ");
            if (e.http_status) fprintf(stderr, "HTTP %d, ", e.http_status);
            fprintf(stderr, "code %s\n", e.code);
        }
        if (e.correlation_id[0]) fprintf(stderr, "  correlation id: %s\n", e.correlation_id);
        if (e.remedy[0]) fprintf(stderr, "  what to do: %s\n", e.remedy);
    } else {
        const char *what =
            st->kind == VR_STEP_CREATE   ? (st->adopted ? "created (found existing)" : "created")
            : st->kind == VR_STEP_DELETE ? (st->already_gone ? "already deleted" : "deleted")
                                         : "activated";
        if (st->syncs > 0)
            fprintf(stderr, "%s[%zu/%zu] %s: %s, converged in %lld ms\n", prefix, st->seq, total,
                    name, what, (long long)st->convergence_ms);
        else
            fprintf(stderr, "%s[%zu/%zu] %s: %s%s%s\n", prefix, st->seq, total, name, what,
                    st->note ? ", " : "", st->note ? st->note : "");
    }
    free(name);
}

/* ---- the saved plan path ---- */

/* A session for a saved plan: the plan's organizations, no inventory files. */
static int session_from_planfile(vr_session *s, vr_plan *plan)
{
    for (size_t i = 0; i < s->opts->probe_map.count; i++) {
        vr_error err = VR_ERROR_INIT;
        if (vr_probe_map_add(&s->probe_map, s->opts->probe_map.items[i], &err) < 0) {
            fprintf(stderr, "vni-reconcile apply: %s\n", err.message);
            return VR_EXIT_ERROR;
        }
    }
    for (size_t i = 0; i < plan->org_count; i++) {
        vr_org *org = vr_inventory_add_org(&s->inv, plan->orgs[i].org_id);
        if (plan->orgs[i].region && !org->region) org->region = vr_strdup(plan->orgs[i].region);
    }
    s->orgs = vr_xcalloc(s->inv.org_count ? s->inv.org_count : 1, sizeof(*s->orgs));
    for (size_t i = 0; i < s->inv.org_count; i++) {
        s->orgs[s->org_count].org = &s->inv.orgs[i];
        s->orgs[s->org_count].plan = &plan->orgs[i];
        s->org_count++;
    }
    return 0;
}

static bool ref_has(const vr_plan_ref *r, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].name && strcmp(r[i].name, name) == 0) return true;
    return false;
}

/* Whether name was a live connection when the plan was made. */
static bool plan_saw(const vr_plan_org_result *p, const char *name)
{
    if (ref_has(p->unchanged, p->unchanged_count, name) ||
        ref_has(p->unmanaged, p->unmanaged_count, name) ||
        ref_has(p->not_active, p->not_active_count, name))
        return true;
    for (size_t i = 0; i < p->drift_count; i++)
        if (p->drift[i].name && strcmp(p->drift[i].name, name) == 0) return true;
    for (size_t i = 0; i < p->action_count; i++)
        if (p->actions[i].kind == VR_ACTION_DELETE && strcmp(p->actions[i].name, name) == 0)
            return true;
    return false;
}

static bool live_has(const vr_iface_list *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (l->items[i].name && strcmp(l->items[i].name, name) == 0) return true;
    return false;
}

static void add_name(vr_buf *b, size_t *n, const char *name)
{
    if (*n < 10) {
        char *shown = vr_text_escape(name); /* a live name goes to a terminal */
        vr_buf_printf(b, "%s%s", *n ? ", " : "", shown);
        free(shown);
    }
    (*n)++;
}

static void names_of_ref(vr_buf *b, size_t *n, const vr_plan_ref *r, size_t count,
                         const vr_iface_list *live)
{
    for (size_t i = 0; i < count; i++)
        if (r[i].name && !live_has(live, r[i].name)) add_name(b, n, r[i].name);
}

/* Refuses a saved plan whose live fingerprint no longer matches, saying what changed. */
static bool plan_still_valid(const vr_session_org *so)
{
    const vr_plan_org_result *p = so->plan;
    char fp[65];
    vr_plan_live_fingerprint(so->live.items, so->live.count, fp);
    if (strcmp(fp, p->live_fingerprint) == 0) return true;
    vr_buf added = VR_BUF_INIT, removed = VR_BUF_INIT;
    size_t na = 0, nr = 0;
    for (size_t i = 0; i < so->live.count; i++)
        if (so->live.items[i].name && !plan_saw(p, so->live.items[i].name))
            add_name(&added, &na, so->live.items[i].name);
    names_of_ref(&removed, &nr, p->unchanged, p->unchanged_count, &so->live);
    names_of_ref(&removed, &nr, p->unmanaged, p->unmanaged_count, &so->live);
    for (size_t i = 0; i < p->drift_count; i++)
        if (p->drift[i].name && !live_has(&so->live, p->drift[i].name))
            add_name(&removed, &nr, p->drift[i].name);
    fprintf(stderr,
            "vni-reconcile apply: the saved plan is stale for organization %s: the live "
            "connections changed since it was made (%zu then, %zu now)\n",
            p->org_id, p->live_count, so->live.count);
    if (na)
        fprintf(stderr, "  added since the plan: %zu (%s%s)\n", na, vr_buf_str(&added),
                na > 10 ? ", ..." : "");
    if (nr)
        fprintf(stderr, "  removed since the plan: %zu (%s%s)\n", nr, vr_buf_str(&removed),
                nr > 10 ? ", ..." : "");
    if (!na && !nr)
        fprintf(stderr, "  the same names, but some connection's fields or id changed\n");
    fprintf(stderr, "  what to do: run `vni-reconcile plan --out FILE` again and review it; "
                    "nothing was changed\n");
    vr_buf_free(&added);
    vr_buf_free(&removed);
    return false;
}

/* ---- approval ---- */

static size_t count_changes(const vr_session *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->org_count; i++) {
        vr_apply_result steps;
        const vr_session_org *so = &s->orgs[i];
        vr_apply_steps(&steps, so->plan, so->live.items, so->live.count);
        n += steps.step_count;
        vr_apply_result_free(&steps);
    }
    return n;
}

static int ask_approval(size_t n)
{
    fprintf(stderr, "\nApply these %zu change%s? Only 'yes' will be accepted: ", n,
            n == 1 ? "" : "s");
    fflush(stderr);
    char line[64];
    if (!fgets(line, sizeof(line), stdin)) return -1;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "yes") == 0 ? 0 : -1;
}

/* ---- reports ---- */

static void latency_json(cJSON *parent, const char *key, const vr_latency *l)
{
    cJSON *o = cJSON_AddObjectToObject(parent, key);
    for (int p = 0; p < VR_PHASE_COUNT; p++) {
        vr_latency_stats st;
        vr_latency_stats_of(l, (vr_phase)p, &st);
        cJSON *ph = cJSON_AddObjectToObject(o, vr_phase_name((vr_phase)p));
        cJSON_AddNumberToObject(ph, "count", (double)st.count);
        cJSON_AddNumberToObject(ph, "p50", (double)st.p50);
        cJSON_AddNumberToObject(ph, "p95", (double)st.p95);
        cJSON_AddNumberToObject(ph, "max", (double)st.max);
    }
}

static cJSON *org_report_json(const vr_session *s, const org_run *run)
{
    cJSON *j = vr_apply_result_to_json(&run->result);
    cJSON_AddStringToObject(j, "command", "apply");
    cJSON_AddStringToObject(j, "runId", s->run_id);
    cJSON_AddStringToObject(j, "toolVersion", VR_VERSION);
    vr_buf sum = VR_BUF_INIT;
    vr_apply_summary(&sum, &run->result);
    cJSON_AddStringToObject(j, "summary", vr_buf_str(&sum));
    vr_buf_free(&sum);
    latency_json(j, "latency", &run->latency);
    return j;
}

static void org_report_md(vr_buf *b, const vr_session *s, const org_run *run)
{
    const vr_apply_result *r = &run->result;
    char ts[32];
    vr_iso8601(r->started_wall_ms, ts);
    vr_buf_printf(b, "# vni-reconcile apply %s\n\n", r->org_id);
    vr_buf_printf(b, "Run `%s`, started %s, %lld ms.\n\n**", s->run_id, ts,
                  (long long)r->elapsed_ms);
    vr_apply_summary(b, r);
    vr_buf_puts(b, "**\n\n");
    if (r->step_count) {
        vr_buf_puts(b, "| # | action | interface | status | total ms | convergence ms | detail |\n"
                       "|---|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < r->step_count; i++) {
            const vr_apply_step *st = &r->steps[i];
            vr_buf_printf(b, "| %zu | %s | ", st->seq, vr_step_kind_name(st->kind));
            vr_render_md_cell(b, st->name);
            vr_buf_printf(b, " | %s | ",
                          st->status == VR_STEP_SKIPPED ? "not attempted"
                                                        : vr_step_status_name(st->status));
            if (st->total_ms >= 0) vr_buf_printf(b, "%lld", (long long)st->total_ms);
            vr_buf_puts(b, " | ");
            if (st->convergence_ms >= 0) vr_buf_printf(b, "%lld", (long long)st->convergence_ms);
            vr_buf_puts(b, " | ");
            if (st->status == VR_STEP_FAILED)
                vr_render_md_cell(b, st->error.message);
            else
                vr_render_md_cell(b, st->note);
            vr_buf_puts(b, " |\n");
        }
        vr_buf_puts(b, "\n");
    }
    vr_buf_puts(b, "| latency | count | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|\n");
    for (int p = 0; p < VR_PHASE_COUNT; p++) {
        vr_latency_stats st;
        vr_latency_stats_of(&run->latency, (vr_phase)p, &st);
        vr_buf_printf(b, "| %s | %zu | %lld | %lld | %lld |\n", vr_phase_name((vr_phase)p),
                      st.count, (long long)st.p50, (long long)st.p95, (long long)st.max);
    }
}

/* The live state of organization i after its run, for the audit branch (plan --from-audit
 * plans against it): read again, since the run changed it. Returns 0 with path and json
 * filled, or -1 after a warning (the state recorded earlier stays as it was). */
static int state_after_run(vr_session *s, size_t i, vr_buf *path, vr_buf *json)
{
    vr_error err = VR_ERROR_INIT;
    if (vr_session_read_live_org(s, i, &err) == 0 && vr_session_state_file(s, i, path, json) == 0)
        return 0;
    fprintf(stderr,
            "vni-reconcile apply: warning: organization %s: the live state after the run could "
            "not be read, so the state recorded on the audit branch is not updated\n",
            s->orgs[i].org->id);
    if (err.message[0]) vr_session_print_error(s, &err);
    return -1;
}

static int commit_report(vr_session *s, size_t i, const org_run *run)
{
    const vr_common_opts *o = s->opts;
    vr_error err = VR_ERROR_INIT;
    cJSON *j = org_report_json(s, run);
    char *json = cJSON_Print(j);
    cJSON_Delete(j);
    vr_buf md = VR_BUF_INIT, pj = VR_BUF_INIT, pm = VR_BUF_INIT, msg = VR_BUF_INIT,
           sum = VR_BUF_INIT, sp = VR_BUF_INIT, sj = VR_BUF_INIT;
    org_report_md(&md, s, run);
    vr_apply_summary(&sum, &run->result);
    int rc = -1;
    if (!json ||
        vr_gitreport_report_path(&pj, run->result.org_id, run->result.started_wall_ms, "apply",
                                 "json") < 0 ||
        vr_gitreport_report_path(&pm, run->result.org_id, run->result.started_wall_ms, "apply",
                                 "md") < 0 ||
        vr_gitreport_message(&msg, "apply", run->result.org_id, vr_buf_str(&sum)) < 0) {
        fprintf(stderr, "vni-reconcile apply: audit report of %s: cannot build it\n",
                run->result.org_id);
        goto done;
    }
    size_t nfiles = state_after_run(s, i, &sp, &sj) == 0 ? 3 : 2;
    vr_gitreport_file files[3] = {
        {vr_buf_str(&pj), json, strlen(json)},
        {vr_buf_str(&pm), vr_buf_str(&md), md.len},
        {vr_buf_str(&sp), vr_buf_str(&sj), sj.len},
    };
    char commit[41] = "";
    if (vr_gitreport_commit(o->audit_repo, o->audit_branch, files, nfiles, vr_buf_str(&msg), commit,
                            &err) < 0) {
        vr_session_print_error(s, &err);
        goto done;
    }
    if (!o->quiet)
        fprintf(stderr, "vni-reconcile apply: report committed to %s branch %s (%.12s)\n",
                o->audit_repo, o->audit_branch ? o->audit_branch : VR_GITREPORT_DEFAULT_BRANCH,
                commit);
    rc = 0;
done:
    free(json);
    vr_buf_free(&md);
    vr_buf_free(&pj);
    vr_buf_free(&pm);
    vr_buf_free(&msg);
    vr_buf_free(&sum);
    vr_buf_free(&sp);
    vr_buf_free(&sj);
    return rc;
}

static void write_metrics(const vr_session *s, const org_run *runs, const vr_webhook_stats *wst,
                          bool have_webhook)
{
    vr_metrics m = VR_METRICS_INIT;
    vr_metrics_declare_standard(&m);
    char stamp[32];
    snprintf(stamp, sizeof(stamp), "%lld", (long long)(vr_wall_ms() / 1000));
    for (size_t i = 0; i < s->org_count; i++) {
        const org_run *run = &runs[i];
        const char *org = s->orgs[i].org->id;
        if (run->ran) {
            for (size_t k = 0; k < run->result.step_count; k++) {
                const vr_apply_step *st = &run->result.steps[k];
                const char *action =
                    st->kind == VR_STEP_DELETE ? "vni_deletion" : "vni_provisioning";
                const char *status = st->status == VR_STEP_FAILED    ? "failed"
                                     : st->status == VR_STEP_SKIPPED ? "skipped"
                                     : st->kind == VR_STEP_DELETE    ? "deleted"
                                                                     : "provisioned";
                vr_metrics_inc(&m, VR_METRIC_ACTIONS, 1, "org", org, "action", action, "status",
                               status, NULL);
            }
            vr_metrics_add_latency(&m, &run->latency, org);
        }
        vr_metrics_set(&m, VR_METRIC_LAST_RUN, (double)(vr_wall_ms() / 1000), "org", org, "command",
                       "apply", NULL);
        bool ok = run->ran ? (run->result.failed == 0 && !run->result.audit_failed) : false;
        vr_metrics_set(&m, VR_METRIC_LAST_RUN_SUCCESS, ok ? 1 : 0, "org", org, "command", "apply",
                       NULL);
    }
    for (size_t i = 0; i < s->call_count; i++) {
        char st[16];
        snprintf(st, sizeof(st), "%d", s->calls[i].status);
        vr_metrics_inc(&m, VR_METRIC_API_CALLS, 1, "status", st, NULL);
    }
    if (have_webhook) {
        vr_metrics_inc(&m, VR_METRIC_WEBHOOK, (double)wst->delivered, "result", "delivered", NULL);
        vr_metrics_inc(&m, VR_METRIC_WEBHOOK, (double)wst->pending, "result", "queued", NULL);
        vr_metrics_inc(&m, VR_METRIC_WEBHOOK, (double)wst->dropped, "result", "dropped", NULL);
    }
    vr_error err = VR_ERROR_INIT;
    if (vr_metrics_update_file(&m, s->opts->metrics_file, &err) < 0)
        vr_session_print_error(s, &err);
    vr_metrics_free(&m);
}

static void print_latency_line(FILE *out, const vr_latency *l)
{
    vr_latency_stats t, c;
    vr_latency_stats_of(l, VR_PHASE_TOTAL, &t);
    vr_latency_stats_of(l, VR_PHASE_CONVERGENCE, &c);
    if (!t.count) return;
    fprintf(out,
            "Latency per step: p50 %lld ms, p95 %lld ms, max %lld ms (convergence p50 %lld ms, "
            "p95 %lld ms, max %lld ms)\n",
            (long long)t.p50, (long long)t.p95, (long long)t.max, (long long)c.p50,
            (long long)c.p95, (long long)c.max);
}

/* After a failure: which steps were done, which failed, which were not attempted. */
static void print_outcome(FILE *out, const vr_session *s, const org_run *runs)
{
    static const vr_step_status order[] = {VR_STEP_DONE, VR_STEP_FAILED, VR_STEP_SKIPPED};
    static const char *const label[] = {"done", "failed", "not attempted"};
    for (size_t i = 0; i < s->org_count; i++) {
        const vr_apply_result *r = &runs[i].result;
        if (!runs[i].ran) continue;
        if (s->org_count > 1) fprintf(out, "organization %s:\n", r->org_id);
        for (int k = 0; k < 3; k++) {
            vr_buf line = VR_BUF_INIT;
            for (size_t j = 0; j < r->step_count; j++) {
                const vr_apply_step *st = &r->steps[j];
                if (st->status != order[k]) continue;
                vr_buf_printf(&line, "%s%s", line.len ? ", " : "", st->name);
                if (st->status == VR_STEP_FAILED) vr_buf_printf(&line, " (%s)", st->error.code);
            }
            if (line.len) {
                char *shown = vr_text_escape(vr_buf_str(&line)); /* live names, server codes */
                fprintf(out, "  %s: %s\n", label[k], shown);
                free(shown);
            }
            vr_buf_free(&line);
        }
    }
}

/* ---- the command ---- */

/* A YAML file, a folder or stdin is an inventory: apply takes those only with -f. */
static bool looks_like_inventory(const char *path)
{
    struct stat st;
    size_t n = strlen(path);
    if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) return true;
    return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

int cmd_apply(int argc, char **argv)
{
    apply_opts o;
    memset(&o, 0, sizeof(o));
    o.max_deletes = 1;
    o.max_creates = -1;
    vr_opt table[] = {
        {"auto-approve", 0, VR_OPT_FLAG, &o.auto_approve, NULL, "apply without asking", 0, 0},
        {"prune", 0, VR_OPT_FLAG, &o.prune, NULL,
         "delete managed connections the inventory no longer names (-f only)", 0, 0},
        {"max-deletes", 0, VR_OPT_LONG, &o.max_deletes, "N", "at most N deletions (default 1)", 0,
         100000},
        {"max-creates", 0, VR_OPT_LONG, &o.max_creates, "N",
         "at most N creations in this run (the rest wait for the next)", 0, 1000000},
        {"keep-going", 0, VR_OPT_FLAG, &o.keep_going, NULL, "go on after a failed step", 0, 0},
        {"lock-dir", 0, VR_OPT_STRING, &o.lock_dir, "DIR", "where the per-organization locks live",
         0, 0},
        {"format", 0, VR_OPT_STRING, &o.format, "FORMAT", "text (default) or json", 0, 0},
        {"shard", 0, VR_OPT_STRING, &o.shard, "I/N", "only the I-th of N shares of organizations",
         0, 0},
        VR_OPTS_COMMON(&o.common),
        {"help", 'h', VR_OPT_FLAG, &o.help, NULL, "show this help", 0, 0},
        {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
    };
    vr_strlist pos = {0};
    if (vr_cmd_parse("apply", table, argc, argv, &pos, &o.common) < 0) return VR_EXIT_ERROR;
    int rc = VR_EXIT_ERROR;
    vr_session s;
    vr_session_init(&s, &o.common, "apply");
    vr_plan saved = {0};
    vr_lock *locks = NULL;
    org_run *runs = NULL;
    vr_audit_writer audit = VR_AUDIT_WRITER_INIT;
    vr_webhook *wh = NULL;
    vr_webhook_stats wst;
    memset(&wst, 0, sizeof(wst));
    char *wh_secret = NULL, *outbox = NULL;
    size_t wh_secret_len = 0;
    const char **secrets = NULL;
    size_t secret_count = 0;
    bool from_file = false;

    if (o.help) {
        puts("usage: vni-reconcile apply (-f PATH... | PLANFILE) [--auto-approve] [--prune]\n"
             "                           [--max-deletes N] [--max-creates N] [--keep-going]\n"
             "                           [--lock-dir DIR] [--format text|json] [options]\n\n"
             "Carries the plan out one step at a time: probe the gateway, create, sync the\n"
             "routing table, wait for convergence, check the connection is active, audit.\n"
             "A saved PLANFILE (plan --out) counts as approval; its live state must not have\n"
             "changed since. Without a terminal, -f needs --auto-approve.\n"
             "exit: 0 applied (or nothing to do), 1 a step failed or an error,\n"
             "      3 invalid inventory or impossible plan (nothing changed)\n");
        vr_opts_help(stdout, table);
        rc = VR_EXIT_OK;
        goto done;
    }
    const char *format = o.format ? o.format : "text";
    bool json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "text") != 0) {
        fprintf(stderr, "vni-reconcile apply: --format '%s' is not one of text, json\n", format);
        goto done;
    }
    if (pos.count > 1) {
        fprintf(stderr,
                "vni-reconcile apply: one PLANFILE at most (got %zu); inventory files go "
                "with -f\n",
                pos.count);
        goto done;
    }
    if (pos.count == 1 && o.common.files.count > 0) {
        fprintf(stderr, "vni-reconcile apply: give either -f PATH... or a PLANFILE, not both "
                        "(see --help)\n");
        goto done;
    }
    from_file = pos.count == 1;
    if (from_file && looks_like_inventory(pos.items[0])) {
        fprintf(stderr,
                "vni-reconcile apply: %s looks like an inventory, not a saved plan; apply an "
                "inventory with -f %s, or a plan saved by `plan --out FILE`\n",
                pos.items[0], pos.items[0]);
        goto done;
    }
    if (from_file && (o.prune || o.max_deletes != 1 || o.shard))
        fprintf(stderr, "vni-reconcile apply: warning: --prune, --max-deletes and --shard apply to "
                        "-f; a saved plan carries its own actions and organizations\n");
    if (!from_file && o.common.files.count == 0) {
        fprintf(stderr, "vni-reconcile apply: nothing to apply; use -f PATH (inventory) or a "
                        "PLANFILE saved by `plan --out`\n");
        goto done;
    }
    if (o.shard && (rc = vr_session_set_shard(&s, o.shard)) != 0) goto done;

    /* Refuse early, before reading anything, when nobody can approve. */
    bool tty = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
    if (!from_file && !o.auto_approve && !tty) {
        fprintf(stderr, "vni-reconcile apply: apply needs --auto-approve or a saved plan when not "
                        "on a terminal\n");
        rc = VR_EXIT_ERROR;
        goto done;
    }

    if (from_file) {
        vr_error err = VR_ERROR_INIT;
        if (vr_planfile_read(&saved, pos.items[0], &err) < 0) {
            vr_session_print_error(&s, &err);
            rc = VR_EXIT_ERROR;
            goto done;
        }
        if ((rc = session_from_planfile(&s, &saved)) != 0) goto done;
    } else if ((rc = vr_session_load(&s)) != 0) {
        goto done;
    }
    if ((rc = vr_session_connect(&s)) != 0) goto done;

    /* One apply per organization at a time, held from before the live read to the end. */
    locks = vr_xcalloc(s.org_count + 1, sizeof(*locks));
    for (size_t i = 0; i < s.org_count; i++) {
        vr_lock init = VR_LOCK_INIT;
        locks[i] = init;
    }
    for (size_t i = 0; i < s.org_count; i++) {
        vr_error err = VR_ERROR_INIT;
        vr_lock_holder holder;
        int lr = vr_lock_acquire(&locks[i], o.lock_dir, s.orgs[i].org->id, "apply", &holder, &err);
        if (lr < 0) {
            fprintf(stderr, "vni-reconcile apply: %s\n", err.message);
            if (lr == VR_LOCK_BUSY)
                fprintf(stderr,
                        "  what to do: wait for that run (pid %ld) to end; nothing was "
                        "changed\n",
                        holder.pid);
            rc = VR_EXIT_ERROR;
            goto done;
        }
    }
    if ((rc = vr_session_read_live(&s)) != 0) goto done;

    if (from_file) {
        for (size_t i = 0; i < s.org_count; i++)
            if (!plan_still_valid(&s.orgs[i])) {
                rc = VR_EXIT_ERROR;
                goto done;
            }
    } else {
        vr_plan_opts popts;
        vr_plan_opts_init(&popts);
        popts.prune = o.prune;
        popts.max_deletes = o.max_deletes;
        if ((rc = vr_session_plan(&s, &popts)) != 0) goto done;
    }
    const vr_plan *plan = from_file ? &saved : &s.plan;

    /* The plan, as plan shows it (text to stdout; errors and all). */
    if (!json && !o.common.quiet) {
        vr_buf out = VR_BUF_INIT;
        vr_render_opts ropts = {0};
        ropts.color = s.use_color;
        ropts.verbose = o.common.verbose > 0;
        vr_render_text(&out, plan, &ropts);
        fputs(vr_buf_str(&out), stdout);
        if (out.len && out.data[out.len - 1] != '\n') fputc('\n', stdout);
        fflush(stdout);
        vr_buf_free(&out);
    }
    if (!vr_plan_possible(plan)) {
        if (json || o.common.quiet)
            for (size_t i = 0; i < plan->org_count; i++)
                for (size_t k = 0; k < plan->orgs[i].diags.count; k++) {
                    if (plan->orgs[i].diags.items[k].severity != VR_SEV_ERROR) continue;
                    char *line = vr_diag_format(&plan->orgs[i].diags.items[k]);
                    fprintf(stderr, "%s\n", line);
                    free(line);
                }
        fprintf(stderr, "vni-reconcile apply: the plan cannot be carried out; see the errors "
                        "above; nothing was changed\n");
        rc = VR_EXIT_INVALID;
        goto done;
    }
    size_t changes = count_changes(&s);
    if (!from_file && !o.auto_approve) {
        if (changes == 0) {
            /* nothing to approve */
        } else if (ask_approval(changes) != 0) {
            fprintf(stderr, "vni-reconcile apply: not approved; nothing was changed\n");
            rc = VR_EXIT_ERROR;
            goto done;
        }
    }

    /* Audit log, webhook (its outbox first), all before the first change. */
    vr_session_secrets(&s, &secrets, &secret_count);
    {
        vr_error err = VR_ERROR_INIT;
        if (vr_audit_writer_open(&audit, o.common.audit_log, &err) < 0) {
            vr_session_print_error(&s, &err);
            rc = VR_EXIT_ERROR;
            goto done;
        }
        vr_audit_set_redactions(&audit, secrets, secret_count);
        if (o.common.webhook_url) {
            if (vr_cmd_read_webhook_secret("apply", o.common.webhook_secret_file, o.common.quiet,
                                           &wh_secret, &wh_secret_len) < 0) {
                rc = VR_EXIT_ERROR;
                goto done;
            }
            if (vr_webhook_default_outbox(o.common.audit_log, &outbox) < 0) outbox = NULL;
            vr_webhook_config wc;
            memset(&wc, 0, sizeof(wc));
            wc.url = o.common.webhook_url;
            wc.secret = wh_secret;
            wc.secret_len = wh_secret_len;
            wc.outbox_path = outbox;
            wc.transport = &s.transport;
            if (vr_webhook_open(&wh, &wc, &err) < 0) {
                vr_session_print_error(&s, &err);
                rc = VR_EXIT_ERROR;
                goto done;
            }
            vr_webhook_flush(wh);
        }
    }

    runs = vr_xcalloc(s.org_count + 1, sizeof(*runs));
    bool any_failed = false;
    for (size_t i = 0; i < s.org_count; i++) {
        vr_session_org *so = &s.orgs[i];
        progress_ctx pc = {&s, so->org->id, s.org_count > 1, o.common.quiet || json};
        vr_apply_opts ao;
        vr_apply_opts_init(&ao);
        ao.probe_map = &s.probe_map;
        ao.converge_timeout_ms = o.common.converge_timeout_s > 0
                                     ? (int64_t)o.common.converge_timeout_s * 1000
                                     : VR_APPLY_DEFAULT_CONVERGE_TIMEOUT_MS;
        ao.keep_going = o.keep_going;
        ao.max_creates = o.max_creates;
        ao.audit = &audit;
        ao.webhook = wh;
        ao.latency = &runs[i].latency;
        ao.run_id = s.run_id;
        ao.progress = print_progress;
        ao.progress_ctx = &pc;
        if (vr_apply_org(&runs[i].result, so->client, so->plan, so->live.items, so->live.count,
                         &ao) < 0)
            any_failed = true;
        runs[i].ran = true;
        if (runs[i].result.audit_failed) vr_session_print_error(&s, &runs[i].result.audit_err);
        for (int p = 0; p < VR_PHASE_COUNT; p++)
            for (size_t k = 0; k < runs[i].latency.phase[p].count; k++)
                vr_latency_add(&s.latency, (vr_phase)p, runs[i].latency.phase[p].samples[k]);
        if (any_failed && !o.keep_going) {
            /* later organizations are not attempted either */
            for (size_t k = i + 1; k < s.org_count; k++)
                fprintf(stderr,
                        "vni-reconcile apply: organization %s not attempted (an earlier "
                        "one failed)\n",
                        s.orgs[k].org->id);
            break;
        }
    }
    if (wh) {
        vr_webhook_close(wh, &wst);
        wh = NULL;
        if (wst.pending && !o.common.quiet)
            fprintf(stderr,
                    "vni-reconcile apply: webhook: %zu event%s not delivered (%s); kept in %s "
                    "for the next run\n",
                    wst.pending, wst.pending == 1 ? "" : "s",
                    wst.last_error[0] ? wst.last_error : "no answer", outbox ? outbox : "(none)");
    }

    /* Reports: Git, metrics, the summary. */
    bool report_failed = false;
    if (o.common.audit_repo)
        for (size_t i = 0; i < s.org_count; i++)
            if (runs[i].ran && commit_report(&s, i, &runs[i]) < 0) report_failed = true;
    if (o.common.metrics_file) write_metrics(&s, runs, &wst, o.common.webhook_url != NULL);

    size_t created = 0, deleted = 0, failed = 0, skipped = 0, activated = 0;
    for (size_t i = 0; i < s.org_count; i++) {
        created += runs[i].result.created;
        deleted += runs[i].result.deleted;
        failed += runs[i].result.failed;
        skipped += runs[i].result.skipped;
        activated += runs[i].result.activated;
    }
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "command", "apply");
        cJSON_AddStringToObject(j, "runId", s.run_id);
        cJSON *orgs = cJSON_AddArrayToObject(j, "organizations");
        for (size_t i = 0; i < s.org_count; i++)
            if (runs[i].ran) cJSON_AddItemToArray(orgs, org_report_json(&s, &runs[i]));
        cJSON *t = cJSON_AddObjectToObject(j, "totals");
        cJSON_AddNumberToObject(t, "created", (double)created);
        cJSON_AddNumberToObject(t, "deleted", (double)deleted);
        cJSON_AddNumberToObject(t, "activated", (double)activated);
        cJSON_AddNumberToObject(t, "failed", (double)failed);
        cJSON_AddNumberToObject(t, "notAttempted", (double)skipped);
        latency_json(j, "latency", &s.latency);
        char *text = cJSON_Print(j);
        if (text) puts(text);
        free(text);
        cJSON_Delete(j);
    } else if (changes == 0 && !any_failed) {
        printf("No changes. The live state matches the inventory; nothing to apply.\n");
    } else {
        printf("Apply %s: %zu created, %zu deleted, %zu failed, %zu not attempted",
               any_failed ? "failed" : "complete", created, deleted, failed, skipped);
        if (activated) printf(", %zu activated", activated);
        putchar('\n');
        if (any_failed) print_outcome(stdout, &s, runs);
        print_latency_line(stdout, &s.latency);
    }
    fflush(stdout);
    rc = any_failed ? VR_EXIT_ERROR : report_failed ? VR_EXIT_ERROR : VR_EXIT_OK;

done:
    if (wh) vr_webhook_close(wh, NULL);
    vr_secret_free(wh_secret);
    free(outbox);
    vr_audit_writer_close(&audit);
    if (runs) {
        for (size_t i = 0; i < s.org_count; i++) {
            vr_apply_result_free(&runs[i].result);
            vr_latency_free(&runs[i].latency);
        }
        free(runs);
    }
    if (locks) {
        for (size_t i = 0; i < s.org_count; i++)
            vr_lock_release(&locks[i]);
        free(locks);
    }
    free(secrets);
    /* the saved plan's org results are borrowed by the session: drop the pointers first */
    for (size_t i = 0; i < s.org_count; i++)
        if (from_file) s.orgs[i].plan = NULL;
    vr_session_free(&s);
    vr_plan_free(&saved);
    vr_cmd_opts_free(&pos, &o.common);
    return rc;
}
