/*
 * Mobile services' rounds for the service's organisation (issue 18;
 * docs/rounds-web.md):
 *   GET  /tournees/services                          the services the account sees, the creation form
 *   POST /tournees/services                          create a service
 *   GET  /tournees/services/{id}                     settings, vehicles, allowed stops, plans,
 *                                                    current rounds, publication, cancellations
 *   POST /tournees/services/{id}                     change the settings
 *   POST /tournees/services/{id}/supprimer           delete the service
 *   POST /tournees/services/{id}/vehicules           add a vehicle
 *   POST /tournees/services/{id}/vehicules/{vid}     change a vehicle
 *   POST /tournees/services/{id}/arrets              add one stop by hand
 *   POST /tournees/services/{id}/arrets/chefs-lieux  every chef-lieu of the service's territory
 *   POST /tournees/services/{id}/arrets/fichier      a stops file (rounds/stops_file.h)
 *   POST /tournees/services/{id}/arrets/annuaire     directory structures of chosen categories
 *   POST /tournees/services/{id}/plans               compute a plan (rounds_plan.c)
 *   GET  /tournees/services/{id}/plans/{pid}         the plan (rounds_plan.c)
 *   POST /tournees/services/{id}/actuelles           one vehicle-day of the current rounds (rounds_plan.c)
 *   POST /tournees/services/{id}/publication         publish a plan from an anchor Monday
 *   POST /tournees/services/{id}/publication/retrait withdraw the publication
 *   POST /tournees/services/{id}/annulations         cancel a day or a stop on a date
 *   POST /tournees/services/{id}/annulations/{cid}/supprimer  remove a cancellation
 *
 * Rights (auth/authz.c, MG_AUTH_OBJ_ROUND_SERVICE with organisation_id
 * the service's): its members see; managers and contributors create and
 * edit; anyone else gets the 404 of a service that does not exist, decided
 * before anything else is read. Pages call src/rounds/store.h and never
 * run SQL. A refused form comes back, status 400, with what was typed, a
 * summary linking to each refused field and the sentence beside it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "diagnosis/scope.h"
#include "directory/directory.h"
#include "parse/parse.h"
#include "rounds/population.h"
#include "rounds/stops_file.h"
#include "rounds/store.h"
#include "rounds/timetable.h"
#include "web/rounds_web.h"
#include "web/web.h"

const char WEB_ROUNDS_NOT_FOUND[] = "Ce service itinérant n'existe pas.";
const char WEB_ROUNDS_READ_FAILED[] = "Le service itinérant n'a pas pu être lu.";
const char WEB_ROUNDS_SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";

/* Stops listed on the service's page (the others counted). */
#define STOPS_SHOWN 300

/* The directory's categories a vehicle may stand at. */
static const mg_dir_category stop_categories[] = {MG_DIR_TOWN_HALL, MG_DIR_SOCIAL,
                                                  MG_DIR_MEDICO_SOCIAL, MG_DIR_HEALTH_CENTRE};
#define NSTOPCAT (sizeof stop_categories / sizeof *stop_categories)

static const char *const weekday_fr[7] = {"lundi", "mardi",    "mercredi", "jeudi",
                                          "vendredi", "samedi", "dimanche"};

const char *web_rounds_weekday_fr(int d)
{
    return d >= 0 && d < 7 ? weekday_fr[d] : "?";
}

/* --- The service --------------------------------------------------------------------------- */

mg_auth_object web_rounds_object(int64_t org)
{
    return (mg_auth_object){.type = MG_AUTH_OBJ_ROUND_SERVICE, .organisation_id = org};
}

bool web_rounds_load(web_ctx *ctx, mg_auth_verb verb, web_rounds_svc *s)
{
    memset(s, 0, sizeof *s);
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL) != 0) {
        mg_http_error(ctx->req, ctx->res, 404, WEB_ROUNDS_NOT_FOUND);
        return false;
    }
    mg_diag d = {{0}};
    int rc = mg_round_service_get(ctx->app->db, id, &s->svc, &d);
    if (rc) { /* an unknown id: the same 404 as another organisation's service */
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND,
                          WEB_ROUNDS_READ_FAILED);
        return false;
    }
    mg_auth_object o = web_rounds_object(s->svc.organisation_id);
    if (!web_allow_as(ctx, verb, &o, WEB_ROUNDS_NOT_FOUND))
        return false;
    snprintf(s->path, sizeof s->path, "/tournees/services/%lld", (long long)id);
    return true;
}

bool web_rounds_may_edit(const web_ctx *ctx, const web_rounds_svc *s)
{
    mg_auth_object o = web_rounds_object(s->svc.organisation_id);
    return web_can(ctx, MG_AUTH_EDIT, &o);
}

void web_rounds_crumbs(mg_buf *b, const web_rounds_svc *s, const char *here)
{
    mg_buf_puts(b, "<nav aria-label=\"Fil d'Ariane\" class=\"crumbs\"><a href=\"/tournees/"
                   "services\">Tournées</a>");
    if (s) {
        mg_buf_puts(b, " › <a href=\"");
        mg_html_attr(b, s->path);
        mg_buf_puts(b, "\">");
        mg_html_text(b, s->svc.name);
        mg_buf_puts(b, "</a>");
    }
    if (here) {
        mg_buf_puts(b, " › ");
        mg_html_text(b, here);
    }
    mg_buf_puts(b, "</nav>\n");
}

/* --- Form pieces ---------------------------------------------------------------------------- */

const char *web_rounds_typed_or(const web_rounds_fs *fs, const char *name, const char *stored)
{
    if (fs && fs->typed) {
        const char *v = mg_http_form(fs->typed, name);
        return v ? v : "";
    }
    return stored ? stored : "";
}

static bool checked_or(const web_rounds_fs *fs, const char *name, bool stored)
{
    if (fs && fs->typed) {
        const char *v = mg_http_form(fs->typed, name);
        return v && *v;
    }
    return stored;
}

static const char *error_of(const web_rounds_fs *fs, const char *field)
{
    return fs && fs->errs ? mg_round_errors_for(fs->errs, field) : NULL;
}

static void put_id(mg_buf *b, const char *form, const char *name)
{
    mg_html_attr(b, form);
    mg_buf_puts(b, "-");
    mg_html_attr(b, name);
}

void web_rounds_error_summary(mg_buf *b, const char *form, const web_rounds_fs *fs)
{
    if (!fs || !fs->errs || fs->errs->n == 0)
        return;
    mg_buf_puts(b, "<div class=\"error-summary\" role=\"alert\"><p>Le formulaire contient des "
                   "erreurs : corrigez les champs signalés.</p><ul>");
    for (size_t k = 0; k < fs->errs->n && k < MG_ROUND_ERRORS_MAX; k++) {
        mg_buf_puts(b, "<li><a href=\"#");
        put_id(b, form, fs->errs->e[k].field);
        mg_buf_puts(b, "\">");
        mg_html_text(b, fs->errs->e[k].msg);
        mg_buf_puts(b, "</a></li>");
    }
    mg_buf_puts(b, "</ul></div>\n");
}

static void field_note(mg_buf *b, const char *form, const char *name, const char *hint,
                       const char *error)
{
    if (error) {
        mg_buf_puts(b, "<p class=\"field-error\" id=\"");
        put_id(b, form, name);
        mg_buf_puts(b, "-erreur\">");
        mg_html_text(b, error);
        mg_buf_puts(b, "</p>");
    } else if (hint) {
        mg_buf_puts(b, "<p class=\"hint\" id=\"");
        put_id(b, form, name);
        mg_buf_puts(b, "-aide\">");
        mg_html_text(b, hint);
        mg_buf_puts(b, "</p>");
    }
}

static void described_by(mg_buf *b, const char *form, const char *name, const char *hint,
                         const char *error)
{
    if (!error && !hint)
        return;
    mg_buf_puts(b, " aria-describedby=\"");
    put_id(b, form, name);
    mg_buf_puts(b, error ? "-erreur\" aria-invalid=\"true\"" : "-aide\"");
}

static void label_open(mg_buf *b, const char *form, const char *name, const char *label,
                       bool required)
{
    mg_buf_puts(b, "<div class=\"field\"><label for=\"");
    put_id(b, form, name);
    mg_buf_puts(b, "\">");
    mg_html_text(b, label);
    mg_buf_puts(b, required ? " <span class=\"req\">(obligatoire)</span></label> " : "</label> ");
}

void web_rounds_input(mg_buf *b, const char *form, const char *type, const char *name,
                      const char *label, const char *value, const char *hint,
                      const web_rounds_fs *fs, bool required)
{
    const char *error = error_of(fs, name);
    label_open(b, form, name, label, required);
    mg_buf_puts(b, "<input type=\"");
    mg_html_attr(b, type);
    mg_buf_puts(b, "\" id=\"");
    put_id(b, form, name);
    mg_buf_puts(b, "\" name=\"");
    mg_html_attr(b, name);
    mg_buf_puts(b, "\" autocomplete=\"off\"");
    if (strcmp(type, "text") == 0)
        mg_buf_puts(b, " maxlength=\"2000\"");
    if (required)
        mg_buf_puts(b, " required");
    described_by(b, form, name, hint, error);
    mg_buf_puts(b, " value=\"");
    mg_html_attr(b, value ? value : "");
    mg_buf_puts(b, "\">");
    field_note(b, form, name, hint, error);
    mg_buf_puts(b, "</div>\n");
}

void web_rounds_select_open(mg_buf *b, const char *form, const char *name, const char *label,
                            const char *hint, const web_rounds_fs *fs)
{
    label_open(b, form, name, label, false);
    mg_buf_puts(b, "<select id=\"");
    put_id(b, form, name);
    mg_buf_puts(b, "\" name=\"");
    mg_html_attr(b, name);
    mg_buf_puts(b, "\"");
    described_by(b, form, name, hint, error_of(fs, name));
    mg_buf_puts(b, ">");
}

