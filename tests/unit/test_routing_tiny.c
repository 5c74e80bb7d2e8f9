/*
 * Tests of src/routing on a hand-made network (tests/data/routing/tiny.osm,
 * drawn in its header comment): what the car profile keeps (one-ways,
 * access=private, ferries on and off), the simplification of inner nodes,
 * the largest strongly connected part (a one-way spur with no way back, a
 * far component), snapping, and times computed by hand from the lengths and
 * the profile's speeds, by contraction hierarchies and by plain Dijkstra.
 * Also the profile's maxspeed and oneway rules on their own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "routing/profile.h"
#include "routing/routing.h"

#define TINY MG_TEST_DATA "/routing/tiny.osm"

/* Metres between two points (the formula of routing/osm_import.c, written
 * again here: the hand computation of the expected times). */
static double metres(double la1, double lo1, double la2, double lo2)
{
    const double k = 3.14159265358979323846 / 180.0;
    double dx = (lo2 - lo1) * k * cos((la1 + la2) / 2 * k), dy = (la2 - la1) * k;
    return 6371008.8 * sqrt(dx * dx + dy * dy);
}

/* Tenths of a second to drive `m` metres at `kmh`. */
static uint32_t ds(double m, double kmh)
{
    return (uint32_t)lround(m / (kmh / 3.6) * 10);
}

/* Point coordinates of the nodes A, C, D, L, G, F of tiny.osm. */
static const double kLat[] = {0, 0, 0.008, 0.012, 0.3, 0.008};
static const double kLon[] = {0, 0.010, 0.010, 0.020, 0.3, 0.020};
enum { A, C, D, L, G, F, NP };

/* Every method of mg_route_table_compute, the automatic choice included. */
static const enum mg_route_method kMethods[] = {MG_ROUTE_CH, MG_ROUTE_CH_BUCKETS,
                                                MG_ROUTE_CH_SWEEP, MG_ROUTE_DIJKSTRA};
#define NMETHODS 4

static uint32_t find(const mg_route_table *t, size_t s, uint32_t tgt)
{
    for (size_t k = t->start[s]; k < t->start[s + 1]; k++)
        if (t->tgt[k] == tgt)
            return t->ds[k];
    return UINT32_MAX;
}

static void table(const mg_graph *g, enum mg_route_method m, double max, mg_route_table *t,
                  mg_snap *s)
{
    mg_diag d = {{0}};
    assert_int_equal(mg_graph_snap(g, kLat, kLon, NP, MG_ROUTE_MAX_SNAP_M,
                                   MG_ROUTE_SNAP_SPEED_KMH, s, &d), 0);
    assert_int_equal(mg_route_table_compute(g, s, NP, s, NP, max, m, 2, NULL, NULL, t, &d), 0);
}

static void test_tiny_network(void **state)
{
    (void)state;
    mg_graph *g = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_route_build(TINY, NULL, &g, &d), 0);
    mg_graph_info info;
    mg_graph_get_info(g, &info);
    /* Ways kept: A-B-C, C->D, D-A, D->K, K-L, G-H (private and ferry out). */
    assert_int_equal(info.osm_ways, 6);
    /* B is simplified away: nodes A, C, D, K, L, G, H. */
    assert_int_equal(info.nodes, 7);
    assert_int_equal(info.edges, 6);
    assert_int_equal(info.shape_points, 1);
    /* Only the triangle A, C, D is strongly connected. */
    assert_int_equal(info.lcc_nodes, 3);

    uint32_t wAC = ds(metres(0, 0, 0, 0.005) + metres(0, 0.005, 0, 0.010), 30);
    uint32_t wCD = ds(metres(0, 0.010, 0.008, 0.010), 70);
    uint32_t wDA = ds(metres(0.008, 0.010, 0, 0), 60);
    mg_snap s[NP];
    for (int m = 0; m < NMETHODS; m++) {
        mg_route_table t;
        table(g, kMethods[m], 60, &t, s);
        assert_true(s[A].ok && s[C].ok && s[D].ok);
        assert_true(s[A].dist_m < 0.01 && s[C].dist_m < 0.01 && s[D].dist_m < 0.01);
        assert_int_equal(find(&t, A, C), wAC);
        /* C -> A: the one-way primary then the secondary beat the residential. */
        assert_int_equal(find(&t, C, A), wCD + wDA < wAC ? wCD + wDA : wAC);
        assert_int_equal(find(&t, C, D), wCD);
        /* D -> C: against the one-way, round by A. */
        assert_int_equal(find(&t, D, C), wDA + wAC);
        assert_int_equal(find(&t, A, D), wDA);
        /* L lies past a one-way spur with no way back: it is snapped onto the
         * connected part instead (C-D, ~1.2 km away) with its allowance. */
        assert_true(s[L].ok);
        assert_true(s[L].dist_m > 1100 && s[L].dist_m < 1300);
        assert_int_equal(s[L].allowance_ds, ds(s[L].dist_m, MG_ROUTE_SNAP_SPEED_KMH));
        assert_int_equal(find(&t, L, D) != UINT32_MAX, 1);
        /* G is 33 km from the connected part: not snapped, reaches nothing. */
        assert_false(s[G].ok);
        assert_int_equal(t.start[G + 1] - t.start[G], 0);
        assert_int_equal(find(&t, A, G), UINT32_MAX);
        /* F is only reached by the ferry, off by default: snapped on the road. */
        assert_true(s[F].dist_m > 1000);
        mg_route_table_free(&t);
        /* A bound below the time removes the pair. */
        table(g, kMethods[m], (wAC - 1) / 600.0, &t, s);
        assert_int_equal(find(&t, A, C), UINT32_MAX);
        assert_int_equal(find(&t, A, D), wDA);
        mg_route_table_free(&t);
    }
    mg_graph_close(g);

    /* Ferries on: the ferry D-F (10 km/h) joins the strongly connected part. */
    mg_route_build_opts o = {.ferries = 1};
    assert_int_equal(mg_route_build(TINY, &o, &g, &d), 0);
    mg_graph_get_info(g, &info);
    assert_int_equal(info.osm_ways, 7);
    assert_int_equal(info.lcc_nodes, 4);
    mg_route_table t;
    table(g, MG_ROUTE_CH, 60, &t, s);
    assert_true(s[F].dist_m < 0.01);
    assert_int_equal(find(&t, D, F), ds(metres(0.008, 0.010, 0.008, 0.020), 10));
    mg_route_table_free(&t);
    mg_graph_close(g);
}

