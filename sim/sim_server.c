/* sim_server: libmicrohttpd glue, router, gateway faults, request log. */
#include "sim_server.h"
#include "sim_admin.h"
#include "sim_api.h"
#include "sim_oauth.h"
#include "vr_util.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_server_init(sim_server *srv, const sim_server_opts *opts, sim_state *state,
                     const sim_faults *faults)
{
    memset(srv, 0, sizeof(*srv));
    srv->opts = *opts;
    srv->start_ms = vr_now_ms();
    pthread_mutex_init(&srv->lock, NULL);
    srv->state = *state;
    memset(state, 0, sizeof(*state));
    srv->faults = *faults;
    sim_rng_seed(&srv->rng, opts->seed);
    srv->window_start_ms = srv->start_ms;
}

void sim_server_free(sim_server *srv)
{
    for (size_t i = 0; i < srv->log_count; i++) {
        free(srv->log[i].method);
        free(srv->log[i].path);
        free(srv->log[i].client_id);
    }
    free(srv->log);
    sim_state_free(&srv->state);
    pthread_mutex_destroy(&srv->lock);
}

/* Mutex held. */
static void log_append(sim_server *srv, const char *method, const char *raw_uri, int status,
                       int64_t t_ms, long retry_after, const char *client_id, const char *corr)
{
    if (srv->log_count == SIM_LOG_MAX) {
        /* Keep the newest: drop the oldest tenth. */
        size_t drop = SIM_LOG_MAX / 10;
        for (size_t i = 0; i < drop; i++) {
            free(srv->log[i].method);
            free(srv->log[i].path);
            free(srv->log[i].client_id);
        }
        memmove(srv->log, srv->log + drop, (srv->log_count - drop) * sizeof(*srv->log));
        srv->log_count -= drop;
    }
    if (srv->log_count == srv->log_cap) {
        srv->log_cap = srv->log_cap ? srv->log_cap * 2 : 64;
        srv->log = vr_xrealloc(srv->log, srv->log_cap * sizeof(*srv->log));
    }
    sim_log_entry *e = &srv->log[srv->log_count++];
    e->seq = ++srv->log_seq;
    e->method = vr_strdup(method);
    e->path = vr_strdup(raw_uri);
    e->status = status;
    e->t_ms = t_ms - srv->start_ms;
    e->retry_after = retry_after;
    e->client_id = client_id && *client_id ? vr_strdup(client_id) : NULL;
    snprintf(e->correlation_id, sizeof(e->correlation_id), "%s", corr);
}

void sim_server_log_early(sim_server *srv, const char *method, const char *raw_uri, int status,
                          const char *correlation_id)
{
    pthread_mutex_lock(&srv->lock);
    log_append(srv, method, raw_uri, status, vr_now_ms(), -1, NULL, correlation_id);
    pthread_mutex_unlock(&srv->lock);
}

/* --- routing --- */

typedef enum {
    EP_NONE,
    EP_TOKEN,
    EP_ME,
    EP_LIMITS,
    EP_CONNS,
    EP_CONN,
    EP_TABLES,
    EP_TABLE,
    EP_SYNC
} endpoint;

#define CONN_PATH "/api/v2/organization/privateconnectivity/connections"
#define TABLE_PATH "/api/v2/architect/networking/routingtables"

/* Matches "<prefix>/<id>" (id without '/'), or with suffix "<prefix>/<id><suffix>". Writes the
 * id into out. */
static bool match_id(const char *path, const char *prefix, const char *suffix, char *out,
                     size_t outlen)
{
    size_t pl = strlen(prefix);
    if (strncmp(path, prefix, pl) != 0 || path[pl] != '/') return false;
    const char *id = path + pl + 1;
    const char *end = strchr(id, '/');
    size_t idl = end ? (size_t)(end - id) : strlen(id);
    if (idl == 0 || idl >= outlen) return false;
    if (strcmp(id + idl, suffix) != 0) return false;
    memcpy(out, id, idl);
    out[idl] = '\0';
    return true;
}

static endpoint route(const char *path, char *id, size_t idlen, const char **allow)
{
    if (strcmp(path, "/oauth/token") == 0) return *allow = "POST", EP_TOKEN;
    if (strcmp(path, "/api/v2/organizations/me") == 0) return *allow = "GET", EP_ME;
    if (strcmp(path, "/api/v2/organizations/limits/namespaces/privateconnectivity") == 0)
        return *allow = "GET", EP_LIMITS;
    if (strcmp(path, CONN_PATH) == 0) return *allow = "GET, POST", EP_CONNS;
    if (match_id(path, CONN_PATH, "", id, idlen)) return *allow = "GET, DELETE", EP_CONN;
    if (strcmp(path, TABLE_PATH) == 0) return *allow = "GET", EP_TABLES;
    if (match_id(path, TABLE_PATH, "", id, idlen)) return *allow = "GET", EP_TABLE;
    if (match_id(path, TABLE_PATH, "/sync", id, idlen)) return *allow = "POST", EP_SYNC;
    return EP_NONE;
}

