/* vr_audit: the audit record of docs/api.md §9, its one-line JSON form, and the append-only,
 * fsync'd audit log (--audit-log) that apply and drift write one record per step to. */
#ifndef VR_AUDIT_H
#define VR_AUDIT_H

#include "vr_diag.h"
#include "vr_latency.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* docs/api.md §9 "action". */
typedef enum {
    VR_AUDIT_VNI_PROVISIONING = 0,
    VR_AUDIT_VNI_DELETION,
    VR_AUDIT_ROUTING_SYNC,
    VR_AUDIT_DRIFT_CHECK,
} vr_audit_action;

/* docs/api.md §9 "status". */
typedef enum {
    VR_AUDIT_PROVISIONED = 0,
    VR_AUDIT_DELETED,
    VR_AUDIT_FAILED,
    VR_AUDIT_SKIPPED,
    VR_AUDIT_UNCHANGED,
    VR_AUDIT_DRIFTED,
    VR_AUDIT_STARTED, /* the intent record, written before a create or delete is sent */
} vr_audit_status;

/* A latency part that was not measured: serialised as null. */
#define VR_AUDIT_MS_NONE VR_MS_NONE

/* One audit record. Every pointer is borrowed: what it points to must stay valid until the
 * record has been formatted or written; the record itself owns nothing and needs no freeing.
 * Fill it with vr_audit_record_init() and then set what applies.
 *
 * JSON (one line, keys always present, in docs/api.md's order):
 *   eventId, runId          the two UUIDs
 *   timestamp               wall_ms as "2026-11-24T10:00:01.234Z"
 *   action                  the enum's name
 *   interfaceName           string, or null when interface_name is NULL
 *   interfaceId             string, or null when interface_id is NULL (e.g. a failed create)
 *   status                  the enum's name
 *   latencyMs               {"total": n|null, "create": n|null, "convergence": n|null}
 *                           (VR_AUDIT_MS_NONE gives null)
 *   uptimeRate              number in [0, 1], or null when has_uptime_rate is false
 *   correlationIds          array of strings (NULL or empty strings are left out)
 *   error                   null when error is NULL, else {"httpStatus": n|null, "code": s,
 *                           "message": s}; httpStatus is null when error->http_status is 0
 *                           (no HTTP response, e.g. a timeout). Only those three fields of
 *                           the vr_error are used (never its remedy).
 *   replacement             true, only on the two records of a replacement (its vni_deletion
 *                           and its vni_provisioning); absent on every other record */
typedef struct {
    char event_id[37]; /* UUID v4, lower case */
    char run_id[37];   /* the run's UUID, the same for every record of a run */
    int64_t wall_ms;   /* when it happened, ms since the epoch */
    vr_audit_action action;
    vr_audit_status status;
    const char *interface_name;
    const char *interface_id;
    int64_t total_ms, create_ms, convergence_ms; /* VR_AUDIT_MS_NONE: not measured */
    bool has_uptime_rate;
    double uptime_rate;
    const char *const *correlation_ids;
    size_t correlation_count;
    const vr_error *error; /* NULL: the step did not fail */
    bool replacement;      /* a record of a replacement: "replacement": true */
} vr_audit_record;

/* Sets r to a fresh record: a new eventId, runId copied from run_id (a new UUID when run_id
 * is NULL or empty), timestamp now, the action and status given, latencies VR_AUDIT_MS_NONE,
 * no uptime rate, no interface, no correlation ids, no error. */
void vr_audit_record_init(vr_audit_record *r, const char *run_id, vr_audit_action action,
                          vr_audit_status status);

/* "vni_provisioning"... and "provisioned"...; "unknown" for a value outside the enum. */
const char *vr_audit_action_name(vr_audit_action a);
const char *vr_audit_status_name(vr_audit_status s);
/* Reverse of the above. Return 0, or -1 when name is not one of docs/api.md's names. */
int vr_audit_action_parse(const char *name, vr_audit_action *out);
int vr_audit_status_parse(const char *name, vr_audit_status *out);

