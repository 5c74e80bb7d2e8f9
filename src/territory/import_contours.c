/*
 * Commune contours from a GeoJSON FeatureCollection (IGN Admin Express as
 * published by the france-geojson project): properties `code` and `nom`,
 * Polygon or MultiPolygon geometries in WGS84. Contours of communes merged
 * since their vintage are united under today's commune.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "geo/geo.h"
#include "io/jsonstream.h"
#include "territory/codemap.h"
#include "territory/territory.h"

/* Growable staging area: polygons in file order, tagged by commune. */
typedef struct staging {
    const char *path;
    mg_territory *t;
    mg_report *rep;
    size_t npoly, poly_cap, poly_ring_cap, nring, ring_cap, npt, pt_cap, lat_cap;
    int32_t *poly_commune;
    size_t *poly_first_ring; /* npoly + 1 when done */
    size_t *ring_first_pt;   /* nring + 1 when done */
    double *lon, *lat;
    uint8_t *has_shape;
} staging;

static int reserve(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return MG_OK;
    size_t ncap = *cap ? *cap : 256;
    while (ncap < need)
        ncap *= 2;
    void *np = mg_realloc_array(*p, ncap, size);
    if (!np)
        return MG_ENOMEM;
    *p = np;
    *cap = ncap;
    return MG_OK;
}

static int add_ring(staging *s, json_t *ring, unsigned long line, unsigned long col,
                    mg_diag *d)
{
    if (!json_is_array(ring) || json_array_size(ring) < 4)
        return mg_diag_set(d, MG_EPARSE, s->path, line, col,
                           "geometry: expected a linear ring (array of at least 4 positions)");
    size_t n = json_array_size(ring);
    if (s->npt + n > MG_MAX_POLYGON_POINTS)
        return mg_diag_set(d, MG_ELIMIT, s->path, line, col,
                           "more than %u contour points in the file", MG_MAX_POLYGON_POINTS);
    if (reserve((void **)&s->lon, &s->pt_cap, s->npt + n, sizeof *s->lon) ||
        reserve((void **)&s->lat, &s->lat_cap, s->npt + n, sizeof *s->lat) ||
        reserve((void **)&s->ring_first_pt, &s->ring_cap, s->nring + 2, sizeof *s->ring_first_pt))
        return MG_ENOMEM;
    s->ring_first_pt[s->nring++] = s->npt;
    size_t k;
    json_t *pos;
    json_array_foreach(ring, k, pos) {
        json_t *x = json_array_get(pos, 0), *y = json_array_get(pos, 1);
        if (!json_is_number(x) || !json_is_number(y))
            return mg_diag_set(d, MG_EPARSE, s->path, line, col,
                               "geometry: position %zu: expected [longitude, latitude]", k);
        double lo = json_number_value(x), la = json_number_value(y);
        if (!isfinite(lo) || !isfinite(la) || fabs(lo) > 180 || fabs(la) > 90)
            return mg_diag_set(d, MG_EPARSE, s->path, line, col,
                               "geometry: position %zu: [%g, %g] is not a WGS84 longitude/latitude",
                               k, lo, la);
        s->lon[s->npt] = lo;
        s->lat[s->npt] = la;
        s->npt++;
    }
    return MG_OK;
}

static int add_polygon(staging *s, int32_t commune, json_t *rings, unsigned long line,
                       unsigned long col, mg_diag *d)
{
    if (!json_is_array(rings) || json_array_size(rings) == 0)
        return mg_diag_set(d, MG_EPARSE, s->path, line, col,
                           "geometry: expected a polygon (array of rings)");
    if (reserve((void **)&s->poly_commune, &s->poly_cap, s->npoly + 1, sizeof *s->poly_commune) ||
        reserve((void **)&s->poly_first_ring, &s->poly_ring_cap, s->npoly + 2,
                sizeof *s->poly_first_ring))
        return MG_ENOMEM;
    s->poly_commune[s->npoly] = commune;
    s->poly_first_ring[s->npoly] = s->nring;
    s->npoly++;
    size_t k;
    json_t *ring;
    json_array_foreach(rings, k, ring) {
        int rc = add_ring(s, ring, line, col, d);
        if (rc)
            return rc;
    }
    return MG_OK;
}

