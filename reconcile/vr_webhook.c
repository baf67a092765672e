/* vr_webhook: signed webhook delivery with backoff inside a run budget, and a merged outbox. */
#include "vr_webhook.h"

#include "vr_addr.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef VR_VERSION
#define VR_VERSION "0"
#endif

#define OUTBOX_FILE_MAX (256u << 20)

typedef struct {
    char *event, *delivery, *body;
    char *url; /* the URL it is meant for; NULL for a line of the old format (no "url") */
    size_t body_len;
    char queued_at[32];
    bool persisted; /* known to be in the outbox file */
} pending;

struct vr_webhook {
    vr_webhook_config cfg; /* defaults filled in; strings borrowed */
    CURL *curl;
    pending *q;
    size_t qn, qcap;
    char **delivered; /* ids delivered that were in the outbox file */
    size_t dn, dcap;
    bool need_sync;
    bool degraded; /* an event failed all its attempts: one attempt per call until one works */
    vr_webhook_stats st;
};

static void pending_free(pending *p)
{
    free(p->event);
    free(p->delivery);
    free(p->body);
    free(p->url);
}

static void set_last_error(vr_webhook *wh, int status, const char *msg)
{
    wh->st.last_http_status = status;
    size_t n = strlen(msg);
    if (n >= sizeof wh->st.last_error) n = sizeof wh->st.last_error - 1;
    memcpy(wh->st.last_error, msg, n);
    wh->st.last_error[n] = '\0';
}

int vr_webhook_url_check(const char *url, vr_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL;
    int rc = -1;
    if (!u || !url || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        vr_error_set(err, "webhook-url", "webhook url: not a valid URL");
        goto done;
    }
    /* credentials in the URL would be written to the outbox and shown in messages */
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
        vr_error_set(err, "webhook-url", "webhook url: user info (user:password@) is not allowed");
        vr_error_remedy(err, "authenticate the receiver with --webhook-secret-file (the "
                             "signature), not with credentials in the URL");
        goto done;
    }
    if (strcasecmp(scheme, "https") == 0) {
        rc = 0;
    } else if (strcasecmp(scheme, "http") == 0) {
        char h[VR_ADDR_STRLEN];
        size_t n = strlen(host);
        if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof h) {
            memcpy(h, host + 1, n - 2);
            h[n - 2] = '\0';
        } else if (n < sizeof h) {
            memcpy(h, host, n + 1);
        } else {
            h[0] = '\0';
        }
        vr_addr a;
        if (strcasecmp(h, "localhost") == 0 ||
            (vr_addr_parse(&a, h) == 0 && vr_addr_is_loopback(&a)))
            rc = 0;
        else
            vr_error_set(err, "webhook-url",
                         "webhook url: plain http is only allowed to loopback hosts, not %s", host);
        if (rc != 0) vr_error_remedy(err, "use an https:// URL");
    } else {
        vr_error_set(err, "webhook-url", "webhook url: scheme %s is not supported (https only)",
                     scheme);
    }
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(password);
    curl_url_cleanup(u);
    return rc;
}

int vr_webhook_default_outbox(const char *audit_log, char **out)
{
    vr_buf b = VR_BUF_INIT;
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    *out = NULL;
    if (audit_log && audit_log[0])
        vr_buf_printf(&b, "%s.outbox", audit_log);
    else if (state && state[0] == '/')
        vr_buf_printf(&b, "%s/vni-reconcile/webhook-outbox.jsonl", state);
    else if (home && home[0] == '/')
        vr_buf_printf(&b, "%s/.local/state/vni-reconcile/webhook-outbox.jsonl", home);
    else
        return -1;
    *out = vr_buf_detach(&b);
    return 0;
}

