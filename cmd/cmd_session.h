/* cmd_session: what plan, apply and drift share. From the common options to, per
 * organization: endpoints, credentials, a client, the organization guard (docs/api.md §6a), the
 * live state (connections, limit, routing tables) and its plan. It lives in cmd/ and prints
 * its own errors to stderr (the only room that prints), so a command just checks the code. */
#ifndef VR_CMD_SESSION_H
#define VR_CMD_SESSION_H

#include "cmd.h"
#include "vr_client.h"
#include "vr_credentials.h"
#include "vr_iface.h"
#include "vr_latency.h"
#include "vr_plan.h"
#include "vr_outputs.h"
#include "vr_probe.h"
#include "vr_endpoint.h"

#include <pthread.h>
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
} vr_session_call;

/* One organization of the run. With --parallelism, a worker thread owns one organization
 * while it works on it: everything here is that organization's alone (its client, token,
 * rate-limit state and calls). */
typedef struct {
    vr_org *org; /* borrowed from session.inv */
    vr_endpoints endpoints;
    vr_credentials creds; /* owned; wiped on free */
    vr_client *client;    /* owned; NULL until vr_session_prepare */
    vr_org_info me;       /* what /organizations/me said */
    vr_iface_list live;   /* owned; filled by vr_session_prepare */
    vr_limits limits;
    vr_routing_table_list tables;
    vr_plan_org_result *plan; /* borrowed from session.plan.orgs; set by vr_session_plan */
    vr_session_call *calls;   /* every API call made for this organization, in order */
    size_t call_count, call_cap;
    bool failed; /* could not be connected, locked or read (said on stderr): left out of the
                  * plan and the reports, and the run exits 1; the others go on */
    int64_t live_read_ms;                  /* wall clock when the live state was last read */
    vr_plan_recorded_state recorded_state; /* owned; set by vr_session_read_recorded, copied
                                            * into the plan */
} vr_session_org;

/* Everything a run holds. vr_session_init, then vr_session_free releases. */
typedef struct vr_session {
    const vr_common_opts *opts; /* borrowed */
    const char *command;        /* "plan", "apply", "drift": for messages */
    vr_inventory inv;
    vr_diags diags; /* the inventory's diagnostics */
    vr_plan plan;
    vr_session_org *orgs; /* the organizations of this run (after --shard) */
    size_t org_count;
    vr_probe_map probe_map;        /* from --probe-map */
    vr_transport transport;        /* TLS trust (--ca-file...), set by vr_session_prepare */
    long shard_index, shard_count; /* --shard I/N (1-based I); 0/0: every organization */
    char run_id[37];
    vr_latency latency;          /* VR_PHASE_* samples; apply adds its own */
    bool use_color;              /* on stdout */
    long parallelism;            /* organizations worked on at once (--parallelism, default 10) */
    size_t failed_count;         /* organizations marked failed */
    pthread_mutex_t stderr_lock; /* one message at a time on stderr (vr_session_eprintf) */
    int64_t deadline_ms;         /* vr_now_ms() at vr_session_init + --timeout; 0: none */
    pthread_mutex_t steps_lock;  /* guards steps_done and timed_out (worker threads) */
    vr_buf steps_done;           /* the steps begun so far, "a, b", for the --timeout message */
    bool timed_out;              /* the --timeout message was printed (once per run) */
    vr_credentials_file creds_file; /* --credentials, once read (creds_file_loaded) */
    bool creds_file_loaded;
} vr_session;

/* Starts the run's clock: with --timeout, the run's deadline is set from now. */
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

/* What a command does for organization i between its guard and its live reads (apply: take
 * the organization's lock). Runs on the organization's worker thread; prints its own errors
 * (vr_session_eprintf) and returns 0, or -1 to mark the organization failed. */
typedef int (*vr_session_step_fn)(void *ctx, vr_session *s, size_t i);

/* First the transport (vr_transport_from_env: --ca-file, SSL_CERT_FILE, CURL_CA_BUNDLE; a
 * CA file that cannot be used is an error), for the clients and the webhook. Then, on up to
 * s->parallelism organizations at once (cmd_pool), for each: endpoints (--api-url,
 * GENESYSCLOUD_API_URL, --region, GENESYSCLOUD_REGION, the inventory's region), credentials
 * (environment and --client-secret-file, or the --credentials file's entry for that
 * organization), its own client, the guard (GET /organizations/me must name the inventory's
 * organization), then `between` (may be NULL), then its live state: every connection, the
 * limit, the routing tables, in that order. An organization whose id is "" (export without
 * --org) takes the id /organizations/me gives: the organization of the credentials.
 * An organization that fails is said on stderr (with the platform's status, code,
 * correlation id and remedy, naming the organization when the run has several), marked
 * failed, and the others go on. Returns 0 when at least one organization (or none at all) is
 * ready; VR_EXIT_ERROR when the transport cannot be set up or every organization failed. */
int vr_session_prepare(vr_session *s, vr_session_step_fn between, void *ctx);

/* The --timeout check, before each step of the run (next names it: "read the live state of
 * organization X"); safe from worker threads: returns 0 and notes the step as begun; or, when
 * the run's deadline has passed, prints (once per run) that the run stopped, what it had done
 * and what it had not, and returns VR_EXIT_ERROR. Calls made within a step stop retrying at
 * the deadline (vr_http). */
int vr_session_step(vr_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads organization so's live state again (as vr_session_prepare did: connections, limit,
 * routing tables), e.g. after apply changed it. Returns 0, or -1 (printed). */
int vr_session_reread_org(vr_session *s, vr_session_org *so);

