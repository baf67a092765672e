/* sim_server: vni-sim's HTTP server (libmicrohttpd, a thread per connection, one mutex around
 * the state), the router, fault injection at the gateway, and the request log. The endpoint
 * handlers live in sim_api.c, sim_oauth.c and sim_admin.c; they are called with the mutex held. */
#ifndef SIM_SERVER_H
#define SIM_SERVER_H

#include "sim_faults.h"
#include "sim_proto.h"
#include "sim_state.h"
#include "sim_tls.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define SIM_MAX_BODY (1024 * 1024)
#define SIM_MAX_HEADER (64 * 1024)
#define SIM_LOG_MAX 100000
/* The window of the inin-ratelimit-* headers without --rate-limit (informational only). */
#define SIM_RATELIMIT_ALLOWED 300
#define SIM_RATELIMIT_WINDOW_MS 60000
/* Connections served at once (a thread each), in all and from one client address; beyond,
 * a new connection is closed at once and the others go on being served. --max-connections and
 * --max-connections-per-ip change them (docs/simulator.md). */
#define SIM_DEFAULT_MAX_CONNECTIONS 256
#define SIM_DEFAULT_MAX_CONNECTIONS_PER_IP 128

/* One line of the request log (GET /__sim/requests). Strings owned. */
typedef struct {
    long seq;
    char *method, *path, *client_id;
    int status; /* 0 when the connection was dropped */
    int64_t t_ms;
    long retry_after; /* -1: none */
    char correlation_id[40];
} sim_log_entry;

/* Options fixed at start. */
typedef struct {
    bool admin;
    uint64_t seed;
    unsigned max_connections;        /* 0: SIM_DEFAULT_MAX_CONNECTIONS */
    unsigned max_connections_per_ip; /* 0: SIM_DEFAULT_MAX_CONNECTIONS_PER_IP */
    const sim_tls *tls; /* borrowed, must outlive the daemon; NULL or empty: plain http */
} sim_server_opts;

/* The server. Everything below lock is guarded by it. Created by sim_server_init (takes
 * ownership of *state), released by sim_server_free. */
typedef struct sim_server {
    sim_server_opts opts;
    int64_t start_ms;
    pthread_mutex_t lock;
    sim_state state;
    sim_faults faults;
    sim_rng rng;
    sim_log_entry *log;
    size_t log_count, log_cap;
    long log_seq;
    int64_t window_start_ms;      /* the rate-limit window (--rate-limit, or 300 a minute) */
    long window_count;            /* requests in it, refused ones included */
    int64_t unavailable_until_ms; /* --unavailable-for: every request is 503 until then */
    long insert_serial;
    void *daemon; /* struct MHD_Daemon * */
} sim_server;

/* Takes *state (zeroed afterwards) and *faults. */
void sim_server_init(sim_server *srv, const sim_server_opts *opts, sim_state *state,
                     const sim_faults *faults);
/* Starts serving on the listening socket fd (bound and listening; the daemon owns it; ipv6
 * tells its family), over https when opts.tls holds a certificate. Returns 0, or -1 with a
 * message in err. */
int sim_server_start(sim_server *srv, int fd, bool ipv6, char *err, size_t errlen);
/* Stops serving (waits for requests in flight). */
void sim_server_stop(sim_server *srv);
void sim_server_free(sim_server *srv);

/* The whole request path without libmicrohttpd: faults, routing, auth, handlers, logging,
 * and the fault latency (slept without the mutex). Used by the daemon and by unit tests.
 * raw_uri is the path with its query, for the log. resp must be initialised;
 * correlation_id (at least 37 bytes) is filled. Takes the mutex itself. */
void sim_server_handle(sim_server *srv, sim_req *req, const char *raw_uri, sim_resp *resp,
                       char *correlation_id);

/* Logs a request answered outside sim_server_handle (a 413 or 431 before the body). Takes
 * the mutex itself. */
void sim_server_log_early(sim_server *srv, const char *method, const char *raw_uri, int status,
                          const char *correlation_id);

#endif
