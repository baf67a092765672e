/* cmd_pool: up to N indices worked on at once (see cmd_pool.h). */
#include "cmd_pool.h"

#include "vr_util.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct {
    pthread_mutex_t mu;
    size_t next, count;
    vr_pool_fn work;
    void *ctx;
} pool;

/* Takes the next index under the lock, until none is left. */
static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next < p->count ? p->next++ : p->count;
        pthread_mutex_unlock(&p->mu);
        if (i == p->count) return NULL;
        p->work(p->ctx, i);
    }
}

void vr_pool_run(size_t count, long width, vr_pool_fn work, void *ctx)
{
    pool p = {PTHREAD_MUTEX_INITIALIZER, 0, count, work, ctx};
    size_t n = width < 1 ? 1 : (size_t)width;
    if (n > count) n = count;
    if (n <= 1) {
        worker(&p);
        return;
    }
    pthread_t *threads = vr_xcalloc(n, sizeof(*threads));
    size_t started = 0;
    while (started < n && pthread_create(&threads[started], NULL, worker, &p) == 0)
        started++;
    if (started == 0) worker(&p); /* no thread could start: this one does it all */
    for (size_t t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    free(threads);
    pthread_mutex_destroy(&p.mu);
}
