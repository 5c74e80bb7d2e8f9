/*
 * Tests of the territory importers on a tiny France written by the test in
 * the publishers' formats: communes.json and epci.json (Etalab), La Poste's
 * postcode file, an INSEE BPE file, a DREES APL file and a GeoJSON of
 * contours. They check code resolution across vintages, EPCI membership,
 * commune points, supply sums, the merging of DREES rows, study marks and
 * contour unions; then, for every importer, that a malformed input is
 * refused with the right code and a "file:line" message and leaves the
 * territory exactly as it was. A last test reads the real demo files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geo/geo.h"
#include "territory/territory.h"

TEST_TMPDIR_FIXTURE("import")

/* Writes text to tmpdir/name; the full path goes to buf. */
static const char *write_tmp(char *buf, size_t cap, const char *name, const char *text)
{
    return test_write_text(buf, cap, tmpdir, name, text);
}

/* True when some kept report message contains `part`. */
static bool report_has(const mg_report *r, const char *part)
{
    for (size_t k = 0; k < r->kept; k++)
        if (strstr(r->msg[k], part))
            return true;
    return false;
}

/* --- The tiny France. ------------------------------------------------- *
 * Current communes, in file order (their indices):
 *   0 11001 Aigues-Vives   1 11002 Airoux (former 11900, 11901)
 *   2 11003 Ajac           3 13055 Marseille (arrondissement 13201)
 *   4 2A004 Ajaccio (former 20004)          5 97411 Saint-Denis
 * Other codes: 11900 delegated commune of 11002, 11950 associated commune
 * of 11003, 11960 delegated commune whose chef-lieu 11901 is itself a
 * former code (a chain, listed before the commune that declares 11901),
 * 11970 pointing to nothing, and 11003 listed as a delegated commune of
 * itself as in the real file. */
static const char communes_json[] =
    "[\n"
    "{\"code\":\"11001\",\"nom\":\"Aigues-Vives\",\"typeLiaison\":5,\"zone\":\"metro\","
    "\"arrondissement\":\"113\",\"departement\":\"11\",\"region\":\"76\","
    "\"type\":\"commune-actuelle\",\"rangChefLieu\":0,\"siren\":\"211100011\","
    "\"codesPostaux\":[\"11800\"],\"population\":563},\n"
    "{\"code\":\"11960\",\"nom\":\"Chaîne\",\"type\":\"commune-deleguee\",\"chefLieu\":\"11901\","
    "\"departement\":\"11\",\"region\":\"76\"},\n"
    "{\"code\":\"11002\",\"nom\":\"Airoux\",\"departement\":\"11\",\"region\":\"76\","
    "\"type\":\"commune-actuelle\",\"anciensCodes\":[\"11900\",\"11901\"],"
    "\"codesPostaux\":[\"11320\"],\"population\":168},\n"
    "{\"code\":\"11900\",\"nom\":\"Airoux-Haut\",\"zone\":\"metro\",\"type\":\"commune-deleguee\","
    "\"chefLieu\":\"11002\",\"departement\":\"11\",\"region\":\"76\"},\n"
    "{\"code\":\"11003\",\"nom\":\"Ajac\",\"departement\":\"11\",\"region\":\"76\","
    "\"type\":\"commune-actuelle\",\"population\":196},\n"
    "{\"code\":\"11003\",\"nom\":\"Ajac\",\"type\":\"commune-deleguee\",\"chefLieu\":\"11003\","
    "\"departement\":\"11\",\"region\":\"76\"},\n"
    "{\"code\":\"11950\",\"nom\":\"Ajac-le-Bas\",\"type\":\"commune-associee\","
    "\"chefLieu\":\"11003\",\"departement\":\"11\",\"region\":\"76\"},\n"
    "{\"code\":\"13055\",\"nom\":\"Marseille\",\"departement\":\"13\",\"region\":\"93\","
    "\"type\":\"commune-actuelle\",\"population\":877215},\n"
    "{\"code\":\"13201\",\"nom\":\"Marseille 1er Arrondissement\",\"zone\":\"metro\","
    "\"type\":\"arrondissement-municipal\",\"commune\":\"13055\",\"departement\":\"13\","
    "\"region\":\"93\",\"codesPostaux\":[\"13001\"],\"population\":37599},\n"
    "{\"code\":\"2A004\",\"nom\":\"Ajaccio\",\"departement\":\"2A\",\"region\":\"94\","
    "\"type\":\"commune-actuelle\",\"anciensCodes\":[\"20004\"],\"population\":76320},\n"
    "{\"code\":\"11970\",\"nom\":\"Orpheline\",\"type\":\"commune-deleguee\","
    "\"chefLieu\":\"11971\",\"departement\":\"11\",\"region\":\"76\"},\n"
    "{\"code\":\"97411\",\"nom\":\"Saint-Denis\",\"departement\":\"974\",\"region\":\"04\","
    "\"zone\":\"drom\",\"type\":\"commune-actuelle\",\"codesPostaux\":[\"97400\"]}\n"
    "]\n";

static const char epci_json[] =
    "[\n"
    "{\"code\":\"200035715\",\"nom\":\"CC Piémont d'Alaric\",\"type\":\"CC\","
    "\"modeFinancement\":\"FPU\",\"populationTotale\":731,\"membres\":["
    "{\"code\":\"11001\",\"siren\":\"211100011\",\"nom\":\"Aigues-Vives\"},"
    "{\"code\":\"11900\",\"nom\":\"Airoux-Haut\"}]},\n"
    "{\"code\":\"200054807\",\"nom\":\"Métropole d'Aix-Marseille-Provence\",\"type\":\"METRO\","
    "\"membres\":[{\"code\":\"13055\",\"nom\":\"Marseille\"},{\"code\":\"13999\",\"nom\":\"?\"}]}\n"
    "]\n";

static const char laposte_csv[] =
    "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps\n"
    "11001;AIGUES VIVES;11800;;AIGUES VIVES;43.218,2.43\n"
    "11900;AIROUX HAUT;11320;;AIROUX;43.35,1.8\n"
    "11002;AIROUX;11320;;AIROUX;43.365,1.87\n"
    "11900;AIROUX HAUT;11320;BIS;AIROUX;43.36,1.81\n"
    "11950;AJAC LE BAS;11300;;AJAC;43.05,2.15\n"
    "13201;MARSEILLE;13001;;MARSEILLE 01;43.2999,5.3841\n"
    "13201;MARSEILLE;13001;CEDEX;MARSEILLE 01;43.3,5.38\n"
    "2A004;AJACCIO;20000;;AJACCIO;\n"
    "2A004;AJACCIO;20090;;AJACCIO;41.927,8.737\n"
    "99999;NULLE PART;99999;;NULLE PART;45,3\n"
    "97411;ST DENIS;97400;;ST DENIS; -20.88 , 55.45\n";

static const char bpe_csv[] =
    "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP\n"
    "76;11;11001;11001;2019;D201;2\n"
    "76;11;11001;11001;2019;D232;5\n"
    "76;11;11900;11900;2019;D201;1\n"
    "76;11;11002;11002_0101;2019;D201;3\n"
    "76;11;11002;11002_0102;2019;D201;1\n"
    "93;13;13201;13201_0101;2019;D201;10\n"
    "94;2A;20004;20004;2019;D201;4\n"
    "76;11;11777;11777;2019;D201;6\n"
    "76;11;11778;11778;2019;D232;9\n"
    "76;11;11950;11950;2019;D301;1\n";

#define DREES_HEADER                                                                  \
    "Code commune,Libellé de la commune,Population totale,"                            \
    "APL aux médecins généralistes (sans borne d'âge),"                                \
    "APL aux médecins généralistes de 65 ans et moins,"                                \
    "APL aux médecins généralistes de 62 ans et moins,"                                \
    "Population standardisée par la consommation de soins par tranche d'âge\n"

static const char drees_csv[] =
    DREES_HEADER
    "11001,Aigues-Vives,563,3.226,3.2,2.861,570.5599999999999\n"
    "11900,Airoux-Haut,150,3.0,2.9,2.8,160.25\n"
    "11901,\"Airoux-Bas, le\",20,4.0,3.5,3.0,40.75\n"
    "11003,Ajac,,,,,\n"
    "12345,Inconnue,10,1,1,1,10\n";

/* Contours: two polygons of former codes 11900 and 11901 (both Airoux),
 * a MultiPolygon with a holed part for 11001, a C-shaped Ajac, and a
 * commune unknown to the list. */
static const char contours_geojson[] =
    "{\"type\":\"FeatureCollection\",\"features\":[\n"
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[1.80,43.34],[1.82,43.34],[1.82,43.36],[1.80,43.36],[1.80,43.34]]]},"
    "\"properties\":{\"code\":\"11900\",\"nom\":\"Airoux-Haut\"}},\n"
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[1.82,43.34],[1.86,43.34],[1.86,43.36],[1.82,43.36],[1.82,43.34]]]},"
    "\"properties\":{\"code\":\"11901\",\"nom\":\"Airoux-Bas\"}},\n"
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"11001\",\"nom\":\"Aigues-Vives\"},"
    "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":["
    "[[[2.40,43.20],[2.44,43.20],[2.44,43.24],[2.40,43.24],[2.40,43.20]],"
    "[[2.41,43.21],[2.41,43.23],[2.43,43.23],[2.43,43.21],[2.41,43.21]]],"
    "[[[2.50,43.30],[2.51,43.30],[2.51,43.31],[2.50,43.30]]]]}},\n"
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[2.00,43.00],[2.03,43.00],[2.03,43.01],[2.01,43.01],[2.01,43.02],[2.03,43.02],"
    "[2.03,43.03],[2.00,43.03],[2.00,43.00]]]},"
    "\"properties\":{\"code\":\"11003\",\"nom\":\"Ajac\"}},\n"
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[5.0,45.0],[5.1,45.0],[5.1,45.1],[5.0,45.0]]]},"
    "\"properties\":{\"code\":\"38999\",\"nom\":\"Inconnue\"}}\n"
    "]}\n";

