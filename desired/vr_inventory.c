/* vr_inventory: strict inventory loader over libyaml events; one pass per file, no DOM. */
#include "vr_inventory.h"
#include "vr_regions.h"
#include "vr_util.h"
#include "vr_yaml.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#define API_VERSION "vni-reconcile/v1"
#define KIND "VniInventory"

/* ---- interface fields ------------------------------------------------------------------ */

enum {
    F_NAME,
    F_LOCAL,
    F_REMOTE,
    F_SUBNET,
    F_DNS,
    F_RT,
    F_DESC,
    F_TYPE,
    F_ORDER,
    F_PROTECT,
    F_PROBE,
    F_COUNT
};

static const char *const iface_keys[F_COUNT] = {
    "name",        "localIp", "remoteIp", "subnetCidr", "dnsServers", "routingTableId",
    "description", "type",    "order",    "protect",    "probe",
};

/* The fields a drift ignore entry may name: the ones vr_iface_compare() and drift compare. */
static const char *const compared_fields[] = {
    "type",       "localIp",        "remoteIp",    "subnetCidr",
    "dnsServers", "routingTableId", "description", "state",
};

/* Which fields of an interface (or of the defaults) the file set, bit per F_*. */
typedef struct {
    unsigned set;
    unsigned from_default; /* fields filled in from defaults */
    unsigned bad;          /* fields given with a value of the wrong type (already reported) */
    unsigned dns_bad;      /* dnsServers items of the wrong type (already reported), by index */
    uint32_t extra;        /* 1 + index of its extra_locs in file_state.extras; 0: none */
} marks;

/* Where the fields an interface keeps no position for (vr_iface_locs) were written: only the
 * messages of validation point there, so they live while the file is read, and only for the
 * interfaces that give one of these fields themselves. */
typedef struct {
    vr_loc type, description, dns, dns_item[VR_DNS_MAX];
} extra_locs;

/* The texts of a file's interfaces and defaults while it is read: copied out of libyaml's
 * events into 1 MiB chunks (not one allocation per text; chunks that large are mapped on their
 * own by the allocator and go back to the system when freed) until resolve() copies each
 * interface's, with its defaults', into the interface's one block (vr_iface.strs). Until then
 * the interfaces of a file_state borrow their texts from here: never vr_iface_clear() them;
 * the arena goes with the file_state. */
#define ARENA_CHUNK (1 << 20)

typedef struct {
    char **chunks;
    size_t count, cap;
    size_t used; /* bytes used in the last chunk */
} text_arena;

static char *arena_dup(text_arena *a, const char *s, size_t n)
{
    size_t need = n + 1;
    if (!a->count || a->used + need > ARENA_CHUNK) {
        if (a->count == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 16;
            a->chunks = vr_xrealloc(a->chunks, a->cap * sizeof(*a->chunks));
        }
        a->chunks[a->count++] = vr_xmalloc(need > ARENA_CHUNK ? need : ARENA_CHUNK);
        a->used = 0;
    }
    char *p = a->chunks[a->count - 1] + a->used;
    memcpy(p, s, n);
    p[n] = '\0';
    a->used += need;
    return p;
}

static void arena_free(text_arena *a)
{
    for (size_t i = 0; i < a->count; i++)
        free(a->chunks[i]);
    free(a->chunks);
    memset(a, 0, sizeof(*a));
}

/* What one file says, merged into the inventory once the whole file has been read. */
typedef struct {
    char *org_id;
    vr_loc org_loc;
    bool org_ok;
    char *region;
    vr_loc region_loc;
    char *managed_prefix;
    vr_loc managed_prefix_loc;
    text_arena texts; /* the texts of defaults and ifaces (see text_arena) */
    vr_iface defaults;
    marks defaults_marks;
    extra_locs defaults_extra;
    vr_iface *ifaces; /* handed over to the organization when it has none yet */
    marks *marks;
    size_t count, cap;
    extra_locs *extras;
    size_t extra_count, extra_cap;
    size_t complete;        /* interfaces read to their end (all of them, unless stopped) */
    bool defaults_complete; /* defaults absent so far, or read to their end */
    vr_ignore *ignores;
    size_t ignore_count, ignore_cap;
} file_state;

/* ---- the input ------------------------------------------------------------------------- */

/* The bytes of one file as libyaml reads them: hashed and checked for NUL bytes on the way and
 * not kept (a 10 MiB inventory is not held twice, as text and as interfaces), except from
 * standard input, which cannot be read again to locate an error. */
typedef struct {
    FILE *f;
    bool keep; /* standard input: every byte goes to kept too */
    vr_buf kept;
    vr_sha256 hash;
    size_t len;       /* bytes read so far */
    long long nul_at; /* offset of the first NUL byte, -1 when none */
    bool too_large;   /* more than VR_INVENTORY_MAX_FILE_BYTES */
    int read_errno;   /* a read failed: its errno */
} input;

/* Reads up to size bytes into buf, hashing them. Returns the count, 0 at the end or when the
 * file is too large or unreadable (see in). */
static size_t pull(input *in, unsigned char *buf, size_t size)
{
    if (in->too_large || in->read_errno) return 0;
    size_t n = fread(buf, 1, size, in->f);
    if (n == 0) {
        if (ferror(in->f)) in->read_errno = errno ? errno : EIO;
        return 0;
    }
    if (in->len + n > VR_INVENTORY_MAX_FILE_BYTES) {
        in->too_large = true;
        return 0;
    }
    const unsigned char *nul = memchr(buf, '\0', n);
    if (nul && in->nul_at < 0) in->nul_at = (long long)(in->len + (size_t)(nul - buf));
    vr_sha256_update(&in->hash, buf, n);
    if (in->keep) vr_buf_append(&in->kept, buf, n);
    in->len += n;
    return n;
}

/* libyaml's read handler. A file with a NUL byte, too large or unreadable is reported as such
 * whatever libyaml would say: the parse just stops. */
static int read_input(void *data, unsigned char *buf, size_t size, size_t *size_read)
{
    input *in = data;
    *size_read = 0;
    if (in->nul_at >= 0) return 0;
    *size_read = pull(in, buf, size);
    return !(in->too_large || in->read_errno);
}

/* Reads what the parse left (a stop, a second document) so the hash covers every byte. */
static void drain(input *in)
{
    unsigned char buf[65536];
    while (pull(in, buf, sizeof(buf)) > 0)
        ;
}

/* "base[index]" into out without printf: it runs once per interface and per DNS address. */
static void indexed(char *out, size_t len, const char *base, size_t index)
{
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + index % 10);
        index /= 10;
    } while (index && nd < sizeof(digits));
    size_t bl = strlen(base);
    if (bl + nd + 3 > len) {
        out[0] = '\0';
        return;
    }
    memcpy(out, base, bl);
    out[bl++] = '[';
    while (nd)
        out[bl++] = digits[--nd];
    out[bl++] = ']';
    out[bl] = '\0';
}

/* ---- the schema -------------------------------------------------------------------------- */

/* A string field of an interface or the defaults, into the file's arena. */
static int get_text(vr_yaml_reader *r, text_arena *a, const char *what, char **out, vr_loc *loc)
{
    int rc = vr_yaml_is_str(r, what, loc);
    if (rc == VR_YAML_OK) *out = arena_dup(a, vr_yaml_scalar(r), r->ev.data.scalar.length);
    return rc;
}

static int read_probe(vr_yaml_reader *r, vr_iface *f, marks *m, const char *where)
{
    static const char *const keys[] = {"port", "timeoutMs"};
    vr_loc seen[2] = {{0}};
    char what[160];
    int rc = vr_yaml_expect(r, YAML_MAPPING_START_EVENT, "probe");
    if (rc != VR_YAML_OK) return rc;
    m->set |= 1u << F_PROBE;
    snprintf(what, sizeof(what), "probe of %s", where);
    int which;
    while ((rc = vr_yaml_map_next(r, keys, 2, what, seen, &which)) == 1) {
        long v;
        if (which == 0) {
            rc = vr_yaml_long(r, "probe port", 1, 65535, &v, NULL);
            if (rc == VR_YAML_OK) f->probe_port = (int)v;
        } else {
            rc = vr_yaml_long(r, "probe timeoutMs", 1, 600000, &v, NULL);
            if (rc == VR_YAML_OK) f->probe_timeout_ms = (int)v;
        }
        if (rc == VR_YAML_STOP) return VR_YAML_STOP;
    }
    return rc;
}

static int read_dns(vr_yaml_reader *r, text_arena *a, vr_iface *f, marks *m, extra_locs *x)
{
    int rc = vr_yaml_expect(r, YAML_SEQUENCE_START_EVENT, "dnsServers");
    x->dns = vr_yaml_here(r);
    m->set |= 1u << F_DNS;
    if (rc != VR_YAML_OK) return rc;
    size_t i = 0;
    while ((rc = vr_yaml_seq_next(r)) == 1) {
        char what[32];
        indexed(what, sizeof(what), "dnsServers", i);
        char *val = NULL;
        vr_loc l;
        rc = get_text(r, a, what, &val, &l);
        if (rc == VR_YAML_STOP) return VR_YAML_STOP;
        if (rc == VR_YAML_BAD && i < VR_DNS_MAX + 1) m->dns_bad |= 1u << i;
        if (i < VR_DNS_MAX + 1) {
            /* Keep a slot even for a bad item, so indexes stay those of the file. */
            f->dns[i] = val ? val : arena_dup(a, "", 0);
            if (i < VR_DNS_MAX) x->dns_item[i] = l;
            f->dns_count = i + 1;
        }
        i++;
    }
    return rc;
}

static vr_pos pos_of(vr_loc l)
{
    vr_pos p = {l.line, l.column};
    return p;
}

/* The extra locations of an interface (made on first use) or of the defaults. */
static extra_locs *extras_of(file_state *fs, marks *m, bool defaults)
{
    if (defaults) return &fs->defaults_extra;
    if (!m->extra) {
        if (fs->extra_count == fs->extra_cap) {
            fs->extra_cap = fs->extra_cap ? fs->extra_cap * 2 : 16;
            fs->extras = vr_xrealloc(fs->extras, fs->extra_cap * sizeof(*fs->extras));
        }
        memset(&fs->extras[fs->extra_count], 0, sizeof(*fs->extras));
        m->extra = (uint32_t)++fs->extra_count;
    }
    return &fs->extras[m->extra - 1];
}

/* A string field whose position the interface keeps. */
static int get_kept(vr_yaml_reader *r, text_arena *a, const char *what, char **out, vr_pos *pos)
{
    vr_loc l;
    int rc = get_text(r, a, what, out, &l);
    *pos = pos_of(l);
    return rc;
}

