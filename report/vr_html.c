/* vr_html: the drift page and the audit branch's index, self-contained HTML. */
#include "vr_html.h"
#include "vr_errcode.h"
#include "vr_render_drift.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef VR_VERSION
#define VR_VERSION "0.0.0"
#endif

/* ---- escaping ----------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    unsigned cp = c & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

static void escape_plain(vr_buf *out, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        const char *ent = NULL;
        switch (*s) {
        case '&':
            ent = "&amp;";
            break;
        case '<':
            ent = "&lt;";
            break;
        case '>':
            ent = "&gt;";
            break;
        case '"':
            ent = "&quot;";
            break;
        case '\'':
            ent = "&#39;";
            break;
        default:
            break;
        }
        if (ent) {
            vr_buf_puts(out, ent);
            s++;
            continue;
        }
        size_t n = utf8_len(s);
        if (n == 0) {
            vr_buf_puts(out, "\xef\xbf\xbd"); /* U+FFFD for a byte that starts no character */
            s++;
        } else {
            vr_buf_append(out, s, n);
            s += n;
        }
    }
}

void vr_html_escape(vr_buf *out, const char *text)
{
    if (!text) return;
    if (!vr_text_needs_escape(text)) {
        escape_plain(out, text);
        return;
    }
    char *visible = vr_text_escape(text);
    escape_plain(out, visible);
    free(visible);
}

/* ---- page frame --------------------------------------------------------------------------- */

/* Colours: light by default, dark with prefers-color-scheme; print is black on white with the
 * marks kept in colour. Shapes carry the state without colour. */
static const char CSS[] =
    ":root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;"
    "--card:#f6f8fa;--ok:#1a7f37;--diff:#9a6700;--miss:#cf222e;--idle:#8250df;--unm:#0969da;"
    "--none:#8c959f;--inv:#ddf4ff;--live:#fff1e5}\n"
    "@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;"
    "--line:#3d444d;--card:#151b23;--ok:#3fb950;--diff:#d29922;--miss:#f85149;--idle:#ab7df8;"
    "--unm:#4493f8;--none:#656c76;--inv:#10263f;--live:#3b2414}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:80rem;padding:1rem 1.5rem;background:var(--bg);"
    "color:var(--fg);font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",sans-serif}\n"
    "h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.3rem;margin:2rem 0 .5rem;"
    "border-bottom:1px solid var(--line);padding-bottom:.3rem}h3{font-size:1.05rem;"
    "margin:1.2rem 0 .4rem}\n"
    "code,.mono{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;font-size:.92em}\n"
    "a{color:var(--unm)}.meta{color:var(--muted);margin:.2rem 0}\n"
    ".summary{font-weight:600;font-size:1.05rem}\n"
    ".counts{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0;padding:0;list-style:none}\n"
    ".counts li{border:1px solid var(--line);background:var(--card);border-radius:6px;"
    "padding:.35rem .7rem;min-width:7.5rem}\n"
    ".counts b{display:block;font-size:1.5rem;line-height:1.2}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;color:var(--muted);font-size:.9rem;"
    "margin:.4rem 0;padding:0;list-style:none}\n"
    "table{border-collapse:collapse;width:100%;margin:.3rem 0}\n"
    "td,th{overflow-wrap:break-word}"
    "tr.if>th,tr.um>th,tr.na>th,.st{white-space:nowrap}.id{white-space:normal}\n"
    "th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;"
    "border-bottom:1px solid var(--line)}\n"
    "thead th{color:var(--muted);font-weight:600;font-size:.85rem}\n"
    "tbody th{font-weight:600}.id{display:block;color:var(--muted);font-weight:400;"
    "font-size:.8rem}\n"
    "table.fields{margin:0;width:auto}table.fields th{white-space:nowrap}"
    "table.fields td,table.fields th{border:0;"
    "padding:.05rem .4rem .05rem 0;font-size:.9rem}\n"
    "td.inv{background:var(--inv)}td.live{background:var(--live)}\n"
    ".st{white-space:nowrap;font-weight:600}.ic{width:1em;height:1em;vertical-align:-.12em;"
    "margin-right:.25em}\n"
    ".strip{display:block;max-width:100%;height:auto}.up{white-space:nowrap}"
    ".up small{display:block;color:var(--muted)}\n"
    "use[href=\"#m-ok\"]{fill:var(--ok)}use[href=\"#m-different\"]{fill:var(--diff)}"
    "use[href=\"#m-missing\"]{fill:none;stroke:var(--miss)}"
    "use[href=\"#m-not_active\"]{fill:none;stroke:var(--idle)}"
    "use[href=\"#m-none\"]{fill:var(--none)}"
    "use[href=\"#m-unmanaged\"]{fill:none;stroke:var(--unm)}\n"
    ".s-ok{color:var(--ok)}.s-different{color:var(--diff)}.s-missing{color:var(--miss)}"
    ".s-not_active{color:var(--idle)}.s-unmanaged{color:var(--unm)}.s-none{color:var(--muted)}\n"
    ".note{color:var(--muted);font-size:.9rem}.repair{margin:.3rem 0 0;font-size:.9rem}\n"
    "nav ul{padding-left:1.2rem}\n"
    "@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#999;--card:#fff;--inv:#fff;"
    "--live:#fff}body{max-width:none;padding:0;font-size:10pt}a{color:inherit;"
    "text-decoration:none}tr,li{break-inside:avoid}thead{display:table-header-group}"
    "h2{break-after:avoid}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

