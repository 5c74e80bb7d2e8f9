/*
 * An owner's equipment network (issue 17; docs/booking-network.md), for a
 * Département that runs telehealth cabins and carts:
 *   GET  /equipements/reseau/{org}                        sites, devices, teleconsultants, forms
 *   POST /equipements/reseau/{org}/sites                  register a directory structure as a site
 *   POST /equipements/reseau/{org}/appareils              add a device to a site of the network
 *   POST /equipements/reseau/{org}/appareils/{id}         change a device
 *   POST /equipements/reseau/{org}/teleconsultants        register a teleconsultant
 *   POST /equipements/reseau/{org}/teleconsultants/{id}   change a teleconsultant
 *   GET  /equipements/reseau/{org}/usage?de=&a=&par=      usage per site and device, charts
 *   GET  /equipements/reseau/{org}/usage.xlsx             the same as a workbook
 *   GET  /equipements/reseau/{org}/carte                  the sites over the access map, and
 *                                                         the under-served communes far from them
 *
 * Rights (auth/authz.c, MG_AUTH_OBJ_BOOKING_NETWORK with organisation_id
 * the owner): its administrators, managers, contributors and readers see
 * everything; its managers register and change (CREATE, EDIT). Anyone else
 * gets the 404 of a network that does not exist, decided before anything
 * is read. Pages call src/booking/ (setup.h, usage.h) and never run SQL.
 *
 * The forms are written by hand (checkboxes for instruments, kinds and
 * sites, which web_form does not draw), with web_form's look: a refused
 * form comes back, status 400, with what was typed, a summary (role
 * "alert") linking to each refused field and the sentence beside it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "booking/usage.h"
#include "directory/directory.h"
#include "map/map.h"
#include "parse/parse.h"
#include "web/app.h"
#include "web/booking_web.h"
#include "web/web.h"

static const char NETWORK_NOT_FOUND[] = "Ce réseau d'équipements n'existe pas.";
static const char DEVICE_NOT_FOUND[] = "Cet appareil n'existe pas.";
static const char TC_NOT_FOUND[] = "Ce téléconsultant n'existe pas.";
static const char READ_FAILED[] = "Le réseau d'équipements n'a pas pu être lu.";
static const char SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";
static const char EXPORT_FAILED[] = "L'export n'a pas pu être produit.";

/* The travel time beyond which a commune is far from the network. */
#define FAR_MINUTES 20.0
/* Structures offered in the site form, per category. */
#define STRUCTURE_CHOICES 100

/* The categories of directory structures that may host equipment. */
static const mg_dir_category host_categories[] = {
    MG_DIR_TOWN_HALL, MG_DIR_PHARMACY, MG_DIR_HEALTH_CENTRE, MG_DIR_CABIN,
    MG_DIR_CART,      MG_DIR_MEDICO_SOCIAL, MG_DIR_SOCIAL,
};
#define NHOST (sizeof host_categories / sizeof *host_categories)

/* --- The network ------------------------------------------------------------------------------ */

typedef struct network {
    mg_auth_org org;
    char path[64]; /* "/equipements/reseau/ID" */
} network;

static mg_auth_object network_object(int64_t org)
{
    return (mg_auth_object){.type = MG_AUTH_OBJ_BOOKING_NETWORK, .organisation_id = org};
}

/* Loads network {org} when the actor may `verb` it; false once answered
 * (404 for another organisation's, decided before reading). */
static bool network_load(web_ctx *ctx, mg_auth_verb verb, network *n)
{
    memset(n, 0, sizeof *n);
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "org"), INT64_MAX, &id, NULL) != 0) {
        mg_http_error(ctx->req, ctx->res, 404, NETWORK_NOT_FOUND);
        return false;
    }
    mg_auth_object o = network_object(id);
    if (!web_allow_as(ctx, verb, &o, NETWORK_NOT_FOUND))
        return false;
    mg_diag d = {{0}};
    int rc = mg_auth_org_get(ctx->app->db, id, &n->org, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NETWORK_NOT_FOUND, READ_FAILED);
        return false;
    }
    snprintf(n->path, sizeof n->path, "/equipements/reseau/%lld", (long long)id);
    return true;
}

static bool may_edit(const web_ctx *ctx, const network *n)
{
    mg_auth_object o = network_object(n->org.id);
    return web_can(ctx, MG_AUTH_EDIT, &o);
}

static void crumbs(mg_buf *b, const network *n, const char *here)
{
    mg_buf_puts(b, "<nav aria-label=\"Fil d'Ariane\" class=\"crumbs\"><a href=\"/equipements\">"
                   "Équipements de télésanté</a>");
    if (here) {
        mg_buf_puts(b, " › <a href=\"");
        mg_html_attr(b, n->path);
        mg_buf_puts(b, "\">Réseau de ");
        mg_html_text(b, n->org.name);
        mg_buf_puts(b, "</a>");
    }
    mg_buf_puts(b, "</nav>\n");
}

static void network_links(mg_buf *b, const network *n, const char *active)
{
    static const struct {
        const char *suffix, *key, *label;
    } links[] = {
        {"", "reseau", "Sites, appareils et téléconsultants"},
        {"/usage", "usage", "Utilisation"},
        {"/carte", "carte", "Carte et communes éloignées"},
    };
    mg_buf_puts(b, "<nav aria-label=\"Pages du réseau\"><ul class=\"tabs\">");
    for (size_t k = 0; k < sizeof links / sizeof *links; k++) {
        char href[96];
        snprintf(href, sizeof href, "%s%s", n->path, links[k].suffix);
        mg_buf_puts(b, "<li><a href=\"");
        mg_html_attr(b, href);
        mg_buf_puts(b, strcmp(active, links[k].key) == 0 ? "\" aria-current=\"page\">" : "\">");
        mg_html_text(b, links[k].label);
        mg_buf_puts(b, "</a></li>");
    }
    mg_buf_puts(b, "</ul></nav>\n");
}

/* --- Hand-written form pieces ----------------------------------------------------------------- */

/* What a form shows: what was typed (a refused form) or the stored
 * values; errs the refusal, NULL for a fresh form. */
typedef struct form_state {
    const mg_http_request *typed; /* the refused request, NULL otherwise */
    const mg_booking_errors *errs;
} form_state;

static const char *typed_or(const form_state *fs, const char *name, const char *stored)
{
    if (fs && fs->typed) {
        const char *v = mg_http_form(fs->typed, name);
        return v ? v : "";
    }
    return stored ? stored : "";
}

static bool checked_or(const form_state *fs, const char *name, bool stored)
{
    if (fs && fs->typed) {
        const char *v = mg_http_form(fs->typed, name);
        return v && *v;
    }
    return stored;
}

static const char *error_of(const form_state *fs, const char *field)
{
    return fs && fs->errs ? mg_booking_errors_for(fs->errs, field) : NULL;
}

static void put_id(mg_buf *b, const char *form, const char *name)
{
    mg_html_attr(b, form);
    mg_buf_puts(b, "-");
    mg_html_attr(b, name);
}

