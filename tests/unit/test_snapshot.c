/* test_snapshot: the recorded live state (state/<org>.json): a round trip keeps every field of
 * every connection, the limit and the routing tables, byte for byte on the second write;
 * malformed documents are refused with a message naming the key; another formatVersion is
 * refused as such. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "vr_plan.h"
#include "vr_snapshot.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
#define RUN "3ac00828-1c2e-4b21-9f1c-0e22e7deb7e2"
#define WHEN 1795514401234LL /* 2026-11-24T10:00:01.234Z */

static void conn(vr_iface *f, const char *id, const char *name, const char *local,
                 const char *remote, const char *subnet, const char *state)
{
    vr_test_iface(f, ORG, name, local, remote, subnet, "rt-core");
    f->id = vr_strdup(id);
    f->state = state ? vr_strdup(state) : NULL;
    f->date_created = vr_strdup("2026-11-24T09:00:00.000Z");
}

/* Three connections given out of name order, with awkward values; two routing tables, one
 * with nothing but its id. */
typedef struct {
    vr_iface live[3];
    vr_routing_table tables[2];
    vr_limits limits;
} fixture;

static void fixture_make(fixture *x)
{
    memset(x, 0, sizeof(*x));
    conn(&x->live[0], "id-2", "zeta-vni", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "failed");
    x->live[0].description = vr_strdup("quotes \" and \\ and\nnewline, ünïcode, 'single' # : {}");
    conn(&x->live[1], "id-1", "alpha-vni", "2001:db8:1::1", "2001:db8:ff::2", "2001:db8:1::/64",
         "active");
    free(x->live[1].dns[0]);
    x->live[1].dns[0] = vr_strdup("2001:db8::53");
    x->live[1].dns[1] = vr_strdup("1.1.1.1");
    x->live[1].dns[2] = vr_strdup("9.9.9.9");
    x->live[1].dns[3] = vr_strdup("8.8.4.4");
    x->live[1].dns_count = 4;
    conn(&x->live[2], "id-3", "true", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", NULL);
    x->live[2].description = vr_strdup("");
    x->tables[0].id = vr_strdup("rt-edge");
    x->tables[0].route_count = -1;
    x->tables[1].id = vr_strdup("rt-core");
    x->tables[1].name = vr_strdup("core");
    x->tables[1].current_hash = vr_strdup("abc123");
    x->tables[1].route_count = 7;
    x->tables[1].state = vr_strdup("converged");
    x->limits.connections_max = 64;
    x->limits.limit_defaulted = true;
}

static void fixture_free(fixture *x)
{
    for (int i = 0; i < 3; i++)
        vr_iface_clear(&x->live[i]);
    for (int i = 0; i < 2; i++)
        vr_routing_table_clear(&x->tables[i]);
}

static const vr_snapshot_meta META = {ORG, "drift", RUN, WHEN};

static void write_fixture(vr_buf *out, const fixture *x)
{
    assert_int_equal(vr_snapshot_write(out, &META, x->live, 3, &x->limits, x->tables, 2), 0);
}

static const vr_iface *find(const vr_iface_list *l, const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i].name, name) == 0) return &l->items[i];
    return NULL;
}

static void assert_str_or_null(const char *want, const char *got)
{
    if (!want)
        assert_null(got);
    else
        assert_string_equal(want, got);
}

