/* vr_addr: address and CIDR arithmetic over inet_pton/inet_ntop. */
#include "vr_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t addr_len(vr_af f)
{
    return f == VR_AF_V4 ? 4 : (f == VR_AF_V6 ? 16 : 0);
}

int vr_addr_parse(vr_addr *out, const char *text)
{
    memset(out, 0, sizeof(*out));
    if (!text || !*text || strlen(text) >= VR_ADDR_STRLEN) return -1;
    if (strchr(text, ':')) {
        if (inet_pton(AF_INET6, text, out->bytes) != 1) return -1;
        out->family = VR_AF_V6;
        return 0;
    }
    if (inet_pton(AF_INET, text, out->bytes) != 1) return -1;
    out->family = VR_AF_V4;
    return 0;
}

void vr_addr_format(const vr_addr *a, char *out)
{
    out[0] = '\0';
    if (a->family == VR_AF_V4)
        inet_ntop(AF_INET, a->bytes, out, VR_ADDR_STRLEN);
    else if (a->family == VR_AF_V6)
        inet_ntop(AF_INET6, a->bytes, out, VR_ADDR_STRLEN);
}

int vr_addr_cmp(const vr_addr *a, const vr_addr *b)
{
    if (a->family != b->family) return a->family < b->family ? -1 : 1;
    return memcmp(a->bytes, b->bytes, addr_len(a->family));
}

bool vr_addr_equal(const vr_addr *a, const vr_addr *b)
{
    return a->family != VR_AF_NONE && vr_addr_cmp(a, b) == 0;
}

bool vr_addr_is_loopback(const vr_addr *a)
{
    static const unsigned char v6_loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (a->family == VR_AF_V4) return a->bytes[0] == 127;
    if (a->family == VR_AF_V6) return memcmp(a->bytes, v6_loop, 16) == 0;
    return false;
}

const char *vr_addr_special_range(const vr_addr *a)
{
    const unsigned char *b = a->bytes;
    if (a->family == VR_AF_V4) {
        if (b[0] == 127) return "a loopback address (127.0.0.0/8)";
        if (b[0] == 169 && b[1] == 254)
            return "a link-local address (169.254.0.0/16, where cloud metadata services answer)";
        if ((b[0] & 0xf0) == 224) return "a multicast address (224.0.0.0/4)";
        if (b[0] == 0) return "an unspecified address (0.0.0.0/8)";
        return NULL;
    }
    if (a->family != VR_AF_V6) return NULL;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, mapped, 12) == 0) {
        /* ::ffff:a.b.c.d reaches a.b.c.d: judged as that IPv4 address */
        vr_addr v4 = {VR_AF_V4, {b[12], b[13], b[14], b[15]}};
        return vr_addr_special_range(&v4);
    }
    static const unsigned char zero[16] = {0};
    if (vr_addr_is_loopback(a)) return "a loopback address (::1)";
    if (memcmp(b, zero, 16) == 0) return "an unspecified address (::)";
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "a link-local address (fe80::/10)";
    if (b[0] == 0xff) return "a multicast address (ff00::/8)";
    return NULL;
}

int vr_cidr_parse(vr_cidr *out, const char *text)
{
    char buf[VR_ADDR_STRLEN];
    memset(out, 0, sizeof(*out));
    if (!text) return -1;
    const char *slash = strchr(text, '/');
    if (!slash || (size_t)(slash - text) >= sizeof(buf)) return -1;
    memcpy(buf, text, (size_t)(slash - text));
    buf[slash - text] = '\0';
    if (vr_addr_parse(&out->addr, buf) < 0) return -1;
    const char *p = slash + 1;
    size_t digits = strspn(p, "0123456789");
    if (digits == 0 || digits > 3 || p[digits] != '\0' || (digits > 1 && p[0] == '0')) return -1;
    int len = (int)strtol(p, NULL, 10);
    if (len > (int)addr_len(out->addr.family) * 8) return -1;
    out->prefix = len;
    return 0;
}

void vr_cidr_format(const vr_cidr *c, char *out)
{
    /* An address is at most 45 characters (INET6_ADDRSTRLEN - 1), so "/128" always fits. */
    char a[VR_ADDR_STRLEN];
    vr_addr_format(&c->addr, a);
    size_t n = strnlen(a, 46);
    memcpy(out, a, n);
    snprintf(out + n, VR_ADDR_STRLEN - 46, "/%d", c->prefix);
}

/* Sets (host=1) or clears (host=0) the bits after the prefix. */
static void mask_host(const vr_cidr *c, vr_addr *out, int host)
{
    *out = c->addr;
    size_t n = addr_len(c->addr.family);
    for (size_t i = 0; i < n; i++) {
        int bit0 = (int)i * 8;
        unsigned char keep;
        if (c->prefix >= bit0 + 8)
            keep = 0xff;
        else if (c->prefix <= bit0)
            keep = 0;
        else
            keep = (unsigned char)(0xff << (8 - (c->prefix - bit0)));
        out->bytes[i] = host ? (unsigned char)(out->bytes[i] | (unsigned char)~keep)
                             : (unsigned char)(out->bytes[i] & keep);
    }
}

