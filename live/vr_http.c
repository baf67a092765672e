/* vr_http: one reused libcurl handle, retries with backoff and full jitter, Retry-After,
 * rate-limit pacing, error bodies, and the per-call latency hook. */
#include "vr_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef VR_VERSION
#define VR_VERSION "0"
#endif

struct vr_http {
    vr_http_config cfg;
    CURL *curl;
    int64_t pace_until;     /* on cfg.now; 0: no pacing wait pending */
    const char *secrets[8]; /* borrowed, see vr_http_add_secret */
    size_t secret_count;
    char user_agent[128];
};

/* What one attempt saw in the headers of the final response. */
typedef struct {
    char correlation_id[128];
    long retry_after_s;                  /* -1: absent or unparseable */
    long rl_count, rl_allowed, rl_reset; /* -1: absent */
} attempt_headers;

typedef struct {
    vr_buf *body;
    attempt_headers *hdr;
} attempt_sink;

static void default_sleep(void *ctx, int64_t ms)
{
    (void)ctx;
    vr_sleep_ms(ms);
}

static uint64_t default_random(void *ctx)
{
    (void)ctx;
    return vr_random_u64();
}

static int64_t default_now(void *ctx)
{
    (void)ctx;
    return vr_now_ms();
}

void vr_http_config_init(vr_http_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->connect_timeout_ms = 10000;
    cfg->attempt_timeout_ms = 30000;
    cfg->max_attempts = 5;
    cfg->call_budget_ms = 120000;
    cfg->backoff_base_ms = 500;
    cfg->backoff_cap_ms = 30000;
    cfg->max_body = (size_t)64 << 20;
}

static void fill_defaults(vr_http_config *cfg)
{
    vr_http_config d;
    vr_http_config_init(&d);
    if (cfg->connect_timeout_ms <= 0) cfg->connect_timeout_ms = d.connect_timeout_ms;
    if (cfg->attempt_timeout_ms <= 0) cfg->attempt_timeout_ms = d.attempt_timeout_ms;
    if (cfg->max_attempts <= 0) cfg->max_attempts = d.max_attempts;
    if (cfg->call_budget_ms <= 0) cfg->call_budget_ms = d.call_budget_ms;
    if (cfg->backoff_base_ms <= 0) cfg->backoff_base_ms = d.backoff_base_ms;
    if (cfg->backoff_cap_ms <= 0) cfg->backoff_cap_ms = d.backoff_cap_ms;
    if (cfg->max_body == 0) cfg->max_body = d.max_body;
    if (!cfg->sleep) cfg->sleep = default_sleep;
    if (!cfg->random) cfg->random = default_random;
    if (!cfg->now) cfg->now = default_now;
}

int64_t vr_http_backoff_ms(const vr_http_config *cfg, int n)
{
    int64_t base = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 500;
    int64_t cap = cfg->backoff_cap_ms > 0 ? cfg->backoff_cap_ms : 30000;
    int64_t ceiling = base;
    for (int i = 0; i < n && ceiling < cap; i++)
        ceiling *= 2;
    if (ceiling > cap) ceiling = cap;
    uint64_t r = cfg->random ? cfg->random(cfg->env_ctx) : vr_random_u64();
    return (int64_t)(r % (uint64_t)(ceiling + 1));
}

int vr_http_new(vr_http **out, const vr_http_config *cfg, vr_error *err)
{
    *out = NULL;
    vr_http *h = vr_xcalloc(1, sizeof(*h));
    if (cfg)
        h->cfg = *cfg;
    else
        vr_http_config_init(&h->cfg);
    fill_defaults(&h->cfg);
    snprintf(h->user_agent, sizeof(h->user_agent), "%s",
             h->cfg.user_agent ? h->cfg.user_agent : "vni-reconcile/" VR_VERSION);
    h->curl = curl_easy_init();
    if (!h->curl) {
        vr_error_set(err, "curl", "http client: curl_easy_init failed");
        free(h);
        return -1;
    }
    *out = h;
    return 0;
}

void vr_http_free(vr_http *h)
{
    if (!h) return;
    if (h->curl) curl_easy_cleanup(h->curl);
    free(h);
}

