/* cmd_session: the pipeline plan, apply and drift share: inventory, clients, guard, live state,
 * plan. Prints its own errors (cmd/ is the room that prints). */
#include "cmd_session.h"
#include "cmd_pool.h"
#include "vr_errcode.h"

#include "vr_checks.h"
#include "vr_credentials.h"
#include "vr_gitreport.h"
#include "vr_inventory.h"
#include "vr_planfile.h"
#include "vr_snapshot.h"
#include "vr_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vr_session_init(vr_session *s, const vr_common_opts *opts, const char *command)
{
    memset(s, 0, sizeof(*s));
    s->opts = opts;
    s->command = command;
    vr_uuid4(s->run_id);
    s->use_color = vr_use_color(stdout, opts->no_color);
    s->parallelism = opts->parallelism ? opts->parallelism : VR_POOL_DEFAULT_WIDTH;
    pthread_mutex_init(&s->stderr_lock, NULL);
    pthread_mutex_init(&s->steps_lock, NULL);
    if (opts->timeout_s > 0) s->deadline_ms = vr_now_ms() + (int64_t)opts->timeout_s * 1000;
}

int vr_session_step(vr_session *s, const char *fmt, ...)
{
    vr_buf next = VR_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vr_buf_vprintf(&next, fmt, ap);
    va_end(ap);
    int rc = 0;
    pthread_mutex_lock(&s->steps_lock);
    if (s->deadline_ms > 0 && vr_now_ms() >= s->deadline_ms) {
        if (!s->timed_out)
            vr_session_eprintf(s,
                               "vni-reconcile %s: stopped: the run's --timeout of %ld s passed\n"
                               "  done: %s\n"
                               "  not done: %s, and what follows; nothing was changed\n",
                               s->command, s->opts->timeout_s,
                               s->steps_done.len ? vr_buf_str(&s->steps_done) : "nothing",
                               vr_buf_str(&next));
        s->timed_out = true;
        rc = VR_EXIT_ERROR;
    } else {
        vr_buf_printf(&s->steps_done, "%s%s", s->steps_done.len ? ", " : "", vr_buf_str(&next));
    }
    pthread_mutex_unlock(&s->steps_lock);
    vr_buf_free(&next);
    return rc;
}

static void free_calls(vr_session_org *o)
{
    for (size_t i = 0; i < o->call_count; i++) {
        free(o->calls[i].method);
        free(o->calls[i].path);
        free(o->calls[i].correlation_id);
    }
    free(o->calls);
}

void vr_session_free(vr_session *s)
{
    for (size_t i = 0; i < s->org_count; i++) {
        vr_session_org *o = &s->orgs[i];
        vr_client_free(o->client);
        vr_credentials_clear(&o->creds);
        vr_org_info_clear(&o->me);
        vr_iface_list_free(&o->live);
        vr_routing_table_list_free(&o->tables);
        free_calls(o);
        free(o->recorded_state.branch);
        free(o->recorded_state.commit);
        free(o->recorded_state.recorded_at);
        free(o->recorded_state.command);
    }
    free(s->orgs);
    vr_plan_free(&s->plan);
    vr_diags_free(&s->diags);
    vr_inventory_free(&s->inv);
    vr_probe_map_free(&s->probe_map);
    vr_latency_free(&s->latency);
    pthread_mutex_destroy(&s->stderr_lock);
    pthread_mutex_destroy(&s->steps_lock);
    vr_buf_free(&s->steps_done);
    vr_credentials_file_free(&s->creds_file);
    memset(s, 0, sizeof(*s));
}

int vr_session_set_shard(vr_session *s, const char *text)
{
    long i = 0, n = 0;
    const char *slash = text ? strchr(text, '/') : NULL;
    char left[32];
    if (slash && (size_t)(slash - text) < sizeof(left)) {
        memcpy(left, text, (size_t)(slash - text));
        left[slash - text] = '\0';
    }
    if (!slash || (size_t)(slash - text) >= sizeof(left) || vr_parse_long(left, 1, 10000, &i) < 0 ||
        vr_parse_long(slash + 1, 1, 10000, &n) < 0 || i > n) {
        fprintf(stderr,
                "vni-reconcile %s: --shard '%s' is not I/N with 1 <= I <= N (e.g. --shard 2/4)\n",
                s->command, text ? text : "");
        return VR_EXIT_ERROR;
    }
    s->shard_index = i;
    s->shard_count = n;
    return 0;
}

