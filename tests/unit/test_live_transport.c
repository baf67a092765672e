/* test_live_transport: the transport policy of every connection (vr_http_transport_setup):
 * where the CA file comes from and how a bad one is refused; plain http never goes through a
 * proxy whatever the environment says, https goes through https_proxy unless no_proxy
 * exempts the host. Proxies are scripted servers on loopback that must see (or not see)
 * the request. The TLS handshake itself is covered end to end (tests/e2e/test_tls.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_server.h"
#include "test_support.h"
#include "vr_http.h"

#include <curl/curl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const proxy_vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                         "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};

static void clear_proxy_env(void)
{
    for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
        unsetenv(proxy_vars[i]);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#define PEM "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

static void test_ca_file_order(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("transport");
    vr_buf a = VR_BUF_INIT, b = VR_BUF_INIT, c = VR_BUF_INIT;
    vr_buf_printf(&a, "%s/a.pem", dir);
    vr_buf_printf(&b, "%s/b.pem", dir);
    vr_buf_printf(&c, "%s/c.pem", dir);
    write_text(vr_buf_str(&a), PEM);
    write_text(vr_buf_str(&b), PEM);
    write_text(vr_buf_str(&c), PEM);
    vr_transport t;
    vr_error err = VR_ERROR_INIT;

    /* nothing set: the system store */
    assert_int_equal(vr_transport_resolve(&t, NULL, NULL, NULL, &err), 0);
    assert_null(t.ca_file);
    assert_null(t.ca_source);
    /* an empty value counts as unset */
    assert_int_equal(vr_transport_resolve(&t, "", "", "", &err), 0);
    assert_null(t.ca_file);

    /* --ca-file, then SSL_CERT_FILE, then CURL_CA_BUNDLE */
    assert_int_equal(vr_transport_resolve(&t, vr_buf_str(&a), vr_buf_str(&b), vr_buf_str(&c), &err),
                     0);
    assert_string_equal(t.ca_file, vr_buf_str(&a));
    assert_string_equal(t.ca_source, "--ca-file");
    assert_int_equal(vr_transport_resolve(&t, "", vr_buf_str(&b), vr_buf_str(&c), &err), 0);
    assert_string_equal(t.ca_file, vr_buf_str(&b));
    assert_string_equal(t.ca_source, "SSL_CERT_FILE");
    assert_int_equal(vr_transport_resolve(&t, NULL, NULL, vr_buf_str(&c), &err), 0);
    assert_string_equal(t.ca_file, vr_buf_str(&c));
    assert_string_equal(t.ca_source, "CURL_CA_BUNDLE");

    /* the first one set decides: a bad --ca-file is an error, not a reason to try the next */
    vr_buf missing = VR_BUF_INIT;
    vr_buf_printf(&missing, "%s/missing.pem", dir);
    assert_int_equal(vr_transport_resolve(&t, vr_buf_str(&missing), vr_buf_str(&b), NULL, &err),
                     -1);
    assert_string_equal(err.code, "ca.file");
    assert_non_null(strstr(err.message, vr_buf_str(&missing)));
    assert_non_null(strstr(err.message, "--ca-file"));
    assert_non_null(strstr(err.message, "No such file"));
    assert_null(t.ca_file);

    /* the environment variable is named when it is the source */
    vr_error_clear(&err);
    assert_int_equal(vr_transport_resolve(&t, NULL, vr_buf_str(&missing), NULL, &err), -1);
    assert_non_null(strstr(err.message, "SSL_CERT_FILE"));

    vr_buf_free(&missing);
    vr_buf_free(&a);
    vr_buf_free(&b);
    vr_buf_free(&c);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_ca_file_refused(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("transport");
    vr_buf notpem = VR_BUF_INIT, unreadable = VR_BUF_INIT;
    vr_buf_printf(&notpem, "%s/der.crt", dir);
    vr_buf_printf(&unreadable, "%s/locked.pem", dir);
    write_text(vr_buf_str(&notpem), "\x30\x82\x01\x0a binary DER, not PEM\n");
    write_text(vr_buf_str(&unreadable), PEM);
    chmod(vr_buf_str(&unreadable), 0);
    vr_transport t;
    vr_error err = VR_ERROR_INIT;

    assert_int_equal(vr_transport_resolve(&t, vr_buf_str(&notpem), NULL, NULL, &err), -1);
    assert_non_null(strstr(err.message, "holds no PEM certificate"));
    assert_non_null(strstr(err.message, vr_buf_str(&notpem)));

    vr_error_clear(&err);
    assert_int_equal(vr_transport_resolve(&t, NULL, NULL, dir, &err), -1);
    assert_non_null(strstr(err.message, "not a regular file"));
    assert_non_null(strstr(err.message, "CURL_CA_BUNDLE"));

    vr_error_clear(&err);
    assert_int_equal(vr_transport_resolve(&t, "-", NULL, NULL, &err), -1);
    assert_non_null(strstr(err.message, "standard input"));

    if (geteuid() != 0) { /* root reads a mode-0 file anyway */
        vr_error_clear(&err);
        assert_int_equal(vr_transport_resolve(&t, vr_buf_str(&unreadable), NULL, NULL, &err), -1);
        assert_non_null(strstr(err.message, "cannot read the CA file"));
    }
    vr_buf_free(&notpem);
    vr_buf_free(&unreadable);
    vr_test_rm_rf(dir);
    free(dir);
}

