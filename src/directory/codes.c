/*
 * The data·inclusion code lists: lookups in the generated, sorted table.
 */
#include "directory/codes.h"

#include <stdlib.h>
#include <string.h>

#include "directory/codes_table.h"

static int by_value(const void *key, const void *elem)
{
    return strcmp(key, ((const mg_di_code *)elem)->value);
}

static const mg_di_code *find(mg_di_list l, const char *code)
{
    if ((unsigned)l >= MG_DI_LIST_COUNT || !code)
        return NULL;
    const mg_di_code_list *t = &mg_di_code_lists[l];
    return bsearch(code, t->codes, t->n, sizeof t->codes[0], by_value);
}

bool mg_di_code_known(mg_di_list l, const char *code)
{
    return find(l, code) != NULL;
}

const char *mg_di_code_label(mg_di_list l, const char *code)
{
    const mg_di_code *c = find(l, code);
    return c ? c->label : NULL;
}

const mg_di_code *mg_di_codes(mg_di_list l, size_t *n)
{
    if ((unsigned)l >= MG_DI_LIST_COUNT) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = mg_di_code_lists[l].n;
    return mg_di_code_lists[l].codes;
}

const char *mg_di_list_file(mg_di_list l)
{
    return (unsigned)l < MG_DI_LIST_COUNT ? mg_di_code_lists[l].file : NULL;
}

static void copy_bad(char *bad, size_t cap, const char *s, size_t n)
{
    if (!bad || cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(bad, s, n);
    bad[n] = '\0';
}

bool mg_di_codes_known(mg_di_list l, const char *csv, char *bad, size_t cap)
{
    if (bad && cap)
        bad[0] = '\0';
    if (!csv)
        return true;
    char item[256];
    const char *p = csv;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0 || n >= sizeof item) {
            copy_bad(bad, cap, p, n);
            return false;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        if (!mg_di_code_known(l, item)) {
            copy_bad(bad, cap, p, n);
            return false;
        }
        /* Each code at most once (the schema's uniqueItems). */
        for (const char *q = csv; q < p;) {
            const char *qe = strchr(q, ',');
            if ((size_t)(qe - q) == n && memcmp(q, item, n) == 0) {
                copy_bad(bad, cap, p, n);
                return false;
            }
            q = qe + 1;
        }
        if (!end)
            return true;
        p = end + 1;
    }
}
