/*
 * The exact rounds and the LP bound (src/rounds/exact.c, bound.c): CBC's
 * optimum equals a brute force written here from rounds.h's rules alone
 * (every order of every set of stops per route, every combination of
 * routes), the plan passes mg_rounds_check, the bound is never below the
 * optimum nor below the heuristic's plan, and the limits hold (too many
 * stops or routes, a tiny time limit never gives a wrong plan).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "rounds/rounds.h"
#include "testutil.h"

#define MAXS 16

static uint32_t rnd(uint64_t *s, uint32_t n)
{
    return (uint32_t)(rng_next(s) % n);
}

/* A random vehicle day of about `len` minutes, with a break half the time. */
static mg_rounds_vehicle random_vehicle(uint64_t *s, size_t nbases, int32_t len)
{
    mg_rounds_vehicle v = {.base = rnd(s, (uint32_t)nbases), .weekdays = 1};
    v.day_start = 450 + (int32_t)rnd(s, 60);
    v.day_end = v.day_start + len;
    if (rnd(s, 2)) {
        v.break_minutes = 20 + (int32_t)rnd(s, 25);
        v.break_earliest = v.day_start + 40 + (int32_t)rnd(s, 60);
        v.break_latest = v.break_earliest + (int32_t)rnd(s, 50);
        if (v.break_latest + v.break_minutes > v.day_end)
            v.break_latest = v.day_end - v.break_minutes;
        if (v.break_earliest > v.break_latest)
            v.break_earliest = v.break_latest;
    }
    if (rnd(s, 3) == 0)
        v.max_drive = 60 + (int32_t)rnd(s, 60);
    return v;
}

/* A random instance: nstops stops, 3 to 8 units, 1 or 2 bases, travel
 * minutes 5 to 40 (asymmetric, no triangle inequality, some missing roads).
 * `shape` chooses how the routes arise: 0 one vehicle per route on one day,
 * 1 one vehicle with `nroutes` days, 2 one vehicle on one day over a cycle of
 * `nroutes` weeks. */
static void random_instance(mg_rounds_problem *p, uint64_t *s, size_t nstops, size_t nroutes,
                            int shape, int32_t len)
{
    *p = (mg_rounds_problem){0};
    p->nstops = nstops;
    p->nbases = 1 + rnd(s, 2);
    p->nunits = 3 + rnd(s, 6);
    size_t nn = p->nstops + p->nbases;
    p->weight = mg_alloc_array(p->nunits, sizeof *p->weight);
    p->service = mg_alloc_array(nstops, sizeof *p->service);
    p->cstart = mg_alloc_array(nstops + 1, sizeof *p->cstart);
    p->cunit = mg_alloc_array(nstops * 3 + 1, sizeof *p->cunit);
    p->travel = mg_alloc_array(nn * nn, sizeof *p->travel);
    assert_non_null(p->weight);
    assert_non_null(p->service);
    assert_non_null(p->cstart);
    assert_non_null(p->cunit);
    assert_non_null(p->travel);
    for (size_t u = 0; u < p->nunits; u++)
        p->weight[u] = rnd(s, 5) == 0 ? 0 : 1 + 99 * rng_unit(s);
    for (size_t i = 0; i < nstops; i++) {
        p->service[i] = 20 + (int32_t)rnd(s, 41);
        p->cstart[i + 1] = p->cstart[i];
        size_t k = rnd(s, 4);
        for (size_t j = 0; j < k; j++) {
            uint32_t u = rnd(s, (uint32_t)p->nunits);
            bool dup = false;
            for (size_t q = p->cstart[i]; q < p->cstart[i + 1]; q++)
                dup |= p->cunit[q] == u;
            if (!dup)
                p->cunit[p->cstart[i + 1]++] = u;
        }
    }
    for (size_t a = 0; a < nn; a++)
        for (size_t b = 0; b < nn; b++)
            p->travel[a * nn + b] = a == b ? 0
                                    : rnd(s, 25) == 0 ? INT32_MAX
                                                      : 5 + (int32_t)rnd(s, 36);
    p->cycle_weeks = 1;
    if (shape == 0) {
        p->nvehicles = nroutes;
    } else {
        p->nvehicles = 1;
    }
    p->vehicles = mg_alloc_array(p->nvehicles, sizeof *p->vehicles);
    assert_non_null(p->vehicles);
    for (size_t v = 0; v < p->nvehicles; v++)
        p->vehicles[v] = random_vehicle(s, p->nbases, len);
    if (shape == 0 && nroutes > 1 && rnd(s, 2))
        p->vehicles[1] = p->vehicles[0]; /* two vehicles of one type */
    if (shape == 1)
        p->vehicles[0].weekdays = (uint8_t)((1u << nroutes) - 1);
    if (shape == 2)
        p->cycle_weeks = (int)nroutes;
    if (rnd(s, 4) == 0) {
        p->forced = mg_alloc_array(nstops, 1);
        assert_non_null(p->forced);
        p->forced[rnd(s, (uint32_t)nstops)] = 1;
    }
    if (rnd(s, 4) == 0) {
        p->excluded = mg_alloc_array(nstops, 1);
        assert_non_null(p->excluded);
        size_t x = rnd(s, (uint32_t)nstops);
        if (!p->forced || !p->forced[x])
            p->excluded[x] = 1;
    }
}

