/* harness: what the fuzz targets (fuzz/fuzz_*.c) share. Each target defines
 * LLVMFuzzerTestOneInput and is linked either with libFuzzer (clang, `make fuzz`) or with
 * fuzz/replay_main.c (gcc, `make check`: every file of its corpus once). docs/fuzzing.md. */
#ifndef FUZZ_HARNESS_H
#define FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* The organization id the seeds and the dictionaries use (vni-sim's default one). */
#define FZ_ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data to the file "input" of this process's own temporary folder (made on first use
 * under $TMPDIR or /tmp, removed at exit) and returns its path. For parsers that read a path.
 * Aborts when the file cannot be written. */
const char *fz_file(const uint8_t *data, size_t size);

/* A malloc'd NUL-terminated copy of data (for parsers that want a C string). */
char *fz_cstr(const uint8_t *data, size_t size);

/* Aborts with a message when cond is false: a broken invariant is a finding like a crash. */
void fz_check(int cond, const char *what);

#endif