void vr_cidr_network(const vr_cidr *c, vr_addr *out)
{
    mask_host(c, out, 0);
}

void vr_cidr_last(const vr_cidr *c, vr_addr *out)
{
    mask_host(c, out, 1);
}

bool vr_cidr_has_host_bits(const vr_cidr *c)
{
    vr_addr net;
    vr_cidr_network(c, &net);
    return vr_addr_cmp(&net, &c->addr) != 0;
}

void vr_cidr_canonical(const vr_cidr *c, vr_cidr *out)
{
    vr_addr net;
    vr_cidr_network(c, &net);
    out->addr = net;
    out->prefix = c->prefix;
}

bool vr_cidr_prefix_allowed(const vr_cidr *c)
{
    if (c->addr.family == VR_AF_V4) return c->prefix == 8 || c->prefix == 16 || c->prefix == 24;
    if (c->addr.family == VR_AF_V6) return c->prefix == 48 || c->prefix == 56 || c->prefix == 64;
    return false;
}

const char *vr_cidr_allowed_text(vr_af family)
{
    return family == VR_AF_V6 ? "48, 56 or 64" : "8, 16 or 24";
}

bool vr_cidr_contains(const vr_cidr *c, const vr_addr *a)
{
    if (c->addr.family == VR_AF_NONE || c->addr.family != a->family) return false;
    vr_cidr probe = {*a, c->prefix};
    vr_addr n1, n2;
    vr_cidr_network(c, &n1);
    vr_cidr_network(&probe, &n2);
    return vr_addr_cmp(&n1, &n2) == 0;
}

bool vr_cidr_overlaps(const vr_cidr *a, const vr_cidr *b)
{
    if (a->addr.family == VR_AF_NONE || a->addr.family != b->addr.family) return false;
    /* Two CIDR blocks overlap exactly when the shorter prefix contains the other's network. */
    const vr_cidr *wide = a->prefix <= b->prefix ? a : b;
    const vr_cidr *narrow = wide == a ? b : a;
    vr_addr n;
    vr_cidr_network(narrow, &n);
    return vr_cidr_contains(wide, &n);
}

/* A block by its first address and prefix (its last address is computed when needed): 32
 * bytes, so that the overlaps of 100,000 subnets take 3 MB, not 5. */
typedef struct {
    vr_addr first;
    unsigned char prefix;
    size_t index;
} span;

static void span_last(const span *s, vr_addr *out)
{
    vr_cidr c = {s->first, s->prefix};
    vr_cidr_last(&c, out);
}

static int span_cmp(const void *x, const void *y)
{
    const span *a = x, *b = y;
    int c = vr_addr_cmp(&a->first, &b->first);
    if (c) return c;
    /* wider first: from one first address, the shorter prefix reaches further */
    if (a->prefix != b->prefix) return a->prefix < b->prefix ? -1 : 1;
    return a->index < b->index ? -1 : (a->index > b->index);
}

int vr_cidr_find_overlaps(vr_overlap **out, size_t *out_count, const vr_cidr *blocks, size_t n)
{
    *out = NULL;
    *out_count = 0;
    if (n < 2) return 0;
    span *s = malloc(n * sizeof(*s));
    if (!s) return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (blocks[i].addr.family == VR_AF_NONE) continue;
        vr_cidr_network(&blocks[i], &s[m].first);
        s[m].prefix = (unsigned char)blocks[i].prefix;
        s[m].index = i;
        m++;
    }
    qsort(s, m, sizeof(*s), span_cmp);
    vr_overlap *res = NULL;
    size_t count = 0, cap = 0;
    size_t reach = 0; /* the span, so far, whose last address is highest */
    vr_addr reach_last, last;
    if (m) span_last(&s[0], &reach_last);
    for (size_t k = 1; k < m; k++) {
        const span *r = &s[reach];
        if (r->first.family == s[k].first.family && vr_addr_cmp(&s[k].first, &reach_last) <= 0) {
            if (count == cap) {
                cap = cap ? cap * 2 : 8;
                vr_overlap *grown = realloc(res, cap * sizeof(*res));
                if (!grown) {
                    free(res);
                    free(s);
                    return -1;
                }
                res = grown;
            }
            size_t a = r->index, b = s[k].index;
            res[count].a = a < b ? a : b;
            res[count].b = a < b ? b : a;
            count++;
        }
        span_last(&s[k], &last);
        if (r->first.family != s[k].first.family || vr_addr_cmp(&last, &reach_last) > 0) {
            reach = k;
            reach_last = last;
        }
    }
    free(s);
    *out = res;
    *out_count = count;
    return 0;
}
