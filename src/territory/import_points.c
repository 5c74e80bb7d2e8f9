/*
 * Commune points from La Poste's "base officielle des codes postaux"
 * (laposte_hexasmal): one row per postcode × commune, `;`-separated, the
 * commune's position in coordonnees_gps as "lat,lon".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/csv.h"
#include "parse/parse.h"
#include "territory/codemap.h"
#include "territory/territory.h"

/* The span [b, e) without the spaces and tabs around it. */
static void trim(const char **b, const char **e)
{
    while (*b < *e && (**b == ' ' || **b == '\t'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

/* Parses "lat,lon" (WGS84 degrees in the "C" syntax of data files, spaces
 * allowed around each). */
static int parse_latlon(const char *s, double *lat, double *lon)
{
    const char *comma = strchr(s, ',');
    if (!comma)
        return -1;
    const char *b = s, *e = comma;
    trim(&b, &e);
    if (mg_parse_c_double(b, (size_t)(e - b), lat, NULL))
        return -1;
    b = comma + 1;
    e = b + strlen(b);
    trim(&b, &e);
    if (mg_parse_c_double(b, (size_t)(e - b), lon, NULL))
        return -1;
    if (fabs(*lat) > 90 || fabs(*lon) > 180)
        return -1;
    return 0;
}

int mg_import_laposte(mg_territory *t, const char *path, mg_report *rep, mg_diag *d)
{
    static const char *const cols[] = {"Code_commune_INSEE", "coordonnees_gps"};
    int idx[2];
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    /* Rank of the row that set each point: 2 = the commune's own code,
     * 1 = a former code. Points are committed to t only on success. */
    double *lat = mg_alloc_array(t->n, sizeof *lat);
    double *lon = mg_alloc_array(t->n, sizeof *lon);
    uint8_t *rank = mg_alloc_array(t->n, sizeof *rank);
    int rc = MG_ENOMEM;
    if (!lat || !lon || !rank)
        goto done;
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ';', d)) ||
        (rc = mg_csv_require(c, cols, 2, idx, d)))
        goto done;
    size_t unknown = 0;
    while ((rc = mg_csv_next(c, d)) == 1) {
        size_t len;
        const char *code = mg_csv_field(c, (size_t)idx[0], &len);
        const char *gps = mg_csv_field(c, (size_t)idx[1], NULL);
        if (!mg_code_valid(code, len)) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[0]),
                             "column \"Code_commune_INSEE\": expected a 5-character commune code, found \"%.20s\"",
                             code);
            goto done;
        }
        if (!gps[0])
            continue; /* a few rows carry no position: other rows of the commune do */
        double la, lo;
        if (parse_latlon(gps, &la, &lo)) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[1]),
                             "column \"coordonnees_gps\": expected \"latitude,longitude\" in degrees, found \"%.40s\"",
                             gps);
            goto done;
        }
        long i = mg_territory_find(t, code);
        if (i < 0) {
            if (unknown++ < 20)
                mg_report_add(rep, "%s:%lu: commune code %s is not in the commune list",
                              path, mg_csv_line(c), code);
            continue;
        }
        uint8_t rk = memcmp(t->code[i], code, MG_CODE_LEN) == 0 ? 2 : 1;
        if (rk > rank[i]) {
            rank[i] = rk;
            lat[i] = la;
            lon[i] = lo;
        }
    }
    if (rc < 0)
        goto done;
    if (unknown > 20)
        mg_report_add(rep, "%s: %zu more rows with unknown commune codes", path, unknown - 20);
    for (size_t i = 0; i < t->n; i++) {
        if (rank[i] && t->point_src[i] == MG_POINT_NONE) {
            t->lat[i] = lat[i];
            t->lon[i] = lon[i];
            t->point_src[i] = MG_POINT_LAPOSTE;
        }
    }
    rc = MG_OK;
done:
    mg_csv_close(c);
    mg_reader_close(r);
    free(lat);
    free(lon);
    free(rank);
    return rc;
}
