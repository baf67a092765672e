/* vr_checks: per-organization conflict checks, each O(n log n) by sorting and searching. */
#include "vr_checks.h"
#include "vr_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Which field of an interface a message points at. */
typedef enum { AT_LOCAL, AT_REMOTE, AT_SUBNET } at_field;

static vr_loc field_loc(const vr_iface *f, at_field at)
{
    vr_pos p = at == AT_LOCAL    ? f->locs.local_ip
               : at == AT_REMOTE ? f->locs.remote_ip
                                 : f->locs.subnet_cidr;
    return vr_iface_loc(f, p.line ? p : f->locs.item);
}

/* "FILE:LINE" of a desired interface's field, or "live connection ID". */
static void describe(const vr_check_item *it, at_field at, char *out, size_t len)
{
    if (it->live) {
        snprintf(out, len, "live connection %s", it->iface->id ? it->iface->id : "(no id)");
        return;
    }
    vr_loc l = field_loc(it->iface, at);
    snprintf(out, len, "%s:%d", l.file ? l.file : "?", l.line);
}

static const char *name_of(const vr_iface *f)
{
    return f->name ? f->name : "(unnamed)";
}

typedef struct {
    vr_addr addr;
    size_t index;
} addr_ref;

static int addr_ref_cmp(const void *x, const void *y)
{
    const addr_ref *a = x, *b = y;
    int c = vr_addr_cmp(&a->addr, &b->addr);
    if (c) return c;
    return a->index < b->index ? -1 : (a->index > b->index);
}

/* Of a pair, the one to locate the message at: a desired one, the later when both are. */
static bool locate_at_second(const vr_check_item *first, const vr_check_item *second)
{
    return !second->live || first->live;
}

static size_t check_duplicate_local(const vr_check_item *items, const addr_ref *locals, size_t nl,
                                    vr_diags *diags)
{
    size_t errors = 0;
    size_t first = 0;
    for (size_t k = 1; k < nl; k++) {
        if (vr_addr_cmp(&locals[k].addr, &locals[first].addr) != 0) {
            first = k;
            continue;
        }
        const vr_check_item *a = &items[locals[first].index], *b = &items[locals[k].index];
        if (a->live && b->live) continue;
        const vr_check_item *at = locate_at_second(a, b) ? b : a, *other = at == b ? a : b;
        char where[512];
        describe(other, AT_LOCAL, where, sizeof(where));
        vr_loc l = field_loc(at->iface, AT_LOCAL);
        vr_diags_add(diags, VR_SEV_ERROR, &l, "duplicate-ip",
                     "localIp %s of '%s' is also the localIp of '%s' (%s)", at->iface->local_ip,
                     name_of(at->iface), name_of(other->iface), where);
        errors++;
    }
    return errors;
}

