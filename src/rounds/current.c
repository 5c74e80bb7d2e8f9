/*
 * The current rounds typed by the user (current.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "io/csv.h"
#include "io/reader.h"
#include "parse/parse.h"
#include "rounds/current.h"
#include "rounds/store.h"

void mg_round_current_free(mg_round_current *c)
{
    if (!c)
        return;
    free(c->rows);
    *c = (mg_round_current){0};
}

/* Opens path as CSV with `;`, or `,` when the header holds no `;` but a `,`. */
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

/* A header name folded: lower case ASCII, é è ê → e, à → a, spaces kept. */
static void fold(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 1 < cap;) {
        if (p[0] == 0xC3 && p[1]) {
            unsigned char c = p[1];
            char f = (c >= 0xA8 && c <= 0xAB) || (c >= 0x88 && c <= 0x8B) ? 'e'
                     : (c >= 0xA0 && c <= 0xA5) || (c >= 0x80 && c <= 0x85) ? 'a'
                                                                            : '?';
            out[o++] = f;
            p += 2;
            continue;
        }
        out[o++] = (char)tolower(*p);
        p++;
    }
    out[o] = '\0';
}

static int column(const mg_csv *c, const char *name)
{
    for (size_t i = 0;; i++) {
        const char *h = mg_csv_header(c, i);
        if (!h)
            return -1;
        char f[64];
        fold(h, f, sizeof f);
        /* trim */
        char *s = f;
        while (*s == ' ')
            s++;
        size_t n = strlen(s);
        while (n && s[n - 1] == ' ')
            s[--n] = '\0';
        if (strcmp(s, name) == 0)
            return (int)i;
    }
}

static const char *const days[7][4] = {
    {"lundi", "lun", "mon", "monday"},       {"mardi", "mar", "tue", "tuesday"},
    {"mercredi", "mer", "wed", "wednesday"}, {"jeudi", "jeu", "thu", "thursday"},
    {"vendredi", "ven", "fri", "friday"},    {"samedi", "sam", "sat", "saturday"},
    {"dimanche", "dim", "sun", "sunday"},
};

static int day_of(const char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    for (int d = 0; d < 7; d++)
        for (int k = 0; k < 4; k++)
            if (strlen(days[d][k]) == n && strncasecmp(days[d][k], s, n) == 0)
                return d;
    return -1;
}

/* Copies a name field, trimmed: 1..200 characters. */
static int name_field(const mg_csv *c, const char *path, int col, const char *what, char *out,
                      size_t cap, mg_diag *d)
{
    size_t len = 0;
    const char *s = mg_csv_field(c, (size_t)col, &len);
    while (len && *s == ' ') {
        s++;
        len--;
    }
    while (len && s[len - 1] == ' ')
        len--;
    size_t chars = 0;
    if (!s || len == 0)
        return mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)col),
                           "column \"%s\": expected %s, found an empty field", mg_csv_header(c, (size_t)col), what);
    if (mg_utf8_check(s, len, &chars) != len || chars > 200 || len + 1 > cap)
        return mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)col),
                           "column \"%s\": expected %s of at most 200 characters",
                           mg_csv_header(c, (size_t)col), what);
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

static int time_field(const mg_csv *c, const char *path, int col, int *out, mg_diag *d)
{
    const char *s = mg_csv_field(c, (size_t)col, NULL);
    if (!s || mg_round_parse_hhmm(s, out) != 0)
        return mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)col),
                           "column \"%s\": expected a time of the day HH:MM, found \"%.*s\"",
                           mg_csv_header(c, (size_t)col), s ? (int)mg_utf8_prefix(s, 40) : 0,
                           s ? s : "");
    return 0;
}

