/* vr_spool: held audit records on disk until their turn, and recovery of a killed run's (see
 * vr_spool.h). */
#include "vr_spool.h"
#include "vr_errcode.h"
#include "vr_file.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void vr_spool_init(vr_spool *s, const char *audit_log)
{
    s->dir = NULL;
    s->dfd = -1;
    if (!audit_log) return;
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s.spool", audit_log);
    s->dir = vr_buf_detach(&b);
}

void vr_spool_close(vr_spool *s)
{
    if (s->dir && s->dfd >= 0) close(s->dfd); /* a zeroed vr_spool has no folder open */
    s->dfd = -1;
    free(s->dir);
    s->dir = NULL;
}

static int lock_fd(int fd, int op)
{
    while (flock(fd, op) != 0)
        if (errno != EINTR) return -1;
    return 0;
}

/* Opens the folder into s->dfd (made first when create). Returns 0, 1 when it does not exist
 * (and create is false), or -1 with err set. */
static int open_dir(vr_spool *s, bool create, vr_error *err)
{
    if (s->dfd >= 0) return 0;
    bool made = false;
    if (create) {
        if (mkdir(s->dir, 0700) == 0)
            made = true;
        else if (errno != EEXIST)
            goto fail;
    }
    s->dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s->dfd < 0 && errno == ENOENT && !create) return 1;
    if (s->dfd < 0) goto fail;
    if (made) (void)vr_file_sync_parent(s->dir); /* the new folder's name lasts */
    return 0;
fail:
    if (errno == ELOOP || errno == ENOTDIR) { /* O_DIRECTORY | O_NOFOLLOW on a link: ENOTDIR */
        struct stat st;
        bool link = lstat(s->dir, &st) == 0 && S_ISLNK(st.st_mode);
        vr_error_set(err, VR_ERR_AUDIT_LOG,
                     "audit spool %s: cannot use it: it is %s, not a folder (vni-reconcile never "
                     "writes through a symbolic link)",
                     s->dir, link ? "a symbolic link" : "a file");
        vr_error_remedy(err, "remove it; it is made anew when needed");
    } else {
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit spool %s: cannot %s it: %s", s->dir,
                     create ? "make" : "open", strerror(errno));
    }
    return -1;
}

int vr_spool_create(vr_spool *s, vr_spool_file *f, const char *run_id, size_t index, vr_error *err)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    if (!s->dir) return 0;
    if (open_dir(s, true, err) < 0) return -1;
    snprintf(f->name, sizeof(f->name), "%.36s-%zu.jsonl", run_id, index);
    /* Under the folder's lock: a recoverer never sees the file before it is locked. */
    if (lock_fd(s->dfd, LOCK_EX) < 0) {
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit spool %s: cannot lock it: %s", s->dir,
                     strerror(errno));
        return -1;
    }
    int fd = openat(s->dfd, f->name, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    0600);
    int saved = errno;
    if (fd >= 0 && lock_fd(fd, LOCK_EX | LOCK_NB) < 0) {
        saved = errno;
        unlinkat(s->dfd, f->name, 0);
        close(fd);
        fd = -1;
    }
    (void)lock_fd(s->dfd, LOCK_UN);
    if (fd < 0) {
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit spool %s/%s: cannot create it: %s%s", s->dir,
                     f->name, strerror(saved),
                     saved == EEXIST ? " (something is already there under that name: a link "
                                       "is never followed)"
                                     : "");
        return -1;
    }
    (void)fsync(s->dfd); /* the new name lasts (best effort, as for the log) */
    f->fd = fd;
    f->open = true;
    return 0;
}

int vr_spool_append(const vr_spool *s, vr_spool_file *f, const char *line, size_t len,
                    vr_error *err)
{
    vr_buf b = VR_BUF_INIT;
    vr_buf_append(&b, line, len);
    vr_buf_append(&b, "\n", 1);
    const char *what = "write";
    int rc = vr_write_all(f->fd, b.data, b.len);
    if (rc == 0) {
        what = "fsync";
        while ((rc = fsync(f->fd)) != 0 && errno == EINTR) {
        }
    }
    if (rc == 0) {
        f->size += b.len;
    } else {
        int saved = errno;
        (void)ftruncate(f->fd, (off_t)f->size); /* never a part of a record */
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit spool %s/%s: %s: %s", s->dir, f->name, what,
                     strerror(saved));
    }
    vr_buf_free(&b);
    return rc == 0 ? 0 : -1;
}

void vr_spool_file_close(vr_spool_file *f)
{
    if (f->open && f->fd >= 0) close(f->fd);
    f->fd = -1;
    f->open = false;
}

/* ---- reading a spool file, line by line ---- */