static void test_round_trip(void **state)
{
    (void)state;
    fixture x;
    fixture_make(&x);
    vr_buf doc = VR_BUF_INIT;
    write_fixture(&doc, &x);

    vr_snapshot s;
    vr_error err = VR_ERROR_INIT;
    int rc = vr_snapshot_parse(&s, doc.data, doc.len, ORG, &err);
    if (rc) fprintf(stderr, "%s\n", err.message);
    assert_int_equal(rc, 0);
    assert_string_equal(s.org_id, ORG);
    assert_string_equal(s.command, "drift");
    assert_string_equal(s.run_id, RUN);
    assert_string_equal(s.tool_version, VR_VERSION);
    assert_string_equal(s.recorded_at, "2026-11-24T10:00:01.234Z");
    assert_int_equal(s.limits.connections_max, 64);
    assert_true(s.limits.limit_defaulted);
    char fp[65];
    vr_plan_live_fingerprint(x.live, 3, fp);
    assert_string_equal(s.live_fingerprint, fp);

    /* every field of every connection, written in name order */
    assert_int_equal(s.live.count, 3);
    assert_string_equal(s.live.items[0].name, "alpha-vni");
    assert_string_equal(s.live.items[1].name, "true");
    assert_string_equal(s.live.items[2].name, "zeta-vni");
    for (int i = 0; i < 3; i++) {
        const vr_iface *want = &x.live[i], *got = find(&s.live, want->name);
        assert_non_null(got);
        assert_int_equal(vr_iface_compare(want, got, NULL, NULL), 0);
        assert_string_equal(want->id, got->id);
        assert_string_equal(want->org_id, got->org_id);
        assert_str_or_null(want->description, got->description);
        assert_str_or_null(want->state, got->state);
        assert_string_equal(want->date_created, got->date_created);
        assert_int_equal(want->dns_count, got->dns_count);
        for (size_t k = 0; k < want->dns_count; k++)
            assert_string_equal(want->dns[k], got->dns[k]);
    }
    assert_int_equal(find(&s.live, "alpha-vni")->local.family, VR_AF_V6);

    /* the routing tables by id, absent values kept absent */
    assert_int_equal(s.tables.count, 2);
    assert_string_equal(s.tables.items[0].id, "rt-core");
    assert_string_equal(s.tables.items[0].name, "core");
    assert_string_equal(s.tables.items[0].current_hash, "abc123");
    assert_int_equal(s.tables.items[0].route_count, 7);
    assert_string_equal(s.tables.items[0].state, "converged");
    assert_string_equal(s.tables.items[1].id, "rt-edge");
    assert_null(s.tables.items[1].name);
    assert_null(s.tables.items[1].current_hash);
    assert_null(s.tables.items[1].state);
    assert_int_equal(s.tables.items[1].route_count, -1);

    /* what was read writes the same document again */
    vr_buf again = VR_BUF_INIT;
    vr_snapshot_meta meta = {s.org_id, s.command, s.run_id, WHEN};
    assert_int_equal(vr_snapshot_write(&again, &meta, s.live.items, s.live.count, &s.limits,
                                       s.tables.items, s.tables.count),
                     0);
    assert_string_equal(vr_buf_str(&again), vr_buf_str(&doc));
    assert_int_equal(doc.data[doc.len - 1], '\n');

    /* without an expected organization any organization's state is read */
    vr_snapshot_free(&s);
    assert_int_equal(vr_snapshot_parse(&s, doc.data, doc.len, NULL, &err), 0);
    vr_snapshot_free(&s);
    vr_buf_free(&again);
    vr_buf_free(&doc);
    fixture_free(&x);
}

static void test_empty_organization(void **state)
{
    (void)state;
    vr_limits limits = {50, false};
    vr_buf doc = VR_BUF_INIT;
    assert_int_equal(vr_snapshot_write(&doc, &META, NULL, 0, &limits, NULL, 0), 0);
    vr_snapshot s;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_snapshot_parse(&s, doc.data, doc.len, ORG, &err), 0);
    assert_int_equal(s.live.count, 0);
    assert_int_equal(s.tables.count, 0);
    assert_int_equal(s.limits.connections_max, 50);
    assert_false(s.limits.limit_defaulted);
    char fp[65];
    vr_plan_live_fingerprint(NULL, 0, fp);
    assert_string_equal(s.live_fingerprint, fp);
    vr_snapshot_free(&s);
    vr_buf_free(&doc);

    /* an incomplete description of the run is not written */
    vr_snapshot_meta no_run = {ORG, "drift", NULL, WHEN};
    assert_int_equal(vr_snapshot_write(&doc, &no_run, NULL, 0, &limits, NULL, 0), -1);
    assert_int_equal(doc.len, 0);
    vr_buf_free(&doc);
}

/* A change to the good document and the message its refusal must hold. */
typedef void (*mutate_fn)(cJSON *root);

static cJSON *conn_at(cJSON *root, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(root, "connections"), i);
}
static cJSON *table_at(cJSON *root, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(root, "routingTables"), i);
}
static void set(cJSON *obj, const char *key, cJSON *v)
{
    if (cJSON_GetObjectItem(obj, key))
        cJSON_ReplaceItemInObject(obj, key, v);
    else
        cJSON_AddItemToObject(obj, key, v);
}