/* The summary of a refused form: each sentence linked to its field. */
static void error_summary(mg_buf *b, const char *form, const form_state *fs)
{
    if (!fs || !fs->errs || fs->errs->n == 0)
        return;
    mg_buf_puts(b, "<div class=\"error-summary\" role=\"alert\"><p>Le formulaire contient des "
                   "erreurs : corrigez les champs signalés.</p><ul>");
    for (size_t k = 0; k < fs->errs->n && k < MG_BOOKING_ERRORS_MAX; k++) {
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

static void text_field(mg_buf *b, const char *form, const char *name, const char *label,
                       const char *value, const char *hint, const char *error, bool required,
                       unsigned max)
{
    label_open(b, form, name, label, required);
    mg_buf_puts(b, "<input type=\"text\" id=\"");
    put_id(b, form, name);
    mg_buf_puts(b, "\" name=\"");
    mg_html_attr(b, name);
    mg_buf_printf(b, "\" maxlength=\"%u\" autocomplete=\"off\"", max);
    if (required)
        mg_buf_puts(b, " required");
    described_by(b, form, name, hint, error);
    mg_buf_puts(b, " value=\"");
    mg_html_attr(b, value ? value : "");
    mg_buf_puts(b, "\">");
    field_note(b, form, name, hint, error);
    mg_buf_puts(b, "</div>\n");
}

static void check_field(mg_buf *b, const char *form, const char *name, const char *label,
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

/* A group of checkboxes: <fieldset id="FORM-NAME"> with its legend and
 * the refusal of `name` under the legend. */
static void group_open(mg_buf *b, const char *form, const char *name, const char *legend,
                       const char *hint, const char *error)
{
    mg_buf_puts(b, "<fieldset id=\"");
    put_id(b, form, name);
    mg_buf_puts(b, "\" tabindex=\"-1\"");
    described_by(b, form, name, hint, error);
    mg_buf_puts(b, "><legend>");
    mg_html_text(b, legend);
    mg_buf_puts(b, "</legend>");
    field_note(b, form, name, hint, error);
    mg_buf_puts(b, "\n");
}

static void form_open(mg_buf *b, web_ctx *ctx, const char *action)
{
    mg_buf_puts(b, "<form class=\"stack\" method=\"post\" action=\"");
    mg_html_attr(b, action);
    mg_buf_puts(b, "\">\n");
    web_csrf_field(b, ctx);
}

static void form_close(mg_buf *b, const char *submit)
{
    mg_buf_puts(b, "<button type=\"submit\">");
    mg_html_text(b, submit);
    mg_buf_puts(b, "</button></form>\n");
}

/* A whole number of minutes typed in `field`: "" gives def; otherwise
 * 0..max or the field refused. */
static int minutes_of(const char *s, const char *field, const char *label, int def, int max,
                      mg_booking_errors *errs)
{
    if (!s || !*s)
        return def;
    int64_t v = 0;
    if (mg_parse_c_int(s, strlen(s), 0, max, &v, NULL) != 0) {
        mg_booking_errors_add(errs, field,
                              "« %s » : un nombre entier de minutes entre 0 et %d, par "
                              "exemple 20.",
                              label, max);
        return def;
    }
    return (int)v;
}

/* --- What the page reads ---------------------------------------------------------------------- */

typedef struct network_data {
    mg_booking_site *sites;
    size_t nsites;
    mg_booking_device *devices; /* of every site of the network */
    size_t ndevices;
    mg_booking_teleconsultant *tcs;
    size_t ntcs;
} network_data;

static void network_data_free(network_data *v)
{
    mg_booking_sites_free(v->sites, v->nsites);
    mg_booking_devices_free(v->devices, v->ndevices);
    mg_booking_teleconsultants_free(v->tcs, v->ntcs);
    memset(v, 0, sizeof *v);
}

/* The network's sites (active or not), their devices, its teleconsultants. */
static int network_data_read(mg_db *db, int64_t owner, network_data *v, mg_diag *d)
{
    memset(v, 0, sizeof *v);
    int rc = mg_booking_site_list(db, owner, false, &v->sites, &v->nsites, d);
    for (size_t k = 0; rc == 0 && k < v->nsites; k++) {
        mg_booking_device *dv = NULL;
        size_t nd = 0;
        rc = mg_booking_device_list(db, v->sites[k].site_id, &dv, &nd, d);
        if (rc == 0 && nd) {
            mg_booking_device *grown = realloc(v->devices, (v->ndevices + nd) * sizeof *grown);
            if (!grown) {
                mg_booking_devices_free(dv, nd);
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            v->devices = grown;
            memcpy(v->devices + v->ndevices, dv, nd * sizeof *dv);
            v->ndevices += nd;
            free(dv); /* the strings moved into v->devices */
        } else {
            mg_booking_devices_free(dv, nd);
        }
    }
    if (rc == 0)
        rc = mg_booking_teleconsultant_list(db, 0, owner, 0, &v->tcs, &v->ntcs, d);
    if (rc)
        network_data_free(v);
    return rc;
}

static const mg_booking_site *site_of(const network_data *v, int64_t id)
{
    for (size_t k = 0; k < v->nsites; k++)
        if (v->sites[k].site_id == id)
            return &v->sites[k];
    return NULL;
}

/* "stethoscope,otoscope" as "stéthoscope, otoscope". */
static void instruments_text(mg_buf *b, const char *codes)
{
    if (!codes || !*codes) {
        mg_buf_puts(b, "aucun");
        return;
    }
    const char *s = codes;
    bool first = true;
    while (*s) {
        size_t len = strcspn(s, ",");
        char code[64];
        snprintf(code, sizeof code, "%.*s", (int)(len < 63 ? len : 63), s);
        const char *label = mg_booking_instrument_label(code);
        if (!first)
            mg_buf_puts(b, ", ");
        mg_html_text(b, label ? label : code);
        first = false;
        s += len;
        if (*s == ',')
            s++;
    }
}

/* Whether code is in the comma-separated list. */
static bool has_code(const char *list, const char *code)
{
    size_t n = strlen(code);
    for (const char *s = list; s && *s;) {
        size_t len = strcspn(s, ",");
        if (len == n && strncmp(s, code, n) == 0)
            return true;
        s += len;
        if (*s == ',')
            s++;
    }
    return false;
}

/* --- The site form ---------------------------------------------------------------------------- */

/* The structures offered: those matching the page's search (?structure=
 * words, ?categorie= key) among the host categories, per category. */
typedef struct structure_choices {
    mg_dir_set set[NHOST];
    bool used[NHOST];
} structure_choices;

static void structure_choices_free(structure_choices *c)
{
    for (size_t k = 0; k < NHOST; k++)
        if (c->used[k])
            mg_dir_set_free(&c->set[k]);
}

static int structure_choices_read(web_ctx *ctx, structure_choices *c, mg_diag *d)
{
    memset(c, 0, sizeof *c);
    const char *words = mg_http_query(ctx->req, "structure");
    const char *cat = mg_http_query(ctx->req, "categorie");
    mg_dir_category only = MG_DIR_CATEGORY_COUNT;
    if (cat && *cat && mg_dir_category_parse(cat, &only) != 0)
        only = MG_DIR_CATEGORY_COUNT;
    for (size_t k = 0; k < NHOST; k++) {
        if (only != MG_DIR_CATEGORY_COUNT && only != host_categories[k])
            continue;
        mg_dir_set_init(&c->set[k]);
        c->used[k] = true;
        mg_dir_query q = {.text = words && *words ? words : NULL,
                          .category = (int)host_categories[k],
                          .limit = STRUCTURE_CHOICES};
        size_t total = 0;
        int rc = mg_dir_search(ctx->app->db, &q, &c->set[k], &total, d);
        if (rc)
            return rc;
    }
    return 0;
}

static void site_form(mg_buf *b, web_ctx *ctx, const network *n, const structure_choices *c,
                      const form_state *fs)
{
    const char *F = "site";
    mg_buf_puts(b, "<section aria-labelledby=\"nouveau-site\"><h3 id=\"nouveau-site\">Inscrire "
                   "une structure comme site</h3>\n<p>Un site est une structure de l'annuaire "
                   "(mairie, pharmacie, centre de santé, établissement médico-social…) qui "
                   "accueille un appareil. Cherchez-la d'abord si elle n'est pas dans la "
                   "liste.</p>\n<form class=\"choice\" method=\"get\" action=\"");
    mg_html_attr(b, n->path);
    mg_buf_puts(b, "#nouveau-site\"><label for=\"recherche-structure\">Nom de la structure</label> "
                   "<input type=\"search\" id=\"recherche-structure\" name=\"structure\" "
                   "maxlength=\"200\" value=\"");
    const char *words = mg_http_query(ctx->req, "structure");
    mg_html_attr(b, words ? words : "");
    mg_buf_puts(b, "\"> <label for=\"recherche-categorie\">Catégorie</label> <select "
                   "id=\"recherche-categorie\" name=\"categorie\">");
    const char *cat = mg_http_query(ctx->req, "categorie");
    mg_html_option(b, "", "Toutes", !cat || !*cat);
    for (size_t k = 0; k < NHOST; k++) {
        const char *key = mg_dir_category_key(host_categories[k]);
        mg_html_option(b, key, mg_dir_category_label(host_categories[k]),
                       cat && strcmp(cat, key) == 0);
    }
    mg_buf_puts(b, "</select> <button type=\"submit\">Chercher</button></form>\n");

    error_summary(b, F, fs);
    char action[96];
    snprintf(action, sizeof action, "%s/sites", n->path);
    form_open(b, ctx, action);
    const char *chosen = typed_or(fs, "site_id", "");
    const char *err = error_of(fs, "site_id");
    const char *hint = "Les structures de l'annuaire qui peuvent accueillir un appareil, par "
                       "catégorie (les 100 premières par nom de chaque catégorie).";
    label_open(b, F, "site_id", "Structure", true);
    mg_buf_puts(b, "<select id=\"site-site_id\" name=\"site_id\" required");
    described_by(b, F, "site_id", hint, err);
    mg_buf_puts(b, ">");
    mg_html_option(b, "", "— Choisir —", !*chosen);
    bool shown = !*chosen;
    for (size_t k = 0; k < NHOST; k++) {
        if (!c->used[k] || c->set[k].nstructures == 0)
            continue;
        mg_buf_puts(b, "<optgroup label=\"");
        mg_html_attr(b, mg_dir_category_label(host_categories[k]));
        mg_buf_puts(b, "\">");
        for (size_t j = 0; j < c->set[k].nstructures; j++) {
            const mg_dir_structure *s = &c->set[k].structures[j];
            char id[24], label[700];
            snprintf(id, sizeof id, "%lld", (long long)s->id);
            snprintf(label, sizeof label, "%s — %s", s->name,
                     s->commune_name && *s->commune_name ? s->commune_name : "commune inconnue");
            bool sel = strcmp(chosen, id) == 0;
            shown = shown || sel;
            mg_html_option(b, id, label, sel);
        }
        mg_buf_puts(b, "</optgroup>");
    }
    if (!shown) { /* what was sent, kept so that it can be seen and changed */
        char label[64];
        snprintf(label, sizeof label, "Structure n° %.24s", chosen);
        mg_html_option(b, chosen, label, true);
    }
    mg_buf_puts(b, "</select>");
    field_note(b, F, "site_id", hint, err);
    mg_buf_puts(b, "</div>\n");

    const char *ask = typed_or(fs, "ask", "initials");
    err = error_of(fs, "ask");
    label_open(b, F, "ask", "Ce que le site demande à la personne", false);
    mg_buf_puts(b, "<select id=\"site-ask\" name=\"ask\"");
    described_by(b, F, "ask", NULL, err);
    mg_buf_puts(b, ">");
    mg_html_option(b, "initials", "Ses initiales", strcmp(ask, "name") != 0);
    mg_html_option(b, "name", "Son nom", strcmp(ask, "name") == 0);
    mg_buf_puts(b, "</select>");
    field_note(b, F, "ask", NULL, err);
    mg_buf_puts(b, "</div>\n");
    check_field(b, F, "share_phone",
                "Les téléconsultants voient le numéro de téléphone de la personne",
                checked_or(fs, "share_phone", false));
    form_close(b, "Inscrire le site");
    mg_buf_puts(b, "</section>\n");
}

/* The settings of a registered site, filled with what is stored (or, refused,
 * with what was typed): what it asks, the phone shared, in service. The
 * hidden "reglages" tells site_post that every setting was shown. */
static void site_settings_form(mg_buf *b, web_ctx *ctx, const network *n,
                               const mg_booking_site *s, const form_state *fs)
{
    char F[40], id[24], action[96];
    snprintf(F, sizeof F, "site-%lld", (long long)s->site_id);
    snprintf(id, sizeof id, "%lld", (long long)s->site_id);
    snprintf(action, sizeof action, "%s/sites", n->path);
    error_summary(b, F, fs);
    form_open(b, ctx, action);
    mg_html_hidden(b, "site_id", id);
    mg_html_hidden(b, "reglages", "1");
    const char *ask = typed_or(fs, "ask", s->ask == MG_BOOKING_ASK_NAME ? "name" : "initials");
    const char *err = error_of(fs, "ask");
    label_open(b, F, "ask", "Ce que le site demande à la personne", false);
    mg_buf_puts(b, "<select id=\"");
    put_id(b, F, "ask");
    mg_buf_puts(b, "\" name=\"ask\"");
    described_by(b, F, "ask", NULL, err);
    mg_buf_puts(b, ">");
    mg_html_option(b, "initials", "Ses initiales", strcmp(ask, "name") != 0);
    mg_html_option(b, "name", "Son nom", strcmp(ask, "name") == 0);
    mg_buf_puts(b, "</select>");
    field_note(b, F, "ask", NULL, err);
    mg_buf_puts(b, "</div>\n");
    check_field(b, F, "share_phone",
                "Les téléconsultants voient le numéro de téléphone de la personne",
                checked_or(fs, "share_phone", s->share_phone));
    check_field(b, F, "active", "En service (ses créneaux sont proposés)",
                checked_or(fs, "active", s->active));
    form_close(b, "Enregistrer les réglages");
}

/* --- The device form -------------------------------------------------------------------------- */

static void device_form(mg_buf *b, web_ctx *ctx, const network *n, const network_data *v,
                        const mg_booking_device *dv, const form_state *fs)
{
    char F[32], action[128];
    if (dv) {
        snprintf(F, sizeof F, "appareil-%lld", (long long)dv->id);
        snprintf(action, sizeof action, "%s/appareils/%lld", n->path, (long long)dv->id);
    } else {
        snprintf(F, sizeof F, "appareil");
        snprintf(action, sizeof action, "%s/appareils", n->path);
    }
    error_summary(b, F, fs);
    form_open(b, ctx, action);
    const char *err;
    if (!dv) {
        const char *chosen = typed_or(fs, "site_id", "");
        err = error_of(fs, "site_id");
        label_open(b, F, "site_id", "Site", true);
        mg_buf_puts(b, "<select id=\"");
        put_id(b, F, "site_id");
        mg_buf_puts(b, "\" name=\"site_id\" required");
        described_by(b, F, "site_id", NULL, err);
        mg_buf_puts(b, ">");
        mg_html_option(b, "", "— Choisir —", !*chosen);
        for (size_t k = 0; k < v->nsites; k++) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)v->sites[k].site_id);
            mg_html_option(b, id, v->sites[k].name, strcmp(chosen, id) == 0);
        }
        mg_buf_puts(b, "</select>");
        field_note(b, F, "site_id", NULL, err);
        mg_buf_puts(b, "</div>\n");
    }
    const char *kind = typed_or(fs, "kind", dv ? mg_booking_device_kind_key(dv->kind) : "cabin");
    err = error_of(fs, "kind");
    label_open(b, F, "kind", "Type", true);
    mg_buf_puts(b, "<select id=\"");
    put_id(b, F, "kind");
    mg_buf_puts(b, "\" name=\"kind\"");
    described_by(b, F, "kind", NULL, err);
    mg_buf_puts(b, ">");
    for (int k = 0; k < MG_BOOKING_DEVICE_KINDS; k++) {
        const char *key = mg_booking_device_kind_key((mg_booking_device_kind)k);
        mg_html_option(b, key, mg_booking_device_kind_label((mg_booking_device_kind)k),
                       strcmp(kind, key) == 0);
    }
    mg_buf_puts(b, "</select>");
    field_note(b, F, "kind", NULL, err);
    mg_buf_puts(b, "</div>\n");
    text_field(b, F, "name", "Nom", typed_or(fs, "name", dv ? dv->name : ""),
               "Par exemple « Cabine de la mairie ».", error_of(fs, "name"), true,
               MG_BOOKING_LABEL_MAX_CHARS);

    group_open(b, F, "instruments", "Instruments", NULL, error_of(fs, "instruments"));
    size_t ni = 0;
    const char *const *codes = mg_booking_instruments(&ni);
    for (size_t k = 0; k < ni; k++) {
        char name[80];
        snprintf(name, sizeof name, "instrument_%s", codes[k]);
        const char *label = mg_booking_instrument_label(codes[k]);
        check_field(b, F, name, label ? label : codes[k],
                    checked_or(fs, name, dv && has_code(dv->instruments, codes[k])));
    }
    mg_buf_puts(b, "</fieldset>\n");

    text_field(b, F, "opening_hours", "Heures d'ouverture de l'appareil",
               typed_or(fs, "opening_hours", dv && dv->opening_hours ? dv->opening_hours : ""),
               "Syntaxe opening_hours, par exemple « Mo-Fr 09:00-12:00 ». Vide : les heures "
               "du site.",
               error_of(fs, "opening_hours"), false, 2000);
    check_field(b, F, "assisted",
                "Téléconsultation assistée (un assistant présent est une condition du créneau)",
                checked_or(fs, "assisted", dv && dv->assisted));
    char step[16] = "";
    if (dv && dv->step_min > 0)
        snprintf(step, sizeof step, "%d", dv->step_min);
    text_field(b, F, "step_min", "Pas des créneaux (minutes)", typed_or(fs, "step_min", step),
               "Tous les combien de minutes un créneau commence. Vide : la durée de la "
               "consultation.",
               error_of(fs, "step_min"), false, 4);
    if (dv)
        check_field(b, F, "active", "En service", checked_or(fs, "active", dv->active));
    form_close(b, dv ? "Enregistrer l'appareil" : "Ajouter l'appareil");
}

/* --- The teleconsultant form ------------------------------------------------------------------ */

/*
 * The sites a teleconsultant serves are checkboxes, one form parameter
 * each, and the HTTP layer takes MG_HTTP_MAX_PARAMS (64) parameters a
 * request, repeated names included. So a form shows the network's sites in
 * runs of SITES_PER_FORM by id (its hidden "sites_de" and "sites_a" bound
 * the run): tc_write changes the sites of that run only and keeps the
 * others. The teleconsultant's form holds the first run; each further run
 * has a form of its own ("sites_seuls": the sites only). A request without
 * the bounds covers every site (the form of a network of SITES_PER_FORM
 * sites or fewer says them anyway).
 */
enum { SITES_PER_FORM = 40 };

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The bounds of run `run` of the network's sites (false past the last). */
static bool site_run(const network_data *v, size_t run, int64_t *de, int64_t *a)
{
    size_t lo = run * SITES_PER_FORM;
    if (lo >= v->nsites)
        return false;
    int64_t *ids = malloc(v->nsites * sizeof *ids);
    if (!ids)
        return false;
    for (size_t k = 0; k < v->nsites; k++)
        ids[k] = v->sites[k].site_id;
    qsort(ids, v->nsites, sizeof *ids, cmp_id);
    size_t hi = lo + SITES_PER_FORM < v->nsites ? lo + SITES_PER_FORM : v->nsites;
    *de = ids[lo];
    *a = ids[hi - 1];
    free(ids);
    return true;
}

/* The typed state of a refused form when it was the form of run `de` (a
 * refused teleconsultant form, a refused run: the others show what is
 * stored). */
static const form_state *run_state(const form_state *fs, int64_t de)
{
    if (!fs || !fs->typed)
        return fs;
    int64_t typed = 0;
    const char *s = mg_http_form(fs->typed, "sites_de");
    if (s && mg_parse_id(s, INT64_MAX, &typed, NULL) == 0 && typed == de)
        return fs;
    return NULL;
}

/* The checkboxes of run `run` of the sites, with its bounds. */
static void sites_group(mg_buf *b, const char *F, const network_data *v, size_t run,
                        const mg_booking_teleconsultant *t, const form_state *fs)
{
    int64_t de = 0, a = 0;
    if (!site_run(v, run, &de, &a)) {
        group_open(b, F, "sites", "Sites servis", "Aucun site inscrit.", error_of(fs, "sites"));
        mg_buf_puts(b, "</fieldset>\n");
        return;
    }
    fs = run_state(fs, de);
    char num[24], legend[96];
    snprintf(num, sizeof num, "%lld", (long long)de);
    mg_html_hidden(b, "sites_de", num);
    snprintf(num, sizeof num, "%lld", (long long)a);
    mg_html_hidden(b, "sites_a", num);
    size_t lo = run * SITES_PER_FORM, hi = lo + SITES_PER_FORM;
    if (v->nsites <= SITES_PER_FORM)
        snprintf(legend, sizeof legend, "Sites servis");
    else
        snprintf(legend, sizeof legend, "Sites servis (%zu à %zu sur %zu)", lo + 1,
                 hi < v->nsites ? hi : v->nsites, v->nsites);
    group_open(b, F, "sites", legend, NULL, error_of(fs, "sites"));
    for (size_t k = 0; k < v->nsites; k++) {
        int64_t id = v->sites[k].site_id;
        if (id < de || id > a)
            continue;
        char name[48];
        snprintf(name, sizeof name, "site_%lld", (long long)id);
        bool has = false;
        for (size_t j = 0; t && j < t->nsites; j++)
            has = has || t->site_ids[j] == id;
        check_field(b, F, name, v->sites[k].name, checked_or(fs, name, has));
    }
    mg_buf_puts(b, "</fieldset>\n");
}

/* The forms of the runs of sites after the first, for teleconsultant t. */
static void tc_site_forms(mg_buf *b, web_ctx *ctx, const network *n, const network_data *v,
                          const mg_booking_teleconsultant *t, const form_state *fs)
{
    int64_t de = 0, a = 0;
    for (size_t run = 1; site_run(v, run, &de, &a); run++) {
        char F[48], action[128];
        snprintf(F, sizeof F, "tc-%lld-sites-%zu", (long long)t->id, run + 1);
        snprintf(action, sizeof action, "%s/teleconsultants/%lld", n->path, (long long)t->id);
        error_summary(b, F, run_state(fs, de));
        form_open(b, ctx, action);
        mg_html_hidden(b, "sites_seuls", "1");
        sites_group(b, F, v, run, t, fs);
        form_close(b, "Enregistrer ces sites");
    }
}

static void tc_form(mg_buf *b, web_ctx *ctx, const network *n, const network_data *v,
                    const mg_booking_teleconsultant *t, const mg_auth_org *orgs, size_t norgs,
                    const form_state *fs)
{
    char F[32], action[128];
    if (t) {
        snprintf(F, sizeof F, "tc-%lld", (long long)t->id);
        snprintf(action, sizeof action, "%s/teleconsultants/%lld", n->path, (long long)t->id);
    } else {
        snprintf(F, sizeof F, "tc");
        snprintf(action, sizeof action, "%s/teleconsultants", n->path);
    }
    if (fs && fs->typed && mg_http_form(fs->typed, "sites_seuls"))
        fs = NULL; /* a form of other sites was refused, not this one */
    error_summary(b, F, fs);
    form_open(b, ctx, action);
    const char *err;
    if (!t) {
        const char *chosen = typed_or(fs, "organisation_id", "");
        err = error_of(fs, "organisation_id");
        const char *hint = "Le médecin ou l'organisation de médecins, inscrit sur la plateforme.";
        label_open(b, F, "organisation_id", "Organisation", true);
        mg_buf_puts(b, "<select id=\"");
        put_id(b, F, "organisation_id");
        mg_buf_puts(b, "\" name=\"organisation_id\" required");
        described_by(b, F, "organisation_id", hint, err);
        mg_buf_puts(b, ">");
        mg_html_option(b, "", "— Choisir —", !*chosen);
        bool shown = !*chosen;
        for (size_t k = 0; k < norgs; k++) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)orgs[k].id);
            shown = shown || strcmp(chosen, id) == 0;
            mg_html_option(b, id, orgs[k].name, strcmp(chosen, id) == 0);
        }
        if (!shown) {
            char label[64];
            snprintf(label, sizeof label, "Organisation n° %.24s", chosen);
            mg_html_option(b, chosen, label, true);
        }
        mg_buf_puts(b, "</select>");
        field_note(b, F, "organisation_id", hint, err);
        mg_buf_puts(b, "</div>\n");
    }
    text_field(b, F, "label", "Libellé", typed_or(fs, "label", t ? t->label : ""),
               "Par exemple « Médecin généraliste, centre de téléconsultation ».",
               error_of(fs, "label"), true, MG_BOOKING_LABEL_MAX_CHARS);
    text_field(b, F, "availability", "Disponibilités de la semaine",
               typed_or(fs, "availability", t && t->availability ? t->availability : ""),
               "Syntaxe opening_hours, par exemple « Mo,We 14:00-18:00 ».",
               error_of(fs, "availability"), true, 2000);

    group_open(b, F, "kinds", "Consultations proposées et durées", NULL, error_of(fs, "kinds"));
    for (int k = 0; k < MG_BOOKING_KINDS; k++) {
        const char *key = mg_booking_kind_key((mg_booking_kind)k);
        char name[48], dname[48], dur[16] = "";
        snprintf(name, sizeof name, "kind_%s", key);
        snprintf(dname, sizeof dname, "duration_%s", key);
        bool has = false;
        for (size_t j = 0; t && j < t->nkinds; j++)
            if (t->kinds[j].kind == (mg_booking_kind)k) {
                has = true;
                snprintf(dur, sizeof dur, "%d", t->kinds[j].duration_min);
            }
        check_field(b, F, name, mg_booking_kind_label((mg_booking_kind)k),
                    checked_or(fs, name, has));
        char label[128];
        snprintf(label, sizeof label, "Durée (minutes) : %s",
                 mg_booking_kind_label((mg_booking_kind)k));
        text_field(b, F, dname, label, typed_or(fs, dname, dur), NULL, error_of(fs, dname),
                   false, 4);
    }
    mg_buf_puts(b, "</fieldset>\n");

    sites_group(b, F, v, 0, t, fs);
    if (!t && v->nsites > SITES_PER_FORM)
        mg_buf_puts(b, "<p class=\"note\">Les sites suivants se cochent une fois le "
                       "téléconsultant inscrit, sous « Modifier ».</p>\n");
    if (t)
        check_field(b, F, "active", "En activité", checked_or(fs, "active", t->active));
    form_close(b, t ? "Enregistrer le téléconsultant" : "Inscrire le téléconsultant");
}