static mg_territory *load(bool with_epci)
{
    char pc[512], pe[512];
    write_tmp(pc, sizeof pc, "communes.json", communes_json);
    write_tmp(pe, sizeof pe, "epci.json", epci_json);
    mg_territory *t = NULL;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_cog(&t, pc, with_epci ? pe : NULL, &rep, &d);
    if (rc != MG_OK)
        fail_msg("mg_import_cog: %d %s", rc, d.msg);
    mg_report_free(&rep);
    assert_non_null(t);
    return t;
}

/* --- A snapshot of everything an importer may change. ----------------- */

typedef struct snapshot {
    size_t n, nepci;
    double *lat, *lon, *pop_std, *population;
    uint8_t *point_src, *in_study;
    int32_t *epci;
    mg_shapes shapes;
} snapshot;

static void *dup_bytes(const void *p, size_t len)
{
    void *c = malloc(len ? len : 1);
    assert_non_null(c);
    if (len)
        memcpy(c, p, len);
    return c;
}

static snapshot take(const mg_territory *t)
{
    snapshot s = {.n = t->n, .nepci = t->nepci};
    size_t n = t->n;
    s.lat = dup_bytes(t->lat, n * sizeof *t->lat);
    s.lon = dup_bytes(t->lon, n * sizeof *t->lon);
    s.pop_std = dup_bytes(t->pop_std, n * sizeof *t->pop_std);
    s.population = dup_bytes(t->population, n * sizeof *t->population);
    s.point_src = dup_bytes(t->point_src, n);
    s.in_study = dup_bytes(t->in_study, n);
    s.epci = dup_bytes(t->epci, n * sizeof *t->epci);
    s.shapes = t->shapes;
    if (t->shapes.commune_poly) {
        const mg_shapes *h = &t->shapes;
        s.shapes.commune_poly = dup_bytes(h->commune_poly, (n + 1) * sizeof(size_t));
        s.shapes.poly_ring = dup_bytes(h->poly_ring, (h->npoly + 1) * sizeof(size_t));
        s.shapes.ring_pt = dup_bytes(h->ring_pt, (h->nring + 1) * sizeof(size_t));
        s.shapes.lon = dup_bytes(h->lon, h->npt * sizeof(double));
        s.shapes.lat = dup_bytes(h->lat, h->npt * sizeof(double));
    }
    return s;
}

/* Fails unless t holds exactly what s recorded (bitwise, NaN included). */
static void assert_unchanged(const snapshot *s, const mg_territory *t, const char *what)
{
    size_t n = s->n;
    if (t->n != n || t->nepci != s->nepci)
        fail_msg("%s: the territory's size changed", what);
#define SAME(field, len)                                                    \
    if (memcmp(s->field, t->field, len) != 0)                               \
        fail_msg("%s: %s changed", what, #field);
    SAME(lat, n * sizeof(double))
    SAME(lon, n * sizeof(double))
    SAME(pop_std, n * sizeof(double))
    SAME(population, n * sizeof(double))
    SAME(point_src, n)
    SAME(in_study, n)
    SAME(epci, n * sizeof(int32_t))
#undef SAME
    const mg_shapes *a = &s->shapes, *b = &t->shapes;
    if (a->npoly != b->npoly || a->nring != b->nring || a->npt != b->npt)
        fail_msg("%s: the contours changed", what);
    if (a->commune_poly &&
        (!b->commune_poly ||
         memcmp(a->commune_poly, b->commune_poly, (n + 1) * sizeof(size_t)) != 0 ||
         memcmp(a->poly_ring, b->poly_ring, (a->npoly + 1) * sizeof(size_t)) != 0 ||
         memcmp(a->ring_pt, b->ring_pt, (a->nring + 1) * sizeof(size_t)) != 0 ||
         memcmp(a->lon, b->lon, a->npt * sizeof(double)) != 0 ||
         memcmp(a->lat, b->lat, a->npt * sizeof(double)) != 0))
        fail_msg("%s: the contours changed", what);
}

static void drop(snapshot *s)
{
    free(s->lat);
    free(s->lon);
    free(s->pop_std);
    free(s->population);
    free(s->point_src);
    free(s->in_study);
    free(s->epci);
    if (s->shapes.commune_poly) {
        free(s->shapes.commune_poly);
        free(s->shapes.poly_ring);
        free(s->shapes.ring_pt);
        free(s->shapes.lon);
        free(s->shapes.lat);
    }
}

/* --- Successful imports. ---------------------------------------------- */

static void test_cog(void **state)
{
    (void)state;
    char pc[512], pe[512];
    write_tmp(pc, sizeof pc, "communes.json", communes_json);
    write_tmp(pe, sizeof pe, "epci.json", epci_json);
    mg_territory *t = NULL;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_cog(&t, pc, pe, &rep, &d);
    if (rc != MG_OK)
        fail_msg("mg_import_cog: %d %s", rc, d.msg);
    assert_int_equal(t->n, 6);
    static const char *const codes[] = {"11001", "11002", "11003", "13055", "2A004", "97411"};
    static const char *const deps[] = {"11", "11", "11", "13", "2A", "974"};
    static const double pops[] = {563, 168, 196, 877215, 76320, 0};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(t->code[i], codes[i]);
        assert_string_equal(t->dep[i], deps[i]);
        assert_true(t->population[i] == pops[i]);
        assert_int_equal(mg_territory_find(t, codes[i]), (long)i);
        assert_int_equal(mg_territory_find_current(t, codes[i]), (long)i);
        assert_true(isnan(t->lat[i]) && isnan(t->lon[i]) && isnan(t->pop_std[i]));
        assert_int_equal(t->point_src[i], MG_POINT_NONE);
        assert_int_equal(t->in_study[i], 0);
    }
    assert_string_equal(t->name[0], "Aigues-Vives");
    assert_string_equal(t->name[3], "Marseille");
    assert_int_equal(mg_territory_study_count(t), 0);
    assert_int_equal(t->shapes.npoly, 0);

    /* Codes of other vintages. */
    assert_int_equal(mg_territory_find(t, "11900"), 1); /* delegated, and former */
    assert_int_equal(mg_territory_find(t, "11901"), 1); /* former only */
    assert_int_equal(mg_territory_find(t, "11950"), 2); /* associated */
    assert_int_equal(mg_territory_find(t, "13201"), 3); /* arrondissement */
    assert_int_equal(mg_territory_find(t, "20004"), 4); /* Corsica before 1976 */
    assert_int_equal(mg_territory_find(t, "11960"), 1); /* through a chain */
    assert_int_equal(mg_territory_find(t, "11970"), -1);
    assert_int_equal(mg_territory_find(t, "11971"), -1);
    assert_int_equal(mg_territory_find(t, "99999"), -1);
    assert_int_equal(mg_territory_find(t, "2B004"), -1);
    assert_int_equal(mg_territory_find_current(t, "11900"), -1);
    assert_int_equal(mg_territory_find_current(t, "13201"), -1);
    assert_int_equal(mg_territory_find_current(t, "20004"), -1);
    /* The unresolvable code is reported. */
    assert_true(report_has(&rep, "11970"));

    /* EPCI: membership through a former code; an unknown member is
     * reported. */
    assert_int_equal(t->nepci, 2);
    assert_string_equal(t->epci_code[0], "200035715");
    assert_string_equal(t->epci_code[1], "200054807");
    assert_string_equal(t->epci_name[1], "Métropole d'Aix-Marseille-Provence");
    const int32_t epci[] = {0, 0, -1, 1, -1, -1};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(t->epci[i], epci[i]);
    assert_true(report_has(&rep, "13999"));
    mg_report_free(&rep);
    mg_territory_free(t);

    /* Without epci.json nobody belongs to an EPCI. */
    t = load(false);
    assert_int_equal(t->nepci, 0);
    for (size_t i = 0; i < t->n; i++)
        assert_int_equal(t->epci[i], -1);
    mg_territory_free(t);
}

