/* sim_admin: /__sim/requests, /__sim/state, /__sim/connections, /__sim/faults. */
#include "sim_admin.h"
#include "vr_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *log_json(const sim_server *srv)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < srv->log_count; i++) {
        const sim_log_entry *e = &srv->log[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "seq", (double)e->seq);
        cJSON_AddStringToObject(j, "method", e->method);
        cJSON_AddStringToObject(j, "path", e->path);
        cJSON_AddNumberToObject(j, "status", e->status);
        if (e->status == 0) cJSON_AddBoolToObject(j, "dropped", true);
        cJSON_AddNumberToObject(j, "tMs", (double)e->t_ms);
        if (e->retry_after >= 0)
            cJSON_AddNumberToObject(j, "retryAfter", (double)e->retry_after);
        else
            cJSON_AddNullToObject(j, "retryAfter");
        if (e->client_id)
            cJSON_AddStringToObject(j, "clientId", e->client_id);
        else
            cJSON_AddNullToObject(j, "clientId");
        cJSON_AddStringToObject(j, "correlationId", e->correlation_id);
        cJSON_AddItemToArray(arr, j);
    }
    return arr;
}

static void log_clear(sim_server *srv)
{
    for (size_t i = 0; i < srv->log_count; i++) {
        free(srv->log[i].method);
        free(srv->log[i].path);
        free(srv->log[i].client_id);
    }
    srv->log_count = 0;
}

static cJSON *parse_object(const sim_req *req, sim_resp *resp)
{
    cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        sim_resp_error(resp, 400, "bad.request", "request body must be a JSON object");
        return NULL;
    }
    return body;
}

static void insert_conn(sim_server *srv, const sim_req *req, sim_resp *resp)
{
    cJSON *body = parse_object(req, resp);
    if (!body) return;
    const cJSON *org_item = cJSON_GetObjectItemCaseSensitive(body, "orgId");
    if (!org_item) org_item = cJSON_GetObjectItemCaseSensitive(body, "organizationId");
    sim_org *o = cJSON_IsString(org_item) ? sim_state_find_org(&srv->state, org_item->valuestring)
                 : srv->state.org_count == 1 ? &srv->state.orgs[0]
                                             : NULL;
    if (!o) {
        sim_resp_error(resp, 400, "bad.request", "orgId must name an organization of the state");
        cJSON_Delete(body);
        return;
    }
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(body, "id"))) {
        char id[40];
        sim_rng_uuid(&srv->rng, id);
        cJSON_DeleteItemFromObjectCaseSensitive(body, "id");
        cJSON_AddStringToObject(body, "id", id);
    }
    vr_iface f;
    vr_error e = VR_ERROR_INIT;
    int rc = vr_iface_from_json(&f, body, &e);
    cJSON_Delete(body);
    if (rc < 0) {
        sim_resp_error(resp, 400, "bad.request", "%s", e.message);
        return;
    }
    if (sim_org_find_conn_by_name(o, f.name) || sim_state_find_conn(&srv->state, f.id, NULL)) {
        sim_resp_error(resp, 409, "name.duplicate", "a connection named %s or with id %s exists",
                       f.name, f.id);
        vr_iface_clear(&f);
        return;
    }
    vr_iface_set_str(&f, &f.org_id, o->id);
    if (!f.type) f.type = vr_strdup("ipconnect");
    if (!f.state) f.state = vr_strdup("active");
    if (!f.date_created) {
        char ts[32];
        vr_iso8601(vr_wall_ms(), ts);
        f.date_created = vr_strdup(ts);
    }
    vr_iface *stored = sim_org_add_conn(o, &f);
    sim_resp_json(resp, 201, vr_iface_connection_json(stored));
}

static int set_str(vr_iface *n, char **dst, const cJSON *v, bool nullable)
{
    if (cJSON_IsNull(v) && nullable) {
        vr_iface_set_str(n, dst, NULL);
        return 0;
    }
    if (!cJSON_IsString(v)) return -1;
    vr_iface_set_str(n, dst, v->valuestring);
    return 0;
}

