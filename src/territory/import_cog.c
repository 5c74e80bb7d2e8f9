/*
 * Import of the Etalab "découpage administratif" files (npm package
 * @etalab/decoupage-administratif): communes.json (current communes and the
 * code history) and epci.json (EPCI and their member communes).
 */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/limits.h"
#include "io/jsonstream.h"
#include "territory/codemap.h"
#include "territory/territory.h"

/* A code of another vintage and the code it now belongs to. */
typedef struct alias {
    mg_code from, to;
} alias;

/* A former code put into the code map after the current codes, in order
 * (what the cache replays). */
typedef struct alias_put {
    mg_code code;
    int32_t idx;
} alias_put;

typedef struct cog_ctx {
    const char *path;
    mg_territory *t;
    size_t cap;
    alias *aliases;
    size_t nalias, alias_cap;
    alias_put *puts;   /* resolve_aliases' puts, nalias at most */
    size_t nputs;
    mg_buf msgs;       /* the import's warnings, each NUL-terminated */
} cog_ctx;

/* A warning to the report, kept for the cache too. */
static void cog_warn(cog_ctx *c, mg_report *rep, const char *fmt, ...) MG_PRINTF(3, 4);

static void cog_warn(cog_ctx *c, mg_report *rep, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    mg_report_add(rep, "%s", text);
    mg_buf_append(&c->msgs, text, strlen(text) + 1);
}

/* Reads member `key` of object `o` as a string. `required` members that are
 * absent, and members of the wrong type, are errors naming the place. */
static int get_str(mg_jval o, const char *key, bool required, const char **out,
                   const char *path, unsigned long line, unsigned long col,
                   mg_diag *d)
{
    mg_jval v = mg_jval_get(o, key);
    *out = NULL;
    if (mg_jval_absent(v) || mg_jval_is_null(v)) {
        if (required)
            return mg_diag_set(d, MG_EPARSE, path, line, col,
                               "missing member \"%s\" (expected a string)", key);
        return MG_OK;
    }
    if (!mg_jval_is_string(v))
        return mg_diag_set(d, MG_EPARSE, path, line, col,
                           "member \"%s\": expected a string", key);
    *out = mg_jval_string(v);
    return MG_OK;
}

