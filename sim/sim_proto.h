/* sim_proto: one request and one response of vni-sim as plain data (no libmicrohttpd here),
 * the error body of docs/api.md §3, and small codecs (query strings, form bodies, Base64). */
#ifndef SIM_PROTO_H
#define SIM_PROTO_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* A request. Every pointer is borrowed from the server's per-request context and valid for
 * the duration of the handler call. */
typedef struct {
    const char *method;
    const char *path;  /* without the query */
    const char *query; /* raw, without '?'; "" when none */
    const char *body;  /* NUL-terminated; "" when none */
    size_t body_len;
    const char *authorization; /* NULL when absent */
    long client;               /* client index after authentication, -1 before or when none */
} sim_req;

/* A response. body is malloc'd and owned (NULL: no body). content_type NULL means
 * application/json. retry_after is -1 when no Retry-After is sent. allow names the methods
 * of a 405. drop: commit, then close the connection without answering. */
typedef struct {
    int status;
    char *body;
    const char *content_type;
    long retry_after;
    char allow[64];
    bool drop;
    char client_id[128]; /* for the request log: who made the call, "" when unknown */
    long rl_count, rl_allowed, rl_reset; /* inin-ratelimit-* headers; rl_allowed 0: none */
    char correlation_id[40]; /* ININ-Correlation-Id, also the contextId of error bodies */
} sim_resp;

void sim_resp_init(sim_resp *r);
void sim_resp_free(sim_resp *r);
/* Sets status and the printed body of json (consumed). */
void sim_resp_json(sim_resp *r, int status, cJSON *json);
/* The error body of docs/api.md §3: {message, code, status, contextId, details, messageParams}.
 * contextId is r->correlation_id (a new UUID when that is still empty). details (consumed;
 * NULL: []) lists 422 field errors. */
void sim_resp_error_details(sim_resp *r, int status, const char *code, cJSON *details,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void sim_resp_error(sim_resp *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Finds key in an application/x-www-form-urlencoded text (a query string or form body) and
 * writes its decoded value into out. Returns 1 when found (out truncated to outlen), 0 when
 * absent, -1 when the value is not valid percent-encoding. */
int sim_form_get(const char *text, const char *key, char *out, size_t outlen);

/* Decodes standard Base64 into out (outlen bytes, NUL-terminated). Returns the decoded length,
 * or -1 when text is not Base64 or out is too small. */
long sim_base64_decode(const char *text, char *out, size_t outlen);

/* True when a and b are equal ignoring ASCII case. */
bool sim_strcaseeq(const char *a, const char *b);

#endif
