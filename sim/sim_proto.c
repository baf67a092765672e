/* sim_proto: requests, responses, error bodies and small codecs. */
#include "sim_proto.h"
#include "vr_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_resp_init(sim_resp *r)
{
    memset(r, 0, sizeof(*r));
    r->status = 500;
    r->retry_after = -1;
}

void sim_resp_free(sim_resp *r)
{
    free(r->body);
    r->body = NULL;
}

void sim_resp_json(sim_resp *r, int status, cJSON *json)
{
    free(r->body);
    r->status = status;
    r->body = cJSON_PrintUnformatted(json);
    r->content_type = NULL;
    cJSON_Delete(json);
}

static void error_v(sim_resp *r, int status, const char *code, cJSON *details, const char *fmt,
                    va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (!r->correlation_id[0]) vr_uuid4(r->correlation_id);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", msg);
    cJSON_AddStringToObject(o, "code", code);
    cJSON_AddNumberToObject(o, "status", status);
    cJSON_AddStringToObject(o, "contextId", r->correlation_id);
    cJSON_AddItemToObject(o, "details", details ? details : cJSON_CreateArray());
    cJSON_AddItemToObject(o, "messageParams", cJSON_CreateObject());
    sim_resp_json(r, status, o);
}

void sim_resp_error_details(sim_resp *r, int status, const char *code, cJSON *details,
                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_v(r, status, code, details, fmt, ap);
    va_end(ap);
}

void sim_resp_error(sim_resp *r, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_v(r, status, code, NULL, fmt, ap);
    va_end(ap);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes [s, s+n) into out; returns 0 or -1 on bad encoding. */
static int form_decode(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n) return -1;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) return -1;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (o + 1 < outlen) out[o++] = c;
    }
    if (outlen) out[o] = '\0';
    return 0;
}

int sim_form_get(const char *text, const char *key, char *out, size_t outlen)
{
    if (!text) return 0;
    const char *p = text;
    char name[256];
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        if (form_decode(p, klen, name, sizeof(name)) == 0 && strcmp(name, key) == 0) {
            if (!eq) {
                if (outlen) out[0] = '\0';
                return 1;
            }
            return form_decode(eq + 1, len - klen - 1, out, outlen) == 0 ? 1 : -1;
        }
        p += len;
        if (*p == '&') p++;
    }
    return 0;
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

long sim_base64_decode(const char *text, char *out, size_t outlen)
{
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '=') {
            pad++;
            continue;
        }
        int v = b64val(*p);
        if (v < 0 || pad) return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= outlen) return -1;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    if (pad > 2) return -1;
    if (outlen == 0) return -1;
    out[o] = '\0';
    return (long)o;
}

bool sim_strcaseeq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return false;
    }
    return *a == *b;
}
