/*
 * The whole of France as bench_france and bench_plan use it: the bundled
 * communes (COG) with their La Poste points, GP heads from the BPE (D201)
 * turned into supply at 4,265 acts per GP, and the population as demand.
 */
#ifndef MG_BENCH_FRANCE_INPUTS_H
#define MG_BENCH_FRANCE_INPUTS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "core/alloc.h"
#include "io/reader.h"
#include "territory/territory.h"

typedef struct france_inputs {
    mg_territory *t;
    double *supply, *demand; /* t->n each */
    size_t with_point;       /* communes with a point */
    double seconds;          /* time to import */
} france_inputs;

static inline void france_inputs_free(france_inputs *f)
{
    mg_territory_free(f->t);
    free(f->supply);
    free(f->demand);
    *f = (france_inputs){0};
}

/* Loads the France files of `dir`; on failure prints why and returns nonzero. */
static inline int france_inputs_load(const char *dir, const char *prog, france_inputs *f)
{
    *f = (france_inputs){0};
    mg_diag d = {{0}};
    mg_report rep = {0};
    char *communes = NULL, *laposte = NULL, *bpe = NULL;
    double *heads = NULL, lost;
    double t0 = bench_now();
    int rc = mg_find_data_file(&communes, dir, "communes.json", &d);
    if (!rc)
        rc = mg_find_data_file(&laposte, dir, "laposte_hexasmal_2020.csv", &d);
    if (!rc)
        rc = mg_find_data_file(&bpe, dir, "bpe19_ensemble_sante.csv", &d);
    if (!rc)
        rc = mg_import_cog(&f->t, communes, NULL, &rep, &d);
    if (!rc)
        rc = mg_import_laposte(f->t, laposte, &rep, &d);
    if (!rc) {
        size_t n = f->t->n;
        heads = mg_alloc_array(n, sizeof *heads);
        f->supply = mg_alloc_array(n, sizeof *f->supply);
        f->demand = mg_alloc_array(n, sizeof *f->demand);
        rc = heads && f->supply && f->demand
                 ? mg_import_bpe(f->t, bpe, "D201", heads, &lost, &rep, &d)
                 : mg_diag_set(&d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (!rc) {
        for (size_t i = 0; i < f->t->n; i++) {
            f->supply[i] = heads[i] * 4265.0;
            f->demand[i] = f->t->population[i];
            f->with_point += isfinite(f->t->lat[i]);
        }
        f->seconds = bench_now() - t0;
    }
    free(heads), free(communes), free(laposte), free(bpe);
    mg_report_free(&rep);
    if (rc) {
        fprintf(stderr, "%s: France inputs: %s\n", prog, d.msg[0] ? d.msg : mg_strerror(rc));
        france_inputs_free(f);
    }
    return rc;
}

#endif
