/* cmd_session: the pipeline plan, apply and drift share: inventory, clients, guard, live state,
 * plan. Prints its own errors (cmd/ is the room that prints). */
#include "cmd_session.h"

#include "vr_checks.h"
#include "vr_inventory.h"
#include "vr_planfile.h"
#include "vr_util.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

void vr_session_init(vr_session *s, const vr_common_opts *opts, const char *command)
{
    memset(s, 0, sizeof(*s));
    s->opts = opts;
    s->command = command;
    vr_uuid4(s->run_id);
    s->use_color = vr_use_color(stdout, opts->no_color);
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
    }
    free(s->orgs);
    for (size_t i = 0; i < s->call_count; i++) {
        free(s->calls[i].method);
        free(s->calls[i].path);
        free(s->calls[i].correlation_id);
    }
    free(s->calls);
    vr_plan_free(&s->plan);
    vr_diags_free(&s->diags);
    vr_inventory_free(&s->inv);
    vr_probe_map_free(&s->probe_map);
    vr_latency_free(&s->latency);
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

void vr_session_print_error(const vr_session *s, const vr_error *raw)
{
    vr_error copy = *raw; /* the platform's texts go to a terminal escaped */
    vr_error_escape_controls(&copy);
    const vr_error *err = &copy;
    fprintf(stderr, "vni-reconcile %s: %s\n", s->command,
            err->message[0] ? err->message : "failed");
    if (err->http_status || err->code[0]) {
        fprintf(stderr, "  status: ");
        if (err->http_status) fprintf(stderr, "HTTP %d", err->http_status);
        if (err->code[0]) fprintf(stderr, "%s%s", err->http_status ? ", code " : "", err->code);
        fputc('\n', stderr);
    }
    if (err->attempts > 1)
        fprintf(stderr, "  tries: %d over %lld ms\n", err->attempts, err->elapsed_ms);
    if (err->correlation_id[0]) fprintf(stderr, "  correlation id: %s\n", err->correlation_id);
    if (err->remedy[0]) fprintf(stderr, "  what to do: %s\n", err->remedy);
}

void vr_session_call_hook(void *ctx, const vr_call_record *rec)
{
    vr_session *s = ctx;
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
    c->org_index = s->current_org;
}

void vr_session_correlation_ids(const vr_session *s, size_t org_index, const char ***out,
                                size_t *count)
{
    const char **ids = vr_xcalloc(s->call_count + 1, sizeof(*ids));
    size_t n = 0;
    for (size_t i = 0; i < s->call_count; i++)
        if (s->calls[i].org_index == org_index && s->calls[i].correlation_id[0])
            ids[n++] = s->calls[i].correlation_id;
    *out = ids;
    *count = n;
}

/* ---- the --credentials file: a YAML map from organization id to
 *      {clientId: ..., clientSecretFile: ...}; relative paths are relative to the file ---- */

static const yaml_node_t *map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

int vr_session_credentials_entry(const char *path, const char *org_id, vr_cred_entry *out,
                                 vr_error *err)
{
    memset(out, 0, sizeof(*out));
    char *text = NULL;
    size_t len = 0;
    if (vr_read_file(path, 1024 * 1024, &text, &len) != 0) {
        vr_error_set(err, "credentials.file", "credentials file %s: cannot read it", path);
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = -1;
    if (!yaml_parser_load(&parser, &doc)) {
        vr_error_set(err, "credentials.file", "credentials file %s:%zu:%zu: %s", path,
                     parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                     parser.problem ? parser.problem : "not YAML");
        yaml_parser_delete(&parser);
        free(text);
        return -1;
    }
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        vr_error_set(err, "credentials.file",
                     "credentials file %s: expected a map from organization id to "
                     "{clientId, clientSecretFile}",
                     path);
        goto done;
    }
    const yaml_node_t *entry = map_get(&doc, root, org_id);
    if (!entry) {
        rc = 1;
        goto done;
    }
    const yaml_node_t *id =
        entry->type == YAML_MAPPING_NODE ? map_get(&doc, entry, "clientId") : NULL;
    const yaml_node_t *sf =
        entry->type == YAML_MAPPING_NODE ? map_get(&doc, entry, "clientSecretFile") : NULL;
    if (!id || id->type != YAML_SCALAR_NODE || !sf || sf->type != YAML_SCALAR_NODE) {
        vr_error_set(err, "credentials.file",
                     "credentials file %s:%zu: organization %s needs clientId and "
                     "clientSecretFile (strings)",
                     path, entry->start_mark.line + 1, org_id);
        goto done;
    }
    out->client_id = vr_strdup((const char *)id->data.scalar.value);
    const char *secret_path = (const char *)sf->data.scalar.value;
    if (secret_path[0] == '/') {
        out->secret_file = vr_strdup(secret_path);
    } else {
        char *copy = vr_strdup(path);
        vr_buf b = VR_BUF_INIT;
        vr_buf_printf(&b, "%s/%s", dirname(copy), secret_path);
        free(copy);
        out->secret_file = vr_buf_detach(&b);
    }
    out->line = (int)entry->start_mark.line + 1;
    rc = 0;
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(text);
    return rc;
}

