/* test_webhook: delivery to a local receiver (libmicrohttpd on 127.0.0.1, port 0): headers,
 * signature, 2xx, retries on 500, outbox when the receiver is down and its delivery first by
 * the next run, the time budget against a receiver that never answers, the URL rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "vr_webhook.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET "whsec-test-0123456789"
#define MAX_REQ 64

typedef struct {
    char *event, *delivery, *signature, *content_type, *body;
} request;

typedef struct {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    int statuses[16]; /* answer of request i (0: 200); the last one repeats */
    int nstatuses;
    int fail_status; /* when not 0, the answer to every request (a receiver that is down) */
    request req[MAX_REQ];
    int nreq;
    char url[64];
} receiver;

typedef struct {
    vr_buf body;
} conn_state;

static char *dup_or_null(const char *s)
{
    return s ? vr_strdup(s) : NULL;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    receiver *r = cls;
    (void)url;
    (void)version;
    (void)method;
    conn_state *cs = *con_cls;
    if (!cs) {
        cs = vr_xcalloc(1, sizeof *cs);
        *con_cls = cs;
        return MHD_YES;
    }
    if (*upload_size) {
        vr_buf_append(&cs->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&r->mu);
    int i = r->nreq;
    int status = 200;
    if (r->nstatuses > 0) status = r->statuses[i < r->nstatuses ? i : r->nstatuses - 1];
    if (r->fail_status) status = r->fail_status;
    if (i < MAX_REQ) {
        request *q = &r->req[i];
        q->event = dup_or_null(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vni-Event"));
        q->delivery =
            dup_or_null(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vni-Delivery"));
        q->signature =
            dup_or_null(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vni-Signature-256"));
        q->content_type =
            dup_or_null(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"));
        q->body = vr_strdup(vr_buf_str(&cs->body));
        r->nreq++;
    }
    pthread_mutex_unlock(&r->mu);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn_state *cs = *con_cls;
    if (cs) {
        vr_buf_free(&cs->body);
        free(cs);
        *con_cls = NULL;
    }
}

static void receiver_start(receiver *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handler, r,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, r, MHD_OPTION_END);
    assert_non_null(r->d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    r->port = info->port;
    assert_true(r->port > 0);
    snprintf(r->url, sizeof r->url, "http://127.0.0.1:%d/hook", r->port);
}

static void receiver_fail(receiver *r, int status)
{
    pthread_mutex_lock(&r->mu);
    r->fail_status = status;
    pthread_mutex_unlock(&r->mu);
}

static void receiver_stop(receiver *r)
{
    if (r->d) MHD_stop_daemon(r->d);
    for (int i = 0; i < r->nreq && i < MAX_REQ; i++) {
        free(r->req[i].event);
        free(r->req[i].delivery);
        free(r->req[i].signature);
        free(r->req[i].content_type);
        free(r->req[i].body);
    }
    pthread_mutex_destroy(&r->mu);
}

/* A loopback port with nothing listening (bound, then closed). */
static int dead_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
    close(s);
    return ntohs(sa.sin_port);
}

/* A loopback socket that accepts connections (backlog) but never answers. */
static int hanging_socket(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(s, 64), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return s;
}

static void body_for(vr_buf *b, int i, char *id_out)
{
    vr_uuid4(id_out);
    vr_buf_reset(b);
    vr_buf_printf(b, "{\"eventId\":\"%s\",\"n\":%d,\"action\":\"vni_provisioning\"}", id_out, i);
}

/* The outbox records a URL by its SHA-256: the line's "urlSha256" is the hash of url, and the
 * line holds no "url" key. */
static void assert_line_for_url(const cJSON *j, const char *url)
{
    char hex[65];
    vr_sha256_hex(url, strlen(url), hex);
    assert_non_null(cJSON_GetObjectItem(j, "urlSha256"));
    assert_string_equal(cJSON_GetObjectItem(j, "urlSha256")->valuestring, hex);
    assert_null(cJSON_GetObjectItem(j, "url"));
}

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void test_delivered_signed(void **state)
{
    (void)state;
    receiver r;
    receiver_start(&r);
    r.statuses[0] = 202;
    r.nstatuses = 1;
    char *dir = vr_test_tmpdir("webhook");
    vr_buf outbox = VR_BUF_INIT;
    vr_buf_printf(&outbox, "%s/outbox.jsonl", dir);
    vr_webhook_config cfg = {.url = r.url,
                             .secret = SECRET,
                             .secret_len = strlen(SECRET),
                             .outbox_path = vr_buf_str(&outbox)};
    vr_webhook *wh;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    vr_buf body = VR_BUF_INIT;
    char id[37];
    body_for(&body, 1, id);
    vr_webhook_send(wh, "vni_provisioning", id, body.data, body.len);
    vr_webhook_stats st;
    vr_webhook_close(wh, &st);
    assert_int_equal(st.delivered, 1);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.attempts, 1);

    assert_int_equal(r.nreq, 1);
    request *q = &r.req[0];
    assert_string_equal(q->content_type, "application/json");
    assert_string_equal(q->event, "vni_provisioning");
    assert_string_equal(q->delivery, id);
    assert_string_equal(q->body, vr_buf_str(&body));
    char hex[65];
    vr_hmac_sha256_hex(SECRET, strlen(SECRET), q->body, strlen(q->body), hex);
    char want[80];
    snprintf(want, sizeof want, "sha256=%s", hex);
    assert_string_equal(q->signature, want);
    assert_false(file_exists(vr_buf_str(&outbox)));
    vr_buf_free(&body);
    vr_buf_free(&outbox);
    receiver_stop(&r);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_no_secret_no_signature(void **state)
{
    (void)state;
    receiver r;
    receiver_start(&r);
    vr_webhook_config cfg = {.url = r.url};
    vr_webhook *wh;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    vr_webhook_send(wh, "drift_check", "d-1", "{}", 2);
    vr_webhook_close(wh, NULL);
    assert_int_equal(r.nreq, 1);
    assert_null(r.req[0].signature);
    assert_string_equal(r.req[0].event, "drift_check");
    receiver_stop(&r);
}

static void test_500_retried(void **state)
{
    (void)state;
    receiver r;
    receiver_start(&r);
    r.statuses[0] = 500;
    r.statuses[1] = 503;
    r.statuses[2] = 200;
    r.nstatuses = 3;
    vr_webhook_config cfg = {.url = r.url,
                             .secret = SECRET,
                             .secret_len = strlen(SECRET),
                             .backoff_initial_ms = 10,
                             .backoff_max_ms = 20};
    vr_webhook *wh;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    vr_webhook_send(wh, "vni_deletion", "del-1", "{\"a\":1}", 7);
    vr_webhook_stats st;
    vr_webhook_close(wh, &st);
    assert_int_equal(st.delivered, 1);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(r.nreq, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(r.req[i].delivery, "del-1");
        assert_string_equal(r.req[i].body, "{\"a\":1}");
    }
    receiver_stop(&r);
}

static char *read_text(const char *path)
{
    char *t = NULL;
    size_t n = 0;
    assert_int_equal(vr_read_file(path, 1 << 20, &t, &n), 0);
    return t;
}

static void test_outbox_then_next_run(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("webhook");
    vr_buf outbox = VR_BUF_INIT, body = VR_BUF_INIT;
    vr_buf_printf(&outbox, "%s/state/sub/outbox.jsonl", dir); /* folders made on demand */
    receiver r;
    receiver_start(&r);
    receiver_fail(&r, 503); /* down for run 1; the next run uses the same URL */
    vr_webhook_config cfg = {.url = r.url,
                             .secret = SECRET,
                             .secret_len = strlen(SECRET),
                             .outbox_path = vr_buf_str(&outbox),
                             .max_attempts = 2,
                             .backoff_initial_ms = 5,
                             .backoff_max_ms = 10};
    vr_webhook *wh;
    vr_error err = VR_ERROR_INIT;
    char ids[3][37];
    char *bodies[3];

    /* run 1: the receiver is down (answers 503) */
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    for (int i = 0; i < 2; i++) {
        body_for(&body, i, ids[i]);
        bodies[i] = vr_strdup(vr_buf_str(&body));
        vr_webhook_send(wh, "vni_provisioning", ids[i], body.data, body.len);
        /* queued on disk at once, not only at close (a crash keeps it) */
        assert_true(file_exists(vr_buf_str(&outbox)));
    }
    vr_webhook_stats st;
    vr_webhook_close(wh, &st);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(st.pending, 2);
    assert_int_equal(st.attempts, 2 + 1); /* after a failed series, one attempt per call */
    assert_true(st.last_error[0] != '\0');

    struct stat sb;
    assert_int_equal(stat(vr_buf_str(&outbox), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char *text = read_text(vr_buf_str(&outbox));
    assert_null(strstr(text, SECRET));
    /* nor the URL, whole or its path (a Slack-style URL carries its token there) */
    assert_null(strstr(text, r.url));
    assert_null(strstr(text, "/hook"));
    assert_null(strstr(text, "sha256="));
    assert_null(strstr(text, "Signature"));
    /* one JSON line per event, in order, with the raw body and the headers */
    char *save = text;
    for (int i = 0; i < 2; i++) {
        char *nl = strchr(save, '\n');
        assert_non_null(nl);
        *nl = '\0';
        cJSON *j = cJSON_Parse(save);
        assert_non_null(j);
        assert_line_for_url(j, r.url);
        assert_string_equal(cJSON_GetObjectItem(j, "event")->valuestring, "vni_provisioning");
        assert_string_equal(cJSON_GetObjectItem(j, "delivery")->valuestring, ids[i]);
        assert_string_equal(cJSON_GetObjectItem(j, "body")->valuestring, bodies[i]);
        cJSON_Delete(j);
        save = nl + 1;
    }
    assert_string_equal(save, "");
    free(text);

    /* run 2: the receiver is back; the outbox goes first, in order, then the new event */
    int base = r.nreq;
    assert_int_equal(base, 3);
    receiver_fail(&r, 0);
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    assert_int_equal(vr_webhook_stats_get(wh)->from_outbox, 2);
    body_for(&body, 2, ids[2]);
    bodies[2] = vr_strdup(vr_buf_str(&body));
    vr_webhook_send(wh, "routing_sync", ids[2], body.data, body.len);
    vr_webhook_close(wh, &st);
    assert_int_equal(st.delivered, 3);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.other_url, 0);
    assert_int_equal(r.nreq, base + 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(r.req[base + i].delivery, ids[i]);
        assert_string_equal(r.req[base + i].body, bodies[i]);
        char hex[65], want[80];
        vr_hmac_sha256_hex(SECRET, strlen(SECRET), bodies[i], strlen(bodies[i]), hex);
        snprintf(want, sizeof want, "sha256=%s", hex); /* recomputed for old events */
        assert_string_equal(r.req[base + i].signature, want);
    }
    assert_string_equal(r.req[base].event, "vni_provisioning");
    assert_string_equal(r.req[base + 2].event, "routing_sync");
    assert_false(file_exists(vr_buf_str(&outbox)));
    receiver_stop(&r);

    for (int i = 0; i < 3; i++)
        free(bodies[i]);
    vr_buf_free(&outbox);
    vr_buf_free(&body);
    vr_test_rm_rf(dir);
    free(dir);
}

/* Two runs (two organizations) queue into one outbox at the same time: neither loses the
 * other's events. */
static void test_outbox_shared(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("webhook");
    vr_buf outbox = VR_BUF_INIT;
    vr_buf_printf(&outbox, "%s/outbox.jsonl", dir);
    receiver r;
    receiver_start(&r);
    receiver_fail(&r, 502);
    vr_webhook_config cfg = {.url = r.url, .outbox_path = vr_buf_str(&outbox), .max_attempts = 1};
    vr_webhook *a, *b;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_webhook_open(&a, &cfg, &err), 0);
    assert_int_equal(vr_webhook_open(&b, &cfg, &err), 0);
    vr_webhook_send(a, "vni_provisioning", "a-1", "{\"a\":1}", 7);
    vr_webhook_send(b, "drift_check", "b-1", "{\"b\":1}", 7);
    vr_webhook_send(a, "vni_provisioning", "a-2", "{\"a\":2}", 7);
    vr_webhook_close(b, NULL);
    vr_webhook_close(a, NULL);

    int base = r.nreq;
    receiver_fail(&r, 0);
    vr_webhook *c;
    assert_int_equal(vr_webhook_open(&c, &cfg, &err), 0);
    vr_webhook_flush(c);
    vr_webhook_stats st;
    vr_webhook_close(c, &st);
    assert_int_equal(st.delivered, 3);
    assert_int_equal(r.nreq, base + 3);
    assert_string_equal(r.req[base].delivery, "a-1");
    assert_string_equal(r.req[base + 1].delivery, "b-1");
    assert_string_equal(r.req[base + 2].delivery, "a-2");
    assert_false(file_exists(vr_buf_str(&outbox)));
    receiver_stop(&r);
    vr_buf_free(&outbox);
    vr_test_rm_rf(dir);
    free(dir);
}

/* The outbox line (without its newline) holding delivery id, malloc'd, or NULL. */
static char *outbox_line_of(const char *path, const char *id)
{
    char *text = NULL;
    size_t n = 0;
    if (vr_read_file(path, 1 << 20, &text, &n) != 0) return NULL;
    char *found = NULL, *save = text;
    while (save && *save && !found) {
        char *nl = strchr(save, '\n');
        if (nl) *nl = '\0';
        cJSON *j = cJSON_Parse(save);
        const cJSON *d = cJSON_GetObjectItem(j, "delivery");
        if (cJSON_IsString(d) && strcmp(d->valuestring, id) == 0) found = vr_strdup(save);
        cJSON_Delete(j);
        save = nl ? nl + 1 : NULL;
    }
    free(text);
    return found;
}

static size_t outbox_lines(const char *path)
{
    char *text = NULL;
    size_t n = 0, lines = 0;
    if (vr_read_file(path, 1 << 20, &text, &n) != 0) return 0;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    free(text);
    return lines;
}

/* Two webhook URLs share one outbox: a run sends only the events queued for its own URL, in
 * order, and leaves the others in the outbox exactly as they were. */
static void test_outbox_two_urls(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("webhook");
    vr_buf outbox = VR_BUF_INIT, dead = VR_BUF_INIT;
    vr_buf_printf(&outbox, "%s/outbox.jsonl", dir);
    vr_buf_printf(&dead, "http://127.0.0.1:%d/hook", dead_port());
    const char *ob = vr_buf_str(&outbox);
    receiver ra, rb;
    receiver_start(&ra);
    receiver_start(&rb);
    receiver_fail(&ra, 503);
    receiver_fail(&rb, 503);
    vr_webhook_config ca = {.url = ra.url, .outbox_path = ob, .max_attempts = 1};
    vr_webhook_config cb = {.url = rb.url, .outbox_path = ob, .max_attempts = 1};
    vr_webhook *a, *b;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_webhook_open(&a, &ca, &err), 0);
    assert_int_equal(vr_webhook_open(&b, &cb, &err), 0);
    vr_webhook_send(a, "vni_provisioning", "a-1", "{\"a\":1}", 7);
    vr_webhook_send(b, "drift_check", "b-1", "{\"b\":1}", 7);
    vr_webhook_send(a, "vni_provisioning", "a-2", "{\"a\":2}", 7);
    vr_webhook_close(b, NULL);
    vr_webhook_close(a, NULL);
    assert_int_equal(outbox_lines(ob), 3);
    char *b_line = outbox_line_of(ob, "b-1");
    assert_non_null(b_line);
    cJSON *j = cJSON_Parse(b_line);
    assert_line_for_url(j, rb.url);
    cJSON_Delete(j);
    int a_base = ra.nreq, b_base = rb.nreq;

    /* A is back: a-1 and a-2 go to A, b-1 is neither sent (to A) nor touched */
    receiver_fail(&ra, 0);
    vr_webhook_stats st;
    assert_int_equal(vr_webhook_open(&a, &ca, &err), 0);
    assert_int_equal(vr_webhook_stats_get(a)->from_outbox, 2);
    assert_int_equal(vr_webhook_stats_get(a)->other_url, 1);
    vr_webhook_flush(a);
    vr_webhook_close(a, &st);
    assert_int_equal(st.delivered, 2);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.other_url, 1);
    assert_int_equal(ra.nreq, a_base + 2);
    assert_string_equal(ra.req[a_base].delivery, "a-1");
    assert_string_equal(ra.req[a_base + 1].delivery, "a-2");
    assert_int_equal(rb.nreq, b_base);
    assert_int_equal(outbox_lines(ob), 1);
    char *b_after = outbox_line_of(ob, "b-1");
    assert_non_null(b_after);
    assert_string_equal(b_after, b_line);
    free(b_after);

    /* a run for a third URL (refused) with an event of its own: b-1 still untouched */
    vr_webhook_config cc = {.url = vr_buf_str(&dead), .outbox_path = ob, .max_attempts = 1};
    vr_webhook *c;
    assert_int_equal(vr_webhook_open(&c, &cc, &err), 0);
    assert_int_equal(vr_webhook_stats_get(c)->from_outbox, 0);
    vr_webhook_send(c, "drift_check", "c-1", "{\"c\":1}", 7);
    vr_webhook_close(c, &st);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(st.pending, 1);
    assert_int_equal(st.other_url, 1);
    assert_int_equal(st.attempts, 1); /* c-1 only: b-1 is not tried at the dead URL */
    assert_int_equal(rb.nreq, b_base);
    assert_int_equal(ra.nreq, a_base + 2);
    b_after = outbox_line_of(ob, "b-1");
    assert_non_null(b_after);
    assert_string_equal(b_after, b_line);
    free(b_after);

    /* B is back: b-1 goes to B; c-1 waits for its URL */
    receiver_fail(&rb, 0);
    assert_int_equal(vr_webhook_open(&b, &cb, &err), 0);
    vr_webhook_flush(b);
    vr_webhook_close(b, &st);
    assert_int_equal(st.delivered, 1);
    assert_int_equal(st.other_url, 1);
    assert_int_equal(rb.nreq, b_base + 1);
    assert_string_equal(rb.req[b_base].delivery, "b-1");
    assert_string_equal(rb.req[b_base].body, "{\"b\":1}");
    assert_int_equal(outbox_lines(ob), 1);
    char *c_line = outbox_line_of(ob, "c-1");
    assert_non_null(c_line);
    free(c_line);

    free(b_line);
    receiver_stop(&ra);
    receiver_stop(&rb);
    vr_buf_free(&outbox);
    vr_buf_free(&dead);
    vr_test_rm_rf(dir);
    free(dir);
}

/* Lines of the oldest version (no URL at all) are sent to the current URL, in their place in
 * the order; while undelivered they stay as they were (no URL added). Lines of the previous
 * version hold the URL itself ("url"): read as its hash, and the first rewrite of the outbox
 * replaces every one of them (this URL's and the others') by "urlSha256": no URL is left. */
static void test_outbox_old_format(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("webhook");
    vr_buf outbox = VR_BUF_INIT, text = VR_BUF_INIT;
    vr_buf_printf(&outbox, "%s/outbox.jsonl", dir);
    const char *ob = vr_buf_str(&outbox);
    receiver r;
    receiver_start(&r);
    receiver_fail(&r, 500);
    const char *other = "https://hooks.example.com/other";
    vr_buf_printf(&text,
                  "{\"event\":\"drift_check\",\"delivery\":\"old-1\",\"body\":\"{}\","
                  "\"queuedAt\":\"2026-11-24T10:00:00.000Z\"}\n"
                  "{\"url\":\"%s\",\"event\":\"drift_check\",\"delivery\":\"x-1\","
                  "\"body\":\"{}\",\"queuedAt\":\"2026-11-24T10:00:01.000Z\"}\n"
                  "{\"url\":\"%s\",\"event\":\"drift_check\",\"delivery\":\"c-1\","
                  "\"body\":\"{}\",\"queuedAt\":\"2026-11-24T10:00:02.000Z\"}\n"
                  "{\"event\":\"drift_check\",\"delivery\":\"old-2\",\"body\":\"{}\","
                  "\"queuedAt\":\"2026-11-24T10:00:03.000Z\"}\n",
                  other, r.url);
    assert_int_equal(vr_test_write(ob, text.data, text.len), 0);
    char *old1 = outbox_line_of(ob, "old-1");
    assert_non_null(old1);

    /* run 1, receiver down: old-1, c-1, old-2 are this URL's (3), x-1 another's */
    vr_webhook_config cfg = {.url = r.url, .outbox_path = ob, .max_attempts = 1};
    vr_webhook *wh;
    vr_error err = VR_ERROR_INIT;
    vr_webhook_stats st;
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    assert_int_equal(vr_webhook_stats_get(wh)->from_outbox, 3);
    assert_int_equal(vr_webhook_stats_get(wh)->other_url, 1);
    vr_webhook_send(wh, "vni_provisioning", "n-1", "{\"n\":1}", 7);
    vr_webhook_close(wh, &st);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(st.pending, 4);
    assert_int_equal(r.nreq, 1);
    assert_string_equal(r.req[0].delivery, "old-1"); /* the oldest first, at the current URL */
    assert_int_equal(outbox_lines(ob), 5);
    char *still = outbox_line_of(ob, "old-1");
    assert_non_null(still);
    assert_string_equal(still, old1); /* not given a URL */
    free(still);
    char *n1 = outbox_line_of(ob, "n-1");
    assert_non_null(n1);
    cJSON *j = cJSON_Parse(n1);
    assert_line_for_url(j, r.url);
    cJSON_Delete(j);
    free(n1);
    /* migrated: the other URL's line and this URL's keep their place, by hash */
    char *x1 = outbox_line_of(ob, "x-1");
    assert_non_null(x1);
    j = cJSON_Parse(x1);
    assert_line_for_url(j, other);
    cJSON_Delete(j);
    free(x1);
    char *c1 = outbox_line_of(ob, "c-1");
    assert_non_null(c1);
    j = cJSON_Parse(c1);
    assert_line_for_url(j, r.url);
    cJSON_Delete(j);
    free(c1);
    char *all = read_text(ob);
    assert_null(strstr(all, other));
    assert_null(strstr(all, r.url));
    assert_null(strstr(all, "/other"));
    assert_null(strstr(all, "/hook"));
    free(all);

    /* run 2, receiver up: old-1, c-1, old-2, n-1 in order; x-1 kept */
    int base = r.nreq;
    receiver_fail(&r, 0);
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    vr_webhook_flush(wh);
    vr_webhook_close(wh, &st);
    assert_int_equal(st.delivered, 4);
    assert_int_equal(st.pending, 0);
    assert_int_equal(st.other_url, 1);
    const char *want[] = {"old-1", "c-1", "old-2", "n-1"};
    assert_int_equal(r.nreq, base + 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(r.req[base + i].delivery, want[i]);
    assert_int_equal(outbox_lines(ob), 1);
    x1 = outbox_line_of(ob, "x-1");
    assert_non_null(x1);
    j = cJSON_Parse(x1);
    assert_line_for_url(j, other); /* kept for a run with its URL */
    cJSON_Delete(j);
    free(x1);

    free(old1);
    receiver_stop(&r);
    vr_buf_free(&outbox);
    vr_buf_free(&text);
    vr_test_rm_rf(dir);
    free(dir);
}

/* The outbox reader without a file (vr_webhook_outbox_parse, the fuzz target's entry): bad
 * lines are skipped and counted, a line of the previous format (the URL itself) is written
 * back with the URL's hash, what is kept is written in the outbox's own form. */
static void test_outbox_parse(void **state)
{
    (void)state;
    static const char url[] = "http://127.0.0.1:1/h";
    char hash[65];
    vr_sha256_hex(url, sizeof url - 1, hash);
    vr_buf text = VR_BUF_INIT;
    vr_buf_printf(&text,
                  "{\"url\":\"%s\",\"event\":\"create\",\"delivery\":\"d-1\",\"body\":\"{}\","
                  "\"queuedAt\":\"2026-11-24T10:00:01.234Z\"}\n"
                  "not json\n"
                  "\n"
                  "{\"event\":\"x\",\"delivery\":\"\",\"body\":\"b\"}\n"
                  "{\"url\":\"\",\"event\":\"x\",\"delivery\":\"d\",\"body\":\"b\"}\n"
                  "{\"urlSha256\":\"abc\",\"event\":\"x\",\"delivery\":\"d\",\"body\":\"b\"}\n"
                  "{\"event\":\"delete\",\"delivery\":\"d-2\",\"body\":\"x\",\"queuedAt\":"
                  "\"0123456789012345678901234567890123456789\"}",
                  url);
    vr_buf out = VR_BUF_INIT, want = VR_BUF_INIT;
    size_t bad = 0;
    assert_int_equal(vr_webhook_outbox_parse(&out, text.data, text.len, &bad), 2);
    assert_int_equal(bad, 4);
    vr_buf_printf(&want,
                  "{\"urlSha256\":\"%s\",\"event\":\"create\",\"delivery\":\"d-1\","
                  "\"body\":\"{}\",\"queuedAt\":\"2026-11-24T10:00:01.234Z\"}\n"
                  "{\"event\":\"delete\",\"delivery\":\"d-2\",\"body\":\"x\",\"queuedAt\":\"\"}\n",
                  hash);
    assert_string_equal(vr_buf_str(&out), vr_buf_str(&want));
    vr_buf_free(&out);
    vr_buf_free(&want);
    vr_buf_free(&text);
    assert_int_equal(vr_webhook_outbox_parse(&out, "", 0, NULL), 0);
    assert_int_equal(out.len, 0);
}

static void test_flush_without_events(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("webhook");
    vr_buf outbox = VR_BUF_INIT;
    vr_buf_printf(&outbox, "%s/outbox.jsonl", dir);
    const char *line =
        "{\"event\":\"drift_check\",\"delivery\":\"old-1\",\"body\":\"{\\\"x\\\":1}\","
        "\"queuedAt\":\"2026-11-24T10:00:00.000Z\"}\nnot json\n";
    assert_int_equal(vr_test_write(vr_buf_str(&outbox), line, strlen(line)), 0);
    receiver r;
    receiver_start(&r);
    vr_webhook_config cfg = {.url = r.url, .outbox_path = vr_buf_str(&outbox)};
    vr_webhook *wh;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    vr_webhook_flush(wh);
    vr_webhook_stats st;
    vr_webhook_close(wh, &st);
    assert_int_equal(st.from_outbox, 1);
    assert_int_equal(st.dropped, 1); /* the unreadable line */
    assert_int_equal(st.delivered, 1);
    assert_int_equal(r.nreq, 1);
    assert_string_equal(r.req[0].body, "{\"x\":1}");
    assert_string_equal(r.req[0].delivery, "old-1");
    assert_false(file_exists(vr_buf_str(&outbox)));
    receiver_stop(&r);
    vr_buf_free(&outbox);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_budget_with_hanging_receiver(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("webhook");
    int port;
    int s = hanging_socket(&port);
    vr_buf outbox = VR_BUF_INIT, url = VR_BUF_INIT, body = VR_BUF_INIT;
    vr_buf_printf(&outbox, "%s/outbox.jsonl", dir);
    vr_buf_printf(&url, "http://127.0.0.1:%d/hook", port);
    vr_webhook_config cfg = {.url = vr_buf_str(&url),
                             .outbox_path = vr_buf_str(&outbox),
                             .attempt_timeout_ms = 150,
                             .budget_ms = 500,
                             .max_attempts = 10,
                             .backoff_initial_ms = 20,
                             .backoff_max_ms = 40};
    vr_webhook *wh;
    vr_error err = VR_ERROR_INIT;
    int64_t t0 = vr_now_ms();
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    char ids[5][37];
    for (int i = 0; i < 5; i++) {
        body_for(&body, i, ids[i]);
        vr_webhook_send(wh, "vni_provisioning", ids[i], body.data, body.len);
    }
    vr_webhook_stats st;
    vr_webhook_close(wh, &st);
    int64_t elapsed = vr_now_ms() - t0;
    close(s);
    assert_true(st.budget_exhausted);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(st.pending, 5);
    /* every attempt was cut to the budget: well under 5 events x 10 attempts x 150 ms */
    assert_true(st.attempts >= 2);
    assert_true(elapsed < 500 + 1000); /* slack for a loaded machine; unbounded: 7.5 s */
    assert_true(st.spent_ms <= 500 + 200);

    /* all five kept, in order */
    char *text = read_text(vr_buf_str(&outbox));
    const char *p = text;
    for (int i = 0; i < 5; i++) {
        const char *at = strstr(p, ids[i]);
        assert_non_null(at);
        p = at;
    }
    free(text);
    vr_buf_free(&outbox);
    vr_buf_free(&url);
    vr_buf_free(&body);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_4xx_kept(void **state)
{
    (void)state;
    receiver r;
    receiver_start(&r);
    r.statuses[0] = 400;
    r.nstatuses = 1;
    char *dir = vr_test_tmpdir("webhook");
    vr_buf outbox = VR_BUF_INIT;
    vr_buf_printf(&outbox, "%s/outbox.jsonl", dir);
    vr_webhook_config cfg = {.url = r.url,
                             .outbox_path = vr_buf_str(&outbox),
                             .max_attempts = 2,
                             .backoff_initial_ms = 5};
    vr_webhook *wh;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    vr_webhook_send(wh, "vni_provisioning", "e-1", "{}", 2);
    vr_webhook_send(wh, "vni_provisioning", "e-2", "{}", 2);
    vr_webhook_stats st;
    vr_webhook_close(wh, &st);
    assert_int_equal(st.delivered, 0);
    assert_int_equal(st.pending, 2);
    assert_int_equal(st.last_http_status, 400);
    /* e-2 is never sent before e-1 */
    for (int i = 0; i < r.nreq; i++)
        assert_string_equal(r.req[i].delivery, "e-1");
    assert_true(file_exists(vr_buf_str(&outbox)));
    receiver_stop(&r);
    vr_buf_free(&outbox);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_url_rule(void **state)
{
    (void)state;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_webhook_url_check("https://hooks.example.com/x", &err), 0);
    assert_int_equal(vr_webhook_url_check("http://127.0.0.1:9/x", &err), 0);
    assert_int_equal(vr_webhook_url_check("http://127.1.2.3/x", &err), 0);
    assert_int_equal(vr_webhook_url_check("http://[::1]:8080/x", &err), 0);
    assert_int_equal(vr_webhook_url_check("http://localhost/x", &err), 0);
    assert_int_equal(vr_webhook_url_check("http://hooks.example.com/x", &err), -1);
    assert_string_equal(err.code, "webhook.url");
    assert_int_equal(vr_webhook_url_check("http://10.0.0.1/x", &err), -1);
    assert_int_equal(vr_webhook_url_check("ftp://127.0.0.1/x", &err), -1);
    assert_int_equal(vr_webhook_url_check("not a url", &err), -1);
    /* credentials in the URL would land in the outbox: refused, and not repeated */
    vr_error e2 = VR_ERROR_INIT;
    assert_int_equal(vr_webhook_url_check("https://bob:hunter2@hooks.example.com/x", &e2), -1);
    assert_string_equal(e2.code, "webhook.url");
    assert_non_null(strstr(e2.message, "user info"));
    assert_null(strstr(e2.message, "hunter2"));
    assert_int_equal(vr_webhook_url_check("https://bob@hooks.example.com/x", &err), -1);
    assert_int_equal(vr_webhook_url_check("http://:hunter2@127.0.0.1:9/x", &err), -1);
    assert_int_equal(vr_webhook_url_check("https://hooks.example.com/x?team=a", &err), 0);
    vr_webhook *wh;
    vr_webhook_config cfg = {.url = "http://192.0.2.1/hook"};
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), -1);
    assert_null(wh);
}

/* An empty secret would sign with an empty HMAC key (anyone can forge it): refused at open,
 * before anything is sent. */
static void test_empty_secret_refused(void **state)
{
    (void)state;
    receiver r;
    receiver_start(&r);
    vr_webhook *wh = (vr_webhook *)&r; /* not NULL: open must reset it */
    vr_error err = VR_ERROR_INIT;
    vr_webhook_config cfg = {.url = r.url, .secret = "", .secret_len = 0};
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), -1);
    assert_null(wh);
    assert_string_equal(err.code, "webhook.failed");
    assert_non_null(strstr(err.message, "webhook secret is empty"));
    /* a non-empty buffer with length 0 is the same empty key */
    vr_error err2 = VR_ERROR_INIT;
    cfg.secret = SECRET;
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err2), -1);
    assert_null(wh);
    assert_non_null(strstr(err2.message, "webhook secret is empty"));
    assert_int_equal(r.nreq, 0);
    /* no secret at all (NULL) is still fine: unsigned events */
    cfg.secret = NULL;
    assert_int_equal(vr_webhook_open(&wh, &cfg, &err), 0);
    vr_webhook_close(wh, NULL);
    receiver_stop(&r);
}

