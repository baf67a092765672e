/* test_metrics: Prometheus text format (HELP/TYPE, escaping, values), atomic file, merge with
 * the previous file, and the latency percentiles behind the summaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "vr_latency.h"
#include "vr_metrics.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The line that starts with prefix, or NULL. */
static const char *line_with(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, prefix, n) == 0) return p;
        p = strchr(p, '\n');
        if (p) p++;
    }
    return NULL;
}

/* The value of the sample line that starts with "name{labels} ". */
static double value_of(const char *text, const char *sample)
{
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s ", sample);
    const char *l = line_with(text, vr_buf_str(&b));
    if (!l) {
        fprintf(stderr, "missing sample: %s\n%s", sample, text);
        fail();
    }
    double v = strtod(l + b.len, NULL);
    vr_buf_free(&b);
    return v;
}

static void test_percentiles(void **state)
{
    (void)state;
    vr_latency l = VR_LATENCY_INIT;
    vr_latency_stats st;
    vr_latency_stats_of(&l, VR_PHASE_CREATE, &st);
    assert_int_equal(st.count, 0);
    assert_int_equal(st.p95, 0);

    for (int i = 100; i >= 1; i--) /* added in reverse: stats sort a copy */
        vr_latency_add(&l, VR_PHASE_TOTAL, i);
    vr_latency_add(&l, VR_PHASE_TOTAL, -1); /* not measured: ignored */
    vr_latency_stats_of(&l, VR_PHASE_TOTAL, &st);
    assert_int_equal(st.count, 100);
    assert_int_equal(st.sum, 5050);
    assert_int_equal(st.min, 1);
    assert_int_equal(st.p50, 50);
    assert_int_equal(st.p95, 95);
    assert_int_equal(st.max, 100);
    assert_int_equal(l.phase[VR_PHASE_TOTAL].samples[0], 100); /* order kept */

    int64_t four[] = {40, 10, 30, 20};
    for (int i = 0; i < 4; i++)
        vr_latency_add(&l, VR_PHASE_CREATE, four[i]);
    vr_latency_stats_of(&l, VR_PHASE_CREATE, &st);
    assert_int_equal(st.p50, 20); /* rank ceil(0.5*4) = 2 */
    assert_int_equal(st.p95, 40); /* rank ceil(0.95*4) = 4 */
    assert_int_equal(st.max, 40);

    vr_latency_add(&l, VR_PHASE_CONVERGENCE, 7);
    vr_latency_stats_of(&l, VR_PHASE_CONVERGENCE, &st);
    assert_int_equal(st.p50, 7);
    assert_int_equal(st.p95, 7);
    assert_int_equal(st.max, 7);

    int64_t sorted[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
    assert_int_equal(vr_latency_percentile(sorted, 20, 95), 19);
    assert_int_equal(vr_latency_percentile(sorted, 20, 50), 10);
    assert_int_equal(vr_latency_percentile(sorted, 20, 100), 20);
    assert_int_equal(vr_latency_percentile(sorted, 0, 50), 0);
    assert_string_equal(vr_phase_name(VR_PHASE_CONVERGENCE), "convergence");
    vr_latency_free(&l);
    assert_int_equal(l.phase[0].count, 0);
}

static void test_render(void **state)
{
    (void)state;
    vr_metrics m = VR_METRICS_INIT;
    vr_metrics_declare_standard(&m);
    assert_int_equal(vr_metrics_inc(&m, VR_METRIC_ACTIONS, 1, "org", "o1", "action",
                                    "vni_provisioning", "status", "provisioned", NULL),
                     0);
    assert_int_equal(vr_metrics_inc(&m, VR_METRIC_ACTIONS, 1, "org", "o1", "action",
                                    "vni_provisioning", "status", "provisioned", NULL),
                     0);
    assert_int_equal(vr_metrics_inc(&m, VR_METRIC_ACTIONS, 1, "org", "o1", "action",
                                    "vni_provisioning", "status", "failed", NULL),
                     0);
    assert_int_equal(
        vr_metrics_set(&m, VR_METRIC_DRIFT, 3, "org", "we\"ird\\org\nx", "kind", "missing", NULL),
        0);
    assert_int_equal(
        vr_metrics_set(&m, VR_METRIC_LAST_RUN, 1795514401.5, "org", "o1", "command", "apply", NULL),
        0);
    assert_int_equal(vr_metrics_inc(&m, VR_METRIC_API_CALLS, 5, "status", "200", NULL), 0);
    assert_int_equal(vr_metrics_set(&m, VR_METRIC_API_CALLS, 0.1, "status", "0", NULL), 0);
    /* errors: undeclared family, bad label name, redeclared with another type */
    assert_int_equal(vr_metrics_set(&m, "nope", 1, NULL), -1);
    assert_int_equal(vr_metrics_set(&m, VR_METRIC_DRIFT, 1, "bad-label", "x", NULL), -1);
    assert_int_equal(vr_metrics_declare(&m, VR_METRIC_DRIFT, VR_METRIC_COUNTER, "x"), -1);
    assert_int_equal(vr_metrics_declare(&m, "1bad", VR_METRIC_GAUGE, "x"), -1);
    assert_int_equal(vr_metrics_declare(&m, "odd_values", VR_METRIC_GAUGE, "a\\b\nc"), 0);
    vr_metrics_set(&m, "odd_values", NAN, "k", "nan", NULL);
    vr_metrics_set(&m, "odd_values", INFINITY, "k", "inf", NULL);
    vr_metrics_set(&m, "odd_values", -INFINITY, "k", "-inf", NULL);
    vr_metrics_set(&m, "odd_values", -0.0, "k", "zero", NULL);
    vr_metrics_set(&m, "odd_values", 1e20, "k", "big", NULL);

    vr_latency l = VR_LATENCY_INIT;
    vr_latency_add(&l, VR_PHASE_CREATE, 80);
    vr_latency_add(&l, VR_PHASE_CREATE, 90);
    vr_latency_add(&l, VR_PHASE_TOTAL, 1200);
    assert_int_equal(vr_metrics_add_latency(&m, &l, "o1"), 0);
    vr_latency_free(&l);

    vr_buf out = VR_BUF_INIT;
    assert_int_equal(vr_metrics_render(&m, &out), 0);
    const char *t = vr_buf_str(&out);

    /* HELP and TYPE once per family, before its samples */
    const char *help = line_with(t, "# HELP vni_reconcile_actions_total ");
    const char *type = line_with(t, "# TYPE vni_reconcile_actions_total counter\n");
    const char *sample = line_with(t, "vni_reconcile_actions_total{");
    assert_non_null(help);
    assert_non_null(type);
    assert_non_null(sample);
    assert_true(help < type && type < sample);
    assert_non_null(line_with(t, "# TYPE vni_reconcile_drift_interfaces gauge\n"));
    assert_non_null(line_with(t, "# TYPE vni_reconcile_step_latency_ms summary\n"));
    assert_non_null(line_with(t, "# HELP odd_values a\\\\b\\nc\n"));
    /* families without samples are left out */
    assert_null(strstr(t, "vni_reconcile_webhook_events_total"));

    assert_true(value_of(t, "vni_reconcile_actions_total{org=\"o1\",action=\"vni_provisioning\","
                            "status=\"provisioned\"}") == 2);
    assert_true(value_of(t, "vni_reconcile_actions_total{org=\"o1\",action=\"vni_provisioning\","
                            "status=\"failed\"}") == 1);
    assert_non_null(line_with(
        t, "vni_reconcile_drift_interfaces{org=\"we\\\"ird\\\\org\\nx\",kind=\"missing\"} 3\n"));
    assert_non_null(line_with(t, "vni_reconcile_last_run_timestamp_seconds{org=\"o1\","
                                 "command=\"apply\"} 1795514401.5\n"));
    assert_non_null(line_with(t, "vni_reconcile_api_calls_total{status=\"200\"} 5\n"));
    assert_non_null(line_with(t, "vni_reconcile_api_calls_total{status=\"0\"} 0.1\n"));
    assert_non_null(line_with(t, "odd_values{k=\"nan\"} NaN\n"));
    assert_non_null(line_with(t, "odd_values{k=\"inf\"} +Inf\n"));
    assert_non_null(line_with(t, "odd_values{k=\"-inf\"} -Inf\n"));
    assert_non_null(line_with(t, "odd_values{k=\"zero\"} 0\n"));
    assert_non_null(line_with(t, "odd_values{k=\"big\"} 1e+20\n"));

    assert_true(value_of(t, "vni_reconcile_step_latency_ms{org=\"o1\",phase=\"create\","
                            "quantile=\"0.5\"}") == 80);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms{org=\"o1\",phase=\"create\","
                            "quantile=\"0.95\"}") == 90);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms{org=\"o1\",phase=\"create\","
                            "quantile=\"1\"}") == 90);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_sum{org=\"o1\",phase=\"create\"}") ==
                170);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_count{org=\"o1\",phase=\"create\"}") ==
                2);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_count{org=\"o1\",phase=\"total\"}") ==
                1);
    assert_null(strstr(t, "phase=\"convergence\"")); /* no samples */

    /* every line is a comment or "name{labels} value" with a newline at the end */
    assert_true(out.len > 0 && t[out.len - 1] == '\n');
    for (const char *p = t; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        if (*p != '#') {
            const char *sp = nl;
            while (sp > p && sp[-1] != ' ')
                sp--;
            assert_true(sp > p);
            char *end;
            (void)strtod(sp, &end);
            assert_ptr_equal(end, nl);
        }
        p = nl + 1;
    }
    vr_buf_free(&out);
    vr_metrics_free(&m);
}

