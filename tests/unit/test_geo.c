/*
 * Tests of geo/geo: the haversine distance against known distances and its
 * basic properties, and the polygon helpers (area, even-odd containment,
 * interior point) on hand-drawn shapes whose answers are computed by hand:
 * squares, a square with a hole, C- and U-shaped polygons whose centroid
 * lies outside, degenerate rings, and views whose rings do not start at
 * point 0 (as the contour importer builds them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "geo/geo.h"
#include "testutil.h"

#define PI 3.14159265358979323846

/* An independent great-circle distance (spherical law of cosines), fine for
 * points that are neither too close nor antipodal. */
static double cosine_law_km(double lat1, double lon1, double lat2, double lon2)
{
    double p1 = lat1 * PI / 180, p2 = lat2 * PI / 180, dl = (lon2 - lon1) * PI / 180;
    double c = sin(p1) * sin(p2) + cos(p1) * cos(p2) * cos(dl);
    if (c > 1)
        c = 1;
    if (c < -1)
        c = -1;
    return MG_EARTH_RADIUS_KM * acos(c);
}

static void test_distance_known(void **state)
{
    (void)state;
    /* Paris (Notre-Dame) – Marseille (Vieux-Port): 660.5 km great-circle. */
    double pm = mg_geo_distance_km(48.8566, 2.3522, 43.2965, 5.3698);
    assert_close(pm, 660.5, 1.0);
    assert_close(pm, cosine_law_km(48.8566, 2.3522, 43.2965, 5.3698), 1e-6);

    /* One degree of latitude: R·π/180. */
    assert_close(mg_geo_distance_km(45, 3, 46, 3), MG_EARTH_RADIUS_KM * PI / 180, 1e-9);
    /* A quarter of the equator and half a meridian. */
    assert_close(mg_geo_distance_km(0, 0, 0, 90), MG_EARTH_RADIUS_KM * PI / 2, 1e-9);
    assert_close(mg_geo_distance_km(90, 0, -90, 0), MG_EARTH_RADIUS_KM * PI, 1e-9);
    /* Antipodes on the equator (h rounds to 1 or just above). */
    assert_close(mg_geo_distance_km(0, -30, 0, 150), MG_EARTH_RADIUS_KM * PI, 1e-6);
    /* Across the antimeridian the short way round: 2 degrees of equator. */
    assert_close(mg_geo_distance_km(0, 179, 0, -179), MG_EARTH_RADIUS_KM * PI / 90, 1e-9);
    /* Ajaccio – Bastia (Corsica): 104.5 km. */
    assert_close(mg_geo_distance_km(41.9192, 8.7386, 42.6977, 9.4508), 104.5, 1.0);
    assert_close(mg_geo_distance_km(41.9192, 8.7386, 42.6977, 9.4508),
                 cosine_law_km(41.9192, 8.7386, 42.6977, 9.4508), 1e-6);
}

static void test_distance_properties(void **state)
{
    (void)state;
    assert_true(mg_geo_distance_km(43.2, 2.35, 43.2, 2.35) == 0.0);
    assert_true(mg_geo_distance_km(-12.8, 45.1, -12.8, 45.1) == 0.0);
    /* A metre is still a metre (no cancellation as with the cosine law). */
    double one_m_deg = 0.001 / (MG_EARTH_RADIUS_KM * PI / 180);
    assert_close(mg_geo_distance_km(43, 2, 43 + one_m_deg, 2), 0.001, 1e-12);

    uint32_t x = 2024;
    for (int k = 0; k < 200; k++) {
        double v[4];
        for (int c = 0; c < 4; c++) {
            x = x * 1664525u + 1013904223u;
            v[c] = (double)(x >> 8) / (double)(1u << 24);
        }
        double la1 = 41 + 10 * v[0], lo1 = -5 + 14 * v[1];
        double la2 = 41 + 10 * v[2], lo2 = -5 + 14 * v[3];
        double d12 = mg_geo_distance_km(la1, lo1, la2, lo2);
        double d21 = mg_geo_distance_km(la2, lo2, la1, lo1);
        assert_close(d12, d21, 1e-9);
        assert_true(d12 >= 0);
        /* At least the meridian distance between the two latitudes. */
        assert_true(d12 >= MG_EARTH_RADIUS_KM * fabs(la1 - la2) * PI / 180 - 1e-9);
        assert_close(d12, cosine_law_km(la1, lo1, la2, lo2), 1e-5);
        /* Triangle inequality through a third point. */
        double d13 = mg_geo_distance_km(la1, lo1, 46, 2), d32 = mg_geo_distance_km(46, 2, la2, lo2);
        assert_true(d12 <= d13 + d32 + 1e-9);
    }
}

