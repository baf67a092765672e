/* vr_export: live connections to an inventory the loader accepts, as YAML text. */
#include "vr_export.h"
#include "vr_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- scalars --------------------------------------------------------------------------- */

/* Decodes the UTF-8 character at p: its length in bytes, or 0 when p does not start a
 * well-formed one (overlong forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_next(const unsigned char *p, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0; /* the terminating NUL stops here too */
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return n;
}

static bool utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    uint32_t cp;
    for (size_t n; *p; p += n)
        if ((n = utf8_next(p, &cp)) == 0) return false;
    return true;
}

/* Invisible characters that could hide or reorder text, and non-characters: escaped. */
static bool format_char(uint32_t cp)
{
    return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xffff);
}

/* s on one line, control and format characters escaped; quoting: also '"' and '\' (the body
 * of a double-quoted scalar), else the text of a comment. */
static void put_escaped(vr_buf *out, const char *s, bool quoting)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        size_t n = utf8_next(p, &cp);
        if (n == 0) {
            vr_buf_printf(out, "\\x%02x", *p++);
            continue;
        }
        if (quoting && (cp == '"' || cp == '\\'))
            vr_buf_printf(out, "\\%c", (char)cp);
        else if (cp == '\t')
            vr_buf_puts(out, "\\t");
        else if (cp == '\n')
            vr_buf_puts(out, "\\n");
        else if (cp == '\r')
            vr_buf_puts(out, "\\r");
        else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            vr_buf_printf(out, "\\x%02x", (unsigned)cp);
        else if (format_char(cp))
            vr_buf_printf(out, "\\u%04x", (unsigned)cp);
        else
            vr_buf_append(out, p, n);
        p += n;
    }
}

bool vr_export_plain_safe(const char *s)
{
    static const char *const words[] = {"y",    "n",     "yes",  "no",  "on", "off",
                                        "true", "false", "null", "inf", "nan"};
    if (!s || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))) return false;
    size_t n = strlen(s);
    if (s[n - 1] == ' ') return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '/' || c == ' '))
            return false;
    }
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(s, words[i]) == 0) return false;
    return true;
}

void vr_export_quoted(vr_buf *out, const char *s)
{
    vr_buf_puts(out, "\"");
    put_escaped(out, s, true);
    vr_buf_puts(out, "\"");
}

void vr_export_scalar(vr_buf *out, const char *s)
{
    if (vr_export_plain_safe(s))
        vr_buf_puts(out, s);
    else
        vr_export_quoted(out, s);
}

/* ---- which connections the inventory's rules refuse ------------------------------------- */

typedef struct {
    const vr_iface *src; /* the connection as given */
    vr_iface f;          /* a validated copy (parsed members filled, no locations) */
    char **reasons;      /* why the rules refuse it (owned); none: it is written */
    size_t nreasons;
} entry;

static bool refused(const entry *e)
{
    return e->nreasons > 0;
}

static void refuse(entry *e, const char *reason)
{
    e->reasons = vr_xrealloc(e->reasons, (e->nreasons + 1) * sizeof(*e->reasons));
    e->reasons[e->nreasons++] = vr_strdup(reason);
}

static void on_field_error(void *ctx, const char *field, int index, const char *code,
                           const char *message)
{
    refuse(ctx, message);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int entry_cmp(const void *x, const void *y)
{
    const entry *a = *(const entry *const *)x, *b = *(const entry *const *)y;
    int c = strcmp(nz(a->src->name), nz(b->src->name));
    return c ? c : strcmp(nz(a->src->id), nz(b->src->id));
}

/* The loader reads UTF-8 text only: a field that is not cannot be written. */
static void check_text(entry *e)
{
    const vr_iface *f = e->src;
    struct {
        const char *field, *text;
    } texts[] = {{"name", f->name},
                 {"type", f->type},
                 {"localIp", f->local_ip},
                 {"remoteIp", f->remote_ip},
                 {"subnetCidr", f->subnet_cidr},
                 {"routingTableId", f->routing_table_id},
                 {"description", f->description}};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (!utf8_valid(texts[i].text)) {
            vr_buf b = VR_BUF_INIT;
            vr_buf_printf(&b, "%s is not valid UTF-8 text, which an inventory cannot hold",
                          texts[i].field);
            refuse(e, vr_buf_str(&b));
            vr_buf_free(&b);
        }
    for (size_t i = 0; i < f->dns_count && i < VR_DNS_MAX + 1; i++)
        if (!utf8_valid(f->dns[i])) {
            refuse(e, "dnsServers holds text that is not valid UTF-8, which an inventory "
                      "cannot hold");
            break;
        }
}

/* A name already kept: the later connection of that name is refused. v is in name order. */
static void check_names(entry **v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (refused(v[i])) continue;
        for (size_t j = i; j-- > 0 && strcmp(nz(v[j]->src->name), nz(v[i]->src->name)) == 0;) {
            if (refused(v[j])) continue;
            vr_buf b = VR_BUF_INIT;
            vr_buf_printf(&b, "name '%s' is also the name of live connection %s, written above",
                          nz(v[i]->src->name), nz(v[j]->src->id));
            refuse(v[i], vr_buf_str(&b));
            vr_buf_free(&b);
            break;
        }
    }
}