void web_rounds_select_close(mg_buf *b, const char *form, const char *name, const char *hint,
                             const web_rounds_fs *fs)
{
    mg_buf_puts(b, "</select>");
    field_note(b, form, name, hint, error_of(fs, name));
    mg_buf_puts(b, "</div>\n");
}

void web_rounds_check(mg_buf *b, const char *form, const char *name, const char *label,
                      bool checked)
{
    mg_buf_puts(b, "<div class=\"field check\"><input type=\"checkbox\" value=\"1\" id=\"");
    put_id(b, form, name);
    mg_buf_puts(b, "\" name=\"");
    mg_html_attr(b, name);
    mg_buf_puts(b, checked ? "\" checked> <label for=\"" : "\"> <label for=\"");
    put_id(b, form, name);
    mg_buf_puts(b, "\">");
    mg_html_text(b, label);
    mg_buf_puts(b, "</label></div>\n");
}

void web_rounds_form_open(mg_buf *b, web_ctx *ctx, const char *action, const char *id,
                          bool multipart)
{
    mg_buf_puts(b, "<form class=\"stack\" method=\"post\" action=\"");
    mg_html_attr(b, action);
    mg_buf_puts(b, "\"");
    if (id) {
        mg_buf_puts(b, " id=\"");
        mg_html_attr(b, id);
        mg_buf_puts(b, "\"");
    }
    if (multipart)
        mg_buf_puts(b, " enctype=\"multipart/form-data\"");
    mg_buf_puts(b, ">\n");
    web_csrf_field(b, ctx);
}

void web_rounds_form_close(mg_buf *b, const char *submit)
{
    mg_buf_puts(b, "<button type=\"submit\">");
    mg_html_text(b, submit);
    mg_buf_puts(b, "</button></form>\n");
}

bool web_rounds_form_flag(const mg_http_request *r, const char *name)
{
    const char *v = mg_http_form(r, name);
    return v && *v;
}

int web_rounds_minutes_field(const mg_http_request *r, const char *field, const char *label,
                             int def, int min, int max, mg_round_errors *errs)
{
    const char *s = mg_http_form(r, field);
    if (!s || !*s)
        return def;
    int64_t v = 0;
    if (mg_parse_int(s, min, max, &v, NULL) != 0) {
        mg_round_errors_add(errs, field, "« %s » : un nombre entier entre %d et %d.", label, min,
                            max);
        return def;
    }
    return (int)v;
}

int web_rounds_time_field(const mg_http_request *r, const char *field, const char *label,
                          int def, mg_round_errors *errs)
{
    const char *s = mg_http_form(r, field);
    if (!s || !*s)
        return def;
    int m = 0;
    if (mg_round_parse_hhmm(s, &m) != 0) {
        mg_round_errors_add(errs, field, "« %s » : une heure comme 8:30 ou 17h00.", label);
        return def;
    }
    return m;
}

/* --- The list of services ------------------------------------------------------------------ */

/* The organisations of the actor where it may create a service. */
static size_t creation_orgs(const web_ctx *ctx, int64_t *ids, const char **names, size_t cap)
{
    size_t n = 0;
    for (size_t k = 0; k < ctx->actor->nm && n < cap; k++) {
        mg_auth_object o = web_rounds_object(ctx->actor->m[k].organisation_id);
        if (!web_can(ctx, MG_AUTH_CREATE, &o))
            continue;
        ids[n] = ctx->actor->m[k].organisation_id;
        names[n] = ctx->actor->m[k].org_name;
        n++;
    }
    return n;
}

static void publics_options(mg_buf *b, const char *chosen)
{
    for (int k = 0; k < MG_PUBLIC_COUNT; k++) {
        const char *key = mg_rounds_public_key((mg_rounds_public)k);
        mg_html_option(b, key, mg_rounds_public_label_fr((mg_rounds_public)k),
                       chosen && strcmp(chosen, key) == 0);
    }
}

/* The settings' fields, shared by the creation form and the settings form. */
static void settings_fields(mg_buf *b, web_ctx *ctx, const char *F, const mg_round_service *svc,
                            const web_rounds_fs *fs, bool has_population)
{
    mg_round_service_input def = mg_round_service_defaults();
    char num[32];
    web_rounds_input(b, F, "text", "name", "Nom du service",
                     web_rounds_typed_or(fs, "name", svc ? svc->name : ""),
                     "Par exemple « PMI itinérante du Pays de Sault ».", fs, true);

    /* The territory: the whole study territory, an EPCI, or communes. */
    const char *terr = web_rounds_typed_or(fs, "territory", svc ? svc->territory : "");
    const mg_app_profession *p = mg_app_profession_get(ctx->app, "mg");
    if (!p)
        p = &ctx->app->prof[0];
    const char *hint = "Le territoire d'étude entier, une intercommunalité, ou « communes: » "
                       "suivi de codes INSEE séparés par des virgules.";
    web_rounds_select_open(b, F, "territory_choice", "Territoire servi", NULL, fs);
    bool is_communes = strncmp(terr, "communes:", 9) == 0;
    mg_html_option(b, "", "Tout le territoire d'étude", !*terr);
    mg_html_option(b, "communes", "Des communes choisies (ci-dessous)", is_communes);
    web_epci_options(b, p->g, terr);
    web_rounds_select_close(b, F, "territory_choice", NULL, fs);
    web_rounds_input(b, F, "text", "territory", "Communes (si « Des communes choisies »)",
                     is_communes ? terr : "", hint, fs, false);

    const char *pub = web_rounds_typed_or(fs, "target_public",
                                          svc ? svc->target_public : def.target_public);
    const char *phint = has_population
                            ? "Les effectifs par âge viennent du fichier de l'INSEE importé."
                            : "Faute du fichier de l'INSEE, le service vise tous les habitants.";
    web_rounds_select_open(b, F, "target_public", "Public visé", phint, fs);
    publics_options(b, pub && *pub ? pub : "all");
    web_rounds_select_close(b, F, "target_public", phint, fs);

    const char *prof = web_rounds_typed_or(fs, "profession", svc ? svc->profession : "");
    const char *prhint = "Pour une consultation itinérante de médecin ou d'infirmier, les arrêts "
                         "ajoutent une offre à temps partiel : l'effet sur l'APL se lit comme un "
                         "scénario.";
    web_rounds_select_open(b, F, "profession", "Soins d'une profession de l'APL", prhint, fs);
    mg_html_option(b, "", "Aucune (PMI, information jeunesse…)", !prof || !*prof);
    for (size_t k = 0; k < MG_APP_PROFESSIONS; k++) {
        const mg_app_profession *q = &ctx->app->prof[k];
        if (!q->g || !q->g->prof)
            continue;
        const char *key = q->g->prof->key;
        if (strcmp(key, "mg") != 0 && strcmp(key, "inf") != 0)
            continue;
        mg_html_option(b, key, q->g->prof->label, prof && strcmp(prof, key) == 0);
    }
    web_rounds_select_close(b, F, "profession", prhint, fs);

    snprintf(num, sizeof num, "%d", svc ? svc->reach_min : def.reach_min);
    web_rounds_input(b, F, "number", "reach_min", "Temps d'accès à un arrêt (minutes)",
                     web_rounds_typed_or(fs, "reach_min", num),
                     "Les personnes à moins de ce temps d'un arrêt sont couvertes (1 à 120).", fs,
                     true);
    snprintf(num, sizeof num, "%d", svc ? svc->cycle_weeks : def.cycle_weeks);
    web_rounds_input(b, F, "number", "cycle_weeks", "Les tournées se répètent toutes les N semaines",
                     web_rounds_typed_or(fs, "cycle_weeks", num), "De 1 à 4.", fs, true);
    snprintf(num, sizeof num, "%d", svc ? svc->stop_min : def.stop_min);
    web_rounds_input(b, F, "number", "stop_min", "Durée d'un arrêt (minutes)",
                     web_rounds_typed_or(fs, "stop_min", num), "De 5 à 600.", fs, true);
    web_num(num, sizeof num, svc ? svc->underserved_extra : def.underserved_extra, 2);
    web_rounds_input(b, F, "text", "underserved_extra", "Poids en plus des communes sous-dotées",
                     web_rounds_typed_or(fs, "underserved_extra", num),
                     "0 : aucun ; 0,5 : une personne d'une commune sous-dotée compte 1,5 fois.",
                     fs, false);
    char zone[2] = {svc ? svc->school_zone : 'C', 0};
    const char *z = web_rounds_typed_or(fs, "school_zone", zone);
    web_rounds_select_open(b, F, "school_zone", "Zone des vacances scolaires",
                           "L'Aude est en zone C.", fs);
    static const char *const zones[3] = {"A", "B", "C"};
    for (int k = 0; k < 3; k++) {
        char label[16];
        snprintf(label, sizeof label, "Zone %s", zones[k]);
        mg_html_option(b, zones[k], label, strcmp(z, zones[k]) == 0);
    }
    web_rounds_select_close(b, F, "school_zone", "L'Aude est en zone C.", fs);
    web_rounds_check(b, F, "runs_in_holidays", "Le service passe pendant les vacances scolaires",
                     checked_or(fs, "runs_in_holidays", svc ? svc->runs_in_holidays : true));
    web_rounds_input(b, F, "text", "contact", "Contact public",
                     web_rounds_typed_or(fs, "contact", svc ? svc->contact : ""),
                     "Un téléphone ou une phrase, imprimé sur l'affiche.", fs, false);
}

