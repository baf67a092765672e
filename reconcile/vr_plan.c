/* vr_plan: diff of inventory and live connections, conflicts, guards, order, fingerprint. */
#include "vr_plan.h"

#include "vr_nameix.h"
#include "vr_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---------------------------------------------------------------------- */

static const char *nz(const char *s)
{
    return s ? s : "";
}

static void *grow(void *p, size_t *cap, size_t count, size_t size)
{
    if (count < *cap) return p;
    *cap = *cap ? *cap * 2 : 8;
    return vr_xrealloc(p, *cap * size);
}

static void push_ref(vr_plan_ref **arr, size_t *count, size_t *cap, const vr_iface *f)
{
    *arr = grow(*arr, cap, *count, sizeof(**arr));
    vr_plan_ref *r = &(*arr)[(*count)++];
    r->name = vr_strdup(f->name ? f->name : "");
    r->id = vr_strdup(f->id);
    r->state = vr_strdup(f->state);
}

/* The parsed member when set, else parsed from the text; false when neither works. */
static bool addr_of(const vr_addr *parsed, const char *text, vr_addr *out)
{
    if (parsed->family != VR_AF_NONE) {
        *out = *parsed;
        return true;
    }
    return text && vr_addr_parse(out, text) == 0;
}

static bool cidr_of(const vr_cidr *parsed, const char *text, vr_cidr *out)
{
    vr_cidr c;
    if (parsed->addr.family != VR_AF_NONE)
        c = *parsed;
    else if (!text || vr_cidr_parse(&c, text) < 0)
        return false;
    vr_cidr_canonical(&c, out);
    return true;
}

/* ---- options, fingerprint ---------------------------------------------------------------- */

void vr_plan_opts_init(vr_plan_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->max_deletes = 1;
}

static void fp_text(vr_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    vr_buf_printf(b, "%zu:", n);
    if (n) vr_buf_append(b, s, n);
}

static int fp_cmp(const void *a, const void *b)
{
    const vr_iface *x = *(const vr_iface *const *)a, *y = *(const vr_iface *const *)b;
    int c = strcmp(nz(x->id), nz(y->id));
    return c ? c : strcmp(nz(x->name), nz(y->name));
}

void vr_plan_live_fingerprint(const vr_iface *live, size_t live_count, char out[65])
{
    const vr_iface **v = vr_xmalloc((live_count ? live_count : 1) * sizeof(*v));
    for (size_t i = 0; i < live_count; i++)
        v[i] = &live[i];
    qsort(v, live_count, sizeof(*v), fp_cmp);
    /* hashed one connection at a time: the text of 10,000 connections is never held whole */
    vr_sha256 h;
    vr_sha256_init(&h);
    vr_sha256_update(&h, "vr-live-v1\n", strlen("vr-live-v1\n"));
    vr_buf b = VR_BUF_INIT;
    for (size_t i = 0; i < live_count; i++) {
        const vr_iface *f = v[i];
        vr_buf_reset(&b);
        fp_text(&b, f->id);
        fp_text(&b, f->name);
        fp_text(&b, f->type);
        fp_text(&b, f->local_ip);
        fp_text(&b, f->remote_ip);
        fp_text(&b, f->subnet_cidr);
        size_t dn = f->dns_count < VR_DNS_MAX + 1 ? f->dns_count : VR_DNS_MAX + 1;
        vr_buf_printf(&b, "%zu#", dn);
        for (size_t k = 0; k < dn; k++)
            fp_text(&b, f->dns[k]);
        fp_text(&b, f->routing_table_id);
        fp_text(&b, f->description);
        vr_sha256_update(&h, b.data, b.len);
    }
    vr_sha256_final_hex(&h, out);
    vr_buf_free(&b);
    free(v);
}

/* ---- drift collection --------------------------------------------------------------------- */

typedef struct {
    const vr_org *org;
    const char *name;
    vr_drift_field *fields;
    size_t count, cap;
} drift_collect;

