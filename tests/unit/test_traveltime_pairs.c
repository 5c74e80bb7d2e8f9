/*
 * Tests of traveltime/pairs: the grid-indexed crow-fly table against the
 * all-pairs reference on pseudo-random points over France (with points
 * without coordinates and an include mask), the table's structural promises
 * (rows sorted, the (i, i) pair at 0 minutes), monotonicity in speed, the
 * settings checks, and the reader of origin–destination CSV files on a
 * small territory imported from a communes.json written by the test.
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
#include "traveltime/pairs.h"

#define PI 3.14159265358979323846

TEST_TMPDIR_FIXTURE("pairs")

/* Writes text to tmpdir/name; the full path goes to buf. */
static const char *write_tmp(char *buf, size_t cap, const char *name, const char *text)
{
    return test_write_text(buf, cap, tmpdir, name, text);
}

/* --- Random points over France. --------------------------------------- */

static uint32_t lcg_state;

static double urand(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (double)(lcg_state >> 8) / (double)(1u << 24);
}

typedef struct cloud {
    size_t n;
    double *lat, *lon;
    uint8_t *include;
} cloud;

static cloud make_cloud(size_t n, uint32_t seed)
{
    cloud c = {.n = n};
    c.lat = malloc(n * sizeof *c.lat);
    c.lon = malloc(n * sizeof *c.lon);
    c.include = malloc(n * sizeof *c.include);
    assert_true(c.lat && c.lon && c.include);
    lcg_state = seed;
    for (size_t i = 0; i < n; i++) {
        c.lat[i] = 41 + 10 * urand();
        c.lon[i] = -5 + 14 * urand();
        c.include[i] = i % 7 != 3;
    }
    /* Points without coordinates, some in the mask, some out of it. */
    for (size_t i = 5; i < n; i += 101)
        c.lat[i] = NAN;
    for (size_t i = 17; i < n; i += 131)
        c.lon[i] = NAN;
    c.lat[3] = NAN; /* excluded and without coordinates */
    /* A few exact duplicates (distinct communes at the same point). */
    c.lat[10] = c.lat[11];
    c.lon[10] = c.lon[11];
    /* Clusters near the northern edge, where longitude cells are widest. */
    for (size_t i = 20; i < 60; i++) {
        c.lat[i] = 50.9 + 0.1 * urand();
        c.lon[i] = 1.5 + 0.5 * urand();
    }
    return c;
}

static void free_cloud(cloud *c)
{
    free(c->lat);
    free(c->lon);
    free(c->include);
}

/* Checks every row: destinations strictly increasing, the (i, i) pair with
 * 0 minutes for included rows, no pair at all for excluded ones, only the
 * own pair for points without coordinates, times within the catchment. */
static void check_structure(const mg_pairs *p, const cloud *c, const uint8_t *include,
                            double max_minutes)
{
    assert_int_equal(p->n, c->n);
    assert_int_equal(p->start[0], 0);
    assert_int_equal(p->start[p->n], p->npairs);
    for (size_t i = 0; i < p->n; i++) {
        size_t b = p->start[i], e = p->start[i + 1];
        assert_true(b <= e);
        bool in = !include || include[i];
        if (!in) {
            if (b != e)
                fail_msg("excluded point %zu has %zu pairs", i, e - b);
            continue;
        }
        bool self = false;
        for (size_t k = b; k < e; k++) {
            if (k > b && !(p->to[k] > p->to[k - 1]))
                fail_msg("row %zu not sorted at pair %zu", i, k);
            assert_true(p->to[k] < p->n);
            assert_true(p->minutes[k] >= 0 && p->minutes[k] <= max_minutes);
            if (p->to[k] == i) {
                self = true;
                assert_true(p->minutes[k] == 0.0);
            }
            if (include)
                assert_true(include[p->to[k]]);
        }
        if (!self)
            fail_msg("row %zu lacks its own pair", i);
        if (!isfinite(c->lat[i]) || !isfinite(c->lon[i]))
            assert_int_equal(e - b, 1);
    }
}

