/* test_model: model/ — addresses and CIDR blocks, the platform's field rules, comparison,
 * JSON codecs, buffers, hashes and edit distance. */
#include "vr_addr.h"
#include "vr_diag.h"
#include "vr_iface.h"
#include "vr_json.h"
#include "vr_regions.h"
#include "vr_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_support.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- addresses ---- */

static void test_addr_parse(void **state)
{
    (void)state;
    vr_addr a;
    assert_int_equal(vr_addr_parse(&a, "10.0.0.1"), 0);
    assert_int_equal(a.family, VR_AF_V4);
    assert_int_equal(a.bytes[0], 10);
    assert_int_equal(a.bytes[3], 1);
    assert_int_equal(vr_addr_parse(&a, "2001:db8::1"), 0);
    assert_int_equal(a.family, VR_AF_V6);
    assert_int_equal(a.bytes[15], 1);
    assert_int_equal(vr_addr_parse(&a, "::ffff:1.2.3.4"), 0);
    assert_int_equal(a.family, VR_AF_V6);
    const char *bad[] = {"",
                         "10.0.0.256",
                         "10.0.0",
                         " 10.0.0.1",
                         "10.0.0.1 ",
                         "fe80::1%eth0",
                         "2001:db8:::1",
                         "gateway",
                         "10.0.0.1/24",
                         "1.2.3.4.5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(vr_addr_parse(&a, bad[i]), -1);
        assert_int_equal(a.family, VR_AF_NONE);
    }
    assert_int_equal(vr_addr_parse(&a, NULL), -1);
}

static void test_addr_format(void **state)
{
    (void)state;
    vr_addr a;
    char out[VR_ADDR_STRLEN];
    assert_int_equal(vr_addr_parse(&a, "2001:0db8:0000:0000:0000:0000:0000:0001"), 0);
    vr_addr_format(&a, out);
    assert_string_equal(out, "2001:db8::1"); /* RFC 5952 */
    assert_int_equal(vr_addr_parse(&a, "2001:DB8:0:0:1:0:0:1"), 0);
    vr_addr_format(&a, out);
    assert_string_equal(out, "2001:db8::1:0:0:1");
    assert_int_equal(vr_addr_parse(&a, "192.168.001.010"), -1); /* no leading zeros */
    assert_int_equal(vr_addr_parse(&a, "192.168.1.10"), 0);
    vr_addr_format(&a, out);
    assert_string_equal(out, "192.168.1.10");
    vr_addr none = {VR_AF_NONE, {0}};
    vr_addr_format(&none, out);
    assert_string_equal(out, "");
}

static void test_addr_compare(void **state)
{
    (void)state;
    vr_addr a, b, c, d;
    vr_addr_parse(&a, "2001:db8:1:0::1");
    vr_addr_parse(&b, "2001:db8:1::1");
    assert_true(vr_addr_equal(&a, &b));
    assert_int_equal(vr_addr_cmp(&a, &b), 0);
    vr_addr_parse(&c, "255.255.255.255");
    assert_true(vr_addr_cmp(&c, &a) < 0); /* IPv4 before IPv6 */
    vr_addr_parse(&d, "10.0.0.2");
    vr_addr_parse(&c, "10.0.0.10");
    assert_true(vr_addr_cmp(&d, &c) < 0); /* as numbers, not strings */
    assert_false(vr_addr_equal(&d, &c));
    vr_addr none = {VR_AF_NONE, {0}};
    assert_false(vr_addr_equal(&none, &none));
    vr_addr_parse(&a, "127.8.9.1");
    assert_true(vr_addr_is_loopback(&a));
    vr_addr_parse(&a, "::1");
    assert_true(vr_addr_is_loopback(&a));
    vr_addr_parse(&a, "10.0.0.1");
    assert_false(vr_addr_is_loopback(&a));
}

/* ---- CIDR ---- */

