/*
 * Snapping: a point goes to the nearest point of an edge of the largest
 * strongly connected part of the network (not merely to the nearest graph
 * node: after simplification nodes can be kilometres apart on a rural road,
 * and a house along it is reached along it). The grid stored in the graph
 * lists the edges near each cell; rings of cells are searched outwards until
 * no unvisited cell can hold a nearer edge.
 */
#include <math.h>

#include "routing/internal.h"

#define DEG_TO_RAD (3.14159265358979323846 / 180.0)
#define EARTH_M 6371008.8

/* Metres between two points of one segment (as in osm_import.c). */
static double seg_m(double la1, double lo1, double la2, double lo2)
{
    double mid = (la1 + la2) * 0.5 * DEG_TO_RAD;
    double dx = (lo2 - lo1) * DEG_TO_RAD * cos(mid), dy = (la2 - la1) * DEG_TO_RAD;
    return EARTH_M * sqrt(dx * dx + dy * dy);
}

static void edge_point(const mg_graph *g, uint32_t e, uint32_t q, uint32_t npt, double *la,
                       double *lo)
{
    int32_t a, o;
    if (q == 0)
        a = g->lat[g->eu[e]], o = g->lon[g->eu[e]];
    else if (q == npt - 1)
        a = g->lat[g->ev[e]], o = g->lon[g->ev[e]];
    else
        a = g->slat[g->eshape[e] + q - 1], o = g->slon[g->eshape[e] + q - 1];
    *la = a / MG_COORD_SCALE;
    *lo = o / MG_COORD_SCALE;
}

typedef struct best {
    double dist, frac, lat, lon;
    uint32_t edge;
} best;

/* Nearest point of edge e to (lat, lon), kept in *b when nearer. kx, ky:
 * metres per degree of longitude and latitude at the point. The position
 * along the edge (lengths, cosines) is only worked out for a nearer edge. */
static void try_edge(const mg_graph *g, uint32_t e, double lat, double lon, double kx,
                     double ky, best *b)
{
    uint32_t npt = g->eshape[e + 1] - g->eshape[e] + 2;
    double dmin = INFINITY, tmin = 0;
    uint32_t qmin = 1;
    double la0, lo0;
    edge_point(g, e, 0, npt, &la0, &lo0);
    for (uint32_t q = 1; q < npt; q++) {
        double la1, lo1;
        edge_point(g, e, q, npt, &la1, &lo1);
        double ax = (lo0 - lon) * kx, ay = (la0 - lat) * ky;
        double vx = (lo1 - lo0) * kx, vy = (la1 - la0) * ky, vv = vx * vx + vy * vy;
        double t = vv > 0 ? -(ax * vx + ay * vy) / vv : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double px = ax + t * vx, py = ay + t * vy, dd = px * px + py * py;
        if (dd < dmin)
            dmin = dd, tmin = t, qmin = q;
        la0 = la1, lo0 = lo1;
    }
    dmin = sqrt(dmin);
    if (!(dmin < b->dist || (dmin == b->dist && e < b->edge)))
        return;
    double total = 0, pos = 0;
    edge_point(g, e, 0, npt, &la0, &lo0);
    for (uint32_t q = 1; q < npt; q++) {
        double la1, lo1;
        edge_point(g, e, q, npt, &la1, &lo1);
        double len = seg_m(la0, lo0, la1, lo1);
        if (q == qmin) {
            pos = total + tmin * len;
            b->lat = la0 + tmin * (la1 - la0);
            b->lon = lo0 + tmin * (lo1 - lo0);
        }
        total += len;
        la0 = la1, lo0 = lo1;
    }
    b->dist = dmin;
    b->edge = e;
    b->frac = total > 0 ? pos / total : 0;
}

static uint32_t ds_round(double x)
{
    return x <= 0 ? 0 : x >= 4e9 ? UINT32_MAX - 1 : (uint32_t)lround(x);
}

