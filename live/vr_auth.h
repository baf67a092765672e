/* vr_auth: credentials (environment, secret file) and the OAuth client-credentials token
 * (docs/api.md §2): fetched with HTTP Basic, cached, renewed under 60 s of life left. The secret
 * and the token never reach an error text, a hook record or any output. */
#ifndef VR_AUTH_H
#define VR_AUTH_H

#include "vr_diag.h"
#include "vr_http.h"

#include <stdbool.h>
#include <stdint.h>

/* The credentials of one organization. Every string is malloc'd and owned by the struct;
 * vr_credentials_clear() wipes (zeroes) and frees them. Either client_id + client_secret
 * (renewable tokens) or access_token (used as given, never renewed) is set. */
typedef struct {
    char *client_id;
    char *client_secret;
    char *access_token;
    /* where the secret came from: "GENESYSCLOUD_OAUTHCLIENT_SECRET", or the file's path;
     * where the token came from: "GENESYSCLOUD_ACCESS_TOKEN". Owned; never the secret */
    char *source;
    bool secret_file_loose; /* the secret file is readable by group or others: warn */
} vr_credentials;

/* Reads a secret file: the whole file (at most 64 KiB), one trailing "\n" (or "\r\n")
 * stripped. *out is malloc'd (free it with vr_secret_free). *loose is set when the file's
 * mode lets group or others read it (the caller warns; it is not refused). Returns 0, or -1
 * with err set (unreadable, empty, holding a NUL): the message names the path, never
 * the content. */
int vr_secret_read_file(char **out, bool *loose, const char *path, vr_error *err);
/* The same for any secret file: what names it in messages ("webhook secret file"), option
 * the flag that gave the path ("--webhook-secret-file"). */
int vr_secret_read_file_as(char **out, bool *loose, const char *path, const char *what,
                           const char *option, vr_error *err);
/* Zeroes and frees a secret (NULL is fine). */
void vr_secret_free(char *s);

/* For a process about to hold secrets (client secret, token, webhook key): no core dump may
 * write them to disk, and no other process of the same user may read its memory
 * (prctl(PR_SET_DUMPABLE, 0): no core, no ptrace attach, /proc/PID/mem closed), and
 * RLIMIT_CORE soft and hard 0. Called by main before anything is read. Returns 0, or -1 with
 * errno when one of them could not be set. */
int vr_secret_protect_process(void);

/* Fills creds from the environment and, when secret_file is set (--client-secret-file),
 * that file. Client credentials (GENESYSCLOUD_OAUTHCLIENT_ID with
 * GENESYSCLOUD_OAUTHCLIENT_SECRET or the file) win over GENESYSCLOUD_ACCESS_TOKEN.
 * Returns 0, or -1 with err set (code "credentials.missing", remedy naming the variables;
 * a file given without GENESYSCLOUD_OAUTHCLIENT_ID is an error too). */
int vr_credentials_load(vr_credentials *creds, const char *secret_file, vr_error *err);
/* Deep copy (for a client that keeps its own). */
void vr_credentials_copy(vr_credentials *out, const vr_credentials *src);
void vr_credentials_clear(vr_credentials *creds);

/* The token cache of one organization. */
typedef struct vr_auth vr_auth;

/* Creates a token cache for creds (copied) against login_base ("https://login.{domain}" or
 * the --api-url), using h for its calls (borrowed: it must outlive the cache). The clock of
 * h's config times the token's life. Registers the secret, its Basic form (or the static token)
 * with h (vr_http_add_secret), so h must not make calls after vr_auth_free. Returns 0, or -1 with
 * err set. */
int vr_auth_new(vr_auth **out, const vr_credentials *creds, const char *login_base, vr_http *h,
                vr_error *err);
/* Wipes the cached token and the copied credentials, and frees. */
void vr_auth_free(vr_auth *a);

/* The token to send: the cached one when more than 60 s of its life is left (a token
 * without expires_in counts as lasting 1 hour), else a new one from POST
 * {login_base}/oauth/token (Basic client_id:client_secret, grant_type=client_credentials).
 * A static token is returned as is. *out is owned by the cache, valid until the next
 * vr_auth_token/vr_auth_invalidate/vr_auth_free. Returns 0, or a negative code with err set
 * (401 invalid_client: remedy "check GENESYSCLOUD_OAUTHCLIENT_ID and the secret").
 * The token fetch shows in the latency hook as POST /oauth/token. */
int vr_auth_token(vr_auth *a, const char **out, vr_error *err);

/* Reads the answer of POST /oauth/token (pure: no I/O; exposed for the unit tests and the
 * fuzz targets): *out_token a malloc'd copy of access_token (free it with vr_secret_free), whose
 * text in body is then zeroed; *out_life_ms the token's life, expires_in seconds when it is a
 * whole number below 1e9, else 1 hour. Returns 0, or -1 with err set (code "bad.response": no
 * access_token, or one holding a line break) and *out_token NULL. */
int vr_auth_parse_token(char **out_token, int64_t *out_life_ms, cJSON *body, vr_error *err);

/* Forgets the cached token so that the next vr_auth_token fetches a new one. Returns true
 * when a new one can be had (client credentials), false for a static token. */
bool vr_auth_invalidate(vr_auth *a);

/* True when the token is static (GENESYSCLOUD_ACCESS_TOKEN): a 401 is then final. */
bool vr_auth_is_static(const vr_auth *a);

/* Scrubs the client secret, its Basic form (Base64 of "id:secret"), the static token and the
 * cached token out of err's texts (vr_error_scrub). */
void vr_auth_scrub(const vr_auth *a, vr_error *err);

/* How many tokens were fetched so far (for tests and -v output). */
int vr_auth_fetch_count(const vr_auth *a);

#endif