/* rounds.h's rules for one order, written independently of schedule.c:
 * leave at day_start, no waiting; the break after some visit j whose
 * break-free departure D_j is <= break_latest, starting at max(D_j,
 * break_earliest) and delaying the return by its length plus that wait. */
static bool bf_feasible(const mg_rounds_problem *p, const mg_rounds_vehicle *v,
                        const uint8_t *order, size_t k, int64_t *prefix_t)
{
    size_t nn = p->nstops + p->nbases, prev = p->nstops + v->base;
    int64_t t = v->day_start, drive = 0, dep[MAXS];
    for (size_t j = 0; j < k; j++) {
        int32_t tt = p->travel[prev * nn + order[j]];
        if (tt == INT32_MAX) {
            *prefix_t = INT64_MAX;
            return false;
        }
        t += tt + p->service[order[j]];
        drive += tt;
        dep[j] = t;
        prev = order[j];
    }
    *prefix_t = t;
    int32_t back = p->travel[prev * nn + p->nstops + v->base];
    if (back == INT32_MAX)
        return false;
    t += back;
    drive += back;
    if (v->max_drive > 0 && drive > v->max_drive)
        return false;
    if (k > 0 && v->break_minutes > 0) {
        int64_t wait = INT64_MAX;
        for (size_t j = 0; j < k; j++)
            if (dep[j] <= v->break_latest) {
                int64_t w = dep[j] < v->break_earliest ? v->break_earliest - dep[j] : 0;
                if (w < wait)
                    wait = w;
            }
        if (wait == INT64_MAX)
            return false;
        t += v->break_minutes + wait;
    }
    return t <= v->day_end;
}

/* Depth-first over orders; marks feasible[mask]. Also checks that
 * mg_rounds_schedule agrees on every order tried. */
static void bf_orders(const mg_rounds_problem *p, size_t vi, uint8_t *order, size_t k,
                      uint32_t mask, uint8_t *feasible)
{
    const mg_rounds_vehicle *v = &p->vehicles[vi];
    int64_t t;
    bool ok = bf_feasible(p, v, order, k, &t);
    if (k > 0) {
        mg_rounds_visit vis[MAXS];
        mg_rounds_route r = {.vehicle = (uint32_t)vi, .n = k, .visits = vis};
        for (uint32_t day = 0; day < 7; day++)
            if ((v->weekdays >> day) & 1u) {
                r.weekday = day;
                break;
            }
        for (size_t j = 0; j < k; j++)
            vis[j] = (mg_rounds_visit){.stop = order[j]};
        if (mg_rounds_schedule(p, &r) != ok)
            fail_msg("vehicle %zu, %zu stops: the brute force says %d, mg_rounds_schedule %d",
                     vi, k, ok, !ok);
    }
    if (ok)
        feasible[mask] = 1;
    if (t > v->day_end)
        return; /* times only grow along an order */
    for (size_t s = 0; s < p->nstops; s++) {
        if (((mask >> s) & 1u) || (p->excluded && p->excluded[s]))
            continue;
        order[k] = (uint8_t)s;
        bf_orders(p, vi, order, k + 1, mask | (1u << s), feasible);
    }
}

