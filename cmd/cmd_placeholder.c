/* TEMPORARY during bring-up: commands not yet written. Whoever adds cmd_<name>.c deletes its
 * NOT_YET line here; the file goes when the last one does. */
#include "cmd.h"
#include <stdio.h>
#define NOT_YET(fn)                                                                                \
    int fn(int argc, char **argv)                                                                  \
    {                                                                                              \
        (void)argc;                                                                                \
        fprintf(stderr, "vni-reconcile %s: not implemented yet\n", argv[0]);                       \
        return VR_EXIT_ERROR;                                                                      \
    }
