/* test_apply: the apply engine against a scripted server with a virtual clock: the convergence
 * polling schedule (estimate first, geometric backoff, never past the deadline), re-sync when
 * another sync replaced ours, name.duplicate taken over or refused, the probe gate, the active
 * check, the order of steps, stop-on-failure, keep-going, max-creates and the result's counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fake_server.h"
#include "test_support.h"
#include "vr_apply.h"
#include "vr_audit.h"
#include "vr_outputs.h"
#include "vr_render_apply.h"
#include "vr_client.h"
#include "vr_latency.h"
#include "vr_probe.h"
#include "vr_util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNS "/api/v2/organization/privateconnectivity/connections"
#define RT_CORE "/api/v2/architect/networking/routingtables/rt-core"
#define RT_OLD "/api/v2/architect/networking/routingtables/rt-old"
#define JSON_HDR "Content-Type: application/json\nININ-Correlation-Id: "
#define CONN_BODY(id, name, state)                                                                 \
    "{\"id\":\"" id "\",\"name\":\"" name                                                          \
    "\",\"organizationId\":\"org-1\",\"type\":\"ipconnect\","                                      \
    "\"localIp\":\"10.0.1.1\",\"remoteIp\":\"203.0.113.5\",\"subnetCidr\":\"10.0.1.0/24\","        \
    "\"dnsServers\":[\"8.8.8.8\"],\"routingTableId\":\"rt-core\",\"state\":\"" state "\"}"
#define TABLE(hash, state)                                                                         \
    "{\"id\":\"rt-core\",\"name\":\"core\",\"currentHash\":\"" hash "\",\"routeCount\":1,"         \
    "\"state\":\"" state "\"}"

/* ---- the virtual clock ---- */

typedef struct {
    int64_t t;
    int64_t sleeps[256];
    int n;
} vclock;

static int64_t v_now(void *ctx)
{
    return ((vclock *)ctx)->t;
}

static void v_sleep(void *ctx, int64_t ms)
{
    vclock *v = ctx;
    if (v->n < 256) v->sleeps[v->n++] = ms;
    v->t += ms;
}

static int64_t sleeps_sum(const vclock *v)
{
    int64_t s = 0;
    for (int i = 0; i < v->n; i++)
        s += v->sleeps[i];
    return s;
}

/* ---- fixtures ---- */

typedef struct {
    fake_server *fs;
    vr_client *c;
    vr_probe_map map;
    vclock clock;
    vr_apply_opts opts;
    vr_latency lat;
    vr_plan_org_result plan;
    vr_apply_result res;
} fixture;

static void iface_fill(vr_iface *f, const char *name, int octet, const char *table)
{
    char local[32], subnet[32];
    snprintf(local, sizeof(local), "10.0.%d.1", octet);
    snprintf(subnet, sizeof(subnet), "10.0.%d.0/24", octet);
    vr_test_iface(f, "org-1", name, local, "203.0.113.5", subnet, table);
    assert_int_equal(vr_iface_validate(f, NULL, NULL), 0);
}

static void plan_add(vr_plan_org_result *p, vr_action_kind kind, const char *name, int octet,
                     const char *id)
{
    p->actions = vr_xrealloc(p->actions, (p->action_count + 1) * sizeof(*p->actions));
    vr_plan_action *a = &p->actions[p->action_count++];
    memset(a, 0, sizeof(*a));
    a->seq = p->action_count;
    a->kind = kind;
    a->name = vr_strdup(name);
    a->reason = vr_strdup("test");
    iface_fill(&a->iface, name, octet, "rt-core");
    if (id) a->iface.id = vr_strdup(id);
    if (kind == VR_ACTION_CREATE)
        p->create_count++;
    else
        p->delete_count++;
}

/* A replacement of name (octet: its addresses) deleting the live connection old_id of table
 * old_table; the new version is in rt-core. */
static void plan_add_replace(vr_plan_org_result *p, const char *name, int octet, const char *old_id,
                             const char *old_table)
{
    plan_add(p, VR_ACTION_CREATE, name, octet, NULL);
    p->create_count--;
    vr_plan_action *a = &p->actions[p->action_count - 1];
    a->kind = VR_ACTION_REPLACE;
    free(a->reason);
    a->reason = vr_strdup("differs live in remoteIp (--replace-drifted)");
    a->replaces.id = vr_strdup(old_id);
    a->replaces.state = vr_strdup("active");
    a->replaces.routing_table_id = vr_strdup(old_table);
    p->replace_count++;
}

/* An audit log in a temporary file, written through the run's outputs. */
typedef struct {
    char path[64];
    vr_outputs outs;
} audit_file;

static void audit_open(audit_file *a, fixture *f)
{
    snprintf(a->path, sizeof(a->path), "/tmp/vr-apply-audit.XXXXXX");
    int fd = mkstemp(a->path);
    assert_true(fd >= 0);
    close(fd);
    vr_outputs_config cfg = {0};
    cfg.audit_log = a->path;
    cfg.run_id = "11111111-2222-4333-8444-555555555555";
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_outputs_open(&a->outs, &cfg, &err), 0);
    f->opts.record = vr_outputs_apply_record;
    f->opts.record_ctx = &a->outs;
}

static const char *rec_str(const cJSON *rec, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(rec, key);
    return cJSON_IsString(v) ? v->valuestring : "(null)";
}

/* Closes the log and parses its records into out (at most max); lines gets one line
 * "action status id[ replacement]" per record, for comparing whole sequences. Returns how
 * many; records_free() them. */
static size_t audit_records(audit_file *a, cJSON **out, size_t max, vr_buf *lines)
{
    vr_outputs_close(&a->outs);
    char *text = NULL;
    size_t len = 0, n = 0;
    assert_int_equal(vr_read_file(a->path, 1 << 20, &text, &len), 0);
    unlink(a->path);
    for (char *line = text, *nl; line && *line && n < max; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        assert_non_null(nl); /* every record is a whole line */
        *nl = '\0';
        cJSON *rec = out[n++] = cJSON_Parse(line);
        assert_non_null(rec);
        vr_buf_printf(lines, "%s %s %s%s\n", rec_str(rec, "action"), rec_str(rec, "status"),
                      rec_str(rec, "interfaceId"),
                      cJSON_IsTrue(cJSON_GetObjectItem(rec, "replacement")) ? " replacement" : "");
    }
    free(text);
    return n;
}

static void records_free(cJSON **recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(recs[i]);
}