const vr_http_config *vr_http_get_config(const vr_http *h)
{
    return &h->cfg;
}

void vr_http_set_run_deadline(vr_http *h, int64_t deadline_ms)
{
    h->cfg.run_deadline_ms = deadline_ms > 0 ? deadline_ms : 0;
}

void vr_http_response_free(vr_http_response *r)
{
    if (!r) return;
    vr_buf_free(&r->body);
    if (r->json) cJSON_Delete(r->json);
    memset(r, 0, sizeof(*r));
}

/* ---- curl callbacks ---- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    attempt_sink *s = userdata;
    size_t n = size * nmemb;
    if (vr_buf_append(s->body, ptr, n) < 0)
        return 0; /* too large: curl stops with CURLE_WRITE_ERROR */
    return n;
}

static long parse_header_long(const char *v, size_t len)
{
    char tmp[32];
    while (len > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }
    while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof(tmp)) return -1;
    memcpy(tmp, v, len);
    tmp[len] = '\0';
    long out;
    if (vr_parse_long(tmp, 0, 100000000L, &out) < 0 || tmp[0] == '+') return -1;
    return out;
}

static size_t on_header(char *buffer, size_t size, size_t nitems, void *userdata)
{
    attempt_sink *s = userdata;
    size_t n = size * nitems;
    size_t len = n;
    while (len > 0 && (buffer[len - 1] == '\r' || buffer[len - 1] == '\n'))
        len--;
    if (len >= 5 && strncmp(buffer, "HTTP/", 5) == 0) {
        /* a new response (after a 100 Continue, say): forget what an earlier one said */
        memset(s->hdr, 0, sizeof(*s->hdr));
        s->hdr->retry_after_s = s->hdr->rl_count = s->hdr->rl_allowed = s->hdr->rl_reset = -1;
        return n;
    }
    const char *colon = memchr(buffer, ':', len);
    if (!colon) return n;
    size_t nlen = (size_t)(colon - buffer);
    const char *v = colon + 1;
    size_t vlen = len - nlen - 1;
#define IS(name) (nlen == sizeof(name) - 1 && strncasecmp(buffer, name, nlen) == 0)
    if (IS("ININ-Correlation-Id")) {
        while (vlen > 0 && (*v == ' ' || *v == '\t')) {
            v++;
            vlen--;
        }
        if (vlen >= sizeof(s->hdr->correlation_id)) vlen = sizeof(s->hdr->correlation_id) - 1;
        memcpy(s->hdr->correlation_id, v, vlen);
        s->hdr->correlation_id[vlen] = '\0';
    } else if (IS("Retry-After")) {
        s->hdr->retry_after_s = parse_header_long(v, vlen);
    } else if (IS("inin-ratelimit-count")) {
        s->hdr->rl_count = parse_header_long(v, vlen);
    } else if (IS("inin-ratelimit-allowed")) {
        s->hdr->rl_allowed = parse_header_long(v, vlen);
    } else if (IS("inin-ratelimit-reset")) {
        s->hdr->rl_reset = parse_header_long(v, vlen);
    }
#undef IS
    return n;
}

/* ---- error bodies ---- */

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* Reads entity and 422 details of an error body into r. */
static void parse_problem(vr_http_response *r)
{
    r->entity_id[0] = r->entity_name[0] = '\0';
    r->detail_count = r->detail_total = 0;
    if (!cJSON_IsObject(r->json)) return;
    copy_text(r->entity_id, sizeof(r->entity_id), json_str(r->json, "entityId"));
    copy_text(r->entity_name, sizeof(r->entity_name), json_str(r->json, "entityName"));
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(r->json, "details");
    const cJSON *d;
    cJSON_ArrayForEach(d, details)
    {
        if (!cJSON_IsObject(d)) continue;
        const char *field = json_str(d, "fieldName");
        if (!field) field = json_str(d, "field");
        const char *code = json_str(d, "errorCode");
        const char *msg = json_str(d, "errorMessage");
        if (!field && !code && !msg) continue;
        r->detail_total++;
        if (r->detail_count < VR_HTTP_DETAILS_MAX) {
            vr_http_detail *x = &r->details[r->detail_count++];
            copy_text(x->field, sizeof(x->field), field);
            copy_text(x->error_code, sizeof(x->error_code), code);
            copy_text(x->error_message, sizeof(x->error_message), msg);
        }
    }
}