/* The shard an organization belongs to, 1-based: stable across runs and machines. */
static long shard_of(const char *org_id, long count)
{
    char hex[65];
    vr_sha256_hex(org_id, strlen(org_id), hex);
    unsigned long long v = 0;
    for (int k = 0; k < 16; k++) {
        char c = hex[k];
        v = (v << 4) | (unsigned long long)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return 1 + (long)(v % (unsigned long long)count);
}

static void print_diags(const vr_session *s)
{
    for (size_t i = 0; i < s->diags.count; i++) {
        char *line = vr_diag_format(&s->diags.items[i]);
        fprintf(stderr, "%s\n", line);
        free(line);
    }
}

int vr_session_load(vr_session *s)
{
    const vr_common_opts *o = s->opts;
    if (o->files.count == 0) {
        fprintf(stderr,
                "vni-reconcile %s: no inventory given; use -f PATH (a file, a folder or -)\n",
                s->command);
        return VR_EXIT_ERROR;
    }
    for (size_t i = 0; i < o->probe_map.count; i++) {
        vr_error err = VR_ERROR_INIT;
        if (vr_probe_map_add(&s->probe_map, o->probe_map.items[i], &err) < 0) {
            fprintf(stderr, "vni-reconcile %s: %s\n", s->command, err.message);
            return VR_EXIT_ERROR;
        }
    }
    /* Every error in one run, as validate reports them: the cross-checks run on what loaded
     * even when some of it is invalid. */
    int rc = vr_inventory_load(&s->inv, o->files.items, o->files.count, &s->diags);
    if (vr_inventory_check(&s->inv, &s->diags) < 0) rc = -1;
    /* validate's offline warning past the documented default limit: plan, apply and drift
     * read the organization's real limit and judge by that. */
    vr_diags_remove(&s->diags, VR_SEV_WARNING, "over-limit");
    vr_diags_sort(&s->diags);
    print_diags(s);
    if (rc < 0 || s->diags.errors) {
        fprintf(stderr,
                "vni-reconcile %s: the inventory is invalid (%zu error%s); nothing was read "
                "from the platform\n",
                s->command, s->diags.errors, s->diags.errors == 1 ? "" : "s");
        return VR_EXIT_INVALID;
    }
    s->orgs = vr_xcalloc(s->inv.org_count ? s->inv.org_count : 1, sizeof(*s->orgs));
    for (size_t i = 0; i < s->inv.org_count; i++) {
        vr_org *org = &s->inv.orgs[i];
        if (s->shard_count && shard_of(org->id, s->shard_count) != s->shard_index) continue;
        s->orgs[s->org_count++].org = org;
    }
    return 0;
}

void vr_session_eprintf(const vr_session *s, const char *fmt, ...)
{
    vr_buf b = VR_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vr_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    /* The lock is the session's own even when the session is handed out const. */
    pthread_mutex_t *lock = (pthread_mutex_t *)&s->stderr_lock;
    pthread_mutex_lock(lock);
    (void)vr_write_all(STDERR_FILENO, b.data, b.len); /* nowhere to say it failed */
    pthread_mutex_unlock(lock);
    vr_buf_free(&b);
}

const char *vr_session_org_prefix(const vr_session *s, const vr_session_org *so, char *buf,
                                  size_t len)
{
    if (s->org_count > 1 && so && so->org && so->org->id)
        snprintf(buf, len, "%s ", so->org->id);
    else if (len)
        buf[0] = '\0';
    return buf;
}

/* The error as printed: "vni-reconcile CMD: [organization ID: ]what failed" and its details. */
static void print_error_about(const vr_session *s, const vr_session_org *so, const vr_error *raw)
{
    vr_error copy = *raw; /* the platform's texts go to a terminal escaped */
    vr_error_escape_controls(&copy);
    const vr_error *err = &copy;
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "vni-reconcile %s: ", s->command);
    if (so && s->org_count > 1) vr_buf_printf(&b, "organization %s: ", so->org->id);
    vr_buf_printf(&b, "%s\n", err->message[0] ? err->message : "failed");
    if (err->http_status || err->code[0]) {
        vr_buf_puts(&b, "  status: ");
        if (err->http_status) vr_buf_printf(&b, "HTTP %d", err->http_status);
        if (err->code[0]) vr_buf_printf(&b, "%s%s", err->http_status ? ", code " : "", err->code);
        vr_buf_puts(&b, "\n");
    }
    if (err->attempts > 1)
        vr_buf_printf(&b, "  tries: %d over %lld ms\n", err->attempts, err->elapsed_ms);
    if (err->correlation_id[0]) vr_buf_printf(&b, "  correlation id: %s\n", err->correlation_id);
    if (err->remedy[0]) vr_buf_printf(&b, "  what to do: %s\n", err->remedy);
    vr_session_eprintf(s, "%s", vr_buf_str(&b));
    vr_buf_free(&b);
}

