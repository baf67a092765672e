/* test_live_client: OAuth (Basic, cache, renewal, one repeat after a 401, static token), the
 * endpoints of docs/api.md §4-§6a (paging, restarts, limits, sync, create/delete), remedies, ids
 * checked before they go into a URL, the response cap, no core dumps while secrets are held,
 * and that the secret and the token never reach an error or a hook record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_server.h"
#include "test_support.h"
#include "vr_client.h"

#include <curl/curl.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SECRET "s3cr3t-very-secret-value"
#define TOKEN "tok-AAAA-secret-token"
#define TOKEN2 "tok-BBBB-secret-token"
#define STATIC_TOKEN "static-CCCC-secret-token"
#define BASIC "Basic Y2lkLTEyMzpzM2NyM3QtdmVyeS1zZWNyZXQtdmFsdWU="
#define TOKEN_OK "{\"access_token\":\"" TOKEN "\",\"token_type\":\"bearer\",\"expires_in\":86400}"
#define TOKEN2_OK "{\"access_token\":\"" TOKEN2 "\",\"token_type\":\"bearer\",\"expires_in\":86400}"
#define CONN_PATH "/api/v2/organization/privateconnectivity/connections"
#define RT_PATH "/api/v2/architect/networking/routingtables"
#define LIMITS_PATH "/api/v2/organizations/limits/namespaces/privateconnectivity"
#define TOKEN_X                                                                                    \
    {                                                                                              \
        "POST", "/oauth/token", NULL, 200, NULL, TOKEN_OK, 0, 0, 0                                 \
    }

typedef struct {
    int64_t offset;
    int64_t sleeps[64];
    int nsleeps;
} test_env;

static void env_sleep(void *ctx, int64_t ms)
{
    test_env *e = ctx;
    if (e->nsleeps < 64) e->sleeps[e->nsleeps++] = ms;
    e->offset += ms;
}

static uint64_t env_random(void *ctx)
{
    (void)ctx;
    return 7;
}

static int64_t env_now(void *ctx)
{
    return vr_now_ms() + ((test_env *)ctx)->offset;
}

/* Every hook record, as text, to search for secrets. */
typedef struct {
    vr_buf text;
    int n;
} hook_log;

static void on_call(void *ctx, const vr_call_record *r)
{
    hook_log *l = ctx;
    l->n++;
    vr_buf_printf(&l->text, "%s %s %d %d %lld %s\n", r->method, r->path, r->status, r->attempts,
                  r->latency_ms, r->correlation_id);
}

typedef struct {
    fake_server *fs;
    vr_client *c;
    test_env env;
    hook_log log;
    vr_error err;
    vr_buf errors; /* every error text seen, to search for secrets */
} fixture;

/* budget_ms: each call's time budget, 0 for the default. */
static fixture *start(const fs_exchange *script, size_t n, bool static_token, int64_t budget_ms)
{
    fixture *f = vr_xcalloc(1, sizeof(*f));
    f->fs = fs_start(script, n);
    assert_non_null(f->fs);
    vr_credentials creds = {0};
    if (static_token) {
        creds.access_token = vr_strdup(STATIC_TOKEN);
        creds.source = vr_strdup("GENESYSCLOUD_ACCESS_TOKEN");
    } else {
        creds.client_id = vr_strdup("cid-123");
        creds.client_secret = vr_strdup(SECRET);
        creds.source = vr_strdup("GENESYSCLOUD_OAUTHCLIENT_SECRET");
    }
    vr_client_config cfg = {.api_base = f->fs->url, .login_base = f->fs->url, .creds = &creds};
    vr_http_config_init(&cfg.http);
    cfg.http.sleep = env_sleep;
    cfg.http.random = env_random;
    cfg.http.now = env_now;
    cfg.http.env_ctx = &f->env;
    cfg.http.hook = on_call;
    cfg.http.hook_ctx = &f->log;
    cfg.http.call_budget_ms = budget_ms;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_client_new(&f->c, &cfg, &err), 0);
    vr_credentials_clear(&creds);
    return f;
}

/* Keeps the error's texts for the secrets check, and returns rc. */
static int note(fixture *f, int rc)
{
    if (rc < 0)
        vr_buf_printf(&f->errors, "%d|%s|%s|%s|%s\n", f->err.http_status, f->err.code,
                      f->err.message, f->err.remedy, f->err.correlation_id);
    return rc;
}

static void assert_no_secrets(fixture *f)
{
    const char *texts[2] = {vr_buf_str(&f->errors), vr_buf_str(&f->log.text)};
    for (int i = 0; i < 2; i++) {
        assert_null(strstr(texts[i], SECRET));
        assert_null(strstr(texts[i], TOKEN));
        assert_null(strstr(texts[i], TOKEN2));
        assert_null(strstr(texts[i], STATIC_TOKEN));
        assert_null(strstr(texts[i], "Y2lkLTEyMzpzM2NyM3Q")); /* the Basic credentials */
    }
}

static void finish(fixture *f)
{
    assert_no_secrets(f);
    if (f->fs->unexpected) fprintf(stderr, "fake server: %s\n", f->fs->unexpected_text);
    assert_int_equal(f->fs->unexpected, 0);
    assert_int_equal(fs_pending(f->fs), 0);
    vr_client_free(f->c);
    fs_stop(f->fs);
    vr_buf_free(&f->log.text);
    vr_buf_free(&f->errors);
    free(f);
}

#define START(script) start(script, sizeof(script) / sizeof(script[0]), false, 0)
#define START_STATIC(script) start(script, sizeof(script) / sizeof(script[0]), true, 0)

/* ---- generated bodies (freed at the end of each test) ---- */

typedef struct {
    char *items[64];
    int n;
} bodies;

static const char *keep(bodies *b, char *s)
{
    assert_true(b->n < 64);
    b->items[b->n++] = s;
    return s;
}

static void bodies_free(bodies *b)
{
    for (int i = 0; i < b->n; i++)
        free(b->items[i]);
    b->n = 0;
}

static void conn_json(vr_buf *out, int i)
{
    vr_buf_printf(out,
                  "{\"id\":\"c-%05d\",\"name\":\"vni-%05d\",\"organizationId\":\"org-1\","
                  "\"type\":\"ipconnect\",\"localIp\":\"10.%d.%d.1\",\"remoteIp\":\"203.0.113.10\","
                  "\"subnetCidr\":\"10.%d.%d.0/24\",\"dnsServers\":[\"8.8.8.8\"],"
                  "\"routingTableId\":\"rt-1\",\"state\":\"active\","
                  "\"dateCreated\":\"2026-11-24T10:00:00.000Z\",\"futureField\":{\"x\":[1]}}",
                  i, i, i / 256, i % 256, i / 256, i % 256);
}

/* A page of connections from..from+count-1. total_key NULL: no count; next: add nextUri. */
static char *page(int from, int count, const char *total_key, long total, bool next,
                  long page_count)
{
    vr_buf b = VR_BUF_INIT;
    vr_buf_puts(&b, "{\"entities\":[");
    for (int i = 0; i < count; i++) {
        if (i) vr_buf_puts(&b, ",");
        conn_json(&b, from + i);
    }
    vr_buf_puts(&b, "],\"pageSize\":200");
    if (total_key) vr_buf_printf(&b, ",\"%s\":%ld", total_key, total);
    if (page_count >= 0) vr_buf_printf(&b, ",\"pageCount\":%ld", page_count);
    if (next) /* a foreign host: the client must not follow it */
        vr_buf_puts(&b, ",\"nextUri\":\"https://evil.example.net" CONN_PATH
                        "?pageSize=200&pageNumber=99\"");
    vr_buf_puts(&b, "}");
    return vr_buf_detach(&b);
}