void vr_http_error_from_response(vr_error *err, const char *what, const vr_http_response *r)
{
    if (!err) return;
    const char *code = NULL, *message = NULL;
    if (cJSON_IsObject(r->json)) {
        code = json_str(r->json, "code");
        message = json_str(r->json, "message");
        if (!message) message = json_str(r->json, "messageWithParams");
        if (!code) code = json_str(r->json, "error"); /* OAuth: {"error": "invalid_client"} */
        if (!message) message = json_str(r->json, "error_description");
    }
    vr_buf m = VR_BUF_INIT;
    vr_buf_printf(&m, "%s: HTTP %d", what ? what : "request", r->status);
    if (code) vr_buf_printf(&m, " %s", code);
    if (message) vr_buf_printf(&m, ": %s", message);
    if (r->entity_name[0] || r->entity_id[0]) {
        vr_buf_puts(&m, " (held by");
        if (r->entity_name[0]) vr_buf_printf(&m, " %s", r->entity_name);
        if (r->entity_id[0]) vr_buf_printf(&m, " id %s", r->entity_id);
        vr_buf_puts(&m, ")");
    }
    for (size_t i = 0; i < r->detail_count; i++) {
        const vr_http_detail *d = &r->details[i];
        vr_buf_printf(&m, "%s %s", i == 0 ? ";" : ",", d->field[0] ? d->field : "(no field)");
        if (d->error_code[0]) vr_buf_printf(&m, " (%s)", d->error_code);
        if (d->error_message[0]) vr_buf_printf(&m, ": %s", d->error_message);
    }
    if (r->detail_total > r->detail_count)
        vr_buf_printf(&m, ", and %zu more", r->detail_total - r->detail_count);
    int attempts = err->attempts;
    long long elapsed = err->elapsed_ms;
    vr_error_clear(err);
    err->attempts = attempts;
    err->elapsed_ms = elapsed;
    err->http_status = r->status;
    if (code)
        copy_text(err->code, sizeof(err->code), code);
    else
        snprintf(err->code, sizeof(err->code), "http.%d", r->status);
    copy_text(err->message, sizeof(err->message), vr_buf_str(&m));
    vr_buf_free(&m);
    if (r->correlation_id[0])
        copy_text(err->correlation_id, sizeof(err->correlation_id), r->correlation_id);
    else if (cJSON_IsObject(r->json) && json_str(r->json, "contextId"))
        copy_text(err->correlation_id, sizeof(err->correlation_id), json_str(r->json, "contextId"));
}

void vr_http_error_from_body(vr_error *err, const char *what, int status, const char *body,
                             size_t len)
{
    vr_http_response r = VR_HTTP_RESPONSE_INIT;
    r.status = status;
    if (body && len > 0) r.json = cJSON_ParseWithLength(body, len);
    parse_problem(&r);
    vr_http_error_from_response(err, what, &r);
    vr_http_response_free(&r);
}

/* Replaces every occurrence of secret in s (NUL-terminated) with "***", scanning on past each
 * replacement. */
static void scrub(char *s, const char *secret)
{
    if (!secret || strlen(secret) < VR_SECRET_MIN_SCRUB || !s) return;
    size_t sl = strlen(secret);
    char *from = s;
    char *p;
    while ((p = strstr(from, secret)) != NULL) {
        size_t tail = strlen(p + sl);
        if (sl >= 3) {
            memcpy(p, "***", 3);
            memmove(p + 3, p + sl, tail + 1);
            from = p + 3;
        } else {
            memset(p, '*', sl);
            from = p + sl;
        }
    }
}

void vr_error_scrub(vr_error *err, const char *secret)
{
    if (!err) return;
    scrub(err->message, secret);
    scrub(err->remedy, secret);
    scrub(err->code, secret);
    scrub(err->correlation_id, secret);
}

void vr_http_add_secret(vr_http *h, const char *secret)
{
    if (secret && *secret && h->secret_count < sizeof(h->secrets) / sizeof(h->secrets[0]))
        h->secrets[h->secret_count++] = secret;
}

