/* vr_regions: the platform's regions of contract §1 as plain data, for modules that may
 * depend on model/ only (the inventory loader compares and checks organization.region with
 * it). live/vr_region.h resolves API and OAuth bases from the same table of the contract.
 * Static strings only: nothing to free. */
#ifndef VR_REGIONS_H
#define VR_REGIONS_H

#include <stddef.h>

/* The domain of a region given as its AWS-style name ("eu-west-1") or its domain
 * ("mypurecloud.ie"), either case; NULL when text names no region. */
const char *vr_regions_domain(const char *text);

/* The region name or domain closest to text (edit distance at most 3), NULL when none is. */
const char *vr_regions_suggest(const char *text);

#endif
