/* vr_endpoint: the region table of docs/api.md §1 and the resolution of the API and OAuth bases. */
#include "vr_endpoint.h"
#include "vr_errcode.h"

#include "vr_addr.h"
#include "vr_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *vr_base_source_name(vr_base_source s)
{
    switch (s) {
    case VR_BASE_API_URL_OPTION:
        return "--api-url";
    case VR_BASE_API_URL_ENV:
        return "GENESYSCLOUD_API_URL";
    case VR_BASE_REGION_OPTION:
        return "--region";
    case VR_BASE_REGION_ENV:
        return "GENESYSCLOUD_REGION";
    case VR_BASE_INVENTORY:
        return "inventory organization.region";
    case VR_BASE_NONE:
        break;
    }
    return "none";
}

void vr_endpoint_inputs_from_env(vr_endpoint_inputs *in)
{
    in->env_api_url = getenv("GENESYSCLOUD_API_URL");
    in->env_region = getenv("GENESYSCLOUD_REGION");
}

bool vr_host_is_loopback(const char *host)
{
    if (!host || !*host) return false;
    if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0) return true;
    char tmp[VR_ADDR_STRLEN];
    size_t n = strlen(host);
    if (host[0] == '[') {
        if (n < 3 || host[n - 1] != ']' || n - 2 >= sizeof(tmp)) return false;
        memcpy(tmp, host + 1, n - 2);
        tmp[n - 2] = '\0';
    } else {
        if (n >= sizeof(tmp)) return false;
        memcpy(tmp, host, n + 1);
    }
    vr_addr a;
    if (vr_addr_parse(&a, tmp) < 0) return false;
    return vr_addr_is_loopback(&a);
}

/* Splits url into scheme, host and port and checks each; see the header. */
int vr_url_check(const char *url, const char *what, vr_url_kind kind, vr_error *err)
{
    if (!what) what = "URL";
    if (!url || !*url) {
        vr_error_set(err, VR_ERR_URL_INVALID, "%s is empty", what);
        return -1;
    }
    /* Messages name the input and, for a base URL without user info, the URL itself; never an
     * endpoint's URL (a webhook's path may carry a token) nor a password. */
    char shown[600];
    if (kind == VR_URL_BASE && !strchr(url, '@'))
        snprintf(shown, sizeof(shown), "%s %s", what, url);
    else
        snprintf(shown, sizeof(shown), "%s", what);
    bool https;
    const char *p;
    if (strncasecmp(url, "https://", 8) == 0) {
        https = true;
        p = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        https = false;
        p = url + 7;
    } else {
        vr_error_set(err, VR_ERR_URL_INVALID,
                     "%s: scheme must be https:// (or http:// for a loopback host)", shown);
        return -1;
    }
    size_t alen = strcspn(p, "/?#");
    if (strchr(p, '#')) {
        vr_error_set(err, VR_ERR_URL_INVALID, "%s: a URL has no fragment (#...)", shown);
        return -1;
    }
    if (kind == VR_URL_BASE && strchr(p, '?')) {
        vr_error_set(err, VR_ERR_URL_INVALID, "%s: a base URL has no query", shown);
        return -1;
    }
    for (const char *s = url; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f) {
            vr_error_set(err, VR_ERR_URL_INVALID, "%s: a URL has no spaces or control characters",
                         what);
            return -1;
        }
    if (memchr(p, '@', alen)) {
        vr_error_set(err, VR_ERR_URL_INVALID,
                     "%s: a URL carries no user info (user:password@): it would be shown in "
                     "messages",
                     what);
        vr_error_remedy(err, "take user:password@ out of the URL");
        return -1;
    }
    char host[256];
    const char *port = NULL;
    size_t hlen;
    if (alen > 0 && p[0] == '[') {
        const char *close = memchr(p, ']', alen);
        if (!close) {
            vr_error_set(err, VR_ERR_URL_INVALID, "%s: unclosed '[' in the host", shown);
            return -1;
        }
        hlen = (size_t)(close - p) + 1;
        if (hlen < alen) {
            if (close[1] != ':') {
                vr_error_set(err, VR_ERR_URL_INVALID, "%s: junk after the host", shown);
                return -1;
            }
            port = close + 2;
        }
    } else {
        const char *colon = memchr(p, ':', alen);
        hlen = colon ? (size_t)(colon - p) : alen;
        if (colon) port = colon + 1;
    }
    if (hlen == 0 || hlen >= sizeof(host)) {
        vr_error_set(err, VR_ERR_URL_INVALID, "%s: no host", shown);
        return -1;
    }
    memcpy(host, p, hlen);
    host[hlen] = '\0';
    if (host[0] == '[') {
        char inner[VR_ADDR_STRLEN];
        vr_addr a;
        if (hlen - 2 >= sizeof(inner) || hlen < 3) {
            vr_error_set(err, VR_ERR_URL_INVALID, "%s: bad IPv6 host", shown);
            return -1;
        }
        memcpy(inner, host + 1, hlen - 2);
        inner[hlen - 2] = '\0';
        if (vr_addr_parse(&a, inner) < 0 || a.family != VR_AF_V6) {
            vr_error_set(err, VR_ERR_URL_INVALID, "%s: bad IPv6 host", shown);
            return -1;
        }
    }
    if (port) {
        size_t plen = (size_t)(p + alen - port);
        char pbuf[8];
        long pv;
        if (plen == 0 || plen >= sizeof(pbuf)) {
            vr_error_set(err, VR_ERR_URL_INVALID, "%s: bad port", shown);
            return -1;
        }
        memcpy(pbuf, port, plen);
        pbuf[plen] = '\0';
        if (vr_parse_long(pbuf, 1, 65535, &pv) < 0 || pbuf[0] == '+' || pbuf[0] == '-') {
            vr_error_set(err, VR_ERR_URL_INVALID, "%s: port must be 1..65535", shown);
            return -1;
        }
    }
    if (!https && !vr_host_is_loopback(host)) {
        vr_error_set(err, VR_ERR_URL_INSECURE,
                     "%s: plain http:// is refused for host %s (only loopback hosts may use "
                     "it)",
                     shown, host);
        vr_error_remedy(err, "use https://, or http:// only with 127.0.0.1, localhost or [::1]");
        return -1;
    }
    return 0;
}

