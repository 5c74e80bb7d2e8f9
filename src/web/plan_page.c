/* The planning page: where new resources help most (docs/planning.md).
 * A GET form (the scope, resources with their counts, capacities and costs
 * — the defaults shown and changeable —, objective, budget, minimum
 * distance, excluded communes, the user's own sites of any mix of kinds)
 * and the results: the sites on the map, the marginal gain of each (in the
 * order chosen, adding up to the plan's) and its gain alone, whom it
 * reaches, the communes and inhabitants under the threshold before and
 * after for the scope and the whole territory, the cost per inhabitant
 * lifted, the comparison with the user's sites, and a button that saves
 * the plan as a scenario.
 *
 * The handler reads and checks the form (plan_parse, through web/form.h
 * and so the French-aware parsers), computes the plan (plan_compute, where
 * the engine's refusals come back as reason codes, mg_plan_why, placed
 * beside the field they concern) and draws the page (plan_render). A
 * refused form is drawn again with what was typed, status 400. */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "diagnosis/scope.h"
#include "plan/plan.h"
#include "web/form.h"
#include "web/messages.h"
#include "web/web.h"

/* The message (web/messages.c) of each reason of the planning engine
 * (plan.h), shown beside the field it concerns. */
static const web_msg plan_reason_msg[MG_PLAN_ERR_COUNT] = {
    [MG_PLAN_ERR_NONE] = WEB_MSG_PLAN_FAILED,
    [MG_PLAN_ERR_OBJECTIVE] = WEB_MSG_PLAN_OBJECTIVE,
    [MG_PLAN_ERR_NOTHING_TO_PLACE] = WEB_MSG_PLAN_NOTHING_TO_PLACE,
    [MG_PLAN_ERR_THRESHOLD] = WEB_MSG_PLAN_THRESHOLD,
    [MG_PLAN_ERR_COVERAGE_MINUTES] = WEB_MSG_PLAN_COVERAGE_MINUTES,
    [MG_PLAN_ERR_MIN_DISTANCE] = WEB_MSG_PLAN_MIN_DISTANCE,
    [MG_PLAN_ERR_BAD_BUDGET] = WEB_MSG_PLAN_BAD_BUDGET,
    [MG_PLAN_ERR_BUDGET] = WEB_MSG_PLAN_BUDGET,
    [MG_PLAN_ERR_CAPACITY] = WEB_MSG_PLAN_CAPACITY,
    [MG_PLAN_ERR_COST] = WEB_MSG_PLAN_COST,
    [MG_PLAN_ERR_TOO_MANY_SITES] = WEB_MSG_PLAN_TOO_MANY_SITES,
    [MG_PLAN_ERR_KIND_TWICE] = WEB_MSG_PLAN_KIND_TWICE,
    [MG_PLAN_ERR_BAD_KIND] = WEB_MSG_PLAN_BAD_KIND,
    [MG_PLAN_ERR_KIND_NOT_APPLICABLE] = WEB_MSG_PLAN_KIND_NOT_APPLICABLE,
    [MG_PLAN_ERR_EXCLUDED] = WEB_MSG_PLAN_EXCLUDED,
    [MG_PLAN_ERR_UNKNOWN_COMMUNE] = WEB_MSG_PLAN_UNKNOWN_COMMUNE,
    [MG_PLAN_ERR_CANDIDATES] = WEB_MSG_PLAN_CANDIDATES,
    [MG_PLAN_ERR_NO_CANDIDATE] = WEB_MSG_PLAN_NO_CANDIDATE,
    [MG_PLAN_ERR_TIME_LIMIT] = WEB_MSG_PLAN_TIME_LIMIT,
    [MG_PLAN_ERR_MODEL_TOO_BIG] = WEB_MSG_PLAN_MODEL_TOO_BIG,
    [MG_PLAN_ERR_SOLVER] = WEB_MSG_PLAN_SOLVER,
    [MG_PLAN_ERR_MEMORY] = WEB_MSG_OUT_OF_MEMORY,
};

/* The French sentence of reason r. */
static const char *plan_reason_fr(enum mg_plan_reason r)
{
    return web_msg_fr(plan_reason_msg[(unsigned)r < MG_PLAN_ERR_COUNT ? r : MG_PLAN_ERR_NONE]);
}

#define PLAN_MAX_PER_KIND 50
#define PLAN_MAX_PROPOSED 100

/* How the practitioners of each profession are named (access/access.c keys):
 * with an article ("une infirmière"), alone ("infirmière"), and in the
 * plural heading a count ("Infirmières"). */
typedef struct prof_words {
    const char *key, *one, *noun, *plural, *many;
} prof_words;

static const prof_words prof_names[] = {
    {"mg", "un médecin généraliste", "médecin généraliste", "Médecins généralistes",
     "médecins généralistes"},
    {"inf", "une infirmière", "infirmière", "Infirmières", "infirmières"},
    {"mk", "un masseur-kinésithérapeute", "masseur-kinésithérapeute", "Masseurs-kinésithérapeutes",
     "masseurs-kinésithérapeutes"},
    {"sf", "une sage-femme", "sage-femme", "Sages-femmes", "sages-femmes"},
    {"cd", "un chirurgien-dentiste", "chirurgien-dentiste", "Chirurgiens-dentistes",
     "chirurgiens-dentistes"},
};

static const prof_words *prof_of(const mg_profession *prof)
{
    for (size_t k = 0; k < sizeof prof_names / sizeof *prof_names; k++)
        if (strcmp(prof_names[k].key, prof->key) == 0)
            return &prof_names[k];
    return &prof_names[0];
}

static bool is_gp(const mg_profession *prof)
{
    return strcmp(prof->key, "mg") == 0;
}

/* The kinds of the form: the count's field (and, prefixed, its capacity's
 * and cost's), how one site is named, and the counts of the empty form
 * for GPs and for the other professions (for which telemedicine and
 * mobile consultations do not apply: gp_only). */
static const struct {
    enum mg_resource kind;
    const char *field;
    const char *plural; /* NULL: the profession's practitioners */
    const char *one;    /* with its article; NULL: the profession's */
    const char *noun;   /* NULL: the profession's */
    bool gp_only;
    long def_gp, def_other;
    const char *cost_why; /* what the default cost pays for */
} plan_kinds[] = {
    {MG_RES_CABIN, "cabine", "Cabines de télémédecine", "une cabine de télémédecine",
     "cabine de télémédecine", true, 1, 0,
     "achat et installation d'une cabine connectée, et une année de service et de maintenance"},
    {MG_RES_CART, "chariot", "Chariots de téléconsultation", "un chariot de téléconsultation",
     "chariot de téléconsultation", true, 2, 0,
     "un chariot et ses instruments connectés (environ 20 000 euros) et une part du temps de "
     "l'infirmière qui assiste"},
    {MG_RES_CENTRE, "maison", "Maisons de santé", "une maison de santé", "maison de santé", false,
     0, 0, "construction d'une maison de santé pluriprofessionnelle rurale"},
    {MG_RES_MOBILE, "itinerant", "Consultations itinérantes", "une consultation itinérante",
     "consultation itinérante", true, 0, 0,
     "un arrêt d'un bus médical partagé : une part du véhicule et du temps de l'équipe, deux "
     "jours par mois"},
    {MG_RES_GP, "medecin", NULL, NULL, NULL, false, 0, 1,
     "ordre de grandeur d'une aide à l'installation en zone sous-dotée (l'aide CAIM de "
     "l'Assurance maladie va jusqu'à 50 000 euros pour un médecin généraliste)"},
};
#define PLAN_NKINDS (sizeof plan_kinds / sizeof *plan_kinds)

/* Kind k's plural heading, one site with its article, and its noun, for
 * profession prof. */
static const char *kind_plural(size_t k, const mg_profession *prof)
{
    return plan_kinds[k].plural ? plan_kinds[k].plural : prof_of(prof)->plural;
}

static const char *kind_one(size_t k, const mg_profession *prof)
{
    return plan_kinds[k].one ? plan_kinds[k].one : prof_of(prof)->one;
}

static const char *kind_noun(size_t k, const mg_profession *prof)
{
    return plan_kinds[k].noun ? plan_kinds[k].noun : prof_of(prof)->noun;
}

/* The form's row of resource kind `kind`, or -1. */
static int kind_row(enum mg_resource kind)
{
    for (size_t k = 0; k < PLAN_NKINDS; k++)
        if (plan_kinds[k].kind == kind)
            return (int)k;
    return -1;
}

static bool kind_applies(size_t k, const mg_profession *prof)
{
    return !plan_kinds[k].gp_only || is_gp(prof);
}

/* The unit of a capacity: acts per year for GPs, full-time equivalents
 * otherwise (scenario/scenario.h). */
static const char *capacity_unit(const mg_profession *prof)
{
    return is_gp(prof) ? "consultations par an" : "ETP";
}

