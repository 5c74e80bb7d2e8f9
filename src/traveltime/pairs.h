/**
 * @file pairs.h
 * Sparse travel-time tables: for every origin i, the destinations j reachable
 * within the largest catchment and the time t_ij in minutes, in compressed
 * sparse row form (rows sorted by destination). Every origin has the pair
 * (i, i) with time 0: the time within a commune is 0, INSEE Metric's
 * convention. Ownership: the table owns its arrays (mg_pairs_free).
 */
#ifndef MG_TRAVELTIME_PAIRS_H
#define MG_TRAVELTIME_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "territory/territory.h"

typedef struct mg_pairs {
    size_t n;       /* origins = destinations = communes of the territory */
    size_t npairs;
    size_t *start;  /* n + 1 offsets */
    uint32_t *to;   /* npairs destinations */
    double *minutes;
} mg_pairs;

void mg_pairs_free(mg_pairs *p);

/**
 * The crow-fly model: minutes = access + great-circle km × detour / speed
 * × 60 between two communes, 0 within one. The access time makes short
 * trips slower per kilometre than long ones (parking, town streets). The
 * shipped values come from `maillage calibrate` (docs/methodology.md).
 */
typedef struct mg_crowfly {
    double detour;     /* road distance / great-circle distance, >= 1 */
    double speed_kmh;  /* mean door-to-door car speed on the road distance */
    double access_min; /* minutes added to every trip between two communes, >= 0 */
} mg_crowfly;

#define MG_CROWFLY_DEFAULT_DETOUR 1.3
#define MG_CROWFLY_DEFAULT_SPEED 60.0

/**
 * Builds the table of pairs within `max_minutes` with a uniform grid index
 * over the points (cells as large as the search radius, so only the 3×3
 * neighbouring cells are looked at). Points with NaN coordinates get their
 * own pair only. `include` may be NULL (all points) or flag the points to
 * take part (others get no pair at all).
 */
int mg_pairs_crowfly(const double *lat, const double *lon, const uint8_t *include,
                     size_t n, const mg_crowfly *m, double max_minutes, mg_pairs *out,
                     mg_diag *d) MG_WARN_UNUSED;

/**
 * The same table computed by testing every pair of points (O(n²)); kept as
 * the reference the indexed build is checked and benchmarked against.
 */
int mg_pairs_crowfly_allpairs(const double *lat, const double *lon,
                              const uint8_t *include, size_t n, const mg_crowfly *m,
                              double max_minutes, mg_pairs *out, mg_diag *d) MG_WARN_UNUSED;

/**
 * Finds the origin, destination and time columns of an origin–destination
 * table's header under the names other tools write: `from`/`from_id`/
 * `idSrc`, `to`/`to_id`/`idDst`, `minutes`/`travel_time`/`travel_time_p50`/
 * `duree` (ours; IPEA's accessibility and r5r; INSEE Metric), the first
 * present of each list. idx receives their indices; MG_ENOTFOUND with a
 * message naming what is accepted and what the header has otherwise.
 */
struct mg_csv;
int mg_pairs_matrix_columns(const struct mg_csv *c, int idx[3], mg_diag *d) MG_WARN_UNUSED;

/**
 * Reads an origin–destination table (`,`-separated; columns found by
 * mg_pairs_matrix_columns; codes of any vintage, mapped through t) keeping pairs within
 * `max_minutes`. Codes that map to the same commune keep the shortest time;
 * unknown codes are reported and skipped; the (i, i) pair is added with
 * time 0 when absent. A bad row is an error naming line and column.
 */
int mg_pairs_read_csv(const mg_territory *t, const char *path, double max_minutes,
                      mg_pairs *out, mg_report *rep, mg_diag *d) MG_WARN_UNUSED;

#endif
