/* test_planfile: plan file round trip, each read error, and the inventory's Git commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "vr_planfile.h"
#include "vr_util.h"

#include <cJSON.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#define ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

static void fill(vr_iface *f, const char *name, const char *local, const char *remote,
                 const char *subnet)
{
    vr_test_iface(f, ORG, name, local, remote, subnet, "rt-1");
    f->dns[1] = vr_strdup("2001:db8::53");
    f->dns_count = 2;
}

static void make_plan(vr_plan *plan)
{
    memset(plan, 0, sizeof(*plan));
    vr_inventory inv = {0};
    vr_org *org = vr_inventory_add_org(&inv, ORG);
    org->region = vr_strdup("eu-west-1");
    inv.sources = vr_xcalloc(1, sizeof(*inv.sources));
    inv.sources[0].path = vr_strdup("inventory/prod.yaml");
    vr_sha256_hex("x", 1, inv.sources[0].sha256);
    inv.source_count = 1;
    vr_iface f;
    fill(&f, "vni-new", "10.0.1.1", "203.0.113.1", "10.0.1.0/24");
    f.description = vr_strdup("new \"one\"\nline two");
    f.has_order = true;
    f.order = 3;
    vr_org_take_iface(org, &f);
    fill(&f, "vni-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24");
    vr_org_take_iface(org, &f);
    fill(&f, "vni-drift", "10.0.3.1", "203.0.113.3", "10.0.3.0/24");
    vr_org_take_iface(org, &f);
    vr_iface live[4];
    fill(&live[0], "vni-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24");
    fill(&live[1], "vni-drift", "10.0.3.1", "203.0.113.33", "10.0.3.0/24");
    fill(&live[2], "vni-old", "10.0.9.1", "203.0.113.9", "10.0.9.0/24");
    fill(&live[3], "foreign", "10.0.8.1", "203.0.113.8", "10.0.8.0/24");
    for (int i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof(id), "id-%d", i);
        live[i].id = vr_strdup(id);
        live[i].state = vr_strdup(i == 3 ? "provisioning" : "active");
        live[i].date_created = vr_strdup("2026-11-24T10:00:00.000Z");
    }
    vr_plan_table tables[] = {{"rt-1", "core"}};
    vr_plan_ctx ctx = {.limit = 4, .limit_defaulted = false, .tables = tables, .table_count = 1};
    vr_plan_opts_init(&ctx.opts);
    ctx.opts.prune = true;
    ctx.opts.managed_prefix = "vni-";
    vr_plan_set_meta(plan, &inv, 1795946401234LL);
    plan->git_commit = vr_strdup("0123456789abcdef0123456789abcdef01234567");
    assert_int_equal(vr_plan_org(vr_plan_add_org(plan), org, live, 4, &ctx), 0);
    for (int i = 0; i < 4; i++)
        vr_iface_clear(&live[i]);
    vr_inventory_free(&inv);
}

static void test_round_trip(void **state)
{
    vr_plan plan;
    make_plan(&plan);
    const vr_plan_org_result *w = &plan.orgs[0];
    assert_int_equal(w->action_count, 2);
    char *dir = vr_test_tmpdir("planfile");
    char path[600];
    snprintf(path, sizeof(path), "%s/plan.json", dir);
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_planfile_write(path, &plan, &err), 0);

    vr_plan back;
    assert_int_equal(vr_planfile_read(&back, path, &err), 0);
    assert_string_equal(back.tool_version, VR_VERSION);
    assert_string_equal(back.created_at, plan.created_at);
    assert_int_equal(back.file_count, 1);
    assert_string_equal(back.files[0].path, "inventory/prod.yaml");
    assert_string_equal(back.files[0].sha256, plan.files[0].sha256);
    assert_string_equal(back.git_commit, plan.git_commit);
    assert_int_equal(back.org_count, 1);
    const vr_plan_org_result *r = &back.orgs[0];
    assert_string_equal(r->org_id, ORG);
    assert_string_equal(w->region, "eu-west-1");
    assert_string_equal(r->region, "eu-west-1"); /* apply PLANFILE reaches the same host */
    assert_int_equal(r->limit, 4);
    assert_false(r->limit_defaulted);
    assert_int_equal(r->live_count, 4);
    assert_string_equal(r->live_fingerprint, w->live_fingerprint);
    assert_int_equal(r->action_count, 2);
    assert_int_equal(r->delete_count, 1);
    assert_int_equal(r->create_count, 1);
    /* delete: the live connection, id included */
    assert_int_equal(r->actions[0].seq, 1);
    assert_int_equal(r->actions[0].kind, VR_ACTION_DELETE);
    assert_string_equal(r->actions[0].name, "vni-old");
    assert_string_equal(r->actions[0].iface.id, "id-2");
    assert_string_equal(r->actions[0].reason, w->actions[0].reason);
    /* create: the full payload, parsed and validated */
    const vr_iface *c = &r->actions[1].iface;
    assert_int_equal(r->actions[1].seq, 2);
    assert_int_equal(r->actions[1].kind, VR_ACTION_CREATE);
    assert_string_equal(r->actions[1].reason, "missing live");
    assert_string_equal(c->name, "vni-new");
    assert_string_equal(c->org_id, ORG);
    assert_string_equal(c->local_ip, "10.0.1.1");
    assert_int_equal(c->local.family, VR_AF_V4);
    assert_string_equal(c->remote_ip, "203.0.113.1");
    assert_string_equal(c->subnet_cidr, "10.0.1.0/24");
    assert_int_equal(c->dns_count, 2);
    assert_string_equal(c->dns[1], "2001:db8::53");
    assert_string_equal(c->routing_table_id, "rt-1");
    assert_string_equal(c->description, "new \"one\"\nline two");
    assert_int_equal(vr_iface_compare(&w->actions[1].iface, c, NULL, NULL), 0);
    /* the rest */
    assert_int_equal(r->unchanged_count, 1);
    assert_string_equal(r->unchanged[0].name, "vni-same");
    assert_string_equal(r->unchanged[0].id, "id-0");
    assert_int_equal(r->drift_count, 1);
    assert_string_equal(r->drift[0].fields[0].field, "remoteIp");
    assert_string_equal(r->drift[0].fields[0].live, "203.0.113.33");
    assert_int_equal(r->unmanaged_count, 2);
    assert_int_equal(r->not_active_count, 1);
    assert_string_equal(r->not_active[0].state, "provisioning");
    assert_int_equal(r->diags.count, w->diags.count);
    for (size_t i = 0; i < r->diags.count; i++) {
        assert_string_equal(r->diags.items[i].code, w->diags.items[i].code);
        assert_string_equal(r->diags.items[i].message, w->diags.items[i].message);
        assert_int_equal(r->diags.items[i].severity, w->diags.items[i].severity);
    }
    assert_int_equal(r->diags.errors, w->diags.errors);

    /* written again, the same document */
    vr_buf a = VR_BUF_INIT, b = VR_BUF_INIT;
    vr_planfile_serialize(&a, &plan);
    vr_planfile_serialize(&b, &back);
    assert_string_equal(vr_buf_str(&a), vr_buf_str(&b));
    vr_buf_free(&a);
    vr_buf_free(&b);
    vr_plan_free(&back);
    vr_plan_free(&plan);
    vr_test_rm_rf(dir);
    free(dir);
}

