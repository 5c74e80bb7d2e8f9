/*
 * Mobile services' rounds in the database (store.h): services, vehicles,
 * stops, plans with their routes and visits, publication, cancellations.
 * Every write is one write transaction with its audit entry; refused input
 * names its fields and changes nothing. The imports of school holidays and
 * target populations are in store_import.c.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access/access.h"
#include "audit/audit.h"
#include "core/utf8.h"
#include "parse/parse.h"
#include "rounds/store.h"
#include "rounds/store_internal.h"

#define OOM(d) mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory")

/* --- Refused input --------------------------------------------------------------------------- */

void mg_round_errors_add(mg_round_errors *errs, const char *field, const char *fmt, ...)
{
    if (!errs || errs->n >= MG_ROUND_ERRORS_MAX)
        return;
    mg_round_field_error *e = &errs->e[errs->n++];
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

const char *mg_round_errors_for(const mg_round_errors *errs, const char *field)
{
    for (size_t k = 0; errs && field && k < errs->n && k < MG_ROUND_ERRORS_MAX; k++)
        if (strcmp(errs->e[k].field, field) == 0)
            return errs->e[k].msg;
    return NULL;
}

int mg_round_refuse(const mg_round_errors *errs, mg_diag *d)
{
    if (errs && errs->n > 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s : %s", errs->e[0].field,
                           errs->e[0].msg);
    return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "saisie refusée");
}

int mg_round_audit(mg_db_conn *c, int64_t by, int64_t org, const char *object_type,
                   int64_t object_id, const char *verb, const mg_audit_change *changes,
                   size_t nchanges, mg_diag *d)
{
    mg_audit_entry e = {.account_id = by > 0 ? by : 0,
                        .organisation_id = org > 0 ? org : 0,
                        .object_type = object_type,
                        .object_id = object_id,
                        .verb = verb,
                        .changes = changes,
                        .nchanges = nchanges};
    return mg_audit_append(c, &e, NULL, d);
}

/* --- Small readers ---------------------------------------------------------------------------- */

long mg_round_days_from_civil(int y, int m, int d)
{
    /* Howard Hinnant's days_from_civil. */
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* 0 Monday … 6 Sunday. */
static int weekday_of(int y, int m, int d)
{
    long days = mg_round_days_from_civil(y, m, d); /* 1970-01-01 was a Thursday (3) */
    long w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* Reads 1..2 digits at *p into *v; false when none. */
static bool digits(const char **p, int max_digits, int *v)
{
    int n = 0, x = 0;
    while (n < max_digits && isdigit((unsigned char)**p)) {
        x = x * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *v = x;
    return n > 0;
}

int mg_round_parse_hhmm(const char *s, int *minutes)
{
    if (!s)
        return MG_EINVAL;
    while (*s == ' ')
        s++;
    int h = 0, m = 0;
    if (!digits(&s, 2, &h))
        return MG_EINVAL;
    while (*s == ' ')
        s++;
    if (*s == ':' || *s == 'h' || *s == 'H') {
        s++;
        while (*s == ' ')
            s++;
        if (*s && !digits(&s, 2, &m))
            return MG_EINVAL;
    } else if (*s) {
        return MG_EINVAL;
    }
    while (*s == ' ')
        s++;
    if (*s || h > 24 || m > 59 || (h == 24 && m > 0))
        return MG_EINVAL;
    *minutes = h * 60 + m;
    return 0;
}

void mg_round_format_hhmm(int minutes, char out[static 6])
{
    if (minutes < 0 || minutes > 1440)
        minutes = 0;
    snprintf(out, 6, "%02d:%02d", minutes / 60, minutes % 60);
}

static const char *const day_names[7][4] = {
    {"mon", "monday", "lun", "lundi"},       {"tue", "tuesday", "mar", "mardi"},
    {"wed", "wednesday", "mer", "mercredi"}, {"thu", "thursday", "jeu", "jeudi"},
    {"fri", "friday", "ven", "vendredi"},    {"sat", "saturday", "sam", "samedi"},
    {"sun", "sunday", "dim", "dimanche"},
};

static int day_lookup(const char *s, size_t n)
{
    for (int d = 0; d < 7; d++)
        for (int k = 0; k < 4; k++)
            if (strlen(day_names[d][k]) == n && strncasecmp(day_names[d][k], s, n) == 0)
                return d;
    return -1;
}

int mg_round_parse_weekdays(const char *s, uint8_t *mask)
{
    if (!s)
        return MG_EINVAL;
    unsigned m = 0;
    const char *p = s;
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == ';')
            p++;
        if (!*p)
            break;
        const char *a = p;
        while (*p && *p != ',' && *p != ' ' && *p != ';' && *p != '-')
            p++;
        int d0 = day_lookup(a, (size_t)(p - a));
        if (d0 < 0)
            return MG_EINVAL;
        int d1 = d0;
        if (*p == '-') {
            const char *b = ++p;
            while (*p && *p != ',' && *p != ' ' && *p != ';')
                p++;
            d1 = day_lookup(b, (size_t)(p - b));
            if (d1 < d0)
                return MG_EINVAL;
        }
        for (int d = d0; d <= d1; d++)
            m |= 1u << d;
    }
    if (m == 0)
        return MG_EINVAL;
    *mask = (uint8_t)m;
    return 0;
}

void mg_round_format_weekdays(uint8_t mask, char out[static 28])
{
    size_t o = 0;
    out[0] = '\0';
    for (int d = 0; d < 7; d++)
        if (mask & (1u << d)) {
            int w = snprintf(out + o, 28 - o, "%s%s", o ? "," : "", day_names[d][0]);
            if (w > 0)
                o += (size_t)w;
        }
}

/* --- Shared helpers ------------------------------------------------------------------------- */

typedef struct changes {
    mg_audit_change v[24];
    size_t n;
} changes;

static void change(changes *ch, const char *field, const char *before, const char *after)
{
    if (ch->n >= 24)
        return;
    if ((!before && !after) || (before && after && strcmp(before, after) == 0))
        return;
    ch->v[ch->n++] = (mg_audit_change){field, before, after, false};
}

/* Text of numbers for the audit, kept in a small ring the entry borrows. */
typedef struct texts {
    char v[48][32];
    size_t n;
} texts;

static const char *ti(texts *t, int64_t x)
{
    if (t->n >= 48)
        return "";
    snprintf(t->v[t->n], 32, "%lld", (long long)x);
    return t->v[t->n++];
}

static const char *tf(texts *t, double x)
{
    if (t->n >= 48)
        return "";
    snprintf(t->v[t->n], 32, "%.12g", x);
    return t->v[t->n++];
}

static bool check_label(mg_round_errors *errs, const char *field, const char *s, size_t min,
                        size_t max)
{
    size_t chars = 0, n = s ? strlen(s) : 0;
    if (s && mg_utf8_check(s, n, &chars) != n) {
        mg_round_errors_add(errs, field, "texte illisible (UTF-8 attendu)");
        return false;
    }
    if (chars < min) {
        mg_round_errors_add(errs, field, "champ obligatoire");
        return false;
    }
    if (chars > max) {
        mg_round_errors_add(errs, field, "%zu caractères au plus", max);
        return false;
    }
    return true;
}

static bool check_commune(mg_round_errors *errs, const char *field, const char *s,
                          char out[static MG_PARSE_COMMUNE_SIZE])
{
    mg_parse_error why = MG_PARSE_OK;
    if (!s || mg_parse_commune(s, out, &why) != 0) {
        mg_round_errors_add(errs, field, "code commune INSEE attendu (5 caractères, par exemple 11069)");
        return false;
    }
    return true;
}

static bool check_point(mg_round_errors *errs, const char *field, double lat, double lon)
{
    if (!isfinite(lat) || !isfinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 ||
        (lat == 0 && lon == 0)) {
        mg_round_errors_add(errs, field, "position attendue (latitude et longitude en degrés)");
        return false;
    }
    return true;
}

typedef void (*row_fn)(const mg_db_stmt *q, void *out);

static int one_row(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n, row_fn fill,
                   void *out, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, p, n, &q, d);
    if (rc == 0) {
        rc = mg_db_step(q, d);
        if (rc == MG_DB_ROW) {
            fill(q, out);
            rc = 0;
        } else if (rc == MG_DB_DONE) {
            rc = MG_ENOTFOUND;
        }
    }
    mg_db_finalize(q);
    return rc;
}

static int exists(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n, bool *yes,
                  mg_diag *d)
{
    int64_t v = 0;
    int rc = mg_db_query_int(c, sql, p, n, &v, d);
    *yes = rc == 0;
    return rc == MG_ENOTFOUND ? 0 : rc;
}

/* A growable array of rows of `size` bytes read by fill. */
typedef struct rows {
    void *v;
    size_t n, cap, size;
} rows;

static int rows_query(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t np,
                      row_fn fill, rows *r, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, p, np, &q, d);
    while (rc == 0) {
        rc = mg_db_step(q, d);
        if (rc != MG_DB_ROW)
            break;
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 8;
            void *nv = realloc(r->v, cap * r->size);
            if (!nv) {
                rc = OOM(d);
                break;
            }
            r->v = nv;
            r->cap = cap;
        }
        fill(q, (char *)r->v + r->n * r->size);
        r->n++;
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

static void rows_take(rows *r, void **out, size_t *n)
{
    if (r->n == 0) {
        free(r->v);
        r->v = NULL;
    }
    *out = r->v;
    *n = r->n;
    r->v = NULL;
    r->n = r->cap = 0;
}

/* A read: sql with params into a new array of rows. */
struct list_tx {
    const char *sql;
    const mg_db_param *p;
    size_t np;
    row_fn fill;
    rows r;
};

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    t->r.n = 0;
    return rows_query(c, t->sql, t->p, t->np, t->fill, &t->r, d);
}

static int list_run(mg_db *db, const char *sql, const mg_db_param *p, size_t np, row_fn fill,
                    size_t size, void **out, size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct list_tx t = {sql, p, np, fill, {NULL, 0, 0, size}};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc < 0) {
        free(t.r.v);
        return rc;
    }
    rows_take(&t.r, out, n);
    return 0;
}

/* A one-row read in its own read transaction. */
struct get_tx {
    const char *sql;
    int64_t id;
    row_fn fill;
    void *out;
};

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    return one_row(c, t->sql, MG_DB_PARAMS(MG_DB_INT(t->id)), t->fill, t->out, d);
}

static int get_run(mg_db *db, const char *sql, int64_t id, row_fn fill, void *out,
                   const char *what, mg_diag *d)
{
    struct get_tx t = {sql, id, fill, out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no %s with id %lld", what,
                           (long long)id);
    return rc;
}

