/* vr_plan: the pure diff and plan of one organization: inventory vs live connections in,
 * ordered actions, drift, conflicts and the live fingerprint out. No I/O, no network.
 *
 * Ownership: every result struct owns all its strings and arrays (malloc'd copies); nothing in
 * a result points into the inventory or the live list given, so both may be freed right after
 * vr_plan_org(). vr_plan_org_result_free() / vr_plan_free() release everything.
 *
 * Which live connections prune may delete (the "managed" rule)
 * ------------------------------------------------------------
 * cli.md says deletion is only with --prune and "never for an interface marked protect: true
 * or one the inventory does not manage". A connection the inventory names is never a delete
 * candidate (it is unchanged or drift), so something must make a connection that the
 * inventory does NOT list "managed". The rule here is ONE rule: the organization's managed
 * name prefix (vr_plan_opts.managed_prefix, e.g. "arch-vni-"). A live connection is a delete
 * candidate when, and only when, all of these hold:
 *   - opts.prune is set;
 *   - opts.managed_prefix is set and non-empty, and the connection's name starts with it;
 *   - the inventory does not name it (no inventory interface of that name, protected or not);
 *   - the inventory's ignore list does not leave the whole interface out (an ignore entry
 *     with that name and no field: the way to keep protecting a connection after removing
 *     it from the list, since a `protect: true` marker leaves the list together with it).
 * Without a prefix nothing is ever deleted: every unnamed connection is "unmanaged" and only
 * reported. The prefix is a name convention the team owns, visible in the inventory and in
 * the platform's console alike; it needs no marker written into descriptions (which the
 * drift comparison would then have to strip) and no state file. protect: true on an inventory
 * entry is honoured by construction (named entries are never delete candidates) and checked
 * again before any delete is planned.
 *
 * Guards on top of the rule (candidates taken in name order):
 *   - at most opts.max_deletes deletes in one plan (vr_plan_opts_init: 1; 0 means none);
 *   - never every live connection of the organization: when the deletes would leave it with
 *     no live connection, one candidate is held back;
 *   - candidates held back by either guard are deferred, not refused: each gets a
 *     VR_SEV_WARNING diagnostic "delete-deferred" naming the connection and the guard, and
 *     the next run takes them. The plan stays possible (deletion is housekeeping; a backlog of
 *     stale connections must not block the creations the pull request asks for).
 *
 * Ignore list (vr_org.ignores): an ignored field is left out of drift (field state: the
 * connection is never listed not-active); an interface ignored as a whole is never drift,
 * unmanaged, not-active or a delete candidate (but is still created when the inventory names
 * it and it is missing live).
 *
 * Replacement (cli.md "Replacement"): the platform has no update call, so an interface whose
 * live connection is wrong is repaired by one action `replace` (delete the live connection,
 * then create it anew from the inventory). A named, live interface is a candidate when
 *   - opts.replace names it (--replace NAME), whether or not it drifted;
 *   - opts.replace_drifted is set and it differs live in a compared field (after the ignore
 *     list; an interface ignored as a whole never differs);
 *   - opts.replace_failed is set (the default) and its live state is "failed" (unless the
 *     ignore list leaves out its field state).
 * Guards, each a diagnostic:
 *   - protect: true: never replaced; named by opts.replace it is an error
 *     "replace-protected" (the plan is impossible), otherwise a warning of that code;
 *   - a name of opts.replace that no organization of the inventory holds: an error
 *     "replace-unknown" (vr_plan_check_replace_names, over the whole inventory, since one
 *     organization cannot tell); one this organization holds but that is not live: a
 *     warning "replace-not-live", and the interface is created like any missing one (a run
 *     killed between a replacement's delete and its create left it so, and the next run,
 *     with or without --replace, must finish the job);
 *   - at most opts.max_replaces replacements (vr_plan_opts_init: 1); the others are deferred
 *     with a warning "replace-deferred" and stay listed as drift or unchanged. Taken first:
 *     the ones --replace names, then failed ones (they carry no traffic), then drifted ones,
 *     each in the order of actions below.
 * An interface planned for replacement is listed under actions only (not in unchanged or
 * drift). Its new version is checked like a create (address and subnet conflicts, routing
 * table, limit) against the live connections other than itself and those planned for
 * deletion, so a plan never deletes an interface it then cannot create; conflicts are
 * errors located at the inventory field, as for a create.
 *
 * Order of actions (cli.md): deletions first (by name), then replacements, then creations;
 * replacements and creations each grouped by routing table (of the inventory's version;
 * tables in name order, from vr_plan_ctx.tables; a table without a name sorts by its id, as
 * does one the platform does not know), inside a table by `order` ascending with interfaces
 * that have no `order` after every interface that has one, then by name (strcmp).
 * seq numbers the actions from 1.
 *
 * Live fingerprint: see vr_plan_live_fingerprint().
 *
 * Complexity: O((d + l) log (d + l)) for d inventory interfaces and l live connections
 * (sorted indexes and binary searches; no pairwise comparison). */
