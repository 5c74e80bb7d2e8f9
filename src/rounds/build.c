/*
 * From a stored service to the solver's problem and back (build.h): units,
 * weights, reach, the travel matrix; plans and solutions; covered target
 * public; the plan as a scenario for services giving care of an APL
 * profession.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "diagnosis/scope.h"
#include "geo/geo.h"
#include "rounds/build.h"

#define OOM(d) mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory")

void mg_rounds_built_free(mg_rounds_built *b)
{
    if (!b)
        return;
    mg_rounds_problem_free(&b->p);
    free(b->unit_commune);
    free(b->target);
    free(b->underserved);
    free(b->stop_id);
    free(b->stop_commune);
    free(b->vehicle_id);
    *b = (mg_rounds_built){0};
}

double mg_rounds_crowfly_minutes(const mg_crowfly *m, double lat1, double lon1, double lat2,
                                 double lon2)
{
    if (lat1 == lat2 && lon1 == lon2)
        return 0;
    double km = mg_geo_distance_km(lat1, lon1, lat2, lon2);
    return m->access_min + km * m->detour / m->speed_kmh * 60;
}

int mg_rounds_default_stops(const mg_diagnosis *g, const mg_round_service *s,
                            mg_round_stop_input **out, size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    mg_scope scope = {0};
    int rc = mg_scope_parse(g, s->territory, &scope, d);
    if (rc != 0)
        return rc;
    mg_round_stop_input *v = mg_alloc_array(scope.n ? scope.n : 1, sizeof *v);
    if (!v) {
        mg_scope_free(&scope);
        return OOM(d);
    }
    size_t k = 0;
    for (size_t j = 0; j < scope.n; j++) {
        size_t i = scope.idx[j];
        if (!isfinite(g->t->lat[i]) || !isfinite(g->t->lon[i]))
            continue;
        v[k++] = (mg_round_stop_input){.name = "Centre-bourg",
                                       .commune_code = g->t->code[i],
                                       .commune_name = g->t->name[i],
                                       .lat = g->t->lat[i],
                                       .lon = g->t->lon[i],
                                       .source = MG_ROUND_STOP_CHEF_LIEU,
                                       .active = true};
    }
    mg_scope_free(&scope);
    *out = v;
    *n = k;
    return 0;
}

/* Whole minutes rounded up (a little tolerance for the rounding of the
 * floating-point sum itself). */
static int32_t ceil_minutes(double x)
{
    if (!isfinite(x) || x >= INT32_MAX / 2)
        return INT32_MAX;
    if (x <= 0)
        return 0;
    return (int32_t)ceil(x - 1e-9);
}

