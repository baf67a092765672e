/* vr_credentials: the --credentials file, a YAML map from organization id to the OAuth client
 * of that organization (docs/cli.md "The credentials file"):
 *
 *     a1b2c3d4-e5f6-7890-abcd-ef1234567890:
 *       clientId: 3f1c0b7e-0000-4000-8000-000000000001
 *       clientSecretFile: secrets/prod-emea.secret   # relative to this file
 *
 * The file names the secret files; it holds no secret and this module reads none (live/vr_auth
 * does). Read with the strict reader of the inventory (vr_yaml): anchors, aliases, tags,
 * unknown keys, duplicate keys and organizations, and values that are not strings are errors.
 * Every entry is checked, not only those of the organizations of a run. */
#ifndef VR_CREDENTIALS_H
#define VR_CREDENTIALS_H

#include "vr_diag.h"

#include <stddef.h>

/* The file is read whole, up to this size. */
#define VR_CREDENTIALS_MAX_FILE_BYTES (1024u * 1024u)

/* One organization's entry. */
typedef struct {
    char *org_id;      /* the key, as written */
    char *client_id;   /* clientId */
    char *secret_file; /* clientSecretFile; a relative one made relative to the file's folder */
    int line, column;  /* of the key, from 1 */
} vr_credentials_entry;

/* A parsed file: its entries sorted by organization id (bytewise). Owns everything;
 * vr_credentials_file_free releases it. */
typedef struct {
    vr_credentials_entry *items;
    size_t count;
} vr_credentials_file;

/* Parses len bytes at data (need not be NUL-terminated), the contents of the file at path:
 * path is shown in messages and its folder resolves relative clientSecretFile paths. No I/O.
 * Returns 0 with out filled, or -1 with out empty and err set (code credentials.file, message
 * "credentials file FILE:LINE:COLUMN: why", the first problem in the file, and how many more
 * there are). */
int vr_credentials_file_parse(vr_credentials_file *out, const char *path, const void *data,
                              size_t len, vr_error *err);

/* Reads the file at path (at most VR_CREDENTIALS_MAX_FILE_BYTES) and parses it. Returns 0, or
 * -1 with err set ("credentials file PATH: cannot read it", or as vr_credentials_file_parse). */
int vr_credentials_file_load(vr_credentials_file *out, const char *path, vr_error *err);

/* The entry of org_id (compared as written), NULL when the file has none. Borrowed from f. */
const vr_credentials_entry *vr_credentials_file_find(const vr_credentials_file *f,
                                                     const char *org_id);

void vr_credentials_file_free(vr_credentials_file *f);

#endif
