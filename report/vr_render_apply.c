/* vr_render_apply: an apply run as text, JSON and Markdown (see vr_render_apply.h). */
#include "vr_render_apply.h"
#include "vr_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef VR_VERSION
#define VR_VERSION "0.0.0"
#endif

void vr_apply_run_free(vr_apply_run *run)
{
    vr_apply_result_free(&run->result);
    vr_latency_free(&run->latency);
}

int vr_render_apply_summary(vr_buf *out, const vr_apply_result *r)
{
    vr_buf_printf(out, "%zu created, %zu deleted, ", r->created, r->deleted);
    if (r->replaced) vr_buf_printf(out, "%zu replaced, ", r->replaced);
    vr_buf_printf(out, "%zu failed, %zu not attempted", r->failed, r->skipped);
    if (r->activated) vr_buf_printf(out, ", %zu activated", r->activated);
    return out->overflow ? -1 : 0;
}

static void add_ms(cJSON *o, const char *key, int64_t ms)
{
    if (ms < 0)
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, (double)ms);
}

/* A replace step's "reason" and "replaces": what it replaced and why. */
static void replaces_json(cJSON *o, const vr_apply_step *s)
{
    cJSON_AddStringToObject(o, "reason", s->reason ? s->reason : "");
    cJSON *rp = cJSON_AddObjectToObject(o, "replaces");
    if (s->replaced_id)
        cJSON_AddStringToObject(rp, "id", s->replaced_id);
    else
        cJSON_AddNullToObject(rp, "id");
    if (s->replaced_table)
        cJSON_AddStringToObject(rp, "routingTableId", s->replaced_table);
    else
        cJSON_AddNullToObject(rp, "routingTableId");
    cJSON_AddBoolToObject(rp, "deleted", s->replaced_deleted);
    cJSON_AddBoolToObject(rp, "leftMissing", s->left_missing);
}

cJSON *vr_render_apply_result_json(const vr_apply_result *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "organization", r->org_id ? r->org_id : "");
    char ts[32];
    vr_iso8601(r->started_wall_ms, ts);
    cJSON_AddStringToObject(j, "startedAt", ts);
    cJSON_AddNumberToObject(j, "elapsedMs", (double)r->elapsed_ms);
    cJSON *n = cJSON_AddObjectToObject(j, "counts");
    cJSON_AddNumberToObject(n, "created", (double)r->created);
    cJSON_AddNumberToObject(n, "deleted", (double)r->deleted);
    cJSON_AddNumberToObject(n, "activated", (double)r->activated);
    cJSON_AddNumberToObject(n, "replaced", (double)r->replaced);
    cJSON_AddNumberToObject(n, "adopted", (double)r->adopted);
    cJSON_AddNumberToObject(n, "done", (double)r->done);
    cJSON_AddNumberToObject(n, "failed", (double)r->failed);
    cJSON_AddNumberToObject(n, "notAttempted", (double)r->skipped);
    cJSON_AddNumberToObject(n, "polls", (double)r->polls);
    cJSON_AddBoolToObject(j, "timedOut", r->timed_out);
    if (r->audit_failed) cJSON_AddStringToObject(j, "auditError", r->audit_err.message);
    cJSON *steps = cJSON_AddArrayToObject(j, "steps");
    for (size_t i = 0; i < r->step_count; i++) {
        const vr_apply_step *s = &r->steps[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "seq", (double)s->seq);
        cJSON_AddStringToObject(o, "action", vr_step_kind_name(s->kind));
        cJSON_AddStringToObject(o, "name", s->name);
        if (s->id)
            cJSON_AddStringToObject(o, "id", s->id);
        else
            cJSON_AddNullToObject(o, "id");
        cJSON_AddStringToObject(o, "status",
                                s->status == VR_STEP_SKIPPED ? "not attempted"
                                                             : vr_step_status_name(s->status));
        if (s->routing_table_id) cJSON_AddStringToObject(o, "routingTableId", s->routing_table_id);
        if (s->adopted) cJSON_AddBoolToObject(o, "adopted", true);
        if (s->already_gone) cJSON_AddBoolToObject(o, "alreadyGone", true);
        if (s->note)
            cJSON_AddStringToObject(o, "note", s->note);
        else
            cJSON_AddNullToObject(o, "note");
        if (s->status == VR_STEP_FAILED) {
            cJSON *e = cJSON_AddObjectToObject(o, "error");
            if (s->error.http_status)
                cJSON_AddNumberToObject(e, "httpStatus", s->error.http_status);
            else
                cJSON_AddNullToObject(e, "httpStatus");
            cJSON_AddStringToObject(e, "code", s->error.code);
            cJSON_AddStringToObject(e, "message", s->error.message);
            cJSON_AddStringToObject(e, "correlationId", s->error.correlation_id);
            cJSON_AddStringToObject(e, "remedy", s->error.remedy);
        } else {
            cJSON_AddNullToObject(o, "error");
        }
        cJSON *l = cJSON_AddObjectToObject(o, "latencyMs");
        add_ms(l, "total", s->total_ms);
        add_ms(l, "create", s->create_ms);
        add_ms(l, "convergence", s->convergence_ms);
        cJSON_AddNumberToObject(o, "polls", s->polls);
        cJSON_AddNumberToObject(o, "syncs", s->syncs);
        if (s->estimated_ms >= 0)
            cJSON_AddNumberToObject(o, "estimatedConvergenceMs", (double)s->estimated_ms);
        else
            cJSON_AddNullToObject(o, "estimatedConvergenceMs");
        if (s->probe_detail[0]) cJSON_AddStringToObject(o, "probe", s->probe_detail);
        if (s->kind == VR_STEP_REPLACE) replaces_json(o, s);
        cJSON *ids = cJSON_AddArrayToObject(o, "correlationIds");
        for (size_t k = 0; k < s->correlation_count; k++)
            cJSON_AddItemToArray(ids, cJSON_CreateString(s->correlation_ids[k]));
        cJSON_AddItemToArray(steps, o);
    }
    return j;
}

