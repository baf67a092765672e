/* test_live_http: the request layer against a scripted server: retries for as long as the
 * call's time budget allows (no count of tries), Retry-After, backoff with full jitter, the
 * run's deadline, dropped connections, final 4xx, error bodies, pacing, hook. Clock and sleep
 * are injected: a sleep advances the clock, so no test waits for a Retry-After or asserts on
 * wall time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_server.h"
#include "vr_http.h"

#include <curl/curl.h>
#include <string.h>

/* A fake clock and sleep: sleeping advances the clock instead of waiting, and is recorded. */
typedef struct {
    int64_t offset;
    int64_t sleeps[64];
    int nsleeps;         /* every sleep, also past the 64 kept in sleeps[] */
    int64_t slept_total; /* their sum */
    uint64_t rnd;
    bool real_sleep;
} test_env;

static void env_sleep(void *ctx, int64_t ms)
{
    test_env *e = ctx;
    if (e->nsleeps < 64) e->sleeps[e->nsleeps] = ms;
    e->nsleeps++; /* how many tries fit in a budget depends on how fast the fake server is */
    e->slept_total += ms;
    if (e->real_sleep)
        vr_sleep_ms(ms);
    else
        e->offset += ms;
}

static uint64_t env_random(void *ctx)
{
    return ((test_env *)ctx)->rnd;
}

static int64_t env_now(void *ctx)
{
    return vr_now_ms() + ((test_env *)ctx)->offset;
}

typedef struct {
    char method[16];
    char path[512];
    int status, attempts;
    long long latency_ms;
    char correlation_id[128];
} hook_rec;

typedef struct {
    hook_rec recs[64];
    int n;
} hook_log;

static void on_call(void *ctx, const vr_call_record *r)
{
    hook_log *l = ctx;
    if (l->n >= 64) return;
    hook_rec *h = &l->recs[l->n++];
    snprintf(h->method, sizeof(h->method), "%s", r->method);
    snprintf(h->path, sizeof(h->path), "%s", r->path);
    h->status = r->status;
    h->attempts = r->attempts;
    h->latency_ms = r->latency_ms;
    snprintf(h->correlation_id, sizeof(h->correlation_id), "%s", r->correlation_id);
}

typedef struct {
    fake_server *fs;
    vr_http *h;
    test_env env;
    hook_log log;
    vr_http_response resp;
    vr_error err;
} fixture;

static fixture *start(const fs_exchange *script, size_t n, void (*tune)(vr_http_config *))
{
    fixture *f = vr_xcalloc(1, sizeof(*f));
    f->fs = fs_start(script, n);
    assert_non_null(f->fs);
    f->env.rnd = 12345;
    vr_http_config cfg;
    vr_http_config_init(&cfg);
    cfg.backoff_base_ms = 100;
    cfg.backoff_cap_ms = 1000;
    cfg.sleep = env_sleep;
    cfg.random = env_random;
    cfg.now = env_now;
    cfg.env_ctx = &f->env;
    cfg.hook = on_call;
    cfg.hook_ctx = &f->log;
    if (tune) tune(&cfg);
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_http_new(&f->h, &cfg, &err), 0);
    return f;
}

static int get(fixture *f, const char *path)
{
    vr_error_clear(&f->err);
    vr_http_request req = {.method = "GET", .base = f->fs->url, .path = path, .bearer = "tok-x"};
    return vr_http_do(f->h, &req, &f->resp, &f->err);
}

/* whole: the script must have been played to its end (a call that gave up leaves the rest). */
static void finish_script(fixture *f, bool whole)
{
    assert_int_equal(f->fs->unexpected, 0);
    if (whole) assert_int_equal(fs_pending(f->fs), 0);
    vr_http_response_free(&f->resp);
    vr_http_free(f->h);
    fs_stop(f->fs);
    free(f);
}

static void finish(fixture *f)
{
    finish_script(f, true);
}

#define START(script, tune) start(script, sizeof(script) / sizeof(script[0]), tune)
#define CORR "ININ-Correlation-Id: corr-1\n"

