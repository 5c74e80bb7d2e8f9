#include "access/model.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "io/reader.h"
#include "parse/parse.h"

/* The fits of `maillage calibrate` on the national DREES files, one per
 * profession: the values of data/model/apl-<profession>.txt, which
 * test_calibrate checks are these (docs/methodology.md, "Calibration",
 * gives the runs and their figures). */
typedef struct fitted {
    const char *profession;
    mg_model model;
} fitted;

static const fitted FITS[] = {
    {"mg",
     {.crowfly = {1.3, 57, 5.375},
      .time_spread = 0.175,
      .activity_exponent = 0.13125,
      .activity_reference = 116293,
      .centre_heads = 0.1875}},
    {"inf",
     {.crowfly = {1.3, 69.25, 6.625},
      .time_spread = 0.135,
      .activity_exponent = 0.1125,
      .activity_reference = 87012.3,
      .centre_heads = 0}},
    {"mk",
     {.crowfly = {1.3, 53, 2.5},
      .time_spread = 0.18,
      .activity_exponent = 0.1125,
      .activity_reference = 149732,
      .centre_heads = 0}},
    {"sf",
     {.crowfly = {1.3, 67.5, 2.5},
      .time_spread = 0.35,
      .activity_exponent = 0.375,
      .activity_reference = 174541,
      .centre_heads = 0}},
    {"cd",
     {.crowfly = {1.3, 54.5, 3.5},
      .time_spread = 0.18,
      .activity_exponent = 0.15,
      .activity_reference = 175854,
      .centre_heads = 0}},
};

mg_model mg_model_defaults_for(const char *profession)
{
    for (size_t k = 0; profession && k < sizeof FITS / sizeof FITS[0]; k++)
        if (strcmp(FITS[k].profession, profession) == 0)
            return FITS[k].model;
    return FITS[0].model;
}

mg_model mg_model_defaults(void)
{
    return FITS[0].model;
}

mg_model mg_model_uncalibrated(void)
{
    return (mg_model){.crowfly = {MG_CROWFLY_DEFAULT_DETOUR, MG_CROWFLY_DEFAULT_SPEED, 0}};
}

/* One key of the file: its name, where it lives in the model, its range. */
typedef struct model_key {
    const char *name;
    size_t offset;
    double lo, hi;
    bool lo_open;
    const char *what;
} model_key;

static const model_key KEYS[] = {
    {"speed_kmh", offsetof(mg_model, crowfly.speed_kmh), 0, 200, true, "km/h, more than 0 and at most 200"},
    {"detour", offsetof(mg_model, crowfly.detour), 1, 10, false, "from 1 to 10"},
    {"access_minutes", offsetof(mg_model, crowfly.access_min), 0, 15, false, "minutes, 0 to 15"},
    {"time_spread", offsetof(mg_model, time_spread), 0, 1, false, "0 to 1"},
    {"activity_exponent", offsetof(mg_model, activity_exponent), -2, 2, false, "-2 to 2"},
    {"activity_reference", offsetof(mg_model, activity_reference), 0, 1e9, false,
     "people within reach, 0 (computed) to 1e9"},
    {"centre_practitioners", offsetof(mg_model, centre_heads), 0, 50, false, "0 to 50"},
};
#define NKEYS (sizeof KEYS / sizeof KEYS[0])

static double *field(mg_model *m, const model_key *k)
{
    return (double *)((char *)m + k->offset);
}

static bool in_range(const model_key *k, double v)
{
    return (k->lo_open ? v > k->lo : v >= k->lo) && v <= k->hi;
}

int mg_model_check(const mg_model *m, mg_diag *d)
{
    for (size_t k = 0; k < NKEYS; k++) {
        double v = *field((mg_model *)m, &KEYS[k]);
        if (!in_range(&KEYS[k], v))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "model parameter %s = %g: expected %s",
                               KEYS[k].name, v, KEYS[k].what);
    }
    return MG_OK;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

