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
    opts->replace_failed = true;
    opts->max_replaces = 1;
}

const char *vr_action_kind_name(vr_action_kind k)
{
    switch (k) {
    case VR_ACTION_CREATE:
        return "create";
    case VR_ACTION_DELETE:
        return "delete";
    case VR_ACTION_REPLACE:
        return "replace";
    }
    return "unknown";
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

/* Every live connection's addresses and subnet, sorted. A lookup skips the connections that
 * gone[] marks (deleted, or replaced, before the create it checks), so one index serves every
 * create and replacement of the plan. */
typedef struct {
    addr_ix *ips; /* live localIp and remoteIp */
    size_t ip_count;
    addr_ix *remotes; /* live remoteIp only */
    size_t remote_count;
    cidr_ix *subnets;
    size_t subnet_count;
    bool prefixes[2][129]; /* [v6?][prefix] present among live subnets */
    const bool *gone;      /* [live index]: not there any more when the create runs */
} live_index;

static void live_index_build(live_index *x, const vr_iface *live, size_t n, const bool *gone)
{
    memset(x, 0, sizeof(*x));
    x->gone = gone;
    x->ips = vr_xmalloc((2 * n + 1) * sizeof(*x->ips));
    x->remotes = vr_xmalloc((n + 1) * sizeof(*x->remotes));
    x->subnets = vr_xmalloc((n + 1) * sizeof(*x->subnets));
    for (size_t i = 0; i < n; i++) {
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

/* The first entry of v from i on that is still there, while its address equals a (or, with
 * last, lies in [from, last]); its position in v, or n. */
static size_t addr_present(const live_index *x, const addr_ix *v, size_t n, size_t i,
                           const vr_addr *a, const vr_addr *last)
{
    for (; i < n; i++) {
        if (last ? v[i].addr.family != a->family || vr_addr_cmp(&v[i].addr, last) > 0
                 : !vr_addr_equal(&v[i].addr, a))
            return n;
        if (!x->gone[v[i].live]) return i;
    }
    return n;
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
        for (size_t i = cidr_lower(x->subnets, x->subnet_count, &net.addr, p);
             i < x->subnet_count && x->subnets[i].block.prefix == p &&
             vr_addr_equal(&x->subnets[i].block.addr, &net.addr);
             i++)
            if (!x->gone[x->subnets[i].live]) return (long)x->subnets[i].live;
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
    for (size_t i = cidr_lower(x->subnets, x->subnet_count, &c->addr, 0);
         i < x->subnet_count && x->subnets[i].block.addr.family == c->addr.family &&
         vr_addr_cmp(&x->subnets[i].block.addr, &last) <= 0;
         i++)
        if (!x->gone[x->subnets[i].live]) return (long)x->subnets[i].live;
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
        size_t i =
            addr_present(x, x->ips, x->ip_count, addr_lower(x->ips, x->ip_count, &a), &a, NULL);
        if (i < x->ip_count) {
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
        size_t i = addr_present(x, x->remotes, x->remote_count,
                                addr_lower(x->remotes, x->remote_count, &c.addr), &c.addr, &last);
        if (i < x->remote_count) {
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

/* ---- one organization's plan ------------------------------------------------------------- */

enum { WHY_ASKED = 1, WHY_FAILED = 2, WHY_DRIFTED = 4 };

/* A live interface that may be replaced. */
typedef struct {
    size_t want;  /* index into desired->ifaces */
    size_t live;  /* index into live[] */
    unsigned why; /* WHY_*: asked for, live state failed, differs live */
    int rank;     /* 0 asked for, 1 failed, 2 drifted: the order in which they are taken */
    vr_drift_field *fields; /* differing fields (owned until moved into the plan) */
    size_t field_count;
    create_key key;
} replace_cand;

/* What vr_plan_org works with. */
typedef struct {
    vr_plan_org_result *r;
    const vr_org *desired;
    const vr_iface *live;
    size_t live_count;
    const vr_plan_ctx *ctx;
    const vr_plan_opts *o;
    vr_nameix *dn, *ln; /* inventory and live names, sorted */
    const char **asked; /* opts.replace, sorted */
    size_t asked_count;
    table_ix *tables; /* the live routing tables, by id */
    size_t table_count;
    size_t *creates; /* inventory indexes to create */
    size_t ncreate;
    replace_cand *cands; /* replacement candidates, then (after the guard) the taken ones */
    size_t ncand, cap_cand;
    bool *gone;  /* [live index]: deleted (or replaced) before the creates run */
    bool resort; /* unchanged/drift got entries out of name order */
    size_t cap_unchanged, cap_drift, cap_unmanaged, cap_not_active, cap_act;
} plan_work;

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool asked_for(const plan_work *w, const char *name)
{
    return w->asked_count &&
           bsearch(&name, w->asked, w->asked_count, sizeof(*w->asked), str_cmp) != NULL;
}

static create_key key_of(const plan_work *w, size_t idx)
{
    const vr_iface *want = &w->desired->ifaces[idx];
    const table_ix *t = find_table(w->tables, w->table_count, nz(want->routing_table_id));
    return (create_key){t && t->name ? t->name : nz(want->routing_table_id),
                        nz(want->routing_table_id),
                        want->has_order,
                        want->order,
                        nz(want->name),
                        idx};
}

static void push_drift(plan_work *w, const char *name, const char *id, vr_drift_field *fields,
                       size_t n)
{
    vr_plan_org_result *r = w->r;
    r->drift = grow(r->drift, &w->cap_drift, r->drift_count, sizeof(*r->drift));
    vr_plan_drift *d = &r->drift[r->drift_count++];
    d->name = vr_strdup(name);
    d->id = vr_strdup(id);
    d->fields = fields;
    d->field_count = n;
}

static void free_fields(vr_drift_field *f, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(f[k].field);
        free(f[k].want);
        free(f[k].live);
    }
    free(f);
}

/* Inventory side: each name once; to create, unchanged, drift, or a replacement candidate. */
static void plan_named(plan_work *w)
{
    vr_plan_org_result *r = w->r;
    const vr_org *desired = w->desired;
    size_t nd = desired->count;
    for (size_t k = 0; k < nd; k++) {
        if (k > 0 && strcmp(w->dn[k].name, w->dn[k - 1].name) == 0)
            continue; /* a duplicate, reported above */
        const char *name = w->dn[k].name;
        const vr_iface *want = &desired->ifaces[w->dn[k].idx];
        const vr_nameix *hit = vr_nameix_find(w->ln, w->live_count, name);
        bool asked = asked_for(w, name);
        if (!hit) {
            if (asked) {
                vr_loc at = vr_iface_loc(want, want->locs.name);
                vr_diags_add(&r->diags, VR_SEV_WARNING, &at, "replace-not-live",
                             "interface %s: --replace names it, but it has no live connection; "
                             "it is created instead (missing live)",
                             name);
            }
            w->creates[w->ncreate++] = w->dn[k].idx;
            continue;
        }
        const vr_iface *have = &w->live[hit->idx];
        bool whole = vr_org_ignores(desired, name, NULL);
        drift_collect dc = {desired, name, NULL, 0, 0};
        if (!whole) vr_iface_compare(want, have, on_field_diff, &dc);
        unsigned why = (asked ? WHY_ASKED : 0) | (dc.count ? WHY_DRIFTED : 0);
        if (!whole && !vr_org_ignores(desired, name, "state") && have->state &&
            strcmp(have->state, "failed") == 0)
            why |= WHY_FAILED;
        bool trigger = asked || ((why & WHY_FAILED) && w->o->replace_failed) ||
                       ((why & WHY_DRIFTED) && w->o->replace_drifted);
        if (trigger && want->protect) {
            vr_loc at = vr_iface_loc(want, want->locs.protect);
            if (asked)
                vr_diags_add(&r->diags, VR_SEV_ERROR, &at, "replace-protected",
                             "interface %s: --replace names it, but it is protect: true; a "
                             "protected interface is never replaced (remove protect first)",
                             name);
            else
                vr_diags_add(&r->diags, VR_SEV_WARNING, &at, "replace-protected",
                             "interface %s (id %s) %s live, but it is protect: true: not "
                             "replaced; repair it by hand, or remove protect",
                             name, nz(have->id), (why & WHY_FAILED) ? "failed" : "differs");
            trigger = false;
        }
        if (trigger) {
            w->cands = grow(w->cands, &w->cap_cand, w->ncand, sizeof(*w->cands));
            w->cands[w->ncand++] = (replace_cand){w->dn[k].idx,
                                                  hit->idx,
                                                  why,
                                                  asked                                        ? 0
                                                  : (why & WHY_FAILED) && w->o->replace_failed ? 1
                                                                                               : 2,
                                                  dc.fields,
                                                  dc.count,
                                                  key_of(w, w->dn[k].idx)};
        } else if (dc.count == 0) {
            push_ref(&r->unchanged, &r->unchanged_count, &w->cap_unchanged, have);
        } else {
            push_drift(w, name, have->id, dc.fields, dc.count);
        }
    }
}

static int cand_rank_cmp(const void *a, const void *b)
{
    const replace_cand *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return create_key_cmp(&x->key, &y->key);
}

static int cand_key_cmp(const void *a, const void *b)
{
    return create_key_cmp(&((const replace_cand *)a)->key, &((const replace_cand *)b)->key);
}

/* At most max_replaces candidates are taken; the others stay drift (or unchanged), with a
 * warning. The taken ones end up in the order of actions. */
static void take_replacements(plan_work *w)
{
    if (w->ncand == 0) return;
    qsort(w->cands, w->ncand, sizeof(*w->cands), cand_rank_cmp);
    size_t allowed = w->o->max_replaces > 0 ? (size_t)w->o->max_replaces : 0;
    size_t take = w->ncand < allowed ? w->ncand : allowed;
    for (size_t c = take; c < w->ncand; c++) {
        replace_cand *k = &w->cands[c];
        const vr_iface *have = &w->live[k->live];
        vr_diags_add(&w->r->diags, VR_SEV_WARNING, NULL, "replace-deferred",
                     "interface %s (id %s): replacement deferred to a later run; at most %ld "
                     "replacement%s per run (--max-replaces)",
                     nz(have->name), nz(have->id), w->o->max_replaces > 0 ? w->o->max_replaces : 0,
                     w->o->max_replaces == 1 ? "" : "s");
        if (k->field_count)
            push_drift(w, nz(have->name), have->id, k->fields, k->field_count);
        else
            push_ref(&w->r->unchanged, &w->r->unchanged_count, &w->cap_unchanged, have);
        k->fields = NULL;
        k->field_count = 0;
        w->resort = true;
    }
    w->ncand = take;
    qsort(w->cands, w->ncand, sizeof(*w->cands), cand_key_cmp);
}

/* Live side, in name order: unmanaged, not active, delete candidates and their guards. */
static void plan_live_side(plan_work *w)
{
    vr_plan_org_result *r = w->r;
    const vr_plan_opts *o = w->o;
    const vr_org *desired = w->desired;
    size_t live_count = w->live_count, nd = desired->count;
    size_t *candidates = vr_xmalloc((live_count ? live_count : 1) * sizeof(*candidates));
    size_t ncand = 0;
    const char *prefix = o->managed_prefix && *o->managed_prefix ? o->managed_prefix : NULL;
    for (size_t k = 0; k < live_count; k++) {
        const vr_iface *have = &w->live[w->ln[k].idx];
        bool ignored = vr_org_ignores(desired, w->ln[k].name, NULL);
        const vr_nameix *named = vr_nameix_find(w->dn, nd, w->ln[k].name);
        /* an ignore of the whole interface, or of its field state, leaves the state out */
        if (!vr_org_ignores(desired, w->ln[k].name, "state") &&
            (!have->state || strcmp(have->state, "active") != 0))
            push_ref(&r->not_active, &r->not_active_count, &w->cap_not_active, have);
        if (named || ignored) continue;
        push_ref(&r->unmanaged, &r->unmanaged_count, &w->cap_unmanaged, have);
        if (o->prune && prefix && strncmp(w->ln[k].name, prefix, strlen(prefix)) == 0 &&
            (k == 0 || strcmp(w->ln[k].name, w->ln[k - 1].name) != 0))
            candidates[ncand++] = w->ln[k].idx;
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
        const vr_iface *have = &w->live[candidates[c]];
        const vr_nameix *named = vr_nameix_find(w->dn, nd, nz(have->name));
        if (named && desired->ifaces[named->idx].protect)
            continue; /* unreachable by the rule; kept as the last line of defence */
        if (c < take) {
            vr_plan_action *a = push_action(r, &w->cap_act);
            a->kind = VR_ACTION_DELETE;
            a->name = vr_strdup(nz(have->name));
            vr_buf why = VR_BUF_INIT;
            vr_buf_printf(&why, "not in the inventory; managed by prefix %s (--prune)", prefix);
            a->reason = vr_buf_detach(&why);
            vr_iface_copy(&a->iface, have);
            memset(&a->iface.locs, 0, sizeof(a->iface.locs));
            w->gone[candidates[c]] = true;
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
    free(candidates);
}

/* Why a candidate is replaced, for the plan's reader. */
static char *replace_reason(const plan_work *w, const replace_cand *k)
{
    vr_buf b = VR_BUF_INIT;
    bool asked = k->why & WHY_ASKED;
    if (asked) vr_buf_puts(&b, VR_PLAN_REASON_ASKED);
    if (k->why & WHY_FAILED)
        vr_buf_printf(&b, "%s%s", b.len ? "; " : "",
                      asked || !w->o->replace_failed ? "live state failed" : VR_PLAN_REASON_FAILED);
    if (k->field_count) {
        vr_buf_printf(&b, "%sdiffers live in ", b.len ? "; " : "");
        for (size_t i = 0; i < k->field_count; i++)
            vr_buf_printf(&b, "%s%s", i ? ", " : "", nz(k->fields[i].field));
        if (!asked && w->o->replace_drifted) vr_buf_puts(&b, " (--replace-drifted)");
    }
    return vr_buf_detach(&b);
}

/* The inventory's version of an interface as the payload of a create or replacement. */
static void set_payload(vr_plan_action *a, const vr_iface *want, const char *org_id)
{
    vr_iface c = *want; /* copied (one block) with the organization's id and no locations */
    c.org_id = (char *)org_id;
    memset(&c.locs, 0, sizeof(c.locs));
    vr_iface_copy(&a->iface, &c);
}

/* Replacements, then creations, in order, each checked against the live connections still
 * there when it runs: a replacement's own old connection, and every deleted one, are gone. */
static void plan_ordered(plan_work *w)
{
    vr_plan_org_result *r = w->r;
    live_index x;
    live_index_build(&x, w->live, w->live_count, w->gone);
    for (size_t i = 0; i < w->ncand; i++) {
        replace_cand *k = &w->cands[i];
        const vr_iface *want = &w->desired->ifaces[k->want];
        const vr_iface *have = &w->live[k->live];
        w->gone[k->live] = true;
        check_create(r, want, w->live, &x, w->tables, w->table_count);
        vr_plan_action *a = push_action(r, &w->cap_act);
        a->kind = VR_ACTION_REPLACE;
        a->name = vr_strdup(nz(want->name));
        a->reason = replace_reason(w, k);
        set_payload(a, want, r->org_id);
        a->replaces.id = vr_strdup(have->id);
        a->replaces.state = vr_strdup(have->state);
        a->replaces.routing_table_id = vr_strdup(have->routing_table_id);
        a->replaces.fields = k->fields;
        a->replaces.field_count = k->field_count;
        k->fields = NULL;
        k->field_count = 0;
        r->replace_count++;
    }
    create_key *keys = vr_xmalloc((w->ncreate ? w->ncreate : 1) * sizeof(*keys));
    for (size_t i = 0; i < w->ncreate; i++)
        keys[i] = key_of(w, w->creates[i]);
    qsort(keys, w->ncreate, sizeof(*keys), create_key_cmp);
    for (size_t i = 0; i < w->ncreate; i++) {
        const vr_iface *want = &w->desired->ifaces[keys[i].idx];
        check_create(r, want, w->live, &x, w->tables, w->table_count);
        vr_plan_action *a = push_action(r, &w->cap_act);
        a->kind = VR_ACTION_CREATE;
        a->name = vr_strdup(nz(want->name));
        a->reason = vr_strdup(VR_PLAN_REASON_MISSING);
        set_payload(a, want, r->org_id);
        r->create_count++;
    }
    free(keys);
    live_index_free(&x);
}

static int ref_name_cmp(const void *a, const void *b)
{
    return strcmp(nz(((const vr_plan_ref *)a)->name), nz(((const vr_plan_ref *)b)->name));
}

static int drift_name_cmp(const void *a, const void *b)
{
    return strcmp(nz(((const vr_plan_drift *)a)->name), nz(((const vr_plan_drift *)b)->name));
}

int vr_plan_org(vr_plan_org_result *out, const vr_org *desired, const vr_iface *live,
                size_t live_count, const vr_plan_ctx *ctx)
{
    if (out) memset(out, 0, sizeof(*out));
    if (!out || !desired || !ctx || (!live && live_count)) return -1;
    vr_plan_org_result *r = out;
    r->org_id = vr_strdup(nz(desired->id));
    r->region = vr_strdup(desired->region);
    r->limit = ctx->limit;
    r->limit_defaulted = ctx->limit_defaulted;
    r->live_count = live_count;
    vr_plan_live_fingerprint(live, live_count, r->live_fingerprint);

    plan_work w;
    memset(&w, 0, sizeof(w));
    w.r = r;
    w.desired = desired;
    w.live = live;
    w.live_count = live_count;
    w.ctx = ctx;
    w.o = &ctx->opts;
    size_t nd = desired->count;
    w.dn = vr_nameix_of_ifaces(desired->ifaces, nd);
    w.ln = vr_nameix_of_ifaces(live, live_count);
    w.asked = vr_xmalloc((w.o->replace_count ? w.o->replace_count : 1) * sizeof(*w.asked));
    for (size_t i = 0; i < w.o->replace_count; i++)
        if (w.o->replace[i]) w.asked[w.asked_count++] = w.o->replace[i];
    qsort(w.asked, w.asked_count, sizeof(*w.asked), str_cmp);
    w.tables = vr_xmalloc((ctx->table_count ? ctx->table_count : 1) * sizeof(*w.tables));
    for (size_t i = 0; i < ctx->table_count; i++)
        if (ctx->tables[i].id)
            w.tables[w.table_count++] = (table_ix){ctx->tables[i].id, ctx->tables[i].name};
    qsort(w.tables, w.table_count, sizeof(*w.tables), table_ix_cmp);
    w.creates = vr_xmalloc((nd ? nd : 1) * sizeof(*w.creates));
    w.gone = vr_xcalloc(live_count ? live_count : 1, sizeof(*w.gone));

    if (ctx->limit_defaulted)
        vr_diags_add(&r->diags, VR_SEV_NOTE, &desired->loc, "limit-defaulted",
                     "organization %s: the platform has no connection limit to read (404); "
                     "planning with the documented default of %d",
                     r->org_id, VR_DEFAULT_LIMIT);

    /* duplicate names: the inventory's (the loader should have refused them) and live ones */
    for (size_t i = 1; i < nd; i++)
        if (strcmp(w.dn[i].name, w.dn[i - 1].name) == 0) {
            const vr_iface *twice = &desired->ifaces[w.dn[i].idx];
            vr_loc at = vr_iface_loc(twice, twice->locs.name);
            vr_diags_add(&r->diags, VR_SEV_ERROR, &at, "duplicate-name",
                         "interface %s: the inventory names it twice", w.dn[i].name);
        }
    for (size_t i = 1; i < live_count; i++)
        if (strcmp(w.ln[i].name, w.ln[i - 1].name) == 0)
            vr_diags_add(&r->diags, VR_SEV_WARNING, NULL, "duplicate-name",
                         "live connections %s (id %s) and %s (id %s) share a name; comparing "
                         "with the first",
                         w.ln[i - 1].name, nz(live[w.ln[i - 1].idx].id), w.ln[i].name,
                         nz(live[w.ln[i].idx].id));

    plan_named(&w);
    take_replacements(&w);
    plan_live_side(&w);
    plan_ordered(&w);
    if (w.resort && r->unchanged_count)
        qsort(r->unchanged, r->unchanged_count, sizeof(*r->unchanged), ref_name_cmp);
    if (w.resort && r->drift_count)
        qsort(r->drift, r->drift_count, sizeof(*r->drift), drift_name_cmp);

    /* the limit, with the numbers (a replacement deletes one and creates one) */
    long long after = (long long)live_count - (long long)r->delete_count + (long long)w.ncreate;
    if (after > ctx->limit)
        vr_diags_add(&r->diags, VR_SEV_ERROR, &desired->loc, "limit-exceeded",
                     "organization %s: %zu live - %zu to delete + %zu to create = %lld "
                     "connections, over the limit of %ld%s",
                     r->org_id, live_count, r->delete_count, w.ncreate, after, ctx->limit,
                     ctx->limit_defaulted ? " (the documented default; the platform gave none)"
                                          : "");

    for (size_t i = 0; i < w.ncand; i++)
        free_fields(w.cands[i].fields, w.cands[i].field_count);
    free(w.cands);
    free(w.gone);
    free(w.creates);
    free(w.tables);
    free(w.asked);
    free(w.dn);
    free(w.ln);
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
        vr_plan_action *a = &r->actions[i];
        free(a->name);
        free(a->reason);
        vr_iface_clear(&a->iface);
        free(a->replaces.id);
        free(a->replaces.state);
        free(a->replaces.routing_table_id);
        free_fields(a->replaces.fields, a->replaces.field_count);
    }
    free(r->actions);
    free_refs(r->unchanged, r->unchanged_count);
    for (size_t i = 0; i < r->drift_count; i++) {
        vr_plan_drift *d = &r->drift[i];
        free_fields(d->fields, d->field_count);
        free(d->name);
        free(d->id);
    }
    free(r->drift);
    free_refs(r->unmanaged, r->unmanaged_count);
    free_refs(r->not_active, r->not_active_count);
    vr_diags_free(&r->diags);
    free(r->recorded_state.branch);
    free(r->recorded_state.commit);
    free(r->recorded_state.recorded_at);
    free(r->recorded_state.command);
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

static void recorded_free(vr_plan_recorded_opts *r)
{
    for (size_t i = 0; i < r->replace_count; i++)
        free(r->replace[i]);
    free(r->replace);
    free(r->shard);
    memset(r, 0, sizeof(*r));
}

void vr_plan_record_opts(vr_plan *plan, const vr_plan_opts *o)
{
    vr_plan_recorded_opts *r = &plan->options;
    recorded_free(r);
    r->recorded = true;
    r->prune = o->prune;
    r->max_deletes = o->max_deletes;
    r->replace_drifted = o->replace_drifted;
    r->replace_failed = o->replace_failed;
    r->max_replaces = o->max_replaces;
    r->replace = vr_xcalloc(o->replace_count ? o->replace_count : 1, sizeof(*r->replace));
    for (size_t i = 0; i < o->replace_count; i++)
        if (o->replace[i]) r->replace[r->replace_count++] = vr_strdup(o->replace[i]);
}

void vr_plan_opts_from_recorded(vr_plan_opts *out, const vr_plan_recorded_opts *r)
{
    vr_plan_opts_init(out);
    out->prune = r->prune;
    out->max_deletes = r->max_deletes;
    out->replace = (const char *const *)r->replace;
    out->replace_count = r->replace_count;
    out->replace_drifted = r->replace_drifted;
    out->replace_failed = r->replace_failed;
    out->max_replaces = r->max_replaces;
}

static bool inventory_holds(const vr_inventory *inv, const char *name, const char **closest,
                            size_t *closest_d)
{
    for (size_t i = 0; i < inv->org_count; i++)
        for (size_t k = 0; k < inv->orgs[i].count; k++) {
            const char *n = nz(inv->orgs[i].ifaces[k].name);
            if (strcmp(n, name) == 0) return true;
            size_t d = vr_edit_distance(n, name);
            if (d < *closest_d) {
                *closest_d = d;
                *closest = n;
            }
        }
    return false;
}

size_t vr_plan_check_replace_names(vr_plan *plan, const vr_inventory *inv, const vr_plan_opts *o)
{
    size_t unknown = 0;
    for (size_t i = 0; i < o->replace_count; i++) {
        const char *name = nz(o->replace[i]);
        const char *closest = NULL;
        size_t d = 4; /* a suggestion only when the names are this close */
        if (inventory_holds(inv, name, &closest, &d)) continue;
        unknown++;
        if (plan->org_count == 0) continue;
        vr_buf hint = VR_BUF_INIT;
        if (closest) vr_buf_printf(&hint, "; did you mean %s?", closest);
        vr_diags_add(&plan->orgs[0].diags, VR_SEV_ERROR, NULL, "replace-unknown",
                     "--replace %s: the inventory has no interface of that name (only what the "
                     "inventory describes is replaced)%s",
                     name, vr_buf_str(&hint));
        vr_buf_free(&hint);
    }
    return unknown;
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
    recorded_free(&plan->options);
    memset(plan, 0, sizeof(*plan));
}
