/* The planning problem of a territory: demand units, candidate sites (all
 * communes, a file of codes, or a BPE rule) and their columns. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "io/reader.h"
#include "plan/internal.h"

int mg_plan_problem_from_table(mg_plan_problem *out, const mg_pairs *pairs, const double *w,
                               const double *demand, const double *demand_seen,
                               const double *apl, const double *supply,
                               const uint8_t *is_unit, const uint8_t *is_cand,
                               const double *lat, const double *lon, double scale,
                               double cap_minutes, mg_diag *d)
{
    size_t N = pairs->n, n = 0, nc = 0;
    for (size_t i = 0; i < N; i++) {
        n += is_unit[i] != 0;
        nc += is_cand[i] != 0;
    }
    mg_plan_problem *p = out;
    uint32_t *cand_of = mg_alloc_array(N ? N : 1, sizeof *cand_of);
    p->pop = mg_alloc_array(n ? n : 1, sizeof *p->pop);
    p->base = mg_alloc_array(n ? n : 1, sizeof *p->base);
    p->base_minutes = mg_alloc_array(n ? n : 1, sizeof *p->base_minutes);
    p->unit_commune = mg_alloc_array(n ? n : 1, sizeof *p->unit_commune);
    p->cstart = mg_alloc_array(nc + 1, sizeof *p->cstart);
    p->cfactor = mg_alloc_array(nc ? nc : 1, sizeof *p->cfactor);
    p->clat = mg_alloc_array(nc ? nc : 1, sizeof *p->clat);
    p->clon = mg_alloc_array(nc ? nc : 1, sizeof *p->clon);
    p->cand_commune = mg_alloc_array(nc ? nc : 1, sizeof *p->cand_commune);
    if (!cand_of || !p->pop || !p->base || !p->base_minutes || !p->unit_commune || !p->cstart ||
        !p->cfactor || !p->clat || !p->clon || !p->cand_commune)
        goto nomem;
    p->n = n;
    p->ncand = nc;
    size_t c = 0;
    for (size_t j = 0; j < N; j++) {
        cand_of[j] = UINT32_MAX;
        if (!is_cand[j])
            continue;
        cand_of[j] = (uint32_t)c;
        p->cand_commune[c] = j;
        p->clat[c] = lat[j];
        p->clon[c] = lon[j];
        /* Nobody reaches a location with no demand around it: capacity
         * there serves no one (the scenario engine's convention). */
        p->cfactor[c] = demand_seen[j] > 0 ? scale / demand_seen[j] : 0;
        c++;
    }
    /* Columns: units by increasing index for every candidate. */
    size_t u = 0;
    for (size_t i = 0; i < N; i++) {
        if (!is_unit[i])
            continue;
        p->unit_commune[u] = i;
        p->pop[u] = demand[i];
        p->base[u] = apl[i];
        double best = cap_minutes;
        for (size_t k = pairs->start[i]; k < pairs->start[i + 1]; k++) {
            uint32_t j = pairs->to[k];
            if (supply[j] > 0 && pairs->minutes[k] < best)
                best = pairs->minutes[k];
            if (cand_of[j] != UINT32_MAX)
                p->cstart[cand_of[j] + 1]++;
        }
        p->base_minutes[u] = best;
        u++;
    }
    for (size_t k = 0; k < nc; k++)
        p->cstart[k + 1] += p->cstart[k];
    size_t nz = p->cstart[nc];
    p->cunit = mg_alloc_array(nz ? nz : 1, sizeof *p->cunit);
    p->cw = mg_alloc_array(nz ? nz : 1, sizeof *p->cw);
    p->cmin = mg_alloc_array(nz ? nz : 1, sizeof *p->cmin);
    size_t *fill = mg_alloc_array(nc ? nc : 1, sizeof *fill);
    if (!p->cunit || !p->cw || !p->cmin || !fill) {
        free(fill);
        goto nomem;
    }
    u = 0;
    for (size_t i = 0; i < N; i++) {
        if (!is_unit[i])
            continue;
        for (size_t k = pairs->start[i]; k < pairs->start[i + 1]; k++) {
            uint32_t j = pairs->to[k];
            if (cand_of[j] == UINT32_MAX)
                continue;
            size_t at = p->cstart[cand_of[j]] + fill[cand_of[j]]++;
            p->cunit[at] = (uint32_t)u;
            p->cw[at] = w[k];
            p->cmin[at] = pairs->minutes[k];
        }
        u++;
    }
    free(fill);
    free(cand_of);
    return MG_OK;
nomem:
    free(cand_of);
    mg_plan_problem_free(p);
    return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
}

