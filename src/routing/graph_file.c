/*
 * The graph file: one image that is written as is and mapped as is.
 *
 *   header (mg_graph_header, 128 bytes): magic "MGGRAPH\0", version, a
 *   byte-order mark, payload size, CRC-32 (zlib) of the payload, counts;
 *   payload: 20 arrays of 4-byte integers, each starting on an 8-byte
 *   boundary, in the order of struct mg_graph (nodes in contraction order,
 *   upward arcs, downward arcs, the plain graph, edges, shape, snap grid).
 *
 * Loading checks everything before anything is used — a corrupt or foreign
 * file must give an error, never a crash or a wrong time — and the fuzz
 * target fuzz/fuzz_graph_file.c holds that promise.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/alloc.h"
#include "routing/internal.h"

#define NSEC 20
/* Shortcut weights are sums of edge weights: far below this bound, which
 * keeps every bounded search inside 32 bits. */
#define MAX_ARC_W (1u << 30)
#define MAX_GRID_CELLS (1u << 24)
/* Cells are at least 0.002 degree when built; 0.001 here bounds the rings a
 * snap may visit (max 100 km / ~100 m), whatever a file says. */
#define MIN_GRID_CELL 10000

_Static_assert(sizeof(mg_graph_header) == 128, "header layout is part of the file format");

/* Element counts of the sections, from the header (u64: no overflow). */
static void section_counts(const mg_graph_header *h, uint64_t cnt[NSEC])
{
    uint64_t n = h->nodes, e = h->edges;
    uint64_t c[NSEC] = {n,         n,           n + 1,          h->up_arcs, h->up_arcs,
                        n + 1,     h->down_arcs, h->down_arcs,  n + 1,      h->fwd_arcs,
                        h->fwd_arcs, e,          e,              e,          e,
                        e + 1,     h->shape_points, h->shape_points,
                        (uint64_t)h->grid_nx * h->grid_ny + 1, h->grid_entries};
    memcpy(cnt, c, sizeof c);
}

static uint64_t layout(const mg_graph_header *h, uint64_t off[NSEC])
{
    uint64_t cnt[NSEC], pos = 0;
    section_counts(h, cnt);
    for (int i = 0; i < NSEC; i++) {
        off[i] = pos;
        pos += (cnt[i] * 4 + 7) & ~(uint64_t)7;
    }
    return pos;
}

static uint32_t crc_of(const unsigned char *p, uint64_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len) {
        uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;
        crc = crc32(crc, p, chunk);
        p += chunk;
        len -= chunk;
    }
    return (uint32_t)crc;
}

static int check_first(const uint32_t *first, uint64_t n, uint64_t total)
{
    if (first[0] != 0 || first[n] != total)
        return -1;
    for (uint64_t i = 0; i < n; i++)
        if (first[i] > first[i + 1])
            return -1;
    return 0;
}

static int check_coords(const int32_t *lat, const int32_t *lon, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (lat[i] < -900000000 || lat[i] > 900000000 || lon[i] < -1800000000 ||
            lon[i] > 1800000000)
            return -1;
    return 0;
}

/* Arcs of a CSR: heads in range, above the node when `upward`, weights sane. */
static int check_arcs(const uint32_t *first, const uint32_t *head, const uint32_t *w,
                      uint32_t n, int upward)
{
    for (uint32_t v = 0; v < n; v++)
        for (uint32_t k = first[v]; k < first[v + 1]; k++)
            if (head[k] >= n || (upward && head[k] <= v) || w[k] == 0 || w[k] > MAX_ARC_W)
                return -1;
    return 0;
}