static int on_feature(void *ctx, json_t *f, unsigned long line, unsigned long col,
                      mg_diag *d)
{
    staging *s = ctx;
    json_t *props = json_object_get(f, "properties");
    json_t *geom = json_object_get(f, "geometry");
    const char *code = json_string_value(json_object_get(props, "code"));
    if (!json_is_object(f) || !code)
        return mg_diag_set(d, MG_EPARSE, s->path, line, col,
                           "expected a Feature with a string property \"code\"");
    if (!mg_code_valid(code, strlen(code)))
        return mg_diag_set(d, MG_EPARSE, s->path, line, col,
                           "property \"code\": expected a 5-character commune code, found \"%.20s\"",
                           code);
    long ci = mg_territory_find(s->t, code);
    if (ci < 0) {
        mg_report_add(s->rep, "%s:%lu: contour of commune %s, a code that maps to no current commune; ignored",
                      s->path, line, code);
        return MG_OK;
    }
    const char *type = json_string_value(json_object_get(geom, "type"));
    json_t *coords = json_object_get(geom, "coordinates");
    if (!type || !coords)
        return mg_diag_set(d, MG_EPARSE, s->path, line, col,
                           "commune %s: expected a geometry with \"type\" and \"coordinates\"", code);
    int rc;
    if (strcmp(type, "Polygon") == 0) {
        rc = add_polygon(s, (int32_t)ci, coords, line, col, d);
    } else if (strcmp(type, "MultiPolygon") == 0) {
        if (!json_is_array(coords))
            return mg_diag_set(d, MG_EPARSE, s->path, line, col,
                               "commune %s: MultiPolygon: expected an array of polygons", code);
        size_t k;
        json_t *poly;
        rc = MG_OK;
        json_array_foreach(coords, k, poly) {
            if ((rc = add_polygon(s, (int32_t)ci, poly, line, col, d)))
                break;
        }
    } else {
        return mg_diag_set(d, MG_EPARSE, s->path, line, col,
                           "commune %s: geometry type \"%.20s\": expected Polygon or MultiPolygon",
                           code, type);
    }
    if (rc == MG_ENOMEM)
        return mg_diag_set(d, rc, s->path, line, col, "out of memory");
    if (!rc)
        s->has_shape[ci] = 1;
    return rc;
}

