/*
 * The pages of the directory of local actors (issue 14): the search
 * (/annuaire), the map of actors over the access map (/annuaire/carte), a
 * structure's page (/structure/{id}), its edition by the owner
 * organisation's members, suggestions by the others and their decision,
 * the addition of a missing structure and the platform administrators'
 * merge proposals.
 *
 * The directory's store (directory/directory.h) owns the SQL, checks the
 * records and audits every change; rights are mg_auth_can's (a structure is
 * public to read, its own members edit it, the members of other active
 * organisations suggest changes). Contact details are shown only when the
 * structure chose to publish them.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "diagnosis/scope.h"
#include "contracts/contracts.h"
#include "directory/codes.h"
#include "directory/directory.h"
#include "directory/opening_hours.h"
#include "directory/holidays.h"
#include "map/map.h"
#include "parse/parse.h"
#include "web/form.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

/* Rows of a page of search results. */
#define SEARCH_PAGE_SIZE 25
/* Structures drawn on the map at most (the store answers 500 at most). */
#define MAP_MAX_POINTS 500

static const char NOT_FOUND_FR[] = "Cette structure n'existe pas dans l'annuaire.";
static const char READ_FAILED_FR[] = "L'annuaire n'a pas pu être lu. Réessayez dans un instant.";
static const char SAVE_FAILED_FR[] =
    "La modification n'a pas pu être enregistrée. Réessayez dans un instant.";

/* --- Opening hours ----------------------------------------------------------------- */

static int paris_time(time_t now, struct tm *out);

/* The hours in French and whether it is open now (Europe/Paris). */
static void hours_par(mg_buf *b, const char *opening_hours, const char *commune_code, time_t now)
{
    if (!opening_hours || !*opening_hours) {
        mg_buf_puts(b, "<p>Horaires non renseignés.</p>\n");
        return;
    }
    unsigned flags = 0;
    if (commune_code && (strncmp(commune_code, "57", 2) == 0 ||
                         strncmp(commune_code, "67", 2) == 0 ||
                         strncmp(commune_code, "68", 2) == 0))
        flags = MG_HOLIDAYS_ALSACE_MOSELLE;
    mg_opening_hours *oh = NULL;
    mg_diag d = {{0}};
    if (mg_opening_hours_parse(opening_hours, strlen(opening_hours), flags, &oh, &d)) {
        mg_buf_puts(b, "<p>Horaires : <code>");
        mg_html_text(b, opening_hours);
        mg_buf_puts(b, "</code> (non lisibles)</p>\n");
        return;
    }
    mg_buf desc;
    mg_buf_init(&desc, 8192);
    (void)mg_opening_hours_describe(oh, &desc);
    mg_buf_puts(b, "<p>Horaires : ");
    mg_html_text(b, desc.data ? desc.data : "");
    mg_buf_puts(b, ".");
    mg_buf_free(&desc);
    struct tm local;
    if (paris_time(now, &local) == 0) {
        const char *comment = NULL;
        int st = mg_opening_hours_state_tm(oh, &local, &comment);
        if (st == MG_OH_OPEN)
            mg_buf_puts(b, " <strong class=\"tag open\">Ouvert en ce moment</strong>");
        else if (st == MG_OH_CLOSED)
            mg_buf_puts(b, " <strong class=\"tag closed\">Fermé en ce moment</strong>");
        else if (st == MG_OH_UNKNOWN)
            mg_buf_puts(b, " <span class=\"tag\">Ouverture à vérifier</span>");
        if (st >= 0 && comment && *comment) {
            mg_buf_puts(b, " (");
            mg_html_text(b, comment);
            mg_buf_puts(b, ")");
        }
    }
    mg_buf_puts(b, "</p>\n");
    mg_opening_hours_free(oh);
}

/* The last Sunday of month (1-based) of year, its day of the month. */
static int last_sunday(int year, int month)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month, .tm_mday = 0, .tm_hour = 12};
    time_t t = timegm(&tm); /* day 0 of the next month: the last day of month */
    struct tm g;
    if (!gmtime_r(&t, &g))
        return 31;
    return g.tm_mday - g.tm_wday;
}

/* The local civil time of Europe/Paris at now (EU summer-time rule). */
static int paris_time(time_t now, struct tm *out)
{
    struct tm u;
    if (!gmtime_r(&now, &u))
        return -1;
    int year = u.tm_year + 1900;
    /* Summer time: from the last Sunday of March to the last Sunday of
     * October, at 01:00 UTC both (EU rule). */
    struct tm s = {.tm_year = u.tm_year, .tm_mon = 2, .tm_mday = last_sunday(year, 3), .tm_hour = 1};
    struct tm e = {.tm_year = u.tm_year, .tm_mon = 9, .tm_mday = last_sunday(year, 10), .tm_hour = 1};
    time_t ts = timegm(&s), te = timegm(&e);
    time_t local = now + (now >= ts && now < te ? 7200 : 3600);
    return gmtime_r(&local, out) ? 0 : -1;
}

/* The French label of a code of the data·inclusion lists (the code itself
 * when the list does not know it). */
static const char *list_label(mg_di_list l, const char *code)
{
    const char *label = mg_di_code_label(l, code);
    return label ? label : code;
}

static const char *thematic_label(const char *code)
{
    return list_label(MG_DI_THEMATIQUES, code);
}
static const char *public_label(const char *code)
{
    return list_label(MG_DI_PUBLICS, code);
}
static const char *fee_label(const char *code)
{
    return list_label(MG_DI_FRAIS, code);
}
static const char *reception_label(const char *code)
{
    return list_label(MG_DI_MODES_ACCUEIL, code);
}
static const char *mobilisation_label(const char *code)
{
    return list_label(MG_DI_MODES_MOBILISATION, code);
}
static const char *mobilisable_label(const char *code)
{
    return list_label(MG_DI_MOBILISABLE_PAR, code);
}
static const char *network_label(const char *code)
{
    return list_label(MG_DI_RESEAUX_PORTEURS, code);
}

/* --- Small helpers -------------------------------------------------------------- */

static mg_auth_object structure_object(int64_t id)
{
    return (mg_auth_object){.type = MG_AUTH_OBJ_STRUCTURE, .organisation_id = id};
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static bool present(const char *s)
{
    return s && *s;
}

/* The {name} path parameter as an id, or 0 after answering 404. */
static int64_t path_id(web_ctx *ctx, const char *name, const char *not_found)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, name), INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, not_found);
        return 0;
    }
    return id;
}

/* A comma-separated list of codes, each through label(), ", "-joined. */
static void code_list(mg_buf *b, const char *codes, const char *(*label)(const char *))
{
    if (!present(codes)) {
        mg_buf_puts(b, "—");
        return;
    }
    const char *p = codes;
    bool first = true;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char one[128];
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if (n && n < sizeof one) {
            memcpy(one, p, n);
            one[n] = '\0';
            if (!first)
                mg_buf_puts(b, ", ");
            mg_html_text(b, label ? label(one) : one);
            first = false;
        }
        p += n;
        while (*p == ' ')
            p++;
        if (*p == ',')
            p++;
    }
}

static const char *same(const char *code)
{
    return code;
}

/* The site kind of the map module (mg_map_site.kind) of a category: its
 * six marks (shape and colour) group the ten categories. */
static unsigned category_kind(mg_dir_category c)
{
    switch (c) {
    case MG_DIR_GP_PRACTICE: return 0;
    case MG_DIR_HEALTH_CENTRE: return 1;
    case MG_DIR_PHARMACY: return 2;
    case MG_DIR_CABIN:
    case MG_DIR_CART: return 3;
    case MG_DIR_HOSPITAL:
    case MG_DIR_MEDICO_SOCIAL: return 4;
    default: return 5;
    }
}

static const char *const kind_labels[MG_MAP_SITE_KINDS] = {
    "Cabinet de médecine générale",
    "Centre ou maison de santé",
    "Pharmacie",
    "Cabine ou chariot de téléconsultation",
    "Établissement sanitaire ou médico-social",
    "Acteur social, mairie ou autre",
};

static const char *category_label(int c)
{
    return c >= 0 && c < MG_DIR_CATEGORY_COUNT ? mg_dir_category_label((mg_dir_category)c) : "—";
}

/* The French label of a suggestion's field key. */
static const char *field_label(const char *key)
{
    static const struct {
        const char *key, *label;
    } labels[] = {
        {"name", "Nom"},
        {"category", "Catégorie"},
        {"description", "Présentation"},
        {"siret", "SIRET"},
        {"rna", "Numéro RNA"},
        {"finess", "Numéro FINESS"},
        {"address", "Adresse"},
        {"address_extra", "Complément d'adresse"},
        {"postcode", "Code postal"},
        {"commune_code", "Code INSEE de la commune"},
        {"commune_name", "Commune"},
        {"lat", "Latitude"},
        {"lon", "Longitude"},
        {"phone", "Téléphone"},
        {"email", "Adresse e-mail"},
        {"website", "Site internet"},
        {"accessibility_url", "Page d'accessibilité (Acceslibre)"},
        {"opening_hours", "Horaires d'accueil"},
        {"networks", "Réseaux porteurs"},
        {"network_role", "Rôle dans le réseau local"},
        {"missions", "Missions et modes d'intervention"},
        {"publish_contact", "Publication des coordonnées"},
    };
    for (size_t k = 0; key && k < NFIELDS(labels); k++)
        if (strcmp(labels[k].key, key) == 0)
            return labels[k].label;
    return key ? key : "";
}

/* --- Forms ----------------------------------------------------------------------- */

static int category_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)ctx;
    int rc = MG_OK;
    for (int c = 0; rc == MG_OK && c < MG_DIR_CATEGORY_COUNT; c++) {
        const char *key = mg_dir_category_key((mg_dir_category)c);
        rc = mg_html_option(b, key, mg_dir_category_label((mg_dir_category)c),
                            selected && strcmp(selected, key) == 0);
    }
    return rc;
}

static int category_filter_options(mg_buf *b, const void *ctx, const char *selected)
{
    int rc = mg_html_option(b, "", "Toutes", !selected || !*selected);
    return rc == MG_OK ? category_options(b, ctx, selected) : rc;
}

static const web_option yes_no[] = {{"non", "Non"}, {"oui", "Oui"}, {NULL, NULL}};

