/* vr_client: the platform API of docs/api.md §4-§6a as model structs: the caller's organization,
 * connections (list all, get, find by name, create, delete), routing tables (list, get, sync)
 * and limits. Every call goes through one vr_http (retries, hook) and one vr_auth (token, one
 * repeat after a 401). Every failure fills a vr_error a person can act on: status, platform
 * code and message, correlation id, and a remedy. */
#ifndef VR_CLIENT_H
#define VR_CLIENT_H

#include "vr_auth.h"
#include "vr_http.h"
#include "vr_iface.h"
#include "vr_endpoint.h"

#include <stdbool.h>
#include <stddef.h>

#define VR_CONNECTIONS_PATH "/api/v2/organization/privateconnectivity/connections"
#define VR_ROUTING_TABLES_PATH "/api/v2/architect/networking/routingtables"
#define VR_LIMITS_PATH "/api/v2/organizations/limits/namespaces/privateconnectivity"
#define VR_ORG_ME_PATH "/api/v2/organizations/me"
#define VR_PAGE_SIZE 200
/* Listing restarts when the count changes between pages; after this many tries, an error. */
#define VR_LIST_TRIES 3

typedef struct vr_client vr_client;

/* What a client needs. Pointers are borrowed for vr_client_new only (it copies them). */
typedef struct {
    const char *api_base;        /* vr_endpoints.api_base */
    const char *login_base;      /* vr_endpoints.login_base */
    const vr_credentials *creds; /* copied */
    vr_http_config http;         /* vr_http_config_init() first; hook, sleep... here */
} vr_client_config;

/* Creates a client (its own vr_http and vr_auth). Requires curl_global_init() done by main.
 * Returns 0, or -1 with err set. vr_client_free() releases it and wipes the token. */
int vr_client_new(vr_client **out, const vr_client_config *cfg, vr_error *err);
void vr_client_free(vr_client *c);

/* The response of the last call (its 422 details, 409 entity, correlation id, status), or
 * NULL before the first. Valid until the next call on c. */
const vr_http_response *vr_client_last_response(const vr_client *c);

/* ---- the caller's organization (§6a) ---- */

typedef struct {
    char *id;
    char *name; /* NULL when absent */
} vr_org_info;

void vr_org_info_clear(vr_org_info *o);

/* GET /api/v2/organizations/me. */
int vr_client_org_me(vr_client *c, vr_org_info *out, vr_error *err);

/* ---- connections (§4) ---- */

/* A list of live connections; items owned (vr_iface_clear each), vr_iface_list_free(). */
typedef struct {
    vr_iface *items;
    size_t count;
} vr_iface_list;

void vr_iface_list_free(vr_iface_list *l);

/* Every connection, by pageSize=200 pages followed by pageNumber (nextUri's host is never
 * used). The count is `total`, else `totalCount`, else unknown (then the listing ends at a
 * page without nextUri, at pageCount, or at a short or empty page). When the count changes
 * between pages the listing starts again (VR_LIST_TRIES tries, then error code
 * "list.unstable"). A connection is never returned twice (deduplicated by id). Order: as the
 * server gave them. Returns 0 with out filled, or a negative code with err set. */
int vr_client_list_connections(vr_client *c, vr_iface_list *out, vr_error *err);

/* GET .../connections/{id}. A 404 returns VR_HTTP_ESTATUS with err code "not.found". */
int vr_client_get_connection(vr_client *c, const char *id, vr_iface *out, vr_error *err);

/* The connection named name (list and filter), for the name.duplicate idempotency path.
 * *found false (and out untouched) when there is none. Returns 0, or negative with err. */
int vr_client_find_connection(vr_client *c, const char *name, vr_iface *out, bool *found,
                              vr_error *err);

/* POST .../connections with vr_iface_payload_json(want); out is the created connection
 * (state "provisioning"). On 409 err keeps the platform code ("name.duplicate",
 * "ip.allocated", "subnet.overlap", "limit.exceeded") and message, and the remedy names the
 * connection holding the name/address/subnet when the server said which (entityName/
 * entityId); on 422 the message lists every field refused and why. */
