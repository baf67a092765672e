/* test_spool: report/vr_spool, where held audit records wait on disk. A spool file is made
 * 0600 in a 0700 folder, exclusively and never through a link (a planted link as the file or
 * as the folder is refused); each record is on disk as it is appended; draining appends the
 * records to the log in order, fsync'd, hands each to the webhook callback after that, and
 * removes the file. Recovery appends what nobody holds, run by run (oldest first) and by index
 * (numerically), drops and notes a torn last line and a line that is not a record, does not
 * append twice what the log already holds, leaves a live run's file and a planted link alone.
 * Through vr_outputs and vr_ordered: a held record is in its spool at once, and a second run
 * opening the same log recovers it after a "kill" (the spool closed without its turn); a log
 * that is a device gets no spool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "vr_ordered.h"
#include "vr_spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN_A "aaaaaaaa-0000-4000-8000-000000000001"
#define RUN_B "bbbbbbbb-0000-4000-8000-000000000002"

typedef struct {
    char *dir;
    vr_buf log_path;
    vr_buf spool_dir;
    vr_audit_writer log;
} fixture;

static void setup(fixture *f)
{
    f->dir = vr_test_tmpdir("spool");
    vr_buf empty = VR_BUF_INIT;
    f->log_path = empty;
    f->spool_dir = empty;
    vr_buf_printf(&f->log_path, "%s/audit.jsonl", f->dir);
    vr_buf_printf(&f->spool_dir, "%s/audit.jsonl.spool", f->dir);
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_audit_writer_open(&f->log, vr_buf_str(&f->log_path), &err), 0);
}

static void teardown(fixture *f)
{
    vr_audit_writer_close(&f->log);
    vr_test_rm_rf(f->dir);
    free(f->dir);
    vr_buf_free(&f->log_path);
    vr_buf_free(&f->spool_dir);
}

/* One record line of run run_id named name, made at wall_ms; its eventId into id (37). */
static char *line_of(const char *run_id, const char *name, int64_t wall_ms, char *id)
{
    vr_audit_record r;
    vr_audit_record_init(&r, run_id, VR_AUDIT_VNI_PROVISIONING, VR_AUDIT_STARTED);
    r.wall_ms = wall_ms;
    r.interface_name = name;
    if (id) memcpy(id, r.event_id, 37);
    vr_buf b = VR_BUF_INIT;
    assert_int_equal(vr_audit_format(NULL, &r, &b), 0);
    return vr_buf_detach(&b);
}

/* A spool file written plainly (as a killed run left it): lines joined by "\n", plus tail. */
static void plant(const fixture *f, const char *name, const char *const *lines, size_t n,
                  const char *tail)
{
    mkdir(vr_buf_str(&f->spool_dir), 0700);
    vr_buf path = VR_BUF_INIT, text = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/%s", vr_buf_str(&f->spool_dir), name);
    for (size_t i = 0; i < n; i++)
        vr_buf_printf(&text, "%s\n", lines[i]);
    vr_buf_puts(&text, tail);
    assert_int_equal(vr_test_write(vr_buf_str(&path), text.data ? text.data : "", text.len), 0);
    vr_buf_free(&path);
    vr_buf_free(&text);
}

