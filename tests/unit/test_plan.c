/* test_plan: the pure diff and plan: categories, conflicts, limit, order, prune guards,
 * fingerprint, scale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "vr_plan.h"
#include "vr_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

static void fill(vr_iface *f, const char *name, const char *local, const char *remote,
                 const char *subnet, const char *rt)
{
    vr_test_iface(f, ORG, name, local, remote, subnet, rt);
    assert_int_equal(vr_iface_validate(f, NULL, NULL), 0);
}

/* Adds an inventory interface to org; returns it. */
static vr_iface *want(vr_org *org, const char *name, const char *local, const char *remote,
                      const char *subnet, const char *rt)
{
    vr_iface f;
    fill(&f, name, local, remote, subnet, rt);
    return vr_org_take_iface(org, &f);
}

typedef vr_test_ifaces live_list;

static vr_iface *have(live_list *l, const char *id, const char *name, const char *local,
                      const char *remote, const char *subnet, const char *rt)
{
    vr_iface *f = vr_test_ifaces_add(l);
    fill(f, name, local, remote, subnet, rt);
    f->id = vr_strdup(id);
    f->state = vr_strdup("active");
    return f;
}

static vr_inventory inv_new(vr_org **org)
{
    vr_inventory inv = {0};
    *org = vr_inventory_add_org(&inv, ORG);
    return inv;
}

static const vr_plan_table TABLES[] = {{"rt-1", "core"}, {"rt-2", "edge"}, {"rt-3", "access"}};

static vr_plan_ctx ctx_default(void)
{
    vr_plan_ctx c;
    memset(&c, 0, sizeof(c));
    c.limit = 50;
    c.tables = TABLES;
    c.table_count = 3;
    vr_plan_opts_init(&c.opts);
    return c;
}

static const vr_diag *find_diag(const vr_plan_org_result *r, const char *code)
{
    for (size_t i = 0; i < r->diags.count; i++)
        if (strcmp(r->diags.items[i].code, code) == 0) return &r->diags.items[i];
    return NULL;
}

static size_t count_diag(const vr_plan_org_result *r, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < r->diags.count; i++)
        n += strcmp(r->diags.items[i].code, code) == 0;
    return n;
}

/* ---- categories ---------------------------------------------------------------------- */

static void test_categories(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "a-missing", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    want(org, "b-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    vr_iface *c = want(org, "c-drift", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    c->description = vr_strdup("wanted");
    live_list live = {0};
    have(&live, "id-b", "b-same", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    have(&live, "id-c", "c-drift", "10.0.3.1", "203.0.113.33", "10.0.3.0/24", "rt-1");
    vr_iface *u = have(&live, "id-u", "u-other", "10.0.9.1", "203.0.113.9", "10.0.9.0/24", "rt-2");
    free(u->state);
    u->state = vr_strdup("provisioning");
    vr_plan_ctx ctx = ctx_default();
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);

    assert_string_equal(r.org_id, ORG);
    assert_int_equal(r.live_count, 3);
    assert_int_equal(r.action_count, 1);
    assert_int_equal(r.create_count, 1);
    assert_int_equal(r.delete_count, 0);
    assert_int_equal(r.actions[0].seq, 1);
    assert_int_equal(r.actions[0].kind, VR_ACTION_CREATE);
    assert_string_equal(r.actions[0].name, "a-missing");
    assert_string_equal(r.actions[0].reason, "missing live");
    assert_string_equal(r.actions[0].iface.local_ip, "10.0.1.1");
    assert_string_equal(r.actions[0].iface.org_id, ORG);
    assert_null(r.actions[0].iface.locs.file);

    assert_int_equal(r.unchanged_count, 1);
    assert_string_equal(r.unchanged[0].name, "b-same");
    assert_string_equal(r.unchanged[0].id, "id-b");

    assert_int_equal(r.drift_count, 1);
    assert_string_equal(r.drift[0].name, "c-drift");
    assert_string_equal(r.drift[0].id, "id-c");
    assert_int_equal(r.drift[0].field_count, 2);
    assert_string_equal(r.drift[0].fields[0].field, "remoteIp");
    assert_string_equal(r.drift[0].fields[0].want, "203.0.113.3");
    assert_string_equal(r.drift[0].fields[0].live, "203.0.113.33");
    assert_string_equal(r.drift[0].fields[1].field, "description");
    assert_string_equal(r.drift[0].fields[1].want, "wanted");
    assert_string_equal(r.drift[0].fields[1].live, "");

    assert_int_equal(r.unmanaged_count, 1);
    assert_string_equal(r.unmanaged[0].name, "u-other");
    assert_int_equal(r.not_active_count, 1);
    assert_string_equal(r.not_active[0].name, "u-other");
    assert_string_equal(r.not_active[0].state, "provisioning");

    assert_int_equal(r.diags.errors, 0);
    assert_true(vr_plan_org_possible(&r));
    assert_true(vr_plan_org_has_changes(&r));
    assert_int_equal(strlen(r.live_fingerprint), 64);

    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_ignores_and_no_changes(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "c-drift", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    org->ignores = vr_xcalloc(2, sizeof(*org->ignores));
    org->ignores[0].name = vr_strdup("c-drift");
    org->ignores[0].field = vr_strdup("remoteIp");
    org->ignores[1].name = vr_strdup("u-other");
    org->ignore_count = 2;
    live_list live = {0};
    have(&live, "id-c", "c-drift", "10.0.3.1", "203.0.113.33", "10.0.3.0/24", "rt-1");
    have(&live, "id-u", "u-other", "10.0.9.1", "203.0.113.9", "10.0.9.0/24", "rt-2");
    vr_plan_ctx ctx = ctx_default();
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.drift_count, 0);
    assert_int_equal(r.unchanged_count, 1);
    assert_int_equal(r.unmanaged_count, 0); /* ignored by name */
    assert_false(vr_plan_org_has_changes(&r));
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* ---- conflicts ------------------------------------------------------------------------ */

static void plan_one_create(vr_plan_org_result *r, const char *local, const char *remote,
                            const char *subnet, const char *rt, live_list *live)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    vr_iface *w = want(org, "new-vni", local, remote, subnet, rt);
    static const char *file = "inv.yaml";
    w->locs.file = file;
    w->locs.local_ip = (vr_pos){7, 14};
    w->locs.subnet_cidr = (vr_pos){9, 17};
    w->locs.remote_ip = (vr_pos){8, 15};
    w->locs.routing_table_id = (vr_pos){10, 21};
    vr_plan_ctx ctx = ctx_default();
    assert_int_equal(vr_plan_org(r, org, live->v, live->n, &ctx), 0);
    vr_inventory_free(&inv); /* the result owns its copies */
}

static void test_conflict_ip_allocated(void **state)
{
    live_list live = {0};
    have(&live, "id-x", "x", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    vr_plan_org_result r;
    /* equal to a live localIp (written differently is still the same address: v6 case below) */
    plan_one_create(&r, "10.0.1.1", "198.51.100.1", "10.0.1.0/24", "rt-1", &live);
    const vr_diag *g = find_diag(&r, "ip-allocated");
    assert_non_null(g);
    assert_int_equal(g->severity, VR_SEV_ERROR);
    assert_string_equal(g->file, "inv.yaml");
    assert_int_equal(g->line, 7);
    assert_non_null(strstr(g->message, "new-vni"));
    assert_non_null(strstr(g->message, "live connection x (id id-x)"));
    assert_non_null(strstr(g->message, "localIp"));
    assert_false(vr_plan_org_possible(&r));
    vr_plan_org_result_free(&r);

    /* equal to a live remoteIp */
    plan_one_create(&r, "203.0.113.1", "198.51.100.1", "203.0.113.0/24", "rt-1", &live);
    g = find_diag(&r, "ip-allocated");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "remoteIp of live connection x"));
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);

    have(&live, "id-6", "six", "2001:db8:1::1", "2001:db8:ff::1", "2001:db8:1::/64", "rt-1");
    plan_one_create(&r, "2001:db8:ff:0::1", "2001:db8:fe::1", "2001:db8:ff::/64", "rt-1", &live);
    assert_non_null(find_diag(&r, "ip-allocated"));
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
}

