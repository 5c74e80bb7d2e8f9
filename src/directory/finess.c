/*
 * The FINESS establishment extraction as data.gouv.fr publishes it
 * ("FINESS Extraction du Fichier des établissements", file
 * etalab-cs1100507-stock-AAAAMMJJ-HHMM.csv): `;`-separated, RFC 4180
 * quotes, no header but a first line "finess;etalab;N;AAAA-MM-JJ", then one
 * line per establishment (first field "structureet", 32 fields) and, in
 * the geolocated file, one line per establishment's coordinates (first
 * field "geolocalisation": nofinesset, coordxet, coordyet, sourcecoordet,
 * datemaj), the coordinates in Lambert-93 (EPSG:2154) in metropolitan
 * France, UTM in the overseas departments, the system named by the last
 * item of sourcecoordet. docs/formats.md ("Directory") has the columns
 * and their source.
 *
 * Older files are Windows-1252, newer ones UTF-8: text that is not valid
 * UTF-8 is read as Windows-1252. Coordinates go to WGS84 with PROJ
 * (proj_create_crs_to_crs, then proj_normalize_for_visualization for the
 * longitude-latitude order), rounded to 1e-7 degree (1 cm).
 */
#include <ctype.h>
#include <math.h>
#include <proj.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "directory/formats.h"
#include "parse/parse.h"

enum {
    C_KIND = 0, C_NOFINESSET, C_NOFINESSEJ, C_RS, C_RSLONGUE, C_COMPLRS, C_COMPLDISTRIB,
    C_NUMVOIE, C_TYPVOIE, C_VOIE, C_COMPVOIE, C_LIEUDITBP, C_COMMUNE, C_DEPARTEMENT,
    C_LIBDEPARTEMENT, C_LIGNEACHEMINEMENT, C_TELEPHONE, C_TELECOPIE, C_CATEGETAB,
    C_LIBCATEGETAB, C_CATEGAGRETAB, C_LIBCATEGAGRETAB, C_SIRET, C_CODEAPE, C_CODEMFT,
    C_LIBMFT, C_CODESPH, C_LIBSPH, C_DATEOUV, C_DATEAUTOR, C_MAJ, C_NUMUAI,
    C_STRUCTUREET_FIELDS
};
enum { G_KIND = 0, G_NOFINESSET, G_X, G_Y, G_SOURCE, G_DATEMAJ, G_FIELDS };

#define MAX_FIELDS 40

/*
 * The finder's category of a FINESS category (categetab), from the FINESS
 * nomenclature of establishment categories (ANS, NOS TRE_R66
 * CategorieEtablissement). Anything else is MG_DIR_OTHER.
 */
static const struct {
    int code;
    mg_dir_category cat;
} kCategories[] = {
    {620, MG_DIR_PHARMACY},      /* Pharmacie d'Officine */
    {124, MG_DIR_HEALTH_CENTRE}, /* Centre de Santé */
    {603, MG_DIR_HEALTH_CENTRE}, /* Maison de santé (L.6223-3) */
    {101, MG_DIR_HOSPITAL},      /* Centre Hospitalier Régional (C.H.R.) */
    {106, MG_DIR_HOSPITAL},      /* Centre hospitalier, ex Hôpital local */
    {355, MG_DIR_HOSPITAL},      /* Centre Hospitalier (C.H.) */
    {365, MG_DIR_HOSPITAL},      /* Etablissement de Soins Pluridisciplinaire */
    {128, MG_DIR_HOSPITAL},      /* Etablissement de Soins Chirurgicaux */
    {129, MG_DIR_HOSPITAL},      /* Etablissement de Soins Médicaux */
    {292, MG_DIR_HOSPITAL},      /* Centre Hospitalier Spécialisé lutte Maladies Mentales */
    {500, MG_DIR_MEDICO_SOCIAL}, /* Etablissement d'hébergement pour personnes âgées dépendantes */
    {223, MG_DIR_MEDICO_SOCIAL}, /* Protection Maternelle et Infantile (P.M.I.) */
    {156, MG_DIR_MEDICO_SOCIAL}, /* Centre Médico-Psychologique (C.M.P.) */
    {189, MG_DIR_MEDICO_SOCIAL}, /* Centre Médico-Psycho-Pédagogique (C.M.P.P.) */
    {197, MG_DIR_MEDICO_SOCIAL}, /* Centre Soins Accompagnement Prévention Addictologie */
};

