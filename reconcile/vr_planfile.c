/* vr_planfile: the saved plan as JSON (write, strict read) and the inventory's Git commit. */
#include "vr_planfile.h"
#include "vr_errcode.h"
#include "vr_file.h"
#include "vr_json.h"
#include "vr_util.h"

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *nz(const char *s)
{
    return s ? s : "";
}

static const char *severity_name(vr_severity s)
{
    return s == VR_SEV_ERROR ? "error" : s == VR_SEV_WARNING ? "warning" : "note";
}

static cJSON *refs_json(const vr_plan_ref *v, size_t n, bool with_state)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", nz(v[i].name));
        vr_json_add_string_or_null(o, "id", v[i].id);
        if (with_state) vr_json_add_string_or_null(o, "state", v[i].state);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *fields_json(const vr_drift_field *f, size_t n)
{
    cJSON *fields = cJSON_CreateArray();
    for (size_t k = 0; k < n; k++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "field", nz(f[k].field));
        cJSON_AddStringToObject(j, "want", nz(f[k].want));
        cJSON_AddStringToObject(j, "live", nz(f[k].live));
        cJSON_AddItemToArray(fields, j);
    }
    return fields;
}

/* A replacement's "replaces": the live connection it deletes, and how it differs. */
static cJSON *replaces_json(const vr_plan_replaced *p)
{
    cJSON *o = cJSON_CreateObject();
    vr_json_add_string_or_null(o, "id", p->id);
    vr_json_add_string_or_null(o, "state", p->state);
    vr_json_add_string_or_null(o, "routingTableId", p->routing_table_id);
    cJSON_AddItemToObject(o, "fields", fields_json(p->fields, p->field_count));
    return o;
}

static cJSON *action_json(const vr_plan_action *a)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "seq", (double)a->seq);
    cJSON_AddStringToObject(j, "action", vr_action_kind_name(a->kind));
    cJSON_AddStringToObject(j, "name", nz(a->name));
    cJSON_AddStringToObject(j, "reason", nz(a->reason));
    cJSON_AddItemToObject(j, "payload",
                          a->kind == VR_ACTION_DELETE ? vr_iface_connection_json(&a->iface)
                                                      : vr_iface_payload_json(&a->iface));
    if (a->kind == VR_ACTION_REPLACE)
        cJSON_AddItemToObject(j, "replaces", replaces_json(&a->replaces));
    return j;
}

static cJSON *options_json(const vr_plan_recorded_opts *o)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "prune", o->prune);
    cJSON_AddNumberToObject(j, "maxDeletes", (double)o->max_deletes);
    cJSON *names = cJSON_AddArrayToObject(j, "replace");
    for (size_t i = 0; i < o->replace_count; i++)
        cJSON_AddItemToArray(names, cJSON_CreateString(nz(o->replace[i])));
    cJSON_AddBoolToObject(j, "replaceDrifted", o->replace_drifted);
    cJSON_AddBoolToObject(j, "replaceFailed", o->replace_failed);
    cJSON_AddNumberToObject(j, "maxReplaces", (double)o->max_replaces);
    vr_json_add_string_or_null(j, "shard", o->shard);
    return j;
}

