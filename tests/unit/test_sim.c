/* test_sim: vni-sim's modules without HTTP: codecs (form, Base64), fault knobs and the seeded
 * PRNG, the state file, lazy convergence, and the whole request path (sim_server_handle):
 * OAuth, auth order, create checks, paging, sync and convergence, drop-create. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim_faults.h"
#include "sim_proto.h"
#include "sim_server.h"
#include "sim_state.h"
#include "vr_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONNS "/api/v2/organization/privateconnectivity/connections"
#define ORG SIM_DEFAULT_ORG_ID

static void test_form_get(void **st)
{
    char v[64];
    assert_int_equal(sim_form_get("a=1&grant_type=client_credentials", "grant_type", v, sizeof(v)),
                     1);
    assert_string_equal(v, "client_credentials");
    assert_int_equal(sim_form_get("x=a%20b+c&y", "x", v, sizeof(v)), 1);
    assert_string_equal(v, "a b c");
    assert_int_equal(sim_form_get("x=a%20b+c&y", "y", v, sizeof(v)), 1);
    assert_string_equal(v, "");
    assert_int_equal(sim_form_get("x=1", "z", v, sizeof(v)), 0);
    assert_int_equal(sim_form_get("x=%zz", "x", v, sizeof(v)), -1);
    assert_int_equal(sim_form_get("x=%2", "x", v, sizeof(v)), -1);
    assert_int_equal(sim_form_get("x=%", "x", v, sizeof(v)), -1);
    assert_int_equal(sim_form_get("", "x", v, sizeof(v)), 0);
    assert_int_equal(sim_form_get("x=0123456789", "x", v, 4), 1);
    assert_string_equal(v, "012");
}

static void test_base64(void **st)
{
    char out[64];
    assert_int_equal(sim_base64_decode("dm5pLWRlbW86dm5pLWRlbW8tc2VjcmV0", out, sizeof(out)), 24);
    assert_string_equal(out, "vni-demo:vni-demo-secret");
    assert_int_equal(sim_base64_decode("YQ==", out, sizeof(out)), 1);
    assert_string_equal(out, "a");
    assert_int_equal(sim_base64_decode("!!", out, sizeof(out)), -1);
    assert_int_equal(sim_base64_decode("YQ==YQ", out, sizeof(out)), -1);
    assert_int_equal(sim_base64_decode("dm5pLWRlbW86dm5pLWRlbW8tc2VjcmV0", out, 8), -1);
}

static void test_rng(void **st)
{
    sim_rng a, b;
    sim_rng_seed(&a, 42);
    sim_rng_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        assert_true(sim_rng_next(&a) == sim_rng_next(&b));
    bool seen[4] = {false};
    for (int i = 0; i < 1000; i++) {
        long v = sim_rng_range(&a, 10, 13);
        assert_true(v >= 10 && v <= 13);
        seen[v - 10] = true;
    }
    assert_true(seen[0] && seen[1] && seen[2] && seen[3]);
    assert_int_equal(sim_rng_range(&a, 5, 5), 5);
    assert_false(sim_rng_chance(&a, 0));
    assert_true(sim_rng_chance(&a, 1));
    int hits = 0;
    for (int i = 0; i < 10000; i++)
        hits += sim_rng_chance(&a, 0.25);
    assert_true(hits > 2200 && hits < 2800);
    char u1[40], u2[40];
    sim_rng_seed(&a, 7);
    sim_rng_seed(&b, 7);
    sim_rng_uuid(&a, u1);
    sim_rng_uuid(&b, u2);
    assert_string_equal(u1, u2);
    assert_int_equal(strlen(u1), 36);
    assert_int_equal(u1[14], '4');
}

static void test_faults_json(void **st)
{
    sim_faults f;
    sim_faults_default(&f);
    assert_int_equal(f.retry_after, 1);
    assert_int_equal(f.converge_min_ms, 200);
    assert_int_equal(f.converge_max_ms, 400);
    assert_int_equal(f.token_lifetime_s, 86400);
    char err[256];
    cJSON *j = cJSON_Parse("{\"rate429\":0.5,\"latencyMs\":\"10-20\",\"stuckTable\":[\"a\",\"b\"],"
                           "\"insertWhilePaging\":\"always\",\"countField\":\"both\",\"seed\":9}");
    uint64_t seed = 0;
    bool has_seed = false;
    assert_int_equal(sim_faults_apply_json(&f, j, &seed, &has_seed, err, sizeof(err)), 0);
    cJSON_Delete(j);
    assert_true(f.rate_429 == 0.5);
    assert_int_equal(f.latency_min_ms, 10);
    assert_int_equal(f.latency_max_ms, 20);
    assert_true(sim_faults_is_stuck(&f, "b"));
    assert_false(sim_faults_is_stuck(&f, "c"));
    assert_int_equal(f.insert_while_paging, SIM_PAGING_ALWAYS);
    assert_int_equal(f.count_field, SIM_COUNT_BOTH);
    assert_true(has_seed);
    assert_true(seed == 9);

    static const char *const bad[] = {
        "{\"rate429\":1.5}",     "{\"rate5xx\":-1}",       "{\"latencyMs\":\"5-1\"}",
        "{\"retryAfter\":-1}",   "{\"countField\":\"x\"}", "{\"unknown\":1}",
        "{\"dropCreate\":1.5}",  "{\"noEstimate\":1}",     "[]",
        "{\"tokenLifetime\":0}", "{\"stuckTable\":[1]}",   "{\"insertWhilePaging\":\"twice\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sim_faults before = f;
        j = cJSON_Parse(bad[i]);
        assert_int_equal(sim_faults_apply_json(&f, j, NULL, NULL, err, sizeof(err)), -1);
        assert_memory_equal(&before, &f, sizeof(f));
        cJSON_Delete(j);
    }
    long a, b;
    assert_int_equal(sim_range_parse("7", &a, &b), 0);
    assert_true(a == 7 && b == 7);
    assert_int_equal(sim_range_parse("-7", &a, &b), -1);
    assert_int_equal(sim_range_parse("1-", &a, &b), -1);
    j = sim_faults_to_json(&f);
    assert_string_equal(cJSON_GetObjectItem(j, "latencyMs")->valuestring, "10-20");
    cJSON_Delete(j);
}

static const char two_orgs[] =
    "{\"organizations\":[{\"id\":\"o1\",\"name\":\"One\",\"limit\":2,\"routingTables\":[\"rt-1\","
    "{\"id\":\"rt-2\",\"name\":\"two\"}],\"connections\":[{\"name\":\"c1\",\"localIp\":\"10.0.0."
    "1\","
    "\"routingTableId\":\"rt-1\",\"state\":\"provisioning\"}]},{\"id\":\"o2\"}],"
    "\"clients\":[{\"id\":\"c\",\"secret\":\"s\",\"organizationId\":\"o1\",\"scopes\":[\"x\"]}]}";

static void test_state_load(void **st)
{
    sim_state s;
    sim_rng rng;
    sim_rng_seed(&rng, 1);
    char err[256];
    cJSON *doc = cJSON_Parse(two_orgs);
    assert_int_equal(sim_state_load(&s, doc, &rng, err, sizeof(err)), 0);
    cJSON_Delete(doc);
    assert_int_equal(s.org_count, 2);
    sim_org *o = sim_state_find_org(&s, "o1");
    assert_non_null(o);
    assert_int_equal(o->limit, 2);
    assert_int_equal(o->table_count, 2);
    assert_string_equal(o->tables[0].name, "rt-1");
    assert_int_equal(o->conn_count, 1);
    assert_string_equal(o->conns[0].org_id, "o1");
    assert_int_equal(strlen(o->conns[0].id), 36);
    assert_string_equal(sim_state_find_org(&s, "o2")->name, "o2");
    assert_int_equal(sim_state_find_org(&s, "o2")->limit, 50);
    assert_true(sim_client_has_scope(&s.clients[0], "x"));
    /* Tables start converged on their connections. */
    char h[65];
    sim_table_target_hash(o, &o->tables[0], h);
    assert_string_equal(h, o->tables[0].current_hash);
    cJSON *out = sim_state_to_json(&s, false);
    char *text = cJSON_PrintUnformatted(out);
    assert_null(strstr(text, "\"secret\""));
    free(text);
    cJSON_Delete(out);
    out = sim_state_to_json(&s, true);
    text = cJSON_PrintUnformatted(out);
    assert_non_null(strstr(text, "\"secret\":\"s\""));
    free(text);
    cJSON_Delete(out);
    sim_state_free(&s);

    static const char *const bad[] = {
        "[]",
        "{\"organizations\":[]}",
        "{\"organizations\":[{\"name\":\"x\"}],\"clients\":[]}",
        "{\"organizations\":[{\"id\":\"a\"},{\"id\":\"a\"}],\"clients\":[]}",
        "{\"organizations\":[{\"id\":\"a\",\"limit\":\"x\"}],\"clients\":[]}",
        "{\"organizations\":[{\"id\":\"a\"}],\"clients\":[{\"id\":\"c\",\"secret\":\"s\","
        "\"organizationId\":\"b\"}]}",
        "{\"organizations\":[{\"id\":\"a\",\"connections\":[{\"name\":\"x\"},{\"name\":\"x\"}]}],"
        "\"clients\":[]}",
        "{\"organizations\":[{\"id\":\"a\",\"connections\":[{\"id\":\"x\"}]}],\"clients\":[]}",
        "{\"organizations\":[{\"id\":\"a\",\"routingTables\":[\"t\",\"t\"]}],\"clients\":[]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        doc = cJSON_Parse(bad[i]);
        assert_int_equal(sim_state_load(&s, doc, &rng, err, sizeof(err)), -1);
        assert_true(strlen(err) > 0);
        cJSON_Delete(doc);
    }
}

