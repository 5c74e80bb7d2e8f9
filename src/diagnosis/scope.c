#include "diagnosis/scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

void mg_scope_free(mg_scope *s)
{
    if (!s)
        return;
    free(s->idx);
    free(s->mark);
    *s = (mg_scope){.epci = -1};
}

/* Fills idx from mark, in study order; MG_EINVAL when empty. */
static int collect(const mg_diagnosis *g, mg_scope *s, mg_diag *d)
{
    s->idx = mg_alloc_array(g->study_n ? g->study_n : 1, sizeof *s->idx);
    if (!s->idx)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    s->n = 0;
    for (size_t k = 0; k < g->study_n; k++)
        if (s->mark[g->study[k]])
            s->idx[s->n++] = g->study[k];
    if (s->n == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "the scope holds no commune of the study territory");
    return MG_OK;
}

static int alloc_marks(const mg_diagnosis *g, mg_scope *s, mg_diag *d)
{
    *s = (mg_scope){.epci = -1};
    s->mark = calloc(g->t->n ? g->t->n : 1, 1);
    if (!s->mark)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    return MG_OK;
}

/* The "communes:" key of the scope's communes, in study order; a list too
 * long for the key leaves it "" (the scope is then not linkable). */
static void communes_key(const mg_diagnosis *g, mg_scope *s)
{
    size_t len = (size_t)snprintf(s->key, sizeof s->key, "communes:");
    for (size_t k = 0; k < s->n; k++) {
        const char *code = g->t->code[s->idx[k]];
        size_t need = strlen(code) + (k > 0);
        if (len + need >= sizeof s->key) {
            s->key[0] = '\0';
            return;
        }
        len += (size_t)snprintf(s->key + len, sizeof s->key - len, "%s%s", k ? "," : "", code);
    }
}

int mg_scope_all(const mg_diagnosis *g, const char *label, mg_scope *out)
{
    mg_diag d = {{0}};
    int rc = alloc_marks(g, out, &d);
    if (rc)
        return rc;
    for (size_t k = 0; k < g->study_n; k++)
        out->mark[g->study[k]] = 1;
    out->kind = MG_SCOPE_ALL;
    snprintf(out->label, sizeof out->label, "%s", label ? label : "territoire d'étude");
    if ((rc = collect(g, out, &d)))
        mg_scope_free(out);
    return rc;
}

static int parse_epci(const mg_diagnosis *g, const char *spec, mg_scope *s, mg_diag *d)
{
    const mg_territory *t = g->t;
    const char *siren = spec + 5;
    size_t e = 0;
    while (e < t->nepci && strcmp(t->epci_code[e], siren) != 0)
        e++;
    if (e == t->nepci)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "scope \"%.64s\": no EPCI with the SIREN \"%.16s\" (epci.json)", spec,
                           siren);
    for (size_t k = 0; k < g->study_n; k++)
        if (t->epci[g->study[k]] == (int32_t)e)
            s->mark[g->study[k]] = 1;
    s->kind = MG_SCOPE_EPCI;
    s->epci = (int32_t)e;
    int rc = collect(g, s, d);
    if (rc == MG_EINVAL)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "scope \"%.64s\": %s has no commune in the study territory", spec,
                           t->epci_name[e]);
    if (rc)
        return rc;
    snprintf(s->key, sizeof s->key, "epci:%s", t->epci_code[e]);
    snprintf(s->label, sizeof s->label, "%s", t->epci_name[e] ? t->epci_name[e] : t->epci_code[e]);
    return MG_OK;
}

/* The index of the commune coded [code, code+len), or t->n. Communes are
 * few per scope; a linear scan keeps this module free of an index. */
static size_t find_code(const mg_territory *t, const char *code, size_t len)
{
    for (size_t i = 0; i < t->n; i++)
        if (strlen(t->code[i]) == len && memcmp(t->code[i], code, len) == 0)
            return i;
    return t->n;
}

static int parse_communes(const mg_diagnosis *g, const char *spec, mg_scope *s, mg_diag *d)
{
    const mg_territory *t = g->t;
    const char *p = spec + 9;
    size_t count = 0;
    while (*p) {
        while (*p == ',' || *p == ';' || *p == ' ' || *p == '+')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '+')
            p++;
        size_t len = (size_t)(p - start);
        if (++count > MG_SCOPE_MAX_CODES)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "scope: more than %d communes in the list", MG_SCOPE_MAX_CODES);
        size_t i = len <= 5 ? find_code(t, start, len) : t->n;
        if (i == t->n || !t->in_study[i])
            return mg_diag_set(d, MG_EINVAL, NULL, 0, (int)(start - spec) + 1,
                               "scope: \"%.*s\" is not the INSEE code of a commune of the study "
                               "territory", (int)(len > 16 ? 16 : len), start);
        s->mark[i] = 1;
    }
    s->kind = MG_SCOPE_COMMUNES;
    int rc = collect(g, s, d);
    if (rc == MG_EINVAL)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "scope \"communes:\": expected INSEE codes separated by commas, "
                           "e.g. communes:11069,11076");
    if (rc)
        return rc;
    communes_key(g, s);
    if (s->n == 1)
        snprintf(s->label, sizeof s->label, "%s", t->name[s->idx[0]]);
    else
        snprintf(s->label, sizeof s->label, "%zu communes", s->n);
    return MG_OK;
}

int mg_scope_parse(const mg_diagnosis *g, const char *spec, mg_scope *out, mg_diag *d)
{
    if (!spec || !*spec) {
        int rc = mg_scope_all(g, NULL, out);
        if (rc)
            mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
        return rc;
    }
    int rc = alloc_marks(g, out, d);
    if (rc)
        return rc;
    if (strncmp(spec, "epci:", 5) == 0)
        rc = parse_epci(g, spec, out, d);
    else if (strncmp(spec, "communes:", 9) == 0)
        rc = parse_communes(g, spec, out, d);
    else
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                         "scope \"%.64s\": expected epci:SIREN (e.g. epci:200035707) or "
                         "communes:CODE,CODE,…", spec);
    if (rc)
        mg_scope_free(out);
    return rc;
}

int mg_scope_from_marks(const mg_diagnosis *g, const uint8_t *mark, const char *label,
                        mg_scope *out, mg_diag *d)
{
    const mg_territory *t = g->t;
    for (size_t i = 0; i < t->n; i++)
        if (mark[i] && !t->in_study[i])
            return mg_diag_set(d, MG_EINVAL, label, 0, 0,
                               "commune %s (%s) is not in the study territory", t->code[i],
                               t->name[i]);
    int rc = alloc_marks(g, out, d);
    if (rc)
        return rc;
    memcpy(out->mark, mark, t->n);
    out->kind = MG_SCOPE_COMMUNES;
    if ((rc = collect(g, out, d))) {
        if (rc == MG_EINVAL)
            mg_diag_set(d, MG_EINVAL, label, 0, 0, "no commune in the scope");
        mg_scope_free(out);
        return rc;
    }
    communes_key(g, out);
    snprintf(out->label, sizeof out->label, "%s", label ? label : "");
    return MG_OK;
}

int mg_scope_summary(const mg_diagnosis *g, const mg_scope *s, const double *value,
                     const double *official, double threshold, mg_summary *out, mg_diag *d)
{
    return mg_summary_compute_on(g, s->idx, s->n, value, official, threshold, NULL, NULL, out, d);
}
