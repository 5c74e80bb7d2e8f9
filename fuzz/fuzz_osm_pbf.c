/*
 * libFuzzer target for the OSM import (routing/osm_import.c through
 * readosm) and everything mg_route_build does after it. readosm only reads
 * named files whose name ends in .pbf or .osm, so the input is written to a
 * file of this process as a .osm.pbf. Only the PBF path is fuzzed: readosm's
 * .osm XML reader leaks its parser and strings on malformed files (a
 * third-party defect, docs/routing.md), and PBF is the format Geofabrik
 * publishes. Beyond the sanitizers it checks that a failure always comes with
 * a message and that a graph built from any input passes the checks of the
 * graph file loader and answers a table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_util.h"

#include "routing/routing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    size_t w = fwrite(data, 1, size, f);
    fclose(f);
    if (w != size)
        return;
    mg_graph *g = NULL;
    mg_diag d = {{0}};
    int rc = mg_route_build(path, NULL, &g, &d);
    if (rc) {
        check(g == NULL && d.msg[0] != 0);
    } else {
        mg_graph_info i;
        mg_graph_get_info(g, &i);
        check(i.lcc_nodes <= i.nodes);
        double lat[2] = {42.5, 0}, lon[2] = {1.5, 0};
        mg_snap s[2];
        mg_route_table t;
        check(mg_graph_snap(g, lat, lon, 2, 5000, 15, s, &d) == 0);
        check(mg_route_table_compute(g, s, 2, s, 2, 30, MG_ROUTE_CH, 1, NULL, NULL, &t, &d) ==
              0);
        mg_route_table_free(&t);
        mg_graph_close(g);
    }
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/mg-fuzz-osm-%ld.osm.pbf", (long)getpid());
    run(path, data, size);
    return 0;
}
