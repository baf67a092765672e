/* test_parallel: --parallelism's pieces. cmd_pool: every index done exactly once, on up to
 * width threads at once, width 1 in the calling thread in order. report/vr_ordered: apply
 * records of organizations that finish in any order reach the audit log in the sequential
 * order (the first in line writes through, the others are held until their turn), also from
 * real threads; a log that refuses a held record is reported for that organization. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "cmd_pool.h"
#include "vr_ordered.h"

#include <cJSON.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- cmd_pool ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls[300];
    size_t order[300];
    size_t n;
    pthread_t thread[300];
    int running, max_running;
    int wait_for; /* > 0: each call waits (up to 5 s) until this many run at once */
} pool_probe;

static void probe_work(void *ctx, size_t i)
{
    pool_probe *p = ctx;
    pthread_mutex_lock(&p->mu);
    p->calls[i]++;
    p->order[p->n++] = i;
    p->thread[i] = pthread_self();
    if (++p->running > p->max_running) p->max_running = p->running;
    pthread_cond_broadcast(&p->cv);
    if (p->wait_for > 0) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 5;
        while (p->max_running < p->wait_for && pthread_cond_timedwait(&p->cv, &p->mu, &until) == 0)
            ;
    }
    p->running--;
    pthread_mutex_unlock(&p->mu);
}

static void probe_init(pool_probe *p)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
}

static void probe_free(pool_probe *p)
{
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

static void test_pool_every_index_once(void **state)
{
    (void)state;
    const long widths[] = {1, 2, 3, 10, 64, 500, 0, -4};
    for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
        pool_probe p;
        probe_init(&p);
        vr_pool_run(257, widths[w], probe_work, &p);
        assert_int_equal(p.n, 257);
        for (size_t i = 0; i < 257; i++)
            assert_int_equal(p.calls[i], 1);
        assert_int_equal(p.calls[257], 0);
        assert_true(p.max_running <= (widths[w] < 1 ? 1 : widths[w]));
        probe_free(&p);
    }
    pool_probe p;
    probe_init(&p);
    vr_pool_run(0, 10, probe_work, &p);
    assert_int_equal(p.n, 0);
    probe_free(&p);
}

/* --parallelism 1 is the sequential run: no thread, indices in order. */
static void test_pool_width_one_is_sequential(void **state)
{
    (void)state;
    pool_probe p;
    probe_init(&p);
    vr_pool_run(20, 1, probe_work, &p);
    for (size_t i = 0; i < 20; i++) {
        assert_int_equal(p.order[i], i);
        assert_true(pthread_equal(p.thread[i], pthread_self()));
    }
    assert_int_equal(p.max_running, 1);
    probe_free(&p);
}

/* Width N: N calls run at once (each waits until N are running; were they one after the
 * other, none would ever see N and max_running would stay 1). */
static void test_pool_runs_at_once(void **state)
{
    (void)state;
    pool_probe p;
    probe_init(&p);
    p.wait_for = 4;
    vr_pool_run(8, 4, probe_work, &p);
    assert_int_equal(p.max_running, 4);
    assert_int_equal(p.n, 8);
    assert_false(pthread_equal(p.thread[0], pthread_self()));
    probe_free(&p);
}

/* ---- vr_ordered ---- */

typedef struct {
    char *dir;
    vr_buf path;
    vr_outputs out;
} outputs_fixture;

static void outputs_open(outputs_fixture *f)
{
    f->dir = vr_test_tmpdir("ordered");
    vr_buf empty = VR_BUF_INIT;
    f->path = empty;
    vr_buf_printf(&f->path, "%s/audit.jsonl", f->dir);
    vr_outputs_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.run_id = "3ac00828-1c2e-4b21-9f1c-0e22e7deb7e2";
    cfg.audit_log = vr_buf_str(&f->path);
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_outputs_open(&f->out, &cfg, &err), 0);
}

static void outputs_close(outputs_fixture *f)
{
    vr_outputs_close(&f->out);
    vr_test_rm_rf(f->dir);
    free(f->dir);
    vr_buf_free(&f->path);
}

/* The interface names of the log's records, in order, joined by spaces. */
static char *log_names(const outputs_fixture *f)
{
    char *text = NULL;
    size_t len = 0;
    vr_buf names = VR_BUF_INIT;
    if (vr_read_file(vr_buf_str(&f->path), 1 << 20, &text, &len) != 0) return vr_strdup("");
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl); /* every record whole */
        *nl = '\0';
        cJSON *j = cJSON_Parse(line);
        assert_non_null(j);
        vr_buf_printf(&names, "%s%s", names.len ? " " : "",
                      cJSON_GetObjectItem(j, "interfaceName")->valuestring);
        cJSON_Delete(j);
        line = nl + 1;
    }
    free(text);
    return names.len ? vr_buf_detach(&names) : vr_strdup("");
}