/* Reads an interface mapping, or the defaults (defaults == true). */
static int read_iface(vr_yaml_reader *r, file_state *fs, vr_iface *f, marks *m, bool defaults,
                      const char *where)
{
    vr_loc seen[F_COUNT] = {{0}};
    int rc, which;
    f->locs.file = r->file;
    f->locs.item = pos_of(vr_yaml_here(r));
    while ((rc = vr_yaml_map_next(r, iface_keys, F_COUNT, where, seen, &which)) == 1) {
        vr_iface_locs *L = &f->locs;
        if (defaults && (which == F_NAME || which == F_LOCAL || which == F_SUBNET)) {
            vr_loc kl = seen[which];
            vr_yaml_error(r, &kl, "not-a-default",
                          "%s cannot be given in defaults; name, localIp and subnetCidr are per "
                          "interface",
                          iface_keys[which]);
            if (vr_yaml_skip(r) < 0) return VR_YAML_STOP;
            continue;
        }
        if (which != F_DNS && which != F_PROBE) m->set |= 1u << which;
        switch (which) {
        case F_NAME:
            rc = get_kept(r, &fs->texts, "name", &f->name, &L->name);
            break;
        case F_LOCAL:
            rc = get_kept(r, &fs->texts, "localIp", &f->local_ip, &L->local_ip);
            break;
        case F_REMOTE:
            rc = get_kept(r, &fs->texts, "remoteIp", &f->remote_ip, &L->remote_ip);
            break;
        case F_SUBNET:
            rc = get_kept(r, &fs->texts, "subnetCidr", &f->subnet_cidr, &L->subnet_cidr);
            break;
        case F_DNS:
            rc = read_dns(r, &fs->texts, f, m, extras_of(fs, m, defaults));
            break;
        case F_RT:
            rc = get_kept(r, &fs->texts, "routingTableId", &f->routing_table_id,
                          &L->routing_table_id);
            break;
        case F_DESC:
            rc = get_text(r, &fs->texts, "description", &f->description,
                          &extras_of(fs, m, defaults)->description);
            break;
        case F_TYPE:
            rc = get_text(r, &fs->texts, "type", &f->type, &extras_of(fs, m, defaults)->type);
            break;
        case F_ORDER:
            rc = vr_yaml_long(r, "order", -1000000000L, 1000000000L, &f->order, NULL);
            if (rc == VR_YAML_OK) f->has_order = true;
            break;
        case F_PROTECT: {
            vr_loc l;
            rc = vr_yaml_bool(r, "protect", &f->protect, &l);
            L->protect = pos_of(l);
            break;
        }
        case F_PROBE:
            rc = read_probe(r, f, m, where);
            break;
        }
        if (rc == VR_YAML_STOP) return VR_YAML_STOP;
        if (rc == VR_YAML_BAD) m->bad |= 1u << which;
    }
    return rc;
}

static int read_interfaces(vr_yaml_reader *r, file_state *fs)
{
    int rc = vr_yaml_expect(r, YAML_SEQUENCE_START_EVENT, "interfaces");
    if (rc != VR_YAML_OK) return rc;
    size_t index = 0;
    while ((rc = vr_yaml_seq_next(r)) == 1) {
        vr_loc l = vr_yaml_here(r);
        char where[48];
        indexed(where, sizeof(where), "interfaces", index);
        rc = vr_yaml_expect(r, YAML_MAPPING_START_EVENT, where);
        index++;
        if (rc == VR_YAML_STOP) return VR_YAML_STOP;
        if (rc == VR_YAML_BAD) continue;
        if (fs->count >= VR_INVENTORY_MAX_IFACES) {
            vr_yaml_error(r, &l, "too-many-interfaces",
                          "more than %d interfaces in one file; the rest of the file is not read",
                          VR_INVENTORY_MAX_IFACES);
            r->stop = true;
            return VR_YAML_STOP;
        }
        if (fs->count == fs->cap) {
            fs->cap = fs->cap ? fs->cap * 2 : 64;
            fs->ifaces = vr_xrealloc(fs->ifaces, fs->cap * sizeof(*fs->ifaces));
            fs->marks = vr_xrealloc(fs->marks, fs->cap * sizeof(*fs->marks));
        }
        vr_iface *f = &fs->ifaces[fs->count];
        marks *m = &fs->marks[fs->count];
        fs->count++;
        memset(f, 0, sizeof(*f));
        memset(m, 0, sizeof(*m));
        if (read_iface(r, fs, f, m, false, where) == VR_YAML_STOP) return VR_YAML_STOP;
        fs->complete = fs->count;
    }
    return rc;
}

static bool field_compared(const char *field)
{
    for (size_t i = 0; i < sizeof(compared_fields) / sizeof(compared_fields[0]); i++)
        if (strcmp(compared_fields[i], field) == 0) return true;
    return false;
}

static int read_ignore_entry(vr_yaml_reader *r, file_state *fs, size_t index)
{
    static const char *const keys[] = {"name", "field"};
    vr_loc seen[2] = {{0}};
    char where[48];
    indexed(where, sizeof(where), "drift.ignore", index);
    int rc = vr_yaml_expect(r, YAML_MAPPING_START_EVENT, where);
    if (rc != VR_YAML_OK) return rc;
    vr_ignore g = {NULL, NULL, vr_yaml_here(r)};
    vr_loc field_loc = {0};
    bool bad = false;
    int which;
    while ((rc = vr_yaml_map_next(r, keys, 2, where, seen, &which)) == 1) {
        rc = which == 0 ? vr_yaml_str(r, "drift.ignore name", &g.name, NULL)
                        : vr_yaml_str(r, "drift.ignore field", &g.field, &field_loc);
        if (rc == VR_YAML_STOP) break;
        if (rc == VR_YAML_BAD) bad = true;
    }
    if (rc == VR_YAML_STOP) {
        free(g.name);
        free(g.field);
        return VR_YAML_STOP;
    }
    if (!bad && !g.name && !g.field) {
        vr_yaml_error(
            r, &g.loc, "invalid-ignore",
            "%s must give a name, a field, or both (an empty entry would ignore everything)",
            where);
        bad = true;
    }
    if (g.field && !field_compared(g.field)) {
        vr_yaml_error(r, &field_loc, "invalid-ignore",
                      "drift.ignore field '%s' is not a compared field; use one of type, localIp, "
                      "remoteIp, subnetCidr, dnsServers, routingTableId, description, state",
                      g.field);
        bad = true;
    }
    if (bad) {
        free(g.name);
        free(g.field);
        return VR_YAML_BAD;
    }
    if (fs->ignore_count == fs->ignore_cap) {
        fs->ignore_cap = fs->ignore_cap ? fs->ignore_cap * 2 : 8;
        fs->ignores = vr_xrealloc(fs->ignores, fs->ignore_cap * sizeof(*fs->ignores));
    }
    fs->ignores[fs->ignore_count++] = g;
    return VR_YAML_OK;
}

