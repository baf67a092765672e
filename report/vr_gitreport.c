/* vr_gitreport: commits reports to a branch with libgit2 (object database and refs only) and
 * reads drift reports back from the branch's history. */
#include "vr_gitreport.h"
#include "vr_errcode.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMMIT_TRIES 20

static bool component_ok(const char *s, size_t n)
{
    if (n == 0 || n > 128 || s[0] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool ident_ok(const char *s)
{
    return s && component_ok(s, strlen(s));
}

/* A relative path of non-empty components, none "." or "..", none ".git". */
static bool path_ok(const char *path)
{
    if (!path || !path[0] || path[0] == '/') return false;
    const char *p = path;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
            (n == 4 && strncmp(p, ".git", 4) == 0))
            return false;
        for (size_t i = 0; i < n; i++)
            if (p[i] == '\0' || p[i] == '\\') return false;
        if (!slash) return true;
        p = slash + 1;
    }
}

static void git_fail(vr_error *err, const char *what, int code)
{
    const git_error *e = git_error_last();
    vr_error_set(err, VR_ERR_AUDIT_REPO, "%s: %s (libgit2 %d)", what,
                 e && e->message ? e->message : "unknown error", code);
}

/* Opens the audit repository; a failure names it. Returns libgit2's code. */
static int open_repo(git_repository **repo, const char *repo_dir, vr_error *err)
{
    int error = git_repository_open(repo, repo_dir);
    if (error < 0) {
        vr_buf what = VR_BUF_INIT;
        vr_buf_printf(&what, "audit repository %s", repo_dir);
        git_fail(err, vr_buf_str(&what), error);
        vr_buf_free(&what);
    }
    return error;
}

int vr_gitreport_report_path(vr_buf *out, const char *org, int64_t wall_ms, const char *command,
                             const char *ext)
{
    if (!ident_ok(org) || !ident_ok(command) || !ident_ok(ext)) return -1;
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) return -1;
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    return vr_buf_printf(out, "reports/%s/%s.%03dZ-%s.%s", org, stamp, (int)(wall_ms % 1000),
                         command, ext);
}

int vr_gitreport_drift_path(vr_buf *out, const char *org, const char *ext)
{
    if (!ident_ok(org) || !ident_ok(ext)) return -1;
    return vr_buf_printf(out, "drift/%s/latest.%s", org, ext);
}

int vr_gitreport_message(vr_buf *out, const char *command, const char *org, const char *summary)
{
    if (!ident_ok(command) || !ident_ok(org)) return -1;
    return vr_buf_printf(out, "vni-reconcile %s %s: %s", command, org, summary ? summary : "");
}

/* Writes a tree that is base with blob at path (subtrees made or rebuilt as needed). */
static int tree_insert(git_oid *out, git_repository *repo, const git_tree *base, const char *path,
                       const git_oid *blob)
{
    git_treebuilder *bld = NULL;
    git_tree *sub = NULL;
    char *name = NULL;
    int error;
    if ((error = git_treebuilder_new(&bld, repo, base)) < 0) goto done;
    const char *slash = strchr(path, '/');
    if (!slash) {
        error = git_treebuilder_insert(NULL, bld, path, blob, GIT_FILEMODE_BLOB);
    } else {
        name = vr_xmalloc((size_t)(slash - path) + 1);
        memcpy(name, path, (size_t)(slash - path));
        name[slash - path] = '\0';
        const git_tree_entry *e = base ? git_tree_entry_byname(base, name) : NULL;
        if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE &&
            (error = git_tree_lookup(&sub, repo, git_tree_entry_id(e))) < 0)
            goto done;
        git_oid sub_oid;
        if ((error = tree_insert(&sub_oid, repo, sub, slash + 1, blob)) < 0) goto done;
        error = git_treebuilder_insert(NULL, bld, name, &sub_oid, GIT_FILEMODE_TREE);
    }
    if (error < 0) goto done;
    error = git_treebuilder_write(out, bld);
done:
    free(name);
    git_tree_free(sub);
    git_treebuilder_free(bld);
    return error;
}

static int make_signature(git_signature **out, git_repository *repo)
{
    if (git_signature_default(out, repo) == 0) return 0;
    git_error_clear();
    return git_signature_now(out, VR_GITREPORT_SIGNATURE_NAME, VR_GITREPORT_SIGNATURE_EMAIL);
}

