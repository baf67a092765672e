/* fake_server: a scripted HTTP server for unit tests (header-only; #include it in one test file).
 * Each exchange is data, the way curl's test suite describes them: the request expected
 * (method, path, query arguments) and the reply sent (status, headers, body) or a fault
 * (connection closed without a reply, connection dropped in the middle of the body).
 * Exchanges are served in order; a request that does not match the next one is answered
 * 418 and counted in fs_unexpected(). Listens on 127.0.0.1, port 0 (the kernel picks one).
 * Every request is recorded (method, path, query, Authorization, body, arrival time). */
#ifndef FAKE_SERVER_H
#define FAKE_SERVER_H

#include "vr_util.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define FS_FN __attribute__((unused)) static

typedef enum {
    FS_REPLY = 0, /* send status, headers, body */
    FS_CLOSE,     /* close the connection without any reply */
    FS_DROP,      /* send the headers (Content-Length: body + 1000) and the body, then close */
} fs_action;

/* One exchange. Strings are borrowed: they must outlive the server. */
typedef struct {
    const char *method;  /* expected method, NULL: any */
    const char *path;    /* expected path (no query), NULL: any */
    const char *args;    /* expected query arguments "k=v&k2=v2" (each must be present), NULL */
    int status;          /* reply status (FS_REPLY) */
    const char *headers; /* extra reply headers, "Name: value\n..." */
    const char *body;    /* reply body, NULL: empty */
    fs_action action;
    int delay_ms; /* wait before replying */
    int times;    /* how many requests this exchange serves (0 counts as 1) */
} fs_exchange;

/* One request received. */
typedef struct {
    char method[16];
    char path[512];
    char query[1024]; /* "k=v&k2=v2" in arrival order */
    char authorization[1024];
    char content_type[256];
    char *body; /* NUL-terminated, owned */
    size_t body_len;
    int64_t t_ms;    /* vr_now_ms() at arrival (when the whole request was read) */
    int client_port; /* the client's source port: equal ports mean a reused connection */
} fs_request;

#define FS_MAX_REQUESTS 128

typedef struct {
    struct MHD_Daemon *daemon;
    int port;
    char url[64];
    pthread_mutex_t lock;
    const fs_exchange *script;
    size_t script_len;
    size_t next; /* index of the next exchange */
    int served;  /* requests served by script[next] so far */
    fs_request requests[FS_MAX_REQUESTS];
    size_t request_count;
    int unexpected;
    char unexpected_text[1024];
} fake_server;

typedef struct {
    vr_buf body;
} fs_conn;

typedef struct {
    const char *body;
    size_t len;
    bool sent;
} fs_drop_state;

static ssize_t fs_drop_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    fs_drop_state *d = cls;
    if (d->sent || pos >= d->len)
        return MHD_CONTENT_READER_END_WITH_ERROR; /* closes the connection mid-body */
    size_t n = d->len - (size_t)pos;
    if (n > max) n = max;
    memcpy(buf, d->body + pos, n);
    if (pos + n >= d->len) d->sent = true;
    return (ssize_t)n;
}

static void fs_drop_free(void *cls)
{
    free(cls);
}

static enum MHD_Result fs_collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    vr_buf *b = cls;
    vr_buf_printf(b, "%s%s=%s", b->len ? "&" : "", key, value ? value : "");
    return MHD_YES;
}

static bool fs_args_match(struct MHD_Connection *conn, const char *args)
{
    if (!args) return true;
    char *copy = vr_strdup(args);
    bool ok = true;
    char *save = copy;
    while (save && *save) {
        char *amp = strchr(save, '&');
        if (amp) *amp = '\0';
        char *eq = strchr(save, '=');
        if (eq) *eq = '\0';
        const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, save);
        if (!v || (eq && strcmp(v, eq + 1) != 0)) ok = false;
        save = amp ? amp + 1 : NULL;
    }
    free(copy);
    return ok;
}

static void fs_add_headers(struct MHD_Response *r, const char *headers)
{
    if (!headers) return;
    char *copy = vr_strdup(headers);
    char *line = copy;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            MHD_add_response_header(r, line, v);
        }
        line = nl ? nl + 1 : NULL;
    }
    free(copy);
}

