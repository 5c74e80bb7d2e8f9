/* The flat rounds problem and its plans: freeing, checking, the empty
 * plan, the objective's value and the checker of a whole plan. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "rounds/internal.h"

#define DAY_MINUTES 1440

void mg_rounds_problem_free(mg_rounds_problem *p)
{
    if (!p)
        return;
    free(p->weight);
    free(p->service);
    free(p->cstart);
    free(p->cunit);
    free(p->travel);
    free(p->vehicles);
    free(p->forced);
    free(p->excluded);
    *p = (mg_rounds_problem){0};
}

static int check_vehicle(const mg_rounds_problem *p, size_t v, mg_diag *d)
{
    const mg_rounds_vehicle *k = &p->vehicles[v];
    if (k->base >= p->nbases)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "vehicle %zu: base %u out of range (%zu bases)", v,
                           (unsigned)k->base, p->nbases);
    if (k->weekdays & 0x80u)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "vehicle %zu: weekdays has bit 7 set (only bits 0 to 6, Monday to "
                           "Sunday)",
                           v);
    if (k->day_start < 0 || k->day_start > DAY_MINUTES || k->day_end < 0 ||
        k->day_end > DAY_MINUTES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "vehicle %zu: day_start %d and day_end %d must be minutes of the day "
                           "(0 to 1440)",
                           v, (int)k->day_start, (int)k->day_end);
    if (k->day_end < k->day_start)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "vehicle %zu: the day ends (day_end %d) before it starts "
                           "(day_start %d)",
                           v, (int)k->day_end, (int)k->day_start);
    if (k->break_minutes < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "vehicle %zu: break_minutes %d is negative", v,
                           (int)k->break_minutes);
    if (k->break_minutes > 0) {
        if (k->break_earliest > k->break_latest)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "vehicle %zu: break_earliest %d is after break_latest %d", v,
                               (int)k->break_earliest, (int)k->break_latest);
        if (k->break_earliest < k->day_start ||
            (int64_t)k->break_latest + k->break_minutes > k->day_end)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "vehicle %zu: the break window [%d, %d] plus %d minutes is "
                               "outside the day [%d, %d]",
                               v, (int)k->break_earliest, (int)k->break_latest,
                               (int)k->break_minutes, (int)k->day_start, (int)k->day_end);
    }
    return MG_OK;
}

/* Services, offsets and units of every stop; last has nunits entries, all
 * zero. */
static int check_stops(const mg_rounds_problem *p, size_t *last, mg_diag *d)
{
    for (size_t s = 0; s < p->nstops; s++) {
        if (p->service[s] <= 0 || p->service[s] > DAY_MINUTES)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "stop %zu: service %d minutes, expected 1 to 1440", s,
                               (int)p->service[s]);
        if (p->cstart[s + 1] < p->cstart[s] || p->cstart[s + 1] > p->cstart[p->nstops])
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "stop %zu: offset cstart[%zu] = %zu is outside [cstart[%zu] = "
                               "%zu, cstart[nstops] = %zu]",
                               s, s + 1, p->cstart[s + 1], s, p->cstart[s],
                               p->cstart[p->nstops]);
        for (size_t k = p->cstart[s]; k < p->cstart[s + 1]; k++) {
            uint32_t u = p->cunit[k];
            if (u >= p->nunits)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "stop %zu: unit %u out of range (%zu units)", s,
                                   (unsigned)u, p->nunits);
            /* A unit listed twice would count twice in F_u. */
            if (last[u] == s + 1)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "stop %zu: unit %u listed twice",
                                   s, (unsigned)u);
            last[u] = s + 1;
        }
        if (p->forced && p->excluded && p->forced[s] && p->excluded[s])
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "stop %zu is both forced and excluded",
                               s);
    }
    return MG_OK;
}