int vr_gitreport_commit(const char *repo_dir, const char *branch, const vr_gitreport_file *files,
                        size_t count, const char *message, char *out_commit, vr_error *err)
{
    git_repository *repo = NULL;
    git_signature *sig = NULL;
    vr_buf refname = VR_BUF_INIT;
    int rc = -1, error, valid = 0;

    if (!branch || !branch[0]) branch = VR_GITREPORT_DEFAULT_BRANCH;
    vr_buf_printf(&refname, "refs/heads/%s", branch);
    if (git_reference_name_is_valid(&valid, vr_buf_str(&refname)) < 0 || !valid) {
        vr_error_set(err, VR_ERR_AUDIT_REPO, "audit branch \"%s\": not a valid branch name",
                     branch);
        goto done;
    }
    for (size_t i = 0; i < count; i++)
        if (!path_ok(files[i].path)) {
            vr_error_set(err, VR_ERR_AUDIT_REPO, "report path \"%s\": not a valid relative path",
                         files[i].path ? files[i].path : "");
            goto done;
        }
    if ((error = open_repo(&repo, repo_dir, err)) < 0) goto done;
    if ((error = make_signature(&sig, repo)) < 0) {
        git_fail(err, "audit repository: signature", error);
        goto done;
    }

    for (int attempt = 0; attempt < COMMIT_TRIES; attempt++) {
        git_reference *ref = NULL, *newref = NULL;
        git_commit *parent = NULL;
        git_tree *tree = NULL;
        git_oid tip, root, commit_oid;
        bool have_tip = false;

        error = git_reference_lookup(&ref, repo, vr_buf_str(&refname));
        if (error == 0) {
            git_reference *resolved = NULL;
            if ((error = git_reference_resolve(&resolved, ref)) < 0) goto step_fail;
            git_oid_cpy(&tip, git_reference_target(resolved));
            git_reference_free(resolved);
            have_tip = true;
            if ((error = git_commit_lookup(&parent, repo, &tip)) < 0 ||
                (error = git_commit_tree(&tree, parent)) < 0)
                goto step_fail;
        } else if (error != GIT_ENOTFOUND) {
            goto step_fail;
        }
        error = 0;
        for (size_t i = 0; i < count; i++) {
            git_oid blob;
            if ((error = git_blob_create_from_buffer(&blob, repo, files[i].data, files[i].len)) <
                    0 ||
                (error = tree_insert(&root, repo, tree, files[i].path, &blob)) < 0)
                goto step_fail;
            git_tree_free(tree);
            tree = NULL;
            if ((error = git_tree_lookup(&tree, repo, &root)) < 0) goto step_fail;
        }
        if (!tree) { /* no files and no tip: an empty tree */
            git_treebuilder *bld = NULL;
            if ((error = git_treebuilder_new(&bld, repo, NULL)) < 0) goto step_fail;
            error = git_treebuilder_write(&root, bld);
            git_treebuilder_free(bld);
            if (error < 0 || (error = git_tree_lookup(&tree, repo, &root)) < 0) goto step_fail;
        }
        const git_commit *parents[1] = {parent};
        if ((error = git_commit_create(&commit_oid, repo, NULL, sig, sig, NULL,
                                       message ? message : "vni-reconcile report", tree,
                                       have_tip ? 1 : 0, parents)) < 0)
            goto step_fail;
        if (have_tip)
            error = git_reference_create_matching(&newref, repo, vr_buf_str(&refname), &commit_oid,
                                                  1, &tip, "vni-reconcile: report");
        else
            error = git_reference_create(&newref, repo, vr_buf_str(&refname), &commit_oid, 0,
                                         "vni-reconcile: report (new branch)");
    step_fail:
        git_reference_free(newref);
        git_reference_free(ref);
        git_tree_free(tree);
        git_commit_free(parent);
        if (error == 0) {
            if (out_commit) git_oid_tostr(out_commit, 41, &commit_oid);
            rc = 0;
            goto done;
        }
        if (error != GIT_EMODIFIED && error != GIT_EEXISTS && error != GIT_ELOCKED) {
            git_fail(err, "audit repository: commit", error);
            goto done;
        }
        /* the branch moved under us (or another run holds its lock): redo on the new tip */
        git_error_clear();
        vr_sleep_ms((int64_t)(vr_random_u64() % 20) + 1);
    }
    vr_error_set(err, VR_ERR_AUDIT_REPO, "audit branch %s: kept moving; report not committed",
                 branch);
done:
    git_signature_free(sig);
    git_repository_free(repo);
    vr_buf_free(&refname);
    return rc;
}

