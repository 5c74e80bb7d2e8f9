/* The exact rounds for small instances (docs/rounds-method.md, "Exact model
 * and bound").
 *
 * 1. Routes. Every route of a vehicle has the same feasibility (same base,
 *    day, break and driving limit on every working day), and vehicles with
 *    the same base and crew's day are interchangeable: one "route type" per
 *    such group. For each type, a dynamic programme over (set of stops
 *    visited, last stop, break taken) with Pareto labels (time, driving)
 *    finds every set of stops that some order serves feasibly under
 *    mg_rounds_schedule's rules, and for each set the order with the least
 *    driving. The DP's break transition is schedule.c's rule (the break
 *    after any visit whose departure is <= break_latest, starting at
 *    max(departure, break_earliest)); every order kept is rescheduled by
 *    mg_rounds_schedule and a disagreement is reported as an error, never
 *    dropped silently.
 * 2. The model. One integer column x_c in [0, R_g] per (type g, feasible
 *    set c): how many of the type's R_g routes of the cycle serve exactly c
 *    (the routes of a type are interchangeable, so counts replace one
 *    binary per route and remove the symmetry between days). Σ_c∈g x_c <=
 *    R_g. One continuous y_k in [0, 1] per distinct set of stops reaching a
 *    unit (units reached by the same stops share F_u and are merged, their
 *    weights summed): cycle_weeks·y_k <= Σ_c |c ∩ reach_k| x_c. Maximise
 *    Σ_k w_k y_k. Forced stops: Σ_c∋s x_c >= 1. Excluded stops never enter
 *    a set.
 * 3. CBC in a child process (cbc.c), then counts turned into routes: the
 *    type's routes in mg_rounds_solution_empty's order receive the sets in
 *    column order, each scheduled by mg_rounds_schedule.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "rounds/cbc.h"

/* The DP keeps at most this many labels (20 bytes each) over all route
 * types, and the model at most this many columns; beyond either,
 * mg_rounds_exact refuses with MG_ELIMIT rather than run for hours. */
#define EXACT_MAX_LABELS ((size_t)1 << 22)
#define EXACT_MAX_COLUMNS ((size_t)200000)

const char *mg_rounds_exact_status_name(enum mg_rounds_exact_status s)
{
    switch (s) {
    case MG_ROUNDS_OPTIMAL: return "optimal";
    case MG_ROUNDS_TIME_LIMIT: return "time limit";
    case MG_ROUNDS_NO_PLAN: return "no plan";
    case MG_ROUNDS_FAILED: return "failed";
    }
    return "?";
}

void mg_rounds_exact_result_free(mg_rounds_exact_result *r)
{
    if (r)
        mg_rounds_solution_free(&r->sol);
}

/* A partial route: departure from its last stop and driving so far. */
typedef struct label {
    int32_t t, drive;
    int32_t parent; /* label of the previous stop; -1: the first stop */
    int32_t next;   /* next label of the same state; -1: end */
    uint8_t stop;
} label;

/* One feasible set of stops of a route type, in its order. */
typedef struct column {
    uint32_t type;
    uint32_t mask;
    int32_t drive;
    uint8_t n;
    uint8_t order[MG_ROUNDS_EXACT_MAX_STOPS];
} column;

typedef struct enumer {
    const mg_rounds_problem *p;
    label *lab;
    size_t nlab, caplab;
    int32_t *head;   /* per state ((mask · n + last) · 2 + broken) */
    column *col;
    size_t ncol, capcol;
} enumer;

static int push_label(enumer *e, label l, int32_t *at)
{
    if (e->nlab == e->caplab) {
        if (e->caplab >= EXACT_MAX_LABELS)
            return MG_ELIMIT;
        size_t cap = e->caplab ? 2 * e->caplab : 4096;
        label *nl = mg_realloc_array(e->lab, cap, sizeof *nl);
        if (!nl)
            return MG_ENOMEM;
        e->lab = nl;
        e->caplab = cap;
    }
    e->lab[e->nlab] = l;
    *at = (int32_t)e->nlab++;
    return MG_OK;
}

/* Inserts (t, drive) into a state's Pareto list unless an existing label is
 * at least as early and drives at most as much; removes those it beats. */