/* Both territories and their reports are the same, field by field. */
static void assert_same_territory(const mg_territory *a, const mg_report *ra,
                                  const mg_territory *b, const mg_report *rb)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->nepci, b->nepci);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(a->code[i], b->code[i]);
        assert_string_equal(a->name[i], b->name[i]);
        assert_memory_equal(a->dep[i], b->dep[i], sizeof a->dep[i]);
        assert_memory_equal(&a->population[i], &b->population[i], sizeof(double));
        assert_int_equal(a->epci[i], b->epci[i]);
        assert_true(isnan(b->lat[i]) && isnan(b->lon[i]) && isnan(b->pop_std[i]));
        assert_int_equal(b->point_src[i], 0);
        assert_int_equal(b->in_study[i], 0);
    }
    for (size_t e = 0; e < a->nepci; e++) {
        assert_string_equal(a->epci_code[e], b->epci_code[e]);
        assert_string_equal(a->epci_name[e], b->epci_name[e]);
    }
    /* Every code of any vintage maps alike. */
    char code[6];
    for (int k = 0; k < 100000; k++) {
        snprintf(code, sizeof code, "%05d", k);
        assert_int_equal(mg_territory_find(a, code), mg_territory_find(b, code));
    }
    assert_int_equal(mg_territory_find(a, "2A004"), mg_territory_find(b, "2A004"));
    assert_int_equal(ra->count, rb->count);
    assert_int_equal(ra->kept, rb->kept);
    for (size_t k = 0; k < ra->kept; k++)
        assert_string_equal(ra->msg[k], rb->msg[k]);
}

static mg_territory *cog_load(const char *pc, const char *pe, mg_report *rep)
{
    mg_territory *t = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_cog(&t, pc, pe, rep, &d);
    if (rc != MG_OK)
        fail_msg("mg_import_cog: %d %s", rc, d.msg);
    return t;
}

/* The one entry of the cache folder: its path and inode. */
static ino_t cache_entry(const char *dir, char *path, size_t cap)
{
    DIR *dh = opendir(dir);
    assert_non_null(dh);
    struct dirent *e;
    int found = 0;
    while ((e = readdir(dh)) != NULL)
        if (strncmp(e->d_name, "cog-", 4) == 0) {
            snprintf(path, cap, "%s/%s", dir, e->d_name);
            found++;
        }
    closedir(dh);
    assert_int_equal(found, 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

/* MG_CACHE_DIR: the second import of the same files reads the entry the
 * first wrote and gives the same territory and warnings; a damaged entry
 * is ignored and rewritten; other files are another entry. */
static void test_cog_cache(void **state)
{
    (void)state;
    char pc[512], pe[512], dir[600], entry[900];
    write_tmp(pc, sizeof pc, "communes.json", communes_json);
    write_tmp(pe, sizeof pe, "epci.json", epci_json);
    snprintf(dir, sizeof dir, "%s/cache", tmpdir);
    mg_report r0 = {0}, r1 = {0}, r2 = {0}, r3 = {0};
    mg_territory *t0 = cog_load(pc, pe, &r0); /* no cache */
    assert_int_equal(setenv("MG_CACHE_DIR", dir, 1), 0);
    mg_territory *t1 = cog_load(pc, pe, &r1); /* parsed, written */
    ino_t ino = cache_entry(dir, entry, sizeof entry);
    mg_territory *t2 = cog_load(pc, pe, &r2); /* read back */
    assert_int_equal(cache_entry(dir, entry, sizeof entry), ino); /* not rewritten */
    assert_same_territory(t0, &r0, t1, &r1);
    assert_same_territory(t0, &r0, t2, &r2);
    assert_true(report_has(&r2, "11970") && report_has(&r2, "13999"));

    /* One byte changed in the middle: ignored, parsed again, rewritten. */
    FILE *f = fopen(entry, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 100, SEEK_SET), 0);
    int ch = fgetc(f);
    assert_int_equal(fseek(f, 100, SEEK_SET), 0);
    fputc(ch ^ 0x20, f);
    fclose(f);
    mg_territory *t3 = cog_load(pc, pe, &r3);
    assert_same_territory(t0, &r0, t3, &r3);
    assert_true(cache_entry(dir, entry, sizeof entry) != ino);

    /* Other contents are another entry. */
    mg_report r4 = {0};
    mg_territory *t4 = cog_load(pc, NULL, &r4);
    assert_int_equal(t4->nepci, 0);
    assert_int_equal(unsetenv("MG_CACHE_DIR"), 0);
    mg_territory *ts[] = {t0, t1, t2, t3, t4};
    mg_report *rs[] = {&r0, &r1, &r2, &r3, &r4};
    for (size_t k = 0; k < 5; k++) {
        mg_territory_free(ts[k]);
        mg_report_free(rs[k]);
    }
}

static void test_laposte(void **state)
{
    (void)state;
    mg_territory *t = load(true);
    char p[512];
    write_tmp(p, sizeof p, "laposte_hexasmal_2020.csv", laposte_csv);
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_laposte(t, p, &rep, &d);
    if (rc != MG_OK)
        fail_msg("mg_import_laposte: %d %s", rc, d.msg);
    /* Airoux: its own row wins over the rows of its former code 11900,
     * before and after it. Ajac: only an associated commune's row. Marseille:
     * the first row of an arrondissement. Ajaccio: the row with a position. */
    const double lat[] = {43.218, 43.365, 43.05, 43.2999, 41.927, -20.88};
    const double lon[] = {2.43, 1.87, 2.15, 5.3841, 8.737, 55.45};
    for (size_t i = 0; i < 6; i++) {
        if (t->lat[i] != lat[i] || t->lon[i] != lon[i])
            fail_msg("commune %s: point (%.9g, %.9g), expected (%g, %g)", t->code[i],
                     t->lat[i], t->lon[i], lat[i], lon[i]);
        assert_int_equal(t->point_src[i], MG_POINT_LAPOSTE);
    }
    assert_true(report_has(&rep, "99999"));
    mg_report_free(&rep);

    /* A second file does not move points already set. */
    write_tmp(p, sizeof p, "laposte2.csv",
              "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;"
              "coordonnees_gps\r\n11001;X;11800;;X;44.0,3.0\r\n");
    mg_diag_clear(&d);
    assert_int_equal(mg_import_laposte(t, p, NULL, &d), MG_OK);
    assert_true(t->lat[0] == 43.218 && t->lon[0] == 2.43);
    mg_territory_free(t);
}

static void test_bpe(void **state)
{
    (void)state;
    mg_territory *t = load(true);
    char p[512];
    write_tmp(p, sizeof p, "bpe19_ensemble_sante.csv", bpe_csv);
    double supply[6] = {0.5, 0, 0, 0, 0, 0};
    double unmapped = -1;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_bpe(t, p, "D201", supply, &unmapped, &rep, &d);
    if (rc != MG_OK)
        fail_msg("mg_import_bpe: %d %s", rc, d.msg);
    /* Counts are added to what supply held; IRIS rows and rows of former
     * codes and arrondissements add up under today's commune. */
    const double want[] = {0.5 + 2, 1 + 3 + 1, 0, 10, 4, 0};
    for (size_t i = 0; i < 6; i++)
        if (supply[i] != want[i])
            fail_msg("commune %s: %g, expected %g", t->code[i], supply[i], want[i]);
    assert_true(unmapped == 6);
    assert_true(report_has(&rep, "11777"));
    assert_false(report_has(&rep, "11778")); /* another type */
    mg_report_free(&rep);

    double nurses[6] = {0};
    mg_diag_clear(&d);
    assert_int_equal(mg_import_bpe(t, p, "D232", nurses, &unmapped, NULL, &d), MG_OK);
    assert_true(nurses[0] == 5 && nurses[1] == 0 && nurses[5] == 0);
    assert_true(unmapped == 9);
    /* A type absent from the file: nothing added, a warning. */
    double none[6] = {0};
    mg_diag_clear(&d);
    assert_int_equal(mg_import_bpe(t, p, "D999", none, &unmapped, &rep, &d), MG_OK);
    for (size_t i = 0; i < 6; i++)
        assert_true(none[i] == 0);
    assert_true(unmapped == 0);
    assert_true(rep.count >= 1);
    mg_report_free(&rep);
    mg_territory_free(t);
}

static void test_drees(void **state)
{
    (void)state;
    mg_territory *t = load(true);
    char p[512];
    write_tmp(p, sizeof p, "apl_mg_2021.csv", drees_csv);
    double official[6];
    enum mg_drees_age used = MG_AGE_62;
    char *col = NULL;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_drees(t, p, MG_AGE_NONE, 0, official, &used, &col, NULL, &rep, &d);
    if (rc != MG_OK)
        fail_msg("mg_import_drees: %d %s", rc, d.msg);
    assert_int_equal(used, MG_AGE_NONE);
    assert_non_null(col);
    assert_string_equal(col, "APL aux médecins généralistes (sans borne d'âge)");
    free(col);
    /* One row: its values exactly. */
    assert_true(official[0] == 3.226);
    assert_true(t->pop_std[0] == 570.5599999999999);
    /* Two former codes merged into Airoux: populations summed, the APL
     * averaged weighted by standardised population. */
    assert_close(t->pop_std[1], 160.25 + 40.75, 1e-12);
    assert_close(official[1], (160.25 * 3.0 + 40.75 * 4.0) / (160.25 + 40.75), 1e-12);
    /* A row without values: in the study, no population, no value. */
    assert_int_equal(t->in_study[2], 1);
    assert_true(isnan(t->pop_std[2]));
    assert_true(isnan(official[2]));
    /* Communes outside the file. */
    for (size_t i = 3; i < 6; i++) {
        assert_int_equal(t->in_study[i], 0);
        assert_true(isnan(t->pop_std[i]));
        assert_true(isnan(official[i]));
    }
    assert_int_equal(t->in_study[0], 1);
    assert_int_equal(t->in_study[1], 1);
    assert_int_equal(mg_territory_study_count(t), 3);
    assert_true(report_has(&rep, "12345"));
    assert_true(report_has(&rep, "no official value"));
    mg_report_free(&rep);

    /* The 65-and-under column, by name. */
    mg_diag_clear(&d);
    assert_int_equal(mg_import_drees(t, p, MG_AGE_65, 0, official, &used, NULL, NULL, NULL, &d), MG_OK);
    assert_int_equal(used, MG_AGE_65);
    assert_true(official[0] == 3.2);
    assert_close(official[1], (160.25 * 2.9 + 40.75 * 3.5) / 201.0, 1e-12);
    mg_diag_clear(&d);
    assert_int_equal(mg_import_drees(t, p, MG_AGE_62, 0, official, &used, NULL, NULL, NULL, &d), MG_OK);
    assert_int_equal(used, MG_AGE_62);
    assert_true(official[0] == 2.861);
    /* Importing again does not add the populations twice. */
    assert_close(t->pop_std[1], 201.0, 1e-12);

    /* A file with a single APL column serves any age, and says so. */
    write_tmp(p, sizeof p, "apl_inf_2021.csv",
              "Code commune,Libellé de la commune,Population totale,"
              "APL aux infirmiers,Population standardisée par la consommation de soins\n"
              "13201,Marseille 1er,37599,120.5,39000\n"
              "13202,Marseille 2e,24378,80,25000\n");
    mg_diag_clear(&d);
    rc = mg_import_drees(t, p, MG_AGE_65, 0, official, &used, NULL, NULL, &rep, &d);
    if (rc != MG_OK)
        fail_msg("single APL column: %d %s", rc, d.msg);
    assert_int_equal(used, MG_AGE_NONE);
    assert_int_equal(t->in_study[3], 1);
    /* 13202 is not in this tiny list: only 13201 counts. */
    assert_true(t->pop_std[3] == 39000);
    assert_true(official[3] == 120.5);
    assert_true(isnan(official[0])); /* not in this file */
    mg_report_free(&rep);
    mg_territory_free(t);
}

static void test_contours(void **state)
{
    (void)state;
    mg_territory *t = load(true);
    char p[512];
    write_tmp(p, sizeof p, "communes.geojson", contours_geojson);
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_contours(t, p, true, &rep, &d);
    if (rc != MG_OK)
        fail_msg("mg_import_contours: %d %s", rc, d.msg);
    const mg_shapes *s = &t->shapes;
    /* 11001: two polygons (the first holed); 11002: two; 11003: one. */
    assert_int_equal(s->npoly, 5);
    assert_int_equal(s->nring, 6);
    assert_int_equal(s->npt, 5 + 5 + 5 + 4 + 5 + 9);
    const size_t per_commune[] = {2, 2, 1, 0, 0, 0};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(s->commune_poly[i + 1] - s->commune_poly[i], per_commune[i]);
    assert_int_equal(s->commune_poly[6], 5);
    assert_int_equal(s->poly_ring[s->npoly], s->nring);
    assert_int_equal(s->ring_pt[s->nring], s->npt);
    /* Marks and points. */
    const uint8_t study[] = {1, 1, 1, 0, 0, 0};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(t->in_study[i], study[i]);
    assert_true(report_has(&rep, "38999"));
    mg_report_free(&rep);

    /* Airoux is the union of both squares; its point is the centre of the
     * larger one (1.82–1.86 × 43.34–43.36). */
    double area = 0;
    bool has_a = false, has_b = false;
    for (size_t q = s->commune_poly[1]; q < s->commune_poly[2]; q++) {
        mg_polygon_view v = {.nring = s->poly_ring[q + 1] - s->poly_ring[q],
                             .ring_pt = s->ring_pt + s->poly_ring[q],
                             .lon = s->lon, .lat = s->lat};
        area += mg_geo_polygon_area(&v);
        has_a |= mg_geo_polygon_contains(&v, 1.81, 43.35);
        has_b |= mg_geo_polygon_contains(&v, 1.85, 43.35);
    }
    assert_true(has_a && has_b);
    assert_close(area, 0.06 * 0.02 * cos(43.34 * 3.14159265358979323846 / 180), 1e-9);
    assert_int_equal(t->point_src[1], MG_POINT_CONTOUR);
    assert_close(t->lon[1], 1.84, 1e-9);
    assert_close(t->lat[1], 43.35, 1e-9);

    /* Every study commune's point lies inside one of its polygons. */
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(t->point_src[i], MG_POINT_CONTOUR);
        bool inside = false;
        for (size_t q = s->commune_poly[i]; q < s->commune_poly[i + 1]; q++) {
            mg_polygon_view v = {.nring = s->poly_ring[q + 1] - s->poly_ring[q],
                                 .ring_pt = s->ring_pt + s->poly_ring[q],
                                 .lon = s->lon, .lat = s->lat};
            inside |= mg_geo_polygon_contains(&v, t->lon[i], t->lat[i]);
        }
        if (!inside)
            fail_msg("commune %s: point (%g, %g) outside its contour", t->code[i], t->lon[i],
                     t->lat[i]);
    }
    /* Aigues-Vives: the larger polygon, its centroid in the hole's frame
     * (outer 0.04², hole 0.02² off-centre: the centroid is outside it). */
    assert_true(t->lon[0] > 2.40 && t->lon[0] < 2.44);
    assert_true(!(t->lon[0] >= 2.41 && t->lon[0] <= 2.43 && t->lat[0] >= 43.21 &&
                  t->lat[0] <= 43.23));
    /* Ajac, a C: the point is in the back of the C, not in its notch. */
    bool in_notch = t->lon[2] > 2.01 && t->lat[2] > 43.01 && t->lat[2] < 43.02;
    assert_false(in_notch);
    assert_true(t->lon[2] > 2.0 && t->lon[2] < 2.03 && t->lat[2] > 43.0 && t->lat[2] < 43.03);
    for (size_t i = 3; i < 6; i++)
        assert_int_equal(t->point_src[i], MG_POINT_NONE);
    mg_territory_free(t);

    /* Without set_points, La Poste points stay and communes without a point
     * get their contour's. */
    t = load(true);
    write_tmp(p, sizeof p, "laposte_small.csv",
              "Code_commune_INSEE;coordonnees_gps\n11001;43.218,2.43\n");
    mg_diag_clear(&d);
    assert_int_equal(mg_import_laposte(t, p, NULL, &d), MG_OK);
    write_tmp(p, sizeof p, "communes.geojson", contours_geojson);
    mg_diag_clear(&d);
    assert_int_equal(mg_import_contours(t, p, false, NULL, &d), MG_OK);
    assert_int_equal(t->point_src[0], MG_POINT_LAPOSTE);
    assert_true(t->lat[0] == 43.218 && t->lon[0] == 2.43);
    assert_int_equal(t->point_src[1], MG_POINT_CONTOUR);
    assert_close(t->lon[1], 1.84, 1e-9);
    mg_territory_free(t);
}

