#include "calibrate/calibrate.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "core/alloc.h"
#include "geo/geo.h"
#include "stats/agreement.h"
#include "traveltime/pairs.h"

mg_calib_box mg_calib_box_default(void)
{
    /* Speeds on the road distance (detour 1.3) from 30 to 80 km/h; an
     * access time up to 8 minutes; a spread up to 0.35 (the weights then
     * reach 20·e^{2.5·0.35} = 48 minutes); an activity exponent from −1 to 1.5;
     * up to 6 practitioners per health centre. */
    return (mg_calib_box){
        .lo = {30, 0, 0, -1, 0},
        .hi = {80, 8, 0.35, 1.5, 6},
        .step = {8, 2, 0.08, 0.3, 1.5},
        .tol = {0.25, 0.05, 0.004, 0.01, 0.05},
    };
}

typedef struct pair_km {
    float km;
    uint32_t to;
} pair_km;

struct mg_calib_data {
    size_t n, npairs;
    size_t *start;   /* n + 1 */
    pair_km *pair;   /* rows sorted by distance; (i, i) first at 0 km */
    double *demand, *heads, *centres, *official;
    int32_t *group;  /* -1: not compared */
    size_t ngroups;
    char (*code)[4];
    size_t *gstart;  /* ngroups + 1 offsets into member */
    size_t *member;
    double per_head, scale, threshold, detour, flags_weight;
    double sum_heads, sum_centres;
    mg_decay steps;
};

void mg_calib_data_free(mg_calib_data *c)
{
    if (!c)
        return;
    free(c->start);
    free(c->pair);
    free(c->demand);
    free(c->heads);
    free(c->centres);
    free(c->official);
    free(c->group);
    free(c->code);
    free(c->gstart);
    free(c->member);
    free(c);
}

size_t mg_calib_groups(const mg_calib_data *c) { return c->ngroups; }
const char *mg_calib_group_code(const mg_calib_data *c, size_t g) { return c->code[g]; }
size_t mg_calib_group_size(const mg_calib_data *c, size_t g) { return c->gstart[g + 1] - c->gstart[g]; }
size_t mg_calib_pairs(const mg_calib_data *c) { return c->npairs; }

static double *copy_doubles(const double *src, size_t n)
{
    double *p = mg_alloc_array(n, sizeof *p);
    if (p)
        memcpy(p, src, n * sizeof *p);
    return p;
}