/* Fails unless the two tables hold the same pairs, times within tol
 * relative to the time (absolute under a minute): the grid build computes
 * distances from chords of unit vectors, the reference with haversine, so
 * the last bits differ. */
static void assert_same_table(const mg_pairs *a, const mg_pairs *b, double tol, const char *what)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        size_t ka = a->start[i], ea = a->start[i + 1], kb = b->start[i], eb = b->start[i + 1];
        while (ka < ea || kb < eb) {
            if (kb == eb || (ka < ea && a->to[ka] < b->to[kb]))
                fail_msg("%s: pair (%zu, %u) at %.9f min only in the first table", what, i,
                         a->to[ka], a->minutes[ka]);
            if (ka == ea || b->to[kb] < a->to[ka])
                fail_msg("%s: pair (%zu, %u) at %.9f min only in the second table", what, i,
                         b->to[kb], b->minutes[kb]);
            if (!(fabs(a->minutes[ka] - b->minutes[kb]) <= tol * fmax(1, b->minutes[kb])))
                fail_msg("%s: pair (%zu, %u): %.17g vs %.17g min", what, i, a->to[ka],
                         a->minutes[ka], b->minutes[kb]);
            ka++;
            kb++;
        }
    }
    assert_int_equal(a->npairs, b->npairs);
}

static void test_crowfly_equals_allpairs(void **state)
{
    (void)state;
    cloud c = make_cloud(3000, 12345);
    const struct {
        mg_crowfly m;
        double max;
        bool mask;
    } cases[] = {
        {{MG_CROWFLY_DEFAULT_DETOUR, MG_CROWFLY_DEFAULT_SPEED, 0}, 20, false},
        {{MG_CROWFLY_DEFAULT_DETOUR, MG_CROWFLY_DEFAULT_SPEED, 0}, 20, true},
        {{1.0, 90, 0}, 45, true},
        {{1.3, 60, 0}, 60, false},
        {{1.3, 50, 3}, 33, false}, /* an access time per trip */
        {{2.0, 30, 0}, 0.5, false}, /* a tiny catchment: mostly own pairs */
        {{1.0, 200, 0}, 0.01, true}, /* cells of a few metres: millions of columns */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const uint8_t *inc = cases[k].mask ? c.include : NULL;
        mg_pairs grid, ref;
        mg_diag d;
        mg_diag_clear(&d);
        assert_int_equal(mg_pairs_crowfly(c.lat, c.lon, inc, c.n, &cases[k].m, cases[k].max,
                                          &grid, &d),
                         MG_OK);
        mg_diag_clear(&d);
        assert_int_equal(mg_pairs_crowfly_allpairs(c.lat, c.lon, inc, c.n, &cases[k].m,
                                                   cases[k].max, &ref, &d),
                         MG_OK);
        char what[64];
        snprintf(what, sizeof what, "case %zu (%g min)", k, cases[k].max);
        check_structure(&grid, &c, inc, cases[k].max);
        check_structure(&ref, &c, inc, cases[k].max);
        assert_same_table(&grid, &ref, 1e-12, what);
        /* Not trivially small: far more than the own pairs. */
        if (cases[k].max >= 20)
            assert_true(grid.npairs > c.n + 2000);
        /* Times are the definition: access + great-circle km × detour / speed. */
        for (size_t i = 0; i < c.n; i += 97)
            for (size_t q = ref.start[i]; q < ref.start[i + 1]; q++) {
                uint32_t j = ref.to[q];
                if (j == i)
                    continue;
                double t = cases[k].m.access_min +
                           mg_geo_distance_km(c.lat[i], c.lon[i], c.lat[j], c.lon[j]) *
                               cases[k].m.detour / cases[k].m.speed_kmh * 60;
                assert_true(fabs(ref.minutes[q] - t) <= 1e-9);
            }
        mg_pairs_free(&grid);
        mg_pairs_free(&ref);
        assert_null(grid.start);
        assert_int_equal(grid.npairs, 0);
    }
    free_cloud(&c);
}

