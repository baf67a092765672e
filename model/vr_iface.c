/* vr_iface: interface vocabulary, field rules, comparison and JSON codecs. */
#include "vr_iface.h"
#include "vr_errcode.h"
#include "vr_util.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- strings: one block per interface ---- */

/* The string members, by offset. */
#define DNS_AT(i) (offsetof(vr_iface, dns) + (i) * sizeof(char *))
static const size_t str_members[] = {
    offsetof(vr_iface, name),
    offsetof(vr_iface, org_id),
    offsetof(vr_iface, type),
    offsetof(vr_iface, local_ip),
    offsetof(vr_iface, remote_ip),
    offsetof(vr_iface, subnet_cidr),
    DNS_AT(0),
    DNS_AT(1),
    DNS_AT(2),
    DNS_AT(3),
    DNS_AT(4),
    offsetof(vr_iface, routing_table_id),
    offsetof(vr_iface, description),
    offsetof(vr_iface, id),
    offsetof(vr_iface, state),
    offsetof(vr_iface, date_created),
};
#undef DNS_AT
#define STR_MEMBERS (sizeof(str_members) / sizeof(str_members[0]))
_Static_assert(VR_DNS_MAX + 1 == 5, "str_members lists dns[0..4]");

static char **member_at(vr_iface *f, size_t k)
{
    return (char **)(void *)((char *)f + str_members[k]);
}

static const char *member_of(const vr_iface *f, size_t k)
{
    return *(char *const *)(const void *)((const char *)f + str_members[k]);
}

static bool in_block(const vr_iface *f, const char *p)
{
    if (!f->strs || !p) return false;
    uintptr_t at = (uintptr_t)p, start = (uintptr_t)f->strs;
    return at >= start && at < start + f->strs_size;
}

/* Points dst's string members into one new block holding copies of src's (dst may be src). */
static void pack_into(vr_iface *dst, const vr_iface *src)
{
    size_t size = 0;
    for (size_t k = 0; k < STR_MEMBERS; k++) {
        const char *v = member_of(src, k);
        if (v) size += strlen(v) + 1;
    }
    char *block = size ? vr_xmalloc(size) : NULL;
    size_t at = 0;
    char *to[STR_MEMBERS];
    for (size_t k = 0; k < STR_MEMBERS; k++) {
        const char *v = member_of(src, k);
        to[k] = NULL;
        if (!v) continue;
        size_t n = strlen(v) + 1;
        memcpy(block + at, v, n);
        to[k] = block + at;
        at += n;
    }
    for (size_t k = 0; k < STR_MEMBERS; k++)
        *member_at(dst, k) = to[k];
    dst->strs = block;
    dst->strs_size = (uint32_t)size;
}

/* Frees the strings of f of their own (not those in its block). */
static void free_loose(vr_iface *f)
{
    for (size_t k = 0; k < STR_MEMBERS; k++) {
        char **m = member_at(f, k);
        if (*m && !in_block(f, *m)) free(*m);
        *m = NULL;
    }
}

void vr_iface_clear(vr_iface *f)
{
    free_loose(f);
    free(f->strs);
    memset(f, 0, sizeof(*f));
}

void vr_iface_copy(vr_iface *out, const vr_iface *src)
{
    *out = *src;
    pack_into(out, src);
}

/* Moves every string of f into one new block (freeing the strings of their own and the old
 * block). */
static void pack(vr_iface *f)
{
    vr_iface old = *f;
    pack_into(f, &old);
    free_loose(&old);
    free(old.strs);
}

void vr_iface_set_str(vr_iface *f, char **member, const char *value)
{
    char *copy = value ? vr_strdup(value) : NULL;
    if (*member && !in_block(f, *member)) free(*member);
    *member = copy;
    pack(f);
}

vr_addr vr_iface_dns_addr(const vr_iface *f, size_t i)
{
    vr_addr a;
    if (i >= f->dns_count || i >= VR_DNS_MAX + 1 || vr_addr_parse(&a, f->dns[i]) < 0)
        memset(&a, 0, sizeof(a));
    return a;
}

