/* test_live_endpoint: the region map of docs/api.md §1 and the resolution of API/OAuth bases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vr_endpoint.h"

#include <string.h>

static void test_table_complete(void **state)
{
    (void)state;
    size_t n;
    const vr_region *t = vr_region_table(&n);
    assert_int_equal(n, 17);
    static const char *pairs[][2] = {
        {"us-east-1", "mypurecloud.com"},       {"us-east-2", "use2.us-gov-pure.cloud"},
        {"us-west-2", "usw2.pure.cloud"},       {"ca-central-1", "cac1.pure.cloud"},
        {"sa-east-1", "sae1.pure.cloud"},       {"mx-central-1", "mxc1.pure.cloud"},
        {"eu-west-1", "mypurecloud.ie"},        {"eu-west-2", "euw2.pure.cloud"},
        {"eu-central-1", "mypurecloud.de"},     {"eu-central-2", "euc2.pure.cloud"},
        {"me-central-1", "mec1.pure.cloud"},    {"ap-south-1", "aps1.pure.cloud"},
        {"ap-southeast-1", "apse1.pure.cloud"}, {"ap-southeast-2", "mypurecloud.com.au"},
        {"ap-northeast-1", "mypurecloud.jp"},   {"ap-northeast-2", "apne2.pure.cloud"},
        {"ap-northeast-3", "apne3.pure.cloud"},
    };
    for (size_t i = 0; i < 17; i++) {
        assert_string_equal(t[i].name, pairs[i][0]);
        assert_string_equal(t[i].domain, pairs[i][1]);
        assert_ptr_equal(vr_region_lookup(pairs[i][0]), &t[i]);
        assert_ptr_equal(vr_region_lookup(pairs[i][1]), &t[i]);
    }
    assert_ptr_equal(vr_region_lookup("EU-WEST-1"), vr_region_lookup("mypurecloud.ie"));
    assert_null(vr_region_lookup("eu-west-9"));
    assert_null(vr_region_lookup("purecloud.ie"));
    assert_null(vr_region_lookup(""));
}

static void test_resolve_region_name_and_domain(void **state)
{
    (void)state;
    vr_endpoints e;
    vr_error err = VR_ERROR_INIT;
    vr_endpoint_inputs in = {.region_option = "eu-west-1"};
    assert_int_equal(vr_endpoints_resolve(&e, &in, &err), 0);
    assert_string_equal(e.api_base, "https://api.mypurecloud.ie");
    assert_string_equal(e.login_base, "https://login.mypurecloud.ie");
    assert_int_equal(e.source, VR_BASE_REGION_OPTION);
    assert_string_equal(e.region_name, "eu-west-1");

    vr_endpoint_inputs in2 = {.env_region = "mypurecloud.com.au"};
    assert_int_equal(vr_endpoints_resolve(&e, &in2, &err), 0);
    assert_string_equal(e.api_base, "https://api.mypurecloud.com.au");
    assert_string_equal(e.login_base, "https://login.mypurecloud.com.au");
    assert_int_equal(e.source, VR_BASE_REGION_ENV);
}

static void test_resolve_precedence(void **state)
{
    (void)state;
    vr_endpoints e;
    vr_error err = VR_ERROR_INIT;
    vr_endpoint_inputs in = {
        .api_url_option = "http://127.0.0.1:8080/",
        .env_api_url = "https://env.example.com",
        .region_option = "eu-west-1",
        .env_region = "us-east-1",
        .inventory_region = "ap-south-1",
    };
    assert_int_equal(vr_endpoints_resolve(&e, &in, &err), 0);
    assert_int_equal(e.source, VR_BASE_API_URL_OPTION);
    assert_string_equal(e.api_base, "http://127.0.0.1:8080");   /* trailing '/' dropped */
    assert_string_equal(e.login_base, "http://127.0.0.1:8080"); /* one base for both */
    assert_null(e.region_name);

    in.api_url_option = NULL;
    assert_int_equal(vr_endpoints_resolve(&e, &in, &err), 0);
    assert_int_equal(e.source, VR_BASE_API_URL_ENV);
    assert_string_equal(e.api_base, "https://env.example.com");

    in.env_api_url = "";
    assert_int_equal(vr_endpoints_resolve(&e, &in, &err), 0);
    assert_int_equal(e.source, VR_BASE_REGION_OPTION);
    assert_string_equal(e.api_base, "https://api.mypurecloud.ie");

    in.region_option = NULL;
    assert_int_equal(vr_endpoints_resolve(&e, &in, &err), 0);
    assert_int_equal(e.source, VR_BASE_REGION_ENV);
    assert_string_equal(e.api_base, "https://api.mypurecloud.com");

    in.env_region = NULL;
    assert_int_equal(vr_endpoints_resolve(&e, &in, &err), 0);
    assert_int_equal(e.source, VR_BASE_INVENTORY);
    assert_string_equal(e.api_base, "https://api.aps1.pure.cloud");
    assert_string_equal(e.login_base, "https://login.aps1.pure.cloud");

    in.inventory_region = NULL;
    assert_int_equal(vr_endpoints_resolve(&e, &in, &err), -1);
    assert_string_equal(err.code, "region.missing");
    assert_non_null(strstr(err.remedy, "--region"));
    assert_non_null(strstr(err.remedy, "GENESYSCLOUD_REGION"));
}