/* The interfaceName of each line of path, joined by spaces; every line whole JSON. */
static char *names_in(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    vr_buf names = VR_BUF_INIT;
    if (vr_read_file(path, 1 << 20, &text, &len) != 0) return vr_strdup("(none)");
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
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

static void assert_names(const char *path, const char *want)
{
    char *got = names_in(path);
    assert_string_equal(got, want);
    free(got);
}

/* How many entries the spool folder holds (. and .. aside). */
static int entries(const fixture *f)
{
    int n = 0;
    DIR *d = opendir(vr_buf_str(&f->spool_dir));
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

typedef struct {
    const char *log_path;
    vr_buf seen; /* names passed to the callback, and how many log lines there were then */
} sent_probe;

static void on_sent(void *ctx, const char *line, size_t len)
{
    sent_probe *p = ctx;
    vr_audit_line_info info;
    assert_int_equal(vr_audit_line_parse(line, len, &info), 0);
    cJSON *j = cJSON_ParseWithLength(line, len);
    char *logged = names_in(p->log_path); /* already in the log when sent */
    vr_buf_printf(&p->seen, "%s%s[%s]", p->seen.len ? " " : "",
                  cJSON_GetObjectItem(j, "interfaceName")->valuestring, logged);
    free(logged);
    cJSON_Delete(j);
}

/* Made 0600 in a 0700 folder; each record on disk when appended; drained in order into the
 * log, sent after the log has them all, then removed. */
static void test_write_and_drain(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    vr_spool s;
    vr_spool_init(&s, vr_buf_str(&f.log_path));
    vr_spool_file sf;
    memset(&sf, 0, sizeof(sf));
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_spool_create(&s, &sf, RUN_A, 3, &err), 0);
    assert_string_equal(sf.name, RUN_A "-3.jsonl");
    struct stat st;
    assert_int_equal(stat(vr_buf_str(&f.spool_dir), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/%s", vr_buf_str(&f.spool_dir), sf.name);
    assert_int_equal(stat(vr_buf_str(&path), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *one = line_of(RUN_A, "one", 1000, NULL), *two = line_of(RUN_A, "two", 2000, NULL);
    assert_int_equal(vr_spool_append(&s, &sf, one, strlen(one), &err), 0);
    assert_names(vr_buf_str(&path), "one"); /* on disk at once */
    assert_int_equal(vr_spool_append(&s, &sf, two, strlen(two), &err), 0);
    assert_names(vr_buf_str(&path), "one two");
    assert_names(vr_buf_str(&f.log_path), "");
    /* the same name again: O_EXCL refuses it */
    vr_spool_file again;
    assert_int_equal(vr_spool_create(&s, &again, RUN_A, 3, &err), -1);
    assert_string_equal(err.code, "audit.log");
    assert_non_null(strstr(err.message, "cannot create it"));

    sent_probe p = {vr_buf_str(&f.log_path), VR_BUF_INIT};
    assert_int_equal(vr_spool_drain(&s, &sf, &f.log, on_sent, &p, &err), 0);
    assert_names(vr_buf_str(&f.log_path), "one two");
    assert_string_equal(vr_buf_str(&p.seen), "one[one two] two[one two]");
    assert_false(sf.open);
    assert_int_equal(access(vr_buf_str(&path), F_OK), -1);
    assert_int_equal(entries(&f), 0);
    vr_buf_free(&p.seen);
    vr_buf_free(&path);
    free(one);
    free(two);
    vr_spool_close(&s);
    teardown(&f);
}

/* Never through a link: a link where the file should be, and a link as the folder. */
static void test_no_follow_on_create(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    vr_buf target = VR_BUF_INIT, link = VR_BUF_INIT;
    vr_buf_printf(&target, "%s/elsewhere", f.dir);
    assert_int_equal(mkdir(vr_buf_str(&f.spool_dir), 0700), 0);
    vr_buf_printf(&link, "%s/%s-1.jsonl", vr_buf_str(&f.spool_dir), RUN_A);
    assert_int_equal(symlink(vr_buf_str(&target), vr_buf_str(&link)), 0);
    vr_spool s;
    vr_spool_init(&s, vr_buf_str(&f.log_path));
    vr_spool_file sf;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_spool_create(&s, &sf, RUN_A, 1, &err), -1);
    assert_non_null(strstr(err.message, "a link is never followed"));
    assert_int_equal(access(vr_buf_str(&target), F_OK), -1); /* nothing made there */
    vr_spool_close(&s);

    /* the folder itself a link to a folder elsewhere: refused, nothing written there */
    vr_test_rm_rf(vr_buf_str(&f.spool_dir));
    assert_int_equal(mkdir(vr_buf_str(&target), 0700), 0);
    assert_int_equal(symlink(vr_buf_str(&target), vr_buf_str(&f.spool_dir)), 0);
    vr_spool_init(&s, vr_buf_str(&f.log_path));
    err = (vr_error)VR_ERROR_INIT;
    assert_int_equal(vr_spool_create(&s, &sf, RUN_A, 1, &err), -1);
    assert_non_null(strstr(err.message, "a symbolic link, not a folder"));
    DIR *d = opendir(vr_buf_str(&target));
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(n, 0);
    vr_spool_close(&s);
    vr_buf_free(&target);
    vr_buf_free(&link);
    teardown(&f);
}

/* Run B's records are older than run A's: B first; within a run by index, numerically (2
 * before 10); names that are not spool files untouched; the files removed. */
static void test_recover_in_order(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    char *a2 = line_of(RUN_A, "a2", 5000, NULL), *a10 = line_of(RUN_A, "a10", 4000, NULL);
    char *b1 = line_of(RUN_B, "b1", 3000, NULL), *b1x = line_of(RUN_B, "b1x", 3500, NULL);
    char *b4 = line_of(RUN_B, "b4", 1000, NULL), *mine = line_of(RUN_A, "mine", 0, NULL);
    assert_int_equal(vr_audit_write_line(&f.log, mine, strlen(mine), NULL), 0);
    const char *la2[] = {a2}, *la10[] = {a10}, *lb1[] = {b1, b1x}, *lb4[] = {b4};
    plant(&f, RUN_A "-10.jsonl", la10, 1, "");
    plant(&f, RUN_A "-2.jsonl", la2, 1, "");
    plant(&f, RUN_B "-4.jsonl", lb4, 1, "");
    plant(&f, RUN_B "-1.jsonl", lb1, 2, "");
    plant(&f, "notes.txt", lb1, 1, ""); /* not a spool file's name */
    vr_spool s;
    vr_spool_init(&s, vr_buf_str(&f.log_path));
    vr_spool_recovery r;
    vr_diags notes = VR_DIAGS_INIT;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_spool_recover(&s, &f.log, &r, &notes, &err), 0);
    assert_names(vr_buf_str(&f.log_path), "mine b1 b1x b4 a2 a10");
    assert_int_equal(r.files, 4);
    assert_int_equal(r.records, 5);
    assert_int_equal(r.copies + r.dropped + r.left, 0);
    assert_int_equal(notes.count, 0);
    assert_int_equal(entries(&f), 1); /* notes.txt */
    /* again: nothing left to do */
    assert_int_equal(vr_spool_recover(&s, &f.log, &r, &notes, &err), 0);
    assert_int_equal(r.files + r.records, 0);
    assert_names(vr_buf_str(&f.log_path), "mine b1 b1x b4 a2 a10");
    vr_diags_free(&notes);
    vr_spool_close(&s);
    free(a2);
    free(a10);
    free(b1);
    free(b1x);
    free(b4);
    free(mine);
    teardown(&f);
}

/* A torn last line (kill mid-write) and a line that is not a record: dropped, each noted
 * FILE:LINE; the whole records recovered. */
static void test_recover_torn_line(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    char *one = line_of(RUN_A, "one", 1000, NULL), *two = line_of(RUN_A, "two", 2000, NULL);
    char *three = line_of(RUN_A, "three", 3000, NULL);
    const char *lines[] = {one, "{\"not\": \"a record\"}", two};
    char torn[40];
    memcpy(torn, three, 39); /* the first 39 bytes of a record, no newline */
    torn[39] = '\0';
    plant(&f, RUN_A "-1.jsonl", lines, 3, torn);
    vr_spool s;
    vr_spool_init(&s, vr_buf_str(&f.log_path));
    vr_spool_recovery r;
    vr_diags notes = VR_DIAGS_INIT;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_spool_recover(&s, &f.log, &r, &notes, &err), 0);
    assert_names(vr_buf_str(&f.log_path), "one two");
    assert_int_equal(r.records, 2);
    assert_int_equal(r.dropped, 2);
    assert_int_equal(r.files, 1);
    assert_int_equal(notes.count, 2);
    char *n0 = vr_diag_format(&notes.items[0]), *n1 = vr_diag_format(&notes.items[1]);
    vr_buf want = VR_BUF_INIT;
    vr_buf_printf(&want, "%s/" RUN_A "-1.jsonl:2: warning: not an audit record: dropped",
                  vr_buf_str(&f.spool_dir));
    assert_string_equal(n0, vr_buf_str(&want));
    vr_buf_reset(&want);
    vr_buf_printf(&want, "%s/" RUN_A "-1.jsonl:4: warning: a torn last line",
                  vr_buf_str(&f.spool_dir));
    assert_true(strncmp(n1, vr_buf_str(&want), want.len) == 0);
    assert_non_null(strstr(n1, "killed"));
    assert_int_equal(entries(&f), 0);
    free(n0);
    free(n1);
    vr_buf_free(&want);
    vr_diags_free(&notes);
    vr_spool_close(&s);
    free(one);
    free(two);
    free(three);
    teardown(&f);
}

/* A kill while a spool was being appended: what the log holds already is not appended twice. */
static void test_recover_no_copies(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    char *one = line_of(RUN_A, "one", 1000, NULL), *two = line_of(RUN_A, "two", 2000, NULL);
    assert_int_equal(vr_audit_write_line(&f.log, one, strlen(one), NULL), 0);
    const char *lines[] = {one, two};
    plant(&f, RUN_A "-1.jsonl", lines, 2, "");
    vr_spool s;
    vr_spool_init(&s, vr_buf_str(&f.log_path));
    vr_spool_recovery r;
    vr_diags notes = VR_DIAGS_INIT;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_spool_recover(&s, &f.log, &r, &notes, &err), 0);
    assert_names(vr_buf_str(&f.log_path), "one two");
    assert_int_equal(r.records, 1);
    assert_int_equal(r.copies, 1);
    vr_diags_free(&notes);
    vr_spool_close(&s);
    free(one);
    free(two);
    teardown(&f);
}

/* A live run's spool (its lock held) is not taken; a planted link named like a spool file is
 * noted and left alone, its target neither read nor appended. */
static void test_recover_leaves_live_and_links(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    vr_spool live;
    vr_spool_init(&live, vr_buf_str(&f.log_path));
    vr_spool_file sf;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_spool_create(&live, &sf, RUN_A, 1, &err), 0);
    char *held = line_of(RUN_A, "held", 1000, NULL), *secret = line_of(RUN_B, "secret", 1, NULL);
    assert_int_equal(vr_spool_append(&live, &sf, held, strlen(held), &err), 0);
    vr_buf target = VR_BUF_INIT, link = VR_BUF_INIT;
    vr_buf_printf(&target, "%s/secret.jsonl", f.dir);
    assert_int_equal(vr_test_write(vr_buf_str(&target), secret, strlen(secret)), 0);
    vr_buf_printf(&link, "%s/%s-2.jsonl", vr_buf_str(&f.spool_dir), RUN_B);
    assert_int_equal(symlink(vr_buf_str(&target), vr_buf_str(&link)), 0);

    vr_spool s;
    vr_spool_init(&s, vr_buf_str(&f.log_path));
    vr_spool_recovery r;
    vr_diags notes = VR_DIAGS_INIT;
    assert_int_equal(vr_spool_recover(&s, &f.log, &r, &notes, &err), 0);
    assert_names(vr_buf_str(&f.log_path), "");
    assert_int_equal(r.files, 0);
    assert_int_equal(r.left, 1);
    assert_int_equal(notes.count, 1);
    assert_non_null(strstr(notes.items[0].message, "symbolic link"));
    assert_int_equal(entries(&f), 2); /* the live spool and the link */

    /* the live run is killed (its lock dropped with its descriptor): now it is recovered */
    vr_spool_file_close(&sf);
    vr_diags_free(&notes);
    assert_int_equal(vr_spool_recover(&s, &f.log, &r, &notes, &err), 0);
    assert_names(vr_buf_str(&f.log_path), "held");
    assert_int_equal(r.files, 1);
    assert_int_equal(entries(&f), 1); /* the link, left alone */
    vr_diags_free(&notes);
    vr_spool_close(&s);
    vr_spool_close(&live);
    vr_buf_free(&target);
    vr_buf_free(&link);
    free(held);
    free(secret);
    teardown(&f);
}

