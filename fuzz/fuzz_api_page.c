/* fuzz_api_page: one page of a listing (connections or routing tables) as the client reads
 * it: the page's counts (vr_client_parse_page) and each entity both as a connection
 * (vr_iface_from_json) and as a routing table (vr_client_parse_routing_table). */
#include "harness.h"
#include "vr_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *body = cJSON_ParseWithLength((const char *)data, size);
    vr_page page;
    if (vr_client_parse_page(&page, body) == 0) {
        fz_check(cJSON_IsArray(page.entities), "a page without its entities array");
        const cJSON *e;
        cJSON_ArrayForEach(e, page.entities)
        {
            vr_error err = VR_ERROR_INIT;
            vr_iface f;
            if (vr_iface_from_json(&f, e, &err) == 0) vr_iface_clear(&f);
            vr_routing_table t;
            if (vr_client_parse_routing_table(&t, e, &err) == 0) vr_routing_table_clear(&t);
        }
    }
    fz_check(page.total >= -1 && page.page_size >= -1 && page.page_count >= -1, "a negative count");
    cJSON_Delete(body);
    return 0;
}
