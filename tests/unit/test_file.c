/* test_file: vr_file_write: whole or not at all, a unique temporary removed on failure, never
 * through a symbolic link, devices and FIFOs written in place (and left what they are). Only
 * /dev/null and /dev/full are written among real devices: writing cannot harm them, and the
 * tests check they are still character devices afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "vr_file.h"
#include "vr_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* The names in dir, sorted, joined by spaces ("" when empty). */
static char *listing(const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    assert_true(n >= 0);
    vr_buf b = VR_BUF_INIT;
    vr_buf_puts(&b, "");
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
            vr_buf_printf(&b, "%s%s", b.len ? " " : "", names[i]->d_name);
        free(names[i]);
    }
    free(names);
    return vr_buf_detach(&b);
}

static char *slurp(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(vr_read_file(path, 1 << 20, &text, &len), 0);
    return text;
}

static char *path_in(const char *dir, const char *name)
{
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s/%s", dir, name);
    return vr_buf_detach(&b);
}

static void assert_char_device(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

static void test_new_and_replaced(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("file");
    char *p = path_in(dir, "plan.json");
    vr_error err = VR_ERROR_INIT;
    mode_t old_mask = umask(027);
    assert_int_equal(vr_file_write(p, "first\n", 6, 0666, "plan file", &err), 0);
    umask(old_mask);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640); /* the mode minus the umask */
    char *text = slurp(p);
    assert_string_equal(text, "first\n");
    free(text);
    char *names = listing(dir);
    assert_string_equal(names, "plan.json"); /* no temporary left */
    free(names);

    /* replaced by a rename: a new inode, the whole new content */
    ino_t before = st.st_ino;
    assert_int_equal(vr_file_write(p, "second", 6, 0644, "plan file", &err), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_true(st.st_ino != before);
    text = slurp(p);
    assert_string_equal(text, "second");
    free(text);
    names = listing(dir);
    assert_string_equal(names, "plan.json");
    free(names);

    /* a name without a folder is in the current one */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(vr_file_write("here.txt", "x", 1, 0644, "plan file", &err), 0);
    assert_int_equal(chdir(cwd), 0);
    names = listing(dir);
    assert_string_equal(names, "here.txt plan.json");
    free(names);

    free(p);
    vr_test_rm_rf(dir);
    free(dir);
}

/* A planted link is refused, whatever it points to; what it points to is left alone. The
 * temporary name of earlier versions (PATH.tmp.<pid>) planted as a link is not used. */
static void test_symlink_refused(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("file");
    char *victim = path_in(dir, "victim");
    char *p = path_in(dir, "plan.json");
    assert_int_equal(vr_test_write(victim, "precious", 8), 0);
    assert_int_equal(symlink(victim, p), 0);
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_file_write(p, "evil", 4, 0644, "plan file", &err), -1);
    assert_int_equal(errno, ELOOP);
    assert_string_equal(err.code, "file.write");
    assert_non_null(strstr(err.message, "plan file "));
    assert_non_null(strstr(err.message, p));
    assert_non_null(strstr(err.message, "symbolic link"));
    char *text = slurp(victim);
    assert_string_equal(text, "precious");
    free(text);
    struct stat st;
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISLNK(st.st_mode)); /* the link itself is not replaced either */
    char *names = listing(dir);
    assert_string_equal(names, "plan.json victim");
    free(names);

    /* a dangling link: nothing is created where it points */
    char *nowhere = path_in(dir, "nowhere");
    char *p2 = path_in(dir, "dangling.json");
    assert_int_equal(symlink(nowhere, p2), 0);
    assert_int_equal(vr_file_write(p2, "x", 1, 0644, "metrics file", &err), -1);
    assert_non_null(strstr(err.message, "metrics file "));
    assert_int_equal(access(nowhere, F_OK), -1);

    /* the predictable temporary of earlier versions, planted: not followed */
    unlink(p);
    vr_buf old_tmp = VR_BUF_INIT;
    vr_buf_printf(&old_tmp, "%s.tmp.%ld", p, (long)getpid());
    assert_int_equal(symlink(victim, vr_buf_str(&old_tmp)), 0);
    assert_int_equal(vr_file_write(p, "plan", 4, 0644, "plan file", &err), 0);
    text = slurp(victim);
    assert_string_equal(text, "precious");
    free(text);
    text = slurp(p);
    assert_string_equal(text, "plan");
    free(text);

    vr_buf_free(&old_tmp);
    free(nowhere);
    free(p2);
    free(p);
    free(victim);
    vr_test_rm_rf(dir);
    free(dir);
}

/* A write that fails half-way (the file size limit: EFBIG) leaves the old target as it was
 * and no temporary behind; the error names the file. */