/* The settings typed in the request. */
static mg_round_service_input settings_read(const mg_http_request *r, mg_round_errors *errs,
                                            char *terr, size_t cap)
{
    mg_round_service_input in = mg_round_service_defaults();
    in.name = mg_http_form(r, "name");
    const char *choice = mg_http_form(r, "territory_choice");
    const char *typed = mg_http_form(r, "territory");
    if (choice && strcmp(choice, "communes") == 0) {
        const char *t = typed ? typed : "";
        while (*t == ' ')
            t++;
        if (!*t || strstr(t, "communes:") == t)
            snprintf(terr, cap, "%s", t);
        else
            snprintf(terr, cap, "communes:%s", t);
    } else {
        snprintf(terr, cap, "%s", choice ? choice : "");
    }
    in.territory = terr;
    in.target_public = mg_http_form(r, "target_public");
    in.profession = mg_http_form(r, "profession");
    in.reach_min = web_rounds_minutes_field(r, "reach_min", "Temps d'accès à un arrêt", -1, 1,
                                            120, errs);
    in.cycle_weeks = web_rounds_minutes_field(r, "cycle_weeks", "Répétition", -1, 1, 4, errs);
    in.stop_min = web_rounds_minutes_field(r, "stop_min", "Durée d'un arrêt", -1, 5, 600, errs);
    if (in.reach_min < 0 && !mg_round_errors_for(errs, "reach_min"))
        mg_round_errors_add(errs, "reach_min", "« Temps d'accès à un arrêt » : obligatoire.");
    if (in.cycle_weeks < 0 && !mg_round_errors_for(errs, "cycle_weeks"))
        mg_round_errors_add(errs, "cycle_weeks", "« Répétition » : obligatoire.");
    if (in.stop_min < 0 && !mg_round_errors_for(errs, "stop_min"))
        mg_round_errors_add(errs, "stop_min", "« Durée d'un arrêt » : obligatoire.");
    const char *ex = mg_http_form(r, "underserved_extra");
    if (ex && *ex && mg_parse_number(ex, 0, 10, &in.underserved_extra, NULL) != 0)
        mg_round_errors_add(errs, "underserved_extra",
                            "« Poids en plus des communes sous-dotées » : un nombre de 0 à 10, "
                            "par exemple 0,5.");
    in.school_zone = mg_http_form(r, "school_zone");
    in.runs_in_holidays = web_rounds_form_flag(r, "runs_in_holidays");
    in.contact = mg_http_form(r, "contact");
    return in;
}

static bool population_loaded(web_ctx *ctx)
{
    const mg_app_profession *p = &ctx->app->prof[0];
    mg_rounds_population pop;
    memset(&pop, 0, sizeof pop);
    bool has = false;
    mg_diag d = {{0}};
    if (mg_round_population_load(ctx->app->db, p->g->t, &pop, &has, &d) != 0)
        return false;
    mg_rounds_population_free(&pop);
    return has;
}

static int services_draw(web_ctx *ctx, const web_rounds_fs *fs)
{
    mg_buf *b = &ctx->res->body;
    mg_diag d = {{0}};
    /* The services of each organisation the account belongs to. */
    mg_round_service *all = NULL;
    size_t nall = 0;
    for (size_t k = 0; k < ctx->actor->nm; k++) {
        mg_auth_object o = web_rounds_object(ctx->actor->m[k].organisation_id);
        if (!web_can(ctx, MG_AUTH_VIEW, &o))
            continue;
        mg_round_service *v = NULL;
        size_t n = 0;
        int rc = mg_round_service_list(ctx->app->db, ctx->actor->m[k].organisation_id, false, &v,
                                       &n, &d);
        if (rc) {
            free(all);
            web_storage_error(ctx->req, ctx->res, rc, &d, NULL, WEB_ROUNDS_READ_FAILED);
            return MG_OK;
        }
        if (n) {
            mg_round_service *grown = realloc(all, (nall + n) * sizeof *grown);
            if (!grown) {
                free(v);
                free(all);
                return MG_ENOMEM;
            }
            all = grown;
            memcpy(all + nall, v, n * sizeof *v);
            nall += n;
        }
        free(v);
    }
    web_page_begin(b, ctx, "Tournées des services itinérants", "tournees");
    web_rounds_crumbs(b, NULL, NULL);
    mg_buf_puts(b, "<h1>Tournées des services itinérants</h1>\n<p>Un service itinérant (PMI, "
                   "bus d'information jeunesse, consultation mobile) choisit où s'arrêter, quels "
                   "jours et dans quel ordre, pour que les personnes qu'il sert trouvent un arrêt "
                   "près de chez elles. <a href=\"/tournees\">Les horaires publiés</a> sont "
                   "publics.</p>\n<section aria-labelledby=\"services\"><h2 id=\"services\">"
                   "Services</h2>\n");
    if (nall == 0) {
        mg_buf_puts(b, "<p>Aucun service itinérant dans vos organisations.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Services itinérants de vos "
                       "organisations</caption><thead><tr><th scope=\"col\">Service</th>"
                       "<th scope=\"col\">Organisation</th><th scope=\"col\">Public visé</th>"
                       "<th scope=\"col\">Véhicules</th><th scope=\"col\">Arrêts autorisés</th>"
                       "<th scope=\"col\">Publié</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < nall; k++) {
            const mg_round_service *s = &all[k];
            mg_rounds_public pub = MG_PUBLIC_ALL;
            if (mg_rounds_public_from_key(s->target_public, &pub) != 0)
                pub = MG_PUBLIC_ALL;
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_link_id(b, "/tournees/services/", s->id, NULL);
            mg_html_text(b, s->name);
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, s->organisation_name);
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, mg_rounds_public_label_fr(pub));
            mg_buf_printf(b, "</td><td>%zu</td><td>%zu</td><td>", s->nvehicles, s->nstops);
            if (s->published_plan_id) {
                mg_buf_puts(b, "oui, <a href=\"");
                char href[64];
                snprintf(href, sizeof href, "/tournees/%lld", (long long)s->id);
                mg_html_attr(b, href);
                mg_buf_puts(b, "\">horaires publics</a>");
            } else {
                mg_buf_puts(b, "non");
            }
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n");
    free(all);

    int64_t ids[MG_AUTH_MEMBERSHIPS_MAX];
    const char *names[MG_AUTH_MEMBERSHIPS_MAX];
    size_t norgs = creation_orgs(ctx, ids, names, MG_AUTH_MEMBERSHIPS_MAX);
    if (norgs) {
        const char *F = "service";
        mg_buf_puts(b, "<section aria-labelledby=\"nouveau-service\"><h2 id=\"nouveau-service\">"
                       "Créer un service</h2>\n");
        web_rounds_error_summary(b, F, fs);
        web_rounds_form_open(b, ctx, "/tournees/services", NULL, false);
        const char *chosen = web_rounds_typed_or(fs, "organisation_id", "");
        web_rounds_select_open(b, F, "organisation_id", "Organisation", NULL, fs);
        for (size_t k = 0; k < norgs; k++) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)ids[k]);
            mg_html_option(b, id, names[k], strcmp(chosen, id) == 0);
        }
        web_rounds_select_close(b, F, "organisation_id", NULL, fs);
        settings_fields(b, ctx, F, NULL, fs, population_loaded(ctx));
        web_rounds_form_close(b, "Créer le service");
        mg_buf_puts(b, "</section>\n");
    }
    web_page_end(b);
    return web_done(ctx);
}

static int services_page(web_ctx *ctx)
{
    return services_draw(ctx, NULL);
}

static int service_create(web_ctx *ctx)
{
    mg_round_errors errs = {0};
    char terr[4096];
    mg_round_service_input in = settings_read(ctx->req, &errs, terr, sizeof terr);
    int64_t org = 0;
    const char *o = mg_http_form(ctx->req, "organisation_id");
    if (o && mg_parse_id(o, INT64_MAX, &org, NULL) != 0)
        org = 0;
    mg_auth_object obj = web_rounds_object(org);
    if (org == 0 || !web_can(ctx, MG_AUTH_CREATE, &obj)) {
        mg_round_errors_add(&errs, "organisation_id", "%s",
                            web_msg_fr(WEB_MSG_ORGANISATION_NOT_YOURS));
        org = 0;
    }
    in.organisation_id = org;
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = errs.n ? MG_EINVAL
                    : mg_round_service_add(ctx->app->db, ctx->actor->account_id, &in, &id,
                                           &errs, &d);
    if (rc == MG_OK) {
        char to[64];
        snprintf(to, sizeof to, "/tournees/services/%lld", (long long)id);
        mg_http_redirect(ctx->res, to);
        return MG_OK;
    }
    if (rc != MG_EINVAL) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NULL, WEB_ROUNDS_SAVE_FAILED);
        return MG_OK;
    }
    if (errs.n == 0)
        mg_round_errors_add(&errs, "name", "%s", d.msg[0] ? d.msg : "Saisie refusée.");
    web_rounds_fs fs = {.typed = ctx->req, .errs = &errs};
    ctx->res->status = 400;
    return services_draw(ctx, &fs);
}

/* --- The service's page -------------------------------------------------------------------- */

typedef struct service_data {
    mg_round_vehicle *vehicles;
    size_t nvehicles;
    mg_round_stop *stops;
    size_t nstops;
    mg_round_plan *plans;
    size_t nplans;
    mg_round_cancellation *cancels;
    size_t ncancels;
} service_data;

static void service_data_free(service_data *v)
{
    free(v->vehicles);
    free(v->stops);
    mg_round_plans_free(v->plans, v->nplans);
    free(v->cancels);
    memset(v, 0, sizeof *v);
}

