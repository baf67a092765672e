/* fuzz_api_error: an error body (docs/api.md §3) as the request layer reads it into a
 * vr_error: code, message, 409 entity, 422 details; then the secret scrubbing and the
 * escaping for a terminal every error goes through. The first byte picks the status, as a
 * digit: 0:400 1:401 2:403 3:404 4:409 5:422 6:429 7:500 8:503 9:418 (other bytes wrap). */
#include "harness.h"
#include "vr_http.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {400, 401, 403, 404, 409, 422, 429, 500, 503, 418};
    if (size == 0) return 0;
    int status = statuses[(uint8_t)(data[0] - '0') % (sizeof statuses / sizeof statuses[0])];
    vr_error err = VR_ERROR_INIT;
    vr_http_error_from_body(&err, "fuzz call", status, (const char *)data + 1, size - 1);
    fz_check(err.http_status == status, "the status was lost");
    fz_check(memchr(err.message, '\0', sizeof err.message) != NULL, "an unterminated message");
    vr_error_scrub(&err, "s3cr3t-client-secret");
    fz_check(strstr(err.message, "s3cr3t-client-secret") == NULL, "a secret left after scrub");
    vr_error_escape_controls(&err);
    return 0;
}
