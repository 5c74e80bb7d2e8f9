/*
 * Bounded many-to-many tables.
 *
 * Both contraction-hierarchy methods start with a backward upward search from
 * every target, which stops at the catchment (minus the snapping allowances)
 * and uses stall-on-demand; the nodes it settles, with their distances to the
 * target, are the target's "bucket entries". Then:
 *
 * MG_ROUTE_CH_BUCKETS (Knopp et al., 2007): a forward upward search from every
 * source scans the buckets of the nodes it settles, and the best sum per
 * target is the shortest time. Cheap when few targets are within reach of a
 * source: a large network with a short catchment.
 *
 * MG_ROUTE_CH_SWEEP (restricted PHAST, Delling et al., 2011): the nodes with
 * bucket entries form a restricted graph R; for 16 sources at once, the
 * forward upward searches seed a distance matrix over R, then one linear
 * sweep over R in descending rank relaxes every downward arc for the 16
 * sources together (written so that the compiler makes vector code of it,
 * with an AVX2 clone chosen at run time on x86-64), and the targets read
 * their distances off their entry nodes. Its cost does not grow with the
 * number of targets within reach, so it wins when most are: a small country,
 * a long catchment, where the buckets hold nearly every target at the top
 * of the hierarchy and the table itself is dense.
 *
 * MG_ROUTE_CH chooses between the two from the sizes known after the
 * backward searches: the bucket entries a sample of forward searches would
 * scan, scaled to all sources, against the sweep's arcs times sources / 16.
 *
 * MG_ROUTE_DIJKSTRA: a plain bounded Dijkstra on the uncontracted graph from
 * every source: the independent reference the tests compare with, pair by
 * pair, and the baseline of the bench.
 *
 * Times are integers (tenths of a second) so that every method gives the
 * identical table.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "routing/internal.h"

/* Targets per claim in the backward phase; sources per unit of the bucket
 * and Dijkstra methods. */
#define CHUNK 8
/* Sources per sweep: 16 x 32 bits, two AVX2 registers. */
#define LANES 16
/* "Unreached" in the sweep's matrix: memset-able (bytes of 0x3f), and far
 * enough below 2^31 that adding an arc or a seed's time (< MG_MAX_ARC_DS)
 * never overflows a signed lane. */
#define SWEEP_INF 0x3f3f3f3f
/* Sources sampled to estimate the bucket scans (MG_ROUTE_CH). */
#define SAMPLE_SOURCES 64
/* Cost of one 16-lane relaxation against one bucket entry scanned. 1: the
 * two bench networks are far from the boundary either way (Andorra at 30
 * minutes: sweep estimated 7x cheaper, measured 6x faster; the synthetic
 * region: buckets, measured 1.7x faster). */
#define SWEEP_UNIT_COST 1.0

#if defined(__x86_64__) && defined(__GNUC__) && !defined(MG_NO_TARGET_CLONES)
/* One AVX2 clone and the baseline, picked by the loader (ifunc). */
#define MG_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MG_VECTOR_CLONES
#endif

/* commit(): another worker failed (not an error of this one). */
#define CANCELLED 1

const char *mg_route_method_name(enum mg_route_method m)
{
    switch (m) {
    case MG_ROUTE_CH: return "ch";
    case MG_ROUTE_DIJKSTRA: return "dijkstra";
    case MG_ROUTE_CH_BUCKETS: return "buckets";
    case MG_ROUTE_CH_SWEEP: return "sweep";
    }
    return "?";
}

void mg_route_table_free(mg_route_table *t)
{
    if (!t)
        return;
    free(t->start);
    free(t->tgt);
    free(t->ds);
    *t = (mg_route_table){0};
}

/* Search state of one thread: distances valid under the current stamp. */
typedef struct search {
    uint32_t *dist, *stamp, cur;
    mg_heap heap;
    uint32_t *settled;
    size_t nsettled, capsettled;
} search;

static int search_init(search *s, uint32_t n)
{
    *s = (search){0};
    s->dist = mg_alloc_array((size_t)n + 1, sizeof *s->dist);
    s->stamp = mg_alloc_array((size_t)n + 1, sizeof *s->stamp);
    return s->dist && s->stamp ? 0 : MG_ENOMEM;
}

static void search_free(search *s)
{
    free(s->dist);
    free(s->stamp);
    free(s->heap.a);
    free(s->settled);
}

static void search_reset(search *s, uint32_t n)
{
    if (++s->cur == 0) {
        memset(s->stamp, 0, ((size_t)n + 1) * sizeof *s->stamp);
        s->cur = 1;
    }
    s->heap.len = 0;
    s->nsettled = 0;
}

static inline uint32_t sget(const search *s, uint32_t v)
{
    return s->stamp[v] == s->cur ? s->dist[v] : UINT32_MAX;
}

static int sset(search *s, uint32_t v, uint32_t dv)
{
    if (sget(s, v) <= dv)
        return 0;
    s->stamp[v] = s->cur;
    s->dist[v] = dv;
    return mg_heap_push(&s->heap, dv, v);
}

/* Bounded Dijkstra over `first/head/w` from the seeds; settled nodes listed
 * in s->settled unless stalled. `stall_*` (may be NULL): arcs into each node
 * from higher nodes, for stall-on-demand. */
