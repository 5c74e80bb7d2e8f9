#include "diagnosis/diagnosis.h"
#include "diagnosis/scope.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "directory/formats.h"
#include "io/reader.h"
#include "routing/routing.h"

mg_diagnosis_opts mg_diagnosis_defaults(void)
{
    mg_diagnosis_opts o = {
        .profession = "mg",
        .points = MG_POINTS_LAPOSTE,
        .neighbours = true,
        .catchment = 20,
        .official_age = MG_AGE_NONE,
    };
    mg_model m = mg_model_defaults_for(o.profession);
    mg_diagnosis_set_model(&o, &m);
    return o;
}

mg_model mg_diagnosis_model(const mg_diagnosis_opts *o)
{
    return (mg_model){
        .crowfly = o->crowfly,
        .time_spread = o->time_spread,
        .activity_exponent = o->activity_exponent,
        .activity_reference = o->activity_reference,
        .centre_heads = o->centre_heads,
    };
}

void mg_diagnosis_set_model(mg_diagnosis_opts *o, const mg_model *m)
{
    o->crowfly = m->crowfly;
    o->time_spread = m->time_spread;
    o->activity_exponent = m->activity_exponent;
    o->activity_reference = m->activity_reference;
    o->centre_heads = m->centre_heads;
}

void mg_diagnosis_free(mg_diagnosis *g)
{
    if (!g)
        return;
    mg_territory_free(g->t);
    mg_pairs_free(&g->pairs);
    free(g->heads);
    free(g->centres);
    free(g->per_head);
    free(g->supply);
    free(g->demand);
    free(g->apl);
    free(g->official);
    free(g->official_column);
    free(g->study);
    mg_report_free(&g->report);
    free(g);
}

static void progress_say(mg_progress_fn fn, void *ctx, const char *step, double f)
{
    if (fn)
        fn(ctx, step, f);
}

/* Finds the first of several candidate names in dir. */
static int find_one(char **out, const char *dir, const char *const *names, size_t n,
                    const char *what, mg_diag *d)
{
    for (size_t k = 0; k < n; k++) {
        mg_diag tmp = {{0}};
        if (mg_find_data_file(out, dir, names[k], &tmp) == MG_OK)
            return MG_OK;
    }
    return mg_diag_set(d, MG_ENOTFOUND, dir, 0, 0, "no %s found (expected %s%s%s)", what,
                       names[0], n > 1 ? " or " : "", n > 1 ? names[1] : "");
}

typedef struct code_index {
    mg_code code;
    size_t idx;
} code_index;

static int cmp_code_index(const void *a, const void *b)
{
    return strcmp(((const code_index *)a)->code, ((const code_index *)b)->code);
}

/* Orders the study communes by code (qsort has no context argument, so the
 * codes are copied beside the indices). */
static int sort_study(size_t *idx, size_t n, const mg_territory *t)
{
    code_index *ci = mg_alloc_array(n, sizeof *ci);
    if (!ci)
        return MG_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        memcpy(ci[k].code, t->code[idx[k]], sizeof ci[k].code);
        ci[k].idx = idx[k];
    }
    qsort(ci, n, sizeof *ci, cmp_code_index);
    for (size_t k = 0; k < n; k++)
        idx[k] = ci[k].idx;
    free(ci);
    return MG_OK;
}

/* Road times from a graph file or an extract (docs/routing.md): the points
 * of the communes taking part are snapped to the roads, the snapping
 * distance costs an allowance, and points with no road within reach only
 * get their own pair (reported). */
static int road_pairs(mg_diagnosis *g, const mg_diagnosis_opts *o, mg_diag *d)
{
    const mg_territory *t = g->t;
    mg_graph *road = NULL;
    int rc = o->graph ? mg_graph_open(o->graph, &road, d) : mg_route_build(o->osm, NULL, &road, d);
    if (rc)
        return rc;
    size_t unsnapped = 0;
    rc = mg_route_pairs(road, t->lat, t->lon, o->neighbours ? NULL : t->in_study, t->n,
                        o->catchment, &g->pairs, &unsnapped, d);
    if (!rc && unsnapped)
        mg_report_add(&g->report,
                      "%zu commune point%s further than %.0f m from the roads of %s: they only "
                      "reach themselves",
                      unsnapped, unsnapped > 1 ? "s" : "", MG_ROUTE_MAX_SNAP_M,
                      o->graph ? o->graph : o->osm);
    mg_graph_close(road);
    return rc;
}

