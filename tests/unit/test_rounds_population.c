/*
 * Tests of rounds/population: INSEE's population-by-age bases (commune and
 * IRIS layouts) read against a small territory imported from a
 * communes.json written by the test. The expected figures are summed by the
 * test from the very rows it writes (parsed back with its own reader of the
 * table below), and every refusal is checked for its file:line:column and
 * its wording.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "rounds/population.h"
#include "territory/territory.h"

TEST_TMPDIR_FIXTURE("rounds_population")

static const char communes_json[] =
    "[\n"
    "{\"code\":\"11001\",\"nom\":\"Aigues-Vives\",\"type\":\"commune-actuelle\","
    "\"departement\":\"11\",\"region\":\"76\",\"population\":563},\n"
    "{\"code\":\"11002\",\"nom\":\"Airoux\",\"type\":\"commune-actuelle\","
    "\"departement\":\"11\",\"region\":\"76\",\"anciensCodes\":[\"11900\"],\"population\":168},\n"
    "{\"code\":\"11003\",\"nom\":\"Ajac\",\"type\":\"commune-actuelle\","
    "\"departement\":\"11\",\"region\":\"76\",\"population\":196},\n"
    "{\"code\":\"11004\",\"nom\":\"Ajac-Vieux\",\"type\":\"commune-deleguee\","
    "\"chefLieu\":\"11003\",\"departement\":\"11\",\"region\":\"76\"},\n"
    "{\"code\":\"2A004\",\"nom\":\"Ajaccio\",\"type\":\"commune-actuelle\","
    "\"departement\":\"2A\",\"region\":\"94\",\"population\":76320}\n"
    "]\n";

static mg_territory *load_territory(void)
{
    char p[512];
    test_write_text(p, sizeof p, tmpdir, "communes.json", communes_json);
    mg_territory *t = NULL;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    if (mg_import_cog(&t, p, NULL, &rep, &d) != MG_OK)
        fail_msg("mg_import_cog: %s", d.msg);
    mg_report_free(&rep);
    assert_int_equal(t->n, 4);
    return t;
}

/* --- An independent reading of the rows the test writes. --------------- */

/* Value of column `name` on data line k (0-based) of a `;` table, by
 * splitting on `;` and reading the decimal by hand (point or comma). */
static double cell(const char *text, size_t k, const char *name)
{
    const char *line = text;
    const char *nl = strchr(line, '\n');
    size_t col = 0, want = (size_t)-1;
    for (const char *p = line; p < nl; col++) {
        const char *e = memchr(p, ';', (size_t)(nl - p));
        if (!e)
            e = nl;
        if ((size_t)(e - p) == strlen(name) && memcmp(p, name, (size_t)(e - p)) == 0)
            want = col;
        p = e + (e < nl);
        if (e == nl)
            break;
    }
    assert_true(want != (size_t)-1);
    for (size_t j = 0; j <= k; j++) {
        line = nl + 1;
        nl = strchr(line, '\n');
    }
    const char *p = line;
    for (size_t c = 0; c < want; c++)
        p = strchr(p, ';') + 1;
    double v = 0, scale = 0;
    for (; *p != ';' && *p != '\n'; p++) {
        if (*p == '.' || *p == ',')
            scale = 1;
        else {
            v = v * 10 + (*p - '0');
            if (scale)
                scale *= 10;
        }
    }
    return scale ? v / scale : v;
}

/* 1-based byte column of field `f` on line `line` (1-based) of text. */
static unsigned long field_col(const char *text, unsigned long line, size_t f)
{
    const char *p = text;
    for (unsigned long l = 1; l < line; l++)
        p = strchr(p, '\n') + 1;
    const char *start = p;
    for (size_t k = 0; k < f; k++)
        p = strchr(p, ';') + 1;
    return (unsigned long)(p - start) + 1;
}

/* The commune layout: CODGEO, the 2021 census and an earlier one. Rows:
 * 11001, 11003 and its delegated 11004 (summed), 11999 (no commune),
 * 11002 missing. Decimals as INSEE writes them, one with a comma. */
static const char commune_csv[] =
    "CODGEO;P21_POP;P21_POP0002;P21_POP0305;P21_POP0014;P21_POP1529;P21_POP7589;"
    "P21_POP90P;P15_POP\n"
    "11001;563;14.5;17;80;71;40.25;9;540\n"
    "11003;150;3;4;20;22;19;4;160\n"
    "11004;46;1;2,5;6;5;6;1;50\n"
    "11999;10;0;0;1;1;2;0;12\n";

