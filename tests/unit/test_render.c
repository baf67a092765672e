/* test_render: text (with and without color), JSON, Markdown (size bound), summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "vr_render.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

static void fill(vr_iface *f, const char *name, const char *local, const char *remote,
                 const char *subnet)
{
    vr_test_iface(f, ORG, name, local, remote, subnet, "rt-1");
}

/* A plan with one of everything: a delete, a create, a drift, an unchanged, an unmanaged, a
 * connection not active, an error and a note. Built through vr_plan_org, as cmd/ would. */
static void small_plan(vr_plan *plan)
{
    memset(plan, 0, sizeof(*plan));
    vr_inventory inv = {0};
    vr_org *org = vr_inventory_add_org(&inv, ORG);
    vr_iface f;
    fill(&f, "vni-new", "10.0.1.1", "203.0.113.1", "10.0.1.0/24");
    f.description = vr_strdup("pipe | and <b>");
    vr_org_take_iface(org, &f);
    fill(&f, "vni-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24");
    vr_org_take_iface(org, &f);
    fill(&f, "vni-drift", "10.0.3.1", "203.0.113.3", "10.0.3.0/24");
    vr_org_take_iface(org, &f);
    fill(&f, "vni-over", "10.0.4.1", "203.0.113.4", "10.0.4.0/24");
    vr_org_take_iface(org, &f);
    vr_iface live[5];
    fill(&live[0], "vni-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24");
    fill(&live[1], "vni-drift", "10.0.3.1", "203.0.113.33", "10.0.3.0/24");
    fill(&live[2], "vni-old", "10.0.9.1", "203.0.113.9", "10.0.9.0/24");
    fill(&live[3], "foreign", "10.0.8.1", "203.0.113.8", "10.0.8.0/24");
    fill(&live[4], "squatter", "10.0.4.1", "198.51.100.4", "10.0.4.0/24");
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof(id), "id-%d", i);
        live[i].id = vr_strdup(id);
        live[i].state = vr_strdup(i == 3 ? "failed" : "active");
    }
    vr_plan_table tables[] = {{"rt-1", "core"}};
    vr_plan_ctx ctx = {.limit = 50, .limit_defaulted = true, .tables = tables, .table_count = 1};
    vr_plan_opts_init(&ctx.opts);
    ctx.opts.prune = true;
    ctx.opts.managed_prefix = "vni-";
    vr_plan_set_meta(plan, &inv, 1795946401234LL);
    assert_int_equal(vr_plan_org(vr_plan_add_org(plan), org, live, 5, &ctx), 0);
    for (int i = 0; i < 5; i++)
        vr_iface_clear(&live[i]);
    vr_inventory_free(&inv);
}

static void test_summary(void **state)
{
    vr_plan plan;
    small_plan(&plan);
    vr_buf b = VR_BUF_INIT;
    assert_int_equal(vr_render_summary(&b, &plan), 0);
    assert_string_equal(vr_buf_str(&b),
                        "Plan: 2 to create, 1 to delete, 0 to replace, 1 unchanged, 1 drifted");
    vr_buf_reset(&b);
    vr_render_summary_org(&b, &plan.orgs[0]);
    assert_string_equal(vr_buf_str(&b),
                        "Plan: 2 to create, 1 to delete, 0 to replace, 1 unchanged, 1 drifted");
    vr_buf_free(&b);
    vr_plan_free(&plan);
}

static void test_text_plain(void **state)
{
    vr_plan plan;
    small_plan(&plan);
    vr_buf b = VR_BUF_INIT;
    vr_render_opts o = {.color = false};
    assert_int_equal(vr_render_text(&b, &plan, &o), 0);
    const char *t = vr_buf_str(&b);
    assert_null(strchr(t, '\033'));
    assert_non_null(strstr(t, "organization " ORG ": limit 50 (documented default"));
    assert_non_null(strstr(t, "  - delete vni-old (id id-2)\n"));
    assert_non_null(strstr(t, "  + create vni-new\n      reason: missing live\n"));
    assert_non_null(strstr(t, "      localIp:        10.0.1.1\n"));
    assert_non_null(strstr(t, "  ~ drift vni-drift (id id-1)"));
    assert_non_null(strstr(t, "      remoteIp: 203.0.113.3 \xe2\x86\x92 203.0.113.33\n"));
    assert_non_null(strstr(t, "  ? unmanaged foreign (id id-3)"));
    assert_non_null(strstr(t, "  ! not active foreign (id id-3): state failed\n"));
    assert_non_null(strstr(t, "  ! error: interface vni-over: localIp 10.0.4.1"));
    assert_non_null(strstr(t, "  ! note: organization"));
    assert_non_null(
        strstr(t, "Plan: 2 to create, 1 to delete, 0 to replace, 1 unchanged, 1 drifted\n"));
    assert_non_null(strstr(t, "! 2 errors: the plan cannot be carried out\n"));
    /* deletes before creates */
    assert_true(strstr(t, "- delete") < strstr(t, "+ create"));
    assert_null(strstr(t, "= unchanged"));
    vr_buf_reset(&b);
    o.verbose = true;
    vr_render_text(&b, &plan, &o);
    assert_non_null(strstr(vr_buf_str(&b), "  = unchanged vni-same (id id-0)\n"));
    vr_buf_free(&b);
    vr_plan_free(&plan);
}