/*
 * --practitioners: the GPs of the study communes from an annuaire santé
 * extraction (directory/formats.h, mg_annuaire_read: general practitioners
 * outside hospitals, grouped by practice) instead of the BPE's head count;
 * the neighbours keep the BPE's, the file being often one département's.
 */
static int practitioner_heads(mg_diagnosis *g, const char *path, mg_diag *d)
{
    if (strcmp(g->prof->key, "mg") != 0)
        return mg_diag_set(d, MG_EINVAL, path, 0, 0,
                           "--practitioners counts general practitioners: it applies to the "
                           "profession mg only");
    mg_reader *r = NULL;
    int rc = mg_reader_open(&r, path, d);
    if (rc)
        return rc;
    size_t n = 0, cap = 1 << 20;
    char *text = malloc(cap);
    for (;;) {
        if (!text) {
            rc = mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
            break;
        }
        if (n == cap) {
            char *p = realloc(text, cap * 2);
            if (!p) {
                free(text);
                text = NULL;
                continue;
            }
            text = p;
            cap *= 2;
        }
        ssize_t got = mg_reader_read(r, text + n, cap - n, d);
        if (got < 0) {
            rc = (int)got;
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    mg_reader_close(r);
    if (rc) {
        free(text);
        return rc;
    }
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report rep;
    mg_dir_report_init(&rep);
    rc = mg_annuaire_read(path, text, n, NULL, NULL, &set, NULL, &rep, d);
    free(text);
    if (rc == MG_EINVAL)
        rc = MG_EPARSE; /* refused lines: a malformed input file */
    if (rc && rep.n) {
        mg_diag one = {{0}};
        mg_diag_set(&one, rc, path, rep.rows[0].line, rep.rows[0].column, "%s",
                    rep.rows[0].message);
        *d = one;
    }
    if (rc == 0) {
        const mg_territory *t = g->t;
        double counted = 0, unknown = 0;
        size_t practices = 0;
        for (size_t i = 0; i < t->n; i++)
            if (t->in_study[i])
                g->heads[i] = 0;
        for (size_t k = 0; k < set.nstructures; k++) {
            const mg_dir_structure *s = &set.structures[k];
            long i = mg_territory_find(t, s->commune_code);
            if (i < 0)
                unknown += s->practitioners;
            else if (t->in_study[i]) {
                g->heads[i] += s->practitioners;
                counted += s->practitioners;
                practices++;
            }
        }
        mg_report_add(&g->report,
                      "%s: %.0f general practitioners in %zu practices of the study territory "
                      "counted instead of the BPE's%s",
                      path, counted, practices, unknown > 0 ? " (some commune codes unknown)" : "");
    }
    mg_dir_report_free(&rep);
    mg_dir_set_free(&set);
    return rc;
}

int mg_diagnosis_load(mg_diagnosis **out, const mg_diagnosis_opts *given,
                      mg_progress_fn progress, void *pctx, mg_diag *d)
{
    *out = NULL;
    /* Unless the model was chosen, the profession's calibrated one. */
    mg_diagnosis_opts resolved = *given;
    const mg_diagnosis_opts *o = &resolved;
    if (!given->model_explicit && given->profession) {
        mg_model m = mg_model_defaults_for(given->profession);
        mg_diagnosis_set_model(&resolved, &m);
    }
    if (!o->bundle || !o->france)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "both a bundle folder and a France folder are needed");
    const char *dirs[2] = {o->bundle, o->france};
    for (int k = 0; k < 2; k++) {
        struct stat st;
        if (stat(dirs[k], &st) != 0)
            return mg_diag_set(d, MG_ENOTFOUND, dirs[k], 0, 0, "cannot open the %s folder: %s",
                               k ? "France" : "bundle", strerror(errno));
        if (!S_ISDIR(st.st_mode))
            return mg_diag_set(d, MG_ENOTFOUND, dirs[k], 0, 0, "expected a folder");
    }
    mg_diagnosis *g = calloc(1, sizeof *g);
    if (!g)
        return MG_ENOMEM;
    g->opts = *o;
    char *communes = NULL, *epci = NULL, *laposte = NULL, *bpe = NULL, *contours = NULL,
         *drees = NULL;
    int rc;

    g->prof = mg_profession_lookup(o->profession);
    if (!g->prof) {
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                         "unknown profession \"%s\": expected mg, inf, mk, sf or cd", o->profession);
        goto fail;
    }
    if ((rc = mg_measure_lookup("apl", o->catchment, &g->apl_spec, d)))
        goto fail;
    if (o->steps && (rc = mg_decay_parse_steps(o->steps, &g->apl_spec.decay, d)))
        goto fail;
    if (g->apl_spec.decay.upper[g->apl_spec.decay.nsteps - 1] > o->catchment) {
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                         "the APL profile reaches %g minutes, beyond the catchment of %g minutes",
                         g->apl_spec.decay.upper[g->apl_spec.decay.nsteps - 1], o->catchment);
        goto fail;
    }
    g->apl_spec.scale = g->prof->scale;
    {
        mg_model m = mg_diagnosis_model(o);
        if ((rc = mg_model_check(&m, d)))
            goto fail;
    }
    if ((o->matrix != NULL) + (o->graph != NULL) + (o->osm != NULL) > 1) {
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                         "give one source of travel times: a matrix, a road graph or an OSM extract");
        goto fail;
    }
    /* The spread stands for the uncertainty of crow-fly times: road times
     * and external tables are taken as they are. */
    bool crowfly = !o->matrix && !o->graph && !o->osm;
    if (crowfly && o->time_spread > 0 &&
        (rc = mg_decay_set_spread(&g->apl_spec.decay, o->time_spread, d)))
        goto fail;
    double table_max = fmax(o->catchment, g->apl_spec.decay.catchment);
    if (o->supply_per_head < 0 || !isfinite(o->supply_per_head)) {
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "supply per practitioner %g: expected a positive number",
                         o->supply_per_head);
        goto fail;
    }

    static const char *const n_communes[] = {"communes.json"};
    static const char *const n_epci[] = {"epci.json"};
    static const char *const n_laposte[] = {"laposte_hexasmal_2020.csv", "laposte_hexasmal.csv"};
    static const char *const n_bpe[] = {"bpe19_ensemble_sante.csv", "bpe19_ensemble.csv"};
    static const char *const n_contours[] = {"communes.geojson"};
    /* The DREES file converted to text, or the workbook as published. */
    char drees_name[64], drees_xlsx[64];
    snprintf(drees_name, sizeof drees_name, "apl_%s_2021.csv", g->prof->key);
    snprintf(drees_xlsx, sizeof drees_xlsx, "apl_%s_2021.xlsx", g->prof->key);
    const char *n_drees[] = {drees_name, drees_xlsx};
    if ((rc = find_one(&communes, o->france, n_communes, 1, "commune list", d)) ||
        (rc = find_one(&epci, o->france, n_epci, 1, "EPCI list", d)) ||
        (rc = find_one(&laposte, o->france, n_laposte, 2, "La Poste postcode file", d)) ||
        (rc = find_one(&bpe, o->france, n_bpe, 2, "INSEE BPE file", d)))
        goto fail;
    mg_diag none = {{0}};
    if (find_one(&contours, o->bundle, n_contours, 1, "contours", &none) != MG_OK)
        contours = NULL;
    if (find_one(&drees, o->bundle, n_drees, 2, "DREES APL file", &none) != MG_OK)
        drees = NULL;
    if (!contours && !drees) {
        rc = mg_diag_set(d, MG_ENOTFOUND, o->bundle, 0, 0,
                         "the bundle has neither communes.geojson nor %s: no study territory",
                         drees_name);
        goto fail;
    }

    progress_say(progress, pctx, "communes", 0);
    if ((rc = mg_import_cog(&g->t, communes, epci, &g->report, d)))
        goto fail;
    mg_territory *t = g->t;
    size_t n = t->n;
    progress_say(progress, pctx, "points", 0.3);
    if ((rc = mg_import_laposte(t, laposte, &g->report, d)))
        goto fail;
    if (contours && (rc = mg_import_contours(t, contours, o->points == MG_POINTS_CONTOURS,
                                             &g->report, d)))
        goto fail;
    g->official = mg_alloc_array(n, sizeof *g->official);
    g->heads = mg_alloc_array(n, sizeof *g->heads);
    g->per_head = mg_alloc_array(n, sizeof *g->per_head);
    g->supply = mg_alloc_array(n, sizeof *g->supply);
    g->demand = mg_alloc_array(n, sizeof *g->demand);
    g->apl = mg_alloc_array(n, sizeof *g->apl);
    if (!g->official || !g->heads || !g->per_head || !g->supply || !g->demand || !g->apl) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        g->official[i] = NAN;
    g->official_age = o->official_age;
    /* The standardised population of every commune of France, when the
     * France folder holds the national DREES file of the profession: the
     * neighbours' demand is then the same as in the national calibration,
     * not their raw population (which for midwives, say, is twice the
     * standardised one). Only the population is taken from it: the study
     * territory and its official values are the bundle's. */
    char *national = NULL;
    if (find_one(&national, o->france, n_drees, 1, "national DREES file", &none) == MG_OK) {
        uint8_t *keep = mg_alloc_array(n, sizeof *keep);
        if (!keep) {
            free(national);
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            goto fail;
        }
        memcpy(keep, t->in_study, n * sizeof *keep);
        mg_report quiet = {0};
        rc = mg_import_drees(t, national, MG_AGE_NONE, MG_DREES_ALLOW_MISSING, NULL, NULL, NULL,
                             NULL, &quiet, d);
        mg_report_free(&quiet);
        memcpy(t->in_study, keep, n * sizeof *keep);
        free(keep);
        free(national);
        if (rc)
            goto fail;
    }
    unsigned drees_flags = (o->allow_missing ? MG_DREES_ALLOW_MISSING : 0u) |
                           (contours ? MG_DREES_STUDY_IS_TERRITORY : 0u);
    if (drees && (rc = mg_import_drees(t, drees, o->official_age, drees_flags, g->official,
                                       &g->official_age, &g->official_column,
                                       &g->official_missing, &g->report, d)))
        goto fail;
    progress_say(progress, pctx, "supply", 0.5);
    if ((rc = mg_import_bpe(t, bpe, g->prof->bpe_type, g->heads, &g->unmapped_heads,
                            &g->report, d)))
        goto fail;
    /* Health centres count as extra GPs when the model says so (the BPE
     * has no head count for them). */
    if (o->centre_heads > 0 && strcmp(g->prof->key, "mg") == 0) {
        double unmapped = 0;
        g->centres = mg_alloc_array(n, sizeof *g->centres);
        if (!g->centres) {
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            goto fail;
        }
        if ((rc = mg_import_bpe(t, bpe, "D108", g->centres, &unmapped, &g->report, d)))
            goto fail;
    }

    if (o->practitioners && (rc = practitioner_heads(g, o->practitioners, d)))
        goto fail;

    g->study_n = mg_territory_study_count(t);
    g->study = mg_alloc_array(g->study_n, sizeof *g->study);
    if (!g->study) {
        rc = MG_ENOMEM;
        goto fail;
    }
    size_t s = 0, nopoint = 0;
    for (size_t i = 0; i < n; i++) {
        if (!t->in_study[i])
            continue;
        g->study[s++] = i;
        if (t->point_src[i] == MG_POINT_NONE && nopoint++ < 20)
            mg_report_add(&g->report, "commune %s (%s) has no point: it only reaches itself",
                          t->code[i], t->name[i]);
    }
    if ((rc = sort_study(g->study, g->study_n, t))) {
        mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
        goto fail;
    }

    /* The national volume of care stays that of the head counts: counting
     * health centres spreads it over more practitioners. */
    double per_head = o->supply_per_head > 0 ? o->supply_per_head : g->prof->supply_per_head;
    if (g->centres) {
        double sum_heads = 0, sum_centres = 0;
        for (size_t i = 0; i < n; i++) {
            sum_heads += g->heads[i];
            sum_centres += g->centres[i];
        }
        if (sum_heads > 0)
            per_head *= sum_heads / (sum_heads + o->centre_heads * sum_centres);
    }
    double *heads_in = mg_alloc_array(n, sizeof *heads_in);
    if (!heads_in) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        bool in = t->in_study[i] || o->neighbours;
        heads_in[i] = in ? g->heads[i] : 0;
        if (g->centres && !in)
            g->centres[i] = 0;
        double dem = isfinite(t->pop_std[i]) ? t->pop_std[i] : t->population[i];
        g->demand[i] = in ? dem : 0;
    }

    progress_say(progress, pctx, "travel times", 0.7);
    if (o->matrix) {
        rc = mg_pairs_read_csv(t, o->matrix, o->catchment, &g->pairs, &g->report, d);
    } else if (o->graph || o->osm) {
        rc = road_pairs(g, o, d);
    } else {
        rc = mg_pairs_crowfly(t->lat, t->lon, o->neighbours ? NULL : t->in_study, n,
                              &o->crowfly, table_max, &g->pairs, d);
    }
    if (rc) {
        free(heads_in);
        goto fail;
    }
    /* The APL's weights, computed once: the supply model reads them (the
     * activity per practitioner may vary, either way, with the demand
     * within reach) and the two steps use them. */
    double *w = mg_alloc_array(g->pairs.npairs ? g->pairs.npairs : 1, sizeof *w);
    double *ratio = mg_alloc_array(n ? n : 1, sizeof *ratio);
    if (!w || !ratio) {
        free(w);
        free(ratio);
        free(heads_in);
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto fail;
    }
    mg_access_weights(&g->pairs, &g->apl_spec.decay, w);
    mg_model model = mg_diagnosis_model(o);
    rc = mg_model_supply(&g->pairs, w, heads_in, g->centres, g->demand, &model, per_head,
                         g->supply, g->per_head, NULL);
    free(heads_in);
    if (rc) {
        free(w);
        free(ratio);
        mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
        goto fail;
    }
    progress_say(progress, pctx, "APL", 0.9);
    /* mg_access_compute's E2SFCA on these weights. */
    mg_access_two_step(&g->pairs, w, w, g->supply, g->demand, ratio, g->apl);
    for (size_t i = 0; i < n; i++)
        g->apl[i] *= g->apl_spec.scale;
    free(w);
    free(ratio);
    progress_say(progress, pctx, "done", 1);
    free(communes);
    free(epci);
    free(laposte);
    free(bpe);
    free(contours);
    free(drees);
    *out = g;
    return MG_OK;