static int run(search *s, uint32_t n, const uint32_t *first, const uint32_t *head,
               const uint32_t *w, const uint32_t *stall_first, const uint32_t *stall_head,
               const uint32_t *stall_w, const uint32_t *seed, const uint32_t *seed_ds,
               uint32_t bound)
{
    search_reset(s, n);
    for (int k = 0; k < 2; k++)
        if (seed[k] != MG_NO_NODE && seed_ds[k] <= bound && sset(s, seed[k], seed_ds[k]))
            return MG_ENOMEM;
    while (s->heap.len) {
        uint64_t top = mg_heap_pop(&s->heap);
        uint32_t v = (uint32_t)top, dv = (uint32_t)(top >> 32);
        if (dv != sget(s, v))
            continue;
        if (stall_first) {
            int stalled = 0;
            for (uint32_t k = stall_first[v]; k < stall_first[v + 1]; k++) {
                uint32_t du = sget(s, stall_head[k]);
                if (du != UINT32_MAX && du + stall_w[k] < dv) {
                    stalled = 1;
                    break;
                }
            }
            if (stalled)
                continue;
        }
        if (s->nsettled == s->capsettled) {
            size_t nc = s->capsettled ? s->capsettled * 2 : 256;
            uint32_t *ns = mg_realloc_array(s->settled, nc, sizeof *ns);
            if (!ns)
                return MG_ENOMEM;
            s->settled = ns;
            s->capsettled = nc;
        }
        s->settled[s->nsettled++] = v;
        for (uint32_t k = first[v]; k < first[v + 1]; k++) {
            uint32_t nd = dv + w[k];
            if (nd <= bound && sset(s, head[k], nd))
                return MG_ENOMEM;
        }
    }
    return 0;
}

/* Time along one shared edge, without passing a node (UINT32_MAX: none). */
static uint32_t same_edge(const mg_graph *g, const mg_snap *a, const mg_snap *b)
{
    if (a->edge != b->edge)
        return UINT32_MAX;
    uint32_t fl = g->eflags[a->edge], w = g->ew[a->edge], best = UINT32_MAX;
    if ((fl & MG_EDGE_FWD) && b->frac >= a->frac)
        best = (uint32_t)lround((b->frac - a->frac) * w);
    if ((fl & MG_EDGE_BWD) && b->frac <= a->frac) {
        uint32_t t = (uint32_t)lround((a->frac - b->frac) * w);
        best = t < best ? t : best;
    }
    return best;
}

typedef struct bucket_entry {
    uint32_t node, tgt, dist;
} bucket_entry;

typedef struct rowbuf {
    size_t len, cap;
    uint32_t *tgt, *ds;
} rowbuf;

/* Room for `extra` more entries. */
static int row_reserve(rowbuf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return 0;
    size_t nc = b->cap ? b->cap * 2 : 4096;
    nc = nc < b->len + extra ? b->len + extra : nc;
    uint32_t *nt = mg_realloc_array(b->tgt, nc, sizeof *nt);
    if (nt)
        b->tgt = nt;
    uint32_t *nd = mg_realloc_array(b->ds, nc, sizeof *nd);
    if (nd)
        b->ds = nd;
    if (!nt || !nd)
        return MG_ENOMEM;
    b->cap = nc;
    return 0;
}

/* Room for `extra` more entries in the table itself, growing to at least
 * `want` in huge-page-backed arrays (mg_alloc_large). */
static int out_reserve(rowbuf *b, size_t extra, size_t want)
{
    if (b->cap - b->len >= extra)
        return 0;
    size_t nc = b->cap * 2;
    nc = nc < b->len + extra ? b->len + extra : nc;
    nc = nc < want ? want : nc;
    uint32_t *nt = mg_alloc_large(nc, sizeof *nt), *nd = mg_alloc_large(nc, sizeof *nd);
    if (!nt || !nd) {
        free(nt), free(nd);
        return MG_ENOMEM;
    }
    if (b->len) {
        memcpy(nt, b->tgt, b->len * sizeof *nt);
        memcpy(nd, b->ds, b->len * sizeof *nd);
    }
    free(b->tgt), free(b->ds);
    b->tgt = nt, b->ds = nd, b->cap = nc;
    return 0;
}

static int row_push(rowbuf *b, uint32_t t, uint32_t ds)
{
    int rc = row_reserve(b, 1);
    if (rc)
        return rc;
    b->tgt[b->len] = t;
    b->ds[b->len++] = ds;
    return 0;
}

typedef struct job {
    const mg_graph *g;
    const mg_snap *src, *tgt;
    size_t nsrc, ntgt;
    uint32_t max_ds;
    enum mg_route_method method;
    /* targets sorted by edge, for same-edge pairs */
    uint32_t *by_edge;
    /* buckets (CH): per node, the bucket's size, then (buckets) its entries */
    uint32_t *bcount;
    uint32_t *bfirst;
    uint32_t *btgt, *bdist;
    /* restricted graph (sweep): local index of each node of R (MG_NO_NODE
     * outside), numbered by descending rank; arcs into each local node from
     * higher ones (lower local index) */
    uint32_t nr;
    size_t nr_count; /* nodes with bucket entries (R's size, for the choice) */
    uint32_t *local, *rfirst, *rfrom, *rw;
    uint32_t *seed_i, *seed_ds; /* 2 per target: its entry nodes in R, times */
    uint32_t *tgt_allow;        /* per target: its allowance */
    /* Results: the workers hand in their rows unit by unit (a chunk of
     * sources, or one sweep's) in the order of the units, appended to `out`
     * under `lock`, so that the table is built in place with no second copy. */
    pthread_mutex_t lock;
    pthread_cond_t turn;
    size_t committed; /* units appended so far */
    size_t unit;      /* sources per unit: CHUNK, or LANES for the sweep */
    size_t nunit;     /* units in all */
    int failed;       /* a worker failed: the others stop waiting */
    rowbuf out;
    size_t *row_start; /* nsrc + 1 */
    atomic_size_t next;
    mg_route_progress_fn progress;
    void *pctx;
    const char *step;
} job;