/* First index in the sorted locals whose address is not below a. */
static size_t lower_bound(const addr_ref *locals, size_t nl, const vr_addr *a)
{
    size_t lo = 0, hi = nl;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vr_addr_cmp(&locals[mid].addr, a) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t check_local_is_remote(const vr_check_item *items, size_t n, const addr_ref *locals,
                                    size_t nl, vr_diags *diags)
{
    size_t errors = 0;
    for (size_t i = 0; i < n; i++) {
        const vr_iface *rf = items[i].iface;
        if (rf->remote.family == VR_AF_NONE) continue;
        for (size_t k = lower_bound(locals, nl, &rf->remote);
             k < nl && vr_addr_equal(&locals[k].addr, &rf->remote); k++) {
            size_t j = locals[k].index;
            if (j == i || (items[i].live && items[j].live)) continue;
            const vr_iface *lf = items[j].iface;
            char where[512];
            vr_loc l;
            /* Locate at the local address when its holder is desired, else at the remote. */
            if (!items[j].live) {
                describe(&items[i], AT_REMOTE, where, sizeof(where));
                l = field_loc(lf, AT_LOCAL);
                vr_diags_add(diags, VR_SEV_ERROR, &l, "ip-allocated",
                             "localIp %s of '%s' is the remoteIp of '%s' (%s)", lf->local_ip,
                             name_of(lf), name_of(rf), where);
            } else {
                describe(&items[j], AT_LOCAL, where, sizeof(where));
                l = field_loc(rf, AT_REMOTE);
                vr_diags_add(diags, VR_SEV_ERROR, &l, "ip-allocated",
                             "remoteIp %s of '%s' is the localIp of '%s' (%s)", rf->remote_ip,
                             name_of(rf), name_of(lf), where);
            }
            errors++;
        }
    }
    return errors;
}

static size_t check_overlaps(const vr_check_item *items, size_t n, vr_diags *diags)
{
    vr_cidr *blocks = vr_xmalloc((n ? n : 1) * sizeof(*blocks));
    for (size_t i = 0; i < n; i++)
        blocks[i] = items[i].iface->subnet;
    vr_overlap *ov = NULL;
    size_t nov = 0;
    size_t errors = 0;
    if (vr_cidr_find_overlaps(&ov, &nov, blocks, n) < 0) {
        vr_diags_add(diags, VR_SEV_ERROR, NULL, "out-of-memory",
                     "out of memory while checking subnets for overlaps");
        free(blocks);
        return 1;
    }
    for (size_t k = 0; k < nov; k++) {
        const vr_check_item *a = &items[ov[k].a], *b = &items[ov[k].b];
        if (a->live && b->live) continue;
        const vr_check_item *at = locate_at_second(a, b) ? b : a, *other = at == b ? a : b;
        char where[512];
        describe(other, AT_SUBNET, where, sizeof(where));
        vr_loc l = field_loc(at->iface, AT_SUBNET);
        vr_diags_add(diags, VR_SEV_ERROR, &l, "subnet-overlap",
                     "subnetCidr %s of '%s' overlaps subnetCidr %s of '%s' (%s)",
                     at->iface->subnet_cidr, name_of(at->iface), other->iface->subnet_cidr,
                     name_of(other->iface), where);
        errors++;
    }
    free(ov);
    free(blocks);
    return errors;
}

typedef struct {
    vr_addr network;
    int prefix;
    size_t index;
} subnet_ref;

static int subnet_ref_cmp(const void *x, const void *y)
{
    const subnet_ref *a = x, *b = y;
    if (a->network.family != b->network.family)
        return a->network.family < b->network.family ? -1 : 1;
    if (a->prefix != b->prefix) return a->prefix < b->prefix ? -1 : 1;
    int c = vr_addr_cmp(&a->network, &b->network);
    if (c) return c;
    return a->index < b->index ? -1 : (a->index > b->index);
}

/* remoteIp inside a managed subnet: the subnets sorted by (family, prefix, network); for each
 * remote address and each prefix length present, its network at that length is searched. */
static size_t check_remote_in_subnet(const vr_check_item *items, size_t n, vr_diags *diags)
{
    subnet_ref *subs = vr_xmalloc((n ? n : 1) * sizeof(*subs));
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        const vr_cidr *c = &items[i].iface->subnet;
        if (c->addr.family == VR_AF_NONE) continue;
        vr_cidr_network(c, &subs[ns].network);
        subs[ns].prefix = c->prefix;
        subs[ns].index = i;
        ns++;
    }
    qsort(subs, ns, sizeof(*subs), subnet_ref_cmp);
    /* groups of one (family, prefix): start offsets */
    size_t *groups = vr_xmalloc((ns + 1) * sizeof(*groups));
    size_t ng = 0;
    for (size_t k = 0; k < ns; k++)
        if (k == 0 || subs[k].prefix != subs[k - 1].prefix ||
            subs[k].network.family != subs[k - 1].network.family)
            groups[ng++] = k;
    groups[ng] = ns;
    size_t errors = 0;
    for (size_t i = 0; i < n; i++) {
        const vr_iface *rf = items[i].iface;
        if (rf->remote.family == VR_AF_NONE) continue;
        for (size_t g = 0; g < ng; g++) {
            const subnet_ref *lo_ref = &subs[groups[g]];
            if (lo_ref->network.family != rf->remote.family) continue;
            vr_cidr probe = {rf->remote, lo_ref->prefix};
            vr_addr net;
            vr_cidr_network(&probe, &net);
            size_t lo = groups[g], hi = groups[g + 1];
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (vr_addr_cmp(&subs[mid].network, &net) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (; lo < groups[g + 1] && vr_addr_cmp(&subs[lo].network, &net) == 0; lo++) {
                size_t j = subs[lo].index;
                if (items[i].live && items[j].live) continue;
                const vr_iface *sf = items[j].iface;
                char where[512];
                vr_loc l;
                if (j == i) {
                    l = field_loc(rf, AT_REMOTE);
                    vr_diags_add(diags, VR_SEV_ERROR, &l, "remote-in-subnet",
                                 "remoteIp %s of '%s' is inside its own subnetCidr %s; the "
                                 "remote address must be outside the managed subnets",
                                 rf->remote_ip, name_of(rf), sf->subnet_cidr);
                } else if (!items[i].live) {
                    describe(&items[j], AT_SUBNET, where, sizeof(where));
                    l = field_loc(rf, AT_REMOTE);
                    vr_diags_add(diags, VR_SEV_ERROR, &l, "remote-in-subnet",
                                 "remoteIp %s of '%s' is inside subnetCidr %s of '%s' (%s)",
                                 rf->remote_ip, name_of(rf), sf->subnet_cidr, name_of(sf), where);
                } else {
                    describe(&items[i], AT_REMOTE, where, sizeof(where));
                    l = field_loc(sf, AT_SUBNET);
                    vr_diags_add(diags, VR_SEV_ERROR, &l, "remote-in-subnet",
                                 "subnetCidr %s of '%s' contains the remoteIp %s of '%s' (%s)",
                                 sf->subnet_cidr, name_of(sf), rf->remote_ip, name_of(rf), where);
                }
                errors++;
            }
        }
    }
    free(groups);
    free(subs);
    return errors;
}

size_t vr_checks_conflicts(const vr_check_item *items, size_t n, vr_diags *diags)
{
    addr_ref *locals = vr_xmalloc((n ? n : 1) * sizeof(*locals));
    size_t nl = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].iface->local.family == VR_AF_NONE) continue;
        locals[nl].addr = items[i].iface->local;
        locals[nl].index = i;
        nl++;
    }
    qsort(locals, nl, sizeof(*locals), addr_ref_cmp);
    size_t errors = check_duplicate_local(items, locals, nl, diags);
    errors += check_local_is_remote(items, n, locals, nl, diags);
    free(locals);
    errors += check_overlaps(items, n, diags);
    errors += check_remote_in_subnet(items, n, diags);
    return errors;
}

int vr_inventory_check(const vr_inventory *inv, vr_diags *diags)
{
    size_t errors = 0;
    for (size_t o = 0; o < inv->org_count; o++) {
        const vr_org *org = &inv->orgs[o];
        vr_check_item *items = vr_xmalloc((org->count ? org->count : 1) * sizeof(*items));
        for (size_t i = 0; i < org->count; i++) {
            items[i].iface = &org->ifaces[i];
            items[i].live = false;
        }
        errors += vr_checks_conflicts(items, org->count, diags);
        free(items);
        if (org->count > VR_DEFAULT_LIMIT)
            vr_diags_add(diags, VR_SEV_WARNING, &org->loc, "over-limit",
                         "organization %s has %zu interfaces, more than the documented default "
                         "limit of %d; only plan knows the organization's real limit",
                         org->id, org->count, VR_DEFAULT_LIMIT);
    }
    return errors ? -1 : 0;
}
