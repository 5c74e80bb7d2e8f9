/*
 * Rounds of a mobile service (issue 18): 400 candidate stops, 3 vehicles,
 * 5 days (bench/README.md, "Rounds").
 *
 * The instance is the Aude of data/demo: its inhabited communes are the
 * demand units, weighted by population with half as much again where our
 * APL to GPs is under 2.5; the 400 most populous are the candidate stops,
 * each reaching the communes within 10 minutes; three vehicles leave
 * Carcassonne, Narbonne and Castelnaudary, Monday to Friday, 8:30 to
 * 17:00, 45 minutes of break starting between 12:00 and 13:30, at most 4 h
 * of driving, 90 minutes at each stop; minutes between places from the
 * crow-fly model (rounded up).
 *
 * Printed: the heuristic (time limit 4 s, REPEATS seeds: median seconds,
 * values), each plan checked by mg_rounds_check; the LP bound and its
 * time; the gap of the best plan to the bound; a reference computation
 * measured in the same run (10,000,000 routes of 4 random stops scheduled
 * by mg_rounds_schedule) and the heuristic's time as a ratio to it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "core/alloc.h"
#include "diagnosis/diagnosis.h"
#include "geo/geo.h"
#include "rounds/rounds.h"
#include "territory/territory.h"

#define NSTOPS 400
#define REACH_MINUTES 10.0

static int die(const char *what, int rc, const mg_diag *d)
{
    fprintf(stderr, "bench_rounds: %s: %s\n", what, d->msg[0] ? d->msg : mg_strerror(rc));
    return 1;
}

static const double *g_pop;
static int by_population(const void *a, const void *b)
{
    double x = g_pop[*(const size_t *)a], y = g_pop[*(const size_t *)b];
    return (x < y) - (x > y);
}

static double minutes(const mg_crowfly *m, const mg_territory *t, size_t a, size_t b)
{
    if (a == b)
        return 0;
    double km = mg_geo_distance_km(t->lat[a], t->lon[a], t->lat[b], t->lon[b]);
    return m->access_min + km * m->detour / m->speed_kmh * 60;
}

/* The Aude's rounds problem (see the file's comment). */
static int build(const mg_diagnosis *g, mg_rounds_problem *p, mg_diag *d)
{
    const mg_territory *t = g->t;
    const mg_crowfly *cf = &g->opts.crowfly;
    size_t *units = mg_alloc_array(g->study_n, sizeof *units), nu = 0;
    if (!units)
        return MG_ENOMEM;
    for (size_t i = 0; i < g->study_n; i++) {
        size_t c = g->study[i];
        if (isfinite(t->lat[c]) && t->population[c] > 0)
            units[nu++] = c;
    }
    if (nu < NSTOPS) {
        free(units);
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%zu inhabited communes, need %d", nu,
                           NSTOPS);
    }
    /* Stops: the NSTOPS most populous (ties by code order, qsort is not
     * stable but the order only names the stops). */
    size_t *stops = mg_alloc_array(nu, sizeof *stops);
    if (!stops) {
        free(units);
        return MG_ENOMEM;
    }
    memcpy(stops, units, nu * sizeof *stops);
    g_pop = t->population;
    qsort(stops, nu, sizeof *stops, by_population);
    static const char *const base_codes[3] = {"11069", "11262", "11076"};
    size_t bases[3];
    for (int b = 0; b < 3; b++) {
        long at = mg_territory_find(t, base_codes[b]);
        if (at < 0) {
            free(units);
            free(stops);
            return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "base commune %s", base_codes[b]);
        }
        bases[b] = (size_t)at;
    }
    *p = (mg_rounds_problem){.nunits = nu, .nstops = NSTOPS, .nbases = 3, .nvehicles = 3,
                             .cycle_weeks = 1};
    size_t nn = NSTOPS + 3;
    p->weight = mg_alloc_array(nu, sizeof *p->weight);
    p->service = mg_alloc_array(NSTOPS, sizeof *p->service);
    p->cstart = mg_alloc_array(NSTOPS + 1, sizeof *p->cstart);
    p->cunit = mg_alloc_array((size_t)NSTOPS * nu, sizeof *p->cunit);
    p->travel = mg_alloc_array(nn * nn, sizeof *p->travel);
    p->vehicles = mg_alloc_array(3, sizeof *p->vehicles);
    if (!p->weight || !p->service || !p->cstart || !p->cunit || !p->travel || !p->vehicles) {
        free(units);
        free(stops);
        return MG_ENOMEM;
    }
    for (size_t u = 0; u < nu; u++) {
        double apl = g->apl ? g->apl[units[u]] : NAN;
        p->weight[u] = t->population[units[u]] * (apl < 2.5 ? 1.5 : 1.0);
    }
    for (size_t s = 0; s < NSTOPS; s++) {
        p->service[s] = 90;
        p->cstart[s + 1] = p->cstart[s];
        for (size_t u = 0; u < nu; u++)
            if (minutes(cf, t, stops[s], units[u]) <= REACH_MINUTES)
                p->cunit[p->cstart[s + 1]++] = (uint32_t)u;
    }
    for (size_t a = 0; a < nn; a++)
        for (size_t b = 0; b < nn; b++) {
            size_t ca = a < NSTOPS ? stops[a] : bases[a - NSTOPS];
            size_t cb = b < NSTOPS ? stops[b] : bases[b - NSTOPS];
            p->travel[a * nn + b] = (int32_t)ceil(minutes(cf, t, ca, cb) - 1e-9);
        }
    for (uint32_t v = 0; v < 3; v++)
        p->vehicles[v] = (mg_rounds_vehicle){.base = v, .weekdays = 0x1f, .day_start = 510,
                                             .day_end = 1020, .break_minutes = 45,
                                             .break_earliest = 720, .break_latest = 810,
                                             .max_drive = 240};
    free(units);
    free(stops);
    return mg_rounds_problem_check(p, d);
}

