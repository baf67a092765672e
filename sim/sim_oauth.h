/* sim_oauth: POST /oauth/token (client credentials, docs/api.md §2) and bearer-token checks. */
#ifndef SIM_OAUTH_H
#define SIM_OAUTH_H

#include "sim_server.h"

/* Issues a token: 400 unsupported_grant_type is checked first, then the client (HTTP Basic,
 * or client_id and client_secret in the form body): 401 invalid_client. Mutex held. */
void sim_oauth_token(sim_server *srv, const sim_req *req, sim_resp *resp);

/* The client index of the request's "Authorization: Bearer" token, or -1. Mutex held. */
long sim_oauth_bearer(sim_server *srv, const sim_req *req);

#endif