/* The inventory's cross-checks among the connections not refused so far. The usual case, no
 * conflict, costs one O(n log n) pass; otherwise each connection, in name order, is checked
 * against those kept before it (given as live, so that pairs of kept ones are not reported
 * again) and kept only when it meets no conflict. */
static void check_conflicts(entry **v, size_t n)
{
    vr_check_item *items = vr_xcalloc(n + 1, sizeof(*items));
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (!refused(v[i])) items[kept++] = (vr_check_item){&v[i]->f, false};
    vr_diags d = VR_DIAGS_INIT;
    size_t errors = vr_checks_conflicts(items, kept, &d);
    vr_diags_free(&d);
    if (errors == 0) {
        free(items);
        return;
    }
    kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (refused(v[i])) continue;
        items[kept] = (vr_check_item){&v[i]->f, false};
        vr_diags one = VR_DIAGS_INIT;
        if (vr_checks_conflicts(items, kept + 1, &one) == 0) {
            items[kept++].live = true;
        } else {
            for (size_t k = 0; k < one.count; k++)
                refuse(v[i], one.items[k].message);
        }
        vr_diags_free(&one);
    }
    free(items);
}

/* ---- writing ---------------------------------------------------------------------------- */

/* What defaults holds: each NULL when the interfaces differ in it. */
typedef struct {
    const char *type;
    const vr_iface *dns; /* the interface whose dnsServers every one shares */
    const char *routing_table_id;
} shared;

static bool same_dns(const vr_iface *a, const vr_iface *b)
{
    if (a->dns_count != b->dns_count) return false;
    for (size_t i = 0; i < a->dns_count && i < VR_DNS_MAX + 1; i++)
        if (strcmp(nz(a->dns[i]), nz(b->dns[i])) != 0) return false;
    return true;
}

static shared find_shared(entry **v, size_t n)
{
    shared s = {NULL, NULL, NULL};
    const vr_iface *first = NULL;
    bool type = true, dns = true, rt = true;
    for (size_t i = 0; i < n; i++) {
        if (refused(v[i])) continue;
        const vr_iface *f = v[i]->src;
        if (!first) {
            first = f;
            continue;
        }
        type = type && strcmp(nz(f->type), nz(first->type)) == 0;
        dns = dns && same_dns(f, first);
        rt = rt && strcmp(nz(f->routing_table_id), nz(first->routing_table_id)) == 0;
    }
    if (first) {
        /* fields every interface has, and has alike (all of them, when one is written) */
        s.type = type && first->type ? first->type : NULL;
        s.dns = dns && first->dns_count ? first : NULL;
        s.routing_table_id = rt && first->routing_table_id ? first->routing_table_id : NULL;
    }
    return s;
}

static void put_dns(vr_buf *o, const vr_iface *f)
{
    vr_buf_puts(o, "[");
    for (size_t i = 0; i < f->dns_count && i < VR_DNS_MAX + 1; i++) {
        if (i) vr_buf_puts(o, ", ");
        vr_export_scalar(o, nz(f->dns[i]));
    }
    vr_buf_puts(o, "]");
}