typedef struct {
    int fd;
    off_t off; /* next byte to read */
    vr_buf buf;
    size_t pos;  /* where the next line starts in buf */
    size_t line; /* lines returned so far */
    bool eof;
} line_reader;

static void reader_init(line_reader *r, int fd)
{
    memset(r, 0, sizeof(*r));
    r->fd = fd;
}

/* 1 and the next whole line (no "\n"; valid until the next call); 0 at the end, torn receiving
 * the bytes of a last line without its newline; -1 on a read error (errno). */
static int reader_next(line_reader *r, const char **line, size_t *len, size_t *torn)
{
    for (;;) {
        size_t avail = r->buf.len - r->pos;
        char *start = r->buf.data ? r->buf.data + r->pos : NULL;
        char *nl = avail ? memchr(start, '\n', avail) : NULL;
        if (nl) {
            *line = start;
            *len = (size_t)(nl - start);
            r->pos += *len + 1;
            r->line++;
            return 1;
        }
        if (r->eof) {
            if (torn) *torn = avail;
            return 0;
        }
        if (r->pos) { /* keep the unfinished line only */
            memmove(r->buf.data, start, avail);
            r->buf.len = avail;
            r->buf.data[avail] = '\0';
            r->pos = 0;
        }
        char chunk[65536];
        ssize_t n = pread(r->fd, chunk, sizeof(chunk), r->off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) r->eof = true;
        r->off += n;
        if (n > 0 && vr_buf_append(&r->buf, chunk, (size_t)n) < 0) {
            errno = ENOMEM;
            return -1;
        }
    }
}

static void reader_free(line_reader *r)
{
    vr_buf_free(&r->buf);
}

/* Removes name from the folder and makes that last. */
static int remove_file(vr_spool *s, const char *name, vr_error *err)
{
    if (unlinkat(s->dfd, name, 0) != 0 && errno != ENOENT) {
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit spool %s/%s: cannot remove it: %s", s->dir, name,
                     strerror(errno));
        return -1;
    }
    (void)fsync(s->dfd);
    return 0;
}

int vr_spool_drain(vr_spool *s, vr_spool_file *f, vr_audit_writer *log, vr_spool_line_fn sent,
                   void *ctx, vr_error *err)
{
    if (!f->open) return 0;
    line_reader r;
    reader_init(&r, f->fd);
    const char *line;
    size_t len, appended = 0;
    int rc = 0, more;
    while (rc == 0 && (more = reader_next(&r, &line, &len, NULL)) == 1)
        if (vr_audit_append_line(log, line, len, err) < 0)
            rc = -1;
        else
            appended++;
    if (rc == 0 && more < 0) {
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit spool %s/%s: read: %s", s->dir, f->name,
                     strerror(errno));
        rc = -1;
    }
    reader_free(&r);
    vr_error ignored = VR_ERROR_INIT;
    if (vr_audit_sync(log, rc == 0 ? err : &ignored) < 0) {
        rc = -1;
        appended = 0; /* not known to be on disk: not sent */
    }
    /* On disk in the log: now to the webhook, in order. */
    reader_init(&r, f->fd);
    for (size_t k = 0; sent && k < appended && reader_next(&r, &line, &len, NULL) == 1; k++)
        sent(ctx, line, len);
    reader_free(&r);
    if (rc == 0 && remove_file(s, f->name, err) < 0) rc = -1;
    vr_spool_file_close(f);
    return rc;
}

/* ---- recovery ---- */

/* "<36 characters of [0-9a-f-]>-<decimal>.jsonl": a spool file's name; index receives the
 * decimal. */
static bool spool_name(const char *name, unsigned long long *index)
{
    size_t n = strlen(name);
    if (n < 36 + 1 + 1 + 6 || n >= sizeof(((vr_spool_file *)0)->name) || name[36] != '-' ||
        strcmp(name + n - 6, ".jsonl") != 0)
        return false;
    for (size_t i = 0; i < 36; i++)
        if (!isxdigit((unsigned char)name[i]) && name[i] != '-') return false;
    unsigned long long v = 0;
    for (size_t i = 37; i < n - 6; i++) {
        if (!isdigit((unsigned char)name[i]) || v > 1000000000ULL) return false;
        v = v * 10 + (unsigned long long)(name[i] - '0');
    }
    *index = v;
    return true;
}

typedef struct {
    char name[80];
    int fd;
    unsigned long long index;
    char first[32];     /* the timestamp of its earliest record ("" when none) */
    char run_first[32]; /* the earliest of its run's files */
} spool_entry;

typedef struct {
    char id[37];
    bool in_log;
} event_seen;

typedef struct {
    vr_spool *s;
    vr_diags *notes;
    vr_spool_recovery *out;
    spool_entry *e;
    size_t n, cap;
    event_seen *ids;
    size_t id_count, id_cap;
} recovery;

