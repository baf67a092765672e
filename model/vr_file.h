/* vr_file: the files vni-reconcile writes (plan files, metrics, the webhook outbox, reports)
 * are written whole or not at all, never through a symbolic link, and a target that is not a
 * regular file is written in place, never replaced (docs/cli.md "Files it writes").
 *
 * How vr_file_write treats its target path:
 *   "/dev/stdout", "/dev/stderr", "/dev/fd/N"   written to that descriptor of this process
 *                                               (not opened by name: on Linux these are links)
 *   a symbolic link                             refused (ELOOP), whatever it points to: a
 *                                               planted link must not redirect the write
 *   an existing device, FIFO or socket          opened for writing without O_CREAT and
 *                                               O_TRUNC and written in place (a FIFO waits
 *                                               for its reader); never replaced
 *   a regular file, or nothing yet              a new temporary ".NAME.XXXXXXXXXXXX" in the
 *                                               same directory, created with O_EXCL and
 *                                               O_NOFOLLOW (mode minus the umask), written,
 *                                               fsync'd, renamed over path, the directory
 *                                               fsync'd
 * On any failure (disk full, permissions, a short write) the temporary is removed, the old
 * target is left as it was, and the error names the file. Nothing here prints. */
#ifndef VR_FILE_H
#define VR_FILE_H

#include "vr_diag.h"

#include <stdbool.h>
#include <stddef.h>

/* Writes len bytes of data to path as described above. mode: the permission bits of a new
 * file (the umask applies). what names the file in messages ("plan file", "metrics file").
 * Returns 0, or -1 with errno kept and err set (code VR_ERR_FILE_WRITE "file.write", message
 * "<what> <path>: cannot write it: <why>"). */
int vr_file_write(const char *path, const void *data, size_t len, unsigned mode, const char *what,
                  vr_error *err);

/* True when path names a target vr_file_write writes in place: /dev/stdout, /dev/stderr,
 * /dev/fd/N, or an existing file that is neither regular, nor a folder, nor a symbolic link. Beside
 * such a target no lock or temporary file is made, and its content is not read back (a FIFO would
 * block, /dev/zero never ends). */
bool vr_file_in_place(const char *path);

/* The descriptor path names by convention: 1 for /dev/stdout, 2 for /dev/stderr, N for
 * /dev/fd/N (N a decimal number); -1 for any other path. */
int vr_file_std_fd(const char *path);

/* fsync of the directory holding path, so that a name just created or renamed there lasts.
 * Returns 0 (also when the file system cannot sync directories: EINVAL), or -1 with errno. */
int vr_file_sync_parent(const char *path);

#endif