#ifndef VR_PLAN_H
#define VR_PLAN_H

#include "vr_diag.h"
#include "vr_iface.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reason text of a create (contract with the renderers and the plan file). */
#define VR_PLAN_REASON_MISSING "missing live"
/* Parts of a replacement's reason, joined with "; " (the drifted part names the fields). */
#define VR_PLAN_REASON_ASKED "asked for (--replace)"
#define VR_PLAN_REASON_FAILED "live state failed (failed connections are replaced by default)"

/* A routing table that exists live. Strings are borrowed for the call only. */
typedef struct {
    const char *id;
    const char *name; /* NULL when unknown: the table sorts by id */
} vr_plan_table;

/* Options of the plan (cli.md apply/plan flags). Initialise with vr_plan_opts_init(). */
typedef struct {
    bool prune;                 /* --prune: deletion allowed at all */
    long max_deletes;           /* --max-deletes, default 1; 0: no deletion */
    const char *managed_prefix; /* borrowed; NULL or "": nothing is managed beyond the names */
    const char *const *replace; /* --replace NAME (repeatable); borrowed, replace_count names */
    size_t replace_count;
    bool replace_drifted; /* --replace-drifted */
    bool replace_failed;  /* replace live connections in state failed; default true
                             (--no-replace-failed turns it off) */
    long max_replaces;    /* --max-replaces, default 1; 0: no replacement */
} vr_plan_opts;

/* What the plan needs besides the inventory and the live list. Borrowed for the call only. */
typedef struct {
    long limit;                  /* connections.max of the organization (docs/api.md §6) */
    bool limit_defaulted;        /* the limits endpoint answered 404: limit is VR_DEFAULT_LIMIT */
    const vr_plan_table *tables; /* the routing tables that exist live */
    size_t table_count;
    vr_plan_opts opts;
} vr_plan_ctx;

typedef enum { VR_ACTION_CREATE = 0, VR_ACTION_DELETE = 1, VR_ACTION_REPLACE = 2 } vr_action_kind;

/* "create", "delete", "replace" (the plan file's names). Static. */
const char *vr_action_kind_name(vr_action_kind k);

/* One field that differs: the inventory's text and the live text ("" when absent). */
typedef struct {
    char *field; /* API name: "localIp", "dnsServers"... */
    char *want;
    char *live;
} vr_drift_field;

/* What a replacement deletes: the live connection's id, state and routing table (the one
 * synced after the delete), and the fields in which it differs from the inventory (after the
 * ignore list; none for a connection replaced only because it failed or was asked for).
 * Owned by the action. */
typedef struct {
    char *id;
    char *state;            /* NULL when the platform gave none */
    char *routing_table_id; /* NULL when the platform gave none */
    vr_drift_field *fields;
    size_t field_count;
} vr_plan_replaced;

