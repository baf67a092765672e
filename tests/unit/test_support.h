/* test_support: small helpers the cmocka suites share (header-only: each test is one binary).
 * Include after <cmocka.h>. */
#ifndef VR_TEST_SUPPORT_H
#define VR_TEST_SUPPORT_H

#include "vr_iface.h"
#include "vr_util.h"

#include <curl/curl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A new empty directory under $TMPDIR (or /tmp) named vr-TAG.XXXXXX; malloc'd path. */
static inline char *vr_test_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s/vr-%s.XXXXXX", base && base[0] ? base : "/tmp", tag);
    char *d = vr_buf_detach(&b);
    assert_non_null(mkdtemp(d));
    return d;
}

static inline int vr_test_rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

/* Removes a directory made by vr_test_tmpdir, depth first, without a shell. */
static inline void vr_test_rm_rf(const char *dir)
{
    assert_int_equal(nftw(dir, vr_test_rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Writes a file plainly (fopen, truncating), for fixtures: the code under test does not
 * write its own input. Returns 0, or -1. */
static inline int vr_test_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = fwrite(data, 1, len, f);
    return fclose(f) == 0 && n == len ? 0 : -1;
}

/* cmocka group setup and teardown for suites that make curl handles: libcurl's global state,
 * which main() sets up in the binaries. */
static inline int vr_test_curl_setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static inline int vr_test_curl_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

/* An ipconnect interface of org with these addresses, one DNS server (8.8.8.8) and routing
 * table table; strings malloc'd (vr_iface_clear). */
static inline void vr_test_iface(vr_iface *f, const char *org, const char *name, const char *local,
                                 const char *remote, const char *subnet, const char *table)
{
    memset(f, 0, sizeof(*f));
    f->name = vr_strdup(name);
    f->org_id = vr_strdup(org);
    f->type = vr_strdup("ipconnect");
    f->local_ip = vr_strdup(local);
    f->remote_ip = vr_strdup(remote);
    f->subnet_cidr = vr_strdup(subnet);
    f->dns[0] = vr_strdup("8.8.8.8");
    f->dns_count = 1;
    f->routing_table_id = vr_strdup(table);
}

/* A growing list of interfaces (a test's live connections). Zero it; vr_test_ifaces_free. */
typedef struct {
    vr_iface *v;
    size_t n, cap;
} vr_test_ifaces;

/* A new zeroed interface at the end of l (valid until the next add). */
static inline vr_iface *vr_test_ifaces_add(vr_test_ifaces *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = vr_xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
    return &l->v[l->n++];
}

static inline void vr_test_ifaces_free(vr_test_ifaces *l)
{
    for (size_t i = 0; i < l->n; i++)
        vr_iface_clear(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

#endif
