/* vni-sim: the local platform API of docs/api.md (OAuth, connections, routing
 * tables, limits), with seeded fault injection and an admin API; or, with --probe-listener, a
 * loopback TCP listener for gateway probes. See docs/simulator.md. */
#include "sim_faults.h"
#include "sim_server.h"
#include "sim_sink.h"
#include "sim_state.h"
#include "sim_tls.h"
#include "vr_addr.h"
#include "vr_file.h"
#include "vr_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define STATE_MAX_BYTES (64L * 1024 * 1024)

typedef struct {
    const char *listen;
    const char *probe_listen;
    const char *sink_listen;
    const char *sink_secret;
    long sink_fail_first;
    const char *tls_cert, *tls_key;
    bool allow_non_loopback;
    bool admin;
    const char *state_path;
    const char *save_path;
    bool has_seed;
    uint64_t seed;
    cJSON *faults; /* knobs given on the command line, in the admin API's JSON shape */
    long max_connections, max_connections_per_ip; /* 0: the defaults of sim_server.h */
} sim_opts;

static void usage(FILE *out)
{
    fputs("usage: vni-sim [--listen HOST:PORT] [--admin] [--state FILE] [--save FILE]\n"
          "               [--seed N] [--tls-cert FILE --tls-key FILE] [fault options]\n"
          "       vni-sim --probe-listener HOST:PORT\n"
          "       vni-sim --webhook-sink HOST:PORT [--webhook-secret-file FILE]\n"
          "               [--tls-cert FILE --tls-key FILE]\n"
          "\n"
          "  --listen HOST:PORT       address to serve on (default 127.0.0.1:0, a free port)\n"
          "  --tls-cert FILE          serve https:// with this PEM certificate (chain)\n"
          "  --tls-key FILE           and this PEM private key (API server and webhook sink)\n"
          "  --allow-non-loopback     allow a HOST that is not 127.0.0.0/8, ::1 or localhost\n"
          "  --admin                  serve the admin API under /__sim\n"
          "  --state FILE             load organizations and clients (docs/simulator.md)\n"
          "  --save FILE              write the state to FILE on SIGINT/SIGTERM\n"
          "  --seed N                 seed of the fault PRNG (printed on stderr when not given)\n"
          "  --max-connections N      connections served at once (default 256)\n"
          "  --max-connections-per-ip N  of them from one client address (default 128)\n"
          "  --rate-429 P             probability of a 429 per request\n"
          "  --retry-after S          Retry-After of 429s and some 503s (default 1)\n"
          "  --rate-5xx P             probability of a 500/502/503/504 per request\n"
          "  --latency-ms MIN-MAX     added latency per request\n"
          "  --converge-ms MIN-MAX    routing-table convergence delay (default 200-400)\n"
          "  --stuck-table ID         this routing table never converges (repeatable)\n"
          "  --drop-create N          commit the Nth successful create, close without answering\n"
          "  --insert-while-paging[=once|always]\n"
          "                           another actor inserts a connection after page 1\n"
          "  --token-lifetime S       access token lifetime (default 86400)\n"
          "  --no-limits-endpoint     the limits endpoint answers 404\n"
          "  --ratelimit-headers      send inin-ratelimit-count/allowed/reset\n"
          "  --rate-limit N/S         serve N requests per fixed window of S seconds, then 429\n"
          "                           with Retry-After until the window ends (and the headers)\n"
          "  --unavailable-for S      answer every request 503 during S seconds from the first\n"
          "                           request (then serve as usual)\n"
          "  --count-field F          total (default), totalCount or both\n"
          "  --no-estimate            leave estimatedConvergenceMs out of sync answers\n"
          "  --probe-listener HOST:PORT  accept and close TCP connections until killed,\n"
          "                              printing a line for each\n"
          "  --webhook-sink HOST:PORT    receive webhook events, print one JSON line each\n"
          "  --webhook-secret-file FILE  with --webhook-sink: check X-Vni-Signature-256\n"
          "  --sink-fail-first N         with --webhook-sink: answer the first N with 503\n",
          out);
}

