#include "diagnosis/summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "output/table.h"
#include "stats/inequality.h"

/* Figures of one group of study communes, given as indices. The scratch
 * arrays x, w hold n entries. */
static void area(const mg_diagnosis *g, const double *value, const double *official,
                 double threshold, const size_t *idx, size_t n, double *x, double *w,
                 mg_area_summary *a)
{
    const mg_territory *t = g->t;
    a->communes = n;
    a->population = a->demand = 0;
    a->min = INFINITY;
    a->max = -INFINITY;
    double osum = 0, ow = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        x[k] = value[i];
        w[k] = g->demand[i];
        a->population += t->population[i];
        a->demand += g->demand[i];
        if (value[i] < a->min)
            a->min = value[i];
        if (value[i] > a->max)
            a->max = value[i];
        if (official && isfinite(official[i])) {
            osum += official[i] * g->demand[i];
            ow += g->demand[i];
        }
    }
    a->official_mean = ow > 0 ? osum / ow : NAN;
    if (n == 0)
        a->min = a->max = NAN;
#define FIG(call, field) \
    if ((call) != MG_OK) \
        a->field = NAN;
    FIG(mg_stats_mean(x, w, n, &a->mean), mean)
    FIG(mg_stats_theil(x, w, n, NULL, 0, &a->theil, NULL, NULL), theil)
    /* Gini, D9/D1 and Palma from one sort of the values. */
    mg_stats_order o;
    mg_stats_order_figures(x, w, n, &o);
    a->gini = o.gini_rc == MG_OK ? o.gini : NAN;
    a->d9d1 = o.d9d1_rc == MG_OK ? o.d9d1 : NAN;
    a->palma = o.palma_rc == MG_OK ? o.palma : NAN;
    a->below_population = a->below_share = a->fgt1 = NAN;
    if (isfinite(threshold)) {
        double bp = 0;
        for (size_t k = 0; k < n; k++)
            if (x[k] < threshold)
                bp += t->population[idx[k]];
        a->below_population = bp;
        FIG(mg_stats_fgt(x, w, n, threshold, 0, &a->below_share), below_share)
        FIG(mg_stats_fgt(x, w, n, threshold, 1, &a->fgt1), fgt1)
    }
#undef FIG
}

void mg_summary_free(mg_summary *s)
{
    if (!s)
        return;
    free(s->dep);
    free(s->epci);
    *s = (mg_summary){0};
}

/* Whether any of the m communes idx has a value other than in base. */
static bool changed(const size_t *idx, size_t m, const double *value, const double *base)
{
    for (size_t k = 0; k < m; k++)
        if (value[idx[k]] != base[idx[k]] &&
            !(isnan(value[idx[k]]) && isnan(base[idx[k]])))
            return true;
    return false;
}

/*
 * Lists the members of each of the ngroups groups (grp[k] for study[k]) in
 * idx, group after group, each in study order; (*first)[gi] is where group
 * gi starts (ngroups + 1 entries, reallocated here). False when out of
 * memory.
 */
static bool group_lists(const size_t *study, const size_t *grp, size_t n, size_t ngroups,
                        size_t *idx, size_t **first)
{
    size_t *f = mg_realloc_array(*first, ngroups + 1, sizeof *f);
    if (!f)
        return false;
    *first = f;
    memset(f, 0, (ngroups + 1) * sizeof *f);
    for (size_t k = 0; k < n; k++)
        f[grp[k] + 1]++;
    for (size_t gi = 0; gi < ngroups; gi++)
        f[gi + 1] += f[gi];
    /* f[gi] is now the next free place of group gi; afterwards it is its
     * end, so it is shifted back by one group. */
    for (size_t k = 0; k < n; k++)
        idx[f[grp[k]]++] = study[k];
    memmove(f + 1, f, ngroups * sizeof *f);
    f[0] = 0;
    return true;
}

/* The agreement of value with official over the n communes idx, with
 * scratch arrays x, y of n entries. */
static void agreement_into(const size_t *idx, size_t n, const double *value,
                           const double *official, double threshold, double *x, double *y,
                           mg_agreement *out)
{
    *out = (mg_agreement){0, NAN, NAN, NAN, {0}};
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        if (isfinite(official[i]) && isfinite(value[i])) {
            /* Our value as the tables write it, against the published one. */
            x[m] = mg_output_round(value[i]);
            y[m] = official[i];
            m++;
        }
    }
    out->compared = m;
    if (mg_stats_spearman(x, y, m, &out->spearman))
        out->spearman = NAN;
    if (mg_stats_pearson(x, y, m, &out->pearson))
        out->pearson = NAN;
    if (mg_stats_mae(x, y, m, &out->mae))
        out->mae = NAN;
    if (isfinite(threshold) && m > 0 && mg_stats_confusion(x, y, m, threshold, &out->confusion))
        out->confusion = (mg_confusion){0};
}

int mg_summary_agreement(const size_t *idx, size_t n, const double *value,
                         const double *official, double threshold, mg_agreement *out)
{
    double *x = mg_alloc_array(n ? n : 1, sizeof *x), *y = mg_alloc_array(n ? n : 1, sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        *out = (mg_agreement){0, NAN, NAN, NAN, {0}};
        return MG_ENOMEM;
    }
    agreement_into(idx, n, value, official, threshold, x, y, out);
    free(x);
    free(y);
    return MG_OK;
}

int mg_summary_compute(const mg_diagnosis *g, const double *value, const double *official,
                       double threshold, mg_summary *out, mg_diag *d)
{
    return mg_summary_update(g, value, official, threshold, NULL, NULL, out, d);
}

