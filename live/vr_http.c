/* vr_http: one reused libcurl handle, retries with backoff and full jitter, Retry-After,
 * rate-limit pacing, error bodies, and the per-call latency hook. */
#include "vr_http.h"
#include "vr_errcode.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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

/* ---- the transport policy ---- */

#define CA_FILE_MAX ((size_t)16 << 20)

static bool is_set(const char *s)
{
    return s && *s;
}

int vr_transport_resolve(vr_transport *out, const char *ca_option, const char *ssl_cert_file,
                         const char *curl_ca_bundle, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    const struct {
        const char *value, *source;
    } order[] = {
        {ca_option, "--ca-file"},
        {ssl_cert_file, "SSL_CERT_FILE"},
        {curl_ca_bundle, "CURL_CA_BUNDLE"},
    };
    size_t i = 0;
    while (i < sizeof(order) / sizeof(order[0]) && !is_set(order[i].value))
        i++;
    if (i == sizeof(order) / sizeof(order[0])) return 0; /* the system store */
    const char *path = order[i].value, *source = order[i].source;
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    int rc;
    if (strcmp(path, "-") == 0) {
        vr_error_set(err, VR_ERR_CA_FILE, "CA file - (from %s): standard input is not a CA file",
                     source);
        vr_error_remedy(err, "give the path of a PEM file of CA certificates");
        return -1;
    }
    if (stat(path, &st) < 0) {
        vr_error_set(err, VR_ERR_CA_FILE, "cannot read the CA file %s (from %s): %s", path, source,
                     strerror(errno));
        vr_error_remedy(err, "give the path of a PEM file of CA certificates");
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        vr_error_set(err, VR_ERR_CA_FILE, "CA file %s (from %s) is not a regular file", path,
                     source);
        vr_error_remedy(err, "give the path of a PEM file of CA certificates");
        return -1;
    }
    rc = vr_read_file(path, CA_FILE_MAX, &text, &len);
    if (rc < 0) {
        if (rc == -2)
            vr_error_set(err, VR_ERR_CA_FILE, "CA file %s (from %s) is larger than 16 MiB", path,
                         source);
        else
            vr_error_set(err, VR_ERR_CA_FILE, "cannot read the CA file %s (from %s): %s", path,
                         source, strerror(errno));
        vr_error_remedy(err, "give the path of a PEM file of CA certificates");
        return -1;
    }
    bool pem = memmem(text, len, "-----BEGIN CERTIFICATE-----", 27) != NULL;
    free(text);
    if (!pem) {
        vr_error_set(err, VR_ERR_CA_FILE, "CA file %s (from %s) holds no PEM certificate", path,
                     source);
        vr_error_remedy(err, "give a PEM file (\"-----BEGIN CERTIFICATE-----\" blocks) of the CA "
                             "certificates to trust; convert DER with `openssl x509 -inform der`");
        return -1;
    }
    out->ca_file = path;
    out->ca_source = source;
    return 0;
}

int vr_transport_from_env(vr_transport *out, const char *ca_option, vr_error *err)
{
    return vr_transport_resolve(out, ca_option, getenv("SSL_CERT_FILE"), getenv("CURL_CA_BUNDLE"),
                                err);
}

void vr_http_transport_setup(CURL *c, const char *url, const vr_transport *t)
{
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    /* Verification is never turned off, for the server and for an https:// proxy alike. */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
    if (t && t->ca_file) {
        /* The file replaces the system store: libcurl's built-in CA directory is dropped too,
         * so what is trusted is exactly what the file holds. */
        curl_easy_setopt(c, CURLOPT_CAINFO, t->ca_file);
        curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
        curl_easy_setopt(c, CURLOPT_PROXY_CAINFO, t->ca_file);
        curl_easy_setopt(c, CURLOPT_PROXY_CAPATH, NULL);
    }
    /* Proxies: left unset, libcurl reads https_proxy/HTTPS_PROXY, all_proxy/ALL_PROXY and
     * no_proxy/NO_PROXY for an https:// URL. Anything else goes direct: "" disables every
     * proxy, environment included, and "*" exempts every host as a second lock. */
    if (!url || strncasecmp(url, "https://", 8) != 0) {
        curl_easy_setopt(c, CURLOPT_PROXY, "");
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    }
}

bool vr_http_tls_refused(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
           rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_SSL_INVALIDCERTSTATUS;
}

void vr_http_tls_remedy(vr_error *err, const vr_transport *t)
{
    if (t && t->ca_file)
        vr_error_remedy(err,
                        "the certificate is not signed by a CA in %s (from %s), or is not for "
                        "this host; check the URL, and give the CA that signs it (for a proxy "
                        "that re-signs TLS, its CA) with --ca-file FILE; verification is never "
                        "turned off",
                        t->ca_file, t->ca_source);
    else
        vr_error_remedy(err, "check the URL; if a private CA signs the certificate (a corporate "
                             "proxy that re-signs TLS, a private endpoint), trust it with "
                             "--ca-file FILE (or SSL_CERT_FILE, CURL_CA_BUNDLE); verification is "
                             "never turned off");
}

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
    cfg->call_budget_ms = 120000;
    cfg->backoff_base_ms = 500;
    cfg->backoff_cap_ms = 30000;
    cfg->max_body = VR_HTTP_MAX_BODY;
}