fail:
    free(communes);
    free(epci);
    free(laposte);
    free(bpe);
    free(contours);
    free(drees);
    mg_diagnosis_free(g);
    return rc;
}

int mg_diagnosis_measure(const mg_diagnosis *g, const char *name, double *out, mg_diag *d)
{
    mg_measure_spec m;
    int rc = mg_measure_lookup(name, g->opts.catchment, &m, d);
    if (rc)
        return rc;
    if (strcmp(name, "apl") == 0) {
        memcpy(out, g->apl, g->t->n * sizeof *out);
        return MG_OK;
    }
    if (m.decay.kind == MG_DECAY_STEP && g->opts.steps)
        m.decay = g->apl_spec.decay;
    const double *supply = g->supply;
    double *heads = NULL;
    if (m.measure == MG_MEASURE_GRAVITY || m.measure == MG_MEASURE_CUMULATIVE ||
        m.measure == MG_MEASURE_NEAREST) {
        /* Opportunities are counted in practitioners. */
        heads = mg_alloc_array(g->t->n, sizeof *heads);
        if (!heads)
            return MG_ENOMEM;
        for (size_t i = 0; i < g->t->n; i++)
            heads[i] = g->supply[i] > 0 ? g->heads[i] : 0;
        supply = heads;
    } else {
        m.scale = g->prof->scale;
    }
    rc = mg_access_compute(&g->pairs, supply, g->demand, &m, out, d);
    free(heads);
    return rc;
}