/* mkdir -p of path's parent folders, mode 0700. */
static int make_parents(const char *path)
{
    char *p = vr_strdup(path);
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

static int lock_outbox(const char *outbox)
{
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s.lock", outbox);
    make_parents(outbox);
    int fd = open(vr_buf_str(&b), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    vr_buf_free(&b);
    if (fd < 0) return -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* Parses one outbox line into p. Returns 0, or -1. */
static int parse_entry(const char *line, pending *p)
{
    memset(p, 0, sizeof *p);
    cJSON *j = cJSON_Parse(line);
    if (!j) return -1;
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "event");
    const cJSON *dl = cJSON_GetObjectItemCaseSensitive(j, "delivery");
    const cJSON *bd = cJSON_GetObjectItemCaseSensitive(j, "body");
    const cJSON *qa = cJSON_GetObjectItemCaseSensitive(j, "queuedAt");
    const cJSON *ur = cJSON_GetObjectItemCaseSensitive(j, "url"); /* absent in the old format */
    int rc = -1;
    if (cJSON_IsString(ev) && cJSON_IsString(dl) && cJSON_IsString(bd) && dl->valuestring[0] &&
        (!ur || (cJSON_IsString(ur) && ur->valuestring[0]))) {
        p->event = vr_strdup(ev->valuestring);
        p->url = ur ? vr_strdup(ur->valuestring) : NULL;
        p->delivery = vr_strdup(dl->valuestring);
        p->body = vr_strdup(bd->valuestring);
        p->body_len = strlen(p->body);
        if (cJSON_IsString(qa) && strlen(qa->valuestring) < sizeof p->queued_at)
            memcpy(p->queued_at, qa->valuestring, strlen(qa->valuestring) + 1);
        rc = 0;
    }
    cJSON_Delete(j);
    return rc;
}

/* Splits outbox text (NUL-terminated; cut into lines in place) into *out (count *n).
 * Unparsable lines are counted in *bad. */
static void parse_outbox(char *text, pending **out, size_t *n, size_t *bad)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    char *save = text;
    while (save && *save) {
        char *line = save, *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
            save = nl + 1;
        } else {
            save = NULL;
        }
        if (!line[0]) continue;
        pending p;
        if (parse_entry(line, &p) != 0) {
            if (bad) (*bad)++;
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = vr_xrealloc(*out, cap * sizeof **out);
        }
        (*out)[(*n)++] = p;
    }
}

/* Reads the outbox file into *out (count *n). Unparsable lines are counted in *bad.
 * Returns 0 (a missing file is empty), or -1 with errno. */
static int read_outbox(const char *path, pending **out, size_t *n, size_t *bad)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    *n = 0;
    int r = vr_read_file(path, OUTBOX_FILE_MAX, &text, &len);
    if (r != 0) {
        if (r == -1 && errno == ENOENT) return 0;
        if (r == -2) errno = EFBIG;
        return -1;
    }
    parse_outbox(text, out, n, bad);
    free(text);
    return 0;
}

static void entry_json(vr_buf *b, const pending *p)
{
    cJSON *j = cJSON_CreateObject();
    if (p->url) cJSON_AddStringToObject(j, "url", p->url); /* an old-format line stays one */
    cJSON_AddStringToObject(j, "event", p->event);
    cJSON_AddStringToObject(j, "delivery", p->delivery);
    cJSON_AddStringToObject(j, "body", p->body);
    cJSON_AddStringToObject(j, "queuedAt", p->queued_at);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (s) {
        vr_buf_puts(b, s);
        vr_buf_puts(b, "\n");
        free(s);
    }
}

size_t vr_webhook_outbox_parse(vr_buf *out, const char *text, size_t len, size_t *bad)
{
    char *copy = vr_xmalloc(len + 1);
    if (len) memcpy(copy, text, len);
    copy[len] = '\0';
    pending *items;
    size_t n, skipped = 0;
    parse_outbox(copy, &items, &n, &skipped);
    for (size_t i = 0; i < n; i++) {
        entry_json(out, &items[i]);
        pending_free(&items[i]);
    }
    free(items);
    free(copy);
    if (bad) *bad = skipped;
    return n;
}

/* Whether p is for the URL of this run: the same URL (compared as text), or none recorded (a
 * line of the previous version, which did not record it: sent to the current URL). */
static bool for_this_url(const vr_webhook *wh, const pending *p)
{
    return !p->url || strcmp(p->url, wh->cfg.url) == 0;
}