int mg_summary_update(const mg_diagnosis *g, const double *value, const double *official,
                      double threshold, const mg_summary *base, const double *base_value,
                      mg_summary *out, mg_diag *d)
{
    return mg_summary_compute_on(g, g->study, g->study_n, value, official, threshold, base,
                                 base_value, out, d);
}

int mg_summary_compute_on(const mg_diagnosis *g, const size_t *study, size_t n,
                          const double *value, const double *official, double threshold,
                          const mg_summary *base, const double *base_value, mg_summary *out,
                          mg_diag *d)
{
    /* A base is usable only if it was computed the same way. */
    if (base && (!base_value || !(base->threshold == threshold ||
                                  (isnan(base->threshold) && isnan(threshold)))))
        base = NULL;
    const mg_territory *t = g->t;
    *out = (mg_summary){.threshold = threshold};
    double *x = mg_alloc_array(n, sizeof *x), *w = mg_alloc_array(n, sizeof *w);
    double *y = mg_alloc_array(n, sizeof *y);
    size_t *idx = mg_alloc_array(n, sizeof *idx), *grp = mg_alloc_array(n, sizeof *grp);
    int32_t *epci_slot = mg_alloc_array(t->nepci + 1, sizeof *epci_slot);
    size_t *first = NULL; /* group_lists: where each group starts in idx */
    int rc = MG_ENOMEM;
    if (!x || !w || !y || !idx || !grp || !epci_slot)
        goto done;

    snprintf(out->territory.code, sizeof out->territory.code, "territoire");
    area(g, value, official, threshold, study, n, x, w, &out->territory);

    /* Groups: EPCI (communes in none form their own group "sans EPCI"), then
     * départements, both in order of first appearance in the sorted study. */
    for (size_t e = 0; e <= t->nepci; e++)
        epci_slot[e] = -1;
    out->epci = mg_alloc_array(n, sizeof *out->epci);
    out->dep = mg_alloc_array(n, sizeof *out->dep);
    if (!out->epci || !out->dep)
        goto done;
    for (size_t k = 0; k < n; k++) {
        size_t i = study[k];
        size_t e = t->epci[i] >= 0 ? (size_t)t->epci[i] : t->nepci;
        if (epci_slot[e] < 0) {
            epci_slot[e] = (int32_t)out->nepci++;
            mg_area_summary *a = &out->epci[epci_slot[e]];
            snprintf(a->code, sizeof a->code, "%s", e < t->nepci ? t->epci_code[e] : "");
            a->name = e < t->nepci ? t->epci_name[e] : "sans EPCI";
        }
        grp[k] = (size_t)epci_slot[e];
    }
    /* The communes of each group, in study order: a counting sort by group
     * (one pass instead of one scan of the study per group). */
    if (!group_lists(study, grp, n, out->nepci, idx, &first))
        goto done;
    for (size_t gi = 0; gi < out->nepci; gi++) {
        size_t m = first[gi + 1] - first[gi];
        const size_t *gidx = idx + first[gi];
        /* Groups are numbered in the same order for every summary of one
         * diagnosis, so an unchanged EPCI keeps the base's figures. */
        if (base && gi < base->nepci && !official && !changed(gidx, m, value, base_value))
            out->epci[gi] = base->epci[gi];
        else
            area(g, value, official, threshold, gidx, m, y, w, &out->epci[gi]);
    }
    for (size_t k = 0; k < n; k++) {
        x[k] = value[study[k]];
        w[k] = g->demand[study[k]];
    }
    double total;
    if (mg_stats_theil(x, w, n, grp, out->nepci, &total, &out->theil_between, &out->theil_within))
        out->theil_between = out->theil_within = NAN;

    /* Départements in order of first appearance; the study is sorted by
     * code, so a commune's is most often its predecessor's. */
    size_t prev = 0;
    for (size_t k = 0; k < n; k++) {
        const char *dep = t->dep[study[k]];
        size_t di = 0;
        if (out->ndep && strcmp(out->dep[prev].code, dep) == 0)
            di = prev;
        else
            while (di < out->ndep && strcmp(out->dep[di].code, dep) != 0)
                di++;
        if (di == out->ndep) {
            snprintf(out->dep[di].code, sizeof out->dep[di].code, "%s", dep);
            out->dep[di].name = NULL;
            out->ndep++;
        }
        grp[k] = prev = di;
    }
    if (!group_lists(study, grp, n, out->ndep, idx, &first))
        goto done;
    for (size_t di = 0; di < out->ndep; di++) {
        size_t m = first[di + 1] - first[di];
        const size_t *gidx = idx + first[di];
        if (m == n) {
            /* The whole territory lies in this département. */
            char code[sizeof out->dep[di].code];
            memcpy(code, out->dep[di].code, sizeof code);
            out->dep[di] = out->territory;
            memcpy(out->dep[di].code, code, sizeof code);
            out->dep[di].name = NULL;
        } else {
            area(g, value, official, threshold, gidx, m, y, w, &out->dep[di]);
        }
    }

    /* Agreement over communes with both values. */
    out->spearman = out->pearson = out->mae = NAN;
    if (official) {
        mg_agreement ag;
        agreement_into(study, n, value, official, threshold, x, y, &ag);
        out->compared = ag.compared;
        out->spearman = ag.spearman;
        out->pearson = ag.pearson;
        out->mae = ag.mae;
        out->confusion = ag.confusion;
    }
    rc = MG_OK;
done:
    if (rc) {
        mg_summary_free(out);
        mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
    }
    free(x);
    free(w);
    free(y);
    free(idx);
    free(grp);
    free(epci_slot);
    free(first);
    return rc;
}
