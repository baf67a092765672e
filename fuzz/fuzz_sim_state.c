/* fuzz_sim_state: vni-sim's state file (--state FILE, docs/simulator.md) as sim_main loads
 * it: organizations and clients (sim_state_load), then its "faults". A state it accepts is
 * written out as --save would and loaded again: that must succeed. */
#include "harness.h"
#include "sim_state.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
    if (!doc) return 0;
    sim_state s = {0};
    sim_rng rng;
    sim_rng_seed(&rng, 1);
    char err[512];
    if (sim_state_load(&s, doc, &rng, err, sizeof(err)) == 0) {
        sim_faults f;
        sim_faults_default(&f);
        const cJSON *jf = cJSON_GetObjectItemCaseSensitive(doc, "faults");
        if (jf) sim_faults_apply_json(&f, jf, NULL, NULL, err, sizeof(err));
        cJSON *saved = sim_state_to_json(&s, true);
        sim_state again = {0};
        fz_check(sim_state_load(&again, saved, &rng, err, sizeof(err)) == 0,
                 "a saved state does not load");
        sim_state_free(&again);
        cJSON_Delete(saved);
        sim_state_free(&s);
    }
    cJSON_Delete(doc);
    return 0;
}
