/*
 * Maps and charts as SVG, drawn on the server.
 *
 * The geometry is projected once (projection.c) and simplified in metres;
 * every map then only scales it to pixels. Coordinates are written in
 * tenths of a pixel, rounded as integers: the text does not depend on the
 * C locale's decimal separator, rings are drawn with relative moves
 * between rounded points (no drift, about half the bytes of absolute
 * coordinates) and points that round onto the previous one are skipped.
 *
 * Everything a person reads is French, with a decimal comma; every piece
 * of text goes through mg_html_text.
 */
#include "map/map.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "html/html.h"

/* ---------------------------------------------------------------------- */
/* Geometry                                                                */
/* ---------------------------------------------------------------------- */

struct mg_map_geometry {
    size_t tn;            /* t->n of the territory it was built from */
    size_t n;             /* communes drawn, in the caller's order */
    size_t *commune;      /* n territory indices */
    size_t *commune_ring; /* n + 1 offsets into rings */
    size_t *ring_pt;      /* nring + 1 offsets into x, y */
    size_t nring, npt;
    double *x, *y;        /* Lambert-93 metres, rings without closing point */
    double *px, *py;      /* n: centre of a circle for communes without rings, else NaN */
    double minx, miny, maxx, maxy; /* minx > maxx when nothing is drawn */
    /* Shared borders: polylines along which commune bd_a[i] meets commune
     * bd_b[i] (indices into commune[]; BORDER_OUT when nothing of the list
     * is on the other side), from the unsimplified contours, simplified
     * like them. For EPCI borders. */
    size_t nborder, nbpt;
    size_t *bd_pt;        /* nborder + 1 offsets into bx, by */
    double *bx, *by;
    size_t *bd_a, *bd_b;
    /* Path data of every commune for a given frame, built on first use:
     * maps are redrawn on every page with new colours but the same shapes,
     * and writing the coordinates is most of the cost of a map. */
    pthread_mutex_t cache_lock;
    size_t ncache;
    struct path_cache *cache;
};

static void path_cache_free(mg_map_geometry *g);

void mg_map_geometry_free(mg_map_geometry *g)
{
    if (!g)
        return;
    path_cache_free(g);
    pthread_mutex_destroy(&g->cache_lock);
    free(g->commune);
    free(g->commune_ring);
    free(g->ring_pt);
    free(g->x);
    free(g->y);
    free(g->px);
    free(g->py);
    free(g->bd_pt);
    free(g->bx);
    free(g->by);
    free(g->bd_a);
    free(g->bd_b);
    free(g);
}

size_t mg_map_geometry_npoints(const mg_map_geometry *g)
{
    return g ? g->npt : 0;
}

/* Squared distance from p to the segment ab. */
static double seg_dist2(double px, double py, double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay;
    double l2 = dx * dx + dy * dy;
    double u = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
    if (u < 0)
        u = 0;
    else if (u > 1)
        u = 1;
    double ex = ax + u * dx - px, ey = ay + u * dy - py;
    return ex * ex + ey * ey;
}

/*
 * Douglas–Peucker on a closed ring of m points (index m stands for point
 * 0 again): marks in keep[] the points to keep and returns their number.
 * The ring is first cut at point 0 and the point farthest from it, so that
 * both halves are open polylines. Iterative, with an explicit stack of
 * 2 * (m + 1) entries, because a ring of the whole coast would recurse too
 * deep. tol2 is the squared tolerance.
 */
/*
 * The Douglas–Peucker loop over the spans (i, j) already on the stack (top
 * entries): in each, the point farthest from the chord is kept, and both
 * halves looked at, while it is farther than the tolerance. Index `wrap`
 * stands for point 0 (a closed ring's end); an open polyline passes
 * SIZE_MAX. Returns the number of points it marked.
 */
static size_t dp_spans(const double *x, const double *y, size_t wrap, double tol2,
                       unsigned char *keep, size_t *stack, size_t top)
{
    size_t kept = 0;
    while (top) {
        size_t j = stack[--top], i = stack[--top];
        if (j - i < 2)
            continue;
        size_t jj = j == wrap ? 0 : j;
        size_t at = 0;
        double worst = -1;
        for (size_t k = i + 1; k < j; k++) {
            double d2 = seg_dist2(x[k], y[k], x[i], y[i], x[jj], y[jj]);
            if (d2 > worst) {
                worst = d2;
                at = k;
            }
        }
        if (worst > tol2) {
            keep[at] = 1;
            kept++;
            stack[top++] = i;
            stack[top++] = at;
            stack[top++] = at;
            stack[top++] = j;
        }
    }
    return kept;
}

static size_t simplify_ring(const double *x, const double *y, size_t m, double tol2,
                            unsigned char *keep, size_t *stack)
{
    memset(keep, 0, m);
    size_t far = 0;
    double best = 0;
    for (size_t i = 1; i < m; i++) {
        double dx = x[i] - x[0], dy = y[i] - y[0];
        double d2 = dx * dx + dy * dy;
        if (d2 > best) {
            best = d2;
            far = i;
        }
    }
    keep[0] = 1;
    if (far == 0)
        return 1;
    keep[far] = 1;
    stack[0] = 0;
    stack[1] = far;
    stack[2] = far;
    stack[3] = m;
    return 2 + dp_spans(x, y, m, tol2, keep, stack, 4);
}

/* Appends the kept points of ring (x, y)[0..m-1] to g as a new ring. */
static void push_ring(mg_map_geometry *g, const double *x, const double *y, size_t m,
                      const unsigned char *keep)
{
    for (size_t i = 0; i < m; i++) {
        if (!keep[i])
            continue;
        g->x[g->npt] = x[i];
        g->y[g->npt] = y[i];
        g->npt++;
    }
    g->nring++;
    g->ring_pt[g->nring] = g->npt;
}

/* Number of points of a ring of m points once its closing point (a repeat
 * of the first, as GeoJSON writes it) is dropped. */
static size_t open_ring_len(const double *x, const double *y, size_t m)
{
    if (m >= 2 && x[0] == x[m - 1] && y[0] == y[m - 1])
        m--;
    return m;
}

/* Douglas–Peucker on an open polyline of m points (both ends kept). */
static void simplify_open(const double *x, const double *y, size_t m, double tol2,
                          unsigned char *keep, size_t *stack)
{
    memset(keep, 0, m);
    keep[0] = keep[m - 1] = 1;
    stack[0] = 0;
    stack[1] = m - 1;
    (void)dp_spans(x, y, SIZE_MAX, tol2, keep, stack, 2);
}

#define BORDER_OUT ((size_t)-1)
/* Past this many contour points no borders are found: the point and edge
 * tables (20 bytes a slot, twice as many slots as points) would pass
 * 160 MB while the geometry is built. France's communes simplified for
 * display are about 2 million. */
#define BORDER_MAX_POINTS 4000000u
#define NONE32 UINT32_MAX

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t point_hash(double x, double y)
{
    uint64_t a, b;
    memcpy(&a, &x, sizeof a);
    memcpy(&b, &y, sizeof b);
    return mix64(a ^ mix64(b + 0x9e3779b97f4a7c15ULL));
}

typedef struct edge_slot {
    uint32_t a, b;       /* canonical point ids, a < b; NONE32 when empty */
    uint32_t own1, own2; /* communes (positions in the list) on each side */
} edge_slot;

static edge_slot *edge_find(edge_slot *tab, size_t mask, uint32_t a, uint32_t b)
{
    if (a > b) {
        uint32_t c = a;
        a = b;
        b = c;
    }
    size_t h = (size_t)mix64((uint64_t)a << 32 | b) & mask;
    while (tab[h].a != NONE32 && !(tab[h].a == a && tab[h].b == b))
        h = (h + 1) & mask;
    tab[h].a = a;
    tab[h].b = b;
    return &tab[h];
}

typedef struct ring_ref {
    size_t at, m; /* first point in lx/ly, number of points (open ring) */
} ring_ref;

static int border_push(mg_map_geometry *g, size_t *cap_l, size_t *cap_p, const double *x,
                       const double *y, size_t m, size_t a, size_t b, double tol2,
                       unsigned char *keep, size_t *stack)
{
    if (m < 2)
        return MG_OK;
    simplify_open(x, y, m, tol2, keep, stack);
    size_t kept = 0;
    for (size_t i = 0; i < m; i++)
        kept += keep[i];
    if (g->nborder + 2 > *cap_l) {
        size_t c = *cap_l ? *cap_l * 2 : 256;
        size_t *p1 = realloc(g->bd_pt, c * sizeof *p1);
        if (p1)
            g->bd_pt = p1;
        size_t *p2 = realloc(g->bd_a, c * sizeof *p2);
        if (p2)
            g->bd_a = p2;
        size_t *p3 = realloc(g->bd_b, c * sizeof *p3);
        if (p3)
            g->bd_b = p3;
        if (!p1 || !p2 || !p3)
            return MG_ENOMEM;
        *cap_l = c;
    }
    if (g->nbpt + kept > *cap_p) {
        size_t c = *cap_p ? *cap_p * 2 : 4096;
        while (c < g->nbpt + kept)
            c *= 2;
        double *p1 = realloc(g->bx, c * sizeof *p1);
        if (p1)
            g->bx = p1;
        double *p2 = realloc(g->by, c * sizeof *p2);
        if (p2)
            g->by = p2;
        if (!p1 || !p2)
            return MG_ENOMEM;
        *cap_p = c;
    }
    if (g->nborder == 0)
        g->bd_pt[0] = 0;
    for (size_t i = 0; i < m; i++)
        if (keep[i]) {
            g->bx[g->nbpt] = x[i];
            g->by[g->nbpt] = y[i];
            g->nbpt++;
        }
    g->bd_a[g->nborder] = a;
    g->bd_b[g->nborder] = b;
    g->nborder++;
    g->bd_pt[g->nborder] = g->nbpt;
    return MG_OK;
}

/*
 * The shared borders of the drawn communes, from their unsimplified
 * projected rings (rings[commune_rr[k]..commune_rr[k+1]) of points in lx,
 * ly). Neighbours in the source data share their vertices exactly, so an
 * edge is a pair of identical points; each run of consecutive edges of a
 * ring with the same neighbour is one polyline, kept once (from the commune
 * with the lower position, or from the only one when it has no neighbour).
 */
static int build_borders(mg_map_geometry *g, const double *lx, const double *ly, size_t npts,
                         const ring_ref *rings, const size_t *commune_rr, size_t n,
                         size_t max_ring, double tol2)
{
    if (npts == 0 || npts > BORDER_MAX_POINTS || n >= NONE32)
        return MG_OK;
    size_t pcap = 1;
    while (pcap < 2 * npts)
        pcap *= 2;
    uint32_t *ptab = malloc(pcap * sizeof *ptab);
    uint32_t *canon = mg_alloc_array(npts, sizeof *canon);
    edge_slot *etab = mg_alloc_array(pcap, sizeof *etab);
    /* Per ring: a run is at most a whole ring and its closing point. */
    double *wx = mg_alloc_array(max_ring + 2, sizeof *wx);
    double *wy = mg_alloc_array(max_ring + 2, sizeof *wy);
    uint32_t *other = mg_alloc_array(max_ring + 1, sizeof *other);
    unsigned char *keep = mg_alloc_array(max_ring + 2, 1);
    size_t *stack = mg_alloc_array(2 * (max_ring + 3), sizeof *stack);
    int rc = MG_OK;
    if (!ptab || !canon || !etab || !wx || !wy || !other || !keep || !stack) {
        rc = MG_ENOMEM;
        goto done;
    }
    memset(ptab, 0xff, pcap * sizeof *ptab);
    for (size_t i = 0; i < npts; i++) {
        size_t h = (size_t)point_hash(lx[i], ly[i]) & (pcap - 1);
        while (ptab[h] != NONE32 && !(lx[ptab[h]] == lx[i] && ly[ptab[h]] == ly[i]))
            h = (h + 1) & (pcap - 1);
        if (ptab[h] == NONE32)
            ptab[h] = (uint32_t)i;
        canon[i] = ptab[h];
    }
    for (size_t i = 0; i < pcap; i++)
        etab[i] = (edge_slot){NONE32, NONE32, NONE32, NONE32};
    for (size_t k = 0; k < n; k++)
        for (size_t r = commune_rr[k]; r < commune_rr[k + 1]; r++)
            for (size_t i = 0; i < rings[r].m; i++) {
                uint32_t a = canon[rings[r].at + i];
                uint32_t b = canon[rings[r].at + (i + 1) % rings[r].m];
                if (a == b)
                    continue;
                edge_slot *e = edge_find(etab, pcap - 1, a, b);
                if (e->own1 == NONE32)
                    e->own1 = (uint32_t)k;
                else if (e->own1 != (uint32_t)k && e->own2 == NONE32)
                    e->own2 = (uint32_t)k;
            }
    size_t cap_l = 0, cap_p = 0;
    for (size_t k = 0; k < n && !rc; k++)
        for (size_t r = commune_rr[k]; r < commune_rr[k + 1] && !rc; r++) {
            size_t m = rings[r].m, at = rings[r].at;
            if (m < 2)
                continue;
            /* other[i]: the neighbour across edge i (points i, i+1). */
            for (size_t i = 0; i < m; i++) {
                uint32_t a = canon[at + i], b = canon[at + (i + 1) % m];
                other[i] = NONE32 - 1; /* a degenerate edge: follows its run */
                if (a == b)
                    continue;
                edge_slot *e = edge_find(etab, pcap - 1, a, b);
                other[i] = e->own1 == (uint32_t)k ? e->own2 : e->own1;
            }
            for (size_t i = 0; i < m; i++) /* degenerate edges take the previous one's side */
                if (other[i] == NONE32 - 1)
                    other[i] = other[(i + m - 1) % m] == NONE32 - 1 ? NONE32 : other[(i + m - 1) % m];
            /* Start where the neighbour changes, so that no run wraps. */
            size_t s0 = 0;
            for (size_t i = 0; i < m; i++)
                if (other[i] != other[(i + m - 1) % m]) {
                    s0 = i;
                    break;
                }
            size_t i = 0;
            while (i < m && !rc) {
                uint32_t o = other[(s0 + i) % m];
                size_t len = 0;
                while (i + len < m && other[(s0 + i + len) % m] == o)
                    len++;
                if (o == NONE32 || o > (uint32_t)k) {
                    for (size_t q = 0; q <= len; q++) {
                        size_t pi = at + (s0 + i + q) % m;
                        wx[q] = lx[pi];
                        wy[q] = ly[pi];
                    }
                    rc = border_push(g, &cap_l, &cap_p, wx, wy, len + 1, k,
                                     o == NONE32 ? BORDER_OUT : o, tol2, keep, stack);
                }
                i += len;
            }
        }
done:
    free(ptab);
    free(canon);
    free(etab);
    free(wx);
    free(wy);
    free(other);
    free(keep);
    free(stack);
    return rc;
}

int mg_map_geometry_build(mg_map_geometry **out, const mg_territory *t,
                          const size_t *communes, size_t n, double tolerance_m, mg_diag *d)
{
    if (!out)
        return MG_EINVAL;
    *out = NULL;
    if (!t || (n && !communes))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "map: no territory or no list of communes");
    if (!(tolerance_m >= 0) || !isfinite(tolerance_m))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "map: simplification tolerance %g m: expected 0 (default) or more",
                           tolerance_m);
    if (tolerance_m == 0)
        tolerance_m = 50;
    if (n > MG_MAX_COMMUNES)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "map: %zu communes: at most %u can be drawn", n, MG_MAX_COMMUNES);

    const mg_shapes *sh = &t->shapes;
    int have_shapes = sh->npoly > 0 && sh->commune_poly && sh->poly_ring && sh->ring_pt;
    size_t src_pts = 0, src_rings = 0, max_ring = 0, npoint = 0;
    for (size_t k = 0; k < n; k++) {
        size_t c = communes[k];
        if (c >= t->n)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "map: commune index %zu is outside the territory (%zu communes)",
                               c, t->n);
        if (t->lon && t->lat && isfinite(t->lon[c]) && isfinite(t->lat[c]))
            npoint++;
        if (!have_shapes)
            continue;
        for (size_t p = sh->commune_poly[c]; p < sh->commune_poly[c + 1]; p++)
            for (size_t r = sh->poly_ring[p]; r < sh->poly_ring[p + 1]; r++) {
                size_t m = sh->ring_pt[r + 1] - sh->ring_pt[r];
                src_pts += m;
                src_rings++;
                if (m > max_ring)
                    max_ring = m;
            }
        if (src_pts > MG_MAX_POLYGON_POINTS)
            return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                               "map: more than %u contour points to draw",
                               MG_MAX_POLYGON_POINTS);
    }

    mg_map_geometry *g = calloc(1, sizeof *g);
    if (g)
        pthread_mutex_init(&g->cache_lock, NULL);
    double *lx = mg_alloc_array(src_pts + npoint + 1, sizeof *lx);
    double *ly = mg_alloc_array(src_pts + npoint + 1, sizeof *ly);
    unsigned char *keep = mg_alloc_array(max_ring + 1, 1);
    size_t *stack = mg_alloc_array(2 * (max_ring + 2), sizeof *stack);
    ring_ref *rrefs = NULL;
    size_t *commune_rr = NULL;
    if (g) {
        g->commune = mg_alloc_array(n + 1, sizeof *g->commune);
        g->commune_ring = mg_alloc_array(n + 1, sizeof *g->commune_ring);
        g->ring_pt = mg_alloc_array(src_rings + 1, sizeof *g->ring_pt);
        g->x = mg_alloc_array(src_pts + 1, sizeof *g->x);
        g->y = mg_alloc_array(src_pts + 1, sizeof *g->y);
        g->px = mg_alloc_array(n + 1, sizeof *g->px);
        g->py = mg_alloc_array(n + 1, sizeof *g->py);
    }
    int rc = MG_OK;
    if (!g || !lx || !ly || !keep || !stack || !g->commune || !g->commune_ring ||
        !g->ring_pt || !g->x || !g->y || !g->px || !g->py) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "map: out of memory");
        goto done;
    }

    /* Gather every point (contours, then the communes' own points) and
     * project them in one call. */
    size_t at = 0;
    for (size_t k = 0; k < n && have_shapes; k++) {
        size_t c = communes[k];
        size_t a = sh->ring_pt[sh->poly_ring[sh->commune_poly[c]]];
        size_t e = sh->ring_pt[sh->poly_ring[sh->commune_poly[c + 1]]];
        memcpy(lx + at, sh->lon + a, (e - a) * sizeof *lx);
        memcpy(ly + at, sh->lat + a, (e - a) * sizeof *ly);
        at += e - a;
    }
    size_t point_at = at;
    for (size_t k = 0; k < n; k++) {
        size_t c = communes[k];
        if (t->lon && t->lat && isfinite(t->lon[c]) && isfinite(t->lat[c])) {
            lx[at] = t->lon[c];
            ly[at] = t->lat[c];
            at++;
        }
    }
    mg_map_projector *pj = NULL;
    rc = mg_map_projector_new(&pj, d);
    if (rc == MG_OK)
        rc = mg_map_projector_run(pj, lx, ly, at, d);
    mg_map_projector_free(pj);
    if (rc)
        goto done;

    g->tn = t->n;
    g->n = n;
    memcpy(g->commune, communes, n * sizeof *communes);
    double tol2 = tolerance_m * tolerance_m;
    size_t src = 0, pt = point_at;
    rrefs = mg_alloc_array(src_rings + 1, sizeof *rrefs);
    commune_rr = mg_alloc_array(n + 1, sizeof *commune_rr);
    if (!rrefs || !commune_rr) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "map: out of memory");
        goto done;
    }
    size_t nrr = 0;
    for (size_t k = 0; k < n; k++) {
        size_t c = communes[k];
        g->commune_ring[k] = g->nring;
        commune_rr[k] = nrr;
        g->px[k] = g->py[k] = NAN;
        int has_point = t->lon && t->lat && isfinite(t->lon[c]) && isfinite(t->lat[c]);
        double cx = has_point ? lx[pt] : NAN, cy = has_point ? ly[pt] : NAN;
        if (has_point)
            pt++;
        if (!have_shapes || sh->commune_poly[c] == sh->commune_poly[c + 1]) {
            g->px[k] = cx;
            g->py[k] = cy;
            continue;
        }
        size_t rfirst = sh->poly_ring[sh->commune_poly[c]];
        size_t rend = sh->poly_ring[sh->commune_poly[c + 1]];
        /* This commune's points start at lx[src], in the order of sh. */
        size_t first_pt = sh->ring_pt[rfirst];
        const double *bx = lx + src, *by = ly + src;
        size_t biggest = rfirst, biggest_m = 0;
        for (size_t r = rfirst; r < rend; r++) {
            const double *rx = bx + (sh->ring_pt[r] - first_pt);
            const double *ry = by + (sh->ring_pt[r] - first_pt);
            size_t m = open_ring_len(rx, ry, sh->ring_pt[r + 1] - sh->ring_pt[r]);
            if (m > biggest_m) {
                biggest_m = m;
                biggest = r;
            }
            rrefs[nrr++] = (ring_ref){(size_t)(rx - lx), m};
            /* Rings that collapse below a triangle (islets, slivers) are
             * invisible at the tolerance and dropped. */
            if (m < 3 || simplify_ring(rx, ry, m, tol2, keep, stack) < 3)
                continue;
            push_ring(g, rx, ry, m, keep);
        }
        if (g->nring == g->commune_ring[k]) {
            /* A commune smaller than the tolerance still gets its outline,
             * unsimplified (only exactly collinear points go), so that no
             * commune vanishes from the map. */
            const double *rx = bx + (sh->ring_pt[biggest] - first_pt);
            const double *ry = by + (sh->ring_pt[biggest] - first_pt);
            if (biggest_m >= 3 && simplify_ring(rx, ry, biggest_m, 0, keep, stack) >= 3) {
                push_ring(g, rx, ry, biggest_m, keep);
            } else {
                g->px[k] = biggest_m ? rx[0] : cx;
                g->py[k] = biggest_m ? ry[0] : cy;
            }
        }
        src += sh->ring_pt[rend] - sh->ring_pt[rfirst];
    }
    g->commune_ring[n] = g->nring;
    commune_rr[n] = nrr;
    /* Shared borders serve the EPCI borders: only with EPCI membership. */
    if (t->epci && build_borders(g, lx, ly, point_at, rrefs, commune_rr, n, max_ring, tol2)) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "map: out of memory");
        goto done;
    }

    g->minx = g->miny = INFINITY;
    g->maxx = g->maxy = -INFINITY;
    for (size_t i = 0; i < g->npt; i++) {
        g->minx = fmin(g->minx, g->x[i]);
        g->maxx = fmax(g->maxx, g->x[i]);
        g->miny = fmin(g->miny, g->y[i]);
        g->maxy = fmax(g->maxy, g->y[i]);
    }
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(g->px[k]))
            continue;
        g->minx = fmin(g->minx, g->px[k]);
        g->maxx = fmax(g->maxx, g->px[k]);
        g->miny = fmin(g->miny, g->py[k]);
        g->maxy = fmax(g->maxy, g->py[k]);
    }

done:
    free(lx);
    free(ly);
    free(keep);
    free(stack);
    free(rrefs);
    free(commune_rr);
    if (rc) {
        mg_map_geometry_free(g);
        return rc;
    }
    *out = g;
    return MG_OK;
}

/* ---------------------------------------------------------------------- */
/* Styles                                                                  */
/* ---------------------------------------------------------------------- */

/* ColorBrewer RdYlBu (Cynthia Brewer, colorbrewer2.org), the schemes
 * rated colour-blind safe, by number of classes (2 is the 3-class scheme
 * without its middle). */
static const char *const rdylbu[7][6] = {
    [2] = {"#fc8d59", "#91bfdb"},
    [3] = {"#fc8d59", "#ffffbf", "#91bfdb"},
    [4] = {"#d7191c", "#fdae61", "#abd9e9", "#2c7bb6"},
    [5] = {"#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6"},
    [6] = {"#d73027", "#fc8d59", "#fee090", "#e0f3f8", "#91bfdb", "#4575b4"},
};
/* ColorBrewer RdBu, 7 classes: losses red, gains blue, the middle white. */
static const char *const rdbu7[7] = {"#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7",
                                     "#d1e5f0", "#67a9cf", "#2166ac"};
