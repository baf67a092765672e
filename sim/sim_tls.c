/* sim_tls: the PEM certificate and key of `--tls-cert`/`--tls-key`, as libmicrohttpd options. */
#include "sim_tls.h"

#include "vr_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEM_MAX (1024 * 1024)

static int load_pem(char **out, const char *path, const char *option, const char *kind,
                    const char *marker, char *err, size_t errlen)
{
    size_t len = 0;
    int rc = vr_read_file(path, PEM_MAX, out, &len);
    if (rc < 0) {
        snprintf(err, errlen, "%s %s: cannot read it: %s", option, path,
                 rc == -2 ? "larger than 1 MiB" : strerror(errno));
        return -1;
    }
    if (!strstr(*out, marker)) {
        snprintf(err, errlen, "%s %s: not a PEM %s (no \"%s\")", option, path, kind, marker);
        return -1;
    }
    return 0;
}

int sim_tls_load(sim_tls *out, const char *cert_path, const char *key_path, char *err,
                 size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!cert_path && !key_path) return 0;
    if (!cert_path || !key_path) {
        snprintf(err, errlen, "%s needs %s too", cert_path ? "--tls-cert" : "--tls-key",
                 cert_path ? "--tls-key" : "--tls-cert");
        return -1;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(err, errlen,
                 "this libmicrohttpd was built without TLS: --tls-cert cannot be "
                 "served");
        return -1;
    }
    /* "-----BEGIN " then "PRIVATE KEY-----", "RSA PRIVATE KEY-----" or "EC PRIVATE KEY-----" */
    if (load_pem(&out->cert, cert_path, "--tls-cert", "certificate", "-----BEGIN CERTIFICATE-----",
                 err, errlen) < 0 ||
        load_pem(&out->key, key_path, "--tls-key", "private key", "PRIVATE KEY-----", err, errlen) <
            0) {
        sim_tls_free(out);
        return -1;
    }
    return 0;
}

void sim_tls_free(sim_tls *t)
{
    free(t->cert);
    if (t->key) {
        memset(t->key, 0, strlen(t->key));
        free(t->key);
    }
    memset(t, 0, sizeof(*t));
}

bool sim_tls_on(const sim_tls *t)
{
    return t && t->cert;
}

const char *sim_tls_scheme(const sim_tls *t)
{
    return sim_tls_on(t) ? "https" : "http";
}

unsigned sim_tls_flags(const sim_tls *t)
{
    return sim_tls_on(t) ? MHD_USE_TLS : 0;
}

void sim_tls_options(const sim_tls *t, struct MHD_OptionItem opts[3])
{
    size_t n = 0;
    if (sim_tls_on(t)) {
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, t->key};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, t->cert};
    }
    while (n < 3)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
}
