/* sim_api: connections, routing tables, limits and the caller's organization. */
#include "sim_api.h"
#include "vr_util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONN_BASE "/api/v2/organization/privateconnectivity/connections"
#define TABLE_BASE "/api/v2/architect/networking/routingtables"

static sim_org *caller_org(sim_server *srv, const sim_req *req)
{
    return sim_state_find_org(&srv->state, srv->state.clients[req->client].org_id);
}

void sim_api_org_me(sim_server *srv, const sim_req *req, sim_resp *resp)
{
    sim_org *o = caller_org(srv, req);
    if (!o) {
        sim_resp_error(resp, 404, "not.found", "organization of the client is unknown");
        return;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", o->id);
    cJSON_AddStringToObject(j, "name", o->name);
    char uri[512];
    snprintf(uri, sizeof(uri), "/api/v2/organizations/%s", o->id);
    cJSON_AddStringToObject(j, "selfUri", uri);
    sim_resp_json(resp, 200, j);
}

void sim_api_limits(sim_server *srv, const sim_req *req, sim_resp *resp)
{
    sim_org *o = caller_org(srv, req);
    if (srv->faults.no_limits_endpoint || !o) {
        sim_resp_error(resp, 404, "not.found", "no limits for namespace privateconnectivity");
        return;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "namespace", "privateconnectivity");
    cJSON *arr = cJSON_AddArrayToObject(j, "limits");
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "key", "connections.max");
    cJSON_AddNumberToObject(l, "value", (double)o->limit);
    cJSON_AddItemToArray(arr, l);
    sim_resp_json(resp, 200, j);
}

/* A pageNumber: a whole number from 1 up. One past what a long holds is still a page (past the
 * last: no entities, docs/api.md §4.1), so it saturates at LONG_MAX. Returns 0, or -1. */
static int parse_page_number(const char *v, long *out)
{
    if (vr_parse_long(v, 1, LONG_MAX, out) == 0) return 0;
    size_t len = strlen(v);
    if (len == 0 || strspn(v, "0123456789") != len || strspn(v, "0") == len) return -1;
    *out = LONG_MAX; /* all digits, not zero, too large for a long */
    return 0;
}

/* pageSize 1..200 (default 25), pageNumber >= 1 (default 1). Returns 0, or -1 with a 400. */
static int parse_paging(const sim_req *req, sim_resp *resp, long *size, long *number)
{
    char v[64];
    int rc;
    *size = 25;
    *number = 1;
    rc = sim_form_get(req->query, "pageSize", v, sizeof(v));
    if (rc < 0 || (rc == 1 && vr_parse_long(v, 1, 200, size) < 0)) {
        sim_resp_error(resp, 400, "bad.request", "pageSize must be a whole number from 1 to 200");
        return -1;
    }
    rc = sim_form_get(req->query, "pageNumber", v, sizeof(v));
    if (rc < 0 || (rc == 1 && parse_page_number(v, number) < 0)) {
        sim_resp_error(resp, 400, "bad.request", "pageNumber must be a whole number from 1 up");
        return -1;
    }
    return 0;
}

/* Index of the first entity of page number (of size) among n: n when the page is past the
 * last (no overflow, however large number is). */
static size_t page_first(long number, long size, size_t n)
{
    if ((size_t)(number - 1) > n / (size_t)size) return n;
    size_t first = (size_t)(number - 1) * (size_t)size;
    return first < n ? first : n;
}

static void add_uri(cJSON *j, const char *key, const char *base, long size, long number)
{
    char uri[512];
    snprintf(uri, sizeof(uri), "%s?pageSize=%ld&pageNumber=%ld", base, size, number);
    cJSON_AddStringToObject(j, key, uri);
}

