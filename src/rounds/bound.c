/* An upper bound on the gain of every feasible plan, for the gap of the
 * heuristic on instances too large for mg_rounds_exact
 * (docs/rounds-method.md, "Exact model and bound", states the relaxation
 * and proves each row valid).
 *
 * Per vehicle v with R_v routes in the cycle (working days × weeks):
 *   z_v ∈ [0, R_v]        its non-empty routes;
 *   x_sv ∈ [0, R_v]       how many of its routes visit stop s (only for the
 *                         stops it could reach at all);
 *   x_sv <= z_v           a route visits a stop at most once;
 *   Σ_s (service_s + c_sv) x_sv <= (L_v − break_v − cb_v) z_v   (time);
 *   Σ_s c_sv x_sv <= (max_drive_v − cb_v) z_v                    (driving);
 *   Σ_s x_sv <= MG_ROUNDS_MAX_VISITS z_v;
 * per unit u with w_u > 0:
 *   y_u ∈ [0, 1],  cycle_weeks · y_u <= Σ_v Σ_{s reaches u} x_sv;
 * maximise Σ_u w_u y_u. Here c_sv is half the shortest arc into s plus half
 * the shortest arc out of s, over the arcs a route of v can use (from and
 * to the other stops and v's base), and cb_v half the shortest arc out of
 * the base plus half the shortest arc into it: every arc of a route is
 * split in halves between its two ends, and each end takes at least its
 * shortest arc's half. Forced stops are left out (a relaxation may drop
 * constraints); excluded stops get no variable. */
#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "rounds/cbc.h"

typedef struct lp {
    const mg_rounds_problem *p;
    size_t *routes;     /* R_v */
    uint8_t *ok;        /* nvehicles × nstops: v could serve s */
    double *cost;       /* nvehicles × nstops: c_sv */
    double *cbase;      /* cb_v */
} lp;

static size_t working_days(uint8_t days)
{
    size_t n = 0;
    for (int k = 0; k < 7; k++)
        n += (days >> k) & 1u;
    return n;
}

/* Shortest driving between the base and every stop over the nodes a route
 * of this vehicle may use (stops and its base), outward (base → s) or
 * inward (s → base): Dijkstra on the dense matrix, O(nstops²). */
static void base_paths(const mg_rounds_problem *p, size_t base, int inward, int64_t *dist,
                       uint8_t *done)
{
    size_t n = p->nstops, nn = mg_rounds_nnodes(p);
    for (size_t s = 0; s <= n; s++) {
        dist[s] = INT64_MAX;
        done[s] = 0;
    }
    dist[n] = 0; /* index n: the base */
    for (;;) {
        size_t best = n + 1;
        for (size_t s = 0; s <= n; s++)
            if (!done[s] && dist[s] < INT64_MAX && (best > n || dist[s] < dist[best]))
                best = s;
        if (best > n)
            return;
        done[best] = 1;
        size_t from = best == n ? base : best;
        for (size_t s = 0; s < n; s++) {
            if (done[s] || (p->excluded && p->excluded[s]))
                continue;
            int32_t tt = inward ? p->travel[s * nn + from] : p->travel[from * nn + s];
            if (tt != INT32_MAX && dist[best] + tt < dist[s])
                dist[s] = dist[best] + tt;
        }
    }
}

