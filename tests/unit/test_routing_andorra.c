/*
 * Tests of src/routing on the real Andorra extract (data/osm/, © OpenStreetMap
 * contributors, ODbL): the bucket many-to-many table on contraction
 * hierarchies must equal, pair for pair and to the tenth of a second, the
 * plain bounded Dijkstra from every origin on the same graph, over a sample
 * of 310 points (known places and pseudo-random points); times between
 * known places must be plausible; the graph file must survive a write and a
 * reload unchanged and every kind of damage must be reported, not crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "routing/internal.h"
#include "routing/routing.h"

#define ANDORRA MG_SOURCE_DIR "/data/osm/andorra-2016-10-12.osm.pbf"

static mg_graph *g_graph;
static char g_path[256];

/* Town centres (OSM place nodes, rounded). */
static const struct {
    const char *name;
    double lat, lon;
} kPlaces[] = {
    {"Andorra la Vella", 42.5063, 1.5218}, {"Escaldes-Engordany", 42.5089, 1.5388},
    {"Encamp", 42.5345, 1.5803},           {"Canillo", 42.5676, 1.5976},
    {"Ordino", 42.5558, 1.5331},           {"La Massana", 42.5450, 1.5148},
    {"Sant Julià de Lòria", 42.4637, 1.4913}, {"Pas de la Casa", 42.5427, 1.7334},
    {"Soldeu", 42.5766, 1.6675},           {"Arinsal", 42.5726, 1.4843},
};
#define NPLACES 10
#define NSAMPLE 310

