/* fuzz_sim_request: vni-sim's request handling without libmicrohttpd (sim_server_handle:
 * routing, OAuth, the API handlers, the admin endpoints with their JSON bodies, faults, the
 * request log) on a fresh server with the default state and --admin.
 *
 * Input: up to 16 requests separated by lines "%%". A request is "METHOD URI", then header
 * lines up to an empty line (only Authorization is used), then the body. In an Authorization
 * value, "$TOKEN" stands for the access token of the last 200 answer of POST /oauth/token, so
 * that inputs reach the endpoints behind a token. Fault latencies are zeroed before each
 * request (the fuzzer must not sleep). */
#include "harness.h"
#include "sim_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REQUESTS 16

/* The next line of [*p, end) without its "\n"; *p moves past it. */
static size_t next_line(const char **p, const char *end, const char **line)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    *line = *p;
    size_t n = (size_t)((nl ? nl : end) - *p);
    *p = nl ? nl + 1 : end;
    return n;
}

/* Writes "Bearer $TOKEN"-style text with $TOKEN replaced into out (cap bytes). */
static void expand(char *out, size_t cap, const char *text, size_t n, const char *token)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap;) {
        if (n - i >= 6 && memcmp(text + i, "$TOKEN", 6) == 0) {
            for (const char *t = token; *t && o + 1 < cap; t++)
                out[o++] = *t;
            i += 6;
        } else {
            out[o++] = text[i++];
        }
    }
    out[o] = '\0';
}

static void one_request(sim_server *srv, const char *text, size_t n, char *token, size_t cap)
{
    const char *p = text, *end = text + n, *line;
    size_t ll = next_line(&p, end, &line);
    const char *sp = memchr(line, ' ', ll);
    if (!sp) return;
    char *method = fz_cstr((const uint8_t *)line, (size_t)(sp - line));
    char *uri = fz_cstr((const uint8_t *)sp + 1, ll - (size_t)(sp + 1 - line));
    char auth[1024];
    bool has_auth = false;
    while (p < end) {
        ll = next_line(&p, end, &line);
        if (ll == 0) break;
        static const char key[] = "Authorization: ";
        if (ll >= sizeof key - 1 && memcmp(line, key, sizeof key - 1) == 0) {
            expand(auth, sizeof auth, line + sizeof key - 1, ll - (sizeof key - 1), token);
            has_auth = true;
        }
    }
    char *body = fz_cstr((const uint8_t *)p, (size_t)(end - p));
    char path[4096];
    const char *q = strchr(uri, '?');
    size_t pl = q ? (size_t)(q - uri) : strlen(uri);
    if (pl >= sizeof path) pl = sizeof path - 1;
    memcpy(path, uri, pl);
    path[pl] = '\0';

    sim_req req = {
        .method = method,
        .path = path,
        .query = q ? q + 1 : "",
        .body = body,
        .body_len = (size_t)(end - p),
        .authorization = has_auth ? auth : NULL,
        .client = -1,
    };
    srv->faults.latency_min_ms = srv->faults.latency_max_ms = 0;
    sim_resp resp;
    sim_resp_init(&resp);
    char corr[40];
    sim_server_handle(srv, &req, uri, &resp, corr);
    fz_check(resp.drop || (resp.status >= 200 && resp.status <= 599), "an answer without status");
    if (resp.status == 200 && strcmp(path, "/oauth/token") == 0 && resp.body) {
        cJSON *j = cJSON_Parse(resp.body);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "access_token");
        fz_check(cJSON_IsString(t), "a token answer without a token");
        snprintf(token, cap, "%s", t->valuestring);
        cJSON_Delete(j);
    }
    sim_resp_free(&resp);
    free(body);
    free(uri);
    free(method);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_state st = {0};
    sim_state_default(&st);
    sim_faults faults;
    sim_faults_default(&faults);
    sim_server_opts opts = {.admin = true, .seed = 1};
    sim_server srv;
    sim_server_init(&srv, &opts, &st, &faults);
    char token[SIM_TOKEN_LEN + 1] = "";

    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < MAX_REQUESTS && p < end; i++) {
        /* this request: up to a line "%%" */
        const char *start = p, *stop = end;
        for (const char *s = p; s < end;) {
            const char *line;
            size_t ll = next_line(&s, end, &line);
            if (ll == 2 && line[0] == '%' && line[1] == '%') {
                stop = line;
                p = s;
                break;
            }
            p = s;
        }
        one_request(&srv, start, (size_t)(stop - start), token, sizeof token);
    }
    sim_server_free(&srv);
    return 0;
}