/* --- Malformed inputs. ------------------------------------------------ */

typedef struct bad_case {
    const char *name, *text, *where;
    int rc;
} bad_case;

static void test_cog_errors(void **state)
{
    (void)state;
    char pc[512], pe[512];
    write_tmp(pe, sizeof pe, "epci_ok.json", epci_json);
    static const char ok1[] = "{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\","
                              "\"departement\":\"11\"}";
    const bad_case bad[] = {
        {"c_object.json", "{\"code\":\"11001\"}\n", "c_object.json:1:", MG_EPARSE},
        {"c_number.json", "[\n" "7\n]\n", "c_number.json:2:", MG_EPARSE},
        {"c_noname.json",
         "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"11\"},\n"
         "{\"code\":\"11002\",\"type\":\"commune-actuelle\",\"departement\":\"11\"}\n]\n",
         "c_noname.json:3:", MG_EPARSE},
        {"c_popstr.json",
         "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"11\","
         "\"population\":\"563\"}\n]\n",
         "c_popstr.json:2:", MG_EPARSE},
        {"c_popneg.json",
         "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"11\","
         "\"population\":-1}\n]\n",
         "c_popneg.json:2:", MG_EPARSE},
        {"c_code.json",
         "[\n{\"code\":\"1100\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"11\"}\n]\n",
         "c_code.json:2:", MG_EPARSE},
        {"c_codenum.json",
         "[\n{\"code\":11001,\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"11\"}\n]\n",
         "c_codenum.json:2:", MG_EPARSE},
        {"c_type.json",
         "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-fantome\",\"departement\":\"11\"}\n]\n",
         "c_type.json:2:", MG_EPARSE},
        {"c_dup.json", "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"11\"},\n"
                       "{\"code\":\"11001\",\"nom\":\"B\",\"type\":\"commune-actuelle\",\"departement\":\"11\"}\n]\n",
         "c_dup.json:3:", MG_EPARSE},
        {"c_anciens.json",
         "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"11\","
         "\"anciensCodes\":\"11900\"}\n]\n",
         "c_anciens.json:2:", MG_EPARSE},
        {"c_anciens2.json",
         "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"11\","
         "\"anciensCodes\":[\"11900\",119]}\n]\n",
         "c_anciens2.json:2:", MG_EPARSE},
        {"c_chef.json",
         "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"11\"},\n"
         "{\"code\":\"11900\",\"nom\":\"B\",\"type\":\"commune-deleguee\"}\n]\n",
         "c_chef.json:3:", MG_EPARSE},
        {"c_dep.json",
         "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"1\"}\n]\n",
         "c_dep.json:2:", MG_EPARSE},
        {"c_none.json",
         "[\n{\"code\":\"11900\",\"nom\":\"B\",\"type\":\"commune-deleguee\",\"chefLieu\":\"11001\"}\n]\n",
         "c_none.json", MG_EPARSE},
        {"c_trunc.json", "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"depar",
         "c_trunc.json:2:", MG_EPARSE},
        {"c_syntax.json",
         "[\n{\"code\":\"11001\",\"nom\":\"A\",\"type\":\"commune-actuelle\",\"departement\":\"11\"},\n"
         "{\"code\":\"11002\" \"nom\":\"B\"}\n]\n",
         "c_syntax.json:3:", MG_EPARSE},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        write_tmp(pc, sizeof pc, bad[k].name, bad[k].text);
        mg_territory *t = (mg_territory *)&k; /* must become NULL */
        mg_diag d;
        mg_diag_clear(&d);
        int rc = mg_import_cog(&t, pc, pe, NULL, &d);
        if (rc != bad[k].rc)
            fail_msg("%s: got %d (%s), expected %d", bad[k].name, rc, d.msg, bad[k].rc);
        assert_msg_has(d, bad[k].where);
        assert_null(t);
    }

    /* EPCI files. */
    char good[256];
    snprintf(good, sizeof good, "[\n%s\n]\n", ok1);
    write_tmp(pc, sizeof pc, "c_good.json", good);
    const bad_case ebad[] = {
        {"e_siren.json", "[\n{\"code\":\"20003571\",\"nom\":\"X\",\"membres\":[]}\n]\n",
         "e_siren.json:2:", MG_EPARSE},
        {"e_members.json", "[\n{\"code\":\"200035715\",\"nom\":\"X\",\"membres\":[]},\n"
                           "{\"code\":\"200035716\",\"nom\":\"Y\"}\n]\n",
         "e_members.json:3:", MG_EPARSE},
        {"e_member_code.json",
         "[\n{\"code\":\"200035715\",\"nom\":\"X\",\"membres\":[{\"code\":\"1100\"}]}\n]\n",
         "e_member_code.json:2:", MG_EPARSE},
        {"e_nonarray.json", "{\"membres\":[]}\n", "e_nonarray.json:1:", MG_EPARSE},
        {"e_nom.json", "[\n{\"code\":\"200035715\",\"nom\":3,\"membres\":[]}\n]\n",
         "e_nom.json:2:", MG_EPARSE},
    };
    for (size_t k = 0; k < sizeof ebad / sizeof *ebad; k++) {
        write_tmp(pe, sizeof pe, ebad[k].name, ebad[k].text);
        mg_territory *t = (mg_territory *)&k;
        mg_diag d;
        mg_diag_clear(&d);
        int rc = mg_import_cog(&t, pc, pe, NULL, &d);
        if (rc != ebad[k].rc)
            fail_msg("%s: got %d (%s), expected %d", ebad[k].name, rc, d.msg, ebad[k].rc);
        assert_msg_has(d, ebad[k].where);
        assert_null(t);
    }
    /* Missing files. */
    mg_territory *t = NULL;
    mg_diag d;
    snprintf(pe, sizeof pe, "%s/nope.json", tmpdir);
    mg_diag_clear(&d);
    assert_int_equal(mg_import_cog(&t, pe, NULL, NULL, &d), MG_ENOTFOUND);
    assert_msg_has(d, "nope.json");
    assert_null(t);
    mg_diag_clear(&d);
    assert_int_equal(mg_import_cog(&t, pc, pe, NULL, &d), MG_ENOTFOUND);
    assert_null(t);
}