/* --- The network's page ----------------------------------------------------------------------- */

/* Which form of the page was refused, and its state. */
typedef struct page_refusal {
    const char *form;   /* "site", "appareil", "tc"; NULL: none */
    int64_t id;         /* the device or teleconsultant changed; 0: a new one */
    form_state fs;
} page_refusal;

static const form_state *state_for(const page_refusal *r, const char *form, int64_t id)
{
    return r && r->form && strcmp(r->form, form) == 0 && r->id == id ? &r->fs : NULL;
}

static void sites_section(mg_buf *b, const network_data *v)
{
    mg_buf_puts(b, "<section aria-labelledby=\"sites\"><h2 id=\"sites\">Sites et appareils</h2>\n");
    if (v->nsites == 0) {
        mg_buf_puts(b, "<p>Aucun site n'est encore inscrit dans ce réseau.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Sites du réseau et leurs "
                       "appareils</caption><thead><tr><th scope=\"col\">Site</th>"
                       "<th scope=\"col\">Commune</th><th scope=\"col\">Appareil</th>"
                       "<th scope=\"col\">Type</th><th scope=\"col\">Instruments</th>"
                       "<th scope=\"col\">Heures d'ouverture</th><th scope=\"col\">Assistée"
                       "</th><th scope=\"col\">État</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < v->nsites; k++) {
            const mg_booking_site *s = &v->sites[k];
            size_t nd = 0;
            for (size_t j = 0; j < v->ndevices; j++)
                nd += v->devices[j].site_id == s->site_id;
            bool first = true;
            for (size_t j = 0; j < v->ndevices || first; j++) {
                const mg_booking_device *dv = j < v->ndevices ? &v->devices[j] : NULL;
                if (dv && dv->site_id != s->site_id)
                    continue;
                mg_buf_puts(b, "<tr>");
                if (first) {
                    mg_buf_printf(b, "<th scope=\"row\" rowspan=\"%zu\">", nd ? nd : 1);
                    mg_html_link_id(b, "/equipements/sites/", s->site_id, NULL);
                    mg_html_text(b, s->name);
                    mg_buf_puts(b, "</a>");
                    if (!s->active)
                        mg_buf_puts(b, " (inactif)");
                    mg_buf_puts(b, "<br><span class=\"note\">Demande ");
                    mg_html_text(b, s->ask == MG_BOOKING_ASK_NAME ? "le nom" : "les initiales");
                    mg_buf_puts(b, s->share_phone ? " ; téléphone transmis aux téléconsultants"
                                                  : " ; téléphone non transmis");
                    mg_buf_printf(b, "</span></th><td rowspan=\"%zu\">", nd ? nd : 1);
                    mg_html_text(b, s->commune_name[0] ? s->commune_name : "—");
                    mg_buf_puts(b, "</td>");
                }
                if (!dv) {
                    mg_buf_puts(b, "<td colspan=\"6\">Aucun appareil.</td></tr>\n");
                    break;
                }
                first = false;
                mg_buf_puts(b, "<td>");
                mg_html_text(b, dv->name);
                mg_buf_puts(b, "</td><td>");
                mg_html_text(b, mg_booking_device_kind_label(dv->kind));
                mg_buf_puts(b, "</td><td>");
                instruments_text(b, dv->instruments);
                mg_buf_puts(b, "</td><td>");
                if (dv->opening_hours && *dv->opening_hours) {
                    mg_buf_puts(b, "<code>");
                    mg_html_text(b, dv->opening_hours);
                    mg_buf_puts(b, "</code>");
                } else {
                    mg_buf_puts(b, "Celles du site");
                    if (s->opening_hours && *s->opening_hours) {
                        mg_buf_puts(b, " : <code>");
                        mg_html_text(b, s->opening_hours);
                        mg_buf_puts(b, "</code>");
                    } else {
                        mg_buf_puts(b, " (aucune : jamais ouvert)");
                    }
                }
                mg_buf_puts(b, "</td><td>");
                mg_html_text(b, dv->assisted ? "oui" : "non");
                mg_buf_puts(b, "</td><td>");
                mg_html_text(b, dv->active ? "en service" : "hors service");
                mg_buf_puts(b, "</td></tr>\n");
            }
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
}

static void tcs_section(mg_buf *b, const network_data *v)
{
    mg_buf_puts(b, "<section aria-labelledby=\"teleconsultants\"><h2 id=\"teleconsultants\">"
                   "Téléconsultants</h2>\n");
    if (v->ntcs == 0) {
        mg_buf_puts(b, "<p>Aucun téléconsultant n'est encore inscrit dans ce réseau.</p>\n");
        return;
    }
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Téléconsultants du réseau</caption>"
                   "<thead><tr><th scope=\"col\">Téléconsultant</th><th scope=\"col\">"
                   "Organisation</th><th scope=\"col\">Consultations et durées</th>"
                   "<th scope=\"col\">Disponibilités</th><th scope=\"col\">Sites servis</th>"
                   "<th scope=\"col\">État</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < v->ntcs; k++) {
        const mg_booking_teleconsultant *t = &v->tcs[k];
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, t->label);
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, t->org_name);
        mg_buf_puts(b, "</td><td><ul class=\"plain\">");
        for (size_t j = 0; j < t->nkinds; j++) {
            mg_buf_puts(b, "<li>");
            mg_html_text(b, mg_booking_kind_label(t->kinds[j].kind));
            mg_buf_printf(b, " : %d min</li>", t->kinds[j].duration_min);
        }
        mg_buf_puts(b, "</ul></td><td><code>");
        mg_html_text(b, t->availability ? t->availability : "");
        mg_buf_puts(b, "</code></td><td>");
        for (size_t j = 0; j < t->nsites; j++) {
            const mg_booking_site *s = site_of(v, t->site_ids[j]);
            if (j)
                mg_buf_puts(b, ", ");
            if (s)
                mg_html_text(b, s->name);
            else
                mg_buf_printf(b, "site n° %lld", (long long)t->site_ids[j]);
        }
        if (t->nsites == 0)
            mg_buf_puts(b, "aucun");
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, t->active ? "en activité" : "inactif");
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n");
}