/* One code of a line of a codes file: the first field (up to `,`, `;` or a
 * tab), without surrounding spaces or quotes. Empty for a blank line or a
 * # comment. */
static const char *line_code(char *line, size_t *len)
{
    line[strcspn(line, ",;\t\r")] = '\0';
    char *code = line;
    while (*code == ' ' || *code == '"')
        code++;
    size_t cl = strlen(code);
    while (cl > 0 && (code[cl - 1] == ' ' || code[cl - 1] == '"'))
        code[--cl] = '\0';
    if (cl && code[0] == '#')
        cl = 0;
    *len = cl;
    return code;
}

int mg_plan_read_codes(const mg_territory *t, const char *path, uint8_t *mark, mg_diag *d)
{
    mg_reader *r = NULL;
    int rc = mg_reader_open(&r, path, d);
    if (rc)
        return rc;
    /* Lines are short (a code, perhaps more CSV fields): one bounded line
     * buffer, refilled from the reader, so a huge line is an error, not an
     * allocation. */
    char line[4096], chunk[65536];
    size_t used = 0, marked = 0;
    unsigned long ln = 1;
    ssize_t got;
    bool eof = false;
    while (!rc && !eof) {
        got = mg_reader_read(r, chunk, sizeof chunk, d);
        if (got < 0) {
            rc = (int)got;
            break;
        }
        eof = got == 0;
        size_t n = (size_t)got;
        for (size_t k = 0; !rc && (k < n || (eof && used)); k++) {
            bool end = eof ? k >= n : chunk[k] == '\n';
            if (!end) {
                if (chunk[k] == '\0') {
                    rc = mg_diag_set(d, MG_EPARSE, path, ln, used + 1, "NUL byte: expected text");
                    break;
                }
                if (used + 1 >= sizeof line) {
                    rc = mg_diag_set(d, MG_ELIMIT, path, ln, 0, "line longer than %zu bytes",
                                     sizeof line - 1);
                    break;
                }
                line[used++] = chunk[k];
                continue;
            }
            line[used] = '\0';
            used = 0;
            size_t cl;
            const char *code = line_code(line, &cl);
            if (cl) {
                long i = mg_territory_find(t, code);
                if (i >= 0) {
                    mark[i] = 1;
                    marked++;
                } else if (!(ln == 1 && (cl > MG_CODE_LEN || !isdigit((unsigned char)code[0])))) {
                    /* (A first line that is no code at all is a header.) */
                    rc = mg_diag_set(d, MG_ENOTFOUND, path, ln, 1,
                                     "unknown commune \"%.20s\": expected an INSEE code", code);
                }
            }
            ln++;
            if (eof)
                break;
        }
    }
    mg_reader_close(r);
    if (!rc && marked == 0)
        rc = mg_diag_set(d, MG_EPARSE, path, 0, 0, "no commune code in the candidates file");
    return rc;
}

int mg_plan_problem_build(mg_plan_problem *out, const mg_diagnosis *g,
                          const mg_scenario_engine *e, const mg_plan_candidates *c,
                          const mg_plan_problem *settings, mg_diag *d)
{
    return mg_plan_problem_build_why(out, g, e, c, settings, NULL, d);
}

