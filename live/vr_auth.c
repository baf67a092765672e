/* vr_auth: credentials and the cached OAuth client-credentials token. */
#include "vr_auth.h"
#include "vr_errcode.h"
#include "vr_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define RENEW_MARGIN_MS 60000
#define DEFAULT_TOKEN_LIFE_MS 3600000
#define SECRET_FILE_MAX 65536

struct vr_auth {
    vr_credentials creds;
    char *login_base;
    vr_http *http;
    char *basic;        /* Base64 of "id:secret" as sent in Basic: the secret too; NULL */
    char *token;        /* cached, NULL when none */
    int64_t expires_at; /* on the http clock */
    int fetches;
};

/* Zeroes and frees; explicit_bzero is not in C11, so a volatile loop keeps the stores. */
static void wipe_free(char *s)
{
    if (!s) return;
    volatile char *p = s;
    while (*p)
        *p++ = '\0';
    free(s);
}

void vr_secret_free(char *s)
{
    wipe_free(s);
}

int vr_secret_protect_process(void)
{
    struct rlimit none = {0, 0};
    int rc = setrlimit(RLIMIT_CORE, &none);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) rc = -1;
    return rc;
}

int vr_secret_read_file_as(char **out, bool *loose, const char *path, const char *what,
                           const char *option, vr_error *err)
{
    *out = NULL;
    if (loose) *loose = false;
    struct stat st;
    if (stat(path, &st) < 0) {
        vr_error_set(err, VR_ERR_SECRET_FILE, "%s %s: %s", what, path, strerror(errno));
        vr_error_remedy(err, "check the path given to %s", option);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        vr_error_set(err, VR_ERR_SECRET_FILE, "%s %s: not a regular file", what, path);
        return -1;
    }
    char *data = NULL;
    size_t len = 0;
    int rc = vr_read_file(path, SECRET_FILE_MAX, &data, &len);
    if (rc == -2) {
        vr_error_set(err, VR_ERR_SECRET_FILE, "%s %s: larger than %d bytes", what, path,
                     SECRET_FILE_MAX);
        return -1;
    }
    if (rc < 0) {
        vr_error_set(err, VR_ERR_SECRET_FILE, "%s %s: %s", what, path, strerror(errno));
        return -1;
    }
    if (memchr(data, '\0', len)) {
        memset(data, 0, len);
        free(data);
        vr_error_set(err, VR_ERR_SECRET_FILE, "%s %s: holds a NUL byte", what, path);
        return -1;
    }
    if (len > 0 && data[len - 1] == '\n') {
        data[--len] = '\0';
        if (len > 0 && data[len - 1] == '\r') data[--len] = '\0';
    }
    if (len == 0) {
        free(data);
        vr_error_set(err, VR_ERR_SECRET_FILE, "%s %s: empty", what, path);
        return -1;
    }
    if (loose) *loose = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
    *out = data;
    return 0;
}

