/* vr_webhook: signed webhook delivery with backoff inside a run budget, and a merged outbox. */
#include "vr_webhook.h"
#include "vr_errcode.h"

#include "vr_endpoint.h"
#include "vr_file.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef VR_VERSION
#define VR_VERSION "0"
#endif

/* A wait leaves at least this much of the budget for the try after it. */
#define MIN_TRY_MS 50

typedef struct {
    char *event, *delivery, *body;
    /* SHA-256 (hex) of the URL it is meant for; "" for a line of the oldest format (no URL) */
    char url_hash[65];
    bool migrated; /* read from a line that held the URL itself (rewritten without it) */
    size_t body_len;
    char queued_at[32];
    bool persisted; /* known to be in the outbox file */
} pending;

struct vr_webhook {
    vr_webhook_config cfg; /* defaults filled in; strings borrowed */
    char url_hash[65];     /* SHA-256 (hex) of cfg.url: what the outbox records */
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
}

static void set_last_error(vr_webhook *wh, int status, const char *msg)
{
    wh->st.last_http_status = status;
    size_t n = strlen(msg);
    if (n >= sizeof wh->st.last_error) n = sizeof wh->st.last_error - 1;
    memcpy(wh->st.last_error, msg, n);
    wh->st.last_error[n] = '\0';
}

/* The outbox could not be read or written: counted, and said in the stats. */
static void set_outbox_error(vr_webhook *wh, const char *msg)
{
    wh->st.outbox_error = true;
    size_t n = strlen(msg);
    if (n >= sizeof wh->st.outbox_message) n = sizeof wh->st.outbox_message - 1;
    memcpy(wh->st.outbox_message, msg, n);
    wh->st.outbox_message[n] = '\0';
}

int vr_webhook_url_check(const char *url, vr_error *err)
{
    if (vr_url_check(url, "webhook url", VR_URL_ENDPOINT, err) == 0) return 0;
    if (err) snprintf(err->code, sizeof err->code, "%s", VR_ERR_WEBHOOK_URL);
    return -1;
}

