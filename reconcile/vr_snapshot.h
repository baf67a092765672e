/* vr_snapshot: an organization's whole live state (connections, limit, routing tables, live
 * fingerprint) as the JSON document that apply and drift record on the audit branch
 * (state/<org>.json, see vr_gitreport_state_path), and back: what `plan --from-audit` plans
 * against, with no credentials and no network. Pure: text in, structs out, and the reverse;
 * no I/O.
 *
 * Document (formatVersion 1), every key always present:
 *   {"formatVersion": 1,
 *    "organizationId": "a1b2...",
 *    "recordedAt": "2026-11-24T10:00:01.234Z",    when the run read the live state (UTC)
 *    "command": "drift" | "apply",                the run that recorded it
 *    "runId": "<uuid>", "toolVersion": "0.1.0",
 *    "limit": 50, "limitDefaulted": false,        as the limits endpoint gave it (docs/api.md §6)
 *    "liveCount": 5,
 *    "liveFingerprint": "<64 hex>",               vr_plan_live_fingerprint of the connections
 *    "connections": [{...}],                      each as the platform returns it (docs/api.md
 *                                                 §4, vr_iface_connection_json), by name, then id
 *    "routingTables": [{"id": "rt-core", "name": "core" | null, "currentHash": "..." | null,
 *                       "routeCount": 3 | null, "state": "converged" | null}]}   by id
 * Reading is strict: another formatVersion, a missing key or one of another type, a count or
 * a fingerprint that does not match the connections (a file edited by hand, or cut short),
 * or another organization's id are refused with a message naming the key. Unknown keys are
 * ignored (later minor additions). */
#ifndef VR_SNAPSHOT_H
#define VR_SNAPSHOT_H

#include "vr_client.h"
#include "vr_diag.h"
#include "vr_util.h"

#include <stddef.h>
#include <stdint.h>

#define VR_SNAPSHOT_FORMAT_VERSION 1
/* A recorded state larger than this is refused when reading (ten thousand connections take
 * some 6 MiB). */
#define VR_SNAPSHOT_MAX_BYTES (256u * 1024u * 1024u)

/* What the writer records besides the live state. Strings borrowed for the call. */
typedef struct {
    const char *org_id;
    const char *command; /* "apply" or "drift" */
    const char *run_id;
    int64_t read_wall_ms; /* when the live state was read */
} vr_snapshot_meta;

/* A recorded state as read back. Owns everything; vr_snapshot_free releases it. */
typedef struct {
    char *org_id;
    char *command;
    char *run_id;
    char *tool_version;
    char recorded_at[32];
    vr_iface_list live;
    vr_limits limits;
    vr_routing_table_list tables;
    char live_fingerprint[65];
} vr_snapshot;

/* Appends the document (indented JSON, a final newline) for the live state given (borrowed;
 * the connections are written sorted by name, then id). Returns 0, or -1 (out->overflow set,
 * or meta incomplete). */
int vr_snapshot_write(vr_buf *out, const vr_snapshot_meta *meta, const vr_iface *live,
                      size_t live_count, const vr_limits *limits, const vr_routing_table *tables,
                      size_t table_count);

/* Parses a document strictly (see above). org_id, when not NULL, is the organization it must
 * hold. out is overwritten. Returns 0, or -1 with err set (code "state.invalid", or
 * "state.version" for another formatVersion; the message names the key path, e.g.
 * "connections[2]: lacks a string id") and out empty. */
int vr_snapshot_parse(vr_snapshot *out, const char *text, size_t len, const char *org_id,
                      vr_error *err);

void vr_snapshot_free(vr_snapshot *s);

#endif