static void m_no_version(cJSON *r)
{
    cJSON_DeleteItemFromObject(r, "formatVersion");
}
static void m_no_connections(cJSON *r)
{
    cJSON_DeleteItemFromObject(r, "connections");
}
static void m_other_org(cJSON *r)
{
    set(r, "organizationId", cJSON_CreateString("0f0e0d0c-0b0a-4998-8776-655443322110"));
}
static void m_limit_string(cJSON *r)
{
    set(r, "limit", cJSON_CreateString("50"));
}
static void m_limit_fraction(cJSON *r)
{
    set(r, "limit", cJSON_CreateNumber(1.5));
}
static void m_defaulted_string(cJSON *r)
{
    set(r, "limitDefaulted", cJSON_CreateString("no"));
}
static void m_command(cJSON *r)
{
    set(r, "command", cJSON_CreateString("plan"));
}
static void m_fingerprint_short(cJSON *r)
{
    set(r, "liveFingerprint", cJSON_CreateString("abc"));
}
static void m_connections_object(cJSON *r)
{
    set(r, "connections", cJSON_CreateObject());
}
static void m_conn_no_id(cJSON *r)
{
    cJSON_DeleteItemFromObject(conn_at(r, 0), "id");
}
static void m_conn_not_object(cJSON *r)
{
    cJSON_ReplaceItemInArray(cJSON_GetObjectItem(r, "connections"), 1, cJSON_CreateString("x"));
}
static void m_conn_ip_number(cJSON *r)
{
    set(conn_at(r, 1), "localIp", cJSON_CreateNumber(10));
}
static void m_conn_dns_number(cJSON *r)
{
    cJSON *dns = cJSON_GetObjectItem(conn_at(r, 0), "dnsServers");
    cJSON_ReplaceItemInArray(dns, 1, cJSON_CreateNumber(8));
}
static void m_conn_edited(cJSON *r)
{
    set(conn_at(r, 2), "remoteIp", cJSON_CreateString("203.0.113.99"));
}
static void m_conn_removed(cJSON *r)
{
    cJSON_DeleteItemFromArray(cJSON_GetObjectItem(r, "connections"), 2);
}
static void m_count(cJSON *r)
{
    set(r, "liveCount", cJSON_CreateNumber(4));
}
static void m_table_no_id(cJSON *r)
{
    cJSON_DeleteItemFromObject(table_at(r, 1), "id");
}
static void m_table_routes_string(cJSON *r)
{
    set(table_at(r, 0), "routeCount", cJSON_CreateString("7"));
}
static void m_table_name_missing(cJSON *r)
{
    cJSON_DeleteItemFromObject(table_at(r, 1), "name");
}

/* Numbers no integer holds: converting them before the range check was undefined behaviour
 * (the class fuzzing found in the plan file; reproducer in fixtures/fuzz/snapshot/). */
static void m_table_routes_1e300(cJSON *r)
{
    set(table_at(r, 0), "routeCount", cJSON_CreateNumber(1e300));
}
static void m_limit_minus_1e30(cJSON *r)
{
    set(r, "limit", cJSON_CreateNumber(-1e30));
}