enum {
    ST_NAME, ST_CATEGORY, ST_DESCRIPTION, ST_SIRET, ST_RNA, ST_FINESS, ST_ADDRESS,
    ST_ADDRESS_EXTRA, ST_POSTCODE, ST_COMMUNE_CODE, ST_COMMUNE_NAME, ST_LAT, ST_LON, ST_PHONE,
    ST_EMAIL, ST_WEBSITE, ST_ACCESSIBILITY, ST_HOURS, ST_NETWORKS, ST_ROLE, ST_MISSIONS,
    ST_PUBLISH, ST_NFIELDS
};
static const web_field structure_fields[] = {
    [ST_NAME] = {.name = "name", .label = "Nom", .kind = WEB_FIELD_TEXT, .required = true,
                 .max = 200, .autocomplete = "organization"},
    [ST_CATEGORY] = {.name = "category", .label = "Catégorie", .kind = WEB_FIELD_SELECT,
                     .required = true, .options_fn = category_options, .defval = "other"},
    [ST_DESCRIPTION] = {.name = "description", .label = "Présentation", .kind = WEB_FIELD_TEXT,
                        .max = 2000},
    [ST_SIRET] = {.name = "siret", .label = "SIRET", .kind = WEB_FIELD_TEXT, .max = 20,
                  .hint = "14 chiffres ; facultatif."},
    [ST_RNA] = {.name = "rna", .label = "Numéro RNA", .kind = WEB_FIELD_TEXT, .max = 12,
                .hint = "Associations : W suivi de 9 chiffres ; facultatif."},
    [ST_FINESS] = {.name = "finess", .label = "Numéro FINESS", .kind = WEB_FIELD_TEXT, .max = 12,
                   .hint = "9 caractères ; facultatif."},
    [ST_ADDRESS] = {.name = "address", .label = "Adresse", .kind = WEB_FIELD_TEXT, .max = 255,
                    .autocomplete = "street-address"},
    [ST_ADDRESS_EXTRA] = {.name = "address_extra", .label = "Complément d'adresse",
                          .kind = WEB_FIELD_TEXT, .max = 255},
    [ST_POSTCODE] = {.name = "postcode", .label = "Code postal", .kind = WEB_FIELD_TEXT,
                     .max = 5, .autocomplete = "postal-code"},
    [ST_COMMUNE_CODE] = {.name = "commune_code", .label = "Code INSEE de la commune",
                         .kind = WEB_FIELD_TEXT, .max = 5,
                         .hint = "5 caractères, par exemple 11069."},
    [ST_COMMUNE_NAME] = {.name = "commune_name", .label = "Commune", .kind = WEB_FIELD_TEXT,
                         .max = 200, .autocomplete = "address-level2"},
    [ST_LAT] = {.name = "lat", .label = "Latitude", .kind = WEB_FIELD_NUMBER, .min = -90,
                .max = 90, .hint = "En degrés décimaux (WGS84) ; facultatif."},
    [ST_LON] = {.name = "lon", .label = "Longitude", .kind = WEB_FIELD_NUMBER, .min = -180,
                .max = 180, .hint = "En degrés décimaux (WGS84) ; facultatif."},
    [ST_PHONE] = {.name = "phone", .label = "Téléphone", .kind = WEB_FIELD_TEXT, .max = 30,
                  .autocomplete = "tel"},
    [ST_EMAIL] = {.name = "email", .label = "Adresse e-mail", .kind = WEB_FIELD_EMAIL,
                  .max = 254},
    [ST_WEBSITE] = {.name = "website", .label = "Site internet", .kind = WEB_FIELD_TEXT,
                    .max = 500, .autocomplete = "url"},
    [ST_ACCESSIBILITY] = {.name = "accessibility_url",
                          .label = "Page d'accessibilité (Acceslibre)", .kind = WEB_FIELD_TEXT,
                          .max = 500},
    [ST_HOURS] = {.name = "opening_hours", .label = "Horaires d'accueil",
                  .kind = WEB_FIELD_TEXT, .max = 1000,
                  .hint = "Syntaxe OpenStreetMap, par exemple « Mo-Fr 08:30-12:00,14:00-18:00; "
                          "PH off »."},
    [ST_NETWORKS] = {.name = "networks", .label = "Réseaux porteurs", .kind = WEB_FIELD_TEXT,
                     .max = 500, .hint = "Codes du schéma data·inclusion, séparés par des "
                                         "virgules ; facultatif."},
    [ST_ROLE] = {.name = "network_role", .label = "Rôle dans le réseau local",
                 .kind = WEB_FIELD_TEXT, .max = 2000},
    [ST_MISSIONS] = {.name = "missions", .label = "Missions et modes d'intervention",
                     .kind = WEB_FIELD_TEXT, .max = 2000},
    [ST_PUBLISH] = {.name = "publish_contact",
                    .label = "Publier le téléphone et l'adresse e-mail (pages et invitations)",
                    .kind = WEB_FIELD_SELECT, .required = true, .options = yes_no,
                    .defval = "non"},
};
static const web_form structure_form = {"structure", structure_fields, NFIELDS(structure_fields),
                                        "Enregistrer la structure", NULL};
static const web_form new_structure_form = {"structure", structure_fields,
                                            NFIELDS(structure_fields), "Ajouter la structure",
                                            NULL};

enum {
    SV_ID, SV_NAME, SV_DESCRIPTION, SV_THEMATICS, SV_PUBLICS, SV_FEES, SV_FEES_DETAILS,
    SV_RECEPTION, SV_MOBILISATION, SV_MOBILISABLE_BY, SV_ACCESS, SV_MOB_DETAILS, SV_MOB_URL,
    SV_HOURS, SV_PHONE, SV_EMAIL, SV_BOOKING, SV_NFIELDS
};
static const web_field service_fields[] = {
    [SV_ID] = {.name = "service", .label = "Service", .kind = WEB_FIELD_HIDDEN, .max = 20,
               .defval = ""},
    [SV_NAME] = {.name = "name", .label = "Nom du service", .kind = WEB_FIELD_TEXT,
                 .required = true, .max = 200},
    [SV_DESCRIPTION] = {.name = "description", .label = "Description du service",
                        .kind = WEB_FIELD_TEXT, .required = true, .max = 2000},
    [SV_THEMATICS] = {.name = "thematics", .label = "Thématiques", .kind = WEB_FIELD_TEXT,
                      .max = 1000, .hint = "Codes data·inclusion séparés par des virgules, par "
                                           "exemple « sante--acces-aux-soins »."},
    [SV_PUBLICS] = {.name = "publics", .label = "Publics", .kind = WEB_FIELD_TEXT, .max = 500,
                    .hint = "Codes data·inclusion séparés par des virgules ; facultatif."},
    [SV_FEES] = {.name = "fees", .label = "Frais", .kind = WEB_FIELD_TEXT, .max = 200,
                 .hint = "Codes data·inclusion (gratuit, payant…) ; facultatif."},
    [SV_FEES_DETAILS] = {.name = "fees_details", .label = "Précisions sur les frais",
                         .kind = WEB_FIELD_TEXT, .max = 1000},
    [SV_RECEPTION] = {.name = "reception_modes", .label = "Modes d'accueil",
                      .kind = WEB_FIELD_TEXT, .max = 200,
                      .hint = "en-presentiel, a-distance ; facultatif."},
    [SV_MOBILISATION] = {.name = "mobilisation_modes", .label = "Modes de mobilisation",
                         .kind = WEB_FIELD_TEXT, .max = 200},
    [SV_MOBILISABLE_BY] = {.name = "mobilisable_by", .label = "Mobilisable par",
                           .kind = WEB_FIELD_TEXT, .max = 200},
    [SV_ACCESS] = {.name = "access_conditions", .label = "Conditions d'accès",
                   .kind = WEB_FIELD_TEXT, .max = 2000},
    [SV_MOB_DETAILS] = {.name = "mobilisation_details", .label = "Comment s'y rendre ou le "
                                                                "solliciter",
                        .kind = WEB_FIELD_TEXT, .max = 2000},
    [SV_MOB_URL] = {.name = "mobilisation_url", .label = "Lien pour le solliciter",
                    .kind = WEB_FIELD_TEXT, .max = 500},
    [SV_HOURS] = {.name = "opening_hours", .label = "Horaires du service",
                  .kind = WEB_FIELD_TEXT, .max = 1000,
                  .hint = "Syntaxe OpenStreetMap, par exemple « Tu,Th 09:00-12:00 »."},
    [SV_PHONE] = {.name = "phone", .label = "Téléphone du service", .kind = WEB_FIELD_TEXT,
                  .max = 30},
    [SV_EMAIL] = {.name = "email", .label = "Adresse e-mail du service",
                  .kind = WEB_FIELD_EMAIL, .max = 254},
    [SV_BOOKING] = {.name = "booking_url", .label = "Lien de prise de rendez-vous",
                    .kind = WEB_FIELD_TEXT, .max = 500},
};
static const web_form service_form = {"service", service_fields, NFIELDS(service_fields),
                                      "Enregistrer le service", NULL};

static int suggestion_field_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)ctx;
    int rc = MG_OK;
    for (size_t k = 0; rc == MG_OK && mg_dir_suggestion_fields[k]; k++) {
        const char *key = mg_dir_suggestion_fields[k];
        rc = mg_html_option(b, key, field_label(key), selected && strcmp(selected, key) == 0);
    }
    return rc;
}

/* The organisations on whose behalf the actor may suggest: its active ones. */
static int suggest_org_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const web_ctx *ctx = options_ctx;
    const mg_auth_actor *a = ctx->actor;
    int rc = MG_OK;
    for (size_t k = 0; rc == MG_OK && k < a->nm && k < MG_AUTH_MEMBERSHIPS_MAX; k++) {
        if (!a->m[k].org_active)
            continue;
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)a->m[k].organisation_id);
        rc = mg_html_option(b, id, a->m[k].org_name, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

enum { SG_ORG, SG_FIELD, SG_VALUE };
static const web_field suggest_fields[] = {
    /* Not required: an actor with one active organisation may leave it out. */
    [SG_ORG] = {.name = "organisation", .label = "Au nom de", .kind = WEB_FIELD_SELECT,
                .options_fn = suggest_org_options},
    [SG_FIELD] = {.name = "field", .label = "Information à corriger", .kind = WEB_FIELD_SELECT,
                  .required = true, .options_fn = suggestion_field_options},
    [SG_VALUE] = {.name = "value", .label = "Valeur proposée", .kind = WEB_FIELD_TEXT,
                  .required = true, .max = 2000},
};
static const web_form suggest_form = {"suggestion", suggest_fields, NFIELDS(suggest_fields),
                                      "Envoyer la suggestion", NULL};

/* --- The search --------------------------------------------------------------------- */

enum { SR_TEXT, SR_CATEGORY, SR_THEMATIC, SR_COMMUNE, SR_SCOPE, SR_NFIELDS };

/* The <option>s of the EPCI filter: none, then the EPCI of the study
 * communes by name. options_ctx: the profession. */
static int epci_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const mg_app_profession *p = options_ctx;
    int rc = mg_html_option(b, "", "Tout le territoire", !selected || !*selected);
    if (!p || rc)
        return rc;
    rc = web_epci_options(b, p->g, selected);
    /* A list of communes given in the address keeps its choice. */
    if (rc == MG_OK && selected && strncmp(selected, "communes:", 9) == 0)
        rc = mg_html_option(b, selected, selected + 9, true);
    return rc;
}

