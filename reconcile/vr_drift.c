/* vr_drift: drift report of one organization, uptime from earlier reports, renderings. */
#include "vr_drift.h"
#include "vr_nameix.h"
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

static char *dup_or_null(const char *s)
{
    return s ? vr_strdup(s) : NULL;
}

const char *vr_drift_kind_name(vr_drift_kind k)
{
    switch (k) {
    case VR_DRIFT_MISSING:
        return "missing";
    case VR_DRIFT_DIFFERENT:
        return "different";
    case VR_DRIFT_UNMANAGED:
        return "unmanaged";
    case VR_DRIFT_NOT_ACTIVE:
        return "not_active";
    default:
        return "unknown";
    }
}

const char *vr_drift_mark_name(vr_drift_mark m)
{
    static const char *const names[VR_DRIFT_MARK_COUNT] = {"none", "ok", "different", "missing",
                                                           "not_active"};
    return (unsigned)m < VR_DRIFT_MARK_COUNT ? names[m] : "unknown";
}

vr_drift_mark vr_drift_mark_of(bool present, bool matching, bool active)
{
    if (!present) return VR_DRIFT_MARK_MISSING;
    if (!active) return VR_DRIFT_MARK_NOT_ACTIVE;
    return matching ? VR_DRIFT_MARK_OK : VR_DRIFT_MARK_DIFFERENT;
}

/* ---- name indexes ------------------------------------------------------------------------- */

static vr_name_ix *index_refs(const vr_plan_ref *v, size_t n)
{
    vr_name_ix *ix = vr_xmalloc((n ? n : 1) * sizeof(*ix));
    for (size_t i = 0; i < n; i++)
        ix[i] = (vr_name_ix){nz(v[i].name), i};
    vr_name_ix_sort(ix, n);
    return ix;
}

/* ---- build -------------------------------------------------------------------------------- */

typedef struct {
    const vr_org *org;
    const char *name;
    size_t ignored;
} ignored_count;

static void count_ignored_field(void *vctx, const char *field, const char *want, const char *have)
{
    (void)want;
    (void)have;
    ignored_count *c = vctx;
    if (vr_org_ignores(c->org, c->name, field)) c->ignored++;
}

static void copy_fields(vr_drift_iface *f, const vr_plan_drift *d)
{
    f->field_count = d->field_count;
    f->fields = vr_xcalloc(d->field_count ? d->field_count : 1, sizeof(*f->fields));
    for (size_t i = 0; i < d->field_count; i++) {
        f->fields[i].field = vr_strdup(nz(d->fields[i].field));
        f->fields[i].want = vr_strdup(nz(d->fields[i].want));
        f->fields[i].live = vr_strdup(nz(d->fields[i].live));
    }
}

static bool is_active(const char *state)
{
    return state && strcmp(state, "active") == 0;
}

static void set_rate(vr_drift_iface *f)
{
    f->uptime_rate = f->checks ? (double)f->ok_checks / (double)f->checks : 0.0;
}

