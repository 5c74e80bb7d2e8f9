/*
 * The data·inclusion v1 exchange formats (directory/formats.h): JSON and
 * CSV readers and writers, driven by one table of fields per record kind
 * (the schema's fields, then maillage's own, prefixed "maillage_", which
 * the schema allows since it does not forbid additional properties).
 *
 * The readers check TYPES only (a string where a string is expected, a
 * list of strings for a list, a number, a date AAAA-MM-JJ): codes,
 * required fields and identifiers are the store's checks (mg_dir_import),
 * so that one place decides them for every way in. A record whose types
 * are wrong is not added to the set: it becomes one REFUSED row of the
 * report (its first fault), and the reader returns MG_EINVAL.
 *
 * Lines of JSON records: jansson reports the position of syntax errors but
 * not of values, so the text is scanned once more (a small scanner that
 * only follows strings and brackets, run after jansson accepted the text)
 * for the byte offset where each element of the top-level arrays starts;
 * a faulty field is located the same way inside its record, so that a
 * refusal names the line and column of the field itself.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "directory/formats.h"
#include "io/csv.h"
#include "io/reader.h"
#include "parse/parse.h"

/* --- The fields -------------------------------------------------------------- */

typedef enum ftype {
    F_STR,  /* string or null */
    F_DATE, /* string "AAAA-MM-JJ" */
    F_LIST, /* array of strings (codes) or null; held comma-joined */
    F_NUM,  /* number or null; NaN when absent */
    F_INT,  /* non-negative integer or null; 0 when absent */
    F_BOOL, /* true/false or null; false when absent */
    F_CAT,  /* maillage_categorie: a category key */
} ftype;

typedef struct field {
    const char *key;    /* the file's name (data·inclusion's, or maillage_…) */
    ftype type;
    size_t off;
    const char *member; /* the record's field key (report rows, as check.h) */
} field;

#define S(k, m, t) {k, t, offsetof(mg_dir_structure, m), #m}
static const field kStructureFields[] = {
    S("source", source, F_STR),
    S("id", source_id, F_STR),
    S("nom", name, F_STR),
    S("date_maj", updated_on, F_DATE),
    S("siret", siret, F_STR),
    S("description", description, F_STR),
    S("adresse", address, F_STR),
    S("complement_adresse", address_extra, F_STR),
    S("code_postal", postcode, F_STR),
    S("code_insee", commune_code, F_STR),
    S("commune", commune_name, F_STR),
    S("latitude", lat, F_NUM),
    S("longitude", lon, F_NUM),
    S("telephone", phone, F_STR),
    S("courriel", email, F_STR),
    S("site_web", website, F_STR),
    S("accessibilite_lieu", accessibility_url, F_STR),
    S("lien_source", source_url, F_STR),
    S("horaires_accueil", opening_hours, F_STR),
    S("reseaux_porteurs", networks, F_LIST),
    S("maillage_categorie", category, F_CAT),
    S("maillage_rna", rna, F_STR),
    S("maillage_finess", finess, F_STR),
    S("maillage_role_reseau", network_role, F_STR),
    S("maillage_missions", missions, F_STR),
    S("maillage_publie_contact", publish_contact, F_BOOL),
    S("maillage_praticiens", practitioners, F_INT),
};
#undef S

#define V(k, m, t) {k, t, offsetof(mg_dir_service, m), #m}
static const field kServiceFields[] = {
    V("source", source, F_STR),
    V("id", source_id, F_STR),
    V("structure_id", structure_source_id, F_STR),
    V("nom", name, F_STR),
    V("description", description, F_STR),
    V("date_maj", updated_on, F_DATE),
    V("type", type, F_STR),
    V("thematiques", thematics, F_LIST),
    V("publics", publics, F_LIST),
    V("publics_precisions", publics_details, F_STR),
    V("frais", fees, F_STR),
    V("frais_precisions", fees_details, F_STR),
    V("conditions_acces", access_conditions, F_STR),
    V("modes_accueil", reception_modes, F_LIST),
    V("modes_mobilisation", mobilisation_modes, F_LIST),
    V("mobilisable_par", mobilisable_by, F_LIST),
    V("mobilisation_precisions", mobilisation_details, F_STR),
    V("lien_mobilisation", mobilisation_url, F_STR),
    V("zone_eligibilite", zone, F_LIST),
    V("adresse", address, F_STR),
    V("complement_adresse", address_extra, F_STR),
    V("code_postal", postcode, F_STR),
    V("code_insee", commune_code, F_STR),
    V("commune", commune_name, F_STR),
    V("latitude", lat, F_NUM),
    V("longitude", lon, F_NUM),
    V("telephone", phone, F_STR),
    V("courriel", email, F_STR),
    V("contact_nom_prenom", contact_name, F_STR),
    V("lien_source", source_url, F_STR),
    V("horaires_accueil", opening_hours, F_STR),
    V("nombre_semaines", weeks, F_INT),
    V("volume_horaire_hebdomadaire", weekly_hours, F_NUM),
    V("maillage_lien_reservation", booking_url, F_STR),
};
#undef V

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* A category when the file does not say (maillage_categorie absent): the
 * data·inclusion offer is that of social and inclusion actors. */
