/* The planning page: where new resources help most (docs/planning.md).
 * A GET form (resources and their counts, objective, budget, minimum
 * distance, excluded communes, the user's own sites) and the results: the
 * sites on the map, the marginal gain of each and whom it reaches, the
 * population lifted, the cost per person lifted, the comparison with the
 * user's sites, and a button that saves the plan as a scenario.
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

/* Form field of each kind: the count asked for, and its default. */
static const struct {
    enum mg_resource kind;
    const char *field;
    const char *label;
    const char *def; /* shown in the empty form */
    long defn;       /* the same, used when the field is left empty */
} plan_kinds[] = {
    {MG_RES_CABIN, "cabine", "Cabines de télémédecine (nombre)", "1", 1},
    {MG_RES_CART, "chariot", "Chariots de téléconsultation (nombre)", "2", 2},
    {MG_RES_CENTRE, "maison", "Maisons de santé (nombre)", "0", 0},
    {MG_RES_MOBILE, "itinerant", "Consultations itinérantes (nombre)", "0", 0},
    {MG_RES_GP, "medecin", "Médecins (nombre)", "0", 0},
};
#define PLAN_NKINDS (sizeof plan_kinds / sizeof *plan_kinds)

static const web_option objective_options[] = {
    {"deficit", "réduire le déficit sous le seuil (population × écart au seuil)"},
    {"lifted", "faire passer le plus d'habitants au-dessus du seuil"},
    {"coverage", "couvrir la population sous le seuil à moins de 10 minutes"},
    {"pmedian", "réduire le temps d'accès au praticien le plus proche"},
    {NULL, NULL},
};

/* The baselines (scenario/baseline.h), by their words in links. */
static const web_option base_options[] = {
    {"modele", "APL du modèle"},
    {"officielle", "APL officielle (DREES) + effet du plan (modèle)"},
    {NULL, NULL},
};

/* The fields after the kinds: the form's description, once. */
enum {
    F_PROFESSION = PLAN_NKINDS, /* hidden: the profession of the page */
    F_CALCULER,                 /* hidden: "the form was sent" */
    F_OBJECTIVE,
    F_BASE,
    F_BUDGET,
    F_DISTANCE,
    F_EXCLUDE,
    F_PROPOSAL,
    F_COUNT
};