static const web_option objective_options[] = {
    {"deficit", "réduire le déficit sous le seuil (population standardisée × écart au seuil)"},
    {"lifted", "faire passer le plus de population standardisée au-dessus du seuil"},
    {"coverage", "couvrir la population standardisée sous le seuil à moins de 10 minutes"},
    {"pmedian", "réduire le temps d'accès au praticien le plus proche"},
    {NULL, NULL},
};

/* The unit of each objective's gain. */
static const char *objective_unit(enum mg_plan_objective o)
{
    switch (o) {
    case MG_PLAN_DEFICIT: return "population standardisée × écart au seuil";
    case MG_PLAN_LIFTED: return "population standardisée passée au-dessus du seuil";
    case MG_PLAN_COVERAGE: return "population standardisée sous le seuil couverte";
    case MG_PLAN_PMEDIAN: return "population standardisée × minutes gagnées";
    default: return "";
    }
}

/* The baselines (scenario/baseline.h), by their words in links. */
static const web_option base_options[] = {
    {"modele", "APL du modèle"},
    {"officielle", "APL officielle (DREES) + effet du plan (modèle)"},
    {NULL, NULL},
};

/* The form's fields: per kind its count, its capacity and its cost (the
 * defaults shown and changeable where they are used), then the others. */
#define F_COUNT_OF(k) (3 * (int)(k))
#define F_CAPACITY_OF(k) (3 * (int)(k) + 1)
#define F_COST_OF(k) (3 * (int)(k) + 2)
enum {
    F_PROFESSION = 3 * PLAN_NKINDS, /* hidden: the profession of the page */
    F_CALCULER,                 /* hidden: "the form was sent" */
    F_SCOPE,                    /* the scope (?perimetre=) */
    F_OBJECTIVE,
    F_BASE,
    F_BUDGET,
    F_DISTANCE,
    F_EXCLUDE,
    F_PROPOSAL,
    F_COUNT
};
_Static_assert(F_COUNT <= WEB_FORM_MAX_FIELDS, "the planning form has too many fields");

static const web_field plan_other_fields[F_COUNT - F_PROFESSION] = {
    [F_PROFESSION - F_PROFESSION] = {.name = "profession", .label = "Profession",
                                     .kind = WEB_FIELD_HIDDEN},
    [F_CALCULER - F_PROFESSION] = {.name = "calculer", .label = "Calculer",
                                   .kind = WEB_FIELD_HIDDEN, .defval = "1"},
    [F_SCOPE - F_PROFESSION] = {.name = "perimetre", .label = "Périmètre",
                                .kind = WEB_FIELD_SELECT,
                                .hint = "Les sites sont choisis dans ce périmètre et l'objectif "
                                        "y est compté ; le calcul garde tous les voisins."},
    [F_OBJECTIVE - F_PROFESSION] = {.name = "objectif", .label = "Objectif",
                                    .kind = WEB_FIELD_SELECT, .options = objective_options,
                                    .defval = "deficit"},
    [F_BASE - F_PROFESSION] = {.name = "base", .label = "APL avant le plan",
                               .kind = WEB_FIELD_SELECT, .options = base_options,
                               .hint = "L'APL officielle là où la DREES en publie une (celle du "
                                       "modèle ailleurs), ou celle du modèle partout."},
    [F_BUDGET - F_PROFESSION] = {.name = "budget", .label = "Budget total en euros",
                                 .kind = WEB_FIELD_NUMBER, .min = 0, .max = 1e12,
                                 .hint = "Vide : sans limite. Par exemple 150 000."},
    [F_DISTANCE - F_PROFESSION] = {.name = "distance",
                                   .label = "Distance minimale entre deux sites, en km",
                                   .kind = WEB_FIELD_NUMBER, .min = 0, .max = 500,
                                   .hint = "Vide : aucune. Par exemple 7,5."},
    [F_EXCLUDE - F_PROFESSION] = {.name = "exclure", .label = "Communes exclues",
                                  .kind = WEB_FIELD_TEXT, .max = 2000,
                                  .hint = "Codes INSEE séparés par des virgules."},
    [F_PROPOSAL - F_PROFESSION] = {.name = "proposition",
                                   .label = "Vos propres sites, pour comparaison",
                                   .kind = WEB_FIELD_TEXT, .max = 2000},
};

/* The form that saves a plan as a scenario: a name, and the profession
 * and the plan's actions (JSON) carried along. Described once: drawn under
 * the plan, read by save(), drawn again when the name is refused. */
enum { SAVE_NAME, SAVE_ORGANISATION, SAVE_PROFESSION, SAVE_ACTIONS, SAVE_NFIELDS };

/* The longest actions text carried (characters): a plan of every kind at
 * its maximum count, each action well under 400 characters. */
#define SAVE_ACTIONS_MAX_CHARS (PLAN_NKINDS * PLAN_MAX_PER_KIND * 400)

static const web_field save_fields[SAVE_NFIELDS] = {
    [SAVE_NAME] = {.name = "nom", .label = "Nom du scénario", .kind = WEB_FIELD_TEXT,
                   .required = true, .max = MG_STORAGE_NAME_MAX_CHARS,
                   .defval = "Plan recommandé"},
    [SAVE_ORGANISATION] = {.name = "organisation", .label = "Organisation",
                           .kind = WEB_FIELD_SELECT, .required = true,
                           .options_fn = web_creation_options},
    [SAVE_PROFESSION] = {.name = "profession", .label = "Profession", .kind = WEB_FIELD_HIDDEN},
    [SAVE_ACTIONS] = {.name = "actions", .label = "Actions", .kind = WEB_FIELD_HIDDEN,
                      .max = SAVE_ACTIONS_MAX_CHARS},
};

#define SAVE_ACTION "/planification/enregistrer"

/* The save form's description, its hidden fields set to `prof` and
 * `actions` (the values of the empty form; a refused form carries what was
 * sent). */
typedef struct save_form_desc {
    web_field fields[SAVE_NFIELDS];
    web_form form;
} save_form_desc;

static void save_form_init(save_form_desc *f, const char *prof, const char *actions)
{
    memcpy(f->fields, save_fields, sizeof save_fields);
    f->fields[SAVE_PROFESSION].defval = prof;
    f->fields[SAVE_ACTIONS].defval = actions;
    f->form = (web_form){.id = "enregistrer", .fields = f->fields, .nfields = SAVE_NFIELDS,
                         .submit = "Enregistrer"};
}

/* --- Parse ------------------------------------------------------------------ */

/* A kind's defaults for the profession: its capacity (from the action's
 * documented parameters) and its cost; applies is false when the kind
 * does not concern the profession. */
typedef struct kind_default {
    bool applies;
    double capacity, cost;
} kind_default;

/* What the request asks, read and checked. */
typedef struct plan_request {
    const mg_app_profession *ap;
    mg_scope scope;           /* ?perimetre= (the whole territory by default) */
    bool scoped;              /* scope is part of the territory */
    web_field fields[F_COUNT];
    web_form form;
    web_form_input in;
    bool sent;                /* the form was sent: compute */
    kind_default def[PLAN_NKINDS];
    long count[PLAN_NKINDS];  /* sites of each kind */
    double capacity[PLAN_NKINDS], cost[PLAN_NKINDS]; /* as given, or the defaults */
    bool changed[PLAN_NKINDS]; /* capacity or cost given other than the default */
    enum mg_plan_objective objective;
    enum mg_baseline base;    /* ?base=, or the server's default */
    double budget;            /* INFINITY: none */
    double min_km;
    const char *exclude;      /* NULL: none */
    const char *proposal;     /* NULL: none */
    /* The words of the form that depend on the profession. */
    char label[3 * PLAN_NKINDS][160];
    char hint[3 * PLAN_NKINDS][400];
    char defval[3 * PLAN_NKINDS][48];
    char proposal_hint[400];
} plan_request;

/* The options of the scope field: the whole territory, each EPCI of the
 * study territory, and the scope asked for when it is a list of communes. */
static int scope_options(mg_buf *b, const void *ctx, const char *selected)
{
    const plan_request *q = ctx;
    const mg_summary *s = &q->ap->summary;
    const char *sel = selected ? selected : "";
    int rc = mg_html_option(b, "", "Tout le territoire", sel[0] == '\0');
    for (size_t e = 0; rc == MG_OK && e < s->nepci; e++) {
        char value[32];
        snprintf(value, sizeof value, "epci:%s", s->epci[e].code);
        rc = mg_html_option(b, value, s->epci[e].name ? s->epci[e].name : s->epci[e].code,
                            strcmp(sel, value) == 0);
    }
    if (rc == MG_OK && q->scope.kind == MG_SCOPE_COMMUNES)
        rc = mg_html_option(b, q->scope.key, q->scope.label, strcmp(sel, q->scope.key) == 0);
    return rc;
}

/* Kind k's defaults for the profession of g. */
static kind_default kind_defaults(size_t k, const mg_diagnosis *g)
{
    kind_default kd = {0};
    mg_plan_kind pk;
    mg_diag d = {{0}};
    if (!kind_applies(k, g->prof) || mg_plan_kind_init(&pk, plan_kinds[k].kind, g, &d))
        return kd;
    kd.applies = true;
    kd.capacity = pk.capacity;
    kd.cost = pk.cost;
    return kd;
}