void vr_session_print_error(const vr_session *s, const vr_error *err)
{
    print_error_about(s, NULL, err);
}

void vr_session_print_org_error(const vr_session *s, const vr_session_org *so, const vr_error *err)
{
    print_error_about(s, so, err);
}

void vr_session_print_plan_errors(const vr_plan *plan)
{
    for (size_t i = 0; i < plan->org_count; i++)
        for (size_t k = 0; k < plan->orgs[i].diags.count; k++) {
            if (plan->orgs[i].diags.items[k].severity != VR_SEV_ERROR) continue;
            char *line = vr_diag_format(&plan->orgs[i].diags.items[k]);
            if (plan->org_count > 1)
                fprintf(stderr, "organization %s: %s\n", plan->orgs[i].org_id, line);
            else
                fprintf(stderr, "%s\n", line);
            free(line);
        }
}

void vr_session_call_hook(void *ctx, const vr_call_record *rec)
{
    vr_session_org *s = ctx;
    if (s->call_count == s->call_cap) {
        s->call_cap = s->call_cap ? s->call_cap * 2 : 64;
        s->calls = vr_xrealloc(s->calls, s->call_cap * sizeof(*s->calls));
    }
    vr_session_call *c = &s->calls[s->call_count++];
    c->method = vr_strdup(rec->method);
    c->path = vr_strdup(rec->path);
    c->status = rec->status;
    c->attempts = rec->attempts;
    c->latency_ms = rec->latency_ms;
    c->correlation_id = vr_strdup(rec->correlation_id ? rec->correlation_id : "");
}

void vr_session_outputs_config(const vr_session *s, vr_outputs_config *out)
{
    const vr_common_opts *o = s->opts;
    memset(out, 0, sizeof(*out));
    out->run_id = s->run_id;
    out->audit_log = o->audit_log;
    out->webhook_url = o->webhook_url;
    out->metrics_file = o->metrics_file;
    out->audit_repo = o->audit_repo;
    out->audit_branch = o->audit_branch;
    out->transport = &s->transport;
}

/* What the audit log's spool gave back from killed runs, and what it dropped (warnings). */
static void print_recovery(const vr_session *s, const vr_outputs *out)
{
    if (s->opts->quiet) return;
    for (size_t i = 0; i < out->spool_notes.count; i++) {
        char *line = vr_diag_format(&out->spool_notes.items[i]);
        vr_session_eprintf(s, "vni-reconcile %s: %s\n", s->command, line);
        free(line);
    }
    const vr_spool_recovery *r = &out->recovered;
    if (!r->files) return;
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b,
                  "vni-reconcile %s: warning: audit log %s: recovered %zu record%s that a killed "
                  "run had spooled in %s (they were waiting for their organization's turn)",
                  s->command, out->cfg.audit_log, r->records, r->records == 1 ? "" : "s",
                  out->spool.dir);
    if (r->copies)
        vr_buf_printf(&b, "; %zu already in the log %s not appended again", r->copies,
                      r->copies == 1 ? "was" : "were");
    if (r->dropped)
        vr_buf_printf(&b, "; %zu line%s dropped (above)", r->dropped, r->dropped == 1 ? "" : "s");
    vr_buf_puts(&b, "; they are in the log before this run's records\n");
    vr_session_eprintf(s, "%s", vr_buf_str(&b));
    vr_buf_free(&b);
}

