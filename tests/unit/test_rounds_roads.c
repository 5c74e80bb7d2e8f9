/*
 * The rounds builder (rounds/build.h) with a road graph: a hand-made
 * network along the upper Aude valley (tests/data/rounds/aude_roads.osm,
 * drawn in its header) joins the points the demo diagnosis gives Pieusse,
 * Limoux, Alet-les-Bains and Couiza. The travel matrix among stops and
 * the base must equal the graph's own times by the routing module's
 * reference (plain Dijkstra, not the contraction hierarchies the builder
 * goes through), rounded up to whole minutes, and differ from the
 * crow-fly matrix (the one-way road makes Limoux -> Alet and Alet ->
 * Limoux differ; the model is symmetric); one road time is also checked
 * against the test's own length and the profile's speed. Reach follows
 * road times too. A point more than 5 km from any road (Quillan) is not
 * snapped: the builder gives it INT32_MAX to and from every other node
 * (build.h: "no road within a day"), a stop there reaches only its own
 * commune, and the heuristic never visits it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/limits.h"
#include "rounds/build.h"
#include "routing/routing.h"
#include "aude_fixture.h"

#define OSM MG_TEST_DATA "/rounds/aude_roads.osm"

/* Pieusse, Limoux, Alet-les-Bains, Couiza (on the roads), Quillan (off). */
static const char *const codes[] = {"11289", "11206", "11008", "11103", "11304"};
enum { PIEUSSE, LIMOUX, ALET, COUIZA, QUILLAN, NCODES };

static mg_graph *graph;

static int setup_all(void **state)
{
    if (setup(state) != 0)
        return -1;
    mg_diag d = {{0}};
    if (mg_route_build(OSM, NULL, &graph, &d) != 0) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    return 0;
}

static int teardown_all(void **state)
{
    mg_graph_close(graph);
    return teardown(state);
}

static mg_round_service service(void)
{
    mg_round_service s;
    memset(&s, 0, sizeof s);
    s.id = 1;
    snprintf(s.territory, sizeof s.territory, "communes:11289,11206,11008,11103,11304");
    snprintf(s.target_public, sizeof s.target_public, "all");
    s.reach_min = 10;
    s.cycle_weeks = 1;
    s.stop_min = 60;
    s.underserved_extra = 0.5;
    s.school_zone = 'C';
    return s;
}

/* Stops at the communes' points: codes[0..n). */
static void stops(mg_round_stop *st, size_t n)
{
    memset(st, 0, n * sizeof *st);
    for (size_t k = 0; k < n; k++) {
        long i = mg_territory_find(g->t, codes[k]);
        assert_true(i >= 0);
        st[k].id = 100 + (int64_t)k;
        st[k].service_id = 1;
        snprintf(st[k].name, sizeof st[k].name, "Centre-bourg");
        snprintf(st[k].commune_code, sizeof st[k].commune_code, "%s", codes[k]);
        st[k].lat = g->t->lat[i];
        st[k].lon = g->t->lon[i];
        st[k].active = true;
    }
}

/* The base: a little off the road, south-east of Limoux. */
static mg_round_vehicle vehicle(void)
{
    mg_round_vehicle v;
    memset(&v, 0, sizeof v);
    v.id = 7;
    v.service_id = 1;
    v.base_lat = 43.0470;
    v.base_lon = 2.2450;
    v.weekdays = 0x02;
    v.day_start = 480;
    v.day_end = 1080;
    v.max_drive = 0;
    v.active = true;
    return v;
}

/* The reference: tenths of a second from src[i] to tgt[j] by the routing
 * module's plain Dijkstra, UINT32_MAX where there is no road (or a point
 * is not snapped). Caller frees. */
static uint32_t *reference(const double *slat, const double *slon, size_t ns,
                           const double *tlat, const double *tlon, size_t nt)
{
    mg_diag d = {{0}};
    mg_snap *ss = calloc(ns, sizeof *ss), *ts = calloc(nt, sizeof *ts);
    uint32_t *out = malloc(ns * nt * sizeof *out);
    assert_non_null(ss);
    assert_non_null(ts);
    assert_non_null(out);
    assert_int_equal(mg_graph_snap(graph, slat, slon, ns, MG_ROUTE_MAX_SNAP_M,
                                   MG_ROUTE_SNAP_SPEED_KMH, ss, &d), 0);
    assert_int_equal(mg_graph_snap(graph, tlat, tlon, nt, MG_ROUTE_MAX_SNAP_M,
                                   MG_ROUTE_SNAP_SPEED_KMH, ts, &d), 0);
    mg_route_table t;
    if (mg_route_table_compute(graph, ss, ns, ts, nt, MG_MAX_MINUTES, MG_ROUTE_DIJKSTRA, 1, NULL,
                               NULL, &t, &d) != 0)
        fail_msg("table: %s", d.msg);
    for (size_t k = 0; k < ns * nt; k++)
        out[k] = UINT32_MAX;
    for (size_t i = 0; i < ns; i++)
        for (size_t k = t.start[i]; k < t.start[i + 1]; k++)
            out[i * nt + t.tgt[k]] = t.ds[k];
    mg_route_table_free(&t);
    free(ss);
    free(ts);
    return out;
}