static void test_text_color(void **state)
{
    vr_plan plan;
    small_plan(&plan);
    vr_buf b = VR_BUF_INIT;
    vr_render_opts o = {.color = true};
    assert_int_equal(vr_render_text(&b, &plan, &o), 0);
    const char *t = vr_buf_str(&b);
    assert_non_null(strstr(t, "\033[32m  + create vni-new\033[0m"));
    assert_non_null(strstr(t, "\033[31m  - delete vni-old\033[0m"));
    assert_non_null(strstr(t, "\033[33m  ~ drift vni-drift\033[0m"));
    assert_non_null(strstr(t, "\033[1;31m  ! error:"));
    vr_buf_free(&b);
    /* NULL options: no color */
    vr_render_text(&b, &plan, NULL);
    assert_null(strchr(vr_buf_str(&b), '\033'));
    vr_buf_free(&b);
    vr_plan_free(&plan);
}

static void test_json(void **state)
{
    vr_plan plan;
    small_plan(&plan);
    vr_buf b = VR_BUF_INIT;
    assert_int_equal(vr_render_json(&b, &plan), 0);
    cJSON *root = cJSON_Parse(vr_buf_str(&b));
    assert_non_null(root);
    assert_int_equal(cJSON_GetObjectItem(root, "formatVersion")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(root, "toolVersion")->valuestring, VR_VERSION);
    assert_string_equal(cJSON_GetObjectItem(root, "createdAt")->valuestring,
                        "2026-11-29T10:00:01.234Z");
    cJSON *org = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "organizations"), 0);
    assert_string_equal(cJSON_GetObjectItem(org, "id")->valuestring, ORG);
    assert_int_equal(cJSON_GetObjectItem(org, "limit")->valueint, 50);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(org, "limitDefaulted")));
    assert_int_equal(cJSON_GetObjectItem(org, "liveCount")->valueint, 5);
    assert_string_equal(cJSON_GetObjectItem(org, "liveFingerprint")->valuestring,
                        plan.orgs[0].live_fingerprint);
    cJSON *acts = cJSON_GetObjectItem(org, "actions");
    assert_int_equal(cJSON_GetArraySize(acts), 3);
    cJSON *a0 = cJSON_GetArrayItem(acts, 0), *a1 = cJSON_GetArrayItem(acts, 1);
    assert_int_equal(cJSON_GetObjectItem(a0, "seq")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(a0, "action")->valuestring, "delete");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(a0, "payload"), "id")->valuestring,
                        "id-2");
    assert_string_equal(cJSON_GetObjectItem(a1, "action")->valuestring, "create");
    assert_string_equal(cJSON_GetObjectItem(a1, "reason")->valuestring, "missing live");
    cJSON *p = cJSON_GetObjectItem(a1, "payload");
    assert_string_equal(cJSON_GetObjectItem(p, "organizationId")->valuestring, ORG);
    assert_string_equal(cJSON_GetObjectItem(p, "subnetCidr")->valuestring, "10.0.1.0/24");
    assert_null(cJSON_GetObjectItem(p, "id"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(org, "unchanged")), 1);
    cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItem(org, "drift"), 0);
    cJSON *df = cJSON_GetArrayItem(cJSON_GetObjectItem(d, "fields"), 0);
    assert_string_equal(cJSON_GetObjectItem(df, "field")->valuestring, "remoteIp");
    assert_string_equal(cJSON_GetObjectItem(df, "want")->valuestring, "203.0.113.3");
    assert_string_equal(cJSON_GetObjectItem(df, "live")->valuestring, "203.0.113.33");
    cJSON *dg = cJSON_GetObjectItem(org, "diagnostics");
    assert_true(cJSON_GetArraySize(dg) >= 3);
    cJSON_Delete(root);
    vr_buf_free(&b);
    vr_plan_free(&plan);
}