static int service_data_read(web_ctx *ctx, const web_rounds_svc *s, service_data *v, mg_diag *d)
{
    memset(v, 0, sizeof *v);
    int64_t id = s->svc.id;
    char today[11];
    mg_rounds_date t = web_rounds_paris_date(web_rounds_now(ctx->app));
    snprintf(today, sizeof today, "%04d-%02d-%02d", t.year, t.month, t.day);
    int rc = mg_round_vehicle_list(ctx->app->db, id, false, &v->vehicles, &v->nvehicles, d);
    if (!rc)
        rc = mg_round_stop_list(ctx->app->db, id, false, &v->stops, &v->nstops, d);
    if (!rc)
        rc = mg_round_plan_list(ctx->app->db, id, &v->plans, &v->nplans, d);
    if (!rc)
        rc = mg_round_cancellation_list(ctx->app->db, id, today, NULL, &v->cancels, &v->ncancels,
                                        d);
    if (rc)
        service_data_free(v);
    return rc;
}

/* Which form of the page a refusal belongs to. */
typedef struct refusal {
    const char *form; /* "reglages", "vehicule", "vehicule-ID", "arret", "fichier", "annuaire",
                         "calcul", "publication", "annulation" */
    web_rounds_fs fs;
} refusal;

static const web_rounds_fs *fs_for(const refusal *r, const char *form)
{
    return r && strcmp(r->form, form) == 0 ? &r->fs : NULL;
}

static void vehicle_form(mg_buf *b, web_ctx *ctx, const web_rounds_svc *s,
                         const mg_round_vehicle *v, const web_rounds_fs *fs)
{
    char F[40], action[128], num[32];
    if (v) {
        snprintf(F, sizeof F, "vehicule-%lld", (long long)v->id);
        snprintf(action, sizeof action, "%s/vehicules/%lld", s->path, (long long)v->id);
    } else {
        snprintf(F, sizeof F, "vehicule");
        snprintf(action, sizeof action, "%s/vehicules", s->path);
    }
    web_rounds_error_summary(b, F, fs);
    web_rounds_form_open(b, ctx, action, NULL, false);
    web_rounds_input(b, F, "text", "name", "Nom du véhicule",
                     web_rounds_typed_or(fs, "name", v ? v->name : ""),
                     "Par exemple « Camion PMI 1 ».", fs, true);
    web_rounds_input(b, F, "text", "base_name", "Base (où il part et revient)",
                     web_rounds_typed_or(fs, "base_name", v ? v->base_name : ""),
                     "Par exemple « Centre médico-social de Quillan ».", fs, true);
    web_rounds_input(b, F, "text", "base_commune", "Commune de la base (code INSEE)",
                     web_rounds_typed_or(fs, "base_commune", v ? v->base_commune : ""),
                     "Cinq caractères, par exemple 11304.", fs, true);
    char days[28] = "";
    if (v)
        mg_round_format_weekdays(v->weekdays, days);
    mg_buf_puts(b, "<fieldset id=\"");
    put_id(b, F, "weekdays");
    mg_buf_puts(b, "\" tabindex=\"-1\"");
    described_by(b, F, "weekdays", NULL, error_of(fs, "weekdays"));
    mg_buf_puts(b, "><legend>Jours de travail de l'équipage</legend>");
    field_note(b, F, "weekdays", NULL, error_of(fs, "weekdays"));
    for (int k = 0; k < 7; k++) {
        char name[16], label[32];
        snprintf(name, sizeof name, "day_%d", k);
        snprintf(label, sizeof label, "%s", weekday_fr[k]);
        label[0] = (char)(label[0] - 'a' + 'A');
        web_rounds_check(b, F, name, label,
                         checked_or(fs, name, v ? (v->weekdays >> k) & 1u : k < 5));
    }
    mg_buf_puts(b, "</fieldset>\n");
    char hm[6];
    mg_round_format_hhmm(v ? v->day_start : 8 * 60 + 30, hm);
    web_rounds_input(b, F, "text", "day_start", "Départ de la base au plus tôt",
                     web_rounds_typed_or(fs, "day_start", hm), "Par exemple 8:30.", fs, true);
    mg_round_format_hhmm(v ? v->day_end : 17 * 60, hm);
    web_rounds_input(b, F, "text", "day_end", "Retour à la base au plus tard",
                     web_rounds_typed_or(fs, "day_end", hm), "Par exemple 17:00.", fs, true);
    snprintf(num, sizeof num, "%d", v ? v->break_min : 60);
    web_rounds_input(b, F, "number", "break_min", "Pause (minutes)",
                     web_rounds_typed_or(fs, "break_min", num), "0 : pas de pause.", fs, false);
    mg_round_format_hhmm(v ? v->break_earliest : 12 * 60, hm);
    web_rounds_input(b, F, "text", "break_earliest", "Début de la pause au plus tôt",
                     web_rounds_typed_or(fs, "break_earliest", hm), NULL, fs, false);
    mg_round_format_hhmm(v ? v->break_latest : 13 * 60 + 30, hm);
    web_rounds_input(b, F, "text", "break_latest", "Début de la pause au plus tard",
                     web_rounds_typed_or(fs, "break_latest", hm), NULL, fs, false);
    snprintf(num, sizeof num, "%d", v ? v->max_drive : 0);
    web_rounds_input(b, F, "number", "max_drive", "Conduite au plus par jour (minutes)",
                     web_rounds_typed_or(fs, "max_drive", num), "0 : pas de limite.", fs, false);
    if (v)
        web_rounds_check(b, F, "active", "En service", checked_or(fs, "active", v->active));
    web_rounds_form_close(b, v ? "Enregistrer le véhicule" : "Ajouter le véhicule");
}

static void stops_section(mg_buf *b, web_ctx *ctx, const web_rounds_svc *s,
                          const service_data *v, bool edit, const refusal *r)
{
    size_t active = 0;
    for (size_t k = 0; k < v->nstops; k++)
        active += v->stops[k].active;
    mg_buf_puts(b, "<section aria-labelledby=\"arrets\"><h2 id=\"arrets\">Arrêts autorisés</h2>\n");
    mg_buf_printf(b, "<p>%zu ", active);
    mg_buf_puts(b, active > 1 ? "arrêts autorisés" : "arrêt autorisé");
    mg_buf_puts(b, " où le véhicule peut stationner.</p>\n");
    if (v->nstops) {
        mg_buf_puts(b, "<details><summary>Liste des arrêts</summary><div class=\"scroll\"><table>"
                       "<caption>Arrêts autorisés</caption><thead><tr><th scope=\"col\">Lieu"
                       "</th><th scope=\"col\">Commune</th><th scope=\"col\">Origine</th>"
                       "<th scope=\"col\">Durée</th><th scope=\"col\">Actif</th></tr></thead>"
                       "<tbody>\n");
        static const char *const source_fr[] = {"chef-lieu", "fichier", "annuaire", "saisie"};
        for (size_t k = 0; k < v->nstops && k < STOPS_SHOWN; k++) {
            const mg_round_stop *st = &v->stops[k];
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, st->name);
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, st->commune_name);
            mg_buf_puts(b, " (");
            mg_html_text(b, st->commune_code);
            mg_buf_puts(b, ")</td><td>");
            mg_html_text(b, (unsigned)st->source < 4 ? source_fr[st->source] : "");
            mg_buf_printf(b, "</td><td>%d min</td><td>",
                          st->minutes ? st->minutes : s->svc.stop_min);
            mg_buf_puts(b, st->active ? "oui</td></tr>\n" : "non</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>");
        if (v->nstops > STOPS_SHOWN)
            mg_buf_printf(b, "<p>… et %zu autres.</p>", v->nstops - STOPS_SHOWN);
        mg_buf_puts(b, "</details>\n");
    }
    if (!edit) {
        mg_buf_puts(b, "</section>\n");
        return;
    }
    char action[128];
    mg_buf_puts(b, "<h3>Les chefs-lieux des communes</h3><p>Par défaut, un arrêt à chaque "
                   "chef-lieu de commune du territoire servi.</p>\n");
    snprintf(action, sizeof action, "%s/arrets/chefs-lieux", s->path);
    web_rounds_form_open(b, ctx, action, "form-chefs-lieux", false);
    web_rounds_check(b, "chefs-lieux", "replace",
                     "Remplacer les arrêts actuels (ils sont désactivés, jamais effacés)", false);
    web_rounds_form_close(b, "Autoriser les chefs-lieux");

    mg_buf_puts(b, "<h3>Importer un fichier</h3><p>Un fichier CSV avec les colonnes "
                   "<code>nom</code> et <code>commune</code> (code INSEE), et si besoin "
                   "<code>lat</code>, <code>lon</code> et <code>minutes</code>.</p>\n");
    const web_rounds_fs *ffs = fs_for(r, "fichier");
    web_rounds_error_summary(b, "fichier", ffs);
    snprintf(action, sizeof action, "%s/arrets/fichier", s->path);
    web_rounds_form_open(b, ctx, action, NULL, true);
    label_open(b, "fichier", "file", "Fichier des arrêts", true);
    mg_buf_puts(b, "<input type=\"file\" id=\"fichier-file\" name=\"file\" accept=\".csv,"
                   "text/csv\" required");
    described_by(b, "fichier", "file", NULL, error_of(ffs, "file"));
    mg_buf_puts(b, ">");
    field_note(b, "fichier", "file", NULL, error_of(ffs, "file"));
    mg_buf_puts(b, "</div>\n");
    web_rounds_check(b, "fichier", "replace", "Remplacer les arrêts actuels",
                     checked_or(ffs, "replace", false));
    web_rounds_form_close(b, "Importer les arrêts");

    mg_buf_puts(b, "<h3>Structures de l'annuaire</h3><p>Les mairies, centres sociaux et "
                   "autres structures de l'annuaire situées dans le territoire servi.</p>\n");
    const web_rounds_fs *afs = fs_for(r, "annuaire");
    web_rounds_error_summary(b, "annuaire", afs);
    snprintf(action, sizeof action, "%s/arrets/annuaire", s->path);
    web_rounds_form_open(b, ctx, action, NULL, false);
    mg_buf_puts(b, "<fieldset id=\"annuaire-categories\" tabindex=\"-1\"");
    described_by(b, "annuaire", "categories", NULL, error_of(afs, "categories"));
    mg_buf_puts(b, "><legend>Catégories</legend>");
    field_note(b, "annuaire", "categories", NULL, error_of(afs, "categories"));
    for (size_t k = 0; k < NSTOPCAT; k++) {
        char name[48];
        snprintf(name, sizeof name, "cat_%s", mg_dir_category_key(stop_categories[k]));
        web_rounds_check(b, "annuaire", name, mg_dir_category_label(stop_categories[k]),
                         checked_or(afs, name, k == 0));
    }
    mg_buf_puts(b, "</fieldset>\n");
    web_rounds_check(b, "annuaire", "replace", "Remplacer les arrêts actuels",
                     checked_or(afs, "replace", false));
    web_rounds_form_close(b, "Autoriser ces structures");

    mg_buf_puts(b, "<h3>Ajouter un arrêt</h3>\n");
    const web_rounds_fs *sfs = fs_for(r, "arret");
    web_rounds_error_summary(b, "arret", sfs);
    snprintf(action, sizeof action, "%s/arrets", s->path);
    web_rounds_form_open(b, ctx, action, NULL, false);
    web_rounds_input(b, "arret", "text", "name", "Lieu", web_rounds_typed_or(sfs, "name", ""),
                     "Par exemple « Place de la Mairie ».", sfs, true);
    web_rounds_input(b, "arret", "text", "commune_code", "Commune (code INSEE)",
                     web_rounds_typed_or(sfs, "commune_code", ""), NULL, sfs, true);
    web_rounds_input(b, "arret", "number", "minutes", "Durée de l'arrêt (minutes)",
                     web_rounds_typed_or(sfs, "minutes", ""), "Vide : la durée du service.",
                     sfs, false);
    web_rounds_form_close(b, "Ajouter l'arrêt");
    mg_buf_puts(b, "</section>\n");
}

