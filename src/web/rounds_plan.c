/*
 * A mobile service's plans (issue 18; docs/rounds-web.md):
 *   POST /tournees/services/{id}/plans                 compute a plan
 *   GET  /tournees/services/{id}/plans/{pid}           the plan
 *   POST /tournees/services/{id}/plans/{pid}/supprimer delete a plan not published
 *   POST /tournees/services/{id}/actuelles             one vehicle-day of the current rounds
 * The page of one
 * plan (its rounds per vehicle and day, the target people it covers, the
 * comparison with the current rounds, the gap to the bound, the map of
 * stops and routes, the effect on the APL of a GP or nurse service), and
 * the service page's section where the current rounds are entered, a form
 * per vehicle and working day.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth/auth.h"
#include "parse/parse.h"
#include "rounds/build.h"
#include "rounds/population.h"
#include "rounds/rounds.h"
#include "rounds/store.h"
#include "web/rounds_web.h"
#include "web/web.h"

/* Positions of a vehicle-day in the current rounds' form. */
#define CURRENT_POSITIONS 8

static const char PLAN_NOT_FOUND[] = "Ce plan n'existe pas.";

/* "Nom — Commune (id)": how a stop is written in the current rounds' fields. */
static void stop_label(char *out, size_t cap, const char *name, const char *commune, int64_t id)
{
    snprintf(out, cap, "%s — %s (%lld)", name, commune, (long long)id);
}

/* The newest plan of kind CURRENT of the service, with its routes (id 0: none). */
static int latest_current(web_ctx *ctx, int64_t service, mg_round_plan *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    mg_round_plan *v = NULL;
    size_t n = 0;
    int rc = mg_round_plan_list(ctx->app->db, service, &v, &n, d);
    int64_t id = 0;
    for (size_t k = 0; rc == 0 && k < n && !id; k++)
        if (v[k].kind == MG_ROUND_PLAN_CURRENT)
            id = v[k].id;
    mg_round_plans_free(v, n);
    if (rc == 0 && id)
        rc = mg_round_plan_get(ctx->app->db, id, out, d);
    return rc;
}

void web_rounds_current_section(mg_buf *b, web_ctx *ctx, const web_rounds_svc *s,
                                const mg_round_vehicle *vehicles, size_t nvehicles,
                                const mg_round_stop *stops, size_t nstops, bool edit,
                                const web_rounds_fs *fs)
{
    mg_buf_puts(b, "<section aria-labelledby=\"actuelles\"><h2 id=\"actuelles\">Tournées "
                   "actuelles</h2>\n<p>Les tournées que le service fait aujourd'hui, pour les "
                   "comparer aux plans calculés : pour chaque véhicule et jour, les arrêts dans "
                   "l'ordre. Les horaires sont recalculés avec les temps de trajet.</p>\n");
    mg_round_plan cur;
    mg_diag d = {{0}};
    if (latest_current(ctx, s->svc.id, &cur, &d) != 0) {
        mg_buf_puts(b, "<p>Les tournées actuelles n'ont pas pu être lues.</p></section>\n");
        return;
    }
    if (cur.id) {
        char href[128];
        snprintf(href, sizeof href, "%s/plans/%lld", s->path, (long long)cur.id);
        mg_buf_puts(b, "<p><a href=\"");
        mg_html_attr(b, href);
        mg_buf_puts(b, "\">Les tournées actuelles saisies</a>.</p>\n");
    }
    if (!edit || nvehicles == 0) {
        mg_round_plan_clear(&cur);
        mg_buf_puts(b, "</section>\n");
        return;
    }
    mg_buf_puts(b, "<datalist id=\"arrets-liste\">");
    for (size_t k = 0; k < nstops; k++) {
        if (!stops[k].active)
            continue;
        char label[1800];
        stop_label(label, sizeof label, stops[k].name, stops[k].commune_name, stops[k].id);
        mg_buf_puts(b, "<option value=\"");
        mg_html_attr(b, label);
        mg_buf_puts(b, "\"></option>");
    }
    mg_buf_puts(b, "</datalist>\n");
    const char *typed_v = fs && fs->typed ? mg_http_form(fs->typed, "vehicle_id") : NULL;
    const char *typed_w = fs && fs->typed ? mg_http_form(fs->typed, "week") : NULL;
    const char *typed_d = fs && fs->typed ? mg_http_form(fs->typed, "weekday") : NULL;
    for (size_t k = 0; k < nvehicles; k++) {
        const mg_round_vehicle *v = &vehicles[k];
        if (!v->active)
            continue;
        for (int w = 0; w < s->svc.cycle_weeks; w++)
            for (int day = 0; day < 7; day++) {
                if (!((v->weekdays >> day) & 1u))
                    continue;
                char F[80], vid[24], ws[16], ds[16];
                snprintf(F, sizeof F, "actuelle-%lld-%d-%d", (long long)v->id, w, day);
                snprintf(vid, sizeof vid, "%lld", (long long)v->id);
                snprintf(ws, sizeof ws, "%d", w);
                snprintf(ds, sizeof ds, "%d", day);
                bool mine = typed_v && typed_w && typed_d && strcmp(typed_v, vid) == 0 &&
                            strcmp(typed_w, ws) == 0 && strcmp(typed_d, ds) == 0;
                const web_rounds_fs *my = mine ? fs : NULL;
                const mg_round_plan_route *route = NULL;
                for (size_t j = 0; j < cur.nroutes; j++)
                    if (cur.routes[j].vehicle_id == v->id && cur.routes[j].week == w &&
                        cur.routes[j].weekday == day)
                        route = &cur.routes[j];
                mg_buf_puts(b, "<details");
                if (mine)
                    mg_buf_puts(b, " open");
                mg_buf_puts(b, "><summary>");
                mg_html_text(b, v->name);
                mg_buf_puts(b, ", ");
                mg_html_text(b, web_rounds_weekday_fr(day));
                if (s->svc.cycle_weeks > 1)
                    mg_buf_printf(b, ", semaine %d", w + 1);
                mg_buf_printf(b, " — %zu ", route ? route->n : 0);
                mg_buf_puts(b, route && route->n > 1 ? "arrêts</summary>\n" : "arrêt</summary>\n");
                web_rounds_error_summary(b, F, my);
                char action[128];
                snprintf(action, sizeof action, "%s/actuelles", s->path);
                web_rounds_form_open(b, ctx, action, NULL, false);
                mg_html_hidden(b, "vehicle_id", vid);
                mg_html_hidden(b, "week", ws);
                mg_html_hidden(b, "weekday", ds);
                for (int p = 0; p < CURRENT_POSITIONS; p++) {
                    char name[16], label[32], stored[1800] = "";
                    snprintf(name, sizeof name, "stop_%d", p + 1);
                    snprintf(label, sizeof label, "Arrêt %d", p + 1);
                    if (route && (size_t)p < route->n)
                        stop_label(stored, sizeof stored, route->visits[p].stop_name,
                                   route->visits[p].commune_name, route->visits[p].stop_id);
                    /* A text field with the stops' list as suggestions. */
                    mg_buf_puts(b, "<div class=\"field\"><label for=\"");
                    mg_html_attr(b, F);
                    mg_buf_puts(b, "-");
                    mg_html_attr(b, name);
                    mg_buf_puts(b, "\">");
                    mg_html_text(b, label);
                    mg_buf_puts(b, "</label> <input type=\"text\" list=\"arrets-liste\" id=\"");
                    mg_html_attr(b, F);
                    mg_buf_puts(b, "-");
                    mg_html_attr(b, name);
                    mg_buf_puts(b, "\" name=\"");
                    mg_html_attr(b, name);
                    const char *err = my && my->errs ? mg_round_errors_for(my->errs, name) : NULL;
                    if (err) {
                        mg_buf_puts(b, "\" aria-invalid=\"true\" aria-describedby=\"");
                        mg_html_attr(b, F);
                        mg_buf_puts(b, "-");
                        mg_html_attr(b, name);
                        mg_buf_puts(b, "-erreur");
                    }
                    mg_buf_puts(b, "\" maxlength=\"2000\" value=\"");
                    mg_html_attr(b, web_rounds_typed_or(my, name, stored));
                    mg_buf_puts(b, "\">");
                    if (err) {
                        mg_buf_puts(b, "<p class=\"field-error\" id=\"");
                        mg_html_attr(b, F);
                        mg_buf_puts(b, "-");
                        mg_html_attr(b, name);
                        mg_buf_puts(b, "-erreur\">");
                        mg_html_text(b, err);
                        mg_buf_puts(b, "</p>");
                    }
                    mg_buf_puts(b, "</div>\n");
                }
                web_rounds_form_close(b, "Enregistrer cette tournée");
                mg_buf_puts(b, "</details>\n");
            }
    }
    mg_round_plan_clear(&cur);
    mg_buf_puts(b, "</section>\n");
}

