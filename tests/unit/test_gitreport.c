/* test_gitreport: reports committed to a branch with libgit2 leave the work tree, the index and
 * HEAD alone (normal repository with uncommitted changes, bare repository, repository without
 * commits); the git CLI reads them back; history returns the last N drift reports in order;
 * concurrent committers do not lose each other's commits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vr_gitreport.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *g_tmp; /* the test's temporary root; also HOME and global config for git */

static char *sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command, returns its stdout (malloc'd); fails the test on a non-zero exit. */
static char *sh(const char *fmt, ...)
{
    vr_buf cmd = VR_BUF_INIT, out = VR_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vr_buf_vprintf(&cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(vr_buf_str(&cmd), "r");
    assert_non_null(p);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        vr_buf_append(&out, buf, n);
    int rc = pclose(p);
    if (rc != 0) {
        fprintf(stderr, "command failed (%d): %s\n", rc, vr_buf_str(&cmd));
        fail();
    }
    vr_buf_free(&cmd);
    char *s = vr_buf_detach(&out);
    return s ? s : vr_strdup("");
}

static int sh_status(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *new_dir(const char *name)
{
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s/%s", g_tmp, name);
    free(sh("mkdir -p '%s'", vr_buf_str(&b)));
    return vr_buf_detach(&b);
}

/* A repository with a checked-out main branch, one commit, and uncommitted changes: a modified
 * tracked file, a staged new file and an untracked file. */
static char *work_repo(const char *name)
{
    char *d = new_dir(name);
    free(sh("cd '%s' && git init -q -b main . && git config user.name 'Net Team' && "
            "git config user.email net@example.com && printf 'a: 1\\n' > inv.yaml && "
            "git add inv.yaml && git commit -q -m init && printf 'a: 2\\n' > inv.yaml && "
            "printf 'new\\n' > staged.txt && git add staged.txt && printf 'u\\n' > untracked.txt",
            d));
    return d;
}

typedef struct {
    char *head_ref, *head, *status, *index_sum, *files;
} snapshot;

static void snap(snapshot *s, const char *d)
{
    s->head_ref = sh("cd '%s' && git symbolic-ref HEAD", d);
    s->head = sh("cd '%s' && (git rev-parse -q --verify HEAD || true)", d);
    s->status = sh("cd '%s' && git status --porcelain=v1 --untracked-files=all", d);
    s->index_sum = sh("cd '%s' && (sha256sum .git/index 2>/dev/null || true)", d);
    s->files = sh("cd '%s' && find . -path ./.git -prune -o -type f -print | sort | "
                  "xargs -r sha256sum",
                  d);
}

static void snap_equal_free(snapshot *a, snapshot *b)
{
    assert_string_equal(a->head_ref, b->head_ref);
    assert_string_equal(a->head, b->head);
    assert_string_equal(a->status, b->status);
    assert_string_equal(a->index_sum, b->index_sum);
    assert_string_equal(a->files, b->files);
    snapshot *both[] = {a, b};
    for (int i = 0; i < 2; i++) {
        free(both[i]->head_ref);
        free(both[i]->head);
        free(both[i]->status);
        free(both[i]->index_sum);
        free(both[i]->files);
    }
}

static void commit_report(const char *dir, const char *branch, const char *org, const char *command,
                          int64_t wall_ms, const char *json, const char *md, char *out_commit)
{
    vr_buf jp = VR_BUF_INIT, mp = VR_BUF_INIT, msg = VR_BUF_INIT;
    assert_int_equal(vr_gitreport_report_path(&jp, org, wall_ms, command, "json"), 0);
    assert_int_equal(vr_gitreport_report_path(&mp, org, wall_ms, command, "md"), 0);
    assert_int_equal(vr_gitreport_message(&msg, command, org, "1 created"), 0);
    vr_gitreport_file files[2] = {{vr_buf_str(&jp), json, strlen(json)},
                                  {vr_buf_str(&mp), md, strlen(md)}};
    vr_error err = VR_ERROR_INIT;
    int rc = vr_gitreport_commit(dir, branch, files, 2, vr_buf_str(&msg), out_commit, &err);
    if (rc != 0) fprintf(stderr, "commit: %s\n", err.message);
    assert_int_equal(rc, 0);
    vr_buf_free(&jp);
    vr_buf_free(&mp);
    vr_buf_free(&msg);
}

static void test_paths(void **state)
{
    (void)state;
    vr_buf b = VR_BUF_INIT;
    assert_int_equal(vr_gitreport_report_path(&b, "org-1", 1795514401234LL, "apply", "json"), 0);
    assert_string_equal(vr_buf_str(&b), "reports/org-1/20261124T100001.234Z-apply.json");
    vr_buf_reset(&b);
    assert_int_equal(vr_gitreport_drift_path(&b, "org-1", "json"), 0);
    assert_string_equal(vr_buf_str(&b), "drift/org-1/latest.json");
    vr_buf_reset(&b);
    assert_int_equal(vr_gitreport_message(&b, "drift", "org-1", "2 drifted"), 0);
    assert_string_equal(vr_buf_str(&b), "vni-reconcile drift org-1: 2 drifted");
    assert_int_equal(vr_gitreport_drift_path(&b, "../x", "json"), -1);
    assert_int_equal(vr_gitreport_drift_path(&b, "a/b", "json"), -1);
    assert_int_equal(vr_gitreport_report_path(&b, "org", 0, "ap ply", "json"), -1);
    vr_buf_free(&b);
}

static void test_work_tree_untouched(void **state)
{
    (void)state;
    char *d = work_repo("work");
    snapshot before, after;
    snap(&before, d);

    char c1[41], c2[41];
    commit_report(d, NULL, "org-1", "apply", 1795514401234LL, "{\"run\":1}\n", "# run 1\n", c1);
    commit_report(d, NULL, "org-1", "drift", 1795514402000LL, "{\"run\":2}\n", "# run 2\n", c2);
    snap(&after, d);
    snap_equal_free(&before, &after);

    char *log = sh("cd '%s' && git log --format='%%H %%s' vni-audit", d);
    char want[512];
    snprintf(want, sizeof want,
             "%s vni-reconcile drift org-1: 1 created\n%s vni-reconcile apply "
             "org-1: 1 created\n",
             c2, c1);
    assert_string_equal(log, want);
    free(log);
    char *roots = sh("cd '%s' && git rev-list --max-parents=0 vni-audit", d);
    snprintf(want, sizeof want, "%s\n", c1); /* orphan first commit */
    assert_string_equal(roots, want);
    free(roots);
    char *show =
        sh("cd '%s' && git show vni-audit:reports/org-1/20261124T100001.234Z-apply.json", d);
    assert_string_equal(show, "{\"run\":1}\n");
    free(show);
    show = sh("cd '%s' && git show vni-audit:reports/org-1/20261124T100002.000Z-drift.md", d);
    assert_string_equal(show, "# run 2\n");
    free(show);
    /* the first report is still in the tree of the second commit */
    char *tree = sh("cd '%s' && git ls-tree -r --name-only vni-audit", d);
    assert_string_equal(tree, "reports/org-1/20261124T100001.234Z-apply.json\n"
                              "reports/org-1/20261124T100001.234Z-apply.md\n"
                              "reports/org-1/20261124T100002.000Z-drift.json\n"
                              "reports/org-1/20261124T100002.000Z-drift.md\n");
    free(tree);
    /* author from the repository's config */
    char *who = sh("cd '%s' && git log -1 --format='%%an <%%ae>|%%cn <%%ce>' vni-audit", d);
    assert_string_equal(who, "Net Team <net@example.com>|Net Team <net@example.com>\n");
    free(who);
    free(sh("cd '%s' && git fsck --no-progress --strict 2>&1", d));
    free(d);
}

static void test_bare_and_fallback_author(void **state)
{
    (void)state;
    char *d = new_dir("bare.git");
    free(sh("cd '%s' && git init -q --bare .", d));
    char c[41];
    commit_report(d, "reports-branch", "org-2", "apply", 1795514401000LL, "{}", "#", c);
    char *log = sh("git --git-dir='%s' log --format='%%an <%%ae>|%%s' reports-branch", d);
    assert_string_equal(
        log, "vni-reconcile <vni-reconcile@localhost>|vni-reconcile apply org-2: 1 created\n");
    free(log);
    char *show = sh(
        "git --git-dir='%s' show reports-branch:reports/org-2/20261124T100001.000Z-apply.json", d);
    assert_string_equal(show, "{}");
    free(show);
    free(d);
}

static void test_no_commits_yet(void **state)
{
    (void)state;
    char *d = new_dir("empty");
    free(sh("cd '%s' && git init -q -b main . && printf 'x\\n' > wip.yaml", d));
    snapshot before, after;
    snap(&before, d);
    assert_string_equal(before.head, "");
    char c[41];
    commit_report(d, NULL, "org-3", "drift", 1795514401000LL, "{\"d\":1}", "# d", c);
    snap(&after, d);
    snap_equal_free(&before, &after);
    char *subj = sh("cd '%s' && git log --format=%%s vni-audit", d);
    assert_string_equal(subj, "vni-reconcile drift org-3: 1 created\n");
    free(subj);
    free(d);
}

static void test_errors(void **state)
{
    (void)state;
    vr_error err = VR_ERROR_INIT;
    vr_gitreport_file f = {"a.json", "{}", 2};
    char *missing = new_dir("not-a-repo");
    assert_int_equal(vr_gitreport_commit(missing, NULL, &f, 1, "m", NULL, &err), -1);
    assert_string_equal(err.code, "audit.repo");
    assert_non_null(strstr(err.message, missing));
    char *d = new_dir("errs");
    free(sh("cd '%s' && git init -q -b main .", d));
    vr_error_clear(&err);
    assert_int_equal(vr_gitreport_commit(d, "bad..name", &f, 1, "m", NULL, &err), -1);
    assert_non_null(strstr(err.message, "bad..name"));
    vr_gitreport_file bad[] = {{"../escape.json", "{}", 2}, {"a//b", "{}", 2}, {".git/x", "", 0}};
    for (int i = 0; i < 3; i++) {
        vr_error_clear(&err);
        assert_int_equal(vr_gitreport_commit(d, NULL, &bad[i], 1, "m", NULL, &err), -1);
    }
    /* nothing was written to the branch */
    vr_buf cmd = VR_BUF_INIT;
    vr_buf_printf(&cmd, "cd '%s' && git rev-parse -q --verify vni-audit >/dev/null", d);
    assert_int_not_equal(sh_status(vr_buf_str(&cmd)), 0);
    vr_buf_free(&cmd);
    free(missing);
    free(d);
}

/* Derived files: made from the tree being committed (the tip's plus the run's files); a
 * derive that fails, or names a bad path, commits nothing. */
typedef struct {
    vr_buf listing;
    int calls;
    const char *path; /* what to write; NULL: fail */
} derive_ctx;

static void list_one(void *ctx, const char *name)
{
    vr_buf_printf(&((derive_ctx *)ctx)->listing, "%s;", name);
}

static int derive_listing(void *vctx, const vr_gitreport_tree *tree, vr_gitreport_file *out,
                          size_t *out_count, vr_error *err)
{
    derive_ctx *c = vctx;
    c->calls++;
    *out_count = 0;
    if (!c->path) {
        vr_error_set(err, "test", "derive refused");
        return -1;
    }
    vr_buf_reset(&c->listing);
    assert_int_equal(vr_gitreport_tree_folders(tree, "drift", list_one, c), 0);
    vr_buf_puts(&c->listing, "|");
    assert_int_equal(vr_gitreport_tree_read(tree, "drift/b/latest.json", &c->listing), 1);
    vr_buf content = VR_BUF_INIT;
    assert_int_equal(vr_gitreport_tree_read(tree, "no/such/file", &content), 0);
    assert_int_equal(vr_gitreport_tree_read(tree, "drift", &content), 0); /* a folder */
    char id[41];
    assert_int_equal(vr_gitreport_tree_blob_id(tree, "drift/b/latest.json", id), 1);
    assert_int_equal(strlen(id), 40);
    assert_int_equal(vr_gitreport_tree_blob_id(tree, "drift/zz/latest.json", id), 0);
    vr_buf_free(&content);
    out[0] = (vr_gitreport_file){c->path, c->listing.data, c->listing.len};
    *out_count = 1;
    return 0;
}

static void test_derived(void **state)
{
    (void)state;
    char *d = new_dir("derived");
    free(sh("cd '%s' && git init -q -b main .", d));
    vr_error err = VR_ERROR_INIT;
    vr_gitreport_file a = {"drift/a/latest.json", "{\"a\":1}", 7};
    vr_gitreport_file b = {"drift/b/latest.json", "{\"b\":2}", 7};
    assert_int_equal(vr_gitreport_commit(d, NULL, &a, 1, "a", NULL, &err), 0);
    derive_ctx c = {VR_BUF_INIT, 0, "index.txt"};
    assert_int_equal(
        vr_gitreport_commit_derived(d, NULL, &b, 1, derive_listing, &c, "b", NULL, &err), 0);
    assert_int_equal(c.calls, 1);
    /* the folders of the tip and of this run, and this run's file, as the callback saw them */
    char *got = sh("cd '%s' && git show vni-audit:index.txt", d);
    assert_string_equal(got, "a;b;|{\"b\":2}");
    free(got);
    char *before = sh("cd '%s' && git rev-parse vni-audit", d);
    c.path = NULL;
    assert_int_equal(
        vr_gitreport_commit_derived(d, NULL, &b, 1, derive_listing, &c, "x", NULL, &err), -1);
    assert_string_equal(err.message, "derive refused");
    c.path = "../out.txt";
    vr_error_clear(&err);
    assert_int_equal(
        vr_gitreport_commit_derived(d, NULL, &b, 1, derive_listing, &c, "x", NULL, &err), -1);
    assert_non_null(strstr(err.message, "../out.txt"));
    char *after = sh("cd '%s' && git rev-parse vni-audit", d);
    assert_string_equal(before, after); /* nothing committed */
    free(before);
    free(after);
    vr_buf_free(&c.listing);
    free(d);
}

static void drift_commit(const char *d, const char *org, int run)
{
    vr_buf path = VR_BUF_INIT, body = VR_BUF_INIT, msg = VR_BUF_INIT;
    assert_int_equal(vr_gitreport_drift_path(&path, org, "json"), 0);
    vr_buf_printf(&body, "{\"org\":\"%s\",\"run\":%d}", org, run);
    vr_gitreport_message(&msg, "drift", org, "checked");
    vr_gitreport_file f = {vr_buf_str(&path), body.data, body.len};
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_gitreport_commit(d, NULL, &f, 1, vr_buf_str(&msg), NULL, &err), 0);
    vr_buf_free(&path);
    vr_buf_free(&body);
    vr_buf_free(&msg);
}

static void test_history(void **state)
{
    (void)state;
    char *d = work_repo("hist");
    vr_gitreport_history h;
    vr_error err = VR_ERROR_INIT;
    /* no branch yet: empty */
    assert_int_equal(vr_gitreport_history_read(&h, d, NULL, "drift/A/latest.json", 5, &err), 0);
    assert_int_equal(h.count, 0);

    drift_commit(d, "A", 1);
    drift_commit(d, "B", 1);
    drift_commit(d, "A", 2);
    commit_report(d, NULL, "A", "apply", 1795514401000LL, "{}", "#", NULL);
    drift_commit(d, "B", 2);
    drift_commit(d, "A", 3);
    drift_commit(d, "A", 4);

    assert_int_equal(vr_gitreport_history_read(&h, d, NULL, "drift/A/latest.json", 3, &err), 0);
    assert_int_equal(h.count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(cJSON_GetObjectItem(h.items[i].report, "org")->valuestring, "A");
        assert_int_equal(cJSON_GetObjectItem(h.items[i].report, "run")->valueint, 4 - (int)i);
        assert_int_equal(strlen(h.items[i].commit), 40);
        assert_true(h.items[i].commit_time > 1700000000);
    }
    char *tip = sh("cd '%s' && git rev-parse vni-audit", d);
    assert_memory_equal(tip, h.items[0].commit, 40);
    free(tip);
    vr_gitreport_history_free(&h);

    assert_int_equal(vr_gitreport_history_read(&h, d, NULL, "drift/A/latest.json", 0, &err), 0);
    assert_int_equal(h.count, 4);
    assert_int_equal(cJSON_GetObjectItem(h.items[3].report, "run")->valueint, 1);
    vr_gitreport_history_free(&h);

    assert_int_equal(vr_gitreport_history_read(&h, d, NULL, "drift/B/latest.json", 10, &err), 0);
    assert_int_equal(h.count, 2);
    assert_int_equal(cJSON_GetObjectItem(h.items[0].report, "run")->valueint, 2);
    vr_gitreport_history_free(&h);

    assert_int_equal(vr_gitreport_history_read(&h, d, NULL, "drift/C/latest.json", 10, &err), 0);
    assert_int_equal(h.count, 0);
    vr_gitreport_history_free(&h);
    free(d);
}

/* Commits one file (path, text) to the audit branch of d; the new commit's id in out. */
static void commit_one(const char *d, const char *branch, const char *path, const char *text,
                       char *out)
{
    vr_gitreport_file f = {path, text, strlen(text)};
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_gitreport_commit(d, branch, &f, 1, "one file", out, &err), 0);
}

static void assert_read(const char *d, const char *branch, const char *path, const char *want,
                        const char *want_commit)
{
    char *text = NULL, commit[41];
    size_t len = 0;
    vr_error err = VR_ERROR_INIT;
    int rc = vr_gitreport_read_file(d, branch, path, 1024, &text, &len, commit, &err);
    if (rc != 0) fprintf(stderr, "read %s: %d %s\n", path, rc, err.message);
    assert_int_equal(rc, 0);
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    assert_string_equal(commit, want_commit);
    free(text);
}

static void test_read_file(void **state)
{
    (void)state;
    vr_buf b = VR_BUF_INIT;
    assert_int_equal(vr_gitreport_state_path(&b, "org-1"), 0);
    assert_string_equal(vr_buf_str(&b), "state/org-1.json");
    assert_int_equal(vr_gitreport_state_path(&b, "../org"), -1);
    vr_buf_free(&b);

    char *d = work_repo("read");
    char *text = NULL, commit[41] = "x";
    size_t len = 0;
    vr_error err = VR_ERROR_INIT;
    /* no branch yet: nothing recorded */
    assert_int_equal(
        vr_gitreport_read_file(d, NULL, "state/A.json", 1024, &text, &len, commit, &err), 1);
    assert_null(text);
    assert_string_equal(commit, "");

    snapshot before, after;
    snap(&before, d);
    char c1[41], c2[41], c3[41], c4[41];
    commit_one(d, NULL, "state/A.json", "{\"v\":1}\n", c1);
    commit_one(d, NULL, "state/B.json", "{\"b\":1}\n", c2);
    /* the file as the tip has it, and the commit that wrote it, not the tip */
    assert_read(d, NULL, "state/A.json", "{\"v\":1}\n", c1);
    assert_read(d, NULL, "state/B.json", "{\"b\":1}\n", c2);
    commit_one(d, NULL, "state/A.json", "{\"v\":2}\n", c3);
    commit_one(d, NULL, "reports/A/r.json", "{}", c4);
    assert_read(d, NULL, "state/A.json", "{\"v\":2}\n", c3);
    assert_read(d, NULL, "state/B.json", "{\"b\":1}\n", c2);
    /* a branch without the file, and a file past the size limit */
    assert_int_equal(
        vr_gitreport_read_file(d, NULL, "state/C.json", 1024, &text, &len, commit, &err), 1);
    assert_null(text);
    assert_int_equal(vr_gitreport_read_file(d, NULL, "state/A.json", 4, &text, &len, commit, &err),
                     -1);
    assert_null(text);
    assert_non_null(strstr(err.message, "larger than 4 bytes"));
    /* another branch name holds nothing; a bad path or repository is an error */
    assert_int_equal(
        vr_gitreport_read_file(d, "other", "state/A.json", 1024, &text, &len, commit, &err), 1);
    assert_int_equal(
        vr_gitreport_read_file(d, NULL, "../state/A.json", 1024, &text, &len, commit, &err), -1);
    assert_int_equal(vr_gitreport_read_file("/nonexistent/repo", NULL, "state/A.json", 1024, &text,
                                            &len, commit, &err),
                     -1);
    assert_non_null(strstr(err.message, "audit repository /nonexistent/repo"));
    /* the work tree, the index and HEAD were never touched */
    snap(&after, d);
    snap_equal_free(&before, &after);

    /* a fetched remote branch serves when there is no local one (a fork's checkout) */
    char *clone = new_dir("read-clone");
    free(sh("git clone -q '%s' '%s' && cd '%s' && git fetch -q origin vni-audit && "
            "! git rev-parse -q --verify refs/heads/vni-audit",
            d, clone, clone));
    assert_read(clone, NULL, "state/A.json", "{\"v\":2}\n", c3);
    assert_read(clone, "origin/vni-audit", "state/A.json", "{\"v\":2}\n", c3);
    free(clone);
    free(d);
}

static void test_concurrent_committers(void **state)
{
    (void)state;
    char *d = new_dir("race.git");
    free(sh("cd '%s' && git init -q --bare .", d));
    enum { WRITERS = 3, EACH = 6 };
    pid_t kids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        kids[w] = fork();
        assert_true(kids[w] >= 0);
        if (kids[w] == 0) {
            git_libgit2_init();
            int bad = 0;
            for (int i = 0; i < EACH; i++) {
                char path[64], body[64];
                snprintf(path, sizeof path, "w%d/r%d.json", w, i);
                snprintf(body, sizeof body, "{\"w\":%d,\"i\":%d}", w, i);
                vr_gitreport_file f = {path, body, strlen(body)};
                vr_error err = VR_ERROR_INIT;
                if (vr_gitreport_commit(d, NULL, &f, 1, "race", NULL, &err) != 0) {
                    fprintf(stderr, "writer %d: %s\n", w, err.message);
                    bad = 1;
                }
            }
            _exit(bad);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        assert_int_equal(waitpid(kids[w], &status, 0), kids[w]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    char *n = sh("git --git-dir='%s' rev-list --count vni-audit", d);
    assert_int_equal(strtol(n, NULL, 10), WRITERS * EACH);
    free(n);
    char *files = sh("git --git-dir='%s' ls-tree -r --name-only vni-audit | wc -l", d);
    assert_int_equal(strtol(files, NULL, 10), WRITERS * EACH);
    free(files);
    free(d);
}

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s/vr-gitreport.XXXXXX", base && base[0] ? base : "/tmp");
    g_tmp = vr_buf_detach(&b);
    if (!mkdtemp(g_tmp)) return -1;
    /* no user or system git configuration: the test decides what the config holds */
    setenv("HOME", g_tmp, 1);
    setenv("XDG_CONFIG_HOME", g_tmp, 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    unsetenv("GIT_DIR");
    unsetenv("GIT_WORK_TREE");
    unsetenv("GIT_INDEX_FILE");
    git_libgit2_init();
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, g_tmp);
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, g_tmp);
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, g_tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "rm -rf '%s'", g_tmp);
    int rc = system(vr_buf_str(&b));
    vr_buf_free(&b);
    free(g_tmp);
    git_libgit2_shutdown();
    return rc == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_work_tree_untouched),
        cmocka_unit_test(test_bare_and_fallback_author),
        cmocka_unit_test(test_no_commits_yet),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_derived),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_concurrent_committers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
