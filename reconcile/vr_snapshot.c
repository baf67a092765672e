/* vr_snapshot: an organization's recorded live state as JSON, written and read strictly. */
#include "vr_snapshot.h"

#include "vr_errcode.h"
#include "vr_json.h"
#include "vr_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_INVALID VR_ERR_STATE_INVALID

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int by_name_then_id(const void *a, const void *b)
{
    const vr_iface *x = *(const vr_iface *const *)a, *y = *(const vr_iface *const *)b;
    int c = strcmp(nz(x->name), nz(y->name));
    return c ? c : strcmp(nz(x->id), nz(y->id));
}

static int table_by_id(const void *a, const void *b)
{
    const vr_routing_table *x = *(const vr_routing_table *const *)a;
    const vr_routing_table *y = *(const vr_routing_table *const *)b;
    return strcmp(nz(x->id), nz(y->id));
}

int vr_snapshot_write(vr_buf *out, const vr_snapshot_meta *meta, const vr_iface *live,
                      size_t live_count, const vr_limits *limits, const vr_routing_table *tables,
                      size_t table_count)
{
    if (!meta || !meta->org_id || !meta->command || !meta->run_id || !limits) return -1;
    char at[32], fp[65];
    vr_iso8601(meta->read_wall_ms, at);
    vr_plan_live_fingerprint(live, live_count, fp);

    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "formatVersion", VR_SNAPSHOT_FORMAT_VERSION);
    cJSON_AddStringToObject(root, "organizationId", meta->org_id);
    cJSON_AddStringToObject(root, "recordedAt", at);
    cJSON_AddStringToObject(root, "command", meta->command);
    cJSON_AddStringToObject(root, "runId", meta->run_id);
    cJSON_AddStringToObject(root, "toolVersion", VR_VERSION);
    cJSON_AddNumberToObject(root, "limit", (double)limits->connections_max);
    cJSON_AddBoolToObject(root, "limitDefaulted", limits->limit_defaulted);
    cJSON_AddNumberToObject(root, "liveCount", (double)live_count);
    cJSON_AddStringToObject(root, "liveFingerprint", fp);

    const vr_iface **order = vr_xcalloc(live_count + 1, sizeof(*order));
    for (size_t i = 0; i < live_count; i++)
        order[i] = &live[i];
    qsort(order, live_count, sizeof(*order), by_name_then_id);
    cJSON *conns = cJSON_AddArrayToObject(root, "connections");
    for (size_t i = 0; i < live_count; i++)
        cJSON_AddItemToArray(conns, vr_iface_connection_json(order[i]));
    free(order);

    const vr_routing_table **torder = vr_xcalloc(table_count + 1, sizeof(*torder));
    for (size_t i = 0; i < table_count; i++)
        torder[i] = &tables[i];
    qsort(torder, table_count, sizeof(*torder), table_by_id);
    cJSON *arr = cJSON_AddArrayToObject(root, "routingTables");
    for (size_t i = 0; i < table_count; i++) {
        const vr_routing_table *t = torder[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", nz(t->id));
        vr_json_add_string_or_null(o, "name", t->name);
        vr_json_add_string_or_null(o, "currentHash", t->current_hash);
        if (t->route_count >= 0)
            cJSON_AddNumberToObject(o, "routeCount", (double)t->route_count);
        else
            cJSON_AddNullToObject(o, "routeCount");
        vr_json_add_string_or_null(o, "state", t->state);
        cJSON_AddItemToArray(arr, o);
    }
    free(torder);

    int rc = vr_json_append(out, root);
    cJSON_Delete(root);
    return rc;
}

/* ---- reading ---- */

/* A connection as recorded: an object whose keys are strings, but dnsServers, an array of
 * strings (the platform's own connection, docs/api.md §4); id and name required. */