/* The thematiques of data·inclusion, by code (a family's codes follow
 * it: "sante" then "sante--acces-aux-soins"…). */
static int thematic_options(mg_buf *b, const void *ctx, const char *selected)
{
    (void)ctx;
    int rc = mg_html_option(b, "", "Toutes", !selected || !*selected);
    size_t n = 0;
    const mg_di_code *codes = mg_di_codes(MG_DI_THEMATIQUES, &n);
    for (size_t k = 0; rc == MG_OK && codes && k < n; k++)
        rc = mg_html_option(b, codes[k].value, codes[k].label,
                            selected && strcmp(selected, codes[k].value) == 0);
    return rc;
}

typedef struct dir_search {
    web_field fields[SR_NFIELDS];
    web_form form;
    web_form_input in;
    const mg_app_profession *p;
    mg_scope scope;
    bool scoped;            /* a commune or an EPCI filters */
    const char **codes;     /* the scope's commune codes (request memory) */
    int category;
    mg_dir_query q;
} dir_search;

static void search_form_init(dir_search *s, const char *submit)
{
    s->fields[SR_TEXT] = (web_field){.name = "q", .label = "Nom", .kind = WEB_FIELD_TEXT,
                                     .max = 200, .hint = "Un ou plusieurs mots du nom."};
    s->fields[SR_CATEGORY] = (web_field){.name = "categorie", .label = "Catégorie",
                                         .kind = WEB_FIELD_SELECT,
                                         .options_fn = category_filter_options};
    s->fields[SR_THEMATIC] = (web_field){.name = "thematique", .label = "Thématique",
                                         .kind = WEB_FIELD_SELECT,
                                         .options_fn = thematic_options};
    s->fields[SR_COMMUNE] = (web_field){.name = "commune", .label = "Commune",
                                        .kind = WEB_FIELD_COMMUNE, .communes = s->p->g,
                                        .hint = "Son nom ou son code INSEE ; facultatif."};
    s->fields[SR_SCOPE] = (web_field){.name = "perimetre", .label = "EPCI",
                                      .kind = WEB_FIELD_SELECT, .options_fn = epci_options};
    s->form = (web_form){.id = "recherche", .fields = s->fields, .nfields = SR_NFIELDS,
                         .submit = submit, .css_class = NULL};
}

/*
 * Reads the search of the request into s: 0 when it can run; 1 when a
 * field is refused (s->in says which, the page is drawn with status 400);
 * -1 when answered already.
 */
static int search_parse(web_ctx *ctx, dir_search *s, const char *submit)
{
    memset(s, 0, sizeof *s);
    s->category = -1;
    s->p = web_profession(ctx->app, ctx->req, ctx->res);
    if (!s->p)
        return -1;
    search_form_init(s, submit);
    web_form_read(&s->form, ctx->req, &s->in);
    const char *cat = s->in.raw[SR_CATEGORY];
    if (!s->in.error[SR_CATEGORY][0] && present(cat)) {
        mg_dir_category c;
        if (mg_dir_category_parse(cat, &c))
            web_form_refuse(&s->in, "categorie",
                            "« Catégorie » : choisissez une catégorie de la liste.");
        else
            s->category = (int)c;
    }
    const char *them = s->in.raw[SR_THEMATIC];
    if (!s->in.error[SR_THEMATIC][0] && present(them) && !mg_di_code_known(MG_DI_THEMATIQUES, them))
        web_form_refuse(&s->in, "thematique",
                        "« Thématique » : choisissez une thématique de la liste.");
    const char *scope = s->in.raw[SR_SCOPE];
    long commune = web_form_commune(&s->in, "commune");
    mg_diag d = {{0}};
    if (s->in.nerrors)
        return 1;
    if (commune >= 0) {
        char spec[32];
        snprintf(spec, sizeof spec, "communes:%s", s->p->g->t->code[commune]);
        if (mg_scope_parse(s->p->g, spec, &s->scope, &d)) {
            web_form_refuse(&s->in, "commune", "« Commune » : cette commune n'est pas dans le "
                                               "territoire d'étude.");
            return 1;
        }
        snprintf(s->scope.label, sizeof s->scope.label, "%s", s->p->g->t->name[commune]);
        s->scoped = true;
    } else if (present(scope)) {
        /* A class of a layer (as the territory page offers), an EPCI or
         * communes. */
        int rc = strncmp(scope, "couche:", 7) == 0
                     ? web_layer_scope(ctx->app, s->p, scope, &s->scope)
                     : mg_scope_parse(s->p->g, scope, &s->scope, &d);
        if (rc) {
            web_form_refuse(&s->in, "perimetre",
                            "« EPCI » : choisissez un EPCI de la liste (ou un périmètre "
                            "« epci:SIREN » ou « communes:CODE,CODE »).");
            return 1;
        }
        s->scoped = true;
    }
    s->q.text = present(s->in.raw[SR_TEXT]) ? s->in.raw[SR_TEXT] : NULL;
    s->q.category = s->category;
    s->q.thematic = present(s->in.raw[SR_THEMATIC]) ? s->in.raw[SR_THEMATIC] : NULL;
    if (s->scoped) {
        s->codes = mg_http_alloc(ctx->req, (s->scope.n ? s->scope.n : 1) * sizeof *s->codes);
        if (!s->codes) {
            web_fail(ctx, 500, WEB_MSG_OUT_OF_MEMORY);
            return -1;
        }
        for (size_t k = 0; k < s->scope.n; k++)
            s->codes[k] = s->p->g->t->code[s->scope.idx[k]];
        s->q.communes = s->codes;
        s->q.ncommunes = s->scope.n;
    }
    return 0;
}

static void search_free(dir_search *s)
{
    if (s->scoped)
        mg_scope_free(&s->scope);
}

/* The query of the search's links (the page's own filters). */
typedef struct search_href_state {
    const char *path;
    const dir_search *s;
} search_href_state;

static void search_href(mg_buf *b, const void *state, size_t page)
{
    const search_href_state *st = state;
    const web_form_input *in = &st->s->in;
    char pg[24];
    snprintf(pg, sizeof pg, "%zu", page);
    const char *kv[] = {"q",          present(in->raw[SR_TEXT]) ? in->raw[SR_TEXT] : NULL,
                        "categorie",  present(in->raw[SR_CATEGORY]) ? in->raw[SR_CATEGORY] : NULL,
                        "thematique", present(in->raw[SR_THEMATIC]) ? in->raw[SR_THEMATIC] : NULL,
                        "commune",    present(in->raw[SR_COMMUNE]) ? in->raw[SR_COMMUNE] : NULL,
                        "perimetre",  present(in->raw[SR_SCOPE]) ? in->raw[SR_SCOPE] : NULL,
                        "page",       page > 1 ? pg : NULL,
                        NULL};
    mg_html_href(b, st->path, kv, NULL);
}

static void structure_row(mg_buf *b, const mg_dir_structure *s)
{
    mg_buf_puts(b, "<tr><th scope=\"row\">");
    mg_html_link_id(b, "/structure/", s->id, NULL);
    mg_html_text(b, nz(s->name));
    mg_buf_puts(b, "</a></th><td>");
    mg_html_text(b, category_label((int)s->category));
    mg_buf_puts(b, "</td><td>");
    mg_html_text(b, nz(s->address));
    if (present(s->address) && (present(s->postcode) || present(s->commune_name)))
        mg_buf_puts(b, ", ");
    mg_html_text(b, nz(s->postcode));
    if (present(s->postcode))
        mg_buf_puts(b, " ");
    mg_html_text(b, nz(s->commune_name));
    mg_buf_puts(b, "</td></tr>\n");
}

static void structure_table(mg_buf *b, const mg_dir_set *set, const char *caption)
{
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
    mg_html_text(b, caption);
    mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Nom</th><th scope=\"col\">Catégorie"
                   "</th><th scope=\"col\">Adresse</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < set->nstructures; k++)
        structure_row(b, &set->structures[k]);
    mg_buf_puts(b, "</tbody></table></div>\n");
}

static void directory_links(mg_buf *b, web_ctx *ctx, const char *here)
{
    mg_buf_puts(b, "<p class=\"links\">");
    if (strcmp(here, "liste") != 0)
        mg_buf_puts(b, "<a href=\"/annuaire\">Rechercher dans l'annuaire</a> · ");
    if (strcmp(here, "carte") != 0)
        mg_buf_puts(b, "<a href=\"/annuaire/carte\">Carte des acteurs</a> · ");
    mg_buf_puts(b, "<a href=\"/reseau/reunions\">Réunions du réseau</a>");
    mg_auth_object create = structure_object(0);
    if (web_can(ctx, MG_AUTH_CREATE, &create))
        mg_buf_puts(b, " · <a href=\"/annuaire/nouvelle\">Ajouter une structure manquante</a>");
    mg_auth_object platform = {.type = MG_AUTH_OBJ_PLATFORM};
    if (web_can(ctx, MG_AUTH_VIEW, &platform))
        mg_buf_puts(b, " · <a href=\"/annuaire/doublons\">Doublons à fusionner</a>");
    mg_buf_puts(b, "</p>\n");
}