static int setup(void **state)
{
    (void)state;
    mg_diag d = {{0}};
    if (mg_route_build(ANDORRA, NULL, &g_graph, &d)) {
        fprintf(stderr, "%s\n", d.msg);
        return -1;
    }
    snprintf(g_path, sizeof g_path, "/tmp/mg-test-andorra-%ld.graph", (long)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mg_graph_close(g_graph);
    unlink(g_path);
    return 0;
}

static void sample(double *lat, double *lon)
{
    for (int i = 0; i < NPLACES; i++)
        lat[i] = kPlaces[i].lat, lon[i] = kPlaces[i].lon;
    uint64_t x = 88172645463325252ull; /* xorshift: the same points every run */
    for (int i = NPLACES; i < NSAMPLE; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        lat[i] = 42.43 + (double)(x % 100000) / 100000 * 0.22;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        lon[i] = 1.42 + (double)(x % 100000) / 100000 * 0.34;
    }
}

static void test_graph_figures(void **state)
{
    (void)state;
    mg_graph_info i;
    mg_graph_get_info(g_graph, &i);
    /* The 2016 extract: about two thousand drivable ways; nearly all of the
     * network is one strongly connected part. */
    assert_in_range(i.osm_ways, 1500, 2500);
    assert_in_range(i.nodes, 2000, 4000);
    assert_true(i.lcc_nodes * 100 > i.nodes * 95);
    assert_true(i.up_arcs > 0 && i.down_arcs > 0);
}

static void test_ch_equals_dijkstra(void **state)
{
    (void)state;
    double lat[NSAMPLE], lon[NSAMPLE];
    sample(lat, lon);
    mg_snap s[NSAMPLE];
    mg_diag d = {{0}};
    assert_int_equal(mg_graph_snap(g_graph, lat, lon, NSAMPLE, MG_ROUTE_MAX_SNAP_M,
                                   MG_ROUTE_SNAP_SPEED_KMH, s, &d), 0);
    int snapped = 0;
    for (int i = 0; i < NSAMPLE; i++)
        snapped += s[i].ok;
    assert_true(snapped > 250); /* some random points fall outside Andorra */
    for (int i = 0; i < NPLACES; i++)
        assert_true(s[i].ok && s[i].dist_m < 100);
    static const double bounds[] = {10, 45, 120};
    /* Each contraction-hierarchy method, on 2 threads and on 1, against
     * plain Dijkstra, pair by pair. */
    static const enum mg_route_method methods[] = {MG_ROUTE_CH, MG_ROUTE_CH_BUCKETS,
                                                   MG_ROUTE_CH_SWEEP};
    for (int b = 0; b < 3; b++) {
        mg_route_table dj;
        assert_int_equal(mg_route_table_compute(g_graph, s, NSAMPLE, s, NSAMPLE, bounds[b],
                                                MG_ROUTE_DIJKSTRA, 1, NULL, NULL, &dj, &d), 0);
        for (int m = 0; m < 3; m++) {
            for (int threads = 1; threads <= 2; threads++) {
                mg_route_table ch;
                assert_int_equal(mg_route_table_compute(g_graph, s, NSAMPLE, s, NSAMPLE,
                                                        bounds[b], methods[m], threads, NULL,
                                                        NULL, &ch, &d), 0);
                assert_int_equal(ch.npairs, dj.npairs);
                assert_memory_equal(ch.start, dj.start, (NSAMPLE + 1) * sizeof *ch.start);
                assert_memory_equal(ch.tgt, dj.tgt, dj.npairs * sizeof *ch.tgt);
                assert_memory_equal(ch.ds, dj.ds, dj.npairs * sizeof *ch.ds);
                mg_route_table_free(&ch);
            }
        }
        if (b == 2) /* two hours reach across the country: every snapped pair */
            assert_true(dj.npairs * 10 > (size_t)snapped * (size_t)snapped * 9);
        for (size_t k = 0; k < dj.npairs; k++)
            assert_true(dj.ds[k] <= bounds[b] * 600);
        mg_route_table_free(&dj);
    }
    /* Sources and targets apart (a rectangular table): the first 100
     * points to the others, by the sweep and by Dijkstra. */
    mg_route_table a, r;
    assert_int_equal(mg_route_table_compute(g_graph, s, 100, s + 100, NSAMPLE - 100, 30,
                                            MG_ROUTE_CH_SWEEP, 2, NULL, NULL, &a, &d), 0);
    assert_int_equal(mg_route_table_compute(g_graph, s, 100, s + 100, NSAMPLE - 100, 30,
                                            MG_ROUTE_DIJKSTRA, 2, NULL, NULL, &r, &d), 0);
    assert_true(r.npairs > 0);
    assert_int_equal(a.npairs, r.npairs);
    assert_memory_equal(a.start, r.start, 101 * sizeof *a.start);
    assert_memory_equal(a.tgt, r.tgt, r.npairs * sizeof *a.tgt);
    assert_memory_equal(a.ds, r.ds, r.npairs * sizeof *a.ds);
    mg_route_table_free(&a);
    mg_route_table_free(&r);
}

/* Distance in metres from (lat, lon) to edge e, every segment tried, on the
 * local plane at the point (the exhaustive reference of the grid search). */
static double edge_metres(const mg_graph *g, uint32_t e, double lat, double lon)
{
    const double k = 3.14159265358979323846 / 180.0, R = 6371008.8;
    double kx = R * k * cos(lat * k), ky = R * k, best = INFINITY;
    uint32_t ns = g->eshape[e + 1] - g->eshape[e];
    double pa = g->lat[g->eu[e]] / 1e7, po = g->lon[g->eu[e]] / 1e7;
    for (uint32_t q = 0; q <= ns; q++) {
        double qa = q < ns ? g->slat[g->eshape[e] + q] / 1e7 : g->lat[g->ev[e]] / 1e7;
        double qo = q < ns ? g->slon[g->eshape[e] + q] / 1e7 : g->lon[g->ev[e]] / 1e7;
        double ax = (po - lon) * kx, ay = (pa - lat) * ky;
        double vx = (qo - po) * kx, vy = (qa - pa) * ky, vv = vx * vx + vy * vy;
        double t = vv > 0 ? -(ax * vx + ay * vy) / vv : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double x = ax + t * vx, y = ay + t * vy;
        best = fmin(best, sqrt(x * x + y * y));
        pa = qa, po = qo;
    }
    return best;
}

/* The grid search stops as soon as nothing outside the cells it has searched
 * can be nearer: it must find the nearest snappable edge that trying every
 * edge finds, for points on the roads, between them and far from them. */
static void test_snap_equals_exhaustive(void **state)
{
    (void)state;
    enum { N = NSAMPLE + 600 };
    static double lat[N], lon[N];
    static mg_snap s[N];
    sample(lat, lon);
    const mg_graph *g = g_graph;
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (int i = NSAMPLE; i < N;) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t e = (uint32_t)(x % g->h->edges);
        if (!(g->eflags[e] & MG_EDGE_LCC))
            continue;
        double jitter = (double)(x >> 40 & 0xffff) / 65536.0 - 0.5; /* up to ~400 m */
        lat[i] = g->lat[g->eu[e]] / 1e7 + jitter * 0.007;
        lon[i] = g->lon[g->eu[e]] / 1e7 + jitter * ((x >> 20 & 1) ? 0.009 : -0.009);
        i++;
    }
    mg_diag d = {{0}};
    assert_int_equal(mg_graph_snap(g, lat, lon, N, MG_ROUTE_MAX_SNAP_M, MG_ROUTE_SNAP_SPEED_KMH,
                                   s, &d), 0);
    int snapped = 0;
    for (int i = 0; i < N; i++) {
        double best = INFINITY;
        for (uint32_t e = 0; e < g->h->edges; e++)
            if (g->eflags[e] & MG_EDGE_LCC)
                best = fmin(best, edge_metres(g, e, lat[i], lon[i]));
        if (best > MG_ROUTE_MAX_SNAP_M) {
            assert_false(s[i].ok);
            continue;
        }
        snapped++;
        assert_true(s[i].ok);
        assert_true(fabs(s[i].dist_m - best) < 1e-6);
        assert_true(fabs(edge_metres(g, s[i].edge, lat[i], lon[i]) - best) < 1e-6);
    }
    assert_true(snapped > N / 2);
}

