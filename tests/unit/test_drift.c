/* test_drift: the drift report: each kind, the ignore list (by name, by field, both), uptime
 * arithmetic over a synthetic history, the report JSON read back as history, renderings and
 * the Markdown bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "vr_drift.h"
#include "vr_render_drift.h"
#include "vr_util.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
#define ORG2 "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define RUN "11111111-2222-4333-8444-555555555555"

static void fill(vr_iface *f, const char *name, const char *local, const char *remote,
                 const char *subnet)
{
    vr_test_iface(f, ORG, name, local, remote, subnet, "rt-1");
    assert_int_equal(vr_iface_validate(f, NULL, NULL), 0);
}

static vr_iface *want(vr_org *org, const char *name, const char *local, const char *remote,
                      const char *subnet)
{
    vr_iface f;
    fill(&f, name, local, remote, subnet);
    return vr_org_take_iface(org, &f);
}

typedef vr_test_ifaces live_list;

static vr_iface *have(live_list *l, const char *id, const char *name, const char *local,
                      const char *remote, const char *subnet, const char *state)
{
    vr_iface *f = vr_test_ifaces_add(l);
    fill(f, name, local, remote, subnet);
    f->id = vr_strdup(id);
    f->state = state ? vr_strdup(state) : NULL;
    return f;
}

static void ignore(vr_org *org, const char *name, const char *field)
{
    org->ignores = vr_xrealloc(org->ignores, (org->ignore_count + 1) * sizeof(*org->ignores));
    vr_ignore *g = &org->ignores[org->ignore_count++];
    memset(g, 0, sizeof(*g));
    g->name = name ? vr_strdup(name) : NULL;
    g->field = field ? vr_strdup(field) : NULL;
}

static const vr_plan_table TABLES[] = {{"rt-1", "core"}};

/* Plans org against live and builds the drift report from it, as cmd_drift does. */
static void build(vr_drift_org *out, const vr_org *org, const live_list *live)
{
    vr_plan_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.limit = 50;
    ctx.tables = TABLES;
    ctx.table_count = 1;
    vr_plan_opts_init(&ctx.opts);
    vr_plan_org_result plan;
    assert_int_equal(vr_plan_org(&plan, org, live->v, live->n, &ctx), 0);
    assert_int_equal(vr_drift_build(out, org, live->v, live->n, &plan, RUN, 1795000000000LL), 0);
    vr_plan_org_result_free(&plan);
}

static const vr_drift_iface *find(const vr_drift_org *r, const char *name)
{
    for (size_t i = 0; i < r->iface_count; i++)
        if (strcmp(r->ifaces[i].name, name) == 0) return &r->ifaces[i];
    return NULL;
}

static const vr_drift_field *find_field(const vr_drift_iface *f, const char *field)
{
    for (size_t i = 0; i < f->field_count; i++)
        if (strcmp(f->fields[i].field, field) == 0) return &f->fields[i];
    return NULL;
}

/* The standard scene: a-missing, b-same, c-diff (remoteIp and description differ), d-idle
 * (provisioning), live-only u-other (active) and v-failed (failed). */