static cJSON *org_json(const vr_plan_org_result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", nz(r->org_id));
    if (r->region)
        cJSON_AddStringToObject(o, "region", r->region);
    else
        cJSON_AddNullToObject(o, "region");
    cJSON_AddNumberToObject(o, "limit", (double)r->limit);
    cJSON_AddBoolToObject(o, "limitDefaulted", r->limit_defaulted);
    cJSON_AddNumberToObject(o, "liveCount", (double)r->live_count);
    cJSON_AddStringToObject(o, "liveFingerprint", r->live_fingerprint);
    if (r->recorded_state.commit) {
        cJSON *rec = cJSON_AddObjectToObject(o, "recordedState");
        cJSON_AddStringToObject(rec, "branch", nz(r->recorded_state.branch));
        cJSON_AddStringToObject(rec, "commit", r->recorded_state.commit);
        cJSON_AddStringToObject(rec, "recordedAt", nz(r->recorded_state.recorded_at));
        cJSON_AddStringToObject(rec, "command", nz(r->recorded_state.command));
    }
    cJSON *acts = cJSON_AddArrayToObject(o, "actions");
    for (size_t i = 0; i < r->action_count; i++)
        cJSON_AddItemToArray(acts, action_json(&r->actions[i]));
    cJSON_AddItemToObject(o, "unchanged", refs_json(r->unchanged, r->unchanged_count, false));
    cJSON *drift = cJSON_AddArrayToObject(o, "drift");
    for (size_t i = 0; i < r->drift_count; i++) {
        const vr_plan_drift *d = &r->drift[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", nz(d->name));
        vr_json_add_string_or_null(j, "id", d->id);
        cJSON_AddItemToObject(j, "fields", fields_json(d->fields, d->field_count));
        cJSON_AddItemToArray(drift, j);
    }
    cJSON_AddItemToObject(o, "unmanaged", refs_json(r->unmanaged, r->unmanaged_count, true));
    cJSON_AddItemToObject(o, "notActive", refs_json(r->not_active, r->not_active_count, true));
    cJSON *diags = cJSON_AddArrayToObject(o, "diagnostics");
    for (size_t i = 0; i < r->diags.count; i++) {
        const vr_diag *g = &r->diags.items[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "severity", severity_name(g->severity));
        cJSON_AddStringToObject(j, "code", nz(g->code));
        cJSON_AddStringToObject(j, "message", nz(g->message));
        vr_json_add_string_or_null(j, "file", g->file);
        cJSON_AddNumberToObject(j, "line", g->line);
        cJSON_AddNumberToObject(j, "column", g->column);
        cJSON_AddItemToArray(diags, j);
    }
    return o;
}

cJSON *vr_planfile_to_json(const vr_plan *plan)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "formatVersion", VR_PLANFILE_FORMAT_VERSION);
    cJSON_AddStringToObject(root, "toolVersion",
                            plan->tool_version ? plan->tool_version : VR_VERSION);
    cJSON_AddStringToObject(root, "createdAt", plan->created_at);
    cJSON *inv = cJSON_AddObjectToObject(root, "inventory");
    cJSON *files = cJSON_AddArrayToObject(inv, "files");
    for (size_t i = 0; i < plan->file_count; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "path", nz(plan->files[i].path));
        cJSON_AddStringToObject(f, "sha256", plan->files[i].sha256);
        cJSON_AddItemToArray(files, f);
    }
    vr_json_add_string_or_null(inv, "gitCommit", plan->git_commit);
    cJSON_AddBoolToObject(inv, "gitDirty", plan->git_dirty);
    if (plan->options.recorded)
        cJSON_AddItemToObject(root, "options", options_json(&plan->options));
    cJSON *orgs = cJSON_AddArrayToObject(root, "organizations");
    for (size_t i = 0; i < plan->org_count; i++)
        cJSON_AddItemToArray(orgs, org_json(&plan->orgs[i]));
    return root;
}

int vr_planfile_serialize(vr_buf *out, const vr_plan *plan)
{
    cJSON *root = vr_planfile_to_json(plan);
    int rc = vr_json_append(out, root);
    cJSON_Delete(root);
    return rc;
}

int vr_planfile_write(const char *path, const vr_plan *plan, vr_error *err)
{
    for (size_t i = 0; i < plan->org_count; i++)
        if (plan->orgs[i].recorded_state.commit) {
            vr_error_set(err, VR_ERR_PLAN_RECORDED,
                         "plan file %s: not written: the plan of organization %s was made "
                         "against a recorded state (--from-audit) and can never be applied",
                         path, plan->orgs[i].org_id ? plan->orgs[i].org_id : "");
            return -1;
        }
    vr_buf b = VR_BUF_INIT;
    if (vr_planfile_serialize(&b, plan) < 0) {
        vr_error_set(err, VR_ERR_PLAN_WRITE,
                     "plan file %s: cannot serialise the plan: out of memory", path);
        vr_buf_free(&b);
        return -1;
    }
    int rc = 0;
    if (b.len > VR_PLANFILE_MAX_BYTES) {
        /* apply would refuse to read it: say so now rather than save a plan nobody can use */
        vr_error_set(err, VR_ERR_PLAN_WRITE,
                     "plan file %s: the plan takes %zu bytes, over the %u MiB a plan file may hold",
                     path, b.len, VR_PLANFILE_MAX_BYTES >> 20);
        vr_error_remedy(err, "apply the inventory with `apply -f` instead, or split it into "
                             "runs of fewer organizations (--shard)");
        rc = -1;
    } else if (vr_file_write(path, b.data, b.len, 0644, "plan file", err) < 0) {
        if (err) snprintf(err->code, sizeof(err->code), "%s", VR_ERR_PLAN_WRITE);
        rc = -1;
    }
    vr_buf_free(&b);
    return rc;
}