/* The probe of 203.0.113.5 goes to port (the fake server's, or a closed one). */
static fixture *start(const fs_exchange *script, size_t n, int probe_port)
{
    fixture *f = vr_xcalloc(1, sizeof(*f));
    f->fs = fs_start(script, n);
    assert_non_null(f->fs);
    vr_credentials creds = {0};
    creds.access_token = vr_strdup("static-token-for-tests");
    creds.source = vr_strdup("GENESYSCLOUD_ACCESS_TOKEN");
    vr_client_config cfg = {.api_base = f->fs->url, .login_base = f->fs->url, .creds = &creds};
    vr_http_config_init(&cfg.http);
    cfg.http.backoff_base_ms = 1;
    cfg.http.backoff_cap_ms = 2;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_client_new(&f->c, &cfg, &err), 0);
    vr_credentials_clear(&creds);
    char m[64];
    snprintf(m, sizeof(m), "203.0.113.5=127.0.0.1:%d", probe_port ? probe_port : f->fs->port);
    assert_int_equal(vr_probe_map_add(&f->map, m, &err), 0);
    vr_apply_opts_init(&f->opts);
    f->opts.probe_map = &f->map;
    f->opts.probe_timeout_ms = 1000;
    f->opts.latency = &f->lat;
    f->opts.now = v_now;
    f->opts.sleep = v_sleep;
    f->opts.env_ctx = &f->clock;
    f->plan.org_id = vr_strdup("org-1");
    return f;
}

static int run(fixture *f)
{
    return vr_apply_org(&f->res, f->c, &f->plan, NULL, 0, &f->opts);
}

static void finish(fixture *f, bool whole_script)
{
    if (f->fs->unexpected) fprintf(stderr, "fake server: %s\n", f->fs->unexpected_text);
    assert_int_equal(f->fs->unexpected, 0);
    if (whole_script) assert_int_equal(fs_pending(f->fs), 0);
    vr_client_free(f->c);
    fs_stop(f->fs);
    vr_probe_map_free(&f->map);
    vr_latency_free(&f->lat);
    vr_plan_org_result_free(&f->plan);
    vr_apply_result_free(&f->res);
    free(f);
}

/* A loopback port that nothing listens on. */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
    socklen_t len = sizeof(sin);
    getsockname(s, (struct sockaddr *)&sin, &len);
    close(s);
    return ntohs(sin.sin_port);
}

/* ---- the schedule ---- */

static void test_poll_schedule(void **state)
{
    (void)state;
    vr_poll_policy p = {0, 0, 0};
    /* the first poll at the server's estimate, or ~50 ms without one */
    assert_int_equal(vr_apply_poll_delay(&p, 412, 0), 412);
    assert_int_equal(vr_apply_poll_delay(&p, 0, 0), 0);
    assert_int_equal(vr_apply_poll_delay(&p, -1, 0), 50);
    assert_int_equal(vr_apply_poll_delay(NULL, -1, 0), 50);
    /* then geometric from 50 ms by 1.5, capped */
    assert_int_equal(vr_apply_poll_delay(&p, 412, 1), 50);
    assert_int_equal(vr_apply_poll_delay(&p, 412, 2), 75);
    assert_int_equal(vr_apply_poll_delay(&p, 412, 3), 112);
    assert_int_equal(vr_apply_poll_delay(&p, -1, 4), 168);
    assert_int_equal(vr_apply_poll_delay(&p, -1, 30), VR_APPLY_DEFAULT_POLL_MAX_MS);
    vr_poll_policy q = {100, 2.0, 1000};
    assert_int_equal(vr_apply_poll_delay(&q, -1, 0), 100);
    assert_int_equal(vr_apply_poll_delay(&q, -1, 2), 200);
    assert_int_equal(vr_apply_poll_delay(&q, -1, 4), 800);
    assert_int_equal(vr_apply_poll_delay(&q, -1, 5), 1000);
    /* every wait is positive and never above the cap */
    for (int n = 1; n < 100; n++) {
        int64_t d = vr_apply_poll_delay(&p, -1, n);
        assert_true(d >= 50 && d <= VR_APPLY_DEFAULT_POLL_MAX_MS);
        assert_true(d >= vr_apply_poll_delay(&p, -1, n - 1) || n == 1);
    }
}

/* ---- one create, end to end ---- */

static void test_create_converges(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"POST", CONNS, NULL, 201, JSON_HDR "c-create", CONN_BODY("id-1", "u-01", "provisioning"),
         0, 0, 0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c-sync",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E1\",\"estimatedConvergenceMs\":300}",
         0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c-poll1", TABLE("A0", "syncing"), 0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c-poll2", TABLE("E1", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-1", NULL, 200, JSON_HDR "c-get", CONN_BODY("id-1", "u-01", "active"), 0,
         0, 0},
    };
    fixture *f = start(script, 5, 0);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    char path[] = "/tmp/vr-apply-audit.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    vr_outputs outs;
    vr_outputs_config cfg = {0};
    cfg.audit_log = path;
    cfg.run_id = "11111111-2222-4333-8444-555555555555";
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_outputs_open(&outs, &cfg, &err), 0);
    f->opts.record = vr_outputs_apply_record;
    f->opts.record_ctx = &outs;

    assert_int_equal(run(f), 0);
    const vr_apply_step *s = &f->res.steps[0];
    assert_int_equal(f->res.step_count, 1);
    assert_int_equal(s->status, VR_STEP_DONE);
    assert_string_equal(s->id, "id-1");
    assert_int_equal(f->res.created, 1);
    assert_int_equal(f->res.done, 1);
    /* first poll at the estimate, the second 50 ms later: two polls */
    assert_int_equal(f->clock.n, 2);
    assert_int_equal(f->clock.sleeps[0], 300);
    assert_int_equal(f->clock.sleeps[1], 50);
    assert_int_equal(s->polls, 2);
    assert_int_equal(s->syncs, 1);
    assert_int_equal(s->estimated_ms, 300);
    assert_int_equal(s->convergence_ms, 350);
    assert_int_equal(s->total_ms, 350);
    assert_int_equal(s->correlation_count, 5);
    assert_string_equal(s->correlation_ids[0], "c-create");
    assert_string_equal(s->correlation_ids[4], "c-get");
    assert_string_equal(s->probe_detail, "reachable");
    vr_latency_stats st;
    vr_latency_stats_of(&f->lat, VR_PHASE_CONVERGENCE, &st);
    assert_int_equal(st.count, 1);
    assert_int_equal(st.max, 350);

    /* the audit record: provisioned, the id, the latencies, the correlation ids */
    vr_outputs_close(&outs);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(vr_read_file(path, 1 << 20, &text, &len), 0);
    unlink(path);
    /* Three records: the intent before the create (started), the routing_sync of the step,
     * then the step's own. */
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    *nl = '\0';
    cJSON *started = cJSON_Parse(text);
    assert_non_null(started);
    assert_string_equal(cJSON_GetObjectItem(started, "action")->valuestring, "vni_provisioning");
    assert_string_equal(cJSON_GetObjectItem(started, "status")->valuestring, "started");
    assert_string_equal(cJSON_GetObjectItem(started, "interfaceName")->valuestring, "u-01");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(started, "interfaceId"))); /* not created yet */
    assert_true(
        cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(started, "latencyMs"), "total")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(started, "correlationIds")), 0);
    assert_null(cJSON_GetObjectItem(started, "replacement"));
    cJSON_Delete(started);
    char *second = nl + 1;
    nl = strchr(second, '\n');
    assert_non_null(nl);
    *nl = '\0';
    cJSON *sync = cJSON_Parse(second);
    assert_non_null(sync);
    assert_string_equal(cJSON_GetObjectItem(sync, "action")->valuestring, "routing_sync");
    assert_string_equal(cJSON_GetObjectItem(sync, "status")->valuestring, "provisioned");
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(sync, "latencyMs"), "convergence")->valueint, 350);
    cJSON_Delete(sync);
    assert_string_equal(nl + 1 + strlen(nl + 1) - 1, "\n");
    cJSON *j = cJSON_Parse(nl + 1);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring, "provisioned");
    assert_string_equal(cJSON_GetObjectItem(j, "action")->valuestring, "vni_provisioning");
    assert_string_equal(cJSON_GetObjectItem(j, "interfaceId")->valuestring, "id-1");
    assert_string_equal(cJSON_GetObjectItem(j, "runId")->valuestring, cfg.run_id);
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "latencyMs"), "convergence")->valueint, 350);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "correlationIds")), 5);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "error")));
    cJSON_Delete(j);
    free(text);
    finish(f, true);
}