static void test_crowfly_large_catchment(void **state)
{
    (void)state;
    /* With a long catchment the search radius spans several degrees, and a
     * degree of longitude along a parallel is longer than the great-circle
     * distance it subtends. Two points on the northern edge of France, 500
     * minutes apart at most, on either side of two cell boundaries of the
     * documented grid (cells as wide as the radius at the highest latitude
     * present), must still be paired, as the all-pairs reference pairs
     * them. */
    const mg_crowfly m = {MG_CROWFLY_DEFAULT_DETOUR, MG_CROWFLY_DEFAULT_SPEED, 0};
    const double max = 500, lat = 51.0;
    double radius_km = max / 60 * m.speed_kmh / m.detour;
    double km_per_deg = MG_EARTH_RADIUS_KM * PI / 180;
    double cell_lon = radius_km / (km_per_deg * cos(lat * PI / 180)) * 1.0001;
    /* The longitude gap whose great-circle distance is 0.9999 × radius. */
    double gap = 2 * asin(sin(0.9999 * radius_km / (2 * MG_EARTH_RADIUS_KM)) /
                          cos(lat * PI / 180)) * 180 / PI;
    assert_true(gap > cell_lon); /* the premise of the test */
    double boundary = floor((1.0 + 180) / cell_lon) * cell_lon - 180 + cell_lon;
    enum { K = 8 };
    double la[2 * K], lo[2 * K];
    for (int k = 0; k < K; k++) {
        /* West points just before a cell boundary, east points a gap away. */
        la[k] = la[K + k] = lat;
        lo[k] = boundary - (k + 1) * 1e-5 * cell_lon;
        lo[K + k] = lo[k] + gap;
    }
    mg_pairs grid, ref;
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_pairs_crowfly_allpairs(la, lo, NULL, 2 * K, &m, max, &ref, &d), MG_OK);
    /* Every west point reaches its own east point. */
    for (int k = 0; k < K; k++) {
        double t = mg_geo_distance_km(la[k], lo[k], la[K + k], lo[K + k]) * m.detour /
                   m.speed_kmh * 60;
        assert_true(t < max);
        bool found = false;
        for (size_t q = ref.start[k]; q < ref.start[k + 1]; q++)
            found |= ref.to[q] == (uint32_t)(K + k);
        assert_true(found);
    }
    mg_diag_clear(&d);
    assert_int_equal(mg_pairs_crowfly(la, lo, NULL, 2 * K, &m, max, &grid, &d), MG_OK);
    assert_same_table(&grid, &ref, 1e-9, "500-minute catchment at latitude 51");
    mg_pairs_free(&grid);
    mg_pairs_free(&ref);
}

static void test_crowfly_monotone_in_speed(void **state)
{
    (void)state;
    cloud c = make_cloud(1500, 777);
    const double speeds[] = {40, 60, 90};
    mg_pairs p[3];
    for (int s = 0; s < 3; s++) {
        mg_crowfly m = {1.3, speeds[s], 0};
        mg_diag d;
        mg_diag_clear(&d);
        assert_int_equal(mg_pairs_crowfly(c.lat, c.lon, NULL, c.n, &m, 30, &p[s], &d), MG_OK);
        check_structure(&p[s], &c, NULL, 30);
    }
    assert_true(p[0].npairs < p[1].npairs && p[1].npairs < p[2].npairs);
    /* Every pair at a lower speed exists at a higher one, in proportionally
     * less time. */
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < c.n; i++) {
            size_t kb = p[s + 1].start[i], eb = p[s + 1].start[i + 1];
            for (size_t k = p[s].start[i]; k < p[s].start[i + 1]; k++) {
                while (kb < eb && p[s + 1].to[kb] < p[s].to[k])
                    kb++;
                if (kb == eb || p[s + 1].to[kb] != p[s].to[k])
                    fail_msg("pair (%zu, %u) at %g km/h is lost at %g km/h", i, p[s].to[k],
                             speeds[s], speeds[s + 1]);
                double want = p[s].minutes[k] * speeds[s] / speeds[s + 1];
                assert_true(fabs(p[s + 1].minutes[kb] - want) <= 1e-9);
                assert_true(p[s + 1].minutes[kb] <= p[s].minutes[k]);
            }
        }
    }
    for (int s = 0; s < 3; s++)
        mg_pairs_free(&p[s]);
    free_cloud(&c);
}