/* Expected wait of retry n under full jitter for the fixture's base 100, cap 1000, rnd 12345. */
static int64_t jitter(int n)
{
    int64_t ceiling = 100;
    for (int i = 0; i < n; i++)
        ceiling *= 2;
    if (ceiling > 1000) ceiling = 1000;
    return (int64_t)(12345 % (uint64_t)(ceiling + 1));
}

static void test_ok_json_and_correlation(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/x", NULL, 200, "ININ-Correlation-Id: abc-123\nX-Unknown: 1\n",
         "{\"a\":1,\"unknownField\":{\"deep\":[1,2]}}", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/x"), 0);
    assert_int_equal(f->resp.status, 200);
    assert_string_equal(f->resp.correlation_id, "abc-123");
    assert_non_null(f->resp.json);
    assert_int_equal(f->resp.attempts, 1);
    assert_int_equal(f->log.n, 1);
    assert_string_equal(f->log.recs[0].method, "GET");
    assert_string_equal(f->log.recs[0].path, "/x");
    assert_int_equal(f->log.recs[0].status, 200);
    assert_int_equal(f->log.recs[0].attempts, 1);
    assert_string_equal(f->log.recs[0].correlation_id, "abc-123");
    assert_string_equal(f->fs->requests[0].authorization, "Bearer tok-x");
    finish(f);
}

/* Real time: the client must wait at least Retry-After seconds before the same call again. */
static void real_sleep(vr_http_config *cfg)
{
    cfg->sleep = NULL;
    cfg->now = NULL;
}

static void test_429_retry_after_real_time(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/r", NULL, 429, CORR "Retry-After: 1\n",
         "{\"message\":\"slow down\",\"code\":\"too.many.requests\",\"status\":429}", 0, 0, 0},
        {"GET", "/r", NULL, 200, CORR, "{}", 0, 0, 0},
    };
    fixture *f = START(script, real_sleep);
    int64_t t0 = vr_now_ms();
    assert_int_equal(get(f, "/r"), 0);
    int64_t gap = f->fs->requests[1].t_ms - f->fs->requests[0].t_ms;
    assert_true(gap >= 1000);
    assert_true(vr_now_ms() - t0 < 5000);
    assert_int_equal(f->resp.attempts, 2);
    assert_int_equal(f->log.n, 1);
    assert_int_equal(f->log.recs[0].attempts, 2);
    assert_true(f->log.recs[0].latency_ms >= 1000);
    finish(f);
}