/* The minutes of the pair (i, j) in a sparse table; +inf when absent. */
static double pairs_minutes(const mg_pairs *p, size_t i, size_t j)
{
    size_t lo = p->start[i], hi = p->start[i + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->to[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->start[i + 1] && p->to[lo] == j ? p->minutes[lo] : INFINITY;
}

int mg_rounds_build(const mg_round_service *s, const mg_round_vehicle *v, size_t nv,
                    const mg_round_stop *st, size_t nst, const mg_diagnosis *g,
                    const mg_rounds_population *pop, const mg_graph *graph,
                    mg_rounds_built *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    const mg_territory *t = g->t;
    mg_rounds_public pub = MG_PUBLIC_ALL;
    if (mg_rounds_public_from_key(s->target_public, &pub) != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "service %lld: unknown target public \"%s\"",
                           (long long)s->id, s->target_public);
    size_t nveh = 0, nstops = 0;
    for (size_t k = 0; k < nv; k++)
        nveh += v[k].active;
    for (size_t k = 0; k < nst; k++)
        nstops += st[k].active;
    if (nveh == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "service %lld has no active vehicle",
                           (long long)s->id);
    if (nstops == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "service %lld has no active stop",
                           (long long)s->id);
    if (nveh > MG_ROUNDS_MAX_VEHICLES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%zu vehicles: at most %d", nveh,
                           MG_ROUNDS_MAX_VEHICLES);
    if (nstops > MG_ROUNDS_MAX_STOPS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%zu stops: at most %d", nstops,
                           MG_ROUNDS_MAX_STOPS);
    mg_scope scope = {0};
    int rc = mg_scope_parse(g, s->territory, &scope, d);
    if (rc != 0)
        return rc;

    mg_rounds_built *b = out;
    b->pub = pub;
    b->all_inhabitants = pop == NULL;
    b->road = graph != NULL;
    b->threshold = g->prof && isfinite(g->prof->threshold) ? g->prof->threshold : NAN;
    snprintf(b->indicator, sizeof b->indicator, "APL %s", g->prof ? g->prof->label : "");

    /* Units: the scope's communes with target people. */
    b->unit_commune = mg_alloc_array(scope.n ? scope.n : 1, sizeof *b->unit_commune);
    b->target = mg_alloc_array(scope.n ? scope.n : 1, sizeof *b->target);
    b->underserved = mg_alloc_array(scope.n ? scope.n : 1, sizeof *b->underserved);
    if (!b->unit_commune || !b->target || !b->underserved) {
        mg_scope_free(&scope);
        mg_rounds_built_free(b);
        return OOM(d);
    }
    size_t nu = 0;
    for (size_t k = 0; k < scope.n; k++) {
        size_t i = scope.idx[k];
        mg_rounds_target_source src;
        double x = mg_rounds_population_target(pop, t, pub, i, &src);
        if (src == MG_TARGET_NOT_IN_FILE || !isfinite(x)) {
            b->missing_rows++;
            continue;
        }
        if (!(x > 0))
            continue;
        b->unit_commune[nu] = i;
        b->target[nu] = x;
        b->underserved[nu] = isfinite(b->threshold) && g->apl && isfinite(g->apl[i]) &&
                             g->apl[i] < b->threshold;
        b->target_total += x;
        nu++;
    }
    mg_scope_free(&scope);

    mg_rounds_problem *p = &b->p;
    p->nunits = nu;
    p->nstops = nstops;
    p->nbases = nveh;
    p->nvehicles = nveh;
    p->cycle_weeks = s->cycle_weeks;
    size_t nn = nstops + nveh;
    p->weight = mg_alloc_array(nu ? nu : 1, sizeof *p->weight);
    p->service = mg_alloc_array(nstops, sizeof *p->service);
    p->cstart = mg_alloc_array(nstops + 1, sizeof *p->cstart);
    p->travel = mg_alloc_array(nn * nn, sizeof *p->travel);
    p->vehicles = mg_alloc_array(nveh, sizeof *p->vehicles);
    b->stop_id = mg_alloc_array(nstops, sizeof *b->stop_id);
    b->stop_commune = mg_alloc_array(nstops, sizeof *b->stop_commune);
    b->vehicle_id = mg_alloc_array(nveh, sizeof *b->vehicle_id);
    /* Points: units, then stops, then bases. */
    size_t npts = nu + nn;
    double *lat = mg_alloc_array(npts, sizeof *lat), *lon = mg_alloc_array(npts, sizeof *lon);
    if (!p->weight || !p->service || !p->cstart || !p->travel || !p->vehicles || !b->stop_id ||
        !b->stop_commune || !b->vehicle_id || !lat || !lon) {
        free(lat);
        free(lon);
        mg_rounds_built_free(b);
        return OOM(d);
    }
    for (size_t u = 0; u < nu; u++) {
        p->weight[u] = b->target[u] * (b->underserved[u] ? 1 + s->underserved_extra : 1);
        lat[u] = t->lat[b->unit_commune[u]];
        lon[u] = t->lon[b->unit_commune[u]];
    }
    size_t k = 0;
    for (size_t j = 0; j < nst; j++) {
        if (!st[j].active)
            continue;
        if (!isfinite(st[j].lat) || !isfinite(st[j].lon)) {
            free(lat);
            free(lon);
            mg_rounds_built_free(b);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "stop %lld (%s) has no point",
                               (long long)st[j].id, st[j].name);
        }
        b->stop_id[k] = st[j].id;
        long ci = mg_territory_find(t, st[j].commune_code);
        b->stop_commune[k] = ci >= 0 ? (size_t)ci : SIZE_MAX;
        p->service[k] = st[j].minutes > 0 ? st[j].minutes : s->stop_min;
        lat[nu + k] = st[j].lat;
        lon[nu + k] = st[j].lon;
        k++;
    }
    k = 0;
    for (size_t j = 0; j < nv; j++) {
        if (!v[j].active)
            continue;
        b->vehicle_id[k] = v[j].id;
        p->vehicles[k] = (mg_rounds_vehicle){.base = (uint32_t)k,
                                             .weekdays = v[j].weekdays,
                                             .day_start = v[j].day_start,
                                             .day_end = v[j].day_end,
                                             .break_minutes = v[j].break_min,
                                             .break_earliest = v[j].break_earliest,
                                             .break_latest = v[j].break_latest,
                                             .max_drive = v[j].max_drive};
        lat[nu + nstops + k] = v[j].base_lat;
        lon[nu + nstops + k] = v[j].base_lon;
        k++;
    }

    /* Travel times: a full table over the points (road), or the model. The
     * road search is bounded by the routing module's largest time (10 h,
     * core/limits.h): beyond it a pair counts as no road. */
    mg_pairs road = {0};
    if (graph) {
        size_t unsnapped = 0;
        rc = mg_route_pairs(graph, lat, lon, NULL, npts, MG_MAX_MINUTES, &road, &unsnapped, d);
        if (rc != 0) {
            free(lat);
            free(lon);
            mg_rounds_built_free(b);
            return rc;
        }
    }
    const mg_crowfly *cf = &g->opts.crowfly;
#define MINUTES(i, j)                                                                              \
    (graph ? pairs_minutes(&road, (i), (j))                                                        \
           : mg_rounds_crowfly_minutes(cf, lat[i], lon[i], lat[j], lon[j]))
    for (size_t a = 0; a < nn; a++)
        for (size_t c = 0; c < nn; c++)
            p->travel[a * nn + c] = a == c ? 0 : ceil_minutes(MINUTES(nu + a, nu + c));
    /* Reach: units within reach_min of each stop (0 within the stop's commune). */
    size_t cap = nstops * 4 + 16, ncov = 0;
    p->cunit = mg_alloc_array(cap, sizeof *p->cunit);
    rc = p->cunit ? 0 : OOM(d);
    for (size_t j = 0; rc == 0 && j < nstops; j++) {
        p->cstart[j] = ncov;
        for (size_t u = 0; u < nu; u++) {
            bool same = b->stop_commune[j] == b->unit_commune[u];
            double m = same ? 0 : MINUTES(u, nu + j);
            if (!(m <= s->reach_min))
                continue;
            if (ncov == cap) {
                uint32_t *nc = mg_realloc_array(p->cunit, cap * 2, sizeof *nc);
                if (!nc) {
                    rc = OOM(d);
                    break;
                }
                p->cunit = nc;
                cap *= 2;
            }
            p->cunit[ncov++] = (uint32_t)u;
        }
    }
#undef MINUTES
    p->cstart[nstops] = ncov;
    mg_pairs_free(&road);
    free(lat);
    free(lon);
    if (rc == 0)
        rc = mg_rounds_problem_check(p, d);
    if (rc != 0)
        mg_rounds_built_free(b);
    return rc;
}

/* --- Plans and solutions ----------------------------------------------------------------------- */

/* Visits per week of each stop (a stop served once in a cycle of two
 * weeks: 0.5) into f (nstops). */
static void stop_frequency(const mg_rounds_built *b, const mg_rounds_solution *sol, double *f)
{
    const mg_rounds_problem *p = &b->p;
    for (size_t k = 0; k < p->nstops; k++)
        f[k] = 0;
    double per = 1.0 / (p->cycle_weeks > 0 ? p->cycle_weeks : 1);
    for (size_t r = 0; r < sol->nroutes; r++)
        for (size_t i = 0; i < sol->routes[r].n; i++)
            if (sol->routes[r].visits[i].stop < p->nstops)
                f[sol->routes[r].visits[i].stop] += per;
}

void mg_rounds_covered(const mg_rounds_built *b, const mg_rounds_solution *sol,
                       double *per_stop, double *total, double *weighted)
{
    const mg_rounds_problem *p = &b->p;
    double *f = mg_alloc_array(p->nstops ? p->nstops : 1, sizeof *f);
    double *fu = mg_alloc_array(p->nunits ? p->nunits : 1, sizeof *fu);
    double tot = 0, w = 0;
    if (f && fu) {
        stop_frequency(b, sol, f);
        for (size_t k = 0; k < p->nstops; k++) {
            double here = 0;
            for (size_t c = p->cstart[k]; c < p->cstart[k + 1]; c++) {
                here += b->target[p->cunit[c]];
                fu[p->cunit[c]] += f[k];
            }
            if (per_stop)
                per_stop[k] = f[k] > 0 ? here : 0;
        }
        for (size_t u = 0; u < p->nunits; u++) {
            if (fu[u] > 0)
                tot += b->target[u];
            w += b->target[u] * (fu[u] < 1 ? fu[u] : 1);
        }
    }
    free(f);
    free(fu);
    if (total)
        *total = tot;
    if (weighted)
        *weighted = w;
}

int mg_rounds_plan_of_solution(const mg_rounds_built *b, const mg_round_service *s,
                               const mg_rounds_solution *sol, const char *method,
                               mg_round_plan *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    out->service_id = s->id;
    out->kind = MG_ROUND_PLAN_COMPUTED;
    snprintf(out->method, sizeof out->method, "%s", method ? method : "heuristic");
    out->cycle_weeks = b->p.cycle_weeks;
    out->value = sol->value;
    out->bound = NAN;
    out->seconds = sol->seconds;
    out->target = b->target_total;
    out->all_inhabitants = b->all_inhabitants;
    mg_rounds_covered(b, sol, NULL, &out->covered, NULL);
    size_t n = 0;
    for (size_t r = 0; r < sol->nroutes; r++)
        n += sol->routes[r].n > 0;
    if (n == 0)
        return 0;
    out->routes = mg_alloc_array(n, sizeof *out->routes);
    if (!out->routes)
        return OOM(d);
    for (size_t r = 0; r < sol->nroutes; r++) {
        const mg_rounds_route *a = &sol->routes[r];
        if (a->n == 0)
            continue;
        if (a->vehicle >= b->p.nvehicles) {
            mg_round_plan_clear(out);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "route %zu: vehicle %u out of range",
                               r + 1, (unsigned)a->vehicle);
        }
        mg_round_plan_route *o = &out->routes[out->nroutes++];
        *o = (mg_round_plan_route){.vehicle_id = b->vehicle_id[a->vehicle],
                                   .week = (int)a->week,
                                   .weekday = (int)a->weekday,
                                   .leave = a->leave,
                                   .back = a->back,
                                   .break_after = a->break_after,
                                   .break_start = a->break_after >= 0 ? a->break_start : -1,
                                   .drive = a->drive};
        o->visits = mg_alloc_array(a->n, sizeof *o->visits);
        if (!o->visits) {
            mg_round_plan_clear(out);
            return OOM(d);
        }
        o->n = a->n;
        for (size_t i = 0; i < a->n; i++) {
            if (a->visits[i].stop >= b->p.nstops) {
                mg_round_plan_clear(out);
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "route %zu, visit %zu: stop %u out of range", r + 1, i + 1,
                                   (unsigned)a->visits[i].stop);
            }
            o->visits[i].stop_id = b->stop_id[a->visits[i].stop];
            o->visits[i].arrive = a->visits[i].arrive;
            o->visits[i].depart = a->visits[i].depart;
        }
    }
    return 0;
}

