/* test_audit: docs/api.md §9 record, its JSON line, the fsync'd log and redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "vr_audit.h"

#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_uuid4(const char *s)
{
    if (strlen(s) != 36) return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
        } else if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) {
            return false;
        }
    }
    return s[14] == '4';
}

static bool is_timestamp(const char *s)
{
    /* 2026-11-24T10:00:01.234Z */
    const char *pat = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (strlen(s) != strlen(pat)) return false;
    for (size_t i = 0; pat[i]; i++)
        if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i]) return false;
    return true;
}

static void test_names(void **state)
{
    (void)state;
    const char *actions[] = {"vni_provisioning", "vni_deletion", "routing_sync", "drift_check"};
    const char *statuses[] = {"provisioned", "deleted", "failed", "skipped",
                              "unchanged",   "drifted", "started"};
    for (int i = 0; i < 4; i++) {
        vr_audit_action a;
        assert_string_equal(vr_audit_action_name((vr_audit_action)i), actions[i]);
        assert_int_equal(vr_audit_action_parse(actions[i], &a), 0);
        assert_int_equal(a, i);
    }
    for (int i = 0; i < 7; i++) {
        vr_audit_status s;
        assert_string_equal(vr_audit_status_name((vr_audit_status)i), statuses[i]);
        assert_int_equal(vr_audit_status_parse(statuses[i], &s), 0);
        assert_int_equal(s, i);
    }
    vr_audit_action a;
    assert_int_equal(vr_audit_action_parse("vni_create", &a), -1);
    assert_string_equal(vr_audit_action_name((vr_audit_action)42), "unknown");
}

static void test_full_record(void **state)
{
    (void)state;
    vr_audit_record r;
    vr_audit_record_init(&r, "0b7a3e52-9a7e-4b8e-9d3c-1f2e3d4c5b6a", VR_AUDIT_VNI_PROVISIONING,
                         VR_AUDIT_FAILED);
    assert_true(is_uuid4(r.event_id));
    r.wall_ms = 1795514401234LL; /* 2026-11-24T10:00:01.234Z */
    r.interface_name = "arch-vni-prod-01";
    r.interface_id = "8e3f0000-0000-4000-8000-000000000001";
    r.total_ms = 1234;
    r.create_ms = 85;
    r.convergence_ms = 1100;
    r.has_uptime_rate = true;
    r.uptime_rate = 1.0;
    const char *ids[] = {"corr-1", NULL, "", "corr-2"};
    r.correlation_ids = ids;
    r.correlation_count = 4;
    vr_error e = VR_ERROR_INIT;
    e.http_status = 409;
    vr_error_set(&e, "conflict", "connection name already exists");
    vr_error_remedy(&e, "never serialised");
    r.error = &e;

    vr_buf line = VR_BUF_INIT;
    assert_int_equal(vr_audit_format(NULL, &r, &line), 0);
    assert_null(strchr(vr_buf_str(&line), '\n'));
    assert_null(strstr(vr_buf_str(&line), "never serialised"));
    /* keys in docs/api.md's order */
    const char *keys[] = {"eventId",       "runId",          "timestamp", "action",
                          "interfaceName", "interfaceId",    "status",    "latencyMs",
                          "uptimeRate",    "correlationIds", "error"};
    const char *prev = vr_buf_str(&line);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char q[64];
        snprintf(q, sizeof q, "\"%s\":", keys[i]);
        const char *at = strstr(vr_buf_str(&line), q);
        assert_non_null(at);
        assert_true(at >= prev);
        prev = at;
    }

    cJSON *j = cJSON_Parse(vr_buf_str(&line));
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(j), 11);
    assert_string_equal(cJSON_GetObjectItem(j, "eventId")->valuestring, r.event_id);
    assert_string_equal(cJSON_GetObjectItem(j, "runId")->valuestring,
                        "0b7a3e52-9a7e-4b8e-9d3c-1f2e3d4c5b6a");
    assert_string_equal(cJSON_GetObjectItem(j, "timestamp")->valuestring,
                        "2026-11-24T10:00:01.234Z");
    assert_string_equal(cJSON_GetObjectItem(j, "action")->valuestring, "vni_provisioning");
    assert_string_equal(cJSON_GetObjectItem(j, "interfaceName")->valuestring, "arch-vni-prod-01");
    assert_string_equal(cJSON_GetObjectItem(j, "interfaceId")->valuestring,
                        "8e3f0000-0000-4000-8000-000000000001");
    assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring, "failed");
    cJSON *lat = cJSON_GetObjectItem(j, "latencyMs");
    assert_int_equal(cJSON_GetObjectItem(lat, "total")->valueint, 1234);
    assert_int_equal(cJSON_GetObjectItem(lat, "create")->valueint, 85);
    assert_int_equal(cJSON_GetObjectItem(lat, "convergence")->valueint, 1100);
    assert_true(cJSON_GetObjectItem(j, "uptimeRate")->valuedouble == 1.0);
    cJSON *cids = cJSON_GetObjectItem(j, "correlationIds");
    assert_int_equal(cJSON_GetArraySize(cids), 2);
    assert_string_equal(cJSON_GetArrayItem(cids, 0)->valuestring, "corr-1");
    assert_string_equal(cJSON_GetArrayItem(cids, 1)->valuestring, "corr-2");
    cJSON *err = cJSON_GetObjectItem(j, "error");
    assert_int_equal(cJSON_GetArraySize(err), 3);
    assert_int_equal(cJSON_GetObjectItem(err, "httpStatus")->valueint, 409);
    assert_string_equal(cJSON_GetObjectItem(err, "code")->valuestring, "conflict");
    assert_string_equal(cJSON_GetObjectItem(err, "message")->valuestring,
                        "connection name already exists");
    cJSON_Delete(j);
    vr_buf_free(&line);
}