/* Entities are ordered by dateCreated as a time, then id (docs/api.md §4.1): a state file may give
 * whole seconds, or other fractions, beside the milliseconds the simulator writes. */
static void test_order_by_time(void **st)
{
    static const char doc_text[] =
        "{\"organizations\":[{\"id\":\"o\",\"connections\":["
        "{\"id\":\"c1\",\"name\":\"late\",\"dateCreated\":\"2026-11-24T10:00:00.500Z\"},"
        "{\"id\":\"c2\",\"name\":\"early\",\"dateCreated\":\"2026-11-24T10:00:00Z\"},"
        "{\"id\":\"c3\",\"name\":\"mid\",\"dateCreated\":\"2026-11-24T10:00:00.25Z\"},"
        "{\"id\":\"c0\",\"name\":\"tie\",\"dateCreated\":\"2026-11-24T10:00:00.250Z\"}]}],"
        "\"clients\":[]}";
    sim_state s;
    sim_rng rng;
    sim_rng_seed(&rng, 1);
    char err[256];
    cJSON *doc = cJSON_Parse(doc_text);
    assert_int_equal(sim_state_load(&s, doc, &rng, err, sizeof(err)), 0);
    cJSON_Delete(doc);
    size_t n;
    const vr_iface **v = sim_org_sorted_conns(&s.orgs[0], &n);
    assert_int_equal(n, 4);
    assert_string_equal(v[0]->name, "early");
    assert_string_equal(v[1]->name, "tie"); /* same time as mid: by id */
    assert_string_equal(v[2]->name, "mid");
    assert_string_equal(v[3]->name, "late");
    free(v);
    sim_state_free(&s);
    /* the times the simulator writes read back exactly; what is not a time is -1 */
    char ts[32];
    int64_t now = vr_wall_ms();
    vr_iso8601(now, ts);
    assert_true(sim_time_parse_ms(ts) == now);
    assert_true(sim_time_parse_ms("1970-01-01T00:00:00Z") == 0);
    assert_true(sim_time_parse_ms("2000-03-01T00:00:00.001Z") == 951868800001LL);
    assert_true(sim_time_parse_ms("2026-11-24 10:00:00Z") == -1);
    assert_true(sim_time_parse_ms("2026-11-24T10:00:00.Z") == -1);
    assert_true(sim_time_parse_ms("2026-11-24T10:00:00") == -1);
    assert_true(sim_time_parse_ms(NULL) == -1);
}