/* Reorders the staged polygons by commune into t->shapes (counting sort). */
static int commit(staging *s, bool set_points)
{
    mg_territory *t = s->t;
    mg_shapes sh = {0};
    sh.npoly = s->npoly;
    sh.nring = s->nring;
    sh.npt = s->npt;
    sh.commune_poly = mg_alloc_array(t->n + 1, sizeof *sh.commune_poly);
    sh.poly_ring = mg_alloc_array(s->npoly + 1, sizeof *sh.poly_ring);
    sh.ring_pt = mg_alloc_array(s->nring + 1, sizeof *sh.ring_pt);
    sh.lon = mg_alloc_array(s->npt, sizeof *sh.lon);
    sh.lat = mg_alloc_array(s->npt, sizeof *sh.lat);
    size_t *order = mg_alloc_array(s->npoly, sizeof *order);
    if (!sh.commune_poly || !sh.poly_ring || !sh.ring_pt || !sh.lon || !sh.lat || !order) {
        free(sh.commune_poly);
        free(sh.poly_ring);
        free(sh.ring_pt);
        free(sh.lon);
        free(sh.lat);
        free(order);
        return MG_ENOMEM;
    }
    s->poly_first_ring[s->npoly] = s->nring;
    s->ring_first_pt[s->nring] = s->npt;
    for (size_t p = 0; p < s->npoly; p++)
        sh.commune_poly[s->poly_commune[p] + 1]++;
    for (size_t i = 0; i < t->n; i++)
        sh.commune_poly[i + 1] += sh.commune_poly[i];
    size_t *fill = mg_alloc_array(t->n, sizeof *fill);
    if (!fill) {
        free(order);
        free(sh.commune_poly);
        free(sh.poly_ring);
        free(sh.ring_pt);
        free(sh.lon);
        free(sh.lat);
        return MG_ENOMEM;
    }
    for (size_t p = 0; p < s->npoly; p++) {
        size_t c = (size_t)s->poly_commune[p];
        order[sh.commune_poly[c] + fill[c]++] = p;
    }
    free(fill);
    size_t ring = 0, pt = 0;
    for (size_t q = 0; q < s->npoly; q++) {
        size_t p = order[q];
        sh.poly_ring[q] = ring;
        for (size_t r = s->poly_first_ring[p]; r < s->poly_first_ring[p + 1]; r++) {
            sh.ring_pt[ring++] = pt;
            size_t b = s->ring_first_pt[r], e = s->ring_first_pt[r + 1];
            memcpy(sh.lon + pt, s->lon + b, (e - b) * sizeof *sh.lon);
            memcpy(sh.lat + pt, s->lat + b, (e - b) * sizeof *sh.lat);
            pt += e - b;
        }
    }
    sh.poly_ring[s->npoly] = ring;
    sh.ring_pt[ring] = pt;
    free(order);

    free(t->shapes.commune_poly);
    free(t->shapes.poly_ring);
    free(t->shapes.ring_pt);
    free(t->shapes.lon);
    free(t->shapes.lat);
    t->shapes = sh;

    for (size_t i = 0; i < t->n; i++) {
        if (!s->has_shape[i])
            continue;
        t->in_study[i] = 1;
        if (!set_points && t->point_src[i] != MG_POINT_NONE)
            continue;
        /* The interior point of the commune's largest polygon. */
        double best = -1, lon = NAN, lat = NAN;
        for (size_t p = sh.commune_poly[i]; p < sh.commune_poly[i + 1]; p++) {
            mg_polygon_view v = {.nring = sh.poly_ring[p + 1] - sh.poly_ring[p],
                                 .ring_pt = sh.ring_pt + sh.poly_ring[p],
                                 .lon = sh.lon, .lat = sh.lat};
            double a = mg_geo_polygon_area(&v), x, y;
            if (a > best && mg_geo_polygon_interior_point(&v, &x, &y)) {
                best = a;
                lon = x;
                lat = y;
            }
        }
        if (best > 0) {
            t->lon[i] = lon;
            t->lat[i] = lat;
            t->point_src[i] = MG_POINT_CONTOUR;
        }
    }
    return MG_OK;
}

int mg_import_contours(mg_territory *t, const char *path, bool set_points,
                       mg_report *rep, mg_diag *d)
{
    staging s = {.path = path, .t = t, .rep = rep};
    mg_reader *r = NULL;
    int rc = MG_ENOMEM;
    s.has_shape = mg_alloc_array(t->n, sizeof *s.has_shape);
    if (!s.has_shape)
        goto done;
    if ((rc = mg_reader_open(&r, path, d)))
        goto done;
    if ((rc = mg_json_stream_array(r, "features", on_feature, &s, d)))
        goto done;
    if (s.npoly == 0) {
        rc = mg_diag_set(d, MG_EPARSE, path, 0, 0, "no commune contour found");
        goto done;
    }
    if ((rc = commit(&s, set_points)))
        mg_diag_set(d, rc, path, 0, 0, "out of memory");
done:
    mg_reader_close(r);
    free(s.poly_commune);
    free(s.poly_first_ring);
    free(s.ring_first_pt);
    free(s.lon);
    free(s.lat);
    free(s.has_shape);
    return rc;
}