static int cmp_pair_km(const void *a, const void *b)
{
    const pair_km *x = a, *y = b;
    if (x->km != y->km)
        return x->km < y->km ? -1 : 1;
    return x->to < y->to ? -1 : x->to > y->to;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The départements that count, sorted by code, and their members. */
static int build_groups(mg_calib_data *c, const mg_calib_input *in)
{
    size_t n = in->n, ncmp = 0;
    char(*codes)[4] = mg_alloc_array(n ? n : 1, sizeof *codes);
    if (!codes)
        return MG_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (isfinite(in->official[i]) && in->group[i][0])
            memcpy(codes[ncmp++], in->group[i], 4);
    qsort(codes, ncmp, sizeof *codes, cmp_code);
    size_t nd = 0;
    for (size_t k = 0; k < ncmp;) {
        size_t e = k;
        while (e < ncmp && strcmp(codes[e], codes[k]) == 0)
            e++;
        if (e - k >= in->min_group)
            memcpy(codes[nd++], codes[k], 4);
        k = e;
    }
    c->ngroups = nd;
    c->code = codes;
    c->group = mg_alloc_array(n ? n : 1, sizeof *c->group);
    c->gstart = mg_alloc_array(nd + 1, sizeof *c->gstart);
    c->member = mg_alloc_array(ncmp ? ncmp : 1, sizeof *c->member);
    if (!c->group || !c->gstart || !c->member)
        return MG_ENOMEM;
    size_t *count = c->gstart; /* counts first, offsets after */
    for (size_t i = 0; i < n; i++) {
        c->group[i] = -1;
        if (!isfinite(in->official[i]) || !in->group[i][0])
            continue;
        const char(*hit)[4] = bsearch(in->group[i], codes, nd, sizeof *codes, cmp_code);
        if (hit) {
            c->group[i] = (int32_t)(hit - (const char(*)[4])codes);
            count[c->group[i] + 1]++;
        }
    }
    for (size_t g = 0; g < nd; g++)
        c->gstart[g + 1] += c->gstart[g];
    size_t *fill = mg_alloc_array(nd + 1, sizeof *fill);
    if (!fill)
        return MG_ENOMEM;
    memcpy(fill, c->gstart, (nd + 1) * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        if (c->group[i] >= 0)
            c->member[fill[c->group[i]]++] = i;
    free(fill);
    return MG_OK;
}

int mg_calib_data_new(mg_calib_data **out, const mg_calib_input *in, const mg_calib_box *box,
                      mg_diag *d)
{
    *out = NULL;
    if (in->steps.kind != MG_DECAY_STEP || in->steps.spread != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "calibration: expected a sharp step profile");
    mg_calib_data *c = calloc(1, sizeof *c);
    if (!c)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    size_t n = in->n;
    c->n = n;
    c->per_head = in->per_head;
    c->scale = in->scale;
    c->threshold = in->threshold;
    c->detour = in->detour;
    c->flags_weight = isfinite(in->threshold) ? in->flags_weight : 0;
    c->steps = in->steps;
    c->demand = copy_doubles(in->demand, n);
    c->heads = copy_doubles(in->heads, n);
    c->official = copy_doubles(in->official, n);
    c->centres = in->centres ? copy_doubles(in->centres, n) : NULL;
    int rc = MG_ENOMEM;
    if (!c->demand || !c->heads || !c->official || (in->centres && !c->centres))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        c->sum_heads += c->heads[i];
        c->sum_centres += c->centres ? c->centres[i] : 0;
    }
    if ((rc = build_groups(c, in)))
        goto fail;
    if (c->ngroups < 2) {
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                         "calibration needs official values in at least two départements with %zu "
                         "communes or more each; found %zu",
                         in->min_group, c->ngroups);
        goto fail;
    }

    /* Every pair the fastest, most spread model of the box can weigh:
     * distances in km (a crow-fly table at 60 km/h without detour gives
     * minutes = km). */
    double reach = in->steps.upper[in->steps.nsteps - 1] *
                   exp(MG_DECAY_SPREAD_Z * box->hi[MG_CALIB_SPREAD]);
    double max_km = (reach - box->lo[MG_CALIB_ACCESS]) * box->hi[MG_CALIB_SPEED] / (60 * in->detour);
    /* Only the communes within two reaches of a compared one can change its
     * value (its practices' demand comes from one reach further); when few
     * are compared, the others get no pair, which makes a calibration on a
     * few départements cheap. */
    uint8_t *include = NULL;
    size_t ncmp = c->gstart[c->ngroups];
    if (ncmp < n / 2) {
        include = calloc(n ? n : 1, 1);
        if (!include) {
            rc = MG_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(in->lat[i]) || !isfinite(in->lon[i]))
                continue;
            for (size_t q = 0; q < ncmp && !include[i]; q++) {
                size_t j = c->member[q];
                include[i] = i == j || mg_geo_distance_km(in->lat[i], in->lon[i], in->lat[j],
                                                          in->lon[j]) <= 2 * max_km;
            }
        }
    }
    mg_pairs p;
    mg_crowfly unit = {1, 60, 0};
    rc = mg_pairs_crowfly(in->lat, in->lon, include, n, &unit, max_km, &p, d);
    free(include);
    if (rc)
        goto fail_quiet;
    c->npairs = p.npairs;
    c->start = mg_alloc_array(n + 1, sizeof *c->start);
    c->pair = mg_alloc_array(p.npairs ? p.npairs : 1, sizeof *c->pair);
    if (!c->start || !c->pair) {
        mg_pairs_free(&p);
        rc = MG_ENOMEM;
        goto fail;
    }
    memcpy(c->start, p.start, (n + 1) * sizeof *c->start);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = p.start[i]; k < p.start[i + 1]; k++)
            c->pair[k] = (pair_km){p.to[k] == i ? 0.0f : (float)p.minutes[k], p.to[k]};
        qsort(c->pair + p.start[i], p.start[i + 1] - p.start[i], sizeof *c->pair, cmp_pair_km);
    }
    mg_pairs_free(&p);
    *out = c;
    return MG_OK;
fail:
    if (rc == MG_ENOMEM)
        mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
fail_quiet:
    mg_calib_data_free(c);
    return rc;
}

mg_model mg_calib_model(const mg_calib_data *c, const double x[MG_CALIB_NPARAM])
{
    return (mg_model){
        .crowfly = {c->detour, x[MG_CALIB_SPEED], x[MG_CALIB_ACCESS]},
        .time_spread = x[MG_CALIB_SPREAD],
        .activity_exponent = x[MG_CALIB_ACTIVITY],
        .centre_heads = x[MG_CALIB_CENTRES],
    };
}

