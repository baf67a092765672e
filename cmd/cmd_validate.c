/* cmd_validate: load and check the inventory alone, offline; diagnostics to stderr. */
#include "cmd.h"
#include "vr_checks.h"
#include "vr_inventory.h"
#include "vr_util.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const severity_names[] = {"error", "warning", "note"};

static void print_json(const vr_inventory *inv, const vr_diags *diags)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "valid", diags->errors == 0);
    cJSON *orgs = cJSON_AddArrayToObject(root, "organizations");
    for (size_t i = 0; i < inv->org_count; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", inv->orgs[i].id);
        cJSON_AddNumberToObject(o, "interfaces", (double)inv->orgs[i].count);
        cJSON_AddItemToArray(orgs, o);
    }
    cJSON *files = cJSON_AddArrayToObject(root, "files");
    for (size_t i = 0; i < inv->source_count; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "path", inv->sources[i].path);
        cJSON_AddStringToObject(f, "sha256", inv->sources[i].sha256);
        cJSON_AddItemToArray(files, f);
    }
    cJSON *list = cJSON_AddArrayToObject(root, "diagnostics");
    for (size_t i = 0; i < diags->count; i++) {
        const vr_diag *g = &diags->items[i];
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "severity", severity_names[g->severity]);
        if (g->file)
            cJSON_AddStringToObject(d, "file", g->file);
        else
            cJSON_AddNullToObject(d, "file");
        cJSON_AddNumberToObject(d, "line", g->line);
        cJSON_AddNumberToObject(d, "column", g->column);
        cJSON_AddStringToObject(d, "code", g->code);
        cJSON_AddStringToObject(d, "message", g->message);
        cJSON_AddItemToArray(list, d);
    }
    char *text = cJSON_Print(root);
    if (text) puts(text);
    free(text);
    cJSON_Delete(root);
}

static void print_text(const vr_inventory *inv, const vr_diags *diags, bool quiet, bool color)
{
    for (size_t i = 0; i < diags->count; i++) {
        const vr_diag *g = &diags->items[i];
        if (quiet && g->severity != VR_SEV_ERROR) continue;
        char *line = vr_diag_format(g);
        if (color) {
            const char *c = g->severity == VR_SEV_ERROR ? "\033[31m" : "\033[33m";
            fprintf(stderr, "%s%s\033[0m\n", c, line);
        } else {
            fprintf(stderr, "%s\n", line);
        }
        free(line);
    }
    if (diags->errors) {
        printf("invalid: %zu error%s, %zu warning%s\n", diags->errors,
               diags->errors == 1 ? "" : "s", diags->warnings, diags->warnings == 1 ? "" : "s");
        return;
    }
    if (quiet) return;
    size_t n = vr_inventory_iface_count(inv);
    printf("valid: %zu organization%s, %zu interface%s in %zu file%s", inv->org_count,
           inv->org_count == 1 ? "" : "s", n, n == 1 ? "" : "s", inv->source_count,
           inv->source_count == 1 ? "" : "s");
    if (diags->warnings)
        printf(" (%zu warning%s)", diags->warnings, diags->warnings == 1 ? "" : "s");
    putchar('\n');
}

int cmd_validate(int argc, char **argv)
{
    vr_strlist files = {0};
    const char *format = "text";
    bool quiet = false, no_color = false, help = false;
    vr_opt opts[] = {
        {"file", 'f', VR_OPT_LIST, &files, "PATH", "inventory file or folder; - for stdin", 0, 0},
        {"format", 0, VR_OPT_STRING, &format, "text|json", "output format (default text)", 0, 0},
        {"quiet", 'q', VR_OPT_FLAG, &quiet, NULL, "only errors (no warnings, no summary)", 0, 0},
        {"no-color", 0, VR_OPT_FLAG, &no_color, NULL, "no colors (also NO_COLOR)", 0, 0},
        {"help", 'h', VR_OPT_FLAG, &help, NULL, "show this help", 0, 0},
        {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
    };
    vr_strlist pos = {0};
    char err[512];
    int rc = VR_EXIT_ERROR;
    vr_inventory inv;
    memset(&inv, 0, sizeof(inv));
    vr_diags diags = VR_DIAGS_INIT;
    if (vr_opts_parse(opts, argc, argv, &pos, err, sizeof(err)) < 0) {
        fprintf(stderr, "vni-reconcile validate: %s\n", err);
        goto done;
    }
    if (help) {
        puts("usage: vni-reconcile validate -f PATH... [--format text|json] [-q]\n\n"
             "Loads and checks the inventory alone (no network). PATH is a file, a folder\n"
             "(every *.yaml/*.yml below it) or - for standard input.\n"
             "Exit codes: 0 valid, 1 usage error, 3 invalid.\n");
        vr_opts_help(stdout, opts);
        rc = VR_EXIT_OK;
        goto done;
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "vni-reconcile validate: --format '%s' is not known; use text or json\n",
                format);
        goto done;
    }
    for (size_t i = 0; i < pos.count; i++)
        vr_strlist_push(&files, pos.items[i]);
    if (files.count == 0) {
        fprintf(stderr, "vni-reconcile validate: no inventory given; use -f PATH (a file, a "
                        "folder, or - for stdin)\n");
        goto done;
    }
    vr_inventory_load(&inv, files.items, files.count, &diags);
    vr_inventory_check(&inv, &diags);
    vr_diags_sort(&diags);
    if (strcmp(format, "json") == 0)
        print_json(&inv, &diags);
    else
        print_text(&inv, &diags, quiet, vr_use_color(stderr, no_color));
    rc = diags.errors ? VR_EXIT_INVALID : VR_EXIT_OK;
done:
    vr_diags_free(&diags);
    vr_inventory_free(&inv);
    vr_strlist_free(&files);
    vr_strlist_free(&pos);
    return rc;
}