int vr_drift_build(vr_drift_org *out, const vr_org *org, const vr_iface *live, size_t live_count,
                   const vr_plan_org_result *plan, const char *run_id, int64_t wall_ms)
{
    if (!out) return -1;
    memset(out, 0, sizeof(*out));
    if (!org || !plan || (!live && live_count)) return -1;

    out->org_id = vr_strdup(nz(org->id));
    snprintf(out->run_id, sizeof(out->run_id), "%s", nz(run_id));
    out->wall_ms = wall_ms;
    vr_iso8601(wall_ms, out->created_at);
    out->live_count = live_count;
    out->check_times = vr_xcalloc(1, sizeof(*out->check_times));
    memcpy(out->check_times[0], out->created_at, sizeof(out->check_times[0]));
    out->check_count = 1;

    vr_name_ix *inv = vr_name_ix_of_ifaces(org->ifaces, org->count);
    vr_name_ix *lv = vr_name_ix_of_ifaces(live, live_count);
    vr_name_ix *unchanged = index_refs(plan->unchanged, plan->unchanged_count);
    vr_name_ix *not_active = index_refs(plan->not_active, plan->not_active_count);
    vr_name_ix *drift = vr_xmalloc((plan->drift_count ? plan->drift_count : 1) * sizeof(*drift));
    for (size_t i = 0; i < plan->drift_count; i++)
        drift[i] = (vr_name_ix){nz(plan->drift[i].name), i};
    vr_name_ix_sort(drift, plan->drift_count);
    size_t ncreate = 0;
    vr_name_ix *creates =
        vr_xmalloc((plan->action_count ? plan->action_count : 1) * sizeof(*creates));
    for (size_t i = 0; i < plan->action_count; i++)
        if (plan->actions[i].kind == VR_ACTION_CREATE)
            creates[ncreate++] = (vr_name_ix){nz(plan->actions[i].name), i};
    vr_name_ix_sort(creates, ncreate);

    /* inventory interfaces, name order, each name once */
    out->ifaces = vr_xcalloc(org->count ? org->count : 1, sizeof(*out->ifaces));
    for (size_t k = 0; k < org->count; k++) {
        const char *name = inv[k].name;
        if (k > 0 && strcmp(name, inv[k - 1].name) == 0) continue;
        if (vr_org_ignores(org, name, NULL)) {
            out->ignored_ifaces++;
            continue;
        }
        const vr_iface *want = &org->ifaces[inv[k].idx];
        const vr_name_ix *lhit = vr_name_ix_find(lv, live_count, name);
        const vr_iface *have = lhit ? &live[lhit->idx] : NULL;
        vr_drift_iface *f = &out->ifaces[out->iface_count++];
        f->name = vr_strdup(name);
        f->checks = 1;
        f->marks = vr_xcalloc(1, 1);
        f->marks[0] = VR_DRIFT_MARK_MISSING;
        bool missing = vr_name_ix_find(creates, ncreate, name) != NULL ||
                       (!have && !vr_name_ix_find(unchanged, plan->unchanged_count, name) &&
                        !vr_name_ix_find(drift, plan->drift_count, name));
        if (missing) {
            out->counts[VR_DRIFT_MISSING]++;
            set_rate(f);
            continue;
        }
        f->present = true;
        const vr_name_ix *d = vr_name_ix_find(drift, plan->drift_count, name);
        if (d) copy_fields(f, &plan->drift[d->idx]);
        f->matching = f->field_count == 0;
        if (have) {
            f->id = dup_or_null(have->id);
            f->state = dup_or_null(have->state);
            ignored_count ic = {org, name, 0};
            vr_iface_compare(want, have, count_ignored_field, &ic);
            f->ignored_fields = ic.ignored;
            out->ignored_fields += ic.ignored;
        } else if (d) {
            f->id = dup_or_null(plan->drift[d->idx].id);
        } else {
            const vr_name_ix *u = vr_name_ix_find(unchanged, plan->unchanged_count, name);
            f->id = dup_or_null(plan->unchanged[u->idx].id);
            f->state = dup_or_null(plan->unchanged[u->idx].state);
        }
        const vr_name_ix *na = vr_name_ix_find(not_active, plan->not_active_count, name);
        f->active = na == NULL;
        if (have && !is_active(have->state) && vr_org_ignores(org, name, "state")) {
            /* not active, but the ignore list leaves the state out (the plan did too) */
            f->ignored_fields++;
            out->ignored_fields++;
        }
        if (na && !f->state) f->state = dup_or_null(plan->not_active[na->idx].state);
        if (!f->matching) out->counts[VR_DRIFT_DIFFERENT]++;
        if (!f->active) out->counts[VR_DRIFT_NOT_ACTIVE]++;
        if (vr_drift_iface_ok(f)) {
            f->ok_checks = 1;
            out->unchanged++;
        }
        f->marks[0] = (unsigned char)vr_drift_mark_of(f->present, f->matching, f->active);
        set_rate(f);
    }

    /* unmanaged: the plan's list, already without what the ignore list leaves out */
    vr_name_ix *um = index_refs(plan->unmanaged, plan->unmanaged_count);
    out->unmanaged =
        vr_xcalloc(plan->unmanaged_count ? plan->unmanaged_count : 1, sizeof(*out->unmanaged));
    for (size_t k = 0; k < plan->unmanaged_count; k++) {
        const vr_plan_ref *r = &plan->unmanaged[um[k].idx];
        vr_drift_iface *f = &out->unmanaged[out->unmanaged_count++];
        f->name = vr_strdup(nz(r->name));
        f->id = dup_or_null(r->id);
        f->state = dup_or_null(r->state);
        f->present = true;
        f->active = is_active(r->state);
        if (!f->active && vr_org_ignores(org, f->name, "state")) {
            f->active = true;
            f->ignored_fields++;
            out->ignored_fields++;
        }
        out->counts[VR_DRIFT_UNMANAGED]++;
        if (!f->active) out->counts[VR_DRIFT_NOT_ACTIVE]++;
    }

    /* live connections the inventory does not name and the ignore list leaves out whole */
    for (size_t k = 0; k < live_count; k++)
        if (!vr_name_ix_find(inv, org->count, lv[k].name) && vr_org_ignores(org, lv[k].name, NULL))
            out->ignored_ifaces++;

    free(um);
    free(inv);
    free(lv);
    free(unchanged);
    free(not_active);
    free(drift);
    free(creates);
    return 0;
}

bool vr_drift_iface_ok(const vr_drift_iface *f)
{
    return f->present && f->matching && f->active;
}