vr_loc vr_iface_loc(const vr_iface *f, vr_pos pos)
{
    vr_loc l = {pos.line ? f->locs.file : NULL, pos.line, pos.column};
    return l;
}

/* True when s is 1..max of [A-Za-z0-9._-]. */
static bool plain_text(const char *s, size_t max)
{
    if (!s) return false;
    size_t n = strlen(s);
    if (n < 1 || n > max) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool vr_name_valid(const char *name)
{
    return plain_text(name, VR_NAME_MAX);
}

bool vr_id_valid(const char *id)
{
    return plain_text(id, VR_ID_MAX) && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

size_t vr_utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) n++;
    return n;
}

static void report(vr_field_error_fn cb, void *ctx, int *bad, const char *field, int index,
                   const char *code, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void report(vr_field_error_fn cb, void *ctx, int *bad, const char *field, int index,
                   const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(msg)) {
        /* cut at a character, not inside one: messages end up in JSON, which is UTF-8 */
        size_t end = sizeof(msg) - 1;
        size_t lead = end;
        while (lead > 0 && ((unsigned char)msg[lead - 1] & 0xc0) == 0x80)
            lead--;
        if (lead > 0 && (unsigned char)msg[lead - 1] >= 0xc0) {
            unsigned char c = (unsigned char)msg[lead - 1];
            size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            if (end - (lead - 1) < want) msg[lead - 1] = '\0';
        }
    }
    (*bad)++;
    if (cb) cb(ctx, field, index, code, msg);
}

static int check_addr(vr_addr *out, const char *text, const char *field, vr_field_error_fn cb,
                      void *ctx, int *bad)
{
    memset(out, 0, sizeof(*out));
    if (!text) {
        report(cb, ctx, bad, field, -1, "required", "%s is required", field);
        return -1;
    }
    if (vr_addr_parse(out, text) < 0) {
        report(cb, ctx, bad, field, -1, "invalid.format", "%s '%s' is not an IPv4 or IPv6 address",
               field, text);
        return -1;
    }
    return 0;
}

static void check_local_in_subnet(vr_iface *f, vr_field_error_fn cb, void *ctx, int *bad)
{
    /* The subnet's canonical text goes only into messages: formatted on the error path alone
     * (validating 100,000 interfaces should not print 100,000 subnets). */
    vr_addr first, last;
    vr_cidr_network(&f->subnet, &first);
    vr_cidr_last(&f->subnet, &last);
    const char *why = NULL;
    if (!vr_cidr_contains(&f->subnet, &f->local))
        why = "outside";
    else if (vr_addr_equal(&first, &f->local))
        why = "network";
    else if (f->local.family == VR_AF_V4 && vr_addr_equal(&last, &f->local))
        why = "broadcast";
    if (!why) return;
    char sub[VR_ADDR_STRLEN];
    vr_cidr canon;
    vr_cidr_canonical(&f->subnet, &canon);
    vr_cidr_format(&canon, sub);
    if (why[0] == 'o')
        report(cb, ctx, bad, "localIp", -1, "out.of.range", "localIp %s is outside subnetCidr %s",
               f->local_ip, sub);
    else
        report(cb, ctx, bad, "localIp", -1, "invalid.value",
               "localIp %s is the %s address of %s; use a host address inside it", f->local_ip, why,
               sub);
}

