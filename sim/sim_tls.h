/* sim_tls: `vni-sim --tls-cert FILE --tls-key FILE`: the certificate and key the API server
 * and the webhook sink serve https:// with (libmicrohttpd's TLS, GnuTLS as Debian builds it),
 * so that tests can stand up the production path (https, a private CA) on loopback. */
#ifndef SIM_TLS_H
#define SIM_TLS_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

/* The PEM texts, owned (sim_tls_free wipes the key). Zero-initialised: plain http. */
typedef struct {
    char *cert; /* PEM certificate (chain), NUL-terminated; NULL: plain http */
    char *key;  /* PEM private key (unencrypted), NUL-terminated */
} sim_tls;

/* Loads cert_path and key_path (both, or neither: then out stays plain http). Refuses, with a
 * message in err naming the option and the file: one without the other, a file that cannot
 * be read or holds no PEM block of the right kind, and a libmicrohttpd built without TLS.
 * Returns 0 or -1. */
int sim_tls_load(sim_tls *out, const char *cert_path, const char *key_path, char *err,
                 size_t errlen);
void sim_tls_free(sim_tls *t);

/* True when t serves https. */
bool sim_tls_on(const sim_tls *t);
/* "https" or "http". */
const char *sim_tls_scheme(const sim_tls *t);
/* The MHD flags to add (MHD_USE_TLS, or 0). */
unsigned sim_tls_flags(const sim_tls *t);
/* Fills opts (3 items) for MHD_OPTION_ARRAY: the key and the certificate, or just the end. */
void sim_tls_options(const sim_tls *t, struct MHD_OptionItem opts[3]);

#endif