static void on_field_diff(void *vctx, const char *field, const char *want, const char *have)
{
    drift_collect *c = vctx;
    if (vr_org_ignores(c->org, c->name, field)) return;
    c->fields = grow(c->fields, &c->cap, c->count, sizeof(*c->fields));
    vr_drift_field *d = &c->fields[c->count++];
    d->field = vr_strdup(field);
    d->want = vr_strdup(want);
    d->live = vr_strdup(have);
}

/* ---- conflict indexes --------------------------------------------------------------------- */

typedef struct {
    vr_addr addr;
    size_t live; /* index into live[] */
    bool remote; /* the live connection's remoteIp (else its localIp) */
} addr_ix;

static int addr_ix_cmp(const void *a, const void *b)
{
    const addr_ix *x = a, *y = b;
    int c = vr_addr_cmp(&x->addr, &y->addr);
    if (c) return c;
    return x->live < y->live ? -1 : x->live > y->live;
}

typedef struct {
    vr_cidr block; /* canonical */
    size_t live;
} cidr_ix;

static int cidr_key_cmp(const vr_addr *a, int ap, const vr_addr *b, int bp)
{
    int c = vr_addr_cmp(a, b);
    if (c) return c;
    return ap < bp ? -1 : ap > bp;
}

static int cidr_ix_cmp(const void *a, const void *b)
{
    const cidr_ix *x = a, *y = b;
    int c = cidr_key_cmp(&x->block.addr, x->block.prefix, &y->block.addr, y->block.prefix);
    if (c) return c;
    return x->live < y->live ? -1 : x->live > y->live;
}

/* First index whose address is >= a (addresses sorted). */
static size_t addr_lower(const addr_ix *v, size_t n, const vr_addr *a)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vr_addr_cmp(&v[mid].addr, a) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* First index whose (network, prefix) is >= (a, p). */
static size_t cidr_lower(const cidr_ix *v, size_t n, const vr_addr *a, int p)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cidr_key_cmp(&v[mid].block.addr, v[mid].block.prefix, a, p) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct {
    addr_ix *ips; /* live localIp and remoteIp */
    size_t ip_count;
    addr_ix *remotes; /* live remoteIp only */
    size_t remote_count;
    cidr_ix *subnets;
    size_t subnet_count;
    bool prefixes[2][129]; /* [v6?][prefix] present among live subnets */
} live_index;

static void live_index_build(live_index *x, const vr_iface *live, size_t n, const bool *skip)
{
    memset(x, 0, sizeof(*x));
    x->ips = vr_xmalloc((2 * n + 1) * sizeof(*x->ips));
    x->remotes = vr_xmalloc((n + 1) * sizeof(*x->remotes));
    x->subnets = vr_xmalloc((n + 1) * sizeof(*x->subnets));
    for (size_t i = 0; i < n; i++) {
        if (skip[i]) continue;
        const vr_iface *f = &live[i];
        vr_addr a;
        if (addr_of(&f->local, f->local_ip, &a)) x->ips[x->ip_count++] = (addr_ix){a, i, false};
        if (addr_of(&f->remote, f->remote_ip, &a)) {
            x->ips[x->ip_count++] = (addr_ix){a, i, true};
            x->remotes[x->remote_count++] = (addr_ix){a, i, true};
        }
        vr_cidr c;
        if (cidr_of(&f->subnet, f->subnet_cidr, &c)) {
            x->subnets[x->subnet_count++] = (cidr_ix){c, i};
            if (c.prefix >= 0 && c.prefix <= 128)
                x->prefixes[c.addr.family == VR_AF_V6][c.prefix] = true;
        }
    }
    qsort(x->ips, x->ip_count, sizeof(*x->ips), addr_ix_cmp);
    qsort(x->remotes, x->remote_count, sizeof(*x->remotes), addr_ix_cmp);
    qsort(x->subnets, x->subnet_count, sizeof(*x->subnets), cidr_ix_cmp);
}

static void live_index_free(live_index *x)
{
    free(x->ips);
    free(x->remotes);
    free(x->subnets);
}

