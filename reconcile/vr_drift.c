/* vr_drift: drift report of one organization, uptime from earlier reports. */
#include "vr_drift.h"
#include "vr_nameix.h"

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

static vr_nameix *index_refs(const vr_plan_ref *v, size_t n)
{
    vr_nameix *ix = vr_xmalloc((n ? n : 1) * sizeof(*ix));
    for (size_t i = 0; i < n; i++)
        ix[i] = (vr_nameix){nz(v[i].name), i};
    vr_nameix_sort(ix, n);
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

    vr_nameix *inv = vr_nameix_of_ifaces(org->ifaces, org->count);
    vr_nameix *lv = vr_nameix_of_ifaces(live, live_count);
    vr_nameix *unchanged = index_refs(plan->unchanged, plan->unchanged_count);
    vr_nameix *not_active = index_refs(plan->not_active, plan->not_active_count);
    vr_nameix *drift = vr_xmalloc((plan->drift_count ? plan->drift_count : 1) * sizeof(*drift));
    for (size_t i = 0; i < plan->drift_count; i++)
        drift[i] = (vr_nameix){nz(plan->drift[i].name), i};
    vr_nameix_sort(drift, plan->drift_count);
    size_t ncreate = 0;
    vr_nameix *creates =
        vr_xmalloc((plan->action_count ? plan->action_count : 1) * sizeof(*creates));
    for (size_t i = 0; i < plan->action_count; i++)
        if (plan->actions[i].kind == VR_ACTION_CREATE)
            creates[ncreate++] = (vr_nameix){nz(plan->actions[i].name), i};
    vr_nameix_sort(creates, ncreate);
    /* a plan made with replacements lists a replaced interface under its action only */
    size_t nreplace = 0;
    vr_nameix *replaces =
        vr_xmalloc((plan->action_count ? plan->action_count : 1) * sizeof(*replaces));
    for (size_t i = 0; i < plan->action_count; i++)
        if (plan->actions[i].kind == VR_ACTION_REPLACE)
            replaces[nreplace++] = (vr_nameix){nz(plan->actions[i].name), i};
    vr_nameix_sort(replaces, nreplace);

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
        const vr_nameix *lhit = vr_nameix_find(lv, live_count, name);
        const vr_iface *have = lhit ? &live[lhit->idx] : NULL;
        vr_drift_iface *f = &out->ifaces[out->iface_count++];
        f->name = vr_strdup(name);
        f->checks = 1;
        f->marks = vr_xcalloc(1, 1);
        f->marks[0] = VR_DRIFT_MARK_MISSING;
        bool missing = vr_nameix_find(creates, ncreate, name) != NULL ||
                       (!have && !vr_nameix_find(unchanged, plan->unchanged_count, name) &&
                        !vr_nameix_find(drift, plan->drift_count, name));
        if (missing) {
            out->counts[VR_DRIFT_MISSING]++;
            set_rate(f);
            continue;
        }
        f->present = true;
        const vr_nameix *d = vr_nameix_find(drift, plan->drift_count, name);
        const vr_nameix *rp = vr_nameix_find(replaces, nreplace, name);
        if (d) copy_fields(f, &plan->drift[d->idx]);
        if (rp) {
            const vr_plan_replaced *x = &plan->actions[rp->idx].replaces;
            vr_plan_drift as_drift = {NULL, x->id, x->fields, x->field_count};
            copy_fields(f, &as_drift);
        }
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
        } else if (rp) {
            f->id = dup_or_null(plan->actions[rp->idx].replaces.id);
            f->state = dup_or_null(plan->actions[rp->idx].replaces.state);
        } else {
            const vr_nameix *u = vr_nameix_find(unchanged, plan->unchanged_count, name);
            f->id = dup_or_null(plan->unchanged[u->idx].id);
            f->state = dup_or_null(plan->unchanged[u->idx].state);
        }
        const vr_nameix *na = vr_nameix_find(not_active, plan->not_active_count, name);
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
    vr_nameix *um = index_refs(plan->unmanaged, plan->unmanaged_count);
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
        if (!vr_nameix_find(inv, org->count, lv[k].name) && vr_org_ignores(org, lv[k].name, NULL))
            out->ignored_ifaces++;

    free(um);
    free(inv);
    free(lv);
    free(unchanged);
    free(not_active);
    free(drift);
    free(creates);
    free(replaces);
    return 0;
}

/* s as one word of a POSIX shell: as is when it is made of safe characters, else quoted. */
static void shell_word(vr_buf *b, const char *s)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./,:=@%+-",
                       *p) != NULL;
    if (plain) {
        vr_buf_puts(b, s);
        return;
    }
    vr_buf_puts(b, "'");
    for (const char *p = s; *p; p++)
        if (*p == '\'')
            vr_buf_puts(b, "'\\''");
        else
            vr_buf_append(b, p, 1);
    vr_buf_puts(b, "'");
}

bool vr_drift_needs_repair(const vr_drift_iface *f)
{
    bool failed = !f->active && f->state && strcmp(f->state, "failed") == 0;
    return f->present && (!f->matching || failed);
}

void vr_drift_set_repairs(vr_drift_org *r, const vr_org *org, const char *const *paths,
                          size_t path_count)
{
    vr_nameix *inv = vr_nameix_of_ifaces(org->ifaces, org->count);
    for (size_t i = 0; i < r->iface_count; i++) {
        vr_drift_iface *f = &r->ifaces[i];
        free(f->repair);
        f->repair = NULL;
        const vr_nameix *hit = vr_nameix_find(inv, org->count, f->name);
        f->protect = hit && org->ifaces[hit->idx].protect;
        if (!vr_drift_needs_repair(f) || f->protect) continue;
        vr_buf b = VR_BUF_INIT;
        vr_buf_puts(&b, "vni-reconcile apply");
        for (size_t k = 0; k < path_count; k++) {
            vr_buf_puts(&b, " -f ");
            shell_word(&b, paths[k] ? paths[k] : "");
        }
        vr_buf_puts(&b, " --replace ");
        shell_word(&b, f->name);
        f->repair = vr_buf_detach(&b);
    }
    free(inv);
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
    free(f->repair);
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