/* ---- through vr_outputs and vr_ordered ---- */

static void open_outputs(vr_outputs *out, const char *log, vr_error *err)
{
    vr_outputs_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.run_id = RUN_A;
    cfg.audit_log = log;
    assert_int_equal(vr_outputs_open(out, &cfg, err), 0);
}

static int step(vr_ordered *q, size_t org, char *name)
{
    vr_apply_step st;
    memset(&st, 0, sizeof(st));
    st.kind = VR_STEP_CREATE;
    st.name = name;
    st.total_ms = st.create_ms = st.convergence_ms = VR_MS_NONE;
    vr_apply_record rec;
    memset(&rec, 0, sizeof(rec));
    rec.step = &st;
    rec.phase = VR_APPLY_RECORD_INTENT;
    vr_error err = VR_ERROR_INIT;
    return vr_ordered_record(&q->slots[org], &rec, &err);
}

/* Organization 1's intent record is in its spool file the moment it is made; the run is
 * "killed" (its spool closed, never drained); the next run opening the log recovers it. */
static void test_held_record_survives_a_kill(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    vr_outputs out;
    vr_error err = VR_ERROR_INIT;
    open_outputs(&out, vr_buf_str(&f.log_path), &err);
    vr_ordered q;
    vr_ordered_init(&q, &out, 3);
    assert_int_equal(step(&q, 0, (char[]){"first"}), 0);
    assert_int_equal(step(&q, 2, (char[]){"third"}), 0);
    assert_int_equal(step(&q, 1, (char[]){"second"}), 0);
    assert_names(vr_buf_str(&f.log_path), "first");
    vr_buf p1 = VR_BUF_INIT, p2 = VR_BUF_INIT;
    vr_buf_printf(&p1, "%s/%s-1.jsonl", vr_buf_str(&f.spool_dir), RUN_A);
    vr_buf_printf(&p2, "%s/%s-2.jsonl", vr_buf_str(&f.spool_dir), RUN_A);
    assert_names(vr_buf_str(&p1), "second");
    assert_names(vr_buf_str(&p2), "third");
    vr_ordered_free(&q); /* the kill: the spools stay, their locks go */
    vr_outputs_close(&out);

    open_outputs(&out, vr_buf_str(&f.log_path), &err);
    assert_int_equal(out.recovered.files, 2);
    assert_int_equal(out.recovered.records, 2);
    assert_names(vr_buf_str(&f.log_path), "first second third");
    assert_int_equal(entries(&f), 0);
    vr_outputs_close(&out);
    vr_buf_free(&p1);
    vr_buf_free(&p2);
    teardown(&f);
}