/* After the study list was narrowed to its first m entries: the inhabited
 * communes without an official value, counted in the scope. */
static void narrowed(mg_diagnosis *g, size_t m)
{
    /* The study flags follow (planning takes its candidates and objective
     * from them); the values were computed before and stay. */
    memset(g->t->in_study, 0, g->t->n);
    for (size_t k = 0; k < m; k++)
        g->t->in_study[g->study[k]] = 1;
    g->study_n = m;
    if (!g->official_missing)
        return;
    size_t missing = 0;
    for (size_t k = 0; k < m; k++)
        missing += isnan(g->official[g->study[k]]) && g->t->population[g->study[k]] > 0;
    g->official_missing = missing;
}

/* Narrows g to the scope s. */
static void narrow_to(mg_diagnosis *g, const mg_scope *s)
{
    memcpy(g->study, s->idx, s->n * sizeof *g->study);
    narrowed(g, s->n);
}

int mg_diagnosis_scope(mg_diagnosis *g, const char *spec, mg_diag *d)
{
    mg_scope s;
    int rc = mg_scope_parse(g, spec, &s, d);
    if (rc)
        return rc;
    narrow_to(g, &s);
    mg_scope_free(&s);
    return MG_OK;
}

int mg_diagnosis_scope_marked(mg_diagnosis *g, const uint8_t *mark, const char *name,
                              mg_diag *d)
{
    mg_scope s;
    int rc = mg_scope_from_marks(g, mark, name, &s, d);
    if (rc)
        return rc;
    narrow_to(g, &s);
    mg_scope_free(&s);
    return MG_OK;
}