/* ---- strict reading ------------------------------------------------------------------------ */

#define PATHLEN 256
/* The largest seq, limit, liveCount, maxDeletes and maxReplaces a plan file may hold (1e15). */
#define COUNT_MAX 1000000000000000LL

/* The strict readers of vr_json, with this document's error code. */
#define PLAN_INVALID VR_ERR_PLAN_INVALID
#define bad(err, path, ...) vr_json_fail(err, PLAN_INVALID, path, __VA_ARGS__)
#define need(obj, key, path, err) vr_json_need(obj, key, PLAN_INVALID, path, err)
#define need_string(obj, key, path, err, out)                                                      \
    vr_json_need_string(obj, key, PLAN_INVALID, path, err, out)
#define need_string_or_null(obj, key, path, err, out)                                              \
    vr_json_need_string_or_null(obj, key, PLAN_INVALID, path, err, out)
#define need_integer(obj, key, path, err, min, max, out)                                           \
    vr_json_need_integer(obj, key, PLAN_INVALID, path, err, min, max, out)
#define need_bool(obj, key, path, err, out)                                                        \
    vr_json_need_bool(obj, key, PLAN_INVALID, path, err, out)
#define need_array(obj, key, path, err) vr_json_need_array(obj, key, PLAN_INVALID, path, err)
#define is_hex vr_json_is_hex

typedef struct {
    vr_buf msg;
    int count;
} field_errors;

static void on_field_error(void *ctx, const char *field, int index, const char *error_code,
                           const char *message)
{
    field_errors *fe = ctx;
    if (fe->count++ == 0) {
        if (index >= 0)
            vr_buf_printf(&fe->msg, "%s[%d]: %s", field, index, message);
        else
            vr_buf_printf(&fe->msg, "%s: %s", field, message);
    }
}

/* The create payload back into an interface, strictly. */
static int read_create_payload(vr_iface *f, const cJSON *p, const char *org_id, const char *path,
                               vr_error *err)
{
    static const char *const keys[] = {"name",     "organizationId", "type",          "localIp",
                                       "remoteIp", "subnetCidr",     "routingTableId"};
    const char *v[7];
    for (size_t i = 0; i < 7; i++)
        if (need_string(p, keys[i], path, err, &v[i]) < 0) return -1;
    if (strcmp(v[1], org_id) != 0)
        return bad(err, path, "organizationId %s is not the organization's id %s", v[1], org_id);
    const cJSON *dns = need_array(p, "dnsServers", path, err);
    if (!dns) return -1;
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(p, "description");
    if (desc && !cJSON_IsString(desc)) return bad(err, path, "description is not a string");
    f->name = vr_strdup(v[0]);
    f->org_id = vr_strdup(v[1]);
    f->type = vr_strdup(v[2]);
    f->local_ip = vr_strdup(v[3]);
    f->remote_ip = vr_strdup(v[4]);
    f->subnet_cidr = vr_strdup(v[5]);
    f->routing_table_id = vr_strdup(v[6]);
    f->description = desc ? vr_strdup(desc->valuestring) : NULL;
    const cJSON *d;
    int i = 0;
    cJSON_ArrayForEach(d, dns)
    {
        if (!cJSON_IsString(d) || !d->valuestring)
            return bad(err, path, "dnsServers[%d] is not a string", i);
        if (f->dns_count >= VR_DNS_MAX + 1)
            return bad(err, path, "dnsServers has more than %d entries", VR_DNS_MAX);
        f->dns[f->dns_count++] = vr_strdup(d->valuestring);
        i++;
    }
    field_errors fe = {VR_BUF_INIT, 0};
    vr_iface_validate(f, on_field_error, &fe);
    if (fe.count) {
        bad(err, path, "%s", vr_buf_str(&fe.msg));
        vr_buf_free(&fe.msg);
        return -1;
    }
    vr_buf_free(&fe.msg);
    return 0;
}

