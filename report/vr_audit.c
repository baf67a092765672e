/* vr_audit: the audit record of docs/api.md §9, its JSON line, and the fsync'd append-only log. */
#include "vr_audit.h"
#include "vr_errcode.h"

#include "vr_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const action_names[] = {"vni_provisioning", "vni_deletion", "routing_sync",
                                           "drift_check"};
static const char *const status_names[] = {"provisioned", "deleted", "failed", "skipped",
                                           "unchanged",   "drifted", "started"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *vr_audit_action_name(vr_audit_action a)
{
    return (unsigned)a < COUNT(action_names) ? action_names[a] : "unknown";
}

const char *vr_audit_status_name(vr_audit_status s)
{
    return (unsigned)s < COUNT(status_names) ? status_names[s] : "unknown";
}

int vr_audit_action_parse(const char *name, vr_audit_action *out)
{
    for (size_t i = 0; name && i < COUNT(action_names); i++)
        if (strcmp(name, action_names[i]) == 0) {
            *out = (vr_audit_action)i;
            return 0;
        }
    return -1;
}

int vr_audit_status_parse(const char *name, vr_audit_status *out)
{
    for (size_t i = 0; name && i < COUNT(status_names); i++)
        if (strcmp(name, status_names[i]) == 0) {
            *out = (vr_audit_status)i;
            return 0;
        }
    return -1;
}

void vr_audit_record_init(vr_audit_record *r, const char *run_id, vr_audit_action action,
                          vr_audit_status status)
{
    memset(r, 0, sizeof *r);
    vr_uuid4(r->event_id);
    if (run_id && run_id[0]) {
        size_t n = strlen(run_id);
        if (n >= sizeof r->run_id) n = sizeof r->run_id - 1;
        memcpy(r->run_id, run_id, n);
        r->run_id[n] = '\0';
    } else {
        vr_uuid4(r->run_id);
    }
    r->wall_ms = vr_wall_ms();
    r->action = action;
    r->status = status;
    r->total_ms = r->create_ms = r->convergence_ms = VR_AUDIT_MS_NONE;
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *ms_or_null(int64_t ms)
{
    return ms >= 0 ? cJSON_CreateNumber((double)ms) : cJSON_CreateNull();
}

cJSON *vr_audit_record_to_json(const vr_audit_record *r)
{
    char ts[32];
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    vr_iso8601(r->wall_ms, ts);
    cJSON_AddItemToObject(o, "eventId", cJSON_CreateString(r->event_id));
    cJSON_AddItemToObject(o, "runId", cJSON_CreateString(r->run_id));
    cJSON_AddItemToObject(o, "timestamp", cJSON_CreateString(ts));
    cJSON_AddItemToObject(o, "action", cJSON_CreateString(vr_audit_action_name(r->action)));
    cJSON_AddItemToObject(o, "interfaceName", str_or_null(r->interface_name));
    cJSON_AddItemToObject(o, "interfaceId", str_or_null(r->interface_id));
    cJSON_AddItemToObject(o, "status", cJSON_CreateString(vr_audit_status_name(r->status)));
    cJSON *lat = cJSON_CreateObject();
    cJSON_AddItemToObject(lat, "total", ms_or_null(r->total_ms));
    cJSON_AddItemToObject(lat, "create", ms_or_null(r->create_ms));
    cJSON_AddItemToObject(lat, "convergence", ms_or_null(r->convergence_ms));
    cJSON_AddItemToObject(o, "latencyMs", lat);
    cJSON_AddItemToObject(o, "uptimeRate",
                          r->has_uptime_rate ? cJSON_CreateNumber(r->uptime_rate)
                                             : cJSON_CreateNull());
    cJSON *ids = cJSON_CreateArray();
    for (size_t i = 0; r->correlation_ids && i < r->correlation_count; i++)
        if (r->correlation_ids[i] && r->correlation_ids[i][0])
            cJSON_AddItemToArray(ids, cJSON_CreateString(r->correlation_ids[i]));
    cJSON_AddItemToObject(o, "correlationIds", ids);
    if (r->error) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToObject(e, "httpStatus",
                              r->error->http_status ? cJSON_CreateNumber(r->error->http_status)
                                                    : cJSON_CreateNull());
        cJSON_AddItemToObject(e, "code", cJSON_CreateString(r->error->code));
        cJSON_AddItemToObject(e, "message", cJSON_CreateString(r->error->message));
        cJSON_AddItemToObject(o, "error", e);
    } else {
        cJSON_AddItemToObject(o, "error", cJSON_CreateNull());
    }
    if (r->replacement) cJSON_AddItemToObject(o, "replacement", cJSON_CreateTrue());
    return o;
}

/* Replaces every occurrence of every redaction string in s; NULL when nothing matched. */
static char *scrub_string(const vr_audit_writer *w, const char *s)
{
    bool changed = false;
    char *cur = vr_strdup(s);
    for (size_t i = 0; i < w->redaction_count; i++) {
        const char *needle = w->redactions[i];
        size_t nl = strlen(needle);
        if (!strstr(cur, needle)) continue;
        vr_buf b = VR_BUF_INIT;
        const char *p = cur, *hit;
        while ((hit = strstr(p, needle)) != NULL) {
            vr_buf_append(&b, p, (size_t)(hit - p));
            vr_buf_puts(&b, "[REDACTED]");
            p = hit + nl;
        }
        vr_buf_puts(&b, p);
        free(cur);
        cur = vr_buf_detach(&b);
        if (!cur) cur = vr_strdup("");
        changed = true;
    }
    if (!changed) {
        free(cur);
        return NULL;
    }
    return cur;
}

static void scrub_tree(const vr_audit_writer *w, cJSON *node)
{
    for (cJSON *c = node; c; c = c->next) {
        if (cJSON_IsString(c) && c->valuestring) {
            char *s = scrub_string(w, c->valuestring);
            if (s) {
                cJSON_SetValuestring(c, s);
                free(s);
            }
        }
        if (c->child) scrub_tree(w, c->child);
    }
}

int vr_audit_format(const vr_audit_writer *w, const vr_audit_record *r, vr_buf *out)
{
    cJSON *o = vr_audit_record_to_json(r);
    if (!o) return -1;
    if (w && w->redaction_count) scrub_tree(w, o->child);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text) return -1;
    int rc = vr_buf_puts(out, text);
    free(text);
    return rc;
}

