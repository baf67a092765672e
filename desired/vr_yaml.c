/* vr_yaml: the strict event reader the inventory loader and the credentials file share. */
#include "vr_yaml.h"
#include "vr_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vr_yaml_reader_init(vr_yaml_reader *r, const char *file, const void *data, size_t len,
                         vr_diags *diags)
{
    memset(r, 0, sizeof(*r));
    r->max_depth = 64;
    r->a_doc = "a YAML file";
    r->depth_note = "write it flatter";
    r->file = file;
    r->data = data;
    r->len = len;
    r->diags = diags;
    yaml_parser_initialize(&r->parser);
    yaml_parser_set_input_string(&r->parser, r->data, len);
}

void vr_yaml_reader_init_stream(vr_yaml_reader *r, const char *file, yaml_read_handler_t *read,
                                void *read_ctx, vr_yaml_start_fn start, void *start_ctx,
                                vr_diags *diags)
{
    memset(r, 0, sizeof(*r));
    r->max_depth = 64;
    r->a_doc = "a YAML file";
    r->depth_note = "write it flatter";
    r->file = file;
    r->start = start;
    r->start_ctx = start_ctx;
    r->diags = diags;
    yaml_parser_initialize(&r->parser);
    yaml_parser_set_input(&r->parser, read, read_ctx);
}

void vr_yaml_reader_free(vr_yaml_reader *r)
{
    if (r->have_ev) yaml_event_delete(&r->ev);
    r->have_ev = false;
    yaml_parser_delete(&r->parser);
}

static vr_loc mark_loc(const vr_yaml_reader *r, yaml_mark_t m)
{
    vr_loc l = {r->file, (int)m.line + 1, (int)m.column + 1};
    return l;
}

vr_loc vr_yaml_here(const vr_yaml_reader *r)
{
    return mark_loc(r, r->ev.start_mark);
}

/* Bytes of the line break at p (n bytes left), 0 when none: the breaks libyaml counts in its
 * marks, CR LF, CR, LF, NEL (U+0085), LS (U+2028) and PS (U+2029). */
static size_t break_len(const unsigned char *p, size_t n)
{
    if (p[0] == '\r') return n > 1 && p[1] == '\n' ? 2 : 1;
    if (p[0] == '\n') return 1;
    if (p[0] == 0xc2 && n > 1 && p[1] == 0x85) return 2;
    if (p[0] == 0xe2 && n > 2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) return 3;
    return 0;
}

/* Line and column (in characters) of a byte offset, for reader errors and NUL bytes,
 * counted as libyaml counts its marks: its line breaks, and a leading byte-order mark takes no
 * column. */
vr_loc vr_yaml_offset_loc(const vr_yaml_reader *r, size_t offset)
{
    vr_loc l = {r->file, 1, 1};
    if (offset > r->len) offset = r->len;
    size_t i = 0;
    if (offset >= 3 && r->data[0] == 0xef && r->data[1] == 0xbb && r->data[2] == 0xbf) i = 3;
    while (i < offset) {
        size_t b = break_len(r->data + i, offset - i);
        if (b) {
            l.line++;
            l.column = 1;
            i += b;
            continue;
        }
        if ((r->data[i] & 0xc0) != 0x80) l.column++;
        i++;
    }
    return l;
}

/* Bytes of s to quote at most max of, cut at a character (s is UTF-8: libyaml checked it). */
static int quote_len(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n <= max) return (int)n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return (int)n;
}

void vr_yaml_error(vr_yaml_reader *r, const vr_loc *l, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vr_diags_vadd(r->diags, VR_SEV_ERROR, l, code, fmt, ap);
    va_end(ap);
}