static int insert(enumer *e, size_t state, int32_t t, int32_t drive, int32_t parent,
                  uint8_t stop)
{
    for (int32_t i = e->head[state]; i >= 0; i = e->lab[i].next)
        if (e->lab[i].t <= t && e->lab[i].drive <= drive)
            return MG_OK;
    int32_t *link = &e->head[state];
    while (*link >= 0) {
        label *l = &e->lab[*link];
        if (t <= l->t && drive <= l->drive)
            *link = l->next;
        else
            link = &l->next;
    }
    int32_t at;
    int rc = push_label(e, (label){t, drive, parent, e->head[state], stop}, &at);
    if (rc)
        return rc;
    e->head[state] = at;
    return MG_OK;
}

/* Shortest driving from each stop back to the base (over stops and the
 * base, Dijkstra on the dense matrix): no extension of a partial route can
 * return sooner, whatever the matrix (no triangle inequality assumed). */
static void to_base(const mg_rounds_problem *p, size_t base, int64_t *dist)
{
    size_t n = p->nstops, nn = mg_rounds_nnodes(p);
    bool done[MG_ROUNDS_EXACT_MAX_STOPS + 1] = {0};
    for (size_t s = 0; s <= n; s++)
        dist[s] = INT64_MAX;
    dist[n] = 0; /* index n stands for the base */
    for (size_t it = 0; it <= n; it++) {
        size_t best = n + 1;
        for (size_t s = 0; s <= n; s++)
            if (!done[s] && dist[s] < INT64_MAX && (best > n || dist[s] < dist[best]))
                best = s;
        if (best > n)
            break;
        done[best] = true;
        size_t to = best == n ? base : best;
        for (size_t s = 0; s < n; s++) {
            int32_t tt = p->travel[s * nn + to];
            if (!done[s] && tt != INT32_MAX && dist[best] + tt < dist[s])
                dist[s] = dist[best] + tt;
        }
    }
}

/* Adds a label at (mask, stop) reached at departure t with drive, unless
 * no extension of it can be feasible; with a break to take, also the label
 * that takes it right after this stop. */
static int reach(enumer *e, const mg_rounds_vehicle *v, const int64_t *home, uint32_t mask,
                 uint8_t stop, int64_t t, int64_t drive, int32_t parent, int broken)
{
    size_t n = e->p->nstops;
    if (home[stop] == INT64_MAX)
        return MG_OK;
    int64_t left = broken ? 0 : v->break_minutes;
    if (t + home[stop] + left > v->day_end)
        return MG_OK;
    if (v->max_drive > 0 && drive + home[stop] > v->max_drive)
        return MG_OK;
    if (!broken && t > v->break_latest)
        return MG_OK; /* the break can no longer start in its window */
    size_t state = ((size_t)mask * n + stop) * 2 + (size_t)broken;
    int rc = insert(e, state, (int32_t)t, (int32_t)drive, parent, stop);
    if (rc || broken)
        return rc;
    int64_t after = (t > v->break_earliest ? t : v->break_earliest) + v->break_minutes;
    return reach(e, v, home, mask, stop, after, drive, parent, 1);
}

static int add_column(enumer *e, uint32_t type, uint32_t mask, int32_t at, int32_t drive)
{
    if (e->ncol == e->capcol) {
        if (e->capcol >= EXACT_MAX_COLUMNS)
            return MG_ELIMIT;
        size_t cap = e->capcol ? 2 * e->capcol : 1024;
        if (cap > EXACT_MAX_COLUMNS)
            cap = EXACT_MAX_COLUMNS;
        column *nc = mg_realloc_array(e->col, cap, sizeof *nc);
        if (!nc)
            return MG_ENOMEM;
        e->col = nc;
        e->capcol = cap;
    }
    column *c = &e->col[e->ncol++];
    *c = (column){.type = type, .mask = mask, .drive = drive};
    uint8_t rev[MG_ROUNDS_EXACT_MAX_STOPS];
    for (int32_t i = at; i >= 0 && c->n < MG_ROUNDS_EXACT_MAX_STOPS; i = e->lab[i].parent)
        rev[c->n++] = e->lab[i].stop;
    for (uint8_t k = 0; k < c->n; k++)
        c->order[k] = rev[c->n - 1 - k];
    return MG_OK;
}

