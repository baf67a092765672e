/* vr_nameix: sorted name indexes and their binary search. */
#include "vr_nameix.h"

#include "vr_util.h"

#include <stdlib.h>
#include <string.h>

static int name_ix_cmp(const void *a, const void *b)
{
    const vr_nameix *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void vr_nameix_sort(vr_nameix *v, size_t n)
{
    if (n > 1) qsort(v, n, sizeof(*v), name_ix_cmp);
}

vr_nameix *vr_nameix_of_ifaces(const vr_iface *f, size_t n)
{
    vr_nameix *v = vr_xmalloc((n ? n : 1) * sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        v[i].name = f[i].name ? f[i].name : "";
        v[i].idx = i;
    }
    vr_nameix_sort(v, n);
    return v;
}

const vr_nameix *vr_nameix_find(const vr_nameix *v, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(v[lo].name, name) == 0 ? &v[lo] : NULL;
}
