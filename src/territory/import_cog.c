/*
 * Import of the Etalab "découpage administratif" files (npm package
 * @etalab/decoupage-administratif): communes.json (current communes and the
 * code history) and epci.json (EPCI and their member communes).
 */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "io/jsonstream.h"
#include "territory/codemap.h"
#include "territory/territory.h"

/* A code of another vintage and the code it now belongs to. */
typedef struct alias {
    mg_code from, to;
} alias;

typedef struct cog_ctx {
    const char *path;
    mg_territory *t;
    size_t cap;
    alias *aliases;
    size_t nalias, alias_cap;
} cog_ctx;

/* Reads member `key` of object `o` as a string. `required` members that are
 * absent, and members of the wrong type, are errors naming the place. */
static int get_str(json_t *o, const char *key, bool required, const char **out,
                   const char *path, unsigned long line, unsigned long col,
                   mg_diag *d)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return mg_diag_set(d, MG_EPARSE, path, line, col,
                               "missing member \"%s\" (expected a string)", key);
        return MG_OK;
    }
    if (!json_is_string(v))
        return mg_diag_set(d, MG_EPARSE, path, line, col,
                           "member \"%s\": expected a string", key);
    *out = json_string_value(v);
    return MG_OK;
}

static int get_code(json_t *o, const char *key, bool required, const char **out,
                    const char *path, unsigned long line, unsigned long col,
                    mg_diag *d)
{
    int rc = get_str(o, key, required, out, path, line, col, d);
    if (rc || !*out)
        return rc;
    if (!mg_code_valid(*out, strlen(*out)))
        return mg_diag_set(d, MG_EPARSE, path, line, col,
                           "member \"%s\": expected a 5-character commune code, found \"%.20s\"",
                           key, *out);
    return MG_OK;
}

static int push_alias(cog_ctx *c, const char *from, const char *to)
{
    if (c->nalias == c->alias_cap) {
        size_t ncap = c->alias_cap ? c->alias_cap * 2 : 1024;
        alias *na = mg_realloc_array(c->aliases, ncap, sizeof *na);
        if (!na)
            return MG_ENOMEM;
        c->aliases = na;
        c->alias_cap = ncap;
    }
    memcpy(c->aliases[c->nalias].from, from, MG_CODE_LEN + 1);
    memcpy(c->aliases[c->nalias].to, to, MG_CODE_LEN + 1);
    c->nalias++;
    return MG_OK;
}

static int grow_communes(cog_ctx *c)
{
    mg_territory *t = c->t;
    size_t ncap = c->cap ? c->cap * 2 : 4096;
    if (ncap > MG_MAX_COMMUNES)
        ncap = MG_MAX_COMMUNES;
    void *p;
#define GROW(field)                                                    \
    p = mg_realloc_array(t->field, ncap, sizeof *t->field);            \
    if (!p)                                                            \
        return MG_ENOMEM;                                              \
    t->field = p;
    GROW(code) GROW(name) GROW(dep) GROW(population)
#undef GROW
    c->cap = ncap;
    return MG_OK;
}