int vr_iface_validate(vr_iface *f, vr_field_error_fn cb, void *ctx)
{
    int bad = 0;
    if (!f->name)
        report(cb, ctx, &bad, "name", -1, "required", "name is required");
    else if (!vr_name_valid(f->name))
        report(cb, ctx, &bad, "name", -1, "invalid.value",
               "name '%s' must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'", f->name);

    if (!f->type)
        report(cb, ctx, &bad, "type", -1, "required", "type is required (ipconnect)");
    else if (strcmp(f->type, "ipconnect") != 0)
        report(cb, ctx, &bad, "type", -1, "invalid.value",
               "type '%s' is not supported; the only type is ipconnect", f->type);

    int local_ok = check_addr(&f->local, f->local_ip, "localIp", cb, ctx, &bad) == 0;
    check_addr(&f->remote, f->remote_ip, "remoteIp", cb, ctx, &bad);

    bool subnet_ok = false;
    memset(&f->subnet, 0, sizeof(f->subnet));
    if (!f->subnet_cidr) {
        report(cb, ctx, &bad, "subnetCidr", -1, "required", "subnetCidr is required");
    } else if (vr_cidr_parse(&f->subnet, f->subnet_cidr) < 0) {
        report(cb, ctx, &bad, "subnetCidr", -1, "invalid.format",
               "subnetCidr '%s' is not a CIDR block (ADDRESS/PREFIX)", f->subnet_cidr);
        memset(&f->subnet, 0, sizeof(f->subnet));
    } else if (vr_cidr_has_host_bits(&f->subnet)) {
        char want[VR_ADDR_STRLEN];
        vr_cidr canon;
        vr_cidr_canonical(&f->subnet, &canon);
        vr_cidr_format(&canon, want);
        report(cb, ctx, &bad, "subnetCidr", -1, "invalid.value",
               "subnetCidr %s has host bits set; did you mean %s?", f->subnet_cidr, want);
        if (!vr_cidr_prefix_allowed(&f->subnet))
            report(cb, ctx, &bad, "subnetCidr", -1, "invalid.value",
                   "subnetCidr %s has prefix length /%d; allowed are %s", f->subnet_cidr,
                   f->subnet.prefix, vr_cidr_allowed_text(f->subnet.addr.family));
        /* Keep the parsed block so later cross-checks still see it. */
        subnet_ok = true;
    } else if (!vr_cidr_prefix_allowed(&f->subnet)) {
        report(cb, ctx, &bad, "subnetCidr", -1, "invalid.value",
               "subnetCidr %s has prefix length /%d; allowed are %s", f->subnet_cidr,
               f->subnet.prefix, vr_cidr_allowed_text(f->subnet.addr.family));
        subnet_ok = true;
    } else {
        subnet_ok = true;
    }
    if (local_ok && subnet_ok) check_local_in_subnet(f, cb, ctx, &bad);

    if (f->dns_count == 0) {
        report(cb, ctx, &bad, "dnsServers", -1, "required",
               "dnsServers must list 1 to %d addresses; it is empty", VR_DNS_MAX);
    } else if (f->dns_count > VR_DNS_MAX) {
        report(cb, ctx, &bad, "dnsServers", -1, "out.of.range",
               "dnsServers lists more than %d addresses; the platform takes at most %d", VR_DNS_MAX,
               VR_DNS_MAX);
    }
    for (size_t i = 0; i < f->dns_count && i < VR_DNS_MAX + 1; i++) {
        vr_addr a;
        if (!f->dns[i] || vr_addr_parse(&a, f->dns[i]) < 0)
            report(cb, ctx, &bad, "dnsServers", (int)i, "invalid.format",
                   "dnsServers[%zu] '%s' is not an IPv4 or IPv6 address", i,
                   f->dns[i] ? f->dns[i] : "");
    }

    if (!f->routing_table_id || !*f->routing_table_id)
        report(cb, ctx, &bad, "routingTableId", -1, "required", "routingTableId is required");

    if (f->description && vr_utf8_length(f->description) > VR_DESCRIPTION_MAX)
        report(cb, ctx, &bad, "description", -1, "too.long",
               "description is %zu characters; the platform takes at most %d",
               vr_utf8_length(f->description), VR_DESCRIPTION_MAX);
    return bad;
}

static bool addr_text_equal(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    vr_addr x, y;
    if (vr_addr_parse(&x, a) == 0 && vr_addr_parse(&y, b) == 0) return vr_addr_equal(&x, &y);
    return strcmp(a, b) == 0;
}

static bool cidr_text_equal(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    vr_cidr x, y;
    if (vr_cidr_parse(&x, a) == 0 && vr_cidr_parse(&y, b) == 0)
        return x.prefix == y.prefix && vr_addr_equal(&x.addr, &y.addr);
    return strcmp(a, b) == 0;
}