/* The best gain over every combination of one feasible set per route;
 * -1 when no combination serves every forced stop. */
static double brute_force(const mg_rounds_problem *p)
{
    size_t n = p->nstops;
    assert_true(n <= 10);
    uint32_t reach[16] = {0};
    assert_true(p->nunits <= 16);
    for (size_t s = 0; s < n; s++)
        for (size_t q = p->cstart[s]; q < p->cstart[s + 1]; q++)
            reach[p->cunit[q]] |= 1u << s;
    uint32_t forced = 0;
    for (size_t s = 0; p->forced && s < n; s++)
        if (p->forced[s])
            forced |= 1u << s;
    /* The routes' feasible sets. */
    uint32_t *sets[3] = {0};
    size_t nsets[3] = {0}, nr = 0;
    uint8_t *feasible = calloc((size_t)1 << n, 1);
    assert_non_null(feasible);
    for (size_t v = 0; v < p->nvehicles; v++) {
        memset(feasible, 0, (size_t)1 << n);
        uint8_t order[MAXS];
        bf_orders(p, v, order, 0, 0, feasible);
        feasible[0] = 1;
        for (int w = 0; w < p->cycle_weeks; w++)
            for (int day = 0; day < 7; day++) {
                if (!((p->vehicles[v].weekdays >> day) & 1u))
                    continue;
                assert_true(nr < 3);
                sets[nr] = calloc((size_t)1 << n, sizeof **sets);
                assert_non_null(sets[nr]);
                for (uint32_t m = 0; m < (1u << n); m++)
                    if (feasible[m])
                        sets[nr][nsets[nr]++] = m;
                nr++;
            }
    }
    free(feasible);
    for (size_t r = nr; r < 3; r++) {
        sets[r] = calloc(1, sizeof **sets);
        assert_non_null(sets[r]);
        nsets[r] = 1; /* the empty set only */
    }
    double best = -1;
    for (size_t a = 0; a < nsets[0]; a++)
        for (size_t b = 0; b < nsets[1]; b++)
            for (size_t c = 0; c < nsets[2]; c++) {
                uint32_t m0 = sets[0][a], m1 = sets[1][b], m2 = sets[2][c];
                if ((forced & (m0 | m1 | m2)) != forced)
                    continue;
                double g = 0;
                for (size_t u = 0; u < p->nunits; u++) {
                    int visits = __builtin_popcount(m0 & reach[u]) +
                                 __builtin_popcount(m1 & reach[u]) +
                                 __builtin_popcount(m2 & reach[u]);
                    double f = (double)visits / p->cycle_weeks;
                    g += p->weight[u] * (f < 1 ? f : 1);
                }
                if (g > best)
                    best = g;
            }
    for (size_t r = 0; r < 3; r++)
        free(sets[r]);
    return best;
}

