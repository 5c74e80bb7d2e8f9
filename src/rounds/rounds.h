/**
 * @file rounds.h
 * Rounds of a mobile service (issue 18): which stops a vehicle serves, on
 * which days and in which order, so that the people the service is for
 * reach a stop within a short time.
 *
 * The problem is kept in a flat form that knows nothing of territories or
 * databases (src/rounds/build.c fills it from a service, its territory and
 * its travel times):
 *  - demand units (communes) with a weight w_u: the target people of the
 *    unit, times (1 + extra) where the diagnosis finds it under-served;
 *  - candidate stops, each with its time on site and the units within the
 *    service's reach (X minutes) of it;
 *  - nodes = the stops then the bases, with a full matrix of driving
 *    minutes between nodes (whole minutes, rounded up by the builder, so
 *    that all times below are integers and feasibility is exact);
 *  - vehicles, each with its base and its crew's day.
 *
 * A route is one vehicle on one working day of the cycle (cycle_weeks
 * weeks; the same weekly pattern of working days each week): it leaves
 * its base at day_start at the earliest, drives to its stops in order,
 * stays service minutes at each, takes one break of break_minutes starting
 * within [break_earliest, break_latest] after the service of one of its
 * stops (waiting for break_earliest if it is early), and is back at its
 * base by day_end, with at most max_drive minutes of driving. No waiting
 * other than for the break: arrivals are the earliest possible. A route
 * visits a stop at most once; a stop may be served by several routes.
 *
 * Objective (a gain to maximise): Σ_u w_u · min(1, F_u), where F_u is the
 * number of visits per week of the stops that reach u (a stop served once
 * in a cycle of two weeks counts 0.5). A unit reached once a week or more
 * counts fully; monotone and submodular in the visits.
 *
 * Methods: mg_rounds_heuristic (selection and insertion, then local
 * search: 2-opt, relocate, exchange, add/drop); mg_rounds_exact (every
 * feasible route enumerated, then a set-packing model solved by CBC; for
 * small instances); mg_rounds_bound (an LP relaxation solved by CBC that
 * bounds the gain of any plan from above, for the gap on large ones).
 *
 * Errors: 0 or a negative MG_E… code with an English message in the
 * mg_diag. Ownership: a problem owns its arrays (mg_rounds_problem_free);
 * tests fill one by hand with mg_alloc_array'd arrays. Solutions own their
 * routes and visits (mg_rounds_solution_free).
 */
#ifndef MG_ROUNDS_ROUNDS_H
#define MG_ROUNDS_ROUNDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define MG_ROUNDS_MAX_STOPS 2000
#define MG_ROUNDS_MAX_VEHICLES 20
#define MG_ROUNDS_MAX_CYCLE_WEEKS 4
#define MG_ROUNDS_MAX_VISITS 64 /* stops in one route */

/** One vehicle and its crew's day (minutes of the local day, 0..1440). */
typedef struct mg_rounds_vehicle {
    uint32_t base;        /* index among the bases (node nstops + base) */
    uint8_t weekdays;     /* bit d (0 Monday … 6 Sunday): a working day */
    int32_t day_start;    /* earliest departure from the base */
    int32_t day_end;      /* latest return to the base */
    int32_t break_minutes;/* 0: no break */
    int32_t break_earliest, break_latest; /* window of the break's start */
    int32_t max_drive;    /* minutes of driving in the day; <= 0: no limit */
} mg_rounds_vehicle;

typedef struct mg_rounds_problem {
    size_t nunits;
    double *weight;       /* w_u >= 0 */

    size_t nstops;
    int32_t *service;     /* minutes at each stop, > 0 */
    size_t *cstart;       /* nstops + 1 offsets */
    uint32_t *cunit;      /* units each stop reaches */

    size_t nbases;
    int32_t *travel;      /* (nstops + nbases)² minutes, row-major: travel[a * nnodes + b];
                             >= 0; INT32_MAX: no road between them */

    size_t nvehicles;
    mg_rounds_vehicle *vehicles;
    int cycle_weeks;      /* 1..MG_ROUNDS_MAX_CYCLE_WEEKS */

    /* Optional: stops that must or must not be served (NULL: none);
     * nstops entries, 1 = forced in / excluded. */
    uint8_t *forced;
    uint8_t *excluded;
} mg_rounds_problem;

void mg_rounds_problem_free(mg_rounds_problem *p);

/** Nodes of the travel matrix: stops then bases. */
static inline size_t mg_rounds_nnodes(const mg_rounds_problem *p) {
    return p->nstops + p->nbases;
}

/**
 * Checks sizes and values: MG_EINVAL naming the vehicle, stop or field
 * (a day that ends before it starts, a break window outside the day, a
 * negative time, an offset out of range, a unit index past nunits).
 */
int mg_rounds_problem_check(const mg_rounds_problem *p, mg_diag *d) MG_WARN_UNUSED;