/* A polygon view over points (lon[k], lat[k]) with ring offsets. */
static mg_polygon_view view(size_t nring, const size_t *ring_pt, const double *lon,
                            const double *lat)
{
    return (mg_polygon_view){.nring = nring, .ring_pt = ring_pt, .lon = lon, .lat = lat};
}

static void test_square_area(void **state)
{
    (void)state;
    /* Unit square on the equator: cos(0) = 1, area 1 whatever the winding
     * and whether the ring is closed. */
    const double lon_ccw[] = {0, 1, 1, 0}, lat_ccw[] = {0, 0, 1, 1};
    const double lon_cw[] = {0, 0, 1, 1, 0}, lat_cw[] = {0, 1, 1, 0, 0};
    const size_t r4[] = {0, 4}, r5[] = {0, 5};
    mg_polygon_view a = view(1, r4, lon_ccw, lat_ccw), b = view(1, r5, lon_cw, lat_cw);
    assert_close(mg_geo_polygon_area(&a), 1.0, 1e-15);
    assert_close(mg_geo_polygon_area(&b), 1.0, 1e-15);

    /* A 2 × 0.5 degree rectangle starting at latitude 60: the scale is the
     * cosine of the first point's latitude, cos 60° = 0.5. */
    const double lon_r[] = {3, 5, 5, 3}, lat_r[] = {60, 60, 60.5, 60.5};
    mg_polygon_view c = view(1, r4, lon_r, lat_r);
    assert_close(mg_geo_polygon_area(&c), 2 * 0.5 * cos(60 * PI / 180), 1e-12);

    /* Triangle (0,0) (4,0) (0,3): 6. */
    const double lon_t[] = {0, 4, 0}, lat_t[] = {0, 0, 3};
    const size_t r3[] = {0, 3};
    mg_polygon_view t = view(1, r3, lon_t, lat_t);
    assert_close(mg_geo_polygon_area(&t), 6.0, 1e-12);
}

static void test_square_contains_and_centroid(void **state)
{
    (void)state;
    const double lon[] = {0, 2, 2, 0, 0}, lat[] = {0, 0, 2, 2, 0};
    const size_t r[] = {0, 5};
    mg_polygon_view p = view(1, r, lon, lat);
    assert_true(mg_geo_polygon_contains(&p, 1, 1));
    assert_true(mg_geo_polygon_contains(&p, 0.01, 1.99));
    assert_false(mg_geo_polygon_contains(&p, 3, 1));
    assert_false(mg_geo_polygon_contains(&p, -0.01, 1));
    assert_false(mg_geo_polygon_contains(&p, 1, 2.5));
    assert_false(mg_geo_polygon_contains(&p, 1, -1));
    double x = NAN, y = NAN;
    assert_true(mg_geo_polygon_interior_point(&p, &x, &y));
    /* The centroid, inside, is the answer. */
    assert_close(x, 1.0, 1e-12);
    assert_close(y, 1.0, 1e-12);
}

static void test_square_with_hole(void **state)
{
    (void)state;
    /* Outer [0,4]², hole [1,2]² (wound either way). */
    const double lon[] = {0, 4, 4, 0, 1, 1, 2, 2}, lat[] = {0, 0, 4, 4, 1, 2, 2, 1};
    const size_t r[] = {0, 4, 8};
    mg_polygon_view p = view(2, r, lon, lat);
    assert_close(mg_geo_polygon_area(&p), 16.0 - 1.0, 1e-12);
    assert_true(mg_geo_polygon_contains(&p, 0.5, 0.5));
    assert_true(mg_geo_polygon_contains(&p, 3, 3));
    assert_false(mg_geo_polygon_contains(&p, 1.5, 1.5)); /* in the hole */
    assert_false(mg_geo_polygon_contains(&p, 5, 5));
    double x, y;
    assert_true(mg_geo_polygon_interior_point(&p, &x, &y));
    /* Centroid: (16·2 − 1·1.5) / 15 on both axes, outside the hole. */
    assert_close(x, (16.0 * 2 - 1.5) / 15, 1e-12);
    assert_close(y, (16.0 * 2 - 1.5) / 15, 1e-12);
    assert_true(mg_geo_polygon_contains(&p, x, y));

    /* Hole [1,3]² in the middle: the centroid (2,2) is in the hole. The
     * interior point must then be in the ring around it. */
    const double lon2[] = {0, 4, 4, 0, 1, 3, 3, 1}, lat2[] = {0, 0, 4, 4, 1, 1, 3, 3};
    mg_polygon_view q = view(2, r, lon2, lat2);
    assert_close(mg_geo_polygon_area(&q), 16.0 - 4.0, 1e-12);
    assert_false(mg_geo_polygon_contains(&q, 2, 2));
    assert_true(mg_geo_polygon_interior_point(&q, &x, &y));
    assert_true(mg_geo_polygon_contains(&q, x, y));
    bool in_outer = x > 0 && x < 4 && y > 0 && y < 4;
    bool in_hole = x >= 1 && x <= 3 && y >= 1 && y <= 3;
    assert_true(in_outer && !in_hole);

    /* Hole [0.5,8]×[1,9] in [0,10]²: area 100 − 60 = 40, centroid
     * ((500 − 60·4.25)/40, 5) = (6.125, 5), in the hole. The line y = 5
     * crosses the polygon on [0, 0.5] and [8, 10]: the widest is the second,
     * whose middle is (9, 5). */
    const double lon3[] = {0, 10, 10, 0, 0.5, 0.5, 8, 8}, lat3[] = {0, 0, 10, 10, 1, 9, 9, 1};
    mg_polygon_view h = view(2, r, lon3, lat3);
    assert_close(mg_geo_polygon_area(&h), 40.0, 1e-12);
    assert_false(mg_geo_polygon_contains(&h, 6.125, 5));
    assert_true(mg_geo_polygon_interior_point(&h, &x, &y));
    assert_close(x, 9.0, 1e-12);
    assert_close(y, 5.0, 1e-12);
}