static void test_resolve_unknown_region(void **state)
{
    (void)state;
    vr_endpoints e;
    vr_error err = VR_ERROR_INIT;
    /* a bad first choice is an error, not a reason to fall through to the next */
    vr_endpoint_inputs in = {.region_option = "eu-west-l", .inventory_region = "eu-west-1"};
    assert_int_equal(vr_endpoints_resolve(&e, &in, &err), -1);
    assert_string_equal(err.code, "region.unknown");
    assert_non_null(strstr(err.message, "--region eu-west-l"));
    assert_non_null(strstr(err.remedy, "did you mean eu-west-1"));
}

static void test_url_loopback_only_http(void **state)
{
    (void)state;
    vr_error err = VR_ERROR_INIT;
    const char *ok[] = {"http://127.0.0.1:8080", "http://127.9.8.7", "http://localhost:1",
                        "http://LOCALHOST", "http://[::1]:4433/", "https://example.com",
                        "https://api.mypurecloud.ie", "https://[2001:db8::1]:8443/prefix",
                        /* https to loopback: the production path on loopback (test_tls.sh) */
                        "https://127.0.0.1:44321", "https://[::1]:8443", "https://localhost:9"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        vr_error_clear(&err);
        assert_int_equal(vr_url_check(ok[i], "--api-url", VR_URL_BASE, &err), 0);
    }
    const char *insecure[] = {"http://example.com",        "http://10.0.0.1:80",
                              "http://127.0.0.1.nip.io",   "http://[2001:db8::1]",
                              "http://localhost.evil.com", "http://128.0.0.1"};
    for (size_t i = 0; i < sizeof(insecure) / sizeof(insecure[0]); i++) {
        vr_error_clear(&err);
        assert_int_equal(vr_url_check(insecure[i], "--api-url", VR_URL_BASE, &err), -1);
        assert_string_equal(err.code, "url.insecure");
        assert_non_null(strstr(err.message, "plain http:// is refused"));
        assert_non_null(strstr(err.remedy, "https://"));
    }
    const char *invalid[] = {"ftp://127.0.0.1",
                             "127.0.0.1:8080",
                             "http://user:pw@127.0.0.1",
                             "http://127.0.0.1:0",
                             "http://127.0.0.1:99999",
                             "http://127.0.0.1/?x=1",
                             "http://",
                             "http://[::1",
                             "https://a b.com",
                             ""};
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        vr_error_clear(&err);
        assert_int_equal(vr_url_check(invalid[i], "--api-url", VR_URL_BASE, &err), -1);
        assert_string_equal(err.code, "url.invalid");
    }
    /* through the resolution, with the env variable's name in the message */
    vr_endpoints e;
    vr_endpoint_inputs in = {.env_api_url = "http://api.example.com"};
    vr_error_clear(&err);
    assert_int_equal(vr_endpoints_resolve(&e, &in, &err), -1);
    assert_string_equal(err.code, "url.insecure");
    assert_non_null(strstr(err.message, "GENESYSCLOUD_API_URL"));
}

static void test_loopback_hosts(void **state)
{
    (void)state;
    assert_true(vr_host_is_loopback("127.0.0.1"));
    assert_true(vr_host_is_loopback("127.255.255.254"));
    assert_true(vr_host_is_loopback("localhost"));
    assert_true(vr_host_is_loopback("[::1]"));
    assert_true(vr_host_is_loopback("::1"));
    assert_false(vr_host_is_loopback("[::2]"));
    assert_false(vr_host_is_loopback("0.0.0.0"));
    assert_false(vr_host_is_loopback("192.0.2.1"));
    assert_false(vr_host_is_loopback(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_complete),
        cmocka_unit_test(test_resolve_region_name_and_domain),
        cmocka_unit_test(test_resolve_precedence),
        cmocka_unit_test(test_resolve_unknown_region),
        cmocka_unit_test(test_url_loopback_only_http),
        cmocka_unit_test(test_loopback_hosts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