static void assert_unique(const vr_iface_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        for (size_t j = i + 1; j < l->count; j++)
            assert_string_not_equal(l->items[i].id, l->items[j].id);
}

/* ---- auth ---- */

static void test_token_basic_auth_and_cache(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        TOKEN_X,
        {"GET", "/api/v2/organizations/me", NULL, 200, "ININ-Correlation-Id: corr-me\n",
         "{\"id\":\"org-1\",\"name\":\"Example Org\",\"selfUri\":\"/x\",\"extra\":true}", 0, 0, 2},
    };
    fixture *f = START(script);
    vr_org_info org;
    assert_int_equal(note(f, vr_client_org_me(f->c, &org, &f->err)), 0);
    assert_string_equal(org.id, "org-1");
    assert_string_equal(org.name, "Example Org");
    vr_org_info_clear(&org);
    assert_int_equal(note(f, vr_client_org_me(f->c, &org, &f->err)), 0);
    vr_org_info_clear(&org);
    const fs_request *t = &f->fs->requests[0];
    assert_string_equal(t->method, "POST");
    assert_string_equal(t->path, "/oauth/token");
    assert_string_equal(t->authorization, BASIC);
    assert_string_equal(t->content_type, "application/x-www-form-urlencoded");
    assert_string_equal(t->body, "grant_type=client_credentials");
    assert_string_equal(f->fs->requests[1].authorization, "Bearer " TOKEN);
    assert_string_equal(f->fs->requests[2].authorization, "Bearer " TOKEN);
    assert_int_equal(fs_request_count(f->fs), 3); /* one token for both calls */
    assert_int_equal(f->log.n, 3);
    assert_non_null(strstr(vr_buf_str(&f->log.text), "POST /oauth/token 200 1"));
    assert_non_null(strstr(vr_buf_str(&f->log.text), "GET /api/v2/organizations/me 200 1"));
    assert_non_null(strstr(vr_buf_str(&f->log.text), "corr-me"));
    assert_string_equal(vr_client_last_response(f->c)->correlation_id, "corr-me");
    finish(f);
}

static void test_token_renewed_under_60s(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"POST", "/oauth/token", NULL, 200, NULL,
         "{\"access_token\":\"" TOKEN "\",\"token_type\":\"bearer\",\"expires_in\":120}", 0, 0, 0},
        {"GET", "/api/v2/organizations/me", NULL, 200, NULL, "{\"id\":\"org-1\"}", 0, 0, 2},
        {"POST", "/oauth/token", NULL, 200, NULL, TOKEN2_OK, 0, 0, 0},
        {"GET", "/api/v2/organizations/me", NULL, 200, NULL, "{\"id\":\"org-1\"}", 0, 0, 0},
    };
    fixture *f = START(script);
    vr_org_info org;
    assert_int_equal(note(f, vr_client_org_me(f->c, &org, &f->err)), 0);
    vr_org_info_clear(&org);
    f->env.offset += 50000; /* 70 s left: still cached */
    assert_int_equal(note(f, vr_client_org_me(f->c, &org, &f->err)), 0);
    vr_org_info_clear(&org);
    f->env.offset += 11000; /* 59 s left: renewed */
    assert_int_equal(note(f, vr_client_org_me(f->c, &org, &f->err)), 0);
    vr_org_info_clear(&org);
    assert_string_equal(f->fs->requests[2].authorization, "Bearer " TOKEN);
    assert_string_equal(f->fs->requests[3].path, "/oauth/token");
    assert_string_equal(f->fs->requests[4].authorization, "Bearer " TOKEN2);
    finish(f);
}

static void test_401_new_token_once_and_repeat(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        TOKEN_X,
        {"GET", "/api/v2/organizations/me", NULL, 401, NULL,
         "{\"message\":\"token expired\",\"code\":\"bad.credentials\",\"status\":401}", 0, 0, 0},
        {"POST", "/oauth/token", NULL, 200, NULL, TOKEN2_OK, 0, 0, 0},
        {"GET", "/api/v2/organizations/me", NULL, 200, NULL, "{\"id\":\"org-1\"}", 0, 0, 0},
    };
    fixture *f = START(script);
    vr_org_info org;
    assert_int_equal(note(f, vr_client_org_me(f->c, &org, &f->err)), 0);
    assert_string_equal(org.id, "org-1");
    vr_org_info_clear(&org);
    assert_string_equal(f->fs->requests[3].authorization, "Bearer " TOKEN2);
    finish(f);
}

static void test_401_twice_is_final(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        TOKEN_X,
        {"GET", CONN_PATH "/c-1", NULL, 401, "ININ-Correlation-Id: c-401\n",
         "{\"message\":\"invalid token " TOKEN "\",\"code\":\"bad.credentials\",\"status\":401}", 0,
         0, 0},
        {"POST", "/oauth/token", NULL, 200, NULL, TOKEN2_OK, 0, 0, 0},
        {"GET", CONN_PATH "/c-1", NULL, 401, "ININ-Correlation-Id: c-401b\n",
         "{\"message\":\"invalid token " TOKEN2 "\",\"code\":\"bad.credentials\",\"status\":401}",
         0, 0, 0},
    };
    fixture *f = START(script);
    vr_iface got;
    assert_int_equal(note(f, vr_client_get_connection(f->c, "c-1", &got, &f->err)),
                     VR_HTTP_ESTATUS);
    assert_int_equal(f->err.http_status, 401);
    assert_string_equal(f->err.code, "bad.credentials");
    assert_string_equal(f->err.correlation_id, "c-401b");
    assert_non_null(strstr(f->err.message, "get connection c-1"));
    assert_non_null(strstr(f->err.remedy, "GENESYSCLOUD_OAUTHCLIENT_ID"));
    assert_int_equal(fs_request_count(f->fs), 4); /* no third try */
    finish(f);
}

static void test_token_refused(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"POST", "/oauth/token", NULL, 401, NULL,
         "{\"error\":\"invalid_client\",\"error_description\":\"bad secret " SECRET "\"}", 0, 0, 0},
    };
    fixture *f = START(script);
    vr_org_info org;
    assert_true(note(f, vr_client_org_me(f->c, &org, &f->err)) < 0);
    assert_int_equal(f->err.http_status, 401);
    assert_string_equal(f->err.code, "invalid_client");
    assert_non_null(strstr(f->err.message, "oauth token"));
    assert_non_null(strstr(f->err.remedy, "GENESYSCLOUD_OAUTHCLIENT_ID"));
    finish(f);
}