/* Validates the image in g->base/g->len and sets the array pointers. */
static int validate(mg_graph *g, int check_crc, const char *name, mg_diag *d)
{
    const mg_graph_header *h = (const mg_graph_header *)g->base;
    if (g->len < sizeof *h || memcmp(h->magic, MG_GRAPH_MAGIC, 8) != 0)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0,
                           "not a maillage road graph (build one with maillage route build)");
    if (h->byte_order != MG_GRAPH_BYTE_ORDER)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0,
                           "graph written on a machine of the other byte order: rebuild it here");
    if (h->version != MG_GRAPH_VERSION)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0,
                           "graph file version %u, this program reads version %u: rebuild it",
                           h->version, MG_GRAPH_VERSION);
    if (h->header_bytes != sizeof *h || h->payload_bytes != g->len - sizeof *h)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0,
                           "truncated or padded graph file: %llu payload bytes announced, "
                           "%llu present",
                           (unsigned long long)h->payload_bytes,
                           (unsigned long long)(g->len - sizeof *h));
    const unsigned char *p = g->base + sizeof *h;
    if (check_crc && crc_of(p, h->payload_bytes) != h->crc32)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0,
                           "checksum mismatch: the graph file is corrupt, rebuild it");
    if ((uint64_t)h->grid_nx * h->grid_ny > MAX_GRID_CELLS || h->nodes >= UINT32_MAX ||
        h->edges >= UINT32_MAX || h->lcc_nodes > h->nodes)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0, "graph file counts out of range");
    uint64_t off[NSEC];
    if (layout(h, off) != h->payload_bytes)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0,
                           "graph file sizes disagree with its counts");
    const void *s[NSEC];
    for (int i = 0; i < NSEC; i++)
        s[i] = p + off[i];
    g->h = h;
    g->lat = s[0], g->lon = s[1];
    g->up_first = s[2], g->up_head = s[3], g->up_w = s[4];
    g->dn_first = s[5], g->dn_head = s[6], g->dn_w = s[7];
    g->fw_first = s[8], g->fw_head = s[9], g->fw_w = s[10];
    g->eu = s[11], g->ev = s[12], g->ew = s[13], g->eflags = s[14], g->eshape = s[15];
    g->slat = s[16], g->slon = s[17];
    g->grid_first = s[18], g->grid_edge = s[19];
    uint32_t n = h->nodes, e = h->edges;
    const char *bad = NULL;
    if (check_coords(g->lat, g->lon, n) || check_coords(g->slat, g->slon, h->shape_points))
        bad = "coordinates";
    else if (check_first(g->up_first, n, h->up_arcs) ||
             check_arcs(g->up_first, g->up_head, g->up_w, n, 1))
        bad = "upward arcs";
    else if (check_first(g->dn_first, n, h->down_arcs) ||
             check_arcs(g->dn_first, g->dn_head, g->dn_w, n, 1))
        bad = "downward arcs";
    else if (check_first(g->fw_first, n, h->fwd_arcs) ||
             check_arcs(g->fw_first, g->fw_head, g->fw_w, n, 0))
        bad = "road arcs";
    else if (check_first(g->eshape, e, h->shape_points))
        bad = "edge shapes";
    else if (check_first(g->grid_first, (uint64_t)h->grid_nx * h->grid_ny, h->grid_entries))
        bad = "snapping grid";
    else if (h->grid_nx == 0 || h->grid_ny == 0 || h->grid_dlat < MIN_GRID_CELL ||
             h->grid_dlon < MIN_GRID_CELL)
        bad = "snapping grid";
    for (uint32_t i = 0; !bad && i < e; i++)
        if (g->eu[i] >= n || g->ev[i] >= n || g->ew[i] == 0 || g->ew[i] > MG_MAX_ARC_DS ||
            g->eflags[i] > 7 || !(g->eflags[i] & (MG_EDGE_FWD | MG_EDGE_BWD)))
            bad = "edges";
    for (uint32_t i = 0; !bad && i < h->grid_entries; i++)
        if (g->grid_edge[i] >= e)
            bad = "snapping grid";
    if (bad)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0, "corrupt graph file: invalid %s", bad);
    return 0;
}

void mg_graph_close(mg_graph *g)
{
    if (!g)
        return;
    if (g->mapped)
        munmap(g->base, g->len);
    else
        free(g->base);
    free(g);
}