bool vr_drift_has_drift(const vr_drift_org *r)
{
    for (int k = 0; k < VR_DRIFT_KIND_COUNT; k++)
        if (r->counts[k]) return true;
    return false;
}

static void iface_clear(vr_drift_iface *f)
{
    free(f->name);
    free(f->id);
    free(f->state);
    for (size_t i = 0; i < f->field_count; i++) {
        free(f->fields[i].field);
        free(f->fields[i].want);
        free(f->fields[i].live);
    }
    free(f->fields);
    free(f->marks);
}

void vr_drift_org_free(vr_drift_org *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->iface_count; i++)
        iface_clear(&r->ifaces[i]);
    for (size_t i = 0; i < r->unmanaged_count; i++)
        iface_clear(&r->unmanaged[i]);
    free(r->ifaces);
    free(r->unmanaged);
    free(r->org_id);
    free(r->check_times);
    memset(r, 0, sizeof(*r));
}

/* ---- history ------------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    size_t idx;
    vr_drift_mark mark;
} past_entry;

static int past_cmp(const void *a, const void *b)
{
    const past_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool json_true(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Room for more checks in the timeline: check_times and every interface's marks grow to
 * r->check_count + more (the new marks VR_DRIFT_MARK_NONE). */
static void timeline_grow(vr_drift_org *r, size_t more)
{
    size_t n = r->check_count + more;
    r->check_times = vr_xrealloc(r->check_times, (n ? n : 1) * sizeof(*r->check_times));
    for (size_t k = 0; k < r->iface_count; k++) {
        vr_drift_iface *f = &r->ifaces[k];
        f->marks = vr_xrealloc(f->marks, n ? n : 1);
        memset(f->marks + r->check_count, VR_DRIFT_MARK_NONE, more);
    }
}

typedef struct {
    const char *at;
    size_t idx;
} check_ref;

