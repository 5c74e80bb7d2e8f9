/*
 * mg_route_build: OSM extract -> raw graph -> largest strongly connected
 * part (the roads a point may be snapped to: from anywhere else some places
 * would be unreachable or unable to come back) -> contraction -> image.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "routing/internal.h"

/* Iterative Tarjan: component id of every node; returns the largest's id. */
static int scc(uint32_t n, const uint32_t *first, const uint32_t *head, uint32_t *comp,
               uint32_t *largest, uint32_t *largest_size)
{
    uint32_t *index = malloc(((size_t)n + 1) * sizeof *index);
    uint32_t *low = malloc(((size_t)n + 1) * sizeof *low);
    uint32_t *stack = malloc(((size_t)n + 1) * sizeof *stack);
    uint32_t *cs_v = malloc(((size_t)n + 1) * sizeof *cs_v);
    uint32_t *cs_k = malloc(((size_t)n + 1) * sizeof *cs_k);
    uint8_t *on = calloc((size_t)n + 1, 1);
    uint32_t *size = calloc((size_t)n + 1, sizeof *size);
    int rc = MG_ENOMEM;
    if (!index || !low || !stack || !cs_v || !cs_k || !on || !size)
        goto done;
    for (uint32_t v = 0; v < n; v++)
        index[v] = UINT32_MAX;
    uint32_t next = 0, sp = 0, ncomp = 0;
    for (uint32_t root = 0; root < n; root++) {
        if (index[root] != UINT32_MAX)
            continue;
        uint32_t csp = 0;
        cs_v[csp] = root, cs_k[csp++] = first[root];
        index[root] = low[root] = next++;
        stack[sp++] = root, on[root] = 1;
        while (csp) {
            uint32_t v = cs_v[csp - 1];
            if (cs_k[csp - 1] < first[v + 1]) {
                uint32_t w = head[cs_k[csp - 1]++];
                if (index[w] == UINT32_MAX) {
                    index[w] = low[w] = next++;
                    stack[sp++] = w, on[w] = 1;
                    cs_v[csp] = w, cs_k[csp++] = first[w];
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            if (low[v] == index[v]) {
                uint32_t w;
                do {
                    w = stack[--sp];
                    on[w] = 0;
                    comp[w] = ncomp;
                    size[ncomp]++;
                } while (w != v);
                ncomp++;
            }
            csp--;
            if (csp) {
                uint32_t u = cs_v[csp - 1];
                if (low[v] < low[u])
                    low[u] = low[v];
            }
        }
    }
    *largest = 0, *largest_size = 0;
    for (uint32_t c = 0; c < ncomp; c++)
        if (size[c] > *largest_size)
            *largest = c, *largest_size = size[c];
    rc = 0;
done:
    free(index), free(low), free(stack), free(cs_v), free(cs_k), free(on), free(size);
    return rc;
}

int mg_route_build(const char *osm_path, const mg_route_build_opts *o, mg_graph **out,
                   mg_diag *d)
{
    *out = NULL;
    mg_route_build_opts def = {0};
    if (!o)
        o = &def;
    mg_rawgraph r;
    int rc = mg_osm_import(osm_path, o->ferries, o->progress, o->pctx, &r, d);
    if (rc)
        return rc;
    size_t na = 0;
    for (uint32_t e = 0; e < r.m; e++)
        na += (size_t)((r.edirs[e] & MG_EDGE_FWD) != 0) + ((r.edirs[e] & MG_EDGE_BWD) != 0);
    size_t nn = (size_t)r.n + 1;
    uint32_t *tail = mg_alloc_array(na ? na : 1, sizeof *tail);
    uint32_t *head = mg_alloc_array(na ? na : 1, sizeof *head);
    uint32_t *w = mg_alloc_array(na ? na : 1, sizeof *w);
    uint32_t *first = mg_alloc_array(nn, sizeof *first);
    uint32_t *csr = mg_alloc_array(na ? na : 1, sizeof *csr);
    uint32_t *comp = mg_alloc_array(nn, sizeof *comp);
    uint8_t *lcc = mg_alloc_array(r.m ? r.m : 1, 1);
    mg_ch_result ch = {0};
    if (!tail || !head || !w || !first || !csr || !comp || !lcc) {
        rc = mg_diag_set(d, MG_ENOMEM, osm_path, 0, 0, "out of memory");
        goto done;
    }
    size_t k = 0;
    for (uint32_t e = 0; e < r.m; e++) {
        if (r.edirs[e] & MG_EDGE_FWD)
            tail[k] = r.eu[e], head[k] = r.ev[e], w[k++] = r.ew[e];
        if (r.edirs[e] & MG_EDGE_BWD)
            tail[k] = r.ev[e], head[k] = r.eu[e], w[k++] = r.ew[e];
    }
    for (size_t a = 0; a < na; a++)
        first[tail[a] + 1]++;
    for (uint32_t v = 0; v < r.n; v++)
        first[v + 1] += first[v];
    {
        uint32_t *pos = mg_alloc_array(nn, sizeof *pos);
        if (!pos) {
            rc = mg_diag_set(d, MG_ENOMEM, osm_path, 0, 0, "out of memory");
            goto done;
        }
        memcpy(pos, first, nn * sizeof *pos);
        for (size_t a = 0; a < na; a++)
            csr[pos[tail[a]]++] = head[a];
        free(pos);
    }
    uint32_t big = 0, big_n = 0;
    if (scc(r.n, first, csr, comp, &big, &big_n)) {
        rc = mg_diag_set(d, MG_ENOMEM, osm_path, 0, 0, "out of memory");
        goto done;
    }
    for (uint32_t e = 0; e < r.m; e++)
        lcc[e] = comp[r.eu[e]] == big && comp[r.ev[e]] == big;
    if ((rc = mg_ch_contract(r.n, na, tail, head, w, o->progress, o->pctx, &ch, d)))
        goto done;
    if (o->progress)
        o->progress(o->pctx, "writing graph", 0);
    rc = mg_graph_from_parts(&r, &ch, lcc, big_n, out, d);
done:
    free(tail), free(head), free(w), free(first), free(csr), free(comp), free(lcc);
    mg_ch_result_free(&ch);
    mg_rawgraph_free(&r);
    return rc;
}