/* How kind k's default capacity is reckoned, in French, into out. */
static void capacity_reason(size_t k, const mg_profession *prof, const kind_default *kd,
                            char *out, size_t cap)
{
    mg_action a = mg_action_defaults(plan_kinds[k].kind);
    char v[48], per[48];
    web_num(v, sizeof v, kd->capacity, is_gp(prof) ? 0 : 2);
    switch (plan_kinds[k].kind) {
    case MG_RES_CABIN:
    case MG_RES_CART:
        snprintf(out, cap,
                 "Par défaut %s %s : %g h par semaine × %g consultations par heure × %g semaines "
                 "× %g %% faisables à distance.",
                 v, capacity_unit(prof), a.hours_per_week, a.consultations_per_hour,
                 a.weeks_per_year, 100 * a.remote_share);
        break;
    case MG_RES_MOBILE:
        snprintf(out, cap,
                 "Par défaut %s %s : %g jours par mois × 12 mois × %g h par jour × %g "
                 "consultations par heure.",
                 v, capacity_unit(prof), a.days_per_month, a.hours_per_day,
                 a.consultations_per_hour);
        break;
    case MG_RES_CENTRE:
        web_num(per, sizeof per, kd->capacity / a.count, is_gp(prof) ? 0 : 2);
        snprintf(out, cap, "Par défaut %s %s : %g %s × %s par praticien (l'activité que le "
                           "modèle donne à un praticien).",
                 v, capacity_unit(prof), a.count, prof_of(prof)->many, per);
        break;
    default:
        snprintf(out, cap, "Par défaut %s %s : l'activité que le modèle donne à %s.", v,
                 capacity_unit(prof), prof_of(prof)->one);
        break;
    }
}

/* The form's description for the profession of ap (its words, its
 * defaults), on baseline `base` and scope q->scope. */
static void plan_form(plan_request *q, enum mg_baseline base)
{
    const mg_diagnosis *g = q->ap->g;
    const mg_profession *prof = g->prof;
    for (size_t k = 0; k < PLAN_NKINDS; k++) {
        const kind_default *kd = &q->def[k];
        int fc = F_COUNT_OF(k), fa = F_CAPACITY_OF(k), fo = F_COST_OF(k);
        snprintf(q->label[fc], sizeof q->label[fc], "%s (nombre)", kind_plural(k, prof));
        snprintf(q->defval[fc], sizeof q->defval[fc], "%ld",
                 is_gp(prof) ? plan_kinds[k].def_gp : plan_kinds[k].def_other);
        /* "Capacité d'une cabine…", "Capacité d'un chariot…" */
        snprintf(q->label[fa], sizeof q->label[fa], "Capacité d'%s, en %s", kind_one(k, prof),
                 capacity_unit(prof));
        capacity_reason(k, prof, kd, q->hint[fa], sizeof q->hint[fa]);
        web_num(q->defval[fa], sizeof q->defval[fa], kd->capacity, is_gp(prof) ? 0 : 2);
        snprintf(q->label[fo], sizeof q->label[fo], "Coût d'%s, en euros", kind_one(k, prof));
        char c[48];
        web_num(c, sizeof c, kd->cost, 0);
        const char *why = plan_kinds[k].kind == MG_RES_GP && !is_gp(prof)
                              ? "ordre de grandeur d'une aide à l'installation en zone sous-dotée"
                              : plan_kinds[k].cost_why;
        snprintf(q->hint[fo], sizeof q->hint[fo], "Par défaut %s euros : %s (à remplacer par vos "
                 "chiffres).", c, why);
        web_num(q->defval[fo], sizeof q->defval[fo], kd->cost, 0);
        bool shown = kd->applies;
        q->fields[fc] = (web_field){.name = plan_kinds[k].field, .label = q->label[fc],
                                    .kind = shown ? WEB_FIELD_INTEGER : WEB_FIELD_HIDDEN,
                                    .min = 0, .max = PLAN_MAX_PER_KIND,
                                    .defval = q->defval[fc]};
        /* The capacity's and cost's field names: "capacite_cabine", "cout_cabine". */
        q->fields[fa] = (web_field){.label = q->label[fa], .kind = WEB_FIELD_NUMBER, .min = 0,
                                    .max = 1e7, .defval = q->defval[fa], .hint = q->hint[fa]};
        q->fields[fo] = (web_field){.label = q->label[fo], .kind = WEB_FIELD_NUMBER, .min = 0,
                                    .max = 1e10, .defval = q->defval[fo], .hint = q->hint[fo]};
        if (!shown) {
            q->fields[fa].kind = q->fields[fo].kind = WEB_FIELD_HIDDEN;
            q->fields[fa].defval = q->fields[fo].defval = "";
        }
    }
    static const char *const cap_names[PLAN_NKINDS] = {"capacite_cabine", "capacite_chariot",
                                                       "capacite_maison", "capacite_itinerant",
                                                       "capacite_medecin"};
    static const char *const cost_names[PLAN_NKINDS] = {"cout_cabine", "cout_chariot",
                                                        "cout_maison", "cout_itinerant",
                                                        "cout_medecin"};
    for (size_t k = 0; k < PLAN_NKINDS; k++) {
        q->fields[F_CAPACITY_OF(k)].name = cap_names[k];
        q->fields[F_COST_OF(k)].name = cost_names[k];
    }
    memcpy(q->fields + F_PROFESSION, plan_other_fields, sizeof plan_other_fields);
    q->fields[F_PROFESSION].defval = prof->key;
    q->fields[F_BASE].defval = web_baseline_param(base);
    q->fields[F_SCOPE].defval = q->scope.key;
    q->fields[F_SCOPE].options_fn = scope_options;
    if (!isfinite(prof->threshold))
        q->fields[F_OBJECTIVE].defval = "pmedian";
    snprintf(q->proposal_hint, sizeof q->proposal_hint,
             "Communes (nom ou code INSEE) séparées par des virgules, chacune suivie de son "
             "type, « :%s » : par exemple « Belpech:%s, 11206:%s ». Sans type, la première "
             "ressource demandée.",
             is_gp(prof) ? "cabine », « :chariot », « :maison », « :itinerant » ou « :medecin"
                         : "maison » ou « :medecin",
             is_gp(prof) ? "cabine" : "maison", is_gp(prof) ? "chariot" : "medecin");
    q->fields[F_PROPOSAL].hint = q->proposal_hint;
    q->form = (web_form){.id = "plan", .fields = q->fields, .nfields = F_COUNT,
                         .submit = "Calculer le plan"};
}

/* A text field's value, or NULL when empty. */
static const char *given_text(const plan_request *q, int f)
{
    return q->in.given[f] ? q->in.raw[f] : NULL;
}

/*
 * Reads the request into q. Returns 0 when q is ready (possibly with
 * refused fields in q->in, drawn again by plan_render), or non-zero when
 * an answer was already given (an unknown profession or scope).
 */
static int plan_parse(web_ctx *ctx, plan_request *q)
{
    memset(q, 0, sizeof *q);
    q->ap = web_profession(ctx->app, ctx->req, ctx->res);
    if (!q->ap)
        return -1;
    q->base = web_baseline(ctx);
    if (q->base == MG_BASELINE_COUNT)
        return -1;
    if (!web_scope(ctx, q->ap, &q->scope))
        return -1;
    q->scoped = q->scope.kind != MG_SCOPE_ALL;
    for (size_t k = 0; k < PLAN_NKINDS; k++)
        q->def[k] = kind_defaults(k, q->ap->g);
    plan_form(q, q->base);
    q->sent = mg_http_query(ctx->req, "calculer") || mg_http_query(ctx->req, "objectif");
    if (!q->sent)
        return 0;
    web_form_read(&q->form, ctx->req, &q->in);
    bool gp = is_gp(q->ap->g->prof);
    for (size_t k = 0; k < PLAN_NKINDS; k++) {
        int fc = F_COUNT_OF(k), fa = F_CAPACITY_OF(k), fo = F_COST_OF(k);
        long defn = gp ? plan_kinds[k].def_gp : plan_kinds[k].def_other;
        if (!q->def[k].applies)
            q->count[k] = 0; /* hidden: a kind of another profession */
        else
            q->count[k] = q->in.given[fc] ? (long)q->in.num[fc] : defn;
        /* The default is shown rounded (whole acts for GPs, 2 decimals of
         * FTE): sent back unchanged, it is the default itself. */
        double shown_step = 0.5 * (gp ? 1 : 0.01) + 1e-9;
        q->capacity[k] = q->in.given[fa] && !q->in.error[fa][0] &&
                                 fabs(q->in.num[fa] - q->def[k].capacity) > shown_step
                             ? q->in.num[fa]
                             : q->def[k].capacity;
        q->cost[k] = q->in.given[fo] && !q->in.error[fo][0] ? q->in.num[fo] : q->def[k].cost;
        q->changed[k] = q->def[k].applies && (fabs(q->capacity[k] - q->def[k].capacity) >
                                                  1e-9 * (1 + q->def[k].capacity) ||
                                              q->cost[k] != q->def[k].cost);
    }
    const char *obj = given_text(q, F_OBJECTIVE);
    q->objective = obj ? mg_plan_objective_parse(obj)
                       : isfinite(q->ap->g->prof->threshold) ? MG_PLAN_DEFICIT
                                                             : MG_PLAN_PMEDIAN;
    q->budget = q->in.given[F_BUDGET] && q->in.num[F_BUDGET] > 0 ? q->in.num[F_BUDGET] : INFINITY;
    q->min_km = q->in.given[F_DISTANCE] ? q->in.num[F_DISTANCE] : 0;
    q->exclude = given_text(q, F_EXCLUDE);
    q->proposal = given_text(q, F_PROPOSAL);
    return 0;
}