static const web_field plan_other_fields[F_COUNT - PLAN_NKINDS] = {
    [F_PROFESSION - PLAN_NKINDS] = {.name = "profession", .label = "Profession",
                                    .kind = WEB_FIELD_HIDDEN},
    [F_CALCULER - PLAN_NKINDS] = {.name = "calculer", .label = "Calculer",
                                  .kind = WEB_FIELD_HIDDEN, .defval = "1"},
    [F_OBJECTIVE - PLAN_NKINDS] = {.name = "objectif", .label = "Objectif",
                                   .kind = WEB_FIELD_SELECT, .options = objective_options,
                                   .defval = "deficit"},
    [F_BASE - PLAN_NKINDS] = {.name = "base", .label = "APL avant le plan",
                              .kind = WEB_FIELD_SELECT, .options = base_options,
                              .hint = "L'APL officielle là où la DREES en publie une (celle du "
                                      "modèle ailleurs), ou celle du modèle partout."},
    [F_BUDGET - PLAN_NKINDS] = {.name = "budget", .label = "Budget total en euros",
                                .kind = WEB_FIELD_NUMBER, .min = 0, .max = 1e12,
                                .hint = "Vide : sans limite. Par exemple 150 000."},
    [F_DISTANCE - PLAN_NKINDS] = {.name = "distance",
                                  .label = "Distance minimale entre deux sites, en km",
                                  .kind = WEB_FIELD_NUMBER, .min = 0, .max = 500,
                                  .hint = "Vide : aucune. Par exemple 7,5."},
    [F_EXCLUDE - PLAN_NKINDS] = {.name = "exclure", .label = "Communes exclues",
                                 .kind = WEB_FIELD_TEXT, .max = 2000,
                                 .hint = "Codes INSEE séparés par des virgules."},
    [F_PROPOSAL - PLAN_NKINDS] = {.name = "proposition",
                                  .label = "Vos propres sites, pour comparaison",
                                  .kind = WEB_FIELD_TEXT, .max = 2000,
                                  .hint = "Codes INSEE séparés par des virgules ; la première "
                                          "ressource demandée y est placée."},
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

/* What the request asks, read and checked. */
typedef struct plan_request {
    const mg_app_profession *ap;
    web_field fields[F_COUNT];
    web_form form;
    web_form_input in;
    bool sent;                /* the form was sent: compute */
    long count[PLAN_NKINDS];  /* sites of each kind */
    enum mg_plan_objective objective;
    enum mg_baseline base;    /* ?base=, or the server's default */
    double budget;            /* INFINITY: none */
    double min_km;
    const char *exclude;      /* NULL: none */
    const char *proposal;     /* NULL: none */
} plan_request;

/* The form's description for profession `prof` (the hidden field's value). */
static void plan_form(plan_request *q, const char *prof, enum mg_baseline base)
{
    for (size_t k = 0; k < PLAN_NKINDS; k++)
        q->fields[k] = (web_field){.name = plan_kinds[k].field,
                                   .label = plan_kinds[k].label,
                                   .kind = WEB_FIELD_INTEGER, .min = 0,
                                   .max = PLAN_MAX_PER_KIND, .defval = plan_kinds[k].def};
    memcpy(q->fields + PLAN_NKINDS, plan_other_fields, sizeof plan_other_fields);
    q->fields[F_PROFESSION].defval = prof;
    q->fields[F_BASE].defval = web_baseline_param(base);
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
 * an answer was already given (an unknown profession).
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
    plan_form(q, q->ap->g->prof->key, q->base);
    q->sent = mg_http_query(ctx->req, "calculer") || mg_http_query(ctx->req, "objectif");
    if (!q->sent)
        return 0;
    web_form_read(&q->form, ctx->req, &q->in);
    for (size_t k = 0; k < PLAN_NKINDS; k++)
        q->count[k] = q->in.given[k] ? (long)q->in.num[k] : plan_kinds[k].defn;
    const char *obj = given_text(q, F_OBJECTIVE);
    q->objective = obj ? mg_plan_objective_parse(obj) : MG_PLAN_DEFICIT;
    q->budget = q->in.given[F_BUDGET] && q->in.num[F_BUDGET] > 0 ? q->in.num[F_BUDGET] : INFINITY;
    q->min_km = q->in.given[F_DISTANCE] ? q->in.num[F_DISTANCE] : 0;
    q->exclude = given_text(q, F_EXCLUDE);
    q->proposal = given_text(q, F_PROPOSAL);
    return 0;
}

/* --- Compute ---------------------------------------------------------------- */

/* The plan and what is shown of it. */
typedef struct plan_result {
    int status;            /* 200; 400 when a field is refused; 500 */
    const char *error_fr;  /* a failure tied to no field, or NULL */
    char log[1024];        /* with a 500: the engine's message, for the access log */
    mg_plan_problem p;
    mg_plan_solution sol;
    mg_plan_item *prop;    /* the user's sites */
    size_t nprop;
    mg_plan_site_explain *ex, *pex;
    mg_plan_totals tot[2]; /* the plan's, the user's sites' */
    double *after;         /* APL of every commune after the plan */
    long *hl;              /* the chosen sites, as ranks among the study communes */
    size_t nhl;
} plan_result;

static void plan_result_free(plan_result *r)
{
    free(r->ex);
    free(r->pex);
    free(r->after);
    free(r->hl);
    free(r->prop);
    mg_plan_solution_free(&r->sol);
    mg_plan_problem_free(&r->p);
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
    case MG_PLAN_ERR_NOTHING_TO_PLACE:
    case MG_PLAN_ERR_CAPACITY:
    case MG_PLAN_ERR_COST:
    case MG_PLAN_ERR_TOO_MANY_SITES:
    case MG_PLAN_ERR_KIND_TWICE:
    case MG_PLAN_ERR_KIND_NOT_APPLICABLE:
        for (size_t k = 0; why->has_kind && k < PLAN_NKINDS; k++)
            if (plan_kinds[k].kind == why->kind)
                return (int)k;
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

/* The proposal's code at s (len bytes, spaces around removed) in code. */
static bool proposal_code(const char *s, size_t len, char *code, size_t cap)
{
    while (len > 0 && *s == ' ')
        s++, len--;
    while (len > 0 && s[len - 1] == ' ')
        len--;
    if (len == 0 || len >= cap)
        return false;
    memcpy(code, s, len);
    code[len] = '\0';
    return true;
}

/* Reads the user's sites (candidate communes, comma-separated) into
 * r->prop; refuses the field and returns MG_EINVAL when one is wrong. */
static int parse_proposal(plan_request *q, plan_result *r, const mg_diagnosis *g)
{
    const mg_plan_problem *p = &r->p;
    const char *s = q->proposal;
    size_t cap = 1;
    for (const char *c = s; *c; c++)
        cap += *c == ',';
    if (cap > PLAN_MAX_PROPOSED) {
        web_form_refuse(&q->in, "proposition", web_msg_fr(WEB_MSG_PLAN_PROPOSAL_TOO_MANY));
        return MG_EINVAL;
    }
    r->prop = mg_alloc_array(cap, sizeof *r->prop);
    if (!r->prop)
        return MG_ENOMEM;
    while (*s) {
        size_t len = strcspn(s, ",");
        char code[16], msg[sizeof q->in.error[0]];
        if (!proposal_code(s, len, code, sizeof code)) {
            web_form_refuse(&q->in, "proposition", web_msg_fr(WEB_MSG_PLAN_EXCLUDED));
            return MG_EINVAL;
        }
        long i = mg_territory_find(g->t, code);
        size_t c = 0;
        while (i >= 0 && c < p->ncand && p->cand_commune[c] != (size_t)i)
            c++;
        if (i < 0 || c == p->ncand) {
            snprintf(msg, sizeof msg, "%s : « %s ».",
                     i < 0 ? web_msg_fr(WEB_MSG_PLAN_PROPOSAL_UNKNOWN) : web_msg_fr(WEB_MSG_PLAN_PROPOSAL_NOT_CANDIDATE), code);
            web_form_refuse(&q->in, "proposition", msg);
            return MG_EINVAL;
        }
        r->prop[r->nprop++] = (mg_plan_item){(uint32_t)c, 0};
        s += len;
        if (*s == ',')
            s++;
    }
    return MG_OK;
}

/* The plan's effect: explanations, the APL after it, the sites on the map. */
static int explain(const mg_app_profession *ap, plan_result *r)
{
    const mg_diagnosis *g = ap->g;
    const mg_plan_problem *p = &r->p;
    r->ex = mg_alloc_array(r->sol.n ? r->sol.n : 1, sizeof *r->ex);
    r->pex = mg_alloc_array(r->nprop ? r->nprop : 1, sizeof *r->pex);
    double *units = mg_alloc_array(p->n ? p->n : 1, sizeof *units);
    r->after = mg_alloc_array(g->t->n, sizeof *r->after);
    r->hl = mg_alloc_array(r->sol.n + 1, sizeof *r->hl);
    int rc = !r->ex || !r->pex || !units || !r->after || !r->hl ? MG_ENOMEM : MG_OK;
    if (!rc)
        rc = mg_plan_explain(p, r->sol.items, r->sol.n, &r->tot[0], r->ex, units);
    if (!rc && r->prop)
        rc = mg_plan_explain(p, r->prop, r->nprop, &r->tot[1], r->pex, NULL);
    if (!rc) {
        /* The units' values are on the problem's baseline; the other
         * communes keep today's, on the same baseline. */
        memcpy(r->after, mg_app_baseline_values(ap, p->baseline), g->t->n * sizeof *r->after);
        for (size_t u = 0; u < p->n; u++)
            r->after[p->unit_commune[u]] = units[u];
        for (size_t q = 0; q < r->sol.n; q++)
            for (size_t k = 0; k < g->study_n; k++)
                if (g->study[k] == p->cand_commune[r->sol.items[q].cand]) {
                    r->hl[r->nhl++] = (long)k;
                    break;
                }
    }
    free(units);
    return rc;
}

/* Computes the plan the request asks for, if it was sent and is fine. */
static void plan_compute(plan_request *q, plan_result *r)
{
    r->status = 200;
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
    for (size_t k = 0; k < PLAN_NKINDS; k++) {
        if (q->count[k] == 0)
            continue;
        mg_plan_kind *kind = &s.kinds[s.nkinds];
        int krc = mg_plan_kind_init_why(kind, plan_kinds[k].kind, g, &why, &d);
        if (krc) {
            refuse(q, r, &why, krc, &d); /* each kind that does not apply, beside its count */
            rc = krc;
            continue;
        }
        kind->max_count = (size_t)q->count[k];
        s.nkinds++;
    }
    if (rc)
        return;
    mg_plan_candidates cand = {.rule = "all", .exclude = q->exclude};
    if ((rc = mg_plan_problem_check_why(&s, &why, &d)) ||
        (rc = mg_plan_problem_build_why(&r->p, g, q->ap->engine, &cand, &s, &why, &d))) {
        refuse(q, r, &why, rc, &d);
        return;
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

/* A link to commune i's page, its name and code. */
static void commune_link(mg_buf *b, const mg_diagnosis *g, size_t i)
{
    mg_buf_puts(b, "<a href=\"/commune/");
    mg_html_url_arg(b, g->t->code[i]);
    mg_buf_puts(b, "?profession=");
    mg_html_url_arg(b, g->prof->key);
    mg_buf_puts(b, "\">");
    mg_html_text(b, g->t->name[i]);
    mg_buf_puts(b, "</a> (");
    mg_html_text(b, g->t->code[i]);
    mg_buf_puts(b, ")");
}

static void sites_table(mg_buf *b, const mg_diagnosis *g, const mg_plan_problem *p,
                        const mg_plan_item *items, size_t n, const mg_plan_site_explain *ex,
                        const char *caption)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, caption);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Rang</th><th scope=\"col\">Commune</th>"
                   "<th scope=\"col\">Ressource</th><th scope=\"col\">Gain marginal</th>"
                   "<th scope=\"col\">Communes atteintes</th><th scope=\"col\">Population atteinte</th>"
                   "<th scope=\"col\">Habitants passés au-dessus du seuil grâce à ce site</th>"
                   "<th scope=\"col\">Commune la plus aidée</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < n; k++) {
        mg_buf_printf(b, "<tr><td>%zu</td><th scope=\"row\">", k + 1);
        commune_link(b, g, p->cand_commune[items[k].cand]);
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, mg_resource_label(p->kinds[items[k].kind].proto.kind));
        mg_buf_puts(b, "</td>");
        num_cell(b, ex[k].marginal, 1);
        mg_buf_printf(b, "<td>%zu</td>", ex[k].units_reached);
        num_cell(b, ex[k].population_reached, 0);
        num_cell(b, ex[k].population_lifted, 0);
        mg_buf_puts(b, "<td>");
        if (ex[k].units_reached > 0) {
            commune_link(b, g, p->unit_commune[ex[k].best_unit]);
            char s[48];
            web_num(s, sizeof s, ex[k].apl_gain_max, 3);
            mg_html_printf(b, " : +%s", s);
        }
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

static void totals_table(mg_buf *b, const mg_plan_totals *t, size_t nt, const char *const *names)
{
    static const struct {
        const char *label;
        size_t offset;
        int decimals;
    } rows[] = {
        {"Gain sur l'objectif", offsetof(mg_plan_totals, value), 1},
        {"Déficit avant (population × écart au seuil)", offsetof(mg_plan_totals, deficit_before), 0},
        {"Déficit après", offsetof(mg_plan_totals, deficit_after), 0},
        {"Population sous le seuil avant", offsetof(mg_plan_totals, below_before), 0},
        {"Population sous le seuil après", offsetof(mg_plan_totals, below_after), 0},
        {"Habitants passés au-dessus du seuil", offsetof(mg_plan_totals, lifted), 0},
        {"Coût (euros)", offsetof(mg_plan_totals, cost), 0},
        {"Coût par habitant passé au-dessus du seuil (euros)",
         offsetof(mg_plan_totals, cost_per_lifted), 0},
    };
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Effet du plan</caption><thead><tr>"
                   "<th scope=\"col\">Indicateur</th>");
    for (size_t k = 0; k < nt; k++) {
        mg_buf_puts(b, "<th scope=\"col\">");
        mg_html_text(b, names[k]);
        mg_buf_puts(b, "</th>");
    }
    mg_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, rows[r].label);
        mg_buf_puts(b, "</th>");
        for (size_t k = 0; k < nt; k++) {
            double v;
            memcpy(&v, (const char *)&t[k] + rows[r].offset, sizeof v);
            num_cell(b, v, rows[r].decimals);
        }
        mg_buf_puts(b, "</tr>\n");
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
    mg_buf_puts(b, "<section aria-labelledby=\"resultats\"><h2 id=\"resultats\">Plan recommandé</h2>\n");
    if (sol->n == 0) {
        mg_buf_puts(b, "<p>Aucun site n'améliore l'objectif avec ces paramètres.</p>\n");
    } else {
        char ms[32];
        web_num(ms, sizeof ms, sol->seconds * 1e3, 1);
        mg_buf_puts(b, "<p>");
        mg_html_printf(b, "%zu site%s choisi%s parmi %zu communes candidates en %s ms.", sol->n,
                       sol->n > 1 ? "s" : "", sol->n > 1 ? "s" : "", p->ncand, ms);
        mg_buf_puts(b, "</p>\n");
        sites_table(b, g, p, sol->items, sol->n, r->ex, "Sites recommandés");
    }
    const char *names[2] = {"Plan recommandé", "Vos sites"};
    totals_table(b, r->tot, r->prop ? 2 : 1, names);
    if (r->prop)
        sites_table(b, g, p, r->prop, r->nprop, r->pex, "Vos sites");
    mg_buf_puts(b, "<p class=\"note baseline\">Valeurs : <strong>");
    mg_html_text(b, p->baseline == MG_BASELINE_OFFICIAL
                        ? "APL officielle + effet du plan (modèle)"
                        : "APL du modèle");
    mg_buf_puts(b, p->baseline == MG_BASELINE_OFFICIAL
                       ? "</strong> : le déficit, la population sous le seuil et la carte partent "
                         "de l'APL publiée par la DREES (celle du modèle là où elle n'en publie "
                         "pas) et y ajoutent l'effet des sites calculé par le modèle.</p>\n"
                       : "</strong> : avant et après le plan.</p>\n");
    mg_buf_puts(b, "<h3>Carte de l'accessibilité après le plan</h3>\n<p>Sites recommandés : ");
    for (size_t k = 0; k < sol->n; k++) {
        if (k)
            mg_buf_puts(b, ", ");
        commune_link(b, g, p->cand_commune[sol->items[k].cand]);
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
    web_page_begin(b, ctx, "Planification", "planification");
    mg_buf_puts(b, "<h1>Planification</h1>\n<p>Où une cabine de télémédecine, un chariot de "
                   "téléconsultation, une maison de santé, une consultation itinérante ou un médecin "
                   "de plus aident le plus, et de combien ils changent l'accessibilité. Le calcul choisit "
                   "les sites un à un (glouton paresseux) puis les échange tant que cela améliore "
                   "l'objectif ; voir la <a href=\"/methode\">méthode</a>.</p>\n");
    mg_buf_puts(b, "<section aria-labelledby=\"parametres\"><h2 id=\"parametres\">Paramètres</h2>\n");
    web_form_render(b, &q->form, q->sent ? &q->in : NULL, "get", "/planification", NULL, NULL);
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
        mg_html_text(b, mg_resource_label(act->kind));
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