static void test_429_retry_after_fake_clock(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/r", NULL, 429, "Retry-After: 7\n", "{}", 0, 0, 0},
        {"GET", "/r", NULL, 429, "Retry-After: 0\n", "{}", 0, 0, 0},
        {"GET", "/r", NULL, 429, NULL, "{}", 0, 0, 0}, /* no Retry-After: backoff */
        {"GET", "/r", NULL, 200, NULL, "{}", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/r"), 0);
    assert_int_equal(f->env.nsleeps, 3);
    assert_int_equal(f->env.sleeps[0], 7000);
    assert_int_equal(f->env.sleeps[1], 0);
    assert_int_equal(f->env.sleeps[2], jitter(2));
    assert_int_equal(f->resp.attempts, 4);
    finish(f);
}

static void test_5xx_and_non_json_retried_with_jitter(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/s", NULL, 502, NULL, "<html>bad gateway</html>", 0, 0, 0},
        {"GET", "/s", NULL, 500, NULL, "{\"message\":\"oops\",\"code\":\"internal\"}", 0, 0, 0},
        {"GET", "/s", NULL, 504, NULL, "", 0, 0, 0},
        {"GET", "/s", NULL, 507, NULL, "not json at all", 0, 0, 0}, /* 5xx + non-JSON */
        {"GET", "/s", NULL, 200, NULL, "{\"ok\":true}", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/s"), 0);
    assert_int_equal(f->resp.attempts, 5);
    assert_int_equal(f->env.nsleeps, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(f->env.sleeps[i], jitter(i));
    finish(f);
}

static void test_503_retry_after_is_a_minimum(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/m", NULL, 503, "Retry-After: 3\n", "{}", 0, 0, 0},
        {"GET", "/m", NULL, 200, NULL, "{}", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/m"), 0);
    assert_int_equal(f->env.nsleeps, 1);
    assert_int_equal(f->env.sleeps[0], 3000); /* jitter(0) = 23 < 3000 */
    finish(f);
}

static void budget_3s(vr_http_config *cfg)
{
    cfg->call_budget_ms = 3000;
}

/* 503s without end: tried again and again (more than the five tries of old) with a full-jitter
 * backoff, until the budget leaves no time for another try; the last wait is cut so that it
 * ends a try's time (1 s) before the budget does. */
static void test_5xx_until_the_budget_is_spent(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/e", NULL, 503, CORR, "{\"message\":\"down\",\"code\":\"unavailable\"}", 0, 0,
         100},
    };
    fixture *f = START(script, budget_3s);
    assert_int_equal(get(f, "/e"), VR_HTTP_ERROR);
    assert_string_equal(f->err.code, "budget.exhausted");
    assert_int_equal(f->err.http_status, 503);
    assert_true(f->err.attempts > 5);
    assert_int_equal(f->env.nsleeps, f->err.attempts - 1);
    assert_string_equal(f->err.correlation_id, "corr-1");
    for (int i = 0; i < 5; i++) /* the schedule: full jitter, doubling from 100 ms to 1 s */
        assert_int_equal(f->env.sleeps[i], jitter(i));
    int64_t total = f->env.slept_total;
    assert_true(total <= 2000); /* every wait ended 1 s before the budget's end */
    assert_true(f->err.elapsed_ms >= total && f->err.elapsed_ms < 3000);
    char want[96];
    snprintf(want, sizeof(want), "GET /e: gave up after %d tries over ", f->err.attempts);
    assert_non_null(strstr(f->err.message, want));
    assert_non_null(strstr(f->err.message, " s: no time left for another try within the call's "
                                           "time budget of 3 s; last: HTTP 503 unavailable: down"));
    assert_non_null(strstr(f->err.remedy, "--call-timeout"));
    assert_int_equal(f->log.n, 1);
    assert_int_equal(f->log.recs[0].attempts, f->err.attempts);
    assert_int_equal(f->log.recs[0].status, 503);
    finish_script(f, false);
}

/* A 429 with its Retry-After is waited out as often as it comes, far past five tries. */
static void test_429_waited_out_past_five_tries(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/w", NULL, 429, "Retry-After: 2\n",
         "{\"message\":\"slow down\",\"code\":\"too.many.requests\"}", 0, 0, 8},
        {"GET", "/w", NULL, 200, NULL, "{\"ok\":true}", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/w"), 0);
    assert_int_equal(f->resp.attempts, 9);
    assert_int_equal(f->env.nsleeps, 8);
    for (int i = 0; i < 8; i++)
        assert_int_equal(f->env.sleeps[i], 2000); /* exactly the Retry-After: no more needed */
    assert_int_equal(f->log.recs[0].attempts, 9);
    assert_int_equal(f->log.recs[0].status, 200);
    finish(f);
}

static void budget_5500(vr_http_config *cfg)
{
    cfg->call_budget_ms = 5500;
}

/* The budget runs out: the message says how long, how many tries, why, and what came last. */
static void test_429_budget_message(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/q", NULL, 429, CORR "Retry-After: 2\n",
         "{\"message\":\"rate limit exceeded\",\"code\":\"too.many.requests\"}", 0, 0, 3},
    };
    fixture *f = START(script, budget_5500);
    assert_int_equal(get(f, "/q"), VR_HTTP_ERROR);
    /* tries at 0, 2 and 4 s; one at 6 s would leave no time within 5.5 s */
    assert_int_equal(f->err.attempts, 3);
    assert_int_equal(f->env.nsleeps, 2);
    assert_string_equal(f->err.code, "budget.exhausted");
    assert_int_equal(f->err.http_status, 429);
    assert_true(f->err.elapsed_ms >= 4000 && f->err.elapsed_ms < 5500);
    assert_non_null(strstr(f->err.message, "GET /q: gave up after 3 tries over 4."));
    assert_non_null(strstr(f->err.message,
                           " s: Retry-After asks for 2 s more, past the call's time budget of 5 "
                           "s; last: HTTP 429 too.many.requests: rate limit exceeded"));
    assert_non_null(strstr(f->err.remedy, "rate-limiting"));
    finish(f);
}

/* A 503 without Retry-After, then an answer: one backoff in between. */
static void test_503_then_200(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/u", NULL, 503, NULL, "{\"message\":\"busy\",\"code\":\"unavailable\"}", 0, 0, 0},
        {"GET", "/u", NULL, 200, NULL, "{\"ok\":1}", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/u"), 0);
    assert_int_equal(f->resp.status, 200);
    assert_int_equal(f->resp.attempts, 2);
    assert_int_equal(f->env.nsleeps, 1);
    assert_int_equal(f->env.sleeps[0], jitter(0));
    finish(f);
}

static void short_budget(vr_http_config *cfg)
{
    cfg->call_budget_ms = 5000;
}

static void test_budget_exhausted(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/b", NULL, 429, "Retry-After: 60\n", "{}", 0, 0, 0},
    };
    fixture *f = START(script, short_budget);
    assert_int_equal(get(f, "/b"), VR_HTTP_ERROR);
    assert_string_equal(f->err.code, "budget.exhausted");
    assert_int_equal(f->err.http_status, 429);
    assert_int_equal(f->env.nsleeps, 0); /* did not wait a minute for nothing */
    assert_non_null(strstr(f->err.message, "gave up after 1 try"));
    assert_non_null(strstr(f->err.message, "Retry-After asks for 60 s more"));
    assert_non_null(strstr(f->err.remedy, "rate-limiting"));
    finish(f);
}

static void quick_timeout(vr_http_config *cfg)
{
    cfg->attempt_timeout_ms = 300;
}

static void test_slow_answer_times_out_and_is_retried(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/slow", NULL, 200, NULL, "{\"late\":true}", 0, 1000, 0},
        {"GET", "/slow", NULL, 200, NULL, "{\"late\":false}", 0, 0, 0},
    };
    fixture *f = START(script, quick_timeout);
    int64_t t0 = vr_now_ms();
    assert_int_equal(get(f, "/slow"), 0);
    assert_true(vr_now_ms() - t0 < 1000); /* did not wait for the slow answer */
    assert_int_equal(f->resp.attempts, 2);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(f->resp.json, "late")));
    finish(f);
}

