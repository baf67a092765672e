/* test_export: the export writer (desired/vr_export): which scalars are written plain, how the
 * others are quoted, and the round trip through the inventory loader: an export of
 * interfaces loads back to the same interfaces, text for text, whatever their values (the
 * awkward ones of YAML listed one by one, then generated ones). Also: defaults, order,
 * refused and not-active connections, the header. (The file writer --out uses, vr_file, is
 * tested by test_file.) Runs from the repository root (tests/run.sh). */
#include "vr_checks.h"
#include "vr_export.h"
#include "vr_inventory.h"
#include "vr_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_support.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

/* ---- helpers --------------------------------------------------------------------------- */

static char *scalar_text(const char *s)
{
    vr_buf b = VR_BUF_INIT;
    vr_export_scalar(&b, s);
    return vr_buf_detach(&b);
}

/* A live-looking connection (state active). dns: up to 4, NULL-terminated. */
static void make(vr_iface *f, const char *name, const char *local, const char *remote,
                 const char *subnet, const char *const *dns, const char *rt, const char *desc)
{
    static unsigned serial;
    vr_test_iface(f, NULL, name, local, remote, subnet, rt);
    free(f->dns[0]); /* these DNS servers instead */
    f->dns[0] = NULL;
    f->dns_count = 0;
    for (size_t i = 0; dns && dns[i] && i < VR_DNS_MAX + 1; i++)
        f->dns[f->dns_count++] = vr_strdup(dns[i]);
    f->description = vr_strdup(desc);
    char id[40];
    snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012u", ++serial);
    f->id = vr_strdup(id);
    f->state = vr_strdup("active");
}

static void free_all(vr_iface *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vr_iface_clear(&v[i]);
}

static vr_export_meta meta_of(const char *org)
{
    vr_export_meta m;
    memset(&m, 0, sizeof(m));
    m.org_id = org;
    m.org_name = "Example Org";
    m.limit = 50;
    m.read_at_ms = 1795000000000LL;
    return m;
}

