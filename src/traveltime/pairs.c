#include "traveltime/pairs.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "geo/geo.h"
#include "io/csv.h"

void mg_pairs_free(mg_pairs *p)
{
    if (!p)
        return;
    free(p->start);
    free(p->to);
    free(p->minutes);
    *p = (mg_pairs){0};
}

/* A growable CSR table filled one origin at a time, in origin order. */
typedef struct builder {
    mg_pairs p;
    size_t cap;
} builder;

static int builder_init(builder *b, size_t n)
{
    *b = (builder){0};
    b->p.n = n;
    b->p.start = mg_alloc_array(n + 1, sizeof *b->p.start);
    return b->p.start ? MG_OK : MG_ENOMEM;
}

static int builder_push(builder *b, uint32_t to, double minutes)
{
    if (b->p.npairs == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 1u << 16;
        if (ncap > MG_MAX_PAIRS)
            ncap = MG_MAX_PAIRS;
        if (b->p.npairs >= ncap)
            return MG_ELIMIT;
        uint32_t *nt = mg_realloc_array(b->p.to, ncap, sizeof *nt);
        if (!nt)
            return MG_ENOMEM;
        b->p.to = nt;
        double *nm = mg_realloc_array(b->p.minutes, ncap, sizeof *nm);
        if (!nm)
            return MG_ENOMEM;
        b->p.minutes = nm;
        b->cap = ncap;
    }
    b->p.to[b->p.npairs] = to;
    b->p.minutes[b->p.npairs] = minutes;
    b->p.npairs++;
    return MG_OK;
}

static int check_model(const mg_crowfly *m, double max_minutes, size_t n, mg_diag *d)
{
    if (!(m->detour >= 1 && m->detour <= 10))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "detour factor %g: expected 1 to 10", m->detour);
    if (!(m->speed_kmh > 0 && m->speed_kmh <= 200))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "speed %g km/h: expected more than 0 and at most 200",
                           m->speed_kmh);
    if (!(max_minutes > 0 && max_minutes <= MG_MAX_MINUTES))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "catchment %g min: expected more than 0 and at most %g",
                           max_minutes, MG_MAX_MINUTES);
    if (!(m->access_min >= 0 && m->access_min < max_minutes))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "access time %g min: expected 0 or more and less than the catchment (%g min)",
                           m->access_min, max_minutes);
    if (n > UINT32_MAX || n > MG_MAX_COMMUNES)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "too many points (%zu)", n);
    return MG_OK;
}

/* Unit vectors: the chord length between two of them bounds the great-circle
 * distance monotonically, so most candidate pairs are rejected with a few
 * multiplications and no trigonometry. */
typedef struct unitvec {
    double x, y, z;
} unitvec;

static unitvec to_unit(double lat, double lon)
{
    double p = lat * (3.14159265358979323846 / 180), l = lon * (3.14159265358979323846 / 180);
    return (unitvec){cos(p) * cos(l), cos(p) * sin(l), sin(p)};
}

static double minutes_of_chord2(double c2, const mg_crowfly *m)
{
    double km = 2 * MG_EARTH_RADIUS_KM * asin(sqrt(c2) / 2);
    return m->access_min + km * m->detour / m->speed_kmh * 60;
}

static bool usable(const double *lat, const double *lon, const uint8_t *include, size_t i)
{
    return (!include || include[i]) && isfinite(lat[i]) && isfinite(lon[i]);
}

typedef struct cell_entry {
    int64_t key;
    uint32_t idx;
} cell_entry;

