/* sim_state: organizations, clients, tokens, the state file and lazy convergence. */
#include "sim_state.h"
#include "vr_json.h"
#include "vr_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void table_clear_pending(sim_table *t)
{
    for (size_t i = 0; i < t->pending_count; i++)
        free(t->pending[i]);
    free(t->pending);
    t->pending = NULL;
    t->pending_count = 0;
}

void sim_state_free(sim_state *s)
{
    for (size_t i = 0; i < s->org_count; i++) {
        sim_org *o = &s->orgs[i];
        for (size_t j = 0; j < o->table_count; j++) {
            free(o->tables[j].id);
            free(o->tables[j].name);
            table_clear_pending(&o->tables[j]);
        }
        free(o->tables);
        for (size_t j = 0; j < o->conn_count; j++)
            vr_iface_clear(&o->conns[j]);
        free(o->conns);
        free(o->id);
        free(o->name);
    }
    free(s->orgs);
    for (size_t i = 0; i < s->client_count; i++) {
        sim_client *c = &s->clients[i];
        free(c->id);
        if (c->secret) memset(c->secret, 0, strlen(c->secret));
        free(c->secret);
        free(c->org_id);
        for (size_t j = 0; j < c->scope_count; j++)
            free(c->scopes[j]);
        free(c->scopes);
    }
    free(s->clients);
    if (s->tokens) memset(s->tokens, 0, s->token_cap * sizeof(*s->tokens));
    free(s->tokens);
    memset(s, 0, sizeof(*s));
}

static sim_org *add_org(sim_state *s, const char *id, const char *name, long limit)
{
    s->orgs = vr_xrealloc(s->orgs, (s->org_count + 1) * sizeof(*s->orgs));
    sim_org *o = &s->orgs[s->org_count++];
    memset(o, 0, sizeof(*o));
    o->id = vr_strdup(id);
    o->name = vr_strdup(name);
    o->limit = limit;
    return o;
}

static sim_table *add_table(sim_org *o, const char *id, const char *name)
{
    o->tables = vr_xrealloc(o->tables, (o->table_count + 1) * sizeof(*o->tables));
    sim_table *t = &o->tables[o->table_count++];
    memset(t, 0, sizeof(*t));
    t->id = vr_strdup(id);
    t->name = vr_strdup(name ? name : id);
    return t;
}

static sim_client *add_client(sim_state *s, const char *id, const char *secret, const char *org)
{
    s->clients = vr_xrealloc(s->clients, (s->client_count + 1) * sizeof(*s->clients));
    sim_client *c = &s->clients[s->client_count++];
    memset(c, 0, sizeof(*c));
    c->id = vr_strdup(id);
    c->secret = vr_strdup(secret);
    c->org_id = vr_strdup(org);
    return c;
}

static void client_add_scope(sim_client *c, const char *scope)
{
    c->scopes = vr_xrealloc(c->scopes, (c->scope_count + 1) * sizeof(*c->scopes));
    c->scopes[c->scope_count++] = vr_strdup(scope);
}

static void init_hashes(sim_state *s)
{
    for (size_t i = 0; i < s->org_count; i++)
        for (size_t j = 0; j < s->orgs[i].table_count; j++)
            if (!s->orgs[i].tables[j].current_hash[0])
                sim_table_target_hash(&s->orgs[i], &s->orgs[i].tables[j],
                                      s->orgs[i].tables[j].current_hash);
}

void sim_state_default(sim_state *s)
{
    memset(s, 0, sizeof(*s));
    sim_org *o = add_org(s, SIM_DEFAULT_ORG_ID, "Example Org", VR_DEFAULT_LIMIT);
    add_table(o, "rt-core", "core");
    add_table(o, "rt-edge", "edge");
    sim_client *c = add_client(s, "vni-demo", "vni-demo-secret", SIM_DEFAULT_ORG_ID);
    client_add_scope(c, "privateconnectivity:read");
    client_add_scope(c, "privateconnectivity:write");
    client_add_scope(c, "interface:read");
    init_hashes(s);
}