/* Two points on the residential road A-C, among unsnapped targets: the way
 * from one to the other runs along the road between them, without passing
 * a node; every method must find it whatever the order of the targets
 * (a search over the targets sorted by edge once skipped it when unsnapped
 * targets sat in the middle of that order). */
static void test_same_edge(void **state)
{
    (void)state;
    mg_graph *g = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_route_build(TINY, NULL, &g, &d), 0);
    enum { P1, P2, U1, U2, U3, PC, N };
    const double lat[N] = {0.0001, 0.0001, 0.3, NAN, 0.31, 0};
    const double lon[N] = {0.003, 0.007, 0.3, NAN, 0.3, 0.010};
    mg_snap s[N];
    assert_int_equal(mg_graph_snap(g, lat, lon, N, MG_ROUTE_MAX_SNAP_M, MG_ROUTE_SNAP_SPEED_KMH,
                                   s, &d), 0);
    assert_true(s[P1].ok && s[P2].ok && s[PC].ok && s[P1].edge == s[P2].edge);
    assert_false(s[U1].ok || s[U2].ok || s[U3].ok);
    uint32_t wAC = ds(metres(0, 0, 0, 0.005) + metres(0, 0.005, 0, 0.010), 30);
    /* 0.004 degree of the 0.010 of the road (A-B-C is straight along the
     * equator), plus both allowances (about 11 m each). */
    uint32_t along = (uint32_t)lround((s[P2].frac - s[P1].frac) * wAC);
    assert_in_range(along, wAC * 4 / 10 - 2, wAC * 4 / 10 + 2);
    for (int m = 0; m < NMETHODS; m++) {
        mg_route_table t;
        assert_int_equal(mg_route_table_compute(g, s, N, s, N, 60, kMethods[m], 2, NULL, NULL,
                                                &t, &d), 0);
        assert_int_equal(find(&t, P1, P2), along + s[P1].allowance_ds + s[P2].allowance_ds);
        /* and back, the road being two-way */
        assert_int_equal(find(&t, P2, P1), along + s[P1].allowance_ds + s[P2].allowance_ds);
        assert_int_equal(find(&t, P1, P1), 2 * s[P1].allowance_ds);
        assert_true(find(&t, P1, P2) < find(&t, P1, PC));
        for (int u = U1; u <= U3; u++)
            assert_int_equal(t.start[u + 1] - t.start[u], 0);
        if (kMethods[m] == MG_ROUTE_CH)
            assert_true(t.method == MG_ROUTE_CH_BUCKETS || t.method == MG_ROUTE_CH_SWEEP);
        else
            assert_int_equal(t.method, kMethods[m]);
        mg_route_table_free(&t);
    }
    mg_route_table t;
    assert_int_equal(mg_route_table_compute(g, s, N, s, N, 60, (enum mg_route_method)7, 1, NULL,
                                            NULL, &t, &d), MG_EINVAL);
    mg_graph_close(g);
}

