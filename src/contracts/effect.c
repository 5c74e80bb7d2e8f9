/*
 * The expected effect of an action modelled by a scenario
 * (contracts/indicators.h, mg_action_effect_compute): the figures of the
 * action's target communes before (the diagnosis's APL) and after (the
 * scenario's APL), computed as the engine indicators compute them, so that
 * "before" equals what an engine indicator records on the same communes.
 */
#include "contracts/indicators.h"

#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "diagnosis/summary.h"

/* Mean, inhabitants below and communes below of `value` over e's
 * communes. */
static int figures(const mg_indicator_engine *e, const double *value, double *mean,
                   double *below, size_t *communes_below, double *population, mg_diag *d)
{
    mg_summary s;
    int rc = mg_summary_compute_on(e->g, e->communes, e->ncommunes, value, NULL, e->threshold,
                                   NULL, NULL, &s, d);
    if (rc < 0)
        return rc;
    *mean = s.territory.mean;
    *below = s.territory.below_population;
    *population = s.territory.population;
    mg_summary_free(&s);
    *communes_below = 0;
    if (isfinite(e->threshold))
        for (size_t k = 0; k < e->ncommunes; k++)
            if (value[e->communes[k]] < e->threshold)
                (*communes_below)++;
    return 0;
}

int mg_action_effect_compute(const mg_indicator_engine *e, const mg_scenario_engine *se,
                             const mg_scenario *s, int64_t cost_cents, mg_action_effect *out,
                             mg_diag *d)
{
    if (!e || !e->g || !se || !s || !out || cost_cents < 0 || (!e->communes && e->ncommunes))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_action_effect_compute: bad arguments");
    *out = (mg_action_effect){0};
    out->cost_per_person = NAN;
    if (e->ncommunes == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no target commune for the effect");
    const mg_territory *t = e->g->t;
    for (size_t k = 0; k < e->ncommunes; k++)
        if (e->communes[k] >= t->n)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "commune index %zu out of range",
                               e->communes[k]);
    double *after = mg_alloc_array(t->n ? t->n : 1, sizeof *after);
    if (!after)
        return MG_ENOMEM;
    int rc = mg_scenario_eval(se, s, after, NULL, d);
    double pop_after = 0;
    if (rc == 0)
        rc = figures(e, e->g->apl, &out->mean_before, &out->below_before,
                     &out->communes_below_before, &out->population, d);
    if (rc == 0)
        rc = figures(e, after, &out->mean_after, &out->below_after, &out->communes_below_after,
                     &pop_after, d);
    free(after);
    if (rc < 0) {
        *out = (mg_action_effect){0};
        out->cost_per_person = NAN;
        return rc;
    }
    out->ncommunes = e->ncommunes;
    out->lifted = out->below_before - out->below_after;
    out->cost_cents = cost_cents;
    out->cost_per_person =
        out->lifted > 0 && cost_cents > 0 ? (double)cost_cents / 100.0 / out->lifted : NAN;
    return 0;
}