int mg_model_parse(const char *text, size_t len, const char *name, mg_model *m, mg_diag *d)
{
    mg_model out = *m;
    bool seen[NKEYS] = {false};
    unsigned long seen_line[NKEYS] = {0};
    unsigned long line = 0;
    size_t pos = 0;
    while (pos < len) {
        line++;
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        if (n > MG_MAX_LINE_BYTES)
            return mg_diag_set(d, MG_EPARSE, name, line, 0, "line longer than %u bytes",
                               MG_MAX_LINE_BYTES);
        if (memchr(s, '\0', n))
            return mg_diag_set(d, MG_EPARSE, name, line, 0, "a NUL byte: expected a text file");
        /* Strip a comment, then blanks at both ends. */
        const char *hash = memchr(s, '#', n);
        size_t end = hash ? (size_t)(hash - s) : n, b = 0;
        while (b < end && blank(s[b]))
            b++;
        while (end > b && blank(s[end - 1]))
            end--;
        if (b == end)
            continue;
        const char *eq = memchr(s + b, '=', end - b);
        if (!eq)
            return mg_diag_set(d, MG_EPARSE, name, line, b + 1,
                               "expected KEY = VALUE (keys: speed_kmh, detour, access_minutes, "
                               "time_spread, activity_exponent, activity_reference, "
                               "centre_practitioners)");
        size_t ke = (size_t)(eq - s);
        while (ke > b && blank(s[ke - 1]))
            ke--;
        size_t vb = (size_t)(eq - s) + 1;
        while (vb < end && blank(s[vb]))
            vb++;
        size_t k = 0;
        while (k < NKEYS && !(strlen(KEYS[k].name) == ke - b &&
                              memcmp(KEYS[k].name, s + b, ke - b) == 0))
            k++;
        if (k == NKEYS)
            return mg_diag_set(d, MG_EPARSE, name, line, b + 1,
                               "unknown key \"%.*s\": expected speed_kmh, detour, access_minutes, "
                               "time_spread, activity_exponent, activity_reference or "
                               "centre_practitioners",
                               (int)(ke - b > 64 ? 64 : ke - b), s + b);
        if (seen[k])
            return mg_diag_set(d, MG_EPARSE, name, line, b + 1, "%s is already given on line %lu",
                               KEYS[k].name, seen_line[k]);
        double v;
        if (vb == end || mg_parse_c_double(s + vb, end - vb, &v, NULL) != 0)
            return mg_diag_set(d, MG_EPARSE, name, line, vb + 1, "%s: expected a number (%s)",
                               KEYS[k].name, KEYS[k].what);
        if (!in_range(&KEYS[k], v))
            return mg_diag_set(d, MG_EPARSE, name, line, vb + 1, "%s = %g: expected %s",
                               KEYS[k].name, v, KEYS[k].what);
        *field(&out, &KEYS[k]) = v;
        seen[k] = true;
        seen_line[k] = line;
    }
    *m = out;
    return MG_OK;
}

/* Parameter files are a few hundred bytes; a larger one is not one. */
#define MODEL_FILE_MAX (64u * 1024u)

int mg_model_read(const char *path, mg_model *m, mg_diag *d)
{
    mg_reader *r;
    int rc = mg_reader_open(&r, path, d);
    if (rc)
        return rc;
    char *buf = malloc(MODEL_FILE_MAX + 1);
    size_t len = 0;
    if (!buf) {
        mg_reader_close(r);
        return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
    }
    for (;;) {
        ssize_t got = mg_reader_read(r, buf + len, MODEL_FILE_MAX + 1 - len, d);
        if (got < 0) {
            rc = (int)got;
            break;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len > MODEL_FILE_MAX) {
            rc = mg_diag_set(d, MG_ELIMIT, path, 0, 0,
                             "larger than %u bytes: not a parameter file", MODEL_FILE_MAX);
            break;
        }
    }
    mg_reader_close(r);
    if (rc == MG_OK)
        rc = mg_model_parse(buf, len, path, m, d);
    free(buf);
    return rc;
}

int mg_model_write(FILE *f, const mg_model *m, const char *comment)
{
    if (comment) {
        const char *p = comment;
        while (*p) {
            size_t n = strcspn(p, "\n");
            if (fprintf(f, "# %.*s\n", (int)n, p) < 0)
                return MG_EIO;
            p += n + (p[n] == '\n');
        }
    }
    for (size_t k = 0; k < NKEYS; k++)
        if (fprintf(f, "%s = %.6g\n", KEYS[k].name, *field((mg_model *)m, &KEYS[k])) < 0)
            return MG_EIO;
    return ferror(f) ? MG_EIO : MG_OK;
}

int mg_model_supply(const mg_pairs *p, const double *w, const double *heads,
                    const double *centres, const double *demand, const mg_model *m,
                    double per_head, double *supply_out, double *per_head_out,
                    double *reference_out)
{
    size_t n = p->n;
    double *h = supply_out; /* H_j first, scaled in place at the end */
    double sum_h = 0;
    for (size_t j = 0; j < n; j++) {
        h[j] = heads[j] + (centres ? m->centre_heads * centres[j] : 0);
        sum_h += h[j];
    }
    if (reference_out)
        *reference_out = 0;
    if (m->activity_exponent == 0 || sum_h <= 0) {
        for (size_t j = 0; j < n; j++) {
            if (per_head_out)
                per_head_out[j] = per_head;
            h[j] *= per_head;
        }
        return MG_OK;
    }
    double *a = mg_alloc_array(n, sizeof *a);
    if (!a)
        return MG_ENOMEM;
    double g = m->activity_exponent, sum_hdg = 0;
    for (size_t j = 0; j < n; j++) {
        a[j] = 0;
        if (h[j] <= 0)
            continue;
        double dj = 0;
        for (size_t k = p->start[j]; k < p->start[j + 1]; k++)
            dj += w[k] * demand[p->to[k]];
        a[j] = dj;
        if (dj > 0)
            sum_hdg += h[j] * pow(dj, g);
    }
    double ref = m->activity_reference;
    if (!(ref > 0))
        ref = sum_hdg > 0 ? pow(sum_hdg / sum_h, 1 / g) : 1;
    if (reference_out)
        *reference_out = ref;
    for (size_t j = 0; j < n; j++) {
        double x = h[j] > 0 ? (a[j] > 0 ? pow(a[j] / ref, g) : 0.2) : 1;
        double act = per_head * fmin(5, fmax(0.2, x));
        if (per_head_out)
            per_head_out[j] = act;
        h[j] *= act;
    }
    free(a);
    return MG_OK;
}
