/**
 * @file build.h
 * From a stored mobile service (store.h) and the diagnosis the server or
 * the command line holds (diagnosis/diagnosis.h) to the solver's flat
 * problem (rounds.h), and back from a solution to a plan to store; the
 * plan's effect: target people covered per stop and in total, and, for a
 * service that gives care of an APL profession, the plan as a what-if
 * scenario (scenario/scenario.h). docs/rounds.md explains the choices.
 *
 * Units: the study communes of the service's territory (its scope key,
 * diagnosis/scope.h) with target people: population.h's figure of the
 * service's public when the target populations were imported, all
 * inhabitants (t->population) otherwise (then all_inhabitants is set and
 * pages say so). A commune the imported file has no row for counts 0.
 *
 * Extra weight: w_u = target_u × (1 + underserved_extra) where the
 * diagnosis finds the commune under-served — its APL (g->apl, the
 * diagnosis's profession: the service's own profession for a service that
 * gives care of one, general practice otherwise, which the caller chooses)
 * below the profession's published threshold θ (g->prof->threshold: 2.5
 * consultations per year per inhabitant for GPs, the planning module's
 * θ); with no published threshold, no extra weight.
 *
 * Reach: unit u is reached from stop s when the travel time from the
 * commune's point to the stop is at most the service's reach_min (0 when
 * the stop is in the commune, INSEE Metric's convention within a commune).
 * Travel times: road times when a road graph is given (routing.h), the
 * crow-fly model of the diagnosis (g->opts.crowfly) otherwise. The matrix
 * among stops and bases is in whole minutes rounded up; INT32_MAX where
 * the road graph finds no road within 600 minutes (MG_MAX_MINUTES,
 * core/limits.h).
 *
 * Ownership: an mg_rounds_built owns its problem and maps
 * (mg_rounds_built_free).
 */
#ifndef MG_ROUNDS_BUILD_H
#define MG_ROUNDS_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "diagnosis/diagnosis.h"
#include "rounds/current.h"
#include "rounds/population.h"
#include "rounds/rounds.h"
#include "rounds/store.h"
#include "routing/routing.h"
#include "scenario/scenario.h"

typedef struct mg_rounds_built {
    mg_rounds_problem p;
    /* Units (p.nunits): */
    size_t *unit_commune;   /* territory index of each unit */
    double *target;         /* target people of each unit (before the extra weight) */
    uint8_t *underserved;   /* 1 where the diagnosis finds the commune under-served */
    double target_total;    /* Σ target */
    bool all_inhabitants;   /* no population figures: the target is all inhabitants */
    mg_rounds_public pub;
    size_t missing_rows;    /* communes of the territory the figures have no row for */
    /* Stops (p.nstops) and vehicles (p.nvehicles; base k is vehicle k's): */
    int64_t *stop_id;
    size_t *stop_commune;   /* territory index of the stop's commune, or SIZE_MAX */
    int64_t *vehicle_id;
    /* What was used: */
    bool road;              /* road times (else the crow-fly model) */
    double threshold;       /* θ of the under-served flag; NaN: none */
    char indicator[64];     /* "APL médecins généralistes" … (French) */
} mg_rounds_built;

void mg_rounds_built_free(mg_rounds_built *b);

/**
 * Builds the problem of service s with its active vehicles v[0..nv) and
 * active stops st[0..nst) (inactive ones are skipped), on diagnosis g.
 * pop: the imported target populations (mg_round_population_load), NULL
 * for all inhabitants. graph: a road graph, NULL for the crow-fly model.
 * Errors (MG_EINVAL, English message): the territory names no study
 * commune (scope.h's message), no active vehicle, no active stop, more
 * stops or vehicles than rounds.h allows, a stop or base without a point;
 * then mg_rounds_problem_check's.
 */
int mg_rounds_build(const mg_round_service *s, const mg_round_vehicle *v, size_t nv,
                    const mg_round_stop *st, size_t nst, const mg_diagnosis *g,
                    const mg_rounds_population *pop, const mg_graph *graph,
                    mg_rounds_built *out, mg_diag *d) MG_WARN_UNUSED;

/**
 * The default stops of a service: one per study commune of its territory
 * with a point, at that point (the commune's chef-lieu as the diagnosis
 * places it), named "Centre-bourg", source chef_lieu, the service's
 * minutes, active. Strings point into g's territory (borrowed); *out is a
 * new array (free). MG_EINVAL when the territory names no study commune.
 */
