/*
 * Population by age from INSEE's census bases "Évolution et structure de la
 * population": the commune base (CODGEO, one row per commune or municipal
 * arrondissement) and the IRIS base (IRIS, COM, one row per IRIS). Both
 * name their figures "Pyy_…" where yy is the census year; an "evol" file
 * also carries earlier censuses (P15_POP, P10_POP…), so the year is that of
 * the most recent "Pyy_POP" column and every age column must carry it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/csv.h"
#include "rounds/population.h"
#include "territory/codemap.h"

#define MAX_ROWS 2000000u  /* the IRIS base of France has about 50,000 rows */
#define IRIS_LEN 9u
#define REPORT_UNKNOWN 20u
#define MAX_PEOPLE 1e9 /* far above any commune; keeps sums finite */

static const char *const public_keys[MG_PUBLIC_COUNT] = {
    "all", "early_childhood", "youth", "elderly"};
static const char *const public_labels[MG_PUBLIC_COUNT] = {
    "Tous les habitants", "Enfants de moins de 6 ans et leurs parents",
    "Jeunes de 15 à 29 ans", "Personnes de 75 ans et plus"};

const char *mg_rounds_public_key(mg_rounds_public p)
{
    return (unsigned)p < MG_PUBLIC_COUNT ? public_keys[p] : NULL;
}

const char *mg_rounds_public_label_fr(mg_rounds_public p)
{
    return (unsigned)p < MG_PUBLIC_COUNT ? public_labels[p] : NULL;
}

int mg_rounds_public_from_key(const char *key, mg_rounds_public *out)
{
    for (unsigned k = 0; key && k < MG_PUBLIC_COUNT; k++)
        if (strcmp(key, public_keys[k]) == 0) {
            *out = (mg_rounds_public)k;
            return MG_OK;
        }
    return MG_EINVAL;
}

void mg_rounds_population_free(mg_rounds_population *p)
{
    if (!p)
        return;
    for (int k = 0; k < MG_PUBLIC_COUNT; k++)
        free(p->count[k]);
    free(p->present);
    *p = (mg_rounds_population){0};
}

double mg_rounds_population_target(const mg_rounds_population *pop, const mg_territory *t,
                                   mg_rounds_public pub, size_t i,
                                   mg_rounds_target_source *src)
{
    if (!pop) {
        if (src)
            *src = MG_TARGET_ALL_FALLBACK;
        return t && i < t->n && (unsigned)pub < MG_PUBLIC_COUNT ? t->population[i] : NAN;
    }
    if (i >= pop->n || (unsigned)pub >= MG_PUBLIC_COUNT || !pop->present[i]) {
        if (src)
            *src = MG_TARGET_NOT_IN_FILE;
        return NAN;
    }
    if (src)
        *src = MG_TARGET_FROM_FILE;
    return pop->count[pub][i];
}

/* The figures read per row: total, 0–2, 3–5, 15–29, 75+ or 75–89 and 90+. */
enum { F_POP, F_0002, F_0305, F_1529, F_75P, F_7589, F_90P, F_COUNT };
static const char *const field_suffix[F_COUNT] = {"POP",     "POP0002", "POP0305", "POP1529",
                                                  "POP75P",  "POP7589", "POP90P"};

/* "Pyy_SUFFIX" with yy two digits: yy, else -1. */
static int column_year(const char *name, const char *suffix)
{
    if (name[0] != 'P' || name[1] < '0' || name[1] > '9' || name[2] < '0' || name[2] > '9' ||
        name[3] != '_' || strcmp(name + 4, suffix) != 0)
        return -1;
    return (name[1] - '0') * 10 + (name[2] - '0');
}

/* Finds the column "Pyy_SUFFIX" for the year yy; when absent, *other gets
 * the year of another prefix that has it (or -1). */
static int find_year_column(const mg_csv *c, const char *suffix, int yy, int *other)
{
    *other = -1;
    const char *h;
    for (size_t i = 0; (h = mg_csv_header(c, i)) != NULL; i++) {
        int y = column_year(h, suffix);
        if (y == yy)
            return (int)i;
        if (y >= 0)
            *other = y;
    }
    return -1;
}

/* A code seen on a row, kept to find codes written twice. */
typedef struct seen {
    char code[IRIS_LEN + 1];
    unsigned long line, col;
} seen;

static int seen_cmp(const void *a, const void *b)
{
    const seen *x = a, *y = b;
    int k = strcmp(x->code, y->code);
    if (k)
        return k;
    return x->line < y->line ? -1 : x->line > y->line;
}

typedef struct layout {
    int code;   /* CODGEO, or IRIS */
    int com;    /* COM for the IRIS base, -1 otherwise */
    int f[F_COUNT];
    int year;   /* two digits */
} layout;