/* --- Compute ---------------------------------------------------------------- */

/* A set of sites explained on the scope and on the whole territory. */
typedef struct plan_set {
    mg_plan_item *items;
    size_t n;
    mg_plan_site_explain *ex; /* on the scope's problem */
    mg_plan_totals tot;       /* on the scope */
    mg_plan_totals all;       /* on the whole territory (== tot when not scoped) */
} plan_set;

/* The plan and what is shown of it. */
typedef struct plan_result {
    int status;            /* 200; 400 when a field is refused; 500 */
    const char *error_fr;  /* a failure tied to no field, or NULL */
    char log[1024];        /* with a 500: the engine's message, for the access log */
    mg_plan_problem p;     /* the scope's: its communes are the units and the candidates */
    mg_plan_problem pall;  /* scoped: the same candidates, every study commune a unit */
    bool has_all;          /* pall built */
    int kind_of[PLAN_NKINDS]; /* index in p.kinds of each form row, -1 if absent */
    mg_plan_solution sol;
    plan_set set[2];       /* the plan's, the user's sites' */
    bool has_prop;
    double *after;         /* APL of every commune after the plan */
    long *hl;              /* the chosen sites, as ranks among the study communes */
    size_t nhl;
} plan_result;

static void plan_result_free(plan_result *r)
{
    for (int k = 0; k < 2; k++)
        free(r->set[k].ex);
    free(r->set[1].items);
    free(r->after);
    free(r->hl);
    mg_plan_solution_free(&r->sol);
    mg_plan_problem_free(&r->p);
    if (r->has_all)
        mg_plan_problem_free(&r->pall);
}

/* The form field a reason concerns, or -1 when it concerns none. */
static int reason_field(const mg_plan_why *why)
{
    switch (why->reason) {
    case MG_PLAN_ERR_OBJECTIVE:
    case MG_PLAN_ERR_THRESHOLD:
    case MG_PLAN_ERR_COVERAGE_MINUTES: return F_OBJECTIVE;
    case MG_PLAN_ERR_MIN_DISTANCE: return F_DISTANCE;
    case MG_PLAN_ERR_BAD_BUDGET:
    case MG_PLAN_ERR_BUDGET: return F_BUDGET;
    case MG_PLAN_ERR_EXCLUDED:
    case MG_PLAN_ERR_UNKNOWN_COMMUNE:
    case MG_PLAN_ERR_NO_CANDIDATE: return F_EXCLUDE;
    case MG_PLAN_ERR_CAPACITY:
        if (why->has_kind && kind_row(why->kind) >= 0)
            return F_CAPACITY_OF(kind_row(why->kind));
        return 0;
    case MG_PLAN_ERR_COST:
        if (why->has_kind && kind_row(why->kind) >= 0)
            return F_COST_OF(kind_row(why->kind));
        return 0;
    case MG_PLAN_ERR_NOTHING_TO_PLACE:
    case MG_PLAN_ERR_TOO_MANY_SITES:
    case MG_PLAN_ERR_KIND_TWICE:
    case MG_PLAN_ERR_KIND_NOT_APPLICABLE:
        if (why->has_kind && kind_row(why->kind) >= 0)
            return F_COUNT_OF(kind_row(why->kind));
        return 0; /* the first count */
    default: return -1;
    }
}

/* A reason in French: the table's sentence with the values it needs. */
static void reason_fr(const mg_plan_why *why, char *out, size_t cap)
{
    enum mg_plan_reason r = why->reason < MG_PLAN_ERR_COUNT ? why->reason : MG_PLAN_ERR_NONE;
    const char *m = plan_reason_fr(r);
    if (r == MG_PLAN_ERR_BUDGET) {
        char s[48];
        web_num(s, sizeof s, why->needed, 0);
        snprintf(out, cap, "%s %s %s euros.", m, web_msg_fr(WEB_MSG_PLAN_CHEAPEST), s);
    } else if (r == MG_PLAN_ERR_UNKNOWN_COMMUNE) {
        snprintf(out, cap, "%s : « %s ».", m, why->commune);
    } else {
        snprintf(out, cap, "%s", m);
    }
}

/* An engine refusal: beside the field it concerns (400), or the page's
 * failure (500, the English message for the operator on stderr). */
static void refuse(plan_request *q, plan_result *r, const mg_plan_why *why, int rc,
                   const mg_diag *d)
{
    int f = rc == MG_ENOMEM ? -1 : reason_field(why);
    if (f < 0) {
        r->status = 500;
        r->error_fr = rc == MG_ENOMEM ? web_msg_fr(WEB_MSG_OUT_OF_MEMORY)
                                      : plan_reason_fr(why->reason);
        snprintf(r->log, sizeof r->log, "planification: %.990s", d->msg[0] ? d->msg : mg_strerror(rc));
        return;
    }
    char msg[sizeof q->in.error[0]];
    reason_fr(why, msg, sizeof msg);
    r->status = 400;
    web_form_refuse(&q->in, q->fields[f].name, msg);
}

/* Refuses the proposal with `what` about `item` (as typed). */
static int refuse_proposal(plan_request *q, const char *what, const char *item)
{
    char msg[sizeof q->in.error[0]];
    snprintf(msg, sizeof msg, "%s : « %.60s ».", what, item);
    web_form_refuse(&q->in, "proposition", msg);
    return MG_EINVAL;
}

/* Reads the user's sites ("CODE[:type]", comma-separated; the type is a
 * count field's name, the first kind asked for when absent) into
 * r->set[1]; refuses the field and returns MG_EINVAL when one is wrong. */
static int parse_proposal(plan_request *q, plan_result *r, const mg_diagnosis *g)
{
    const mg_plan_problem *p = &r->p;
    mg_plan_site_words words[PLAN_MAX_PROPOSED];
    size_t n = 0, bad = 0;
    int rc = mg_plan_split_sites(q->proposal, words, PLAN_MAX_PROPOSED, &n, &bad);
    if (rc == MG_ELIMIT) {
        web_form_refuse(&q->in, "proposition", web_msg_fr(WEB_MSG_PLAN_PROPOSAL_TOO_MANY));
        return MG_EINVAL;
    }
    if (rc) {
        char msg[sizeof q->in.error[0]];
        snprintf(msg, sizeof msg, "Le site n° %zu est mal écrit : donnez une commune (nom ou code INSEE), suivie ou "
                                  "non de « :type ».", bad + 1);
        web_form_refuse(&q->in, "proposition", msg);
        return MG_EINVAL;
    }
    plan_set *set = &r->set[1];
    set->items = mg_alloc_array(n ? n : 1, sizeof *set->items);
    if (!set->items)
        return MG_ENOMEM;
    int first = -1;
    for (size_t k = 0; k < PLAN_NKINDS && first < 0; k++)
        if (q->count[k] > 0 && r->kind_of[k] >= 0)
            first = (int)k;
    for (size_t m = 0; m < n; m++) {
        const mg_plan_site_words *w = &words[m];
        /* The item as typed (spaces aside), quoted whole in a refusal. */
        char item[sizeof w->code + sizeof w->kind + 1];
        snprintf(item, sizeof item, w->kind[0] ? "%s:%s" : "%s", w->code, w->kind);
        int row = first;
        if (w->kind[0]) {
            row = -1;
            for (size_t k = 0; k < PLAN_NKINDS; k++)
                if (strcmp(plan_kinds[k].field, w->kind) == 0)
                    row = (int)k;
            if (row < 0)
                return refuse_proposal(
                    q, is_gp(g->prof) ? "Type inconnu (cabine, chariot, maison, itinerant ou "
                                        "medecin)"
                                      : "Type inconnu (maison ou medecin)",
                    item);
            if (r->kind_of[row] < 0)
                return refuse_proposal(q, is_gp(g->prof)
                                              ? "Cette ressource ne peut pas être placée"
                                              : "Cette ressource ne concerne que les médecins "
                                                "généralistes",
                                       item);
        }
        if (row < 0)
            return refuse_proposal(q, "Donnez le type de ce site", w->code);
        long i = mg_territory_find(g->t, w->code);
        if (i < 0) {
            /* A name as people write it ("Belpech", "st papoul"): the
             * commune field's resolution, its close matches named when it
             * is not one commune. */
            char msg[sizeof q->in.error[0]];
            if (web_commune_resolve(g, w->code, &i, msg, sizeof msg)) {
                web_form_refuse(&q->in, "proposition", msg);
                return MG_EINVAL;
            }
        }
        size_t c = 0;
        while (i >= 0 && c < p->ncand && p->cand_commune[c] != (size_t)i)
            c++;
        if (i < 0 || c == p->ncand)
            return refuse_proposal(q, i < 0 ? web_msg_fr(WEB_MSG_PLAN_PROPOSAL_UNKNOWN)
                                            : q->scoped
                                                  ? "Cette commune ne peut pas recevoir de site "
                                                    "(hors du périmètre, hors du territoire ou "
                                                    "exclue)"
                                                  : web_msg_fr(WEB_MSG_PLAN_PROPOSAL_NOT_CANDIDATE),
                                   w->code);
        set->items[set->n++] = (mg_plan_item){(uint32_t)c, (uint32_t)r->kind_of[row]};
    }
    r->has_prop = set->n > 0;
    return MG_OK;
}

