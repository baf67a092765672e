/* vr_client: the platform endpoints of docs/api.md §4-§6a over vr_http and vr_auth, with errors
 * a person can act on. */
#include "vr_client.h"
#include "vr_errcode.h"
#include "vr_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGES 10000
/* The largest count (total, pageSize, pageCount, routeCount) taken from a response. */
#define COUNT_MAX 1000000000000000LL

struct vr_client {
    vr_http *http;
    vr_auth *auth;
    char *api_base;
    vr_http_response last;
    bool has_last;
};

int vr_client_new(vr_client **out, const vr_client_config *cfg, vr_error *err)
{
    *out = NULL;
    if (!cfg->api_base || !*cfg->api_base || !cfg->creds) {
        vr_error_set(err, VR_ERR_CLIENT_CONFIG,
                     "platform client: no API base URL or no credentials");
        return -1;
    }
    vr_client *c = vr_xcalloc(1, sizeof(*c));
    if (vr_http_new(&c->http, &cfg->http, err) < 0) {
        free(c);
        return -1;
    }
    const char *login = cfg->login_base && *cfg->login_base ? cfg->login_base : cfg->api_base;
    if (vr_auth_new(&c->auth, cfg->creds, login, c->http, err) < 0) {
        vr_http_free(c->http);
        free(c);
        return -1;
    }
    c->api_base = vr_strdup(cfg->api_base);
    size_t n = strlen(c->api_base);
    while (n > 0 && c->api_base[n - 1] == '/')
        c->api_base[--n] = '\0';
    *out = c;
    return 0;
}

void vr_client_free(vr_client *c)
{
    if (!c) return;
    vr_auth_free(c->auth);
    vr_http_free(c->http);
    vr_http_response_free(&c->last);
    free(c->api_base);
    free(c);
}

const vr_http_response *vr_client_last_response(const vr_client *c)
{
    return c->has_last ? &c->last : NULL;
}

/* ---- remedies ---- */

static void held_by(vr_buf *b, const vr_http_response *r)
{
    if (r->entity_name[0] && r->entity_id[0])
        vr_buf_printf(b, "connection %s (id %s)", r->entity_name, r->entity_id);
    else if (r->entity_name[0])
        vr_buf_printf(b, "connection %s", r->entity_name);
    else if (r->entity_id[0])
        vr_buf_printf(b, "connection id %s", r->entity_id);
    else
        vr_buf_puts(b, "an existing connection (the server's message may say which; "
                       "`vni-reconcile drift` lists them)");
}

static void add_remedy(vr_client *c, vr_error *err, const char *scope)
{
    const vr_http_response *r = &c->last;
    vr_buf b = VR_BUF_INIT;
    switch (r->status) {
    case 401:
        if (vr_auth_is_static(c->auth))
            vr_buf_puts(&b, "the access token from GENESYSCLOUD_ACCESS_TOKEN was refused "
                            "(expired or revoked) and cannot be renewed: get a new token, or "
                            "set GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET "
                            "so tokens are renewed");
        else
            vr_buf_puts(&b, "a freshly issued token was refused too: check that "
                            "GENESYSCLOUD_OAUTHCLIENT_ID and the client secret belong to an "
                            "OAuth client of this organization and region");
        break;
    case 403:
        if (strcmp(err->code, "organization.mismatch") == 0)
            vr_buf_puts(&b, "the organizationId sent is not the organization of the OAuth "
                            "client: the inventory's organization and the credentials do not "
                            "match; use that organization's credentials (--credentials) or fix "
                            "the organization id in the inventory");
        else if (scope)
            vr_buf_printf(&b,
                          "the OAuth client lacks the permission this call needs: give its "
                          "role %s",
                          scope);
        else
            vr_buf_puts(&b, "the OAuth client lacks a permission this call needs");
        break;
    case 404:
        vr_buf_puts(&b, "it does not exist (any more): another actor may have deleted it; run "
                        "plan again");
        break;
    case 409:
        if (strcmp(err->code, VR_ERR_NAME_DUPLICATE) == 0) {
            vr_buf_puts(&b, "the name is taken by ");
            held_by(&b, r);
            vr_buf_puts(&b, ": rename the interface in the inventory, or delete that connection");
        } else if (strcmp(err->code, "ip.allocated") == 0) {
            vr_buf_puts(&b, "localIp is already used by ");
            held_by(&b, r);
            vr_buf_puts(&b, ": choose an address no other connection uses");
        } else if (strcmp(err->code, "subnet.overlap") == 0) {
            vr_buf_puts(&b, "subnetCidr overlaps the subnet of ");
            held_by(&b, r);
            vr_buf_puts(&b, ": choose a subnet that overlaps no other connection's");
        } else if (strcmp(err->code, "limit.exceeded") == 0) {
            vr_buf_puts(&b, "the organization holds its limit of connections: delete unused "
                            "ones or ask for a higher limit");
        } else {
            vr_buf_puts(&b, "it conflicts with ");
            held_by(&b, r);
        }
        break;
    case 422:
        if (r->detail_count == 0) {
            vr_buf_puts(&b, "the platform refused a field without saying which: run "
                            "`vni-reconcile validate` on the inventory");
            break;
        }
        vr_buf_puts(&b, "fix in the inventory:");
        for (size_t i = 0; i < r->detail_count; i++)
            vr_buf_printf(&b, "%s %s: %s", i ? ";" : "",
                          r->details[i].field[0] ? r->details[i].field : "(no field)",
                          r->details[i].error_message[0] ? r->details[i].error_message
                                                         : r->details[i].error_code);
        if (r->detail_total > r->detail_count)
            vr_buf_printf(&b, "; and %zu more", r->detail_total - r->detail_count);
        break;
    case 400:
        vr_buf_puts(&b, "the platform found the request malformed: report this with the "
                        "correlation id (a bug in vni-reconcile, or a server that does not keep "
                        "the API of docs/api.md)");
        break;
    default:
        break;
    }
    if (b.len) snprintf(err->remedy, sizeof(err->remedy), "%s", vr_buf_str(&b));
    vr_buf_free(&b);
}