/* Writes text to DIR/inventory.yaml and loads it; returns the number of errors. */
static size_t load_text(const char *dir, const char *text, vr_inventory *inv)
{
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/inventory.yaml", dir);
    FILE *fp = fopen(vr_buf_str(&path), "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
    memset(inv, 0, sizeof(*inv));
    vr_diags d = VR_DIAGS_INIT;
    const char *p = vr_buf_str(&path);
    vr_inventory_load(inv, &p, 1, &d);
    vr_inventory_check(inv, &d);
    for (size_t i = 0; i < d.count; i++) {
        char *line = vr_diag_format(&d.items[i]);
        print_message("%s\n", line);
        free(line);
    }
    size_t errors = d.errors;
    if (errors) print_message("--- the text was:\n%s---\n", text);
    vr_diags_free(&d);
    vr_buf_free(&path);
    return errors;
}

static void same_text(const char *what, const char *want, const char *got)
{
    if (!want || !got) {
        if (want != got)
            fail_msg("%s: want %s, got %s", what, want ? want : "(absent)", got ? got : "(absent)");
        return;
    }
    if (strcmp(want, got) != 0) fail_msg("%s: want [%s], got [%s]", what, want, got);
}

static const vr_iface *find(const vr_org *o, const char *name)
{
    for (size_t i = 0; i < o->count; i++)
        if (o->ifaces[i].name && strcmp(o->ifaces[i].name, name) == 0) return &o->ifaces[i];
    return NULL;
}

/* Every field the inventory holds, text for text. */
static void same_iface(const vr_iface *want, const vr_iface *got)
{
    same_text("name", want->name, got->name);
    same_text("type", want->type, got->type);
    same_text("localIp", want->local_ip, got->local_ip);
    same_text("remoteIp", want->remote_ip, got->remote_ip);
    same_text("subnetCidr", want->subnet_cidr, got->subnet_cidr);
    assert_int_equal(want->dns_count, got->dns_count);
    for (size_t i = 0; i < want->dns_count; i++)
        same_text("dnsServers", want->dns[i], got->dns[i]);
    same_text("routingTableId", want->routing_table_id, got->routing_table_id);
    same_text("description", want->description, got->description);
    assert_int_equal(want->has_order, got->has_order);
    if (want->has_order) assert_int_equal(want->order, got->order);
    assert_int_equal(want->protect, got->protect);
    assert_int_equal(want->probe_port, got->probe_port);
    assert_int_equal(want->probe_timeout_ms, got->probe_timeout_ms);
}

/* Exports v, loads the text back: the same organization and the same interfaces, and the
 * plan-side comparison finds nothing to change either. */
static void round_trip(const char *dir, const vr_export_meta *m, const vr_iface *v, size_t n)
{
    vr_export_result r;
    vr_export_org(&r, m, v, n);
    if (r.refused_count)
        fail_msg("refused %s: %s\n%s", r.refused[0].name, r.refused[0].reason, r.text);
    assert_int_equal(r.written, n);
    vr_inventory inv;
    assert_int_equal(load_text(dir, r.text, &inv), 0);
    assert_int_equal(inv.org_count, 1);
    same_text("organization id", m->org_id, inv.orgs[0].id);
    same_text("region", m->region, inv.orgs[0].region);
    assert_int_equal(inv.orgs[0].count, n);
    for (size_t i = 0; i < n; i++) {
        const vr_iface *got = find(&inv.orgs[0], v[i].name);
        if (!got) fail_msg("interface %s is not in\n%s", v[i].name, r.text);
        same_iface(&v[i], got);
        assert_int_equal(vr_iface_compare(got, &v[i], NULL, NULL), 0);
    }
    vr_inventory_free(&inv);
    vr_export_result_free(&r);
}

/* ---- scalars ---------------------------------------------------------------------------- */

static void test_plain_or_quoted(void **state)
{
    (void)state;
    static const char *const plain[] = {"arch-vni-prod-01",
                                        "rt-core",
                                        "ipconnect",
                                        "Production architecture VNI",
                                        "a",
                                        "Z9._-/x",
                                        "yes please",
                                        "nullable",
                                        "trueish",
                                        "e10",
                                        "x1e3"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        if (!vr_export_plain_safe(plain[i])) fail_msg("should be plain: [%s]", plain[i]);
        char *t = scalar_text(plain[i]);
        assert_string_equal(t, plain[i]);
        free(t);
    }
    /* what some YAML reads as another type, or cannot write plain */
    static const char *const quoted[] = {"true",
                                         "True",
                                         "TRUE",
                                         "false",
                                         "yes",
                                         "Yes",
                                         "no",
                                         "NO",
                                         "on",
                                         "On",
                                         "off",
                                         "y",
                                         "N",
                                         "null",
                                         "Null",
                                         "NULL",
                                         "~",
                                         "",
                                         "-",
                                         "1e3",
                                         "0777",
                                         "0o17",
                                         "0x1F",
                                         "1_000",
                                         "1:20",
                                         "+1",
                                         "-1",
                                         ".5",
                                         ".inf",
                                         "-.inf",
                                         ".NaN",
                                         "inf",
                                         "nan",
                                         "2026-01-01",
                                         "2026-01-01T10:00:00Z",
                                         "10.0.50.1",
                                         "10.0.50.0/24",
                                         "2001:db8::1",
                                         "::1",
                                         "fe80::1",
                                         " lead",
                                         "trail ",
                                         "a: b",
                                         "a:b",
                                         "a #b",
                                         "#x",
                                         "'q'",
                                         "\"q\"",
                                         "a\\b",
                                         "[x]",
                                         "{x}",
                                         "a,b",
                                         "&a",
                                         "*a",
                                         "!t",
                                         "%x",
                                         "@x",
                                         "`x",
                                         "|",
                                         ">",
                                         "?",
                                         "<<",
                                         "=",
                                         "---",
                                         "...",
                                         "tab\there",
                                         "new\nline",
                                         "é",
                                         "caf\xc3\xa9",
                                         "\xe2\x80\xa8"};
    for (size_t i = 0; i < sizeof(quoted) / sizeof(quoted[0]); i++) {
        if (vr_export_plain_safe(quoted[i])) fail_msg("should be quoted: [%s]", quoted[i]);
        char *t = scalar_text(quoted[i]);
        assert_true(t[0] == '"' && t[strlen(t) - 1] == '"');
        free(t);
    }
}

static void test_escapes(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a\"b", "\"a\\\"b\""},
        {"back\\slash", "\"back\\\\slash\""},
        {"t\tn\nr\r", "\"t\\tn\\nr\\r\""},
        {"\x01\x1b[31m\x7f", "\"\\x01\\x1b[31m\\x7f\""},
        {"nel\xc2\x85"
         "c1\xc2\x9b",
         "\"nel\\x85c1\\x9b\""},
        {"ls\xe2\x80\xa8ps\xe2\x80\xa9", "\"ls\\u2028ps\\u2029\""},
        {"\xef\xbb\xbf"
         "bom",
         "\"\\ufeffbom\""},
        {"rlo\xe2\x80\xae"
         "x",
         "\"rlo\\u202ex\""},
        {"zw\xe2\x80\x8bj", "\"zw\\u200bj\""},
        {"nonchar\xef\xbf\xbe", "\"nonchar\\ufffe\""},
        {"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xc2\xa0",
         "\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xc2\xa0\""},
        {"bad\xff\xc3", "\"bad\\xff\\xc3\""},
        {"overlong\xc0\xaf", "\"overlong\\xc0\\xaf\""},
        {"surrogate\xed\xa0\x80", "\"surrogate\\xed\\xa0\\x80\""},
        {" a: b # c ", "\" a: b # c \""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        vr_buf b = VR_BUF_INIT;
        vr_export_quoted(&b, cases[i].in);
        assert_string_equal(vr_buf_str(&b), cases[i].out);
        assert_null(memchr(b.data, '\n', b.len));
        vr_buf_free(&b);
    }
}

