/* fuzz_api_connection: one connection as the platform returns it (GET or POST
 * .../connections), read by vr_iface_from_json, then written back as the platform's JSON and
 * read again: the second reading must succeed and give the same JSON. */
#include "harness.h"
#include "vr_iface.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *body = cJSON_ParseWithLength((const char *)data, size);
    vr_iface f;
    vr_error err = VR_ERROR_INIT;
    if (vr_iface_from_json(&f, body, &err) == 0) {
        cJSON *j = vr_iface_connection_json(&f);
        char *once = cJSON_PrintUnformatted(j);
        vr_iface g;
        fz_check(vr_iface_from_json(&g, j, &err) == 0, "a connection written back is unreadable");
        cJSON *j2 = vr_iface_connection_json(&g);
        char *twice = cJSON_PrintUnformatted(j2);
        fz_check(once && twice && strcmp(once, twice) == 0, "a connection changes when re-read");
        free(once);
        free(twice);
        cJSON_Delete(j);
        cJSON_Delete(j2);
        vr_iface_clear(&g);
        vr_iface_clear(&f);
    } else {
        fz_check(err.message[0] != '\0', "a refusal without a message");
    }
    cJSON_Delete(body);
    return 0;
}
