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

/* Path builders (append to out; org must be 1..128 of [A-Za-z0-9._-] and not start with '.';
 * command likewise). Return 0, or -1 on a bad org/command or out of memory. */
/* "reports/<org>/<stamp>-<command>.<ext>"; ext "json" or "md" (without the dot). */
int vr_gitreport_report_path(vr_buf *out, const char *org, int64_t wall_ms, const char *command,
                             const char *ext);
/* "drift/<org>/latest.<ext>". */
int vr_gitreport_drift_path(vr_buf *out, const char *org, const char *ext);
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

#endif
