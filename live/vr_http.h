/* vr_http: the one request layer of the platform client: one reused libcurl handle, timeouts,
 * retries within a time budget per call (429 after its Retry-After; 5xx and dropped
 * connections with backoff and full jitter), rate-limit pacing, error-body parsing
 * (docs/api.md §3) and a latency hook for every call.
 * It knows nothing of tokens' origin or of endpoints; vr_auth and vr_client build on it. */
#ifndef VR_HTTP_H
#define VR_HTTP_H

#include "vr_diag.h"
#include "vr_util.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Return codes of vr_http_do and of the client (vr_client.h) besides 0. */
enum {
    VR_HTTP_ERROR = -1,  /* no usable response: network, timeout, attempts or budget spent */
    VR_HTTP_ESTATUS = -2 /* a final non-2xx response (its status is in resp and err) */
};

/* One finished call, as given to the latency hook: once per call, after its last attempt.
 * Every pointer is valid only during the hook. path is the request path and query, never a
 * host, header, token or body. status is the last HTTP status, 0 when none was received. */
typedef struct {
    const char *method;
    const char *path;
    int status;
    int attempts;
    long long latency_ms;       /* first attempt's start to the last one's end, waits included */
    const char *correlation_id; /* ININ-Correlation-Id of the last response, "" when none */
} vr_call_record;

typedef void (*vr_call_hook_fn)(void *ctx, const vr_call_record *rec);
/* Sleeps ms milliseconds. Default: vr_sleep_ms. */
typedef void (*vr_sleep_fn)(void *ctx, int64_t ms);
/* Random 64 bits for jitter. Default: vr_random_u64. */
typedef uint64_t (*vr_random_fn)(void *ctx);
/* Monotonic milliseconds, for budgets. Default: vr_now_ms. */
typedef int64_t (*vr_clock_fn)(void *ctx);

/* The largest API response body accepted (docs/api.md §3): a page of 200 connections is about
 * 100 KiB, and cJSON takes up to about 30 times a document's size in memory, so a bigger
 * answer is refused (code "response.too_large", the message names the limit) rather than
 * parsed. */
#define VR_HTTP_MAX_BODY ((size_t)4 << 20)

/* ---- the transport policy (docs/cli.md "TLS and CA certificates", "Proxies") ----
 * Every connection the tool makes (API, OAuth, webhooks) is set up by
 * vr_http_transport_setup from one vr_transport, resolved once per run. */

/* Where trust comes from. Pointers are borrowed (argv or the environment): they must stay
 * valid while a handle set up with it is used. Zero-initialised: the system store. */
typedef struct {
    const char *ca_file;   /* PEM bundle that replaces the system store; NULL: system store */
    const char *ca_source; /* "--ca-file", "SSL_CERT_FILE" or "CURL_CA_BUNDLE"; NULL with it */
} vr_transport;

/* Picks the CA file: ca_option (--ca-file), else ssl_cert_file (the value of SSL_CERT_FILE),
 * else curl_ca_bundle (CURL_CA_BUNDLE); NULL or "" counts as unset. None set: the system
 * store (out zeroed). The file chosen must be a readable regular file of at most 16 MiB
 * holding at least one PEM certificate ("-----BEGIN CERTIFICATE-----"); otherwise returns -1
 * with err (code "ca.file") naming the file, where it came from and why. Returns 0. */
int vr_transport_resolve(vr_transport *out, const char *ca_option, const char *ssl_cert_file,
                         const char *curl_ca_bundle, vr_error *err);
/* vr_transport_resolve with SSL_CERT_FILE and CURL_CA_BUNDLE read from the environment. */
int vr_transport_from_env(vr_transport *out, const char *ca_option, vr_error *err);

/* Sets the transport policy on c for a request to url (call it after curl_easy_reset, for
 * every request): protocols http and https only, redirects not followed, the peer's
 * certificate and host name always verified (there is no way to turn that off), trust from
 * t's CA file (which then replaces the system store; t NULL or without a file: the system
 * store), also for an https:// proxy. Proxies: for an https:// url libcurl's standard
 * variables apply (https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY, no_proxy, NO_PROXY); any
 * other url never goes through a proxy, whatever http_proxy, HTTP_PROXY or all_proxy say:
 * plain http carries credentials in clear text and only ever goes to loopback. */
void vr_http_transport_setup(CURL *c, const char *url, const vr_transport *t);

/* True when rc means the server's TLS certificate was refused (not trusted, wrong name,
 * expired) or the CA file could not be used: not transient, the remedy below applies. */
bool vr_http_tls_refused(CURLcode rc);

