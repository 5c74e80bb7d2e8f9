/*
 * Contraction hierarchies (Geisberger et al., 2008). Nodes are contracted one
 * by one, least important first; contracting v adds a shortcut u -> x for
 * every pair of remaining neighbours whose shortest path runs through v,
 * unless a "witness" path avoiding v is found by a small bounded Dijkstra.
 * The order comes from a priority queue with lazy updates on
 *   2 × edge difference (shortcuts added − arcs removed) + deleted neighbours,
 * the classic pair of terms: the first keeps the graph sparse, the second
 * spreads contraction evenly over the map. A witness search that gives up
 * (settle limit) only adds an unneeded shortcut, never a wrong time.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "routing/internal.h"

/* Settled-node limits of the witness searches: small while estimating a
 * priority, larger when contracting for real (fewer superfluous shortcuts). */
#define SIM_SETTLE_LIMIT 60
#define REAL_SETTLE_LIMIT 500

typedef struct arc {
    uint32_t to, w;
} arc;

typedef struct adj {
    arc *a;
    uint32_t len, cap;
} adj;

typedef struct ch_ctx {
    uint32_t n;
    adj *out, *in;
    uint8_t *done;
    uint32_t *deleted; /* contracted neighbours, for the priority */
    /* witness search state: distances valid when stamp matches */
    uint32_t *wdist, *wstamp, stamp;
    mg_heap heap;
    /* output arcs */
    size_t nup, capup, ndn, capdn, nshortcuts;
    uint32_t *up_tail, *up_head, *up_w, *dn_tail, *dn_head, *dn_w;
} ch_ctx;

static int adj_set(adj *l, uint32_t to, uint32_t w)
{
    for (uint32_t i = 0; i < l->len; i++)
        if (l->a[i].to == to) {
            if (w < l->a[i].w)
                l->a[i].w = w;
            return 0;
        }
    if (l->len == l->cap) {
        uint32_t nc = l->cap ? l->cap * 2 : 4;
        arc *na = mg_realloc_array(l->a, nc, sizeof *na);
        if (!na)
            return MG_ENOMEM;
        l->a = na;
        l->cap = nc;
    }
    l->a[l->len++] = (arc){to, w};
    return 0;
}

static void adj_remove(adj *l, uint32_t to)
{
    for (uint32_t i = 0; i < l->len; i++)
        if (l->a[i].to == to) {
            l->a[i] = l->a[--l->len];
            return;
        }
}

/* Shortest distance from s to every node within `bound`, avoiding `skip`,
 * settling at most `limit` nodes; results in wdist under the current stamp. */
static int witness(ch_ctx *c, uint32_t s, uint32_t skip, uint32_t bound, int limit)
{
    if (++c->stamp == 0) {
        memset(c->wstamp, 0, (size_t)c->n * sizeof *c->wstamp);
        c->stamp = 1;
    }
    c->heap.len = 0;
    c->wdist[s] = 0;
    c->wstamp[s] = c->stamp;
    if (mg_heap_push(&c->heap, 0, s))
        return MG_ENOMEM;
    int settled = 0;
    while (c->heap.len && settled < limit) {
        uint64_t top = mg_heap_pop(&c->heap);
        uint32_t du = (uint32_t)(top >> 32), u = (uint32_t)top;
        if (du > c->wdist[u])
            continue;
        if (du > bound)
            break;
        settled++;
        const adj *l = &c->out[u];
        for (uint32_t i = 0; i < l->len; i++) {
            uint32_t x = l->a[i].to;
            if (x == skip || c->done[x])
                continue;
            uint32_t nd = du + l->a[i].w;
            if (nd > bound)
                continue;
            if (c->wstamp[x] != c->stamp || nd < c->wdist[x]) {
                c->wstamp[x] = c->stamp;
                c->wdist[x] = nd;
                if (mg_heap_push(&c->heap, nd, x))
                    return MG_ENOMEM;
            }
        }
    }
    return 0;
}

static uint32_t wget(const ch_ctx *c, uint32_t x)
{
    return c->wstamp[x] == c->stamp ? c->wdist[x] : UINT32_MAX;
}

/* Contracts v (apply) or only counts the shortcuts it would need. */
static int contract(ch_ctx *c, uint32_t v, int apply, long *shortcuts)
{
    adj *in = &c->in[v], *out = &c->out[v];
    uint32_t maxout = 0;
    for (uint32_t j = 0; j < out->len; j++)
        if (out->a[j].w > maxout)
            maxout = out->a[j].w;
    long count = 0;
    for (uint32_t i = 0; i < in->len; i++) {
        uint32_t u = in->a[i].to, w1 = in->a[i].w;
        if (out->len == 0)
            break;
        int rc = witness(c, u, v, w1 + maxout, apply ? REAL_SETTLE_LIMIT : SIM_SETTLE_LIMIT);
        if (rc)
            return rc;
        for (uint32_t j = 0; j < out->len; j++) {
            uint32_t x = out->a[j].to;
            if (x == u)
                continue;
            uint32_t via = w1 + out->a[j].w;
            if (wget(c, x) <= via)
                continue;
            count++;
            if (apply) {
                if (adj_set(&c->out[u], x, via) || adj_set(&c->in[x], u, via))
                    return MG_ENOMEM;
                c->nshortcuts++;
            }
        }
    }
    *shortcuts = count;
    return 0;
}

static int priority(ch_ctx *c, uint32_t v, uint32_t *key)
{
    long sc;
    int rc = contract(c, v, 0, &sc);
    if (rc)
        return rc;
    long ed = sc - (long)c->in[v].len - (long)c->out[v].len;
    long p = 2 * ed + (long)c->deleted[v] + (1L << 30);
    *key = p < 0 ? 0 : p > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)p;
    return 0;
}

