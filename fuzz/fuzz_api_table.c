/* fuzz_api_table: one routing table (GET .../routingtables/{id}) as the client reads it. */
#include "harness.h"
#include "vr_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *body = cJSON_ParseWithLength((const char *)data, size);
    vr_routing_table t;
    vr_error err = VR_ERROR_INIT;
    if (vr_client_parse_routing_table(&t, body, &err) == 0) {
        fz_check(t.id && t.id[0], "a table without an id");
        fz_check(t.route_count >= -1, "a negative route count");
        vr_routing_table_clear(&t);
    }
    cJSON_Delete(body);
    return 0;
}
