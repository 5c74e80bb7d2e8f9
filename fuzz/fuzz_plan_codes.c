/*
 * libFuzzer target for the planning candidates file (mg_plan_read_codes):
 * one commune code per line or CSV lines, read through a memfd against a
 * small territory built once. Beyond the sanitizers it checks that a
 * failure comes with a message and leaves the marks alone, and that a
 * success marks at least one commune.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "plan/plan.h"
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
    int fd = to_memfd("codes.csv", data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    uint8_t mark[8] = {0};
    mg_diag d = {{0}};
    int rc = mg_plan_read_codes(t, path, mark, &d);
    size_t marked = 0;
    for (size_t i = 0; i < t->n; i++)
        marked += mark[i];
    if (rc)
        check(d.msg[0] != 0);
    else
        check(marked >= 1);
    close(fd);
    return 0;
}