static void plans_section(mg_buf *b, web_ctx *ctx, const web_rounds_svc *s,
                          const service_data *v, bool edit, const refusal *r)
{
    mg_buf_puts(b, "<section aria-labelledby=\"calcul\"><h2 id=\"calcul\">Calculer les "
                   "tournées</h2>\n");
    size_t active_v = 0, active_s = 0;
    for (size_t k = 0; k < v->nvehicles; k++)
        active_v += v->vehicles[k].active;
    for (size_t k = 0; k < v->nstops; k++)
        active_s += v->stops[k].active;
    if (!active_v || !active_s) {
        mg_buf_puts(b, "<p>Ajoutez au moins un véhicule et des arrêts autorisés pour calculer "
                       "des tournées.</p>\n");
    } else if (edit) {
        const web_rounds_fs *fs = fs_for(r, "calcul");
        web_rounds_error_summary(b, "calcul", fs);
        char action[128];
        snprintf(action, sizeof action, "%s/plans", s->path);
        web_rounds_form_open(b, ctx, action, "form-calcul", false);
        web_rounds_input(b, "calcul", "text", "label", "Nom du plan",
                         web_rounds_typed_or(fs, "label", ""), "Vide : la date du calcul.", fs,
                         false);
        web_rounds_input(b, "calcul", "number", "seconds", "Temps de calcul (secondes)",
                         web_rounds_typed_or(fs, "seconds", "2"), "De 1 à 60.", fs, true);
        web_rounds_check(b, "calcul", "exact",
                         "Chercher l'optimum exact (16 arrêts autorisés au plus)",
                         checked_or(fs, "exact", false));
        web_rounds_form_close(b, "Calculer les tournées");
    }
    mg_buf_puts(b, "<h3 id=\"plans\">Plans</h3>\n");
    if (v->nplans == 0) {
        mg_buf_puts(b, "<p>Aucun plan pour l'instant.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Plans du service, du plus récent au "
                       "plus ancien</caption><thead><tr><th scope=\"col\">Plan</th>"
                       "<th scope=\"col\">Type</th><th scope=\"col\">Personnes couvertes</th>"
                       "<th scope=\"col\">Calculé le</th><th scope=\"col\">Publié</th></tr>"
                       "</thead><tbody>\n");
        for (size_t k = 0; k < v->nplans; k++) {
            const mg_round_plan *p = &v->plans[k];
            char href[128], cov[32], tgt[32];
            snprintf(href, sizeof href, "%s/plans/%lld", s->path, (long long)p->id);
            web_num(cov, sizeof cov, p->covered, 0);
            web_num(tgt, sizeof tgt, p->target, 0);
            mg_buf_puts(b, "<tr><th scope=\"row\"><a href=\"");
            mg_html_attr(b, href);
            mg_buf_puts(b, "\">");
            mg_html_text(b, p->label[0] ? p->label : "Plan sans nom");
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, p->kind == MG_ROUND_PLAN_CURRENT ? "tournées actuelles (saisies)"
                            : strcmp(p->method, "exact") == 0 ? "calcul exact"
                                                               : "calcul heuristique");
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, cov);
            mg_buf_puts(b, " sur ");
            mg_html_text(b, tgt);
            mg_buf_puts(b, "</td><td>");
            web_time_utc(b, p->created_at, "—");
            mg_buf_puts(b, p->published ? "</td><td>oui</td></tr>\n" : "</td><td>non</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n");
}

static void publication_section(mg_buf *b, web_ctx *ctx, const web_rounds_svc *s,
                                const service_data *v, bool edit, const refusal *r)
{
    mg_buf_puts(b, "<section aria-labelledby=\"publication\"><h2 id=\"publication\">"
                   "Publication</h2>\n");
    if (s->svc.published_plan_id) {
        mg_buf_puts(b, "<p>Les tournées sont publiées depuis la semaine du ");
        mg_html_text(b, s->svc.anchor_monday);
        mg_buf_puts(b, " : <a href=\"");
        char href[64];
        snprintf(href, sizeof href, "/tournees/%lld", (long long)s->svc.id);
        mg_html_attr(b, href);
        mg_buf_puts(b, "\">horaires publics</a>.</p>\n");
    } else {
        mg_buf_puts(b, "<p>Aucune tournée publiée.</p>\n");
    }
    const web_rounds_fs *fs = fs_for(r, "publication");
    if (!edit || (v->nplans == 0 && !fs)) {
        mg_buf_puts(b, "</section>\n");
        return;
    }
    web_rounds_error_summary(b, "publication", fs);
    char action[128];
    snprintf(action, sizeof action, "%s/publication", s->path);
    web_rounds_form_open(b, ctx, action, "form-publication", false);
    char def[24] = "";
    if (v->nplans)
        snprintf(def, sizeof def, "%lld", (long long)v->plans[0].id);
    const char *chosen = web_rounds_typed_or(fs, "plan_id", def);
    web_rounds_select_open(b, "publication", "plan_id", "Plan à publier", NULL, fs);
    for (size_t k = 0; k < v->nplans; k++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)v->plans[k].id);
        mg_html_option(b, id, v->plans[k].label[0] ? v->plans[k].label : id,
                       strcmp(chosen, id) == 0);
    }
    web_rounds_select_close(b, "publication", "plan_id", NULL, fs);
    /* The next Monday by default. */
    mg_rounds_date today = web_rounds_paris_date(web_rounds_now(ctx->app));
    long days = mg_rounds_days(today);
    int wd = web_rounds_weekday(today);
    mg_rounds_date mon = mg_rounds_date_of(days + (wd == 0 ? 0 : 7 - wd));
    char anchor[16];
    snprintf(anchor, sizeof anchor, "%04d-%02d-%02d", mon.year, mon.month, mon.day);
    web_rounds_input(b, "publication", "date", "anchor_monday",
                     "Premier lundi (semaine 1 du cycle)",
                     web_rounds_typed_or(fs, "anchor_monday", anchor),
                     "Un lundi, au format AAAA-MM-JJ.", fs, true);
    web_rounds_form_close(b, "Publier les tournées");
    if (s->svc.published_plan_id) {
        snprintf(action, sizeof action, "%s/publication/retrait", s->path);
        web_rounds_form_open(b, ctx, action, NULL, false);
        web_rounds_form_close(b, "Retirer la publication");
    }
    mg_buf_puts(b, "</section>\n");
}