static void test_cidr_parse(void **state)
{
    (void)state;
    vr_cidr c;
    char out[VR_ADDR_STRLEN];
    assert_int_equal(vr_cidr_parse(&c, "10.0.0.0/24"), 0);
    assert_int_equal(c.prefix, 24);
    assert_int_equal(c.addr.family, VR_AF_V4);
    assert_int_equal(vr_cidr_parse(&c, "0.0.0.0/0"), 0);
    assert_int_equal(c.prefix, 0);
    assert_int_equal(vr_cidr_parse(&c, "10.0.0.0/32"), 0);
    assert_int_equal(vr_cidr_parse(&c, "::/0"), 0);
    assert_int_equal(vr_cidr_parse(&c, "2001:db8::/128"), 0);
    assert_int_equal(vr_cidr_parse(&c, "2001:DB8:0::/48"), 0);
    vr_cidr_format(&c, out);
    assert_string_equal(out, "2001:db8::/48");
    const char *bad[] = {
        "10.0.0.0",    "10.0.0.0/",     "/24",          "10.0.0.0/33", "10.0.0.0/024",
        "10.0.0.0/-1", "10.0.0.0/+8",   "10.0.0.0/24 ", "10.0.0.0/2a", "2001:db8::/129",
        "10.0.0/24",   "10.0.0.0/1000", "10.0.0.0//24", "x/8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(vr_cidr_parse(&c, bad[i]), -1);
    assert_int_equal(vr_cidr_parse(&c, NULL), -1);
}

static void test_cidr_host_bits_network_last(void **state)
{
    (void)state;
    vr_cidr c, canon;
    vr_addr n, l;
    char out[VR_ADDR_STRLEN];
    vr_cidr_parse(&c, "10.1.2.3/16");
    assert_true(vr_cidr_has_host_bits(&c));
    vr_cidr_network(&c, &n);
    vr_addr_format(&n, out);
    assert_string_equal(out, "10.1.0.0");
    vr_cidr_last(&c, &l);
    vr_addr_format(&l, out);
    assert_string_equal(out, "10.1.255.255");
    vr_cidr_canonical(&c, &canon);
    vr_cidr_format(&canon, out);
    assert_string_equal(out, "10.1.0.0/16");
    vr_cidr_parse(&c, "10.1.0.0/16");
    assert_false(vr_cidr_has_host_bits(&c));
    vr_cidr_parse(&c, "10.0.0.128/25"); /* a prefix not on a byte boundary */
    assert_false(vr_cidr_has_host_bits(&c));
    vr_cidr_last(&c, &l);
    vr_addr_format(&l, out);
    assert_string_equal(out, "10.0.0.255");
    vr_cidr_parse(&c, "10.0.0.64/25");
    assert_true(vr_cidr_has_host_bits(&c));
    vr_cidr_parse(&c, "0.0.0.0/0");
    vr_cidr_last(&c, &l);
    vr_addr_format(&l, out);
    assert_string_equal(out, "255.255.255.255");
    vr_cidr_parse(&c, "2001:db8::/64");
    vr_cidr_last(&c, &l);
    vr_addr_format(&l, out);
    assert_string_equal(out, "2001:db8::ffff:ffff:ffff:ffff");
    vr_cidr_parse(&c, "2001:db8::1/64");
    assert_true(vr_cidr_has_host_bits(&c));
}

static void test_cidr_contains(void **state)
{
    (void)state;
    vr_cidr c;
    vr_addr a;
    vr_cidr_parse(&c, "10.0.0.0/8");
    vr_addr_parse(&a, "10.255.1.1");
    assert_true(vr_cidr_contains(&c, &a));
    vr_addr_parse(&a, "11.0.0.0");
    assert_false(vr_cidr_contains(&c, &a));
    vr_addr_parse(&a, "::ffff:10.0.0.1"); /* another family */
    assert_false(vr_cidr_contains(&c, &a));
    vr_cidr_parse(&c, "2001:db8:1::/48");
    vr_addr_parse(&a, "2001:db8:1:ffff::1");
    assert_true(vr_cidr_contains(&c, &a));
    vr_addr_parse(&a, "2001:db8:2::1");
    assert_false(vr_cidr_contains(&c, &a));
}

static void test_cidr_overlaps(void **state)
{
    (void)state;
    vr_cidr a, b;
    vr_cidr_parse(&a, "10.0.0.0/8");
    vr_cidr_parse(&b, "10.1.0.0/16");
    assert_true(vr_cidr_overlaps(&a, &b)); /* nested */
    assert_true(vr_cidr_overlaps(&b, &a));
    assert_true(vr_cidr_overlaps(&a, &a)); /* identical */
    vr_cidr_parse(&a, "10.0.0.0/24");
    vr_cidr_parse(&b, "10.0.1.0/24");
    assert_false(vr_cidr_overlaps(&a, &b)); /* adjacent */
    vr_cidr_parse(&b, "::/0");
    assert_false(vr_cidr_overlaps(&a, &b)); /* v4 vs v6 */
    vr_cidr_parse(&a, "2001:db8::/48");
    vr_cidr_parse(&b, "2001:db8:0:ff00::/56");
    assert_true(vr_cidr_overlaps(&a, &b));
    vr_cidr_parse(&b, "2001:db8:1::/48");
    assert_false(vr_cidr_overlaps(&a, &b));
}

static bool has_pair(const vr_overlap *o, size_t n, size_t a, size_t b)
{
    for (size_t i = 0; i < n; i++)
        if (o[i].a == a && o[i].b == b) return true;
    return false;
}

static void test_cidr_find_overlaps(void **state)
{
    (void)state;
    const char *texts[] = {"10.0.0.0/8",    "192.168.0.0/16", "10.1.0.0/16",   "10.1.2.0/24",
                           "172.16.0.0/24", "192.169.0.0/16", "2001:db8::/48", "2001:db8:0:1::/64"};
    size_t n = sizeof(texts) / sizeof(texts[0]);
    vr_cidr blocks[8];
    for (size_t i = 0; i < n; i++)
        assert_int_equal(vr_cidr_parse(&blocks[i], texts[i]), 0);
    vr_overlap *o;
    size_t count;
    assert_int_equal(vr_cidr_find_overlaps(&o, &count, blocks, n), 0);
    assert_int_equal(count, 3);
    assert_true(has_pair(o, count, 0, 2));
    assert_true(has_pair(o, count, 0, 3)); /* nested twice: each reported once */
    assert_true(has_pair(o, count, 6, 7));
    free(o);
    /* no overlap: NULL and 0; unparsed blocks are skipped */
    vr_cidr some[3];
    vr_cidr_parse(&some[0], "10.0.0.0/24");
    vr_cidr_parse(&some[1], "10.0.1.0/24");
    memset(&some[2], 0, sizeof(some[2]));
    assert_int_equal(vr_cidr_find_overlaps(&o, &count, some, 3), 0);
    assert_null(o);
    assert_int_equal(count, 0);
    assert_int_equal(vr_cidr_find_overlaps(&o, &count, some, 1), 0);
    assert_int_equal(count, 0);
}

static void test_cidr_allowed_prefixes(void **state)
{
    (void)state;
    struct {
        const char *text;
        bool allowed;
    } cases[] = {{"10.0.0.0/8", true},     {"10.0.0.0/16", true},    {"10.0.0.0/24", true},
                 {"10.0.0.0/25", false},   {"10.0.0.0/12", false},   {"10.0.0.0/32", false},
                 {"2001:db8::/48", true},  {"2001:db8::/56", true},  {"2001:db8::/64", true},
                 {"2001:db8::/60", false}, {"2001:db8::/24", false}, {"2001:db8::/128", false}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        vr_cidr c;
        assert_int_equal(vr_cidr_parse(&c, cases[i].text), 0);
        assert_int_equal(vr_cidr_prefix_allowed(&c), cases[i].allowed);
    }
    assert_string_equal(vr_cidr_allowed_text(VR_AF_V4), "8, 16 or 24");
    assert_string_equal(vr_cidr_allowed_text(VR_AF_V6), "48, 56 or 64");
}

/* ---- vr_iface_validate: every rule, with field, index, code and message ---- */

typedef struct {
    char field[32];
    int index;
    char code[32];
    char message[512];
} field_error;

typedef struct {
    field_error e[16];
    int n;
} error_list;

static void collect(void *ctx, const char *field, int index, const char *code, const char *msg)
{
    error_list *l = ctx;
    if (l->n >= 16) return;
    field_error *e = &l->e[l->n++];
    snprintf(e->field, sizeof(e->field), "%s", field);
    e->index = index;
    snprintf(e->code, sizeof(e->code), "%s", code);
    snprintf(e->message, sizeof(e->message), "%s", msg);
}

static void good_iface(vr_iface *f)
{
    vr_test_iface(f, NULL, "arch-vni-prod-01", "10.0.50.1", "203.0.113.10", "10.0.50.0/24",
                  "rt-core");
    f->dns[1] = vr_strdup("8.8.4.4");
    f->dns_count = 2;
}

static void set(char **slot, const char *v)
{
    free(*slot);
    *slot = v ? vr_strdup(v) : NULL;
}

/* Validates f; expects exactly one error with that field, index, code and message. */
static void expect_one(vr_iface *f, const char *field, int index, const char *code,
                       const char *message)
{
    error_list l = {0};
    int bad = vr_iface_validate(f, collect, &l);
    if (l.n != 1 || strcmp(l.e[0].message, message) != 0)
        for (int i = 0; i < l.n; i++)
            print_message("got %s[%d] %s: %s\n", l.e[i].field, l.e[i].index, l.e[i].code,
                          l.e[i].message);
    assert_int_equal(bad, 1);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.e[0].field, field);
    assert_int_equal(l.e[0].index, index);
    assert_string_equal(l.e[0].code, code);
    assert_string_equal(l.e[0].message, message);
    vr_iface_clear(f);
}

