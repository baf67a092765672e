/* vr_render_drift: drift reports (vr_drift_org) as JSON, text and bounded Markdown (see
 * vr_render_drift.h). */
#include "vr_render_drift.h"
#include "vr_json.h"
#include "vr_render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef VR_VERSION
#define VR_VERSION "0.0.0"
#endif

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void add_summary(cJSON *o, const size_t counts[VR_DRIFT_KIND_COUNT], size_t ifaces,
                        size_t unchanged, size_t ig_ifaces, size_t ig_fields)
{
    cJSON *s = cJSON_AddObjectToObject(o, "summary");
    cJSON_AddNumberToObject(s, "interfaces", (double)ifaces);
    cJSON_AddNumberToObject(s, "unchanged", (double)unchanged);
    cJSON_AddNumberToObject(s, "missing", (double)counts[VR_DRIFT_MISSING]);
    cJSON_AddNumberToObject(s, "different", (double)counts[VR_DRIFT_DIFFERENT]);
    cJSON_AddNumberToObject(s, "unmanaged", (double)counts[VR_DRIFT_UNMANAGED]);
    cJSON_AddNumberToObject(s, "notActive", (double)counts[VR_DRIFT_NOT_ACTIVE]);
    cJSON_AddNumberToObject(s, "ignoredInterfaces", (double)ig_ifaces);
    cJSON_AddNumberToObject(s, "ignoredFields", (double)ig_fields);
    bool drift = false;
    for (int k = 0; k < VR_DRIFT_KIND_COUNT; k++)
        drift = drift || counts[k];
    cJSON_AddBoolToObject(s, "drift", drift);
}

cJSON *vr_render_drift_org_json(const vr_drift_org *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "formatVersion", VR_DRIFT_FORMAT_VERSION);
    cJSON_AddStringToObject(o, "command", "drift");
    cJSON_AddStringToObject(o, "toolVersion", VR_VERSION);
    cJSON_AddStringToObject(o, "organization", nz(r->org_id));
    cJSON_AddStringToObject(o, "createdAt", r->created_at);
    cJSON_AddStringToObject(o, "runId", r->run_id);
    cJSON_AddNumberToObject(o, "liveCount", (double)r->live_count);
    cJSON *h = cJSON_AddObjectToObject(o, "history");
    cJSON_AddNumberToObject(h, "window", (double)r->history_window);
    cJSON_AddNumberToObject(h, "reports", (double)r->history_reports);
    cJSON *arr = cJSON_AddArrayToObject(o, "interfaces");
    for (size_t i = 0; i < r->iface_count; i++) {
        const vr_drift_iface *f = &r->ifaces[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, j);
        cJSON_AddStringToObject(j, "name", nz(f->name));
        vr_json_add_string_or_null(j, "id", f->id);
        vr_json_add_string_or_null(j, "state", f->state);
        cJSON_AddBoolToObject(j, "present", f->present);
        cJSON_AddBoolToObject(j, "matching", f->matching);
        cJSON_AddBoolToObject(j, "active", f->active);
        cJSON *kinds = cJSON_AddArrayToObject(j, "kinds");
        if (!f->present) cJSON_AddItemToArray(kinds, cJSON_CreateString("missing"));
        if (f->present && !f->matching)
            cJSON_AddItemToArray(kinds, cJSON_CreateString("different"));
        if (f->present && !f->active) cJSON_AddItemToArray(kinds, cJSON_CreateString("not_active"));
        cJSON *fields = cJSON_AddArrayToObject(j, "fields");
        for (size_t k = 0; k < f->field_count; k++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddItemToArray(fields, x);
            cJSON_AddStringToObject(x, "field", nz(f->fields[k].field));
            cJSON_AddStringToObject(x, "inventory", nz(f->fields[k].want));
            cJSON_AddStringToObject(x, "live", nz(f->fields[k].live));
        }
        cJSON_AddNumberToObject(j, "ignoredFields", (double)f->ignored_fields);
        cJSON_AddNumberToObject(j, "uptimeRate", f->uptime_rate);
        cJSON_AddNumberToObject(j, "checks", (double)f->checks);
        cJSON_AddNumberToObject(j, "okChecks", (double)f->ok_checks);
        vr_json_add_string_or_null(j, "repair", f->repair);
        cJSON_AddBoolToObject(j, "protect", f->protect);
    }
    arr = cJSON_AddArrayToObject(o, "unmanaged");
    for (size_t i = 0; i < r->unmanaged_count; i++) {
        const vr_drift_iface *f = &r->unmanaged[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, j);
        cJSON_AddStringToObject(j, "name", nz(f->name));
        vr_json_add_string_or_null(j, "id", f->id);
        vr_json_add_string_or_null(j, "state", f->state);
        cJSON_AddBoolToObject(j, "active", f->active);
    }
    add_summary(o, r->counts, r->iface_count, r->unchanged, r->ignored_ifaces, r->ignored_fields);
    return o;
}