static void scrub_error(const vr_http *h, vr_error *err, const vr_http_request *req)
{
    vr_error_scrub(err, req->bearer);
    vr_error_scrub(err, req->basic_pass);
    for (size_t i = 0; i < h->secret_count; i++)
        vr_error_scrub(err, h->secrets[i]);
}

static void scrub_all(const vr_http *h, char *s, const vr_http_request *req)
{
    scrub(s, req->bearer);
    scrub(s, req->basic_pass);
    for (size_t i = 0; i < h->secret_count; i++)
        scrub(s, h->secrets[i]);
}

static void scrub_response(const vr_http *h, vr_http_response *r, const vr_http_request *req)
{
    scrub_all(h, r->correlation_id, req);
    scrub_all(h, r->entity_id, req);
    scrub_all(h, r->entity_name, req);
    for (size_t i = 0; i < r->detail_count; i++) {
        scrub_all(h, r->details[i].field, req);
        scrub_all(h, r->details[i].error_code, req);
        scrub_all(h, r->details[i].error_message, req);
    }
}

/* ---- the call ---- */

static bool curl_transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
        return true;
    default:
        return false;
    }
}

static bool status_transient(int status)
{
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

static void path_only(char *dst, size_t cap, const char *path)
{
    size_t n = strcspn(path ? path : "", "?");
    if (n >= cap) n = cap - 1;
    memcpy(dst, path ? path : "", n);
    dst[n] = '\0';
}

/* One attempt. Returns the curl code; fills resp->status, resp->body and hdr. */
static CURLcode attempt(vr_http *h, const vr_http_request *req, const char *url, long timeout_ms,
                        vr_http_response *resp, attempt_headers *hdr, char *errbuf)
{
    CURL *c = h->curl;
    curl_easy_reset(c); /* keeps the connection cache: connections are reused */
    vr_buf_reset(&resp->body);
    resp->body.overflow = false;
    resp->body.max = h->cfg.max_body;
    memset(hdr, 0, sizeof(*hdr));
    hdr->retry_after_s = hdr->rl_count = hdr->rl_allowed = hdr->rl_reset = -1;
    attempt_sink sink = {&resp->body, hdr};

    struct curl_slist *headers = NULL;
    vr_buf auth = VR_BUF_INIT;
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    if (req->body) {
        char ct[160];
        snprintf(ct, sizeof(ct), "Content-Type: %s",
                 req->content_type ? req->content_type : "application/json");
        headers = curl_slist_append(headers, ct);
    }
    if (req->bearer) {
        vr_buf_printf(&auth, "Authorization: Bearer %s", req->bearer);
        headers = curl_slist_append(headers, vr_buf_str(&auth));
    }

    curl_easy_setopt(c, CURLOPT_VERBOSE, 0L); /* never: it would print the Authorization header */
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->cfg.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    errbuf[0] = '\0';
    if (req->basic_user) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, req->basic_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, req->basic_pass ? req->basic_pass : "");
    }
    const char *method = req->method ? req->method : "GET";
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        if (strcmp(method, "POST") == 0 || req->body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)(req->body ? req->body_len : 0));
        }
        if (strcmp(method, "POST") != 0) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    resp->status = (int)status;

    /* drop references to what is about to be freed, and the credentials */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_USERNAME, NULL);
    curl_easy_setopt(c, CURLOPT_PASSWORD, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(headers);
    if (auth.data) memset(auth.data, 0, auth.len);
    vr_buf_free(&auth);
    return rc;
}

static void describe_outcome(vr_buf *b, CURLcode rc, const char *errbuf, int status, bool overflow)
{
    if (overflow)
        vr_buf_puts(b, "response body too large");
    else if (rc != CURLE_OK) {
        switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            vr_buf_puts(b, "timed out");
            break;
        case CURLE_GOT_NOTHING:
            vr_buf_puts(b, "empty reply (connection closed without a response)");
            break;
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
            vr_buf_puts(b, "connection dropped during the response");
            break;
        case CURLE_COULDNT_CONNECT:
            vr_buf_puts(b, "could not connect");
            break;
        default:
            vr_buf_puts(b, curl_easy_strerror(rc));
            break;
        }
        if (errbuf && errbuf[0]) vr_buf_printf(b, " (%s)", errbuf);
    } else {
        vr_buf_printf(b, "HTTP %d", status);
    }
}