/* Prefixes err->message with what ("list connections: GET ...: gave up ..."). */
static void prefix_message(vr_error *err, const char *what)
{
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s: %s", what, err->message);
    snprintf(err->message, sizeof(err->message), "%s", vr_buf_str(&b));
    vr_buf_free(&b);
}

/* One API call with the token, and one repeat with a new token after a 401. On success
 * c->last holds the response (json parsed). scope names the permission for 403 remedies. */
static int api_call(vr_client *c, const char *method, const char *path, const cJSON *body,
                    const char *what, const char *scope, vr_error *err)
{
    vr_error local = VR_ERROR_INIT;
    if (!err) err = &local;
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    int rc;
    /* false: the failure came from the token endpoint (first round, or the new token after a
     * 401): its error stands as vr_auth made it */
    bool api_answered = false;
    bool renewing = false; /* the API answered 401: this round fetches a new token */
    for (int round = 0;; round++) {
        const char *token = NULL;
        api_answered = false;
        rc = vr_auth_token(c->auth, &token, err);
        if (rc < 0) break;
        api_answered = true;
        vr_http_request req = {
            .method = method,
            .base = c->api_base,
            .path = path,
            .bearer = token,
            .body = text,
            .body_len = text ? strlen(text) : 0,
        };
        rc = vr_http_do(c->http, &req, &c->last, err);
        c->has_last = true;
        if (rc == VR_HTTP_ESTATUS && c->last.status == 401 && round == 0 &&
            vr_auth_invalidate(c->auth)) {
            renewing = true;
            continue; /* a new token once, and this call once more */
        }
        break;
    }
    free(text);
    if (rc == VR_HTTP_ESTATUS && api_answered) {
        int attempts = err->attempts;
        long long elapsed = err->elapsed_ms;
        vr_http_error_from_response(err, what, &c->last);
        err->attempts = attempts;
        err->elapsed_ms = elapsed;
        add_remedy(c, err, scope);
        vr_auth_scrub(c->auth, err);
    } else if (rc < 0 && api_answered) {
        prefix_message(err, what);
    } else if (rc < 0 && renewing) {
        /* the API refused the token and the token endpoint would not give a new one */
        vr_buf b = VR_BUF_INIT;
        vr_buf_printf(&b, "%s: the platform refused the token (HTTP 401) and no new one came",
                      what);
        prefix_message(err, vr_buf_str(&b));
        vr_buf_free(&b);
    }
    if (rc < 0) vr_auth_scrub(c->auth, err);
    return rc;
}

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static char *dup_opt(const char *s)
{
    return s ? vr_strdup(s) : NULL;
}