static void test_run_deadline(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/rd", NULL, 503, "Retry-After: 5\n", "{}", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    /* the run must end within 2 s from now: a 5 s wait does not fit */
    vr_http_set_run_deadline(f->h, env_now(&f->env) + 2000);
    assert_int_equal(get(f, "/rd"), VR_HTTP_ERROR);
    assert_string_equal(f->err.code, "run.deadline");
    assert_non_null(strstr(f->err.message, "past the run's deadline"));
    assert_non_null(strstr(f->err.remedy, "--timeout"));
    assert_int_equal(f->env.nsleeps, 0);
    finish(f);
}

/* Past the run's deadline a call still makes one attempt (a step under way finishes its calls),
 * but no retry. */
static void test_past_run_deadline_one_try(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/late", NULL, 200, NULL, "{\"ok\":true}", 0, 0, 0},
        {"GET", "/late", NULL, 502, NULL, "<html>bad gateway</html>", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    vr_http_set_run_deadline(f->h, env_now(&f->env) - 1);
    assert_int_equal(get(f, "/late"), 0);
    assert_int_equal(f->resp.attempts, 1);
    assert_int_equal(get(f, "/late"), VR_HTTP_ERROR);
    assert_string_equal(f->err.code, "run.deadline");
    assert_int_equal(f->err.attempts, 1);
    assert_int_equal(f->env.nsleeps, 0);
    finish(f);
}

static void budget_4s(vr_http_config *cfg)
{
    cfg->call_budget_ms = 4000;
}

/* An attempt may take at most half the call's budget, so a hung answer leaves time for another
 * try: with 4 s, the first attempt gives up at 2 s on a server that would answer at 3 s. */
static void test_attempt_timeout_is_half_the_budget(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/h2", NULL, 200, NULL, "{\"late\":true}", 0, 3000, 0},
        {"GET", "/h2", NULL, 200, NULL, "{\"late\":false}", 0, 0, 0},
    };
    vr_http_config c;
    vr_http_config_init(&c);
    c.call_budget_ms = 4000;
    assert_int_equal(vr_http_attempt_timeout_ms(&c), 2000);
    c.call_budget_ms = 120000;
    assert_int_equal(vr_http_attempt_timeout_ms(&c), 30000);
    c.call_budget_ms = 1000;
    assert_int_equal(vr_http_attempt_timeout_ms(&c), VR_HTTP_MIN_TRY_MS);
    fixture *f = START(script, budget_4s);
    assert_int_equal(get(f, "/h2"), 0);
    assert_int_equal(f->resp.attempts, 2);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(f->resp.json, "late")));
    finish(f);
}

