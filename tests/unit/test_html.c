/* test_html: the drift page and the audit branch's index (report/vr_html): escaping of hostile
 * strings from the platform, the counts, the history marks (shape per state, a title per
 * check), self-containment (no script, no outside URL), and the index on a real branch made
 * from every organization's latest report, other organizations' rows kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"
#include "vr_drift.h"
#include "vr_gitreport.h"
#include "vr_html.h"
#include "vr_util.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
#define ORG2 "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define HOSTILE "<script>alert(1)</script> & \"q\" 's"

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + strlen(needle), needle))
        n++;
    return n;
}

static void escaped(const char *in, const char *want)
{
    vr_buf b = VR_BUF_INIT;
    vr_html_escape(&b, in);
    assert_string_equal(vr_buf_str(&b), want);
    vr_buf_free(&b);
}

static void test_escape(void **state)
{
    (void)state;
    escaped(HOSTILE, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;s");
    escaped("plain-name_1.2", "plain-name_1.2");
    escaped("caf\xc3\xa9 \xe2\x86\x92", "caf\xc3\xa9 \xe2\x86\x92"); /* UTF-8 kept */
    escaped("a\x1b[31mred\nb", "a\\x1b[31mred\\nb");                 /* controls visible */
    escaped("bad \xff\xc3 end", "bad \xef\xbf\xbd\xef\xbf\xbd end"); /* invalid UTF-8 */
    escaped("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* a surrogate */
    escaped("", "");
    vr_buf b = VR_BUF_INIT;
    vr_html_escape(&b, NULL);
    assert_int_equal(b.len, 0);
    vr_buf_free(&b);
}

/* An interface of a hand-made report with its marks over the org's checks. */
static void iface(vr_drift_iface *f, const char *name, const char *state, bool present,
                  bool matching, bool active, const unsigned char *marks, size_t n)
{
    memset(f, 0, sizeof(*f));
    f->name = vr_strdup(name);
    if (present) {
        vr_buf id = VR_BUF_INIT;
        vr_buf_printf(&id, "id-of-%s", name);
        f->id = vr_buf_detach(&id);
    }
    f->state = state ? vr_strdup(state) : NULL;
    f->present = present;
    f->matching = matching;
    f->active = active;
    f->marks = vr_xmalloc(n);
    memcpy(f->marks, marks, n);
    for (size_t i = 0; i < n; i++) {
        f->checks += marks[i] != VR_DRIFT_MARK_NONE;
        f->ok_checks += marks[i] == VR_DRIFT_MARK_OK;
    }
    f->uptime_rate = f->checks ? (double)f->ok_checks / (double)f->checks : 0;
}

/* Every kind of finding, hostile strings where the platform sets them: a live description, a
 * live state, an unmanaged connection's name and id. Four checks. */
