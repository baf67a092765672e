/* vr_iface: the interface (VNI) and inventory vocabulary, the platform's field rules
 * (docs/api.md §4.3), field-by-field comparison, and the JSON codecs both client and sim use. */
#ifndef VR_IFACE_H
#define VR_IFACE_H

#include "vr_addr.h"
#include "vr_diag.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VR_DNS_MAX 4
#define VR_NAME_MAX 64
#define VR_ID_MAX 128
#define VR_DESCRIPTION_MAX 256
#define VR_DEFAULT_LIMIT 50
#define VR_DEFAULT_PROBE_PORT 443
#define VR_DEFAULT_PROBE_TIMEOUT_MS 5000

/* A line and a column in a file, counted from 1 (0: unknown). */
typedef struct {
    int line, column;
} vr_pos;

/* Where an inventory interface and the fields that later checks point at were written: the
 * inventory checks and plan locate their messages there. The loader keeps the positions of
 * the other fields (type, dnsServers and its items, description) only while it validates the
 * file, not in every interface. Every position is in one file: an interface and the defaults
 * it takes fields from are in the same file. */
typedef struct {
    const char *file; /* borrowed (the vr_source path); NULL when unknown */
    vr_pos item, name, local_ip, remote_ip, subnet_cidr, routing_table_id, protect;
} vr_iface_locs;

/* One interface: desired (from the inventory) or live (a connection of the platform).
 * Texts are kept as written; the parsed members are valid after vr_iface_validate()
 * (or vr_iface_from_json()) succeeded for that field, family VR_AF_NONE otherwise.
 *
 * Strings: every string member is NULL or a NUL-terminated text the interface owns, in one of
 * two ways: inside its block `strs`, one allocation holding all of them (how vr_iface_copy(),
 * vr_iface_from_json(), vr_iface_set_str() and the inventory loader leave an
 * interface: 100,000 interfaces are 100,000 allocations, not a million), or as a malloc'd
 * string of its own (a member that was NULL and a caller set: `f->name = vr_strdup(..)`).
 * Never free() or overwrite a member that may be in the block: vr_iface_set_str() replaces
 * one; vr_iface_clear() frees both kinds. Moving the struct (realloc, assignment) is fine:
 * the block does not move with it. */
typedef struct {
    char *name;
    char *org_id;
    char *type; /* "ipconnect" */
    char *local_ip;
    char *remote_ip;
    char *subnet_cidr;
    char *dns[VR_DNS_MAX + 1]; /* one spare so an over-long list can still be reported */
    size_t dns_count;
    char *routing_table_id;
    char *description; /* NULL when absent */

    /* live only (NULL in the inventory) */
    char *id;
    char *state; /* "provisioning", "active", "failed" */
    char *date_created;

    char *strs; /* the block of the packed strings; NULL: none */

    /* inventory only (the members are in size order: no padding, 288 bytes in all) */
    long order;
    vr_iface_locs locs;

    uint32_t strs_size; /* bytes of strs */

    /* inventory only */
    int probe_port;       /* 0: default */
    int probe_timeout_ms; /* 0: default */

    vr_cidr subnet;
    vr_addr local, remote;

    /* inventory only */
    bool has_order;
    bool protect;
} vr_iface;

/* Deep copy of src into out, its strings in one block (locs' file pointer is borrowed, as in
 * src). */
void vr_iface_copy(vr_iface *out, const vr_iface *src);
void vr_iface_clear(vr_iface *f);
/* Replaces the string member *member of f (&f->name, &f->dns[1]...) with a copy of value (NULL:
 * absent; value may be another member of f) and packs f. */
void vr_iface_set_str(vr_iface *f, char **member, const char *value);

/* The i-th DNS server (i < dns_count) parsed as an address; family VR_AF_NONE when it is not
 * one (or absent). Parsed on demand: no interface keeps parsed DNS addresses. */
vr_addr vr_iface_dns_addr(const vr_iface *f, size_t i);

/* A position of f (f->locs.name...) as a location in f's file; {NULL, 0, 0} when the position
 * is unknown (line 0). */
vr_loc vr_iface_loc(const vr_iface *f, vr_pos pos);

/* Called once per bad field. field is the API name ("localIp", "dnsServers"...); index is
 * the position in dnsServers, -1 otherwise; error_code is the 422 detail errorCode
 * ("required", "invalid.value", "invalid.format", "too.long", "out.of.range"); message
 * says what is wrong and, where it can, what would be right. */
