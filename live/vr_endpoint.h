/* vr_endpoint: the platform's regions (docs/api.md §1) and where the API and OAuth bases come from.
 */
#ifndef VR_ENDPOINT_H
#define VR_ENDPOINT_H

#include "vr_diag.h"
#include "vr_regions.h" /* the table: vr_region, vr_region_table, vr_region_lookup */

#include <stdbool.h>
#include <stddef.h>

/* Where the base URLs came from, in order of precedence. */
typedef enum {
    VR_BASE_NONE = 0,
    VR_BASE_API_URL_OPTION, /* --api-url */
    VR_BASE_API_URL_ENV,    /* GENESYSCLOUD_API_URL */
    VR_BASE_REGION_OPTION,  /* --region */
    VR_BASE_REGION_ENV,     /* GENESYSCLOUD_REGION */
    VR_BASE_INVENTORY,      /* organization.region of the inventory */
} vr_base_source;

/* "--api-url", "GENESYSCLOUD_API_URL", "--region", "GENESYSCLOUD_REGION",
 * "inventory organization.region"; "none". Static string. */
const char *vr_base_source_name(vr_base_source s);

/* The inputs of the resolution. Every pointer is borrowed and may be NULL or "" (unset).
 * env_api_url and env_region are normally the values of GENESYSCLOUD_API_URL and
 * GENESYSCLOUD_REGION (vr_endpoint_inputs_from_env fills them); they are parameters so tests
 * need not touch the environment. */
typedef struct {
    const char *api_url_option;   /* --api-url */
    const char *env_api_url;      /* GENESYSCLOUD_API_URL */
    const char *region_option;    /* --region */
    const char *env_region;       /* GENESYSCLOUD_REGION */
    const char *inventory_region; /* organization.region */
} vr_endpoint_inputs;

/* Sets env_api_url and env_region from getenv (borrowed: valid while the environment is not
 * changed); leaves the other members as they are. */
void vr_endpoint_inputs_from_env(vr_endpoint_inputs *in);

/* The resolved bases, without a trailing '/'. Fixed-size; nothing to free. */
typedef struct {
    char api_base[512];   /* "https://api.mypurecloud.ie" or the --api-url */
    char login_base[512]; /* "https://login.mypurecloud.ie" or the same --api-url */
    vr_base_source source;
    const char *region_name; /* static, NULL when an API URL was given */
} vr_endpoints;

/* Resolves the bases: the first set of --api-url, GENESYSCLOUD_API_URL, --region,
 * GENESYSCLOUD_REGION, inventory region. An API URL is one base for both API and OAuth; a
 * region (name or domain) gives https://api.{domain} and https://login.{domain}.
 * The first set input decides: a bad value is an error, not a reason to try the next.
 * Returns 0, or -1 with err set: no input (code "region.missing", with a remedy saying how
 * to set one), an unknown region ("region.unknown", with a "did you mean"), a bad URL (see
 * vr_url_check, VR_URL_BASE). */
int vr_endpoints_resolve(vr_endpoints *out, const vr_endpoint_inputs *in, vr_error *err);

/* What a URL is for: the base of the API and OAuth (scheme, host, port, an optional path; no
 * query), or an endpoint (a webhook receiver: a path and a query allowed). */
typedef enum { VR_URL_BASE = 0, VR_URL_ENDPOINT } vr_url_kind;

/* The one URL policy of the project, for the API base and the webhook alike: scheme https (any
 * host) or http (loopback hosts only: 127.0.0.0/8, "localhost", "[::1]"), a host, an optional
 * port 1..65535, no user info (a URL is shown in messages and a webhook's is written to its
 * outbox: it must hold no secret), no fragment, no space or control character; a query only
 * for VR_URL_ENDPOINT. Returns 0, or -1 with err set (code "url.insecure" for http:// to
 * another host, "url.invalid" otherwise; the message never repeats user info). what names the
 * input in the message ("--api-url", "webhook url"). */
int vr_url_check(const char *url, const char *what, vr_url_kind kind, vr_error *err);

/* True when host (as in a URL: "127.0.0.1", "localhost", "[::1]", "::1") is loopback. */
bool vr_host_is_loopback(const char *host);

#endif
