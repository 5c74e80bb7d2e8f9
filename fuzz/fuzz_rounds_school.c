/*
 * libFuzzer target for the ministry's school calendar reader
 * (mg_school_read), through a memfd. Beyond the sanitizers it checks that a
 * failure comes with a message and leaves the calendar empty, and that on
 * success every period's days are real calendar days, the last at most two
 * days before the first (a period that starts and ends on one day holds no
 * day), and the query answers true on the first day of a pupils' period of
 * its own zone, naming a period.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "rounds/school.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = to_memfd("calendrier.csv", data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    mg_school_calendar cal;
    mg_diag d = {{0}};
    int rc = mg_school_read(path, &cal, &d);
    if (rc) {
        check(d.msg[0] != 0);
        check(cal.n == 0 && cal.h == NULL);
    } else {
        check(cal.n >= 1);
        for (size_t k = 0; k < cal.n; k++) {
            const mg_school_holiday *h = &cal.h[k];
            check(mg_date_valid(h->first.year, h->first.month, h->first.day));
            check(mg_date_valid(h->last.year, h->last.month, h->last.day));
            long f = mg_school_days(h->first), l = mg_school_days(h->last);
            check(l >= f - 2);
            check(h->zone[0] != 0 && h->description && h->school_year && h->academie);
            if (!h->teachers && l >= f) {
                const char *desc = NULL;
                check(mg_school_is_holiday(&cal, h->zone, h->first, &desc));
                check(desc != NULL);
            }
        }
        mg_school_free(&cal);
    }
    close(fd);
    return 0;
}