static void test_conflict_subnet_overlap(void **state)
{
    live_list live = {0};
    have(&live, "id-w", "wide", "10.1.0.1", "203.0.113.1", "10.1.0.0/16", "rt-1");
    have(&live, "id-n", "narrow", "10.2.5.1", "203.0.113.2", "10.2.5.0/24", "rt-1");
    vr_plan_org_result r;
    /* inside a live /16 */
    plan_one_create(&r, "10.1.7.1", "198.51.100.1", "10.1.7.0/24", "rt-1", &live);
    const vr_diag *g = find_diag(&r, "subnet-overlap");
    assert_non_null(g);
    assert_int_equal(g->line, 9);
    assert_non_null(strstr(g->message, "wide (id id-w)"));
    assert_non_null(strstr(g->message, "10.1.0.0/16"));
    vr_plan_org_result_free(&r);
    /* containing a live /24 */
    plan_one_create(&r, "10.2.0.1", "198.51.100.1", "10.2.0.0/16", "rt-1", &live);
    g = find_diag(&r, "subnet-overlap");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "narrow (id id-n)"));
    vr_plan_org_result_free(&r);
    /* next to them: no conflict at all */
    plan_one_create(&r, "10.3.0.1", "198.51.100.1", "10.3.0.0/16", "rt-1", &live);
    assert_int_equal(r.diags.count, 0);
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
}

static void test_conflict_remote_in_subnet(void **state)
{
    live_list live = {0};
    have(&live, "id-x", "x", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    vr_plan_org_result r;
    /* the new gateway inside a live subnet */
    plan_one_create(&r, "10.0.2.1", "10.0.1.77", "10.0.2.0/24", "rt-1", &live);
    const vr_diag *g = find_diag(&r, "remote-in-subnet");
    assert_non_null(g);
    assert_int_equal(g->line, 8);
    assert_non_null(strstr(g->message, "remoteIp 10.0.1.77"));
    assert_non_null(strstr(g->message, "x (id id-x)"));
    vr_plan_org_result_free(&r);
    /* a live gateway inside the new subnet */
    plan_one_create(&r, "203.0.113.5", "198.51.100.1", "203.0.113.0/24", "rt-1", &live);
    g = find_diag(&r, "remote-in-subnet");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "contains remoteIp 203.0.113.1"));
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
}

static void test_unknown_routing_table(void **state)
{
    live_list live = {0};
    vr_plan_org_result r;
    plan_one_create(&r, "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-4", &live);
    const vr_diag *g = find_diag(&r, "unknown-routing-table");
    assert_non_null(g);
    assert_int_equal(g->severity, VR_SEV_ERROR);
    assert_int_equal(g->line, 10);
    assert_non_null(strstr(g->message, "interface new-vni: routing table rt-4 does not exist"));
    assert_non_null(strstr(g->message, "did you mean rt-"));
    vr_plan_org_result_free(&r);
    plan_one_create(&r, "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-3", &live);
    assert_null(find_diag(&r, "unknown-routing-table"));
    vr_plan_org_result_free(&r);
}

static void test_duplicate_name(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "twin", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    want(org, "twin", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    vr_plan_ctx ctx = ctx_default();
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, NULL, 0, &ctx), 0);
    const vr_diag *g = find_diag(&r, "duplicate-name");
    assert_non_null(g);
    assert_int_equal(g->severity, VR_SEV_ERROR);
    assert_int_equal(r.create_count, 1);
    vr_plan_org_result_free(&r);
    vr_inventory_free(&inv);
}