/* The marks' shapes, defined once and drawn with <use>: each in a 14x14 box. */
static const char SHAPES[] =
    "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
    "<circle id=\"m-ok\" cx=\"7\" cy=\"7\" r=\"4.6\"/>"
    "<path id=\"m-different\" d=\"M7 2.2L12 11.6H2z\"/>"
    "<path id=\"m-missing\" d=\"M3.2 3.2l7.6 7.6M10.8 3.2l-7.6 7.6\" stroke-width=\"2.2\"/>"
    "<path id=\"m-not_active\" d=\"M3 3h8v8H3z\" stroke-width=\"2\"/>"
    "<circle id=\"m-none\" cx=\"7\" cy=\"7\" r=\"1.6\"/>"
    "<path id=\"m-unmanaged\" d=\"M7 2.3L11.7 7 7 11.7 2.3 7z\" stroke-width=\"1.8\"/>"
    "</defs></svg>\n";

static void page_begin(vr_buf *o, const char *title, const char *subtitle)
{
    vr_buf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"color-scheme\" content=\"light dark\">\n"
                   "<meta name=\"generator\" content=\"vni-reconcile " VR_VERSION "\">\n<title>");
    vr_html_escape(o, title);
    if (subtitle) {
        vr_buf_puts(o, ": ");
        vr_html_escape(o, subtitle);
    }
    vr_buf_puts(o, "</title>\n<style>\n");
    vr_buf_puts(o, CSS);
    vr_buf_puts(o, "</style>\n</head>\n<body>\n");
    vr_buf_puts(o, SHAPES);
}

static void page_end(vr_buf *o)
{
    vr_buf_puts(o, "<footer class=\"note\"><p>Written by vni-reconcile " VR_VERSION
                   ". Drift is shown, never repaired.</p></footer>\n</body>\n</html>\n");
}

/* ---- marks -------------------------------------------------------------------------------- */

/* The word of a mark as the page shows it. */
static const char *mark_word(vr_drift_mark m)
{
    switch (m) {
    case VR_DRIFT_MARK_OK:
        return "ok";
    case VR_DRIFT_MARK_DIFFERENT:
        return "different";
    case VR_DRIFT_MARK_MISSING:
        return "missing";
    case VR_DRIFT_MARK_NOT_ACTIVE:
        return "not active";
    default:
        return "not listed";
    }
}