int vr_session_open_outputs(const vr_session *s, vr_outputs *out, const char *wh_secret,
                            size_t wh_secret_len, vr_error *err)
{
    vr_outputs_config cfg;
    vr_session_outputs_config(s, &cfg);
    cfg.webhook_secret = wh_secret;
    cfg.webhook_secret_len = wh_secret_len;
    const char **secrets = NULL;
    vr_session_secrets(s, &secrets, &cfg.redaction_count);
    cfg.redactions = secrets;
    int rc = vr_outputs_open(out, &cfg, err);
    free(secrets);
    print_recovery(s, out);
    return rc;
}

vr_outputs_calls vr_session_call_statuses(const vr_session *s, int **status)
{
    size_t total = 0, n = 0;
    for (size_t i = 0; i < s->org_count; i++)
        total += s->orgs[i].call_count;
    *status = vr_xcalloc(total + 1, sizeof(**status));
    for (size_t i = 0; i < s->org_count; i++)
        for (size_t k = 0; k < s->orgs[i].call_count; k++)
            (*status)[n++] = s->orgs[i].calls[k].status;
    vr_outputs_calls c = {*status, n};
    return c;
}

void vr_session_correlation_ids(const vr_session_org *so, const char ***out, size_t *count)
{
    const char **ids = vr_xcalloc(so->call_count + 1, sizeof(*ids));
    size_t n = 0;
    for (size_t i = 0; i < so->call_count; i++)
        if (so->calls[i].correlation_id[0]) ids[n++] = so->calls[i].correlation_id;
    *out = ids;
    *count = n;
}

/* The organization's credentials: its entry in the --credentials file (read once, by
 * vr_session_prepare before the worker threads start), or the environment (and
 * --client-secret-file) when the file has none for it. Runs on a worker thread: reads s only. */
static int load_credentials(const vr_session *s, vr_session_org *so, vr_error *err)
{
    const vr_common_opts *o = s->opts;
    const vr_credentials_entry *e =
        s->creds_file_loaded ? vr_credentials_file_find(&s->creds_file, so->org->id) : NULL;
    if (!e) return vr_credentials_load(&so->creds, o->client_secret_file, err);
    bool loose = false;
    char *secret = NULL;
    if (vr_secret_read_file(&secret, &loose, e->secret_file, err) < 0) return -1;
    so->creds.client_id = vr_strdup(e->client_id);
    so->creds.client_secret = secret;
    so->creds.source = vr_strdup(e->secret_file);
    so->creds.secret_file_loose = loose;
    return 0;
}