static int read_connection(vr_iface *out, const cJSON *c, const char *path, vr_error *err)
{
    if (!cJSON_IsObject(c)) return vr_json_fail(err, STATE_INVALID, path, "is not an object");
    const cJSON *v;
    cJSON_ArrayForEach(v, c)
    {
        if (strcmp(v->string, "dnsServers") == 0) {
            if (!cJSON_IsArray(v))
                return vr_json_fail(err, STATE_INVALID, path, "dnsServers is not an array");
            const cJSON *d;
            int i = 0;
            cJSON_ArrayForEach(d, v)
            {
                if (!cJSON_IsString(d))
                    return vr_json_fail(err, STATE_INVALID, path, "dnsServers[%d] is not a string",
                                        i);
                i++;
            }
            if (i > VR_DNS_MAX + 1)
                return vr_json_fail(err, STATE_INVALID, path, "dnsServers has %d entries", i);
        } else if (!cJSON_IsString(v)) {
            return vr_json_fail(err, STATE_INVALID, path, "%s is not a string", v->string);
        }
    }
    vr_error e2 = VR_ERROR_INIT;
    if (vr_iface_from_json(out, c, &e2) < 0)
        return vr_json_fail(err, STATE_INVALID, path, "%s", e2.message);
    return 0;
}

static int read_table(vr_routing_table *out, const cJSON *t, const char *path, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(t)) return vr_json_fail(err, STATE_INVALID, path, "is not an object");
    const char *id, *name, *hash, *state;
    if (vr_json_need_string(t, "id", STATE_INVALID, path, err, &id) < 0 ||
        vr_json_need_string_or_null(t, "name", STATE_INVALID, path, err, &name) < 0 ||
        vr_json_need_string_or_null(t, "currentHash", STATE_INVALID, path, err, &hash) < 0 ||
        vr_json_need_string_or_null(t, "state", STATE_INVALID, path, err, &state) < 0)
        return -1;
    if (!*id) return vr_json_fail(err, STATE_INVALID, path, "id is empty");
    long long routes = -1;
    const cJSON *rc = vr_json_need(t, "routeCount", STATE_INVALID, path, err);
    if (!rc) return -1;
    if (!cJSON_IsNull(rc) &&
        vr_json_need_integer(t, "routeCount", STATE_INVALID, path, err, 0, 1e9, &routes) < 0)
        return -1;
    out->id = vr_strdup(id);
    out->name = name ? vr_strdup(name) : NULL;
    out->current_hash = hash ? vr_strdup(hash) : NULL;
    out->state = state ? vr_strdup(state) : NULL;
    out->route_count = (long)routes;
    return 0;
}

static int read_version(const cJSON *root, vr_error *err)
{
    const cJSON *fv = cJSON_GetObjectItemCaseSensitive(root, "formatVersion");
    if (!fv)
        return vr_json_fail(err, STATE_INVALID, NULL,
                            "lacks formatVersion; not a live state recorded by vni-reconcile");
    if (cJSON_IsNumber(fv) && fv->valuedouble == VR_SNAPSHOT_FORMAT_VERSION) return 0;
    char *t = cJSON_PrintUnformatted(fv);
    vr_json_fail(err, VR_ERR_STATE_VERSION, NULL,
                 "formatVersion %s is not supported; vni-reconcile %s reads formatVersion %d "
                 "(record the state again with this version: drift --audit-repo)",
                 t ? t : "?", VR_VERSION, VR_SNAPSHOT_FORMAT_VERSION);
    free(t);
    return -1;
}