/* A plan with replacements: a delete, a drifted interface that moves to another table and a
 * failed one, each replaced, then a create; with the options it was made with. */
static void make_replace_plan(vr_plan *plan)
{
    memset(plan, 0, sizeof(*plan));
    vr_inventory inv = {0};
    vr_org *org = vr_inventory_add_org(&inv, ORG);
    vr_iface f;
    fill(&f, "vni-moved", "10.0.3.1", "203.0.113.3", "10.0.3.0/24");
    free(f.routing_table_id);
    f.routing_table_id = vr_strdup("rt-2");
    vr_org_take_iface(org, &f);
    fill(&f, "vni-broken", "10.0.4.1", "203.0.113.4", "10.0.4.0/24");
    vr_org_take_iface(org, &f);
    fill(&f, "vni-new", "10.0.1.1", "203.0.113.1", "10.0.1.0/24");
    vr_org_take_iface(org, &f);
    vr_iface live[3];
    fill(&live[0], "vni-moved", "10.0.3.1", "203.0.113.33", "10.0.3.0/24");
    fill(&live[1], "vni-broken", "10.0.4.1", "203.0.113.4", "10.0.4.0/24");
    fill(&live[2], "vni-old", "10.0.9.1", "203.0.113.9", "10.0.9.0/24");
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof(id), "id-%d", i);
        live[i].id = vr_strdup(id);
        live[i].state = vr_strdup(i == 1 ? "failed" : "active");
    }
    vr_plan_table tables[] = {{"rt-1", "core"}, {"rt-2", "edge"}};
    vr_plan_ctx ctx = {.limit = 10, .tables = tables, .table_count = 2};
    vr_plan_opts_init(&ctx.opts);
    const char *names[] = {"vni-broken"};
    ctx.opts.prune = true;
    ctx.opts.managed_prefix = "vni-";
    ctx.opts.replace = names;
    ctx.opts.replace_count = 1;
    ctx.opts.replace_drifted = true;
    ctx.opts.max_replaces = 2;
    vr_plan_set_meta(plan, &inv, 1795946401234LL);
    vr_plan_record_opts(plan, &ctx.opts);
    assert_int_equal(vr_plan_org(vr_plan_add_org(plan), org, live, 3, &ctx), 0);
    for (int i = 0; i < 3; i++)
        vr_iface_clear(&live[i]);
    vr_inventory_free(&inv);
}

