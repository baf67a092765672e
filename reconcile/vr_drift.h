/* vr_drift: the drift report of one organization, built from its plan (vr_plan_org_result)
 * and the inventory's ignore list, and its uptime rates from earlier reports. Pure: no I/O, no
 * network; the cmd layer reads the history (vr_gitreport_history_read) and hands the parsed reports
 * over.
 *
 * Ownership: a vr_drift_org owns every string and array in it (malloc'd copies); nothing
 * points into the inventory, the live list or the plan, which may be freed right after
 * vr_drift_build(). vr_drift_org_free() releases everything.
 *
 * Kinds (cli.md "Drift"; the names are those of the metric vni_reconcile_drift_interfaces):
 *   missing     an inventory interface with no live connection of that name
 *   different   an inventory interface whose live connection differs (field by field, each
 *               with the inventory's text and the live text)
 *   unmanaged   a live connection the inventory does not name
 *   not_active  a live connection (named or not) whose state is not "active"
 * An interface may be both different and not_active.
 *
 * Ignore list (vr_org_ignores): an entry with a name and no field leaves that interface out of
 * the report altogether (not missing, not different, not unmanaged, not not_active, no
 * uptime); an entry with a field leaves that field out of the comparison (of every interface,
 * or of the one named); field state makes a connection that is not active count as active
 * (unmanaged ones too: still unmanaged, never not_active). What was left out is counted
 * (ignored_ifaces, ignored_fields) so a reader sees that something was ignored.
 *
 * Uptime: an inventory interface is "ok" in a check when it is present, matching (no differing
 * field after ignores) and active. Its uptime rate is ok_checks / checks over this check and
 * the earlier reports given to vr_drift_apply_history() that list it (a report written before
 * the interface was in the inventory does not count against it). Without history it is 1 or
 * 0 from this check alone. Unmanaged connections have no uptime.
 *
 * The report's renderings (JSON, text, Markdown) are in report/vr_render_drift.h. */
#ifndef VR_DRIFT_H
#define VR_DRIFT_H

#include "vr_iface.h"
#include "vr_plan.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VR_DRIFT_FORMAT_VERSION 1
/* --history default: the uptime window, in checks, this one included. */
#define VR_DRIFT_DEFAULT_HISTORY 30

typedef enum {
    VR_DRIFT_MISSING = 0,
    VR_DRIFT_DIFFERENT,
    VR_DRIFT_UNMANAGED,
    VR_DRIFT_NOT_ACTIVE,
    VR_DRIFT_KIND_COUNT
} vr_drift_kind;

/* "missing", "different", "unmanaged", "not_active"; "unknown" outside the enum. */
const char *vr_drift_kind_name(vr_drift_kind k);

/* An interface in one check of its history (the strip of marks of the HTML page). */
typedef enum {
    VR_DRIFT_MARK_NONE = 0, /* that check did not list the interface (not counted for uptime) */
    VR_DRIFT_MARK_OK,       /* present, matching and active */
    VR_DRIFT_MARK_DIFFERENT,
    VR_DRIFT_MARK_MISSING,
    VR_DRIFT_MARK_NOT_ACTIVE,
    VR_DRIFT_MARK_COUNT
} vr_drift_mark;

/* "none", "ok", "different", "missing", "not_active"; "unknown" outside the enum. */
const char *vr_drift_mark_name(vr_drift_mark m);
/* One mark per check: missing when not present, else not_active when not active (an interface
 * both different and not active shows as not active), else different when not matching, else
 * ok. */
vr_drift_mark vr_drift_mark_of(bool present, bool matching, bool active);