typedef void (*vr_field_error_fn)(void *ctx, const char *field, int index, const char *error_code,
                                  const char *message);

/* Checks every rule of docs/api.md §4.3 that the fields alone decide: name, type, the
 * addresses, subnetCidr host bits and prefix, localIp inside the subnet and neither its
 * network nor (IPv4) broadcast address, dnsServers 1..4 addresses, description length,
 * routingTableId present. Not checked here: organizationId and whether the routing table
 * exists. Fills the parsed members. Returns the number of bad fields reported. */
int vr_iface_validate(vr_iface *f, vr_field_error_fn cb, void *ctx);

/* True when name is 1..64 of [A-Za-z0-9._-]. */
bool vr_name_valid(const char *name);
/* True when id (of a connection or a routing table, from the platform or a plan file) may go
 * into a URL path: 1..VR_ID_MAX of [A-Za-z0-9._-], and neither "." nor ".." (which a server
 * or proxy would resolve as a path step). Nothing to escape, nothing to resolve. */
bool vr_id_valid(const char *id);
/* Count of UTF-8 code points (bytes that are not continuation bytes). */
size_t vr_utf8_length(const char *s);

/* Field-by-field comparison of a desired interface with a live one: type, localIp,
 * remoteIp, subnetCidr, dnsServers (ordered), routingTableId, description (absent equals
 * ""). Addresses are compared as addresses. cb (may be NULL) gets each differing field with
 * the desired and live texts. Returns the number of differing fields. */
typedef void (*vr_field_diff_fn)(void *ctx, const char *field, const char *want, const char *have);
int vr_iface_compare(const vr_iface *want, const vr_iface *live, vr_field_diff_fn cb, void *ctx);

/* The create payload of docs/api.md §4.3 (name, organizationId, type, localIp, remoteIp,
 * subnetCidr, dnsServers, routingTableId, description when set). Caller frees with
 * cJSON_Delete. */
cJSON *vr_iface_payload_json(const vr_iface *f);
/* A whole connection as the platform returns it (payload plus id, state, dateCreated,
 * selfUri). */
cJSON *vr_iface_connection_json(const vr_iface *f);
/* Reads a connection from the platform's JSON, ignoring unknown fields. Requires id and
 * name as strings; other fields are taken when present and of the right type, and parsed
 * where they are addresses. Returns 0, or -1 with err set. On success out owns copies. */
int vr_iface_from_json(vr_iface *out, const cJSON *obj, vr_error *err);

/* What the inventory says to leave out of drift reports: a name, a field, or both. */
typedef struct {
    char *name;  /* NULL: every interface */
    char *field; /* NULL: every field (the whole interface) */
    vr_loc loc;
} vr_ignore;

/* One organization of the inventory, with its interfaces merged from every file. The org_id
 * of an interface the inventory loader put in ifaces is id itself (the same string, not one
 * copy per interface: vr_inventory_free() leaves it to the organization); an interface added
 * with vr_org_take_iface keeps its own. */
typedef struct {
    char *id;
    char *region;         /* NULL when no file named one */
    char *managed_prefix; /* organization.managedPrefix: prune may delete unnamed live
                             connections whose name starts with it; NULL: none */
    vr_loc loc;           /* where the organization was first named */
    vr_iface *ifaces;
    size_t count, cap;
    vr_ignore *ignores;
    size_t ignore_count;
} vr_org;

/* One input file, with the SHA-256 of its bytes. */
typedef struct {
    char *path;
    char sha256[65];
} vr_source;

/* A whole inventory: the organizations in the order first seen, and the files read.
 * vr_inventory_free() releases everything. */
typedef struct {
    vr_org *orgs;
    size_t org_count;
    vr_source *sources;
    size_t source_count;
} vr_inventory;

/* Finds an organization by id, NULL when absent. */
vr_org *vr_inventory_find_org(const vr_inventory *inv, const char *id);
/* Adds (or finds) an organization; the returned pointer is valid until the next add. */
vr_org *vr_inventory_add_org(vr_inventory *inv, const char *id);
/* Appends a copy-free move of *f (f is zeroed). Returns the stored interface. */
vr_iface *vr_org_take_iface(vr_org *org, vr_iface *f);
/* Frees the organization's interfaces (it keeps its id, region, ignore list...). */
void vr_org_drop_ifaces(vr_org *org);
void vr_inventory_free(vr_inventory *inv);

/* Returns true when the ignore list leaves out field (NULL: the whole interface) of name. */
bool vr_org_ignores(const vr_org *org, const char *name, const char *field);

#endif