static bool was_delivered(const vr_webhook *wh, const char *id)
{
    for (size_t i = 0; i < wh->dn; i++)
        if (strcmp(wh->delivered[i], id) == 0) return true;
    return false;
}

/* Rewrites the outbox: what the file holds now, minus what this run delivered, plus this run's
 * pending events not in it yet, under the outbox lock. */
static void sync_outbox(vr_webhook *wh)
{
    const char *path = wh->cfg.outbox_path;
    if (!path || !wh->need_sync) return;
    int lfd = lock_outbox(path);
    if (lfd < 0) {
        wh->st.outbox_error = true;
        set_last_error(wh, 0, "webhook outbox: cannot lock it");
        return;
    }
    pending *file = NULL;
    size_t fn = 0, bad = 0;
    if (read_outbox(path, &file, &fn, &bad) != 0) {
        wh->st.outbox_error = true;
        set_last_error(wh, 0, "webhook outbox: cannot read it");
        close(lfd);
        return;
    }
    /* the merged list, as pointers into file[] and wh->q[] */
    size_t total = fn + wh->qn, mn = 0;
    const pending **merged = vr_xcalloc(total ? total : 1, sizeof *merged);
    for (size_t i = 0; i < fn; i++)
        if (!was_delivered(wh, file[i].delivery)) merged[mn++] = &file[i];
    for (size_t i = 0; i < wh->qn; i++) {
        /* a persisted event no longer in the file was delivered (or dropped) by another run */
        if (wh->q[i].persisted) continue;
        bool present = false;
        for (size_t k = 0; k < fn && !present; k++)
            present = strcmp(file[k].delivery, wh->q[i].delivery) == 0;
        if (!present) merged[mn++] = &wh->q[i];
    }
    size_t skip = 0;
    if (mn > VR_WEBHOOK_OUTBOX_MAX) {
        skip = mn - VR_WEBHOOK_OUTBOX_MAX;
        wh->st.dropped += skip;
    }
    vr_buf out = VR_BUF_INIT;
    size_t other = 0;
    for (size_t i = skip; i < mn; i++) {
        entry_json(&out, merged[i]);
        if (!for_this_url(wh, merged[i])) other++;
    }
    int rc;
    if (out.len == 0)
        rc = (unlink(path) == 0 || errno == ENOENT) ? 0 : -1;
    else
        rc = vr_write_file_atomic(path, out.data, out.len, 0600);
    if (rc != 0) {
        wh->st.outbox_error = true;
        set_last_error(wh, 0, "webhook outbox: cannot write it");
    } else {
        for (size_t i = 0; i < wh->qn; i++)
            wh->q[i].persisted = true;
        wh->need_sync = false;
        wh->st.other_url = other;
    }
    vr_buf_free(&out);
    free(merged);
    for (size_t i = 0; i < fn; i++)
        pending_free(&file[i]);
    free(file);
    close(lfd);
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

/* One POST. Returns 0 when a 2xx came back. */
static int post_once(vr_webhook *wh, const pending *p, long timeout_ms)
{
    struct curl_slist *h = NULL;
    vr_buf line = VR_BUF_INIT;
    CURL *c = wh->curl;

    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    vr_buf_printf(&line, "X-Vni-Event: %s", p->event);
    h = curl_slist_append(h, vr_buf_str(&line));
    vr_buf_reset(&line);
    vr_buf_printf(&line, "X-Vni-Delivery: %s", p->delivery);
    h = curl_slist_append(h, vr_buf_str(&line));
    if (wh->cfg.secret) {
        char hex[65];
        vr_hmac_sha256_hex(wh->cfg.secret, wh->cfg.secret_len, p->body, p->body_len, hex);
        vr_buf_reset(&line);
        vr_buf_printf(&line, "X-Vni-Signature-256: sha256=%s", hex);
        h = curl_slist_append(h, vr_buf_str(&line));
    }
    vr_buf_free(&line);

    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, wh->cfg.url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vni-reconcile/" VR_VERSION);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, p->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->body_len);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);

    wh->st.attempts++;
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    if (cc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    /* the handle keeps pointers to the list: drop them before it is reused */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);

    if (cc == CURLE_OK && status >= 200 && status < 300) return 0;
    vr_buf msg = VR_BUF_INIT;
    if (cc != CURLE_OK)
        vr_buf_printf(&msg, "webhook: %s", curl_easy_strerror(cc));
    else
        vr_buf_printf(&msg, "webhook: receiver answered %ld", status);
    set_last_error(wh, (int)status, vr_buf_str(&msg));
    vr_buf_free(&msg);
    return -1;
}

static long remaining_ms(const vr_webhook *wh)
{
    return wh->cfg.budget_ms - (long)wh->st.spent_ms;
}

/* Tries the head event up to max_attempts times. Returns 0 when delivered. */
static int deliver_head(vr_webhook *wh)
{
    const pending *p = &wh->q[0];
    int max_attempts = wh->degraded ? 1 : wh->cfg.max_attempts;
    for (int attempt = 0; attempt < max_attempts; attempt++) {
        long left = remaining_ms(wh);
        if (left <= 0) {
            wh->st.budget_exhausted = true;
            return -1;
        }
        long timeout = wh->cfg.attempt_timeout_ms < left ? wh->cfg.attempt_timeout_ms : left;
        int64_t t0 = vr_now_ms();
        int rc = post_once(wh, p, timeout);
        wh->st.spent_ms += vr_now_ms() - t0;
        if (rc == 0) {
            wh->degraded = false;
            return 0;
        }
        if (attempt + 1 >= max_attempts) break;
        /* exponential backoff with full jitter, cut to the budget left */
        long cap = wh->cfg.backoff_initial_ms;
        for (int i = 0; i < attempt && cap < wh->cfg.backoff_max_ms; i++)
            cap *= 2;
        if (cap > wh->cfg.backoff_max_ms) cap = wh->cfg.backoff_max_ms;
        long sleep_ms = cap > 0 ? (long)(vr_random_u64() % (uint64_t)(cap + 1)) : 0;
        left = remaining_ms(wh);
        if (left <= 0) {
            wh->st.budget_exhausted = true;
            return -1;
        }
        if (sleep_ms >= left) {
            /* no time left for another attempt after the sleep */
            vr_sleep_ms(left);
            wh->st.spent_ms += left;
            wh->st.budget_exhausted = true;
            return -1;
        }
        int64_t s0 = vr_now_ms();
        vr_sleep_ms(sleep_ms);
        wh->st.spent_ms += vr_now_ms() - s0;
    }
    wh->degraded = true;
    return -1;
}

static void drain(vr_webhook *wh)
{
    while (wh->qn > 0 && !wh->st.budget_exhausted) {
        if (deliver_head(wh) != 0) break;
        pending *p = &wh->q[0];
        wh->st.delivered++;
        if (p->persisted) {
            if (wh->dn == wh->dcap) {
                wh->dcap = wh->dcap ? wh->dcap * 2 : 16;
                wh->delivered = vr_xrealloc(wh->delivered, wh->dcap * sizeof *wh->delivered);
            }
            wh->delivered[wh->dn++] = vr_strdup(p->delivery);
            wh->need_sync = true;
        }
        pending_free(p);
        memmove(&wh->q[0], &wh->q[1], (wh->qn - 1) * sizeof *wh->q);
        wh->qn--;
    }
    for (size_t i = 0; i < wh->qn; i++)
        if (!wh->q[i].persisted) wh->need_sync = true;
    sync_outbox(wh);
    wh->st.pending = wh->qn;
}

int vr_webhook_open(vr_webhook **out, const vr_webhook_config *cfg, vr_error *err)
{
    *out = NULL;
    if (!cfg || !cfg->url) {
        vr_error_set(err, "webhook-url", "webhook url: none given");
        return -1;
    }
    if (vr_webhook_url_check(cfg->url, err) != 0) return -1;
    if (cfg->secret && cfg->secret_len == 0) {
        /* an empty HMAC key signs what anyone can sign: refuse it rather than sign */
        vr_error_set(err, "webhook", "webhook secret is empty");
        vr_error_remedy(err, "put a non-empty key in the secret file, or leave the secret out");
        return -1;
    }
    vr_webhook *wh = vr_xcalloc(1, sizeof *wh);
    wh->cfg = *cfg;
    if (wh->cfg.attempt_timeout_ms <= 0)
        wh->cfg.attempt_timeout_ms = VR_WEBHOOK_DEFAULT_ATTEMPT_TIMEOUT_MS;
    if (wh->cfg.budget_ms <= 0) wh->cfg.budget_ms = VR_WEBHOOK_DEFAULT_BUDGET_MS;
    if (wh->cfg.max_attempts <= 0) wh->cfg.max_attempts = VR_WEBHOOK_DEFAULT_MAX_ATTEMPTS;
    if (wh->cfg.backoff_initial_ms <= 0)
        wh->cfg.backoff_initial_ms = VR_WEBHOOK_DEFAULT_BACKOFF_INITIAL_MS;
    if (wh->cfg.backoff_max_ms <= 0) wh->cfg.backoff_max_ms = VR_WEBHOOK_DEFAULT_BACKOFF_MAX_MS;
    wh->curl = curl_easy_init();
    if (!wh->curl) {
        free(wh);
        vr_error_set(err, "webhook", "webhook: cannot create a curl handle");
        return -1;
    }
    if (cfg->outbox_path) {
        int lfd = lock_outbox(cfg->outbox_path);
        pending *items = NULL;
        size_t n = 0, bad = 0;
        if (read_outbox(cfg->outbox_path, &items, &n, &bad) != 0) {
            wh->st.outbox_error = true;
            set_last_error(wh, 0, "webhook outbox: cannot read it");
        }
        if (lfd >= 0) close(lfd);
        /* only the events meant for this URL (and old lines without one) are this run's to
         * send; the others stay in the file for a run with their URL */
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (!for_this_url(wh, &items[i])) {
                wh->st.other_url++;
                pending_free(&items[i]);
                continue;
            }
            items[i].persisted = true;
            items[k++] = items[i];
        }
        wh->q = items;
        wh->qn = k;
        wh->qcap = n;
        wh->st.from_outbox = k;
        wh->st.dropped += bad;
        wh->st.pending = k;
    }
    *out = wh;
    return 0;
}