/* --- The service's problem ---------------------------------------------------------------- */

/* The profession whose diagnosis a service's problem is built on: its
 * own for a GP or nurse service, general practice otherwise. */
static const mg_app_profession *service_profession(const mg_app *a, const mg_round_service *s)
{
    const mg_app_profession *p = s->profession[0] ? mg_app_profession_get(a, s->profession) : NULL;
    if (!p)
        p = mg_app_profession_get(a, "mg");
    return p ? p : &a->prof[0];
}

/* The solver's problem of service s: its active vehicles and stops, the
 * imported target populations (all inhabitants without), road times when
 * the server holds a --graph, crow-fly times of the diagnosis otherwise.
 * English message in d. */
static int build_service(web_ctx *ctx, const mg_round_service *s, mg_rounds_built *out,
                         mg_diag *d)
{
    memset(out, 0, sizeof *out);
    const mg_app_profession *p = service_profession(ctx->app, s);
    mg_round_vehicle *veh = NULL;
    mg_round_stop *st = NULL;
    size_t nveh = 0, nst = 0;
    mg_rounds_population pop;
    memset(&pop, 0, sizeof pop);
    bool has = false;
    int rc = mg_round_vehicle_list(ctx->app->db, s->id, true, &veh, &nveh, d);
    if (!rc)
        rc = mg_round_stop_list(ctx->app->db, s->id, true, &st, &nst, d);
    if (!rc)
        rc = mg_round_population_load(ctx->app->db, p->g->t, &pop, &has, d);
    if (!rc)
        rc = mg_rounds_build(s, veh, nveh, st, nst, p->g, has ? &pop : NULL, ctx->app->graph,
                             out, d);
    mg_rounds_population_free(&pop);
    free(veh);
    free(st);
    return rc;
}

/* --- Computing a plan -------------------------------------------------------------------------- */

#define SECONDS_MAX 30

