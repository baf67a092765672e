/* sim_api: the platform API endpoints of docs/api.md §4-§6a. Each handler is called by the router
 * with the server's mutex held, after authentication and the scope check (req->client is the
 * caller's client index); it fills resp. */
#ifndef SIM_API_H
#define SIM_API_H

#include "sim_server.h"

void sim_api_org_me(sim_server *srv, const sim_req *req, sim_resp *resp);
void sim_api_limits(sim_server *srv, const sim_req *req, sim_resp *resp);
void sim_api_conn_list(sim_server *srv, const sim_req *req, sim_resp *resp);
void sim_api_conn_get(sim_server *srv, const sim_req *req, const char *id, sim_resp *resp);
void sim_api_conn_create(sim_server *srv, const sim_req *req, sim_resp *resp);
void sim_api_conn_delete(sim_server *srv, const sim_req *req, const char *id, sim_resp *resp);
void sim_api_table_list(sim_server *srv, const sim_req *req, sim_resp *resp);
void sim_api_table_get(sim_server *srv, const sim_req *req, const char *id, sim_resp *resp);
void sim_api_table_sync(sim_server *srv, const sim_req *req, const char *id, sim_resp *resp);

/* Inserts a connection "by another actor" into o (state active, dateCreated just before the
 * oldest one so that it shifts every page): for --insert-while-paging. */
void sim_api_insert_actor_conn(sim_server *srv, sim_org *o);

#endif