/* The record as a cJSON object (caller frees with cJSON_Delete), for embedding records in a
 * report. No redaction is applied here (see vr_audit_format). NULL only when out of memory. */
cJSON *vr_audit_record_to_json(const vr_audit_record *r);

/* The audit log writer. Zero-initialise with VR_AUDIT_WRITER_INIT; it owns fd, path and the
 * redaction strings; vr_audit_writer_close() releases them. With fd -1 (no --audit-log) the
 * writer still formats and scrubs records (for the webhook) and writes nothing. */
typedef struct {
    int fd;
    char *path;
    char **redactions;
    size_t redaction_count;
} vr_audit_writer;

#define VR_AUDIT_WRITER_INIT                                                                       \
    {                                                                                              \
        -1, NULL, NULL, 0                                                                          \
    }

/* Opens path for appending (O_APPEND, created with mode 0600, never truncated, never through
 * a symbolic link: O_NOFOLLOW). path NULL gives a writer that writes nothing. Returns 0, or -1
 * with err set ("audit.log"; a link is named as such). */
int vr_audit_writer_open(vr_audit_writer *w, const char *path, vr_error *err);

/* Defensive scrub: records never receive a secret, but should one of these strings ever
 * appear inside a string value of a record (interface name, error message, correlation id...)
 * it is replaced by "[REDACTED]" in everything vr_audit_format/vr_audit_write produce.
 * Strings are copied (any earlier list is replaced); empty strings and NULLs are ignored.
 * Secrets may contain any byte; the match is on the value before JSON escaping, so the
 * result is always valid JSON. */
void vr_audit_set_redactions(vr_audit_writer *w, const char *const *strings, size_t count);

/* Appends the record as one line of JSON, without the newline, scrubbed with w's redactions
 * (w may be NULL: no scrubbing), to out.
 * Returns 0, or -1 when out of memory or out's maximum was reached. */
int vr_audit_format(const vr_audit_writer *w, const vr_audit_record *r, vr_buf *out);

/* Formats r (as vr_audit_format), appends it plus "\n" to the log in one write(), and fsyncs
 * before returning, so a record is on disk before apply takes its next step. When line_out is
 * not NULL the exact line (without the newline) is appended to it as well, to be used as the
 * webhook body. Returns 0, or -1 with err set (code "audit.log"); with no file, only formats. */
int vr_audit_write(vr_audit_writer *w, const vr_audit_record *r, vr_buf *line_out, vr_error *err);

/* Appends one formatted line (from vr_audit_format; no newline) plus "\n" to the log in one
 * write() and fsyncs, as vr_audit_write does: for records formatted earlier and written later
 * (vr_outputs' held records). Returns 0 (also with no file), or -1 with err set. */
int vr_audit_write_line(vr_audit_writer *w, const char *line, size_t len, vr_error *err);

/* The two halves of vr_audit_write_line, for many lines at once (the spool's, report/vr_spool):
 * vr_audit_append_line writes one line plus "\n" in one write() without fsync; vr_audit_sync
 * fsyncs what was written. Return 0 (also with no file), or -1 with err set. */
int vr_audit_append_line(vr_audit_writer *w, const char *line, size_t len, vr_error *err);
int vr_audit_sync(vr_audit_writer *w, vr_error *err);

/* What a reader of a formatted line needs without the rest: its eventId, action and timestamp
 * (as written, "2026-11-24T10:00:01.234Z"). */
typedef struct {
    char event_id[37];
    vr_audit_action action;
    char timestamp[32];
} vr_audit_line_info;

/* Reads those from one line of the log (no newline; len bytes). Returns 0, or -1 when the line
 * is not an audit record (not a JSON object, or without a 36-character eventId, a known action
 * or a timestamp). */
int vr_audit_line_parse(const char *line, size_t len, vr_audit_line_info *out);

/* Closes the file and frees everything; w is left as VR_AUDIT_WRITER_INIT. Safe to repeat. */
void vr_audit_writer_close(vr_audit_writer *w);

#endif
