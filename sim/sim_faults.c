/* sim_faults: fault knobs and the seeded PRNG of vni-sim. */
#include "sim_faults.h"
#include "vr_json.h"
#include "vr_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

long sim_rng_range(sim_rng *r, long min, long max)
{
    if (max <= min) return min;
    uint64_t span = (uint64_t)(max - min) + 1;
    return min + (long)(sim_rng_next(r) % span);
}

bool sim_rng_chance(sim_rng *r, double p)
{
    if (p <= 0) return false;
    if (p >= 1) return true;
    /* 53 random bits as a double in [0, 1). */
    double u = (double)(sim_rng_next(r) >> 11) / 9007199254740992.0;
    return u < p;
}

void sim_rng_uuid(sim_rng *r, char *out)
{
    unsigned char b[16];
    uint64_t hi = sim_rng_next(r), lo = sim_rng_next(r);
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(hi >> (8 * i));
        b[8 + i] = (unsigned char)(lo >> (8 * i));
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

void sim_faults_default(sim_faults *f)
{
    memset(f, 0, sizeof(*f));
    f->retry_after = 1;
    f->converge_min_ms = 200;
    f->converge_max_ms = 400;
    f->token_lifetime_s = 86400;
}

#define SIM_RANGE_MAX_MS 3600000L

int sim_range_parse(const char *text, long *min, long *max)
{
    if (!text) return -1;
    const char *dash = strchr(text, '-');
    if (!dash) {
        long v;
        if (vr_parse_long(text, 0, SIM_RANGE_MAX_MS, &v) < 0) return -1;
        *min = *max = v;
        return 0;
    }
    char lo[32];
    size_t n = (size_t)(dash - text);
    if (n == 0 || n >= sizeof(lo)) return -1;
    memcpy(lo, text, n);
    lo[n] = '\0';
    long a, b;
    if (vr_parse_long(lo, 0, SIM_RANGE_MAX_MS, &a) < 0 ||
        vr_parse_long(dash + 1, 0, SIM_RANGE_MAX_MS, &b) < 0 || b < a)
        return -1;
    *min = a;
    *max = b;
    return 0;
}

int sim_rate_limit_parse(const char *text, long *n, long *window_s)
{
    const char *slash = text ? strchr(text, '/') : NULL;
    char left[32];
    if (!slash || (size_t)(slash - text) >= sizeof(left)) return -1;
    memcpy(left, text, (size_t)(slash - text));
    left[slash - text] = '\0';
    long a, b;
    if (vr_parse_long(left, 1, 1000000, &a) < 0 || vr_parse_long(slash + 1, 1, 86400, &b) < 0)
        return -1;
    *n = a;
    *window_s = b;
    return 0;
}

static int get_rate_limit(const cJSON *v, long *n, long *window_s)
{
    if (cJSON_IsNull(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "off") == 0)) {
        *n = *window_s = 0;
        return 0;
    }
    return cJSON_IsString(v) ? sim_rate_limit_parse(v->valuestring, n, window_s) : -1;
}

static int get_rate(const cJSON *v, double *out)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 || v->valuedouble > 1)
        return -1;
    *out = v->valuedouble;
    return 0;
}

static int get_long(const cJSON *v, long min, long max, long *out)
{
    long long x;
    if (vr_json_integer(v, min, max, &x) < 0) return -1;
    *out = (long)x;
    return 0;
}

static int get_range(const cJSON *v, long *min, long *max)
{
    if (cJSON_IsString(v)) return sim_range_parse(v->valuestring, min, max);
    if (cJSON_IsNumber(v)) {
        long x;
        if (get_long(v, 0, SIM_RANGE_MAX_MS, &x) < 0) return -1;
        *min = *max = x;
        return 0;
    }
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2) {
        long a, b;
        if (get_long(cJSON_GetArrayItem(v, 0), 0, SIM_RANGE_MAX_MS, &a) < 0 ||
            get_long(cJSON_GetArrayItem(v, 1), 0, SIM_RANGE_MAX_MS, &b) < 0 || b < a)
            return -1;
        *min = a;
        *max = b;
        return 0;
    }
    return -1;
}