void vr_render_latency_json(cJSON *parent, const char *key, const vr_latency *l)
{
    cJSON *o = cJSON_AddObjectToObject(parent, key);
    for (int p = 0; p < VR_PHASE_COUNT; p++) {
        vr_latency_stats st;
        vr_latency_stats_of(l, (vr_phase)p, &st);
        cJSON *ph = cJSON_AddObjectToObject(o, vr_phase_name((vr_phase)p));
        cJSON_AddNumberToObject(ph, "count", (double)st.count);
        cJSON_AddNumberToObject(ph, "p50", (double)st.p50);
        cJSON_AddNumberToObject(ph, "p95", (double)st.p95);
        cJSON_AddNumberToObject(ph, "max", (double)st.max);
    }
}

cJSON *vr_render_apply_org_json(const vr_apply_run *run, const char *run_id)
{
    cJSON *j = vr_render_apply_result_json(&run->result);
    cJSON_AddStringToObject(j, "command", "apply");
    cJSON_AddStringToObject(j, "runId", run_id);
    cJSON_AddStringToObject(j, "toolVersion", VR_VERSION);
    vr_buf sum = VR_BUF_INIT;
    vr_render_apply_summary(&sum, &run->result);
    cJSON_AddStringToObject(j, "summary", vr_buf_str(&sum));
    vr_buf_free(&sum);
    vr_render_latency_json(j, "latency", &run->latency);
    return j;
}

static void md_step(vr_buf *b, const vr_apply_step *st)
{
    vr_buf_printf(b, "| %zu | %s | ", st->seq, vr_step_kind_name(st->kind));
    vr_render_md_cell(b, st->name);
    vr_buf_printf(b, " | %s | ",
                  st->status == VR_STEP_SKIPPED ? "not attempted"
                                                : vr_step_status_name(st->status));
    if (st->total_ms >= 0) vr_buf_printf(b, "%lld", (long long)st->total_ms);
    vr_buf_puts(b, " | ");
    if (st->convergence_ms >= 0) vr_buf_printf(b, "%lld", (long long)st->convergence_ms);
    vr_buf_puts(b, " | ");
    if (st->status == VR_STEP_FAILED)
        vr_render_md_cell(b, st->error.message);
    else
        vr_render_md_cell(b, st->note);
    vr_buf_puts(b, " |\n");
}

void vr_render_apply_org_md(vr_buf *b, const vr_apply_run *run, const char *run_id)
{
    const vr_apply_result *r = &run->result;
    char ts[32];
    vr_iso8601(r->started_wall_ms, ts);
    vr_buf_printf(b, "# vni-reconcile apply %s\n\n", r->org_id);
    vr_buf_printf(b, "Run `%s`, started %s, %lld ms.\n\n**", run_id, ts, (long long)r->elapsed_ms);
    vr_render_apply_summary(b, r);
    vr_buf_puts(b, "**\n\n");
    if (r->step_count) {
        vr_buf_puts(b, "| # | action | interface | status | total ms | convergence ms | detail |\n"
                       "|---|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < r->step_count; i++)
            md_step(b, &r->steps[i]);
        vr_buf_puts(b, "\n");
    }
    vr_buf_puts(b, "| latency | count | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|\n");
    for (int p = 0; p < VR_PHASE_COUNT; p++) {
        vr_latency_stats st;
        vr_latency_stats_of(&run->latency, (vr_phase)p, &st);
        vr_buf_printf(b, "| %s | %zu | %lld | %lld | %lld |\n", vr_phase_name((vr_phase)p),
                      st.count, (long long)st.p50, (long long)st.p95, (long long)st.max);
    }
}

typedef struct {
    size_t created, deleted, failed, skipped, activated, replaced;
} apply_totals;

static apply_totals totals_of(const vr_apply_run *runs, size_t count)
{
    apply_totals t = {0};
    for (size_t i = 0; i < count; i++) {
        t.created += runs[i].result.created;
        t.deleted += runs[i].result.deleted;
        t.failed += runs[i].result.failed;
        t.skipped += runs[i].result.skipped;
        t.activated += runs[i].result.activated;
        t.replaced += runs[i].result.replaced;
    }
    return t;
}

cJSON *vr_render_apply_run_json(const vr_apply_run *runs, size_t count, const char *run_id,
                                const vr_latency *all)
{
    apply_totals tot = totals_of(runs, count);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "command", "apply");
    cJSON_AddStringToObject(j, "runId", run_id);
    cJSON *orgs = cJSON_AddArrayToObject(j, "organizations");
    for (size_t i = 0; i < count; i++)
        if (runs[i].ran) cJSON_AddItemToArray(orgs, vr_render_apply_org_json(&runs[i], run_id));
    cJSON *t = cJSON_AddObjectToObject(j, "totals");
    cJSON_AddNumberToObject(t, "created", (double)tot.created);
    cJSON_AddNumberToObject(t, "deleted", (double)tot.deleted);
    cJSON_AddNumberToObject(t, "activated", (double)tot.activated);
    cJSON_AddNumberToObject(t, "replaced", (double)tot.replaced);
    cJSON_AddNumberToObject(t, "failed", (double)tot.failed);
    cJSON_AddNumberToObject(t, "notAttempted", (double)tot.skipped);
    vr_render_latency_json(j, "latency", all);
    return j;
}