static void test_exact_vs_brute_force(void **state)
{
    (void)state;
    uint64_t seed = 20261206;
    int optimal = 0, refused = 0;
    int heuristic_ran = 0, heuristic_refused = 0;
    double gap_sum = 0, lp_sum = 0;
    for (int trial = 0; trial < 90; trial++) {
        size_t nroutes = 1 + (size_t)trial % 3;
        int shape = nroutes == 1 ? 0 : (trial / 3) % 3;
        size_t nstops = nroutes == 3 ? 5 + rnd(&seed, 3) : 6 + rnd(&seed, 5);
        int32_t len = 150 + (int32_t)rnd(&seed, 150);
        mg_rounds_problem p;
        random_instance(&p, &seed, nstops, nroutes, shape, len);
        double opt = brute_force(&p);
        mg_rounds_exact_opts o = {.time_limit = 30, .memory_mb = 1024};
        mg_rounds_exact_result r;
        mg_diag d = {{0}};
        int rc = mg_rounds_exact(&p, &o, &r, &d);
        if (opt < 0) {
            /* No combination serves the forced stop. */
            if (rc != MG_EINVAL)
                fail_msg("trial %d: forced stop unservable, exact returned %d (%s)", trial, rc,
                         d.msg);
            assert_msg_has(d, "forced");
            refused++;
            mg_rounds_exact_result_free(&r);
            mg_rounds_problem_free(&p);
            continue;
        }
        if (rc)
            fail_msg("trial %d: exact: %s", trial, d.msg);
        if (r.status != MG_ROUNDS_OPTIMAL)
            fail_msg("trial %d: status %s", trial, mg_rounds_exact_status_name(r.status));
        double tol = 1e-6 * (1 + opt);
        if (fabs(r.sol.value - opt) > tol)
            fail_msg("trial %d (%zu stops, %zu routes, shape %d): exact %.9g, brute force %.9g",
                     trial, nstops, nroutes, shape, r.sol.value, opt);
        assert_close(mg_rounds_value(&p, &r.sol), opt, tol);
        if (mg_rounds_check(&p, &r.sol, &d))
            fail_msg("trial %d: plan rejected: %s", trial, d.msg);
        assert_true(r.bound >= opt - tol);
        double lp;
        if (mg_rounds_bound(&p, &o, &lp, &d))
            fail_msg("trial %d: bound: %s", trial, d.msg);
        if (!(lp >= opt - tol))
            fail_msg("trial %d: LP bound %.9g below the optimum %.9g", trial, lp, opt);
        /* The heuristic never beats the optimum nor the bound. */
        mg_rounds_heuristic_opts ho = {.time_limit = 1, .seed = (uint64_t)trial};
        mg_rounds_solution h;
        mg_diag hd = {{0}};
        if (mg_rounds_heuristic(&p, &ho, &h, &hd)) {
            /* The heuristic places forced stops one by one and may miss a
             * plan that serves them (the exact model found one). */
            if (!p.forced)
                fail_msg("trial %d: heuristic: %s", trial, hd.msg);
            heuristic_refused++;
        } else {
            if (!(h.value <= opt + tol) || !(h.value <= lp + tol))
                fail_msg("trial %d: heuristic %.9g above the optimum %.9g or bound %.9g", trial,
                         h.value, opt, lp);
            gap_sum += opt > 0 ? (opt - h.value) / opt : 0;
            heuristic_ran++;
        }
        lp_sum += opt > 0 ? (lp - opt) / opt : 0;
        mg_rounds_solution_free(&h);
        optimal++;
        mg_rounds_exact_result_free(&r);
        mg_rounds_problem_free(&p);
    }
    /* The instances must exercise both outcomes and mostly the first. */
    assert_true(optimal >= 60);
    print_message("%d instances optimal and equal to brute force, %d refused (forced stop); "
                  "heuristic's mean gap %.2f %% (%d refused a forced stop), LP bound's mean "
                  "excess %.1f %%\n",
                  optimal, refused, 100 * gap_sum / (heuristic_ran ? heuristic_ran : 1),
                  heuristic_refused, 100 * lp_sum / optimal);
}

/* A day long enough for every set of `n` stops: the enumeration is full. */
static void wide_instance(mg_rounds_problem *p, size_t n, size_t nvehicles)
{
    *p = (mg_rounds_problem){0};
    p->nstops = n;
    p->nbases = nvehicles;
    p->nvehicles = nvehicles;
    p->nunits = n;
    size_t nn = n + p->nbases;
    p->weight = mg_alloc_array(n, sizeof *p->weight);
    p->service = mg_alloc_array(n, sizeof *p->service);
    p->cstart = mg_alloc_array(n + 1, sizeof *p->cstart);
    p->cunit = mg_alloc_array(n, sizeof *p->cunit);
    p->travel = mg_alloc_array(nn * nn, sizeof *p->travel);
    p->vehicles = mg_alloc_array(nvehicles, sizeof *p->vehicles);
    assert_true(p->weight && p->service && p->cstart && p->cunit && p->travel && p->vehicles);
    for (size_t s = 0; s < n; s++) {
        p->weight[s] = 1 + (double)s;
        p->service[s] = 5 + (int32_t)(s % 3);
        p->cunit[s] = (uint32_t)s;
        p->cstart[s + 1] = s + 1;
    }
    for (size_t a = 0; a < nn; a++)
        for (size_t b = 0; b < nn; b++)
            p->travel[a * nn + b] = a == b ? 0 : 1 + (int32_t)((a * 7 + b * 3) % 5);
    for (size_t v = 0; v < nvehicles; v++)
        p->vehicles[v] = (mg_rounds_vehicle){.base = (uint32_t)v, .weekdays = 0x1f,
                                             .day_start = 0, .day_end = 1440};
    p->cycle_weeks = 1;
}

