/*
 * The two imported reference tables of the rounds (store.h): the
 * ministry's school holidays (read by school.h) and INSEE's target
 * populations (read by population.h). Each import reads its whole file
 * first, then replaces its table in one write transaction with one audit
 * entry: a file that does not read, or a row the database refuses, leaves
 * the table as it was.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "core/utf8.h"
#include "rounds/population.h"
#include "rounds/school.h"
#include "rounds/store.h"
#include "rounds/store_internal.h"
#include "territory/territory.h"

#define OOM(d) mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory")

/* --- School holidays ----------------------------------------------------------------------- */

/* "Zone A" → "A"; other zones ("Corse", "Guadeloupe") as written, cut to 40
 * characters. */
static void zone_key(const char *zone, char out[static 161])
{
    const char *z = zone ? zone : "";
    if (strncasecmp(z, "zone ", 5) == 0 && z[5] && !z[6])
        snprintf(out, 161, "%c", toupper((unsigned char)z[5]));
    else
        snprintf(out, 161, "%.*s", (int)mg_utf8_prefix(z, 40), z);
}

/* A copy of s cut to max characters into out (cap bytes). */
static void cut(const char *s, size_t max, char *out, size_t cap)
{
    s = s ? s : "";
    size_t n = mg_utf8_prefix(s, max);
    if (n >= cap)
        n = mg_utf8_prefix(s, (cap - 1) / 4);
    memcpy(out, s, n);
    out[n] = '\0';
}

struct holidays_tx {
    int64_t by;
    const mg_school_calendar *cal;
    const char *path;
    size_t stored;
};

static int holidays_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct holidays_tx *t = ctx;
    t->stored = 0;
    char now[MG_DB_TIMESTAMP_SIZE];
    int rc = mg_db_timestamp(now, d);
    if (rc < 0)
        return rc;
    int64_t before = 0;
    if ((rc = mg_db_query_int(c, "SELECT COUNT(*) FROM school_holidays", MG_DB_NO_PARAMS, &before,
                              d)) < 0)
        return rc;
    if ((rc = mg_db_run(c, "DELETE FROM school_holidays", MG_DB_NO_PARAMS, NULL, d)) < 0)
        return rc;
    for (size_t i = 0; i < t->cal->n; i++) {
        const mg_school_holiday *h = &t->cal->h[i];
        if (h->teachers)
            continue; /* the rounds follow the pupils' days */
        if (mg_school_days(h->last) < mg_school_days(h->first))
            continue; /* a period that holds no day */
        char zone[161], academie[401], description[801], year[21], first[11], last[11];
        zone_key(h->zone, zone);
        cut(h->academie, 100, academie, sizeof academie);
        cut(h->description, 200, description, sizeof description);
        if (!description[0])
            snprintf(description, sizeof description, "Vacances scolaires");
        if (h->school_year && *h->school_year)
            cut(h->school_year, 20, year, sizeof year);
        else {
            int y = h->first.month >= 9 ? h->first.year : h->first.year - 1;
            snprintf(year, sizeof year, "%d-%d", y, y + 1);
        }
        snprintf(first, sizeof first, "%04d-%02d-%02d", h->first.year, h->first.month,
                 h->first.day);
        snprintf(last, sizeof last, "%04d-%02d-%02d", h->last.year, h->last.month, h->last.day);
        rc = mg_db_run(c,
                       "INSERT INTO school_holidays (zone, academie, description, school_year, "
                       "first_day, last_day, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       MG_DB_PARAMS(MG_DB_TEXT(zone), MG_DB_TEXT(academie),
                                    MG_DB_TEXT(description), MG_DB_TEXT(year), MG_DB_TEXT(first),
                                    MG_DB_TEXT(last), MG_DB_TEXT(now)),
                       NULL, d);
        if (rc < 0)
            return rc;
        t->stored++;
    }
    char b[32], a[32];
    snprintf(b, sizeof b, "%lld", (long long)before);
    snprintf(a, sizeof a, "%zu", t->stored);
    const char *base = strrchr(t->path, '/');
    base = base ? base + 1 : t->path;
    char file[256];
    cut(base, 200, file, sizeof file);
    mg_audit_change ch[] = {{"rows", b, a, false}, {"file", NULL, file, false}};
    /* object_id 1: the table as one object */
    return mg_round_audit(c, t->by, 0, "school_holidays", 1, "import", ch, 2, d);
}

int mg_round_holidays_import(mg_db *db, int64_t by, const char *path, size_t *n_out, mg_diag *d)
{
    mg_school_calendar cal = {0};
    int rc = mg_school_read(path, &cal, d);
    if (rc < 0)
        return rc;
    struct holidays_tx t = {by, &cal, path, 0};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, holidays_body, &t, d);
    mg_school_free(&cal);
    if (rc == 0 && n_out)
        *n_out = t.stored;
    return rc;
}

/* --- Target populations -------------------------------------------------------------------- */

struct population_tx {
    int64_t by;
    const mg_territory *t;
    const mg_rounds_population *pop;
    const char *path;
    size_t stored;
};

static double count_or_zero(const mg_rounds_population *p, int pub, size_t i)
{
    double v = p->count[pub] ? p->count[pub][i] : NAN;
    return isfinite(v) && v > 0 ? v : 0;
}

static int population_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct population_tx *t = ctx;
    t->stored = 0;
    char now[MG_DB_TIMESTAMP_SIZE];
    int rc = mg_db_timestamp(now, d);
    if (rc < 0)
        return rc;
    int64_t before = 0;
    if ((rc = mg_db_query_int(c, "SELECT COUNT(*) FROM target_populations", MG_DB_NO_PARAMS,
                              &before, d)) < 0)
        return rc;
    if ((rc = mg_db_run(c, "DELETE FROM target_populations", MG_DB_NO_PARAMS, NULL, d)) < 0)
        return rc;
    const mg_rounds_population *p = t->pop;
    for (size_t i = 0; i < p->n && i < t->t->n; i++) {
        if (!p->present || !p->present[i])
            continue;
        rc = mg_db_run(c,
                       "INSERT INTO target_populations (commune_code, year, all_count, "
                       "early_childhood, youth, elderly, imported_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       MG_DB_PARAMS(MG_DB_TEXT(t->t->code[i]), MG_DB_INT(p->year),
                                    MG_DB_REAL(count_or_zero(p, MG_PUBLIC_ALL, i)),
                                    MG_DB_REAL(count_or_zero(p, MG_PUBLIC_EARLY_CHILDHOOD, i)),
                                    MG_DB_REAL(count_or_zero(p, MG_PUBLIC_YOUTH, i)),
                                    MG_DB_REAL(count_or_zero(p, MG_PUBLIC_ELDERLY, i)),
                                    MG_DB_TEXT(now)),
                       NULL, d);
        if (rc < 0)
            return rc;
        t->stored++;
    }
    char b[32], a[32], y[16];
    snprintf(b, sizeof b, "%lld", (long long)before);
    snprintf(a, sizeof a, "%zu", t->stored);
    snprintf(y, sizeof y, "%d", p->year);
    const char *base = strrchr(t->path, '/');
    base = base ? base + 1 : t->path;
    char file[256];
    cut(base, 200, file, sizeof file);
    mg_audit_change ch[] = {
        {"rows", b, a, false}, {"year", NULL, y, false}, {"file", NULL, file, false}};
    return mg_round_audit(c, t->by, 0, "target_populations", 1, "import", ch, 3, d);
}

int mg_round_population_import(mg_db *db, int64_t by, const struct mg_territory *t,
                               const char *path, mg_report *rep, size_t *n_out, mg_diag *d)
{
    mg_rounds_population pop = {0};
    int rc = mg_rounds_population_read(t, path, &pop, rep, d);
    if (rc < 0)
        return rc;
    struct population_tx x = {by, t, &pop, path, 0};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, population_body, &x, d);
    mg_rounds_population_free(&pop);
    if (rc == 0 && n_out)
        *n_out = x.stored;
    return rc;
}

struct population_load_tx {
    const mg_territory *t;
    mg_rounds_population *out;
    bool has;
};

static int population_load_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct population_load_tx *x = ctx;
    mg_rounds_population *p = x->out;
    x->has = false;
    for (size_t i = 0; i < p->n; i++) {
        for (int k = 0; k < MG_PUBLIC_COUNT; k++)
            p->count[k][i] = NAN;
        p->present[i] = 0;
    }
    p->rows = 0;
    p->year = 0;
    mg_db_stmt *q = NULL;
    /* The newest year of each commune (one import holds one year). */
    int rc = mg_db_prepare(c,
                           "SELECT commune_code, year, all_count, early_childhood, youth, elderly "
                           "FROM target_populations ORDER BY year DESC, commune_code",
                           &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        x->has = true;
        p->rows++;
        const char *code = mg_db_column_text(q, 0);
        int year = (int)mg_db_column_int64(q, 1);
        if (!p->year)
            p->year = year;
        long i = code ? mg_territory_find(x->t, code) : -1;
        if (i < 0 || (size_t)i >= p->n) {
            p->unknown_rows++;
            continue;
        }
        if (p->present[i])
            continue;
        p->present[i] = 1;
        for (int k = 0; k < MG_PUBLIC_COUNT; k++)
            p->count[k][i] = mg_db_column_double(q, 2 + k);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    p->missing_study = 0;
    for (size_t i = 0; i < p->n; i++)
        if (x->t->in_study && x->t->in_study[i] && !p->present[i])
            p->missing_study++;
    return 0;
}

int mg_round_population_load(mg_db *db, const struct mg_territory *t,
                             struct mg_rounds_population *out, bool *has, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    if (has)
        *has = false;
    mg_rounds_population p = {0};
    p.n = t->n;
    for (int k = 0; k < MG_PUBLIC_COUNT; k++)
        if (!(p.count[k] = malloc((t->n ? t->n : 1) * sizeof(double)))) {
            mg_rounds_population_free(&p);
            return OOM(d);
        }
    if (!(p.present = calloc(t->n ? t->n : 1, 1))) {
        mg_rounds_population_free(&p);
        return OOM(d);
    }
    struct population_load_tx x = {t, &p, false};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, population_load_body, &x, d);
    if (rc < 0 || !x.has) {
        mg_rounds_population_free(&p);
        return rc < 0 ? rc : 0;
    }
    *out = p;
    if (has)
        *has = true;
    return 0;
}
