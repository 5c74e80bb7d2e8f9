/*
 * libFuzzer target for the small readers of rounds/store.h that forms and
 * the command line use: a time of the day (mg_round_parse_hhmm) and a set
 * of weekdays (mg_round_parse_weekdays). Beyond the sanitizers it checks
 * that an accepted time is within 0..1440 and comes back from
 * mg_round_format_hhmm unchanged (minutes below 1440), and that an
 * accepted set is not empty, within the seven days, and reads back the
 * same from mg_round_format_weekdays.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "rounds/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256)
        return 0;
    char s[257];
    memcpy(s, data, size);
    s[size] = '\0';
    int m = -1;
    if (mg_round_parse_hhmm(s, &m) == 0) {
        check(m >= 0 && m <= 1440);
        if (m < 1440) {
            char out[6];
            mg_round_format_hhmm(m, out);
            int back = -1;
            check(mg_round_parse_hhmm(out, &back) == 0 && back == m);
        }
    }
    uint8_t w = 0;
    if (mg_round_parse_weekdays(s, &w) == 0) {
        check(w != 0 && w < 128);
        char out[28];
        mg_round_format_weekdays(w, out);
        uint8_t back = 0;
        check(mg_round_parse_weekdays(out, &back) == 0 && back == w);
    }
    return 0;
}
