/* vr_spool: where apply's held audit records wait for their turn: on disk, not in memory
 * (docs/audit.md "Several organizations at once").
 *
 * An apply over several organizations at once writes the records of the organization first in
 * line through to the audit log; the others' wait until every organization before them has
 * finished (report/vr_ordered). They wait here: each record is appended whole (one write() of
 * the line and its newline) and fsync'd to its organization's spool file the moment it is
 * made, so a kill loses none. When the organization's turn comes, vr_spool_drain appends the
 * spool to the log, fsyncs the log, and removes the spool file.
 *
 * Where: the folder "<audit log>.spool" (made with mode 0700, never used through a symbolic
 * link), one file per organization that had to wait, "<runId>-<index>.jsonl" (index: the
 * organization's place in the run, from 0), created with O_EXCL | O_NOFOLLOW | O_CLOEXEC and
 * mode 0600, holding exactly the lines the log will get.
 *
 * Locks: a run holds an flock (LOCK_EX) on each spool file it writes for as long as it has
 * the file open; the kernel drops it when the process ends, however it ends. So a spool file
 * nobody holds was left by a run that was killed (or whose log refused it). Spool files are
 * created, and recovered, under an flock on the folder itself: a recoverer never takes a file
 * that is created but not locked yet, and recoverers go one at a time (in order, never twice).
 *
 * Recovery (vr_spool_recover, when apply or drift opens the audit log): the spool files nobody
 * holds are appended to the log, run after run (the run whose earliest record is the oldest
 * first; then by runId) and in index order within a run, each record whole, the log fsync'd,
 * then each file removed. A torn last line (the run killed in the middle of writing it) and a
 * line that is not an audit record are dropped and noted; a record the log already holds (same
 * eventId: a kill while a spool was being appended) is not appended twice. Names in the folder
 * that are not "<uuid>-<n>.jsonl" are not touched; a spool name that is a symbolic link or not
 * a regular file is noted and left alone (never followed, never read).
 *
 * Nothing here prints. Ownership: vr_spool owns its folder path and descriptor (vr_spool_close);
 * vr_spool_file owns its descriptor and the lock on it (vr_spool_file_close, vr_spool_drain). */
#ifndef VR_SPOOL_H
#define VR_SPOOL_H

#include "vr_audit.h"
#include "vr_diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *dir; /* "<audit log>.spool"; NULL: no spool */
    int dfd;   /* the folder, once opened; -1 before */
} vr_spool;

/* One organization's spool file. Zero-initialised: none yet. */
typedef struct {
    bool open;
    int fd;        /* read-write, O_APPEND, flock'd while open */
    char name[80]; /* "<runId>-<index>.jsonl" */
    uint64_t size; /* bytes of whole records in it */
} vr_spool_file;

/* What vr_spool_recover found. */
typedef struct {
    size_t files;   /* spool files of earlier runs appended to the log and removed */
    size_t records; /* records appended */
    size_t copies;  /* records the log already held: not appended again */
    size_t dropped; /* torn last lines and lines that were not records: dropped (noted) */
    size_t left;    /* spool names left alone: a link, not a regular file, unreadable (noted) */
} vr_spool_recovery;

/* The spool beside audit_log ("<audit_log>.spool"); audit_log NULL: none (every call then does
 * nothing and returns 0). Touches no file. */
void vr_spool_init(vr_spool *s, const char *audit_log);

/* Creates organization index's spool file of run run_id (the folder first, when missing) and
 * takes its lock. Returns 0, or -1 with err set (code "audit.log", naming the file or folder;
 * a symbolic link, where the folder or the file should be, is refused as such). */
int vr_spool_create(vr_spool *s, vr_spool_file *f, const char *run_id, size_t index, vr_error *err);

/* Appends one formatted record (no newline) plus "\n" in one write(), then fsyncs. On failure
 * the file is cut back to its whole records. Returns 0, or -1 with err set. */
int vr_spool_append(const vr_spool *s, vr_spool_file *f, const char *line, size_t len,
                    vr_error *err);

/* Called by vr_spool_drain for each record once it is in the log and fsync'd. */
typedef void (*vr_spool_line_fn)(void *ctx, const char *line, size_t len);

/* The organization's turn: appends f's records to log in order (each line one write()),
 * fsyncs the log, calls sent (may be NULL) for each of them, removes the file and closes it.
 * When the log refuses a record, the ones before it are fsync'd and passed to sent, the file
 * is kept (a later run recovers what the log lacks) and closed, and -1 is returned with err
 * set (the log's error). Returns 0 otherwise. */
int vr_spool_drain(vr_spool *s, vr_spool_file *f, vr_audit_writer *log, vr_spool_line_fn sent,
                   void *ctx, vr_error *err);

/* Closes f (dropping its lock) and leaves the file where it is, for recovery. Safe to repeat. */
void vr_spool_file_close(vr_spool_file *f);

/* Recovers what killed runs left in the spool into log (see above; nothing without a folder).
 * *out says what was done; notes receives a warning for each line dropped (FILE:LINE) and each
 * name left alone. Returns 0, or -1 with err set (code "audit.log") when the folder cannot be
 * used or the log cannot be read or written: what was appended stays, and the files not yet
 * removed stay for the next run. */
int vr_spool_recover(vr_spool *s, vr_audit_writer *log, vr_spool_recovery *out, vr_diags *notes,
                     vr_error *err);

/* Closes the folder and frees the path. Safe to repeat. */
void vr_spool_close(vr_spool *s);

#endif
