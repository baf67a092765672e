/* fuzz_inventory: the inventory loader (desired/vr_inventory, libyaml events) and the
 * inventory-wide checks (desired/vr_checks) on one YAML file, and the formatting of every
 * diagnostic they report. */
#include "harness.h"
#include "vr_checks.h"
#include "vr_inventory.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_file(data, size);
    vr_inventory inv;
    memset(&inv, 0, sizeof(inv));
    vr_diags diags = VR_DIAGS_INIT;
    int rc = vr_inventory_load(&inv, &path, 1, &diags);
    vr_inventory_check(&inv, &diags);
    vr_diags_sort(&diags);
    for (size_t i = 0; i < diags.count; i++)
        free(vr_diag_format(&diags.items[i]));
    fz_check(rc == 0 || diags.errors > 0, "the loader failed without reporting an error");
    vr_diags_free(&diags);
    vr_inventory_free(&inv);
    return 0;
}
