/* sim_sink: a loopback webhook receiver that checks signatures and prints each delivery. */
#include "sim_sink.h"

#include "vr_addr.h"
#include "vr_util.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SINK_MAX_BODY (1024 * 1024)

typedef struct {
    char *secret;
    size_t secret_len;
    long fail_first;
    long seen;
    pthread_mutex_t lock;
} sink_ctx;

typedef struct {
    vr_buf body;
    bool too_large;
} sink_req;

static volatile sig_atomic_t sink_stop;

static void on_signal(int sig)
{
    (void)sig;
    sink_stop = 1;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    sink_ctx *ctx = cls;
    sink_req *req = *con_cls;
    if (!req) {
        req = vr_xcalloc(1, sizeof(*req));
        req->body.max = SINK_MAX_BODY;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_size) {
        if (vr_buf_append(&req->body, upload, *upload_size) < 0) req->too_large = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"message\":\"POST only\"}");
    if (req->too_large)
        return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "{\"message\":\"body over 1 MiB\"}");
    const char *event = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vni-Event");
    const char *delivery = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vni-Delivery");
    const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vni-Signature-256");
    const char *verdict = "absent";
    if (sig) {
        verdict = "invalid";
        if (ctx->secret) {
            char hex[65], want[80];
            vr_hmac_sha256_hex(ctx->secret, ctx->secret_len, vr_buf_str(&req->body), req->body.len,
                               hex);
            snprintf(want, sizeof(want), "sha256=%s", hex);
            if (strcmp(want, sig) == 0) verdict = "valid";
        }
    }
    pthread_mutex_lock(&ctx->lock);
    long n = ++ctx->seen;
    unsigned status = n <= ctx->fail_first ? 503 : 204;
    cJSON *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "event", event ? event : "");
    cJSON_AddStringToObject(line, "delivery", delivery ? delivery : "");
    cJSON_AddStringToObject(line, "signature", verdict);
    cJSON_AddNumberToObject(line, "status", status);
    cJSON_AddStringToObject(line, "path", url);
    cJSON *body = cJSON_ParseWithLength(vr_buf_str(&req->body), req->body.len);
    if (body)
        cJSON_AddItemToObject(line, "body", body);
    else
        cJSON_AddStringToObject(line, "body", vr_buf_str(&req->body));
    char *text = cJSON_PrintUnformatted(line);
    printf("%s\n", text);
    fflush(stdout);
    free(text);
    cJSON_Delete(line);
    pthread_mutex_unlock(&ctx->lock);
    return reply(c, status, status == 204 ? "" : "{\"message\":\"failing on purpose\"}");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    sink_req *req = *con_cls;
    if (req) {
        vr_buf_free(&req->body);
        free(req);
        *con_cls = NULL;
    }
}

int sim_sink_run(const char *listen, const char *secret_path, long fail_first,
                 bool allow_non_loopback, const sim_tls *tls, const sim_server_opts *limits)
{
    char host[VR_ADDR_STRLEN];
    const char *colon = strrchr(listen, ':');
    long port = -1;
    if (!colon || (size_t)(colon - listen) >= sizeof(host) ||
        vr_parse_long(colon + 1, 0, 65535, &port) < 0) {
        fprintf(stderr, "vni-sim: --webhook-sink '%s' is not HOST:PORT\n", listen);
        return 2;
    }
    const char *h = listen;
    size_t hl = (size_t)(colon - listen);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    vr_addr a;
    if (strcmp(host, "localhost") == 0)
        vr_addr_parse(&a, "127.0.0.1");
    else if (vr_addr_parse(&a, host) < 0) {
        fprintf(stderr, "vni-sim: --webhook-sink host '%s' is not an address\n", host);
        return 2;
    }
    if (!allow_non_loopback && !vr_addr_is_loopback(&a)) {
        fprintf(stderr, "vni-sim: --webhook-sink %s is not loopback; add --allow-non-loopback\n",
                listen);
        return 2;
    }
    sink_ctx ctx = {0};
    ctx.fail_first = fail_first;
    pthread_mutex_init(&ctx.lock, NULL);
    if (secret_path) {
        size_t len = 0;
        if (vr_read_file(secret_path, 65536, &ctx.secret, &len) != 0) {
            fprintf(stderr, "vni-sim: cannot read the webhook secret file %s\n", secret_path);
            return 2;
        }
        if (len && ctx.secret[len - 1] == '\n') ctx.secret[--len] = '\0';
        if (len && ctx.secret[len - 1] == '\r') ctx.secret[--len] = '\0';
        ctx.secret_len = len;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (a.family == VR_AF_V6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        memcpy(&s6->sin6_addr, a.bytes, 16);
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        memcpy(&s4->sin_addr, a.bytes, 4);
    }
    unsigned max_conn =
        limits && limits->max_connections ? limits->max_connections : SIM_DEFAULT_MAX_CONNECTIONS;
    unsigned max_per_ip = limits && limits->max_connections_per_ip
                              ? limits->max_connections_per_ip
                              : SIM_DEFAULT_MAX_CONNECTIONS_PER_IP;
    flags |= sim_tls_flags(tls);
    struct MHD_OptionItem tls_opts[3];
    sim_tls_options(tls, tls_opts);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, &ctx, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
        MHD_OPTION_CONNECTION_LIMIT, max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT, max_per_ip,
        MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "vni-sim: cannot listen on %s%s\n", listen,
                sim_tls_on(tls) ? " (or --tls-key is not the private key of --tls-cert)" : "");
        free(ctx.secret);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char shown[VR_ADDR_STRLEN];
    vr_addr_format(&a, shown);
    if (a.family == VR_AF_V6)
        printf("vni-sim webhook sink on %s://[%s]:%u\n", sim_tls_scheme(tls), shown,
               (unsigned)info->port);
    else
        printf("vni-sim webhook sink on %s://%s:%u\n", sim_tls_scheme(tls), shown,
               (unsigned)info->port);
    fflush(stdout);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!sink_stop)
        pause();
    MHD_stop_daemon(d);
    if (ctx.secret) {
        memset(ctx.secret, 0, ctx.secret_len);
        free(ctx.secret);
    }
    pthread_mutex_destroy(&ctx.lock);
    return 0;
}