static void test_convergence(void **st)
{
    sim_state s;
    sim_rng rng;
    sim_rng_seed(&rng, 1);
    char err[256];
    cJSON *doc = cJSON_Parse(two_orgs);
    assert_int_equal(sim_state_load(&s, doc, &rng, err, sizeof(err)), 0);
    cJSON_Delete(doc);
    sim_faults f;
    sim_faults_default(&f);
    sim_org *o = &s.orgs[0];
    sim_table *t = &o->tables[0];
    char before[65], expected[65];
    memcpy(before, t->current_hash, 65);
    sim_table_sync(o, t, 1000, 500, expected);
    assert_string_equal(expected, before); /* nothing changed since load */
    assert_true(t->syncing);
    sim_state_tick(&s, 1499, &f);
    assert_true(t->syncing);
    assert_string_equal(o->conns[0].state, "provisioning");
    snprintf(f.stuck[0], SIM_ID_MAX, "rt-1");
    f.stuck_count = 1;
    sim_state_tick(&s, 5000, &f);
    assert_true(t->syncing);
    f.stuck_count = 0;
    sim_state_tick(&s, 5000, &f);
    assert_false(t->syncing);
    assert_string_equal(o->conns[0].state, "active");
    assert_string_equal(t->current_hash, expected);
    sim_state_free(&s);
}