static int on_commune(void *ctx, json_t *e, unsigned long line, unsigned long col,
                      mg_diag *d)
{
    cog_ctx *c = ctx;
    mg_territory *t = c->t;
    if (!json_is_object(e))
        return mg_diag_set(d, MG_EPARSE, c->path, line, col,
                           "expected a commune object");
    const char *code, *type, *nom, *dep;
    int rc;
    if ((rc = get_code(e, "code", true, &code, c->path, line, col, d)) ||
        (rc = get_str(e, "type", true, &type, c->path, line, col, d)) ||
        (rc = get_str(e, "nom", true, &nom, c->path, line, col, d)))
        return rc;

    if (strcmp(type, "commune-actuelle") != 0) {
        /* A delegated or associated commune points to its chef-lieu; a
         * municipal arrondissement (Paris, Lyon, Marseille) to its commune. */
        const char *key = strcmp(type, "arrondissement-municipal") == 0 ? "commune" : "chefLieu";
        const char *to;
        if (strcmp(type, "commune-deleguee") != 0 && strcmp(type, "commune-associee") != 0 &&
            strcmp(type, "arrondissement-municipal") != 0)
            return mg_diag_set(d, MG_EPARSE, c->path, line, col,
                               "member \"type\": expected commune-actuelle, commune-deleguee, "
                               "commune-associee or arrondissement-municipal, found \"%.40s\"",
                               type);
        if ((rc = get_code(e, key, true, &to, c->path, line, col, d)))
            return rc;
        return push_alias(c, code, to);
    }

    if ((rc = get_str(e, "departement", true, &dep, c->path, line, col, d)))
        return rc;
    if (strlen(dep) < 2 || strlen(dep) > 3)
        return mg_diag_set(d, MG_EPARSE, c->path, line, col,
                           "member \"departement\": expected a 2- or 3-character code, found \"%.20s\"",
                           dep);
    double pop = 0;
    json_t *p = json_object_get(e, "population");
    if (p && !json_is_null(p)) {
        if (!json_is_number(p) || json_number_value(p) < 0 || !isfinite(json_number_value(p)))
            return mg_diag_set(d, MG_EPARSE, c->path, line, col,
                               "commune %s: member \"population\": expected a non-negative number",
                               code);
        pop = json_number_value(p);
    }
    if (t->n >= MG_MAX_COMMUNES)
        return mg_diag_set(d, MG_ELIMIT, c->path, line, col,
                           "more than %u communes", MG_MAX_COMMUNES);
    if (t->n == c->cap && (rc = grow_communes(c)))
        return mg_diag_set(d, rc, c->path, line, col, "out of memory");

    bool inserted;
    if ((rc = mg_codemap_put(t->codes, code, (int32_t)t->n, &inserted)))
        return mg_diag_set(d, rc, c->path, line, col, "out of memory");
    if (!inserted)
        return mg_diag_set(d, MG_EPARSE, c->path, line, col,
                           "commune %s appears twice as commune-actuelle", code);
    size_t i = t->n;
    memcpy(t->code[i], code, MG_CODE_LEN + 1);
    t->name[i] = mg_strdup(nom);
    if (!t->name[i])
        return MG_ENOMEM;
    memset(t->dep[i], 0, sizeof t->dep[i]);
    memcpy(t->dep[i], dep, strlen(dep));
    t->population[i] = pop;
    t->n++;

    json_t *anc = json_object_get(e, "anciensCodes");
    if (anc && !json_is_null(anc)) {
        if (!json_is_array(anc))
            return mg_diag_set(d, MG_EPARSE, c->path, line, col,
                               "commune %s: member \"anciensCodes\": expected an array of codes",
                               code);
        size_t k;
        json_t *v;
        json_array_foreach(anc, k, v) {
            const char *s = json_string_value(v);
            if (!s || !mg_code_valid(s, strlen(s)))
                return mg_diag_set(d, MG_EPARSE, c->path, line, col,
                                   "commune %s: anciensCodes[%zu]: expected a 5-character code",
                                   code, k);
            if ((rc = push_alias(c, s, code)))
                return rc;
        }
    }
    return MG_OK;
}

/* Registers former codes once every current code is known, following chains
 * (a delegated commune whose chef-lieu is itself a former code). */
static int resolve_aliases(cog_ctx *c, mg_report *rep)
{
    mg_territory *t = c->t;
    for (size_t k = 0; k < c->nalias; k++) {
        const char *to = c->aliases[k].to;
        int32_t idx = mg_codemap_get(t->codes, to);
        for (size_t hop = 0; idx < 0 && hop < 4; hop++) {
            const char *next = NULL;
            for (size_t m = 0; m < c->nalias && !next; m++)
                if (strcmp(c->aliases[m].from, to) == 0)
                    next = c->aliases[m].to;
            if (!next)
                break;
            to = next;
            idx = mg_codemap_get(t->codes, to);
        }
        if (idx < 0) {
            mg_report_add(rep, "%s: code %s points to %s, which is not a current commune",
                          c->path, c->aliases[k].from, c->aliases[k].to);
            continue;
        }
        int rc = mg_codemap_put(t->codes, c->aliases[k].from, idx, NULL);
        if (rc)
            return rc;
    }
    return MG_OK;
}