enum {
    OPT_LISTEN = 256,
    OPT_PROBE,
    OPT_NONLOOP,
    OPT_ADMIN,
    OPT_STATE,
    OPT_SAVE,
    OPT_SEED,
    OPT_429,
    OPT_RETRY,
    OPT_5XX,
    OPT_LATENCY,
    OPT_CONVERGE,
    OPT_STUCK,
    OPT_DROP,
    OPT_PAGING,
    OPT_TOKEN,
    OPT_NOLIMITS,
    OPT_RLHEADERS,
    OPT_RATELIMIT,
    OPT_UNAVAIL,
    OPT_COUNT,
    OPT_NOEST,
    OPT_SINK,
    OPT_SINK_SECRET,
    OPT_SINK_FAIL,
    OPT_MAXCONN,
    OPT_MAXCONN_IP,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_HELP,
    OPT_VERSION,
};

static int parse_rate(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < 0 || v > 1) return -1;
    *out = v;
    return 0;
}

static int parse_args(sim_opts *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"probe-listener", required_argument, NULL, OPT_PROBE},
        {"allow-non-loopback", no_argument, NULL, OPT_NONLOOP},
        {"admin", no_argument, NULL, OPT_ADMIN},
        {"state", required_argument, NULL, OPT_STATE},
        {"save", required_argument, NULL, OPT_SAVE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"rate-429", required_argument, NULL, OPT_429},
        {"retry-after", required_argument, NULL, OPT_RETRY},
        {"rate-5xx", required_argument, NULL, OPT_5XX},
        {"latency-ms", required_argument, NULL, OPT_LATENCY},
        {"converge-ms", required_argument, NULL, OPT_CONVERGE},
        {"stuck-table", required_argument, NULL, OPT_STUCK},
        {"drop-create", required_argument, NULL, OPT_DROP},
        {"insert-while-paging", optional_argument, NULL, OPT_PAGING},
        {"token-lifetime", required_argument, NULL, OPT_TOKEN},
        {"no-limits-endpoint", no_argument, NULL, OPT_NOLIMITS},
        {"ratelimit-headers", no_argument, NULL, OPT_RLHEADERS},
        {"rate-limit", required_argument, NULL, OPT_RATELIMIT},
        {"unavailable-for", required_argument, NULL, OPT_UNAVAIL},
        {"count-field", required_argument, NULL, OPT_COUNT},
        {"no-estimate", no_argument, NULL, OPT_NOEST},
        {"webhook-sink", required_argument, NULL, OPT_SINK},
        {"webhook-secret-file", required_argument, NULL, OPT_SINK_SECRET},
        {"sink-fail-first", required_argument, NULL, OPT_SINK_FAIL},
        {"max-connections", required_argument, NULL, OPT_MAXCONN},
        {"max-connections-per-ip", required_argument, NULL, OPT_MAXCONN_IP},
        {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
        {"tls-key", required_argument, NULL, OPT_TLS_KEY},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    cJSON *stuck = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        long n;
        double p;
        switch (c) {
        case OPT_LISTEN:
            o->listen = optarg;
            break;
        case OPT_PROBE:
            o->probe_listen = optarg;
            break;
        case OPT_SINK:
            o->sink_listen = optarg;
            break;
        case OPT_SINK_SECRET:
            o->sink_secret = optarg;
            break;
        case OPT_SINK_FAIL:
            if (vr_parse_long(optarg, 0, 1000000, &o->sink_fail_first) < 0) {
                fprintf(stderr, "vni-sim: --sink-fail-first takes a whole number\n");
                return -1;
            }
            break;
        case OPT_MAXCONN:
        case OPT_MAXCONN_IP:
            if (vr_parse_long(optarg, 1, 100000, &n) < 0) {
                fprintf(stderr, "vni-sim: %s '%s' must be a whole number from 1 to 100000\n",
                        c == OPT_MAXCONN ? "--max-connections" : "--max-connections-per-ip",
                        optarg);
                return -1;
            }
            *(c == OPT_MAXCONN ? &o->max_connections : &o->max_connections_per_ip) = n;
            break;
        case OPT_TLS_CERT:
            o->tls_cert = optarg;
            break;
        case OPT_TLS_KEY:
            o->tls_key = optarg;
            break;
        case OPT_NONLOOP:
            o->allow_non_loopback = true;
            break;
        case OPT_ADMIN:
            o->admin = true;
            break;
        case OPT_STATE:
            o->state_path = optarg;
            break;
        case OPT_SAVE:
            o->save_path = optarg;
            break;
        case OPT_SEED:
            if (vr_parse_long(optarg, 0, 9007199254740991L, &n) < 0) {
                fprintf(stderr, "vni-sim: --seed '%s' must be a whole number from 0\n", optarg);
                return -1;
            }
            o->seed = (uint64_t)n;
            o->has_seed = true;
            break;
        case OPT_429:
        case OPT_5XX:
            if (parse_rate(optarg, &p) < 0) {
                fprintf(stderr, "vni-sim: %s '%s' must be a probability from 0 to 1\n",
                        c == OPT_429 ? "--rate-429" : "--rate-5xx", optarg);
                return -1;
            }
            cJSON_DeleteItemFromObject(o->faults, c == OPT_429 ? "rate429" : "rate5xx");
            cJSON_AddNumberToObject(o->faults, c == OPT_429 ? "rate429" : "rate5xx", p);
            break;
        case OPT_RATELIMIT: {
            long rn, rs;
            if (sim_rate_limit_parse(optarg, &rn, &rs) < 0) {
                fprintf(stderr,
                        "vni-sim: --rate-limit '%s' must be N/SECONDS (1 to 1000000 requests per "
                        "1 to 86400 s), e.g. 300/60\n",
                        optarg);
                return -1;
            }
            cJSON_DeleteItemFromObject(o->faults, "rateLimit");
            cJSON_AddStringToObject(o->faults, "rateLimit", optarg);
            break;
        }
        case OPT_RETRY:
        case OPT_DROP:
        case OPT_TOKEN:
        case OPT_UNAVAIL: {
            const char *key = c == OPT_RETRY     ? "retryAfter"
                              : c == OPT_DROP    ? "dropCreate"
                              : c == OPT_UNAVAIL ? "unavailableFor"
                                                 : "tokenLifetime";
            if (vr_parse_long(optarg, 0, 10L * 365 * 86400, &n) < 0) {
                fprintf(stderr, "vni-sim: %s: '%s' is not a whole number\n", key, optarg);
                return -1;
            }
            cJSON_DeleteItemFromObject(o->faults, key);
            cJSON_AddNumberToObject(o->faults, key, (double)n);
            break;
        }
        case OPT_LATENCY:
        case OPT_CONVERGE:
        case OPT_COUNT: {
            const char *key = c == OPT_LATENCY    ? "latencyMs"
                              : c == OPT_CONVERGE ? "convergeMs"
                                                  : "countField";
            cJSON_DeleteItemFromObject(o->faults, key);
            cJSON_AddStringToObject(o->faults, key, optarg);
            break;
        }
        case OPT_STUCK:
            if (!stuck) stuck = cJSON_AddArrayToObject(o->faults, "stuckTable");
            cJSON_AddItemToArray(stuck, cJSON_CreateString(optarg));
            break;
        case OPT_PAGING:
            cJSON_DeleteItemFromObject(o->faults, "insertWhilePaging");
            cJSON_AddStringToObject(o->faults, "insertWhilePaging", optarg ? optarg : "once");
            break;
        case OPT_NOLIMITS:
        case OPT_RLHEADERS:
        case OPT_NOEST: {
            const char *key = c == OPT_NOLIMITS    ? "noLimitsEndpoint"
                              : c == OPT_RLHEADERS ? "ratelimitHeaders"
                                                   : "noEstimate";
            cJSON_DeleteItemFromObject(o->faults, key);
            cJSON_AddTrueToObject(o->faults, key);
            break;
        }
        case OPT_HELP:
            usage(stdout);
            exit(0);
        case OPT_VERSION:
            printf("vni-sim %s\n", VR_VERSION);
            exit(0);
        default:
            fprintf(stderr, "vni-sim: option '%s' is unknown or lacks its value (see --help)\n",
                    argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vni-sim: unexpected argument '%s' (see --help)\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* "127.0.0.1:0", "[::1]:0", "localhost:8080". */
static int parse_hostport(const char *s, vr_addr *addr, long *port)
{
    char host[VR_ADDR_STRLEN];
    const char *colon;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':') return -1;
        hl = (size_t)(close - s - 1);
        if (hl >= sizeof(host)) return -1;
        memcpy(host, s + 1, hl);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) return -1;
        hl = (size_t)(colon - s);
        if (hl >= sizeof(host)) return -1;
        memcpy(host, s, hl);
    }
    host[hl] = '\0';
    if (strcmp(host, "localhost") == 0) snprintf(host, sizeof(host), "127.0.0.1");
    if (vr_addr_parse(addr, host) < 0) return -1;
    if (s[0] != '[' && addr->family == VR_AF_V6) return -1;
    return vr_parse_long(colon + 1, 0, 65535, port);
}

