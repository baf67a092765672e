/* test_inventory: the strict loader (every rule, each with its fixture, message, line and
 * column) and the per-organization checks. Runs from the repository root (tests/run.sh). */
#include "vr_checks.h"
#include "vr_inventory.h"
#include "vr_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_support.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INVALID "fixtures/invalid/"
#define VALID "fixtures/valid/"

/* One rule: the path to load, the file the diagnostic is in, where, its code, and a part of
 * its message. Generated with the fixtures; each fixture breaks exactly that rule. */
typedef struct {
    const char *path, *file;
    int line, column;
    const char *code, *message;
} rule_case;

static const rule_case rules[] = {
    {"unknown-key.yaml", "unknown-key.yaml", 13, 5, "unknown-key",
     "unknown key 'locaIp' in interfaces[0]; did you mean 'localIp'?"},
    {"unknown-key-top.yaml", "unknown-key-top.yaml", 13, 1, "unknown-key",
     "unknown key 'interface' in the top level; did you mean 'interfaces'?"},
    {"duplicate-key.yaml", "duplicate-key.yaml", 13, 5, "duplicate-key",
     "duplicate key 'localIp' in interfaces[0]; first at line 10, column 5"},
    {"wrong-type-mapping.yaml", "wrong-type-mapping.yaml", 13, 18, "wrong-type",
     "description must be a string, not a mapping"},
    {"wrong-type-sequence.yaml", "wrong-type-sequence.yaml", 13, 21, "wrong-type",
     "routingTableId must be a string, not a sequence"},
    {"wrong-type-number.yaml", "wrong-type-number.yaml", 9, 11, "wrong-type",
     "name must be a string; '1234' is read as a number: quote it (\"1234\")"},
    {"wrong-type-bool.yaml", "wrong-type-bool.yaml", 13, 18, "wrong-type",
     "description must be a string; 'true' is read as a boolean: quote it (\"true\")"},
    {"wrong-type-null.yaml", "wrong-type-null.yaml", 13, 18, "wrong-type",
     "description must be a string; '~' is read as null"},
    {"wrong-type-empty.yaml", "wrong-type-empty.yaml", 13, 17, "wrong-type",
     "description must be a string; the value is empty (null)"},
    {"wrong-type-float.yaml", "wrong-type-float.yaml", 13, 21, "wrong-type",
     "'1.5' is read as a number"},
    {"dns-not-sequence.yaml", "dns-not-sequence.yaml", 13, 17, "wrong-type",
     "dnsServers must be a sequence, not a string"},
    {"interfaces-not-sequence.yaml", "interfaces-not-sequence.yaml", 8, 13, "wrong-type",
     "interfaces must be a sequence, not a mapping"},
    {"interface-not-mapping.yaml", "interface-not-mapping.yaml", 9, 5, "wrong-type",
     "interfaces[0] must be a mapping, not a string"},
    {"alias.yaml", "alias.yaml", 13, 11, "alias", "YAML aliases (*n) are not allowed"},
    {"anchor.yaml", "anchor.yaml", 13, 18, "anchor", "YAML anchors (&d) are not allowed"},
    {"merge-key.yaml", "merge-key.yaml", 13, 5, "merge-key",
     "merge keys (<<) are not allowed in interfaces[0]"},
    {"tag.yaml", "tag.yaml", 13, 18, "tag", "YAML tags (!!str) are not allowed; remove the tag"},
    {"tag-local.yaml", "tag-local.yaml", 13, 18, "tag", "YAML tags (!custom) are not allowed"},
    {"multi-document.yaml", "multi-document.yaml", 13, 1, "multiple-documents",
     "only one YAML document per file"},
    {"syntax-error.yaml", "syntax-error.yaml", 14, 1, "yaml-syntax",
     "invalid YAML: did not find expected"},
    {"syntax-tab.yaml", "syntax-tab.yaml", 13, 1, "yaml-syntax",
     "invalid YAML: found a tab character that violates indentation"},
    {"not-a-mapping.yaml", "not-a-mapping.yaml", 1, 1, "not-a-mapping",
     "the top level must be a mapping (apiVersion, kind, organization, interfaces), not a "
     "sequence"},
    {"scalar-top.yaml", "scalar-top.yaml", 1, 1, "not-a-mapping", "not a string"},
    {"empty.yaml", "empty.yaml", 1, 1, "empty-file", "file is empty"},
    {"comments-only.yaml", "comments-only.yaml", 1, 1, "empty-file",
     "file has no YAML document (only blanks or comments)"},
    {"invalid-utf8.yaml", "invalid-utf8.yaml", 13, 21, "invalid-encoding",
     "file is not valid UTF-8: invalid trailing UTF-8 octet"},
    {"nul-byte.yaml", "nul-byte.yaml", 13, 20, "nul-byte", "file contains a NUL byte"},
    {"too-deep.yaml", "too-deep.yaml", 13, 79, "too-deep", "nesting is deeper than 64 levels"},
    {"api-version.yaml", "api-version.yaml", 1, 13, "bad-api-version",
     "apiVersion 'vni-reconcile/v2' is not supported; use vni-reconcile/v1"},
    {"kind.yaml", "kind.yaml", 2, 7, "bad-kind",
     "kind 'Inventory' is not supported; use VniInventory"},
    {"missing-api-version.yaml", "missing-api-version.yaml", 1, 1, "missing-key",
     "missing key 'apiVersion'"},
    {"missing-organization.yaml", "missing-organization.yaml", 1, 1, "missing-key",
     "missing key 'organization'"},
    {"org-id-invalid.yaml", "org-id-invalid.yaml", 4, 7, "invalid-organization",
     "organization id 'a1b2c3d4-e5f6-7890-abcd-ef12345678' is not a UUID"},
    {"org-id-missing.yaml", "org-id-missing.yaml", 4, 3, "missing-key", "organization has no id"},
    {"defaults-name.yaml", "defaults-name.yaml", 6, 3, "not-a-default",
     "name cannot be given in defaults"},
    {"defaults-bad-value.yaml", "defaults-bad-value.yaml", 8, 13, "invalid.format",
     "remoteIp '999.1.1.1' is not an IPv4 or IPv6 address (from defaults, for interface 'vni-a')"},
    {"probe-port.yaml", "probe-port.yaml", 13, 19, "out-of-range",
     "probe port 70000 is out of range; allowed are 1 to 65535"},
    {"probe-timeout.yaml", "probe-timeout.yaml", 13, 35, "out-of-range",
     "probe timeoutMs 0 is out of range; allowed are 1 to 600000"},
    {"probe-unknown.yaml", "probe-unknown.yaml", 13, 13, "unknown-key",
     "unknown key 'prot' in probe of interfaces[0]; did you mean 'port'?"},
    {"order-not-int.yaml", "order-not-int.yaml", 13, 12, "wrong-type",
     "order must be a whole number; got a string '10'"},
    {"protect-not-bool.yaml", "protect-not-bool.yaml", 13, 14, "wrong-type",
     "protect must be true or false; got a string 'yes'"},
    {"drift-ignore-empty.yaml", "drift-ignore-empty.yaml", 15, 7, "invalid-ignore",
     "drift.ignore[0] must give a name, a field, or both"},
    {"drift-ignore-field.yaml", "drift-ignore-field.yaml", 15, 28, "invalid-ignore",
     "drift.ignore field 'localip' is not a compared field"},
    {"name-invalid.yaml", "name-invalid.yaml", 9, 11, "invalid.value",
     "name 'vni a!' must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"},
    {"name-too-long.yaml", "name-too-long.yaml", 9, 11, "invalid.value",
     "must be 1 to 64 characters"},
    {"name-missing.yaml", "name-missing.yaml", 9, 5, "required", "name is required"},
    {"type-invalid.yaml", "type-invalid.yaml", 13, 11, "invalid.value",
     "type 'gre' is not supported; the only type is ipconnect"},
    {"local-ip-format.yaml", "local-ip-format.yaml", 10, 14, "invalid.format",
     "localIp '10.0.1.256' is not an IPv4 or IPv6 address"},
    {"remote-ip-format.yaml", "remote-ip-format.yaml", 11, 15, "invalid.format",
     "remoteIp 'gateway.example.com' is not an IPv4 or IPv6 address"},
    {"remote-ip-missing.yaml", "remote-ip-missing.yaml", 9, 5, "required", "remoteIp is required"},
    {"subnet-format.yaml", "subnet-format.yaml", 12, 17, "invalid.format",
     "subnetCidr '10.0.1.0' is not a CIDR block (ADDRESS/PREFIX)"},
    {"subnet-host-bits.yaml", "subnet-host-bits.yaml", 12, 17, "invalid.value",
     "subnetCidr 10.0.1.7/24 has host bits set; did you mean 10.0.1.0/24?"},
    {"subnet-prefix.yaml", "subnet-prefix.yaml", 12, 17, "invalid.value",
     "subnetCidr 10.0.1.0/25 has prefix length /25; allowed are 8, 16 or 24"},
    {"subnet-prefix-v6.yaml", "subnet-prefix-v6.yaml", 12, 17, "invalid.value",
     "subnetCidr 2001:db8:1::/60 has prefix length /60; allowed are 48, 56 or 64"},
    {"local-outside.yaml", "local-outside.yaml", 10, 14, "out.of.range",
     "localIp 10.0.2.1 is outside subnetCidr 10.0.1.0/24"},
    {"local-network.yaml", "local-network.yaml", 10, 14, "invalid.value",
     "localIp 10.0.1.0 is the network address of 10.0.1.0/24"},
    {"local-broadcast.yaml", "local-broadcast.yaml", 10, 14, "invalid.value",
     "localIp 10.0.1.255 is the broadcast address of 10.0.1.0/24"},
    {"dns-empty.yaml", "dns-empty.yaml", 13, 17, "required",
     "dnsServers must list 1 to 4 addresses; it is empty"},
    {"dns-too-many.yaml", "dns-too-many.yaml", 13, 17, "out.of.range",
     "dnsServers lists more than 4 addresses"},
    {"dns-item-invalid.yaml", "dns-item-invalid.yaml", 13, 27, "invalid.format",
     "dnsServers[1] 'dns.example.com' is not an IPv4 or IPv6 address"},
    {"routing-table-missing.yaml", "routing-table-missing.yaml", 8, 5, "required",
     "routingTableId is required"},
    {"description-too-long.yaml", "description-too-long.yaml", 13, 18, "too.long",
     "description is 257 characters; the platform takes at most 256"},
    {"duplicate-name.yaml", "duplicate-name.yaml", 13, 11, "duplicate-name",
     "name 'vni-a' is defined twice in organization a1b2c3d4-e5f6-7890-abcd-ef1234567890; first "
     "at "},
    {"duplicate-name-split", "duplicate-name-split/b.yaml", 9, 11, "duplicate-name",
     "first at fixtures/invalid/duplicate-name-split/a.yaml:9:11"},
    {"region-conflict", "region-conflict/b.yaml", 5, 11, "region-conflict",
     "region 'mypurecloud.ie' differs from its region 'mypurecloud.com' given at "
     "fixtures/invalid/region-conflict/a.yaml:5:11"},
    {"managed-prefix.yaml", "managed-prefix.yaml", 6, 18, "invalid-value",
     "organization managedPrefix 'arch vni' must be 1 to 63 characters"},
    {"managed-prefix-conflict", "managed-prefix-conflict/b.yaml", 6, 18, "managed-prefix-conflict",
     "managedPrefix 'edge-vni-' differs from its managedPrefix 'arch-vni-'"},
    {"dup-local-ip.yaml", "dup-local-ip.yaml", 14, 14, "duplicate-ip",
     "localIp 2001:db8:1::1 of 'vni-b' is also the localIp of 'vni-a' "
     "(fixtures/invalid/dup-local-ip.yaml:10)"},
    {"local-is-remote.yaml", "local-is-remote.yaml", 14, 14, "ip-allocated",
     "localIp 203.0.113.10 of 'vni-b' is the remoteIp of 'vni-a' "
     "(fixtures/invalid/local-is-remote.yaml:11)"},
    {"subnet-overlap.yaml", "subnet-overlap.yaml", 16, 17, "subnet-overlap",
     "subnetCidr 10.1.5.0/24 of 'vni-b' overlaps subnetCidr 10.1.0.0/16 of 'vni-a' "
     "(fixtures/invalid/subnet-overlap.yaml:12)"},
    {"remote-in-subnet.yaml", "remote-in-subnet.yaml", 15, 15, "remote-in-subnet",
     "remoteIp 10.0.1.77 of 'vni-b' is inside subnetCidr 10.0.1.0/24 of 'vni-a' "
     "(fixtures/invalid/remote-in-subnet.yaml:12)"},
    {"remote-in-own-subnet.yaml", "remote-in-own-subnet.yaml", 11, 15, "remote-in-subnet",
     "remoteIp 10.0.1.9 of 'vni-a' is inside its own subnetCidr 10.0.1.0/24"},
};