#define DEFAULT_CATEGORY MG_DIR_SOCIAL

static const char *type_words(ftype t)
{
    switch (t) {
    case F_STR: return "une chaîne de caractères";
    case F_DATE: return "une date au format AAAA-MM-JJ";
    case F_LIST: return "une liste de codes";
    case F_NUM: return "un nombre";
    case F_INT: return "un entier positif ou nul";
    case F_BOOL: return "true ou false";
    case F_CAT: return "une catégorie (gp_practice, health_centre, pharmacy, cabin, cart, "
                       "hospital, medico_social, social, town_hall, other)";
    }
    return "?";
}

static bool is_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return false;
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* A blank record of the kind. */
static void *add_record(mg_dir_set *set, char kind)
{
    return kind == 's' ? (void *)mg_dir_add_structure(set) : (void *)mg_dir_add_service(set);
}

/* Removes the last record of the kind (a refused one). */
static void drop_record(mg_dir_set *set, char kind)
{
    if (kind == 's' && set->nstructures)
        set->nstructures--;
    else if (kind == 'v' && set->nservices)
        set->nservices--;
}

/* Appends a line number to a malloc'd array. */
static int push_line(unsigned **lines, size_t *n, size_t *cap, unsigned line)
{
    if (!lines)
        return 0;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        unsigned *p = mg_realloc_array(*lines, nc, sizeof **lines);
        if (!p)
            return MG_ENOMEM;
        *lines = p;
        *cap = nc;
    }
    (*lines)[(*n)++] = line;
    return 0;
}

static int refuse(mg_dir_report *r, char kind, const char *source_id, unsigned line,
                  unsigned column, const char *fieldname, const char *fmt, ...)
    MG_PRINTF(7, 8);

static int refuse(mg_dir_report *r, char kind, const char *source_id, unsigned line,
                  unsigned column, const char *fieldname, const char *fmt, ...)
{
    mg_dir_report_row *row =
        mg_dir_report_add(r, MG_DIR_ROW_REFUSED, kind, source_id ? source_id : "", line, column);
    if (!row)
        return MG_ENOMEM;
    snprintf(row->field, sizeof row->field, "%s", fieldname ? fieldname : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(row->message, sizeof row->message, fmt, ap);
    va_end(ap);
    return 0;
}

/* --- Values from text (CSV) or JSON ------------------------------------------ */

/* A list of codes, normalised: items trimmed of spaces, joined by ','.
 * *bad set when an item is empty. Returns the copy (NULL for an empty list). */
static const char *list_from_csv(mg_dir_set *set, const char *s, bool *bad, bool *oom)
{
    *bad = false;
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (!out) {
        *oom = true;
        return NULL;
    }
    size_t o = 0;
    const char *p = s;
    bool any = false;
    for (;;) {
        const char *e = strchr(p, ',');
        if (!e)
            e = p + strlen(p);
        const char *a = p, *b = e;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (a == b) {
            if (*e || any) /* "a,,b" or "a," */
                *bad = true;
        } else {
            if (any)
                out[o++] = ',';
            memcpy(out + o, a, (size_t)(b - a));
            o += (size_t)(b - a);
            any = true;
        }
        if (!*e)
            break;
        p = e + 1;
    }
    const char *res = NULL;
    if (any) {
        res = mg_dir_strdup(set, out, o);
        if (!res)
            *oom = true;
    }
    free(out);
    return res;
}

/* Shortest decimal text that reads back as the same double. */
static void format_double(double v, char *buf, size_t cap)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        double back;
        mg_parse_error why;
        if (mg_parse_c_double(buf, strlen(buf), &back, &why) == 0 && back == v)
            return;
    }
}

/* --- JSON: where things are in the text ---------------------------------------- */

typedef struct offsets {
    size_t *v;
    size_t n, cap;
} offsets;

static int offsets_push(offsets *o, size_t x)
{
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 64;
        size_t *p = mg_realloc_array(o->v, nc, sizeof *p);
        if (!p)
            return MG_ENOMEM;
        o->v = p;
        o->cap = nc;
    }
    o->v[o->n++] = x;
    return 0;
}

