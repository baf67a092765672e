/* vr_plancheck: a saved plan is checked against the inventory and a plan made anew (see
 * vr_plancheck.h). */
#include "vr_plancheck.h"
#include "vr_errcode.h"
#include "vr_inventory.h"
#include "vr_util.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRESH_PLAN VR_PLANCHECK_FRESH_PLAN

static const char *nz(const char *s)
{
    return s ? s : "";
}

int vr_plancheck_bounds(const vr_plan *saved, long max_deletes, long max_replaces, vr_error *err)
{
    for (size_t i = 0; i < saved->org_count; i++) {
        const vr_plan_org_result *r = &saved->orgs[i];
        bool deletes = (long)r->delete_count > max_deletes;
        if (!deletes && (long)r->replace_count <= max_replaces) continue;
        size_t n = deletes ? r->delete_count : r->replace_count;
        const char *opt = deletes ? "--max-deletes" : "--max-replaces";
        vr_error_set(err, VR_ERR_PLAN_TOO_MANY,
                     "the saved plan %s %zu interface%s of organization %s, more than %s %ld "
                     "allows",
                     deletes ? "deletes" : "replaces", n, n == 1 ? "" : "s", nz(r->org_id), opt,
                     deletes ? max_deletes : max_replaces);
        vr_error_remedy(err,
                        "apply it with %s %zu if that is what you want, or make a new plan; "
                        "nothing was changed",
                        opt, n);
        return -1;
    }
    return 0;
}

int vr_plancheck_recorded(const vr_plan *saved, vr_error *err)
{
    if (!saved->options.recorded) {
        vr_error_set(err, VR_ERR_PLAN_UNVERIFIABLE,
                     "the saved plan records no options (it was made by an earlier "
                     "vni-reconcile): it cannot be made again to check it");
        vr_error_remedy(err, FRESH_PLAN);
        return -1;
    }
    if (saved->file_count == 0) {
        vr_error_set(err, VR_ERR_PLAN_UNVERIFIABLE,
                     "the saved plan names no inventory file: it cannot be made again to check "
                     "it");
        vr_error_remedy(err, FRESH_PLAN);
        return -1;
    }
    for (size_t i = 0; i < saved->file_count; i++) {
        const char *p = nz(saved->files[i].path);
        if (strcmp(p, "<stdin>") == 0 || strcmp(p, "-") == 0 || !*p) {
            vr_error_set(err, VR_ERR_PLAN_UNVERIFIABLE,
                         "the saved plan was made from standard input, which apply cannot read "
                         "again to check it");
            vr_error_remedy(err, "make the plan from inventory files (plan -f FILE --out PLAN), "
                                 "or apply the inventory with apply -f; nothing was changed");
            return -1;
        }
    }
    return 0;
}

int vr_plancheck_files(const vr_plan *saved, vr_error *err)
{
    for (size_t i = 0; i < saved->file_count; i++) {
        const vr_source *f = &saved->files[i];
        char *data = NULL;
        size_t len = 0;
        /* A plan file is input: one naming a FIFO must not hang apply, nor a device feed it.
         * Links are followed (an inventory may be one in a checkout). */
        int rc = vr_read_regular_file(f->path, VR_INVENTORY_MAX_FILE_BYTES, &data, &len);
        if (rc < 0) {
            vr_error_set(err, VR_ERR_PLAN_INVENTORY,
                         "the saved plan's inventory file %s cannot be read (%s): the plan "
                         "cannot be checked against it",
                         f->path,
                         rc == -2   ? "larger than an inventory file may be"
                         : rc == -3 ? "not a regular file: a FIFO, a device, a socket or a folder"
                                    : strerror(errno));
            vr_error_remedy(err,
                            "run apply from the folder plan ran in, with the same checkout, or "
                            "%s",
                            FRESH_PLAN);
            return -1;
        }
        char hex[65];
        vr_sha256_hex(data, len, hex);
        free(data);
        if (strcmp(hex, f->sha256) != 0) {
            vr_error_set(err, VR_ERR_PLAN_INVENTORY,
                         "the saved plan's inventory file %s changed since the plan was made "
                         "(SHA-256 %.12s... then, %.12s... now)",
                         f->path, f->sha256, hex);
            vr_error_remedy(err, FRESH_PLAN);
            return -1;
        }
    }
    return 0;
}

int vr_plancheck_inventory(const vr_plan *saved, const vr_inventory *inv, const vr_org *const *orgs,
                           size_t org_count, vr_error *err)
{
    bool same = inv->source_count == saved->file_count;
    for (size_t i = 0; same && i < inv->source_count; i++)
        same = strcmp(nz(inv->sources[i].path), nz(saved->files[i].path)) == 0 &&
               strcmp(inv->sources[i].sha256, saved->files[i].sha256) == 0;
    if (!same) {
        vr_error_set(err, VR_ERR_PLAN_INVENTORY,
                     "the inventory read now is not the one the saved plan names (a file "
                     "changed while it was read)");
        vr_error_remedy(err, FRESH_PLAN);
        return -1;
    }
    for (size_t i = 0; i < saved->org_count || i < org_count; i++) {
        const vr_plan_org_result *p = i < saved->org_count ? &saved->orgs[i] : NULL;
        const vr_org *o = i < org_count ? orgs[i] : NULL;
        const char *why = NULL;
        if (!o)
            why = "is not an organization of the inventory (with the recorded --shard)";
        else if (!p)
            why = "is missing from it";
        else if (strcmp(nz(p->org_id), nz(o->id)) != 0)
            why = "is not the inventory's (with the recorded --shard) at that position";
        else if (strcmp(nz(p->region), nz(o->region)) != 0)
            why = "has another region than the inventory gives it";
        if (!why) continue;
        vr_error_set(err, VR_ERR_PLAN_MISMATCH, "the saved plan's organization %s %s",
                     p ? nz(p->org_id) : nz(o->id), why);
        vr_error_remedy(err, FRESH_PLAN);
        return -1;
    }
    return 0;
}