static void test_validate_good(void **state)
{
    (void)state;
    vr_iface f;
    good_iface(&f);
    assert_int_equal(vr_iface_validate(&f, NULL, NULL), 0);
    char out[VR_ADDR_STRLEN];
    vr_addr_format(&f.local, out);
    assert_string_equal(out, "10.0.50.1");
    assert_int_equal(f.subnet.prefix, 24);
    assert_int_equal(vr_iface_dns_addr(&f, 1).family, VR_AF_V4);
    vr_iface_clear(&f);
    /* IPv6 has no broadcast address: the last address of the block is a host */
    good_iface(&f);
    set(&f.local_ip, "2001:db8:1::ffff:ffff:ffff:ffff");
    set(&f.subnet_cidr, "2001:db8:1::/64");
    assert_int_equal(vr_iface_validate(&f, NULL, NULL), 0);
    vr_iface_clear(&f);
    /* 256 characters, each two bytes: within the limit (characters, not bytes) */
    good_iface(&f);
    char desc[600];
    for (int i = 0; i < 256; i++)
        memcpy(desc + 2 * i, "\xc3\xa9", 2);
    desc[512] = '\0';
    set(&f.description, desc);
    assert_int_equal(vr_iface_validate(&f, NULL, NULL), 0);
    vr_iface_clear(&f);
}