/* Sets err's remedy for a refused certificate under t: a private CA (a corporate proxy that
 * re-signs TLS, a private endpoint) is trusted with --ca-file (or SSL_CERT_FILE,
 * CURL_CA_BUNDLE); with a CA file in use it names the file and where it came from. */
void vr_http_tls_remedy(vr_error *err, const vr_transport *t);

/* Settings. vr_http_config_init() fills the defaults; members left 0/NULL take them too. */
typedef struct {
    long connect_timeout_ms;       /* per attempt, default 10000 */
    long attempt_timeout_ms;       /* whole attempt (connect to last byte), default 30000; at
                                    * most half the call budget (vr_http_attempt_timeout_ms) */
    int64_t call_budget_ms;        /* per call, attempts and waits together, default 120000
                                    * (the --call-timeout); a page of a listing is a call. No
                                    * count of tries: a call is repeated while its budget lasts */
    int64_t run_deadline_ms;       /* absolute, on the clock below; 0: none (the --timeout) */
    int64_t backoff_base_ms;       /* default 500 */
    int64_t backoff_cap_ms;        /* default 30000 */
    bool no_pacing;                /* ignore inin-ratelimit-* headers (default: pace) */
    size_t max_body;               /* largest response body accepted, VR_HTTP_MAX_BODY */
    const char *user_agent;        /* borrowed; default "vni-reconcile/VERSION" */
    const vr_transport *transport; /* borrowed; NULL: the system store (see above) */
    vr_call_hook_fn hook;          /* may be NULL */
    void *hook_ctx;
    vr_sleep_fn sleep;   /* NULL: vr_sleep_ms */
    vr_random_fn random; /* NULL: vr_random_u64 */
    vr_clock_fn now;     /* NULL: vr_now_ms */
    void *env_ctx;       /* passed to sleep, random and now */
} vr_http_config;

void vr_http_config_init(vr_http_config *cfg);

/* The least time an attempt is given (at most the attempt timeout), and what a wait must
 * leave before the deadline for the try after it. */
#define VR_HTTP_MIN_TRY_MS 1000

/* The timeout of one attempt under cfg: attempt_timeout_ms, but at most half the call budget
 * (at least VR_HTTP_MIN_TRY_MS), so that a hung connection leaves time to try again. */
int64_t vr_http_attempt_timeout_ms(const vr_http_config *cfg);

/* The request layer. Owns one CURL easy handle reused for every call (connection reuse).
 * Requires curl_global_init() done by main (or the test). Not thread-safe: one per thread. */
typedef struct vr_http vr_http;

/* Creates the layer with a copy of cfg (pointers inside stay borrowed). Returns 0, or -1
 * with err set. vr_http_free() releases it. */
int vr_http_new(vr_http **out, const vr_http_config *cfg, vr_error *err);
void vr_http_free(vr_http *h);
/* The settings in use (defaults filled in). */
const vr_http_config *vr_http_get_config(const vr_http *h);
/* Sets the run's deadline (absolute, on the config's clock; 0: none) for the calls to come. */
void vr_http_set_run_deadline(vr_http *h, int64_t deadline_ms);

/* A request. Every pointer is borrowed for the duration of vr_http_do. */
typedef struct {
    const char *method;     /* "GET", "POST", "DELETE" */
    const char *base;       /* "https://api.mypurecloud.ie" (no trailing '/') */
    const char *path;       /* "/api/v2/...?pageSize=200": joined to base, shown in records */
    const char *bearer;     /* token for "Authorization: Bearer", NULL: none. Never shown */
    const char *basic_user; /* HTTP Basic user and password, NULL: none. Never shown */
    const char *basic_pass;
    const char *content_type; /* NULL: "application/json" when there is a body */
    const char *body;         /* NULL: no body */
    size_t body_len;
} vr_http_request;

/* One 422 detail of an error body. */
typedef struct {
    char field[128];
    char error_code[128];
    char error_message[512];
} vr_http_detail;

#define VR_HTTP_DETAILS_MAX 16

/* A response. Zero-initialise (VR_HTTP_RESPONSE_INIT); vr_http_response_free() releases it.
 * vr_http_do frees what it held before. */
typedef struct {
    int status;               /* 0 when none was received */
    vr_buf body;              /* raw body */
    cJSON *json;              /* parsed body when it is JSON, else NULL; owned */
    char correlation_id[128]; /* ININ-Correlation-Id, "" when absent */
    int attempts;
    long long latency_ms;
    /* parsed error body (docs/api.md §3), for non-2xx; "" / 0 when absent */
    char entity_id[128];
    char entity_name[256];
    vr_http_detail details[VR_HTTP_DETAILS_MAX];
    size_t detail_count; /* kept (at most VR_HTTP_DETAILS_MAX) */
    size_t detail_total; /* in the body */
} vr_http_response;