static int bad_response(vr_client *c, vr_error *err, const char *what, const char *why)
{
    if (!err) return VR_HTTP_ERROR;
    vr_error_clear(err);
    vr_error_set(err, VR_ERR_BAD_RESPONSE, "%s: %s", what, why);
    err->http_status = c->last.status;
    snprintf(err->correlation_id, sizeof(err->correlation_id), "%s", c->last.correlation_id);
    vr_error_remedy(err, "the server does not answer as the platform API does: check the API URL");
    return VR_HTTP_ERROR;
}

/* "/prefix/<id><suffix>" into b: the one place a URL path takes an id. The id (from the
 * platform or a plan file) must be vr_id_valid, so that it names one resource under prefix
 * and nothing else ("..", "/", "%2e" and the empty id would reach another path). Returns 0, or
 * VR_HTTP_ERROR with err set (code "id.invalid") before anything is sent. */
static int id_path(vr_buf *b, const char *prefix, const char *id, const char *suffix,
                   const char *what, vr_error *err)
{
    if (!vr_id_valid(id)) {
        char *shown = vr_text_escape(id);
        if (strlen(shown) > 160) memcpy(shown + 150, "...", 4);
        vr_error_set(err, VR_ERR_ID_INVALID,
                     "%s: the id \"%s\" is not 1 to %d of the characters A-Z a-z 0-9 . _ - "
                     "(nor \".\" or \"..\"); nothing was sent",
                     what, shown, VR_ID_MAX);
        vr_error_remedy(err, "an id comes from the platform or a plan file: regenerate the plan "
                             "with `vni-reconcile plan --out`, or check the API URL");
        free(shown);
        return VR_HTTP_ERROR;
    }
    vr_buf_printf(b, "%s/%s%s", prefix, id, suffix ? suffix : "");
    return 0;
}

/* ---- organization ---- */

void vr_org_info_clear(vr_org_info *o)
{
    if (!o) return;
    free(o->id);
    free(o->name);
    memset(o, 0, sizeof(*o));
}

int vr_client_org_me(vr_client *c, vr_org_info *out, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *what = "get the caller's organization";
    int rc = api_call(c, "GET", VR_ORG_ME_PATH, NULL, what, NULL, err);
    if (rc < 0) return rc;
    const char *id = json_str(c->last.json, "id");
    if (!id || !*id) return bad_response(c, err, what, "the response has no organization id");
    out->id = vr_strdup(id);
    out->name = dup_opt(json_str(c->last.json, "name"));
    return 0;
}

/* ---- paging ---- */

typedef struct {
    int (*take)(void *ctx, const cJSON *entity, vr_error *err); /* <0: stop with err */
    void (*reset)(void *ctx);
    void *ctx;
} page_sink;

/* A count (0 .. 1e15) under key, or -1 when absent or not one. */
static long long json_count(const cJSON *obj, const char *key)
{
    long long n;
    if (vr_json_integer(cJSON_GetObjectItemCaseSensitive(obj, key), 0, COUNT_MAX, &n) < 0)
        return -1;
    return n;
}

int vr_client_parse_page(vr_page *out, const cJSON *body)
{
    memset(out, 0, sizeof(*out));
    out->entities = cJSON_GetObjectItemCaseSensitive(body, "entities");
    out->total = json_count(body, "total");
    if (out->total < 0) out->total = json_count(body, "totalCount");
    out->page_size = json_count(body, "pageSize");
    out->page_count = json_count(body, "pageCount");
    const char *next = json_str(body, "nextUri");
    out->has_next = next && *next;
    if (!cJSON_IsArray(out->entities)) {
        out->entities = NULL;
        return -1;
    }
    return 0;
}

