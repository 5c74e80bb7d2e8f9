/*
 * The zones mode: a zones table and a matrix read from CSV through io/csv,
 * and the measures over them. The two-step kernel, the step weights and the
 * BFCA normalisations are the engine's (access.c); what differs from the
 * commune mode is only what IPEA's definitions say differently: the cutoff
 * is inclusive (applied once, when the matrix is read), a zone's time to
 * itself comes from the matrix, and BFCA's row normalisation runs over every
 * destination reached.
 */
#include "access/zones.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "core/alloc.h"
#include "core/limits.h"
#include "io/csv.h"

/* ---- The id index: open addressing on an FNV-1a hash ------------------ */

struct zone_index {
    size_t cap;      /* a power of two, at least twice the zones */
    uint32_t *slot;  /* zone + 1, 0 for an empty slot */
};

static uint64_t hash_id(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

long mg_zones_find(const mg_zones *z, const char *id)
{
    const struct zone_index *x = z->index;
    if (!x)
        return -1;
    for (size_t k = hash_id(id) & (x->cap - 1);; k = (k + 1) & (x->cap - 1)) {
        uint32_t v = x->slot[k];
        if (v == 0)
            return -1;
        if (strcmp(z->id[v - 1], id) == 0)
            return (long)v - 1;
    }
}

/* Builds the index of z's ids; on a duplicate, *dup_a < *dup_b are the two
 * zones and MG_EINVAL is returned. */
static int index_build(mg_zones *z, size_t *dup_a, size_t *dup_b)
{
    struct zone_index *x = calloc(1, sizeof *x);
    if (!x)
        return MG_ENOMEM;
    x->cap = 16;
    while (x->cap < 2 * z->n)
        x->cap *= 2;
    x->slot = mg_alloc_array(x->cap, sizeof *x->slot);
    if (!x->slot) {
        free(x);
        return MG_ENOMEM;
    }
    z->index = x;
    for (size_t i = 0; i < z->n; i++) {
        size_t k = hash_id(z->id[i]) & (x->cap - 1);
        for (; x->slot[k]; k = (k + 1) & (x->cap - 1))
            if (strcmp(z->id[x->slot[k] - 1], z->id[i]) == 0) {
                *dup_a = x->slot[k] - 1;
                *dup_b = i;
                return MG_EINVAL;
            }
        x->slot[k] = (uint32_t)(i + 1);
    }
    return MG_OK;
}

void mg_zones_free(mg_zones *z)
{
    if (!z)
        return;
    for (size_t i = 0; i < z->n; i++)
        free(z->id[i]);
    for (size_t g = 0; g < z->ngroups; g++)
        free(z->group_name[g]);
    free(z->id);
    free(z->supply);
    free(z->demand);
    free(z->weight);
    free(z->group);
    free(z->group_name);
    if (z->index)
        free(z->index->slot);
    free(z->index);
    *z = (mg_zones){0};
}

/* ---- The zones table --------------------------------------------------- */

/* Grows the per-zone arrays of z to hold `cap` zones. */
static int zones_grow(mg_zones *z, size_t cap, bool weight, bool group)
{
    char **id = mg_realloc_array(z->id, cap, sizeof *id);
    if (!id)
        return MG_ENOMEM;
    z->id = id;
    double **cols[3] = {&z->supply, &z->demand, weight ? &z->weight : NULL};
    for (int k = 0; k < 3; k++) {
        if (!cols[k])
            continue;
        double *v = mg_realloc_array(*cols[k], cap, sizeof *v);
        if (!v)
            return MG_ENOMEM;
        *cols[k] = v;
    }
    if (group) {
        size_t *g = mg_realloc_array(z->group, cap, sizeof *g);
        if (!g)
            return MG_ENOMEM;
        z->group = g;
    }
    return MG_OK;
}

/* Field `col` of the current record as a non-negative number. */
static int nonneg_field(mg_csv *c, int col, const char *path, double *out, mg_diag *d)
{
    bool present;
    int rc = mg_csv_double(c, (size_t)col, out, &present, d);
    if (rc)
        return rc;
    if (!present || *out < 0)
        return mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)col),
                           "column \"%s\": expected a non-negative number, found \"%.40s\"",
                           mg_csv_header(c, (size_t)col), mg_csv_field(c, (size_t)col, NULL));
    return MG_OK;
}

/* The group index of `name`, adding it when new. Linear in the groups:
 * groups are few (deciles, districts). */
static int group_of(mg_zones *z, const char *name, size_t *out)
{
    for (size_t g = 0; g < z->ngroups; g++)
        if (strcmp(z->group_name[g], name) == 0) {
            *out = g;
            return MG_OK;
        }
    char **gn = mg_realloc_array(z->group_name, z->ngroups + 1, sizeof *gn);
    if (!gn)
        return MG_ENOMEM;
    z->group_name = gn;
    if (!(gn[z->ngroups] = mg_strdup(name)))
        return MG_ENOMEM;
    *out = z->ngroups++;
    return MG_OK;
}

int mg_zones_read(mg_zones *out, const char *path, const mg_zones_columns *cols, mg_diag *d)
{
    *out = (mg_zones){0};
    mg_zones z = {0};
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    unsigned long *lines = NULL; /* line of each zone, for duplicate messages */
    const char *names[5] = {cols->id, cols->supply, cols->demand};
    size_t nnames = 3;
    int idx[5] = {-1, -1, -1, -1, -1}, col_weight = -1, col_group = -1;
    if (cols->weight) {
        col_weight = (int)nnames;
        names[nnames++] = cols->weight;
    }
    if (cols->group) {
        col_group = (int)nnames;
        names[nnames++] = cols->group;
    }
    size_t cap = 0;
    int rc;
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ',', d)) ||
        (rc = mg_csv_require(c, names, nnames, idx, d)))
        goto done;
    while ((rc = mg_csv_next(c, d)) == 1) {
        if (z.n == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            if (ncap > MG_MAX_ZONES + 1)
                ncap = MG_MAX_ZONES + 1;
            if (z.n >= MG_MAX_ZONES) {
                rc = mg_diag_set(d, MG_ELIMIT, path, mg_csv_line(c), 0,
                                 "more than %u zones", MG_MAX_ZONES);
                goto done;
            }
            unsigned long *nl = mg_realloc_array(lines, ncap, sizeof *nl);
            if (!nl) {
                rc = MG_ENOMEM;
                goto done;
            }
            lines = nl;
            if ((rc = zones_grow(&z, ncap, col_weight >= 0, col_group >= 0)))
                goto done;
            cap = ncap;
        }
        size_t idlen, len;
        const char *id = mg_csv_field(c, (size_t)idx[0], &idlen);
        if (idlen == 0 || idlen > MG_MAX_ZONE_ID_BYTES) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[0]),
                             "column \"%s\": expected a zone id of 1 to %u bytes",
                             cols->id, MG_MAX_ZONE_ID_BYTES);
            goto done;
        }
        size_t i = z.n;
        if ((rc = nonneg_field(c, idx[1], path, &z.supply[i], d)) ||
            (rc = nonneg_field(c, idx[2], path, &z.demand[i], d)) ||
            (col_weight >= 0 && (rc = nonneg_field(c, idx[col_weight], path, &z.weight[i], d))))
            goto done;
        if (col_group >= 0) {
            const char *g = mg_csv_field(c, (size_t)idx[col_group], &len);
            if (len == 0) {
                rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c),
                                 mg_csv_col(c, (size_t)idx[col_group]),
                                 "column \"%s\": expected a group, found an empty field",
                                 cols->group);
                goto done;
            }
            if ((rc = group_of(&z, g, &z.group[i])))
                goto done;
        }
        if (!(z.id[i] = mg_strndup(id, idlen))) {
            rc = MG_ENOMEM;
            goto done;
        }
        lines[i] = mg_csv_line(c);
        z.n++;
    }
    if (rc < 0)
        goto done;
    if (z.n == 0) {
        rc = mg_diag_set(d, MG_EPARSE, path, 2, 0, "expected at least one zone after the header");
        goto done;
    }
    size_t a = 0, b = 0;
    rc = index_build(&z, &a, &b);
    if (rc == MG_EINVAL) {
        rc = mg_diag_set(d, MG_EPARSE, path, lines[b], 0,
                         "zone id \"%.60s\" given twice (first on line %lu)", z.id[b], lines[a]);
        goto done;
    }
    if (rc)
        goto done;
    *out = z;
    z = (mg_zones){0};
done:
    if (rc == MG_ENOMEM)
        mg_diag_set(d, rc, path, 0, 0, "out of memory while reading the zones");
    mg_zones_free(&z);
    free(lines);
    mg_csv_close(c);
    mg_reader_close(r);
    return rc;
}

/* ---- The matrix ---------------------------------------------------------- */

typedef struct zone_od {
    uint32_t from, to;
    double minutes;
    unsigned long line;
} zone_od;

static int cmp_zone_od(const void *a, const void *b)
{
    const zone_od *x = a, *y = b;
    if (x->from != y->from)
        return (x->from > y->from) - (x->from < y->from);
    if (x->to != y->to)
        return (x->to > y->to) - (x->to < y->to);
    return (x->line > y->line) - (x->line < y->line);
}

int mg_zones_read_matrix(const mg_zones *z, const char *path, double max_minutes,
                         mg_pairs *out, mg_diag *d)
{
    int idx[3];
    *out = (mg_pairs){0};
    if (!(max_minutes > 0 && max_minutes <= MG_MAX_MINUTES))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "catchment %g minutes: expected more than 0 and at most %g",
                           max_minutes, MG_MAX_MINUTES);
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    zone_od *rows = NULL;
    size_t nrows = 0, cap = 0;
    mg_pairs p = {0};
    int rc;
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ',', d)) ||
        (rc = mg_pairs_matrix_columns(c, idx, d)))
        goto done;
    while ((rc = mg_csv_next(c, d)) == 1) {
        long ij[2];
        for (int k = 0; k < 2; k++) {
            const char *id = mg_csv_field(c, (size_t)idx[k], NULL);
            if ((ij[k] = mg_zones_find(z, id)) < 0) {
                rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[k]),
                                 "column \"%s\": \"%.60s\" is not the id of a zone",
                                 mg_csv_header(c, (size_t)idx[k]), id);
                goto done;
            }
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
        if (nrows == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            if (nrows >= MG_MAX_PAIRS) {
                rc = mg_diag_set(d, MG_ELIMIT, path, mg_csv_line(c), 0, "more than %llu pairs",
                                 (unsigned long long)MG_MAX_PAIRS);
                goto done;
            }
            zone_od *nr = mg_realloc_array(rows, ncap, sizeof *nr);
            if (!nr) {
                rc = MG_ENOMEM;
                goto done;
            }
            rows = nr;
            cap = ncap;
        }
        rows[nrows++] = (zone_od){(uint32_t)ij[0], (uint32_t)ij[1], minutes, mg_csv_line(c)};
    }
    if (rc < 0)
        goto done;
    if (nrows)
        qsort(rows, nrows, sizeof *rows, cmp_zone_od);
    for (size_t k = 1; k < nrows; k++)
        if (rows[k].from == rows[k - 1].from && rows[k].to == rows[k - 1].to) {
            rc = mg_diag_set(d, MG_EPARSE, path, rows[k].line, 0,
                             "the pair from \"%.60s\" to \"%.60s\" is given twice (first on line %lu)",
                             z->id[rows[k].from], z->id[rows[k].to], rows[k - 1].line);
            goto done;
        }
    /* Count the pairs kept, then fill the rows in place. */
    size_t kept = 0, k = 0;
    p.n = z->n;
    p.start = mg_alloc_array(z->n + 1, sizeof *p.start);
    if (!p.start) {
        rc = MG_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < z->n; i++) {
        bool self = false;
        for (; k < nrows && rows[k].from == i; k++) {
            self |= rows[k].to == i;
            kept += rows[k].minutes <= max_minutes;
        }
        kept += !self;
    }
    p.to = mg_alloc_array(kept ? kept : 1, sizeof *p.to);
    p.minutes = mg_alloc_array(kept ? kept : 1, sizeof *p.minutes);
    if (!p.to || !p.minutes) {
        rc = MG_ENOMEM;
        goto done;
    }
    k = 0;
    for (size_t i = 0; i < z->n; i++) {
        p.start[i] = p.npairs;
        bool self = false;
        for (; k < nrows && rows[k].from == i; k++) {
            /* A zone the matrix gives no time to itself reaches itself
             * in 0 minutes, in its place among the sorted destinations. */
            if (!self && rows[k].to > i) {
                p.to[p.npairs] = (uint32_t)i;
                p.minutes[p.npairs++] = 0;
                self = true;
            }
            self |= rows[k].to == i;
            if (rows[k].minutes <= max_minutes) {
                p.to[p.npairs] = rows[k].to;
                p.minutes[p.npairs++] = rows[k].minutes;
            }
        }
        if (!self) {
            p.to[p.npairs] = (uint32_t)i;
            p.minutes[p.npairs++] = 0;
        }
    }
    p.start[z->n] = p.npairs;
    *out = p;
    p = (mg_pairs){0};
    rc = MG_OK;
done:
    if (rc == MG_ENOMEM)
        mg_diag_set(d, rc, path, 0, 0, "out of memory while reading the matrix");
    mg_pairs_free(&p);
    free(rows);
    mg_csv_close(c);
    mg_reader_close(r);
    return rc;
}