typedef struct worker {
    job *j;
    int id, rc;
    search s;
    rowbuf rows;
    bucket_entry *be;
    size_t nbe, capbe;
    uint32_t *best;    /* ntgt, UINT32_MAX when not reached */
    uint32_t *touched; /* targets reached for the current source */
    /* the rows of each source of the unit: where they start in `rows`, how many */
    size_t row_from[LANES > CHUNK ? LANES : CHUNK], row_count[LANES > CHUNK ? LANES : CHUNK];
    int32_t *sd;       /* sweep: nr x LANES distances */
    int32_t *sm;       /* sweep: ntgt x LANES times to the targets' points */
} worker;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void *backward(void *arg)
{
    worker *wk = arg;
    job *j = wk->j;
    const mg_graph *g = j->g;
    uint32_t n = g->h->nodes;
    for (;;) {
        size_t t0 = atomic_fetch_add(&j->next, CHUNK);
        if (t0 >= j->ntgt)
            break;
        for (size_t t = t0; t < t0 + CHUNK && t < j->ntgt; t++) {
            const mg_snap *p = &j->tgt[t];
            if (!p->ok || p->allowance_ds > j->max_ds)
                continue;
            uint32_t bound = j->max_ds - p->allowance_ds;
            if ((wk->rc = run(&wk->s, n, g->dn_first, g->dn_head, g->dn_w, g->up_first,
                              g->up_head, g->up_w, p->in_node, p->in_ds, bound)))
                return NULL;
            for (size_t k = 0; k < wk->s.nsettled; k++) {
                if (wk->nbe == wk->capbe) {
                    size_t nc = wk->capbe ? wk->capbe * 2 : 4096;
                    bucket_entry *nb = mg_realloc_array(wk->be, nc, sizeof *nb);
                    if (!nb) {
                        wk->rc = MG_ENOMEM;
                        return NULL;
                    }
                    wk->be = nb;
                    wk->capbe = nc;
                }
                uint32_t v = wk->s.settled[k];
                wk->be[wk->nbe++] = (bucket_entry){v, (uint32_t)t, wk->s.dist[v]};
            }
        }
        if (wk->id == 0 && j->progress)
            j->progress(j->pctx, "road times: targets", (double)t0 / (double)j->ntgt);
    }
    return NULL;
}

/* Whether by_edge[k] is a snapped target on `edge`. */
static int on_edge(const job *j, size_t k, uint32_t edge)
{
    const mg_snap *q = &j->tgt[j->by_edge[k]];
    return q->ok && q->edge == edge;
}

/* The first position in by_edge (snapped targets by edge, then the others)
 * of a target on `edge`, or where it would be. */
