/*
 * Internal to the planning module: the evaluation state shared by the
 * objectives, greedy, interchange, the exact model and the explanations.
 */
#ifndef MG_PLAN_INTERNAL_H
#define MG_PLAN_INTERNAL_H

#include <math.h>

#include "plan/plan.h"

static inline int plan_has_budget(const mg_plan_problem *p)
{
    return p->budget > 0 && isfinite(p->budget);
}

/* The units' situation under the sites placed so far. */
typedef struct plan_state {
    const mg_plan_problem *p;
    double *apl;      /* DEFICIT, LIFTED: APL of every unit */
    double *mins;     /* PMEDIAN: minutes to the nearest practice or site */
    uint32_t *cover;  /* COVERAGE: sites within T minutes */
    double value;     /* objective gain so far */
    double value2;    /* LIFTED: deficit reduction, the tie-breaker */
} plan_state;

/* A gain: the objective's, then (LIFTED only) the deficit reduction that
 * breaks ties, so that greedy moves towards the threshold even while a
 * single site lifts nobody. */
typedef struct plan_gain {
    double g, g2;
} plan_gain;

int plan_state_init(plan_state *s, const mg_plan_problem *p);
void plan_state_reset(plan_state *s);
void plan_state_free(plan_state *s);
plan_gain plan_gain_of(const plan_state *s, uint32_t cand, uint32_t kind);
void plan_apply(plan_state *s, uint32_t cand, uint32_t kind);

/* Coverage target: the units below the threshold. */
static inline double plan_target(const mg_plan_problem *p, size_t u)
{
    return p->base[u] < p->threshold ? p->pop[u] : 0;
}

/* Whether item (cand, kind) may join `items` (counts, budget, distance,
 * not already there). `cost` is the cost of items, counts per kind. */
int plan_item_fits(const mg_plan_problem *p, const mg_plan_item *items, size_t n,
                   const size_t *counts, double cost, uint32_t cand, uint32_t kind);

/* Lexicographic comparison of gains with a relative tolerance. */
int plan_gain_cmp(plan_gain a, plan_gain b);

double plan_now(void);

/* Records reason r in why (when not NULL) and returns rc, so that a refusal
 * reads `return plan_why(why, MG_PLAN_ERR_…, mg_diag_set(d, …))`. */
static inline int plan_why(mg_plan_why *why, enum mg_plan_reason r, int rc)
{
    if (why)
        why->reason = r;
    return rc;
}

/* Clears why (when not NULL) on entry to a *_why function. */
static inline void plan_why_clear(mg_plan_why *why)
{
    if (why)
        *why = (mg_plan_why){0};
}

/* The same as plan_why for a refusal about one kind. */
static inline int plan_why_kind(mg_plan_why *why, enum mg_plan_reason r, enum mg_resource kind,
                                int rc)
{
    if (why) {
        why->kind = kind;
        why->has_kind = true;
    }
    return plan_why(why, r, rc);
}

#endif