static void test_limits(void **state)
{
    (void)state;
    mg_rounds_problem p;
    mg_rounds_exact_result r;
    mg_rounds_exact_opts o = {.time_limit = 10, .memory_mb = 1024};
    mg_diag d = {{0}};
    /* One stop past the maximum. */
    wide_instance(&p, MG_ROUNDS_EXACT_MAX_STOPS + 1, 1);
    assert_int_equal(mg_rounds_exact(&p, &o, &r, &d), MG_ELIMIT);
    assert_msg_has(d, "at most 16");
    mg_rounds_problem_free(&p);
    /* No time to solve at all. */
    wide_instance(&p, 4, 1);
    o.time_limit = 0;
    mg_diag_clear(&d);
    assert_int_equal(mg_rounds_exact(&p, &o, &r, &d), MG_EINVAL);
    assert_msg_has(d, "time limit");
    double b;
    assert_int_equal(mg_rounds_bound(&p, &o, &b, &d), MG_EINVAL);
    mg_rounds_problem_free(&p);
    /* 16 stops that any day serves in any order, four route types (four
     * bases): 4 × 65,535 feasible routes, past the column cap. */
    wide_instance(&p, 16, 4);
    o.time_limit = 10;
    mg_diag_clear(&d);
    assert_int_equal(mg_rounds_exact(&p, &o, &r, &d), MG_ELIMIT);
    assert_msg_has(d, "too large");
    mg_rounds_problem_free(&p);
}

/* Vehicles of the same type share their routes' columns. */
static void test_types(void **state)
{
    (void)state;
    mg_rounds_problem p;
    mg_rounds_exact_result r1, r2;
    mg_rounds_exact_opts o = {.time_limit = 30, .memory_mb = 1024};
    mg_diag d = {{0}};
    wide_instance(&p, 8, 2);
    p.vehicles[1].base = 0; /* the same type as vehicle 0 */
    assert_int_equal(mg_rounds_exact(&p, &o, &r2, &d), 0);
    p.nvehicles = 1;
    assert_int_equal(mg_rounds_exact(&p, &o, &r1, &d), 0);
    assert_int_equal(r1.columns, 255);
    assert_int_equal(r2.columns, r1.columns);
    /* Every stop fits in one day: the optimum serves them all. */
    assert_close(r1.sol.value, 36, 1e-9);
    assert_int_equal(r1.status, MG_ROUNDS_OPTIMAL);
    mg_rounds_exact_result_free(&r1);
    mg_rounds_exact_result_free(&r2);
    mg_rounds_problem_free(&p);
}

/* A tiny time limit on a 16-stop instance gives the optimum or a plan that
 * passes the checker, is no better than the optimum and whose bound is no
 * lower than it. */
