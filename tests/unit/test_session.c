/* test_session: cmd_session's --credentials file reader (the rest of the session runs in the
 * end-to-end tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"

#include "cmd_session.h"

#include <string.h>

#define ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

/* Writes text to DIR/credentials.yaml and looks org up in it. */
static int lookup(const char *dir, const char *text, const char *org, vr_cred_entry *e,
                  vr_error *err)
{
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/credentials.yaml", dir);
    assert_int_equal(vr_write_file_atomic(vr_buf_str(&path), text, strlen(text), 0600), 0);
    vr_error_clear(err);
    int rc = vr_session_credentials_entry(vr_buf_str(&path), org, e, err);
    vr_buf_free(&path);
    return rc;
}

static void test_credentials_entry(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("creds");
    vr_cred_entry e;
    vr_error err = VR_ERROR_INIT;
    const char *two = "other-org:\n  clientId: x\n  clientSecretFile: /x\n" ORG ":\n"
                      "  clientId: vni-demo\n  clientSecretFile: secrets/demo.secret\n";
    assert_int_equal(lookup(dir, two, ORG, &e, &err), 0);
    assert_string_equal(e.client_id, "vni-demo");
    vr_buf want = VR_BUF_INIT;
    vr_buf_printf(&want, "%s/secrets/demo.secret", dir); /* relative to the file's folder */
    assert_string_equal(e.secret_file, vr_buf_str(&want));
    assert_int_equal(e.line, 5);
    free(e.client_id);
    free(e.secret_file);
    vr_buf_free(&want);

    assert_int_equal(lookup(dir, two, "no-such-org", &e, &err), 1);

    const char *absolute = ORG ": {clientId: c, clientSecretFile: /run/secrets/s}\n";
    assert_int_equal(lookup(dir, absolute, ORG, &e, &err), 0);
    assert_string_equal(e.secret_file, "/run/secrets/s");
    free(e.client_id);
    free(e.secret_file);

    assert_int_equal(lookup(dir, ORG ":\n  clientId: c\n", ORG, &e, &err), -1);
    assert_non_null(strstr(err.message, ":2: organization " ORG " needs clientId and"));
    assert_int_equal(lookup(dir, ORG ": text\n", ORG, &e, &err), -1);
    assert_int_equal(lookup(dir, "- a\n- b\n", ORG, &e, &err), -1);
    assert_non_null(strstr(err.message, "expected a map from organization id"));
    assert_int_equal(lookup(dir, ORG ":\n  clientId: [unclosed\n", ORG, &e, &err), -1);
    assert_non_null(strstr(err.message, "credentials.yaml:3:1: "));
    assert_int_equal(lookup(dir, "", ORG, &e, &err), -1); /* no document: not a map */
    vr_error_clear(&err);
    assert_int_equal(vr_session_credentials_entry("/nonexistent/c.yaml", ORG, &e, &err), -1);
    assert_non_null(strstr(err.message, "cannot read it"));
    vr_test_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credentials_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