/* True when (x, y) is strictly inside the C shape of test_c_shape, decided
 * from the shape's three rectangles rather than by ray casting. */
static bool in_c_shape(double x, double y)
{
    bool bottom = x > 0 && x < 3 && y > 0 && y < 1;
    bool back = x > 0 && x < 1 && y > 0 && y < 3;
    bool top = x > 0 && x < 3 && y > 2 && y < 3;
    return bottom || back || top;
}

static void test_c_shape(void **state)
{
    (void)state;
    /* [0,3]² without the notch [1,3]×[1,2]: area 7, centroid
     * ((9·1.5 − 2·2)/7, 1.5) = (1.357…, 1.5), in the notch. */
    const double lon[] = {0, 3, 3, 1, 1, 3, 3, 0}, lat[] = {0, 0, 1, 1, 2, 2, 3, 3};
    const size_t r[] = {0, 8};
    mg_polygon_view p = view(1, r, lon, lat);
    assert_close(mg_geo_polygon_area(&p), 7.0, 1e-12);
    assert_false(mg_geo_polygon_contains(&p, 9.5 / 7, 1.5));
    assert_true(mg_geo_polygon_contains(&p, 0.5, 1.5));
    assert_true(mg_geo_polygon_contains(&p, 2.5, 0.5));
    assert_true(mg_geo_polygon_contains(&p, 2.5, 2.5));
    double x = NAN, y = NAN;
    assert_true(mg_geo_polygon_interior_point(&p, &x, &y));
    if (!in_c_shape(x, y))
        fail_msg("interior point (%g, %g) is outside the C shape", x, y);
    assert_true(mg_geo_polygon_contains(&p, x, y));
    /* The horizontal through the centroid crosses the back of the C only. */
    assert_close(x, 0.5, 1e-12);
    assert_close(y, 1.5, 1e-12);

    /* The same C mirrored and wound clockwise, far from the origin. */
    double mlon[8], mlat[8];
    for (int k = 0; k < 8; k++) {
        mlon[k] = 10 - lon[7 - k] * 0.01;
        mlat[k] = 45 + lat[7 - k] * 0.01;
    }
    mg_polygon_view m = view(1, r, mlon, mlat);
    assert_true(mg_geo_polygon_interior_point(&m, &x, &y));
    if (!in_c_shape((10 - x) / 0.01, (y - 45) / 0.01))
        fail_msg("interior point (%.9g, %.9g) is outside the mirrored C", x, y);
}

static void test_u_shape_centroid_on_edge(void **state)
{
    (void)state;
    /* A U: bottom bar [0,8]×[0,1], arms [0,1]×[1,3] and [7,8]×[1,3]. Area
     * 8 + 2 + 2 = 12, centroid y = (8·0.5 + 2·2·2)/12 = 1, exactly on the
     * top edge of the bar between the arms; x = 4. */
    const double lon[] = {0, 8, 8, 7, 7, 1, 1, 0}, lat[] = {0, 0, 3, 3, 1, 1, 3, 3};
    const size_t r[] = {0, 8};
    mg_polygon_view p = view(1, r, lon, lat);
    assert_close(mg_geo_polygon_area(&p), 12.0, 1e-12);
    double x, y;
    assert_true(mg_geo_polygon_interior_point(&p, &x, &y));
    bool bar = x > 0 && x < 8 && y > 0 && y < 1;
    bool arms = ((x > 0 && x < 1) || (x > 7 && x < 8)) && y > 0 && y < 3;
    /* On the bar's top edge between the arms is not inside. */
    if (!(bar || arms))
        fail_msg("interior point (%g, %g) is not strictly inside the U", x, y);
}