static void test_crowfly_bad_settings(void **state)
{
    (void)state;
    const double lat[] = {43.2, 43.3}, lon[] = {2.3, 2.4};
    const struct {
        mg_crowfly m;
        double max;
    } bad[] = {
        {{0.5, 60, 0}, 20},  {{0.999, 60, 0}, 20}, {{NAN, 60, 0}, 20},  {{11, 60, 0}, 20},
        {{1.3, 0, 0}, 20},   {{1.3, -5, 0}, 20},   {{1.3, NAN, 0}, 20}, {{1.3, 201, 0}, 20},
        {{1.3, 60, 0}, 0},   {{1.3, 60, 0}, -1},   {{1.3, 60, 0}, NAN}, {{1.3, 60, 0}, 601},
        {{1.3, 60, 0}, INFINITY},
        /* an access time that is negative, not a number, or the whole catchment */
        {{1.3, 60, -1}, 20}, {{1.3, 60, NAN}, 20}, {{1.3, 60, 20}, 20},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        for (int which = 0; which < 2; which++) {
            mg_pairs p = {.n = 99, .npairs = 99};
            mg_diag d;
            mg_diag_clear(&d);
            int rc = which ? mg_pairs_crowfly_allpairs(lat, lon, NULL, 2, &bad[k].m, bad[k].max,
                                                       &p, &d)
                           : mg_pairs_crowfly(lat, lon, NULL, 2, &bad[k].m, bad[k].max, &p, &d);
            if (rc != MG_EINVAL)
                fail_msg("case %zu (%s): got %d, expected MG_EINVAL", k,
                         which ? "allpairs" : "grid", rc);
            assert_true(d.msg[0] != '\0');
            assert_null(p.start);
            assert_int_equal(p.npairs, 0);
        }
    }
    /* Edge values accepted. */
    const mg_crowfly ok[] = {{1, 200, 0}, {10, 0.001, 599}};
    for (size_t k = 0; k < 2; k++) {
        mg_pairs p;
        mg_diag d;
        mg_diag_clear(&d);
        assert_int_equal(mg_pairs_crowfly(lat, lon, NULL, 2, &ok[k], 600, &p, &d), MG_OK);
        mg_pairs_free(&p);
    }
    /* No point at all. */
    mg_pairs p;
    mg_diag d;
    mg_diag_clear(&d);
    const mg_crowfly m = {1.3, 60, 0};
    assert_int_equal(mg_pairs_crowfly(lat, lon, NULL, 0, &m, 20, &p, &d), MG_OK);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.npairs, 0);
    assert_int_equal(p.start[0], 0);
    mg_pairs_free(&p);
}

static void test_crowfly_two_points(void **state)
{
    (void)state;
    /* Carcassonne – Narbonne, ~54 km: 54 × 1.3 / 60 × 60 ≈ 70 minutes. */
    const double lat[] = {43.2130, 43.1840}, lon[] = {2.3491, 3.0036};
    const mg_crowfly m = {1.3, 60, 0};
    double km = mg_geo_distance_km(lat[0], lon[0], lat[1], lon[1]);
    double t = km * 1.3;
    assert_true(km > 50 && km < 56);
    mg_pairs p;
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_pairs_crowfly(lat, lon, NULL, 2, &m, 20, &p, &d), MG_OK);
    assert_int_equal(p.npairs, 2);
    mg_pairs_free(&p);
    assert_int_equal(mg_pairs_crowfly(lat, lon, NULL, 2, &m, 90, &p, &d), MG_OK);
    assert_int_equal(p.npairs, 4);
    const size_t start[] = {0, 2, 4};
    const uint32_t to[] = {0, 1, 0, 1};
    for (int k = 0; k < 3; k++)
        assert_int_equal(p.start[k], start[k]);
    for (int k = 0; k < 4; k++)
        assert_int_equal(p.to[k], to[k]);
    assert_true(p.minutes[0] == 0 && p.minutes[3] == 0);
    assert_true(fabs(p.minutes[1] - t) < 1e-9 && fabs(p.minutes[2] - t) < 1e-9);
    mg_pairs_free(&p);
}

