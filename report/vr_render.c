/* vr_render: text, JSON and Markdown renderings of a plan, and its one-line summary. */
#include "vr_render.h"
#include "vr_planfile.h"

#include <stdlib.h>
#include <string.h>

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* ---- summary ---------------------------------------------------------------------------- */

static int summary(vr_buf *out, size_t c, size_t d, size_t rp, size_t u, size_t dr)
{
    return vr_buf_printf(out,
                         "Plan: %zu to create, %zu to delete, %zu to replace, %zu unchanged, %zu "
                         "drifted",
                         c, d, rp, u, dr);
}

int vr_render_summary_org(vr_buf *out, const vr_plan_org_result *r)
{
    return summary(out, r->create_count, r->delete_count, r->replace_count, r->unchanged_count,
                   r->drift_count);
}

int vr_render_summary(vr_buf *out, const vr_plan *plan)
{
    size_t c = 0, d = 0, rp = 0, u = 0, dr = 0;
    for (size_t i = 0; i < plan->org_count; i++) {
        c += plan->orgs[i].create_count;
        d += plan->orgs[i].delete_count;
        rp += plan->orgs[i].replace_count;
        u += plan->orgs[i].unchanged_count;
        dr += plan->orgs[i].drift_count;
    }
    return summary(out, c, d, rp, u, dr);
}

static size_t total_errors(const vr_plan *plan)
{
    size_t n = 0;
    for (size_t i = 0; i < plan->org_count; i++)
        n += plan->orgs[i].diags.errors;
    return n;
}

/* ---- text --------------------------------------------------------------------------------- */

const char *vr_text_safe(vr_text_out *t, const char *s)
{
    s = s ? s : "";
    if (!vr_text_needs_escape(s)) return s;
    t->scratch = vr_xrealloc(t->scratch, (t->scratch_count + 1) * sizeof(*t->scratch));
    return t->scratch[t->scratch_count++] = vr_text_escape(s);
}

void vr_text_out_free(vr_text_out *t)
{
    for (size_t i = 0; i < t->scratch_count; i++)
        free(t->scratch[i]);
    free(t->scratch);
    t->scratch = NULL;
    t->scratch_count = 0;
}

void vr_text_paint(vr_text_out *t, const char *color, const char *fmt, ...)
{
    if (t->color && color) vr_buf_puts(t->out, color);
    va_list ap;
    va_start(ap, fmt);
    vr_buf_vprintf(t->out, fmt, ap);
    va_end(ap);
    if (t->color && color) vr_buf_puts(t->out, VR_C_RESET);
}

static void text_iface_fields(vr_text_out *t, const vr_iface *f)
{
    vr_buf *o = t->out;
    vr_buf_printf(o, "      type:           %s\n", vr_text_safe(t, f->type));
    vr_buf_printf(o, "      localIp:        %s\n", vr_text_safe(t, f->local_ip));
    vr_buf_printf(o, "      remoteIp:       %s\n", vr_text_safe(t, f->remote_ip));
    vr_buf_printf(o, "      subnetCidr:     %s\n", vr_text_safe(t, f->subnet_cidr));
    vr_buf_puts(o, "      dnsServers:     [");
    for (size_t i = 0; i < f->dns_count && i < VR_DNS_MAX + 1; i++)
        vr_buf_printf(o, "%s%s", i ? ", " : "", vr_text_safe(t, f->dns[i]));
    vr_buf_puts(o, "]\n");
    vr_buf_printf(o, "      routingTableId: %s\n", vr_text_safe(t, f->routing_table_id));
    if (f->description)
        vr_buf_printf(o, "      description:    %s\n", vr_text_safe(t, f->description));
}

/* "-/+ replace NAME (id ID, state S)", the reason, each differing field (live → inventory),
 * then the new version's fields. */
static void text_replace(vr_text_out *t, const vr_plan_action *a)
{
    vr_buf *o = t->out;
    vr_text_paint(t, VR_C_YELLOW, "  -/+ replace %s", vr_text_safe(t, a->name));
    vr_buf_printf(o, " (id %s, %s)\n      reason: %s\n", vr_text_safe(t, a->replaces.id),
                  a->replaces.state ? vr_text_safe(t, a->replaces.state) : "no state",
                  vr_text_safe(t, a->reason));
    for (size_t k = 0; k < a->replaces.field_count; k++) {
        const vr_drift_field *f = &a->replaces.fields[k];
        vr_buf_printf(o, "      ~ %s: ", vr_text_safe(t, f->field));
        vr_text_paint(t, VR_C_RED, "%s", vr_text_safe(t, f->live));
        vr_buf_puts(o, " \xe2\x86\x92 "); /* → */
        vr_text_paint(t, VR_C_GREEN, "%s", vr_text_safe(t, f->want));
        vr_buf_puts(o, "\n");
    }
    text_iface_fields(t, &a->iface);
}

