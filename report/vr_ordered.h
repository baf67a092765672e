/* vr_ordered: the audit records and webhook events of an apply over several organizations
 * worked on at once (--parallelism), written in the order a run of one organization after
 * the other writes them: every record of the first organization, then of the second...
 *
 * The organization first in line (the lowest one not finished) writes through, each record
 * on disk (fsync'd) before its next step, as a sequential run does. The others format their
 * records when each step ends (timestamp, eventId, redactions as at once) and hold them: in
 * their spool file beside the audit log, each fsync'd before the next step (report/vr_spool),
 * or in memory when there is no audit log to put a spool beside (webhook only). When an
 * organization finishes, the next one's held records are appended to the log and sent, in
 * order, its spool file removed, and it writes through from then on. One lock serialises all
 * of it, so the audit log, the spool, the webhook and its outbox have one writer at a time and
 * never a record in part.
 *
 * A kill (SIGKILL) loses no record: the next run that opens the audit log appends what the
 * spool holds (docs/architecture.md "Many organizations at once"). With one organization, or
 * --parallelism 1, nothing is ever held.
 *
 * Ownership: a vr_ordered borrows the vr_outputs (which must outlive it) and owns its held
 * records; vr_ordered_free releases them. */
#ifndef VR_ORDERED_H
#define VR_ORDERED_H

#include "vr_apply.h"
#include "vr_outputs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct vr_ordered vr_ordered;

/* What vr_ordered_record takes as its ctx: one per organization. */
typedef struct {
    vr_ordered *q;
    size_t index; /* the organization's place in the run's order */
} vr_ordered_slot;

struct vr_ordered {
    pthread_mutex_t mu;
    vr_outputs *out;
    size_t count;
    size_t head;           /* the first organization not finished */
    bool *done;            /* per organization: vr_ordered_done was called */
    vr_outputs_held *held; /* per organization: records kept until its turn (its spool) */
    vr_error *release_err; /* per organization: why its held records could not be written */
    bool *release_failed;
    vr_ordered_slot *slots; /* per organization: the recorder's ctx */
};

/* For count organizations, writing to out. */
void vr_ordered_init(vr_ordered *q, vr_outputs *out, size_t count);

/* The recorder (a vr_apply_record_fn) of organization slot->index: writes through when the
 * organization is first in line, else holds. Returns 0, or VR_OUTPUTS_AUDIT_LOG (err set)
 * when a record written through was refused: that organization's run stops there. */
int vr_ordered_record(void *slot, const vr_apply_record *rec, vr_error *err);

/* Organization i has finished (or was never run). When it was first in line, the next ones'
 * held records are written and sent, in order, up to the first organization still running. */
void vr_ordered_done(vr_ordered *q, size_t i);

/* After every vr_ordered_done: whether organization i's held records could not all be
 * written (err receives why). */
bool vr_ordered_failed(const vr_ordered *q, size_t i, vr_error *err);

void vr_ordered_free(vr_ordered *q);

#endif
