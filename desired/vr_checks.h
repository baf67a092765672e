/* vr_checks: checks across the interfaces of one organization (addresses, subnets, limit). */
#ifndef VR_CHECKS_H
#define VR_CHECKS_H

#include "vr_diag.h"
#include "vr_iface.h"

#include <stdbool.h>
#include <stddef.h>

/* One interface given to vr_checks_conflicts(). iface is borrowed. live marks a connection
 * of the platform (no locations; named by its id in messages). */
typedef struct {
    const vr_iface *iface;
    bool live;
} vr_check_item;

/* Conflicts among the interfaces of ONE organization (organizations are separate tenants):
 *  - duplicate localIp (compared as addresses)           code "duplicate-ip"
 *  - a localIp equal to another interface's remoteIp      code "ip-allocated"
 *  - overlapping subnetCidr blocks (O(n log n))           code "subnet-overlap"
 *  - a remoteIp inside a managed subnet (any interface's, its own included; O(n log n))
 *                                                         code "remote-in-subnet"
 * Each error names both interfaces; it is located at a desired interface's field, and the
 * other one is given in the text as FILE:LINE (or "live connection ID").
 *
 * Made for validate (desired interfaces only) and for plan (desired interfaces plus the live
 * connections that stay): a pair of two live connections is never reported (that is the
 * platform's state, not the inventory's). Give each name once: for a name both desired and
 * live, pass only the desired interface, or the pair would conflict with itself.
 * Fields that did not parse (family VR_AF_NONE) are left out.
 *
 * Returns the number of errors added to diags (0: no conflict). */
size_t vr_checks_conflicts(const vr_check_item *items, size_t n, vr_diags *diags);

/* Runs vr_checks_conflicts() on each organization of inv, and warns (code "over-limit") when
 * an organization has more than VR_DEFAULT_LIMIT interfaces: only plan knows the
 * organization's real limit. Returns 0 when no error was added (warnings allowed), -1
 * otherwise. */
int vr_inventory_check(const vr_inventory *inv, vr_diags *diags);

#endif