static void test_round_trip_replace(void **state)
{
    vr_plan plan;
    make_replace_plan(&plan);
    const vr_plan_org_result *w = &plan.orgs[0];
    assert_int_equal(w->action_count, 4);
    assert_int_equal(w->replace_count, 2);
    vr_buf text = VR_BUF_INIT;
    assert_int_equal(vr_planfile_serialize(&text, &plan), 0);
    cJSON *doc = cJSON_Parse(vr_buf_str(&text));
    assert_non_null(doc);
    /* the document: "action": "replace", the create payload, "replaces" */
    cJSON *acts = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "organizations"), 0), "actions");
    cJSON *moved = cJSON_GetArrayItem(acts, 2);
    assert_string_equal(cJSON_GetObjectItem(moved, "action")->valuestring, "replace");
    assert_string_equal(cJSON_GetObjectItem(moved, "name")->valuestring, "vni-moved");
    cJSON *payload = cJSON_GetObjectItem(moved, "payload");
    assert_null(cJSON_GetObjectItem(payload, "id")); /* a create payload */
    assert_string_equal(cJSON_GetObjectItem(payload, "routingTableId")->valuestring, "rt-2");
    cJSON *rp = cJSON_GetObjectItem(moved, "replaces");
    assert_string_equal(cJSON_GetObjectItem(rp, "id")->valuestring, "id-0");
    assert_string_equal(cJSON_GetObjectItem(rp, "state")->valuestring, "active");
    assert_string_equal(cJSON_GetObjectItem(rp, "routingTableId")->valuestring, "rt-1");
    cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(rp, "fields"), 0);
    assert_string_equal(cJSON_GetObjectItem(f0, "field")->valuestring, "remoteIp");
    assert_string_equal(cJSON_GetObjectItem(f0, "want")->valuestring, "203.0.113.3");
    assert_string_equal(cJSON_GetObjectItem(f0, "live")->valuestring, "203.0.113.33");
    cJSON *opts = cJSON_GetObjectItem(doc, "options");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(opts, "replaceDrifted")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(opts, "replaceFailed")));
    assert_int_equal(cJSON_GetObjectItem(opts, "maxReplaces")->valueint, 2);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(opts, "replace"), 0)->valuestring,
                        "vni-broken");
    cJSON_Delete(doc);

    vr_plan back;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_planfile_parse(&back, text.data, text.len, &err), 0);
    const vr_plan_org_result *r = &back.orgs[0];
    assert_int_equal(r->action_count, 4);
    assert_int_equal(r->delete_count, 1);
    assert_int_equal(r->replace_count, 2);
    assert_int_equal(r->create_count, 1);
    vr_action_kind kinds[] = {VR_ACTION_DELETE, VR_ACTION_REPLACE, VR_ACTION_REPLACE,
                              VR_ACTION_CREATE};
    for (size_t i = 0; i < 4; i++) {
        const vr_plan_action *a = &r->actions[i], *x = &w->actions[i];
        assert_int_equal(a->kind, kinds[i]);
        assert_string_equal(a->name, x->name);
        assert_string_equal(a->reason, x->reason);
        if (a->kind == VR_ACTION_DELETE) continue;
        assert_int_equal(vr_iface_compare(&x->iface, &a->iface, NULL, NULL), 0);
        if (a->kind != VR_ACTION_REPLACE) continue;
        assert_string_equal(a->replaces.id, x->replaces.id);
        assert_string_equal(a->replaces.state, x->replaces.state);
        assert_string_equal(a->replaces.routing_table_id, x->replaces.routing_table_id);
        assert_int_equal(a->replaces.field_count, x->replaces.field_count);
        for (size_t k = 0; k < a->replaces.field_count; k++) {
            assert_string_equal(a->replaces.fields[k].field, x->replaces.fields[k].field);
            assert_string_equal(a->replaces.fields[k].want, x->replaces.fields[k].want);
            assert_string_equal(a->replaces.fields[k].live, x->replaces.fields[k].live);
        }
    }
    assert_string_equal(r->actions[1].name, "vni-broken"); /* core before edge */
    assert_string_equal(r->actions[1].replaces.state, "failed");
    assert_true(back.options.recorded);
    assert_true(back.options.prune);
    assert_true(back.options.replace_drifted);
    assert_int_equal(back.options.max_replaces, 2);
    assert_int_equal(back.options.replace_count, 1);
    assert_string_equal(back.options.replace[0], "vni-broken");
    /* written again, the same document */
    vr_buf again = VR_BUF_INIT;
    vr_planfile_serialize(&again, &back);
    assert_string_equal(vr_buf_str(&text), vr_buf_str(&again));
    vr_buf_free(&again);
    vr_buf_free(&text);
    vr_plan_free(&back);
    vr_plan_free(&plan);
}