/* Which stops each vehicle could serve alone at all, and the costs c_sv. */
static int prepare(const mg_rounds_problem *p, lp *m)
{
    size_t n = p->nstops, nn = mg_rounds_nnodes(p), nv = p->nvehicles;
    int64_t *out = mg_alloc_array(n + 1, sizeof *out), *in = mg_alloc_array(n + 1, sizeof *in);
    uint8_t *done = mg_alloc_array(n + 1, 1);
    /* Shortest arc into / out of each stop from the other stops (the base
     * is added per vehicle). */
    int64_t *min_in = mg_alloc_array(n + 1, sizeof *min_in);
    int64_t *min_out = mg_alloc_array(n + 1, sizeof *min_out);
    if (!out || !in || !done || !min_in || !min_out) {
        free(out);
        free(in);
        free(done);
        free(min_in);
        free(min_out);
        return MG_ENOMEM;
    }
    for (size_t s = 0; s < n; s++) {
        min_in[s] = min_out[s] = INT64_MAX;
        for (size_t a = 0; a < n; a++) {
            if (a == s || (p->excluded && p->excluded[a]))
                continue;
            int32_t ti = p->travel[a * nn + s], to = p->travel[s * nn + a];
            if (ti != INT32_MAX && ti < min_in[s])
                min_in[s] = ti;
            if (to != INT32_MAX && to < min_out[s])
                min_out[s] = to;
        }
    }
    for (size_t v = 0; v < nv; v++) {
        const mg_rounds_vehicle *veh = &p->vehicles[v];
        size_t base = n + veh->base;
        m->routes[v] = working_days(veh->weekdays) * (size_t)p->cycle_weeks;
        base_paths(p, base, 0, out, done);
        base_paths(p, base, 1, in, done);
        int64_t day = (int64_t)veh->day_end - veh->day_start;
        int64_t brk = veh->break_minutes > 0 ? veh->break_minutes : 0;
        int64_t bout = INT64_MAX, bin = INT64_MAX;
        for (size_t s = 0; s < n; s++) {
            int32_t to = p->travel[base * nn + s], ti = p->travel[s * nn + base];
            if (p->excluded && p->excluded[s])
                continue;
            if (to != INT32_MAX && to < bout)
                bout = to;
            if (ti != INT32_MAX && ti < bin)
                bin = ti;
        }
        m->cbase[v] = bout < INT64_MAX && bin < INT64_MAX ? 0.5 * (double)bout + 0.5 * (double)bin
                                                          : 0;
        for (size_t s = 0; s < n; s++) {
            size_t at = v * n + s;
            m->ok[at] = 0;
            if ((p->excluded && p->excluded[s]) || m->routes[v] == 0 || out[s] == INT64_MAX ||
                in[s] == INT64_MAX)
                continue;
            /* Any route through s drives a path base → s and a path s → base. */
            int64_t path = out[s] + in[s];
            if (path + p->service[s] + brk > day || (veh->max_drive > 0 && path > veh->max_drive))
                continue;
            int64_t ti = min_in[s], to = min_out[s];
            int32_t fb = p->travel[base * nn + s], tb = p->travel[s * nn + base];
            if (fb != INT32_MAX && fb < ti)
                ti = fb;
            if (tb != INT32_MAX && tb < to)
                to = tb;
            m->ok[at] = 1;
            m->cost[at] = 0.5 * (double)ti + 0.5 * (double)to;
        }
    }
    free(out);
    free(in);
    free(done);
    free(min_in);
    free(min_out);
    return MG_OK;
}