/* Lists every page of base_path; see vr_client_list_connections for the rules. */
static int list_all(vr_client *c, const char *base_path, const char *what, const char *scope,
                    const page_sink *sink, vr_error *err)
{
    vr_error local = VR_ERROR_INIT;
    if (!err) err = &local;
    long long totals[VR_LIST_TRIES] = {0};
    for (int attempt = 0; attempt < VR_LIST_TRIES; attempt++) {
        sink->reset(sink->ctx);
        bool have_first = false;
        long long first_total = -1;
        bool changed = false, seen_next = false;
        long long raw_seen = 0;
        for (int page = 1; page <= MAX_PAGES; page++) {
            vr_buf path = VR_BUF_INIT;
            vr_buf_printf(&path, "%s?pageSize=%d&pageNumber=%d", base_path, VR_PAGE_SIZE, page);
            int rc = api_call(c, "GET", vr_buf_str(&path), NULL, what, scope, err);
            vr_buf_free(&path);
            if (rc < 0) return rc;
            vr_page pg;
            if (vr_client_parse_page(&pg, c->last.json) < 0)
                return bad_response(c, err, what, "the page has no entities array");
            long long total = pg.total;
            if (!have_first) {
                have_first = true;
                first_total = total;
            } else if (total >= 0 && first_total >= 0 && total != first_total) {
                changed = true;
                totals[attempt] = total;
                break;
            }
            long long n = 0;
            const cJSON *e;
            cJSON_ArrayForEach(e, pg.entities)
            {
                if (sink->take(sink->ctx, e, err) < 0) {
                    vr_buf b = VR_BUF_INIT;
                    vr_buf_printf(&b, "page %d: %s", page, err->message);
                    bad_response(c, err, what, vr_buf_str(&b));
                    vr_buf_free(&b);
                    return VR_HTTP_ERROR;
                }
                n++;
            }
            raw_seen += n;
            long long size = VR_PAGE_SIZE;
            if (pg.page_size >= 1 && pg.page_size < size) size = pg.page_size;
            if (pg.has_next) seen_next = true;
            bool done = n == 0 || n < size || (pg.page_count >= 0 && page >= pg.page_count) ||
                        (first_total >= 0 && raw_seen >= first_total) ||
                        (!pg.has_next && seen_next);
            if (done) break;
            if (page == MAX_PAGES)
                return bad_response(c, err, what, "more than 10000 pages: the listing never ends");
        }
        if (!changed) return 0;
    }
    vr_error_clear(err);
    vr_error_set(err, VR_ERR_LIST_UNSTABLE,
                 "%s: the count changed between pages on %d tries in a row (last %lld)", what,
                 VR_LIST_TRIES, totals[VR_LIST_TRIES - 1]);
    snprintf(err->correlation_id, sizeof(err->correlation_id), "%s", c->last.correlation_id);
    vr_error_remedy(err, "another actor keeps creating or deleting connections: run again when it "
                         "is done");
    return VR_HTTP_ERROR;
}

/* ---- connections ---- */

void vr_iface_list_free(vr_iface_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->count; i++)
        vr_iface_clear(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

/* The ids taken so far, an open-addressing hash set (linear probing, at most half full), so
 * that a listing of n connections is deduplicated in O(n), not O(n^2). The strings are the
 * list items' own ids: they stay put when the items array moves. */
typedef struct {
    const char **slots;
    size_t cap; /* a power of two, or 0 */
    size_t count;
} id_set;

static size_t id_hash(const char *s)
{
    size_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Adds id; returns false when it was there already. */
static bool id_set_add(id_set *set, const char *id)
{
    if (2 * (set->count + 1) > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 256;
        const char **slots = vr_xcalloc(cap, sizeof(*slots));
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->slots[i]) continue;
            size_t j = id_hash(set->slots[i]) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = set->slots[i];
        }
        free(set->slots);
        set->slots = slots;
        set->cap = cap;
    }
    size_t j = id_hash(id) & (set->cap - 1);
    for (; set->slots[j]; j = (j + 1) & (set->cap - 1))
        if (strcmp(set->slots[j], id) == 0) return false;
    set->slots[j] = id;
    set->count++;
    return true;
}

static void id_set_free(id_set *set)
{
    free(set->slots);
    memset(set, 0, sizeof(*set));
}

typedef struct {
    vr_iface_list *list;
    size_t cap;
    id_set ids;
} iface_acc;

static void iface_reset(void *ctx)
{
    iface_acc *a = ctx;
    vr_iface_list_free(a->list);
    a->cap = 0;
    id_set_free(&a->ids);
}

static int iface_take(void *ctx, const cJSON *entity, vr_error *err)
{
    iface_acc *a = ctx;
    vr_iface f;
    if (vr_iface_from_json(&f, entity, err) < 0) return -1;
    if (a->list->count == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->list->items = vr_xrealloc(a->list->items, a->cap * sizeof(*a->list->items));
    }
    if (!id_set_add(&a->ids, f.id)) { /* seen on an earlier page: skip */
        vr_iface_clear(&f);
        return 0;
    }
    a->list->items[a->list->count++] = f;
    return 0;
}

int vr_client_list_connections(vr_client *c, vr_iface_list *out, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    iface_acc acc = {out, 0, {NULL, 0, 0}};
    page_sink sink = {iface_take, iface_reset, &acc};
    int rc = list_all(c, VR_CONNECTIONS_PATH, "list connections", "privateconnectivity:read", &sink,
                      err);
    id_set_free(&acc.ids);
    if (rc < 0) vr_iface_list_free(out);
    return rc;
}

