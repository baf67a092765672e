/* fuzz_audit_line: audit log lines as the recovery of held records reads them back (a spool
 * file or the log itself after a kill: report/vr_audit vr_audit_line_parse). One line per
 * input line. */
#include "harness.h"
#include "vr_audit.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        vr_audit_line_info info;
        if (vr_audit_line_parse(p, (size_t)(stop - p), &info) == 0) {
            fz_check(memchr(info.event_id, '\0', sizeof info.event_id) &&
                         memchr(info.timestamp, '\0', sizeof info.timestamp),
                     "an unterminated field");
            fz_check(vr_audit_action_name(info.action) != NULL, "an action without a name");
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}
