/* test_live_probe: gateway reachability on loopback (through --probe-map entries: a probe
 * never goes to loopback on its own), --probe-map parsing, the refused ranges, and the
 * VR_PROBE_LOOPBACK_ONLY guard (set for the whole binary before any probe). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vr_probe.h"
#include "vr_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A loopback TCP socket bound to port 0; listening when listen_too. Returns the fd. */
static int bound_socket(int family, bool listen_too, int *port)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = in6addr_loopback;
        len = sizeof(*sin6);
    }
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
    if (listen_too) assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                    : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

static vr_addr addr(const char *text)
{
    vr_addr a;
    assert_int_equal(vr_addr_parse(&a, text), 0);
    return a;
}

/* Probes a gateway address of the documentation ranges, sent by a --probe-map entry to
 * loopback port (IPv4 or IPv6): a probe never goes to loopback on its own. */
static void probe_via_map(vr_probe_result *r, int family, int port, int timeout_ms)
{
    vr_probe_map m = VR_PROBE_MAP_INIT;
    vr_error err = VR_ERROR_INIT;
    char entry[64];
    const char *gw = family == AF_INET ? "203.0.113.10" : "2001:db8::10";
    snprintf(entry, sizeof(entry), family == AF_INET ? "%s=127.0.0.1:%d" : "%s=[::1]:%d", gw, port);
    assert_int_equal(vr_probe_map_add(&m, entry, &err), 0);
    vr_addr a = addr(gw);
    assert_int_equal(vr_probe(r, &m, &a, 443, timeout_ms, &err), 0);
    assert_true(r->redirected);
    vr_probe_map_free(&m);
}

static void test_reachable_and_no_data_sent(void **state)
{
    (void)state;
    int port;
    int lfd = bound_socket(AF_INET, true, &port);
    vr_probe_result r;
    probe_via_map(&r, AF_INET, port, 2000);
    assert_int_equal(r.status, VR_PROBE_REACHABLE);
    assert_string_equal(vr_probe_status_name(r.status), "reachable");
    assert_string_equal(r.detail, "reachable");
    char want[64];
    snprintf(want, sizeof(want), "127.0.0.1:%d", port);
    assert_string_equal(r.target, want);
    /* the probe completed the handshake and closed without sending a byte */
    int cfd = accept(lfd, NULL, NULL);
    assert_true(cfd >= 0);
    struct pollfd p = {cfd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 2000), 1);
    char buf[16];
    assert_int_equal(recv(cfd, buf, sizeof(buf), 0), 0);
    close(cfd);
    close(lfd);
}

static void test_reachable_v6(void **state)
{
    (void)state;
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) skip();
    close(fd);
    int port;
    int lfd = bound_socket(AF_INET6, true, &port);
    vr_probe_result r;
    probe_via_map(&r, AF_INET6, port, 2000);
    assert_int_equal(r.status, VR_PROBE_REACHABLE);
    assert_true(strncmp(r.target, "[::1]:", 6) == 0);
    close(lfd);
}

static void test_refused(void **state)
{
    (void)state;
    int port;
    int fd = bound_socket(AF_INET, false, &port); /* bound, not listening: RST */
    vr_probe_result r;
    probe_via_map(&r, AF_INET, port, 2000);
    assert_int_equal(r.status, VR_PROBE_REFUSED);
    assert_string_equal(vr_probe_status_name(r.status), "refused");
    assert_int_not_equal(r.err_no, 0);
    assert_non_null(strstr(r.detail, "not reachable: connection refused"));
    close(fd);
}

/* A listener whose accept queue is full drops new SYNs: the probe gets no answer. */
static void test_timeout(void **state)
{
    (void)state;
    int port;
    int lfd = bound_socket(AF_INET, false, &port);
    assert_int_equal(listen(lfd, 0), 0);
    int fillers[4];
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 4; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        connect(fillers[i], (struct sockaddr *)&sin, sizeof(sin));
    }
    vr_sleep_ms(50);
    vr_probe_result r;
    int64_t t0 = vr_now_ms();
    probe_via_map(&r, AF_INET, port, 300);
    int64_t took = vr_now_ms() - t0;
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    close(lfd);
    if (r.status == VR_PROBE_REACHABLE)
        skip(); /* this kernel queued it anyway: nothing to learn here */
    assert_int_equal(r.status, VR_PROBE_TIMEOUT);
    assert_string_equal(r.detail, "not reachable: no answer within 300 ms");
    assert_true(took >= 290 && took < 2000);
}