void vr_webhook_send(vr_webhook *wh, const char *event, const char *delivery, const char *body,
                     size_t body_len)
{
    if (!wh) return;
    if (wh->qn == wh->qcap) {
        wh->qcap = wh->qcap ? wh->qcap * 2 : 16;
        wh->q = vr_xrealloc(wh->q, wh->qcap * sizeof *wh->q);
    }
    pending *p = &wh->q[wh->qn++];
    memset(p, 0, sizeof *p);
    p->event = vr_strdup(event ? event : "");
    p->delivery = vr_strdup(delivery ? delivery : "");
    p->url = vr_strdup(wh->cfg.url);
    p->body = vr_xmalloc(body_len + 1);
    if (body_len) memcpy(p->body, body, body_len);
    p->body[body_len] = '\0';
    p->body_len = body_len;
    vr_iso8601(vr_wall_ms(), p->queued_at);
    drain(wh);
}

void vr_webhook_flush(vr_webhook *wh)
{
    if (wh) drain(wh);
}

const vr_webhook_stats *vr_webhook_stats_get(const vr_webhook *wh)
{
    return &wh->st;
}

void vr_webhook_close(vr_webhook *wh, vr_webhook_stats *stats)
{
    if (!wh) return;
    if (wh->cfg.outbox_path) {
        for (size_t i = 0; i < wh->qn; i++)
            if (!wh->q[i].persisted) wh->need_sync = true;
        sync_outbox(wh);
    } else {
        wh->st.dropped += wh->qn;
    }
    wh->st.pending = wh->cfg.outbox_path ? wh->qn : 0;
    if (stats) *stats = wh->st;
    for (size_t i = 0; i < wh->qn; i++)
        pending_free(&wh->q[i]);
    free(wh->q);
    for (size_t i = 0; i < wh->dn; i++)
        free(wh->delivered[i]);
    free(wh->delivered);
    curl_easy_cleanup(wh->curl);
    free(wh);
}