/* Runs `import` on each bad case against a loaded territory and checks the
 * code, the message and that the territory is unchanged. */
typedef int (*import_fn)(mg_territory *t, const char *path, mg_diag *d);

static void run_bad_cases(mg_territory *t, const bad_case *bad, size_t n, import_fn import)
{
    char p[512];
    for (size_t k = 0; k < n; k++) {
        write_tmp(p, sizeof p, bad[k].name, bad[k].text);
        snapshot s = take(t);
        mg_diag d;
        mg_diag_clear(&d);
        int rc = import(t, p, &d);
        if (rc != bad[k].rc)
            fail_msg("%s: got %d (%s), expected %d", bad[k].name, rc, d.msg, bad[k].rc);
        assert_msg_has(d, bad[k].where);
        assert_unchanged(&s, t, bad[k].name);
        drop(&s);
    }
}

static int import_laposte(mg_territory *t, const char *path, mg_diag *d)
{
    return mg_import_laposte(t, path, NULL, d);
}

static void test_laposte_errors(void **state)
{
    (void)state;
    mg_territory *t = load(true);
#define LP_HEAD "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps\n"
    const bad_case bad[] = {
        {"lp_nocol.csv", "Code_commune_INSEE;Nom_commune;Code_postal\n11001;A;11800\n",
         "lp_nocol.csv:1:", MG_ENOTFOUND},
        {"lp_comma.csv", "Code_commune_INSEE,Nom_commune,coordonnees_gps\n11001,A,\"43,2\"\n",
         "lp_comma.csv:1:", MG_ENOTFOUND},
        {"lp_code.csv", LP_HEAD "11001;A;11800;;A;43.2,2.4\n1100;B;11800;;B;43.2,2.4\n",
         "lp_code.csv:3:", MG_EPARSE},
        {"lp_gps.csv", LP_HEAD "11001;A;11800;;A;43.2,2.4\n11002;B;11320;;B;43.2 2.4\n",
         "lp_gps.csv:3:", MG_EPARSE},
        {"lp_gps2.csv", LP_HEAD "11001;A;11800;;A;95.0,2.4\n", "lp_gps2.csv:2:", MG_EPARSE},
        {"lp_gps3.csv", LP_HEAD "11001;A;11800;;A;43.2,2.4,7\n", "lp_gps3.csv:2:", MG_EPARSE},
        {"lp_gps4.csv", LP_HEAD "11001;A;11800;;A;nan,2.4\n", "lp_gps4.csv:2:", MG_EPARSE},
        {"lp_fields.csv", LP_HEAD "11001;A;11800;;A;43.2,2.4\n11002;B;11320\n",
         "lp_fields.csv:3:", MG_EPARSE},
        {"lp_quote.csv", LP_HEAD "11001;A;11800;;A;43.2,2.4\n11002;\"B;11320;;B;43.2,2.4\n",
         "lp_quote.csv:3:", MG_EPARSE},
    };
#undef LP_HEAD
    /* Against a territory without points, then one with points. */
    run_bad_cases(t, bad, sizeof bad / sizeof *bad, import_laposte);
    char p[512];
    write_tmp(p, sizeof p, "lp_ok.csv", laposte_csv);
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_import_laposte(t, p, NULL, &d), MG_OK);
    run_bad_cases(t, bad, sizeof bad / sizeof *bad, import_laposte);
    mg_territory_free(t);
}

/* The supply array of the BPE cases, checked unchanged after each. */
static double bpe_supply[6];

static int import_bpe(mg_territory *t, const char *path, mg_diag *d)
{
    double before[6], unmapped = 42;
    memcpy(before, bpe_supply, sizeof before);
    int rc = mg_import_bpe(t, path, "D201", bpe_supply, &unmapped, NULL, d);
    if (rc != MG_OK) {
        assert_memory_equal(before, bpe_supply, sizeof before);
        assert_true(unmapped == 42);
    }
    return rc;
}

static void test_bpe_errors(void **state)
{
    (void)state;
    mg_territory *t = load(true);
    for (size_t i = 0; i < 6; i++)
        bpe_supply[i] = (double)i + 0.25;
#define BPE_HEAD "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP\n"
    const bad_case bad[] = {
        {"bpe_nocol.csv", "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU\n76;11;11001;11001;2019;D201\n",
         "bpe_nocol.csv:1:", MG_ENOTFOUND},
        {"bpe_count.csv", BPE_HEAD "76;11;11001;11001;2019;D201;2\n76;11;11002;11002;2019;D201;x\n",
         "bpe_count.csv:3:", MG_EPARSE},
        {"bpe_neg.csv", BPE_HEAD "76;11;11001;11001;2019;D201;2\n76;11;11002;11002;2019;D201;-1\n",
         "bpe_neg.csv:3:", MG_EPARSE},
        {"bpe_frac.csv", BPE_HEAD "76;11;11001;11001;2019;D201;1.5\n", "bpe_frac.csv:2:",
         MG_EPARSE},
        {"bpe_empty.csv", BPE_HEAD "76;11;11001;11001;2019;D201;2\n76;11;11002;11002;2019;D201;\n",
         "bpe_empty.csv:3:", MG_EPARSE},
        {"bpe_code.csv", BPE_HEAD "76;11;11001;11001;2019;D201;2\n76;11;1100A;11002;2019;D201;1\n",
         "bpe_code.csv:3:", MG_EPARSE},
        {"bpe_fields.csv", BPE_HEAD "76;11;11001;11001;2019;D201;2\n76;11;11002\n",
         "bpe_fields.csv:3:", MG_EPARSE},
        {"bpe_utf8.csv", BPE_HEAD "76;11;11001;11001;2019;D201;2\n76;11;11002;\xe9;2019;D201;1\n",
         "bpe_utf8.csv:3:", MG_EUTF8},
    };
#undef BPE_HEAD
    run_bad_cases(t, bad, sizeof bad / sizeof *bad, import_bpe);
    /* A bad count on a row of another type is not read. */
    char p[512];
    write_tmp(p, sizeof p, "bpe_other.csv",
              "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP\n76;11;11001;11001;2019;D232;x\n"
              "76;11;11001;11001;2019;D201;3\n");
    mg_diag d;
    mg_diag_clear(&d);
    double unmapped = -1;
    assert_int_equal(mg_import_bpe(t, p, "D201", bpe_supply, &unmapped, NULL, &d), MG_OK);
    assert_true(bpe_supply[0] == 0.25 + 3);
    assert_true(unmapped == 0);
    mg_territory_free(t);
}