/* An inline icon and its word: <span class="st s-KIND">[shape]word</span>. */
static void badge(vr_buf *o, const char *kind, const char *word)
{
    vr_buf_printf(o,
                  "<span class=\"st s-%s\"><svg class=\"ic\" viewBox=\"0 0 14 14\" "
                  "aria-hidden=\"true\"><use href=\"#m-%s\"/></svg>%s</span>",
                  kind, kind, word);
}

static void legend(vr_buf *o)
{
    static const char *const kinds[][2] = {
        {"ok", "ok: present, matching, active"},
        {"different", "different: a field differs"},
        {"missing", "missing: no live connection"},
        {"not_active", "not active: state is not active"},
        {"unmanaged", "unmanaged: live, not in the inventory"},
        {"none", "not listed in that check"},
    };
    vr_buf_puts(o, "<ul class=\"legend\" aria-label=\"legend\">");
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        vr_buf_puts(o, "<li>");
        badge(o, kinds[i][0], kinds[i][1]);
        vr_buf_puts(o, "</li>");
    }
    vr_buf_puts(o, "</ul>\n");
}

/* "2026-11-24T10:00:01.234Z" shown as "2026-11-24 10:00:01 UTC" (other text as it is). */
static void when(vr_buf *o, const char *iso)
{
    char t[32];
    if (strlen(iso) >= 19 && iso[10] == 'T') {
        snprintf(t, sizeof(t), "%.10s %.8s UTC", iso, iso + 11);
        vr_html_escape(o, t); /* a report on the branch may hold anything */
    } else {
        vr_html_escape(o, iso[0] ? iso : "unknown time");
    }
}

/* The history strip: one mark per check of the organization's timeline, oldest first. Each
 * run of equal marks is a group with one title naming its state, its checks and their times
 * (a stable interface's 30 checks make one title, not 30). */
static void strip(vr_buf *o, const vr_drift_org *r, const vr_drift_iface *f)
{
    size_t n = f->marks ? r->check_count : 0;
    size_t tally[VR_DRIFT_MARK_COUNT] = {0};
    for (size_t i = 0; i < n; i++)
        tally[f->marks[i] < VR_DRIFT_MARK_COUNT ? f->marks[i] : 0]++;
    vr_buf_printf(o,
                  "<svg class=\"strip\" width=\"%zu\" height=\"18\" viewBox=\"0 0 %zu 14\" "
                  "role=\"img\" aria-label=\"history over %zu check%s:",
                  n * 18, n * 14, n, n == 1 ? "" : "s");
    for (int m = VR_DRIFT_MARK_OK; m < VR_DRIFT_MARK_COUNT; m++)
        if (tally[m]) vr_buf_printf(o, " %zu %s", tally[m], mark_word((vr_drift_mark)m));
    if (tally[VR_DRIFT_MARK_NONE]) vr_buf_printf(o, " %zu not listed", tally[VR_DRIFT_MARK_NONE]);
    vr_buf_puts(o, "\">");
    for (size_t i = 0; i < n;) {
        vr_drift_mark m = f->marks[i] < VR_DRIFT_MARK_COUNT ? f->marks[i] : VR_DRIFT_MARK_NONE;
        size_t j = i + 1;
        while (j < n && f->marks[j] == f->marks[i])
            j++;
        vr_buf_puts(o, "<g><title>");
        when(o, r->check_times[i]);
        if (j - i > 1) {
            vr_buf_puts(o, " to ");
            when(o, r->check_times[j - 1]);
        }
        vr_buf_printf(o, ": %s", mark_word(m));
        if (j - i > 1) vr_buf_printf(o, " (%zu checks)", j - i);
        vr_buf_puts(o, "</title>");
        const char *id = m == VR_DRIFT_MARK_NONE ? "none" : vr_drift_mark_name(m);
        for (size_t k = i; k < j; k++)
            vr_buf_printf(o, "<use href=\"#m-%s\" x=\"%zu\"/>", id, k * 14);
        vr_buf_puts(o, "</g>");
        i = j;
    }
    vr_buf_puts(o, "</svg>");
}

/* ---- organization ------------------------------------------------------------------------- */

static void count_item(vr_buf *o, const char *kind, const char *word, size_t n)
{
    vr_buf_printf(o, "<li class=\"c-%s\"><b>%zu</b>", kind, n);
    badge(o, kind, word);
    vr_buf_puts(o, "</li>");
}

static void counts(vr_buf *o, const size_t c[VR_DRIFT_KIND_COUNT], size_t unchanged)
{
    vr_buf_puts(o, "<ul class=\"counts\">");
    count_item(o, "missing", "missing", c[VR_DRIFT_MISSING]);
    count_item(o, "different", "different", c[VR_DRIFT_DIFFERENT]);
    count_item(o, "unmanaged", "unmanaged", c[VR_DRIFT_UNMANAGED]);
    count_item(o, "not_active", "not active", c[VR_DRIFT_NOT_ACTIVE]);
    count_item(o, "ok", "unchanged", unchanged);
    vr_buf_puts(o, "</ul>\n");
}

/* Values as the text report shows them: empty is "(none)". */
static void value(vr_buf *o, const char *v)
{
    if (v && v[0])
        vr_html_escape(o, v);
    else
        vr_buf_puts(o, "<i>(none)</i>");
}

static void iface_row(vr_buf *o, const vr_drift_org *r, const vr_drift_iface *f)
{
    vr_drift_mark now = vr_drift_mark_of(f->present, f->matching, f->active);
    vr_buf_printf(o, "<tr class=\"if\" data-state=\"%s\"><th scope=\"row\">",
                  vr_drift_mark_name(now));
    vr_html_escape(o, f->name);
    if (f->id) {
        vr_buf_puts(o, "<span class=\"id mono\">");
        vr_html_escape(o, f->id);
        vr_buf_puts(o, "</span>");
    }
    vr_buf_puts(o, "</th><td>");
    if (!f->present) {
        badge(o, "missing", "missing");
    } else {
        if (!f->matching) badge(o, "different", "different");
        if (!f->matching && !f->active) vr_buf_puts(o, "<br>");
        if (!f->active) badge(o, "not_active", "not active");
        if (f->matching && f->active) badge(o, "ok", "ok");
    }
    vr_buf_puts(o, "</td><td class=\"mono\">");
    if (f->present)
        value(o, f->state);
    else
        vr_buf_puts(o, "&#8212;");
    vr_buf_puts(o, "</td><td>");
    if (f->field_count) {
        vr_buf_puts(o, "<table class=\"fields\"><thead><tr><th>field</th><th>inventory</th>"
                       "<th>live</th></tr></thead><tbody>");
        for (size_t k = 0; k < f->field_count; k++) {
            vr_buf_puts(o, "<tr><th>");
            vr_html_escape(o, f->fields[k].field);
            vr_buf_puts(o, "</th><td class=\"inv mono\">");
            value(o, f->fields[k].want);
            vr_buf_puts(o, "</td><td class=\"live mono\">");
            value(o, f->fields[k].live);
            vr_buf_puts(o, "</td></tr>");
        }
        vr_buf_puts(o, "</tbody></table>");
    } else {
        vr_buf_puts(o, "&#8212;");
    }
    if (f->ignored_fields)
        vr_buf_printf(o, "<span class=\"note\">%zu ignored field%s</span>", f->ignored_fields,
                      f->ignored_fields == 1 ? "" : "s");
    if (f->repair) {
        vr_buf_puts(o, "<p class=\"repair\">repair: <code>");
        vr_html_escape(o, f->repair);
        vr_buf_puts(o, "</code></p>");
    } else if (f->protect && vr_drift_needs_repair(f)) {
        vr_buf_puts(o, "<p class=\"repair\">repair: by hand (<code>protect: true</code>; "
                       "vni-reconcile never replaces it), or remove protect and replace it</p>");
    }
    vr_buf_puts(o, "</td><td>");
    strip(o, r, f);
    vr_buf_printf(o,
                  "</td><td class=\"up\"><b>%.1f%%</b><small>%zu of %zu check%s</small>"
                  "</td></tr>\n",
                  f->uptime_rate * 100.0, f->ok_checks, f->checks, f->checks == 1 ? "" : "s");
}

static void iface_table(vr_buf *o, const vr_drift_org *r, bool want_ok, const char *heading)
{
    size_t n = 0;
    for (size_t i = 0; i < r->iface_count; i++)
        n += vr_drift_iface_ok(&r->ifaces[i]) == want_ok;
    if (n == 0) return;
    vr_buf_printf(o, "<h3>%s (%zu)</h3>\n", heading, n);
    vr_buf_puts(o, "<table class=\"ifaces\"><thead><tr><th>interface</th><th>drift</th>"
                   "<th>live state</th><th>differing fields</th><th>history (oldest first)</th>"
                   "<th>uptime</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->iface_count; i++)
        if (vr_drift_iface_ok(&r->ifaces[i]) == want_ok) iface_row(o, r, &r->ifaces[i]);
    vr_buf_puts(o, "</tbody></table>\n");
}

static void unmanaged_table(vr_buf *o, const vr_drift_org *r)
{
    if (r->unmanaged_count == 0) return;
    vr_buf_printf(o,
                  "<h3>Unmanaged (%zu): live, not in the inventory</h3>\n"
                  "<table class=\"unmanaged\"><thead><tr><th>connection</th><th>drift</th>"
                  "<th>live state</th></tr></thead>\n<tbody>\n",
                  r->unmanaged_count);
    for (size_t i = 0; i < r->unmanaged_count; i++) {
        const vr_drift_iface *f = &r->unmanaged[i];
        vr_buf_puts(o, "<tr class=\"um\"><th scope=\"row\">");
        vr_html_escape(o, f->name);
        if (f->id) {
            vr_buf_puts(o, "<span class=\"id mono\">");
            vr_html_escape(o, f->id);
            vr_buf_puts(o, "</span>");
        }
        vr_buf_puts(o, "</th><td>");
        badge(o, "unmanaged", "unmanaged");
        if (!f->active) {
            vr_buf_puts(o, "<br>");
            badge(o, "not_active", "not active");
        }
        vr_buf_puts(o, "</td><td class=\"mono\">");
        value(o, f->state);
        vr_buf_puts(o, "</td></tr>\n");
    }
    vr_buf_puts(o, "</tbody></table>\n");
}

static void not_active_table(vr_buf *o, const vr_drift_org *r)
{
    if (r->counts[VR_DRIFT_NOT_ACTIVE] == 0) return;
    vr_buf_printf(o,
                  "<h3>Not active (%zu)</h3>\n<table class=\"not-active\"><thead><tr>"
                  "<th>connection</th><th>managed</th><th>live state</th></tr></thead>\n"
                  "<tbody>\n",
                  r->counts[VR_DRIFT_NOT_ACTIVE]);
    for (int pass = 0; pass < 2; pass++) {
        const vr_drift_iface *v = pass ? r->unmanaged : r->ifaces;
        size_t n = pass ? r->unmanaged_count : r->iface_count;
        for (size_t i = 0; i < n; i++) {
            if (!v[i].present || v[i].active) continue;
            vr_buf_puts(o, "<tr class=\"na\"><th scope=\"row\">");
            vr_html_escape(o, v[i].name);
            vr_buf_printf(o, "</th><td>%s</td><td class=\"mono\">",
                          pass ? "no (unmanaged)" : "yes");
            badge(o, "not_active", "");
            value(o, v[i].state);
            vr_buf_puts(o, "</td></tr>\n");
        }
    }
    vr_buf_puts(o, "</tbody></table>\n");
}

static void org_section(vr_buf *o, const vr_drift_org *r)
{
    vr_buf_puts(o, "<section class=\"org\" id=\"org-");
    vr_html_escape(o, r->org_id);
    vr_buf_puts(o, "\">\n<h2>Organization <code>");
    vr_html_escape(o, r->org_id);
    vr_buf_puts(o, "</code></h2>\n<p class=\"summary\">");
    vr_buf s = VR_BUF_INIT;
    vr_render_drift_summary(&s, r);
    vr_html_escape(o, vr_buf_str(&s));
    vr_buf_free(&s);
    vr_buf_printf(o,
                  "</p>\n<p class=\"meta\">%zu interface%s in the inventory, %zu live "
                  "connection%s; checked ",
                  r->iface_count, r->iface_count == 1 ? "" : "s", r->live_count,
                  r->live_count == 1 ? "" : "s");
    when(o, r->created_at);
    if (r->history_window)
        vr_buf_printf(o, "; history: %zu check%s recorded (window %zu)", r->check_count,
                      r->check_count == 1 ? "" : "s", r->history_window);
    else
        vr_buf_puts(o, "; no history kept (uptime from this check alone: run with "
                       "<code>--audit-repo</code>)");
    vr_buf_puts(o, "</p>\n");
    counts(o, r->counts, r->unchanged);
    iface_table(o, r, false, "Needs attention");
    iface_table(o, r, true, "OK");
    unmanaged_table(o, r);
    not_active_table(o, r);
    if (r->ignored_ifaces || r->ignored_fields)
        vr_buf_printf(o,
                      "<p class=\"note\">Ignored by the inventory's <code>drift.ignore</code>: "
                      "%zu interface%s, %zu field%s.</p>\n",
                      r->ignored_ifaces, r->ignored_ifaces == 1 ? "" : "s", r->ignored_fields,
                      r->ignored_fields == 1 ? "" : "s");
    vr_buf_puts(o, "</section>\n");
}

int vr_html_render_drift(vr_buf *out, const vr_drift_org *orgs, size_t count,
                         const vr_html_opts *opts)
{
    const char *title = opts && opts->title ? opts->title : "vni-reconcile drift";
    vr_buf sum = VR_BUF_INIT;
    vr_render_drift_summary_all(&sum, orgs, count);
    page_begin(out, title, vr_buf_str(&sum));
    vr_buf_puts(out, "<header>\n");
    if (opts && opts->index_href) {
        vr_buf_puts(out, "<p class=\"meta\"><a href=\"");
        vr_html_escape(out, opts->index_href);
        vr_buf_puts(out, "\">&#8592; every organization</a></p>\n");
    }
    vr_buf_puts(out, "<h1>");
    vr_html_escape(out, title);
    vr_buf_puts(out, "</h1>\n<p class=\"summary\" id=\"summary\">");
    vr_html_escape(out, vr_buf_str(&sum));
    vr_buf_printf(out, "</p>\n<p class=\"meta\">%zu organization%s", count, count == 1 ? "" : "s");
    if (count) {
        vr_buf_puts(out, "; run <span class=\"mono\">");
        vr_html_escape(out, orgs[0].run_id);
        vr_buf_puts(out, "</span> at ");
        when(out, orgs[0].created_at);
    }
    vr_buf_puts(out, "</p>\n");
    legend(out);
    if (count > 1) {
        vr_buf_puts(out, "<nav aria-label=\"organizations\"><ul>\n");
        for (size_t i = 0; i < count; i++) {
            vr_buf_puts(out, "<li><a href=\"#org-");
            vr_html_escape(out, orgs[i].org_id);
            vr_buf_puts(out, "\">");
            vr_html_escape(out, orgs[i].org_id);
            vr_buf_puts(out, "</a>: ");
            vr_buf_reset(&sum);
            vr_render_drift_summary(&sum, &orgs[i]);
            vr_html_escape(out, vr_buf_str(&sum));
            vr_buf_puts(out, "</li>\n");
        }
        vr_buf_puts(out, "</ul></nav>\n");
    }
    vr_buf_puts(out, "</header>\n<main>\n");
    vr_buf_free(&sum);
    for (size_t i = 0; i < count; i++)
        org_section(out, &orgs[i]);
    vr_buf_puts(out, "</main>\n");
    page_end(out);
    return out->overflow ? -1 : 0;
}

/* ---- index -------------------------------------------------------------------------------- */

int vr_html_render_index(vr_buf *out, const vr_html_index_entry *entries, size_t count)
{
    size_t drifted = 0;
    for (size_t i = 0; i < count; i++) {
        const size_t *c = entries[i].counts;
        drifted += (c[0] + c[1] + c[2] + c[3]) > 0;
    }
    vr_buf sub = VR_BUF_INIT;
    vr_buf_printf(&sub, "%zu organization%s, %zu with drift", count, count == 1 ? "" : "s",
                  drifted);
    page_begin(out, "vni-reconcile drift", vr_buf_str(&sub));
    vr_buf_puts(out, "<header>\n<h1>vni-reconcile drift</h1>\n<p class=\"summary\">");
    vr_html_escape(out, vr_buf_str(&sub));
    vr_buf_free(&sub);
    vr_buf_puts(out, "</p>\n<p class=\"meta\">The latest drift check of each organization "
                     "on this branch.</p>\n");
    legend(out);
    vr_buf_puts(out, "</header>\n<main>\n<table class=\"index\"><thead><tr><th>organization</th>"
                     "<th>drift</th><th>missing</th><th>different</th><th>unmanaged</th>"
                     "<th>not active</th><th>unchanged</th><th>interfaces</th>"
                     "<th>last check</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < count; i++) {
        const vr_html_index_entry *e = &entries[i];
        const size_t *c = e->counts;
        bool drift = (c[0] + c[1] + c[2] + c[3]) > 0;
        vr_buf_puts(out, "<tr class=\"org\"><th scope=\"row\"><a href=\"drift/");
        vr_html_escape(out, e->org);
        vr_buf_puts(out, "/latest.html\"><code>");
        vr_html_escape(out, e->org);
        vr_buf_puts(out, "</code></a></th><td>");
        if (drift)
            badge(out, "different", "drift");
        else
            badge(out, "ok", "no drift");
        vr_buf_printf(out,
                      "</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td>"
                      "<td>%zu",
                      c[VR_DRIFT_MISSING], c[VR_DRIFT_DIFFERENT], c[VR_DRIFT_UNMANAGED],
                      c[VR_DRIFT_NOT_ACTIVE], e->unchanged, e->interfaces);
        if (e->ignored)
            vr_buf_printf(out, " <span class=\"note\">(%zu ignored)</span>", e->ignored);
        vr_buf_puts(out, "</td><td>");
        when(out, e->created_at);
        vr_buf_puts(out, "</td></tr>\n");
    }
    vr_buf_puts(out, "</tbody></table>\n</main>\n");
    page_end(out);
    return out->overflow ? -1 : 0;
}

/* ---- the audit branch's index ------------------------------------------------------------- */

static size_t json_count(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (size_t)v->valuedouble : 0;
}

static const char *json_text(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* An index entry from a report's (or drift/index.json's) createdAt and summary. */
static void entry_from(vr_html_index_entry *e, const char *org, const cJSON *doc)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->org, sizeof(e->org), "%s", org);
    snprintf(e->created_at, sizeof(e->created_at), "%s", json_text(doc, "createdAt"));
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(doc, "summary");
    e->interfaces = json_count(s, "interfaces");
    e->unchanged = json_count(s, "unchanged");
    e->counts[VR_DRIFT_MISSING] = json_count(s, "missing");
    e->counts[VR_DRIFT_DIFFERENT] = json_count(s, "different");
    e->counts[VR_DRIFT_UNMANAGED] = json_count(s, "unmanaged");
    e->counts[VR_DRIFT_NOT_ACTIVE] = json_count(s, "notActive");
    e->ignored = json_count(s, "ignoredInterfaces") + json_count(s, "ignoredFields");
}

