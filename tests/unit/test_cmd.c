/* test_cmd: cmd/ without the network. The option parser (cmd_opts: every kind of option, the
 * ways to give a value, "--", bundles, every error), the --credentials file (desired/
 * vr_credentials, which cmd_session reads it with), and --shard: I/N parsing and which
 * organizations a shard gets (the documented rule, a stable and complete partition). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_support.h"

#include "cmd.h"
#include "cmd_session.h"
#include "vr_credentials.h"
#include "vr_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ORG "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
#define ORG2 "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

/* ---- capturing what cmd/ prints to standard error ---- */

typedef struct {
    char *path;
    int saved;
} capture;

static void capture_begin(capture *c, const char *dir)
{
    vr_buf b = VR_BUF_INIT;
    vr_buf_printf(&b, "%s/stderr.txt", dir);
    c->path = vr_buf_detach(&b);
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(c->saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
}

/* Restores standard error; returns what was written (malloc'd). */
static char *capture_end(capture *c)
{
    fflush(stderr);
    assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
    close(c->saved);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(vr_read_file(c->path, 1 << 20, &text, &len), 0);
    free(c->path);
    return text;
}

/* ---- the option parser ---- */

typedef struct {
    bool flag;
    const char *str;
    long num;
    vr_strlist list;
    int count;
    bool other;
} opts;

static void table(vr_opt out[8], opts *o)
{
    const vr_opt t[] = {
        {"flag", 'x', VR_OPT_FLAG, &o->flag, NULL, "a flag", 0, 0},
        {"string", 's', VR_OPT_STRING, &o->str, "TEXT", "a string", 0, 0},
        {"number", 'n', VR_OPT_LONG, &o->num, "N", "a number", -5, 100},
        {"item", 'i', VR_OPT_LIST, &o->list, "ITEM", "an item (repeatable)", 0, 0},
        {"verbose", 'v', VR_OPT_COUNT, &o->count, NULL, "more", 0, 0},
        {"other", 'o', VR_OPT_FLAG, &o->other, NULL, NULL, 0, 0},
        {"only-long", 0, VR_OPT_STRING, &o->str, NULL, "no short name, no metavar", 0, 0},
        {NULL, 0, 0, NULL, NULL, NULL, 0, 0},
    };
    memcpy(out, t, sizeof(t));
}

/* Parses the NULL-terminated arguments after "cmd" into *o (zeroed first). */
static int parse(opts *o, vr_strlist *pos, char *err, size_t errlen, ...)
{
    char *argv[32] = {"cmd"};
    int argc = 1;
    va_list ap;
    va_start(ap, errlen);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
        argv[argc++] = a;
    va_end(ap);
    memset(o, 0, sizeof(*o));
    memset(pos, 0, sizeof(*pos));
    err[0] = '\0';
    vr_opt t[8];
    table(t, o);
    return vr_opts_parse(t, argc, argv, pos, err, errlen);
}

static void done(opts *o, vr_strlist *pos)
{
    vr_strlist_free(&o->list);
    vr_strlist_free(pos);
}

static void test_opts_kinds(void **state)
{
    (void)state;
    opts o;
    vr_strlist pos;
    char err[256];
    assert_int_equal(parse(&o, &pos, err, sizeof(err), "--flag", "--string", "a b", "--number",
                           "-5", "--item", "one", "--verbose", "file", NULL),
                     0);
    assert_true(o.flag);
    assert_string_equal(o.str, "a b");
    assert_int_equal(o.num, -5);
    assert_int_equal(o.list.count, 1);
    assert_string_equal(o.list.items[0], "one");
    assert_int_equal(o.count, 1);
    assert_false(o.other);
    assert_int_equal(pos.count, 1);
    assert_string_equal(pos.items[0], "file");
    assert_string_equal(err, "");
    done(&o, &pos);

    /* nothing given: nothing set */
    assert_int_equal(parse(&o, &pos, err, sizeof(err), NULL), 0);
    assert_false(o.flag);
    assert_null(o.str);
    assert_int_equal(o.count, 0);
    assert_int_equal(pos.count, 0);
    done(&o, &pos);
}

static void test_opts_value_forms(void **state)
{
    (void)state;
    opts o;
    vr_strlist pos;
    char err[256];
    /* --name=value, -x value, -xVALUE; a value may begin with '-' or hold '=' */
    assert_int_equal(parse(&o, &pos, err, sizeof(err), "--string=k=v", "-n", "100", "-iA", "-i",
                           "-B", "--item=", NULL),
                     0);
    assert_string_equal(o.str, "k=v");
    assert_int_equal(o.num, 100);
    assert_int_equal(o.list.count, 3);
    assert_string_equal(o.list.items[0], "A");
    assert_string_equal(o.list.items[1], "-B");
    assert_string_equal(o.list.items[2], "");
    done(&o, &pos);

    /* a string option given twice: the last wins; a list keeps every one, in order */
    assert_int_equal(parse(&o, &pos, err, sizeof(err), "-s", "first", "--only-long", "last", "-i",
                           "1", "--item", "2", "-i3", NULL),
                     0);
    assert_string_equal(o.str, "last");
    assert_int_equal(o.list.count, 3);
    assert_string_equal(o.list.items[2], "3");
    done(&o, &pos);

    /* counts and bundles of short flags */
    assert_int_equal(parse(&o, &pos, err, sizeof(err), "-v", "-vv", "--verbose", "-xo", NULL), 0);
    assert_int_equal(o.count, 4);
    assert_true(o.flag);
    assert_true(o.other);
    done(&o, &pos);
}

static void test_opts_positionals(void **state)
{
    (void)state;
    opts o;
    vr_strlist pos;
    char err[256];
    /* a lone "-" is positional; after "--" everything is, options included */
    assert_int_equal(
        parse(&o, &pos, err, sizeof(err), "a", "-", "-x", "--", "--flag", "-v", "--", "b", NULL),
        0);
    assert_true(o.flag);
    assert_int_equal(o.count, 0);
    assert_int_equal(pos.count, 6);
    const char *want[] = {"a", "-", "--flag", "-v", "--", "b"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(pos.items[i], want[i]);
    done(&o, &pos);
}

static void test_opts_errors(void **state)
{
    (void)state;
    opts o;
    vr_strlist pos;
    char err[256];
    struct {
        const char *a, *b;
        const char *message;
    } cases[] = {
        {"--strng", "x", "unknown option --strng; did you mean --string?"},
        {"--zzzzzzzz", NULL, "unknown option --zzzzzzzz"},
        {"--strng=x", NULL, "unknown option --strng; did you mean --string?"},
        {"-z", NULL, "unknown option -z"},
        {"-xz", NULL, "unknown option -z in -xz"},
        {"-xs", NULL, "unknown option -s in -xs"}, /* a bundle holds flags only */
        {"--flag=yes", NULL, "option --flag takes no value"},
        {"--verbose=2", NULL, "option --verbose takes no value"},
        {"--string", NULL, "option --string needs a value (TEXT)"},
        {"-s", NULL, "option -s needs a value (TEXT)"},
        {"--only-long", NULL, "option --only-long needs a value (VALUE)"},
        {"--number", "101", "option --number: '101' is not a whole number from -5 to 100"},
        {"--number", "-6", "option --number: '-6' is not a whole number from -5 to 100"},
        {"-n", "12abc", "option -n: '12abc' is not a whole number from -5 to 100"},
        {"--number=", NULL, "option --number: '' is not a whole number from -5 to 100"},
        {"--number", "99999999999999999999",
         "option --number: '99999999999999999999' is not a whole number from -5 to 100"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = cases[i].b ? parse(&o, &pos, err, sizeof(err), cases[i].a, cases[i].b, NULL)
                            : parse(&o, &pos, err, sizeof(err), cases[i].a, NULL);
        if (rc != -1 || strcmp(err, cases[i].message) != 0)
            fail_msg("%s %s: rc %d, '%s'", cases[i].a, cases[i].b ? cases[i].b : "", rc, err);
        done(&o, &pos);
    }
    /* the error stops the parse: what follows is not read */
    assert_int_equal(parse(&o, &pos, err, sizeof(err), "--bad", "--flag", NULL), -1);
    assert_false(o.flag);
    done(&o, &pos);
}

static void test_opts_help(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("cmd-help");
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/help.txt", dir);
    FILE *f = fopen(vr_buf_str(&path), "w");
    assert_non_null(f);
    opts o;
    vr_opt t[8];
    table(t, &o);
    vr_opts_help(f, t);
    fclose(f);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(vr_read_file(vr_buf_str(&path), 1 << 16, &text, &len), 0);
    assert_non_null(strstr(text, "  -s, --string TEXT                  a string\n"));
    assert_non_null(strstr(text, "  -x, --flag                         a flag\n"));
    assert_non_null(strstr(text, "      --only-long                    no short name"));
    assert_non_null(strstr(text, "  -o, --other                        \n"));
    free(text);
    vr_buf_free(&path);
    vr_test_rm_rf(dir);
    free(dir);
}

/* vr_cmd_parse: the common options, and the message every command prints on an error. */
static void test_cmd_parse(void **state)
{
    (void)state;
    vr_common_opts c;
    memset(&c, 0, sizeof(c));
    bool own = false;
    const vr_opt t[] = {{"own", 0, VR_OPT_FLAG, &own, NULL, "", 0, 0},
                        VR_OPTS_COMMON(&c),
                        {NULL, 0, 0, NULL, NULL, NULL, 0, 0}};
    char *argv[] = {"plan",          "-f",     "a.yaml", "--file=b",    "--converge-timeout",
                    "86400",         "--own",  "-qvv",   "--probe-map", "10.0.0.1=127.0.0.1:9",
                    "--credentials", "c.yaml", "extra"};
    vr_strlist pos = {0};
    assert_int_equal(vr_cmd_parse("plan", t, (int)(sizeof(argv) / sizeof(argv[0])), argv, &pos, &c),
                     0);
    assert_int_equal(c.files.count, 2);
    assert_string_equal(c.files.items[1], "b");
    assert_int_equal(c.converge_timeout_s, 86400);
    assert_true(own);
    assert_true(c.quiet);
    assert_int_equal(c.verbose, 2);
    assert_int_equal(c.probe_map.count, 1);
    assert_string_equal(c.credentials, "c.yaml");
    assert_int_equal(pos.count, 1);
    vr_cmd_opts_free(&pos, &c);
    assert_int_equal(c.files.count, 0);
    assert_null(c.files.items);

    char *dir = vr_test_tmpdir("cmd-parse");
    char *bad[] = {"drift", "-f", "x", "--converge-timeout", "0"};
    memset(&c, 0, sizeof(c));
    capture cap;
    capture_begin(&cap, dir);
    int rc = vr_cmd_parse("drift", t, 5, bad, &pos, &c);
    char *printed = capture_end(&cap);
    assert_int_equal(rc, -1);
    assert_string_equal(printed, "vni-reconcile drift: option --converge-timeout: '0' is not a "
                                 "whole number from 1 to 86400\n");
    assert_int_equal(c.files.count, 0); /* freed on the error */
    assert_null(c.files.items);
    free(printed);
    vr_test_rm_rf(dir);
    free(dir);
}

/* ---- the credentials file ---- */

/* Parses text as the file at path; on an error, err holds the message. */
static int creds(vr_credentials_file *f, const char *path, const char *text, vr_error *err)
{
    vr_error_clear(err);
    int rc = vr_credentials_file_parse(f, path, text, strlen(text), err);
    if (rc < 0) {
        assert_string_equal(err->code, "credentials.file");
        assert_int_equal(f->count, 0); /* nothing half-read */
        assert_null(f->items);
    }
    return rc;
}

/* Expects text to be refused with exactly this message. */
static void refused(const char *text, const char *message)
{
    vr_credentials_file f;
    vr_error err = VR_ERROR_INIT;
    if (creds(&f, "/etc/vr/creds.yaml", text, &err) != -1) fail_msg("accepted: %s", text);
    if (strcmp(err.message, message) != 0)
        fail_msg("for %s\n  got  %s\n  want %s", text, err.message, message);
}

static void test_credentials_valid(void **state)
{
    (void)state;
    vr_credentials_file f;
    vr_error err = VR_ERROR_INIT;
    const char *text = "# the organizations of the run\n" ORG ":\n"
                       "  clientId: vni-demo\n"
                       "  clientSecretFile: secrets/demo.secret # relative\n" ORG2 ":\n"
                       "  clientSecretFile: /run/secrets/second\n"
                       "  clientId: 'second'\n";
    assert_int_equal(creds(&f, "/etc/vr/creds.yaml", text, &err), 0);
    assert_int_equal(f.count, 2);
    const vr_credentials_entry *e = vr_credentials_file_find(&f, ORG);
    assert_non_null(e);
    assert_string_equal(e->org_id, ORG);
    assert_string_equal(e->client_id, "vni-demo");
    assert_string_equal(e->secret_file, "/etc/vr/secrets/demo.secret"); /* the file's folder */
    assert_int_equal(e->line, 2);
    assert_int_equal(e->column, 1);
    e = vr_credentials_file_find(&f, ORG2);
    assert_non_null(e);
    assert_string_equal(e->client_id, "second");
    assert_string_equal(e->secret_file, "/run/secrets/second"); /* absolute: as written */
    assert_int_equal(e->line, 5);
    assert_null(vr_credentials_file_find(&f, "0f0e0d0c-0b0a-4998-8776-655443322110"));
    assert_null(vr_credentials_file_find(&f, "A1B2C3D4-E5F6-7890-ABCD-EF1234567890"));
    vr_credentials_file_free(&f);
    assert_int_equal(f.count, 0);

    /* a path without a folder: the current one; the flow style */
    assert_int_equal(creds(&f, "creds.yaml", ORG ": {clientId: c, clientSecretFile: s}\n", &err),
                     0);
    assert_string_equal(f.items[0].secret_file, "./s");
    vr_credentials_file_free(&f);

    /* an empty map: no entry, every organization uses the environment */
    assert_int_equal(creds(&f, "creds.yaml", "{}\n", &err), 0);
    assert_int_equal(f.count, 0);
    assert_null(vr_credentials_file_find(&f, ORG));
    vr_credentials_file_free(&f);
}

static void test_credentials_refused(void **state)
{
    (void)state;
    const char *p = "credentials file /etc/vr/creds.yaml:";
    char want[512];
#define REFUSED(text, where_and_why)                                                               \
    do {                                                                                           \
        snprintf(want, sizeof(want), "%s%s", p, where_and_why);                                    \
        refused(text, want);                                                                       \
    } while (0)
    /* an unknown key in an entry, with the key it is close to */
    REFUSED(ORG ":\n  clientId: c\n  clientSecretFile: s\n  comment: x\n",
            "4:3: unknown key 'comment' in organization " ORG);
    REFUSED(ORG ":\n  clientId: c\n  clientSecretFil: s\n",
            "3:3: unknown key 'clientSecretFil' in organization " ORG
            "; did you mean 'clientSecretFile'?");
    /* an organization given twice, or a key twice */
    REFUSED(ORG ":\n  clientId: a\n  clientSecretFile: a\n" ORG2 ": {clientId: b, "
                "clientSecretFile: b}\n" ORG ":\n  clientId: c\n  clientSecretFile: c\n",
            "5:1: organization " ORG " is given twice; first at line 1, column 1");
    REFUSED(ORG ": {clientId: a, clientId: b, clientSecretFile: s}\n",
            "1:53: duplicate key 'clientId' in organization " ORG "; first at line 1, column 40");
    /* a key missing, a value not a string or empty, an entry not a map */
    REFUSED(ORG ":\n  clientId: c\n",
            "1:1: organization " ORG " needs clientId and clientSecretFile (strings)");
    REFUSED(ORG2 ": {clientId: a, clientSecretFile: b}\n" ORG ": text\n",
            "2:1: organization " ORG " needs clientId and clientSecretFile (strings)");
    REFUSED(ORG ":\n", "1:1: organization " ORG " needs clientId and clientSecretFile (strings)");
    REFUSED(ORG ": {clientId: 12345, clientSecretFile: s}\n",
            "1:50: clientId must be a string; '12345' is read as a number: quote it (\"12345\")");
    REFUSED(ORG ": {clientId: [a], clientSecretFile: s}\n",
            "1:50: clientId must be a string, not a sequence");
    REFUSED(ORG ": {clientId: c, clientSecretFile: ''}\n",
            "1:71: clientSecretFile of organization " ORG " is empty");
    /* not a map, no document, two documents */
    REFUSED("- " ORG "\n",
            "1:1: expected a map from organization id to {clientId, clientSecretFile}");
    REFUSED("", "1:1: expected a map from organization id to {clientId, clientSecretFile}");
    REFUSED("# only a comment\n",
            "1:1: expected a map from organization id to {clientId, clientSecretFile}");
    REFUSED(ORG ": {clientId: c, clientSecretFile: s}\n---\n" ORG2 ": {}\n",
            "2:1: only one YAML document per file; give every organization in the first");
    /* YAML the reader refuses everywhere: syntax, anchors and aliases, keys not strings */
    REFUSED(ORG ":\n  clientId: [unclosed\n",
            "3:1: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence "
            "(line 2, column 13)");
    REFUSED(ORG ": &a {clientId: c, clientSecretFile: s}\n",
            "1:39: YAML anchors (&a) are not allowed; write the value out in full");
    REFUSED("? [a]\n: {clientId: c, clientSecretFile: s}\n",
            "1:3: keys in the credentials file must be strings, not a sequence");
#undef REFUSED
}

static void test_credentials_load(void **state)
{
    (void)state;
    char *dir = vr_test_tmpdir("cmd-creds");
    vr_buf path = VR_BUF_INIT;
    vr_buf_printf(&path, "%s/credentials.yaml", dir);
    const char *text = ORG ":\n  clientId: c\n  clientSecretFile: secrets/org.secret\n";
    assert_int_equal(vr_test_write(vr_buf_str(&path), text, strlen(text)), 0);
    vr_credentials_file f;
    vr_error err = VR_ERROR_INIT;
    assert_int_equal(vr_credentials_file_load(&f, vr_buf_str(&path), &err), 0);
    vr_buf want = VR_BUF_INIT;
    vr_buf_printf(&want, "%s/secrets/org.secret", dir);
    assert_string_equal(vr_credentials_file_find(&f, ORG)->secret_file, vr_buf_str(&want));
    vr_credentials_file_free(&f);

    /* errors name the file as given */
    const char *bad = ORG ":\n  clientId: c\n";
    assert_int_equal(vr_test_write(vr_buf_str(&path), bad, strlen(bad)), 0);
    assert_int_equal(vr_credentials_file_load(&f, vr_buf_str(&path), &err), -1);
    vr_buf_reset(&want);
    vr_buf_printf(&want, "credentials file %s:1:1: organization " ORG " needs", vr_buf_str(&path));
    assert_non_null(strstr(err.message, vr_buf_str(&want)));

    vr_error_clear(&err);
    vr_buf_reset(&want);
    vr_buf_printf(&want, "%s/none.yaml", dir);
    assert_int_equal(vr_credentials_file_load(&f, vr_buf_str(&want), &err), -1);
    assert_string_equal(err.code, "credentials.file");
    assert_non_null(strstr(err.message, "none.yaml: cannot read it"));
    assert_int_equal(f.count, 0);
    vr_buf_free(&want);
    vr_buf_free(&path);
    vr_test_rm_rf(dir);
    free(dir);
}

/* ---- --shard ---- */

/* vr_session_set_shard on text: 0 with (I, N) set, or VR_EXIT_ERROR and its message. */
static void shard_text(const char *text, int want_rc, long want_i, long want_n)
{
    vr_common_opts c;
    memset(&c, 0, sizeof(c));
    vr_session s;
    vr_session_init(&s, &c, "drift");
    char *dir = vr_test_tmpdir("cmd-shard");
    capture cap;
    capture_begin(&cap, dir);
    int rc = vr_session_set_shard(&s, text);
    char *printed = capture_end(&cap);
    if (rc != want_rc) fail_msg("--shard '%s': rc %d", text ? text : "(null)", rc);
    if (rc == 0) {
        assert_int_equal(s.shard_index, want_i);
        assert_int_equal(s.shard_count, want_n);
        assert_string_equal(printed, "");
    } else {
        assert_int_equal(s.shard_count, 0);
        char want[256];
        snprintf(want, sizeof(want),
                 "vni-reconcile drift: --shard '%s' is not I/N with 1 <= I <= N (e.g. --shard "
                 "2/4)\n",
                 text ? text : "");
        assert_string_equal(printed, want);
    }
    free(printed);
    vr_test_rm_rf(dir);
    free(dir);
    vr_session_free(&s);
}

static void test_shard_parse(void **state)
{
    (void)state;
    shard_text("1/1", 0, 1, 1);
    shard_text("2/4", 0, 2, 4);
    shard_text("4/4", 0, 4, 4);
    shard_text("10000/10000", 0, 10000, 10000);
    const char *bad[] = {"0/4",
                         "5/4",
                         "3/2",
                         "-1/4",
                         "1/0",
                         "1/10001",
                         "4",
                         "/4",
                         "2/",
                         "a/b",
                         "2/4/8",
                         "2 /4",
                         "",
                         "1/1x",
                         "2.0/4",
                         "1//2",
                         "000000000000000000000000000000001/2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        shard_text(bad[i], VR_EXIT_ERROR, 0, 0);
    shard_text(NULL, VR_EXIT_ERROR, 0, 0);
}

/* Twelve organizations and, for N = 4 and N = 7, the shard each belongs to by the documented
 * rule (1 + the first 8 bytes of SHA-256(id), big-endian, mod N), computed outside the tool
 * (Python's hashlib). */
#define NORGS 12
static const struct {
    const char *id;
    int of4, of7;
} SHARDS[NORGS] = {
    {"01111111-0000-4000-8000-000000000001", 1, 3}, {"02222222-0000-4000-8000-000000000002", 2, 4},
    {"03333333-0000-4000-8000-000000000003", 2, 6}, {"04444444-0000-4000-8000-000000000004", 2, 3},
    {"05555555-0000-4000-8000-000000000005", 1, 6}, {"06666666-0000-4000-8000-000000000006", 2, 6},
    {"07777777-0000-4000-8000-000000000007", 2, 5}, {"08888888-0000-4000-8000-000000000008", 4, 7},
    {"09999999-0000-4000-8000-000000000009", 3, 2}, {"0aaaaaaa-0000-4000-8000-00000000000a", 3, 6},
    {"0bbbbbbb-0000-4000-8000-00000000000b", 1, 6}, {"0ccccccc-0000-4000-8000-00000000000c", 3, 5},
};

typedef struct {
    char *dir;
    vr_common_opts c;
} shard_fixture;

/* One inventory file per organization, in a folder (-f DIR). */
static int shard_setup(void **state)
{
    shard_fixture *fx = vr_xcalloc(1, sizeof(*fx));
    fx->dir = vr_test_tmpdir("cmd-shards");
    for (int k = 0; k < NORGS; k++) {
        vr_buf path = VR_BUF_INIT, text = VR_BUF_INIT;
        vr_buf_printf(&path, "%s/org-%02d.yaml", fx->dir, k);
        vr_buf_printf(&text,
                      "apiVersion: vni-reconcile/v1\nkind: VniInventory\norganization:\n"
                      "  id: %s\ninterfaces:\n  - name: vni-%d\n    localIp: 10.0.%d.1\n"
                      "    remoteIp: 203.0.113.%d\n    subnetCidr: 10.0.%d.0/24\n"
                      "    dnsServers: [8.8.8.8]\n    routingTableId: rt-core\n",
                      SHARDS[k].id, k, k, k + 1, k);
        assert_int_equal(vr_test_write(vr_buf_str(&path), vr_buf_str(&text), text.len), 0);
        vr_buf_free(&path);
        vr_buf_free(&text);
    }
    vr_strlist_push(&fx->c.files, fx->dir);
    fx->c.quiet = true;
    *state = fx;
    return 0;
}

static int shard_teardown(void **state)
{
    shard_fixture *fx = *state;
    vr_strlist_free(&fx->c.files);
    vr_test_rm_rf(fx->dir);
    free(fx->dir);
    free(fx);
    return 0;
}

/* Loads the inventory for shard text (NULL: none); marks in seen[k] how many times
 * organization k was selected; returns how many were. */
static size_t load_shard(shard_fixture *fx, const char *text, int seen[NORGS])
{
    vr_session s;
    vr_session_init(&s, &fx->c, "drift");
    if (text) assert_int_equal(vr_session_set_shard(&s, text), 0);
    assert_int_equal(vr_session_load(&s), 0);
    for (size_t i = 0; i < s.org_count; i++) {
        int found = -1;
        for (int k = 0; k < NORGS; k++)
            if (strcmp(s.orgs[i].org->id, SHARDS[k].id) == 0) found = k;
        assert_true(found >= 0);
        seen[found]++;
    }
    size_t n = s.org_count;
    vr_session_free(&s);
    return n;
}

static void test_shard_selection(void **state)
{
    shard_fixture *fx = *state;
    int seen[NORGS] = {0};
    /* no --shard: every organization */
    assert_int_equal(load_shard(fx, NULL, seen), NORGS);
    for (int k = 0; k < NORGS; k++)
        assert_int_equal(seen[k], 1);

    /* N = 1..7: every organization in exactly one shard (a partition) */
    for (int n = 1; n <= 7; n++) {
        memset(seen, 0, sizeof(seen));
        size_t total = 0;
        for (int i = 1; i <= n; i++) {
            char text[16];
            snprintf(text, sizeof(text), "%d/%d", i, n);
            int mine[NORGS] = {0};
            total += load_shard(fx, text, mine);
            for (int k = 0; k < NORGS; k++) {
                seen[k] += mine[k];
                /* the documented rule */
                if (n == 4 && mine[k]) assert_int_equal(SHARDS[k].of4, i);
                if (n == 7 && mine[k]) assert_int_equal(SHARDS[k].of7, i);
            }
        }
        assert_int_equal(total, NORGS);
        for (int k = 0; k < NORGS; k++)
            assert_int_equal(seen[k], 1);
    }

    /* the same shard twice: the same organizations (stable); one that is empty is no error */
    int a[NORGS] = {0}, b[NORGS] = {0};
    assert_int_equal(load_shard(fx, "3/4", a), 3);
    assert_int_equal(load_shard(fx, "3/4", b), 3);
    assert_memory_equal(a, b, sizeof(a));
    memset(a, 0, sizeof(a));
    assert_int_equal(load_shard(fx, "7/7", a), 1);
    assert_int_equal(a[7], 1);
    memset(a, 0, sizeof(a));
    assert_int_equal(load_shard(fx, "1/7", a), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts_kinds),
        cmocka_unit_test(test_opts_value_forms),
        cmocka_unit_test(test_opts_positionals),
        cmocka_unit_test(test_opts_errors),
        cmocka_unit_test(test_opts_help),
        cmocka_unit_test(test_cmd_parse),
        cmocka_unit_test(test_credentials_valid),
        cmocka_unit_test(test_credentials_refused),
        cmocka_unit_test(test_credentials_load),
        cmocka_unit_test(test_shard_parse),
        cmocka_unit_test_setup_teardown(test_shard_selection, shard_setup, shard_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
