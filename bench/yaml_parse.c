/* yaml_parse: the floor under `validate`'s time for bench/run.sh: libyaml's event parser alone
 * over a file (read as the loader reads it, through a read handler), nothing checked or kept.
 * Prints the event count. Usage: yaml_parse FILE */
#include <stdio.h>
#include <yaml.h>

static int read_file(void *data, unsigned char *buf, size_t size, size_t *size_read)
{
    *size_read = fread(buf, 1, size, (FILE *)data);
    return !ferror((FILE *)data);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: yaml_parse FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    yaml_parser_t p;
    yaml_event_t ev;
    yaml_parser_initialize(&p);
    yaml_parser_set_input(&p, read_file, f);
    long events = 0;
    int done = 0;
    while (!done) {
        if (!yaml_parser_parse(&p, &ev)) {
            fprintf(stderr, "yaml_parse: %s\n", p.problem ? p.problem : "parse error");
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        events++;
    }
    yaml_parser_delete(&p);
    fclose(f);
    printf("%ld events\n", events);
    return done ? 0 : 1;
}