/* Set s explained on the scope's problem and on the whole territory. */
static int explain_set(plan_result *r, plan_set *s, double *units_all)
{
    s->ex = mg_alloc_array(s->n ? s->n : 1, sizeof *s->ex);
    if (!s->ex)
        return MG_ENOMEM;
    int rc = mg_plan_explain(&r->p, s->items, s->n, &s->tot, s->ex, r->has_all ? NULL : units_all);
    if (!rc && r->has_all)
        rc = mg_plan_explain(&r->pall, s->items, s->n, &s->all, NULL, units_all);
    else if (!rc)
        s->all = s->tot;
    return rc;
}

/* The plan's effect: explanations, the APL after it, the sites on the map. */
static int explain(const mg_app_profession *ap, plan_result *r)
{
    const mg_diagnosis *g = ap->g;
    const mg_plan_problem *pa = r->has_all ? &r->pall : &r->p;
    double *units = mg_alloc_array(pa->n ? pa->n : 1, sizeof *units);
    r->after = mg_alloc_array(g->t->n, sizeof *r->after);
    r->hl = mg_alloc_array(r->sol.n + 1, sizeof *r->hl);
    r->set[0].items = r->sol.items;
    r->set[0].n = r->sol.n;
    int rc = !units || !r->after || !r->hl ? MG_ENOMEM : MG_OK;
    if (!rc)
        rc = explain_set(r, &r->set[0], units);
    if (!rc && r->has_prop)
        rc = explain_set(r, &r->set[1], NULL);
    if (!rc) {
        /* The units' values are on the problem's baseline; the other
         * communes keep today's, on the same baseline. */
        memcpy(r->after, mg_app_baseline_values(ap, pa->baseline), g->t->n * sizeof *r->after);
        for (size_t u = 0; u < pa->n; u++)
            r->after[pa->unit_commune[u]] = units[u];
        for (size_t q = 0; q < r->sol.n; q++)
            for (size_t k = 0; k < g->study_n; k++)
                if (g->study[k] == r->p.cand_commune[r->sol.items[q].cand]) {
                    r->hl[r->nhl++] = (long)k;
                    break;
                }
    }
    free(units);
    return rc;
}

/* Scales the parameter of a that sets its capacity by `factor`, so that
 * a plan with a capacity of one's own is saved as the same scenario. */
static void proto_scale(mg_action *a, double factor)
{
    switch (a->kind) {
    case MG_RES_GP:
    case MG_RES_CENTRE: a->count *= factor; break;
    case MG_RES_CABIN:
    case MG_RES_CART: a->hours_per_week *= factor; break;
    case MG_RES_MOBILE: a->days_per_month *= factor; break;
    case MG_RES_COUNT: break;
    }
}

/* Computes the plan the request asks for, if it was sent and is fine. */
static void plan_compute(plan_request *q, plan_result *r)
{
    r->status = 200;
    for (size_t k = 0; k < PLAN_NKINDS; k++)
        r->kind_of[k] = -1;
    if (!q->sent)
        return;
    if (q->in.nerrors) {
        r->status = 400;
        return;
    }
    const mg_diagnosis *g = q->ap->g;
    mg_plan_problem s = {.objective = q->objective, .threshold = g->prof->threshold,
                         .coverage_minutes = 10, .budget = q->budget, .min_km = q->min_km,
                         .baseline = q->base};
    if (!isfinite(s.threshold))
        s.threshold = 0; /* the engine says that this objective needs one */
    mg_plan_why why;
    mg_diag d = {{0}};
    int rc = MG_OK;
    /* Every kind of the profession is a kind of the problem, those not
     * asked for with a count of 0: the user's sites may use them. */
    for (size_t k = 0; k < PLAN_NKINDS; k++) {
        if (!q->def[k].applies)
            continue;
        mg_plan_kind *kind = &s.kinds[s.nkinds];
        int krc = mg_plan_kind_init_why(kind, plan_kinds[k].kind, g, &why, &d);
        if (krc) {
            if (q->count[k] > 0) {
                refuse(q, r, &why, krc, &d); /* beside its count */
                rc = krc;
            }
            continue;
        }
        kind->max_count = (size_t)q->count[k];
        if (kind->capacity > 0 && q->capacity[k] != kind->capacity)
            proto_scale(&kind->proto, q->capacity[k] / kind->capacity);
        kind->capacity = q->capacity[k];
        kind->cost = q->cost[k];
        r->kind_of[k] = (int)s.nkinds++;
    }
    if (rc)
        return;
    mg_plan_candidates cand = {.rule = "all", .exclude = q->exclude,
                               .scope = q->scoped ? q->scope.mark : NULL};
    if ((rc = mg_plan_problem_check_why(&s, &why, &d)) ||
        (rc = mg_plan_problem_build_why(&r->p, g, q->ap->engine, &cand, &s, &why, &d))) {
        refuse(q, r, &why, rc, &d);
        return;
    }
    if (q->scoped) {
        /* The whole territory's figures: every study commune a unit, the
         * same candidates (in the same order: those of the scope). */
        mg_plan_candidates all = cand;
        all.units_everywhere = true;
        if ((rc = mg_plan_problem_build_why(&r->pall, g, q->ap->engine, &all, &s, &why, &d))) {
            refuse(q, r, &why, rc, &d);
            return;
        }
        r->has_all = true;
    }
    if (q->proposal && (rc = parse_proposal(q, r, g))) {
        r->status = rc == MG_ENOMEM ? 500 : 400;
        if (rc == MG_ENOMEM)
            r->error_fr = web_msg_fr(WEB_MSG_OUT_OF_MEMORY);
        return;
    }
    mg_plan_greedy_opts go = {.lazy = true, .interchange = true};
    if ((rc = mg_plan_greedy_why(&r->p, &go, &r->sol, &why, &d))) {
        refuse(q, r, &why, rc, &d);
        return;
    }
    if (explain(q->ap, r)) {
        r->status = 500;
        r->error_fr = web_msg_fr(WEB_MSG_OUT_OF_MEMORY);
    }
}

/* --- Render ----------------------------------------------------------------- */

static void num_cell(mg_buf *b, double v, int decimals)
{
    char s[48];
    web_num(s, sizeof s, v, decimals);
    mg_buf_puts(b, "<td>");
    mg_html_text(b, s);
    mg_buf_puts(b, "</td>");
}

/* The scope's key when the page is scoped, else NULL (for links). */
static const char *scope_key(const plan_request *q)
{
    return q->scoped ? q->scope.key : NULL;
}

/* A link to commune i's page, its name and code. */
static void commune_link(mg_buf *b, const plan_request *q, size_t i)
{
    const mg_diagnosis *g = q->ap->g;
    char path[32];
    snprintf(path, sizeof path, "/commune/%s", g->t->code[i]);
    mg_buf_puts(b, "<a href=\"");
    const char *kv[] = {"profession", g->prof->key, "perimetre", scope_key(q), NULL};
    if (!scope_key(q))
        kv[2] = NULL;
    mg_html_href(b, path, kv, NULL);
    mg_buf_puts(b, "\">");
    mg_html_text(b, g->t->name[i]);
    mg_buf_puts(b, "</a> (");
    mg_html_text(b, g->t->code[i]);
    mg_buf_puts(b, ")");
}

/* The form row of problem kind k. */
static size_t row_of_kind(const plan_result *r, uint32_t k)
{
    for (size_t row = 0; row < PLAN_NKINDS; row++)
        if (r->kind_of[row] == (int)k)
            return row;
    return 0;
}

/* The sites of set s, each with its marginal gain (in the order listed),
 * its gain alone, whom it reaches and the inhabitants it lifts; the
 * marginal gains add up to the set's gain (the table's last row). */