/* ---- round trips ------------------------------------------------------------------------ */

static const char *const dns1[] = {"8.8.8.8", "8.8.4.4", NULL};

/* The awkward values of YAML, each as a name (where the name rule allows it), a routing
 * table id and a description. */
static void test_round_trip_awkward_values(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("export");
    static const char *const names[] = {
        "true",       "1e3",   "0777", "null", "on", "-",    "1_000", ".inf",  "0x1F",
        "2026-01-01", "False", "NO",   "y",    "-1", "0",    "1.5",   ".",     "..",
        "...",        "---",   "0o17", "1e-3", "_",  "Null", "nan",   "1-2-3", "12.30.0"};
    static const char *const texts[] = {"true",
                                        "~",
                                        "null",
                                        "",
                                        " ",
                                        "-",
                                        "- item",
                                        "? key",
                                        ": colon",
                                        "a: b",
                                        "a:b",
                                        "# not a comment",
                                        "a # b",
                                        "'single'",
                                        "\"double\"",
                                        "back\\slash",
                                        "\\n literal",
                                        "  two leading and trailing  ",
                                        "line\nbreak",
                                        "crlf\r\n",
                                        "tab\tin",
                                        "\x01\x02\x1f",
                                        "esc \x1b[31mred\x1b[0m",
                                        "del\x7f",
                                        "nel\xc2\x85",
                                        "c1\xc2\x9b",
                                        "ls\xe2\x80\xa8",
                                        "ps\xe2\x80\xa9",
                                        "\xef\xbb\xbf"
                                        "bom",
                                        "rlo\xe2\x80\xae",
                                        "nbsp\xc2\xa0",
                                        "caf\xc3\xa9",
                                        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                                        "emoji \xf0\x9f\x98\x80",
                                        "\xef\xbf\xbe\xef\xbf\xbf",
                                        "[flow, seq]",
                                        "{flow: map}",
                                        "&anchor",
                                        "*alias",
                                        "!tag",
                                        "!!str x",
                                        "%YAML 1.2",
                                        "@at",
                                        "`tick`",
                                        "| block",
                                        "> folded",
                                        "<<",
                                        "=",
                                        "---",
                                        "...",
                                        "1e3",
                                        "0777",
                                        "0x1F",
                                        "1_000",
                                        ".inf",
                                        "-.inf",
                                        ".nan",
                                        "2026-01-01",
                                        "2026-01-01 10:00:00",
                                        "1:20:30",
                                        "+12",
                                        "0b101",
                                        "on",
                                        "Off",
                                        "yes",
                                        "Y",
                                        "%",
                                        "a, b",
                                        "key: [x]",
                                        "trailing\\"};
    size_t n = sizeof(names) / sizeof(names[0]);
    size_t nt = sizeof(texts) / sizeof(texts[0]);
    size_t total = n > nt ? n : nt;
    vr_iface *v = vr_xcalloc(total, sizeof(*v));
    for (size_t i = 0; i < total; i++) {
        char name[80], local[32], remote[32], subnet[32];
        if (i < n)
            snprintf(name, sizeof(name), "%s", names[i]);
        else
            snprintf(name, sizeof(name), "vni-%zu", i);
        snprintf(local, sizeof(local), "10.%zu.%zu.1", i / 200, i % 200);
        snprintf(remote, sizeof(remote), "203.0.113.%zu", i % 250);
        snprintf(subnet, sizeof(subnet), "10.%zu.%zu.0/24", i / 200, i % 200);
        const char *t = texts[i % nt];
        /* a routing table id may be any text but empty */
        make(&v[i], name, local, remote, subnet, dns1, *t ? t : "rt-core", t);
    }
    vr_export_meta m = meta_of(ORG);
    round_trip(dir, &m, v, total);
    /* and one by one, where nothing goes to defaults */
    for (size_t i = 0; i < total; i++)
        round_trip(dir, &m, &v[i], 1);
    free_all(v, total);
    free(v);
    vr_test_rm_rf(dir);
    free(dir);
}