typedef struct {
    const vr_gitreport_tree *tree;
    const cJSON *known; /* drift/index.json's organizations (may be NULL) */
    cJSON *rows;        /* the new drift/index.json's organizations */
    vr_html_index_entry *entries;
    size_t count;
    int failed;
} site_walk;

static const cJSON *known_row(const cJSON *known, const char *org)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, known)
    {
        if (strcmp(json_text(it, "organization"), org) == 0) return it;
    }
    return NULL;
}

static void site_org(void *ctx, const char *org)
{
    site_walk *w = ctx;
    if (!vr_gitreport_name_ok(org)) return; /* not a folder a report was written to */
    vr_buf path = VR_BUF_INIT;
    char blob[41];
    if (vr_gitreport_drift_path(&path, org, "json") < 0) {
        vr_buf_free(&path);
        return;
    }
    int have = vr_gitreport_tree_blob_id(w->tree, vr_buf_str(&path), blob);
    if (have < 0) w->failed = 1;
    if (have <= 0) {
        vr_buf_free(&path);
        return;
    }
    const cJSON *row = known_row(w->known, org);
    cJSON *parsed = NULL;
    const cJSON *doc = NULL;
    if (row && strcmp(json_text(row, "report"), blob) == 0) {
        doc = row; /* unchanged since drift/index.json was written */
    } else {
        vr_buf text = VR_BUF_INIT;
        int rc = vr_gitreport_tree_read(w->tree, vr_buf_str(&path), &text);
        if (rc < 0) w->failed = 1;
        if (rc > 0) parsed = cJSON_ParseWithLength(text.data, text.len);
        vr_buf_free(&text);
        doc = parsed;
    }
    vr_buf_free(&path);
    if (!cJSON_IsObject(doc)) { /* not a report this version can read: left out */
        cJSON_Delete(parsed);
        return;
    }
    w->entries = vr_xrealloc(w->entries, (w->count + 1) * sizeof(*w->entries));
    entry_from(&w->entries[w->count++], org, doc);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "organization", org);
    cJSON_AddStringToObject(r, "report", blob);
    cJSON_AddStringToObject(r, "createdAt", json_text(doc, "createdAt"));
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(doc, "summary");
    cJSON_AddItemToObject(r, "summary", s ? cJSON_Duplicate(s, 1) : cJSON_CreateObject());
    cJSON_AddItemToArray(w->rows, r);
    cJSON_Delete(parsed);
}