/* Every feasible set of stops of the route type of vehicle v, appended to
 * e->col with the order of least driving. */
static int enumerate(enumer *e, uint32_t type, size_t vi)
{
    const mg_rounds_problem *p = e->p;
    const mg_rounds_vehicle *v = &p->vehicles[vi];
    size_t n = p->nstops, nn = mg_rounds_nnodes(p), base = n + v->base;
    size_t nstates = ((size_t)1 << n) * n * 2;
    int64_t home[MG_ROUNDS_EXACT_MAX_STOPS + 1];
    to_base(p, base, home);
    for (size_t i = 0; i < nstates; i++)
        e->head[i] = -1;
    e->nlab = 0; /* the previous type's labels are done with */
    int nobreak = v->break_minutes <= 0; /* labels start as if the break were taken */
    int rc;
    for (size_t s = 0; s < n; s++) {
        int32_t tt = p->travel[base * nn + s];
        if ((p->excluded && p->excluded[s]) || tt == INT32_MAX)
            continue;
        int64_t t = (int64_t)v->day_start + tt + p->service[s];
        if ((rc = reach(e, v, home, (uint32_t)1 << s, (uint8_t)s, t, tt, -1, nobreak)))
            return rc;
    }
    for (uint32_t mask = 1; mask < ((uint32_t)1 << n); mask++) {
        /* The set is complete: every predecessor set is smaller. */
        int32_t best = -1;
        int64_t best_drive = INT64_MAX, best_back = INT64_MAX;
        for (size_t last = 0; last < n; last++) {
            if (!((mask >> last) & 1u))
                continue;
            int32_t back = p->travel[(size_t)last * nn + base];
            for (int32_t i = e->head[((size_t)mask * n + last) * 2 + 1]; back != INT32_MAX && i >= 0;
                 i = e->lab[i].next) {
                int64_t d = (int64_t)e->lab[i].drive + back, t = (int64_t)e->lab[i].t + back;
                if (t > v->day_end || (v->max_drive > 0 && d > v->max_drive))
                    continue;
                if (d < best_drive || (d == best_drive && t < best_back)) {
                    best = i;
                    best_drive = d;
                    best_back = t;
                }
            }
            for (int broken = 0; broken < 2; broken++)
                for (int32_t i = e->head[((size_t)mask * n + last) * 2 + (size_t)broken]; i >= 0;
                     i = e->lab[i].next)
                    for (size_t j = 0; j < n; j++) {
                        int32_t tt = p->travel[last * nn + j];
                        if (((mask >> j) & 1u) || tt == INT32_MAX ||
                            (p->excluded && p->excluded[j]))
                            continue;
                        /* e->lab may move while reach() grows it: read first. */
                        int64_t t = (int64_t)e->lab[i].t + tt + p->service[j];
                        int64_t drive = (int64_t)e->lab[i].drive + tt;
                        if ((rc = reach(e, v, home, mask | ((uint32_t)1 << j), (uint8_t)j, t,
                                        drive, i, broken)))
                            return rc;
                    }
        }
        if (best >= 0 && (rc = add_column(e, type, mask, best, (int32_t)best_drive)))
            return rc;
    }
    return MG_OK;
}

/* What the child needs to build the model. */
typedef struct model {
    const mg_rounds_problem *p;
    const column *col;
    size_t ncol;
    const size_t *routes; /* R_g per type */
    size_t nreach;
    const uint32_t *reach; /* distinct sets of stops reaching a unit */
    const double *rweight; /* their summed weights */
} model;