static void copy_base(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
    size_t n = strlen(dst);
    while (n > 0 && dst[n - 1] == '/')
        dst[--n] = '\0';
}

static void suggest_region(vr_error *err, const char *text)
{
    const char *best_text = vr_regions_suggest(text);
    if (best_text)
        vr_error_remedy(err,
                        "did you mean %s? a region is a name like eu-west-1 or a domain "
                        "like mypurecloud.ie",
                        best_text);
    else
        vr_error_remedy(err, "a region is a name like eu-west-1 or a domain like "
                             "mypurecloud.ie (docs/api.md §1 lists them); for a URL use --api-url");
}

static bool is_set(const char *s)
{
    return s && *s;
}

int vr_endpoints_resolve(vr_endpoints *out, const vr_endpoint_inputs *in, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    struct {
        const char *value;
        vr_base_source source;
        bool is_url;
    } order[] = {
        {in->api_url_option, VR_BASE_API_URL_OPTION, true},
        {in->env_api_url, VR_BASE_API_URL_ENV, true},
        {in->region_option, VR_BASE_REGION_OPTION, false},
        {in->env_region, VR_BASE_REGION_ENV, false},
        {in->inventory_region, VR_BASE_INVENTORY, false},
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!is_set(order[i].value)) continue;
        const char *what = vr_base_source_name(order[i].source);
        if (order[i].is_url) {
            if (strlen(order[i].value) >= sizeof(out->api_base)) {
                vr_error_set(err, VR_ERR_URL_INVALID, "%s is too long", what);
                return -1;
            }
            if (vr_url_check(order[i].value, what, VR_URL_BASE, err) < 0) return -1;
            copy_base(out->api_base, sizeof(out->api_base), order[i].value);
            copy_base(out->login_base, sizeof(out->login_base), order[i].value);
        } else {
            const vr_region *r = vr_region_lookup(order[i].value);
            if (!r) {
                vr_error_set(err, VR_ERR_REGION_UNKNOWN, "%s %s: unknown region", what,
                             order[i].value);
                suggest_region(err, order[i].value);
                return -1;
            }
            snprintf(out->api_base, sizeof(out->api_base), "https://api.%s", r->domain);
            snprintf(out->login_base, sizeof(out->login_base), "https://login.%s", r->domain);
            out->region_name = r->name;
        }
        out->source = order[i].source;
        return 0;
    }
    vr_error_set(err, VR_ERR_REGION_MISSING, "no region or API URL given");
    vr_error_remedy(err, "set --region or GENESYSCLOUD_REGION (a name like eu-west-1 or a domain "
                         "like mypurecloud.ie), organization.region in the inventory, or "
                         "--api-url / GENESYSCLOUD_API_URL");
    return -1;
}