/* A table that never converges: the waits add up to the timeout exactly, the last one cut to
 * what is left, then the step fails and the next one is not attempted. */
static void test_converge_timeout(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"POST", CONNS, NULL, 201, JSON_HDR "c1", CONN_BODY("id-1", "u-01", "provisioning"), 0, 0,
         0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E1\",\"estimatedConvergenceMs\":300}",
         0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c3", TABLE("A0", "syncing"), 0, 0, 100},
    };
    fixture *f = start(script, 3, 0);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-02", 2, NULL);
    f->opts.converge_timeout_ms = 1000;
    assert_int_equal(run(f), -1);
    const vr_apply_step *s = &f->res.steps[0];
    assert_int_equal(s->status, VR_STEP_FAILED);
    assert_string_equal(s->error.code, "converge.timeout");
    assert_non_null(strstr(s->error.message, "routing table rt-core did not converge within 1 s"));
    assert_string_equal(s->id, "id-1"); /* created: the record keeps its id */
    /* 300 (estimate), 50, 75, 112, 168, 253, then the 42 ms left: 7 polls, 1000 ms */
    int64_t want[] = {300, 50, 75, 112, 168, 253, 42};
    assert_int_equal(f->clock.n, 7);
    for (int i = 0; i < 7; i++)
        assert_int_equal(f->clock.sleeps[i], want[i]);
    assert_int_equal(sleeps_sum(&f->clock), 1000);
    assert_int_equal(s->polls, 7);
    assert_int_equal(f->res.steps[1].status, VR_STEP_SKIPPED);
    assert_non_null(strstr(f->res.steps[1].note, "an earlier step failed"));
    assert_int_equal(f->res.failed, 1);
    assert_int_equal(f->res.skipped, 1);
    assert_int_equal(f->res.created, 0);
    vr_buf b = VR_BUF_INIT;
    vr_render_apply_summary(&b, &f->res);
    assert_string_equal(vr_buf_str(&b), "0 created, 0 deleted, 1 failed, 1 not attempted");
    vr_buf_free(&b);
    finish(f, false);
}

/* The table converged to another hash (another sync replaced ours): one re-sync. */
static void test_resync_when_replaced(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"POST", CONNS, NULL, 201, JSON_HDR "c1", CONN_BODY("id-1", "u-01", "provisioning"), 0, 0,
         0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E1\"}", 0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c3", TABLE("X9", "converged"), 0, 0, 0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c4",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E2\",\"estimatedConvergenceMs\":20}",
         0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c5", TABLE("E2", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-1", NULL, 200, JSON_HDR "c6", CONN_BODY("id-1", "u-01", "active"), 0, 0,
         0},
    };
    fixture *f = start(script, 6, 0);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    assert_int_equal(run(f), 0);
    const vr_apply_step *s = &f->res.steps[0];
    assert_int_equal(s->status, VR_STEP_DONE);
    assert_int_equal(s->syncs, 2);
    assert_int_equal(s->polls, 2);
    /* no estimate: 50 ms; after the re-sync its estimate, 20 ms */
    assert_int_equal(f->clock.n, 2);
    assert_int_equal(f->clock.sleeps[0], 50);
    assert_int_equal(f->clock.sleeps[1], 20);
    finish(f, true);
}

/* Without estimates the run learns where its tables converge: the first wait (nothing learned)
 * backs off from 50 ms; it saw its table syncing at 175 ms and converged at 287 ms, so the
 * second wait polls inside (175, 287]: at 222 ms first, the first of the times that minimise
 * the expected wait past convergence plus 12 ms a poll for a convergence time spread evenly
 * over that interval (vr_converge_schedule; the old rule polled at 175, still syncing). */
