#include "output/table.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"

/*
 * Numbers are written as printf's "%.12g" writes them, and the agreement
 * figures read them back; on France that was 200,000 conversions through
 * printf and 35,000 through strtod a run. For the usual magnitudes the
 * twelve digits are found here directly: s = |v| · 10^p (p <= 15, so 10^p
 * is exact and s is rounded once, within 2^-14 of the exact product below
 * 2^40) lies in [10^11, 10^12), and its nearest integer r is the exact
 * product's, hence printf's digits, unless the product lies within 10^-3
 * of a half (a tie or too close to call): those, and magnitudes outside
 * [2·10^-4, 5·10^10], go to printf. *x is the decimal exponent of the
 * rounded value.
 */
static const double pow10_tab[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

static bool digits12(double a, uint64_t *r, int *x)
{
    if (!(a >= 2e-4 && a <= 5e10))
        return false;
    int e = (int)floor(log10(a));
    for (int tries = 0; tries < 3; tries++) {
        int p = 11 - e;
        if (p < 0 || p > 15)
            return false;
        double s = a * pow10_tab[p];
        if (s < 1e11) {
            e--;
            continue;
        }
        if (s >= 1e12) {
            e++;
            continue;
        }
        double fl = floor(s);
        if (fabs(s - fl - 0.5) < 1e-3)
            return false;
        uint64_t q = (uint64_t)fl + (s - fl > 0.5);
        if (q == 1000000000000ull) { /* 999…9.6 rounds up to the next power */
            q = 100000000000ull;
            e++;
        }
        *r = q;
        *x = e;
        return true;
    }
    return false;
}

int mg_output_g12(double v, char buf[static 32])
{
    uint64_t r;
    int x;
    if (!isfinite(v) || v == 0 || !digits12(fabs(v), &r, &x))
        return snprintf(buf, 32, "%.12g", v);
    /* Style f with 11 - x decimals (-4 <= x <= 10 here), then trailing
     * zeros and a bare point removed, as %g does. */
    char dig[12];
    for (int k = 11; k >= 0; k--, r /= 10)
        dig[k] = (char)('0' + r % 10);
    int n = 0;
    if (v < 0)
        buf[n++] = '-';
    int last = 11; /* the last digit written: trailing zeros of the fraction go */
    int intdigits = x >= 0 ? x + 1 : 0;
    while (last >= intdigits && dig[last] == '0')
        last--;
    if (x >= 0) {
        memcpy(buf + n, dig, (size_t)intdigits);
        n += intdigits;
        if (last >= intdigits) {
            buf[n++] = '.';
            memcpy(buf + n, dig + intdigits, (size_t)(last + 1 - intdigits));
            n += last + 1 - intdigits;
        }
    } else {
        buf[n++] = '0';
        buf[n++] = '.';
        for (int z = 0; z < -x - 1; z++)
            buf[n++] = '0';
        memcpy(buf + n, dig, (size_t)(last + 1));
        n += last + 1;
    }
    buf[n] = '\0';
    return n;
}

double mg_output_round(double v)
{
    if (!isfinite(v) || v == 0)
        return v;
    uint64_t r;
    int x;
    if (digits12(fabs(v), &r, &x)) {
        /* The written decimal is r · 10^(x - 11), 0 <= 11 - x <= 15: read
         * back by one correctly rounded division, as strtod would. */
        double a = (double)r / pow10_tab[11 - x];
        return v < 0 ? -a : a;
    }
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.12g", v);
    double r2;
    /* printf's "%.12g" of a finite double always reads back. */
    return n > 0 && (size_t)n < sizeof buf && mg_parse_c_double(buf, (size_t)n, &r2, NULL) == 0
               ? r2
               : v;
}

int mg_format_parse(const char *s, enum mg_format *out)
{
    if (strcmp(s, "csv") == 0)
        *out = MG_FORMAT_CSV;
    else if (strcmp(s, "json") == 0)
        *out = MG_FORMAT_JSON;
    else if (strcmp(s, "geojson") == 0)
        *out = MG_FORMAT_GEOJSON;
    else
        return MG_EINVAL;
    return MG_OK;
}

/* s as one CSV field: quoted (its quotes doubled) when it holds one of
 * `special` (the separator, a quote, a line break). */
static void csv_field(FILE *f, const char *s, const char *special)
{
    if (!strpbrk(s, special)) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void mg_output_csv_text(FILE *f, const char *s)
{
    csv_field(f, s, ",\"\r\n");
}

const mg_table_column mg_table_columns[MG_TABLE_COLUMNS] = {
    {"code_insee", "Code INSEE"},
    {"nom", "Commune"},
    {"departement", "Département"},
    {"epci_code", "Code EPCI (SIREN)"},
    {"epci_nom", "EPCI"},
    {"population", "Habitants"},
    {"demand", "Population standardisée"},
    {"practitioners", "Praticiens"},
    {"apl", "APL (maillage)"},
    {"apl_official", "APL officielle (DREES)"},
    {"under_served", "Sous le seuil"},
};

/* How a CSV is written: the separator, and the French variant's decimal
 * comma and quoting. */
typedef struct csv_style {
    char sep;
    bool french;
} csv_style;

static void csv_text(FILE *f, const csv_style *st, const char *s)
{
    csv_field(f, s, st->french ? ";\"\r\n" : ",\"\r\n");
}

/* Numbers: 12 significant digits (far below the data's own precision);
 * an undefined value is an empty field. */
static void csv_num(FILE *f, const csv_style *st, double v)
{
    char buf[32];
    fputc(st->sep, f);
    if (!isfinite(v))
        return;
    if (mg_output_g12(v, buf) <= 0)
        return;
    if (st->french) {
        char *dot = strchr(buf, '.');
        if (dot)
            *dot = ',';
    }
    fputs(buf, f);
}

bool mg_output_under_served(const mg_diagnosis *g, size_t i)
{
    return isfinite(g->prof->threshold) && g->apl[i] < g->prof->threshold;
}

static const char *epci_code(const mg_diagnosis *g, size_t i)
{
    return g->t->epci[i] >= 0 ? g->t->epci_code[g->t->epci[i]] : "";
}

static const char *epci_name(const mg_diagnosis *g, size_t i)
{
    return g->t->epci[i] >= 0 ? g->t->epci_name[g->t->epci[i]] : "";
}

static void write_csv(FILE *f, const mg_diagnosis *g, const mg_column *extra, size_t nextra,
                      const size_t *rows, size_t nrows, bool french)
{
    const csv_style st = {french ? ';' : ',', french};
    if (french)
        fputs("\xEF\xBB\xBF", f); /* the byte order mark: spreadsheets then read UTF-8 */
    for (size_t c = 0; c < MG_TABLE_COLUMNS; c++) {
        if (c)
            fputc(st.sep, f);
        csv_text(f, &st, french ? mg_table_columns[c].label_fr : mg_table_columns[c].key);
    }
    for (size_t c = 0; c < nextra; c++) {
        fputc(st.sep, f);
        csv_text(f, &st, french && extra[c].label_fr ? extra[c].label_fr : extra[c].name);
    }
    fputc('\n', f);
    const mg_territory *t = g->t;
    for (size_t k = 0; k < nrows; k++) {
        size_t i = rows[k];
        fputs(t->code[i], f);
        fputc(st.sep, f);
        csv_text(f, &st, t->name[i]);
        fprintf(f, "%c%s%c%s%c", st.sep, t->dep[i], st.sep, epci_code(g, i), st.sep);
        csv_text(f, &st, epci_name(g, i));
        csv_num(f, &st, t->population[i]);
        csv_num(f, &st, g->demand[i]);
        csv_num(f, &st, g->heads[i]);
        csv_num(f, &st, g->apl[i]);
        csv_num(f, &st, g->official[i]);
        fputc(st.sep, f);
        if (isfinite(g->prof->threshold))
            fputc(mg_output_under_served(g, i) ? '1' : '0', f);
        for (size_t c = 0; c < nextra; c++)
            csv_num(f, &st, extra[c].values[i]);
        fputc('\n', f);
    }
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The properties of commune i (new reference). */
static json_t *commune_props(const mg_diagnosis *g, size_t i, const mg_column *extra,
                             size_t nextra)
{
    const mg_territory *t = g->t;
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "code_insee", json_string(t->code[i]));
    json_object_set_new(o, "nom", json_string(t->name[i]));
    json_object_set_new(o, "departement", json_string(t->dep[i]));
    json_object_set_new(o, "epci_code", json_string(epci_code(g, i)));
    json_object_set_new(o, "epci_nom", json_string(epci_name(g, i)));
    json_object_set_new(o, "population", json_real(t->population[i]));
    json_object_set_new(o, "demand", json_real(g->demand[i]));
    json_object_set_new(o, "practitioners", json_real(g->heads[i]));
    json_object_set_new(o, "apl", num_or_null(g->apl[i]));
    json_object_set_new(o, "apl_official", num_or_null(g->official[i]));
    if (isfinite(g->prof->threshold))
        json_object_set_new(o, "under_served", json_boolean(mg_output_under_served(g, i)));
    for (size_t c = 0; c < nextra; c++)
        json_object_set_new(o, extra[c].name, num_or_null(extra[c].values[i]));
    return o;
}

static json_t *ring_json(const mg_shapes *sh, size_t r)
{
    json_t *ring = json_array();
    for (size_t p = sh->ring_pt[r]; ring && p < sh->ring_pt[r + 1]; p++) {
        /* Six decimals of a degree: about 0.1 m, below the contours' 1 m. */
        json_t *pos = json_pack("[f,f]", round(sh->lon[p] * 1e6) / 1e6,
                                round(sh->lat[p] * 1e6) / 1e6);
        json_array_append_new(ring, pos);
    }
    return ring;
}

static json_t *geometry(const mg_diagnosis *g, size_t i)
{
    const mg_shapes *sh = &g->t->shapes;
    if (sh->npoly && sh->commune_poly[i] < sh->commune_poly[i + 1]) {
        json_t *polys = json_array();
        for (size_t p = sh->commune_poly[i]; p < sh->commune_poly[i + 1]; p++) {
            json_t *rings = json_array();
            for (size_t r = sh->poly_ring[p]; r < sh->poly_ring[p + 1]; r++)
                json_array_append_new(rings, ring_json(sh, r));
            json_array_append_new(polys, rings);
        }
        return json_pack("{s:s,s:o}", "type", "MultiPolygon", "coordinates", polys);
    }
    if (isfinite(g->t->lat[i]))
        return json_pack("{s:s,s:[f,f]}", "type", "Point", "coordinates", g->t->lon[i],
                         g->t->lat[i]);
    return json_null();
}

static json_t *area_json(const mg_area_summary *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(a->code));
    if (a->name)
        json_object_set_new(o, "nom", json_string(a->name));
    json_object_set_new(o, "communes", json_integer((json_int_t)a->communes));
    json_object_set_new(o, "population", json_real(a->population));
    json_object_set_new(o, "demand", json_real(a->demand));
    json_object_set_new(o, "mean", num_or_null(a->mean));
    json_object_set_new(o, "official_mean", num_or_null(a->official_mean));
    json_object_set_new(o, "min", num_or_null(a->min));
    json_object_set_new(o, "max", num_or_null(a->max));
    json_object_set_new(o, "population_below", num_or_null(a->below_population));
    json_object_set_new(o, "share_below", num_or_null(a->below_share));
    json_object_set_new(o, "fgt1", num_or_null(a->fgt1));
    json_object_set_new(o, "gini", num_or_null(a->gini));
    json_object_set_new(o, "theil", num_or_null(a->theil));
    json_object_set_new(o, "d9_d1", num_or_null(a->d9d1));
    json_object_set_new(o, "palma", num_or_null(a->palma));
    return o;
}

json_t *mg_output_summary_json(const mg_diagnosis *g, const mg_summary *s)
{
    (void)g;
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "threshold", num_or_null(s->threshold));
    json_object_set_new(o, "territory", area_json(&s->territory));
    json_object_set_new(o, "theil_between_epci", num_or_null(s->theil_between));
    json_object_set_new(o, "theil_within_epci", num_or_null(s->theil_within));
    json_t *deps = json_array(), *epcis = json_array();
    for (size_t k = 0; k < s->ndep; k++)
        json_array_append_new(deps, area_json(&s->dep[k]));
    for (size_t k = 0; k < s->nepci; k++)
        json_array_append_new(epcis, area_json(&s->epci[k]));
    json_object_set_new(o, "departements", deps);
    json_object_set_new(o, "epci", epcis);
    if (s->compared) {
        json_t *a = json_object();
        json_object_set_new(a, "communes", json_integer((json_int_t)s->compared));
        json_object_set_new(a, "spearman", num_or_null(s->spearman));
        json_object_set_new(a, "pearson", num_or_null(s->pearson));
        json_object_set_new(a, "mean_absolute_error", num_or_null(s->mae));
        json_object_set_new(a, "below_both", json_integer((json_int_t)s->confusion.both_below));
        json_object_set_new(a, "below_ours_only", json_integer((json_int_t)s->confusion.only_a_below));
        json_object_set_new(a, "below_official_only", json_integer((json_int_t)s->confusion.only_b_below));
        json_object_set_new(a, "above_both", json_integer((json_int_t)s->confusion.both_above));
        json_object_set_new(o, "agreement", a);
    }
    return o;
}