int web_rounds_compute(web_ctx *ctx, const mg_round_service *svc, int seconds, bool exact,
                       const char *label, int64_t *id, mg_round_errors *errs, mg_diag *d)
{
    *id = 0;
    if (seconds < 1 || seconds > SECONDS_MAX)
        mg_round_errors_add(errs, "seconds", "« Temps de calcul » : un nombre entier entre 1 et "
                                             "%d.", SECONDS_MAX);
    if (label && strlen(label) > MG_ROUND_NAME_MAX)
        mg_round_errors_add(errs, "label", "« Nom du plan » : au plus %d caractères.",
                            MG_ROUND_NAME_MAX);
    if (errs->n)
        return MG_EINVAL;
    mg_rounds_built b;
    memset(&b, 0, sizeof b);
    int rc = build_service(ctx, svc, &b, d);
    if (rc == MG_EINVAL)
        mg_round_errors_add(errs, "seconds", "Les tournées ne peuvent pas être calculées : %s",
                            d->msg);
    if (rc == MG_OK && exact && b.p.nstops > MG_ROUNDS_EXACT_MAX_STOPS) {
        mg_round_errors_add(errs, "exact",
                            "« Chercher l'optimum exact » : au plus %d arrêts autorisés ; ce "
                            "service en a %zu. Décochez la case pour l'heuristique.",
                            MG_ROUNDS_EXACT_MAX_STOPS, b.p.nstops);
        rc = MG_EINVAL;
    }
    if (rc) {
        mg_rounds_built_free(&b);
        return rc;
    }
    mg_rounds_solution sol;
    memset(&sol, 0, sizeof sol);
    double bound = NAN, spent = 0;
    const char *method = "heuristic";
    mg_rounds_exact_opts eo = {.time_limit = seconds, .memory_mb = 1024};
    if (exact) {
        mg_rounds_exact_result er;
        memset(&er, 0, sizeof er);
        mg_diag ed = {{0}};
        if (mg_rounds_exact(&b.p, &eo, &er, &ed) == MG_OK &&
            (er.status == MG_ROUNDS_OPTIMAL || er.status == MG_ROUNDS_TIME_LIMIT)) {
            sol = er.sol;
            memset(&er.sol, 0, sizeof er.sol);
            bound = er.bound;
            method = "exact";
            spent = sol.seconds;
        }
        mg_rounds_exact_result_free(&er); /* without CBC's answer: the heuristic below */
    }
    if (strcmp(method, "exact") != 0) {
        mg_rounds_heuristic_opts ho = {.time_limit = seconds, .seed = 1};
        rc = mg_rounds_heuristic(&b.p, &ho, &sol, d);
        spent = sol.seconds;
        double bd = NAN;
        mg_diag bdd = {{0}};
        if (rc == MG_OK && mg_rounds_bound(&b.p, &eo, &bd, &bdd) == MG_OK && isfinite(bd))
            bound = bd;
    }
    mg_round_plan plan;
    memset(&plan, 0, sizeof plan);
    if (rc == MG_OK)
        rc = mg_rounds_plan_of_solution(&b, svc, &sol, method, &plan, d);
    if (rc == MG_OK) {
        if (label && *label)
            snprintf(plan.label, sizeof plan.label, "%s", label);
        plan.bound = bound;
        plan.seconds = spent;
        rc = mg_round_plan_save(ctx->app->db, ctx->actor->account_id, &plan, id, d);
        if (rc == MG_EINVAL)
            mg_round_errors_add(errs, "seconds", "Le plan calculé a été refusé : %s", d->msg);
    }
    mg_round_plan_clear(&plan);
    mg_rounds_solution_free(&sol);
    mg_rounds_built_free(&b);
    return rc;
}

