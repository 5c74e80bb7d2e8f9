/**
 * @file routing.h
 * Road travel times by car from OpenStreetMap (docs/routing.md).
 *
 * A road graph is built once from an OSM extract (.osm.pbf or .osm XML)
 * with the car profile of routing/profile.h, contracted (contraction
 * hierarchies) and written as one compact file; later runs map that file
 * and answer bounded many-to-many tables in milliseconds. Points are snapped
 * to the nearest road of the largest strongly connected part of the network;
 * the snapping distance is reported and costs an allowance in time.
 *
 * Ownership: an mg_graph owns its memory (the mapping or the in-memory image)
 * and is released with mg_graph_close. Tables and snaps are caller-owned
 * arrays or freed with their own _free function.
 */
#ifndef MG_ROUTING_ROUTING_H
#define MG_ROUTING_ROUTING_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "traveltime/pairs.h"

/** Progress: a step name and a fraction in [0, 1] (negative: unknown). */
typedef void (*mg_route_progress_fn)(void *ctx, const char *step, double fraction);

/** Default allowance speed for the snapping distance (walking or driving off
 * the mapped network, docs/routing.md). */
#define MG_ROUTE_SNAP_SPEED_KMH 15.0
/** Points further than this from any usable road are not snapped. */
#define MG_ROUTE_MAX_SNAP_M 5000.0

typedef struct mg_route_build_opts {
    int ferries;               /* 1: route=ferry ways are usable (off by default) */
    mg_route_progress_fn progress;
    void *pctx;
} mg_route_build_opts;

typedef struct mg_graph mg_graph;

/** Figures of a graph (for messages and the bench). */
typedef struct mg_graph_info {
    size_t nodes, edges, up_arcs, down_arcs, shortcuts, shape_points;
    size_t bytes;                 /* size of the image (file) */
    size_t lcc_nodes;             /* nodes of the largest strongly connected part */
    size_t osm_ways, osm_nodes;   /* drivable ways kept, OSM nodes they use */
} mg_graph_info;

/**
 * Reads an OSM extract (two streaming passes), keeps the drivable network,
 * simplifies and contracts it, and returns the graph in memory. The path must
 * end in .osm.pbf/.pbf or .osm (readosm's rule). Errors name the file.
 */
int mg_route_build(const char *osm_path, const mg_route_build_opts *o, mg_graph **out,
                   mg_diag *d) MG_WARN_UNUSED;

/**
 * Writes the graph to `path` atomically (temporary file in the same folder,
 * fsync, rename); an interruption (SIGINT, SIGTERM) during the write removes
 * the temporary file, so no half-written graph is ever left under `path`.
 */
int mg_graph_write(const mg_graph *g, const char *path, mg_diag *d) MG_WARN_UNUSED;

/**
 * Maps a graph file and checks it completely (magic, version, byte order,
 * sizes, CRC-32 of the payload, every index and offset) before use; a
 * corrupt, truncated or foreign file is an error naming the file and fault.
 */
int mg_graph_open(const char *path, mg_graph **out, mg_diag *d) MG_WARN_UNUSED;

/**
 * The same checks on an image in memory (copied). `check_crc` 0 skips the
 * checksum only, so that the fuzz target reaches the structural checks.
 */
int mg_graph_open_memory(const void *data, size_t len, int check_crc, mg_graph **out,
                         mg_diag *d) MG_WARN_UNUSED;

void mg_graph_close(mg_graph *g);
void mg_graph_get_info(const mg_graph *g, mg_graph_info *out);

/** A point snapped to the road network. */
typedef struct mg_snap {
    int ok;            /* 0: not snapped (NaN, or further than the limit) */
    uint32_t edge;     /* the edge snapped on */
    double frac;       /* position along the edge, 0 at its first node */
    double dist_m;     /* snapping distance in metres */
    double lat, lon;   /* the snapped position */
    /* Seeds of the searches (tenths of a second): reach node out_node[k]
     * after out_ds[k] leaving the point; leave node in_node[k] and reach the
     * point in_ds[k] later. UINT32_MAX node: no seed. */
    uint32_t out_node[2], out_ds[2];
    uint32_t in_node[2], in_ds[2];
    uint32_t allowance_ds; /* dist_m at the snapping speed */
} mg_snap;

/**
 * Snaps n points (degrees WGS84; NaN: not snapped) to the nearest point of an
 * edge of the largest strongly connected part, within max_m metres, with a
 * grid index. The allowance is dist_m at speed_kmh.
 */
int mg_graph_snap(const mg_graph *g, const double *lat, const double *lon, size_t n,
                  double max_m, double speed_kmh, mg_snap *out, mg_diag *d) MG_WARN_UNUSED;

/** A sparse many-to-many table: row s lists targets (ascending) and times. */
typedef struct mg_route_table {
    size_t nsrc, ntgt, npairs;
    size_t *start;      /* nsrc + 1 */
    uint32_t *tgt;
    uint32_t *ds;       /* tenths of a second, allowances included */
    int method;         /* the method that computed it (MG_ROUTE_CH is resolved
                           to MG_ROUTE_CH_BUCKETS or MG_ROUTE_CH_SWEEP) */
} mg_route_table;

void mg_route_table_free(mg_route_table *t);

enum mg_route_method {
    MG_ROUTE_CH = 0,         /* contraction hierarchies: buckets or sweep, whichever
                                the table's shape makes cheaper (estimated) */
    MG_ROUTE_DIJKSTRA = 1,   /* plain bounded Dijkstra from each origin (reference) */
    MG_ROUTE_CH_BUCKETS = 2, /* bucket many-to-many (sparse tables: large networks) */
    MG_ROUTE_CH_SWEEP = 3,   /* restricted PHAST sweeps, 16 sources at a time
                                (dense tables: most targets within reach) */
};

/** The method's name as the command line spells it ("ch", "dijkstra",
 * "buckets", "sweep"). */
const char *mg_route_method_name(enum mg_route_method m);

/**
 * Times from every source to every target within max_minutes (allowances
 * included), with `threads` worker threads (1 or 2 typically). Unsnapped
 * points reach nothing. Every method returns the identical table.
 */
int mg_route_table_compute(const mg_graph *g, const mg_snap *src, size_t nsrc,
                           const mg_snap *tgt, size_t ntgt, double max_minutes,
                           enum mg_route_method method, int threads,
                           mg_route_progress_fn progress, void *pctx, mg_route_table *out,
                           mg_diag *d) MG_WARN_UNUSED;

/**
 * The travel-time interface of the engine: snaps the points (as in
 * mg_pairs_crowfly, points flagged out by `include` get no pair at all;
 * points with NaN coordinates or too far from any road get only their own) and builds the table within max_minutes,
 * (i, i) = 0 for every origin. `unsnapped` (may be NULL) receives the count
 * of points with coordinates that could not be snapped.
 */
int mg_route_pairs(const mg_graph *g, const double *lat, const double *lon,
                   const uint8_t *include, size_t n, double max_minutes, mg_pairs *out,
                   size_t *unsnapped, mg_diag *d) MG_WARN_UNUSED;

#endif