#define NRULES (sizeof(rules) / sizeof(rules[0]))

static int load(vr_inventory *inv, vr_diags *d, const char *path)
{
    memset(inv, 0, sizeof(*inv));
    const char *paths[] = {path};
    return vr_inventory_load(inv, paths, 1, d);
}

/* The diagnostic at file:line:column with that code, or NULL. */
static const vr_diag *find_diag(const vr_diags *d, const char *file, int line, int column,
                                const char *code)
{
    for (size_t i = 0; i < d->count; i++) {
        const vr_diag *g = &d->items[i];
        if (g->file && strcmp(g->file, file) == 0 && g->line == line && g->column == column &&
            strcmp(g->code, code) == 0)
            return g;
    }
    return NULL;
}

static void print_diags(const vr_diags *d)
{
    for (size_t i = 0; i < d->count; i++) {
        char *s = vr_diag_format(&d->items[i]);
        print_message("  got: %s [%s]\n", s, d->items[i].code);
        free(s);
    }
}

static void test_rule(void **state)
{
    const rule_case *c = *state;
    char path[512], file[512];
    snprintf(path, sizeof(path), INVALID "%s", c->path);
    snprintf(file, sizeof(file), INVALID "%s", c->file);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    int rc = load(&inv, &d, path);
    vr_inventory_check(&inv, &d);
    const vr_diag *g = find_diag(&d, file, c->line, c->column, c->code);
    if (!g || !strstr(g->message, c->message)) {
        print_message("want %s:%d:%d [%s] ...%s...\n", file, c->line, c->column, c->code,
                      c->message);
        print_diags(&d);
    }
    assert_non_null(g);
    assert_non_null(strstr(g->message, c->message));
    assert_int_equal(g->severity, VR_SEV_ERROR);
    assert_true(d.errors >= 1);
    (void)rc;
    vr_diags_free(&d);
    vr_inventory_free(&inv);
}

