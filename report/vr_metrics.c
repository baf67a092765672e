/* vr_metrics: Prometheus text exposition format, rendered and written atomically. */
#include "vr_metrics.h"
#include "vr_errcode.h"

#include "vr_file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static bool name_ok(const char *s, bool colon)
{
    if (!s || !s[0]) return false;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

static vr_metric_family *find_family(const vr_metrics *m, const char *name)
{
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->families[i].name, name) == 0) return &m->families[i];
    return NULL;
}

int vr_metrics_declare(vr_metrics *m, const char *name, vr_metric_type type, const char *help)
{
    if (!name_ok(name, true) || (unsigned)type > VR_METRIC_UNTYPED) return -1;
    vr_metric_family *f = find_family(m, name);
    if (f) return f->type == type ? 0 : -1;
    if (m->count == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 8;
        m->families = vr_xrealloc(m->families, m->cap * sizeof *m->families);
    }
    f = &m->families[m->count++];
    memset(f, 0, sizeof *f);
    f->name = vr_strdup(name);
    f->help = vr_strdup(help ? help : "");
    f->type = type;
    return 0;
}

void vr_metrics_declare_standard(vr_metrics *m)
{
    vr_metrics_declare(m, VR_METRIC_ACTIONS, VR_METRIC_COUNTER,
                       "Audit records written, by organization, action and status.");
    vr_metrics_declare(m, VR_METRIC_STEP_LATENCY, VR_METRIC_SUMMARY,
                       "Latency of apply steps in milliseconds, by phase, in the last run.");
    vr_metrics_declare(m, VR_METRIC_LAST_RUN, VR_METRIC_GAUGE,
                       "Unix time at which the last run of a command ended.");
    vr_metrics_declare(m, VR_METRIC_LAST_RUN_SUCCESS, VR_METRIC_GAUGE,
                       "1 when the last run of a command succeeded, 0 otherwise.");
    vr_metrics_declare(m, VR_METRIC_DRIFT, VR_METRIC_GAUGE,
                       "Interfaces found drifted by the last drift check, by kind.");
    vr_metrics_declare(m, VR_METRIC_API_CALLS, VR_METRIC_COUNTER,
                       "Platform API calls, by HTTP status (0: no response).");
    vr_metrics_declare(m, VR_METRIC_WEBHOOK, VR_METRIC_COUNTER,
                       "Webhook events, by result (delivered, queued, dropped).");
    vr_metrics_declare(m, VR_METRIC_REPLACEMENTS, VR_METRIC_COUNTER,
                       "Replacements (delete and create anew) by apply, by organization and "
                       "status (replaced, failed, skipped).");
}

int vr_metrics_escape_label(vr_buf *out, const char *value)
{
    int rc = 0;
    for (const char *p = value ? value : ""; *p; p++) {
        if (*p == '\\')
            rc |= vr_buf_puts(out, "\\\\");
        else if (*p == '"')
            rc |= vr_buf_puts(out, "\\\"");
        else if (*p == '\n')
            rc |= vr_buf_puts(out, "\\n");
        else
            rc |= vr_buf_append(out, p, 1);
    }
    return rc ? -1 : 0;
}

/* Appends one sample to f or updates it. */
static void put_sample(vr_metric_family *f, const char *name, const char *labels, double v,
                       bool add)
{
    for (size_t i = 0; i < f->count; i++) {
        vr_metric_sample *s = &f->samples[i];
        if (strcmp(s->name, name) == 0 && strcmp(s->labels, labels) == 0) {
            s->value = add ? s->value + v : v;
            return;
        }
    }
    if (f->count == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->samples = vr_xrealloc(f->samples, f->cap * sizeof *f->samples);
    }
    f->samples[f->count++] = (vr_metric_sample){vr_strdup(name), vr_strdup(labels), v};
}

static bool has_sample(const vr_metric_family *f, const char *name, const char *labels)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->samples[i].name, name) == 0 && strcmp(f->samples[i].labels, labels) == 0)
            return true;
    return false;
}