#define VR_HTTP_RESPONSE_INIT                                                                      \
    {                                                                                              \
        0                                                                                          \
    }

void vr_http_response_free(vr_http_response *r);

/* Makes one call, retrying as docs/api.md §3 says, for as long as the call's time budget
 * allows (no fixed count of tries):
 *   - 429: repeated after its Retry-After (whole seconds, may be 0), no sooner and no later;
 *     without one, after a backoff;
 *   - 500, 502, 503, 504, another 5xx whose body is not JSON, a dropped or reset connection, an
 *     empty reply, a refused connect, a timeout: repeated after a full-jitter backoff
 *     (vr_backoff_ms: base and cap of cfg, doubling per retry), at least a 503's Retry-After;
 *   - any other status is final (a 401 too: vr_client renews the token and repeats once).
 * Time: the call ends by its deadline, the earlier of start + call_budget_ms and the run's
 * deadline. A wait that would end less than VR_HTTP_MIN_TRY_MS before it is cut (a backoff)
 * or, when it cannot be (a Retry-After), the call stops there rather than sleep for nothing.
 * Each attempt is cut to the deadline but given at least VR_HTTP_MIN_TRY_MS: a call begun
 * near or past the run's deadline (a step under way finishing its calls) makes one attempt and
 * no retry.
 * Pacing: the inin-ratelimit-count/-allowed/-reset headers of any response set when the next
 * request of this vr_http may go: after the reset when the window is used up; when more than
 * half of it is used, one request every reset / (allowed - count), so the rest of the window
 * is spread rather than burst into a 429. The state is per vr_http (one per client, so per
 * organization). A pause that would not fit before the deadline is skipped.
 * Calls the hook once at the end whatever happened.
 * Returns 0 for a 2xx (resp filled); VR_HTTP_ESTATUS for a final non-2xx, with resp filled
 * and err set from the error body: http_status, code, message (the server's message, with
 * 422 fields and 409 entity when given), correlation_id, attempts, elapsed_ms (no remedy:
 * vr_client adds those); VR_HTTP_ERROR when no usable response came, with err.code one of
 * "budget.exhausted" (the call's budget left no time for another try), "run.deadline" (the
 * run's deadline did), "network" (a failure that is not transient: DNS, TLS verification...),
 * "bad.response" (a 2xx whose body is not JSON), "response.too_large"; err.message says how
 * many tries over how long, why it stopped and what the last answer was ("GET /x: gave up
 * after 9 tries over 118.2 s: Retry-After asks for 30 s more, past the call's time budget of
 * 120 s; last: HTTP 429 too.many.requests: ..."), err.http_status is the last status (0:
 * none), err.remedy what to do.
 * Error texts, hook records and resp's parsed texts (correlation id, entity, details) never
 * hold a header, token, secret or request body; resp's raw body and json are as received. */
int vr_http_do(vr_http *h, const vr_http_request *req, vr_http_response *resp, vr_error *err);

/* Fills err from a non-2xx response (status, code, message, correlation id): the error body
 * of docs/api.md §3 when there is one, else "HTTP <status>". what names the call ("create
 * connection arch-vni-01"), prefixed to the message. Used by vr_http_do; exposed for tests. */
void vr_http_error_from_response(vr_error *err, const char *what, const vr_http_response *r);

/* The same for a final answer of status status with this raw body, as vr_http_do reads it:
 * the body parsed as JSON, its entity and 422 details (docs/api.md §3) taken, then err filled
 * as above (no correlation id header). Pure: no I/O; exposed for the unit tests and the fuzz
 * targets. */
void vr_http_error_from_body(vr_error *err, const char *what, int status, const char *body,
                             size_t len);

/* Registers a secret (the client secret, a static token) that vr_http_do scrubs out of every
 * error text and hook record, besides each request's own token and Basic password. Borrowed:
 * it must stay valid while h makes calls. At most 8; more are ignored. */
void vr_http_add_secret(vr_http *h, const char *secret);

/* Secrets shorter than this are not scrubbed: they are substrings of ordinary words, and
 * replacing them would garble every message (real client secrets and tokens are far longer). */
#define VR_SECRET_MIN_SCRUB 6

/* Replaces every occurrence of secret (NULL, or shorter than VR_SECRET_MIN_SCRUB: nothing) in
 * err's message, remedy, code and correlation id with "***". vr_http_do applies it with the
 * request's token and Basic password; layers that rebuild an error text apply it again. */
void vr_error_scrub(vr_error *err, const char *secret);

#endif