static int annuaire_page(web_ctx *ctx)
{
    size_t page = 0;
    if (web_page_param(ctx->req, "page", &page)) {
        web_fail(ctx, 404, WEB_MSG_PAGE_OUT_OF_RANGE);
        return MG_OK;
    }
    dir_search s;
    int prc = search_parse(ctx, &s, "Rechercher");
    if (prc < 0)
        return MG_OK;
    mg_dir_set set;
    mg_dir_set_init(&set);
    size_t total = 0;
    web_pager pg = {1, 1, 0, 0};
    if (prc == 0) {
        s.q.offset = (page - 1) * SEARCH_PAGE_SIZE;
        s.q.limit = SEARCH_PAGE_SIZE;
        mg_diag d = {{0}};
        int rc = mg_dir_search(ctx->app->db, &s.q, &set, &total, &d);
        if (rc) {
            web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, READ_FAILED_FR);
            goto out;
        }
        if (web_paginate(total, page, SEARCH_PAGE_SIZE, &pg)) {
            web_fail(ctx, 404, WEB_MSG_PAGE_OUT_OF_RANGE);
            goto out;
        }
    } else {
        ctx->res->status = 400;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Annuaire des acteurs locaux", "annuaire");
    mg_buf_puts(b, "<h1>Annuaire des acteurs locaux</h1>\n<p>Les lieux de soins et les acteurs "
                   "sociaux et médico-sociaux du territoire, au format data·inclusion : "
                   "cherchez par nom, catégorie, thématique, commune ou EPCI.</p>\n");
    directory_links(b, ctx, "liste");
    mg_buf_puts(b, "<section aria-labelledby=\"filtres\"><h2 id=\"filtres\">Rechercher</h2>\n");
    web_form_render(b, &s.form, &s.in, "get", "/annuaire", s.p, NULL);
    mg_buf_puts(b, "</section>\n<section aria-labelledby=\"resultats\"><h2 id=\"resultats\">"
                   "Résultats</h2>\n");
    if (prc == 0) {
        if (total == 0) {
            mg_buf_puts(b, "<p>Aucune structure ne correspond à cette recherche.</p>\n");
        } else {
            mg_buf_printf(b, "<p role=\"status\">%zu %s", total, /* lint-ok: literals of the program */
                          total > 1 ? "structures trouvées" : "structure trouvée");
            if (s.scoped) {
                mg_buf_puts(b, " — ");
                mg_html_text(b, s.scope.label);
            }
            mg_buf_puts(b, ".</p>\n");
            char caption[96];
            snprintf(caption, sizeof caption, "Structures trouvées (page %zu sur %zu)", pg.page,
                     pg.pages);
            structure_table(b, &set, caption);
            search_href_state st = {"/annuaire", &s};
            web_pager_nav(b, &pg, "Pagination des résultats", search_href, &st);
        }
    } else {
        mg_buf_puts(b, "<p>Corrigez la recherche ci-dessus.</p>\n");
    }
    mg_buf_puts(b, "</section>\n");
    web_page_end(b);
out:
    mg_dir_set_free(&set);
    search_free(&s);
    return web_done(ctx);
}

/* --- The map of actors ---------------------------------------------------------------- */

static int carte_page(web_ctx *ctx)
{
    dir_search s;
    int prc = search_parse(ctx, &s, "Afficher");
    if (prc < 0)
        return MG_OK;
    enum mg_baseline base = web_baseline(ctx);
    if (base == MG_BASELINE_COUNT) {
        search_free(&s);
        return MG_OK;
    }
    mg_dir_set set;
    mg_dir_set_init(&set);
    size_t total = 0;
    mg_map_site *sites = NULL;
    size_t nsites = 0;
    if (prc == 0) {
        s.q.limit = MAP_MAX_POINTS;
        mg_diag d = {{0}};
        int rc = mg_dir_search(ctx->app->db, &s.q, &set, &total, &d);
        if (rc) {
            web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, READ_FAILED_FR);
            goto out;
        }
        sites = mg_alloc_array(set.nstructures ? set.nstructures : 1, sizeof *sites);
        if (!sites) {
            web_fail(ctx, 500, WEB_MSG_OUT_OF_MEMORY);
            goto out;
        }
        const mg_territory *t = s.p->g->t;
        for (size_t k = 0; k < set.nstructures && nsites < MG_MAP_MAX_SITES; k++) {
            const mg_dir_structure *st = &set.structures[k];
            mg_map_site site = {.commune = -1, .label = st->name,
                                .kind = category_kind(st->category),
                                .kind_label = kind_labels[category_kind(st->category)]};
            mg_diag pd = {{0}};
            if (isfinite(st->lat) && isfinite(st->lon) &&
                mg_map_project(st->lon, st->lat, &site.x, &site.y, &pd) == MG_OK &&
                isfinite(site.x) && isfinite(site.y)) {
                sites[nsites++] = site;
                continue;
            }
            long c = present(st->commune_code) ? mg_territory_find_current(t, st->commune_code)
                                               : -1;
            if (c >= 0) {
                site.commune = c;
                sites[nsites++] = site;
            }
        }
    } else {
        ctx->res->status = 400;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Carte des acteurs", "annuaire");
    mg_buf_puts(b, "<h1>Carte des acteurs</h1>\n<p>Les structures de l'annuaire sur la carte de "
                   "l'accessibilité potentielle localisée (APL) aux ");
    mg_html_text(b, s.p->g->prof->label);
    mg_buf_puts(b, " : une marque par structure, de forme et de couleur selon sa catégorie. La "
                   "liste sous la carte donne les mêmes structures.</p>\n");
    directory_links(b, ctx, "carte");
    mg_buf_puts(b, "<section aria-labelledby=\"filtres\"><h2 id=\"filtres\">Filtrer</h2>\n");
    web_form_render(b, &s.form, &s.in, "get", "/annuaire/carte", s.p, NULL);
    mg_buf_puts(b, "</section>\n");
    if (prc == 0) {
        const mg_diagnosis *g = s.p->g;
        const double *values = mg_app_baseline_values(s.p, base);
        double thr = g->prof->threshold;
        mg_map_style style = mg_map_style_for(values, g->study, g->study_n, thr, false);
        char suffix[WEB_MAP_SUFFIX], title[256];
        snprintf(title, sizeof title, "Acteurs de l'annuaire et APL aux %s", g->prof->label);
        mg_map_options opt = web_map_options(s.p, title, thr, false, suffix);
        opt.legend_title = base == MG_BASELINE_OFFICIAL ? "APL officielle (DREES)" : "APL (modèle)";
        opt.focus = s.scoped ? s.scope.mark : NULL;
        opt.focus_label = s.scoped ? s.scope.label : NULL;
        opt.epci_borders = true;
        opt.scale_bar = true;
        opt.sites = sites;
        opt.nsites = nsites;
        mg_buf_puts(b, "<section aria-labelledby=\"carte\"><h2 id=\"carte\">Carte</h2>\n"
                       "<figure class=\"map\">");
        if (web_map_inline(b, ctx->app, g->t, values, &style, &opt) != MG_OK)
            mg_buf_puts(b, "<p>La carte n'a pas pu être dessinée.</p>");
        mg_buf_puts(b, "</figure>\n");
        if (total > set.nstructures)
            mg_buf_printf(b, "<p class=\"note\">%zu structures correspondent ; les %zu premières "
                             "par ordre alphabétique sont sur la carte. Précisez la recherche "
                             "pour voir les autres.</p>\n",
                          total, set.nstructures);
        if (set.nstructures > nsites)
            mg_buf_printf(b, "<p class=\"note\">%zu %s sans position connue (ni coordonnées, ni " /* lint-ok: literals of the program */
                             "commune du territoire) : %s dans la liste seulement.</p>\n",
                          set.nstructures - nsites,
                          set.nstructures - nsites > 1 ? "structures" : "structure",
                          set.nstructures - nsites > 1 ? "elles sont" : "elle est");
        mg_buf_puts(b, "</section>\n<section aria-labelledby=\"liste\"><h2 id=\"liste\">Liste "
                       "des structures de la carte</h2>\n");
        if (set.nstructures == 0)
            mg_buf_puts(b, "<p>Aucune structure ne correspond à cette recherche.</p>\n");
        else
            structure_table(b, &set, "Structures de la carte");
        mg_buf_puts(b, "</section>\n");
    }
    web_page_end(b);
out:
    free(sites);
    mg_dir_set_free(&set);
    search_free(&s);
    return web_done(ctx);
}

/* --- A structure's page ---------------------------------------------------------------- */

/* Loads structure {id} with its services into set; false once answered. */
static bool load_structure(web_ctx *ctx, mg_dir_set *set, int64_t *id)
{
    *id = path_id(ctx, "id", NOT_FOUND_FR);
    if (!*id)
        return false;
    mg_diag d = {{0}};
    int rc = mg_dir_get(ctx->app->db, *id, set, &d);
    if (rc == MG_OK && set->nstructures == 0)
        rc = MG_ENOTFOUND;
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, READ_FAILED_FR);
        return false;
    }
    return true;
}

static void dl_item(mg_buf *b, const char *label, const char *value)
{
    if (!present(value))
        return;
    mg_buf_puts(b, "<dt>");
    mg_html_text(b, label);
    mg_buf_puts(b, "</dt><dd>");
    mg_html_text(b, value);
    mg_buf_puts(b, "</dd>");
}

/* An external link (http or https only: anything else is shown as text). */
static void dl_link(mg_buf *b, const char *label, const char *url)
{
    if (!present(url))
        return;
    mg_buf_puts(b, "<dt>");
    mg_html_text(b, label);
    mg_buf_puts(b, "</dt><dd>");
    if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) {
        mg_buf_puts(b, "<a rel=\"noopener\" href=\"");
        mg_html_attr(b, url);
        mg_buf_puts(b, "\">");
        mg_html_text(b, url);
        mg_buf_puts(b, "</a>");
    } else {
        mg_html_text(b, url);
    }
    mg_buf_puts(b, "</dd>");
}

static void dl_codes(mg_buf *b, const char *label, const char *codes,
                     const char *(*fn)(const char *))
{
    if (!present(codes))
        return;
    mg_buf_puts(b, "<dt>");
    mg_html_text(b, label);
    mg_buf_puts(b, "</dt><dd>");
    code_list(b, codes, fn);
    mg_buf_puts(b, "</dd>");
}

static void render_service(mg_buf *b, const mg_dir_service *v, bool contacts, time_t now)
{
    mg_buf_puts(b, "<article class=\"service\"><h3>");
    mg_html_text(b, nz(v->name));
    mg_buf_puts(b, "</h3>\n");
    if (present(v->description)) {
        mg_buf_puts(b, "<p>");
        mg_html_text(b, v->description);
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "<dl class=\"facts\">");
    dl_codes(b, "Thématiques", v->thematics, thematic_label);
    dl_codes(b, "Publics", v->publics, public_label);
    dl_item(b, "Précisions sur les publics", v->publics_details);
    dl_codes(b, "Frais", v->fees, fee_label);
    dl_item(b, "Précisions sur les frais", v->fees_details);
    dl_codes(b, "Modes d'accueil", v->reception_modes, reception_label);
    dl_codes(b, "Modes de mobilisation", v->mobilisation_modes, mobilisation_label);
    dl_codes(b, "Mobilisable par", v->mobilisable_by, mobilisable_label);
    dl_item(b, "Conditions d'accès", v->access_conditions);
    dl_item(b, "Comment s'y rendre ou le solliciter", v->mobilisation_details);
    dl_link(b, "Lien pour le solliciter", v->mobilisation_url);
    dl_link(b, "Prendre rendez-vous", v->booking_url);
    dl_codes(b, "Zone d'éligibilité", v->zone, same);
    if (contacts) {
        dl_item(b, "Téléphone", v->phone);
        dl_item(b, "Adresse e-mail", v->email);
    }
    dl_item(b, "Mis à jour le", v->updated_on);
    mg_buf_puts(b, "</dl>\n");
    if (present(v->opening_hours))
        hours_par(b, v->opening_hours, v->commune_code, now);
    mg_buf_puts(b, "</article>\n");
}

