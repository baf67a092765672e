/* harness: temporary files and invariant checks for the fuzz targets. */
#include "harness.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The folder of fz_file. A fuzz target is one process with one input at a time: this is the
 * one piece of state the harness keeps between inputs. */
static char fz_dir[4096];
static char fz_path[4096 + 16];

static void remove_dir(void)
{
    if (!fz_dir[0]) return;
    unlink(fz_path);
    rmdir(fz_dir);
}

const char *fz_file(const uint8_t *data, size_t size)
{
    if (!fz_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fz_dir, sizeof fz_dir, "%s/vr-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fz_dir)) {
            perror("fuzz harness: mkdtemp");
            abort();
        }
        snprintf(fz_path, sizeof fz_path, "%s/input", fz_dir);
        atexit(remove_dir);
    }
    int fd = open(fz_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("fuzz harness: open");
        abort();
    }
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            perror("fuzz harness: write");
            abort();
        }
        off += (size_t)w;
    }
    close(fd);
    return fz_path;
}

char *fz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fz_check(int cond, const char *what)
{
    if (cond) return;
    fprintf(stderr, "fuzz harness: invariant broken: %s\n", what);
    abort();
}