static int cmp_cell(const void *a, const void *b)
{
    const cell_entry *x = a, *y = b;
    if (x->key != y->key)
        return (x->key > y->key) - (x->key < y->key);
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* First entry with key >= k. */
static size_t lower_bound(const cell_entry *e, size_t n, int64_t k)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e[mid].key < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

#define GRID_COLS 1000000LL /* cell keys are row * GRID_COLS + column */

/*
 * The rows are built in chunks that two threads take in turn (one when no
 * thread can be had), each chunk into its own table; the chunks in order
 * make the table with its rows in grid order.
 */
#define CROW_CHUNKS 32

typedef struct crow_grid {
    const double *lat, *lon;
    const uint8_t *include;
    const mg_crowfly *m;
    double max_minutes, chord2_max;
    const cell_entry *cells;
    size_t ncell;
    const unitvec *u;
    const int64_t *cx, *cy;
} crow_grid;

typedef struct crow_chunk {
    size_t from, to; /* rows */
    builder b;       /* b.p.start[i - from] */
    int rc;
} crow_chunk;

typedef struct crow_work {
    const crow_grid *g;
    crow_chunk *chunk;
    size_t nchunk;
    atomic_size_t next;  /* the next chunk to take */
    atomic_size_t total; /* pairs in all chunks, against MG_MAX_PAIRS */
    atomic_bool failed;
} crow_work;

/* The rows of one chunk, unsorted. */
static int crow_rows(const crow_grid *g, crow_chunk *ck, crow_work *w)
{
    const double *lat = g->lat, *lon = g->lon;
    const uint8_t *include = g->include;
    const mg_crowfly *m = g->m;
    double max_minutes = g->max_minutes, chord2_max = g->chord2_max;
    const cell_entry *cells = g->cells;
    size_t ncell = g->ncell;
    const unitvec *u = g->u;
    const int64_t *cx = g->cx, *cy = g->cy;
    int rc = builder_init(&ck->b, ck->to - ck->from);
    if (rc)
        return rc;
    builder *b = &ck->b;
    for (size_t i = ck->from; i < ck->to; i++) {
        size_t row = b->p.npairs;
        b->p.start[i - ck->from] = row;
        if (!usable(lat, lon, include, i)) {
            if ((!include || include[i]) && (rc = builder_push(b, (uint32_t)i, 0)))
                return rc;
            continue;
        }
        /* The three cells of a grid row are adjacent in key order. */
        for (int64_t dy = -1; dy <= 1; dy++) {
            int64_t grow = cy[i] + dy;
            size_t a = lower_bound(cells, ncell, grow * GRID_COLS + cx[i] - 1);
            size_t e = lower_bound(cells, ncell, grow * GRID_COLS + cx[i] + 2);
            for (size_t k = a; k < e; k++) {
                uint32_t j = cells[k].idx;
                if (j < i)
                    continue; /* the pair (j, i) gives it: see mirror_upper */
                double dx = u[i].x - u[j].x, dyy = u[i].y - u[j].y, dz = u[i].z - u[j].z;
                double c2 = dx * dx + dyy * dyy + dz * dz;
                if (c2 > chord2_max)
                    continue;
                double t = j == i ? 0 : minutes_of_chord2(c2, m);
                if (t <= max_minutes && (rc = builder_push(b, j, t)))
                    return rc;
            }
        }
        /* The whole table holds each of these pairs twice, the commune's
         * own once. */
        size_t len = b->p.npairs - row, full = len ? 2 * len - 1 : 0;
        if (atomic_fetch_add(&w->total, full) + full > MG_MAX_PAIRS)
            return MG_ELIMIT;
        if (atomic_load(&w->failed))
            return MG_OK; /* the other thread failed: its code is the one reported */
    }
    b->p.start[ck->to - ck->from] = b->p.npairs;
    return MG_OK;
}

static void *crow_worker(void *arg)
{
    crow_work *w = arg;
    for (;;) {
        size_t k = atomic_fetch_add(&w->next, 1);
        if (k >= w->nchunk || atomic_load(&w->failed))
            return NULL;
        if ((w->chunk[k].rc = crow_rows(w->g, &w->chunk[k], w)))
            atomic_store(&w->failed, true);
    }
}

/*
 * The crow-fly table is symmetric: the time of (i, j) is computed from the
 * same squared chord as that of (j, i), whose terms are the same squared
 * differences summed in the same order, so both are bitwise equal, and so
 * is the test against the catchment. So each pair is computed once, in the
 * row of its smaller index (j >= i, the commune's own pair included), and
 * the whole table, rows sorted by destination, is made from those in two
 * counting-sort passes instead of a comparison sort of every row: the
 * part of row j before j is the rows i < j that reach j, in increasing i
 * (pass 0, from the computed rows); the part after j is the rows that have
 * j in their part before them, in increasing order (pass 1, from pass 0's
 * output). Two threads share each pass by destination: each reads every
 * pair and writes its half's rows.
 */
typedef struct crow_mirror {
    const crow_chunk *chunk;
    size_t nchunk;
    uint32_t lo, hi;     /* destinations of this part */
    size_t *next;        /* next free place of each row, shared: [lo, hi) is this part's */
    const size_t *lower; /* pairs of each row before its own */
    mg_pairs *t;
    int pass;
} crow_mirror;

static void *crow_mirror_part(void *arg)
{
    crow_mirror *x = arg;
    uint32_t lo = x->lo, hi = x->hi;
    mg_pairs *t = x->t;
    if (x->pass == 0) {
        for (size_t c = 0; c < x->nchunk; c++) {
            const mg_pairs *p = &x->chunk[c].b.p;
            size_t from = x->chunk[c].from;
            for (size_t r = 0; r < p->n; r++)
                for (size_t k = p->start[r]; k < p->start[r + 1]; k++) {
                    uint32_t j = p->to[k];
                    if (j == from + r || j < lo || j >= hi)
                        continue;
                    size_t at = x->next[j]++;
                    t->to[at] = (uint32_t)(from + r);
                    t->minutes[at] = p->minutes[k];
                }
        }
        return NULL;
    }
    for (size_t j = 0; j < t->n; j++)
        for (size_t k = t->start[j]; k < t->start[j] + x->lower[j]; k++) {
            uint32_t i = t->to[k];
            if (i < lo || i >= hi)
                continue;
            size_t at = x->next[i]++;
            t->to[at] = (uint32_t)j;
            t->minutes[at] = t->minutes[k];
        }
    return NULL;
}

/* Runs both parts of a pass, on two threads when one can be had. */
static void crow_mirror_pass(crow_mirror part[2])
{
    pthread_t th;
    bool threaded = pthread_create(&th, NULL, crow_mirror_part, &part[1]) == 0;
    crow_mirror_part(&part[0]);
    if (threaded)
        pthread_join(th, NULL);
    else
        crow_mirror_part(&part[1]);
}

static int mirror_upper(const crow_chunk *chunk, size_t nchunk, size_t n, mg_pairs *out)
{
    mg_pairs t = {.n = n};
    t.start = mg_alloc_array(n + 1, sizeof *t.start);
    size_t *next = mg_alloc_array(n ? n : 1, sizeof *next);
    size_t *lower = mg_alloc_array(n ? n : 1, sizeof *lower);
    if (!t.start || !next || !lower)
        goto nomem;
    /* A row holds the pairs of smaller rows that reach it, then its own
     * computed pairs (the commune's own first). */
    for (size_t c = 0; c < nchunk; c++) {
        const mg_pairs *p = &chunk[c].b.p;
        for (size_t r = 0; r < p->n; r++)
            for (size_t k = p->start[r]; k < p->start[r + 1]; k++)
                if (p->to[k] != chunk[c].from + r)
                    lower[p->to[k]]++;
    }
    size_t at = 0;
    for (size_t c = 0; c < nchunk; c++) {
        const mg_pairs *p = &chunk[c].b.p;
        for (size_t r = 0; r < p->n; r++) {
            size_t i = chunk[c].from + r;
            t.start[i] = next[i] = at;
            at += lower[i] + (p->start[r + 1] - p->start[r]);
        }
    }
    t.start[n] = t.npairs = at;
    t.to = mg_alloc_large(at ? at : 1, sizeof *t.to);
    t.minutes = mg_alloc_large(at ? at : 1, sizeof *t.minutes);
    if (!t.to || !t.minutes)
        goto nomem;
    size_t half = n;
    for (size_t i = 0; i < n && half == n; i++)
        if (t.start[i] >= at / 2)
            half = i;
    crow_mirror part[2] = {
        {chunk, nchunk, 0, (uint32_t)half, next, lower, &t, 0},
        {chunk, nchunk, (uint32_t)half, (uint32_t)n, next, lower, &t, 0},
    };
    crow_mirror_pass(part);
    /* The commune's own pair, after the pairs before it; pass 1 then
     * appends those after it. */
    for (size_t c = 0; c < nchunk; c++) {
        const mg_pairs *p = &chunk[c].b.p;
        for (size_t r = 0; r < p->n; r++) {
            size_t i = chunk[c].from + r;
            next[i] = t.start[i] + lower[i];
            for (size_t k = p->start[r]; k < p->start[r + 1]; k++)
                if (p->to[k] == i) {
                    t.to[next[i]] = (uint32_t)i;
                    t.minutes[next[i]++] = p->minutes[k];
                }
        }
    }
    part[0].pass = part[1].pass = 1;
    crow_mirror_pass(part);
    free(next);
    free(lower);
    *out = t;
    return MG_OK;
nomem:
    free(next);
    free(lower);
    mg_pairs_free(&t);
    return MG_ENOMEM;
}

int mg_pairs_crowfly(const double *lat, const double *lon, const uint8_t *include,
                     size_t n, const mg_crowfly *m, double max_minutes, mg_pairs *out,
                     mg_diag *d)
{
    *out = (mg_pairs){0};
    int rc = check_model(m, max_minutes, n, d);
    if (rc)
        return rc;
    double radius_km = (max_minutes - m->access_min) / 60 * m->speed_kmh / m->detour;
    double c = sin(radius_km / (2 * MG_EARTH_RADIUS_KM));
    double chord2_max = 4 * c * c;

    /* Grid cells that hold every point within the search radius of a point
     * in the same or an adjacent cell. With θ = radius / R the angular
     * radius, latitudes differ by at most θ; along the parallel, longitudes
     * differ by at most asin(sin θ / cos φ) for a point at latitude φ
     * (spherical trigonometry), largest at the highest latitude any partner
     * can have, φ* = max |lat| + θ. When θ reaches the pole from φ*, a
     * single column of cells spans every longitude. */
    const double deg = 180 / 3.14159265358979323846;
    double theta = radius_km / MG_EARTH_RADIUS_KM;
    double maxlat = 0;
    for (size_t i = 0; i < n; i++)
        if (usable(lat, lon, include, i) && fabs(lat[i]) > maxlat)
            maxlat = fabs(lat[i]);
    double phi = maxlat / deg + theta;
    double cell_lat = theta * deg * 1.000001;
    double cell_lon = 360;
    if (phi < 3.14159265358979323846 / 2 && sin(theta) < cos(phi))
        cell_lon = asin(sin(theta) / cos(phi)) * deg * 1.000001;
    if (cell_lon > 360)
        cell_lon = 360;

    cell_entry *cells = mg_alloc_array(n, sizeof *cells);
    unitvec *u = mg_alloc_array(n, sizeof *u);
    int64_t *cx = mg_alloc_array(n, sizeof *cx), *cy = mg_alloc_array(n, sizeof *cy);
    size_t nchunk = n < CROW_CHUNKS ? (n ? n : 1) : CROW_CHUNKS;
    crow_chunk *chunk = calloc(nchunk, sizeof *chunk);
    size_t ncell = 0;
    if (!cells || !u || !cx || !cy || !chunk) {
        rc = MG_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (!usable(lat, lon, include, i))
            continue;
        u[i] = to_unit(lat[i], lon[i]);
        cy[i] = (int64_t)floor((lat[i] + 90) / cell_lat);
        cx[i] = (int64_t)floor((lon[i] + 180) / cell_lon) + 1;
        cells[ncell++] = (cell_entry){cy[i] * GRID_COLS + cx[i], (uint32_t)i};
    }
    qsort(cells, ncell, sizeof *cells, cmp_cell);

    crow_grid g = {lat, lon, include, m, max_minutes, chord2_max, cells, ncell, u, cx, cy};
    for (size_t k = 0; k < nchunk; k++) {
        chunk[k].from = n * k / nchunk;
        chunk[k].to = n * (k + 1) / nchunk;
    }
    crow_work w = {.g = &g, .chunk = chunk, .nchunk = nchunk};
    atomic_init(&w.next, 0);
    atomic_init(&w.total, 0);
    atomic_init(&w.failed, false);
    pthread_t th;
    bool threaded = pthread_create(&th, NULL, crow_worker, &w) == 0;
    crow_worker(&w);
    if (threaded)
        pthread_join(th, NULL);
    for (size_t k = 0; k < nchunk; k++)
        if (chunk[k].rc && !rc)
            rc = chunk[k].rc;
    if (rc)
        goto done;
    /* Each pair was computed once; the whole table, rows sorted. */
    rc = mirror_upper(chunk, nchunk, n, out);
done:
    if (rc == MG_ELIMIT)
        mg_diag_set(d, rc, NULL, 0, 0, "more than %llu pairs within %g minutes",
                    (unsigned long long)MG_MAX_PAIRS, max_minutes);
    else if (rc == MG_ENOMEM)
        mg_diag_set(d, rc, NULL, 0, 0, "out of memory while building the travel-time table");
    for (size_t k = 0; chunk && k < nchunk; k++)
        mg_pairs_free(&chunk[k].b.p);
    free(chunk);
    free(cells);
    free(u);
    free(cx);
    free(cy);
    return rc;
}

int mg_pairs_crowfly_allpairs(const double *lat, const double *lon,
                              const uint8_t *include, size_t n, const mg_crowfly *m,
                              double max_minutes, mg_pairs *out, mg_diag *d)
{
    *out = (mg_pairs){0};
    int rc = check_model(m, max_minutes, n, d);
    if (rc)
        return rc;
    builder b;
    if ((rc = builder_init(&b, n)))
        return mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        b.p.start[i] = b.p.npairs;
        if (include && !include[i])
            continue;
        for (size_t j = 0; j < n; j++) {
            double t;
            if (j == i)
                t = 0;
            else if (usable(lat, lon, include, i) && usable(lat, lon, include, j))
                t = m->access_min +
                    mg_geo_distance_km(lat[i], lon[i], lat[j], lon[j]) * m->detour / m->speed_kmh * 60;
            else
                continue;
            if (t <= max_minutes && (rc = builder_push(&b, (uint32_t)j, t))) {
                mg_pairs_free(&b.p);
                return mg_diag_set(d, rc, NULL, 0, 0, "out of memory or too many pairs");
            }
        }
    }
    b.p.start[n] = b.p.npairs;
    *out = b.p;
    return MG_OK;
}