static void scene(vr_inventory *inv, vr_org **org, live_list *live)
{
    memset(inv, 0, sizeof(*inv));
    memset(live, 0, sizeof(*live));
    *org = vr_inventory_add_org(inv, ORG);
    want(*org, "a-missing", "10.0.1.1", "203.0.113.1", "10.0.1.0/24");
    want(*org, "b-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24");
    vr_iface *c = want(*org, "c-diff", "10.0.3.1", "203.0.113.3", "10.0.3.0/24");
    c->description = vr_strdup("wanted");
    want(*org, "d-idle", "10.0.4.1", "203.0.113.4", "10.0.4.0/24");
    have(live, "id-b", "b-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "active");
    vr_iface *lc =
        have(live, "id-c", "c-diff", "10.0.3.1", "203.0.113.33", "10.0.3.0/24", "active");
    lc->description = vr_strdup("edited");
    have(live, "id-d", "d-idle", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "provisioning");
    have(live, "id-u", "u-other", "10.0.9.1", "203.0.113.9", "10.0.9.0/24", "active");
    have(live, "id-v", "v-failed", "10.0.8.1", "203.0.113.8", "10.0.8.0/24", "failed");
}

/* ---- kinds -------------------------------------------------------------------------------- */

static void test_each_kind(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    vr_drift_org r;
    build(&r, org, &live);

    assert_string_equal(r.org_id, ORG);
    assert_string_equal(r.run_id, RUN);
    assert_string_equal(r.created_at, "2026-11-18T11:06:40.000Z");
    assert_int_equal(r.live_count, 5);
    assert_int_equal(r.iface_count, 4);
    /* name order */
    assert_string_equal(r.ifaces[0].name, "a-missing");
    assert_string_equal(r.ifaces[3].name, "d-idle");

    assert_int_equal(r.counts[VR_DRIFT_MISSING], 1);
    assert_int_equal(r.counts[VR_DRIFT_DIFFERENT], 1);
    assert_int_equal(r.counts[VR_DRIFT_UNMANAGED], 2);
    assert_int_equal(r.counts[VR_DRIFT_NOT_ACTIVE], 2); /* d-idle and v-failed */
    assert_int_equal(r.unchanged, 1);
    assert_true(vr_drift_has_drift(&r));

    const vr_drift_iface *a = find(&r, "a-missing");
    assert_false(a->present);
    assert_null(a->id);
    assert_false(vr_drift_iface_ok(a));

    const vr_drift_iface *b = find(&r, "b-same");
    assert_true(b->present && b->matching && b->active);
    assert_string_equal(b->id, "id-b");
    assert_string_equal(b->state, "active");
    assert_int_equal(b->field_count, 0);

    const vr_drift_iface *c = find(&r, "c-diff");
    assert_true(c->present && c->active);
    assert_false(c->matching);
    assert_string_equal(c->id, "id-c");
    assert_int_equal(c->field_count, 2);
    const vr_drift_field *fr = find_field(c, "remoteIp");
    assert_non_null(fr);
    assert_string_equal(fr->want, "203.0.113.3");
    assert_string_equal(fr->live, "203.0.113.33");
    const vr_drift_field *fd = find_field(c, "description");
    assert_non_null(fd);
    assert_string_equal(fd->want, "wanted");
    assert_string_equal(fd->live, "edited");

    const vr_drift_iface *d = find(&r, "d-idle");
    assert_true(d->present && d->matching);
    assert_false(d->active);
    assert_string_equal(d->state, "provisioning");

    assert_int_equal(r.unmanaged_count, 2);
    assert_string_equal(r.unmanaged[0].name, "u-other");
    assert_true(r.unmanaged[0].active);
    assert_string_equal(r.unmanaged[1].name, "v-failed");
    assert_string_equal(r.unmanaged[1].id, "id-v");
    assert_false(r.unmanaged[1].active);
    assert_int_equal(r.unmanaged[1].checks, 0);

    /* this check alone: 1 or 0 */
    assert_int_equal(b->checks, 1);
    assert_true(b->uptime_rate == 1.0);
    assert_true(c->uptime_rate == 0.0 && a->uptime_rate == 0.0 && d->uptime_rate == 0.0);
    assert_int_equal(r.ignored_ifaces + r.ignored_fields, 0);

    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_no_drift(void **state)
{
    (void)state;
    vr_inventory inv = {0};
    vr_org *org = vr_inventory_add_org(&inv, ORG);
    want(org, "b-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24");
    live_list live = {0};
    have(&live, "id-b", "b-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "active");
    vr_drift_org r;
    build(&r, org, &live);
    assert_false(vr_drift_has_drift(&r));
    vr_buf s = VR_BUF_INIT;
    vr_render_drift_summary(&s, &r);
    assert_string_equal(vr_buf_str(&s), "No drift: 1 unchanged");
    vr_buf_free(&s);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_missing_state_is_not_active(void **state)
{
    (void)state;
    vr_inventory inv = {0};
    vr_org *org = vr_inventory_add_org(&inv, ORG);
    want(org, "b-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24");
    live_list live = {0};
    have(&live, "id-b", "b-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", NULL);
    vr_drift_org r;
    build(&r, org, &live);
    assert_false(r.ifaces[0].active);
    assert_null(r.ifaces[0].state);
    assert_int_equal(r.counts[VR_DRIFT_NOT_ACTIVE], 1);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_null_args(void **state)
{
    (void)state;
    vr_drift_org r;
    vr_plan_org_result plan;
    memset(&plan, 0, sizeof(plan));
    assert_int_equal(vr_drift_build(&r, NULL, NULL, 0, &plan, RUN, 0), -1);
    assert_null(r.org_id);
    assert_int_equal(vr_drift_build(NULL, NULL, NULL, 0, NULL, NULL, 0), -1);
    assert_string_equal(vr_drift_kind_name(VR_DRIFT_NOT_ACTIVE), "not_active");
    assert_string_equal(vr_drift_kind_name(VR_DRIFT_KIND_COUNT), "unknown");
}

/* ---- ignore list -------------------------------------------------------------------------- */

static void test_ignore_by_name(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    ignore(org, "c-diff", NULL);    /* a drifted inventory interface */
    ignore(org, "a-missing", NULL); /* a missing one */
    ignore(org, "v-failed", NULL);  /* a live-only one, not active */
    vr_drift_org r;
    build(&r, org, &live);
    assert_null(find(&r, "c-diff"));
    assert_null(find(&r, "a-missing"));
    assert_int_equal(r.iface_count, 2);
    assert_int_equal(r.counts[VR_DRIFT_MISSING], 0);
    assert_int_equal(r.counts[VR_DRIFT_DIFFERENT], 0);
    assert_int_equal(r.counts[VR_DRIFT_UNMANAGED], 1);  /* u-other */
    assert_int_equal(r.counts[VR_DRIFT_NOT_ACTIVE], 1); /* d-idle */
    assert_int_equal(r.ignored_ifaces, 3);
    assert_int_equal(r.ignored_fields, 0);
    vr_buf s = VR_BUF_INIT;
    vr_render_drift_summary(&s, &r);
    assert_string_equal(vr_buf_str(&s),
                        "Drift: 0 missing, 0 different, 1 unmanaged, 1 not active; 1 unchanged; "
                        "3 ignored");
    vr_buf_free(&s);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_ignore_by_field(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    /* b-same differs live in description too now: the field ignore covers every interface */
    live.v[0].description = vr_strdup("noise");
    ignore(org, NULL, "description");
    vr_drift_org r;
    build(&r, org, &live);
    const vr_drift_iface *b = find(&r, "b-same");
    assert_true(b->matching);
    assert_int_equal(b->ignored_fields, 1);
    const vr_drift_iface *c = find(&r, "c-diff");
    assert_false(c->matching);
    assert_int_equal(c->field_count, 1);
    assert_string_equal(c->fields[0].field, "remoteIp");
    assert_int_equal(c->ignored_fields, 1);
    assert_int_equal(r.ignored_fields, 2);
    assert_int_equal(r.ignored_ifaces, 0);
    assert_int_equal(r.unchanged, 1);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* state is a field the ignore list may name (docs/inventory.md): {field: state} leaves every
 * connection's state out (none is "not active"), {name: N, field: state} only N's; the
 * state left out counts as an ignored field, and the plan's notActive list agrees. */
static void test_ignore_state(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    ignore(org, NULL, "state");
    vr_drift_org r;
    build(&r, org, &live);
    assert_int_equal(r.counts[VR_DRIFT_NOT_ACTIVE], 0);
    const vr_drift_iface *d = find(&r, "d-idle");
    assert_true(d->present && d->matching && d->active);
    assert_true(vr_drift_iface_ok(d));
    assert_int_equal(d->ignored_fields, 1);
    assert_true(r.unmanaged[1].active); /* v-failed: still unmanaged, not "not active" */
    assert_int_equal(r.counts[VR_DRIFT_UNMANAGED], 2);
    assert_int_equal(r.unchanged, 2); /* b-same, d-idle */
    vr_drift_org_free(&r);

    vr_plan_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.limit = 50;
    ctx.tables = TABLES;
    ctx.table_count = 1;
    vr_plan_opts_init(&ctx.opts);
    vr_plan_org_result plan;
    assert_int_equal(vr_plan_org(&plan, org, live.v, live.n, &ctx), 0);
    assert_int_equal(plan.not_active_count, 0);
    vr_plan_org_result_free(&plan);

    /* by name: only d-idle's state is left out */
    free(org->ignores[0].field);
    org->ignores[0].field = vr_strdup("state");
    org->ignores[0].name = vr_strdup("d-idle");
    build(&r, org, &live);
    assert_true(find(&r, "d-idle")->active);
    assert_false(r.unmanaged[1].active);
    assert_int_equal(r.counts[VR_DRIFT_NOT_ACTIVE], 1);
    assert_int_equal(r.ignored_fields, 1);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_ignore_name_and_field(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    /* e-diff differs in remoteIp as c-diff does; only c-diff's remoteIp is ignored */
    want(org, "e-diff", "10.0.5.1", "203.0.113.5", "10.0.5.0/24");
    have(&live, "id-e", "e-diff", "10.0.5.1", "203.0.113.55", "10.0.5.0/24", "active");
    ignore(org, "c-diff", "remoteIp");
    vr_drift_org r;
    build(&r, org, &live);
    const vr_drift_iface *c = find(&r, "c-diff");
    assert_int_equal(c->field_count, 1);
    assert_string_equal(c->fields[0].field, "description");
    assert_int_equal(c->ignored_fields, 1);
    const vr_drift_iface *e = find(&r, "e-diff");
    assert_int_equal(e->field_count, 1);
    assert_string_equal(e->fields[0].field, "remoteIp");
    assert_int_equal(e->ignored_fields, 0);
    assert_int_equal(r.counts[VR_DRIFT_DIFFERENT], 2);
    assert_int_equal(r.ignored_fields, 1);

    /* every differing field of c-diff ignored: it matches */
    ignore(org, "c-diff", "description");
    vr_drift_org r2;
    build(&r2, org, &live);
    assert_true(find(&r2, "c-diff")->matching);
    assert_int_equal(find(&r2, "c-diff")->ignored_fields, 2);
    assert_int_equal(r2.counts[VR_DRIFT_DIFFERENT], 1);
    vr_drift_org_free(&r2);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* ---- uptime ------------------------------------------------------------------------------- */

/* A past report: names[i] with ok[i] (1 ok, 0 drifted, -1 missing). */
static cJSON *past(const char *org, const char *command, int version, const char *const *names,
                   const int *ok, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "formatVersion", version);
    cJSON_AddStringToObject(o, "command", command);
    cJSON_AddStringToObject(o, "organization", org);
    cJSON *arr = cJSON_AddArrayToObject(o, "interfaces");
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", names[i]);
        cJSON_AddBoolToObject(j, "present", ok[i] >= 0);
        cJSON_AddBoolToObject(j, "matching", ok[i] > 0);
        cJSON_AddBoolToObject(j, "active", ok[i] >= 0);
        cJSON_AddItemToArray(arr, j);
    }
    return o;
}

/* The marks of each check, on a timeline in time order whatever the order the reports come
 * in (the history reader gives them newest first); a check that did not list an interface
 * leaves a "none" mark that does not count. */
static void test_history_marks(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    vr_drift_org r;
    build(&r, org, &live); /* this check: 2026-11-18T11:06:40.000Z */
    assert_int_equal(r.check_count, 1);
    assert_string_equal(r.check_times[0], "2026-11-18T11:06:40.000Z");
    assert_int_equal(find(&r, "a-missing")->marks[0], VR_DRIFT_MARK_MISSING);
    assert_int_equal(find(&r, "b-same")->marks[0], VR_DRIFT_MARK_OK);
    assert_int_equal(find(&r, "c-diff")->marks[0], VR_DRIFT_MARK_DIFFERENT);
    assert_int_equal(find(&r, "d-idle")->marks[0], VR_DRIFT_MARK_NOT_ACTIVE);
    assert_null(r.unmanaged[0].marks);

    const char *texts[] = {
        /* newest first, as vr_gitreport_history_read gives them */
        "{\"formatVersion\":1,\"command\":\"drift\",\"organization\":\"" ORG "\","
        "\"createdAt\":\"2026-11-18T10:00:00.000Z\",\"interfaces\":["
        "{\"name\":\"b-same\",\"present\":true,\"matching\":true,\"active\":false},"
        "{\"name\":\"c-diff\",\"present\":false,\"matching\":false,\"active\":false}]}",
        "{\"formatVersion\":1,\"command\":\"drift\",\"organization\":\"" ORG2 "\","
        "\"createdAt\":\"2026-11-18T09:30:00.000Z\",\"interfaces\":[{\"name\":\"b-same\"}]}",
        "{\"formatVersion\":1,\"command\":\"drift\",\"organization\":\"" ORG "\","
        "\"createdAt\":\"2026-11-18T09:00:00.000Z\",\"interfaces\":["
        "{\"name\":\"b-same\",\"present\":true,\"matching\":false,\"active\":true},"
        "{\"name\":\"c-diff\",\"present\":true,\"matching\":true,\"active\":true},"
        "{\"name\":\"d-idle\",\"present\":true,\"matching\":true,\"active\":true}]}",
    };
    cJSON *reports[3];
    for (int i = 0; i < 3; i++)
        assert_non_null(reports[i] = cJSON_Parse(texts[i]));
    assert_int_equal(vr_drift_apply_history(&r, (const cJSON *const *)reports, 3, 30), 2);
    assert_int_equal(r.check_count, 3);
    assert_string_equal(r.check_times[0], "2026-11-18T09:00:00.000Z");
    assert_string_equal(r.check_times[1], "2026-11-18T10:00:00.000Z");
    assert_string_equal(r.check_times[2], "2026-11-18T11:06:40.000Z");
    const unsigned char b[] = {VR_DRIFT_MARK_DIFFERENT, VR_DRIFT_MARK_NOT_ACTIVE, VR_DRIFT_MARK_OK};
    const unsigned char c[] = {VR_DRIFT_MARK_OK, VR_DRIFT_MARK_MISSING, VR_DRIFT_MARK_DIFFERENT};
    const unsigned char d[] = {VR_DRIFT_MARK_OK, VR_DRIFT_MARK_NONE, VR_DRIFT_MARK_NOT_ACTIVE};
    const unsigned char a[] = {VR_DRIFT_MARK_NONE, VR_DRIFT_MARK_NONE, VR_DRIFT_MARK_MISSING};
    assert_memory_equal(find(&r, "b-same")->marks, b, 3);
    assert_memory_equal(find(&r, "c-diff")->marks, c, 3);
    assert_memory_equal(find(&r, "d-idle")->marks, d, 3);
    assert_memory_equal(find(&r, "a-missing")->marks, a, 3);
    /* the marks agree with the uptime: d-idle ok in 1 of its 2 checks */
    assert_int_equal(find(&r, "d-idle")->checks, 2);
    assert_int_equal(find(&r, "d-idle")->ok_checks, 1);
    assert_string_equal(vr_drift_mark_name(VR_DRIFT_MARK_NOT_ACTIVE), "not_active");
    assert_string_equal(vr_drift_mark_name(VR_DRIFT_MARK_COUNT), "unknown");
    assert_int_equal(vr_drift_mark_of(true, false, false), VR_DRIFT_MARK_NOT_ACTIVE);
    for (int i = 0; i < 3; i++)
        cJSON_Delete(reports[i]);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_uptime_arithmetic(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    vr_drift_org r;
    build(&r, org, &live);

    static const char *const names[] = {"a-missing", "b-same", "c-diff"};
    static const int h1[] = {-1, 1, 1}, h2[] = {1, 0, 1}, h3[] = {1, 1, 1};
    static const char *const dup_names[] = {"b-same", "b-same"};
    static const int dup_ok[] = {1, 1};
    cJSON *reports[] = {
        past(ORG, "drift", 1, names, h1, 3),
        past(ORG, "drift", 1, names, h2, 3),
        past(ORG, "drift", 1, names, h3, 3),
        past(ORG2, "drift", 1, names, h3, 3),        /* another organization: skipped */
        past(ORG, "apply", 1, names, h3, 3),         /* another command: skipped */
        past(ORG, "drift", 2, names, h3, 3),         /* another format: skipped */
        past(ORG, "drift", 1, dup_names, dup_ok, 2), /* b-same twice: counts once */
        cJSON_CreateString("not a report"),
    };
    size_t n = sizeof(reports) / sizeof(reports[0]);
    assert_int_equal(vr_drift_apply_history(&r, (const cJSON *const *)reports, n, 30), 4);
    assert_int_equal(r.history_reports, 4);
    assert_int_equal(r.history_window, 30);

    /* a-missing: now missing; past: missing, ok, ok → 2 of 4 */
    const vr_drift_iface *a = find(&r, "a-missing");
    assert_int_equal(a->checks, 4);
    assert_int_equal(a->ok_checks, 2);
    assert_true(fabs(a->uptime_rate - 0.5) < 1e-12);
    /* b-same: now ok; past ok, drifted, ok, ok(dup) → 4 of 5 */
    const vr_drift_iface *b = find(&r, "b-same");
    assert_int_equal(b->checks, 5);
    assert_int_equal(b->ok_checks, 4);
    assert_true(fabs(b->uptime_rate - 0.8) < 1e-12);
    /* c-diff: now drifted; past ok ×3 → 3 of 4 */
    const vr_drift_iface *c = find(&r, "c-diff");
    assert_int_equal(c->checks, 4);
    assert_true(fabs(c->uptime_rate - 0.75) < 1e-12);
    /* d-idle: in no past report (newer than them): this check only */
    const vr_drift_iface *d = find(&r, "d-idle");
    assert_int_equal(d->checks, 1);
    assert_true(d->uptime_rate == 0.0);

    /* shown in the text report (where there is history) and in Markdown */
    vr_buf out = VR_BUF_INIT;
    vr_render_drift_text(&out, &r, 1, NULL);
    assert_non_null(
        strstr(vr_buf_str(&out), "  ~ different c-diff (id id-c) (uptime 75.0%, 3 of 4 checks)\n"));
    assert_non_null(strstr(vr_buf_str(&out), "  ! not active d-idle (provisioning)\n"));
    vr_buf_reset(&out);
    vr_render_drift_markdown(&out, &r, 1, NULL);
    assert_non_null(strstr(vr_buf_str(&out), "| a-missing | 0.50 | 2 of 4 |"));
    assert_non_null(strstr(vr_buf_str(&out), "**Uptime** over the last 5 checks"));
    assert_non_null(strstr(vr_buf_str(&out), "4 of 4 interfaces under 100%"));
    vr_buf_free(&out);

    for (size_t i = 0; i < n; i++)
        cJSON_Delete(reports[i]);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* The report JSON written by one run is the history the next run reads. */
static void test_json_is_history(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    vr_drift_org r1, r2, r3;
    build(&r1, org, &live);
    cJSON *j1 = vr_render_drift_org_json(&r1);
    assert_non_null(j1);
    /* what the history reader needs, and the documented keys */
    assert_int_equal(cJSON_GetObjectItem(j1, "formatVersion")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(j1, "command")->valuestring, "drift");
    assert_string_equal(cJSON_GetObjectItem(j1, "organization")->valuestring, ORG);
    assert_string_equal(cJSON_GetObjectItem(j1, "runId")->valuestring, RUN);
    const cJSON *ifs = cJSON_GetObjectItem(j1, "interfaces");
    assert_int_equal(cJSON_GetArraySize(ifs), 4);
    const cJSON *c = cJSON_GetArrayItem(ifs, 2);
    assert_string_equal(cJSON_GetObjectItem(c, "name")->valuestring, "c-diff");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(c, "matching")));
    const cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "fields"), 0);
    assert_non_null(cJSON_GetObjectItem(f0, "inventory"));
    assert_non_null(cJSON_GetObjectItem(f0, "live"));
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "kinds"), 0)->valuestring,
                        "different");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(ifs, 0), "id")));
    const cJSON *sum = cJSON_GetObjectItem(j1, "summary");
    assert_int_equal(cJSON_GetObjectItem(sum, "notActive")->valueint, 2);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(sum, "drift")));
    /* through text, as the Git blob would be */
    char *text = cJSON_PrintUnformatted(j1);
    cJSON *back = cJSON_Parse(text);
    free(text);

    build(&r2, org, &live);
    const cJSON *h[] = {back};
    assert_int_equal(vr_drift_apply_history(&r2, h, 1, 30), 1);
    assert_int_equal(find(&r2, "b-same")->checks, 2);
    assert_true(find(&r2, "b-same")->uptime_rate == 1.0);
    assert_int_equal(find(&r2, "c-diff")->ok_checks, 0);

    /* c-diff fixed: 1 of 3 after two drifted checks */
    free(live.v[1].remote_ip);
    live.v[1].remote_ip = vr_strdup("203.0.113.3");
    assert_int_equal(vr_addr_parse(&live.v[1].remote, live.v[1].remote_ip), 0);
    free(live.v[1].description);
    live.v[1].description = vr_strdup("wanted");
    cJSON *j2 = vr_render_drift_org_json(&r2);
    build(&r3, org, &live);
    const cJSON *h2[] = {j2, back};
    vr_drift_apply_history(&r3, h2, 2, 3);
    assert_int_equal(find(&r3, "c-diff")->checks, 3);
    assert_int_equal(find(&r3, "c-diff")->ok_checks, 1);
    assert_true(fabs(find(&r3, "c-diff")->uptime_rate - 1.0 / 3.0) < 1e-12);

    /* the run document */
    vr_drift_org both[] = {r1, r3};
    cJSON *run = vr_render_drift_run_json(both, 2, "run-x", "2026-11-24T00:00:00.000Z");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(run, "organizations")), 2);
    assert_string_equal(cJSON_GetObjectItem(run, "runId")->valuestring, "run-x");
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(run, "summary"), "different")->valueint, 1);
    cJSON_Delete(run);

    cJSON_Delete(j1);
    cJSON_Delete(j2);
    cJSON_Delete(back);
    vr_drift_org_free(&r1);
    vr_drift_org_free(&r2);
    vr_drift_org_free(&r3);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* ---- rendering ---------------------------------------------------------------------------- */

