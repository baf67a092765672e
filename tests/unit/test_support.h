/* test_support: small helpers the cmocka suites share (header-only: each test is one binary).
 * Include after <cmocka.h>. */
#ifndef VR_TEST_SUPPORT_H
#define VR_TEST_SUPPORT_H

#include "vr_util.h"

#include <curl/curl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif
