/* fuzz_planfile: a saved plan (reconcile/vr_planfile, strict reading). A plan it accepts is
 * written back and read again: that must succeed and give the same text. */
#include "harness.h"
#include "vr_planfile.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vr_plan plan;
    vr_error err = VR_ERROR_INIT;
    if (vr_planfile_parse(&plan, (const char *)data, size, &err) < 0) {
        fz_check(err.message[0] != '\0', "a refusal without a message");
        return 0;
    }
    vr_buf once = VR_BUF_INIT, twice = VR_BUF_INIT;
    fz_check(vr_planfile_serialize(&once, &plan) == 0, "an accepted plan cannot be written");
    vr_plan again;
    fz_check(vr_planfile_parse(&again, once.data, once.len, &err) == 0,
             "a plan written back is refused");
    fz_check(vr_planfile_serialize(&twice, &again) == 0, "a re-read plan cannot be written");
    fz_check(once.len == twice.len && memcmp(once.data, twice.data, once.len) == 0,
             "a plan changes when re-read");
    vr_buf_free(&once);
    vr_buf_free(&twice);
    vr_plan_free(&again);
    vr_plan_free(&plan);
    return 0;
}