static void test_markdown_small(void **state)
{
    vr_plan plan;
    small_plan(&plan);
    vr_buf b = VR_BUF_INIT;
    assert_int_equal(vr_render_markdown(&b, &plan, NULL), 0);
    const char *t = vr_buf_str(&b);
    assert_non_null(strstr(t, "### vni-reconcile plan\n"));
    assert_non_null(
        strstr(t, "**Plan: 2 to create, 1 to delete, 0 to replace, 1 unchanged, 1 drifted**"));
    assert_non_null(strstr(t, "2 errors: the plan cannot be carried out"));
    assert_non_null(strstr(t, "| 1 | \xe2\x9e\x96 delete | vni-old | rt-1 | 10.0.9.1 |"));
    assert_non_null(strstr(t, "| vni-drift | remoteIp | 203.0.113.3 | 203.0.113.33 |"));
    assert_non_null(strstr(
        t, "Unmanaged (not in the inventory): 3 \xe2\x80\x94 `foreign`, `squatter`, `vni-old`"));
    assert_non_null(strstr(t, "Not active: 1"));
    assert_null(strstr(t, "... and"));
    /* errors come first among problems */
    assert_true(strstr(t, "error:") < strstr(t, "note:"));
    vr_buf_free(&b);
    vr_render_opts o = {.title = "vni-reconcile drift"};
    vr_render_markdown(&b, &plan, &o);
    assert_true(strncmp(vr_buf_str(&b), "### vni-reconcile drift\n", 24) == 0);
    vr_buf_free(&b);
    vr_plan_free(&plan);
}

static void test_markdown_escapes(void **state)
{
    vr_plan plan = {0};
    vr_plan_org_result *r = vr_plan_add_org(&plan);
    r->org_id = vr_strdup(ORG);
    r->actions = vr_xcalloc(1, sizeof(*r->actions));
    r->action_count = r->create_count = 1;
    r->actions[0].seq = 1;
    r->actions[0].name = vr_strdup("x");
    r->actions[0].reason = vr_strdup("a | b\nc <script>");
    vr_buf b = VR_BUF_INIT;
    vr_render_markdown(&b, &plan, NULL);
    assert_non_null(strstr(vr_buf_str(&b), "a \\| b c &lt;script&gt;"));
    vr_buf_free(&b);
    vr_plan_free(&plan);
}

/* plan --from-audit: each organization says it was planned against a recorded state, with
 * the run, the time, the branch and the commit; a plan of the platform says nothing of it. */
static void test_recorded_state(void **state)
{
    vr_plan plan;
    small_plan(&plan);
    vr_buf b = VR_BUF_INIT;
    vr_render_text(&b, &plan, NULL);
    assert_null(strstr(vr_buf_str(&b), "recorded"));
    vr_buf_reset(&b);
    vr_render_markdown(&b, &plan, NULL);
    assert_null(strstr(vr_buf_str(&b), "recorded"));
    vr_buf_reset(&b);

    vr_plan_recorded_state *rec = &plan.orgs[0].recorded_state;
    rec->branch = vr_strdup("vni-audit");
    rec->commit = vr_strdup("0123456789abcdef0123456789abcdef01234567");
    rec->recorded_at = vr_strdup("2026-11-24T10:00:01.234Z");
    rec->command = vr_strdup("drift");
    vr_render_text(&b, &plan, NULL);
    const char *t = vr_buf_str(&b);
    assert_non_null(strstr(t, "organization " ORG ": limit 50"));
    assert_non_null(strstr(t, "\n  planned against the state recorded by drift at "
                              "2026-11-24T10:00:01.234Z (branch vni-audit, commit 0123456789ab), "
                              "not against the platform\n"));
    vr_buf_reset(&b);
    vr_render_markdown(&b, &plan, NULL);
    assert_non_null(strstr(vr_buf_str(&b), "\n> Planned against the state recorded by `drift` at "
                                           "2026-11-24T10:00:01.234Z (branch `vni-audit`, commit "
                                           "`0123456789ab`), not against the platform.\n"));
    vr_buf_reset(&b);
    vr_render_json(&b, &plan);
    assert_non_null(strstr(vr_buf_str(&b), "\"recordedState\":"));
    vr_buf_free(&b);
    vr_plan_free(&plan);
}

/* A plan of n creates (and n drifts, n diagnostics) built directly: the renderer's bound does
 * not depend on how the plan was made. */