static const char *str_item(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int load_conn(sim_org *o, const cJSON *c, sim_rng *rng, size_t idx, char *err, size_t errlen)
{
    if (!cJSON_IsObject(c)) {
        snprintf(err, errlen, "organization %s: connections[%zu] is not an object", o->id, idx);
        return -1;
    }
    cJSON *copy = cJSON_Duplicate(c, 1);
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(copy, "id"))) {
        char id[40];
        sim_rng_uuid(rng, id);
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "id");
        cJSON_AddStringToObject(copy, "id", id);
    }
    vr_iface f;
    vr_error e = VR_ERROR_INIT;
    int rc = vr_iface_from_json(&f, copy, &e);
    cJSON_Delete(copy);
    if (rc < 0) {
        snprintf(err, errlen, "organization %s: connections[%zu]: %s", o->id, idx, e.message);
        return -1;
    }
    if (sim_org_find_conn(o, f.id, NULL) || sim_org_find_conn_by_name(o, f.name)) {
        snprintf(err, errlen, "organization %s: connections[%zu]: id or name '%s' repeats", o->id,
                 idx, f.name);
        vr_iface_clear(&f);
        return -1;
    }
    vr_iface_set_str(&f, &f.org_id, o->id);
    if (!f.state) f.state = vr_strdup("active");
    if (!f.date_created) {
        char ts[32];
        vr_iso8601(vr_wall_ms(), ts);
        f.date_created = vr_strdup(ts);
    }
    if (!f.type) f.type = vr_strdup("ipconnect");
    sim_org_add_conn(o, &f);
    return 0;
}

static int load_org(sim_state *s, const cJSON *jo, sim_rng *rng, size_t idx, char *err,
                    size_t errlen)
{
    const char *id = str_item(jo, "id");
    if (!cJSON_IsObject(jo) || !id || !*id) {
        snprintf(err, errlen, "organizations[%zu] needs a string id", idx);
        return -1;
    }
    if (sim_state_find_org(s, id)) {
        snprintf(err, errlen, "organization %s is listed twice", id);
        return -1;
    }
    long limit = VR_DEFAULT_LIMIT;
    const cJSON *lim = cJSON_GetObjectItemCaseSensitive(jo, "limit");
    if (lim) {
        long long n;
        if (vr_json_integer(lim, 0, 1000000, &n) < 0) {
            snprintf(err, errlen, "organization %s: limit must be a whole number from 0 to 1000000",
                     id);
            return -1;
        }
        limit = (long)n;
    }
    const char *name = str_item(jo, "name");
    sim_org *o = add_org(s, id, name ? name : id, limit);
    const cJSON *tables = cJSON_GetObjectItemCaseSensitive(jo, "routingTables");
    const cJSON *t;
    size_t ti = 0;
    cJSON_ArrayForEach(t, tables)
    {
        const char *tid = cJSON_IsString(t) ? t->valuestring : str_item(t, "id");
        if (!tid || !*tid || sim_org_find_table(o, tid)) {
            snprintf(err, errlen, "organization %s: routingTables[%zu] needs a unique id", id, ti);
            return -1;
        }
        sim_table *tab = add_table(o, tid, cJSON_IsObject(t) ? str_item(t, "name") : NULL);
        const char *h = cJSON_IsObject(t) ? str_item(t, "currentHash") : NULL;
        if (h) snprintf(tab->current_hash, sizeof(tab->current_hash), "%s", h);
        ti++;
    }
    const cJSON *conns = cJSON_GetObjectItemCaseSensitive(jo, "connections");
    const cJSON *c;
    size_t ci = 0;
    cJSON_ArrayForEach(c, conns)
    {
        if (load_conn(o, c, rng, ci++, err, errlen) < 0) return -1;
    }
    return 0;
}

static int load_client(sim_state *s, const cJSON *jc, size_t idx, char *err, size_t errlen)
{
    const char *id = str_item(jc, "id"), *secret = str_item(jc, "secret");
    const char *org = str_item(jc, "organizationId");
    if (!id || !*id || !secret || !org) {
        snprintf(err, errlen, "clients[%zu] needs string id, secret and organizationId", idx);
        return -1;
    }
    if (sim_state_find_client(s, id) >= 0) {
        snprintf(err, errlen, "client %s is listed twice", id);
        return -1;
    }
    if (!sim_state_find_org(s, org)) {
        snprintf(err, errlen, "client %s: organization %s is not in the state", id, org);
        return -1;
    }
    sim_client *c = add_client(s, id, secret, org);
    const cJSON *scopes = cJSON_GetObjectItemCaseSensitive(jc, "scopes");
    const cJSON *sc;
    cJSON_ArrayForEach(sc, scopes)
    {
        if (!cJSON_IsString(sc)) {
            snprintf(err, errlen, "client %s: scopes must be strings", id);
            return -1;
        }
        client_add_scope(c, sc->valuestring);
    }
    return 0;
}

