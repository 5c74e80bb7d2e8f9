/*
 * Whole of France at commune level: building the sparse travel-time table
 * within the APL catchment, and one full APL pass.
 *
 * This machine is shared and noisy, so every figure is printed with a ratio
 * to a baseline measured in the same run:
 *  - the indexed pair table against the straightforward all-pairs build
 *    (every pair of communes tested, the same model and result);
 *  - the APL pass against one plain sweep over the same table (the memory
 *    traffic floor of any pass over it).
 * Usage: bench_france FRANCE_DIR [REPEATS] [--no-allpairs]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_france_inputs.h"
#include "bench_util.h"
#include "access/access.h"
#include "core/alloc.h"
#include "io/reader.h"
#include "territory/territory.h"
#include "traveltime/pairs.h"

static int die(const char *what, int rc, const mg_diag *d)
{
    fprintf(stderr, "bench_france: %s: %s\n", what, d->msg[0] ? d->msg : mg_strerror(rc));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_france FRANCE_DIR [REPEATS] [--no-allpairs]\n");
        return 2;
    }
    int repeats = argc > 2 && argv[2][0] != '-' ? (int)bench_arg_number("REPEATS", argv[2], 1, 1000) : 5;
    if (repeats < 1 || repeats > 1000)
        repeats = 5;
    int allpairs = !(argc > 2 && strcmp(argv[argc - 1], "--no-allpairs") == 0);
    mg_diag d = {{0}};
    int rc;
    france_inputs fr;
    if (france_inputs_load(argv[1], "bench_france", &fr))
        return 1;
    mg_territory *t = fr.t;
    size_t n = t->n;
    double *demand = fr.demand, *supply = fr.supply;
    double *apl = mg_alloc_array(n, sizeof *apl), *ratio = mg_alloc_array(n, sizeof *ratio);
    printf("France: %zu communes (%zu with a point), imported in %.2f s\n", n, fr.with_point,
           fr.seconds);

    mg_crowfly m = {MG_CROWFLY_DEFAULT_DETOUR, MG_CROWFLY_DEFAULT_SPEED};
    double catchment = 20;
    double *times = malloc((size_t)repeats * sizeof *times);
    mg_pairs p = {0};
    for (int r = 0; r < repeats; r++) {
        mg_pairs_free(&p);
        double s = bench_now();
        if ((rc = mg_pairs_crowfly(t->lat, t->lon, NULL, n, &m, catchment, &p, &d)))
            return die("pairs", rc, &d);
        times[r] = bench_now() - s;
    }
    double grid = bench_median(times, repeats);
    size_t bytes = p.npairs * (sizeof *p.to + sizeof *p.minutes) + (n + 1) * sizeof *p.start;
    printf("pair table (grid index): %zu pairs within %.0f min, median %.3f s over %d runs, "
           "%.1f M pairs/s, %.1f MiB\n",
           p.npairs, catchment, grid, repeats, (double)p.npairs / grid / 1e6,
           (double)bytes / 1048576.0);

    if (allpairs) {
        mg_pairs q;
        double s = bench_now();
        if ((rc = mg_pairs_crowfly_allpairs(t->lat, t->lon, NULL, n, &m, catchment, &q, &d)))
            return die("all pairs", rc, &d);
        double naive = bench_now() - s;
        int same = q.npairs == p.npairs &&
                   memcmp(q.start, p.start, (n + 1) * sizeof *p.start) == 0 &&
                   memcmp(q.to, p.to, p.npairs * sizeof *p.to) == 0;
        printf("pair table (all pairs): %.3f s, %.1f M pairs tested/s; same table: %s\n", naive,
               (double)n * (double)n / naive / 1e6, same ? "yes" : "NO");
        printf("ratio all-pairs / grid: %.1fx\n", naive / grid);
        mg_pairs_free(&q);
    }

    /* One APL pass: weights from times, then the two steps. */
    mg_measure_spec apl_spec;
    if ((rc = mg_measure_lookup("apl", catchment, &apl_spec, &d)))
        return die("measure", rc, &d);
    double *w = mg_alloc_array(p.npairs, sizeof *w);
    int reps = repeats * 4;
    double *full = malloc((size_t)reps * sizeof *full), *kern = malloc((size_t)reps * sizeof *kern),
           *sweep = malloc((size_t)reps * sizeof *sweep);
    volatile double sink = 0;
    for (int r = 0; r < reps; r++) {
        double s = bench_now();
        if ((rc = mg_access_compute(&p, supply, demand, &apl_spec, apl, &d)))
            return die("apl", rc, &d);
        full[r] = bench_now() - s;
        mg_access_weights(&p, &apl_spec.decay, w);
        s = bench_now();
        mg_access_two_step(&p, w, w, supply, demand, ratio, apl);
        kern[r] = bench_now() - s;
        s = bench_now();
        double acc = 0;
        for (size_t k = 0; k < p.npairs; k++)
            acc += w[k] * (double)p.to[k];
        sink += acc;
        sweep[r] = bench_now() - s;
    }
    double tf = bench_median(full, reps), tk = bench_median(kern, reps), ts = bench_median(sweep, reps);
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += apl[i] * demand[i];
        den += demand[i];
    }
    printf("APL pass (weights + two steps): median %.2f ms over %d runs\n", tf * 1e3, reps);
    printf("APL two steps on precomputed weights: median %.2f ms\n", tk * 1e3);
    printf("one sweep of the table (baseline): median %.2f ms\n", ts * 1e3);
    printf("ratio APL pass / sweep: %.1fx; two steps / sweep: %.1fx\n", tf / ts, tk / ts);
    printf("national population-weighted mean APL: %.3f\n", num / den);
    printf("peak memory (RSS): %ld MiB\n", bench_peak_rss_mib());
    (void)sink;
    free(w);
    free(full);
    free(kern);
    free(sweep);
    free(times);
    mg_pairs_free(&p);
    free(apl);
    free(ratio);
    france_inputs_free(&fr);
    return 0;
}