static mg_dir_category category_of(const char *code)
{
    int64_t c;
    mg_parse_error why;
    if (mg_parse_c_int(code, strlen(code), 0, 9999, &c, &why) != 0)
        return MG_DIR_OTHER;
    for (size_t i = 0; i < sizeof kCategories / sizeof kCategories[0]; i++)
        if (kCategories[i].code == c)
            return kCategories[i].cat;
    return MG_DIR_OTHER;
}

/* Windows-1252 bytes 0x80..0x9F as code points (0: undefined). */
static const unsigned short kCp1252[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
    0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* text as UTF-8: itself, or a malloc'd conversion from Windows-1252
 * (*conv set; undefined bytes become U+FFFD). */
static char *to_utf8(const char *t, size_t n, size_t *outn)
{
    char *o = mg_alloc_array(n + 1, 3);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)t[i];
        if (c >= 0x80 && c < 0xA0)
            c = kCp1252[c - 0x80] ? kCp1252[c - 0x80] : 0xFFFD;
        if (c < 0x80)
            o[k++] = (char)c;
        else if (c < 0x800) {
            o[k++] = (char)(0xC0 | (c >> 6));
            o[k++] = (char)(0x80 | (c & 0x3F));
        } else {
            o[k++] = (char)(0xE0 | (c >> 12));
            o[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
            o[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    o[k] = 0;
    *outn = k;
    return o;
}

/* Splits one line (without its end) into fields, in place: RFC 4180
 * quotes at the start of a field. Returns the count, or -1 for an
 * unterminated quote, -2 for too many fields. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return -2;
        if (*p == '"') {
            char *w = p, *r = p + 1;
            f[n++] = w;
            for (;;) {
                if (!*r)
                    return -1;
                if (*r == '"') {
                    if (r[1] == '"') {
                        *w++ = '"';
                        r += 2;
                        continue;
                    }
                    r++;
                    break;
                }
                *w++ = *r++;
            }
            /* anything between the closing quote and the separator is kept */
            while (*r && *r != ';')
                *w++ = *r++;
            char end = *r;
            *w = 0;
            if (!end)
                return n;
            p = r + 1;
        } else {
            f[n++] = p;
            char *e = strchr(p, ';');
            if (!e)
                return n;
            *e = 0;
            p = e + 1;
        }
    }
}

static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = 0;
    return s;
}

/* "a b c" from the non-empty parts, into buf (cut at a character
 * boundary when too long). */
static void join(char *buf, size_t cap, const char *sep, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    size_t o = 0, sl = strlen(sep);
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        const char *s = va_arg(ap, const char *);
        if (!s || !*s)
            continue;
        if (o && o + sl + 1 < cap) {
            memcpy(buf + o, sep, sl);
            o += sl;
        }
        size_t k = o + 1 < cap ? mg_utf8_prefix(s, cap - o - 1) : 0;
        memcpy(buf + o, s, k);
        o += k;
        buf[o] = 0;
    }
    va_end(ap);
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool lead_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* A date "AAAA-MM-JJ" or "JJ/MM/AAAA" as "AAAA-MM-JJ" into out[11]. */
static bool date_of(const char *s, char *out)
{
    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
        memcpy(out, s, 11);
        return true;
    }
    if (strlen(s) == 10 && s[2] == '/' && s[5] == '/') {
        snprintf(out, 11, "%.4s-%.2s-%.2s", s + 6, s + 3, s);
        return true;
    }
    return false;
}

/* The commune's INSEE code from FINESS departement and commune fields:
 * metropolitan "01" + "451" → 01451, Corsica "2A" + "004" → 2A004; overseas
 * departments are coded 9A (Guadeloupe), 9B, 9C, 9D, 9F…, their communes
 * with the INSEE code's last three digits: 9A + 123 → 97123; the overseas
 * collectivities 9E…, 9J (Wallis-et-Futuna) … are 975/98x: "98" + commune
 * past 9F, "97" up to it. */
static bool insee_of(const char *dep, const char *com, char *out)
{
    size_t cl = strlen(com);
    if (cl == 0 || cl > 3 || !all_digits(com, cl) || strlen(dep) != 2)
        return false;
    char c3[4] = "000"; /* the commune's digits, zero-padded to 3 */
    memcpy(c3 + 3 - cl, com, cl);
    if (dep[0] == '9' && isupper((unsigned char)dep[1])) {
        snprintf(out, 6, "%s%s", dep[1] <= 'F' ? "97" : "98", c3);
        return true;
    }
    if (!(isdigit((unsigned char)dep[0]) && (isdigit((unsigned char)dep[1]) ||
                                             (dep[0] == '2' && (dep[1] == 'A' || dep[1] == 'B')))))
        return false;
    snprintf(out, 6, "%s%s", dep, c3);
    return true;
}

/* The coordinate reference system named by sourcecoordet's last item. */
static const char *crs_of(const char *source)
{
    const char *last = strrchr(source, ',');
    last = last ? last + 1 : source;
    static const struct {
        const char *name, *crs;
    } k[] = {
        {"LAMBERT_93", "EPSG:2154"}, /* RGF93 v1 / Lambert-93 */
        {"UTM_N20", "EPSG:5490"},    /* RGAF09 / UTM 20N: Guadeloupe, Martinique */
        {"UTM_N21", "EPSG:4467"},    /* RGSPM06 / UTM 21N: Saint-Pierre-et-Miquelon */
        {"UTM_N22", "EPSG:2972"},    /* RGFG95 / UTM 22N: Guyane */
        {"UTM_S40", "EPSG:2975"},    /* RGR92 / UTM 40S: La Réunion */
        {"UTM_S38", "EPSG:4471"},    /* RGM04 / UTM 38S: Mayotte */
    };
    if (!*last)
        return "EPSG:2154";
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcmp(last, k[i].name) == 0)
            return k[i].crs;
    return NULL;
}

typedef struct transforms {
    PJ_CONTEXT *ctx;
    const char *crs[8];
    PJ *pj[8];
    int n;
} transforms;

static PJ *transform_for(transforms *t, const char *crs)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->crs[i], crs) == 0)
            return t->pj[i];
    if (t->n == 8)
        return NULL;
    if (!t->ctx) {
        t->ctx = proj_context_create();
        if (!t->ctx)
            return NULL;
        proj_log_level(t->ctx, PJ_LOG_NONE);
    }
    PJ *p = proj_create_crs_to_crs(t->ctx, crs, "EPSG:4326", NULL);
    PJ *norm = p ? proj_normalize_for_visualization(t->ctx, p) : NULL;
    if (p)
        proj_destroy(p);
    if (!norm)
        return NULL;
    t->crs[t->n] = crs;
    t->pj[t->n++] = norm;
    return norm;
}

static void transforms_free(transforms *t)
{
    for (int i = 0; i < t->n; i++)
        proj_destroy(t->pj[i]);
    if (t->ctx)
        proj_context_destroy(t->ctx);
}

static int refuse(mg_dir_report *r, const char *id, unsigned line, unsigned col,
                  const char *field, const char *fmt, ...) MG_PRINTF(6, 7);