/* Renders (name, value) pairs up to NULL as {a="1",b="2"} ("" when none). */
static int render_labels(vr_buf *out, va_list ap)
{
    const char *k;
    bool first = true;
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        if (!name_ok(k, false) || strncmp(k, "__", 2) == 0) return -1;
        vr_buf_puts(out, first ? "{" : ",");
        vr_buf_printf(out, "%s=\"", k);
        vr_metrics_escape_label(out, v);
        vr_buf_puts(out, "\"");
        first = false;
    }
    if (!first) vr_buf_puts(out, "}");
    return out->overflow ? -1 : 0;
}

static int set_or_inc(vr_metrics *m, const char *name, double value, bool add, va_list ap)
{
    vr_metric_family *f = find_family(m, name);
    if (!f) return -1;
    vr_buf labels = VR_BUF_INIT;
    int rc = render_labels(&labels, ap);
    if (rc == 0) put_sample(f, name, vr_buf_str(&labels), value, add);
    vr_buf_free(&labels);
    return rc;
}

int vr_metrics_set(vr_metrics *m, const char *name, double value, ...)
{
    va_list ap;
    va_start(ap, value);
    int rc = set_or_inc(m, name, value, false, ap);
    va_end(ap);
    return rc;
}

int vr_metrics_inc(vr_metrics *m, const char *name, double delta, ...)
{
    va_list ap;
    va_start(ap, delta);
    int rc = set_or_inc(m, name, delta, true, ap);
    va_end(ap);
    return rc;
}

static void labels2(vr_buf *b, const char *org, const char *phase, const char *quantile)
{
    vr_buf_reset(b);
    vr_buf_puts(b, "{");
    if (org) {
        vr_buf_puts(b, "org=\"");
        vr_metrics_escape_label(b, org);
        vr_buf_puts(b, "\",");
    }
    vr_buf_printf(b, "phase=\"%s\"", phase);
    if (quantile) vr_buf_printf(b, ",quantile=\"%s\"", quantile);
    vr_buf_puts(b, "}");
}

int vr_metrics_add_latency(vr_metrics *m, const vr_latency *l, const char *org)
{
    if (vr_metrics_declare(m, VR_METRIC_STEP_LATENCY, VR_METRIC_SUMMARY,
                           "Latency of apply steps in milliseconds, by phase, in the last run.") <
        0)
        return -1;
    vr_metric_family *f = find_family(m, VR_METRIC_STEP_LATENCY);
    vr_buf lb = VR_BUF_INIT, nb = VR_BUF_INIT;
    for (int p = 0; p < VR_PHASE_COUNT; p++) {
        vr_latency_stats st;
        vr_latency_stats_of(l, (vr_phase)p, &st);
        if (st.count == 0) continue;
        const char *phase = vr_phase_name((vr_phase)p);
        labels2(&lb, org, phase, "0.5");
        put_sample(f, f->name, vr_buf_str(&lb), (double)st.p50, false);
        labels2(&lb, org, phase, "0.95");
        put_sample(f, f->name, vr_buf_str(&lb), (double)st.p95, false);
        labels2(&lb, org, phase, "1");
        put_sample(f, f->name, vr_buf_str(&lb), (double)st.max, false);
        labels2(&lb, org, phase, NULL);
        vr_buf_reset(&nb);
        vr_buf_printf(&nb, "%s_sum", f->name);
        put_sample(f, vr_buf_str(&nb), vr_buf_str(&lb), (double)st.sum, false);
        vr_buf_reset(&nb);
        vr_buf_printf(&nb, "%s_count", f->name);
        put_sample(f, vr_buf_str(&nb), vr_buf_str(&lb), (double)st.count, false);
    }
    vr_buf_free(&lb);
    vr_buf_free(&nb);
    return 0;
}

static void format_value(vr_buf *out, double v)
{
    if (isnan(v)) {
        vr_buf_puts(out, "NaN");
    } else if (isinf(v)) {
        vr_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    } else if (v == floor(v) && fabs(v) < 1e15) {
        vr_buf_printf(out, "%.0f", v == 0 ? 0.0 : v);
    } else {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.15g", v);
        if (strtod(tmp, NULL) != v) snprintf(tmp, sizeof tmp, "%.17g", v);
        vr_buf_puts(out, tmp);
    }
}

