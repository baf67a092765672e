/* vr_yaml: the strict YAML reader of desired/ (the inventory loader, the credentials file), on
 * libyaml's event API: one pass, no document tree. Every problem goes to a vr_diags list,
 * located FILE:LINE:COLUMN; reading stops only at a syntax or encoding error or a limit.
 * Refused everywhere: anchors, aliases, tags, merge keys, NUL characters in values, keys that
 * are not strings, unknown and duplicate keys (vr_yaml_map_next), and plain scalars YAML reads
 * as null, a boolean or a number where a string is wanted (vr_yaml_str).
 *
 * The readers of a value are called with the value's first event current and leave its last
 * event current. They return VR_YAML_OK, VR_YAML_BAD (reported, skipped: go on) or
 * VR_YAML_STOP (the rest of the file cannot be read). */
#ifndef VR_YAML_H
#define VR_YAML_H

#include "vr_diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

enum { VR_YAML_STOP = -1, VR_YAML_OK = 0, VR_YAML_BAD = 1 };

/* For a reader of a stream (vr_yaml_reader_init_stream): makes *data and *len the first upto
 * bytes of the file (fewer when it is shorter), valid until the next call; used only to locate
 * a problem libyaml gives as a byte offset. */
typedef void (*vr_yaml_start_fn)(void *ctx, size_t upto, const unsigned char **data, size_t *len);

/* One file being read. Set up with vr_yaml_reader_init (or _init_stream), released with
 * vr_yaml_reader_free. */
typedef struct {
    yaml_parser_t parser;
    yaml_event_t ev; /* the current event (when have_ev) */
    bool have_ev;
    bool stop; /* a syntax error or a limit: the rest of the file is not read */
    int depth;
    int max_depth;             /* deeper nesting stops the file ("too-deep") */
    const char *a_doc;         /* for messages: "an inventory", "a credentials file" */
    const char *depth_note;    /* after "nesting is deeper than N levels; " */
    const char *file;          /* borrowed: the path shown in locations */
    const unsigned char *data; /* the file, or (a stream) what start last gave; NULL: nothing */
    size_t len;
    vr_yaml_start_fn start; /* a stream: where the start of the file comes from; NULL otherwise */
    void *start_ctx;
    vr_diags *diags; /* borrowed: where the problems go */
} vr_yaml_reader;

/* Prepares r to read len bytes at data (borrowed, kept until vr_yaml_reader_free), shown as
 * file (borrowed) in locations, into diags. The messages' a_doc, depth_note and max_depth have
 * neutral defaults; set them before the first vr_yaml_next. */
void vr_yaml_reader_init(vr_yaml_reader *r, const char *file, const void *data, size_t len,
                         vr_diags *diags);
/* The same for a file read as a stream, never held whole: libyaml reads it through read (with
 * read_ctx; both borrowed), and start (with start_ctx) gives the start of the file again when
 * a problem must be located from a byte offset. */
void vr_yaml_reader_init_stream(vr_yaml_reader *r, const char *file, yaml_read_handler_t *read,
                                void *read_ctx, vr_yaml_start_fn start, void *start_ctx,
                                vr_diags *diags);
void vr_yaml_reader_free(vr_yaml_reader *r);

/* The location of the current event's start, and of a byte offset (counted as
 * libyaml counts its marks: its line breaks, a leading byte-order mark takes no column). */
vr_loc vr_yaml_here(const vr_yaml_reader *r);
vr_loc vr_yaml_offset_loc(const vr_yaml_reader *r, size_t offset);

/* Adds an error at l with code (a diagnostic code such as "unknown-key"). */
void vr_yaml_error(vr_yaml_reader *r, const vr_loc *l, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Moves to the next event: reports aliases, anchors, tags and NUL characters on the way (and
 * goes on), stops at a parser error or at nesting past r->max_depth. VR_YAML_OK or
 * VR_YAML_STOP. */
int vr_yaml_next(vr_yaml_reader *r);

/* Skips the node whose first event is current; leaves its last event current. */
int vr_yaml_skip(vr_yaml_reader *r);

/* The current scalar's text (the current event is a scalar). */
const char *vr_yaml_scalar(const vr_yaml_reader *r);

/* The kind of the current node, for messages: "a mapping", "a sequence", "null", "a boolean",
 * "a number", "a string" (YAML 1.2 core schema), "an alias". */
const char *vr_yaml_kind(const vr_yaml_reader *r);

/* A string value, malloc'd into *out (a previous *out is freed); what names it in messages.
 * loc, when not NULL, gets the value's location whatever the result. */
int vr_yaml_str(vr_yaml_reader *r, const char *what, char **out, vr_loc *loc);
/* The same check without taking the text: with VR_YAML_OK, the string is vr_yaml_scalar(r),
 * r->ev.data.scalar.length bytes, until the next event. */
int vr_yaml_is_str(vr_yaml_reader *r, const char *what, vr_loc *loc);

/* A whole number written in decimal, min to max. */
int vr_yaml_long(vr_yaml_reader *r, const char *what, long min, long max, long *out, vr_loc *loc);

/* true or false (True, TRUE, False, FALSE). */
int vr_yaml_bool(vr_yaml_reader *r, const char *what, bool *out, vr_loc *loc);

/* Checks that the current node is a mapping (type YAML_MAPPING_START_EVENT) or a sequence
 * (YAML_SEQUENCE_START_EVENT); reports and skips it if not. */
int vr_yaml_expect(vr_yaml_reader *r, yaml_event_type_t type, const char *what);

/* Steps to the next key of a mapping whose keys are free (the MAPPING_START, or the previous
 * value's last event, current). Returns 1 with the key (a string scalar) current, 0 at the
 * end of the mapping, VR_YAML_STOP. Keys that are not strings and merge keys (<<) are
 * reported and skipped with their values. where names the mapping in messages. */
int vr_yaml_map_key(vr_yaml_reader *r, const char *where);

/* Steps through a mapping of known keys (keys[0..nkeys)) key by key. Returns 1 with the
 * value's first event current and *which set, 0 at the end of the mapping, VR_YAML_STOP.
 * Unknown keys (with a suggestion when one is close), duplicate keys (seen[i] holds where key
 * i was first given; zero them first), keys that are not strings and merge keys are reported
 * and skipped. */
int vr_yaml_map_next(vr_yaml_reader *r, const char *const *keys, size_t nkeys, const char *where,
                     vr_loc *seen, int *which);

/* Steps through a sequence (SEQUENCE_START current): 1 with the item's first event current,
 * 0 at the end, VR_YAML_STOP. */
int vr_yaml_seq_next(vr_yaml_reader *r);

#endif
