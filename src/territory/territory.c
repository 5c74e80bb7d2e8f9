#include "territory/territory.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "territory/codemap.h"

void mg_report_add(mg_report *r, const char *fmt, ...)
{
    if (!r)
        return;
    r->count++;
    if (r->kept >= MG_REPORT_KEEP)
        return;
    if (!r->msg) {
        r->msg = mg_alloc_array(MG_REPORT_KEEP, sizeof *r->msg);
        if (!r->msg)
            return;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *s = mg_strdup(buf);
    if (s)
        r->msg[r->kept++] = s;
}

void mg_report_free(mg_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->kept; i++)
        free(r->msg[i]);
    free(r->msg);
    r->msg = NULL;
    r->kept = r->count = 0;
}

static void shapes_free(mg_shapes *s)
{
    free(s->commune_poly);
    free(s->poly_ring);
    free(s->ring_pt);
    free(s->lon);
    free(s->lat);
    *s = (mg_shapes){0};
}

void mg_territory_free(mg_territory *t)
{
    if (!t)
        return;
    if (t->name)
        for (size_t i = 0; i < t->n; i++)
            free(t->name[i]);
    if (t->epci_name)
        for (size_t i = 0; i < t->nepci; i++)
            free(t->epci_name[i]);
    free(t->code);
    free(t->name);
    free(t->dep);
    free(t->epci);
    free(t->population);
    free(t->lat);
    free(t->lon);
    free(t->point_src);
    free(t->pop_std);
    free(t->in_study);
    free(t->epci_code);
    free(t->epci_name);
    shapes_free(&t->shapes);
    mg_codemap_free(t->codes);
    free(t);
}

long mg_territory_find(const mg_territory *t, const char *code)
{
    return mg_codemap_get(t->codes, code);
}

long mg_territory_find_current(const mg_territory *t, const char *code)
{
    int32_t i = mg_codemap_get(t->codes, code);
    if (i < 0)
        return -1;
    for (size_t k = 0; k < MG_CODE_LEN; k++)
        if (t->code[i][k] != code[k])
            return -1;
    return i;
}

size_t mg_territory_study_count(const mg_territory *t)
{
    size_t c = 0;
    for (size_t i = 0; i < t->n; i++)
        c += t->in_study[i];
    return c;
}