/* ---- The measures -------------------------------------------------------- */

static const char *const measure_names[MG_ZONES_NMEASURES] = {
    "2sfca", "e2sfca", "bfca", "gravity", "cumulative", "nearest",
};

const char *mg_zones_measure_names(void)
{
    return "2sfca e2sfca bfca gravity cumulative nearest";
}

const char *mg_zones_measure_name(enum mg_zones_measure m)
{
    return (unsigned)m < MG_ZONES_NMEASURES ? measure_names[m] : "?";
}

int mg_zones_measure_lookup(const char *name, enum mg_zones_measure *out, mg_diag *d)
{
    for (int m = 0; m < MG_ZONES_NMEASURES; m++)
        if (strcmp(name, measure_names[m]) == 0) {
            *out = (enum mg_zones_measure)m;
            return MG_OK;
        }
    return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "unknown measure \"%s\": expected one of %s",
                       name, mg_zones_measure_names());
}

mg_zones_method mg_zones_method_default(void)
{
    return (mg_zones_method){.steps = mg_decay_drees(), .beta = 0.1};
}

int mg_zones_compute(const mg_pairs *p, const double *supply, const double *demand,
                     enum mg_zones_measure m, const mg_zones_method *meth, double *out,
                     mg_diag *d)
{
    size_t n = p->n;
    if ((unsigned)m >= MG_ZONES_NMEASURES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "unknown measure %d", (int)m);
    if (meth->steps.kind != MG_DECAY_STEP)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "the zones mode expects a step profile");
    int rc = mg_decay_check(&meth->steps, d);
    if (rc)
        return rc;
    if (!(meth->beta >= 0 && meth->beta < 10))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "beta %g: expected 0 to 10 per minute",
                           meth->beta);
    for (size_t i = 0; i < n; i++)
        if (!(supply[i] >= 0) || !isfinite(supply[i]) || !(demand[i] >= 0) || !isfinite(demand[i]))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "zone %zu: supply and demand must be finite and non-negative", i);
    if (m == MG_ZONES_NEAREST) {
        for (size_t i = 0; i < n; i++) {
            double best = NAN;
            for (size_t k = p->start[i]; k < p->start[i + 1]; k++)
                if (supply[p->to[k]] > 0 && !(p->minutes[k] >= best))
                    best = p->minutes[k];
            out[i] = best;
        }
        return MG_OK;
    }
    double *w = mg_alloc_array(p->npairs ? p->npairs : 1, sizeof *w);
    double *w2 = NULL, *ratio = NULL;
    if (!w)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    /* Every pair of p is within the cutoff, so the binary weight is 1 on
     * each and the exponential one has no further cut. */
    switch (m) {
    case MG_ZONES_E2SFCA:
    case MG_ZONES_BFCA:
        mg_access_weights(p, &meth->steps, w);
        break;
    case MG_ZONES_GRAVITY:
        for (size_t k = 0; k < p->npairs; k++)
            w[k] = exp(-meth->beta * p->minutes[k]);
        break;
    default:
        for (size_t k = 0; k < p->npairs; k++)
            w[k] = 1;
        break;
    }
    rc = MG_OK;
    if (m == MG_ZONES_GRAVITY || m == MG_ZONES_CUMULATIVE) {
        for (size_t i = 0; i < n; i++) {
            double a = 0;
            for (size_t k = p->start[i]; k < p->start[i + 1]; k++)
                a += w[k] * supply[p->to[k]];
            out[i] = a;
        }
    } else if (!(ratio = mg_alloc_array(n ? n : 1, sizeof *ratio))) {
        rc = MG_ENOMEM;
    } else if (m != MG_ZONES_BFCA) {
        mg_access_two_step(p, w, w, supply, demand, ratio, out);
    } else if (!(w2 = mg_alloc_array(p->npairs ? p->npairs : 1, sizeof *w2))) {
        rc = MG_ENOMEM;
    } else {
        /* IPEA's BFCA: each origin's demand split over every destination
         * it reaches (row-normalised, supply or not), each destination's
         * supply over the origins reaching it (column-normalised). */
        memcpy(w2, w, p->npairs * sizeof *w);
        mg_access_normalise_rows(p, NULL, w);
        if ((rc = mg_access_normalise_columns(p, w2)) == MG_OK)
            mg_access_two_step(p, w, w2, supply, demand, ratio, out);
    }
    free(w);
    free(w2);
    free(ratio);
    if (rc == MG_ENOMEM)
        mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
    return rc;
}