/* Loader errors make vr_inventory_load() return -1; check errors come from vr_inventory_check. */
static void test_load_returns_error(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, INVALID "unknown-key.yaml"), -1);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    assert_int_equal(load(&inv, &d, INVALID "subnet-overlap.yaml"), 0);
    assert_int_equal(vr_inventory_check(&inv, &d), -1);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
}

static const vr_iface *find_iface(const vr_org *o, const char *name)
{
    for (size_t i = 0; i < o->count; i++)
        if (o->ifaces[i].name && strcmp(o->ifaces[i].name, name) == 0) return &o->ifaces[i];
    return NULL;
}

static void test_valid_inventory(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, VALID "inventory.yaml"), 0);
    assert_int_equal(vr_inventory_check(&inv, &d), 0);
    print_diags(&d);
    assert_int_equal(d.count, 0);
    assert_int_equal(inv.org_count, 1);
    const vr_org *o = &inv.orgs[0];
    assert_string_equal(o->id, "a1b2c3d4-e5f6-7890-abcd-ef1234567890");
    assert_string_equal(o->region, "mypurecloud.com");
    assert_int_equal(o->count, 50);
    assert_int_equal(o->ignore_count, 2);
    assert_true(vr_org_ignores(o, "arch-vni-prod-01", "description"));
    assert_true(vr_org_ignores(o, "arch-vni-lab-01", "localIp"));
    assert_false(vr_org_ignores(o, "arch-vni-prod-01", "localIp"));

    const vr_iface *f = find_iface(o, "arch-vni-prod-01");
    assert_non_null(f);
    assert_string_equal(f->org_id, o->id);
    assert_string_equal(f->type, "ipconnect");
    assert_string_equal(f->routing_table_id, "rt-core"); /* from defaults */
    assert_int_equal(f->dns_count, 2);
    assert_string_equal(f->dns[0], "8.8.8.8");
    assert_true(f->has_order);
    assert_int_equal(f->order, 10);
    assert_true(f->protect);
    assert_int_equal(f->probe_port, 443);
    assert_int_equal(f->probe_timeout_ms, 5000);
    assert_int_equal(f->local.family, VR_AF_V4);
    assert_int_equal(f->subnet.prefix, 24);
    /* locations point at the source's path, which lives as long as the inventory */
    assert_ptr_equal(f->locs.file, inv.sources[0].path);
    assert_int_equal(f->locs.name.line, 13);
    assert_int_equal(f->locs.name.column, 11);
    assert_int_equal(f->locs.routing_table_id.line, 10); /* the default's line */

    const vr_iface *e = find_iface(o, "arch-vni-edge-01");
    assert_string_equal(e->routing_table_id, "rt-edge");
    assert_int_equal(e->probe_port, 8443);       /* its own */
    assert_int_equal(e->probe_timeout_ms, 5000); /* the rest of the probe from defaults */
    const vr_iface *s3 = find_iface(o, "arch-vni-stage-03");
    assert_string_equal(s3->dns[0], "1.1.1.1");
    assert_false(s3->has_order);

    /* the source's hash is the SHA-256 of its bytes */
    char *data;
    size_t len;
    assert_int_equal(vr_read_file(VALID "inventory.yaml", 1 << 24, &data, &len), 0);
    char hex[65];
    vr_sha256_hex(data, len, hex);
    free(data);
    assert_int_equal(inv.source_count, 1);
    assert_string_equal(inv.sources[0].sha256, hex);
    assert_string_equal(inv.sources[0].path, VALID "inventory.yaml");
    vr_diags_free(&d);
    vr_inventory_free(&inv);
}

