/* fuzz_history: the audit history read back for uptime: the drift reports of earlier runs
 * (drift/<org>/latest.json of each commit, vr_gitreport_history_read) given to
 * vr_drift_apply_history, then the report rendered. One report per input line. */
#include "harness.h"
#include "vr_drift.h"
#include "vr_render_drift.h"

#include <stdlib.h>
#include <string.h>

#define MAX_REPORTS 64

static const char *const NAMES[] = {"arch-vni-prod-01", "arch-vni-prod-02", "arch-vni-lab-01"};
#define NAME_COUNT (sizeof NAMES / sizeof NAMES[0])

/* This check: the first and last interfaces ok, the middle one drifted. */
static void scene(vr_drift_org *r)
{
    memset(r, 0, sizeof(*r));
    r->org_id = vr_strdup(FZ_ORG);
    r->ifaces = vr_xcalloc(NAME_COUNT, sizeof(*r->ifaces));
    r->iface_count = NAME_COUNT;
    for (size_t i = 0; i < NAME_COUNT; i++) {
        vr_drift_iface *f = &r->ifaces[i];
        f->name = vr_strdup(NAMES[i]);
        f->present = f->active = true;
        f->matching = i != 1;
        f->checks = 1;
        f->ok_checks = f->matching;
        f->uptime_rate = (double)f->ok_checks;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *reports[MAX_REPORTS];
    size_t n = 0;
    const char *p = (const char *)data, *end = p + size;
    while (p < end && n < MAX_REPORTS) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (stop > p) reports[n++] = cJSON_ParseWithLength(p, (size_t)(stop - p));
        p = nl ? nl + 1 : end;
    }
    vr_drift_org r;
    scene(&r);
    size_t used = vr_drift_apply_history(&r, (const cJSON *const *)reports, n, 30);
    fz_check(used <= n && r.history_reports == used, "more reports used than given");
    for (size_t i = 0; i < r.iface_count; i++) {
        const vr_drift_iface *f = &r.ifaces[i];
        fz_check(f->ok_checks <= f->checks && f->checks <= 1 + used, "an impossible check count");
        fz_check(f->uptime_rate >= 0.0 && f->uptime_rate <= 1.0, "an uptime out of 0..1");
    }
    vr_buf out = VR_BUF_INIT;
    vr_render_drift_opts opts = {.verbose = true};
    vr_render_drift_text(&out, &r, 1, &opts);
    vr_render_drift_json(&out, &r, 1);
    vr_render_drift_markdown(&out, &r, 1, &opts);
    vr_buf_free(&out);
    vr_drift_org_free(&r);
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(reports[i]);
    return 0;
}