int mg_rounds_problem_check(const mg_rounds_problem *p, mg_diag *d)
{
    if (!p)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no problem");
    if (p->nstops > MG_ROUNDS_MAX_STOPS)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "%zu stops: at most %d", p->nstops,
                           MG_ROUNDS_MAX_STOPS);
    if (p->nvehicles > MG_ROUNDS_MAX_VEHICLES)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "%zu vehicles: at most %d",
                           p->nvehicles, MG_ROUNDS_MAX_VEHICLES);
    if (p->cycle_weeks < 1 || p->cycle_weeks > MG_ROUNDS_MAX_CYCLE_WEEKS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "cycle_weeks %d: expected 1 to %d",
                           p->cycle_weeks, MG_ROUNDS_MAX_CYCLE_WEEKS);
    if (p->nbases == 0 || p->nbases > MG_ROUNDS_MAX_STOPS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%zu bases: expected 1 to %d",
                           p->nbases, MG_ROUNDS_MAX_STOPS);
    if ((p->nunits && !p->weight) || !p->cstart || (p->nstops && !p->service) ||
        !p->travel || (p->nvehicles && !p->vehicles))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "an array of the problem is missing (weight, service, cstart, "
                           "travel or vehicles)");
    for (size_t u = 0; u < p->nunits; u++)
        if (!(p->weight[u] >= 0) || !isfinite(p->weight[u]))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "unit %zu: weight %g must be finite and >= 0", u, p->weight[u]);
    if (p->cstart[0] != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "cstart[0] is %zu, expected 0",
                           p->cstart[0]);
    if (p->cstart[p->nstops] && !p->cunit)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "cunit is missing");
    /* last[u] = 1 + the last stop that listed u: a unit listed twice by one
     * stop is found in one pass. */
    size_t *last = mg_alloc_array(p->nunits ? p->nunits : 1, sizeof *last);
    if (!last)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory checking the problem");
    int rc = check_stops(p, last, d);
    free(last);
    if (rc)
        return rc;
    size_t nn = mg_rounds_nnodes(p);
    for (size_t a = 0; a < nn; a++)
        for (size_t b = 0; b < nn; b++)
            if (p->travel[a * nn + b] < 0)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "travel from node %zu to node %zu is %d minutes (negative)",
                                   a, b, (int)p->travel[a * nn + b]);
    for (size_t v = 0; v < p->nvehicles; v++) {
        rc = check_vehicle(p, v, d);
        if (rc)
            return rc;
    }
    return MG_OK;
}

void mg_rounds_solution_free(mg_rounds_solution *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nroutes; i++)
        free(s->routes[i].visits);
    free(s->routes);
    *s = (mg_rounds_solution){0};
}

static size_t popcount7(uint8_t days)
{
    size_t n = 0;
    for (int k = 0; k < 7; k++)
        n += (days >> k) & 1u;
    return n;
}

int mg_rounds_solution_empty(const mg_rounds_problem *p, mg_rounds_solution *out, mg_diag *d)
{
    *out = (mg_rounds_solution){0};
    if (p->nvehicles > MG_ROUNDS_MAX_VEHICLES || (p->nvehicles && !p->vehicles))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%zu vehicles: expected 0 to %d, listed",
                           p->nvehicles, MG_ROUNDS_MAX_VEHICLES);
    if (p->cycle_weeks < 1 || p->cycle_weeks > MG_ROUNDS_MAX_CYCLE_WEEKS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "cycle_weeks %d: expected 1 to %d",
                           p->cycle_weeks, MG_ROUNDS_MAX_CYCLE_WEEKS);
    size_t n = 0;
    for (size_t v = 0; v < p->nvehicles; v++)
        n += popcount7(p->vehicles[v].weekdays) * (size_t)p->cycle_weeks;
    out->routes = mg_alloc_array(n ? n : 1, sizeof *out->routes);
    if (!out->routes)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory for %zu routes", n);
    size_t i = 0;
    for (size_t v = 0; v < p->nvehicles; v++)
        for (int w = 0; w < p->cycle_weeks; w++)
            for (uint32_t day = 0; day < 7; day++) {
                if (!((p->vehicles[v].weekdays >> day) & 1u))
                    continue;
                mg_rounds_route *r = &out->routes[i++];
                *r = (mg_rounds_route){.vehicle = (uint32_t)v, .week = (uint32_t)w,
                                       .weekday = day, .break_after = -1};
                (void)mg_rounds_schedule(p, r); /* an empty route is always feasible */
            }
    out->nroutes = n;
    return MG_OK;
}

double mg_rounds_value(const mg_rounds_problem *p, const mg_rounds_solution *s)
{
    if (p->nunits == 0)
        return 0;
    /* Visits per unit over the cycle; F_u = count / cycle_weeks. */
    uint32_t *count = mg_alloc_array(p->nunits, sizeof *count);
    if (!count)
        return NAN;
    for (size_t i = 0; i < s->nroutes; i++) {
        const mg_rounds_route *r = &s->routes[i];
        for (size_t j = 0; j < r->n; j++) {
            uint32_t st = r->visits[j].stop;
            if (st >= p->nstops)
                continue;
            for (size_t k = p->cstart[st]; k < p->cstart[st + 1]; k++)
                count[p->cunit[k]]++;
        }
    }
    double weeks = p->cycle_weeks > 0 ? (double)p->cycle_weeks : 1.0, v = 0;
    for (size_t u = 0; u < p->nunits; u++) {
        double f = (double)count[u] / weeks;
        v += p->weight[u] * (f < 1 ? f : 1);
    }
    free(count);
    return v;
}

static const char *weekday_name(uint32_t d)
{
    static const char *const names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                         "Friday", "Saturday", "Sunday"};
    return d < 7 ? names[d] : "(no day)";
}

