/* vr_json: the JSON documents vni-reconcile writes and reads back (the plan file, the
 * recorded live state): write one as text, parse a whole text, and take a key of an object
 * with the type it must have; and a number out of any JSON as an integer in range
 * (vr_json_integer: the platform's answers, the lock file, vni-sim's files). Every failure fills a
 * vr_error with the caller's code and a message that names where: "PATH: lacks KEY", "PATH: KEY is
 * not a string". path is the key path of obj in the document ("organizations[0]"); NULL or "" for
 * the root (then the message is the bare reason). Returned pointers point into the cJSON tree
 * (borrowed, valid while it is). */
#ifndef VR_JSON_H
#define VR_JSON_H

#include "vr_diag.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Sets err (code, "PATH: formatted reason") and returns -1. */
int vr_json_fail(vr_error *err, const char *code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parses exactly len bytes of text as one JSON document (white space after it allowed,
 * anything else refused). Returns the tree (free with cJSON_Delete), or NULL with err set
 * ("not JSON (syntax error near byte N)"). */
cJSON *vr_json_parse(const char *text, size_t len, const char *code, vr_error *err);

/* Appends doc as indented JSON text and a final newline. Returns 0, or -1 (out->overflow). */
int vr_json_append(vr_buf *out, const cJSON *doc);

/* Adds key: v as a string, or null when v is NULL. */
void vr_json_add_string_or_null(cJSON *obj, const char *key, const char *v);

/* The value of key; NULL with err set when obj lacks it. */
const cJSON *vr_json_need(const cJSON *obj, const char *key, const char *code, const char *path,
                          vr_error *err);
/* A string. */
int vr_json_need_string(const cJSON *obj, const char *key, const char *code, const char *path,
                        vr_error *err, const char **out);
/* A string or null (*out NULL for null). */
int vr_json_need_string_or_null(const cJSON *obj, const char *key, const char *code,
                                const char *path, vr_error *err, const char **out);
/* A whole number in [min, max] (vr_json_integer). */
int vr_json_need_integer(const cJSON *obj, const char *key, const char *code, const char *path,
                         vr_error *err, long long min, long long max, long long *out);
/* true or false. */
int vr_json_need_bool(const cJSON *obj, const char *key, const char *code, const char *path,
                      vr_error *err, bool *out);
/* An array; NULL with err set otherwise. */
const cJSON *vr_json_need_array(const cJSON *obj, const char *key, const char *code,
                                const char *path, vr_error *err);

/* The largest magnitude vr_json_integer accepts as a bound: 2^53, past which a double no
 * longer holds every whole number. */
#define VR_JSON_INT_LIMIT 9007199254740992LL

/* v as a whole number in [min, max] (bounds clamped to +-VR_JSON_INT_LIMIT). A JSON number
 * arrives as a double of any size ("1e300" is valid JSON) and converting one that the integer
 * type cannot hold is undefined in C, so the range is checked on the double first. Returns 0
 * with *out set; -1 when v is not a number, not finite, has a fraction, or lies outside the
 * range (*out is then left untouched; the caller says what was wrong and where). */
int vr_json_integer(const cJSON *v, long long min, long long max, long long *out);

/* True when s is exactly len lower-case hex digits. */
bool vr_json_is_hex(const char *s, size_t len);

#endif