/* ---- limit ---------------------------------------------------------------------------- */

static void limit_case(long limit, bool defaulted, bool expect_error)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "n1", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    want(org, "n2", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    live_list live = {0};
    have(&live, "id-1", "l1", "10.1.1.1", "198.51.100.1", "10.1.1.0/24", "rt-1");
    have(&live, "id-2", "l2", "10.1.2.1", "198.51.100.2", "10.1.2.0/24", "rt-1");
    have(&live, "id-3", "l3", "10.1.3.1", "198.51.100.3", "10.1.3.0/24", "rt-1");
    vr_plan_ctx ctx = ctx_default();
    ctx.limit = limit;
    ctx.limit_defaulted = defaulted;
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    const vr_diag *g = find_diag(&r, "limit-exceeded");
    if (expect_error) {
        assert_non_null(g);
        assert_non_null(strstr(g->message, "3 live - 0 to delete + 2 to create = 5"));
        char want_text[64];
        snprintf(want_text, sizeof(want_text), "over the limit of %ld", limit);
        assert_non_null(strstr(g->message, want_text));
        assert_false(vr_plan_org_possible(&r));
    } else {
        assert_null(g);
        assert_true(vr_plan_org_possible(&r));
    }
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_limit_boundary(void **state)
{
    limit_case(5, false, false); /* exactly at the limit */
    limit_case(4, false, true);  /* one over */
}

static void test_limit_defaulted_noted(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    vr_plan_ctx ctx = ctx_default();
    ctx.limit = VR_DEFAULT_LIMIT;
    ctx.limit_defaulted = true;
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, NULL, 0, &ctx), 0);
    assert_true(r.limit_defaulted);
    assert_int_equal(r.limit, 50);
    const vr_diag *g = find_diag(&r, "limit-defaulted");
    assert_non_null(g);
    assert_int_equal(g->severity, VR_SEV_NOTE);
    assert_non_null(strstr(g->message, "default of 50"));
    assert_true(vr_plan_org_possible(&r));
    vr_plan_org_result_free(&r);
    ctx.limit_defaulted = false;
    assert_int_equal(vr_plan_org(&r, org, NULL, 0, &ctx), 0);
    assert_null(find_diag(&r, "limit-defaulted"));
    vr_plan_org_result_free(&r);
    vr_inventory_free(&inv);
}

/* ---- order -------------------------------------------------------------------------------- */