static int check_cmp(const void *a, const void *b)
{
    const check_ref *x = a, *y = b;
    int c = strcmp(x->at, y->at);
    if (c) return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Puts the timeline in time order (createdAt; the order given among equal times). */
static void timeline_sort(vr_drift_org *r)
{
    size_t n = r->check_count;
    if (n < 2) return;
    check_ref *v = vr_xmalloc(n * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = (check_ref){r->check_times[i], i};
    qsort(v, n, sizeof(*v), check_cmp);
    char(*times)[32] = vr_xmalloc(n * sizeof(*times));
    for (size_t i = 0; i < n; i++)
        memcpy(times[i], r->check_times[v[i].idx], sizeof(times[i]));
    free(r->check_times);
    r->check_times = times;
    unsigned char *tmp = vr_xmalloc(n);
    for (size_t k = 0; k < r->iface_count; k++) {
        unsigned char *m = r->ifaces[k].marks;
        for (size_t i = 0; i < n; i++)
            tmp[i] = m[v[i].idx];
        memcpy(m, tmp, n);
    }
    free(tmp);
    free(v);
}

size_t vr_drift_apply_history(vr_drift_org *r, const cJSON *const *reports, size_t count,
                              size_t window)
{
    r->history_window = window;
    size_t used = 0;
    timeline_grow(r, count);
    for (size_t i = 0; i < count; i++) {
        const cJSON *rep = reports ? reports[i] : NULL;
        if (!cJSON_IsObject(rep)) continue;
        const cJSON *fv = cJSON_GetObjectItemCaseSensitive(rep, "formatVersion");
        const char *cmd = json_str(rep, "command"), *org = json_str(rep, "organization");
        const cJSON *ifs = cJSON_GetObjectItemCaseSensitive(rep, "interfaces");
        if (!cJSON_IsNumber(fv) || fv->valuedouble != VR_DRIFT_FORMAT_VERSION || !cmd ||
            strcmp(cmd, "drift") != 0 || !org || strcmp(org, nz(r->org_id)) != 0 ||
            !cJSON_IsArray(ifs))
            continue;
        size_t n = (size_t)cJSON_GetArraySize(ifs), m = 0;
        past_entry *v = vr_xmalloc((n ? n : 1) * sizeof(*v));
        const cJSON *it;
        cJSON_ArrayForEach(it, ifs)
        {
            const char *name = json_str(it, "name");
            if (!name) continue;
            v[m] =
                (past_entry){name, m,
                             vr_drift_mark_of(json_true(it, "present"), json_true(it, "matching"),
                                              json_true(it, "active"))};
            m++;
        }
        qsort(v, m, sizeof(*v), past_cmp);
        size_t col = r->check_count++;
        snprintf(r->check_times[col], sizeof(r->check_times[col]), "%s",
                 nz(json_str(rep, "createdAt")));
        for (size_t k = 0; k < r->iface_count; k++) {
            vr_drift_iface *f = &r->ifaces[k];
            size_t lo = 0, hi = m;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(v[mid].name, f->name) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < m && strcmp(v[lo].name, f->name) == 0) {
                f->checks++;
                f->ok_checks += v[lo].mark == VR_DRIFT_MARK_OK;
                f->marks[col] = (unsigned char)v[lo].mark;
                set_rate(f);
            }
        }
        free(v);
        used++;
    }
    r->history_reports += used;
    timeline_sort(r);
    return used;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void add_str_or_null(cJSON *o, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

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

cJSON *vr_drift_to_json(const vr_drift_org *r)
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
        add_str_or_null(j, "id", f->id);
        add_str_or_null(j, "state", f->state);
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
    }
    arr = cJSON_AddArrayToObject(o, "unmanaged");
    for (size_t i = 0; i < r->unmanaged_count; i++) {
        const vr_drift_iface *f = &r->unmanaged[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, j);
        cJSON_AddStringToObject(j, "name", nz(f->name));
        add_str_or_null(j, "id", f->id);
        add_str_or_null(j, "state", f->state);
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

cJSON *vr_drift_run_to_json(const vr_drift_org *orgs, size_t count, const char *run_id,
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
        cJSON *j = vr_drift_to_json(&orgs[i]);
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

int vr_drift_render_json(vr_buf *out, const vr_drift_org *orgs, size_t count)
{
    cJSON *doc = vr_drift_run_to_json(orgs, count, NULL, NULL);
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

int vr_drift_summary(vr_buf *out, const vr_drift_org *r)
{
    totals t = sum_all(r, 1);
    return summary(out, &t);
}

int vr_drift_summary_all(vr_buf *out, const vr_drift_org *orgs, size_t count)
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
    vr_drift_summary(t->out, r);
    vr_buf_puts(t->out, "\n");
}

int vr_drift_render_text(vr_buf *out, const vr_drift_org *orgs, size_t count,
                         const vr_drift_render_opts *opts)
{
    vr_text_out t = {out, opts && opts->color, NULL, 0};
    for (size_t i = 0; i < count; i++) {
        if (i) vr_buf_puts(out, "\n");
        text_org(&t, &orgs[i], opts && opts->verbose);
    }
    if (count > 1) {
        vr_buf_puts(out, "\n");
        vr_drift_summary_all(out, orgs, count);
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

static void md_org(vr_buf *o, const vr_drift_org *r, size_t k)
{
    vr_buf_puts(o, "\n#### Organization `");
    vr_render_md_cell(o, r->org_id);
    vr_buf_printf(o, "`\n\n%zu interface%s in the inventory, %zu live connection%s. ",
                  r->iface_count, r->iface_count == 1 ? "" : "s", r->live_count,
                  r->live_count == 1 ? "" : "s");
    vr_drift_summary(o, r);
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
        vr_buf_puts(o, "\n**Different** (shown, never replaced)\n\n"
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
    vr_drift_summary_all(o, orgs, count);
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

static bool md_fits(const vr_drift_org *orgs, size_t count, size_t k, size_t max, const char *title,
                    vr_buf *scratch)
{
    vr_buf_reset(scratch);
    scratch->max = max;
    md_render(scratch, orgs, count, k, title);
    return !scratch->overflow && scratch->len <= max;
}

int vr_drift_render_markdown(vr_buf *out, const vr_drift_org *orgs, size_t count,
                             const vr_drift_render_opts *opts)
{
    size_t max = opts && opts->markdown_max ? opts->markdown_max : VR_DRIFT_MARKDOWN_MAX;
    const char *title = opts && opts->title ? opts->title : "vni-reconcile drift";
    vr_buf scratch = VR_BUF_INIT;
    size_t hi = largest_list(orgs, count);
    if (!md_fits(orgs, count, hi, max, title, &scratch)) {
        /* the largest row cap that still fits: binary search, each try cut short at max */
        size_t lo = 0;
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;
            if (md_fits(orgs, count, mid, max, title, &scratch))
                lo = mid;
            else
                hi = mid - 1;
        }
        if (!md_fits(orgs, count, lo, max, title, &scratch)) {
            /* even the headings alone do not fit: cut at a line boundary */
            vr_buf_free(&scratch);
            md_render(&scratch, orgs, count, 0, title);
            const char *tail = "\n... truncated\n";
            size_t keep = max > strlen(tail) ? max - strlen(tail) : 0;
            if (scratch.len > keep) {
                while (keep > 0 && scratch.data[keep - 1] != '\n')
                    keep--;
                scratch.len = keep;
                if (scratch.data) scratch.data[keep] = '\0';
            }
            scratch.max = 0;
            scratch.overflow = false;
            vr_buf_puts(&scratch, tail);
        }
    }
    int rc = vr_buf_append(out, scratch.data ? scratch.data : "", scratch.len);
    vr_buf_free(&scratch);
    return rc;
}