static void sites_table(mg_buf *b, const plan_request *q, const plan_result *r, const plan_set *s,
                        const char *caption)
{
    const mg_diagnosis *g = q->ap->g;
    const mg_plan_problem *p = &r->p;
    bool thr = isfinite(g->prof->threshold);
    mg_buf_puts(b, "<div class=\"scroll\"><table class=\"sites\"><caption>");
    mg_html_text(b, caption);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Rang</th><th scope=\"col\">Commune</th>"
                   "<th scope=\"col\">Ressource</th>"
                   "<th scope=\"col\">Gain marginal (après les sites des rangs précédents)</th>"
                   "<th scope=\"col\">Gain du site seul</th>"
                   "<th scope=\"col\">Communes atteintes</th><th scope=\"col\">Habitants atteints</th>");
    if (thr)
        mg_buf_puts(b, "<th scope=\"col\">Habitants passés au-dessus du seuil grâce à ce site "
                       "(marginal)</th>");
    mg_buf_puts(b, "<th scope=\"col\">Commune la plus aidée (hausse de l'APL)</th></tr></thead><tbody>\n");
    double sum = 0, sum_lifted = 0;
    for (size_t k = 0; k < s->n; k++) {
        const mg_plan_site_explain *e = &s->ex[k];
        mg_buf_printf(b, "<tr><td>%zu</td><th scope=\"row\">", k + 1);
        commune_link(b, q, p->cand_commune[s->items[k].cand]);
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, kind_noun(row_of_kind(r, s->items[k].kind), g->prof));
        mg_buf_puts(b, "</td>");
        num_cell(b, e->marginal, 1);
        num_cell(b, e->standalone, 1);
        mg_buf_printf(b, "<td>%zu</td>", e->units_reached);
        num_cell(b, e->inhabitants_reached, 0);
        if (thr)
            num_cell(b, e->inhabitants_lifted, 0);
        mg_buf_puts(b, "<td>");
        if (e->units_reached > 0) {
            commune_link(b, q, p->unit_commune[e->best_unit]);
            char v[48];
            web_num(v, sizeof v, e->apl_gain_max, 3);
            mg_html_printf(b, " : +%s", v);
        }
        mg_buf_puts(b, "</td></tr>\n");
        sum += e->marginal;
        sum_lifted += e->inhabitants_lifted;
    }
    mg_buf_puts(b, "</tbody><tfoot><tr><td></td><th scope=\"row\">Total</th><td></td>");
    num_cell(b, sum, 1);
    mg_buf_puts(b, "<td></td><td></td><td></td>");
    if (thr)
        num_cell(b, sum_lifted, 0);
    mg_buf_puts(b, "<td></td></tr></tfoot></table></div>\n");
    char v[48], tot[48];
    web_num(v, sizeof v, sum, 1);
    web_num(tot, sizeof tot, s->tot.value, 1);
    mg_buf_puts(b, "<p class=\"note\">Gains en ");
    mg_html_text(b, objective_unit(p->objective));
    mg_buf_puts(b, ". Le gain marginal d'un site est ce qu'il ajoute aux sites des rangs "
                   "précédents ; les gains marginaux s'additionnent (");
    mg_html_printf(b, "%s) au gain de l'ensemble (%s)", v, tot);
    mg_buf_puts(b, ". Le gain du site seul est celui qu'il aurait sans aucun autre site ; ces "
                   "gains-là ne s'additionnent pas.</p>\n");
}

/* "de 22 à 14" for a count before and after. */
static void before_after_counts(mg_buf *b, size_t before, size_t after)
{
    mg_buf_printf(b, "de %zu à %zu", before, after);
}

/* The sentence of the communes and inhabitants under the threshold before
 * and after set s, for the scope and for the whole territory. */
static void before_after(mg_buf *b, const plan_request *q, const plan_set *s, const char *id,
                         const char *what)
{
    const mg_app *a = NULL;
    (void)a;
    char hb[48], ha[48];
    mg_buf_puts(b, "<p class=\"avant-apres\" id=\"");
    mg_html_attr(b, id);
    mg_buf_puts(b, "\"><strong>");
    mg_html_text(b, what);
    mg_buf_puts(b, "</strong> — <span class=\"perimetre\">");
    mg_html_text(b, q->scope.label);
    mg_buf_puts(b, " : ");
    before_after_counts(b, s->tot.communes_below_before, s->tot.communes_below_after);
    web_num(hb, sizeof hb, s->tot.inhabitants_below_before, 0);
    web_num(ha, sizeof ha, s->tot.inhabitants_below_after, 0);
    mg_html_printf(b, " communes sous le seuil (de %s à %s habitants)", hb, ha);
    mg_buf_puts(b, "</span>");
    if (q->scoped) {
        mg_buf_puts(b, " ; <span class=\"territoire\">tout le territoire : ");
        before_after_counts(b, s->all.communes_below_before, s->all.communes_below_after);
        web_num(hb, sizeof hb, s->all.inhabitants_below_before, 0);
        web_num(ha, sizeof ha, s->all.inhabitants_below_after, 0);
        mg_html_printf(b, " communes sous le seuil (de %s à %s habitants)", hb, ha);
        mg_buf_puts(b, "</span>");
    }
    mg_buf_puts(b, ".</p>\n");
}

/* One value of the totals table: a number, or words where it is not defined. */
typedef struct total_row {
    const char *label;
    size_t offset;
    bool count;    /* a size_t */
    bool threshold; /* shown only when the profession has a threshold */
    int decimals;
    const char *undefined; /* words for a NaN */
} total_row;

