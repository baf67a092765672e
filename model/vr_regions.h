/* vr_regions: the platform's regions of docs/api.md §1, the one table of them: the inventory
 * loader checks organization.region with it, live/vr_endpoint.h resolves the API and OAuth bases
 * from it. Static strings only: nothing to free. */
#ifndef VR_REGIONS_H
#define VR_REGIONS_H

#include <stddef.h>

/* One region: its AWS-style name and its domain. Static strings, never freed. */
typedef struct {
    const char *name;   /* "eu-west-1" */
    const char *domain; /* "mypurecloud.ie" */
} vr_region;

/* The whole table of docs/api.md §1 (17 regions), in docs/api.md's order. *count is set.
 * The table is static and constant; nothing to free. */
const vr_region *vr_region_table(size_t *count);

/* Looks a region up by its name or its domain (exact, case-insensitive).
 * Returns the table entry, or NULL when text names no region. */
const vr_region *vr_region_lookup(const char *text);

/* The domain of a region given as its AWS-style name ("eu-west-1") or its domain
 * ("mypurecloud.ie"), either case; NULL when text names no region. */
const char *vr_regions_domain(const char *text);

/* The region name or domain closest to text (edit distance at most 3), NULL when none is. */
const char *vr_regions_suggest(const char *text);

#endif