static void cancellations_section(mg_buf *b, web_ctx *ctx, const web_rounds_svc *s,
                                  const service_data *v, bool edit, const refusal *r)
{
    mg_buf_puts(b, "<section aria-labelledby=\"annulations\"><h2 id=\"annulations\">"
                   "Annulations</h2>\n");
    if (v->ncancels == 0) {
        mg_buf_puts(b, "<p>Aucune annulation à venir.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Annulations à venir</caption>"
                       "<thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Véhicule</th>"
                       "<th scope=\"col\">Arrêt</th><th scope=\"col\">Motif public</th>");
        if (edit)
            mg_buf_puts(b, "<th scope=\"col\">Retirer</th>");
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t k = 0; k < v->ncancels; k++) {
            const mg_round_cancellation *c = &v->cancels[k];
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, c->on_date);
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, c->vehicle_id ? c->vehicle_name : "tous");
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, c->stop_id ? c->stop_name : "toute la journée");
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, c->reason);
            mg_buf_puts(b, "</td>");
            if (edit) {
                char action[160], label[64];
                snprintf(action, sizeof action, "%s/annulations/%lld/supprimer", s->path,
                         (long long)c->id);
                snprintf(label, sizeof label, "Retirer l'annulation du %s", c->on_date);
                mg_buf_puts(b, "<td><form method=\"post\" action=\"");
                mg_html_attr(b, action);
                mg_buf_puts(b, "\">");
                web_csrf_field(b, ctx);
                mg_buf_puts(b, "<button type=\"submit\" aria-label=\"");
                mg_html_attr(b, label);
                mg_buf_puts(b, "\">Retirer</button></form></td>");
            }
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    if (edit) {
        const char *F = "annulation";
        const web_rounds_fs *fs = fs_for(r, F);
        web_rounds_error_summary(b, F, fs);
        char action[128];
        snprintf(action, sizeof action, "%s/annulations", s->path);
        web_rounds_form_open(b, ctx, action, "form-annulation", false);
        web_rounds_input(b, F, "date", "on_date", "Date", web_rounds_typed_or(fs, "on_date", ""),
                         "Au format AAAA-MM-JJ.", fs, true);
        const char *vc = web_rounds_typed_or(fs, "vehicle_id", "");
        web_rounds_select_open(b, F, "vehicle_id", "Véhicule", NULL, fs);
        mg_html_option(b, "", "Tous les véhicules", !*vc);
        for (size_t k = 0; k < v->nvehicles; k++) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)v->vehicles[k].id);
            mg_html_option(b, id, v->vehicles[k].name, strcmp(vc, id) == 0);
        }
        web_rounds_select_close(b, F, "vehicle_id", NULL, fs);
        const char *sc = web_rounds_typed_or(fs, "stop_id", "");
        web_rounds_select_open(b, F, "stop_id", "Arrêt", NULL, fs);
        mg_html_option(b, "", "Toute la journée", !*sc);
        for (size_t k = 0; k < v->nstops && k < STOPS_SHOWN; k++) {
            if (!v->stops[k].active)
                continue;
            char id[24], label[1800];
            snprintf(id, sizeof id, "%lld", (long long)v->stops[k].id);
            snprintf(label, sizeof label, "%s — %s", v->stops[k].name,
                     v->stops[k].commune_name);
            mg_html_option(b, id, label, strcmp(sc, id) == 0);
        }
        web_rounds_select_close(b, F, "stop_id", NULL, fs);
        web_rounds_input(b, F, "text", "reason", "Motif affiché au public",
                         web_rounds_typed_or(fs, "reason", ""),
                         "Par exemple « Véhicule en réparation ».", fs, true);
        web_rounds_form_close(b, "Annuler");
    }
    mg_buf_puts(b, "</section>\n");
}

static int service_draw(web_ctx *ctx, const web_rounds_svc *s, const refusal *r)
{
    service_data v;
    mg_diag d = {{0}};
    int rc = service_data_read(ctx, s, &v, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND,
                          WEB_ROUNDS_READ_FAILED);
        return MG_OK;
    }
    bool edit = web_rounds_may_edit(ctx, s);
    mg_buf *b = &ctx->res->body;
    char title[sizeof s->svc.name + 32];
    snprintf(title, sizeof title, "%s — Tournées", s->svc.name);
    web_page_begin(b, ctx, title, "tournees");
    web_rounds_crumbs(b, s, NULL);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, s->svc.name);
    mg_buf_puts(b, "</h1>\n<p>");
    mg_html_text(b, s->svc.organisation_name);
    mg_buf_puts(b, "</p>\n<nav aria-label=\"Sections du service\"><ul class=\"tabs\">"
                   "<li><a href=\"#reglages\">Réglages</a></li><li><a href=\"#vehicules\">"
                   "Véhicules</a></li><li><a href=\"#arrets\">Arrêts</a></li><li><a href=\""
                   "#calcul\">Calcul</a></li><li><a href=\"#actuelles\">Tournées actuelles</a>"
                   "</li><li><a href=\"#publication\">Publication</a></li><li><a href=\""
                   "#annulations\">Annulations</a></li></ul></nav>\n");

    bool has_pop = population_loaded(ctx);
    mg_buf_puts(b, "<section aria-labelledby=\"reglages\"><h2 id=\"reglages\">Réglages</h2>\n");
    if (!has_pop)
        mg_buf_puts(b, "<p class=\"note\">Faute du fichier de l'INSEE, le service vise tous "
                       "les habitants.</p>\n");
    if (edit) {
        const web_rounds_fs *fs = fs_for(r, "reglages");
        web_rounds_error_summary(b, "reglages", fs);
        web_rounds_form_open(b, ctx, s->path, "form-reglages", false);
        settings_fields(b, ctx, "reglages", &s->svc, fs, has_pop);
        web_rounds_form_close(b, "Enregistrer les réglages");
    } else {
        mg_rounds_public pub = MG_PUBLIC_ALL;
        if (mg_rounds_public_from_key(s->svc.target_public, &pub) != 0)
            pub = MG_PUBLIC_ALL;
        mg_buf_puts(b, "<p>Public visé : ");
        mg_html_text(b, mg_rounds_public_label_fr(pub));
        mg_buf_printf(b, ". Arrêts à moins de %d minutes. Tournées répétées toutes les %d "
                         "semaine(s).</p>\n",
                      s->svc.reach_min, s->svc.cycle_weeks);
    }
    mg_buf_puts(b, "</section>\n");

    mg_buf_puts(b, "<section aria-labelledby=\"vehicules\"><h2 id=\"vehicules\">Véhicules et "
                   "équipages</h2>\n");
    if (v.nvehicles == 0)
        mg_buf_puts(b, "<p>Aucun véhicule.</p>\n");
    for (size_t k = 0; k < v.nvehicles; k++) {
        const mg_round_vehicle *vh = &v.vehicles[k];
        char days[28], a[6], z[6];
        mg_round_format_weekdays(vh->weekdays, days);
        mg_round_format_hhmm(vh->day_start, a);
        mg_round_format_hhmm(vh->day_end, z);
        mg_buf_puts(b, "<details");
        char F[40];
        snprintf(F, sizeof F, "vehicule-%lld", (long long)vh->id);
        if (r && strcmp(r->form, F) == 0)
            mg_buf_puts(b, " open");
        mg_buf_puts(b, "><summary>");
        mg_html_text(b, vh->name);
        mg_buf_puts(b, " — ");
        for (int j = 0, first = 1; j < 7; j++)
            if ((vh->weekdays >> j) & 1u) {
                if (!first)
                    mg_buf_puts(b, ", ");
                mg_html_text(b, weekday_fr[j]);
                first = 0;
            }
        mg_buf_puts(b, ", ");
        mg_html_text(b, a);
        mg_buf_puts(b, "–");
        mg_html_text(b, z);
        mg_buf_puts(b, vh->active ? "" : " (hors service)");
        mg_buf_puts(b, "</summary>\n");
        if (edit)
            vehicle_form(b, ctx, s, vh, fs_for(r, F));
        mg_buf_puts(b, "</details>\n");
    }
    if (edit) {
        mg_buf_puts(b, "<h3>Ajouter un véhicule</h3>\n");
        vehicle_form(b, ctx, s, NULL, fs_for(r, "vehicule"));
    }
    mg_buf_puts(b, "</section>\n");

    stops_section(b, ctx, s, &v, edit, r);
    plans_section(b, ctx, s, &v, edit, r);
    web_rounds_current_section(b, ctx, s, v.vehicles, v.nvehicles, v.stops, v.nstops, edit,
                               r && strcmp(r->form, "actuelles") == 0 ? &r->fs : NULL);
    publication_section(b, ctx, s, &v, edit, r);
    cancellations_section(b, ctx, s, &v, edit, r);
    if (edit) {
        mg_buf_puts(b, "<section aria-labelledby=\"suppression\"><h2 id=\"suppression\">"
                       "Supprimer le service</h2><p>Le service, ses véhicules, arrêts, plans et "
                       "annulations sont effacés.</p>\n");
        char action[128];
        snprintf(action, sizeof action, "%s/supprimer", s->path);
        web_rounds_form_open(b, ctx, action, NULL, false);
        web_rounds_form_close(b, "Supprimer le service");
        mg_buf_puts(b, "</section>\n");
    }
    web_history(b, ctx, "round_service", s->svc.id);
    web_page_end(b);
    service_data_free(&v);
    return web_done(ctx);
}

int web_rounds_service_redraw(web_ctx *ctx, const web_rounds_svc *s, const char *form,
                              const web_rounds_fs *fs)
{
    refusal r = {.form = form, .fs = *fs};
    ctx->res->status = 400;
    return service_draw(ctx, s, &r);
}

static int service_page(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_VIEW, &s))
        return MG_OK;
    return service_draw(ctx, &s, NULL);
}

int web_rounds_after_write(web_ctx *ctx, const web_rounds_svc *s, int rc, const mg_diag *d,
                           const char *form, mg_round_errors *errs, const char *main_field,
                           const char *fragment)
{
    if (rc == MG_OK) {
        char to[160];
        snprintf(to, sizeof to, "%s#%s", s->path, fragment);
        mg_http_redirect(ctx->res, to);
        return MG_OK;
    }
    if (rc != MG_EINVAL) {
        web_storage_error(ctx->req, ctx->res, rc, d, WEB_ROUNDS_NOT_FOUND,
                          WEB_ROUNDS_SAVE_FAILED);
        return MG_OK;
    }
    if (errs->n == 0)
        mg_round_errors_add(errs, main_field, "%s",
                            d && d->msg[0] ? d->msg : "Saisie refusée.");
    web_rounds_fs fs = {.typed = ctx->req, .errs = errs};
    return web_rounds_service_redraw(ctx, s, form, &fs);
}

static int service_update(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_round_errors errs = {0};
    char terr[4096];
    mg_round_service_input in = settings_read(ctx->req, &errs, terr, sizeof terr);
    in.is_example = s.svc.is_example;
    mg_diag d = {{0}};
    int rc = errs.n ? MG_EINVAL
                    : mg_round_service_update(ctx->app->db, ctx->actor->account_id, s.svc.id,
                                              &in, &errs, &d);
    return web_rounds_after_write(ctx, &s, rc, &d, "reglages", &errs, "name", "reglages");
}