/*
 * The start offsets of the elements of the record arrays: the root array,
 * or the arrays under the root object's keys "structures" and "services".
 * The text is valid JSON (jansson accepted it).
 */
static int scan_records(const char *t, size_t n, offsets *root, offsets *structs, offsets *servs)
{
    int depth = 0;
    char root_kind = 0;
    offsets *cur = NULL;   /* the array being listed (at depth 1 or 2) */
    int cur_depth = 0;
    bool expect = false;   /* the next value starts an element of cur */
    bool key_pos = false;  /* at depth 1 of a root object, the next string is a key */
    const char *key = NULL;
    size_t keylen = 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (expect && depth == cur_depth && c != ']' && c != ',') {
            if (offsets_push(cur, i))
                return MG_ENOMEM;
            expect = false;
        }
        if (c == '"') {
            size_t s = i + 1;
            for (i++; i < n && t[i] != '"'; i++)
                if (t[i] == '\\')
                    i++;
            if (depth == 1 && root_kind == '{' && key_pos) {
                key = t + s;
                keylen = i - s;
                key_pos = false;
            }
            continue;
        }
        switch (c) {
        case '{':
        case '[':
            if (depth == 0) {
                root_kind = c;
                if (c == '[') {
                    cur = root;
                    cur_depth = 1;
                    expect = true;
                } else
                    key_pos = true;
            } else if (depth == 1 && root_kind == '{' && c == '[' && key) {
                if (keylen == 10 && memcmp(key, "structures", 10) == 0)
                    cur = structs;
                else if (keylen == 8 && memcmp(key, "services", 8) == 0)
                    cur = servs;
                else
                    cur = NULL;
                if (cur) {
                    cur_depth = 2;
                    expect = true;
                }
            }
            depth++;
            break;
        case '}':
        case ']':
            depth--;
            if (cur && depth < cur_depth) {
                cur = NULL;
                expect = false;
            }
            break;
        case ',':
            if (cur && depth == cur_depth)
                expect = true;
            if (depth == 1 && root_kind == '{')
                key_pos = true;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* Line and character column of byte offset `at`, counting from `from`
 * (which is at line *line, column *col). */
static void advance_pos(const char *t, size_t from, size_t at, unsigned *line, unsigned *col)
{
    for (size_t i = from; i < at; i++) {
        if (t[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)t[i] & 0xC0) != 0x80)
            (*col)++;
    }
}

/* The offset of key `k` of the object starting at t[start] ('{'), or
 * `start` when not found. */
static size_t find_key(const char *t, size_t n, size_t start, const char *k)
{
    size_t kl = strlen(k);
    int depth = 0;
    bool key_pos = false;
    for (size_t i = start; i < n; i++) {
        char c = t[i];
        if (c == '"') {
            size_t s = i;
            for (i++; i < n && t[i] != '"'; i++)
                if (t[i] == '\\')
                    i++;
            if (depth == 1 && key_pos) {
                if (i - s - 1 == kl && memcmp(t + s + 1, k, kl) == 0)
                    return s;
                key_pos = false;
            }
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
            if (depth == 1)
                key_pos = true;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return start;
        } else if (c == ',' && depth == 1)
            key_pos = true;
    }
    return start;
}

static const char *json_type_words(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "un objet";
    case JSON_ARRAY: return "une liste";
    case JSON_STRING: return "une chaîne de caractères";
    case JSON_INTEGER:
    case JSON_REAL: return "un nombre";
    case JSON_TRUE:
    case JSON_FALSE: return "un booléen";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* The context of reading one JSON record. */
typedef struct jrec {
    const char *text;
    size_t n;
    size_t start;        /* offset of the record */
    unsigned line, col;  /* its position */
    const char *array;   /* "structures", "services" or "" (a bare array) */
    size_t index;        /* its index in that array, from 0 */
} jrec;

/*
 * Fills field f of rec from JSON value v (NULL: absent). Returns 0, 1 when
 * the value is refused (with *why filled), MG_ENOMEM.
 */
static int json_field(mg_dir_set *set, void *rec, const field *f, const json_t *v, char *why,
                      size_t cap)
{
    char *p = (char *)rec + f->off;
    if (!v || json_is_null(v))
        return 0;
    switch (f->type) {
    case F_STR:
    case F_DATE: {
        if (!json_is_string(v))
            goto wrong;
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (memchr(s, 0, len)) {
            snprintf(why, cap, "caractère NUL dans la chaîne");
            return 1;
        }
        if (len == 0)
            return 0;
        if (f->type == F_DATE && !is_date(s)) {
            snprintf(why, cap, "attendu une date au format AAAA-MM-JJ, trouvé « %.*s »",
                     (int)mg_utf8_prefix(s, 40), s);
            return 1;
        }
        const char *c = mg_dir_strdup(set, s, len);
        if (!c)
            return MG_ENOMEM;
        *(const char **)p = c;
        return 0;
    }
    case F_LIST: {
        if (!json_is_array(v))
            goto wrong;
        size_t total = 0, i;
        json_t *it;
        json_array_foreach(v, i, it) {
            if (!json_is_string(it)) {
                snprintf(why, cap, "élément %zu de la liste : attendu un code (chaîne), trouvé %s",
                         i + 1, json_type_words(it));
                return 1;
            }
            const char *s = json_string_value(it);
            if (json_string_length(it) == 0 || strchr(s, ',') || memchr(s, 0, json_string_length(it))) {
                snprintf(why, cap, "élément %zu de la liste : code vide ou contenant une virgule",
                         i + 1);
                return 1;
            }
            total += json_string_length(it) + 1;
        }
        if (json_array_size(v) == 0)
            return 0;
        char *buf = malloc(total);
        if (!buf)
            return MG_ENOMEM;
        size_t o = 0;
        json_array_foreach(v, i, it) {
            if (o)
                buf[o++] = ',';
            memcpy(buf + o, json_string_value(it), json_string_length(it));
            o += json_string_length(it);
        }
        const char *c = mg_dir_strdup(set, buf, o);
        free(buf);
        if (!c)
            return MG_ENOMEM;
        *(const char **)p = c;
        return 0;
    }
    case F_NUM: {
        if (!json_is_number(v))
            goto wrong;
        double x = json_number_value(v);
        if (!isfinite(x))
            goto wrong;
        *(double *)p = x;
        return 0;
    }
    case F_INT: {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > 1000000)
            goto wrong;
        *(int *)p = (int)json_integer_value(v);
        return 0;
    }
    case F_BOOL:
        if (!json_is_boolean(v))
            goto wrong;
        *(bool *)p = json_is_true(v);
        return 0;
    case F_CAT: {
        mg_dir_category c;
        if (!json_is_string(v) || mg_dir_category_parse(json_string_value(v), &c) != 0)
            goto wrong;
        *(mg_dir_category *)p = c;
        return 0;
    }
    }
wrong:
    if (json_is_string(v))
        snprintf(why, cap, "attendu %s, trouvé la chaîne « %.*s »", type_words(f->type),
                 (int)mg_utf8_prefix(json_string_value(v), 40), json_string_value(v));
    else
        snprintf(why, cap, "attendu %s, trouvé %s", type_words(f->type), json_type_words(v));
    return 1;
}

/* Reads one JSON record of kind into the set (or a refused row). */
static int json_record(const char *name, mg_dir_set *set, char kind, const json_t *obj,
                       const jrec *where, mg_dir_report *r, bool *refused, unsigned **lines,
                       size_t *nlines, size_t *caplines)
{
    (void)name;
    const json_t *idv = json_is_object(obj) ? json_object_get(obj, "id") : NULL;
    const char *sid = json_is_string(idv) ? json_string_value(idv) : "";
    if (!json_is_object(obj)) {
        *refused = true;
        return refuse(r, kind, "", where->line, where->col, "",
                      "%s[%zu] : attendu un objet (une %s), trouvé %s", where->array,
                      where->index, kind == 's' ? "structure" : "service",
                      json_type_words(obj));
    }
    void *rec = add_record(set, kind);
    if (!rec)
        return MG_ENOMEM;
    if (kind == 's')
        ((mg_dir_structure *)rec)->category = DEFAULT_CATEGORY;
    const field *fs = kind == 's' ? kStructureFields : kServiceFields;
    size_t nf = kind == 's' ? NFIELDS(kStructureFields) : NFIELDS(kServiceFields);
    for (size_t i = 0; i < nf; i++) {
        char why[200];
        int rc = json_field(set, rec, &fs[i], json_object_get(obj, fs[i].key), why, sizeof why);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            drop_record(set, kind);
            *refused = true;
            size_t at = find_key(where->text, where->n, where->start, fs[i].key);
            unsigned line = where->line, col = where->col;
            advance_pos(where->text, where->start, at, &line, &col);
            return refuse(r, kind, sid, line, col, fs[i].member, "%s[%zu] : champ « %s » : %s",
                          where->array, where->index, fs[i].key, why);
        }
    }
    return push_line(lines, nlines, caplines, where->line);
}

int mg_di_read_json(const char *name, const char *text, size_t n, mg_dir_set *set,
                    unsigned **slines, unsigned **vlines, mg_dir_report *r, mg_diag *d)
{
    if (slines)
        *slines = NULL;
    if (vlines)
        *vlines = NULL;
    /* A UTF-8 byte order mark (some spreadsheet and Windows tools write
     * one), which jansson refuses: skipped, lines are unchanged. */
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        n -= 3;
    }
    json_error_t err;
    json_t *root = json_loadb(text, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        int rc = refuse(r, 's', "", (unsigned)(err.line > 0 ? err.line : 0),
                        (unsigned)(err.column > 0 ? err.column : 0), "",
                        "le fichier n'est pas du JSON valide : %s", err.text);
        if (rc)
            return rc;
        return mg_diag_set(d, MG_EPARSE, name, err.line > 0 ? (unsigned long)err.line : 0,
                           err.column > 0 ? (unsigned long)err.column : 0,
                           "le fichier n'est pas du JSON valide : %s", err.text);
    }
    int rc = 0;
    offsets root_o = {0}, st_o = {0}, sv_o = {0};
    const json_t *structs = NULL, *servs = NULL;
    if (json_is_array(root)) {
        structs = root; /* split below by the presence of structure_id */
    } else if (json_is_object(root)) {
        structs = json_object_get(root, "structures");
        servs = json_object_get(root, "services");
        const char *bad = NULL;
        if (structs && !json_is_array(structs))
            bad = "structures";
        else if (servs && !json_is_array(servs))
            bad = "services";
        if (bad || (!structs && !servs)) {
            rc = refuse(r, 's', "", 1, 1, bad ? bad : "",
                        bad ? "la clé « %s » doit contenir une liste"
                            : "%sattendu un objet {\"structures\": […], \"services\": […]} "
                              "ou une liste",
                        bad ? bad : "");
            json_decref(root);
            if (rc)
                return rc;
            return mg_diag_set(d, MG_EPARSE, name, 1, 1,
                               "attendu un objet {\"structures\": […], \"services\": […]} ou une "
                               "liste de structures ou de services");
        }
    } else {
        rc = refuse(r, 's', "", 1, 1, "",
                    "attendu un objet {\"structures\": […], \"services\": […]} ou une liste, "
                    "trouvé %s",
                    json_type_words(root));
        json_decref(root);
        if (rc)
            return rc;
        return mg_diag_set(d, MG_EPARSE, name, 1, 1,
                           "attendu un objet {\"structures\": […], \"services\": […]} ou une "
                           "liste");
    }
    rc = scan_records(text, n, &root_o, &st_o, &sv_o);
    size_t ns = 0, caps = 0, nv = 0, capv = 0;
    bool refused = false;
    /* Lines come from the offsets, walked forwards (offsets only grow
     * within an array; structures before services or after: two walks). */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        const json_t *arr = pass == 0 ? structs : servs;
        const offsets *o = json_is_array(root) ? &root_o : pass == 0 ? &st_o : &sv_o;
        if (!arr || (json_is_array(root) && pass == 1))
            continue;
        size_t prev = 0;
        unsigned line = 1, col = 1;
        size_t i;
        json_t *el;
        json_array_foreach(arr, i, el) {
            size_t at = i < o->n ? o->v[i] : prev;
            advance_pos(text, prev, at, &line, &col);
            prev = at;
            jrec w = {text, n, at, line, col,
                      json_is_array(root) ? "" : pass == 0 ? "structures" : "services", i};
            char kind = 's';
            if (json_is_array(root))
                kind = json_is_object(el) && json_object_get(el, "structure_id") ? 'v' : 's';
            else
                kind = pass == 0 ? 's' : 'v';
            rc = kind == 's' ? json_record(name, set, 's', el, &w, r, &refused, slines, &ns, &caps)
                             : json_record(name, set, 'v', el, &w, r, &refused, vlines, &nv, &capv);
            if (rc)
                break;
        }
    }
    free(root_o.v);
    free(st_o.v);
    free(sv_o.v);
    json_decref(root);
    if (rc)
        return rc == MG_ENOMEM ? mg_diag_set(d, MG_ENOMEM, name, 0, 0, "mémoire insuffisante") : rc;
    if (refused)
        return mg_diag_set(d, MG_EINVAL, name, 0, 0, "des enregistrements sont refusés (voir le "
                                                     "rapport)");
    return 0;
}