int vr_html_site_derive(void *ctx, const vr_gitreport_tree *tree, vr_gitreport_file *out,
                        size_t *out_count, vr_error *err)
{
    vr_html_site *site = ctx;
    *out_count = 0;
    vr_buf_reset(&site->html);
    vr_buf_reset(&site->json);
    vr_buf known_text = VR_BUF_INIT;
    cJSON *known = NULL;
    int rc = vr_gitreport_tree_read(tree, "drift/index.json", &known_text);
    if (rc > 0) known = cJSON_ParseWithLength(known_text.data, known_text.len);
    vr_buf_free(&known_text);

    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "formatVersion", 1);
    site_walk w = {tree,
                   cJSON_GetObjectItemCaseSensitive(known, "organizations"),
                   cJSON_AddArrayToObject(doc, "organizations"),
                   NULL,
                   0,
                   rc < 0};
    if (!w.failed && vr_gitreport_tree_folders(tree, "drift", site_org, &w) < 0) w.failed = 1;
    cJSON_Delete(known);
    char *json = w.failed ? NULL : cJSON_Print(doc);
    cJSON_Delete(doc);
    if (json) {
        vr_buf_puts(&site->json, json);
        vr_buf_puts(&site->json, "\n");
        free(json);
        vr_html_render_index(&site->html, w.entries, w.count);
    }
    free(w.entries);
    if (w.failed || site->json.overflow || site->html.overflow) {
        vr_error_set(err, VR_ERR_AUDIT_REPO,
                     "audit branch: cannot read the drift reports for the "
                     "index");
        return -1;
    }
    out[0] = (vr_gitreport_file){"index.html", site->html.data, site->html.len};
    out[1] = (vr_gitreport_file){"drift/index.json", site->json.data, site->json.len};
    *out_count = 2;
    return 0;
}

void vr_html_site_free(vr_html_site *s)
{
    vr_buf_free(&s->html);
    vr_buf_free(&s->json);
}