/* Compares a route's stored times with its earliest schedule `e`. */
static int compare_times(size_t i, const mg_rounds_route *r, const mg_rounds_route *e,
                         mg_diag *d)
{
    if (r->leave != e->leave || r->back != e->back || r->drive != e->drive)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "route %zu: stored leave %d, back %d, drive %d differ from its "
                           "schedule (leave %d, back %d, drive %d)",
                           i, (int)r->leave, (int)r->back, (int)r->drive, (int)e->leave,
                           (int)e->back, (int)e->drive);
    if (r->break_after != e->break_after ||
        (e->break_after >= 0 && r->break_start != e->break_start))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "route %zu: stored break (after visit %d at %d) differs from its "
                           "schedule (after visit %d at %d)",
                           i, (int)r->break_after, (int)r->break_start, (int)e->break_after,
                           (int)e->break_start);
    for (size_t j = 0; j < r->n; j++)
        if (r->visits[j].arrive != e->visits[j].arrive ||
            r->visits[j].depart != e->visits[j].depart)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "route %zu, visit %zu: stored times %d-%d differ from its "
                               "schedule %d-%d",
                               i, j, (int)r->visits[j].arrive, (int)r->visits[j].depart,
                               (int)e->visits[j].arrive, (int)e->visits[j].depart);
    return MG_OK;
}

int mg_rounds_check(const mg_rounds_problem *p, const mg_rounds_solution *s, mg_diag *d)
{
    int rc = mg_rounds_problem_check(p, d);
    if (rc)
        return rc;
    if (s->nroutes && !s->routes)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "the plan has no routes array");
    /* seen[(vehicle * weeks + week) * 7 + day]: one route per vehicle-day. */
    size_t nslots = p->nvehicles * (size_t)p->cycle_weeks * 7;
    uint8_t *seen = mg_alloc_array(nslots ? nslots : 1, 1);
    uint32_t *served = mg_alloc_array(p->nstops ? p->nstops : 1, sizeof *served);
    mg_rounds_visit *scratch = mg_alloc_array(MG_ROUNDS_MAX_VISITS, sizeof *scratch);
    if (!seen || !served || !scratch) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory checking a plan");
        goto done;
    }
    for (size_t i = 0; i < s->nroutes; i++) {
        const mg_rounds_route *r = &s->routes[i];
        if (r->vehicle >= p->nvehicles) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "route %zu: vehicle %u out of range (%zu vehicles)", i,
                             (unsigned)r->vehicle, p->nvehicles);
            goto done;
        }
        if (r->week >= (uint32_t)p->cycle_weeks || r->weekday > 6) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "route %zu: week %u, weekday %u out of range (%d weeks, 7 days)",
                             i, (unsigned)r->week, (unsigned)r->weekday, p->cycle_weeks);
            goto done;
        }
        if (!((p->vehicles[r->vehicle].weekdays >> r->weekday) & 1u)) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "route %zu: vehicle %u does not work on %s", i,
                             (unsigned)r->vehicle, weekday_name(r->weekday));
            goto done;
        }
        size_t slot = ((size_t)r->vehicle * (size_t)p->cycle_weeks + r->week) * 7 + r->weekday;
        if (seen[slot]) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "route %zu: a second route for vehicle %u on %s of week %u", i,
                             (unsigned)r->vehicle, weekday_name(r->weekday),
                             (unsigned)r->week + 1);
            goto done;
        }
        seen[slot] = 1;
        if (r->n > MG_ROUNDS_MAX_VISITS || (r->n && !r->visits)) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "route %zu: %zu visits, at most %d", i,
                             r->n, MG_ROUNDS_MAX_VISITS);
            goto done;
        }
        for (size_t j = 0; j < r->n; j++) {
            uint32_t st = r->visits[j].stop;
            if (st >= p->nstops) {
                rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                 "route %zu, visit %zu: stop %u out of range (%zu stops)", i, j,
                                 (unsigned)st, p->nstops);
                goto done;
            }
            if (p->excluded && p->excluded[st]) {
                rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                 "route %zu, visit %zu: stop %u is excluded", i, j,
                                 (unsigned)st);
                goto done;
            }
            for (size_t k = 0; k < j; k++)
                if (r->visits[k].stop == st) {
                    rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                     "route %zu: stop %u visited twice (visits %zu and %zu)", i,
                                     (unsigned)st, k, j);
                    goto done;
                }
            served[st]++;
        }
        mg_rounds_route e = *r;
        e.visits = scratch;
        for (size_t j = 0; j < r->n; j++)
            scratch[j] = (mg_rounds_visit){.stop = r->visits[j].stop};
        enum rounds_fault f = rounds_schedule_fault(p, &e);
        if (f != ROUNDS_FEASIBLE) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "route %zu (vehicle %u, %s of week %u): infeasible: %s", i,
                             (unsigned)r->vehicle, weekday_name(r->weekday),
                             (unsigned)r->week + 1, rounds_fault_name(f));
            goto done;
        }
        rc = compare_times(i, r, &e, d);
        if (rc)
            goto done;
    }
    if (p->forced)
        for (size_t st = 0; st < p->nstops; st++)
            if (p->forced[st] && !served[st]) {
                rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "forced stop %zu is not served", st);
                goto done;
            }
done:
    free(seen);
    free(served);
    free(scratch);
    return rc;
}