static size_t first_on_edge(const job *j, uint32_t edge)
{
    size_t lo = 0, hi = j->ntgt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const mg_snap *q = &j->tgt[j->by_edge[mid]];
        if (q->ok && q->edge < edge)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Records best[t] = min(best[t], d). */
static void reach(worker *wk, size_t *nt, uint32_t t, uint32_t d)
{
    if (wk->best[t] == UINT32_MAX)
        wk->touched[(*nt)++] = t;
    if (d < wk->best[t])
        wk->best[t] = d;
}

static int one_source(worker *wk, size_t s)
{
    job *j = wk->j;
    const mg_graph *g = j->g;
    const mg_snap *p = &j->src[s];
    uint32_t n = g->h->nodes;
    size_t nt = 0;
    if (!p->ok || p->allowance_ds > j->max_ds)
        return 0;
    uint32_t bound = j->max_ds - p->allowance_ds;
    int rc;
    if (j->method != MG_ROUTE_DIJKSTRA) {
        rc = run(&wk->s, n, g->up_first, g->up_head, g->up_w, g->dn_first, g->dn_head, g->dn_w,
                 p->out_node, p->out_ds, bound);
        if (rc)
            return rc;
        for (size_t k = 0; k < wk->s.nsettled; k++) {
            uint32_t v = wk->s.settled[k], dv = wk->s.dist[v];
            for (uint32_t b = j->bfirst[v]; b < j->bfirst[v + 1]; b++)
                if (dv + j->bdist[b] <= bound)
                    reach(wk, &nt, j->btgt[b], dv + j->bdist[b]);
        }
    } else {
        rc = run(&wk->s, n, g->fw_first, g->fw_head, g->fw_w, NULL, NULL, NULL, p->out_node,
                 p->out_ds, bound);
        if (rc)
            return rc;
        for (size_t t = 0; t < j->ntgt; t++) {
            const mg_snap *q = &j->tgt[t];
            if (!q->ok)
                continue;
            for (int k = 0; k < 2; k++) {
                if (q->in_node[k] == MG_NO_NODE)
                    continue;
                uint32_t dn = sget(&wk->s, q->in_node[k]);
                if (dn != UINT32_MAX && dn + q->in_ds[k] <= bound)
                    reach(wk, &nt, (uint32_t)t, dn + q->in_ds[k]);
            }
        }
    }
    /* Targets on the same edge, reached without passing a node. */
    for (size_t k = first_on_edge(j, p->edge); k < j->ntgt && on_edge(j, k, p->edge); k++) {
        uint32_t t = j->by_edge[k], dt = same_edge(g, p, &j->tgt[t]);
        if (dt <= bound)
            reach(wk, &nt, t, dt);
    }
    qsort(wk->touched, nt, sizeof *wk->touched, cmp_u32);
    for (size_t k = 0; k < nt; k++) {
        uint32_t t = wk->touched[k];
        uint64_t tot = (uint64_t)wk->best[t] + p->allowance_ds + j->tgt[t].allowance_ds;
        wk->best[t] = UINT32_MAX;
        if (tot <= j->max_ds && (rc = row_push(&wk->rows, t, (uint32_t)tot)))
            return rc;
    }
    return 0;
}

/* Appends the worker's rows of unit `u` (sources s0 .. s0 + ns - 1) to the
 * table once every earlier unit is in; returns nonzero if another worker
 * failed meanwhile. */
static int commit(worker *wk, size_t u, size_t s0, size_t ns)
{
    job *j = wk->j;
    int rc = 0;
    pthread_mutex_lock(&j->lock);
    while (j->committed != u && !j->failed)
        pthread_cond_wait(&j->turn, &j->lock);
    /* The table's size projected from the units in so far (+5 %): one
     * allocation, not a doubling series, when the sources are alike. */
    size_t add = 0;
    for (size_t l = 0; l < ns; l++)
        add += wk->row_count[l];
    double want = (double)(j->out.len + add) / (double)(j->committed + 1) *
                  (double)j->nunit * 1.05;
    want = want < (double)SIZE_MAX / 8 ? want : (double)SIZE_MAX / 8;
    if (j->failed) {
        rc = CANCELLED;
    } else if (!(rc = out_reserve(&j->out, add, (size_t)want))) {
        for (size_t l = 0; l < ns; l++) {
            size_t from = wk->row_from[l], c = wk->row_count[l];
            memcpy(j->out.tgt + j->out.len, wk->rows.tgt + from, c * sizeof *wk->rows.tgt);
            memcpy(j->out.ds + j->out.len, wk->rows.ds + from, c * sizeof *wk->rows.ds);
            j->row_start[s0 + l] = j->out.len;
            j->out.len += c;
        }
        j->committed++;
    }
    if (rc)
        j->failed = 1;
    pthread_cond_broadcast(&j->turn);
    pthread_mutex_unlock(&j->lock);
    wk->rows.len = 0;
    return rc;
}

/* A worker's failure: recorded, and the others stop waiting for its units. */
static void *fail(worker *wk, int rc)
{
    job *j = wk->j;
    wk->rc = rc;
    pthread_mutex_lock(&j->lock);
    j->failed = 1;
    pthread_cond_broadcast(&j->turn);
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

/* The lanes in two halves of 8: GCC's and Clang's vector extension, one AVX2
 * register each (two SSE2 registers in the baseline clone); GCC lowers a
 * single 16-lane vector poorly. Lanes are signed: every time stays below 2^31
 * (SWEEP_INF plus an arc), and x86 compares signed integers natively. Loads
 * and stores go through memcpy (no alignment or aliasing assumptions); macros,
 * not functions, as a function taking or returning a vector has no stable ABI
 * across the clones. */
typedef int32_t half_lanes __attribute__((vector_size(LANES / 2 * sizeof(int32_t))));
#define HALF (LANES / 2)
#define HALVES_LOAD(a, b, p)                                                                  \
    do {                                                                                      \
        memcpy(&(a), (p), sizeof(half_lanes));                                                \
        memcpy(&(b), (p) + HALF, sizeof(half_lanes));                                         \
    } while (0)
#define HALVES_STORE(p, a, b)                                                                 \
    do {                                                                                      \
        memcpy((p), &(a), sizeof(half_lanes));                                                \
        memcpy((p) + HALF, &(b), sizeof(half_lanes));                                         \
    } while (0)
/* a = min(a, b), c = min(c, d) */
#define HALVES_MIN(a, b, c, d)                                                                \
    do {                                                                                      \
        half_lanes lt1_ = (a) < (b), lt2_ = (c) < (d);                                        \
        (a) = ((a) & lt1_) | ((b) & ~lt1_);                                                   \
        (c) = ((c) & lt2_) | ((d) & ~lt2_);                                                   \
    } while (0)

/* One pass of the sweep over R for LANES sources: d[i] = min(d[i], d[u] + w)
 * over the arcs u -> i, u before i; times past `cap` become SWEEP_INF. */
MG_VECTOR_CLONES
static void sweep_down(uint32_t nr, const uint32_t *first, const uint32_t *from,
                       const uint32_t *w, int32_t *d, int32_t cap)
{
    half_lanes vcap = (half_lanes){0} + cap, vinf = (half_lanes){0} + SWEEP_INF;
    for (uint32_t i = 0; i < nr; i++) {
        half_lanes a0, a1, u0, u1;
        HALVES_LOAD(a0, a1, d + (size_t)i * LANES);
        for (uint32_t k = first[i]; k < first[i + 1]; k++) {
            HALVES_LOAD(u0, u1, d + (size_t)from[k] * LANES);
            u0 += (int32_t)w[k];
            u1 += (int32_t)w[k];
            HALVES_MIN(a0, u0, a1, u1);
        }
        half_lanes o0 = a0 > vcap, o1 = a1 > vcap;
        a0 = (a0 & ~o0) | (vinf & o0);
        a1 = (a1 & ~o1) | (vinf & o1);
        HALVES_STORE(d + (size_t)i * LANES, a0, a1);
    }
}

/* Times to the targets' points, m[t] (LANES each): through either node the
 * point is entered from (local index seed_i[2t + k], MG_NO_NODE: none, then
 * seed_ds[2t + k] along the edge). */
MG_VECTOR_CLONES
static void sweep_targets(size_t ntgt, const uint32_t *seed_i, const uint32_t *seed_ds,
                          const int32_t *d, int32_t *m)
{
    for (size_t t = 0; t < ntgt; t++) {
        half_lanes a0 = (half_lanes){0} + SWEEP_INF, a1 = a0, u0, u1;
        for (int k = 0; k < 2; k++) {
            uint32_t i = seed_i[2 * t + k];
            if (i != MG_NO_NODE) {
                HALVES_LOAD(u0, u1, d + (size_t)i * LANES);
                u0 += (int32_t)seed_ds[2 * t + k];
                u1 += (int32_t)seed_ds[2 * t + k];
                HALVES_MIN(a0, u0, a1, u1);
            }
        }
        HALVES_STORE(m + t * LANES, a0, a1);
    }
}

/* Sources s0 .. s0 + LANES - 1 (those that exist) by one sweep. */
static int sweep_batch(worker *wk, size_t s0)
{
    job *j = wk->j;
    const mg_graph *g = j->g;
    uint32_t n = g->h->nodes;
    size_t ns = j->nsrc - s0 < LANES ? j->nsrc - s0 : LANES;
    int32_t *sd = wk->sd, *sm = wk->sm;
    memset(sd, 0x3f, (size_t)j->nr * LANES * sizeof *sd);
    for (size_t l = 0; l < ns; l++) {
        const mg_snap *p = &j->src[s0 + l];
        if (!p->ok || p->allowance_ds > j->max_ds)
            continue;
        int rc = run(&wk->s, n, g->up_first, g->up_head, g->up_w, g->dn_first, g->dn_head,
                     g->dn_w, p->out_node, p->out_ds, j->max_ds - p->allowance_ds);
        if (rc)
            return rc;
        for (size_t k = 0; k < wk->s.nsettled; k++) {
            uint32_t v = wk->s.settled[k], i = j->local[v];
            if (i != MG_NO_NODE)
                sd[(size_t)i * LANES + l] = (int32_t)wk->s.dist[v];
        }
    }
    sweep_down(j->nr, j->rfirst, j->rfrom, j->rw, sd, (int32_t)j->max_ds);
    sweep_targets(j->ntgt, j->seed_i, j->seed_ds, sd, sm);
    /* Targets on the sources' own edges, reached without passing a node. */
    int64_t budget[LANES];
    for (size_t l = 0; l < ns; l++) {
        const mg_snap *p = &j->src[s0 + l];
        budget[l] = -1; /* no pair */
        if (!p->ok || p->allowance_ds > j->max_ds)
            continue;
        budget[l] = j->max_ds - p->allowance_ds;
        for (size_t k = first_on_edge(j, p->edge); k < j->ntgt && on_edge(j, k, p->edge); k++) {
            uint32_t t = j->by_edge[k], dt = same_edge(g, p, &j->tgt[t]);
            if (dt < (uint32_t)sm[(size_t)t * LANES + l])
                sm[(size_t)t * LANES + l] = (int32_t)dt;
        }
    }
    /* The rows, lane l in its own stretch of ntgt entries, targets ascending:
     * written unconditionally, kept by advancing the length (no branch). */
    int rc = row_reserve(&wk->rows, ns * j->ntgt);
    if (rc)
        return rc;
    size_t len[LANES] = {0};
    for (size_t t = 0; t < j->ntgt; t++) {
        const int32_t *mt = sm + t * LANES;
        int64_t at = j->tgt_allow[t];
        for (size_t l = 0; l < ns; l++) {
            int64_t tot = (int64_t)(uint32_t)mt[l] + at;
            size_t pos = l * j->ntgt + len[l];
            wk->rows.tgt[pos] = (uint32_t)t;
            wk->rows.ds[pos] = (uint32_t)(tot + j->src[s0 + l].allowance_ds);
            len[l] += tot <= budget[l];
        }
    }
    for (size_t l = 0; l < ns; l++) {
        wk->row_from[l] = l * j->ntgt;
        wk->row_count[l] = len[l];
    }
    return 0;
}

/* The rows of the unit of sources s0 .. s0 + ns - 1, by the job's method. */
static int unit_rows(worker *wk, size_t s0, size_t ns)
{
    if (wk->j->method == MG_ROUTE_CH_SWEEP)
        return sweep_batch(wk, s0);
    for (size_t l = 0; l < ns; l++) {
        size_t before = wk->rows.len;
        int rc = one_source(wk, s0 + l);
        if (rc)
            return rc;
        wk->row_from[l] = before;
        wk->row_count[l] = wk->rows.len - before;
    }
    return 0;
}

/* A worker of the source phase: takes units in turn, computes their rows,
 * and appends them to the table in order. */
static void *sources(void *arg)
{
    worker *wk = arg;
    job *j = wk->j;
    for (;;) {
        size_t u = atomic_fetch_add(&j->next, 1);
        if (u >= j->nunit)
            break;
        size_t s0 = u * j->unit, ns = j->nsrc - s0 < j->unit ? j->nsrc - s0 : j->unit;
        int rc = unit_rows(wk, s0, ns);
        if (rc)
            return fail(wk, rc);
        if ((rc = commit(wk, u, s0, ns)))
            return rc == CANCELLED ? NULL : fail(wk, rc);
        if (wk->id == 0 && j->progress)
            j->progress(j->pctx, j->step, (double)u / (double)j->nunit);
    }
    return NULL;
}

static const mg_snap *g_sort_tgt; /* qsort has no context argument in C17 */

static int cmp_by_edge(const void *a, const void *b)
{
    const mg_snap *x = &g_sort_tgt[*(const uint32_t *)a], *y = &g_sort_tgt[*(const uint32_t *)b];
    uint64_t kx = x->ok ? x->edge : (uint64_t)1 << 32, ky = y->ok ? y->edge : (uint64_t)1 << 32;
    if (kx != ky)
        return kx < ky ? -1 : 1;
    return cmp_u32(a, b);
}

static pthread_mutex_t g_sort_lock = PTHREAD_MUTEX_INITIALIZER;

/* Runs fn on `nthreads` workers (the calling thread being worker 0). */
static int run_workers(worker *w, int nthreads, void *(*fn)(void *))
{
    pthread_t th[64];
    int started = 0;
    for (int i = 1; i < nthreads; i++) {
        if (pthread_create(&th[i], NULL, fn, &w[i]) != 0)
            break;
        started = i;
    }
    fn(&w[0]);
    for (int i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    /* A worker that could not start: its share was taken by the others. */
    for (int i = 0; i < nthreads; i++)
        if (w[i].rc)
            return w[i].rc;
    return 0;
}

/* Buckets: the entries of all workers grouped by node (counting sort on
 * bcount), then freed. */
static int fill_buckets(job *j, worker *w, int nthreads, size_t nb)
{
    uint32_t n = j->g->h->nodes;
    j->bfirst = mg_alloc_array((size_t)n + 1, sizeof *j->bfirst);
    j->btgt = mg_alloc_array(nb + 1, sizeof *j->btgt);
    j->bdist = mg_alloc_array(nb + 1, sizeof *j->bdist);
    if (!j->bfirst || !j->btgt || !j->bdist)
        return MG_ENOMEM;
    j->bfirst[0] = 0;
    for (uint32_t v = 0; v < n; v++)
        j->bfirst[v + 1] = j->bfirst[v] + j->bcount[v];
    for (int i = 0; i < nthreads; i++) {
        for (size_t k = 0; k < w[i].nbe; k++) {
            const bucket_entry *e = &w[i].be[k];
            /* bcount is spent as the fill cursor, from the end of each bucket */
            uint32_t pos = j->bfirst[e->node] + --j->bcount[e->node];
            j->btgt[pos] = e->tgt;
            j->bdist[pos] = e->dist;
        }
        free(w[i].be);
        w[i].be = NULL;
    }
    return 0;
}

/* Arcs of the restricted graph: downward arcs between nodes of R. */
static size_t restricted_arcs(const job *j, uint32_t v)
{
    const mg_graph *g = j->g;
    size_t m = 0;
    for (uint32_t k = g->dn_first[v]; k < g->dn_first[v + 1]; k++)
        m += j->bcount[g->dn_head[k]] != 0;
    return m;
}

/* R: the nodes with bucket entries, by descending rank, and their arcs. */
static int restrict_graph(job *j)
{
    const mg_graph *g = j->g;
    uint32_t n = g->h->nodes, nr = 0;
    size_t m = 0;
    j->local = mg_alloc_array((size_t)n + 1, sizeof *j->local);
    if (!j->local)
        return MG_ENOMEM;
    for (uint32_t v = n; v-- > 0;) {
        j->local[v] = MG_NO_NODE;
        if (j->bcount[v]) {
            j->local[v] = nr++;
            m += restricted_arcs(j, v);
        }
    }
    j->nr = nr;
    j->rfirst = mg_alloc_array((size_t)nr + 1, sizeof *j->rfirst);
    j->rfrom = mg_alloc_array(m + 1, sizeof *j->rfrom);
    j->rw = mg_alloc_array(m + 1, sizeof *j->rw);
    if (!j->rfirst || !j->rfrom || !j->rw || m >= UINT32_MAX)
        return MG_ENOMEM;
    uint32_t i = 0, a = 0;
    for (uint32_t v = n; v-- > 0;) {
        if (j->local[v] == MG_NO_NODE)
            continue;
        j->rfirst[i++] = a;
        for (uint32_t k = g->dn_first[v]; k < g->dn_first[v + 1]; k++) {
            uint32_t u = j->local[g->dn_head[k]];
            if (u != MG_NO_NODE) {
                j->rfrom[a] = u;
                j->rw[a++] = g->dn_w[k];
            }
        }
    }
    j->rfirst[nr] = a;
    j->seed_i = mg_alloc_array(2 * j->ntgt + 1, sizeof *j->seed_i);
    j->seed_ds = mg_alloc_array(2 * j->ntgt + 1, sizeof *j->seed_ds);
    j->tgt_allow = mg_alloc_array(j->ntgt + 1, sizeof *j->tgt_allow);
    if (!j->seed_i || !j->seed_ds || !j->tgt_allow)
        return MG_ENOMEM;
    for (size_t t = 0; t < j->ntgt; t++) {
        const mg_snap *q = &j->tgt[t];
        j->tgt_allow[t] = q->allowance_ds;
        for (int k = 0; k < 2; k++) {
            uint32_t v = q->ok ? q->in_node[k] : MG_NO_NODE;
            j->seed_i[2 * t + k] = v == MG_NO_NODE ? MG_NO_NODE : j->local[v];
            j->seed_ds[2 * t + k] = q->in_ds[k];
        }
    }
    return 0;
}

/* MG_ROUTE_CH: buckets or sweep. The buckets cost the entries the forward
 * searches scan, estimated on a sample of sources; the sweep costs one
 * 16-lane relaxation per arc and node of R, and one per target's entry node,
 * per 16 sources. Both run the same forward searches. */
static int choose(job *j, worker *w0, enum mg_route_method *out)
{
    const mg_graph *g = j->g;
    uint32_t n = g->h->nodes;
    double scanned = 0;
    size_t sample = j->nsrc < SAMPLE_SOURCES ? j->nsrc : SAMPLE_SOURCES, used = 0;
    for (size_t i = 0; i < sample; i++) {
        const mg_snap *p = &j->src[i * j->nsrc / sample];
        if (!p->ok || p->allowance_ds > j->max_ds)
            continue;
        used++;
        int rc = run(&w0->s, n, g->up_first, g->up_head, g->up_w, g->dn_first, g->dn_head,
                     g->dn_w, p->out_node, p->out_ds, j->max_ds - p->allowance_ds);
        if (rc)
            return rc;
        for (size_t k = 0; k < w0->s.nsettled; k++)
            scanned += j->bcount[w0->s.settled[k]];
    }
    double buckets = used ? scanned / (double)used * (double)j->nsrc : 0;
    double sweeps = ceil((double)j->nsrc / LANES) * (double)(j->nr_count + 2 * j->ntgt);
    *out = MG_ROUTE_CH_BUCKETS;
    if (sweeps * SWEEP_UNIT_COST >= buckets)
        return 0; /* the nodes of R alone cost more: no need to count its arcs */
    double arcs = 0;
    for (uint32_t v = 0; v < n; v++)
        if (j->bcount[v])
            arcs += (double)restricted_arcs(j, v);
    sweeps += ceil((double)j->nsrc / LANES) * arcs;
    if (sweeps * SWEEP_UNIT_COST < buckets)
        *out = MG_ROUTE_CH_SWEEP;
    return 0;
}

int mg_route_table_compute(const mg_graph *g, const mg_snap *src, size_t nsrc,
                           const mg_snap *tgt, size_t ntgt, double max_minutes,
                           enum mg_route_method method, int threads,
                           mg_route_progress_fn progress, void *pctx, mg_route_table *out,
                           mg_diag *d)
{
    *out = (mg_route_table){0};
    if (!(max_minutes >= 0 && max_minutes <= MG_MAX_MINUTES))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "the largest travel time must be from 0 to %g minutes",
                           MG_MAX_MINUTES);
    if (ntgt >= UINT32_MAX || nsrc >= UINT32_MAX)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "too many points for one table");
    if (method != MG_ROUTE_CH && method != MG_ROUTE_DIJKSTRA && method != MG_ROUTE_CH_BUCKETS &&
        method != MG_ROUTE_CH_SWEEP)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "unknown road-time method %d", (int)method);
    int nthreads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
    uint32_t n = g->h->nodes;
    job j = {.g = g, .src = src, .tgt = tgt, .nsrc = nsrc, .ntgt = ntgt,
             .max_ds = (uint32_t)lround(max_minutes * 600.0), .method = method,
             .progress = progress, .pctx = pctx};
    worker *w = mg_alloc_array((size_t)nthreads, sizeof *w);
    j.by_edge = mg_alloc_array(ntgt + 1, sizeof *j.by_edge);
    j.row_start = mg_alloc_array(nsrc + 1, sizeof *j.row_start);
    pthread_mutex_init(&j.lock, NULL);
    pthread_cond_init(&j.turn, NULL);
    int rc = MG_ENOMEM;
    if (!w || !j.by_edge || !j.row_start)
        goto done;
    for (int i = 0; i < nthreads; i++) {
        w[i].j = &j;
        w[i].id = i;
        w[i].best = mg_alloc_array(ntgt + 1, sizeof *w[i].best);
        w[i].touched = mg_alloc_array(ntgt + 1, sizeof *w[i].touched);
        if (search_init(&w[i].s, n) || !w[i].best || !w[i].touched)
            goto done;
        for (size_t t = 0; t < ntgt; t++)
            w[i].best[t] = UINT32_MAX;
    }
    for (size_t t = 0; t < ntgt; t++)
        j.by_edge[t] = (uint32_t)t;
    pthread_mutex_lock(&g_sort_lock);
    g_sort_tgt = tgt;
    qsort(j.by_edge, ntgt, sizeof *j.by_edge, cmp_by_edge);
    pthread_mutex_unlock(&g_sort_lock);

    if (method != MG_ROUTE_DIJKSTRA) {
        atomic_init(&j.next, 0);
        if ((rc = run_workers(w, nthreads, backward)))
            goto done;
        rc = MG_ENOMEM;
        j.bcount = mg_alloc_array((size_t)n + 1, sizeof *j.bcount);
        if (!j.bcount)
            goto done;
        size_t nb = 0;
        for (int i = 0; i < nthreads; i++) {
            nb += w[i].nbe;
            for (size_t k = 0; k < w[i].nbe; k++)
                j.nr_count += j.bcount[w[i].be[k].node]++ == 0;
        }
        if (nb >= UINT32_MAX)
            goto done;
        if (method == MG_ROUTE_CH && (rc = choose(&j, &w[0], &method)))
            goto done;
        j.method = method;
        if (method == MG_ROUTE_CH_SWEEP) {
            for (int i = 0; i < nthreads; i++) {
                free(w[i].be);
                w[i].be = NULL;
            }
            if ((rc = restrict_graph(&j)))
                goto done;
            rc = MG_ENOMEM;
            for (int i = 0; i < nthreads; i++) {
                w[i].sd = mg_alloc_array((size_t)j.nr * LANES + 1, sizeof *w[i].sd);
                w[i].sm = mg_alloc_array(ntgt * LANES + 1, sizeof *w[i].sm);
                if (!w[i].sd || !w[i].sm)
                    goto done;
            }
        } else if ((rc = fill_buckets(&j, w, nthreads, nb))) {
            goto done;
        }
    }
    j.step = method == MG_ROUTE_DIJKSTRA ? "road times: Dijkstra" : "road times: sources";
    j.unit = method == MG_ROUTE_CH_SWEEP ? LANES : CHUNK;
    j.nunit = (nsrc + j.unit - 1) / j.unit;
    atomic_init(&j.next, 0);
    if ((rc = run_workers(w, nthreads, sources)))
        goto done;
    rc = MG_ENOMEM;
    if (out_reserve(&j.out, 1, 1)) /* never NULL arrays, even for no pair */
        goto done;
    j.row_start[nsrc] = j.out.len;
    out->start = j.row_start;
    out->tgt = j.out.tgt;
    out->ds = j.out.ds;
    j.row_start = NULL;
    j.out = (rowbuf){0};
    out->nsrc = nsrc;
    out->ntgt = ntgt;
    out->npairs = out->start[nsrc];
    out->method = method;
    if (progress)
        progress(pctx, j.step, 1);
    rc = 0;
done:
    for (int i = 0; w && i < nthreads; i++) {
        search_free(&w[i].s);
        free(w[i].rows.tgt);
        free(w[i].rows.ds);
        free(w[i].be);
        free(w[i].best);
        free(w[i].touched);
        free(w[i].sd);
        free(w[i].sm);
    }
    free(w);
    free(j.by_edge), free(j.row_start), free(j.out.tgt), free(j.out.ds);
    pthread_mutex_destroy(&j.lock);
    pthread_cond_destroy(&j.turn);
    free(j.bcount), free(j.bfirst), free(j.btgt), free(j.bdist);
    free(j.local), free(j.rfirst), free(j.rfrom), free(j.rw), free(j.seed_i), free(j.seed_ds),
        free(j.tgt_allow);
    if (rc) {
        mg_route_table_free(out);
        return mg_diag_set(d, rc, NULL, 0, 0, "out of memory computing road times");
    }
    return 0;
}