/* One GET through a vr_http set up with t; returns vr_http_do's code. */
static int get_once(const char *base, const vr_transport *t, vr_http_response *resp, vr_error *err)
{
    vr_http_config cfg;
    vr_http_config_init(&cfg);
    cfg.call_budget_ms = VR_HTTP_MIN_TRY_MS / 2; /* shorter than a try: one attempt, no retry */
    cfg.connect_timeout_ms = 5000;
    cfg.attempt_timeout_ms = 5000;
    cfg.transport = t;
    vr_http *h;
    assert_int_equal(vr_http_new(&h, &cfg, err), 0);
    vr_http_request req = {.method = "GET", .base = base, .path = "/api/v2/x", .bearer = "tok"};
    int rc = vr_http_do(h, &req, resp, err);
    vr_http_free(h);
    return rc;
}

static void test_plain_http_never_proxied(void **state)
{
    (void)state;
    static const fs_exchange target_script[] = {
        {"GET", "/api/v2/x", NULL, 200, NULL, "{\"ok\":true}", 0, 0, 0},
    };
    fake_server *target = fs_start(target_script, 1);
    fake_server *proxy = fs_start(NULL, 0); /* any request it gets is a failure */
    assert_non_null(target);
    assert_non_null(proxy);
    clear_proxy_env();
    /* every variable that could send http to a proxy, upper and lower case */
    setenv("http_proxy", proxy->url, 1);
    setenv("HTTP_PROXY", proxy->url, 1);
    setenv("all_proxy", proxy->url, 1);
    setenv("ALL_PROXY", proxy->url, 1);
    setenv("https_proxy", proxy->url, 1);
    setenv("HTTPS_PROXY", proxy->url, 1);
    vr_http_response resp = VR_HTTP_RESPONSE_INIT;
    vr_error err = VR_ERROR_INIT;
    int rc = get_once(target->url, NULL, &resp, &err);
    clear_proxy_env();
    assert_int_equal(rc, 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(fs_request_count(target), 1);
    /* the Bearer token went straight to the target, never to the proxy */
    assert_string_equal(target->requests[0].authorization, "Bearer tok");
    assert_int_equal(fs_request_count(proxy), 0);
    assert_int_equal(proxy->unexpected, 0);
    vr_http_response_free(&resp);
    fs_stop(proxy);
    fs_stop(target);
}

static void test_https_through_https_proxy(void **state)
{
    (void)state;
    /* The "proxy" is a plain HTTP server: it gets the CONNECT and refuses it (418), so the
     * call fails without any byte leaving loopback; what matters is that it got the CONNECT
     * for the https target. */
    fake_server *proxy = fs_start(NULL, 0);
    assert_non_null(proxy);
    char target[96];
    snprintf(target, sizeof(target), "https://127.0.0.1:%d", proxy->port);
    clear_proxy_env();
    setenv("https_proxy", proxy->url, 1);
    vr_http_response resp = VR_HTTP_RESPONSE_INIT;
    vr_error err = VR_ERROR_INIT;
    int rc = get_once(target, NULL, &resp, &err);
    assert_int_equal(rc, VR_HTTP_ERROR);
    assert_int_equal(fs_request_count(proxy), 1);
    assert_string_equal(proxy->requests[0].method, "CONNECT");
    /* the tunnel carries TLS: no credential was sent to the proxy */
    assert_string_equal(proxy->requests[0].authorization, "");

    /* ALL_PROXY serves https too when https_proxy is not set */
    clear_proxy_env();
    setenv("ALL_PROXY", proxy->url, 1);
    rc = get_once(target, NULL, &resp, &err);
    assert_int_equal(rc, VR_HTTP_ERROR);
    assert_int_equal(fs_request_count(proxy), 2);
    assert_string_equal(proxy->requests[1].method, "CONNECT");

    /* no_proxy exempts the host: the call goes direct (and fails: no TLS there) */
    clear_proxy_env();
    setenv("https_proxy", proxy->url, 1);
    setenv("no_proxy", "127.0.0.1", 1);
    rc = get_once(target, NULL, &resp, &err);
    clear_proxy_env();
    assert_int_equal(rc, VR_HTTP_ERROR);
    assert_int_equal(fs_request_count(proxy), 2);
    vr_http_response_free(&resp);
    fs_stop(proxy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ca_file_order),
        cmocka_unit_test(test_ca_file_refused),
        cmocka_unit_test(test_plain_http_never_proxied),
        cmocka_unit_test(test_https_through_https_proxy),
    };
    return cmocka_run_group_tests(tests, vr_test_curl_setup, vr_test_curl_teardown);
}
