/* fuzz_lock: a lock file's holder line (reconcile/vr_lock), as read for the "locked by pid N
 * on HOST since T" message. */
#include "harness.h"
#include "vr_lock.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vr_lock_holder h;
    if (vr_lock_read_holder(fz_file(data, size), &h) == 0) fz_check(h.pid > 0, "a pid below 1");
    fz_check(memchr(h.host, '\0', sizeof h.host) && memchr(h.since, '\0', sizeof h.since) &&
                 memchr(h.command, '\0', sizeof h.command),
             "an unterminated holder field");
    return 0;
}