int mg_round_current_read(const char *path, mg_round_current *out, mg_diag *d)
{
    *out = (mg_round_current){0};
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    int rc = open_csv(path, &r, &c, d);
    static const char *const names[] = {"vehicule", "jour", "commune", "arret", "arrivee",
                                        "depart"};
    int idx[6];
    for (size_t k = 0; rc == 0 && k < 6; k++)
        if ((idx[k] = column(c, names[k])) < 0)
            rc = mg_diag_set(d, MG_ENOTFOUND, path, 1, 0,
                             "missing column \"%s\" (expected the columns vehicule, semaine "
                             "(optional), jour, commune, arret, arrivee, depart)",
                             names[k]);
    int week_col = rc == 0 ? column(c, "semaine") : -1;
    size_t cap = 0;
    while (rc == 0) {
        int got = mg_csv_next(c, d);
        if (got < 0) {
            rc = got;
            break;
        }
        if (got == 0)
            break;
        if (out->n >= MG_ROUND_CURRENT_MAX_ROWS) {
            rc = mg_diag_set(d, MG_ELIMIT, path, mg_csv_line(c), 0, "more than %d rows",
                             MG_ROUND_CURRENT_MAX_ROWS);
            break;
        }
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            mg_round_current_row *nr = mg_realloc_array(out->rows, ncap, sizeof *nr);
            if (!nr) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            out->rows = nr;
            cap = ncap;
        }
        mg_round_current_row *row = &out->rows[out->n];
        memset(row, 0, sizeof *row);
        row->line = mg_csv_line(c);
        if ((rc = name_field(c, path, idx[0], "the vehicle's name", row->vehicle,
                             sizeof row->vehicle, d)) ||
            (rc = name_field(c, path, idx[3], "the stop's name", row->stop, sizeof row->stop, d)))
            break;
        row->week = 0;
        if (week_col >= 0) {
            const char *w = mg_csv_field(c, (size_t)week_col, NULL);
            int64_t v = 1;
            if (w && *w && mg_parse_int(w, 1, 4, &v, NULL) != 0) {
                rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)week_col),
                                 "column \"%s\": expected a week of the cycle from 1 to 4, found "
                                 "\"%.*s\"",
                                 mg_csv_header(c, (size_t)week_col), (int)mg_utf8_prefix(w, 40), w);
                break;
            }
            row->week = (int)v - 1;
        }
        const char *day = mg_csv_field(c, (size_t)idx[1], NULL);
        if ((row->weekday = day ? day_of(day) : -1) < 0) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[1]),
                             "column \"%s\": expected a day (lundi … dimanche), found \"%.*s\"",
                             mg_csv_header(c, (size_t)idx[1]), day ? (int)mg_utf8_prefix(day, 40) : 0,
                             day ? day : "");
            break;
        }
        const char *code = mg_csv_field(c, (size_t)idx[2], NULL);
        char norm[MG_PARSE_COMMUNE_SIZE];
        mg_parse_error why = MG_PARSE_OK;
        if (!code || mg_parse_commune(code, norm, &why) != 0) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[2]),
                             "column \"%s\": expected an INSEE commune code, found \"%.*s\"",
                             mg_csv_header(c, (size_t)idx[2]), code ? (int)mg_utf8_prefix(code, 40) : 0,
                             code ? code : "");
            break;
        }
        memcpy(row->commune, norm, sizeof row->commune);
        if ((rc = time_field(c, path, idx[4], &row->arrive, d)) ||
            (rc = time_field(c, path, idx[5], &row->depart, d)))
            break;
        if (row->depart <= row->arrive) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[5]),
                             "column \"%s\": the departure must come after the arrival",
                             mg_csv_header(c, (size_t)idx[5]));
            break;
        }
        out->n++;
    }
    if (rc == 0 && out->n == 0)
        rc = mg_diag_set(d, MG_EPARSE, path, 2, 0, "no rows: expected one row per stop of a day");
    mg_csv_close(c);
    mg_reader_close(r);
    if (rc != 0)
        mg_round_current_free(out);
    return rc;
}
