/* cmd_export: `vni-reconcile export`: an inventory of what is live, for adoption. Reads the
 * connections and routing tables of the organization of the credentials (or --org), and
 * writes the inventory (vr_export) to standard output or --out FILE. */
#include "cmd.h"
#include "cmd_session.h"

#include "vr_export.h"
#include "vr_file.h"
#include "vr_inventory.h"
#include "vr_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    vr_common_opts common;
    const char *out;
    const char *org;
    bool help;
} export_opts;

/* Each connection written commented out, on standard error: the inventory is not the whole
 * organization, and the user should know which part is missing and why. */
static void report_refused(const vr_export_result *res)
{
    for (size_t i = 0; i < res->refused_count; i++) {
        const vr_export_refusal *x = &res->refused[i];
        char *name = vr_text_escape(x->name), *reason = vr_text_escape(x->reason);
        char *id = vr_text_escape(x->id ? x->id : "none");
        fprintf(stderr,
                "vni-reconcile export: warning: connection %s (id %s) is written commented out: "
                "%s\n",
                name, id, reason);
        free(name);
        free(reason);
        free(id);
    }
}

static int write_out(const char *path, const vr_export_result *res)
{
    if (path) {
        vr_error err = VR_ERROR_INIT;
        if (vr_file_write(path, res->text, res->len, 0644, "export file", &err) < 0) {
            fprintf(stderr, "vni-reconcile export: %s; nothing was written\n", err.message);
            return VR_EXIT_ERROR;
        }
        return 0;
    }
    if (fwrite(res->text, 1, res->len, stdout) != res->len || fflush(stdout) != 0) {
        fprintf(stderr, "vni-reconcile export: cannot write to standard output: %s\n",
                strerror(errno));
        return VR_EXIT_ERROR;
    }
    return 0;
}

int cmd_export(int argc, char **argv)
{
    export_opts o;
    memset(&o, 0, sizeof(o));
    vr_opt table[] = {
        {"out", 0, VR_OPT_STRING, &o.out, "FILE",
         "write the inventory to FILE (whole or not at all), not standard output", 0, 0},
        {"org", 0, VR_OPT_STRING, &o.org, "ID",
         "the organization to export: its entry in --credentials (default: the credentials')", 0,
         0},
        VR_OPTS_COMMON(&o.common),
        {"help", 'h', VR_OPT_FLAG, &o.help, NULL, "show this help", 0, 0},
        {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
    };
    vr_strlist pos = {0};
    if (vr_cmd_parse("export", table, argc, argv, &pos, &o.common) < 0) return VR_EXIT_ERROR;
    int rc = VR_EXIT_ERROR;
    vr_session s;
    vr_session_init(&s, &o.common, "export");
    vr_export_result res = {0};
    char org_id[37] = "";
    if (o.help) {
        puts("usage: vni-reconcile export [--out FILE] [--org ID] [options]\n\n"
             "Writes an inventory of the live organization (adoption): its connections, sorted\n"
             "by name, shared values in defaults; connections the inventory's rules refuse are\n"
             "written commented out with the reason (and reported on standard error).\n"
             "exit: 0 written, 1 error (API, credentials, organization guard, writing)\n");
        vr_opts_help(stdout, table);
        rc = VR_EXIT_OK;
        goto done;
    }
    if (pos.count || o.common.files.count) {
        fprintf(stderr,
                "vni-reconcile export: export reads no inventory, it writes one from the "
                "live organization; leave out -f and paths (--out FILE names the output)\n");
        goto done;
    }
    /* The common options name every output a run can leave; export leaves none of them. */
    const char *unused = o.common.audit_log             ? "--audit-log"
                         : o.common.audit_repo          ? "--audit-repo"
                         : o.common.webhook_url         ? "--webhook-url"
                         : o.common.webhook_secret_file ? "--webhook-secret-file"
                         : o.common.metrics_file        ? "--metrics-file"
                         : o.common.probe_map.count     ? "--probe-map"
                         : o.common.converge_timeout_s  ? "--converge-timeout"
                                                        : NULL;
    if (unused && !o.common.quiet)
        fprintf(stderr, "vni-reconcile export: warning: %s has no effect on export\n", unused);
    if (o.org) {
        if (!vr_inventory_uuid_valid(o.org)) {
            fprintf(stderr,
                    "vni-reconcile export: --org '%s' is not an organization id (a UUID, "
                    "8-4-4-4-12 hexadecimal digits)\n",
                    o.org);
            goto done;
        }
        for (size_t i = 0; i < 36; i++)
            org_id[i] = (char)tolower((unsigned char)o.org[i]);
    } else if (o.common.credentials) {
        fprintf(stderr, "vni-reconcile export: --credentials names several organizations; say "
                        "which one to export with --org ID\n");
        goto done;
    }

    /* One organization: the one asked for, or ("") the one the credentials belong to, which
     * the organization guard fills in. */
    vr_org *org = vr_inventory_add_org(&s.inv, org_id);
    s.orgs = vr_xcalloc(1, sizeof(*s.orgs));
    s.orgs[0].org = org;
    s.org_count = 1;
    if ((rc = vr_session_prepare(&s, NULL, NULL)) != 0) goto done;
    rc = VR_EXIT_ERROR;
    vr_session_org *so = &s.orgs[0];
    if (!vr_inventory_uuid_valid(org->id)) {
        char *shown = vr_text_escape(org->id);
        fprintf(stderr,
                "vni-reconcile export: the platform names the organization '%s', which is not a "
                "UUID; an inventory cannot name it\n",
                shown);
        free(shown);
        goto done;
    }

    vr_export_table *tables = vr_xcalloc(so->tables.count + 1, sizeof(*tables));
    for (size_t t = 0; t < so->tables.count; t++)
        tables[t] = (vr_export_table){so->tables.items[t].id, so->tables.items[t].name};
    vr_export_meta meta = {0};
    meta.org_id = org->id;
    meta.org_name = so->me.name;
    /* where the organization lives, when a region (not a URL) said it */
    if (so->endpoints.source == VR_BASE_REGION_OPTION || so->endpoints.source == VR_BASE_REGION_ENV)
        meta.region = so->endpoints.region_name;
    meta.limit = so->limits.limit_defaulted ? 0 : so->limits.connections_max;
    meta.read_at_ms = vr_wall_ms();
    meta.tables = tables;
    meta.table_count = so->tables.count;
    vr_export_org(&res, &meta, so->live.items, so->live.count);
    free(tables);

    report_refused(&res);
    if ((rc = write_out(o.out, &res)) != 0) goto done;
    if (!o.common.quiet)
        fprintf(stderr,
                "vni-reconcile export: organization %s: %zu interface%s written to %s; %zu "
                "commented out, %zu not active\n",
                org->id, res.written, res.written == 1 ? "" : "s",
                o.out ? o.out : "standard output", res.refused_count, res.not_active);
    rc = VR_EXIT_OK;
done:
    vr_export_result_free(&res);
    vr_session_free(&s);
    vr_cmd_opts_free(&pos, &o.common);
    return rc;
}