static void test_nulls(void **state)
{
    (void)state;
    vr_audit_record r;
    vr_audit_record_init(&r, NULL, VR_AUDIT_DRIFT_CHECK, VR_AUDIT_UNCHANGED);
    assert_true(is_uuid4(r.run_id));
    assert_string_not_equal(r.run_id, r.event_id);
    vr_buf line = VR_BUF_INIT;
    assert_int_equal(vr_audit_format(NULL, &r, &line), 0);
    cJSON *j = cJSON_Parse(vr_buf_str(&line));
    assert_non_null(j);
    assert_true(is_timestamp(cJSON_GetObjectItem(j, "timestamp")->valuestring));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "interfaceName")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "interfaceId")));
    cJSON *lat = cJSON_GetObjectItem(j, "latencyMs");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(lat, "total")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(lat, "create")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(lat, "convergence")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "uptimeRate")));
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(j, "correlationIds")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "correlationIds")), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "error")));
    cJSON_Delete(j);

    /* an error without an HTTP response: httpStatus null */
    vr_error e = VR_ERROR_INIT;
    vr_error_set(&e, "timeout", "routing table did not converge");
    r.error = &e;
    r.has_uptime_rate = true;
    r.uptime_rate = 0.75;
    vr_buf_reset(&line);
    assert_int_equal(vr_audit_format(NULL, &r, &line), 0);
    j = cJSON_Parse(vr_buf_str(&line));
    assert_non_null(j);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "httpStatus")));
    assert_true(cJSON_GetObjectItem(j, "uptimeRate")->valuedouble == 0.75);
    cJSON_Delete(j);
    vr_buf_free(&line);
}

static size_t count_lines(const char *path, char ***out)
{
    char *text = NULL;
    size_t len = 0, n = 0;
    assert_int_equal(vr_read_file(path, 1 << 20, &text, &len), 0);
    assert_true(len > 0 && text[len - 1] == '\n');
    char **lines = NULL;
    char *p = text;
    while (*p) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        *nl = '\0';
        lines = vr_xrealloc(lines, (n + 1) * sizeof *lines);
        lines[n++] = vr_strdup(p);
        p = nl + 1;
    }
    free(text);
    *out = lines;
    return n;
}