int mg_graph_open_memory(const void *data, size_t len, int check_crc, mg_graph **out,
                         mg_diag *d)
{
    *out = NULL;
    mg_graph *g = mg_alloc_array(1, sizeof *g);
    /* A private copy: the arrays must be 4-byte aligned whatever `data` is. */
    unsigned char *copy = mg_alloc_array(len ? len : 1, 1);
    if (!g || !copy) {
        free(g);
        free(copy);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory loading a graph");
    }
    if (len)
        memcpy(copy, data, len);
    g->base = copy;
    g->len = len;
    int rc = validate(g, check_crc, "graph", d);
    if (rc) {
        mg_graph_close(g);
        return rc;
    }
    *out = g;
    return 0;
}

int mg_graph_open(const char *path, mg_graph **out, mg_diag *d)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mg_diag_set(d, errno == ENOENT ? MG_ENOTFOUND : MG_EIO, path, 0, 0,
                           "cannot open the road graph: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return mg_diag_set(d, MG_EIO, path, 0, 0, "not a regular file");
    }
    if ((size_t)st.st_size < sizeof(mg_graph_header)) {
        close(fd);
        return mg_diag_set(d, MG_EPARSE, path, 0, 0,
                           "not a maillage road graph (%lld bytes: too short)",
                           (long long)st.st_size);
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return mg_diag_set(d, MG_EIO, path, 0, 0, "cannot map the road graph: %s",
                           strerror(errno));
    mg_graph *g = mg_alloc_array(1, sizeof *g);
    if (!g) {
        munmap(map, (size_t)st.st_size);
        return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
    }
    g->base = map;
    g->len = (size_t)st.st_size;
    g->mapped = 1;
    int rc = validate(g, 1, path, d);
    if (rc) {
        mg_graph_close(g);
        return rc;
    }
    *out = g;
    return 0;
}

void mg_graph_get_info(const mg_graph *g, mg_graph_info *o)
{
    const mg_graph_header *h = g->h;
    *o = (mg_graph_info){.nodes = h->nodes, .edges = h->edges, .up_arcs = h->up_arcs,
                         .down_arcs = h->down_arcs, .shortcuts = h->shortcuts,
                         .shape_points = h->shape_points, .bytes = g->len,
                         .lcc_nodes = h->lcc_nodes, .osm_ways = h->osm_ways,
                         .osm_nodes = h->osm_nodes};
}

/* ---- building the image ---- */