static void scene(vr_drift_org *r)
{
    memset(r, 0, sizeof(*r));
    r->org_id = vr_strdup(ORG);
    snprintf(r->run_id, sizeof(r->run_id), "11111111-2222-4333-8444-555555555555");
    snprintf(r->created_at, sizeof(r->created_at), "2026-11-24T10:00:04.000Z");
    r->live_count = 5;
    r->history_window = 30;
    r->history_reports = 3;
    r->check_count = 4;
    r->check_times = vr_xcalloc(4, sizeof(*r->check_times));
    static const char *const times[4] = {"2026-11-24T10:00:01.000Z", "2026-11-24T10:00:02.000Z",
                                         "2026-11-24T10:00:03.000Z", "2026-11-24T10:00:04.000Z"};
    for (int i = 0; i < 4; i++)
        snprintf(r->check_times[i], sizeof(r->check_times[i]), "%s", times[i]);
    r->iface_count = 4;
    r->ifaces = vr_xcalloc(4, sizeof(*r->ifaces));
    const unsigned char diff[] = {VR_DRIFT_MARK_MISSING, VR_DRIFT_MARK_NOT_ACTIVE, VR_DRIFT_MARK_OK,
                                  VR_DRIFT_MARK_DIFFERENT};
    iface(&r->ifaces[0], "drift-diff", "active", true, false, true, diff, 4);
    r->ifaces[0].field_count = 2;
    r->ifaces[0].fields = vr_xcalloc(2, sizeof(*r->ifaces[0].fields));
    r->ifaces[0].fields[0] = (vr_drift_field){vr_strdup("remoteIp"), vr_strdup("203.0.113.43"),
                                              vr_strdup("203.0.113.99")};
    r->ifaces[0].fields[1] =
        (vr_drift_field){vr_strdup("description"), vr_strdup("wanted"), vr_strdup(HOSTILE)};
    const unsigned char idle[] = {VR_DRIFT_MARK_NONE, VR_DRIFT_MARK_NOT_ACTIVE,
                                  VR_DRIFT_MARK_NOT_ACTIVE, VR_DRIFT_MARK_NOT_ACTIVE};
    iface(&r->ifaces[1], "drift-idle", "<b>bad</b>", true, true, false, idle, 4);
    const unsigned char miss[] = {VR_DRIFT_MARK_MISSING, VR_DRIFT_MARK_MISSING,
                                  VR_DRIFT_MARK_MISSING, VR_DRIFT_MARK_MISSING};
    iface(&r->ifaces[2], "drift-missing", NULL, false, false, false, miss, 4);
    const unsigned char ok[] = {VR_DRIFT_MARK_OK, VR_DRIFT_MARK_OK, VR_DRIFT_MARK_OK,
                                VR_DRIFT_MARK_OK};
    iface(&r->ifaces[3], "drift-ok", "active", true, true, true, ok, 4);
    r->ifaces[0].repair = vr_strdup("vni-reconcile plan -f 'a<b>.yaml' --replace drift-diff");
    r->unmanaged_count = 2;
    r->unmanaged = vr_xcalloc(2, sizeof(*r->unmanaged));
    r->unmanaged[0] = (vr_drift_iface){.name = vr_strdup("<img src=x onerror=alert(2)>"),
                                       .id = vr_strdup("\"><script>x</script>"),
                                       .state = vr_strdup("failed"),
                                       .present = true};
    r->unmanaged[1] = (vr_drift_iface){.name = vr_strdup("stray-01"),
                                       .id = vr_strdup("id-stray"),
                                       .state = vr_strdup("active"),
                                       .present = true,
                                       .active = true};
    r->counts[VR_DRIFT_MISSING] = 1;
    r->counts[VR_DRIFT_DIFFERENT] = 1;
    r->counts[VR_DRIFT_UNMANAGED] = 2;
    r->counts[VR_DRIFT_NOT_ACTIVE] = 2;
    r->unchanged = 1;
    r->ignored_fields = 3;
}

/* The text between the first "<tr class="if" ..." of name and the row's end. */
static char *row_of(const char *page, const char *name)
{
    vr_buf key = VR_BUF_INIT;
    vr_buf_printf(&key, "<th scope=\"row\">%s", name);
    const char *p = strstr(page, vr_buf_str(&key));
    vr_buf_free(&key);
    assert_non_null(p);
    const char *e = strstr(p, "</tr>\n");
    assert_non_null(e);
    char *row = vr_xmalloc((size_t)(e - p) + 1);
    memcpy(row, p, (size_t)(e - p));
    row[e - p] = '\0';
    return row;
}