static enum MHD_Result fs_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    fake_server *fs = cls;
    fs_conn *c = *con_cls;
    if (!c) {
        c = vr_xcalloc(1, sizeof(*c));
        *con_cls = c;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        vr_buf_append(&c->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    pthread_mutex_lock(&fs->lock);
    if (fs->request_count < FS_MAX_REQUESTS) {
        fs_request *r = &fs->requests[fs->request_count++];
        memset(r, 0, sizeof(*r));
        snprintf(r->method, sizeof(r->method), "%s", method);
        snprintf(r->path, sizeof(r->path), "%s", url);
        vr_buf q = VR_BUF_INIT;
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, fs_collect_arg, &q);
        snprintf(r->query, sizeof(r->query), "%s", vr_buf_str(&q));
        vr_buf_free(&q);
        const char *a = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
        snprintf(r->authorization, sizeof(r->authorization), "%s", a ? a : "");
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        snprintf(r->content_type, sizeof(r->content_type), "%s", ct ? ct : "");
        r->body_len = c->body.len;
        r->body = vr_strdup(vr_buf_str(&c->body));
        r->t_ms = vr_now_ms();
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            r->client_port = ntohs(((const struct sockaddr_in *)ci->client_addr)->sin_port);
    }
    const fs_exchange *x = NULL;
    if (fs->next < fs->script_len) {
        const fs_exchange *cand = &fs->script[fs->next];
        bool ok = (!cand->method || strcmp(cand->method, method) == 0) &&
                  (!cand->path || strcmp(cand->path, url) == 0) && fs_args_match(conn, cand->args);
        if (ok) {
            x = cand;
            int times = cand->times > 0 ? cand->times : 1;
            if (++fs->served >= times) {
                fs->next++;
                fs->served = 0;
            }
        } else {
            fs->unexpected++;
            snprintf(fs->unexpected_text, sizeof(fs->unexpected_text),
                     "exchange %zu expected %s %s (%s), got %s %s", fs->next,
                     cand->method ? cand->method : "*", cand->path ? cand->path : "*",
                     cand->args ? cand->args : "", method, url);
        }
    } else {
        fs->unexpected++;
        snprintf(fs->unexpected_text, sizeof(fs->unexpected_text), "no exchange left for %s %s",
                 method, url);
    }
    pthread_mutex_unlock(&fs->lock);

    if (x && x->delay_ms > 0) vr_sleep_ms(x->delay_ms);
    enum MHD_Result ret;
    if (!x) {
        static const char msg[] = "{\"message\":\"fake server: unexpected request\","
                                  "\"code\":\"unexpected\",\"status\":418}";
        struct MHD_Response *r =
            MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
        ret = MHD_queue_response(conn, 418, r);
        MHD_destroy_response(r);
    } else if (x->action == FS_CLOSE) {
        ret = MHD_NO; /* MHD closes the connection without a reply */
    } else if (x->action == FS_DROP) {
        fs_drop_state *d = vr_xcalloc(1, sizeof(*d));
        d->body = x->body ? x->body : "";
        d->len = strlen(d->body);
        struct MHD_Response *r =
            MHD_create_response_from_callback(d->len + 1000, 4096, fs_drop_reader, d, fs_drop_free);
        fs_add_headers(r, x->headers);
        ret = MHD_queue_response(conn, x->status ? (unsigned)x->status : 200, r);
        MHD_destroy_response(r);
    } else {
        const char *b = x->body ? x->body : "";
        struct MHD_Response *r =
            MHD_create_response_from_buffer(strlen(b), (void *)b, MHD_RESPMEM_PERSISTENT);
        fs_add_headers(r, x->headers);
        ret = MHD_queue_response(conn, (unsigned)x->status, r);
        MHD_destroy_response(r);
    }
    return ret;
}

static void fs_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    fs_conn *c = *con_cls;
    if (c) {
        vr_buf_free(&c->body);
        free(c);
        *con_cls = NULL;
    }
}

/* Starts a server for script (n exchanges, borrowed). Returns NULL on failure. */
FS_FN fake_server *fs_start(const fs_exchange *script, size_t n)
{
    fake_server *fs = vr_xcalloc(1, sizeof(*fs));
    pthread_mutex_init(&fs->lock, NULL);
    fs->script = script;
    fs->script_len = n;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = 0;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fs->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                                  0, NULL, NULL, fs_handler, fs, MHD_OPTION_SOCK_ADDR, &sin,
                                  MHD_OPTION_NOTIFY_COMPLETED, fs_completed, NULL, MHD_OPTION_END);
    if (!fs->daemon) {
        pthread_mutex_destroy(&fs->lock);
        free(fs);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(fs->daemon, MHD_DAEMON_INFO_BIND_PORT);
    fs->port = info ? info->port : 0;
    snprintf(fs->url, sizeof(fs->url), "http://127.0.0.1:%d", fs->port);
    return fs;
}

FS_FN void fs_stop(fake_server *fs)
{
    if (!fs) return;
    MHD_stop_daemon(fs->daemon);
    for (size_t i = 0; i < fs->request_count; i++)
        free(fs->requests[i].body);
    pthread_mutex_destroy(&fs->lock);
    free(fs);
}

/* Exchanges not served yet (0 when the whole script was played). */
FS_FN size_t fs_pending(fake_server *fs)
{
    pthread_mutex_lock(&fs->lock);
    size_t n = fs->script_len - fs->next;
    pthread_mutex_unlock(&fs->lock);
    return n;
}

FS_FN size_t fs_request_count(fake_server *fs)
{
    pthread_mutex_lock(&fs->lock);
    size_t n = fs->request_count;
    pthread_mutex_unlock(&fs->lock);
    return n;
}

#endif
