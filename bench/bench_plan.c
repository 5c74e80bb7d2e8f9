/*
 * Planning: where new resources help most.
 *
 * This machine is shared and noisy, so every time is printed with a ratio
 * to a baseline measured in the same run:
 *  - whole of France (~35,000 candidate communes, every commune a unit):
 *    choosing 10 telemedicine cabins against the deficit below 2.5 by lazy
 *    greedy, against the naive greedy that re-evaluates every candidate at
 *    every step (same answer, checked), then the interchange improvement;
 *  - the Aude (433 communes): the heuristic (lazy greedy + interchange)
 *    against CBC solving the exact model to proven optimality (or its time
 *    limit) in a child process: objective values, CBC's bound, the gap of
 *    the heuristic to the bound, times and their ratio.
 * Usage: bench_plan FRANCE_DIR AUDE_BUNDLE [REPEATS] [CBC_SECONDS]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_france_inputs.h"
#include "bench_util.h"
#include "access/access.h"
#include "core/alloc.h"
#include "io/reader.h"
#include "plan/plan.h"
#include "territory/territory.h"
#include "traveltime/pairs.h"

static int die(const char *what, int rc, const mg_diag *d)
{
    fprintf(stderr, "bench_plan: %s: %s\n", what, d->msg[0] ? d->msg : mg_strerror(rc));
    return 1;
}

/* Median time of a greedy variant over `repeats` runs; the last answer in *out. */
static int time_greedy(const mg_plan_problem *p, bool lazy, bool interchange, int repeats,
                       mg_plan_solution *out, double *seconds, mg_diag *d)
{
    double *t = malloc((size_t)repeats * sizeof *t);
    if (!t)
        return MG_ENOMEM;
    mg_plan_greedy_opts o = {.lazy = lazy, .interchange = interchange};
    *out = (mg_plan_solution){0};
    for (int r = 0; r < repeats; r++) {
        mg_plan_solution_free(out);
        double s = bench_now();
        int rc = mg_plan_greedy(p, &o, out, d);
        t[r] = bench_now() - s;
        if (rc) {
            free(t);
            return rc;
        }
    }
    *seconds = bench_median(t, repeats);
    free(t);
    return MG_OK;
}

static int france(const char *dir, int repeats)
{
    mg_diag d = {{0}};
    int rc;
    double t0 = bench_now();
    france_inputs fr;
    if (france_inputs_load(dir, "bench_plan", &fr))
        return 1;
    mg_territory *t = fr.t;
    size_t n = t->n;
    double *demand = fr.demand, *supply = fr.supply;
    double *apl = mg_alloc_array(n, sizeof *apl), *seen = mg_alloc_array(n, sizeof *seen);
    uint8_t *all = mg_alloc_array(n, 1);
    for (size_t i = 0; i < n; i++)
        all[i] = isfinite(t->lat[i]);
    mg_crowfly m = {MG_CROWFLY_DEFAULT_DETOUR, MG_CROWFLY_DEFAULT_SPEED, 0};
    mg_pairs pairs = {0};
    mg_measure_spec spec;
    if ((rc = mg_pairs_crowfly(t->lat, t->lon, NULL, n, &m, 20, &pairs, &d)) ||
        (rc = mg_measure_lookup("apl", 20, &spec, &d)) ||
        (rc = mg_access_compute(&pairs, supply, demand, &spec, apl, &d)))
        return die("apl", rc, &d);
    double *w = mg_alloc_array(pairs.npairs, sizeof *w);
    mg_access_weights(&pairs, &spec.decay, w);
    for (size_t i = 0; i < n; i++)
        for (size_t k = pairs.start[i]; k < pairs.start[i + 1]; k++)
            seen[pairs.to[k]] += w[k] * demand[i];
    static const struct {
        enum mg_resource kind;
        const char *label;
        double capacity;
    } cases[] = {
        /* The documented defaults: 20 h × 3 × 47 × 0.7 acts; 3 GPs. */
        {MG_RES_CABIN, "telemedicine cabins", 20 * 3 * 47 * 0.7},
        {MG_RES_CENTRE, "health centres (3 GPs)", 3 * 4265.0},
    };
    for (size_t cs = 0; cs < sizeof cases / sizeof *cases; cs++) {
    mg_plan_problem p = {.objective = MG_PLAN_DEFICIT, .threshold = 2.5, .budget = INFINITY,
                         .nkinds = 1};
    p.kinds[0] = (mg_plan_kind){.proto = mg_action_defaults(cases[cs].kind),
                                .capacity = cases[cs].capacity,
                                .cost = mg_plan_default_cost(cases[cs].kind), .max_count = 10};
    double b0 = bench_now();
    if ((rc = mg_plan_problem_from_table(&p, &pairs, w, demand, seen, apl, supply, all, all,
                                         t->lat, t->lon, 1, 20, &d)))
        return die("problem", rc, &d);
    double build = bench_now() - b0;
    if (cs == 0)
        printf("France: %zu communes, %zu candidates, %zu candidate-commune pairs; inputs and APL "
               "in %.2f s, planning problem built in %.3f s\n",
               n, p.ncand, p.cstart[p.ncand], b0 - t0, build);
    mg_plan_solution lazy, naive, full;
    double tl, tn, tf;
    if ((rc = time_greedy(&p, true, false, repeats, &lazy, &tl, &d)) ||
        (rc = time_greedy(&p, false, false, 1, &naive, &tn, &d)) ||
        (rc = time_greedy(&p, true, true, repeats, &full, &tf, &d)))
        return die("greedy", rc, &d);
    int same = lazy.n == naive.n &&
               memcmp(lazy.items, naive.items, lazy.n * sizeof *lazy.items) == 0;
    mg_plan_totals tot;
    if ((rc = mg_plan_explain(&p, full.items, full.n, &tot, NULL, NULL)))
        return die("explain", rc, &d);
    printf("choose 10 %s against the deficit below 2.5 (deficit before %.1f):\n",
           cases[cs].label, tot.deficit_before);
    printf("  lazy greedy: %.2f ms (median of %d), gain %.3f\n", tl * 1e3, repeats, lazy.value);
    printf("  naive greedy: %.2f ms, gain %.3f; same sites: %s\n", tn * 1e3, naive.value,
           same ? "yes" : "no (ties within rounding)");
    printf("  ratio naive / lazy: %.1fx\n", tn / tl);
    printf("  lazy greedy + interchange: %.2f ms (median of %d), gain %.3f (%+.4f %%); "
           "population below 2.5: %.0f -> %.0f\n",
           tf * 1e3, repeats, full.value, 100 * (full.value - lazy.value) / lazy.value,
           tot.below_before, tot.below_after);
    printf("  sites:");
    for (size_t k = 0; k < full.n; k++)
        printf(" %s", t->code[p.cand_commune[full.items[k].cand]]);
    printf("\n");
    mg_plan_solution_free(&lazy);
    mg_plan_solution_free(&naive);
    mg_plan_solution_free(&full);
    mg_plan_problem_free(&p);
    }
    mg_pairs_free(&pairs);
    free(w);
    free(apl);
    free(seen);
    free(all);
    france_inputs_free(&fr);
    return 0;
}

