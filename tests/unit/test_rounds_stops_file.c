/*
 * Tests of rounds/stops_file: the allowed stops of a round, `;` and `,`
 * separated, with and without points and times, codes of former communes
 * mapped, a stop written twice kept once, and every refusal checked for its
 * file:line:column and wording, on a territory imported from a
 * communes.json and a La Poste file written by the test (the communes'
 * points).
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

#include "rounds/stops_file.h"
#include "territory/territory.h"

TEST_TMPDIR_FIXTURE("rounds_stops")

static const char communes_json[] =
    "[\n"
    "{\"code\":\"11001\",\"nom\":\"Aigues-Vives\",\"type\":\"commune-actuelle\","
    "\"departement\":\"11\",\"region\":\"76\",\"population\":563},\n"
    "{\"code\":\"11002\",\"nom\":\"Airoux\",\"type\":\"commune-actuelle\","
    "\"departement\":\"11\",\"region\":\"76\",\"anciensCodes\":[\"11900\"],\"population\":168},\n"
    "{\"code\":\"11003\",\"nom\":\"Ajac\",\"type\":\"commune-actuelle\","
    "\"departement\":\"11\",\"region\":\"76\",\"population\":196}\n"
    "]\n";

/* Points for 11001 and 11002; 11003 has none. */
static const char laposte_csv[] =
    "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps\n"
    "11001;AIGUES VIVES;11800;;AIGUES VIVES;43.2305,2.5418\n"
    "11002;AIROUX;11320;;AIROUX;43.3656,1.8870\n";

static mg_territory *load_territory(void)
{
    char p[512], q[512];
    test_write_text(p, sizeof p, tmpdir, "communes.json", communes_json);
    test_write_text(q, sizeof q, tmpdir, "laposte.csv", laposte_csv);
    mg_territory *t = NULL;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    if (mg_import_cog(&t, p, NULL, &rep, &d) != MG_OK || mg_import_laposte(t, q, &rep, &d) != MG_OK)
        fail_msg("territory: %s", d.msg);
    mg_report_free(&rep);
    assert_int_equal(t->n, 3);
    assert_true(isnan(t->lat[2]));
    return t;
}

static void test_read(void **state)
{
    (void)state;
    mg_territory *t = load_territory();
    static const char *const texts[] = {
        "nom;commune;lat;lon;minutes\n"
        "Mairie d'Aigues-Vives;11001;;;\n"
        " Salle des fêtes ;11900;43.37;1.89;45\n"
        "Centre social;11003;43.1;2.2;120\n"
        "MAIRIE D AIGUES VIVES;11001;43.2;2.5;30\n",
        "commune,nom,minutes,lon,lat\n"
        "11001,Mairie d'Aigues-Vives,,,\n"
        "11002,\" Salle des fêtes \",45,1.89,43.37\n"
        "11003,Centre social,120,2.2,43.1\n"
        "11001,MAIRIE D AIGUES VIVES,30,2.5,43.2\n",
    };
    for (size_t k = 0; k < 2; k++) {
        char p[512];
        test_write_text(p, sizeof p, tmpdir, k ? "stops-comma.csv" : "stops.csv", texts[k]);
        mg_rounds_stops st;
        mg_report rep = {0};
        mg_diag d;
        mg_diag_clear(&d);
        int rc = mg_rounds_stops_read(t, p, &st, &rep, &d);
        if (rc)
            fail_msg("%s: %d %s", p, rc, d.msg);
        assert_int_equal(st.n, 3);
        assert_string_equal(st.s[0].name, "Mairie d'Aigues-Vives");
        assert_int_equal(st.s[0].commune, mg_territory_find_current(t, "11001"));
        assert_false(st.s[0].point_given);
        assert_close(st.s[0].lat, t->lat[st.s[0].commune], 0);
        assert_close(st.s[0].lon, t->lon[st.s[0].commune], 0);
        assert_int_equal(st.s[0].minutes, 0);
        assert_string_equal(st.s[1].name, "Salle des fêtes");
        assert_int_equal(st.s[1].commune, mg_territory_find_current(t, "11002"));
        assert_true(st.s[1].point_given);
        assert_close(st.s[1].lat, 43.37, 1e-12);
        assert_close(st.s[1].lon, 1.89, 1e-12);
        assert_int_equal(st.s[1].minutes, 45);
        assert_int_equal(st.s[1].line, 3);
        assert_int_equal(st.s[2].minutes, 120);
        /* The fourth row repeats the first (case and punctuation aside). */
        assert_int_equal(rep.count, 1);
        char want[600];
        snprintf(want, sizeof want,
                 "%s:5: stop \"MAIRIE D AIGUES VIVES\" in commune 11001 already given on line 2",
                 p);
        assert_non_null(strstr(rep.msg[0], want));
        mg_report_free(&rep);
        mg_rounds_stops_free(&st);
        assert_null(st.s);
    }
    mg_territory_free(t);
}