/* --- the request path, without HTTP --- */

typedef struct {
    sim_server srv;
    char token[128];
} fixture;

static int setup(void **st)
{
    fixture *fx = vr_xcalloc(1, sizeof(*fx));
    sim_state s;
    sim_state_default(&s);
    sim_faults f;
    sim_faults_default(&f);
    f.converge_min_ms = f.converge_max_ms = 0;
    sim_server_opts o = {.admin = true, .seed = 5};
    sim_server_init(&fx->srv, &o, &s, &f);
    *st = fx;
    return 0;
}

static int teardown(void **st)
{
    fixture *fx = *st;
    sim_server_free(&fx->srv);
    free(fx);
    return 0;
}

/* What a response said in its headers. */
typedef struct {
    long retry_after, rl_count, rl_allowed, rl_reset;
} resp_headers;

/* One request; returns the status, body parsed into *out (may be NULL), headers into *hdr (may
 * be NULL). */
static int call_h(fixture *fx, const char *method, const char *uri, const char *auth,
                  const char *body, cJSON **out, resp_headers *hdr)
{
    char path[512];
    const char *q = strchr(uri, '?');
    size_t pl = q ? (size_t)(q - uri) : strlen(uri);
    memcpy(path, uri, pl);
    path[pl] = '\0';
    char authz[256] = "";
    if (auth)
        snprintf(authz, sizeof(authz), "%s", auth);
    else if (fx->token[0])
        snprintf(authz, sizeof(authz), "Bearer %s", fx->token);
    sim_req req = {method,
                   path,
                   q ? q + 1 : "",
                   body ? body : "",
                   body ? strlen(body) : 0,
                   authz[0] ? authz : NULL,
                   -1};
    sim_resp resp;
    sim_resp_init(&resp);
    char corr[40];
    sim_server_handle(&fx->srv, &req, uri, &resp, corr);
    assert_int_equal(strlen(corr), 36);
    if (out) *out = resp.body ? cJSON_Parse(resp.body) : NULL;
    if (hdr) {
        hdr->retry_after = resp.retry_after;
        hdr->rl_count = resp.rl_count;
        hdr->rl_allowed = resp.rl_allowed;
        hdr->rl_reset = resp.rl_reset;
    }
    int status = resp.drop ? 0 : resp.status;
    sim_resp_free(&resp);
    return status;
}

static int call(fixture *fx, const char *method, const char *uri, const char *auth,
                const char *body, cJSON **out)
{
    return call_h(fx, method, uri, auth, body, out, NULL);
}

static void login(fixture *fx)
{
    cJSON *j;
    /* "vni-demo:vni-demo-secret" */
    assert_int_equal(call(fx, "POST", "/oauth/token", "Basic dm5pLWRlbW86dm5pLWRlbW8tc2VjcmV0",
                          "grant_type=client_credentials", &j),
                     200);
    snprintf(fx->token, sizeof(fx->token), "%s",
             cJSON_GetObjectItem(j, "access_token")->valuestring);
    cJSON_Delete(j);
}

static const char *code_of(cJSON *j)
{
    const cJSON *c = cJSON_GetObjectItem(j, "code");
    return cJSON_IsString(c) ? c->valuestring : "";
}

static char *payload(const char *name, int n)
{
    char *b = vr_xmalloc(512);
    snprintf(
        b, 512,
        "{\"name\":\"%s\",\"organizationId\":\"" ORG "\",\"type\":\"ipconnect\","
        "\"localIp\":\"10.%d.0.1\",\"remoteIp\":\"203.0.113.%d\",\"subnetCidr\":\"10.%d.0.0/24\","
        "\"dnsServers\":[\"8.8.8.8\"],\"routingTableId\":\"rt-core\"}",
        name, n, n, n);
    return b;
}