static int read_drift(vr_yaml_reader *r, file_state *fs)
{
    static const char *const keys[] = {"ignore"};
    vr_loc seen[1] = {{0}};
    int rc = vr_yaml_expect(r, YAML_MAPPING_START_EVENT, "drift");
    if (rc != VR_YAML_OK) return rc;
    int which;
    while ((rc = vr_yaml_map_next(r, keys, 1, "drift", seen, &which)) == 1) {
        rc = vr_yaml_expect(r, YAML_SEQUENCE_START_EVENT, "drift.ignore");
        if (rc == VR_YAML_STOP) return VR_YAML_STOP;
        if (rc == VR_YAML_BAD) continue;
        size_t index = 0;
        while ((rc = vr_yaml_seq_next(r)) == 1)
            if (read_ignore_entry(r, fs, index++) == VR_YAML_STOP) return VR_YAML_STOP;
        if (rc == VR_YAML_STOP) return VR_YAML_STOP;
    }
    return rc;
}

bool vr_inventory_uuid_valid(const char *text)
{
    if (!text || strlen(text) != 36) return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') return false;
        } else if (!isxdigit((unsigned char)text[i])) {
            return false;
        }
    }
    return true;
}

static int read_organization(vr_yaml_reader *r, file_state *fs)
{
    static const char *const keys[] = {"id", "region", "managedPrefix"};
    vr_loc seen[3] = {{0}};
    int rc = vr_yaml_expect(r, YAML_MAPPING_START_EVENT, "organization");
    if (rc != VR_YAML_OK) return rc;
    vr_loc org_loc = vr_yaml_here(r);
    int which;
    while ((rc = vr_yaml_map_next(r, keys, 3, "organization", seen, &which)) == 1) {
        if (which == 0) {
            vr_loc l;
            rc = vr_yaml_str(r, "organization id", &fs->org_id, &l);
            if (rc == VR_YAML_OK) {
                fs->org_loc = l;
                if (vr_inventory_uuid_valid(fs->org_id)) {
                    fs->org_ok = true;
                    for (char *c = fs->org_id; *c; c++)
                        *c = (char)tolower((unsigned char)*c);
                } else {
                    vr_yaml_error(
                        r, &l, "invalid-organization",
                        "organization id '%s' is not a UUID (8-4-4-4-12 hexadecimal digits, "
                        "e.g. a1b2c3d4-e5f6-7890-abcd-ef1234567890)",
                        fs->org_id);
                }
            }
        } else if (which == 1) {
            rc = vr_yaml_str(r, "organization region", &fs->region, &fs->region_loc);
            if (rc == VR_YAML_OK && !vr_regions_domain(fs->region)) {
                const char *best = vr_regions_suggest(fs->region);
                vr_yaml_error(r, &fs->region_loc, "unknown-region",
                              "organization region '%s' is not a region of the platform; %s%s%s",
                              fs->region,
                              best ? "did you mean "
                                   : "use a name like eu-west-1 or a domain like "
                                     "mypurecloud.ie",
                              best ? best : "", best ? "?" : "");
            }
        } else {
            rc = vr_yaml_str(r, "organization managedPrefix", &fs->managed_prefix,
                             &fs->managed_prefix_loc);
            /* A prefix of a valid name: what prune may delete must be nameable. */
            if (rc == VR_YAML_OK &&
                (strlen(fs->managed_prefix) >= VR_NAME_MAX || !vr_name_valid(fs->managed_prefix)))
                vr_yaml_error(
                    r, &fs->managed_prefix_loc, "invalid-value",
                    "organization managedPrefix '%s' must be 1 to 63 characters of A-Z, a-z, "
                    "0-9, '.', '_' and '-' (e.g. arch-vni-)",
                    fs->managed_prefix);
        }
        if (rc == VR_YAML_STOP) return VR_YAML_STOP;
    }
    if (rc == 0 && !seen[0].line)
        vr_yaml_error(r, &org_loc, "missing-key",
                      "organization has no id; add id: <organization UUID>");
    return rc;
}

enum { T_API, T_KIND, T_ORG, T_DEFAULTS, T_IFACES, T_DRIFT, T_COUNT };