int mg_rounds_default_stops(const mg_diagnosis *g, const mg_round_service *s,
                            mg_round_stop_input **out, size_t *n, mg_diag *d) MG_WARN_UNUSED;

/**
 * Crow-fly minutes between two points under model m: 0 for the same
 * point, else access + great-circle km × detour / speed × 60 (as
 * traveltime/pairs.h computes them between communes).
 */
double mg_rounds_crowfly_minutes(const mg_crowfly *m, double lat1, double lon1, double lat2,
                                 double lon2);

/**
 * A solution as a plan to store (store.h): vehicle and stop ids, times;
 * the plan's figures (value, covered, target, all_inhabitants) set, kind
 * COMPUTED, method and label as given; bound NaN. out's routes are
 * allocated (mg_round_plan_clear).
 */
int mg_rounds_plan_of_solution(const mg_rounds_built *b, const mg_round_service *s,
                               const mg_rounds_solution *sol, const char *method,
                               mg_round_plan *out, mg_diag *d) MG_WARN_UNUSED;

/**
 * A stored plan as a solution of b's problem (to value the current rounds
 * the user entered, or to start the heuristic from them): MG_EINVAL
 * naming the route and visit when a vehicle or stop is not in the problem
 * (inactive, or another service's). Times are copied as stored; the
 * solution's value is mg_rounds_value's. Routes are listed for every
 * (vehicle, week, working day), empty where the plan has none.
 */
int mg_rounds_solution_of_plan(const mg_rounds_built *b, const mg_round_plan *p,
                               mg_rounds_solution *out, mg_diag *d) MG_WARN_UNUSED;

/**
 * The current rounds typed in a file (current.h) as a plan of kind
 * CURRENT: each row's vehicle is found by name among v[0..nv) and its stop
 * by commune and name among st[0..nst); a day's rows are ordered by
 * arrival; the route leaves its base the driving time to its first stop
 * before arriving there and is back the driving time from its last stop
 * after leaving it (the problem's matrix), drive the sum; no break is
 * recorded. The plan's value and figures are those of b's problem.
 * MG_EINVAL naming the file's line: an unknown vehicle or stop (or one
 * inactive, not in b), a week outside the service's cycle, a day the
 * vehicle does not work, a stop twice in a day, a stop arriving before the
 * previous one left, a day that would start before 00:00 or end after
 * 24:00. out's routes are allocated (mg_round_plan_clear).
 */
int mg_rounds_plan_of_current(const mg_rounds_built *b, const mg_round_service *s,
                              const mg_round_vehicle *v, size_t nv, const mg_round_stop *st,
                              size_t nst, const mg_round_current *cur, const char *path,
                              mg_round_plan *out, mg_diag *d) MG_WARN_UNUSED;

/**
 * The target public covered by a plan: per_stop[k] (p.nstops entries, may
 * be NULL) = target people within reach of stop k when the plan serves it,
 * 0 otherwise; *total = target people of the units within reach of at
 * least one served stop (each counted once); *weighted (may be NULL) =
 * Σ target_u × min(1, visits per week reaching u), the objective without
 * its extra weight.
 */
void mg_rounds_covered(const mg_rounds_built *b, const mg_rounds_solution *sol,
                       double *per_stop, double *total, double *weighted);

/**
 * The plan of a service that gives care of an APL profession as a
 * scenario on g (whose profession must be the service's: MG_EINVAL
 * otherwise, and for a service with no profession). One action per served
 * stop, at the stop's commune:
 *  - general practice ("mg"): MG_RES_MOBILE with days_per_month = visits
 *    of the stop in the cycle / cycle_weeks × 52 / 12 and hours_per_day =
 *    the mean minutes on site / 60 (consultations per hour: the kind's
 *    default);
 *  - other professions: mg_action_capacity refuses mobile consultations
 *    for them (GP care only), so a stop is counted as part of a
 *    practitioner, MG_RES_GP with count = hours on site per week / 35 (a
 *    35-hour working week): its capacity is that share of the activity the
 *    model gives a practitioner at the commune.
 * out->actions is allocated (mg_scenario_free).
 */
int mg_rounds_scenario(const mg_rounds_built *b, const mg_round_service *s,
                       const mg_rounds_solution *sol, const mg_diagnosis *g, mg_scenario *out,
                       mg_diag *d) MG_WARN_UNUSED;

#endif
