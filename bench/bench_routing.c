/*
 * Benchmark of src/routing (bench/README.md, section "bench_routing").
 *
 *   bench_routing --osm FILE [--points N] [--max MIN] [--repeats R] [--dump DIR]
 *
 * Builds the graph from the extract (time, peak memory, graph size), writes
 * and maps it back (load time), picks N deterministic points on the roads,
 * snaps them, and times the N × N table bounded at MIN minutes by contraction
 * hierarchies and by plain bounded Dijkstra from every origin, both on 2
 * threads in this process; checks the two tables are identical and prints
 * the ratio. --dump writes edges.csv, points.csv (the snapped points: edge,
 * position, allowance) and table.csv (the CH table) for the pgRouting
 * comparison of scripts/bench-routing.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "core/alloc.h"
#include "routing/internal.h"
#include "routing/routing.h"

#define MAX_REPEATS 21

static int dump(const mg_graph *g, const mg_snap *s, size_t n, const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/edges.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    /* pgRouting's convention: cost < 0 means the direction is closed. */
    fprintf(f, "id,source,target,cost,reverse_cost\n");
    for (uint32_t e = 0; e < g->h->edges; e++) {
        uint32_t fl = g->eflags[e];
        double c = g->ew[e] / 10.0;
        fprintf(f, "%u,%u,%u,%.1f,%.1f\n", e + 1, g->eu[e] + 1, g->ev[e] + 1,
                (fl & MG_EDGE_FWD) ? c : -1.0, (fl & MG_EDGE_BWD) ? c : -1.0);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/points.csv", dir);
    if (!(f = fopen(path, "w")))
        return -1;
    /* The snapped points as pgRouting's withPoints functions take them (the
     * same edge and position), with their allowances in seconds, and the
     * vertex each leaves by (first seed), for the vertex-to-vertex query. */
    fprintf(f, "pid,edge_id,fraction,allow_s,vertex\n");
    for (size_t i = 0; i < n; i++)
        if (s[i].ok && s[i].out_node[0] != MG_NO_NODE)
            fprintf(f, "%zu,%u,%.9f,%.1f,%u\n", i + 1, s[i].edge + 1, s[i].frac,
                    s[i].allowance_ds / 10.0, s[i].out_node[0] + 1);
    fclose(f);
    return 0;
}

/* Our table, for the comparison pair by pair in PostgreSQL. */
static int dump_table(const mg_route_table *t, const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/table.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "src,dst,s\n");
    for (size_t a = 0; a < t->nsrc; a++)
        for (size_t k = t->start[a]; k < t->start[a + 1]; k++)
            fprintf(f, "%zu,%u,%.1f\n", a + 1, t->tgt[k] + 1, t->ds[k] / 10.0);
    return fclose(f);
}