static const char *suggestion_status_fr(const char *s)
{
    if (strcmp(s, "pending") == 0)
        return "en attente";
    if (strcmp(s, "accepted") == 0)
        return "acceptée";
    if (strcmp(s, "rejected") == 0)
        return "refusée";
    return s;
}

static void render_suggestions(mg_buf *b, web_ctx *ctx, int64_t id)
{
    mg_dir_suggestion *sg = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    mg_buf_puts(b, "<section aria-labelledby=\"suggestions\"><h2 id=\"suggestions\">Suggestions "
                   "reçues</h2>\n");
    if (mg_dir_suggestions(ctx->app->db, id, &sg, &n, &d)) {
        mg_buf_puts(b, "<p>Les suggestions n'ont pas pu être lues.</p></section>\n");
        return;
    }
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucune suggestion.</p></section>\n");
        free(sg);
        return;
    }
    mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Modifications suggérées par d'autres "
                   "organisations</caption><thead><tr><th scope=\"col\">Reçue le</th>"
                   "<th scope=\"col\">De</th><th scope=\"col\">Information</th>"
                   "<th scope=\"col\">Valeur proposée</th><th scope=\"col\">État</th>"
                   "<th scope=\"col\">Décision</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < n; k++) {
        const mg_dir_suggestion *s = &sg[k];
        mg_buf_puts(b, "<tr><td>");
        web_time_utc(b, s->created_at, "—");
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, s->by_organisation_name);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, field_label(s->field));
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, s->value);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, suggestion_status_fr(s->status));
        mg_buf_puts(b, "</td><td>");
        if (strcmp(s->status, "pending") == 0) {
            mg_buf_printf(b, "<form class=\"inline\" method=\"post\" action=\"/structure/%lld/"
                             "suggestions/%lld\">",
                          (long long)id, (long long)s->id);
            web_csrf_field(b, ctx);
            mg_buf_puts(b, "<button type=\"submit\" name=\"decision\" value=\"accepter\" "
                           "aria-label=\"Accepter la suggestion ");
            mg_buf_printf(b, "%lld", (long long)s->id);
            mg_buf_puts(b, "\">Accepter</button> <button type=\"submit\" name=\"decision\" "
                           "value=\"refuser\" aria-label=\"Refuser la suggestion ");
            mg_buf_printf(b, "%lld", (long long)s->id);
            mg_buf_puts(b, "\">Refuser</button></form>");
        } else {
            mg_buf_puts(b, "—");
        }
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table></div>\n</section>\n");
    free(sg);
}

/* The actions of contracts the structure takes part in, those of the
 * contracts the viewer may see (mg_auth_can on the contract's lead); the
 * others are counted, not named. */
static void render_contract_roles(mg_buf *b, web_ctx *ctx, int64_t id)
{
    mg_contract_role *roles = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    mg_buf_puts(b, "<section aria-labelledby=\"contrats\"><h2 id=\"contrats\">Contrats et "
                   "actions</h2>\n");
    if (mg_contract_roles_of_organisation(ctx->app->db, id, &roles, &n, &d)) {
        mg_buf_puts(b, "<p>Les contrats n'ont pas pu être lus.</p></section>\n");
        return;
    }
    size_t shown = 0;
    for (size_t k = 0; k < n; k++) {
        mg_auth_object c = {.type = MG_AUTH_OBJ_CONTRACT, .organisation_id = roles[k].lead_id};
        if (!web_can(ctx, MG_AUTH_VIEW, &c))
            continue;
        if (shown++ == 0)
            mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Actions auxquelles la "
                           "structure participe</caption><thead><tr><th scope=\"col\">Contrat"
                           "</th><th scope=\"col\">Porteur</th><th scope=\"col\">Action</th>"
                           "<th scope=\"col\">État de l'action</th><th scope=\"col\">Rôle"
                           "</th></tr></thead><tbody>\n");
        mg_buf_puts(b, "<tr><td>");
        mg_html_link_id(b, "/contrats/", roles[k].contract_id, NULL);
        mg_html_text(b, roles[k].contract_title);
        mg_buf_puts(b, "</a> <small>(");
        mg_html_text(b, mg_contract_kind_label(roles[k].contract_kind));
        mg_buf_puts(b, ")</small></td><td>");
        mg_html_text(b, roles[k].lead_name);
        mg_buf_printf(b, "</td><td><a href=\"/contrats/%lld/actions/%lld\">",
                      (long long)roles[k].contract_id, (long long)roles[k].action_id);
        mg_html_text(b, roles[k].action_title);
        mg_buf_puts(b, "</a>");
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, mg_action_status_label(roles[k].action_status));
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, mg_participant_role_label(roles[k].role));
        mg_buf_puts(b, "</td></tr>\n");
    }
    if (shown)
        mg_buf_puts(b, "</tbody></table></div>\n");
    if (n == 0)
        mg_buf_puts(b, "<p>La structure ne participe à aucune action de contrat.</p>\n");
    else if (shown < n)
        mg_buf_printf(b, "<p>%s%zu %s de contrats que vous ne pouvez pas consulter.</p>\n", /* lint-ok: literals of the program */
                      shown ? "Et " : "La structure participe à ", n - shown,
                      n - shown > 1 ? "actions" : "action");
    mg_buf_puts(b, "</section>\n");
    free(roles);
}

static int structure_page(web_ctx *ctx)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    int64_t id;
    if (!load_structure(ctx, &set, &id)) {
        mg_dir_set_free(&set);
        return MG_OK;
    }
    const mg_dir_structure *s = &set.structures[0];
    mg_auth_object o = structure_object(id);
    bool editor = web_can(ctx, MG_AUTH_EDIT, &o);
    bool suggester = web_can(ctx, MG_AUTH_SUGGEST, &o);
    time_t now = time(NULL);
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, nz(s->name), "annuaire");
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, nz(s->name));
    mg_buf_puts(b, "</h1>\n");
    const char *fait = mg_http_query(ctx->req, "fait");
    if (fait && strcmp(fait, "enregistree") == 0)
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">La structure est enregistrée.</p>\n");
    else if (fait && strcmp(fait, "suggestion") == 0)
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">Votre suggestion est transmise à la "
                       "structure.</p>\n");
    else if (fait && strcmp(fait, "decision") == 0)
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">La décision est enregistrée.</p>\n");
    mg_buf_puts(b, "<p class=\"links\"><a href=\"/annuaire\">Annuaire</a>");
    if (editor) {
        mg_buf_printf(b, " · <a href=\"/structure/%lld/modifier\">Modifier la structure et ses "
                         "services</a>",
                      (long long)id);
    }
    if (suggester) {
        mg_buf_printf(b, " · <a href=\"/structure/%lld/suggerer\">Suggérer une modification</a>",
                      (long long)id);
    } else if (ctx->actor->account_id <= 0) {
        mg_buf_puts(b, " · <a href=\"/connexion\">Connectez-vous</a> pour suggérer une "
                       "modification ou, membre de la structure, la modifier");
    }
    mg_buf_puts(b, "</p>\n");
    if (present(s->description)) {
        mg_buf_puts(b, "<p>");
        mg_html_text(b, s->description);
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "<section aria-labelledby=\"fiche\"><h2 id=\"fiche\">Informations</h2>\n"
                   "<dl class=\"facts\">");
    dl_item(b, "Catégorie", category_label((int)s->category));
    dl_item(b, "Adresse", s->address);
    dl_item(b, "Complément d'adresse", s->address_extra);
    char commune[300];
    snprintf(commune, sizeof commune, "%s%s%s", nz(s->postcode), present(s->postcode) ? " " : "",
             nz(s->commune_name));
    dl_item(b, "Commune", commune);
    dl_item(b, "Code INSEE de la commune", s->commune_code);
    dl_item(b, "SIRET", s->siret);
    dl_item(b, "Numéro FINESS", s->finess);
    dl_item(b, "Numéro RNA", s->rna);
    dl_link(b, "Site internet", s->website);
    dl_link(b, "Accessibilité", s->accessibility_url);
    dl_codes(b, "Réseaux porteurs", s->networks, network_label);
    if (s->practitioners > 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", s->practitioners);
        dl_item(b, "Médecins généralistes à cette adresse", n);
    }
    dl_item(b, "Source", s->source);
    dl_item(b, "Mis à jour le", s->updated_on);
    mg_buf_puts(b, "</dl>\n");
    hours_par(b, s->opening_hours, s->commune_code, now);
    mg_buf_puts(b, "</section>\n<section aria-labelledby=\"contact\"><h2 id=\"contact\">"
                   "Coordonnées</h2>\n");
    if (s->publish_contact && (present(s->phone) || present(s->email))) {
        mg_buf_puts(b, "<dl class=\"facts\">");
        dl_item(b, "Téléphone", s->phone);
        dl_item(b, "Adresse e-mail", s->email);
        mg_buf_puts(b, "</dl>\n");
    } else if (s->publish_contact) {
        mg_buf_puts(b, "<p>Aucun téléphone ni adresse e-mail renseigné.</p>\n");
    } else {
        mg_buf_puts(b, "<p>La structure ne publie pas son téléphone ni son adresse e-mail.</p>\n");
    }
    mg_buf_puts(b, "</section>\n<section aria-labelledby=\"reseau\"><h2 id=\"reseau\">Dans le "
                   "réseau local</h2>\n<dl class=\"facts\">");
    dl_item(b, "Rôle", present(s->network_role) ? s->network_role : "non renseigné");
    dl_item(b, "Missions et modes d'intervention",
            present(s->missions) ? s->missions : "non renseignées");
    mg_buf_puts(b, "</dl>\n</section>\n");
    render_contract_roles(b, ctx, id);
    mg_buf_puts(b, "<section aria-labelledby=\"services\"><h2 id=\"services\">Services</h2>\n");
    size_t nserv = 0;
    for (size_t k = 0; k < set.nservices; k++) {
        render_service(b, &set.services[k], s->publish_contact, now);
        nserv++;
    }
    if (nserv == 0)
        mg_buf_puts(b, "<p>Aucun service décrit.</p>\n");
    mg_buf_puts(b, "</section>\n");
    if (editor)
        render_suggestions(b, ctx, id);
    web_page_end(b);
    mg_dir_set_free(&set);
    return web_done(ctx);
}

