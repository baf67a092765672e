/* vr_credentials: the --credentials file on the strict reader of desired/ (vr_yaml). */
#include "vr_credentials.h"
#include "vr_errcode.h"
#include "vr_util.h"
#include "vr_yaml.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#define NEEDS "needs clientId and clientSecretFile (strings)"

static void add_entry(vr_credentials_file *f, const vr_credentials_entry *e)
{
    f->items = vr_xrealloc(f->items, (f->count + 1) * sizeof(*f->items));
    f->items[f->count++] = *e;
}

static void entry_clear(vr_credentials_entry *e)
{
    free(e->org_id);
    free(e->client_id);
    free(e->secret_file);
    memset(e, 0, sizeof(*e));
}

/* The secret file's path as the run opens it: an absolute one as written, a relative one
 * below folder (the credentials file's). malloc'd. */
static char *resolve(const char *folder, const char *secret_file)
{
    if (secret_file[0] == '/') return vr_strdup(secret_file);
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s/%s", folder, secret_file);
    return vr_buf_detach(&b);
}

/* Reads one entry: the organization id (a key) current. */
static int read_entry(vr_yaml_reader *r, vr_credentials_file *f, const char *folder)
{
    static const char *const keys[] = {"clientId", "clientSecretFile"};
    vr_loc key = vr_yaml_here(r);
    vr_credentials_entry e = {vr_strdup(vr_yaml_scalar(r)), NULL, NULL, key.line, key.column};
    vr_buf where = VR_BUF_INIT;
    vr_buf_printf(&where, "organization %s", e.org_id);
    char *secret_file = NULL;
    size_t errors = r->diags->errors;
    int rc = vr_yaml_next(r);
    if (rc == VR_YAML_OK && r->ev.type != YAML_MAPPING_START_EVENT) {
        /* an alias was reported by vr_yaml_next */
        if (r->ev.type != YAML_ALIAS_EVENT)
            vr_yaml_error(r, &key, "missing-key", "%s " NEEDS, vr_buf_str(&where));
        rc = vr_yaml_skip(r) < 0 ? VR_YAML_STOP : VR_YAML_BAD;
    }
    if (rc == VR_YAML_OK) {
        vr_loc seen[2] = {{0}};
        int which;
        while ((rc = vr_yaml_map_next(r, keys, 2, vr_buf_str(&where), seen, &which)) == 1) {
            char **value = which == 0 ? &e.client_id : &secret_file;
            vr_loc at;
            int vrc = vr_yaml_str(r, keys[which], value, &at);
            if (vrc == VR_YAML_STOP) {
                rc = VR_YAML_STOP;
                break;
            }
            if (vrc == VR_YAML_OK && !**value)
                vr_yaml_error(r, &at, "invalid-value", "%s of %s is empty", keys[which],
                              vr_buf_str(&where));
        }
        /* a key missing, unless what was there is already reported (a misspelt key) */
        if (rc == 0 && r->diags->errors == errors && !(seen[0].line && seen[1].line))
            vr_yaml_error(r, &key, "missing-key", "%s " NEEDS, vr_buf_str(&where));
    }
    if (rc == 0 && r->diags->errors == errors) { /* the entry read whole, without a problem */
        e.secret_file = resolve(folder, secret_file);
        add_entry(f, &e);
    } else {
        entry_clear(&e);
    }
    free(secret_file);
    vr_buf_free(&where);
    return rc < 0 ? VR_YAML_STOP : VR_YAML_OK;
}

static void not_a_map(vr_yaml_reader *r, const vr_loc *l)
{
    vr_yaml_error(r, l, "not-a-mapping",
                  "expected a map from organization id to {clientId, clientSecretFile}");
}