/* Whole minutes rounded up from tenths of a second. */
static int32_t up(uint32_t ds)
{
    return ds == UINT32_MAX ? INT32_MAX : (int32_t)((ds + 599) / 600);
}

/* Metres along a straight segment (equirectangular, the test's own). */
static double metres(double la1, double lo1, double la2, double lo2)
{
    const double k = 3.14159265358979323846 / 180.0;
    double dx = (lo2 - lo1) * k * cos((la1 + la2) / 2 * k), dy = (la2 - la1) * k;
    return 6371008.8 * sqrt(dx * dx + dy * dy);
}

static bool reaches(const mg_rounds_problem *p, size_t stop, size_t unit)
{
    for (size_t c = p->cstart[stop]; c < p->cstart[stop + 1]; c++)
        if (p->cunit[c] == unit)
            return true;
    return false;
}

static void test_road_matrix(void **state)
{
    (void)state;
    enum { NS = 4 };
    mg_round_service s = service();
    mg_round_stop st[NS];
    stops(st, NS);
    mg_round_vehicle v = vehicle();
    mg_rounds_built b, cf;
    mg_diag d = {{0}};
    if (mg_rounds_build(&s, &v, 1, st, NS, g, NULL, graph, &b, &d) != 0)
        fail_msg("build: %s", d.msg);
    if (mg_rounds_build(&s, &v, 1, st, NS, g, NULL, NULL, &cf, &d) != 0)
        fail_msg("build: %s", d.msg);
    assert_true(b.road);
    assert_false(cf.road);
    const mg_rounds_problem *p = &b.p;
    size_t nn = mg_rounds_nnodes(p);
    assert_int_equal(nn, NS + 1);

    /* Nodes: the stops, then the base. */
    double la[NS + 1], lo[NS + 1];
    for (size_t k = 0; k < NS; k++) {
        la[k] = st[k].lat;
        lo[k] = st[k].lon;
    }
    la[NS] = v.base_lat;
    lo[NS] = v.base_lon;
    uint32_t *ref = reference(la, lo, nn, la, lo, nn);
    size_t differ = 0;
    for (size_t a = 0; a < nn; a++)
        for (size_t c = 0; c < nn; c++) {
            int32_t want = a == c ? 0 : up(ref[a * nn + c]);
            int32_t got = p->travel[a * nn + c];
            if (a != c)
                assert_true(want > 0 && want < 60);
            if (got != want)
                fail_msg("travel %zu -> %zu: %d, expected the road's %d", a, c, (int)got,
                         (int)want);
            differ += got != cf.p.travel[a * nn + c];
        }
    /* The road is one-way from Limoux to Alet; back by a winding lane. */
    assert_true(p->travel[ALET * nn + LIMOUX] > p->travel[LIMOUX * nn + ALET] + 5);
    assert_int_equal(cf.p.travel[ALET * nn + LIMOUX], cf.p.travel[LIMOUX * nn + ALET]);
    assert_true(p->travel[ALET * nn + LIMOUX] > cf.p.travel[ALET * nn + LIMOUX]);
    assert_true(differ >= nn);
    /* Alet -> Couiza: one straight tertiary road at 50 km/h, by hand. */
    double hand = metres(la[ALET], lo[ALET], la[COUIZA], lo[COUIZA]) / (50 / 3.6) * 10;
    assert_true(fabs((double)ref[ALET * nn + COUIZA] - hand) < 20);
    assert_int_equal(p->travel[ALET * nn + COUIZA], (int32_t)ceil(hand / 600));
    free(ref);

    /* Reach: a unit is reached from a stop when the road time from its
     * point to the stop is within 10 minutes, or the stop is in it.
     * Quillan has no road: no stop reaches it. */
    size_t nu = p->nunits;
    assert_int_equal(nu, NCODES);
    double *ula = malloc(nu * sizeof *ula), *ulo = malloc(nu * sizeof *ulo);
    assert_non_null(ula);
    assert_non_null(ulo);
    for (size_t u = 0; u < nu; u++) {
        ula[u] = g->t->lat[b.unit_commune[u]];
        ulo[u] = g->t->lon[b.unit_commune[u]];
    }
    uint32_t *ur = reference(ula, ulo, nu, la, lo, NS);
    size_t reached = 0, unreached = 0;
    for (size_t j = 0; j < NS; j++)
        for (size_t u = 0; u < nu; u++) {
            bool same = strcmp(g->t->code[b.unit_commune[u]], codes[j]) == 0;
            uint32_t x = ur[u * NS + j];
            bool want = same || (x != UINT32_MAX && x <= (uint32_t)s.reach_min * 600);
            if (reaches(p, j, u) != want)
                fail_msg("stop %zu, unit %s: reached %d, expected %d", j,
                         g->t->code[b.unit_commune[u]], !want, want);
            reached += want && !same;
            unreached += !want;
            if (strcmp(g->t->code[b.unit_commune[u]], codes[QUILLAN]) == 0)
                assert_false(want);
        }
    assert_true(reached >= 1 && unreached >= 1);
    free(ur);
    free(ula);
    free(ulo);
    mg_rounds_built_free(&b);
    mg_rounds_built_free(&cf);
}

