#include "scenario/scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"

#define MAX_ACTIONS 1000

static const struct {
    const char *name, *label;
} kinds[MG_RES_COUNT] = {
    [MG_RES_GP] = {"gp", "médecin(s)"},
    [MG_RES_CENTRE] = {"health_centre", "maison de santé"},
    [MG_RES_CABIN] = {"telemedicine_cabin", "cabine de télémédecine"},
    [MG_RES_CART] = {"teleconsultation_cart", "chariot de téléconsultation"},
    [MG_RES_MOBILE] = {"mobile_consultation", "consultation itinérante"},
};

const char *mg_resource_name(enum mg_resource k)
{
    return k < MG_RES_COUNT ? kinds[k].name : "?";
}

const char *mg_resource_label(enum mg_resource k)
{
    return k < MG_RES_COUNT ? kinds[k].label : "?";
}

/* How the practitioners of each profession are named (access.c keys): one
 * with its article, several, and the heading of their kind of action. The
 * first row is the GPs', used for a profession not listed. */
static const struct {
    const char *key, *one, *many, *heading;
} prof_words[] = {
    {"mg", "un médecin généraliste", "médecins généralistes",
     "Médecins généralistes : arrivées ou départs"},
    {"inf", "une infirmière", "infirmières", "Infirmières : arrivées ou départs"},
    {"mk", "un masseur-kinésithérapeute", "masseurs-kinésithérapeutes",
     "Masseurs-kinésithérapeutes : arrivées ou départs"},
    {"sf", "une sage-femme", "sages-femmes", "Sages-femmes : arrivées ou départs"},
    {"cd", "un chirurgien-dentiste", "chirurgiens-dentistes",
     "Chirurgiens-dentistes : arrivées ou départs"},
};

static size_t prof_row(const mg_profession *prof)
{
    for (size_t k = 0; prof && k < sizeof prof_words / sizeof *prof_words; k++)
        if (strcmp(prof_words[k].key, prof->key) == 0)
            return k;
    return 0;
}

static const struct {
    const char *one, *heading;
} kind_words[MG_RES_COUNT] = {
    [MG_RES_GP] = {NULL, NULL}, /* the profession's */
    [MG_RES_CENTRE] = {"une maison de santé", "Maison de santé"},
    [MG_RES_CABIN] = {"une cabine de télémédecine", "Cabine de télémédecine"},
    [MG_RES_CART] = {"un chariot de téléconsultation", "Chariot de téléconsultation"},
    [MG_RES_MOBILE] = {"une consultation itinérante", "Consultation itinérante"},
};

const char *mg_resource_one_for(enum mg_resource kind, const mg_profession *prof)
{
    if (kind >= MG_RES_COUNT)
        return "?";
    return kind_words[kind].one ? kind_words[kind].one : prof_words[prof_row(prof)].one;
}

const char *mg_resource_label_for(enum mg_resource kind, const mg_profession *prof)
{
    if (kind >= MG_RES_COUNT)
        return "?";
    return kind_words[kind].heading ? kind_words[kind].heading
                                    : prof_words[prof_row(prof)].heading;
}

const char *mg_profession_many(const mg_profession *prof)
{
    return prof_words[prof_row(prof)].many;
}

bool mg_resource_applies(enum mg_resource kind, const mg_profession *prof)
{
    if (kind == MG_RES_GP || kind == MG_RES_CENTRE)
        return true;
    return kind < MG_RES_COUNT && (!prof || strcmp(prof->key, "mg") == 0);
}

enum mg_resource mg_resource_parse(const char *name)
{
    for (int k = 0; k < MG_RES_COUNT; k++)
        if (strcmp(kinds[k].name, name) == 0)
            return (enum mg_resource)k;
    return MG_RES_COUNT;
}

