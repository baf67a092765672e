/* vr_util: growable buffer, clocks, UUIDs, timestamps, hashing, files. */
#include "vr_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int vr_buf_append(vr_buf *b, const void *data, size_t len)
{
    if (b->overflow) return -1;
    if (b->max && b->len + len > b->max) {
        b->overflow = true;
        return -1;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->overflow = true;
            return -1;
        }
        b->data = p;
        b->cap = cap;
    }
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int vr_buf_puts(vr_buf *b, const char *s)
{
    return vr_buf_append(b, s, strlen(s));
}

int vr_buf_vprintf(vr_buf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(small, sizeof(small), fmt, cp);
    va_end(cp);
    if (n < 0) return -1;
    if ((size_t)n < sizeof(small)) return vr_buf_append(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->overflow = true;
        return -1;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    int rc = vr_buf_append(b, big, (size_t)n);
    free(big);
    return rc;
}

int vr_buf_printf(vr_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vr_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void vr_buf_reset(vr_buf *b)
{
    b->len = 0;
    b->overflow = false;
    if (b->data) b->data[0] = '\0';
}

void vr_buf_free(vr_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->overflow = false;
}

const char *vr_buf_str(const vr_buf *b)
{
    return b->data ? b->data : "";
}

char *vr_buf_detach(vr_buf *b)
{
    char *d = b->data ? b->data : vr_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

int64_t vr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t vr_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vr_sleep_ms(int64_t ms)
{
    if (ms <= 0) return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

void vr_iso8601(int64_t wall_ms, char *out)
{
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)(wall_ms % 1000));
}

static void random_bytes(void *out, size_t n)
{
    unsigned char *p = out;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            abort();
        }
        p += got;
        n -= (size_t)got;
    }
}

void vr_uuid4(char *out)
{
    unsigned char b[16];
    random_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

uint64_t vr_random_u64(void)
{
    uint64_t v;
    random_bytes(&v, sizeof(v));
    return v;
}

int64_t vr_backoff_ms(int64_t base_ms, int64_t cap_ms, int n, uint64_t rnd)
{
    if (base_ms <= 0) return 0;
    int64_t ceiling = base_ms;
    for (int i = 0; i < n && ceiling < cap_ms; i++)
        ceiling *= 2;
    if (ceiling > cap_ms) ceiling = cap_ms > 0 ? cap_ms : 0;
    return (int64_t)(rnd % (uint64_t)(ceiling + 1));
}

int64_t vr_retry_wait_ms(int64_t backoff_ms, int64_t min_wait_ms, int64_t left_ms,
                         int64_t min_try_ms)
{
    int64_t floor_ms = min_wait_ms > 0 ? min_wait_ms : 0;
    int64_t wait = backoff_ms > floor_ms ? backoff_ms : floor_ms;
    int64_t room = left_ms - (min_try_ms > 0 ? min_try_ms : 0); /* the latest a wait may end */
    if (floor_ms > room || room < 0) return -1;
    return wait < room ? wait : room;
}

static void to_hex(const unsigned char *md, unsigned n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * n] = '\0';
}

void vr_sha256_hex(const void *data, size_t len, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    to_hex(md, n, out);
}

void vr_sha256_init(vr_sha256 *h)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) abort();
    h->ctx = c;
}

void vr_sha256_update(vr_sha256 *h, const void *data, size_t len)
{
    if (len) EVP_DigestUpdate(h->ctx, data, len);
}

void vr_sha256_final_hex(vr_sha256 *h, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(h->ctx, md, &n);
    to_hex(md, n, out);
    vr_sha256_discard(h);
}

void vr_sha256_discard(vr_sha256 *h)
{
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

void vr_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &n);
    to_hex(md, n, out);
}

/* Reads f to its end, up to max bytes (vr_read_file's contract); does not close f. */
static int read_stream(FILE *f, size_t max, char **out, size_t *out_len)
{
    vr_buf b = VR_BUF_INIT;
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > max) {
            rc = -2;
            break;
        }
        if (vr_buf_append(&b, chunk, n) < 0) {
            errno = ENOMEM;
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) rc = -1;
    if (rc < 0) {
        int saved = errno;
        vr_buf_free(&b);
        errno = saved;
        return rc;
    }
    *out_len = b.len;
    *out = vr_buf_detach(&b);
    return 0;
}

int vr_read_file(const char *path, size_t max, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return -1;
    int rc = read_stream(f, max, out, out_len);
    int saved = errno;
    if (f != stdin) fclose(f);
    errno = saved;
    return rc;
}

int vr_read_regular_file(const char *path, size_t max, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    /* O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one;
     * O_NOCTTY: a terminal named here never becomes the controlling one. Links are followed. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -3;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    int rc = read_stream(f, max, out, out_len);
    int saved = errno;
    fclose(f);
    errno = saved;
    return rc;
}

int vr_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (w == 0) {
            errno = EIO; /* no progress: never loop forever */
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* The program's own name (vni-reconcile, vni-sim, a test), from the C library. */
static void out_of_memory(void)
{
    fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
    abort();
}

void *vr_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *vr_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *vr_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        out_of_memory();
    }
    return q;
}

char *vr_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = vr_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

int vr_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

size_t vr_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev + cost;
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

static bool is_c1(const unsigned char *p)
{
    return p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
}

bool vr_text_needs_escape(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if (*p < 0x20 || *p == 0x7f || is_c1(p)) return true;
    return false;
}

char *vr_text_escape(const char *s)
{
    vr_buf b = VR_BUF_INIT;
    vr_buf_puts(&b, "");
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '\n')
            vr_buf_puts(&b, "\\n");
        else if (*p == '\t')
            vr_buf_puts(&b, "\\t");
        else if (*p == '\r')
            vr_buf_puts(&b, "\\r");
        else if (*p < 0x20 || *p == 0x7f)
            vr_buf_printf(&b, "\\x%02x", *p);
        else if (is_c1(p)) {
            vr_buf_printf(&b, "\\u%04x", p[1]);
            p++;
        } else
            vr_buf_append(&b, p, 1);
    }
    return vr_buf_detach(&b);
}