static void huge_plan(vr_plan *plan, size_t n)
{
    memset(plan, 0, sizeof(*plan));
    vr_plan_org_result *r = vr_plan_add_org(plan);
    r->org_id = vr_strdup(ORG);
    r->limit = 200000;
    r->actions = vr_xcalloc(n, sizeof(*r->actions));
    r->drift = vr_xcalloc(n, sizeof(*r->drift));
    char name[32], ip[32], net[32];
    for (size_t i = 0; i < n; i++) {
        vr_plan_action *a = &r->actions[i];
        snprintf(name, sizeof(name), "vni-%06zu", i);
        snprintf(ip, sizeof(ip), "10.%zu.%zu.1", (i >> 8) & 255, i & 255);
        snprintf(net, sizeof(net), "10.%zu.%zu.0/24", (i >> 8) & 255, i & 255);
        a->seq = i + 1;
        a->kind = VR_ACTION_CREATE;
        a->name = vr_strdup(name);
        a->reason = vr_strdup(VR_PLAN_REASON_MISSING);
        fill(&a->iface, name, ip, "203.0.113.1", net);
        vr_plan_drift *d = &r->drift[i];
        d->name = vr_strdup(name);
        d->id = vr_strdup("id");
        d->fields = vr_xcalloc(1, sizeof(*d->fields));
        d->fields[0] =
            (vr_drift_field){vr_strdup("remoteIp"), vr_strdup("1.1.1.1"), vr_strdup("2.2.2.2")};
        d->field_count = 1;
        vr_diags_add(&r->diags, VR_SEV_ERROR, NULL, "ip-allocated",
                     "interface %s: localIp is in use", name);
    }
    r->action_count = r->create_count = n;
    r->drift_count = n;
}

static void test_markdown_100k_bound(void **state)
{
    vr_plan plan;
    huge_plan(&plan, 100000);
    vr_buf b = VR_BUF_INIT;
    int64_t t0 = vr_now_ms();
    assert_int_equal(vr_render_markdown(&b, &plan, NULL), 0);
    int64_t took = vr_now_ms() - t0;
    const char *t = vr_buf_str(&b);
    assert_true(b.len < 60000);
    assert_true(b.len > 30000); /* the space is used, not thrown away */
    assert_non_null(
        strstr(t, "**Plan: 100000 to create, 0 to delete, 0 to replace, 0 unchanged, 100000 "
                  "drifted**"));
    assert_non_null(strstr(t, "100000 errors"));
    assert_non_null(strstr(t, "more actions"));
    assert_non_null(strstr(t, "more drifted fields"));
    assert_non_null(strstr(t, "more problems"));
    assert_non_null(strstr(t, "| 1 | \xe2\x9e\x95 create | vni-000000 |"));
    /* the count in "... and N more actions" is exact */
    size_t rows = 0;
    for (const char *p = t; (p = strstr(p, "create | vni-")); p++)
        rows++;
    char more[96];
    snprintf(more, sizeof(more), "... and %zu more actions", (size_t)100000 - rows);
    assert_non_null(strstr(t, more));
    assert_true(took < 20000);
    vr_buf_free(&b);

    /* a smaller bound is kept too, and a tiny one still gives a valid, cut text */
    vr_render_opts o = {.markdown_max = 5000};
    vr_render_markdown(&b, &plan, &o);
    assert_true(b.len <= 5000);
    assert_non_null(strstr(vr_buf_str(&b), "more actions"));
    vr_buf_free(&b);
    o.markdown_max = 40;
    vr_render_markdown(&b, &plan, &o);
    assert_true(b.len <= 40);
    vr_buf_free(&b);
    vr_plan_free(&plan);
}

static void test_text_100k(void **state)
{
    vr_plan plan;
    huge_plan(&plan, 100000);
    vr_buf b = VR_BUF_INIT;
    assert_int_equal(vr_render_text(&b, &plan, NULL), 0);
    assert_non_null(strstr(vr_buf_str(&b), "  + create vni-099999\n"));
    vr_buf_free(&b);
    vr_plan_free(&plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary),        cmocka_unit_test(test_text_plain),
        cmocka_unit_test(test_text_color),     cmocka_unit_test(test_json),
        cmocka_unit_test(test_markdown_small), cmocka_unit_test(test_markdown_escapes),
        cmocka_unit_test(test_recorded_state), cmocka_unit_test(test_markdown_100k_bound),
        cmocka_unit_test(test_text_100k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