int vr_secret_read_file(char **out, bool *loose, const char *path, vr_error *err)
{
    return vr_secret_read_file_as(out, loose, path, "client secret file", "--client-secret-file",
                                  err);
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int vr_credentials_load(vr_credentials *creds, const char *secret_file, vr_error *err)
{
    memset(creds, 0, sizeof(*creds));
    const char *id = env("GENESYSCLOUD_OAUTHCLIENT_ID");
    const char *secret = env("GENESYSCLOUD_OAUTHCLIENT_SECRET");
    const char *token = env("GENESYSCLOUD_ACCESS_TOKEN");
    if (secret_file && *secret_file) {
        if (!id) {
            vr_error_set(err, VR_ERR_CREDENTIALS_MISSING,
                         "credentials: --client-secret-file given without a client id");
            vr_error_remedy(err, "set GENESYSCLOUD_OAUTHCLIENT_ID to the OAuth client's id");
            return -1;
        }
        bool loose = false;
        char *s = NULL;
        if (vr_secret_read_file(&s, &loose, secret_file, err) < 0) return -1;
        creds->client_id = vr_strdup(id);
        creds->client_secret = s;
        creds->source = vr_strdup(secret_file);
        creds->secret_file_loose = loose;
        return 0;
    }
    if (id && secret) {
        creds->client_id = vr_strdup(id);
        creds->client_secret = vr_strdup(secret);
        creds->source = vr_strdup("GENESYSCLOUD_OAUTHCLIENT_SECRET");
        return 0;
    }
    if (token) {
        creds->access_token = vr_strdup(token);
        creds->source = vr_strdup("GENESYSCLOUD_ACCESS_TOKEN");
        return 0;
    }
    if (id) {
        vr_error_set(err, VR_ERR_CREDENTIALS_MISSING,
                     "credentials: GENESYSCLOUD_OAUTHCLIENT_ID is set but no client secret");
        vr_error_remedy(err, "set GENESYSCLOUD_OAUTHCLIENT_SECRET or pass --client-secret-file");
        return -1;
    }
    if (secret) {
        vr_error_set(err, VR_ERR_CREDENTIALS_MISSING,
                     "credentials: a client secret is set but no GENESYSCLOUD_OAUTHCLIENT_ID");
        vr_error_remedy(err, "set GENESYSCLOUD_OAUTHCLIENT_ID to the OAuth client's id");
        return -1;
    }
    vr_error_set(err, VR_ERR_CREDENTIALS_MISSING, "credentials: none given");
    vr_error_remedy(err, "set GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET "
                         "(or --client-secret-file), or GENESYSCLOUD_ACCESS_TOKEN");
    return -1;
}

static char *dup_or_null(const char *s)
{
    return s ? vr_strdup(s) : NULL;
}

void vr_credentials_copy(vr_credentials *out, const vr_credentials *src)
{
    out->client_id = dup_or_null(src->client_id);
    out->client_secret = dup_or_null(src->client_secret);
    out->access_token = dup_or_null(src->access_token);
    out->source = dup_or_null(src->source);
    out->secret_file_loose = src->secret_file_loose;
}

void vr_credentials_clear(vr_credentials *creds)
{
    if (!creds) return;
    free(creds->client_id);
    wipe_free(creds->client_secret);
    wipe_free(creds->access_token);
    free(creds->source);
    memset(creds, 0, sizeof(*creds));
}

/* Standard Base64 of len bytes (malloc'd), as HTTP Basic encodes "id:secret". */
static char *base64(const char *in, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = vr_xcalloc(1, (len + 2) / 3 * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)(unsigned char)in[i] << 16;
        if (i + 1 < len) v |= (unsigned)(unsigned char)in[i + 1] << 8;
        if (i + 2 < len) v |= (unsigned char)in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? tab[v & 63] : '=';
    }
    return out;
}

int vr_auth_new(vr_auth **out, const vr_credentials *creds, const char *login_base, vr_http *h,
                vr_error *err)
{
    *out = NULL;
    bool client = creds->client_id && creds->client_secret;
    if (!client && !creds->access_token) {
        vr_error_set(err, VR_ERR_CREDENTIALS_MISSING, "credentials: none given");
        vr_error_remedy(err, "set GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET "
                             "(or --client-secret-file), or GENESYSCLOUD_ACCESS_TOKEN");
        return -1;
    }
    vr_auth *a = vr_xcalloc(1, sizeof(*a));
    vr_credentials_copy(&a->creds, creds);
    if (client) { /* client credentials win; a token beside them is not used */
        wipe_free(a->creds.access_token);
        a->creds.access_token = NULL;
    }
    a->login_base = vr_strdup(login_base ? login_base : "");
    a->http = h;
    if (client) {
        vr_buf pair = VR_BUF_INIT;
        vr_buf_printf(&pair, "%s:%s", a->creds.client_id, a->creds.client_secret);
        a->basic = base64(vr_buf_str(&pair), pair.len);
        memset(pair.data, 0, pair.len);
        vr_buf_free(&pair);
    }
    vr_http_add_secret(h, a->creds.client_secret);
    vr_http_add_secret(h, a->creds.access_token);
    vr_http_add_secret(h, a->basic);
    *out = a;
    return 0;
}

void vr_auth_free(vr_auth *a)
{
    if (!a) return;
    vr_credentials_clear(&a->creds);
    wipe_free(a->basic);
    wipe_free(a->token);
    free(a->login_base);
    free(a);
}

bool vr_auth_is_static(const vr_auth *a)
{
    return a->creds.access_token != NULL;
}

int vr_auth_fetch_count(const vr_auth *a)
{
    return a->fetches;
}

void vr_auth_scrub(const vr_auth *a, vr_error *err)
{
    vr_error_scrub(err, a->creds.client_secret);
    vr_error_scrub(err, a->creds.access_token);
    vr_error_scrub(err, a->basic);
    vr_error_scrub(err, a->token);
}

bool vr_auth_invalidate(vr_auth *a)
{
    if (vr_auth_is_static(a)) return false;
    wipe_free(a->token);
    a->token = NULL;
    a->expires_at = 0;
    return true;
}