static int read_refs(vr_plan_ref **out, size_t *out_count, const cJSON *org, const char *key,
                     bool with_state, const char *opath, vr_error *err)
{
    const cJSON *arr = need_array(org, key, opath, err);
    if (!arr) return -1;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    *out = vr_xcalloc(n ? n : 1, sizeof(**out));
    const cJSON *it;
    char path[PATHLEN];
    cJSON_ArrayForEach(it, arr)
    {
        snprintf(path, sizeof(path), "%s.%s[%zu]", opath, key, *out_count);
        const char *name, *id, *state = NULL;
        if (!cJSON_IsObject(it)) return bad(err, path, "is not an object");
        if (need_string(it, "name", path, err, &name) < 0 ||
            need_string_or_null(it, "id", path, err, &id) < 0)
            return -1;
        if (with_state && need_string_or_null(it, "state", path, err, &state) < 0) return -1;
        vr_plan_ref *r = &(*out)[(*out_count)++];
        r->name = vr_strdup(name);
        r->id = vr_strdup(id);
        r->state = vr_strdup(state);
    }
    return 0;
}

/* The "fields" array of obj ([{field, want, live}], all strings) into *out (owned). */
static int read_fields(vr_drift_field **out, size_t *count, const cJSON *obj, const char *path,
                       vr_error *err)
{
    const cJSON *fields = need_array(obj, "fields", path, err);
    if (!fields) return -1;
    size_t fn = (size_t)cJSON_GetArraySize(fields);
    *out = vr_xcalloc(fn ? fn : 1, sizeof(**out));
    const cJSON *f;
    char fpath[PATHLEN + 32];
    cJSON_ArrayForEach(f, fields)
    {
        snprintf(fpath, sizeof(fpath), "%s.fields[%zu]", path, *count);
        const char *field, *want, *live;
        if (!cJSON_IsObject(f)) return bad(err, fpath, "is not an object");
        if (need_string(f, "field", fpath, err, &field) < 0 ||
            need_string(f, "want", fpath, err, &want) < 0 ||
            need_string(f, "live", fpath, err, &live) < 0)
            return -1;
        vr_drift_field *df = &(*out)[(*count)++];
        df->field = vr_strdup(field);
        df->want = vr_strdup(want);
        df->live = vr_strdup(live);
    }
    return 0;
}

/* A replacement's "replaces": id (a string), state and routingTableId (strings or null; the
 * latter absent is null), fields. */
static int read_replaces(vr_plan_replaced *p, const cJSON *action, const char *path, vr_error *err)
{
    char rpath[PATHLEN + 16];
    snprintf(rpath, sizeof(rpath), "%s.replaces", path);
    const cJSON *o = need(action, "replaces", path, err);
    if (!o) return -1;
    if (!cJSON_IsObject(o)) return bad(err, path, "replaces is not an object");
    const char *id, *state, *table = NULL;
    if (need_string(o, "id", rpath, err, &id) < 0 ||
        need_string_or_null(o, "state", rpath, err, &state) < 0)
        return -1;
    if (!vr_id_valid(id)) return bad(err, rpath, "id is not a connection id");
    if (cJSON_GetObjectItemCaseSensitive(o, "routingTableId") &&
        need_string_or_null(o, "routingTableId", rpath, err, &table) < 0)
        return -1;
    p->id = vr_strdup(id);
    p->state = vr_strdup(state);
    p->routing_table_id = vr_strdup(table);
    return read_fields(&p->fields, &p->field_count, o, rpath, err);
}