static void report_parser_error(vr_yaml_reader *r)
{
    yaml_parser_t *p = &r->parser;
    const char *problem = p->problem ? p->problem : "unknown problem";
    if (p->error == YAML_READER_ERROR) {
        /* libyaml points at the bad trailing byte; the reader wants the character's start
         */
        size_t at = p->problem_offset;
        if (r->start) r->start(r->start_ctx, at + 1, &r->data, &r->len);
        if (p->problem && strstr(p->problem, "trailing") && at <= r->len) {
            size_t back = at;
            while (back > 0 && (r->data[back - 1] & 0xc0) == 0x80)
                back--;
            if (back > 0 && r->data[back - 1] >= 0xc0) at = back - 1;
        }
        vr_loc l = vr_yaml_offset_loc(r, at);
        if (p->problem_value >= 0)
            vr_yaml_error(r, &l, "invalid-encoding",
                          "file is not valid UTF-8: %s (byte 0x%02x at offset %zu)", problem,
                          (unsigned)p->problem_value & 0xff, p->problem_offset);
        else
            vr_yaml_error(r, &l, "invalid-encoding", "file is not valid UTF-8: %s (at offset %zu)",
                          problem, p->problem_offset);
    } else if (p->error == YAML_SCANNER_ERROR || p->error == YAML_PARSER_ERROR) {
        vr_loc l = mark_loc(r, p->problem_mark);
        if (p->context)
            vr_yaml_error(r, &l, "yaml-syntax", "invalid YAML: %s %s (line %d, column %d)", problem,
                          p->context, (int)p->context_mark.line + 1,
                          (int)p->context_mark.column + 1);
        else
            vr_yaml_error(r, &l, "yaml-syntax", "invalid YAML: %s", problem);
    } else {
        vr_loc l = {r->file, 0, 0};
        vr_yaml_error(r, &l, "yaml-error", "YAML parser failed: %s", problem);
    }
}

static void check_props(vr_yaml_reader *r, const yaml_char_t *anchor, const yaml_char_t *tag)
{
    vr_loc l = vr_yaml_here(r);
    if (anchor)
        vr_yaml_error(r, &l, "anchor",
                      "YAML anchors (&%s) are not allowed; write the value out in full", anchor);
    if (tag) {
        const char *t = (const char *)tag, *core = "tag:yaml.org,2002:";
        bool short_form = strncmp(t, core, strlen(core)) == 0;
        vr_yaml_error(r, &l, "tag", "YAML tags (%s%s) are not allowed; remove the tag",
                      short_form ? "!!" : "", short_form ? t + strlen(core) : t);
    }
}

/* Moves to the next event. Reports aliases, anchors and tags on the way (and goes on),
 * stops at a parser error or at nesting past the limit. */
int vr_yaml_next(vr_yaml_reader *r)
{
    if (r->have_ev) {
        yaml_event_delete(&r->ev);
        r->have_ev = false;
    }
    if (r->stop) return VR_YAML_STOP;
    if (!yaml_parser_parse(&r->parser, &r->ev)) {
        report_parser_error(r);
        r->stop = true;
        return VR_YAML_STOP;
    }
    r->have_ev = true;
    vr_loc l = vr_yaml_here(r);
    switch (r->ev.type) {
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (++r->depth > r->max_depth) {
            vr_yaml_error(r, &l, "too-deep", "nesting is deeper than %d levels; %s", r->max_depth,
                          r->depth_note);
            r->stop = true;
            return VR_YAML_STOP;
        }
        if (r->ev.type == YAML_SEQUENCE_START_EVENT)
            check_props(r, r->ev.data.sequence_start.anchor, r->ev.data.sequence_start.tag);
        else
            check_props(r, r->ev.data.mapping_start.anchor, r->ev.data.mapping_start.tag);
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        r->depth--;
        break;
    case YAML_SCALAR_EVENT:
        check_props(r, r->ev.data.scalar.anchor, r->ev.data.scalar.tag);
        /* A double-quoted \0, \x00 or \u0000: the value would silently end there. */
        if (memchr(r->ev.data.scalar.value, '\0', r->ev.data.scalar.length))
            vr_yaml_error(
                r, &l, "nul-byte",
                "a NUL character (\\0) in a value or key is not allowed; %s is UTF-8 text "
                "without NUL",
                r->a_doc);
        break;
    case YAML_ALIAS_EVENT:
        vr_yaml_error(r, &l, "alias",
                      "YAML aliases (*%s) are not allowed; write the value out in full",
                      r->ev.data.alias.anchor);
        break;
    default:
        break;
    }
    return VR_YAML_OK;
}

