/* vr_gitreport: commits run reports to a branch of a Git repository with libgit2, without
 * touching its work tree, index or checked-out branch, and reads drift reports back from
 * the branch's history (for uptime rates).
 *
 * How a commit is made: blobs are written to the object database, trees are built with
 * git_treebuilder on top of the branch tip's tree (files not named are kept), a commit is made
 * with the tip as parent (no parent when the branch does not exist yet: an orphan first
 * commit), and refs/heads/<branch> is moved with compare-and-swap
 * (git_reference_create_matching against the tip read at the start; git_reference_create
 * without force when the branch is new). When another run moved the branch meanwhile, the
 * whole thing is redone on the new tip (a few times), so concurrent runs never lose each
 * other's commits. HEAD, the index and the work tree are never read or written, so this works
 * the same on a normal repository, a bare one, and one whose main branch has no commit.
 *
 * Author and committer: user.name/user.email of the repository's configuration (including
 * global/system config) when both are set, else "vni-reconcile <vni-reconcile@localhost>".
 *
 * Path convention (writer and reader agree through the functions below):
 *   reports/<org>/<stamp>-<command>.json   the run's report, one per run ("apply", "drift")
 *   reports/<org>/<stamp>-<command>.md     the same in Markdown
 *   drift/<org>/latest.json                 every drift run rewrites it; its history is the
 *   drift/<org>/latest.md                   chain of commits that changed it
 *   state/<org>.json                        the organization's live state as the last apply or
 *                                           drift read it (vr_snapshot)
 * <stamp> is the run's UTC start "20261124T100001.234Z" (sortable, no ':' for Windows
 * checkouts). A drift report must hold something unique to its run (its runId or time): the
 * reader counts commits in which the blob at drift/<org>/latest.json changed.
 *
 * git_libgit2_init() must have been called (by main, or by a test's main). */
#ifndef VR_GITREPORT_H
#define VR_GITREPORT_H

#include "vr_diag.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VR_GITREPORT_DEFAULT_BRANCH "vni-audit"
#define VR_GITREPORT_SIGNATURE_NAME "vni-reconcile"
#define VR_GITREPORT_SIGNATURE_EMAIL "vni-reconcile@localhost"

/* One file to commit. path is relative, '/'-separated, without "." or ".." components or empty
 * components; data is the content (borrowed). Files are written with mode 0644. */
typedef struct {
    const char *path;
    const void *data;
    size_t len;
} vr_gitreport_file;

/* Commits files to refs/heads/<branch> (NULL: VR_GITREPORT_DEFAULT_BRANCH) of the repository
 * at repo_dir (a work tree's top folder, or a bare repository's folder) with message.
 * When the tree would be the same as the tip's, a commit is made all the same (one commit per
 * run). out_commit, when not NULL, receives the new commit's hex id (41 bytes).
 * Returns 0, or -1 with err set (code "audit.repo"): repository missing, bad branch name or
 * path, libgit2 error, or the branch kept moving. */
int vr_gitreport_commit(const char *repo_dir, const char *branch, const vr_gitreport_file *files,
                        size_t count, const char *message, char *out_commit, vr_error *err);

/* The tree a commit is making (the branch tip's, with the run's files in it), as a derive
 * callback sees it. Borrowed for the callback's duration. */
typedef struct vr_gitreport_tree vr_gitreport_tree;

/* Appends the content of the file at path in t to out. Returns 1 (appended), 0 (no file
 * there), -1 (libgit2 error, or out refused the bytes). */
int vr_gitreport_tree_read(const vr_gitreport_tree *t, const char *path, vr_buf *out);
/* The hex id (41 bytes) of the file at path in t: tells whether a file changed without
 * reading it. Returns 1, 0 (no file there) or -1. */
int vr_gitreport_tree_blob_id(const vr_gitreport_tree *t, const char *path, char out[41]);
/* Calls fn(ctx, name) for each entry of folder dir in t that is a folder, in name order; no
 * such folder: no call. Returns 0, or -1 (libgit2 error). */
int vr_gitreport_tree_folders(const vr_gitreport_tree *t, const char *dir,
                              void (*fn)(void *ctx, const char *name), void *ctx);