int sim_state_load(sim_state *s, const cJSON *doc, sim_rng *rng, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    const cJSON *orgs = cJSON_GetObjectItemCaseSensitive(doc, "organizations");
    const cJSON *clients = cJSON_GetObjectItemCaseSensitive(doc, "clients");
    if (!cJSON_IsObject(doc) || !cJSON_IsArray(orgs) || !cJSON_IsArray(clients)) {
        snprintf(err, errlen, "state must be an object with arrays organizations and clients");
        return -1;
    }
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, orgs)
    {
        if (load_org(s, it, rng, i++, err, errlen) < 0) goto fail;
    }
    i = 0;
    cJSON_ArrayForEach(it, clients)
    {
        if (load_client(s, it, i++, err, errlen) < 0) goto fail;
    }
    init_hashes(s);
    return 0;
fail:
    sim_state_free(s);
    return -1;
}

cJSON *sim_state_to_json(const sim_state *s, bool secrets)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *orgs = cJSON_AddArrayToObject(doc, "organizations");
    for (size_t i = 0; i < s->org_count; i++) {
        const sim_org *o = &s->orgs[i];
        cJSON *jo = cJSON_CreateObject();
        cJSON_AddStringToObject(jo, "id", o->id);
        cJSON_AddStringToObject(jo, "name", o->name);
        cJSON_AddNumberToObject(jo, "limit", (double)o->limit);
        cJSON *tabs = cJSON_AddArrayToObject(jo, "routingTables");
        for (size_t j = 0; j < o->table_count; j++)
            cJSON_AddItemToArray(tabs, sim_table_json(o, &o->tables[j]));
        cJSON *conns = cJSON_AddArrayToObject(jo, "connections");
        size_t n;
        const vr_iface **sorted = sim_org_sorted_conns(o, &n);
        for (size_t j = 0; j < n; j++)
            cJSON_AddItemToArray(conns, vr_iface_connection_json(sorted[j]));
        free(sorted);
        cJSON_AddItemToArray(orgs, jo);
    }
    cJSON *clients = cJSON_AddArrayToObject(doc, "clients");
    for (size_t i = 0; i < s->client_count; i++) {
        const sim_client *c = &s->clients[i];
        cJSON *jc = cJSON_CreateObject();
        cJSON_AddStringToObject(jc, "id", c->id);
        if (secrets) cJSON_AddStringToObject(jc, "secret", c->secret);
        cJSON_AddStringToObject(jc, "organizationId", c->org_id);
        cJSON *sc = cJSON_AddArrayToObject(jc, "scopes");
        for (size_t j = 0; j < c->scope_count; j++)
            cJSON_AddItemToArray(sc, cJSON_CreateString(c->scopes[j]));
        cJSON_AddItemToArray(clients, jc);
    }
    return doc;
}

sim_org *sim_state_find_org(const sim_state *s, const char *id)
{
    for (size_t i = 0; id && i < s->org_count; i++)
        if (strcmp(s->orgs[i].id, id) == 0) return &s->orgs[i];
    return NULL;
}

long sim_state_find_client(const sim_state *s, const char *id)
{
    for (size_t i = 0; id && i < s->client_count; i++)
        if (strcmp(s->clients[i].id, id) == 0) return (long)i;
    return -1;
}

bool sim_client_has_scope(const sim_client *c, const char *scope)
{
    for (size_t i = 0; i < c->scope_count; i++)
        if (strcmp(c->scopes[i], scope) == 0) return true;
    return false;
}

sim_table *sim_org_find_table(const sim_org *o, const char *id)
{
    for (size_t i = 0; id && i < o->table_count; i++)
        if (strcmp(o->tables[i].id, id) == 0) return &o->tables[i];
    return NULL;
}

