/* vr_http: the one request layer of the platform client: one reused libcurl handle, timeouts,
 * retries (429 Retry-After, 5xx and dropped connections with backoff and full jitter),
 * rate-limit pacing, error-body parsing (contract §3) and a latency hook for every call.
 * It knows nothing of tokens' origin or of endpoints; vr_auth and vr_client build on it. */
#ifndef VR_HTTP_H
#define VR_HTTP_H

#include "vr_diag.h"
#include "vr_util.h"

#include <cJSON.h>
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

/* Settings. vr_http_config_init() fills the defaults; members left 0/NULL take them too. */
typedef struct {
    long connect_timeout_ms; /* per attempt, default 10000 */
    long attempt_timeout_ms; /* whole attempt (connect to last byte), default 30000 */
    int max_attempts;        /* per call, default 5 (a 401 repeat by vr_client is extra) */
    int64_t call_budget_ms;  /* per call, attempts and waits together, default 120000 */
    int64_t run_deadline_ms; /* absolute, on the clock below; 0: none */
    int64_t backoff_base_ms; /* default 500 */
    int64_t backoff_cap_ms;  /* default 30000 */
    bool no_pacing;          /* ignore inin-ratelimit-* headers (default: pace) */
    size_t max_body;         /* largest response body accepted, default 64 MiB */
    const char *user_agent;  /* borrowed; default "vni-reconcile/VERSION" */
    vr_call_hook_fn hook;    /* may be NULL */
    void *hook_ctx;
    vr_sleep_fn sleep;   /* NULL: vr_sleep_ms */
    vr_random_fn random; /* NULL: vr_random_u64 */
    vr_clock_fn now;     /* NULL: vr_now_ms */
    void *env_ctx;       /* passed to sleep, random and now */
} vr_http_config;

void vr_http_config_init(vr_http_config *cfg);

/* The backoff wait before retry number n (0 for the first retry) under full jitter:
 * random(0 .. min(cap, base * 2^n)), inclusive. Exposed for tests and documentation. */
int64_t vr_http_backoff_ms(const vr_http_config *cfg, int n);

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
    /* parsed error body (contract §3), for non-2xx; "" / 0 when absent */
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

/* Makes one call, retrying as contract §3 says: 429 waits at least Retry-After (whole
 * seconds, may be 0; backoff when absent); 500, 502, 503, 504, a 5xx with a body that is not
 * JSON, a dropped or reset connection, an empty reply, a refused connect and a timeout are
 * transient and retried after a full-jitter backoff (a 503's Retry-After is a minimum); any
 * other status is final. Stops after max_attempts, or when the next wait would pass the call
 * budget or the run deadline. Before a request, waits out a rate-limit window the server
 * said was used up (inin-ratelimit-count >= inin-ratelimit-allowed: inin-ratelimit-reset
 * seconds). Calls the hook once at the end whatever happened.
 * Returns 0 for a 2xx (resp filled); VR_HTTP_ESTATUS for a final non-2xx, with resp filled
 * and err set from the error body: http_status, code, message (the server's message, with
 * 422 fields and 409 entity when given), correlation_id, attempts, elapsed_ms (no remedy:
 * vr_client adds those); VR_HTTP_ERROR when no usable response came, with err.code one of
 * "attempts.exhausted" (transient failures max_attempts times), "budget.exhausted" (the next
 * wait would pass the call budget or the run deadline), "network" (a failure that is not
 * transient: DNS, TLS verification...), "bad.response" (a 2xx whose body is not JSON),
 * "response.too_large"; err.message says how many tries over how long and what the last
 * answer was, err.http_status is the last status (0: none), err.remedy what to do.
 * Error texts, hook records and resp's parsed texts (correlation id, entity, details) never
 * hold a header, token, secret or request body; resp's raw body and json are as received. */
int vr_http_do(vr_http *h, const vr_http_request *req, vr_http_response *resp, vr_error *err);

/* Fills err from a non-2xx response (status, code, message, correlation id): the error body
 * of contract §3 when there is one, else "HTTP <status>". what names the call ("create
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
