/*
 * Semantic checks of structures and services (check.h). Each check names
 * the field and what was expected, in French, and stops at the first fault.
 */
#include "directory/check.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "directory/codes.h"
#include "directory/holidays.h"
#include "directory/opening_hours.h"
#include "parse/parse.h"

static const struct {
    char kind;
    const char *key, *di;
} di_names[] = {
    {'s', "source_id", "id"},
    {'s', "name", "nom"},
    {'s', "address", "adresse"},
    {'s', "address_extra", "complement_adresse"},
    {'s', "postcode", "code_postal"},
    {'s', "commune_code", "code_insee"},
    {'s', "commune_name", "commune"},
    {'s', "lat", "latitude"},
    {'s', "lon", "longitude"},
    {'s', "phone", "telephone"},
    {'s', "email", "courriel"},
    {'s', "website", "site_web"},
    {'s', "accessibility_url", "accessibilite_lieu"},
    {'s', "source_url", "lien_source"},
    {'s', "opening_hours", "horaires_accueil"},
    {'s', "networks", "reseaux_porteurs"},
    {'s', "updated_on", "date_maj"},
    {'v', "source_id", "id"},
    {'v', "structure_source_id", "structure_id"},
    {'v', "name", "nom"},
    {'v', "thematics", "thematiques"},
    {'v', "fees", "frais"},
    {'v', "reception_modes", "modes_accueil"},
    {'v', "mobilisation_modes", "modes_mobilisation"},
    {'v', "mobilisable_by", "mobilisable_par"},
    {'v', "zone", "zone_eligibilite"},
    {'v', "publics_details", "publics_precisions"},
    {'v', "fees_details", "frais_precisions"},
    {'v', "access_conditions", "conditions_acces"},
    {'v', "mobilisation_details", "mobilisation_precisions"},
    {'v', "mobilisation_url", "lien_mobilisation"},
    {'v', "address", "adresse"},
    {'v', "address_extra", "complement_adresse"},
    {'v', "postcode", "code_postal"},
    {'v', "commune_code", "code_insee"},
    {'v', "commune_name", "commune"},
    {'v', "lat", "latitude"},
    {'v', "lon", "longitude"},
    {'v', "phone", "telephone"},
    {'v', "email", "courriel"},
    {'v', "contact_name", "contact_nom_prenom"},
    {'v', "source_url", "lien_source"},
    {'v', "opening_hours", "horaires_accueil"},
    {'v', "weeks", "nombre_semaines"},
    {'v', "weekly_hours", "volume_horaire_hebdomadaire"},
    {'v', "updated_on", "date_maj"},
};

const char *mg_dir_field_di_name(char kind, const char *key)
{
    for (size_t i = 0; key && i < sizeof di_names / sizeof di_names[0]; i++)
        if (di_names[i].kind == kind && strcmp(di_names[i].key, key) == 0)
            return di_names[i].di;
    return key;
}

/* Records the fault and returns MG_EINVAL. */
static int fail(mg_dir_report_row *row, char kind, const char *key, const char *fmt, ...)
    MG_PRINTF(4, 5);