static int get_code(mg_jval o, const char *key, bool required, const char **out,
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

static int on_commune(void *ctx, mg_jval e, unsigned long line, unsigned long col,
                      mg_diag *d)
{
    cog_ctx *c = ctx;
    mg_territory *t = c->t;
    if (!mg_jval_is_object(e))
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
    mg_jval p = mg_jval_get(e, "population");
    if (!mg_jval_absent(p) && !mg_jval_is_null(p)) {
        if (!mg_jval_is_number(p) || mg_jval_number(p) < 0 || !isfinite(mg_jval_number(p)))
            return mg_diag_set(d, MG_EPARSE, c->path, line, col,
                               "commune %s: member \"population\": expected a non-negative number",
                               code);
        pop = mg_jval_number(p);
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

    mg_jval anc = mg_jval_get(e, "anciensCodes");
    if (!mg_jval_absent(anc) && !mg_jval_is_null(anc)) {
        if (!mg_jval_is_array(anc))
            return mg_diag_set(d, MG_EPARSE, c->path, line, col,
                               "commune %s: member \"anciensCodes\": expected an array of codes",
                               code);
        size_t k = 0;
        for (mg_jval v = mg_jval_first(anc); !mg_jval_absent(v); v = mg_jval_next(v), k++) {
            const char *s = mg_jval_string(v);
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
    c->puts = mg_alloc_array(c->nalias ? c->nalias : 1, sizeof *c->puts);
    if (!c->puts)
        return MG_ENOMEM;
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
            cog_warn(c, rep, "%s: code %s points to %s, which is not a current commune",
                     c->path, c->aliases[k].from, c->aliases[k].to);
            continue;
        }
        int rc = mg_codemap_put(t->codes, c->aliases[k].from, idx, NULL);
        if (rc)
            return rc;
        memcpy(c->puts[c->nputs].code, c->aliases[k].from, sizeof(mg_code));
        c->puts[c->nputs++].idx = idx;
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

static int on_epci(void *ctx, mg_jval e, unsigned long line, unsigned long col,
                   mg_diag *d)
{
    epci_stage *st = ctx;
    if (!mg_jval_is_object(e))
        return mg_diag_set(d, MG_EPARSE, st->path, line, col, "expected an EPCI object");
    const char *code, *nom;
    int rc;
    if ((rc = get_str(e, "code", true, &code, st->path, line, col, d)) ||
        (rc = get_str(e, "nom", true, &nom, st->path, line, col, d)))
        return rc;
    if (strlen(code) != 9 || strspn(code, "0123456789") != 9)
        return mg_diag_set(d, MG_EPARSE, st->path, line, col,
                           "member \"code\": expected a 9-digit SIREN, found \"%.20s\"", code);
    mg_jval members = mg_jval_get(e, "membres");
    if (!mg_jval_is_array(members))
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
    for (mg_jval m = mg_jval_first(members); !mg_jval_absent(m); m = mg_jval_next(m)) {
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
    st->rc = mg_json_stream_values(r, NULL, on_epci, st, &st->d);
    mg_reader_close(r);
    if (st->rc == MG_ENOMEM && !st->d.msg[0])
        mg_diag_set(&st->d, MG_ENOMEM, st->path, 0, 0, "out of memory");
    return NULL;
}

/* Moves the staged EPCI into t and assigns their members, in file order
 * (a commune listed twice ends in the last EPCI, as it always did). */
static int epci_apply(epci_stage *st, mg_territory *t, cog_ctx *c, mg_report *rep)
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
            cog_warn(c, rep, "%s: EPCI %s: member commune %s is unknown", st->path,
                     t->epci_code[m->epci], m->code);
            continue;
        }
        t->epci[ci] = (int32_t)m->epci;
    }
    return MG_OK;
}

/* ---- The cache of imported files --------------------------------------
 *
 * With MG_CACHE_DIR set in the environment (the command line never sets it
 * by itself; nothing is written otherwise), what this import produces is
 * kept in that folder under a BLAKE2b hash (libsodium) of the two files'
 * bytes and paths (the warnings name the paths) and of this format's
 * version, and read back on a later run of the same files instead of
 * parsing them: communes.json and epci.json take most of the import time,
 * almost all of it in jansson. Another content is another key, so a stale
 * entry is never used; an entry is checked whole (its own BLAKE2b over the
 * payload, every count and length within the importer's bounds) and
 * ignored, then rewritten, when anything is wrong. Entries are written to a
 * temporary file and renamed into place, so a reader never sees half of
 * one. COG_CACHE_VERSION changes whenever what this importer produces from
 * the same files does.
 */
#define COG_CACHE_VERSION "maillage COG cache 1"
#define COG_CACHE_MAX (256ull * 1024 * 1024)

/* Hashes a file's bytes, bounded like any input. */
static bool hash_file(crypto_generichash_state *h, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    unsigned char buf[1 << 16];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        total += n;
        if (total > MG_MAX_FILE_BYTES) {
            fclose(f);
            return false;
        }
        crypto_generichash_update(h, buf, n);
    }
    bool ok = !ferror(f);
    fclose(f);
    uint64_t len = total;
    crypto_generichash_update(h, (const unsigned char *)&len, sizeof len);
    return ok;
}

/* The entry's path for these inputs, or NULL without MG_CACHE_DIR. */
static char *cache_path(const char *communes_path, const char *epci_path)
{
    const char *dir = getenv("MG_CACHE_DIR");
    if (!dir || !dir[0] || sodium_init() < 0)
        return NULL;
    crypto_generichash_state h;
    unsigned char key[32];
    crypto_generichash_init(&h, NULL, 0, sizeof key);
    crypto_generichash_update(&h, (const unsigned char *)COG_CACHE_VERSION,
                              sizeof COG_CACHE_VERSION);
    const char *paths[2] = {communes_path, epci_path};
    for (int k = 0; k < 2; k++) {
        const char *p = paths[k] ? paths[k] : "";
        crypto_generichash_update(&h, (const unsigned char *)p, strlen(p) + 1);
        if (paths[k] && !hash_file(&h, paths[k]))
            return NULL;
    }
    crypto_generichash_final(&h, key, sizeof key);
    char hex[2 * sizeof key + 1];
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    size_t len = strlen(dir) + sizeof hex + 16;
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/cog-%s.bin", dir, hex);
    return path;
}

static void put_u64(mg_buf *b, uint64_t v)
{
    mg_buf_append(b, &v, sizeof v);
}

static void put_str(mg_buf *b, const char *s)
{
    put_u64(b, strlen(s));
    mg_buf_append(b, s, strlen(s));
}

/* Writes the entry for what c and t hold; failures only cost the cache. */
static void cache_store(const char *path, const cog_ctx *c, const mg_territory *t)
{
    if (c->msgs.failed)
        return;
    mg_buf b;
    mg_buf_init(&b, COG_CACHE_MAX);
    mg_buf_append(&b, COG_CACHE_VERSION, sizeof COG_CACHE_VERSION);
    put_u64(&b, t->n);
    for (size_t i = 0; i < t->n; i++) {
        mg_buf_append(&b, t->code[i], sizeof t->code[i]);
        mg_buf_append(&b, t->dep[i], sizeof t->dep[i]);
        mg_buf_append(&b, &t->population[i], sizeof t->population[i]);
        put_str(&b, t->name[i]);
    }
    put_u64(&b, t->nepci);
    for (size_t e = 0; e < t->nepci; e++) {
        mg_buf_append(&b, t->epci_code[e], sizeof t->epci_code[e]);
        put_str(&b, t->epci_name[e]);
    }
    mg_buf_append(&b, t->epci, t->n * sizeof *t->epci);
    put_u64(&b, c->nputs);
    mg_buf_append(&b, c->puts, c->nputs * sizeof *c->puts);
    put_u64(&b, c->msgs.len);
    mg_buf_append(&b, c->msgs.data, c->msgs.len);
    unsigned char sum[32];
    if (!b.failed) {
        crypto_generichash(sum, sizeof sum, (const unsigned char *)b.data, b.len, NULL, 0);
        mg_buf_append(&b, sum, sizeof sum);
    }
    size_t len = strlen(path) + 16;
    char *tmp = malloc(len);
    const char *dir = getenv("MG_CACHE_DIR");
    if (dir)
        (void)mkdir(dir, 0700); /* the folder may not exist yet */
    if (!b.failed && tmp) {
        snprintf(tmp, len, "%s.XXXXXX", path);
        int fd = mkstemp(tmp);
        if (fd >= 0) {
            FILE *f = fdopen(fd, "wb");
            bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
            if (f)
                ok = fclose(f) == 0 && ok;
            else
                close(fd);
            if (!ok || rename(tmp, path) != 0)
                unlink(tmp);
        }
    }
    free(tmp);
    mg_buf_free(&b);
}

/* A reader of the entry's bytes that fails on any overrun. */
typedef struct cache_in {
    const unsigned char *p, *end;
    bool bad;
} cache_in;

static const void *take(cache_in *in, size_t n)
{
    if (in->bad || (size_t)(in->end - in->p) < n) {
        in->bad = true;
        return NULL;
    }
    const void *q = in->p;
    in->p += n;
    return q;
}

static uint64_t take_u64(cache_in *in, uint64_t max)
{
    const void *q = take(in, sizeof(uint64_t));
    uint64_t v = 0;
    if (q)
        memcpy(&v, q, sizeof v);
    if (v > max)
        in->bad = true;
    return in->bad ? 0 : v;
}

static char *take_str(cache_in *in)
{
    size_t n = take_u64(in, MG_MAX_LINE_BYTES);
    const char *q = take(in, n);
    char *s = q ? mg_strndup(q, n) : NULL;
    if (q && (!s || memchr(q, 0, n)))
        in->bad = true;
    return s;
}

/* The territory of the entry at path, or NULL (missing, damaged, out of
 * memory): the caller then parses the files. */
static mg_territory *cache_load(const char *path, mg_report *rep)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    mg_buf b;
    mg_buf_init(&b, COG_CACHE_MAX);
    char chunk[1 << 16];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && !b.failed)
        mg_buf_append(&b, chunk, n);
    bool ok = !ferror(f) && !b.failed && b.len > 32;
    fclose(f);
    unsigned char sum[32];
    if (ok) {
        crypto_generichash(sum, sizeof sum, (const unsigned char *)b.data, b.len - 32, NULL, 0);
        ok = sodium_memcmp(sum, b.data + b.len - 32, 32) == 0;
    }
    mg_territory *t = ok ? calloc(1, sizeof *t) : NULL;
    if (!t) {
        mg_buf_free(&b);
        return NULL;
    }
    cache_in in = {(const unsigned char *)b.data, (const unsigned char *)b.data + b.len - 32, false};
    const char *version = take(&in, sizeof COG_CACHE_VERSION);
    if (!version || memcmp(version, COG_CACHE_VERSION, sizeof COG_CACHE_VERSION) != 0)
        in.bad = true;
    size_t cn = take_u64(&in, MG_MAX_COMMUNES);
    t->codes = mg_codemap_new(60000);
    if (!in.bad && cn > 0 && t->codes) {
        t->code = mg_alloc_array(cn, sizeof *t->code);
        t->name = calloc(cn, sizeof *t->name);
        t->dep = mg_alloc_array(cn, sizeof *t->dep);
        t->population = mg_alloc_array(cn, sizeof *t->population);
        t->epci = mg_alloc_array(cn, sizeof *t->epci);
        t->lat = mg_alloc_array(cn, sizeof *t->lat);
        t->lon = mg_alloc_array(cn, sizeof *t->lon);
        t->point_src = mg_alloc_array(cn, sizeof *t->point_src);
        t->pop_std = mg_alloc_array(cn, sizeof *t->pop_std);
        t->in_study = mg_alloc_array(cn, sizeof *t->in_study);
    }
    if (in.bad || cn == 0 || !t->codes || !t->code || !t->name || !t->dep || !t->population ||
        !t->epci || !t->lat || !t->lon || !t->point_src || !t->pop_std || !t->in_study)
        goto bad;
    for (size_t i = 0; i < cn && !in.bad; i++) {
        const void *code = take(&in, sizeof t->code[i]), *dep = take(&in, sizeof t->dep[i]);
        const void *pop = take(&in, sizeof t->population[i]);
        if (!code || !dep || !pop)
            break;
        memcpy(t->code[i], code, sizeof t->code[i]);
        memcpy(t->dep[i], dep, sizeof t->dep[i]);
        memcpy(&t->population[i], pop, sizeof t->population[i]);
        t->n = i + 1; /* names so far are freed with the territory */
        t->name[i] = take_str(&in);
        bool inserted = false;
        if (!t->name[i] || !mg_code_valid(t->code[i], strnlen(t->code[i], sizeof t->code[i])) ||
            t->dep[i][sizeof t->dep[i] - 1] != '\0' ||
            mg_codemap_put(t->codes, t->code[i], (int32_t)i, &inserted) || !inserted)
            in.bad = true;
    }
    size_t ne = take_u64(&in, MG_MAX_COMMUNES);
    if (in.bad)
        goto bad;
    t->epci_code = mg_alloc_array(ne ? ne : 1, sizeof *t->epci_code);
    t->epci_name = calloc(ne ? ne : 1, sizeof *t->epci_name);
    if (!t->epci_code || !t->epci_name)
        goto bad;
    for (size_t e = 0; e < ne && !in.bad; e++) {
        const void *code = take(&in, sizeof t->epci_code[e]);
        if (!code)
            break;
        memcpy(t->epci_code[e], code, sizeof t->epci_code[e]);
        t->nepci = e + 1;
        t->epci_name[e] = take_str(&in);
        if (!t->epci_name[e] || t->epci_code[e][9] != '\0')
            in.bad = true;
    }
    const void *epci = take(&in, cn * sizeof *t->epci);
    if (!epci)
        goto bad;
    memcpy(t->epci, epci, cn * sizeof *t->epci);
    for (size_t i = 0; i < cn; i++) {
        if (t->epci[i] < -1 || t->epci[i] >= (int64_t)ne)
            goto bad;
        t->lat[i] = t->lon[i] = t->pop_std[i] = NAN;
    }
    size_t np = take_u64(&in, 4ull * MG_MAX_COMMUNES);
    const alias_put *puts = take(&in, np * sizeof *puts);
    if (!puts)
        goto bad;
    for (size_t k = 0; k < np; k++) {
        alias_put a;
        memcpy(&a, &puts[k], sizeof a);
        if (a.idx < 0 || (size_t)a.idx >= cn || !mg_code_valid(a.code, strnlen(a.code, sizeof a.code)) ||
            mg_codemap_put(t->codes, a.code, a.idx, NULL))
            goto bad;
    }
    size_t ml = take_u64(&in, COG_CACHE_MAX);
    const char *msgs = take(&in, ml);
    if (!msgs || in.p != in.end || (ml && msgs[ml - 1] != '\0'))
        goto bad;
    for (size_t k = 0; k < ml; k += strlen(msgs + k) + 1)
        mg_report_add(rep, "%s", msgs + k);
    mg_buf_free(&b);
    return t;
