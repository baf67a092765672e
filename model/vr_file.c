/* vr_file: files written whole or not at all; targets that are not regular written in place. */
#include "vr_file.h"

#include "vr_errcode.h"
#include "vr_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Room kept in a temporary's name for the dot, the separator and the random part. */
#define TMP_SUFFIX_LEN 14
/* The longest part of the target's name copied into a temporary's name (NAME_MAX is 255). */
#define TMP_BASE_MAX 200

int vr_file_std_fd(const char *path)
{
    if (!path) return -1;
    if (strcmp(path, "/dev/stdout") == 0) return 1;
    if (strcmp(path, "/dev/stderr") == 0) return 2;
    long n;
    if (strncmp(path, "/dev/fd/", 8) == 0 && path[8] >= '0' && path[8] <= '9' &&
        vr_parse_long(path + 8, 0, INT_MAX, &n) == 0)
        return (int)n;
    return -1;
}

bool vr_file_in_place(const char *path)
{
    if (vr_file_std_fd(path) >= 0) return true;
    struct stat st;
    return path && lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode) &&
           !S_ISDIR(st.st_mode);
}

/* The directory part of path ("." when it has none, "/" for a file at the root). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return vr_strdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = vr_xmalloc(n + 1);
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

int vr_file_sync_parent(const char *path)
{
    char *dir = dir_of(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0) return -1;
    int rc = 0;
    while (fsync(fd) != 0) {
        if (errno == EINTR) continue;
        if (errno != EINVAL) rc = -1; /* EINVAL: this file system does not sync directories */
        break;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

static int fail(vr_error *err, const char *what, const char *path, const char *why)
{
    int saved = errno;
    vr_error_set(err, VR_ERR_FILE_WRITE, "%s %s: cannot write it: %s", what, path, why);
    errno = saved;
    return -1;
}

/* Written in place: an open descriptor of this process, or a device or FIFO opened without
 * O_CREAT and O_TRUNC. Returns 0, 1 when path turned out to be a regular file after all (it
 * changed since it was looked at: the caller writes it the regular way), or -1 with err. */
static int write_in_place(const char *path, const void *data, size_t len, const char *what,
                          vr_error *err)
{
    int fd = vr_file_std_fd(path);
    bool own = fd < 0;
    if (own) {
        fd = open(path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) return fail(err, what, path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            close(fd);
            return 1;
        }
    }
    /* fsync is refused by pipes and terminals (EINVAL, EROFS, ENOTSUP): nothing to make
     * durable there; a block device is synced */
    int rc = vr_write_all(fd, data, len);
    if (rc == 0 && fsync(fd) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP) rc = -1;
    int saved = errno;
    if (own && close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    errno = saved;
    return rc < 0 ? fail(err, what, path, strerror(errno)) : 0;
}

/* A new temporary beside path: ".NAME.XXXXXXXXXXXX", created exclusively. Returns its fd and
 * the malloc'd name in *out_tmp, or -1 with errno. */
static int make_temporary(const char *path, unsigned mode, char **out_tmp)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dir_len;
    size_t base_len = strlen(base);
    if (base_len > TMP_BASE_MAX) base_len = TMP_BASE_MAX;
    size_t cap = dir_len + base_len + TMP_SUFFIX_LEN + 1;
    char *tmp = vr_xmalloc(cap);
    for (int tries = 0; tries < 100; tries++) {
        uint64_t r = vr_random_u64();
        char rnd[13];
        for (int i = 0; i < 12; i++) {
            rnd[i] = alphabet[r % 36];
            r /= 36;
        }
        rnd[12] = '\0';
        snprintf(tmp, cap, "%.*s.%.*s.%s", (int)dir_len, path, (int)base_len, base, rnd);
        int fd =
            open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)(mode & 07777));
        if (fd >= 0) {
            *out_tmp = tmp;
            return fd;
        }
        if (errno != EEXIST) break;
    }
    int saved = errno;
    free(tmp);
    errno = saved;
    return -1;
}

int vr_file_write(const char *path, const void *data, size_t len, unsigned mode, const char *what,
                  vr_error *err)
{
    if (!path || !*path) {
        errno = EINVAL;
        return fail(err, what, "", "no file name");
    }
    struct stat st;
    bool exists = lstat(path, &st) == 0;
    if (!exists && errno != ENOENT) return fail(err, what, path, strerror(errno));
    if (exists && S_ISLNK(st.st_mode) && vr_file_std_fd(path) < 0) {
        errno = ELOOP;
        return fail(err, what, path,
                    "it is a symbolic link, and vni-reconcile never writes through one (name "
                    "the file it points to instead)");
    }
    if (vr_file_std_fd(path) >= 0 || (exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
        int rc = write_in_place(path, data, len, what, err);
        if (rc <= 0) return rc;
    }
    if (exists && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return fail(err, what, path, strerror(errno));
    }

    char *tmp = NULL;
    int fd = make_temporary(path, mode, &tmp);
    if (fd < 0) return fail(err, what, path, strerror(errno));
    const char *step = NULL;
    if (vr_write_all(fd, data, len) != 0)
        step = "";
    else if (fsync(fd) != 0)
        step = "fsync: ";
    int saved = errno;
    if (close(fd) != 0 && !step) {
        step = "";
        saved = errno;
    }
    if (!step && rename(tmp, path) != 0) {
        step = "rename: ";
        saved = errno;
    }
    if (step) {
        unlink(tmp);
        free(tmp);
        errno = saved;
        vr_error_set(err, VR_ERR_FILE_WRITE, "%s %s: cannot write it: %s%s", what, path, step,
                     strerror(saved));
        errno = saved;
        return -1;
    }
    free(tmp);
    if (vr_file_sync_parent(path) != 0) {
        int e = errno;
        vr_error_set(err, VR_ERR_FILE_WRITE,
                     "%s %s: written, but its directory could not be synced: %s", what, path,
                     strerror(e));
        errno = e;
        return -1;
    }
    return 0;
}