/*
 * epci.json is read in two stages so that its parse, which needs nothing of
 * the communes, can run on a second thread while communes.json is parsed:
 * the EPCI and their members' codes are staged (checked as they come), then
 * applied in order once the communes and their code history are known.
 */
typedef struct epci_member {
    mg_code code;
    uint32_t epci; /* index of its EPCI in the staging */
} epci_member;

typedef struct epci_stage {
    const char *path;
    char (*code)[10];
    char **name;
    size_t n, cap;
    epci_member *member;
    size_t nmember, member_cap;
    int rc;      /* of the read */
    mg_diag d;   /* its message */
} epci_stage;

static void epci_stage_free(epci_stage *st)
{
    for (size_t k = 0; k < st->n; k++)
        free(st->name[k]);
    free(st->code);
    free(st->name);
    free(st->member);
}

static int on_epci(void *ctx, json_t *e, unsigned long line, unsigned long col,
                   mg_diag *d)
{
    epci_stage *st = ctx;
    if (!json_is_object(e))
        return mg_diag_set(d, MG_EPARSE, st->path, line, col, "expected an EPCI object");
    const char *code, *nom;
    int rc;
    if ((rc = get_str(e, "code", true, &code, st->path, line, col, d)) ||
        (rc = get_str(e, "nom", true, &nom, st->path, line, col, d)))
        return rc;
    if (strlen(code) != 9 || strspn(code, "0123456789") != 9)
        return mg_diag_set(d, MG_EPARSE, st->path, line, col,
                           "member \"code\": expected a 9-digit SIREN, found \"%.20s\"", code);
    json_t *members = json_object_get(e, "membres");
    if (!json_is_array(members))
        return mg_diag_set(d, MG_EPARSE, st->path, line, col,
                           "EPCI %s: member \"membres\": expected an array", code);
    if (st->n == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 256;
        if (ncap > MG_MAX_COMMUNES)
            ncap = MG_MAX_COMMUNES;
        if (st->n >= ncap)
            return mg_diag_set(d, MG_ELIMIT, st->path, line, col, "more than %u EPCI",
                               MG_MAX_COMMUNES);
        void *p = mg_realloc_array(st->code, ncap, sizeof *st->code);
        if (!p)
            return MG_ENOMEM;
        st->code = p;
        p = mg_realloc_array(st->name, ncap, sizeof *st->name);
        if (!p)
            return MG_ENOMEM;
        st->name = p;
        st->cap = ncap;
    }
    size_t ei = st->n;
    memcpy(st->code[ei], code, 10);
    st->name[ei] = mg_strdup(nom);
    if (!st->name[ei])
        return MG_ENOMEM;
    st->n++;
    size_t k;
    json_t *m;
    json_array_foreach(members, k, m) {
        const char *mc;
        if ((rc = get_code(m, "code", true, &mc, st->path, line, col, d)))
            return rc;
        if (st->nmember == st->member_cap) {
            size_t ncap = st->member_cap ? st->member_cap * 2 : 4096;
            if (ncap > MG_MAX_COMMUNES * 4ull)
                ncap = MG_MAX_COMMUNES * 4ull;
            if (st->nmember >= ncap)
                return mg_diag_set(d, MG_ELIMIT, st->path, line, col,
                                   "more than %llu EPCI members",
                                   (unsigned long long)MG_MAX_COMMUNES * 4ull);
            epci_member *nm = mg_realloc_array(st->member, ncap, sizeof *nm);
            if (!nm)
                return MG_ENOMEM;
            st->member = nm;
            st->member_cap = ncap;
        }
        memcpy(st->member[st->nmember].code, mc, MG_CODE_LEN + 1);
        st->member[st->nmember].epci = (uint32_t)ei;
        st->nmember++;
    }
    return MG_OK;
}

/* Reads and stages epci.json (the second thread's work, or the caller's). */
static void *epci_read(void *arg)
{
    epci_stage *st = arg;
    mg_reader *r = NULL;
    if ((st->rc = mg_reader_open(&r, st->path, &st->d)))
        return NULL;
    st->rc = mg_json_stream_array(r, NULL, on_epci, st, &st->d);
    mg_reader_close(r);
    if (st->rc == MG_ENOMEM && !st->d.msg[0])
        mg_diag_set(&st->d, MG_ENOMEM, st->path, 0, 0, "out of memory");
    return NULL;
}