static void test_dropped_mid_response_is_transient(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/d", NULL, 200, NULL, "{\"entities\":[{\"id\":\"1\"", FS_DROP, 0, 0},
        {"GET", "/d", NULL, 0, NULL, NULL, FS_CLOSE, 0, 0}, /* empty reply */
        {"GET", "/d", NULL, 200, NULL, "{\"entities\":[]}", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/d"), 0);
    assert_int_equal(f->resp.attempts, 3);
    assert_int_equal(f->env.nsleeps, 2);
    assert_non_null(f->resp.json);
    finish(f);
}

static void test_drop_exhausted_message(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/d", NULL, 0, NULL, NULL, FS_CLOSE, 0, 100},
    };
    fixture *f = START(script, budget_3s);
    assert_int_equal(get(f, "/d"), VR_HTTP_ERROR);
    assert_string_equal(f->err.code, "budget.exhausted");
    assert_true(f->err.attempts > 5);
    assert_int_equal(f->err.http_status, 0);
    assert_non_null(strstr(f->err.message, "empty reply"));
    assert_int_equal(f->log.recs[0].status, 0);
    finish_script(f, false);
}

static void test_4xx_final_no_retry(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/f", NULL, 400, "ININ-Correlation-Id: c-400\n",
         "{\"message\":\"pageSize out of range\",\"code\":\"bad.request\",\"status\":400}", 0, 0,
         0},
        {"GET", "/f", NULL, 404, NULL, "{\"message\":\"nope\",\"code\":\"not.found\"}", 0, 0, 0},
        {"GET", "/f", NULL, 501, NULL, "{\"message\":\"no\",\"code\":\"not.implemented\"}", 0, 0,
         0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/f"), VR_HTTP_ESTATUS);
    assert_int_equal(f->err.http_status, 400);
    assert_string_equal(f->err.code, "bad.request");
    assert_string_equal(f->err.correlation_id, "c-400");
    assert_non_null(strstr(f->err.message, "pageSize out of range"));
    assert_int_equal(f->err.attempts, 1);
    assert_int_equal(get(f, "/f"), VR_HTTP_ESTATUS);
    assert_string_equal(f->err.code, "not.found");
    assert_int_equal(get(f, "/f"), VR_HTTP_ESTATUS); /* a 5xx other than 500/2/3/4 with JSON */
    assert_int_equal(f->err.http_status, 501);
    assert_int_equal(f->env.nsleeps, 0);
    assert_int_equal(fs_request_count(f->fs), 3);
    finish(f);
}

