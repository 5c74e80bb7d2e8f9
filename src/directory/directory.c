/*
 * The directory's records in memory: sets and the pool of their strings,
 * import reports, and the keys and French labels of categories and row
 * statuses. The store (store*.c) and the formats fill and read these.
 */
#include "directory/directory.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"

/* --- Categories ------------------------------------------------------------ */

static const struct {
    const char *key;
    const char *label;
} categories[MG_DIR_CATEGORY_COUNT] = {
    [MG_DIR_GP_PRACTICE] = {"gp_practice", "Cabinet de médecine générale"},
    [MG_DIR_HEALTH_CENTRE] = {"health_centre", "Centre ou maison de santé"},
    [MG_DIR_PHARMACY] = {"pharmacy", "Pharmacie"},
    [MG_DIR_CABIN] = {"cabin", "Cabine de téléconsultation"},
    [MG_DIR_CART] = {"cart", "Chariot de téléconsultation assistée"},
    [MG_DIR_HOSPITAL] = {"hospital", "Hôpital, clinique ou urgences"},
    [MG_DIR_MEDICO_SOCIAL] = {"medico_social", "Établissement médico-social"},
    [MG_DIR_SOCIAL] = {"social", "Acteur social (CCAS, centre social, France services, association)"},
    [MG_DIR_TOWN_HALL] = {"town_hall", "Mairie"},
    [MG_DIR_OTHER] = {"other", "Autre"},
};

const char *mg_dir_category_key(mg_dir_category c)
{
    return (unsigned)c < MG_DIR_CATEGORY_COUNT ? categories[c].key : "other";
}

const char *mg_dir_category_label(mg_dir_category c)
{
    return (unsigned)c < MG_DIR_CATEGORY_COUNT ? categories[c].label : "Autre";
}

int mg_dir_category_parse(const char *key, mg_dir_category *out)
{
    for (int i = 0; key && i < MG_DIR_CATEGORY_COUNT; i++)
        if (strcmp(key, categories[i].key) == 0) {
            *out = (mg_dir_category)i;
            return 0;
        }
    return MG_EINVAL;
}

const char *mg_dir_row_status_key(mg_dir_row_status s)
{
    static const char *const keys[] = {"new", "updated", "unchanged", "duplicate", "refused"};
    return (unsigned)s <= MG_DIR_ROW_REFUSED ? keys[s] : "refused";
}

const char *const mg_dir_suggestion_fields[] = {
    "name", "description", "address", "address_extra", "postcode", "commune_code",
    "commune_name", "phone", "email", "website", "accessibility_url", "opening_hours",
    "network_role", "missions", NULL,
};

/* --- The string pool ------------------------------------------------------- */

/* Blocks of at least POOL_BLOCK bytes, each string in one block. */
#define POOL_BLOCK 16384u

struct mg_dir_pool {
    struct mg_dir_pool *next;
    size_t used, cap;
    char data[];
};

void mg_dir_set_init(mg_dir_set *s)
{
    memset(s, 0, sizeof *s);
}

void mg_dir_set_free(mg_dir_set *s)
{
    if (!s)
        return;
    free(s->structures);
    free(s->services);
    for (struct mg_dir_pool *p = s->pool, *next; p; p = next) {
        next = p->next;
        free(p);
    }
    memset(s, 0, sizeof *s);
}

const char *mg_dir_strdup(mg_dir_set *s, const char *str, size_t n)
{
    if (!s || !str)
        return NULL;
    if (n == SIZE_MAX)
        n = strlen(str);
    else {
        const char *nul = memchr(str, '\0', n);
        if (nul)
            n = (size_t)(nul - str);
    }
    if (n > SIZE_MAX / 2)
        return NULL;
    struct mg_dir_pool *p = s->pool;
    if (!p || p->cap - p->used < n + 1) {
        size_t cap = n + 1 > POOL_BLOCK ? n + 1 : POOL_BLOCK;
        struct mg_dir_pool *b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        /* A large string gets a block of its own behind the current one, so
         * that the current block keeps its free space. */
        if (p && cap > POOL_BLOCK) {
            b->next = p->next;
            p->next = b;
        } else {
            b->next = p;
            s->pool = b;
        }
        p = b;
    }
    char *out = p->data + p->used;
    memcpy(out, str, n);
    out[n] = '\0';
    p->used += n + 1;
    return out;
}

static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return arr;
    size_t c = *cap ? *cap * 2 : 16;
    void *a = mg_realloc_array(arr, c, size);
    if (a)
        *cap = c;
    return a;
}

mg_dir_structure *mg_dir_add_structure(mg_dir_set *s)
{
    mg_dir_structure *a = grow(s->structures, &s->cap_structures, s->nstructures, sizeof *a);
    if (!a)
        return NULL;
    s->structures = a;
    mg_dir_structure *r = &a[s->nstructures++];
    memset(r, 0, sizeof *r);
    r->category = MG_DIR_OTHER;
    r->lat = NAN;
    r->lon = NAN;
    return r;
}

mg_dir_service *mg_dir_add_service(mg_dir_set *s)
{
    mg_dir_service *a = grow(s->services, &s->cap_services, s->nservices, sizeof *a);
    if (!a)
        return NULL;
    s->services = a;
    mg_dir_service *r = &a[s->nservices++];
    memset(r, 0, sizeof *r);
    r->lat = NAN;
    r->lon = NAN;
    r->weekly_hours = NAN;
    return r;
}

/* --- Reports ---------------------------------------------------------------- */

void mg_dir_report_init(mg_dir_report *r)
{
    memset(r, 0, sizeof *r);
}

void mg_dir_report_free(mg_dir_report *r)
{
    if (!r)
        return;
    free(r->rows);
    memset(r, 0, sizeof *r);
}

mg_dir_report_row *mg_dir_report_add(mg_dir_report *r, mg_dir_row_status status, char kind,
                                     const char *source_id, unsigned line, unsigned column)
{
    mg_dir_report_row *a = grow(r->rows, &r->cap, r->n, sizeof *a);
    if (!a)
        return NULL;
    r->rows = a;
    mg_dir_report_row *row = &a[r->n++];
    memset(row, 0, sizeof *row);
    row->status = status;
    row->kind = kind;
    row->line = line;
    row->column = column;
    if (source_id) {
        size_t n = mg_utf8_prefix(source_id, sizeof row->source_id - 1);
        memcpy(row->source_id, source_id, n);
        row->source_id[n] = '\0';
    }
    if ((unsigned)status <= MG_DIR_ROW_REFUSED)
        r->counts[status]++;
    return row;
}
