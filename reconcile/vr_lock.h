/* vr_lock: one apply per organization at a time. A lock file per organization held with
 * flock(LOCK_EX | LOCK_NB) for the run: the kernel releases it when the process ends, however
 * it ends (even SIGKILL), so a crashed run never leaves it stuck. The file holds the holder's
 * pid, host and start time for a clear "locked by pid N on HOST since T" message; it is never
 * deleted (deleting a lock file races with the next locker), only emptied on release.
 *
 * File: <dir>/<org>.lock, mode 0600, opened with O_NOFOLLOW and O_CLOEXEC. Content, one line
 * of JSON: {"pid": 1234, "host": "ci-runner-3", "since": "2026-11-24T10:00:01.234Z",
 * "command": "apply"}.
 * Default dir: "$XDG_RUNTIME_DIR/vni-reconcile" when XDG_RUNTIME_DIR is set, else
 * "/tmp/vni-reconcile-<uid>". The dir is created with mode 0700 when missing; an existing one
 * must be a real directory (not a symlink) owned by the caller's uid, so another user cannot
 * plant it in /tmp. flock locks are per host: the lock dir must be on a local file system. */
#ifndef VR_LOCK_H
#define VR_LOCK_H

#include "vr_diag.h"

#include <stdbool.h>

/* Returned by vr_lock_acquire when another process holds the lock. */
#define VR_LOCK_BUSY (-2)

/* A held lock. Zero-initialise with VR_LOCK_INIT; owns fd and path; vr_lock_release() frees.
 * Not inherited by child processes (O_CLOEXEC). */
typedef struct {
    int fd;
    char *path;
} vr_lock;

#define VR_LOCK_INIT                                                                               \
    {                                                                                              \
        -1, NULL                                                                                   \
    }

/* Who holds a lock, as read from its file (fields "" / 0 when unknown). */
typedef struct {
    long pid;
    char host[256];
    char since[40];
    char command[32];
} vr_lock_holder;

/* The default lock dir, malloc'd into *out (caller frees). Returns 0 (always). */
int vr_lock_default_dir(char **out);

/* Takes the lock of organization org (1..128 of [A-Za-z0-9._-], not starting with '.') in dir
 * (NULL: the default dir) without waiting, and writes the holder line (command e.g. "apply").
 * Returns 0 with *l holding the lock; VR_LOCK_BUSY when another process holds it, with err
 * (code "lock.busy", message "organization ORG is locked by pid N on HOST since T (lock file
 * PATH)") and *holder filled when not NULL; -1 with err on other errors (code "lock.failed"). */
int vr_lock_acquire(vr_lock *l, const char *dir, const char *org, const char *command,
                    vr_lock_holder *holder, vr_error *err);

/* Empties the file and releases the lock; l is left as VR_LOCK_INIT. Safe to repeat. */
void vr_lock_release(vr_lock *l);

/* Reads the holder line of a lock file (whether or not it is held). Returns 0, or -1 when it
 * cannot be read or holds no holder line (a JSON object whose "pid" is a whole number from 1
 * to INT_MAX; the other fields are optional, and cut to their buffers). */
int vr_lock_read_holder(const char *path, vr_lock_holder *out);

#endif