static void test_page(void **state)
{
    (void)state;
    vr_drift_org r;
    scene(&r);
    vr_buf b = VR_BUF_INIT;
    vr_html_opts opts = {NULL, "../../index.html"};
    assert_int_equal(vr_html_render_drift(&b, &r, 1, &opts), 0);
    const char *p = vr_buf_str(&b);

    /* a document, self-contained: no script, no URL of anything outside the file */
    assert_true(strncmp(p, "<!DOCTYPE html>\n<html lang=\"en\">", 31) == 0);
    assert_non_null(strstr(p, "</html>\n"));
    assert_null(strstr(p, "<script"));
    assert_null(strstr(p, "http:"));
    assert_null(strstr(p, "https:"));
    assert_null(strstr(p, "url("));
    assert_null(strstr(p, "@import"));
    assert_null(strstr(p, "<link"));
    assert_null(strstr(p, "<img"));
    assert_non_null(strstr(p, "@media print"));
    assert_non_null(strstr(p, "prefers-color-scheme:dark"));
    assert_non_null(strstr(p, "<a href=\"../../index.html\">"));

    /* hostile strings as text */
    assert_non_null(strstr(p, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;s"));
    assert_non_null(strstr(p, "&lt;b&gt;bad&lt;/b&gt;"));
    assert_non_null(strstr(p, "&lt;img src=x onerror=alert(2)&gt;"));
    assert_non_null(strstr(p, "&quot;&gt;&lt;script&gt;x&lt;/script&gt;"));

    /* counts */
    assert_non_null(strstr(p, "<li class=\"c-missing\"><b>1</b>"));
    assert_non_null(strstr(p, "<li class=\"c-different\"><b>1</b>"));
    assert_non_null(strstr(p, "<li class=\"c-unmanaged\"><b>2</b>"));
    assert_non_null(strstr(p, "<li class=\"c-not_active\"><b>2</b>"));
    assert_non_null(strstr(p, "<li class=\"c-ok\"><b>1</b>"));
    assert_non_null(strstr(p, "Drift: 1 missing, 1 different, 2 unmanaged, 2 not active; "
                              "1 unchanged; 3 ignored"));
    assert_non_null(strstr(p, "<h3>Needs attention (3)</h3>"));
    assert_non_null(strstr(p, "<h3>OK (1)</h3>"));
    assert_non_null(strstr(p, "<h3>Unmanaged (2): live, not in the inventory</h3>"));
    assert_non_null(strstr(p, "<h3>Not active (2)</h3>"));
    assert_non_null(strstr(p, "0 interfaces, 3 fields"));
    /* problems before the ok ones */
    assert_true(strstr(p, "<th scope=\"row\">drift-missing") <
                strstr(p, "<th scope=\"row\">drift-ok"));

    /* the differing fields: inventory value beside the live value */
    char *row = row_of(p, "drift-diff");
    assert_non_null(strstr(row, "<tr><th>remoteIp</th><td class=\"inv mono\">203.0.113.43</td>"
                                "<td class=\"live mono\">203.0.113.99</td></tr>"));
    assert_non_null(strstr(p, "<tr class=\"if\" data-state=\"different\"><th scope=\"row\">"
                              "drift-diff<span class=\"id mono\">id-of-drift-diff</span>"));
    /* its history, oldest first, each check a shape with its time and word */
    const char *s = strstr(row, "<svg class=\"strip\"");
    assert_non_null(s);
    const char *m1 = strstr(s, "<use href=\"#m-missing\" x=\"0\"/>");
    const char *m2 = strstr(s, "<use href=\"#m-not_active\" x=\"14\"/>");
    const char *m3 = strstr(s, "<use href=\"#m-ok\" x=\"28\"/>");
    const char *m4 = strstr(s, "<use href=\"#m-different\" x=\"42\"/>");
    assert_true(m1 && m2 && m3 && m4 && m1 < m2 && m2 < m3 && m3 < m4);
    assert_non_null(strstr(s, "<g><title>2026-11-24 10:00:01 UTC: missing</title><use"));
    assert_non_null(strstr(s, "<g><title>2026-11-24 10:00:04 UTC: different</title><use"));
    assert_non_null(strstr(s, "aria-label=\"history over 4 checks: 1 ok 1 different 1 missing "
                              "1 not active\""));
    assert_non_null(strstr(row, "<b>25.0%</b><small>1 of 4 checks</small>"));
    /* the command that repairs it, escaped */
    assert_non_null(strstr(row, "<p class=\"repair\">repair: <code>vni-reconcile plan -f "
                                "&#39;a&lt;b&gt;.yaml&#39; --replace drift-diff</code></p>"));
    free(row);
    /* a check that did not list the interface: a dot, not counted */
    row = row_of(p, "drift-idle");
    assert_int_equal(count_of(row, "<use href=\"#m-none\""), 1);
    assert_int_equal(count_of(row, "<use href=\"#m-not_active\""), 4); /* 3 + the badge */
    assert_non_null(strstr(row, "0 of 3 checks"));
    assert_non_null(strstr(row, "<g><title>2026-11-24 10:00:02 UTC to 2026-11-24 10:00:04 UTC: "
                                "not active (3 checks)</title>"));
    free(row);
    /* a run of equal marks: one title for the run */
    row = row_of(p, "drift-ok");
    assert_int_equal(count_of(row, "<use href=\"#m-ok\""), 5); /* 4 + the badge */
    assert_int_equal(count_of(row, "<title>"), 1);
    assert_non_null(strstr(row, "<title>2026-11-24 10:00:01 UTC to 2026-11-24 10:00:04 UTC: ok "
                                "(4 checks)</title>"));
    assert_non_null(strstr(row, "<b>100.0%</b>"));
    free(row);
    /* every mark of the page: 4 strips of 4 */
    assert_int_equal(count_of(p, "\" x=\""), 16);

    /* without history: one mark, and the page says why */
    vr_buf_reset(&b);
    r.history_window = 0;
    assert_int_equal(vr_html_render_drift(&b, &r, 1, NULL), 0);
    assert_non_null(strstr(vr_buf_str(&b), "no history kept"));
    assert_null(strstr(vr_buf_str(&b), "repair: by hand"));
    /* a protected interface that differs: repaired by hand */
    free(r.ifaces[0].repair);
    r.ifaces[0].repair = NULL;
    r.ifaces[0].protect = true;
    vr_buf_reset(&b);
    assert_int_equal(vr_html_render_drift(&b, &r, 1, NULL), 0);
    assert_non_null(strstr(vr_buf_str(&b), "repair: by hand (<code>protect: true</code>"));
    assert_null(strstr(vr_buf_str(&b), "every organization</a>"));
    vr_buf_free(&b);
    vr_drift_org_free(&r);
}

static void test_page_bounds(void **state)
{
    (void)state;
    /* no organization: a page all the same */
    vr_buf b = VR_BUF_INIT;
    assert_int_equal(vr_html_render_drift(&b, NULL, 0, NULL), 0);
    assert_non_null(strstr(vr_buf_str(&b), "No drift: 0 unchanged"));
    /* a buffer that refuses: -1, never a half page reported as whole */
    vr_buf small = VR_BUF_INIT;
    small.max = 100;
    vr_drift_org r;
    scene(&r);
    assert_int_equal(vr_html_render_drift(&small, &r, 1, NULL), -1);
    vr_buf_free(&small);
    /* two organizations: a list of both, a section each */
    vr_drift_org two[2];
    scene(&two[0]);
    scene(&two[1]);
    free(two[1].org_id);
    two[1].org_id = vr_strdup(ORG2);
    vr_buf_reset(&b);
    assert_int_equal(vr_html_render_drift(&b, two, 2, NULL), 0);
    assert_non_null(strstr(vr_buf_str(&b), "<a href=\"#org-" ORG2 "\">"));
    assert_int_equal(count_of(vr_buf_str(&b), "<section class=\"org\""), 2);
    vr_drift_org_free(&two[0]);
    vr_drift_org_free(&two[1]);
    vr_drift_org_free(&r);
    vr_buf_free(&b);
}

/* ---- the index on a branch ---------------------------------------------------------------- */

static char *g_tmp;

static int setup(void **state)
{
    (void)state;
    git_libgit2_init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    git_libgit2_shutdown();
    return 0;
}

/* The file at path on branch vni-audit of repo (malloc'd), NULL when there is none. */
static char *branch_file(const char *repo_dir, const char *path)
{
    git_repository *repo = NULL;
    git_object *obj = NULL;
    assert_int_equal(git_repository_open(&repo, repo_dir), 0);
    vr_buf spec = VR_BUF_INIT;
    vr_buf_printf(&spec, "vni-audit:%s", path);
    char *out = NULL;
    if (git_revparse_single(&obj, repo, vr_buf_str(&spec)) == 0) {
        git_blob *blob = (git_blob *)obj;
        vr_buf b = VR_BUF_INIT;
        vr_buf_append(&b, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
        out = vr_buf_detach(&b);
    }
    git_object_free(obj);
    git_repository_free(repo);
    vr_buf_free(&spec);
    return out;
}

/* A drift commit of org with its summary, the way cmd_drift makes it: latest.json and the
 * index files derived from the branch. */
static void commit_drift(const char *repo, const char *org, const char *created, int missing,
                         int unchanged)
{
    vr_buf path = VR_BUF_INIT, json = VR_BUF_INIT;
    assert_int_equal(vr_gitreport_drift_path(&path, org, "json"), 0);
    vr_buf_printf(&json,
                  "{\"formatVersion\": 1, \"command\": \"drift\", \"organization\": \"%s\", "
                  "\"createdAt\": \"%s\", \"interfaces\": [], \"summary\": {\"interfaces\": %d, "
                  "\"unchanged\": %d, \"missing\": %d, \"different\": 0, \"unmanaged\": 0, "
                  "\"notActive\": 0, \"ignoredInterfaces\": 0, \"ignoredFields\": 0}}\n",
                  org, created, missing + unchanged, unchanged, missing);
    vr_gitreport_file f = {vr_buf_str(&path), json.data, json.len};
    vr_html_site site = VR_HTML_SITE_INIT;
    vr_error err = VR_ERROR_INIT;
    int rc = vr_gitreport_commit_derived(repo, NULL, &f, 1, vr_html_site_derive, &site, "drift",
                                         NULL, &err);
    if (rc) fprintf(stderr, "commit: %s\n", err.message);
    assert_int_equal(rc, 0);
    vr_html_site_free(&site);
    vr_buf_free(&path);
    vr_buf_free(&json);
}

static void test_index_on_branch(void **state)
{
    (void)state;
    g_tmp = vr_test_tmpdir("html");
    git_repository *repo = NULL;
    assert_int_equal(git_repository_init(&repo, g_tmp, 0), 0);
    git_repository_free(repo);

    commit_drift(g_tmp, ORG, "2026-11-24T10:00:01.000Z", 2, 3);
    char *idx = branch_file(g_tmp, "index.html");
    assert_non_null(idx);
    assert_non_null(strstr(idx, "1 organization, 1 with drift"));
    assert_non_null(strstr(idx, "<a href=\"drift/" ORG "/latest.html\">"));
    assert_non_null(strstr(idx, "</td><td>2</td><td>0</td><td>0</td><td>0</td><td>3</td><td>5"));
    free(idx);

    /* another organization: both listed; the first one's row comes from drift/index.json */
    commit_drift(g_tmp, ORG2, "2026-11-24T10:05:00.000Z", 0, 7);
    idx = branch_file(g_tmp, "index.html");
    assert_non_null(strstr(idx, "2 organizations, 1 with drift"));
    assert_non_null(strstr(idx, "drift/" ORG "/latest.html"));
    assert_non_null(strstr(idx, "drift/" ORG2 "/latest.html"));
    assert_non_null(strstr(idx, "2026-11-24 10:05:00 UTC"));
    /* rows in folder order (0f1e... before a1b2...) */
    assert_true(strstr(idx, ORG2) < strstr(idx, ORG));
    free(idx);
    char *ij = branch_file(g_tmp, "drift/index.json");
    cJSON *doc = cJSON_Parse(ij);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "organizations")), 2);
    cJSON_Delete(doc);
    free(ij);

    /* the first organization again: its row changes, the other's stays */
    commit_drift(g_tmp, ORG, "2026-11-24T11:00:00.000Z", 0, 5);
    idx = branch_file(g_tmp, "index.html");
    assert_non_null(strstr(idx, "2 organizations, 0 with drift"));
    assert_non_null(strstr(idx, "2026-11-24 10:05:00 UTC"));
    assert_non_null(strstr(idx, "2026-11-24 11:00:00 UTC"));
    assert_null(strstr(idx, "10:00:01"));
    free(idx);

    /* a hostile createdAt in a report on the branch shows as text */
    commit_drift(g_tmp, ORG2, "<script>alert(3)</script>", 1, 0);
    idx = branch_file(g_tmp, "index.html");
    assert_null(strstr(idx, "<script"));
    assert_non_null(strstr(idx, "&lt;script&gt;alert(3)&lt;/script&gt;"));
    free(idx);
    vr_test_rm_rf(g_tmp);
    free(g_tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_page_bounds),
        cmocka_unit_test(test_index_on_branch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
