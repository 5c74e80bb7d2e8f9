/*
 * Allowed stops of a round, from maillage's own small CSV format: a name, a
 * commune code and, optionally, a point and a time at the stop. The format
 * is meant to be typed in a spreadsheet, so both usual separators are read
 * and the columns are found by name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/csv.h"
#include "parse/parse.h"
#include "rounds/stops_file.h"
#include "territory/codemap.h"

#define MAX_STOPS 5000u
#define MAX_NAME 200u

void mg_rounds_stops_free(mg_rounds_stops *s)
{
    if (!s)
        return;
    for (size_t k = 0; k < s->n; k++)
        free(s->s[k].name);
    free(s->s);
    *s = (mg_rounds_stops){0};
}

/* Opens path as CSV with `;`, or with `,` when the header has no `;` but a
 * `,` (one column whose name holds a comma). */
static int open_csv(const char *path, mg_reader **r, mg_csv **c, mg_diag *d)
{
    int rc;
    if ((rc = mg_reader_open(r, path, d)) || (rc = mg_csv_open(c, *r, ';', d)))
        return rc;
    if (mg_csv_header(*c, 1) == NULL && strchr(mg_csv_header(*c, 0), ',')) {
        mg_csv_close(*c);
        mg_reader_close(*r);
        *c = NULL;
        *r = NULL;
        if ((rc = mg_reader_open(r, path, d)) || (rc = mg_csv_open(c, *r, ',', d)))
            return rc;
    }
    return MG_OK;
}

/* Field col as a number in [lo, hi]; absent column or empty field: *present
 * false. */
static int number_in(const mg_csv *c, const char *path, int col, double lo, double hi,
                     const char *what, double *out, bool *present, mg_diag *d)
{
    *present = false;
    if (col < 0)
        return MG_OK;
    int rc = mg_csv_double(c, (size_t)col, out, present, d);
    if (rc)
        return rc;
    if (*present && (*out < lo || *out > hi))
        return mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)col),
                           "column \"%s\": expected %s from %g to %g, found \"%.40s\"",
                           mg_csv_header(c, (size_t)col), what, lo, hi,
                           mg_csv_field(c, (size_t)col, NULL));
    return MG_OK;
}

static int read_stop(const mg_territory *t, const mg_csv *c, const char *path,
                     const int *col, mg_rounds_stop *s, mg_diag *d)
{
    unsigned long line = mg_csv_line(c);
    s->line = line;
    size_t len;
    const char *name = mg_csv_field(c, (size_t)col[0], &len);
    while (len && (*name == ' ' || *name == '\t')) {
        name++;
        len--;
    }
    while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
        len--;
    if (len == 0 || len > MAX_NAME)
        return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[0]),
                           "column \"nom\": expected the name of the place (1 to %u bytes), "
                           "found %s",
                           MAX_NAME, len ? "a longer one" : "an empty field");
    size_t name_len = len;
    const char *code = mg_csv_field(c, (size_t)col[1], &len);
    char norm[MG_PARSE_COMMUNE_SIZE];
    mg_parse_error why;
    if (mg_parse_commune(code, norm, &why) != 0)
        return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[1]),
                           "column \"commune\": expected an INSEE commune code of 5 "
                           "characters (\"11069\", \"2A004\"), found \"%.20s\" (%s)",
                           code, mg_parse_error_fr(why));
    long i = mg_territory_find(t, norm);
    if (i < 0)
        return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[1]),
                           "column \"commune\": code %s is no commune, current or former, "
                           "of the code history (expected a commune of the territory)",
                           norm);
    s->commune = (int32_t)i;
    double lat = 0, lon = 0, minutes = 0;
    bool has_lat, has_lon, has_min;
    int rc;
    if ((rc = number_in(c, path, col[2], -90, 90, "a latitude in degrees", &lat, &has_lat,
                        d)) ||
        (rc = number_in(c, path, col[3], -180, 180, "a longitude in degrees", &lon, &has_lon,
                        d)) ||
        (rc = number_in(c, path, col[4], MG_STOP_MINUTES_MIN, MG_STOP_MINUTES_MAX,
                        "a number of minutes", &minutes, &has_min, d)))
        return rc;
    if (has_lat != has_lon) {
        int given = has_lat ? col[2] : col[3], missing = has_lat ? col[3] : col[2];
        return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)missing),
                           "column \"%s\": expected a value beside \"%s\" (give both lat "
                           "and lon, or neither for the commune's point)",
                           mg_csv_header(c, (size_t)missing), mg_csv_header(c, (size_t)given));
    }
    if (has_min && minutes != floor(minutes))
        return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[4]),
                           "column \"minutes\": expected a whole number of minutes from %d "
                           "to %d, found \"%.40s\"",
                           MG_STOP_MINUTES_MIN, MG_STOP_MINUTES_MAX,
                           mg_csv_field(c, (size_t)col[4], NULL));
    if (has_lat) {
        s->lat = lat;
        s->lon = lon;
        s->point_given = true;
    } else {
        s->lat = t->lat[i];
        s->lon = t->lon[i];
        if (isnan(s->lat) || isnan(s->lon))
            return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[1]),
                               "commune %s (%s) has no point: expected lat and lon for this "
                               "stop",
                               t->code[i], t->name[i] ? t->name[i] : "");
    }
    s->minutes = has_min ? (int)minutes : 0;
    s->name = mg_strndup(name, name_len);
    if (!s->name)
        return MG_ENOMEM;
    return MG_OK;
}

