/*
 * libFuzzer target for the GeoJSON contour importer (mg_import_contours).
 * Each input is a communes.geojson, written to a memfd and read through
 * /proc/self/fd/N, against a fresh small territory of Aude communes (built
 * from an embedded communes.json, some with former codes) that has La
 * Poste points for a few communes. Beyond the sanitizers it checks the
 * importer's promises: on failure a message and a territory unchanged
 * bit for bit; on success consistent contour offsets, contours only under
 * communes that are now in the study, and points only where allowed.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "territory/territory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Villegailhenc (11425) absorbed nothing; Carcassonne (11069); Val-de-Dagne
 * (11251) made of the former 11017 and 11251 (a delegated commune); Axat
 * (11021); Bram (11049); Narbonne (11262). */
static const char communes_json[] =
    "[\n"
    "{\"code\":\"11425\",\"nom\":\"Villegailhenc\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":1671},\n"
    "{\"code\":\"11069\",\"nom\":\"Carcassonne\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":46080},\n"
    "{\"code\":\"11251\",\"nom\":\"Val-de-Dagne\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"anciensCodes\":[\"11017\"],\"population\":400},\n"
    "{\"code\":\"11017\",\"nom\":\"Artigues\",\"type\":\"commune-deleguee\",\"chefLieu\":\"11251\",\"departement\":\"11\"},\n"
    "{\"code\":\"11021\",\"nom\":\"Axat\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":535},\n"
    "{\"code\":\"11049\",\"nom\":\"Bram\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":3300},\n"
    "{\"code\":\"11262\",\"nom\":\"Narbonne\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":56000}\n"
    "]\n";

static const char laposte_csv[] =
    "Code_commune_INSEE;coordonnees_gps\n"
    "11069;43.2130,2.3491\n"
    "11262;43.1840,3.0036\n";

/* A fresh territory with La Poste points for Carcassonne and Narbonne. */
static mg_territory *make_territory(void)
{
    char cp[64], lp[64];
    int cfd = to_memfd("communes.json", communes_json, sizeof communes_json - 1, cp, sizeof cp);
    int lfd = to_memfd("laposte.csv", laposte_csv, sizeof laposte_csv - 1, lp, sizeof lp);
    check(cfd >= 0 && lfd >= 0);
    mg_territory *t = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    check(mg_import_cog(&t, cp, NULL, NULL, &d) == MG_OK);
    check(mg_import_laposte(t, lp, NULL, &d) == MG_OK);
    close(cfd);
    close(lfd);
    return t;
}

typedef struct state {
    double lat[8], lon[8];
    uint8_t src[8], study[8];
} state;

static state take(const mg_territory *t)
{
    state s;
    memset(&s, 0, sizeof s);
    memcpy(s.lat, t->lat, t->n * sizeof *t->lat);
    memcpy(s.lon, t->lon, t->n * sizeof *t->lon);
    memcpy(s.src, t->point_src, t->n);
    memcpy(s.study, t->in_study, t->n);
    return s;
}

static void check_shapes(const mg_territory *t, const state *before, bool set_points)
{
    const mg_shapes *s = &t->shapes;
    check(s->npoly >= 1 && s->commune_poly != NULL);
    check(s->commune_poly[0] == 0 && s->commune_poly[t->n] == s->npoly);
    check(s->poly_ring[0] == 0 && s->poly_ring[s->npoly] == s->nring);
    check(s->ring_pt[0] == 0 && s->ring_pt[s->nring] == s->npt);
    for (size_t i = 0; i < t->n; i++) {
        check(s->commune_poly[i] <= s->commune_poly[i + 1]);
        bool has = s->commune_poly[i + 1] > s->commune_poly[i];
        /* A commune with a contour is in the study; marks are never
         * removed. */
        if (has || before->study[i])
            check(t->in_study[i] == 1);
        /* Points: La Poste points are kept unless set_points; a contour
         * point is finite and within the contour's bounding box. */
        if (!t->in_study[i] || (!set_points && before->src[i] != MG_POINT_NONE)) {
            check(memcmp(&t->lat[i], &before->lat[i], sizeof(double)) == 0);
            check(memcmp(&t->lon[i], &before->lon[i], sizeof(double)) == 0);
            check(t->point_src[i] == before->src[i]);
        }
        if (t->point_src[i] == MG_POINT_CONTOUR) {
            check(has);
            double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
            for (size_t p = s->commune_poly[i]; p < s->commune_poly[i + 1]; p++)
                for (size_t k = s->ring_pt[s->poly_ring[p]]; k < s->ring_pt[s->poly_ring[p + 1]]; k++) {
                    x0 = fmin(x0, s->lon[k]);
                    x1 = fmax(x1, s->lon[k]);
                    y0 = fmin(y0, s->lat[k]);
                    y1 = fmax(y1, s->lat[k]);
                }
            check(t->lon[i] >= x0 && t->lon[i] <= x1 && t->lat[i] >= y0 && t->lat[i] <= y1);
        }
    }
    for (size_t p = 0; p < s->npoly; p++)
        check(s->poly_ring[p] < s->poly_ring[p + 1]);
    for (size_t r = 0; r < s->nring; r++)
        check(s->ring_pt[r + 1] - s->ring_pt[r] >= 4);
    for (size_t k = 0; k < s->npt; k++)
        check(fabs(s->lon[k]) <= 180 && fabs(s->lat[k]) <= 90);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = to_memfd("communes.geojson", data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    mg_territory *t = make_territory();
    check(t->n <= 8);
    state before = take(t);
    bool set_points = size % 2 == 1;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_contours(t, path, set_points, &rep, &d);
    if (rc != MG_OK) {
        check(rc < 0 && d.msg[0] != '\0');
        state after = take(t);
        check(memcmp(&before, &after, sizeof before) == 0);
        check(t->shapes.npoly == 0 && t->shapes.commune_poly == NULL);
    } else {
        check_shapes(t, &before, set_points);
    }
    check(rep.kept <= rep.count);
    mg_report_free(&rep);
    mg_territory_free(t);
    close(fd);
    return 0;
}