static int read_root(vr_snapshot *s, const cJSON *root, const char *org_id, vr_error *err)
{
    if (!cJSON_IsObject(root)) return vr_json_fail(err, STATE_INVALID, NULL, "not a JSON object");
    if (read_version(root, err) < 0) return -1;
    const char *org, *at, *command, *run, *tool, *fp;
    long long limit, count;
    if (vr_json_need_string(root, "organizationId", STATE_INVALID, NULL, err, &org) < 0 ||
        vr_json_need_string(root, "recordedAt", STATE_INVALID, NULL, err, &at) < 0 ||
        vr_json_need_string(root, "command", STATE_INVALID, NULL, err, &command) < 0 ||
        vr_json_need_string(root, "runId", STATE_INVALID, NULL, err, &run) < 0 ||
        vr_json_need_string(root, "toolVersion", STATE_INVALID, NULL, err, &tool) < 0 ||
        vr_json_need_integer(root, "limit", STATE_INVALID, NULL, err, 0, 1e9, &limit) < 0 ||
        vr_json_need_bool(root, "limitDefaulted", STATE_INVALID, NULL, err,
                          &s->limits.limit_defaulted) < 0 ||
        vr_json_need_integer(root, "liveCount", STATE_INVALID, NULL, err, 0, 1e9, &count) < 0 ||
        vr_json_need_string(root, "liveFingerprint", STATE_INVALID, NULL, err, &fp) < 0)
        return -1;
    if (org_id && strcmp(org, org_id) != 0)
        return vr_json_fail(err, STATE_INVALID, NULL,
                            "organizationId is %s; expected the state of organization %s", org,
                            org_id);
    if (!*org) return vr_json_fail(err, STATE_INVALID, NULL, "organizationId is empty");
    if (!*at || strlen(at) >= sizeof(s->recorded_at))
        return vr_json_fail(err, STATE_INVALID, NULL,
                            "recordedAt \"%s\" is not an ISO 8601 timestamp", at);
    if (strcmp(command, "apply") != 0 && strcmp(command, "drift") != 0)
        return vr_json_fail(err, STATE_INVALID, NULL, "command is \"%s\"; expected apply or drift",
                            command);
    if (!vr_json_is_hex(fp, 64))
        return vr_json_fail(err, STATE_INVALID, NULL,
                            "liveFingerprint is not 64 lower-case hex digits");
    s->org_id = vr_strdup(org);
    s->command = vr_strdup(command);
    s->run_id = vr_strdup(run);
    s->tool_version = vr_strdup(tool);
    memcpy(s->recorded_at, at, strlen(at) + 1);
    memcpy(s->live_fingerprint, fp, 65);
    s->limits.connections_max = (long)limit;

    char path[64];
    const cJSON *conns = vr_json_need_array(root, "connections", STATE_INVALID, NULL, err);
    if (!conns) return -1;
    size_t n = (size_t)cJSON_GetArraySize(conns);
    s->live.items = vr_xcalloc(n + 1, sizeof(*s->live.items));
    const cJSON *c;
    cJSON_ArrayForEach(c, conns)
    {
        snprintf(path, sizeof(path), "connections[%zu]", s->live.count);
        if (read_connection(&s->live.items[s->live.count], c, path, err) < 0) return -1;
        s->live.count++;
    }
    const cJSON *tables = vr_json_need_array(root, "routingTables", STATE_INVALID, NULL, err);
    if (!tables) return -1;
    n = (size_t)cJSON_GetArraySize(tables);
    s->tables.items = vr_xcalloc(n + 1, sizeof(*s->tables.items));
    const cJSON *t;
    cJSON_ArrayForEach(t, tables)
    {
        snprintf(path, sizeof(path), "routingTables[%zu]", s->tables.count);
        if (read_table(&s->tables.items[s->tables.count], t, path, err) < 0) return -1;
        s->tables.count++;
    }
    /* The count and the fingerprint vouch for the connections: a file cut short or edited
     * by hand is refused rather than planned against. */
    if ((size_t)count != s->live.count)
        return vr_json_fail(err, STATE_INVALID, NULL,
                            "liveCount is %lld but the file holds %zu connections", count,
                            s->live.count);
    char want[65];
    vr_plan_live_fingerprint(s->live.items, s->live.count, want);
    if (strcmp(want, s->live_fingerprint) != 0)
        return vr_json_fail(err, STATE_INVALID, NULL,
                            "liveFingerprint %.12s does not match the connections recorded "
                            "(%.12s); the file was changed after it was written",
                            s->live_fingerprint, want);
    return 0;
}

int vr_snapshot_parse(vr_snapshot *out, const char *text, size_t len, const char *org_id,
                      vr_error *err)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = vr_json_parse(text, len, STATE_INVALID, err);
    if (!root) return -1;
    int rc = read_root(out, root, org_id, err);
    cJSON_Delete(root);
    if (rc < 0) vr_snapshot_free(out);
    return rc;
}

void vr_snapshot_free(vr_snapshot *s)
{
    if (!s) return;
    free(s->org_id);
    free(s->command);
    free(s->run_id);
    free(s->tool_version);
    vr_iface_list_free(&s->live);
    vr_routing_table_list_free(&s->tables);
    memset(s, 0, sizeof(*s));
}
