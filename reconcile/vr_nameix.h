/* vr_nameix: a sorted index of names (name, position) for O(log n) lookups by name, shared by
 * plan and drift so neither compares lists pairwise. */
#ifndef VR_NAMEIX_H
#define VR_NAMEIX_H

#include "vr_iface.h"

#include <stddef.h>

/* A name with the position it came from. name is borrowed from the indexed items. */
typedef struct {
    const char *name;
    size_t idx;
} vr_nameix;

/* Sorts v by name (strcmp), then position. */
void vr_nameix_sort(vr_nameix *v, size_t n);

/* A sorted index of the n interfaces' names (NULL names as ""). malloc'd: free() it; valid
 * while f is. */
vr_nameix *vr_nameix_of_ifaces(const vr_iface *f, size_t n);

/* The first entry of that name (lowest position among equal names), NULL when absent. */
const vr_nameix *vr_nameix_find(const vr_nameix *v, size_t n, const char *name);

#endif