static double drees_official[6];

static int import_drees(mg_territory *t, const char *path, mg_diag *d)
{
    double before[6];
    memcpy(before, drees_official, sizeof before);
    char *col = NULL;
    int rc = mg_import_drees(t, path, MG_AGE_65, 0, drees_official, NULL, &col, NULL, NULL, d);
    if (rc != MG_OK) {
        assert_memory_equal(before, drees_official, sizeof before);
        assert_null(col);
    }
    free(col);
    return rc;
}

static void test_drees_errors(void **state)
{
    (void)state;
    mg_territory *t = load(true);
    for (size_t i = 0; i < 6; i++)
        drees_official[i] = -7;
    const bad_case bad[] = {
        {"d_nostd.csv",
         "Code commune,Libellé de la commune,APL aux médecins généralistes\n11001,A,3.2\n",
         "d_nostd.csv:1:", MG_EPARSE},
        {"d_noapl.csv", "Code commune,Libellé,Population standardisée\n11001,A,3.2\n",
         "d_noapl.csv:1:", MG_EPARSE},
        {"d_nocode.csv", "Commune,APL,Population standardisée\n11001,3.2,500\n",
         "d_nocode.csv:1:", MG_ENOTFOUND},
        {"d_age.csv",
         "Code commune,APL aux médecins généralistes (sans borne d'âge),"
         "APL aux médecins généralistes de 62 ans et moins,Population standardisée\n"
         "11001,3.2,3.0,500\n",
         "d_age.csv:1:", MG_ENOTFOUND},
        {"d_value.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n11002,B,150,3,abc,2.8,160\n",
         "d_value.csv:3:", MG_EPARSE},
        {"d_std.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n11002,B,150,3,2.9,2.8,1e999\n",
         "d_std.csv:3:", MG_EPARSE},
        {"d_neg.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n11002,B,150,3,-2.9,2.8,160\n",
         "d_neg.csv:3:", MG_EPARSE},
        {"d_code.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n2C004,B,150,3,2.9,2.8,160\n",
         "d_code.csv:3:", MG_EPARSE},
        {"d_fields.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n11002,B,150\n",
         "d_fields.csv:3:", MG_EPARSE},
        {"d_pop.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n11002,B,beaucoup,3,2.9,2.8,160\n",
         "d_pop.csv:3:", MG_EPARSE},
        {"d_norows.csv", DREES_HEADER, "d_norows.csv", MG_EPARSE},
        /* A code written twice: both lines named. */
        {"d_dup.csv",
         DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n11002,B,150,3,2.9,2.8,160\n"
                      "11001,A,563,3.226,3.2,2.861,570.56\n",
         "d_dup.csv:4:1: commune code 11001 appears a second time (first on line 2): "
         "expected each commune once", MG_EPARSE},
        /* Cut at the end of a row, in the middle of the last number, after
         * the name of a row without values: no line end at the end. */
        {"d_cutrow.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n11002,B,150,3,2.9,2.8,160",
         "d_cutrow.csv:3:26: the last line stops without a line end: expected a complete row "
         "of 7 fields ending with a newline (file cut short?)", MG_EPARSE},
        {"d_cutnum.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n11002,B,150,3,2.9,2.8,16",
         "d_cutnum.csv:3:25: the last line stops without a line end", MG_EPARSE},
        {"d_cutshort.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n97411,Saint-Denis",
         "d_cutshort.csv:3:18: the last line stops without a line end", MG_EPARSE},
        /* Code and name only, for an inhabited commune. */
        {"d_short.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n11003,Ajac\r\n",
         "d_short.csv:3:11: commune 11003 (Ajac, population 196) has only 2 of the 7 fields: "
         "expected its values (a row without values is read only for an uninhabited commune; "
         "--allow-missing takes it as without official value)", MG_EPARSE},
        /* A code without a name. */
        {"d_codeonly.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n97411\n",
         "d_codeonly.csv:3:6: expected 7 fields as in the header, found 1 (a row without "
         "values has at least the commune's code and name)", MG_EPARSE},
        {"d_noname.csv", DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n97411,\n",
         "d_noname.csv:3:7: expected 7 fields as in the header, found 2", MG_EPARSE},
    };
    run_bad_cases(t, bad, sizeof bad / sizeof *bad, import_drees);
    /* Once more after a good import, so that there is something to keep. */
    char p[512];
    write_tmp(p, sizeof p, "d_ok.csv", drees_csv);
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(import_drees(t, p, &d), MG_OK);
    assert_true(drees_official[0] == 3.2);
    run_bad_cases(t, bad, sizeof bad / sizeof *bad, import_drees);
    mg_territory_free(t);
}

/* The flags of the next import_drees_flags call (run_bad_cases passes no
 * context) and the count of missing communes it gave. */
static unsigned drees_flags;
static size_t drees_missing;

static int import_drees_flags(mg_territory *t, const char *path, mg_diag *d)
{
    double before[6];
    memcpy(before, drees_official, sizeof before);
    drees_missing = 99;
    int rc = mg_import_drees(t, path, MG_AGE_NONE, drees_flags, drees_official, NULL, NULL,
                             &drees_missing, NULL, d);
    if (rc != MG_OK)
        assert_memory_equal(before, drees_official, sizeof before);
    return rc;
}

/* The file against the territory: rows of uninhabited communes with a code
 * and a name only; inhabited communes of the contours without a row. */
static void test_drees_territory(void **state)
{
    (void)state;
    mg_territory *t = load(true);
    char p[512];
    mg_diag d;
    /* Saint-Denis (97411) has no population in this list: its short row,
     * as the national file writes Verdun's uninhabited communes, is read
     * as "no value". */
    write_tmp(p, sizeof p, "d_uninhabited.csv",
              DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n97411,Saint-Denis\r\n"
                           "13201,,37599,4.5,4.4,4.3,39000\n");
    drees_flags = 0;
    mg_diag_clear(&d);
    if (import_drees_flags(t, p, &d) != MG_OK)
        fail_msg("short row of an uninhabited commune: %s", d.msg);
    assert_int_equal(drees_missing, 0);
    assert_int_equal(t->in_study[5], 1);
    assert_true(isnan(drees_official[5]));
    assert_true(isnan(t->pop_std[5]));
    assert_true(drees_official[0] == 3.226);
    /* A complete row without a name, as the national file has Marseille's
     * arrondissements, is read. */
    assert_true(drees_official[3] == 4.5);

    /* The contours made Aigues-Vives, Airoux and Ajac the territory; the
     * file has no row for Ajac (196 inhabitants). */
    mg_territory_free(t);
    t = load(true);
    t->in_study[0] = t->in_study[1] = t->in_study[2] = 1;
    for (size_t i = 0; i < 6; i++)
        drees_official[i] = -7;
    static const char partial[] =
        DREES_HEADER "11001,A,563,3.226,3.2,2.861,570.56\n11900,B,150,3,2.9,2.8,160\n";
    const bad_case bad[] = {
        {"d_missing.csv", partial,
         "d_missing.csv: 1 inhabited commune of the territory (the communes of the contours) "
         "has no row, the first 11003 (Ajac, population 196); the file ends at line 3: "
         "expected a row for every inhabited commune (file cut short?); --allow-missing "
         "computes without their official values", MG_EPARSE},
    };
    drees_flags = MG_DREES_STUDY_IS_TERRITORY;
    run_bad_cases(t, bad, 1, import_drees_flags);
    /* A former code stands for today's commune: Airoux is present through
     * 11900, so with --allow-missing only Ajac is missing. */
    write_tmp(p, sizeof p, "d_missing.csv", partial);
    drees_flags = MG_DREES_STUDY_IS_TERRITORY | MG_DREES_ALLOW_MISSING;
    mg_diag_clear(&d);
    if (import_drees_flags(t, p, &d) != MG_OK)
        fail_msg("--allow-missing: %s", d.msg);
    assert_int_equal(drees_missing, 1);
    assert_true(drees_official[1] == 3);
    assert_true(isnan(drees_official[2]));
    /* Ajac's short row is a missing value too, accepted and counted. */
    write_tmp(p, sizeof p, "d_short_ok.csv", DREES_HEADER
              "11001,A,563,3.226,3.2,2.861,570.56\n11900,B,150,3,2.9,2.8,160\n11003,Ajac\n");
    mg_diag_clear(&d);
    if (import_drees_flags(t, p, &d) != MG_OK)
        fail_msg("--allow-missing, short row: %s", d.msg);
    assert_int_equal(drees_missing, 1);
    /* Without the contours' territory the file is the territory. */
    drees_flags = 0;
    write_tmp(p, sizeof p, "d_missing.csv", partial);
    mg_diag_clear(&d);
    assert_int_equal(import_drees_flags(t, p, &d), MG_OK);
    assert_int_equal(drees_missing, 0);
    mg_territory_free(t);
}