static const char *type_name(vr_metric_type t)
{
    switch (t) {
    case VR_METRIC_COUNTER:
        return "counter";
    case VR_METRIC_GAUGE:
        return "gauge";
    case VR_METRIC_SUMMARY:
        return "summary";
    default:
        return "untyped";
    }
}

int vr_metrics_render(const vr_metrics *m, vr_buf *out)
{
    for (size_t i = 0; i < m->count; i++) {
        const vr_metric_family *f = &m->families[i];
        if (f->count == 0) continue;
        vr_buf_printf(out, "# HELP %s ", f->name);
        for (const char *p = f->help; *p; p++) {
            if (*p == '\\')
                vr_buf_puts(out, "\\\\");
            else if (*p == '\n')
                vr_buf_puts(out, "\\n");
            else
                vr_buf_append(out, p, 1);
        }
        vr_buf_printf(out, "\n# TYPE %s %s\n", f->name, type_name(f->type));
        for (size_t j = 0; j < f->count; j++) {
            const vr_metric_sample *s = &f->samples[j];
            vr_buf_printf(out, "%s%s ", s->name, s->labels);
            format_value(out, s->value);
            vr_buf_puts(out, "\n");
        }
    }
    return out->overflow ? -1 : 0;
}

/* Parses "name{labels} value [timestamp]"; *labels_out is the exact {...} text or "". */
static int parse_line(const char *line, vr_buf *name, vr_buf *labels, double *value)
{
    const char *p = line;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '_' || *p == ':')
        p++;
    if (p == line) return -1;
    vr_buf_append(name, line, (size_t)(p - line));
    if (*p == '{') {
        const char *start = p;
        bool in_str = false;
        for (p++; *p; p++) {
            if (in_str) {
                if (*p == '\\' && p[1])
                    p++;
                else if (*p == '"')
                    in_str = false;
            } else if (*p == '"') {
                in_str = true;
            } else if (*p == '}') {
                break;
            }
        }
        if (*p != '}') return -1;
        p++;
        vr_buf_append(labels, start, (size_t)(p - start));
    }
    if (*p != ' ' && *p != '\t') return -1;
    while (*p == ' ' || *p == '\t')
        p++;
    char *end;
    errno = 0;
    double v = strtod(p, &end); /* accepts NaN, +Inf, -Inf */
    if (end == p || errno == ERANGE) return -1;
    if (*end && *end != ' ' && *end != '\t') return -1;
    *value = v;
    return 0;
}

/* The label set of a summary's series: labels without the quantile label, as rendered text
 * ("{org=\"a\",phase=\"create\",quantile=\"0.5\"}" -> "{org=\"a\",phase=\"create\"}"). */
static void series_key(vr_buf *out, const char *labels)
{
    vr_buf_reset(out);
    if (labels[0] != '{') {
        vr_buf_puts(out, labels);
        return;
    }
    bool first = true;
    const char *p = labels + 1;
    while (*p && *p != '}') {
        const char *start = p;
        while (*p && *p != '=' && *p != '}')
            p++;
        size_t klen = (size_t)(p - start);
        if (*p == '=') p++;
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1]) p++;
            if (*p == '"') p++;
        }
        bool quantile = klen == 8 && strncmp(start, "quantile", 8) == 0;
        if (!quantile) {
            vr_buf_puts(out, first ? "{" : ",");
            vr_buf_append(out, start, (size_t)(p - start));
            first = false;
        }
        while (*p == ',' || *p == ' ')
            p++;
    }
    if (!first) vr_buf_puts(out, "}");
}

/* The family a sample line belongs to: its own name, or for name_sum / name_count the summary
 * family name. */