/* The paged envelope of §4.1 around entities (consumed). */
static cJSON *page_json(const sim_server *srv, const char *base, cJSON *entities, long size,
                        long number, size_t total)
{
    long pages = (long)((total + (size_t)size - 1) / (size_t)size);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddItemToObject(j, "entities", entities);
    cJSON_AddNumberToObject(j, "pageSize", (double)size);
    cJSON_AddNumberToObject(j, "pageNumber", (double)number);
    if (srv->faults.count_field != SIM_COUNT_TOTALCOUNT)
        cJSON_AddNumberToObject(j, "total", (double)total);
    if (srv->faults.count_field != SIM_COUNT_TOTAL)
        cJSON_AddNumberToObject(j, "totalCount", (double)total);
    cJSON_AddNumberToObject(j, "pageCount", (double)pages);
    add_uri(j, "selfUri", base, size, number);
    add_uri(j, "firstUri", base, size, 1);
    add_uri(j, "lastUri", base, size, pages > 0 ? pages : 1);
    if (number > 1)
        add_uri(j, "previousUri", base, size,
                number - 1 <= pages ? number - 1 : (pages ? pages : 1));
    if (number < pages) add_uri(j, "nextUri", base, size, number + 1);
    return j;
}

void sim_api_conn_list(sim_server *srv, const sim_req *req, sim_resp *resp)
{
    long size, number;
    if (parse_paging(req, resp, &size, &number) < 0) return;
    sim_org *o = caller_org(srv, req);
    size_t n;
    const vr_iface **sorted = sim_org_sorted_conns(o, &n);
    cJSON *ents = cJSON_CreateArray();
    size_t first = page_first(number, size, n);
    for (size_t i = first; i < n && i - first < (size_t)size; i++)
        cJSON_AddItemToArray(ents, vr_iface_connection_json(sorted[i]));
    free(sorted);
    sim_resp_json(resp, 200, page_json(srv, CONN_BASE, ents, size, number, n));

    /* Another actor creates a connection right after page 1 of a listing of several pages. */
    long pages = (long)((n + (size_t)size - 1) / (size_t)size);
    sim_faults *f = &srv->faults;
    if (number == 1 && pages > 1 &&
        (f->insert_while_paging == SIM_PAGING_ALWAYS ||
         (f->insert_while_paging == SIM_PAGING_ONCE && !f->insert_done))) {
        f->insert_done = true;
        sim_api_insert_actor_conn(srv, o);
    }
}

void sim_api_conn_get(sim_server *srv, const sim_req *req, const char *id, sim_resp *resp)
{
    vr_iface *f = sim_org_find_conn(caller_org(srv, req), id, NULL);
    if (!f) {
        sim_resp_error(resp, 404, "not.found", "connection %s not found", id);
        return;
    }
    sim_resp_json(resp, 200, vr_iface_connection_json(f));
}

void sim_api_conn_delete(sim_server *srv, const sim_req *req, const char *id, sim_resp *resp)
{
    sim_org *o = caller_org(srv, req);
    size_t idx;
    if (!sim_org_find_conn(o, id, &idx)) {
        sim_resp_error(resp, 404, "not.found", "connection %s not found", id);
        return;
    }
    sim_org_remove_conn(o, idx);
    resp->status = 204;
}

/* --- create --- */

#define TYPE_BAD_MAX 16

typedef struct {
    cJSON *details;
    const char *type_bad[TYPE_BAD_MAX]; /* fields whose JSON type was wrong */
    size_t type_bad_count;
    bool dns_item_bad[VR_DNS_MAX + 1];
} field_errors;

static void add_detail(field_errors *fe, const char *field, const char *code, const char *msg)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "fieldName", field);
    cJSON_AddStringToObject(d, "errorCode", code);
    cJSON_AddStringToObject(d, "errorMessage", msg);
    cJSON_AddItemToArray(fe->details, d);
}

static bool type_was_bad(const field_errors *fe, const char *field)
{
    for (size_t i = 0; i < fe->type_bad_count; i++)
        if (strcmp(fe->type_bad[i], field) == 0) return true;
    return false;
}

