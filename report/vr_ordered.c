/* vr_ordered: audit records of organizations worked on at once, in sequential order (see
 * vr_ordered.h). */
#include "vr_ordered.h"

#include <stdlib.h>
#include <string.h>

void vr_ordered_init(vr_ordered *q, vr_outputs *out, size_t count)
{
    memset(q, 0, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    q->out = out;
    q->count = count;
    q->done = vr_xcalloc(count + 1, sizeof(*q->done));
    q->held = vr_xcalloc(count + 1, sizeof(*q->held));
    q->release_err = vr_xcalloc(count + 1, sizeof(*q->release_err));
    q->release_failed = vr_xcalloc(count + 1, sizeof(*q->release_failed));
    q->slots = vr_xcalloc(count + 1, sizeof(*q->slots));
    for (size_t i = 0; i < count; i++) {
        q->held[i].index = i;
        q->slots[i].q = q;
        q->slots[i].index = i;
    }
}

int vr_ordered_record(void *ctx, const vr_apply_record *rec, vr_error *err)
{
    vr_ordered_slot *slot = ctx;
    vr_ordered *q = slot->q;
    pthread_mutex_lock(&q->mu);
    q->out->hold = slot->index == q->head ? NULL : &q->held[slot->index];
    int rc = vr_outputs_apply_record(q->out, rec, err);
    q->out->hold = NULL;
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void vr_ordered_done(vr_ordered *q, size_t i)
{
    pthread_mutex_lock(&q->mu);
    q->done[i] = true;
    while (q->head < q->count && q->done[q->head]) {
        size_t next = ++q->head;
        if (next < q->count &&
            vr_outputs_release(q->out, &q->held[next], &q->release_err[next]) < 0)
            q->release_failed[next] = true;
    }
    pthread_mutex_unlock(&q->mu);
}

bool vr_ordered_failed(const vr_ordered *q, size_t i, vr_error *err)
{
    if (i >= q->count || !q->release_failed[i]) return false;
    if (err) *err = q->release_err[i];
    return true;
}

void vr_ordered_free(vr_ordered *q)
{
    for (size_t i = 0; i < q->count; i++)
        vr_outputs_held_free(&q->held[i]);
    free(q->done);
    free(q->held);
    free(q->release_err);
    free(q->release_failed);
    free(q->slots);
    pthread_mutex_destroy(&q->mu);
    memset(q, 0, sizeof(*q));
}