static bool method_allowed(const char *allow, const char *method)
{
    size_t ml = strlen(method);
    if (ml == 0) return false; /* strstr would find "" at the same place forever */
    for (const char *p = allow; (p = strstr(p, method)) != NULL; p += ml)
        if ((p == allow || p[-1] == ' ') && (p[ml] == '\0' || p[ml] == ',')) return true;
    return false;
}

static const char *scope_of(endpoint ep, const char *method)
{
    switch (ep) {
    case EP_LIMITS:
        return "privateconnectivity:read";
    case EP_CONNS:
    case EP_CONN:
        return strcmp(method, "GET") == 0 ? "privateconnectivity:read"
                                          : "privateconnectivity:write";
    case EP_TABLES:
    case EP_TABLE:
    case EP_SYNC:
        return "interface:read";
    default:
        return NULL;
    }
}

/* Mutex held. */
static void dispatch(sim_server *srv, sim_req *req, sim_resp *resp)
{
    char id[256];
    const char *allow = "";
    endpoint ep = route(req->path, id, sizeof(id), &allow);
    if (ep == EP_NONE) {
        sim_resp_error(resp, 404, "not.found", "no resource at %s", req->path);
        return;
    }
    if (!method_allowed(allow, req->method)) {
        sim_resp_error(resp, 405, "method.not.allowed", "%s is not allowed on %s; use %s",
                       req->method, req->path, allow);
        snprintf(resp->allow, sizeof(resp->allow), "%s", allow);
        return;
    }
    if (ep == EP_TOKEN) {
        sim_oauth_token(srv, req, resp);
        return;
    }
    req->client = sim_oauth_bearer(srv, req);
    if (req->client < 0) {
        sim_resp_error(resp, 401, "bad.credentials",
                       "no valid access token: send Authorization: Bearer <token> from "
                       "POST /oauth/token");
        return;
    }
    const sim_client *c = &srv->state.clients[req->client];
    snprintf(resp->client_id, sizeof(resp->client_id), "%s", c->id);
    const char *scope = scope_of(ep, req->method);
    if (scope && !sim_client_has_scope(c, scope)) {
        sim_resp_error(resp, 403, "missing.any.permissions",
                       "client %s lacks the scope %s this call needs", c->id, scope);
        return;
    }
    switch (ep) {
    case EP_ME:
        sim_api_org_me(srv, req, resp);
        break;
    case EP_LIMITS:
        sim_api_limits(srv, req, resp);
        break;
    case EP_CONNS:
        if (strcmp(req->method, "GET") == 0)
            sim_api_conn_list(srv, req, resp);
        else
            sim_api_conn_create(srv, req, resp);
        break;
    case EP_CONN:
        if (strcmp(req->method, "GET") == 0)
            sim_api_conn_get(srv, req, id, resp);
        else
            sim_api_conn_delete(srv, req, id, resp);
        break;
    case EP_TABLES:
        sim_api_table_list(srv, req, resp);
        break;
    case EP_TABLE:
        sim_api_table_get(srv, req, id, resp);
        break;
    case EP_SYNC:
        sim_api_table_sync(srv, req, id, resp);
        break;
    default:
        break;
    }
}

static const char html_error[] =
    "<html><head><title>%d</title></head><body><h1>%d</h1><p>upstream trouble "
    "(vni-sim fault)</p></body></html>\n";

/* A gateway 5xx: 500, 502, 503 (half with Retry-After) or 504; a third of them with an HTML
 * body instead of JSON. Mutex held. */
static void fault_5xx(sim_server *srv, sim_resp *resp)
{
    static const int statuses[] = {500, 502, 503, 504};
    int status = statuses[sim_rng_range(&srv->rng, 0, 3)];
    bool html = sim_rng_chance(&srv->rng, 1.0 / 3);
    if (status == 503 && sim_rng_chance(&srv->rng, 0.5))
        resp->retry_after = srv->faults.retry_after;
    if (html) {
        char buf[sizeof(html_error) + 16];
        snprintf(buf, sizeof(buf), html_error, status, status);
        free(resp->body);
        resp->body = vr_strdup(buf);
        resp->status = status;
        resp->content_type = "text/html; charset=utf-8";
    } else {
        sim_resp_error(resp, status, "service.unavailable",
                       "the service is unavailable; retry with backoff (vni-sim fault)");
    }
}