static int read_layout(const mg_csv *c, const char *path, layout *L, mg_diag *d)
{
    L->code = mg_csv_column(c, "CODGEO");
    L->com = -1;
    if (L->code < 0) {
        L->code = mg_csv_column(c, "IRIS");
        L->com = mg_csv_column(c, "COM");
        if (L->code < 0 || L->com < 0)
            return mg_diag_set(d, MG_ENOTFOUND, path, 1, 0,
                               "missing column \"%s\" (expected INSEE's commune base with "
                               "CODGEO, or its IRIS base with IRIS and COM, `;`-separated)",
                               L->code < 0 && L->com >= 0 ? "IRIS"
                               : L->code >= 0             ? "COM"
                                                          : "CODGEO");
    }
    L->year = -1;
    const char *h;
    for (size_t i = 0; (h = mg_csv_header(c, i)) != NULL; i++) {
        int y = column_year(h, "POP");
        if (y > L->year)
            L->year = y;
    }
    if (L->year < 0)
        return mg_diag_set(d, MG_ENOTFOUND, path, 1, 0,
                           "missing column \"Pyy_POP\" (expected the population of a census "
                           "year, such as \"P21_POP\", beside its age columns \"P21_POP0002\", "
                           "\"P21_POP0305\", \"P21_POP1529\", \"P21_POP75P\")");
    for (int k = 0; k < F_COUNT; k++) {
        int other;
        L->f[k] = find_year_column(c, field_suffix[k], L->year, &other);
        if (L->f[k] >= 0 || k == F_75P || k == F_7589 || k == F_90P)
            continue;
        if (other >= 0)
            return mg_diag_set(d, MG_EPARSE, path, 1, 0,
                               "mixed year prefixes: the file's population is P%02d_POP but "
                               "its column %s is P%02d_%s (expected P%02d_%s, all columns of "
                               "one census)",
                               L->year, field_suffix[k], other, field_suffix[k], L->year,
                               field_suffix[k]);
        return mg_diag_set(d, MG_ENOTFOUND, path, 1, 0,
                           "missing column \"P%02d_%s\" (expected beside P%02d_POP: "
                           "P%02d_POP0002, P%02d_POP0305, P%02d_POP1529 and P%02d_POP75P)",
                           L->year, field_suffix[k], L->year, L->year, L->year, L->year,
                           L->year);
    }
    if (L->f[F_75P] < 0 && (L->f[F_7589] < 0 || L->f[F_90P] < 0)) {
        int o1, o2, o3;
        (void)find_year_column(c, "POP75P", L->year, &o1);
        (void)find_year_column(c, "POP7589", L->year, &o2);
        (void)find_year_column(c, "POP90P", L->year, &o3);
        if (o1 >= 0 || o2 >= 0 || o3 >= 0)
            return mg_diag_set(d, MG_EPARSE, path, 1, 0,
                               "mixed year prefixes: the file's population is P%02d_POP but "
                               "its people aged 75 and over are of another census (P%02d_…; "
                               "expected P%02d_POP75P, or P%02d_POP7589 and P%02d_POP90P)",
                               L->year, o1 >= 0 ? o1 : o2 >= 0 ? o2 : o3, L->year, L->year,
                               L->year);
        return mg_diag_set(d, MG_ENOTFOUND, path, 1, 0,
                           "missing column \"P%02d_POP75P\" (expected it, or both "
                           "P%02d_POP7589 and P%02d_POP90P, beside P%02d_POP)",
                           L->year, L->year, L->year, L->year);
    }
    return MG_OK;
}

/* Field col of the current row as a number of people (empty: 0). */
static int row_value(const mg_csv *c, const char *path, int col, double *out, mg_diag *d)
{
    bool present;
    int rc = mg_csv_double(c, (size_t)col, out, &present, d);
    if (rc)
        return rc;
    if (!present)
        *out = 0;
    if (*out < 0 || *out > MAX_PEOPLE)
        return mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)col),
                           "column \"%s\": expected a number of people (0 to 1000000000), "
                           "found \"%.40s\"",
                           mg_csv_header(c, (size_t)col), mg_csv_field(c, (size_t)col, NULL));
    return MG_OK;
}

int mg_rounds_population_read(const mg_territory *t, const char *path,
                              mg_rounds_population *out, mg_report *rep, mg_diag *d)
{
    *out = (mg_rounds_population){0};
    mg_rounds_population p = {.n = t->n};
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    seen *codes = NULL;
    size_t ncodes = 0, cap = 0;
    layout L = {0};
    int rc = MG_ENOMEM;
    for (int k = 0; k < MG_PUBLIC_COUNT; k++)
        if (!(p.count[k] = mg_alloc_array(t->n ? t->n : 1, sizeof *p.count[k])))
            goto done;
    if (!(p.present = mg_alloc_array(t->n ? t->n : 1, sizeof *p.present)))
        goto done;
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ';', d)) ||
        (rc = read_layout(c, path, &L, d)))
        goto done;
    p.year = 2000 + L.year;
    p.iris = L.com >= 0;
    while ((rc = mg_csv_next(c, d)) == 1) {
        size_t len;
        const char *code = mg_csv_field(c, (size_t)L.code, &len);
        const char *com = code;
        size_t com_len = len;
        int com_col = L.code;
        if (p.iris) {
            com = mg_csv_field(c, (size_t)L.com, &com_len);
            com_col = L.com;
            if (len != IRIS_LEN) {
                rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c),
                                 mg_csv_col(c, (size_t)L.code),
                                 "column \"IRIS\": expected a 9-character IRIS code, found "
                                 "\"%.20s\"", code);
                goto done;
            }
        }
        if (!mg_code_valid(com, com_len)) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)com_col),
                             "column \"%s\": expected a 5-character commune code, found "
                             "\"%.20s\"",
                             mg_csv_header(c, (size_t)com_col), com);
            goto done;
        }
        if (p.iris && memcmp(code, com, MG_CODE_LEN) != 0) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)L.code),
                             "column \"IRIS\": IRIS %.9s does not begin with its commune "
                             "code %.5s (column COM)", code, com);
            goto done;
        }
        double v[F_COUNT] = {0};
        for (int k = 0; k < F_COUNT; k++)
            if (L.f[k] >= 0 && (rc = row_value(c, path, L.f[k], &v[k], d)))
                goto done;
        if (ncodes == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            if (ncap > MAX_ROWS) {
                rc = mg_diag_set(d, MG_ELIMIT, path, mg_csv_line(c), 0,
                                 "more than %u rows", MAX_ROWS);
                goto done;
            }
            seen *nc = mg_realloc_array(codes, ncap, sizeof *nc);
            if (!nc) {
                rc = MG_ENOMEM;
                goto done;
            }
            codes = nc;
            cap = ncap;
        }
        seen *s = &codes[ncodes++];
        memcpy(s->code, code, len);
        s->code[len] = '\0';
        s->line = mg_csv_line(c);
        s->col = mg_csv_col(c, (size_t)L.code);
        p.rows++;
        long i = mg_territory_find(t, com);
        if (i < 0) {
            if (p.unknown_rows++ < REPORT_UNKNOWN)
                mg_report_add(rep, "%s:%lu:%lu: commune code \"%.5s\" maps to no current "
                                   "commune; row skipped (%.0f inhabitants)",
                              path, mg_csv_line(c), mg_csv_col(c, (size_t)com_col), com,
                              v[F_POP]);
            continue;
        }
        double add[MG_PUBLIC_COUNT] = {
            v[F_POP], v[F_0002] + v[F_0305], v[F_1529],
            L.f[F_75P] >= 0 ? v[F_75P] : v[F_7589] + v[F_90P]};
        for (int k = 0; k < MG_PUBLIC_COUNT; k++)
            p.count[k][i] += add[k];
        p.present[i] = 1;
    }
    if (rc < 0)
        goto done;
    if (p.rows == 0) {
        rc = mg_diag_set(d, MG_EPARSE, path, 2, 0,
                         "no data row after the header (expected one row per %s)",
                         p.iris ? "IRIS" : "commune");
        goto done;
    }
    if (ncodes > 1) {
        qsort(codes, ncodes, sizeof *codes, seen_cmp);
        for (size_t k = 1; k < ncodes; k++)
            if (strcmp(codes[k].code, codes[k - 1].code) == 0) {
                rc = mg_diag_set(d, MG_EPARSE, path, codes[k].line, codes[k].col,
                                 "%s %s written twice (lines %lu and %lu; expected one row "
                                 "per %s)",
                                 p.iris ? "IRIS" : "commune", codes[k].code, codes[k - 1].line,
                                 codes[k].line, p.iris ? "IRIS" : "commune");
                goto done;
            }
    }
    if (p.unknown_rows > REPORT_UNKNOWN)
        mg_report_add(rep, "%s: %zu more rows with unmappable codes", path,
                      p.unknown_rows - REPORT_UNKNOWN);
    for (size_t i = 0; i < t->n; i++) {
        if (p.present[i])
            continue;
        for (int k = 0; k < MG_PUBLIC_COUNT; k++)
            p.count[k][i] = NAN;
        if (t->in_study && t->in_study[i] && p.missing_study++ < REPORT_UNKNOWN)
            mg_report_add(rep, "%s: no row for commune %s (%s) of the study territory; its "
                               "publics are unknown",
                          path, t->code[i], t->name[i] ? t->name[i] : "");
    }
    if (p.missing_study > REPORT_UNKNOWN)
        mg_report_add(rep, "%s: %zu more communes of the study territory without a row", path,
                      p.missing_study - REPORT_UNKNOWN);
    *out = p;
    p = (mg_rounds_population){0};
    rc = MG_OK;
done:
    if (rc == MG_ENOMEM)
        mg_diag_set(d, rc, path, 0, 0, "out of memory reading the population by age");
    mg_csv_close(c);
    mg_reader_close(r);
    free(codes);
    mg_rounds_population_free(&p);
    return rc;
}