static int build(Cbc_Model *m, const void *ctx)
{
    const model *md = ctx;
    const mg_rounds_problem *p = md->p;
    size_t nc = md->ncol, ntypes = 0;
    for (size_t c = 0; c < nc; c++) {
        Cbc_addCol(m, "", 0, (double)md->routes[md->col[c].type], 0, 1, 0, NULL, NULL);
        if (md->col[c].type + 1 > ntypes)
            ntypes = md->col[c].type + 1;
    }
    int *idx = mg_alloc_array(nc + 1, sizeof *idx);
    double *val = mg_alloc_array(nc + 1, sizeof *val);
    if (!idx || !val)
        return MG_ENOMEM;
    /* CBC minimises: −Σ w y. */
    for (size_t k = 0; k < md->nreach; k++) {
        int y = Cbc_getNumCols(m);
        Cbc_addCol(m, "", 0, 1, -md->rweight[k], 0, 0, NULL, NULL);
        size_t r = 0;
        for (size_t c = 0; c < nc; c++) {
            int hits = __builtin_popcount(md->col[c].mask & md->reach[k]);
            if (hits) {
                idx[r] = (int)c;
                val[r++] = -(double)hits;
            }
        }
        idx[r] = y;
        val[r++] = (double)p->cycle_weeks;
        Cbc_addRow(m, "", (int)r, idx, val, 'L', 0);
    }
    for (size_t g = 0; g < ntypes; g++) {
        size_t r = 0;
        for (size_t c = 0; c < nc; c++)
            if (md->col[c].type == g) {
                idx[r] = (int)c;
                val[r++] = 1;
            }
        if (r)
            Cbc_addRow(m, "", (int)r, idx, val, 'L', (double)md->routes[g]);
    }
    for (size_t s = 0; p->forced && s < p->nstops; s++) {
        if (!p->forced[s])
            continue;
        size_t r = 0;
        for (size_t c = 0; c < nc; c++)
            if ((md->col[c].mask >> s) & 1u) {
                idx[r] = (int)c;
                val[r++] = 1;
            }
        Cbc_addRow(m, "", (int)r, idx, val, 'G', 1);
    }
    free(idx);
    free(val);
    return MG_OK;
}

/* A quick plan for a time limit that ends before CBC has one (a plan with
 * status TIME_LIMIT rather than none): route by route, the column of the
 * largest marginal gain, while some column gains. Fills start (x then y);
 * false when skipped (forced stops, which it does not guarantee, or too
 * much work). */
static bool greedy_start(const mg_rounds_problem *p, const column *col, size_t ncol,
                         const size_t *routes, size_t ntypes, size_t nreach, const uint32_t *reach,
                         const double *rweight, double *start)
{
    size_t slots = 0;
    for (size_t g = 0; g < ntypes; g++)
        slots += routes[g];
    for (size_t s = 0; p->forced && s < p->nstops; s++)
        if (p->forced[s])
            return false;
    if ((double)slots * (double)ncol * (double)(nreach + 1) > 2e8)
        return false;
    size_t left[MG_ROUNDS_MAX_VEHICLES];
    for (size_t g = 0; g < ntypes; g++)
        left[g] = routes[g];
    double cw = p->cycle_weeks;
    for (size_t j = 0; j < ncol + nreach; j++)
        start[j] = 0;
    double *cnt = start + ncol; /* visits per reach set, then y */
    for (size_t it = 0; it < slots; it++) {
        size_t best = ncol;
        double best_gain = 1e-12;
        for (size_t c = 0; c < ncol; c++) {
            if (!left[col[c].type])
                continue;
            double gain = 0;
            for (size_t k = 0; k < nreach; k++) {
                int hits = __builtin_popcount(col[c].mask & reach[k]);
                if (hits && cnt[k] < cw)
                    gain += rweight[k] * (fmin(1, (cnt[k] + hits) / cw) - cnt[k] / cw);
            }
            if (gain > best_gain) {
                best = c;
                best_gain = gain;
            }
        }
        if (best == ncol)
            break;
        start[best] += 1;
        left[col[best].type]--;
        for (size_t k = 0; k < nreach; k++)
            cnt[k] += __builtin_popcount(col[best].mask & reach[k]);
    }
    for (size_t k = 0; k < nreach; k++)
        cnt[k] = fmin(1, cnt[k] / cw);
    return true;
}

static size_t working_days(uint8_t days)
{
    size_t n = 0;
    for (int k = 0; k < 7; k++)
        n += (days >> k) & 1u;
    return n;
}

static bool same_type(const mg_rounds_vehicle *a, const mg_rounds_vehicle *b)
{
    return a->base == b->base && a->day_start == b->day_start && a->day_end == b->day_end &&
           a->break_minutes == b->break_minutes &&
           (a->break_minutes <= 0 ||
            (a->break_earliest == b->break_earliest && a->break_latest == b->break_latest)) &&
           (a->max_drive > 0 ? a->max_drive == b->max_drive : b->max_drive <= 0);
}