static int read_actions(vr_plan_org_result *r, const cJSON *org, const char *opath, vr_error *err)
{
    const cJSON *arr = need_array(org, "actions", opath, err);
    if (!arr) return -1;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    r->actions = vr_xcalloc(n ? n : 1, sizeof(*r->actions));
    const cJSON *it;
    char path[PATHLEN], ppath[PATHLEN + 16];
    int last_rank = 0;
    cJSON_ArrayForEach(it, arr)
    {
        size_t i = r->action_count;
        snprintf(path, sizeof(path), "%s.actions[%zu]", opath, i);
        snprintf(ppath, sizeof(ppath), "%s.payload", path);
        if (!cJSON_IsObject(it)) return bad(err, path, "is not an object");
        long long seq;
        const char *action, *name, *reason;
        if (need_integer(it, "seq", path, err, 1, COUNT_MAX, &seq) < 0 ||
            need_string(it, "action", path, err, &action) < 0 ||
            need_string(it, "name", path, err, &name) < 0 ||
            need_string(it, "reason", path, err, &reason) < 0)
            return -1;
        if ((size_t)seq != i + 1)
            return bad(err, path,
                       "seq is %lld; expected %zu (actions are numbered from 1, in "
                       "order)",
                       seq, i + 1);
        const cJSON *payload = need(it, "payload", path, err);
        if (!payload) return -1;
        if (!cJSON_IsObject(payload)) return bad(err, path, "payload is not an object");
        vr_plan_action *a = &r->actions[r->action_count++];
        a->seq = (size_t)seq;
        a->name = vr_strdup(name);
        a->reason = vr_strdup(reason);
        /* deletions, then replacements, then creations */
        int rank;
        if (strcmp(action, "create") == 0) {
            a->kind = VR_ACTION_CREATE;
            rank = 2;
            r->create_count++;
            if (read_create_payload(&a->iface, payload, nz(r->org_id), ppath, err) < 0) return -1;
        } else if (strcmp(action, "replace") == 0) {
            a->kind = VR_ACTION_REPLACE;
            rank = 1;
            r->replace_count++;
            if (read_create_payload(&a->iface, payload, nz(r->org_id), ppath, err) < 0 ||
                read_replaces(&a->replaces, it, path, err) < 0)
                return -1;
        } else if (strcmp(action, "delete") == 0) {
            a->kind = VR_ACTION_DELETE;
            rank = 0;
            r->delete_count++;
            vr_error e2 = VR_ERROR_INIT;
            if (vr_iface_from_json(&a->iface, payload, &e2) < 0)
                return bad(err, ppath, "%s", e2.message);
            if (!vr_id_valid(a->iface.id)) return bad(err, ppath, "id is not a connection id");
        } else {
            return bad(err, path,
                       "action is \"%s\"; expected \"create\", \"replace\" or \"delete\"", action);
        }
        if (rank < last_rank)
            return bad(err, path,
                       "%s after a %s; deletions come first, then replacements, then "
                       "creations",
                       action, vr_action_kind_name(r->actions[i - 1].kind));
        last_rank = rank;
        if (strcmp(nz(a->iface.name), name) != 0)
            return bad(err, ppath, "name %s differs from the action's name %s", nz(a->iface.name),
                       name);
    }
    return 0;
}

static int read_drift(vr_plan_org_result *r, const cJSON *org, const char *opath, vr_error *err)
{
    const cJSON *arr = need_array(org, "drift", opath, err);
    if (!arr) return -1;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    r->drift = vr_xcalloc(n ? n : 1, sizeof(*r->drift));
    const cJSON *it;
    char path[PATHLEN];
    cJSON_ArrayForEach(it, arr)
    {
        snprintf(path, sizeof(path), "%s.drift[%zu]", opath, r->drift_count);
        if (!cJSON_IsObject(it)) return bad(err, path, "is not an object");
        const char *name, *id;
        if (need_string(it, "name", path, err, &name) < 0 ||
            need_string_or_null(it, "id", path, err, &id) < 0)
            return -1;
        vr_plan_drift *d = &r->drift[r->drift_count++];
        d->name = vr_strdup(name);
        d->id = vr_strdup(id);
        if (read_fields(&d->fields, &d->field_count, it, path, err) < 0) return -1;
    }
    return 0;
}

static int read_diags(vr_plan_org_result *r, const cJSON *org, const char *opath, vr_error *err)
{
    const cJSON *arr = need_array(org, "diagnostics", opath, err);
    if (!arr) return -1;
    const cJSON *it;
    char path[PATHLEN];
    size_t i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        snprintf(path, sizeof(path), "%s.diagnostics[%zu]", opath, i++);
        if (!cJSON_IsObject(it)) return bad(err, path, "is not an object");
        const char *sev, *code, *message, *file;
        long long line, column;
        if (need_string(it, "severity", path, err, &sev) < 0 ||
            need_string(it, "code", path, err, &code) < 0 ||
            need_string(it, "message", path, err, &message) < 0 ||
            need_string_or_null(it, "file", path, err, &file) < 0 ||
            need_integer(it, "line", path, err, 0, INT_MAX, &line) < 0 ||
            need_integer(it, "column", path, err, 0, INT_MAX, &column) < 0)
            return -1;
        vr_severity s;
        if (strcmp(sev, "error") == 0)
            s = VR_SEV_ERROR;
        else if (strcmp(sev, "warning") == 0)
            s = VR_SEV_WARNING;
        else if (strcmp(sev, "note") == 0)
            s = VR_SEV_NOTE;
        else
            return bad(err, path, "severity is \"%s\"; expected error, warning or note", sev);
        vr_loc loc = {file, (int)line, (int)column};
        vr_diags_add(&r->diags, s, &loc, code, "%s", message);
    }
    return 0;
}

