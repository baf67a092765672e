/* vr_diag: located diagnostics (FILE:LINE:COLUMN) and the error record of fallible calls. */
#ifndef VR_DIAG_H
#define VR_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum { VR_SEV_ERROR = 0, VR_SEV_WARNING = 1, VR_SEV_NOTE = 2 } vr_severity;

/* A source location. file is borrowed (it must outlive the location); line and column
 * count from 1, 0 meaning unknown. */
typedef struct {
    const char *file;
    int line, column;
} vr_loc;

/* One diagnostic. file, code and message are owned by the list. */
typedef struct {
    vr_severity severity;
    char *file; /* NULL when not tied to a file */
    int line, column;
    char *code;    /* short machine-readable id, e.g. "unknown-key", "subnet-overlap" */
    char *message; /* lower-case, no full stop, says what and, where it can, what would be right */
} vr_diag;

/* A list of diagnostics. Zero-initialise (VR_DIAGS_INIT); vr_diags_free() releases it. */
typedef struct {
    vr_diag *items;
    size_t count, cap;
    size_t errors, warnings;
} vr_diags;

#define VR_DIAGS_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0, 0, 0                                                                           \
    }

void vr_diags_add(vr_diags *d, vr_severity sev, const vr_loc *loc, const char *code,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void vr_diags_vadd(vr_diags *d, vr_severity sev, const vr_loc *loc, const char *code,
                   const char *fmt, va_list ap);
/* Stable sort by file, line, column (diagnostics without a file last). */
void vr_diags_sort(vr_diags *d);
void vr_diags_free(vr_diags *d);
/* Removes (and frees) the diagnostics of severity sev and code code, keeping the order of
 * the others. */
void vr_diags_remove(vr_diags *d, vr_severity sev, const char *code);
/* Removes (and frees) the diagnostics after the first count (those added since d->count was
 * count). */
void vr_diags_truncate(vr_diags *d, size_t count);
/* "FILE:LINE:COLUMN: error: message" (parts that are unknown left out), malloc'd. */
char *vr_diag_format(const vr_diag *g);

/* The error record of a fallible call: what failed, and enough to act on it.
 * Fixed-size fields so it needs no freeing; zero it (VR_ERROR_INIT) before use. */
typedef struct {
    int http_status;          /* 0 when no HTTP response was involved */
    char code[128];           /* the platform's code, or a local one ("network", "timeout") */
    char message[1024];       /* what failed */
    char correlation_id[128]; /* ININ-Correlation-Id of the response, "" when none */
    char remedy[1024];        /* what to do about it, "" when nothing useful can be said */
    int attempts;             /* tries made, for retried calls */
    long long elapsed_ms;     /* time spent on them */
} vr_error;

#define VR_ERROR_INIT                                                                              \
    {                                                                                              \
        0, "", "", "", "", 0, 0                                                                    \
    }

void vr_error_clear(vr_error *e);
void vr_error_set(vr_error *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vr_error_remedy(vr_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Rewrites control characters in e's texts visibly (vr_text_escape), for a terminal: the
 * platform's message, code and correlation id are the platform's to choose. */
void vr_error_escape_controls(vr_error *e);

#endif