void mg_calib_vector(const mg_model *m, double x[MG_CALIB_NPARAM])
{
    x[MG_CALIB_SPEED] = m->crowfly.speed_kmh;
    x[MG_CALIB_ACCESS] = m->crowfly.access_min;
    x[MG_CALIB_SPREAD] = m->time_spread;
    x[MG_CALIB_ACTIVITY] = m->activity_exponent;
    x[MG_CALIB_CENTRES] = m->centre_heads;
}

/* Scratch space of one evaluation, reused across evaluations of a thread. */
typedef struct work {
    size_t cap;
    size_t *start;
    uint32_t *to;
    double *t, *w;
    double *supply, *ratio, *apl, *a, *b;
} work;

static void work_free(work *k)
{
    free(k->start);
    free(k->to);
    free(k->t);
    free(k->w);
    free(k->supply);
    free(k->ratio);
    free(k->apl);
    free(k->a);
    free(k->b);
    memset(k, 0, sizeof *k);
}

static int work_init(work *k, const mg_calib_data *c)
{
    memset(k, 0, sizeof *k);
    size_t n = c->n ? c->n : 1, cap = c->npairs ? c->npairs : 1;
    k->cap = cap;
    k->start = mg_alloc_array(n + 1, sizeof *k->start);
    k->to = mg_alloc_array(cap, sizeof *k->to);
    k->t = mg_alloc_array(cap, sizeof *k->t);
    k->w = mg_alloc_array(cap, sizeof *k->w);
    k->supply = mg_alloc_array(n, sizeof *k->supply);
    k->ratio = mg_alloc_array(n, sizeof *k->ratio);
    k->apl = mg_alloc_array(n, sizeof *k->apl);
    k->a = mg_alloc_array(n, sizeof *k->a);
    k->b = mg_alloc_array(n, sizeof *k->b);
    if (!k->start || !k->to || !k->t || !k->w || !k->supply || !k->ratio || !k->apl || !k->a ||
        !k->b) {
        work_free(k);
        return MG_ENOMEM;
    }
    return MG_OK;
}

static void score_group(const mg_calib_data *c, size_t g, const double *apl, work *k,
                        mg_calib_score *s)
{
    size_t m = 0;
    memset(s, 0, sizeof *s);
    for (size_t q = c->gstart[g]; q < c->gstart[g + 1]; q++) {
        size_t i = c->member[q];
        k->a[m] = apl[i];
        k->b[m] = c->official[i];
        m++;
        if (isfinite(c->threshold)) {
            bool ours = apl[i] < c->threshold, off = c->official[i] < c->threshold;
            s->both_below += ours && off;
            s->only_ours += ours && !off;
            s->only_official += !ours && off;
            s->both_above += !ours && !off;
        }
    }
    s->communes = m;
    if (mg_stats_spearman(k->a, k->b, m, &s->spearman) != MG_OK)
        s->spearman = NAN;
    if (mg_stats_pearson(k->a, k->b, m, &s->pearson) != MG_OK)
        s->pearson = NAN;
}

/* One evaluation: the table cut at the model's reach, its weights, the
 * supply and the two steps by the engine's own functions (so the figures
 * are those `maillage access` gives for the same model), then the scores. */
static int evaluate(const mg_calib_data *c, const mg_model *m, work *k, mg_calib_score *scores,
                    const uint8_t *exclude, double *objective, double *reference)
{
    mg_decay f = c->steps;
    if (mg_decay_set_spread(&f, m->time_spread, NULL) != MG_OK)
        return MG_EINVAL;
    double per_km = c->detour * 60 / m->crowfly.speed_kmh, access = m->crowfly.access_min;
    double lim_km = (f.catchment - access) / per_km;
    size_t np = 0;
    for (size_t i = 0; i < c->n; i++) {
        k->start[i] = np;
        for (size_t q = c->start[i]; q < c->start[i + 1]; q++) {
            const pair_km *pk = &c->pair[q];
            bool self = pk->to == i;
            if (!self && !((double)pk->km < lim_km))
                break; /* rows are sorted by distance */
            k->to[np] = pk->to;
            k->t[np] = self ? 0 : access + (double)pk->km * per_km;
            np++;
        }
    }
    k->start[c->n] = np;
    mg_pairs view = {.n = c->n, .npairs = np, .start = k->start, .to = k->to, .minutes = k->t};
    mg_access_weights(&view, &f, k->w);
    double total = c->sum_heads + m->centre_heads * c->sum_centres;
    double per_head = total > 0 ? c->per_head * c->sum_heads / total : c->per_head;
    /* The reference of the activity is the table's own (the national one
     * when the data are national): the value calibrate writes. */
    mg_model mm = *m;
    mm.activity_reference = 0;
    if (mg_model_supply(&view, k->w, c->heads, c->centres, c->demand, &mm, per_head, k->supply,
                        NULL, reference) != MG_OK)
        return MG_ENOMEM;
    mg_access_two_step(&view, k->w, k->w, k->supply, c->demand, k->ratio, k->apl);
    for (size_t i = 0; i < c->n; i++)
        k->apl[i] *= c->scale;
    double sum = 0;
    size_t counted = 0;
    for (size_t g = 0; g < c->ngroups; g++) {
        mg_calib_score s;
        score_group(c, g, k->apl, k, &s);
        if (scores)
            scores[g] = s;
        if ((!exclude || !exclude[g]) && isfinite(s.spearman)) {
            sum += s.spearman;
            if (c->flags_weight > 0 && s.communes)
                sum += c->flags_weight * (double)(s.both_below + s.both_above) / (double)s.communes;
            counted++;
        }
    }
    *objective = counted ? sum / (double)counted : NAN;
    return MG_OK;
}