static void test_handle_oauth_and_auth(void **st)
{
    fixture *fx = *st;
    cJSON *j;
    assert_int_equal(call(fx, "POST", "/oauth/token", "Basic eDp5", "grant_type=password", &j),
                     400);
    assert_string_equal(cJSON_GetObjectItem(j, "error")->valuestring, "unsupported_grant_type");
    cJSON_Delete(j);
    assert_int_equal(
        call(fx, "POST", "/oauth/token", "Basic eDp5", "grant_type=client_credentials", &j), 401);
    assert_string_equal(cJSON_GetObjectItem(j, "error")->valuestring, "invalid_client");
    cJSON_Delete(j);
    assert_int_equal(
        call(fx, "POST", "/oauth/token", NULL,
             "grant_type=client_credentials&client_id=vni-demo&client_secret=vni-demo-secret",
             NULL),
        200);
    assert_int_equal(call(fx, "GET", CONNS, NULL, NULL, NULL), 401);
    assert_int_equal(call(fx, "GET", "/nope", NULL, NULL, NULL), 404);
    assert_int_equal(call(fx, "DELETE", CONNS, NULL, NULL, NULL), 405);
    /* an empty method looped forever (found by fuzzing: fixtures/fuzz/sim_request/) */
    assert_int_equal(call(fx, "", CONNS, NULL, NULL, NULL), 405);
    assert_int_equal(call(fx, "GE", CONNS, NULL, NULL, NULL), 405);
    login(fx);
    assert_int_equal(call(fx, "GET", CONNS, NULL, NULL, NULL), 200);
    assert_int_equal(call(fx, "GET", CONNS, "bearer   nonsense", NULL, NULL), 401);
    /* The log names the client but never the token. */
    assert_int_equal(call(fx, "GET", "/__sim/requests", NULL, NULL, &j), 200);
    char *text = cJSON_PrintUnformatted(j);
    assert_null(strstr(text, fx->token));
    assert_null(strstr(text, "vni-demo-secret"));
    assert_non_null(strstr(text, "\"clientId\":\"vni-demo\""));
    free(text);
    cJSON_Delete(j);
}

/* Credentials are compared whole: a long secret is neither cut short (so refused) nor does a
 * secret that merely starts with the right one pass (form values are truncated on decode). */
static void test_handle_oauth_long_secret(void **st)
{
    fixture *fx = *st;
    sim_client *c = &fx->srv.state.clients[0];
    char good[301], longer[401];
    memset(good, 'k', 300);
    good[300] = '\0';
    memset(longer, 'k', 400);
    longer[400] = '\0';
    free(c->secret);
    c->secret = vr_strdup(good);
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "grant_type=client_credentials&client_id=vni-demo&client_secret=%s", good);
    assert_int_equal(call(fx, "POST", "/oauth/token", NULL, vr_buf_str(&b), NULL), 200);
    vr_buf_reset(&b);
    vr_buf_printf(&b, "grant_type=client_credentials&client_id=vni-demo&client_secret=%s", longer);
    assert_int_equal(call(fx, "POST", "/oauth/token", NULL, vr_buf_str(&b), NULL), 401);
    /* a stored secret of 255: a body secret with more after it is another secret */
    good[255] = '\0';
    free(c->secret);
    c->secret = vr_strdup(good);
    assert_int_equal(call(fx, "POST", "/oauth/token", NULL, vr_buf_str(&b), NULL), 401);
    vr_buf_free(&b);
}