static void test_static_token(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/api/v2/organizations/me", NULL, 200, NULL, "{\"id\":\"org-1\"}", 0, 0, 0},
        {"GET", "/api/v2/organizations/me", NULL, 401, NULL,
         "{\"message\":\"expired\",\"code\":\"bad.credentials\",\"status\":401}", 0, 0, 0},
    };
    fixture *f = START_STATIC(script);
    vr_org_info org;
    assert_int_equal(note(f, vr_client_org_me(f->c, &org, &f->err)), 0);
    vr_org_info_clear(&org);
    assert_string_equal(f->fs->requests[0].authorization, "Bearer " STATIC_TOKEN);
    assert_int_equal(note(f, vr_client_org_me(f->c, &org, &f->err)), VR_HTTP_ESTATUS);
    assert_int_equal(f->err.http_status, 401);
    assert_non_null(strstr(f->err.remedy, "GENESYSCLOUD_ACCESS_TOKEN"));
    assert_non_null(strstr(f->err.remedy, "cannot be renewed"));
    assert_int_equal(fs_request_count(f->fs), 2); /* no token endpoint, no repeat */
    finish(f);
}

static void test_credentials_and_secret_file(void **state)
{
    (void)state;
    char path[] = "/tmp/vr-secret-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, SECRET "\n", sizeof(SECRET)), (ssize_t)sizeof(SECRET));
    close(fd);
    chmod(path, 0600);
    char *s = NULL;
    bool loose = true;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_secret_read_file(&s, &loose, path, &err), 0);
    assert_string_equal(s, SECRET); /* one trailing newline stripped */
    assert_false(loose);
    vr_secret_free(s);
    chmod(path, 0644);
    assert_int_equal(vr_secret_read_file(&s, &loose, path, &err), 0);
    assert_true(loose); /* flagged, not refused */
    vr_secret_free(s);

    setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "cid-123", 1);
    unsetenv("GENESYSCLOUD_OAUTHCLIENT_SECRET");
    setenv("GENESYSCLOUD_ACCESS_TOKEN", STATIC_TOKEN, 1);
    vr_credentials creds;
    assert_int_equal(vr_credentials_load(&creds, path, &err), 0);
    assert_string_equal(creds.client_id, "cid-123");
    assert_string_equal(creds.client_secret, SECRET);
    assert_string_equal(creds.source, path);
    assert_true(creds.secret_file_loose);
    vr_credentials_clear(&creds);
    /* no secret: the id alone is not enough, and the token is not silently used instead */
    assert_int_equal(vr_credentials_load(&creds, NULL, &err), 0);
    assert_string_equal(creds.access_token, STATIC_TOKEN);
    assert_null(creds.client_secret);
    vr_credentials_clear(&creds);
    unsetenv("GENESYSCLOUD_ACCESS_TOKEN");
    vr_error_clear(&err);
    assert_int_equal(vr_credentials_load(&creds, NULL, &err), -1);
    assert_string_equal(err.code, "credentials.missing");
    assert_non_null(strstr(err.remedy, "GENESYSCLOUD_OAUTHCLIENT_SECRET"));
    unsetenv("GENESYSCLOUD_OAUTHCLIENT_ID");
    vr_error_clear(&err);
    assert_int_equal(vr_credentials_load(&creds, NULL, &err), -1);
    assert_non_null(strstr(err.remedy, "GENESYSCLOUD_ACCESS_TOKEN"));
    /* an empty file, a missing file */
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "\n", 1), 1);
    close(fd);
    vr_error_clear(&err);
    assert_int_equal(vr_secret_read_file(&s, &loose, path, &err), -1);
    assert_non_null(strstr(err.message, "empty"));
    unlink(path);
    vr_error_clear(&err);
    assert_int_equal(vr_secret_read_file(&s, &loose, path, &err), -1);
    assert_non_null(strstr(err.message, path));
}

/* ---- listing ---- */

static void test_paging_250(void **state)
{
    (void)state;
    bodies b = {0};
    fs_exchange script[] = {
        TOKEN_X,
        {"GET", CONN_PATH, "pageSize=200&pageNumber=1", 200, NULL,
         keep(&b, page(0, 200, "total", 250, true, 2)), 0, 0, 0},
        {"GET", CONN_PATH, "pageSize=200&pageNumber=2", 200, NULL,
         keep(&b, page(200, 50, "total", 250, false, 2)), 0, 0, 0},
    };
    fixture *f = START(script);
    vr_iface_list l;
    assert_int_equal(note(f, vr_client_list_connections(f->c, &l, &f->err)), 0);
    assert_int_equal(l.count, 250);
    assert_unique(&l);
    assert_string_equal(l.items[0].id, "c-00000");
    assert_string_equal(l.items[249].name, "vni-00249");
    assert_string_equal(l.items[249].local_ip, "10.0.249.1");
    assert_int_equal(l.items[249].local.family, VR_AF_V4);
    vr_iface_list_free(&l);
    finish(f);
    bodies_free(&b);
}

static void test_paging_total_count_only(void **state)
{
    (void)state;
    bodies b = {0};
    fs_exchange script[] = {
        TOKEN_X,
        {"GET", CONN_PATH, "pageNumber=1", 200, NULL,
         keep(&b, page(0, 200, "totalCount", 400, true, -1)), 0, 0, 0},
        {"GET", CONN_PATH, "pageNumber=2", 200, NULL,
         keep(&b, page(200, 200, "totalCount", 400, false, -1)), 0, 0, 0},
    };
    fixture *f = START(script);
    vr_iface_list l;
    assert_int_equal(note(f, vr_client_list_connections(f->c, &l, &f->err)), 0);
    assert_int_equal(l.count, 400); /* stopped by totalCount, no third request */
    vr_iface_list_free(&l);
    finish(f);
    bodies_free(&b);
}

static void test_paging_no_count(void **state)
{
    (void)state;
    bodies b = {0};
    fs_exchange script[] = {
        TOKEN_X,
        /* neither count nor nextUri: full page, full page, then an empty page ends it */
        {"GET", CONN_PATH, "pageNumber=1", 200, NULL, keep(&b, page(0, 200, NULL, 0, false, -1)), 0,
         0, 0},
        {"GET", CONN_PATH, "pageNumber=2", 200, NULL, keep(&b, page(200, 200, NULL, 0, false, -1)),
         0, 0, 0},
        {"GET", CONN_PATH, "pageNumber=3", 200, NULL, keep(&b, page(0, 0, NULL, 0, false, -1)), 0,
         0, 0},
        /* second listing: a short page ends it */
        {"GET", CONN_PATH, "pageNumber=1", 200, NULL, keep(&b, page(0, 200, NULL, 0, true, -1)), 0,
         0, 0},
        {"GET", CONN_PATH, "pageNumber=2", 200, NULL, keep(&b, page(200, 3, NULL, 0, false, -1)), 0,
         0, 0},
    };
    fixture *f = START(script);
    vr_iface_list l;
    assert_int_equal(note(f, vr_client_list_connections(f->c, &l, &f->err)), 0);
    assert_int_equal(l.count, 400);
    vr_iface_list_free(&l);
    assert_int_equal(note(f, vr_client_list_connections(f->c, &l, &f->err)), 0);
    assert_int_equal(l.count, 203);
    vr_iface_list_free(&l);
    finish(f);
    bodies_free(&b);
}