/* Serialises a test plan (made by make), lets edit change the document, and parses it back. */
static int parse_edited_with(void (*make)(vr_plan *), void (*edit)(cJSON *root), vr_error *err)
{
    vr_plan plan;
    make(&plan);
    cJSON *root = vr_planfile_to_json(&plan);
    vr_plan_free(&plan);
    edit(root);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    vr_plan back;
    vr_error_clear(err);
    int rc = vr_planfile_parse(&back, text, strlen(text), err);
    free(text);
    if (rc == 0)
        vr_plan_free(&back);
    else
        assert_int_equal(back.org_count, 0); /* left empty */
    return rc;
}

static int parse_edited(void (*edit)(cJSON *root), vr_error *err)
{
    return parse_edited_with(make_plan, edit, err);
}

static cJSON *org0(cJSON *root)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(root, "organizations"), 0);
}
static cJSON *action(cJSON *root, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(org0(root), "actions"), i);
}

static void edit_none(cJSON *root) {}
static void edit_version2(cJSON *root)
{
    cJSON_ReplaceItemInObject(root, "formatVersion", cJSON_CreateNumber(2));
}
static void edit_version_string(cJSON *root)
{
    cJSON_ReplaceItemInObject(root, "formatVersion", cJSON_CreateString("1"));
}
static void edit_no_version(cJSON *root)
{
    cJSON_DeleteItemFromObject(root, "formatVersion");
}
static void edit_no_fingerprint(cJSON *root)
{
    cJSON_DeleteItemFromObject(org0(root), "liveFingerprint");
}
static void edit_short_fingerprint(cJSON *root)
{
    cJSON_ReplaceItemInObject(org0(root), "liveFingerprint", cJSON_CreateString("abc"));
}
static void edit_no_org_id(cJSON *root)
{
    cJSON_DeleteItemFromObject(org0(root), "id");
}
static void edit_no_inventory(cJSON *root)
{
    cJSON_DeleteItemFromObject(root, "inventory");
}
static void edit_no_unchanged(cJSON *root)
{
    cJSON_DeleteItemFromObject(org0(root), "unchanged");
}
static void edit_bad_action(cJSON *root)
{
    cJSON_ReplaceItemInObject(action(root, 1), "action", cJSON_CreateString("update"));
}
static void edit_bad_seq(cJSON *root)
{
    cJSON_ReplaceItemInObject(action(root, 1), "seq", cJSON_CreateNumber(7));
}
static void edit_bad_payload_ip(cJSON *root)
{
    cJSON *p = cJSON_GetObjectItem(action(root, 1), "payload");
    cJSON_ReplaceItemInObject(p, "localIp", cJSON_CreateString("10.0.1.999"));
}
static void edit_payload_missing_field(cJSON *root)
{
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(action(root, 1), "payload"), "subnetCidr");
}
static void edit_payload_name(cJSON *root)
{
    cJSON *p = cJSON_GetObjectItem(action(root, 1), "payload");
    cJSON_ReplaceItemInObject(p, "name", cJSON_CreateString("vni-other"));
}
static void edit_delete_without_id(cJSON *root)
{
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(action(root, 0), "payload"), "id");
}
static void edit_delete_after_create(cJSON *root)
{
    cJSON *acts = cJSON_GetObjectItem(org0(root), "actions");
    cJSON *first = cJSON_DetachItemFromArray(acts, 0);
    cJSON_AddItemToArray(acts, first);
    cJSON_ReplaceItemInObject(action(root, 0), "seq", cJSON_CreateNumber(1));
    cJSON_ReplaceItemInObject(action(root, 1), "seq", cJSON_CreateNumber(2));
}
static void edit_unknown_key(cJSON *root)
{
    cJSON_AddStringToObject(root, "later", "ignored");
}
static void edit_null_commit(cJSON *root)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(root, "inventory"), "gitCommit",
                              cJSON_CreateNull());
}