static bool str_equal(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static char *dns_join(const vr_iface *f)
{
    vr_buf b = VR_BUF_INIT;
    vr_buf_puts(&b, "[");
    for (size_t i = 0; i < f->dns_count && i < VR_DNS_MAX + 1; i++)
        vr_buf_printf(&b, "%s%s", i ? ", " : "", f->dns[i] ? f->dns[i] : "");
    vr_buf_puts(&b, "]");
    return vr_buf_detach(&b);
}

int vr_iface_compare(const vr_iface *want, const vr_iface *live, vr_field_diff_fn cb, void *ctx)
{
    int n = 0;
#define DIFF(field, w, h)                                                                          \
    do {                                                                                           \
        n++;                                                                                       \
        if (cb) cb(ctx, field, (w) ? (w) : "", (h) ? (h) : "");                                    \
    } while (0)
    if (!str_equal(want->type, live->type)) DIFF("type", want->type, live->type);
    if (!addr_text_equal(want->local_ip, live->local_ip))
        DIFF("localIp", want->local_ip, live->local_ip);
    if (!addr_text_equal(want->remote_ip, live->remote_ip))
        DIFF("remoteIp", want->remote_ip, live->remote_ip);
    if (!cidr_text_equal(want->subnet_cidr, live->subnet_cidr))
        DIFF("subnetCidr", want->subnet_cidr, live->subnet_cidr);
    bool dns_same = want->dns_count == live->dns_count;
    for (size_t i = 0; dns_same && i < want->dns_count && i < VR_DNS_MAX + 1; i++)
        dns_same = addr_text_equal(want->dns[i], live->dns[i]);
    if (!dns_same) {
        char *w = dns_join(want), *h = dns_join(live);
        DIFF("dnsServers", w, h);
        free(w);
        free(h);
    }
    if (!str_equal(want->routing_table_id, live->routing_table_id))
        DIFF("routingTableId", want->routing_table_id, live->routing_table_id);
    if (!str_equal(want->description, live->description))
        DIFF("description", want->description, live->description);
#undef DIFF
    return n;
}

static void add_str(cJSON *o, const char *key, const char *v)
{
    if (v) cJSON_AddStringToObject(o, key, v);
}

cJSON *vr_iface_payload_json(const vr_iface *f)
{
    cJSON *o = cJSON_CreateObject();
    add_str(o, "name", f->name);
    add_str(o, "organizationId", f->org_id);
    add_str(o, "type", f->type);
    add_str(o, "localIp", f->local_ip);
    add_str(o, "remoteIp", f->remote_ip);
    add_str(o, "subnetCidr", f->subnet_cidr);
    cJSON *dns = cJSON_AddArrayToObject(o, "dnsServers");
    for (size_t i = 0; i < f->dns_count && i < VR_DNS_MAX + 1; i++)
        cJSON_AddItemToArray(dns, cJSON_CreateString(f->dns[i] ? f->dns[i] : ""));
    add_str(o, "routingTableId", f->routing_table_id);
    add_str(o, "description", f->description);
    return o;
}

cJSON *vr_iface_connection_json(const vr_iface *f)
{
    cJSON *o = cJSON_CreateObject();
    add_str(o, "id", f->id);
    cJSON *p = vr_iface_payload_json(f);
    cJSON *item = p->child;
    while (item) {
        cJSON *next = item->next;
        cJSON_AddItemToObject(o, item->string, cJSON_DetachItemViaPointer(p, item));
        item = next;
    }
    cJSON_Delete(p);
    add_str(o, "state", f->state);
    add_str(o, "dateCreated", f->date_created);
    if (f->id) {
        char uri[512];
        snprintf(uri, sizeof(uri), "/api/v2/organization/privateconnectivity/connections/%s",
                 f->id);
        cJSON_AddStringToObject(o, "selfUri", uri);
    }
    return o;
}

static char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

int vr_iface_from_json(vr_iface *out, const cJSON *obj, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(obj)) {
        vr_error_set(err, VR_ERR_BAD_RESPONSE, "connection is not a JSON object");
        return -1;
    }
    /* The texts are borrowed from obj here, then copied into one block. */
    vr_iface f;
    memset(&f, 0, sizeof(f));
    f.id = json_str(obj, "id");
    f.name = json_str(obj, "name");
    if (!f.id || !f.name) {
        vr_error_set(err, VR_ERR_BAD_RESPONSE, "connection lacks a string %s",
                     f.id ? "name" : "id");
        return -1;
    }
    f.org_id = json_str(obj, "organizationId");
    f.type = json_str(obj, "type");
    f.local_ip = json_str(obj, "localIp");
    f.remote_ip = json_str(obj, "remoteIp");
    f.subnet_cidr = json_str(obj, "subnetCidr");
    f.routing_table_id = json_str(obj, "routingTableId");
    f.description = json_str(obj, "description");
    f.state = json_str(obj, "state");
    f.date_created = json_str(obj, "dateCreated");
    const cJSON *dns = cJSON_GetObjectItemCaseSensitive(obj, "dnsServers");
    const cJSON *d;
    cJSON_ArrayForEach(d, dns)
    {
        if (f.dns_count >= VR_DNS_MAX + 1) break;
        if (cJSON_IsString(d) && d->valuestring) f.dns[f.dns_count++] = d->valuestring;
    }
    if (f.local_ip) vr_addr_parse(&f.local, f.local_ip);
    if (f.remote_ip) vr_addr_parse(&f.remote, f.remote_ip);
    if (f.subnet_cidr && vr_cidr_parse(&f.subnet, f.subnet_cidr) < 0)
        memset(&f.subnet, 0, sizeof(f.subnet));
    vr_iface_copy(out, &f);
    return 0;
}