mg_action mg_action_defaults(enum mg_resource kind)
{
    mg_action a = {.kind = kind};
    switch (kind) {
    case MG_RES_GP:
        a.count = 1;
        break;
    case MG_RES_CENTRE:
        /* A maison de santé pluriprofessionnelle gathers at least two GPs;
         * three is a typical rural one. */
        a.count = 3;
        break;
    case MG_RES_CABIN:
        /* Open half of a working week with a remote GP, 20-minute
         * consultations, 47 weeks a year; 70 % of the consultations asked
         * for can be handled remotely (the rest are referred). */
        a.hours_per_week = 20;
        a.consultations_per_hour = 3;
        a.remote_share = 0.7;
        a.weeks_per_year = 47;
        break;
    case MG_RES_CART:
        /* A cart shared between sites: two half-days a week at one host,
         * nurse-assisted 30-minute consultations, 80 % remotely manageable
         * (an assisting nurse can examine). */
        a.hours_per_week = 8;
        a.consultations_per_hour = 2;
        a.remote_share = 0.8;
        a.weeks_per_year = 47;
        break;
    case MG_RES_MOBILE:
        /* A stop two days a month, six hours of consultation at 20 minutes. */
        a.days_per_month = 2;
        a.hours_per_day = 6;
        a.consultations_per_hour = 3;
        break;
    case MG_RES_COUNT:
        break;
    }
    return a;
}

static int check_range(mg_diag *d, const char *what, double v, double lo, double hi)
{
    if (isfinite(v) && v >= lo && v <= hi)
        return MG_OK;
    return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s : %g n'est pas compris entre %g et %g",
                       what, v, lo, hi);
}

int mg_action_capacity(const mg_action *a, const mg_diagnosis *g, double *out, mg_diag *d)
{
    /* A practitioner added or removed at a commune has the activity the
     * model gives practitioners there (access/model.h), so removing every
     * practitioner of a commune removes exactly its supply. */
    double per_head = g->per_head && a->commune < g->t->n ? g->per_head[a->commune]
                      : g->opts.supply_per_head > 0     ? g->opts.supply_per_head
                                                        : g->prof->supply_per_head;
    bool gp = strcmp(g->prof->key, "mg") == 0;
    int rc;
    switch (a->kind) {
    case MG_RES_GP:
        if ((rc = check_range(d, "nombre de praticiens", a->count, -1000, 1000)))
            return rc;
        *out = a->count * per_head;
        return MG_OK;
    case MG_RES_CENTRE:
        if ((rc = check_range(d, "nombre de praticiens de la maison de santé", a->count, 1, 100)))
            return rc;
        *out = a->count * per_head;
        return MG_OK;
    case MG_RES_CABIN:
    case MG_RES_CART:
        if (!gp)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "les %s ne concernent que les médecins généralistes",
                               a->kind == MG_RES_CABIN ? "cabines de télémédecine"
                                                       : "chariots de téléconsultation");
        if ((rc = check_range(d, "heures par semaine", a->hours_per_week, 0, 168)) ||
            (rc = check_range(d, "consultations par heure", a->consultations_per_hour, 0, 20)) ||
            (rc = check_range(d, "part des consultations à distance", a->remote_share, 0, 1)) ||
            (rc = check_range(d, "semaines par an", a->weeks_per_year, 0, 52)))
            return rc;
        *out = a->hours_per_week * a->consultations_per_hour * a->weeks_per_year * a->remote_share;
        return MG_OK;
    case MG_RES_MOBILE:
        if (!gp)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "les consultations itinérantes ne concernent que les médecins généralistes");
        if ((rc = check_range(d, "jours par mois", a->days_per_month, 0, 31)) ||
            (rc = check_range(d, "heures par jour", a->hours_per_day, 0, 24)) ||
            (rc = check_range(d, "consultations par heure", a->consultations_per_hour, 0, 20)))
            return rc;
        *out = a->days_per_month * 12 * a->hours_per_day * a->consultations_per_hour;
        return MG_OK;
    case MG_RES_COUNT:
        break;
    }
    return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "type d'action inconnu");
}

void mg_scenario_free(mg_scenario *s)
{
    if (!s)
        return;
    free(s->actions);
    *s = (mg_scenario){0};
}

/* Optional number member: absent keeps *v; present must be a number. */
static int num_member(const json_t *o, const char *key, double *v, size_t item, mg_diag *d)
{
    json_t *x = json_object_get(o, key);
    if (!x)
        return MG_OK;
    if (!json_is_number(x))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "action %zu : « %s » doit être un nombre", item, key);
    *v = json_number_value(x);
    return MG_OK;
}

