/* vr_inventory: the strict inventory loader (YAML files, folders, stdin) on libyaml's event API. */
#ifndef VR_INVENTORY_H
#define VR_INVENTORY_H

#include "vr_diag.h"
#include "vr_iface.h"

#include <stddef.h>

/* Limits that keep hostile input from costing more than a clear error. */
#define VR_INVENTORY_MAX_FILE_BYTES (16u * 1024u * 1024u)
#define VR_INVENTORY_MAX_DEPTH 64
#define VR_INVENTORY_MAX_IFACES 100000

/* Loads the inventory named by paths into out (zero it first, or pass a freed one).
 *
 * paths: files; folders (every *.yaml / *.yml below, recursively, sorted bytewise by their
 * full path); or "-" for standard input (shown as "<stdin>" in locations).
 *
 * Every file is read once, start to end, as a stream that libyaml parses as it comes (never
 * held whole in memory; at most VR_INVENTORY_MAX_FILE_BYTES), hashed on the way
 * (vr_source.sha256, of every byte even when the parse stopped early) and parsed against the
 * schema of docs/inventory.md. A file that turns out empty, with a NUL byte, too large or
 * unreadable gets that one error, whatever its parse said. The files of one organization are
 * merged into one vr_org (organizations in the order first seen); each interface gets the
 * file's defaults for the fields it does not set, its org_id, its locations (locs) and the
 * parsed members that vr_iface_validate() fills.
 *
 * Every problem found, in every file, goes to diags as a located diagnostic; loading a file
 * stops only at a YAML syntax or encoding error (or a limit), and the other files go on. The
 * interfaces of a stopped file read whole before the stop are still validated (without
 * "required", which the unread rest might have given in defaults), but not merged. Of a file
 * with a second document, the first is merged; the second is reported and not read.
 *
 * Ownership: out owns everything it holds; vr_inventory_free() releases it. Each interface's
 * texts are in its one block (vr_iface.strs), but its org_id is its organization's id string
 * (vr_org). The file pointers in vr_iface_locs, vr_org.loc and vr_ignore.loc point at
 * out->sources[i].path and stay valid until vr_inventory_free(). diags copies what it keeps.
 *
 * Returns 0 when no error was reported (warnings allowed), -1 otherwise. out holds what could
 * be loaded either way (interfaces with bad fields included, files that failed to parse left
 * out), so inventory-wide checks (vr_checks.h) can still run. */
int vr_inventory_load(vr_inventory *out, const char *const *paths, size_t npaths, vr_diags *diags);

/* True when text is a UUID written 8-4-4-4-12 with hexadecimal digits. */
bool vr_inventory_uuid_valid(const char *text);

/* Counts the interfaces of every organization of inv. */
size_t vr_inventory_iface_count(const vr_inventory *inv);

#endif