static int build(Cbc_Model *cm, const void *ctx)
{
    const lp *m = ctx;
    const mg_rounds_problem *p = m->p;
    size_t n = p->nstops, nv = p->nvehicles;
    /* Columns: z_v, then x_sv for ok[v·n + s], then y_u. */
    int *xcol = mg_alloc_array(nv * n + 1, sizeof *xcol);
    size_t cap = nv * n + nv + 8;
    int *idx = mg_alloc_array(cap, sizeof *idx);
    double *val = mg_alloc_array(cap, sizeof *val);
    if (!xcol || !idx || !val)
        return MG_ENOMEM;
    for (size_t v = 0; v < nv; v++)
        Cbc_addCol(cm, "", 0, (double)m->routes[v], 0, 0, 0, NULL, NULL);
    for (size_t v = 0; v < nv; v++)
        for (size_t s = 0; s < n; s++) {
            xcol[v * n + s] = -1;
            if (m->ok[v * n + s]) {
                xcol[v * n + s] = Cbc_getNumCols(cm);
                Cbc_addCol(cm, "", 0, (double)m->routes[v], 0, 0, 0, NULL, NULL);
            }
        }
    for (size_t v = 0; v < nv; v++) {
        const mg_rounds_vehicle *veh = &p->vehicles[v];
        double brk = veh->break_minutes > 0 ? veh->break_minutes : 0;
        double day = (double)veh->day_end - veh->day_start;
        size_t r = 0;
        for (size_t s = 0; s < n; s++) {
            int x = xcol[v * n + s];
            if (x < 0)
                continue;
            int pair[2] = {x, (int)v};
            double coef[2] = {1, -1};
            Cbc_addRow(cm, "", 2, pair, coef, 'L', 0);
            idx[r] = x;
            val[r++] = p->service[s] + m->cost[v * n + s];
        }
        if (r == 0)
            continue;
        idx[r] = (int)v;
        val[r] = -(day - brk - m->cbase[v]);
        Cbc_addRow(cm, "", (int)r + 1, idx, val, 'L', 0);
        for (size_t k = 0; k < r; k++)
            val[k] = 1;
        val[r] = -(double)MG_ROUNDS_MAX_VISITS;
        Cbc_addRow(cm, "", (int)r + 1, idx, val, 'L', 0);
        if (veh->max_drive > 0) {
            r = 0;
            for (size_t s = 0; s < n; s++)
                if (xcol[v * n + s] >= 0) {
                    idx[r] = xcol[v * n + s];
                    val[r++] = m->cost[v * n + s];
                }
            idx[r] = (int)v;
            val[r] = -((double)veh->max_drive - m->cbase[v]);
            Cbc_addRow(cm, "", (int)r + 1, idx, val, 'L', 0);
        }
    }
    /* Stops by unit: the rows need the transpose of cstart/cunit. */
    size_t nz = p->cstart[n];
    size_t *ustart = mg_alloc_array(p->nunits + 1, sizeof *ustart);
    size_t *fill = mg_alloc_array(p->nunits + 1, sizeof *fill);
    uint32_t *ustop = mg_alloc_array(nz ? nz : 1, sizeof *ustop);
    if (!ustart || !fill || !ustop)
        return MG_ENOMEM;
    for (size_t q = 0; q < nz; q++)
        ustart[p->cunit[q] + 1]++;
    for (size_t u = 0; u < p->nunits; u++)
        ustart[u + 1] += ustart[u];
    for (size_t s = 0; s < n; s++)
        for (size_t q = p->cstart[s]; q < p->cstart[s + 1]; q++)
            ustop[ustart[p->cunit[q]] + fill[p->cunit[q]]++] = (uint32_t)s;
    for (size_t u = 0; u < p->nunits; u++) {
        if (!(p->weight[u] > 0))
            continue;
        size_t r = 0;
        for (size_t a = ustart[u]; a < ustart[u + 1]; a++)
            for (size_t v = 0; v < nv; v++) {
                int x = xcol[v * n + ustop[a]];
                if (x < 0)
                    continue;
                if (r + 1 >= cap) {
                    size_t ncap = 2 * cap;
                    int *ni = mg_realloc_array(idx, ncap, sizeof *ni);
                    if (!ni)
                        return MG_ENOMEM;
                    idx = ni;
                    double *nvl = mg_realloc_array(val, ncap, sizeof *nvl);
                    if (!nvl)
                        return MG_ENOMEM;
                    val = nvl;
                    cap = ncap;
                }
                idx[r] = x;
                val[r++] = -1;
            }
        if (r == 0)
            continue; /* no stop that a vehicle can serve reaches u */
        idx[r] = Cbc_getNumCols(cm);
        val[r] = (double)p->cycle_weeks;
        Cbc_addCol(cm, "", 0, 1, -p->weight[u], 0, 0, NULL, NULL);
        Cbc_addRow(cm, "", (int)r + 1, idx, val, 'L', 0);
    }
    /* The child exits right after solving; freeing keeps tools quiet. */
    free(xcol);
    free(idx);
    free(val);
    free(ustart);
    free(fill);
    free(ustop);
    return MG_OK;
}

int mg_rounds_bound(const mg_rounds_problem *p, const mg_rounds_exact_opts *o, double *bound,
                    mg_diag *d)
{
    *bound = NAN;
    int rc = mg_rounds_problem_check(p, d);
    if (rc)
        return rc;
    if (!(o->time_limit > 0) || o->time_limit > 86400)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "time limit %g s: expected 0 < s <= 86400",
                           o->time_limit);
    size_t n = p->nstops, nv = p->nvehicles;
    lp m = {.p = p};
    m.routes = mg_alloc_array(nv + 1, sizeof *m.routes);
    m.ok = mg_alloc_array(nv * n + 1, 1);
    m.cost = mg_alloc_array(nv * n + 1, sizeof *m.cost);
    m.cbase = mg_alloc_array(nv + 1, sizeof *m.cbase);
    rounds_cbc_out c = {0};
    if (!m.routes || !m.ok || !m.cost || !m.cbase || prepare(p, &m)) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory for the bound's model");
        goto done;
    }
    if ((rc = rounds_cbc_run(build, &m, 0, o, &c, d)))
        goto done;
    if (c.status == MG_ROUNDS_FAILED)
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "the LP solver failed (memory or time)");
    else if (c.status != MG_ROUNDS_OPTIMAL)
        rc = mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                         "the LP relaxation was not solved within %g s: no bound", o->time_limit);
    else
        *bound = c.objective == 0 ? 0 : -c.objective;
done:
    rounds_cbc_out_free(&c);
    free(m.routes);
    free(m.ok);
    free(m.cost);
    free(m.cbase);
    return rc;
}