/* A live subnet that contains a, with a prefix at most max_prefix (the longest such), or -1. */
static long containing_subnet(const live_index *x, const vr_addr *a, int max_prefix)
{
    int v6 = a->family == VR_AF_V6;
    int bits = v6 ? 128 : 32;
    for (int p = max_prefix < bits ? max_prefix : bits; p >= 0; p--) {
        if (!x->prefixes[v6][p]) continue;
        vr_cidr c = {*a, p}, net;
        vr_cidr_canonical(&c, &net);
        size_t i = cidr_lower(x->subnets, x->subnet_count, &net.addr, p);
        if (i < x->subnet_count && x->subnets[i].block.prefix == p &&
            vr_addr_equal(&x->subnets[i].block.addr, &net.addr))
            return (long)x->subnets[i].live;
    }
    return -1;
}

/* A live subnet that overlaps block c (canonical), or -1. */
static long overlapping_subnet(const live_index *x, const vr_cidr *c)
{
    long hit = containing_subnet(x, &c->addr, c->prefix);
    if (hit >= 0) return hit;
    vr_addr last;
    vr_cidr_last(c, &last);
    size_t i = cidr_lower(x->subnets, x->subnet_count, &c->addr, 0);
    if (i < x->subnet_count && x->subnets[i].block.addr.family == c->addr.family &&
        vr_addr_cmp(&x->subnets[i].block.addr, &last) <= 0)
        return (long)x->subnets[i].live;
    return -1;
}

/* ---- the order of creations --------------------------------------------------------------- */

typedef struct {
    const char *table_key; /* the table's name, or its id */
    const char *table_id;
    bool has_order;
    long order;
    const char *name;
    size_t idx; /* into desired->ifaces */
} create_key;