static void free_lines(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static void test_writer_appends(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("audit");
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/audit.jsonl", dir);
    vr_error err = VR_ERROR_INIT;
    vr_audit_writer w = VR_AUDIT_WRITER_INIT;
    assert_int_equal(vr_audit_writer_open(&w, vr_buf_str(&path), &err), 0);
    struct stat st;
    assert_int_equal(stat(vr_buf_str(&path), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    vr_audit_record r;
    vr_audit_record_init(&r, NULL, VR_AUDIT_VNI_PROVISIONING, VR_AUDIT_PROVISIONED);
    r.interface_name = "a";
    vr_buf line1 = VR_BUF_INIT, line2 = VR_BUF_INIT;
    assert_int_equal(vr_audit_write(&w, &r, &line1, &err), 0);
    vr_audit_record r2;
    vr_audit_record_init(&r2, r.run_id, VR_AUDIT_ROUTING_SYNC, VR_AUDIT_PROVISIONED);
    assert_int_equal(vr_audit_write(&w, &r2, &line2, &err), 0);
    vr_audit_writer_close(&w);
    assert_int_equal(w.fd, -1);

    /* reopening appends, never truncates */
    assert_int_equal(vr_audit_writer_open(&w, vr_buf_str(&path), &err), 0);
    assert_int_equal(vr_audit_write(&w, &r, NULL, &err), 0);
    vr_audit_writer_close(&w);

    char **lines;
    size_t n = count_lines(vr_buf_str(&path), &lines);
    assert_int_equal(n, 3);
    assert_string_equal(lines[0], vr_buf_str(&line1));
    assert_string_equal(lines[1], vr_buf_str(&line2));
    assert_string_equal(lines[2], vr_buf_str(&line1));
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_Parse(lines[i]);
        assert_non_null(j);
        assert_string_equal(cJSON_GetObjectItem(j, "runId")->valuestring, r.run_id);
        cJSON_Delete(j);
    }
    free_lines(lines, n);
    vr_buf_free(&line1);
    vr_buf_free(&line2);
    vr_buf_free(&path);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_writer_errors(void **state)
{
    (void)state;
    vr_error err = VR_ERROR_INIT;
    vr_audit_writer w = VR_AUDIT_WRITER_INIT;
    assert_int_equal(vr_audit_writer_open(&w, "/nonexistent-dir/x/audit.jsonl", &err), -1);
    assert_string_equal(err.code, "audit.log");
    assert_non_null(strstr(err.message, "/nonexistent-dir/x/audit.jsonl"));

    /* a FIFO accepts the write but not fsync: the record must not be reported as written */
    char *dir = vr_test_tmpdir("audit");
    vr_buf fifo = VR_BUF_INIT;
    vr_buf_printf(&fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(vr_buf_str(&fifo), 0600), 0);
    int rd = open(vr_buf_str(&fifo), O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    vr_error_clear(&err);
    assert_int_equal(vr_audit_writer_open(&w, vr_buf_str(&fifo), &err), 0);
    vr_audit_record r;
    vr_audit_record_init(&r, NULL, VR_AUDIT_VNI_DELETION, VR_AUDIT_DELETED);
    assert_int_equal(vr_audit_write(&w, &r, NULL, &err), -1);
    assert_non_null(strstr(err.message, "fsync"));
    char buf[4096];
    ssize_t got = read(rd, buf, sizeof buf - 1);
    assert_true(got > 0 && buf[got - 1] == '\n'); /* the line went out whole */
    vr_audit_writer_close(&w);
    close(rd);

    /* /dev/full: the write fails */
    vr_error_clear(&err);
    assert_int_equal(vr_audit_writer_open(&w, "/dev/full", &err), 0);
    assert_int_equal(vr_audit_write(&w, &r, NULL, &err), -1);
    assert_non_null(strstr(err.message, "write"));
    vr_audit_writer_close(&w);

    /* no file: formats only */
    vr_buf line = VR_BUF_INIT;
    assert_int_equal(vr_audit_writer_open(&w, NULL, &err), 0);
    assert_int_equal(vr_audit_write(&w, &r, &line, &err), 0);
    assert_true(line.len > 0);
    vr_audit_writer_close(&w);
    vr_audit_writer_close(&w); /* safe to repeat */
    vr_buf_free(&line);
    vr_buf_free(&fifo);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_redaction(void **state)
{
    (void)state;
    const char *secret = "s3cr\"et\\tok";
    char *dir = vr_test_tmpdir("audit");
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/audit.jsonl", dir);
    vr_error err = VR_ERROR_INIT;
    vr_audit_writer w = VR_AUDIT_WRITER_INIT;
    assert_int_equal(vr_audit_writer_open(&w, vr_buf_str(&path), &err), 0);
    const char *red[] = {secret, "", NULL, "tok3n-abc"};
    vr_audit_set_redactions(&w, red, 4);
    assert_int_equal(w.redaction_count, 2);

    vr_buf name = VR_BUF_INIT, msg = VR_BUF_INIT;
    vr_buf_printf(&name, "x%sy", secret);
    vr_buf_printf(&msg, "bad token tok3n-abc and %s twice %s", secret, secret);
    vr_audit_record r;
    vr_audit_record_init(&r, NULL, VR_AUDIT_VNI_PROVISIONING, VR_AUDIT_FAILED);
    r.interface_name = vr_buf_str(&name);
    const char *ids[] = {"tok3n-abc"};
    r.correlation_ids = ids;
    r.correlation_count = 1;
    vr_error e = VR_ERROR_INIT;
    e.http_status = 401;
    vr_error_set(&e, "bad.credentials", "%s", vr_buf_str(&msg));
    r.error = &e;
    vr_buf line = VR_BUF_INIT;
    assert_int_equal(vr_audit_write(&w, &r, &line, &err), 0);
    vr_audit_writer_close(&w);

    char *text = NULL;
    size_t len = 0;
    assert_int_equal(vr_read_file(vr_buf_str(&path), 1 << 20, &text, &len), 0);
    assert_null(strstr(text, "s3cr"));
    assert_null(strstr(text, "tok3n"));
    assert_null(strstr(vr_buf_str(&line), "s3cr"));
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "interfaceName")->valuestring, "x[REDACTED]y");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "message")->valuestring,
        "bad token [REDACTED] and [REDACTED] twice [REDACTED]");
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetObjectItem(j, "correlationIds"), 0)->valuestring, "[REDACTED]");
    cJSON_Delete(j);
    free(text);
    vr_buf_free(&line);
    vr_buf_free(&name);
    vr_buf_free(&msg);
    vr_buf_free(&path);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_to_json_for_reports(void **state)
{
    (void)state;
    vr_audit_record r;
    vr_audit_record_init(&r, NULL, VR_AUDIT_ROUTING_SYNC, VR_AUDIT_SKIPPED);
    cJSON *j = vr_audit_record_to_json(&r);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "action")->valuestring, "routing_sync");
    assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring, "skipped");
    cJSON_Delete(j);
}