/* A warning about spool file name (at line, 0: the file as a whole). */
static void note(recovery *rec, const char *name, int line, const char *code, const char *what,
                 const char *outcome)
{
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/%s", rec->s->dir, name);
    vr_loc loc = {vr_buf_str(&path), line, 0};
    vr_diags_add(rec->notes, VR_SEV_WARNING, &loc, code, "%s: %s", what, outcome);
    vr_buf_free(&path);
}

/* Opens a spool file nobody holds, into the list; names left alone are noted, files a live
 * run holds are passed over. */
static void take(recovery *rec, const char *name, unsigned long long index)
{
    int fd = openat(rec->s->dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENOENT) return; /* removed meanwhile */
    if (fd < 0) {
        rec->out->left++;
        note(rec, name, 0, "spool.left",
             errno == ELOOP ? "a symbolic link where a spool file should be (never followed)"
                            : strerror(errno),
             "left alone");
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        rec->out->left++;
        note(rec, name, 0, "spool.left", "not a regular file", "left alone");
        return;
    }
    /* Held: a live run's (it appends it itself when its turn comes). Gone: another run
     * recovered it between the listing and now. */
    if (lock_fd(fd, LOCK_EX | LOCK_NB) < 0 || (fstat(fd, &st) == 0 && st.st_nlink == 0)) {
        close(fd);
        return;
    }
    if (rec->n == rec->cap) {
        rec->cap = rec->cap ? 2 * rec->cap : 8;
        rec->e = vr_xrealloc(rec->e, rec->cap * sizeof(*rec->e));
    }
    spool_entry *e = &rec->e[rec->n++];
    memset(e, 0, sizeof(*e));
    memcpy(e->name, name, strlen(name) + 1); /* shorter than e->name: spool_name says so */
    e->fd = fd;
    e->index = index;
}

/* First pass over one file: its records' eventIds and its earliest timestamp; torn and
 * unreadable lines noted. Returns 0, or -1 on a read error (errno). */
static int survey(recovery *rec, spool_entry *e)
{
    line_reader r;
    reader_init(&r, e->fd);
    const char *line;
    size_t len, torn = 0;
    int more;
    while ((more = reader_next(&r, &line, &len, &torn)) == 1) {
        vr_audit_line_info info;
        if (vr_audit_line_parse(line, len, &info) < 0) {
            rec->out->dropped++;
            note(rec, e->name, (int)r.line, "spool.unreadable", "not an audit record", "dropped");
            continue;
        }
        if (!e->first[0] || strcmp(info.timestamp, e->first) < 0)
            memcpy(e->first, info.timestamp, sizeof(e->first));
        if (rec->id_count == rec->id_cap) {
            rec->id_cap = rec->id_cap ? 2 * rec->id_cap : 64;
            rec->ids = vr_xrealloc(rec->ids, rec->id_cap * sizeof(*rec->ids));
        }
        memcpy(rec->ids[rec->id_count].id, info.event_id, 37);
        rec->ids[rec->id_count++].in_log = false;
    }
    if (more == 0 && torn) {
        rec->out->dropped++;
        note(rec, e->name, (int)r.line + 1, "spool.torn",
             "a torn last line (its run was killed in the middle of writing it)", "dropped");
    }
    reader_free(&r);
    return more < 0 ? -1 : 0;
}

static int cmp_seen(const void *a, const void *b)
{
    return strcmp(((const event_seen *)a)->id, ((const event_seen *)b)->id);
}

static event_seen *find_seen(recovery *rec, const char *id)
{
    event_seen key;
    memcpy(key.id, id, 37);
    return bsearch(&key, rec->ids, rec->id_count, sizeof(*rec->ids), cmp_seen);
}

/* Marks the spool's records the log already holds: every line of the log begins with
 * {"eventId":"<36 characters>" (docs/audit.md: keys always in that order). */
