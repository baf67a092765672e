/* test_plancheck: the checks of a saved plan before apply carries it out. A plan is made from an
 * inventory and live connections, saved to JSON, tampered with the way an artifact can be, read
 * back strictly, and compared with the same plan made anew: every change to what would be
 * carried out is refused with a message that names it; what is only shown is not compared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "vr_iface.h"
#include "vr_plancheck.h"
#include "vr_planfile.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

/* An interface of ORG in table rt-1 with the addresses of octet (10.0.OCTET.1/24). */
static void fill(vr_iface *f, const char *name, int octet, const char *remote)
{
    char local[32], subnet[32];
    snprintf(local, sizeof(local), "10.0.%d.1", octet);
    snprintf(subnet, sizeof(subnet), "10.0.%d.0/24", octet);
    vr_test_iface(f, ORG, name, local, remote, subnet, "rt-1");
}

/* The inventory: vni-new and vni-new2 (missing live: created), vni-same (unchanged), vni-drift
 * (differs live: replaced with --replace-drifted). Live: vni-same, vni-drift, vni-old and
 * vni-old2 (managed, not named: deleted with --prune, --max-deletes 2), foreign (unmanaged). */
static void make_inventory(vr_inventory *inv)
{
    memset(inv, 0, sizeof(*inv));
    vr_org *org = vr_inventory_add_org(inv, ORG);
    org->region = vr_strdup("eu-west-1");
    inv->sources = vr_xcalloc(1, sizeof(*inv->sources));
    inv->sources[0].path = vr_strdup("inventory/prod.yaml");
    vr_sha256_hex("x", 1, inv->sources[0].sha256);
    inv->source_count = 1;
    vr_iface f;
    fill(&f, "vni-new", 1, "203.0.113.1");
    vr_org_take_iface(org, &f);
    fill(&f, "vni-new2", 5, "203.0.113.5");
    vr_org_take_iface(org, &f);
    fill(&f, "vni-same", 2, "203.0.113.2");
    vr_org_take_iface(org, &f);
    fill(&f, "vni-drift", 3, "203.0.113.3");
    vr_org_take_iface(org, &f);
}

static void make_org_plan(vr_plan_org_result *out, const vr_inventory *inv)
{
    vr_iface live[5];
    fill(&live[0], "vni-same", 2, "203.0.113.2");
    fill(&live[1], "vni-drift", 3, "203.0.113.33");
    fill(&live[2], "vni-old", 9, "203.0.113.9");
    fill(&live[3], "vni-old2", 8, "203.0.113.8");
    fill(&live[4], "foreign", 7, "203.0.113.7");
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof(id), "id-%d", i);
        live[i].id = vr_strdup(id);
        live[i].state = vr_strdup("active");
    }
    vr_plan_table tables[] = {{"rt-1", "core"}};
    vr_plan_ctx ctx = {.limit = 50, .tables = tables, .table_count = 1};
    vr_plan_opts_init(&ctx.opts);
    ctx.opts.prune = true;
    ctx.opts.max_deletes = 2;
    ctx.opts.replace_drifted = true;
    ctx.opts.managed_prefix = "vni-";
    assert_int_equal(vr_plan_org(out, &inv->orgs[0], live, 5, &ctx), 0);
    for (int i = 0; i < 5; i++)
        vr_iface_clear(&live[i]);
}

/* The plan as JSON, edited by edit (may be NULL), and read back strictly into saved. */
static int saved_edited(vr_plan *saved, void (*edit)(cJSON *actions), vr_error *err)
{
    vr_inventory inv;
    make_inventory(&inv);
    vr_plan p = {0};
    vr_plan_set_meta(&p, &inv, 1795946401234LL);
    make_org_plan(vr_plan_add_org(&p), &inv);
    vr_plan_opts o;
    vr_plan_opts_init(&o);
    vr_plan_record_opts(&p, &o);
    cJSON *root = vr_planfile_to_json(&p);
    if (edit)
        edit(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "organizations"), 0),
                                 "actions"));
    char *text = cJSON_Print(root);
    int rc = vr_planfile_parse(saved, text, strlen(text), err);
    free(text);
    cJSON_Delete(root);
    vr_plan_free(&p);
    vr_inventory_free(&inv);
    return rc;
}