static void test_learns_without_estimate(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"POST", CONNS, NULL, 201, JSON_HDR "c1", CONN_BODY("id-1", "u-01", "provisioning"), 0, 0,
         0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E1\"}", 0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c3", TABLE("A0", "syncing"), 0, 0, 3},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c4", TABLE("E1", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-1", NULL, 200, JSON_HDR "c5", CONN_BODY("id-1", "u-01", "active"), 0, 0,
         0},
        {"POST", CONNS, NULL, 201, JSON_HDR "d1", CONN_BODY("id-2", "u-02", "provisioning"), 0, 0,
         0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "d2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E2\"}", 0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "d3", TABLE("E2", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-2", NULL, 200, JSON_HDR "d4", CONN_BODY("id-2", "u-02", "active"), 0, 0,
         0},
    };
    fixture *f = start(script, 9, 0);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-02", 2, NULL);
    assert_int_equal(run(f), 0);
    /* first wait: 50, 50, 75, 112 (syncing at 50, 100, 175; converged at 287) */
    assert_int_equal(f->res.steps[0].polls, 4);
    assert_int_equal(f->res.steps[0].convergence_ms, 287);
    /* second wait: first poll at 222, converged */
    assert_int_equal(f->res.steps[1].polls, 1);
    assert_int_equal(f->clock.n, 5);
    assert_int_equal(f->clock.sleeps[4], 222);
    vr_converge_history h = {0};
    vr_converge_observe(&h, 175, 287);
    int64_t plan[VR_CONVERGE_MAX_POLLS];
    assert_int_equal(vr_converge_schedule(&h, plan, VR_CONVERGE_MAX_POLLS), 3);
    assert_int_equal(plan[0], 222);
    assert_int_equal(plan[1], 255);
    assert_int_equal(plan[2], 287);
    finish(f, true);
}

/* Provisioning right after convergence: polled briefly until active. */
static void test_active_after_a_moment(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"POST", CONNS, NULL, 201, JSON_HDR "c1", CONN_BODY("id-1", "u-01", "provisioning"), 0, 0,
         0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E1\",\"estimatedConvergenceMs\":10}",
         0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c3", TABLE("E1", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-1", NULL, 200, JSON_HDR "c4", CONN_BODY("id-1", "u-01", "provisioning"),
         0, 0, 2},
        {"GET", CONNS "/id-1", NULL, 200, JSON_HDR "c5", CONN_BODY("id-1", "u-01", "active"), 0, 0,
         0},
    };
    fixture *f = start(script, 5, 0);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    assert_int_equal(run(f), 0);
    assert_int_equal(f->res.steps[0].status, VR_STEP_DONE);
    finish(f, true);
}

/* 409 name.duplicate (a lost response): the connection of that name matches, taken as created;
 * it is already active, so nothing else is needed. */
static void test_duplicate_taken_over(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"POST", CONNS, NULL, 409, JSON_HDR "c1",
         "{\"message\":\"a connection named u-01 "
         "exists\",\"code\":\"name.duplicate\",\"status\":409}",
         0, 0, 0},
        {"GET", CONNS, NULL, 200, JSON_HDR "c2",
         "{\"entities\":[" CONN_BODY("id-7", "u-01",
                                     "active") "],\"pageSize\":200,\"pageNumber\":1,"
                                               "\"total\":1,\"pageCount\":1}",
         0, 0, 0},
    };
    fixture *f = start(script, 2, 0);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    assert_int_equal(run(f), 0);
    const vr_apply_step *s = &f->res.steps[0];
    assert_int_equal(s->status, VR_STEP_DONE);
    assert_true(s->adopted);
    assert_string_equal(s->id, "id-7");
    assert_int_equal(s->syncs, 0);
    assert_int_equal(f->res.created, 1);
    assert_int_equal(f->res.adopted, 1);
    finish(f, true);
}

/* 409 name.duplicate and the live one differs: not taken, a clear drift message. */
static void test_duplicate_that_differs(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"POST", CONNS, NULL, 409, JSON_HDR "c1",
         "{\"message\":\"a connection named u-02 "
         "exists\",\"code\":\"name.duplicate\",\"status\":409}",
         0, 0, 0},
        {"GET", CONNS, NULL, 200, JSON_HDR "c2",
         "{\"entities\":[" CONN_BODY("id-8", "u-02", "active") "],\"total\":1,\"pageCount\":1}", 0,
         0, 0},
    };
    fixture *f = start(script, 2, 0);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-02", 2, NULL); /* 10.0.2.x, live has 10.0.1.x */
    assert_int_equal(run(f), -1);
    const vr_apply_step *s = &f->res.steps[0];
    assert_int_equal(s->status, VR_STEP_FAILED);
    assert_string_equal(s->error.code, "name.duplicate");
    assert_non_null(strstr(s->error.message, "differs from the inventory"));
    assert_non_null(strstr(s->error.message, "localIp: want 10.0.2.1, live 10.0.1.1"));
    assert_false(s->adopted);
    finish(f, true);
}

/* An unreachable gateway: nothing sent to the platform; --keep-going goes on to the next. */
static void test_probe_gate_and_keep_going(void **state)
{
    (void)state;
    fixture *f = start(NULL, 0, closed_port());
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-02", 2, NULL);
    f->opts.keep_going = true;
    assert_int_equal(run(f), -1);
    assert_int_equal(f->res.steps[0].status, VR_STEP_FAILED);
    assert_int_equal(f->res.steps[1].status, VR_STEP_FAILED); /* attempted: keep going */
    assert_string_equal(f->res.steps[0].error.code, "gateway.unreachable");
    assert_non_null(strstr(f->res.steps[0].error.message, "connection refused"));
    assert_null(f->res.steps[0].id);
    assert_int_equal(f->res.steps[0].create_ms, VR_AUDIT_MS_NONE);
    assert_int_equal(fs_request_count(f->fs), 0);
    assert_int_equal(f->res.failed, 2);
    finish(f, true);
}

/* Deletes first (404 is already gone), then named connections left provisioning, then creates;
 * max-creates skips the rest with a note, and that is not a failure. */
