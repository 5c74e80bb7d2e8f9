/* Planning model: objective names, kinds and their default costs, the
 * problem's checks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan/internal.h"

static const char *const objective_names[MG_PLAN_OBJECTIVE_COUNT] = {
    [MG_PLAN_DEFICIT] = "deficit",
    [MG_PLAN_LIFTED] = "lifted",
    [MG_PLAN_COVERAGE] = "coverage",
    [MG_PLAN_PMEDIAN] = "pmedian",
};

const char *mg_plan_objective_name(enum mg_plan_objective o)
{
    return o < MG_PLAN_OBJECTIVE_COUNT ? objective_names[o] : "?";
}

enum mg_plan_objective mg_plan_objective_parse(const char *name)
{
    for (int k = 0; k < MG_PLAN_OBJECTIVE_COUNT; k++)
        if (strcmp(objective_names[k], name) == 0)
            return (enum mg_plan_objective)k;
    return MG_PLAN_OBJECTIVE_COUNT;
}

double mg_plan_default_cost(enum mg_resource kind)
{
    /* Orders of magnitude of what a local authority pays for one site over
     * its first year (docs/planning.md gives the reasoning; all to confirm
     * and meant to be replaced by the user's own figures). */
    switch (kind) {
    case MG_RES_GP:
        /* Installation aid of the Assurance maladie's CAIM (up to 50,000 €
         * for a GP settling in an under-served area). */
        return 50000;
    case MG_RES_CENTRE:
        /* A rural maison de santé: building of about 1.5 M€. */
        return 1500000;
    case MG_RES_CABIN:
        /* A connected cabin: purchase and installation plus a year of
         * service and maintenance, about 80,000 €. */
        return 80000;
    case MG_RES_CART:
        /* A cart with its connected instruments (about 20,000 €) plus the
         * share of an assisting nurse's time. */
        return 30000;
    case MG_RES_MOBILE:
        /* One stop of a shared medical bus: a share of the vehicle and of
         * the team's time for two days a month. */
        return 40000;
    case MG_RES_COUNT:
        break;
    }
    return NAN;
}

void mg_plan_problem_free(mg_plan_problem *p)
{
    if (!p)
        return;
    free(p->pop);
    free(p->base);
    free(p->base_minutes);
    free(p->unit_commune);
    free(p->cstart);
    free(p->cunit);
    free(p->cw);
    free(p->cmin);
    free(p->cfactor);
    free(p->clat);
    free(p->clon);
    free(p->cand_commune);
    p->pop = p->base = p->base_minutes = p->cw = p->cmin = p->cfactor = p->clat = p->clon = NULL;
    p->unit_commune = p->cstart = p->cand_commune = NULL;
    p->cunit = NULL;
    p->n = p->ncand = 0;
}

int mg_plan_problem_check(const mg_plan_problem *p, mg_diag *d)
{
    if (p->objective >= MG_PLAN_OBJECTIVE_COUNT)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "unknown objective");
    if (p->nkinds == 0 || p->nkinds > MG_PLAN_MAX_KINDS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "nothing to place: give at least one resource (at most %d kinds)",
                           MG_PLAN_MAX_KINDS);
    if ((p->objective == MG_PLAN_DEFICIT || p->objective == MG_PLAN_LIFTED ||
         p->objective == MG_PLAN_COVERAGE) &&
        !(isfinite(p->threshold) && p->threshold > 0))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "the %s objective needs a positive threshold (--threshold)",
                           mg_plan_objective_name(p->objective));
    if (p->objective == MG_PLAN_COVERAGE &&
        !(isfinite(p->coverage_minutes) && p->coverage_minutes >= 0))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "the coverage objective needs a time in minutes (--coverage-minutes)");
    if (!(p->min_km >= 0) || !isfinite(p->min_km))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "minimum distance %g km: expected a non-negative distance", p->min_km);
    if (isnan(p->budget))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "budget is not a number");
    size_t total = 0;
    double cheapest = INFINITY;
    for (size_t k = 0; k < p->nkinds; k++) {
        const mg_plan_kind *q = &p->kinds[k];
        const char *name = mg_resource_name(q->proto.kind);
        if (!(isfinite(q->capacity) && q->capacity >= 0))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "%s: capacity %g: expected a non-negative capacity (a plan adds "
                               "resources; use a scenario for departures)",
                               name, q->capacity);
        if (!(isfinite(q->cost) && q->cost >= 0))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s: cost %g: expected a non-negative cost",
                               name, q->cost);
        if (q->max_count > MG_PLAN_MAX_SITES)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s: %zu sites: at most %d", name,
                               q->max_count, MG_PLAN_MAX_SITES);
        for (size_t m = 0; m < k; m++)
            if (p->kinds[m].proto.kind == q->proto.kind)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s is given twice", name);
        total += q->max_count;
        if (q->max_count > 0 && q->cost < cheapest)
            cheapest = q->cost;
    }
    if (total == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "nothing to place: every count is 0");
    if (total > MG_PLAN_MAX_SITES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%zu sites: at most %d in one plan", total,
                           MG_PLAN_MAX_SITES);
    if (plan_has_budget(p) && cheapest > p->budget)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "infeasible budget: %.0f EUR does not pay for one site (the cheapest "
                           "costs %.0f EUR)",
                           p->budget, cheapest);
    if (p->min_km > 0 && p->ncand > 0 && (!p->clat || !p->clon))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "minimum distance without candidate positions");
    return MG_OK;
}

void mg_plan_solution_free(mg_plan_solution *s)
{
    if (!s)
        return;
    free(s->items);
    free(s->pick_gain);
    s->items = NULL;
    s->pick_gain = NULL;
    s->n = 0;
}

int mg_plan_kind_init(mg_plan_kind *out, enum mg_resource kind, const mg_diagnosis *g,
                      mg_diag *d)
{
    *out = (mg_plan_kind){.proto = mg_action_defaults(kind), .cost = mg_plan_default_cost(kind),
                          .max_count = 1};
    if (kind >= MG_RES_COUNT)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "unknown resource kind");
    return mg_action_capacity(&out->proto, g, &out->capacity, d);
}
