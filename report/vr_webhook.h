/* vr_webhook: delivers audit events to a webhook (docs/api.md §8): one signed POST per record,
 * retried with backoff inside a per-run time budget, with an outbox for what is left over.
 *
 * Delivery: POST url, body = the audit line, headers Content-Type: application/json,
 * X-Vni-Event: <action>, X-Vni-Delivery: <eventId>, and with a secret
 * X-Vni-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>. Any 2xx is delivered;
 * anything else (another status, refused, timeout) is a failed attempt. Redirects are not
 * followed. URL rule: the API's (vr_url_check, VR_URL_ENDPOINT): https to any host; http only
 * to loopback hosts (127.0.0.0/8, ::1, localhost), for tests and local receivers; never user
 * info (user:password@) nor a fragment. The URL itself is never written anywhere (its path
 * may carry a token, as Slack's do): the outbox records its SHA-256, and messages never show
 * more than its host.
 *
 * Order and the outbox: events are delivered strictly in order (outbox from earlier runs
 * first, then this run's events). When the oldest pending event cannot be delivered after
 * max_attempts, it and every later event stay queued; the next vr_webhook_send() tries again
 * from the oldest, with a single attempt (no backoff) until one succeeds, so a receiver that
 * is down costs one full retry series per run, not one per event. Pending events are kept in the
 * outbox file (JSON lines, one per event:
 * {"urlSha256": "<hex SHA-256 of the URL>", "event": "...", "delivery": "...",
 * "body": "<raw body as a JSON string>", "queuedAt": "..."}), rewritten whole or not at all
 * (vr_file_write: temporary file, fsync, rename, mode 0600) whenever the queue changes, under an
 * flock on "<outbox>.lock" so concurrent runs (other organizations) merge rather than overwrite: a
 * run removes only the events it delivered and adds only its own. The outbox never holds the
 * signature (recomputed at each attempt) nor the secret.
 *
 * URLs: each entry records the SHA-256 of the URL it was queued for. A run loads and sends only
 * the entries whose "urlSha256" is the hash of its own cfg.url (the URL compared as text), in
 * order; entries for other URLs stay in the outbox, for a run with their URL (stats.other_url
 * counts them). Migration: lines of the previous format hold "url" (the URL itself): they are
 * read as its hash, and the first rewrite of the outbox (at the first send, flush or close)
 * writes every line with "urlSha256" instead, so no URL is left in the file. Lines of the
 * oldest format have neither: they are sent to the current URL (and, while undelivered, kept
 * without one).
 * An outbox that is a device or FIFO (vr_file_in_place) is written in place, never read back,
 * removed or locked.
 * A receiver may see an event twice (a crash between delivery and the outbox update); the
 * X-Vni-Delivery id lets it deduplicate.
 *
 * Time: every attempt times out after attempt_timeout_ms; all the time spent in the webhook
 * during the run (attempts and backoff sleeps) is bounded by budget_ms, the webhook's own,
 * shorter than the API calls' (a dead receiver never slows reconciliation past it): the
 * backoff is the API calls' (vr_backoff_ms, full jitter), an attempt's timeout and a sleep are
 * cut to what remains (no sleep when no time would be left for the try after it), and once the
 * budget is used up events go straight to the outbox without any attempt. A webhook failure never
 * fails the run: vr_webhook_send() has no failure result; the stats say what happened.
 *
 * curl_global_init() must have been called (by main, or by a test's main). */
#ifndef VR_WEBHOOK_H
#define VR_WEBHOOK_H

#include "vr_diag.h"
#include "vr_http.h" /* vr_transport */
#include "vr_util.h"

#include <stdbool.h>
#include <stddef.h>

#define VR_WEBHOOK_DEFAULT_ATTEMPT_TIMEOUT_MS 5000
#define VR_WEBHOOK_DEFAULT_BUDGET_MS 15000
#define VR_WEBHOOK_DEFAULT_MAX_ATTEMPTS 4
#define VR_WEBHOOK_DEFAULT_BACKOFF_INITIAL_MS 250
#define VR_WEBHOOK_DEFAULT_BACKOFF_MAX_MS 4000
/* Oldest events are dropped (and counted) beyond this many pending events. */
#define VR_WEBHOOK_OUTBOX_MAX 10000
/* The largest outbox file read: 10,000 events of audit lines of up to ~25 KB (a drift check
 * of a large organization carries hundreds of correlation ids). A larger file is an outbox
 * error (stats.outbox_error, last_error names the limit). */
#define VR_WEBHOOK_OUTBOX_MAX_BYTES (256u << 20)

/* Options. Strings are borrowed for the lifetime of the vr_webhook (secret included: the
 * caller keeps and wipes it). Zero values mean the defaults above. */