static int plan_compute(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_round_errors errs = {0};
    mg_diag d = {{0}};
    int seconds = web_rounds_minutes_field(ctx->req, "seconds", "Temps de calcul", 2, 1,
                                           SECONDS_MAX, &errs);
    int64_t id = 0;
    int rc = errs.n ? MG_EINVAL
                    : web_rounds_compute(ctx, &s.svc, seconds,
                                         web_rounds_form_flag(ctx->req, "exact"),
                                         mg_http_form(ctx->req, "label"), &id, &errs, &d);
    if (rc)
        return web_rounds_after_write(ctx, &s, rc, &d, "calcul", &errs, "seconds", "calcul");
    char to[160];
    snprintf(to, sizeof to, "%s/plans/%lld", s.path, (long long)id);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

/* --- Entering the current rounds -------------------------------------------------------------- */

/* The stop typed in a field: "… (ID)" as the list writes it, an id, or a
 * stop's exact name; -1 when none matches, 0 for an empty field. */
static long typed_stop(const mg_rounds_built *b, const mg_round_stop *st, size_t nst,
                       const char *s)
{
    if (!s)
        return 0;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    if (n == 0)
        return 0;
    int64_t id = 0;
    char buf[32];
    const char *open = NULL;
    if (s[n - 1] == ')')
        for (size_t k = n - 1; k > 0 && !open; k--)
            if (s[k - 1] == '(')
                open = s + k;
    if (open && (size_t)(s + n - 1 - open) < sizeof buf) {
        snprintf(buf, sizeof buf, "%.*s", (int)(s + n - 1 - open), open);
        if (mg_parse_id(buf, INT64_MAX, &id, NULL) != 0)
            id = 0;
    } else if (n < sizeof buf) {
        snprintf(buf, sizeof buf, "%.*s", (int)n, s);
        if (mg_parse_id(buf, INT64_MAX, &id, NULL) != 0)
            id = 0;
    }
    for (size_t k = 0; !id && k < nst; k++)
        if (strlen(st[k].name) == n && strncmp(st[k].name, s, n) == 0)
            id = st[k].id;
    for (size_t k = 0; id && k < b->p.nstops; k++)
        if (b->stop_id[k] == id)
            return (long)k + 1;
    return -1;
}

static int current_post(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_round_errors errs = {0};
    mg_diag d = {{0}};
    const mg_http_request *r = ctx->req;
    int64_t vid = 0, week = -1, weekday = -1;
    const char *vs = mg_http_form(r, "vehicle_id");
    if (!vs || mg_parse_id(vs, INT64_MAX, &vid, NULL) != 0 ||
        mg_parse_int(mg_http_form(r, "week"), 0, s.svc.cycle_weeks - 1, &week, NULL) != 0 ||
        mg_parse_int(mg_http_form(r, "weekday"), 0, 6, &weekday, NULL) != 0) {
        mg_http_error(ctx->req, ctx->res, 400, "Ce véhicule ou ce jour n'est pas du service.");
        return MG_OK;
    }
    char F[80];
    snprintf(F, sizeof F, "actuelle-%lld-%lld-%lld", (long long)vid, (long long)week,
             (long long)weekday);
    mg_rounds_built b;
    mg_round_plan cur;
    mg_rounds_solution sol;
    memset(&cur, 0, sizeof cur);
    memset(&sol, 0, sizeof sol);
    mg_round_stop *st = NULL;
    size_t nst = 0;
    int rc = build_service(ctx, &s.svc, &b, &d);
    if (rc == MG_EINVAL)
        mg_round_errors_add(&errs, "stop_1", "Les tournées ne peuvent pas être saisies : %s",
                            d.msg);
    if (!rc)
        rc = mg_round_stop_list(ctx->app->db, s.svc.id, true, &st, &nst, &d);
    /* The current plan so far (or none), as a solution of the problem. */
    if (!rc) {
        mg_round_plan *v = NULL;
        size_t n = 0;
        rc = mg_round_plan_list(ctx->app->db, s.svc.id, &v, &n, &d);
        int64_t cid = 0;
        for (size_t k = 0; rc == 0 && k < n && !cid; k++)
            if (v[k].kind == MG_ROUND_PLAN_CURRENT)
                cid = v[k].id;
        mg_round_plans_free(v, n);
        if (!rc && cid)
            rc = mg_round_plan_get(ctx->app->db, cid, &cur, &d);
        if (!rc) {
            cur.cycle_weeks = s.svc.cycle_weeks;
            rc = mg_rounds_solution_of_plan(&b, &cur, &sol, &d);
            if (rc == MG_EINVAL) { /* a stop or vehicle made inactive since: start afresh */
                mg_round_plan empty = {.service_id = s.svc.id, .cycle_weeks = s.svc.cycle_weeks};
                rc = mg_rounds_solution_of_plan(&b, &empty, &sol, &d);
            }
        }
    }
    mg_rounds_route *route = NULL;
    for (size_t k = 0; rc == 0 && k < sol.nroutes; k++) {
        const mg_rounds_route *x = &sol.routes[k];
        if (b.vehicle_id[x->vehicle] == vid && (int64_t)x->week == week &&
            (int64_t)x->weekday == weekday)
            route = &sol.routes[k];
    }
    if (rc == 0 && !route) {
        mg_round_errors_add(&errs, "stop_1", "Ce véhicule ne travaille pas ce jour-là.");
        rc = MG_EINVAL;
    }
    if (rc == 0) {
        uint32_t stops[8];
        int field[8];
        size_t n = 0;
        for (int k = 1; k <= 8; k++) {
            char name[16];
            snprintf(name, sizeof name, "stop_%d", k);
            long at = typed_stop(&b, st, nst, mg_http_form(r, name));
            if (at < 0)
                mg_round_errors_add(&errs, name, "« Arrêt %d » : choisissez un arrêt autorisé de "
                                                 "la liste.", k);
            else if (at > 0) {
                field[n] = k;
                stops[n++] = (uint32_t)(at - 1);
            }
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (stops[i] == stops[j]) {
                    char name[32];
                    snprintf(name, sizeof name, "stop_%d", field[i]);
                    mg_round_errors_add(&errs, name, "« Arrêt %d » : cet arrêt est déjà dans "
                                                     "la tournée.", field[i]);
                }
        if (errs.n) {
            rc = MG_EINVAL;
        } else {
            mg_rounds_visit *nv = calloc(n ? n : 1, sizeof *nv);
            if (!nv) {
                rc = MG_ENOMEM;
            } else {
                for (size_t k = 0; k < n; k++)
                    nv[k].stop = stops[k];
                free(route->visits);
                route->visits = nv;
                route->n = n;
                if (!mg_rounds_schedule(&b.p, route)) {
                    mg_round_errors_add(&errs, "stop_1",
                                        "Cette tournée ne tient pas dans la journée de "
                                        "l'équipage (horaires, pause ou conduite) : retirez un "
                                        "arrêt ou changez l'ordre.");
                    rc = MG_EINVAL;
                }
            }
        }
    }
    mg_round_plan plan;
    memset(&plan, 0, sizeof plan);
    int64_t id = 0;
    if (rc == 0) {
        sol.value = mg_rounds_value(&b.p, &sol);
        rc = mg_rounds_plan_of_solution(&b, &s.svc, &sol, "entered", &plan, &d);
    }
    if (rc == 0) {
        plan.kind = MG_ROUND_PLAN_CURRENT;
        snprintf(plan.label, sizeof plan.label, "Tournées actuelles");
        rc = mg_round_plan_save(ctx->app->db, ctx->actor->account_id, &plan, &id, &d);
        /* The former current rounds go, unless published. */
        if (rc == 0 && cur.id && !cur.published) {
            mg_diag dd = {{0}};
            if (mg_round_plan_delete(ctx->app->db, ctx->actor->account_id, cur.id, &dd) != 0)
                fprintf(stderr, "rounds: former current plan %lld kept: %s\n",
                        (long long)cur.id, dd.msg);
        }
    }
    mg_round_plan_clear(&plan);
    mg_round_plan_clear(&cur);
    mg_rounds_solution_free(&sol);
    mg_rounds_built_free(&b);
    free(st);
    return web_rounds_after_write(ctx, &s, rc, &d, "actuelles", &errs, "stop_1", "actuelles");
}

/* --- The effect of a plan ------------------------------------------------------------------- */

void web_rounds_apl_effect(mg_buf *b, web_ctx *ctx, const web_rounds_svc *s,
                           const mg_round_plan *p)
{
    mg_buf_puts(b, "<section aria-labelledby=\"effet\"><h2 id=\"effet\">Public couvert et effet "
                   "sur l'accès</h2>\n");
    mg_rounds_built bt;
    mg_rounds_solution sol;
    memset(&sol, 0, sizeof sol);
    mg_diag d = {{0}};
    if (build_service(ctx, &s->svc, &bt, &d) != 0) {
        mg_buf_puts(b, "<p>Le public couvert n'a pas pu être calculé.</p></section>\n");
        return;
    }
    mg_round_plan copy = *p;
    if (mg_rounds_solution_of_plan(&bt, &copy, &sol, &d) != 0) {
        mg_buf_puts(b, "<p>Ce plan sert des arrêts ou des véhicules qui ne sont plus en service : "
                       "son public couvert n'est plus calculé.</p></section>\n");
        mg_rounds_built_free(&bt);
        return;
    }
    double *per = calloc(bt.p.nstops ? bt.p.nstops : 1, sizeof *per);
    double total = 0, weighted = 0;
    if (per)
        mg_rounds_covered(&bt, &sol, per, &total, &weighted);
    char tot[32];
    web_num(tot, sizeof tot, total, 0);
    mg_buf_puts(b, "<p>");
    mg_html_text(b, tot);
    mg_buf_puts(b, " personnes du public visé (");
    mg_html_text(b, mg_rounds_public_label_fr(bt.pub));
    mg_buf_puts(b, bt.all_inhabitants ? ", faute du fichier de l'INSEE : tous les habitants"
                                      : "");
    mg_buf_puts(b, ") vivent à portée d'un arrêt servi.</p>\n");
    if (per) {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Public visé à portée de chaque "
                       "arrêt servi</caption><thead><tr><th scope=\"col\">Arrêt</th>"
                       "<th scope=\"col\">Personnes à portée</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < bt.p.nstops; k++) {
            if (per[k] <= 0)
                continue;
            const char *name = "";
            for (size_t r = 0; r < p->nroutes && !*name; r++)
                for (size_t v = 0; v < p->routes[r].n; v++)
                    if (p->routes[r].visits[v].stop_id == bt.stop_id[k])
                        name = p->routes[r].visits[v].stop_name;
            char num[32];
            web_num(num, sizeof num, per[k], 0);
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, name);
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, num);
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    free(per);

    if (s->svc.profession[0]) {
        /* The plan as a scenario of the service's profession. */
        const mg_app_profession *prof = service_profession(ctx->app, &s->svc);
        mg_scenario sc = {0};
        web_scenario w;
        memset(&w, 0, sizeof w);
        w.base = ctx->app->baseline;
        json_t *actions = NULL;
        int rc = mg_rounds_scenario(&bt, &s->svc, &sol, prof->g, &sc, &d);
        if (rc == 0)
            actions = mg_scenario_to_json(&sc, prof->g);
        if (rc == 0 && actions)
            rc = web_scenario_eval(prof, actions, &w, &d);
        if (rc || !actions) {
            mg_buf_puts(b, "<p>L'effet sur l'APL n'a pas pu être calculé.</p>\n");
        } else {
            const mg_territory *t = prof->g->t;
            double *diff = calloc(t->n ? t->n : 1, sizeof *diff);
            char before[32], after[32], bp[32], ap[32];
            web_num(before, sizeof before, w.base_summary->territory.mean, 2);
            web_num(after, sizeof after, w.summary.territory.mean, 2);
            web_num(bp, sizeof bp, w.base_summary->territory.below_population, 0);
            web_num(ap, sizeof ap, w.summary.territory.below_population, 0);
            mg_buf_puts(b, "<p>Ce service donne des soins de la profession « ");
            mg_html_text(b, prof->g->prof->label);
            mg_buf_puts(b, " » : chaque arrêt ajoute une offre à temps partiel, comme un "
                           "scénario. APL moyenne du territoire : ");
            mg_html_text(b, before);
            mg_buf_puts(b, " aujourd'hui, ");
            mg_html_text(b, after);
            mg_buf_puts(b, " avec ces tournées ; habitants sous le seuil de sous-dotation : ");
            mg_html_text(b, bp);
            mg_buf_puts(b, " aujourd'hui, ");
            mg_html_text(b, ap);
            mg_buf_puts(b, " avec ces tournées.</p>\n");
            if (diff) {
                size_t up = 0;
                long best = -1;
                for (size_t i = 0; i < t->n; i++) {
                    diff[i] = isfinite(w.shown[i]) && isfinite(w.before[i])
                                  ? w.shown[i] - w.before[i]
                                  : NAN;
                    if (diff[i] > 1e-9) {
                        up++;
                        if (best < 0 || diff[i] > diff[best])
                            best = (long)i;
                    }
                }
                mg_buf_printf(b, "<p>Communes dont l'APL augmente : %zu", up);
                if (best >= 0) {
                    char gain[32];
                    web_num(gain, sizeof gain, diff[best], 3);
                    mg_buf_puts(b, " ; la plus forte hausse : +");
                    mg_html_text(b, gain);
                    mg_buf_puts(b, " à ");
                    mg_html_text(b, t->name[best]);
                }
                mg_buf_puts(b, ".</p>\n");
                mg_buf_puts(b, "<figure class=\"map\">");
                if (web_map(b, ctx->app, prof, diff, true, "Effet des tournées sur l'APL", NAN,
                            -1) != MG_OK)
                    mg_buf_puts(b, "<p>La carte n'a pas pu être dessinée.</p>");
                mg_buf_puts(b, "</figure>\n");
                free(diff);
            }
        }
        json_decref(actions);
        mg_scenario_free(&sc);
        web_scenario_free(&w);
    } else {
        mg_buf_puts(b, "<p>Ce service ne donne pas de soins d'une profession de l'APL : son "
                       "effet est le public visé couvert, arrêt par arrêt, pas une APL.</p>\n");
    }
    mg_rounds_solution_free(&sol);
    mg_rounds_built_free(&bt);
    mg_buf_puts(b, "</section>\n");
}

/* --- The plan's page ----------------------------------------------------------------------- */

static bool plan_load(web_ctx *ctx, const web_rounds_svc *s, mg_round_plan *p)
{
    memset(p, 0, sizeof *p);
    int64_t pid = 0;
    mg_diag d = {{0}};
    int rc = mg_parse_id(mg_http_path_param(ctx->req, "pid"), INT64_MAX, &pid, NULL) != 0
                 ? MG_ENOTFOUND
                 : mg_round_plan_get(ctx->app->db, pid, p, &d);
    if (rc == 0 && p->service_id != s->svc.id) {
        mg_round_plan_clear(p);
        rc = MG_ENOTFOUND;
    }
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, PLAN_NOT_FOUND, WEB_ROUNDS_READ_FAILED);
        return false;
    }
    return true;
}