static json_t *meta_json(const mg_diagnosis *g)
{
    const mg_diagnosis_opts *o = &g->opts;
    json_t *m = json_object();
    json_object_set_new(m, "profession", json_string(g->prof->key));
    json_object_set_new(m, "profession_label", json_string(g->prof->label));
    json_object_set_new(m, "unit", json_string(g->prof->unit));
    json_object_set_new(m, "bpe_type", json_string(g->prof->bpe_type));
    json_object_set_new(m, "catchment_minutes", json_real(o->catchment));
    json_object_set_new(m, "travel_times", json_string(o->matrix ? "matrix" : o->graph || o->osm ? "road" : "crow-fly"));
    if (!o->matrix && !o->graph && !o->osm) {
        json_object_set_new(m, "detour", json_real(o->crowfly.detour));
        json_object_set_new(m, "speed_kmh", json_real(o->crowfly.speed_kmh));
        json_object_set_new(m, "access_minutes", json_real(o->crowfly.access_min));
        json_object_set_new(m, "time_spread", json_real(o->time_spread));
    }
    json_object_set_new(m, "activity_exponent", json_real(o->activity_exponent));
    json_object_set_new(m, "activity_reference", json_real(o->activity_reference));
    json_object_set_new(m, "centre_practitioners", json_real(o->centre_heads));
    json_object_set_new(m, "calibrated_defaults", json_boolean(!o->model_explicit));
    json_object_set_new(m, "neighbours", json_boolean(o->neighbours));
    json_object_set_new(m, "points", json_string(o->points == MG_POINTS_CONTOURS ? "contours" : "laposte"));
    json_object_set_new(m, "official_column",
                        g->official_column ? json_string(g->official_column) : json_null());
    return m;
}