static const char no_data_default[] = "#bdbdbd";

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted v[0..n-1], interpolated (Hyndman–Fan type 7). */
static double quantile(const double *v, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return v[n - 1];
    return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

/* v rounded to two significant digits (legend labels people can read).
 * Dividing by a power of ten rather than multiplying by its inverse
 * keeps 2.5 exactly 2.5. */
static double round2sig(double v)
{
    if (v == 0 || !isfinite(v))
        return v;
    int e = (int)floor(log10(fabs(v))) - 1;
    if (e >= 0)
        return round(v / pow(10, e)) * pow(10, e);
    return round(v * pow(10, -e)) / pow(10, -e);
}

/* The smallest of 1, 2, 2.5, 5 times a power of ten that is >= v > 0. */
static double nice_ceil(double v)
{
    double p = pow(10, floor(log10(v)));
    static const double steps[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (steps[i] * p >= v * (1 - 1e-12))
            return steps[i] * p;
    return 10 * p;
}

/* Finite values of the listed communes, sorted; NULL when none or out of
 * memory (callers then fall back to breaks that need no data). */
static double *sorted_values(const double *values, const size_t *communes, size_t n,
                             int absolute, size_t *count)
{
    *count = 0;
    if (!values || !communes || n == 0)
        return NULL;
    double *v = mg_alloc_array(n, sizeof *v);
    if (!v)
        return NULL;
    for (size_t k = 0; k < n; k++) {
        double x = values[communes[k]];
        if (isfinite(x))
            v[(*count)++] = absolute ? fabs(x) : x;
    }
    if (*count == 0) {
        free(v);
        return NULL;
    }
    qsort(v, *count, sizeof *v, cmp_double);
    return v;
}

mg_map_style mg_map_style_for(const double *values, const size_t *communes, size_t n,
                              double threshold, bool diverging)
{
    mg_map_style st = {.no_data_color = no_data_default, .diverging = diverging};
    if (diverging) {
        size_t m;
        double *v = sorted_values(values, communes, n, 1, &m);
        double q95 = v ? quantile(v, m, 0.95) : 0;
        free(v);
        double top = q95 > 0 ? nice_ceil(q95) : 1;
        static const double f[6] = {-1, -0.5, -0.1, 0.1, 0.5, 1};
        st.nclasses = 7;
        for (size_t i = 0; i < 6; i++)
            st.breaks[i] = f[i] * top;
        for (size_t i = 0; i < 7; i++)
            st.colors[i] = rdbu7[i];
        return st;
    }
    if (threshold > 0 && isfinite(threshold)) {
        /* Fixed multiples of the threshold rather than the data's
         * quantiles: the same classes on every map of a profession, so a
         * colour means the same level from one territory or year to the
         * next. */
        static const double f[5] = {0.6, 1, 1.4, 1.8, 2.4};
        st.nclasses = 6;
        for (size_t i = 0; i < 5; i++)
            st.breaks[i] = f[i] * threshold;
        for (size_t i = 0; i < 6; i++)
            st.colors[i] = rdylbu[6][i];
        return st;
    }
    size_t m;
    double *v = sorted_values(values, communes, n, 0, &m);
    size_t nb = 0;
    if (v) {
        for (size_t i = 1; i <= 5; i++) {
            double b = round2sig(quantile(v, m, (double)i / 6));
            /* A break at or below the minimum would leave its class empty. */
            if (b > v[0] && (nb == 0 || b > st.breaks[nb - 1]))
                st.breaks[nb++] = b;
        }
        if (nb == 0)
            st.breaks[nb++] = v[0] == 0 ? 1 : v[0];
        free(v);
    } else {
        st.breaks[nb++] = 0;
    }
    st.nclasses = nb + 1;
    for (size_t i = 0; i < st.nclasses; i++)
        st.colors[i] = rdylbu[st.nclasses][i];
    return st;
}

void mg_map_style_reverse(mg_map_style *st)
{
    if (!st || st->diverging)
        return;
    for (size_t i = 0; i < st->nclasses / 2; i++) {
        const char *c = st->colors[i];
        st->colors[i] = st->colors[st->nclasses - 1 - i];
        st->colors[st->nclasses - 1 - i] = c;
    }
}

size_t mg_map_style_class(const mg_map_style *st, double v)
{
    if (!isfinite(v))
        return st->nclasses;
    size_t k = 0;
    while (k + 1 < st->nclasses && v >= st->breaks[k])
        k++;
    return k;
}

static int valid_color(const char *c)
{
    if (!c || c[0] != '#' || strlen(c) != 7)
        return 0;
    for (int i = 1; i < 7; i++)
        if (!strchr("0123456789abcdefABCDEF", c[i]))
            return 0;
    return 1;
}

static int valid_style(const mg_map_style *st)
{
    if (st->nclasses < 2 || st->nclasses > MG_MAP_MAX_CLASSES)
        return 0;
    for (size_t i = 0; i + 1 < st->nclasses; i++) {
        if (!isfinite(st->breaks[i]) || (i && !(st->breaks[i] > st->breaks[i - 1])))
            return 0;
    }
    for (size_t i = 0; i < st->nclasses; i++)
        if (!valid_color(st->colors[i]))
            return 0;
    return !st->no_data_color || valid_color(st->no_data_color);
}

/* ---------------------------------------------------------------------- */
/* Text                                                                    */
/* ---------------------------------------------------------------------- */

/* Output with the first error kept, so that writing code reads straight. */
typedef struct writer {
    mg_buf *b;
    int rc;
} writer;

static void put(writer *w, const char *s)
{
    if (!w->rc)
        w->rc = mg_buf_puts(w->b, s);
}

static void putf(writer *w, const char *fmt, ...) MG_PRINTF(2, 3);
static void putf(writer *w, const char *fmt, ...)
{
    if (w->rc)
        return;
    va_list ap;
    va_start(ap, fmt);
    w->rc = mg_buf_vprintf(w->b, fmt, ap);
    va_end(ap);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000;
    else
        return 0;
    unsigned cp = c & (0x3Fu >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/*
 * Appends len bytes of s as XML text through mg_html_text. What XML 1.0
 * cannot hold at all is replaced first: control characters by a space,
 * bytes that are not UTF-8 by U+FFFD, so that a stray byte in a name
 * cannot make the whole document unreadable.
 */
static void put_text_n(writer *w, const char *s, size_t len)
{
    char chunk[256];
    size_t used = 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end && !w->rc) {
        size_t n = p[0] ? utf8_seq(p) : 0;
        if (n && p + n > end)
            n = 0;
        if (n == 1 && p[0] < 0x20 && p[0] != '\t' && p[0] != '\n' && p[0] != '\r') {
            chunk[used++] = ' ';
        } else if (n) {
            memcpy(chunk + used, p, n);
            used += n;
        } else {
            memcpy(chunk + used, "\xEF\xBF\xBD", 3);
            used += 3;
            n = 1;
        }
        p += n;
        if (used > sizeof chunk - 8 || p >= end) {
            chunk[used] = '\0';
            w->rc = mg_html_text(w->b, chunk);
            used = 0;
        }
    }
}

static void put_text(writer *w, const char *s)
{
    if (s)
        put_text_n(w, s, strlen(s));
}

/* Decimals (0..3) needed to write v exactly, up to 3. */
static int decimals_needed(double v)
{
    for (int k = 0; k < 3; k++) {
        double s = v * pow(10, k);
        if (fabs(s - round(s)) < 1e-6 * fmax(1, fabs(s)))
            return k;
    }
    return 3;
}

/* Decimals for a commune's value: two significant places for the APL
 * (3,84), fewer for larger figures (23,5 minutes; 1 234 inhabitants). */
static int value_decimals(double v)
{
    double a = fabs(v);
    return a < 10 ? 2 : a < 100 ? 1 : 0;
}

/*
 * v in French: decimal comma, U+2212 minus sign, digits grouped by three
 * with a narrow no-break space (U+202F) from 10 000. "sans donnée" when v
 * is not finite. dst has cap bytes (at least 64).
 */
static void fmt_fr(char *dst, size_t cap, double v, int dec)
{
    if (!isfinite(v)) {
        snprintf(dst, cap, "sans donnée");
        return;
    }
    char raw[400];
    snprintf(raw, sizeof raw, "%.*f", dec, fabs(v));
    size_t intlen = strcspn(raw, ".,");
    int nonzero = strspn(raw, "0.,") != strlen(raw);
    size_t o = 0;
    if (v < 0 && nonzero && o + 3 < cap) {
        memcpy(dst + o, "\xE2\x88\x92", 3);
        o += 3;
    }
    for (size_t i = 0; i < intlen && o + 4 < cap; i++) {
        dst[o++] = raw[i];
        size_t left = intlen - 1 - i;
        if (intlen >= 5 && left > 0 && left % 3 == 0 && o + 4 < cap) {
            memcpy(dst + o, "\xE2\x80\xAF", 3);
            o += 3;
        }
    }
    if (raw[intlen] && o + 1 < cap) {
        dst[o++] = ',';
        for (const char *q = raw + intlen + 1; *q && o + 1 < cap; q++)
            dst[o++] = *q;
    }
    dst[o] = '\0';
}

/* Number of UTF-8 characters in s[0..len). */
static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

typedef struct line_slice {
    const char *p;
    size_t len;
    int more; /* text was left out after this line */
} line_slice;

/*
 * Splits s at spaces into at most maxl lines of about maxc characters (a
 * longer word is a line of its own). Returns the number of lines; the last
 * one has `more` set when text did not fit. SVG 1.1 text does not wrap,
 * and a title cut off at the edge of the map is worse than two lines.
 */
static size_t wrap(const char *s, size_t maxc, line_slice *lines, size_t maxl)
{
    size_t nl = 0;
    const char *p = s ? s : "";
    while (*p == ' ')
        p++;
    while (*p && nl < maxl) {
        const char *q = p, *end = p;
        size_t chars = 0;
        while (*q) {
            const char *word = q;
            while (*q && *q != ' ')
                q++;
            size_t wc = utf8_chars(word, (size_t)(q - word));
            size_t need = chars ? chars + 1 + wc : wc;
            if (chars && need > maxc) {
                q = word;
                break;
            }
            chars = need;
            end = q;
            while (*q == ' ')
                q++;
        }
        lines[nl++] = (line_slice){p, (size_t)(end - p), 0};
        p = q;
        while (*p == ' ')
            p++;
    }
    if (*p && nl)
        lines[nl - 1].more = 1;
    return nl;
}

/* Writes wrapped lines as <text> elements, the first baseline at y, each
 * next one `step` pixels lower. `attrs` goes into every <text>. */
static void put_lines(writer *w, const line_slice *lines, size_t nl, int x, int y, int step,
                      const char *attrs)
{
    for (size_t i = 0; i < nl; i++) {
        putf(w, "<text x=\"%d\" y=\"%d\"%s>", x, y + (int)i * step, attrs);
        put_text_n(w, lines[i].p, lines[i].len);
        if (lines[i].more)
            put(w, "\xE2\x80\xA6");
        put(w, "</text>\n");
    }
}

/* A number in tenths written as a decimal ("12.3", "-4", "0.5"), with a
 * space before it when `sep` and it has no minus sign to separate it. */
static void put_tenths(writer *w, long v, int sep)
{
    char tmp[40];
    unsigned long a = v < 0 ? (unsigned long)0 - (unsigned long)v : (unsigned long)v;
    int n;
    if (a % 10)
        n = snprintf(tmp, sizeof tmp, "%s%s%lu.%lu", sep && v >= 0 ? " " : "", v < 0 ? "-" : "",
                     a / 10, a % 10);
    else
        n = snprintf(tmp, sizeof tmp, "%s%s%lu", sep && v >= 0 ? " " : "", v < 0 ? "-" : "",
                     a / 10);
    if (n > 0 && !w->rc)
        w->rc = mg_buf_append(w->b, tmp, (size_t)n);
}

/* A number in thousandths written as a decimal ("0.6", "2.5", "0.125"), for
 * stroke widths and viewBoxes that a framed map scales. */
static void put_milli(writer *w, long v)
{
    char tmp[48];
    unsigned long a = v < 0 ? (unsigned long)0 - (unsigned long)v : (unsigned long)v;
    int n = snprintf(tmp, sizeof tmp, "%s%lu.%03lu", v < 0 ? "-" : "", a / 1000, a % 1000);
    while (n > 0 && tmp[n - 1] == '0')
        n--;
    if (n > 0 && tmp[n - 1] == '.')
        n--;
    if (n > 0 && !w->rc)
        w->rc = mg_buf_append(w->b, tmp, (size_t)n);
}

/* FNV-1a of a string, to give element ids that differ between maps inlined
 * in one page yet stay the same from one run to the next. */
static uint32_t fnv1a(uint32_t h, const char *s)
{
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/* ---------------------------------------------------------------------- */
/* Map                                                                     */
/* ---------------------------------------------------------------------- */

enum {
    MAP_MARGIN = 12,
    LEGEND_W = 260,
    LEGEND_GAP = 16,
    ROW_H = 22,
    SWATCH_W = 22,
    SWATCH_H = 15,
    MAX_TITLE_LINES = 4,
};

/* From Lambert-93 metres to tenths of a pixel, y flipped (north up). */
typedef struct frame {
    double minx, maxy, scale, ox, oy;
} frame;

static long fx(const frame *f, double x)
{
    return lround(((x - f->minx) * f->scale + f->ox) * 10);
}

static long fy(const frame *f, double y)
{
    return lround(((f->maxy - y) * f->scale + f->oy) * 10);
}

/* A circle as a path (so that every commune is a <path>), radius r tenths. */
static void put_circle(writer *w, long cx, long cy, long r)
{
    put(w, "M");
    put_tenths(w, cx - r, 0);
    put_tenths(w, cy, 1);
    put(w, "a");
    put_tenths(w, r, 0);
    put_tenths(w, r, 1);
    put(w, " 0 1 0");
    put_tenths(w, 2 * r, 1);
    put(w, " 0a");
    put_tenths(w, r, 0);
    put_tenths(w, r, 1);
    put(w, " 0 1 0");
    put_tenths(w, -2 * r, 1);
    put(w, " 0z");
}

/* A relative polyline being written: its last point and how many distinct
 * points it has. */
typedef struct pen {
    long lx, ly;
    size_t distinct;
} pen;

/* Appends point (X, Y), in tenths of a pixel: "M x y l" for the first, then
 * the move from the last point; a point equal to the last is left out. */
static void pen_to(writer *w, pen *p, long X, long Y)
{
    if (p->distinct == 0) {
        put(w, "M");
        put_tenths(w, X, 0);
        put_tenths(w, Y, 1);
        put(w, "l");
    } else if (X == p->lx && Y == p->ly) {
        return;
    } else {
        put_tenths(w, X - p->lx, p->distinct > 1);
        put_tenths(w, Y - p->ly, 1);
    }
    p->lx = X;
    p->ly = Y;
    p->distinct++;
}

/* The path data of commune k: its rings, or a circle. */
static void put_commune_d(writer *w, const mg_map_geometry *g, size_t k, const frame *f)
{
    size_t start = w->b->len;
    long first_x = 0, first_y = 0;
    int have_first = 0;
    for (size_t r = g->commune_ring[k]; r < g->commune_ring[k + 1] && !w->rc; r++) {
        size_t ring_start = w->b->len;
        pen pn = {0, 0, 0};
        for (size_t i = g->ring_pt[r]; i < g->ring_pt[r + 1]; i++) {
            long X = fx(f, g->x[i]), Y = fy(f, g->y[i]);
            if (!have_first) {
                first_x = X;
                first_y = Y;
                have_first = 1;
            }
            pen_to(w, &pn, X, Y);
        }
        if (pn.distinct < 3) {
            /* Smaller than a pixel at this scale: leave it out. */
            if (!w->rc) {
                w->b->len = ring_start;
                w->b->data[ring_start] = '\0';
            }
            continue;
        }
        put(w, "z");
    }
    if (w->rc || w->b->len != start)
        return;
    if (have_first)
        put_circle(w, first_x, first_y, 15);
    else
        put_circle(w, fx(f, g->px[k]), fy(f, g->py[k]), 40);
}

/* Cached path data for one frame: d[k] of length len[k] per commune. */
#define PATH_CACHE_SLOTS 8
struct path_cache {
    frame f;
    char **d;
    size_t *len;
};

static void path_cache_free(mg_map_geometry *g)
{
    for (size_t c = 0; c < g->ncache; c++) {
        for (size_t k = 0; k < g->n; k++)
            free(g->cache[c].d[k]);
        free(g->cache[c].d);
        free(g->cache[c].len);
    }
    free(g->cache);
    g->cache = NULL;
    g->ncache = 0;
}

static int same_frame(const frame *a, const frame *b)
{
    return a->minx == b->minx && a->maxy == b->maxy && a->scale == b->scale && a->ox == b->ox &&
           a->oy == b->oy;
}

/*
 * The path data of every commune for frame f, from the cache or built and
 * kept (a handful of frames: one per map width in use). NULL when out of
 * memory or when the cache is full: callers then write the paths directly.
 * Entries are never removed before the geometry is freed, so a returned
 * pointer stays valid without holding the lock.
 */
static const struct path_cache *path_cache_get(const mg_map_geometry *cg, const frame *f)
{
    mg_map_geometry *g = (mg_map_geometry *)cg; /* the cache is the one mutable part */
    const struct path_cache *found = NULL;
    pthread_mutex_lock(&g->cache_lock);
    for (size_t c = 0; c < g->ncache && !found; c++)
        if (same_frame(&g->cache[c].f, f))
            found = &g->cache[c];
    if (!found && g->ncache < PATH_CACHE_SLOTS) {
        if (!g->cache)
            g->cache = mg_alloc_array(PATH_CACHE_SLOTS, sizeof *g->cache);
        struct path_cache pc = {.f = *f};
        pc.d = mg_alloc_array(g->n + 1, sizeof *pc.d);
        pc.len = mg_alloc_array(g->n + 1, sizeof *pc.len);
        int ok = g->cache && pc.d && pc.len;
        for (size_t k = 0; ok && k < g->n; k++) {
            mg_buf b;
            mg_buf_init(&b, MG_MAX_POLYGON_POINTS * 16u);
            writer w = {&b, 0};
            /* Communes that are not drawn (no contour, no point) get an
             * empty entry: their coordinates are NaN. */
            if (g->commune_ring[k] < g->commune_ring[k + 1] || isfinite(g->px[k]))
                put_commune_d(&w, g, k, f);
            ok = !w.rc;
            pc.d[k] = mg_buf_take(&b, &pc.len[k]);
            if (ok && !pc.d[k])
                pc.d[k] = calloc(1, 1);
            ok = ok && pc.d[k];
        }
        if (ok) {
            g->cache[g->ncache] = pc;
            found = &g->cache[g->ncache++];
        } else {
            for (size_t k = 0; pc.d && k < g->n; k++)
                free(pc.d[k]);
            free(pc.d);
            free(pc.len);
        }
    }
    pthread_mutex_unlock(&g->cache_lock);
    return found;
}

static int drawable(const mg_map_geometry *g, size_t k)
{
    return g->commune_ring[k] < g->commune_ring[k + 1] || isfinite(g->px[k]);
}

/* "Nom (code) : 3,84 unité", or "… : sans donnée" (or the map's own
 * label of communes without a value). */
static void put_commune_title(writer *w, const mg_territory *t, size_t c, double v,
                              const mg_map_options *o, int out, size_t cls, size_t ncls)
{
    const char *unit = o->unit;
    char num[256], head[32];
    if (!isfinite(v) && o->no_data_label && o->no_data_label[0])
        snprintf(num, sizeof num, "%s", o->no_data_label);
    else if (o->class_labels && cls < ncls) {
        snprintf(num, sizeof num, "%s", o->class_labels[cls]);
        unit = NULL;
    } else
        fmt_fr(num, sizeof num, v, value_decimals(v));
    snprintf(head, sizeof head, " (%s) : ", t->code[c]);
    put_text(w, t->name && t->name[c] ? t->name[c] : t->code[c]);
    put_text(w, head);
    put_text(w, num);
    if (isfinite(v) && unit && unit[0]) {
        put_text(w, " ");
        put_text(w, unit);
    }
    if (out)
        put_text(w, " \xE2\x80\x94 hors du p\xC3\xA9rim\xC3\xA8tre");
}

/* The path data of commune k for frame f, from the cache when it can. */
static void put_d(writer *w, const mg_map_geometry *g, const frame *f, size_t k)
{
    const struct path_cache *pc = path_cache_get(g, f);
    if (pc) {
        if (!w->rc)
            w->rc = mg_buf_append(w->b, pc->d[k], pc->len[k]);
    } else {
        put_commune_d(w, g, k, f);
    }
}

static void put_commune(writer *w, const mg_map_geometry *g, const mg_territory *t,
                        const double *values, const mg_map_style *st,
                        const mg_map_options *o, const char *id, const frame *f, size_t k,
                        int highlight, double zoom)
{
    size_t c = g->commune[k];
    double v = values[c];
    size_t cls = mg_map_style_class(st, v);
    int out = o->focus && !o->focus[c];

    int link = o->link_prefix != NULL;
    if (link) {
        put(w, "<a href=\"");
        put_text(w, o->link_prefix);
        put_text(w, t->code[c]);
        put_text(w, o->link_suffix);
        put(w, "\"><title>");
        put_commune_title(w, t, c, v, o, out, cls, st->nclasses);
        put(w, "</title>");
    }
    put(w, "<path");
    if (highlight || out)
        putf(w, " class=\"%s\"", highlight && out ? "mg-highlight mg-out" : highlight ? "mg-highlight" : "mg-out");
    if (highlight) {
        put(w, " stroke=\"#000000\" stroke-width=\"");
        put_milli(w, lround(2500 / zoom));
        put(w, "\"");
    } else if (g->commune_ring[k] == g->commune_ring[k + 1]) {
        /* A commune known only by its point: a small disc that a white
         * outline would make vanish against the page. */
        put(w, " stroke=\"#555555\" stroke-width=\"");
        put_milli(w, lround(800 / zoom));
        put(w, "\"");
    }
    put(w, " fill=\"");
    if (out)
        put(w, MG_MAP_GREY);
    else if (cls < st->nclasses)
        put(w, st->colors[cls]);
    else
        putf(w, "url(#%s-nd)", id);
    put(w, "\" d=\"");
    put_d(w, g, f, k);
    /* With a link the title belongs to the <a>, which names the link for
     * screen readers; without, to the path, which shows it as a tooltip. */
    if (link) {
        put(w, "\"/></a>\n");
        return;
    }
    put(w, "\"><title>");
    put_commune_title(w, t, c, v, o, out, cls, st->nclasses);
    put(w, "</title></path>\n");
}

/* Legend label of class k: "moins de 1,5", "de 1,5 à 2,5", "6,0 et plus". */
static void class_label(char *dst, size_t cap, const mg_map_style *st, size_t k, int dec)
{
    char lo[96], hi[96];
    if (k > 0)
        fmt_fr(lo, sizeof lo, st->breaks[k - 1], dec);
    if (k + 1 < st->nclasses)
        fmt_fr(hi, sizeof hi, st->breaks[k], dec);
    if (k == 0)
        snprintf(dst, cap, "moins de %s", hi);
    else if (k + 1 == st->nclasses)
        snprintf(dst, cap, "%s et plus", lo);
    else
        snprintf(dst, cap, "de %s à %s", lo, hi);
}

/* Plural of "commune" after a count. */
static const char *communes_word(size_t n)
{
    return n > 1 ? "communes" : "commune";
}

static int highlighted(const mg_map_options *o, size_t k)
{
    if ((long)k == o->highlight)
        return 1;
    for (size_t m = 0; m < o->nmore_highlights; m++)
        if (o->more_highlights[m] == (long)k)
            return 1;
    return 0;
}


/* ---------------------------------------------------------------------- */
/* Report layers: borders, names, sites, scale                             */
/* ---------------------------------------------------------------------- */

/* The polylines of g's borders for which keep(a, b) holds, as one path's
 * data (absolute start, relative moves, points rounding onto the previous
 * one skipped). Returns how many were written. */
static size_t put_borders(writer *w, const mg_map_geometry *g, const frame *f,
                          int (*keep)(const void *, size_t, size_t), const void *ctx)
{
    size_t nw = 0;
    for (size_t i = 0; i < g->nborder && !w->rc; i++) {
        if (!keep(ctx, g->bd_a[i], g->bd_b[i]))
            continue;
        pen pn = {0, 0, 0};
        for (size_t q = g->bd_pt[i]; q < g->bd_pt[i + 1]; q++)
            pen_to(w, &pn, fx(f, g->bx[q]), fy(f, g->by[q]));
        if (pn.distinct == 1)
            put(w, "0 0");
        nw++;
    }
    return nw;
}

typedef struct epci_ctx {
    const mg_map_geometry *g;
    const mg_territory *t;
} epci_ctx;

static int epci_differs(const void *p, size_t a, size_t b)
{
    const epci_ctx *c = p;
    if (b == BORDER_OUT)
        return 0;
    return c->t->epci[c->g->commune[a]] != c->t->epci[c->g->commune[b]];
}

/* A box in the map area's viewport pixels. */
typedef struct box {
    double x0, y0, x1, y1;
} box;

static int boxes_meet(const box *a, const box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

enum { LABEL_FS = 12, MAX_PLACED = 4096 };

/* Width in pixels of text at font size fs, estimated (DejaVu Sans averages
 * a little over half an em per character; capitals are wider). */
static double text_width(const char *s, double fs)
{
    size_t n = 0, caps = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        n += (*p & 0xC0) != 0x80;
        caps += *p >= 'A' && *p <= 'Z';
    }
    return fs * (0.62 * (double)n + 0.12 * (double)caps) + 2;
}

typedef struct placer {
    box placed[MAX_PLACED];
    size_t n;
    box area; /* the viewport */
} placer;

static int placer_free_at(const placer *pl, const box *b)
{
    if (b->x0 < pl->area.x0 || b->x1 > pl->area.x1 || b->y0 < pl->area.y0 || b->y1 > pl->area.y1)
        return 0;
    for (size_t i = 0; i < pl->n; i++)
        if (boxes_meet(&pl->placed[i], b))
            return 0;
    return 1;
}

static void placer_add(placer *pl, box b)
{
    if (pl->n < MAX_PLACED)
        pl->placed[pl->n++] = b;
}

/* Where a label of width tw goes beside a point (px, py) of the viewport,
 * with a gap of r: right, left, above, below, the first free place. Sets
 * the text's anchor point (baseline) and anchor; 0 when none is free. */
static int place_label(placer *pl, double px, double py, double tw, double r, double *tx,
                       double *ty, const char **anchor)
{
    double h = LABEL_FS * 1.15, asc = LABEL_FS * 0.78;
    struct {
        box b;
        double x, y;
        const char *a;
    } c[4] = {
        {{px + r, py - h / 2, px + r + tw, py + h / 2}, px + r, py - h / 2 + asc, "start"},
        {{px - r - tw, py - h / 2, px - r, py + h / 2}, px - r, py - h / 2 + asc, "end"},
        {{px - tw / 2, py - r - h, px + tw / 2, py - r}, px, py - r - h + asc, "middle"},
        {{px - tw / 2, py + r, px + tw / 2, py + r + h}, px, py + r + asc, "middle"},
    };
    for (int i = 0; i < 4; i++)
        if (placer_free_at(pl, &c[i].b)) {
            placer_add(pl, c[i].b);
            *tx = c[i].x;
            *ty = c[i].y;
            *anchor = c[i].a;
            return 1;
        }
    return 0;
}

/* The view's mapping: viewport pixel = ax + (view unit - vx) * zoom. */
typedef struct view {
    double ax, ay, vx, vy, zoom;
} view;

static double to_port_x(const view *v, double X)
{
    return v->ax + (X - v->vx) * v->zoom;
}
static double to_port_y(const view *v, double Y)
{
    return v->ay + (Y - v->vy) * v->zoom;
}
static long to_view_x(const view *v, double px)
{
    return lround((v->vx + (px - v->ax) / v->zoom) * 1000);
}
static long to_view_y(const view *v, double py)
{
    return lround((v->vy + (py - v->ay) / v->zoom) * 1000);
}

/* Commune c's point in the frame's pixels: its chef-lieu projected, or the
 * middle of its drawn contour, or its disc. 0 when it has none. */
static int commune_xy(const mg_map_geometry *g, const mg_territory *t, const frame *f, size_t c,
                      double *X, double *Y)
{
    double x, y;
    mg_diag d = {0};
    if (t->lon && t->lat && isfinite(t->lon[c]) && isfinite(t->lat[c]) &&
        mg_map_project(t->lon[c], t->lat[c], &x, &y, &d) == MG_OK) {
        *X = (x - f->minx) * f->scale + f->ox;
        *Y = (f->maxy - y) * f->scale + f->oy;
        return 1;
    }
    for (size_t k = 0; k < g->n; k++) {
        if (g->commune[k] != c)
            continue;
        if (isfinite(g->px[k])) {
            x = g->px[k], y = g->py[k];
        } else if (g->commune_ring[k] < g->commune_ring[k + 1]) {
            double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
            for (size_t i = g->ring_pt[g->commune_ring[k]]; i < g->ring_pt[g->commune_ring[k + 1]];
                 i++) {
                x0 = fmin(x0, g->x[i]), x1 = fmax(x1, g->x[i]);
                y0 = fmin(y0, g->y[i]), y1 = fmax(y1, g->y[i]);
            }
            x = (x0 + x1) / 2, y = (y0 + y1) / 2;
        } else {
            return 0;
        }
        *X = (x - f->minx) * f->scale + f->ox;
        *Y = (f->maxy - y) * f->scale + f->oy;
        return 1;
    }
    return 0;
}

/*
 * A pin: a group translated to the page point (px, py), whose content is
 * drawn around its origin. A script that zooms the map scales the pin
 * back about that point (carte.js), so that marks and names keep their
 * size and their distance to the point on screen.
 */
static void put_pin_open(writer *w, const view *v, double px, double py, const char *cls)
{
    putf(w, "<g class=\"%s\" transform=\"translate(", cls);
    put_milli(w, to_view_x(v, px));
    put(w, " ");
    put_milli(w, to_view_y(v, py));
    put(w, ")\">");
}

/* A text with a white halo (the same text stroked white under it), at
 * (dx, dy) page pixels from its pin's point. */
static void put_halo_text(writer *w, const view *v, double dx, double dy, const char *anchor,
                          const char *text, const char *cls)
{
    for (int pass = 0; pass < 2; pass++) {
        putf(w, "<text%s%s%s x=\"", cls && !pass ? " class=\"" : "", cls && !pass ? cls : "",
             cls && !pass ? "\"" : "");
        put_milli(w, lround(dx * 1000 / v->zoom));
        put(w, "\" y=\"");
        put_milli(w, lround(dy * 1000 / v->zoom));
        putf(w, "\" text-anchor=\"%s\"", anchor);
        if (pass == 0) {
            put(w, " stroke=\"#ffffff\" stroke-width=\"");
            put_milli(w, lround(3000 / v->zoom));
            put(w, "\" stroke-linejoin=\"round\" fill=\"#ffffff\"");
        }
        put(w, ">");
        put_text(w, text);
        put(w, "</text>\n");
    }
}

static const char *const site_colors[MG_MAP_SITE_KINDS] = {"#1f1f1f", "#6a3d9a", "#00695c",
                                                           "#8c2d04", "#08519c", "#7a0177"};

/* The mark of a site kind centred on (cx, cy), radius r, in the units of
 * the element it goes in (path data in thousandths). */
static void put_site_mark(writer *w, unsigned kind, long cx, long cy, long r)
{
    switch (kind % MG_MAP_SITE_KINDS) {
    case 0: /* disc */
        put(w, "M");
        put_milli(w, cx - r);
        put(w, " ");
        put_milli(w, cy);
        put(w, "a");
        put_milli(w, r);
        put(w, " ");
        put_milli(w, r);
        put(w, " 0 1 0 ");
        put_milli(w, 2 * r);
        put(w, " 0a");
        put_milli(w, r);
        put(w, " ");
        put_milli(w, r);
        put(w, " 0 1 0 ");
        put_milli(w, -2 * r);
        put(w, " 0z");
        return;
    case 1: /* square */
        putf(w, "M");
        put_milli(w, cx - r);
        put(w, " ");
        put_milli(w, cy - r);
        put(w, "h");
        put_milli(w, 2 * r);
        put(w, "v");
        put_milli(w, 2 * r);
        put(w, "h");
        put_milli(w, -2 * r);
        put(w, "z");
        return;
    case 2: /* triangle, point up */
        put(w, "M");
        put_milli(w, cx);
        put(w, " ");
        put_milli(w, cy - r * 6 / 5);
        put(w, "L");
        put_milli(w, cx + r * 6 / 5);
        put(w, " ");
        put_milli(w, cy + r * 4 / 5);
        put(w, "L");
        put_milli(w, cx - r * 6 / 5);
        put(w, " ");
        put_milli(w, cy + r * 4 / 5);
        put(w, "z");
        return;
    case 3: /* diamond */
        put(w, "M");
        put_milli(w, cx);
        put(w, " ");
        put_milli(w, cy - r * 13 / 10);
        put(w, "L");
        put_milli(w, cx + r * 13 / 10);
        put(w, " ");
        put_milli(w, cy);
        put(w, "L");
        put_milli(w, cx);
        put(w, " ");
        put_milli(w, cy + r * 13 / 10);
        put(w, "L");
        put_milli(w, cx - r * 13 / 10);
        put(w, " ");
        put_milli(w, cy);
        put(w, "z");
        return;
    case 4: /* triangle, point down */
        put(w, "M");
        put_milli(w, cx);
        put(w, " ");
        put_milli(w, cy + r * 6 / 5);
        put(w, "L");
        put_milli(w, cx + r * 6 / 5);
        put(w, " ");
        put_milli(w, cy - r * 4 / 5);
        put(w, "L");
        put_milli(w, cx - r * 6 / 5);
        put(w, " ");
        put_milli(w, cy - r * 4 / 5);
        put(w, "z");
        return;
    default: /* cross */
        put(w, "M");
        put_milli(w, cx - r / 3);
        put(w, " ");
        put_milli(w, cy - r);
        put(w, "h");
        put_milli(w, 2 * r / 3);
        put(w, "v");
        put_milli(w, 2 * r / 3);
        put(w, "h");
        put_milli(w, 2 * r / 3);
        put(w, "v");
        put_milli(w, 2 * r / 3);
        put(w, "h");
        put_milli(w, -2 * r / 3);
        put(w, "v");
        put_milli(w, 2 * r / 3);
        put(w, "h");
        put_milli(w, -2 * r / 3);
        put(w, "v");
        put_milli(w, -2 * r / 3);
        put(w, "h");
        put_milli(w, -2 * r / 3);
        put(w, "v");
        put_milli(w, -2 * r / 3);
        put(w, "h");
        put_milli(w, 2 * r / 3);
        put(w, "z");
        return;
    }
}

typedef struct pop_rank {
    double pop;
    size_t k;
} pop_rank;

static int cmp_pop_desc(const void *a, const void *b)
{
    const pop_rank *x = a, *y = b;
    if (x->pop != y->pop)
        return x->pop < y->pop ? 1 : -1;
    return (x->k > y->k) - (x->k < y->k);
}

/* Sites' marks and names, then the communes' names, inside the view.
 * Sites first: they are what the report is about. */
static void put_sites_and_labels(writer *w, const mg_map_geometry *g, const mg_territory *t,
                                 const mg_map_options *o, const frame *f, const view *v,
                                 const box *area)
{
    placer *pl = calloc(1, sizeof *pl);
    if (!pl) {
        if (!w->rc)
            w->rc = MG_ENOMEM;
        return;
    }
    pl->area = *area;
    enum { SITE_R = 7 };
    double *sx = NULL, *sy = NULL;
    if (o->nsites) {
        sx = mg_alloc_array(o->nsites, sizeof *sx);
        sy = mg_alloc_array(o->nsites, sizeof *sy);
        if (!sx || !sy) {
            if (!w->rc)
                w->rc = MG_ENOMEM;
            goto done;
        }
        /* The marks are obstacles for every label. */
        for (size_t i = 0; i < o->nsites; i++) {
            const mg_map_site *s = &o->sites[i];
            double X, Y;
            sx[i] = sy[i] = NAN;
            if (s->commune >= 0) {
                if (!commune_xy(g, t, f, (size_t)s->commune, &X, &Y))
                    continue;
            } else {
                X = (s->x - f->minx) * f->scale + f->ox;
                Y = (f->maxy - s->y) * f->scale + f->oy;
            }
            sx[i] = to_port_x(v, X);
            sy[i] = to_port_y(v, Y);
            placer_add(pl, (box){sx[i] - SITE_R - 1, sy[i] - SITE_R - 1, sx[i] + SITE_R + 1,
                                 sy[i] + SITE_R + 1});
        }
    }
    /* Commune names: the most populous first. */
    if (o->label_count && t->population) {
        pop_rank *rank = mg_alloc_array(g->n + 1, sizeof *rank);
        if (!rank) {
            if (!w->rc)
                w->rc = MG_ENOMEM;
            goto done;
        }
        size_t nr = 0;
        for (size_t k = 0; k < g->n; k++) {
            size_t c = g->commune[k];
            if (!drawable(g, k) || (o->focus && !o->focus[c]) || !(t->population[c] > 0))
                continue;
            rank[nr++] = (pop_rank){t->population[c], k};
        }
        qsort(rank, nr, sizeof *rank, cmp_pop_desc);
        put(w, "<g class=\"mg-labels\" aria-hidden=\"true\" pointer-events=\"none\" font-size=\"");
        put_milli(w, lround(LABEL_FS * 1000 / v->zoom));
        put(w, "\" fill=\"#111111\">\n");
        size_t placed = 0;
        for (size_t i = 0; i < nr && placed < o->label_count && i < 4 * o->label_count + 8; i++) {
            size_t c = g->commune[rank[i].k];
            double X, Y;
            if (!commune_xy(g, t, f, c, &X, &Y))
                continue;
            double px = to_port_x(v, X), py = to_port_y(v, Y);
            box dot = {px - 2.5, py - 2.5, px + 2.5, py + 2.5};
            if (!placer_free_at(pl, &dot))
                continue;
            const char *name = t->name && t->name[c] ? t->name[c] : t->code[c];
            double tx, ty;
            const char *anchor;
            placer_add(pl, dot);
            if (!place_label(pl, px, py, text_width(name, LABEL_FS), 4, &tx, &ty, &anchor)) {
                pl->n--; /* the dot goes with its name */
                continue;
            }
            put_pin_open(w, v, px, py, "mg-pin");
            put(w, "<circle cx=\"0\" cy=\"0\" r=\"");
            put_milli(w, lround(2000 / v->zoom));
            put(w, "\" stroke=\"#ffffff\" stroke-width=\"");
            put_milli(w, lround(1000 / v->zoom));
            put(w, "\"/>\n");
            put_halo_text(w, v, tx - px, ty - py, anchor, name, "mg-label");
            put(w, "</g>\n");
            placed++;
        }
        put(w, "</g>\n");
        free(rank);
    }
    if (o->nsites) {
        put(w, "<g class=\"mg-sites\">\n");
        for (size_t i = 0; i < o->nsites && !w->rc; i++) {
            const mg_map_site *s = &o->sites[i];
            if (!isfinite(sx[i]))
                continue;
            put_pin_open(w, v, sx[i], sy[i], "mg-site mg-pin");
            put(w, "<title>");
            put_text(w, s->label && s->label[0] ? s->label : "Site");
            if (s->kind_label && s->kind_label[0]) {
                put_text(w, " (");
                put_text(w, s->kind_label);
                put_text(w, ")");
            }
            putf(w, "</title><path fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"",
                 site_colors[s->kind % MG_MAP_SITE_KINDS]);
            put_milli(w, lround(1500 / v->zoom));
            put(w, "\" d=\"");
            put_site_mark(w, s->kind, 0, 0, lround(SITE_R * 1000 / v->zoom));
            put(w, "\"/>\n");
            double tx, ty;
            const char *anchor;
            if (s->label && s->label[0] &&
                place_label(pl, sx[i], sy[i], text_width(s->label, LABEL_FS) * 1.05, SITE_R + 3,
                            &tx, &ty, &anchor)) {
                put(w, "<g aria-hidden=\"true\" font-weight=\"bold\" font-size=\"");
                put_milli(w, lround(LABEL_FS * 1000 / v->zoom));
                putf(w, "\" fill=\"%s\">\n", site_colors[s->kind % MG_MAP_SITE_KINDS]);
                put_halo_text(w, v, tx - sx[i], ty - sy[i], anchor, s->label, "mg-site-label");
                put(w, "</g>\n");
            }
            put(w, "</g>\n");
        }
        put(w, "</g>\n");
    }
done:
    free(sx);
    free(sy);
    free(pl);
}

/* A round length (1, 2 or 5 times a power of ten) of at most max_m metres. */
static double nice_floor(double max_m)
{
    double p = pow(10, floor(log10(max_m)));
    static const double steps[] = {5, 2, 1};
    for (size_t i = 0; i < 3; i++)
        if (steps[i] * p <= max_m * (1 + 1e-12))
            return steps[i] * p;
    return p;
}

static int write_map(writer *w, const mg_map_geometry *g, const mg_territory *t,
                     const double *values, const mg_map_style *st, const mg_map_options *o,
                     unsigned width)
{
    /* Ids: unique enough between maps of one page, stable between runs. */
    char id[24];
    uint32_t h = fnv1a(2166136261u, o->title);
    h = fnv1a(h, o->unit);
    char nbuf[48];
    snprintf(nbuf, sizeof nbuf, "%zu/%u", g->n, width);
    h = fnv1a(h, nbuf);
    snprintf(id, sizeof id, "mgmap-%08x", (unsigned)h);

    int W = (int)width;
    int has_thr = isfinite(o->threshold);
    const char *thr_name = o->threshold_label && o->threshold_label[0] ? o->threshold_label : "seuil";

    /* Title band. */
    line_slice tl[MAX_TITLE_LINES];
    size_t ntl = o->title && o->title[0]
                     ? wrap(o->title, (size_t)(W - 2 * MAP_MARGIN) / 11, tl, MAX_TITLE_LINES)
                     : 0;
    int title_h = ntl ? 22 + 24 * (int)ntl : MAP_MARGIN;

    /* Legend size. */
    line_slice ul[3];
    const char *legend_title = o->legend_title && o->legend_title[0] ? o->legend_title
                               : o->unit && o->unit[0]                 ? o->unit
                                                                       : "Légende";
    const char *no_data = o->no_data_label && o->no_data_label[0] ? o->no_data_label : "sans donnée";
    size_t nul = wrap(legend_title, (LEGEND_W - 24) / 8, ul, 3);
    char thr_text[512] = "";
    if (has_thr) {
        char tv[96];
        fmt_fr(tv, sizeof tv, o->threshold, decimals_needed(o->threshold));
        snprintf(thr_text, sizeof thr_text, "%s : %s", thr_name, tv);
    }
    line_slice thl[3];
    size_t nthl = has_thr ? wrap(thr_text, (LEGEND_W - 54) / 7, thl, 3) : 0;
    int rows_top = 12 + 18 * (int)nul + 8;
    int legend_h = rows_top + ROW_H * (int)(st->nclasses + 1) + (nthl ? 6 + 16 * (int)nthl : 0) + 8;
    /* Further legend lines: the scope's outline, EPCI borders, each kind
     * of site. */
    int draw_epci = o->epci_borders && t->epci && g->nborder;
    const char *kind_label[MG_MAP_SITE_KINDS] = {0};
    int kind_used[MG_MAP_SITE_KINDS] = {0};
    for (size_t i = 0; i < o->nsites; i++) {
        unsigned k = o->sites[i].kind;
        kind_used[k] = 1;
        if (!kind_label[k] && o->sites[i].kind_label && o->sites[i].kind_label[0])
            kind_label[k] = o->sites[i].kind_label;
    }
    int extra_rows = 2 * (o->focus != NULL) + draw_epci;
    for (int k = 0; k < MG_MAP_SITE_KINDS; k++)
        extra_rows += kind_used[k];
    int extra_top = legend_h - 8 + (extra_rows ? 6 : 0);
    legend_h += extra_rows * ROW_H + (extra_rows ? 6 : 0);

    /* Map frame: fitted to the free width, north up, no taller than
     * 1.6 times its width (a long thin territory would push the legend
     * far away). */
    double dx = g->maxx - g->minx, dy = g->maxy - g->miny;
    frame f = {.minx = g->minx, .maxy = g->maxy};
    if (!(dx >= 0) || !(dy >= 0)) { /* nothing to draw */
        dx = dy = 1000;
        f.minx = 0;
        f.maxy = 1000;
    }
    /* A single point or a straight line of points still gets an extent. */
    if (dx < 1000) {
        f.minx -= (1000 - dx) / 2;
        dx = 1000;
    }
    if (dy < 1000) {
        f.maxy += (1000 - dy) / 2;
        dy = 1000;
    }
    double mw = W - 2 * MAP_MARGIN - LEGEND_GAP - LEGEND_W;
    f.scale = mw / dx;
    if (dy * f.scale > 1.6 * mw)
        f.scale = 1.6 * mw / dy;
    double map_w = dx * f.scale, map_h = dy * f.scale;
    f.ox = MAP_MARGIN + (mw - map_w) / 2;
    f.oy = title_h;

    /* The map area: a nested viewport a few pixels wider than the map on
     * each side (discs and outlines at the edge), whose viewBox is the same
     * box (paths in page pixels) or, framed on a scope, the scope's extent
     * in those pixels: the frame, hence the cached paths, stay the
     * territory's. */
    enum { PAD = 4 };
    double ax = MAP_MARGIN - PAD, ay = title_h - PAD, aw = mw + 2 * PAD;
    double vx, vy, vw, vh, zoom = 1;
    size_t nfocus = 0;
    if (o->focus) {
        double ex0 = INFINITY, ey0 = INFINITY, ex1 = -INFINITY, ey1 = -INFINITY;
        for (size_t k = 0; k < g->n; k++) {
            if (!o->focus[g->commune[k]] || !drawable(g, k))
                continue;
            nfocus++;
            for (size_t i = g->ring_pt[g->commune_ring[k]];
                 i < g->ring_pt[g->commune_ring[k + 1]]; i++) {
                double X = (g->x[i] - f.minx) * f.scale + f.ox;
                double Y = (f.maxy - g->y[i]) * f.scale + f.oy;
                ex0 = fmin(ex0, X), ex1 = fmax(ex1, X);
                ey0 = fmin(ey0, Y), ey1 = fmax(ey1, Y);
            }
            if (g->commune_ring[k] == g->commune_ring[k + 1]) {
                double X = (g->px[k] - f.minx) * f.scale + f.ox;
                double Y = (f.maxy - g->py[k]) * f.scale + f.oy;
                ex0 = fmin(ex0, X - 4), ex1 = fmax(ex1, X + 4);
                ey0 = fmin(ey0, Y - 4), ey1 = fmax(ey1, Y + 4);
            }
        }
        if (!nfocus)
            return MG_EINVAL;
        double ew = fmax(ex1 - ex0, 1), eh = fmax(ey1 - ey0, 1);
        double m = (o->focus_margin > 0 ? o->focus_margin : 0.05) * fmax(ew, eh);
        ew += 2 * m;
        eh += 2 * m;
        /* The area's height follows the scope's shape, within 0.4 and 1.6
         * times its width. */
        double ah = aw * eh / ew;
        ah = fmin(fmax(ah, 0.4 * aw), 1.6 * aw);
        zoom = fmin(aw / ew, ah / eh);
        vw = aw / zoom;
        vh = ah / zoom;
        vx = (ex0 + ex1) / 2 - vw / 2;
        vy = (ey0 + ey1) / 2 - vh / 2;
        map_h = ah - 2 * PAD;
    } else {
        vx = ax;
        vy = ay;
        vw = aw;
        vh = map_h + 2 * PAD;
    }
    double ah = map_h + 2 * PAD;
    int body_h = (int)ceil(map_h) > legend_h ? (int)ceil(map_h) : legend_h;
    int source_y = title_h + body_h + MAP_MARGIN + 12;
    /* The source line wrapped to the map's width (11 px text: about 6 px
     * a character), at most three lines. */
    line_slice src[3];
    size_t nsrc = o->source && o->source[0]
                      ? wrap(o->source, (size_t)((W - 2 * MAP_MARGIN) / 6), src, 3)
                      : 0;
    int H = title_h + body_h + MAP_MARGIN + (nsrc ? 10 + 14 * (int)nsrc : 0);

    /* Summary for screen readers. */
    size_t drawn = 0, nodata = 0, below = 0;
    for (size_t k = 0; k < g->n; k++) {
        if (!drawable(g, k))
            continue;
        drawn++;
        if (o->focus && !o->focus[g->commune[k]])
            continue;
        double v = values[g->commune[k]];
        if (!isfinite(v))
            nodata++;
        else if (has_thr && v < o->threshold)
            below++;
    }

    int link = o->link_prefix != NULL;
    put(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    putf(w,
         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
         "viewBox=\"0 0 %d %d\" class=\"mg-map\" role=\"%s\" "
         "aria-labelledby=\"%s-title %s-desc\" "
         "font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n",
         W, H, W, H, link ? "group" : "img", id, id);
    putf(w, "<title id=\"%s-title\">", id);
    put_text(w, o->title && o->title[0] ? o->title : "Carte des communes");
    put(w, "</title>\n");
    putf(w, "<desc id=\"%s-desc\">", id);
    {
        char line[768];
        snprintf(line, sizeof line, "Carte de %zu %s", drawn, communes_word(drawn));
        put_text(w, line);
        if (o->unit && o->unit[0]) {
            put_text(w, " (");
            put_text(w, o->unit);
            put_text(w, ")");
        }
        put_text(w, ".");
        if (o->focus) {
            put_text(w, " Périmètre");
            if (o->focus_label && o->focus_label[0]) {
                put_text(w, " ");
                put_text(w, o->focus_label);
            }
            snprintf(line, sizeof line, " : %zu %s en couleur, les autres en gris.", nfocus,
                     communes_word(nfocus));
            put_text(w, line);
        }
        if (has_thr) {
            char tv[96];
            fmt_fr(tv, sizeof tv, o->threshold, decimals_needed(o->threshold));
            snprintf(line, sizeof line, " %zu %s sous le %s (%s).", below,
                     communes_word(below), thr_name, tv);
            put_text(w, line);
        }
        if (nodata) {
            if (o->no_data_label && o->no_data_label[0])
                snprintf(line, sizeof line, " %zu %s : %s.", nodata, communes_word(nodata),
                         no_data);
            else
                snprintf(line, sizeof line, " %zu %s sans donnée.", nodata, communes_word(nodata));
            put_text(w, line);
        }
    }
    put(w, "</desc>\n");
    putf(w,
         "<defs><pattern id=\"%s-nd\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
         "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"%s\"/>"
         "<rect width=\"2\" height=\"6\" fill=\"#ffffff\"/></pattern></defs>\n",
         id, st->no_data_color ? st->no_data_color : no_data_default);
    putf(w, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
    if (ntl) {
        put(w, "<g aria-hidden=\"true\">\n");
        put_lines(w, tl, ntl, MAP_MARGIN, 32, 24,
                  " font-size=\"19\" font-weight=\"bold\" fill=\"#222222\"");
        put(w, "</g>\n");
    }

    /* Communes; the highlighted ones last, so that no neighbour covers
     * their outline. On a framed map the communes outside the scope come
     * first, then the scope's outline: every scope commune stroked with a
     * wide dark line, whose inner half the scope's own fills then cover,
     * so that only the line along the scope's edge stays visible (shared
     * borders inside the scope are covered from both sides). */
    put(w, "<svg class=\"mg-map-view\" x=\"");
    put_milli(w, lround(ax * 1000));
    put(w, "\" y=\"");
    put_milli(w, lround(ay * 1000));
    put(w, "\" width=\"");
    put_milli(w, lround(aw * 1000));
    put(w, "\" height=\"");
    put_milli(w, lround(ah * 1000));
    put(w, "\" viewBox=\"");
    put_milli(w, lround(vx * 1000));
    put(w, " ");
    put_milli(w, lround(vy * 1000));
    put(w, " ");
    put_milli(w, lround(vw * 1000));
    put(w, " ");
    put_milli(w, lround(vh * 1000));
    put(w, "\" preserveAspectRatio=\"xMidYMid meet\">\n");
    put(w, "<g class=\"mg-communes\" stroke=\"#ffffff\" stroke-width=\"");
    put_milli(w, lround(600 / zoom));
    put(w, "\" stroke-linejoin=\"round\" fill-rule=\"evenodd\">\n");
    for (int pass = o->focus ? 0 : 1; pass < 2; pass++) {
        for (size_t k = 0; k < g->n && !w->rc; k++)
            if (!highlighted(o, k) && drawable(g, k) &&
                (!o->focus || !o->focus[g->commune[k]] == !pass))
                put_commune(w, g, t, values, st, o, id, &f, k, 0, zoom);
        if (pass == 0) {
            put(w, "<g class=\"mg-scope-outline\" aria-hidden=\"true\" fill=\"none\" "
                   "stroke=\"#1a1a1a\" stroke-width=\"");
            put_milli(w, lround(4000 / zoom));
            put(w, "\">\n");
            for (size_t k = 0; k < g->n && !w->rc; k++)
                if (o->focus[g->commune[k]] && drawable(g, k)) {
                    put(w, "<path d=\"");
                    put_d(w, g, &f, k);
                    put(w, "\"/>\n");
                }
            put(w, "</g>\n");
        }
    }
    for (size_t k = 0; k < g->n && !w->rc; k++)
        if (highlighted(o, k) && drawable(g, k))
            put_commune(w, g, t, values, st, o, id, &f, k, 1, zoom);
    put(w, "</g>\n");
    if (draw_epci) {
        epci_ctx ec = {g, t};
        put(w, "<path class=\"mg-epci\" aria-hidden=\"true\" fill=\"none\" stroke=\"#3a3a3a\" "
               "stroke-linejoin=\"round\" stroke-linecap=\"round\" stroke-width=\"");
        put_milli(w, lround(1600 / zoom));
        put(w, "\" d=\"");
        put_borders(w, g, &f, epci_differs, &ec);
        put(w, "\"/>\n");
    }
    view vw_map = {ax, ay, vx, vy, zoom};
    box area = {ax, ay, ax + aw, ay + ah};
    if (o->label_count || o->nsites)
        put_sites_and_labels(w, g, t, o, &f, &vw_map, &area);
    put(w, "</svg>\n");

    /* Scale bar: a round length up to a quarter of the map's width. */
    if (o->scale_bar) {
        double mpp = 1 / (f.scale * zoom); /* metres per page pixel */
        double len_m = nice_floor(0.25 * mw * mpp);
        double len_px = len_m / mpp;
        char lab[64];
        if (len_m >= 1000)
            snprintf(lab, sizeof lab, "%.0f km", len_m / 1000);
        else
            snprintf(lab, sizeof lab, "%.0f m", len_m);
        long x0 = lround((ax + 8) * 1000), y0 = lround((ay + ah - 10) * 1000);
        long lp = lround(len_px * 1000);
        put(w, "<g class=\"mg-scale\" pointer-events=\"none\" font-size=\"11\" fill=\"#222222\">\n<rect x=\"");
        put_milli(w, x0 - 4000);
        put(w, "\" y=\"");
        put_milli(w, y0 - 18000);
        put(w, "\" width=\"");
        put_milli(w, lp + 8000 + lround(text_width(lab, 11) * 1000));
        put(w, "\" height=\"24\" fill=\"#ffffff\" fill-opacity=\"0.8\"/>\n<path class=\"mg-scale-bar\" "
               "fill=\"none\" stroke=\"#222222\" stroke-width=\"1.5\" d=\"M");
        put_milli(w, x0);
        put(w, " ");
        put_milli(w, y0 - 5000);
        put(w, "V");
        put_milli(w, y0);
        put(w, "H");
        put_milli(w, x0 + lp);
        put(w, "V");
        put_milli(w, y0 - 5000);
        put(w, "\"/>\n<text x=\"");
        put_milli(w, x0 + lp + 4000);
        put(w, "\" y=\"");
        put_milli(w, y0);
        putf(w, "\" data-metres=\"%.0f\">", len_m);
        put_text(w, lab);
        put(w, "</text>\n</g>\n");
    }

    /* Legend: classes from the highest at the top down to the lowest, so
     * that the threshold line has the under-served classes below it. */
    int lx = W - MAP_MARGIN - LEGEND_W, ly = title_h;
    putf(w, "<g font-size=\"12\" fill=\"#222222\">\n"
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"#ffffff\" "
            "stroke=\"#999999\"/>\n",
         lx, ly, LEGEND_W, legend_h);
    put_lines(w, ul, nul, lx + 12, ly + 12 + 13, 18, " font-size=\"13\" font-weight=\"bold\"");
    int dec = 0;
    for (size_t i = 0; i + 1 < st->nclasses; i++) {
        int need = decimals_needed(st->breaks[i]);
        if (need > dec)
            dec = need;
    }
    size_t thr_break = st->nclasses; /* index of the break equal to the threshold */
    for (size_t i = 0; has_thr && i + 1 < st->nclasses; i++)
        if (fabs(st->breaks[i] - o->threshold) <= 1e-9 * fmax(1, fabs(o->threshold)))
            thr_break = i;
    for (size_t r = 0; r <= st->nclasses; r++) {
        int y = ly + rows_top + ROW_H * (int)r;
        char label[256];
        const char *fill;
        char nd_fill[48];
        if (r < st->nclasses) {
            /* Ranges from the highest down; classes in their own order. */
            size_t k = o->class_labels ? r : st->nclasses - 1 - r;
            if (o->class_labels)
                snprintf(label, sizeof label, "%s", o->class_labels[k]);
            else
                class_label(label, sizeof label, st, k, dec);
            fill = st->colors[k];
        } else {
            snprintf(label, sizeof label, "%s", no_data);
            snprintf(nd_fill, sizeof nd_fill, "url(#%s-nd)", id);
            fill = nd_fill;
        }
        putf(w,
             "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#666666\" "
             "stroke-width=\"0.5\"/><text x=\"%d\" y=\"%d\">",
             lx + 12, y, SWATCH_W, SWATCH_H, fill, lx + 12 + SWATCH_W + 10, y + 12);
        put_text(w, label);
        put(w, "</text>\n");
        /* The threshold between the class just above it (row r) and the
         * class just below (row r + 1). */
        if (r + 1 < st->nclasses && thr_break < st->nclasses &&
            st->nclasses - 2 - r == thr_break)
            putf(w,
                 "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\" "
                 "stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n",
                 lx + 6, y + SWATCH_H + (ROW_H - SWATCH_H) / 2, lx + LEGEND_W - 12,
                 y + SWATCH_H + (ROW_H - SWATCH_H) / 2);
    }
    if (nthl) {
        int y = ly + rows_top + ROW_H * (int)(st->nclasses + 1) + 6;
        putf(w,
             "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000000\" "
             "stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n",
             lx + 12, y + 3, lx + 12 + SWATCH_W, y + 3);
        put_lines(w, thl, nthl, lx + 12 + SWATCH_W + 10, y + 7, 16, "");
    }
    int ey = ly + extra_top;
    if (o->focus) {
        putf(w, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ffffff\" "
                "stroke=\"#1a1a1a\" stroke-width=\"2\"/>\n",
             lx + 12, ey, SWATCH_W, SWATCH_H);
        line_slice fl[1];
        size_t nfl = wrap(o->focus_label && o->focus_label[0] ? o->focus_label : "périmètre",
                          (LEGEND_W - 54) / 7, fl, 1);
        put_lines(w, fl, nfl, lx + 12 + SWATCH_W + 10, ey + 12, 16, "");
        ey += ROW_H;
        putf(w, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
                "<text x=\"%d\" y=\"%d\">hors du périmètre</text>\n",
             lx + 12, ey, SWATCH_W, SWATCH_H, MG_MAP_GREY, lx + 12 + SWATCH_W + 10, ey + 12);
        ey += ROW_H;
    }
    if (draw_epci) {
        putf(w, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#3a3a3a\" "
                "stroke-width=\"1.6\"/><text x=\"%d\" y=\"%d\">limite d’EPCI</text>\n",
             lx + 12, ey + 8, lx + 12 + SWATCH_W, ey + 8, lx + 12 + SWATCH_W + 10, ey + 12);
        ey += ROW_H;
    }
    for (int k = 0; k < MG_MAP_SITE_KINDS; k++) {
        if (!kind_used[k])
            continue;
        putf(w, "<path fill=\"%s\" d=\"", site_colors[k]);
        put_site_mark(w, (unsigned)k, (lx + 12 + SWATCH_W / 2) * 1000L, (ey + 8) * 1000L, 6500);
        putf(w, "\"/><text x=\"%d\" y=\"%d\">", lx + 12 + SWATCH_W + 10, ey + 12);
        put_text(w, kind_label[k] ? kind_label[k] : "site");
        put(w, "</text>\n");
        ey += ROW_H;
    }
    put(w, "</g>\n");
    for (size_t i = 0; i < nsrc; i++) {
        putf(w, "<text class=\"mg-source\" x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#444444\">",
             MAP_MARGIN, source_y + 14 * (int)i);
        put_text_n(w, src[i].p, src[i].len);
        if (src[i].more)
            put(w, "\xE2\x80\xA6");
        put(w, "</text>\n");
    }
    put(w, "</svg>\n");
    return w->rc;
}

int mg_map_svg(mg_buf *out, const mg_map_geometry *g, const mg_territory *t,
               const double *values, const mg_map_style *style, const mg_map_options *opt)
{
    if (!out || !g || !t || !values || !style || g->tn != t->n || !t->code)
        return MG_EINVAL;
    mg_map_options o = {.threshold = NAN, .highlight = -1};
    if (opt)
        o = *opt;
    unsigned width = o.width ? o.width : 800;
    if (width < 400 || width > 10000)
        return MG_EINVAL;
    if (o.highlight < -1 || (o.highlight >= 0 && (size_t)o.highlight >= g->n))
        return MG_EINVAL;
    if (o.nmore_highlights && !o.more_highlights)
        return MG_EINVAL;
    for (size_t m = 0; m < o.nmore_highlights; m++)
        if (o.more_highlights[m] < 0 || (size_t)o.more_highlights[m] >= g->n)
            return MG_EINVAL;
    if (!valid_style(style))
        return MG_EINVAL;
    if (o.nsites > MG_MAP_MAX_SITES || (o.nsites && !o.sites))
        return MG_EINVAL;
    for (size_t i = 0; i < o.nsites; i++) {
        const mg_map_site *s = &o.sites[i];
        if (s->kind >= MG_MAP_SITE_KINDS || s->commune < -1 ||
            (s->commune >= 0 && (size_t)s->commune >= t->n) ||
            (s->commune < 0 && (!isfinite(s->x) || !isfinite(s->y))))
            return MG_EINVAL;
    }
    if (o.link_prefix && !o.link_suffix)
        o.link_suffix = "";
    size_t start = out->len;
    writer w = {out, MG_OK};
    int rc = write_map(&w, g, t, values, style, &o, width);
    if (rc) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Bar chart                                                               */
/* ---------------------------------------------------------------------- */

/* A step of 1, 2, 2.5 or 5 times a power of ten giving about `ticks` ticks. */
static double tick_step(double span, int ticks)
{
    return nice_ceil(span / ticks);
}

int mg_chart_bars(mg_buf *out, const char *title, const char *const *labels,
                  const double *values, size_t n, double threshold, const char *unit)
{
    if (!out || (n && (!labels || !values)))
        return MG_EINVAL;
    if (n > MG_MAX_COMMUNES)
        return MG_ELIMIT;
    enum { CW = 640, CROW = 24, BAR_H = 16, VALUE_W = 72 };
    int has_thr = isfinite(threshold);

    /* Label column sized to the longest label, within bounds. */
    size_t maxc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *l = labels[i] ? labels[i] : "";
        size_t c = utf8_chars(l, strlen(l));
        if (c > maxc)
            maxc = c;
    }
    int lw = maxc > 34 ? 250 : maxc < 7 ? 60 : (int)maxc * 7 + 12;
    size_t label_chars = (size_t)(lw - 12) / 7;

    double vmin = 0, vmax = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(values[i])) {
            vmin = fmin(vmin, values[i]);
            vmax = fmax(vmax, values[i]);
        }
    if (has_thr) {
        vmin = fmin(vmin, threshold);
        vmax = fmax(vmax, threshold);
    }
    if (!isfinite(vmax - vmin))
        return MG_EINVAL; /* no axis can span that */
    if (vmax - vmin <= 0)
        vmax = vmin + 1;
    double step = tick_step(vmax - vmin, 5);
    vmin = floor(vmin / step) * step;
    vmax = ceil(vmax / step) * step;
    double x0 = lw + 8, x1 = CW - VALUE_W;
    double sx = (x1 - x0) / (vmax - vmin);
#define BX(v) lround((x0 + ((v) - vmin) * sx) * 10)

    int top = has_thr ? 30 : 10;
    int axis_y = top + CROW * (int)(n ? n : 1) + 4;
    int H = axis_y + 48;

    char id[24];
    uint32_t h = fnv1a(2166136261u, title);
    h = fnv1a(h, unit);
    for (size_t i = 0; i < n; i++)
        h = fnv1a(h, labels[i]);
    snprintf(id, sizeof id, "mgchart-%08x", (unsigned)h);

    size_t start = out->len;
    writer ww = {out, MG_OK}, *w = &ww;
    int vdec = 2;
    for (size_t i = 0; i < n; i++)
        if (isfinite(values[i]) && value_decimals(values[i]) < vdec)
            vdec = value_decimals(values[i]);
    char num[96];

    putf(w,
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
         "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"%s-title %s-desc\" "
         "font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" font-size=\"12\">\n",
         CW, H, CW, H, id, id);
    putf(w, "<title id=\"%s-title\">", id);
    put_text(w, title && title[0] ? title : "Graphique en barres");
    put(w, "</title>\n");
    putf(w, "<desc id=\"%s-desc\">", id);
    for (size_t i = 0; i < n; i++) {
        fmt_fr(num, sizeof num, values[i], vdec);
        put_text(w, i ? " ; " : "");
        put_text(w, labels[i] ? labels[i] : "");
        put_text(w, " : ");
        put_text(w, num);
        if (isfinite(values[i]) && unit && unit[0]) {
            put_text(w, " ");
            put_text(w, unit);
        }
    }
    if (has_thr) {
        fmt_fr(num, sizeof num, threshold, decimals_needed(threshold));
        put_text(w, n ? ". Seuil : " : "Seuil : ");
        put_text(w, num);
        put_text(w, ".");
    }
    put(w, "</desc>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    if (n == 0)
        putf(w, "<text x=\"%d\" y=\"%d\" fill=\"#555555\">aucune donnée</text>\n", lw + 8,
             top + 16);

    for (size_t i = 0; i < n; i++) {
        int y = top + CROW * (int)i;
        double v = values[i];
        const char *l = labels[i] ? labels[i] : "";
        fmt_fr(num, sizeof num, v, vdec);
        put(w, "<g><title>");
        put_text(w, l);
        put_text(w, " : ");
        put_text(w, num);
        if (isfinite(v) && unit && unit[0]) {
            put_text(w, " ");
            put_text(w, unit);
        }
        put(w, "</title>");
        line_slice ls[1];
        size_t nl = wrap(l, label_chars, ls, 1);
        putf(w, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lw, y + 16);
        if (nl) {
            put_text_n(w, ls[0].p, ls[0].len);
            if (ls[0].more)
                put(w, "\xE2\x80\xA6");
        }
        put(w, "</text>");
        if (isfinite(v)) {
            long a = BX(fmin(0, v)), b = BX(fmax(0, v));
            if (b - a < 5)
                b = a + 5; /* a zero still shows as a sliver next to its value */
            put(w, "<rect class=\"bar\" x=\"");
            put_tenths(w, a, 0);
            putf(w, "\" y=\"%d\" width=\"", y + (CROW - BAR_H) / 2);
            put_tenths(w, b - a, 0);
            putf(w, "\" height=\"%d\" fill=\"%s\"/>", BAR_H,
                 has_thr && v < threshold ? "#d73027" : "#4575b4");
            put(w, "<text x=\"");
            put_tenths(w, BX(fmax(0, v)) + 40, 0);
            putf(w, "\" y=\"%d\">", y + 16);
            put_text(w, num);
            put(w, "</text>");
        } else {
            put(w, "<text x=\"");
            put_tenths(w, BX(0) + 40, 0);
            putf(w, "\" y=\"%d\" fill=\"#555555\" font-style=\"italic\">sans donnée</text>",
                 y + 16);
        }
        put(w, "</g>\n");
    }

    /* Axis with ticks, then the unit under it. */
    put(w, "<g stroke=\"#666666\"><line x1=\"");
    put_tenths(w, BX(vmin), 0);
    putf(w, "\" y1=\"%d\" x2=\"", axis_y);
    put_tenths(w, BX(vmax), 0);
    putf(w, "\" y2=\"%d\"/>", axis_y);
    int tdec = decimals_needed(step);
    for (int i = 0; i <= 50; i++) {
        double v = vmin + i * step;
        if (v > vmax + step / 2)
            break;
        put(w, "<line x1=\"");
        put_tenths(w, BX(v), 0);
        putf(w, "\" y1=\"%d\" x2=\"", axis_y);
        put_tenths(w, BX(v), 0);
        putf(w, "\" y2=\"%d\"/>", axis_y + 4);
    }
    put(w, "</g>\n<g fill=\"#444444\" font-size=\"11\" text-anchor=\"middle\">");
    for (int i = 0; i <= 50; i++) {
        double v = vmin + i * step;
        if (v > vmax + step / 2)
            break;
        fmt_fr(num, sizeof num, fabs(v) < step * 1e-9 ? 0 : v, tdec);
        put(w, "<text x=\"");
        put_tenths(w, BX(v), 0);
        putf(w, "\" y=\"%d\">", axis_y + 17);
        put_text(w, num);
        put(w, "</text>");
    }
    put(w, "</g>\n");
    if (unit && unit[0]) {
        put(w, "<text x=\"");
        put_tenths(w, lround((x0 + x1) * 5), 0);
        putf(w, "\" y=\"%d\" text-anchor=\"middle\" fill=\"#222222\">", axis_y + 38);
        put_text(w, unit);
        put(w, "</text>\n");
    }
    if (vmin < 0) {
        put(w, "<line x1=\"");
        put_tenths(w, BX(0), 0);
        putf(w, "\" y1=\"%d\" x2=\"", top - 2);
        put_tenths(w, BX(0), 0);
        putf(w, "\" y2=\"%d\" stroke=\"#666666\"/>\n", axis_y);
    }
    if (has_thr) {
        fmt_fr(num, sizeof num, threshold, decimals_needed(threshold));
        put(w, "<line x1=\"");
        put_tenths(w, BX(threshold), 0);
        putf(w, "\" y1=\"%d\" x2=\"", top - 8);
        put_tenths(w, BX(threshold), 0);
        putf(w, "\" y2=\"%d\" stroke=\"#000000\" stroke-width=\"1.5\" "
                "stroke-dasharray=\"5 3\"/>\n", axis_y);
        put(w, "<text x=\"");
        put_tenths(w, BX(threshold), 0);
        putf(w, "\" y=\"%d\" text-anchor=\"middle\">seuil : ", top - 12);
        put_text(w, num);
        put(w, "</text>\n");
    }
#undef BX
    put(w, "</svg>\n");
    if (w->rc) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return w->rc;
}