/** One stop of a route with its times (minutes of the local day). */
typedef struct mg_rounds_visit {
    uint32_t stop;
    int32_t arrive;
    int32_t depart; /* arrive + service */
} mg_rounds_visit;

/** One vehicle on one working day of the cycle. */
typedef struct mg_rounds_route {
    uint32_t vehicle;
    uint32_t week;       /* 0 .. cycle_weeks - 1 */
    uint32_t weekday;    /* 0 Monday … 6 Sunday */
    size_t n;
    mg_rounds_visit *visits;
    int32_t leave;       /* leaves the base */
    int32_t back;        /* back at the base */
    int32_t break_after; /* index of the visit after which the break starts; -1: none */
    int32_t break_start;
    int32_t drive;       /* minutes of driving */
} mg_rounds_route;

/** A plan: one route per (vehicle, week, working day), possibly empty. */
typedef struct mg_rounds_solution {
    size_t nroutes;
    mg_rounds_route *routes;
    double value;        /* the objective's gain */
    double seconds;      /* time spent solving */
} mg_rounds_solution;

void mg_rounds_solution_free(mg_rounds_solution *s);

/**
 * The empty plan of a problem: one empty route per vehicle, week of the
 * cycle and working day, ordered by vehicle, week, weekday.
 */
int mg_rounds_solution_empty(const mg_rounds_problem *p, mg_rounds_solution *out,
                             mg_diag *d) MG_WARN_UNUSED;

/**
 * Schedules a route whose vehicle, week, weekday and stops (visits[i].stop)
 * are set: fills the times, the break and the driving minutes with the
 * earliest schedule. Returns true when the route is feasible (day, break
 * window, driving limit, no stop twice, no missing road), false otherwise
 * (the times are then unspecified).
 */
bool mg_rounds_schedule(const mg_rounds_problem *p, mg_rounds_route *r);

/** The objective's gain of a plan (feasibility not checked). */
double mg_rounds_value(const mg_rounds_problem *p, const mg_rounds_solution *s);

/**
 * Checks a plan against every rule (each route rescheduled and compared
 * with its stored times, one route per vehicle and working day, forced and
 * excluded stops): MG_EINVAL naming the first route and rule broken.
 */
int mg_rounds_check(const mg_rounds_problem *p, const mg_rounds_solution *s,
                    mg_diag *d) MG_WARN_UNUSED;

typedef struct mg_rounds_heuristic_opts {
    double time_limit;   /* seconds for the local search; <= 0: a default of 2 s */
    uint64_t seed;       /* for the randomised moves; the answer depends only on it */
    const mg_rounds_solution *start; /* optional: improve the user's current rounds */
} mg_rounds_heuristic_opts;

/** Construction then local search; deterministic for a given seed. */
int mg_rounds_heuristic(const mg_rounds_problem *p, const mg_rounds_heuristic_opts *o,
                        mg_rounds_solution *out, mg_diag *d) MG_WARN_UNUSED;

enum mg_rounds_exact_status {
    MG_ROUNDS_OPTIMAL,    /* proven optimal */
    MG_ROUNDS_TIME_LIMIT, /* stopped by the time limit: a plan and a bound */
    MG_ROUNDS_NO_PLAN,    /* stopped before any plan */
    MG_ROUNDS_FAILED,     /* the solver process died */
};
const char *mg_rounds_exact_status_name(enum mg_rounds_exact_status s);

typedef struct mg_rounds_exact_opts {
    double time_limit;   /* seconds of solving */
    size_t memory_mb;    /* address space the solver may add */
} mg_rounds_exact_opts;

typedef struct mg_rounds_exact_result {
    enum mg_rounds_exact_status status;
    mg_rounds_solution sol;
    double bound;        /* CBC's best bound on the gain */
    size_t columns;      /* feasible routes enumerated */
} mg_rounds_exact_result;

/** Largest number of stops mg_rounds_exact accepts (it enumerates routes). */
#define MG_ROUNDS_EXACT_MAX_STOPS 16

/**
 * The optimum through CBC (in a child process, as src/plan/mip.c runs it)
 * on the feasible routes enumerated. MG_ELIMIT beyond
 * MG_ROUNDS_EXACT_MAX_STOPS stops.
 */
int mg_rounds_exact(const mg_rounds_problem *p, const mg_rounds_exact_opts *o,
                    mg_rounds_exact_result *out, mg_diag *d) MG_WARN_UNUSED;
void mg_rounds_exact_result_free(mg_rounds_exact_result *r);

/**
 * An upper bound on the gain of every feasible plan: an LP relaxation
 * solved by CBC (docs/rounds-method.md states it and why it is valid).
 */
int mg_rounds_bound(const mg_rounds_problem *p, const mg_rounds_exact_opts *o,
                    double *bound, mg_diag *d) MG_WARN_UNUSED;

#endif
