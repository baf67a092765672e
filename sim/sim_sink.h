/* sim_sink: `vni-sim --webhook-sink HOST:PORT`, a loopback receiver for vni-reconcile's
 * webhook events (docs/api.md §8), for tests, the demo and users' dry runs. */
#ifndef SIM_SINK_H
#define SIM_SINK_H

#include "sim_tls.h"

#include <stdbool.h>

#include "sim_server.h"

/* Serves until SIGINT/SIGTERM, over https when tls holds a certificate (NULL or empty: plain
 * http). Prints "vni-sim webhook sink on http://HOST:PORT" (https://) first, then
 * one JSON line per POST: {"event", "delivery", "signature": "valid"|"invalid"|"absent",
 * "status", "body"} (body parsed when it is JSON). With secret_path, signatures are checked
 * with HMAC-SHA256 over the raw body. fail_first answers the first N deliveries with 503.
 * listen is "127.0.0.1:0"-style; only loopback unless allow_non_loopback. Connections are
 * limited as the API server's (limits->max_connections, max_connections_per_ip; 0: the
 * defaults). Returns an exit code. */
int sim_sink_run(const char *listen, const char *secret_path, long fail_first,
                 bool allow_non_loopback, const sim_tls *tls, const sim_server_opts *limits);

#endif