static void hhmm(mg_buf *b, int minutes)
{
    mg_buf_printf(b, "%d h %02d", minutes / 60, minutes % 60);
}

/* The table of one route: each stop with its arrival, time there and the
 * driving before it, then the return. */
static void route_table(mg_buf *b, const mg_round_plan_route *r, int break_min)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table class=\"rounds-route\"><caption>");
    mg_html_text(b, r->vehicle_name);
    mg_buf_puts(b, ", ");
    mg_html_text(b, web_rounds_weekday_fr(r->weekday));
    mg_buf_printf(b, " (semaine %d du cycle)</caption><thead><tr><th scope=\"col\">Arrêt</th>"
                     "<th scope=\"col\">Commune</th><th scope=\"col\">Arrivée</th>"
                     "<th scope=\"col\">Temps sur place</th><th scope=\"col\">Trajet depuis "
                     "l'étape précédente</th></tr></thead><tbody>\n",
                  r->week + 1);
    mg_buf_puts(b, "<tr><th scope=\"row\">Départ de la base</th><td></td><td>");
    hhmm(b, r->leave);
    mg_buf_puts(b, "</td><td></td><td></td></tr>\n");
    int prev = r->leave;
    for (size_t k = 0; k < r->n; k++) {
        const mg_round_plan_visit *v = &r->visits[k];
        /* After the break, the vehicle leaves when the break ends. */
        int drive = v->arrive - prev;
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, v->stop_name);
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, v->commune_name);
        mg_buf_puts(b, "</td><td>");
        hhmm(b, v->arrive);
        mg_buf_printf(b, "</td><td>%d min</td><td>%d min</td></tr>\n", v->depart - v->arrive,
                      drive < 0 ? 0 : drive);
        prev = v->depart;
        if (r->break_after >= 0 && (size_t)r->break_after == k) {
            prev = r->break_start + break_min;
            mg_buf_puts(b, "<tr><th scope=\"row\">Pause</th><td></td><td>");
            hhmm(b, r->break_start);
            mg_buf_puts(b, "</td><td></td><td></td></tr>\n");
        }
    }
    mg_buf_puts(b, "<tr><th scope=\"row\">Retour à la base</th><td></td><td>");
    hhmm(b, r->back);
    mg_buf_printf(b, "</td><td></td><td>%d min de conduite dans la journée</td></tr>\n",
                  r->drive);
    mg_buf_puts(b, "</tbody></table></div>\n");
}

