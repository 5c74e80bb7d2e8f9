/*
 * Internal to src/routing: the raw road graph the OSM import produces, the
 * contraction step, the layout of the graph image (file) and a small binary
 * heap shared by every search.
 */
#ifndef MG_ROUTING_INTERNAL_H
#define MG_ROUTING_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/error.h"
#include "routing/routing.h"

#define MG_NO_NODE UINT32_MAX
/* Coordinates are stored as OSM does, in 1e-7 degrees. */
#define MG_COORD_SCALE 1e7
/* No arc may be longer than this (tenths of a second, ~19 days), so that a
 * bounded search (at most MG_MAX_MINUTES) never overflows 32 bits. */
#define MG_MAX_ARC_DS (1u << 24)

/* Edge flags in the image. */
enum { MG_EDGE_FWD = 1, MG_EDGE_BWD = 2, MG_EDGE_LCC = 4 };

/* The simplified road network before contraction: nodes are way ends and
 * nodes shared by several ways; an edge is the stretch of one way between
 * two such nodes, with its intermediate points as shape. */
typedef struct mg_rawgraph {
    uint32_t n, m, nshape;
    int32_t *lat, *lon;          /* n */
    uint32_t *eu, *ev, *ew;      /* m: ends and time in tenths of a second */
    uint8_t *edirs;              /* m: MG_EDGE_FWD | MG_EDGE_BWD */
    uint32_t *eshape;            /* m + 1 offsets into the shape arrays */
    int32_t *slat, *slon;        /* nshape */
    size_t osm_ways, osm_nodes;
} mg_rawgraph;

void mg_rawgraph_free(mg_rawgraph *r);

/* Reads the drivable network of an OSM file (routing/osm_import.c). */
int mg_osm_import(const char *path, int ferries, mg_route_progress_fn progress, void *pctx,
                  mg_rawgraph *out, mg_diag *d);

/* A contracted graph: rank of every node and the arcs each node keeps when
 * it is contracted (all towards higher ranks), in original node numbers. */
typedef struct mg_ch_result {
    uint32_t *rank;                     /* n */
    size_t nup, ndown, nshortcuts;
    uint32_t *up_tail, *up_head, *up_w; /* arc tail -> head, rank head > tail */
    uint32_t *dn_tail, *dn_head, *dn_w; /* arc head <- tail stored at `head`:
                                           the arc tail -> head, rank tail > head */
} mg_ch_result;

void mg_ch_result_free(mg_ch_result *c);

/* Contracts the graph given as directed arcs (routing/ch.c). */
int mg_ch_contract(uint32_t n, size_t m, const uint32_t *tail, const uint32_t *head,
                   const uint32_t *w, mg_route_progress_fn progress, void *pctx,
                   mg_ch_result *out, mg_diag *d);

/* The image: a fixed header followed by 8-byte aligned arrays in the order
 * of mg_graph's pointers below (routing/graph_file.c documents it). */
#define MG_GRAPH_MAGIC "MGGRAPH"
#define MG_GRAPH_VERSION 1u
#define MG_GRAPH_BYTE_ORDER 0x01020304u

typedef struct mg_graph_header {
    char magic[8];
    uint32_t version, byte_order;
    uint64_t payload_bytes;
    uint32_t crc32, header_bytes;
    uint32_t nodes, edges, up_arcs, down_arcs, fwd_arcs, shape_points;
    uint32_t grid_nx, grid_ny, grid_entries, lcc_nodes;
    int32_t grid_lat0, grid_lon0, grid_dlat, grid_dlon; /* 1e-7 degrees */
    uint32_t shortcuts, osm_ways, osm_nodes, reserved0;
    uint64_t reserved[3];
} mg_graph_header;

struct mg_graph {
    unsigned char *base; /* the image */
    size_t len;
    int mapped;          /* base is an mmap of len bytes, else malloc'd */
    const mg_graph_header *h;
    const int32_t *lat, *lon;                      /* nodes, in rank order */
    const uint32_t *up_first, *up_head, *up_w;      /* nodes + 1, up_arcs */
    const uint32_t *dn_first, *dn_head, *dn_w;      /* nodes + 1, down_arcs */
    const uint32_t *fw_first, *fw_head, *fw_w;      /* plain graph for Dijkstra */
    const uint32_t *eu, *ev, *ew, *eflags, *eshape; /* edges (eshape edges + 1) */
    const int32_t *slat, *slon;                     /* shape points */
    const uint32_t *grid_first, *grid_edge;         /* nx*ny + 1, entries */
};

/* Serialises a raw graph and its contraction into an image, then opens it
 * (routing/graph_file.c). */
int mg_graph_from_parts(const mg_rawgraph *r, const mg_ch_result *c, const uint8_t *edge_lcc,
                        uint32_t lcc_nodes, mg_graph **out, mg_diag *d);

/* The binary heap of the searches: (key, node) pairs, duplicates allowed,
 * stale entries skipped by the caller. */
typedef struct mg_heap {
    size_t len, cap;
    uint64_t *a; /* key << 32 | node: one comparison orders by key then node */
} mg_heap;

static inline int mg_heap_push(mg_heap *h, uint32_t key, uint32_t node)
{
    if (h->len == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 256;
        uint64_t *na = (uint64_t *)mg_realloc_array(h->a, nc, sizeof *h->a);
        if (!na)
            return MG_ENOMEM;
        h->a = na;
        h->cap = nc;
    }
    uint64_t x = (uint64_t)key << 32 | node;
    size_t i = h->len++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->a[p] <= x)
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = x;
    return 0;
}

static inline uint64_t mg_heap_pop(mg_heap *h)
{
    uint64_t top = h->a[0], x = h->a[--h->len];
    size_t i = 0, n = h->len;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && h->a[c + 1] < h->a[c])
            c++;
        if (x <= h->a[c])
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (n)
        h->a[i] = x;
    return top;
}

#endif