static int read_org(vr_plan_org_result *r, const cJSON *org, size_t index, vr_error *err)
{
    char opath[64];
    snprintf(opath, sizeof(opath), "organizations[%zu]", index);
    if (!cJSON_IsObject(org)) return bad(err, opath, "is not an object");
    const char *id, *fp;
    long long limit, live_count;
    if (need_string(org, "id", opath, err, &id) < 0 ||
        need_integer(org, "limit", opath, err, 0, COUNT_MAX, &limit) < 0 ||
        need_bool(org, "limitDefaulted", opath, err, &r->limit_defaulted) < 0 ||
        need_integer(org, "liveCount", opath, err, 0, COUNT_MAX, &live_count) < 0 ||
        need_string(org, "liveFingerprint", opath, err, &fp) < 0)
        return -1;
    if (!*id) return bad(err, opath, "id is empty");
    if (!is_hex(fp, 64)) return bad(err, opath, "liveFingerprint is not 64 lower-case hex digits");
    if (cJSON_GetObjectItemCaseSensitive(org, "recordedState"))
        return bad(err, opath,
                   "was planned against a recorded state (plan --from-audit), not the live "
                   "platform: such a plan can never be applied; make one with `vni-reconcile plan "
                   "--out FILE` and credentials");
    r->org_id = vr_strdup(id);
    /* region came with format 1's second release: optional when reading. */
    const cJSON *region = cJSON_GetObjectItemCaseSensitive(org, "region");
    if (region && !cJSON_IsNull(region)) {
        if (!cJSON_IsString(region) || !region->valuestring || !*region->valuestring)
            return bad(err, opath, "region is not a non-empty string or null");
        r->region = vr_strdup(region->valuestring);
    }
    r->limit = (long)limit;
    r->live_count = (size_t)live_count;
    memcpy(r->live_fingerprint, fp, 65);
    if (read_actions(r, org, opath, err) < 0 ||
        read_refs(&r->unchanged, &r->unchanged_count, org, "unchanged", false, opath, err) < 0 ||
        read_drift(r, org, opath, err) < 0 || read_diags(r, org, opath, err) < 0)
        return -1;
    /* later additions of format 1: read when present */
    if (cJSON_GetObjectItemCaseSensitive(org, "unmanaged") &&
        read_refs(&r->unmanaged, &r->unmanaged_count, org, "unmanaged", true, opath, err) < 0)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(org, "notActive") &&
        read_refs(&r->not_active, &r->not_active_count, org, "notActive", true, opath, err) < 0)
        return -1;
    return 0;
}

/* "options" (recorded since replacements came; absent in older files: not recorded). */
static int read_options(vr_plan *p, const cJSON *root, vr_error *err)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "options");
    if (!o) return 0;
    if (!cJSON_IsObject(o)) return bad(err, NULL, "options is not an object");
    vr_plan_recorded_opts *r = &p->options;
    long long max_deletes, max_replaces;
    if (need_bool(o, "prune", "options", err, &r->prune) < 0 ||
        need_integer(o, "maxDeletes", "options", err, 0, COUNT_MAX, &max_deletes) < 0 ||
        need_bool(o, "replaceDrifted", "options", err, &r->replace_drifted) < 0 ||
        need_bool(o, "replaceFailed", "options", err, &r->replace_failed) < 0 ||
        need_integer(o, "maxReplaces", "options", err, 0, COUNT_MAX, &max_replaces) < 0)
        return -1;
    const cJSON *names = need_array(o, "replace", "options", err);
    if (!names) return -1;
    /* shard came after the other options: absent is null (every organization) */
    const char *shard = NULL;
    if (cJSON_GetObjectItemCaseSensitive(o, "shard") &&
        need_string_or_null(o, "shard", "options", err, &shard) < 0)
        return -1;
    r->shard = shard ? vr_strdup(shard) : NULL;
    r->recorded = true;
    r->max_deletes = (long)max_deletes;
    r->max_replaces = (long)max_replaces;
    size_t n = (size_t)cJSON_GetArraySize(names);
    r->replace = vr_xcalloc(n ? n : 1, sizeof(*r->replace));
    const cJSON *it;
    cJSON_ArrayForEach(it, names)
    {
        if (!cJSON_IsString(it) || !it->valuestring || !vr_name_valid(it->valuestring))
            return bad(err, "options", "replace[%zu] is not an interface name", r->replace_count);
        r->replace[r->replace_count++] = vr_strdup(it->valuestring);
    }
    return 0;
}