static void test_commune_layout(void **state)
{
    (void)state;
    mg_territory *t = load_territory();
    char p[512];
    test_write_text(p, sizeof p, tmpdir, "pop.csv", commune_csv);
    t->in_study[1] = 1; /* 11002, which has no row */
    mg_rounds_population pop;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_rounds_population_read(t, p, &pop, &rep, &d);
    if (rc)
        fail_msg("%d %s", rc, d.msg);
    assert_int_equal(pop.year, 2021);
    assert_false(pop.iris);
    assert_int_equal(pop.rows, 4);
    assert_int_equal(pop.unknown_rows, 1);
    /* Expected: each current commune's rows summed, computed from the text. */
    static const int rows_of[4][3] = {{0, -1, -1}, {-1, -1, -1}, {1, 2, -1}, {-1, -1, -1}};
    for (size_t i = 0; i < 4; i++) {
        double e[MG_PUBLIC_COUNT] = {0};
        bool any = false;
        for (int k = 0; k < 3 && rows_of[i][k] >= 0; k++) {
            size_t r = (size_t)rows_of[i][k];
            any = true;
            e[0] += cell(commune_csv, r, "P21_POP");
            e[1] += cell(commune_csv, r, "P21_POP0002") + cell(commune_csv, r, "P21_POP0305");
            e[2] += cell(commune_csv, r, "P21_POP1529");
            e[3] += cell(commune_csv, r, "P21_POP7589") + cell(commune_csv, r, "P21_POP90P");
        }
        for (int k = 0; k < MG_PUBLIC_COUNT; k++) {
            mg_rounds_target_source src;
            double v = mg_rounds_population_target(&pop, t, (mg_rounds_public)k, i, &src);
            if (any) {
                assert_int_equal(src, MG_TARGET_FROM_FILE);
                assert_close(v, e[k], 1e-9);
            } else {
                assert_int_equal(src, MG_TARGET_NOT_IN_FILE);
                assert_true(isnan(v));
            }
        }
    }
    /* The unknown code is reported with its line and column. */
    assert_true(rep.kept >= 1);
    char want[600];
    snprintf(want, sizeof want, "%s:5:1: commune code \"11999\" maps to no current commune", p);
    assert_non_null(strstr(rep.msg[0], want));
    /* So is the study commune without a row. */
    assert_int_equal(pop.missing_study, 1);
    assert_int_equal(rep.count, 2);
    snprintf(want, sizeof want, "%s: no row for commune 11002 (Airoux) of the study territory", p);
    assert_non_null(strstr(rep.msg[1], want));
    mg_report_free(&rep);
    mg_rounds_population_free(&pop);
    mg_territory_free(t);
}

/* The IRIS layout: IRIS rows summed to their commune (COM), 75+ given
 * directly; a former code (11900) maps to 11002. Written gzip-compressed. */
static const char iris_csv[] =
    "IRIS;COM;TYP_IRIS;LAB_IRIS;P20_POP;P20_POP0002;P20_POP0305;P20_POP0610;P20_POP1529;"
    "P20_POP75P\n"
    "110010000;11001;Z;5;560.4;15.2;16.8;20;70.1;50.3\n"
    "110020101;11002;H;1;80.5;2.5;3;4;10.25;12\n"
    "110020102;11002;H;1;70;2;2;3;9;11.5\n"
    "119000000;11900;Z;5;20;1;1;1;2;3\n"
    "2A0040101;2A004;H;1;1000;30;31;40;200;90\n";

