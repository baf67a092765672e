/* sim_state: what vni-sim holds: organizations (limit, routing tables, connections), OAuth
 * clients and the tokens issued to them; the state file codec; routing-table convergence,
 * computed lazily from timestamps (sim_state_tick) rather than by timer threads.
 * Not thread-safe: the server holds its mutex around every call. */
#ifndef SIM_STATE_H
#define SIM_STATE_H

#include "sim_faults.h"
#include "vr_iface.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_DEFAULT_ORG_ID "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
#define SIM_TOKEN_LEN 72

/* A routing table. Strings are owned. While syncing, pending lists (owned copies) the ids of
 * the connections that were attached and provisioning when the sync was requested. */
typedef struct {
    char *id, *name;
    char current_hash[65];
    bool syncing;
    char expected_hash[65];
    int64_t converge_at_ms; /* monotonic clock (vr_now_ms) */
    char **pending;
    size_t pending_count;
} sim_table;

/* An organization. conns are live connections (vr_iface with id, state, date_created set);
 * pointers into conns are valid until the next add or remove. */
typedef struct {
    char *id, *name;
    long limit;
    sim_table *tables;
    size_t table_count;
    vr_iface *conns;
    size_t conn_count, conn_cap;
} sim_org;

typedef struct {
    char *id, *secret, *org_id;
    char **scopes;
    size_t scope_count;
} sim_client;

typedef struct {
    char token[SIM_TOKEN_LEN + 1];
    size_t client;      /* index into sim_state.clients */
    int64_t expires_ms; /* monotonic */
} sim_token;

/* The whole state; zero it, then fill with sim_state_default() or sim_state_load();
 * sim_state_free() releases everything. */
typedef struct {
    sim_org *orgs;
    size_t org_count;
    sim_client *clients;
    size_t client_count;
    sim_token *tokens;
    size_t token_count, token_cap;
} sim_state;

/* One organization "Example Org" (SIM_DEFAULT_ORG_ID), limit 50, tables rt-core and rt-edge,
 * no connections; client vni-demo / vni-demo-secret with the three scopes. */
void sim_state_default(sim_state *s);

/* Loads the state file document (see docs/simulator.md) into an empty s. Missing connection
 * ids are drawn from rng, missing states are "active", missing dateCreated is now.
 * Returns 0, or -1 with a message in err (s is then freed). */
int sim_state_load(sim_state *s, const cJSON *doc, sim_rng *rng, char *err, size_t errlen);

/* The state as a state-file document. With secrets false, clients' secrets are left out
 * (for GET /__sim/state). Caller cJSON_Delete()s it. */
cJSON *sim_state_to_json(const sim_state *s, bool secrets);

void sim_state_free(sim_state *s);

sim_org *sim_state_find_org(const sim_state *s, const char *id);
/* Index of the client, or -1. */
long sim_state_find_client(const sim_state *s, const char *id);
bool sim_client_has_scope(const sim_client *c, const char *scope);
sim_table *sim_org_find_table(const sim_org *o, const char *id);
/* The connection of that id in o (NULL when absent); *idx (may be NULL) gets its index. */
vr_iface *sim_org_find_conn(const sim_org *o, const char *id, size_t *idx);
vr_iface *sim_org_find_conn_by_name(const sim_org *o, const char *name);
/* Finds a connection in any organization; *org_out gets its organization. */
vr_iface *sim_state_find_conn(const sim_state *s, const char *id, sim_org **org_out);
/* Moves *f into o (f is zeroed). Returns the stored connection. */
vr_iface *sim_org_add_conn(sim_org *o, vr_iface *f);
void sim_org_remove_conn(sim_org *o, size_t idx);
/* An ISO 8601 UTC time "YYYY-MM-DDTHH:MM:SS[.fraction]Z" in milliseconds since the epoch
 * (digits of the fraction past the third dropped), or -1 when text is not one. */
int64_t sim_time_parse_ms(const char *text);
/* The connections ordered by dateCreated (as a time; texts that are not times after every
 * time, among themselves as text), then id: a malloc'd array of borrowed pointers
 * (free() it; valid until the next add or remove). *n gets the count. */
const vr_iface **sim_org_sorted_conns(const sim_org *o, size_t *n);

/* SHA-256 over the sorted ids (one per line) of the connections attached to t. */
void sim_table_target_hash(const sim_org *o, const sim_table *t, char out[65]);
size_t sim_table_route_count(const sim_org *o, const sim_table *t);
/* The routing table as the API returns it. */
cJSON *sim_table_json(const sim_org *o, const sim_table *t);

/* Starts (or replaces) a sync of t, converging at now_ms + delay_ms. Writes the expected hash
 * into expected (65 bytes). */
void sim_table_sync(sim_org *o, sim_table *t, int64_t now_ms, long delay_ms, char expected[65]);

/* Converges every table whose time has come (stuck tables never do): currentHash moves to the
 * expected hash and the pending connections still provisioning become active. */
void sim_state_tick(sim_state *s, int64_t now_ms, const sim_faults *faults);

/* Issues a token for client index ci; writes it into out (SIM_TOKEN_LEN + 1 bytes). Expired
 * tokens are dropped on the way. */
void sim_state_issue_token(sim_state *s, size_t ci, long lifetime_s, int64_t now_ms, char *out);
/* The client index of a valid token, or -1 (unknown or expired). */
long sim_state_check_token(const sim_state *s, const char *token, int64_t now_ms);

#endif
