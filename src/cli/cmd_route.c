/*
 * maillage route: road graphs from OpenStreetMap (docs/routing.md).
 *   route build --osm FILE.osm.pbf --out GRAPH   build and write a graph
 *   route info GRAPH                            figures of a graph
 *   route snap --graph GRAPH --points CSV        where each point lands
 *   route table --graph GRAPH --points CSV ...   a bounded from,to,minutes table
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "io/csv.h"
#include "io/reader.h"
#include "routing/routing.h"

static const char kCmd[] = "route";

static void help(void)
{
    printf("Usage: maillage route build --osm FILE.osm.pbf --out GRAPH [--ferries]\n"
           "       maillage route info GRAPH\n"
           "       maillage route snap --graph GRAPH --points CSV\n"
           "       maillage route table --graph GRAPH --points CSV [--to CSV]\n"
           "                            [--max MIN] [--method M] [--threads N]\n"
           "\n"
           "Builds a road graph for cars from an OpenStreetMap extract (e.g. a Geofabrik\n"
           ".osm.pbf) with the car profile of docs/routing.md, and computes road travel\n"
           "times between points. `maillage access --graph GRAPH` (or --osm FILE) uses\n"
           "them instead of the crow-fly model.\n"
           "\n"
           "  --osm FILE       the extract (.osm.pbf or .osm)\n"
           "  --out GRAPH      the graph file to write (atomically)\n"
           "  --ferries        let routes use ferries (off by default)\n"
           "  --graph GRAPH    a graph written by route build\n"
           "  --points CSV     points: a header with id,lat,lon (',' separated)\n"
           "  --to CSV         destinations (default: the --points)\n"
           "  --max MIN        largest time kept, in minutes (default 30)\n"
           "  --method M       ch (default: buckets or sweep, whichever suits the table),\n"
           "                   buckets, sweep, or dijkstra (the plain reference)\n"
           "  --threads N      worker threads (default 2)\n"
           "  -q, --quiet      no progress or figures on stderr\n"
           "  --progress       progress even when stderr is not a terminal\n"
           "  -h, --help       this help\n"
           "\n"
           "table prints from,to,minutes (snapping allowances included, see docs/routing.md);\n"
           "snap prints id,lat,lon,road_lat,road_lon,snap_m,allowance_min.\n");
}

/* Progress with an estimate of the time left, on one rewritten line. */
typedef struct progress {
    char step[64];
    struct timespec t0;
    double last;
} progress;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void show(void *ctx, const char *step, double f)
{
    progress *p = ctx;
    double t = now_s();
    if (strncmp(p->step, step, sizeof p->step - 1) != 0) {
        if (p->step[0])
            fputc('\n', stderr);
        snprintf(p->step, sizeof p->step, "%s", step);
        p->t0.tv_sec = (time_t)t;
        p->t0.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
        p->last = 0;
    }
    double el = t - ((double)p->t0.tv_sec + p->t0.tv_nsec / 1e9);
    if (f < 1 && t - p->last < 0.2)
        return;
    p->last = t;
    if (f < 0)
        fprintf(stderr, "\r%-28s %6.1f s", step, el);
    else if (f >= 1)
        fprintf(stderr, "\r%-28s 100%%  %6.1f s          ", step, el);
    else if (f > 0.01)
        fprintf(stderr, "\r%-28s %3.0f%%  %6.1f s, about %.0f s left   ", step, f * 100, el,
                el / f * (1 - f));
    else
        fprintf(stderr, "\r%-28s %3.0f%%  %6.1f s", step, f * 100, el);
    fflush(stderr);
}