static void test_iris_layout_gzip(void **state)
{
    (void)state;
    mg_territory *t = load_territory();
    char p[512];
    snprintf(p, sizeof p, "%s/iris.csv.gz", tmpdir);
    gzFile gz = gzopen(p, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, iris_csv, (unsigned)strlen(iris_csv)), (int)strlen(iris_csv));
    assert_int_equal(gzclose(gz), Z_OK);
    mg_rounds_population pop;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_rounds_population_read(t, p, &pop, &rep, &d);
    if (rc)
        fail_msg("%d %s", rc, d.msg);
    assert_int_equal(pop.year, 2020);
    assert_true(pop.iris);
    assert_int_equal(pop.rows, 5);
    assert_int_equal(pop.unknown_rows, 0);
    /* Which data rows belong to each commune, by the COM column's text. */
    for (size_t i = 0; i < t->n; i++) {
        double e[MG_PUBLIC_COUNT] = {0};
        bool any = false;
        for (size_t r = 0; r < 5; r++) {
            const char *line = iris_csv;
            for (size_t j = 0; j <= r; j++)
                line = strchr(line, '\n') + 1;
            const char *com = line + 10;
            long ci = mg_territory_find(t, (char[6]){com[0], com[1], com[2], com[3], com[4], 0});
            if (ci != (long)i)
                continue;
            any = true;
            e[0] += cell(iris_csv, r, "P20_POP");
            e[1] += cell(iris_csv, r, "P20_POP0002") + cell(iris_csv, r, "P20_POP0305");
            e[2] += cell(iris_csv, r, "P20_POP1529");
            e[3] += cell(iris_csv, r, "P20_POP75P");
        }
        for (int k = 0; k < MG_PUBLIC_COUNT; k++) {
            double v = mg_rounds_population_target(&pop, t, (mg_rounds_public)k, i, NULL);
            if (any)
                assert_close(v, e[k], 1e-9);
            else
                assert_true(isnan(v)); /* 11003 has no IRIS row */
        }
    }
    mg_report_free(&rep);
    mg_rounds_population_free(&pop);
    mg_territory_free(t);
}

/* Without a file every public is all inhabitants, and says so. */
static void test_fallback_and_keys(void **state)
{
    (void)state;
    mg_territory *t = load_territory();
    for (size_t i = 0; i < t->n; i++)
        for (int k = 0; k < MG_PUBLIC_COUNT; k++) {
            mg_rounds_target_source src = MG_TARGET_FROM_FILE;
            double v = mg_rounds_population_target(NULL, t, (mg_rounds_public)k, i, &src);
            assert_int_equal(src, MG_TARGET_ALL_FALLBACK);
            assert_close(v, t->population[i], 0);
        }
    assert_true(isnan(mg_rounds_population_target(NULL, t, MG_PUBLIC_ALL, t->n, NULL)));
    static const char *const keys[] = {"all", "early_childhood", "youth", "elderly"};
    static const char *const labels[] = {
        "Tous les habitants", "Enfants de moins de 6 ans et leurs parents",
        "Jeunes de 15 à 29 ans", "Personnes de 75 ans et plus"};
    for (int k = 0; k < MG_PUBLIC_COUNT; k++) {
        assert_string_equal(mg_rounds_public_key((mg_rounds_public)k), keys[k]);
        assert_string_equal(mg_rounds_public_label_fr((mg_rounds_public)k), labels[k]);
        mg_rounds_public back;
        assert_int_equal(mg_rounds_public_from_key(keys[k], &back), MG_OK);
        assert_int_equal(back, k);
    }
    mg_rounds_public back;
    assert_int_equal(mg_rounds_public_from_key("elderly ", &back), MG_EINVAL);
    assert_null(mg_rounds_public_key(MG_PUBLIC_COUNT));
    mg_territory_free(t);
}

/* Each refusal: the text, the expected position and words. Position 0:0
 * means "file:LINE:" with no column. */
typedef struct bad_case {
    const char *name, *text;
    int rc;
    unsigned long line;
    int field; /* field index for the column, -1 for none */
    const char *words;
} bad_case;

#define H21 "CODGEO;P21_POP;P21_POP0002;P21_POP0305;P21_POP1529;P21_POP75P\n"