static bool is_start(const vr_yaml_reader *r)
{
    return r->ev.type == YAML_MAPPING_START_EVENT || r->ev.type == YAML_SEQUENCE_START_EVENT;
}

/* Skips the node whose first event is current; leaves its last event current. */
int vr_yaml_skip(vr_yaml_reader *r)
{
    if (!is_start(r)) return VR_YAML_OK;
    int d = 1;
    while (d > 0) {
        if (vr_yaml_next(r) < 0) return VR_YAML_STOP;
        if (is_start(r))
            d++;
        else if (r->ev.type == YAML_MAPPING_END_EVENT || r->ev.type == YAML_SEQUENCE_END_EVENT)
            d--;
    }
    return VR_YAML_OK;
}

/* ---- YAML 1.2 core schema resolution of plain scalars ----------------------------------- */

static bool all_in(const char *s, const char *set)
{
    return *s && strspn(s, set) == strlen(s);
}

static bool is_core_int(const char *s)
{
    if (s[0] == '0' && s[1] == 'o') return all_in(s + 2, "01234567");
    if (s[0] == '0' && s[1] == 'x') return all_in(s + 2, "0123456789abcdefABCDEF");
    if (*s == '-' || *s == '+') s++;
    return all_in(s, "0123456789");
}

static bool is_core_float(const char *s)
{
    if (*s == '-' || *s == '+') s++;
    if (*s == '.' && (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ||
                      !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")))
        return true;
    size_t int_digits = strspn(s, "0123456789");
    s += int_digits;
    size_t frac_digits = 0;
    if (*s == '.') {
        s++;
        frac_digits = strspn(s, "0123456789");
        s += frac_digits;
    } else if (int_digits == 0) {
        return false;
    }
    if (int_digits == 0 && frac_digits == 0) return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+') s++;
        size_t e = strspn(s, "0123456789");
        if (e == 0) return false;
        s += e;
    }
    return *s == '\0';
}

/* What a plain scalar resolves to when it is not a string: "null", "a boolean", "a number";
 * NULL for a string. */
static const char *plain_kind(const char *s)
{
    switch (*s) {
    case '\0':
    case '~':
    case 'n':
    case 'N':
        return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
                       !strcmp(s, "NULL")
                   ? "null"
                   : NULL;
    case 't':
    case 'T':
    case 'f':
    case 'F':
        return !strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE") ||
                       !strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")
                   ? "a boolean"
                   : NULL;
    default:
        /* Most values (names, addresses) fail on the first character or soon after. */
        if (!strchr("0123456789+-.", *s)) return NULL;
        return is_core_int(s) || is_core_float(s) ? "a number" : NULL;
    }
}

static bool is_plain(const vr_yaml_reader *r)
{
    return r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

const char *vr_yaml_scalar(const vr_yaml_reader *r)
{
    return (const char *)r->ev.data.scalar.value;
}

/* "a mapping", "a sequence", "null", "a boolean", "a number", "a string". */
const char *vr_yaml_kind(const vr_yaml_reader *r)
{
    switch (r->ev.type) {
    case YAML_MAPPING_START_EVENT:
        return "a mapping";
    case YAML_SEQUENCE_START_EVENT:
        return "a sequence";
    case YAML_SCALAR_EVENT: {
        const char *k = is_plain(r) ? plain_kind(vr_yaml_scalar(r)) : NULL;
        return k ? k : "a string";
    }
    default:
        return "an alias";
    }
}

/* Reports a node of the wrong type and skips it; says nothing when the node cannot be read to
 * its end (the syntax error or limit met on the way is the one to report). */
static int wrong_type(vr_yaml_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int wrong_type(vr_yaml_reader *r, const char *fmt, ...)
{
    vr_loc l = vr_yaml_here(r);
    vr_buf b = VR_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vr_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = vr_yaml_skip(r);
    if (rc == VR_YAML_OK) vr_yaml_error(r, &l, "wrong-type", "%s", vr_buf_str(&b));
    vr_buf_free(&b);
    return rc < 0 ? VR_YAML_STOP : VR_YAML_BAD;
}

/* ---- value readers: called with the value's first event current ------------------------ */

/* A string field. A plain scalar that YAML reads as null, a boolean or a number is refused
 * (with the quoted form to write instead). */
int vr_yaml_is_str(vr_yaml_reader *r, const char *what, vr_loc *loc)
{
    vr_loc l = vr_yaml_here(r);
    if (loc) *loc = l;
    if (r->ev.type == YAML_ALIAS_EVENT) return VR_YAML_BAD;
    if (r->ev.type != YAML_SCALAR_EVENT) {
        return wrong_type(r, "%s must be a string, not %s", what, vr_yaml_kind(r));
    }
    const char *kind = is_plain(r) ? plain_kind(vr_yaml_scalar(r)) : NULL;
    if (kind) {
        if (!*vr_yaml_scalar(r))
            vr_yaml_error(r, &l, "wrong-type", "%s must be a string; the value is empty (null)",
                          what);
        else
            vr_yaml_error(r, &l, "wrong-type",
                          "%s must be a string; '%s' is read as %s: quote it (\"%s\")", what,
                          vr_yaml_scalar(r), kind, vr_yaml_scalar(r));
        return VR_YAML_BAD;
    }
    return VR_YAML_OK;
}

int vr_yaml_str(vr_yaml_reader *r, const char *what, char **out, vr_loc *loc)
{
    int rc = vr_yaml_is_str(r, what, loc);
    if (rc != VR_YAML_OK) return rc;
    /* Take libyaml's copy instead of making another: it is malloc'd (yaml_malloc is malloc),
     * and yaml_event_delete() skips a NULL value. */
    free(*out);
    *out = (char *)r->ev.data.scalar.value;
    r->ev.data.scalar.value = NULL;
    return VR_YAML_OK;
}

int vr_yaml_long(vr_yaml_reader *r, const char *what, long min, long max, long *out, vr_loc *loc)
{
    vr_loc l = vr_yaml_here(r);
    if (loc) *loc = l;
    if (r->ev.type == YAML_ALIAS_EVENT) return VR_YAML_BAD;
    if (r->ev.type != YAML_SCALAR_EVENT) {
        return wrong_type(r, "%s must be a whole number, not %s", what, vr_yaml_kind(r));
    }
    long v;
    const char *s = vr_yaml_scalar(r);
    bool decimal = is_plain(r) && all_in(*s == '-' || *s == '+' ? s + 1 : s, "0123456789");
    if (!decimal) {
        if (is_plain(r) && is_core_int(s))
            vr_yaml_error(r, &l, "wrong-type",
                          "%s must be a whole number written in decimal; got '%s'", what, s);
        else
            vr_yaml_error(r, &l, "wrong-type", "%s must be a whole number; got %s '%s'", what,
                          vr_yaml_kind(r), s);
        return VR_YAML_BAD;
    }
    if (vr_parse_long(s, -2147483647L, 2147483647L, &v) < 0) {
        /* decimal digits past what a long holds here: out of range, not of the wrong type
         */
        vr_yaml_error(r, &l, "out-of-range", "%s %.40s is out of range; allowed are %ld to %ld",
                      what, s, min, max);
        return VR_YAML_BAD;
    }
    if (v < min || v > max) {
        vr_yaml_error(r, &l, "out-of-range", "%s %ld is out of range; allowed are %ld to %ld", what,
                      v, min, max);
        return VR_YAML_BAD;
    }
    *out = v;
    return VR_YAML_OK;
}

int vr_yaml_bool(vr_yaml_reader *r, const char *what, bool *out, vr_loc *loc)
{
    vr_loc l = vr_yaml_here(r);
    if (loc) *loc = l;
    if (r->ev.type == YAML_ALIAS_EVENT) return VR_YAML_BAD;
    if (r->ev.type != YAML_SCALAR_EVENT) {
        return wrong_type(r, "%s must be true or false, not %s", what, vr_yaml_kind(r));
    }
    const char *s = vr_yaml_scalar(r);
    if (is_plain(r) && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))) {
        *out = true;
        return VR_YAML_OK;
    }
    if (is_plain(r) && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))) {
        *out = false;
        return VR_YAML_OK;
    }
    vr_yaml_error(r, &l, "wrong-type", "%s must be true or false; got %s '%s'", what,
                  vr_yaml_kind(r), s);
    return VR_YAML_BAD;
}

