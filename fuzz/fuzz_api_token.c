/* fuzz_api_token: the token answer of POST /oauth/token as vr_auth reads it. */
#include "harness.h"
#include "vr_auth.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *body = cJSON_ParseWithLength((const char *)data, size);
    char *token = NULL;
    int64_t life = 0;
    vr_error err = VR_ERROR_INIT;
    if (vr_auth_parse_token(&token, &life, body, &err) == 0) {
        fz_check(token && token[0] && !strpbrk(token, "\r\n"), "a token that cannot be sent");
        fz_check(life >= 0, "a negative token life");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "access_token");
        fz_check(!t->valuestring[0], "the token left in the parsed body");
        vr_secret_free(token);
    } else {
        fz_check(token == NULL && err.message[0], "a refusal without a message");
    }
    cJSON_Delete(body);
    return 0;
}
