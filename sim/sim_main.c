/* TEMPORARY placeholder: vni-sim's entry point is being written. */
#include <stdio.h>
int main(void)
{
    fputs("vni-sim: not implemented yet\n", stderr);
    return 1;
}