/* A normal run: the held records reach the log in order at their turn; no spool is left. */
static void test_ordered_leaves_no_spool(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    vr_outputs out;
    vr_error err = VR_ERROR_INIT;
    open_outputs(&out, vr_buf_str(&f.log_path), &err);
    vr_ordered q;
    vr_ordered_init(&q, &out, 3);
    assert_int_equal(step(&q, 2, (char[]){"c1"}), 0);
    assert_int_equal(step(&q, 1, (char[]){"b1"}), 0);
    assert_int_equal(step(&q, 0, (char[]){"a1"}), 0);
    assert_int_equal(step(&q, 2, (char[]){"c2"}), 0);
    assert_int_equal(entries(&f), 2);
    vr_ordered_done(&q, 2);
    vr_ordered_done(&q, 0);
    assert_names(vr_buf_str(&f.log_path), "a1 b1");
    assert_int_equal(entries(&f), 1); /* 1's drained at its turn; 2 waits for 1 */
    assert_int_equal(step(&q, 1, (char[]){"b2"}), 0);
    vr_ordered_done(&q, 1);
    assert_names(vr_buf_str(&f.log_path), "a1 b1 b2 c1 c2");
    assert_int_equal(entries(&f), 0);
    vr_ordered_free(&q);
    vr_outputs_close(&out);
    teardown(&f);
}