typedef struct {
    size_t counts[VR_DRIFT_KIND_COUNT];
    size_t ifaces, unchanged, ig_ifaces, ig_fields;
} totals;

static totals sum_all(const vr_drift_org *orgs, size_t count)
{
    totals t;
    memset(&t, 0, sizeof(t));
    for (size_t i = 0; i < count; i++) {
        for (int k = 0; k < VR_DRIFT_KIND_COUNT; k++)
            t.counts[k] += orgs[i].counts[k];
        t.ifaces += orgs[i].iface_count;
        t.unchanged += orgs[i].unchanged;
        t.ig_ifaces += orgs[i].ignored_ifaces;
        t.ig_fields += orgs[i].ignored_fields;
    }
    return t;
}

cJSON *vr_render_drift_run_json(const vr_drift_org *orgs, size_t count, const char *run_id,
                                const char *created_at)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "formatVersion", VR_DRIFT_FORMAT_VERSION);
    cJSON_AddStringToObject(o, "command", "drift");
    cJSON_AddStringToObject(o, "toolVersion", VR_VERSION);
    cJSON_AddStringToObject(o, "createdAt",
                            created_at ? created_at
                            : count    ? orgs[0].created_at
                                       : "");
    cJSON_AddStringToObject(o, "runId", run_id ? run_id : count ? orgs[0].run_id : "");
    cJSON *arr = cJSON_AddArrayToObject(o, "organizations");
    for (size_t i = 0; i < count; i++) {
        cJSON *j = vr_render_drift_org_json(&orgs[i]);
        if (!j) {
            cJSON_Delete(o);
            return NULL;
        }
        cJSON_AddItemToArray(arr, j);
    }
    totals t = sum_all(orgs, count);
    add_summary(o, t.counts, t.ifaces, t.unchanged, t.ig_ifaces, t.ig_fields);
    return o;
}

int vr_render_drift_json(vr_buf *out, const vr_drift_org *orgs, size_t count)
{
    cJSON *doc = vr_render_drift_run_json(orgs, count, NULL, NULL);
    char *text = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!text) return -1;
    int rc = vr_buf_puts(out, text);
    free(text);
    if (rc == 0) rc = vr_buf_puts(out, "\n");
    return rc;
}

/* ---- summary ------------------------------------------------------------------------------ */

static int summary(vr_buf *out, const totals *t)
{
    int rc;
    bool drift = false;
    for (int k = 0; k < VR_DRIFT_KIND_COUNT; k++)
        drift = drift || t->counts[k];
    if (drift)
        rc = vr_buf_printf(out,
                           "Drift: %zu missing, %zu different, %zu unmanaged, %zu not active; "
                           "%zu unchanged",
                           t->counts[VR_DRIFT_MISSING], t->counts[VR_DRIFT_DIFFERENT],
                           t->counts[VR_DRIFT_UNMANAGED], t->counts[VR_DRIFT_NOT_ACTIVE],
                           t->unchanged);
    else
        rc = vr_buf_printf(out, "No drift: %zu unchanged", t->unchanged);
    size_t ignored = t->ig_ifaces + t->ig_fields;
    if (rc == 0 && ignored) rc = vr_buf_printf(out, "; %zu ignored", ignored);
    return rc;
}

int vr_render_drift_summary(vr_buf *out, const vr_drift_org *r)
{
    totals t = sum_all(r, 1);
    return summary(out, &t);
}

int vr_render_drift_summary_all(vr_buf *out, const vr_drift_org *orgs, size_t count)
{
    totals t = sum_all(orgs, count);
    return summary(out, &t);
}

/* ---- text --------------------------------------------------------------------------------- */

/* Only with history: from this check alone it would just repeat the line's verdict. */
static void text_uptime(vr_text_out *t, const vr_drift_iface *f)
{
    if (f->checks < 2) return;
    if (t->color) vr_buf_puts(t->out, VR_C_DIM);
    vr_buf_printf(t->out, " (uptime %.1f%%, %zu of %zu check%s)", f->uptime_rate * 100.0,
                  f->ok_checks, f->checks, f->checks == 1 ? "" : "s");
    if (t->color) vr_buf_puts(t->out, VR_C_RESET);
}