/* A deterministic generator, so that a failure can be replayed. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const char *const fragments[] = {"a",
                                        "Z",
                                        "0",
                                        "9",
                                        " ",
                                        "  ",
                                        ":",
                                        ": ",
                                        "#",
                                        " #",
                                        "-",
                                        "- ",
                                        "?",
                                        ",",
                                        "[",
                                        "]",
                                        "{",
                                        "}",
                                        "&",
                                        "*",
                                        "!",
                                        "|",
                                        ">",
                                        "'",
                                        "\"",
                                        "\\",
                                        "\\n",
                                        "%",
                                        "@",
                                        "`",
                                        "~",
                                        "<<",
                                        "=",
                                        "true",
                                        "null",
                                        "on",
                                        "Yes",
                                        "1e3",
                                        "0777",
                                        "0x1F",
                                        "1_000",
                                        ".inf",
                                        ".",
                                        "2026-01-01",
                                        "---",
                                        "...",
                                        "\n",
                                        "\r",
                                        "\r\n",
                                        "\t",
                                        "\x01",
                                        "\x1b",
                                        "\x7f",
                                        "\xc2\x85",
                                        "\xc2\x9f",
                                        "\xc2\xa0",
                                        "\xe2\x80\xa8",
                                        "\xe2\x80\xa9",
                                        "\xe2\x80\x8b",
                                        "\xe2\x80\xae",
                                        "\xef\xbb\xbf",
                                        "\xef\xbf\xbe",
                                        "\xc3\xa9",
                                        "\xe6\x97\xa5",
                                        "\xf0\x9f\x98\x80",
                                        "\xf4\x8f\xbf\xbf"};
static const char *const name_fragments[] = {
    "a",   "Z",   "0",    "9",    ".",     "_",    "-",          "true", "null", "on",
    "Yes", "1e3", "0777", "0x1F", "1_000", ".inf", "2026-01-01", "--",   ".."};

static void gen(uint64_t *s, const char *const *frags, size_t nf, size_t max_frags, size_t max_len,
                vr_buf *out)
{
    vr_buf_reset(out);
    size_t k = 1 + next_rand(s) % max_frags;
    for (size_t i = 0; i < k; i++) {
        const char *f = frags[next_rand(s) % nf];
        if (out->len + strlen(f) > max_len) break;
        vr_buf_puts(out, f);
    }
}

static void test_round_trip_generated(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("export-gen");
    uint64_t seed = 0x9e3779b97f4a7c15ULL, s = seed;
    size_t nf = sizeof(fragments) / sizeof(fragments[0]);
    size_t nn = sizeof(name_fragments) / sizeof(name_fragments[0]);
    vr_buf text = VR_BUF_INIT, name = VR_BUF_INIT;
    print_message("generated values from seed %llx\n", (unsigned long long)seed);
    for (int round = 0; round < 150; round++) {
        vr_iface v[6];
        for (size_t i = 0; i < 6; i++) {
            gen(&s, name_fragments, nn, 6, VR_NAME_MAX - 3, &name);
            vr_buf_printf(&name, "%zu", i); /* unique within the round */
            char local[32], subnet[32];
            snprintf(local, sizeof(local), "10.%zu.0.1", i);
            snprintf(subnet, sizeof(subnet), "10.%zu.0.0/16", i);
            gen(&s, fragments, nf, 12, 200, &text);
            char *desc = vr_strdup(vr_buf_str(&text));
            gen(&s, fragments, nf, 6, 100, &text);
            const char *const dns[] = {"2001:DB8::53", "9.9.9.9", NULL};
            make(&v[i], vr_buf_str(&name), local, "198.51.100.7", subnet, i % 2 ? dns : dns1,
                 vr_buf_str(&text), desc);
            free(desc);
            if (i == 3) {
                v[i].has_order = true;
                v[i].order = -(long)round;
                v[i].protect = true;
                v[i].probe_port = 8443;
            }
        }
        vr_export_meta m = meta_of(round % 2 ? ORG : "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        m.region = round % 3 ? NULL : "eu-west-1";
        m.org_name = vr_buf_str(&text); /* any text in the header comment */
        round_trip(dir, &m, v, 6);
        free_all(v, 6);
    }
    vr_buf_free(&text);
    vr_buf_free(&name);
    vr_test_rm_rf(dir);
    free(dir);
}