static void test_paging_restart_on_change(void **state)
{
    (void)state;
    bodies b = {0};
    fs_exchange script[] = {
        TOKEN_X,
        {"GET", CONN_PATH, "pageNumber=1", 200, NULL, keep(&b, page(0, 200, "total", 250, true, 2)),
         0, 0, 0},
        /* someone created one: the count moved to 251 and c-00199 slid onto page 2 */
        {"GET", CONN_PATH, "pageNumber=2", 200, NULL,
         keep(&b, page(199, 52, "total", 251, false, 2)), 0, 0, 0},
        {"GET", CONN_PATH, "pageNumber=1", 200, NULL, keep(&b, page(0, 200, "total", 251, true, 2)),
         0, 0, 0},
        {"GET", CONN_PATH, "pageNumber=2", 200, NULL,
         keep(&b, page(200, 51, "total", 251, false, 2)), 0, 0, 0},
    };
    fixture *f = START(script);
    vr_iface_list l;
    assert_int_equal(note(f, vr_client_list_connections(f->c, &l, &f->err)), 0);
    assert_int_equal(l.count, 251);
    assert_unique(&l);
    vr_iface_list_free(&l);
    finish(f);
    bodies_free(&b);
}

static void test_paging_dedupe_without_count_change(void **state)
{
    (void)state;
    bodies b = {0};
    fs_exchange script[] = {
        TOKEN_X,
        {"GET", CONN_PATH, "pageNumber=1", 200, NULL, keep(&b, page(0, 200, NULL, 0, true, -1)), 0,
         0, 0},
        {"GET", CONN_PATH, "pageNumber=2", 200, NULL, keep(&b, page(190, 20, NULL, 0, false, -1)),
         0, 0, 0},
    };
    fixture *f = START(script);
    vr_iface_list l;
    assert_int_equal(note(f, vr_client_list_connections(f->c, &l, &f->err)), 0);
    assert_int_equal(l.count, 210);
    assert_unique(&l);
    vr_iface_list_free(&l);
    finish(f);
    bodies_free(&b);
}

static void test_paging_three_changes_is_an_error(void **state)
{
    (void)state;
    bodies b = {0};
    fs_exchange script[] = {
        TOKEN_X,
        {"GET", CONN_PATH, "pageNumber=1", 200, NULL, keep(&b, page(0, 200, "total", 250, true, 2)),
         0, 0, 0},
        {"GET", CONN_PATH, "pageNumber=2", 200, NULL,
         keep(&b, page(200, 51, "total", 251, false, 2)), 0, 0, 0},
        {"GET", CONN_PATH, "pageNumber=1", 200, NULL, keep(&b, page(0, 200, "total", 251, true, 2)),
         0, 0, 0},
        {"GET", CONN_PATH, "pageNumber=2", 200, NULL,
         keep(&b, page(200, 52, "total", 252, false, 2)), 0, 0, 0},
        {"GET", CONN_PATH, "pageNumber=1", 200, NULL, keep(&b, page(0, 200, "total", 252, true, 2)),
         0, 0, 0},
        {"GET", CONN_PATH, "pageNumber=2", 200, "ININ-Correlation-Id: last-page\n",
         keep(&b, page(200, 53, "total", 253, false, 2)), 0, 0, 0},
    };
    fixture *f = START(script);
    vr_iface_list l;
    assert_int_equal(note(f, vr_client_list_connections(f->c, &l, &f->err)), VR_HTTP_ERROR);
    assert_string_equal(f->err.code, "list.unstable");
    assert_non_null(strstr(f->err.message, "3 tries"));
    assert_string_equal(f->err.correlation_id, "last-page");
    assert_true(f->err.remedy[0] != '\0');
    assert_int_equal(l.count, 0);
    assert_null(l.items);
    finish(f);
    bodies_free(&b);
}

static void test_find_by_name(void **state)
{
    (void)state;
    bodies b = {0};
    fs_exchange script[] = {
        TOKEN_X,
        {"GET", CONN_PATH, "pageNumber=1", 200, NULL, keep(&b, page(0, 5, "total", 5, false, 1)), 0,
         0, 2},
    };
    fixture *f = START(script);
    vr_iface got;
    bool found = false;
    assert_int_equal(note(f, vr_client_find_connection(f->c, "vni-00003", &got, &found, &f->err)),
                     0);
    assert_true(found);
    assert_string_equal(got.id, "c-00003");
    vr_iface_clear(&got);
    assert_int_equal(note(f, vr_client_find_connection(f->c, "vni-zzz", &got, &found, &f->err)), 0);
    assert_false(found);
    finish(f);
    bodies_free(&b);
}

/* ---- one connection ---- */

static vr_iface want_iface(void)
{
    vr_iface w;
    vr_test_iface(&w, "org-1", "arch-vni-prod-01", "10.0.50.1", "203.0.113.10", "10.0.50.0/24",
                  "rt-1");
    return w;
}

static void test_create_and_conflicts(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        TOKEN_X,
        {"POST", CONN_PATH, NULL, 201, "ININ-Correlation-Id: c-201\n",
         "{\"id\":\"new-1\",\"name\":\"arch-vni-prod-01\",\"state\":\"provisioning\","
         "\"localIp\":\"10.0.50.1\",\"unknown\":[{}]}",
         0, 0, 0},
        {"POST", CONN_PATH, NULL, 409, "ININ-Correlation-Id: c-409\n",
         "{\"message\":\"a connection named arch-vni-prod-01 exists\",\"code\":\"name.duplicate\","
         "\"status\":409,\"entityId\":\"new-1\",\"entityName\":\"arch-vni-prod-01\"}",
         0, 0, 0},
        {"POST", CONN_PATH, NULL, 409, NULL,
         "{\"message\":\"10.0.50.1 is allocated\",\"code\":\"ip.allocated\",\"status\":409}", 0, 0,
         0},
        {"POST", CONN_PATH, NULL, 409, NULL,
         "{\"message\":\"overlap\",\"code\":\"subnet.overlap\",\"status\":409,"
         "\"entityName\":\"vni-core\"}",
         0, 0, 0},
        {"POST", CONN_PATH, NULL, 422, "ININ-Correlation-Id: c-422\n",
         "{\"message\":\"invalid\",\"code\":\"invalid.field\",\"status\":422,\"details\":["
         "{\"fieldName\":\"localIp\",\"errorCode\":\"invalid.value\",\"errorMessage\":\"is the "
         "network address\"},{\"fieldName\":\"routingTableId\",\"errorCode\":\"invalid.value\","
         "\"errorMessage\":\"unknown routing table rt-1\"}]}",
         0, 0, 0},
        {"POST", CONN_PATH, NULL, 403, NULL,
         "{\"message\":\"no\",\"code\":\"missing.any.permissions\",\"status\":403}", 0, 0, 0},
        {"POST", CONN_PATH, NULL, 403, NULL,
         "{\"message\":\"org\",\"code\":\"organization.mismatch\",\"status\":403}", 0, 0, 0},
    };
    fixture *f = START(script);
    vr_iface w = want_iface();
    vr_iface got;
    assert_int_equal(note(f, vr_client_create_connection(f->c, &w, &got, &f->err)), 0);
    assert_string_equal(got.id, "new-1");
    assert_string_equal(got.state, "provisioning");
    vr_iface_clear(&got);
    cJSON *sent = cJSON_Parse(f->fs->requests[1].body);
    assert_non_null(sent);
    assert_string_equal(cJSON_GetObjectItem(sent, "name")->valuestring, "arch-vni-prod-01");
    assert_string_equal(cJSON_GetObjectItem(sent, "organizationId")->valuestring, "org-1");
    assert_string_equal(cJSON_GetObjectItem(sent, "subnetCidr")->valuestring, "10.0.50.0/24");
    cJSON_Delete(sent);
    assert_string_equal(f->fs->requests[1].content_type, "application/json");

    vr_error_clear(&f->err);
    assert_int_equal(note(f, vr_client_create_connection(f->c, &w, &got, &f->err)),
                     VR_HTTP_ESTATUS);
    assert_int_equal(f->err.http_status, 409);
    assert_string_equal(f->err.code, "name.duplicate");
    assert_string_equal(f->err.correlation_id, "c-409");
    assert_non_null(strstr(f->err.message, "a connection named arch-vni-prod-01 exists"));
    assert_non_null(strstr(f->err.message, "create connection arch-vni-prod-01"));
    assert_non_null(strstr(f->err.remedy, "arch-vni-prod-01 (id new-1)"));
    assert_string_equal(vr_client_last_response(f->c)->entity_id, "new-1");

    vr_error_clear(&f->err);
    assert_int_equal(note(f, vr_client_create_connection(f->c, &w, &got, &f->err)),
                     VR_HTTP_ESTATUS);
    assert_string_equal(f->err.code, "ip.allocated");
    assert_non_null(strstr(f->err.message, "10.0.50.1 is allocated"));
    assert_non_null(strstr(f->err.remedy, "choose an address"));

    vr_error_clear(&f->err);
    assert_int_equal(note(f, vr_client_create_connection(f->c, &w, &got, &f->err)),
                     VR_HTTP_ESTATUS);
    assert_string_equal(f->err.code, "subnet.overlap");
    assert_non_null(strstr(f->err.remedy, "connection vni-core"));

    vr_error_clear(&f->err);
    assert_int_equal(note(f, vr_client_create_connection(f->c, &w, &got, &f->err)),
                     VR_HTTP_ESTATUS);
    assert_int_equal(f->err.http_status, 422);
    assert_string_equal(f->err.correlation_id, "c-422");
    assert_non_null(strstr(f->err.remedy, "localIp: is the network address"));
    assert_non_null(strstr(f->err.remedy, "routingTableId: unknown routing table rt-1"));
    assert_non_null(strstr(f->err.message, "localIp (invalid.value)"));
    assert_int_equal(vr_client_last_response(f->c)->detail_count, 2);

    vr_error_clear(&f->err);
    assert_int_equal(note(f, vr_client_create_connection(f->c, &w, &got, &f->err)),
                     VR_HTTP_ESTATUS);
    assert_int_equal(f->err.http_status, 403);
    assert_non_null(strstr(f->err.remedy, "privateconnectivity:write"));

    vr_error_clear(&f->err);
    assert_int_equal(note(f, vr_client_create_connection(f->c, &w, &got, &f->err)),
                     VR_HTTP_ESTATUS);
    assert_string_equal(f->err.code, "organization.mismatch");
    assert_non_null(strstr(f->err.remedy, "not the organization of the OAuth client"));
    vr_iface_clear(&w);
    finish(f);
}