static void test_file_and_merge(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("metrics");
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/vni.prom", dir);
    vr_error err = VR_ERROR_INIT;

    /* first run: org a */
    vr_metrics m = VR_METRICS_INIT;
    vr_metrics_declare_standard(&m);
    vr_metrics_inc(&m, VR_METRIC_ACTIONS, 2, "org", "a", "action", "vni_provisioning", "status",
                   "provisioned", NULL);
    vr_metrics_set(&m, VR_METRIC_DRIFT, 1, "org", "a", "kind", "missing", NULL);
    vr_metrics_set(&m, VR_METRIC_DRIFT, 4, "org", "a", "kind", "unmanaged", NULL);
    assert_int_equal(vr_metrics_update_file(&m, vr_buf_str(&path), &err), 0);
    vr_metrics_free(&m);
    struct stat st;
    assert_int_equal(stat(vr_buf_str(&path), &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(st.st_mode & 0777, 0644 & ~mask); /* readable by the collector */

    /* second run: org a again and org b */
    vr_metrics_declare_standard(&m);
    vr_metrics_inc(&m, VR_METRIC_ACTIONS, 1, "org", "a", "action", "vni_provisioning", "status",
                   "provisioned", NULL);
    vr_metrics_inc(&m, VR_METRIC_ACTIONS, 1, "org", "b", "action", "drift_check", "status",
                   "drifted", NULL);
    vr_metrics_set(&m, VR_METRIC_DRIFT, 0, "org", "a", "kind", "missing", NULL);
    assert_int_equal(vr_metrics_update_file(&m, vr_buf_str(&path), &err), 0);
    vr_metrics_free(&m);

    char *text = NULL;
    size_t len = 0;
    assert_int_equal(vr_read_file(vr_buf_str(&path), 1 << 20, &text, &len), 0);
    assert_true(value_of(text, "vni_reconcile_actions_total{org=\"a\",action=\"vni_provisioning\","
                               "status=\"provisioned\"}") == 3);
    assert_true(value_of(text, "vni_reconcile_actions_total{org=\"b\",action=\"drift_check\","
                               "status=\"drifted\"}") == 1);
    assert_true(value_of(text, "vni_reconcile_drift_interfaces{org=\"a\",kind=\"missing\"}") == 0);
    assert_true(value_of(text, "vni_reconcile_drift_interfaces{org=\"a\",kind=\"unmanaged\"}") ==
                4);
    /* each family's HELP appears once */
    const char *first = strstr(text, "# HELP vni_reconcile_actions_total");
    assert_non_null(first);
    assert_null(strstr(first + 1, "# HELP vni_reconcile_actions_total"));
    free(text);

    /* no temporary files left behind; only the file and its lock */
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        assert_true(strcmp(e->d_name, "vni.prom") == 0 || strcmp(e->d_name, "vni.prom.lock") == 0);
        n++;
    }
    closedir(d);
    assert_int_equal(n, 2);

    /* write errors are reported */
    vr_metrics_declare_standard(&m);
    vr_metrics_set(&m, VR_METRIC_DRIFT, 1, "org", "a", "kind", "missing", NULL);
    assert_int_equal(vr_metrics_write_file(&m, "/nonexistent-dir/x.prom", &err), -1);
    assert_string_equal(err.code, "metrics.file");
    vr_metrics_free(&m);
    vr_buf_free(&path);
    vr_test_rm_rf(dir);
    free(dir);
}

/* How many lines of text start with prefix. */
static int lines_with(const char *text, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, prefix, len) == 0) n++;
        p = strchr(p, '\n');
        if (p) p++;
    }
    return n;
}