vr_org *vr_inventory_find_org(const vr_inventory *inv, const char *id)
{
    for (size_t i = 0; i < inv->org_count; i++)
        if (strcmp(inv->orgs[i].id, id) == 0) return &inv->orgs[i];
    return NULL;
}

vr_org *vr_inventory_add_org(vr_inventory *inv, const char *id)
{
    vr_org *o = vr_inventory_find_org(inv, id);
    if (o) return o;
    inv->orgs = vr_xrealloc(inv->orgs, (inv->org_count + 1) * sizeof(*inv->orgs));
    o = &inv->orgs[inv->org_count++];
    memset(o, 0, sizeof(*o));
    o->id = vr_strdup(id);
    return o;
}

vr_iface *vr_org_take_iface(vr_org *org, vr_iface *f)
{
    if (org->count == org->cap) {
        org->cap = org->cap ? org->cap * 2 : 16;
        org->ifaces = vr_xrealloc(org->ifaces, org->cap * sizeof(*org->ifaces));
    }
    vr_iface *dst = &org->ifaces[org->count++];
    *dst = *f;
    memset(f, 0, sizeof(*f));
    return dst;
}

void vr_org_drop_ifaces(vr_org *org)
{
    for (size_t j = 0; j < org->count; j++) {
        if (org->ifaces[j].org_id == org->id) org->ifaces[j].org_id = NULL; /* the org's own */
        vr_iface_clear(&org->ifaces[j]);
    }
    free(org->ifaces);
    org->ifaces = NULL;
    org->count = org->cap = 0;
}

void vr_inventory_free(vr_inventory *inv)
{
    for (size_t i = 0; i < inv->org_count; i++) {
        vr_org *o = &inv->orgs[i];
        vr_org_drop_ifaces(o);
        for (size_t j = 0; j < o->ignore_count; j++) {
            free(o->ignores[j].name);
            free(o->ignores[j].field);
        }
        free(o->ignores);
        free(o->id);
        free(o->region);
        free(o->managed_prefix);
    }
    free(inv->orgs);
    for (size_t i = 0; i < inv->source_count; i++)
        free(inv->sources[i].path);
    free(inv->sources);
    memset(inv, 0, sizeof(*inv));
}

bool vr_org_ignores(const vr_org *org, const char *name, const char *field)
{
    for (size_t i = 0; i < org->ignore_count; i++) {
        const vr_ignore *g = &org->ignores[i];
        if (g->name && strcmp(g->name, name) != 0) continue;
        if (!g->field) return true;
        if (field && strcmp(g->field, field) == 0) return true;
    }
    return false;
}