/* ---- the actions ---- */

static const char *verb(vr_action_kind k)
{
    return k == VR_ACTION_CREATE ? "creates" : k == VR_ACTION_DELETE ? "deletes" : "replaces";
}

/* The connection an action deletes: a delete's payload id, a replacement's replaces.id. */
static const char *target_id(const vr_plan_action *a)
{
    return a->kind == VR_ACTION_DELETE    ? a->iface.id
           : a->kind == VR_ACTION_REPLACE ? a->replaces.id
                                          : NULL;
}

/* "deletes NAME (id X)", "creates NAME". */
static void describe(vr_buf *b, const vr_plan_action *a)
{
    vr_buf_printf(b, "%s %s", verb(a->kind), nz(a->name));
    if (a->kind != VR_ACTION_CREATE) vr_buf_printf(b, " (id %s)", nz(target_id(a)));
}

/* What is carried out: the create body, or the connection a delete removes (but its state,
 * which moves by itself from provisioning to active and is not in the live fingerprint). */
static cJSON *payload_of(const vr_plan_action *a)
{
    if (a->kind != VR_ACTION_DELETE) return vr_iface_payload_json(&a->iface);
    cJSON *j = vr_iface_connection_json(&a->iface);
    cJSON_DeleteItemFromObjectCaseSensitive(j, "state");
    return j;
}

/* A value for a message: compact JSON, cut to 80 characters. */
static void shown_value(vr_buf *b, const cJSON *v)
{
    char *t = v ? cJSON_PrintUnformatted(v) : NULL;
    const char *s = t ? t : "(absent)";
    size_t n = strlen(s);
    vr_buf_printf(b, "%.*s%s", n > 80 ? 80 : (int)n, s, n > 80 ? "..." : "");
    free(t);
}

/* The first key of a or b whose values differ; NULL when none does. */
static const char *first_difference(const cJSON *a, const cJSON *b)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
    {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(b, it->string);
        if (!o || !cJSON_Compare(it, o, true)) return it->string;
    }
    cJSON_ArrayForEach(it, b)
    {
        if (!cJSON_GetObjectItemCaseSensitive(a, it->string)) return it->string;
    }
    return NULL;
}

static int mismatch(vr_error *err, const char *org, const vr_buf *what)
{
    vr_error_set(err, VR_ERR_PLAN_MISMATCH,
                 "the saved plan is not what a new plan of organization %s gives (the file was "
                 "edited after it was made, or the routing tables changed): %s",
                 org, vr_buf_str(what));
    vr_error_remedy(err, FRESH_PLAN);
    return -1;
}

/* Compares one action with its counterpart; appends the difference to b when there is one. */
static bool same_action(const vr_plan_action *s, const vr_plan_action *f, size_t pos, vr_buf *b)
{
    if (s->kind != f->kind || strcmp(nz(s->name), nz(f->name)) != 0 ||
        strcmp(nz(target_id(s)), nz(target_id(f))) != 0) {
        vr_buf_printf(b, "action %zu: the saved plan ", pos);
        describe(b, s);
        vr_buf_puts(b, "; a new plan ");
        describe(b, f);
        return false;
    }
    if (s->kind == VR_ACTION_REPLACE &&
        strcmp(nz(s->replaces.routing_table_id), nz(f->replaces.routing_table_id)) != 0) {
        vr_buf_printf(b,
                      "action %zu (%s %s): the saved plan syncs routing table %s after the "
                      "delete; a new plan %s",
                      pos, verb(s->kind), nz(s->name), nz(s->replaces.routing_table_id),
                      nz(f->replaces.routing_table_id));
        return false;
    }
    cJSON *ps = payload_of(s), *pf = payload_of(f);
    const char *key = first_difference(ps, pf);
    if (key) {
        vr_buf_printf(b, "action %zu (%s %s): payload %s is ", pos, verb(s->kind), nz(s->name),
                      key);
        shown_value(b, cJSON_GetObjectItemCaseSensitive(ps, key));
        vr_buf_puts(b, " in the saved plan, ");
        shown_value(b, cJSON_GetObjectItemCaseSensitive(pf, key));
        vr_buf_puts(b, " in a new plan");
    }
    cJSON_Delete(ps);
    cJSON_Delete(pf);
    return key == NULL;
}

int vr_plancheck_actions(const vr_plan_org_result *saved, const vr_plan_org_result *fresh,
                         vr_error *err)
{
    vr_buf b = VR_BUF_INIT;
    size_t n =
        saved->action_count < fresh->action_count ? saved->action_count : fresh->action_count;
    bool same = true;
    for (size_t i = 0; same && i < n; i++)
        same = same_action(&saved->actions[i], &fresh->actions[i], i + 1, &b);
    if (same && saved->action_count != fresh->action_count) {
        bool more = saved->action_count > fresh->action_count;
        const vr_plan_action *extra = more ? &saved->actions[n] : &fresh->actions[n];
        vr_buf_printf(&b, "the saved plan has %zu action%s, a new plan %zu: action %zu (",
                      saved->action_count, saved->action_count == 1 ? "" : "s", fresh->action_count,
                      n + 1);
        describe(&b, extra);
        vr_buf_printf(&b, ") is only in %s", more ? "the saved plan" : "a new plan");
        same = false;
    }
    int rc = same ? 0 : mismatch(err, nz(saved->org_id), &b);
    vr_buf_free(&b);
    return rc;
}