static int read_top(vr_yaml_reader *r, file_state *fs)
{
    static const char *const keys[T_COUNT] = {"apiVersion", "kind",       "organization",
                                              "defaults",   "interfaces", "drift"};
    vr_loc seen[T_COUNT] = {{0}};
    vr_loc top = vr_yaml_here(r);
    int rc, which;
    while ((rc = vr_yaml_map_next(r, keys, T_COUNT, "the top level", seen, &which)) == 1) {
        char *s = NULL;
        vr_loc l;
        switch (which) {
        case T_API:
            rc = vr_yaml_str(r, "apiVersion", &s, &l);
            if (rc == VR_YAML_OK && strcmp(s, API_VERSION) != 0)
                vr_yaml_error(r, &l, "bad-api-version", "apiVersion '%s' is not supported; use %s",
                              s, API_VERSION);
            break;
        case T_KIND:
            rc = vr_yaml_str(r, "kind", &s, &l);
            if (rc == VR_YAML_OK && strcmp(s, KIND) != 0)
                vr_yaml_error(r, &l, "bad-kind", "kind '%s' is not supported; use %s", s, KIND);
            break;
        case T_ORG:
            rc = read_organization(r, fs);
            break;
        case T_DEFAULTS:
            rc = vr_yaml_expect(r, YAML_MAPPING_START_EVENT, "defaults");
            if (rc == VR_YAML_OK) {
                fs->defaults_complete = false;
                rc = read_iface(r, fs, &fs->defaults, &fs->defaults_marks, true, "defaults");
                if (rc != VR_YAML_STOP) fs->defaults_complete = true;
            }
            break;
        case T_IFACES:
            rc = read_interfaces(r, fs);
            break;
        case T_DRIFT:
            rc = read_drift(r, fs);
            break;
        }
        free(s);
        if (rc == VR_YAML_STOP) return VR_YAML_STOP;
    }
    if (rc == 0) {
        if (!seen[T_API].line)
            vr_yaml_error(r, &top, "missing-key", "missing key 'apiVersion' (apiVersion: %s)",
                          API_VERSION);
        if (!seen[T_KIND].line)
            vr_yaml_error(r, &top, "missing-key", "missing key 'kind' (kind: %s)", KIND);
        if (!seen[T_ORG].line)
            vr_yaml_error(r, &top, "missing-key",
                          "missing key 'organization' (organization: {id: <organization UUID>})");
    }
    return rc;
}

/* Reads one document; returns VR_YAML_STOP when the file could not be read to its end. */
static int read_stream(vr_yaml_reader *r, file_state *fs)
{
    if (vr_yaml_next(r) < 0) /* STREAM_START */
        return VR_YAML_STOP;
    if (vr_yaml_next(r) < 0) return VR_YAML_STOP;
    if (r->ev.type == YAML_STREAM_END_EVENT) {
        vr_loc l = {r->file, 1, 1};
        vr_yaml_error(r, &l, "empty-file", "file has no YAML document (only blanks or comments)");
        return VR_YAML_STOP;
    }
    if (vr_yaml_next(r) < 0) /* the root node */
        return VR_YAML_STOP;
    if (r->ev.type != YAML_MAPPING_START_EVENT) {
        vr_loc l = vr_yaml_here(r);
        if (r->ev.type != YAML_ALIAS_EVENT)
            vr_yaml_error(r, &l, "not-a-mapping",
                          "the top level must be a mapping (apiVersion, kind, organization, "
                          "interfaces), not %s",
                          vr_yaml_kind(r));
        return VR_YAML_STOP;
    }
    if (read_top(r, fs) < 0) return VR_YAML_STOP;
    if (vr_yaml_next(r) < 0) /* DOCUMENT_END */
        return VR_YAML_STOP;
    if (vr_yaml_next(r) < 0) return VR_YAML_STOP;
    if (r->ev.type == YAML_DOCUMENT_START_EVENT) {
        /* The first document was read whole: it is merged and checked; the rest is not read. */
        vr_loc l = vr_yaml_here(r);
        vr_yaml_error(r, &l, "multiple-documents",
                      "only one YAML document per file; use one file per document");
        r->stop = true;
    }
    return VR_YAML_OK;
}

/* ---- resolving and merging ------------------------------------------------------------- */

typedef struct {
    vr_iface *f;
    const extra_locs *own;      /* the interface's extra locations, NULL when none */
    const extra_locs *defaults; /* the defaults' */
    unsigned from_default;
    unsigned bad;
    unsigned dns_bad;
    vr_diags *diags;
    bool partial; /* the file stopped early: "required" may be what the unread rest gives */
} validate_ctx;

static const char *const validated_fields[] = {"name",           "type",       "localIp",
                                               "remoteIp",       "subnetCidr", "dnsServers",
                                               "routingTableId", "description"};
static const int validated_bits[] = {F_NAME,   F_TYPE, F_LOCAL, F_REMOTE,
                                     F_SUBNET, F_DNS,  F_RT,    F_DESC};

static void on_field_error(void *vctx, const char *field, int index, const char *error_code,
                           const char *message)
{
    validate_ctx *c = vctx;
    const vr_iface *f = c->f;
    const vr_iface_locs *L = &f->locs;
    vr_loc l = {0};
    int bit = -1;
    for (size_t i = 0; i < sizeof(validated_bits) / sizeof(validated_bits[0]); i++)
        if (strcmp(field, validated_fields[i]) == 0) bit = validated_bits[i];
    /* where the field came from: the interface, or the defaults */
    const extra_locs *X = bit >= 0 && (c->from_default & (1u << bit)) ? c->defaults : c->own;
    switch (bit) {
    case F_NAME:
        l = vr_iface_loc(f, L->name);
        break;
    case F_TYPE:
        if (X) l = X->type;
        break;
    case F_LOCAL:
        l = vr_iface_loc(f, L->local_ip);
        break;
    case F_REMOTE:
        l = vr_iface_loc(f, L->remote_ip);
        break;
    case F_SUBNET:
        l = vr_iface_loc(f, L->subnet_cidr);
        break;
    case F_DNS:
        if (X) l = index >= 0 && index < VR_DNS_MAX ? X->dns_item[index] : X->dns;
        break;
    case F_RT:
        l = vr_iface_loc(f, L->routing_table_id);
        break;
    case F_DESC:
        if (X) l = X->description;
        break;
    default:
        break;
    }
    /* A value of the wrong type was reported already: "required" would say it twice. */
    if (bit >= 0 && (c->bad & (1u << bit)) && strcmp(error_code, "required") == 0) return;
    if (c->partial && strcmp(error_code, "required") == 0) return;
    /* Nor would "not an address" for the empty slot kept in place of a DNS item of the wrong
     * type. */
    if (bit == F_DNS && index >= 0 && index < VR_DNS_MAX + 1 && (c->dns_bad & (1u << index)))
        return;
    if (!l.line) l = vr_iface_loc(f, L->item);
    if (bit >= 0 && (c->from_default & (1u << bit)) && f->name)
        vr_diags_add(c->diags, VR_SEV_ERROR, &l, error_code,
                     "%s (from defaults, for interface '%s')", message, f->name);
    else
        vr_diags_add(c->diags, VR_SEV_ERROR, &l, error_code, "%s", message);
}

