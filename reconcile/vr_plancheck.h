/* vr_plancheck: the checks `apply PLANFILE` makes before it carries out a saved plan
 * (docs/plan-file.md, "How apply FILE checks it"). A saved plan travels as a CI artifact and
 * anyone who can touch the artifact can edit it, so it is untrusted input: apply carries out
 * only what the inventory and the live state give it again. The file is never executed as
 * written; it is compared with a plan made anew (from the inventory files it names, verified by
 * their SHA-256, the live state, and the options it records), and the new plan is carried out
 * when the two agree.
 *
 * Each check returns 0, or -1 with err set: code VR_ERR_PLAN_* (below), a message that says
 * which check failed and why, and a remedy that says how to get a fresh plan. Nothing here
 * prints or touches the network. */
#ifndef VR_PLANCHECK_H
#define VR_PLANCHECK_H

#include "vr_diag.h"
#include "vr_iface.h"
#include "vr_plan.h"

#include <stdbool.h>
#include <stddef.h>

/* The remedy of every refusal: how to get a fresh plan. */
#define VR_PLANCHECK_FRESH_PLAN                                                                    \
    "make a fresh plan: run `vni-reconcile plan -f INVENTORY --out FILE` again, review it and "    \
    "apply that file; nothing was changed"

/* apply's own --max-deletes and --max-replaces bound a saved plan too: refused when an
 * organization of it deletes more than max_deletes or replaces more than max_replaces
 * (code "plan.too_many"). */
int vr_plancheck_bounds(const vr_plan *saved, long max_deletes, long max_replaces, vr_error *err);

/* The plan records the options it was made with ("options": files written before they were
 * recorded cannot be made again) and names its inventory files, none of them standard input
 * (code "plan.unverifiable"). */
int vr_plancheck_recorded(const vr_plan *saved, vr_error *err);

/* Each inventory file the plan names is read at its recorded path (relative to the current
 * directory, as it was for `plan`) and its SHA-256 compared with the recorded one: refused
 * when one is missing, unreadable or different (code "plan.inventory"). */
int vr_plancheck_files(const vr_plan *saved, vr_error *err);

/* The inventory loaded from those paths is the one checked: the same files, in the same order,
 * with the same SHA-256 (a file changed between vr_plancheck_files and the load is refused,
 * code "plan.inventory"), and the organizations of this run (orgs, after the recorded --shard)
 * are the plan's, in its order, each with the plan's region (code "plan.mismatch"). */
int vr_plancheck_inventory(const vr_plan *saved, const vr_inventory *inv, const vr_org *const *orgs,
                           size_t org_count, vr_error *err);

/* The saved actions of one organization against those of a plan made anew: the same number,
 * and at each position the same kind, name, payload (for a delete, the live connection but
 * its state, which moves by itself) and target (a delete's or a replacement's connection id,
 * the routing table a replacement syncs after its delete). Reasons, drift and the other
 * lists are shown, never carried out, and are not compared. Refused at the first difference
 * (code "plan.mismatch"), which the message names: "action 2: the saved plan deletes NAME (id
 * X); a new plan deletes NAME (id Y)". */
int vr_plancheck_actions(const vr_plan_org_result *saved, const vr_plan_org_result *fresh,
                         vr_error *err);

#endif