static void test_failure_leaves_target(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("file");
    char *p = path_in(dir, "vni.prom");
    assert_int_equal(vr_test_write(p, "old content\n", 12), 0);
    size_t n = 64 * 1024;
    char *big = vr_xmalloc(n);
    memset(big, 'x', n);

    struct rlimit saved;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = {4096, saved.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    vr_error err = VR_ERROR_INIT;
    int rc = vr_file_write(p, big, n, 0644, "metrics file", &err);
    int e = errno;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_handler);

    assert_int_equal(rc, -1);
    assert_int_equal(e, EFBIG);
    assert_non_null(strstr(err.message, "metrics file "));
    assert_non_null(strstr(err.message, p));
    assert_non_null(strstr(err.message, strerror(EFBIG)));
    char *text = slurp(p);
    assert_string_equal(text, "old content\n");
    free(text);
    char *names = listing(dir);
    assert_string_equal(names, "vni.prom");
    free(names);

    /* a folder that does not exist, and a folder as target */
    char *missing = path_in(dir, "no/such/dir/plan.json");
    assert_int_equal(vr_file_write(missing, "x", 1, 0644, "plan file", &err), -1);
    assert_non_null(strstr(err.message, missing));
    assert_int_equal(vr_file_write(dir, "x", 1, 0644, "plan file", &err), -1);
    assert_non_null(strstr(err.message, strerror(EISDIR)));

    free(missing);
    free(big);
    free(p);
    vr_test_rm_rf(dir);
    free(dir);
}

static void test_devices_in_place(void **state)
{
    (void)state;
    vr_error err = VR_ERROR_INIT;
    assert_true(vr_file_in_place("/dev/null"));
    assert_int_equal(vr_file_write("/dev/null", "plan", 4, 0644, "plan file", &err), 0);
    assert_char_device("/dev/null");

    assert_int_equal(vr_file_write("/dev/full", "plan", 4, 0644, "plan file", &err), -1);
    assert_int_equal(errno, ENOSPC);
    assert_non_null(strstr(err.message, "plan file /dev/full: cannot write it: "));
    assert_non_null(strstr(err.message, strerror(ENOSPC)));
    assert_char_device("/dev/full");
    /* nothing was made beside them */
    assert_int_equal(access("/dev/.full", F_OK), -1);
}

typedef struct {
    const char *path;
    char got[64];
} fifo_reader;

static void *read_fifo(void *arg)
{
    fifo_reader *r = arg;
    int fd = open(r->path, O_RDONLY);
    size_t n = 0;
    ssize_t k;
    while (fd >= 0 && n + 1 < sizeof r->got &&
           (k = read(fd, r->got + n, sizeof r->got - 1 - n)) > 0)
        n += (size_t)k;
    r->got[n] = '\0';
    if (fd >= 0) close(fd);
    return NULL;
}

static void test_fifo_and_descriptors(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("file");
    char *fifo = path_in(dir, "plan.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_true(vr_file_in_place(fifo));
    fifo_reader r = {fifo, ""};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_fifo, &r), 0);
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_file_write(fifo, "{\"plan\":1}\n", 11, 0644, "plan file", &err), 0);
    pthread_join(t, NULL);
    assert_string_equal(r.got, "{\"plan\":1}\n");
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode)); /* still a FIFO, not replaced by a file */
    char *names = listing(dir);
    assert_string_equal(names, "plan.fifo");
    free(names);

    /* /dev/fd/N is this process's descriptor N (a pipe here), never opened by name */
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    vr_buf name = VR_BUF_INIT;
    vr_buf_printf(&name, "/dev/fd/%d", pfd[1]);
    assert_int_equal(vr_file_std_fd(vr_buf_str(&name)), pfd[1]);
    assert_true(vr_file_in_place(vr_buf_str(&name)));
    assert_int_equal(vr_file_write(vr_buf_str(&name), "via fd", 6, 0644, "plan file", &err), 0);
    char buf[16] = "";
    assert_int_equal(read(pfd[0], buf, sizeof buf - 1), 6);
    assert_string_equal(buf, "via fd");
    close(pfd[0]);
    close(pfd[1]);
    vr_buf_free(&name);

    assert_int_equal(vr_file_std_fd("/dev/stdout"), 1);
    assert_int_equal(vr_file_std_fd("/dev/stderr"), 2);
    assert_int_equal(vr_file_std_fd("/dev/fd/"), -1);
    assert_int_equal(vr_file_std_fd("/dev/fd/1x"), -1);
    assert_int_equal(vr_file_std_fd("/tmp/stdout"), -1);
    assert_false(vr_file_in_place(dir)); /* a folder is not written in place: it is an error */
    char *nothing = path_in(dir, "nothing");
    assert_false(vr_file_in_place(nothing));
    free(nothing);

    free(fifo);
    vr_test_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_and_replaced),      cmocka_unit_test(test_symlink_refused),
        cmocka_unit_test(test_failure_leaves_target), cmocka_unit_test(test_devices_in_place),
        cmocka_unit_test(test_fifo_and_descriptors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
