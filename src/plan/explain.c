/* Explanations: for a set of sites, the totals (deficit, population below
 * the threshold before and after, in standardised population, inhabitants
 * and communes, cost per person lifted) and, per site, whom it reaches,
 * its marginal gain in the set's order and its gain alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "plan/internal.h"

/* Below-threshold figures of an APL vector: standardised population,
 * inhabitants (NaN without them) and communes. */
typedef struct below_fig {
    double pop, inhab;
    size_t communes;
} below_fig;

static below_fig below(const mg_plan_problem *p, const double *apl)
{
    below_fig f = {0, p->inhabitants ? 0 : NAN, 0};
    for (size_t u = 0; u < p->n; u++)
        if (apl[u] < p->threshold) {
            f.pop += p->pop[u];
            if (p->inhabitants)
                f.inhab += p->inhabitants[u];
            f.communes++;
        }
    return f;
}

static double deficit(const mg_plan_problem *p, const double *apl)
{
    double s = 0;
    for (size_t u = 0; u < p->n; u++)
        if (apl[u] < p->threshold)
            s += p->pop[u] * (p->threshold - apl[u]);
    return s;
}

/* Adds site (cand, kind)'s APL to apl. */
static void add_site(const mg_plan_problem *p, const mg_plan_item *it, double *apl)
{
    double sc = p->kinds[it->kind].capacity * p->cfactor[it->cand];
    for (size_t q = p->cstart[it->cand]; q < p->cstart[it->cand + 1]; q++)
        apl[p->cunit[q]] += p->cw[q] * sc;
}

int mg_plan_explain(const mg_plan_problem *p, const mg_plan_item *items, size_t n,
                    mg_plan_totals *tot, mg_plan_site_explain *ex, double *apl_after)
{
    double *apl = mg_alloc_array(p->n ? p->n : 1, sizeof *apl);
    plan_state st;
    if (!apl || plan_state_init(&st, p)) {
        free(apl);
        return MG_ENOMEM;
    }
    *tot = (mg_plan_totals){0};
    tot->deficit_before = deficit(p, p->base);
    below_fig b0 = below(p, p->base);
    tot->below_before = b0.pop;
    tot->inhabitants_below_before = b0.inhab;
    tot->communes_below_before = b0.communes;
    /* The sites one after the other, in the set's order: each one's
     * marginal figures are what it adds to those before it, so that they
     * add up to the set's. */
    memcpy(apl, p->base, p->n * sizeof *apl);
    below_fig prev = b0;
    for (size_t s = 0; s < n; s++) {
        double before = st.value;
        plan_apply(&st, items[s].cand, items[s].kind);
        add_site(p, &items[s], apl);
        below_fig now = below(p, apl);
        if (ex) {
            ex[s] = (mg_plan_site_explain){0};
            ex[s].marginal = st.value - before;
            ex[s].population_lifted = prev.pop - now.pop;
            ex[s].inhabitants_lifted = prev.inhab - now.inhab;
        }
        prev = now;
        tot->cost += p->kinds[items[s].kind].cost;
    }
    tot->value = st.value;
    tot->deficit_after = deficit(p, apl);
    tot->below_after = prev.pop;
    tot->inhabitants_below_after = prev.inhab;
    tot->communes_below_after = prev.communes;
    tot->lifted = tot->below_before - tot->below_after;
    tot->inhabitants_lifted = tot->inhabitants_below_before - tot->inhabitants_below_after;
    tot->cost_per_lifted = tot->lifted > 0 ? tot->cost / tot->lifted : NAN;
    tot->cost_per_inhabitant_lifted =
        tot->inhabitants_lifted > 0 ? tot->cost / tot->inhabitants_lifted : NAN;
    if (apl_after)
        memcpy(apl_after, apl, p->n * sizeof *apl);
    for (size_t s = 0; ex && s < n; s++) {
        mg_plan_site_explain *e = &ex[s];
        /* Standalone: the site alone on today's situation. */
        plan_state_reset(&st);
        plan_apply(&st, items[s].cand, items[s].kind);
        e->standalone = st.value;
        e->inhabitants_reached = p->inhabitants ? 0 : NAN;
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
            if (p->inhabitants)
                e->inhabitants_reached += p->inhabitants[u];
            double gain = p->cw[q] * sc;
            if (gain > e->apl_gain_max || e->units_reached == 1) {
                e->apl_gain_max = gain;
                e->best_unit = u;
            }
        }
    }
    plan_state_free(&st);
    free(apl);
    return MG_OK;
}