static void on_field_error(void *ctx, const char *field, int index, const char *code,
                           const char *message)
{
    field_errors *fe = ctx;
    if (type_was_bad(fe, field)) return;
    if (index >= 0 && index <= VR_DNS_MAX && strcmp(field, "dnsServers") == 0 &&
        fe->dns_item_bad[index])
        return;
    add_detail(fe, field, code, message);
}

/* Takes a string field of the body into *out; a present value of another type (null aside)
 * is a type error. */
static void take_string(field_errors *fe, const cJSON *body, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return;
    if (cJSON_IsString(v)) {
        *out = vr_strdup(v->valuestring);
        return;
    }
    char msg[128];
    snprintf(msg, sizeof(msg), "%s must be a string", key);
    add_detail(fe, key, "invalid.type", msg);
    if (fe->type_bad_count < TYPE_BAD_MAX) fe->type_bad[fe->type_bad_count++] = key;
}

static void take_dns(field_errors *fe, const cJSON *body, vr_iface *f)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "dnsServers");
    if (!v || cJSON_IsNull(v)) return;
    if (!cJSON_IsArray(v)) {
        add_detail(fe, "dnsServers", "invalid.type", "dnsServers must be a list of addresses");
        fe->type_bad[fe->type_bad_count++] = "dnsServers";
        return;
    }
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, v)
    {
        if (i >= VR_DNS_MAX + 1) break;
        if (cJSON_IsString(it)) {
            f->dns[i] = vr_strdup(it->valuestring);
        } else {
            char msg[128];
            snprintf(msg, sizeof(msg), "dnsServers[%zu] must be a string", i);
            add_detail(fe, "dnsServers", "invalid.type", msg);
            fe->dns_item_bad[i] = true;
        }
        i++;
    }
    f->dns_count = i;
}

static bool addr_text_is(const char *text, const vr_addr *a)
{
    vr_addr x;
    return text && vr_addr_parse(&x, text) == 0 && vr_addr_equal(&x, a);
}

