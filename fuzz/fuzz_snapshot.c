/* fuzz_snapshot: an organization's recorded live state (state/<org>.json on the audit branch,
 * reconcile/vr_snapshot), which `plan --from-audit` reads back. A state it accepts is written
 * again and read again: that must succeed and write the same text. */
#include "harness.h"
#include "vr_snapshot.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vr_snapshot s;
    vr_error err = VR_ERROR_INIT;
    if (vr_snapshot_parse(&s, (const char *)data, size, NULL, &err) < 0) {
        fz_check(err.message[0] != '\0', "a refusal without a message");
        return 0;
    }
    vr_snapshot_meta meta = {s.org_id, s.command, s.run_id, 0};
    vr_buf once = VR_BUF_INIT, twice = VR_BUF_INIT;
    fz_check(vr_snapshot_write(&once, &meta, s.live.items, s.live.count, &s.limits, s.tables.items,
                               s.tables.count) == 0,
             "an accepted state cannot be written");
    vr_snapshot again;
    fz_check(vr_snapshot_parse(&again, once.data, once.len, s.org_id, &err) == 0,
             "a state written back is refused");
    fz_check(vr_snapshot_write(&twice, &meta, again.live.items, again.live.count, &again.limits,
                               again.tables.items, again.tables.count) == 0,
             "a re-read state cannot be written");
    fz_check(once.len == twice.len && memcmp(once.data, twice.data, once.len) == 0,
             "a state changes when re-read");
    vr_buf_free(&once);
    vr_buf_free(&twice);
    vr_snapshot_free(&again);
    vr_snapshot_free(&s);
    return 0;
}