/* Turns the column counts into the plan's routes. */
static int fill_plan(const mg_rounds_problem *p, const column *col, const uint32_t *type_of,
                     const rounds_cbc_out *c, mg_rounds_solution *sol, mg_diag *d)
{
    int rc = mg_rounds_solution_empty(p, sol, d);
    if (rc)
        return rc;
    size_t next = 0; /* next route to fill, searched per type from the start */
    for (size_t k = 0; k < c->n; k++) {
        const column *cc = &col[c->col[k]];
        long count = lround(c->val[k]);
        for (; count > 0; count--) {
            for (next = 0; next < sol->nroutes; next++)
                if (type_of[sol->routes[next].vehicle] == cc->type && sol->routes[next].n == 0)
                    break;
            if (next == sol->nroutes)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "internal error: more routes of type %u than its vehicles "
                                   "have days",
                                   (unsigned)cc->type);
            mg_rounds_route *r = &sol->routes[next];
            r->visits = mg_alloc_array(cc->n, sizeof *r->visits);
            if (!r->visits)
                return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            r->n = cc->n;
            for (size_t j = 0; j < cc->n; j++)
                r->visits[j] = (mg_rounds_visit){.stop = cc->order[j]};
            if (!mg_rounds_schedule(p, r))
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "internal error: vehicle %u's route of %zu stops is "
                                   "infeasible once scheduled",
                                   (unsigned)r->vehicle, r->n);
        }
    }
    return MG_OK;
}