static void totals_table(mg_buf *b, const plan_request *q, const plan_result *r)
{
    const mg_diagnosis *g = q->ap->g;
    bool thr = isfinite(g->prof->threshold);
    char gain[160];
    snprintf(gain, sizeof gain, "Gain sur l'objectif (%s)", objective_unit(r->p.objective));
    const total_row rows[] = {
        {gain, offsetof(mg_plan_totals, value), false, false, 1, NULL},
        {"Communes sous le seuil avant", offsetof(mg_plan_totals, communes_below_before), true,
         true, 0, NULL},
        {"Communes sous le seuil après", offsetof(mg_plan_totals, communes_below_after), true,
         true, 0, NULL},
        {"Habitants des communes sous le seuil avant",
         offsetof(mg_plan_totals, inhabitants_below_before), false, true, 0, NULL},
        {"Habitants des communes sous le seuil après",
         offsetof(mg_plan_totals, inhabitants_below_after), false, true, 0, NULL},
        {"Habitants passés au-dessus du seuil", offsetof(mg_plan_totals, inhabitants_lifted),
         false, true, 0, NULL},
        {"Population standardisée sous le seuil avant", offsetof(mg_plan_totals, below_before),
         false, true, 0, NULL},
        {"Population standardisée sous le seuil après", offsetof(mg_plan_totals, below_after),
         false, true, 0, NULL},
        {"Déficit avant (population standardisée × écart au seuil)",
         offsetof(mg_plan_totals, deficit_before), false, true, 0, NULL},
        {"Déficit après", offsetof(mg_plan_totals, deficit_after), false, true, 0, NULL},
        {"Coût (euros)", offsetof(mg_plan_totals, cost), false, false, 0, NULL},
        {"Coût par habitant passé au-dessus du seuil (euros)",
         offsetof(mg_plan_totals, cost_per_inhabitant_lifted), false, true, 0,
         "sans objet : aucun habitant passé au-dessus du seuil"},
    };
    /* Columns: each set on the scope, and on the whole territory. */
    const mg_plan_totals *cols[4];
    const char *names[4];
    size_t nc = 0;
    const char *set_names[2] = {"Plan recommandé", "Vos sites"};
    char headers[4][256];
    for (int k = 0; k < (r->has_prop ? 2 : 1); k++) {
        if (q->scoped) {
            snprintf(headers[nc], sizeof headers[nc], "%s — %s", set_names[k], q->scope.label);
            cols[nc] = &r->set[k].tot;
            names[nc] = headers[nc];
            nc++;
            snprintf(headers[nc], sizeof headers[nc], "%s — tout le territoire", set_names[k]);
            cols[nc] = &r->set[k].all;
            names[nc] = headers[nc];
            nc++;
        } else {
            cols[nc] = &r->set[k].tot;
            names[nc++] = set_names[k];
        }
    }
    mg_buf_puts(b, "<div class=\"scroll\"><table id=\"effet\"><caption>Effet du plan</caption>"
                   "<thead><tr><th scope=\"col\">Indicateur</th>");
    for (size_t k = 0; k < nc; k++) {
        mg_buf_puts(b, "<th scope=\"col\">");
        mg_html_text(b, names[k]);
        mg_buf_puts(b, "</th>");
    }
    mg_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        if (rows[i].threshold && !thr)
            continue;
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, rows[i].label);
        mg_buf_puts(b, "</th>");
        for (size_t k = 0; k < nc; k++) {
            const char *at = (const char *)cols[k] + rows[i].offset;
            if (rows[i].count) {
                size_t v;
                memcpy(&v, at, sizeof v);
                mg_buf_printf(b, "<td>%zu</td>", v);
                continue;
            }
            double v;
            memcpy(&v, at, sizeof v);
            if (!isfinite(v) && rows[i].undefined) {
                mg_buf_puts(b, "<td>");
                mg_html_text(b, rows[i].undefined);
                mg_buf_puts(b, "</td>");
            } else {
                num_cell(b, v, rows[i].decimals);
            }
        }
        mg_buf_puts(b, "</tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

/* The resources and the assumptions the plan used: each kind's count,
 * capacity and cost, said to be the default or the user's. */
static void assumptions(mg_buf *b, const plan_request *q, const plan_result *r)
{
    const mg_profession *prof = q->ap->g->prof;
    mg_buf_puts(b, "<div class=\"scroll\"><table id=\"hypotheses\"><caption>Ressources et "
                   "hypothèses du calcul</caption><thead><tr><th scope=\"col\">Ressource</th>"
                   "<th scope=\"col\">Nombre à placer</th><th scope=\"col\">Capacité</th>"
                   "<th scope=\"col\">Coût par site (euros)</th><th scope=\"col\">Origine</th>"
                   "</tr></thead><tbody>\n");
    for (size_t k = 0; k < PLAN_NKINDS; k++) {
        if (r->kind_of[k] < 0)
            continue;
        const mg_plan_kind *pk = &r->p.kinds[r->kind_of[k]];
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, kind_plural(k, prof));
        mg_buf_printf(b, "</th><td>%zu</td>", pk->max_count);
        char v[48];
        web_num(v, sizeof v, pk->capacity, is_gp(prof) ? 0 : 2);
        mg_buf_puts(b, "<td>");
        mg_html_printf(b, "%s %s", v, capacity_unit(prof));
        mg_buf_puts(b, "</td>");
        num_cell(b, pk->cost, 0);
        mg_buf_puts(b, "<td>");
        mg_html_text(b, q->changed[k] ? "vos valeurs" : "valeurs par défaut");
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

/* The save form: the plan's actions as JSON in a hidden field. */
static void save_form(mg_buf *b, web_ctx *ctx, const mg_diagnosis *g, const mg_plan_problem *p,
                      const mg_plan_solution *s)
{
    int64_t orgs[1];
    if (!mg_auth_orgs_where(ctx->actor, MG_AUTH_CREATE, MG_AUTH_OBJ_SCENARIO, orgs, 1)) {
        mg_buf_puts(b, "<p>Pour enregistrer ce plan comme scénario, <a href=\"/connexion\">connectez-vous</a> "
                       "avec un compte qui peut créer des scénarios.</p>\n");
        return;
    }
    const char *csrf = web_csrf(ctx);
    mg_scenario sc = {.n = s->n, .actions = mg_alloc_array(s->n ? s->n : 1, sizeof(mg_action))};
    if (!sc.actions)
        return;
    for (size_t k = 0; k < s->n; k++) {
        sc.actions[k] = p->kinds[s->items[k].kind].proto;
        sc.actions[k].commune = p->cand_commune[s->items[k].cand];
    }
    json_t *j = mg_scenario_to_json(&sc, g);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    mg_scenario_free(&sc);
    if (!text)
        return;
    save_form_desc f;
    save_form_init(&f, g->prof->key, text);
    mg_buf_puts(b, "<section aria-labelledby=\"enregistrer\"><h2 id=\"enregistrer\">Enregistrer le plan "
                   "comme scénario</h2>\n");
    web_form_render(b, &f.form, NULL, "post", SAVE_ACTION, ctx, csrf);
    mg_buf_puts(b, "</section>\n");
    free(text);
}

/* The results of a plan computed. */
static void results(mg_buf *b, web_ctx *ctx, const plan_request *q, const plan_result *r)
{
    const mg_app *a = ctx->app;
    const mg_diagnosis *g = q->ap->g;
    const mg_plan_problem *p = &r->p;
    const mg_plan_solution *sol = &r->sol;
    bool thr = isfinite(g->prof->threshold);
    mg_buf_puts(b, "<section aria-labelledby=\"resultats\"><h2 id=\"resultats\">Plan recommandé</h2>\n");
    if (sol->n == 0) {
        mg_buf_puts(b, "<p>Aucun site n'améliore l'objectif avec ces paramètres.</p>\n");
    } else {
        char ms[32];
        web_num(ms, sizeof ms, sol->seconds * 1e3, 1);
        mg_buf_puts(b, "<p>");
        mg_html_printf(b, "%zu site%s choisi%s parmi %zu communes candidates", sol->n,
                       sol->n > 1 ? "s" : "", sol->n > 1 ? "s" : "", p->ncand);
        if (q->scoped) {
            mg_buf_puts(b, " (celles du périmètre ");
            mg_html_text(b, q->scope.label);
            mg_buf_puts(b, ")");
        }
        mg_html_printf(b, " en %s ms.", ms);
        mg_buf_puts(b, "</p>\n");
        sites_table(b, q, r, &r->set[0], "Sites recommandés, dans l'ordre du choix");
    }
    if (thr) {
        before_after(b, q, &r->set[0], "avant-apres-plan", "Plan recommandé");
        if (r->has_prop)
            before_after(b, q, &r->set[1], "avant-apres-vos-sites", "Vos sites");
    } else {
        mg_buf_puts(b, "<p class=\"note\">");
        mg_html_printf(b, "Aucun seuil de sous-dotation n'est défini pour les %s (la DREES "
                          "n'en publie que pour les médecins généralistes) : les communes et "
                          "les habitants « sous le seuil » n'ont pas de sens ici, et le plan "
                          "se juge au temps d'accès au praticien le plus proche.",
                       prof_of(g->prof)->many);
        mg_buf_puts(b, "</p>\n");
    }
    totals_table(b, q, r);
    if (r->has_prop) {
        char v[48];
        web_num(v, sizeof v, r->set[1].tot.cost, 0);
        mg_buf_puts(b, "<h3 id=\"vos-sites\">Vos sites</h3>\n<p id=\"cout-vos-sites\">");
        mg_html_printf(b, "Coût total de vos sites : %s euros (", v);
        bool first = true;
        for (size_t k = 0; k < PLAN_NKINDS; k++) {
            if (r->kind_of[k] < 0)
                continue;
            size_t n = 0;
            for (size_t m = 0; m < r->set[1].n; m++)
                n += r->set[1].items[m].kind == (uint32_t)r->kind_of[k];
            if (!n)
                continue;
            char c[48];
            web_num(c, sizeof c, r->p.kinds[r->kind_of[k]].cost, 0);
            mg_html_printf(b, "%s%zu × %s à %s euros", first ? "" : " + ", n,
                           kind_noun(k, g->prof), c);
            first = false;
        }
        mg_buf_puts(b, ").</p>\n");
        sites_table(b, q, r, &r->set[1], "Vos sites, dans l'ordre donné");
    }
    assumptions(b, q, r);
    mg_buf_puts(b, "<p class=\"note baseline\">Valeurs : <strong>");
    mg_html_text(b, p->baseline == MG_BASELINE_OFFICIAL
                        ? "APL officielle + effet du plan (modèle)"
                        : "APL du modèle");
    if (!thr)
        mg_buf_puts(b, "</strong>.</p>\n");
    else if (p->baseline == MG_BASELINE_OFFICIAL)
        mg_buf_puts(b, "</strong> : le déficit, la population sous le seuil et la carte partent "
                       "de l'APL publiée par la DREES (celle du modèle là où elle n'en publie "
                       "pas) et y ajoutent l'effet des sites calculé par le modèle.</p>\n");
    else
        mg_buf_puts(b, "</strong> : avant et après le plan.</p>\n");
    mg_buf_puts(b, "<p class=\"note\">Habitants : population légale totale (INSEE) ; "
                   "population standardisée : la population pondérée par âge que l'APL et les "
                   "objectifs du plan utilisent (DREES).</p>\n");
    mg_buf_puts(b, "<h3>Carte de l'accessibilité après le plan</h3>\n<p>Sites recommandés : ");
    for (size_t k = 0; k < sol->n; k++) {
        if (k)
            mg_buf_puts(b, ", ");
        commune_link(b, q, p->cand_commune[sol->items[k].cand]);
    }
    mg_buf_puts(b, sol->n ? " (entourés sur la carte).</p>\n" : "aucun.</p>\n");
    mg_buf_puts(b, "<figure class=\"map\">");
    web_map_sites(b, a, q->ap, r->after, false,
                  p->baseline == MG_BASELINE_OFFICIAL
                      ? "APL officielle + effet du plan (modèle)"
                      : "APL après le plan",
                  g->prof->threshold, r->hl,
                  r->nhl);
    mg_buf_puts(b, "</figure>\n</section>\n");
    if (sol->n)
        save_form(b, ctx, g, p, sol);
}

static int plan_render(mg_buf *b, web_ctx *ctx, const plan_request *q, const plan_result *r)
{
    const mg_profession *prof = q->ap->g->prof;
    web_page_begin(b, ctx, "Planification", "planification");
    mg_buf_puts(b, "<h1>Planification</h1>\n<p>");
    if (is_gp(prof))
        mg_buf_puts(b, "Où une cabine de télémédecine, un chariot de téléconsultation, une "
                       "maison de santé, une consultation itinérante ou un médecin généraliste "
                       "de plus aident le plus, et de combien ils changent l'accessibilité.");
    else
        mg_html_printf(b, "Où %s ou une maison de santé de plus aident le plus, et de combien "
                          "ils changent l'accessibilité. Les cabines de télémédecine, les "
                          "chariots de téléconsultation et les consultations itinérantes ne "
                          "concernent que les médecins généralistes.",
                       prof_of(prof)->one);
    mg_buf_puts(b, " Le calcul choisit les sites un à un (glouton paresseux) puis les échange "
                   "tant que cela améliore l'objectif ; voir la <a href=\"/methode\">méthode</a>. "
                   "Chaque valeur par défaut (capacité, coût) est dans le formulaire : "
                   "remplacez-la par la vôtre.</p>\n");
    if (q->scoped) {
        mg_buf_puts(b, "<p class=\"perimetre\">Périmètre : <strong>");
        mg_html_text(b, q->scope.label);
        mg_buf_puts(b, "</strong>");
        mg_html_printf(b, " (%zu communes). Les sites sont choisis dans le périmètre et "
                          "l'objectif y est compté ; l'effet est calculé avec tous les voisins "
                          "et donné aussi pour tout le territoire. ",
                       q->scope.n);
        mg_buf_puts(b, "<a href=\"");
        mg_html_href(b, "/territoire",
                     (const char *const[]){"profession", prof->key, "perimetre", q->scope.key,
                                           NULL},
                     NULL);
        mg_buf_puts(b, "\">Le périmètre sur la page du territoire</a>.</p>\n");
    }
    if (!isfinite(prof->threshold)) {
        mg_buf_puts(b, "<p class=\"note\">");
        mg_html_printf(b, "Aucun seuil de sous-dotation n'est défini pour les %s : seul "
                          "l'objectif « réduire le temps d'accès au praticien le plus proche » "
                          "s'applique.",
                       prof_of(prof)->many);
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "<section aria-labelledby=\"parametres\"><h2 id=\"parametres\">Paramètres</h2>\n");
    web_form_render(b, &q->form, q->sent ? &q->in : NULL, "get", "/planification", q, NULL);
    mg_buf_puts(b, "</section>\n");
    if (r->error_fr) {
        mg_buf_puts(b, "<div class=\"error\" role=\"alert\"><p>");
        mg_html_text(b, r->error_fr);
        mg_buf_puts(b, "</p></div>\n");
    }
    if (q->sent && r->status == 200)
        results(b, ctx, q, r);
    web_page_end(b);
    return b->failed ? MG_ELIMIT : MG_OK;
}

/* --- Handlers --------------------------------------------------------------- */

static int page(web_ctx *ctx)
{
    plan_request q;
    if (plan_parse(ctx, &q))
        return 0;
    plan_result r = {0};
    plan_compute(&q, &r);
    ctx->res->status = r.status;
    if (r.log[0])
        snprintf(ctx->res->log_detail, sizeof ctx->res->log_detail, "%s", r.log);
    int rc = plan_render(&ctx->res->body, ctx, &q, &r);
    plan_result_free(&r);
    mg_scope_free(&q.scope);
    return rc;
}

/* What a save request sends, read and checked. */
typedef struct save_request {
    save_form_desc f;
    web_form_input in;
    const mg_app_profession *ap;
    mg_scenario sc;     /* the actions, read (to list them on a refused form) */
    char *actions;      /* the same, as stored (compact JSON, malloc'ed) */
} save_request;

static void save_request_free(save_request *q)
{
    mg_scenario_free(&q->sc);
    free(q->actions);
}

/*
 * Reads the save form into q. The profession and the actions are the
 * program's own (hidden): when they are missing or unreadable the request
 * did not come from the page, and a plain 400 is answered here (1 is
 * returned); MG_ENOMEM when out of memory. A refused name stays in q->in,
 * for save_refused.
 */
static int save_parse(web_ctx *ctx, save_request *q)
{
    memset(q, 0, sizeof *q);
    save_form_init(&q->f, NULL, NULL);
    web_form_read(&q->f.form, ctx->req, &q->in);
    const char *actions = q->in.raw[SAVE_ACTIONS];
    q->ap = q->in.error[SAVE_PROFESSION][0]
                ? NULL
                : mg_app_profession_get(ctx->app, q->in.raw[SAVE_PROFESSION]);
    if (!q->ap || !q->in.given[SAVE_ACTIONS] || q->in.error[SAVE_ACTIONS][0]) {
        mg_http_error(ctx->req, ctx->res, 400, web_msg_fr(WEB_MSG_PLAN_SAVE_FIELDS));
        return 1;
    }
    json_error_t err;
    json_t *j = json_loads(actions, 0, &err);
    mg_diag d = {{0}};
    if (!j || mg_scenario_from_json(j, q->ap->g, &q->sc, &d)) {
        json_decref(j);
        mg_http_error(ctx->req, ctx->res, 400, web_msg_fr(WEB_MSG_PLAN_ACTIONS_UNREADABLE));
        return 1;
    }
    q->actions = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return q->actions ? 0 : MG_ENOMEM;
}

/* The save form refused (status 400): the plan's actions listed, the form
 * with the name as typed and the message beside it. */
static int save_refused(web_ctx *ctx, const save_request *q)
{
    mg_buf *b = &ctx->res->body;
    const mg_diagnosis *g = q->ap->g;
    ctx->res->status = 400;
    web_page_begin(b, ctx, "Enregistrer le plan comme scénario", "planification");
    mg_buf_puts(b, "<p class=\"crumbs\"><a href=\"");
    mg_html_href(b, "/planification", (const char *const[]){"profession", g->prof->key, NULL},
                 NULL);
    mg_buf_puts(b, "\">← Planification</a></p>\n<h1>Enregistrer le plan comme scénario</h1>\n");
    if (q->sc.n == 0) {
        mg_buf_puts(b, "<p>Le plan ne compte aucune action.</p>\n");
    } else {
        mg_buf_printf(b, "<p>Le plan compte %zu ", q->sc.n);
        mg_buf_puts(b, q->sc.n > 1 ? "actions :</p>\n<ul>" : "action :</p>\n<ul>");
    }
    for (size_t k = 0; k < q->sc.n; k++) {
        const mg_action *act = &q->sc.actions[k];
        mg_buf_puts(b, "<li>");
        int row = kind_row(act->kind);
        mg_html_text(b, row >= 0 ? kind_noun((size_t)row, g->prof) : mg_resource_label(act->kind));
        mg_buf_puts(b, " — ");
        mg_html_text(b, g->t->name[act->commune]);
        mg_buf_puts(b, " (");
        mg_html_text(b, g->t->code[act->commune]);
        mg_buf_puts(b, ")</li>");
    }
    if (q->sc.n)
        mg_buf_puts(b, "</ul>\n");
    web_form_render(b, &q->f.form, &q->in, "post", SAVE_ACTION, ctx, web_csrf(ctx));
    web_page_end(b);
    return b->failed ? MG_ELIMIT : MG_OK;
}

/* Saves the plan's actions as a new scenario and shows it; a name refused
 * (empty, too long, already used) comes back beside the field. */
static int save(web_ctx *ctx)
{
    save_request q;
    int rc = save_parse(ctx, &q);
    if (rc) {
        save_request_free(&q);
        return rc > 0 ? MG_OK : rc;
    }
    int64_t org = web_creation_org(ctx, &q.in, "organisation");
    if (q.in.nerrors == 0) {
        mg_scenario_record rec = {.name = (char *)q.in.raw[SAVE_NAME],
                                  .profession = (char *)q.ap->g->prof->key,
                                  .actions_json = q.actions, .organisation_id = org};
        int64_t id = 0;
        mg_diag d = {{0}};
        rc = mg_storage_scenario_save(ctx->app->db, &rec, ctx->actor->account_id, &id, &d);
        if (rc == MG_OK) {
            char loc[64];
            snprintf(loc, sizeof loc, "/scenarios/%lld", (long long)id);
            mg_http_redirect(ctx->res, loc);
        } else if (rc == MG_EINVAL || rc == MG_EUTF8) {
            /* A name refused by the store (« un scénario nommé … existe déjà »). */
            char msg[sizeof d.msg + 2];
            web_sentence(msg, sizeof msg, d.msg);
            web_form_refuse(&q.in, "nom", msg);
        } else {
            web_storage_error(ctx->req, ctx->res, rc, &d, "",
                              web_msg_fr(WEB_MSG_SCENARIO_SAVE_FAILED));
        }
        rc = MG_OK;
    }
    if (q.in.nerrors)
        rc = save_refused(ctx, &q);
    save_request_free(&q);
    return rc;
}

const web_route web_routes_plan[] = {
    {"GET", "/planification", page, WEB_ANYONE, 0},
    {"POST", SAVE_ACTION, save, WEB_ACCOUNT, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
