/* cmd_version: the tool's version and the versions of the libraries it links. */
#include "cmd.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <git2.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

int cmd_version(int argc, char **argv)
{
    bool json = false, help = false;
    vr_opt opts[] = {
        {"json", 0, VR_OPT_FLAG, &json, NULL, "print as JSON", 0, 0},
        {"help", 'h', VR_OPT_FLAG, &help, NULL, "show this help", 0, 0},
        {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
    };
    vr_strlist pos = {0};
    char err[256];
    if (vr_opts_parse(opts, argc, argv, &pos, err, sizeof(err)) < 0 || pos.count) {
        fprintf(stderr, "vni-reconcile version: %s\n", pos.count ? "takes no arguments" : err);
        vr_strlist_free(&pos);
        return VR_EXIT_ERROR;
    }
    vr_strlist_free(&pos);
    if (help) {
        puts("usage: vni-reconcile version [--json]");
        vr_opts_help(stdout, opts);
        return VR_EXIT_OK;
    }
    int gmaj, gmin, grev;
    git_libgit2_version(&gmaj, &gmin, &grev);
    char git_v[32];
    snprintf(git_v, sizeof(git_v), "%d.%d.%d", gmaj, gmin, grev);
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    const char *rows[][2] = {
        {"libyaml", yaml_get_version_string()},
        {"libcurl", cv->version},
        {"cJSON", cJSON_Version()},
        {"libgit2", git_v},
        {"libmicrohttpd", MHD_get_version()},
        {"OpenSSL", OpenSSL_version(OPENSSL_VERSION)},
    };
    if (json) {
        printf("{\"version\":\"%s\",\"libraries\":{", VR_VERSION);
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
            printf("%s\"%s\":\"%s\"", i ? "," : "", rows[i][0], rows[i][1]);
        puts("}}");
        return VR_EXIT_OK;
    }
    printf("vni-reconcile %s\n", VR_VERSION);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        printf("  %-14s %s\n", rows[i][0], rows[i][1]);
    return VR_EXIT_OK;
}