static int import_contours(mg_territory *t, const char *path, mg_diag *d)
{
    return mg_import_contours(t, path, true, NULL, d);
}

static void test_contours_errors(void **state)
{
    (void)state;
    mg_territory *t = load(true);
#define FC_HEAD "{\"type\":\"FeatureCollection\",\"features\":[\n"
#define SQUARE_11001                                                                   \
    "{\"type\":\"Feature\",\"properties\":{\"code\":\"11001\"},\"geometry\":{\"type\":"  \
    "\"Polygon\",\"coordinates\":[[[2.4,43.2],[2.44,43.2],[2.44,43.24],[2.4,43.24],"     \
    "[2.4,43.2]]]}},\n"
    const bad_case bad[] = {
        {"g_nofeatures.geojson", "{\"type\":\"FeatureCollection\"}\n", "g_nofeatures.geojson",
         MG_EPARSE},
        {"g_array.geojson", "[]\n", "g_array.geojson:1:", MG_EPARSE},
        {"g_point.geojson",
         FC_HEAD SQUARE_11001
         "{\"type\":\"Feature\",\"properties\":{\"code\":\"11002\"},\"geometry\":"
         "{\"type\":\"Point\",\"coordinates\":[1.8,43.3]}}\n]}\n",
         "g_point.geojson:3:", MG_EPARSE},
        {"g_ring.geojson",
         FC_HEAD SQUARE_11001
         "{\"type\":\"Feature\",\"properties\":{\"code\":\"11002\"},\"geometry\":"
         "{\"type\":\"Polygon\",\"coordinates\":[[[1.8,43.3],[1.9,43.3],[1.8,43.3]]]}}\n]}\n",
         "g_ring.geojson:3:", MG_EPARSE},
        {"g_range.geojson",
         FC_HEAD SQUARE_11001
         "{\"type\":\"Feature\",\"properties\":{\"code\":\"11002\"},\"geometry\":"
         "{\"type\":\"Polygon\",\"coordinates\":[[[200,43.3],[1.9,43.3],[1.9,43.4],"
         "[200,43.3]]]}}\n]}\n",
         "g_range.geojson:3:", MG_EPARSE},
        {"g_position.geojson",
         FC_HEAD SQUARE_11001
         "{\"type\":\"Feature\",\"properties\":{\"code\":\"11002\"},\"geometry\":"
         "{\"type\":\"Polygon\",\"coordinates\":[[[1.8,\"43.3\"],[1.9,43.3],[1.9,43.4],"
         "[1.8,43.3]]]}}\n]}\n",
         "g_position.geojson:3:", MG_EPARSE},
        {"g_nocode.geojson",
         FC_HEAD SQUARE_11001
         "{\"type\":\"Feature\",\"properties\":{\"nom\":\"X\"},\"geometry\":"
         "{\"type\":\"Polygon\",\"coordinates\":[[[1.8,43.3],[1.9,43.3],[1.9,43.4],"
         "[1.8,43.3]]]}}\n]}\n",
         "g_nocode.geojson:3:", MG_EPARSE},
        {"g_badcode.geojson",
         FC_HEAD SQUARE_11001
         "{\"type\":\"Feature\",\"properties\":{\"code\":\"11O02\"},\"geometry\":"
         "{\"type\":\"Polygon\",\"coordinates\":[[[1.8,43.3],[1.9,43.3],[1.9,43.4],"
         "[1.8,43.3]]]}}\n]}\n",
         "g_badcode.geojson:3:", MG_EPARSE},
        {"g_nogeom.geojson",
         FC_HEAD SQUARE_11001
         "{\"type\":\"Feature\",\"properties\":{\"code\":\"11002\"},\"geometry\":null}\n]}\n",
         "g_nogeom.geojson:3:", MG_EPARSE},
        {"g_multi.geojson",
         FC_HEAD SQUARE_11001
         "{\"type\":\"Feature\",\"properties\":{\"code\":\"11002\"},\"geometry\":"
         "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[1.8,43.3],[1.9,43.3],[1.9,43.4],"
         "[1.8,43.3]]],[]]}}\n]}\n",
         "g_multi.geojson:3:", MG_EPARSE},
        {"g_unknown_only.geojson",
         FC_HEAD "{\"type\":\"Feature\",\"properties\":{\"code\":\"38999\"},\"geometry\":"
                 "{\"type\":\"Polygon\",\"coordinates\":[[[1.8,43.3],[1.9,43.3],[1.9,43.4],"
                 "[1.8,43.3]]]}}\n]}\n",
         "g_unknown_only.geojson", MG_EPARSE},
        {"g_trunc.geojson", FC_HEAD SQUARE_11001 "{\"type\":\"Feature\",\"prop",
         "g_trunc.geojson:3:", MG_EPARSE},
        {"g_utf8.geojson",
         FC_HEAD "{\"type\":\"Feature\",\"properties\":{\"code\":\"11001\",\"nom\":\"\xff\"},"
                 "\"geometry\":null}\n]}\n",
         "g_utf8.geojson:2:", MG_EUTF8},
    };
#undef FC_HEAD
#undef SQUARE_11001
    run_bad_cases(t, bad, sizeof bad / sizeof *bad, import_contours);
    /* And with contours and points already in place. */
    char p[512];
    write_tmp(p, sizeof p, "g_ok.geojson", contours_geojson);
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_import_contours(t, p, true, NULL, &d), MG_OK);
    assert_int_equal(t->shapes.npoly, 5);
    run_bad_cases(t, bad, sizeof bad / sizeof *bad, import_contours);
    mg_territory_free(t);
}

/* --- The real demo files. --------------------------------------------- */

/* The DREES file as a workbook (written by openpyxl, by LibreOffice Calc,
 * and with rich-text shared strings; tests/data/xlsx): the table
 * found under its title rows in the second sheet, the APL columns named by
 * their merged group cell and their own, empty rows skipped; the same
 * values as from the text file; the same refusals, by sheet, row and
 * column. */
static void test_drees_xlsx(void **state)
{
    (void)state;
    static const char *const files[] = {MG_TEST_DATA "/xlsx/apl_ok.xlsx",
                                        MG_TEST_DATA "/xlsx/apl_shared_strings.xlsx",
                                        MG_TEST_DATA "/xlsx/apl_libreoffice.xlsx"};
    for (size_t f = 0; f < 3; f++) {
        mg_territory *t = load(true);
        double official[6];
        enum mg_drees_age used = MG_AGE_62;
        char *col = NULL;
        size_t missing = 99;
        mg_diag d;
        mg_diag_clear(&d);
        int rc = mg_import_drees(t, files[f], MG_AGE_NONE, 0, official, &used, &col, &missing,
                                 NULL, &d);
        if (rc != MG_OK)
            fail_msg("%s: %d %s", files[f], rc, d.msg);
        assert_int_equal(used, MG_AGE_NONE);
        assert_string_equal(col, "APL aux médecins généralistes sans borne d'âge");
        free(col);
        assert_int_equal(missing, 0);
        assert_true(official[0] == 3.226);
        /* LibreOffice saves 15 significant digits: 570.56. */
        assert_true(t->pop_std[0] == (f == 2 ? 570.56 : 570.5599999999999));
        assert_close(official[1], (160.25 * 3.0 + 40.75 * 4.0) / (160.25 + 40.75), 1e-12);
        assert_true(official[3] == 4.5); /* Marseille, a row without a name */
        assert_int_equal(t->in_study[5], 1); /* Saint-Denis: code and name only */
        assert_true(isnan(official[5]));
        mg_diag_clear(&d);
        assert_int_equal(mg_import_drees(t, files[f], MG_AGE_65, 0, official, &used, &col, NULL,
                                         NULL, &d), MG_OK);
        assert_int_equal(used, MG_AGE_65);
        assert_string_equal(col, "APL aux médecins généralistes de 65 ans et moins");
        free(col);
        assert_true(official[0] == 3.2);
        mg_territory_free(t);
    }

    mg_territory *t = load(true);
    for (size_t i = 0; i < 6; i++)
        drees_official[i] = -7;
    static const struct { const char *file, *where; int rc; } bad[] = {
        {MG_TEST_DATA "/xlsx/apl_bad_number.xlsx",
         "apl_bad_number.xlsx: sheet \"APL 2021\", row 7, column E: column \"APL aux médecins "
         "généralistes de 65 ans et moins\": expected a number, found \"beaucoup\"", MG_EPARSE},
        {MG_TEST_DATA "/xlsx/apl_duplicate.xlsx",
         "apl_duplicate.xlsx: sheet \"APL 2021\", row 15, column A: commune code 11001 appears a "
         "second time (first on row 7): expected each commune once", MG_EPARSE},
        {MG_TEST_DATA "/xlsx/apl_short_inhabited.xlsx",
         "apl_short_inhabited.xlsx: sheet \"APL 2021\", row 8, column C: commune 11003 (Ajac, "
         "population 196) has only 2 of the 7 fields: expected its values", MG_EPARSE},
        {MG_TEST_DATA "/xlsx/apl_bad_xml.xlsx",
         "apl_bad_xml.xlsx: sheet \"APL 2021\" (xl/worksheets/sheet2.xml), XML line 1: "
         "malformed XML", MG_EPARSE},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        snapshot sn = take(t);
        mg_diag d;
        mg_diag_clear(&d);
        int rc = import_drees(t, bad[k].file, &d);
        if (rc != bad[k].rc)
            fail_msg("%s: got %d (%s), expected %d", bad[k].file, rc, d.msg, bad[k].rc);
        assert_msg_has(d, bad[k].where);
        assert_unchanged(&sn, t, bad[k].file);
        drop(&sn);
    }
    mg_territory_free(t);
}