int main(int argc, char **argv)
{
    const char *osm = NULL, *dir = NULL;
    long npts = 1000, repeats = 5;
    double max = 30;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--osm") == 0 && i + 1 < argc)
            osm = argv[++i];
        else if (strcmp(argv[i], "--points") == 0 && i + 1 < argc)
            npts = (long)bench_arg_number("--points", argv[++i], 1, 1e7);
        else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc)
            max = bench_arg_number("--max", argv[++i], 0, 1e6);
        else if (strcmp(argv[i], "--repeats") == 0 && i + 1 < argc)
            repeats = (long)bench_arg_number("--repeats", argv[++i], 1, 1000);
        else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc)
            dir = argv[++i];
        else {
            fprintf(stderr, "usage: bench_routing --osm FILE [--points N] [--max MIN] "
                            "[--repeats R] [--dump DIR]\n");
            return 2;
        }
    }
    if (!osm || npts < 1 || npts > 100000 || !(max > 0 && max <= 600) || repeats < 1 ||
        repeats > MAX_REPEATS) {
        fprintf(stderr, "bench_routing: --osm FILE required; N in 1..100000, MIN in (0, 600], "
                        "R in 1..%d\n", MAX_REPEATS);
        return 2;
    }
    mg_diag d = {{0}};
    mg_graph *built = NULL, *g = NULL;
    double t0 = bench_now();
    if (mg_route_build(osm, NULL, &built, &d)) {
        fprintf(stderr, "bench_routing: %s\n", d.msg);
        return 1;
    }
    double t_build = bench_now() - t0;
    long rss_build = bench_peak_rss_mib();
    mg_graph_info info;
    mg_graph_get_info(built, &info);
    char path[] = "/tmp/bench-routing-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    if (mg_graph_write(built, path, &d)) {
        fprintf(stderr, "bench_routing: %s\n", d.msg);
        return 1;
    }
    mg_graph_close(built);
    t0 = bench_now();
    if (mg_graph_open(path, &g, &d)) {
        fprintf(stderr, "bench_routing: %s\n", d.msg);
        return 1;
    }
    double t_load = bench_now() - t0;
    unlink(path);
    printf("%s: %zu drivable ways, %zu OSM nodes used -> %zu nodes, %zu edges "
           "(%zu in the largest strongly connected part), %zu shortcuts\n",
           osm, info.osm_ways, info.osm_nodes, info.nodes, info.edges, info.lcc_nodes,
           info.shortcuts);
    printf("preprocessing (read, simplify, contract): %.2f s, peak memory %ld MiB, "
           "graph file %.1f MiB, load (map + full check) %.1f ms\n",
           t_build, rss_build, (double)info.bytes / 1048576.0, t_load * 1e3);

    /* Points on the roads: ends of pseudo-random edges of the connected part,
     * moved by up to ~100 m, as addresses beside a road would be. */
    size_t n = (size_t)npts;
    double *lat = mg_alloc_array(n, sizeof *lat), *lon = mg_alloc_array(n, sizeof *lon);
    mg_snap *s = mg_alloc_array(n, sizeof *s);
    if (!lat || !lon || !s)
        return 1;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n;) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t e = (uint32_t)(x % g->h->edges);
        if (!(g->eflags[e] & MG_EDGE_LCC))
            continue;
        double jx = (double)((x >> 20) % 2001) / 1000.0 - 1, jy = (double)((x >> 40) % 2001) / 1000.0 - 1;
        lat[i] = g->lat[g->eu[e]] / MG_COORD_SCALE + jy * 0.0009;
        lon[i] = g->lon[g->eu[e]] / MG_COORD_SCALE + jx * 0.0012;
        i++;
    }
    t0 = bench_now();
    if (mg_graph_snap(g, lat, lon, n, MG_ROUTE_MAX_SNAP_M, MG_ROUTE_SNAP_SPEED_KMH, s, &d))
        return 1;
    double t_snap = bench_now() - t0, dsum = 0;
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].ok)
            ok++, dsum += s[i].dist_m;
    printf("snapping %zu points: %.1f ms (%zu snapped, mean distance %.0f m)\n", n,
           t_snap * 1e3, ok, ok ? dsum / (double)ok : 0.0);
    if (dir && dump(g, s, n, dir))
        fprintf(stderr, "bench_routing: cannot write into %s\n", dir);

    /* The chosen method (MG_ROUTE_CH), each of the two forced, and the
     * reference, REPEATS times in turn (the machine is shared: medians);
     * every table must be identical to the reference. */
    static const enum mg_route_method methods[] = {MG_ROUTE_CH, MG_ROUTE_CH_BUCKETS,
                                                   MG_ROUTE_CH_SWEEP, MG_ROUTE_DIJKSTRA};
    mg_route_table tb[4];
    double runs[4][MAX_REPEATS], tm[4];
    int same = 1;
    for (int r = 0; r < repeats; r++) {
        for (int m = 0; m < 4; m++) {
            t0 = bench_now();
            if (mg_route_table_compute(g, s, n, s, n, max, methods[m], 2, NULL, NULL, &tb[m],
                                       &d)) {
                fprintf(stderr, "bench_routing: %s\n", d.msg);
                return 1;
            }
            runs[m][r] = bench_now() - t0;
        }
        const mg_route_table *dj = &tb[3];
        for (int m = 0; m < 3; m++)
            same &= tb[m].npairs == dj->npairs &&
                    memcmp(tb[m].start, dj->start, (n + 1) * sizeof *dj->start) == 0 &&
                    memcmp(tb[m].tgt, dj->tgt, dj->npairs * sizeof *dj->tgt) == 0 &&
                    memcmp(tb[m].ds, dj->ds, dj->npairs * sizeof *dj->ds) == 0;
        if (r + 1 < repeats)
            for (int m = 0; m < 4; m++)
                mg_route_table_free(&tb[m]);
    }
    for (int m = 0; m < 4; m++)
        tm[m] = bench_median(runs[m], (int)repeats);
    const mg_route_table *dj = &tb[3];
    double t_ch = tm[0], t_dj = tm[3];
    printf("table %zu x %zu within %g min: %zu pairs (median of %ld runs each)\n", n, n, max,
           dj->npairs, repeats);
    printf("  contraction hierarchies, method chosen (%s), 2 threads: %.4f s\n",
           mg_route_method_name((enum mg_route_method)tb[0].method), t_ch);
    printf("    buckets forced: %.4f s; sweep forced: %.4f s\n", tm[1], tm[2]);
    printf("  plain bounded Dijkstra from each origin (2 threads): %.4f s\n", t_dj);
    printf("  identical tables: %s; ratio Dijkstra / CH: %.1f x\n", same ? "yes" : "NO",
           t_dj / t_ch);
    if (dir && dump_table(&tb[0], dir))
        fprintf(stderr, "bench_routing: cannot write into %s\n", dir);
    printf("end to end (load + snap + CH table): %.4f s\n", t_load + t_snap + t_ch);
    printf("peak memory (RSS): %ld MiB\n", bench_peak_rss_mib());
    for (int m = 0; m < 4; m++)
        mg_route_table_free(&tb[m]);
    free(lat), free(lon), free(s);
    mg_graph_close(g);
    return same ? 0 : 1;
}