/* Groups arcs by `key` into a CSR (counting sort, stable). */
static void fill_csr(uint32_t n, size_t m, const uint32_t *key, const uint32_t *head,
                     const uint32_t *w, uint32_t *first, uint32_t *ohead, uint32_t *ow)
{
    memset(first, 0, ((size_t)n + 1) * sizeof *first);
    for (size_t k = 0; k < m; k++)
        first[key[k] + 1]++;
    for (uint32_t v = 0; v < n; v++)
        first[v + 1] += first[v];
    for (size_t k = 0; k < m; k++) {
        uint32_t pos = first[key[k]]++;
        ohead[pos] = head[k];
        ow[pos] = w[k];
    }
    for (uint32_t v = n; v > 0; v--)
        first[v] = first[v - 1];
    first[0] = 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

typedef struct gridspec {
    int32_t lat0, lon0, dlat, dlon;
    uint32_t nx, ny;
} gridspec;

static void cell_of(const gridspec *gs, int32_t lat, int32_t lon, long *cx, long *cy)
{
    *cx = (long)(((int64_t)lon - gs->lon0) / gs->dlon);
    *cy = (long)(((int64_t)lat - gs->lat0) / gs->dlat);
}

/* Chooses the grid over the snappable (LCC) edges and lists, for each cell,
 * the edges with a segment whose bounding box meets it. */
static int build_grid(const mg_rawgraph *r, const uint8_t *lcc, gridspec *gs, uint64_t **pairs,
                      size_t *npairs)
{
    int32_t la0 = INT32_MAX, la1 = INT32_MIN, lo0 = INT32_MAX, lo1 = INT32_MIN;
    size_t nl = 0;
    for (uint32_t e = 0; e < r->m; e++) {
        if (!lcc[e])
            continue;
        nl++;
        uint32_t ends[2] = {r->eu[e], r->ev[e]};
        for (int k = 0; k < 2; k++) {
            int32_t a = r->lat[ends[k]], o = r->lon[ends[k]];
            la0 = a < la0 ? a : la0, la1 = a > la1 ? a : la1;
            lo0 = o < lo0 ? o : lo0, lo1 = o > lo1 ? o : lo1;
        }
        for (uint32_t s = r->eshape[e]; s < r->eshape[e + 1]; s++) {
            int32_t a = r->slat[s], o = r->slon[s];
            la0 = a < la0 ? a : la0, la1 = a > la1 ? a : la1;
            lo0 = o < lo0 ? o : lo0, lo1 = o > lo1 ? o : lo1;
        }
    }
    if (nl == 0) {
        *gs = (gridspec){0, 0, 100000, 100000, 1, 1};
        *pairs = NULL;
        *npairs = 0;
        return 0;
    }
    double mid = ((double)la0 + la1) / 2 / MG_COORD_SCALE * 3.14159265358979323846 / 180;
    double c = cos(mid) > 0.05 ? cos(mid) : 0.05;
    double h = ((double)la1 - la0) / MG_COORD_SCALE, w = ((double)lo1 - lo0) / MG_COORD_SCALE * c;
    double target = (double)nl;
    double cell = sqrt(h * w / target);
    if (!(cell >= 0.002))
        cell = 0.002; /* ~220 m: finer cells only cost memory */
    while ((h / cell + 1) * (w / cell + 1) > MAX_GRID_CELLS / 2)
        cell *= 1.5;
    gs->dlat = (int32_t)(cell * MG_COORD_SCALE);
    gs->dlon = (int32_t)(cell / c * MG_COORD_SCALE);
    gs->lat0 = la0;
    gs->lon0 = lo0;
    gs->ny = (uint32_t)(((int64_t)la1 - la0) / gs->dlat + 1);
    gs->nx = (uint32_t)(((int64_t)lo1 - lo0) / gs->dlon + 1);
    size_t cap = 1024, np = 0;
    uint64_t *pv = malloc(cap * sizeof *pv);
    if (!pv)
        return MG_ENOMEM;
    for (uint32_t e = 0; e < r->m; e++) {
        if (!lcc[e])
            continue;
        uint32_t npt = r->eshape[e + 1] - r->eshape[e] + 2;
        for (uint32_t k = 0; k + 1 < npt; k++) {
            int32_t pa[2], po[2];
            for (int j = 0; j < 2; j++) {
                uint32_t q = k + (uint32_t)j;
                if (q == 0)
                    pa[j] = r->lat[r->eu[e]], po[j] = r->lon[r->eu[e]];
                else if (q == npt - 1)
                    pa[j] = r->lat[r->ev[e]], po[j] = r->lon[r->ev[e]];
                else
                    pa[j] = r->slat[r->eshape[e] + q - 1], po[j] = r->slon[r->eshape[e] + q - 1];
            }
            long x0, y0, x1, y1;
            cell_of(gs, pa[0] < pa[1] ? pa[0] : pa[1], po[0] < po[1] ? po[0] : po[1], &x0, &y0);
            cell_of(gs, pa[0] > pa[1] ? pa[0] : pa[1], po[0] > po[1] ? po[0] : po[1], &x1, &y1);
            for (long y = y0; y <= y1; y++)
                for (long x = x0; x <= x1; x++) {
                    uint64_t cellid = (uint64_t)y * gs->nx + (uint64_t)x;
                    uint64_t v = cellid << 32 | e;
                    if (np && pv[np - 1] == v)
                        continue;
                    if (np == cap) {
                        uint64_t *nv = mg_realloc_array(pv, cap * 2, sizeof *nv);
                        if (!nv) {
                            free(pv);
                            return MG_ENOMEM;
                        }
                        pv = nv;
                        cap *= 2;
                    }
                    pv[np++] = v;
                }
        }
    }
    qsort(pv, np, sizeof *pv, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < np; i++)
        if (u == 0 || pv[u - 1] != pv[i])
            pv[u++] = pv[i];
    *pairs = pv;
    *npairs = u;
    return 0;
}

int mg_graph_from_parts(const mg_rawgraph *r, const mg_ch_result *c, const uint8_t *edge_lcc,
                        uint32_t lcc_nodes, mg_graph **out, mg_diag *d)
{
    *out = NULL;
    gridspec gs;
    uint64_t *gp = NULL;
    size_t ngp = 0;
    if (build_grid(r, edge_lcc, &gs, &gp, &ngp))
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory building the snap grid");
    size_t nfw = 0;
    for (uint32_t e = 0; e < r->m; e++)
        nfw += (size_t)((r->edirs[e] & MG_EDGE_FWD) != 0) + ((r->edirs[e] & MG_EDGE_BWD) != 0);
    if (c->nup > UINT32_MAX || c->ndown > UINT32_MAX || nfw > UINT32_MAX || ngp > UINT32_MAX) {
        free(gp);
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "road network too large for one graph");
    }
    mg_graph_header hd = {.version = MG_GRAPH_VERSION, .byte_order = MG_GRAPH_BYTE_ORDER,
                          .header_bytes = sizeof hd, .nodes = r->n, .edges = r->m,
                          .up_arcs = (uint32_t)c->nup, .down_arcs = (uint32_t)c->ndown,
                          .fwd_arcs = (uint32_t)nfw, .shape_points = r->nshape,
                          .grid_nx = gs.nx, .grid_ny = gs.ny, .grid_entries = (uint32_t)ngp,
                          .lcc_nodes = lcc_nodes, .grid_lat0 = gs.lat0, .grid_lon0 = gs.lon0,
                          .grid_dlat = gs.dlat, .grid_dlon = gs.dlon,
                          .shortcuts = (uint32_t)c->nshortcuts,
                          .osm_ways = (uint32_t)r->osm_ways, .osm_nodes = (uint32_t)r->osm_nodes};
    memcpy(hd.magic, MG_GRAPH_MAGIC, 8);
    uint64_t off[NSEC];
    hd.payload_bytes = layout(&hd, off);
    size_t len = sizeof hd + (size_t)hd.payload_bytes;
    unsigned char *img = mg_alloc_array(len, 1);
    size_t mx = c->nup > c->ndown ? c->nup : c->ndown;
    mx = mx > nfw ? mx : nfw;
    uint32_t *k1 = mg_alloc_array(mx ? mx : 1, sizeof *k1);
    uint32_t *k2 = mg_alloc_array(mx ? mx : 1, sizeof *k2);
    uint32_t *k3 = mg_alloc_array(mx ? mx : 1, sizeof *k3);
    mg_graph *g = mg_alloc_array(1, sizeof *g);
    if (!img || !k1 || !k2 || !k3 || !g) {
        free(img), free(k1), free(k2), free(k3), free(g), free(gp);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory writing the graph");
    }
    unsigned char *p = img + sizeof hd;
#define SEC(i, T) ((T *)(void *)(p + off[i]))
    const uint32_t *rk = c->rank;
    for (uint32_t v = 0; v < r->n; v++) {
        SEC(0, int32_t)[rk[v]] = r->lat[v];
        SEC(1, int32_t)[rk[v]] = r->lon[v];
    }
    for (size_t k = 0; k < c->nup; k++)
        k1[k] = rk[c->up_tail[k]], k2[k] = rk[c->up_head[k]];
    fill_csr(r->n, c->nup, k1, k2, c->up_w, SEC(2, uint32_t), SEC(3, uint32_t), SEC(4, uint32_t));
    /* Downward arcs are stored at their (lower) head, pointing to the tail. */
    for (size_t k = 0; k < c->ndown; k++)
        k1[k] = rk[c->dn_head[k]], k2[k] = rk[c->dn_tail[k]];
    fill_csr(r->n, c->ndown, k1, k2, c->dn_w, SEC(5, uint32_t), SEC(6, uint32_t),
             SEC(7, uint32_t));
    size_t f = 0;
    for (uint32_t e = 0; e < r->m; e++) {
        if (r->edirs[e] & MG_EDGE_FWD)
            k1[f] = rk[r->eu[e]], k2[f] = rk[r->ev[e]], k3[f++] = r->ew[e];
        if (r->edirs[e] & MG_EDGE_BWD)
            k1[f] = rk[r->ev[e]], k2[f] = rk[r->eu[e]], k3[f++] = r->ew[e];
    }
    fill_csr(r->n, nfw, k1, k2, k3, SEC(8, uint32_t), SEC(9, uint32_t), SEC(10, uint32_t));
    for (uint32_t e = 0; e < r->m; e++) {
        SEC(11, uint32_t)[e] = rk[r->eu[e]];
        SEC(12, uint32_t)[e] = rk[r->ev[e]];
        SEC(13, uint32_t)[e] = r->ew[e];
        SEC(14, uint32_t)[e] = r->edirs[e] | (edge_lcc[e] ? MG_EDGE_LCC : 0);
        SEC(15, uint32_t)[e] = r->eshape[e];
    }
    SEC(15, uint32_t)[r->m] = r->eshape[r->m];
    if (r->nshape) {
        memcpy(SEC(16, int32_t), r->slat, (size_t)r->nshape * 4);
        memcpy(SEC(17, int32_t), r->slon, (size_t)r->nshape * 4);
    }
    uint32_t *gf = SEC(18, uint32_t), *ge = SEC(19, uint32_t);
    size_t ncell = (size_t)gs.nx * gs.ny;
    memset(gf, 0, (ncell + 1) * 4);
    for (size_t i = 0; i < ngp; i++) {
        gf[(gp[i] >> 32) + 1]++;
        ge[i] = (uint32_t)gp[i];
    }
    for (size_t i = 0; i < ncell; i++)
        gf[i + 1] += gf[i];
#undef SEC
    hd.crc32 = crc_of(p, hd.payload_bytes);
    memcpy(img, &hd, sizeof hd);
    free(k1), free(k2), free(k3), free(gp);
    g->base = img;
    g->len = len;
    int rc = validate(g, 1, "graph", d);
    if (rc) {
        mg_graph_close(g);
        return rc;
    }
    *out = g;
    return 0;
}