/* How to repair a different or failed interface: the command, or that it is protected. */
static void text_repair(vr_text_out *t, const vr_drift_iface *f)
{
    if (f->repair)
        vr_buf_printf(t->out, "      repair: %s\n", vr_text_safe(t, f->repair));
    else if (f->protect && vr_drift_needs_repair(f))
        vr_buf_puts(t->out, "      repair: by hand (protect: true; vni-reconcile never replaces "
                            "it), or remove protect and replace it\n");
}

static void text_org(vr_text_out *t, const vr_drift_org *r, bool verbose)
{
    vr_buf_printf(t->out, "Organization %s: %zu interface%s, %zu live connection%s\n",
                  vr_text_safe(t, r->org_id), r->iface_count, r->iface_count == 1 ? "" : "s",
                  r->live_count, r->live_count == 1 ? "" : "s");
    for (size_t i = 0; i < r->iface_count; i++) {
        const vr_drift_iface *f = &r->ifaces[i];
        if (!f->present) {
            vr_text_paint(t, VR_C_RED, "  - missing %s", vr_text_safe(t, f->name));
            text_uptime(t, f);
            vr_buf_puts(t->out, "\n");
            continue;
        }
        bool shown = false;
        if (!f->matching) {
            vr_text_paint(t, VR_C_YELLOW, "  ~ different %s (id %s)", vr_text_safe(t, f->name),
                          vr_text_safe(t, f->id));
            text_uptime(t, f);
            vr_buf_puts(t->out, "\n");
            for (size_t k = 0; k < f->field_count; k++)
                vr_buf_printf(t->out, "      %s: inventory %s, live %s\n",
                              vr_text_safe(t, f->fields[k].field),
                              f->fields[k].want[0] ? vr_text_safe(t, f->fields[k].want) : "(none)",
                              f->fields[k].live[0] ? vr_text_safe(t, f->fields[k].live) : "(none)");
            shown = true;
        }
        if (!f->active) {
            vr_text_paint(t, VR_C_RED, "  ! not active %s (%s)", vr_text_safe(t, f->name),
                          f->state ? vr_text_safe(t, f->state) : "no state");
            if (!shown) text_uptime(t, f);
            vr_buf_puts(t->out, "\n");
            shown = true;
        }
        text_repair(t, f);
        if (!shown && verbose) {
            vr_text_paint(t, VR_C_GREEN, "  = unchanged %s", vr_text_safe(t, f->name));
            text_uptime(t, f);
            vr_buf_puts(t->out, "\n");
        }
    }
    for (size_t i = 0; i < r->unmanaged_count; i++) {
        const vr_drift_iface *f = &r->unmanaged[i];
        vr_text_paint(t, VR_C_CYAN, "  ? unmanaged %s (id %s, %s)", vr_text_safe(t, f->name),
                      vr_text_safe(t, f->id), f->state ? vr_text_safe(t, f->state) : "no state");
        vr_buf_puts(t->out, "\n");
        if (!f->active)
            vr_text_paint(t, VR_C_RED, "  ! not active %s (%s)\n", vr_text_safe(t, f->name),
                          f->state ? vr_text_safe(t, f->state) : "no state");
    }
    if (r->ignored_ifaces || r->ignored_fields)
        vr_buf_printf(t->out, "  ignored by the inventory: %zu interface%s, %zu field%s\n",
                      r->ignored_ifaces, r->ignored_ifaces == 1 ? "" : "s", r->ignored_fields,
                      r->ignored_fields == 1 ? "" : "s");
    vr_buf_puts(t->out, "  ");
    vr_render_drift_summary(t->out, r);
    vr_buf_puts(t->out, "\n");
}

int vr_render_drift_text(vr_buf *out, const vr_drift_org *orgs, size_t count,
                         const vr_render_drift_opts *opts)
{
    vr_text_out t = {out, opts && opts->color, NULL, 0};
    for (size_t i = 0; i < count; i++) {
        if (i) vr_buf_puts(out, "\n");
        text_org(&t, &orgs[i], opts && opts->verbose);
    }
    if (count > 1) {
        vr_buf_puts(out, "\n");
        vr_render_drift_summary_all(out, orgs, count);
        vr_buf_printf(out, " (%zu organizations)\n", count);
    }
    vr_text_out_free(&t);
    return out->overflow ? -1 : 0;
}

/* ---- Markdown ----------------------------------------------------------------------------- */

static void md_more(vr_buf *o, size_t more, const char *what)
{
    if (more)
        vr_buf_printf(o, "\n... and %zu more %s (see `--format json` or the committed report)\n",
                      more, what);
}