static bool is_admin_path(const char *p)
{
    return strncmp(p, "/__sim", 6) == 0 && (p[6] == '\0' || p[6] == '/');
}

void sim_server_handle(sim_server *srv, sim_req *req, const char *raw_uri, sim_resp *resp,
                       char *correlation_id)
{
    int64_t now = vr_now_ms();
    vr_uuid4(resp->correlation_id);
    memcpy(correlation_id, resp->correlation_id, 37);
    req->client = -1;
    pthread_mutex_lock(&srv->lock);
    sim_state_tick(&srv->state, now, &srv->faults);
    if (srv->opts.admin && is_admin_path(req->path)) {
        sim_admin_handle(srv, req, resp);
        pthread_mutex_unlock(&srv->lock);
        return;
    }
    long latency = 0;
    if (srv->faults.latency_max_ms > 0)
        latency = sim_rng_range(&srv->rng, srv->faults.latency_min_ms, srv->faults.latency_max_ms);
    bool is_429 = sim_rng_chance(&srv->rng, srv->faults.rate_429);
    bool is_5xx = !is_429 && sim_rng_chance(&srv->rng, srv->faults.rate_5xx);

    /* the rate-limit window: --rate-limit N/S refuses past N; without it, 300 a minute is
     * only shown (--ratelimit-headers) */
    const sim_faults *f = &srv->faults;
    long allowed = f->rate_limit > 0 ? f->rate_limit : SIM_RATELIMIT_ALLOWED;
    int64_t window_ms =
        f->rate_limit > 0 ? (int64_t)f->rate_window_s * 1000 : SIM_RATELIMIT_WINDOW_MS;
    if (now - srv->window_start_ms >= window_ms) {
        srv->window_start_ms = now;
        srv->window_count = 0;
    }
    srv->window_count++;
    long reset_s = (long)((window_ms - (now - srv->window_start_ms) + 999) / 1000);
    if (f->ratelimit_headers || f->rate_limit > 0) {
        resp->rl_allowed = allowed;
        resp->rl_count = srv->window_count;
        resp->rl_reset = reset_s;
    }
    if (f->unavailable_s > 0 && !f->unavailable_started) {
        srv->faults.unavailable_started = true;
        srv->unavailable_until_ms = now + (int64_t)f->unavailable_s * 1000;
    }

    if (f->unavailable_s > 0 && now < srv->unavailable_until_ms) {
        sim_resp_error(resp, 503, "service.unavailable",
                       "the service is unavailable (vni-sim --unavailable-for)");
    } else if (f->rate_limit > 0 && srv->window_count > f->rate_limit) {
        sim_resp_error(resp, 429, "too.many.requests",
                       "rate limit of %ld requests per %ld s exceeded; retry after %ld s "
                       "(vni-sim --rate-limit)",
                       f->rate_limit, f->rate_window_s, reset_s);
        resp->retry_after = reset_s;
    } else if (is_429) {
        sim_resp_error(resp, 429, "too.many.requests",
                       "rate limit exceeded; retry after %ld s (vni-sim fault)",
                       srv->faults.retry_after);
        resp->retry_after = srv->faults.retry_after;
    } else if (is_5xx) {
        fault_5xx(srv, resp);
    } else {
        dispatch(srv, req, resp);
    }
    log_append(srv, req->method, raw_uri, resp->drop ? 0 : resp->status, now, resp->retry_after,
               resp->client_id, correlation_id);
    pthread_mutex_unlock(&srv->lock);
    if (latency > 0) vr_sleep_ms(latency);
}

/* --- libmicrohttpd --- */

typedef struct {
    char *raw_uri;
    vr_buf body;
    bool started, too_large;
} conn_ctx;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    conn_ctx *ctx = vr_xcalloc(1, sizeof(*ctx));
    ctx->raw_uri = vr_strdup(uri ? uri : "");
    ctx->body.max = SIM_MAX_BODY;
    return ctx;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn_ctx *ctx = *con_cls;
    if (!ctx) return;
    free(ctx->raw_uri);
    if (ctx->body.data) memset(ctx->body.data, 0, ctx->body.len);
    vr_buf_free(&ctx->body);
    free(ctx);
    *con_cls = NULL;
}