/* One step of the plan. */
typedef struct {
    size_t seq; /* 1-based position in the plan */
    vr_action_kind kind;
    char *name;
    char *reason; /* create: VR_PLAN_REASON_MISSING; delete: why it is a candidate; replace:
                     why (VR_PLAN_REASON_ASKED, VR_PLAN_REASON_FAILED, the differing fields) */
    /* create and replace: a copy of the inventory interface with org_id set to the
     * organization's id and locs zeroed (the payload is vr_iface_payload_json(&iface));
     * delete: a copy of the live connection, id included. Owned; freed with the result. */
    vr_iface iface;
    vr_plan_replaced replaces; /* replace only (zeroed otherwise) */
} vr_plan_action;

/* A live connection that the inventory names and that differs from it. Shown, never
 * replaced. Fields the inventory's ignore list leaves out are not listed. */
typedef struct {
    char *name;
    char *id;
    vr_drift_field *fields;
    size_t field_count;
} vr_plan_drift;

/* A reference to a live connection (unchanged, unmanaged, not active). */
typedef struct {
    char *name;
    char *id;    /* NULL only when read from a plan file that had none */
    char *state; /* the live state as given, NULL when absent */
} vr_plan_ref;

/* Where the live state of a plan came from when it was not the platform: `plan --from-audit`
 * plans against the state the last apply or drift recorded on the audit branch. Every member
 * NULL for a plan of the live platform. Owned by the organization's result. */
typedef struct {
    char *branch;      /* the audit branch as given ("vni-audit") */
    char *commit;      /* hex id of the commit that recorded the state */
    char *recorded_at; /* ISO 8601 UTC: when that run read the live state */
    char *command;     /* the run that recorded it: "apply" or "drift" */
} vr_plan_recorded_state;

/* The plan of one organization. Zero-initialise, or let vr_plan_org() do it. */
typedef struct {
    char *org_id;
    char *region; /* the inventory's organization.region, NULL when none: a saved plan must
                     reach the same platform host as the plan that made it */
    long limit;
    bool limit_defaulted;
    size_t live_count;
    char live_fingerprint[65]; /* lower-case hex SHA-256, see vr_plan_live_fingerprint() */

    vr_plan_action *actions; /* in execution order: deletes, replaces, creates */
    size_t action_count;
    size_t create_count, delete_count, replace_count;

    vr_plan_ref *unchanged; /* inventory interfaces that match live field by field */
    size_t unchanged_count;
    vr_plan_drift *drift; /* inventory interfaces that differ live */
    size_t drift_count;
    vr_plan_ref *unmanaged; /* live connections the inventory does not name (deletes too) */
    size_t unmanaged_count;
    vr_plan_ref *not_active; /* live connections whose state is not "active" */
    size_t not_active_count;

    /* Errors make the plan impossible (exit 3): ip-allocated, subnet-overlap,
     * remote-in-subnet, duplicate-name, unknown-routing-table, limit-exceeded,
     * replace-protected, replace-unknown. Warnings: delete-deferred, replace-deferred,
     * replace-protected, replace-not-live. Notes: limit-defaulted. Each message names the inventory
     * interface and the live connection (name and id); located at the inventory field when known.
     */
    vr_diags diags;

    vr_plan_recorded_state
        recorded_state; /* set by the caller after vr_plan_org (plan --from-audit) */
} vr_plan_org_result;

/* The options a plan was made with, as the plan file records them ("options"), so that a
 * saved plan can be made again from the same inputs. Owned copies. */
typedef struct {
    bool recorded; /* set by vr_plan_record_opts, or read from a plan file that had them */
    bool prune;
    long max_deletes;
    char **replace; /* --replace names, in the order given */
    size_t replace_count;
    bool replace_drifted;
    bool replace_failed;
    long max_replaces;
    char *shard; /* --shard "I/N" of the run (set by the command, which selects the
                    organizations), NULL: every organization */
} vr_plan_recorded_opts;

/* A whole plan: every organization of the run, plus what the plan file records about the
 * run. vr_plan_free() releases everything. Zero-initialise. */