static void test_handle_create_and_sync(void **st)
{
    fixture *fx = *st;
    login(fx);
    cJSON *j;
    char *p1 = payload("one", 1), *p2 = payload("two", 2);
    assert_int_equal(call(fx, "POST", CONNS, NULL, p1, &j), 201);
    assert_string_equal(cJSON_GetObjectItem(j, "state")->valuestring, "provisioning");
    char id[64];
    snprintf(id, sizeof(id), "%s", cJSON_GetObjectItem(j, "id")->valuestring);
    cJSON_Delete(j);
    assert_int_equal(call(fx, "POST", CONNS, NULL, p1, &j), 409);
    assert_string_equal(code_of(j), "name.duplicate");
    cJSON_Delete(j);
    assert_int_equal(call(fx, "POST", CONNS, NULL, "{", &j), 400);
    cJSON_Delete(j);
    assert_int_equal(call(fx, "POST", CONNS, NULL, "{\"name\":\"x\"}", &j), 403);
    assert_string_equal(code_of(j), "organization.mismatch");
    cJSON_Delete(j);
    assert_int_equal(call(fx, "POST", CONNS, NULL, "{\"organizationId\":\"" ORG "\"}", &j), 422);
    /* every required field is listed */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "details")), 7);
    cJSON_Delete(j);

    /* the Nth successful create is committed and dropped */
    fx->srv.faults.drop_create = 1;
    fx->srv.faults.creates_seen = 0;
    assert_int_equal(call(fx, "POST", CONNS, NULL, p2, NULL), 0);
    assert_int_equal(call(fx, "GET", CONNS "?pageSize=1", NULL, NULL, &j), 200);
    assert_int_equal(cJSON_GetObjectItem(j, "total")->valueint, 2);
    assert_non_null(cJSON_GetObjectItem(j, "nextUri"));
    cJSON_Delete(j);
    assert_int_equal(call(fx, "GET", CONNS "?pageSize=1&pageNumber=2", NULL, NULL, &j), 200);
    assert_null(cJSON_GetObjectItem(j, "nextUri"));
    cJSON_Delete(j);

    /* sync with a zero delay converges on the next request */
    assert_int_equal(call(fx, "POST", "/api/v2/architect/networking/routingtables/rt-core/sync",
                          NULL, "{\"forceSync\":true}", &j),
                     202);
    char expected[65];
    snprintf(expected, sizeof(expected), "%s", cJSON_GetObjectItem(j, "expectedHash")->valuestring);
    cJSON_Delete(j);
    assert_int_equal(
        call(fx, "GET", "/api/v2/architect/networking/routingtables/rt-core", NULL, NULL, &j), 200);
    assert_string_equal(cJSON_GetObjectItem(j, "currentHash")->valuestring, expected);
    assert_string_equal(cJSON_GetObjectItem(j, "state")->valuestring, "converged");
    cJSON_Delete(j);
    char uri[256];
    snprintf(uri, sizeof(uri), CONNS "/%s", id);
    assert_int_equal(call(fx, "GET", uri, NULL, NULL, &j), 200);
    assert_string_equal(cJSON_GetObjectItem(j, "state")->valuestring, "active");
    cJSON_Delete(j);
    assert_int_equal(call(fx, "DELETE", uri, NULL, NULL, NULL), 204);
    assert_int_equal(call(fx, "DELETE", uri, NULL, NULL, NULL), 404);
    free(p1);
    free(p2);
}

static void test_handle_faults(void **st)
{
    fixture *fx = *st;
    login(fx);
    assert_int_equal(
        call(fx, "POST", "/__sim/faults", NULL, "{\"rate429\":1,\"retryAfter\":0}", NULL), 200);
    assert_int_equal(call(fx, "GET", CONNS, NULL, NULL, NULL), 429);
    assert_int_equal(call(fx, "POST", "/oauth/token", NULL, "grant_type=client_credentials", NULL),
                     429);
    assert_int_equal(call(fx, "POST", "/__sim/faults", NULL, "{\"rate429\":0,\"rate5xx\":1}", NULL),
                     200);
    for (int i = 0; i < 20; i++) {
        int s = call(fx, "GET", CONNS, NULL, NULL, NULL);
        assert_true(s == 500 || s == 502 || s == 503 || s == 504);
    }
    assert_int_equal(
        call(fx, "POST", "/__sim/faults", NULL, "{\"rate5xx\":0,\"noLimitsEndpoint\":true}", NULL),
        200);
    assert_int_equal(call(fx, "GET", "/api/v2/organizations/limits/namespaces/privateconnectivity",
                          NULL, NULL, NULL),
                     404);
    assert_int_equal(call(fx, "POST", "/__sim/faults", NULL, "{\"bogus\":1}", NULL), 400);
    fx->srv.opts.admin = false;
    assert_int_equal(call(fx, "GET", "/__sim/state", NULL, NULL, NULL), 404);
}

/* --rate-limit N/S: a fixed window serving N requests, then 429 with a Retry-After of the
 * seconds left in the window, and the inin-ratelimit-* headers on every answer. */