int mg_scenario_from_json(const json_t *actions, const mg_diagnosis *g, mg_scenario *out,
                          mg_diag *d)
{
    *out = (mg_scenario){0};
    if (!json_is_array(actions))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "les actions doivent être une liste");
    size_t n = json_array_size(actions);
    if (n > MAX_ACTIONS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "au plus %d actions par scénario", MAX_ACTIONS);
    mg_scenario s = {.n = n, .actions = mg_alloc_array(n, sizeof(mg_action))};
    if (!s.actions)
        return MG_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        const json_t *o = json_array_get(actions, k);
        size_t item = k + 1;
        int rc = MG_OK;
        const char *kind = json_string_value(json_object_get(o, "kind"));
        const char *code = json_string_value(json_object_get(o, "commune"));
        if (!json_is_object(o) || !kind || !code) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "action %zu : il faut un objet avec « kind » et « commune »", item);
            goto fail;
        }
        enum mg_resource r = mg_resource_parse(kind);
        if (r == MG_RES_COUNT) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "action %zu : type « %.*s » inconnu (gp, health_centre, "
                             "telemedicine_cabin, teleconsultation_cart, mobile_consultation)",
                             item, (int)mg_utf8_prefix(kind, 40), kind);
            goto fail;
        }
        long ci = mg_territory_find(g->t, code);
        if (ci < 0) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "action %zu : commune « %.*s » inconnue",
                             item, (int)mg_utf8_prefix(code, 20), code);
            goto fail;
        }
        mg_action a = mg_action_defaults(r);
        a.commune = (size_t)ci;
        if ((rc = num_member(o, "count", &a.count, item, d)) ||
            (rc = num_member(o, "hours_per_week", &a.hours_per_week, item, d)) ||
            (rc = num_member(o, "consultations_per_hour", &a.consultations_per_hour, item, d)) ||
            (rc = num_member(o, "remote_share", &a.remote_share, item, d)) ||
            (rc = num_member(o, "weeks_per_year", &a.weeks_per_year, item, d)) ||
            (rc = num_member(o, "days_per_month", &a.days_per_month, item, d)) ||
            (rc = num_member(o, "hours_per_day", &a.hours_per_day, item, d)))
            goto fail;
        double cap;
        mg_diag inner = {{0}};
        if ((rc = mg_action_capacity(&a, g, &cap, &inner))) {
            mg_diag_set(d, rc, NULL, 0, 0, "action %zu : %s", item, inner.msg);
            goto fail;
        }
        s.actions[k] = a;
        continue;
    fail:
        mg_scenario_free(&s);
        return rc;
    }
    *out = s;
    return MG_OK;
}