static void test_offset_rings_and_degenerate(void **state)
{
    (void)state;
    /* Points 0..3 belong to another polygon; this one starts at point 4,
     * as in the territory's shapes where ring offsets are absolute. */
    const double lon[] = {50, 51, 51, 50, 0, 4, 4, 0, 1, 3, 3, 1},
                 lat[] = {50, 50, 51, 51, 0, 0, 4, 4, 1, 1, 3, 3};
    const size_t r[] = {4, 8, 12};
    mg_polygon_view p = view(2, r, lon, lat);
    assert_close(mg_geo_polygon_area(&p), 12.0, 1e-12);
    assert_false(mg_geo_polygon_contains(&p, 50.5, 50.5));
    double x, y;
    assert_true(mg_geo_polygon_interior_point(&p, &x, &y));
    assert_true(x > 0 && x < 4 && y > 0 && y < 4 && !(x >= 1 && x <= 3 && y >= 1 && y <= 3));

    /* Collinear points and a two-point ring have no area. */
    const double clon[] = {0, 1, 2, 3}, clat[] = {0, 1, 2, 3};
    const size_t cr[] = {0, 4}, tr[] = {0, 2};
    mg_polygon_view c = view(1, cr, clon, clat), t = view(1, tr, clon, clat);
    assert_close(mg_geo_polygon_area(&c), 0.0, 1e-15);
    assert_false(mg_geo_polygon_interior_point(&c, &x, &y));
    assert_close(mg_geo_polygon_area(&t), 0.0, 1e-15);
    assert_false(mg_geo_polygon_interior_point(&t, &x, &y));
    assert_false(mg_geo_polygon_contains(&c, 1, 1.5));
    /* No ring at all. */
    const size_t zr[] = {0};
    mg_polygon_view z = view(0, zr, clon, clat);
    assert_close(mg_geo_polygon_area(&z), 0.0, 0);
    assert_false(mg_geo_polygon_contains(&z, 0, 0));
    assert_false(mg_geo_polygon_interior_point(&z, &x, &y));
}

static void test_real_commune_shape(void **state)
{
    (void)state;
    /* Villegailhenc (11425), the first contour of the Aude demo file. */
    static const double pts[][2] = {
        {2.3401, 43.26054},  {2.33432, 43.26287}, {2.33315, 43.26386}, {2.33529, 43.26768},
        {2.33424, 43.27116}, {2.33615, 43.2721},  {2.33511, 43.27304}, {2.33358, 43.27584},
        {2.33159, 43.27804}, {2.33246, 43.28093}, {2.33227, 43.28259}, {2.33413, 43.28547},
        {2.33751, 43.28313}, {2.34841, 43.28322}, {2.34995, 43.28362}, {2.35198, 43.28123},
        {2.35507, 43.27588}, {2.36301, 43.27466}, {2.3619, 43.27062},  {2.36319, 43.26764},
        {2.36399, 43.26607}, {2.36435, 43.26255}, {2.3577, 43.26058},  {2.35574, 43.26143},
        {2.34718, 43.26292}, {2.34496, 43.26247}, {2.34287, 43.2608},  {2.3401, 43.26054}};
    enum { N = sizeof pts / sizeof *pts };
    double lon[N], lat[N];
    for (size_t k = 0; k < N; k++) {
        lon[k] = pts[k][0];
        lat[k] = pts[k][1];
    }
    const size_t r[] = {0, N};
    mg_polygon_view p = view(1, r, lon, lat);
    double a = mg_geo_polygon_area(&p);
    /* About 6.6 km² (INSEE): in square degrees × cos φ, divided by the
     * area of a square degree at the equator. */
    double km2 = a * pow(MG_EARTH_RADIUS_KM * PI / 180, 2);
    assert_true(km2 > 5.0 && km2 < 8.5);
    double x, y;
    assert_true(mg_geo_polygon_interior_point(&p, &x, &y));
    assert_true(mg_geo_polygon_contains(&p, x, y));
    assert_true(x > 2.331 && x < 2.365 && y > 43.26 && y < 43.286);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance_known),
        cmocka_unit_test(test_distance_properties),
        cmocka_unit_test(test_square_area),
        cmocka_unit_test(test_square_contains_and_centroid),
        cmocka_unit_test(test_square_with_hole),
        cmocka_unit_test(test_c_shape),
        cmocka_unit_test(test_u_shape_centroid_on_edge),
        cmocka_unit_test(test_offset_rings_and_degenerate),
        cmocka_unit_test(test_real_commune_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