static const bad_case bad[] = {
    {"nocode.csv", "COM;P21_POP;P21_POP0002;P21_POP0305;P21_POP1529;P21_POP75P\n11001;1;1;1;1;1\n",
     MG_ENOTFOUND, 1, -1, "missing column \"IRIS\" (expected INSEE's commune base with CODGEO"},
    {"nopop.csv", "CODGEO;POP;P21_POP0002\n11001;1;1\n", MG_ENOTFOUND, 1, -1,
     "missing column \"Pyy_POP\" (expected the population of a census year"},
    {"noyouth.csv", "CODGEO;P21_POP;P21_POP0002;P21_POP0305;P21_POP75P\n11001;1;1;1;1\n",
     MG_ENOTFOUND, 1, -1, "missing column \"P21_POP1529\" (expected beside P21_POP"},
    {"noold.csv", "CODGEO;P21_POP;P21_POP0002;P21_POP0305;P21_POP1529;P21_POP7589\n11001;1;1;1;1;1\n",
     MG_ENOTFOUND, 1, -1, "missing column \"P21_POP75P\" (expected it, or both P21_POP7589"},
    {"mixed.csv", "CODGEO;P21_POP;P20_POP0002;P21_POP0305;P21_POP1529;P21_POP75P\n11001;1;1;1;1;1\n",
     MG_EPARSE, 1, -1, "mixed year prefixes: the file's population is P21_POP but its column "
                       "POP0002 is P20_POP0002"},
    {"mixed75.csv", "CODGEO;P21_POP;P21_POP0002;P21_POP0305;P21_POP1529;P20_POP75P\n11001;1;1;1;1;1\n",
     MG_EPARSE, 1, -1, "mixed year prefixes"},
    {"badnum.csv", H21 "11001;563;14;17;71;49\n11003;150;3;4x;22;23\n", MG_EPARSE, 3, 3,
     "column \"P21_POP0305\": expected a number"},
    {"negative.csv", H21 "11001;563;14;17;-71;49\n", MG_EPARSE, 2, 4,
     "column \"P21_POP1529\": expected a number of people (0 to 1000000000), found \"-71\""},
    {"huge.csv", H21 "11001;563;14;17;71;49\n11003;2e9;3;4;22;23\n", MG_EPARSE, 3, 1,
     "column \"P21_POP\": expected a number of people (0 to 1000000000), found \"2e9\""},
    {"badcode.csv", H21 "11001;563;14;17;71;49\n1101;150;3;4;22;23\n", MG_EPARSE, 3, 0,
     "column \"CODGEO\": expected a 5-character commune code, found \"1101\""},
    {"dup.csv", H21 "11001;563;14;17;71;49\n11003;150;3;4;22;23\n11001;563;14;17;71;49\n",
     MG_EPARSE, 4, 0, "commune 11001 written twice (lines 2 and 4; expected one row per commune)"},
    {"dupiris.csv",
     "IRIS;COM;P21_POP;P21_POP0002;P21_POP0305;P21_POP1529;P21_POP75P\n"
     "110010101;11001;1;1;1;1;1\n110010101;11001;1;1;1;1;1\n",
     MG_EPARSE, 3, 0, "IRIS 110010101 written twice (lines 2 and 3"},
    {"iriscom.csv",
     "IRIS;COM;P21_POP;P21_POP0002;P21_POP0305;P21_POP1529;P21_POP75P\n"
     "110030101;11001;1;1;1;1;1\n",
     MG_EPARSE, 2, 0, "IRIS 110030101 does not begin with its commune code 11001"},
    {"irislen.csv",
     "IRIS;COM;P21_POP;P21_POP0002;P21_POP0305;P21_POP1529;P21_POP75P\n"
     "11001010;11001;1;1;1;1;1\n",
     MG_EPARSE, 2, 0, "column \"IRIS\": expected a 9-character IRIS code, found \"11001010\""},
    {"headeronly.csv", H21, MG_EPARSE, 2, -1, "no data row after the header"},
    {"empty.csv", "", MG_EPARSE, 0, -1, "empty file"},
};

static void test_errors(void **state)
{
    (void)state;
    mg_territory *t = load_territory();
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char p[512];
        test_write_text(p, sizeof p, tmpdir, bad[k].name, bad[k].text);
        mg_rounds_population pop;
        mg_diag d;
        mg_diag_clear(&d);
        int rc = mg_rounds_population_read(t, p, &pop, NULL, &d);
        if (rc != bad[k].rc)
            fail_msg("%s: rc %d, expected %d (%s)", bad[k].name, rc, bad[k].rc, d.msg);
        assert_null(pop.present);
        char where[600];
        if (bad[k].field >= 0)
            snprintf(where, sizeof where, "%s:%lu:%lu: ", p, bad[k].line,
                     field_col(bad[k].text, bad[k].line, (size_t)bad[k].field));
        else if (bad[k].line)
            snprintf(where, sizeof where, "%s:%lu: ", p, bad[k].line);
        else
            snprintf(where, sizeof where, "%s", p);
        if (strncmp(d.msg, where, strlen(where)) != 0)
            fail_msg("%s: message \"%s\" does not start with \"%s\"", bad[k].name, d.msg, where);
        assert_msg_has(d, bad[k].words);
    }
    mg_territory_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commune_layout),
        cmocka_unit_test(test_iris_layout_gzip),
        cmocka_unit_test(test_fallback_and_keys),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