/* --- External origin–destination tables. ------------------------------ */

typedef struct od {
    uint32_t from, to;
    double minutes;
} od;

/*
 * Orders rows by (from, to), rows of equal (from, to) kept in file order:
 * two stable counting sorts, by destination and then by origin, in
 * O(rows + communes) (a comparison sort of the 1.45 M rows of a national
 * table took a fifth of the read). tmp has nrows entries.
 */
static int sort_od(od *rows, od *tmp, size_t nrows, size_t n)
{
    size_t *count = mg_alloc_array(n + 1, sizeof *count);
    if (!count)
        return MG_ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        const od *src = pass ? tmp : rows;
        od *dst = pass ? rows : tmp;
        memset(count, 0, (n + 1) * sizeof *count);
        for (size_t k = 0; k < nrows; k++)
            count[(pass ? src[k].from : src[k].to) + 1]++;
        for (size_t i = 0; i < n; i++)
            count[i + 1] += count[i];
        for (size_t k = 0; k < nrows; k++)
            dst[count[pass ? src[k].from : src[k].to]++] = src[k];
    }
    free(count);
    return MG_OK;
}

/*
 * The names other tools give the three columns, in order of preference
 * (docs/formats.md says where each comes from): ours; IPEA's R packages
 * accessibility (its examples' travel matrices) and r5r (travel_time before
 * version 1.0, travel_time_p50 — the median — since); INSEE's Metric
 * (metric.osrm::metricOsrmTable: idSrc, idDst, duree in minutes).
 */