static void test_get_delete_and_403_scopes(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        TOKEN_X,
        {"GET", CONN_PATH "/c-1", NULL, 200, NULL,
         "{\"id\":\"c-1\",\"name\":\"vni-1\",\"dnsServers\":[\"2001:db8::53\"],"
         "\"newThing\":42}",
         0, 0, 0},
        {"GET", CONN_PATH "/c-2", NULL, 404, "ININ-Correlation-Id: c-404\n",
         "{\"message\":\"connection c-2 not found\",\"code\":\"not.found\",\"status\":404}", 0, 0,
         0},
        {"DELETE", CONN_PATH "/c-1", NULL, 204, NULL, NULL, 0, 0, 0},
        {"DELETE", CONN_PATH "/c-1", NULL, 404, NULL, "{\"code\":\"not.found\"}", 0, 0, 0},
        {"GET", CONN_PATH, NULL, 403, NULL, "{\"code\":\"missing.any.permissions\"}", 0, 0, 0},
        {"GET", RT_PATH "/rt-1", NULL, 403, NULL, "{\"code\":\"missing.any.permissions\"}", 0, 0,
         0},
    };
    fixture *f = START(script);
    vr_iface got;
    assert_int_equal(note(f, vr_client_get_connection(f->c, "c-1", &got, &f->err)), 0);
    assert_string_equal(got.name, "vni-1");
    assert_int_equal(got.dns_count, 1);
    assert_int_equal(vr_iface_dns_addr(&got, 0).family, VR_AF_V6);
    vr_iface_clear(&got);
    assert_int_equal(note(f, vr_client_get_connection(f->c, "c-2", &got, &f->err)),
                     VR_HTTP_ESTATUS);
    assert_string_equal(f->err.code, "not.found");
    assert_string_equal(f->err.correlation_id, "c-404");
    assert_int_equal(note(f, vr_client_delete_connection(f->c, "c-1", &f->err)), 0);
    assert_int_equal(note(f, vr_client_delete_connection(f->c, "c-1", &f->err)), VR_HTTP_ESTATUS);
    assert_string_equal(f->err.code, "not.found");
    vr_iface_list l;
    assert_int_equal(note(f, vr_client_list_connections(f->c, &l, &f->err)), VR_HTTP_ESTATUS);
    assert_non_null(strstr(f->err.remedy, "privateconnectivity:read"));
    vr_routing_table t;
    assert_int_equal(note(f, vr_client_get_routing_table(f->c, "rt-1", &t, &f->err)),
                     VR_HTTP_ESTATUS);
    assert_non_null(strstr(f->err.remedy, "interface:read"));
    finish(f);
}

/* Ids from the platform or a plan file go into a URL path only when they are 1..128 of
 * [A-Za-z0-9._-] and not "." or "..": anything else is refused before a request is made. */
static void test_ids_validated(void **state)
{
    (void)state;
    static char longest[VR_ID_MAX + 1], too_long[VR_ID_MAX + 2], path[256];
    memset(longest, 'a', VR_ID_MAX);
    memset(too_long, 'b', VR_ID_MAX + 1);
    snprintf(path, sizeof(path), "%s/%s", CONN_PATH, longest);
    const fs_exchange script[] = {
        TOKEN_X,
        {"GET", path, NULL, 200, NULL, "{\"id\":\"x\",\"name\":\"vni-1\"}", 0, 0, 0},
        {"DELETE", CONN_PATH "/Ab9._-z", NULL, 204, NULL, NULL, 0, 0, 0},
    };
    fixture *f = START(script);
    const char *bad[] = {"..",  ".",   "",     "/",     "a/../b", "%2e%2e",
                         "%2e", "a b", "x\ny", "a?b=1", "a#b",    too_long};
    vr_iface got;
    vr_routing_table t;
    vr_sync_result sr;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (int call = 0; call < 4; call++) {
            vr_error_clear(&f->err);
            int rc = call == 0   ? vr_client_get_connection(f->c, bad[i], &got, &f->err)
                     : call == 1 ? vr_client_delete_connection(f->c, bad[i], &f->err)
                     : call == 2 ? vr_client_get_routing_table(f->c, bad[i], &t, &f->err)
                                 : vr_client_sync_routing_table(f->c, bad[i], &sr, &f->err);
            assert_int_equal(note(f, rc), VR_HTTP_ERROR);
            assert_string_equal(f->err.code, "id.invalid");
            assert_non_null(strstr(f->err.message, "is not 1 to 128 of the characters"));
            assert_non_null(strstr(f->err.message, "nothing was sent"));
        }
    }
    vr_client_get_connection(f->c, "x\ny", &got, &f->err);
    assert_null(strstr(f->err.message, "\n")); /* shown escaped, on one line */
    assert_non_null(strstr(f->err.message, "x\\ny"));
    /* NULL is no id either */
    assert_int_equal(vr_client_delete_connection(f->c, NULL, &f->err), VR_HTTP_ERROR);
    assert_string_equal(f->err.code, "id.invalid");
    assert_int_equal(f->fs->request_count, 0); /* not even a token was asked for */

    assert_int_equal(note(f, vr_client_get_connection(f->c, longest, &got, &f->err)), 0);
    vr_iface_clear(&got);
    assert_int_equal(note(f, vr_client_delete_connection(f->c, "Ab9._-z", &f->err)), 0);
    finish(f);
}