static void test_order_and_max_creates(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"DELETE", CONNS "/id-old", NULL, 404, JSON_HDR "d1",
         "{\"message\":\"not found\",\"code\":\"not.found\",\"status\":404}", 0, 0, 0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "d2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E1\",\"estimatedConvergenceMs\":5}", 0,
         0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "d3", TABLE("E1", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-prov", NULL, 200, JSON_HDR "a1",
         CONN_BODY("id-prov", "u-09", "provisioning"), 0, 0, 0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "a2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E2\",\"estimatedConvergenceMs\":5}", 0,
         0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "a3", TABLE("E2", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-prov", NULL, 200, JSON_HDR "a4", CONN_BODY("id-prov", "u-09", "active"),
         0, 0, 0},
        {"POST", CONNS, NULL, 201, JSON_HDR "c1", CONN_BODY("id-1", "u-01", "provisioning"), 0, 0,
         0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E3\",\"estimatedConvergenceMs\":5}", 0,
         0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c3", TABLE("E3", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-1", NULL, 200, JSON_HDR "c4", CONN_BODY("id-1", "u-01", "active"), 0, 0,
         0},
    };
    fixture *f = start(script, 11, 0);
    plan_add(&f->plan, VR_ACTION_DELETE, "old-01", 7, "id-old");
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-02", 2, NULL);
    /* u-09 is named by the inventory (unchanged) and left provisioning live; x-01 is not named */
    f->plan.unchanged = vr_xcalloc(1, sizeof(*f->plan.unchanged));
    f->plan.unchanged[0].name = vr_strdup("u-09");
    f->plan.unchanged[0].id = vr_strdup("id-prov");
    f->plan.unchanged_count = 1;
    vr_iface live[2];
    iface_fill(&live[0], "u-09", 9, "rt-core");
    live[0].id = vr_strdup("id-prov");
    live[0].state = vr_strdup("provisioning");
    iface_fill(&live[1], "x-01", 10, "rt-core");
    live[1].id = vr_strdup("id-x");
    live[1].state = vr_strdup("provisioning");
    f->opts.max_creates = 1;

    assert_int_equal(vr_apply_org(&f->res, f->c, &f->plan, live, 2, &f->opts), 0);
    assert_int_equal(f->res.step_count, 4);
    const char *names[] = {"old-01", "u-09", "u-01", "u-02"};
    vr_step_kind kinds[] = {VR_STEP_DELETE, VR_STEP_ACTIVATE, VR_STEP_CREATE, VR_STEP_CREATE};
    vr_step_status sts[] = {VR_STEP_DONE, VR_STEP_DONE, VR_STEP_DONE, VR_STEP_SKIPPED};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(f->res.steps[i].name, names[i]);
        assert_int_equal(f->res.steps[i].kind, kinds[i]);
        assert_int_equal(f->res.steps[i].status, sts[i]);
        assert_int_equal(f->res.steps[i].seq, (size_t)i + 1);
    }
    assert_true(f->res.steps[0].already_gone);
    assert_non_null(strstr(f->res.steps[3].note, "over --max-creates 1"));
    assert_int_equal(f->res.deleted, 1);
    assert_int_equal(f->res.activated, 1);
    assert_int_equal(f->res.created, 1);
    assert_int_equal(f->res.skipped, 1);
    assert_int_equal(f->res.failed, 0);
    vr_buf b = VR_BUF_INIT;
    vr_render_apply_summary(&b, &f->res);
    assert_string_equal(vr_buf_str(&b),
                        "1 created, 1 deleted, 0 failed, 1 not attempted, 1 activated");
    vr_buf_free(&b);
    cJSON *j = vr_render_apply_result_json(&f->res);
    cJSON *steps = cJSON_GetObjectItem(j, "steps");
    assert_int_equal(cJSON_GetArraySize(steps), 4);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(steps, 3), "status")->valuestring,
                        "not attempted");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(steps, 1), "action")->valuestring,
                        "activate");
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "counts"), "notAttempted")->valueint, 1);
    cJSON_Delete(j);
    vr_iface_clear(&live[0]);
    vr_iface_clear(&live[1]);
    finish(f, true);
}

/* The run's deadline is checked before each step: a step begun before it is finished (its
 * convergence wait goes past the deadline), the steps after it are not attempted, and the run
 * says it timed out. */
static void test_run_deadline_stops_before_the_next_step(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"POST", CONNS, NULL, 201, JSON_HDR "c1", CONN_BODY("id-1", "u-01", "provisioning"), 0, 0,
         0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E1\",\"estimatedConvergenceMs\":300}",
         0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c3", TABLE("E1", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-1", NULL, 200, JSON_HDR "c4", CONN_BODY("id-1", "u-01", "active"), 0, 0,
         0},
    };
    fixture *f = start(script, 4, 0);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-02", 2, NULL);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-03", 3, NULL);
    f->clock.t = 1000;
    f->opts.run_deadline_ms = 1200; /* passes during the first step's 300 ms wait */

    assert_int_equal(run(f), -1);
    assert_true(f->res.timed_out);
    assert_int_equal(f->res.steps[0].status, VR_STEP_DONE);
    assert_int_equal(f->res.steps[1].status, VR_STEP_SKIPPED);
    assert_int_equal(f->res.steps[2].status, VR_STEP_SKIPPED);
    assert_non_null(strstr(f->res.steps[1].note, "--timeout"));
    assert_int_equal(f->res.created, 1);
    assert_int_equal(f->res.failed, 0);
    assert_int_equal(f->res.skipped, 2);
    cJSON *j = vr_render_apply_result_json(&f->res);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "timedOut")));
    cJSON_Delete(j);
    finish(f, true);

    /* a deadline not reached changes nothing */
    f = start(script, 4, 0);
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    f->opts.run_deadline_ms = 60000;
    assert_int_equal(run(f), 0);
    assert_false(f->res.timed_out);
    assert_int_equal(f->res.created, 1);
    finish(f, true);
}

/* ---- replacement ---- */

/* A replacement that moves to another routing table: probe, delete, sync the OLD table and
 * converge, record the deletion, create, sync the NEW table and converge, active; both
 * records say "replacement": true, each with the correlation ids of its half. */