void vr_audit_set_redactions(vr_audit_writer *w, const char *const *strings, size_t count)
{
    for (size_t i = 0; i < w->redaction_count; i++) {
        /* wipe copies of secrets before freeing them */
        memset(w->redactions[i], 0, strlen(w->redactions[i]));
        free(w->redactions[i]);
    }
    free(w->redactions);
    w->redactions = NULL;
    w->redaction_count = 0;
    if (!strings || count == 0) return;
    w->redactions = vr_xcalloc(count, sizeof *w->redactions);
    for (size_t i = 0; i < count; i++)
        if (strings[i] && strings[i][0])
            w->redactions[w->redaction_count++] = vr_strdup(strings[i]);
}

int vr_audit_writer_open(vr_audit_writer *w, const char *path, vr_error *err)
{
    *w = (vr_audit_writer)VR_AUDIT_WRITER_INIT;
    if (!path) return 0;
    /* created here: fsync the folder too, so the new file's name is as durable as its lines
     * (best effort). Never through a symbolic link: a planted one must not send the records
     * elsewhere (O_NOFOLLOW, and O_EXCL when created). */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0)
        (void)vr_file_sync_parent(path);
    else if (errno == EEXIST)
        fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 && errno == ELOOP) {
        vr_error_set(err, VR_ERR_AUDIT_LOG,
                     "audit log %s: cannot open it: it is a symbolic link, and vni-reconcile "
                     "never writes through one",
                     path);
        vr_error_remedy(err, "name the file it points to instead");
        return -1;
    }
    if (fd < 0) {
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit log %s: cannot open it: %s", path,
                     strerror(errno));
        return -1;
    }
    w->fd = fd;
    w->path = vr_strdup(path);
    return 0;
}

int vr_audit_append_line(vr_audit_writer *w, const char *line, size_t len, vr_error *err)
{
    if (w->fd < 0) return 0;
    vr_buf b = VR_BUF_INIT;
    vr_buf_append(&b, line, len);
    vr_buf_append(&b, "\n", 1);
    /* one write() for the whole line: O_APPEND keeps concurrent writers' lines whole */
    int rc = vr_write_all(w->fd, b.data, b.len);
    if (rc < 0)
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit log %s: write: %s", w->path, strerror(errno));
    vr_buf_free(&b);
    return rc < 0 ? -1 : 0;
}

int vr_audit_sync(vr_audit_writer *w, vr_error *err)
{
    if (w->fd < 0) return 0;
    while (fsync(w->fd) != 0) {
        if (errno == EINTR) continue;
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit log %s: fsync: %s", w->path, strerror(errno));
        return -1;
    }
    return 0;
}

int vr_audit_write_line(vr_audit_writer *w, const char *line, size_t len, vr_error *err)
{
    if (vr_audit_append_line(w, line, len, err) < 0) return -1;
    return vr_audit_sync(w, err);
}

int vr_audit_line_parse(const char *line, size_t len, vr_audit_line_info *out)
{
    memset(out, 0, sizeof(*out));
    cJSON *j = cJSON_ParseWithLength(line, len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "eventId");
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(j, "action");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "timestamp");
    int rc = -1;
    if (cJSON_IsObject(j) && cJSON_IsString(id) && strlen(id->valuestring) == 36 &&
        cJSON_IsString(ts) && strlen(ts->valuestring) < sizeof(out->timestamp) &&
        cJSON_IsString(action) && vr_audit_action_parse(action->valuestring, &out->action) == 0) {
        memcpy(out->event_id, id->valuestring, 37);
        memcpy(out->timestamp, ts->valuestring, strlen(ts->valuestring) + 1);
        rc = 0;
    }
    cJSON_Delete(j);
    return rc;
}

int vr_audit_write(vr_audit_writer *w, const vr_audit_record *r, vr_buf *line_out, vr_error *err)
{
    vr_buf line = VR_BUF_INIT;
    int rc = -1;
    if (vr_audit_format(w, r, &line) != 0) {
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit record: cannot format it (out of memory)");
    } else if (line_out && vr_buf_append(line_out, line.data, line.len) != 0) {
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit record: line buffer full");
    } else {
        rc = vr_audit_write_line(w, line.data, line.len, err);
    }
    vr_buf_free(&line);
    return rc;
}

void vr_audit_writer_close(vr_audit_writer *w)
{
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
    vr_audit_set_redactions(w, NULL, 0);
    free(w->path);
    *w = (vr_audit_writer)VR_AUDIT_WRITER_INIT;
}