typedef struct aude_case {
    const char *label;
    enum mg_plan_objective objective;
    enum mg_resource kinds[2];
    size_t counts[2];
    size_t nkinds;
    double min_km;
} aude_case;

static int aude(const char *france_dir, const char *bundle, int repeats, double cbc_seconds)
{
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = bundle;
    o.france = france_dir;
    mg_diagnosis *g;
    mg_scenario_engine *e;
    mg_diag d = {{0}};
    int rc;
    if ((rc = mg_diagnosis_load(&g, &o, NULL, NULL, &d)) ||
        (rc = mg_scenario_engine_new(&e, g, &d)))
        return die("Aude", rc, &d);
    static const aude_case cases[] = {
        {"1 cabin + 2 carts, deficit", MG_PLAN_DEFICIT, {MG_RES_CABIN, MG_RES_CART}, {1, 2}, 2, 0},
        {"10 carts, deficit", MG_PLAN_DEFICIT, {MG_RES_CART}, {10}, 1, 0},
        {"5 health centres, lifted", MG_PLAN_LIFTED, {MG_RES_CENTRE}, {5}, 1, 0},
        {"5 mobile stops, coverage 10 min, 15 km apart", MG_PLAN_COVERAGE, {MG_RES_MOBILE}, {5}, 1, 15},
        {"5 GPs, p-median", MG_PLAN_PMEDIAN, {MG_RES_GP}, {5}, 1, 0},
    };
    printf("Aude: %zu communes\n", g->study_n);
    printf("%-46s %12s %12s %12s %8s %10s %10s %9s %s\n", "case", "heuristic", "CBC", "CBC bound",
           "gap %", "heur. ms", "CBC s", "ratio", "status");
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const aude_case *k = &cases[c];
        mg_plan_problem s = {.objective = k->objective, .threshold = 2.5, .coverage_minutes = 10,
                             .budget = INFINITY, .min_km = k->min_km, .nkinds = k->nkinds};
        for (size_t j = 0; j < k->nkinds; j++) {
            if ((rc = mg_plan_kind_init(&s.kinds[j], k->kinds[j], g, &d)))
                return die("kind", rc, &d);
            s.kinds[j].max_count = k->counts[j];
        }
        mg_plan_problem p;
        mg_plan_candidates cand = {.rule = "all"};
        if ((rc = mg_plan_problem_build(&p, g, e, &cand, &s, &d)))
            return die("problem", rc, &d);
        mg_plan_solution h;
        double th;
        if ((rc = time_greedy(&p, true, true, repeats * 20, &h, &th, &d)))
            return die("greedy", rc, &d);
        mg_plan_exact_opts eo = {.time_limit = cbc_seconds, .memory_mb = 8192};
        mg_plan_exact_result x;
        if ((rc = mg_plan_exact(&p, &eo, &x, &d)))
            return die("exact", rc, &d);
        double gap = x.bound > 0 ? (x.bound - h.value) / x.bound : 0;
        if (fabs(gap) < 1e-9)
            gap = 0;
        printf("%-46s %12.3f %12.3f %12.3f %8.4f %10.3f %10.3f %8.0fx %s\n", k->label, h.value,
               x.sol.value, x.bound, 100 * gap, th * 1e3, x.seconds, x.seconds / th,
               mg_plan_exact_status_name(x.status));
        mg_plan_solution_free(&h);
        mg_plan_exact_result_free(&x);
        mg_plan_problem_free(&p);
    }
    mg_scenario_engine_free(e);
    mg_diagnosis_free(g);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_plan FRANCE_DIR AUDE_BUNDLE [REPEATS] [CBC_SECONDS]\n");
        return 2;
    }
    int repeats = argc > 3 ? (int)bench_arg_number("REPEATS", argv[3], 1, 1000) : 5;
    if (repeats < 1 || repeats > 1000)
        repeats = 5;
    double cbc = argc > 4 ? bench_arg_number("CBC_SECONDS", argv[4], 1, 86400) : 300;
    if (!(cbc > 0 && cbc <= 86400))
        cbc = 300;
    if (france(argv[1], repeats))
        return 1;
    return aude(argv[1], argv[2], repeats, cbc);
}