typedef struct {
    char *tool_version;  /* VR_VERSION when built here; as read from a plan file */
    char created_at[32]; /* ISO 8601 UTC, "2026-11-24T10:00:01.234Z" */
    vr_source *files;    /* inventory files with their SHA-256 (owned copies) */
    size_t file_count;
    char *git_commit; /* HEAD of the work tree holding the inventory; NULL when none */
    bool git_dirty;   /* some inventory file differs from HEAD (or is untracked) */
    vr_plan_org_result *orgs;
    size_t org_count;
    vr_plan_recorded_opts options;
} vr_plan;

/* The command line's defaults: prune false, max_deletes 1, managed_prefix NULL, no
 * --replace names, replace_drifted false, replace_failed true, max_replaces 1. */
void vr_plan_opts_init(vr_plan_opts *opts);

/* Plans one organization. desired is the inventory's organization (its interfaces and ignore
 * list); live the organization's connections as listed (any order). out is overwritten (not
 * freed first). Conflicts and guards become diagnostics in out->diags, never a failure.
 * Returns 0, or -1 when an argument is NULL (out then zeroed). */
int vr_plan_org(vr_plan_org_result *out, const vr_org *desired, const vr_iface *live,
                size_t live_count, const vr_plan_ctx *ctx);

void vr_plan_org_result_free(vr_plan_org_result *r);

/* The live fingerprint: lower-case hex SHA-256 into out (65 bytes).
 * Bytes hashed: the ASCII text "vr-live-v1\n", then for each live connection, sorted by id
 * (strcmp; ties by name), these fields in this order: id, name, type, localIp, remoteIp,
 * subnetCidr, dnsServers, routingTableId, description. A text field is written as its byte
 * length in decimal, ':', the bytes (an absent field is written as "0:", the same as "").
 * dnsServers is written as the count in decimal, '#', then each server as a text field.
 * Texts are taken as the platform returned them. Nothing separates connections or fields
 * (the lengths make it unambiguous).
 * state (and dateCreated, selfUri) are left out on purpose: a connection moving from
 * provisioning to active, as it does on its own after a sync, must not invalidate a saved
 * plan; whether every connection is active is re-checked by apply itself. */
void vr_plan_live_fingerprint(const vr_iface *live, size_t live_count, char out[65]);

/* True when the organization's plan has no error diagnostic. */
bool vr_plan_org_possible(const vr_plan_org_result *r);
/* True when it has actions (drift alone is not a change: it is never acted on). */
bool vr_plan_org_has_changes(const vr_plan_org_result *r);

/* Copies opts (without managed_prefix, which the inventory gives) into plan->options; the
 * shard is left NULL (the caller sets it). */
void vr_plan_record_opts(vr_plan *plan, const vr_plan_opts *opts);

/* The plan options of recorded (as read from a plan file), to make that plan again; names are
 * borrowed from recorded, which must outlive out. managed_prefix is left NULL. */
void vr_plan_opts_from_recorded(vr_plan_opts *out, const vr_plan_recorded_opts *recorded);

/* The --replace names (opts->replace) that no organization of inv holds: for each, an error
 * "replace-unknown" (with a suggestion when a name of the inventory is close) added to
 * plan->orgs[0] (the plan is then impossible). Names held by an organization of inv that this
 * run does not cover (--shard) are not errors. Returns the number of unknown names; when
 * plan has no organization, nothing is added and the count alone tells. */
size_t vr_plan_check_replace_names(vr_plan *plan, const vr_inventory *inv,
                                   const vr_plan_opts *opts);

/* Appends a zeroed organization result; valid until the next append. */
vr_plan_org_result *vr_plan_add_org(vr_plan *plan);
/* Sets tool_version (VR_VERSION), created_at (from wall_ms) and copies the inventory's
 * sources into plan->files. git_commit is left to the caller (vr_planfile_git_commit). */
void vr_plan_set_meta(vr_plan *plan, const vr_inventory *inv, int64_t wall_ms);
/* True when no organization has an error diagnostic. */
bool vr_plan_possible(const vr_plan *plan);
/* True when some organization has an action. */
bool vr_plan_has_changes(const vr_plan *plan);
void vr_plan_free(vr_plan *plan);

#endif