int vr_client_get_connection(vr_client *c, const char *id, vr_iface *out, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    vr_buf path = VR_BUF_INIT, what = VR_BUF_INIT;
    vr_buf_printf(&what, "get connection %s", id ? id : "");
    int rc = id_path(&path, VR_CONNECTIONS_PATH, id, NULL, "get connection", err);
    if (rc == 0)
        rc = api_call(c, "GET", vr_buf_str(&path), NULL, vr_buf_str(&what),
                      "privateconnectivity:read", err);
    if (rc == 0 && vr_iface_from_json(out, c->last.json, err) < 0)
        rc = bad_response(c, err, vr_buf_str(&what), "the response is not a connection");
    vr_buf_free(&path);
    vr_buf_free(&what);
    return rc;
}

int vr_client_find_connection(vr_client *c, const char *name, vr_iface *out, bool *found,
                              vr_error *err)
{
    *found = false;
    vr_iface_list all;
    int rc = vr_client_list_connections(c, &all, err);
    if (rc < 0) return rc;
    for (size_t i = 0; i < all.count; i++) {
        if (strcmp(all.items[i].name, name) == 0) {
            *out = all.items[i];
            memset(&all.items[i], 0, sizeof(all.items[i]));
            *found = true;
            break;
        }
    }
    vr_iface_list_free(&all);
    return 0;
}

int vr_client_create_connection(vr_client *c, const vr_iface *want, vr_iface *out, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    cJSON *payload = vr_iface_payload_json(want);
    vr_buf what = VR_BUF_INIT;
    vr_buf_printf(&what, "create connection %s", want->name ? want->name : "(no name)");
    int rc = api_call(c, "POST", VR_CONNECTIONS_PATH, payload, vr_buf_str(&what),
                      "privateconnectivity:write", err);
    cJSON_Delete(payload);
    if (rc == 0 && vr_iface_from_json(out, c->last.json, err) < 0)
        rc = bad_response(c, err, vr_buf_str(&what), "the response is not a connection");
    vr_buf_free(&what);
    return rc;
}

int vr_client_delete_connection(vr_client *c, const char *id, vr_error *err)
{
    vr_buf path = VR_BUF_INIT, what = VR_BUF_INIT;
    vr_buf_printf(&what, "delete connection %s", id ? id : "");
    int rc = id_path(&path, VR_CONNECTIONS_PATH, id, NULL, "delete connection", err);
    if (rc == 0)
        rc = api_call(c, "DELETE", vr_buf_str(&path), NULL, vr_buf_str(&what),
                      "privateconnectivity:write", err);
    vr_buf_free(&path);
    vr_buf_free(&what);
    return rc;
}

/* ---- routing tables ---- */

void vr_routing_table_clear(vr_routing_table *t)
{
    if (!t) return;
    free(t->id);
    free(t->name);
    free(t->current_hash);
    free(t->state);
    memset(t, 0, sizeof(*t));
}

