/* replay_main: a fuzz target without libFuzzer. Links with one fuzz/fuzz_*.c (gcc, with or
 * without ASan/UBSan) and feeds it every file named on the command line once; a folder stands
 * for the files in it (sorted, dot files skipped, not recursive). `make check` replays each
 * target's corpus (fixtures/fuzz/<target>/) this way, so an input that once crashed stays
 * fixed. Prints each file before feeding it, then "replayed N inputs". Exit 0; 1 when an input
 * cannot be read or none was given (a gate that ran nothing must fail); a crash or a sanitizer
 * report ends the process abnormally. */
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *data = malloc(cap);
    size_t n;
    while (data && (n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) data = realloc(data, cap *= 2);
    }
    int bad = ferror(f) || !data;
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read it\n", path);
        free(data);
        return -1;
    }
    printf("replay %s (%zu bytes)\n", path, len);
    fflush(stdout);
    /* an exact-size copy, so that ASan sees a read past the input's end */
    uint8_t *exact = malloc(len ? len : 1);
    if (len) memcpy(exact, data, len);
    free(data);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int dot_filter(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            rc = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) < 0) rc = 1;
            count++;
            continue;
        }
        struct dirent **list;
        int n = scandir(argv[i], &list, dot_filter, alphasort);
        if (n < 0) {
            perror(argv[i]);
            rc = 1;
            continue;
        }
        for (int k = 0; k < n; k++) {
            size_t plen = strlen(argv[i]) + strlen(list[k]->d_name) + 2;
            char *path = malloc(plen);
            snprintf(path, plen, "%s/%s", argv[i], list[k]->d_name);
            if (run_file(path) < 0) rc = 1;
            count++;
            free(path);
            free(list[k]);
        }
        free(list);
    }
    printf("replayed %zu inputs\n", count);
    if (count == 0) {
        fprintf(stderr, "replay: no input given\n");
        rc = 1;
    }
    return rc;
}
