/* vr_html: the drift report (reconcile/vr_drift.h) as one self-contained HTML page, and the
 * index of every organization's latest page on the audit branch.
 *
 * The page: inline CSS and SVG only (no script, no font, image or link to anything outside
 * the file), readable offline, printable (@media print), light and dark (prefers-color-scheme),
 * and readable without colour: every state is a distinct shape and a word. Per organization:
 * the summary counts, the interfaces that need attention then those that are ok (each with
 * its state, its differing fields, inventory value beside live value, its history over the
 * recorded checks as a strip of marks and its uptime rate), then the unmanaged and the
 * not-active connections, and what the ignore list left out.
 *
 * Marks (each an SVG shape with a <title> naming the check's time and the state):
 *   ok          filled circle       different   filled triangle
 *   missing     cross               not active  hollow square
 *   not listed  small dot (the check did not list the interface: not counted)
 *   unmanaged   hollow diamond (in the counts and the unmanaged table)
 *
 * Every string that comes from the platform or the inventory (names, ids, states, field
 * values, the organization id) goes through vr_html_escape.
 *
 * Output is appended to a caller-owned vr_buf; nothing is printed. */
#ifndef VR_HTML_H
#define VR_HTML_H

#include "vr_diag.h"
#include "vr_drift.h"
#include "vr_gitreport.h"
#include "vr_util.h"

#include <stddef.h>

typedef struct {
    const char *title;      /* the page's heading; NULL: "vni-reconcile drift" */
    const char *index_href; /* a link back to the index (relative URL); NULL: none */
} vr_html_opts;

/* Appends text as HTML character data or an attribute value: & < > " ' as entities, control
 * characters written visibly (vr_text_escape: \n, \x1b), invalid UTF-8 as U+FFFD. NULL
 * appends nothing. */
void vr_html_escape(vr_buf *out, const char *text);

/* The page of a drift run over count organizations. opts may be NULL. Returns 0, or -1 when
 * out refused an append. */
int vr_html_render_drift(vr_buf *out, const vr_drift_org *orgs, size_t count,
                         const vr_html_opts *opts);

/* One organization in the index: what its latest report's summary says. */
typedef struct {
    char org[129]; /* the folder name under drift/ (the organization id) */
    char created_at[32];
    size_t interfaces, unchanged, ignored;
    size_t counts[VR_DRIFT_KIND_COUNT];
} vr_html_index_entry;

/* The index page: one row per entry (in the order given) linking to
 * drift/<org>/latest.html, with its counts and the time of its last check. */
int vr_html_render_index(vr_buf *out, const vr_html_index_entry *entries, size_t count);

/* Index files on the audit branch (a vr_gitreport_derive_fn; ctx is a vr_html_site):
 *   index.html          the index page of every organization under drift/
 *   drift/index.json    {"formatVersion": 1, "organizations": [{"organization": s,
 *                        "report": "<blob id of drift/<org>/latest.json>",
 *                        "createdAt": s, "summary": {...as in the report...}}]}
 * Made from the tree being committed, so organizations committed by other runs keep their
 * rows: an organization's row is taken from drift/index.json while its latest.json is the
 * blob recorded there, and read from its latest.json otherwise (this run's organization, or
 * one written by an older version). Folders without a readable latest.json are left out. */
typedef struct {
    vr_buf html, json; /* the files' contents, owned; vr_html_site_free */
} vr_html_site;

#define VR_HTML_SITE_INIT                                                                          \
    {                                                                                              \
        VR_BUF_INIT, VR_BUF_INIT                                                                   \
    }

int vr_html_site_derive(void *ctx, const vr_gitreport_tree *tree, vr_gitreport_file *out,
                        size_t *out_count, vr_error *err);
void vr_html_site_free(vr_html_site *s);

#endif