void vr_routing_table_list_free(vr_routing_table_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->count; i++)
        vr_routing_table_clear(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

int vr_client_parse_routing_table(vr_routing_table *out, const cJSON *obj, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *id = json_str(obj, "id");
    if (!id || !*id) {
        vr_error_set(err, VR_ERR_BAD_RESPONSE, "routing table lacks a string id");
        return -1;
    }
    out->id = vr_strdup(id);
    out->name = dup_opt(json_str(obj, "name"));
    out->current_hash = dup_opt(json_str(obj, "currentHash"));
    out->state = dup_opt(json_str(obj, "state"));
    long long routes;
    out->route_count = vr_json_integer(cJSON_GetObjectItemCaseSensitive(obj, "routeCount"), 0,
                                       COUNT_MAX, &routes) == 0
                           ? (long)routes
                           : -1;
    return 0;
}

typedef struct {
    vr_routing_table_list *list;
    size_t cap;
} table_acc;

static void table_reset(void *ctx)
{
    table_acc *a = ctx;
    vr_routing_table_list_free(a->list);
    a->cap = 0;
}

static int table_take(void *ctx, const cJSON *entity, vr_error *err)
{
    table_acc *a = ctx;
    vr_routing_table t;
    if (vr_client_parse_routing_table(&t, entity, err) < 0) return -1;
    for (size_t i = 0; i < a->list->count; i++)
        if (strcmp(a->list->items[i].id, t.id) == 0) {
            vr_routing_table_clear(&t);
            return 0;
        }
    if (a->list->count == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->list->items = vr_xrealloc(a->list->items, a->cap * sizeof(*a->list->items));
    }
    a->list->items[a->list->count++] = t;
    return 0;
}

int vr_client_list_routing_tables(vr_client *c, vr_routing_table_list *out, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    table_acc acc = {out, 0};
    page_sink sink = {table_take, table_reset, &acc};
    int rc =
        list_all(c, VR_ROUTING_TABLES_PATH, "list routing tables", "interface:read", &sink, err);
    if (rc < 0) vr_routing_table_list_free(out);
    return rc;
}

int vr_client_get_routing_table(vr_client *c, const char *id, vr_routing_table *out, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    vr_buf path = VR_BUF_INIT, what = VR_BUF_INIT;
    vr_buf_printf(&what, "get routing table %s", id ? id : "");
    int rc = id_path(&path, VR_ROUTING_TABLES_PATH, id, NULL, "get routing table", err);
    if (rc == 0)
        rc = api_call(c, "GET", vr_buf_str(&path), NULL, vr_buf_str(&what), "interface:read", err);
    if (rc == 0 && vr_client_parse_routing_table(out, c->last.json, err) < 0)
        rc = bad_response(c, err, vr_buf_str(&what), "the response is not a routing table");
    vr_buf_free(&path);
    vr_buf_free(&what);
    return rc;
}

void vr_sync_result_clear(vr_sync_result *s)
{
    if (!s) return;
    free(s->routing_table_id);
    free(s->expected_hash);
    memset(s, 0, sizeof(*s));
}

int vr_client_parse_sync(vr_sync_result *out, const cJSON *body, const char *id, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *hash = json_str(body, "expectedHash");
    if (!hash || !*hash) {
        vr_error_set(err, VR_ERR_BAD_RESPONSE, "the response has no expectedHash");
        return -1;
    }
    const char *rt = json_str(body, "routingTableId");
    out->routing_table_id = vr_strdup(rt ? rt : id ? id : "");
    out->expected_hash = vr_strdup(hash);
    long long est;
    out->estimated_convergence_ms =
        vr_json_integer(cJSON_GetObjectItemCaseSensitive(body, "estimatedConvergenceMs"), 0,
                        VR_JSON_INT_LIMIT, &est) == 0
            ? est
            : -1;
    return 0;
}

int vr_client_sync_routing_table(vr_client *c, const char *id, vr_sync_result *out, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    vr_buf path = VR_BUF_INIT, what = VR_BUF_INIT;
    vr_buf_printf(&what, "sync routing table %s", id ? id : "");
    int rc = id_path(&path, VR_ROUTING_TABLES_PATH, id, "/sync", "sync routing table", err);
    if (rc == 0) {
        cJSON *body = cJSON_CreateObject();
        cJSON_AddBoolToObject(body, "forceSync", 1);
        rc = api_call(c, "POST", vr_buf_str(&path), body, vr_buf_str(&what), "interface:read", err);
        cJSON_Delete(body);
    }
    vr_error why = VR_ERROR_INIT;
    if (rc == 0 && vr_client_parse_sync(out, c->last.json, id, &why) < 0)
        rc = bad_response(c, err, vr_buf_str(&what), why.message);
    vr_buf_free(&path);
    vr_buf_free(&what);
    return rc;
}

/* ---- limits ---- */

int vr_client_limits(vr_client *c, vr_limits *out, vr_error *err)
{
    out->connections_max = VR_DEFAULT_LIMIT;
    out->limit_defaulted = true;
    int rc =
        api_call(c, "GET", VR_LIMITS_PATH, NULL, "get limits", "privateconnectivity:read", err);
    if (rc == VR_HTTP_ESTATUS && c->last.status == 404) {
        if (err) vr_error_clear(err);
        return 0;
    }
    if (rc < 0) return rc;
    const cJSON *limits = cJSON_GetObjectItemCaseSensitive(c->last.json, "limits");
    const cJSON *l;
    cJSON_ArrayForEach(l, limits)
    {
        const char *key = json_str(l, "key");
        long long max;
        if (key && strcmp(key, "connections.max") == 0 &&
            vr_json_integer(cJSON_GetObjectItemCaseSensitive(l, "value"), 0, 999999999, &max) ==
                0) {
            out->connections_max = (long)max;
            out->limit_defaulted = false;
            break;
        }
    }
    return 0;
}