int vr_webhook_default_outbox(const char *audit_log, char **out)
{
    vr_buf b = VR_BUF_INIT;
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    *out = NULL;
    if (audit_log && audit_log[0] && !vr_file_in_place(audit_log))
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

/* Takes the flock on "<outbox>.lock": *out_fd is its descriptor (close it to release), or -1
 * for an outbox written in place (a device or FIFO: no lock file is made beside it).
 * Returns 0, or -1 with errno. */
static int lock_outbox(const char *outbox, int *out_fd)
{
    *out_fd = -1;
    if (vr_file_in_place(outbox)) return 0;
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
    *out_fd = fd;
    return 0;
}

static bool is_hex64(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f'))) return false;
    return n == 64;
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
    const cJSON *uh = cJSON_GetObjectItemCaseSensitive(j, "urlSha256");
    const cJSON *ur = cJSON_GetObjectItemCaseSensitive(j, "url"); /* the previous format */
    int rc = -1;
    if (cJSON_IsString(ev) && cJSON_IsString(dl) && cJSON_IsString(bd) && dl->valuestring[0] &&
        (!uh || (cJSON_IsString(uh) && is_hex64(uh->valuestring))) &&
        (!ur || (cJSON_IsString(ur) && ur->valuestring[0]))) {
        p->event = vr_strdup(ev->valuestring);
        if (uh) {
            memcpy(p->url_hash, uh->valuestring, 65);
        } else if (ur) {
            /* the previous format held the URL itself: kept as its hash from now on */
            vr_sha256_hex(ur->valuestring, strlen(ur->valuestring), p->url_hash);
            p->migrated = true;
        }
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
 * Returns 0 (a missing file, or one written in place, is empty), or -1 with wh's last_error
 * set. */
static int read_outbox(vr_webhook *wh, const char *path, pending **out, size_t *n, size_t *bad)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    *n = 0;
    if (vr_file_in_place(path)) return 0; /* a device or FIFO: nothing to read back */
    int r = vr_read_file(path, VR_WEBHOOK_OUTBOX_MAX_BYTES, &text, &len);
    if (r != 0) {
        if (r == -1 && errno == ENOENT) return 0;
        vr_buf m = VR_BUF_INIT;
        if (r == -2)
            vr_buf_printf(&m,
                          "webhook outbox %s: cannot read it: larger than %u MiB, the most an "
                          "outbox may hold",
                          path, VR_WEBHOOK_OUTBOX_MAX_BYTES >> 20);
        else
            vr_buf_printf(&m, "webhook outbox %s: cannot read it: %s", path, strerror(errno));
        set_outbox_error(wh, vr_buf_str(&m));
        vr_buf_free(&m);
        return -1;
    }
    parse_outbox(text, out, n, bad);
    free(text);
    return 0;
}

static void entry_json(vr_buf *b, const pending *p)
{
    cJSON *j = cJSON_CreateObject();
    /* the URL's hash, never the URL (its path may hold a token); a line of the oldest format
     * (no URL at all) stays one */
    if (p->url_hash[0]) cJSON_AddStringToObject(j, "urlSha256", p->url_hash);
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

/* Whether p is for the URL of this run: the same URL (its SHA-256 compared), or none recorded
 * (a line of the oldest format, which did not record it: sent to the current URL). */
static bool for_this_url(const vr_webhook *wh, const pending *p)
{
    return !p->url_hash[0] || strcmp(p->url_hash, wh->url_hash) == 0;
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
    int lfd;
    if (lock_outbox(path, &lfd) != 0) {
        vr_buf m = VR_BUF_INIT;
        vr_buf_printf(&m, "webhook outbox %s: cannot lock it: %s", path, strerror(errno));
        set_outbox_error(wh, vr_buf_str(&m));
        vr_buf_free(&m);
        return;
    }
    pending *file = NULL;
    size_t fn = 0, bad = 0;
    if (read_outbox(wh, path, &file, &fn, &bad) != 0) {
        if (lfd >= 0) close(lfd);
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
    int rc = 0;
    vr_error werr = VR_ERROR_INIT;
    if (out.len == 0 && vr_file_in_place(path)) {
        /* nothing pending, and a device or FIFO is never removed */
    } else if (out.len == 0) {
        if (unlink(path) != 0 && errno != ENOENT) {
            vr_error_set(&werr, VR_ERR_FILE_WRITE, "webhook outbox %s: cannot remove it: %s", path,
                         strerror(errno));
            rc = -1;
        }
    } else {
        rc = vr_file_write(path, out.data, out.len, 0600, "webhook outbox", &werr);
    }
    if (rc != 0) {
        set_outbox_error(wh, werr.message);
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
    if (lfd >= 0) close(lfd);
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

    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, wh->cfg.url);
    vr_http_transport_setup(c, wh->cfg.url, wh->cfg.transport);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
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
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);

    if (cc == CURLE_OK && status >= 200 && status < 300) return 0;
    vr_buf msg = VR_BUF_INIT;
    const vr_transport *t = wh->cfg.transport;
    if (vr_http_tls_refused(cc) && t && t->ca_file)
        /* name the certificate problem, and what to do about a private CA */
        vr_buf_printf(&msg,
                      "webhook: the receiver's TLS certificate was refused (%s); its CA "
                      "is not in %s (from %s)",
                      errbuf[0] ? errbuf : curl_easy_strerror(cc), t->ca_file, t->ca_source);
    else if (vr_http_tls_refused(cc))
        vr_buf_printf(&msg,
                      "webhook: the receiver's TLS certificate was refused (%s); if a "
                      "private CA signs it, pass it with --ca-file",
                      errbuf[0] ? errbuf : curl_easy_strerror(cc));
    else if (cc != CURLE_OK)
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
        /* the project's backoff (the API calls' too), cut to the budget left; no sleep when
         * no time would be left for the try after it */
        int64_t backoff = vr_backoff_ms(wh->cfg.backoff_initial_ms, wh->cfg.backoff_max_ms, attempt,
                                        vr_random_u64());
        int64_t sleep_ms = vr_retry_wait_ms(backoff, -1, remaining_ms(wh), MIN_TRY_MS);
        if (sleep_ms < 0) {
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
        vr_error_set(err, VR_ERR_WEBHOOK_URL, "webhook url: none given");
        return -1;
    }
    if (vr_webhook_url_check(cfg->url, err) != 0) return -1;
    if (cfg->secret && cfg->secret_len == 0) {
        /* an empty HMAC key signs what anyone can sign: refuse it rather than sign */
        vr_error_set(err, VR_ERR_WEBHOOK, "webhook secret is empty");
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
        vr_error_set(err, VR_ERR_WEBHOOK, "webhook: cannot create a curl handle");
        return -1;
    }
    vr_sha256_hex(cfg->url, strlen(cfg->url), wh->url_hash);
    if (cfg->outbox_path) {
        int lfd = -1; /* without the lock (it could not be taken) the read is still right */
        if (lock_outbox(cfg->outbox_path, &lfd) != 0) lfd = -1;
        pending *items = NULL;
        size_t n = 0, bad = 0;
        read_outbox(wh, cfg->outbox_path, &items, &n, &bad); /* a failure is in the stats */
        if (lfd >= 0) close(lfd);
        /* lines of the previous format hold the URL itself: the first sync rewrites them all
         * (this URL's and the others') with its hash instead */
        for (size_t i = 0; i < n; i++)
            if (items[i].migrated) wh->need_sync = true;
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
    memcpy(p->url_hash, wh->url_hash, sizeof p->url_hash);
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
