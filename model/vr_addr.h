/* vr_addr: IPv4/IPv6 addresses and CIDR blocks, compared as addresses, never as strings. */
#ifndef VR_ADDR_H
#define VR_ADDR_H

#include <stdbool.h>
#include <stddef.h>

/* Large enough for any canonical IPv6 text plus "/128" and the NUL. */
#define VR_ADDR_STRLEN 64

/* An address. family is a vr_af (VR_AF_V4 or VR_AF_V6, VR_AF_NONE when unset); bytes holds 4
 * or 16 bytes in network order. 17 bytes, byte-aligned: interfaces hold several of them, and a
 * listing of 100,000 interfaces holds them all (an enum member would make it 20 bytes). */
typedef enum { VR_AF_NONE = 0, VR_AF_V4 = 4, VR_AF_V6 = 6 } vr_af;

typedef struct {
    unsigned char family; /* a vr_af */
    unsigned char bytes[16];
} vr_addr;

/* A CIDR block as written: addr may have host bits set (see vr_cidr_has_host_bits). */
typedef struct {
    vr_addr addr;
    int prefix;
} vr_cidr;

/* Parses a dotted-quad or IPv6 text with inet_pton (no zone ids, no whitespace).
 * Returns 0, or -1 when text is not an address. */
int vr_addr_parse(vr_addr *out, const char *text);

/* Writes the canonical text (RFC 5952 for IPv6) into out (VR_ADDR_STRLEN bytes). */
void vr_addr_format(const vr_addr *a, char *out);

/* Total order: IPv4 before IPv6, then by bytes. Returns <0, 0, >0. */
int vr_addr_cmp(const vr_addr *a, const vr_addr *b);
bool vr_addr_equal(const vr_addr *a, const vr_addr *b);

/* True for 127.0.0.0/8 and ::1. */
bool vr_addr_is_loopback(const vr_addr *a);

/* When a is in a range no gateway lives in and that a probe must never reach on its own
 * (loopback 127.0.0.0/8 and ::1; link-local 169.254.0.0/16, cloud metadata services
 * included, and fe80::/10; multicast 224.0.0.0/4 and ff00::/8; unspecified 0.0.0.0/8 and ::;
 * an IPv4-mapped IPv6 address as its IPv4 address): a static description such as
 * "a link-local address (169.254.0.0/16, ...)". NULL for any other address. */
const char *vr_addr_special_range(const vr_addr *a);

/* Parses "ADDR/LEN" (LEN decimal, 0..32 or 0..128, no sign, no leading zeros beyond "0").
 * Returns 0, or -1 on a syntax error. Host bits are allowed here; check them separately. */
int vr_cidr_parse(vr_cidr *out, const char *text);

/* Writes "ADDR/LEN" canonically into out (VR_ADDR_STRLEN bytes). */
void vr_cidr_format(const vr_cidr *c, char *out);

/* First address of the block (host bits cleared). */
void vr_cidr_network(const vr_cidr *c, vr_addr *out);
/* Last address of the block (host bits set): the IPv4 broadcast address. */
void vr_cidr_last(const vr_cidr *c, vr_addr *out);
bool vr_cidr_has_host_bits(const vr_cidr *c);
/* The same block with host bits cleared. */
void vr_cidr_canonical(const vr_cidr *c, vr_cidr *out);

/* The platform's allowed prefixes: IPv4 8, 16, 24; IPv6 48, 56, 64. */
bool vr_cidr_prefix_allowed(const vr_cidr *c);
/* "8, 16 or 24" / "48, 56 or 64" for messages. */
const char *vr_cidr_allowed_text(vr_af family);

bool vr_cidr_contains(const vr_cidr *c, const vr_addr *a);
bool vr_cidr_overlaps(const vr_cidr *a, const vr_cidr *b);

/* One overlap found by vr_cidr_find_overlaps: blocks[a] and blocks[b] overlap, a < b. */
typedef struct {
    size_t a, b;
} vr_overlap;

/* Finds overlapping blocks among n in O(n log n) by sorting and sweeping.
 * Every block that overlaps an earlier one (in address order) is reported once, paired
 * with a block it overlaps. *out is malloc'd (free() it), *out_count set; NULL when none.
 * Returns 0, or -1 when out of memory. */
int vr_cidr_find_overlaps(vr_overlap **out, size_t *out_count, const vr_cidr *blocks, size_t n);

#endif