/* --- Origin–destination CSV files. ------------------------------------ */

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
    write_tmp(p, sizeof p, "communes.json", communes_json);
    mg_territory *t = NULL;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_cog(&t, p, NULL, &rep, &d);
    if (rc != MG_OK)
        fail_msg("mg_import_cog: %d %s", rc, d.msg);
    mg_report_free(&rep);
    assert_int_equal(t->n, 4);
    return t;
}

static void test_read_csv(void **state)
{
    (void)state;
    mg_territory *t = load_territory();
    assert_int_equal(mg_territory_find(t, "11001"), 0);
    assert_int_equal(mg_territory_find(t, "11900"), 1);
    assert_int_equal(mg_territory_find(t, "11004"), 2);
    assert_int_equal(mg_territory_find(t, "2A004"), 3);
    char p[512];
    write_tmp(p, sizeof p, "matrix.csv",
              "from,to,minutes\n"
              "11001,11002,15\n"
              "11001,11002,12\n"
              "11001,11900,11.5\n"  /* a former code of 11002: shortest wins */
              "11002,11001,12\n"
              "99999,11001,5\n"     /* unknown origin */
              "11003,11004,7\n"     /* a delegated commune of 11003: itself */
              "11001,11003,25\n"    /* beyond the catchment */
              "11003,2A004,3\n"
              "2A004,12345,3\n");   /* unknown destination */
    mg_pairs pr;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_pairs_read_csv(t, p, 20, &pr, &rep, &d);
    if (rc != MG_OK)
        fail_msg("mg_pairs_read_csv: %d %s", rc, d.msg);
    assert_int_equal(pr.n, 4);
    const size_t start[] = {0, 2, 4, 6, 7};
    const uint32_t to[] = {0, 1, 0, 1, 2, 3, 3};
    const double minutes[] = {0, 11.5, 12, 0, 0, 3, 0};
    assert_int_equal(pr.npairs, 7);
    for (int k = 0; k < 5; k++)
        assert_int_equal(pr.start[k], start[k]);
    for (int k = 0; k < 7; k++) {
        assert_int_equal(pr.to[k], to[k]);
        if (pr.minutes[k] != minutes[k])
            fail_msg("pair %d: %.17g minutes, expected %g", k, pr.minutes[k], minutes[k]);
    }
    /* The unknown codes are reported. */
    assert_int_equal(rep.count, 2);
    bool seen1 = false, seen2 = false;
    for (size_t k = 0; k < rep.kept; k++) {
        seen1 |= strstr(rep.msg[k], "99999") != NULL;
        seen2 |= strstr(rep.msg[k], "12345") != NULL;
    }
    assert_true(seen1 && seen2);
    mg_report_free(&rep);
    mg_pairs_free(&pr);

    /* A smaller catchment keeps only what is within it. */
    mg_diag_clear(&d);
    assert_int_equal(mg_pairs_read_csv(t, p, 11, &pr, NULL, &d), MG_OK);
    assert_int_equal(pr.npairs, 5); /* (0,0) (1,1) (2,2) (2,3) (3,3) */
    mg_pairs_free(&pr);
    /* Columns in another order, quoted fields, CRLF. */
    write_tmp(p, sizeof p, "reordered.csv",
              "minutes,\"to\",from\r\n\"4,5\",11001,2A004\r\n6,2A004,11001\r\n");
    mg_diag_clear(&d);
    rc = mg_pairs_read_csv(t, p, 20, &pr, NULL, &d);
    if (rc != MG_OK)
        fail_msg("reordered: %d %s", rc, d.msg);
    assert_int_equal(pr.npairs, 6);
    assert_int_equal(pr.to[1], 3);
    assert_true(pr.minutes[1] == 6);
    assert_int_equal(pr.start[3], 4);
    assert_int_equal(pr.to[4], 0);
    assert_true(pr.minutes[4] == 4.5);
    mg_pairs_free(&pr);
    mg_territory_free(t);
}