static int uptime_cmp(const void *a, const void *b)
{
    const vr_drift_iface *x = *(const vr_drift_iface *const *)a;
    const vr_drift_iface *y = *(const vr_drift_iface *const *)b;
    if (x->uptime_rate != y->uptime_rate) return x->uptime_rate < y->uptime_rate ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Uptime table (only where an audit repository keeps the history): interfaces under 100%,
 * lowest first. */
static void md_uptime(vr_buf *o, const vr_drift_org *r, size_t k)
{
    if (r->history_window == 0) return;
    size_t low = 0;
    for (size_t i = 0; i < r->iface_count; i++)
        low += r->ifaces[i].uptime_rate < 1.0;
    size_t checks = r->history_reports + 1;
    vr_buf_printf(o, "\n**Uptime** over the last %zu check%s: ", checks, checks == 1 ? "" : "s");
    if (low == 0) {
        vr_buf_printf(o, "every interface at 100%% (%zu).\n", r->iface_count);
    } else {
        vr_buf_printf(o, "%zu of %zu interface%s under 100%%.\n\n", low, r->iface_count,
                      r->iface_count == 1 ? "" : "s");
        const vr_drift_iface **v = vr_xmalloc(low * sizeof(*v));
        size_t n = 0;
        for (size_t i = 0; i < r->iface_count; i++)
            if (r->ifaces[i].uptime_rate < 1.0) v[n++] = &r->ifaces[i];
        qsort(v, n, sizeof(*v), uptime_cmp);
        vr_buf_puts(o, "| name | uptime rate | ok checks |\n|---|---:|---:|\n");
        size_t shown = n < k ? n : k;
        for (size_t i = 0; i < shown; i++) {
            vr_buf_puts(o, "| ");
            vr_render_md_cell(o, v[i]->name);
            vr_buf_printf(o, " | %.2f | %zu of %zu |\n", v[i]->uptime_rate, v[i]->ok_checks,
                          v[i]->checks);
        }
        md_more(o, n - shown, "interfaces under 100%");
        free(v);
    }
}

/* The command that repairs each different or failed interface, at most k rows. */
static void md_repairs(vr_buf *o, const vr_drift_org *r, size_t k)
{
    size_t rows = 0, more = 0;
    for (size_t i = 0; i < r->iface_count; i++) {
        const vr_drift_iface *f = &r->ifaces[i];
        if (!f->repair && !(f->protect && vr_drift_needs_repair(f))) continue;
        if (rows >= k) {
            more++;
            continue;
        }
        if (rows++ == 0)
            vr_buf_puts(o, "\n**Repair** (a replacement: deleted, then created anew)\n\n");
        vr_buf_puts(o, "- `");
        vr_render_md_cell(o, f->name);
        vr_buf_puts(o, "`: ");
        if (f->repair) {
            vr_buf_puts(o, "`");
            vr_render_md_cell(o, f->repair);
            vr_buf_puts(o, "`\n");
        } else {
            vr_buf_puts(o, "protect: true, never replaced; repair it by hand\n");
        }
    }
    md_more(o, more, "repairs");
}

static void md_org(vr_buf *o, const vr_drift_org *r, size_t k)
{
    vr_buf_puts(o, "\n#### Organization `");
    vr_render_md_cell(o, r->org_id);
    vr_buf_printf(o, "`\n\n%zu interface%s in the inventory, %zu live connection%s. ",
                  r->iface_count, r->iface_count == 1 ? "" : "s", r->live_count,
                  r->live_count == 1 ? "" : "s");
    vr_render_drift_summary(o, r);
    vr_buf_puts(o, ".\n");

    if (r->counts[VR_DRIFT_MISSING]) {
        vr_buf_puts(o, "\n**Missing live**\n\n| name |\n|---|\n");
        size_t rows = 0, more = 0;
        for (size_t i = 0; i < r->iface_count; i++) {
            const vr_drift_iface *f = &r->ifaces[i];
            if (f->present) continue;
            if (rows >= k) {
                more++;
                continue;
            }
            rows++;
            vr_buf_puts(o, "| ");
            vr_render_md_cell(o, f->name);
            vr_buf_puts(o, " |\n");
        }
        md_more(o, more, "missing interfaces");
    }
    if (r->counts[VR_DRIFT_DIFFERENT]) {
        vr_buf_puts(o, "\n**Different** (see Repair below)\n\n"
                       "| name | field | inventory | live |\n|---|---|---|---|\n");
        size_t rows = 0, more = 0;
        for (size_t i = 0; i < r->iface_count; i++) {
            const vr_drift_iface *f = &r->ifaces[i];
            for (size_t j = 0; j < f->field_count; j++) {
                if (rows >= k) {
                    more++;
                    continue;
                }
                rows++;
                const char *cells[] = {f->name, f->fields[j].field, f->fields[j].want,
                                       f->fields[j].live};
                vr_render_md_row(o, cells, 4);
            }
        }
        md_more(o, more, "differing fields");
    }
    md_repairs(o, r, k);
    if (r->counts[VR_DRIFT_UNMANAGED]) {
        vr_buf_puts(o, "\n**Unmanaged** (live, not in the inventory)\n\n"
                       "| name | id | state |\n|---|---|---|\n");
        size_t shown = r->unmanaged_count < k ? r->unmanaged_count : k;
        for (size_t i = 0; i < shown; i++) {
            const vr_drift_iface *f = &r->unmanaged[i];
            vr_buf_puts(o, "| ");
            vr_render_md_cell(o, f->name);
            vr_buf_puts(o, " | ");
            vr_render_md_cell(o, f->id);
            vr_buf_puts(o, " | ");
            vr_render_md_cell(o, f->state ? f->state : "unknown");
            vr_buf_puts(o, " |\n");
        }
        md_more(o, r->unmanaged_count - shown, "unmanaged connections");
    }
    if (r->counts[VR_DRIFT_NOT_ACTIVE]) {
        vr_buf_puts(o, "\n**Not active**\n\n| name | state |\n|---|---|\n");
        size_t rows = 0, more = 0;
        for (int pass = 0; pass < 2; pass++) {
            const vr_drift_iface *v = pass ? r->unmanaged : r->ifaces;
            size_t n = pass ? r->unmanaged_count : r->iface_count;
            for (size_t i = 0; i < n; i++) {
                if (!v[i].present || v[i].active) continue;
                if (rows >= k) {
                    more++;
                    continue;
                }
                rows++;
                vr_buf_puts(o, "| ");
                vr_render_md_cell(o, v[i].name);
                vr_buf_puts(o, " | ");
                vr_render_md_cell(o, v[i].state ? v[i].state : "unknown");
                vr_buf_puts(o, " |\n");
            }
        }
        md_more(o, more, "connections not active");
    }

    md_uptime(o, r, k);
    if (r->ignored_ifaces || r->ignored_fields)
        vr_buf_printf(o,
                      "\nIgnored by the inventory's `drift.ignore`: %zu interface%s, %zu "
                      "field%s.\n",
                      r->ignored_ifaces, r->ignored_ifaces == 1 ? "" : "s", r->ignored_fields,
                      r->ignored_fields == 1 ? "" : "s");
}

static void md_render(vr_buf *o, const vr_drift_org *orgs, size_t count, size_t k,
                      const char *title)
{
    vr_buf_puts(o, "### ");
    vr_render_md_cell(o, title);
    vr_buf_puts(o, "\n\n**");
    vr_render_drift_summary_all(o, orgs, count);
    vr_buf_puts(o, "**\n");
    size_t shown = count < k ? count : k;
    for (size_t i = 0; i < shown; i++)
        md_org(o, &orgs[i], k);
    md_more(o, count - shown, "organizations");
}

static size_t largest_list(const vr_drift_org *orgs, size_t count)
{
    size_t m = count;
    for (size_t i = 0; i < count; i++) {
        const vr_drift_org *r = &orgs[i];
        size_t fields = 0;
        for (size_t j = 0; j < r->iface_count; j++)
            fields += r->ifaces[j].field_count;
        size_t v[] = {r->iface_count, fields, r->unmanaged_count, r->counts[VR_DRIFT_NOT_ACTIVE]};
        for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++)
            if (v[j] > m) m = v[j];
    }
    return m;
}

typedef struct {
    const vr_drift_org *orgs;
    size_t count;
    const char *title;
} md_ctx;

static void md_render_k(vr_buf *o, size_t k, const void *ctx)
{
    const md_ctx *c = ctx;
    md_render(o, c->orgs, c->count, k, c->title);
}

int vr_render_drift_markdown(vr_buf *out, const vr_drift_org *orgs, size_t count,
                             const vr_render_drift_opts *opts)
{
    size_t max = opts && opts->markdown_max ? opts->markdown_max : VR_DRIFT_MARKDOWN_MAX;
    md_ctx c = {orgs, count, opts && opts->title ? opts->title : "vni-reconcile drift"};
    return vr_render_md_fit(out, max, largest_list(orgs, count), md_render_k, &c);
}