static char *read_all(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(vr_read_file(path, 1 << 20, &text, &len), 0);
    return text;
}

/* apply --metrics-file F, then drift --metrics-file F: the apply's latency summary stays; a
 * later apply of the same org replaces its series (not duplicated), another org's stays. */
static void test_merge_keeps_summary(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("metrics");
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/vni.prom", dir);
    const char *f = vr_buf_str(&path);
    vr_error err = VR_ERROR_INIT;
    vr_metrics m = VR_METRICS_INIT;
    vr_latency l = VR_LATENCY_INIT;

    /* apply of orgs a and b */
    vr_metrics_declare_standard(&m);
    vr_latency_add(&l, VR_PHASE_CREATE, 80);
    vr_latency_add(&l, VR_PHASE_CREATE, 90);
    vr_latency_add(&l, VR_PHASE_CONVERGENCE, 300);
    vr_latency_add(&l, VR_PHASE_TOTAL, 400);
    assert_int_equal(vr_metrics_add_latency(&m, &l, "a"), 0);
    vr_latency_free(&l);
    vr_latency_add(&l, VR_PHASE_TOTAL, 1000);
    assert_int_equal(vr_metrics_add_latency(&m, &l, "b"), 0);
    vr_latency_free(&l);
    vr_metrics_set(&m, VR_METRIC_LAST_RUN, 100, "org", "a", "command", "apply", NULL);
    vr_metrics_inc(&m, VR_METRIC_API_CALLS, 4, "status", "200", NULL);
    assert_int_equal(vr_metrics_update_file(&m, f, &err), 0);
    vr_metrics_free(&m);

    /* drift of org a: no latency at all */
    vr_metrics_declare_standard(&m);
    vr_metrics_set(&m, VR_METRIC_DRIFT, 1, "org", "a", "kind", "missing", NULL);
    vr_metrics_set(&m, VR_METRIC_LAST_RUN, 200, "org", "a", "command", "drift", NULL);
    vr_metrics_inc(&m, VR_METRIC_API_CALLS, 2, "status", "200", NULL);
    assert_int_equal(vr_metrics_update_file(&m, f, &err), 0);
    vr_metrics_free(&m);

    char *t = read_all(f);
    assert_int_equal(lines_with(t, "# TYPE vni_reconcile_step_latency_ms summary\n"), 1);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms{org=\"a\",phase=\"create\","
                            "quantile=\"0.5\"}") == 80);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms{org=\"a\",phase=\"create\","
                            "quantile=\"0.95\"}") == 90);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms{org=\"a\",phase=\"create\","
                            "quantile=\"1\"}") == 90);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_sum{org=\"a\",phase=\"create\"}") ==
                170);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_count{org=\"a\",phase=\"create\"}") ==
                2);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_sum{org=\"a\",phase=\"convergence\"}") ==
                300);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_count{org=\"b\",phase=\"total\"}") == 1);
    /* 3 phases x 5 samples for a, 1 x 5 for b */
    assert_int_equal(lines_with(t, "vni_reconcile_step_latency_ms"), 20);
    /* the rest as before: gauges per label set, counters summed */
    assert_true(value_of(t, "vni_reconcile_last_run_timestamp_seconds{org=\"a\","
                            "command=\"apply\"}") == 100);
    assert_true(value_of(t, "vni_reconcile_last_run_timestamp_seconds{org=\"a\","
                            "command=\"drift\"}") == 200);
    assert_true(value_of(t, "vni_reconcile_api_calls_total{status=\"200\"}") == 6);
    free(t);

    /* a second apply of org a with only a total: a's total series is replaced, not added to
     * or duplicated; a's other phases and b's series are not this run's: kept */
    vr_metrics_declare_standard(&m);
    vr_latency_add(&l, VR_PHASE_TOTAL, 50);
    vr_latency_add(&l, VR_PHASE_TOTAL, 70);
    assert_int_equal(vr_metrics_add_latency(&m, &l, "a"), 0);
    vr_latency_free(&l);
    assert_int_equal(vr_metrics_update_file(&m, f, &err), 0);
    vr_metrics_free(&m);
    t = read_all(f);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms{org=\"a\",phase=\"total\","
                            "quantile=\"1\"}") == 70);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms{org=\"a\",phase=\"total\","
                            "quantile=\"0.5\"}") == 50);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_sum{org=\"a\",phase=\"total\"}") == 120);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_count{org=\"a\",phase=\"total\"}") == 2);
    assert_int_equal(lines_with(t, "vni_reconcile_step_latency_ms{org=\"a\",phase=\"total\","
                                   "quantile=\"1\"} "),
                     1);
    assert_int_equal(lines_with(t, "vni_reconcile_step_latency_ms_sum{org=\"a\",phase=\"total\"} "),
                     1);
    assert_int_equal(
        lines_with(t, "vni_reconcile_step_latency_ms_count{org=\"a\",phase=\"total\"} "), 1);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_sum{org=\"a\",phase=\"create\"}") ==
                170);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_sum{org=\"b\",phase=\"total\"}") ==
                1000);
    assert_int_equal(lines_with(t, "vni_reconcile_step_latency_ms"), 20);
    assert_int_equal(lines_with(t, "# TYPE vni_reconcile_step_latency_ms summary\n"), 1);
    free(t);

    /* a family this run does not declare at all is carried over from its TYPE line */
    vr_metrics_declare(&m, VR_METRIC_DRIFT, VR_METRIC_GAUGE, "drift");
    vr_metrics_set(&m, VR_METRIC_DRIFT, 0, "org", "a", "kind", "missing", NULL);
    assert_int_equal(vr_metrics_update_file(&m, f, &err), 0);
    vr_metrics_free(&m);
    t = read_all(f);
    assert_true(value_of(t, "vni_reconcile_step_latency_ms_sum{org=\"b\",phase=\"total\"}") ==
                1000);
    assert_int_equal(lines_with(t, "vni_reconcile_step_latency_ms"), 20);
    assert_non_null(line_with(t, "# HELP vni_reconcile_step_latency_ms Latency of apply steps"));
    assert_true(value_of(t, "vni_reconcile_api_calls_total{status=\"200\"}") == 6);
    assert_true(value_of(t, "vni_reconcile_drift_interfaces{org=\"a\",kind=\"missing\"}") == 0);
    free(t);

    vr_buf_free(&path);
    vr_test_rm_rf(dir);
    free(dir);
}