static int scan_log(recovery *rec, const vr_audit_writer *log, vr_error *err)
{
    static const char prefix[] = "{\"eventId\":\"";
    const size_t pl = sizeof(prefix) - 1;
    int fd = open(log->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat a, b;
    if (fd < 0 || fstat(fd, &a) != 0 || fstat(log->fd, &b) != 0 || a.st_dev != b.st_dev ||
        a.st_ino != b.st_ino) {
        vr_error_set(err, VR_ERR_AUDIT_LOG,
                     "audit log %s: cannot read it back to recover the spool %s: %s", log->path,
                     rec->s->dir, fd < 0 ? strerror(errno) : "it was replaced meanwhile");
        if (fd >= 0) close(fd);
        return -1;
    }
    line_reader r;
    reader_init(&r, fd);
    const char *line;
    size_t len;
    int more;
    while ((more = reader_next(&r, &line, &len, NULL)) == 1) {
        if (len < pl + 36 || memcmp(line, prefix, pl) != 0) continue;
        char id[37];
        memcpy(id, line + pl, 36);
        id[36] = '\0';
        event_seen *seen = find_seen(rec, id);
        if (seen) seen->in_log = true;
    }
    if (more < 0)
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit log %s: read: %s", log->path, strerror(errno));
    reader_free(&r);
    close(fd);
    return more < 0 ? -1 : 0;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const spool_entry *a = pa, *b = pb;
    int c = strcmp(a->run_first, b->run_first);
    if (c == 0) c = strncmp(a->name, b->name, 36); /* the run id */
    if (c == 0) c = a->index < b->index ? -1 : a->index > b->index;
    return c;
}

/* Second pass over one file: its records the log lacks, appended; then the log fsync'd and the
 * file removed. */
static int append_file(recovery *rec, spool_entry *e, vr_audit_writer *log, vr_error *err)
{
    line_reader r;
    reader_init(&r, e->fd);
    const char *line;
    size_t len;
    int more, res = 0;
    while (res == 0 && (more = reader_next(&r, &line, &len, NULL)) == 1) {
        vr_audit_line_info info;
        if (vr_audit_line_parse(line, len, &info) < 0) continue; /* noted by survey */
        event_seen *seen = find_seen(rec, info.event_id);
        if (seen && seen->in_log) {
            rec->out->copies++;
            continue;
        }
        if (vr_audit_append_line(log, line, len, err) < 0) {
            res = -1;
            break;
        }
        if (seen) seen->in_log = true;
        rec->out->records++;
    }
    if (res == 0 && more < 0) {
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit spool %s/%s: read: %s", rec->s->dir, e->name,
                     strerror(errno));
        res = -1;
    }
    reader_free(&r);
    if (res == 0) res = vr_audit_sync(log, err);
    if (res == 0) res = remove_file(rec->s, e->name, err);
    if (res == 0) rec->out->files++;
    return res;
}

int vr_spool_recover(vr_spool *s, vr_audit_writer *log, vr_spool_recovery *out, vr_diags *notes,
                     vr_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!s->dir || log->fd < 0) return 0;
    int od = open_dir(s, false, err);
    if (od != 0) return od > 0 ? 0 : -1;
    if (lock_fd(s->dfd, LOCK_EX) < 0) {
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit spool %s: cannot lock it: %s", s->dir,
                     strerror(errno));
        return -1;
    }
    recovery rec;
    memset(&rec, 0, sizeof(rec));
    rec.s = s;
    rec.notes = notes;
    rec.out = out;
    int res = 0;
    int lfd = dup(s->dfd); /* closedir closes it; s->dfd stays */
    DIR *d = lfd >= 0 ? fdopendir(lfd) : NULL;
    if (!d) {
        if (lfd >= 0) close(lfd);
        vr_error_set(err, VR_ERR_AUDIT_LOG, "audit spool %s: cannot list it: %s", s->dir,
                     strerror(errno));
        res = -1;
    } else {
        rewinddir(d);
        struct dirent *de;
        unsigned long long index;
        while ((de = readdir(d)) != NULL)
            if (spool_name(de->d_name, &index)) take(&rec, de->d_name, index);
        closedir(d);
    }
    for (size_t i = 0; res == 0 && i < rec.n; i++)
        if (survey(&rec, &rec.e[i]) < 0) {
            vr_error_set(err, VR_ERR_AUDIT_LOG, "audit spool %s/%s: read: %s", s->dir,
                         rec.e[i].name, strerror(errno));
            res = -1;
        }
    /* a run's place: its earliest record; an empty file's, its run's or nothing */
    for (size_t i = 0; res == 0 && i < rec.n; i++)
        for (size_t k = 0; k < rec.n; k++)
            if (strncmp(rec.e[i].name, rec.e[k].name, 36) == 0 && rec.e[k].first[0] &&
                (!rec.e[i].run_first[0] || strcmp(rec.e[k].first, rec.e[i].run_first) < 0))
                memcpy(rec.e[i].run_first, rec.e[k].first, sizeof(rec.e[i].run_first));
    if (res == 0 && rec.n) qsort(rec.e, rec.n, sizeof(*rec.e), cmp_entry);
    if (res == 0 && rec.id_count) {
        qsort(rec.ids, rec.id_count, sizeof(*rec.ids), cmp_seen);
        res = scan_log(&rec, log, err);
    }
    for (size_t i = 0; res == 0 && i < rec.n; i++)
        res = append_file(&rec, &rec.e[i], log, err);
    for (size_t i = 0; i < rec.n; i++)
        close(rec.e[i].fd);
    free(rec.e);
    free(rec.ids);
    (void)lock_fd(s->dfd, LOCK_UN);
    return res;
}