static bool addr_is_loopback_or_any_v6_loop(const vr_addr *a)
{
    return vr_addr_is_loopback(a);
}

/* Binds and listens; returns the socket, or -1 with a message on stderr. *port_out gets the
 * port actually bound. */
static int open_listener(const char *spec, bool allow_non_loopback, vr_addr *addr, long *port_out)
{
    long port;
    if (parse_hostport(spec, addr, &port) < 0) {
        fprintf(stderr, "vni-sim: listen address '%s' must be HOST:PORT or [IPV6]:PORT\n", spec);
        return -1;
    }
    if (!allow_non_loopback && !addr_is_loopback_or_any_v6_loop(addr)) {
        fprintf(stderr,
                "vni-sim: listen address '%s' is not loopback; use 127.0.0.1 or [::1], or "
                "--allow-non-loopback\n",
                spec);
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof(ss));
    if (addr->family == VR_AF_V4) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
        memcpy(&in->sin_addr, addr->bytes, 4);
        sl = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        memcpy(&in6->sin6_addr, addr->bytes, 16);
        sl = sizeof(*in6);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "vni-sim: socket: %s\n", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (addr->family == VR_AF_V6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
        fprintf(stderr, "vni-sim: cannot listen on %s: %s\n", spec, strerror(errno));
        close(fd);
        return -1;
    }
    sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port_out = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                              : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

static void format_hostport(const vr_addr *a, long port, char *out, size_t outlen)
{
    char host[VR_ADDR_STRLEN];
    vr_addr_format(a, host);
    if (a->family == VR_AF_V6)
        snprintf(out, outlen, "[%s]:%ld", host, port);
    else
        snprintf(out, outlen, "%s:%ld", host, port);
}

static int run_probe_listener(const sim_opts *o)
{
    vr_addr a;
    long port;
    int fd = open_listener(o->probe_listen, o->allow_non_loopback, &a, &port);
    if (fd < 0) return 2;
    char hp[VR_ADDR_STRLEN + 16];
    format_hostport(&a, port, hp, sizeof(hp));
    printf("vni-sim probe listener on %s\n", hp);
    fflush(stdout);
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t pl = sizeof(peer);
        int c = accept(fd, (struct sockaddr *)&peer, &pl);
        if (c >= 0) {
            /* one line per connection: tests check that nothing reached a listener */
            char ph[INET6_ADDRSTRLEN] = "?";
            unsigned pport = 0;
            if (peer.ss_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)&peer;
                inet_ntop(AF_INET, &in->sin_addr, ph, sizeof(ph));
                pport = ntohs(in->sin_port);
            } else if (peer.ss_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&peer;
                inet_ntop(AF_INET6, &in6->sin6_addr, ph, sizeof(ph));
                pport = ntohs(in6->sin6_port);
            }
            close(c);
            printf("vni-sim probe listener: connection from %s port %u\n", ph, pport);
            fflush(stdout);
        } else if (errno != EINTR && errno != ECONNABORTED && errno != EMFILE && errno != ENFILE)
            break;
    }
    close(fd);
    return 1;
}