static int build(const char *osm, const char *out, int ferries, int quiet, int prog)
{
    progress p = {0};
    mg_route_build_opts o = {.ferries = ferries, .progress = prog ? show : NULL, .pctx = &p};
    mg_diag d = {{0}};
    mg_graph *g = NULL;
    double t0 = now_s();
    int rc = mg_route_build(osm, &o, &g, &d);
    if (prog && p.step[0])
        fputc('\n', stderr);
    if (rc) {
        fprintf(stderr, "maillage route: %s\n", d.msg[0] ? d.msg : mg_strerror(rc));
        return cli_exit_for(rc);
    }
    double t1 = now_s();
    rc = mg_graph_write(g, out, &d);
    if (rc) {
        mg_graph_close(g);
        fprintf(stderr, "maillage route: %s\n", d.msg);
        return MG_EXIT_OUTPUT;
    }
    if (!quiet) {
        mg_graph_info i;
        mg_graph_get_info(g, &i);
        fprintf(stderr,
                "maillage route: %zu drivable ways, %zu nodes, %zu edges (%zu nodes in the "
                "largest connected part), %zu shortcuts; %.1f MiB written to %s in %.1f s\n",
                i.osm_ways, i.nodes, i.edges, i.lcc_nodes, i.shortcuts,
                (double)i.bytes / 1048576.0, out, now_s() - t0);
        (void)t1;
    }
    mg_graph_close(g);
    return MG_EXIT_OK;
}

/* Reads id,lat,lon points. */
typedef struct points {
    size_t n, cap;
    char **id;
    double *lat, *lon;
} points;

static void points_free(points *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->id[i]);
    free(p->id);
    free(p->lat);
    free(p->lon);
    *p = (points){0};
}

static int read_points(const char *path, points *p, mg_diag *d)
{
    *p = (points){0};
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    int rc = mg_reader_open(&r, path, d);
    if (rc)
        return rc;
    if ((rc = mg_csv_open(&c, r, ',', d))) {
        mg_reader_close(r);
        return rc;
    }
    static const char *const names[] = {"id", "lat", "lon"};
    int idx[3];
    if ((rc = mg_csv_require(c, names, 3, idx, d)))
        goto done;
    while ((rc = mg_csv_next(c, d)) == 1) {
        if (p->n == p->cap) {
            size_t nc = p->cap ? p->cap * 2 : 256;
            char **ni = mg_realloc_array(p->id, nc, sizeof *ni);
            if (ni)
                p->id = ni;
            double *na = mg_realloc_array(p->lat, nc, sizeof *na);
            if (na)
                p->lat = na;
            double *no = mg_realloc_array(p->lon, nc, sizeof *no);
            if (no)
                p->lon = no;
            if (!ni || !na || !no) {
                rc = mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
                goto done;
            }
            p->cap = nc;
        }
        bool has_lat, has_lon;
        double la, lo;
        if ((rc = mg_csv_double(c, (size_t)idx[1], &la, &has_lat, d)) ||
            (rc = mg_csv_double(c, (size_t)idx[2], &lo, &has_lon, d)))
            goto done;
        if ((has_lat && fabs(la) > 90) || (has_lon && fabs(lo) > 180)) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[1]),
                             "latitude or longitude out of range");
            goto done;
        }
        p->id[p->n] = mg_strdup(mg_csv_field(c, (size_t)idx[0], NULL));
        if (!p->id[p->n]) {
            rc = mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
            goto done;
        }
        p->lat[p->n] = has_lat ? la : NAN;
        p->lon[p->n] = has_lon ? lo : NAN;
        p->n++;
    }
done:
    mg_csv_close(c);
    mg_reader_close(r);
    if (rc < 0)
        points_free(p);
    return rc < 0 ? rc : 0;
}

static int open_graph(const char *path, mg_graph **g)
{
    mg_diag d = {{0}};
    int rc = mg_graph_open(path, g, &d);
    if (rc)
        fprintf(stderr, "maillage route: %s\n", d.msg);
    return rc ? cli_exit_for(rc) : 0;
}

