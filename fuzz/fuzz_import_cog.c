/*
 * libFuzzer target for the communes.json / epci.json importer
 * (mg_import_cog). The input is communes.json, optionally followed by a line
 * "@@EPCI@@" and epci.json. The importer reads paths, so each part is written
 * to a memfd and passed as /proc/self/fd/N. Beyond the sanitizers it checks
 * the importer's promises: a failure comes with a message and no territory;
 * a success gives a territory whose current codes are valid, unique and
 * found at their own index, whose every lookup lands on a current commune,
 * and whose per-commune arrays are initialised as documented.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "territory/codemap.h"
#include "fuzz_util.h"
#include "territory/territory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a crash libFuzzer records, when a promise is broken. */

/* Writes the bytes to a new memfd; its path goes to path. Returns the fd,
 * or -1 (the input is then skipped). */

static void check_territory(const mg_territory *t, const mg_report *rep)
{
    check(t->n >= 1 && t->n <= 200000);
    for (size_t i = 0; i < t->n; i++) {
        check(mg_code_valid(t->code[i], strlen(t->code[i])));
        check(mg_territory_find(t, t->code[i]) == (long)i);
        check(mg_territory_find_current(t, t->code[i]) == (long)i);
        check(t->name[i] != NULL);
        size_t dl = strlen(t->dep[i]);
        check(dl >= 2 && dl <= 3);
        check(t->population[i] >= 0 && isfinite(t->population[i]));
        check(isnan(t->lat[i]) && isnan(t->lon[i]) && isnan(t->pop_std[i]));
        check(t->point_src[i] == MG_POINT_NONE && t->in_study[i] == 0);
        check(t->epci[i] >= -1 && t->epci[i] < (int32_t)t->nepci);
    }
    for (size_t e = 0; e < t->nepci; e++) {
        check(strlen(t->epci_code[e]) == 9);
        check(t->epci_name[e] != NULL);
    }
    check(t->shapes.npoly == 0);
    /* Every code of the form 1100x maps to a current commune or nowhere. */
    char code[6];
    for (unsigned v = 0; v < 100; v++) {
        snprintf(code, sizeof code, "110%02u", v);
        long i = mg_territory_find(t, code);
        check(i >= -1 && i < (long)t->n);
    }
    check(rep->kept <= rep->count && rep->kept <= MG_REPORT_KEEP);
    for (size_t k = 0; k < rep->kept; k++)
        check(rep->msg[k] != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n@@EPCI@@\n";
    const uint8_t *epci = memmem(data, size, sep, sizeof sep - 1);
    size_t csize = epci ? (size_t)(epci - data) : size;
    char cpath[64], epath[64];
    int cfd = to_memfd("communes.json", data, csize, cpath, sizeof cpath);
    if (cfd < 0)
        return 0;
    int efd = -1;
    if (epci) {
        const uint8_t *e = epci + sizeof sep - 1;
        efd = to_memfd("epci.json", e, size - (size_t)(e - data), epath, sizeof epath);
        if (efd < 0) {
            close(cfd);
            return 0;
        }
    }
    mg_territory *t = NULL;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_cog(&t, cpath, efd >= 0 ? epath : NULL, &rep, &d);
    if (rc != MG_OK) {
        check(rc < 0 && t == NULL && d.msg[0] != '\0');
    } else {
        check(t != NULL);
        check_territory(t, &rep);
    }
    mg_territory_free(t);
    mg_report_free(&rep);
    close(cfd);
    if (efd >= 0)
        close(efd);
    return 0;
}