/* Fills the fields f leaves unset from d, borrowing d's texts (the caller copies them). */
static void apply_defaults(vr_iface *f, marks *m, const vr_iface *g, const marks *dm)
{
    unsigned want = dm->set & ~m->set;
    m->bad |= dm->bad & want;
#define TAKE(bit, member)                                                                          \
    if (want & (1u << (bit))) {                                                                    \
        f->member = g->member;                                                                     \
        m->from_default |= 1u << (bit);                                                            \
    }
    TAKE(F_REMOTE, remote_ip)
    TAKE(F_RT, routing_table_id)
    TAKE(F_DESC, description)
    TAKE(F_TYPE, type)
#undef TAKE
    if (want & (1u << F_REMOTE)) f->locs.remote_ip = g->locs.remote_ip;
    if (want & (1u << F_RT)) f->locs.routing_table_id = g->locs.routing_table_id;
    if (want & (1u << F_DNS)) {
        for (size_t i = 0; i < g->dns_count; i++)
            f->dns[i] = g->dns[i];
        f->dns_count = g->dns_count;
        m->dns_bad = dm->dns_bad;
        m->from_default |= 1u << F_DNS;
    }
    if (want & (1u << F_ORDER)) {
        f->order = g->order;
        f->has_order = g->has_order;
    }
    if (want & (1u << F_PROTECT)) {
        f->protect = g->protect;
        f->locs.protect = g->locs.protect;
    }
    if (want & (1u << F_PROBE)) {
        f->probe_port = g->probe_port;
        f->probe_timeout_ms = g->probe_timeout_ms;
    } else if (m->set & dm->set & (1u << F_PROBE)) {
        /* probe is a mapping: an interface's probe takes what it leaves out from defaults */
        if (!f->probe_port) f->probe_port = g->probe_port;
        if (!f->probe_timeout_ms) f->probe_timeout_ms = g->probe_timeout_ms;
    }
}

/* Resolves interface i of fs: the defaults for the fields it leaves out (when with_defaults),
 * ipconnect for a type still unset, then validates it. When keep, the result replaces the
 * interface, its texts in one block, and org_id (its vr_org's id) is set: the organization's
 * own string, not a copy (vr_org). Otherwise it is only validated. */
static void resolve(file_state *fs, size_t i, bool with_defaults, const char *org_id, bool keep,
                    bool partial, vr_diags *diags)
{
    vr_iface *f = &fs->ifaces[i];
    marks *m = &fs->marks[i];
    vr_iface t = *f; /* the interface's texts and the defaults', borrowed */
    char ipconnect[] = "ipconnect";
    if (with_defaults) apply_defaults(&t, m, &fs->defaults, &fs->defaults_marks);
    if (!t.type) t.type = ipconnect;
    validate_ctx c = {&t,
                      m->extra ? &fs->extras[m->extra - 1] : NULL,
                      &fs->defaults_extra,
                      m->from_default,
                      m->bad,
                      m->dns_bad,
                      diags,
                      partial};
    vr_iface_validate(&t, on_field_error, &c);
    if (!keep) return;
    vr_iface_copy(f, &t); /* its own texts now: no longer the arena's */
    f->org_id = (char *)org_id;
}

/* A file that could not be read to its end (a syntax or encoding error, a limit): nothing of
 * it is merged, but the interfaces read whole are checked for what they say themselves, with
 * the defaults when those were read whole too; "required" is left out, as the unread rest of
 * the file might have given the field in defaults. */
static void check_partial(file_state *fs, vr_diags *diags)
{
    for (size_t i = 0; i < fs->complete && i < fs->count; i++)
        resolve(fs, i, fs->defaults_complete, NULL, false, true, diags);
}

static void file_state_free(file_state *fs)
{
    free(fs->org_id);
    free(fs->region);
    free(fs->managed_prefix);
    /* The interfaces left (not merged: never resolved) and the defaults borrow their texts
     * from the arena. */
    arena_free(&fs->texts);
    free(fs->ifaces);
    free(fs->marks);
    free(fs->extras);
    for (size_t i = 0; i < fs->ignore_count; i++) {
        free(fs->ignores[i].name);
        free(fs->ignores[i].field);
    }
    free(fs->ignores);
    memset(fs, 0, sizeof(*fs));
}

/* Resolves defaults, validates every interface, and moves what the file says into inv. */
/* Where each organization's region was first given (vr_org has no place for it), by the
 * organization's index. */
typedef struct {
    vr_loc *items;
    size_t count;
} region_locs;

/* Two texts of one region: its name and its domain, in any case (docs/api.md §1). */
static bool same_region(const char *a, const char *b)
{
    const char *da = vr_regions_domain(a), *db = vr_regions_domain(b);
    if (da && db) return strcmp(da, db) == 0;
    return strcasecmp(a, b) == 0;
}

