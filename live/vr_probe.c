/* vr_probe: TCP reachability of gateways, --probe-map, and the loopback-only guard. */
#include "vr_probe.h"
#include "vr_errcode.h"

#include "vr_iface.h"
#include "vr_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FORM                                                                                       \
    "the form is ADDR=HOST:PORT, e.g. 203.0.113.10=127.0.0.1:8443 or 2001:db8::1=[::1]:8443"

/* Parses an address given bare or in brackets ("[::1]"), of at most len bytes of text. */
static int parse_addr_part(vr_addr *out, const char *text, size_t len, bool brackets_allowed)
{
    char tmp[VR_ADDR_STRLEN];
    if (len >= 2 && text[0] == '[' && text[len - 1] == ']' && brackets_allowed) {
        text++;
        len -= 2;
        if (len >= sizeof(tmp)) return -1;
        memcpy(tmp, text, len);
        tmp[len] = '\0';
        return vr_addr_parse(out, tmp) == 0 && out->family == VR_AF_V6 ? 0 : -1;
    }
    if (len == 0 || len >= sizeof(tmp)) return -1;
    memcpy(tmp, text, len);
    tmp[len] = '\0';
    return vr_addr_parse(out, tmp);
}

int vr_probe_redirect_parse(vr_probe_redirect *out, const char *text, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    const char *eq = text ? strchr(text, '=') : NULL;
    if (!eq) {
        vr_error_set(err, VR_ERR_PROBE_MAP_INVALID, "probe-map %s: no '='", text ? text : "");
        vr_error_remedy(err, FORM);
        return -1;
    }
    if (parse_addr_part(&out->addr, text, (size_t)(eq - text), true) < 0) {
        vr_error_set(err, VR_ERR_PROBE_MAP_INVALID, "probe-map %s: %.*s is not an IP address", text,
                     (int)(eq - text), text);
        vr_error_remedy(err, FORM);
        return -1;
    }
    const char *hp = eq + 1;
    const char *port;
    size_t hlen;
    if (hp[0] == '[') {
        const char *close = strchr(hp, ']');
        if (!close || close[1] != ':') {
            vr_error_set(err, VR_ERR_PROBE_MAP_INVALID,
                         "probe-map %s: a bracketed IPv6 host must be followed by :PORT", text);
            vr_error_remedy(err, FORM);
            return -1;
        }
        hlen = (size_t)(close - hp) + 1;
        port = close + 2;
    } else {
        const char *colon = strchr(hp, ':');
        if (!colon) {
            vr_error_set(err, VR_ERR_PROBE_MAP_INVALID, "probe-map %s: no :PORT after the host",
                         text);
            vr_error_remedy(err, FORM);
            return -1;
        }
        if (strchr(colon + 1, ':')) {
            vr_error_set(err, VR_ERR_PROBE_MAP_INVALID,
                         "probe-map %s: an IPv6 host must be in brackets, like [::1]:8443", text);
            vr_error_remedy(err, FORM);
            return -1;
        }
        hlen = (size_t)(colon - hp);
        port = colon + 1;
    }
    if (parse_addr_part(&out->host, hp, hlen, true) < 0) {
        vr_error_set(err, VR_ERR_PROBE_MAP_INVALID,
                     "probe-map %s: host %.*s is not an IP address (names are not resolved)", text,
                     (int)hlen, hp);
        vr_error_remedy(err, FORM);
        return -1;
    }
    long p;
    if (vr_parse_long(port, 1, 65535, &p) < 0 || port[0] == '+' || port[0] == '-') {
        vr_error_set(err, VR_ERR_PROBE_MAP_INVALID, "probe-map %s: port %s is not 1..65535", text,
                     port);
        vr_error_remedy(err, FORM);
        return -1;
    }
    out->port = (int)p;
    return 0;
}

int vr_probe_map_add(vr_probe_map *m, const char *text, vr_error *err)
{
    vr_probe_redirect r;
    if (vr_probe_redirect_parse(&r, text, err) < 0) return -1;
    if (vr_probe_map_find(m, &r.addr)) {
        char a[VR_ADDR_STRLEN];
        vr_addr_format(&r.addr, a);
        vr_error_set(err, VR_ERR_PROBE_MAP_INVALID, "probe-map %s: %s is already mapped", text, a);
        vr_error_remedy(err, "give one --probe-map per address");
        return -1;
    }
    m->items = vr_xrealloc(m->items, (m->count + 1) * sizeof(*m->items));
    m->items[m->count++] = r;
    return 0;
}

void vr_probe_map_free(vr_probe_map *m)
{
    if (!m) return;
    free(m->items);
    m->items = NULL;
    m->count = 0;
}

const vr_probe_redirect *vr_probe_map_find(const vr_probe_map *m, const vr_addr *addr)
{
    if (!m) return NULL;
    for (size_t i = 0; i < m->count; i++)
        if (vr_addr_equal(&m->items[i].addr, addr)) return &m->items[i];
    return NULL;
}