/* Compares the edited saved plan with the plan made anew; the message on a refusal. */
static int compare_edited(void (*edit)(cJSON *actions), vr_error *err)
{
    vr_plan saved;
    vr_error perr = VR_ERROR_INIT;
    assert_int_equal(saved_edited(&saved, edit, &perr), 0);
    vr_inventory inv;
    make_inventory(&inv);
    vr_plan_org_result fresh;
    make_org_plan(&fresh, &inv);
    int rc = vr_plancheck_actions(&saved.orgs[0], &fresh, err);
    vr_plan_org_result_free(&fresh);
    vr_inventory_free(&inv);
    vr_plan_free(&saved);
    return rc;
}

static cJSON *act(cJSON *actions, int i)
{
    return cJSON_GetArrayItem(actions, i);
}

static void set_str(cJSON *obj, const char *key, const char *v)
{
    cJSON_ReplaceItemInObjectCaseSensitive(obj, key, cJSON_CreateString(v));
}

static void renumber(cJSON *actions)
{
    int seq = 1;
    cJSON *a;
    cJSON_ArrayForEach(a, actions)
    {
        cJSON_ReplaceItemInObjectCaseSensitive(a, "seq", cJSON_CreateNumber(seq++));
    }
}

/* actions: 0 delete vni-old (id-2), 1 delete vni-old2 (id-3), 2 replace vni-drift (id-1),
 * 3 create vni-new, 4 create vni-new2 */
static void edit_retarget_delete(cJSON *a)
{
    set_str(cJSON_GetObjectItem(act(a, 0), "payload"), "id", "id-4"); /* foreign, unmanaged */
}
static void edit_payload(cJSON *a)
{
    set_str(cJSON_GetObjectItem(act(a, 3), "payload"), "remoteIp", "198.51.100.66");
}
static void edit_extra(cJSON *a)
{
    cJSON *extra = cJSON_Duplicate(act(a, 4), true);
    set_str(extra, "name", "vni-evil");
    cJSON *p = cJSON_GetObjectItem(extra, "payload");
    set_str(p, "name", "vni-evil");
    set_str(p, "localIp", "10.0.66.1");
    set_str(p, "subnetCidr", "10.0.66.0/24");
    cJSON_AddItemToArray(a, extra);
    renumber(a);
}
static void edit_removed(cJSON *a)
{
    cJSON_DeleteItemFromArray(a, 4);
}
static void edit_reordered(cJSON *a)
{
    cJSON *second = cJSON_DetachItemFromArray(a, 1);
    assert_true(cJSON_InsertItemInArray(a, 0, second));
    renumber(a);
}
static void edit_replaced_id(cJSON *a)
{
    set_str(cJSON_GetObjectItem(act(a, 2), "replaces"), "id", "id-0");
}
static void edit_replaced_table(cJSON *a)
{
    set_str(cJSON_GetObjectItem(act(a, 2), "replaces"), "routingTableId", "rt-9");
}
static void edit_kind(cJSON *a)
{
    /* the replacement made a plain create (its old connection would stay) */
    set_str(act(a, 2), "action", "create");
    cJSON_DeleteItemFromObject(act(a, 2), "replaces");
    cJSON *c = cJSON_DetachItemFromArray(a, 2);
    cJSON_AddItemToArray(a, c);
    renumber(a);
}
/* shown, not carried out: a delete's live state (it moves by itself), a reason */
static void edit_shown_only(cJSON *a)
{
    set_str(cJSON_GetObjectItem(act(a, 0), "payload"), "state", "provisioning");
    set_str(act(a, 3), "reason", "because");
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItem(act(a, 2), "replaces"), "fields",
                                           cJSON_CreateArray());
}