int mg_calib_evaluate(const mg_calib_data *c, const mg_model *m, double *apl,
                      mg_calib_score *scores, double *objective, mg_diag *d)
{
    int rc = mg_model_check(m, d);
    if (rc)
        return rc;
    work k;
    if (work_init(&k, c))
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    double ref = 0;
    rc = evaluate(c, m, &k, scores, NULL, objective, &ref);
    if (rc == MG_OK && apl)
        memcpy(apl, k.apl, c->n * sizeof *apl);
    work_free(&k);
    if (rc)
        return mg_diag_set(d, rc, NULL, 0, 0, "calibration: cannot evaluate the model");
    return MG_OK;
}

int mg_calib_resolve(const mg_calib_data *c, mg_model *m, mg_diag *d)
{
    int rc = mg_model_check(m, d);
    if (rc)
        return rc;
    work k;
    if (work_init(&k, c))
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    double obj, ref = 0;
    rc = evaluate(c, m, &k, NULL, NULL, &obj, &ref);
    work_free(&k);
    if (rc)
        return mg_diag_set(d, rc, NULL, 0, 0, "calibration: cannot evaluate the model");
    m->activity_reference = m->activity_exponent != 0 ? ref : 0;
    return MG_OK;
}

/* --- The compass search, candidates spread over threads. --------------- */

typedef struct batch {
    const mg_calib_data *c;
    const uint8_t *exclude;
    size_t ncand;
    double (*x)[MG_CALIB_NPARAM];
    double *value;
    int *rc;
} batch;

typedef struct worker {
    batch *b;
    work k;
    size_t first, stride;
} worker;

static void *run_worker(void *arg)
{
    worker *w = arg;
    for (size_t q = w->first; q < w->b->ncand; q += w->stride) {
        mg_model m = mg_calib_model(w->b->c, w->b->x[q]);
        w->b->rc[q] = evaluate(w->b->c, &m, &w->k, NULL, w->b->exclude, &w->b->value[q], NULL);
    }
    return NULL;
}

static int run_batch(batch *b, worker *ws, unsigned threads)
{
    unsigned want = threads < b->ncand ? threads : (unsigned)b->ncand;
    pthread_t tid[64];
    bool started[64] = {false};
    for (unsigned t = 0; t < want; t++) {
        ws[t].b = b;
        ws[t].first = t;
        ws[t].stride = want;
    }
    for (unsigned t = 1; t < want; t++)
        started[t] = pthread_create(&tid[t], NULL, run_worker, &ws[t]) == 0;
    /* The calling thread takes the first share, then the shares of threads
     * that could not start. */
    run_worker(&ws[0]);
    for (unsigned t = 1; t < want; t++)
        if (!started[t])
            run_worker(&ws[t]);
    for (unsigned t = 1; t < want; t++)
        if (started[t])
            pthread_join(tid[t], NULL);
    for (size_t q = 0; q < b->ncand; q++)
        if (b->rc[q])
            return b->rc[q];
    return MG_OK;
}