static const char *const matrix_names[3][5] = {
    {"from", "from_id", "idSrc", NULL},
    {"to", "to_id", "idDst", NULL},
    {"minutes", "travel_time", "travel_time_p50", "duree", NULL},
};
static const char *const matrix_roles[3] = {"origins", "destinations", "travel times in minutes"};
static const char *const matrix_hints[3] = {
    "\"from\" (or \"from_id\" as IPEA's accessibility and r5r write it, or \"idSrc\" as "
    "INSEE Metric does)",
    "\"to\" (or \"to_id\", or \"idDst\")",
    "\"minutes\" (or \"travel_time\" as accessibility and r5r before 1.0 write it, "
    "\"travel_time_p50\" as r5r does since, or \"duree\" as INSEE Metric does)",
};

int mg_pairs_matrix_columns(const mg_csv *c, int idx[3], mg_diag *d)
{
    for (int k = 0; k < 3; k++) {
        idx[k] = -1;
        for (int a = 0; matrix_names[k][a] && idx[k] < 0; a++)
            idx[k] = mg_csv_column(c, matrix_names[k][a]);
        if (idx[k] >= 0)
            continue;
        char have[512];
        size_t len = 0;
        have[0] = '\0';
        const char *h;
        for (size_t j = 0; (h = mg_csv_header(c, j)) != NULL && len + 1 < sizeof have; j++) {
            int n = snprintf(have + len, sizeof have - len, "%s\"%s\"", j ? ", " : "", h);
            if (n < 0)
                break;
            len += (size_t)n < sizeof have - len ? (size_t)n : sizeof have - len - 1;
        }
        /* One column holding a `;`: exported with the other separator
         * (R's write.csv2, as French settings have it). */
        const char *h0 = mg_csv_header(c, 0);
        bool semicolon = mg_csv_header(c, 1) == NULL && h0 && strchr(h0, ';');
        return mg_diag_set(d, MG_ENOTFOUND, mg_csv_name(c), 1, 0,
                           "no column of %s: expected %s in a `,`-separated header; the header "
                           "has %s%s", matrix_roles[k], matrix_hints[k], have,
                           semicolon ? " (the file seems to be separated by `;` instead: write "
                                       "it with `,`, e.g. R's write.csv rather than write.csv2)"
                                     : "");
    }
    return MG_OK;
}