static void snap_one(const mg_graph *g, double lat, double lon, double max_m, double kmh,
                     mg_snap *s)
{
    *s = (mg_snap){0};
    for (int k = 0; k < 2; k++)
        s->out_node[k] = s->in_node[k] = MG_NO_NODE;
    const mg_graph_header *h = g->h;
    if (!isfinite(lat) || !isfinite(lon) || fabs(lat) > 90 || fabs(lon) > 180 || h->edges == 0)
        return;
    double fy = (lat * MG_COORD_SCALE - h->grid_lat0) / h->grid_dlat;
    double fx = (lon * MG_COORD_SCALE - h->grid_lon0) / h->grid_dlon;
    double cell_m = fmin(h->grid_dlat / MG_COORD_SCALE * DEG_TO_RAD * EARTH_M,
                         h->grid_dlon / MG_COORD_SCALE * DEG_TO_RAD * EARTH_M *
                             fmax(cos(lat * DEG_TO_RAD), 0.05));
    if (!(cell_m > 0))
        return;
    /* Cells beyond this ring are all further than max_m from the point. */
    double rmax = max_m / cell_m + 2;
    double gap = fmax(fmax(-fx, fx - h->grid_nx), fmax(-fy, fy - h->grid_ny));
    if (gap - 1 > rmax)
        return;
    long cx = (long)floor(fx), cy = (long)floor(fy);
    best b = {.dist = INFINITY, .edge = UINT32_MAX};
    double kx = EARTH_M * DEG_TO_RAD * cos(lat * DEG_TO_RAD), ky = EARTH_M * DEG_TO_RAD;
    for (long r = 0; r <= (long)rmax + (long)fmax(gap, 0) + 1; r++) {
        for (long y = cy - r; y <= cy + r; y++) {
            if (y < 0 || y >= (long)h->grid_ny)
                continue;
            long step = (y == cy - r || y == cy + r) ? 1 : 2 * r;
            for (long x = cx - r; x <= cx + r; x += step ? step : 1) {
                if (x < 0 || x >= (long)h->grid_nx)
                    continue;
                size_t c = (size_t)y * h->grid_nx + (size_t)x;
                for (uint32_t k = g->grid_first[c]; k < g->grid_first[c + 1]; k++) {
                    uint32_t e = g->grid_edge[k];
                    if (g->eflags[e] & MG_EDGE_LCC)
                        try_edge(g, e, lat, lon, kx, ky, &b);
                }
            }
        }
        /* Done when the nearest edge so far is nearer than anything outside
         * the square of rings searched: an edge's nearest point lies in a
         * cell that lists the edge. */
        double inside = fmin(fmin(fx - (double)(cx - r), (double)(cx + r + 1) - fx),
                             fmin(fy - (double)(cy - r), (double)(cy + r + 1) - fy));
        if (b.dist <= inside * cell_m || (double)r * cell_m > max_m + cell_m)
            break;
    }
    if (b.edge == UINT32_MAX || b.dist > max_m)
        return;
    uint32_t e = b.edge, w = g->ew[e], fl = g->eflags[e];
    s->ok = 1;
    s->edge = e;
    s->frac = b.frac;
    s->dist_m = b.dist;
    s->lat = b.lat;
    s->lon = b.lon;
    s->allowance_ds = ds_round(b.dist / (kmh / 3.6) * 10.0);
    /* Along a one-way edge the point is reached from u and leads to v only;
     * a point on an end (no time from it) is that node, in both roles. */
    uint32_t tu = ds_round(b.frac * w), tv = ds_round((1 - b.frac) * w);
    uint32_t out_u = UINT32_MAX, out_v = UINT32_MAX, in_u = UINT32_MAX, in_v = UINT32_MAX;
    if (fl & MG_EDGE_FWD)
        out_v = tv, in_u = tu;
    if (fl & MG_EDGE_BWD)
        out_u = tu, in_v = tv;
    if (tu == 0)
        out_u = in_u = 0;
    if (tv == 0)
        out_v = in_v = 0;
    int k = 0, j = 0;
    if (out_v != UINT32_MAX)
        s->out_node[k] = g->ev[e], s->out_ds[k++] = out_v;
    if (out_u != UINT32_MAX)
        s->out_node[k] = g->eu[e], s->out_ds[k++] = out_u;
    if (in_u != UINT32_MAX)
        s->in_node[j] = g->eu[e], s->in_ds[j++] = in_u;
    if (in_v != UINT32_MAX)
        s->in_node[j] = g->ev[e], s->in_ds[j++] = in_v;
}

int mg_graph_snap(const mg_graph *g, const double *lat, const double *lon, size_t n,
                  double max_m, double speed_kmh, mg_snap *out, mg_diag *d)
{
    if (!(max_m >= 0) || max_m > 100000 || !(speed_kmh > 0) || !isfinite(speed_kmh))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "snapping: the distance limit must be from 0 to 100 km and the speed > 0");
    for (size_t i = 0; i < n; i++)
        snap_one(g, lat[i], lon[i], max_m, speed_kmh, &out[i]);
    return 0;
}