/* plan --from-audit: instead of vr_session_prepare, takes each organization's live state from
 * the state/<org>.json its last apply or drift recorded on branch (NULL: vni-audit) of the Git
 * repository repo_dir (vr_gitreport_read_file, vr_snapshot_parse), and notes where it came
 * from (so->recorded_state, shown with the plan). No credentials are read, no transport is
 * set up and no connection is made. An organization with no recorded state, or one that
 * cannot be used, is said on stderr naming it and marked failed; the others go on. Returns 0
 * when at least one organization (or none at all) is ready; VR_EXIT_ERROR when every
 * organization failed. */
int vr_session_read_recorded(vr_session *s, const char *repo_dir, const char *branch);

/* The recorded state of organization so, for the audit branch: its path (state/<org>.json)
 * appended to path and the document (vr_snapshot_write of so->live, limits and tables, read
 * at so->live_read_ms) to json. Returns 0, or -1 (an id that cannot name a path). */
int vr_session_state_file(const vr_session *s, const vr_session_org *so, vr_buf *path,
                          vr_buf *json);

/* Plans each organization that did not fail (vr_plan_org) with popts into s->plan, in the
 * session's order, and sets plan metadata
 * (files, their SHA-256, the inventory's Git commit). Does not print the plan.
 * Returns 0, or VR_EXIT_ERROR. */
int vr_session_plan(vr_session *s, const vr_plan_opts *popts);

/* The replacement options plan and apply share (cli.md "Replacement"), as entries of an
 * option table: --replace NAME (repeatable, a vr_strlist), --replace-drifted,
 * --no-replace-failed (bools), --max-replaces N (a long, 0 to 100000). */
#define VR_OPTS_REPLACE(names, drifted, no_failed, max)                                            \
    {"replace", 0,      VR_OPT_LIST,                                                               \
     (names),   "NAME", "replace that interface (delete and create it anew; repeatable)",          \
     0,         0},                                                                                \
        {"replace-drifted",                                                                        \
         0,                                                                                        \
         VR_OPT_FLAG,                                                                              \
         (drifted),                                                                                \
         NULL,                                                                                     \
         "replace every interface that differs live",                                              \
         0,                                                                                        \
         0},                                                                                       \
        {"no-replace-failed",                                                                      \
         0,                                                                                        \
         VR_OPT_FLAG,                                                                              \
         (no_failed),                                                                              \
         NULL,                                                                                     \
         "do not replace live connections in state failed (replaced by default)",                  \
         0,                                                                                        \
         0},                                                                                       \
    {                                                                                              \
        "max-replaces", 0, VR_OPT_LONG, (max), "N",                                                \
            "at most N replacements per organization (default 1)", 0, 100000                       \
    }

/* Sets popts' replacement options from those of the command line (names are borrowed from
 * the list, which must outlive popts). */
void vr_cmd_replace_opts(vr_plan_opts *popts, const vr_strlist *names, bool drifted, bool no_failed,
                         long max_replaces);

/* Prints a vr_error the way every command does: "vni-reconcile CMD: what failed" then
 * indented lines for the HTTP status and code, the correlation id and the remedy. */
void vr_session_print_error(const vr_session *s, const vr_error *err);
/* The same for one organization's error: "vni-reconcile CMD: organization ID: what failed"
 * when the run covers several organizations. */
void vr_session_print_org_error(const vr_session *s, const vr_session_org *so, const vr_error *err);

/* Prints the errors that make the plan impossible (the error diagnostics of each
 * organization), one a line to stderr, each after "organization ID: " when the plan covers
 * several: what a quiet or JSON run shows instead of the text plan that would hold them. */
void vr_session_print_plan_errors(const vr_plan *plan);

/* Writes a message (one or more whole lines) to stderr with one write() under the session's
 * lock, so that messages of organizations worked on at once never interleave mid-line. Every
 * message a worker thread prints goes through here. */
void vr_session_eprintf(const vr_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The prefix of an organization's progress lines: "ID " when the run covers several
 * organizations, "" when it covers one. */
const char *vr_session_org_prefix(const vr_session *s, const vr_session_org *so, char *buf,
                                  size_t len);

/* The secrets of the run (client secrets, a static token) for redaction lists: *out is a
 * malloc'd array of borrowed strings (free() the array only; valid while the session is). */
void vr_session_secrets(const vr_session *s, const char ***out, size_t *count);

/* The correlation ids of the calls made for organization so that answered (a status was
 * received), in order: *out is a malloc'd array of borrowed strings (free() the array only;
 * valid until the organization's next call is recorded). */
void vr_session_correlation_ids(const vr_session_org *so, const char ***out, size_t *count);

/* Opens the outputs the common options ask for (report/vr_outputs: audit log, webhook,
 * metrics file, Git report) for this run, with the session's secrets and the webhook secret
 * (wh_secret, borrowed: keep it until vr_outputs_close) as redactions. Prints nothing.
 * Returns 0, or vr_outputs_open's code with err set. */
int vr_session_open_outputs(const vr_session *s, vr_outputs *out, const char *wh_secret,
                            size_t wh_secret_len, vr_error *err);

/* The options' outputs as a vr_outputs_config (no redactions): for what needs them before
 * the outputs are open (drift's history). */
void vr_session_outputs_config(const vr_session *s, vr_outputs_config *out);

/* The HTTP status of every call of the run (organization by organization, in the session's
 * order), for the metrics: *status is malloc'd (free it). */
vr_outputs_calls vr_session_call_statuses(const vr_session *s, int **status);

/* The session's call hook (ctx: the vr_session_org the client works for; it records into
 * that organization's calls), for clients made elsewhere. */
void vr_session_call_hook(void *ctx, const vr_call_record *rec);

#endif