/* A process that holds secrets leaves no core dump: checked in a child, so that this test
 * binary keeps its own settings. */
static void test_protect_process(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl;
        int bad = 0;
        if (vr_secret_protect_process() != 0) bad |= 1;
        if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) bad |= 2;
        if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0 || rl.rlim_max != 0) bad |= 4;
        /* the hard limit is 0 too: the process cannot raise it back */
        struct rlimit up = {1 << 20, 1 << 20};
        if (setrlimit(RLIMIT_CORE, &up) == 0 && geteuid() != 0) bad |= 8;
        _exit(bad);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A response over VR_HTTP_MAX_BODY is refused, and the message names the limit; one of
 * exactly that size is read. */
static void test_response_cap(void **state)
{
    (void)state;
    size_t n = VR_HTTP_MAX_BODY;
    char *exact = vr_xmalloc(n + 1), *over = vr_xmalloc(n + 2);
    const char *head = "{\"entities\":[],\"total\":0,\"pad\":\"";
    size_t hl = strlen(head);
    memcpy(exact, head, hl);
    memset(exact + hl, 'x', n - hl - 2);
    memcpy(exact + n - 2, "\"}", 3);
    assert_int_equal(strlen(exact), n);
    memcpy(over, head, hl);
    memset(over + hl, 'x', n + 1 - hl - 2);
    memcpy(over + n + 1 - 2, "\"}", 3);
    assert_int_equal(strlen(over), n + 1);
    const fs_exchange script[] = {
        TOKEN_X,
        {"GET", CONN_PATH, "pageSize=200&pageNumber=1", 200, NULL, exact, 0, 0, 0},
        {"GET", CONN_PATH, "pageSize=200&pageNumber=1", 200, NULL, over, 0, 0, 0},
    };
    fixture *f = START(script);
    vr_iface_list l;
    assert_int_equal(note(f, vr_client_list_connections(f->c, &l, &f->err)), 0);
    assert_int_equal(l.count, 0);
    vr_iface_list_free(&l);
    assert_int_equal(note(f, vr_client_list_connections(f->c, &l, &f->err)), VR_HTTP_ERROR);
    assert_string_equal(f->err.code, "response.too_large");
    assert_non_null(strstr(f->err.message, "the response is larger than 4 MiB"));
    assert_non_null(strstr(f->err.message, "list connections"));
    finish(f);
    free(exact);
    free(over);
}

/* ---- routing tables, sync, limits ---- */

static void test_routing_tables_and_sync(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        TOKEN_X,
        {"GET", RT_PATH, "pageSize=200&pageNumber=1", 200, NULL,
         "{\"entities\":[{\"id\":\"rt-1\",\"name\":\"prod-core\",\"currentHash\":\"h1\","
         "\"routeCount\":12,\"state\":\"converged\",\"x\":1},{\"id\":\"rt-2\"}],\"total\":2,"
         "\"pageCount\":1}",
         0, 0, 0},
        {"GET", RT_PATH "/rt-1", NULL, 200, NULL,
         "{\"id\":\"rt-1\",\"currentHash\":\"h2\",\"state\":\"syncing\"}", 0, 0, 0},
        {"POST", RT_PATH "/rt-1/sync", NULL, 202, NULL,
         "{\"routingTableId\":\"rt-1\",\"expectedHash\":\"h3\"}", 0, 0, 0},
        {"POST", RT_PATH "/rt-1/sync", NULL, 202, NULL,
         "{\"routingTableId\":\"rt-1\",\"expectedHash\":\"h4\",\"estimatedConvergenceMs\":800}", 0,
         0, 0},
    };
    fixture *f = START(script);
    vr_routing_table_list l;
    assert_int_equal(note(f, vr_client_list_routing_tables(f->c, &l, &f->err)), 0);
    assert_int_equal(l.count, 2);
    assert_string_equal(l.items[0].name, "prod-core");
    assert_string_equal(l.items[0].current_hash, "h1");
    assert_int_equal(l.items[0].route_count, 12);
    assert_string_equal(l.items[0].state, "converged");
    assert_null(l.items[1].name);
    assert_int_equal(l.items[1].route_count, -1);
    vr_routing_table_list_free(&l);
    vr_routing_table t;
    assert_int_equal(note(f, vr_client_get_routing_table(f->c, "rt-1", &t, &f->err)), 0);
    assert_string_equal(t.current_hash, "h2");
    assert_string_equal(t.state, "syncing");
    vr_routing_table_clear(&t);
    vr_sync_result s;
    assert_int_equal(note(f, vr_client_sync_routing_table(f->c, "rt-1", &s, &f->err)), 0);
    assert_string_equal(s.expected_hash, "h3");
    assert_int_equal(s.estimated_convergence_ms, -1);
    vr_sync_result_clear(&s);
    cJSON *body = cJSON_Parse(f->fs->requests[3].body);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(body, "forceSync")));
    cJSON_Delete(body);
    assert_int_equal(note(f, vr_client_sync_routing_table(f->c, "rt-1", &s, &f->err)), 0);
    assert_int_equal(s.estimated_convergence_ms, 800);
    assert_string_equal(s.routing_table_id, "rt-1");
    vr_sync_result_clear(&s);
    finish(f);
}

/* Numbers no integer holds, from the server: converting them before checking the range was
 * undefined behaviour (found by fuzzing; reproducers in fixtures/fuzz/api_table/ and
 * api_sync/). Out of range, fractional or negative counts read as absent. */
