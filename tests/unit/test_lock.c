/* test_lock: per-organization run lock: contention, the holder in the message, release on
 * SIGKILL of the holder, and the lock dir checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "vr_lock.h"
#include "vr_util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_acquire_release(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("lock");
    vr_buf sub = VR_BUF_INIT;
    vr_buf_printf(&sub, "%s/locks", dir); /* created on demand */
    vr_lock l = VR_LOCK_INIT, l2 = VR_LOCK_INIT;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_lock_acquire(&l, vr_buf_str(&sub), "org-1", "apply", NULL, &err), 0);
    struct stat st;
    assert_int_equal(stat(vr_buf_str(&sub), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(l.path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    vr_lock_holder h;
    assert_int_equal(vr_lock_read_holder(l.path, &h), 0);
    assert_int_equal(h.pid, (long)getpid());
    assert_string_equal(h.command, "apply");
    assert_true(strlen(h.since) == 24);

    /* a second open file description conflicts, even in the same process */
    vr_lock_holder h2;
    assert_int_equal(vr_lock_acquire(&l2, vr_buf_str(&sub), "org-1", "apply", &h2, &err),
                     VR_LOCK_BUSY);
    assert_string_equal(err.code, "lock.busy");
    assert_int_equal(h2.pid, (long)getpid());
    char want[64];
    snprintf(want, sizeof want, "locked by pid %ld", (long)getpid());
    assert_non_null(strstr(err.message, want));
    assert_non_null(strstr(err.message, "org-1"));
    assert_int_equal(l2.fd, -1);

    /* another organization is independent */
    vr_error_clear(&err);
    assert_int_equal(vr_lock_acquire(&l2, vr_buf_str(&sub), "org-2", "apply", NULL, &err), 0);
    vr_lock_release(&l2);

    char *path = vr_strdup(l.path);
    vr_lock_release(&l);
    vr_lock_release(&l);                  /* safe to repeat */
    assert_int_equal(stat(path, &st), 0); /* kept, emptied */
    assert_int_equal(st.st_size, 0);
    assert_int_equal(vr_lock_acquire(&l, vr_buf_str(&sub), "org-1", "drift", NULL, &err), 0);
    vr_lock_release(&l);
    free(path);
    vr_buf_free(&sub);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_released_on_sigkill(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("lock");
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(pfd[0]);
        vr_lock l = VR_LOCK_INIT;
        vr_error err = VR_ERROR_INIT;
        char ok = vr_lock_acquire(&l, dir, "org-k", "apply", NULL, &err) == 0 ? 'y' : 'n';
        if (write(pfd[1], &ok, 1) != 1) _exit(2);
        for (;;)
            pause();
    }
    close(pfd[1]);
    char ok = 0;
    assert_int_equal(read(pfd[0], &ok, 1), 1);
    close(pfd[0]);
    assert_int_equal(ok, 'y');

    vr_lock l = VR_LOCK_INIT;
    vr_lock_holder h;
    vr_error err = VR_ERROR_INIT;
    int rc = vr_lock_acquire(&l, dir, "org-k", "apply", &h, &err);
    kill(child, SIGKILL);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_int_equal(rc, VR_LOCK_BUSY);
    assert_int_equal(h.pid, (long)child);
    char want[64];
    snprintf(want, sizeof want, "locked by pid %ld", (long)child);
    assert_non_null(strstr(err.message, want));
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    /* the kernel released it with the process */
    vr_error_clear(&err);
    assert_int_equal(vr_lock_acquire(&l, dir, "org-k", "apply", &h, &err), 0);
    vr_lock_release(&l);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("lock");
    vr_lock l = VR_LOCK_INIT;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_lock_acquire(&l, dir, "../etc", "apply", NULL, &err), -1);
    assert_string_equal(err.code, "lock.failed");
    assert_int_equal(vr_lock_acquire(&l, dir, "", "apply", NULL, &err), -1);
    assert_int_equal(vr_lock_acquire(&l, dir, ".hidden", "apply", NULL, &err), -1);

    /* a symlink as lock dir is refused */
    vr_buf link = VR_BUF_INIT;
    vr_buf_printf(&link, "%s/link", dir);
    assert_int_equal(symlink(dir, vr_buf_str(&link)), 0);
    vr_error_clear(&err);
    assert_int_equal(vr_lock_acquire(&l, vr_buf_str(&link), "org", "apply", NULL, &err), -1);
    assert_non_null(strstr(err.message, "not a directory"));

    /* a file as lock dir */
    vr_buf file = VR_BUF_INIT;
    vr_buf_printf(&file, "%s/file", dir);
    assert_int_equal(vr_test_write(vr_buf_str(&file), "x", 1), 0);
    assert_int_equal(vr_lock_acquire(&l, vr_buf_str(&file), "org", "apply", NULL, &err), -1);
    vr_buf_free(&link);
    vr_buf_free(&file);
    vr_test_rm_rf(dir);
    free(dir);
}

/* The holder line is read from a file anyone with the lock dir may write: a pid that no
 * integer holds (1e30; converting it was undefined behaviour) or that is not a process id is
 * no holder line; the other fields are cut to their buffers. Reproducers also in
 * fixtures/fuzz/lock/. */
static void test_holder_pid_out_of_range(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("lock");
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/org.lock", dir);
    static const struct {
        const char *line;
        int rc;
        long pid;
    } cases[] = {
        {"{\"pid\": 1234, \"host\": \"h\"}", 0, 1234},
        {"{\"pid\": 2147483647}", 0, 2147483647},
        {"{\"pid\": 1e30, \"host\": \"h\"}", -1, 0},
        {"{\"pid\": -1e30}", -1, 0},
        {"{\"pid\": 1e300}", -1, 0},
        {"{\"pid\": 2147483648}", -1, 0},
        {"{\"pid\": 12.5}", -1, 0},
        {"{\"pid\": 0}", -1, 0},
        {"{\"pid\": \"1234\"}", -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *line = cases[i].line;
        assert_int_equal(vr_test_write(vr_buf_str(&path), line, strlen(line)), 0);
        vr_lock_holder h;
        assert_int_equal(vr_lock_read_holder(vr_buf_str(&path), &h), cases[i].rc);
        assert_int_equal(h.pid, cases[i].pid);
    }
    vr_buf long_host = VR_BUF_INIT;
    vr_buf_puts(&long_host, "{\"pid\": 7, \"host\": \"");
    for (int i = 0; i < 400; i++)
        vr_buf_puts(&long_host, "h");
    vr_buf_puts(&long_host, "\"}");
    assert_int_equal(vr_test_write(vr_buf_str(&path), long_host.data, long_host.len), 0);
    vr_lock_holder h;
    assert_int_equal(vr_lock_read_holder(vr_buf_str(&path), &h), 0);
    assert_int_equal(strlen(h.host), sizeof h.host - 1);
    vr_buf_free(&long_host);
    vr_buf_free(&path);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_default_dir(void **state)
{
    (void)state;
    char *old = getenv("XDG_RUNTIME_DIR") ? vr_strdup(getenv("XDG_RUNTIME_DIR")) : NULL;
    char *d = NULL;
    setenv("XDG_RUNTIME_DIR", "/run/user/4242", 1);
    assert_int_equal(vr_lock_default_dir(&d), 0);
    assert_string_equal(d, "/run/user/4242/vni-reconcile");
    free(d);
    unsetenv("XDG_RUNTIME_DIR");
    assert_int_equal(vr_lock_default_dir(&d), 0);
    char want[64];
    snprintf(want, sizeof want, "/tmp/vni-reconcile-%lu", (unsigned long)getuid());
    assert_string_equal(d, want);
    free(d);
    if (old) {
        setenv("XDG_RUNTIME_DIR", old, 1);
        free(old);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acquire_release), cmocka_unit_test(test_released_on_sigkill),
        cmocka_unit_test(test_bad_inputs),      cmocka_unit_test(test_holder_pid_out_of_range),
        cmocka_unit_test(test_default_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