int vr_auth_parse_token(char **out_token, int64_t *out_life_ms, cJSON *body, vr_error *err)
{
    *out_token = NULL;
    *out_life_ms = DEFAULT_TOKEN_LIFE_MS;
    cJSON *tok = cJSON_GetObjectItemCaseSensitive(body, "access_token");
    const char *bad = NULL;
    if (!cJSON_IsString(tok) || !tok->valuestring || !*tok->valuestring)
        bad = "the response has no access_token";
    else if (strpbrk(tok->valuestring, "\r\n"))
        bad = "the access_token holds a line break";
    if (bad) {
        vr_error_set(err, VR_ERR_BAD_RESPONSE, "oauth token: %s", bad);
        vr_error_remedy(err, "check the region or API URL");
        return -1;
    }
    *out_token = vr_strdup(tok->valuestring);
    memset(tok->valuestring, 0, strlen(tok->valuestring)); /* the copy is the only one left */
    long long seconds;
    if (vr_json_integer(cJSON_GetObjectItemCaseSensitive(body, "expires_in"), 0, 999999999,
                        &seconds) == 0)
        *out_life_ms = seconds * 1000;
    return 0;
}

static int fetch_token(vr_auth *a, vr_error *err)
{
    const vr_http_config *cfg = vr_http_get_config(a->http);
    static const char body[] = "grant_type=client_credentials";
    vr_http_request req = {
        .method = "POST",
        .base = a->login_base,
        .path = "/oauth/token",
        .basic_user = a->creds.client_id,
        .basic_pass = a->creds.client_secret,
        .content_type = "application/x-www-form-urlencoded",
        .body = body,
        .body_len = sizeof(body) - 1,
    };
    vr_http_response resp = VR_HTTP_RESPONSE_INIT;
    int64_t asked = cfg->now(cfg->env_ctx);
    int rc = vr_http_do(a->http, &req, &resp, err);
    a->fetches++;
    if (rc == VR_HTTP_ESTATUS) {
        vr_http_error_from_response(err, "oauth token", &resp);
        if (resp.status == 401 || resp.status == 403)
            vr_error_remedy(err,
                            "the OAuth client was refused: check GENESYSCLOUD_OAUTHCLIENT_ID "
                            "and the client secret (%s); they must be a client-credentials "
                            "OAuth client of the organization's region",
                            a->creds.source ? a->creds.source : "GENESYSCLOUD_OAUTHCLIENT_SECRET");
        else if (resp.status == 400)
            vr_error_remedy(err, "the OAuth client must allow the client-credentials grant");
        else
            vr_error_remedy(err,
                            "check the region or API URL: %s/oauth/token did not issue a "
                            "token",
                            a->login_base);
        vr_auth_scrub(a, err);
        vr_http_response_free(&resp);
        return rc;
    }
    if (rc < 0) {
        if (err) {
            vr_buf m = VR_BUF_INIT;
            vr_buf_printf(&m, "oauth token: %s", err->message);
            snprintf(err->message, sizeof(err->message), "%s", vr_buf_str(&m));
            vr_buf_free(&m);
        }
        vr_auth_scrub(a, err);
        vr_http_response_free(&resp);
        return rc;
    }
    char *token = NULL;
    int64_t life = 0;
    if (vr_auth_parse_token(&token, &life, resp.json, err) < 0) {
        if (err) {
            snprintf(err->correlation_id, sizeof(err->correlation_id), "%s", resp.correlation_id);
            err->http_status = resp.status;
        }
        if (resp.body.data) memset(resp.body.data, 0, resp.body.len);
        vr_http_response_free(&resp);
        return VR_HTTP_ERROR;
    }
    wipe_free(a->token);
    a->token = token;
    a->expires_at = asked + life; /* counted from the request: errs on the safe side */
    /* wipe the token from the raw response before it is freed */
    if (resp.body.data) memset(resp.body.data, 0, resp.body.len);
    vr_http_response_free(&resp);
    return 0;
}

int vr_auth_token(vr_auth *a, const char **out, vr_error *err)
{
    *out = NULL;
    if (vr_auth_is_static(a)) {
        *out = a->creds.access_token;
        return 0;
    }
    const vr_http_config *cfg = vr_http_get_config(a->http);
    int64_t now = cfg->now(cfg->env_ctx);
    if (!a->token || a->expires_at - now < RENEW_MARGIN_MS) {
        int rc = fetch_token(a, err);
        if (rc < 0) return rc;
    }
    *out = a->token;
    return 0;
}