static int snap_cmd(const char *graph, const char *pts_path)
{
    mg_graph *g = NULL;
    int ex = open_graph(graph, &g);
    if (ex)
        return ex;
    points p;
    mg_diag d = {{0}};
    int rc = read_points(pts_path, &p, &d);
    mg_snap *s = rc ? NULL : mg_alloc_array(p.n + 1, sizeof *s);
    if (!rc && !s)
        rc = mg_diag_set(&d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    if (!rc)
        rc = mg_graph_snap(g, p.lat, p.lon, p.n, MG_ROUTE_MAX_SNAP_M, MG_ROUTE_SNAP_SPEED_KMH, s,
                           &d);
    if (rc) {
        fprintf(stderr, "maillage route: %s\n", d.msg);
        free(s);
        mg_graph_close(g);
        return cli_exit_for(rc);
    }
    printf("id,lat,lon,road_lat,road_lon,snap_m,allowance_min\n");
    for (size_t i = 0; i < p.n; i++) {
        if (s[i].ok)
            printf("%s,%.7f,%.7f,%.7f,%.7f,%.1f,%.2f\n", p.id[i], p.lat[i], p.lon[i], s[i].lat,
                   s[i].lon, s[i].dist_m, s[i].allowance_ds / 600.0);
        else
            printf("%s,%.7f,%.7f,,,,\n", p.id[i], p.lat[i], p.lon[i]);
    }
    free(s);
    points_free(&p);
    mg_graph_close(g);
    return MG_EXIT_OK;
}

static int table_cmd(const char *graph, const char *from, const char *to, double max,
                     enum mg_route_method method, int threads, int quiet, int prog)
{
    mg_graph *g = NULL;
    int ex = open_graph(graph, &g);
    if (ex)
        return ex;
    points a = {0}, b = {0};
    mg_snap *sa = NULL, *sb = NULL;
    mg_route_table t = {0};
    mg_diag d = {{0}};
    progress pr = {0};
    int rc = read_points(from, &a, &d);
    if (!rc && to)
        rc = read_points(to, &b, &d);
    const points *pb = to ? &b : &a;
    if (!rc) {
        sa = mg_alloc_array(a.n + 1, sizeof *sa);
        sb = mg_alloc_array(pb->n + 1, sizeof *sb);
        if (!sa || !sb)
            rc = mg_diag_set(&d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (!rc)
        rc = mg_graph_snap(g, a.lat, a.lon, a.n, MG_ROUTE_MAX_SNAP_M, MG_ROUTE_SNAP_SPEED_KMH, sa,
                           &d);
    if (!rc)
        rc = mg_graph_snap(g, pb->lat, pb->lon, pb->n, MG_ROUTE_MAX_SNAP_M,
                           MG_ROUTE_SNAP_SPEED_KMH, sb, &d);
    double t0 = now_s();
    if (!rc)
        rc = mg_route_table_compute(g, sa, a.n, sb, pb->n, max, method, threads,
                                    prog ? show : NULL, &pr, &t, &d);
    if (prog && pr.step[0])
        fputc('\n', stderr);
    if (rc) {
        fprintf(stderr, "maillage route: %s\n", d.msg[0] ? d.msg : mg_strerror(rc));
        ex = cli_exit_for(rc);
    } else {
        printf("from,to,minutes\n");
        for (size_t s = 0; s < t.nsrc; s++)
            for (size_t k = t.start[s]; k < t.start[s + 1]; k++)
                printf("%s,%s,%.2f\n", a.id[s], pb->id[t.tgt[k]], t.ds[k] / 600.0);
        if (!quiet) {
            size_t un = 0;
            for (size_t i = 0; i < a.n; i++)
                un += !sa[i].ok;
            for (size_t i = 0; to && i < b.n; i++)
                un += !sb[i].ok;
            fprintf(stderr, "maillage route: %zu pairs within %g minutes in %.3f s (%s)%s\n",
                    t.npairs, max, now_s() - t0,
                    mg_route_method_name((enum mg_route_method)t.method),
                    un ? " (some points not snapped)" : "");
        }
    }
    mg_route_table_free(&t);
    free(sa), free(sb);
    points_free(&a), points_free(&b);
    mg_graph_close(g);
    return ex;
}

int mg_cmd_route(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help();
        return argc < 2 ? MG_EXIT_USAGE : MG_EXIT_OK;
    }
    const char *sub = argv[1];
    enum { O_OSM = 300, O_OUT, O_FERRIES, O_GRAPH, O_POINTS, O_TO, O_MAX, O_METHOD, O_THREADS,
           O_PROGRESS };
    static const struct option longopts[] = {
        {"osm", required_argument, NULL, O_OSM},       {"out", required_argument, NULL, O_OUT},
        {"ferries", no_argument, NULL, O_FERRIES},     {"graph", required_argument, NULL, O_GRAPH},
        {"points", required_argument, NULL, O_POINTS}, {"to", required_argument, NULL, O_TO},
        {"max", required_argument, NULL, O_MAX},       {"method", required_argument, NULL, O_METHOD},
        {"threads", required_argument, NULL, O_THREADS},
        {"progress", no_argument, NULL, O_PROGRESS},   {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},              {NULL, 0, NULL, 0}};
    const char *osm = NULL, *out = NULL, *graph = NULL, *pts = NULL, *to = NULL;
    int ferries = 0, quiet = 0, prog = isatty(STDERR_FILENO), threads = 2;
    double max = 30;
    int64_t th;
    enum mg_route_method method = MG_ROUTE_CH;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case O_OSM: osm = optarg; break;
        case O_OUT: out = optarg; break;
        case O_FERRIES: ferries = 1; break;
        case O_GRAPH: graph = optarg; break;
        case O_POINTS: pts = optarg; break;
        case O_TO: to = optarg; break;
        case O_PROGRESS: prog = 1; break;
        case 'q': quiet = 1, prog = 0; break;
        case 'h': help(); return MG_EXIT_OK;
        case O_MAX:
            if (cli_number(kCmd, "max", optarg, 0, 600, &max))
                return MG_EXIT_USAGE;
            break;
        case O_THREADS:
            if (cli_int(kCmd, "threads", optarg, 1, 64, &th))
                return MG_EXIT_USAGE;
            threads = (int)th;
            break;
        case O_METHOD:
            for (method = MG_ROUTE_CH; method <= MG_ROUTE_CH_SWEEP; method++)
                if (strcmp(optarg, mg_route_method_name(method)) == 0)
                    break;
            if (method > MG_ROUTE_CH_SWEEP) {
                cli_error(kCmd, "--method %s: expected ch, buckets, sweep or dijkstra", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        default: return MG_EXIT_USAGE;
        }
    }
    int nrest = argc - 1 - optind;
    char **rest = argv + 1 + optind;
    if (strcmp(sub, "build") == 0) {
        if (!osm || !out || nrest) {
            cli_error(kCmd, "build needs --osm FILE and --out GRAPH (try --help)");
            return MG_EXIT_USAGE;
        }
        return build(osm, out, ferries, quiet, prog);
    }
    if (strcmp(sub, "info") == 0) {
        const char *path = graph ? graph : nrest == 1 ? rest[0] : NULL;
        if (!path) {
            cli_error(kCmd, "info needs a graph file (try --help)");
            return MG_EXIT_USAGE;
        }
        mg_graph *g = NULL;
        int ex = open_graph(path, &g);
        if (ex)
            return ex;
        mg_graph_info i;
        mg_graph_get_info(g, &i);
        printf("nodes %zu\nedges %zu\nlargest_component_nodes %zu\nupward_arcs %zu\n"
               "downward_arcs %zu\nshortcuts %zu\nshape_points %zu\nbytes %zu\n"
               "osm_ways %zu\nosm_nodes %zu\n",
               i.nodes, i.edges, i.lcc_nodes, i.up_arcs, i.down_arcs, i.shortcuts,
               i.shape_points, i.bytes, i.osm_ways, i.osm_nodes);
        mg_graph_close(g);
        return MG_EXIT_OK;
    }
    if (strcmp(sub, "snap") == 0 || strcmp(sub, "table") == 0) {
        if (!graph || !pts || nrest) {
            cli_error(kCmd, "%s needs --graph GRAPH and --points CSV (try --help)", sub);
            return MG_EXIT_USAGE;
        }
        if (sub[0] == 's')
            return snap_cmd(graph, pts);
        return table_cmd(graph, pts, to, max, method, threads, quiet, prog);
    }
    cli_error(kCmd, "unknown subcommand \"%s\": expected build, info, snap or table", sub);
    return MG_EXIT_USAGE;
}