static enum MHD_Result queue(struct MHD_Connection *conn, const sim_resp *r, const char *corr)
{
    size_t len = r->body ? strlen(r->body) : 0;
    struct MHD_Response *mr =
        MHD_create_response_from_buffer(len, r->body ? r->body : (void *)"", MHD_RESPMEM_MUST_COPY);
    if (!mr) return MHD_NO;
    MHD_add_response_header(mr, "Content-Type",
                            r->content_type ? r->content_type : "application/json");
    MHD_add_response_header(mr, "ININ-Correlation-Id", corr);
    char num[32];
    if (r->retry_after >= 0) {
        snprintf(num, sizeof(num), "%ld", r->retry_after);
        MHD_add_response_header(mr, "Retry-After", num);
    }
    if (r->allow[0]) MHD_add_response_header(mr, "Allow", r->allow);
    if (r->rl_allowed > 0) {
        snprintf(num, sizeof(num), "%ld", r->rl_count);
        MHD_add_response_header(mr, "inin-ratelimit-count", num);
        snprintf(num, sizeof(num), "%ld", r->rl_allowed);
        MHD_add_response_header(mr, "inin-ratelimit-allowed", num);
        snprintf(num, sizeof(num), "%ld", r->rl_reset);
        MHD_add_response_header(mr, "inin-ratelimit-reset", num);
    }
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    return rc;
}

static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    size_t *total = cls;
    *total += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* Answers a request refused before its body (413, 431). */
static enum MHD_Result refuse(sim_server *srv, struct MHD_Connection *conn, const char *method,
                              const conn_ctx *ctx, int status, const char *code, const char *msg)
{
    sim_resp r;
    sim_resp_init(&r);
    sim_resp_error(&r, status, code, "%s", msg); /* fills r.correlation_id */
    sim_server_log_early(srv, method, ctx->raw_uri, status, r.correlation_id);
    enum MHD_Result rc = queue(conn, &r, r.correlation_id);
    sim_resp_free(&r);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    sim_server *srv = cls;
    conn_ctx *ctx = *con_cls;
    if (!ctx) return MHD_NO;
    if (!ctx->started) {
        ctx->started = true;
        size_t hdr = 0;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, sum_header, &hdr);
        if (hdr > SIM_MAX_HEADER)
            return refuse(srv, conn, method, ctx, 431, "request.header.fields.too.large",
                          "request headers are larger than 64 KiB");
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        long n;
        if (cl && (vr_parse_long(cl, 0, SIM_MAX_BODY, &n) < 0))
            return refuse(srv, conn, method, ctx, 413, "request.entity.too.large",
                          "request body is larger than 1 MiB");
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!ctx->too_large && vr_buf_append(&ctx->body, upload_data, *upload_data_size) < 0) {
            ctx->too_large = true;
            vr_buf_free(&ctx->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ctx->too_large)
        return refuse(srv, conn, method, ctx, 413, "request.entity.too.large",
                      "request body is larger than 1 MiB");

    char path[4096];
    const char *q = strchr(ctx->raw_uri, '?');
    size_t pl = q ? (size_t)(q - ctx->raw_uri) : strlen(ctx->raw_uri);
    if (pl >= sizeof(path)) pl = sizeof(path) - 1;
    memcpy(path, ctx->raw_uri, pl);
    path[pl] = '\0';
    (void)url; /* MHD's url is unescaped; ids here are plain, and the raw path is what we log */
    sim_req req;
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = path;
    req.query = q ? q + 1 : "";
    req.body = vr_buf_str(&ctx->body);
    req.body_len = ctx->body.len;
    req.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    req.client = -1;
    sim_resp r;
    sim_resp_init(&r);
    char corr[40];
    sim_server_handle(srv, &req, ctx->raw_uri, &r, corr);
    enum MHD_Result rc = r.drop ? MHD_NO : queue(conn, &r, corr);
    sim_resp_free(&r);
    return rc;
}

int sim_server_start(sim_server *srv, int fd, bool ipv6, char *err, size_t errlen)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (ipv6) flags |= MHD_USE_IPv6;
    unsigned max_conn =
        srv->opts.max_connections ? srv->opts.max_connections : SIM_DEFAULT_MAX_CONNECTIONS;
    unsigned max_per_ip = srv->opts.max_connections_per_ip ? srv->opts.max_connections_per_ip
                                                           : SIM_DEFAULT_MAX_CONNECTIONS_PER_IP;
    flags |= sim_tls_flags(srv->opts.tls);
    struct MHD_OptionItem tls[3];
    sim_tls_options(srv->opts.tls, tls);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(160 * 1024), MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        max_per_ip, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!d) {
        if (sim_tls_on(srv->opts.tls))
            snprintf(err, errlen,
                     "cannot start the HTTPS server (libmicrohttpd): check that "
                     "--tls-key is the private key of the --tls-cert certificate");
        else
            snprintf(err, errlen, "cannot start the HTTP server (libmicrohttpd)");
        return -1;
    }
    srv->daemon = d;
    return 0;
}

void sim_server_stop(sim_server *srv)
{
    if (srv->daemon) MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
}