/* The national DREES file as the DREES publishes it: Verdun's uninhabited
 * communes with a code and a name only are read; Mayotte's 17 inhabited
 * communes written the same way need --allow-missing. Skipped when the
 * shared data folder is not beside the project. */
/* --allow-missing counts inhabited communes without a value once each: a
 * merged commune written under two codes without values is one, and one
 * with a row of values beside a row without is none (the fuzzer found the
 * count going past the number of communes: it counted rows). */
static void test_drees_missing_counted_once(void **state)
{
    (void)state;
    static const char text[] = DREES_HEADER
        "11001,Aigues-Vives,563,3.226,3.2,2.861,570.56\n"
        "13201,Marseille 1er\n"
        "13055,Marseille\n"
        "11900,Airoux-Haut\n"
        "11002,Airoux,168,3.0,2.9,2.8,160.25\n";
    char pd[512];
    write_tmp(pd, sizeof pd, "apl_missing.csv", text);
    mg_territory *t = load(false);
    double official[16];
    size_t missing = 99;
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_drees(t, pd, MG_AGE_NONE, MG_DREES_ALLOW_MISSING, official, NULL, NULL,
                             &missing, NULL, &d);
    if (rc != MG_OK)
        fail_msg("mg_import_drees: %d %s", rc, d.msg);
    assert_int_equal(missing, 1); /* Marseille, whose two rows have no values */
    long airoux = mg_territory_find_current(t, "11002");
    assert_true(airoux >= 0 && official[airoux] > 0);
    mg_territory_free(t);
}

static void test_drees_national(void **state)
{
    (void)state;
    char pc[512], pd[512];
    snprintf(pc, sizeof pc, "%s/data/demo/france/communes.json.gz", MG_SOURCE_DIR);
    snprintf(pd, sizeof pd, "%s/../shared/data/france/drees-apl-2021/apl_mg_2021.csv",
             MG_SOURCE_DIR);
    if (access(pc, R_OK) != 0 || access(pd, R_OK) != 0)
        skip();
    mg_territory *t = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_import_cog(&t, pc, NULL, NULL, &d), MG_OK);
    double *official = malloc(t->n * sizeof *official);
    assert_non_null(official);
    mg_diag_clear(&d);
    assert_int_equal(mg_import_drees(t, pd, MG_AGE_NONE, 0, official, NULL, NULL, NULL, NULL, &d),
                     MG_EPARSE);
    assert_msg_has(d, "apl_mg_2021.csv:33658:12: commune 97601 (Acoua, population 5192) has "
                      "only 2 of the 7 fields");
    assert_int_equal(mg_territory_study_count(t), 0);
    size_t missing = 0;
    mg_diag_clear(&d);
    int rc = mg_import_drees(t, pd, MG_AGE_NONE, MG_DREES_ALLOW_MISSING, official, NULL, NULL,
                             &missing, NULL, &d);
    if (rc != MG_OK)
        fail_msg("national file, --allow-missing: %s", d.msg);
    assert_int_equal(missing, 17);
    long verdun = mg_territory_find_current(t, "55039"), marseille = mg_territory_find(t, "13201");
    assert_true(verdun >= 0 && marseille >= 0);
    assert_true(isnan(official[verdun]));
    assert_int_equal(t->in_study[verdun], 1);
    assert_true(official[marseille] > 0); /* arrondissements: rows without a name */
    free(official);
    mg_territory_free(t);
}

static void test_demo_data(void **state)
{
    (void)state;
    const char *dir = MG_SOURCE_DIR "/data/demo";
    char pc[512], pe[512], pl[512], pb[512], pd[512], pg[512];
    snprintf(pc, sizeof pc, "%s/france/communes.json.gz", dir);
    snprintf(pe, sizeof pe, "%s/france/epci.json.gz", dir);
    snprintf(pl, sizeof pl, "%s/france/laposte_hexasmal_2020.csv.gz", dir);
    snprintf(pb, sizeof pb, "%s/france/bpe19_ensemble_sante.csv.gz", dir);
    snprintf(pd, sizeof pd, "%s/11-aude/apl_mg_2021.csv", dir);
    snprintf(pg, sizeof pg, "%s/11-aude/communes.geojson", dir);
    if (access(pc, R_OK) != 0)
        skip();
    mg_territory *t = NULL;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_cog(&t, pc, pe, &rep, &d);
    if (rc != MG_OK)
        fail_msg("communes: %d %s", rc, d.msg);
    /* COG 2026: 34,969 communes and 1,255 EPCI. */
    assert_true(t->n > 34000 && t->n < 36000);
    assert_true(t->nepci > 1200 && t->nepci < 1300);
    long carcassonne = mg_territory_find_current(t, "11069");
    assert_true(carcassonne >= 0);
    assert_string_equal(t->name[carcassonne], "Carcassonne");
    assert_true(t->population[carcassonne] > 40000);
    assert_true(t->epci[carcassonne] >= 0);
    assert_string_equal(t->epci_code[t->epci[carcassonne]], "200035715");
    assert_int_equal(mg_territory_find(t, "01340"), mg_territory_find_current(t, "01015"));
    assert_int_equal(mg_territory_find(t, "13201"), mg_territory_find_current(t, "13055"));
    assert_int_equal(mg_territory_find(t, "20004"), mg_territory_find_current(t, "2A004"));

    mg_diag_clear(&d);
    rc = mg_import_laposte(t, pl, &rep, &d);
    if (rc != MG_OK)
        fail_msg("La Poste: %d %s", rc, d.msg);
    assert_true(fabs(t->lat[carcassonne] - 43.21) < 0.1 && fabs(t->lon[carcassonne] - 2.35) < 0.1);
    size_t with_point = 0;
    for (size_t i = 0; i < t->n; i++)
        with_point += t->point_src[i] == MG_POINT_LAPOSTE;
    assert_true(with_point > 34000);

    double *gp = calloc(t->n, sizeof *gp), *official = calloc(t->n, sizeof *official);
    assert_true(gp && official);
    double unmapped = -1;
    mg_diag_clear(&d);
    rc = mg_import_bpe(t, pb, "D201", gp, &unmapped, &rep, &d);
    if (rc != MG_OK)
        fail_msg("BPE: %d %s", rc, d.msg);
    double total = 0;
    for (size_t i = 0; i < t->n; i++)
        total += gp[i];
    /* 61,429 GPs in BPE 2019 D201 (access.c), nearly all mapped. */
    assert_true(total + unmapped > 61000 && total + unmapped < 62000);
    assert_true(unmapped < 200);
    assert_true(gp[carcassonne] > 30);

    mg_diag_clear(&d);
    rc = mg_import_drees(t, pd, MG_AGE_NONE, 0, official, NULL, NULL, NULL, &rep, &d);
    if (rc != MG_OK)
        fail_msg("DREES: %d %s", rc, d.msg);
    size_t study = mg_territory_study_count(t);
    assert_true(study > 400 && study < 440); /* the Aude: 433 communes in 2021 */
    long aigues = mg_territory_find_current(t, "11001");
    assert_true(official[aigues] == 3.226);
    assert_close(t->pop_std[aigues], 570.5599999999999, 1e-9);

    mg_diag_clear(&d);
    rc = mg_import_contours(t, pg, true, &rep, &d);
    if (rc != MG_OK)
        fail_msg("contours: %d %s", rc, d.msg);
    assert_int_equal(mg_territory_study_count(t), study);
    assert_int_equal(t->point_src[carcassonne], MG_POINT_CONTOUR);
    assert_true(fabs(t->lat[carcassonne] - 43.2) < 0.1 && fabs(t->lon[carcassonne] - 2.35) < 0.15);
    free(gp);
    free(official);
    mg_report_free(&rep);
    mg_territory_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cog),
        cmocka_unit_test(test_cog_cache),
        cmocka_unit_test(test_drees_missing_counted_once),
        cmocka_unit_test(test_laposte),
        cmocka_unit_test(test_bpe),
        cmocka_unit_test(test_drees),
        cmocka_unit_test(test_contours),
        cmocka_unit_test(test_cog_errors),
        cmocka_unit_test(test_laposte_errors),
        cmocka_unit_test(test_bpe_errors),
        cmocka_unit_test(test_drees_errors),
        cmocka_unit_test(test_drees_territory),
        cmocka_unit_test(test_drees_national),
        cmocka_unit_test(test_drees_xlsx),
        cmocka_unit_test(test_contours_errors),
        cmocka_unit_test(test_demo_data),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
