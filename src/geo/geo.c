#include "geo/geo.h"

#include <math.h>
#include <stdlib.h>

#define DEG2RAD (3.14159265358979323846 / 180.0)

double mg_geo_distance_km(double lat1, double lon1, double lat2, double lon2)
{
    double p1 = lat1 * DEG2RAD, p2 = lat2 * DEG2RAD;
    double dp = p2 - p1, dl = (lon2 - lon1) * DEG2RAD;
    double s1 = sin(dp / 2), s2 = sin(dl / 2);
    double h = s1 * s1 + cos(p1) * cos(p2) * s2 * s2;
    if (h > 1)
        h = 1;
    return 2 * MG_EARTH_RADIUS_KM * asin(sqrt(h));
}

/* Signed shoelace area and first moments of one ring, in (lon·cos φ0, lat). */
static void ring_moments(const mg_polygon_view *p, size_t r, double k, double *a,
                         double *cx, double *cy)
{
    size_t b = p->ring_pt[r], e = p->ring_pt[r + 1];
    *a = *cx = *cy = 0;
    if (e - b < 3)
        return;
    for (size_t i = b; i < e; i++) {
        size_t j = i + 1 < e ? i + 1 : b;
        double x0 = p->lon[i] * k, y0 = p->lat[i], x1 = p->lon[j] * k, y1 = p->lat[j];
        double cr = x0 * y1 - x1 * y0;
        *a += cr;
        *cx += (x0 + x1) * cr;
        *cy += (y0 + y1) * cr;
    }
    *a /= 2;
}

static double cos_ref(const mg_polygon_view *p)
{
    if (p->nring == 0 || p->ring_pt[1] == p->ring_pt[0])
        return 1;
    return cos(p->lat[p->ring_pt[0]] * DEG2RAD);
}

double mg_geo_polygon_area(const mg_polygon_view *p)
{
    double k = cos_ref(p), total = 0;
    for (size_t r = 0; r < p->nring; r++) {
        double a, cx, cy;
        ring_moments(p, r, k, &a, &cx, &cy);
        total += r == 0 ? fabs(a) : -fabs(a);
    }
    return total;
}

bool mg_geo_polygon_contains(const mg_polygon_view *p, double lon, double lat)
{
    bool in = false;
    for (size_t r = 0; r < p->nring; r++) {
        size_t b = p->ring_pt[r], e = p->ring_pt[r + 1];
        for (size_t i = b; i < e; i++) {
            size_t j = i + 1 < e ? i + 1 : b;
            double yi = p->lat[i], yj = p->lat[j];
            if ((yi > lat) != (yj > lat)) {
                double x = p->lon[i] + (lat - yi) / (yj - yi) * (p->lon[j] - p->lon[i]);
                if (lon < x)
                    in = !in;
            }
        }
    }
    return in;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

bool mg_geo_polygon_interior_point(const mg_polygon_view *p, double *lon, double *lat)
{
    double k = cos_ref(p), A = 0, CX = 0, CY = 0;
    for (size_t r = 0; r < p->nring; r++) {
        double a, cx, cy;
        ring_moments(p, r, k, &a, &cx, &cy);
        /* Orient the outer ring positively and holes negatively. */
        double s = (r == 0) == (a >= 0) ? 1 : -1;
        A += s * a;
        CX += s * cx;
        CY += s * cy;
    }
    if (!(fabs(A) > 0))
        return false;
    double x = CX / (6 * A) / k, y = CY / (6 * A);
    if (mg_geo_polygon_contains(p, x, y)) {
        *lon = x;
        *lat = y;
        return true;
    }
    /* The centroid of a crescent-shaped commune lies outside: cut the polygon
     * with the horizontal line through it and take the middle of the widest
     * inside stretch. Crossings alternate outside/inside (even-odd rule). */
    size_t npt = p->ring_pt[p->nring] - p->ring_pt[0], nx = 0;
    double *xs = malloc((npt + 1) * sizeof *xs);
    if (!xs)
        return false;
    for (size_t r = 0; r < p->nring; r++) {
        size_t b = p->ring_pt[r], e = p->ring_pt[r + 1];
        for (size_t i = b; i < e; i++) {
            size_t j = i + 1 < e ? i + 1 : b;
            double yi = p->lat[i], yj = p->lat[j];
            if ((yi > y) != (yj > y))
                xs[nx++] = p->lon[i] + (y - yi) / (yj - yi) * (p->lon[j] - p->lon[i]);
        }
    }
    qsort(xs, nx, sizeof *xs, cmp_double);
    double best = -1;
    for (size_t i = 0; i + 1 < nx; i += 2) {
        if (xs[i + 1] - xs[i] > best) {
            best = xs[i + 1] - xs[i];
            *lon = (xs[i] + xs[i + 1]) / 2;
            *lat = y;
        }
    }
    free(xs);
    return best > 0;
}