static void test_validate_name_and_type(void **state)
{
    (void)state;
    vr_iface f;
    good_iface(&f);
    set(&f.name, NULL);
    expect_one(&f, "name", -1, "required", "name is required");
    good_iface(&f);
    set(&f.name, "arch vni");
    expect_one(&f, "name", -1, "invalid.value",
               "name 'arch vni' must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
    good_iface(&f);
    set(&f.name, "");
    expect_one(&f, "name", -1, "invalid.value",
               "name '' must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
    char long_name[70];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    good_iface(&f);
    set(&f.name, long_name);
    expect_one(&f, "name", -1, "invalid.value",
               "name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' must be 1 "
               "to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
    long_name[64] = '\0';
    assert_true(vr_name_valid(long_name));
    assert_true(vr_name_valid("a.b_c-D9"));
    assert_false(vr_name_valid("a/b"));
    good_iface(&f);
    set(&f.type, NULL);
    expect_one(&f, "type", -1, "required", "type is required (ipconnect)");
    good_iface(&f);
    set(&f.type, "gre");
    expect_one(&f, "type", -1, "invalid.value",
               "type 'gre' is not supported; the only type is ipconnect");
}

static void test_validate_addresses(void **state)
{
    (void)state;
    vr_iface f;
    good_iface(&f);
    set(&f.local_ip, NULL);
    expect_one(&f, "localIp", -1, "required", "localIp is required");
    good_iface(&f);
    set(&f.local_ip, "10.0.50.300");
    expect_one(&f, "localIp", -1, "invalid.format",
               "localIp '10.0.50.300' is not an IPv4 or IPv6 address");
    good_iface(&f);
    set(&f.remote_ip, NULL);
    expect_one(&f, "remoteIp", -1, "required", "remoteIp is required");
    good_iface(&f);
    set(&f.remote_ip, "gw.example.com");
    expect_one(&f, "remoteIp", -1, "invalid.format",
               "remoteIp 'gw.example.com' is not an IPv4 or IPv6 address");
}

static void test_validate_subnet(void **state)
{
    (void)state;
    vr_iface f;
    good_iface(&f);
    set(&f.subnet_cidr, NULL);
    expect_one(&f, "subnetCidr", -1, "required", "subnetCidr is required");
    good_iface(&f);
    set(&f.subnet_cidr, "10.0.50.0");
    expect_one(&f, "subnetCidr", -1, "invalid.format",
               "subnetCidr '10.0.50.0' is not a CIDR block (ADDRESS/PREFIX)");
    good_iface(&f);
    set(&f.subnet_cidr, "10.0.50.9/24");
    expect_one(&f, "subnetCidr", -1, "invalid.value",
               "subnetCidr 10.0.50.9/24 has host bits set; did you mean 10.0.50.0/24?");
    good_iface(&f);
    set(&f.subnet_cidr, "10.0.50.0/25");
    expect_one(&f, "subnetCidr", -1, "invalid.value",
               "subnetCidr 10.0.50.0/25 has prefix length /25; allowed are 8, 16 or 24");
    good_iface(&f);
    set(&f.local_ip, "2001:db8:1::1");
    set(&f.subnet_cidr, "2001:db8:1::/60");
    expect_one(&f, "subnetCidr", -1, "invalid.value",
               "subnetCidr 2001:db8:1::/60 has prefix length /60; allowed are 48, 56 or 64");
    /* host bits and a bad prefix: both said */
    good_iface(&f);
    set(&f.subnet_cidr, "10.0.50.1/25");
    error_list l = {0};
    assert_int_equal(vr_iface_validate(&f, collect, &l), 2);
    assert_string_equal(l.e[0].message,
                        "subnetCidr 10.0.50.1/25 has host bits set; did you mean 10.0.50.0/25?");
    assert_string_equal(l.e[1].message,
                        "subnetCidr 10.0.50.1/25 has prefix length /25; allowed are 8, 16 or 24");
    vr_iface_clear(&f);
}

static void test_validate_local_in_subnet(void **state)
{
    (void)state;
    vr_iface f;
    good_iface(&f);
    set(&f.local_ip, "10.0.51.1");
    expect_one(&f, "localIp", -1, "out.of.range",
               "localIp 10.0.51.1 is outside subnetCidr 10.0.50.0/24");
    good_iface(&f);
    set(&f.local_ip, "10.0.50.0");
    expect_one(&f, "localIp", -1, "invalid.value",
               "localIp 10.0.50.0 is the network address of 10.0.50.0/24; use a host address "
               "inside it");
    good_iface(&f);
    set(&f.local_ip, "10.0.50.255");
    expect_one(&f, "localIp", -1, "invalid.value",
               "localIp 10.0.50.255 is the broadcast address of 10.0.50.0/24; use a host "
               "address inside it");
    good_iface(&f);
    set(&f.local_ip, "2001:db8::1");
    expect_one(&f, "localIp", -1, "out.of.range",
               "localIp 2001:db8::1 is outside subnetCidr 10.0.50.0/24");
    good_iface(&f);
    set(&f.local_ip, "2001:db8:1::");
    set(&f.subnet_cidr, "2001:db8:1::/64");
    expect_one(&f, "localIp", -1, "invalid.value",
               "localIp 2001:db8:1:: is the network address of 2001:db8:1::/64; use a host "
               "address inside it");
}

static void test_validate_dns_rt_description(void **state)
{
    (void)state;
    vr_iface f;
    good_iface(&f);
    set(&f.dns[0], NULL);
    set(&f.dns[1], NULL);
    f.dns_count = 0;
    expect_one(&f, "dnsServers", -1, "required",
               "dnsServers must list 1 to 4 addresses; it is empty");
    good_iface(&f);
    set(&f.dns[2], "1.1.1.1");
    set(&f.dns[3], "1.0.0.1");
    set(&f.dns[4], "9.9.9.9");
    f.dns_count = 5;
    expect_one(&f, "dnsServers", -1, "out.of.range",
               "dnsServers lists more than 4 addresses; the platform takes at most 4");
    good_iface(&f);
    set(&f.dns[1], "dns.example.com");
    expect_one(&f, "dnsServers", 1, "invalid.format",
               "dnsServers[1] 'dns.example.com' is not an IPv4 or IPv6 address");
    good_iface(&f);
    set(&f.routing_table_id, NULL);
    expect_one(&f, "routingTableId", -1, "required", "routingTableId is required");
    good_iface(&f);
    set(&f.routing_table_id, "");
    expect_one(&f, "routingTableId", -1, "required", "routingTableId is required");
    good_iface(&f);
    char desc[300];
    memset(desc, 'd', 257);
    desc[257] = '\0';
    set(&f.description, desc);
    expect_one(&f, "description", -1, "too.long",
               "description is 257 characters; the platform takes at most 256");
    assert_int_equal(vr_utf8_length("caf\xc3\xa9"), 4);
}

static void test_validate_reports_every_field(void **state)
{
    (void)state;
    vr_iface f;
    memset(&f, 0, sizeof(f));
    error_list l = {0};
    /* nothing set: name, type, localIp, remoteIp, subnetCidr, dnsServers, routingTableId */
    assert_int_equal(vr_iface_validate(&f, collect, &l), 7);
    assert_int_equal(vr_iface_validate(&f, NULL, NULL), 7); /* no callback: counts only */
    const char *fields[] = {"name",       "type",       "localIp",       "remoteIp",
                            "subnetCidr", "dnsServers", "routingTableId"};
    for (int i = 0; i < 7; i++)
        assert_string_equal(l.e[i].field, fields[i]);
    vr_iface_clear(&f);
}

/* ---- comparison ---- */

typedef struct {
    char fields[256];
    char last_want[256], last_have[256];
} diff_list;

static void on_diff(void *ctx, const char *field, const char *want, const char *have)
{
    diff_list *d = ctx;
    size_t n = strlen(d->fields);
    snprintf(d->fields + n, sizeof(d->fields) - n, "%s%s", n ? "," : "", field);
    snprintf(d->last_want, sizeof(d->last_want), "%s", want);
    snprintf(d->last_have, sizeof(d->last_have), "%s", have);
}

static void test_compare(void **state)
{
    (void)state;
    vr_iface a, b;
    good_iface(&a);
    good_iface(&b);
    diff_list d = {"", "", ""};
    assert_int_equal(vr_iface_compare(&a, &b, on_diff, &d), 0);
    /* addresses compared as addresses; absent description equals "" */
    set(&a.local_ip, "2001:db8:1:0::1");
    set(&b.local_ip, "2001:db8:1::1");
    set(&a.subnet_cidr, "2001:DB8:1::/64");
    set(&b.subnet_cidr, "2001:db8:1::/64");
    set(&b.description, "");
    assert_int_equal(vr_iface_compare(&a, &b, NULL, NULL), 0);
    /* dnsServers is ordered */
    set(&b.dns[0], "8.8.4.4");
    set(&b.dns[1], "8.8.8.8");
    assert_int_equal(vr_iface_compare(&a, &b, on_diff, &d), 1);
    assert_string_equal(d.fields, "dnsServers");
    assert_string_equal(d.last_want, "[8.8.8.8, 8.8.4.4]");
    assert_string_equal(d.last_have, "[8.8.4.4, 8.8.8.8]");
    /* several fields, in the documented order */
    memset(&d, 0, sizeof(d));
    set(&b.type, "gre");
    set(&b.remote_ip, "203.0.113.11");
    set(&b.routing_table_id, "rt-edge");
    set(&b.description, "changed");
    assert_int_equal(vr_iface_compare(&a, &b, on_diff, &d), 5);
    assert_string_equal(d.fields, "type,remoteIp,dnsServers,routingTableId,description");
    assert_string_equal(d.last_want, "");
    assert_string_equal(d.last_have, "changed");
    vr_iface_clear(&a);
    vr_iface_clear(&b);
}

/* True when every string of f lies inside its one block. */
static bool all_in_block(const vr_iface *f)
{
    const char *const v[] = {f->name,        f->org_id,      f->type,   f->local_ip,
                             f->remote_ip,   f->subnet_cidr, f->dns[0], f->dns[1],
                             f->dns[2],      f->dns[3],      f->dns[4], f->routing_table_id,
                             f->description, f->id,          f->state,  f->date_created};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (v[i] && (!f->strs || v[i] < f->strs || v[i] >= f->strs + f->strs_size)) return false;
    return true;
}

/* ---- JSON codec ---- */

static void test_json_round_trip(void **state)
{
    (void)state;
    vr_iface f, g;
    good_iface(&f);
    f.org_id = vr_strdup("a1b2c3d4-e5f6-7890-abcd-ef1234567890");
    f.id = vr_strdup("8e3f2c1a-7b64-4c1e-9d51-0f6a2b3c4d5e");
    f.state = vr_strdup("active");
    f.date_created = vr_strdup("2026-11-24T10:00:00.000Z");
    f.description = vr_strdup("Production \"VNI\"");
    assert_int_equal(vr_iface_validate(&f, NULL, NULL), 0);
    cJSON *o = vr_iface_connection_json(&f);
    cJSON_AddStringToObject(o, "unknownField", "ignored");
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    cJSON *back = cJSON_Parse(text);
    free(text);
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_iface_from_json(&g, back, &err), 0);
    assert_string_equal(g.id, f.id);
    assert_string_equal(g.name, f.name);
    assert_string_equal(g.org_id, f.org_id);
    assert_string_equal(g.state, "active");
    assert_string_equal(g.date_created, f.date_created);
    assert_string_equal(g.description, "Production \"VNI\"");
    assert_int_equal(g.dns_count, 2);
    assert_true(vr_addr_equal(&g.local, &f.local));
    assert_int_equal(vr_iface_compare(&f, &g, NULL, NULL), 0);
    assert_true(all_in_block(&g)); /* one allocation for the whole connection */
    assert_string_equal(cJSON_GetObjectItem(back, "selfUri")->valuestring,
                        "/api/v2/organization/privateconnectivity/connections/"
                        "8e3f2c1a-7b64-4c1e-9d51-0f6a2b3c4d5e");
    cJSON_Delete(back);
    vr_iface_clear(&g);

    /* the create payload: no id, state or selfUri */
    cJSON *p = vr_iface_payload_json(&f);
    assert_null(cJSON_GetObjectItem(p, "id"));
    assert_null(cJSON_GetObjectItem(p, "state"));
    assert_string_equal(cJSON_GetObjectItem(p, "organizationId")->valuestring, f.org_id);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "dnsServers")), 2);
    cJSON_Delete(p);
    vr_iface_clear(&f);

    /* id and name are required strings; other fields of the wrong type are skipped */
    cJSON *bad = cJSON_Parse("{\"name\":\"x\",\"localIp\":5}");
    assert_int_equal(vr_iface_from_json(&g, bad, &err), -1);
    assert_string_equal(err.code, "bad.response");
    cJSON_Delete(bad);
    bad = cJSON_Parse("{\"id\":\"1\",\"name\":\"x\",\"localIp\":5,\"subnetCidr\":\"nope\"}");
    assert_int_equal(vr_iface_from_json(&g, bad, &err), 0);
    assert_null(g.local_ip);
    assert_int_equal(g.subnet.addr.family, VR_AF_NONE);
    vr_iface_clear(&g);
    cJSON_Delete(bad);
    bad = cJSON_Parse("[1]");
    assert_int_equal(vr_iface_from_json(&g, bad, &err), -1);
    cJSON_Delete(bad);
}

