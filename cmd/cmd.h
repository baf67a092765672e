/* cmd: the command line. One file per command (cmd_<name>.c); main.c dispatches from a table.
 * Only cmd/ prints. This header declares the commands and the option parser they share. */
#ifndef VR_CMD_H
#define VR_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes of cli.md. */
enum {
    VR_EXIT_OK = 0,
    VR_EXIT_ERROR = 1,   /* API, network, credentials; apply: a step failed */
    VR_EXIT_CHANGES = 2, /* plan --detailed-exitcode: changes; drift --exit-code: drift */
    VR_EXIT_INVALID = 3, /* inventory invalid, or the plan cannot be carried out */
};

/* A growable list of borrowed strings (pointers into argv). free() items only. */
typedef struct {
    const char **items;
    size_t count;
} vr_strlist;

void vr_strlist_push(vr_strlist *l, const char *s);
void vr_strlist_free(vr_strlist *l);

typedef enum {
    VR_OPT_FLAG,   /* bool *, set to true */
    VR_OPT_STRING, /* const char **, the last one given wins */
    VR_OPT_LONG,   /* long *, decimal, in [min, max] */
    VR_OPT_LIST,   /* vr_strlist *, repeatable */
    VR_OPT_COUNT,  /* int *, incremented (-v -v) */
} vr_opt_kind;

/* One option. long_name without "--"; short_name 0 when none; metavar for help. */
typedef struct {
    const char *long_name;
    char short_name;
    vr_opt_kind kind;
    void *dest;
    const char *metavar;
    const char *help;
    long min, max; /* VR_OPT_LONG only */
} vr_opt;

/* Parses argv[1..argc-1] (argv[0] is the command name) against opts (terminated by an entry
 * with long_name NULL). Accepts --name=value, --name value, -x value, -xVALUE, and "--".
 * A lone "-" is a value or positional. Positional arguments go to *pos (borrowed from argv).
 * On an unknown option or bad value, writes a message (with a "did you mean" where one is
 * close) to errbuf and returns -1. */
int vr_opts_parse(const vr_opt *opts, int argc, char **argv, vr_strlist *pos, char *errbuf,
                  size_t errlen);
/* Prints the option table as help text. */
void vr_opts_help(FILE *out, const vr_opt *opts);

/* The options plan, apply and drift share (cli.md "Common options"). Zero-initialise. */
typedef struct {
    vr_strlist files; /* -f */
    const char *api_url, *region;
    const char *audit_log, *audit_repo, *audit_branch;
    const char *webhook_url, *webhook_secret_file;
    const char *metrics_file;
    const char *client_secret_file, *credentials;
    const char *ca_file;
    vr_strlist probe_map;
    long converge_timeout_s;
    long parallelism;    /* 0: not given (the default, VR_POOL_DEFAULT_WIDTH) */
    long call_timeout_s; /* --call-timeout: one API call's time budget; 0: the default (120) */
    long timeout_s;      /* --timeout: the whole run's; 0: none */
    bool no_color;
    bool quiet;
    int verbose;
} vr_common_opts;