static int fail(mg_dir_report_row *row, char kind, const char *key, const char *fmt, ...)
{
    if (!row)
        return MG_EINVAL;
    snprintf(row->field, sizeof row->field, "%s", key);
    char text[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    snprintf(row->message, sizeof row->message, "Champ « %s » : %s",
             mg_dir_field_di_name(kind, key), text);
    mg_dir_message_clean(row->message);
    return MG_EINVAL;
}

void mg_dir_message_clean(char *s)
{
    size_t len = strlen(s);
    for (size_t at = 0; at < len;) {
        at += mg_utf8_check(s + at, len - at, NULL);
        if (at >= len)
            break;
        /* A lead byte followed only by continuation bytes up to the end:
         * a character cut by the buffer's size. Dropped. */
        size_t k = at + 1;
        while (k < len && ((unsigned char)s[k] & 0xC0u) == 0x80u)
            k++;
        if (k == len && len - at < 4 && (unsigned char)s[at] >= 0xC2u) {
            s[at] = '\0';
            break;
        }
        s[at++] = '?';
    }
}

/* Up to 40 bytes of what was found, for messages (fail() makes the message
 * valid UTF-8 whatever the input). */
#define SHOWN(s) (int)mg_utf8_prefix((s), 40), (s)

static bool present(const char *s)
{
    return s && s[0];
}

/* Text of min..max characters, valid UTF-8, no control characters but
 * tab and line breaks. */
static int check_text(mg_dir_report_row *row, char kind, const char *key, const char *s,
                      bool required, size_t min, size_t max)
{
    if (!present(s)) {
        if (required)
            return fail(row, kind, key, "obligatoire, absent");
        return 0;
    }
    size_t len = strlen(s), chars = 0;
    if (mg_utf8_check(s, len, &chars) != len)
        return fail(row, kind, key, "le texte n'est pas de l'UTF-8 valide");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return fail(row, kind, key, "caractère de contrôle à la position %zu", i + 1);
    }
    if (chars < min)
        return fail(row, kind, key, "au moins %zu caractères attendus, %zu trouvés", min, chars);
    if (chars > max)
        return fail(row, kind, key, "au plus %zu caractères attendus, %zu trouvés", max, chars);
    return 0;
}

static int check_date(mg_dir_report_row *row, char kind, const char *key, const char *s)
{
    if (!present(s))
        return fail(row, kind, key, "obligatoire, absent (date AAAA-MM-JJ)");
    mg_date dt;
    mg_parse_error why;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || mg_parse_date(s, &dt, &why) != 0)
        return fail(row, kind, key, "date réelle au format AAAA-MM-JJ attendue, trouvé « %.*s »",
                    SHOWN(s));
    return 0;
}

static int check_postcode(mg_dir_report_row *row, char kind, const char *s)
{
    if (!present(s))
        return 0;
    bool ok = strlen(s) == 5;
    for (size_t i = 0; ok && i < 5; i++)
        ok = s[i] >= '0' && s[i] <= '9';
    if (!ok)
        return fail(row, kind, "postcode", "5 chiffres attendus, trouvé « %.*s »", SHOWN(s));
    return 0;
}

static int check_commune(mg_dir_report_row *row, char kind, const char *key, const char *s)
{
    if (!present(s))
        return 0;
    char out[MG_PARSE_COMMUNE_SIZE];
    mg_parse_error why = MG_PARSE_OK;
    if (strlen(s) != 5 || mg_parse_commune(s, out, &why) != 0 || strcmp(out, s) != 0)
        return fail(row, kind, key,
                    "code commune INSEE de 5 caractères attendu (ex. 11069, 2A004), trouvé « %.*s »",
                    SHOWN(s));
    return 0;
}

static int check_email(mg_dir_report_row *row, char kind, const char *s)
{
    if (!present(s))
        return 0;
    size_t len = strlen(s);
    const char *at = strchr(s, '@');
    bool ok = len >= 3 && len <= 254 && at && at > s && !strchr(at + 1, '@');
    if (ok) {
        const char *dot = strrchr(at + 1, '.');
        ok = dot && dot > at + 1 && dot[1] != '\0';
    }
    for (size_t i = 0; ok && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        ok = c > 0x20 && c != 0x7f && c != ',' && c != ';' && c != '<' && c != '>' && c != '"';
    }
    if (!ok)
        return fail(row, kind, "email", "adresse électronique attendue (nom@domaine.fr), trouvé « %.*s »",
                    SHOWN(s));
    return 0;
}

static int check_url(mg_dir_report_row *row, char kind, const char *key, const char *s)
{
    if (!present(s))
        return 0;
    size_t len = strlen(s);
    size_t scheme = strncmp(s, "https://", 8) == 0 ? 8 : strncmp(s, "http://", 7) == 0 ? 7 : 0;
    bool ok = scheme && len <= 2083 && len > scheme && s[scheme] != '/' && s[scheme] != '.';
    for (size_t i = 0; ok && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        ok = c > 0x20 && c != 0x7f && c != '"' && c != '<' && c != '>' && c != '\\';
    }
    if (!ok)
        return fail(row, kind, key, "adresse web commençant par https:// attendue, trouvé « %.*s »",
                    SHOWN(s));
    return 0;
}

static int check_phone(mg_dir_report_row *row, char kind, const char *s)
{
    if (!present(s))
        return 0;
    size_t digits = 0, len = strlen(s);
    bool ok = len <= 100;
    for (size_t i = 0; ok && i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digits++;
        else
            ok = c == ' ' || c == '.' || c == '-' || c == '+' || c == '(' || c == ')';
    }
    if (!ok || digits < 3 || digits > 20)
        return fail(row, kind, "phone", "numéro de téléphone attendu (ex. 04 68 00 00 00), trouvé « %.*s »",
                    SHOWN(s));
    return 0;
}

static int check_coords(mg_dir_report_row *row, char kind, double lat, double lon)
{
    if (isnan(lat) != isnan(lon))
        return fail(row, kind, isnan(lat) ? "lat" : "lon",
                    "latitude et longitude vont ensemble : l'une manque");
    if (!isnan(lat) && !(lat >= -90 && lat <= 90))
        return fail(row, kind, "lat", "latitude entre -90 et 90 attendue, trouvé %g", lat);
    if (!isnan(lon) && !(lon >= -180 && lon <= 180))
        return fail(row, kind, "lon", "longitude entre -180 et 180 attendue, trouvé %g", lon);
    return 0;
}

static int check_hours(mg_dir_report_row *row, char kind, const char *s, const char *commune)
{
    if (!present(s))
        return 0;
    unsigned flags = 0;
    if (commune && (strncmp(commune, "57", 2) == 0 || strncmp(commune, "67", 2) == 0 ||
                    strncmp(commune, "68", 2) == 0))
        flags = MG_HOLIDAYS_ALSACE_MOSELLE;
    mg_opening_hours *oh = NULL;
    mg_diag d = {{0}};
    int rc = mg_opening_hours_parse(s, strlen(s), flags, &oh, &d);
    mg_opening_hours_free(oh);
    if (rc)
        return fail(row, kind, "opening_hours", "horaires au format OpenStreetMap attendus : %s",
                    d.msg[0] ? d.msg : mg_strerror(rc));
    return 0;
}

static int check_codes(mg_dir_report_row *row, char kind, const char *key, mg_di_list l,
                       const char *s)
{
    if (!present(s))
        return 0;
    char bad[64];
    if (!mg_di_codes_known(l, s, bad, sizeof bad))
        return fail(row, kind, key, "« %s » n'est pas un code de la liste %s (ou il est répété)",
                    bad, mg_di_list_file(l));
    return 0;
}

static int check_code(mg_dir_report_row *row, char kind, const char *key, const char *s,
                      int (*parse)(const char *, char *, mg_parse_error *), size_t len,
                      const char *what)
{
    if (!present(s))
        return 0;
    char out[16];
    mg_parse_error why = MG_PARSE_OK;
    if (strlen(s) != len || parse(s, out, &why) != 0 || strcmp(out, s) != 0)
        return fail(row, kind, key, "%s attendu, trouvé « %.*s »%s%s", what, SHOWN(s),
                    why != MG_PARSE_OK ? " : " : "", why != MG_PARSE_OK ? mg_parse_error_fr(why) : "");
    return 0;
}

static int parse_siret(const char *s, char *out, mg_parse_error *why)
{
    return mg_parse_siret(s, out, why);
}
static int parse_rna(const char *s, char *out, mg_parse_error *why)
{
    return mg_parse_rna(s, out, why);
}
static int parse_finess(const char *s, char *out, mg_parse_error *why)
{
    return mg_parse_finess(s, out, why);
}

/* Each zone item: a commune (5), a département (2 or 3) or an EPCI's SIREN (9 digits). */
static int check_zone(mg_dir_report_row *row, const char *s)
{
    if (!present(s))
        return 0;
    const char *p = s;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool ok = n == 2 || n == 3 || n == 5 || n == 9;
        for (size_t i = 0; ok && i < n; i++)
            ok = isalnum((unsigned char)p[i]) && (n != 9 || isdigit((unsigned char)p[i]));
        if (!ok)
            return fail(row, 'v', "zone",
                        "codes de commune (5), de département (2 ou 3) ou SIREN d'EPCI (9 chiffres) "
                        "séparés par des virgules attendus, trouvé « %.*s »",
                        (int)mg_utf8_prefix(p, n < 40 ? n : 40), p);
        if (!end)
            return 0;
        p = end + 1;
    }
}

int mg_dir_check_structure(const mg_dir_structure *s, mg_dir_report_row *row)
{
    const char k = 's';
    int rc = check_text(row, k, "source", s->source, true, 1, 100);
    if (!rc)
        rc = check_text(row, k, "source_id", s->source_id, true, 1, 127);
    if (!rc)
        rc = check_text(row, k, "name", s->name, true, 3, 150);
    if (!rc && (unsigned)s->category >= MG_DIR_CATEGORY_COUNT)
        rc = fail(row, k, "category", "catégorie inconnue");
    if (!rc)
        rc = check_date(row, k, "updated_on", s->updated_on);
    if (!rc)
        rc = check_code(row, k, "siret", s->siret, parse_siret, 14,
                        "numéro SIRET de 14 chiffres (clé de Luhn juste)");
    if (!rc)
        rc = check_code(row, k, "rna", s->rna, parse_rna, 10, "numéro RNA (W suivi de 9 caractères)");
    if (!rc)
        rc = check_code(row, k, "finess", s->finess, parse_finess, 9,
                        "numéro FINESS de 9 caractères (clé juste)");
    if (!rc)
        rc = check_text(row, k, "description", s->description, false, 5, 10000);
    if (!rc)
        rc = check_text(row, k, "address", s->address, false, 1, 500);
    if (!rc)
        rc = check_text(row, k, "address_extra", s->address_extra, false, 1, 500);
    if (!rc)
        rc = check_postcode(row, k, s->postcode);
    if (!rc)
        rc = check_commune(row, k, "commune_code", s->commune_code);
    if (!rc)
        rc = check_text(row, k, "commune_name", s->commune_name, false, 1, 200);
    if (!rc)
        rc = check_coords(row, k, s->lat, s->lon);
    if (!rc)
        rc = check_phone(row, k, s->phone);
    if (!rc)
        rc = check_email(row, k, s->email);
    if (!rc)
        rc = check_url(row, k, "website", s->website);
    if (!rc)
        rc = check_url(row, k, "accessibility_url", s->accessibility_url);
    if (!rc)
        rc = check_url(row, k, "source_url", s->source_url);
    if (!rc)
        rc = check_hours(row, k, s->opening_hours, s->commune_code);
    if (!rc)
        rc = check_codes(row, k, "networks", MG_DI_RESEAUX_PORTEURS, s->networks);
    if (!rc)
        rc = check_text(row, k, "network_role", s->network_role, false, 1, 10000);
    if (!rc)
        rc = check_text(row, k, "missions", s->missions, false, 1, 10000);
    if (!rc && s->practitioners < 0)
        rc = fail(row, k, "practitioners", "nombre positif ou nul attendu, trouvé %d",
                  s->practitioners);
    return rc;
}

int mg_dir_check_service(const mg_dir_service *v, mg_dir_report_row *row)
{
    const char k = 'v';
    int rc = check_text(row, k, "source", v->source, true, 1, 100);
    if (!rc)
        rc = check_text(row, k, "source_id", v->source_id, true, 1, 127);
    if (!rc && v->structure_id <= 0)
        rc = check_text(row, k, "structure_source_id", v->structure_source_id, true, 1, 127);
    if (!rc)
        rc = check_text(row, k, "name", v->name, true, 3, 150);
    if (!rc)
        rc = check_text(row, k, "description", v->description, true, 5, 10000);
    if (!rc)
        rc = check_date(row, k, "updated_on", v->updated_on);
    if (!rc && present(v->type) && !mg_di_code_known(MG_DI_TYPES_SERVICES, v->type))
        rc = fail(row, k, "type", "« %.*s » n'est pas un code de la liste %s", SHOWN(v->type),
                  mg_di_list_file(MG_DI_TYPES_SERVICES));
    if (!rc)
        rc = check_codes(row, k, "thematics", MG_DI_THEMATIQUES, v->thematics);
    if (!rc)
        rc = check_codes(row, k, "publics", MG_DI_PUBLICS, v->publics);
    if (!rc)
        rc = check_codes(row, k, "fees", MG_DI_FRAIS, v->fees);
    if (!rc)
        rc = check_codes(row, k, "reception_modes", MG_DI_MODES_ACCUEIL, v->reception_modes);
    if (!rc)
        rc = check_codes(row, k, "mobilisation_modes", MG_DI_MODES_MOBILISATION,
                         v->mobilisation_modes);
    if (!rc)
        rc = check_codes(row, k, "mobilisable_by", MG_DI_MOBILISABLE_PAR, v->mobilisable_by);
    if (!rc)
        rc = check_zone(row, v->zone);
    const char *texts[][2] = {
        {"publics_details", v->publics_details}, {"fees_details", v->fees_details},
        {"access_conditions", v->access_conditions},
        {"mobilisation_details", v->mobilisation_details},
    };
    for (size_t i = 0; !rc && i < sizeof texts / sizeof texts[0]; i++)
        rc = check_text(row, k, texts[i][0], texts[i][1], false, 1, 10000);
    if (!rc)
        rc = check_url(row, k, "mobilisation_url", v->mobilisation_url);
    if (!rc)
        rc = check_text(row, k, "address", v->address, false, 1, 500);
    if (!rc)
        rc = check_text(row, k, "address_extra", v->address_extra, false, 1, 500);
    if (!rc)
        rc = check_postcode(row, k, v->postcode);
    if (!rc)
        rc = check_commune(row, k, "commune_code", v->commune_code);
    if (!rc)
        rc = check_text(row, k, "commune_name", v->commune_name, false, 1, 200);
    if (!rc)
        rc = check_coords(row, k, v->lat, v->lon);
    if (!rc)
        rc = check_phone(row, k, v->phone);
    if (!rc)
        rc = check_email(row, k, v->email);
    if (!rc)
        rc = check_text(row, k, "contact_name", v->contact_name, false, 1, 200);
    if (!rc)
        rc = check_url(row, k, "source_url", v->source_url);
    if (!rc)
        rc = check_url(row, k, "booking_url", v->booking_url);
    if (!rc)
        rc = check_hours(row, k, v->opening_hours, v->commune_code);
    if (!rc && (v->weeks < 0 || v->weeks > 53))
        rc = fail(row, k, "weeks", "nombre de semaines entre 1 et 53 attendu, trouvé %d", v->weeks);
    if (!rc && !isnan(v->weekly_hours) && !(v->weekly_hours >= 0 && v->weekly_hours <= 168))
        rc = fail(row, k, "weekly_hours", "volume horaire hebdomadaire entre 0 et 168 attendu, trouvé %g",
                  v->weekly_hours);
    return rc;
}
