/* cmd_plan: `vni-reconcile plan`: diff the inventory against live state, print the ordered
 * plan (text, JSON or Markdown), optionally save it and probe the gateways. */
#include "cmd.h"
#include "cmd_pool.h"
#include "cmd_session.h"

#include "vr_planfile.h"
#include "vr_probe.h"
#include "vr_render.h"
#include "vr_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    vr_common_opts common;
    const char *out;
    const char *format;
    const char *shard;
    const char *from_audit;
    bool detailed_exitcode;
    bool probe;
    bool prune;
    long max_deletes;
    vr_strlist replace;
    bool replace_drifted;
    bool no_replace_failed;
    long max_replaces;
    bool help;
} plan_opts;

/* With --probe: every gateway a create of organization i would need is probed now; an
 * unreachable one makes the plan impossible, as apply would stop at that step. Runs on the
 * organization's worker thread: it writes to that organization's diagnostics only. */
static void probe_gateways(void *ctx, size_t i)
{
    vr_session *s = ctx;
    vr_plan_org_result *r = s->orgs[i].plan;
    char prefix[128];
    vr_session_org_prefix(s, &s->orgs[i], prefix, sizeof(prefix));
    for (size_t a = 0; r && a < r->action_count; a++) {
        vr_plan_action *act = &r->actions[a];
        if (act->kind == VR_ACTION_DELETE) continue; /* creates and replacements */
        vr_probe_result pr;
        vr_error err = VR_ERROR_INIT;
        int port = act->iface.probe_port ? act->iface.probe_port : VR_DEFAULT_PROBE_PORT;
        if (vr_probe(&pr, &s->probe_map, &act->iface.remote, port, act->iface.probe_timeout_ms,
                     &err) < 0) {
            vr_diags_add(&r->diags, VR_SEV_ERROR, NULL, "gateway-unreachable",
                         "%s: gateway %s cannot be probed: %s", act->name, act->iface.remote_ip,
                         err.message);
            continue;
        }
        if (pr.status == VR_PROBE_DENIED)
            vr_diags_add(&r->diags, VR_SEV_ERROR, NULL, "probe-refused", "%s: gateway %s: %s",
                         act->name, act->iface.remote_ip, pr.detail);
        else if (pr.status != VR_PROBE_REACHABLE)
            vr_diags_add(&r->diags, VR_SEV_ERROR, NULL, "gateway-unreachable",
                         "%s: gateway %s:%d is %s (probed %s%s)", act->name, act->iface.remote_ip,
                         port, pr.detail, pr.target, pr.redirected ? " via --probe-map" : "");
        else if (s->opts->verbose)
            vr_session_eprintf(
                s, "vni-reconcile plan: %s%s: gateway %s:%d reachable (%s, %lld ms)\n", prefix,
                act->name, act->iface.remote_ip, port, pr.target, pr.latency_ms);
    }
}

/* --from-audit plans against a recorded state: what would need the platform is refused (a
 * saved plan must be applied against the live state it was made from; a probe is network),
 * and the options that only steer the connection are said to have no effect. */
static bool from_audit_refused(const plan_opts *o)
{
    const char *refused = o->out ? "--out" : o->probe ? "--probe" : NULL;
    if (refused) {
        fprintf(stderr,
                "vni-reconcile plan: %s cannot be used with --from-audit: %s\n"
                "  what to do: drop %s, or plan against the platform with credentials\n",
                refused,
                o->out ? "a plan made from a recorded state can never be applied"
                       : "a probe needs the network, and --from-audit makes no connection",
                refused);
        return true;
    }
    const vr_common_opts *c = &o->common;
    const char *ignored = c->api_url              ? "--api-url"
                          : c->region             ? "--region"
                          : c->credentials        ? "--credentials"
                          : c->client_secret_file ? "--client-secret-file"
                          : c->ca_file            ? "--ca-file"
                          : c->probe_map.count    ? "--probe-map"
                                                  : NULL;
    if (ignored && !c->quiet)
        fprintf(stderr,
                "vni-reconcile plan: warning: %s has no effect with --from-audit (no credentials "
                "are read and no connection is made)\n",
                ignored);
    return false;
}

/* Usage checks before any work: options that have no effect on plan (a warning), --out with
 * -f -, the format. Sets *format; false when the run must stop (printed). */