static void edit_no_region(cJSON *root)
{
    cJSON_DeleteItemFromObject(org0(root), "region");
}
static void edit_bad_region(cJSON *root)
{
    cJSON_ReplaceItemInObject(org0(root), "region", cJSON_CreateNumber(5));
}

/* Numbers no integer holds: converting them before the range check was undefined behaviour
 * (found by fuzzing; reproducers in fixtures/fuzz/planfile/). */
static void edit_limit_1e30(cJSON *root)
{
    cJSON_ReplaceItemInObject(org0(root), "limit", cJSON_CreateNumber(1e30));
}
static void edit_limit_minus_1e30(cJSON *root)
{
    cJSON_ReplaceItemInObject(org0(root), "limit", cJSON_CreateNumber(-1e30));
}
static void edit_seq_1e300(cJSON *root)
{
    cJSON_ReplaceItemInObject(action(root, 0), "seq", cJSON_CreateNumber(1e300));
}
static void edit_live_count_fraction(cJSON *root)
{
    cJSON_ReplaceItemInObject(org0(root), "liveCount", cJSON_CreateNumber(2.5));
}
static void edit_limit_past_count_max(cJSON *root)
{
    cJSON_ReplaceItemInObject(org0(root), "limit", cJSON_CreateNumber(1e15 + 1));
}
static void edit_limit_count_max(cJSON *root)
{
    cJSON_ReplaceItemInObject(org0(root), "limit", cJSON_CreateNumber(1e15));
}