/* --- Edition ----------------------------------------------------------------------------- */

static const char *num_text(const web_ctx *ctx, double v)
{
    if (!isfinite(v))
        return NULL;
    char t[40];
    snprintf(t, sizeof t, "%.6f", v);
    return mg_http_strdup(ctx->req, t);
}

/* The form's fields filled with the stored structure. */
static void structure_input(const web_ctx *ctx, const mg_dir_structure *s, web_form_input *in)
{
    memset(in, 0, sizeof *in);
    in->form = &structure_form;
    for (size_t k = 0; k < WEB_FORM_MAX_FIELDS; k++)
        in->commune[k] = -1;
    in->raw[ST_NAME] = s->name;
    in->raw[ST_CATEGORY] = mg_dir_category_key(s->category);
    in->raw[ST_DESCRIPTION] = s->description;
    in->raw[ST_SIRET] = s->siret;
    in->raw[ST_RNA] = s->rna;
    in->raw[ST_FINESS] = s->finess;
    in->raw[ST_ADDRESS] = s->address;
    in->raw[ST_ADDRESS_EXTRA] = s->address_extra;
    in->raw[ST_POSTCODE] = s->postcode;
    in->raw[ST_COMMUNE_CODE] = s->commune_code;
    in->raw[ST_COMMUNE_NAME] = s->commune_name;
    in->raw[ST_LAT] = num_text(ctx, s->lat);
    in->raw[ST_LON] = num_text(ctx, s->lon);
    in->raw[ST_PHONE] = s->phone;
    in->raw[ST_EMAIL] = s->email;
    in->raw[ST_WEBSITE] = s->website;
    in->raw[ST_ACCESSIBILITY] = s->accessibility_url;
    in->raw[ST_HOURS] = s->opening_hours;
    in->raw[ST_NETWORKS] = s->networks;
    in->raw[ST_ROLE] = s->network_role;
    in->raw[ST_MISSIONS] = s->missions;
    in->raw[ST_PUBLISH] = s->publish_contact ? "oui" : "non";
}

static void service_input(const web_ctx *ctx, const mg_dir_service *v, web_form_input *in)
{
    memset(in, 0, sizeof *in);
    in->form = &service_form;
    for (size_t k = 0; k < WEB_FORM_MAX_FIELDS; k++)
        in->commune[k] = -1;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)v->id);
    in->raw[SV_ID] = mg_http_strdup(ctx->req, id);
    in->raw[SV_NAME] = v->name;
    in->raw[SV_DESCRIPTION] = v->description;
    in->raw[SV_THEMATICS] = v->thematics;
    in->raw[SV_PUBLICS] = v->publics;
    in->raw[SV_FEES] = v->fees;
    in->raw[SV_FEES_DETAILS] = v->fees_details;
    in->raw[SV_RECEPTION] = v->reception_modes;
    in->raw[SV_MOBILISATION] = v->mobilisation_modes;
    in->raw[SV_MOBILISABLE_BY] = v->mobilisable_by;
    in->raw[SV_ACCESS] = v->access_conditions;
    in->raw[SV_MOB_DETAILS] = v->mobilisation_details;
    in->raw[SV_MOB_URL] = v->mobilisation_url;
    in->raw[SV_HOURS] = v->opening_hours;
    in->raw[SV_PHONE] = v->phone;
    in->raw[SV_EMAIL] = v->email;
    in->raw[SV_BOOKING] = v->booking_url;
}

/* A typed value as the set keeps it: NULL when empty. */
static const char *typed(mg_dir_set *set, const char *raw)
{
    return present(raw) ? mg_dir_strdup(set, raw, SIZE_MAX) : NULL;
}

/* Copies the structure form into s (the set's record). */
static void structure_from_input(mg_dir_set *set, mg_dir_structure *s, const web_form_input *in)
{
    mg_dir_category c = MG_DIR_OTHER;
    if (mg_dir_category_parse(nz(in->raw[ST_CATEGORY]), &c) == MG_OK)
        s->category = c;
    s->name = typed(set, in->raw[ST_NAME]);
    s->description = typed(set, in->raw[ST_DESCRIPTION]);
    s->siret = typed(set, in->raw[ST_SIRET]);
    s->rna = typed(set, in->raw[ST_RNA]);
    s->finess = typed(set, in->raw[ST_FINESS]);
    s->address = typed(set, in->raw[ST_ADDRESS]);
    s->address_extra = typed(set, in->raw[ST_ADDRESS_EXTRA]);
    s->postcode = typed(set, in->raw[ST_POSTCODE]);
    s->commune_code = typed(set, in->raw[ST_COMMUNE_CODE]);
    s->commune_name = typed(set, in->raw[ST_COMMUNE_NAME]);
    s->lat = in->given[ST_LAT] ? in->num[ST_LAT] : NAN;
    s->lon = in->given[ST_LON] ? in->num[ST_LON] : NAN;
    s->phone = typed(set, in->raw[ST_PHONE]);
    s->email = typed(set, in->raw[ST_EMAIL]);
    s->website = typed(set, in->raw[ST_WEBSITE]);
    s->accessibility_url = typed(set, in->raw[ST_ACCESSIBILITY]);
    s->opening_hours = typed(set, in->raw[ST_HOURS]);
    s->networks = typed(set, in->raw[ST_NETWORKS]);
    s->network_role = typed(set, in->raw[ST_ROLE]);
    s->missions = typed(set, in->raw[ST_MISSIONS]);
    s->publish_contact = in->raw[ST_PUBLISH] && strcmp(in->raw[ST_PUBLISH], "oui") == 0;
}

static void service_from_input(mg_dir_set *set, mg_dir_service *v, const web_form_input *in)
{
    v->name = typed(set, in->raw[SV_NAME]);
    v->description = typed(set, in->raw[SV_DESCRIPTION]);
    v->thematics = typed(set, in->raw[SV_THEMATICS]);
    v->publics = typed(set, in->raw[SV_PUBLICS]);
    v->fees = typed(set, in->raw[SV_FEES]);
    v->fees_details = typed(set, in->raw[SV_FEES_DETAILS]);
    v->reception_modes = typed(set, in->raw[SV_RECEPTION]);
    v->mobilisation_modes = typed(set, in->raw[SV_MOBILISATION]);
    v->mobilisable_by = typed(set, in->raw[SV_MOBILISABLE_BY]);
    v->access_conditions = typed(set, in->raw[SV_ACCESS]);
    v->mobilisation_details = typed(set, in->raw[SV_MOB_DETAILS]);
    v->mobilisation_url = typed(set, in->raw[SV_MOB_URL]);
    v->opening_hours = typed(set, in->raw[SV_HOURS]);
    v->phone = typed(set, in->raw[SV_PHONE]);
    v->email = typed(set, in->raw[SV_EMAIL]);
    v->booking_url = typed(set, in->raw[SV_BOOKING]);
}

/* Checks opening hours typed in field `name` of in before the store does,
 * so that the sentence names the position. */
static void check_hours(web_form_input *in, int i, const char *name, const char *label)
{
    const char *v = in->raw[i];
    if (in->error[i][0] || !present(v))
        return;
    mg_opening_hours *oh = NULL;
    mg_diag d = {{0}};
    if (mg_opening_hours_parse(v, strlen(v), 0, &oh, &d)) {
        char msg[WEB_FORM_ERROR_SIZE];
        snprintf(msg, sizeof msg, "« %s » : %.440s", label, d.msg[0] ? d.msg : "horaires illisibles.");
        web_form_refuse(in, name, msg);
        return;
    }
    mg_opening_hours_free(oh);
}

/* The category is a list drawn by a function (the form layer checks only
 * fixed lists): a value outside it is refused, never read as "other". */
static void check_category(web_form_input *in)
{
    const char *v = in->raw[ST_CATEGORY];
    mg_dir_category c;
    if (in->error[ST_CATEGORY][0] || !present(v) || mg_dir_category_parse(v, &c) == MG_OK)
        return;
    web_form_refuse(in, "category", "« Catégorie » : choisissez une valeur de la liste.");
}

/* A refusal of the store beside the field it names (the structure's field
 * keys are the forms' names), else beside `fallback`. */
static void refuse_store(web_form_input *in, const char *field, const mg_diag *d,
                         const char *fallback)
{
    const char *f = field;
    if (f) {
        /* "services[0].name" or "service.name": the part after the dot. */
        const char *dot = strrchr(f, '.');
        if (dot)
            f = dot + 1;
    }
    if (!f || web_form_field(in->form, f) < 0)
        f = fallback;
    char msg[WEB_FORM_ERROR_SIZE];
    web_sentence(msg, sizeof msg, d->msg[0] ? d->msg : "valeur refusée");
    web_form_refuse(in, f, msg);
}

typedef struct edit_view {
    int64_t id;
    mg_dir_set *set;
    const web_form_input *structure; /* a refused structure form, or NULL */
    const web_form_input *service;   /* a refused service form, or NULL */
    int64_t service_id;              /* which service it was (0: a new one) */
} edit_view;