static bool check_usage(const plan_opts *o, const char **format)
{
    /* The common options name every output a run can leave; a plan leaves none of them (it
     * changes nothing, so there is nothing to audit): say so rather than ignore them. */
    const char *unused = o->common.audit_log                        ? "--audit-log"
                         : o->common.audit_repo                     ? "--audit-repo"
                         : o->common.audit_branch && !o->from_audit ? "--audit-branch"
                         : o->common.webhook_url                    ? "--webhook-url"
                         : o->common.metrics_file                   ? "--metrics-file"
                         : o->common.converge_timeout_s             ? "--converge-timeout"
                                                                    : NULL;
    if (unused && !o->common.quiet)
        fprintf(stderr,
                "vni-reconcile plan: warning: %s has no effect on plan (it records apply and drift "
                "runs)\n",
                unused);
    /* A saved plan is checked against the inventory files it names (docs/plan-file.md):
     * standard input cannot be read again. */
    for (size_t i = 0; o->out && i < o->common.files.count; i++)
        if (strcmp(o->common.files.items[i], "-") == 0) {
            fprintf(stderr, "vni-reconcile plan: --out cannot save a plan made from standard "
                            "input (-f -): apply checks a saved plan against the inventory "
                            "files it names, and standard input cannot be read again; give "
                            "the inventory as files\n");
            return false;
        }
    *format = o->format ? o->format : "text";
    if (strcmp(*format, "text") && strcmp(*format, "json") && strcmp(*format, "markdown")) {
        fprintf(stderr, "vni-reconcile plan: --format '%s' is not one of text, json, markdown\n",
                *format);
        return false;
    }
    return !(o->from_audit && from_audit_refused(o));
}

/* The plan on standard output, in format (nothing with -q in text). */
static void print_plan(const vr_session *s, const plan_opts *o, const char *format)
{
    vr_buf out = VR_BUF_INIT;
    vr_render_opts ropts = {0};
    ropts.color = s->use_color && strcmp(format, "text") == 0;
    ropts.verbose = o->common.verbose > 0;
    if (o->common.quiet && strcmp(format, "text") == 0)
        ; /* -q: only errors; the plan file and the exit code still tell the result */
    else if (strcmp(format, "json") == 0)
        vr_render_json(&out, &s->plan);
    else if (strcmp(format, "markdown") == 0)
        vr_render_markdown(&out, &s->plan, &ropts);
    else
        vr_render_text(&out, &s->plan, &ropts);
    fputs(vr_buf_str(&out), stdout);
    if (out.len && out.data[out.len - 1] != '\n') fputc('\n', stdout);
    fflush(stdout);
    vr_buf_free(&out);
}

/* --out: the plan saved, unless an organization could not be read. Returns 0 or
 * VR_EXIT_ERROR (printed). */
static int save_plan(vr_session *s, const plan_opts *o)
{
    if (!o->out) return 0;
    if (s->failed_count) {
        /* A plan without some of its organizations would leave them out of the apply. */
        fprintf(stderr,
                "vni-reconcile plan: the plan was not saved to %s: %zu organization%s could not "
                "be read (see above)\n",
                o->out, s->failed_count, s->failed_count == 1 ? "" : "s");
        return 0;
    }
    vr_error err = VR_ERROR_INIT;
    if (vr_planfile_write(o->out, &s->plan, &err) < 0) {
        vr_session_print_error(s, &err);
        return VR_EXIT_ERROR;
    }
    if (!o->common.quiet)
        fprintf(stderr,
                "vni-reconcile plan: saved the plan to %s; carry it out with "
                "`vni-reconcile apply %s`\n",
                o->out, o->out);
    return 0;
}

/* The exit code of a plan that was made and shown. */
static int plan_exit_code(const vr_session *s, const plan_opts *o, const char *format)
{
    int rc = VR_EXIT_OK;
    if (!vr_plan_possible(&s->plan)) {
        if (o->common.quiet && strcmp(format, "text") == 0) vr_session_print_plan_errors(&s->plan);
        fprintf(stderr, "vni-reconcile plan: the plan cannot be carried out; see the errors "
                        "above\n");
        rc = VR_EXIT_INVALID;
    } else if (o->detailed_exitcode && vr_plan_has_changes(&s->plan)) {
        rc = VR_EXIT_CHANGES;
    }
    /* Organizations that could not be read: the others were planned and shown, and the run is
     * an error, whatever they hold (the same with any --parallelism). */
    return s->failed_count ? VR_EXIT_ERROR : rc;
}