static void test_folder_merge(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, VALID "split"), 0);
    assert_int_equal(vr_inventory_check(&inv, &d), 0);
    assert_int_equal(d.count, 0);
    /* files in bytewise order of their full path; README.txt is not read */
    assert_int_equal(inv.source_count, 3);
    assert_string_equal(inv.sources[0].path, VALID "split/00-organization.yaml");
    assert_string_equal(inv.sources[1].path, VALID "split/sites/dublin.yml");
    assert_string_equal(inv.sources[2].path, VALID "split/sites/frankfurt.yaml");
    assert_int_equal(inv.org_count, 1);
    const vr_org *o = &inv.orgs[0];
    assert_int_equal(o->count, 4);
    assert_string_equal(o->ifaces[0].name, "core-01");
    assert_string_equal(o->ifaces[3].name, "frankfurt-v6");
    assert_string_equal(o->region, "mypurecloud.com");
    /* defaults are per file: dublin's interface does not get 00-organization's */
    const vr_iface *dub = find_iface(o, "dublin-01");
    assert_int_equal(dub->dns_count, 1);
    assert_string_equal(dub->dns[0], "1.1.1.1");
    assert_ptr_equal(dub->locs.file, inv.sources[1].path);
    assert_int_equal(o->ignore_count, 1);
    assert_int_equal(find_iface(o, "frankfurt-v6")->local.family, VR_AF_V6);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
}

static void test_two_orgs_same_addresses(void **state)
{
    (void)state;
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, VALID "two-orgs"), 0);
    assert_int_equal(vr_inventory_check(&inv, &d), 0);
    assert_int_equal(d.count, 0);
    assert_int_equal(inv.org_count, 2);
    assert_string_equal(inv.orgs[0].id, "a1b2c3d4-e5f6-7890-abcd-ef1234567890");
    assert_string_equal(inv.orgs[1].id, "0f0e0d0c-0b0a-4998-8776-655443322110");
    assert_int_equal(inv.orgs[0].count, 2);
    assert_int_equal(inv.orgs[1].count, 2);
    assert_string_equal(inv.orgs[1].ifaces[0].org_id, inv.orgs[1].id);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
}

/* Every error of a run is reported, across files; a file with a syntax error stops alone. */
static void test_all_errors_reported(void **state)
{
    (void)state;
    vr_inventory inv;
    memset(&inv, 0, sizeof(inv));
    vr_diags d = VR_DIAGS_INIT;
    const char *paths[] = {INVALID "syntax-error.yaml", INVALID "unknown-key.yaml",
                           INVALID "local-network.yaml", VALID "inventory.yaml",
                           INVALID "tag.yaml"};
    assert_int_equal(vr_inventory_load(&inv, paths, 5, &d), -1);
    assert_non_null(find_diag(&d, INVALID "syntax-error.yaml", 14, 1, "yaml-syntax"));
    assert_non_null(find_diag(&d, INVALID "unknown-key.yaml", 13, 5, "unknown-key"));
    assert_non_null(find_diag(&d, INVALID "local-network.yaml", 10, 14, "invalid.value"));
    assert_non_null(find_diag(&d, INVALID "tag.yaml", 13, 18, "tag"));
    /* the other files were merged: names repeat across them, the valid file's 50 are in */
    assert_int_equal(inv.source_count, 5);
    assert_int_equal(inv.org_count, 1);
    assert_int_equal(inv.orgs[0].count, 53);
    assert_non_null(find_diag(&d, INVALID "local-network.yaml", 9, 11, "duplicate-name"));
    vr_diags_free(&d);
    vr_inventory_free(&inv);
}

static void test_several_errors_in_one_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/vr-inv-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/many.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("apiVersion: vni-reconcile/v1\nkind: VniInventory\norganization: {id: "
          "a1b2c3d4-e5f6-7890-abcd-ef1234567890}\ninterfaces:\n"
          "  - name: a\n    localIp: 10.0.0.0\n    remoteIp: x\n    subnetCidr: 10.0.0.1/24\n"
          "    dnsServers: []\n    routingTableId: rt-core\n    colour: red\n",
          f);
    fclose(f);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, path), -1);
    assert_int_equal(d.errors, 5); /* localIp, remoteIp, subnetCidr, dnsServers, colour */
    assert_non_null(find_diag(&d, path, 6, 14, "invalid.value"));
    assert_non_null(find_diag(&d, path, 7, 15, "invalid.format"));
    assert_non_null(find_diag(&d, path, 8, 17, "invalid.value"));
    assert_non_null(find_diag(&d, path, 9, 17, "required"));
    assert_non_null(find_diag(&d, path, 11, 5, "unknown-key"));
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    unlink(path);
    rmdir(dir);
}