static void merge_file(vr_inventory *inv, file_state *fs, region_locs *regions, vr_diags *diags)
{
    /* Whether the interfaces will join their organization (see below), known before they are
     * resolved, so each is copied into its own block once. */
    vr_org *org = fs->org_ok ? vr_inventory_add_org(inv, fs->org_id) : NULL;
    bool merging = org && org->count + fs->count <= VR_INVENTORY_MAX_IFACES;
    for (size_t i = 0; i < fs->count; i++)
        resolve(fs, i, true, merging ? org->id : NULL, merging, false, diags);
    if (!org) return;
    if (!org->loc.file) org->loc = fs->org_loc;
    size_t index = (size_t)(org - inv->orgs);
    if (regions->count < inv->org_count) {
        regions->items = vr_xrealloc(regions->items, inv->org_count * sizeof(*regions->items));
        memset(regions->items + regions->count, 0,
               (inv->org_count - regions->count) * sizeof(*regions->items));
        regions->count = inv->org_count;
    }
    if (fs->region) {
        if (!org->region) {
            org->region = vr_strdup(fs->region);
            regions->items[index] = fs->region_loc;
        } else if (!same_region(org->region, fs->region)) {
            const vr_loc *was = &regions->items[index];
            vr_diags_add(diags, VR_SEV_ERROR, &fs->region_loc, "region-conflict",
                         "organization %s region '%s' differs from its region '%s' given at "
                         "%s:%d:%d",
                         org->id, fs->region, org->region, was->file, was->line, was->column);
        }
    }
    if (fs->managed_prefix) {
        if (!org->managed_prefix)
            org->managed_prefix = vr_strdup(fs->managed_prefix);
        else if (strcmp(org->managed_prefix, fs->managed_prefix) != 0)
            vr_diags_add(diags, VR_SEV_ERROR, &fs->managed_prefix_loc, "managed-prefix-conflict",
                         "organization %s managedPrefix '%s' differs from its managedPrefix '%s' "
                         "in another file; give one prefix per organization",
                         org->id, fs->managed_prefix, org->managed_prefix);
    }
    if (org->count + fs->count > VR_INVENTORY_MAX_IFACES) {
        vr_diags_add(diags, VR_SEV_ERROR, &fs->org_loc, "too-many-interfaces",
                     "organization %s has more than %d interfaces; this file's are left out",
                     org->id, VR_INVENTORY_MAX_IFACES);
        return;
    }
    if (org->count == 0) {
        /* The common case, one file per organization: hand the array over, no copy. */
        free(org->ifaces);
        org->ifaces = fs->ifaces;
        org->count = fs->count;
        org->cap = fs->cap;
        fs->ifaces = NULL;
    } else {
        if (org->cap < org->count + fs->count) {
            org->cap = org->count + fs->count;
            org->ifaces = vr_xrealloc(org->ifaces, org->cap * sizeof(*org->ifaces));
        }
        for (size_t i = 0; i < fs->count; i++)
            vr_org_take_iface(org, &fs->ifaces[i]);
    }
    fs->count = 0;
    if (fs->ignore_count) {
        org->ignores = vr_xrealloc(org->ignores,
                                   (org->ignore_count + fs->ignore_count) * sizeof(*org->ignores));
        memcpy(org->ignores + org->ignore_count, fs->ignores,
               fs->ignore_count * sizeof(*fs->ignores));
        org->ignore_count += fs->ignore_count;
        fs->ignore_count = 0;
    }
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* A name defined twice within one organization, in one file or across files: one pass over
 * the interfaces in file order with an open-addressing set, so the first one is kept. */
static void check_names(const vr_org *org, vr_diags *diags)
{
    if (org->count < 2) return;
    size_t size = 16;
    while (size < org->count * 2)
        size *= 2;
    const vr_iface **slots = vr_xcalloc(size, sizeof(*slots));
    for (size_t i = 0; i < org->count; i++) {
        const vr_iface *f = &org->ifaces[i];
        if (!f->name) continue;
        size_t at = (size_t)name_hash(f->name) & (size - 1);
        while (slots[at] && strcmp(slots[at]->name, f->name) != 0)
            at = (at + 1) & (size - 1);
        if (!slots[at]) {
            slots[at] = f;
            continue;
        }
        vr_loc was = vr_iface_loc(slots[at], slots[at]->locs.name);
        vr_loc at_name = vr_iface_loc(f, f->locs.name);
        vr_diags_add(diags, VR_SEV_ERROR, &at_name, "duplicate-name",
                     "name '%s' is defined twice in organization %s; first at %s:%d:%d", f->name,
                     org->id, was.file, was.line, was.column);
    }
    free(slots);
}

/* ---- files and folders ----------------------------------------------------------------- */

/* Adds a source (its SHA-256 filled in once the file is read); the path pointer stays valid
 * as long as inv. */
static const char *add_source(vr_inventory *inv, const char *shown)
{
    inv->sources = vr_xrealloc(inv->sources, (inv->source_count + 1) * sizeof(*inv->sources));
    vr_source *s = &inv->sources[inv->source_count++];
    s->path = vr_strdup(shown);
    s->sha256[0] = '\0';
    return s->path;
}

/* The start of the file again (see vr_yaml_start_fn): kept from standard input, read again
 * otherwise. */
typedef struct {
    const input *in;
    const char *path; /* NULL: standard input */
    char *buf;        /* owned: what was read again */
} file_start;

static void read_start(void *ctx, size_t upto, const unsigned char **data, size_t *len)
{
    file_start *fs = ctx;
    if (!fs->path) {
        *data = (const unsigned char *)fs->in->kept.data;
        *len = fs->in->kept.len;
        return;
    }
    free(fs->buf);
    fs->buf = vr_xmalloc(upto + 1);
    FILE *f = fopen(fs->path, "rb");
    *len = f ? fread(fs->buf, 1, upto, f) : 0;
    if (f) fclose(f);
    *data = (const unsigned char *)fs->buf;
}

static void load_file(vr_inventory *inv, const char *path, region_locs *regions, vr_diags *diags)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "<stdin>" : path;
    vr_loc none = {shown, 0, 0};
    struct stat st;
    if (!is_stdin && stat(path, &st) == 0 && st.st_size > (off_t)VR_INVENTORY_MAX_FILE_BYTES) {
        vr_diags_add(diags, VR_SEV_ERROR, &none, "file-too-large",
                     "file is %lld bytes; the limit is 16 MiB", (long long)st.st_size);
        return;
    }
    input in = {0};
    in.f = is_stdin ? stdin : fopen(path, "rb");
    if (!in.f) {
        vr_diags_add(diags, VR_SEV_ERROR, &none, "io-error", "cannot read file: %s",
                     strerror(errno));
        return;
    }
    in.keep = is_stdin;
    in.nul_at = -1;
    vr_sha256_init(&in.hash);
    file_start start = {&in, is_stdin ? NULL : path, NULL};
    vr_yaml_reader r;
    vr_yaml_reader_init_stream(&r, add_source(inv, shown), read_input, &in, read_start, &start,
                               diags);
    r.max_depth = VR_INVENTORY_MAX_DEPTH;
    r.a_doc = "an inventory";
    r.depth_note = "the inventory needs 4";
    /* One pass: libyaml parses what is read; the file's bytes are hashed as they come. What
     * the parse reported is dropped when the file turns out empty, with a NUL byte, too large
     * or unreadable: those are the whole story. */
    size_t diags_before = diags->count;
    file_state fs;
    memset(&fs, 0, sizeof(fs));
    fs.defaults_complete = true;
    int read_rc = read_stream(&r, &fs);
    drain(&in);
    if (!is_stdin) fclose(in.f);
    if (in.too_large || in.read_errno) {
        vr_diags_truncate(diags, diags_before);
        if (in.too_large)
            vr_diags_add(diags, VR_SEV_ERROR, &none, "file-too-large",
                         "file is larger than the limit of 16 MiB");
        else
            vr_diags_add(diags, VR_SEV_ERROR, &none, "io-error", "cannot read file: %s",
                         strerror(in.read_errno));
        vr_sha256_discard(&in.hash);
        free(inv->sources[--inv->source_count].path); /* not read: not a source */
    } else {
        vr_sha256_final_hex(&in.hash, inv->sources[inv->source_count - 1].sha256);
        if (in.len == 0) {
            vr_diags_truncate(diags, diags_before);
            vr_loc l = {r.file, 1, 1};
            vr_diags_add(diags, VR_SEV_ERROR, &l, "empty-file", "file is empty");
        } else if (in.nul_at >= 0) {
            vr_diags_truncate(diags, diags_before);
            read_start(&start, (size_t)in.nul_at, &r.data, &r.len);
            vr_loc l = vr_yaml_offset_loc(&r, (size_t)in.nul_at);
            vr_diags_add(diags, VR_SEV_ERROR, &l, "nul-byte",
                         "file contains a NUL byte (at offset %zu); an inventory is UTF-8 text",
                         (size_t)in.nul_at);
        } else if (read_rc == VR_YAML_OK) {
            merge_file(inv, &fs, regions, diags);
        } else {
            check_partial(&fs, diags);
        }
    }
    file_state_free(&fs);
    vr_yaml_reader_free(&r);
    free(start.buf);
    vr_buf_free(&in.kept);
}

