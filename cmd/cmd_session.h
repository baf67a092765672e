/* cmd_session: what plan, apply and drift share. From the common options to, per
 * organization: endpoints, credentials, a client, the organization guard (contract §6a), the
 * live state (connections, limit, routing tables) and its plan. It lives in cmd/ and prints
 * its own errors to stderr (the only room that prints), so a command just checks the code. */
#ifndef VR_CMD_SESSION_H
#define VR_CMD_SESSION_H

#include "cmd.h"
#include "vr_client.h"
#include "vr_iface.h"
#include "vr_latency.h"
#include "vr_plan.h"
#include "vr_probe.h"
#include "vr_region.h"

#include <stdbool.h>
#include <stddef.h>

/* One API call as seen by the client's latency hook (strings owned by the session). */
typedef struct {
    char *method;
    char *path;
    int status;
    int attempts;
    long long latency_ms;
    char *correlation_id;
    size_t org_index; /* the organization (index in session.orgs) the call was made for */
} vr_session_call;

/* One organization of the run. */
typedef struct {
    vr_org *org; /* borrowed from session.inv */
    vr_endpoints endpoints;
    vr_credentials creds; /* owned; wiped on free */
    vr_client *client;    /* owned; NULL until vr_session_connect */
    vr_org_info me;       /* what /organizations/me said */
    vr_iface_list live;   /* owned; filled by vr_session_read_live */
    vr_limits limits;
    vr_routing_table_list tables;
    vr_plan_org_result *plan; /* borrowed from session.plan.orgs[i]; set by vr_session_plan */
} vr_session_org;

/* Everything a run holds. Zero-initialise (or vr_session_init); vr_session_free releases. */
typedef struct {
    const vr_common_opts *opts; /* borrowed */
    const char *command;        /* "plan", "apply", "drift": for messages */
    vr_inventory inv;
    vr_diags diags; /* the inventory's diagnostics */
    vr_plan plan;
    vr_session_org *orgs; /* the organizations of this run (after --shard) */
    size_t org_count;
    vr_probe_map probe_map;        /* from --probe-map */
    long shard_index, shard_count; /* --shard I/N (1-based I); 0/0: every organization */
    char run_id[37];
    size_t current_org;     /* the organization calls are being made for now */
    vr_session_call *calls; /* every API call of the run, in order */
    size_t call_count, call_cap;
    vr_latency latency; /* VR_PHASE_* samples; apply adds its own */
    bool use_color;     /* on stdout */
} vr_session;

void vr_session_init(vr_session *s, const vr_common_opts *opts, const char *command);
void vr_session_free(vr_session *s);

/* Parses "I/N" (1 <= I <= N <= 10000) into the session. Returns 0, or prints and returns
 * VR_EXIT_ERROR. */
int vr_session_set_shard(vr_session *s, const char *text);

/* Loads the inventory of opts->files and runs the inventory checks; prints every
 * diagnostic (FILE:LINE:COLUMN: severity: message) to stderr. Selects the organizations of
 * this run (all, or the --shard share: an organization belongs to shard
 * 1 + (first 8 bytes of SHA-256(id) as a big-endian number) mod N, stable across runs and
 * machines). Parses --probe-map. Returns 0, VR_EXIT_INVALID (inventory invalid) or
 * VR_EXIT_ERROR (usage: no -f, bad --probe-map). */
int vr_session_load(vr_session *s);

/* For each organization: endpoints (--api-url, GENESYSCLOUD_API_URL, --region,
 * GENESYSCLOUD_REGION, the inventory's region), credentials (environment and
 * --client-secret-file, or the --credentials file's entry for that organization), a client,
 * and the guard: GET /organizations/me must name the inventory's organization, else stop.
 * Returns 0 or VR_EXIT_ERROR (printed, with the platform's status, code, correlation id and
 * remedy). */
int vr_session_connect(vr_session *s);

/* For each organization: every live connection, the limit, the routing tables.
 * Returns 0 or VR_EXIT_ERROR (printed). */
int vr_session_read_live(vr_session *s);

/* Plans each organization (vr_plan_org) with popts into s->plan, and sets plan metadata
 * (files, their SHA-256, the inventory's Git commit). Does not print the plan.
 * Returns 0, or VR_EXIT_ERROR. */
int vr_session_plan(vr_session *s, const vr_plan_opts *popts);

/* Prints a vr_error the way every command does: "vni-reconcile CMD: what failed" then
 * indented lines for the HTTP status and code, the correlation id and the remedy. */
void vr_session_print_error(const vr_session *s, const vr_error *err);

/* The secrets of the run (client secrets, a static token) for redaction lists: *out is a
 * malloc'd array of borrowed strings (free() the array only; valid while the session is). */
void vr_session_secrets(const vr_session *s, const char ***out, size_t *count);

/* The correlation ids of the calls made for organization org_index that answered (a status
 * was received), in order: *out is a malloc'd array of borrowed strings (free() the array
 * only; valid until the next call is recorded). */
void vr_session_correlation_ids(const vr_session *s, size_t org_index, const char ***out,
                                size_t *count);

/* One organization's entry of a --credentials file: a YAML map from organization id to
 * {clientId: ..., clientSecretFile: ...}. Strings malloc'd; free() both. */
typedef struct {
    char *client_id;
    char *secret_file; /* a relative clientSecretFile is made relative to the file's folder */
    int line;          /* of the entry, from 1 */
} vr_cred_entry;

/* Finds org_id's entry in the credentials file at path (read and parsed, no secret read).
 * Returns 0 (out filled), 1 when the file has no entry for it, -1 with err set when the file
 * is unreadable or invalid (FILE:LINE:COLUMN and why). Exposed for the fuzz targets. */
int vr_session_credentials_entry(const char *path, const char *org_id, vr_cred_entry *out,
                                 vr_error *err);

/* The session's call hook, for clients made elsewhere (it records into s->calls). */
void vr_session_call_hook(void *ctx, const vr_call_record *rec);

#endif
