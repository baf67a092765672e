/* vr_lock: per-organization run lock with flock; the kernel releases it when the holder dies. */
#include "vr_lock.h"
#include "vr_errcode.h"

#include "vr_json.h"
#include "vr_util.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOLDER_MAX 4096

int vr_lock_default_dir(char **out)
{
    vr_buf b = VR_BUF_INIT;
    const char *rt = getenv("XDG_RUNTIME_DIR");
    if (rt && rt[0] == '/')
        vr_buf_printf(&b, "%s/vni-reconcile", rt);
    else
        vr_buf_printf(&b, "/tmp/vni-reconcile-%lu", (unsigned long)getuid());
    *out = vr_buf_detach(&b);
    return 0;
}

static bool org_valid(const char *org)
{
    size_t n = org ? strlen(org) : 0;
    if (n == 0 || n > 128 || org[0] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char c = org[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Creates dir (0700) when missing; an existing one must be our own real directory. */
static int ensure_dir(const char *dir, vr_error *err)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        vr_error_set(err, VR_ERR_LOCK_FAILED, "lock dir %s: cannot create it: %s", dir,
                     strerror(errno));
        return -1;
    }
    if (lstat(dir, &st) != 0) {
        vr_error_set(err, VR_ERR_LOCK_FAILED, "lock dir %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        vr_error_set(err, VR_ERR_LOCK_FAILED, "lock dir %s: not a directory (or a symbolic link)",
                     dir);
        return -1;
    }
    if (st.st_uid != getuid()) {
        vr_error_set(err, VR_ERR_LOCK_FAILED,
                     "lock dir %s: owned by uid %lu, not by this user (uid %lu)", dir,
                     (unsigned long)st.st_uid, (unsigned long)getuid());
        vr_error_remedy(err, "remove it or choose another lock dir");
        return -1;
    }
    return 0;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap) n = cap - 1;
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
}

static int parse_holder(const char *text, vr_lock_holder *out)
{
    memset(out, 0, sizeof *out);
    cJSON *j = cJSON_Parse(text);
    if (!j) return -1;
    int rc = -1;
    long long pid;
    if (vr_json_integer(cJSON_GetObjectItemCaseSensitive(j, "pid"), 1, INT_MAX, &pid) == 0) {
        out->pid = (long)pid;
        rc = 0;
    }
    const cJSON *s;
    if (cJSON_IsString(s = cJSON_GetObjectItemCaseSensitive(j, "host")))
        copy_str(out->host, sizeof out->host, s->valuestring);
    if (cJSON_IsString(s = cJSON_GetObjectItemCaseSensitive(j, "since")))
        copy_str(out->since, sizeof out->since, s->valuestring);
    if (cJSON_IsString(s = cJSON_GetObjectItemCaseSensitive(j, "command")))
        copy_str(out->command, sizeof out->command, s->valuestring);
    cJSON_Delete(j);
    return rc;
}

int vr_lock_read_holder(const char *path, vr_lock_holder *out)
{
    char *text = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    if (vr_read_file(path, HOLDER_MAX, &text, &len) != 0) return -1;
    int rc = parse_holder(text, out);
    free(text);
    return rc;
}

int vr_lock_acquire(vr_lock *l, const char *dir, const char *org, const char *command,
                    vr_lock_holder *holder, vr_error *err)
{
    char *def = NULL, *path = NULL;
    int fd = -1, rc = -1;
    vr_buf b = VR_BUF_INIT;

    *l = (vr_lock)VR_LOCK_INIT;
    if (holder) memset(holder, 0, sizeof *holder);
    if (!org_valid(org)) {
        vr_error_set(err, VR_ERR_LOCK_FAILED,
                     "lock: organization id \"%s\" is not usable in a file name", org ? org : "");
        goto done;
    }
    if (!dir || !dir[0]) {
        vr_lock_default_dir(&def);
        dir = def;
    }
    if (ensure_dir(dir, err) < 0) goto done;
    vr_buf_printf(&b, "%s/%s.lock", dir, org);
    path = vr_buf_detach(&b);

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        vr_error_set(err, VR_ERR_LOCK_FAILED, "lock file %s: %s", path, strerror(errno));
        goto done;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno == EWOULDBLOCK) {
            vr_lock_holder h;
            if (vr_lock_read_holder(path, &h) == 0)
                vr_error_set(err, VR_ERR_LOCK_BUSY,
                             "organization %s is locked by pid %ld on %s since %s (lock file %s)",
                             org, h.pid, h.host[0] ? h.host : "unknown host",
                             h.since[0] ? h.since : "an unknown time", path);
            else
                vr_error_set(err, VR_ERR_LOCK_BUSY,
                             "organization %s is locked by another process (lock file %s)", org,
                             path);
            vr_error_remedy(err, "wait for that run to end; the lock goes with the process");
            if (holder) *holder = h;
            rc = VR_LOCK_BUSY;
            goto done;
        }
        vr_error_set(err, VR_ERR_LOCK_FAILED, "lock file %s: flock: %s", path, strerror(errno));
        goto done;
    }

    /* ours: record who holds it */
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    char since[32];
    vr_iso8601(vr_wall_ms(), since);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "pid", (double)getpid());
    cJSON_AddStringToObject(j, "host", host);
    cJSON_AddStringToObject(j, "since", since);
    cJSON_AddStringToObject(j, "command", command ? command : "");
    char *line = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!line || ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0 ||
        vr_write_all(fd, line, strlen(line)) != 0 || vr_write_all(fd, "\n", 1) != 0) {
        vr_error_set(err, VR_ERR_LOCK_FAILED, "lock file %s: cannot write the holder: %s", path,
                     strerror(errno));
        free(line);
        goto done; /* closing fd releases the lock */
    }
    free(line);
    l->fd = fd;
    l->path = path;
    fd = -1;
    path = NULL;
    rc = 0;
done:
    if (fd >= 0) close(fd);
    free(path);
    free(def);
    return rc;
}

void vr_lock_release(vr_lock *l)
{
    if (l->fd >= 0) {
        if (ftruncate(l->fd, 0) != 0) {
            /* nothing to do: the lock goes with the descriptor all the same */
        }
        close(l->fd);
    }
    free(l->path);
    *l = (vr_lock)VR_LOCK_INIT;
}