/* Checks that the current node is a mapping (or a sequence); reports and skips it if not. */
int vr_yaml_expect(vr_yaml_reader *r, yaml_event_type_t type, const char *what)
{
    if (r->ev.type == type) return VR_YAML_OK;
    if (r->ev.type == YAML_ALIAS_EVENT) return VR_YAML_BAD;
    return wrong_type(r, "%s must be %s, not %s", what,
                      type == YAML_MAPPING_START_EVENT ? "a mapping" : "a sequence",
                      vr_yaml_kind(r));
}

int vr_yaml_map_key(vr_yaml_reader *r, const char *where)
{
    for (;;) {
        if (vr_yaml_next(r) < 0) return VR_YAML_STOP;
        if (r->ev.type == YAML_MAPPING_END_EVENT) return 0;
        vr_loc kl = vr_yaml_here(r);
        if (r->ev.type != YAML_SCALAR_EVENT) {
            if (r->ev.type != YAML_ALIAS_EVENT)
                vr_yaml_error(r, &kl, "wrong-type", "keys in %s must be strings, not %s", where,
                              vr_yaml_kind(r));
        } else if (is_plain(r) && strcmp(vr_yaml_scalar(r), "<<") == 0) {
            vr_yaml_error(r, &kl, "merge-key",
                          "merge keys (<<) are not allowed in %s; write the fields out", where);
        } else {
            return 1;
        }
        if (vr_yaml_skip(r) < 0 || vr_yaml_next(r) < 0 || vr_yaml_skip(r) < 0) return VR_YAML_STOP;
    }
}