/* Writes len bytes to a new file in a new folder; path gets "<dir>/t.yaml". */
static void write_bytes(char *dir, char *path, size_t path_len, const char *data, size_t len)
{
    assert_non_null(mkdtemp(dir));
    snprintf(path, path_len, "%s/t.yaml", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void remove_bytes(const char *dir, const char *path)
{
    unlink(path);
    rmdir(dir);
}

#define HEAD                                                                                       \
    "apiVersion: vni-reconcile/v1\nkind: VniInventory\norganization: {id: "                        \
    "a1b2c3d4-e5f6-7890-abcd-ef1234567890}\n"

#define HEAD_REGION(r)                                                                             \
    "apiVersion: vni-reconcile/v1\nkind: VniInventory\norganization:\n  region: " r "\n"           \
    "  id: a1b2c3d4-e5f6-7890-abcd-ef1234567890\n"

/* A double-quoted "\0" (or "\x00", "\u0000") puts a NUL inside a value: C strings would end
 * there and the loader would take "vni-a" for "vni-a\0junk" (or a key "name\0x" for name). */
static void test_nul_escape_refused(void **state)
{
    (void)state;
    static const char text[] = HEAD "interfaces:\n"
                                    "  - name: \"vni-a\\0junk\"\n"
                                    "    localIp: 10.0.0.1\n"
                                    "    remoteIp: 203.0.113.1\n"
                                    "    subnetCidr: 10.0.0.0/24\n"
                                    "    dnsServers: [8.8.8.8]\n"
                                    "    routingTableId: rt-core\n"
                                    "    description: \"a\\x00b\"\n"
                                    "    \"order\\u0000x\": 1\n";
    char dir[] = "/tmp/vr-inv-XXXXXX", path[256];
    write_bytes(dir, path, sizeof(path), text, sizeof(text) - 1);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    int rc = load(&inv, &d, path);
    if (d.errors != 3) print_diags(&d);
    assert_int_equal(rc, -1);
    assert_non_null(find_diag(&d, path, 5, 11, "nul-byte"));
    assert_non_null(find_diag(&d, path, 11, 18, "nul-byte"));
    assert_non_null(find_diag(&d, path, 12, 5, "nul-byte"));
    assert_int_equal(d.errors, 3);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    remove_bytes(dir, path);
}

/* Locations the loader computes itself (NUL bytes, bad UTF-8) count lines and columns as
 * libyaml does for every other diagnostic: CR, CR LF, LF, NEL, LS and PS end a line, and a
 * byte-order mark takes no column. */
static void test_offset_locations_follow_yaml_line_breaks(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len;
        int line, column;
        const char *code;
    } cases[] = {
        {"apiVersion: x\rkind: y\rfoo: \0\r", 29, 3, 6, "nul-byte"},
        {"apiVersion: x\r\nkind: y\r\nfoo: \0\r\n", 32, 3, 6, "nul-byte"},
        {"apiVersion: x\xc2\x85kind: y\xe2\x80\xa8"
         "foo: \0\n",
         33, 3, 6, "nul-byte"},
        {"a: x\xe2\x80\xa9"
         "b: \xff\n",
         12, 2, 4, "invalid-encoding"},
        {"\xef\xbb\xbf{x: \0}\n", 10, 1, 5, "nul-byte"},
        {"\xef\xbb\xbf{x: \xff}\n", 10, 1, 5, "invalid-encoding"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char dir[] = "/tmp/vr-inv-XXXXXX", path[256];
        write_bytes(dir, path, sizeof(path), cases[i].text, cases[i].len);
        vr_inventory inv;
        vr_diags d = VR_DIAGS_INIT;
        assert_int_equal(load(&inv, &d, path), -1);
        const vr_diag *g = find_diag(&d, path, cases[i].line, cases[i].column, cases[i].code);
        if (!g) {
            print_message("case %zu: want %d:%d [%s]\n", i, cases[i].line, cases[i].column,
                          cases[i].code);
            print_diags(&d);
        }
        assert_non_null(g);
        vr_diags_free(&d);
        vr_inventory_free(&inv);
        remove_bytes(dir, path);
    }
}

/* The file is read as a stream, never held whole: what is only known at its end still decides
 * as if it had been read first. A NUL byte far into a file (past the reads libyaml has made
 * when it meets a syntax error) is the one error reported; a bad byte far into it is located
 * by reading the start of the file again; the SHA-256 covers every byte even when the parse
 * stopped early. */
static void test_streamed_file_decided_whole(void **state)
{
    (void)state;
    vr_buf b = VR_BUF_INIT;
    vr_buf_puts(&b, HEAD "interfaces:\n  - name: a\n - name: b\n"); /* 6:2: bad indent */
    for (int i = 0; i < 20000; i++) /* about 400 KiB of comment lines */
        vr_buf_printf(&b, "# filler line %05d\n", i);
    int line = 20000 + 7; /* after HEAD's 3 lines, 3 more and the filler */
    vr_buf_puts(&b, "# a NUL: \x01\n");
    b.data[b.len - 2] = '\0';
    char dir[] = "/tmp/vr-inv-XXXXXX", path[256];
    write_bytes(dir, path, sizeof(path), b.data, b.len);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, path), -1);
    if (d.count != 1) print_diags(&d);
    assert_int_equal(d.count, 1); /* not the syntax error: the NUL byte says it all */
    assert_non_null(find_diag(&d, path, line, 10, "nul-byte"));
    char hex[65];
    vr_sha256_hex(b.data, b.len, hex);
    assert_int_equal(inv.source_count, 1);
    assert_string_equal(inv.sources[0].sha256, hex);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    remove_bytes(dir, path);

    /* the same file with a bad UTF-8 byte there instead: the syntax error comes first, so that
     * is what is reported; the hash is still of the whole file */
    char dir2[] = "/tmp/vr-inv-XXXXXX";
    b.data[b.len - 2] = (char)0xff;
    write_bytes(dir2, path, sizeof(path), b.data, b.len);
    assert_int_equal(load(&inv, &d, path), -1);
    if (!find_diag(&d, path, 6, 2, "yaml-syntax")) print_diags(&d);
    assert_non_null(find_diag(&d, path, 6, 2, "yaml-syntax"));
    assert_int_equal(d.count, 1);
    vr_sha256_hex(b.data, b.len, hex);
    assert_string_equal(inv.sources[0].sha256, hex);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    remove_bytes(dir2, path);

    /* a valid start: the bad byte far in is libyaml's to find, and is located by reading the
     * start of the file again */
    char dir3[] = "/tmp/vr-inv-XXXXXX";
    vr_buf_reset(&b);
    vr_buf_puts(&b, HEAD "interfaces: []\n");
    for (int i = 0; i < 20000; i++)
        vr_buf_printf(&b, "# filler line %05d\n", i);
    vr_buf_puts(&b, "# bad: \xff\n");
    write_bytes(dir3, path, sizeof(path), b.data, b.len);
    assert_int_equal(load(&inv, &d, path), -1);
    if (!find_diag(&d, path, 20000 + 5, 8, "invalid-encoding")) print_diags(&d);
    assert_non_null(find_diag(&d, path, 20000 + 5, 8, "invalid-encoding"));
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    remove_bytes(dir3, path);
    vr_buf_free(&b);
}

/* A DNS entry of the wrong type is one error, not a second "is not an address" for the
 * empty slot kept in its place; from defaults too. */
static void test_dns_item_wrong_type_reported_once(void **state)
{
    (void)state;
    static const char text[] = HEAD "defaults:\n"
                                    "  dnsServers: [8.8.8.8, {a: 1}]\n"
                                    "interfaces:\n"
                                    "  - name: vni-a\n"
                                    "    localIp: 10.0.0.1\n"
                                    "    remoteIp: 203.0.113.1\n"
                                    "    subnetCidr: 10.0.0.0/24\n"
                                    "    routingTableId: rt-core\n"
                                    "  - name: vni-b\n"
                                    "    localIp: 10.0.1.1\n"
                                    "    remoteIp: 203.0.113.1\n"
                                    "    subnetCidr: 10.0.1.0/24\n"
                                    "    dnsServers: [1, 8.8.8.8, bad]\n"
                                    "    routingTableId: rt-core\n";
    char dir[] = "/tmp/vr-inv-XXXXXX", path[256];
    write_bytes(dir, path, sizeof(path), text, sizeof(text) - 1);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, path), -1);
    if (d.errors != 3) print_diags(&d);
    assert_non_null(find_diag(&d, path, 5, 25, "wrong-type"));
    assert_non_null(find_diag(&d, path, 16, 18, "wrong-type"));
    assert_non_null(find_diag(&d, path, 16, 30, "invalid.format"));
    assert_int_equal(d.errors, 3);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    remove_bytes(dir, path);
}