static int refuse(mg_dir_report *r, const char *id, unsigned line, unsigned col,
                  const char *field, const char *fmt, ...)
{
    mg_dir_report_row *row = mg_dir_report_add(r, MG_DIR_ROW_REFUSED, 's', id, line, col);
    if (!row)
        return MG_ENOMEM;
    snprintf(row->field, sizeof row->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(row->message, sizeof row->message, fmt, ap);
    va_end(ap);
    return 0;
}

static double parse_coord(const char *s, bool *ok)
{
    double v;
    mg_parse_error why;
    *ok = false;
    if (!*s || mg_parse_c_double(s, strlen(s), &v, &why) != 0 || !isfinite(v))
        return NAN;
    *ok = true;
    return v;
}

static const char *dup(mg_dir_set *set, const char *s, bool *oom)
{
    if (!s || !*s)
        return NULL;
    const char *c = mg_dir_strdup(set, s, SIZE_MAX);
    if (!c)
        *oom = true;
    return c;
}

/* One structureet line into the set (or a refusal). */
static int read_structure(char **f, int nf, unsigned line, mg_dir_set *set, mg_dir_report *r,
                          bool *refused)
{
    const char *id = trim(f[C_NOFINESSET]);
    if (strlen(id) != 9) {
        *refused = true;
        return refuse(r, id, line, C_NOFINESSET + 1, "source_id",
                      "colonne 2 (nofinesset) : attendu un numéro FINESS de 9 caractères, trouvé "
                      "« %.*s »",
                      (int)mg_utf8_prefix(id, 20), id);
    }
    char date[11] = "";
    const char *maj = trim(f[C_MAJ]);
    if (*maj && !date_of(maj, date)) {
        *refused = true;
        return refuse(r, id, line, C_MAJ + 1, "updated_on",
                      "colonne 31 (date de mise à jour) : attendu une date AAAA-MM-JJ, trouvé "
                      "« %.*s »",
                      (int)mg_utf8_prefix(maj, 20), maj);
    }
    if (!*date) { /* no update date: the authorisation's, else the opening's */
        if (!date_of(trim(f[C_DATEAUTOR]), date))
            (void)date_of(trim(f[C_DATEOUV]), date);
    }
    char insee[6] = "";
    const char *com = trim(f[C_COMMUNE]), *dep = trim(f[C_DEPARTEMENT]);
    if ((*com || *dep) && !insee_of(dep, com, insee)) {
        *refused = true;
        return refuse(r, id, line, C_COMMUNE + 1, "commune_code",
                      "colonnes 13 et 14 (commune, département) : attendu un code de commune à 3 "
                      "chiffres et un département (01…95, 2A, 2B, 9A…), trouvé « %.*s » et "
                      "« %.*s »",
                      (int)mg_utf8_prefix(com, 10), com, (int)mg_utf8_prefix(dep, 10), dep);
    }
    mg_dir_structure *s = mg_dir_add_structure(set);
    if (!s)
        return MG_ENOMEM;
    (void)nf;
    bool oom = false;
    s->source = "finess";
    s->source_id = dup(set, id, &oom);
    s->finess = s->source_id;
    const char *name = *trim(f[C_RSLONGUE]) ? trim(f[C_RSLONGUE]) : trim(f[C_RS]);
    s->name = dup(set, name, &oom);
    s->category = category_of(trim(f[C_CATEGETAB]));
    s->description = dup(set, trim(f[C_LIBCATEGETAB]), &oom);
    const char *siret = trim(f[C_SIRET]);
    if (all_digits(siret, 14))
        s->siret = dup(set, siret, &oom);
    char num[64], addr[512], extra[512];
    join(num, sizeof num, "", 2, trim(f[C_NUMVOIE]), trim(f[C_COMPVOIE]));
    join(addr, sizeof addr, " ", 3, num, trim(f[C_TYPVOIE]), trim(f[C_VOIE]));
    join(extra, sizeof extra, ", ", 3, trim(f[C_COMPLRS]), trim(f[C_COMPLDISTRIB]),
         trim(f[C_LIEUDITBP]));
    s->address = dup(set, addr, &oom);
    s->address_extra = dup(set, extra, &oom);
    /* "01440 VIRIAT": the postcode, then the commune's routing name */
    char *ach = trim(f[C_LIGNEACHEMINEMENT]);
    if (lead_digits(ach, 5) && (ach[5] == 0 || ach[5] == ' ')) {
        s->postcode = mg_dir_strdup(set, ach, 5);
        if (!s->postcode)
            oom = true;
        s->commune_name = dup(set, trim(ach + 5), &oom);
    } else
        s->commune_name = dup(set, ach, &oom);
    if (*insee)
        s->commune_code = dup(set, insee, &oom);
    s->phone = dup(set, trim(f[C_TELEPHONE]), &oom);
    if (*date)
        s->updated_on = dup(set, date, &oom);
    return oom ? MG_ENOMEM : 0;
}

typedef struct geo {
    const char *id;
    double x, y;
    const char *crs;
    unsigned line;
} geo;

int mg_finess_read(const char *name, const char *text, size_t n, mg_dir_set *set,
                   unsigned **slines, mg_dir_report *r, mg_diag *d)
{
    if (slines)
        *slines = NULL;
    size_t un = n;
    char *buf = NULL;
    if (mg_utf8_check(text, n, NULL) != n)
        buf = to_utf8(text, n, &un);
    else if ((buf = malloc(n + 1)) != NULL) {
        memcpy(buf, text, n);
        buf[n] = 0;
    }
    if (!buf)
        return mg_diag_set(d, MG_ENOMEM, name, 0, 0, "mémoire insuffisante");
    size_t first = set->nstructures;
    unsigned *lines = NULL;
    size_t nlines = 0, caplines = 0;
    geo *geos = NULL;
    size_t ngeo = 0, capgeo = 0;
    bool refused = false;
    int rc = 0;
    unsigned line = 0;
    char *p = buf, *end = buf + un;
    if (un >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end && rc == 0) {
        line++;
        char *e = memchr(p, '\n', (size_t)(end - p));
        char *next = e ? e + 1 : end;
        if (!e)
            e = end;
        if (e > p && e[-1] == '\r')
            e--;
        *e = 0;
        if (strlen(p) != (size_t)(e - p)) {
            refused = true;
            rc = refuse(r, "", line, 0, "", "octet NUL dans la ligne");
            p = next;
            continue;
        }
        if (!*p) {
            p = next;
            continue;
        }
        char *f[MAX_FIELDS];
        int nf = split(p, f, MAX_FIELDS);
        if (nf < 0) {
            refused = true;
            rc = refuse(r, "", line, 0, "",
                        nf == -1 ? "guillemet non fermé dans la ligne"
                                 : "trop de champs (plus de 40 séparés par « ; »)");
        } else if (strcmp(f[0], "finess") == 0 || strcmp(f[0], "section") == 0) {
            /* the file's first line ("finess;etalab;N;date"), or a header */
        } else if (strcmp(f[0], "structureet") == 0) {
            if (nf < C_STRUCTUREET_FIELDS - 1 || nf > C_STRUCTUREET_FIELDS + 1) {
                refused = true;
                rc = refuse(r, nf > 1 ? trim(f[1]) : "", line, 0, "",
                            "ligne structureet : attendu %d champs séparés par « ; », trouvé %d",
                            C_STRUCTUREET_FIELDS, nf);
            } else {
                char *g[C_STRUCTUREET_FIELDS + 1];
                for (int i = 0; i <= C_STRUCTUREET_FIELDS; i++)
                    g[i] = i < nf ? f[i] : (char *)"";
                size_t before = set->nstructures;
                rc = read_structure(g, nf, line, set, r, &refused);
                if (!rc && set->nstructures > before) {
                    if (nlines == caplines) {
                        size_t nc = caplines ? caplines * 2 : 256;
                        unsigned *q = mg_realloc_array(lines, nc, sizeof *q);
                        if (!q)
                            rc = MG_ENOMEM;
                        else {
                            lines = q;
                            caplines = nc;
                        }
                    }
                    if (!rc)
                        lines[nlines++] = line;
                }
            }
        } else if (strcmp(f[0], "geolocalisation") == 0) {
            if (nf < G_FIELDS - 1 || nf > G_FIELDS + 1) {
                refused = true;
                rc = refuse(r, nf > 1 ? trim(f[1]) : "", line, 0, "",
                            "ligne geolocalisation : attendu %d champs séparés par « ; », trouvé %d",
                            G_FIELDS, nf);
            } else {
                bool okx, oky;
                double x = parse_coord(trim(f[G_X]), &okx), y = parse_coord(trim(f[G_Y]), &oky);
                const char *id = trim(f[G_NOFINESSET]);
                if ((!okx && *trim(f[G_X])) || (!oky && *trim(f[G_Y]))) {
                    refused = true;
                    int col = !okx && *trim(f[G_X]) ? G_X : G_Y;
                    rc = refuse(r, id, line, (unsigned)col + 1, col == G_X ? "lon" : "lat",
                                "colonne %d (%s) : attendu un nombre (mètres, point décimal), "
                                "trouvé « %.*s »",
                                col + 1, col == G_X ? "coordxet" : "coordyet",
                                (int)mg_utf8_prefix(f[col], 20), f[col]);
                } else if (okx && oky) {
                    const char *crs = crs_of(nf > G_SOURCE ? trim(f[G_SOURCE]) : "");
                    if (crs) {
                        if (ngeo == capgeo) {
                            size_t nc = capgeo ? capgeo * 2 : 256;
                            geo *q = mg_realloc_array(geos, nc, sizeof *q);
                            if (!q)
                                rc = MG_ENOMEM;
                            else {
                                geos = q;
                                capgeo = nc;
                            }
                        }
                        if (!rc)
                            geos[ngeo++] = (geo){id, x, y, crs, line};
                    }
                }
            }
        } else {
            refused = true;
            rc = refuse(r, "", line, 1, "",
                        "colonne 1 : attendu « structureet » ou « geolocalisation », trouvé « %.*s »",
                        (int)mg_utf8_prefix(f[0], 30), f[0]);
        }
        p = next;
    }
    /* Coordinates to their establishments (lines of both kinds may come in
     * any order): a linear match per coordinate line is quadratic, so sort
     * nothing and index by a hash of the FINESS number instead. */
    transforms tr = {0};
    if (!rc && ngeo) {
        size_t ns = set->nstructures - first, cap = 1;
        while (cap < ns * 2)
            cap <<= 1;
        size_t *slot = NULL;
        if (ns && !(slot = mg_alloc_array(cap, sizeof *slot)))
            rc = MG_ENOMEM;
        for (size_t i = 0; i < cap && slot; i++)
            slot[i] = SIZE_MAX;
        for (size_t i = first; i < set->nstructures && slot; i++) {
            size_t h = 5381;
            for (const char *c = set->structures[i].source_id; *c; c++)
                h = h * 33 + (unsigned char)*c;
            for (h &= cap - 1; slot[h] != SIZE_MAX; h = (h + 1) & (cap - 1)) {
            }
            slot[h] = i;
        }
        for (size_t g = 0; g < ngeo && slot && !rc; g++) {
            size_t h = 5381;
            for (const char *c = geos[g].id; *c; c++)
                h = h * 33 + (unsigned char)*c;
            for (h &= cap - 1; slot[h] != SIZE_MAX; h = (h + 1) & (cap - 1)) {
                mg_dir_structure *s = &set->structures[slot[h]];
                if (strcmp(s->source_id, geos[g].id) != 0)
                    continue;
                PJ *pj = transform_for(&tr, geos[g].crs);
                if (!pj) {
                    rc = mg_diag_set(d, MG_EINVAL, name, geos[g].line, 0,
                                     "conversion de coordonnées %s impossible (PROJ)",
                                     geos[g].crs);
                    break;
                }
                PJ_COORD c = proj_trans(pj, PJ_FWD, proj_coord(geos[g].x, geos[g].y, 0, 0));
                double lon = c.xy.x, lat = c.xy.y;
                if (isfinite(lon) && isfinite(lat) && fabs(lat) <= 90 && fabs(lon) <= 180) {
                    s->lon = round(lon * 1e7) / 1e7;
                    s->lat = round(lat * 1e7) / 1e7;
                }
                break;
            }
        }
        free(slot);
    }
    transforms_free(&tr);
    free(geos);
    if (!rc && slines)
        *slines = lines;
    else
        free(lines);
    /* The set's strings are copies; the text buffer can go. */
    free(buf);
    if (rc)
        return rc == MG_ENOMEM ? mg_diag_set(d, MG_ENOMEM, name, 0, 0, "mémoire insuffisante")
                               : rc;
    if (refused)
        return mg_diag_set(d, MG_EINVAL, name, 0, 0,
                           "des lignes sont refusées (voir le rapport)");
    return 0;
}