/* replace_drifted: the plan was made with --replace-drifted, so a drifted interface left
 * alone was deferred (--max-replaces) or is protected, and a warning says which. */
static void text_org(vr_text_out *t, const vr_plan_org_result *r, bool verbose,
                     bool replace_drifted)
{
    vr_buf *o = t->out;
    vr_text_paint(t, NULL, "organization %s: limit %ld%s, %zu live, fingerprint %.12s\n",
                  nz(r->org_id), r->limit,
                  r->limit_defaulted ? " (documented default: the platform gave none)" : "",
                  r->live_count, r->live_fingerprint);
    if (r->recorded_state.commit)
        vr_text_paint(t, VR_C_CYAN,
                      "  planned against the state recorded by %s at %s (branch %s, commit "
                      "%.12s), not against the platform\n",
                      vr_text_safe(t, r->recorded_state.command),
                      vr_text_safe(t, r->recorded_state.recorded_at),
                      vr_text_safe(t, r->recorded_state.branch),
                      vr_text_safe(t, r->recorded_state.commit));
    for (size_t i = 0; i < r->action_count; i++) {
        const vr_plan_action *a = &r->actions[i];
        if (a->kind == VR_ACTION_REPLACE) {
            text_replace(t, a);
        } else if (a->kind == VR_ACTION_DELETE) {
            vr_text_paint(t, VR_C_RED, "  - delete %s", vr_text_safe(t, a->name));
            vr_buf_printf(o, " (id %s)\n      reason: %s\n", vr_text_safe(t, a->iface.id),
                          vr_text_safe(t, a->reason));
        } else {
            vr_text_paint(t, VR_C_GREEN, "  + create %s", vr_text_safe(t, a->name));
            vr_buf_printf(o, "\n      reason: %s\n", vr_text_safe(t, a->reason));
            text_iface_fields(t, &a->iface);
        }
    }
    for (size_t i = 0; i < r->drift_count; i++) {
        const vr_plan_drift *d = &r->drift[i];
        vr_text_paint(t, VR_C_YELLOW, "  ~ drift %s", vr_text_safe(t, d->name));
        vr_buf_printf(o, " (id %s): differs live; %s\n", vr_text_safe(t, d->id),
                      replace_drifted ? "not replaced in this run (see the warning below)"
                                      : "not replaced (--replace-drifted replaces it)");
        for (size_t k = 0; k < d->field_count; k++) {
            vr_buf_printf(o, "      %s: ", vr_text_safe(t, d->fields[k].field));
            vr_text_paint(t, VR_C_GREEN, "%s", vr_text_safe(t, d->fields[k].want));
            vr_buf_puts(o, " \xe2\x86\x92 "); /* → */
            vr_text_paint(t, VR_C_RED, "%s", vr_text_safe(t, d->fields[k].live));
            vr_buf_puts(o, "\n");
        }
    }
    if (verbose)
        for (size_t i = 0; i < r->unchanged_count; i++)
            vr_text_paint(t, VR_C_DIM, "  = unchanged %s (id %s)\n",
                          vr_text_safe(t, r->unchanged[i].name),
                          vr_text_safe(t, r->unchanged[i].id));
    for (size_t i = 0; i < r->unmanaged_count; i++)
        vr_text_paint(t, VR_C_CYAN, "  ? unmanaged %s (id %s): not in the inventory\n",
                      vr_text_safe(t, r->unmanaged[i].name), vr_text_safe(t, r->unmanaged[i].id));
    for (size_t i = 0; i < r->not_active_count; i++)
        vr_text_paint(t, VR_C_YELLOW, "  ! not active %s (id %s): state %s\n",
                      vr_text_safe(t, r->not_active[i].name), vr_text_safe(t, r->not_active[i].id),
                      r->not_active[i].state ? vr_text_safe(t, r->not_active[i].state) : "unknown");
    for (size_t i = 0; i < r->diags.count; i++) {
        const vr_diag *g = &r->diags.items[i];
        char *line = vr_diag_format(g);
        const char *color = g->severity == VR_SEV_ERROR     ? VR_C_BOLD_RED
                            : g->severity == VR_SEV_WARNING ? VR_C_YELLOW
                                                            : VR_C_CYAN;
        vr_text_paint(t, color, "  ! %s\n", vr_text_safe(t, line));
        free(line);
    }
}