static void test_order(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    /* tables by name: access (rt-3), core (rt-1), edge (rt-2) */
    vr_iface *f;
    f = want(org, "core-b", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    f = want(org, "core-a", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    f = want(org, "core-z-first", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    f->has_order = true;
    f->order = 5;
    f = want(org, "core-y-second", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "rt-1");
    f->has_order = true;
    f->order = 10;
    f = want(org, "edge-a", "10.0.5.1", "203.0.113.5", "10.0.5.0/24", "rt-2");
    f->has_order = true;
    f->order = -100; /* order never moves an interface out of its table's group */
    f = want(org, "access-a", "10.0.6.1", "203.0.113.6", "10.0.6.0/24", "rt-3");
    (void)f;
    live_list live = {0};
    have(&live, "id-1", "old-2", "10.1.1.1", "198.51.100.1", "10.1.1.0/24", "rt-1");
    have(&live, "id-2", "old-1", "10.1.2.1", "198.51.100.2", "10.1.2.0/24", "rt-1");
    have(&live, "id-3", "keep", "10.1.3.1", "198.51.100.3", "10.1.3.0/24", "rt-1");
    vr_plan_ctx ctx = ctx_default();
    ctx.opts.prune = true;
    ctx.opts.max_deletes = 5;
    ctx.opts.managed_prefix = "old-";
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    const char *expect[] = {"old-1",         "old-2",  "access-a", "core-z-first",
                            "core-y-second", "core-a", "core-b",   "edge-a"};
    assert_int_equal(r.action_count, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(r.actions[i].seq, i + 1);
        assert_string_equal(r.actions[i].name, expect[i]);
        assert_int_equal(r.actions[i].kind, i < 2 ? VR_ACTION_DELETE : VR_ACTION_CREATE);
    }
    assert_string_equal(r.actions[0].iface.id, "id-2");
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* ---- prune guards --------------------------------------------------------------------------- */

static void test_prune_off_and_no_prefix(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "vni-keep", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    live_list live = {0};
    have(&live, "id-1", "vni-keep", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    have(&live, "id-2", "vni-old", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    vr_plan_ctx ctx = ctx_default();
    ctx.opts.managed_prefix = "vni-";
    vr_plan_org_result r;
    /* no --prune: reported as unmanaged, never deleted */
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.delete_count, 0);
    assert_int_equal(r.unmanaged_count, 1);
    vr_plan_org_result_free(&r);
    /* --prune without a managed prefix: nothing is managed beyond the inventory's names */
    ctx.opts.prune = true;
    ctx.opts.managed_prefix = NULL;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.delete_count, 0);
    vr_plan_org_result_free(&r);
    ctx.opts.managed_prefix = "";
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.delete_count, 0);
    vr_plan_org_result_free(&r);
    /* with both: the managed, unnamed one goes */
    ctx.opts.managed_prefix = "vni-";
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.delete_count, 1);
    assert_string_equal(r.actions[0].name, "vni-old");
    assert_string_equal(r.actions[0].iface.id, "id-2");
    assert_non_null(strstr(r.actions[0].reason, "not in the inventory"));
    assert_int_equal(r.unmanaged_count, 1); /* still listed as not in the inventory */
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_prune_protect_unmanaged_ignored(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    vr_iface *p = want(org, "vni-protected", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    p->protect = true;
    org->ignores = vr_xcalloc(1, sizeof(*org->ignores));
    org->ignores[0].name = vr_strdup("vni-kept-by-ignore");
    org->ignore_count = 1;
    live_list live = {0};
    /* protected (named, even though it drifts), foreign (no prefix), ignored by name */
    have(&live, "id-1", "vni-protected", "10.0.1.1", "203.0.113.99", "10.0.1.0/24", "rt-1");
    have(&live, "id-2", "other-team", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    have(&live, "id-3", "vni-kept-by-ignore", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    have(&live, "id-4", "vni-stale", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "rt-1");
    vr_plan_ctx ctx = ctx_default();
    ctx.opts.prune = true;
    ctx.opts.max_deletes = 10;
    ctx.opts.managed_prefix = "vni-";
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.delete_count, 1);
    assert_string_equal(r.actions[0].name, "vni-stale");
    assert_int_equal(r.drift_count, 1); /* shown, not replaced */
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_prune_max_deletes(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "vni-keep", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    live_list live = {0};
    have(&live, "id-0", "vni-keep", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    have(&live, "id-c", "vni-c", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    have(&live, "id-a", "vni-a", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    have(&live, "id-b", "vni-b", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "rt-1");
    vr_plan_ctx ctx = ctx_default();
    ctx.opts.prune = true;
    ctx.opts.managed_prefix = "vni-";
    vr_plan_org_result r;
    /* default max_deletes 1: the first by name, the others deferred with a warning */
    assert_int_equal(ctx.opts.max_deletes, 1);
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.delete_count, 1);
    assert_string_equal(r.actions[0].name, "vni-a");
    assert_int_equal(count_diag(&r, "delete-deferred"), 2);
    assert_int_equal(find_diag(&r, "delete-deferred")->severity, VR_SEV_WARNING);
    assert_non_null(strstr(find_diag(&r, "delete-deferred")->message, "vni-b (id id-b)"));
    assert_true(vr_plan_org_possible(&r));
    vr_plan_org_result_free(&r);
    /* max_deletes 0: none */
    ctx.opts.max_deletes = 0;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.delete_count, 0);
    assert_int_equal(count_diag(&r, "delete-deferred"), 3);
    vr_plan_org_result_free(&r);
    ctx.opts.max_deletes = 2;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.delete_count, 2);
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_prune_never_all(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    live_list live = {0};
    have(&live, "id-a", "vni-a", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    have(&live, "id-b", "vni-b", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "rt-1");
    vr_plan_ctx ctx = ctx_default();
    ctx.opts.prune = true;
    ctx.opts.max_deletes = 10;
    ctx.opts.managed_prefix = "vni-";
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.delete_count, 1);
    const vr_diag *g = find_diag(&r, "delete-deferred");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "never deletes every connection"));
    vr_plan_org_result_free(&r);
    /* a single connection is never deleted */
    live_list one = {0};
    have(&one, "id-a", "vni-a", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    assert_int_equal(vr_plan_org(&r, org, one.v, one.n, &ctx), 0);
    assert_int_equal(r.delete_count, 0);
    assert_int_equal(count_diag(&r, "delete-deferred"), 1);
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&one);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_delete_frees_addresses_and_capacity(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "vni-keep", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    want(org, "vni-new", "10.0.2.1", "203.0.113.9", "10.0.2.0/24", "rt-1");
    live_list live = {0};
    have(&live, "id-k", "vni-keep", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    have(&live, "id-o", "vni-old", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    vr_plan_ctx ctx = ctx_default();
    ctx.limit = 2;
    vr_plan_org_result r;
    /* without prune: the old one holds the address and the capacity */
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_non_null(find_diag(&r, "ip-allocated"));
    assert_non_null(find_diag(&r, "subnet-overlap"));
    assert_non_null(find_diag(&r, "limit-exceeded"));
    vr_plan_org_result_free(&r);
    ctx.opts.prune = true;
    ctx.opts.managed_prefix = "vni-";
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.diags.count, 0);
    assert_int_equal(r.action_count, 2);
    assert_int_equal(r.actions[0].kind, VR_ACTION_DELETE);
    assert_int_equal(r.actions[1].kind, VR_ACTION_CREATE);
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* ---- fingerprint ------------------------------------------------------------------------- */

static void test_fingerprint(void **state)
{
    live_list a = {0}, b = {0};
    have(&a, "id-1", "one", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    have(&a, "id-2", "two", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    have(&b, "id-2", "two", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    have(&b, "id-1", "one", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    char fa[65], fb[65];
    vr_plan_live_fingerprint(a.v, a.n, fa);
    vr_plan_live_fingerprint(b.v, b.n, fb);
    assert_string_equal(fa, fb); /* list order does not matter */

    free(b.v[0].state);
    b.v[0].state = vr_strdup("provisioning");
    vr_plan_live_fingerprint(b.v, b.n, fb);
    assert_string_equal(fa, fb); /* state is left out */

    free(b.v[0].remote_ip);
    b.v[0].remote_ip = vr_strdup("203.0.113.22");
    vr_plan_live_fingerprint(b.v, b.n, fb);
    assert_string_not_equal(fa, fb); /* a real change */

    vr_plan_live_fingerprint(a.v, 1, fb);
    assert_string_not_equal(fa, fb); /* a connection gone */

    /* the exact bytes of the header's definition */
    const char *bytes = "vr-live-v1\n"
                        "4:id-13:one9:ipconnect8:10.0.1.111:203.0.113.111:10.0.1.0/24"
                        "1#7:8.8.8.84:rt-10:";
    char expect[65];
    vr_sha256_hex(bytes, strlen(bytes), expect);
    vr_plan_live_fingerprint(a.v, 1, fb);
    assert_string_equal(fb, expect);
    vr_plan_live_fingerprint(NULL, 0, fb);
    vr_sha256_hex("vr-live-v1\n", 11, expect);
    assert_string_equal(fb, expect);
    vr_test_ifaces_free(&a);
    vr_test_ifaces_free(&b);
}

/* ---- scale ------------------------------------------------------------------------------ */

static void test_scale_100k(void **state)
{
    const size_t N = 100000;
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    live_list live = {0};
    char name[32], id[32], local[64], remote[64], subnet[64];
    /* one /64 per interface: 2001:db8:HI:LO::/64 for the inventory, 2001:db9:... for others */
    for (size_t i = 0; i < N; i++) {
        unsigned hi = (unsigned)(i >> 16), lo = (unsigned)(i & 0xffff);
        snprintf(name, sizeof(name), "vni-%06zu", i);
        snprintf(local, sizeof(local), "2001:db8:%x:%x::1", hi, lo);
        snprintf(remote, sizeof(remote), "2001:dba:%x:%x::1", hi, lo);
        snprintf(subnet, sizeof(subnet), "2001:db8:%x:%x::/64", hi, lo);
        want(org, name, local, remote, subnet, "rt-1");
    }
    /* live: the even half of the inventory, plus as many others */
    for (size_t i = 0; i < N; i++) {
        unsigned hi = (unsigned)(i >> 16), lo = (unsigned)(i & 0xffff);
        const char *net = i % 2 == 0 ? "db8" : "db9";
        if (i % 2 == 0)
            snprintf(name, sizeof(name), "vni-%06zu", i);
        else
            snprintf(name, sizeof(name), "other-%06zu", i);
        snprintf(local, sizeof(local), "2001:%s:%x:%x::1", net, hi, lo);
        snprintf(remote, sizeof(remote), "2001:dba:%x:%x::1", hi, lo);
        snprintf(subnet, sizeof(subnet), "2001:%s:%x:%x::/64", net, hi, lo);
        if (i % 2) snprintf(remote, sizeof(remote), "2001:dbb:%x:%x::1", hi, lo);
        snprintf(id, sizeof(id), "id-%06zu", i);
        have(&live, id, name, local, remote, subnet, "rt-1");
    }
    vr_plan_ctx ctx = ctx_default();
    ctx.limit = 1000000;
    vr_plan_org_result r;
    int64_t t0 = vr_now_ms();
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    int64_t took = vr_now_ms() - t0;
    assert_int_equal(r.create_count, N / 2);
    assert_int_equal(r.unchanged_count, N / 2);
    assert_int_equal(r.unmanaged_count, N / 2);
    assert_int_equal(r.diags.count, 0);
    /* pairwise would be 10^10 comparisons; sorted indexes take well under a second (the bound
     * is generous for ASan on a shared machine) */
    print_message("plan of %zu inventory interfaces against %zu live connections: %lld ms\n", N,
                  live.n, (long long)took);
    assert_true(took < 20000);
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_whole_plan(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    inv.sources = vr_xcalloc(1, sizeof(*inv.sources));
    inv.sources[0].path = vr_strdup("inv.yaml");
    vr_sha256_hex("", 0, inv.sources[0].sha256);
    inv.source_count = 1;
    vr_plan plan = {0};
    vr_plan_set_meta(&plan, &inv, 0);
    assert_string_equal(plan.tool_version, VR_VERSION);
    assert_string_equal(plan.created_at, "1970-01-01T00:00:00.000Z");
    assert_int_equal(plan.file_count, 1);
    assert_string_equal(plan.files[0].path, "inv.yaml");
    assert_string_equal(plan.files[0].sha256, inv.sources[0].sha256);
    vr_plan_ctx ctx = ctx_default();
    assert_int_equal(vr_plan_org(vr_plan_add_org(&plan), org, NULL, 0, &ctx), 0);
    assert_true(vr_plan_possible(&plan));
    assert_false(vr_plan_has_changes(&plan));
    want(org, "n1", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-9");
    assert_int_equal(vr_plan_org(vr_plan_add_org(&plan), org, NULL, 0, &ctx), 0);
    assert_int_equal(plan.org_count, 2);
    assert_false(vr_plan_possible(&plan)); /* unknown routing table */
    assert_true(vr_plan_has_changes(&plan));
    vr_plan_free(&plan);
    assert_null(plan.orgs);
    vr_inventory_free(&inv);
}

/* ---- replacement ---------------------------------------------------------------------------- */

static void set_state(vr_iface *f, const char *state)
{
    free(f->state);
    f->state = vr_strdup(state);
}

static const vr_plan_action *find_action(const vr_plan_org_result *r, const char *name)
{
    for (size_t i = 0; i < r->action_count; i++)
        if (strcmp(r->actions[i].name, name) == 0) return &r->actions[i];
    return NULL;
}

static bool listed(const vr_plan_ref *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0) return true;
    return false;
}

/* A failed live connection is replaced by default: one action, its payload the inventory's
 * version, "replaces" the live id, state and table; it leaves unchanged but stays not active.
 * --no-replace-failed leaves it alone. */
static void test_replace_failed_by_default(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "ok-1", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    want(org, "broken", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    live_list live = {0};
    have(&live, "id-1", "ok-1", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    set_state(have(&live, "id-2", "broken", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1"),
              "failed");
    vr_plan_ctx ctx = ctx_default();
    assert_true(ctx.opts.replace_failed);
    assert_int_equal(ctx.opts.max_replaces, 1);
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.action_count, 1);
    assert_int_equal(r.replace_count, 1);
    assert_int_equal(r.create_count + r.delete_count, 0);
    const vr_plan_action *a = &r.actions[0];
    assert_int_equal(a->kind, VR_ACTION_REPLACE);
    assert_string_equal(vr_action_kind_name(a->kind), "replace");
    assert_string_equal(a->name, "broken");
    assert_string_equal(a->reason, VR_PLAN_REASON_FAILED);
    assert_null(a->iface.id); /* the payload is the inventory's version */
    assert_string_equal(a->iface.org_id, ORG);
    assert_string_equal(a->iface.local_ip, "10.0.2.1");
    assert_string_equal(a->replaces.id, "id-2");
    assert_string_equal(a->replaces.state, "failed");
    assert_string_equal(a->replaces.routing_table_id, "rt-1");
    assert_int_equal(a->replaces.field_count, 0);
    /* listed under the action only; still a live connection that is not active */
    assert_int_equal(r.unchanged_count, 1);
    assert_false(listed(r.unchanged, r.unchanged_count, "broken"));
    assert_true(listed(r.not_active, r.not_active_count, "broken"));
    assert_true(vr_plan_org_possible(&r));
    assert_true(vr_plan_org_has_changes(&r)); /* --detailed-exitcode: a change */
    vr_plan_org_result_free(&r);

    ctx.opts.replace_failed = false; /* --no-replace-failed */
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.action_count, 0);
    assert_true(listed(r.unchanged, r.unchanged_count, "broken"));
    assert_true(listed(r.not_active, r.not_active_count, "broken"));
    assert_false(vr_plan_org_has_changes(&r));
    vr_plan_org_result_free(&r);

    /* the ignore list leaves its state out: not failed, as far as the plan is concerned */
    ctx.opts.replace_failed = true;
    org->ignores = vr_xcalloc(1, sizeof(*org->ignores));
    org->ignores[0].name = vr_strdup("broken");
    org->ignores[0].field = vr_strdup("state");
    org->ignore_count = 1;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.action_count, 0);
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* --replace-drifted: an interface that differs live is replaced, with its fields; without it
 * the interface is drift, shown and left alone. An ignored field does not count. */
static void test_replace_drifted(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    vr_iface *w = want(org, "moved", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-2");
    w->description = vr_strdup("wanted");
    want(org, "desc-only", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    live_list live = {0};
    vr_iface *l = have(&live, "id-1", "moved", "10.0.1.1", "203.0.113.99", "10.0.1.0/24", "rt-1");
    l->description = vr_strdup("by hand");
    have(&live, "id-2", "desc-only", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1")
        ->description = vr_strdup("noise");
    org->ignores = vr_xcalloc(1, sizeof(*org->ignores));
    org->ignores[0].field = vr_strdup("description");
    org->ignore_count = 1;
    vr_plan_ctx ctx = ctx_default();
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.action_count, 0);
    assert_int_equal(r.drift_count, 1);
    assert_string_equal(r.drift[0].name, "moved");
    vr_plan_org_result_free(&r);

    ctx.opts.replace_drifted = true;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.replace_count, 1);
    assert_int_equal(r.drift_count, 0);
    const vr_plan_action *a = &r.actions[0];
    assert_string_equal(a->name, "moved");
    assert_string_equal(a->reason, "differs live in remoteIp, routingTableId (--replace-drifted)");
    assert_int_equal(a->replaces.field_count, 2); /* description is ignored */
    assert_string_equal(a->replaces.fields[0].field, "remoteIp");
    assert_string_equal(a->replaces.fields[0].want, "203.0.113.1");
    assert_string_equal(a->replaces.fields[0].live, "203.0.113.99");
    assert_string_equal(a->replaces.fields[1].field, "routingTableId");
    /* the new version moves to another table: the old one is kept to be synced too */
    assert_string_equal(a->replaces.routing_table_id, "rt-1");
    assert_string_equal(a->iface.routing_table_id, "rt-2");
    assert_true(listed(r.unchanged, r.unchanged_count, "desc-only"));
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* --replace NAME: replaced whether or not it drifted; a name that is not live is created
 * (with a warning); a name no organization holds is an error, with a suggestion; one another
 * organization of the inventory holds is not. */
static void test_replace_named(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "same", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    want(org, "gone", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    vr_org *other = vr_inventory_add_org(&inv, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    org = &inv.orgs[0]; /* the add may have moved the array */
    want(other, "elsewhere", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    live_list live = {0};
    have(&live, "id-1", "same", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    have(&live, "id-9", "unmanaged-9", "10.0.9.1", "203.0.113.9", "10.0.9.0/24", "rt-1");
    const char *names[] = {"same", "gone", "elsewhere", "smae", "unmanaged-9"};
    vr_plan_ctx ctx = ctx_default();
    ctx.opts.replace = names;
    ctx.opts.replace_count = 5;
    ctx.opts.max_replaces = 5;
    vr_plan plan = {0};
    vr_plan_org_result *r = vr_plan_add_org(&plan);
    assert_int_equal(vr_plan_org(r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r->replace_count, 1);
    assert_int_equal(r->create_count, 1);
    const vr_plan_action *a = find_action(r, "same");
    assert_non_null(a);
    assert_int_equal(a->kind, VR_ACTION_REPLACE);
    assert_string_equal(a->reason, VR_PLAN_REASON_ASKED);
    assert_int_equal(find_action(r, "gone")->kind, VR_ACTION_CREATE);
    const vr_diag *g = find_diag(r, "replace-not-live");
    assert_non_null(g);
    assert_int_equal(g->severity, VR_SEV_WARNING);
    assert_non_null(strstr(g->message, "gone"));
    assert_true(vr_plan_org_possible(r));

    /* the run-level check: "smae" and "unmanaged-9" are in no inventory; "elsewhere" is */
    assert_int_equal(vr_plan_check_replace_names(&plan, &inv, &ctx.opts), 2);
    assert_int_equal(count_diag(r, "replace-unknown"), 2);
    g = find_diag(r, "replace-unknown");
    assert_int_equal(g->severity, VR_SEV_ERROR);
    assert_non_null(strstr(g->message, "--replace smae"));
    assert_non_null(strstr(g->message, "did you mean same?"));
    assert_false(vr_plan_possible(&plan));
    /* recorded in the plan, in the order given */
    vr_plan_record_opts(&plan, &ctx.opts);
    assert_true(plan.options.recorded);
    assert_int_equal(plan.options.replace_count, 5);
    assert_string_equal(plan.options.replace[3], "smae");
    assert_int_equal(plan.options.max_replaces, 5);
    assert_true(plan.options.replace_failed);
    vr_plan_free(&plan);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* protect: true is never replaced: asked for, an error (the plan cannot be carried out);
 * failed or drifted, a warning, and the interface stays as it is listed. */
static void test_replace_protected(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "guarded", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1")->protect = true;
    want(org, "guarded-failed", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1")->protect = true;
    live_list live = {0};
    have(&live, "id-1", "guarded", "10.0.1.1", "203.0.113.99", "10.0.1.0/24", "rt-1");
    set_state(
        have(&live, "id-2", "guarded-failed", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1"),
        "failed");
    vr_plan_ctx ctx = ctx_default();
    ctx.opts.replace_drifted = true;
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.action_count, 0);
    assert_int_equal(count_diag(&r, "replace-protected"), 2);
    assert_int_equal(find_diag(&r, "replace-protected")->severity, VR_SEV_WARNING);
    assert_true(vr_plan_org_possible(&r));
    assert_int_equal(r.drift_count, 1);
    assert_true(listed(r.unchanged, r.unchanged_count, "guarded-failed"));
    vr_plan_org_result_free(&r);

    const char *names[] = {"guarded"};
    ctx.opts.replace = names;
    ctx.opts.replace_count = 1;
    ctx.opts.replace_drifted = false;
    ctx.opts.replace_failed = false;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.action_count, 0);
    const vr_diag *g = find_diag(&r, "replace-protected");
    assert_int_equal(g->severity, VR_SEV_ERROR);
    assert_non_null(strstr(g->message, "interface guarded: --replace names it"));
    assert_false(vr_plan_org_possible(&r));
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* At most max_replaces: the asked-for first, then the failed, then the drifted; the others
 * deferred with a warning and listed as before (name order kept). */
static void test_replace_max(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "a-drifted", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    want(org, "b-failed", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    want(org, "c-asked", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    want(org, "d-same", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "rt-1");
    live_list live = {0};
    have(&live, "id-a", "a-drifted", "10.0.1.1", "203.0.113.91", "10.0.1.0/24", "rt-1");
    set_state(have(&live, "id-b", "b-failed", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1"),
              "failed");
    have(&live, "id-c", "c-asked", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    have(&live, "id-d", "d-same", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "rt-1");
    const char *names[] = {"c-asked"};
    vr_plan_ctx ctx = ctx_default();
    ctx.opts.replace = names;
    ctx.opts.replace_count = 1;
    ctx.opts.replace_drifted = true;
    vr_plan_org_result r;
    /* default 1: the asked-for one */
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.replace_count, 1);
    assert_string_equal(r.actions[0].name, "c-asked");
    assert_int_equal(count_diag(&r, "replace-deferred"), 2);
    const vr_diag *g = find_diag(&r, "replace-deferred");
    assert_int_equal(g->severity, VR_SEV_WARNING);
    assert_non_null(strstr(g->message, "b-failed (id id-b)"));
    assert_non_null(strstr(g->message, "at most 1 replacement per run (--max-replaces)"));
    assert_int_equal(r.drift_count, 1);
    assert_string_equal(r.drift[0].name, "a-drifted");
    assert_int_equal(r.unchanged_count, 2);
    assert_string_equal(r.unchanged[0].name, "b-failed"); /* back in name order */
    assert_string_equal(r.unchanged[1].name, "d-same");
    vr_plan_org_result_free(&r);
    /* 2: and the failed one, in the order of actions (table, order, name) */
    ctx.opts.max_replaces = 2;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.replace_count, 2);
    assert_string_equal(r.actions[0].name, "b-failed");
    assert_string_equal(r.actions[1].name, "c-asked");
    assert_int_equal(count_diag(&r, "replace-deferred"), 1);
    vr_plan_org_result_free(&r);
    /* 0: none at all */
    ctx.opts.max_replaces = 0;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.action_count, 0);
    assert_int_equal(count_diag(&r, "replace-deferred"), 3);
    assert_int_equal(r.unchanged_count + r.drift_count, 4);
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* Deletions, then replacements, then creations; replacements by the new version's routing
 * table (by name), order, name. */
static void test_replace_order(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    want(org, "new-1", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    want(org, "r-core-b", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    vr_iface *f = want(org, "r-core-z", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    f->has_order = true;
    f->order = 1;
    want(org, "r-access", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "rt-3");
    live_list live = {0};
    have(&live, "id-2", "r-core-b", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    have(&live, "id-3", "r-core-z", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", "rt-1");
    have(&live, "id-4", "r-access", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "rt-2");
    have(&live, "id-x", "vni-stale", "10.0.9.1", "203.0.113.9", "10.0.9.0/24", "rt-1");
    const char *names[] = {"r-core-b", "r-core-z", "r-access"};
    vr_plan_ctx ctx = ctx_default();
    ctx.opts.replace = names;
    ctx.opts.replace_count = 3;
    ctx.opts.max_replaces = 3;
    ctx.opts.prune = true;
    ctx.opts.managed_prefix = "vni-";
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    /* tables by name: access (rt-3) < core (rt-1); inside core, order 1 before no order */
    const char *expect[] = {"vni-stale", "r-access", "r-core-z", "r-core-b", "new-1"};
    vr_action_kind kinds[] = {VR_ACTION_DELETE, VR_ACTION_REPLACE, VR_ACTION_REPLACE,
                              VR_ACTION_REPLACE, VR_ACTION_CREATE};
    assert_int_equal(r.action_count, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(r.actions[i].name, expect[i]);
        assert_int_equal(r.actions[i].kind, kinds[i]);
        assert_int_equal(r.actions[i].seq, i + 1);
    }
    /* moved from rt-2 to rt-3: both tables named */
    assert_string_equal(r.actions[1].replaces.routing_table_id, "rt-2");
    assert_string_equal(r.actions[1].iface.routing_table_id, "rt-3");
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

/* Before anything is deleted, the new version must be creatable: checked against the OTHER
 * live connections (not its own old one, nor the deleted ones), the routing table and the
 * limit. A create may take what a replacement frees. */
static void test_replace_checks(void **state)
{
    vr_org *org;
    vr_inventory inv = inv_new(&org);
    /* keeps its addresses: no conflict with its own old connection */
    want(org, "self", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1");
    /* wants an address and a subnet another live connection holds */
    want(org, "clash", "10.0.7.1", "203.0.113.2", "10.0.7.0/24", "rt-1");
    live_list live = {0};
    set_state(have(&live, "id-1", "self", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", "rt-1"),
              "failed");
    have(&live, "id-2", "clash", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", "rt-1");
    have(&live, "id-7", "holder", "10.0.7.1", "203.0.113.7", "10.0.7.0/24", "rt-1");
    const char *names[] = {"clash"};
    vr_plan_ctx ctx = ctx_default();
    ctx.opts.replace = names;
    ctx.opts.replace_count = 1;
    ctx.opts.max_replaces = 2;
    vr_plan_org_result r;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.replace_count, 2);
    assert_int_equal(count_diag(&r, "ip-allocated"), 1);
    assert_int_equal(count_diag(&r, "subnet-overlap"), 1);
    const vr_diag *g = find_diag(&r, "ip-allocated");
    assert_non_null(strstr(g->message, "interface clash: localIp 10.0.7.1 is in use as the localIp "
                                       "of live connection holder (id id-7)"));
    assert_non_null(strstr(find_diag(&r, "subnet-overlap")->message, "holder"));
    assert_false(vr_plan_org_possible(&r)); /* exit 3: nothing is deleted */
    vr_plan_org_result_free(&r);

    /* the holder goes with --prune: the replacement may take its address */
    ctx.opts.prune = true;
    ctx.opts.managed_prefix = "hold";
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.delete_count, 1);
    assert_true(vr_plan_org_possible(&r));
    vr_plan_org_result_free(&r);
    ctx.opts.prune = false;
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);

    /* a create takes the subnet a replacement frees; a replacement to an unknown table, and
     * over the limit, are errors */
    inv = inv_new(&org);
    want(org, "mover", "10.0.5.1", "203.0.113.5", "10.0.5.0/24", "rt-9");
    want(org, "newcomer", "10.0.4.1", "203.0.113.4", "10.0.4.0/24", "rt-1");
    memset(&live, 0, sizeof(live));
    have(&live, "id-m", "mover", "10.0.4.1", "203.0.113.5", "10.0.4.0/24", "rt-1");
    const char *mover[] = {"mover"};
    ctx = ctx_default();
    ctx.opts.replace = mover;
    ctx.opts.replace_count = 1;
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    assert_int_equal(r.replace_count, 1);
    assert_int_equal(r.create_count, 1);
    assert_int_equal(count_diag(&r, "ip-allocated") + count_diag(&r, "subnet-overlap"), 0);
    g = find_diag(&r, "unknown-routing-table");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "interface mover: routing table rt-9"));
    vr_plan_org_result_free(&r);
    ctx.limit = 1; /* 1 live, 1 replaced (net 0), 1 created: 2 > 1 */
    assert_int_equal(vr_plan_org(&r, org, live.v, live.n, &ctx), 0);
    g = find_diag(&r, "limit-exceeded");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "1 live - 0 to delete + 1 to create = 2"));
    vr_plan_org_result_free(&r);
    vr_test_ifaces_free(&live);
    vr_inventory_free(&inv);
}

static void test_bad_arguments(void **state)
{
    vr_plan_org_result r;
    vr_plan_ctx ctx = ctx_default();
    assert_int_equal(vr_plan_org(&r, NULL, NULL, 0, &ctx), -1);
    assert_null(r.org_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categories),
        cmocka_unit_test(test_ignores_and_no_changes),
        cmocka_unit_test(test_conflict_ip_allocated),
        cmocka_unit_test(test_conflict_subnet_overlap),
        cmocka_unit_test(test_conflict_remote_in_subnet),
        cmocka_unit_test(test_unknown_routing_table),
        cmocka_unit_test(test_duplicate_name),
        cmocka_unit_test(test_limit_boundary),
        cmocka_unit_test(test_limit_defaulted_noted),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_prune_off_and_no_prefix),
        cmocka_unit_test(test_prune_protect_unmanaged_ignored),
        cmocka_unit_test(test_prune_max_deletes),
        cmocka_unit_test(test_prune_never_all),
        cmocka_unit_test(test_delete_frees_addresses_and_capacity),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_scale_100k),
        cmocka_unit_test(test_whole_plan),
        cmocka_unit_test(test_replace_failed_by_default),
        cmocka_unit_test(test_replace_drifted),
        cmocka_unit_test(test_replace_named),
        cmocka_unit_test(test_replace_protected),
        cmocka_unit_test(test_replace_max),
        cmocka_unit_test(test_replace_order),
        cmocka_unit_test(test_replace_checks),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