static void test_time_limit(void **state)
{
    (void)state;
    uint64_t seed = 77;
    mg_rounds_problem p;
    random_instance(&p, &seed, 16, 3, 0, 420);
    free(p.forced);
    p.forced = NULL;
    mg_rounds_exact_opts o = {.time_limit = 60, .memory_mb = 2048};
    mg_rounds_exact_result full, quick;
    mg_diag d = {{0}};
    if (mg_rounds_exact(&p, &o, &full, &d))
        fail_msg("exact: %s", d.msg);
    assert_int_equal(full.status, MG_ROUNDS_OPTIMAL);
    assert_true(full.columns > 100);
    o.time_limit = 0.01;
    if (mg_rounds_exact(&p, &o, &quick, &d))
        fail_msg("exact, 0.01 s: %s", d.msg);
    print_message("16 stops, %zu routes: optimum %.3f; after 0.01 s %s, %.3f, bound %.3f\n",
                  full.columns, full.sol.value, mg_rounds_exact_status_name(quick.status),
                  quick.sol.value, quick.bound);
    assert_true(quick.status == MG_ROUNDS_OPTIMAL || quick.status == MG_ROUNDS_TIME_LIMIT);
    if (mg_rounds_check(&p, &quick.sol, &d))
        fail_msg("plan after 0.01 s rejected: %s", d.msg);
    double tol = 1e-6 * (1 + full.sol.value);
    assert_true(quick.sol.value <= full.sol.value + tol);
    assert_true(quick.bound >= full.sol.value - tol);
    if (quick.status == MG_ROUNDS_OPTIMAL)
        assert_close(quick.sol.value, full.sol.value, tol);
    double lp;
    o.time_limit = 10;
    assert_int_equal(mg_rounds_bound(&p, &o, &lp, &d), 0);
    assert_true(lp >= full.sol.value - tol);
    mg_rounds_exact_result_free(&full);
    mg_rounds_exact_result_free(&quick);
    mg_rounds_problem_free(&p);
}

/* The LP bound on instances too large for the exact model: never below the
 * heuristic's plan; and on hand instances, exactly what it must be. */
static void test_bound(void **state)
{
    (void)state;
    mg_rounds_exact_opts o = {.time_limit = 30, .memory_mb = 1024};
    mg_diag d = {{0}};
    uint64_t seed = 4242;
    for (int trial = 0; trial < 6; trial++) {
        mg_rounds_problem p;
        random_instance(&p, &seed, 30 + (size_t)trial * 10, 3, trial % 3, 360);
        double lp;
        if (mg_rounds_bound(&p, &o, &lp, &d))
            fail_msg("trial %d: bound: %s", trial, d.msg);
        mg_rounds_heuristic_opts ho = {.time_limit = 1, .seed = 1};
        mg_rounds_solution h;
        if (mg_rounds_heuristic(&p, &ho, &h, &d))
            fail_msg("trial %d: heuristic: %s", trial, d.msg);
        if (!(h.value <= lp + 1e-6 * (1 + lp)))
            fail_msg("trial %d: heuristic %.9g above the bound %.9g", trial, h.value, lp);
        mg_rounds_solution_free(&h);
        mg_rounds_problem_free(&p);
    }
    /* Eight stops that one day serves together: every weight (1 + … + 8). */
    mg_rounds_problem p;
    double lp;
    wide_instance(&p, 8, 1);
    assert_int_equal(mg_rounds_bound(&p, &o, &lp, &d), 0);
    assert_close(lp, 36, 1e-6);
    /* A day too short to reach any stop and come back: nothing. */
    p.vehicles[0].day_end = 3;
    assert_int_equal(mg_rounds_bound(&p, &o, &lp, &d), 0);
    assert_close(lp, 0, 1e-9);
    /* Stop 7 excluded: its weight 8 goes. */
    p.vehicles[0].day_end = 1440;
    p.excluded = mg_alloc_array(8, 1);
    assert_non_null(p.excluded);
    p.excluded[7] = 1;
    assert_int_equal(mg_rounds_bound(&p, &o, &lp, &d), 0);
    assert_close(lp, 28, 1e-6);
    mg_rounds_problem_free(&p);
}

/* A solver that runs out of memory is a failure, never a plan. (The LP
 * of the bound is small enough to fit in the heap the child inherits, so
 * the same limit does not reliably make it fail.) */
static void test_memory_limit(void **state)
{
    (void)state;
    uint64_t seed = 77;
    mg_rounds_problem p;
    random_instance(&p, &seed, 16, 3, 0, 420);
    mg_rounds_exact_opts o = {.time_limit = 20, .memory_mb = 1};
    mg_rounds_exact_result r;
    mg_diag d = {{0}};
    assert_int_equal(mg_rounds_exact(&p, &o, &r, &d), 0);
    assert_int_equal(r.status, MG_ROUNDS_FAILED);
    assert_int_equal(r.sol.nroutes, 0);
    mg_rounds_exact_result_free(&r);
    mg_rounds_problem_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_vs_brute_force),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_time_limit),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_memory_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