static int create_key_cmp(const void *a, const void *b)
{
    const create_key *x = a, *y = b;
    int c = strcmp(x->table_key, y->table_key);
    if (c) return c;
    if ((c = strcmp(x->table_id, y->table_id))) return c;
    if (x->has_order != y->has_order)
        return x->has_order ? -1 : 1; /* interfaces without `order` come last */
    if (x->has_order && x->order != y->order) return x->order < y->order ? -1 : 1;
    if ((c = strcmp(x->name, y->name))) return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

typedef struct {
    const char *id;
    const char *name;
} table_ix;

static int table_ix_cmp(const void *a, const void *b)
{
    return strcmp(((const table_ix *)a)->id, ((const table_ix *)b)->id);
}

static const table_ix *find_table(const table_ix *v, size_t n, const char *id)
{
    table_ix key = {id, NULL};
    return n ? bsearch(&key, v, n, sizeof(*v), table_ix_cmp) : NULL;
}

/* ---- the plan ------------------------------------------------------------------------------- */

static vr_plan_action *push_action(vr_plan_org_result *r, size_t *cap)
{
    r->actions = grow(r->actions, cap, r->action_count, sizeof(*r->actions));
    vr_plan_action *a = &r->actions[r->action_count++];
    memset(a, 0, sizeof(*a));
    a->seq = r->action_count;
    return a;
}

static const char *live_field_name(bool remote)
{
    return remote ? "remoteIp" : "localIp";
}

static void check_create(vr_plan_org_result *r, const vr_iface *want, const vr_iface *live,
                         const live_index *x, const table_ix *tables, size_t table_count)
{
    const char *name = nz(want->name);
    const vr_loc at_local = vr_iface_loc(want, want->locs.local_ip),
                 at_subnet = vr_iface_loc(want, want->locs.subnet_cidr),
                 at_remote = vr_iface_loc(want, want->locs.remote_ip),
                 at_table = vr_iface_loc(want, want->locs.routing_table_id);
    vr_addr a;
    if (addr_of(&want->local, want->local_ip, &a)) {
        size_t i = addr_lower(x->ips, x->ip_count, &a);
        if (i < x->ip_count && vr_addr_equal(&x->ips[i].addr, &a)) {
            const vr_iface *l = &live[x->ips[i].live];
            vr_diags_add(&r->diags, VR_SEV_ERROR, &at_local, "ip-allocated",
                         "interface %s: localIp %s is in use as the %s of live connection %s "
                         "(id %s)",
                         name, nz(want->local_ip), live_field_name(x->ips[i].remote), nz(l->name),
                         nz(l->id));
        }
    }
    vr_cidr c;
    if (cidr_of(&want->subnet, want->subnet_cidr, &c)) {
        long hit = overlapping_subnet(x, &c);
        if (hit >= 0) {
            const vr_iface *l = &live[hit];
            vr_diags_add(&r->diags, VR_SEV_ERROR, &at_subnet, "subnet-overlap",
                         "interface %s: subnetCidr %s overlaps subnet %s of live connection %s "
                         "(id %s)",
                         name, nz(want->subnet_cidr), nz(l->subnet_cidr), nz(l->name), nz(l->id));
        }
        /* a live gateway inside the new subnet: the reverse of the check below */
        vr_addr last;
        vr_cidr_last(&c, &last);
        size_t i = addr_lower(x->remotes, x->remote_count, &c.addr);
        if (i < x->remote_count && x->remotes[i].addr.family == c.addr.family &&
            vr_addr_cmp(&x->remotes[i].addr, &last) <= 0) {
            const vr_iface *l = &live[x->remotes[i].live];
            vr_diags_add(&r->diags, VR_SEV_ERROR, &at_subnet, "remote-in-subnet",
                         "interface %s: subnetCidr %s contains remoteIp %s of live connection %s "
                         "(id %s)",
                         name, nz(want->subnet_cidr), nz(l->remote_ip), nz(l->name), nz(l->id));
        }
    }
    if (addr_of(&want->remote, want->remote_ip, &a)) {
        long hit = containing_subnet(x, &a, 128);
        if (hit >= 0) {
            const vr_iface *l = &live[hit];
            vr_diags_add(&r->diags, VR_SEV_ERROR, &at_remote, "remote-in-subnet",
                         "interface %s: remoteIp %s lies inside subnet %s of live connection %s "
                         "(id %s)",
                         name, nz(want->remote_ip), nz(l->subnet_cidr), nz(l->name), nz(l->id));
        }
    }
    if (!find_table(tables, table_count, nz(want->routing_table_id))) {
        const char *best = NULL;
        size_t best_d = 4;
        for (size_t i = 0; i < table_count && i < 10000; i++) {
            size_t d = vr_edit_distance(nz(want->routing_table_id), tables[i].id);
            if (d < best_d) {
                best_d = d;
                best = tables[i].id;
            }
        }
        vr_buf hint = VR_BUF_INIT;
        if (best)
            vr_buf_printf(&hint, "; did you mean %s?", best);
        else if (table_count == 0)
            vr_buf_puts(&hint, "; the organization has no routing table");
        vr_diags_add(&r->diags, VR_SEV_ERROR, &at_table, "unknown-routing-table",
                     "interface %s: routing table %s does not exist live%s", name,
                     nz(want->routing_table_id), vr_buf_str(&hint));
        vr_buf_free(&hint);
    }
}

int vr_plan_org(vr_plan_org_result *out, const vr_org *desired, const vr_iface *live,
                size_t live_count, const vr_plan_ctx *ctx)
{
    if (out) memset(out, 0, sizeof(*out));
    if (!out || !desired || !ctx || (!live && live_count)) return -1;
    vr_plan_org_result *r = out;
    const vr_plan_opts *o = &ctx->opts;
    r->org_id = vr_strdup(nz(desired->id));
    r->region = vr_strdup(desired->region);
    r->limit = ctx->limit;
    r->limit_defaulted = ctx->limit_defaulted;
    r->live_count = live_count;
    vr_plan_live_fingerprint(live, live_count, r->live_fingerprint);

    size_t nd = desired->count;
    vr_name_ix *dn = vr_name_ix_of_ifaces(desired->ifaces, nd);
    vr_name_ix *ln = vr_name_ix_of_ifaces(live, live_count);
    size_t cap_unchanged = 0, cap_drift = 0, cap_unmanaged = 0, cap_not_active = 0, cap_act = 0;

    if (ctx->limit_defaulted)
        vr_diags_add(&r->diags, VR_SEV_NOTE, &desired->loc, "limit-defaulted",
                     "organization %s: the platform has no connection limit to read (404); "
                     "planning with the documented default of %d",
                     r->org_id, VR_DEFAULT_LIMIT);

    /* duplicate names: the inventory's (the loader should have refused them) and live ones */
    for (size_t i = 1; i < nd; i++)
        if (strcmp(dn[i].name, dn[i - 1].name) == 0) {
            const vr_iface *twice = &desired->ifaces[dn[i].idx];
            vr_loc at = vr_iface_loc(twice, twice->locs.name);
            vr_diags_add(&r->diags, VR_SEV_ERROR, &at, "duplicate-name",
                         "interface %s: the inventory names it twice", dn[i].name);
        }
    for (size_t i = 1; i < live_count; i++)
        if (strcmp(ln[i].name, ln[i - 1].name) == 0)
            vr_diags_add(&r->diags, VR_SEV_WARNING, NULL, "duplicate-name",
                         "live connections %s (id %s) and %s (id %s) share a name; comparing "
                         "with the first",
                         ln[i - 1].name, nz(live[ln[i - 1].idx].id), ln[i].name,
                         nz(live[ln[i].idx].id));

    /* inventory side: unchanged, drift, or to create */
    size_t *creates = vr_xmalloc((nd ? nd : 1) * sizeof(*creates));
    size_t ncreate = 0;
    for (size_t k = 0; k < nd; k++) {
        if (k > 0 && strcmp(dn[k].name, dn[k - 1].name) == 0)
            continue; /* a duplicate, reported above */
        const vr_iface *want = &desired->ifaces[dn[k].idx];
        const vr_name_ix *hit = vr_name_ix_find(ln, live_count, dn[k].name);
        if (!hit) {
            creates[ncreate++] = dn[k].idx;
            continue;
        }
        const vr_iface *have = &live[hit->idx];
        if (vr_org_ignores(desired, dn[k].name, NULL)) {
            push_ref(&r->unchanged, &r->unchanged_count, &cap_unchanged, have);
            continue;
        }
        drift_collect dc = {desired, dn[k].name, NULL, 0, 0};
        vr_iface_compare(want, have, on_field_diff, &dc);
        if (dc.count == 0) {
            push_ref(&r->unchanged, &r->unchanged_count, &cap_unchanged, have);
            continue;
        }
        r->drift = grow(r->drift, &cap_drift, r->drift_count, sizeof(*r->drift));
        vr_plan_drift *d = &r->drift[r->drift_count++];
        d->name = vr_strdup(dn[k].name);
        d->id = vr_strdup(have->id);
        d->fields = dc.fields;
        d->field_count = dc.count;
    }

    /* live side, in name order: unmanaged, not active, delete candidates */
    bool *deleting = vr_xcalloc(live_count ? live_count : 1, sizeof(*deleting));
    size_t *candidates = vr_xmalloc((live_count ? live_count : 1) * sizeof(*candidates));
    size_t ncand = 0;
    const char *prefix = o->managed_prefix && *o->managed_prefix ? o->managed_prefix : NULL;
    for (size_t k = 0; k < live_count; k++) {
        const vr_iface *have = &live[ln[k].idx];
        bool ignored = vr_org_ignores(desired, ln[k].name, NULL);
        const vr_name_ix *named = vr_name_ix_find(dn, nd, ln[k].name);
        /* an ignore of the whole interface, or of its field state, leaves the state out */
        if (!vr_org_ignores(desired, ln[k].name, "state") &&
            (!have->state || strcmp(have->state, "active") != 0))
            push_ref(&r->not_active, &r->not_active_count, &cap_not_active, have);
        if (named || ignored) continue;
        push_ref(&r->unmanaged, &r->unmanaged_count, &cap_unmanaged, have);
        if (o->prune && prefix && strncmp(ln[k].name, prefix, strlen(prefix)) == 0 &&
            (k == 0 || strcmp(ln[k].name, ln[k - 1].name) != 0))
            candidates[ncand++] = ln[k].idx;
    }

    /* guards: max_deletes, never every live connection; the rest is deferred */
    size_t allowed = o->max_deletes > 0 ? (size_t)o->max_deletes : 0;
    size_t take = ncand < allowed ? ncand : allowed;
    bool held_for_all = false;
    if (take > 0 && take >= live_count) {
        take = live_count - 1;
        held_for_all = true;
    }
    for (size_t c = 0; c < ncand; c++) {
        const vr_iface *have = &live[candidates[c]];
        const vr_name_ix *named = vr_name_ix_find(dn, nd, nz(have->name));
        if (named && desired->ifaces[named->idx].protect)
            continue; /* unreachable by the rule; kept as the last line of defence */
        if (c < take) {
            vr_plan_action *a = push_action(r, &cap_act);
            a->kind = VR_ACTION_DELETE;
            a->name = vr_strdup(nz(have->name));
            vr_buf why = VR_BUF_INIT;
            vr_buf_printf(&why, "not in the inventory; managed by prefix %s (--prune)", prefix);
            a->reason = vr_buf_detach(&why);
            vr_iface_copy(&a->iface, have);
            memset(&a->iface.locs, 0, sizeof(a->iface.locs));
            deleting[candidates[c]] = true;
            r->delete_count++;
        } else if (held_for_all && c == take) {
            vr_diags_add(&r->diags, VR_SEV_WARNING, NULL, "delete-deferred",
                         "connection %s (id %s): delete deferred; a run never deletes every "
                         "connection of organization %s",
                         nz(have->name), nz(have->id), r->org_id);
        } else {
            vr_diags_add(&r->diags, VR_SEV_WARNING, NULL, "delete-deferred",
                         "connection %s (id %s): delete deferred to a later run; at most %ld "
                         "delete%s per run (--max-deletes)",
                         nz(have->name), nz(have->id), o->max_deletes > 0 ? o->max_deletes : 0,
                         o->max_deletes == 1 ? "" : "s");
        }
    }

    /* creations in order: table (by name), order (missing last), name */
    table_ix *tables = vr_xmalloc((ctx->table_count ? ctx->table_count : 1) * sizeof(*tables));
    size_t table_count = 0;
    for (size_t i = 0; i < ctx->table_count; i++)
        if (ctx->tables[i].id)
            tables[table_count++] = (table_ix){ctx->tables[i].id, ctx->tables[i].name};
    qsort(tables, table_count, sizeof(*tables), table_ix_cmp);
    create_key *keys = vr_xmalloc((ncreate ? ncreate : 1) * sizeof(*keys));
    for (size_t i = 0; i < ncreate; i++) {
        const vr_iface *want = &desired->ifaces[creates[i]];
        const table_ix *t = find_table(tables, table_count, nz(want->routing_table_id));
        keys[i] = (create_key){t && t->name ? t->name : nz(want->routing_table_id),
                               nz(want->routing_table_id),
                               want->has_order,
                               want->order,
                               nz(want->name),
                               creates[i]};
    }
    qsort(keys, ncreate, sizeof(*keys), create_key_cmp);

    live_index x;
    live_index_build(&x, live, live_count, deleting);
    for (size_t i = 0; i < ncreate; i++) {
        const vr_iface *want = &desired->ifaces[keys[i].idx];
        check_create(r, want, live, &x, tables, table_count);
        vr_plan_action *a = push_action(r, &cap_act);
        a->kind = VR_ACTION_CREATE;
        a->name = vr_strdup(nz(want->name));
        a->reason = vr_strdup(VR_PLAN_REASON_MISSING);
        vr_iface c = *want; /* copied with the organization's id and no locations */
        c.org_id = r->org_id;
        memset(&c.locs, 0, sizeof(c.locs));
        vr_iface_copy(&a->iface, &c);
        r->create_count++;
    }
    live_index_free(&x);

    /* the limit, with the numbers */
    long long after = (long long)live_count - (long long)r->delete_count + (long long)ncreate;
    if (after > ctx->limit)
        vr_diags_add(&r->diags, VR_SEV_ERROR, &desired->loc, "limit-exceeded",
                     "organization %s: %zu live - %zu to delete + %zu to create = %lld "
                     "connections, over the limit of %ld%s",
                     r->org_id, live_count, r->delete_count, ncreate, after, ctx->limit,
                     ctx->limit_defaulted ? " (the documented default; the platform gave none)"
                                          : "");

    free(keys);
    free(tables);
    free(candidates);
    free(deleting);
    free(creates);
    free(dn);
    free(ln);
    return 0;
}

static void free_refs(vr_plan_ref *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].id);
        free(v[i].state);
    }
    free(v);
}