static void test_same_actions(void **state)
{
    (void)state;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(compare_edited(NULL, &err), 0);
    assert_int_equal(compare_edited(edit_shown_only, &err), 0);
}

static void expect_mismatch(void (*edit)(cJSON *), const char *what)
{
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(compare_edited(edit, &err), -1);
    assert_string_equal(err.code, "plan.mismatch");
    if (!strstr(err.message, what)) fail_msg("message lacks \"%s\": %s", what, err.message);
    assert_non_null(strstr(err.message, "organization " ORG));
    assert_non_null(strstr(err.remedy, "--out FILE"));
    assert_non_null(strstr(err.remedy, "nothing was changed"));
}

static void test_tampered_actions(void **state)
{
    (void)state;
    expect_mismatch(edit_retarget_delete, "action 1: the saved plan deletes vni-old (id id-4); a "
                                          "new plan deletes vni-old (id id-2)");
    expect_mismatch(edit_payload, "action 4 (creates vni-new): payload remoteIp is "
                                  "\"198.51.100.66\" in the saved plan, \"203.0.113.1\" in a new "
                                  "plan");
    expect_mismatch(edit_extra, "the saved plan has 6 actions, a new plan 5: action 6 (creates "
                                "vni-evil) is only in the saved plan");
    expect_mismatch(edit_removed, "the saved plan has 4 actions, a new plan 5: action 5 (creates "
                                  "vni-new2) is only in a new plan");
    expect_mismatch(edit_reordered, "action 1: the saved plan deletes vni-old2 (id id-3); a new "
                                    "plan deletes vni-old (id id-2)");
    expect_mismatch(edit_replaced_id, "action 3: the saved plan replaces vni-drift (id id-0); a "
                                      "new plan replaces vni-drift (id id-1)");
    expect_mismatch(edit_replaced_table, "action 3 (replaces vni-drift): the saved plan syncs "
                                         "routing table rt-9 after the delete; a new plan rt-1");
    expect_mismatch(edit_kind, "action 3: the saved plan creates vni-new; a new plan replaces "
                               "vni-drift (id id-1)");
}

/* An id that cannot go into a URL is refused when the file is read, whatever else it says. */
static void edit_dotdot(cJSON *a)
{
    set_str(cJSON_GetObjectItem(act(a, 0), "payload"), "id", "..");
}
static void edit_slash(cJSON *a)
{
    set_str(cJSON_GetObjectItem(act(a, 2), "replaces"), "id", "id-1/../id-4");
}

static void test_ids_refused_when_read(void **state)
{
    (void)state;
    vr_plan saved;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(saved_edited(&saved, edit_dotdot, &err), -1);
    assert_string_equal(err.code, "plan.invalid");
    assert_non_null(strstr(err.message, "organizations[0].actions[0].payload: id is not a "
                                        "connection id"));
    vr_error_clear(&err);
    assert_int_equal(saved_edited(&saved, edit_slash, &err), -1);
    assert_non_null(strstr(err.message, "organizations[0].actions[2].replaces: id is not a "
                                        "connection id"));
    /* the client's rule itself */
    assert_true(vr_id_valid("e6463e7f-89ed-4d83-b76d-ed4773971f85"));
    assert_true(vr_id_valid("rt-core"));
    assert_true(vr_id_valid("a.b_c-9"));
    assert_false(vr_id_valid(".."));
    assert_false(vr_id_valid("."));
    assert_false(vr_id_valid(""));
    assert_false(vr_id_valid(NULL));
    assert_false(vr_id_valid("a/b"));
    assert_false(vr_id_valid("%2e%2e"));
    assert_false(vr_id_valid("a b"));
    char longest[VR_ID_MAX + 2];
    memset(longest, 'a', VR_ID_MAX);
    longest[VR_ID_MAX] = '\0';
    assert_true(vr_id_valid(longest));
    longest[VR_ID_MAX] = 'a';
    longest[VR_ID_MAX + 1] = '\0';
    assert_false(vr_id_valid(longest));
}

