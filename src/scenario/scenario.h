/**
 * @file scenario.h
 * What-if scenarios: add or remove capacity at communes (a GP leaves, a
 * health centre opens, a telemedicine cabin, a teleconsultation cart, a
 * mobile consultation) and re-evaluate the APL at once.
 *
 * Why it is fast: in the two-step method the demand seen by a practice
 * location, D_k = Σ_i f(t_ik)·P̃_i, does not depend on supply, so extra
 * capacity ΔS_k at k adds f(t_ik)·ΔS_k / D_k to every commune i that reaches
 * k, and nothing elsewhere. An engine precomputes D and the table by
 * destination once; a scenario then costs a few hundred additions.
 *
 * Ownership: the engine borrows the diagnosis (which must outlive it).
 */
#ifndef MG_SCENARIO_SCENARIO_H
#define MG_SCENARIO_SCENARIO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "diagnosis/diagnosis.h"

enum mg_resource {
    MG_RES_GP,          /* practitioners of the profession (negative: departures) */
    MG_RES_CENTRE,      /* a health centre: several practitioners at once */
    MG_RES_CABIN,       /* telemedicine cabin: hours × consultations × remote share */
    MG_RES_CART,        /* assisted-teleconsultation cart: same formula, other defaults */
    MG_RES_MOBILE,      /* mobile consultation: visit days per month */
    MG_RES_COUNT
};

/** One change at one commune. Fields unused by its kind are ignored. */
typedef struct mg_action {
    enum mg_resource kind;
    size_t commune;          /* territory index */
    double count;            /* GP, CENTRE: practitioners (GP may be negative) */
    double hours_per_week;   /* CABIN, CART: opening hours with a remote doctor */
    double consultations_per_hour;
    double remote_share;     /* CABIN, CART: share of consultations that can be remote */
    double weeks_per_year;   /* CABIN, CART */
    double days_per_month;   /* MOBILE */
    double hours_per_day;    /* MOBILE */
} mg_action;

/** Documented defaults for a kind (docs/scenarios.md gives the reasoning). */
mg_action mg_action_defaults(enum mg_resource kind);

/** API name of a kind ("gp", "health_centre", …) and French label. */
const char *mg_resource_name(enum mg_resource kind);
const char *mg_resource_label(enum mg_resource kind);

/**
 * How an action of kind `kind` is named for profession `prof` (access.h;
 * NULL reads as GPs), in French: with its article, one site ("une
 * infirmière", "un médecin généraliste", "une cabine de télémédecine"), and
 * as the heading of its kind in lists and forms ("Infirmières : arrivées ou
 * départs", "Maison de santé", "Cabine de télémédecine"). The practitioners
 * of a profession are named for it; telehealth and mobile consultations,
 * GP care only, keep their names.
 */
const char *mg_resource_one_for(enum mg_resource kind, const mg_profession *prof);
const char *mg_resource_label_for(enum mg_resource kind, const mg_profession *prof);

/** The practitioners of prof in the plural ("infirmières", "médecins
 * généralistes"), for sentences such as "3 infirmières". */
const char *mg_profession_many(const mg_profession *prof);

/** Whether actions of kind `kind` apply to profession `prof`: practitioners
 * and health centres to every profession, telemedicine cabins,
 * teleconsultation carts and mobile consultations to GPs only (what
 * mg_action_capacity refuses otherwise). */
bool mg_resource_applies(enum mg_resource kind, const mg_profession *prof);

/** The kind named `name` (API name), or MG_RES_COUNT. */
enum mg_resource mg_resource_parse(const char *name);

/**
 * Capacity the action adds, in the profession's supply unit (acts per year
 * for GPs, FTE otherwise). MG_EINVAL with a French message (shown to
 * people) when a field is out of its domain or the kind does not apply to
 * the profession (telehealth and mobile consultations are GP care).
 */
int mg_action_capacity(const mg_action *a, const mg_diagnosis *g, double *out,
                       mg_diag *d) MG_WARN_UNUSED;

typedef struct mg_scenario {
    size_t n;
    mg_action *actions;
} mg_scenario;

void mg_scenario_free(mg_scenario *s);

/**
 * Parses the actions of a scenario from a JSON array of objects
 * {"kind": "...", "commune": "11069", …fields as in mg_action…}; absent
 * fields take the kind's defaults; commune codes of any vintage are mapped.
 * Errors name the item ("action 2 : …") in French, for people. At most
 * 1,000 actions.
 */
int mg_scenario_from_json(const json_t *actions, const mg_diagnosis *g, mg_scenario *out,
                          mg_diag *d) MG_WARN_UNUSED;

/** The actions as a JSON array (new reference), with every field explicit. */
json_t *mg_scenario_to_json(const mg_scenario *s, const mg_diagnosis *g);

typedef struct mg_scenario_engine mg_scenario_engine;

/** Precomputes weights, demand per location and the table by destination. */
int mg_scenario_engine_new(mg_scenario_engine **out, const mg_diagnosis *g,
                           mg_diag *d) MG_WARN_UNUSED;
void mg_scenario_engine_free(mg_scenario_engine *e);

/**
 * D_k, the demand weighted by travel time that reaches each commune k as a
 * practice location (t->n entries): the denominator of step 1.
 */
const double *mg_scenario_engine_demand(const mg_scenario_engine *e);

/**
 * The APL under the scenario into apl (t->n entries), and the supply per
 * commune into supply (may be NULL). MG_EINVAL (French message) when an
 * action removes more capacity than a commune has.
 */
int mg_scenario_eval(const mg_scenario_engine *e, const mg_scenario *s, double *apl,
                     double *supply, mg_diag *d) MG_WARN_UNUSED;

#endif