void vr_plan_org_result_free(vr_plan_org_result *r)
{
    if (!r) return;
    free(r->org_id);
    free(r->region);
    for (size_t i = 0; i < r->action_count; i++) {
        free(r->actions[i].name);
        free(r->actions[i].reason);
        vr_iface_clear(&r->actions[i].iface);
    }
    free(r->actions);
    free_refs(r->unchanged, r->unchanged_count);
    for (size_t i = 0; i < r->drift_count; i++) {
        vr_plan_drift *d = &r->drift[i];
        for (size_t k = 0; k < d->field_count; k++) {
            free(d->fields[k].field);
            free(d->fields[k].want);
            free(d->fields[k].live);
        }
        free(d->fields);
        free(d->name);
        free(d->id);
    }
    free(r->drift);
    free_refs(r->unmanaged, r->unmanaged_count);
    free_refs(r->not_active, r->not_active_count);
    vr_diags_free(&r->diags);
    memset(r, 0, sizeof(*r));
}

bool vr_plan_org_possible(const vr_plan_org_result *r)
{
    return r->diags.errors == 0;
}

bool vr_plan_org_has_changes(const vr_plan_org_result *r)
{
    return r->action_count > 0;
}

vr_plan_org_result *vr_plan_add_org(vr_plan *plan)
{
    plan->orgs = vr_xrealloc(plan->orgs, (plan->org_count + 1) * sizeof(*plan->orgs));
    vr_plan_org_result *r = &plan->orgs[plan->org_count++];
    memset(r, 0, sizeof(*r));
    return r;
}

