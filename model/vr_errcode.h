/* vr_errcode: every error code the tool itself sets in a vr_error (the `code` users see after
 * "status:" on standard error, in `apply --format json` step errors, in audit records and
 * webhook events). One style: dotted lower case, "subject.problem". docs/cli.md lists them.
 *
 * Codes the platform API sends (name.duplicate, ip.allocated, subnet.overlap,
 * limit.exceeded, organization.mismatch, not.found, bad.credentials...) are the server's and
 * pass through as they are; VR_ERR_NAME_DUPLICATE and VR_ERR_NOT_FOUND name two of them where
 * the tool sets them itself for the same meaning. */
#ifndef VR_ERRCODE_H
#define VR_ERRCODE_H

/* ---- configuration and input ---- */
#define VR_ERR_URL_INVALID "url.invalid"       /* an API, OAuth or webhook URL unusable */
#define VR_ERR_URL_INSECURE "url.insecure"     /* http:// to a host that is not loopback */
#define VR_ERR_REGION_UNKNOWN "region.unknown" /* --region not in the region table */
#define VR_ERR_REGION_MISSING "region.missing" /* neither a region nor an API URL */
#define VR_ERR_CREDENTIALS_MISSING "credentials.missing" /* no client id, secret or token */
#define VR_ERR_CREDENTIALS_FILE "credentials.file"   /* --credentials file unreadable or wrong */
#define VR_ERR_SECRET_FILE "secret.file"             /* a secret file unreadable, empty, NUL */
#define VR_ERR_CLIENT_CONFIG "client.config"         /* a client made without URL or credentials */
#define VR_ERR_PROBE_MAP_INVALID "probe_map.invalid" /* a --probe-map entry is wrong */
#define VR_ERR_CA_FILE "ca.file" /* the CA file (--ca-file, SSL_CERT_FILE...) unusable */
#define VR_ERR_INVALID_FIELD "invalid.field" /* (server's code) a field breaks the rules */

/* ---- the platform's answers, as the client sees them ---- */
#define VR_ERR_HTTP_CLIENT "http.client"               /* the HTTP library could not start */
#define VR_ERR_BAD_RESPONSE "bad.response"             /* an answer that is not what the API says */
#define VR_ERR_NETWORK "network"                       /* no answer: connection, timeout, TLS */
#define VR_ERR_RESPONSE_TOO_LARGE "response.too_large" /* an answer over the size limit */
#define VR_ERR_LIST_UNSTABLE "list.unstable"           /* the connection list moved while paged */
#define VR_ERR_BUDGET_EXHAUSTED "budget.exhausted"     /* --call-timeout: no time to try again */
#define VR_ERR_RUN_DEADLINE "run.deadline"             /* --timeout: no time to try a call again */
#define VR_ERR_NAME_DUPLICATE "name.duplicate" /* (server's code) a connection of that name */
#define VR_ERR_NOT_FOUND "not.found"           /* (server's code) no such connection */
#define VR_ERR_ID_INVALID "id.invalid"         /* an id that may not go into a URL path */

/* ---- plans ---- */
#define VR_ERR_PLAN_INVALID                                                                        \
    "plan.invalid"                           /* a plan (file or action) that cannot be carried out \
                                              */
#define VR_ERR_PLAN_READ "plan.read"         /* a plan file cannot be read */
#define VR_ERR_PLAN_WRITE "plan.write"       /* a plan file cannot be written */
#define VR_ERR_INVENTORY_GIT "inventory.git" /* the inventory's Git commit cannot be read */
#define VR_ERR_PLAN_RECORDED "plan.recorded" /* a plan made from a recorded state, saved */
#define VR_ERR_STATE_INVALID "state.invalid" /* a recorded live state that cannot be used */
#define VR_ERR_STATE_VERSION "state.version" /* a recorded live state of another format */
/* A saved plan refused by apply (docs/plan-file.md, "How apply FILE checks it"): */
#define VR_ERR_PLAN_TOO_MANY "plan.too_many" /* over apply's --max-deletes or --max-replaces */
#define VR_ERR_PLAN_UNVERIFIABLE "plan.unverifiable" /* no options or files to make it again */
#define VR_ERR_PLAN_INVENTORY "plan.inventory"       /* an inventory file missing or changed */
#define VR_ERR_PLAN_MISMATCH "plan.mismatch"         /* not what a new plan gives (edited) */

/* ---- apply ---- */
#define VR_ERR_PROBE_FAILED "probe.failed"               /* the gateway probe could not run */
#define VR_ERR_GATEWAY_UNREACHABLE "gateway.unreachable" /* the probe found no gateway */
#define VR_ERR_GATEWAY_REFUSED "gateway.refused"         /* a gateway in a range never probed */
#define VR_ERR_SYNC_INVALID "sync.invalid"               /* a sync answer without its hash */
#define VR_ERR_CONVERGE_TIMEOUT "converge.timeout"       /* the table did not converge in time */
#define VR_ERR_CONVERGE_REPLACED "converge.replaced"     /* another sync replaced ours, twice */
#define VR_ERR_NOT_ACTIVE "not.active"                   /* converged, but the connection is not */
#define VR_ERR_LOCK_FAILED "lock.failed"                 /* the lock folder or file is unusable */
#define VR_ERR_LOCK_BUSY "lock.busy"                     /* another run holds the lock */

/* ---- the run's outputs ---- */
#define VR_ERR_AUDIT_LOG "audit.log"       /* the audit log cannot be opened or written */
#define VR_ERR_AUDIT_REPO "audit.repo"     /* the Git report cannot be committed or read */
#define VR_ERR_METRICS_FILE "metrics.file" /* the metrics file cannot be read or written */
#define VR_ERR_FILE_WRITE "file.write"     /* a file (outbox, export) cannot be written */
#define VR_ERR_WEBHOOK_URL "webhook.url"   /* the webhook URL is refused */
#define VR_ERR_WEBHOOK "webhook.failed"    /* the webhook cannot be set up */

#endif