static vr_metric_family *family_of_sample(const vr_metrics *m, const char *name)
{
    vr_metric_family *f = find_family(m, name);
    if (f) return f;
    size_t n = strlen(name);
    static const char *const suffixes[] = {"_sum", "_count"};
    for (size_t i = 0; i < 2; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n <= sl || strcmp(name + n - sl, suffixes[i]) != 0) continue;
        for (size_t k = 0; k < m->count; k++) {
            const vr_metric_family *c = &m->families[k];
            if (c->type == VR_METRIC_SUMMARY && strlen(c->name) == n - sl &&
                strncmp(c->name, name, n - sl) == 0)
                return &m->families[k];
        }
    }
    return NULL;
}

/* "# HELP name text" and "# TYPE name type" of the previous file: a family this run did not
 * declare is declared as the file had it, so its samples are carried over too. */
static void merge_comment(vr_metrics *m, const char *line, vr_buf *help_name, vr_buf *help)
{
    bool is_help = strncmp(line, "# HELP ", 7) == 0, is_type = strncmp(line, "# TYPE ", 7) == 0;
    if (!is_help && !is_type) return;
    const char *name = line + 7, *sp = strchr(name, ' ');
    if (!sp) return;
    size_t nlen = (size_t)(sp - name);
    if (is_help) {
        vr_buf_reset(help_name);
        vr_buf_reset(help);
        vr_buf_append(help_name, name, nlen);
        for (const char *p = sp + 1; *p; p++) {
            if (*p == '\\' && p[1] == 'n') {
                vr_buf_puts(help, "\n");
                p++;
            } else if (*p == '\\' && p[1] == '\\') {
                vr_buf_puts(help, "\\");
                p++;
            } else {
                vr_buf_append(help, p, 1);
            }
        }
        return;
    }
    vr_buf nb = VR_BUF_INIT;
    vr_buf_append(&nb, name, nlen);
    const char *t = sp + 1;
    vr_metric_type type;
    if (strcmp(t, "counter") == 0)
        type = VR_METRIC_COUNTER;
    else if (strcmp(t, "gauge") == 0)
        type = VR_METRIC_GAUGE;
    else if (strcmp(t, "summary") == 0)
        type = VR_METRIC_SUMMARY;
    else if (strcmp(t, "untyped") == 0)
        type = VR_METRIC_UNTYPED;
    else
        type = (vr_metric_type)-1; /* histogram and others: not carried over */
    if ((int)type >= 0 && !find_family(m, vr_buf_str(&nb))) {
        bool same = strcmp(vr_buf_str(help_name), vr_buf_str(&nb)) == 0;
        vr_metrics_declare(m, vr_buf_str(&nb), type, same ? vr_buf_str(help) : "");
    }
    vr_buf_free(&nb);
}