/* The common options as a table, to be appended to a command's own (see VR_OPTS_COMMON). */
#define VR_OPTS_COMMON(c)                                                                          \
    {                                                                                              \
        "file", 'f', VR_OPT_LIST, &(c)->files, "PATH", "inventory file or folder; - for stdin",    \
        0,      0},                                                                                \
        {"api-url", 0, VR_OPT_STRING, &(c)->api_url, "URL", "base URL for API and OAuth", 0, 0},   \
        {"region", 0, VR_OPT_STRING, &(c)->region, "REGION", "region domain or name", 0, 0},       \
        {"audit-log",                                                                              \
         0,                                                                                        \
         VR_OPT_STRING,                                                                            \
         &(c)->audit_log,                                                                          \
         "FILE",                                                                                   \
         "append audit records (JSON lines)",                                                      \
         0,                                                                                        \
         0},                                                                                       \
        {"audit-repo",                                                                             \
         0,                                                                                        \
         VR_OPT_STRING,                                                                            \
         &(c)->audit_repo,                                                                         \
         "DIR",                                                                                    \
         "commit the report to this Git repository",                                               \
         0,                                                                                        \
         0},                                                                                       \
        {"audit-branch",                                                                           \
         0,                                                                                        \
         VR_OPT_STRING,                                                                            \
         &(c)->audit_branch,                                                                       \
         "NAME",                                                                                   \
         "branch for reports (vni-audit)",                                                         \
         0,                                                                                        \
         0},                                                                                       \
        {"webhook-url",                                                                            \
         0,                                                                                        \
         VR_OPT_STRING,                                                                            \
         &(c)->webhook_url,                                                                        \
         "URL",                                                                                    \
         "POST each audit record here",                                                            \
         0,                                                                                        \
         0},                                                                                       \
        {"webhook-secret-file",                                                                    \
         0,                                                                                        \
         VR_OPT_STRING,                                                                            \
         &(c)->webhook_secret_file,                                                                \
         "FILE",                                                                                   \
         "HMAC-SHA256 key for webhook signatures",                                                 \
         0,                                                                                        \
         0},                                                                                       \
        {"metrics-file",                                                                           \
         0,                                                                                        \
         VR_OPT_STRING,                                                                            \
         &(c)->metrics_file,                                                                       \
         "FILE",                                                                                   \
         "write Prometheus text metrics",                                                          \
         0,                                                                                        \
         0},                                                                                       \
        {"client-secret-file",                                                                     \
         0,                                                                                        \
         VR_OPT_STRING,                                                                            \
         &(c)->client_secret_file,                                                                 \
         "FILE",                                                                                   \
         "read the OAuth client secret from FILE",                                                 \
         0,                                                                                        \
         0},                                                                                       \
        {"credentials",                                                                            \
         0,                                                                                        \
         VR_OPT_STRING,                                                                            \
         &(c)->credentials,                                                                        \
         "FILE",                                                                                   \
         "YAML map: organization id to client id and secret file",                                 \
         0,                                                                                        \
         0},                                                                                       \
        {"ca-file",                                                                                \
         0,                                                                                        \
         VR_OPT_STRING,                                                                            \
         &(c)->ca_file,                                                                            \
         "FILE",                                                                                   \
         "trust the CA certificates of this PEM file (API, webhooks)",                             \
         0,                                                                                        \
         0},                                                                                       \
        {"probe-map",                                                                              \
         0,                                                                                        \
         VR_OPT_LIST,                                                                              \
         &(c)->probe_map,                                                                          \
         "ADDR=HOST:PORT",                                                                         \
         "send the probe for ADDR to HOST:PORT",                                                   \
         0,                                                                                        \
         0},                                                                                       \
        {"converge-timeout",                                                                       \
         0,                                                                                        \
         VR_OPT_LONG,                                                                              \
         &(c)->converge_timeout_s,                                                                 \
         "SECONDS",                                                                                \
         "give up waiting for a routing table",                                                    \
         1,                                                                                        \
         86400},                                                                                   \
        {"parallelism",                                                                            \
         0,                                                                                        \
         VR_OPT_LONG,                                                                              \
         &(c)->parallelism,                                                                        \
         "N",                                                                                      \
         "organizations worked on at once (default 10, 1 to 64)",                                  \
         1,                                                                                        \
         64},                                                                                      \
        {"call-timeout",                                                                           \
         0,                                                                                        \
         VR_OPT_LONG,                                                                              \
         &(c)->call_timeout_s,                                                                     \
         "SECONDS",                                                                                \
         "give up one API call, its retries included, after this long (120)",                      \
         1,                                                                                        \
         86400},                                                                                   \
        {"timeout",   0,                                                                           \
         VR_OPT_LONG, &(c)->timeout_s,                                                             \
         "SECONDS",   "stop the whole run before its next step once this long has passed (none)",  \
         1,           604800},                                                                     \
        {"no-color", 0, VR_OPT_FLAG, &(c)->no_color, NULL, "no colors (also NO_COLOR)", 0, 0},     \
        {"quiet", 'q', VR_OPT_FLAG, &(c)->quiet, NULL, "only errors", 0, 0},                       \
    {                                                                                              \
        "verbose", 'v', VR_OPT_COUNT, &(c)->verbose, NULL, "more detail (repeatable)", 0, 0        \
    }

/* Parses a command's options the way every command does: on an error prints
 * "vni-reconcile CMD: message" to stderr, frees pos and c's lists, and returns -1; else 0.
 * Positional arguments are left in pos. c may be NULL for commands without common options. */
int vr_cmd_parse(const char *cmd, const vr_opt *table, int argc, char **argv, vr_strlist *pos,
                 vr_common_opts *c);
/* Frees what vr_opts_parse allocated for pos and c's lists (c may be NULL). */
void vr_cmd_opts_free(vr_strlist *pos, vr_common_opts *c);

/* Reads --webhook-secret-file: one trailing newline stripped; an unreadable, empty or
 * NUL-holding file is an error (printed, -1); a file readable by group or others is used
 * with a warning (unless quiet). *out is NULL (and 0 returned) when path is NULL; otherwise
 * malloc'd, free with vr_secret_free. */
int vr_cmd_read_webhook_secret(const char *cmd, const char *path, bool quiet, char **out,
                               size_t *len);

/* True when colors should be used on stream (a terminal, no --no-color, no NO_COLOR). */
bool vr_use_color(FILE *stream, bool no_color);

/* Commands: argv[0] is the command's name. Each returns an exit code. */
int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif
