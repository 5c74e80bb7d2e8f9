/*
 * WGS84 longitude/latitude to Lambert-93 (EPSG:2154) with PROJ.
 *
 * PROJ objects (a context and the transformations created in it) must not
 * be used by two threads at once. Two ways are offered, for two uses:
 * - an mg_map_projector owns its own context and transformation; the
 *   geometry builder makes one, projects every contour point in a single
 *   proj_trans_generic call and destroys it, so the geometry itself holds
 *   no PROJ object and threads can share it freely;
 * - mg_map_project, for a point now and then from any server thread, uses
 *   one process-wide projector created on first use and guarded by a
 *   mutex (creating a transformation reads proj.db and takes milliseconds,
 *   projecting a point takes microseconds, so serialising is cheap).
 */
#include "map/map.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include <proj.h>

struct mg_map_projector {
    PJ_CONTEXT *ctx;
    PJ *pj;
};

void mg_map_projector_free(mg_map_projector *p)
{
    if (!p)
        return;
    if (p->pj)
        proj_destroy(p->pj);
    if (p->ctx)
        proj_context_destroy(p->ctx);
    free(p);
}

/* PROJ's own sentence for the context's last error, or a fallback. */
static const char *proj_message(PJ_CONTEXT *ctx)
{
    int e = ctx ? proj_context_errno(ctx) : 0;
    const char *m = e ? proj_context_errno_string(ctx, e) : NULL;
    return m && m[0] ? m : "no reason given";
}

int mg_map_projector_new(mg_map_projector **out, mg_diag *d)
{
    *out = NULL;
    mg_map_projector *p = calloc(1, sizeof *p);
    if (!p)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    p->ctx = proj_context_create();
    if (!p->ctx) {
        free(p);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "PROJ: cannot create a context");
    }
    /* Errors reach people through d; PROJ's own logging would print them
     * a second time on the server's stderr. */
    proj_log_level(p->ctx, PJ_LOG_NONE);
    PJ *raw = proj_create_crs_to_crs(p->ctx, "EPSG:4326", "EPSG:2154", NULL);
    if (!raw) {
        int rc = mg_diag_set(d, MG_EIO, NULL, 0, 0,
                             "PROJ cannot create the transformation EPSG:4326 to EPSG:2154 "
                             "(%s; is the Debian package proj-data installed?)",
                             proj_message(p->ctx));
        mg_map_projector_free(p);
        return rc;
    }
    /* EPSG:4326 is latitude first by its definition; normalising makes the
     * input longitude, latitude as in GeoJSON and as mg_shapes stores it,
     * and the output easting, northing. */
    p->pj = proj_normalize_for_visualization(p->ctx, raw);
    proj_destroy(raw);
    if (!p->pj) {
        int rc = mg_diag_set(d, MG_EIO, NULL, 0, 0,
                             "PROJ cannot normalise the axis order of EPSG:4326 to EPSG:2154 (%s)",
                             proj_message(p->ctx));
        mg_map_projector_free(p);
        return rc;
    }
    *out = p;
    return MG_OK;
}

int mg_map_projector_run(mg_map_projector *p, double *x, double *y, size_t n, mg_diag *d)
{
    if (!p || (n && (!x || !y)))
        return MG_EINVAL;
    if (n == 0)
        return MG_OK;
    /* Kept for the message: proj_trans_generic overwrites x and y, with
     * HUGE_VAL for a point it cannot project, and reports no index. */
    proj_errno_reset(p->pj);
    proj_trans_generic(p->pj, PJ_FWD, x, sizeof *x, n, y, sizeof *y, n, NULL, 0, 0, NULL, 0,
                       0);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return mg_diag_set(d, MG_EIO, NULL, 0, 0,
                               "PROJ cannot project point %zu of %zu to Lambert-93 (%s)", i + 1,
                               n, proj_message(p->ctx));
    }
    return MG_OK;
}

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
/* Created on first success and kept for the life of the process: it is
 * reachable from here, so leak checkers do not count it. A failed creation
 * is retried on the next call (proj-data may have been installed since). */
static mg_map_projector *shared;

int mg_map_project(double lon, double lat, double *x, double *y, mg_diag *d)
{
    if (!x || !y)
        return MG_EINVAL;
    if (!isfinite(lon) || !isfinite(lat) || fabs(lon) > 180 || fabs(lat) > 90)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "(%g, %g) is not a WGS84 longitude, latitude", lon, lat);
    double px = lon, py = lat;
    int rc = MG_OK;
    pthread_mutex_lock(&shared_lock);
    if (!shared)
        rc = mg_map_projector_new(&shared, d);
    if (rc == MG_OK)
        rc = mg_map_projector_run(shared, &px, &py, 1, d);
    pthread_mutex_unlock(&shared_lock);
    if (rc)
        return rc;
    *x = px;
    *y = py;
    return MG_OK;
}