static void patch_conn(sim_server *srv, const sim_req *req, const char *id, sim_resp *resp)
{
    sim_org *o;
    vr_iface *f = sim_state_find_conn(&srv->state, id, &o);
    if (!f) {
        sim_resp_error(resp, 404, "not.found", "connection %s not found", id);
        return;
    }
    cJSON *body = parse_object(req, resp);
    if (!body) return;
    /* Check everything first so that a bad patch changes nothing. */
    vr_iface n;
    vr_iface_copy(&n, f);
    const cJSON *v;
    cJSON_ArrayForEach(v, body)
    {
        const char *k = v->string;
        int rc = -1;
        if (strcmp(k, "name") == 0)
            rc = set_str(&n, &n.name, v, false);
        else if (strcmp(k, "type") == 0)
            rc = set_str(&n, &n.type, v, false);
        else if (strcmp(k, "localIp") == 0)
            rc = set_str(&n, &n.local_ip, v, false);
        else if (strcmp(k, "remoteIp") == 0)
            rc = set_str(&n, &n.remote_ip, v, false);
        else if (strcmp(k, "subnetCidr") == 0)
            rc = set_str(&n, &n.subnet_cidr, v, false);
        else if (strcmp(k, "routingTableId") == 0)
            rc = set_str(&n, &n.routing_table_id, v, false);
        else if (strcmp(k, "description") == 0)
            rc = set_str(&n, &n.description, v, true);
        else if (strcmp(k, "state") == 0)
            rc = set_str(&n, &n.state, v, false);
        else if (strcmp(k, "dateCreated") == 0)
            rc = set_str(&n, &n.date_created, v, false);
        else if (strcmp(k, "dnsServers") == 0 && cJSON_IsArray(v) &&
                 cJSON_GetArraySize(v) <= VR_DNS_MAX + 1) {
            const cJSON *d;
            rc = 0;
            cJSON_ArrayForEach(d, v)
            {
                if (!cJSON_IsString(d)) rc = -1;
            }
            if (rc == 0) {
                size_t i = 0;
                cJSON_ArrayForEach(d, v)
                {
                    vr_iface_set_str(&n, &n.dns[i++], d->valuestring);
                }
                for (n.dns_count = i; i < VR_DNS_MAX + 1; i++)
                    vr_iface_set_str(&n, &n.dns[i], NULL);
            }
        }
        if (rc < 0) {
            sim_resp_error(resp, 400, "bad.request",
                           "field %s cannot be patched to that value (strings; dnsServers a list "
                           "of up to %d strings; description may be null)",
                           k, VR_DNS_MAX + 1);
            vr_iface_clear(&n);
            cJSON_Delete(body);
            return;
        }
    }
    cJSON_Delete(body);
    vr_iface *same = sim_org_find_conn_by_name(o, n.name);
    if (same && same != f) {
        sim_resp_error(resp, 409, "name.duplicate", "a connection named %s exists", n.name);
        vr_iface_clear(&n);
        return;
    }
    vr_iface_clear(f);
    *f = n;
    sim_resp_json(resp, 200, vr_iface_connection_json(f));
}

static void delete_conn(sim_server *srv, const char *id, sim_resp *resp)
{
    sim_org *o;
    if (!sim_state_find_conn(&srv->state, id, &o)) {
        sim_resp_error(resp, 404, "not.found", "connection %s not found", id);
        return;
    }
    size_t idx;
    sim_org_find_conn(o, id, &idx);
    sim_org_remove_conn(o, idx);
    resp->status = 204;
}

static void set_faults(sim_server *srv, const sim_req *req, sim_resp *resp)
{
    cJSON *body = parse_object(req, resp);
    if (!body) return;
    char err[256];
    uint64_t seed = 0;
    bool has_seed = false;
    int rc = sim_faults_apply_json(&srv->faults, body, &seed, &has_seed, err, sizeof(err));
    cJSON_Delete(body);
    if (rc < 0) {
        sim_resp_error(resp, 400, "bad.request", "%s", err);
        return;
    }
    if (has_seed) sim_rng_seed(&srv->rng, seed);
    sim_resp_json(resp, 200, sim_faults_to_json(&srv->faults));
}

static void method_not_allowed(sim_resp *resp, const char *allow)
{
    sim_resp_error(resp, 405, "method.not.allowed", "method not allowed; use %s", allow);
    snprintf(resp->allow, sizeof(resp->allow), "%s", allow);
}

void sim_admin_handle(sim_server *srv, const sim_req *req, sim_resp *resp)
{
    const char *p = req->path, *m = req->method;
    static const char conn_prefix[] = "/__sim/connections/";
    if (strcmp(p, "/__sim/requests") == 0) {
        if (strcmp(m, "GET") == 0)
            sim_resp_json(resp, 200, log_json(srv));
        else if (strcmp(m, "DELETE") == 0) {
            log_clear(srv);
            resp->status = 204;
        } else
            method_not_allowed(resp, "GET, DELETE");
    } else if (strcmp(p, "/__sim/state") == 0) {
        if (strcmp(m, "GET") == 0) {
            cJSON *st = sim_state_to_json(&srv->state, false);
            cJSON_AddNumberToObject(st, "seed", (double)srv->opts.seed);
            sim_resp_json(resp, 200, st);
        } else
            method_not_allowed(resp, "GET");
    } else if (strcmp(p, "/__sim/faults") == 0) {
        if (strcmp(m, "GET") == 0)
            sim_resp_json(resp, 200, sim_faults_to_json(&srv->faults));
        else if (strcmp(m, "POST") == 0)
            set_faults(srv, req, resp);
        else
            method_not_allowed(resp, "GET, POST");
    } else if (strcmp(p, "/__sim/connections") == 0) {
        if (strcmp(m, "POST") == 0)
            insert_conn(srv, req, resp);
        else
            method_not_allowed(resp, "POST");
    } else if (strncmp(p, conn_prefix, sizeof(conn_prefix) - 1) == 0 &&
               p[sizeof(conn_prefix) - 1] && !strchr(p + sizeof(conn_prefix) - 1, '/')) {
        const char *id = p + sizeof(conn_prefix) - 1;
        if (strcmp(m, "PATCH") == 0)
            patch_conn(srv, req, id, resp);
        else if (strcmp(m, "DELETE") == 0)
            delete_conn(srv, id, resp);
        else
            method_not_allowed(resp, "PATCH, DELETE");
    } else {
        sim_resp_error(resp, 404, "not.found", "no admin resource at %s", p);
    }
}