static int add_stuck(sim_faults *f, const char *id)
{
    if (!id || !*id || strlen(id) >= SIM_ID_MAX || f->stuck_count >= SIM_STUCK_MAX) return -1;
    if (sim_faults_is_stuck(f, id)) return 0;
    snprintf(f->stuck[f->stuck_count++], SIM_ID_MAX, "%s", id);
    return 0;
}

static int get_stuck(sim_faults *f, const cJSON *v)
{
    f->stuck_count = 0;
    if (cJSON_IsNull(v)) return 0;
    if (cJSON_IsString(v)) return add_stuck(f, v->valuestring);
    if (!cJSON_IsArray(v)) return -1;
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it) || add_stuck(f, it->valuestring) < 0) return -1;
    }
    return 0;
}

static int get_paging(const cJSON *v, sim_paging_insert *out)
{
    if (cJSON_IsBool(v)) {
        *out = cJSON_IsTrue(v) ? SIM_PAGING_ONCE : SIM_PAGING_OFF;
        return 0;
    }
    if (!cJSON_IsString(v)) return -1;
    if (strcmp(v->valuestring, "off") == 0)
        *out = SIM_PAGING_OFF;
    else if (strcmp(v->valuestring, "once") == 0)
        *out = SIM_PAGING_ONCE;
    else if (strcmp(v->valuestring, "always") == 0)
        *out = SIM_PAGING_ALWAYS;
    else
        return -1;
    return 0;
}

static int get_count_field(const cJSON *v, sim_count_field *out)
{
    if (!cJSON_IsString(v)) return -1;
    if (strcmp(v->valuestring, "total") == 0)
        *out = SIM_COUNT_TOTAL;
    else if (strcmp(v->valuestring, "totalCount") == 0)
        *out = SIM_COUNT_TOTALCOUNT;
    else if (strcmp(v->valuestring, "both") == 0)
        *out = SIM_COUNT_BOTH;
    else
        return -1;
    return 0;
}

static int get_bool(const cJSON *v, bool *out)
{
    if (!cJSON_IsBool(v)) return -1;
    *out = cJSON_IsTrue(v);
    return 0;
}

int sim_faults_apply_json(sim_faults *f, const cJSON *obj, uint64_t *seed_out, bool *has_seed,
                          char *err, size_t errlen)
{
    if (!cJSON_IsObject(obj)) {
        snprintf(err, errlen, "faults must be a JSON object");
        return -1;
    }
    sim_faults n = *f;
    bool seeded = false;
    uint64_t seed = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, obj)
    {
        const char *k = v->string;
        int rc;
        const char *want;
        if (strcmp(k, "rate429") == 0) {
            rc = get_rate(v, &n.rate_429);
            want = "a probability from 0 to 1";
        } else if (strcmp(k, "retryAfter") == 0) {
            rc = get_long(v, 0, 86400, &n.retry_after);
            want = "whole seconds from 0 to 86400";
        } else if (strcmp(k, "rate5xx") == 0) {
            rc = get_rate(v, &n.rate_5xx);
            want = "a probability from 0 to 1";
        } else if (strcmp(k, "latencyMs") == 0) {
            rc = get_range(v, &n.latency_min_ms, &n.latency_max_ms);
            want = "\"MIN-MAX\" milliseconds";
        } else if (strcmp(k, "convergeMs") == 0) {
            rc = get_range(v, &n.converge_min_ms, &n.converge_max_ms);
            want = "\"MIN-MAX\" milliseconds";
        } else if (strcmp(k, "stuckTable") == 0) {
            rc = get_stuck(&n, v);
            want = "a routing table id, a list of them, or null";
        } else if (strcmp(k, "dropCreate") == 0) {
            rc = get_long(v, 0, 1000000, &n.drop_create);
            n.creates_seen = 0;
            want = "a count from 0 (off) up";
        } else if (strcmp(k, "insertWhilePaging") == 0) {
            rc = get_paging(v, &n.insert_while_paging);
            n.insert_done = false;
            want = "\"off\", \"once\" or \"always\"";
        } else if (strcmp(k, "tokenLifetime") == 0) {
            rc = get_long(v, 1, 10L * 365 * 86400, &n.token_lifetime_s);
            want = "seconds, 1 or more";
        } else if (strcmp(k, "noLimitsEndpoint") == 0) {
            rc = get_bool(v, &n.no_limits_endpoint);
            want = "true or false";
        } else if (strcmp(k, "ratelimitHeaders") == 0) {
            rc = get_bool(v, &n.ratelimit_headers);
            want = "true or false";
        } else if (strcmp(k, "countField") == 0) {
            rc = get_count_field(v, &n.count_field);
            want = "\"total\", \"totalCount\" or \"both\"";
        } else if (strcmp(k, "rateLimit") == 0) {
            rc = get_rate_limit(v, &n.rate_limit, &n.rate_window_s);
            want = "\"N/SECONDS\" (N requests a window of SECONDS), or null or \"off\"";
        } else if (strcmp(k, "unavailableFor") == 0) {
            rc = get_long(v, 0, 86400, &n.unavailable_s);
            n.unavailable_started = false;
            want = "whole seconds from 0 (off) to 86400";
        } else if (strcmp(k, "noEstimate") == 0) {
            rc = get_bool(v, &n.no_estimate);
            want = "true or false";
        } else if (strcmp(k, "seed") == 0) {
            long s;
            rc = get_long(v, 0, 9007199254740991L, &s);
            seed = (uint64_t)s;
            seeded = rc == 0;
            want = "a whole number from 0 to 2^53-1";
        } else {
            snprintf(err, errlen, "fault knob '%s' is unknown", k);
            return -1;
        }
        if (rc < 0) {
            snprintf(err, errlen, "fault knob '%s' must be %s", k, want);
            return -1;
        }
    }
    *f = n;
    if (has_seed) *has_seed = seeded;
    if (seed_out && seeded) *seed_out = seed;
    return 0;
}

