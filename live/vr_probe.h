/* vr_probe: gateway reachability (docs/api.md §7): a non-blocking TCP connect with a timeout
 * that sends no data, the --probe-map redirections, and the VR_PROBE_LOOPBACK_ONLY guard. */
#ifndef VR_PROBE_H
#define VR_PROBE_H

#include "vr_addr.h"
#include "vr_diag.h"

#include <stdbool.h>
#include <stddef.h>

/* One --probe-map entry "ADDR=HOST:PORT": a probe for ADDR (any port) goes to HOST:PORT.
 * ADDR is an address (IPv6 bare or in brackets); HOST an IPv4 address or a bracketed IPv6
 * address; PORT 1..65535. */
typedef struct {
    vr_addr addr;
    vr_addr host;
    int port;
} vr_probe_redirect;

/* The redirections. Zero-initialise (VR_PROBE_MAP_INIT); vr_probe_map_free() releases. */
typedef struct {
    vr_probe_redirect *items;
    size_t count;
} vr_probe_map;

#define VR_PROBE_MAP_INIT                                                                          \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

/* Parses one "ADDR=HOST:PORT" into *out. Returns 0, or -1 with err set (code
 * "probe_map.invalid") saying which part is wrong and what the right form is. */
int vr_probe_redirect_parse(vr_probe_redirect *out, const char *text, vr_error *err);
/* Parses and appends; an ADDR already mapped is an error. Returns 0, or -1 with err set. */
int vr_probe_map_add(vr_probe_map *m, const char *text, vr_error *err);
void vr_probe_map_free(vr_probe_map *m);
/* The redirection for addr, NULL when none. */
const vr_probe_redirect *vr_probe_map_find(const vr_probe_map *m, const vr_addr *addr);

typedef enum {
    VR_PROBE_REACHABLE = 0, /* the handshake completed */
    VR_PROBE_REFUSED,       /* ECONNREFUSED */
    VR_PROBE_TIMEOUT,       /* no answer within the timeout */
    VR_PROBE_UNREACHABLE,   /* EHOSTUNREACH, ENETUNREACH and other connect errors */
    VR_PROBE_BLOCKED,       /* not sent: VR_PROBE_LOOPBACK_ONLY=1 and the target is not loopback */
    VR_PROBE_DENIED,        /* not sent: the address is in a refused range (see vr_probe) */
} vr_probe_status;

/* "reachable", "refused", "timeout", "unreachable", "blocked", "denied". Static. */
const char *vr_probe_status_name(vr_probe_status s);

typedef struct {
    vr_probe_status status;
    int err_no; /* errno of the failure, 0 when reachable, timed out or blocked */
    char target[VR_ADDR_STRLEN + 16]; /* where the probe went: "203.0.113.10:443", "[::1]:8443" */
    bool redirected;                  /* a --probe-map entry was used */
    long long latency_ms;
    char detail[384]; /* "reachable", "not reachable: connection refused",
                         "not reachable: no answer within 5000 ms",
                         "not reachable: blocked by VR_PROBE_LOOPBACK_ONLY",
                         "not probed: 169.254.169.254 is a link-local address (...); probes
                         there are refused unless --probe-map sends them elsewhere" */
} vr_probe_result;

/* Probes addr:port (after map's redirection, map may be NULL) with a TCP connect within
 * timeout_ms (0: VR_DEFAULT_PROBE_TIMEOUT_MS). Sends no data; closes at once.
 * Refused without any packet sent (docs/api.md §7):
 *   - an address that no --probe-map entry redirects and that is in a range no gateway lives
 *     in (vr_addr_special_range: loopback, link-local with 169.254.169.254, multicast,
 *     unspecified): VR_PROBE_DENIED. The inventory of a pull request must not turn the runner
 *     into a scanner of its own host and cloud metadata service; a --probe-map target is the
 *     operator's choice and is never refused this way;
 *   - when the environment has VR_PROBE_LOOPBACK_ONLY=1 (tests, demos), a target that is not
 *     loopback: VR_PROBE_BLOCKED. Returns 0 with out filled whatever the outcome; -1 with err
 * set only when the probe could not be made at all (bad port, socket() failed). */
int vr_probe(vr_probe_result *out, const vr_probe_map *map, const vr_addr *addr, int port,
             int timeout_ms, vr_error *err);

#endif
