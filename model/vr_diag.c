/* vr_diag: diagnostics list and error record. */
#include "vr_diag.h"
#include "vr_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vr_diags_vadd(vr_diags *d, vr_severity sev, const vr_loc *loc, const char *code,
                   const char *fmt, va_list ap)
{
    if (d->count == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->items = vr_xrealloc(d->items, d->cap * sizeof(*d->items));
    }
    vr_diag *g = &d->items[d->count++];
    vr_buf b = VR_BUF_INIT;
    vr_buf_vprintf(&b, fmt, ap);
    g->severity = sev;
    g->file = loc && loc->file ? vr_strdup(loc->file) : NULL;
    g->line = loc ? loc->line : 0;
    g->column = loc ? loc->column : 0;
    g->code = vr_strdup(code ? code : "");
    g->message = vr_buf_detach(&b);
    if (sev == VR_SEV_ERROR)
        d->errors++;
    else if (sev == VR_SEV_WARNING)
        d->warnings++;
}

void vr_diags_add(vr_diags *d, vr_severity sev, const vr_loc *loc, const char *code,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vr_diags_vadd(d, sev, loc, code, fmt, ap);
    va_end(ap);
}

static int diag_cmp(const vr_diag *a, const vr_diag *b)
{
    if (!a->file != !b->file) return a->file ? -1 : 1;
    if (a->file && b->file) {
        int c = strcmp(a->file, b->file);
        if (c) return c;
    }
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->column != b->column) return a->column < b->column ? -1 : 1;
    return 0;
}

void vr_diags_sort(vr_diags *d)
{
    /* Insertion sort via merge would be overkill; a stable merge sort keeps equal-location
     * diagnostics in the order they were found. */
    if (d->count < 2) return;
    vr_diag *tmp = vr_xmalloc(d->count * sizeof(*tmp));
    for (size_t width = 1; width < d->count; width *= 2) {
        for (size_t lo = 0; lo < d->count; lo += 2 * width) {
            size_t mid = lo + width < d->count ? lo + width : d->count;
            size_t hi = lo + 2 * width < d->count ? lo + 2 * width : d->count;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = diag_cmp(&d->items[j], &d->items[i]) < 0 ? d->items[j++] : d->items[i++];
            while (i < mid)
                tmp[k++] = d->items[i++];
            while (j < hi)
                tmp[k++] = d->items[j++];
        }
        memcpy(d->items, tmp, d->count * sizeof(*tmp));
    }
    free(tmp);
}

void vr_diags_free(vr_diags *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].file);
        free(d->items[i].code);
        free(d->items[i].message);
    }
    free(d->items);
    memset(d, 0, sizeof(*d));
}

void vr_diags_remove(vr_diags *d, vr_severity sev, const char *code)
{
    size_t kept = 0;
    for (size_t i = 0; i < d->count; i++) {
        vr_diag *g = &d->items[i];
        if (g->severity == sev && strcmp(g->code, code) == 0) {
            free(g->file);
            free(g->code);
            free(g->message);
            if (sev == VR_SEV_ERROR) d->errors--;
            if (sev == VR_SEV_WARNING) d->warnings--;
            continue;
        }
        d->items[kept++] = *g;
    }
    d->count = kept;
}

void vr_diags_truncate(vr_diags *d, size_t count)
{
    while (d->count > count) {
        vr_diag *g = &d->items[--d->count];
        if (g->severity == VR_SEV_ERROR) d->errors--;
        if (g->severity == VR_SEV_WARNING) d->warnings--;
        free(g->file);
        free(g->code);
        free(g->message);
    }
}

char *vr_diag_format(const vr_diag *g)
{
    static const char *names[] = {"error", "warning", "note"};
    vr_buf b = VR_BUF_INIT;
    if (g->file) {
        vr_buf_puts(&b, g->file);
        if (g->line > 0) {
            vr_buf_printf(&b, ":%d", g->line);
            if (g->column > 0) vr_buf_printf(&b, ":%d", g->column);
        }
        vr_buf_puts(&b, ": ");
    }
    vr_buf_printf(&b, "%s: %s", names[g->severity], g->message);
    return vr_buf_detach(&b);
}

void vr_error_clear(vr_error *e)
{
    memset(e, 0, sizeof(*e));
}

void vr_error_set(vr_error *e, const char *code, const char *fmt, ...)
{
    if (!e) return;
    snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

void vr_error_remedy(vr_error *e, const char *fmt, ...)
{
    if (!e) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->remedy, sizeof(e->remedy), fmt, ap);
    va_end(ap);
}

static void escape_field(char *field, size_t size)
{
    if (!vr_text_needs_escape(field)) return;
    char *e = vr_text_escape(field);
    snprintf(field, size, "%s", e);
    free(e);
}

void vr_error_escape_controls(vr_error *e)
{
    escape_field(e->code, sizeof(e->code));
    escape_field(e->message, sizeof(e->message));
    escape_field(e->correlation_id, sizeof(e->correlation_id));
    escape_field(e->remedy, sizeof(e->remedy));
}