void sim_api_conn_create(sim_server *srv, const sim_req *req, sim_resp *resp)
{
    cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        sim_resp_error(resp, 400, "bad.request", "request body must be a JSON object");
        return;
    }
    sim_org *o = caller_org(srv, req);
    const cJSON *org = cJSON_GetObjectItemCaseSensitive(body, "organizationId");
    if (!cJSON_IsString(org) || strcmp(org->valuestring, o->id) != 0) {
        sim_resp_error(resp, 403, "organization.mismatch",
                       "organizationId %s is not the organization of the client (%s)",
                       cJSON_IsString(org) ? org->valuestring : "(missing)", o->id);
        cJSON_Delete(body);
        return;
    }

    vr_iface f;
    memset(&f, 0, sizeof(f));
    field_errors fe;
    memset(&fe, 0, sizeof(fe));
    fe.details = cJSON_CreateArray();
    take_string(&fe, body, "name", &f.name);
    take_string(&fe, body, "type", &f.type);
    take_string(&fe, body, "localIp", &f.local_ip);
    take_string(&fe, body, "remoteIp", &f.remote_ip);
    take_string(&fe, body, "subnetCidr", &f.subnet_cidr);
    take_dns(&fe, body, &f);
    take_string(&fe, body, "routingTableId", &f.routing_table_id);
    take_string(&fe, body, "description", &f.description);
    cJSON_Delete(body);
    vr_iface_validate(&f, on_field_error, &fe);
    if (f.routing_table_id && *f.routing_table_id && !sim_org_find_table(o, f.routing_table_id)) {
        char msg[512];
        snprintf(msg, sizeof(msg), "routingTableId '%.200s' is not a routing table of %.100s",
                 f.routing_table_id, o->id);
        add_detail(&fe, "routingTableId", "invalid.value", msg);
    }
    int bad = cJSON_GetArraySize(fe.details);
    if (bad > 0) {
        sim_resp_error_details(resp, 422, "invalid.field", fe.details,
                               "the connection has %d invalid field%s", bad, bad == 1 ? "" : "s");
        vr_iface_clear(&f);
        return;
    }
    cJSON_Delete(fe.details);

    vr_iface *dup = sim_org_find_conn_by_name(o, f.name);
    if (dup) {
        sim_resp_error(resp, 409, "name.duplicate", "a connection named %s exists (%s)", f.name,
                       dup->id);
        vr_iface_clear(&f);
        return;
    }
    for (size_t i = 0; i < o->conn_count; i++) {
        const vr_iface *c = &o->conns[i];
        if (addr_text_is(c->local_ip, &f.local) || addr_text_is(c->remote_ip, &f.local)) {
            sim_resp_error(resp, 409, "ip.allocated",
                           "localIp %s is already allocated to connection %s", f.local_ip, c->name);
            vr_iface_clear(&f);
            return;
        }
    }
    for (size_t i = 0; i < o->conn_count; i++) {
        const vr_iface *c = &o->conns[i];
        vr_cidr other;
        if (c->subnet_cidr && vr_cidr_parse(&other, c->subnet_cidr) == 0 &&
            vr_cidr_overlaps(&other, &f.subnet)) {
            sim_resp_error(resp, 409, "subnet.overlap",
                           "subnetCidr %s overlaps %s of connection %s", f.subnet_cidr,
                           c->subnet_cidr, c->name);
            vr_iface_clear(&f);
            return;
        }
    }
    if ((long)o->conn_count >= o->limit) {
        sim_resp_error(resp, 409, "limit.exceeded",
                       "the organization holds its limit of %ld connections", o->limit);
        vr_iface_clear(&f);
        return;
    }

    char id[40], ts[32];
    sim_rng_uuid(&srv->rng, id);
    vr_iso8601(vr_wall_ms(), ts);
    f.id = vr_strdup(id);
    f.org_id = vr_strdup(o->id);
    f.state = vr_strdup("provisioning");
    f.date_created = vr_strdup(ts);
    vr_iface *stored = sim_org_add_conn(o, &f);
    sim_resp_json(resp, 201, vr_iface_connection_json(stored));

    sim_faults *fl = &srv->faults;
    if (fl->drop_create > 0 && ++fl->creates_seen == fl->drop_create) resp->drop = true;
}

/* --- routing tables --- */

static int cmp_table(const void *a, const void *b)
{
    return strcmp((*(const sim_table *const *)a)->id, (*(const sim_table *const *)b)->id);
}

void sim_api_table_list(sim_server *srv, const sim_req *req, sim_resp *resp)
{
    long size, number;
    if (parse_paging(req, resp, &size, &number) < 0) return;
    sim_org *o = caller_org(srv, req);
    const sim_table **v = vr_xcalloc(o->table_count + 1, sizeof(*v));
    for (size_t i = 0; i < o->table_count; i++)
        v[i] = &o->tables[i];
    qsort(v, o->table_count, sizeof(*v), cmp_table);
    cJSON *ents = cJSON_CreateArray();
    size_t first = page_first(number, size, o->table_count);
    for (size_t i = first; i < o->table_count && i - first < (size_t)size; i++)
        cJSON_AddItemToArray(ents, sim_table_json(o, v[i]));
    free(v);
    sim_resp_json(resp, 200, page_json(srv, TABLE_BASE, ents, size, number, o->table_count));
}

void sim_api_table_get(sim_server *srv, const sim_req *req, const char *id, sim_resp *resp)
{
    sim_org *o = caller_org(srv, req);
    sim_table *t = sim_org_find_table(o, id);
    if (!t) {
        sim_resp_error(resp, 404, "not.found", "routing table %s not found", id);
        return;
    }
    sim_resp_json(resp, 200, sim_table_json(o, t));
}