static void test_bounds(void **state)
{
    (void)state;
    vr_plan saved;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(saved_edited(&saved, NULL, &err), 0);
    /* two deletions, one replacement */
    assert_int_equal(vr_plancheck_bounds(&saved, 2, 1, &err), 0);
    assert_int_equal(vr_plancheck_bounds(&saved, 1, 1, &err), -1);
    assert_string_equal(err.code, "plan.too_many");
    assert_non_null(strstr(err.message, "the saved plan deletes 2 interfaces of organization " ORG
                                        ", more than --max-deletes 1 allows"));
    assert_non_null(strstr(err.remedy, "apply it with --max-deletes 2"));
    assert_int_equal(vr_plancheck_bounds(&saved, 5, 0, &err), -1);
    assert_non_null(strstr(err.message, "replaces 1 interface of organization " ORG
                                        ", more than --max-replaces 0 allows"));
    vr_plan_free(&saved);
}

static void test_recorded(void **state)
{
    (void)state;
    vr_plan saved;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(saved_edited(&saved, NULL, &err), 0);
    assert_int_equal(vr_plancheck_recorded(&saved, &err), 0);
    free(saved.files[0].path);
    saved.files[0].path = vr_strdup("<stdin>");
    assert_int_equal(vr_plancheck_recorded(&saved, &err), -1);
    assert_string_equal(err.code, "plan.unverifiable");
    assert_non_null(strstr(err.message, "made from standard input"));
    free(saved.files[0].path);
    saved.files[0].path = vr_strdup("-"); /* vr_read_file would read standard input */
    assert_int_equal(vr_plancheck_recorded(&saved, &err), -1);
    saved.file_count = 0;
    assert_int_equal(vr_plancheck_recorded(&saved, &err), -1);
    assert_non_null(strstr(err.message, "names no inventory file"));
    saved.file_count = 1;
    saved.options.recorded = false; /* a file written before the options were */
    free(saved.files[0].path);
    saved.files[0].path = vr_strdup("inv.yaml");
    assert_int_equal(vr_plancheck_recorded(&saved, &err), -1);
    assert_non_null(strstr(err.message, "records no options"));
    vr_plan_free(&saved);
}

static void test_files(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("plancheck");
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/inv.yaml", dir);
    const char *text = "apiVersion: vni-reconcile/v1\n";
    assert_int_equal(vr_test_write(vr_buf_str(&path), text, strlen(text)), 0);
    vr_plan saved = {0};
    saved.files = vr_xcalloc(1, sizeof(*saved.files));
    saved.files[0].path = vr_strdup(vr_buf_str(&path));
    vr_sha256_hex(text, strlen(text), saved.files[0].sha256);
    saved.file_count = 1;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_plancheck_files(&saved, &err), 0);
    const char *edited = "apiVersion: vni-reconcile/v1\n# edited after the plan\n";
    assert_int_equal(vr_test_write(vr_buf_str(&path), edited, strlen(edited)), 0);
    assert_int_equal(vr_plancheck_files(&saved, &err), -1);
    assert_string_equal(err.code, "plan.inventory");
    assert_non_null(strstr(err.message, "inv.yaml changed since the plan was made (SHA-256 "));
    unlink(vr_buf_str(&path));
    assert_int_equal(vr_plancheck_files(&saved, &err), -1);
    assert_non_null(strstr(err.message, "inv.yaml cannot be read (No such file or directory)"));
    assert_non_null(strstr(err.remedy, "from the folder plan ran in"));
    vr_plan_free(&saved);
    vr_buf_free(&path);
    vr_test_rm_rf(dir);
    free(dir);
}

/* Inventory files the plan names may be links (followed: a checkout may hold one), but what
 * they name must be a regular file: a FIFO is refused without waiting for a writer, a device
 * and a folder without being read. */