int vr_client_create_connection(vr_client *c, const vr_iface *want, vr_iface *out, vr_error *err);

/* DELETE .../connections/{id} (204). A 404 returns VR_HTTP_ESTATUS, err code "not.found". */
int vr_client_delete_connection(vr_client *c, const char *id, vr_error *err);

/* ---- routing tables (§5) ---- */

/* Strings malloc'd and owned; vr_routing_table_clear() frees them. */
typedef struct {
    char *id;
    char *name;         /* NULL when absent */
    char *current_hash; /* NULL when absent */
    long route_count;   /* -1 when absent */
    char *state;        /* "converged", "syncing"...; NULL when absent */
} vr_routing_table;

void vr_routing_table_clear(vr_routing_table *t);

typedef struct {
    vr_routing_table *items;
    size_t count;
} vr_routing_table_list;

void vr_routing_table_list_free(vr_routing_table_list *l);

/* Every routing table (paged as the connections are, same rules). */
int vr_client_list_routing_tables(vr_client *c, vr_routing_table_list *out, vr_error *err);
/* One routing table; 404 returns VR_HTTP_ESTATUS, err code "not.found". */
int vr_client_get_routing_table(vr_client *c, const char *id, vr_routing_table *out, vr_error *err);

typedef struct {
    char *routing_table_id;
    char *expected_hash;
    long long estimated_convergence_ms; /* -1 when the server left it out */
} vr_sync_result;

void vr_sync_result_clear(vr_sync_result *s);

/* POST .../routingtables/{id}/sync {"forceSync": true} → 202. */
int vr_client_sync_routing_table(vr_client *c, const char *id, vr_sync_result *out, vr_error *err);

/* ---- limits (§6) ---- */

typedef struct {
    long connections_max;
    bool limit_defaulted; /* the server answered 404 (or lacked the key): VR_DEFAULT_LIMIT */
} vr_limits;

/* GET the privateconnectivity limits namespace. A 404, or a body without connections.max,
 * gives VR_DEFAULT_LIMIT with limit_defaulted set (returns 0). */
int vr_client_limits(vr_client *c, vr_limits *out, vr_error *err);

/* ---- response bodies (pure: no I/O) ----
 * The readers the calls above apply to a response's parsed JSON, exposed for the unit tests
 * and the fuzz targets (fuzz/, docs/fuzzing.md). One connection is read by vr_iface_from_json
 * (vr_iface.h). A number out of range or with a fraction counts as absent: none is ever
 * converted to an integer it does not fit. */

/* One page of a listing. */
typedef struct {
    const cJSON *entities; /* the page's entities array, borrowed from the body; NULL: none */
    long long total;       /* `total`, else `totalCount` (0 .. 1e15); -1 when absent */
    long long page_size;   /* -1 when absent */
    long long page_count;  /* -1 when absent */
    bool has_next;         /* a non-empty nextUri */
} vr_page;

/* Reads a listing page. Returns 0, or -1 when the body has no entities array (the other
 * members are filled either way). */
int vr_client_parse_page(vr_page *out, const cJSON *body);

/* Reads a routing table (its entity in a page, or GET .../routingtables/{id}). Returns 0
 * (route_count -1 when absent or not a count), or -1 with err set (no string id; out then
 * empty). out is overwritten; vr_routing_table_clear() frees it. */
int vr_client_parse_routing_table(vr_routing_table *out, const cJSON *body, vr_error *err);

/* Reads the answer of a sync of routing table id: routingTableId (default id) and
 * expectedHash, estimatedConvergenceMs (-1 when absent or not a whole number of ms).
 * Returns 0, or -1 with err set (no expectedHash; out then empty). out is overwritten;
 * vr_sync_result_clear() frees it. */
int vr_client_parse_sync(vr_sync_result *out, const cJSON *body, const char *id, vr_error *err);

#endif
