/* cmd_pool: work on several organizations at once (--parallelism). A fixed number of threads
 * take indices 0, 1, 2... in increasing order from one counter and call work(ctx, i) for
 * each; the call returns when every index is done. Width 1 makes no thread at all: the
 * calling thread does every index in order, which is the sequential run.
 *
 * The work function owns index i's data and nothing else: whatever several indices share
 * (the terminal, the outputs) needs its own lock (cmd_session's stderr writer, report/
 * vr_ordered for the audit records). Library set-up (curl_global_init, git_libgit2_init)
 * stays in main(). */
#ifndef VR_POOL_H
#define VR_POOL_H

#include <stddef.h>

#define VR_POOL_DEFAULT_WIDTH 10 /* --parallelism's default, as Terraform's -parallelism */

typedef void (*vr_pool_fn)(void *ctx, size_t i);

/* Calls work(ctx, i) once for every i in [0, count), on up to width threads (at most count;
 * width < 1 counts as 1). Should a thread fail to start, the others (or the calling thread)
 * take its share: every index is always done. */
void vr_pool_run(size_t count, long width, vr_pool_fn work, void *ctx);

#endif