int vr_metrics_merge_previous(vr_metrics *m, const char *path, vr_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int r = vr_read_file(path, VR_METRICS_FILE_MAX_BYTES, &text, &len);
    if (r != 0) {
        if (r == -1 && errno == ENOENT) return 0;
        if (r == -2)
            vr_error_set(err, VR_ERR_METRICS_FILE,
                         "metrics file %s: cannot read it: larger than %u MiB, the most a metrics "
                         "file may hold",
                         path, VR_METRICS_FILE_MAX_BYTES >> 20);
        else
            vr_error_set(err, VR_ERR_METRICS_FILE, "metrics file %s: cannot read it: %s", path,
                         strerror(errno));
        return -1;
    }
    /* samples already set by this run, before the merge: only those hide a previous gauge or
     * summary series. Families declared from the file later have none (own stays 0). */
    size_t own_n = m->count;
    size_t *own = vr_xcalloc(own_n ? own_n : 1, sizeof *own);
    for (size_t i = 0; i < own_n; i++)
        own[i] = m->families[i].count;
    vr_buf name = VR_BUF_INIT, labels = VR_BUF_INIT, key = VR_BUF_INIT, okey = VR_BUF_INIT;
    vr_buf help_name = VR_BUF_INIT, help = VR_BUF_INIT;
    char *save = text;
    while (save && *save) {
        char *line = save;
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
            save = nl + 1;
        } else {
            save = NULL;
        }
        if (line[0] == '#') {
            merge_comment(m, line, &help_name, &help);
            continue;
        }
        if (line[0] == '\0') continue;
        double v;
        vr_buf_reset(&name);
        vr_buf_reset(&labels);
        if (parse_line(line, &name, &labels, &v) != 0) continue;
        vr_metric_family *f = family_of_sample(m, vr_buf_str(&name));
        if (!f) continue;
        size_t fi = (size_t)(f - m->families);
        size_t nown = fi < own_n ? own[fi] : 0;
        if (f->type == VR_METRIC_COUNTER) {
            if (strcmp(vr_buf_str(&name), f->name) != 0) continue;
            put_sample(f, f->name, vr_buf_str(&labels), v, true);
        } else if (f->type == VR_METRIC_SUMMARY) {
            /* a series (its quantiles, _sum and _count) this run produced replaces the old one
             * as a whole; the others are kept as they were */
            series_key(&key, vr_buf_str(&labels));
            bool set_here = false;
            for (size_t j = 0; j < nown && !set_here; j++) {
                series_key(&okey, f->samples[j].labels);
                set_here = strcmp(vr_buf_str(&okey), vr_buf_str(&key)) == 0;
            }
            if (!set_here && !has_sample(f, vr_buf_str(&name), vr_buf_str(&labels)))
                put_sample(f, vr_buf_str(&name), vr_buf_str(&labels), v, false);
        } else {
            /* gauge, untyped: kept unless this run set that label set */
            if (strcmp(vr_buf_str(&name), f->name) != 0) continue;
            bool set_here = false;
            for (size_t j = 0; j < nown; j++)
                if (strcmp(f->samples[j].labels, vr_buf_str(&labels)) == 0) set_here = true;
            if (!set_here && !has_sample(f, f->name, vr_buf_str(&labels)))
                put_sample(f, f->name, vr_buf_str(&labels), v, false);
        }
    }
    vr_buf_free(&name);
    vr_buf_free(&labels);
    vr_buf_free(&key);
    vr_buf_free(&okey);
    vr_buf_free(&help_name);
    vr_buf_free(&help);
    free(own);
    free(text);
    return 0;
}

int vr_metrics_write_file(const vr_metrics *m, const char *path, vr_error *err)
{
    vr_buf out = VR_BUF_INIT;
    int rc = -1;
    if (vr_metrics_render(m, &out) != 0) {
        vr_error_set(err, VR_ERR_METRICS_FILE, "metrics file %s: cannot render (out of memory)",
                     path);
        goto done;
    }
    if (vr_file_write(path, out.data ? out.data : "", out.len, 0644, "metrics file", err) != 0) {
        if (err) snprintf(err->code, sizeof(err->code), "%s", VR_ERR_METRICS_FILE);
        goto done;
    }
    rc = 0;
done:
    vr_buf_free(&out);
    return rc;
}

int vr_metrics_update_file(vr_metrics *m, const char *path, vr_error *err)
{
    /* a device or FIFO (/dev/stdout): nothing to merge from, no lock file beside it */
    if (vr_file_in_place(path)) return vr_metrics_write_file(m, path, err);
    vr_buf lockpath = VR_BUF_INIT;
    vr_buf_printf(&lockpath, "%s.lock", path);
    int fd = open(vr_buf_str(&lockpath), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        vr_error_set(err, VR_ERR_METRICS_FILE, "metrics file %s: cannot open its lock: %s", path,
                     strerror(errno));
        vr_buf_free(&lockpath);
        return -1;
    }
    while (flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    int rc = vr_metrics_merge_previous(m, path, err);
    if (rc == 0) rc = vr_metrics_write_file(m, path, err);
    close(fd); /* releases the lock */
    vr_buf_free(&lockpath);
    return rc;
}

void vr_metrics_free(vr_metrics *m)
{
    for (size_t i = 0; i < m->count; i++) {
        vr_metric_family *f = &m->families[i];
        for (size_t j = 0; j < f->count; j++) {
            free(f->samples[j].name);
            free(f->samples[j].labels);
        }
        free(f->samples);
        free(f->name);
        free(f->help);
    }
    free(m->families);
    *m = (vr_metrics)VR_METRICS_INIT;
}