void sim_api_table_sync(sim_server *srv, const sim_req *req, const char *id, sim_resp *resp)
{
    sim_org *o = caller_org(srv, req);
    sim_table *t = sim_org_find_table(o, id);
    if (!t) {
        sim_resp_error(resp, 404, "not.found", "routing table %s not found", id);
        return;
    }
    if (req->body_len > 0) {
        cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
        const cJSON *force = cJSON_GetObjectItemCaseSensitive(body, "forceSync");
        bool ok = cJSON_IsObject(body) && (!force || cJSON_IsBool(force));
        cJSON_Delete(body);
        if (!ok) {
            sim_resp_error(resp, 400, "bad.request",
                           "request body must be a JSON object like {\"forceSync\": true}");
            return;
        }
    }
    long delay = sim_rng_range(&srv->rng, srv->faults.converge_min_ms, srv->faults.converge_max_ms);
    char expected[65];
    sim_table_sync(o, t, vr_now_ms(), delay, expected);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "routingTableId", t->id);
    cJSON_AddStringToObject(j, "expectedHash", expected);
    if (!srv->faults.no_estimate)
        cJSON_AddNumberToObject(j, "estimatedConvergenceMs", (double)delay);
    sim_resp_json(resp, 202, j);
}

/* --- another actor --- */

static bool subnet_free(const sim_org *o, const vr_cidr *c, const vr_addr *local)
{
    for (size_t i = 0; i < o->conn_count; i++) {
        vr_cidr other;
        if (o->conns[i].subnet_cidr && vr_cidr_parse(&other, o->conns[i].subnet_cidr) == 0 &&
            vr_cidr_overlaps(&other, c))
            return false;
        if (addr_text_is(o->conns[i].remote_ip, local) || addr_text_is(o->conns[i].local_ip, local))
            return false;
    }
    return true;
}

void sim_api_insert_actor_conn(sim_server *srv, sim_org *o)
{
    vr_iface f;
    memset(&f, 0, sizeof(f));
    char buf[128];
    do {
        snprintf(buf, sizeof(buf), "sim-actor-%ld", ++srv->insert_serial);
    } while (sim_org_find_conn_by_name(o, buf));
    f.name = vr_strdup(buf);
    /* A free /24 of 100.64.0.0/10. */
    for (int k = 0; k < 16384; k++) {
        char net[64], local[64];
        snprintf(net, sizeof(net), "100.%d.%d.0/24", 64 + k / 256, k % 256);
        snprintf(local, sizeof(local), "100.%d.%d.1", 64 + k / 256, k % 256);
        vr_cidr c;
        vr_addr l;
        vr_cidr_parse(&c, net);
        vr_addr_parse(&l, local);
        if (subnet_free(o, &c, &l)) {
            f.subnet_cidr = vr_strdup(net);
            f.local_ip = vr_strdup(local);
            break;
        }
    }
    if (!f.subnet_cidr) {
        vr_iface_clear(&f);
        return;
    }
    f.remote_ip = vr_strdup("198.51.100.77");
    f.dns[0] = vr_strdup("192.0.2.53");
    f.dns_count = 1;
    f.type = vr_strdup("ipconnect");
    f.org_id = vr_strdup(o->id);
    f.routing_table_id = vr_strdup(o->table_count ? o->tables[0].id : "rt-none");
    f.description = vr_strdup("inserted by another actor (vni-sim --insert-while-paging)");
    f.state = vr_strdup("active");
    char id[40], ts[32];
    sim_rng_uuid(&srv->rng, id);
    f.id = vr_strdup(id);
    /* Just before the oldest connection, so every page after the first shifts by one. */
    size_t n;
    const vr_iface **sorted = sim_org_sorted_conns(o, &n);
    int64_t when = n ? sim_time_parse_ms(sorted[0]->date_created) : -1;
    free(sorted);
    vr_iso8601(when > 0 ? when - 1 : vr_wall_ms(), ts);
    f.date_created = vr_strdup(ts);
    sim_org_add_conn(o, &f);
}