int mg_calib_fit(const mg_calib_data *c, const mg_calib_box *box, const mg_model *start,
                 const uint8_t *exclude, unsigned threads, mg_model *best, double *objective,
                 size_t *evaluations, mg_diag *d)
{
    if (threads < 1)
        threads = 1;
    if (threads > 64)
        threads = 64;
    double x[MG_CALIB_NPARAM], step[MG_CALIB_NPARAM];
    mg_calib_vector(start, x);
    for (int p = 0; p < MG_CALIB_NPARAM; p++) {
        if (!(box->lo[p] <= box->hi[p]) || !(box->tol[p] > 0))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "calibration: bad search box (parameter %d)", p);
        x[p] = fmin(box->hi[p], fmax(box->lo[p], x[p]));
        step[p] = box->lo[p] < box->hi[p] ? box->step[p] : 0;
    }
    worker *ws = calloc(threads, sizeof *ws);
    double(*cand)[MG_CALIB_NPARAM] = calloc(2 * MG_CALIB_NPARAM + 1, sizeof *cand);
    double value[2 * MG_CALIB_NPARAM + 1];
    int rcs[2 * MG_CALIB_NPARAM + 1];
    int rc = MG_OK;
    unsigned ready = 0;
    if (!ws || !cand)
        rc = MG_ENOMEM;
    for (; rc == MG_OK && ready < threads; ready++)
        if (work_init(&ws[ready].k, c))
            rc = MG_ENOMEM;
    batch b = {.c = c, .exclude = exclude, .x = cand, .value = value, .rc = rcs};
    size_t evals = 0;
    double fx = NAN;
    if (rc == MG_OK) {
        memcpy(cand[0], x, sizeof x);
        b.ncand = 1;
        rc = run_batch(&b, ws, threads);
        fx = value[0];
        evals++;
    }
    while (rc == MG_OK && evals < 4000) {
        bool moving = false;
        for (int p = 0; p < MG_CALIB_NPARAM; p++)
            if (step[p] >= box->tol[p])
                moving = true;
        if (!moving)
            break;
        size_t nc = 0;
        for (int p = 0; p < MG_CALIB_NPARAM; p++) {
            if (!(step[p] >= box->tol[p]))
                continue;
            for (int s = -1; s <= 1; s += 2) {
                double v = fmin(box->hi[p], fmax(box->lo[p], x[p] + s * step[p]));
                if (v == x[p])
                    continue;
                memcpy(cand[nc], x, sizeof x);
                cand[nc][p] = v;
                nc++;
            }
        }
        b.ncand = nc;
        if ((rc = run_batch(&b, ws, threads)))
            break;
        evals += nc;
        size_t pick = nc;
        for (size_t q = 0; q < nc; q++)
            if (isfinite(value[q]) && (!isfinite(fx) || value[q] > fx + 1e-9) &&
                (pick == nc || value[q] > value[pick]))
                pick = q;
        if (pick < nc) {
            memcpy(x, cand[pick], sizeof x);
            fx = value[pick];
        } else {
            for (int p = 0; p < MG_CALIB_NPARAM; p++)
                step[p] /= 2;
        }
    }
    for (unsigned t = 0; t < ready; t++)
        work_free(&ws[t].k);
    free(ws);
    free(cand);
    if (rc == MG_ENOMEM)
        return mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
    if (rc)
        return mg_diag_set(d, rc, NULL, 0, 0, "calibration: a model of the box cannot be evaluated");
    *best = mg_calib_model(c, x);
    *objective = fx;
    if (evaluations)
        *evaluations = evals;
    return MG_OK;
}

int mg_calib_cross_validate(const mg_calib_data *c, const mg_calib_box *box,
                            const mg_model *fitted, unsigned threads, mg_calib_score *cv,
                            mg_model *cv_models, size_t *evaluations, mg_diag *d)
{
    mg_calib_box fold_box = *box;
    for (int p = 0; p < MG_CALIB_NPARAM; p++)
        fold_box.step[p] = box->step[p] / 4;
    uint8_t *exclude = calloc(c->ngroups, 1);
    mg_calib_score *scores = mg_alloc_array(c->ngroups, sizeof *scores);
    if (!exclude || !scores) {
        free(exclude);
        free(scores);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t total = 0;
    int rc = MG_OK;
    for (size_t g = 0; g < c->ngroups && rc == MG_OK; g++) {
        exclude[g] = 1;
        mg_model m;
        double obj;
        size_t ev = 0;
        rc = mg_calib_fit(c, &fold_box, fitted, exclude, threads, &m, &obj, &ev, d);
        exclude[g] = 0;
        total += ev;
        if (rc)
            break;
        rc = mg_calib_evaluate(c, &m, NULL, scores, &obj, d);
        total++;
        if (rc)
            break;
        cv[g] = scores[g];
        if (cv_models)
            cv_models[g] = m;
    }
    free(exclude);
    free(scores);
    if (evaluations)
        *evaluations = total;
    return rc;
}
