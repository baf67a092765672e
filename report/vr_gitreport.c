/* vr_gitreport: commits reports to a branch with libgit2 (object database and refs only) and
 * reads drift reports back from the branch's history. */
#include "vr_gitreport.h"
#include "vr_errcode.h"

#include <fcntl.h>
#include <git2.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>
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

bool vr_gitreport_name_ok(const char *s)
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

/* path_ok, or err set naming the path. */
static bool path_checked(const char *path, vr_error *err)
{
    if (path_ok(path)) return true;
    vr_error_set(err, VR_ERR_AUDIT_REPO, "report path \"%s\": not a valid relative path",
                 path ? path : "");
    return false;
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
    if (!vr_gitreport_name_ok(org) || !vr_gitreport_name_ok(command) || !vr_gitreport_name_ok(ext))
        return -1;
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
    if (!vr_gitreport_name_ok(org) || !vr_gitreport_name_ok(ext)) return -1;
    return vr_buf_printf(out, "drift/%s/latest.%s", org, ext);
}

int vr_gitreport_state_path(vr_buf *out, const char *org)
{
    if (!vr_gitreport_name_ok(org)) return -1;
    return vr_buf_printf(out, "state/%s.json", org);
}

int vr_gitreport_message(vr_buf *out, const char *command, const char *org, const char *summary)
{
    if (!vr_gitreport_name_ok(command) || !vr_gitreport_name_ok(org)) return -1;
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

struct vr_gitreport_tree {
    git_repository *repo;
    const git_tree *tree;
};

int vr_gitreport_tree_read(const vr_gitreport_tree *t, const char *path, vr_buf *out)
{
    git_tree_entry *e = NULL;
    git_blob *blob = NULL;
    int rc = 0;
    if (!t->tree || !path_ok(path)) return 0;
    int error = git_tree_entry_bypath(&e, t->tree, path);
    if (error == GIT_ENOTFOUND || (error == 0 && git_tree_entry_type(e) != GIT_OBJECT_BLOB)) {
        rc = 0;
    } else if (error < 0 || git_blob_lookup(&blob, t->repo, git_tree_entry_id(e)) < 0) {
        rc = -1;
    } else {
        rc = vr_buf_append(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0 ? -1
                                                                                               : 1;
    }
    git_blob_free(blob);
    git_tree_entry_free(e);
    if (rc == 0) git_error_clear();
    return rc;
}

int vr_gitreport_tree_blob_id(const vr_gitreport_tree *t, const char *path, char out[41])
{
    git_tree_entry *e = NULL;
    out[0] = '\0';
    if (!t->tree || !path_ok(path)) return 0;
    int error = git_tree_entry_bypath(&e, t->tree, path);
    int rc = error == 0 && git_tree_entry_type(e) == GIT_OBJECT_BLOB ? 1
             : error == 0 || error == GIT_ENOTFOUND                  ? 0
                                                                     : -1;
    if (rc == 1) git_oid_tostr(out, 41, git_tree_entry_id(e));
    if (rc == 0) git_error_clear();
    git_tree_entry_free(e);
    return rc;
}

int vr_gitreport_tree_folders(const vr_gitreport_tree *t, const char *dir,
                              void (*fn)(void *ctx, const char *name), void *ctx)
{
    git_tree_entry *e = NULL;
    git_tree *sub = NULL;
    if (!t->tree || !path_ok(dir)) return 0;
    int error = git_tree_entry_bypath(&e, t->tree, dir);
    if (error == GIT_ENOTFOUND || (error == 0 && git_tree_entry_type(e) != GIT_OBJECT_TREE)) {
        git_tree_entry_free(e);
        git_error_clear();
        return 0;
    }
    if (error < 0 || git_tree_lookup(&sub, t->repo, git_tree_entry_id(e)) < 0) {
        git_tree_entry_free(e);
        return -1;
    }
    /* a tree's entries are in name order */
    for (size_t i = 0; i < git_tree_entrycount(sub); i++) {
        const git_tree_entry *c = git_tree_entry_byindex(sub, i);
        if (git_tree_entry_type(c) == GIT_OBJECT_TREE) fn(ctx, git_tree_entry_name(c));
    }
    git_tree_free(sub);
    git_tree_entry_free(e);
    return 0;
}

/* Blob for data, inserted at path into *tree (replaced by the new tree). */
static int tree_put(git_tree **tree, git_oid *root, git_repository *repo, const char *path,
                    const void *data, size_t len)
{
    git_oid blob;
    int error;
    if ((error = git_blob_create_from_buffer(&blob, repo, data, len)) < 0 ||
        (error = tree_insert(root, repo, *tree, path, &blob)) < 0)
        return error;
    git_tree_free(*tree);
    *tree = NULL;
    return git_tree_lookup(tree, repo, root);
}

int vr_gitreport_commit(const char *repo_dir, const char *branch, const vr_gitreport_file *files,
                        size_t count, const char *message, char *out_commit, vr_error *err)
{
    return vr_gitreport_commit_derived(repo_dir, branch, files, count, NULL, NULL, message,
                                       out_commit, err);
}

/* Serialises the commits of vni-reconcile runs on one audit repository: an flock on a file in
 * its git folder, taken for at most 60 s (released when fd is closed or the process dies).
 * libgit2 1.5 creates a new branch without a compare-and-swap, so two first commits racing
 * could both "create" it and one report would be lost; under this lock they cannot race (the
 * retry loop still covers other tools moving the branch). Returns the fd, or -1 (then the
 * commit goes on without it). */
static int lock_repo(git_repository *repo)
{
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%svni-reconcile-audit.lock", git_repository_commondir(repo));
    int fd = open(vr_buf_str(&path), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    vr_buf_free(&path);
    if (fd < 0) return -1;
    for (int waited_ms = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited_ms += 10) {
        if (waited_ms >= 60000) {
            close(fd);
            return -1;
        }
        vr_sleep_ms(10);
    }
    return fd;
}

int vr_gitreport_commit_derived(const char *repo_dir, const char *branch,
                                const vr_gitreport_file *files, size_t count,
                                vr_gitreport_derive_fn derive, void *derive_ctx,
                                const char *message, char *out_commit, vr_error *err)
{
    git_repository *repo = NULL;
    git_signature *sig = NULL;
    vr_buf refname = VR_BUF_INIT;
    int rc = -1, error, valid = 0, lock_fd = -1;

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
    lock_fd = lock_repo(repo);

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
        for (size_t i = 0; i < count; i++)
            if ((error = tree_put(&tree, &root, repo, files[i].path, files[i].data, files[i].len)) <
                0)
                goto step_fail;
        if (derive) {
            vr_gitreport_tree view = {repo, tree};
            vr_gitreport_file more[VR_GITREPORT_DERIVED_MAX];
            size_t nmore = 0;
            if (derive(derive_ctx, &view, more, &nmore, err) < 0) {
                rc = -1; /* the callback said why */
                goto derive_fail;
            }
            for (size_t i = 0; i < nmore && i < VR_GITREPORT_DERIVED_MAX; i++) {
                if (!path_ok(more[i].path)) {
                    vr_error_set(err, VR_ERR_AUDIT_REPO,
                                 "report path \"%s\": not a valid relative path",
                                 more[i].path ? more[i].path : "");
                    goto derive_fail;
                }
                if ((error =
                         tree_put(&tree, &root, repo, more[i].path, more[i].data, more[i].len)) < 0)
                    goto step_fail;
            }
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
        continue;
    derive_fail:
        git_reference_free(ref);
        git_tree_free(tree);
        git_commit_free(parent);
        goto done;
    }
    vr_error_set(err, VR_ERR_AUDIT_REPO, "audit branch %s: kept moving; report not committed",
                 branch);
done:
    if (lock_fd >= 0) close(lock_fd);
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
    if (!path_checked(path, err)) goto done;
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

/* The branch's tip: refs/heads/<branch>, else a fetched remote branch of that name. */
static int lookup_branch(git_reference **out, git_repository *repo, const char *branch)
{
    static const char *const forms[] = {"refs/heads/%s", "refs/remotes/origin/%s",
                                        "refs/remotes/%s"};
    int error = GIT_ENOTFOUND;
    for (size_t i = 0; i < sizeof forms / sizeof *forms && error == GIT_ENOTFOUND; i++) {
        vr_buf name = VR_BUF_INIT;
        vr_buf_printf(&name, forms[i], branch);
        git_reference *ref = NULL;
        error = git_reference_lookup(&ref, repo, vr_buf_str(&name));
        if (error == GIT_EINVALIDSPEC) error = GIT_ENOTFOUND;
        if (error == 0) {
            error = git_reference_resolve(out, ref);
            git_reference_free(ref);
        }
        vr_buf_free(&name);
    }
    return error;
}

int vr_gitreport_read_file(const char *repo_dir, const char *branch, const char *path, size_t max,
                           char **out, size_t *out_len, char out_commit[41], vr_error *err)
{
    git_repository *repo = NULL;
    git_reference *tip = NULL;
    git_commit *c = NULL;
    git_blob *blob = NULL;
    git_oid here;
    int rc = -1, error;

    *out = NULL;
    *out_len = 0;
    out_commit[0] = '\0';
    if (!branch || !branch[0]) branch = VR_GITREPORT_DEFAULT_BRANCH;
    if (!path_checked(path, err)) goto done;
    if ((error = open_repo(&repo, repo_dir, err)) < 0) goto done;
    error = lookup_branch(&tip, repo, branch);
    if (error == GIT_ENOTFOUND) {
        git_error_clear();
        rc = 1;
        goto done;
    }
    if (error < 0 || (error = git_commit_lookup(&c, repo, git_reference_target(tip))) < 0) {
        git_fail(err, "audit repository: branch", error);
        goto done;
    }
    if (!blob_at(&here, c, path)) {
        rc = 1;
        goto done;
    }
    /* Back along first parents while the parent holds the same blob: the writer is the last
     * commit reached. A missing parent (a shallow history) ends the walk there. */
    for (;;) {
        git_commit *p = NULL;
        git_oid before;
        if (git_commit_parentcount(c) == 0 || git_commit_parent(&p, c, 0) < 0) break;
        if (!blob_at(&before, p, path) || !git_oid_equal(&here, &before)) {
            git_commit_free(p);
            break;
        }
        git_commit_free(c);
        c = p;
    }
    git_error_clear();
    git_oid_tostr(out_commit, 41, git_commit_id(c));
    if ((error = git_blob_lookup(&blob, repo, &here)) < 0) {
        git_fail(err, "audit repository: file", error);
        goto done;
    }
    size_t size = (size_t)git_blob_rawsize(blob);
    if (size > max) {
        vr_error_set(err, VR_ERR_AUDIT_REPO, "%s on branch %s: larger than %zu bytes", path, branch,
                     max);
        goto done;
    }
    *out = vr_xmalloc(size + 1);
    memcpy(*out, git_blob_rawcontent(blob), size);
    (*out)[size] = '\0';
    *out_len = size;
    rc = 0;
done:
    if (rc != 0) out_commit[0] = '\0';
    git_blob_free(blob);
    git_commit_free(c);
    git_reference_free(tip);
    git_repository_free(repo);
    return rc;
}