vr_iface *sim_org_find_conn(const sim_org *o, const char *id, size_t *idx)
{
    for (size_t i = 0; id && i < o->conn_count; i++)
        if (strcmp(o->conns[i].id, id) == 0) {
            if (idx) *idx = i;
            return &o->conns[i];
        }
    return NULL;
}

vr_iface *sim_org_find_conn_by_name(const sim_org *o, const char *name)
{
    for (size_t i = 0; name && i < o->conn_count; i++)
        if (o->conns[i].name && strcmp(o->conns[i].name, name) == 0) return &o->conns[i];
    return NULL;
}

vr_iface *sim_state_find_conn(const sim_state *s, const char *id, sim_org **org_out)
{
    for (size_t i = 0; i < s->org_count; i++) {
        vr_iface *f = sim_org_find_conn(&s->orgs[i], id, NULL);
        if (f) {
            if (org_out) *org_out = &s->orgs[i];
            return f;
        }
    }
    return NULL;
}

vr_iface *sim_org_add_conn(sim_org *o, vr_iface *f)
{
    if (o->conn_count == o->conn_cap) {
        o->conn_cap = o->conn_cap ? o->conn_cap * 2 : 16;
        o->conns = vr_xrealloc(o->conns, o->conn_cap * sizeof(*o->conns));
    }
    vr_iface *dst = &o->conns[o->conn_count++];
    *dst = *f;
    memset(f, 0, sizeof(*f));
    return dst;
}

void sim_org_remove_conn(sim_org *o, size_t idx)
{
    if (idx >= o->conn_count) return;
    vr_iface_clear(&o->conns[idx]);
    memmove(&o->conns[idx], &o->conns[idx + 1], (o->conn_count - idx - 1) * sizeof(*o->conns));
    o->conn_count--;
}

/* Reads n digits at *p into *out; advances *p. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

int64_t sim_time_parse_ms(const char *text)
{
    const char *p = text;
    int y, mo, d, h, mi, sec, ms = 0;
    if (!p || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't') return -1;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
        !digits(&p, 2, &sec))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return -1;
    if (*p == '.') {
        p++;
        int scale = 100, nd = 0;
        for (; *p >= '0' && *p <= '9'; p++, nd++) {
            ms += (*p - '0') * scale; /* milliseconds: digits past the third are dropped */
            scale /= 10;
        }
        if (nd == 0) return -1;
    }
    if ((*p != 'Z' && *p != 'z') || p[1]) return -1;
    /* days from 1970-01-01 (proleptic Gregorian; Howard Hinnant's days_from_civil) */
    int64_t yy = mo <= 2 ? y - 1 : y;
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000 + ms;
}

typedef struct {
    const vr_iface *f;
    int64_t t; /* dateCreated in ms, INT64_MAX when it is not a time */
} sort_key;

static int cmp_conn(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    int c = 0;
    if (x->t == INT64_MAX) /* neither is a time: as text */
        c = strcmp(x->f->date_created ? x->f->date_created : "",
                   y->f->date_created ? y->f->date_created : "");
    return c ? c : strcmp(x->f->id, y->f->id);
}

const vr_iface **sim_org_sorted_conns(const sim_org *o, size_t *n)
{
    sort_key *k = vr_xcalloc(o->conn_count + 1, sizeof(*k));
    for (size_t i = 0; i < o->conn_count; i++) {
        int64_t t = sim_time_parse_ms(o->conns[i].date_created);
        k[i].f = &o->conns[i];
        k[i].t = t < 0 ? INT64_MAX : t;
    }
    qsort(k, o->conn_count, sizeof(*k), cmp_conn);
    const vr_iface **v = vr_xcalloc(o->conn_count + 1, sizeof(*v));
    for (size_t i = 0; i < o->conn_count; i++)
        v[i] = k[i].f;
    free(k);
    *n = o->conn_count;
    return v;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void sim_table_target_hash(const sim_org *o, const sim_table *t, char out[65])
{
    const char **ids = vr_xcalloc(o->conn_count + 1, sizeof(*ids));
    size_t n = 0;
    for (size_t i = 0; i < o->conn_count; i++)
        if (o->conns[i].routing_table_id && strcmp(o->conns[i].routing_table_id, t->id) == 0)
            ids[n++] = o->conns[i].id;
    qsort(ids, n, sizeof(*ids), cmp_str);
    vr_buf b = VR_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        vr_buf_printf(&b, "%s\n", ids[i]);
    vr_sha256_hex(vr_buf_str(&b), b.len, out);
    vr_buf_free(&b);
    free(ids);
}

size_t sim_table_route_count(const sim_org *o, const sim_table *t)
{
    size_t n = 0;
    for (size_t i = 0; i < o->conn_count; i++)
        if (o->conns[i].routing_table_id && strcmp(o->conns[i].routing_table_id, t->id) == 0) n++;
    return n;
}

cJSON *sim_table_json(const sim_org *o, const sim_table *t)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", t->id);
    cJSON_AddStringToObject(j, "name", t->name);
    cJSON_AddStringToObject(j, "currentHash", t->current_hash);
    cJSON_AddNumberToObject(j, "routeCount", (double)sim_table_route_count(o, t));
    cJSON_AddStringToObject(j, "state", t->syncing ? "syncing" : "converged");
    char uri[512];
    snprintf(uri, sizeof(uri), "/api/v2/architect/networking/routingtables/%s", t->id);
    cJSON_AddStringToObject(j, "selfUri", uri);
    return j;
}