static int service_delete(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_DELETE, &s))
        return MG_OK;
    mg_diag d = {{0}};
    int rc = mg_round_service_delete(ctx->app->db, ctx->actor->account_id, s.svc.id, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WEB_ROUNDS_NOT_FOUND,
                          WEB_ROUNDS_SAVE_FAILED);
        return MG_OK;
    }
    mg_http_redirect(ctx->res, "/tournees/services");
    return MG_OK;
}

/* --- Vehicles ------------------------------------------------------------------------------ */

static int vehicle_write(web_ctx *ctx, bool update)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_diag d = {{0}};
    int64_t vid = 0;
    mg_round_vehicle old;
    memset(&old, 0, sizeof old);
    if (update) {
        int rc = mg_parse_id(mg_http_path_param(ctx->req, "vid"), INT64_MAX, &vid, NULL) != 0
                     ? MG_ENOTFOUND
                     : mg_round_vehicle_get(ctx->app->db, vid, &old, &d);
        if (rc == 0 && old.service_id != s.svc.id)
            rc = MG_ENOTFOUND;
        if (rc) {
            web_storage_error(ctx->req, ctx->res, rc, &d, "Ce véhicule n'existe pas.",
                              WEB_ROUNDS_READ_FAILED);
            return MG_OK;
        }
    }
    const mg_http_request *r = ctx->req;
    mg_round_errors errs = {0};
    mg_round_vehicle_input in = {
        .name = mg_http_form(r, "name"),
        .base_name = mg_http_form(r, "base_name"),
        .base_commune = mg_http_form(r, "base_commune"),
        .base_lat = NAN,
        .base_lon = NAN,
        .active = update ? web_rounds_form_flag(r, "active") : true,
    };
    for (int k = 0; k < 7; k++) {
        char name[16];
        snprintf(name, sizeof name, "day_%d", k);
        if (web_rounds_form_flag(r, name))
            in.weekdays |= (uint8_t)(1u << k);
    }
    /* The API's and the command line's list form, "mon,thu", is read too. */
    const char *wd = mg_http_form(r, "weekdays");
    if (!in.weekdays && wd && *wd && mg_round_parse_weekdays(wd, &in.weekdays) != 0)
        mg_round_errors_add(&errs, "weekdays", "« Jours de travail » : des jours comme lundi, "
                                               "jeudi.");
    in.day_start = web_rounds_time_field(r, "day_start", "Départ de la base", -1, &errs);
    in.day_end = web_rounds_time_field(r, "day_end", "Retour à la base", -1, &errs);
    in.break_min = web_rounds_minutes_field(r, "break_min", "Pause", 0, 0, 240, &errs);
    in.break_earliest = web_rounds_time_field(r, "break_earliest", "Début de la pause au plus tôt",
                                              12 * 60, &errs);
    in.break_latest = web_rounds_time_field(r, "break_latest", "Début de la pause au plus tard",
                                            13 * 60 + 30, &errs);
    in.max_drive = web_rounds_minutes_field(r, "max_drive", "Conduite au plus", 0, 0, 1440, &errs);
    /* The base's point: its commune's, from the territory. */
    const mg_territory *t = ctx->app->prof[0].g->t;
    long c = in.base_commune && *in.base_commune ? mg_territory_find_current(t, in.base_commune)
                                                 : -1;
    if (c >= 0) {
        in.base_lat = t->lat[c];
        in.base_lon = t->lon[c];
    } else if (in.base_commune && *in.base_commune) {
        mg_round_errors_add(&errs, "base_commune",
                            "« Commune de la base » : aucune commune du territoire n'a le code "
                            "« %.20s ».",
                            in.base_commune);
    }
    char F[40];
    if (update)
        snprintf(F, sizeof F, "vehicule-%lld", (long long)vid);
    else
        snprintf(F, sizeof F, "vehicule");
    int rc = MG_EINVAL;
    if (in.day_start < 0 && !mg_round_errors_for(&errs, "day_start"))
        mg_round_errors_add(&errs, "day_start", "« Départ de la base » : obligatoire.");
    if (in.day_end < 0 && !mg_round_errors_for(&errs, "day_end"))
        mg_round_errors_add(&errs, "day_end", "« Retour à la base » : obligatoire.");
    if (errs.n == 0) {
        if (update) {
            rc = mg_round_vehicle_update(ctx->app->db, ctx->actor->account_id, vid, &in, &errs,
                                         &d);
        } else {
            int64_t id = 0;
            rc = mg_round_vehicle_add(ctx->app->db, ctx->actor->account_id, s.svc.id, &in, &id,
                                      &errs, &d);
        }
    }
    return web_rounds_after_write(ctx, &s, rc, &d, F, &errs, "name", "vehicules");
}

static int vehicle_add(web_ctx *ctx)
{
    return vehicle_write(ctx, false);
}

static int vehicle_update(web_ctx *ctx)
{
    return vehicle_write(ctx, true);
}

/* --- Stops --------------------------------------------------------------------------------- */

static int stop_add(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    const mg_http_request *r = ctx->req;
    mg_round_errors errs = {0};
    const mg_territory *t = ctx->app->prof[0].g->t;
    const char *code = mg_http_form(r, "commune_code");
    long c = code && *code ? mg_territory_find_current(t, code) : -1;
    mg_round_stop_input in = {.name = mg_http_form(r, "name"),
                              .commune_code = c >= 0 ? t->code[c] : code,
                              .commune_name = c >= 0 ? t->name[c] : NULL,
                              .lat = c >= 0 ? t->lat[c] : NAN,
                              .lon = c >= 0 ? t->lon[c] : NAN,
                              .source = MG_ROUND_STOP_MANUAL,
                              .active = true};
    if (c < 0)
        mg_round_errors_add(&errs, "commune_code",
                            "« Commune » : un code INSEE d'une commune du territoire, par exemple "
                            "11069.");
    in.minutes = web_rounds_minutes_field(r, "minutes", "Durée de l'arrêt", 0, 5, 600, &errs);
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = errs.n ? MG_EINVAL
                    : mg_round_stop_add(ctx->app->db, ctx->actor->account_id, s.svc.id, &in, &id,
                                        &errs, &d);
    return web_rounds_after_write(ctx, &s, rc, &d, "arret", &errs, "name", "arrets");
}

/* The study communes of the service's territory (mark, t->n), or NULL
 * after answering. */
uint8_t *web_rounds_territory_marks(web_ctx *ctx, const mg_round_service *svc, mg_diag *d)
{
    const mg_app_profession *p = &ctx->app->prof[0];
    mg_scope sc;
    memset(&sc, 0, sizeof sc);
    int rc = mg_scope_parse(p->g, svc->territory, &sc, d);
    if (rc)
        return NULL;
    uint8_t *m = calloc(p->g->t->n ? p->g->t->n : 1, 1);
    if (m)
        for (size_t k = 0; k < sc.n; k++)
            m[sc.idx[k]] = 1;
    mg_scope_free(&sc);
    return m;
}

static int stops_chefs_lieux(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_diag d = {{0}};
    const mg_territory *t = ctx->app->prof[0].g->t;
    uint8_t *mark = web_rounds_territory_marks(ctx, &s.svc, &d);
    mg_round_errors errs = {0};
    if (!mark) {
        mg_round_errors_add(&errs, "territory", "« Territoire servi » : %s",
                            d.msg[0] ? d.msg : "illisible.");
        return web_rounds_after_write(ctx, &s, MG_EINVAL, &d, "reglages", &errs, "territory",
                                      "reglages");
    }
    mg_round_stop_input *v = calloc(t->n ? t->n : 1, sizeof *v);
    char(*names)[MG_ROUND_NAME_MAX * 2] = calloc(t->n ? t->n : 1, sizeof *names);
    if (!v || !names) {
        free(v);
        free(names);
        free(mark);
        return MG_ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!mark[i] || !isfinite(t->lat[i]) || !isfinite(t->lon[i]))
            continue;
        snprintf(names[n], sizeof names[n], "Chef-lieu de %s", t->name[i]);
        v[n] = (mg_round_stop_input){.name = names[n],
                                     .commune_code = t->code[i],
                                     .commune_name = t->name[i],
                                     .lat = t->lat[i],
                                     .lon = t->lon[i],
                                     .source = MG_ROUND_STOP_CHEF_LIEU,
                                     .active = true};
        n++;
    }
    int rc = mg_round_stops_put(ctx->app->db, ctx->actor->account_id, s.svc.id, v, n,
                                web_rounds_form_flag(ctx->req, "replace"), NULL, NULL, &d);
    free(v);
    free(names);
    free(mark);
    return web_rounds_after_write(ctx, &s, rc, &d, "annuaire", &errs, "categories", "arrets");
}