/* ---- an interface's strings: one block ---- */

static void test_iface_strings(void **state)
{
    (void)state;
    vr_iface f, g;
    good_iface(&f); /* every string its own allocation, as a caller may build one */
    f.id = vr_strdup("id-1");
    assert_null(f.strs);
    assert_false(all_in_block(&f));
    /* a copy holds them in one block of their exact size */
    vr_iface_copy(&g, &f);
    assert_non_null(g.strs);
    assert_true(all_in_block(&g));
    assert_int_equal(g.strs_size, strlen("arch-vni-prod-01") + strlen("ipconnect") +
                                      strlen("10.0.50.1") + strlen("203.0.113.10") +
                                      strlen("10.0.50.0/24") + strlen("8.8.8.8") +
                                      strlen("8.8.4.4") + strlen("rt-core") + strlen("id-1") + 9);
    assert_string_equal(g.name, "arch-vni-prod-01");
    assert_string_equal(g.dns[1], "8.8.4.4");
    assert_null(g.description);
    assert_int_equal(vr_iface_compare(&f, &g, NULL, NULL), 0);
    /* replacing one (even by another member's text) keeps the others and one block */
    vr_iface_set_str(&g, &g.description, g.name);
    assert_string_equal(g.description, "arch-vni-prod-01");
    vr_iface_set_str(&g, &g.name, "renamed");
    assert_string_equal(g.name, "renamed");
    assert_string_equal(g.description, "arch-vni-prod-01");
    assert_string_equal(g.routing_table_id, "rt-core");
    vr_iface_set_str(&g, &g.id, NULL);
    assert_null(g.id);
    assert_true(all_in_block(&g));
    /* a member that was NULL may still be set by hand: it is freed with the rest */
    g.state = vr_strdup("active");
    assert_false(all_in_block(&g));
    vr_iface_set_str(&g, &g.dns[0], "9.9.9.9"); /* packs the hand-set one too */
    assert_true(all_in_block(&g));
    assert_string_equal(g.state, "active");
    g.date_created = vr_strdup("2026-11-24T10:00:00.000Z");
    vr_iface_clear(&g); /* block and hand-set string: nothing leaks (ASan) */
    assert_null(g.strs);
    /* set_str on a caller-built interface frees the string it replaces */
    vr_iface_set_str(&f, &f.type, "gre");
    assert_string_equal(f.type, "gre");
    assert_true(all_in_block(&f));
    vr_iface_clear(&f);

    /* DNS addresses are parsed on demand */
    good_iface(&f);
    f.dns[2] = vr_strdup("not-an-address");
    f.dns_count = 3;
    assert_int_equal(vr_iface_dns_addr(&f, 0).family, VR_AF_V4);
    assert_int_equal(vr_iface_dns_addr(&f, 2).family, VR_AF_NONE);
    assert_int_equal(vr_iface_dns_addr(&f, 3).family, VR_AF_NONE); /* past dns_count */
    vr_addr want;
    vr_addr_parse(&want, "8.8.4.4");
    vr_addr got = vr_iface_dns_addr(&f, 1);
    assert_true(vr_addr_equal(&got, &want));
    /* positions become locations in the interface's file; an unknown one has no file */
    f.locs.file = "inv.yaml";
    f.locs.name = (vr_pos){13, 11};
    vr_loc l = vr_iface_loc(&f, f.locs.name);
    assert_string_equal(l.file, "inv.yaml");
    assert_int_equal(l.line, 13);
    assert_int_equal(l.column, 11);
    l = vr_iface_loc(&f, f.locs.remote_ip);
    assert_null(l.file);
    assert_int_equal(l.line, 0);
    vr_iface_clear(&f);
    /* an organization's interfaces: one with its own org_id, one sharing the organization's
     * (as the loader leaves them); dropping them frees the first's and leaves the second's */
    vr_inventory inv;
    memset(&inv, 0, sizeof(inv));
    vr_org *org = vr_inventory_add_org(&inv, "org-1");
    good_iface(&f);
    f.org_id = vr_strdup("org-1");
    vr_org_take_iface(org, &f);
    good_iface(&f);
    vr_iface *shared = vr_org_take_iface(org, &f);
    shared->org_id = org->id;
    assert_int_equal(org->count, 2);
    vr_org_drop_ifaces(org);
    assert_int_equal(org->count, 0);
    assert_null(org->ifaces);
    assert_string_equal(org->id, "org-1");
    good_iface(&f); /* and the inventory frees what it holds then */
    vr_org_take_iface(org, &f)->org_id = org->id;
    vr_inventory_free(&inv);
    /* the whole interface, addresses included, is 288 bytes (584 before the compaction) */
    assert_true(sizeof(vr_iface) <= 288);
    assert_int_equal(sizeof(vr_addr), 17);
}

