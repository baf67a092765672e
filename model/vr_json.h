/* vr_json: numbers read out of parsed JSON (cJSON) without undefined behaviour. A JSON number
 * arrives as a double of any size ("1e300" is valid JSON); converting one that does not fit
 * the integer type is undefined in C, so the range is checked on the double first. */
#ifndef VR_JSON_H
#define VR_JSON_H

#include <cJSON.h>

/* The largest magnitude vr_json_integer accepts as a bound: 2^53, past which a double no
 * longer holds every whole number. */
#define VR_JSON_INT_LIMIT 9007199254740992LL

/* v as a whole number in [min, max] (bounds clamped to +-VR_JSON_INT_LIMIT). Returns 0 with
 * *out set; -1 when v is not a number, not finite, has a fraction, or lies outside the range
 * (*out is then left untouched; the caller says what was wrong and where). */
int vr_json_integer(const cJSON *v, long long min, long long max, long long *out);

#endif
