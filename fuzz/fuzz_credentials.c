/* fuzz_credentials: the --credentials file (a YAML map from organization id to {clientId,
 * clientSecretFile}), as cmd_session reads it for an organization it names and for one it
 * does not. Reads no secret file: the entry only names it. */
#include "cmd_session.h"
#include "harness.h"

#include <stdlib.h>

static void lookup(const char *path, const char *org)
{
    vr_cred_entry e;
    vr_error err = VR_ERROR_INIT;
    int rc = vr_session_credentials_entry(path, org, &e, &err);
    fz_check(rc != 0 || (e.client_id && e.secret_file), "an entry without its strings");
    fz_check(rc >= 0 || err.message[0], "a failure without a message");
    if (rc == 0) {
        free(e.client_id);
        free(e.secret_file);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_file(data, size);
    lookup(path, FZ_ORG);
    lookup(path, "no-such-organization");
    return 0;
}