/* A replacement's records carry "replacement": true, after the record's other keys; no other
 * record has the key. */
static void test_replacement_flag(void **state)
{
    (void)state;
    vr_audit_record r;
    vr_audit_record_init(&r, NULL, VR_AUDIT_VNI_DELETION, VR_AUDIT_DELETED);
    vr_buf line = VR_BUF_INIT;
    assert_int_equal(vr_audit_format(NULL, &r, &line), 0);
    assert_null(strstr(vr_buf_str(&line), "replacement"));
    vr_buf_reset(&line);
    r.replacement = true;
    assert_int_equal(vr_audit_format(NULL, &r, &line), 0);
    const char *flag = strstr(vr_buf_str(&line), "\"replacement\":true");
    assert_non_null(flag);
    assert_true(flag > strstr(vr_buf_str(&line), "\"error\":"));
    cJSON *j = cJSON_Parse(vr_buf_str(&line));
    assert_int_equal(cJSON_GetArraySize(j), 12);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "replacement")));
    cJSON_Delete(j);
    vr_buf_free(&line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_full_record),
        cmocka_unit_test(test_replacement_flag),
        cmocka_unit_test(test_nulls),
        cmocka_unit_test(test_writer_appends),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_redaction),
        cmocka_unit_test(test_to_json_for_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