/* Interfaces made from valid inventories: exported, they load back the same. */
static void test_round_trip_valid_inventories(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("export-inv");
    static const char *const paths[] = {"fixtures/valid/inventory.yaml", "fixtures/valid/split",
                                        "fixtures/valid/two-orgs", "fixtures/demo/inventory.yaml"};
    for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
        vr_inventory inv;
        memset(&inv, 0, sizeof(inv));
        vr_diags d = VR_DIAGS_INIT;
        assert_int_equal(vr_inventory_load(&inv, &paths[p], 1, &d), 0);
        vr_diags_free(&d);
        for (size_t o = 0; o < inv.org_count; o++) {
            vr_export_meta m = meta_of(inv.orgs[o].id);
            m.region = inv.orgs[o].region;
            round_trip(dir, &m, inv.orgs[o].ifaces, inv.orgs[o].count);
        }
        vr_inventory_free(&inv);
    }
    vr_test_rm_rf(dir);
    free(dir);
}

/* ---- layout ------------------------------------------------------------------------------ */

static void test_defaults_and_order(void **state)
{
    (void)state;
    vr_iface v[3];
    make(&v[0], "vni-c", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", dns1, "rt-core", NULL);
    make(&v[1], "vni-a", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", dns1, "rt-core", "first");
    make(&v[2], "vni-b", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", dns1, "rt-core", "");
    vr_export_table tables[] = {{"rt-core", "core"}, {"rt-edge", NULL}};
    vr_export_meta m = meta_of(ORG);
    m.tables = tables;
    m.table_count = 2;
    vr_export_result r;
    vr_export_org(&r, &m, v, 3);
    assert_int_equal(r.written, 3);
    assert_non_null(strstr(r.text, "defaults:\n  type: ipconnect\n"
                                   "  dnsServers: [\"8.8.8.8\", \"8.8.4.4\"]\n"
                                   "  routingTableId: rt-core  # core\n"
                                   "interfaces:\n"
                                   "  - name: vni-a\n"
                                   "    localIp: \"10.0.1.1\"\n"));
    /* nothing of defaults repeated per interface */
    assert_null(strstr(r.text, "    dnsServers"));
    assert_null(strstr(r.text, "    routingTableId"));
    assert_null(strstr(r.text, "    type:"));
    /* sorted by name; an empty description kept, an absent one absent */
    char *a = strstr(r.text, "- name: vni-a"), *b = strstr(r.text, "- name: vni-b"),
         *c = strstr(r.text, "- name: vni-c");
    assert_true(a && b && c && a < b && b < c);
    assert_non_null(strstr(b, "    description: \"\"\n  - name: vni-c"));
    assert_null(strstr(c, "description"));
    vr_export_result_free(&r);

    /* values that differ stay with their interface */
    free(v[2].routing_table_id);
    v[2].routing_table_id = vr_strdup("rt-edge");
    free(v[0].dns[1]);
    v[0].dns_count = 1;
    v[0].dns[1] = NULL;
    vr_export_org(&r, &m, v, 3);
    assert_non_null(strstr(r.text, "defaults:\n  type: ipconnect\ninterfaces:\n"));
    assert_non_null(strstr(r.text, "    routingTableId: rt-edge\n"));
    assert_non_null(strstr(r.text, "    routingTableId: rt-core  # core\n"));
    assert_non_null(strstr(r.text, "    dnsServers: [\"8.8.8.8\"]\n"));
    vr_export_result_free(&r);

    /* a table the organization does not have is pointed out */
    free(v[2].routing_table_id);
    v[2].routing_table_id = vr_strdup("rt-gone");
    vr_export_org(&r, &m, v, 3);
    assert_non_null(strstr(r.text, "routingTableId: rt-gone  # not a routing table of the "
                                   "organization\n"));
    vr_export_result_free(&r);
    free_all(v, 3);
}

static void test_header_and_empty(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("export-hdr");
    vr_export_meta m = meta_of(ORG);
    m.org_name = "Org\nwith: \"odd\" # name\xe2\x80\xa8";
    vr_export_result r;
    vr_export_org(&r, &m, NULL, 0);
    assert_int_equal(r.written, 0);
    assert_string_equal(r.text,
                        "# vni-reconcile export of organization " ORG
                        " (Org\\nwith: \"odd\" # name\\u2028)\n"
                        "# read at 2026-11-18T11:06:40.000Z: 0 live connections (limit 50)\n"
                        "# 0 interfaces written\n"
                        "apiVersion: vni-reconcile/v1\nkind: VniInventory\norganization:\n"
                        "  id: " ORG "\n"
                        "interfaces: []\n");
    vr_inventory inv;
    assert_int_equal(load_text(dir, r.text, &inv), 0);
    assert_int_equal(inv.org_count, 1);
    assert_int_equal(inv.orgs[0].count, 0);
    vr_inventory_free(&inv);
    vr_export_result_free(&r);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_not_active(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("export-state");
    vr_iface v[3];
    make(&v[0], "vni-a", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", dns1, "rt-core", NULL);
    make(&v[1], "vni-b", "10.0.2.1", "203.0.113.2", "10.0.2.0/24", dns1, "rt-core", NULL);
    make(&v[2], "vni-c", "10.0.3.1", "203.0.113.3", "10.0.3.0/24", dns1, "rt-core", NULL);
    free(v[1].state);
    v[1].state = vr_strdup("provisioning");
    free(v[2].state);
    v[2].state = NULL;
    vr_export_meta m = meta_of(ORG);
    vr_export_result r;
    vr_export_org(&r, &m, v, 3);
    assert_int_equal(r.written, 3);
    assert_int_equal(r.not_active, 2);
    assert_int_equal(r.refused_count, 0);
    assert_non_null(strstr(r.text, "  # state: provisioning (not active)\n  - name: vni-b\n"));
    assert_non_null(strstr(r.text, "  # state: none given (not active)\n  - name: vni-c\n"));
    assert_null(strstr(r.text, "state: active"));
    assert_non_null(strstr(r.text, "\n# 3 interfaces written; 2 not active\n"));
    vr_inventory inv;
    assert_int_equal(load_text(dir, r.text, &inv), 0);
    assert_int_equal(inv.orgs[0].count, 3);
    vr_inventory_free(&inv);
    vr_export_result_free(&r);
    free_all(v, 3);
    vr_test_rm_rf(dir);
    free(dir);
}

/* Connections the rules refuse: commented out in full with the reasons, in the result, and
 * the rest still loads (and nothing written in a comment escapes it). */
static void test_refused(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("export-refused");
    char long_desc[300];
    memset(long_desc, 'x', 257);
    long_desc[257] = '\0';
    vr_iface v[9];
    make(&v[0], "good", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", dns1, "rt-core", NULL);
    make(&v[1], "bad name\n- name: evil\xe2\x80\xa8- name: evil2", "10.0.2.1", "203.0.113.2",
         "10.0.2.0/24", dns1, "rt-core", NULL);
    make(&v[2], "outside", "10.0.4.1", "203.0.113.3", "10.0.3.0/24", dns1, "rt-core", NULL);
    make(&v[3], "too-long", "10.0.5.1", "203.0.113.4", "10.0.5.0/24", dns1, "rt-core", long_desc);
    make(&v[4], "not-utf8", "10.0.6.1", "203.0.113.5", "10.0.6.0/24", dns1, "rt-\xff", "caf\xe9");
    /* conflicts: the first in name order is kept */
    make(&v[5], "overlap-b", "10.1.5.1", "203.0.113.6", "10.1.5.0/24", dns1, "rt-core", NULL);
    make(&v[6], "overlap-a", "10.1.0.1", "203.0.113.7", "10.1.0.0/16", dns1, "rt-core", NULL);
    make(&v[7], "good", "10.0.9.1", "203.0.113.9", "10.0.9.0/24", dns1, "rt-core", NULL);
    make(&v[8], "self", "10.0.8.1", "10.0.8.77", "10.0.8.0/24", dns1, "rt-core", NULL);
    free(v[2].state);
    v[2].state = vr_strdup("failed");
    vr_export_meta m = meta_of(ORG);
    vr_export_result r;
    vr_export_org(&r, &m, v, 9);
    assert_int_equal(r.written, 2);
    assert_int_equal(r.refused_count, 7);
    assert_int_equal(r.not_active, 1);
    /* in name order (bytewise): "bad name...", good (the second), not-utf8, outside,
     * overlap-b, self, too-long */
    assert_string_equal(r.refused[0].name, v[1].name);
    assert_non_null(strstr(r.refused[0].reason, "must be 1 to 64 characters"));
    assert_string_equal(r.refused[1].name, "good");
    assert_string_equal(r.refused[1].id, v[7].id);
    assert_non_null(strstr(r.refused[1].reason, "is also the name of live connection"));
    assert_string_equal(r.refused[2].name, "not-utf8");
    assert_non_null(strstr(r.refused[2].reason, "routingTableId is not valid UTF-8"));
    assert_non_null(strstr(r.refused[2].reason, "description is not valid UTF-8"));
    assert_string_equal(r.refused[3].name, "outside");
    assert_string_equal(r.refused[3].state, "failed");
    assert_non_null(strstr(r.refused[3].reason, "localIp 10.0.4.1 is outside subnetCidr"));
    assert_string_equal(r.refused[4].name, "overlap-b");
    assert_non_null(strstr(r.refused[4].reason, "overlaps subnetCidr 10.1.0.0/16 of 'overlap-a'"));
    assert_string_equal(r.refused[5].name, "self");
    assert_non_null(strstr(r.refused[5].reason, "inside its own subnetCidr"));
    assert_string_equal(r.refused[6].name, "too-long");
    assert_non_null(strstr(r.refused[6].reason, "description is 257 characters"));

    /* commented out in full, after the state and the reasons */
    assert_non_null(strstr(r.text, "  # state: failed (not active)\n"
                                   "  # refused by the inventory's rules: localIp 10.0.4.1 is "
                                   "outside subnetCidr 10.0.3.0/24\n"
                                   "  # - name: outside\n"
                                   "  #   type: ipconnect\n"
                                   "  #   localIp: \"10.0.4.1\"\n"));
    assert_non_null(strstr(r.text, "  #   dnsServers: [\"8.8.8.8\", \"8.8.4.4\"]\n"
                                   "  #   routingTableId: rt-core\n"));
    assert_non_null(
        strstr(r.text, "  # - name: \"bad name\\n- name: evil\\u2028- name: evil2\"\n"));
    assert_non_null(strstr(r.text, "routingTableId: \"rt-\\xff\""));
    assert_non_null(strstr(r.text, "\n# 2 interfaces written; 7 commented out, refused by the "
                                   "inventory's rules (the reasons are above each); 1 not "
                                   "active\n"));
    /* every line is a comment, a key or an item: nothing escaped onto a line of its own */
    for (const char *p = r.text; *p;) {
        const char *e = strchr(p, '\n');
        assert_non_null(e);
        if (strncmp(p, "evil", 4) == 0 || strncmp(p, "- name: evil", 12) == 0)
            fail_msg("escaped line: %.*s", (int)(e - p), p);
        p = e + 1;
    }
    vr_inventory inv;
    assert_int_equal(load_text(dir, r.text, &inv), 0);
    assert_int_equal(inv.orgs[0].count, 2);
    same_iface(&v[0], find(&inv.orgs[0], "good"));
    same_iface(&v[6], find(&inv.orgs[0], "overlap-a"));
    vr_inventory_free(&inv);
    vr_export_result_free(&r);
    free_all(v, 9);
    vr_test_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_or_quoted),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_round_trip_awkward_values),
        cmocka_unit_test(test_round_trip_generated),
        cmocka_unit_test(test_round_trip_valid_inventories),
        cmocka_unit_test(test_defaults_and_order),
        cmocka_unit_test(test_header_and_empty),
        cmocka_unit_test(test_not_active),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