static void figures(mg_buf *b, const mg_round_plan *p, const mg_round_plan *cur)
{
    char cov[32], tgt[32], pct[32];
    web_num(cov, sizeof cov, p->covered, 0);
    web_num(tgt, sizeof tgt, p->target, 0);
    web_num(pct, sizeof pct, p->target > 0 ? 100 * p->covered / p->target : NAN, 1);
    mg_buf_puts(b, "<dl class=\"figures\"><dt>Personnes du public visé à portée d'un arrêt "
                   "servi</dt><dd>");
    mg_html_text(b, cov);
    mg_buf_puts(b, " sur ");
    mg_html_text(b, tgt);
    mg_buf_puts(b, " (");
    mg_html_text(b, pct);
    mg_buf_puts(b, " %)</dd>");
    if (p->all_inhabitants)
        mg_buf_puts(b, "<dt>Public</dt><dd>Faute du fichier de l'INSEE, le service vise tous les "
                       "habitants.</dd>");
    char val[32];
    web_num(val, sizeof val, p->value, 0);
    mg_buf_puts(b, "<dt>Valeur de l'objectif (personnes pondérées par la fréquence de "
                   "passage)</dt><dd>");
    mg_html_text(b, val);
    mg_buf_puts(b, "</dd>");
    if (isfinite(p->bound) && p->bound > 0) {
        char bd[32], gap[32];
        web_num(bd, sizeof bd, p->bound, 0);
        double g = p->bound > p->value ? 100 * (p->bound - p->value) / p->bound : 0;
        web_num(gap, sizeof gap, g, 1);
        mg_buf_puts(b, "<dt>Écart à la borne</dt><dd>au plus ");
        mg_html_text(b, gap);
        mg_buf_puts(b, " % (borne supérieure ");
        mg_html_text(b, bd);
        mg_buf_puts(b, ")</dd>");
    } else if (p->kind == MG_ROUND_PLAN_COMPUTED) {
        mg_buf_puts(b, "<dt>Écart à la borne</dt><dd>non connu</dd>");
    }
    if (p->kind == MG_ROUND_PLAN_COMPUTED) {
        char sec[32];
        web_num(sec, sizeof sec, p->seconds, 1);
        mg_buf_puts(b, "<dt>Méthode</dt><dd>");
        mg_html_text(b, strcmp(p->method, "exact") == 0 ? "optimum exact (CBC)"
                                                         : "heuristique (insertion et recherche "
                                                           "locale)");
        mg_buf_puts(b, ", ");
        mg_html_text(b, sec);
        mg_buf_puts(b, " s</dd>");
    }
    mg_buf_puts(b, "</dl>\n");
    if (cur && cur->id && cur->id != p->id) {
        char ccov[32], diff[32];
        web_num(ccov, sizeof ccov, cur->covered, 0);
        web_num(diff, sizeof diff, p->covered - cur->covered, 0);
        mg_buf_puts(b, "<p>Comparaison avec les tournées actuelles : elles couvrent ");
        mg_html_text(b, ccov);
        mg_buf_puts(b, " personnes ; ce plan en couvre ");
        mg_html_text(b, p->covered >= cur->covered ? "" : "");
        mg_html_text(b, diff);
        mg_buf_puts(b, p->covered >= cur->covered ? " de plus.</p>\n" : " (en moins).</p>\n");
        size_t a = 0, c = 0;
        for (size_t k = 0; k < p->nroutes; k++)
            a += p->routes[k].n;
        for (size_t k = 0; k < cur->nroutes; k++)
            c += cur->routes[k].n;
        mg_buf_printf(b, "<p>Arrêts par cycle : %zu dans ce plan, %zu dans les tournées "
                         "actuelles.</p>\n",
                      a, c);
    } else if (p->kind == MG_ROUND_PLAN_COMPUTED) {
        mg_buf_puts(b, "<p>Aucune tournée actuelle saisie pour comparer.</p>\n");
    }
}