static int network_page_draw(web_ctx *ctx, const network *n, const page_refusal *refusal)
{
    network_data v;
    structure_choices sc;
    mg_auth_org *orgs = NULL;
    size_t norgs = 0;
    mg_diag d = {{0}};
    bool edit = may_edit(ctx, n);
    memset(&sc, 0, sizeof sc);
    int rc = network_data_read(ctx->app->db, n->org.id, &v, &d);
    if (rc == 0 && edit)
        rc = structure_choices_read(ctx, &sc, &d);
    if (rc == 0 && edit)
        rc = mg_auth_org_list(ctx->app->db, false, 0, 1000, &orgs, &norgs, NULL, &d);
    if (rc) {
        if (refusal) /* the refusal's 400 would be lost: the failure is told instead */
            ctx->res->status = 200;
        network_data_free(&v);
        structure_choices_free(&sc);
        free(orgs);
        web_storage_error(ctx->req, ctx->res, rc, &d, NETWORK_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    char title[sizeof n->org.name + 64];
    snprintf(title, sizeof title, "Réseau d'équipements de télésanté — %s", n->org.name);
    web_page_begin(b, ctx, title, "equipements");
    crumbs(b, n, NULL);
    mg_buf_puts(b, "<h1>Réseau d'équipements de télésanté de ");
    mg_html_text(b, n->org.name);
    mg_buf_puts(b, "</h1>\n");
    network_links(b, n, "reseau");
    mg_buf_printf(b, "<p>%zu %s, %zu %s, %zu %s.</p>\n", v.nsites, /* lint-ok: literals of the program */
                  v.nsites > 1 ? "sites" : "site", v.ndevices,
                  v.ndevices > 1 ? "appareils" : "appareil", v.ntcs,
                  v.ntcs > 1 ? "téléconsultants" : "téléconsultant");
    sites_section(b, &v);
    /* ?deja=ID: a registration of a site already registered, sent to its
     * settings (site_post). */
    int64_t already = 0;
    const char *deja = mg_http_query(ctx->req, "deja");
    if (!deja || mg_parse_id(deja, INT64_MAX, &already, NULL) != 0)
        already = 0;
    if (edit) {
        site_form(b, ctx, n, &sc, state_for(refusal, "site", 0));
        mg_buf_puts(b, "<section aria-labelledby=\"nouvel-appareil\"><h3 id=\"nouvel-appareil\">"
                       "Ajouter un appareil</h3>\n");
        if (v.nsites == 0)
            mg_buf_puts(b, "<p>Inscrivez d'abord un site.</p>\n");
        else
            device_form(b, ctx, n, &v, NULL, state_for(refusal, "appareil", 0));
        mg_buf_puts(b, "</section>\n");
        if (v.ndevices) {
            mg_buf_puts(b, "<section aria-labelledby=\"modifier-appareils\"><h3 "
                           "id=\"modifier-appareils\">Modifier un appareil</h3>\n");
            for (size_t k = 0; k < v.ndevices; k++) {
                const form_state *fs = state_for(refusal, "appareil", v.devices[k].id);
                mg_buf_puts(b, fs ? "<details open><summary>" : "<details><summary>");
                mg_html_text(b, v.devices[k].name);
                const mg_booking_site *s = site_of(&v, v.devices[k].site_id);
                if (s) {
                    mg_buf_puts(b, " — ");
                    mg_html_text(b, s->name);
                }
                mg_buf_puts(b, "</summary>\n");
                device_form(b, ctx, n, &v, &v.devices[k], fs);
                mg_buf_puts(b, "</details>\n");
            }
            mg_buf_puts(b, "</section>\n");
        }
        if (v.nsites) {
            mg_buf_puts(b, "<section aria-labelledby=\"modifier-sites\"><h3 "
                           "id=\"modifier-sites\">Modifier un site</h3>\n");
            for (size_t k = 0; k < v.nsites; k++) {
                const form_state *fs = state_for(refusal, "site", v.sites[k].site_id);
                bool told = already == v.sites[k].site_id;
                mg_buf_printf(b, "<details id=\"reglages-%lld\"", (long long)v.sites[k].site_id);
                mg_buf_puts(b, fs || told ? " open><summary>" : "><summary>");
                mg_html_text(b, v.sites[k].name);
                mg_buf_puts(b, "</summary>\n");
                if (told)
                    mg_buf_puts(b, "<p class=\"notice\" role=\"status\">Cette structure est déjà "
                                   "un site du réseau : ses réglages n'ont pas changé. Modifiez-"
                                   "les ici.</p>\n");
                site_settings_form(b, ctx, n, &v.sites[k], fs);
                mg_buf_puts(b, "</details>\n");
            }
            mg_buf_puts(b, "</section>\n");
        }
    }
    mg_buf_puts(b, "</section>\n");
    tcs_section(b, &v);
    if (edit) {
        mg_buf_puts(b, "<section aria-labelledby=\"nouveau-tc\"><h3 id=\"nouveau-tc\">Inscrire "
                       "un téléconsultant</h3>\n");
        tc_form(b, ctx, n, &v, NULL, orgs, norgs, state_for(refusal, "tc", 0));
        mg_buf_puts(b, "</section>\n");
        for (size_t k = 0; k < v.ntcs; k++) {
            const form_state *fs = state_for(refusal, "tc", v.tcs[k].id);
            mg_buf_puts(b, fs ? "<details open><summary>Modifier " : "<details><summary>Modifier ");
            mg_html_text(b, v.tcs[k].label);
            mg_buf_puts(b, "</summary>\n");
            tc_form(b, ctx, n, &v, &v.tcs[k], orgs, norgs, fs);
            tc_site_forms(b, ctx, n, &v, &v.tcs[k], fs);
            mg_buf_puts(b, "</details>\n");
        }
    }
    mg_buf_puts(b, "</section>\n");
    network_data_free(&v);
    structure_choices_free(&sc);
    free(orgs);
    web_page_end(b);
    return web_done(ctx);
}

static int network_page(web_ctx *ctx)
{
    network n;
    if (!network_load(ctx, MG_AUTH_VIEW, &n))
        return MG_OK;
    return network_page_draw(ctx, &n, NULL);
}

/* After a write: back to the page's section, or the refused form again
 * (400) with what was typed. */
static int after_write(web_ctx *ctx, const network *n, int rc, const mg_diag *d,
                       const char *form, int64_t id, const mg_booking_errors *errs,
                       const char *fragment)
{
    /* A refusal naming no field goes beside the form's main field. */
    const char *main_field = strcmp(form, "site") == 0 ? "site_id"
                             : strcmp(form, "appareil") == 0 ? "name"
                                                             : "label";
    if (rc == 0) {
        char to[128];
        snprintf(to, sizeof to, "%s#%s", n->path, fragment);
        mg_http_redirect(ctx->res, to);
        return MG_OK;
    }
    if (rc != MG_EINVAL) {
        web_storage_error(ctx->req, ctx->res, rc, d, NETWORK_NOT_FOUND, SAVE_FAILED);
        return MG_OK;
    }
    mg_booking_errors shown = *errs;
    if (shown.n == 0) /* a refusal without field: beside the form's first field */
        mg_booking_errors_add(&shown, main_field, "%s", d->msg);
    page_refusal r = {.form = form, .id = id, .fs = {.typed = ctx->req, .errs = &shown}};
    ctx->res->status = 400;
    return network_page_draw(ctx, n, &r);
}

static bool form_flag(const mg_http_request *r, const char *name)
{
    const char *v = mg_http_form(r, name);
    return v && *v;
}

static int64_t form_id(const mg_http_request *r, const char *name)
{
    const char *v = mg_http_form(r, name);
    int64_t id = 0;
    if (!v || mg_parse_id(v, INT64_MAX, &id, NULL) != 0)
        return 0;
    return id;
}

static int site_post(web_ctx *ctx)
{
    network n;
    if (!network_load(ctx, MG_AUTH_CREATE, &n))
        return MG_OK;
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    int64_t site = form_id(ctx->req, "site_id");
    const char *marker = mg_http_form(ctx->req, "reglages"); /* the settings form: "1" */
    bool settings = marker != NULL;
    int rc;
    mg_booking_site existing;
    memset(&existing, 0, sizeof existing);
    if (settings && strcmp(marker, "1") != 0) {
        mg_booking_errors_add(&errs, "site_id", "Formulaire de réglages illisible : rechargez la "
                                                "page.");
        rc = mg_booking_refuse(&errs, &d);
    } else if (site == 0) {
        mg_booking_errors_add(&errs, "site_id", "« Structure » : choisissez une structure de "
                                                "l'annuaire.");
        rc = mg_booking_refuse(&errs, &d);
    } else if ((rc = mg_booking_site_get(ctx->app->db, site, &existing, &d)) == 0 &&
               existing.owner_id != n.org.id) {
        /* A site of another network stays there. */
        mg_booking_errors_add(&errs, "site_id", "« Structure » : cette structure est déjà un "
                                                "site d'un autre réseau.");
        rc = mg_booking_refuse(&errs, &d);
    } else if (rc == 0 && !settings) {
        /* Registered already: the registration form does not show its
         * settings, so they are not touched (its defaults would overwrite
         * them); to its settings form, which says so. A value no form
         * offers is still refused. */
        const char *ask = mg_http_form(ctx->req, "ask");
        if (ask && *ask && strcmp(ask, "name") != 0 && strcmp(ask, "initials") != 0) {
            mg_booking_errors_add(&errs, "ask", "« Ce que le site demande » : ses initiales ou "
                                                "son nom.");
            rc = mg_booking_refuse(&errs, &d);
        } else {
            char to[160];
            snprintf(to, sizeof to, "%s?deja=%lld#reglages-%lld", n.path, (long long)site,
                     (long long)site);
            mg_http_redirect(ctx->res, to);
            mg_booking_site_clear(&existing);
            return MG_OK;
        }
    } else if (rc == 0 || rc == MG_ENOTFOUND) {
        /* A new site: what the form says, in service. A registered one: its
         * settings form shows them all, filled with the stored values; one
         * it does not send keeps its value, and whether it is an example
         * never changes here. */
        bool known = rc == 0;
        const char *ask = mg_http_form(ctx->req, "ask");
        mg_booking_site_input in = {
            .site_id = site, .owner_id = n.org.id,
            .ask = ask ? ask : known && existing.ask == MG_BOOKING_ASK_NAME ? "name" : NULL,
            .share_phone = form_flag(ctx->req, "share_phone"),
            .active = known && settings ? form_flag(ctx->req, "active") : true,
            .is_example = known && existing.is_example};
        d = (mg_diag){{0}};
        rc = mg_booking_site_put(ctx->app->db, ctx->actor->account_id, &in, &errs, &d);
    }
    mg_booking_site_clear(&existing);
    return after_write(ctx, &n, rc, &d, "site", settings ? site : 0, &errs, "sites");
}

/* The instruments ticked, comma-separated, into out. */
static void instruments_of(const mg_http_request *r, char *out, size_t cap)
{
    size_t ni = 0, len = 0;
    const char *const *codes = mg_booking_instruments(&ni);
    out[0] = '\0';
    for (size_t k = 0; k < ni; k++) {
        char name[80];
        snprintf(name, sizeof name, "instrument_%s", codes[k]);
        if (!form_flag(r, name))
            continue;
        int w = snprintf(out + len, cap - len, "%s%s", len ? "," : "", codes[k]);
        if (w < 0 || (size_t)w >= cap - len)
            break;
        len += (size_t)w;
    }
}

static int device_write(web_ctx *ctx, bool update)
{
    network n;
    if (!network_load(ctx, update ? MG_AUTH_EDIT : MG_AUTH_CREATE, &n))
        return MG_OK;
    mg_diag d = {{0}};
    int64_t id = 0;
    mg_booking_device old;
    memset(&old, 0, sizeof old);
    if (update) {
        /* The device must be one of this network's: else it does not exist here. */
        mg_booking_site s;
        memset(&s, 0, sizeof s);
        int rc = mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL) != 0
                     ? MG_ENOTFOUND
                     : mg_booking_device_get(ctx->app->db, id, &old, &d);
        if (rc == 0)
            rc = mg_booking_site_get(ctx->app->db, old.site_id, &s, &d);
        if (rc == 0 && s.owner_id != n.org.id)
            rc = MG_ENOTFOUND;
        mg_booking_site_clear(&s);
        if (rc) {
            mg_booking_device_clear(&old);
            web_storage_error(ctx->req, ctx->res, rc, &d, DEVICE_NOT_FOUND, READ_FAILED);
            return MG_OK;
        }
    }
    mg_booking_errors errs = {0};
    int64_t site = update ? old.site_id : form_id(ctx->req, "site_id");
    if (!update) {
        mg_booking_site s;
        memset(&s, 0, sizeof s);
        int g = site ? mg_booking_site_get(ctx->app->db, site, &s, &d) : MG_ENOTFOUND;
        if (g == 0 && s.owner_id != n.org.id)
            g = MG_ENOTFOUND;
        mg_booking_site_clear(&s);
        if (g == MG_ENOTFOUND)
            mg_booking_errors_add(&errs, "site_id", "« Site » : choisissez un site du réseau.");
        else if (g) {
            web_storage_error(ctx->req, ctx->res, g, &d, NETWORK_NOT_FOUND, READ_FAILED);
            return MG_OK;
        }
    }
    char instruments[1001];
    instruments_of(ctx->req, instruments, sizeof instruments);
    int step = minutes_of(mg_http_form(ctx->req, "step_min"), "step_min",
                          "Pas des créneaux (minutes)", 0, MG_BOOKING_DURATION_MAX_MIN, &errs);
    int rc;
    d = (mg_diag){{0}};
    if (errs.n) {
        rc = mg_booking_refuse(&errs, &d);
    } else {
        mg_booking_device_input in = {.site_id = site,
                                      .kind = mg_http_form(ctx->req, "kind"),
                                      .name = mg_http_form(ctx->req, "name"),
                                      .instruments = instruments,
                                      .opening_hours = mg_http_form(ctx->req, "opening_hours"),
                                      .assisted = form_flag(ctx->req, "assisted"),
                                      .step_min = step,
                                      .active = update ? form_flag(ctx->req, "active") : true};
        if (update) {
            rc = mg_booking_device_update(ctx->app->db, ctx->actor->account_id, id, &in, &errs,
                                          &d);
        } else {
            int64_t new_id = 0;
            rc = mg_booking_device_add(ctx->app->db, ctx->actor->account_id, &in, &new_id,
                                       &errs, &d);
        }
    }
    mg_booking_device_clear(&old);
    return after_write(ctx, &n, rc, &d, "appareil", id, &errs, "sites");
}

static int device_add_post(web_ctx *ctx)
{
    return device_write(ctx, false);
}

static int device_update_post(web_ctx *ctx)
{
    return device_write(ctx, true);
}

static int tc_write_with(web_ctx *ctx, const network *np, const mg_booking_teleconsultant *t,
                         int64_t id);
static int tc_sites_write(web_ctx *ctx, const network *np, const mg_booking_teleconsultant *t,
                          int64_t id, mg_booking_teleconsultant_input *inp, int64_t de, int64_t a,
                          mg_booking_errors *errsp);

static int tc_write(web_ctx *ctx, bool update)
{
    network n;
    if (!network_load(ctx, update ? MG_AUTH_EDIT : MG_AUTH_CREATE, &n))
        return MG_OK;
    mg_diag d = {{0}};
    int64_t id = 0;
    mg_booking_teleconsultant t; /* the stored one, on update */
    memset(&t, 0, sizeof t);
    if (update) {
        int rc = mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL) != 0
                     ? MG_ENOTFOUND
                     : mg_booking_teleconsultant_get(ctx->app->db, id, &t, &d);
        if (rc == 0 && t.owner_id != n.org.id)
            rc = MG_ENOTFOUND;
        if (rc) {
            mg_booking_teleconsultant_clear(&t);
            web_storage_error(ctx->req, ctx->res, rc, &d, TC_NOT_FOUND, READ_FAILED);
            return MG_OK;
        }
    }
    int rc = tc_write_with(ctx, &n, update ? &t : NULL, id);
    mg_booking_teleconsultant_clear(&t);
    return rc;
}