static int load_state(const sim_opts *o, sim_state *st, sim_faults *faults, sim_rng *rng)
{
    if (!o->state_path) {
        sim_state_default(st);
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    int rc = vr_read_file(o->state_path, STATE_MAX_BYTES, &text, &len);
    if (rc < 0) {
        fprintf(stderr, "vni-sim: cannot read state file %s: %s\n", o->state_path,
                rc == -2 ? "larger than 64 MiB" : strerror(errno));
        return -1;
    }
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    if (!doc) {
        fprintf(stderr, "vni-sim: state file %s is not JSON\n", o->state_path);
        return -1;
    }
    char err[512];
    if (sim_state_load(st, doc, rng, err, sizeof(err)) < 0) {
        fprintf(stderr, "vni-sim: state file %s: %s\n", o->state_path, err);
        cJSON_Delete(doc);
        return -1;
    }
    const cJSON *jf = cJSON_GetObjectItemCaseSensitive(doc, "faults");
    if (jf && sim_faults_apply_json(faults, jf, NULL, NULL, err, sizeof(err)) < 0) {
        fprintf(stderr, "vni-sim: state file %s: %s\n", o->state_path, err);
        cJSON_Delete(doc);
        sim_state_free(st);
        return -1;
    }
    cJSON_Delete(doc);
    return 0;
}

static int save_state(sim_server *srv, const char *path)
{
    pthread_mutex_lock(&srv->lock);
    sim_state_tick(&srv->state, vr_now_ms(), &srv->faults);
    cJSON *doc = sim_state_to_json(&srv->state, true);
    pthread_mutex_unlock(&srv->lock);
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    size_t n = strlen(text);
    vr_error err = VR_ERROR_INIT;
    int rc = vr_file_write(path, text, n, 0600, "state file", &err);
    memset(text, 0, n);
    free(text);
    if (rc < 0) {
        fprintf(stderr, "vni-sim: cannot save the state: %s\n", err.message);
        return -1;
    }
    return 0;
}

/* The API server: state, faults, the daemon (https with tls), until SIGINT/SIGTERM. Takes
 * o->faults. Returns the exit code. */
static int run_api(sim_opts *o, const sim_tls *tls)
{
    if (!o->has_seed) {
        o->seed = vr_random_u64() & 0x1fffffffffffffULL;
        fprintf(stderr, "vni-sim: seed %llu (replay with --seed)\n", (unsigned long long)o->seed);
    }

    sim_rng load_rng;
    sim_rng_seed(&load_rng, o->seed ^ 0x5bd1e995ULL);
    sim_faults faults;
    sim_faults_default(&faults);
    sim_state st;
    if (load_state(o, &st, &faults, &load_rng) < 0) {
        cJSON_Delete(o->faults);
        return 2;
    }
    char err[512];
    if (sim_faults_apply_json(&faults, o->faults, NULL, NULL, err, sizeof(err)) < 0) {
        fprintf(stderr, "vni-sim: %s\n", err);
        cJSON_Delete(o->faults);
        sim_state_free(&st);
        return 2;
    }
    cJSON_Delete(o->faults);

    vr_addr addr;
    long port;
    int fd = open_listener(o->listen, o->allow_non_loopback, &addr, &port);
    if (fd < 0) {
        sim_state_free(&st);
        return 2;
    }

    /* Block the stop signals in every thread; main waits for them with sigwait. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    sim_server_opts so = {.admin = o->admin,
                          .seed = o->seed,
                          .max_connections = (unsigned)o->max_connections,
                          .max_connections_per_ip = (unsigned)o->max_connections_per_ip,
                          .tls = tls};
    sim_server *srv = vr_xcalloc(1, sizeof(*srv));
    sim_server_init(srv, &so, &st, &faults);
    if (sim_server_start(srv, fd, addr.family == VR_AF_V6, err, sizeof(err)) < 0) {
        fprintf(stderr, "vni-sim: %s\n", err);
        close(fd);
        sim_server_free(srv);
        free(srv);
        return 1;
    }
    char hp[VR_ADDR_STRLEN + 16];
    format_hostport(&addr, port, hp, sizeof(hp));
    printf("vni-sim listening on %s://%s\n", sim_tls_scheme(tls), hp);
    fflush(stdout);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    sim_server_stop(srv);
    int rc = 0;
    if (o->save_path && save_state(srv, o->save_path) < 0) rc = 1;
    sim_server_free(srv);
    free(srv);
    return rc;
}

int main(int argc, char **argv)
{
    sim_opts o;
    memset(&o, 0, sizeof(o));
    o.listen = "127.0.0.1:0";
    o.faults = cJSON_CreateObject();
    if (parse_args(&o, argc, argv) < 0) {
        cJSON_Delete(o.faults);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (o.probe_listen) {
        cJSON_Delete(o.faults);
        if (o.tls_cert || o.tls_key) {
            fprintf(stderr, "vni-sim: --tls-cert and --tls-key do not apply to "
                            "--probe-listener (it speaks no protocol)\n");
            return 2;
        }
        return run_probe_listener(&o);
    }
    sim_tls tls;
    char err[512];
    if (sim_tls_load(&tls, o.tls_cert, o.tls_key, err, sizeof(err)) < 0) {
        fprintf(stderr, "vni-sim: %s\n", err);
        cJSON_Delete(o.faults);
        return 2;
    }
    if (o.sink_listen) {
        cJSON_Delete(o.faults);
        sim_server_opts limits = {.max_connections = (unsigned)o.max_connections,
                                  .max_connections_per_ip = (unsigned)o.max_connections_per_ip};
        int src = sim_sink_run(o.sink_listen, o.sink_secret, o.sink_fail_first,
                               o.allow_non_loopback, &tls, &limits);
        sim_tls_free(&tls);
        return src;
    }
    int rc = run_api(&o, &tls);
    sim_tls_free(&tls);
    return rc;
}