static void test_error_body_parsing(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"POST", "/c", NULL, 422, NULL,
         "{\"message\":\"invalid fields\",\"code\":\"invalid.field\",\"status\":422,"
         "\"contextId\":\"ctx-9\",\"messageParams\":{},\"details\":["
         "{\"fieldName\":\"localIp\",\"errorCode\":\"invalid.value\",\"errorMessage\":\"outside "
         "subnetCidr\"},"
         "{\"fieldName\":\"dnsServers\",\"errorCode\":\"required\",\"errorMessage\":\"empty\"}],"
         "\"extra\":[1,2,3]}",
         0, 0, 0},
        {"POST", "/c", NULL, 409, "ININ-Correlation-Id: c-409\n",
         "{\"message\":\"subnet overlaps\",\"code\":\"subnet.overlap\",\"status\":409,"
         "\"entityId\":\"id-7\",\"entityName\":\"vni-other\",\"errors\":[]}",
         0, 0, 0},
    };
    fixture *f = START(script, NULL);
    vr_http_request req = {
        .method = "POST", .base = f->fs->url, .path = "/c", .body = "{}", .body_len = 2};
    assert_int_equal(vr_http_do(f->h, &req, &f->resp, &f->err), VR_HTTP_ESTATUS);
    assert_int_equal(f->err.http_status, 422);
    assert_string_equal(f->err.code, "invalid.field");
    assert_string_equal(f->err.correlation_id, "ctx-9"); /* contextId when no header */
    assert_int_equal(f->resp.detail_count, 2);
    assert_string_equal(f->resp.details[0].field, "localIp");
    assert_string_equal(f->resp.details[0].error_code, "invalid.value");
    assert_string_equal(f->resp.details[0].error_message, "outside subnetCidr");
    assert_string_equal(f->resp.details[1].field, "dnsServers");
    assert_non_null(strstr(f->err.message, "localIp (invalid.value): outside subnetCidr"));
    assert_non_null(strstr(f->err.message, "dnsServers (required): empty"));
    assert_string_equal(f->fs->requests[0].content_type, "application/json");
    assert_string_equal(f->fs->requests[0].body, "{}");

    vr_error_clear(&f->err);
    assert_int_equal(vr_http_do(f->h, &req, &f->resp, &f->err), VR_HTTP_ESTATUS);
    assert_int_equal(f->err.http_status, 409);
    assert_string_equal(f->err.code, "subnet.overlap");
    assert_string_equal(f->err.correlation_id, "c-409");
    assert_string_equal(f->resp.entity_id, "id-7");
    assert_string_equal(f->resp.entity_name, "vni-other");
    assert_non_null(strstr(f->err.message, "held by vni-other id id-7"));
    finish(f);
}

/* The same reading without a server (vr_http_error_from_body, the fuzz target's entry):
 * details past VR_HTTP_DETAILS_MAX are counted, OAuth's error shape is understood, a body
 * that is not JSON leaves the status. */
static void test_error_from_body(void **state)
{
    (void)state;
    vr_buf body = VR_BUF_INIT;
    vr_buf_puts(&body, "{\"code\":\"invalid.field\",\"details\":[");
    for (int i = 0; i < VR_HTTP_DETAILS_MAX + 4; i++)
        vr_buf_printf(&body, "%s{\"field\":\"f%d\",\"errorCode\":\"bad\"}", i ? "," : "", i);
    vr_buf_puts(&body, ",{},{\"fieldName\":7}]}");
    vr_error err = VR_ERROR_INIT;
    vr_http_error_from_body(&err, "create connection x", 422, body.data, body.len);
    assert_int_equal(err.http_status, 422);
    assert_string_equal(err.code, "invalid.field");
    assert_non_null(strstr(err.message, "create connection x: HTTP 422 invalid.field; f0 (bad)"));
    assert_non_null(strstr(err.message, ", and 4 more"));
    vr_buf_free(&body);

    static const char oauth[] = "{\"error\":\"invalid_client\",\"error_description\":\"nope\"}";
    vr_http_error_from_body(&err, "oauth token", 401, oauth, sizeof oauth - 1);
    assert_string_equal(err.code, "invalid_client");
    assert_string_equal(err.message, "oauth token: HTTP 401 invalid_client: nope");

    static const char held[] = "{\"code\":\"name.duplicate\",\"entityName\":\"vni-a\","
                               "\"contextId\":\"ctx-1\"}";
    vr_http_error_from_body(&err, "create", 409, held, sizeof held - 1);
    assert_non_null(strstr(err.message, "(held by vni-a)"));
    assert_string_equal(err.correlation_id, "ctx-1");

    static const char html[] = "<html>504</html>";
    vr_http_error_from_body(&err, "list", 504, html, sizeof html - 1);
    assert_string_equal(err.code, "http.504");
    assert_string_equal(err.message, "list: HTTP 504");
    vr_http_error_from_body(&err, NULL, 500, NULL, 0);
    assert_string_equal(err.message, "request: HTTP 500");
}