int cmd_plan(int argc, char **argv)
{
    plan_opts o;
    memset(&o, 0, sizeof(o));
    o.max_deletes = 1;
    o.max_replaces = 1;
    vr_opt table[] = {
        {"out", 0, VR_OPT_STRING, &o.out, "FILE", "save the plan as JSON for `apply FILE`", 0, 0},
        {"format", 0, VR_OPT_STRING, &o.format, "FORMAT", "text (default), json or markdown", 0, 0},
        {"detailed-exitcode", 0, VR_OPT_FLAG, &o.detailed_exitcode, NULL,
         "exit 2 when there are changes", 0, 0},
        {"probe", 0, VR_OPT_FLAG, &o.probe, NULL, "probe the gateway of every create now", 0, 0},
        {"prune", 0, VR_OPT_FLAG, &o.prune, NULL,
         "plan deletions of managed connections the inventory no longer names", 0, 0},
        {"max-deletes", 0, VR_OPT_LONG, &o.max_deletes, "N", "at most N deletions (default 1)", 0,
         100000},
        {"shard", 0, VR_OPT_STRING, &o.shard, "I/N", "only the I-th of N shares of organizations",
         0, 0},
        VR_OPTS_REPLACE(&o.replace, &o.replace_drifted, &o.no_replace_failed, &o.max_replaces),
        {"from-audit", 0, VR_OPT_STRING, &o.from_audit, "DIR",
         "plan against the state recorded on the audit branch of DIR (no network)", 0, 0},
        VR_OPTS_COMMON(&o.common),
        {"help", 'h', VR_OPT_FLAG, &o.help, NULL, "show this help", 0, 0},
        {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
    };
    vr_strlist pos = {0};
    if (vr_cmd_parse("plan", table, argc, argv, &pos, &o.common) < 0) return VR_EXIT_ERROR;
    int rc = VR_EXIT_ERROR;
    vr_session s;
    vr_session_init(&s, &o.common, "plan");
    if (o.help) {
        puts("usage: vni-reconcile plan -f PATH... [--out FILE] [--format text|json|markdown]\n"
             "                          [--detailed-exitcode] [--probe] [--replace NAME]...\n"
             "                          [--replace-drifted] [--no-replace-failed] [options]\n"
             "       vni-reconcile plan -f PATH... --from-audit DIR [--audit-branch NAME]\n"
             "                          [--format text|json|markdown] [--detailed-exitcode]\n\n"
             "Diffs the inventory against the live organization and prints the ordered plan.\n"
             "With --from-audit, against the live state the last apply or drift recorded on\n"
             "the audit branch instead: no credentials, no network (pull requests from forks).\n"
             "exit: 0 no changes (or changes, without --detailed-exitcode), 1 error,\n"
             "      2 changes (--detailed-exitcode), 3 invalid inventory or impossible plan\n");
        vr_opts_help(stdout, table);
        rc = VR_EXIT_OK;
        goto done;
    }
    for (size_t i = 0; i < pos.count; i++)
        vr_strlist_push(&o.common.files, pos.items[i]);
    const char *format = NULL;
    if (!check_usage(&o, &format)) goto done;
    if (o.shard && (rc = vr_session_set_shard(&s, o.shard)) != 0) goto done;
    if ((rc = vr_session_load(&s)) != 0) goto done;
    if (o.from_audit) {
        /* no credentials are read and no client is made: the recorded state stands in */
        if ((rc = vr_session_read_recorded(&s, o.from_audit, o.common.audit_branch)) != 0)
            goto done;
    } else if ((rc = vr_session_prepare(&s, NULL, NULL)) != 0) {
        goto done;
    }
    vr_plan_opts popts;
    vr_plan_opts_init(&popts);
    popts.prune = o.prune;
    popts.max_deletes = o.max_deletes;
    vr_cmd_replace_opts(&popts, &o.replace, o.replace_drifted, o.no_replace_failed, o.max_replaces);
    if ((rc = vr_session_plan(&s, &popts)) != 0) goto done;
    /* The plan holds copies of all it shows: the live listings and the inventory's interfaces
     * (megabytes for 10,000) go before it is rendered. */
    for (size_t i = 0; i < s.org_count; i++) {
        vr_iface_list_free(&s.orgs[i].live);
        vr_org_drop_ifaces(s.orgs[i].org);
    }
    if (o.probe) vr_pool_run(s.org_count, s.parallelism, probe_gateways, &s);

    print_plan(&s, &o, format);
    if ((rc = save_plan(&s, &o)) != 0) goto done;
    rc = plan_exit_code(&s, &o, format);
done:
    vr_session_free(&s);
    vr_strlist_free(&o.replace);
    vr_cmd_opts_free(&pos, &o.common);
    return rc;
}