/* Edits of the replacement plan (actions: delete, replace, replace, create). */
static void edit_no_replaces(cJSON *root)
{
    cJSON_DeleteItemFromObject(action(root, 1), "replaces");
}
static void edit_replaces_no_id(cJSON *root)
{
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(action(root, 1), "replaces"), "id");
}
static void edit_replaces_bad_field(cJSON *root)
{
    cJSON *fields = cJSON_GetObjectItem(cJSON_GetObjectItem(action(root, 2), "replaces"), "fields");
    cJSON_DeleteItemFromObject(cJSON_GetArrayItem(fields, 0), "live");
}
static void edit_replace_payload_ip(cJSON *root)
{
    cJSON *p = cJSON_GetObjectItem(action(root, 2), "payload");
    cJSON_ReplaceItemInObject(p, "localIp", cJSON_CreateString("10.0.3.0"));
}
static void edit_replace_after_create(cJSON *root)
{
    cJSON *acts = cJSON_GetObjectItem(org0(root), "actions");
    cJSON *moved = cJSON_DetachItemFromArray(acts, 2);
    cJSON_AddItemToArray(acts, moved);
    for (int i = 0; i < 4; i++)
        cJSON_ReplaceItemInObject(action(root, i), "seq", cJSON_CreateNumber(i + 1));
}
static void edit_options_bad(cJSON *root)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(root, "options"), "maxReplaces",
                              cJSON_CreateString("2"));
}
static void edit_options_bad_name(cJSON *root)
{
    cJSON *names = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "options"), "replace");
    cJSON_ReplaceItemInArray(names, 0, cJSON_CreateString("../x"));
}
static void edit_no_options(cJSON *root)
{
    cJSON_DeleteItemFromObject(root, "options");
}

