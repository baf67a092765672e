/* fuzz_credentials: the --credentials file (desired/vr_credentials: a YAML map from
 * organization id to {clientId, clientSecretFile}, read by the strict YAML reader), then the
 * lookup of an organization it may name and of one it does not. Reads no secret file. */
#include "harness.h"
#include "vr_credentials.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vr_credentials_file f;
    vr_error err = VR_ERROR_INIT;
    if (vr_credentials_file_parse(&f, "/etc/vni/credentials.yaml", data, size, &err) < 0) {
        fz_check(f.count == 0 && err.message[0], "a refusal without a message, or not empty");
        return 0;
    }
    for (size_t i = 0; i < f.count; i++) {
        const vr_credentials_entry *e = &f.items[i];
        fz_check(e->org_id && e->client_id && e->secret_file, "an entry without its strings");
        fz_check(vr_credentials_file_find(&f, e->org_id) != NULL, "an entry its lookup misses");
    }
    vr_credentials_file_find(&f, FZ_ORG);
    vr_credentials_file_free(&f);
    return 0;
}