bad:
    mg_buf_free(&b);
    mg_territory_free(t);
    return NULL;
}

int mg_import_cog(mg_territory **out, const char *communes_path,
                  const char *epci_path, mg_report *rep, mg_diag *d)
{
    *out = NULL;
    char *cached = cache_path(communes_path, epci_path);
    if (cached && (*out = cache_load(cached, rep))) {
        free(cached);
        return MG_OK;
    }
    mg_territory *t = calloc(1, sizeof *t);
    if (!t) {
        free(cached);
        return MG_ENOMEM;
    }
    cog_ctx c = {.path = communes_path, .t = t};
    mg_buf_init(&c.msgs, COG_CACHE_MAX);
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
    rc = mg_json_stream_values(r, NULL, on_commune, &c, d);
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
        if ((rc = epci_apply(&st, t, &c, rep)))
            goto fail;
    }
    epci_stage_free(&st);
    if (cached) {
        /* Kept only if the files still hash to the key: one changed while
         * it was read would otherwise be kept under its old content. */
        char *again = cache_path(communes_path, epci_path);
        if (again && strcmp(again, cached) == 0)
            cache_store(cached, &c, t);
        free(again);
    }
    free(cached);
    free(c.aliases);
    free(c.puts);
    mg_buf_free(&c.msgs);
    *out = t;
    return MG_OK;
fail:
    /* The communes' fault comes first, as when the files were read in turn. */
    if (threaded)
        pthread_join(thread, NULL);
    epci_stage_free(&st);
    free(cached);
    free(c.aliases);
    free(c.puts);
    mg_buf_free(&c.msgs);
    mg_territory_free(t);
    if (rc == MG_ENOMEM)
        mg_diag_set(d, rc, communes_path, 0, 0, "out of memory");
    return rc;
}