void vr_plan_set_meta(vr_plan *plan, const vr_inventory *inv, int64_t wall_ms)
{
    free(plan->tool_version);
    plan->tool_version = vr_strdup(VR_VERSION);
    vr_iso8601(wall_ms, plan->created_at);
    for (size_t i = 0; i < plan->file_count; i++)
        free(plan->files[i].path);
    free(plan->files);
    plan->files = NULL;
    plan->file_count = 0;
    if (!inv || inv->source_count == 0) return;
    plan->files = vr_xcalloc(inv->source_count, sizeof(*plan->files));
    for (size_t i = 0; i < inv->source_count; i++) {
        plan->files[i].path = vr_strdup(nz(inv->sources[i].path));
        memcpy(plan->files[i].sha256, inv->sources[i].sha256, sizeof(plan->files[i].sha256));
        plan->files[i].sha256[64] = '\0';
    }
    plan->file_count = inv->source_count;
}

bool vr_plan_possible(const vr_plan *plan)
{
    for (size_t i = 0; i < plan->org_count; i++)
        if (!vr_plan_org_possible(&plan->orgs[i])) return false;
    return true;
}

bool vr_plan_has_changes(const vr_plan *plan)
{
    for (size_t i = 0; i < plan->org_count; i++)
        if (vr_plan_org_has_changes(&plan->orgs[i])) return true;
    return false;
}

void vr_plan_free(vr_plan *plan)
{
    if (!plan) return;
    free(plan->tool_version);
    for (size_t i = 0; i < plan->file_count; i++)
        free(plan->files[i].path);
    free(plan->files);
    free(plan->git_commit);
    for (size_t i = 0; i < plan->org_count; i++)
        vr_plan_org_result_free(&plan->orgs[i]);
    free(plan->orgs);
    memset(plan, 0, sizeof(*plan));
}
