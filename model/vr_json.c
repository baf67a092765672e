/* vr_json: numbers out of parsed JSON, range-checked before any conversion. */
#include "vr_json.h"

#include <math.h>

int vr_json_integer(const cJSON *v, long long min, long long max, long long *out)
{
    if (!cJSON_IsNumber(v)) return -1;
    if (min < -VR_JSON_INT_LIMIT) min = -VR_JSON_INT_LIMIT;
    if (max > VR_JSON_INT_LIMIT) max = VR_JSON_INT_LIMIT;
    double d = v->valuedouble;
    /* written so that NaN fails too; both bounds are exact doubles */
    if (!(d >= (double)min && d <= (double)max) || d != floor(d)) return -1;
    *out = (long long)d;
    return 0;
}