int mg_route_pairs(const mg_graph *g, const double *lat, const double *lon,
                   const uint8_t *include, size_t n, double max_minutes, mg_pairs *out,
                   size_t *unsnapped, mg_diag *d)
{
    *out = (mg_pairs){0};
    if (unsnapped)
        *unsnapped = 0;
    if (n >= UINT32_MAX)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "too many points for one table");
    mg_snap *all = mg_alloc_array(n + 1, sizeof *all);
    uint32_t *idx = mg_alloc_array(n + 1, sizeof *idx);
    mg_snap *pts = mg_alloc_array(n + 1, sizeof *pts);
    mg_route_table tb = {0};
    int rc = MG_ENOMEM;
    if (!all || !idx || !pts) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    if ((rc = mg_graph_snap(g, lat, lon, n, MG_ROUTE_MAX_SNAP_M, MG_ROUTE_SNAP_SPEED_KMH, all,
                            d)))
        goto done;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (include && !include[i])
            continue;
        if (all[i].ok) {
            idx[m] = (uint32_t)i;
            pts[m++] = all[i];
        } else if (unsnapped && isfinite(lat[i]) && isfinite(lon[i])) {
            (*unsnapped)++;
        }
    }
    if ((rc = mg_route_table_compute(g, pts, m, pts, m, max_minutes, MG_ROUTE_CH, 2, NULL, NULL,
                                     &tb, d)))
        goto done;
    rc = MG_ENOMEM;
    size_t np = tb.npairs + n;
    if (np > MG_MAX_PAIRS) {
        rc = mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                         "more than %llu pairs within %g minutes (MG_MAX_PAIRS)",
                         (unsigned long long)MG_MAX_PAIRS, max_minutes);
        goto done;
    }
    out->start = mg_alloc_array(n + 1, sizeof *out->start);
    out->to = mg_alloc_array(np + 1, sizeof *out->to);
    out->minutes = mg_alloc_array(np + 1, sizeof *out->minutes);
    if (!out->start || !out->to || !out->minutes) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    size_t pos = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        out->start[i] = pos;
        if (include && !include[i])
            continue;
        if (r < m && idx[r] == i) {
            /* Road times, with (i, i) = 0 in its sorted place. */
            int self = 0;
            for (size_t k = tb.start[r]; k < tb.start[r + 1]; k++) {
                uint32_t j = idx[tb.tgt[k]];
                if (j == i) {
                    self = 1;
                    out->to[pos] = j, out->minutes[pos++] = 0;
                    continue;
                }
                if (!self && j > i) {
                    self = 1;
                    out->to[pos] = (uint32_t)i, out->minutes[pos++] = 0;
                }
                out->to[pos] = j, out->minutes[pos++] = tb.ds[k] / 600.0;
            }
            if (!self)
                out->to[pos] = (uint32_t)i, out->minutes[pos++] = 0;
            r++;
        } else {
            out->to[pos] = (uint32_t)i, out->minutes[pos++] = 0;
        }
    }
    out->start[n] = pos;
    out->n = n;
    out->npairs = pos;
    rc = 0;
done:
    free(all), free(idx), free(pts);
    mg_route_table_free(&tb);
    if (rc)
        mg_pairs_free(out);
    return rc;
}