static void test_pairs_interface(void **state)
{
    (void)state;
    mg_graph *g = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_route_build(TINY, NULL, &g, &d), 0);
    double lat[] = {0, 0, NAN, 0.3, 0.008};
    double lon[] = {0, 0.010, NAN, 0.3, 0.010};
    uint8_t include[] = {1, 1, 1, 1, 0};
    mg_pairs p;
    size_t unsnapped;
    assert_int_equal(mg_route_pairs(g, lat, lon, include, 5, 60, &p, &unsnapped, &d), 0);
    assert_int_equal(p.n, 5);
    assert_int_equal(unsnapped, 1); /* the far point; NaN is not counted */
    /* Row 0: itself at 0 and point 1. */
    assert_int_equal(p.start[1] - p.start[0], 2);
    assert_int_equal(p.to[0], 0);
    assert_true(p.minutes[0] == 0);
    assert_int_equal(p.to[1], 1);
    uint32_t wAC = ds(metres(0, 0, 0, 0.005) + metres(0, 0.005, 0, 0.010), 30);
    assert_true(fabs(p.minutes[1] - wAC / 600.0) < 1e-12);
    /* NaN and unsnapped points: only themselves; excluded point: nothing. */
    assert_int_equal(p.start[3] - p.start[2], 1);
    assert_int_equal(p.to[p.start[2]], 2);
    assert_int_equal(p.start[4] - p.start[3], 1);
    assert_int_equal(p.start[5] - p.start[4], 0);
    mg_pairs_free(&p);
    mg_graph_close(g);
}

static void test_profile(void **state)
{
    (void)state;
    assert_true(mg_profile_maxspeed("50") == 50);
    assert_true(fabs(mg_profile_maxspeed("30 mph") - 48.28032) < 1e-9);
    assert_true(mg_profile_maxspeed("FR:urban") == 50);
    assert_true(mg_profile_maxspeed("FR:rural") == 80);
    assert_true(mg_profile_maxspeed("none") == 0);
    assert_true(mg_profile_maxspeed("fast") == 0);
    mg_way_profile p;
    mg_tag t1[] = {{"highway", "primary"}, {"maxspeed", "FR:urban"}};
    mg_profile_way(t1, 2, 0, &p);
    assert_true(p.speed_kmh == 50 && p.dirs == (MG_DIR_FWD | MG_DIR_BWD));
    mg_tag t2[] = {{"highway", "residential"}, {"oneway", "-1"}};
    mg_profile_way(t2, 2, 0, &p);
    assert_true(p.speed_kmh == 30 && p.dirs == MG_DIR_BWD);
    mg_tag t3[] = {{"highway", "tertiary"}, {"junction", "roundabout"}};
    mg_profile_way(t3, 2, 0, &p);
    assert_int_equal(p.dirs, MG_DIR_FWD);
    mg_tag t4[] = {{"highway", "motorway"}};
    mg_profile_way(t4, 1, 0, &p);
    assert_true(p.speed_kmh == 110 && p.dirs == MG_DIR_FWD);
    mg_tag t5[] = {{"highway", "residential"}, {"access", "no"}, {"motor_vehicle", "yes"}};
    mg_profile_way(t5, 3, 0, &p);
    assert_true(p.speed_kmh == 30); /* the more specific key wins */
    mg_tag t6[] = {{"highway", "service"}, {"motor_vehicle", "private"}};
    mg_profile_way(t6, 2, 0, &p);
    assert_true(p.speed_kmh == 0);
    mg_tag t7[] = {{"highway", "footway"}};
    mg_profile_way(t7, 1, 0, &p);
    assert_true(p.speed_kmh == 0);
    mg_tag t8[] = {{"route", "ferry"}};
    mg_profile_way(t8, 1, 0, &p);
    assert_true(p.speed_kmh == 0);
    mg_profile_way(t8, 1, 1, &p);
    assert_true(p.speed_kmh == MG_PROFILE_FERRY_KMH);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    mg_graph *g = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_route_build(MG_TEST_DATA "/routing/missing.osm.pbf", NULL, &g, &d),
                     MG_ENOTFOUND);
    assert_non_null(strstr(d.msg, "missing.osm.pbf"));
    assert_null(g);
    mg_diag_clear(&d);
    assert_int_equal(mg_route_build(MG_TEST_DATA "/routing/tiny.txt", NULL, &g, &d), MG_EINVAL);
    assert_non_null(strstr(d.msg, ".osm"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_network),
        cmocka_unit_test(test_same_edge),
        cmocka_unit_test(test_pairs_interface),
        cmocka_unit_test(test_profile),
        cmocka_unit_test(test_bad_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