/* The stream: one document, a mapping of entries. */
static void read_stream(vr_yaml_reader *r, vr_credentials_file *f, const char *folder)
{
    if (vr_yaml_next(r) < 0 || vr_yaml_next(r) < 0) return; /* STREAM_START, the document */
    if (r->ev.type == YAML_STREAM_END_EVENT) {
        vr_loc l = {r->file, 1, 1};
        not_a_map(r, &l); /* blanks and comments only */
        return;
    }
    if (vr_yaml_next(r) < 0) return; /* the root node */
    if (r->ev.type != YAML_MAPPING_START_EVENT) {
        vr_loc l = vr_yaml_here(r);
        if (r->ev.type != YAML_ALIAS_EVENT) not_a_map(r, &l);
        return;
    }
    int rc;
    while ((rc = vr_yaml_map_key(r, "the credentials file")) == 1)
        if (read_entry(r, f, folder) == VR_YAML_STOP) return;
    if (rc < 0 || vr_yaml_next(r) < 0 || vr_yaml_next(r) < 0) return; /* DOCUMENT_END, next */
    if (r->ev.type == YAML_DOCUMENT_START_EVENT) {
        vr_loc l = vr_yaml_here(r);
        vr_yaml_error(r, &l, "multiple-documents",
                      "only one YAML document per file; give every organization in the first");
    }
}

static int entry_cmp(const void *a, const void *b)
{
    const vr_credentials_entry *x = a, *y = b;
    int c = strcmp(x->org_id, y->org_id);
    if (c) return c;
    return x->line != y->line ? (x->line < y->line ? -1 : 1)
                              : (x->column < y->column ? -1 : x->column > y->column);
}

/* Sorts the entries by organization id (for vr_credentials_file_find) and reports every
 * organization given twice, at its second place. */
static void sort_and_check(vr_credentials_file *f, const char *path, vr_diags *diags)
{
    if (f->count > 1) qsort(f->items, f->count, sizeof(*f->items), entry_cmp);
    for (size_t i = 1; i < f->count; i++) {
        const vr_credentials_entry *first = &f->items[i - 1], *again = &f->items[i];
        if (strcmp(first->org_id, again->org_id) != 0) continue;
        vr_loc l = {path, again->line, again->column};
        vr_diags_add(diags, VR_SEV_ERROR, &l, "duplicate-key",
                     "organization %s is given twice; first at line %d, column %d", again->org_id,
                     first->line, first->column);
    }
}

void vr_credentials_file_free(vr_credentials_file *f)
{
    for (size_t i = 0; i < f->count; i++)
        entry_clear(&f->items[i]);
    free(f->items);
    memset(f, 0, sizeof(*f));
}

int vr_credentials_file_parse(vr_credentials_file *out, const char *path, const void *data,
                              size_t len, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    vr_diags diags = VR_DIAGS_INIT;
    vr_yaml_reader r;
    vr_yaml_reader_init(&r, path, data, len, &diags);
    r.a_doc = "a credentials file";
    r.depth_note = "the credentials file needs 2";
    char *copy = vr_strdup(path);
    read_stream(&r, out, dirname(copy));
    free(copy);
    vr_yaml_reader_free(&r);
    sort_and_check(out, path, &diags);
    if (diags.errors == 0) {
        vr_diags_free(&diags);
        return 0;
    }
    vr_diags_sort(&diags);
    const vr_diag *g = diags.items; /* the first error: the reader reports nothing else */
    vr_buf more = VR_BUF_INIT;
    if (diags.errors > 1)
        vr_buf_printf(&more, " (and %zu more error%s)", diags.errors - 1,
                      diags.errors == 2 ? "" : "s");
    vr_error_set(err, VR_ERR_CREDENTIALS_FILE, "credentials file %s:%d:%d: %s%s", path, g->line,
                 g->column, g->message, vr_buf_str(&more));
    vr_buf_free(&more);
    vr_diags_free(&diags);
    vr_credentials_file_free(out);
    return -1;
}

int vr_credentials_file_load(vr_credentials_file *out, const char *path, vr_error *err)
{
    memset(out, 0, sizeof(*out));
    char *text = NULL;
    size_t len = 0;
    if (vr_read_file(path, VR_CREDENTIALS_MAX_FILE_BYTES, &text, &len) != 0) {
        vr_error_set(err, VR_ERR_CREDENTIALS_FILE, "credentials file %s: cannot read it", path);
        return -1;
    }
    int rc = vr_credentials_file_parse(out, path, text, len, err);
    free(text);
    return rc;
}

static int find_cmp(const void *key, const void *item)
{
    return strcmp(key, ((const vr_credentials_entry *)item)->org_id);
}

const vr_credentials_entry *vr_credentials_file_find(const vr_credentials_file *f,
                                                     const char *org_id)
{
    if (!f->count) return NULL;
    return bsearch(org_id, f->items, f->count, sizeof(*f->items), find_cmp);
}
