/* sim_admin: the observation and control API under /__sim (only with --admin; no token):
 * the request log, the whole state, out-of-band connection changes, and fault knobs. */
#ifndef SIM_ADMIN_H
#define SIM_ADMIN_H

#include "sim_server.h"

/* Handles one request whose path starts with "/__sim". Mutex held. */
void sim_admin_handle(sim_server *srv, const sim_req *req, sim_resp *resp);

#endif