static double minutes(const mg_route_table *t, size_t a, uint32_t b)
{
    for (size_t k = t->start[a]; k < t->start[a + 1]; k++)
        if (t->tgt[k] == b)
            return t->ds[k] / 600.0;
    return NAN;
}

static void test_known_times(void **state)
{
    (void)state;
    double lat[NPLACES], lon[NPLACES];
    for (int i = 0; i < NPLACES; i++)
        lat[i] = kPlaces[i].lat, lon[i] = kPlaces[i].lon;
    mg_snap s[NPLACES];
    mg_diag d = {{0}};
    mg_route_table t;
    assert_int_equal(mg_graph_snap(g_graph, lat, lon, NPLACES, MG_ROUTE_MAX_SNAP_M,
                                   MG_ROUTE_SNAP_SPEED_KMH, s, &d), 0);
    assert_int_equal(mg_route_table_compute(g_graph, s, NPLACES, s, NPLACES, 60, MG_ROUTE_CH, 2,
                                            NULL, NULL, &t, &d), 0);
    /* Ranges around what route planners give for these trips (the profile
     * drives somewhat faster than rush-hour traffic). */
    double alv_esc = minutes(&t, 0, 1), alv_pas = minutes(&t, 0, 7);
    double alv_stj = minutes(&t, 0, 6), can_enc = minutes(&t, 3, 2);
    assert_true(alv_esc > 1 && alv_esc < 6);
    assert_true(alv_pas > 25 && alv_pas < 45);
    assert_true(alv_stj > 4 && alv_stj < 15);
    assert_true(can_enc > 3 && can_enc < 10);
    /* The valley roads are two-way: there and back agree within a minute. */
    assert_true(fabs(minutes(&t, 7, 0) - alv_pas) < 1.5);
    /* Pas de la Casa is further than Soldeu on the same road. */
    assert_true(minutes(&t, 0, 8) < alv_pas);
    mg_route_table_free(&t);
}

