/* cmd_apply: `vni-reconcile apply`: carry a plan out step by step (from -f, or a saved
 * PLANFILE whose live fingerprint must still match), up to --parallelism organizations at once,
 * each under its lock and one step at a time, with progress on stderr, the audit log, webhook,
 * metrics and the Git report in the order of a sequential run. */
#include "cmd.h"
#include "cmd_pool.h"
#include "cmd_session.h"

#include "vr_apply.h"
#include "vr_gitreport.h"
#include "vr_latency.h"
#include "vr_lock.h"
#include "vr_ordered.h"
#include "vr_outputs.h"
#include "vr_plancheck.h"
#include "vr_planfile.h"
#include "vr_render.h"
#include "vr_render_apply.h"
#include "vr_util.h"

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
    vr_strlist replace;
    bool replace_drifted;
    bool no_replace_failed;
    long max_replaces;
    bool help;
} apply_opts;

typedef struct {
    const vr_session *s;
    const vr_session_org *so;
    bool quiet;
} progress_ctx;

/* One progress line (or a failure's lines) of one organization, written whole. Runs on the
 * organization's worker thread. */
static void print_progress(void *ctx, vr_apply_event ev, const vr_apply_step *st, size_t total)
{
    const progress_ctx *p = ctx;
    if (p->quiet && (ev == VR_APPLY_EVENT_START || st->status != VR_STEP_FAILED)) return;
    if (ev == VR_APPLY_EVENT_START && !p->s->opts->verbose) return;
    /* A live connection's name, and the platform's messages, go to a terminal escaped. */
    char *name = vr_text_escape(st->name);
    char prefix[128];
    vr_session_org_prefix(p->s, p->so, prefix, sizeof(prefix));
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s[%zu/%zu] %s: ", prefix, st->seq, total, name);
    if (ev == VR_APPLY_EVENT_START) {
        vr_buf_printf(&b, "%s...\n", vr_step_kind_name(st->kind));
    } else if (st->status == VR_STEP_SKIPPED) {
        vr_buf_printf(&b, "%s\n", st->note ? st->note : "not attempted");
    } else if (st->status == VR_STEP_FAILED) {
        vr_error e = st->error;
        vr_error_escape_controls(&e);
        vr_buf_printf(&b, "%s failed: %s\n", vr_step_kind_name(st->kind), e.message);
        if (e.http_status || e.code[0]) {
            vr_buf_puts(&b, "  status: ");
            if (e.http_status) vr_buf_printf(&b, "HTTP %d, ", e.http_status);
            vr_buf_printf(&b, "code %s\n", e.code);
        }
        if (e.correlation_id[0]) vr_buf_printf(&b, "  correlation id: %s\n", e.correlation_id);
        if (e.remedy[0]) vr_buf_printf(&b, "  what to do: %s\n", e.remedy);
    } else {
        const char *what =
            st->kind == VR_STEP_CREATE    ? (st->adopted ? "created (found existing)" : "created")
            : st->kind == VR_STEP_DELETE  ? (st->already_gone ? "already deleted" : "deleted")
            : st->kind == VR_STEP_REPLACE ? "replaced"
                                          : "activated";
        if (st->syncs > 0)
            vr_buf_printf(&b, "%s, converged in %lld ms\n", what, (long long)st->convergence_ms);
        else
            vr_buf_printf(&b, "%s%s%s\n", what, st->note ? ", " : "", st->note ? st->note : "");
    }
    vr_session_eprintf(p->s, "%s", vr_buf_str(&b));
    vr_buf_free(&b);
    free(name);
}