static void test_default_outbox(void **state)
{
    (void)state;
    char *old_state = getenv("XDG_STATE_HOME") ? vr_strdup(getenv("XDG_STATE_HOME")) : NULL;
    char *old_home = getenv("HOME") ? vr_strdup(getenv("HOME")) : NULL;
    char *p = NULL;
    assert_int_equal(vr_webhook_default_outbox("/var/log/vni/audit.jsonl", &p), 0);
    assert_string_equal(p, "/var/log/vni/audit.jsonl.outbox");
    free(p);
    setenv("XDG_STATE_HOME", "/st", 1);
    assert_int_equal(vr_webhook_default_outbox(NULL, &p), 0);
    assert_string_equal(p, "/st/vni-reconcile/webhook-outbox.jsonl");
    free(p);
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "/home/ci", 1);
    assert_int_equal(vr_webhook_default_outbox(NULL, &p), 0);
    assert_string_equal(p, "/home/ci/.local/state/vni-reconcile/webhook-outbox.jsonl");
    free(p);
    unsetenv("HOME");
    assert_int_equal(vr_webhook_default_outbox(NULL, &p), -1);
    assert_null(p);
    if (old_state) setenv("XDG_STATE_HOME", old_state, 1);
    if (old_home) setenv("HOME", old_home, 1);
    free(old_state);
    free(old_home);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delivered_signed),
        cmocka_unit_test(test_no_secret_no_signature),
        cmocka_unit_test(test_500_retried),
        cmocka_unit_test(test_outbox_then_next_run),
        cmocka_unit_test(test_outbox_shared),
        cmocka_unit_test(test_outbox_two_urls),
        cmocka_unit_test(test_outbox_old_format),
        cmocka_unit_test(test_outbox_parse),
        cmocka_unit_test(test_flush_without_events),
        cmocka_unit_test(test_budget_with_hanging_receiver),
        cmocka_unit_test(test_4xx_kept),
        cmocka_unit_test(test_url_rule),
        cmocka_unit_test(test_empty_secret_refused),
        cmocka_unit_test(test_default_outbox),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