/* The organisation of a service (for the audit); MG_ENOTFOUND. */
static int service_org(mg_db_conn *c, int64_t service_id, int64_t *org, mg_diag *d)
{
    int rc = mg_db_query_int(c, "SELECT organisation_id FROM round_services WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(service_id)), org, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no mobile service with id %lld",
                           (long long)service_id);
    return rc;
}

static int touch_service(mg_db_conn *c, int64_t service_id, const char *now, mg_diag *d)
{
    return mg_db_run(c, "UPDATE round_services SET updated_at = ?2 WHERE id = ?1",
                     MG_DB_PARAMS(MG_DB_INT(service_id), MG_DB_TEXT(now)), NULL, d);
}

/* --- Services ------------------------------------------------------------------------------ */

static const char *const publics[] = {"all", "early_childhood", "youth", "elderly"};

mg_round_service_input mg_round_service_defaults(void)
{
    return (mg_round_service_input){.target_public = "all",
                                    .reach_min = 15,
                                    .cycle_weeks = 1,
                                    .stop_min = 120,
                                    .underserved_extra = 0.5,
                                    .school_zone = "C",
                                    .runs_in_holidays = true};
}

/* A scope key's form (diagnosis/scope.h): "", "epci:" + 9 digits, or
 * "communes:" + INSEE codes separated by commas, spaces or semicolons. */
static bool territory_form_ok(const char *s)
{
    if (!s || !*s)
        return true;
    if (strlen(s) > 4095)
        return false;
    if (strncmp(s, "epci:", 5) == 0) {
        const char *p = s + 5;
        for (int i = 0; i < 9; i++)
            if (!isdigit((unsigned char)p[i]))
                return false;
        return p[9] == '\0';
    }
    if (strncmp(s, "communes:", 9) == 0) {
        const char *p = s + 9;
        size_t codes = 0;
        while (*p) {
            while (*p == ',' || *p == ' ' || *p == ';')
                p++;
            if (!*p)
                break;
            char code[8] = {0};
            size_t k = 0;
            while (*p && *p != ',' && *p != ' ' && *p != ';') {
                if (k >= 6)
                    return false;
                code[k++] = *p++;
            }
            char out[MG_PARSE_COMMUNE_SIZE];
            mg_parse_error why;
            if (mg_parse_commune(code, out, &why) != 0)
                return false;
            codes++;
        }
        return codes > 0;
    }
    return false;
}

static void service_check(const mg_round_service_input *in, bool create, mg_round_errors *errs)
{
    if (create && in->organisation_id <= 0)
        mg_round_errors_add(errs, "organisation_id", "organisation attendue");
    check_label(errs, "name", in->name, 1, MG_ROUND_NAME_MAX);
    if (!territory_form_ok(in->territory))
        mg_round_errors_add(errs, "territory",
                            "territoire attendu : vide (tout le territoire d'étude), "
                            "« epci:SIREN » ou « communes:CODE,CODE,… »");
    const char *pub = in->target_public && *in->target_public ? in->target_public : "all";
    bool ok = false;
    for (size_t i = 0; i < 4; i++)
        ok |= strcmp(pub, publics[i]) == 0;
    if (!ok)
        mg_round_errors_add(errs, "target_public",
                            "public attendu : all, early_childhood, youth ou elderly");
    if (in->profession && *in->profession && !mg_profession_lookup(in->profession))
        mg_round_errors_add(errs, "profession",
                            "profession attendue : mg, inf, mk, sf ou cd (ou aucune)");
    if (in->reach_min < 1 || in->reach_min > 120)
        mg_round_errors_add(errs, "reach_min", "entre 1 et 120 minutes");
    if (in->cycle_weeks < 1 || in->cycle_weeks > 4)
        mg_round_errors_add(errs, "cycle_weeks", "entre 1 et 4 semaines");
    if (in->stop_min < 5 || in->stop_min > 600)
        mg_round_errors_add(errs, "stop_min", "entre 5 et 600 minutes");
    if (!(in->underserved_extra >= 0 && in->underserved_extra <= 10))
        mg_round_errors_add(errs, "underserved_extra", "nombre entre 0 et 10 attendu");
    const char *z = in->school_zone;
    if (!z || strlen(z) != 1 || (z[0] != 'A' && z[0] != 'B' && z[0] != 'C'))
        mg_round_errors_add(errs, "school_zone", "zone A, B ou C attendue");
    check_label(errs, "contact", in->contact, 0, MG_ROUND_CONTACT_MAX);
}

#define SERVICE_SELECT                                                                              \
    "SELECT s.id, s.organisation_id, o.name, s.name, s.territory, s.target_public, s.profession, "  \
    "s.reach_min, s.cycle_weeks, s.stop_min, s.underserved_extra, s.school_zone, "                  \
    "s.runs_in_holidays, s.contact, s.published_plan_id, s.anchor_monday, s.published_at, "         \
    "s.is_example, s.created_at, s.updated_at, "                                                    \
    "(SELECT COUNT(*) FROM round_vehicles v WHERE v.service_id = s.id AND v.active = 1), "          \
    "(SELECT COUNT(*) FROM round_stops p WHERE p.service_id = s.id AND p.active = 1) "              \
    "FROM round_services s JOIN organisations o ON o.id = s.organisation_id "

static void service_fill(const mg_db_stmt *q, void *out)
{
    mg_round_service *s = out;
    memset(s, 0, sizeof *s);
    s->id = mg_db_column_int64(q, 0);
    s->organisation_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, s->organisation_name, sizeof s->organisation_name);
    mg_db_column_copy(q, 3, s->name, sizeof s->name);
    mg_db_column_copy(q, 4, s->territory, sizeof s->territory);
    mg_db_column_copy(q, 5, s->target_public, sizeof s->target_public);
    mg_db_column_copy(q, 6, s->profession, sizeof s->profession);
    s->reach_min = (int)mg_db_column_int64(q, 7);
    s->cycle_weeks = (int)mg_db_column_int64(q, 8);
    s->stop_min = (int)mg_db_column_int64(q, 9);
    s->underserved_extra = mg_db_column_double(q, 10);
    const char *z = mg_db_column_text(q, 11);
    s->school_zone = z && *z ? z[0] : 'C';
    s->runs_in_holidays = mg_db_column_int64(q, 12) != 0;
    mg_db_column_copy(q, 13, s->contact, sizeof s->contact);
    s->published_plan_id = mg_db_column_is_null(q, 14) ? 0 : mg_db_column_int64(q, 14);
    mg_db_column_copy(q, 15, s->anchor_monday, sizeof s->anchor_monday);
    mg_db_column_copy(q, 16, s->published_at, sizeof s->published_at);
    s->is_example = mg_db_column_int64(q, 17) != 0;
    mg_db_column_copy(q, 18, s->created_at, sizeof s->created_at);
    mg_db_column_copy(q, 19, s->updated_at, sizeof s->updated_at);
    s->nvehicles = (size_t)mg_db_column_int64(q, 20);
    s->nstops = (size_t)mg_db_column_int64(q, 21);
}

struct service_tx {
    int64_t by, id;
    const mg_round_service_input *in;
    int64_t *id_out;
    mg_round_errors *errs;
    size_t errs0;
    mg_round_service old;
};

static void service_changes(changes *ch, texts *tx, const mg_round_service *old,
                            const mg_round_service_input *in, bool create)
{
    const char *pub = in->target_public && *in->target_public ? in->target_public : "all";
    const char *prof = in->profession && *in->profession ? in->profession : NULL;
    change(ch, "name", create ? NULL : old->name, in->name);
    change(ch, "territory", create ? NULL : old->territory, in->territory ? in->territory : "");
    change(ch, "target_public", create ? NULL : old->target_public, pub);
    change(ch, "profession", create || !old->profession[0] ? NULL : old->profession, prof);
    change(ch, "reach_min", create ? NULL : ti(tx, old->reach_min), ti(tx, in->reach_min));
    change(ch, "cycle_weeks", create ? NULL : ti(tx, old->cycle_weeks), ti(tx, in->cycle_weeks));
    change(ch, "stop_min", create ? NULL : ti(tx, old->stop_min), ti(tx, in->stop_min));
    change(ch, "underserved_extra", create ? NULL : tf(tx, old->underserved_extra),
           tf(tx, in->underserved_extra));
    char oz[2] = {old->school_zone, 0};
    change(ch, "school_zone", create ? NULL : oz, in->school_zone);
    change(ch, "runs_in_holidays", create ? NULL : old->runs_in_holidays ? "1" : "0",
           in->runs_in_holidays ? "1" : "0");
    change(ch, "contact", create ? NULL : old->contact, in->contact ? in->contact : "");
    change(ch, "is_example", create ? NULL : old->is_example ? "1" : "0",
           in->is_example ? "1" : "0");
}

static int service_add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct service_tx *t = ctx;
    t->errs->n = t->errs0;
    const mg_round_service_input *in = t->in;
    bool yes = false;
    int rc = exists(c, "SELECT id FROM organisations WHERE id = ?1",
                    MG_DB_PARAMS(MG_DB_INT(in->organisation_id)), &yes, d);
    if (rc < 0)
        return rc;
    if (!yes) {
        mg_round_errors_add(t->errs, "organisation_id", "aucune organisation n'a ce numéro");
        return mg_round_refuse(t->errs, d);
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    const char *pub = in->target_public && *in->target_public ? in->target_public : "all";
    const char *prof = in->profession && *in->profession ? in->profession : NULL;
    int64_t id = 0;
    rc = mg_db_query_int(
        c,
        "INSERT INTO round_services (organisation_id, name, territory, target_public, profession, "
        "reach_min, cycle_weeks, stop_min, underserved_extra, school_zone, runs_in_holidays, "
        "contact, is_example, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14) RETURNING id",
        MG_DB_PARAMS(MG_DB_INT(in->organisation_id), MG_DB_TEXT(in->name),
                     MG_DB_TEXT(in->territory ? in->territory : ""), MG_DB_TEXT(pub),
                     MG_DB_TEXT(prof), MG_DB_INT(in->reach_min), MG_DB_INT(in->cycle_weeks),
                     MG_DB_INT(in->stop_min), MG_DB_REAL(in->underserved_extra),
                     MG_DB_TEXT(in->school_zone), MG_DB_INT(in->runs_in_holidays),
                     MG_DB_TEXT(in->contact ? in->contact : ""), MG_DB_INT(in->is_example),
                     MG_DB_TEXT(now)),
        &id, d);
    if (rc < 0)
        return rc;
    changes ch = {0};
    texts tx = {0};
    service_changes(&ch, &tx, &t->old, in, true);
    if (t->id_out)
        *t->id_out = id;
    return mg_round_audit(c, t->by, in->organisation_id, "round_service", id, "create", ch.v,
                          ch.n, d);
}

int mg_round_service_add(mg_db *db, int64_t by, const mg_round_service_input *in,
                         int64_t *id_out, mg_round_errors *errs, mg_diag *d)
{
    mg_round_errors local = {0};
    if (!errs)
        errs = &local;
    size_t errs0 = errs->n;
    service_check(in, true, errs);
    if (errs->n > errs0)
        return mg_round_refuse(errs, d);
    struct service_tx t = {.by = by, .in = in, .id_out = id_out, .errs = errs, .errs0 = errs0};
    return mg_db_transaction(db, MG_DB_TX_WRITE, service_add_body, &t, d);
}

static int service_update_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct service_tx *t = ctx;
    t->errs->n = t->errs0;
    const mg_round_service_input *in = t->in;
    int rc = one_row(c, SERVICE_SELECT "WHERE s.id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)),
                     service_fill, &t->old, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no mobile service with id %lld",
                           (long long)t->id);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    const char *pub = in->target_public && *in->target_public ? in->target_public : "all";
    const char *prof = in->profession && *in->profession ? in->profession : NULL;
    bool unpublish = t->old.published_plan_id > 0 && t->old.cycle_weeks != in->cycle_weeks;
    rc = mg_db_run(c,
                   "UPDATE round_services SET name = ?2, territory = ?3, target_public = ?4, "
                   "profession = ?5, reach_min = ?6, cycle_weeks = ?7, stop_min = ?8, "
                   "underserved_extra = ?9, school_zone = ?10, runs_in_holidays = ?11, "
                   "contact = ?12, is_example = ?13, updated_at = ?14 WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(in->name),
                                MG_DB_TEXT(in->territory ? in->territory : ""), MG_DB_TEXT(pub),
                                MG_DB_TEXT(prof), MG_DB_INT(in->reach_min),
                                MG_DB_INT(in->cycle_weeks), MG_DB_INT(in->stop_min),
                                MG_DB_REAL(in->underserved_extra), MG_DB_TEXT(in->school_zone),
                                MG_DB_INT(in->runs_in_holidays),
                                MG_DB_TEXT(in->contact ? in->contact : ""),
                                MG_DB_INT(in->is_example), MG_DB_TEXT(now)),
                   NULL, d);
    if (rc < 0)
        return rc;
    changes ch = {0};
    texts tx = {0};
    service_changes(&ch, &tx, &t->old, in, false);
    if (unpublish) {
        rc = mg_db_run(c,
                       "UPDATE round_services SET published_plan_id = NULL, anchor_monday = NULL, "
                       "published_at = NULL, published_by = NULL WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->id)), NULL, d);
        if (rc < 0)
            return rc;
        change(&ch, "published_plan_id", ti(&tx, t->old.published_plan_id), NULL);
    }
    if (ch.n == 0)
        return 0;
    return mg_round_audit(c, t->by, t->old.organisation_id, "round_service", t->id, "update",
                          ch.v, ch.n, d);
}

int mg_round_service_update(mg_db *db, int64_t by, int64_t id, const mg_round_service_input *in,
                            mg_round_errors *errs, mg_diag *d)
{
    mg_round_errors local = {0};
    if (!errs)
        errs = &local;
    size_t errs0 = errs->n;
    service_check(in, false, errs);
    if (errs->n > errs0)
        return mg_round_refuse(errs, d);
    struct service_tx t = {.by = by, .id = id, .in = in, .errs = errs, .errs0 = errs0};
    return mg_db_transaction(db, MG_DB_TX_WRITE, service_update_body, &t, d);
}

int mg_round_service_get(mg_db *db, int64_t id, mg_round_service *out, mg_diag *d)
{
    return get_run(db, SERVICE_SELECT "WHERE s.id = ?1", id, service_fill, out, "mobile service",
                   d);
}

int mg_round_service_list(mg_db *db, int64_t organisation_id, bool published_only,
                          mg_round_service **out, size_t *n, mg_diag *d)
{
    return list_run(db,
                    SERVICE_SELECT "WHERE (?1 = 0 OR s.organisation_id = ?1) "
                                   "AND (?2 = 0 OR s.published_plan_id IS NOT NULL) "
                                   "ORDER BY o.name, s.name, s.id",
                    MG_DB_PARAMS(MG_DB_INT(organisation_id), MG_DB_INT(published_only)),
                    service_fill, sizeof(mg_round_service), (void **)out, n, d);
}

struct delete_tx {
    int64_t by, id;
};

static int service_delete_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct delete_tx *t = ctx;
    int64_t org = 0;
    int rc = service_org(c, t->id, &org, d);
    if (rc < 0)
        return rc;
    static const char *const sql[] = {
        "UPDATE round_services SET published_plan_id = NULL, anchor_monday = NULL, "
        "published_at = NULL, published_by = NULL WHERE id = ?1",
        "DELETE FROM round_visits WHERE route_id IN (SELECT r.id FROM round_routes r "
        "JOIN round_plans p ON p.id = r.plan_id WHERE p.service_id = ?1)",
        "DELETE FROM round_routes WHERE plan_id IN (SELECT id FROM round_plans WHERE service_id = ?1)",
        "DELETE FROM round_plans WHERE service_id = ?1",
        "DELETE FROM round_cancellations WHERE service_id = ?1",
        "DELETE FROM round_stops WHERE service_id = ?1",
        "DELETE FROM round_vehicles WHERE service_id = ?1",
        "DELETE FROM round_services WHERE id = ?1",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if ((rc = mg_db_run(c, sql[i], MG_DB_PARAMS(MG_DB_INT(t->id)), NULL, d)) < 0)
            return rc;
    return mg_round_audit(c, t->by, org, "round_service", t->id, "delete", NULL, 0, d);
}

int mg_round_service_delete(mg_db *db, int64_t by, int64_t id, mg_diag *d)
{
    struct delete_tx t = {by, id};
    return mg_db_transaction(db, MG_DB_TX_WRITE, service_delete_body, &t, d);
}

/* --- Vehicles ------------------------------------------------------------------------------ */

static void vehicle_check(const mg_round_vehicle_input *in, mg_round_errors *errs,
                          char commune[static MG_PARSE_COMMUNE_SIZE])
{
    check_label(errs, "name", in->name, 1, MG_ROUND_NAME_MAX);
    check_label(errs, "base_name", in->base_name, 1, MG_ROUND_NAME_MAX);
    check_commune(errs, "base_commune", in->base_commune, commune);
    check_point(errs, "base_point", in->base_lat, in->base_lon);
    if (in->weekdays == 0 || in->weekdays > 127)
        mg_round_errors_add(errs, "weekdays", "au moins un jour de travail");
    bool times = true;
    if (in->day_start < 0 || in->day_start > 1440) {
        mg_round_errors_add(errs, "day_start", "heure de départ attendue (00:00 à 24:00)");
        times = false;
    }
    if (in->day_end < 0 || in->day_end > 1440) {
        mg_round_errors_add(errs, "day_end", "heure de retour attendue (00:00 à 24:00)");
        times = false;
    } else if (times && in->day_end <= in->day_start) {
        mg_round_errors_add(errs, "day_end", "le retour doit suivre le départ");
        times = false;
    }
    if (in->break_min < 0 || in->break_min > 240) {
        mg_round_errors_add(errs, "break_min", "pause de 0 à 240 minutes");
    } else if (in->break_min > 0 && times) {
        if (in->break_earliest < in->day_start || in->break_latest < in->break_earliest ||
            in->break_latest + in->break_min > in->day_end)
            mg_round_errors_add(errs, "break_window",
                                "la pause doit commencer entre le départ et le retour, au plus "
                                "tôt avant au plus tard, et finir avant le retour");
    }
    if (in->max_drive < 0 || in->max_drive > 1440)
        mg_round_errors_add(errs, "max_drive", "de 0 (sans limite) à 1440 minutes");
}

#define VEHICLE_SELECT                                                                            \
    "SELECT id, service_id, name, base_name, base_commune, base_lat, base_lon, weekdays, "       \
    "day_start, day_end, break_min, break_earliest, break_latest, max_drive, active "            \
    "FROM round_vehicles "

static void vehicle_fill(const mg_db_stmt *q, void *out)
{
    mg_round_vehicle *v = out;
    memset(v, 0, sizeof *v);
    v->id = mg_db_column_int64(q, 0);
    v->service_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, v->name, sizeof v->name);
    mg_db_column_copy(q, 3, v->base_name, sizeof v->base_name);
    mg_db_column_copy(q, 4, v->base_commune, sizeof v->base_commune);
    v->base_lat = mg_db_column_double(q, 5);
    v->base_lon = mg_db_column_double(q, 6);
    v->weekdays = (uint8_t)mg_db_column_int64(q, 7);
    v->day_start = (int)mg_db_column_int64(q, 8);
    v->day_end = (int)mg_db_column_int64(q, 9);
    v->break_min = (int)mg_db_column_int64(q, 10);
    v->break_earliest = (int)mg_db_column_int64(q, 11);
    v->break_latest = (int)mg_db_column_int64(q, 12);
    v->max_drive = (int)mg_db_column_int64(q, 13);
    v->active = mg_db_column_int64(q, 14) != 0;
}

struct vehicle_tx {
    int64_t by, service_id, id;
    const mg_round_vehicle_input *in;
    const char *commune;
    int64_t *id_out;
    mg_round_errors *errs;
    size_t errs0;
};

static void vehicle_changes(changes *ch, texts *tx, const mg_round_vehicle *o,
                            const mg_round_vehicle_input *in, const char *commune, bool create)
{
    change(ch, "name", create ? NULL : o->name, in->name);
    change(ch, "base_name", create ? NULL : o->base_name, in->base_name);
    change(ch, "base_commune", create ? NULL : o->base_commune, commune);
    change(ch, "base_lat", create ? NULL : tf(tx, o->base_lat), tf(tx, in->base_lat));
    change(ch, "base_lon", create ? NULL : tf(tx, o->base_lon), tf(tx, in->base_lon));
    change(ch, "weekdays", create ? NULL : ti(tx, o->weekdays), ti(tx, in->weekdays));
    change(ch, "day_start", create ? NULL : ti(tx, o->day_start), ti(tx, in->day_start));
    change(ch, "day_end", create ? NULL : ti(tx, o->day_end), ti(tx, in->day_end));
    change(ch, "break_min", create ? NULL : ti(tx, o->break_min), ti(tx, in->break_min));
    change(ch, "break_earliest", create ? NULL : ti(tx, o->break_earliest),
           ti(tx, in->break_earliest));
    change(ch, "break_latest", create ? NULL : ti(tx, o->break_latest), ti(tx, in->break_latest));
    change(ch, "max_drive", create ? NULL : ti(tx, o->max_drive), ti(tx, in->max_drive));
    change(ch, "active", create ? NULL : o->active ? "1" : "0", in->active ? "1" : "0");
}

static int vehicle_write_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct vehicle_tx *t = ctx;
    t->errs->n = t->errs0;
    const mg_round_vehicle_input *in = t->in;
    mg_round_vehicle old = {0};
    bool create = t->id == 0;
    int rc;
    if (!create) {
        rc = one_row(c, VEHICLE_SELECT "WHERE id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)),
                     vehicle_fill, &old, d);
        if (rc == MG_ENOTFOUND)
            return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no vehicle with id %lld",
                               (long long)t->id);
        if (rc < 0)
            return rc;
        t->service_id = old.service_id;
    }
    int64_t org = 0;
    if ((rc = service_org(c, t->service_id, &org, d)) < 0)
        return rc;
    bool clash = false;
    rc = exists(c, "SELECT id FROM round_vehicles WHERE service_id = ?1 AND name = ?2 AND id <> ?3",
                MG_DB_PARAMS(MG_DB_INT(t->service_id), MG_DB_TEXT(in->name), MG_DB_INT(t->id)),
                &clash, d);
    if (rc < 0)
        return rc;
    if (clash) {
        mg_round_errors_add(t->errs, "name", "un autre véhicule du service porte déjà ce nom");
        return mg_round_refuse(t->errs, d);
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    int64_t id = t->id;
    if (create)
        rc = mg_db_query_int(
            c,
            "INSERT INTO round_vehicles (service_id, name, base_name, base_commune, base_lat, "
            "base_lon, weekdays, day_start, day_end, break_min, break_earliest, break_latest, "
            "max_drive, active, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
            "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15) RETURNING id",
            MG_DB_PARAMS(MG_DB_INT(t->service_id), MG_DB_TEXT(in->name), MG_DB_TEXT(in->base_name),
                         MG_DB_TEXT(t->commune), MG_DB_REAL(in->base_lat), MG_DB_REAL(in->base_lon),
                         MG_DB_INT(in->weekdays), MG_DB_INT(in->day_start), MG_DB_INT(in->day_end),
                         MG_DB_INT(in->break_min), MG_DB_INT(in->break_min ? in->break_earliest : 0),
                         MG_DB_INT(in->break_min ? in->break_latest : 0), MG_DB_INT(in->max_drive),
                         MG_DB_INT(in->active), MG_DB_TEXT(now)),
            &id, d);
    else
        rc = mg_db_run(
            c,
            "UPDATE round_vehicles SET name = ?2, base_name = ?3, base_commune = ?4, "
            "base_lat = ?5, base_lon = ?6, weekdays = ?7, day_start = ?8, day_end = ?9, "
            "break_min = ?10, break_earliest = ?11, break_latest = ?12, max_drive = ?13, "
            "active = ?14, updated_at = ?15 WHERE id = ?1",
            MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(in->name), MG_DB_TEXT(in->base_name),
                         MG_DB_TEXT(t->commune), MG_DB_REAL(in->base_lat), MG_DB_REAL(in->base_lon),
                         MG_DB_INT(in->weekdays), MG_DB_INT(in->day_start), MG_DB_INT(in->day_end),
                         MG_DB_INT(in->break_min), MG_DB_INT(in->break_min ? in->break_earliest : 0),
                         MG_DB_INT(in->break_min ? in->break_latest : 0), MG_DB_INT(in->max_drive),
                         MG_DB_INT(in->active), MG_DB_TEXT(now)),
            NULL, d);
    if (rc < 0)
        return rc;
    if ((rc = touch_service(c, t->service_id, now, d)) < 0)
        return rc;
    if (t->id_out)
        *t->id_out = id;
    changes ch = {0};
    texts tx = {0};
    vehicle_changes(&ch, &tx, &old, in, t->commune, create);
    if (ch.n == 0)
        return 0;
    return mg_round_audit(c, t->by, org, "round_vehicle", id, create ? "create" : "update", ch.v,
                          ch.n, d);
}

static int vehicle_write(mg_db *db, int64_t by, int64_t service_id, int64_t id,
                         const mg_round_vehicle_input *in, int64_t *id_out,
                         mg_round_errors *errs, mg_diag *d)
{
    mg_round_errors local = {0};
    if (!errs)
        errs = &local;
    size_t errs0 = errs->n;
    char commune[MG_PARSE_COMMUNE_SIZE] = {0};
    vehicle_check(in, errs, commune);
    if (errs->n > errs0)
        return mg_round_refuse(errs, d);
    struct vehicle_tx t = {by, service_id, id, in, commune, id_out, errs, errs0};
    return mg_db_transaction(db, MG_DB_TX_WRITE, vehicle_write_body, &t, d);
}

int mg_round_vehicle_add(mg_db *db, int64_t by, int64_t service_id,
                         const mg_round_vehicle_input *in, int64_t *id_out,
                         mg_round_errors *errs, mg_diag *d)
{
    return vehicle_write(db, by, service_id, 0, in, id_out, errs, d);
}

int mg_round_vehicle_update(mg_db *db, int64_t by, int64_t id, const mg_round_vehicle_input *in,
                            mg_round_errors *errs, mg_diag *d)
{
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no vehicle with id %lld", (long long)id);
    return vehicle_write(db, by, 0, id, in, NULL, errs, d);
}

int mg_round_vehicle_get(mg_db *db, int64_t id, mg_round_vehicle *out, mg_diag *d)
{
    return get_run(db, VEHICLE_SELECT "WHERE id = ?1", id, vehicle_fill, out, "vehicle", d);
}

int mg_round_vehicle_list(mg_db *db, int64_t service_id, bool active_only,
                          mg_round_vehicle **out, size_t *n, mg_diag *d)
{
    return list_run(db,
                    VEHICLE_SELECT "WHERE service_id = ?1 AND (?2 = 0 OR active = 1) "
                                   "ORDER BY name, id",
                    MG_DB_PARAMS(MG_DB_INT(service_id), MG_DB_INT(active_only)), vehicle_fill,
                    sizeof(mg_round_vehicle), (void **)out, n, d);
}

/* --- Stops --------------------------------------------------------------------------------- */

static const char *const stop_sources[] = {"chef_lieu", "file", "directory", "manual"};

const char *mg_round_stop_source_key(mg_round_stop_source s)
{
    return (unsigned)s < MG_ROUND_STOP_SOURCES ? stop_sources[s] : "";
}

static void stop_check(const mg_round_stop_input *in, mg_round_errors *errs,
                       char commune[static MG_PARSE_COMMUNE_SIZE])
{
    check_label(errs, "name", in->name, 1, MG_ROUND_NAME_MAX);
    check_commune(errs, "commune_code", in->commune_code, commune);
    check_label(errs, "commune_name", in->commune_name, 0, MG_ROUND_NAME_MAX);
    check_point(errs, "point", in->lat, in->lon);
    if (in->minutes != 0 && (in->minutes < 5 || in->minutes > 600))
        mg_round_errors_add(errs, "minutes", "de 5 à 600 minutes (ou vide : la durée du service)");
    if ((unsigned)in->source >= MG_ROUND_STOP_SOURCES)
        mg_round_errors_add(errs, "source", "origine inconnue");
    if (in->structure_id < 0)
        mg_round_errors_add(errs, "structure_id", "structure de l'annuaire attendue");
}

#define STOP_SELECT                                                                               \
    "SELECT id, service_id, name, commune_code, commune_name, lat, lon, minutes, source, "       \
    "structure_id, active FROM round_stops "

static void stop_fill(const mg_db_stmt *q, void *out)
{
    mg_round_stop *s = out;
    memset(s, 0, sizeof *s);
    s->id = mg_db_column_int64(q, 0);
    s->service_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, s->name, sizeof s->name);
    mg_db_column_copy(q, 3, s->commune_code, sizeof s->commune_code);
    mg_db_column_copy(q, 4, s->commune_name, sizeof s->commune_name);
    s->lat = mg_db_column_double(q, 5);
    s->lon = mg_db_column_double(q, 6);
    s->minutes = mg_db_column_is_null(q, 7) ? 0 : (int)mg_db_column_int64(q, 7);
    const char *src = mg_db_column_text(q, 8);
    for (int k = 0; src && k < MG_ROUND_STOP_SOURCES; k++)
        if (strcmp(src, stop_sources[k]) == 0)
            s->source = (mg_round_stop_source)k;
    s->structure_id = mg_db_column_is_null(q, 9) ? 0 : mg_db_column_int64(q, 9);
    s->active = mg_db_column_int64(q, 10) != 0;
}

/* Inserts or updates one stop (no audit); *created says which. */
static int stop_write(mg_db_conn *c, int64_t service_id, int64_t id, const mg_round_stop_input *in,
                      const char *commune, const char *now, int64_t *id_out, bool *created,
                      mg_round_errors *errs, mg_diag *d)
{
    int rc;
    if (in->structure_id > 0) {
        bool yes = false;
        rc = exists(c, "SELECT organisation_id FROM structures WHERE organisation_id = ?1",
                    MG_DB_PARAMS(MG_DB_INT(in->structure_id)), &yes, d);
        if (rc < 0)
            return rc;
        if (!yes) {
            mg_round_errors_add(errs, "structure_id", "aucune structure de l'annuaire n'a ce numéro");
            return mg_round_refuse(errs, d);
        }
    }
    if (id == 0) {
        int64_t found = 0;
        rc = mg_db_query_int(c,
                             "SELECT id FROM round_stops WHERE service_id = ?1 AND "
                             "commune_code = ?2 AND name = ?3",
                             MG_DB_PARAMS(MG_DB_INT(service_id), MG_DB_TEXT(commune),
                                          MG_DB_TEXT(in->name)),
                             &found, d);
        if (rc < 0 && rc != MG_ENOTFOUND)
            return rc;
        if (rc == 0)
            id = found;
    } else {
        bool clash = false;
        rc = exists(c,
                    "SELECT id FROM round_stops WHERE service_id = ?1 AND commune_code = ?2 "
                    "AND name = ?3 AND id <> ?4",
                    MG_DB_PARAMS(MG_DB_INT(service_id), MG_DB_TEXT(commune), MG_DB_TEXT(in->name),
                                 MG_DB_INT(id)),
                    &clash, d);
        if (rc < 0)
            return rc;
        if (clash) {
            mg_round_errors_add(errs, "name", "un autre arrêt de cette commune porte déjà ce nom");
            return mg_round_refuse(errs, d);
        }
    }
    mg_db_param minutes = in->minutes > 0 ? MG_DB_INT(in->minutes) : MG_DB_NULL;
    mg_db_param structure = in->structure_id > 0 ? MG_DB_INT(in->structure_id) : MG_DB_NULL;
    *created = id == 0;
    if (id == 0)
        rc = mg_db_query_int(
            c,
            "INSERT INTO round_stops (service_id, name, commune_code, commune_name, lat, lon, "
            "minutes, source, structure_id, active, created_at, updated_at) VALUES (?1, ?2, ?3, "
            "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING id",
            MG_DB_PARAMS(MG_DB_INT(service_id), MG_DB_TEXT(in->name), MG_DB_TEXT(commune),
                         MG_DB_TEXT(in->commune_name ? in->commune_name : ""), MG_DB_REAL(in->lat),
                         MG_DB_REAL(in->lon), minutes,
                         MG_DB_TEXT(mg_round_stop_source_key(in->source)), structure,
                         MG_DB_INT(in->active), MG_DB_TEXT(now)),
            &id, d);
    else
        rc = mg_db_run(c,
                       "UPDATE round_stops SET name = ?2, commune_code = ?3, commune_name = ?4, "
                       "lat = ?5, lon = ?6, minutes = ?7, source = ?8, structure_id = ?9, "
                       "active = ?10, updated_at = ?11 WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(in->name), MG_DB_TEXT(commune),
                                    MG_DB_TEXT(in->commune_name ? in->commune_name : ""),
                                    MG_DB_REAL(in->lat), MG_DB_REAL(in->lon), minutes,
                                    MG_DB_TEXT(mg_round_stop_source_key(in->source)), structure,
                                    MG_DB_INT(in->active), MG_DB_TEXT(now)),
                       NULL, d);
    if (rc < 0)
        return rc;
    if (id_out)
        *id_out = id;
    return 0;
}

struct stop_tx {
    int64_t by, service_id, id;
    const mg_round_stop_input *in;
    const char *commune;
    int64_t *id_out;
    mg_round_errors *errs;
    size_t errs0;
};

static int stop_one_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct stop_tx *t = ctx;
    t->errs->n = t->errs0;
    int rc;
    mg_round_stop old = {0};
    if (t->id > 0) {
        rc = one_row(c, STOP_SELECT "WHERE id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)), stop_fill,
                     &old, d);
        if (rc == MG_ENOTFOUND)
            return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no stop with id %lld",
                               (long long)t->id);
        if (rc < 0)
            return rc;
        t->service_id = old.service_id;
    }
    int64_t org = 0;
    if ((rc = service_org(c, t->service_id, &org, d)) < 0)
        return rc;
    if (t->id == 0) {
        bool clash = false;
        rc = exists(c,
                    "SELECT id FROM round_stops WHERE service_id = ?1 AND commune_code = ?2 "
                    "AND name = ?3",
                    MG_DB_PARAMS(MG_DB_INT(t->service_id), MG_DB_TEXT(t->commune),
                                 MG_DB_TEXT(t->in->name)),
                    &clash, d);
        if (rc < 0)
            return rc;
        if (clash) {
            mg_round_errors_add(t->errs, "name", "un arrêt de cette commune porte déjà ce nom");
            return mg_round_refuse(t->errs, d);
        }
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    int64_t id = 0;
    bool created = false;
    rc = stop_write(c, t->service_id, t->id, t->in, t->commune, now, &id, &created, t->errs, d);
    if (rc < 0)
        return rc;
    if ((rc = touch_service(c, t->service_id, now, d)) < 0)
        return rc;
    if (t->id_out)
        *t->id_out = id;
    changes ch = {0};
    texts tx = {0};
    const mg_round_stop_input *in = t->in;
    change(&ch, "name", created ? NULL : old.name, in->name);
    change(&ch, "commune_code", created ? NULL : old.commune_code, t->commune);
    change(&ch, "lat", created ? NULL : tf(&tx, old.lat), tf(&tx, in->lat));
    change(&ch, "lon", created ? NULL : tf(&tx, old.lon), tf(&tx, in->lon));
    change(&ch, "minutes", created ? NULL : ti(&tx, old.minutes), ti(&tx, in->minutes));
    change(&ch, "source", created ? NULL : mg_round_stop_source_key(old.source),
           mg_round_stop_source_key(in->source));
    change(&ch, "active", created ? NULL : old.active ? "1" : "0", in->active ? "1" : "0");
    if (ch.n == 0)
        return 0;
    return mg_round_audit(c, t->by, org, "round_stop", id, created ? "create" : "update", ch.v,
                          ch.n, d);
}

static int stop_one(mg_db *db, int64_t by, int64_t service_id, int64_t id,
                    const mg_round_stop_input *in, int64_t *id_out, mg_round_errors *errs,
                    mg_diag *d)
{
    mg_round_errors local = {0};
    if (!errs)
        errs = &local;
    size_t errs0 = errs->n;
    char commune[MG_PARSE_COMMUNE_SIZE] = {0};
    stop_check(in, errs, commune);
    if (errs->n > errs0)
        return mg_round_refuse(errs, d);
    struct stop_tx t = {by, service_id, id, in, commune, id_out, errs, errs0};
    return mg_db_transaction(db, MG_DB_TX_WRITE, stop_one_body, &t, d);
}

int mg_round_stop_add(mg_db *db, int64_t by, int64_t service_id, const mg_round_stop_input *in,
                      int64_t *id_out, mg_round_errors *errs, mg_diag *d)
{
    return stop_one(db, by, service_id, 0, in, id_out, errs, d);
}

int mg_round_stop_update(mg_db *db, int64_t by, int64_t id, const mg_round_stop_input *in,
                         mg_round_errors *errs, mg_diag *d)
{
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no stop with id %lld", (long long)id);
    return stop_one(db, by, 0, id, in, NULL, errs, d);
}

int mg_round_stop_get(mg_db *db, int64_t id, mg_round_stop *out, mg_diag *d)
{
    return get_run(db, STOP_SELECT "WHERE id = ?1", id, stop_fill, out, "stop", d);
}

int mg_round_stop_list(mg_db *db, int64_t service_id, bool active_only, mg_round_stop **out,
                       size_t *n, mg_diag *d)
{
    return list_run(db,
                    STOP_SELECT "WHERE service_id = ?1 AND (?2 = 0 OR active = 1) "
                                "ORDER BY commune_code, name, id",
                    MG_DB_PARAMS(MG_DB_INT(service_id), MG_DB_INT(active_only)), stop_fill,
                    sizeof(mg_round_stop), (void **)out, n, d);
}

struct stops_put_tx {
    int64_t by, service_id;
    const mg_round_stop_input *v;
    size_t n;
    char (*communes)[MG_PARSE_COMMUNE_SIZE];
    bool replace;
    size_t added, updated;
};

static int stops_put_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct stops_put_tx *t = ctx;
    t->added = t->updated = 0;
    int64_t org = 0;
    int rc = service_org(c, t->service_id, &org, d);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    if (t->replace &&
        (rc = mg_db_run(c, "UPDATE round_stops SET active = 0, updated_at = ?2 "
                           "WHERE service_id = ?1 AND active = 1",
                        MG_DB_PARAMS(MG_DB_INT(t->service_id), MG_DB_TEXT(now)), NULL, d)) < 0)
        return rc;
    for (size_t i = 0; i < t->n; i++) {
        mg_round_errors errs = {0};
        mg_diag ld = {{0}};
        bool created = false;
        rc = stop_write(c, t->service_id, 0, &t->v[i], t->communes[i], now, NULL, &created,
                        &errs, &ld);
        if (rc < 0) {
            if (errs.n)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "stop %zu: %s : %s", i + 1,
                                   errs.e[0].field, errs.e[0].msg);
            return mg_diag_set(d, rc, NULL, 0, 0, "stop %zu: %s", i + 1, ld.msg);
        }
        if (created)
            t->added++;
        else
            t->updated++;
    }
    if ((rc = touch_service(c, t->service_id, now, d)) < 0)
        return rc;
    texts tx = {0};
    changes ch = {0};
    change(&ch, "stops_added", NULL, ti(&tx, (int64_t)t->added));
    change(&ch, "stops_updated", NULL, ti(&tx, (int64_t)t->updated));
    change(&ch, "replace", NULL, t->replace ? "1" : "0");
    return mg_round_audit(c, t->by, org, "round_service", t->service_id, "stops_put", ch.v, ch.n,
                          d);
}

int mg_round_stops_put(mg_db *db, int64_t by, int64_t service_id, const mg_round_stop_input *v,
                       size_t n, bool replace, size_t *added, size_t *updated, mg_diag *d)
{
    char (*communes)[MG_PARSE_COMMUNE_SIZE] = NULL;
    if (n > 0) {
        communes = calloc(n, sizeof *communes);
        if (!communes)
            return OOM(d);
    }
    for (size_t i = 0; i < n; i++) {
        mg_round_errors errs = {0};
        stop_check(&v[i], &errs, communes[i]);
        for (size_t j = 0; j < i && errs.n == 0; j++)
            if (strcmp(communes[j], communes[i]) == 0 && v[j].name && v[i].name &&
                strcmp(v[j].name, v[i].name) == 0)
                mg_round_errors_add(&errs, "name", "même commune et même nom que l'arrêt %zu",
                                    j + 1);
        if (errs.n) {
            free(communes);
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "stop %zu: %s : %s", i + 1,
                               errs.e[0].field, errs.e[0].msg);
        }
    }
    struct stops_put_tx t = {by, service_id, v, n, communes, replace, 0, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, stops_put_body, &t, d);
    free(communes);
    if (rc < 0)
        return rc;
    if (added)
        *added = t.added;
    if (updated)
        *updated = t.updated;
    return 0;
}

/* The directory's structures as stops. */
typedef struct dir_row {
    int64_t id;
    char name[MG_ROUND_NAME_MAX * 4 + 1];
    char commune[6];
    char commune_name[MG_ROUND_NAME_MAX * 4 + 1];
    double lat, lon;
} dir_row;

static void dir_fill(const mg_db_stmt *q, void *out)
{
    dir_row *r = out;
    r->id = mg_db_column_int64(q, 0);
    mg_db_column_copy(q, 1, r->name, sizeof r->name);
    mg_db_column_copy(q, 2, r->commune, sizeof r->commune);
    mg_db_column_copy(q, 3, r->commune_name, sizeof r->commune_name);
    r->lat = mg_db_column_double(q, 4);
    r->lon = mg_db_column_double(q, 5);
}

struct dir_tx {
    const char *const *categories;
    size_t ncategories;
    const char *const *communes;
    size_t ncommunes;
    rows r;
};

static int dir_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct dir_tx *t = ctx;
    t->r.n = 0;
    for (size_t k = 0; k < t->ncategories; k++)
        for (size_t i = 0; i < t->ncommunes; i++) {
            int rc = rows_query(
                c,
                "SELECT s.organisation_id, o.name, s.commune_code, s.commune_name, s.lat, s.lon "
                "FROM structures s JOIN organisations o ON o.id = s.organisation_id "
                "WHERE s.category = ?1 AND s.commune_code = ?2 AND s.lat IS NOT NULL "
                "AND s.lon IS NOT NULL ORDER BY s.name_key, s.organisation_id",
                MG_DB_PARAMS(MG_DB_TEXT(t->categories[k]), MG_DB_TEXT(t->communes[i])), dir_fill,
                &t->r, d);
            if (rc < 0)
                return rc;
        }
    return 0;
}

int mg_round_stops_from_directory(mg_db *db, const char *const *categories, size_t ncategories,
                                  const char *const *communes, size_t ncommunes,
                                  mg_round_stop_input **out, size_t *n, char **arena, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    *arena = NULL;
    struct dir_tx t = {categories, ncategories, communes, ncommunes, {NULL, 0, 0, sizeof(dir_row)}};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, dir_body, &t, d);
    if (rc < 0) {
        free(t.r.v);
        return rc;
    }
    dir_row *r = t.r.v;
    if (t.r.n == 0) {
        free(r);
        return 0;
    }
    mg_round_stop_input *v = calloc(t.r.n, sizeof *v);
    if (!v) {
        free(r);
        return OOM(d);
    }
    for (size_t i = 0; i < t.r.n; i++) {
        /* The name is cut to the stop's limit of characters. */
        size_t len = strlen(r[i].name), chars = 0;
        if (mg_utf8_check(r[i].name, len, &chars) == len && chars > MG_ROUND_NAME_MAX) {
            size_t cut = mg_utf8_prefix(r[i].name, MG_ROUND_NAME_MAX);
            r[i].name[cut] = '\0';
        }
        v[i] = (mg_round_stop_input){.name = r[i].name,
                                     .commune_code = r[i].commune,
                                     .commune_name = r[i].commune_name,
                                     .lat = r[i].lat,
                                     .lon = r[i].lon,
                                     .source = MG_ROUND_STOP_DIRECTORY,
                                     .structure_id = r[i].id,
                                     .active = true};
    }
    *out = v;
    *n = t.r.n;
    *arena = (char *)r;
    return 0;
}

/* --- Plans --------------------------------------------------------------------------------- */

void mg_round_plan_clear(mg_round_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->routes && i < p->nroutes; i++)
        free(p->routes[i].visits);
    free(p->routes);
    p->routes = NULL;
    p->nroutes = 0;
}

void mg_round_plans_free(mg_round_plan *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        mg_round_plan_clear(&v[i]);
    free(v);
}

static bool id_in(const int64_t *v, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == id)
            return true;
    return false;
}

static void id_fill(const mg_db_stmt *q, void *out)
{
    *(int64_t *)out = mg_db_column_int64(q, 0);
}

static int plan_route_check(const mg_round_plan *p, size_t r, const int64_t *vehicles,
                            size_t nvehicles, const int64_t *stops, size_t nstops, mg_diag *d)
{
    const mg_round_plan_route *a = &p->routes[r];
    size_t rn = r + 1;
    if (!id_in(vehicles, nvehicles, a->vehicle_id))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "route %zu: vehicle %lld is not the service's",
                           rn, (long long)a->vehicle_id);
    if (a->week < 0 || a->week >= p->cycle_weeks)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "route %zu: week %d outside the cycle of %d",
                           rn, a->week + 1, p->cycle_weeks);
    if (a->weekday < 0 || a->weekday > 6)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "route %zu: weekday %d outside 0..6", rn,
                           a->weekday);
    for (size_t q = 0; q < r; q++) {
        const mg_round_plan_route *b = &p->routes[q];
        if (b->n > 0 && b->vehicle_id == a->vehicle_id && b->week == a->week &&
            b->weekday == a->weekday)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "route %zu: vehicle %lld already has route %zu on that day", rn,
                               (long long)a->vehicle_id, q + 1);
    }
    if (a->n > 64)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "route %zu: more than 64 stops", rn);
    if (a->leave < 0 || a->leave > 1440 || a->back < 0 || a->back > 1440 || a->leave > a->back)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "route %zu: leave and back must be times of the day, leave first", rn);
    if (a->drive < 0 || a->drive > 1440)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "route %zu: driving minutes outside 0..1440",
                           rn);
    if (a->break_after < -1 || a->break_after >= (int)a->n ||
        (a->break_after >= 0 && (a->break_start < 0 || a->break_start > 1440)))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "route %zu: break after no visit of the route",
                           rn);
    int prev = a->leave;
    for (size_t i = 0; i < a->n; i++) {
        const mg_round_plan_visit *v = &a->visits[i];
        if (!id_in(stops, nstops, v->stop_id))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "route %zu, visit %zu: stop %lld is not the service's", rn, i + 1,
                               (long long)v->stop_id);
        for (size_t j = 0; j < i; j++)
            if (a->visits[j].stop_id == v->stop_id)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "route %zu, visit %zu: stop %lld already visited (visit %zu)",
                                   rn, i + 1, (long long)v->stop_id, j + 1);
        if (v->arrive < 0 || v->depart > 1440 || v->arrive >= v->depart)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "route %zu, visit %zu: arrival must come before departure, "
                               "within the day",
                               rn, i + 1);
        if (v->arrive < prev)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "route %zu, visit %zu: arrives before the vehicle left %s", rn,
                               i + 1, i ? "the previous stop" : "its base");
        prev = v->depart;
    }
    if (a->n > 0 && a->back < prev)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "route %zu: back at the base before the last departure", rn);
    return 0;
}

struct plan_save_tx {
    int64_t by;
    const mg_round_plan *p;
    int64_t *id_out;
};

static int plan_save_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct plan_save_tx *t = ctx;
    const mg_round_plan *p = t->p;
    int64_t org = 0;
    int rc = service_org(c, p->service_id, &org, d);
    if (rc < 0)
        return rc;
    rows vr = {NULL, 0, 0, sizeof(int64_t)}, sr = {NULL, 0, 0, sizeof(int64_t)};
    rc = rows_query(c, "SELECT id FROM round_vehicles WHERE service_id = ?1",
                    MG_DB_PARAMS(MG_DB_INT(p->service_id)), id_fill, &vr, d);
    if (rc == 0)
        rc = rows_query(c, "SELECT id FROM round_stops WHERE service_id = ?1",
                        MG_DB_PARAMS(MG_DB_INT(p->service_id)), id_fill, &sr, d);
    for (size_t r = 0; rc == 0 && r < p->nroutes; r++)
        rc = plan_route_check(p, r, vr.v, vr.n, sr.v, sr.n, d);
    free(vr.v);
    free(sr.v);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    bool current = p->kind == MG_ROUND_PLAN_CURRENT;
    const char *method = current ? "entered" : p->method[0] ? p->method : "heuristic";
    int64_t id = 0;
    rc = mg_db_query_int(
        c,
        "INSERT INTO round_plans (service_id, kind, method, label, cycle_weeks, value, bound, "
        "seconds, covered, target, all_inhabitants, created_by, created_at) VALUES (?1, ?2, ?3, "
        "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id",
        MG_DB_PARAMS(MG_DB_INT(p->service_id), MG_DB_TEXT(current ? "current" : "computed"),
                     MG_DB_TEXT(method), MG_DB_TEXT(p->label), MG_DB_INT(p->cycle_weeks),
                     MG_DB_REAL(p->value), MG_DB_REAL(p->bound), MG_DB_REAL(p->seconds),
                     MG_DB_REAL(p->covered), MG_DB_REAL(p->target), MG_DB_INT(p->all_inhabitants),
                     t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL, MG_DB_TEXT(now)),
        &id, d);
    if (rc < 0)
        return rc;
    size_t nroutes = 0, nvisits = 0;
    for (size_t r = 0; r < p->nroutes; r++) {
        const mg_round_plan_route *a = &p->routes[r];
        if (a->n == 0)
            continue;
        int64_t rid = 0;
        rc = mg_db_query_int(
            c,
            "INSERT INTO round_routes (plan_id, vehicle_id, week, weekday, leave_min, back_min, "
            "break_after, break_start, drive_min) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
            "RETURNING id",
            MG_DB_PARAMS(MG_DB_INT(id), MG_DB_INT(a->vehicle_id), MG_DB_INT(a->week),
                         MG_DB_INT(a->weekday), MG_DB_INT(a->leave), MG_DB_INT(a->back),
                         MG_DB_INT(a->break_after),
                         a->break_after >= 0 ? MG_DB_INT(a->break_start) : MG_DB_NULL,
                         MG_DB_INT(a->drive)),
            &rid, d);
        if (rc < 0)
            return rc;
        nroutes++;
        for (size_t i = 0; i < a->n; i++) {
            const mg_round_plan_visit *v = &a->visits[i];
            rc = mg_db_run(c,
                           "INSERT INTO round_visits (route_id, position, stop_id, arrive_min, "
                           "depart_min) VALUES (?1, ?2, ?3, ?4, ?5)",
                           MG_DB_PARAMS(MG_DB_INT(rid), MG_DB_INT((int64_t)i),
                                        MG_DB_INT(v->stop_id), MG_DB_INT(v->arrive),
                                        MG_DB_INT(v->depart)),
                           NULL, d);
            if (rc < 0)
                return rc;
            nvisits++;
        }
    }
    if (t->id_out)
        *t->id_out = id;
    texts tx = {0};
    changes ch = {0};
    change(&ch, "service_id", NULL, ti(&tx, p->service_id));
    change(&ch, "kind", NULL, current ? "current" : "computed");
    change(&ch, "method", NULL, method);
    change(&ch, "value", NULL, tf(&tx, p->value));
    change(&ch, "routes", NULL, ti(&tx, (int64_t)nroutes));
    change(&ch, "visits", NULL, ti(&tx, (int64_t)nvisits));
    return mg_round_audit(c, t->by, org, "round_plan", id, "create", ch.v, ch.n, d);
}

int mg_round_plan_save(mg_db *db, int64_t by, const mg_round_plan *p, int64_t *id_out,
                       mg_diag *d)
{
    if (p->cycle_weeks < 1 || p->cycle_weeks > 4)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "plan: cycle of %d weeks outside 1..4",
                           p->cycle_weeks);
    if (!(p->value >= 0) || !(p->seconds >= 0) || !(p->covered >= 0) || !(p->target >= 0) ||
        (!isnan(p->bound) && !(p->bound >= 0)))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "plan: value, bound, seconds, covered and target must be >= 0");
    if (p->nroutes > 0 && !p->routes)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "plan: routes missing");
    size_t chars = 0, len = strlen(p->label);
    if (mg_utf8_check(p->label, len, &chars) != len || chars > MG_ROUND_NAME_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "plan: label not UTF-8 or too long");
    struct plan_save_tx t = {by, p, id_out};
    return mg_db_transaction(db, MG_DB_TX_WRITE, plan_save_body, &t, d);
}

#define PLAN_SELECT                                                                                \
    "SELECT p.id, p.service_id, p.kind, p.method, p.label, p.cycle_weeks, p.value, p.bound, "     \
    "p.seconds, p.covered, p.target, p.all_inhabitants, p.created_by, p.created_at, "             \
    "CASE WHEN s.published_plan_id = p.id THEN 1 ELSE 0 END, "                                     \
    "(SELECT COUNT(*) FROM round_routes r WHERE r.plan_id = p.id) "                                \
    "FROM round_plans p JOIN round_services s ON s.id = p.service_id "

static void plan_fill(const mg_db_stmt *q, void *out)
{
    mg_round_plan *p = out;
    memset(p, 0, sizeof *p);
    p->id = mg_db_column_int64(q, 0);
    p->service_id = mg_db_column_int64(q, 1);
    const char *k = mg_db_column_text(q, 2);
    p->kind = k && strcmp(k, "current") == 0 ? MG_ROUND_PLAN_CURRENT : MG_ROUND_PLAN_COMPUTED;
    mg_db_column_copy(q, 3, p->method, sizeof p->method);
    mg_db_column_copy(q, 4, p->label, sizeof p->label);
    p->cycle_weeks = (int)mg_db_column_int64(q, 5);
    p->value = mg_db_column_double(q, 6);
    p->bound = mg_db_column_is_null(q, 7) ? NAN : mg_db_column_double(q, 7);
    p->seconds = mg_db_column_double(q, 8);
    p->covered = mg_db_column_double(q, 9);
    p->target = mg_db_column_double(q, 10);
    p->all_inhabitants = mg_db_column_int64(q, 11) != 0;
    p->created_by = mg_db_column_is_null(q, 12) ? 0 : mg_db_column_int64(q, 12);
    mg_db_column_copy(q, 13, p->created_at, sizeof p->created_at);
    p->published = mg_db_column_int64(q, 14) != 0;
    p->nroutes = (size_t)mg_db_column_int64(q, 15);
}

static void route_fill(const mg_db_stmt *q, void *out)
{
    mg_round_plan_route *r = out;
    memset(r, 0, sizeof *r);
    r->id = mg_db_column_int64(q, 0);
    r->vehicle_id = mg_db_column_int64(q, 1);
    r->week = (int)mg_db_column_int64(q, 2);
    r->weekday = (int)mg_db_column_int64(q, 3);
    r->leave = (int)mg_db_column_int64(q, 4);
    r->back = (int)mg_db_column_int64(q, 5);
    r->break_after = (int)mg_db_column_int64(q, 6);
    r->break_start = mg_db_column_is_null(q, 7) ? -1 : (int)mg_db_column_int64(q, 7);
    r->drive = (int)mg_db_column_int64(q, 8);
    mg_db_column_copy(q, 9, r->vehicle_name, sizeof r->vehicle_name);
}

typedef struct visit_row {
    int64_t route_id;
    mg_round_plan_visit v;
} visit_row;

static void visit_fill(const mg_db_stmt *q, void *out)
{
    visit_row *r = out;
    memset(r, 0, sizeof *r);
    r->route_id = mg_db_column_int64(q, 0);
    r->v.stop_id = mg_db_column_int64(q, 1);
    r->v.arrive = (int)mg_db_column_int64(q, 2);
    r->v.depart = (int)mg_db_column_int64(q, 3);
    mg_db_column_copy(q, 4, r->v.stop_name, sizeof r->v.stop_name);
    mg_db_column_copy(q, 5, r->v.commune_code, sizeof r->v.commune_code);
    mg_db_column_copy(q, 6, r->v.commune_name, sizeof r->v.commune_name);
    r->v.lat = mg_db_column_double(q, 7);
    r->v.lon = mg_db_column_double(q, 8);
}

struct plan_get_tx {
    int64_t id;
    mg_round_plan *out;
};

static int plan_get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct plan_get_tx *t = ctx;
    mg_round_plan_clear(t->out);
    int rc = one_row(c, PLAN_SELECT "WHERE p.id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)), plan_fill,
                     t->out, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no plan with id %lld", (long long)t->id);
    if (rc < 0)
        return rc;
    t->out->nroutes = 0;
    rows rr = {NULL, 0, 0, sizeof(mg_round_plan_route)};
    rc = rows_query(c,
                    "SELECT r.id, r.vehicle_id, r.week, r.weekday, r.leave_min, r.back_min, "
                    "r.break_after, r.break_start, r.drive_min, v.name FROM round_routes r "
                    "JOIN round_vehicles v ON v.id = r.vehicle_id WHERE r.plan_id = ?1 "
                    "ORDER BY v.name, r.vehicle_id, r.week, r.weekday",
                    MG_DB_PARAMS(MG_DB_INT(t->id)), route_fill, &rr, d);
    if (rc < 0) {
        free(rr.v);
        return rc;
    }
    rows vr = {NULL, 0, 0, sizeof(visit_row)};
    rc = rows_query(c,
                    "SELECT x.route_id, x.stop_id, x.arrive_min, x.depart_min, s.name, "
                    "s.commune_code, s.commune_name, s.lat, s.lon FROM round_visits x "
                    "JOIN round_routes r ON r.id = x.route_id JOIN round_stops s ON s.id = x.stop_id "
                    "WHERE r.plan_id = ?1 ORDER BY x.route_id, x.position",
                    MG_DB_PARAMS(MG_DB_INT(t->id)), visit_fill, &vr, d);
    if (rc < 0) {
        free(rr.v);
        free(vr.v);
        return rc;
    }
    mg_round_plan_route *routes = rr.v;
    visit_row *visits = vr.v;
    /* Count, then place each route's visits (rows come by route id, then position). */
    for (size_t i = 0; i < vr.n; i++)
        for (size_t r = 0; r < rr.n; r++)
            if (routes[r].id == visits[i].route_id) {
                routes[r].n++;
                break;
            }
    for (size_t r = 0; r < rr.n && rc == 0; r++) {
        if (routes[r].n == 0)
            continue;
        routes[r].visits = calloc(routes[r].n, sizeof *routes[r].visits);
        if (!routes[r].visits)
            rc = OOM(d);
        routes[r].n = 0;
    }
    for (size_t i = 0; i < vr.n && rc == 0; i++)
        for (size_t r = 0; r < rr.n; r++)
            if (routes[r].id == visits[i].route_id) {
                routes[r].visits[routes[r].n++] = visits[i].v;
                break;
            }
    free(visits);
    t->out->routes = routes;
    t->out->nroutes = rr.n;
    if (rc < 0)
        mg_round_plan_clear(t->out);
    return rc;
}

int mg_round_plan_get(mg_db *db, int64_t id, mg_round_plan *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    struct plan_get_tx t = {id, out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, plan_get_body, &t, d);
    if (rc < 0)
        mg_round_plan_clear(out);
    return rc;
}

int mg_round_plan_list(mg_db *db, int64_t service_id, mg_round_plan **out, size_t *n,
                       mg_diag *d)
{
    return list_run(db, PLAN_SELECT "WHERE p.service_id = ?1 ORDER BY p.created_at DESC, p.id DESC",
                    MG_DB_PARAMS(MG_DB_INT(service_id)), plan_fill, sizeof(mg_round_plan),
                    (void **)out, n, d);
}

static int plan_delete_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct delete_tx *t = ctx;
    int64_t service = 0;
    int rc = mg_db_query_int(c, "SELECT service_id FROM round_plans WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->id)), &service, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no plan with id %lld", (long long)t->id);
    if (rc < 0)
        return rc;
    bool published = false;
    rc = exists(c, "SELECT id FROM round_services WHERE published_plan_id = ?1",
                MG_DB_PARAMS(MG_DB_INT(t->id)), &published, d);
    if (rc < 0)
        return rc;
    if (published)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "ce plan est publié : retirez la publication avant de le supprimer");
    int64_t org = 0;
    if ((rc = service_org(c, service, &org, d)) < 0)
        return rc;
    if ((rc = mg_db_run(c,
                        "DELETE FROM round_visits WHERE route_id IN "
                        "(SELECT id FROM round_routes WHERE plan_id = ?1)",
                        MG_DB_PARAMS(MG_DB_INT(t->id)), NULL, d)) < 0 ||
        (rc = mg_db_run(c, "DELETE FROM round_routes WHERE plan_id = ?1",
                        MG_DB_PARAMS(MG_DB_INT(t->id)), NULL, d)) < 0 ||
        (rc = mg_db_run(c, "DELETE FROM round_plans WHERE id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)),
                        NULL, d)) < 0)
        return rc;
    return mg_round_audit(c, t->by, org, "round_plan", t->id, "delete", NULL, 0, d);
}

int mg_round_plan_delete(mg_db *db, int64_t by, int64_t id, mg_diag *d)
{
    struct delete_tx t = {by, id};
    return mg_db_transaction(db, MG_DB_TX_WRITE, plan_delete_body, &t, d);
}

/* --- Publication --------------------------------------------------------------------------- */

struct publish_tx {
    int64_t by, service_id, plan_id;
    const char *anchor;
};

struct pub_row {
    int64_t org, plan;
    char anchor[11];
};

static void pub_fill(const mg_db_stmt *q, void *out)
{
    struct pub_row *r = out;
    r->org = mg_db_column_int64(q, 0);
    r->plan = mg_db_column_is_null(q, 1) ? 0 : mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, r->anchor, sizeof r->anchor);
}

static int publish_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct publish_tx *t = ctx;
    struct pub_row old = {0};
    int rc = one_row(c,
                     "SELECT organisation_id, published_plan_id, anchor_monday FROM round_services "
                     "WHERE id = ?1",
                     MG_DB_PARAMS(MG_DB_INT(t->service_id)), pub_fill, &old, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no mobile service with id %lld",
                           (long long)t->service_id);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    texts tx = {0};
    changes ch = {0};
    if (t->plan_id > 0) {
        int64_t owner = 0;
        rc = mg_db_query_int(c, "SELECT service_id FROM round_plans WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->plan_id)), &owner, d);
        if (rc == MG_ENOTFOUND || (rc == 0 && owner != t->service_id))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "le plan %lld n'est pas un plan de ce service",
                               (long long)t->plan_id);
        if (rc < 0)
            return rc;
        rc = mg_db_run(c,
                       "UPDATE round_services SET published_plan_id = ?2, anchor_monday = ?3, "
                       "published_at = ?4, published_by = ?5, updated_at = ?4 WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->service_id), MG_DB_INT(t->plan_id),
                                    MG_DB_TEXT(t->anchor), MG_DB_TEXT(now),
                                    t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL),
                       NULL, d);
        if (rc < 0)
            return rc;
        change(&ch, "published_plan_id", old.plan ? ti(&tx, old.plan) : NULL,
               ti(&tx, t->plan_id));
        change(&ch, "anchor_monday", old.plan ? old.anchor : NULL, t->anchor);
        if (ch.n == 0)
            return 0;
        return mg_round_audit(c, t->by, old.org, "round_service", t->service_id, "publish", ch.v,
                              ch.n, d);
    }
    if (!old.plan)
        return 0;
    rc = mg_db_run(c,
                   "UPDATE round_services SET published_plan_id = NULL, anchor_monday = NULL, "
                   "published_at = NULL, published_by = NULL, updated_at = ?2 WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->service_id), MG_DB_TEXT(now)), NULL, d);
    if (rc < 0)
        return rc;
    change(&ch, "published_plan_id", ti(&tx, old.plan), NULL);
    change(&ch, "anchor_monday", old.anchor, NULL);
    return mg_round_audit(c, t->by, old.org, "round_service", t->service_id, "unpublish", ch.v,
                          ch.n, d);
}

int mg_round_publish(mg_db *db, int64_t by, int64_t service_id, int64_t plan_id,
                     const char *anchor_monday, mg_diag *d)
{
    mg_date date;
    mg_parse_error why = MG_PARSE_OK;
    if (!anchor_monday || mg_parse_date(anchor_monday, &date, &why) != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "date de départ du cycle attendue (aaaa-mm-jj, un lundi)");
    if (weekday_of(date.year, date.month, date.day) != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "le cycle doit partir d'un lundi (%s n'en est pas un)", anchor_monday);
    if (plan_id <= 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "plan à publier attendu");
    char anchor[11];
    snprintf(anchor, sizeof anchor, "%04d-%02d-%02d", date.year, date.month, date.day);
    struct publish_tx t = {by, service_id, plan_id, anchor};
    return mg_db_transaction(db, MG_DB_TX_WRITE, publish_body, &t, d);
}

int mg_round_unpublish(mg_db *db, int64_t by, int64_t service_id, mg_diag *d)
{
    struct publish_tx t = {by, service_id, 0, NULL};
    return mg_db_transaction(db, MG_DB_TX_WRITE, publish_body, &t, d);
}

/* --- Cancellations ------------------------------------------------------------------------- */

struct cancel_tx {
    int64_t by, service_id, vehicle_id, stop_id;
    const char *date, *reason;
    int64_t *id_out;
    mg_round_errors *errs;
    size_t errs0;
};

static int cancel_add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct cancel_tx *t = ctx;
    t->errs->n = t->errs0;
    int64_t org = 0;
    int rc = service_org(c, t->service_id, &org, d);
    if (rc < 0)
        return rc;
    bool yes = true;
    if (t->vehicle_id > 0) {
        rc = exists(c, "SELECT id FROM round_vehicles WHERE id = ?1 AND service_id = ?2",
                    MG_DB_PARAMS(MG_DB_INT(t->vehicle_id), MG_DB_INT(t->service_id)), &yes, d);
        if (rc < 0)
            return rc;
        if (!yes)
            mg_round_errors_add(t->errs, "vehicle_id", "ce véhicule n'est pas celui du service");
    }
    if (t->stop_id > 0) {
        rc = exists(c, "SELECT id FROM round_stops WHERE id = ?1 AND service_id = ?2",
                    MG_DB_PARAMS(MG_DB_INT(t->stop_id), MG_DB_INT(t->service_id)), &yes, d);
        if (rc < 0)
            return rc;
        if (!yes)
            mg_round_errors_add(t->errs, "stop_id", "cet arrêt n'est pas un arrêt du service");
    }
    if (t->errs->n > t->errs0)
        return mg_round_refuse(t->errs, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    int64_t id = 0;
    rc = mg_db_query_int(
        c,
        "INSERT INTO round_cancellations (service_id, on_date, vehicle_id, stop_id, reason, "
        "created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        MG_DB_PARAMS(MG_DB_INT(t->service_id), MG_DB_TEXT(t->date),
                     t->vehicle_id > 0 ? MG_DB_INT(t->vehicle_id) : MG_DB_NULL,
                     t->stop_id > 0 ? MG_DB_INT(t->stop_id) : MG_DB_NULL, MG_DB_TEXT(t->reason),
                     t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL, MG_DB_TEXT(now)),
        &id, d);
    if (rc < 0)
        return rc;
    if (t->id_out)
        *t->id_out = id;
    texts tx = {0};
    changes ch = {0};
    change(&ch, "service_id", NULL, ti(&tx, t->service_id));
    change(&ch, "on_date", NULL, t->date);
    change(&ch, "vehicle_id", NULL, t->vehicle_id > 0 ? ti(&tx, t->vehicle_id) : NULL);
    change(&ch, "stop_id", NULL, t->stop_id > 0 ? ti(&tx, t->stop_id) : NULL);
    change(&ch, "reason", NULL, t->reason);
    return mg_round_audit(c, t->by, org, "round_cancellation", id, "create", ch.v, ch.n, d);
}

int mg_round_cancellation_add(mg_db *db, int64_t by, int64_t service_id, const char *on_date,
                              int64_t vehicle_id, int64_t stop_id, const char *reason,
                              int64_t *id_out, mg_round_errors *errs, mg_diag *d)
{
    mg_round_errors local = {0};
    if (!errs)
        errs = &local;
    size_t errs0 = errs->n;
    mg_date date = {0};
    mg_parse_error why = MG_PARSE_OK;
    if (!on_date || mg_parse_date(on_date, &date, &why) != 0)
        mg_round_errors_add(errs, "on_date", "date attendue (jj/mm/aaaa ou aaaa-mm-jj)");
    check_label(errs, "reason", reason, 0, MG_ROUND_NAME_MAX);
    if (vehicle_id < 0)
        mg_round_errors_add(errs, "vehicle_id", "véhicule attendu");
    if (stop_id < 0)
        mg_round_errors_add(errs, "stop_id", "arrêt attendu");
    if (errs->n > errs0)
        return mg_round_refuse(errs, d);
    char iso[11];
    snprintf(iso, sizeof iso, "%04d-%02d-%02d", date.year, date.month, date.day);
    struct cancel_tx t = {by,  service_id, vehicle_id, stop_id, iso, reason ? reason : "",
                          id_out, errs, errs0};
    return mg_db_transaction(db, MG_DB_TX_WRITE, cancel_add_body, &t, d);
}

static int cancel_delete_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct delete_tx *t = ctx;
    int64_t service = 0, org = 0;
    int rc = mg_db_query_int(c, "SELECT service_id FROM round_cancellations WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->id)), &service, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no cancellation with id %lld",
                           (long long)t->id);
    if (rc < 0 || (rc = service_org(c, service, &org, d)) < 0)
        return rc;
    if ((rc = mg_db_run(c, "DELETE FROM round_cancellations WHERE id = ?1",
                        MG_DB_PARAMS(MG_DB_INT(t->id)), NULL, d)) < 0)
        return rc;
    return mg_round_audit(c, t->by, org, "round_cancellation", t->id, "delete", NULL, 0, d);
}

int mg_round_cancellation_delete(mg_db *db, int64_t by, int64_t id, mg_diag *d)
{
    struct delete_tx t = {by, id};
    return mg_db_transaction(db, MG_DB_TX_WRITE, cancel_delete_body, &t, d);
}

static void cancel_fill(const mg_db_stmt *q, void *out)
{
    mg_round_cancellation *x = out;
    memset(x, 0, sizeof *x);
    x->id = mg_db_column_int64(q, 0);
    x->service_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, x->on_date, sizeof x->on_date);
    x->vehicle_id = mg_db_column_is_null(q, 3) ? 0 : mg_db_column_int64(q, 3);
    x->stop_id = mg_db_column_is_null(q, 4) ? 0 : mg_db_column_int64(q, 4);
    mg_db_column_copy(q, 5, x->reason, sizeof x->reason);
    mg_db_column_copy(q, 6, x->vehicle_name, sizeof x->vehicle_name);
    mg_db_column_copy(q, 7, x->stop_name, sizeof x->stop_name);
}

int mg_round_cancellation_list(mg_db *db, int64_t service_id, const char *from, const char *to,
                               mg_round_cancellation **out, size_t *n, mg_diag *d)
{
    return list_run(db,
                    "SELECT c.id, c.service_id, c.on_date, c.vehicle_id, c.stop_id, c.reason, "
                    "v.name, s.name FROM round_cancellations c "
                    "LEFT JOIN round_vehicles v ON v.id = c.vehicle_id "
                    "LEFT JOIN round_stops s ON s.id = c.stop_id "
                    "WHERE c.service_id = ?1 AND (?2 = '' OR c.on_date >= ?2) "
                    "AND (?3 = '' OR c.on_date <= ?3) ORDER BY c.on_date, c.id",
                    MG_DB_PARAMS(MG_DB_INT(service_id), MG_DB_TEXT(from ? from : ""),
                                 MG_DB_TEXT(to ? to : "")),
                    cancel_fill, sizeof(mg_round_cancellation), (void **)out, n, d);
}

/* --- School holidays (list; the import is in store_import.c) ---------------------------------- */

static void holiday_fill(const mg_db_stmt *q, void *out)
{
    mg_round_holiday *h = out;
    memset(h, 0, sizeof *h);
    mg_db_column_copy(q, 0, h->zone, sizeof h->zone);
    mg_db_column_copy(q, 1, h->academie, sizeof h->academie);
    mg_db_column_copy(q, 2, h->description, sizeof h->description);
    mg_db_column_copy(q, 3, h->school_year, sizeof h->school_year);
    mg_db_column_copy(q, 4, h->first_day, sizeof h->first_day);
    mg_db_column_copy(q, 5, h->last_day, sizeof h->last_day);
}

int mg_round_holidays_list(mg_db *db, const char *zone, const char *from, const char *to,
                           mg_round_holiday **out, size_t *n, mg_diag *d)
{
    return list_run(db,
                    "SELECT zone, MIN(academie), description, school_year, first_day, last_day "
                    "FROM school_holidays WHERE zone = ?1 AND (?2 = '' OR last_day >= ?2) "
                    "AND (?3 = '' OR first_day <= ?3) "
                    "GROUP BY zone, description, school_year, first_day, last_day "
                    "ORDER BY first_day, last_day, description",
                    MG_DB_PARAMS(MG_DB_TEXT(zone), MG_DB_TEXT(from ? from : ""), MG_DB_TEXT(to ? to : "")),
                    holiday_fill,
                    sizeof(mg_round_holiday), (void **)out, n, d);
}
