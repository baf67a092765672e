/* sim_oauth: the token endpoint and bearer tokens. */
#include "sim_oauth.h"
#include "vr_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oauth_error(sim_resp *resp, int status, const char *error)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "error", error);
    sim_resp_json(resp, status, j);
}

/* Constant-time comparison, so the simulator does not teach timing leaks. */
static bool secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

void sim_oauth_token(sim_server *srv, const sim_req *req, sim_resp *resp)
{
    char grant[64];
    if (sim_form_get(req->body, "grant_type", grant, sizeof(grant)) != 1 ||
        strcmp(grant, "client_credentials") != 0) {
        oauth_error(resp, 400, "unsupported_grant_type");
        return;
    }
    /* Buffers as large as what they are decoded from: a value is never cut short, so a
     * secret compares whole (a longer one that starts with the right one is refused). */
    const char *auth = req->authorization;
    size_t cap = req->body_len + (auth ? strlen(auth) : 0) + 1;
    char *id = vr_xcalloc(1, cap), *secret = vr_xcalloc(1, cap), *dec = vr_xcalloc(1, cap);
    bool have = false;
    char scheme[7] = "";
    if (auth && strlen(auth) > 6) {
        memcpy(scheme, auth, 6);
        scheme[6] = '\0';
    }
    if (auth && sim_strcaseeq(scheme, "basic ")) {
        const char *b64 = auth + 6;
        while (*b64 == ' ')
            b64++;
        if (sim_base64_decode(b64, dec, cap) >= 0) {
            char *colon = strchr(dec, ':');
            if (colon) {
                *colon = '\0';
                memcpy(id, dec, strlen(dec) + 1);
                memcpy(secret, colon + 1, strlen(colon + 1) + 1);
                have = true;
            }
        }
    }
    if (!have && sim_form_get(req->body, "client_id", id, cap) == 1 &&
        sim_form_get(req->body, "client_secret", secret, cap) == 1)
        have = true;
    long ci = have ? sim_state_find_client(&srv->state, id) : -1;
    bool ok = ci >= 0 && secret_equal(srv->state.clients[ci].secret, secret);
    memset(secret, 0, cap);
    memset(dec, 0, cap);
    free(id);
    free(secret);
    free(dec);
    if (!ok) {
        oauth_error(resp, 401, "invalid_client");
        return;
    }
    snprintf(resp->client_id, sizeof(resp->client_id), "%s", srv->state.clients[ci].id);
    char token[SIM_TOKEN_LEN + 1];
    sim_state_issue_token(&srv->state, (size_t)ci, srv->faults.token_lifetime_s, vr_now_ms(),
                          token);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "access_token", token);
    cJSON_AddStringToObject(j, "token_type", "bearer");
    cJSON_AddNumberToObject(j, "expires_in", (double)srv->faults.token_lifetime_s);
    memset(token, 0, sizeof(token));
    sim_resp_json(resp, 200, j);
}

long sim_oauth_bearer(sim_server *srv, const sim_req *req)
{
    const char *a = req->authorization;
    if (!a || strlen(a) < 7) return -1;
    char scheme[8];
    memcpy(scheme, a, 7);
    scheme[7] = '\0';
    if (!sim_strcaseeq(scheme, "bearer ")) return -1;
    a += 7;
    while (*a == ' ')
        a++;
    return sim_state_check_token(&srv->state, a, vr_now_ms());
}