/* The reference computation: scheduling ten million random 4-stop routes. */
static double reference(const mg_rounds_problem *p, long *feasible)
{
    uint64_t x = 88172645463325252ull;
    mg_rounds_visit vis[4];
    mg_rounds_route r = {.n = 4, .visits = vis};
    double t0 = bench_now();
    *feasible = 0;
    for (long k = 0; k < 10000000; k++) {
        for (int j = 0; j < 4; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            vis[j].stop = (uint32_t)(x % p->nstops);
        }
        r.vehicle = (uint32_t)(k % 3);
        r.weekday = (uint32_t)(k % 5);
        *feasible += mg_rounds_schedule(p, &r);
    }
    return bench_now() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_rounds FRANCE_DIR AUDE_BUNDLE [REPEATS] [HEURISTIC_SECONDS]\n");
        return 2;
    }
    int repeats = argc > 3 ? (int)bench_arg_number("REPEATS", argv[3], 1, 100) : 3;
    double limit = argc > 4 ? bench_arg_number("HEURISTIC_SECONDS", argv[4], 0.1, 3600) : 4;
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = argv[2];
    o.france = argv[1];
    mg_diagnosis *g;
    mg_diag d = {{0}};
    int rc;
    double t0 = bench_now();
    if ((rc = mg_diagnosis_load(&g, &o, NULL, NULL, &d)))
        return die("Aude", rc, &d);
    mg_rounds_problem p;
    if ((rc = build(g, &p, &d)))
        return die("problem", rc, &d);
    double total = 0;
    for (size_t u = 0; u < p.nunits; u++)
        total += p.weight[u];
    printf("Aude: %zu units (weight %.0f), %zu stops reaching %.1f units on average, 3 vehicles "
           "x 5 days; built in %.2f s\n",
           p.nunits, total, p.nstops, (double)p.cstart[p.nstops] / (double)p.nstops,
           bench_now() - t0);
    long feas;
    double ref = reference(&p, &feas);
    printf("reference: 10,000,000 random 4-stop routes scheduled in %.3f s (%ld feasible)\n", ref,
           feas);
    double *secs = malloc((size_t)repeats * sizeof *secs);
    if (!secs)
        return 1;
    double best = -1, worst = INFINITY;
    size_t visits = 0;
    for (int r = 0; r < repeats; r++) {
        mg_rounds_heuristic_opts ho = {.time_limit = limit, .seed = (uint64_t)r + 1};
        mg_rounds_solution s;
        double s0 = bench_now();
        if ((rc = mg_rounds_heuristic(&p, &ho, &s, &d)))
            return die("heuristic", rc, &d);
        secs[r] = bench_now() - s0;
        if ((rc = mg_rounds_check(&p, &s, &d)))
            return die("check", rc, &d);
        size_t nv = 0;
        long drive = 0;
        for (size_t k = 0; k < s.nroutes; k++) {
            nv += s.routes[k].n;
            drive += s.routes[k].drive;
        }
        printf("heuristic, seed %d: %.3f s, value %.1f (%.1f %% of all weight), %zu visits in "
               "%zu routes, %.1f min of driving per visit\n",
               r + 1, secs[r], s.value, 100 * s.value / total, nv, s.nroutes,
               nv ? (double)drive / (double)nv : 0);
        if (s.value > best) {
            best = s.value;
            visits = nv;
        }
        if (s.value < worst)
            worst = s.value;
        mg_rounds_solution_free(&s);
    }
    double med = bench_median(secs, repeats);
    mg_rounds_exact_opts bo = {.time_limit = 120, .memory_mb = 4096};
    double bound, b0 = bench_now();
    if ((rc = mg_rounds_bound(&p, &bo, &bound, &d)))
        return die("bound", rc, &d);
    double bsec = bench_now() - b0;
    printf("LP bound: %.1f in %.3f s\n", bound, bsec);
    printf("heuristic: median %.3f s over %d seeds (limit %.1f s), best %.1f (%zu visits), "
           "worst %.1f\n",
           med, repeats, limit, best, visits, worst);
    printf("gap of the best plan to the bound: %.2f %%; of the worst: %.2f %%\n",
           100 * (bound - best) / bound, 100 * (bound - worst) / bound);
    printf("ratio heuristic / reference: %.1fx; bound / reference: %.1fx\n", med / ref,
           bsec / ref);
    printf("peak memory: %ld MiB\n", bench_peak_rss_mib());
    free(secs);
    mg_rounds_problem_free(&p);
    mg_diagnosis_free(g);
    return med <= 5 ? 0 : 1;
}
