/* vr_planfile: the saved plan of cli.md (`plan --out FILE`, `apply PLANFILE`) as JSON, and the
 * Git commit of the inventory.
 *
 * Document (formatVersion 1), every key always present unless said otherwise:
 *   {"formatVersion": 1, "toolVersion": "0.1.0", "createdAt": "2026-11-24T10:00:01.234Z",
 *    "inventory": {"files": [{"path": "...", "sha256": "<64 hex>"}],
 *                  "gitCommit": "<40 hex>" | null, "gitDirty": false},
 *    "options": {"prune": false, "maxDeletes": 1, "replace": ["name", ...],
 *                "replaceDrifted": false, "replaceFailed": true, "maxReplaces": 1},
 *    "organizations": [{
 *      "id": "...", "region": "mypurecloud.ie" | null, "limit": 50, "limitDefaulted": false,
 *      "liveCount": 3, "liveFingerprint": "<64 hex>",
 *      "actions": [{"seq": 1, "action": "delete"|"replace"|"create", "name": "...",
 *                   "reason": "...", "payload": {...},
 *                   "replaces": {"id": "...", "state": "..."|null,
 *                                "routingTableId": "..."|null,
 *                                "fields": [{"field": "...", "want": "...", "live": "..."}]}}],
 *      "unchanged": [{"name": "...", "id": "..."}],
 *      "drift": [{"name": "...", "id": "...", "fields": [{"field": "remoteIp",
 *                 "want": "...", "live": "..."}]}],
 *      "unmanaged": [{"name": "...", "id": "...", "state": "..."}],
 *      "notActive": [{"name": "...", "id": "...", "state": "..."}],
 *      "diagnostics": [{"severity": "error"|"warning"|"note", "code": "...",
 *                       "message": "...", "file": "..."|null, "line": 0, "column": 0}]}]}
 * payload: for a create and a replace, the create body of docs/api.md §4.3
 * (vr_iface_payload_json); for a delete, the live connection as the platform returned it, id
 * included (vr_iface_connection_json). "replaces" only on a replace: the live connection it
 * deletes (id, state, the routing table synced after the delete) and the fields that differ.
 * "options" (the options the plan was made with, vr_plan_recorded_opts) is written when the
 * plan recorded them and read when present (files written before it have none). Actions come
 * deletions first, then replacements, then creations. Unknown keys are ignored when reading
 * (later minor additions).
 * A plan made by `plan --from-audit` has, per organization, "recordedState": {"branch": ...,
 * "commit": "<40 hex>", "recordedAt": "...", "command": "drift"|"apply"}: it is printed
 * (--format json) but never saved, and the reader refuses a document that holds one.
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
/* The most a plan file may hold: refused beyond, when reading (cJSON takes about 5 times a
 * plan's size in memory, up to 30 times for a hand-made document of tiny values) and when
 * writing (a plan apply could not read is not saved). The plan of 100,000 creations (the
 * inventory's cap) takes about 44 MB with short names and no descriptions. */
#define VR_PLANFILE_MAX_BYTES (64u * 1024u * 1024u)

/* The document above. Caller frees with cJSON_Delete. */
cJSON *vr_planfile_to_json(const vr_plan *plan);

/* The document as indented JSON text appended to out. Returns 0, or -1 (out->overflow). */
int vr_planfile_serialize(vr_buf *out, const vr_plan *plan);

/* Writes the document to path with vr_file_write (whole or not at all, never through a
 * symbolic link, a device or FIFO in place; mode 0644). A document over VR_PLANFILE_MAX_BYTES
 * is not written, nor is a plan made against a recorded state (code "plan.recorded"). Returns
 * 0, or -1 with err set ("plan file PATH: cannot write it: ..."). */
int vr_planfile_write(const char *path, const vr_plan *plan, vr_error *err);

/* Parses a plan file's text with strict validation: JSON object, formatVersion exactly 1,
 * every key of the document present with its type, hex digests of the right length,
 * action in {create, replace, delete} in that order of groups (deletions, replacements,
 * creations), seq 1..n in order, payload name equal to the action's name, a create or replace
 * payload that passes vr_iface_validate, a replace with its "replaces" (an id), a delete
 * payload with an id; "options", when present, with every key and its type. out is
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