/* Endpoints, credentials, client and guard of one organization. Returns 0, or -1 (printed). */
static int connect_org(vr_session *s, vr_session_org *so)
{
    const vr_common_opts *o = s->opts;
    if (vr_session_step(s, "connect to organization %s", so->org->id) != 0) return -1;
    vr_error err = VR_ERROR_INIT;
    vr_endpoint_inputs in = {0};
    in.api_url_option = o->api_url;
    in.region_option = o->region;
    in.inventory_region = so->org->region;
    vr_endpoint_inputs_from_env(&in);
    if (vr_endpoints_resolve(&so->endpoints, &in, &err) < 0 || load_credentials(s, so, &err) < 0) {
        vr_session_print_org_error(s, so, &err);
        return -1;
    }
    if (so->creds.secret_file_loose && !o->quiet)
        vr_session_eprintf(s,
                           "vni-reconcile %s: warning: the client secret file %s is readable by "
                           "group or others; chmod 600 it\n",
                           s->command, so->creds.source);
    vr_client_config cfg = {0};
    cfg.api_base = so->endpoints.api_base;
    cfg.login_base = so->endpoints.login_base;
    cfg.creds = &so->creds;
    vr_http_config_init(&cfg.http);
    cfg.http.hook = vr_session_call_hook;
    cfg.http.hook_ctx = so;
    cfg.http.transport = &s->transport;
    if (o->call_timeout_s > 0) cfg.http.call_budget_ms = (int64_t)o->call_timeout_s * 1000;
    cfg.http.run_deadline_ms = s->deadline_ms;
    if (vr_client_new(&so->client, &cfg, &err) < 0 ||
        vr_client_org_me(so->client, &so->me, &err) < 0) {
        vr_session_print_org_error(s, so, &err);
        return -1;
    }
    if (!so->org->id[0] && so->me.id) {
        /* export without --org: the organization is the credentials' own (docs/api.md §6a) */
        free(so->org->id);
        so->org->id = vr_strdup(so->me.id);
    }
    if (!so->me.id || strcmp(so->me.id, so->org->id) != 0) {
        /* The id and name are the platform's: control characters are shown escaped. */
        char *me_id = vr_text_escape(so->me.id ? so->me.id : "(none)");
        char *me_name = so->me.name ? vr_text_escape(so->me.name) : NULL;
        vr_session_eprintf(s,
                           "vni-reconcile %s: the credentials belong to organization %s%s%s%s, "
                           "not to %s, which %s names\n"
                           "  what to do: use the OAuth client of organization %s (or a "
                           "--credentials file entry for it); nothing was read or changed\n",
                           s->command, me_id, me_name ? " (" : "", me_name ? me_name : "",
                           me_name ? ")" : "", so->org->id,
                           strcmp(s->command, "export") == 0 ? "--org" : "the inventory",
                           so->org->id);
        free(me_id);
        free(me_name);
        return -1;
    }
    return 0;
}

/* Every live connection, the limit, the routing tables. Returns 0, or -1 (printed). */
static int read_org(vr_session *s, vr_session_org *so)
{
    if (vr_session_step(s, "read the live state of organization %s", so->org->id) != 0) return -1;
    vr_error err = VR_ERROR_INIT;
    vr_iface_list_free(&so->live);
    vr_routing_table_list_free(&so->tables);
    if (vr_client_list_connections(so->client, &so->live, &err) < 0 ||
        vr_client_limits(so->client, &so->limits, &err) < 0 ||
        vr_client_list_routing_tables(so->client, &so->tables, &err) < 0) {
        vr_session_print_org_error(s, so, &err);
        return -1;
    }
    so->live_read_ms = vr_wall_ms();
    return 0;
}

int vr_session_reread_org(vr_session *s, vr_session_org *so)
{
    return read_org(s, so);
}

typedef struct {
    vr_session *s;
    vr_session_step_fn between;
    void *ctx;
} prepare_ctx;

/* One organization, on its worker thread: it touches only s->orgs[i] (and prints whole). */
static void prepare_org(void *ctx, size_t i)
{
    prepare_ctx *p = ctx;
    vr_session_org *so = &p->s->orgs[i];
    so->failed = connect_org(p->s, so) < 0 || (p->between && p->between(p->ctx, p->s, i) < 0) ||
                 read_org(p->s, so) < 0;
}

int vr_session_prepare(vr_session *s, vr_session_step_fn between, void *ctx)
{
    vr_error terr = VR_ERROR_INIT;
    if (vr_transport_from_env(&s->transport, s->opts->ca_file, &terr) < 0) {
        vr_session_print_error(s, &terr);
        return VR_EXIT_ERROR;
    }
    if (s->opts->credentials && !s->creds_file_loaded) {
        if (vr_credentials_file_load(&s->creds_file, s->opts->credentials, &terr) < 0) {
            vr_session_print_error(s, &terr);
            return VR_EXIT_ERROR;
        }
        s->creds_file_loaded = true;
    }
    prepare_ctx p = {s, between, ctx};
    vr_pool_run(s->org_count, s->parallelism, prepare_org, &p);
    s->failed_count = 0;
    for (size_t i = 0; i < s->org_count; i++)
        s->failed_count += s->orgs[i].failed;
    return s->org_count && s->failed_count == s->org_count ? VR_EXIT_ERROR : 0;
}