static void test_handle_rate_limit(void **st)
{
    fixture *fx = *st;
    login(fx); /* counted in the window of the default headers: not refused */
    assert_int_equal(call(fx, "POST", "/__sim/faults", NULL, "{\"rateLimit\":\"3/30\"}", NULL),
                     200);
    fx->srv.window_start_ms = vr_now_ms(); /* a window starting now: its reset is 30 s away */
    fx->srv.window_count = 0;
    resp_headers h;
    for (long i = 1; i <= 3; i++) {
        assert_int_equal(call_h(fx, "GET", CONNS, NULL, NULL, NULL, &h), 200);
        assert_int_equal(h.rl_count, i);
        assert_int_equal(h.rl_allowed, 3);
        assert_true(h.rl_reset >= 29 && h.rl_reset <= 30);
        assert_int_equal(h.retry_after, -1);
    }
    cJSON *j;
    assert_int_equal(call_h(fx, "GET", CONNS, NULL, NULL, &j, &h), 429);
    assert_string_equal(code_of(j), "too.many.requests");
    cJSON_Delete(j);
    assert_true(h.retry_after >= 29 && h.retry_after <= 30);
    assert_int_equal(h.rl_count, 4);
    /* the token endpoint is behind the same limiter */
    assert_int_equal(call(fx, "POST", "/oauth/token", NULL, "grant_type=client_credentials", NULL),
                     429);
    /* the window ends: served again */
    fx->srv.window_start_ms -= 30000;
    assert_int_equal(call_h(fx, "GET", CONNS, NULL, NULL, NULL, &h), 200);
    assert_int_equal(h.rl_count, 1);
    /* the knob reads back, and turns off */
    assert_int_equal(call(fx, "GET", "/__sim/faults", NULL, NULL, &j), 200);
    assert_string_equal(cJSON_GetObjectItem(j, "rateLimit")->valuestring, "3/30");
    cJSON_Delete(j);
    assert_int_equal(call(fx, "POST", "/__sim/faults", NULL, "{\"rateLimit\":null}", NULL), 200);
    for (int i = 0; i < 5; i++)
        assert_int_equal(call_h(fx, "GET", CONNS, NULL, NULL, NULL, &h), 200);
    assert_int_equal(h.rl_allowed, 0); /* no headers without the limiter or ratelimitHeaders */
    assert_int_equal(call(fx, "POST", "/__sim/faults", NULL, "{\"rateLimit\":\"3\"}", NULL), 400);
    assert_int_equal(call(fx, "POST", "/__sim/faults", NULL, "{\"rateLimit\":\"0/5\"}", NULL), 400);
}

/* --unavailable-for S: every request is a 503 for S seconds from the first one after it is
 * set, then everything is served as before. */
static void test_handle_unavailable(void **st)
{
    fixture *fx = *st;
    login(fx);
    assert_int_equal(call(fx, "POST", "/__sim/faults", NULL, "{\"unavailableFor\":12}", NULL), 200);
    cJSON *j;
    resp_headers h;
    assert_int_equal(call_h(fx, "GET", CONNS, NULL, NULL, &j, &h), 503);
    assert_string_equal(code_of(j), "service.unavailable");
    cJSON_Delete(j);
    assert_int_equal(h.retry_after, -1);
    int64_t until = fx->srv.unavailable_until_ms;
    assert_true(until - vr_now_ms() > 11000 && until - vr_now_ms() <= 12000);
    assert_int_equal(call(fx, "POST", "/oauth/token", NULL, "grant_type=client_credentials", NULL),
                     503);
    assert_int_equal(call(fx, "GET", "/__sim/faults", NULL, NULL, &j), 200); /* admin: served */
    assert_int_equal(cJSON_GetObjectItem(j, "unavailableFor")->valueint, 12);
    cJSON_Delete(j);
    fx->srv.unavailable_until_ms = vr_now_ms() - 1; /* the 12 s have passed */
    assert_int_equal(call(fx, "GET", CONNS, NULL, NULL, NULL), 200);
    assert_int_equal(call(fx, "GET", CONNS, NULL, NULL, NULL), 200); /* not started again */
    assert_int_equal(call(fx, "POST", "/__sim/faults", NULL, "{\"unavailableFor\":-1}", NULL), 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_get),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_rng),
        cmocka_unit_test(test_faults_json),
        cmocka_unit_test(test_state_load),
        cmocka_unit_test(test_order_by_time),
        cmocka_unit_test(test_convergence),
        cmocka_unit_test_setup_teardown(test_handle_oauth_and_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_oauth_long_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_create_and_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_unavailable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