static void test_replace_moves_table(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"DELETE", CONNS "/id-old", NULL, 204, JSON_HDR "d1", NULL, 0, 0, 0},
        {"POST", RT_OLD "/sync", NULL, 202, JSON_HDR "d2",
         "{\"routingTableId\":\"rt-old\",\"expectedHash\":\"D1\",\"estimatedConvergenceMs\":20}", 0,
         0, 0},
        {"GET", RT_OLD, NULL, 200, JSON_HDR "d3",
         "{\"id\":\"rt-old\",\"currentHash\":\"D1\",\"state\":\"converged\"}", 0, 0, 0},
        {"POST", CONNS, NULL, 201, JSON_HDR "c1", CONN_BODY("id-new", "u-01", "provisioning"), 0, 0,
         0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E1\",\"estimatedConvergenceMs\":30}",
         0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c3", TABLE("E1", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-new", NULL, 200, JSON_HDR "c4", CONN_BODY("id-new", "u-01", "active"), 0,
         0, 0},
    };
    fixture *f = start(script, 7, 0);
    plan_add_replace(&f->plan, "u-01", 1, "id-old", "rt-old");
    audit_file af;
    audit_open(&af, f);
    assert_int_equal(run(f), 0);
    assert_int_equal(f->res.step_count, 1);
    const vr_apply_step *s = &f->res.steps[0];
    assert_int_equal(s->kind, VR_STEP_REPLACE);
    assert_string_equal(vr_step_kind_name(s->kind), "replace");
    assert_int_equal(s->status, VR_STEP_DONE);
    assert_string_equal(s->id, "id-new");
    assert_string_equal(s->replaced_id, "id-old");
    assert_true(s->replaced_deleted);
    assert_true(s->deletion_recorded);
    assert_false(s->left_missing);
    assert_int_equal(s->syncs, 2); /* both tables */
    assert_int_equal(s->delete_convergence_ms, 20);
    assert_int_equal(s->convergence_ms, 30);
    assert_non_null(strstr(s->note, "replaced connection id-old: differs live in remoteIp"));
    assert_int_equal(f->res.replaced, 1);
    assert_int_equal(f->res.created, 0);
    assert_int_equal(f->res.deleted, 0);
    vr_buf b = VR_BUF_INIT;
    vr_render_apply_summary(&b, &f->res);
    assert_string_equal(vr_buf_str(&b),
                        "0 created, 0 deleted, 1 replaced, 0 failed, 0 not attempted");
    vr_buf_reset(&b);

    cJSON *recs[8];
    size_t n = audit_records(&af, recs, 8, &b);
    /* an intent record (started) before the delete and before the create */
    assert_string_equal(vr_buf_str(&b), "vni_deletion started id-old replacement\n"
                                        "routing_sync deleted id-old\n"
                                        "vni_deletion deleted id-old replacement\n"
                                        "vni_provisioning started (null) replacement\n"
                                        "routing_sync provisioned id-new\n"
                                        "vni_provisioning provisioned id-new replacement\n");
    assert_int_equal(n, 6);
    /* the deletion's calls, then the creation's */
    cJSON *ids = cJSON_GetObjectItem(recs[2], "correlationIds");
    assert_int_equal(cJSON_GetArraySize(ids), 3);
    assert_string_equal(cJSON_GetArrayItem(ids, 0)->valuestring, "d1");
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(recs[2], "latencyMs"), "convergence")->valueint,
        20);
    ids = cJSON_GetObjectItem(recs[5], "correlationIds");
    assert_int_equal(cJSON_GetArraySize(ids), 4);
    assert_string_equal(cJSON_GetArrayItem(ids, 0)->valuestring, "c1");
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(recs[5], "latencyMs"), "convergence")->valueint,
        30);
    assert_null(cJSON_GetObjectItem(recs[1], "replacement"));
    records_free(recs, n);
    vr_buf_free(&b);

    cJSON *j = vr_render_apply_result_json(&f->res);
    cJSON *st = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "steps"), 0);
    assert_string_equal(cJSON_GetObjectItem(st, "action")->valuestring, "replace");
    assert_string_equal(cJSON_GetObjectItem(st, "reason")->valuestring,
                        "differs live in remoteIp (--replace-drifted)");
    cJSON *rp = cJSON_GetObjectItem(st, "replaces");
    assert_string_equal(cJSON_GetObjectItem(rp, "id")->valuestring, "id-old");
    assert_string_equal(cJSON_GetObjectItem(rp, "routingTableId")->valuestring, "rt-old");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(rp, "deleted")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(rp, "leftMissing")));
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "counts"), "replaced")->valueint,
                     1);
    cJSON_Delete(j);
    finish(f, true);
}

/* The create fails after the delete: the step fails loudly (the interface is missing, and
 * the next run creates it), its deletion stays on record, the next step is not attempted. */
static void test_replace_create_fails_after_delete(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"DELETE", CONNS "/id-old", NULL, 204, JSON_HDR "d1", NULL, 0, 0, 0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "d2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"D1\",\"estimatedConvergenceMs\":5}", 0,
         0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "d3", TABLE("D1", "converged"), 0, 0, 0},
        {"POST", CONNS, NULL, 409, JSON_HDR "c1",
         "{\"message\":\"localIp 10.0.1.1 is allocated\",\"code\":\"ip.allocated\",\"status\":409}",
         0, 0, 0},
    };
    fixture *f = start(script, 4, 0);
    plan_add_replace(&f->plan, "u-01", 1, "id-old", "rt-core");
    plan_add(&f->plan, VR_ACTION_CREATE, "u-02", 2, NULL);
    audit_file af;
    audit_open(&af, f);
    assert_int_equal(run(f), -1);
    const vr_apply_step *s = &f->res.steps[0];
    assert_int_equal(s->status, VR_STEP_FAILED);
    assert_true(s->replaced_deleted);
    assert_true(s->left_missing);
    assert_null(s->id);
    assert_string_equal(s->error.code, "ip.allocated");
    assert_int_equal(s->error.http_status, 409);
    assert_non_null(strstr(s->error.message, "u-01 is missing live: its old connection id-old was "
                                             "deleted to replace it, and the new one was not "
                                             "created: "));
    assert_non_null(strstr(s->error.message, "allocated"));
    assert_non_null(strstr(s->error.remedy, "the next run creates it"));
    vr_audit_status del, prov;
    vr_outputs_replace_statuses(s, &del, &prov);
    assert_int_equal(del, VR_AUDIT_DELETED);
    assert_int_equal(prov, VR_AUDIT_FAILED);
    assert_int_equal(f->res.steps[1].status, VR_STEP_SKIPPED);
    assert_int_equal(f->res.failed, 1);

    cJSON *recs[8];
    vr_buf b = VR_BUF_INIT;
    size_t n = audit_records(&af, recs, 8, &b);
    assert_string_equal(vr_buf_str(&b), "vni_deletion started id-old replacement\n"
                                        "routing_sync deleted id-old\n"
                                        "vni_deletion deleted id-old replacement\n"
                                        "vni_provisioning started (null) replacement\n"
                                        "vni_provisioning failed (null) replacement\n"
                                        "vni_provisioning skipped (null)\n");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(recs[4], "error"), "code")->valuestring,
        "ip.allocated");
    records_free(recs, n);
    vr_buf_free(&b);
    finish(f, true);
}

/* An unreachable gateway stops a replacement before anything is deleted (no request at all),
 * and the run with it; a replacement not attempted writes both records, skipped. */