static void expect_error_with(void (*make)(vr_plan *), void (*edit)(cJSON *), const char *needle)
{
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(parse_edited_with(make, edit, &err), -1);
    assert_string_equal(err.code, "plan.invalid");
    if (!strstr(err.message, needle)) fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_read_errors_replace(void **state)
{
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(parse_edited_with(make_replace_plan, edit_none, &err), 0);
    /* written before options were recorded: read, not recorded */
    assert_int_equal(parse_edited_with(make_replace_plan, edit_no_options, &err), 0);
    expect_error_with(make_replace_plan, edit_no_replaces,
                      "organizations[0].actions[1]: lacks replaces");
    expect_error_with(make_replace_plan, edit_replaces_no_id,
                      "organizations[0].actions[1].replaces: lacks id");
    expect_error_with(make_replace_plan, edit_replaces_bad_field,
                      "actions[2].replaces.fields[0]: lacks live");
    expect_error_with(make_replace_plan, edit_replace_payload_ip,
                      "organizations[0].actions[2].payload: localIp");
    expect_error_with(make_replace_plan, edit_replace_after_create,
                      "actions[3]: replace after a create; deletions come first");
    expect_error_with(make_replace_plan, edit_options_bad, "options: maxReplaces is not a number");
    expect_error_with(make_replace_plan, edit_options_bad_name,
                      "options: replace[0] is not an interface name");
}

static void expect_error(void (*edit)(cJSON *), const char *needle)
{
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(parse_edited(edit, &err), -1);
    assert_string_equal(err.code, "plan.invalid");
    if (!strstr(err.message, needle)) fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_read_errors(void **state)
{
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(parse_edited(edit_none, &err), 0);
    assert_int_equal(parse_edited(edit_unknown_key, &err), 0);
    assert_int_equal(parse_edited(edit_null_commit, &err), 0);
    assert_int_equal(parse_edited(edit_no_region, &err), 0); /* written before regions were kept */
    expect_error(edit_bad_region, "organizations[0]: region is not a non-empty string or null");
    expect_error(edit_version2, "formatVersion 2 is not supported");
    expect_error(edit_version_string, "formatVersion \"1\" is not supported");
    expect_error(edit_no_version, "lacks formatVersion");
    expect_error(edit_no_fingerprint, "organizations[0]: lacks liveFingerprint");
    expect_error(edit_short_fingerprint, "liveFingerprint is not 64");
    expect_error(edit_no_org_id, "organizations[0]: lacks id");
    expect_error(edit_no_inventory, "lacks inventory");
    expect_error(edit_no_unchanged, "organizations[0]: lacks unchanged");
    expect_error(edit_bad_action, "organizations[0].actions[1]: action is \"update\"");
    expect_error(edit_bad_seq, "seq is 7; expected 2");
    expect_error(edit_bad_payload_ip, "organizations[0].actions[1].payload: localIp");
    expect_error(edit_payload_missing_field, "payload: lacks subnetCidr");
    expect_error(edit_payload_name, "differs from the action's name");
    expect_error(edit_delete_without_id, "actions[0].payload");
    expect_error(edit_delete_after_create, "delete after a create");
    expect_error(edit_limit_1e30,
                 "organizations[0]: limit is 1e+30; expected a whole number from 0 to "
                 "1000000000000000");
    expect_error(edit_limit_minus_1e30, "limit is -1e+30; expected a whole number");
    expect_error(edit_seq_1e300, "actions[0]: seq is 1e+300; expected a whole number from 1");
    expect_error(edit_live_count_fraction, "liveCount is 2.5; expected a whole number");
    expect_error(edit_limit_past_count_max, "limit is 1e+15; expected a whole number");
    assert_int_equal(parse_edited(edit_limit_count_max, &err), 0);

    vr_plan back;
    const char *not_json = "{\"formatVersion\": 1,";
    assert_int_equal(vr_planfile_parse(&back, not_json, strlen(not_json), &err), -1);
    assert_non_null(strstr(err.message, "not JSON"));
    const char *array = "[1, 2]";
    assert_int_equal(vr_planfile_parse(&back, array, strlen(array), &err), -1);
    assert_non_null(strstr(err.message, "not a JSON object"));
    const char *trailing = "{} x";
    assert_int_equal(vr_planfile_parse(&back, trailing, strlen(trailing), &err), -1);
    assert_non_null(strstr(err.message, "not JSON"));
}

/* A plan made against a recorded state (plan --from-audit) shows where the state came from,
 * and is never written as a plan file nor read as one. */
static void test_recorded_never_applied(void **state)
{
    vr_plan plan;
    make_plan(&plan);
    vr_plan_recorded_state *rec = &plan.orgs[0].recorded_state;
    rec->branch = vr_strdup("vni-audit");
    rec->commit = vr_strdup("0123456789abcdef0123456789abcdef01234567");
    rec->recorded_at = vr_strdup("2026-11-24T10:00:01.234Z");
    rec->command = vr_strdup("drift");
    cJSON *root = vr_planfile_to_json(&plan);
    const cJSON *r = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(root, "organizations"), 0), "recordedState");
    assert_non_null(r);
    assert_string_equal(cJSON_GetObjectItem(r, "branch")->valuestring, "vni-audit");
    assert_string_equal(cJSON_GetObjectItem(r, "commit")->valuestring, rec->commit);
    assert_string_equal(cJSON_GetObjectItem(r, "recordedAt")->valuestring, rec->recorded_at);
    assert_string_equal(cJSON_GetObjectItem(r, "command")->valuestring, "drift");
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    vr_plan back;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_planfile_parse(&back, text, strlen(text), &err), -1);
    assert_string_equal(err.code, "plan.invalid");
    assert_non_null(strstr(err.message, "organizations[0]: was planned against a recorded state "
                                        "(plan --from-audit)"));
    assert_non_null(strstr(err.message, "can never be applied"));
    free(text);

    char *dir = vr_test_tmpdir("planfile-rec");
    char path[600];
    snprintf(path, sizeof(path), "%s/plan.json", dir);
    assert_int_equal(vr_planfile_write(path, &plan, &err), -1);
    assert_string_equal(err.code, "plan.recorded");
    assert_non_null(strstr(err.message, "can never be applied"));
    assert_int_equal(access(path, F_OK), -1); /* nothing written */
    vr_test_rm_rf(dir);
    free(dir);

    /* the same plan without the recorded state is an ordinary one */
    free(rec->commit);
    rec->commit = NULL;
    root = vr_planfile_to_json(&plan);
    assert_null(cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(root, "organizations"), 0), "recordedState"));
    cJSON_Delete(root);
    vr_plan_free(&plan);
}

static void test_read_file_errors(void **state)
{
    vr_plan back;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_planfile_read(&back, "/nonexistent/plan.json", &err), -1);
    assert_non_null(strstr(err.message, "plan file /nonexistent/plan.json: cannot read"));
    char *dir = vr_test_tmpdir("planfile");
    char path[600];
    snprintf(path, sizeof(path), "%s/plan.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("hello", f);
    fclose(f);
    assert_int_equal(vr_planfile_read(&back, path, &err), -1);
    assert_non_null(strstr(err.message, "plan file "));
    assert_non_null(strstr(err.message, ": not JSON"));
    vr_plan_free(&back);
    vr_test_rm_rf(dir);
    free(dir);
}