/* ---- the saved plan path ---- */

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
        if (p->actions[i].kind != VR_ACTION_CREATE && strcmp(p->actions[i].name, name) == 0)
            return true; /* deleted or replaced: it was live */
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
static bool plan_still_valid(const vr_session_org *so, const vr_plan_org_result *p)
{
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
        if (so->failed) continue;
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

/* Everything one `apply` holds, from the options to the outputs. */
typedef struct {
    apply_opts o;
    vr_strlist pos;
    vr_session s;
    vr_plan saved;  /* the PLANFILE's plan (from_file) */
    bool from_file; /* a PLANFILE, not -f */
    bool json;      /* --format json */
    vr_lock *locks; /* one per organization */
    vr_apply_run *runs;
    bool *run_ok; /* per organization: no step failed */
    vr_outputs out;
    vr_ordered ordered; /* the audit records in a sequential run's order */
    bool out_open;
    char *wh_secret; /* --webhook-secret-file's content (wiped on free) */
    size_t wh_secret_len;
    size_t changes; /* steps of the run, for the approval and "No changes" */
    bool any_failed;
} apply_cmd;

static const char *const apply_usage =
    "usage: vni-reconcile apply (-f PATH... | PLANFILE) [--auto-approve] [--prune]\n"
    "                           [--max-deletes N] [--max-creates N] [--keep-going]\n"
    "                           [--lock-dir DIR] [--format text|json] [--replace NAME]...\n"
    "                           [--replace-drifted] [--no-replace-failed]\n"
    "                           [--max-replaces N] [options]\n\n"
    "Carries the plan out one step at a time: probe the gateway, create, sync the\n"
    "routing table, wait for convergence, check the connection is active, audit.\n"
    "A saved PLANFILE (plan --out) counts as approval; its live state must not have\n"
    "changed since. Without a terminal, -f needs --auto-approve.\n"
    "exit: 0 applied (or nothing to do), 1 a step failed or an error,\n"
    "      3 invalid inventory or impossible plan (nothing changed)\n";

/* Parses the options; 1 when --help was shown, 0 to go on, -1 on a usage error (printed). */
static int parse_opts(apply_cmd *a, int argc, char **argv)
{
    apply_opts *o = &a->o;
    o->max_deletes = 1;
    o->max_creates = -1;
    o->max_replaces = 1;
    vr_opt table[] = {
        {"auto-approve", 0, VR_OPT_FLAG, &o->auto_approve, NULL, "apply without asking", 0, 0},
        {"prune", 0, VR_OPT_FLAG, &o->prune, NULL,
         "delete managed connections the inventory no longer names (-f only)", 0, 0},
        {"max-deletes", 0, VR_OPT_LONG, &o->max_deletes, "N", "at most N deletions (default 1)", 0,
         100000},
        {"max-creates", 0, VR_OPT_LONG, &o->max_creates, "N",
         "at most N creations in this run (the rest wait for the next)", 0, 1000000},
        {"keep-going", 0, VR_OPT_FLAG, &o->keep_going, NULL, "go on after a failed step", 0, 0},
        {"lock-dir", 0, VR_OPT_STRING, &o->lock_dir, "DIR", "where the per-organization locks live",
         0, 0},
        {"format", 0, VR_OPT_STRING, &o->format, "FORMAT", "text (default) or json", 0, 0},
        {"shard", 0, VR_OPT_STRING, &o->shard, "I/N", "only the I-th of N shares of organizations",
         0, 0},
        VR_OPTS_REPLACE(&o->replace, &o->replace_drifted, &o->no_replace_failed, &o->max_replaces),
        VR_OPTS_COMMON(&o->common),
        {"help", 'h', VR_OPT_FLAG, &o->help, NULL, "show this help", 0, 0},
        {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
    };
    if (vr_cmd_parse("apply", table, argc, argv, &a->pos, &o->common) < 0) return -1;
    if (!o->help) return 0;
    fputs(apply_usage, stdout);
    vr_opts_help(stdout, table);
    return 1;
}

/* What the options allow, before anything is read. Returns 0 or VR_EXIT_ERROR (printed). */
static int check_usage(apply_cmd *a)
{
    const apply_opts *o = &a->o;
    const vr_strlist *pos = &a->pos;
    const char *format = o->format ? o->format : "text";
    a->json = strcmp(format, "json") == 0;
    if (!a->json && strcmp(format, "text") != 0) {
        fprintf(stderr, "vni-reconcile apply: --format '%s' is not one of text, json\n", format);
        return VR_EXIT_ERROR;
    }
    if (pos->count > 1) {
        fprintf(stderr,
                "vni-reconcile apply: one PLANFILE at most (got %zu); inventory files go "
                "with -f\n",
                pos->count);
        return VR_EXIT_ERROR;
    }
    if (pos->count == 1 && o->common.files.count > 0) {
        fprintf(stderr, "vni-reconcile apply: give either -f PATH... or a PLANFILE, not both "
                        "(see --help)\n");
        return VR_EXIT_ERROR;
    }
    a->from_file = pos->count == 1;
    if (a->from_file && looks_like_inventory(pos->items[0])) {
        fprintf(stderr,
                "vni-reconcile apply: %s looks like an inventory, not a saved plan; apply an "
                "inventory with -f %s, or a plan saved by `plan --out FILE`\n",
                pos->items[0], pos->items[0]);
        return VR_EXIT_ERROR;
    }
    if (a->from_file && (o->prune || o->shard))
        fprintf(stderr, "vni-reconcile apply: warning: --prune and --shard apply to -f; a saved "
                        "plan carries its own actions and organizations\n");
    if (a->from_file && (o->replace.count || o->replace_drifted || o->no_replace_failed))
        fprintf(stderr, "vni-reconcile apply: warning: --replace, --replace-drifted and "
                        "--no-replace-failed apply to -f; a saved plan carries its own "
                        "replacements\n");
    if (!a->from_file && o->common.files.count == 0) {
        fprintf(stderr, "vni-reconcile apply: nothing to apply; use -f PATH (inventory) or a "
                        "PLANFILE saved by `plan --out`\n");
        return VR_EXIT_ERROR;
    }
    int rc;
    if (o->shard && (rc = vr_session_set_shard(&a->s, o->shard)) != 0) return rc;
    /* Refuse early, before reading anything, when nobody can approve. */
    bool tty = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
    if (!a->from_file && !o->auto_approve && !tty) {
        fprintf(stderr, "vni-reconcile apply: apply needs --auto-approve or a saved plan when not "
                        "on a terminal\n");
        return VR_EXIT_ERROR;
    }
    return 0;
}

/* One apply per organization at a time: organization i's lock, taken after its guard and held
 * from before its live read to the end (a vr_session_step_fn, on its worker thread). */
static int lock_org(void *ctx, vr_session *s, size_t i)
{
    apply_cmd *a = ctx;
    vr_error err = VR_ERROR_INIT;
    vr_lock_holder holder;
    int lr =
        vr_lock_acquire(&a->locks[i], a->o.lock_dir, s->orgs[i].org->id, "apply", &holder, &err);
    if (lr == 0) return 0;
    if (lr == VR_LOCK_BUSY)
        vr_session_eprintf(s,
                           "vni-reconcile apply: %s\n"
                           "  what to do: wait for that run (pid %ld) to end; nothing was "
                           "changed\n",
                           err.message, holder.pid);
    else
        vr_session_eprintf(s, "vni-reconcile apply: %s\n", err.message);
    return -1;
}

/* A refusal of a saved plan: which check failed (and its code), and how to get a fresh plan. */
static int refuse(const apply_cmd *a, const vr_error *err)
{
    vr_session_print_error(&a->s, err);
    return VR_EXIT_ERROR;
}

/* The saved plan read and checked before anything is read from the platform (docs/plan-file.md,
 * "How apply FILE checks it", steps 1 to 5): strictly read, within apply's own --max-deletes
 * and --max-replaces, without errors, able to be made again (options and inventory files
 * recorded), its inventory files unchanged (SHA-256), and the inventory loaded from exactly
 * those files, with the plan's organizations and regions. Returns 0, VR_EXIT_ERROR (refused,
 * printed) or VR_EXIT_INVALID. */
static int load_saved(apply_cmd *a)
{
    vr_session *s = &a->s;
    vr_plan *saved = &a->saved;
    vr_error err = VR_ERROR_INIT;
    int rc;
    if (vr_planfile_read(saved, a->pos.items[0], &err) < 0) {
        if (!err.remedy[0]) vr_error_remedy(&err, "%s", VR_PLANCHECK_FRESH_PLAN);
        return refuse(a, &err);
    }
    if (vr_plancheck_bounds(saved, a->o.max_deletes, a->o.max_replaces, &err) < 0)
        return refuse(a, &err);
    if (!vr_plan_possible(saved)) {
        for (size_t i = 0; i < saved->org_count; i++)
            for (size_t k = 0; k < saved->orgs[i].diags.count; k++) {
                if (saved->orgs[i].diags.items[k].severity != VR_SEV_ERROR) continue;
                char *line = vr_diag_format(&saved->orgs[i].diags.items[k]);
                char *shown = vr_text_escape(line);
                fprintf(stderr, "%s\n", shown);
                free(shown);
                free(line);
            }
        fprintf(stderr, "vni-reconcile apply: the saved plan cannot be carried out; see the "
                        "errors above; nothing was changed\n");
        return VR_EXIT_INVALID;
    }
    if (vr_plancheck_recorded(saved, &err) < 0 || vr_plancheck_files(saved, &err) < 0)
        return refuse(a, &err);
    for (size_t i = 0; i < saved->file_count; i++)
        vr_strlist_push(&a->o.common.files, saved->files[i].path);
    if (saved->options.shard && (rc = vr_session_set_shard(s, saved->options.shard)) != 0)
        return rc;
    if ((rc = vr_session_load(s)) != 0) return rc;
    const vr_org **orgs = vr_xcalloc(s->org_count + 1, sizeof(*orgs));
    for (size_t i = 0; i < s->org_count; i++)
        orgs[i] = s->orgs[i].org;
    rc = vr_plancheck_inventory(saved, &s->inv, orgs, s->org_count, &err);
    free(orgs);
    return rc < 0 ? refuse(a, &err) : 0;
}

/* The plan of the run, made from the inventory and the live state. For a saved plan: made
 * with its recorded options once the live fingerprint is found unchanged, and carried out only
 * when its actions are exactly the saved ones. */
static int make_plan(apply_cmd *a)
{
    vr_session *s = &a->s;
    int rc;
    if (a->from_file) {
        if ((rc = load_saved(a)) != 0) return rc;
    } else if ((rc = vr_session_load(s)) != 0) {
        return rc;
    }
    a->locks = vr_xcalloc(s->org_count + 1, sizeof(*a->locks));
    for (size_t i = 0; i < s->org_count; i++) {
        vr_lock init = VR_LOCK_INIT;
        a->locks[i] = init;
    }
    if ((rc = vr_session_prepare(s, lock_org, a)) != 0) return rc;
    vr_plan_opts popts;
    vr_plan_opts_init(&popts);
    if (a->from_file) {
        for (size_t i = 0; i < s->org_count; i++)
            if (!s->orgs[i].failed && !plan_still_valid(&s->orgs[i], &a->saved.orgs[i]))
                return VR_EXIT_ERROR;
        vr_plan_opts_from_recorded(&popts, &a->saved.options);
    } else {
        popts.prune = a->o.prune;
        popts.max_deletes = a->o.max_deletes;
        vr_cmd_replace_opts(&popts, &a->o.replace, a->o.replace_drifted, a->o.no_replace_failed,
                            a->o.max_replaces);
    }
    if ((rc = vr_session_plan(s, &popts)) != 0) return rc;
    for (size_t i = 0; a->from_file && i < s->org_count; i++) {
        vr_error err = VR_ERROR_INIT;
        if (!s->orgs[i].failed &&
            vr_plancheck_actions(&a->saved.orgs[i], s->orgs[i].plan, &err) < 0)
            return refuse(a, &err);
    }
    return 0;
}

/* The plan, as plan shows it (text to stdout; errors and all); VR_EXIT_INVALID when it cannot
 * be carried out. */
static int show_plan(const apply_cmd *a, const vr_plan *plan)
{
    bool quiet = a->json || a->o.common.quiet;
    if (!quiet) {
        vr_buf out = VR_BUF_INIT;
        vr_render_opts ropts = {0};
        ropts.color = a->s.use_color;
        ropts.verbose = a->o.common.verbose > 0;
        vr_render_text(&out, plan, &ropts);
        fputs(vr_buf_str(&out), stdout);
        if (out.len && out.data[out.len - 1] != '\n') fputc('\n', stdout);
        fflush(stdout);
        vr_buf_free(&out);
    }
    if (vr_plan_possible(plan)) return 0;
    if (quiet) vr_session_print_plan_errors(plan);
    fprintf(stderr, "vni-reconcile apply: the plan cannot be carried out; see the errors "
                    "above; nothing was changed\n");
    return VR_EXIT_INVALID;
}

static int approve(apply_cmd *a)
{
    a->changes = count_changes(&a->s);
    if (a->from_file || a->o.auto_approve || a->changes == 0) return 0;
    if (ask_approval(a->changes) == 0) return 0;
    fprintf(stderr, "vni-reconcile apply: not approved; nothing was changed\n");
    return VR_EXIT_ERROR;
}

/* Audit log, webhook (its outbox first), all before the first change. */
static int open_outputs(apply_cmd *a)
{
    const vr_common_opts *c = &a->o.common;
    if (c->webhook_url && vr_cmd_read_webhook_secret("apply", c->webhook_secret_file, c->quiet,
                                                     &a->wh_secret, &a->wh_secret_len) < 0)
        return VR_EXIT_ERROR;
    vr_error err = VR_ERROR_INIT;
    int rc = vr_session_open_outputs(&a->s, &a->out, a->wh_secret, a->wh_secret_len, &err);
    a->out_open = true;
    if (rc < 0) {
        vr_session_print_error(&a->s, &err);
        return VR_EXIT_ERROR;
    }
    return 0;
}

/* Applies organization i's plan, on its worker thread; records whether no step failed, the
 * audit log took every record, and the run's --timeout did not stop it. */
static void run_org(void *ctx, size_t i)
{
    apply_cmd *a = ctx;
    vr_session *s = &a->s;
    vr_session_org *so = &s->orgs[i];
    vr_apply_run *run = &a->runs[i];
    if (so->failed) { /* could not be read: said already; never run */
        vr_ordered_done(&a->ordered, i);
        return;
    }
    progress_ctx pc = {s, so, a->o.common.quiet || a->json};
    vr_apply_opts ao;
    vr_apply_opts_init(&ao);
    ao.probe_map = &s->probe_map;
    ao.converge_timeout_ms = a->o.common.converge_timeout_s > 0
                                 ? (int64_t)a->o.common.converge_timeout_s * 1000
                                 : VR_APPLY_DEFAULT_CONVERGE_TIMEOUT_MS;
    ao.keep_going = a->o.keep_going;
    ao.max_creates = a->o.max_creates;
    ao.record = vr_ordered_record;
    ao.record_ctx = &a->ordered.slots[i];
    ao.latency = &run->latency;
    ao.run_deadline_ms = s->deadline_ms;
    ao.progress = print_progress;
    ao.progress_ctx = &pc;
    a->run_ok[i] =
        vr_apply_org(&run->result, so->client, so->plan, so->live.items, so->live.count, &ao) == 0;
    run->ran = true;
    if (run->result.audit_failed) vr_session_print_org_error(s, so, &run->result.audit_err);
    vr_ordered_done(&a->ordered, i);
}

/* Every organization, up to --parallelism at once; one's failure does not stop the others. The
 * results are then taken in the session's order, as a sequential run has them. */
static void run_orgs(apply_cmd *a)
{
    vr_session *s = &a->s;
    a->runs = vr_xcalloc(s->org_count + 1, sizeof(*a->runs));
    a->run_ok = vr_xcalloc(s->org_count + 1, sizeof(*a->run_ok));
    for (size_t i = 0; i < s->org_count; i++)
        a->runs[i].org_id = s->orgs[i].org->id;
    vr_ordered_init(&a->ordered, &a->out, s->org_count);
    vr_pool_run(s->org_count, s->parallelism, run_org, a);
    bool timed_out = false;
    for (size_t i = 0; i < s->org_count; i++) {
        vr_apply_run *run = &a->runs[i];
        timed_out = timed_out || run->result.timed_out;
        vr_error err = VR_ERROR_INIT;
        if (vr_ordered_failed(&a->ordered, i, &err)) {
            vr_session_print_org_error(s, &s->orgs[i], &err);
            run->result.audit_failed = true;
            run->result.audit_err = err;
            a->run_ok[i] = false;
        }
        if (run->ran && !a->run_ok[i]) a->any_failed = true;
        for (int p = 0; p < VR_PHASE_COUNT; p++)
            for (size_t k = 0; k < run->latency.phase[p].count; k++)
                vr_latency_add(&s->latency, (vr_phase)p, run->latency.phase[p].samples[k]);
    }
    if (timed_out)
        fprintf(stderr,
                "vni-reconcile apply: stopped: the run's --timeout of %ld s passed; no step was "
                "begun after it (the steps not attempted are left for the next run)\n",
                a->o.common.timeout_s);
}

/* The live state of organization i after its run, for the audit branch (plan --from-audit
 * plans against it): read again, since the run changed it. Returns 0 with path and json
 * filled, or -1 after a warning (the state recorded earlier stays as it was). */
static int state_after_run(vr_session *s, size_t i, vr_buf *path, vr_buf *json)
{
    vr_session_org *so = &s->orgs[i];
    if (vr_session_reread_org(s, so) == 0 && vr_session_state_file(s, so, path, json) == 0)
        return 0;
    fprintf(stderr,
            "vni-reconcile apply: warning: organization %s: the live state after the run could "
            "not be read, so the state recorded on the audit branch is not updated\n",
            so->org->id);
    return -1;
}

/* Webhook closed, Git reports, metrics. Returns false when a Git report failed, or the
 * outbox or the metrics file could not be written (a file that cannot be written is an error:
 * docs/cli.md "Files"). */
static bool close_outputs(apply_cmd *a)
{
    const vr_common_opts *c = &a->o.common;
    vr_outputs_close_events(&a->out);
    const vr_webhook_stats *wst = &a->out.webhook_stats;
    bool ok = true;
    if (c->webhook_url && wst->outbox_error) {
        fprintf(stderr, "vni-reconcile apply: %s\n", wst->outbox_message);
        ok = false;
    } else if (c->webhook_url && wst->pending && !c->quiet) {
        fprintf(stderr,
                "vni-reconcile apply: webhook: %zu event%s not delivered (%s); kept in %s "
                "for the next run\n",
                wst->pending, wst->pending == 1 ? "" : "s",
                wst->last_error[0] ? wst->last_error : "no answer",
                a->out.outbox ? a->out.outbox : "(none)");
    }
    for (size_t i = 0; c->audit_repo && i < a->s.org_count; i++) {
        if (!a->runs[i].ran) continue;
        vr_error err = VR_ERROR_INIT;
        char commit[41] = "";
        vr_buf sp = VR_BUF_INIT, sj = VR_BUF_INIT;
        bool have_state = state_after_run(&a->s, i, &sp, &sj) == 0;
        vr_gitreport_file state = {vr_buf_str(&sp), sj.data, sj.len};
        int rc =
            vr_outputs_commit_apply(&a->out, &a->runs[i], have_state ? &state : NULL, commit, &err);
        vr_buf_free(&sp);
        vr_buf_free(&sj);
        if (rc == VR_OUTPUTS_BUILD)
            fprintf(stderr, "vni-reconcile apply: audit report of %s: cannot build it\n",
                    a->runs[i].result.org_id);
        else if (rc < 0)
            vr_session_print_error(&a->s, &err);
        else if (!c->quiet)
            fprintf(stderr, "vni-reconcile apply: %s%sreport committed to %s branch %s (%.12s)\n",
                    a->s.org_count > 1 ? a->runs[i].org_id : "", a->s.org_count > 1 ? ": " : "",
                    c->audit_repo, c->audit_branch ? c->audit_branch : VR_GITREPORT_DEFAULT_BRANCH,
                    commit);
        if (rc < 0) ok = false;
    }
    if (c->metrics_file) {
        int *status = NULL;
        vr_outputs_calls calls = vr_session_call_statuses(&a->s, &status);
        vr_error err = VR_ERROR_INIT;
        if (vr_outputs_metrics_apply(&a->out, a->runs, a->s.org_count, &calls, &err) < 0) {
            vr_session_print_error(&a->s, &err);
            ok = false;
        }
        free(status);
    }
    return ok;
}

static void print_result(const apply_cmd *a)
{
    if (a->json) {
        cJSON *j = vr_render_apply_run_json(a->runs, a->s.org_count, a->s.run_id, &a->s.latency);
        char *text = cJSON_Print(j);
        if (text) puts(text);
        free(text);
        cJSON_Delete(j);
    } else {
        vr_buf out = VR_BUF_INIT;
        vr_render_apply_text(&out, a->runs, a->s.org_count, a->changes, &a->s.latency);
        fputs(vr_buf_str(&out), stdout);
        vr_buf_free(&out);
    }
    fflush(stdout);
}

static void apply_cmd_free(apply_cmd *a)
{
    if (a->runs) vr_ordered_free(&a->ordered);
    free(a->run_ok);
    if (a->out_open) vr_outputs_close(&a->out);
    vr_secret_free(a->wh_secret);
    if (a->runs) {
        for (size_t i = 0; i < a->s.org_count; i++)
            vr_apply_run_free(&a->runs[i]);
        free(a->runs);
    }
    if (a->locks) {
        for (size_t i = 0; i < a->s.org_count; i++)
            vr_lock_release(&a->locks[i]);
        free(a->locks);
    }
    vr_session_free(&a->s);
    vr_plan_free(&a->saved);
    vr_strlist_free(&a->o.replace);
    vr_cmd_opts_free(&a->pos, &a->o.common);
}

int cmd_apply(int argc, char **argv)
{
    apply_cmd a;
    memset(&a, 0, sizeof(a));
    int rc = parse_opts(&a, argc, argv);
    if (rc < 0) return VR_EXIT_ERROR;
    vr_session_init(&a.s, &a.o.common, "apply");
    if (rc == 1) {
        rc = VR_EXIT_OK;
    } else if ((rc = check_usage(&a)) == 0 && (rc = make_plan(&a)) == 0 &&
               (rc = show_plan(&a, &a.s.plan)) == 0 && (rc = approve(&a)) == 0 &&
               (rc = open_outputs(&a)) == 0) {
        run_orgs(&a);
        bool reports_ok = close_outputs(&a);
        print_result(&a);
        rc = a.any_failed || !reports_ok || a.s.failed_count ? VR_EXIT_ERROR : VR_EXIT_OK;
    }
    apply_cmd_free(&a);
    return rc;
}