/* One ended step of organization org named "o<org>s<k>". */
static int record(vr_ordered *q, size_t org, int k)
{
    char name[32];
    snprintf(name, sizeof(name), "o%zus%d", org, k);
    vr_apply_step st;
    memset(&st, 0, sizeof(st));
    st.kind = VR_STEP_CREATE;
    st.status = VR_STEP_DONE;
    st.name = name;
    st.total_ms = st.create_ms = st.convergence_ms = VR_MS_NONE;
    vr_apply_record rec;
    memset(&rec, 0, sizeof(rec));
    rec.step = &st;
    vr_error err = VR_ERROR_INIT;
    return vr_ordered_record(&q->slots[org], &rec, &err);
}

static void assert_log(const outputs_fixture *f, const char *want)
{
    char *got = log_names(f);
    assert_string_equal(got, want);
    free(got);
}

static void test_ordered_sequential_order(void **state)
{
    (void)state;
    outputs_fixture f;
    outputs_open(&f);
    vr_ordered q;
    vr_ordered_init(&q, &f.out, 4);
    assert_int_equal(record(&q, 2, 1), 0); /* held: 0 is first in line */
    assert_int_equal(record(&q, 0, 1), 0); /* written through */
    assert_int_equal(record(&q, 1, 1), 0);
    assert_int_equal(record(&q, 3, 1), 0);
    assert_int_equal(record(&q, 2, 2), 0);
    assert_log(&f, "o0s1");
    vr_ordered_done(&q, 2);
    vr_ordered_done(&q, 1);
    assert_log(&f, "o0s1"); /* 0 still runs: nothing of the others yet */
    assert_int_equal(record(&q, 0, 2), 0);
    assert_log(&f, "o0s1 o0s2");
    vr_ordered_done(&q, 0); /* 1 and 2 are done: theirs follow, then what 3 holds */
    assert_log(&f, "o0s1 o0s2 o1s1 o2s1 o2s2 o3s1");
    assert_int_equal(record(&q, 3, 2), 0); /* 3 is first in line now: written through */
    assert_log(&f, "o0s1 o0s2 o1s1 o2s1 o2s2 o3s1 o3s2");
    vr_ordered_done(&q, 3);
    for (size_t i = 0; i < 4; i++)
        assert_false(vr_ordered_failed(&q, i, NULL));
    vr_ordered_free(&q);
    outputs_close(&f);
}

typedef struct {
    vr_ordered *q;
    int steps;
    int refused[12]; /* per organization (no cmocka assert off the main thread) */
} threaded_ctx;

static void threaded_org(void *ctx, size_t i)
{
    threaded_ctx *t = ctx;
    unsigned seed = (unsigned)(i * 7919u + 17u);
    for (int k = 1; k <= t->steps; k++) {
        vr_sleep_ms((int64_t)(rand_r(&seed) % 4)); /* finish in some order or other */
        if (record(t->q, i, k) != 0) t->refused[i]++;
    }
    vr_ordered_done(t->q, i);
}

/* Real threads, 12 organizations 5 at once: the log is organization by organization. */
static void test_ordered_threads(void **state)
{
    (void)state;
    outputs_fixture f;
    outputs_open(&f);
    vr_ordered q;
    vr_ordered_init(&q, &f.out, 12);
    threaded_ctx t = {&q, 6, {0}};
    vr_pool_run(12, 5, threaded_org, &t);
    for (size_t i = 0; i < 12; i++)
        assert_int_equal(t.refused[i], 0);
    vr_buf want = VR_BUF_INIT;
    for (size_t i = 0; i < 12; i++)
        for (int k = 1; k <= 6; k++)
            vr_buf_printf(&want, "%so%zus%d", want.len ? " " : "", i, k);
    assert_log(&f, vr_buf_str(&want));
    vr_buf_free(&want);
    vr_ordered_free(&q);
    outputs_close(&f);
}

/* A log that refuses the held records of organization 1 when its turn comes: said for 1. */
static void test_ordered_release_failure(void **state)
{
    (void)state;
    outputs_fixture f;
    outputs_open(&f);
    vr_ordered q;
    vr_ordered_init(&q, &f.out, 2);
    assert_int_equal(record(&q, 1, 1), 0); /* held */
    assert_int_equal(record(&q, 0, 1), 0);
    int ro = open(vr_buf_str(&f.path), O_RDONLY);
    assert_true(ro >= 0);
    close(f.out.audit.fd);
    f.out.audit.fd = ro; /* writes now fail (EBADF) */
    vr_ordered_done(&q, 0);
    vr_error err = VR_ERROR_INIT;
    assert_false(vr_ordered_failed(&q, 0, NULL));
    assert_true(vr_ordered_failed(&q, 1, &err));
    assert_string_equal(err.code, "audit.log");
    vr_ordered_done(&q, 1);
    assert_log(&f, "o0s1");
    vr_ordered_free(&q);
    outputs_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_every_index_once),
        cmocka_unit_test(test_pool_width_one_is_sequential),
        cmocka_unit_test(test_pool_runs_at_once),
        cmocka_unit_test(test_ordered_sequential_order),
        cmocka_unit_test(test_ordered_threads),
        cmocka_unit_test(test_ordered_release_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