static void test_far_point(void **state)
{
    (void)state;
    enum { NS = 5 };
    mg_round_service s = service();
    mg_round_stop st[NS];
    stops(st, NS);
    mg_round_vehicle v = vehicle();
    mg_rounds_built b;
    mg_diag d = {{0}};
    if (mg_rounds_build(&s, &v, 1, st, NS, g, NULL, graph, &b, &d) != 0)
        fail_msg("build with a stop off the roads: %s", d.msg);
    const mg_rounds_problem *p = &b.p;
    size_t nn = mg_rounds_nnodes(p);
    /* Quillan is more than 5 km from any road: not snapped. */
    mg_snap sn;
    assert_int_equal(mg_graph_snap(graph, &st[QUILLAN].lat, &st[QUILLAN].lon, 1,
                                   MG_ROUTE_MAX_SNAP_M, MG_ROUTE_SNAP_SPEED_KMH, &sn, &d), 0);
    assert_false(sn.ok);
    for (size_t a = 0; a < nn; a++) {
        if (a == QUILLAN) {
            assert_int_equal(p->travel[a * nn + a], 0);
            continue;
        }
        assert_int_equal(p->travel[QUILLAN * nn + a], INT32_MAX);
        assert_int_equal(p->travel[a * nn + QUILLAN], INT32_MAX);
        for (size_t c = 0; c < nn; c++)
            if (c != QUILLAN && c != a)
                assert_true(p->travel[a * nn + c] < 60);
    }
    /* Its stop reaches its own commune only; the heuristic leaves it out. */
    for (size_t u = 0; u < p->nunits; u++)
        assert_int_equal(reaches(p, QUILLAN, u),
                         strcmp(g->t->code[b.unit_commune[u]], codes[QUILLAN]) == 0);
    mg_rounds_heuristic_opts o = {.time_limit = 0.2, .seed = 1};
    mg_rounds_solution h;
    assert_int_equal(mg_rounds_heuristic(p, &o, &h, &d), 0);
    assert_int_equal(mg_rounds_check(p, &h, &d), 0);
    size_t visits = 0;
    for (size_t r = 0; r < h.nroutes; r++)
        for (size_t i = 0; i < h.routes[r].n; i++) {
            assert_int_not_equal(h.routes[r].visits[i].stop, QUILLAN);
            visits++;
        }
    assert_true(visits >= 2);
    mg_rounds_solution_free(&h);
    mg_rounds_built_free(&b);

    /* A base off the roads: built, but no stop can be reached from it. */
    v.base_lat = st[QUILLAN].lat;
    v.base_lon = st[QUILLAN].lon;
    if (mg_rounds_build(&s, &v, 1, st, NS - 1, g, NULL, graph, &b, &d) != 0)
        fail_msg("build with a base off the roads: %s", d.msg);
    nn = mg_rounds_nnodes(&b.p);
    for (size_t a = 0; a + 1 < nn; a++) {
        assert_int_equal(b.p.travel[a * nn + nn - 1], INT32_MAX);
        assert_int_equal(b.p.travel[(nn - 1) * nn + a], INT32_MAX);
    }
    assert_int_equal(mg_rounds_heuristic(&b.p, &o, &h, &d), 0);
    for (size_t r = 0; r < h.nroutes; r++)
        assert_int_equal(h.routes[r].n, 0);
    mg_rounds_solution_free(&h);
    mg_rounds_built_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_road_matrix),
        cmocka_unit_test(test_far_point),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