/* A log that is a device: no spool beside it (records held in memory, as without a log). */
static void test_device_log_has_no_spool(void **state)
{
    (void)state;
    vr_outputs out;
    vr_error err = VR_ERROR_INIT;
    open_outputs(&out, "/dev/null", &err);
    assert_null(out.spool.dir);
    vr_ordered q;
    vr_ordered_init(&q, &out, 2);
    assert_int_equal(step(&q, 1, (char[]){"held"}), 0);
    assert_int_equal(q.held[1].count, 1); /* in memory */
    assert_int_equal(access("/dev/null.spool", F_OK), -1);
    vr_ordered_done(&q, 0);
    vr_ordered_done(&q, 1);
    assert_int_equal(q.held[1].count, 0);
    vr_ordered_free(&q);
    vr_outputs_close(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_and_drain),
        cmocka_unit_test(test_no_follow_on_create),
        cmocka_unit_test(test_recover_in_order),
        cmocka_unit_test(test_recover_torn_line),
        cmocka_unit_test(test_recover_no_copies),
        cmocka_unit_test(test_recover_leaves_live_and_links),
        cmocka_unit_test(test_held_record_survives_a_kill),
        cmocka_unit_test(test_ordered_leaves_no_spool),
        cmocka_unit_test(test_device_log_has_no_spool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