/* The id of the blob at path in commit c; false when there is none. */
static bool blob_at(git_oid *out, git_commit *c, const char *path)
{
    git_tree *tree = NULL;
    git_tree_entry *e = NULL;
    bool found = false;
    if (git_commit_tree(&tree, c) == 0 && git_tree_entry_bypath(&e, tree, path) == 0 &&
        git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
        git_oid_cpy(out, git_tree_entry_id(e));
        found = true;
    }
    git_tree_entry_free(e);
    git_tree_free(tree);
    git_error_clear();
    return found;
}

int vr_gitreport_history_read(vr_gitreport_history *out, const char *repo_dir, const char *branch,
                              const char *path, size_t max, vr_error *err)
{
    git_repository *repo = NULL;
    git_reference *ref = NULL, *resolved = NULL;
    git_revwalk *walk = NULL;
    vr_buf refname = VR_BUF_INIT;
    size_t cap = 0;
    int rc = -1, error;

    out->items = NULL;
    out->count = 0;
    if (!branch || !branch[0]) branch = VR_GITREPORT_DEFAULT_BRANCH;
    if (!path_ok(path)) {
        vr_error_set(err, VR_ERR_AUDIT_REPO, "report path \"%s\": not a valid relative path",
                     path ? path : "");
        goto done;
    }
    if ((error = open_repo(&repo, repo_dir, err)) < 0) goto done;
    vr_buf_printf(&refname, "refs/heads/%s", branch);
    error = git_reference_lookup(&ref, repo, vr_buf_str(&refname));
    if (error == GIT_ENOTFOUND || error == GIT_EINVALIDSPEC) {
        git_error_clear();
        rc = 0;
        goto done;
    }
    if (error < 0 || (error = git_reference_resolve(&resolved, ref)) < 0 ||
        (error = git_revwalk_new(&walk, repo)) < 0 ||
        (error = git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL)) < 0 ||
        (error = git_revwalk_push(walk, git_reference_target(resolved))) < 0) {
        git_fail(err, "audit repository: history", error);
        goto done;
    }
    git_revwalk_simplify_first_parent(walk);

    git_oid oid;
    while ((max == 0 || out->count < max) && (error = git_revwalk_next(&oid, walk)) == 0) {
        git_commit *c = NULL, *p = NULL;
        git_blob *blob = NULL;
        git_oid here, before;
        if ((error = git_commit_lookup(&c, repo, &oid)) < 0) {
            git_fail(err, "audit repository: history", error);
            goto done;
        }
        bool take = blob_at(&here, c, path);
        if (take && git_commit_parentcount(c) > 0 && git_commit_parent(&p, c, 0) == 0 &&
            blob_at(&before, p, path) && git_oid_equal(&here, &before))
            take = false; /* this commit did not write the report */
        cJSON *report = NULL;
        if (take && git_blob_lookup(&blob, repo, &here) == 0)
            report =
                cJSON_ParseWithLength(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
        if (report) {
            if (out->count == cap) {
                cap = cap ? cap * 2 : 8;
                out->items = vr_xrealloc(out->items, cap * sizeof *out->items);
            }
            vr_gitreport_entry *e = &out->items[out->count++];
            git_oid_tostr(e->commit, sizeof e->commit, &oid);
            e->commit_time = (int64_t)git_commit_time(c);
            e->report = report;
        }
        git_blob_free(blob);
        git_commit_free(p);
        git_commit_free(c);
        git_error_clear();
    }
    if (error < 0 && error != GIT_ITEROVER) {
        git_fail(err, "audit repository: history", error);
        goto done;
    }
    rc = 0;
done:
    if (rc != 0) vr_gitreport_history_free(out);
    git_revwalk_free(walk);
    git_reference_free(resolved);
    git_reference_free(ref);
    git_repository_free(repo);
    vr_buf_free(&refname);
    return rc;
}

void vr_gitreport_history_free(vr_gitreport_history *h)
{
    for (size_t i = 0; i < h->count; i++)
        cJSON_Delete(h->items[i].report);
    free(h->items);
    h->items = NULL;
    h->count = 0;
}
