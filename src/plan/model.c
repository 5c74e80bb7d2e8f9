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
    free(p->inhabitants);
    free(p->cstart);
    free(p->cunit);
    free(p->cw);
    free(p->cmin);
    free(p->cfactor);
    free(p->clat);
    free(p->clon);
    free(p->cand_commune);
    p->inhabitants = NULL;
    p->pop = p->base = p->base_minutes = p->cw = p->cmin = p->cfactor = p->clat = p->clon = NULL;
    p->unit_commune = p->cstart = p->cand_commune = NULL;
    p->cunit = NULL;
    p->n = p->ncand = 0;
}

static const char *const reason_names[MG_PLAN_ERR_COUNT] = {
    [MG_PLAN_ERR_NONE] = "none",
    [MG_PLAN_ERR_OBJECTIVE] = "objective",
    [MG_PLAN_ERR_NOTHING_TO_PLACE] = "nothing_to_place",
    [MG_PLAN_ERR_THRESHOLD] = "threshold",
    [MG_PLAN_ERR_COVERAGE_MINUTES] = "coverage_minutes",
    [MG_PLAN_ERR_MIN_DISTANCE] = "min_distance",
    [MG_PLAN_ERR_BAD_BUDGET] = "bad_budget",
    [MG_PLAN_ERR_BUDGET] = "budget",
    [MG_PLAN_ERR_CAPACITY] = "capacity",
    [MG_PLAN_ERR_COST] = "cost",
    [MG_PLAN_ERR_TOO_MANY_SITES] = "too_many_sites",
    [MG_PLAN_ERR_KIND_TWICE] = "kind_twice",
    [MG_PLAN_ERR_BAD_KIND] = "bad_kind",
    [MG_PLAN_ERR_KIND_NOT_APPLICABLE] = "kind_not_applicable",
    [MG_PLAN_ERR_EXCLUDED] = "excluded",
    [MG_PLAN_ERR_UNKNOWN_COMMUNE] = "unknown_commune",
    [MG_PLAN_ERR_CANDIDATES] = "candidates",
    [MG_PLAN_ERR_NO_CANDIDATE] = "no_candidate",
    [MG_PLAN_ERR_TIME_LIMIT] = "time_limit",
    [MG_PLAN_ERR_MODEL_TOO_BIG] = "model_too_big",
    [MG_PLAN_ERR_SOLVER] = "solver",
    [MG_PLAN_ERR_MEMORY] = "memory",
};

const char *mg_plan_reason_name(enum mg_plan_reason r)
{
    return (unsigned)r < MG_PLAN_ERR_COUNT && reason_names[r] ? reason_names[r] : "?";
}

int mg_plan_problem_check(const mg_plan_problem *p, mg_diag *d)
{
    return mg_plan_problem_check_why(p, NULL, d);
}