void sim_table_sync(sim_org *o, sim_table *t, int64_t now_ms, long delay_ms, char expected[65])
{
    table_clear_pending(t);
    sim_table_target_hash(o, t, t->expected_hash);
    t->syncing = true;
    t->converge_at_ms = now_ms + delay_ms;
    t->pending = vr_xcalloc(o->conn_count + 1, sizeof(*t->pending));
    for (size_t i = 0; i < o->conn_count; i++) {
        const vr_iface *f = &o->conns[i];
        if (f->routing_table_id && strcmp(f->routing_table_id, t->id) == 0 && f->state &&
            strcmp(f->state, "provisioning") == 0)
            t->pending[t->pending_count++] = vr_strdup(f->id);
    }
    memcpy(expected, t->expected_hash, 65);
}

void sim_state_tick(sim_state *s, int64_t now_ms, const sim_faults *faults)
{
    for (size_t i = 0; i < s->org_count; i++) {
        sim_org *o = &s->orgs[i];
        for (size_t j = 0; j < o->table_count; j++) {
            sim_table *t = &o->tables[j];
            if (!t->syncing || now_ms < t->converge_at_ms || sim_faults_is_stuck(faults, t->id))
                continue;
            memcpy(t->current_hash, t->expected_hash, sizeof(t->current_hash));
            for (size_t k = 0; k < t->pending_count; k++) {
                vr_iface *f = sim_org_find_conn(o, t->pending[k], NULL);
                if (f && f->state && strcmp(f->state, "provisioning") == 0)
                    vr_iface_set_str(f, &f->state, "active");
            }
            table_clear_pending(t);
            t->syncing = false;
        }
    }
}

void sim_state_issue_token(sim_state *s, size_t ci, long lifetime_s, int64_t now_ms, char *out)
{
    size_t keep = 0;
    for (size_t i = 0; i < s->token_count; i++)
        if (s->tokens[i].expires_ms > now_ms) s->tokens[keep++] = s->tokens[i];
    s->token_count = keep;
    if (s->token_count == s->token_cap) {
        s->token_cap = s->token_cap ? s->token_cap * 2 : 16;
        s->tokens = vr_xrealloc(s->tokens, s->token_cap * sizeof(*s->tokens));
    }
    sim_token *t = &s->tokens[s->token_count++];
    char a[40], b[40];
    vr_uuid4(a);
    vr_uuid4(b);
    size_t n = 0;
    for (const char *p = a; *p; p++)
        if (*p != '-') t->token[n++] = *p;
    for (const char *p = b; *p; p++)
        if (*p != '-') t->token[n++] = *p;
    t->token[n] = '\0';
    t->client = ci;
    t->expires_ms = now_ms + (int64_t)lifetime_s * 1000;
    memcpy(out, t->token, n + 1);
}

long sim_state_check_token(const sim_state *s, const char *token, int64_t now_ms)
{
    for (size_t i = 0; token && i < s->token_count; i++)
        if (strcmp(s->tokens[i].token, token) == 0)
            return s->tokens[i].expires_ms > now_ms ? (long)s->tokens[i].client : -1;
    return -1;
}