/* Errors of what could be read are reported even when the file cannot be read to its end:
 * the first document of a file with a second one is read whole (and merged); the interfaces
 * read whole before a syntax error are checked for what they say themselves (no "required"
 * for a field the unread rest of the file might have given in defaults). */
static void test_errors_before_a_stop_reported(void **state)
{
    (void)state;
    static const char two_docs[] = HEAD "defaults: {dnsServers: [8.8.8.8], routingTableId: rt-1}\n"
                                        "interfaces:\n"
                                        "  - name: vni-a\n"
                                        "    localIp: 10.0.1.0\n"
                                        "    remoteIp: 203.0.113.10\n"
                                        "    subnetCidr: 10.0.1.0/24\n"
                                        "---\n"
                                        "apiVersion: vni-reconcile/v1\n";
    char dir[] = "/tmp/vr-inv-XXXXXX", path[256];
    write_bytes(dir, path, sizeof(path), two_docs, sizeof(two_docs) - 1);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, path), -1);
    if (d.errors != 2) print_diags(&d);
    assert_non_null(find_diag(&d, path, 10, 1, "multiple-documents"));
    assert_non_null(find_diag(&d, path, 7, 14, "invalid.value")); /* the network address */
    assert_int_equal(d.errors, 2);
    assert_int_equal(inv.org_count, 1);
    assert_int_equal(inv.orgs[0].count, 1);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    remove_bytes(dir, path);

    static const char syntax[] = HEAD "interfaces:\n"
                                      "  - name: vni-a\n"
                                      "    localIp: 10.0.1.7\n"
                                      "    remoteIp: 203.0.113.10\n"
                                      "    subnetCidr: 10.0.1.0/16\n"
                                      "  - name: vni-b\n"
                                      "    localIp: 10.0.2.1\n"
                                      "    remoteIp: 203.0.113.11\n"
                                      "    subnetCidr: 10.0.2.0/24\n"
                                      "  - name: vni-c\n"
                                      "    localIp: nowhere\n"
                                      "    description: [unclosed\n"
                                      "defaults: {dnsServers: [8.8.8.8], routingTableId: rt-1}\n";
    char dir2[] = "/tmp/vr-inv-XXXXXX";
    write_bytes(dir2, path, sizeof(path), syntax, sizeof(syntax) - 1);
    assert_int_equal(load(&inv, &d, path), -1);
    if (d.errors != 2) print_diags(&d);
    assert_non_null(find_diag(&d, path, 16, 9, "yaml-syntax"));
    /* vni-a: host bits; vni-b: nothing (its DNS and table were to come from defaults);
     * vni-c was not read whole */
    assert_non_null(find_diag(&d, path, 8, 17, "invalid.value"));
    assert_int_equal(d.errors, 2);
    assert_int_equal(inv.org_count, 0); /* nothing merged */
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    remove_bytes(dir2, path);
}

/* A decimal whole number too large for the field is out of range (not "not a whole number");
 * 0x10 and 0o7 (YAML 1.2 integers) are refused as not decimal. */
static void test_whole_number_messages(void **state)
{
    (void)state;
    static const char text[] = HEAD "interfaces:\n"
                                    "  - name: vni-a\n"
                                    "    localIp: 10.0.1.1\n"
                                    "    remoteIp: 203.0.113.10\n"
                                    "    subnetCidr: 10.0.1.0/24\n"
                                    "    dnsServers: [8.8.8.8]\n"
                                    "    routingTableId: rt-core\n"
                                    "    order: 99999999999999999999999\n"
                                    "    probe: {port: 0x1BB, timeoutMs: -99999999999}\n";
    char dir[] = "/tmp/vr-inv-XXXXXX", path[256];
    write_bytes(dir, path, sizeof(path), text, sizeof(text) - 1);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, path), -1);
    if (d.errors != 3) print_diags(&d);
    const vr_diag *g = find_diag(&d, path, 11, 12, "out-of-range");
    assert_non_null(g);
    assert_string_equal(g->message, "order 99999999999999999999999 is out of range; allowed are "
                                    "-1000000000 to 1000000000");
    g = find_diag(&d, path, 12, 19, "wrong-type");
    assert_non_null(g);
    assert_string_equal(g->message, "probe port must be a whole number written in decimal; got "
                                    "'0x1BB'");
    assert_non_null(find_diag(&d, path, 12, 37, "out-of-range"));
    assert_int_equal(d.errors, 3);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    remove_bytes(dir, path);
}

/* A region is a name or a domain (docs/api.md §1), either case: eu-west-1 and MyPureCloud.IE
 * are one region, not a conflict; a region that is neither is refused where it is written. */
static void test_region_as_region(void **state)
{
    (void)state;
    char dir[] = "/tmp/vr-inv-XXXXXX", a[256], b[256];
    assert_non_null(mkdtemp(dir));
    snprintf(a, sizeof(a), "%s/a.yaml", dir);
    snprintf(b, sizeof(b), "%s/b.yaml", dir);
    FILE *f = fopen(a, "w");
    assert_non_null(f);
    fputs(HEAD_REGION("eu-west-1"), f);
    fclose(f);
    f = fopen(b, "w");
    assert_non_null(f);
    fputs(HEAD_REGION("MyPureCloud.IE"), f);
    fclose(f);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    int rc = load(&inv, &d, dir);
    if (d.count) print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(d.count, 0);
    assert_string_equal(inv.orgs[0].region, "eu-west-1");
    vr_diags_free(&d);
    vr_inventory_free(&inv);

    f = fopen(b, "w");
    assert_non_null(f);
    fputs(HEAD_REGION("mypurecloud.ei"), f);
    fclose(f);
    assert_int_equal(load(&inv, &d, b), -1);
    if (d.errors != 1) print_diags(&d);
    assert_int_equal(d.errors, 1);
    const vr_diag *g = find_diag(&d, b, 4, 11, "unknown-region");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "region 'mypurecloud.ei' is not a region of the platform; "
                                       "did you mean mypurecloud.ie?"));
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    unlink(a);
    unlink(b);
    rmdir(dir);
}