int mg_output_table(FILE *f, enum mg_format fmt, const mg_diagnosis *g,
                    const mg_column *extra, size_t nextra, const mg_summary *s, mg_diag *d)
{
    return mg_output_table_opt(f, fmt, g, extra, nextra, s, NULL, d);
}

int mg_output_table_opt(FILE *f, enum mg_format fmt, const mg_diagnosis *g,
                        const mg_column *extra, size_t nextra, const mg_summary *s,
                        const mg_table_opts *opt, mg_diag *d)
{
    const size_t *sel = opt && opt->rows ? opt->rows : g->study;
    size_t nsel = opt && opt->rows ? opt->nrows : g->study_n;
    if (fmt == MG_FORMAT_CSV) {
        write_csv(f, g, extra, nextra, sel, nsel, opt && opt->french);
    } else {
        json_t *rows = json_array();
        for (size_t k = 0; k < nsel; k++) {
            size_t i = sel[k];
            json_t *props = commune_props(g, i, extra, nextra);
            if (fmt == MG_FORMAT_GEOJSON)
                json_array_append_new(rows, json_pack("{s:s,s:o,s:o}", "type", "Feature",
                                                      "geometry", geometry(g, i),
                                                      "properties", props));
            else
                json_array_append_new(rows, props);
        }
        json_t *doc;
        if (fmt == MG_FORMAT_GEOJSON)
            doc = json_pack("{s:s,s:o,s:o}", "type", "FeatureCollection", "maillage",
                            meta_json(g), "features", rows);
        else
            doc = json_pack("{s:o,s:o}", "meta", meta_json(g), "communes", rows);
        if (!doc)
            return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory while writing");
        if (s && fmt == MG_FORMAT_JSON)
            json_object_set_new(doc, "summary", mg_output_summary_json(g, s));
        int r = json_dumpf(doc, f, JSON_INDENT(fmt == MG_FORMAT_JSON ? 1 : 0) |
                                       JSON_REAL_PRECISION(12));
        json_decref(doc);
        if (r)
            return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot write the table");
        fputc('\n', f);
    }
    if (fflush(f) != 0 || ferror(f))
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot write the table");
    return MG_OK;
}