typedef struct bad_case {
    const char *name, *text;
    int rc;
    unsigned long line;
    int field; /* `;`-separated field for the column; -1 none */
    const char *words;
} bad_case;

static const bad_case bad[] = {
    {"nonom.csv", "lieu;commune\nMairie;11001\n", MG_ENOTFOUND, 1, -1, "missing column \"nom\""},
    {"nolon.csv", "nom;commune;lat\nMairie;11001;43\n", MG_ENOTFOUND, 1, -1,
     "missing column \"lon\" (expected both \"lat\" and \"lon\", or neither)"},
    {"emptyname.csv", "nom;commune\nMairie;11001\n  ;11002\n", MG_EPARSE, 3, 0,
     "column \"nom\": expected the name of the place (1 to 200 bytes), found an empty field"},
    {"badcode.csv", "nom;commune\nMairie;1100\n", MG_EPARSE, 2, 1,
     "column \"commune\": expected an INSEE commune code of 5 characters"},
    {"unknown.csv", "nom;commune\nMairie;11999\n", MG_EPARSE, 2, 1,
     "column \"commune\": code 11999 is no commune, current or former"},
    {"lat.csv", "nom;commune;lat;lon\nMairie;11001;95;2\n", MG_EPARSE, 2, 2,
     "column \"lat\": expected a latitude in degrees from -90 to 90, found \"95\""},
    {"lon.csv", "nom;commune;lat;lon\nMairie;11001;43;abc\n", MG_EPARSE, 2, 3,
     "column \"lon\": expected a number"},
    {"half.csv", "nom;commune;lat;lon\nMairie;11001;43;\n", MG_EPARSE, 2, 3,
     "column \"lon\": expected a value beside \"lat\""},
    {"nopoint.csv", "nom;commune\nCentre social;11003\n", MG_EPARSE, 2, 1,
     "commune 11003 (Ajac) has no point: expected lat and lon for this stop"},
    {"minutes.csv", "nom;commune;minutes\nMairie;11001;10\n", MG_EPARSE, 2, 2,
     "column \"minutes\": expected a number of minutes from 15 to 600, found \"10\""},
    {"minutes2.csv", "nom;commune;minutes\nMairie;11001;30.5\n", MG_EPARSE, 2, 2,
     "column \"minutes\": expected a whole number of minutes from 15 to 600, found \"30.5\""},
    {"headeronly.csv", "nom;commune\n", MG_EPARSE, 2, -1, "no stop after the header"},
    {"empty.csv", "", MG_EPARSE, 0, -1, "empty file"},
};

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

static void test_errors(void **state)
{
    (void)state;
    mg_territory *t = load_territory();
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char p[512];
        test_write_text(p, sizeof p, tmpdir, bad[k].name, bad[k].text);
        mg_rounds_stops st;
        mg_diag d;
        mg_diag_clear(&d);
        int rc = mg_rounds_stops_read(t, p, &st, NULL, &d);
        if (rc != bad[k].rc)
            fail_msg("%s: rc %d, expected %d (%s)", bad[k].name, rc, bad[k].rc, d.msg);
        assert_int_equal(st.n, 0);
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
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
