/* Explanations: for a set of sites, the totals (deficit, population below
 * the threshold before and after, cost per person lifted) and, per site,
 * whom it reaches and what the plan would lose without it. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "plan/internal.h"

/* APL of every unit with the items except `skip` (SIZE_MAX: none). */
static void apl_with(const mg_plan_problem *p, const mg_plan_item *items, size_t n, size_t skip,
                     double *apl)
{
    memcpy(apl, p->base, p->n * sizeof *apl);
    for (size_t m = 0; m < n; m++) {
        if (m == skip)
            continue;
        double sc = p->kinds[items[m].kind].capacity * p->cfactor[items[m].cand];
        for (size_t q = p->cstart[items[m].cand]; q < p->cstart[items[m].cand + 1]; q++)
            apl[p->cunit[q]] += p->cw[q] * sc;
    }
}

static double below(const mg_plan_problem *p, const double *apl)
{
    double s = 0;
    for (size_t u = 0; u < p->n; u++)
        if (apl[u] < p->threshold)
            s += p->pop[u];
    return s;
}

static double deficit(const mg_plan_problem *p, const double *apl)
{
    double s = 0;
    for (size_t u = 0; u < p->n; u++)
        if (apl[u] < p->threshold)
            s += p->pop[u] * (p->threshold - apl[u]);
    return s;
}

int mg_plan_explain(const mg_plan_problem *p, const mg_plan_item *items, size_t n,
                    mg_plan_totals *tot, mg_plan_site_explain *ex, double *apl_after)
{
    double *apl = mg_alloc_array(p->n ? p->n : 1, sizeof *apl);
    mg_plan_item *others = mg_alloc_array(n ? n : 1, sizeof *others);
    if (!apl || !others) {
        free(apl);
        free(others);
        return MG_ENOMEM;
    }
    int rc = MG_OK;
    *tot = (mg_plan_totals){0};
    if ((rc = mg_plan_value(p, items, n, &tot->value)))
        goto done;
    tot->deficit_before = deficit(p, p->base);
    tot->below_before = below(p, p->base);
    apl_with(p, items, n, SIZE_MAX, apl);
    tot->deficit_after = deficit(p, apl);
    tot->below_after = below(p, apl);
    tot->lifted = tot->below_before - tot->below_after;
    for (size_t m = 0; m < n; m++)
        tot->cost += p->kinds[items[m].kind].cost;
    tot->cost_per_lifted = tot->lifted > 0 ? tot->cost / tot->lifted : NAN;
    if (apl_after)
        memcpy(apl_after, apl, p->n * sizeof *apl);
    for (size_t s = 0; ex && s < n; s++) {
        mg_plan_site_explain *e = &ex[s];
        *e = (mg_plan_site_explain){0};
        size_t no = 0;
        for (size_t m = 0; m < n; m++)
            if (m != s)
                others[no++] = items[m];
        double without;
        if ((rc = mg_plan_value(p, others, no, &without)))
            goto done;
        e->marginal = tot->value - without;
        apl_with(p, items, n, s, apl);
        e->population_lifted = below(p, apl) - tot->below_after;
        uint32_t c = items[s].cand;
        double sc = p->kinds[items[s].kind].capacity * p->cfactor[c];
        for (size_t q = p->cstart[c]; q < p->cstart[c + 1]; q++) {
            uint32_t u = p->cunit[q];
            int reached;
            switch (p->objective) {
            case MG_PLAN_COVERAGE: reached = p->cmin[q] <= p->coverage_minutes; break;
            case MG_PLAN_PMEDIAN: reached = p->cmin[q] < p->base_minutes[u]; break;
            default: reached = p->cw[q] > 0; break;
            }
            if (!reached)
                continue;
            e->units_reached++;
            e->population_reached += p->pop[u];
            double gain = p->cw[q] * sc;
            if (gain > e->apl_gain_max || e->units_reached == 1) {
                e->apl_gain_max = gain;
                e->best_unit = u;
            }
        }
    }
done:
    free(apl);
    free(others);
    return rc;
}