int mg_rounds_solution_of_plan(const mg_rounds_built *b, const mg_round_plan *p,
                               mg_rounds_solution *out, mg_diag *d)
{
    int rc = mg_rounds_solution_empty(&b->p, out, d);
    if (rc != 0)
        return rc;
    for (size_t r = 0; r < p->nroutes; r++) {
        const mg_round_plan_route *a = &p->routes[r];
        if (a->n == 0)
            continue;
        size_t veh = SIZE_MAX;
        for (size_t k = 0; k < b->p.nvehicles; k++)
            if (b->vehicle_id[k] == a->vehicle_id)
                veh = k;
        if (veh == SIZE_MAX) {
            mg_rounds_solution_free(out);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "route %zu: vehicle %lld is not an active vehicle of the service",
                               r + 1, (long long)a->vehicle_id);
        }
        mg_rounds_route *o = NULL;
        for (size_t q = 0; q < out->nroutes && !o; q++)
            if (out->routes[q].vehicle == veh && (int)out->routes[q].week == a->week &&
                (int)out->routes[q].weekday == a->weekday)
                o = &out->routes[q];
        if (!o) {
            mg_rounds_solution_free(out);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "route %zu: week %d, weekday %d is not a working day of the "
                               "vehicle in the cycle",
                               r + 1, a->week + 1, a->weekday);
        }
        if (o->n > 0) {
            mg_rounds_solution_free(out);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "route %zu: the vehicle's day twice",
                               r + 1);
        }
        o->visits = mg_alloc_array(a->n, sizeof *o->visits);
        if (!o->visits) {
            mg_rounds_solution_free(out);
            return OOM(d);
        }
        for (size_t i = 0; i < a->n; i++) {
            size_t stop = SIZE_MAX;
            for (size_t k = 0; k < b->p.nstops; k++)
                if (b->stop_id[k] == a->visits[i].stop_id)
                    stop = k;
            if (stop == SIZE_MAX) {
                mg_rounds_solution_free(out);
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "route %zu, visit %zu: stop %lld is not an active stop of "
                                   "the service",
                                   r + 1, i + 1, (long long)a->visits[i].stop_id);
            }
            o->visits[i] = (mg_rounds_visit){(uint32_t)stop, a->visits[i].arrive,
                                             a->visits[i].depart};
            o->n = i + 1;
        }
        o->leave = a->leave;
        o->back = a->back;
        o->break_after = a->break_after;
        o->break_start = a->break_after >= 0 ? a->break_start : 0;
        o->drive = a->drive;
    }
    out->value = mg_rounds_value(&b->p, out);
    return 0;
}