static void plan_map(mg_buf *b, web_ctx *ctx, const mg_round_plan *p)
{
    /* Points: each distinct stop, then each vehicle's base. */
    size_t cap = 1;
    for (size_t k = 0; k < p->nroutes; k++)
        cap += p->routes[k].n + 1;
    web_rounds_point *pts = calloc(cap, sizeof *pts);
    int64_t *ids = calloc(cap, sizeof *ids);
    web_rounds_line *lines = calloc(p->nroutes ? p->nroutes : 1, sizeof *lines);
    uint32_t *idx = calloc(cap + 2 * p->nroutes, sizeof *idx);
    char(*labels)[96] = calloc(p->nroutes ? p->nroutes : 1, sizeof *labels);
    mg_round_vehicle *veh = NULL;
    size_t nveh = 0;
    mg_diag d = {{0}};
    if (!pts || !ids || !lines || !idx || !labels ||
        mg_round_vehicle_list(ctx->app->db, p->service_id, false, &veh, &nveh, &d) != 0) {
        mg_buf_puts(b, "<p>La carte n'a pas pu être dessinée.</p>\n");
        goto out;
    }
    const mg_territory *t = ctx->app->prof[0].g->t;
    size_t npts = 0, used = 0;
    for (size_t k = 0; k < p->nroutes; k++) {
        const mg_round_plan_route *r = &p->routes[k];
        lines[k].points = idx + used;
        long base = -1;
        for (size_t j = 0; j < nveh; j++)
            if (veh[j].id == r->vehicle_id) {
                /* The base as a point of its own, once per vehicle. */
                for (size_t q = 0; q < npts; q++)
                    if (pts[q].base && ids[q] == -veh[j].id)
                        base = (long)q;
                if (base < 0 && npts < cap) {
                    long c = mg_territory_find_current(t, veh[j].base_commune);
                    pts[npts] = (web_rounds_point){.lon = veh[j].base_lon, .lat = veh[j].base_lat,
                                                   .commune = c, .label = veh[j].base_name,
                                                   .base = true};
                    ids[npts] = -veh[j].id;
                    base = (long)npts++;
                }
            }
        if (base >= 0)
            idx[used++] = (uint32_t)base;
        for (size_t j = 0; j < r->n; j++) {
            const mg_round_plan_visit *v = &r->visits[j];
            long at = -1;
            for (size_t q = 0; q < npts; q++)
                if (!pts[q].base && ids[q] == v->stop_id)
                    at = (long)q;
            if (at < 0 && npts < cap) {
                long c = mg_territory_find_current(t, v->commune_code);
                pts[npts] = (web_rounds_point){.lon = v->lon, .lat = v->lat, .commune = c,
                                               .label = v->stop_name};
                ids[npts] = v->stop_id;
                at = (long)npts++;
            }
            if (at >= 0)
                idx[used++] = (uint32_t)at;
        }
        if (base >= 0)
            idx[used++] = (uint32_t)base;
        lines[k].n = (size_t)(idx + used - lines[k].points);
        snprintf(labels[k], sizeof labels[k], "%.60s, %s, semaine %d", r->vehicle_name,
                 web_rounds_weekday_fr(r->weekday), r->week + 1);
        lines[k].label = labels[k];
    }
    web_rounds_map(b, ctx, pts, npts, lines, p->nroutes, p->label[0] ? p->label : "Plan");
out:
    free(pts);
    free(ids);
    free(lines);
    free(idx);
    free(labels);
    free(veh);
}

