/* vr_export: an inventory of what is live, as YAML text (`vni-reconcile export`, adoption).
 * Pure: connections in, text out; no I/O, no network.
 *
 * The text is an inventory the loader (vr_inventory.h) accepts and that describes the given
 * connections exactly: loaded back, every interface written has the same texts as the
 * connection it came from. What it holds:
 *  - a header comment: the organization (id and name), the time of the reading, the counts;
 *  - apiVersion, kind, organization (id; region when given);
 *  - defaults: type, dnsServers and routingTableId, each when every interface written has
 *    the same text for it (and at least one interface is written);
 *  - interfaces, sorted by name (bytewise; ties by id), each with the fields it has that are
 *    not in defaults; a routing table's name follows its id as a comment when known;
 *  - a connection that is not "active" carries a comment with its state;
 *  - a connection the inventory's rules would refuse is written commented out, in full, at its
 *    place in the name order, after one comment line per reason. The rules are the loader's:
 *    the platform's field rules (vr_iface_validate, docs/api.md §4.3), UTF-8 text, unique
 *    names, and the cross-checks of vr_checks_conflicts (duplicate-ip, ip-allocated,
 *    subnet-overlap, remote-in-subnet). Of two connections that conflict, the first in name
 *    order is kept and the other refused, naming it.
 *
 * Scalars: a value is written plain only when it is plainly a string in every YAML version
 * (vr_export_plain_safe); any other is double-quoted, with escapes for '"', '\', control
 * and format characters (vr_export_quoted), so that no YAML reader takes it for a number,
 * a boolean, a null, a date or anything else, and it round-trips exactly. */
#ifndef VR_EXPORT_H
#define VR_EXPORT_H

#include "vr_iface.h"
#include "vr_util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A routing table that exists live, to name it beside the ids that use it. Borrowed. */
typedef struct {
    const char *id;
    const char *name; /* NULL when it has none */
} vr_export_table;

/* What the export says about the organization. Every pointer is borrowed for the call. */
typedef struct {
    const char *org_id;   /* required */
    const char *org_name; /* for the header; NULL when unknown */
    const char *region;   /* organization.region to write; NULL: none */
    long limit;           /* the organization's connection limit, for the header; <= 0: none */
    int64_t read_at_ms;   /* wall clock of the reading, for the header */
    const vr_export_table *tables; /* NULL: unknown (no table comments at all) */
    size_t table_count;
} vr_export_meta;

/* A connection written commented out. Strings owned by the result. */
typedef struct {
    char *name;   /* as live ("" when absent) */
    char *id;     /* NULL when absent */
    char *state;  /* NULL when absent */
    char *reason; /* every reason, joined with "; " (texts as live: escape them to print) */
} vr_export_refusal;

/* The result. vr_export_result_free() releases it. */
typedef struct {
    char *text; /* the YAML document, NUL-terminated, malloc'd */
    size_t len;
    size_t written;             /* interfaces written (not commented out) */
    size_t not_active;          /* connections (written or not) whose state is not "active" */
    vr_export_refusal *refused; /* in name order */
    size_t refused_count;
} vr_export_result;

/* Writes the inventory of the organization meta names, with the connections conns[0..count)
 * (as vr_iface_from_json reads them; not changed). out is overwritten. */
void vr_export_org(vr_export_result *out, const vr_export_meta *meta, const vr_iface *conns,
                   size_t count);
void vr_export_result_free(vr_export_result *r);

/* True when s can be written as a plain scalar and every YAML reader (1.1 or 1.2, any schema)
 * reads it back as the same string: it starts with an ASCII letter, holds only ASCII letters,
 * digits, '.', '_', '-', '/' and spaces, does not end with a space, and is not a word that
 * some YAML reads as a boolean or null (y, n, yes, no, on, off, true, false, null, and, to
 * be safe, inf and nan; in any case). Everything else is quoted: numbers of every form
 * (1e3, 0777, 0x1F, 1_000, .inf), dates (2026-01-01), "~", "-", addresses, "", and any text
 * with another character. */
bool vr_export_plain_safe(const char *s);

/* Appends s double-quoted on one line: '"' and '\' escaped, tab, line feed and carriage
 * return as \t \n \r, other C0 controls, DEL and C1 controls as \xHH, line and paragraph
 * separators, bidirectional and other invisible format characters and non-characters
 * (U+200B-U+200F, U+2028-U+202E, U+2060-U+206F, U+FEFF, U+FFF9-U+FFFF) as \uHHHH; other
 * UTF-8 as is. A byte that is not UTF-8 is written \xHH (YAML has no way to carry it: such a
 * text is refused before it is written outside a comment). */
void vr_export_quoted(vr_buf *out, const char *s);

/* Appends s plain when vr_export_plain_safe(s), else vr_export_quoted(s). */
void vr_export_scalar(vr_buf *out, const char *s);

#endif