/* tc_write once the teleconsultant (t, NULL on add) is known. */
static int tc_write_with(web_ctx *ctx, const network *np, const mg_booking_teleconsultant *t,
                         int64_t id)
{
    const network n = *np;
    bool update = t != NULL;
    /* The run of sites the form shows (every site without bounds), and
     * whether it shows only them (the other fields kept). */
    int64_t de = 0, a = INT64_MAX;
    const char *sde = mg_http_form(ctx->req, "sites_de"), *sa = mg_http_form(ctx->req, "sites_a");
    bool bad_run = false;
    if (sde || sa)
        bad_run = !sde || !sa || mg_parse_id(sde, INT64_MAX, &de, NULL) != 0 ||
                  mg_parse_id(sa, INT64_MAX, &a, NULL) != 0;
    const char *only = mg_http_form(ctx->req, "sites_seuls"); /* a run's form: "1" */
    bool only_sites = update && only && *only;
    bad_run = bad_run || (only && *only && strcmp(only, "1") != 0);
    mg_booking_errors errs = {0};
    if (bad_run)
        mg_booking_errors_add(&errs, "sites", "« Sites servis » : les bornes de la liste sont "
                                              "illisibles ; rechargez la page.");
    if (only_sites) {
        mg_booking_teleconsultant_input keep = {.label = t->label,
                                                .availability = t->availability,
                                                .nkinds = t->nkinds,
                                                .active = t->active};
        memcpy(keep.kinds, t->kinds, sizeof keep.kinds);
        return tc_sites_write(ctx, &n, t, id, &keep, de, a, &errs);
    }
    mg_booking_teleconsultant_input in = {
        .organisation_id = update ? 0 : form_id(ctx->req, "organisation_id"),
        .owner_id = n.org.id,
        .label = mg_http_form(ctx->req, "label"),
        .availability = mg_http_form(ctx->req, "availability"),
        .active = update ? form_flag(ctx->req, "active") : true,
    };
    if (!update && in.organisation_id == 0)
        mg_booking_errors_add(&errs, "organisation_id",
                              "« Organisation » : choisissez une organisation inscrite.");
    for (int k = 0; k < MG_BOOKING_KINDS && in.nkinds < MG_BOOKING_KINDS_MAX; k++) {
        const char *key = mg_booking_kind_key((mg_booking_kind)k);
        char name[48], dname[48], label[128];
        snprintf(name, sizeof name, "kind_%s", key);
        snprintf(dname, sizeof dname, "duration_%s", key);
        if (!form_flag(ctx->req, name))
            continue;
        snprintf(label, sizeof label, "Durée : %s", mg_booking_kind_label((mg_booking_kind)k));
        int dur = minutes_of(mg_http_form(ctx->req, dname), dname, label, 0,
                             MG_BOOKING_DURATION_MAX_MIN, &errs);
        in.kinds[in.nkinds++] = (mg_booking_tc_kind){(mg_booking_kind)k, dur};
    }
    return tc_sites_write(ctx, &n, t, id, &in, de, a, &errs);
}

