/* fuzz_api_sync: the answer to POST .../routingtables/{id}/sync as the client reads it. */
#include "harness.h"
#include "vr_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *body = cJSON_ParseWithLength((const char *)data, size);
    vr_sync_result s;
    vr_error err = VR_ERROR_INIT;
    if (vr_client_parse_sync(&s, body, "rt-core", &err) == 0) {
        fz_check(s.expected_hash && s.routing_table_id, "a sync answer without its strings");
        fz_check(s.estimated_convergence_ms >= -1, "a negative estimate");
        vr_sync_result_clear(&s);
    }
    cJSON_Delete(body);
    return 0;
}