/* One organization's recorded state into so. Returns 0, or -1 (printed). */
static int read_recorded_org(vr_session *s, vr_session_org *so, const char *repo_dir,
                             const char *branch)
{
    vr_buf path = VR_BUF_INIT;
    vr_error err = VR_ERROR_INIT;
    char *text = NULL, commit[41] = "";
    size_t len = 0;
    vr_snapshot snap;
    memset(&snap, 0, sizeof(snap));
    int rc = -1;
    if (vr_gitreport_state_path(&path, so->org->id) < 0) {
        fprintf(stderr, "vni-reconcile %s: organization id '%s' cannot name a recorded state\n",
                s->command, so->org->id);
        goto done;
    }
    int found = vr_gitreport_read_file(repo_dir, branch, vr_buf_str(&path), VR_SNAPSHOT_MAX_BYTES,
                                       &text, &len, commit, &err);
    if (found < 0) {
        vr_session_print_error(s, &err);
        goto done;
    }
    if (found > 0) {
        fprintf(stderr,
                "vni-reconcile %s: organization %s has no recorded live state (%s on branch %s "
                "of %s)\n"
                "  what to do: run `vni-reconcile drift --audit-repo` (or apply) for it and push "
                "the branch, or plan it with credentials against the platform\n",
                s->command, so->org->id, vr_buf_str(&path), branch, repo_dir);
        goto done;
    }
    if (vr_snapshot_parse(&snap, text, len, so->org->id, &err) < 0) {
        fprintf(stderr,
                "vni-reconcile %s: the recorded live state of organization %s cannot be used: "
                "%s (branch %s, commit %.12s): %s\n",
                s->command, so->org->id, vr_buf_str(&path), branch, commit, err.message);
        goto done;
    }
    vr_iface_list_free(&so->live);
    vr_routing_table_list_free(&so->tables);
    so->live = snap.live;
    so->tables = snap.tables;
    so->limits = snap.limits;
    memset(&snap.live, 0, sizeof(snap.live));
    memset(&snap.tables, 0, sizeof(snap.tables));
    so->recorded_state.branch = vr_strdup(branch);
    so->recorded_state.commit = vr_strdup(commit);
    so->recorded_state.recorded_at = vr_strdup(snap.recorded_at);
    so->recorded_state.command = vr_strdup(snap.command);
    rc = 0;
done:
    vr_snapshot_free(&snap);
    free(text);
    vr_buf_free(&path);
    return rc;
}

int vr_session_read_recorded(vr_session *s, const char *repo_dir, const char *branch)
{
    if (!branch || !branch[0]) branch = VR_GITREPORT_DEFAULT_BRANCH;
    s->failed_count = 0;
    for (size_t i = 0; i < s->org_count; i++) {
        s->orgs[i].failed = read_recorded_org(s, &s->orgs[i], repo_dir, branch) < 0;
        s->failed_count += s->orgs[i].failed;
    }
    return s->org_count && s->failed_count == s->org_count ? VR_EXIT_ERROR : 0;
}

int vr_session_state_file(const vr_session *s, const vr_session_org *so, vr_buf *path, vr_buf *json)
{
    vr_snapshot_meta meta = {so->org->id, s->command, s->run_id, so->live_read_ms};
    if (vr_gitreport_state_path(path, so->org->id) < 0) return -1;
    return vr_snapshot_write(json, &meta, so->live.items, so->live.count, &so->limits,
                             so->tables.items, so->tables.count);
}

void vr_cmd_replace_opts(vr_plan_opts *popts, const vr_strlist *names, bool drifted, bool no_failed,
                         long max_replaces)
{
    popts->replace = names->items;
    popts->replace_count = names->count;
    popts->replace_drifted = drifted;
    popts->replace_failed = !no_failed;
    popts->max_replaces = max_replaces;
}