/* One inventory interface (in interfaces[]) or one unmanaged live connection. */
typedef struct {
    char *name;
    char *id;    /* live id; NULL when missing */
    char *state; /* live state; NULL when missing (or the platform gave none) */
    bool present, matching, active;
    vr_drift_field *fields; /* differing fields after ignores (vr_plan.h's type, owned) */
    size_t field_count;
    size_t ignored_fields; /* differing fields the ignore list left out */
    size_t checks;         /* checks counted for uptime, this one included (0: unmanaged) */
    size_t ok_checks;
    double uptime_rate; /* ok_checks / checks; 0 when checks is 0 */
    char *repair;       /* the command that would repair it (vr_drift_set_repairs); NULL: none */
    bool protect;       /* the inventory marks it protect: true (never replaced) */

    /* vr_drift_mark per check of the organization's timeline (its check_count, oldest
     * first); NULL for unmanaged connections */
    unsigned char *marks;
} vr_drift_iface;

/* The drift report of one organization. Zero-initialise, or let vr_drift_build() do it. */
typedef struct {
    char *org_id;
    char run_id[37];
    char created_at[32];
    int64_t wall_ms;
    size_t live_count;
    size_t history_window;  /* checks the uptime may cover (--history); 0: no history kept */
    size_t history_reports; /* earlier reports used (vr_drift_apply_history) */
    vr_drift_iface *ifaces; /* inventory interfaces, name order */
    size_t iface_count;
    vr_drift_iface *unmanaged; /* live connections not named, name order */
    size_t unmanaged_count;
    size_t counts[VR_DRIFT_KIND_COUNT];
    size_t unchanged;      /* inventory interfaces that are ok (present, matching, active) */
    size_t ignored_ifaces; /* interfaces left out whole (named or live-only) */
    size_t ignored_fields; /* differing fields left out, over every interface */

    /* The checks of the history, oldest first (by createdAt), this one among them: each
     * one's createdAt ("" when a report had none); check_count is history_reports + 1. */
    char (*check_times)[32];
    size_t check_count;
} vr_drift_org;

/* Builds the report of one organization: org is the inventory's organization (its interfaces
 * and ignore list), live its live connections (the list the plan was made from), plan that
 * organization's vr_plan_org() result. run_id (NULL: "") and wall_ms stamp the report.
 * Every interface starts with this check only (checks 1). out is overwritten (not freed
 * first). Returns 0, or -1 when an argument is NULL (out then zeroed). */
int vr_drift_build(vr_drift_org *out, const vr_org *org, const vr_iface *live, size_t live_count,
                   const vr_plan_org_result *plan, const char *run_id, int64_t wall_ms);

/* Adds earlier reports (parsed report JSON, any order) to the uptime of r's interfaces and to
 * their marks (r->check_times gets each report's createdAt; the timeline is kept in time order).
 * Reports of another organization, another command or format version, or without an
 * interfaces array are skipped; so are entries without a name (a name listed twice counts
 * once per report). window is recorded in the report (the --history value). Returns the
 * number of reports used. */
size_t vr_drift_apply_history(vr_drift_org *r, const cJSON *const *reports, size_t count,
                              size_t window);

/* For each inventory interface that differs live or whose live state is failed (after the
 * ignore list), the command that would repair it by replacing it:
 *   vni-reconcile apply -f PATH [-f PATH...] --replace NAME
 * with the inventory paths the run was given, each quoted for a POSIX shell when it needs
 * it. An interface marked protect: true gets none (protect is set instead: vni-reconcile
 * never replaces it). org is the inventory's organization of r. */
void vr_drift_set_repairs(vr_drift_org *r, const vr_org *org, const char *const *paths,
                          size_t path_count);
/* True when the interface is present and differs, or its live state is failed: what a
 * replacement repairs. */
bool vr_drift_needs_repair(const vr_drift_iface *f);

/* True when the organization has drift of any kind (what --exit-code reports as 2). */
bool vr_drift_has_drift(const vr_drift_org *r);
/* True when the interface is ok in this check: present, matching and active. */
bool vr_drift_iface_ok(const vr_drift_iface *f);

void vr_drift_org_free(vr_drift_org *r);

#endif