/* Names compared folded (case, accents, punctuation aside), or as written
 * when they do not fold. */
static bool same_name(const char *a, const char *b)
{
    char fa[MG_PARSE_FOLD_SIZE], fb[MG_PARSE_FOLD_SIZE];
    mg_parse_error why;
    if (mg_parse_fold_name(a, fa, NULL, &why) != 0 || mg_parse_fold_name(b, fb, NULL, &why) != 0)
        return strcmp(a, b) == 0;
    return strcmp(fa, fb) == 0;
}

int mg_rounds_stops_read(const mg_territory *t, const char *path, mg_rounds_stops *out,
                         mg_report *rep, mg_diag *d)
{
    *out = (mg_rounds_stops){0};
    mg_rounds_stops st = {0};
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    size_t cap = 0;
    int col[5];
    int rc;
    static const char *const required[] = {"nom", "commune"};
    if ((rc = open_csv(path, &r, &c, d)) || (rc = mg_csv_require(c, required, 2, col, d)))
        goto done;
    col[2] = mg_csv_column(c, "lat");
    col[3] = mg_csv_column(c, "lon");
    col[4] = mg_csv_column(c, "minutes");
    if ((col[2] < 0) != (col[3] < 0)) {
        rc = mg_diag_set(d, MG_ENOTFOUND, path, 1, 0,
                         "missing column \"%s\" (expected both \"lat\" and \"lon\", or "
                         "neither)",
                         col[2] < 0 ? "lat" : "lon");
        goto done;
    }
    while ((rc = mg_csv_next(c, d)) == 1) {
        if (st.n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            if (cap >= MAX_STOPS) {
                rc = mg_diag_set(d, MG_ELIMIT, path, mg_csv_line(c), 0,
                                 "more than %u stops", MAX_STOPS);
                goto done;
            }
            mg_rounds_stop *ns = mg_realloc_array(st.s, ncap, sizeof *ns);
            if (!ns) {
                rc = mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
                goto done;
            }
            st.s = ns;
            cap = ncap;
        }
        mg_rounds_stop s = {0};
        if ((rc = read_stop(t, c, path, col, &s, d))) {
            free(s.name);
            if (rc == MG_ENOMEM)
                mg_diag_set(d, rc, path, 0, 0, "out of memory");
            goto done;
        }
        bool dup = false;
        for (size_t k = 0; k < st.n && !dup; k++)
            if (st.s[k].commune == s.commune && same_name(st.s[k].name, s.name)) {
                dup = true;
                mg_report_add(rep, "%s:%lu: stop \"%s\" in commune %s already given on line "
                                   "%lu; this row is ignored",
                              path, s.line, s.name, t->code[s.commune], st.s[k].line);
            }
        if (dup) {
            free(s.name);
            continue;
        }
        st.s[st.n++] = s;
    }
    if (rc < 0)
        goto done;
    if (st.n == 0) {
        rc = mg_diag_set(d, MG_EPARSE, path, 2, 0,
                         "no stop after the header (expected one row per place: nom;commune)");
        goto done;
    }
    *out = st;
    st = (mg_rounds_stops){0};
    rc = MG_OK;
done:
    mg_csv_close(c);
    mg_reader_close(r);
    mg_rounds_stops_free(&st);
    return rc;
}