int mg_pairs_read_csv(const mg_territory *t, const char *path, double max_minutes,
                      mg_pairs *out, mg_report *rep, mg_diag *d)
{
    int idx[3];
    *out = (mg_pairs){0};
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    od *rows = NULL;
    size_t nrows = 0, cap = 0, unknown = 0;
    builder b = {0};
    int rc;
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ',', d)) ||
        (rc = mg_pairs_matrix_columns(c, idx, d)))
        goto done;
    /* Tables list an origin's rows together: its code is looked up once. */
    char last_from[MG_CODE_LEN + 2] = "";
    long last_i = -1;
    while ((rc = mg_csv_next(c, d)) == 1) {
        long ij[2];
        for (int k = 0; k < 2; k++) {
            size_t len;
            const char *code = mg_csv_field(c, (size_t)idx[k], &len);
            if (k == 0 && len <= MG_CODE_LEN && memcmp(code, last_from, len + 1) == 0) {
                ij[0] = last_i;
                if (ij[0] >= 0)
                    continue;
            } else {
                ij[k] = mg_territory_find(t, code);
                if (k == 0 && len <= MG_CODE_LEN) {
                    memcpy(last_from, code, len + 1);
                    last_i = ij[0];
                }
            }
            if (ij[k] < 0 && unknown++ < 20)
                mg_report_add(rep, "%s:%lu:%lu: commune code \"%.20s\" maps to no current commune; row skipped",
                              path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[k]), code);
        }
        double minutes;
        bool present;
        if ((rc = mg_csv_double(c, (size_t)idx[2], &minutes, &present, d)))
            goto done;
        if (!present || minutes < 0) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[2]),
                             "column \"%s\": expected a non-negative number of minutes",
                             mg_csv_header(c, (size_t)idx[2]));
            goto done;
        }
        if (ij[0] < 0 || ij[1] < 0 || minutes > max_minutes)
            continue;
        if (nrows == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            if (ncap > MG_MAX_PAIRS) {
                rc = mg_diag_set(d, MG_ELIMIT, path, mg_csv_line(c), 0,
                                 "more than %llu pairs", (unsigned long long)MG_MAX_PAIRS);
                goto done;
            }
            od *nr = mg_realloc_array(rows, ncap, sizeof *nr);
            if (!nr) {
                rc = mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
                goto done;
            }
            rows = nr;
            cap = ncap;
        }
        rows[nrows++] = (od){(uint32_t)ij[0], (uint32_t)ij[1], ij[0] == ij[1] ? 0 : minutes};
    }
    if (rc < 0)
        goto done;
    if (unknown > 20)
        mg_report_add(rep, "%s: %zu more unknown codes", path, unknown - 20);
    if (nrows) {
        od *tmp = mg_alloc_large(nrows, sizeof *tmp);
        rc = tmp ? sort_od(rows, tmp, nrows, t->n) : MG_ENOMEM;
        free(tmp);
        if (rc)
            goto done;
    }
    if ((rc = builder_init(&b, t->n)))
        goto done;
    /* The table holds at most the rows and one pair per commune: allocated
     * once, in huge pages where the system has them (growing it by
     * doubling faulted every page in twice). */
    size_t tcap = nrows + t->n < MG_MAX_PAIRS ? nrows + t->n : (size_t)MG_MAX_PAIRS;
    b.p.to = mg_alloc_large(tcap, sizeof *b.p.to);
    b.p.minutes = mg_alloc_large(tcap, sizeof *b.p.minutes);
    if (!b.p.to || !b.p.minutes) {
        rc = MG_ENOMEM;
        goto done;
    }
    b.cap = tcap;
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        b.p.start[i] = b.p.npairs;
        bool self = false;
        while (k < nrows && rows[k].from == i) {
            /* Rows sorted by (from, to): a run of duplicates keeps its
             * shortest time. */
            uint32_t to = rows[k].to;
            double minutes = rows[k].minutes;
            for (k++; k < nrows && rows[k].from == i && rows[k].to == to; k++)
                if (rows[k].minutes < minutes)
                    minutes = rows[k].minutes;
            if (!self && to > i) {
                if ((rc = builder_push(&b, (uint32_t)i, 0)))
                    goto done;
                self = true;
            }
            self |= to == i;
            if ((rc = builder_push(&b, to, minutes)))
                goto done;
        }
        if (!self && (rc = builder_push(&b, (uint32_t)i, 0)))
            goto done;
    }
    b.p.start[t->n] = b.p.npairs;
    *out = b.p;
    b.p = (mg_pairs){0};
    rc = MG_OK;
done:
    if (rc == MG_ENOMEM || rc == MG_ELIMIT)
        mg_diag_set(d, rc, path, 0, 0, "cannot hold the travel-time table (%s)", mg_strerror(rc));
    mg_pairs_free(&b.p);
    free(rows);
    mg_csv_close(c);
    mg_reader_close(r);
    return rc;
}