static void test_malformed(void **state)
{
    (void)state;
    fixture x;
    fixture_make(&x);
    vr_buf doc = VR_BUF_INIT;
    write_fixture(&doc, &x);
    fixture_free(&x);

    static const struct {
        mutate_fn fn;
        const char *message;
    } cases[] = {
        {m_no_version, "lacks formatVersion; not a live state recorded by vni-reconcile"},
        {m_no_connections, "lacks connections"},
        {m_other_org, "organizationId is 0f0e0d0c-0b0a-4998-8776-655443322110; expected the "
                      "state of organization " ORG},
        {m_limit_string, "limit is not a number"},
        {m_limit_fraction, "limit is 1.5; expected a whole number"},
        {m_defaulted_string, "limitDefaulted is not true or false"},
        {m_command, "command is \"plan\"; expected apply or drift"},
        {m_fingerprint_short, "liveFingerprint is not 64 lower-case hex digits"},
        {m_connections_object, "connections is not an array"},
        {m_conn_no_id, "connections[0]: connection lacks a string id"},
        {m_conn_not_object, "connections[1]: is not an object"},
        {m_conn_ip_number, "connections[1]: localIp is not a string"},
        {m_conn_dns_number, "connections[0]: dnsServers[1] is not a string"},
        {m_conn_edited, "does not match the connections recorded"},
        {m_conn_removed, "liveCount is 3 but the file holds 2 connections"},
        {m_count, "liveCount is 4 but the file holds 3 connections"},
        {m_table_no_id, "routingTables[1]: lacks id"},
        {m_table_routes_string, "routingTables[0]: routeCount is not a number"},
        {m_table_name_missing, "routingTables[1]: lacks name"},
        {m_table_routes_1e300,
         "routingTables[0]: routeCount is 1e+300; expected a whole number from 0 to 1000000000"},
        {m_limit_minus_1e30, "limit is -1e+30; expected a whole number from 0 to 1000000000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *root = cJSON_Parse(doc.data);
        assert_non_null(root);
        cases[i].fn(root);
        char *text = cJSON_Print(root);
        cJSON_Delete(root);
        vr_snapshot s;
        vr_error err = VR_ERROR_INIT;
        int rc = vr_snapshot_parse(&s, text, strlen(text), ORG, &err);
        if (rc != -1 || !strstr(err.message, cases[i].message))
            fprintf(stderr, "case %zu: rc %d, message: %s\n", i, rc, err.message);
        assert_int_equal(rc, -1);
        assert_string_equal(err.code, "state.invalid");
        assert_non_null(strstr(err.message, cases[i].message));
        /* nothing half-read is handed back */
        assert_null(s.live.items);
        assert_int_equal(s.live.count, 0);
        assert_null(s.tables.items);
        assert_null(s.org_id);
        free(text);
    }

    /* text that is not one JSON object */
    static const struct {
        const char *text;
        const char *message;
    } raw[] = {
        {"", "not JSON (syntax error near byte 0)"},
        {"{\"formatVersion\": 1,", "not JSON"},
        {"[1, 2]", "not a JSON object"},
        {"null", "not a JSON object"},
        {"{} trailing", "text after the document at byte 3"},
    };
    for (size_t i = 0; i < sizeof raw / sizeof *raw; i++) {
        vr_snapshot s;
        vr_error err = VR_ERROR_INIT;
        assert_int_equal(vr_snapshot_parse(&s, raw[i].text, strlen(raw[i].text), ORG, &err), -1);
        assert_non_null(strstr(err.message, raw[i].message));
    }
    /* a document cut short is not JSON */
    vr_snapshot s;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_snapshot_parse(&s, doc.data, doc.len / 2, ORG, &err), -1);
    assert_non_null(strstr(err.message, "not JSON"));
    vr_buf_free(&doc);
}

static void test_version_mismatch(void **state)
{
    (void)state;
    vr_limits limits = {50, false};
    vr_buf doc = VR_BUF_INIT;
    assert_int_equal(vr_snapshot_write(&doc, &META, NULL, 0, &limits, NULL, 0), 0);
    assert_non_null(strstr(vr_buf_str(&doc), "\"formatVersion\":\t1,"));
    cJSON *versions[] = {cJSON_CreateNumber(2), cJSON_CreateNumber(0), cJSON_CreateString("1"),
                         cJSON_CreateNull()};
    const char *shown[] = {"formatVersion 2 ", "formatVersion 0 ", "formatVersion \"1\" ",
                           "formatVersion null "};
    for (size_t i = 0; i < 4; i++) {
        cJSON *root = cJSON_Parse(doc.data);
        cJSON_ReplaceItemInObject(root, "formatVersion", versions[i]);
        char *text = cJSON_Print(root);
        cJSON_Delete(root);
        vr_snapshot s;
        vr_error err = VR_ERROR_INIT;
        assert_int_equal(vr_snapshot_parse(&s, text, strlen(text), ORG, &err), -1);
        assert_string_equal(err.code, "state.version");
        assert_non_null(strstr(err.message, shown[i]));
        assert_non_null(strstr(err.message, "is not supported; vni-reconcile " VR_VERSION
                                            " reads formatVersion 1"));
        assert_non_null(strstr(err.message, "drift --audit-repo"));
        free(text);
    }
    vr_buf_free(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_organization),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_version_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