static int stops_file(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_round_errors errs = {0};
    mg_diag d = {{0}};
    const char *data = NULL, *fname = NULL;
    size_t len = 0;
    int rc = mg_http_upload(ctx->req, "file", &data, &len, &fname);
    if (rc || len == 0) {
        mg_round_errors_add(&errs, "file", "« Fichier des arrêts » : choisissez un fichier CSV.");
        return web_rounds_after_write(ctx, &s, MG_EINVAL, &d, "fichier", &errs, "file",
                                      "arrets");
    }
    char path[] = "/tmp/maillage-arrets-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return web_rounds_after_write(ctx, &s, MG_EIO, &d, "fichier", &errs, "file", "arrets");
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
    const mg_territory *t = ctx->app->prof[0].g->t;
    mg_rounds_stops st;
    memset(&st, 0, sizeof st);
    rc = off == len ? mg_rounds_stops_read(t, path, &st, NULL, &d) : MG_EIO;
    unlink(path);
    if (rc) {
        /* The reader names the temporary file: the person's file is named instead. */
        const char *m = d.msg;
        const char *tail = strstr(m, path);
        char msg[1400];
        if (tail)
            snprintf(msg, sizeof msg, "%.*s%s%s", (int)(tail - m), m,
                     fname && *fname ? fname : "fichier", tail + strlen(path));
        else
            snprintf(msg, sizeof msg, "%s", m);
        mg_round_errors_add(&errs, "file", "« Fichier des arrêts » : %s", msg);
        return web_rounds_after_write(ctx, &s, MG_EINVAL, &d, "fichier", &errs, "file",
                                      "arrets");
    }
    mg_round_stop_input *v = calloc(st.n ? st.n : 1, sizeof *v);
    if (!v) {
        mg_rounds_stops_free(&st);
        return MG_ENOMEM;
    }
    for (size_t k = 0; k < st.n; k++) {
        const mg_rounds_stop *x = &st.s[k];
        v[k] = (mg_round_stop_input){.name = x->name,
                                     .commune_code = t->code[x->commune],
                                     .commune_name = t->name[x->commune],
                                     .lat = x->lat,
                                     .lon = x->lon,
                                     .minutes = x->minutes,
                                     .source = MG_ROUND_STOP_FILE,
                                     .active = true};
    }
    rc = mg_round_stops_put(ctx->app->db, ctx->actor->account_id, s.svc.id, v, st.n,
                            web_rounds_form_flag(ctx->req, "replace"), NULL, NULL, &d);
    free(v);
    mg_rounds_stops_free(&st);
    if (rc == MG_EINVAL)
        mg_round_errors_add(&errs, "file", "« Fichier des arrêts » : %s", d.msg);
    return web_rounds_after_write(ctx, &s, rc, &d, "fichier", &errs, "file", "arrets");
}

static int stops_directory(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_round_errors errs = {0};
    mg_diag d = {{0}};
    const char *cats[NSTOPCAT];
    size_t ncats = 0;
    for (size_t k = 0; k < NSTOPCAT; k++) {
        char name[48];
        snprintf(name, sizeof name, "cat_%s", mg_dir_category_key(stop_categories[k]));
        if (web_rounds_form_flag(ctx->req, name))
            cats[ncats++] = mg_dir_category_key(stop_categories[k]);
    }
    if (!ncats) {
        mg_round_errors_add(&errs, "categories", "« Catégories » : cochez au moins une "
                                                 "catégorie.");
        return web_rounds_after_write(ctx, &s, MG_EINVAL, &d, "annuaire", &errs, "categories",
                                      "arrets");
    }
    const mg_territory *t = ctx->app->prof[0].g->t;
    uint8_t *mark = web_rounds_territory_marks(ctx, &s.svc, &d);
    if (!mark) {
        mg_round_errors_add(&errs, "categories", "« Territoire servi » : %s", d.msg);
        return web_rounds_after_write(ctx, &s, MG_EINVAL, &d, "annuaire", &errs, "categories",
                                      "arrets");
    }
    const char **codes = calloc(t->n ? t->n : 1, sizeof *codes);
    size_t ncodes = 0;
    for (size_t i = 0; codes && i < t->n; i++)
        if (mark[i])
            codes[ncodes++] = t->code[i];
    free(mark);
    if (!codes)
        return MG_ENOMEM;
    mg_round_stop_input *v = NULL;
    size_t n = 0;
    char *arena = NULL;
    int rc = mg_round_stops_from_directory(ctx->app->db, cats, ncats, codes, ncodes, &v, &n,
                                           &arena, &d);
    free(codes);
    if (rc == 0 && n == 0) {
        mg_round_errors_add(&errs, "categories", "« Catégories » : l'annuaire ne connaît aucune "
                                                 "structure de ces catégories avec une position "
                                                 "dans le territoire servi.");
        rc = MG_EINVAL;
    } else if (rc == 0) {
        rc = mg_round_stops_put(ctx->app->db, ctx->actor->account_id, s.svc.id, v, n,
                                web_rounds_form_flag(ctx->req, "replace"), NULL, NULL, &d);
    }
    free(v);
    free(arena);
    return web_rounds_after_write(ctx, &s, rc, &d, "annuaire", &errs, "categories", "arrets");
}

/* --- Publication and cancellations --------------------------------------------------------- */

static int publish_post(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_round_errors errs = {0};
    mg_diag d = {{0}};
    int64_t plan = 0;
    const char *ps = mg_http_form(ctx->req, "plan_id");
    if (!ps || mg_parse_id(ps, INT64_MAX, &plan, NULL) != 0)
        mg_round_errors_add(&errs, "plan_id", "« Plan à publier » : choisissez un plan.");
    const char *anchor = mg_http_form(ctx->req, "anchor_monday");
    mg_date day;
    if (!anchor || mg_parse_date(anchor, &day, NULL) != 0) {
        mg_round_errors_add(&errs, "anchor_monday",
                            "« Premier lundi » : une date au format AAAA-MM-JJ.");
    } else if (web_rounds_weekday((mg_rounds_date){day.year, day.month, day.day}) != 0) {
        mg_round_errors_add(&errs, "anchor_monday", "« Premier lundi » : ce jour n'est pas un "
                                                    "lundi.");
    }
    int rc = MG_EINVAL;
    if (errs.n == 0) {
        char iso[11];
        snprintf(iso, sizeof iso, "%04d-%02d-%02d", day.year, day.month, day.day);
        rc = mg_round_publish(ctx->app->db, ctx->actor->account_id, s.svc.id, plan, iso, &d);
        if (rc == MG_ENOTFOUND) {
            mg_round_errors_add(&errs, "plan_id", "« Plan à publier » : ce plan n'est pas celui "
                                                  "du service.");
            rc = MG_EINVAL;
        }
    }
    return web_rounds_after_write(ctx, &s, rc, &d, "publication", &errs, "plan_id",
                                  "publication");
}

static int unpublish_post(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_diag d = {{0}};
    mg_round_errors errs = {0};
    int rc = mg_round_unpublish(ctx->app->db, ctx->actor->account_id, s.svc.id, &d);
    return web_rounds_after_write(ctx, &s, rc, &d, "publication", &errs, "plan_id",
                                  "publication");
}

static int cancel_post(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_round_errors errs = {0};
    mg_diag d = {{0}};
    const mg_http_request *r = ctx->req;
    int64_t vid = 0, sid = 0;
    const char *vs = mg_http_form(r, "vehicle_id"), *ss = mg_http_form(r, "stop_id");
    if (vs && *vs && mg_parse_id(vs, INT64_MAX, &vid, NULL) != 0)
        mg_round_errors_add(&errs, "vehicle_id", "« Véhicule » : choisissez un véhicule du "
                                                 "service.");
    if (ss && *ss && mg_parse_id(ss, INT64_MAX, &sid, NULL) != 0)
        mg_round_errors_add(&errs, "stop_id", "« Arrêt » : choisissez un arrêt du service.");
    const char *on = mg_http_form(r, "on_date");
    mg_date day;
    char iso[11] = "";
    if (!on || mg_parse_date(on, &day, NULL) != 0)
        mg_round_errors_add(&errs, "on_date", "« Date » : une date au format AAAA-MM-JJ.");
    else
        snprintf(iso, sizeof iso, "%04d-%02d-%02d", day.year, day.month, day.day);
    int64_t id = 0;
    int rc = errs.n ? MG_EINVAL
                    : mg_round_cancellation_add(ctx->app->db, ctx->actor->account_id, s.svc.id,
                                                iso, vid, sid, mg_http_form(r, "reason"), &id,
                                                &errs, &d);
    return web_rounds_after_write(ctx, &s, rc, &d, "annulation", &errs, "on_date",
                                  "annulations");
}

static int cancel_delete(web_ctx *ctx)
{
    web_rounds_svc s;
    if (!web_rounds_load(ctx, MG_AUTH_EDIT, &s))
        return MG_OK;
    mg_diag d = {{0}};
    int64_t cid = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "cid"), INT64_MAX, &cid, NULL) != 0) {
        mg_http_error(ctx->req, ctx->res, 404, "Cette annulation n'existe pas.");
        return MG_OK;
    }
    /* Only one of this service's: looked for among them. */
    mg_round_cancellation *v = NULL;
    size_t n = 0;
    int rc = mg_round_cancellation_list(ctx->app->db, s.svc.id, NULL, NULL, &v, &n, &d);
    bool found = false;
    for (size_t k = 0; rc == 0 && k < n; k++)
        found = found || v[k].id == cid;
    free(v);
    if (rc == 0 && !found)
        rc = MG_ENOTFOUND;
    if (rc == 0)
        rc = mg_round_cancellation_delete(ctx->app->db, ctx->actor->account_id, cid, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, "Cette annulation n'existe pas.",
                          WEB_ROUNDS_SAVE_FAILED);
        return MG_OK;
    }
    char to[160];
    snprintf(to, sizeof to, "%s#annulations", s.path);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

const web_route web_routes_rounds[] = {
    {"GET", "/tournees/services", services_page, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services", service_create, WEB_ACCOUNT, 0},
    {"GET", "/tournees/services/{id}", service_page, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}", service_update, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/supprimer", service_delete, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/vehicules", vehicle_add, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/vehicules/{vid}", vehicle_update, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/arrets", stop_add, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/arrets/chefs-lieux", stops_chefs_lieux, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/arrets/fichier", stops_file, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/arrets/annuaire", stops_directory, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/publication", publish_post, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/publication/retrait", unpublish_post, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/annulations", cancel_post, WEB_ACCOUNT, 0},
    {"POST", "/tournees/services/{id}/annulations/{cid}/supprimer", cancel_delete, WEB_ACCOUNT,
     0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