/* Moves the staged EPCI into t and assigns their members, in file order
 * (a commune listed twice ends in the last EPCI, as it always did). */
static int epci_apply(epci_stage *st, mg_territory *t, mg_report *rep)
{
    size_t n = st->n ? st->n : 1;
    t->epci_code = mg_alloc_array(n, sizeof *t->epci_code);
    t->epci_name = mg_alloc_array(n, sizeof *t->epci_name);
    if (!t->epci_code || !t->epci_name)
        return MG_ENOMEM;
    memcpy(t->epci_code, st->code, st->n * sizeof *st->code);
    memcpy(t->epci_name, st->name, st->n * sizeof *st->name);
    t->nepci = st->n;
    st->n = 0; /* the names now belong to t */
    for (size_t k = 0; k < st->nmember; k++) {
        const epci_member *m = &st->member[k];
        long ci = mg_territory_find(t, m->code);
        if (ci < 0) {
            mg_report_add(rep, "%s: EPCI %s: member commune %s is unknown", st->path,
                          t->epci_code[m->epci], m->code);
            continue;
        }
        t->epci[ci] = (int32_t)m->epci;
    }
    return MG_OK;
}

int mg_import_cog(mg_territory **out, const char *communes_path,
                  const char *epci_path, mg_report *rep, mg_diag *d)
{
    *out = NULL;
    mg_territory *t = calloc(1, sizeof *t);
    if (!t)
        return MG_ENOMEM;
    cog_ctx c = {.path = communes_path, .t = t};
    epci_stage st = {.path = epci_path};
    mg_reader *r = NULL;
    int rc = MG_ENOMEM;
    /* epci.json is parsed beside communes.json when a thread can be had
     * (a third of the import's time on France); else after it, here. */
    pthread_t thread;
    bool threaded = epci_path && pthread_create(&thread, NULL, epci_read, &st) == 0;
    t->codes = mg_codemap_new(60000);
    if (!t->codes)
        goto fail;
    if ((rc = mg_reader_open(&r, communes_path, d)))
        goto fail;
    rc = mg_json_stream_array(r, NULL, on_commune, &c, d);
    mg_reader_close(r);
    r = NULL;
    if (rc)
        goto fail;
    if (t->n == 0) {
        rc = mg_diag_set(d, MG_EPARSE, communes_path, 0, 0,
                         "no commune of type commune-actuelle found");
        goto fail;
    }
    if ((rc = resolve_aliases(&c, rep)))
        goto fail;

    size_t n = t->n;
    t->epci = mg_alloc_array(n, sizeof *t->epci);
    t->lat = mg_alloc_array(n, sizeof *t->lat);
    t->lon = mg_alloc_array(n, sizeof *t->lon);
    t->point_src = mg_alloc_array(n, sizeof *t->point_src);
    t->pop_std = mg_alloc_array(n, sizeof *t->pop_std);
    t->in_study = mg_alloc_array(n, sizeof *t->in_study);
    rc = MG_ENOMEM;
    if (!t->epci || !t->lat || !t->lon || !t->point_src || !t->pop_std || !t->in_study)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        t->epci[i] = -1;
        t->lat[i] = t->lon[i] = t->pop_std[i] = NAN;
    }

    if (epci_path) {
        if (threaded) {
            pthread_join(thread, NULL);
            threaded = false;
        } else {
            epci_read(&st);
        }
        if ((rc = st.rc)) {
            *d = st.d;
            goto fail;
        }
        if ((rc = epci_apply(&st, t, rep)))
            goto fail;
    }
    epci_stage_free(&st);
    free(c.aliases);
    *out = t;
    return MG_OK;
fail:
    /* The communes' fault comes first, as when the files were read in turn. */
    if (threaded)
        pthread_join(thread, NULL);
    epci_stage_free(&st);
    free(c.aliases);
    mg_territory_free(t);
    if (rc == MG_ENOMEM)
        mg_diag_set(d, rc, communes_path, 0, 0, "out of memory");
    return rc;
}