/* An unknown key is quoted in part, cut at a character (the message goes into JSON). */
static void test_unknown_key_cut_at_a_character(void **state)
{
    (void)state;
    vr_buf b = VR_BUF_INIT;
    vr_buf_puts(&b, HEAD "x");
    for (int i = 0; i < 80; i++)
        vr_buf_puts(&b, "\xc3\xa9");
    vr_buf_puts(&b, ": 1\n");
    char dir[] = "/tmp/vr-inv-XXXXXX", path[256];
    write_bytes(dir, path, sizeof(path), b.data, b.len);
    vr_buf_free(&b);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, path), -1);
    const vr_diag *g = find_diag(&d, path, 4, 1, "unknown-key");
    assert_non_null(g);
    const unsigned char *m = (const unsigned char *)strstr(g->message, "'x") + 2;
    size_t pairs = 0;
    while (m[0] == 0xc3 && m[1] == 0xa9) {
        m += 2;
        pairs++;
    }
    assert_true(pairs >= 40);
    assert_int_equal(m[0], '\''); /* the quote follows a whole character */
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    remove_bytes(dir, path);
}

static void test_stdin(void **state)
{
    (void)state;
    int saved = dup(0);
    int fd = open(INVALID "unknown-key.yaml", O_RDONLY);
    assert_true(fd >= 0);
    dup2(fd, 0);
    close(fd);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    int rc = load(&inv, &d, "-");
    dup2(saved, 0);
    close(saved);
    clearerr(stdin);
    assert_int_equal(rc, -1);
    assert_non_null(find_diag(&d, "<stdin>", 13, 5, "unknown-key"));
    assert_string_equal(inv.sources[0].path, "<stdin>");
    vr_diags_free(&d);
    vr_inventory_free(&inv);
}

static void test_missing_path_and_empty_folder(void **state)
{
    (void)state;
    char dir[] = "/tmp/vr-inv-XXXXXX";
    assert_non_null(mkdtemp(dir));
    vr_inventory inv;
    memset(&inv, 0, sizeof(inv));
    vr_diags d = VR_DIAGS_INIT;
    const char *paths[] = {"fixtures/no-such-file.yaml", dir};
    assert_int_equal(vr_inventory_load(&inv, paths, 2, &d), -1);
    assert_int_equal(d.errors, 2);
    assert_string_equal(d.items[0].code, "io-error");
    assert_non_null(strstr(d.items[0].message, "cannot read file"));
    assert_string_equal(d.items[1].code, "empty-folder");
    assert_string_equal(d.items[1].file, dir);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    rmdir(dir);
}

static void test_file_too_large(void **state)
{
    (void)state;
    char path[] = "/tmp/vr-inv-big-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    /* sparse: the size is checked before anything is read */
    assert_int_equal(ftruncate(fd, (off_t)VR_INVENTORY_MAX_FILE_BYTES + 1), 0);
    close(fd);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, path), -1);
    assert_int_equal(d.errors, 1);
    assert_string_equal(d.items[0].code, "file-too-large");
    assert_non_null(strstr(d.items[0].message, "the limit is 16 MiB"));
    assert_int_equal(inv.source_count, 0);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    unlink(path);
}

/* Writes an inventory of n interfaces (the shape of bench/gen_inventory.sh). */
static void write_inventory(const char *path, size_t n, size_t first)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("apiVersion: vni-reconcile/v1\nkind: VniInventory\norganization:\n"
          "  id: a1b2c3d4-e5f6-7890-abcd-ef1234567890\ndefaults:\n  dnsServers: [8.8.8.8]\n"
          "  routingTableId: rt-core\ninterfaces:\n",
          f);
    for (size_t k = first; k < first + n; k++) {
        if (k < 65536)
            fprintf(f,
                    "  - name: vni-%06zu\n    localIp: 10.%zu.%zu.1\n    remoteIp: 203.0.113.%zu\n"
                    "    subnetCidr: 10.%zu.%zu.0/24\n",
                    k, k / 256, k % 256, k % 254 + 1, k / 256, k % 256);
        else
            fprintf(f,
                    "  - name: vni-%06zu\n    localIp: fd00:0:%zx:%zx::1\n"
                    "    remoteIp: 2001:db8::%zx\n    subnetCidr: fd00:0:%zx:%zx::/64\n",
                    k, k / 65536, k % 65536, k % 65535 + 1, k / 65536, k % 65536);
    }
    fclose(f);
}

static void test_over_default_limit_is_a_warning(void **state)
{
    (void)state;
    char path[] = "/tmp/vr-inv-51-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_inventory(path, 51, 0);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, path), 0);
    assert_int_equal(vr_inventory_check(&inv, &d), 0);
    assert_int_equal(d.errors, 0);
    assert_int_equal(d.warnings, 1);
    assert_string_equal(d.items[0].code, "over-limit");
    assert_int_equal(d.items[0].line, 4);
    assert_int_equal(d.items[0].column, 7);
    assert_non_null(strstr(d.items[0].message, "has 51 interfaces, more than the documented "
                                               "default limit of 50; only plan knows"));
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    unlink(path);
}

static void test_too_many_interfaces(void **state)
{
    (void)state;
    char dir[] = "/tmp/vr-inv-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char big[256], one[256];
    snprintf(big, sizeof(big), "%s/a.yaml", dir);
    snprintf(one, sizeof(one), "%s/b.yaml", dir);
    write_inventory(big, VR_INVENTORY_MAX_IFACES + 1, 0);
    vr_inventory inv;
    vr_diags d = VR_DIAGS_INIT;
    assert_int_equal(load(&inv, &d, big), -1);
    assert_int_equal(d.errors, 1);
    assert_string_equal(d.items[0].code, "too-many-interfaces");
    assert_int_equal(d.items[0].line, 9 + 4 * VR_INVENTORY_MAX_IFACES);
    assert_int_equal(d.items[0].column, 5);
    vr_diags_free(&d);
    vr_inventory_free(&inv);

    /* the limit is per organization, across files */
    write_inventory(big, VR_INVENTORY_MAX_IFACES, 0);
    write_inventory(one, 1, VR_INVENTORY_MAX_IFACES);
    assert_int_equal(load(&inv, &d, dir), -1);
    assert_non_null(find_diag(&d, one, 4, 7, "too-many-interfaces"));
    assert_int_equal(inv.orgs[0].count, VR_INVENTORY_MAX_IFACES);
    vr_diags_free(&d);
    vr_inventory_free(&inv);
    unlink(big);
    unlink(one);
    rmdir(dir);
}