/* ---- writing ---- */

/* The temporary file being written, for the signal handler to remove. */
static char g_tmp_path[4096];
static volatile sig_atomic_t g_tmp_live;

static void on_signal(int sig)
{
    if (g_tmp_live)
        unlink(g_tmp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

int mg_graph_write(const mg_graph *g, const char *path, mg_diag *d)
{
    size_t plen = strlen(path);
    if (plen + 16 > sizeof g_tmp_path)
        return mg_diag_set(d, MG_EINVAL, path, 0, 0, "output path too long");
    memcpy(g_tmp_path, path, plen);
    memcpy(g_tmp_path + plen, ".tmp-XXXXXX", 12);
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    int rc = 0;
    /* The graph is renamed into place: onto a device (/dev/null) that would
     * replace the device node by a file, and a graph is for reading back. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        rc = mg_diag_set(d, MG_EIO, path, 0, 0,
                         "cannot write the graph file: expected a regular file");
        goto restore;
    }
    int fd = mkstemp(g_tmp_path);
    if (fd < 0) {
        rc = mg_diag_set(d, MG_EIO, path, 0, 0, "cannot create the graph file: %s",
                         strerror(errno));
        goto restore;
    }
    g_tmp_live = 1;
    const unsigned char *p = g->base;
    size_t left = g->len;
    while (left) {
        ssize_t k = write(fd, p, left > (1u << 30) ? (1u << 30) : left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            rc = mg_diag_set(d, MG_EIO, path, 0, 0, "cannot write the graph file: %s",
                             k < 0 ? strerror(errno) : "short write");
            break;
        }
        p += k;
        left -= (size_t)k;
    }
    if (!rc && (fchmod(fd, 0644) != 0 || fsync(fd) != 0))
        rc = mg_diag_set(d, MG_EIO, path, 0, 0, "cannot write the graph file: %s",
                         strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = mg_diag_set(d, MG_EIO, path, 0, 0, "cannot write the graph file: %s",
                         strerror(errno));
    if (!rc && rename(g_tmp_path, path) != 0)
        rc = mg_diag_set(d, MG_EIO, path, 0, 0, "cannot rename the graph file into place: %s",
                         strerror(errno));
    if (rc)
        unlink(g_tmp_path);
    g_tmp_live = 0;
restore:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
}