/* --- JSON writer ------------------------------------------------------------------ */

static json_t *record_json(const void *rec, const field *fs, size_t nf)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (size_t i = 0; i < nf; i++) {
        const field *f = &fs[i];
        const char *p = (const char *)rec + f->off;
        json_t *v = NULL;
        switch (f->type) {
        case F_STR:
        case F_DATE: {
            const char *s = *(const char *const *)p;
            v = s ? json_string(s) : json_null();
            break;
        }
        case F_LIST: {
            const char *s = *(const char *const *)p;
            if (!s || !*s) {
                v = json_null();
                break;
            }
            v = json_array();
            const char *a = s;
            for (;;) {
                const char *e = strchr(a, ',');
                size_t len = e ? (size_t)(e - a) : strlen(a);
                if (v)
                    json_array_append_new(v, json_stringn(a, len));
                if (!e)
                    break;
                a = e + 1;
            }
            break;
        }
        case F_NUM: {
            double x = *(const double *)p;
            v = isfinite(x) ? json_real(x) : json_null();
            break;
        }
        case F_INT: {
            int x = *(const int *)p;
            v = x > 0 ? json_integer(x) : json_null();
            break;
        }
        case F_BOOL:
            v = json_boolean(*(const bool *)p);
            break;
        case F_CAT:
            v = json_string(mg_dir_category_key(*(const mg_dir_category *)p));
            break;
        }
        if (!v || json_object_set_new(o, f->key, v)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

json_t *mg_di_structure_json(const mg_dir_structure *s)
{
    mg_dir_structure c;
    memcpy(&c, s, sizeof c);
    char id[32];
    if (!c.source_id && c.id) {
        snprintf(id, sizeof id, "%lld", (long long)c.id);
        c.source_id = id;
    }
    if (!c.source)
        c.source = "maillage";
    return record_json(&c, kStructureFields, NFIELDS(kStructureFields));
}

json_t *mg_di_service_json(const mg_dir_service *v)
{
    mg_dir_service c;
    memcpy(&c, v, sizeof c);
    char id[32], sid[32];
    if (!c.source_id && c.id) {
        snprintf(id, sizeof id, "%lld", (long long)c.id);
        c.source_id = id;
    }
    if (!c.structure_source_id && c.structure_id) {
        snprintf(sid, sizeof sid, "%lld", (long long)c.structure_id);
        c.structure_source_id = sid;
    }
    if (!c.source)
        c.source = "maillage";
    return record_json(&c, kServiceFields, NFIELDS(kServiceFields));
}

/* The service with its file's structure_id (and source) filled from its
 * stored structure when the service only knows the structure's id. */
static mg_dir_service service_for_file(const mg_dir_set *set, const mg_dir_service *v)
{
    mg_dir_service c = *v;
    if ((!c.structure_source_id || !c.source) && c.structure_id) {
        for (size_t i = 0; i < set->nstructures; i++)
            if (set->structures[i].id == c.structure_id) {
                if (!c.structure_source_id)
                    c.structure_source_id = set->structures[i].source_id;
                if (!c.source)
                    c.source = set->structures[i].source;
                break;
            }
    }
    return c;
}

int mg_di_write_json(const mg_dir_set *set, mg_buf *out, mg_diag *d)
{
    json_t *root = json_object(), *sa = json_array(), *va = json_array();
    int rc = 0;
    if (!root || !sa || !va) {
        rc = MG_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < set->nstructures && !rc; i++) {
        json_t *o = mg_di_structure_json(&set->structures[i]);
        if (!o || json_array_append_new(sa, o))
            rc = MG_ENOMEM;
    }
    for (size_t i = 0; i < set->nservices && !rc; i++) {
        mg_dir_service c = service_for_file(set, &set->services[i]);
        json_t *o = mg_di_service_json(&c);
        if (!o || json_array_append_new(va, o))
            rc = MG_ENOMEM;
    }
    if (rc)
        goto done;
    json_object_set(root, "structures", sa);
    json_object_set(root, "services", va);
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    if (!s) {
        rc = MG_ENOMEM;
        goto done;
    }
    rc = mg_buf_puts(out, s);
    if (!rc)
        rc = mg_buf_puts(out, "\n");
    free(s);
done:
    json_decref(sa);
    json_decref(va);
    json_decref(root);
    if (rc)
        return mg_diag_set(d, rc, NULL, 0, 0, "export data·inclusion JSON impossible : %s",
                           mg_strerror(rc));
    return 0;
}

/* --- CSV ---------------------------------------------------------------------------- */

/* Reads one CSV file of records of `kind`. */
static int csv_read(const char *name, const char *text, size_t n, char kind, mg_dir_set *set,
                    unsigned **lines, mg_dir_report *r, bool *refused, mg_diag *d)
{
    const field *fs = kind == 's' ? kStructureFields : kServiceFields;
    size_t nf = kind == 's' ? NFIELDS(kStructureFields) : NFIELDS(kServiceFields);
    mg_reader *rd = NULL;
    mg_csv *c = NULL;
    int rc = mg_reader_open_mem(&rd, text, n, name);
    if (rc)
        return mg_diag_set(d, rc, name, 0, 0, "lecture impossible");
    rc = mg_csv_open(&c, rd, ',', d);
    if (rc) {
        mg_diag cd = *d;
        int rr = refuse(r, kind, "", 1, 0, "", "%s", cd.msg);
        mg_reader_close(rd);
        return rr ? rr : rc;
    }
    int idx[NFIELDS(kServiceFields) > NFIELDS(kStructureFields) ? NFIELDS(kServiceFields)
                                                                 : NFIELDS(kStructureFields)];
    for (size_t i = 0; i < nf; i++)
        idx[i] = mg_csv_column(c, fs[i].key);
    /* The identifying columns must be there: a file of the other kind, or
     * of another separator, is refused rather than read as empty rows. */
    const char *must[] = {"id", kind == 'v' ? "structure_id" : "nom"};
    int midx[2];
    rc = mg_csv_require(c, must, 2, midx, d);
    if (rc) {
        mg_diag cd = *d;
        int rr = refuse(r, kind, "", 1, 0, must[mg_csv_column(c, "id") < 0 ? 0 : 1], "%s",
                        cd.msg);
        mg_csv_close(c);
        mg_reader_close(rd);
        return rr ? rr : MG_EPARSE;
    }
    size_t nl = 0, capl = 0;
    for (;;) {
        rc = mg_csv_next(c, d);
        if (rc <= 0)
            break;
        unsigned line = (unsigned)mg_csv_line(c);
        const char *sid = mg_csv_field(c, (size_t)midx[0], NULL);
        void *rec = add_record(set, kind);
        if (!rec) {
            rc = MG_ENOMEM;
            break;
        }
        if (kind == 's')
            ((mg_dir_structure *)rec)->category = DEFAULT_CATEGORY;
        bool bad = false;
        for (size_t i = 0; i < nf && !bad; i++) {
            if (idx[i] < 0)
                continue;
            size_t len;
            const char *s = mg_csv_field(c, (size_t)idx[i], &len);
            if (!s || len == 0)
                continue;
            char *p = (char *)rec + fs[i].off;
            const char *why = NULL;
            bool oom = false;
            switch (fs[i].type) {
            case F_STR:
            case F_DATE:
                if (fs[i].type == F_DATE && !is_date(s)) {
                    why = "date";
                    break;
                }
                if (!(*(const char **)p = mg_dir_strdup(set, s, len)))
                    oom = true;
                break;
            case F_LIST: {
                bool b;
                *(const char **)p = list_from_csv(set, s, &b, &oom);
                if (b)
                    why = "list";
                break;
            }
            case F_NUM: {
                double x;
                bool present;
                mg_diag nd = {{0}};
                if (mg_csv_double(c, (size_t)idx[i], &x, &present, &nd) != 0 || !isfinite(x))
                    why = "num";
                else
                    *(double *)p = x;
                break;
            }
            case F_INT: {
                long x;
                bool present;
                mg_diag nd = {{0}};
                if (mg_csv_long(c, (size_t)idx[i], &x, &present, &nd) != 0 || x > 1000000)
                    why = "int";
                else
                    *(int *)p = (int)x;
                break;
            }
            case F_BOOL:
                if (strcmp(s, "true") == 0)
                    *(bool *)p = true;
                else if (strcmp(s, "false") == 0)
                    *(bool *)p = false;
                else
                    why = "bool";
                break;
            case F_CAT:
                if (mg_dir_category_parse(s, (mg_dir_category *)p) != 0)
                    why = "cat";
                break;
            }
            if (oom) {
                rc = MG_ENOMEM;
                break;
            }
            if (why) {
                bad = true;
                *refused = true;
                drop_record(set, kind);
                int rr = refuse(r, kind, sid, line, (unsigned)idx[i] + 1, fs[i].member,
                                "colonne « %s » : attendu %s%s, trouvé « %.*s »", fs[i].key,
                                type_words(fs[i].type),
                                fs[i].type == F_LIST ? " séparés par des virgules" : "",
                                (int)mg_utf8_prefix(s, 40), s);
                if (rr) {
                    rc = rr;
                    break;
                }
            }
        }
        if (rc < 0)
            break;
        if (!bad && (rc = push_line(lines, &nl, &capl, line)) != 0)
            break;
    }
    if (rc < 0 && rc != MG_ENOMEM) {
        mg_diag cd = *d;
        int rr = refuse(r, kind, "", 0, 0, "", "%s", cd.msg);
        if (rr)
            rc = rr;
    }
    mg_csv_close(c);
    mg_reader_close(rd);
    return rc < 0 ? rc : 0;
}

int mg_di_read_csv(const char *sname, const char *stext, size_t sn, const char *vname,
                   const char *vtext, size_t vn, mg_dir_set *set, unsigned **slines,
                   unsigned **vlines, mg_dir_report *r, mg_diag *d)
{
    if (slines)
        *slines = NULL;
    if (vlines)
        *vlines = NULL;
    bool refused = false;
    int rc = 0;
    if (stext)
        rc = csv_read(sname, stext, sn, 's', set, slines, r, &refused, d);
    if (!rc && vtext)
        rc = csv_read(vname, vtext, vn, 'v', set, vlines, r, &refused, d);
    if (rc)
        return rc;
    if (refused)
        return mg_diag_set(d, MG_EINVAL, stext ? sname : vname, 0, 0,
                           "des enregistrements sont refusés (voir le rapport)");
    return 0;
}

/* One CSV field, quoted when it holds a separator, quote or line end. */
static int csv_put(mg_buf *b, const char *s, bool first)
{
    int rc = first ? 0 : mg_buf_puts(b, ",");
    if (rc || !s)
        return rc;
    if (!strpbrk(s, ",\"\r\n"))
        return mg_buf_puts(b, s);
    rc = mg_buf_puts(b, "\"");
    for (const char *p = s; *p && !rc; p++)
        rc = *p == '"' ? mg_buf_puts(b, "\"\"") : mg_buf_append(b, p, 1);
    return rc ? rc : mg_buf_puts(b, "\"");
}

static int csv_write(const void *recs, size_t size, size_t n, const field *fs, size_t nf,
                     const mg_dir_set *set, char kind, mg_buf *b)
{
    int rc = 0;
    for (size_t i = 0; i < nf && !rc; i++)
        rc = csv_put(b, fs[i].key, i == 0);
    if (!rc)
        rc = mg_buf_puts(b, "\r\n");
    for (size_t k = 0; k < n && !rc; k++) {
        const void *rec0 = (const char *)recs + k * size;
        mg_dir_structure sc;
        mg_dir_service vc;
        char id[32] = "", sid[32] = "";
        const void *rec;
        if (kind == 's') {
            sc = *(const mg_dir_structure *)rec0;
            if (!sc.source_id && sc.id) {
                snprintf(id, sizeof id, "%lld", (long long)sc.id);
                sc.source_id = id;
            }
            if (!sc.source)
                sc.source = "maillage";
            rec = &sc;
        } else {
            vc = service_for_file(set, (const mg_dir_service *)rec0);
            if (!vc.source_id && vc.id) {
                snprintf(id, sizeof id, "%lld", (long long)vc.id);
                vc.source_id = id;
            }
            if (!vc.structure_source_id && vc.structure_id) {
                snprintf(sid, sizeof sid, "%lld", (long long)vc.structure_id);
                vc.structure_source_id = sid;
            }
            if (!vc.source)
                vc.source = "maillage";
            rec = &vc;
        }
        for (size_t i = 0; i < nf && !rc; i++) {
            const char *p = (const char *)rec + fs[i].off;
            char num[40];
            const char *s = NULL;
            switch (fs[i].type) {
            case F_STR:
            case F_DATE:
            case F_LIST:
                s = *(const char *const *)p;
                break;
            case F_NUM:
                if (isfinite(*(const double *)p)) {
                    format_double(*(const double *)p, num, sizeof num);
                    s = num;
                }
                break;
            case F_INT:
                if (*(const int *)p > 0) {
                    snprintf(num, sizeof num, "%d", *(const int *)p);
                    s = num;
                }
                break;
            case F_BOOL:
                s = *(const bool *)p ? "true" : "false";
                break;
            case F_CAT:
                s = mg_dir_category_key(*(const mg_dir_category *)p);
                break;
            }
            rc = csv_put(b, s, i == 0);
        }
        if (!rc)
            rc = mg_buf_puts(b, "\r\n");
    }
    return rc;
}

int mg_di_write_csv(const mg_dir_set *set, mg_buf *structures, mg_buf *services, mg_diag *d)
{
    int rc = 0;
    if (structures)
        rc = csv_write(set->structures, sizeof *set->structures, set->nstructures,
                       kStructureFields, NFIELDS(kStructureFields), set, 's', structures);
    if (!rc && services)
        rc = csv_write(set->services, sizeof *set->services, set->nservices, kServiceFields,
                       NFIELDS(kServiceFields), set, 'v', services);
    if (rc)
        return mg_diag_set(d, rc, NULL, 0, 0, "export data·inclusion CSV impossible : %s",
                           mg_strerror(rc));
    return 0;
}