int vr_http_do(vr_http *h, const vr_http_request *req, vr_http_response *resp, vr_error *err)
{
    const vr_http_config *cfg = &h->cfg;
    vr_http_response_free(resp);
    const char *method = req->method ? req->method : "GET";
    vr_buf url = VR_BUF_INIT;
    vr_buf_printf(&url, "%s%s", req->base ? req->base : "", req->path ? req->path : "");
    char what[300];
    char plain_path[256];
    path_only(plain_path, sizeof(plain_path), req->path);
    snprintf(what, sizeof(what), "%s %s", method, plain_path);

    int64_t start = cfg->now(cfg->env_ctx);
    int64_t deadline = start + cfg->call_budget_ms;
    if (cfg->run_deadline_ms > 0 && cfg->run_deadline_ms < deadline)
        deadline = cfg->run_deadline_ms;

    int rc_out = VR_HTTP_ERROR;
    int retries = 0;
    attempt_headers hdr;
    CURLcode crc = CURLE_OK;
    char errbuf[CURL_ERROR_SIZE];
    const char *stop_code = "network";
    vr_buf why = VR_BUF_INIT; /* why the last wait could not be made, "" when none */

    for (;;) {
        /* pacing: the server said its window is used up */
        int64_t now = cfg->now(cfg->env_ctx);
        if (!cfg->no_pacing && h->pace_until > now) {
            int64_t wait = h->pace_until - now;
            if (now + wait < deadline) cfg->sleep(cfg->env_ctx, wait);
            h->pace_until = 0;
            now = cfg->now(cfg->env_ctx);
        }
        int64_t left = deadline - now;
        if (left <= 0) {
            stop_code = "budget.exhausted";
            vr_buf_puts(&why, "the time budget of the call is spent");
            break;
        }
        long timeout = cfg->attempt_timeout_ms;
        if (left < timeout) timeout = (long)left;
        resp->attempts++;
        crc = attempt(h, req, vr_buf_str(&url), timeout, resp, &hdr, errbuf);
        copy_text(resp->correlation_id, sizeof(resp->correlation_id), hdr.correlation_id);
        now = cfg->now(cfg->env_ctx);

        if (crc == CURLE_OK && hdr.rl_allowed > 0 && hdr.rl_count >= hdr.rl_allowed &&
            hdr.rl_reset >= 0)
            h->pace_until = now + (int64_t)hdr.rl_reset * 1000;

        bool transient;
        int64_t min_wait = 0;
        if (crc != CURLE_OK) {
            resp->status = 0; /* a response cut short counts as none */
            transient = !resp->body.overflow && curl_transient(crc);
            if (!transient) {
                stop_code = resp->body.overflow ? "response.too_large" : "network";
                break;
            }
        } else {
            if (resp->json) {
                cJSON_Delete(resp->json);
                resp->json = NULL;
            }
            if (resp->body.len > 0)
                resp->json = cJSON_ParseWithLength(resp->body.data, resp->body.len);
            transient = status_transient(resp->status) ||
                        (resp->status >= 500 && resp->status <= 599 && !resp->json);
            if (resp->status == 429 || resp->status == 503)
                min_wait = hdr.retry_after_s >= 0 ? (int64_t)hdr.retry_after_s * 1000 : -1;
            if (!transient) {
                if (resp->status >= 200 && resp->status <= 299) {
                    if (resp->body.len > 0 && !resp->json) {
                        stop_code = "bad.response";
                        vr_buf_puts(&why, "the response body is not JSON");
                        rc_out = VR_HTTP_ERROR;
                        goto finish_error;
                    }
                    rc_out = 0;
                } else {
                    parse_problem(resp);
                    rc_out = VR_HTTP_ESTATUS;
                }
                goto done;
            }
        }
        /* transient: wait and try again, if tries and time allow */
        if (resp->attempts >= cfg->max_attempts) {
            stop_code = "attempts.exhausted";
            break;
        }
        int64_t wait;
        if (resp->status == 429 && crc == CURLE_OK && min_wait >= 0)
            wait = min_wait; /* Retry-After: at least that, no more needed */
        else {
            wait = vr_http_backoff_ms(cfg, retries);
            if (min_wait > wait) wait = min_wait;
        }
        if (now + wait >= deadline) {
            stop_code = "budget.exhausted";
            vr_buf_printf(&why, "the next wait of %lld ms would pass the time budget of the call",
                          (long long)wait);
            break;
        }
        cfg->sleep(cfg->env_ctx, wait);
        retries++;
    }

finish_error:
    if (crc == CURLE_OK && resp->status > 0) {
        parse_problem(resp);
    }
    {
        int64_t elapsed = cfg->now(cfg->env_ctx) - start;
        vr_buf m = VR_BUF_INIT;
        vr_buf last = VR_BUF_INIT;
        describe_outcome(&last, crc, errbuf, resp->status, resp->body.overflow);
        if (crc == CURLE_OK && resp->status >= 300) {
            vr_error tmp = VR_ERROR_INIT;
            vr_http_error_from_response(&tmp, "last answer", resp);
            vr_buf_reset(&last);
            vr_buf_puts(&last, tmp.message + strlen("last answer: "));
        }
        if (strcmp(stop_code, "bad.response") == 0)
            vr_buf_printf(&m, "%s: %s (HTTP %d)", what, vr_buf_str(&why), resp->status);
        else if (resp->attempts <= 1 && strcmp(stop_code, "network") == 0)
            vr_buf_printf(&m, "%s: %s", what, vr_buf_str(&last));
        else
            vr_buf_printf(&m, "%s: gave up after %d %s over %.1f s%s%s; last: %s", what,
                          resp->attempts, resp->attempts == 1 ? "try" : "tries",
                          (double)elapsed / 1000.0, why.len ? ": " : "", vr_buf_str(&why),
                          vr_buf_str(&last));
        if (err) {
            vr_error_clear(err);
            err->http_status = resp->status;
            copy_text(err->code, sizeof(err->code), stop_code);
            copy_text(err->message, sizeof(err->message), vr_buf_str(&m));
            copy_text(err->correlation_id, sizeof(err->correlation_id), resp->correlation_id);
            if (strcmp(stop_code, "bad.response") == 0)
                vr_error_remedy(err, "check that the API URL points at the platform API");
            else if (strcmp(stop_code, "response.too_large") == 0)
                vr_error_remedy(err, "check that the API URL points at the platform API");
            else if (resp->status == 429)
                vr_error_remedy(err, "the platform is rate-limiting this client; run again "
                                     "later or with fewer concurrent clients");
            else if (resp->status >= 500)
                vr_error_remedy(err, "the platform failed or is unavailable; run again later "
                                     "and check the platform's status page");
            else if (crc == CURLE_COULDNT_RESOLVE_HOST)
                vr_error_remedy(err, "check the region or API URL and DNS");
            else if (crc == CURLE_PEER_FAILED_VERIFICATION || crc == CURLE_SSL_CACERT_BADFILE)
                vr_error_remedy(err, "the server's TLS certificate could not be verified; "
                                     "check the API URL and the system's CA certificates");
            else
                vr_error_remedy(err, "check the network and the API URL, then run again");
        }
        vr_buf_free(&m);
        vr_buf_free(&last);
        rc_out = VR_HTTP_ERROR;
    }

done:
    resp->latency_ms = cfg->now(cfg->env_ctx) - start;
    if (rc_out == VR_HTTP_ESTATUS && err) {
        vr_error_clear(err);
        vr_http_error_from_response(err, what, resp);
    }
    if (err && rc_out != 0) {
        err->attempts = resp->attempts;
        err->elapsed_ms = resp->latency_ms;
        scrub_error(h, err, req);
    }
    /* what callers read of the response (the audit keeps its correlation id) holds no secret
     * either; the raw body and json stay as received */
    scrub_response(h, resp, req);
    if (cfg->hook) {
        vr_call_record rec = {method,         req->path ? req->path : "", resp->status,
                              resp->attempts, resp->latency_ms,           resp->correlation_id};
        cfg->hook(cfg->hook_ctx, &rec);
    }
    vr_buf_free(&url);
    vr_buf_free(&why);
    return rc_out;
}