static void test_huge_numbers_from_the_server(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        TOKEN_X,
        {"GET", RT_PATH, "pageSize=200&pageNumber=1", 200, NULL,
         "{\"entities\":[{\"id\":\"rt-1\",\"routeCount\":1e300},{\"id\":\"rt-2\","
         "\"routeCount\":-1e300},{\"id\":\"rt-3\",\"routeCount\":2.5}],\"total\":1e300,"
         "\"pageSize\":1e300,\"pageCount\":-1e300}",
         0, 0, 0},
        {"GET", RT_PATH "/rt-1", NULL, 200, NULL, "{\"id\":\"rt-1\",\"routeCount\":1e300}", 0, 0,
         0},
        {"POST", RT_PATH "/rt-1/sync", NULL, 202, NULL,
         "{\"expectedHash\":\"h3\",\"estimatedConvergenceMs\":1e300}", 0, 0, 0},
        {"POST", RT_PATH "/rt-1/sync", NULL, 202, NULL,
         "{\"expectedHash\":\"h4\",\"estimatedConvergenceMs\":-1e300}", 0, 0, 0},
        {"GET", LIMITS_PATH, NULL, 200, NULL,
         "{\"limits\":[{\"key\":\"connections.max\",\"value\":1e300}]}", 0, 0, 0},
    };
    fixture *f = START(script);
    vr_routing_table_list l;
    assert_int_equal(note(f, vr_client_list_routing_tables(f->c, &l, &f->err)), 0);
    assert_int_equal(l.count, 3);
    for (size_t i = 0; i < l.count; i++)
        assert_int_equal(l.items[i].route_count, -1);
    vr_routing_table_list_free(&l);
    vr_routing_table t;
    assert_int_equal(note(f, vr_client_get_routing_table(f->c, "rt-1", &t, &f->err)), 0);
    assert_int_equal(t.route_count, -1);
    vr_routing_table_clear(&t);
    vr_sync_result s;
    assert_int_equal(note(f, vr_client_sync_routing_table(f->c, "rt-1", &s, &f->err)), 0);
    assert_int_equal(s.estimated_convergence_ms, -1);
    assert_string_equal(s.routing_table_id, "rt-1"); /* not in the answer: the table asked */
    vr_sync_result_clear(&s);
    assert_int_equal(note(f, vr_client_sync_routing_table(f->c, "rt-1", &s, &f->err)), 0);
    assert_int_equal(s.estimated_convergence_ms, -1);
    vr_sync_result_clear(&s);
    vr_limits lim;
    assert_int_equal(note(f, vr_client_limits(f->c, &lim, &f->err)), 0);
    assert_int_equal(lim.connections_max, 50);
    assert_true(lim.limit_defaulted);
    finish(f);
}

/* The pure readers behind the calls (the fuzz targets' entry points). */
static void test_response_readers(void **state)
{
    (void)state;
    cJSON *j = cJSON_Parse("{\"entities\":[1],\"totalCount\":7,\"pageSize\":25,"
                           "\"pageCount\":1e15,\"nextUri\":\"/n\"}");
    vr_page pg;
    assert_int_equal(vr_client_parse_page(&pg, j), 0);
    assert_int_equal(cJSON_GetArraySize(pg.entities), 1);
    assert_int_equal(pg.total, 7);
    assert_int_equal(pg.page_size, 25);
    assert_int_equal(pg.page_count, 1000000000000000LL);
    assert_true(pg.has_next);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"entities\":{},\"total\":3,\"nextUri\":\"\"}");
    assert_int_equal(vr_client_parse_page(&pg, j), -1);
    assert_null(pg.entities);
    assert_int_equal(pg.total, 3);
    assert_false(pg.has_next);
    cJSON_Delete(j);

    vr_error err = VR_ERROR_INIT;
    vr_routing_table t;
    j = cJSON_Parse("{\"id\":\"rt-9\",\"routeCount\":9007199254740992}");
    assert_int_equal(vr_client_parse_routing_table(&t, j, &err), 0);
    assert_int_equal(t.route_count, -1); /* past 1e15: not a count */
    vr_routing_table_clear(&t);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"name\":\"no id\"}");
    assert_int_equal(vr_client_parse_routing_table(&t, j, &err), -1);
    assert_string_equal(err.code, "bad.response");
    assert_null(t.id);
    cJSON_Delete(j);

    vr_sync_result s;
    assert_int_equal(vr_client_parse_sync(&s, NULL, "rt-1", &err), -1);
    assert_non_null(strstr(err.message, "no expectedHash"));
    j = cJSON_Parse("{\"expectedHash\":\"h\",\"routingTableId\":\"rt-2\","
                    "\"estimatedConvergenceMs\":250}");
    assert_int_equal(vr_client_parse_sync(&s, j, "rt-1", &err), 0);
    assert_string_equal(s.routing_table_id, "rt-2");
    assert_int_equal(s.estimated_convergence_ms, 250);
    vr_sync_result_clear(&s);
    cJSON_Delete(j);
}

/* The token answer read without a server (vr_auth_parse_token, the fuzz target's entry). */
static void test_token_reader(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int rc;
        int64_t life_ms;
    } cases[] = {
        {"{\"access_token\":\"t-1\",\"expires_in\":600}", 0, 600000},
        {"{\"access_token\":\"t-1\"}", 0, 3600000},
        {"{\"access_token\":\"t-1\",\"expires_in\":1e300}", 0, 3600000},
        {"{\"access_token\":\"t-1\",\"expires_in\":-5}", 0, 3600000},
        {"{\"access_token\":\"t-1\",\"expires_in\":0}", 0, 0},
        {"{\"access_token\":\"\"}", -1, 0},
        {"{\"access_token\":\"a\\r\\nInjected: 1\"}", -1, 0},
        {"{\"access_token\":7}", -1, 0},
        {"[]", -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *j = cJSON_Parse(cases[i].json);
        char *token = (char *)"unset";
        int64_t life = -2;
        vr_error err = VR_ERROR_INIT;
        int rc = vr_auth_parse_token(&token, &life, j, &err);
        if (rc != cases[i].rc) fail_msg("%s: returned %d", cases[i].json, rc);
        if (rc == 0) {
            assert_string_equal(token, "t-1");
            assert_int_equal(life, cases[i].life_ms);
            /* the token's text left in the parsed body is wiped */
            assert_string_equal(cJSON_GetObjectItem(j, "access_token")->valuestring, "");
            vr_secret_free(token);
        } else {
            assert_null(token);
            assert_string_equal(err.code, "bad.response");
        }
        cJSON_Delete(j);
    }
}

static void test_limits(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        TOKEN_X,
        {"GET", LIMITS_PATH, NULL, 404, NULL, "{\"code\":\"not.found\",\"status\":404}", 0, 0, 0},
        {"GET", LIMITS_PATH, NULL, 200, NULL,
         "{\"namespace\":\"privateconnectivity\",\"limits\":[{\"key\":\"other\",\"value\":3},"
         "{\"key\":\"connections.max\",\"value\":75}]}",
         0, 0, 0},
        {"GET", LIMITS_PATH, NULL, 403, NULL, "{\"code\":\"missing.any.permissions\"}", 0, 0, 0},
    };
    fixture *f = START(script);
    vr_limits lim;
    assert_int_equal(note(f, vr_client_limits(f->c, &lim, &f->err)), 0);
    assert_int_equal(lim.connections_max, 50);
    assert_true(lim.limit_defaulted);
    assert_int_equal(note(f, vr_client_limits(f->c, &lim, &f->err)), 0);
    assert_int_equal(lim.connections_max, 75);
    assert_false(lim.limit_defaulted);
    assert_int_equal(note(f, vr_client_limits(f->c, &lim, &f->err)), VR_HTTP_ESTATUS);
    assert_non_null(strstr(f->err.remedy, "privateconnectivity:read"));
    finish(f);
}