static int load_credentials(vr_session *s, vr_session_org *so, vr_error *err)
{
    const vr_common_opts *o = s->opts;
    if (o->credentials) {
        vr_cred_entry e;
        int rc = vr_session_credentials_entry(o->credentials, so->org->id, &e, err);
        if (rc < 0) return -1;
        if (rc == 0) {
            bool loose = false;
            char *secret = NULL;
            if (vr_secret_read_file(&secret, &loose, e.secret_file, err) < 0) {
                free(e.client_id);
                free(e.secret_file);
                return -1;
            }
            so->creds.client_id = e.client_id;
            so->creds.client_secret = secret;
            so->creds.source = e.secret_file;
            so->creds.secret_file_loose = loose;
            return 0;
        }
        /* No entry: the environment serves it, as for a run without the file. */
    }
    return vr_credentials_load(&so->creds, o->client_secret_file, err);
}

int vr_session_connect(vr_session *s)
{
    const vr_common_opts *o = s->opts;
    for (size_t i = 0; i < s->org_count; i++) {
        vr_session_org *so = &s->orgs[i];
        vr_error err = VR_ERROR_INIT;
        s->current_org = i;
        vr_endpoint_inputs in = {0};
        in.api_url_option = o->api_url;
        in.region_option = o->region;
        in.inventory_region = so->org->region;
        vr_endpoint_inputs_from_env(&in);
        if (vr_endpoints_resolve(&so->endpoints, &in, &err) < 0) {
            vr_session_print_error(s, &err);
            return VR_EXIT_ERROR;
        }
        if (load_credentials(s, so, &err) < 0) {
            vr_session_print_error(s, &err);
            return VR_EXIT_ERROR;
        }
        if (so->creds.secret_file_loose && !o->quiet)
            fprintf(stderr,
                    "vni-reconcile %s: warning: the client secret file %s is readable by group "
                    "or others; chmod 600 it\n",
                    s->command, so->creds.source);
        vr_client_config cfg = {0};
        cfg.api_base = so->endpoints.api_base;
        cfg.login_base = so->endpoints.login_base;
        cfg.creds = &so->creds;
        vr_http_config_init(&cfg.http);
        cfg.http.hook = vr_session_call_hook;
        cfg.http.hook_ctx = s;
        if (vr_client_new(&so->client, &cfg, &err) < 0) {
            vr_session_print_error(s, &err);
            return VR_EXIT_ERROR;
        }
        if (vr_client_org_me(so->client, &so->me, &err) < 0) {
            vr_session_print_error(s, &err);
            return VR_EXIT_ERROR;
        }
        if (!so->me.id || strcmp(so->me.id, so->org->id) != 0) {
            fprintf(stderr,
                    "vni-reconcile %s: the credentials belong to organization %s%s%s%s, not to "
                    "%s, which the inventory names\n"
                    "  what to do: use the OAuth client of organization %s (or a --credentials "
                    "file entry for it); nothing was read or changed\n",
                    s->command, so->me.id ? so->me.id : "(none)", so->me.name ? " (" : "",
                    so->me.name ? so->me.name : "", so->me.name ? ")" : "", so->org->id,
                    so->org->id);
            return VR_EXIT_ERROR;
        }
    }
    return 0;
}

int vr_session_read_live(vr_session *s)
{
    for (size_t i = 0; i < s->org_count; i++) {
        vr_session_org *so = &s->orgs[i];
        vr_error err = VR_ERROR_INIT;
        s->current_org = i;
        vr_iface_list_free(&so->live);
        vr_routing_table_list_free(&so->tables);
        if (vr_client_list_connections(so->client, &so->live, &err) < 0 ||
            vr_client_limits(so->client, &so->limits, &err) < 0 ||
            vr_client_list_routing_tables(so->client, &so->tables, &err) < 0) {
            vr_session_print_error(s, &err);
            return VR_EXIT_ERROR;
        }
    }
    return 0;
}

int vr_session_plan(vr_session *s, const vr_plan_opts *popts)
{
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
        if (rc < 0) {
            fprintf(stderr, "vni-reconcile %s: cannot plan organization %s\n", s->command,
                    so->org->id);
            return VR_EXIT_ERROR;
        }
    }
    /* vr_plan_add_org may move the array: take the pointers once it is complete. */
    for (size_t i = 0; i < s->org_count; i++)
        s->orgs[i].plan = &s->plan.orgs[i];
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