static void test_replace_probe_gate(void **state)
{
    (void)state;
    fixture *f = start(NULL, 0, closed_port());
    plan_add_replace(&f->plan, "u-01", 1, "id-1", "rt-core");
    plan_add_replace(&f->plan, "u-02", 2, "id-2", "rt-core");
    audit_file af;
    audit_open(&af, f);
    assert_int_equal(run(f), -1);
    const vr_apply_step *s = &f->res.steps[0];
    assert_int_equal(s->status, VR_STEP_FAILED);
    assert_string_equal(s->error.code, "gateway.unreachable");
    assert_non_null(strstr(s->error.remedy, "nothing was deleted (its old connection stays)"));
    assert_false(s->replaced_deleted);
    assert_false(s->left_missing);
    assert_int_equal(fs_request_count(f->fs), 0);
    assert_int_equal(f->res.steps[1].status, VR_STEP_SKIPPED);
    vr_audit_status del, prov;
    vr_outputs_replace_statuses(s, &del, &prov);
    assert_int_equal(del, VR_AUDIT_FAILED);
    assert_int_equal(prov, VR_AUDIT_SKIPPED);
    vr_outputs_replace_statuses(&f->res.steps[1], &del, &prov);
    assert_int_equal(del, VR_AUDIT_SKIPPED);
    assert_int_equal(prov, VR_AUDIT_SKIPPED);

    cJSON *recs[8];
    vr_buf b = VR_BUF_INIT;
    size_t n = audit_records(&af, recs, 8, &b);
    assert_string_equal(vr_buf_str(&b), "vni_deletion failed id-1 replacement\n"
                                        "vni_provisioning skipped (null) replacement\n"
                                        "vni_deletion skipped id-2 replacement\n"
                                        "vni_provisioning skipped (null) replacement\n");
    records_free(recs, n);
    vr_buf_free(&b);
    finish(f, true);
}

/* ---- the crash trail: intent records ---- */

/* A delete of id-old (sync, converged), then a create of u-01 as id-1 (sync, converged,
 * active): a delete step and a create step, or a replacement of u-01. */
static const fs_exchange delete_then_create[] = {
    {"DELETE", CONNS "/id-old", NULL, 204, JSON_HDR "d1", NULL, 0, 0, 0},
    {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "d2",
     "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E1\",\"estimatedConvergenceMs\":5}", 0, 0,
     0},
    {"GET", RT_CORE, NULL, 200, JSON_HDR "d3", TABLE("E1", "converged"), 0, 0, 0},
    {"POST", CONNS, NULL, 201, JSON_HDR "c1", CONN_BODY("id-1", "u-01", "provisioning"), 0, 0, 0},
    {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c2",
     "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E2\",\"estimatedConvergenceMs\":5}", 0, 0,
     0},
    {"GET", RT_CORE, NULL, 200, JSON_HDR "c3", TABLE("E2", "converged"), 0, 0, 0},
    {"GET", CONNS "/id-1", NULL, 200, JSON_HDR "c4", CONN_BODY("id-1", "u-01", "active"), 0, 0, 0},
};

/* A recorder that notes each record with how many requests the server had seen by then, and
 * refuses intents when told to (an audit log out of disk). */
typedef struct {
    fixture *f;
    vr_buf log;
    bool refuse_intents;
    bool refuse_after_delete; /* refuse only intents of steps whose delete was done */
} spy;

static int spy_record(void *ctx, const vr_apply_record *rec, vr_error *err)
{
    spy *sp = ctx;
    const vr_apply_step *s = rec->step;
    size_t seen = fs_request_count(sp->f->fs);
    if (rec->phase == VR_APPLY_RECORD_INTENT) {
        vr_buf_printf(&sp->log, "intent %s %s at %zu\n", rec->intent_delete ? "delete" : "create",
                      s->name, seen);
        if (sp->refuse_intents || (sp->refuse_after_delete && s->replaced_deleted)) {
            vr_error_set(err, "audit.log", "audit log: No space left on device");
            return -1;
        }
        return 0;
    }
    vr_buf_printf(&sp->log, "%s %s %s at %zu\n",
                  rec->phase == VR_APPLY_RECORD_REPLACED ? "deleted" : "end", s->name,
                  vr_step_status_name(s->status), seen);
    return 0;
}

/* An intent is handed over before each create and delete is sent (the server has not seen the
 * call yet), for a delete with the id it deletes, and the outcome after. */
static void test_intent_before_each_change(void **state)
{
    (void)state;
    fixture *f = start(delete_then_create, 7, 0);
    plan_add(&f->plan, VR_ACTION_DELETE, "old-01", 7, "id-old");
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    spy sp = {f, VR_BUF_INIT, false, false};
    f->opts.record = spy_record;
    f->opts.record_ctx = &sp;
    assert_int_equal(run(f), 0);
    assert_string_equal(vr_buf_str(&sp.log), "intent delete old-01 at 0\n"
                                             "end old-01 done at 3\n"
                                             "intent create u-01 at 3\n"
                                             "end u-01 done at 7\n");
    vr_buf_free(&sp.log);

    /* the same run through the audit log: started, then the outcome, per change */
    finish(f, true);
    f = start(delete_then_create, 7, 0);
    plan_add(&f->plan, VR_ACTION_DELETE, "old-01", 7, "id-old");
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    audit_file af;
    audit_open(&af, f);
    assert_int_equal(run(f), 0);
    cJSON *recs[8];
    vr_buf b = VR_BUF_INIT;
    size_t n = audit_records(&af, recs, 8, &b);
    assert_string_equal(vr_buf_str(&b), "vni_deletion started id-old\n"
                                        "routing_sync deleted id-old\n"
                                        "vni_deletion deleted id-old\n"
                                        "vni_provisioning started (null)\n"
                                        "routing_sync provisioned id-1\n"
                                        "vni_provisioning provisioned id-1\n");
    assert_string_equal(rec_str(recs[3], "interfaceName"), "u-01");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(recs[3], "error")));
    records_free(recs, n);
    vr_buf_free(&b);
    finish(f, true);
}

/* An intent that cannot be kept (the audit log is full): nothing is sent for that step, it
 * fails with the audit log's error, and the run stops there. */