static void latency_line(vr_buf *out, const vr_latency *l)
{
    vr_latency_stats t, c;
    vr_latency_stats_of(l, VR_PHASE_TOTAL, &t);
    vr_latency_stats_of(l, VR_PHASE_CONVERGENCE, &c);
    if (!t.count) return;
    vr_buf_printf(out,
                  "Latency per step: p50 %lld ms, p95 %lld ms, max %lld ms (convergence p50 %lld "
                  "ms, p95 %lld ms, max %lld ms)\n",
                  (long long)t.p50, (long long)t.p95, (long long)t.max, (long long)c.p50,
                  (long long)c.p95, (long long)c.max);
}

/* After a failure: which steps were done, which failed, which were not attempted. */
static void outcome(vr_buf *out, const vr_apply_run *runs, size_t count)
{
    static const vr_step_status order[] = {VR_STEP_DONE, VR_STEP_FAILED, VR_STEP_SKIPPED};
    static const char *const label[] = {"done", "failed", "not attempted"};
    for (size_t i = 0; i < count; i++) {
        const vr_apply_result *r = &runs[i].result;
        if (!runs[i].ran) continue;
        if (count > 1) vr_buf_printf(out, "organization %s:\n", r->org_id);
        for (int k = 0; k < 3; k++) {
            vr_buf line = VR_BUF_INIT;
            for (size_t j = 0; j < r->step_count; j++) {
                const vr_apply_step *st = &r->steps[j];
                if (st->status != order[k]) continue;
                vr_buf_printf(&line, "%s%s", line.len ? ", " : "", st->name);
                if (st->status == VR_STEP_FAILED) vr_buf_printf(&line, " (%s)", st->error.code);
            }
            if (line.len) {
                char *shown = vr_text_escape(vr_buf_str(&line)); /* live names, server codes */
                vr_buf_printf(out, "  %s: %s\n", label[k], shown);
                free(shown);
            }
            vr_buf_free(&line);
        }
    }
}

/* Each interface a replacement deleted and did not create again, loudly. */
static void missing(vr_buf *out, const vr_apply_run *runs, size_t count)
{
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; runs[i].ran && k < runs[i].result.step_count; k++) {
            const vr_apply_step *st = &runs[i].result.steps[k];
            if (!st->left_missing) continue;
            char *name = vr_text_escape(st->name);
            vr_buf_printf(out,
                          "MISSING: %s (organization %s) was deleted to be replaced and was not "
                          "created again; run `vni-reconcile apply` again to create it\n",
                          name, runs[i].result.org_id);
            free(name);
        }
}

void vr_render_apply_text(vr_buf *out, const vr_apply_run *runs, size_t count, size_t changes,
                          const vr_latency *all)
{
    apply_totals t = totals_of(runs, count);
    bool any_failed = false, timed_out = false;
    for (size_t i = 0; i < count; i++) {
        any_failed = any_failed || runs[i].result.failed || runs[i].result.audit_failed;
        timed_out = timed_out || runs[i].result.timed_out;
    }
    if (changes == 0 && !any_failed && !timed_out) {
        vr_buf_puts(out, "No changes. The live state matches the inventory; nothing to apply.\n");
        return;
    }
    vr_buf_printf(out, "Apply %s: %zu created, %zu deleted, ",
                  any_failed  ? "failed"
                  : timed_out ? "stopped by --timeout"
                              : "complete",
                  t.created, t.deleted);
    if (t.replaced) vr_buf_printf(out, "%zu replaced, ", t.replaced);
    vr_buf_printf(out, "%zu failed, %zu not attempted", t.failed, t.skipped);
    if (t.activated) vr_buf_printf(out, ", %zu activated", t.activated);
    vr_buf_puts(out, "\n");
    if (any_failed || timed_out) outcome(out, runs, count);
    missing(out, runs, count);
    latency_line(out, all);
}