const char *vr_probe_status_name(vr_probe_status s)
{
    switch (s) {
    case VR_PROBE_REACHABLE:
        return "reachable";
    case VR_PROBE_REFUSED:
        return "refused";
    case VR_PROBE_TIMEOUT:
        return "timeout";
    case VR_PROBE_UNREACHABLE:
        return "unreachable";
    case VR_PROBE_BLOCKED:
        return "blocked";
    case VR_PROBE_DENIED:
        return "denied";
    }
    return "unknown";
}

static bool loopback_only(void)
{
    const char *v = getenv("VR_PROBE_LOOPBACK_ONLY");
    return v && strcmp(v, "1") == 0;
}

int vr_probe(vr_probe_result *out, const vr_probe_map *map, const vr_addr *addr, int port,
             int timeout_ms, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    if (timeout_ms <= 0) timeout_ms = VR_DEFAULT_PROBE_TIMEOUT_MS;
    vr_addr target = *addr;
    int tport = port > 0 ? port : VR_DEFAULT_PROBE_PORT;
    const vr_probe_redirect *r = vr_probe_map_find(map, addr);
    if (r) {
        target = r->host;
        tport = r->port;
        out->redirected = true;
    }
    if (target.family != VR_AF_V4 && target.family != VR_AF_V6) {
        vr_error_set(err, VR_ERR_PROBE_FAILED, "probe: no address to probe");
        return -1;
    }
    if (tport < 1 || tport > 65535) {
        vr_error_set(err, VR_ERR_PROBE_FAILED, "probe: port %d is not 1..65535", tport);
        return -1;
    }
    char a[VR_ADDR_STRLEN];
    vr_addr_format(&target, a);
    if (target.family == VR_AF_V6)
        snprintf(out->target, sizeof(out->target), "[%s]:%d", a, tport);
    else
        snprintf(out->target, sizeof(out->target), "%s:%d", a, tport);

    /* the guards come before any socket exists: a refused probe sends nothing at all. An
     * inventory (a pull request's, say) must not make the runner reach its own loopback
     * services, the cloud metadata service or a multicast group and report what answered:
     * only a --probe-map entry, which the operator wrote, may send a probe there. */
    const char *range = out->redirected ? NULL : vr_addr_special_range(&target);
    if (range) {
        out->status = VR_PROBE_DENIED;
        snprintf(out->detail, sizeof(out->detail),
                 "not probed: %s is %s; probes there are refused unless --probe-map sends them "
                 "elsewhere",
                 a, range);
        return 0;
    }
    if (loopback_only() && !vr_addr_is_loopback(&target)) {
        out->status = VR_PROBE_BLOCKED;
        snprintf(out->detail, sizeof(out->detail),
                 "not reachable: blocked by VR_PROBE_LOOPBACK_ONLY");
        return 0;
    }

    struct sockaddr_storage ss;
    socklen_t sslen;
    memset(&ss, 0, sizeof(ss));
    if (target.family == VR_AF_V4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)tport);
        memcpy(&sin->sin_addr, target.bytes, 4);
        sslen = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)tport);
        memcpy(&sin6->sin6_addr, target.bytes, 16);
        sslen = sizeof(*sin6);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        vr_error_set(err, VR_ERR_PROBE_FAILED, "probe %s: socket: %s", out->target,
                     strerror(errno));
        return -1;
    }
    int64_t start = vr_now_ms();
    int e = 0;
    if (connect(fd, (struct sockaddr *)&ss, sslen) < 0) {
        e = errno;
        if (e == EINPROGRESS) {
            e = ETIMEDOUT;
            for (;;) {
                int64_t left = timeout_ms - (vr_now_ms() - start);
                if (left <= 0) break;
                struct pollfd pfd = {fd, POLLOUT, 0};
                int n = poll(&pfd, 1, (int)left);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) {
                    e = errno;
                    break;
                }
                if (n == 0) break; /* timed out */
                int soerr = 0;
                socklen_t len = sizeof(soerr);
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) soerr = errno;
                e = soerr;
                break;
            }
        }
    }
    close(fd);
    out->latency_ms = vr_now_ms() - start;
    out->err_no = e;
    switch (e) {
    case 0:
        out->status = VR_PROBE_REACHABLE;
        snprintf(out->detail, sizeof(out->detail), "reachable");
        break;
    case ECONNREFUSED:
        out->status = VR_PROBE_REFUSED;
        snprintf(out->detail, sizeof(out->detail), "not reachable: connection refused");
        break;
    case ETIMEDOUT:
        out->status = VR_PROBE_TIMEOUT;
        out->err_no = 0;
        snprintf(out->detail, sizeof(out->detail), "not reachable: no answer within %d ms",
                 timeout_ms);
        break;
    default:
        out->status = VR_PROBE_UNREACHABLE;
        snprintf(out->detail, sizeof(out->detail), "not reachable: %s", strerror(e));
        break;
    }
    return 0;
}
