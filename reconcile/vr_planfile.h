/* vr_planfile: the saved plan of cli.md (`plan --out FILE`, `apply PLANFILE`) as JSON, and the
 * Git commit of the inventory.
 *
 * Document (formatVersion 1), every key always present:
 *   {"formatVersion": 1, "toolVersion": "0.1.0", "createdAt": "2026-11-24T10:00:01.234Z",
 *    "inventory": {"files": [{"path": "...", "sha256": "<64 hex>"}],
 *                  "gitCommit": "<40 hex>" | null, "gitDirty": false},
 *    "organizations": [{
 *      "id": "...", "region": "mypurecloud.ie" | null, "limit": 50, "limitDefaulted": false,
 * "liveCount": 3, "liveFingerprint": "<64 hex>", "actions": [{"seq": 1, "action":
 * "delete"|"create", "name": "...", "reason": "...", "payload": {...}}], "unchanged": [{"name":
 * "...", "id": "..."}], "drift": [{"name": "...", "id": "...", "fields": [{"field": "remoteIp",
 * "want": "...", "live": "..."}]}], "unmanaged": [{"name": "...", "id": "...", "state": "..."}],
 *      "notActive": [{"name": "...", "id": "...", "state": "..."}],
 *      "diagnostics": [{"severity": "error"|"warning"|"note", "code": "...",
 *                       "message": "...", "file": "..."|null, "line": 0, "column": 0}]}]}
 * A plan made by `plan --from-audit` has, per organization, "recordedState": {"branch": ...,
 * "commit": "<40 hex>", "recordedAt": "...", "command": "drift"|"apply"}: it is printed
 * (--format json) but never saved, and the reader refuses a document that holds one.
 * payload: for a create, the create body of contract §4.3 (vr_iface_payload_json); for a
 * delete, the live connection as the platform returned it, id included
 * (vr_iface_connection_json). Unknown keys are ignored when reading (later minor additions).
 *
 * Ownership: vr_plan structs filled here own everything (free with vr_plan_free). */
#ifndef VR_PLANFILE_H
#define VR_PLANFILE_H

#include "vr_diag.h"
#include "vr_plan.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#define VR_PLANFILE_FORMAT_VERSION 1
/* A plan file larger than this is refused when reading. */
#define VR_PLANFILE_MAX_BYTES (512u * 1024u * 1024u)

/* The document above. Caller frees with cJSON_Delete. */
cJSON *vr_planfile_to_json(const vr_plan *plan);

/* The document as indented JSON text appended to out. Returns 0, or -1 (out->overflow). */
int vr_planfile_serialize(vr_buf *out, const vr_plan *plan);

/* Writes the document to path atomically (mode 0644). Returns 0, or -1 with err set
 * ("plan file PATH: cannot write: ..."; code "plan.recorded", nothing written, for a plan
 * made against a recorded state). */
int vr_planfile_write(const char *path, const vr_plan *plan, vr_error *err);

/* Parses a plan file's text with strict validation: JSON object, formatVersion exactly 1,
 * every key of the document present with its type, hex digests of the right length,
 * action in {create, delete}, seq 1..n in order, payload name equal to the action's name,
 * a create payload that passes vr_iface_validate, a delete payload with an id. out is
 * overwritten (zeroed first). Returns 0, or -1 with err set (code "plan.invalid"; the message
 * names the key path, e.g. "organizations[0].actions[2].payload: lacks a string localIp")
 * and out empty. */
int vr_planfile_parse(vr_plan *out, const char *text, size_t len, vr_error *err);

/* Reads and parses path (see vr_planfile_parse); messages start with "plan file PATH: ".
 * Returns 0, or -1 with err set. */
int vr_planfile_read(vr_plan *out, const char *path, vr_error *err);

/* The Git commit of the inventory: when every path lies in the work tree of one Git
 * repository (found with git_repository_open_ext and discovery from the file's folder),
 * *out_commit is the hex id of that repository's HEAD commit (malloc'd, caller frees) and
 * *out_dirty (may be NULL) tells whether some of the files differ from HEAD or are untracked.
 * *out_commit is NULL (and 0 returned) when there are no paths, a path is "-" (stdin), a
 * file is in no repository, the files are in different repositories, the repository is bare
 * or HEAD is unborn. Returns -1 with err set only on a libgit2 failure in a repository that
 * was found. libgit2 must be initialised by the caller (main; tests call git_libgit2_init). */
int vr_planfile_git_commit(char **out_commit, bool *out_dirty, const char *const *paths,
                           size_t path_count, vr_error *err);

#endif
