/* fuzz_outbox: the webhook outbox (JSON lines) as a run loads it. What it keeps, written back
 * the way a run writes the outbox, must read back whole and unchanged. */
#include "harness.h"
#include "vr_webhook.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vr_buf once = VR_BUF_INIT, twice = VR_BUF_INIT;
    size_t bad = 0, bad2 = 0;
    size_t kept = vr_webhook_outbox_parse(&once, (const char *)data, size, &bad);
    size_t again = vr_webhook_outbox_parse(&twice, vr_buf_str(&once), once.len, &bad2);
    fz_check(again == kept && bad2 == 0, "an outbox written back loses entries");
    fz_check(once.len == twice.len && memcmp(vr_buf_str(&once), vr_buf_str(&twice), once.len) == 0,
             "an outbox changes when re-read");
    vr_buf_free(&once);
    vr_buf_free(&twice);
    return 0;
}