int mg_rounds_exact(const mg_rounds_problem *p, const mg_rounds_exact_opts *o,
                    mg_rounds_exact_result *out, mg_diag *d)
{
    *out = (mg_rounds_exact_result){.status = MG_ROUNDS_FAILED, .bound = NAN};
    int rc = mg_rounds_problem_check(p, d);
    if (rc)
        return rc;
    if (p->nstops > MG_ROUNDS_EXACT_MAX_STOPS)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "%zu stops: the exact model enumerates routes and takes at most %d",
                           p->nstops, MG_ROUNDS_EXACT_MAX_STOPS);
    if (!(o->time_limit > 0) || o->time_limit > 86400)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "time limit %g s: expected 0 < s <= 86400",
                           o->time_limit);
    double t0 = rounds_now();
    size_t n = p->nstops, nv = p->nvehicles;
    enumer e = {.p = p};
    uint32_t type_of[MG_ROUNDS_MAX_VEHICLES];
    size_t routes[MG_ROUNDS_MAX_VEHICLES] = {0}, ntypes = 0;
    uint32_t *reach = NULL;
    double *rweight = NULL, *start = NULL;
    bool greedy = false; /* the plan is the greedy one, not CBC's */
    rounds_cbc_out c = {0};
    size_t first[MG_ROUNDS_MAX_VEHICLES]; /* each type's first vehicle */
    for (size_t v = 0; v < nv; v++) {
        size_t g = 0;
        while (g < ntypes && !same_type(&p->vehicles[first[g]], &p->vehicles[v]))
            g++;
        if (g == ntypes)
            first[ntypes++] = v;
        type_of[v] = (uint32_t)g;
        routes[g] += working_days(p->vehicles[v].weekdays) * (size_t)p->cycle_weeks;
    }
    e.head = mg_alloc_array(((size_t)1 << n) * (n ? n : 1) * 2, sizeof *e.head);
    if (!e.head) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory for the routes' states");
        goto done;
    }
    for (size_t g = 0; g < ntypes; g++) {
        if (routes[g] == 0)
            continue;
        if ((rc = enumerate(&e, (uint32_t)g, first[g]))) {
            if (rc == MG_ELIMIT)
                rc = mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                                 "the exact model would need more than %zu partial routes or "
                                 "%zu feasible routes: too large for it",
                                 EXACT_MAX_LABELS, EXACT_MAX_COLUMNS);
            else
                rc = mg_diag_set(d, rc, NULL, 0, 0, "out of memory enumerating routes");
            goto done;
        }
    }
    free(e.head);
    e.head = NULL;
    free(e.lab);
    e.lab = NULL;
    out->columns = e.ncol;
    for (size_t s = 0; p->forced && s < n; s++) {
        bool served = false;
        for (size_t k = 0; k < e.ncol && !served; k++)
            served = (e.col[k].mask >> s) & 1u;
        if (p->forced[s] && !served) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "stop %zu is forced but no vehicle's day can serve it", s);
            goto done;
        }
    }
    /* Units reached by the same stops share F_u: one y per distinct set. */
    reach = mg_alloc_array(p->nunits + 1, sizeof *reach);
    rweight = mg_alloc_array(p->nunits + 1, sizeof *rweight);
    uint32_t *umask = mg_alloc_array(p->nunits + 1, sizeof *umask);
    if (!reach || !rweight || !umask) {
        free(umask);
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (size_t s = 0; s < n; s++)
        for (size_t k = p->cstart[s]; k < p->cstart[s + 1]; k++)
            umask[p->cunit[k]] |= (uint32_t)1 << s;
    size_t nreach = 0;
    for (size_t u = 0; u < p->nunits; u++) {
        if (!umask[u] || !(p->weight[u] > 0))
            continue;
        size_t k = 0;
        while (k < nreach && reach[k] != umask[u])
            k++;
        if (k == nreach) {
            reach[nreach] = umask[u];
            rweight[nreach++] = 0;
        }
        rweight[k] += p->weight[u];
    }
    free(umask);

    if (e.ncol == 0) {
        /* No route can serve anything: the empty plan is the only one. */
        if ((rc = mg_rounds_solution_empty(p, &out->sol, d)))
            goto done;
        out->status = MG_ROUNDS_OPTIMAL;
        out->bound = 0;
        out->sol.value = 0;
        out->sol.seconds = rounds_now() - t0;
        goto done;
    }
    /* No start is given to CBC: with the greedy plan below as a start,
     * CBC 2.10 returned no solution at all on some of the test's instances. */
    model md = {p, e.col, e.ncol, routes, nreach, reach, rweight};
    if ((rc = rounds_cbc_run(build, &md, e.ncol, o, &c, d)))
        goto done;
    out->status = c.status;
    if (c.infeasible) {
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                         "no plan serves every forced stop within the vehicles' days");
        goto done;
    }
    if (c.status == MG_ROUNDS_FAILED)
        goto done;
    out->bound = -c.bound;
    start = c.status == MG_ROUNDS_NO_PLAN ? mg_alloc_array(e.ncol + nreach, sizeof *start) : NULL;
    if (start && greedy_start(p, e.col, e.ncol, routes, ntypes, nreach, reach, rweight, start)) {
        /* Stopped before CBC found a plan: the greedy one. */
        rounds_cbc_out_free(&c);
        c.col = mg_alloc_array(e.ncol, sizeof *c.col);
        c.val = mg_alloc_array(e.ncol, sizeof *c.val);
        if (!c.col || !c.val) {
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < e.ncol; k++)
            if (start[k] > 0) {
                c.col[c.n] = (uint32_t)k;
                c.val[c.n++] = start[k];
            }
        c.status = out->status = MG_ROUNDS_TIME_LIMIT;
        greedy = true;
    }
    if (c.status == MG_ROUNDS_OPTIMAL || c.status == MG_ROUNDS_TIME_LIMIT) {
        if ((rc = fill_plan(p, e.col, type_of, &c, &out->sol, d))) {
            mg_rounds_solution_free(&out->sol);
            out->status = MG_ROUNDS_FAILED;
            goto done;
        }
        out->sol.value = mg_rounds_value(p, &out->sol);
        double all = 0;
        for (size_t k = 0; k < nreach; k++)
            all += rweight[k];
        if (greedy && !(out->bound >= out->sol.value && out->bound <= all))
            /* CBC stopped before its first LP may have no bound: every
             * reachable weight, which no plan exceeds. */
            out->bound = all;
        else if (c.status == MG_ROUNDS_OPTIMAL || out->bound < out->sol.value)
            out->bound = out->sol.value; /* CBC's tolerances */
    }
    out->sol.seconds = rounds_now() - t0;
done:
    rounds_cbc_out_free(&c);
    free(start);
    free(reach);
    free(rweight);
    free(e.head);
    free(e.lab);
    free(e.col);
    return rc;
}