static void test_files_regular_only(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("plancheck");
    vr_buf path = VR_BUF_INIT, link = VR_BUF_INIT, fifo = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/inv.yaml", dir);
    vr_buf_printf(&link, "%s/link.yaml", dir);
    vr_buf_printf(&fifo, "%s/inv.fifo", dir);
    const char *text = "apiVersion: vni-reconcile/v1\n";
    assert_int_equal(vr_test_write(vr_buf_str(&path), text, strlen(text)), 0);
    assert_int_equal(symlink("inv.yaml", vr_buf_str(&link)), 0);
    assert_int_equal(mkfifo(vr_buf_str(&fifo), 0600), 0);
    vr_plan saved = {0};
    saved.files = vr_xcalloc(1, sizeof(*saved.files));
    saved.files[0].path = vr_strdup(vr_buf_str(&link));
    vr_sha256_hex(text, strlen(text), saved.files[0].sha256);
    saved.file_count = 1;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_plancheck_files(&saved, &err), 0); /* through the link */
    alarm(20); /* a FIFO that blocks fails the test instead of hanging it */
    const char *special[] = {vr_buf_str(&fifo), "/dev/zero", dir};
    for (size_t i = 0; i < 3; i++) {
        free(saved.files[0].path);
        saved.files[0].path = vr_strdup(special[i]);
        err = (vr_error)VR_ERROR_INIT;
        assert_int_equal(vr_plancheck_files(&saved, &err), -1);
        assert_string_equal(err.code, "plan.inventory");
        assert_non_null(strstr(err.message, "cannot be read (not a regular file"));
        assert_non_null(strstr(err.message, special[i]));
    }
    alarm(0);
    vr_plan_free(&saved);
    vr_buf_free(&path);
    vr_buf_free(&link);
    vr_buf_free(&fifo);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_inventory(void **state)
{
    (void)state;
    vr_plan saved;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(saved_edited(&saved, NULL, &err), 0);
    vr_inventory inv;
    make_inventory(&inv);
    vr_inventory_add_org(&inv, "b1b2c3d4-e5f6-7890-abcd-ef1234567890");
    const vr_org *second = &inv.orgs[1];
    const vr_org *orgs[2] = {&inv.orgs[0], second};
    assert_int_equal(vr_plancheck_inventory(&saved, &inv, orgs, 1, &err), 0);
    /* an organization the plan does not have (another --shard) */
    assert_int_equal(vr_plancheck_inventory(&saved, &inv, orgs, 2, &err), -1);
    assert_string_equal(err.code, "plan.mismatch");
    assert_non_null(strstr(err.message, "organization b1b2c3d4-e5f6-7890-abcd-ef1234567890 is "
                                        "missing from it"));
    /* the plan's organization is not the inventory's */
    orgs[0] = second;
    assert_int_equal(vr_plancheck_inventory(&saved, &inv, orgs, 1, &err), -1);
    assert_non_null(strstr(err.message, "organization " ORG " is not the inventory's"));
    orgs[0] = &inv.orgs[0];
    /* a region edited in the file (apply would reach another host) */
    free(saved.orgs[0].region);
    saved.orgs[0].region = vr_strdup("evil.example");
    assert_int_equal(vr_plancheck_inventory(&saved, &inv, orgs, 1, &err), -1);
    assert_non_null(strstr(err.message, "has another region than the inventory gives it"));
    /* a file that changed between the check and the load */
    inv.sources[0].sha256[0] = inv.sources[0].sha256[0] == 'a' ? 'b' : 'a';
    assert_int_equal(vr_plancheck_inventory(&saved, &inv, orgs, 1, &err), -1);
    assert_string_equal(err.code, "plan.inventory");
    vr_inventory_free(&inv);
    vr_plan_free(&saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_actions),
        cmocka_unit_test(test_tampered_actions),
        cmocka_unit_test(test_ids_refused_when_read),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_recorded),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_files_regular_only),
        cmocka_unit_test(test_inventory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