/* The routing table's name as a comment after its id, when the tables are known. */
static void put_table_note(vr_buf *o, const vr_export_meta *m, const char *id)
{
    if (!m->tables) return;
    for (size_t i = 0; i < m->table_count; i++) {
        if (!m->tables[i].id || strcmp(m->tables[i].id, id) != 0) continue;
        if (m->tables[i].name && *m->tables[i].name && strcmp(m->tables[i].name, id) != 0) {
            vr_buf_puts(o, "  # ");
            put_escaped(o, m->tables[i].name, false);
        }
        return;
    }
    vr_buf_puts(o, "  # not a routing table of the organization");
}

/* One field line: indent (prefix), key, value. */
static void put_field(vr_buf *o, const char *prefix, const char *key, const char *value)
{
    vr_buf_printf(o, "  %s  %s: ", prefix, key);
    vr_export_scalar(o, value);
}

/* One interface; prefix is "" or "# " (commented out: then every field is written, defaults
 * or not, so that uncommenting it gives a whole interface). */
static void put_iface(vr_buf *o, const vr_iface *f, const shared *s, const char *prefix,
                      const vr_export_meta *m)
{
    vr_buf_printf(o, "  %s- name: ", prefix);
    vr_export_scalar(o, nz(f->name));
    vr_buf_puts(o, "\n");
    if (f->type && !s->type) {
        put_field(o, prefix, "type", f->type);
        vr_buf_puts(o, "\n");
    }
    const char *keys[] = {"localIp", "remoteIp", "subnetCidr"};
    const char *vals[] = {f->local_ip, f->remote_ip, f->subnet_cidr};
    for (size_t i = 0; i < 3; i++)
        if (vals[i]) {
            put_field(o, prefix, keys[i], vals[i]);
            vr_buf_puts(o, "\n");
        }
    if (f->dns_count && !s->dns) {
        vr_buf_printf(o, "  %s  dnsServers: ", prefix);
        put_dns(o, f);
        vr_buf_puts(o, "\n");
    }
    if (f->routing_table_id && !s->routing_table_id) {
        put_field(o, prefix, "routingTableId", f->routing_table_id);
        put_table_note(o, m, f->routing_table_id);
        vr_buf_puts(o, "\n");
    }
    if (f->description) {
        put_field(o, prefix, "description", f->description);
        vr_buf_puts(o, "\n");
    }
    if (f->has_order) vr_buf_printf(o, "  %s  order: %ld\n", prefix, f->order);
    if (f->protect) vr_buf_printf(o, "  %s  protect: true\n", prefix);
    if (f->probe_port || f->probe_timeout_ms) {
        vr_buf_printf(o, "  %s  probe: {", prefix);
        if (f->probe_port) vr_buf_printf(o, "port: %d", f->probe_port);
        if (f->probe_timeout_ms)
            vr_buf_printf(o, "%stimeoutMs: %d", f->probe_port ? ", " : "", f->probe_timeout_ms);
        vr_buf_puts(o, "}\n");
    }
}

static bool is_active(const vr_iface *f)
{
    return f->state && strcmp(f->state, "active") == 0;
}

static void put_header(vr_buf *o, const vr_export_meta *m, size_t count, size_t written,
                       size_t nrefused, size_t not_active)
{
    char when[32];
    vr_iso8601(m->read_at_ms, when);
    vr_buf_puts(o, "# vni-reconcile export of organization ");
    put_escaped(o, m->org_id, false);
    if (m->org_name) {
        vr_buf_puts(o, " (");
        put_escaped(o, m->org_name, false);
        vr_buf_puts(o, ")");
    }
    vr_buf_printf(o, "\n# read at %s: %zu live connection%s", when, count, count == 1 ? "" : "s");
    if (m->limit > 0) vr_buf_printf(o, " (limit %ld)", m->limit);
    vr_buf_printf(o, "\n# %zu interface%s written", written, written == 1 ? "" : "s");
    if (nrefused)
        vr_buf_printf(o,
                      "; %zu commented out, refused by the inventory's rules (the reasons are "
                      "above each)",
                      nrefused);
    if (not_active) vr_buf_printf(o, "; %zu not active", not_active);
    vr_buf_puts(o, "\n");
}