/* The same table under the column names other tools write: IPEA's
 * accessibility and r5r before 1.0, r5r since (one column per percentile,
 * the median read), INSEE Metric (metric.osrm::metricOsrmTable). */
static void test_read_csv_aliases(void **state)
{
    (void)state;
    mg_territory *t = load_territory();
    char p[512];
    static const struct { const char *name, *text; } layouts[] = {
        {"ours.csv", "from,to,minutes\n11001,11900,11.5\n11003,2A004,3\n"},
        {"accessibility.csv", "from_id,to_id,travel_time\n11001,11900,11.5\n11003,2A004,3\n"},
        {"r5r.csv", "from_id,to_id,travel_time_p25,travel_time_p50,travel_time_p75\n"
                    "11001,11900,9,11.5,14\n11003,2A004,2,3,4\n"},
        {"metric.csv", "ID,idSrc,lonSrc,latSrc,idDst,lonDst,latDst,duree,distance\n"
                       "1,11001,2.1,43.1,11900,2.2,43.2,11.5,9.8\n"
                       "2,11003,2.3,43.3,2A004,8.7,41.9,3,2.1\n"},
    };
    for (size_t k = 0; k < sizeof layouts / sizeof *layouts; k++) {
        write_tmp(p, sizeof p, layouts[k].name, layouts[k].text);
        mg_pairs pr;
        mg_diag d;
        mg_diag_clear(&d);
        int rc = mg_pairs_read_csv(t, p, 20, &pr, NULL, &d);
        if (rc != MG_OK)
            fail_msg("%s: %d %s", layouts[k].name, rc, d.msg);
        /* (0,0) (0,1) (1,1) (2,2) (2,3) (3,3) */
        assert_int_equal(pr.npairs, 6);
        assert_int_equal(pr.to[1], 1);
        if (pr.minutes[1] != 11.5 || pr.minutes[4] != 3)
            fail_msg("%s: %g and %g minutes", layouts[k].name, pr.minutes[1], pr.minutes[4]);
        mg_pairs_free(&pr);
    }
    /* Nothing recognisable: what is accepted, and what the header has. */
    write_tmp(p, sizeof p, "osrm.csv", "source,destination,duration\n11001,11900,690\n");
    mg_pairs pr;
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_pairs_read_csv(t, p, 20, &pr, NULL, &d), MG_ENOTFOUND);
    assert_msg_has(d, "osrm.csv:1: no column of origins: expected \"from\" (or \"from_id\" as "
                      "IPEA's accessibility and r5r write it, or \"idSrc\" as INSEE Metric does) "
                      "in a `,`-separated header; the header has \"source\", \"destination\", "
                      "\"duration\"");
    write_tmp(p, sizeof p, "r5r_p75.csv", "from_id,to_id,travel_time_p75\n11001,11900,14\n");
    mg_diag_clear(&d);
    assert_int_equal(mg_pairs_read_csv(t, p, 20, &pr, NULL, &d), MG_ENOTFOUND);
    assert_msg_has(d, "r5r_p75.csv:1: no column of travel times in minutes: expected \"minutes\" "
                      "(or \"travel_time\" as accessibility and r5r before 1.0 write it, "
                      "\"travel_time_p50\" as r5r does since, or \"duree\" as INSEE Metric does)");
    write_tmp(p, sizeof p, "csv2.csv", "idSrc;idDst;duree\n11001;11900;11,5\n");
    mg_diag_clear(&d);
    assert_int_equal(mg_pairs_read_csv(t, p, 20, &pr, NULL, &d), MG_ENOTFOUND);
    assert_msg_has(d, "the file seems to be separated by `;` instead");
    /* A bad time names the column as written. */
    write_tmp(p, sizeof p, "metric_bad.csv", "idSrc,idDst,duree\n11001,11900,vite\n");
    mg_diag_clear(&d);
    assert_int_equal(mg_pairs_read_csv(t, p, 20, &pr, NULL, &d), MG_EPARSE);
    assert_msg_has(d, "metric_bad.csv:2:13: column \"duree\": expected a number");
    mg_territory_free(t);
}