/* --- The current rounds ------------------------------------------------------------------------ */

static size_t index_of(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t k = 0; k < n; k++)
        if (ids[k] == id)
            return k;
    return SIZE_MAX;
}

static int row_cmp(const void *a, const void *b)
{
    const mg_round_current_row *x = *(const mg_round_current_row *const *)a;
    const mg_round_current_row *y = *(const mg_round_current_row *const *)b;
    if (x->week != y->week)
        return x->week < y->week ? -1 : 1;
    if (x->weekday != y->weekday)
        return x->weekday < y->weekday ? -1 : 1;
    int c = strcmp(x->vehicle, y->vehicle);
    if (c)
        return c;
    if (x->arrive != y->arrive)
        return x->arrive < y->arrive ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

int mg_rounds_plan_of_current(const mg_rounds_built *b, const mg_round_service *s,
                              const mg_round_vehicle *v, size_t nv, const mg_round_stop *st,
                              size_t nst, const mg_round_current *cur, const char *path,
                              mg_round_plan *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    const mg_rounds_problem *p = &b->p;
    size_t nn = mg_rounds_nnodes(p);
    const mg_round_current_row **rows = mg_alloc_array(cur->n ? cur->n : 1, sizeof *rows);
    size_t *veh = mg_alloc_array(cur->n ? cur->n : 1, sizeof *veh);
    size_t *stop = mg_alloc_array(cur->n ? cur->n : 1, sizeof *stop);
    out->routes = mg_alloc_array(cur->n ? cur->n : 1, sizeof *out->routes);
    int rc = rows && veh && stop && out->routes ? 0 : OOM(d);
    for (size_t i = 0; rc == 0 && i < cur->n; i++)
        rows[i] = &cur->rows[i];
    if (rc == 0 && cur->n > 1)
        qsort(rows, cur->n, sizeof *rows, row_cmp);
    /* Each row's vehicle and stop in the problem. */
    for (size_t i = 0; rc == 0 && i < cur->n; i++) {
        const mg_round_current_row *r = rows[i];
        int64_t vid = 0, sid = 0;
        for (size_t k = 0; k < nv && !vid; k++)
            if (strcmp(v[k].name, r->vehicle) == 0)
                vid = v[k].id;
        for (size_t k = 0; k < nst && !sid; k++)
            if (strcmp(st[k].commune_code, r->commune) == 0 && strcmp(st[k].name, r->stop) == 0)
                sid = st[k].id;
        veh[i] = index_of(b->vehicle_id, p->nvehicles, vid);
        stop[i] = index_of(b->stop_id, p->nstops, sid);
        if (veh[i] == SIZE_MAX)
            rc = mg_diag_set(d, MG_EINVAL, path, r->line, 0,
                             "vehicle \"%s\" is not an active vehicle of the service", r->vehicle);
        else if (stop[i] == SIZE_MAX)
            rc = mg_diag_set(d, MG_EINVAL, path, r->line, 0,
                             "stop \"%s\" in commune %s is not an active stop of the service",
                             r->stop, r->commune);
        else if (r->week >= s->cycle_weeks)
            rc = mg_diag_set(d, MG_EINVAL, path, r->line, 0,
                             "week %d is outside the service's cycle of %d week(s)", r->week + 1,
                             s->cycle_weeks);
        else if (!(p->vehicles[veh[i]].weekdays & (1u << r->weekday)))
            rc = mg_diag_set(d, MG_EINVAL, path, r->line, 0,
                             "vehicle \"%s\" does not work on that day", r->vehicle);
    }
    /* Group into routes. */
    for (size_t i = 0; rc == 0 && i < cur->n;) {
        size_t j = i;
        while (j < cur->n && rows[j]->week == rows[i]->week &&
               rows[j]->weekday == rows[i]->weekday && veh[j] == veh[i])
            j++;
        mg_round_plan_route *o = &out->routes[out->nroutes++];
        o->vehicle_id = b->vehicle_id[veh[i]];
        o->week = rows[i]->week;
        o->weekday = rows[i]->weekday;
        o->break_after = -1;
        o->break_start = -1;
        o->visits = mg_alloc_array(j - i, sizeof *o->visits);
        if (!o->visits) {
            rc = OOM(d);
            break;
        }
        size_t base = p->nstops + p->vehicles[veh[i]].base;
        int64_t drive = 0;
        for (size_t k = i; rc == 0 && k < j; k++) {
            for (size_t q = i; q < k; q++)
                if (stop[q] == stop[k])
                    rc = mg_diag_set(d, MG_EINVAL, path, rows[k]->line, 0,
                                     "stop \"%s\" already visited that day (line %lu)",
                                     rows[k]->stop, rows[q]->line);
            if (rc == 0 && k > i && rows[k]->arrive < rows[k - 1]->depart)
                rc = mg_diag_set(d, MG_EINVAL, path, rows[k]->line, 0,
                                 "arrives before the vehicle leaves the previous stop (line %lu)",
                                 rows[k - 1]->line);
            size_t from = k == i ? base : stop[k - 1];
            int32_t t = p->travel[from * nn + stop[k]];
            if (rc == 0 && t == INT32_MAX)
                rc = mg_diag_set(d, MG_EINVAL, path, rows[k]->line, 0, "no road to this stop");
            drive += t;
            o->visits[o->n++] = (mg_round_plan_visit){.stop_id = b->stop_id[stop[k]],
                                                      .arrive = rows[k]->arrive,
                                                      .depart = rows[k]->depart};
        }
        if (rc != 0)
            break;
        int32_t first = p->travel[base * nn + stop[i]];
        int32_t last = p->travel[stop[j - 1] * nn + base];
        if (last == INT32_MAX) {
            rc = mg_diag_set(d, MG_EINVAL, path, rows[j - 1]->line, 0, "no road back to the base");
            break;
        }
        o->leave = rows[i]->arrive - first;
        o->back = rows[j - 1]->depart + last;
        o->drive = (int)(drive + last);
        if (o->leave < 0 || o->back > 1440 || o->drive > 1440) {
            rc = mg_diag_set(d, MG_EINVAL, path, rows[i]->line, 0,
                             "the day would start before 00:00 or end after 24:00 with the "
                             "driving to and from the base");
            break;
        }
        i = j;
    }
    free(rows);
    free(veh);
    free(stop);
    if (rc != 0) {
        mg_round_plan_clear(out);
        return rc;
    }
    out->service_id = s->id;
    out->kind = MG_ROUND_PLAN_CURRENT;
    snprintf(out->method, sizeof out->method, "entered");
    out->cycle_weeks = s->cycle_weeks;
    out->bound = NAN;
    out->target = b->target_total;
    out->all_inhabitants = b->all_inhabitants;
    mg_rounds_solution sol;
    if ((rc = mg_rounds_solution_of_plan(b, out, &sol, d)) != 0) {
        mg_round_plan_clear(out);
        return rc;
    }
    out->value = sol.value;
    mg_rounds_covered(b, &sol, NULL, &out->covered, NULL);
    mg_rounds_solution_free(&sol);
    return 0;
}

/* --- The plan as a scenario -------------------------------------------------------------------- */

int mg_rounds_scenario(const mg_rounds_built *b, const mg_round_service *s,
                       const mg_rounds_solution *sol, const mg_diagnosis *g, mg_scenario *out,
                       mg_diag *d)
{
    memset(out, 0, sizeof *out);
    if (!s->profession[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "service %lld gives no care of an APL profession: its effect is the "
                           "target public covered, not an APL",
                           (long long)s->id);
    if (!g->prof || strcmp(g->prof->key, s->profession) != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "the diagnosis is of profession %s, the service's is %s",
                           g->prof ? g->prof->key : "?", s->profession);
    const mg_rounds_problem *p = &b->p;
    size_t ns = p->nstops;
    double *visits = mg_alloc_array(ns ? ns : 1, sizeof *visits);
    double *minutes = mg_alloc_array(ns ? ns : 1, sizeof *minutes);
    if (!visits || !minutes) {
        free(visits);
        free(minutes);
        return OOM(d);
    }
    for (size_t r = 0; r < sol->nroutes; r++)
        for (size_t i = 0; i < sol->routes[r].n; i++) {
            const mg_rounds_visit *v = &sol->routes[r].visits[i];
            if (v->stop >= ns)
                continue;
            visits[v->stop] += 1;
            minutes[v->stop] += v->depart - v->arrive;
        }
    size_t n = 0;
    for (size_t k = 0; k < ns; k++)
        n += visits[k] > 0 && b->stop_commune[k] != SIZE_MAX;
    int rc = 0;
    if (n > 0) {
        out->actions = mg_alloc_array(n, sizeof *out->actions);
        if (!out->actions)
            rc = OOM(d);
    }
    bool gp = strcmp(s->profession, "mg") == 0;
    double weeks = p->cycle_weeks > 0 ? p->cycle_weeks : 1;
    for (size_t k = 0; rc == 0 && k < ns; k++) {
        if (!(visits[k] > 0) || b->stop_commune[k] == SIZE_MAX)
            continue;
        mg_action a;
        if (gp) {
            a = mg_action_defaults(MG_RES_MOBILE);
            a.days_per_month = visits[k] / weeks * 52.0 / 12.0;
            a.hours_per_day = minutes[k] / visits[k] / 60.0;
        } else {
            a = mg_action_defaults(MG_RES_GP);
            a.count = minutes[k] / 60.0 / weeks / 35.0;
        }
        a.commune = b->stop_commune[k];
        double cap = 0;
        rc = mg_action_capacity(&a, g, &cap, d);
        if (rc == 0)
            out->actions[out->n++] = a;
    }
    free(visits);
    free(minutes);
    if (rc != 0)
        mg_scenario_free(out);
    return rc;
}