json_t *mg_scenario_to_json(const mg_scenario *s, const mg_diagnosis *g)
{
    json_t *arr = json_array();
    for (size_t k = 0; arr && k < s->n; k++) {
        const mg_action *a = &s->actions[k];
        json_t *o = json_pack("{s:s,s:s}", "kind", mg_resource_name(a->kind), "commune",
                              g->t->code[a->commune]);
        switch (a->kind) {
        case MG_RES_GP:
        case MG_RES_CENTRE:
            json_object_set_new(o, "count", json_real(a->count));
            break;
        case MG_RES_CABIN:
        case MG_RES_CART:
            json_object_set_new(o, "hours_per_week", json_real(a->hours_per_week));
            json_object_set_new(o, "consultations_per_hour", json_real(a->consultations_per_hour));
            json_object_set_new(o, "remote_share", json_real(a->remote_share));
            json_object_set_new(o, "weeks_per_year", json_real(a->weeks_per_year));
            break;
        case MG_RES_MOBILE:
            json_object_set_new(o, "days_per_month", json_real(a->days_per_month));
            json_object_set_new(o, "hours_per_day", json_real(a->hours_per_day));
            json_object_set_new(o, "consultations_per_hour", json_real(a->consultations_per_hour));
            break;
        case MG_RES_COUNT:
            break;
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

struct mg_scenario_engine {
    const mg_diagnosis *g;
    double *demand_seen; /* D_k, n */
    size_t *col_start;   /* n + 1: pairs by destination */
    uint32_t *col_from;
    double *col_w;
};

void mg_scenario_engine_free(mg_scenario_engine *e)
{
    if (!e)
        return;
    free(e->demand_seen);
    free(e->col_start);
    free(e->col_from);
    free(e->col_w);
    free(e);
}

const double *mg_scenario_engine_demand(const mg_scenario_engine *e)
{
    return e->demand_seen;
}

int mg_scenario_engine_new(mg_scenario_engine **out, const mg_diagnosis *g, mg_diag *d)
{
    *out = NULL;
    const mg_pairs *p = &g->pairs;
    size_t n = p->n;
    mg_scenario_engine *e = calloc(1, sizeof *e);
    double *w = mg_alloc_array(p->npairs, sizeof *w);
    size_t *fill = mg_alloc_array(n, sizeof *fill);
    if (!e || !w || !fill)
        goto nomem;
    e->g = g;
    e->demand_seen = mg_alloc_array(n, sizeof *e->demand_seen);
    e->col_start = mg_alloc_array(n + 1, sizeof *e->col_start);
    e->col_from = mg_alloc_array(p->npairs, sizeof *e->col_from);
    e->col_w = mg_alloc_array(p->npairs, sizeof *e->col_w);
    if (!e->demand_seen || !e->col_start || !e->col_from || !e->col_w)
        goto nomem;
    mg_access_weights(p, &g->apl_spec.decay, w);
    for (size_t i = 0; i < n; i++)
        for (size_t k = p->start[i]; k < p->start[i + 1]; k++) {
            e->demand_seen[p->to[k]] += w[k] * g->demand[i];
            e->col_start[p->to[k] + 1]++;
        }
    for (size_t j = 0; j < n; j++)
        e->col_start[j + 1] += e->col_start[j];
    for (size_t i = 0; i < n; i++)
        for (size_t k = p->start[i]; k < p->start[i + 1]; k++) {
            size_t j = p->to[k], at = e->col_start[j] + fill[j]++;
            e->col_from[at] = (uint32_t)i;
            e->col_w[at] = w[k];
        }
    free(w);
    free(fill);
    *out = e;
    return MG_OK;
nomem:
    free(w);
    free(fill);
    mg_scenario_engine_free(e);
    return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "mémoire insuffisante");
}

int mg_scenario_eval(const mg_scenario_engine *e, const mg_scenario *s, double *apl,
                     double *supply, mg_diag *d)
{
    const mg_diagnosis *g = e->g;
    size_t n = g->t->n;
    double *caps = mg_alloc_array(s->n, sizeof *caps);
    if (!caps)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "mémoire insuffisante");
    memcpy(apl, g->apl, n * sizeof *apl);
    if (supply)
        memcpy(supply, g->supply, n * sizeof *supply);
    double scale = g->apl_spec.scale;
    int rc = MG_OK;
    for (size_t k = 0; k < s->n && rc == MG_OK; k++) {
        const mg_action *a = &s->actions[k];
        if ((rc = mg_action_capacity(a, g, &caps[k], d)))
            break;
        /* Actions at one commune add up, in order: what it has after the
         * earlier ones is what this one may remove. */
        size_t j = a->commune;
        double total = g->supply[j];
        for (size_t m = 0; m < k; m++)
            if (s->actions[m].commune == j)
                total += caps[m];
        if (total + caps[k] < -1e-9 * (1 + fabs(total))) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "action %zu : %s n'a que %.0f praticien(s) à retirer", k + 1,
                             g->t->name[j], g->heads[j]);
            break;
        }
        if (supply)
            supply[j] += caps[k];
        if (!(e->demand_seen[j] > 0))
            continue; /* nobody reaches this commune: the capacity serves no one */
        double r = caps[k] / e->demand_seen[j] * scale;
        for (size_t q = e->col_start[j]; q < e->col_start[j + 1]; q++)
            apl[e->col_from[q]] += e->col_w[q] * r;
    }
    free(caps);
    return rc;
}