static void render_edit(web_ctx *ctx, const edit_view *v)
{
    mg_buf *b = &ctx->res->body;
    const mg_dir_structure *s = &v->set->structures[0];
    char title[300], action[96];
    snprintf(title, sizeof title, "Modifier — %s", nz(s->name));
    snprintf(action, sizeof action, "/structure/%lld/modifier", (long long)v->id);
    web_page_begin(b, ctx, title, "annuaire");
    mg_buf_puts(b, "<h1>Modifier « ");
    mg_html_text(b, nz(s->name));
    mg_buf_puts(b, " »</h1>\n");
    const char *fait = mg_http_query(ctx->req, "fait");
    if (fait && strcmp(fait, "service") == 0)
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">Le service est enregistré.</p>\n");
    mg_buf_printf(b, "<p class=\"links\"><a href=\"/structure/%lld\">Retour à la page de la "
                     "structure</a></p>\n",
                  (long long)v->id);
    mg_buf_puts(b, "<section aria-labelledby=\"fiche\"><h2 id=\"fiche\">La structure</h2>\n"
                   "<p>Chaque modification est enregistrée dans l'historique de la structure "
                   "(qui, quand, avant, après).</p>\n");
    web_form_input cur;
    if (!v->structure)
        structure_input(ctx, s, &cur);
    web_form_render(b, &structure_form, v->structure ? v->structure : &cur, "post", action, NULL,
                    web_csrf(ctx));
    mg_buf_puts(b, "</section>\n<section aria-labelledby=\"services\"><h2 id=\"services\">"
                   "Ses services</h2>\n");
    for (size_t k = 0; k < v->set->nservices; k++) {
        const mg_dir_service *sv = &v->set->services[k];
        mg_buf_printf(b, "<section class=\"service\" aria-labelledby=\"service-%lld\">"
                         "<h3 id=\"service-%lld\">",
                      (long long)sv->id, (long long)sv->id);
        mg_html_text(b, nz(sv->name));
        mg_buf_puts(b, "</h3>\n");
        web_form_input si;
        const web_form_input *shown = v->service && v->service_id == sv->id ? v->service : NULL;
        if (!shown) {
            service_input(ctx, sv, &si);
            shown = &si;
        }
        /* Each service's form has its own ids. */
        web_form f = service_form;
        char fid[40];
        snprintf(fid, sizeof fid, "service-%lld", (long long)sv->id);
        f.id = fid;
        web_form_input copy = *shown;
        copy.form = &f;
        web_form_render(b, &f, &copy, "post", action, NULL, web_csrf(ctx));
        mg_buf_puts(b, "</section>\n");
    }
    mg_buf_puts(b, "<section class=\"service\" aria-labelledby=\"service-nouveau\">"
                   "<h3 id=\"service-nouveau\">Ajouter un service</h3>\n");
    web_form f = service_form;
    f.id = "service-nouveau";
    f.submit = "Ajouter le service";
    if (v->service && v->service_id == 0) {
        web_form_input copy = *v->service;
        copy.form = &f;
        web_form_render(b, &f, &copy, "post", action, NULL, web_csrf(ctx));
    } else {
        web_form_render(b, &f, NULL, "post", action, NULL, web_csrf(ctx));
    }
    mg_buf_puts(b, "</section>\n</section>\n");
    web_history(b, ctx, "structure", v->id);
    web_page_end(b);
}

static bool load_for_edit(web_ctx *ctx, mg_dir_set *set, int64_t *id)
{
    if (!load_structure(ctx, set, id))
        return false;
    mg_auth_object o = structure_object(*id);
    return web_allow(ctx, MG_AUTH_EDIT, &o);
}

static int edit_page(web_ctx *ctx)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    int64_t id;
    if (load_for_edit(ctx, &set, &id)) {
        edit_view v = {.id = id, .set = &set};
        render_edit(ctx, &v);
    }
    mg_dir_set_free(&set);
    return web_done(ctx);
}

static int edit_post(web_ctx *ctx)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    int64_t id;
    if (!load_for_edit(ctx, &set, &id)) {
        mg_dir_set_free(&set);
        return MG_OK;
    }
    edit_view v = {.id = id, .set = &set};
    web_form_input in;
    const char *which = mg_http_form(ctx->req, "service");
    const char *field = NULL;
    mg_diag d = {{0}};
    int rc;
    if (which) {
        /* A service's form: an existing service of this structure, or a new one. */
        int64_t sid = 0;
        size_t at = set.nservices;
        if (*which && mg_parse_id(which, INT64_MAX, &sid, NULL) == MG_OK) {
            for (size_t k = 0; k < set.nservices; k++)
                if (set.services[k].id == sid)
                    at = k;
        }
        if (*which && at == set.nservices) {
            mg_http_error(ctx->req, ctx->res, 404, "Ce service n'existe pas pour cette structure.");
            mg_dir_set_free(&set);
            return MG_OK;
        }
        web_form_read(&service_form, ctx->req, &in);
        check_hours(&in, SV_HOURS, "opening_hours", service_fields[SV_HOURS].label);
        v.service = &in;
        v.service_id = sid;
        if (in.nerrors) {
            ctx->res->status = 422;
            render_edit(ctx, &v);
            mg_dir_set_free(&set);
            return web_done(ctx);
        }
        mg_dir_service *sv;
        if (at == set.nservices) {
            sv = mg_dir_add_service(&set);
            if (!sv) {
                web_fail(ctx, 500, WEB_MSG_OUT_OF_MEMORY);
                mg_dir_set_free(&set);
                return MG_OK;
            }
            sv->structure_id = id;
            sv->source = "maillage";
            at = set.nservices - 1;
        }
        sv = &set.services[at];
        service_from_input(&set, sv, &in);
        int64_t sid_out = id;
        rc = mg_dir_save(ctx->app->db, ctx->actor->account_id, &set, &sid_out, &field, &d);
        if (rc == MG_EINVAL) {
            refuse_store(&in, field, &d, "name");
            ctx->res->status = 422;
            /* The set now holds what was typed: reread it for the page. */
            mg_dir_set_free(&set);
            mg_dir_set_init(&set);
            mg_diag d2 = {{0}};
            if (mg_dir_get(ctx->app->db, id, &set, &d2) || set.nstructures == 0) {
                web_storage_error(ctx->req, ctx->res, MG_ENOTFOUND, &d2, NOT_FOUND_FR,
                                  READ_FAILED_FR);
                mg_dir_set_free(&set);
                return MG_OK;
            }
            render_edit(ctx, &v);
            mg_dir_set_free(&set);
            return web_done(ctx);
        }
        if (rc) {
            web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, SAVE_FAILED_FR);
            mg_dir_set_free(&set);
            return MG_OK;
        }
        char to[96];
        snprintf(to, sizeof to, "/structure/%lld/modifier?fait=service", (long long)id);
        mg_http_redirect(ctx->res, to);
        mg_dir_set_free(&set);
        return MG_OK;
    }
    web_form_read(&structure_form, ctx->req, &in);
    check_hours(&in, ST_HOURS, "opening_hours", structure_fields[ST_HOURS].label);
    check_category(&in);
    v.structure = &in;
    if (in.nerrors) {
        ctx->res->status = 422;
        render_edit(ctx, &v);
        mg_dir_set_free(&set);
        return web_done(ctx);
    }
    mg_dir_structure *s = &set.structures[0];
    structure_from_input(&set, s, &in);
    int64_t out_id = id;
    rc = mg_dir_save(ctx->app->db, ctx->actor->account_id, &set, &out_id, &field, &d);
    if (rc == MG_EINVAL) {
        refuse_store(&in, field, &d, "name");
        ctx->res->status = 422;
        render_edit(ctx, &v);
        mg_dir_set_free(&set);
        return web_done(ctx);
    }
    mg_dir_set_free(&set);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, SAVE_FAILED_FR);
        return MG_OK;
    }
    char to[96];
    snprintf(to, sizeof to, "/structure/%lld?fait=enregistree", (long long)id);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

/* --- Suggestions ------------------------------------------------------------------------- */

static void render_suggest(web_ctx *ctx, int64_t id, const char *name, const web_form_input *in)
{
    mg_buf *b = &ctx->res->body;
    char title[300], action[96];
    snprintf(title, sizeof title, "Suggérer une modification — %s", name);
    snprintf(action, sizeof action, "/structure/%lld/suggerer", (long long)id);
    web_page_begin(b, ctx, title, "annuaire");
    mg_buf_puts(b, "<h1>Suggérer une modification de « ");
    mg_html_text(b, name);
    mg_buf_puts(b, " »</h1>\n<p>La structure reçoit votre suggestion et décide de l'accepter ou "
                   "non. Une suggestion porte sur une information à la fois.</p>\n");
    mg_buf_printf(b, "<p class=\"links\"><a href=\"/structure/%lld\">Retour à la page de la "
                     "structure</a></p>\n",
                  (long long)id);
    web_form_render(b, &suggest_form, in, "post", action, ctx, web_csrf(ctx));
    web_page_end(b);
}

static bool load_for_suggest(web_ctx *ctx, mg_dir_set *set, int64_t *id)
{
    if (!load_structure(ctx, set, id))
        return false;
    mg_auth_object o = structure_object(*id);
    return web_allow(ctx, MG_AUTH_SUGGEST, &o);
}

static int suggest_page(web_ctx *ctx)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    int64_t id;
    if (load_for_suggest(ctx, &set, &id))
        render_suggest(ctx, id, nz(set.structures[0].name), NULL);
    mg_dir_set_free(&set);
    return web_done(ctx);
}

static int suggest_post(web_ctx *ctx)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    int64_t id;
    if (!load_for_suggest(ctx, &set, &id)) {
        mg_dir_set_free(&set);
        return MG_OK;
    }
    web_form_input in;
    web_form_read(&suggest_form, ctx->req, &in);
    int64_t org = 0;
    if (!in.error[SG_ORG][0] && !in.given[SG_ORG]) {
        /* Left out: the actor's one active organisation. */
        size_t nactive = 0;
        for (size_t k = 0; k < ctx->actor->nm && k < MG_AUTH_MEMBERSHIPS_MAX; k++)
            if (ctx->actor->m[k].org_active) {
                nactive++;
                org = ctx->actor->m[k].organisation_id;
            }
        if (nactive != 1) {
            org = 0;
            web_form_refuse(&in, "organisation", "« Au nom de » est obligatoire.");
        }
    } else if (!in.error[SG_ORG][0]) {
        bool mine = false;
        if (mg_parse_id(in.raw[SG_ORG], INT64_MAX, &org, NULL) == MG_OK)
            for (size_t k = 0; k < ctx->actor->nm && k < MG_AUTH_MEMBERSHIPS_MAX; k++)
                if (ctx->actor->m[k].organisation_id == org && ctx->actor->m[k].org_active)
                    mine = true;
        if (!mine)
            web_form_refuse(&in, "organisation", "« Au nom de » : choisissez une de vos "
                                                 "organisations.");
    }
    if (!in.error[SG_FIELD][0]) {
        bool known = false;
        for (size_t k = 0; mg_dir_suggestion_fields[k]; k++)
            if (strcmp(mg_dir_suggestion_fields[k], in.raw[SG_FIELD]) == 0)
                known = true;
        if (!known)
            web_form_refuse(&in, "field", "« Information à corriger » : choisissez une "
                                          "information de la liste.");
    }
    if (!in.nerrors) {
        int64_t sid = 0;
        mg_diag d = {{0}};
        int rc = mg_dir_suggest(ctx->app->db, ctx->actor->account_id, org, id, in.raw[SG_FIELD],
                                in.raw[SG_VALUE], &sid, &d);
        if (rc == MG_EINVAL) {
            char msg[WEB_FORM_ERROR_SIZE];
            web_sentence(msg, sizeof msg, d.msg[0] ? d.msg : "valeur refusée");
            web_form_refuse(&in, "value", msg);
        } else if (rc) {
            web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, SAVE_FAILED_FR);
            mg_dir_set_free(&set);
            return MG_OK;
        }
    }
    if (in.nerrors) {
        ctx->res->status = 422;
        render_suggest(ctx, id, nz(set.structures[0].name), &in);
        mg_dir_set_free(&set);
        return web_done(ctx);
    }
    mg_dir_set_free(&set);
    char to[96];
    snprintf(to, sizeof to, "/structure/%lld?fait=suggestion", (long long)id);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