static int read_root(vr_plan *p, const cJSON *root, vr_error *err)
{
    if (!cJSON_IsObject(root)) return bad(err, NULL, "not a JSON object");
    const cJSON *fv = cJSON_GetObjectItemCaseSensitive(root, "formatVersion");
    if (!fv) return bad(err, NULL, "lacks formatVersion; not a vni-reconcile plan file");
    if (!cJSON_IsNumber(fv) || fv->valuedouble != VR_PLANFILE_FORMAT_VERSION) {
        char *t = cJSON_PrintUnformatted(fv);
        bad(err, NULL,
            "formatVersion %s is not supported; vni-reconcile %s reads formatVersion %d "
            "(make the plan again with this version)",
            t ? t : "?", VR_VERSION, VR_PLANFILE_FORMAT_VERSION);
        free(t);
        return -1;
    }
    const char *tool, *created, *commit;
    if (need_string(root, "toolVersion", "", err, &tool) < 0 ||
        need_string(root, "createdAt", "", err, &created) < 0)
        return -1;
    if (strlen(created) >= sizeof(p->created_at))
        return bad(err, NULL, "createdAt is too long for an ISO 8601 timestamp");
    p->tool_version = vr_strdup(tool);
    memcpy(p->created_at, created, strlen(created) + 1);
    const cJSON *inv = need(root, "inventory", "", err);
    if (!inv) return -1;
    if (!cJSON_IsObject(inv)) return bad(err, NULL, "inventory is not an object");
    const cJSON *files = need_array(inv, "files", "inventory", err);
    if (!files) return -1;
    size_t nf = (size_t)cJSON_GetArraySize(files);
    p->files = vr_xcalloc(nf ? nf : 1, sizeof(*p->files));
    const cJSON *f;
    char path[PATHLEN];
    cJSON_ArrayForEach(f, files)
    {
        snprintf(path, sizeof(path), "inventory.files[%zu]", p->file_count);
        const char *fpath, *sha;
        if (!cJSON_IsObject(f)) return bad(err, path, "is not an object");
        if (need_string(f, "path", path, err, &fpath) < 0 ||
            need_string(f, "sha256", path, err, &sha) < 0)
            return -1;
        if (!is_hex(sha, 64)) return bad(err, path, "sha256 is not 64 lower-case hex digits");
        p->files[p->file_count].path = vr_strdup(fpath);
        memcpy(p->files[p->file_count].sha256, sha, 65);
        p->file_count++;
    }
    if (need_string_or_null(inv, "gitCommit", "inventory", err, &commit) < 0) return -1;
    if (commit && !is_hex(commit, 40) && !is_hex(commit, 64))
        return bad(err, "inventory", "gitCommit is not a hex commit id");
    p->git_commit = vr_strdup(commit);
    const cJSON *dirty = cJSON_GetObjectItemCaseSensitive(inv, "gitDirty");
    if (dirty && !cJSON_IsBool(dirty))
        return bad(err, "inventory", "gitDirty is not true or false");
    p->git_dirty = cJSON_IsTrue(dirty);
    if (read_options(p, root, err) < 0) return -1;
    const cJSON *orgs = need_array(root, "organizations", "", err);
    if (!orgs) return -1;
    size_t no = (size_t)cJSON_GetArraySize(orgs);
    p->orgs = vr_xcalloc(no ? no : 1, sizeof(*p->orgs));
    const cJSON *o;
    cJSON_ArrayForEach(o, orgs)
    {
        vr_plan_org_result *r = &p->orgs[p->org_count++];
        if (read_org(r, o, p->org_count - 1, err) < 0) return -1;
    }
    return 0;
}

