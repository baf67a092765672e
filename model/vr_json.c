/* vr_json: strict reading of vni-reconcile's own JSON documents (plan file, recorded state). */
#include "vr_json.h"
#include "vr_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int vr_json_fail(vr_error *err, const char *code, const char *path, const char *fmt, ...)
{
    vr_buf b = VR_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vr_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (path && *path)
        vr_error_set(err, code, "%s: %s", path, vr_buf_str(&b));
    else
        vr_error_set(err, code, "%s", vr_buf_str(&b));
    vr_buf_free(&b);
    return -1;
}

int vr_json_append(vr_buf *out, const cJSON *doc)
{
    char *text = cJSON_Print(doc);
    if (!text) {
        out->overflow = true;
        return -1;
    }
    int rc = vr_buf_puts(out, text);
    if (rc == 0) rc = vr_buf_puts(out, "\n");
    free(text);
    return rc;
}

void vr_json_add_string_or_null(cJSON *obj, const char *key, const char *v)
{
    if (v)
        cJSON_AddStringToObject(obj, key, v);
    else
        cJSON_AddNullToObject(obj, key);
}

cJSON *vr_json_parse(const char *text, size_t len, const char *code, vr_error *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        vr_json_fail(err, code, NULL, "not JSON (syntax error near byte %zu)", at);
        return NULL;
    }
    /* cJSON's own trailing check reads past a length-limited buffer: do it here */
    for (const char *p = end; p && p < text + len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            cJSON_Delete(root);
            vr_json_fail(err, code, NULL, "not JSON (text after the document at byte %zu)",
                         (size_t)(p - text));
            return NULL;
        }
    }
    return root;
}

const cJSON *vr_json_need(const cJSON *obj, const char *key, const char *code, const char *path,
                          vr_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) vr_json_fail(err, code, path, "lacks %s", key);
    return v;
}

int vr_json_need_string(const cJSON *obj, const char *key, const char *code, const char *path,
                        vr_error *err, const char **out)
{
    const cJSON *v = vr_json_need(obj, key, code, path, err);
    if (!v) return -1;
    if (!cJSON_IsString(v) || !v->valuestring)
        return vr_json_fail(err, code, path, "%s is not a string", key);
    *out = v->valuestring;
    return 0;
}

int vr_json_need_string_or_null(const cJSON *obj, const char *key, const char *code,
                                const char *path, vr_error *err, const char **out)
{
    const cJSON *v = vr_json_need(obj, key, code, path, err);
    if (!v) return -1;
    if (cJSON_IsNull(v)) {
        *out = NULL;
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return vr_json_fail(err, code, path, "%s is neither a string nor null", key);
    *out = v->valuestring;
    return 0;
}

int vr_json_integer(const cJSON *v, long long min, long long max, long long *out)
{
    if (!cJSON_IsNumber(v)) return -1;
    if (min < -VR_JSON_INT_LIMIT) min = -VR_JSON_INT_LIMIT;
    if (max > VR_JSON_INT_LIMIT) max = VR_JSON_INT_LIMIT;
    double d = v->valuedouble;
    /* written so that NaN fails too; both bounds are exact doubles */
    if (!(d >= (double)min && d <= (double)max) || d != floor(d)) return -1;
    *out = (long long)d;
    return 0;
}

int vr_json_need_integer(const cJSON *obj, const char *key, const char *code, const char *path,
                         vr_error *err, long long min, long long max, long long *out)
{
    const cJSON *v = vr_json_need(obj, key, code, path, err);
    if (!v) return -1;
    if (!cJSON_IsNumber(v)) return vr_json_fail(err, code, path, "%s is not a number", key);
    if (vr_json_integer(v, min, max, out) < 0)
        return vr_json_fail(err, code, path, "%s is %g; expected a whole number from %lld to %lld",
                            key, v->valuedouble, min, max);
    return 0;
}

int vr_json_need_bool(const cJSON *obj, const char *key, const char *code, const char *path,
                      vr_error *err, bool *out)
{
    const cJSON *v = vr_json_need(obj, key, code, path, err);
    if (!v) return -1;
    if (!cJSON_IsBool(v)) return vr_json_fail(err, code, path, "%s is not true or false", key);
    *out = cJSON_IsTrue(v);
    return 0;
}

const cJSON *vr_json_need_array(const cJSON *obj, const char *key, const char *code,
                                const char *path, vr_error *err)
{
    const cJSON *v = vr_json_need(obj, key, code, path, err);
    if (v && !cJSON_IsArray(v)) {
        vr_json_fail(err, code, path, "%s is not an array", key);
        return NULL;
    }
    return v;
}

bool vr_json_is_hex(const char *s, size_t len)
{
    if (strlen(s) != len) return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}