typedef struct {
    const char *url;
    const void *secret; /* NULL: no X-Vni-Signature-256; non-NULL with secret_len 0 is refused */
    size_t secret_len;
    const char *outbox_path; /* NULL: undelivered events are dropped (counted in stats) */
    long attempt_timeout_ms;
    long budget_ms;
    int max_attempts; /* per event per vr_webhook_send() call (1 after a failed series) */
    long backoff_initial_ms;
    long backoff_max_ms; /* backoff: initial * 2^n, capped, with full jitter */
    /* TLS trust and proxies, as for the API (vr_http_transport_setup): https through the
     * standard proxy variables, plain http never through a proxy. NULL: the system store. */
    const vr_transport *transport;
} vr_webhook_config;

/* What happened during the run. */
typedef struct {
    size_t delivered;         /* events delivered (from the outbox and new) */
    size_t from_outbox;       /* events for this URL found in the outbox at open */
    size_t pending;           /* events for this URL left queued (in the outbox) */
    size_t other_url;         /* events in the outbox kept for other URLs (not sent by this run) */
    size_t dropped;           /* events lost: no outbox path, outbox over its maximum */
    size_t attempts;          /* POSTs tried */
    bool budget_exhausted;    /* true once the budget ran out */
    long long spent_ms;       /* time spent in the webhook */
    int last_http_status;     /* of the last failed attempt, 0 when none or no response */
    char last_error[256];     /* of the last failed attempt ("" when none); never the secret */
    bool outbox_error;        /* the outbox could not be read or written */
    char outbox_message[512]; /* then: what failed, naming the file and why ("" otherwise) */
} vr_webhook_stats;

/* Opaque; created by vr_webhook_open, freed by vr_webhook_close. Not thread-safe. */
typedef struct vr_webhook vr_webhook;

/* Checks the URL (see the rule above), makes a curl easy handle, and loads the outbox (a
 * missing file is an empty outbox; unreadable lines are skipped and counted as dropped).
 * Sends nothing yet. Returns 0, or -1 with err set (code "webhook.url" for a URL refused,
 * "webhook.failed" otherwise, e.g. "webhook secret is empty" for a non-NULL secret of length 0: an
 * empty HMAC key would let anyone forge the signature): only configuration errors fail here. */
int vr_webhook_open(vr_webhook **out, const vr_webhook_config *cfg, vr_error *err);

/* Queues one event and delivers what it can, oldest first, within the budget. event is the
 * audit action name, delivery the eventId, body the exact bytes to POST (the audit line).
 * Everything is copied. Never fails and never takes longer than the budget left. */
void vr_webhook_send(vr_webhook *wh, const char *event, const char *delivery, const char *body,
                     size_t body_len);

/* Tries to deliver what is pending (the outbox of earlier runs) without adding an event;
 * call it at the start of a run so old events go out even when the run has none. */
void vr_webhook_flush(vr_webhook *wh);

/* The stats so far (valid until the next call on wh). */
const vr_webhook_stats *vr_webhook_stats_get(const vr_webhook *wh);

/* Writes the outbox a last time (removing the file when nothing is pending), copies the stats
 * into *stats when not NULL, and frees wh. NULL wh is a no-op. */
void vr_webhook_close(vr_webhook *wh, vr_webhook_stats *stats);

/* The default outbox path for the cmd layer, malloc'd into *out (caller frees):
 *   "<audit_log>.outbox" when audit_log is set and is a regular file or none yet (beside the
 *   audit log it belongs to; not beside /dev/stdout or a FIFO), else
 *   "$XDG_STATE_HOME/vni-reconcile/webhook-outbox.jsonl", else
 *   "$HOME/.local/state/vni-reconcile/webhook-outbox.jsonl".
 * Missing directories are created (mode 0700) when the outbox is first written.
 * Returns 0, or -1 when none applies (no audit log, no XDG_STATE_HOME, no HOME). */
int vr_webhook_default_outbox(const char *audit_log, char **out);

/* Reads outbox text as a run does when it loads the outbox (the JSON lines above; parsing
 * stops at a NUL byte): each entry it keeps is appended to out as the run would write it back
 * (a line of the previous format, with the URL itself, as its hash), one line each, and *bad
 * (when not NULL) counts the lines it skips. Returns the number of entries kept. Pure: no I/O;
 * exposed for the unit tests and the fuzz target fuzz_outbox. */
size_t vr_webhook_outbox_parse(vr_buf *out, const char *text, size_t len, size_t *bad);

/* Checks a webhook URL by the project's one URL policy (vr_url_check, VR_URL_ENDPOINT):
 * https (any host), or http to a loopback host; no user info. Returns 0, or -1 with err set
 * (code "webhook.url"). */
int vr_webhook_url_check(const char *url, vr_error *err);

#endif