static void test_guard_blocks_non_loopback(void **state)
{
    (void)state;
    /* the guard is on (main sets it): 192.0.2.1 (TEST-NET-1) is never contacted */
    vr_probe_result r;
    vr_error err = VR_ERROR_INIT;
    vr_addr a = addr("192.0.2.1");
    int64_t t0 = vr_now_ms();
    assert_int_equal(vr_probe(&r, NULL, &a, 443, 5000, &err), 0);
    assert_int_equal(r.status, VR_PROBE_BLOCKED);
    assert_string_equal(r.detail, "not reachable: blocked by VR_PROBE_LOOPBACK_ONLY");
    assert_string_equal(r.target, "192.0.2.1:443");
    assert_true(vr_now_ms() - t0 < 100); /* no connect was attempted */
    vr_addr b = addr("2001:db8::1");
    assert_int_equal(vr_probe(&r, NULL, &b, 0, 0, &err), 0);
    assert_int_equal(r.status, VR_PROBE_BLOCKED);
    assert_string_equal(r.target, "[2001:db8::1]:443"); /* default port */
}

/* Loopback, link-local (the cloud metadata service), multicast and unspecified addresses are
 * refused without a packet, unless a --probe-map entry sends the probe elsewhere. */
static void test_special_ranges_refused(void **state)
{
    (void)state;
    int port;
    int lfd = bound_socket(AF_INET, true, &port);
    vr_probe_result r;
    vr_error err = VR_ERROR_INIT;
    struct {
        const char *ip, *range;
    } refused[] = {
        {"127.0.0.1", "loopback"},
        {"127.255.255.254", "loopback"},
        {"::1", "loopback"},
        {"169.254.169.254", "link-local"},
        {"169.254.0.1", "link-local"},
        {"fe80::1", "link-local"},
        {"febf:ffff::1", "link-local"},
        {"224.0.0.1", "multicast"},
        {"239.255.255.250", "multicast"},
        {"ff02::1", "multicast"},
        {"0.0.0.0", "unspecified"},
        {"0.1.2.3", "unspecified"},
        {"::", "unspecified"},
        {"::ffff:127.0.0.1", "loopback"},
        {"::ffff:169.254.169.254", "link-local"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        vr_addr a = addr(refused[i].ip);
        assert_int_equal(vr_probe(&r, NULL, &a, port, 2000, &err), 0);
        if (r.status != VR_PROBE_DENIED) fail_msg("%s: %s", refused[i].ip, r.detail);
        assert_string_equal(vr_probe_status_name(r.status), "denied");
        assert_false(r.redirected);
        assert_non_null(strstr(r.detail, "not probed: "));
        assert_non_null(strstr(r.detail, refused[i].range));
        assert_non_null(strstr(r.detail, "--probe-map"));
        assert_int_equal(r.latency_ms, 0);
    }
    vr_addr meta = addr("169.254.169.254");
    assert_int_equal(vr_probe(&r, NULL, &meta, 80, 2000, &err), 0);
    assert_non_null(strstr(r.detail, "169.254.169.254 is a link-local address"));
    /* nothing reached the listener: 127.0.0.1:port was refused, not connected to */
    struct pollfd p = {lfd, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 100), 0);

    /* the neighbours of those ranges are ordinary addresses (here: blocked by the test guard,
     * which comes after the range check) */
    const char *ordinary[] = {"169.253.255.255", "169.255.0.1", "223.255.255.255",
                              "240.0.0.1",       "1.0.0.0",     "126.255.255.255",
                              "fec0::1",         "2001:db8::1", "::ffff:203.0.113.9"};
    for (size_t i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++) {
        vr_addr a = addr(ordinary[i]);
        assert_int_equal(vr_probe(&r, NULL, &a, 443, 2000, &err), 0);
        if (r.status != VR_PROBE_BLOCKED) fail_msg("%s: %s", ordinary[i], r.detail);
    }

    /* a --probe-map entry is the operator's choice: it may send a refused address anywhere */
    vr_probe_map m = VR_PROBE_MAP_INIT;
    char entry[64];
    snprintf(entry, sizeof(entry), "169.254.169.254=127.0.0.1:%d", port);
    assert_int_equal(vr_probe_map_add(&m, entry, &err), 0);
    assert_int_equal(vr_probe(&r, &m, &meta, 80, 2000, &err), 0);
    assert_int_equal(r.status, VR_PROBE_REACHABLE);
    assert_true(r.redirected);
    vr_probe_map_free(&m);
    int cfd = accept(lfd, NULL, NULL);
    assert_true(cfd >= 0);
    close(cfd);
    close(lfd);
}