static void test_text(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    vr_drift_org r;
    build(&r, org, &live);
    vr_buf out = VR_BUF_INIT;
    vr_render_drift_text(&out, &r, 1, NULL);
    const char *t = vr_buf_str(&out);
    assert_non_null(strstr(t, "  - missing a-missing\n")); /* no uptime without history */
    assert_non_null(strstr(t, "  ~ different c-diff (id id-c)"));
    assert_non_null(strstr(t, "      remoteIp: inventory 203.0.113.3, live 203.0.113.33\n"));
    assert_non_null(strstr(t, "      description: inventory wanted, live edited\n"));
    assert_non_null(strstr(t, "  ! not active d-idle (provisioning)"));
    assert_non_null(strstr(t, "  ? unmanaged v-failed (id id-v, failed)\n"));
    assert_non_null(strstr(t, "  ! not active v-failed (failed)\n"));
    assert_null(strstr(t, "b-same"));
    assert_null(strstr(t, "\033["));
    vr_buf_reset(&out);
    vr_render_drift_opts o = {0};
    o.color = true;
    o.verbose = true;
    vr_render_drift_text(&out, &r, 1, &o);
    assert_non_null(strstr(vr_buf_str(&out), "\033[31m  - missing a-missing"));
    assert_non_null(strstr(vr_buf_str(&out), "= unchanged b-same"));
    vr_buf_free(&out);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_markdown(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    vr_drift_org r;
    build(&r, org, &live);
    vr_buf out = VR_BUF_INIT;
    assert_int_equal(vr_render_drift_markdown(&out, &r, 1, NULL), 0);
    const char *m = vr_buf_str(&out);
    assert_non_null(strstr(m, "### vni-reconcile drift\n"));
    assert_non_null(strstr(m, "| c-diff | remoteIp | 203.0.113.3 | 203.0.113.33 |"));
    assert_non_null(strstr(m, "| a-missing |\n"));
    assert_null(strstr(m, "**Uptime**")); /* no history kept: no uptime table */
    assert_non_null(strstr(m, "| v-failed | id-v | failed |"));
    assert_non_null(strstr(m, "| d-idle | provisioning |"));
    assert_null(strstr(m, "... and"));
    vr_buf_free(&out);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* A huge organization: 3000 interfaces, every one drifted in two fields (names with '|' to
 * escape), 3000 unmanaged: the Markdown stays under the bound and says what it left out. */
static void test_markdown_bound(void **state)
{
    (void)state;
    vr_drift_org r;
    memset(&r, 0, sizeof(r));
    r.org_id = vr_strdup(ORG);
    size_t n = 3000;
    r.ifaces = vr_xcalloc(n, sizeof(*r.ifaces));
    r.unmanaged = vr_xcalloc(n, sizeof(*r.unmanaged));
    for (size_t i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof(name), "vni|%05zu-with-a-rather-long-name", i);
        vr_drift_iface *f = &r.ifaces[r.iface_count++];
        f->name = vr_strdup(name);
        f->id = vr_strdup("8e3f2c1a-7b64-4c1e-9d51-0f6a2b3c4d5e");
        f->present = f->active = true;
        f->field_count = 2;
        f->fields = vr_xcalloc(2, sizeof(*f->fields));
        for (int k = 0; k < 2; k++) {
            f->fields[k].field = vr_strdup(k ? "description" : "remoteIp");
            f->fields[k].want = vr_strdup("a value of some length, as descriptions are");
            f->fields[k].live = vr_strdup("another value <b>with</b> markup | and a pipe");
        }
        f->checks = 30;
        f->ok_checks = i % 30;
        f->uptime_rate = (double)f->ok_checks / 30.0;
        vr_drift_iface *u = &r.unmanaged[r.unmanaged_count++];
        snprintf(name, sizeof(name), "stray-%05zu", i);
        u->name = vr_strdup(name);
        u->id = vr_strdup("5d6c7b8a-1111-4222-8333-944455556666");
        u->state = vr_strdup("failed");
        u->present = true;
    }
    r.counts[VR_DRIFT_DIFFERENT] = n;
    r.counts[VR_DRIFT_UNMANAGED] = n;
    r.counts[VR_DRIFT_NOT_ACTIVE] = n;
    r.history_window = 30;
    r.history_reports = 29;

    vr_buf out = VR_BUF_INIT;
    assert_int_equal(vr_render_drift_markdown(&out, &r, 1, NULL), 0);
    assert_true(out.len < VR_DRIFT_MARKDOWN_MAX);
    assert_true(out.len > VR_DRIFT_MARKDOWN_MAX / 2); /* it uses the room it has */
    const char *m = vr_buf_str(&out);
    assert_non_null(strstr(m, "more differing fields"));
    assert_non_null(strstr(m, "more unmanaged connections"));
    assert_non_null(strstr(m, "vni\\|00000"));
    assert_null(strstr(m, "<b>"));
    /* lowest uptime first */
    assert_non_null(strstr(m, "| vni\\|00000-with-a-rather-long-name | 0.00 | 0 of 30 |"));

    /* a tiny bound: cut at a line, still under it */
    vr_buf_reset(&out);
    vr_render_drift_opts o = {0};
    o.markdown_max = 200;
    assert_int_equal(vr_render_drift_markdown(&out, &r, 1, &o), 0);
    assert_true(out.len <= 200);
    assert_non_null(strstr(vr_buf_str(&out), "### vni-reconcile drift"));

    /* JSON has everything */
    vr_buf_reset(&out);
    assert_int_equal(vr_render_drift_json(&out, &r, 1), 0);
    cJSON *doc = cJSON_Parse(vr_buf_str(&out));
    assert_non_null(doc);
    const cJSON *o0 = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "organizations"), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o0, "interfaces")), (int)n);
    cJSON_Delete(doc);
    vr_buf_free(&out);
    vr_drift_org_free(&r);
}

