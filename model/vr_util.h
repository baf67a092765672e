/* vr_util: small shared helpers: growable buffer, clocks, UUIDs, timestamps, SHA-256, HMAC. */
#ifndef VR_UTIL_H
#define VR_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable NUL-terminated byte buffer with a maximum size (0: no maximum).
 * Invariant: data is NULL (empty, nothing allocated) or holds len bytes plus a NUL.
 * Owned by the caller; vr_buf_free() releases it and leaves an empty buffer. */
typedef struct {
    char *data;
    size_t len, cap, max;
    bool overflow; /* set once an append was refused because of max, or out of memory */
} vr_buf;

#define VR_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0, 0, false                                                                       \
    }

/* Appends; returns 0, or -1 (and sets overflow) when past max or out of memory. */
int vr_buf_append(vr_buf *b, const void *data, size_t len);
int vr_buf_puts(vr_buf *b, const char *s);
int vr_buf_printf(vr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vr_buf_vprintf(vr_buf *b, const char *fmt, va_list ap);
void vr_buf_reset(vr_buf *b);
void vr_buf_free(vr_buf *b);
/* The text, never NULL ("" when empty). Valid until the next append or free. */
const char *vr_buf_str(const vr_buf *b);
/* Hands over data (malloc'd, caller frees) and leaves the buffer empty. */
char *vr_buf_detach(vr_buf *b);

/* Milliseconds of a monotonic clock, for durations. */
int64_t vr_now_ms(void);
/* Wall-clock milliseconds since the epoch. */
int64_t vr_wall_ms(void);
/* Sleeps ms milliseconds (restarting on EINTR). */
void vr_sleep_ms(int64_t ms);

/* "2026-11-24T10:00:01.234Z" for wall-clock ms into out (at least 32 bytes). */
void vr_iso8601(int64_t wall_ms, char *out);

/* A random version-4 UUID, lower-case, into out (at least 37 bytes). */
void vr_uuid4(char *out);

/* Random 64 bits from the OS (for jitter, not secrets). */
uint64_t vr_random_u64(void);

/* The one backoff of the project (API calls in vr_http, webhook deliveries in vr_webhook):
 * exponential with full jitter. The wait before retry number n (0 for the first retry) is
 * drawn uniformly from 0 .. min(cap_ms, base_ms * 2^n), both ends included, from rnd (any 64
 * random bits). base_ms <= 0 gives 0. Pure. */
int64_t vr_backoff_ms(int64_t base_ms, int64_t cap_ms, int n, uint64_t rnd);

/* Fits the wait before the next try into the time left (left_ms, from now to the deadline),
 * keeping min_try_ms for that try: the wait is max(backoff_ms, min_wait_ms) (min_wait_ms: a
 * server's Retry-After, which is never shortened; < 0 when none), cut so that it ends
 * min_try_ms before the deadline. Returns the wait, or -1 when not even min_wait_ms fits (no
 * time is left for another try: stop now rather than sleep for nothing). Pure. */
int64_t vr_retry_wait_ms(int64_t backoff_ms, int64_t min_wait_ms, int64_t left_ms,
                         int64_t min_try_ms);

/* Lower-case hex SHA-256 of data into out (65 bytes). */
void vr_sha256_hex(const void *data, size_t len, char *out);
/* SHA-256 of data given in pieces (a file read as a stream, a long record): vr_sha256_init,
 * any number of vr_sha256_update, then vr_sha256_final_hex (which releases it; out 65 bytes),
 * or vr_sha256_discard. Aborts on out-of-memory, like vr_xmalloc. */
typedef struct {
    void *ctx; /* libcrypto's EVP_MD_CTX */
} vr_sha256;
void vr_sha256_init(vr_sha256 *h);
void vr_sha256_update(vr_sha256 *h, const void *data, size_t len);
void vr_sha256_final_hex(vr_sha256 *h, char *out);
void vr_sha256_discard(vr_sha256 *h);
/* Lower-case hex HMAC-SHA256(key, data) into out (65 bytes). */
void vr_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len, char *out);

/* Reads a whole file (or "-" for stdin) up to max bytes. *out malloc'd, NUL-terminated.
 * Returns 0; -1 with errno on I/O errors; -2 when the file is larger than max. */
int vr_read_file(const char *path, size_t max, char **out, size_t *out_len);

/* The same for a path that must name a regular file (symbolic links are followed): a FIFO, a
 * device, a socket or a folder is refused without being read and without waiting (opened
 * O_NONBLOCK, then fstat'd): -3. No "-" for stdin. Returns 0, -1 (errno), -2 or -3. */
int vr_read_regular_file(const char *path, size_t max, char **out, size_t *out_len);

/* Writes all of data to fd, going on after short writes and EINTR. Returns 0, or -1 with
 * errno (EIO for a write that makes no progress). */
int vr_write_all(int fd, const void *data, size_t len);

/* strdup that aborts on out-of-memory (allocation failure is not recoverable here). */
char *vr_strdup(const char *s);
/* malloc/calloc/realloc that abort on out-of-memory. */
void *vr_xmalloc(size_t n);
void *vr_xcalloc(size_t n, size_t size);
void *vr_xrealloc(void *p, size_t n);

/* Parses a decimal long in [min,max] with nothing after it. Returns 0, or -1. */
int vr_parse_long(const char *s, long min, long max, long *out);

/* Text from outside (the platform's names, states, messages) shown on a terminal: control
 * characters (C0, DEL, and UTF-8-encoded C1) could move the cursor, recolour or fake report
 * lines. vr_text_needs_escape tells whether s has any; vr_text_escape returns a malloc'd copy
 * with each written visibly (\n, \t, \r, \x1b, \u009b). NULL gives "". */
bool vr_text_needs_escape(const char *s);
char *vr_text_escape(const char *s);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t vr_edit_distance(const char *a, const char *b);

#endif