static void test_intent_refused_sends_nothing(void **state)
{
    (void)state;
    fixture *f = start(NULL, 0, 0);
    plan_add(&f->plan, VR_ACTION_DELETE, "old-01", 7, "id-old");
    plan_add(&f->plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    spy sp = {f, VR_BUF_INIT, true, false};
    f->opts.record = spy_record;
    f->opts.record_ctx = &sp;
    assert_int_equal(run(f), -1);
    assert_int_equal(fs_request_count(f->fs), 0);
    assert_int_equal(f->res.steps[0].status, VR_STEP_FAILED);
    assert_string_equal(f->res.steps[0].error.code, "audit.log");
    assert_non_null(strstr(f->res.steps[0].error.remedy, "nothing was sent for old-01"));
    assert_true(f->res.audit_failed);
    assert_int_equal(f->res.steps[1].status, VR_STEP_SKIPPED);
    assert_string_equal(vr_buf_str(&sp.log), "intent delete old-01 at 0\n"
                                             "end old-01 failed at 0\n"
                                             "end u-01 skipped at 0\n");
    vr_buf_free(&sp.log);
    finish(f, true);
}

/* The create of a replacement whose delete was done goes on when its intent cannot be kept
 * (leaving the interface missing would be worse); the run stops after the step. */
static void test_intent_refused_after_replace_delete(void **state)
{
    (void)state;
    fixture *f = start(delete_then_create, 7, 0);
    plan_add_replace(&f->plan, "u-01", 1, "id-old", "rt-core");
    plan_add(&f->plan, VR_ACTION_CREATE, "u-02", 2, NULL);
    spy sp = {f, VR_BUF_INIT, false, true};
    f->opts.record = spy_record;
    f->opts.record_ctx = &sp;
    assert_int_equal(run(f), -1);
    assert_int_equal(f->res.steps[0].status, VR_STEP_DONE);
    assert_string_equal(f->res.steps[0].id, "id-1");
    assert_true(f->res.audit_failed);
    assert_int_equal(f->res.steps[1].status, VR_STEP_SKIPPED);
    assert_string_equal(vr_buf_str(&sp.log), "intent delete u-01 at 0\n"
                                             "deleted u-01 pending at 3\n"
                                             "intent create u-01 at 3\n"
                                             "end u-01 done at 7\n"
                                             "end u-02 skipped at 7\n");
    vr_buf_free(&sp.log);
    finish(f, true);
}

/* Steps in order: deletes, activations, replacements, creates; a replace step knows the
 * connection it deletes and its table. */
static void test_replace_step_order(void **state)
{
    (void)state;
    vr_plan_org_result plan = {0};
    plan.org_id = vr_strdup("org-1");
    plan_add(&plan, VR_ACTION_DELETE, "old-01", 7, "id-old");
    plan_add_replace(&plan, "r-01", 3, "id-r", "rt-core");
    plan_add(&plan, VR_ACTION_CREATE, "u-01", 1, NULL);
    plan.unchanged = vr_xcalloc(1, sizeof(*plan.unchanged));
    plan.unchanged[0].name = vr_strdup("u-09");
    plan.unchanged_count = 1;
    vr_iface live[1];
    iface_fill(&live[0], "u-09", 9, "rt-core");
    live[0].id = vr_strdup("id-prov");
    live[0].state = vr_strdup("provisioning");
    vr_apply_result res;
    vr_apply_steps(&res, &plan, live, 1);
    assert_int_equal(res.step_count, 4);
    vr_step_kind kinds[] = {VR_STEP_DELETE, VR_STEP_ACTIVATE, VR_STEP_REPLACE, VR_STEP_CREATE};
    for (int i = 0; i < 4; i++)
        assert_int_equal(res.steps[i].kind, kinds[i]);
    assert_string_equal(res.steps[2].replaced_id, "id-r");
    assert_string_equal(res.steps[2].replaced_table, "rt-core");
    assert_string_equal(res.steps[2].routing_table_id, "rt-core");
    vr_apply_result_free(&res);
    vr_iface_clear(&live[0]);
    vr_plan_org_result_free(&plan);
}

/* The run's deadline passing between a replacement's delete and its create stops nothing in
 * it: the check is made once, before the step; the next step is not attempted. */
static void test_run_deadline_never_between_delete_and_create(void **state)
{
    (void)state;
    const fs_exchange script[] = {
        {"DELETE", CONNS "/id-old", NULL, 204, JSON_HDR "d1", NULL, 0, 0, 0},
        {"POST", RT_OLD "/sync", NULL, 202, JSON_HDR "d2",
         "{\"routingTableId\":\"rt-old\",\"expectedHash\":\"D1\",\"estimatedConvergenceMs\":20}", 0,
         0, 0},
        {"GET", RT_OLD, NULL, 200, JSON_HDR "d3",
         "{\"id\":\"rt-old\",\"currentHash\":\"D1\",\"state\":\"converged\"}", 0, 0, 0},
        {"POST", CONNS, NULL, 201, JSON_HDR "c1", CONN_BODY("id-new", "u-01", "provisioning"), 0, 0,
         0},
        {"POST", RT_CORE "/sync", NULL, 202, JSON_HDR "c2",
         "{\"routingTableId\":\"rt-core\",\"expectedHash\":\"E1\",\"estimatedConvergenceMs\":30}",
         0, 0, 0},
        {"GET", RT_CORE, NULL, 200, JSON_HDR "c3", TABLE("E1", "converged"), 0, 0, 0},
        {"GET", CONNS "/id-new", NULL, 200, JSON_HDR "c4", CONN_BODY("id-new", "u-01", "active"), 0,
         0, 0},
    };
    fixture *f = start(script, 7, 0);
    plan_add_replace(&f->plan, "u-01", 1, "id-old", "rt-old");
    plan_add(&f->plan, VR_ACTION_CREATE, "u-02", 2, NULL);
    f->clock.t = 1000;
    f->opts.run_deadline_ms = 1010; /* passes during the delete's 20 ms convergence wait */
    assert_int_equal(run(f), -1);
    assert_true(f->res.timed_out);
    assert_int_equal(f->res.step_count, 2);
    assert_int_equal(f->res.steps[0].kind, VR_STEP_REPLACE);
    assert_int_equal(f->res.steps[0].status, VR_STEP_DONE); /* deleted and created again */
    assert_false(f->res.steps[0].left_missing);
    assert_int_equal(f->res.steps[1].status, VR_STEP_SKIPPED);
    assert_non_null(strstr(f->res.steps[1].note, "--timeout"));
    finish(f, true);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poll_schedule),
        cmocka_unit_test(test_create_converges),
        cmocka_unit_test(test_converge_timeout),
        cmocka_unit_test(test_resync_when_replaced),
        cmocka_unit_test(test_learns_without_estimate),
        cmocka_unit_test(test_active_after_a_moment),
        cmocka_unit_test(test_duplicate_taken_over),
        cmocka_unit_test(test_duplicate_that_differs),
        cmocka_unit_test(test_probe_gate_and_keep_going),
        cmocka_unit_test(test_order_and_max_creates),
        cmocka_unit_test(test_run_deadline_stops_before_the_next_step),
        cmocka_unit_test(test_run_deadline_never_between_delete_and_create),
        cmocka_unit_test(test_replace_moves_table),
        cmocka_unit_test(test_replace_create_fails_after_delete),
        cmocka_unit_test(test_replace_probe_gate),
        cmocka_unit_test(test_replace_step_order),
        cmocka_unit_test(test_intent_before_each_change),
        cmocka_unit_test(test_intent_refused_sends_nothing),
        cmocka_unit_test(test_intent_refused_after_replace_delete),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