static bool yaml_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

typedef struct {
    char **items;
    size_t count, cap;
} path_list;

static void walk(const char *dir, int depth, path_list *out, vr_diags *diags)
{
    vr_loc none = {dir, 0, 0};
    if (depth > VR_INVENTORY_MAX_DEPTH) {
        vr_diags_add(diags, VR_SEV_ERROR, &none, "too-deep", "folder nesting is too deep");
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        vr_diags_add(diags, VR_SEV_ERROR, &none, "io-error", "cannot read folder: %s",
                     strerror(errno));
        return;
    }
    struct dirent *e;
    size_t dlen = strlen(dir);
    bool slash = dlen > 0 && dir[dlen - 1] == '/';
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        vr_buf b = VR_BUF_INIT;
        vr_buf_printf(&b, "%s%s%s", dir, slash ? "" : "/", e->d_name);
        char *full = vr_buf_detach(&b);
        struct stat lst, st;
        if (lstat(full, &lst) == 0 && S_ISDIR(lst.st_mode)) {
            walk(full, depth + 1, out, diags); /* symlinked folders are not followed */
            free(full);
        } else if (yaml_name(e->d_name) && stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
            if (out->count == out->cap) {
                out->cap = out->cap ? out->cap * 2 : 16;
                out->items = vr_xrealloc(out->items, out->cap * sizeof(*out->items));
            }
            out->items[out->count++] = full;
        } else {
            free(full);
        }
    }
    closedir(d);
}

static int str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t vr_inventory_iface_count(const vr_inventory *inv)
{
    size_t n = 0;
    for (size_t i = 0; i < inv->org_count; i++)
        n += inv->orgs[i].count;
    return n;
}

int vr_inventory_load(vr_inventory *out, const char *const *paths, size_t npaths, vr_diags *diags)
{
    size_t errors_before = diags->errors;
    region_locs regions = {NULL, 0};
    for (size_t i = 0; i < npaths; i++) {
        const char *p = paths[i];
        struct stat st;
        if (strcmp(p, "-") != 0 && stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            path_list files = {0};
            walk(p, 0, &files, diags);
            if (files.count == 0) {
                vr_loc l = {p, 0, 0};
                vr_diags_add(diags, VR_SEV_ERROR, &l, "empty-folder",
                             "folder has no *.yaml or *.yml files");
            }
            if (files.count > 1) qsort(files.items, files.count, sizeof(*files.items), str_ptr_cmp);
            for (size_t j = 0; j < files.count; j++) {
                load_file(out, files.items[j], &regions, diags);
                free(files.items[j]);
            }
            free(files.items);
        } else {
            load_file(out, p, &regions, diags);
        }
    }
    free(regions.items);
    for (size_t i = 0; i < out->org_count; i++)
        check_names(&out->orgs[i], diags);
    return diags->errors > errors_before ? -1 : 0;
}