static int emit(uint32_t **t, uint32_t **h, uint32_t **w, size_t *n, size_t *cap, uint32_t a,
                uint32_t b, uint32_t wt)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        uint32_t *nt = mg_realloc_array(*t, nc, sizeof **t);
        if (nt)
            *t = nt;
        uint32_t *nh = mg_realloc_array(*h, nc, sizeof **h);
        if (nh)
            *h = nh;
        uint32_t *nw = mg_realloc_array(*w, nc, sizeof **w);
        if (nw)
            *w = nw;
        if (!nt || !nh || !nw)
            return MG_ENOMEM;
        *cap = nc;
    }
    (*t)[*n] = a;
    (*h)[*n] = b;
    (*w)[*n] = wt;
    (*n)++;
    return 0;
}

void mg_ch_result_free(mg_ch_result *c)
{
    if (!c)
        return;
    free(c->rank);
    free(c->up_tail);
    free(c->up_head);
    free(c->up_w);
    free(c->dn_tail);
    free(c->dn_head);
    free(c->dn_w);
    *c = (mg_ch_result){0};
}

static void ctx_free(ch_ctx *c)
{
    for (uint32_t v = 0; c->out && c->in && v < c->n; v++) {
        free(c->out[v].a);
        free(c->in[v].a);
    }
    free(c->out);
    free(c->in);
    free(c->done);
    free(c->deleted);
    free(c->wdist);
    free(c->wstamp);
    free(c->heap.a);
}

int mg_ch_contract(uint32_t n, size_t m, const uint32_t *tail, const uint32_t *head,
                   const uint32_t *w, mg_route_progress_fn progress, void *pctx,
                   mg_ch_result *out, mg_diag *d)
{
    *out = (mg_ch_result){0};
    ch_ctx c = {.n = n};
    size_t nn = n ? n : 1;
    c.out = mg_alloc_array(nn, sizeof *c.out);
    c.in = mg_alloc_array(nn, sizeof *c.in);
    c.done = mg_alloc_array(nn, 1);
    c.deleted = mg_alloc_array(nn, sizeof *c.deleted);
    c.wdist = mg_alloc_array(nn, sizeof *c.wdist);
    c.wstamp = mg_alloc_array(nn, sizeof *c.wstamp);
    out->rank = mg_alloc_array(nn, sizeof *out->rank);
    uint32_t *key = mg_alloc_array(nn, sizeof *key);
    mg_heap pq = {0};
    int rc = MG_ENOMEM;
    if (!c.out || !c.in || !c.done || !c.deleted || !c.wdist || !c.wstamp || !out->rank || !key)
        goto fail;
    for (size_t e = 0; e < m; e++)
        if (tail[e] != head[e] &&
            (adj_set(&c.out[tail[e]], head[e], w[e]) || adj_set(&c.in[head[e]], tail[e], w[e])))
            goto fail;
    for (uint32_t v = 0; v < n; v++)
        if ((rc = priority(&c, v, &key[v])) || (rc = mg_heap_push(&pq, key[v], v)))
            goto fail;
    uint32_t next = 0;
    size_t step = n / 200 + 1;
    while (pq.len) {
        uint64_t top = mg_heap_pop(&pq);
        uint32_t v = (uint32_t)top, k = (uint32_t)(top >> 32);
        if (c.done[v] || k != key[v])
            continue;
        uint32_t nk;
        if ((rc = priority(&c, v, &nk)))
            goto fail;
        if (nk > k && pq.len) {
            key[v] = nk;
            if ((rc = mg_heap_push(&pq, nk, v)))
                goto fail;
            continue;
        }
        long sc;
        if ((rc = contract(&c, v, 1, &sc)))
            goto fail;
        c.done[v] = 1;
        out->rank[v] = next++;
        rc = MG_ENOMEM;
        for (uint32_t j = 0; j < c.out[v].len; j++) {
            uint32_t x = c.out[v].a[j].to;
            if (emit(&out->up_tail, &out->up_head, &out->up_w, &out->nup, &c.capup, v, x,
                     c.out[v].a[j].w))
                goto fail;
            adj_remove(&c.in[x], v);
        }
        for (uint32_t j = 0; j < c.in[v].len; j++) {
            uint32_t u = c.in[v].a[j].to;
            if (emit(&out->dn_tail, &out->dn_head, &out->dn_w, &out->ndown, &c.capdn, u, v,
                     c.in[v].a[j].w))
                goto fail;
            adj_remove(&c.out[u], v);
        }
        /* Neighbours lost an arc and gained a deleted neighbour: re-rate them. */
        for (int side = 0; side < 2; side++) {
            adj *l = side ? &c.in[v] : &c.out[v];
            for (uint32_t j = 0; j < l->len; j++) {
                uint32_t x = l->a[j].to;
                if (c.done[x])
                    continue;
                c.deleted[x]++;
                if ((rc = priority(&c, x, &key[x])) || (rc = mg_heap_push(&pq, key[x], x)))
                    goto fail;
            }
        }
        free(c.out[v].a);
        free(c.in[v].a);
        c.out[v] = (adj){0};
        c.in[v] = (adj){0};
        if (progress && next % step == 0)
            progress(pctx, "contracting", (double)next / (double)n);
    }
    out->nshortcuts = c.nshortcuts;
    if (progress)
        progress(pctx, "contracting", 1);
    free(key);
    free(pq.a);
    ctx_free(&c);
    return 0;
fail:
    free(key);
    free(pq.a);
    ctx_free(&c);
    mg_ch_result_free(out);
    return mg_diag_set(d, rc ? rc : MG_ENOMEM, NULL, 0, 0,
                       "out of memory contracting the road graph");
}
