/*
 * Bounded many-to-many tables.
 *
 * MG_ROUTE_CH (Knopp et al., 2007, "bucket" many-to-many on contraction
 * hierarchies): a backward upward search from every target leaves (target,
 * distance) entries in a bucket at each node it settles; a forward upward
 * search from every source then scans the buckets of the nodes it settles,
 * and the best sum per target is the shortest time. Both searches stop at
 * the catchment (minus the snapping allowances) and use stall-on-demand.
 * Targets are split between threads for the buckets, sources for the scans.
 *
 * MG_ROUTE_DIJKSTRA: a plain bounded Dijkstra on the uncontracted graph from
 * every source: the independent reference the tests compare with, pair by
 * pair, and the baseline of the bench.
 *
 * Times are integers (tenths of a second) so the two must agree exactly.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "routing/internal.h"

#define CHUNK 8

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

static int row_push(rowbuf *b, uint32_t t, uint32_t ds)
{
    if (b->len == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 4096;
        uint32_t *nt = mg_realloc_array(b->tgt, nc, sizeof *nt);
        if (nt)
            b->tgt = nt;
        uint32_t *nd = mg_realloc_array(b->ds, nc, sizeof *nd);
        if (nd)
            b->ds = nd;
        if (!nt || !nd)
            return MG_ENOMEM;
        b->cap = nc;
    }
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
    /* buckets (CH) */
    uint32_t *bfirst;
    uint32_t *btgt, *bdist;
    /* per-source results */
    size_t *row_off, *row_len;
    uint8_t *row_thread;
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
    j->row_off[s] = wk->rows.len;
    j->row_thread[s] = (uint8_t)wk->id;
    j->row_len[s] = 0;
    if (!p->ok || p->allowance_ds > j->max_ds)
        return 0;
    uint32_t bound = j->max_ds - p->allowance_ds;
    int rc;
    if (j->method == MG_ROUTE_CH) {
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
    size_t lo = 0, hi = j->ntgt;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const mg_snap *q = &j->tgt[j->by_edge[mid]];
        if (!q->ok || q->edge < p->edge)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < j->ntgt && j->tgt[j->by_edge[lo]].ok && j->tgt[j->by_edge[lo]].edge == p->edge;
         lo++) {
        uint32_t t = j->by_edge[lo], dt = same_edge(g, p, &j->tgt[t]);
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
    j->row_len[s] = wk->rows.len - j->row_off[s];
    return 0;
}

static void *forward(void *arg)
{
    worker *wk = arg;
    job *j = wk->j;
    for (;;) {
        size_t s0 = atomic_fetch_add(&j->next, CHUNK);
        if (s0 >= j->nsrc)
            break;
        for (size_t s = s0; s < s0 + CHUNK && s < j->nsrc; s++)
            if ((wk->rc = one_source(wk, s)))
                return NULL;
        if (wk->id == 0 && j->progress)
            j->progress(j->pctx, j->step, (double)s0 / (double)j->nsrc);
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
    int nthreads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
    uint32_t n = g->h->nodes;
    job j = {.g = g, .src = src, .tgt = tgt, .nsrc = nsrc, .ntgt = ntgt,
             .max_ds = (uint32_t)lround(max_minutes * 600.0), .method = method,
             .progress = progress, .pctx = pctx,
             .step = method == MG_ROUTE_CH ? "road times: sources" : "road times: Dijkstra"};
    worker *w = mg_alloc_array((size_t)nthreads, sizeof *w);
    j.by_edge = mg_alloc_array(ntgt + 1, sizeof *j.by_edge);
    j.row_off = mg_alloc_array(nsrc + 1, sizeof *j.row_off);
    j.row_len = mg_alloc_array(nsrc + 1, sizeof *j.row_len);
    j.row_thread = mg_alloc_array(nsrc + 1, 1);
    int rc = MG_ENOMEM;
    if (!w || !j.by_edge || !j.row_off || !j.row_len || !j.row_thread)
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

    if (method == MG_ROUTE_CH) {
        atomic_init(&j.next, 0);
        if ((rc = run_workers(w, nthreads, backward)))
            goto done;
        /* Buckets: entries of all workers grouped by node (counting sort). */
        size_t nb = 0;
        for (int i = 0; i < nthreads; i++)
            nb += w[i].nbe;
        rc = MG_ENOMEM;
        j.bfirst = mg_alloc_array((size_t)n + 2, sizeof *j.bfirst);
        j.btgt = mg_alloc_array(nb + 1, sizeof *j.btgt);
        j.bdist = mg_alloc_array(nb + 1, sizeof *j.bdist);
        if (!j.bfirst || !j.btgt || !j.bdist || nb >= UINT32_MAX)
            goto done;
        for (int i = 0; i < nthreads; i++)
            for (size_t k = 0; k < w[i].nbe; k++)
                j.bfirst[w[i].be[k].node + 1]++;
        for (uint32_t v = 0; v < n; v++)
            j.bfirst[v + 1] += j.bfirst[v];
        for (int i = 0; i < nthreads; i++) {
            for (size_t k = 0; k < w[i].nbe; k++) {
                uint32_t pos = j.bfirst[w[i].be[k].node]++;
                j.btgt[pos] = w[i].be[k].tgt;
                j.bdist[pos] = w[i].be[k].dist;
            }
            free(w[i].be);
            w[i].be = NULL;
        }
        for (uint32_t v = n; v > 0; v--)
            j.bfirst[v] = j.bfirst[v - 1];
        j.bfirst[0] = 0;
    }
    atomic_init(&j.next, 0);
    if ((rc = run_workers(w, nthreads, forward)))
        goto done;
    rc = MG_ENOMEM;
    size_t total = 0;
    for (size_t s = 0; s < nsrc; s++)
        total += j.row_len[s];
    out->start = mg_alloc_array(nsrc + 1, sizeof *out->start);
    out->tgt = mg_alloc_array(total + 1, sizeof *out->tgt);
    out->ds = mg_alloc_array(total + 1, sizeof *out->ds);
    if (!out->start || !out->tgt || !out->ds)
        goto done;
    size_t pos = 0;
    for (size_t s = 0; s < nsrc; s++) {
        const rowbuf *b = &w[j.row_thread[s]].rows;
        out->start[s] = pos;
        if (j.row_len[s]) {
            memcpy(out->tgt + pos, b->tgt + j.row_off[s], j.row_len[s] * sizeof *out->tgt);
            memcpy(out->ds + pos, b->ds + j.row_off[s], j.row_len[s] * sizeof *out->ds);
        }
        pos += j.row_len[s];
    }
    out->start[nsrc] = pos;
    out->nsrc = nsrc;
    out->ntgt = ntgt;
    out->npairs = pos;
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
    }
    free(w);
    free(j.by_edge), free(j.row_off), free(j.row_len), free(j.row_thread);
    free(j.bfirst), free(j.btgt), free(j.bdist);
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