static void fill_defaults(vr_http_config *cfg)
{
    vr_http_config d;
    vr_http_config_init(&d);
    if (cfg->connect_timeout_ms <= 0) cfg->connect_timeout_ms = d.connect_timeout_ms;
    if (cfg->attempt_timeout_ms <= 0) cfg->attempt_timeout_ms = d.attempt_timeout_ms;
    if (cfg->call_budget_ms <= 0) cfg->call_budget_ms = d.call_budget_ms;
    if (cfg->backoff_base_ms <= 0) cfg->backoff_base_ms = d.backoff_base_ms;
    if (cfg->backoff_cap_ms <= 0) cfg->backoff_cap_ms = d.backoff_cap_ms;
    if (cfg->max_body == 0) cfg->max_body = d.max_body;
    if (!cfg->sleep) cfg->sleep = default_sleep;
    if (!cfg->random) cfg->random = default_random;
    if (!cfg->now) cfg->now = default_now;
}

int64_t vr_http_attempt_timeout_ms(const vr_http_config *cfg)
{
    int64_t half = cfg->call_budget_ms / 2;
    if (half < VR_HTTP_MIN_TRY_MS) half = VR_HTTP_MIN_TRY_MS;
    return cfg->attempt_timeout_ms < half ? cfg->attempt_timeout_ms : half;
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
        vr_error_set(err, VR_ERR_HTTP_CLIENT, "http client: curl_easy_init failed");
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
    vr_http_transport_setup(c, url, h->cfg.transport);
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
        case CURLE_PEER_FAILED_VERIFICATION:
            vr_buf_puts(b, "the server's TLS certificate was refused");
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

/* What the headers of a response say about the rate-limit window (docs/api.md §3): when the window
 * is used up, wait for its reset; when more than half of it is used, spread the requests left
 * over the time left (one every reset / left) instead of bursting into a 429. */
static void note_rate_limit(vr_http *h, const attempt_headers *hdr, int64_t now)
{
    if (hdr->rl_allowed <= 0 || hdr->rl_count < 0 || hdr->rl_reset < 0) return;
    long left = hdr->rl_allowed - hdr->rl_count;
    int64_t window_ms = (int64_t)hdr->rl_reset * 1000;
    if (left <= 0)
        h->pace_until = now + window_ms;
    else if (left * 2 <= hdr->rl_allowed)
        h->pace_until = now + window_ms / left;
    else
        h->pace_until = 0;
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

    /* The call's time: its budget, cut to the run's deadline when that comes first. */
    int64_t start = cfg->now(cfg->env_ctx);
    int64_t call_end = start + cfg->call_budget_ms;
    bool run_cut = cfg->run_deadline_ms > 0 && cfg->run_deadline_ms < call_end;
    int64_t deadline = run_cut ? cfg->run_deadline_ms : call_end;
    int64_t attempt_max = vr_http_attempt_timeout_ms(cfg);
    int64_t min_try = attempt_max < VR_HTTP_MIN_TRY_MS ? attempt_max : VR_HTTP_MIN_TRY_MS;
    char limit_text[64];
    if (run_cut)
        snprintf(limit_text, sizeof(limit_text), "the run's deadline");
    else
        snprintf(limit_text, sizeof(limit_text), "the call's time budget of %lld s",
                 (long long)(cfg->call_budget_ms / 1000));

    int rc_out = VR_HTTP_ERROR;
    int retries = 0;
    attempt_headers hdr;
    CURLcode crc = CURLE_OK;
    char errbuf[CURL_ERROR_SIZE];
    const char *stop_code = VR_ERR_NETWORK;
    vr_buf why = VR_BUF_INIT; /* why the call stopped trying, "" when it was not a wait */

    for (;;) {
        /* pacing: the server's rate-limit window asks for a pause before this request */
        int64_t now = cfg->now(cfg->env_ctx);
        if (!cfg->no_pacing && h->pace_until > now) {
            int64_t wait = h->pace_until - now;
            if (now + wait + min_try <= deadline) cfg->sleep(cfg->env_ctx, wait);
            h->pace_until = 0;
            now = cfg->now(cfg->env_ctx);
        }
        if (resp->attempts > 0 && now >= deadline) { /* a wait overslept */
            stop_code = run_cut ? VR_ERR_RUN_DEADLINE : VR_ERR_BUDGET_EXHAUSTED;
            vr_buf_printf(&why, "no time left within %s", limit_text);
            break;
        }
        /* the attempt ends by the deadline, but gets min_try even when that is closer (the
         * first attempt of a call made near or past the run's deadline): no retry follows */
        int64_t timeout = deadline - now;
        if (timeout < min_try) timeout = min_try;
        if (timeout > attempt_max) timeout = attempt_max;
        if (timeout > call_end - now) timeout = call_end - now;
        if (timeout < 1) timeout = 1;
        resp->attempts++;
        crc = attempt(h, req, vr_buf_str(&url), (long)timeout, resp, &hdr, errbuf);
        copy_text(resp->correlation_id, sizeof(resp->correlation_id), hdr.correlation_id);
        now = cfg->now(cfg->env_ctx);
        if (crc == CURLE_OK) note_rate_limit(h, &hdr, now);

        int64_t min_wait = -1; /* a Retry-After, in ms */
        if (crc != CURLE_OK) {
            resp->status = 0; /* a response cut short counts as none */
            if (resp->body.overflow || !curl_transient(crc)) {
                stop_code = resp->body.overflow ? VR_ERR_RESPONSE_TOO_LARGE : VR_ERR_NETWORK;
                break;
            }
        } else {
            if (resp->json) {
                cJSON_Delete(resp->json);
                resp->json = NULL;
            }
            if (resp->body.len > 0)
                resp->json = cJSON_ParseWithLength(resp->body.data, resp->body.len);
            bool transient = status_transient(resp->status) ||
                             (resp->status >= 500 && resp->status <= 599 && !resp->json);
            if ((resp->status == 429 || resp->status == 503) && hdr.retry_after_s >= 0)
                min_wait = (int64_t)hdr.retry_after_s * 1000;
            if (!transient) {
                if (resp->status >= 200 && resp->status <= 299) {
                    if (resp->body.len > 0 && !resp->json) {
                        stop_code = VR_ERR_BAD_RESPONSE;
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
        /* transient: a 429's Retry-After is the wait (no more is needed); otherwise a
         * full-jitter backoff, at least a 503's Retry-After; all within the deadline */
        int64_t backoff = 0;
        if (!(resp->status == 429 && min_wait >= 0))
            backoff = vr_backoff_ms(cfg->backoff_base_ms, cfg->backoff_cap_ms, retries,
                                    cfg->random(cfg->env_ctx));
        int64_t wait = vr_retry_wait_ms(backoff, min_wait, deadline - now, min_try);
        if (wait < 0) {
            stop_code = run_cut ? VR_ERR_RUN_DEADLINE : VR_ERR_BUDGET_EXHAUSTED;
            if (min_wait > 0)
                vr_buf_printf(&why, "Retry-After asks for %lld s more, past %s",
                              (long long)(min_wait / 1000), limit_text);
            else
                vr_buf_printf(&why, "no time left for another try within %s", limit_text);
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
        if (strcmp(stop_code, VR_ERR_BAD_RESPONSE) == 0)
            vr_buf_printf(&m, "%s: %s (HTTP %d)", what, vr_buf_str(&why), resp->status);
        else if (strcmp(stop_code, VR_ERR_RESPONSE_TOO_LARGE) == 0 &&
                 cfg->max_body % (1u << 20) == 0)
            vr_buf_printf(&m,
                          "%s: the response is larger than %zu MiB, the most accepted for one "
                          "API response; nothing of it was used",
                          what, cfg->max_body >> 20);
        else if (strcmp(stop_code, VR_ERR_RESPONSE_TOO_LARGE) == 0)
            vr_buf_printf(&m,
                          "%s: the response is larger than %zu bytes, the most accepted for "
                          "one API response; nothing of it was used",
                          what, cfg->max_body);
        else if (resp->attempts <= 1 && strcmp(stop_code, VR_ERR_NETWORK) == 0)
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
            if (strcmp(stop_code, VR_ERR_BAD_RESPONSE) == 0)
                vr_error_remedy(err, "check that the API URL points at the platform API");
            else if (strcmp(stop_code, VR_ERR_RESPONSE_TOO_LARGE) == 0)
                vr_error_remedy(err, "check that the API URL points at the platform API");
            else if (strcmp(stop_code, VR_ERR_RUN_DEADLINE) == 0)
                vr_error_remedy(err, "the run's time limit (--timeout) left no time to try "
                                     "again; run again to finish, or allow the run more time");
            else if (resp->status == 429)
                vr_error_remedy(err, "the platform is rate-limiting this client; run again "
                                     "later or with fewer concurrent clients, or give each call "
                                     "more time with --call-timeout");
            else if (resp->status >= 500)
                vr_error_remedy(err, "the platform failed or is unavailable; run again later "
                                     "(or give each call more time with --call-timeout) and "
                                     "check the platform's status page");
            else if (crc == CURLE_COULDNT_RESOLVE_HOST)
                vr_error_remedy(err, "check the region or API URL and DNS");
            else if (vr_http_tls_refused(crc))
                vr_http_tls_remedy(err, cfg->transport);
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