static void test_file_roundtrip_and_damage(void **state)
{
    (void)state;
    mg_diag d = {{0}};
    assert_int_equal(mg_graph_write(g_graph, g_path, &d), 0);
    mg_graph *g2 = NULL;
    assert_int_equal(mg_graph_open(g_path, &g2, &d), 0);
    mg_graph_info a, b;
    mg_graph_get_info(g_graph, &a);
    mg_graph_get_info(g2, &b);
    assert_memory_equal(&a, &b, sizeof a);
    mg_graph_close(g2);

    FILE *f = fopen(g_path, "rb");
    assert_non_null(f);
    unsigned char *img = malloc(a.bytes);
    assert_int_equal(fread(img, 1, a.bytes, f), a.bytes);
    fclose(f);
    assert_int_equal(mg_graph_open_memory(img, a.bytes, 1, &g2, &d), 0);
    mg_graph_close(g2);

    static const struct {
        size_t off;
        const char *msg;
    } damage[] = {
        {0, "not a maillage road graph"},
        {8, "version"},
        {12, "byte order"},
        {4000, "checksum"},
    };
    for (size_t k = 0; k < sizeof damage / sizeof damage[0]; k++) {
        img[damage[k].off] ^= 0x5a;
        mg_diag_clear(&d);
        assert_int_equal(mg_graph_open_memory(img, a.bytes, 1, &g2, &d), MG_EPARSE);
        assert_null(g2);
        if (!strstr(d.msg, damage[k].msg))
            fail_msg("\"%s\" does not say \"%s\"", d.msg, damage[k].msg);
        img[damage[k].off] ^= 0x5a;
    }
    mg_diag_clear(&d);
    assert_int_equal(mg_graph_open_memory(img, a.bytes - 8, 1, &g2, &d), MG_EPARSE);
    assert_non_null(strstr(d.msg, "truncated"));
    /* Structural damage with a valid checksum is caught too (as the fuzz
     * target does it: checksum checks off). */
    memset(img + a.bytes - 16, 0xff, 16); /* the snapping grid's last entries */
    mg_diag_clear(&d);
    assert_int_equal(mg_graph_open_memory(img, a.bytes, 0, &g2, &d), MG_EPARSE);
    assert_non_null(strstr(d.msg, "corrupt graph file"));
    free(img);

    mg_diag_clear(&d);
    assert_int_equal(mg_graph_open("/nonexistent/x.graph", &g2, &d), MG_ENOTFOUND);
    assert_non_null(strstr(d.msg, "/nonexistent/x.graph"));
    mg_diag_clear(&d);
    assert_int_equal(mg_graph_write(g_graph, "/nonexistent/dir/x.graph", &d), MG_EIO);
    assert_non_null(strstr(d.msg, "/nonexistent/dir/x.graph"));
    mg_diag_clear(&d);
    assert_int_equal(mg_graph_open(ANDORRA, &g2, &d), MG_EPARSE);
    assert_non_null(strstr(d.msg, "not a maillage road graph"));
}

static void test_pairs_on_places(void **state)
{
    (void)state;
    double lat[NPLACES + 1], lon[NPLACES + 1];
    for (int i = 0; i < NPLACES; i++)
        lat[i] = kPlaces[i].lat, lon[i] = kPlaces[i].lon;
    lat[NPLACES] = 43.2130, lon[NPLACES] = 2.3491; /* Carcassonne: no road here */
    mg_pairs p;
    size_t un;
    mg_diag d = {{0}};
    assert_int_equal(mg_route_pairs(g_graph, lat, lon, NULL, NPLACES + 1, 20, &p, &un, &d), 0);
    assert_int_equal(un, 1);
    assert_int_equal(p.start[NPLACES + 1] - p.start[NPLACES], 1);
    for (size_t i = 0; i < p.n; i++) {
        int self = 0;
        for (size_t k = p.start[i]; k < p.start[i + 1]; k++) {
            if (k > p.start[i])
                assert_true(p.to[k] > p.to[k - 1]);
            if (p.to[k] == i) {
                self = 1;
                assert_true(p.minutes[k] == 0);
            } else {
                assert_true(p.minutes[k] > 0 && p.minutes[k] <= 20);
            }
        }
        assert_true(self);
    }
    mg_pairs_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_figures),
        cmocka_unit_test(test_ch_equals_dijkstra),
        cmocka_unit_test(test_snap_equals_exhaustive),
        cmocka_unit_test(test_known_times),
        cmocka_unit_test(test_file_roundtrip_and_damage),
        cmocka_unit_test(test_pairs_on_places),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