static int suggestion_decide(web_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", NOT_FOUND_FR);
    if (!id)
        return MG_OK;
    int64_t sid = path_id(ctx, "sid", "Cette suggestion n'existe pas.");
    if (!sid)
        return MG_OK;
    mg_auth_object o = structure_object(id);
    if (!web_allow(ctx, MG_AUTH_EDIT, &o))
        return MG_OK;
    const char *decision = mg_http_form(ctx->req, "decision");
    bool accept = decision && strcmp(decision, "accepter") == 0;
    if (!accept && !(decision && strcmp(decision, "refuser") == 0)) {
        mg_http_error(ctx->req, ctx->res, 400,
                      "« Décision » : « accepter » ou « refuser » est attendu.");
        return MG_OK;
    }
    mg_diag d = {{0}};
    int rc = mg_dir_suggestion_decide(ctx->app->db, ctx->actor->account_id, id, sid, accept, &d);
    if (rc == MG_EINVAL) {
        char msg[512];
        web_sentence(msg, sizeof msg, d.msg[0] ? d.msg : "la suggestion ne peut pas être appliquée");
        mg_http_error(ctx->req, ctx->res, 409, mg_http_strdup(ctx->req, msg));
        return MG_OK;
    }
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, "Cette suggestion n'existe pas ou a déjà "
                                                      "été traitée.",
                          SAVE_FAILED_FR);
        return MG_OK;
    }
    char to[96];
    snprintf(to, sizeof to, "/structure/%lld?fait=decision", (long long)id);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

/* --- A missing structure ------------------------------------------------------------------- */

static void render_new(web_ctx *ctx, const web_form_input *in)
{
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Ajouter une structure", "annuaire");
    mg_buf_puts(b, "<h1>Ajouter une structure manquante</h1>\n<p>Une structure ajoutée ici "
                   "devient une organisation confirmée sans membre : elle pourra rejoindre la "
                   "plateforme plus tard et modifier elle-même sa fiche. Vérifiez d'abord "
                   "qu'elle n'est pas déjà dans <a href=\"/annuaire\">l'annuaire</a>.</p>\n");
    web_form_render(b, &new_structure_form, in, "post", "/annuaire/nouvelle", NULL,
                    web_csrf(ctx));
    web_page_end(b);
}

static int new_page(web_ctx *ctx)
{
    mg_auth_object o = structure_object(0);
    if (!web_allow(ctx, MG_AUTH_CREATE, &o))
        return MG_OK;
    render_new(ctx, NULL);
    return web_done(ctx);
}

static int new_post(web_ctx *ctx)
{
    mg_auth_object o = structure_object(0);
    if (!web_allow(ctx, MG_AUTH_CREATE, &o))
        return MG_OK;
    web_form_input in;
    web_form_read(&new_structure_form, ctx->req, &in);
    check_hours(&in, ST_HOURS, "opening_hours", structure_fields[ST_HOURS].label);
    check_category(&in);
    if (in.nerrors) {
        ctx->res->status = 422;
        render_new(ctx, &in);
        return web_done(ctx);
    }
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    if (!s) {
        mg_dir_set_free(&set);
        web_fail(ctx, 500, WEB_MSG_OUT_OF_MEMORY);
        return MG_OK;
    }
    s->source = "maillage";
    structure_from_input(&set, s, &in);
    int64_t id = 0;
    const char *field = NULL;
    mg_diag d = {{0}};
    int rc = mg_dir_save(ctx->app->db, ctx->actor->account_id, &set, &id, &field, &d);
    mg_dir_set_free(&set);
    if (rc == MG_EINVAL) {
        refuse_store(&in, field, &d, "name");
        ctx->res->status = 422;
        render_new(ctx, &in);
        return web_done(ctx);
    }
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, SAVE_FAILED_FR);
        return MG_OK;
    }
    char to[96];
    snprintf(to, sizeof to, "/structure/%lld?fait=enregistree", (long long)id);
    mg_http_redirect(ctx->res, to);
    return MG_OK;
}

/* --- Merge proposals ------------------------------------------------------------------------ */

static int merges_page(web_ctx *ctx)
{
    mg_auth_object o = {.type = MG_AUTH_OBJ_PLATFORM};
    if (!web_allow(ctx, MG_AUTH_VIEW, &o))
        return MG_OK;
    mg_dir_merge *m = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_dir_merges(ctx->app->db, &m, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND_FR, READ_FAILED_FR);
        return MG_OK;
    }
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, "Doublons à fusionner", "annuaire");
    mg_buf_puts(b, "<h1>Doublons à fusionner</h1>\n<p>Un import a trouvé ces structures déjà "
                   "dans l'annuaire (même SIRET, même FINESS, ou même nom à la même adresse). "
                   "Fusionner complète la structure existante avec la fiche importée ; écarter "
                   "oublie la fiche importée.</p>\n");
    const char *fait = mg_http_query(ctx->req, "fait");
    if (fait && strcmp(fait, "decision") == 0)
        mg_buf_puts(b, "<p class=\"notice\" role=\"status\">La décision est enregistrée.</p>\n");
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucun doublon en attente.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Propositions de fusion en attente"
                       "</caption><thead><tr><th scope=\"col\">Fiche importée</th>"
                       "<th scope=\"col\">Structure existante</th><th scope=\"col\">Motif</th>"
                       "<th scope=\"col\">Proposée le</th><th scope=\"col\">Décision</th></tr>"
                       "</thead><tbody>\n");
        for (size_t k = 0; k < n; k++) {
            mg_dir_set in, cur;
            mg_dir_set_init(&in);
            mg_dir_set_init(&cur);
            mg_dir_merge mm;
            mg_diag d1 = {{0}};
            bool have_in = mg_dir_merge_get(ctx->app->db, m[k].id, &mm, &in, &d1) == MG_OK &&
                           in.nstructures;
            bool have_cur = mg_dir_get(ctx->app->db, m[k].structure_id, &cur, &d1) == MG_OK &&
                            cur.nstructures;
            mg_buf_puts(b, "<tr><td>");
            if (have_in) {
                mg_html_text(b, nz(in.structures[0].name));
                mg_buf_puts(b, "<br><small>");
                mg_html_text(b, nz(in.structures[0].address));
                mg_buf_puts(b, " ");
                mg_html_text(b, nz(in.structures[0].commune_name));
                mg_buf_puts(b, " — source ");
                mg_html_text(b, nz(in.structures[0].source));
                mg_buf_puts(b, "</small>");
            } else {
                mg_buf_puts(b, "—");
            }
            mg_buf_puts(b, "</td><td>");
            mg_html_link_id(b, "/structure/", m[k].structure_id, NULL);
            mg_html_text(b, have_cur ? nz(cur.structures[0].name) : "structure");
            mg_buf_puts(b, "</a></td><td>");
            mg_html_text(b, m[k].reason);
            mg_buf_puts(b, "</td><td>");
            web_time_utc(b, m[k].created_at, "—");
            mg_buf_printf(b, "</td><td><form class=\"inline\" method=\"post\" "
                             "action=\"/annuaire/doublons/%lld\">",
                          (long long)m[k].id);
            web_csrf_field(b, ctx);
            mg_buf_printf(b, "<button type=\"submit\" name=\"decision\" value=\"fusionner\" "
                             "aria-label=\"Fusionner la proposition %lld\">Fusionner</button> "
                             "<button type=\"submit\" name=\"decision\" value=\"ecarter\" "
                             "aria-label=\"Écarter la proposition %lld\">Écarter</button></form>"
                             "</td></tr>\n",
                          (long long)m[k].id, (long long)m[k].id);
            mg_dir_set_free(&in);
            mg_dir_set_free(&cur);
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    web_page_end(b);
    free(m);
    return web_done(ctx);
}

static int merge_decide(web_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", "Cette proposition de fusion n'existe pas.");
    if (!id)
        return MG_OK;
    mg_auth_object o = {.type = MG_AUTH_OBJ_PLATFORM};
    if (!web_allow(ctx, MG_AUTH_EDIT, &o))
        return MG_OK;
    const char *decision = mg_http_form(ctx->req, "decision");
    bool accept = decision && strcmp(decision, "fusionner") == 0;
    if (!accept && !(decision && strcmp(decision, "ecarter") == 0)) {
        mg_http_error(ctx->req, ctx->res, 400,
                      "« Décision » : « fusionner » ou « ecarter » est attendu.");
        return MG_OK;
    }
    mg_diag d = {{0}};
    int rc = mg_dir_merge_decide(ctx->app->db, ctx->actor->account_id, id, accept, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d,
                          "Cette proposition de fusion n'existe pas ou a déjà été traitée.",
                          SAVE_FAILED_FR);
        return MG_OK;
    }
    mg_http_redirect(ctx->res, "/annuaire/doublons?fait=decision");
    return MG_OK;
}

const web_route web_routes_directory[] = {
    {"GET", "/annuaire", annuaire_page, WEB_ANYONE, 0},
    {"GET", "/annuaire/carte", carte_page, WEB_ANYONE, 0},
    {"GET", "/annuaire/nouvelle", new_page, WEB_ACCOUNT, 0},
    {"POST", "/annuaire/nouvelle", new_post, WEB_ACCOUNT, 0},
    {"GET", "/annuaire/doublons", merges_page, WEB_PLATFORM, 0},
    {"POST", "/annuaire/doublons/{id}", merge_decide, WEB_PLATFORM, 0},
    {"GET", "/structure/{id}", structure_page, WEB_ANYONE, 0},
    {"GET", "/structure/{id}/modifier", edit_page, WEB_ACCOUNT, 0},
    {"POST", "/structure/{id}/modifier", edit_post, WEB_ACCOUNT, 0},
    {"GET", "/structure/{id}/suggerer", suggest_page, WEB_ACCOUNT, 0},
    {"POST", "/structure/{id}/suggerer", suggest_post, WEB_ACCOUNT, 0},
    {"POST", "/structure/{id}/suggestions/{sid}", suggestion_decide, WEB_ACCOUNT, 0},
    {NULL, NULL, NULL, 0, 0},
};