static void test_read_csv_errors(void **state)
{
    (void)state;
    mg_territory *t = load_territory();
    char p[512];
    const struct {
        const char *name, *text, *where;
        int rc;
    } bad[] = {
        {"bad_minutes.csv", "from,to,minutes\n11001,11002,12\n11001,11003,abc\n",
         "bad_minutes.csv:3:", MG_EPARSE},
        {"negative.csv", "from,to,minutes\n11001,11002,12\n11001,11003,-4\n",
         "negative.csv:3:", MG_EPARSE},
        {"empty_minutes.csv", "from,to,minutes\n11001,11002,12\n11001,11003,\n",
         "empty_minutes.csv:3:", MG_EPARSE},
        {"inf.csv", "from,to,minutes\n11001,11002,inf\n", "inf.csv:2:", MG_EPARSE},
        {"fields.csv", "from,to,minutes\n11001,11002,12\n11001,11003\n", "fields.csv:3:",
         MG_EPARSE},
        {"nocol.csv", "origin,to,minutes\n11001,11002,12\n", "nocol.csv:1:", MG_ENOTFOUND},
        {"semicolon.csv", "from;to;minutes\n11001;11002;12\n", "semicolon.csv:1:",
         MG_ENOTFOUND},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        write_tmp(p, sizeof p, bad[k].name, bad[k].text);
        mg_pairs pr = {.n = 5};
        mg_diag d;
        mg_diag_clear(&d);
        int rc = mg_pairs_read_csv(t, p, 20, &pr, NULL, &d);
        if (rc != bad[k].rc)
            fail_msg("%s: got %d (%s), expected %d", bad[k].name, rc, d.msg, bad[k].rc);
        assert_msg_has(d, bad[k].where);
        assert_null(pr.start);
        assert_int_equal(pr.npairs, 0);
    }
    snprintf(p, sizeof p, "%s/missing.csv", tmpdir);
    mg_pairs pr;
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_pairs_read_csv(t, p, 20, &pr, NULL, &d), MG_ENOTFOUND);
    assert_msg_has(d, "missing.csv");
    mg_territory_free(t);
}

/* Last in the list: under the sanitizer build a failure here aborts the
 * whole program. */
static void test_read_csv_no_rows(void **state)
{
    (void)state;
    mg_territory *t = load_territory();
    char p[512];
    /* A header only, then rows that are all skipped: every commune still
     * gets its own pair and nothing else. */
    const char *const texts[] = {"from,to,minutes\r\n",
                                 "from,to,minutes\n99999,11001,3\n11001,11002,45\n"};
    for (size_t k = 0; k < 2; k++) {
        write_tmp(p, sizeof p, "norows.csv", texts[k]);
        mg_pairs pr;
        mg_diag d;
        mg_diag_clear(&d);
        int rc = mg_pairs_read_csv(t, p, 20, &pr, NULL, &d);
        if (rc != MG_OK)
            fail_msg("case %zu: %d %s", k, rc, d.msg);
        assert_int_equal(pr.npairs, 4);
        for (uint32_t i = 0; i < 4; i++) {
            assert_int_equal(pr.start[i], i);
            assert_int_equal(pr.to[i], i);
            assert_true(pr.minutes[i] == 0);
        }
        mg_pairs_free(&pr);
    }
    mg_territory_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crowfly_equals_allpairs),
        cmocka_unit_test(test_crowfly_large_catchment),
        cmocka_unit_test(test_crowfly_monotone_in_speed),
        cmocka_unit_test(test_crowfly_bad_settings),
        cmocka_unit_test(test_crowfly_two_points),
        cmocka_unit_test(test_read_csv),
        cmocka_unit_test(test_read_csv_aliases),
        cmocka_unit_test(test_read_csv_errors),
        cmocka_unit_test(test_read_csv_no_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
