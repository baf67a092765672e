/* cmd_opts: the small declarative option parser every command uses. */
#include "cmd.h"
#include "vr_auth.h"
#include "vr_util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void vr_strlist_push(vr_strlist *l, const char *s)
{
    l->items = vr_xrealloc(l->items, (l->count + 1) * sizeof(*l->items));
    l->items[l->count++] = s;
}

void vr_strlist_free(vr_strlist *l)
{
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static const vr_opt *find_long(const vr_opt *opts, const char *name, size_t len)
{
    for (const vr_opt *o = opts; o->long_name; o++)
        if (strlen(o->long_name) == len && strncmp(o->long_name, name, len) == 0) return o;
    return NULL;
}

static const vr_opt *find_short(const vr_opt *opts, char c)
{
    for (const vr_opt *o = opts; o->long_name; o++)
        if (o->short_name && o->short_name == c) return o;
    return NULL;
}

static const char *closest(const vr_opt *opts, const char *name)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (const vr_opt *o = opts; o->long_name; o++) {
        size_t d = vr_edit_distance(o->long_name, name);
        if (d < best_d) {
            best_d = d;
            best = o->long_name;
        }
    }
    return best;
}

static int set_value(const vr_opt *o, const char *val, const char *shown, char *errbuf,
                     size_t errlen)
{
    switch (o->kind) {
    case VR_OPT_STRING:
        *(const char **)o->dest = val;
        return 0;
    case VR_OPT_LIST:
        vr_strlist_push((vr_strlist *)o->dest, val);
        return 0;
    case VR_OPT_LONG: {
        long v;
        if (vr_parse_long(val, o->min, o->max, &v) < 0) {
            snprintf(errbuf, errlen, "option %s: '%s' is not a whole number from %ld to %ld", shown,
                     val, o->min, o->max);
            return -1;
        }
        *(long *)o->dest = v;
        return 0;
    }
    default:
        return 0;
    }
}

int vr_opts_parse(const vr_opt *opts, int argc, char **argv, vr_strlist *pos, char *errbuf,
                  size_t errlen)
{
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
            vr_strlist_push(pos, a);
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        const vr_opt *o;
        const char *inline_val = NULL;
        char shown[128];
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            o = find_long(opts, name, len);
            snprintf(shown, sizeof(shown), "--%.*s", (int)len, name);
            if (!o) {
                char bare[128];
                snprintf(bare, sizeof(bare), "%.*s", (int)len, name);
                const char *near = closest(opts, bare);
                if (near)
                    snprintf(errbuf, errlen, "unknown option %s; did you mean --%s?", shown, near);
                else
                    snprintf(errbuf, errlen, "unknown option %s", shown);
                return -1;
            }
            if (eq) inline_val = eq + 1;
        } else {
            o = find_short(opts, a[1]);
            snprintf(shown, sizeof(shown), "-%c", a[1]);
            if (!o) {
                snprintf(errbuf, errlen, "unknown option %s", shown);
                return -1;
            }
            if (a[2]) inline_val = a + 2;
        }
        if (o->kind == VR_OPT_FLAG || o->kind == VR_OPT_COUNT) {
            if (inline_val && a[1] == '-') {
                snprintf(errbuf, errlen, "option %s takes no value", shown);
                return -1;
            }
            if (o->kind == VR_OPT_FLAG)
                *(bool *)o->dest = true;
            else
                (*(int *)o->dest)++;
            /* Bundled short flags (-qv). */
            if (inline_val && a[1] != '-') {
                for (const char *c = inline_val; *c; c++) {
                    const vr_opt *b = find_short(opts, *c);
                    if (!b || (b->kind != VR_OPT_FLAG && b->kind != VR_OPT_COUNT)) {
                        snprintf(errbuf, errlen, "unknown option -%c in %s", *c, a);
                        return -1;
                    }
                    if (b->kind == VR_OPT_FLAG)
                        *(bool *)b->dest = true;
                    else
                        (*(int *)b->dest)++;
                }
            }
            continue;
        }
        const char *val = inline_val;
        if (!val) {
            if (i + 1 >= argc) {
                snprintf(errbuf, errlen, "option %s needs a value (%s)", shown,
                         o->metavar ? o->metavar : "VALUE");
                return -1;
            }
            val = argv[++i];
        }
        if (set_value(o, val, shown, errbuf, errlen) < 0) return -1;
    }
    return 0;
}

void vr_opts_help(FILE *out, const vr_opt *opts)
{
    for (const vr_opt *o = opts; o->long_name; o++) {
        char left[96];
        if (o->short_name)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->long_name,
                     o->metavar ? " " : "", o->metavar ? o->metavar : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->long_name, o->metavar ? " " : "",
                     o->metavar ? o->metavar : "");
        fprintf(out, "  %-34s %s\n", left, o->help ? o->help : "");
    }
}

bool vr_use_color(FILE *stream, bool no_color)
{
    if (no_color) return false;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc) return false;
    return isatty(fileno(stream)) != 0;
}

void vr_cmd_opts_free(vr_strlist *pos, vr_common_opts *c)
{
    vr_strlist_free(pos);
    if (c) {
        vr_strlist_free(&c->files);
        vr_strlist_free(&c->probe_map);
    }
}

int vr_cmd_parse(const char *cmd, const vr_opt *table, int argc, char **argv, vr_strlist *pos,
                 vr_common_opts *c)
{
    char errbuf[512];
    if (vr_opts_parse(table, argc, argv, pos, errbuf, sizeof(errbuf)) < 0) {
        fprintf(stderr, "vni-reconcile %s: %s\n", cmd, errbuf);
        vr_cmd_opts_free(pos, c);
        return -1;
    }
    return 0;
}

int vr_cmd_read_webhook_secret(const char *cmd, const char *path, bool quiet, char **out,
                               size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!path) return 0;
    bool loose = false;
    vr_error err = VR_ERROR_INIT;
    if (vr_secret_read_file_as(out, &loose, path, "webhook secret file", "--webhook-secret-file",
                               &err) < 0) {
        fprintf(stderr, "vni-reconcile %s: %s\n", cmd, err.message);
        if (err.remedy[0]) fprintf(stderr, "  what to do: %s\n", err.remedy);
        return -1;
    }
    if (loose && !quiet)
        fprintf(stderr,
                "vni-reconcile %s: warning: the webhook secret file %s is readable by group or "
                "others; chmod 600 it\n",
                cmd, path);
    *len = strlen(*out);
    return 0;
}