/* ---- buffers, hashes, edit distance ---- */

static void test_buf(void **state)
{
    (void)state;
    vr_buf b = VR_BUF_INIT;
    assert_string_equal(vr_buf_str(&b), "");
    assert_int_equal(vr_buf_puts(&b, "abc"), 0);
    assert_int_equal(vr_buf_printf(&b, "-%d-%s", 42, "x"), 0);
    assert_string_equal(vr_buf_str(&b), "abc-42-x");
    assert_int_equal(b.len, 8);
    assert_int_equal(vr_buf_append(&b, "\0z", 2), 0); /* bytes, NUL included */
    assert_int_equal(b.len, 10);
    vr_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(vr_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        vr_buf_puts(&b, "0123456789");
    assert_int_equal(b.len, 10000);
    char *d = vr_buf_detach(&b);
    assert_int_equal(strlen(d), 10000);
    free(d);
    assert_null(b.data);
    assert_int_equal(b.len, 0);

    vr_buf m = VR_BUF_INIT;
    m.max = 8;
    assert_int_equal(vr_buf_puts(&m, "12345678"), 0);
    assert_false(m.overflow);
    assert_int_equal(vr_buf_puts(&m, "9"), -1);
    assert_true(m.overflow);
    assert_string_equal(vr_buf_str(&m), "12345678");
    vr_buf_free(&m);
    assert_null(m.data);
    d = vr_buf_detach(&m); /* an empty buffer detaches as "" */
    assert_string_equal(d, "");
    free(d);
}

static void test_sha256_hmac(void **state)
{
    (void)state;
    char hex[65];
    vr_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vr_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* RFC 4231 test cases 1 and 2 */
    unsigned char key1[20];
    memset(key1, 0x0b, sizeof(key1));
    vr_hmac_sha256_hex(key1, sizeof(key1), "Hi There", 8, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    vr_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* in pieces, the same digest as at once; nothing given is the empty digest */
    vr_sha256 h;
    vr_sha256_init(&h);
    vr_sha256_update(&h, "a", 1);
    vr_sha256_update(&h, "", 0);
    vr_sha256_update(&h, "bc", 2);
    vr_sha256_final_hex(&h, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_null(h.ctx);
    vr_sha256_init(&h);
    vr_sha256_final_hex(&h, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vr_sha256_init(&h);
    vr_sha256_update(&h, "dropped", 7);
    vr_sha256_discard(&h);
    assert_null(h.ctx);
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(vr_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(vr_edit_distance("", "abc"), 3);
    assert_int_equal(vr_edit_distance("localIp", "localIp"), 0);
    assert_int_equal(vr_edit_distance("locaIp", "localIp"), 1);
    assert_int_equal(vr_edit_distance("localip", "localIp"), 1);
    assert_int_equal(vr_edit_distance("remoteIp", "localIp"), 6);
    char longer[80];
    memset(longer, 'a', 79);
    longer[79] = '\0';
    assert_int_equal(vr_edit_distance(longer, "a"), (size_t)-1); /* past 64: no suggestion */
}

/* The one backoff (API calls and webhook): full jitter over 0 .. min(cap, base * 2^n). */
static void test_backoff_full_jitter(void **state)
{
    (void)state;
    /* random(0..ceiling): with rnd = ceiling the wait is the ceiling itself, with ceiling + 1
     * it wraps to 0: both ends are reached */
    int64_t ceilings[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (int n = 0; n < 9; n++) {
        assert_int_equal(vr_backoff_ms(500, 30000, n, (uint64_t)ceilings[n]), ceilings[n]);
        assert_int_equal(vr_backoff_ms(500, 30000, n, (uint64_t)ceilings[n] + 1), 0);
    }
    assert_int_equal(vr_backoff_ms(500, 30000, 100, UINT64_MAX), UINT64_MAX % 30001);
    assert_int_equal(vr_backoff_ms(250, 4000, 2, 1001), 1001 % 1001);
    assert_int_equal(vr_backoff_ms(0, 4000, 2, 77), 0);
}

/* A wait fitted into the time left, keeping time for the try after it. */
static void test_retry_wait_fits_the_time_left(void **state)
{
    (void)state;
    assert_int_equal(vr_retry_wait_ms(300, -1, 10000, 1000), 300);    /* fits as it is */
    assert_int_equal(vr_retry_wait_ms(300, 2000, 10000, 1000), 2000); /* Retry-After is a floor */
    assert_int_equal(vr_retry_wait_ms(5000, 2000, 10000, 1000), 5000);
    assert_int_equal(vr_retry_wait_ms(9500, -1, 10000, 1000), 9000); /* a backoff is cut */
    assert_int_equal(vr_retry_wait_ms(9500, 8000, 10000, 1000), 9000);
    assert_int_equal(vr_retry_wait_ms(100, 9500, 10000, 1000), -1); /* a Retry-After is not */
    assert_int_equal(vr_retry_wait_ms(100, -1, 500, 1000), -1);     /* no time for a try */
    assert_int_equal(vr_retry_wait_ms(100, 0, 1000, 1000), 0);
    assert_int_equal(vr_retry_wait_ms(0, -1, -5, 0), -1);
}

static void test_diags(void **state)
{
    (void)state;
    vr_diags d = VR_DIAGS_INIT;
    vr_loc b = {"b.yaml", 3, 1}, a2 = {"a.yaml", 10, 2}, a1 = {"a.yaml", 2, 5};
    vr_diags_add(&d, VR_SEV_ERROR, &b, "x", "third %d", 3);
    vr_diags_add(&d, VR_SEV_WARNING, NULL, "y", "last");
    vr_diags_add(&d, VR_SEV_ERROR, &a2, "x", "second");
    vr_diags_add(&d, VR_SEV_ERROR, &a1, "x", "first");
    assert_int_equal(d.errors, 3);
    assert_int_equal(d.warnings, 1);
    vr_diags_sort(&d);
    char *s = vr_diag_format(&d.items[0]);
    assert_string_equal(s, "a.yaml:2:5: error: first");
    free(s);
    s = vr_diag_format(&d.items[2]);
    assert_string_equal(s, "b.yaml:3:1: error: third 3");
    free(s);
    s = vr_diag_format(&d.items[3]);
    assert_string_equal(s, "warning: last");
    free(s);
    /* truncating drops the newest and their counts */
    vr_diags_add(&d, VR_SEV_WARNING, &b, "z", "later warning");
    vr_diags_add(&d, VR_SEV_ERROR, &b, "z", "later error");
    vr_diags_add(&d, VR_SEV_NOTE, &b, "z", "later note");
    assert_int_equal(d.errors, 4);
    assert_int_equal(d.warnings, 2);
    vr_diags_truncate(&d, 4);
    assert_int_equal(d.count, 4);
    assert_int_equal(d.errors, 3);
    assert_int_equal(d.warnings, 1);
    assert_string_equal(d.items[3].message, "last");
    vr_diags_truncate(&d, 10); /* more than there are: nothing */
    assert_int_equal(d.count, 4);
    vr_diags_free(&d);
}

/* True when s is valid UTF-8 (no check of overlongs: enough to see a cut sequence). */
static bool utf8_whole(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80) return false;
        p += n;
    }
    return true;
}

typedef struct {
    int calls;
    bool whole;
} utf8_seen;

static void utf8_cb(void *ctx, const char *field, int index, const char *code, const char *msg)
{
    (void)field;
    (void)index;
    (void)code;
    utf8_seen *u = ctx;
    u->calls++;
    u->whole = u->whole && utf8_whole(msg);
}

/* A message quoting a long non-ASCII value is cut at a character, never inside one (it goes
 * into JSON output, which must stay UTF-8). */
static void test_validate_messages_stay_utf8(void **state)
{
    (void)state;
    for (size_t pad = 0; pad < 4; pad++) {
        vr_buf b = VR_BUF_INIT;
        for (size_t i = 0; i < pad; i++)
            vr_buf_puts(&b, "x");
        for (int i = 0; i < 400; i++)
            vr_buf_puts(&b, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
        vr_iface f;
        memset(&f, 0, sizeof(f));
        f.name = vr_buf_detach(&b);
        f.type = vr_strdup(f.name);
        f.local_ip = vr_strdup(f.name);
        f.remote_ip = vr_strdup("203.0.113.1");
        f.subnet_cidr = vr_strdup(f.name);
        f.dns[0] = vr_strdup(f.name);
        f.dns_count = 1;
        f.routing_table_id = vr_strdup("rt-1");
        utf8_seen u = {0, true};
        assert_int_equal(vr_iface_validate(&f, utf8_cb, &u), 5);
        assert_int_equal(u.calls, 5);
        assert_true(u.whole);
        vr_iface_clear(&f);
    }
}

static void test_regions(void **state)
{
    (void)state;
    assert_string_equal(vr_regions_domain("eu-west-1"), "mypurecloud.ie");
    assert_string_equal(vr_regions_domain("MyPureCloud.IE"), "mypurecloud.ie");
    assert_string_equal(vr_regions_domain("ap-northeast-3"), "apne3.pure.cloud");
    assert_null(vr_regions_domain("mypurecloud.ei"));
    assert_null(vr_regions_domain(""));
    assert_null(vr_regions_domain(NULL));
    assert_string_equal(vr_regions_suggest("mypurecloud.ei"), "mypurecloud.ie");
    assert_string_equal(vr_regions_suggest("eu-west-9"), "eu-west-1");
    assert_null(vr_regions_suggest("example.org"));
}

static void test_text_escape(void **state)
{
    (void)state;
    assert_false(vr_text_needs_escape("arch-vni-01 caf\xc3\xa9"));
    assert_false(vr_text_needs_escape(NULL));
    assert_true(vr_text_needs_escape("a\x1b[2J"));
    assert_true(vr_text_needs_escape("line\nbreak"));
    assert_true(vr_text_needs_escape("c1 \xc2\x9b csi"));
    char *e = vr_text_escape("a\x1b[31m\nb\tc\rd\x7f \xc2\x9b \xc3\xa9 back\\slash");
    assert_string_equal(e, "a\\x1b[31m\\nb\\tc\\rd\\x7f \\u009b \xc3\xa9 back\\slash");
    free(e);
    e = vr_text_escape(NULL);
    assert_string_equal(e, "");
    free(e);
    vr_error err = VR_ERROR_INIT;
    vr_error_set(&err,
                 "bad\x1b"
                 "code",
                 "server said \x1b]0;owned\x07");
    vr_error_escape_controls(&err);
    assert_string_equal(err.code, "bad\\x1bcode");
    assert_string_equal(err.message, "server said \\x1b]0;owned\\x07");
}

/* A JSON number as an integer: range checked on the double, before any conversion. */
static void test_json_integer(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        long long min, max;
        int rc;
        long long want;
    } cases[] = {
        {"0", 0, 10, 0, 0},
        {"10", 0, 10, 0, 10},
        {"11", 0, 10, -1, 0},
        {"-1", 0, 10, -1, 0},
        {"-0", 0, 10, 0, 0},
        {"2.5", 0, 10, -1, 0},
        {"1e30", 0, LLONG_MAX, -1, 0},
        {"-1e30", LLONG_MIN, 0, -1, 0},
        {"1e300", 0, LLONG_MAX, -1, 0},
        {"1e999", 0, LLONG_MAX, -1, 0}, /* strtod: infinity */
        {"9007199254740992", 0, LLONG_MAX, 0, 9007199254740992LL},
        {"9007199254740994", 0, LLONG_MAX, -1, 0}, /* past 2^53: the bound is clamped */
        {"-9007199254740992", LLONG_MIN, 0, 0, -9007199254740992LL},
        {"2147483647", 1, 2147483647, 0, 2147483647},
        {"2147483648", 1, 2147483647, -1, 0},
        {"\"7\"", 0, 10, -1, 0},
        {"null", 0, 10, -1, 0},
        {"true", 0, 10, -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *v = cJSON_Parse(cases[i].json);
        assert_non_null(v);
        long long out = 12345;
        int rc = vr_json_integer(v, cases[i].min, cases[i].max, &out);
        if (rc != cases[i].rc) fail_msg("%s: returned %d", cases[i].json, rc);
        assert_int_equal(out, cases[i].rc == 0 ? cases[i].want : 12345); /* untouched on -1 */
        cJSON_Delete(v);
    }
    cJSON *nan = cJSON_CreateNumber(NAN);
    long long out = 1;
    assert_int_equal(vr_json_integer(nan, LLONG_MIN, LLONG_MAX, &out), -1);
    cJSON_Delete(nan);
    assert_int_equal(vr_json_integer(NULL, 0, 1, &out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_escape),
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_addr_format),
        cmocka_unit_test(test_addr_compare),
        cmocka_unit_test(test_cidr_parse),
        cmocka_unit_test(test_cidr_host_bits_network_last),
        cmocka_unit_test(test_cidr_contains),
        cmocka_unit_test(test_cidr_overlaps),
        cmocka_unit_test(test_cidr_find_overlaps),
        cmocka_unit_test(test_cidr_allowed_prefixes),
        cmocka_unit_test(test_validate_good),
        cmocka_unit_test(test_validate_name_and_type),
        cmocka_unit_test(test_validate_addresses),
        cmocka_unit_test(test_validate_subnet),
        cmocka_unit_test(test_validate_local_in_subnet),
        cmocka_unit_test(test_validate_dns_rt_description),
        cmocka_unit_test(test_validate_reports_every_field),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_iface_strings),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_sha256_hmac),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_diags),
        cmocka_unit_test(test_backoff_full_jitter),
        cmocka_unit_test(test_retry_wait_fits_the_time_left),
        cmocka_unit_test(test_regions),
        cmocka_unit_test(test_json_integer),
        cmocka_unit_test(test_validate_messages_stay_utf8),
    };
    return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
