/*
 * The floating-catchment family on a CSR travel-time table. Every two-step
 * measure is a scatter (step 1: demand seen by each supply location) and a
 * gather (step 2: supply-to-demand ratios reachable from each commune) over
 * the pairs, so one pass costs two sweeps of the table.
 */
#include "access/access.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static const mg_profession professions[] = {
    /* Acts per GP: the published national mean APL (3.8 consultations per
     * standardised inhabitant, 2021) times the population of France
     * (68,952,941, populations légales in communes.json) over the BPE 2019
     * head count of GPs (61,429 D201): a pass of the APL preserves total
     * supply, so this makes the national mean of the model equal the
     * published one. See docs/methodology.md. */
    {"mg", "D201", "médecins généralistes", 4265.0, 1.0,
     "consultations/visites accessibles par an et par habitant standardisé", 2.5},
    {"inf", "D232", "infirmiers", 1.0, 1e5, "ETP pour 100 000 habitants standardisés", NAN},
    {"mk", "D233", "masseurs-kinésithérapeutes", 1.0, 1e5, "ETP pour 100 000 habitants standardisés", NAN},
    {"sf", "D231", "sages-femmes", 1.0, 1e5, "ETP pour 100 000 habitants standardisés", NAN},
    {"cd", "D221", "chirurgiens-dentistes", 1.0, 1e5, "ETP pour 100 000 habitants standardisés", NAN},
};

const mg_profession *mg_profession_lookup(const char *key)
{
    for (size_t k = 0; k < sizeof professions / sizeof *professions; k++)
        if (strcmp(professions[k].key, key) == 0)
            return &professions[k];
    return NULL;
}

const char *mg_measure_names(void)
{
    return "apl 2sfca e2sfca g2sfca 3sfca bfca gravity cumulative nearest";
}

int mg_measure_lookup(const char *name, double catchment, mg_measure_spec *out,
                      mg_diag *d)
{
    mg_measure_spec m = {.name = name, .scale = 1};
    mg_decay binary = {.kind = MG_DECAY_BINARY, .catchment = catchment};
    if (strcmp(name, "apl") == 0 || strcmp(name, "e2sfca") == 0) {
        m.measure = MG_MEASURE_2SFCA;
        m.decay = mg_decay_drees();
    } else if (strcmp(name, "2sfca") == 0) {
        m.measure = MG_MEASURE_2SFCA;
        m.decay = binary;
    } else if (strcmp(name, "g2sfca") == 0) {
        m.measure = MG_MEASURE_2SFCA;
        m.decay = (mg_decay){.kind = MG_DECAY_GAUSSIAN, .catchment = catchment};
    } else if (strcmp(name, "3sfca") == 0) {
        m.measure = MG_MEASURE_3SFCA;
        m.decay = mg_decay_drees();
    } else if (strcmp(name, "bfca") == 0) {
        m.measure = MG_MEASURE_BFCA;
        m.decay = mg_decay_drees();
    } else if (strcmp(name, "gravity") == 0) {
        /* β = 0.1/min halves the weight every ~7 minutes. */
        m.measure = MG_MEASURE_GRAVITY;
        m.decay = (mg_decay){.kind = MG_DECAY_EXPONENTIAL, .catchment = catchment, .beta = 0.1};
    } else if (strcmp(name, "cumulative") == 0) {
        m.measure = MG_MEASURE_CUMULATIVE;
        m.decay = binary;
    } else if (strcmp(name, "nearest") == 0) {
        m.measure = MG_MEASURE_NEAREST;
        m.decay = binary;
    } else {
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "unknown measure \"%s\": expected one of %s",
                           name, mg_measure_names());
    }
    int rc = mg_decay_check(&m.decay, d);
    if (rc)
        return rc;
    *out = m;
    return MG_OK;
}

void mg_access_weights(const mg_pairs *p, const mg_decay *f, double *w)
{
    mg_decay_eval_many(f, p->minutes, p->npairs, w);
}

void mg_access_two_step(const mg_pairs *p, const double *w1, const double *w2,
                        const double *supply, const double *demand, double *ratio,
                        double *out)
{
    size_t n = p->n;
    const size_t *start = p->start;
    const uint32_t *to = p->to;
    /* Step 1, scattered from each demand location to the supply locations
     * it reaches: ratio[j] accumulates D_j. */
    memset(ratio, 0, n * sizeof *ratio);
    for (size_t i = 0; i < n; i++) {
        double pi = demand[i];
        if (pi == 0)
            continue;
        for (size_t k = start[i]; k < start[i + 1]; k++)
            ratio[to[k]] += w1[k] * pi;
    }
    for (size_t j = 0; j < n; j++)
        ratio[j] = ratio[j] > 0 ? supply[j] / ratio[j] : 0;
    /* Step 2, gathered. */
    for (size_t i = 0; i < n; i++) {
        double a = 0;
        for (size_t k = start[i]; k < start[i + 1]; k++)
            a += w2[k] * ratio[to[k]];
        out[i] = a;
    }
}