int mg_plan_problem_build_why(mg_plan_problem *out, const mg_diagnosis *g,
                              const mg_scenario_engine *e, const mg_plan_candidates *c,
                              const mg_plan_problem *settings, mg_plan_why *why, mg_diag *d)
{
    plan_why_clear(why);
    const mg_territory *t = g->t;
    size_t N = t->n;
    *out = *settings;
    out->n = out->ncand = 0;
    out->pop = out->base = out->base_minutes = out->cw = out->cmin = out->cfactor = NULL;
    out->clat = out->clon = NULL;
    out->unit_commune = out->cstart = out->cand_commune = NULL;
    out->cunit = NULL;
    out->inhabitants = NULL;
    uint8_t *cand = mg_alloc_array(N ? N : 1, 1);
    uint8_t *unit = mg_alloc_array(N ? N : 1, 1);
    double *w = mg_alloc_array(g->pairs.npairs ? g->pairs.npairs : 1, sizeof *w);
    double *pharm = NULL;
    int rc = MG_OK;
    if (!cand || !w || !unit) {
        rc = plan_why(why, MG_PLAN_ERR_MEMORY, mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory"));
        goto done;
    }
    const char *rule = c && c->rule ? c->rule : "all";
    if (strcmp(rule, "all") == 0) {
        /* Every commune has a town hall, so "communes with a town hall"
         * is every commune of the study territory. */
        memcpy(cand, t->in_study, N);
    } else if (strcmp(rule, "pharmacy") == 0) {
        char *path = NULL;
        mg_diag none = {{0}};
        if (mg_find_data_file(&path, g->opts.france, "bpe19_ensemble_sante.csv", &none) &&
            mg_find_data_file(&path, g->opts.france, "bpe19_ensemble.csv", &none)) {
            rc = plan_why(why, MG_PLAN_ERR_CANDIDATES,
                          mg_diag_set(d, MG_ENOTFOUND, g->opts.france, 0, 0,
                                      "no INSEE BPE file (bpe19_ensemble_sante.csv) for the "
                                      "pharmacy rule"));
            goto done;
        }
        pharm = mg_alloc_array(N ? N : 1, sizeof *pharm);
        double unmapped = 0;
        mg_report rep = {0};
        if (!pharm) {
            free(path);
            rc = plan_why(why, MG_PLAN_ERR_MEMORY, mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory"));
            goto done;
        }
        /* D301: pharmacies in the INSEE BPE. */
        rc = mg_import_bpe(t, path, "D301", pharm, &unmapped, &rep, d);
        mg_report_free(&rep);
        free(path);
        if (rc) {
            rc = plan_why(why, rc == MG_ENOMEM ? MG_PLAN_ERR_MEMORY : MG_PLAN_ERR_CANDIDATES, rc);
            goto done;
        }
        for (size_t i = 0; i < N; i++)
            cand[i] = t->in_study[i] && pharm[i] > 0;
    } else {
        if ((rc = mg_plan_read_codes(t, rule, cand, d))) {
            rc = plan_why(why, MG_PLAN_ERR_CANDIDATES, rc);
            goto done;
        }
    }
    if (c && c->exclude && *c->exclude) {
        const char *s = c->exclude;
        while (*s) {
            size_t len = strcspn(s, ",");
            char code[32];
            if (len == 0 || len >= sizeof code) {
                rc = plan_why(why, MG_PLAN_ERR_EXCLUDED,
                              mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                          "excluded communes: bad code list \"%.40s\"",
                                          c->exclude));
                goto done;
            }
            memcpy(code, s, len);
            code[len] = '\0';
            long i = mg_territory_find(t, code);
            if (i < 0) {
                if (why)
                    snprintf(why->commune, sizeof why->commune, "%.15s", code);
                rc = plan_why(why, MG_PLAN_ERR_UNKNOWN_COMMUNE,
                              mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                          "excluded communes: unknown commune \"%s\"", code));
                goto done;
            }
            cand[i] = 0;
            s += len;
            if (*s == ',')
                s++;
        }
    }
    /* Within a scope: its study communes are the units and the only
     * candidates; the columns and D_k still count every neighbour. */
    for (size_t i = 0; i < N; i++) {
        unit[i] = t->in_study[i] && (!c || !c->scope || c->units_everywhere || c->scope[i]);
        if (c && c->scope && !c->scope[i])
            cand[i] = 0;
    }
    mg_access_weights(&g->pairs, &g->apl_spec.decay, w);
    rc = mg_plan_problem_from_table(out, &g->pairs, w, g->demand, mg_scenario_engine_demand(e),
                                    g->apl, g->supply, unit, cand, t->lat, t->lon,
                                    g->apl_spec.scale, g->opts.catchment, d);
    if (!rc) {
        out->inhabitants = mg_alloc_array(out->n ? out->n : 1, sizeof *out->inhabitants);
        if (!out->inhabitants)
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        for (size_t u = 0; !rc && u < out->n; u++)
            out->inhabitants[u] = t->population[out->unit_commune[u]];
    }
    if (!rc && out->baseline == MG_BASELINE_OFFICIAL) {
        /* The situation today on the official baseline: the DREES value
         * where it has one (no change yet, so nothing is clamped). */
        for (size_t u = 0; u < out->n; u++) {
            size_t i = out->unit_commune[u];
            out->base[u] = mg_baseline_value(MG_BASELINE_OFFICIAL, g->official[i], g->apl[i],
                                             g->apl[i]).value;
        }
    }
    if (rc)
        rc = plan_why(why, rc == MG_ENOMEM ? MG_PLAN_ERR_MEMORY : MG_PLAN_ERR_CANDIDATES, rc);
    else if (out->ncand == 0)
        rc = plan_why(why, MG_PLAN_ERR_NO_CANDIDATE,
                      mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no candidate commune left (rule \"%s\")",
                                  rule));
    if (rc)
        mg_plan_problem_free(out);
done:
    free(cand);
    free(unit);
    free(w);
    free(pharm);
    return rc;
}
