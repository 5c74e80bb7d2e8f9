/*
 * libFuzzer target for the graph file loader (routing/graph_file.c). The
 * checksum is checked off as well as on, so that mutated files reach every
 * structural check; a file the loader accepts must then be safe to use:
 * points are snapped over its grid and a table is computed by both methods,
 * each within its bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "routing/routing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int crc = 0; crc < 2; crc++) {
        mg_graph *g = NULL;
        mg_diag d = {{0}};
        int rc = mg_graph_open_memory(data, size, crc, &g, &d);
        if (rc) {
            check(g == NULL && d.msg[0] != 0);
            continue;
        }
        /* Points over the tiny seed graph's area and elsewhere. */
        double lat[4] = {0, 0.004, 0.012, 45}, lon[4] = {0, 0.01, 0.02, 3};
        mg_snap s[4];
        check(mg_graph_snap(g, lat, lon, 4, 5000, 15, s, &d) == 0);
        mg_route_table a, b;
        check(mg_route_table_compute(g, s, 4, s, 4, 60, MG_ROUTE_DIJKSTRA, 1, NULL, NULL, &a,
                                     &d) == 0);
        check(mg_route_table_compute(g, s, 4, s, 4, 60, MG_ROUTE_CH_BUCKETS, 2, NULL, NULL, &b,
                                     &d) == 0);
        mg_route_table c;
        check(mg_route_table_compute(g, s, 4, s, 4, 60, MG_ROUTE_CH_SWEEP, 2, NULL, NULL, &c,
                                     &d) == 0);
        for (size_t k = 0; k < c.npairs; k++)
            check(c.ds[k] <= 36000 && c.tgt[k] < 4);
        mg_route_table_free(&c);
        /* A mutated hierarchy can hold arcs no contraction would make, so
         * the two may differ; both must stay within the bound. */
        for (size_t k = 0; k < a.npairs; k++)
            check(a.ds[k] <= 36000 && a.tgt[k] < 4);
        for (size_t k = 0; k < b.npairs; k++)
            check(b.ds[k] <= 36000 && b.tgt[k] < 4);
        mg_route_table_free(&a);
        mg_route_table_free(&b);
        mg_graph_close(g);
    }
    return 0;
}