static void test_2xx_not_json_is_an_error(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/h", NULL, 200, NULL, "<html>login portal</html>", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/h"), VR_HTTP_ERROR);
    assert_string_equal(f->err.code, "bad.response");
    assert_non_null(strstr(f->err.message, "not JSON"));
    finish(f);
}

static void test_pacing_from_ratelimit_headers(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/p", NULL, 200,
         "inin-ratelimit-count: 300\ninin-ratelimit-allowed: 300\ninin-ratelimit-reset: 4\n", "{}",
         0, 0, 0},
        {"GET", "/p", NULL, 200,
         "inin-ratelimit-count: 1\ninin-ratelimit-allowed: 300\ninin-ratelimit-reset: 60\n", "{}",
         0, 0, 0},
        {"GET", "/p", NULL, 200, NULL, "{}", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/p"), 0);
    assert_int_equal(f->env.nsleeps, 0);
    assert_int_equal(get(f, "/p"), 0); /* waits out the window first */
    assert_int_equal(f->env.nsleeps, 1);
    assert_true(f->env.sleeps[0] > 3900 && f->env.sleeps[0] <= 4000);
    assert_int_equal(get(f, "/p"), 0); /* window not used up: no wait */
    assert_int_equal(f->env.nsleeps, 1);
    finish(f);
}

/* More than half the window used: the requests left are spread over the time left, one every
 * reset / left, instead of going out at once into a 429; under half, no pause. */
static void test_pacing_spreads_the_rest_of_the_window(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/s1", NULL, 200,
         "inin-ratelimit-count: 3\ninin-ratelimit-allowed: 10\ninin-ratelimit-reset: 2\n", "{}", 0,
         0, 0},
        {"GET", "/s2", NULL, 200,
         "inin-ratelimit-count: 6\ninin-ratelimit-allowed: 10\ninin-ratelimit-reset: 2\n", "{}", 0,
         0, 0},
        {"GET", "/s3", NULL, 200,
         "inin-ratelimit-count: 1\ninin-ratelimit-allowed: 10\ninin-ratelimit-reset: 2\n", "{}", 0,
         0, 0},
        {"GET", "/s4", NULL, 200, NULL, "{}", 0, 0, 0},
    };
    fixture *f = START(script, NULL);
    assert_int_equal(get(f, "/s1"), 0); /* 7 of 10 left: no pause */
    assert_int_equal(get(f, "/s2"), 0);
    assert_int_equal(f->env.nsleeps, 0);
    assert_int_equal(get(f, "/s3"), 0); /* 4 left for 2 s: one every 500 ms */
    assert_int_equal(f->env.nsleeps, 1);
    assert_true(f->env.sleeps[0] > 400 && f->env.sleeps[0] <= 500);
    assert_int_equal(get(f, "/s4"), 0); /* a new window: no pause */
    assert_int_equal(f->env.nsleeps, 1);
    /* the order of the requests is the order of the calls, one each */
    assert_int_equal(fs_request_count(f->fs), 4);
    assert_string_equal(f->fs->requests[2].path, "/s3");
    finish(f);
}