/* The most files one derive call may add. */
#define VR_GITREPORT_DERIVED_MAX 4

/* Makes files from the tree being committed (e.g. an index of every organization's latest
 * report): called on each attempt of the commit, with the tree of that attempt's tip and the
 * run's files, so that a branch moved by another run is seen. Fills out[0..*out_count)
 * (at most VR_GITREPORT_DERIVED_MAX); their data stays the callback's, valid until its next
 * call or the end of the commit. Returns 0, or -1 with err set (nothing is committed). */
typedef int (*vr_gitreport_derive_fn)(void *ctx, const vr_gitreport_tree *tree,
                                      vr_gitreport_file *out, size_t *out_count, vr_error *err);

/* vr_gitreport_commit, with derive (NULL: none) adding files on each attempt. */
int vr_gitreport_commit_derived(const char *repo_dir, const char *branch,
                                const vr_gitreport_file *files, size_t count,
                                vr_gitreport_derive_fn derive, void *derive_ctx,
                                const char *message, char *out_commit, vr_error *err);

/* Path builders (append to out; org must be 1..128 of [A-Za-z0-9._-] and not start with '.';
 * command likewise: vr_gitreport_name_ok). Return 0, or -1 on a bad org/command or out of
 * memory. */
bool vr_gitreport_name_ok(const char *s);
/* "reports/<org>/<stamp>-<command>.<ext>"; ext "json" or "md" (without the dot). */
int vr_gitreport_report_path(vr_buf *out, const char *org, int64_t wall_ms, const char *command,
                             const char *ext);
/* "drift/<org>/latest.<ext>". */
int vr_gitreport_drift_path(vr_buf *out, const char *org, const char *ext);
/* "state/<org>.json": the organization's live state recorded by its last apply or drift
 * (vr_snapshot), which `plan --from-audit` reads. */
int vr_gitreport_state_path(vr_buf *out, const char *org);
/* "vni-reconcile <command> <org>: <summary>". */
int vr_gitreport_message(vr_buf *out, const char *command, const char *org, const char *summary);

/* One drift report from history. */
typedef struct {
    char commit[41];
    int64_t commit_time; /* seconds since the epoch (committer time) */
    cJSON *report;       /* parsed JSON, owned by the history */
} vr_gitreport_entry;

/* Newest first. Free with vr_gitreport_history_free(). */
typedef struct {
    vr_gitreport_entry *items;
    size_t count;
} vr_gitreport_history;

/* Walks the branch from its tip along first parents, newest first, and collects up to max
 * (0: no limit) reports at path (e.g. vr_gitreport_drift_path's): one per commit in which the
 * blob at path differs from the first parent's (the commits that wrote it; commits of other
 * organizations or of apply are skipped). Blobs that are not valid JSON are skipped. A branch
 * that does not exist gives an empty history (0). Returns 0, or -1 with err set
 * ("audit.repo"). */
int vr_gitreport_history_read(vr_gitreport_history *out, const char *repo_dir, const char *branch,
                              const char *path, size_t max, vr_error *err);
void vr_gitreport_history_free(vr_gitreport_history *h);

/* The file at path on the tip of branch (NULL: VR_GITREPORT_DEFAULT_BRANCH), read from the
 * object database only (work tree, index and HEAD untouched). branch is looked up as
 * refs/heads/<branch>, then refs/remotes/origin/<branch>, then refs/remotes/<branch> (so
 * "origin/vni-audit" names a fetched remote branch). out_commit receives the hex id of the
 * commit that wrote the file as it is: the first commit, going first parents from the tip,
 * whose first parent holds another version of it or none (when the history is cut short, a
 * shallow fetch, the oldest commit there is). *out is malloc'd and NUL-terminated (free()),
 * *out_len its length; a file larger than max bytes is an error.
 * Returns 0; 1 when the branch does not exist or has no file at path (*out NULL); -1 with err
 * set ("audit-repo"). */
int vr_gitreport_read_file(const char *repo_dir, const char *branch, const char *path, size_t max,
                           char **out, size_t *out_len, char out_commit[41], vr_error *err);

#endif