/* Writes `in` with its sites: those of the network with an id in [de, a]
 * when ticked, the others as t serves them (none on add). */
static int tc_sites_write(web_ctx *ctx, const network *np, const mg_booking_teleconsultant *t,
                          int64_t id, mg_booking_teleconsultant_input *inp, int64_t de, int64_t a,
                          mg_booking_errors *errsp)
{
    const network n = *np;
    bool update = t != NULL;
    mg_booking_teleconsultant_input in = *inp;
    mg_booking_errors errs = *errsp;
    mg_diag d = {{0}};
    mg_booking_site *sites = NULL;
    size_t nsites = 0;
    int rc = mg_booking_site_list(ctx->app->db, n.org.id, false, &sites, &nsites, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NETWORK_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    int64_t *ids = malloc((nsites ? nsites : 1) * sizeof *ids);
    size_t nids = 0;
    for (size_t k = 0; ids && k < nsites; k++) {
        int64_t sid = sites[k].site_id;
        bool served;
        if (sid >= de && sid <= a) {
            char name[48];
            snprintf(name, sizeof name, "site_%lld", (long long)sid);
            served = form_flag(ctx->req, name);
        } else {
            served = false;
            for (size_t j = 0; t && j < t->nsites; j++)
                served = served || t->site_ids[j] == sid;
        }
        if (served)
            ids[nids++] = sid;
    }
    mg_booking_sites_free(sites, nsites);
    if (!ids)
        return MG_ENOMEM;
    in.site_ids = ids;
    in.nsites = nids;
    d = (mg_diag){{0}};
    if (errs.n) {
        rc = mg_booking_refuse(&errs, &d);
    } else if (update) {
        rc = mg_booking_teleconsultant_update(ctx->app->db, ctx->actor->account_id, id, &in,
                                              &errs, &d);
    } else {
        int64_t new_id = 0;
        rc = mg_booking_teleconsultant_add(ctx->app->db, ctx->actor->account_id, &in, &new_id,
                                           &errs, &d);
    }
    free(ids);
    return after_write(ctx, &n, rc, &d, "tc", id, &errs, "teleconsultants");
}

static int tc_add_post(web_ctx *ctx)
{
    return tc_write(ctx, false);
}

static int tc_update_post(web_ctx *ctx)
{
    return tc_write(ctx, true);
}

/* --- Usage ------------------------------------------------------------------------------------ */

typedef struct usage_query {
    char from[11], to[11];
    mg_booking_period period;
    mg_date dfrom, dto;
} usage_query;

/* ?de=, ?a= (days, "YYYY-MM-DD" or "DD/MM/YYYY"), ?par=semaine|mois; by
 * default the last three calendar months to today, per month. False once
 * a 400 naming the parameter has been answered. */
static bool usage_query_read(web_ctx *ctx, usage_query *q)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    q->dto = (mg_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    int m = q->dto.month - 2, y = q->dto.year;
    if (m < 1) {
        m += 12;
        y--;
    }
    q->dfrom = (mg_date){y, m, 1};
    q->period = MG_BOOKING_MONTH;
    const char *de = mg_http_query(ctx->req, "de");
    const char *a = mg_http_query(ctx->req, "a");
    const char *par = mg_http_query(ctx->req, "par");
    if (de && *de && mg_parse_date(de, &q->dfrom, NULL) != 0) {
        mg_http_error(ctx->req, ctx->res, 400,
                      "« Du » : une date comme 2026-01-31 ou 31/01/2026.");
        return false;
    }
    if (a && *a && mg_parse_date(a, &q->dto, NULL) != 0) {
        mg_http_error(ctx->req, ctx->res, 400,
                      "« Au » : une date comme 2026-03-31 ou 31/03/2026.");
        return false;
    }
    if (par && *par) {
        if (strcmp(par, "semaine") == 0)
            q->period = MG_BOOKING_WEEK;
        else if (strcmp(par, "mois") == 0)
            q->period = MG_BOOKING_MONTH;
        else {
            mg_http_error(ctx->req, ctx->res, 400,
                          "« Par » : « semaine » ou « mois ».");
            return false;
        }
    }
    snprintf(q->from, sizeof q->from, "%04d-%02d-%02d", q->dfrom.year, q->dfrom.month,
             q->dfrom.day);
    snprintf(q->to, sizeof q->to, "%04d-%02d-%02d", q->dto.year, q->dto.month, q->dto.day);
    if (strcmp(q->from, q->to) > 0) {
        mg_http_error(ctx->req, ctx->res, 400, "« Au » : une date après celle de « Du ».");
        return false;
    }
    if (q->dto.year - q->dfrom.year > 5) {
        mg_http_error(ctx->req, ctx->res, 400, "« Au » : cinq ans au plus après « Du ».");
        return false;
    }
    return true;
}

static void num_cell(mg_buf *b, double v, int decimals)
{
    char s[64];
    if (!isfinite(v)) {
        mg_buf_puts(b, "<td class=\"num\">—</td>");
        return;
    }
    web_num(s, sizeof s, v, decimals);
    mg_buf_puts(b, "<td class=\"num\">");
    mg_html_text(b, s);
    mg_buf_puts(b, "</td>");
}

static void rate_cell(mg_buf *b, double rate)
{
    num_cell(b, isfinite(rate) ? rate * 100 : NAN, 1);
}

/* One bar per device over the whole range: booked over open hours. */
static void usage_chart(mg_buf *b, const mg_booking_usage_row *rows, size_t n)
{
    const char **labels = calloc(n ? n : 1, sizeof *labels);
    char (*texts)[MG_BOOKING_LABEL_MAX_CHARS * 8 + 8] = calloc(n ? n : 1, sizeof *texts);
    double *values = calloc(n ? n : 1, sizeof *values);
    double *open = calloc(n ? n : 1, sizeof *open);
    size_t m = 0;
    if (labels && texts && values && open) {
        for (size_t k = 0; k < n; k++) {
            if (m == 0 || k == 0 || rows[k].device_id != rows[k - 1].device_id) {
                snprintf(texts[m], sizeof texts[m], "%s — %s", rows[k].site_name,
                         rows[k].device_name);
                labels[m] = texts[m];
                values[m] = 0;
                open[m] = 0;
                m++;
            }
            values[m - 1] += rows[k].booked_hours;
            open[m - 1] += rows[k].open_hours;
        }
        for (size_t k = 0; k < m; k++)
            values[k] = open[k] > 0 ? values[k] / open[k] * 100 : NAN;
        mg_buf_puts(b, "<figure class=\"chart\">");
        if (mg_chart_bars(b, "Taux d'occupation de chaque appareil sur la période", labels,
                          values, m, NAN, "% des heures d'ouverture réservées") != MG_OK)
            mg_buf_puts(b, "<p>Le graphique n'a pas pu être dessiné.</p>");
        mg_buf_puts(b, "<figcaption>Heures réservées (consultations non annulées) sur heures "
                       "d'ouverture, par appareil ; les valeurs sont aussi dans le tableau "
                       "ci-dessous.</figcaption></figure>\n");
    }
    free(labels);
    free(texts);
    free(values);
    free(open);
}

static void assisted_chart(mg_buf *b, const mg_booking_assisted_row *rows, size_t n)
{
    const char **labels = calloc(n ? n : 1, sizeof *labels);
    double *values = calloc(n ? n : 1, sizeof *values);
    int64_t *ids = calloc(n ? n : 1, sizeof *ids);
    size_t m = 0;
    if (labels && values && ids) {
        for (size_t k = 0; k < n; k++) {
            size_t j = 0;
            while (j < m && ids[j] != rows[k].site_id)
                j++;
            if (j == m) {
                ids[m] = rows[k].site_id;
                labels[m] = rows[k].site_name;
                values[m] = 0;
                m++;
            }
            values[j] += (double)rows[k].count;
        }
        mg_buf_puts(b, "<figure class=\"chart\">");
        if (mg_chart_bars(b, "Téléconsultations assistées par site hôte sur la période", labels,
                          values, m, NAN, "téléconsultations") != MG_OK)
            mg_buf_puts(b, "<p>Le graphique n'a pas pu être dessiné.</p>");
        mg_buf_puts(b, "<figcaption>Consultations terminées sur un appareil assisté, par site "
                       "hôte ; le détail par mois est dans le tableau ci-dessous.</figcaption>"
                       "</figure>\n");
    }
    free(labels);
    free(values);
    free(ids);
}

static int usage_page(web_ctx *ctx)
{
    network n;
    if (!network_load(ctx, MG_AUTH_VIEW, &n))
        return MG_OK;
    usage_query q;
    if (!usage_query_read(ctx, &q))
        return MG_OK;
    mg_booking_usage_row *rows = NULL;
    size_t nrows = 0;
    mg_booking_assisted_row *arows = NULL;
    size_t narows = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_usage(ctx->app->db, n.org.id, 0, q.from, q.to, q.period, &rows, &nrows,
                              &d);
    /* The assisted counts of each year of the range, months within it. */
    for (int y = q.dfrom.year; rc == 0 && y <= q.dto.year; y++) {
        mg_booking_assisted_row *yr = NULL;
        size_t ny = 0;
        rc = mg_booking_assisted_monthly(ctx->app->db, n.org.id, y, &yr, &ny, &d);
        if (rc == 0 && ny) {
            mg_booking_assisted_row *grown = realloc(arows, (narows + ny) * sizeof *grown);
            if (!grown) {
                rc = mg_diag_set(&d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            } else {
                arows = grown;
                for (size_t k = 0; k < ny; k++)
                    if (strncmp(yr[k].month, q.from, 7) >= 0 && strncmp(yr[k].month, q.to, 7) <= 0)
                        arows[narows++] = yr[k];
            }
        }
        free(yr);
    }
    if (rc) {
        free(rows);
        free(arows);
        web_storage_error(ctx->req, ctx->res, rc, &d, NETWORK_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    char title[sizeof n.org.name + 64];
    snprintf(title, sizeof title, "Utilisation des équipements — %s", n.org.name);
    web_page_begin(b, ctx, title, "equipements");
    crumbs(b, &n, "usage");
    mg_buf_puts(b, "<h1>Utilisation des équipements de ");
    mg_html_text(b, n.org.name);
    mg_buf_puts(b, "</h1>\n");
    network_links(b, &n, "usage");
    char href[128];
    snprintf(href, sizeof href, "%s/usage", n.path);
    mg_buf_puts(b, "<form class=\"choice\" method=\"get\" action=\"");
    mg_html_attr(b, href);
    mg_buf_puts(b, "\"><label for=\"usage-de\">Du</label> <input type=\"date\" id=\"usage-de\" "
                   "name=\"de\" value=\"");
    mg_html_attr(b, q.from);
    mg_buf_puts(b, "\"> <label for=\"usage-a\">Au</label> <input type=\"date\" id=\"usage-a\" "
                   "name=\"a\" value=\"");
    mg_html_attr(b, q.to);
    mg_buf_puts(b, "\"> <label for=\"usage-par\">Par</label> <select id=\"usage-par\" "
                   "name=\"par\">");
    mg_html_option(b, "mois", "mois", q.period == MG_BOOKING_MONTH);
    mg_html_option(b, "semaine", "semaine", q.period == MG_BOOKING_WEEK);
    mg_buf_puts(b, "</select> <button type=\"submit\">Afficher</button></form>\n<p><a href=\"");
    snprintf(href, sizeof href, "%s/usage.xlsx", n.path);
    mg_html_href(b, href,
                 (const char *[]){"de", q.from, "a", q.to, "par",
                                  q.period == MG_BOOKING_WEEK ? "semaine" : "mois", NULL},
                 NULL);
    mg_buf_puts(b, "\">Télécharger ces tableaux (tableur XLSX)</a></p>\n");

    mg_buf_puts(b, "<section aria-labelledby=\"occupation\"><h2 id=\"occupation\">Occupation par "
                   "site et appareil</h2>\n<p>Heures d'ouverture : celles de l'appareil (ou du "
                   "site) moins les fermetures et maintenances. Heures réservées : les "
                   "réservations non annulées. Le taux est leur rapport.</p>\n");
    if (nrows == 0) {
        mg_buf_puts(b, "<p>Aucun appareil sur cette période.</p>\n");
    } else {
        usage_chart(b, rows, nrows);
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Occupation par appareil et par ");
        mg_html_text(b, q.period == MG_BOOKING_WEEK ? "semaine" : "mois");
        mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Site</th><th scope=\"col\">"
                       "Appareil</th><th scope=\"col\">Période</th><th scope=\"col\">Heures "
                       "ouvertes</th><th scope=\"col\">Heures réservées</th><th scope=\"col\">"
                       "Taux (%)</th><th scope=\"col\">Réservations</th><th scope=\"col\">"
                       "Terminées</th><th scope=\"col\">Absences</th><th scope=\"col\">"
                       "Annulations</th><th scope=\"col\">Sans rendez-vous</th></tr></thead>"
                       "<tbody>\n");
        for (size_t k = 0; k < nrows; k++) {
            const mg_booking_usage_row *r = &rows[k];
            mg_buf_puts(b, "<tr><td>");
            mg_html_text(b, r->site_name);
            mg_buf_puts(b, "</td><th scope=\"row\">");
            mg_html_text(b, r->device_name);
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, r->period);
            mg_buf_puts(b, "</td>");
            num_cell(b, r->open_hours, 1);
            num_cell(b, r->booked_hours, 1);
            rate_cell(b, r->rate);
            mg_buf_printf(b, "<td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
                             "<td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
                             "<td class=\"num\">%lld</td></tr>\n",
                          (long long)r->bookings, (long long)r->done, (long long)r->no_shows,
                          (long long)r->cancelled, (long long)r->walk_ins);
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n<section aria-labelledby=\"assistees\"><h2 id=\"assistees\">"
                   "Téléconsultations assistées par site hôte</h2>\n<p>Par mois, les "
                   "consultations terminées sur un appareil assisté : ce que l'hôte (une "
                   "pharmacie, par exemple) déclare pour sa rémunération.</p>\n");
    if (narows == 0) {
        mg_buf_puts(b, "<p>Aucune téléconsultation assistée sur cette période.</p>\n");
    } else {
        assisted_chart(b, arows, narows);
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Téléconsultations assistées par "
                       "site hôte et par mois</caption><thead><tr><th scope=\"col\">Site hôte"
                       "</th><th scope=\"col\">Mois</th><th scope=\"col\">Téléconsultations "
                       "assistées</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < narows; k++) {
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, arows[k].site_name);
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, arows[k].month);
            mg_buf_printf(b, "</td><td class=\"num\">%lld</td></tr>\n",
                          (long long)arows[k].count);
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    mg_buf_puts(b, "</section>\n");
    free(rows);
    free(arows);
    web_page_end(b);
    return web_done(ctx);
}

#define OOXML_SHEET "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static int usage_xlsx(web_ctx *ctx)
{
    network n;
    if (!network_load(ctx, MG_AUTH_VIEW, &n))
        return MG_OK;
    usage_query q;
    if (!usage_query_read(ctx, &q))
        return MG_OK;
    unsigned char *data = NULL;
    size_t len = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_usage_xlsx(ctx->app->db, n.org.id, q.from, q.to, q.period, &data, &len,
                                   &d);
    if (rc == 0)
        rc = mg_buf_append(&ctx->res->body, data, len); /* lint-ok: XLSX bytes, not HTML */
    free(data);
    if (rc) {
        mg_buf_reset(&ctx->res->body);
        web_storage_error(ctx->req, ctx->res, rc, &d, NETWORK_NOT_FOUND, EXPORT_FAILED);
        return MG_OK;
    }
    char stem[96], name[128];
    snprintf(stem, sizeof stem, "utilisation-equipements-%lld-%s-%s", (long long)n.org.id,
             q.from, q.to);
    web_download_filename(name, sizeof name, stem, OOXML_SHEET, "utilisation-equipements");
    ctx->res->content_type = OOXML_SHEET;
    snprintf(ctx->res->disposition, sizeof ctx->res->disposition,
             "attachment; filename=\"%s\"", name);
    return MG_OK;
}

/* --- The map ---------------------------------------------------------------------------------- */

/* Which travel times the diagnosis was built on, in French. */
static void travel_model_text(mg_buf *b, const mg_diagnosis *g)
{
    const mg_diagnosis_opts *o = &g->opts;
    if ((o->graph && *o->graph) || (o->osm && *o->osm)) {
        mg_buf_puts(b, "les temps de trajet en voiture sur le réseau routier chargé par le "
                       "serveur (le même graphe que le diagnostic)");
        return;
    }
    if (o->matrix && *o->matrix) {
        mg_buf_puts(b, "les temps de trajet du distancier fourni au serveur (le même que le "
                       "diagnostic)");
        return;
    }
    char detour[16], speed[16], access[16];
    web_num(detour, sizeof detour, o->crowfly.detour, 2);
    web_num(speed, sizeof speed, o->crowfly.speed_kmh, 0);
    web_num(access, sizeof access, o->crowfly.access_min, 1);
    mg_buf_puts(b, "faute de réseau routier chargé, le modèle à vol d'oiseau du diagnostic et "
                   "de la planification : distance entre les chefs-lieux × ");
    mg_html_text(b, detour);
    mg_buf_puts(b, " à ");
    mg_html_text(b, speed);
    mg_buf_puts(b, " km/h, plus ");
    mg_html_text(b, access);
    mg_buf_puts(b, " minutes par trajet entre deux communes ; 0 dans la commune même");
}

static int map_page(web_ctx *ctx)
{
    network n;
    if (!network_load(ctx, MG_AUTH_VIEW, &n))
        return MG_OK;
    enum mg_baseline base = web_baseline(ctx);
    if (base == MG_BASELINE_COUNT)
        return MG_OK;
    const mg_app_profession *p = mg_app_profession_get(ctx->app, "mg");
    if (!p)
        p = &ctx->app->prof[0];
    const mg_diagnosis *g = p->g;
    const mg_territory *t = g->t;
    mg_booking_site *sites = NULL;
    size_t nsites = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_site_list(ctx->app->db, n.org.id, true, &sites, &nsites, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NETWORK_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    mg_map_site *marks = calloc(nsites ? nsites : 1, sizeof *marks);
    uint8_t *has_site = calloc(t->n ? t->n : 1, 1);
    double *nearest = malloc((t->n ? t->n : 1) * sizeof *nearest);
    if (!marks || !has_site || !nearest) {
        free(marks);
        free(has_site);
        free(nearest);
        mg_booking_sites_free(sites, nsites);
        return MG_ENOMEM;
    }
    size_t nmarks = 0, placed = 0;
    for (size_t k = 0; k < nsites; k++) {
        long c = sites[k].commune_code[0] ? mg_territory_find_current(t, sites[k].commune_code)
                                          : -1;
        if (c >= 0) {
            has_site[c] = 1;
            placed++;
        }
        mg_map_site m = {.commune = -1, .label = sites[k].name, .kind = 0,
                         .kind_label = "Site d'équipement de télésanté"};
        mg_diag pd = {{0}};
        if (isfinite(sites[k].lat) && isfinite(sites[k].lon) &&
            mg_map_project(sites[k].lon, sites[k].lat, &m.x, &m.y, &pd) == MG_OK &&
            isfinite(m.x) && isfinite(m.y)) {
            if (nmarks < MG_MAP_MAX_SITES)
                marks[nmarks++] = m;
        } else if (c >= 0 && nmarks < MG_MAP_MAX_SITES) {
            m.commune = c;
            marks[nmarks++] = m;
        }
    }
    /* The travel time from each commune to the nearest site's commune,
     * read in the diagnosis's table (within its largest catchment; beyond,
     * infinite). */
    for (size_t i = 0; i < t->n; i++) {
        nearest[i] = INFINITY;
        if (i >= g->pairs.n)
            continue;
        for (size_t j = g->pairs.start[i]; j < g->pairs.start[i + 1]; j++)
            if (has_site[g->pairs.to[j]] && g->pairs.minutes[j] < nearest[i])
                nearest[i] = g->pairs.minutes[j];
    }
    const double *values = mg_app_baseline_values(p, base);
    double thr = g->prof->threshold;

    mg_buf *b = &ctx->res->body;
    char title[sizeof n.org.name + 64];
    snprintf(title, sizeof title, "Carte des équipements — %s", n.org.name);
    web_page_begin(b, ctx, title, "equipements");
    crumbs(b, &n, "carte");
    mg_buf_puts(b, "<h1>Carte des équipements de ");
    mg_html_text(b, n.org.name);
    mg_buf_puts(b, "</h1>\n");
    network_links(b, &n, "carte");
    mg_buf_puts(b, "<section aria-labelledby=\"carte\"><h2 id=\"carte\">Sites sur la carte de "
                   "l'accès aux médecins généralistes</h2>\n<p>Chaque site actif du réseau est "
                   "marqué sur la carte de l'accessibilité potentielle localisée (APL) aux ");
    mg_html_text(b, g->prof->label);
    mg_buf_puts(b, ".</p>\n");
    mg_map_style style = mg_map_style_for(values, g->study, g->study_n, thr, false);
    char suffix[WEB_MAP_SUFFIX], mtitle[256];
    snprintf(mtitle, sizeof mtitle, "Sites d'équipement de télésanté et APL aux %s",
             g->prof->label);
    mg_map_options opt = web_map_options(p, mtitle, thr, false, suffix);
    opt.legend_title = base == MG_BASELINE_OFFICIAL ? "APL officielle (DREES)" : "APL (modèle)";
    opt.epci_borders = true;
    opt.scale_bar = true;
    opt.sites = marks;
    opt.nsites = nmarks;
    mg_buf_puts(b, "<figure class=\"map\">");
    if (web_map_inline(b, ctx->app, t, values, &style, &opt) != MG_OK)
        mg_buf_puts(b, "<p>La carte n'a pas pu être dessinée.</p>");
    mg_buf_puts(b, "</figure>\n");
    if (nsites == 0)
        mg_buf_puts(b, "<p>Aucun site actif dans ce réseau.</p>\n");
    else if (nsites > placed)
        mg_buf_printf(b, "<p class=\"note\">%zu %s sans commune du territoire : hors du calcul " /* lint-ok: literals of the program */
                         "des distances.</p>\n",
                      nsites - placed, nsites - placed > 1 ? "sites" : "site");
    mg_buf_puts(b, "</section>\n");

    mg_buf_puts(b, "<section aria-labelledby=\"eloignees\"><h2 id=\"eloignees\">Communes "
                   "sous-dotées à plus de 20 minutes d'un site</h2>\n");
    if (!isfinite(thr)) {
        mg_buf_puts(b, "<p>La profession n'a pas de seuil de sous-dotation.</p>\n");
    } else {
        char sthr[32];
        web_num(sthr, sizeof sthr, thr, 1);
        mg_buf_puts(b, "<p>Les communes du diagnostic dont l'APL aux ");
        mg_html_text(b, g->prof->label);
        mg_buf_puts(b, " est sous le seuil de ");
        mg_html_text(b, sthr);
        mg_buf_puts(b, " (");
        mg_html_text(b, base == MG_BASELINE_OFFICIAL ? "valeur officielle de la DREES"
                                                     : "valeur du modèle");
        mg_buf_puts(b, ") et dont le site du réseau le plus proche est à plus de 20 minutes. "
                       "Temps de trajet : ");
        travel_model_text(b, g);
        mg_buf_puts(b, ".</p>\n");
        size_t count = 0;
        double people = 0;
        for (size_t k = 0; k < g->study_n; k++) {
            size_t i = g->study[k];
            if (isfinite(values[i]) && values[i] < thr && !(nearest[i] <= FAR_MINUTES)) {
                count++;
                people += t->population[i];
            }
        }
        char spop[32];
        web_num(spop, sizeof spop, people, 0);
        mg_buf_printf(b, "<p>%zu %s, ", count, /* lint-ok: literals of the program */
                      count > 1 ? "communes" : "commune");
        mg_html_text(b, spop);
        mg_buf_puts(b, " habitants.</p>\n");
        if (count) {
            mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Communes sous-dotées à plus "
                           "de 20 minutes d'un site</caption><thead><tr><th scope=\"col\">"
                           "Commune</th><th scope=\"col\">Code</th><th scope=\"col\">APL</th>"
                           "<th scope=\"col\">Habitants</th><th scope=\"col\">Site le plus "
                           "proche (minutes)</th></tr></thead><tbody>\n");
            for (size_t k = 0; k < g->study_n; k++) {
                size_t i = g->study[k];
                if (!(isfinite(values[i]) && values[i] < thr && !(nearest[i] <= FAR_MINUTES)))
                    continue;
                char href[64];
                snprintf(href, sizeof href, "/commune/%s", t->code[i]);
                mg_buf_puts(b, "<tr><th scope=\"row\"><a href=\"");
                mg_html_href(b, href, (const char *[]){"profession", g->prof->key, NULL}, NULL);
                mg_buf_puts(b, "\">");
                mg_html_text(b, t->name[i]);
                mg_buf_puts(b, "</a></th><td>");
                mg_html_text(b, t->code[i]);
                mg_buf_puts(b, "</td>");
                num_cell(b, values[i], 2);
                num_cell(b, t->population[i], 0);
                if (isfinite(nearest[i])) {
                    num_cell(b, nearest[i], 0);
                } else {
                    mg_buf_puts(b, "<td class=\"num\">");
                    mg_html_text(b, nsites ? "au-delà du rayon calculé" : "aucun site");
                    mg_buf_puts(b, "</td>");
                }
                mg_buf_puts(b, "</tr>\n");
            }
            mg_buf_puts(b, "</tbody></table></div>\n");
        }
    }
    mg_buf_puts(b, "</section>\n");
    free(marks);
    free(has_site);
    free(nearest);
    mg_booking_sites_free(sites, nsites);
    web_page_end(b);
    return web_done(ctx);
}

const web_route web_routes_booking_network[] = {
    {"GET", "/equipements/reseau/{org}", network_page, WEB_ACCOUNT, 0},
    {"POST", "/equipements/reseau/{org}/sites", site_post, WEB_ACCOUNT, 0},
    {"POST", "/equipements/reseau/{org}/appareils", device_add_post, WEB_ACCOUNT, 0},
    {"POST", "/equipements/reseau/{org}/appareils/{id}", device_update_post, WEB_ACCOUNT, 0},
    {"POST", "/equipements/reseau/{org}/teleconsultants", tc_add_post, WEB_ACCOUNT, 0},
    {"POST", "/equipements/reseau/{org}/teleconsultants/{id}", tc_update_post, WEB_ACCOUNT, 0},
    {"GET", "/equipements/reseau/{org}/usage", usage_page, WEB_ACCOUNT, 0},
    {"GET", "/equipements/reseau/{org}/usage.xlsx", usage_xlsx, WEB_ACCOUNT, 0},
    {"GET", "/equipements/reseau/{org}/carte", map_page, WEB_ACCOUNT, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