static void test_summary_all(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_org *org;
    live_list live;
    scene(&inv, &org, &live);
    vr_drift_org r[2];
    build(&r[0], org, &live);
    build(&r[1], org, &live);
    vr_buf s = VR_BUF_INIT;
    vr_render_drift_summary_all(&s, r, 2);
    assert_string_equal(vr_buf_str(&s),
                        "Drift: 2 missing, 2 different, 4 unmanaged, 4 not active; 2 unchanged");
    vr_buf_reset(&s);
    vr_render_drift_text(&s, r, 2, NULL);
    assert_non_null(strstr(vr_buf_str(&s), "(2 organizations)\n"));
    vr_buf_free(&s);
    vr_drift_org_free(&r[0]);
    vr_drift_org_free(&r[1]);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* Each different or failed interface gets the command that repairs it (the inventory paths
 * quoted for a shell where needed); a protected one none. The report stays true when the
 * plan it is built from replaced some interfaces (they are listed under actions only). */
static void test_repairs(void **state)
{
    (void)state;
    vr_inventory inv = {0};
    vr_org *org = vr_inventory_add_org(&inv, ORG);
    want(org, "diff", "10.0.1.1", "203.0.113.1", "10.0.1.0/24");
    want(org, "dead", "10.0.2.1", "203.0.113.2", "10.0.2.0/24");
    want(org, "guard", "10.0.3.1", "203.0.113.3", "10.0.3.0/24")->protect = true;
    want(org, "fine", "10.0.4.1", "203.0.113.4", "10.0.4.0/24");
    live_list live = {0};
    have(&live, "id-1", "diff", "10.0.1.1", "203.0.113.91", "10.0.1.0/24", "active");
    have(&live, "id-2", "dead", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "failed");
    have(&live, "id-3", "guard", "10.0.3.1", "203.0.113.93", "10.0.3.0/24", "active");
    have(&live, "id-4", "fine", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "active");
    vr_plan_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.limit = 50;
    ctx.tables = TABLES;
    ctx.table_count = 1;
    vr_plan_opts_init(&ctx.opts);
    ctx.opts.replace_drifted = true;
    ctx.opts.max_replaces = 5;
    vr_plan_org_result plan;
    assert_int_equal(vr_plan_org(&plan, org, live.v, live.n, &ctx), 0);
    assert_int_equal(plan.replace_count, 2); /* diff and dead; guard is protected */
    vr_drift_org r;
    assert_int_equal(vr_drift_build(&r, org, live.v, live.n, &plan, RUN, 1795000000000LL), 0);
    vr_plan_org_result_free(&plan);
    assert_int_equal(r.counts[VR_DRIFT_DIFFERENT], 2);
    assert_int_equal(r.counts[VR_DRIFT_NOT_ACTIVE], 1);
    assert_non_null(find_field(find(&r, "diff"), "remoteIp"));
    assert_string_equal(find(&r, "dead")->state, "failed");
    assert_string_equal(find(&r, "diff")->id, "id-1");

    const char *paths[] = {"inv/a.yaml", "my inv/it's.yaml"};
    vr_drift_set_repairs(&r, org, paths, 2);
    assert_string_equal(
        find(&r, "diff")->repair,
        "vni-reconcile apply -f inv/a.yaml -f 'my inv/it'\\''s.yaml' --replace diff");
    assert_non_null(find(&r, "dead")->repair);
    assert_non_null(strstr(find(&r, "dead")->repair, "--replace dead"));
    assert_null(find(&r, "guard")->repair);
    assert_true(find(&r, "guard")->protect);
    assert_null(find(&r, "fine")->repair);

    vr_buf b = VR_BUF_INIT;
    vr_render_drift_text(&b, &r, 1, NULL);
    const char *t = vr_buf_str(&b);
    assert_non_null(strstr(t, "  ! not active dead (failed)\n      repair: vni-reconcile apply -f "
                              "inv/a.yaml -f 'my inv/it'\\''s.yaml' --replace dead\n"));
    assert_non_null(strstr(t, "      repair: by hand (protect: true"));
    vr_buf_reset(&b);
    vr_render_drift_markdown(&b, &r, 1, NULL);
    assert_non_null(strstr(vr_buf_str(&b), "**Repair**"));
    assert_non_null(strstr(vr_buf_str(&b), "--replace diff"));
    vr_buf_free(&b);
    cJSON *j = vr_render_drift_org_json(&r);
    const cJSON *it;
    size_t with_repair = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "interfaces"))
    {
        with_repair += cJSON_IsString(cJSON_GetObjectItem(it, "repair"));
        if (strcmp(cJSON_GetObjectItem(it, "name")->valuestring, "guard") == 0)
            assert_true(cJSON_IsTrue(cJSON_GetObjectItem(it, "protect")));
    }
    assert_int_equal(with_repair, 2);
    cJSON_Delete(j);
    vr_drift_org_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_kind),
        cmocka_unit_test(test_no_drift),
        cmocka_unit_test(test_missing_state_is_not_active),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_ignore_by_name),
        cmocka_unit_test(test_ignore_by_field),
        cmocka_unit_test(test_ignore_name_and_field),
        cmocka_unit_test(test_ignore_state),
        cmocka_unit_test(test_uptime_arithmetic),
        cmocka_unit_test(test_history_marks),
        cmocka_unit_test(test_json_is_history),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_markdown),
        cmocka_unit_test(test_markdown_bound),
        cmocka_unit_test(test_summary_all),
        cmocka_unit_test(test_repairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