static int plan_page(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_VIEW, &s))
        return MG_OK;
    mg_round_plan p, cur;
    if (!plan_load(ctx, &s, &p))
        return MG_OK;
    mg_diag d = {{0}};
    if (latest_current(ctx, s.svc.id, &cur, &d) != 0)
        memset(&cur, 0, sizeof cur);
    mg_buf *b = &ctx->res->body;
    char title[sizeof p.label + sizeof s.svc.name + 8];
    snprintf(title, sizeof title, "%s — %s", p.label[0] ? p.label : "Plan", s.svc.name);
    web_page_begin(b, ctx, title, "tournees");
    web_rounds_crumbs(b, &s, p.label[0] ? p.label : "Plan");
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, p.label[0] ? p.label : "Plan");
    mg_buf_puts(b, "</h1>\n");
    if (p.published)
        mg_buf_puts(b, "<p><strong>Ce plan est publié.</strong></p>\n");
    figures(b, &p, &cur);

    mg_buf_puts(b, "<section aria-labelledby=\"carte\"><h2 id=\"carte\">Carte des arrêts et des "
                   "tournées</h2>\n");
    plan_map(b, ctx, &p);
    mg_buf_puts(b, "</section>\n");

    mg_buf_puts(b, "<section aria-labelledby=\"tournees\"><h2 id=\"tournees\">Tournées par "
                   "véhicule et par jour</h2>\n");
    if (p.nroutes == 0)
        mg_buf_puts(b, "<p>Aucun arrêt n'est servi par ce plan.</p>\n");
    mg_round_vehicle *veh = NULL;
    size_t nveh = 0;
    if (mg_round_vehicle_list(ctx->app->db, s.svc.id, false, &veh, &nveh, &d) != 0)
        nveh = 0;
    for (size_t k = 0; k < p.nroutes; k++) {
        int brk = 0;
        for (size_t j = 0; j < nveh; j++)
            if (veh[j].id == p.routes[k].vehicle_id)
                brk = veh[j].break_min;
        route_table(b, &p.routes[k], brk);
    }
    free(veh);
    mg_buf_puts(b, "</section>\n");
    web_rounds_apl_effect(b, ctx, &s, &p);

    mg_auth_object del = web_rounds_object(s.svc.organisation_id);
    if (!p.published && web_can(ctx, MG_AUTH_DELETE, &del)) {
        char action[160];
        snprintf(action, sizeof action, "%s/plans/%lld/supprimer", s.path, (long long)p.id);
        mg_buf_puts(b, "<section aria-labelledby=\"supprimer\"><h2 id=\"supprimer\">Supprimer "
                       "ce plan</h2>\n");
        web_rounds_form_open(b, ctx, action, NULL, false);
        web_rounds_form_close(b, "Supprimer ce plan");
        mg_buf_puts(b, "</section>\n");
    }
    if (web_rounds_may_edit(ctx, &s)) {
        mg_buf_puts(b, "<section aria-labelledby=\"publier\"><h2 id=\"publier\">Publier ce "
                       "plan</h2>\n");
        char action[128];
        snprintf(action, sizeof action, "%s/publication", s.path);
        web_rounds_form_open(b, ctx, action, "form-publier", false);
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)p.id);
        mg_html_hidden(b, "plan_id", id);
        web_rounds_input(b, "publier", "date", "anchor_monday", "Premier lundi (semaine 1 du "
                         "cycle)", "", "Un lundi, au format AAAA-MM-JJ.", NULL, true);
        web_rounds_form_close(b, "Publier ce plan");
        mg_buf_puts(b, "</section>\n");
    }
    web_page_end(b);
    mg_round_plan_clear(&p);
    mg_round_plan_clear(&cur);
    return web_done(ctx);
}

/* POST /tournees/services/{id}/plans/{pid}/supprimer: a plan that is not
 * published. */
static int plan_delete(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_DELETE, &s))
        return MG_OK;
    mg_round_plan p;
    if (!plan_load(ctx, &s, &p))
        return MG_OK;
    bool published = p.published;
    int64_t id = p.id;
    mg_round_plan_clear(&p);
    if (published) {
        mg_http_error(ctx->req, ctx->res, 409,
                      "Ce plan est publié : retirez la publication avant de le supprimer.");
        return MG_OK;
    }
    mg_diag d = {{0}};
    int rc = mg_round_plan_delete(ctx->app->db, ctx->actor->account_id, id, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, PLAN_NOT_FOUND, WEB_ROUNDS_SAVE_FAILED);
        return MG_OK;
    }
    char to[160];
    snprintf(to, sizeof to, "%s#plans", s.path);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

const web_route web_routes_rounds_plans[] = {
    {"POST", "/tournees/services/{id}/plans", plan_compute, WEB_ACCOUNT, 0},
    {"GET", "/tournees/services/{id}/plans/{pid}", plan_page, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/plans/{pid}/supprimer", plan_delete, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/actuelles", current_post, WEB_ACCOUNT, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