static void add_range(cJSON *o, const char *key, long min, long max)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%ld-%ld", min, max);
    cJSON_AddStringToObject(o, key, buf);
}

cJSON *sim_faults_to_json(const sim_faults *f)
{
    static const char *const paging[] = {"off", "once", "always"};
    static const char *const counts[] = {"total", "totalCount", "both"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rate429", f->rate_429);
    cJSON_AddNumberToObject(o, "retryAfter", (double)f->retry_after);
    cJSON_AddNumberToObject(o, "rate5xx", f->rate_5xx);
    add_range(o, "latencyMs", f->latency_min_ms, f->latency_max_ms);
    add_range(o, "convergeMs", f->converge_min_ms, f->converge_max_ms);
    cJSON *st = cJSON_AddArrayToObject(o, "stuckTable");
    for (size_t i = 0; i < f->stuck_count; i++)
        cJSON_AddItemToArray(st, cJSON_CreateString(f->stuck[i]));
    cJSON_AddNumberToObject(o, "dropCreate", (double)f->drop_create);
    cJSON_AddStringToObject(o, "insertWhilePaging", paging[f->insert_while_paging]);
    cJSON_AddNumberToObject(o, "tokenLifetime", (double)f->token_lifetime_s);
    cJSON_AddBoolToObject(o, "noLimitsEndpoint", f->no_limits_endpoint);
    cJSON_AddBoolToObject(o, "ratelimitHeaders", f->ratelimit_headers);
    cJSON_AddStringToObject(o, "countField", counts[f->count_field]);
    cJSON_AddBoolToObject(o, "noEstimate", f->no_estimate);
    if (f->rate_limit > 0) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%ld/%ld", f->rate_limit, f->rate_window_s);
        cJSON_AddStringToObject(o, "rateLimit", buf);
    } else {
        cJSON_AddNullToObject(o, "rateLimit");
    }
    cJSON_AddNumberToObject(o, "unavailableFor", (double)f->unavailable_s);
    return o;
}

bool sim_faults_is_stuck(const sim_faults *f, const char *table_id)
{
    for (size_t i = 0; i < f->stuck_count; i++)
        if (strcmp(f->stuck[i], table_id) == 0) return true;
    return false;
}