static void test_uuid(void **state)
{
    (void)state;
    assert_true(vr_inventory_uuid_valid("a1b2c3d4-e5f6-7890-abcd-ef1234567890"));
    assert_true(vr_inventory_uuid_valid("A1B2C3D4-E5F6-7890-ABCD-EF1234567890"));
    assert_false(vr_inventory_uuid_valid("a1b2c3d4e5f6-7890-abcd-ef1234567890-"));
    assert_false(vr_inventory_uuid_valid("g1b2c3d4-e5f6-7890-abcd-ef1234567890"));
    assert_false(vr_inventory_uuid_valid("a1b2c3d4-e5f6-7890-abcd-ef123456789"));
    assert_false(vr_inventory_uuid_valid(NULL));
}

/* ---- vr_checks_conflicts with live connections (as plan will call it) ---- */

static void make_iface(vr_iface *f, const char *name, const char *local, const char *remote,
                       const char *subnet, const char *id)
{
    vr_test_iface(f, NULL, name, local, remote, subnet, "rt-core");
    f->id = vr_strdup(id);
    assert_int_equal(vr_iface_validate(f, NULL, NULL), 0);
}

static void test_checks_with_live(void **state)
{
    (void)state;
    vr_iface f[4];
    make_iface(&f[0], "want-a", "10.0.1.1", "203.0.113.1", "10.0.1.0/24", NULL);
    f[0].locs.file = "inv.yaml";
    f[0].locs.local_ip = (vr_pos){7, 14};
    f[0].locs.subnet_cidr = (vr_pos){9, 17};
    make_iface(&f[1], "live-b", "10.0.1.1", "203.0.113.2", "10.0.1.0/24", "id-b");
    make_iface(&f[2], "live-c", "10.9.0.1", "203.0.113.3", "10.9.0.0/16", "id-c");
    make_iface(&f[3], "live-d", "10.9.1.1", "203.0.113.4", "10.9.1.0/24", "id-d");
    vr_check_item items[4] = {{&f[0], false}, {&f[1], true}, {&f[2], true}, {&f[3], true}};
    vr_diags d = VR_DIAGS_INIT;
    /* desired a against live b: duplicate localIp and overlapping subnet, located at a;
     * live c and d overlap too, but that is the platform's state: not reported */
    assert_int_equal(vr_checks_conflicts(items, 4, &d), 2);
    const vr_diag *g = find_diag(&d, "inv.yaml", 7, 14, "duplicate-ip");
    assert_non_null(g);
    assert_string_equal(g->message,
                        "localIp 10.0.1.1 of 'want-a' is also the localIp of 'live-b' (live "
                        "connection id-b)");
    g = find_diag(&d, "inv.yaml", 9, 17, "subnet-overlap");
    assert_non_null(g);
    assert_non_null(strstr(g->message, "of 'live-b' (live connection id-b)"));
    vr_diags_free(&d);
    /* only live ones: nothing */
    assert_int_equal(vr_checks_conflicts(items + 1, 3, &d), 0);
    assert_int_equal(d.count, 0);
    for (int i = 0; i < 4; i++)
        vr_iface_clear(&f[i]);
}

static void test_checks_ipv6_and_mixed_families(void **state)
{
    (void)state;
    vr_iface f[3];
    make_iface(&f[0], "a", "2001:db8:1::1", "203.0.113.1", "2001:db8:1::/48", NULL);
    make_iface(&f[1], "b", "10.0.0.1", "2001:db8:1:ff::9", "10.0.0.0/8", NULL);
    make_iface(&f[2], "c", "2001:db8:2::1", "10.200.0.1", "2001:db8:2::/64", NULL);
    vr_check_item items[3] = {{&f[0], false}, {&f[1], false}, {&f[2], false}};
    vr_diags d = VR_DIAGS_INIT;
    /* b's remote is inside a's /48; c's remote inside b's /8; no v4/v6 cross overlap */
    assert_int_equal(vr_checks_conflicts(items, 3, &d), 2);
    for (size_t i = 0; i < d.count; i++)
        assert_string_equal(d.items[i].code, "remote-in-subnet");
    vr_diags_free(&d);
    for (int i = 0; i < 3; i++)
        vr_iface_clear(&f[i]);
}

int main(void)
{
    struct CMUnitTest tests[NRULES + 22];
    size_t n = 0;
    for (size_t i = 0; i < NRULES; i++) {
        struct CMUnitTest t = {rules[i].file, test_rule, NULL, NULL, (void *)&rules[i]};
        tests[n++] = t;
    }
#define ADD(fn)                                                                                    \
    do {                                                                                           \
        struct CMUnitTest t = cmocka_unit_test(fn);                                                \
        tests[n++] = t;                                                                            \
    } while (0)
    ADD(test_load_returns_error);
    ADD(test_valid_inventory);
    ADD(test_folder_merge);
    ADD(test_two_orgs_same_addresses);
    ADD(test_all_errors_reported);
    ADD(test_several_errors_in_one_file);
    ADD(test_nul_escape_refused);
    ADD(test_offset_locations_follow_yaml_line_breaks);
    ADD(test_streamed_file_decided_whole);
    ADD(test_dns_item_wrong_type_reported_once);
    ADD(test_errors_before_a_stop_reported);
    ADD(test_whole_number_messages);
    ADD(test_region_as_region);
    ADD(test_unknown_key_cut_at_a_character);
    ADD(test_stdin);
    ADD(test_missing_path_and_empty_folder);
    ADD(test_file_too_large);
    ADD(test_over_default_limit_is_a_warning);
    ADD(test_too_many_interfaces);
    ADD(test_uuid);
    ADD(test_checks_with_live);
    ADD(test_checks_ipv6_and_mixed_families);
#undef ADD
    return _cmocka_run_group_tests("inventory", tests, n, NULL, NULL);
}
