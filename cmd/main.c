/* main: vni-reconcile's entry point: library set-up, then a table dispatches the command. */
#include "cmd.h"

#include "vr_auth.h"

#include <curl/curl.h>
#include <errno.h>
#include <git2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

struct cmd_entry {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    bool secrets; /* reads credentials or the webhook key: no core dumps (vr_auth.h) */
};

static const struct cmd_entry commands[] = {
    {"validate", cmd_validate, "load and check the inventory alone (no network)", false},
    {"plan", cmd_plan, "diff the inventory against live state; print the ordered plan", true},
    {"apply", cmd_apply, "carry the plan out, one interface at a time", true},
    {"drift", cmd_drift, "report where the live organization differs from the inventory", true},
    {"export", cmd_export, "write an inventory of what is live (adoption)", true},
    {"version", cmd_version, "print the version and the linked libraries' versions", false},
    {NULL, NULL, NULL, false},
};

static void usage(FILE *out)
{
    fputs("usage: vni-reconcile <command> [options]\n\n"
          "Keeps an organization's virtual network interfaces the way a YAML inventory says.\n\n"
          "commands:\n",
          out);
    for (const struct cmd_entry *c = commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fputs(
        "  help       show this, or `help <command>` for a command's options\n\n"
        "exit codes: 0 ok, 1 error, 2 changes or drift (when asked), 3 invalid inventory or plan\n"
        "see `man vni-reconcile` or docs/cli.md\n",
        out);
}

static const struct cmd_entry *find(const char *name)
{
    for (const struct cmd_entry *c = commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return VR_EXIT_ERROR;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        if (argc > 2) {
            if (!find(argv[2])) {
                fprintf(stderr,
                        "vni-reconcile help: '%s' is not a command; see `vni-reconcile help`\n",
                        argv[2]);
                return VR_EXIT_ERROR;
            }
            char *help_argv[] = {argv[2], "--help", NULL};
            return find(argv[2])->fn(2, help_argv);
        }
        usage(stdout);
        return VR_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) name = "version";
    const struct cmd_entry *c = find(name);
    if (!c) {
        fprintf(stderr, "vni-reconcile: '%s' is not a command; see `vni-reconcile help`\n", name);
        return VR_EXIT_ERROR;
    }
    /* A file size limit (ulimit -f) makes a write fail with EFBIG, reported as any other
     * write error naming the file, instead of killing the run with a temporary left behind. */
    signal(SIGXFSZ, SIG_IGN);
    /* Before any secret is read: no core dump may carry it to disk. A failure is unusual
     * (a seccomp filter); the run goes on, and says so. */
    if (c->secrets && vr_secret_protect_process() != 0)
        fprintf(stderr, "vni-reconcile %s: warning: cannot disable core dumps: %s\n", c->name,
                strerror(errno));
    /* Library-wide state is set up here only (design habit 3). */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    git_libgit2_init();
    int rc = c->fn(argc - 1, argv + 1);
    git_libgit2_shutdown();
    curl_global_cleanup();
    /* A report that never reached standard output (a full disk, a closed pipe) is a failed
     * run, whatever the command found: a pipeline must not take exit 0 or 2 for a report. */
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc != VR_EXIT_INVALID) {
        fprintf(stderr, "vni-reconcile %s: cannot write to standard output: %s\n", c->name,
                strerror(errno));
        rc = VR_EXIT_ERROR;
    }
    return rc;
}