int vr_render_text(vr_buf *out, const vr_plan *plan, const vr_render_opts *opts)
{
    vr_text_out t = {out, opts && opts->color, NULL, 0};
    for (size_t i = 0; i < plan->org_count; i++)
        text_org(&t, &plan->orgs[i], opts && opts->verbose, plan->options.replace_drifted);
    vr_text_out_free(&t);
    if (plan->org_count) vr_buf_puts(out, "\n");
    vr_render_summary(out, plan);
    vr_buf_puts(out, "\n");
    size_t errors = total_errors(plan);
    if (errors)
        vr_text_paint(&t, VR_C_BOLD_RED, "! %zu error%s: the plan cannot be carried out\n", errors,
                      errors == 1 ? "" : "s");
    return out->overflow ? -1 : 0;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

int vr_render_json(vr_buf *out, const vr_plan *plan)
{
    return vr_planfile_serialize(out, plan);
}

/* ---- Markdown ------------------------------------------------------------------------------- */

void vr_render_md_cell(vr_buf *o, const char *s)
{
    for (const char *p = nz(s); *p; p++) {
        switch (*p) {
        case '|':
            vr_buf_puts(o, "\\|");
            break;
        case '\n':
        case '\r':
            vr_buf_puts(o, " ");
            break;
        case '<':
            vr_buf_puts(o, "&lt;");
            break;
        case '>':
            vr_buf_puts(o, "&gt;");
            break;
        case '`':
            vr_buf_puts(o, "'");
            break;
        default:
            vr_buf_append(o, p, 1);
        }
    }
}

void vr_render_md_row(vr_buf *o, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        vr_buf_puts(o, i ? " | " : "| ");
        vr_render_md_cell(o, cells[i]);
    }
    vr_buf_puts(o, " |\n");
}

static void md_more(vr_buf *o, size_t more, const char *what)
{
    if (more)
        vr_buf_printf(o, "\n... and %zu more %s (see `--format json` or the plan file)\n", more,
                      what);
}

/* The replacements: what each deletes (id, state) and its differing fields, live value
 * beside the inventory's, at most k rows. */
static void md_replaced(vr_buf *o, const vr_plan_org_result *r, size_t k)
{
    if (!r->replace_count) return;
    vr_buf_puts(o, "\n**Replaced** (the live connection is deleted, then created anew from the "
                   "inventory)\n\n| name | live id | live state | field | live | inventory |\n"
                   "|---|---|---|---|---|---|\n");
    size_t rows = 0, more = 0;
    for (size_t i = 0; i < r->action_count; i++) {
        const vr_plan_action *a = &r->actions[i];
        if (a->kind != VR_ACTION_REPLACE) continue;
        size_t n = a->replaces.field_count ? a->replaces.field_count : 1;
        for (size_t f = 0; f < n; f++) {
            if (rows >= k) {
                more++;
                continue;
            }
            rows++;
            const vr_drift_field *d = a->replaces.field_count ? &a->replaces.fields[f] : NULL;
            const char *cells[] = {a->name,
                                   a->replaces.id,
                                   a->replaces.state ? a->replaces.state : "",
                                   d ? d->field : "(none differs)",
                                   d ? d->live : "",
                                   d ? d->want : ""};
            vr_render_md_row(o, cells, 6);
        }
    }
    md_more(o, more, "replaced fields");
}

static void md_org(vr_buf *o, const vr_plan_org_result *r, size_t k)
{
    vr_buf_puts(o, "\n#### Organization `");
    vr_render_md_cell(o, r->org_id);
    vr_buf_printf(o, "`\n\nLimit %ld%s, %zu live connection%s, live fingerprint `%.12s`. ",
                  r->limit,
                  r->limit_defaulted ? " (documented default: the platform gave none)" : "",
                  r->live_count, r->live_count == 1 ? "" : "s", r->live_fingerprint);
    vr_render_summary_org(o, r);
    vr_buf_puts(o, ".\n");
    if (r->recorded_state.commit) {
        vr_buf_puts(o, "\n> Planned against the state recorded by `");
        vr_render_md_cell(o, r->recorded_state.command);
        vr_buf_puts(o, "` at ");
        vr_render_md_cell(o, r->recorded_state.recorded_at);
        vr_buf_puts(o, " (branch `");
        vr_render_md_cell(o, r->recorded_state.branch);
        vr_buf_printf(o, "`, commit `%.12s`), not against the platform.\n",
                      r->recorded_state.commit);
    }
    if (r->action_count) {
        vr_buf_puts(o, "\n| # | action | name | routing table | localIp | subnetCidr | reason |\n"
                       "|---:|---|---|---|---|---|---|\n");
        size_t shown = r->action_count < k ? r->action_count : k;
        for (size_t i = 0; i < shown; i++) {
            const vr_plan_action *a = &r->actions[i];
            vr_buf_printf(o, "| %zu | %s | ", a->seq,
                          a->kind == VR_ACTION_DELETE    ? "\xe2\x9e\x96 delete"
                          : a->kind == VR_ACTION_REPLACE ? "\xf0\x9f\x94\x84 replace (-/+)"
                                                         : "\xe2\x9e\x95 create");
            vr_render_md_cell(o, a->name);
            vr_buf_puts(o, " | ");
            vr_render_md_cell(o, a->iface.routing_table_id);
            vr_buf_puts(o, " | ");
            vr_render_md_cell(o, a->iface.local_ip);
            vr_buf_puts(o, " | ");
            vr_render_md_cell(o, a->iface.subnet_cidr);
            vr_buf_puts(o, " | ");
            vr_render_md_cell(o, a->reason);
            vr_buf_puts(o, " |\n");
        }
        md_more(o, r->action_count - shown, "actions");
        md_replaced(o, r, k);
    }
    if (r->drift_count) {
        vr_buf_puts(o, "\n**Drift** (not replaced; `--replace-drifted` replaces it)\n\n"
                       "| name | field | inventory | live |\n"
                       "|---|---|---|---|\n");
        size_t rows = 0, more = 0;
        for (size_t i = 0; i < r->drift_count; i++) {
            const vr_plan_drift *d = &r->drift[i];
            for (size_t f = 0; f < d->field_count; f++) {
                if (rows >= k) {
                    more++;
                    continue;
                }
                rows++;
                const char *cells[] = {d->name, d->fields[f].field, d->fields[f].want,
                                       d->fields[f].live};
                vr_render_md_row(o, cells, 4);
            }
        }
        md_more(o, more, "drifted fields");
    }
    if (r->diags.count) {
        vr_buf_puts(o, "\n**Problems**\n\n");
        size_t rows = 0;
        /* errors first: they are what blocks the plan */
        for (int sev = VR_SEV_ERROR; sev <= VR_SEV_NOTE; sev++)
            for (size_t i = 0; i < r->diags.count && rows < k; i++) {
                const vr_diag *g = &r->diags.items[i];
                if ((int)g->severity != sev) continue;
                rows++;
                vr_buf_printf(o, "- %s ",
                              sev == VR_SEV_ERROR     ? "\xe2\x9d\x8c error:"
                              : sev == VR_SEV_WARNING ? "\xe2\x9a\xa0\xef\xb8\x8f warning:"
                                                      : "\xe2\x84\xb9\xef\xb8\x8f note:");
                vr_render_md_cell(o, g->message);
                vr_buf_puts(o, "\n");
            }
        md_more(o, r->diags.count - rows, "problems");
    }
    if (r->unmanaged_count || r->not_active_count) {
        vr_buf_puts(o, "\n");
        if (r->unmanaged_count) {
            vr_buf_printf(o, "Unmanaged (not in the inventory): %zu", r->unmanaged_count);
            size_t shown = r->unmanaged_count < k ? r->unmanaged_count : k;
            for (size_t i = 0; i < shown; i++) {
                vr_buf_puts(o, i ? ", `" : " \xe2\x80\x94 `");
                vr_render_md_cell(o, r->unmanaged[i].name);
                vr_buf_puts(o, "`");
            }
            if (shown < r->unmanaged_count)
                vr_buf_printf(o, " ... and %zu more", r->unmanaged_count - shown);
            vr_buf_puts(o, "\n\n");
        }
        if (r->not_active_count) {
            vr_buf_printf(o, "Not active: %zu", r->not_active_count);
            size_t shown = r->not_active_count < k ? r->not_active_count : k;
            for (size_t i = 0; i < shown; i++) {
                vr_buf_puts(o, i ? ", `" : " \xe2\x80\x94 `");
                vr_render_md_cell(o, r->not_active[i].name);
                vr_buf_puts(o, "` (");
                vr_render_md_cell(o, r->not_active[i].state ? r->not_active[i].state : "unknown");
                vr_buf_puts(o, ")");
            }
            if (shown < r->not_active_count)
                vr_buf_printf(o, " ... and %zu more", r->not_active_count - shown);
            vr_buf_puts(o, "\n");
        }
    }
}

/* The whole comment with at most k rows per table or list and at most k organizations. */
static void md_render(vr_buf *o, const vr_plan *plan, size_t k, const char *title)
{
    vr_buf_puts(o, "### ");
    vr_render_md_cell(o, title);
    vr_buf_puts(o, "\n\n**");
    vr_render_summary(o, plan);
    vr_buf_puts(o, "**");
    size_t errors = total_errors(plan);
    if (errors)
        vr_buf_printf(o, " \xe2\x80\x94 \xe2\x9d\x8c %zu error%s: the plan cannot be carried out",
                      errors, errors == 1 ? "" : "s");
    vr_buf_puts(o, "\n");
    size_t shown = plan->org_count < k ? plan->org_count : k;
    for (size_t i = 0; i < shown; i++)
        md_org(o, &plan->orgs[i], k);
    md_more(o, plan->org_count - shown, "organizations");
}

static size_t largest_list(const vr_plan *plan)
{
    size_t m = plan->org_count;
    for (size_t i = 0; i < plan->org_count; i++) {
        const vr_plan_org_result *r = &plan->orgs[i];
        size_t fields = 0, replaced = 0;
        for (size_t d = 0; d < r->drift_count; d++)
            fields += r->drift[d].field_count;
        for (size_t a = 0; a < r->action_count; a++)
            if (r->actions[a].kind == VR_ACTION_REPLACE)
                replaced +=
                    r->actions[a].replaces.field_count ? r->actions[a].replaces.field_count : 1;
        size_t v[] = {r->action_count,     fields,  r->diags.count, r->unmanaged_count,
                      r->not_active_count, replaced};
        for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++)
            if (v[j] > m) m = v[j];
    }
    return m;
}

typedef struct {
    const vr_plan *plan;
    const char *title;
} md_ctx;

static void md_render_k(vr_buf *o, size_t k, const void *ctx)
{
    const md_ctx *c = ctx;
    md_render(o, c->plan, k, c->title);
}

int vr_render_markdown(vr_buf *out, const vr_plan *plan, const vr_render_opts *opts)
{
    size_t max = opts && opts->markdown_max ? opts->markdown_max : VR_RENDER_MARKDOWN_MAX;
    md_ctx c = {plan, opts && opts->title ? opts->title : "vni-reconcile plan"};
    return vr_render_md_fit(out, max, largest_list(plan), md_render_k, &c);
}

/* Renders with at most k rows into a scratch buffer capped at max; true when it fit. */
static bool md_fits(vr_render_md_fn render, const void *ctx, size_t k, size_t max, vr_buf *scratch)
{
    vr_buf_reset(scratch);
    scratch->max = max;
    render(scratch, k, ctx);
    return !scratch->overflow && scratch->len <= max;
}

int vr_render_md_fit(vr_buf *out, size_t max, size_t largest, vr_render_md_fn render,
                     const void *ctx)
{
    vr_buf scratch = VR_BUF_INIT;
    size_t hi = largest;
    if (!md_fits(render, ctx, hi, max, &scratch)) {
        /* the largest row cap that still fits: binary search, each try cut short at max */
        size_t lo = 0;
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;
            if (md_fits(render, ctx, mid, max, &scratch))
                lo = mid;
            else
                hi = mid - 1;
        }
        if (!md_fits(render, ctx, lo, max, &scratch)) {
            /* even the headings alone do not fit: cut at a line boundary */
            vr_buf_free(&scratch);
            render(&scratch, 0, ctx);
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
