/*
 * libFuzzer target for the current-rounds reader (mg_round_current_read,
 * rounds/current.h), `;` or `,` separated, through a memfd. Beyond the
 * sanitizers it checks that a failure comes with a message and leaves the
 * rows empty, and that every row read has a vehicle and a stop name, a
 * week 0..3, a day 0..6, a five-character commune code and an arrival
 * before its departure within the day.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "rounds/current.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = to_memfd("tournees.csv", data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    mg_round_current cur;
    mg_diag d = {{0}};
    int rc = mg_round_current_read(path, &cur, &d);
    if (rc) {
        check(d.msg[0] != 0);
        check(cur.n == 0 && cur.rows == NULL);
    } else {
        check(cur.n >= 1 && cur.n <= MG_ROUND_CURRENT_MAX_ROWS);
        for (size_t k = 0; k < cur.n; k++) {
            const mg_round_current_row *r = &cur.rows[k];
            check(r->vehicle[0] != 0 && r->stop[0] != 0);
            check(r->week >= 0 && r->week <= 3 && r->weekday >= 0 && r->weekday <= 6);
            check(strlen(r->commune) == 5);
            check(r->arrive >= 0 && r->arrive < r->depart && r->depart <= 1440);
            check(r->line >= 2);
        }
        mg_round_current_free(&cur);
    }
    close(fd);
    return 0;
}
