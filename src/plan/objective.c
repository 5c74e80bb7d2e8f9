/* The objectives: the marginal gain of one more site in one pass over the
 * units it reaches, and the value of a set. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "geo/geo.h"
#include "plan/internal.h"

double plan_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int plan_state_init(plan_state *s, const mg_plan_problem *p)
{
    *s = (plan_state){.p = p};
    size_t n = p->n ? p->n : 1;
    s->apl = mg_alloc_array(n, sizeof *s->apl);
    s->mins = mg_alloc_array(n, sizeof *s->mins);
    s->cover = mg_alloc_array(n, sizeof *s->cover);
    if (!s->apl || !s->mins || !s->cover) {
        plan_state_free(s);
        return MG_ENOMEM;
    }
    plan_state_reset(s);
    return MG_OK;
}

void plan_state_reset(plan_state *s)
{
    const mg_plan_problem *p = s->p;
    if (p->n) {
        memcpy(s->apl, p->base, p->n * sizeof *s->apl);
        memcpy(s->mins, p->base_minutes, p->n * sizeof *s->mins);
        memset(s->cover, 0, p->n * sizeof *s->cover);
    }
    s->value = s->value2 = 0;
}

void plan_state_free(plan_state *s)
{
    free(s->apl);
    free(s->mins);
    free(s->cover);
    s->apl = s->mins = NULL;
    s->cover = NULL;
}

plan_gain plan_gain_of(const plan_state *s, uint32_t cand, uint32_t kind)
{
    const mg_plan_problem *p = s->p;
    plan_gain r = {0, 0};
    size_t a = p->cstart[cand], b = p->cstart[cand + 1];
    double theta = p->threshold;
    switch (p->objective) {
    case MG_PLAN_DEFICIT:
    case MG_PLAN_LIFTED: {
        double sc = p->kinds[kind].capacity * p->cfactor[cand];
        for (size_t q = a; q < b; q++) {
            uint32_t u = p->cunit[q];
            double x = s->apl[u];
            if (x >= theta)
                continue;
            double y = x + p->cw[q] * sc;
            r.g2 += p->pop[u] * ((y < theta ? y : theta) - x);
            if (y >= theta)
                r.g += p->pop[u];
        }
        if (p->objective == MG_PLAN_DEFICIT) {
            r.g = r.g2;
            r.g2 = 0;
        }
        break;
    }
    case MG_PLAN_COVERAGE:
        for (size_t q = a; q < b; q++) {
            uint32_t u = p->cunit[q];
            if (s->cover[u] == 0 && p->cmin[q] <= p->coverage_minutes)
                r.g += plan_target(p, u);
        }
        break;
    case MG_PLAN_PMEDIAN:
        for (size_t q = a; q < b; q++) {
            uint32_t u = p->cunit[q];
            if (p->cmin[q] < s->mins[u])
                r.g += p->pop[u] * (s->mins[u] - p->cmin[q]);
        }
        break;
    case MG_PLAN_OBJECTIVE_COUNT:
        break;
    }
    return r;
}

void plan_apply(plan_state *s, uint32_t cand, uint32_t kind)
{
    const mg_plan_problem *p = s->p;
    plan_gain g = plan_gain_of(s, cand, kind);
    s->value += g.g;
    s->value2 += g.g2;
    size_t a = p->cstart[cand], b = p->cstart[cand + 1];
    switch (p->objective) {
    case MG_PLAN_DEFICIT:
    case MG_PLAN_LIFTED: {
        double sc = p->kinds[kind].capacity * p->cfactor[cand];
        for (size_t q = a; q < b; q++)
            s->apl[p->cunit[q]] += p->cw[q] * sc;
        break;
    }
    case MG_PLAN_COVERAGE:
        for (size_t q = a; q < b; q++)
            if (p->cmin[q] <= p->coverage_minutes)
                s->cover[p->cunit[q]]++;
        break;
    case MG_PLAN_PMEDIAN:
        for (size_t q = a; q < b; q++)
            if (p->cmin[q] < s->mins[p->cunit[q]])
                s->mins[p->cunit[q]] = p->cmin[q];
        break;
    case MG_PLAN_OBJECTIVE_COUNT:
        break;
    }
}

int plan_gain_cmp(plan_gain a, plan_gain b)
{
    double tol = 1e-9 * (1 + fabs(a.g) + fabs(b.g));
    if (a.g > b.g + tol)
        return 1;
    if (b.g > a.g + tol)
        return -1;
    double tol2 = 1e-9 * (1 + fabs(a.g2) + fabs(b.g2));
    if (a.g2 > b.g2 + tol2)
        return 1;
    if (b.g2 > a.g2 + tol2)
        return -1;
    return 0;
}

int plan_item_fits(const mg_plan_problem *p, const mg_plan_item *items, size_t n,
                   const size_t *counts, double cost, uint32_t cand, uint32_t kind)
{
    if (counts[kind] >= p->kinds[kind].max_count)
        return 0;
    if (plan_has_budget(p) && cost + p->kinds[kind].cost > p->budget * (1 + 1e-12))
        return 0;
    for (size_t m = 0; m < n; m++) {
        if (items[m].cand == cand && items[m].kind == kind)
            return 0;
        if (p->min_km > 0 &&
            (items[m].cand == cand ||
             mg_geo_distance_km(p->clat[cand], p->clon[cand], p->clat[items[m].cand],
                                p->clon[items[m].cand]) < p->min_km))
            return 0;
    }
    return 1;
}

int mg_plan_value(const mg_plan_problem *p, const mg_plan_item *items, size_t n, double *value)
{
    plan_state s;
    if (plan_state_init(&s, p))
        return MG_ENOMEM;
    for (size_t k = 0; k < n; k++)
        plan_apply(&s, items[k].cand, items[k].kind);
    *value = s.value;
    plan_state_free(&s);
    return MG_OK;
}

bool mg_plan_feasible(const mg_plan_problem *p, const mg_plan_item *items, size_t n)
{
    size_t counts[MG_PLAN_MAX_KINDS] = {0};
    double cost = 0;
    for (size_t k = 0; k < n; k++) {
        if (items[k].cand >= p->ncand || items[k].kind >= p->nkinds ||
            !plan_item_fits(p, items, k, counts, cost, items[k].cand, items[k].kind))
            return false;
        counts[items[k].kind]++;
        cost += p->kinds[items[k].kind].cost;
    }
    return true;
}