/* The poll schedule learned from convergence intervals (vr_converge_schedule). */
static void check_schedule(const int64_t *plan, size_t n, int64_t latest)
{
    assert_true(n >= 1 && n <= VR_CONVERGE_MAX_POLLS);
    assert_true(plan[0] >= 1);
    for (size_t i = 1; i < n; i++)
        assert_true(plan[i] - plan[i - 1] >= VR_CONVERGE_MIN_GAP_MS);
    assert_int_equal(plan[n - 1], latest); /* every convergence seen is caught */
}

static void test_converge_schedule(void **state)
{
    (void)state;
    vr_converge_history h;
    memset(&h, 0, sizeof(h));
    int64_t plan[VR_CONVERGE_MAX_POLLS];
    assert_int_equal(vr_converge_schedule(&h, plan, VR_CONVERGE_MAX_POLLS), 0); /* nothing */

    /* tables that converge at about the same time: one or two polls, at the latest seen */
    for (int i = 0; i < 10; i++)
        vr_converge_observe(&h, 290 + i % 3, 300 + i % 3);
    size_t n = vr_converge_schedule(&h, plan, VR_CONVERGE_MAX_POLLS);
    check_schedule(plan, n, 302);
    assert_true(n <= 2);

    /* spread evenly from 50 to 800 ms: more polls, the first one early, gaps that shrink
     * (a late poll only serves the tables not caught yet), none past the latest */
    memset(&h, 0, sizeof(h));
    for (int i = 0; i < 16; i++)
        vr_converge_observe(&h, 50 + i * 50, 50 + i * 50 + 50); /* (50,100] ... (800,850] */
    n = vr_converge_schedule(&h, plan, VR_CONVERGE_MAX_POLLS);
    check_schedule(plan, n, 850);
    assert_true(n >= 5);
    assert_true(plan[0] < 250);
    assert_true(plan[1] - plan[0] > plan[n - 1] - plan[n - 2]);
    /* a smaller max gives fewer */
    assert_true(vr_converge_schedule(&h, plan, 3) <= 3);
    check_schedule(plan, vr_converge_schedule(&h, plan, 3), 850);

    /* the newest VR_CONVERGE_HISTORY waits count: one slow outlier is forgotten */
    memset(&h, 0, sizeof(h));
    vr_converge_observe(&h, 4000, 5000);
    for (int i = 0; i < VR_CONVERGE_HISTORY - 1; i++)
        vr_converge_observe(&h, 100, 200);
    assert_int_equal(vr_converge_schedule(&h, plan, VR_CONVERGE_MAX_POLLS) > 0, 1);
    n = vr_converge_schedule(&h, plan, VR_CONVERGE_MAX_POLLS);
    assert_int_equal(plan[n - 1], 5000);
    vr_converge_observe(&h, 100, 200);
    assert_int_equal(h.count, VR_CONVERGE_HISTORY);
    n = vr_converge_schedule(&h, plan, VR_CONVERGE_MAX_POLLS);
    check_schedule(plan, n, 200);
    assert_true(plan[0] > 100);

    /* a first poll that found it converged: the interval starts at 0; odd input is made
     * sane (hi after lo, nothing below 0) */
    memset(&h, 0, sizeof(h));
    vr_converge_observe(&h, -5, 120);
    vr_converge_observe(&h, 300, 300);
    assert_int_equal(h.lo[0], 0);
    assert_int_equal(h.hi[1], 301);
    n = vr_converge_schedule(&h, plan, VR_CONVERGE_MAX_POLLS);
    check_schedule(plan, n, 301);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_converge_schedule),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_file_and_merge),
        cmocka_unit_test(test_merge_keeps_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