int vr_planfile_parse(vr_plan *out, const char *text, size_t len, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = vr_json_parse(text, len, PLAN_INVALID, err);
    if (!root) return -1;
    int rc = read_root(out, root, err);
    cJSON_Delete(root);
    if (rc < 0) vr_plan_free(out);
    return rc;
}

int vr_planfile_read(vr_plan *out, const char *path, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    char *text = NULL;
    size_t len = 0;
    int rc = vr_read_file(path, VR_PLANFILE_MAX_BYTES, &text, &len);
    if (rc == -2) {
        vr_error_set(err, VR_ERR_PLAN_INVALID,
                     "plan file %s: larger than %u MiB, the most a plan file may hold", path,
                     VR_PLANFILE_MAX_BYTES >> 20);
        return -1;
    }
    if (rc < 0) {
        vr_error_set(err, VR_ERR_PLAN_READ, "plan file %s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    vr_error e2 = VR_ERROR_INIT;
    rc = vr_planfile_parse(out, text, len, &e2);
    free(text);
    if (rc < 0) {
        vr_error_set(err, e2.code, "plan file %s: %s", path, e2.message);
        return -1;
    }
    return 0;
}

/* ---- the inventory's Git commit ------------------------------------------------------------ */

static int git_fail(vr_error *err, const char *what)
{
    const git_error *e = git_error_last();
    vr_error_set(err, VR_ERR_INVENTORY_GIT, "inventory git commit: %s: %s", what,
                 e && e->message ? e->message : "unknown error");
    return -1;
}

int vr_planfile_git_commit(char **out_commit, bool *out_dirty, const char *const *paths,
                           size_t path_count, vr_error *err)
{
    *out_commit = NULL;
    if (out_dirty) *out_dirty = false;
    if (path_count == 0) return 0;
    git_repository *repo = NULL;
    char *workdir = NULL;
    int rc = 0;
    bool dirty = false;
    char **real = vr_xcalloc(path_count, sizeof(*real));
    for (size_t i = 0; i < path_count; i++) {
        if (!paths[i] || strcmp(paths[i], "-") == 0 || !(real[i] = realpath(paths[i], NULL)))
            goto done; /* stdin, or a file that is gone: no commit to name */
        char *dir = vr_strdup(real[i]);
        char *slash = strrchr(dir, '/');
        if (slash) slash[slash == dir ? 1 : 0] = '\0';
        git_repository *r = NULL;
        int e = git_repository_open_ext(&r, dir, 0, NULL);
        free(dir);
        if (e == GIT_ENOTFOUND) goto done;
        if (e < 0) {
            rc = git_fail(err, "cannot open the repository");
            goto done;
        }
        const char *wd = git_repository_workdir(r);
        char *wd_real = wd ? realpath(wd, NULL) : NULL;
        if (!wd_real) {
            git_repository_free(r); /* bare */
            goto done;
        }
        if (!repo) {
            repo = r;
            workdir = wd_real;
        } else {
            bool same = strcmp(workdir, wd_real) == 0;
            free(wd_real);
            git_repository_free(r);
            if (!same) goto done; /* files in different repositories: no single commit */
        }
    }
    git_oid oid;
    int e = git_reference_name_to_id(&oid, repo, "HEAD");
    if (e == GIT_ENOTFOUND || e == GIT_EUNBORNBRANCH) goto done;
    if (e < 0) {
        rc = git_fail(err, "cannot resolve HEAD");
        goto done;
    }
    size_t wl = strlen(workdir);
    for (size_t i = 0; i < path_count && !dirty; i++) {
        const char *rel = real[i];
        if (strncmp(rel, workdir, wl) == 0) {
            rel += wl;
            while (*rel == '/')
                rel++;
        }
        unsigned int flags = 0;
        if (git_status_file(&flags, repo, rel) < 0 || flags != GIT_STATUS_CURRENT) dirty = true;
    }
    char hex[80]; /* GIT_OID_HEXSZ (40) or, with SHA-256 object ids, 64, plus NUL */
    git_oid_tostr(hex, sizeof(hex), &oid);
    *out_commit = vr_strdup(hex);
    if (out_dirty) *out_dirty = dirty;
done:
    for (size_t i = 0; i < path_count; i++)
        free(real[i]);
    free(real);
    free(workdir);
    git_repository_free(repo);
    return rc;
}