static void test_connection_refused_is_retried_then_reported(void **state)
{
    (void)state;
    /* a port nothing listens on: take one from a server and stop it */
    static const fs_exchange none[] = {{NULL, NULL, NULL, 200, NULL, "{}", 0, 0, 0}};
    fake_server *tmp = fs_start(none, 0);
    char url[64];
    snprintf(url, sizeof(url), "%s", tmp->url);
    fs_stop(tmp);
    test_env env = {.rnd = 1};
    vr_http_config cfg;
    vr_http_config_init(&cfg);
    cfg.sleep = env_sleep;
    cfg.random = env_random;
    cfg.now = env_now;
    cfg.env_ctx = &env;
    cfg.call_budget_ms = 2500;
    vr_http *h;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_http_new(&h, &cfg, &err), 0);
    vr_http_response resp = VR_HTTP_RESPONSE_INIT;
    vr_http_request req = {.method = "GET", .base = url, .path = "/z", .bearer = "tok-zz"};
    assert_int_equal(vr_http_do(h, &req, &resp, &err), VR_HTTP_ERROR);
    assert_string_equal(err.code, "budget.exhausted");
    assert_true(err.attempts >= 2);
    assert_non_null(strstr(err.message, "could not connect"));
    assert_null(strstr(err.message, "tok-zz"));
    vr_http_response_free(&resp);
    vr_http_free(h);
    (void)none;
}

static void test_connection_reuse(void **state)
{
    (void)state;
    static const fs_exchange script[] = {
        {"GET", "/k", NULL, 200, NULL, "{}", 0, 0, 3},
    };
    fixture *f = START(script, NULL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(get(f, "/k"), 0);
    /* one handle for the run: the three calls came over one connection */
    assert_true(f->fs->requests[0].client_port > 0);
    assert_int_equal(f->fs->requests[1].client_port, f->fs->requests[0].client_port);
    assert_int_equal(f->fs->requests[2].client_port, f->fs->requests[0].client_port);
    finish(f);
}

static void test_scrub(void **state)
{
    (void)state;
    vr_error e = VR_ERROR_INIT;
    vr_error_set(&e, "c-SECRET", "token SECRET and SECRETSECRET");
    vr_error_remedy(&e, "no SECRET here");
    snprintf(e.correlation_id, sizeof(e.correlation_id), "SECRET");
    vr_error_scrub(&e, "SECRET");
    assert_string_equal(e.message, "token *** and ******");
    assert_string_equal(e.code, "c-***");
    assert_string_equal(e.remedy, "no *** here");
    assert_string_equal(e.correlation_id, "***");
    vr_error_scrub(&e, "******"); /* must terminate */
    vr_error_set(&e, "c", "a short one: abc");
    vr_error_scrub(&e, "abc"); /* too short to hide: left alone rather than garbling */
    assert_string_equal(e.message, "a short one: abc");
    vr_error_scrub(&e, NULL);
    vr_error_scrub(&e, "");
}

static int global_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int global_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_json_and_correlation),
        cmocka_unit_test(test_error_from_body),
        cmocka_unit_test(test_429_retry_after_real_time),
        cmocka_unit_test(test_429_retry_after_fake_clock),
        cmocka_unit_test(test_5xx_and_non_json_retried_with_jitter),
        cmocka_unit_test(test_503_retry_after_is_a_minimum),
        cmocka_unit_test(test_5xx_until_the_budget_is_spent),
        cmocka_unit_test(test_429_waited_out_past_five_tries),
        cmocka_unit_test(test_429_budget_message),
        cmocka_unit_test(test_503_then_200),
        cmocka_unit_test(test_budget_exhausted),
        cmocka_unit_test(test_slow_answer_times_out_and_is_retried),
        cmocka_unit_test(test_run_deadline),
        cmocka_unit_test(test_past_run_deadline_one_try),
        cmocka_unit_test(test_attempt_timeout_is_half_the_budget),
        cmocka_unit_test(test_dropped_mid_response_is_transient),
        cmocka_unit_test(test_drop_exhausted_message),
        cmocka_unit_test(test_4xx_final_no_retry),
        cmocka_unit_test(test_error_body_parsing),
        cmocka_unit_test(test_2xx_not_json_is_an_error),
        cmocka_unit_test(test_pacing_from_ratelimit_headers),
        cmocka_unit_test(test_pacing_spreads_the_rest_of_the_window),
        cmocka_unit_test(test_connection_refused_is_retried_then_reported),
        cmocka_unit_test(test_connection_reuse),
        cmocka_unit_test(test_scrub),
    };
    return cmocka_run_group_tests(tests, global_setup, global_teardown);
}
