/*
 * libFuzzer target for the INSEE population-by-age reader
 * (mg_rounds_population_read), commune or IRIS layout, read through a memfd
 * against a small territory built once. Beyond the sanitizers it checks
 * that a failure comes with a message and leaves the result empty, and that
 * a success gives, for every public of every commune with a row, a finite
 * non-negative figure, and NaN exactly where the commune has no row.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "rounds/population.h"
#include "territory/territory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char communes_json[] =
    "[{\"code\":\"11069\",\"nom\":\"Carcassonne\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":46000},\n"
    "{\"code\":\"11304\",\"nom\":\"Quillan\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":3000,\"anciensCodes\":[\"11050\"]},\n"
    "{\"code\":\"11050\",\"nom\":\"Brenac\",\"departement\":\"11\",\"type\":\"commune-deleguee\",\"chefLieu\":\"11304\"},\n"
    "{\"code\":\"2A004\",\"nom\":\"Ajaccio\",\"departement\":\"2A\",\"type\":\"commune-actuelle\",\"population\":70000}]\n";

static mg_territory *territory(void)
{
    static mg_territory *t;
    if (!t) {
        char path[64];
        int fd = to_memfd("communes.json", communes_json, strlen(communes_json), path, sizeof path);
        mg_report rep = {0};
        mg_diag d = {{0}};
        check(fd >= 0 && mg_import_cog(&t, path, NULL, &rep, &d) == 0);
        mg_report_free(&rep);
        close(fd);
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mg_territory *t = territory();
    char path[64];
    int fd = to_memfd("population.csv", data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    mg_rounds_population pop;
    mg_report rep = {0};
    mg_diag d = {{0}};
    int rc = mg_rounds_population_read(t, path, &pop, &rep, &d);
    if (rc) {
        check(d.msg[0] != 0);
        check(pop.present == NULL && pop.n == 0);
    } else {
        check(pop.n == t->n && pop.rows >= 1 && pop.year >= 2000 && pop.year <= 2099);
        for (size_t i = 0; i < t->n; i++)
            for (int k = 0; k < MG_PUBLIC_COUNT; k++) {
                mg_rounds_target_source src;
                double v = mg_rounds_population_target(&pop, t, (mg_rounds_public)k, i, &src);
                if (pop.present[i])
                    check(src == MG_TARGET_FROM_FILE && v >= 0 && !isinf(v));
                else
                    check(src == MG_TARGET_NOT_IN_FILE && isnan(v));
            }
        mg_rounds_population_free(&pop);
    }
    mg_report_free(&rep);
    close(fd);
    return 0;
}