void mg_access_normalise_rows(const mg_pairs *p, const double *supply, double *w)
{
    for (size_t i = 0; i < p->n; i++) {
        double s = 0;
        for (size_t k = p->start[i]; k < p->start[i + 1]; k++)
            if (!supply || supply[p->to[k]] > 0)
                s += w[k];
        for (size_t k = p->start[i]; k < p->start[i + 1]; k++)
            w[k] = s > 0 && (!supply || supply[p->to[k]] > 0) ? w[k] / s : 0;
    }
}

int mg_access_normalise_columns(const mg_pairs *p, double *w)
{
    double *col = mg_alloc_array(p->n, sizeof *col);
    if (!col)
        return MG_ENOMEM;
    for (size_t k = 0; k < p->npairs; k++)
        col[p->to[k]] += w[k];
    for (size_t k = 0; k < p->npairs; k++)
        w[k] = col[p->to[k]] > 0 ? w[k] / col[p->to[k]] : 0;
    free(col);
    return MG_OK;
}

int mg_access_compute(const mg_pairs *p, const double *supply, const double *demand,
                      const mg_measure_spec *m, double *out, mg_diag *d)
{
    size_t n = p->n;
    int rc = mg_decay_check(&m->decay, d);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!(supply[i] >= 0) || !isfinite(supply[i]) ||
            (demand && (!(demand[i] >= 0) || !isfinite(demand[i]))))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "node %zu: supply and demand must be finite and non-negative", i);
    }
    if (m->measure == MG_MEASURE_NEAREST) {
        for (size_t i = 0; i < n; i++) {
            double best = NAN;
            for (size_t k = p->start[i]; k < p->start[i + 1]; k++)
                if (supply[p->to[k]] > 0 && p->minutes[k] < m->decay.catchment &&
                    !(p->minutes[k] >= best))
                    best = p->minutes[k];
            out[i] = best;
        }
        return MG_OK;
    }
    double *w = mg_alloc_array(p->npairs, sizeof *w);
    double *w2 = NULL, *ratio = NULL;
    if (!w)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    mg_access_weights(p, &m->decay, w);
    rc = MG_OK;
    switch (m->measure) {
    case MG_MEASURE_GRAVITY:
    case MG_MEASURE_CUMULATIVE:
        for (size_t i = 0; i < n; i++) {
            double a = 0;
            for (size_t k = p->start[i]; k < p->start[i + 1]; k++)
                a += w[k] * supply[p->to[k]];
            out[i] = a;
        }
        break;
    case MG_MEASURE_2SFCA:
    case MG_MEASURE_3SFCA:
    case MG_MEASURE_BFCA:
        if (!demand) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "measure %s needs a demand", m->name);
            break;
        }
        ratio = mg_alloc_array(n, sizeof *ratio);
        if (!ratio) {
            rc = MG_ENOMEM;
            break;
        }
        if (m->measure == MG_MEASURE_2SFCA) {
            mg_access_two_step(p, w, w, supply, demand, ratio, out);
            break;
        }
        w2 = mg_alloc_array(p->npairs, sizeof *w2);
        if (!w2) {
            rc = MG_ENOMEM;
            break;
        }
        if (m->measure == MG_MEASURE_3SFCA) {
            /* G_ij = W_ij / Σ_k W_ik over supply locations; both steps use
             * G_ij · W_ij. */
            memcpy(w2, w, p->npairs * sizeof *w);
            mg_access_normalise_rows(p, supply, w2);
            for (size_t k = 0; k < p->npairs; k++)
                w[k] *= w2[k];
            mg_access_two_step(p, w, w, supply, demand, ratio, out);
        } else {
            /* BFCA: demand split over the supply locations each commune
             * reaches (row-normalised), supply over the communes each
             * location reaches (column-normalised). */
            memcpy(w2, w, p->npairs * sizeof *w);
            mg_access_normalise_rows(p, supply, w);
            if ((rc = mg_access_normalise_columns(p, w2)))
                break;
            mg_access_two_step(p, w, w2, supply, demand, ratio, out);
        }
        break;
    case MG_MEASURE_NEAREST:
        break;
    }
    if (rc == MG_OK)
        for (size_t i = 0; i < n; i++)
            out[i] *= m->scale;
    free(w);
    free(w2);
    free(ratio);
    if (rc == MG_ENOMEM)
        mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
    return rc;
}
