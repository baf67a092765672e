/* vr_render: a plan as text (Terraform-like), JSON and Markdown for a pull-request comment,
 * and the one-line summary. Output is appended to a caller-owned vr_buf; nothing is printed
 * (only cmd/ prints). The plan is borrowed for the call only.
 *
 * Text: per organization a header line, then one line per action ("- delete NAME",
 * "-/+ replace NAME (id ID, STATE)" with its reason, one "~ FIELD: LIVE → WANT" line per
 * differing field and the new version's fields, "+ create NAME", the create's fields
 * indented below), "~ drift NAME" with one
 * "    FIELD: WANT → LIVE" line per differing field, "? unmanaged NAME", "! not active NAME",
 * then "! error: ..." / "! warning: ..." / "! note: ..." for each diagnostic, and the summary.
 * Colors (ANSI SGR) only when opts->color: green +, red -, yellow ~, red !/errors, cyan notes.
 *
 * JSON: the plan file document (vr_planfile_to_json), printed with indentation.
 *
 * Markdown: a heading, the summary, per organization a table of actions, a table of the
 * replacements (live id and state, each differing field live and wanted), a table of drift,
 * a list of problems and the counts of unchanged/unmanaged/not active. The whole text is kept
 * under opts->markdown_max characters (0: VR_RENDER_MARKDOWN_MAX) however large the plan:
 * tables are cut with a "... and N more" line. Table cells are escaped ('|' and newlines). */
#ifndef VR_RENDER_H
#define VR_RENDER_H

#include "vr_plan.h"
#include "vr_util.h"

#include <stdbool.h>
#include <stddef.h>

/* GitHub refuses comments over 65,535 characters; cli.md asks for under 60,000. */
#define VR_RENDER_MARKDOWN_MAX 60000

typedef struct {
    bool color;          /* ANSI colors in text output; the caller decides (vr_use_color) */
    bool verbose;        /* text: list unchanged interfaces by name too */
    size_t markdown_max; /* bytes; 0: VR_RENDER_MARKDOWN_MAX */
    const char *title;   /* Markdown heading; NULL: "vni-reconcile plan" (drift may reuse it) */
} vr_render_opts;

/* opts may be NULL (no color, not verbose, default maximum). Each returns 0, or -1 when the
 * buffer refused an append (out->overflow set). */
int vr_render_text(vr_buf *out, const vr_plan *plan, const vr_render_opts *opts);
int vr_render_json(vr_buf *out, const vr_plan *plan);
int vr_render_markdown(vr_buf *out, const vr_plan *plan, const vr_render_opts *opts);

/* "Plan: 3 to create, 0 to delete, 1 to replace, 2 unchanged, 1 drifted" over every
 * organization, no newline. vr_render_summary_org: the same for one organization. */
int vr_render_summary(vr_buf *out, const vr_plan *plan);
int vr_render_summary_org(vr_buf *out, const vr_plan_org_result *org);

/* ANSI colors of the text renderings (plan, drift). */
#define VR_C_RESET "\033[0m"
#define VR_C_GREEN "\033[32m"
#define VR_C_RED "\033[31m"
#define VR_C_YELLOW "\033[33m"
#define VR_C_CYAN "\033[36m"
#define VR_C_BOLD_RED "\033[1;31m"
#define VR_C_DIM "\033[2m"

/* A text rendering in progress: where it goes, whether to color, and the escaped copies
 * vr_text_safe made (freed by vr_text_out_free). Zero-initialise, set out and color. */
typedef struct {
    vr_buf *out;
    bool color;
    char **scratch;
    size_t scratch_count;
} vr_text_out;

/* Appends fmt in color (when t->color and color is not NULL). */
void vr_text_paint(vr_text_out *t, const char *color, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* s as it may go to a terminal: s itself, or an escaped copy (vr_text_escape) when it holds
 * control characters; valid until vr_text_out_free. NULL gives "". Names, ids, states,
 * values and messages that come from the platform go through it. */
const char *vr_text_safe(vr_text_out *t, const char *s);
void vr_text_out_free(vr_text_out *t);

/* Appends text as one Markdown table cell: '|' escaped, line breaks flattened, '<' and '>'
 * as entities (no HTML), backticks as quotes. NULL appends nothing. Shared with drift. */
void vr_render_md_cell(vr_buf *out, const char *text);
/* Appends one Markdown table row of n cells ("| a | b |\n"), each escaped as above. */
void vr_render_md_row(vr_buf *out, const char *const *cells, size_t n);

/* The bounded-Markdown algorithm of plan and drift. render(o, k, ctx) appends the whole
 * document with at most k rows per table or list (and at most k organizations). Appends to out
 * the rendering with the largest k <= largest whose text is at most max bytes (binary search,
 * each try cut short at max); when not even k = 0 fits, the k = 0 text cut at a line boundary
 * and ended with "... truncated". Returns 0, or -1 when out refused the append. */
typedef void (*vr_render_md_fn)(vr_buf *o, size_t k, const void *ctx);
int vr_render_md_fit(vr_buf *out, size_t max, size_t largest, vr_render_md_fn render,
                     const void *ctx);

#endif