/* ---- git -------------------------------------------------------------------------------- */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Commits rel (already written) in repo; returns the commit id in hex (41 bytes). */
static void commit_file(git_repository *repo, const char *rel, char *hex_out)
{
    git_index *index;
    git_oid tree_id, commit_id, parent_id;
    git_tree *tree;
    git_signature *sig;
    assert_int_equal(git_repository_index(&index, repo), 0);
    assert_int_equal(git_index_add_bypath(index, rel), 0);
    assert_int_equal(git_index_write(index), 0);
    assert_int_equal(git_index_write_tree(&tree_id, index), 0);
    assert_int_equal(git_tree_lookup(&tree, repo, &tree_id), 0);
    assert_int_equal(git_signature_new(&sig, "test", "test@example.com", 1795946401, 0), 0);
    git_commit *parent = NULL;
    if (git_reference_name_to_id(&parent_id, repo, "HEAD") == 0)
        assert_int_equal(git_commit_lookup(&parent, repo, &parent_id), 0);
    const git_commit *parents[1] = {parent};
    assert_int_equal(git_commit_create(&commit_id, repo, "HEAD", sig, sig, NULL, "inventory", tree,
                                       parent ? 1 : 0, parents),
                     0);
    git_oid_tostr(hex_out, 41, &commit_id);
    git_commit_free(parent);
    git_signature_free(sig);
    git_tree_free(tree);
    git_index_free(index);
}

static void test_git_commit(void **state)
{
    git_libgit2_init();
    char *dir = vr_test_tmpdir("planfile");
    char repo_dir[600], file1[700], file2[700], outside[600];
    snprintf(repo_dir, sizeof(repo_dir), "%s/repo", dir);
    git_repository *repo;
    assert_int_equal(git_repository_init(&repo, repo_dir, 0), 0);
    char sub[650];
    snprintf(sub, sizeof(sub), "%s/inventory", repo_dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(file1, sizeof(file1), "%s/inventory/prod.yaml", repo_dir);
    snprintf(file2, sizeof(file2), "%s/inventory/lab.yaml", repo_dir);
    write_text(file1, "a: 1\n");
    write_text(file2, "b: 2\n");

    char *commit = NULL;
    bool dirty = true;
    vr_error err = VR_ERROR_INIT;
    const char *paths[] = {file1, file2};
    /* unborn HEAD: no commit yet */
    assert_int_equal(vr_planfile_git_commit(&commit, &dirty, paths, 2, &err), 0);
    assert_null(commit);

    char hex[41];
    commit_file(repo, "inventory/prod.yaml", hex);
    commit_file(repo, "inventory/lab.yaml", hex);
    assert_int_equal(vr_planfile_git_commit(&commit, &dirty, paths, 2, &err), 0);
    assert_non_null(commit);
    assert_string_equal(commit, hex);
    assert_false(dirty);
    free(commit);

    /* a modified file: same commit, marked dirty */
    write_text(file2, "b: 3\n");
    assert_int_equal(vr_planfile_git_commit(&commit, &dirty, paths, 2, &err), 0);
    assert_string_equal(commit, hex);
    assert_true(dirty);
    free(commit);

    /* a file outside any repository, and stdin: no commit */
    snprintf(outside, sizeof(outside), "%s/loose.yaml", dir);
    write_text(outside, "c: 1\n");
    const char *mixed[] = {file1, outside};
    assert_int_equal(vr_planfile_git_commit(&commit, &dirty, mixed, 2, &err), 0);
    assert_null(commit);
    const char *stdin_path[] = {"-"};
    assert_int_equal(vr_planfile_git_commit(&commit, NULL, stdin_path, 1, &err), 0);
    assert_null(commit);
    assert_int_equal(vr_planfile_git_commit(&commit, NULL, NULL, 0, &err), 0);
    assert_null(commit);

    git_repository_free(repo);
    vr_test_rm_rf(dir);
    free(dir);
    git_libgit2_shutdown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_round_trip_replace),
        cmocka_unit_test(test_read_errors_replace),
        cmocka_unit_test(test_recorded_never_applied),
        cmocka_unit_test(test_read_file_errors),
        cmocka_unit_test(test_git_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