int vr_session_plan(vr_session *s, const vr_plan_opts *popts)
{
    if (vr_session_step(s, "make the plan") != 0) return VR_EXIT_ERROR;
    vr_plan_free(&s->plan);
    vr_plan_set_meta(&s->plan, &s->inv, vr_wall_ms());
    vr_error err = VR_ERROR_INIT;
    bool has_stdin = false;
    for (size_t i = 0; i < s->opts->files.count; i++)
        has_stdin |= strcmp(s->opts->files.items[i], "-") == 0;
    if (!has_stdin &&
        vr_planfile_git_commit(&s->plan.git_commit, &s->plan.git_dirty, s->opts->files.items,
                               s->opts->files.count, &err) < 0) {
        /* The commit is informative: say so and go on. */
        fprintf(stderr, "vni-reconcile %s: warning: %s\n", s->command, err.message);
    }
    for (size_t i = 0; i < s->org_count; i++) {
        vr_session_org *so = &s->orgs[i];
        if (so->failed) continue;
        vr_plan_table *tables = vr_xcalloc(so->tables.count + 1, sizeof(*tables));
        for (size_t t = 0; t < so->tables.count; t++) {
            tables[t].id = so->tables.items[t].id;
            tables[t].name = so->tables.items[t].name;
        }
        vr_plan_ctx ctx = {0};
        ctx.limit = so->limits.connections_max;
        ctx.limit_defaulted = so->limits.limit_defaulted;
        ctx.tables = tables;
        ctx.table_count = so->tables.count;
        ctx.opts = *popts;
        if (!ctx.opts.managed_prefix) ctx.opts.managed_prefix = so->org->managed_prefix;
        vr_plan_org_result *r = vr_plan_add_org(&s->plan);
        int rc = vr_plan_org(r, so->org, so->live.items, so->live.count, &ctx);
        free(tables);
        if (rc == 0 && so->recorded_state.commit) {
            r->recorded_state.branch = vr_strdup(so->recorded_state.branch);
            r->recorded_state.commit = vr_strdup(so->recorded_state.commit);
            r->recorded_state.recorded_at = vr_strdup(so->recorded_state.recorded_at);
            r->recorded_state.command = vr_strdup(so->recorded_state.command);
        }
        if (rc < 0) {
            fprintf(stderr, "vni-reconcile %s: cannot plan organization %s\n", s->command,
                    so->org->id);
            return VR_EXIT_ERROR;
        }
    }
    /* vr_plan_add_org may move the array: take the pointers once it is complete. */
    for (size_t i = 0, k = 0; i < s->org_count; i++)
        s->orgs[i].plan = s->orgs[i].failed ? NULL : &s->plan.orgs[k++];
    /* --replace names no organization holds: the first organization's errors (exit 3) */
    vr_plan_record_opts(&s->plan, popts);
    if (s->shard_count) {
        vr_buf shard = VR_BUF_INIT;
        vr_buf_printf(&shard, "%ld/%ld", s->shard_index, s->shard_count);
        s->plan.options.shard = vr_buf_detach(&shard);
    }
    if (vr_plan_check_replace_names(&s->plan, &s->inv, popts) && s->plan.org_count == 0) {
        fprintf(stderr,
                "vni-reconcile %s: --replace names an interface the inventory does not "
                "hold\n",
                s->command);
        return VR_EXIT_INVALID;
    }
    return 0;
}

void vr_session_secrets(const vr_session *s, const char ***out, size_t *count)
{
    const char **list = vr_xcalloc(2 * s->org_count + 1, sizeof(*list));
    size_t n = 0;
    for (size_t i = 0; i < s->org_count; i++) {
        if (s->orgs[i].creds.client_secret) list[n++] = s->orgs[i].creds.client_secret;
        if (s->orgs[i].creds.access_token) list[n++] = s->orgs[i].creds.access_token;
    }
    *out = list;
    *count = n;
}