static void test_probe_map_redirects(void **state)
{
    (void)state;
    int port;
    int lfd = bound_socket(AF_INET, true, &port);
    vr_probe_map m = VR_PROBE_MAP_INIT;
    vr_error err = VR_ERROR_INIT;
    char entry[64];
    snprintf(entry, sizeof(entry), "203.0.113.10=127.0.0.1:%d", port);
    assert_int_equal(vr_probe_map_add(&m, entry, &err), 0);
    assert_int_equal(vr_probe_map_add(&m, "203.0.113.11=192.0.2.1:443", &err), 0);
    vr_probe_result r;
    vr_addr a = addr("203.0.113.10");
    assert_int_equal(vr_probe(&r, &m, &a, 443, 2000, &err), 0);
    assert_int_equal(r.status, VR_PROBE_REACHABLE);
    assert_true(r.redirected);
    /* the guard looks at where the probe would go, after the redirection */
    vr_addr b = addr("203.0.113.11");
    assert_int_equal(vr_probe(&r, &m, &b, 443, 2000, &err), 0);
    assert_int_equal(r.status, VR_PROBE_BLOCKED);
    /* not mapped: the address itself, blocked */
    vr_addr c = addr("203.0.113.12");
    assert_int_equal(vr_probe(&r, &m, &c, 443, 2000, &err), 0);
    assert_int_equal(r.status, VR_PROBE_BLOCKED);
    assert_false(r.redirected);
    vr_probe_map_free(&m);
    int cfd = accept(lfd, NULL, NULL);
    if (cfd >= 0) close(cfd);
    close(lfd);
}

static void test_probe_map_parsing(void **state)
{
    (void)state;
    vr_probe_redirect r;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_probe_redirect_parse(&r, "203.0.113.10=127.0.0.1:8443", &err), 0);
    assert_int_equal(r.port, 8443);
    assert_int_equal(r.host.family, VR_AF_V4);
    assert_int_equal(vr_probe_redirect_parse(&r, "2001:db8::1=[::1]:9", &err), 0);
    assert_int_equal(r.addr.family, VR_AF_V6);
    assert_int_equal(r.host.family, VR_AF_V6);
    assert_int_equal(r.port, 9);
    assert_int_equal(vr_probe_redirect_parse(&r, "[2001:db8::1]=127.0.0.1:65535", &err), 0);
    assert_int_equal(r.port, 65535);

    struct {
        const char *text, *want;
    } bad[] = {
        {"203.0.113.10", "no '='"},
        {"host.example=127.0.0.1:1", "is not an IP address"},
        {"203.0.113.10=localhost:80", "names are not resolved"},
        {"203.0.113.10=127.0.0.1", "no :PORT"},
        {"203.0.113.10=::1:80", "must be in brackets"},
        {"203.0.113.10=[::1]80", "followed by :PORT"},
        {"203.0.113.10=[127.0.0.1]:80", "is not an IP address"},
        {"203.0.113.10=127.0.0.1:0", "not 1..65535"},
        {"203.0.113.10=127.0.0.1:65536", "not 1..65535"},
        {"203.0.113.10=127.0.0.1:+80", "not 1..65535"},
        {"203.0.113.10=127.0.0.1:", "not 1..65535"},
        {"=127.0.0.1:80", "is not an IP address"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vr_error_clear(&err);
        assert_int_equal(vr_probe_redirect_parse(&r, bad[i].text, &err), -1);
        assert_string_equal(err.code, "probe_map.invalid");
        if (!strstr(err.message, bad[i].want)) fail_msg("%s: got \"%s\"", bad[i].text, err.message);
        assert_non_null(strstr(err.remedy, "ADDR=HOST:PORT"));
    }
    vr_probe_map m = VR_PROBE_MAP_INIT;
    assert_int_equal(vr_probe_map_add(&m, "2001:db8::1=[::1]:9", &err), 0);
    vr_error_clear(&err);
    /* the same address written differently is the same address */
    assert_int_equal(vr_probe_map_add(&m, "2001:db8:0::1=127.0.0.1:9", &err), -1);
    assert_non_null(strstr(err.message, "already mapped"));
    assert_int_equal(m.count, 1);
    vr_addr a = addr("2001:db8::1");
    assert_non_null(vr_probe_map_find(&m, &a));
    vr_probe_map_free(&m);
}

int main(void)
{
    /* safety first: no probe from this binary may leave the machine */
    setenv("VR_PROBE_LOOPBACK_ONLY", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reachable_and_no_data_sent),
        cmocka_unit_test(test_reachable_v6),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_guard_blocks_non_loopback),
        cmocka_unit_test(test_special_ranges_refused),
        cmocka_unit_test(test_probe_map_redirects),
        cmocka_unit_test(test_probe_map_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