int mg_plan_problem_check_why(const mg_plan_problem *p, mg_plan_why *why, mg_diag *d)
{
    plan_why_clear(why);
    if (p->objective >= MG_PLAN_OBJECTIVE_COUNT)
        return plan_why(why, MG_PLAN_ERR_OBJECTIVE,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "unknown objective"));
    if (p->nkinds == 0 || p->nkinds > MG_PLAN_MAX_KINDS)
        return plan_why(why, MG_PLAN_ERR_NOTHING_TO_PLACE,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                    "nothing to place: give at least one resource (at most %d kinds)",
                                    MG_PLAN_MAX_KINDS));
    if ((p->objective == MG_PLAN_DEFICIT || p->objective == MG_PLAN_LIFTED ||
         p->objective == MG_PLAN_COVERAGE) &&
        !(isfinite(p->threshold) && p->threshold > 0))
        return plan_why(why, MG_PLAN_ERR_THRESHOLD,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                    "the %s objective needs a positive threshold (--threshold)",
                                    mg_plan_objective_name(p->objective)));
    if (p->objective == MG_PLAN_COVERAGE &&
        !(isfinite(p->coverage_minutes) && p->coverage_minutes >= 0))
        return plan_why(why, MG_PLAN_ERR_COVERAGE_MINUTES,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                    "the coverage objective needs a time in minutes "
                                    "(--coverage-minutes)"));
    if (!(p->min_km >= 0) || !isfinite(p->min_km)) {
        if (why)
            why->value = p->min_km;
        return plan_why(why, MG_PLAN_ERR_MIN_DISTANCE,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                    "minimum distance %g km: expected a non-negative distance",
                                    p->min_km));
    }
    if (isnan(p->budget))
        return plan_why(why, MG_PLAN_ERR_BAD_BUDGET,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "budget is not a number"));
    size_t total = 0;
    double cheapest = INFINITY;
    for (size_t k = 0; k < p->nkinds; k++) {
        const mg_plan_kind *q = &p->kinds[k];
        enum mg_resource kind = q->proto.kind;
        const char *name = mg_resource_name(kind);
        if (!(isfinite(q->capacity) && q->capacity >= 0))
            return plan_why_kind(why, MG_PLAN_ERR_CAPACITY, kind,
                                 mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                             "%s: capacity %g: expected a non-negative capacity "
                                             "(a plan adds resources; use a scenario for "
                                             "departures)",
                                             name, q->capacity));
        if (!(isfinite(q->cost) && q->cost >= 0))
            return plan_why_kind(why, MG_PLAN_ERR_COST, kind,
                                 mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                             "%s: cost %g: expected a non-negative cost", name,
                                             q->cost));
        if (q->max_count > MG_PLAN_MAX_SITES)
            return plan_why_kind(why, MG_PLAN_ERR_TOO_MANY_SITES, kind,
                                 mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s: %zu sites: at most %d",
                                             name, q->max_count, MG_PLAN_MAX_SITES));
        for (size_t m = 0; m < k; m++)
            if (p->kinds[m].proto.kind == kind)
                return plan_why_kind(why, MG_PLAN_ERR_KIND_TWICE, kind,
                                     mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s is given twice",
                                                 name));
        total += q->max_count;
        if (q->max_count > 0 && q->cost < cheapest)
            cheapest = q->cost;
    }
    if (total == 0)
        return plan_why(why, MG_PLAN_ERR_NOTHING_TO_PLACE,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "nothing to place: every count is 0"));
    if (total > MG_PLAN_MAX_SITES)
        return plan_why(why, MG_PLAN_ERR_TOO_MANY_SITES,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%zu sites: at most %d in one plan",
                                    total, MG_PLAN_MAX_SITES));
    if (plan_has_budget(p) && cheapest > p->budget) {
        if (why) {
            why->value = p->budget;
            why->needed = cheapest;
        }
        return plan_why(why, MG_PLAN_ERR_BUDGET,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                    "infeasible budget: %.0f EUR does not pay for one site (the "
                                    "cheapest costs %.0f EUR)",
                                    p->budget, cheapest));
    }
    if (p->min_km > 0 && p->ncand > 0 && (!p->clat || !p->clon)) {
        if (why)
            why->value = p->min_km;
        return plan_why(why, MG_PLAN_ERR_MIN_DISTANCE,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                    "minimum distance without candidate positions"));
    }
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
    return mg_plan_kind_init_why(out, kind, g, NULL, d);
}

int mg_plan_kind_init_why(mg_plan_kind *out, enum mg_resource kind, const mg_diagnosis *g,
                          mg_plan_why *why, mg_diag *d)
{
    plan_why_clear(why);
    *out = (mg_plan_kind){.proto = mg_action_defaults(kind), .cost = mg_plan_default_cost(kind),
                          .max_count = 1};
    if (kind >= MG_RES_COUNT)
        return plan_why(why, MG_PLAN_ERR_BAD_KIND,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "unknown resource kind"));
    /* With the documented defaults, the only refusal is a kind that does
     * not apply to the profession (mg_action_capacity's message). */
    int rc = mg_action_capacity(&out->proto, g, &out->capacity, d);
    return rc ? plan_why_kind(why, MG_PLAN_ERR_KIND_NOT_APPLICABLE, kind, rc) : MG_OK;
}