int vr_yaml_map_next(vr_yaml_reader *r, const char *const *keys, size_t nkeys, const char *where,
                     vr_loc *seen, int *which)
{
    int rc;
    while ((rc = vr_yaml_map_key(r, where)) == 1) {
        vr_loc kl = vr_yaml_here(r);
        const char *k = vr_yaml_scalar(r);
        int found = -1;
        for (size_t i = 0; i < nkeys && found < 0; i++)
            if (strcmp(keys[i], k) == 0) found = (int)i;
        if (found < 0) {
            const char *best = NULL;
            size_t best_d = 3;
            for (size_t i = 0; i < nkeys; i++) {
                size_t d = vr_edit_distance(keys[i], k);
                if (d < best_d) {
                    best_d = d;
                    best = keys[i];
                }
            }
            if (best)
                vr_yaml_error(r, &kl, "unknown-key", "unknown key '%.*s' in %s; did you mean '%s'?",
                              quote_len(k, 100), k, where, best);
            else
                vr_yaml_error(r, &kl, "unknown-key", "unknown key '%.*s' in %s", quote_len(k, 100),
                              k, where);
            if (vr_yaml_next(r) < 0 || vr_yaml_skip(r) < 0) return VR_YAML_STOP;
            continue;
        }
        if (seen[found].line) {
            vr_yaml_error(r, &kl, "duplicate-key",
                          "duplicate key '%s' in %s; first at line %d, column %d", k, where,
                          seen[found].line, seen[found].column);
            if (vr_yaml_next(r) < 0 || vr_yaml_skip(r) < 0) return VR_YAML_STOP;
            continue;
        }
        seen[found] = kl;
        if (vr_yaml_next(r) < 0) return VR_YAML_STOP;
        *which = found;
        return 1;
    }
    return rc;
}

/* Steps through a sequence (SEQUENCE_START current): 1 with the item's first event current,
 * 0 at the end, VR_YAML_STOP. */
int vr_yaml_seq_next(vr_yaml_reader *r)
{
    if (vr_yaml_next(r) < 0) return VR_YAML_STOP;
    return r->ev.type == YAML_SEQUENCE_END_EVENT ? 0 : 1;
}
