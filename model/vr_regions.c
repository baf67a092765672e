/* vr_regions: the region table of docs/api.md §1 (names and domains). */
#include "vr_regions.h"
#include "vr_util.h"

#include <string.h>
#include <strings.h>

static const vr_region regions[] = {
    {"us-east-1", "mypurecloud.com"},       {"us-east-2", "use2.us-gov-pure.cloud"},
    {"us-west-2", "usw2.pure.cloud"},       {"ca-central-1", "cac1.pure.cloud"},
    {"sa-east-1", "sae1.pure.cloud"},       {"mx-central-1", "mxc1.pure.cloud"},
    {"eu-west-1", "mypurecloud.ie"},        {"eu-west-2", "euw2.pure.cloud"},
    {"eu-central-1", "mypurecloud.de"},     {"eu-central-2", "euc2.pure.cloud"},
    {"me-central-1", "mec1.pure.cloud"},    {"ap-south-1", "aps1.pure.cloud"},
    {"ap-southeast-1", "apse1.pure.cloud"}, {"ap-southeast-2", "mypurecloud.com.au"},
    {"ap-northeast-1", "mypurecloud.jp"},   {"ap-northeast-2", "apne2.pure.cloud"},
    {"ap-northeast-3", "apne3.pure.cloud"},
};

#define REGION_COUNT (sizeof(regions) / sizeof(regions[0]))

const vr_region *vr_region_table(size_t *count)
{
    if (count) *count = REGION_COUNT;
    return regions;
}

const vr_region *vr_region_lookup(const char *text)
{
    if (!text) return NULL;
    for (size_t i = 0; i < REGION_COUNT; i++)
        if (strcasecmp(text, regions[i].name) == 0 || strcasecmp(text, regions[i].domain) == 0)
            return &regions[i];
    return NULL;
}

const char *vr_regions_domain(const char *text)
{
    const vr_region *r = vr_region_lookup(text);
    return r ? r->domain : NULL;
}

const char *vr_regions_suggest(const char *text)
{
    if (!text) return NULL;
    size_t best = 4;
    const char *best_text = NULL;
    for (size_t i = 0; i < REGION_COUNT; i++) {
        const char *cand[2] = {regions[i].name, regions[i].domain};
        for (int k = 0; k < 2; k++) {
            size_t d = vr_edit_distance(text, cand[k]);
            if (d < best) {
                best = d;
                best_text = cand[k];
            }
        }
    }
    return best_text;
}