void vr_export_org(vr_export_result *out, const vr_export_meta *meta, const vr_iface *conns,
                   size_t count)
{
    memset(out, 0, sizeof(*out));
    entry *all = vr_xcalloc(count + 1, sizeof(*all));
    entry **v = vr_xcalloc(count + 1, sizeof(*v));
    for (size_t i = 0; i < count; i++) {
        entry *e = &all[i];
        e->src = &conns[i];
        vr_iface_copy(&e->f, &conns[i]);
        memset(&e->f.locs, 0, sizeof(e->f.locs));
        vr_iface_validate(&e->f, on_field_error, e);
        check_text(e);
        v[i] = e;
    }
    qsort(v, count, sizeof(*v), entry_cmp);
    check_names(v, count);
    check_conflicts(v, count);

    for (size_t i = 0; i < count; i++) {
        if (!is_active(v[i]->src)) out->not_active++;
        if (!refused(v[i])) out->written++;
    }
    out->refused_count = count - out->written;
    out->refused = vr_xcalloc(out->refused_count + 1, sizeof(*out->refused));
    shared s = find_shared(v, count);
    const shared none = {NULL, NULL, NULL};

    vr_buf o = VR_BUF_INIT;
    put_header(&o, meta, count, out->written, out->refused_count, out->not_active);
    vr_buf_puts(&o, "apiVersion: vni-reconcile/v1\nkind: VniInventory\norganization:\n  id: ");
    vr_export_scalar(&o, nz(meta->org_id));
    vr_buf_puts(&o, "\n");
    if (meta->region) {
        vr_buf_puts(&o, "  region: ");
        vr_export_scalar(&o, meta->region);
        vr_buf_puts(&o, "\n");
    }
    if (s.type || s.dns || s.routing_table_id) {
        vr_buf_puts(&o, "defaults:\n");
        if (s.type) {
            vr_buf_puts(&o, "  type: ");
            vr_export_scalar(&o, s.type);
            vr_buf_puts(&o, "\n");
        }
        if (s.dns) {
            vr_buf_puts(&o, "  dnsServers: ");
            put_dns(&o, s.dns);
            vr_buf_puts(&o, "\n");
        }
        if (s.routing_table_id) {
            vr_buf_puts(&o, "  routingTableId: ");
            vr_export_scalar(&o, s.routing_table_id);
            put_table_note(&o, meta, s.routing_table_id);
            vr_buf_puts(&o, "\n");
        }
    }
    vr_buf_puts(&o, out->written ? "interfaces:\n" : "interfaces: []\n");
    size_t r = 0;
    for (size_t i = 0; i < count; i++) {
        const vr_iface *f = v[i]->src;
        if (!is_active(f)) {
            vr_buf_puts(&o, "  # state: ");
            if (f->state)
                put_escaped(&o, f->state, false);
            else
                vr_buf_puts(&o, "none given");
            vr_buf_puts(&o, " (not active)\n");
        }
        if (!refused(v[i])) {
            put_iface(&o, f, &s, "", meta);
            continue;
        }
        vr_buf why = VR_BUF_INIT;
        for (size_t k = 0; k < v[i]->nreasons; k++) {
            vr_buf_puts(&o, "  # refused by the inventory's rules: ");
            put_escaped(&o, v[i]->reasons[k], false);
            vr_buf_puts(&o, "\n");
            vr_buf_printf(&why, "%s%s", k ? "; " : "", v[i]->reasons[k]);
        }
        put_iface(&o, f, &none, "# ", meta);
        vr_export_refusal *x = &out->refused[r++];
        x->name = vr_strdup(nz(f->name));
        x->id = vr_strdup(f->id);
        x->state = vr_strdup(f->state);
        x->reason = vr_buf_detach(&why);
    }
    out->len = o.len;
    out->text = vr_buf_detach(&o);
    if (!out->text) out->text = vr_strdup("");

    for (size_t i = 0; i < count; i++) {
        vr_iface_clear(&all[i].f);
        for (size_t k = 0; k < all[i].nreasons; k++)
            free(all[i].reasons[k]);
        free(all[i].reasons);
    }
    free(all);
    free(v);
}

void vr_export_result_free(vr_export_result *r)
{
    if (!r) return;
    free(r->text);
    for (size_t i = 0; i < r->refused_count; i++) {
        free(r->refused[i].name);
        free(r->refused[i].id);
        free(r->refused[i].state);
        free(r->refused[i].reason);
    }
    free(r->refused);
    memset(r, 0, sizeof(*r));
}