/* The secret and tokens echoed back by a hostile server, in every kind of failure. */
static void test_secrets_never_in_errors_or_hook(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        TOKEN_X,
        {"GET", "/api/v2/organizations/me", NULL, 500, "ININ-Correlation-Id: " TOKEN "\n",
         "{\"message\":\"boom " TOKEN " " SECRET "\",\"code\":\"" TOKEN "\"}", 0, 0, 1},
        {"GET", LIMITS_PATH, NULL, 422, "ININ-Correlation-Id: " SECRET "\n",
         "{\"message\":\"" SECRET
         "\",\"code\":\"invalid.field\",\"details\":[{\"fieldName\":\"" TOKEN
         "\",\"errorCode\":\"x\",\"errorMessage\":\"" SECRET "\"}]}",
         0, 0, 0},
        {"GET", CONN_PATH "/c-1", NULL, 409, NULL,
         "{\"message\":\"m\",\"code\":\"name.duplicate\",\"entityName\":\"" TOKEN
         "\",\"entityId\":\"" SECRET "\"}",
         0, 0, 0},
        {"GET", CONN_PATH "/c-1", NULL, 200, NULL, "<html>" TOKEN "</html>", 0, 0, 0},
    };
    /* a 0.5 s budget: the 500 is tried once (another try needs 1 s), then given up on */
    fixture *f = start(script, sizeof(script) / sizeof(script[0]), false, 500);
    vr_org_info org;
    vr_limits lim;
    vr_iface got;
    /* what callers read of the last response (the audit keeps its correlation id) too */
    const vr_http_response *last;
#define LAST_TEXTS()                                                                               \
    do {                                                                                           \
        last = vr_client_last_response(f->c);                                                      \
        vr_buf_printf(&f->errors, "last|%s|%s|%s\n", last->correlation_id, last->entity_id,        \
                      last->entity_name);                                                          \
        for (size_t i = 0; i < last->detail_count; i++)                                            \
            vr_buf_printf(&f->errors, "detail|%s|%s|%s\n", last->details[i].field,                 \
                          last->details[i].error_code, last->details[i].error_message);            \
    } while (0)
    assert_true(note(f, vr_client_org_me(f->c, &org, &f->err)) < 0);
    LAST_TEXTS();
    assert_true(note(f, vr_client_limits(f->c, &lim, &f->err)) < 0);
    LAST_TEXTS();
    assert_true(note(f, vr_client_get_connection(f->c, "c-1", &got, &f->err)) < 0);
    LAST_TEXTS();
    assert_true(note(f, vr_client_get_connection(f->c, "c-1", &got, &f->err)) < 0);
    LAST_TEXTS();
#undef LAST_TEXTS
    assert_non_null(strstr(vr_buf_str(&f->errors), "***")); /* the echoes were there */
    if (strstr(vr_buf_str(&f->errors), SECRET) || strstr(vr_buf_str(&f->errors), TOKEN))
        fprintf(stderr, "%s\n", vr_buf_str(&f->errors));
    finish(f); /* asserts no secret in errors or hook records */
}

/* A 401 from the API, then the token endpoint refuses the client (secret rotated mid-run): the
 * error is the token endpoint's, not the API's 401 with a remedy about a fresh token that was
 * never issued. */
static void test_401_then_token_refused_reports_the_token_endpoint(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        TOKEN_X,
        {"GET", "/api/v2/organizations/me", NULL, 401, "ININ-Correlation-Id: c-api-401\n",
         "{\"message\":\"token revoked\",\"code\":\"bad.credentials\",\"status\":401}", 0, 0, 0},
        {"POST", "/oauth/token", NULL, 401, "ININ-Correlation-Id: c-token-401\n",
         "{\"error\":\"invalid_client\"}", 0, 0, 0},
    };
    fixture *f = START(script);
    vr_org_info org;
    assert_int_equal(note(f, vr_client_org_me(f->c, &org, &f->err)), VR_HTTP_ESTATUS);
    assert_int_equal(f->err.http_status, 401);
    assert_string_equal(f->err.code, "invalid_client");
    assert_string_equal(f->err.correlation_id, "c-token-401");
    assert_non_null(strstr(f->err.message, "oauth token"));
    assert_non_null(strstr(f->err.message, "get the caller's organization"));
    assert_null(strstr(f->err.remedy, "freshly issued token"));
    assert_non_null(strstr(f->err.remedy, "GENESYSCLOUD_OAUTHCLIENT_ID"));
    finish(f);
}

/* A server may issue short-lived tokens: one with under 60 s of life is renewed before each
 * call that would use it. */
static void test_short_lived_token(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"POST", "/oauth/token", NULL, 200, NULL,
         "{\"access_token\":\"" TOKEN "\",\"token_type\":\"bearer\",\"expires_in\":30}", 0, 0, 0},
        {"GET", "/api/v2/organizations/me", NULL, 200, NULL, "{\"id\":\"org-1\"}", 0, 0, 0},
        {"POST", "/oauth/token", NULL, 200, NULL,
         "{\"access_token\":\"" TOKEN2 "\",\"token_type\":\"bearer\",\"expires_in\":30}", 0, 0, 0},
        {"GET", "/api/v2/organizations/me", NULL, 200, NULL, "{\"id\":\"org-1\"}", 0, 0, 0},
    };
    fixture *f = START(script);
    vr_org_info org;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(note(f, vr_client_org_me(f->c, &org, &f->err)), 0);
        vr_org_info_clear(&org);
    }
    assert_string_equal(f->fs->requests[1].authorization, "Bearer " TOKEN);
    assert_string_equal(f->fs->requests[3].authorization, "Bearer " TOKEN2);
    finish(f);
}

/* A token endpoint that echoes the Authorization header: Base64 of id:secret is the secret. */
static void test_basic_credentials_never_in_errors(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"POST", "/oauth/token", NULL, 401, NULL,
         "{\"error\":\"invalid_client\",\"error_description\":\"refused " BASIC "\"}", 0, 0, 0},
    };
    fixture *f = START(script);
    vr_org_info org;
    assert_true(note(f, vr_client_org_me(f->c, &org, &f->err)) < 0);
    assert_string_equal(f->err.code, "invalid_client");
    assert_non_null(strstr(f->err.message, "refused"));
    finish(f); /* asserts the Base64 credentials are in no error text */
}

static int global_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int global_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_basic_auth_and_cache),
        cmocka_unit_test(test_token_renewed_under_60s),
        cmocka_unit_test(test_401_new_token_once_and_repeat),
        cmocka_unit_test(test_401_twice_is_final),
        cmocka_unit_test(test_token_refused),
        cmocka_unit_test(test_static_token),
        cmocka_unit_test(test_401_then_token_refused_reports_the_token_endpoint),
        cmocka_unit_test(test_short_lived_token),
        cmocka_unit_test(test_basic_credentials_never_in_errors),
        cmocka_unit_test(test_credentials_and_secret_file),
        cmocka_unit_test(test_paging_250),
        cmocka_unit_test(test_paging_total_count_only),
        cmocka_unit_test(test_paging_no_count),
        cmocka_unit_test(test_paging_restart_on_change),
        cmocka_unit_test(test_paging_dedupe_without_count_change),
        cmocka_unit_test(test_paging_three_changes_is_an_error),
        cmocka_unit_test(test_find_by_name),
        cmocka_unit_test(test_create_and_conflicts),
        cmocka_unit_test(test_get_delete_and_403_scopes),
        cmocka_unit_test(test_ids_validated),
        cmocka_unit_test(test_response_cap),
        cmocka_unit_test(test_protect_process),
        cmocka_unit_test(test_routing_tables_and_sync),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_huge_numbers_from_the_server),
        cmocka_unit_test(test_response_readers),
        cmocka_unit_test(test_token_reader),
        cmocka_unit_test(test_secrets_never_in_errors_or_hook),
    };
    return cmocka_run_group_tests(tests, global_setup, global_teardown);
}
