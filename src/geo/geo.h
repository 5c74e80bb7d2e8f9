/**
 * @file geo.h
 * Plane and sphere geometry on WGS84 longitudes/latitudes in degrees:
 * great-circle distance, and polygon helpers for commune contours (rings are
 * arrays of points, closed or not; the first ring of a polygon is its outer
 * boundary, the others holes).
 */
#ifndef MG_GEO_GEO_H
#define MG_GEO_GEO_H

#include <stdbool.h>
#include <stddef.h>

/** Mean Earth radius (IUGG), kilometres. */
#define MG_EARTH_RADIUS_KM 6371.0088

/** Great-circle (haversine) distance in kilometres. */
double mg_geo_distance_km(double lat1, double lon1, double lat2, double lon2);

/**
 * A polygon for the helpers below: `nring` rings, ring r spanning points
 * ring_pt[r] .. ring_pt[r+1]-1 of lon/lat.
 */
typedef struct mg_polygon_view {
    size_t nring;
    const size_t *ring_pt; /* nring + 1 offsets */
    const double *lon, *lat;
} mg_polygon_view;

/** Area in square degrees scaled by cos(latitude) (outer minus holes). */
double mg_geo_polygon_area(const mg_polygon_view *p);

/** Even-odd point-in-polygon test (holes excluded). */
bool mg_geo_polygon_contains(const mg_polygon_view *p, double lon, double lat);

/**
 * A point inside the polygon: its area centroid when that lies inside,
 * otherwise the middle of the widest interior stretch of the horizontal
 * line through the centroid (always inside for a valid polygon). Returns
 * false for a degenerate polygon (no area).
 */
bool mg_geo_polygon_interior_point(const mg_polygon_view *p, double *lon, double *lat);

#endif
