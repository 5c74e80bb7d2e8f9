/*
 * Choosing a commune by typing it (form.h, "Communes"): what a person typed
 * resolved to one study commune, or refused with the close matches named;
 * and the suggestions of the commune fields and of GET /api/communes.
 *
 * Names are compared folded (mg_parse_fold_name): "castelnaudary",
 * "CASTELNAUDARY" and "Castelnaudary" are one name, "St-Papoul" and
 * "Saint Papoul" too. Every call folds the study communes' names again:
 * a few microseconds for the Aude's 433, a few milliseconds for France's
 * 35,000, less than a cache's bookkeeping would cost here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "parse/parse.h"
#include "web/form.h"

/* How much of what was typed a message quotes, in bytes. */
#define QUOTE_BYTES 60
/* How many communes a refusal names. */
#define NAMED_MAX 5
/* Folded names longer than this are not compared by edit distance. */
#define DISTANCE_MAX_LEN 96

/* A commune matching what was typed, and how well (lower is better). */
typedef struct match {
    int rank;
    size_t i;          /* territory index */
    char key[64];      /* its folded name, cut: the order within a rank */
} match;

enum {
    RANK_EXACT,       /* the folded name is the folded query */
    RANK_PREFIX,      /* the name starts with it */
    RANK_WORD,        /* a word of the name starts with it */
    RANK_CONTAINS,    /* the name contains it */
    RANK_CODE,        /* the INSEE code starts with it */
    RANK_NONE
};

static int cmp_match(const void *x, const void *y)
{
    const match *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    return (a->i > b->i) - (a->i < b->i);
}

/* The upper-cased code prefix typed (1 to 5 characters of [0-9AB]), or
 * false when q cannot start a code. */
static bool code_prefix(const char *q, char out[MG_CODE_LEN + 1])
{
    size_t n = 0;
    while (*q == ' ')
        q++;
    for (; *q && *q != ' '; q++) {
        char ch = *q >= 'a' && *q <= 'z' ? (char)(*q - 'a' + 'A') : *q;
        if (n >= MG_CODE_LEN || !((ch >= '0' && ch <= '9') || ch == 'A' || ch == 'B'))
            return false;
        out[n++] = ch;
    }
    while (*q == ' ')
        q++;
    out[n] = 0;
    return n > 0 && !*q;
}

/* How folded name `name` matches folded query `fq` (length fl). */
static int rank_of(const char *name, const char *fq, size_t fl)
{
    if (strcmp(name, fq) == 0)
        return RANK_EXACT;
    if (strncmp(name, fq, fl) == 0)
        return RANK_PREFIX;
    const char *hit = strstr(name, fq);
    if (!hit)
        return RANK_NONE;
    for (const char *p = hit; p; p = strstr(p + 1, fq))
        if (p > name && p[-1] == ' ')
            return RANK_WORD;
    return RANK_CONTAINS;
}

/* Every study commune matching q, best first, into a new array (*out,
 * freed by the caller; NULL when none). Returns how many, or -1 when q is
 * not a name (nothing but separators, too long, not UTF-8). */
static long matches(const mg_diagnosis *g, const char *q, match **out)
{
    *out = NULL;
    char fq[MG_PARSE_FOLD_SIZE];
    size_t fl = 0;
    char code[MG_CODE_LEN + 1];
    bool by_code = code_prefix(q ? q : "", code);
    if (mg_parse_fold_name(q, fq, &fl, NULL) && !by_code)
        return -1;
    if (by_code && fl == 0)
        fq[0] = 0;
    match *m = NULL;
    size_t n = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        char fn[MG_PARSE_FOLD_SIZE];
        int rank = RANK_NONE;
        if (fl && mg_parse_fold_name(g->t->name[i], fn, NULL, NULL) == 0)
            rank = rank_of(fn, fq, fl);
        else
            fn[0] = 0;
        if (rank == RANK_NONE && by_code && strncmp(g->t->code[i], code, strlen(code)) == 0)
            rank = RANK_CODE;
        if (rank == RANK_NONE)
            continue;
        if (!m && !(m = mg_alloc_array(g->study_n, sizeof *m)))
            return 0;
        m[n] = (match){.rank = rank, .i = i};
        snprintf(m[n].key, sizeof m[n].key, "%s", fn);
        n++;
    }
    if (n)
        qsort(m, n, sizeof *m, cmp_match);
    *out = m;
    return (long)n;
}

size_t web_commune_suggest(const mg_diagnosis *g, const char *q, size_t *idx, size_t max)
{
    match *m = NULL;
    long n = g ? matches(g, q, &m) : -1;
    size_t k = 0;
    for (; n > 0 && k < (size_t)n && k < max; k++)
        idx[k] = m[k].i;
    free(m);
    return k;
}

/* Levenshtein distance between a and b (bytes), both at most
 * DISTANCE_MAX_LEN long. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t row[DISTANCE_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The study communes whose folded name is within a few edits of folded
 * query fq (one edit per five characters, at least one), closest first,
 * at most NAMED_MAX into idx. Returns how many. */
static size_t close_names(const mg_diagnosis *g, const char *fq, size_t *idx)
{
    size_t fl = strlen(fq);
    if (fl == 0 || fl > DISTANCE_MAX_LEN)
        return 0;
    size_t limit = 1 + fl / 5;
    size_t best_d[NAMED_MAX], n = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        char fn[MG_PARSE_FOLD_SIZE];
        size_t ln = 0;
        if (mg_parse_fold_name(g->t->name[i], fn, &ln, NULL) || ln > DISTANCE_MAX_LEN ||
            (ln > fl ? ln - fl : fl - ln) > limit)
            continue;
        size_t d = distance(fq, fl, fn, ln);
        if (d > limit)
            continue;
        /* Insert in order of distance, ties in study order. */
        size_t at = n;
        while (at > 0 && best_d[at - 1] > d)
            at--;
        if (at >= NAMED_MAX)
            continue;
        size_t end = n < NAMED_MAX ? n : NAMED_MAX - 1;
        memmove(best_d + at + 1, best_d + at, (end - at) * sizeof *best_d);
        memmove(idx + at + 1, idx + at, (end - at) * sizeof *idx);
        best_d[at] = d;
        idx[at] = i;
        if (n < NAMED_MAX)
            n++;
    }
    return n;
}

/* Appends "Nom (code), Nom (code)…" of the n communes to msg. */
static void name_communes(char *msg, size_t cap, const mg_diagnosis *g, const size_t *idx,
                          size_t n)
{
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(msg);
        if (len + 1 >= cap)
            return;
        snprintf(msg + len, cap - len, "%s%s (%s)", k ? ", " : "", g->t->name[idx[k]],
                 g->t->code[idx[k]]);
    }
}

/* The end of a message: its final words, then, when snprintf cut the
 * message to fit cap (perhaps inside a character), the cut moved back to
 * the last whole character. */
static void finish(char *msg, size_t cap, const char *tail)
{
    size_t len = strlen(msg);
    if (len + 1 < cap)
        snprintf(msg + len, cap - len, "%s", tail);
    len = strlen(msg);
    msg[mg_utf8_check(msg, len, NULL)] = 0;
}

/* The code of a commune as typed "Nom (code)" or "code"; false when the
 * text is neither. */
static bool typed_code(const char *typed, char code[static MG_PARSE_COMMUNE_SIZE])
{
    if (mg_parse_commune(typed, code, NULL) == 0)
        return true;
    const char *open = strrchr(typed, '(');
    const char *close = open ? strchr(open, ')') : NULL;
    if (!close)
        return false;
    for (const char *p = close + 1; *p; p++)
        if (*p != ' ' && *p != '\t')
            return false;
    char inner[MG_PARSE_CODE_MAX + 1];
    size_t len = (size_t)(close - open - 1);
    if (len > MG_PARSE_CODE_MAX)
        return false;
    memcpy(inner, open + 1, len);
    inner[len] = 0;
    return mg_parse_commune(inner, code, NULL) == 0;
}

int web_commune_resolve(const mg_diagnosis *g, const char *typed, long *idx, char *msg,
                        size_t cap)
{
    if (!cap)
        return MG_EINVAL;
    msg[0] = 0;
    const char *v = typed ? typed : "";
    while (*v == ' ' || *v == '\t')
        v++;
    /* What is quoted back must be text: a form has refused other bytes
     * already, other callers may not have. */
    size_t len = strlen(v);
    if (mg_utf8_check(v, len, NULL) != len) {
        snprintf(msg, cap, "le texte saisi n'est pas en UTF-8 valide.");
        finish(msg, cap, "");
        return MG_EINVAL;
    }
    int quoted = (int)mg_utf8_prefix(v, QUOTE_BYTES);
    const char *more = v[quoted] ? "…" : "";
    char code[MG_PARSE_COMMUNE_SIZE];
    if (typed_code(v, code)) {
        long i = mg_territory_find(g->t, code);
        if (i >= 0 && g->t->in_study[i]) {
            *idx = i;
            return MG_OK;
        }
        if (i >= 0)
            snprintf(msg, cap, "%s (%s) ne fait pas partie du territoire étudié.", g->t->name[i],
                     g->t->code[i]);
        else
            snprintf(msg, cap, "aucune commune n'a le code INSEE %s (un code postal n'est pas un "
                               "code INSEE).", code);
        finish(msg, cap, "");
        return MG_EINVAL;
    }
    match *m = NULL;
    long n = matches(g, v, &m);
    if (n < 0) {
        snprintf(msg, cap, "« %.*s%s » n'est ni un nom de commune ni un code INSEE.", quoted, v,
                 more);
        finish(msg, cap, "");
        return MG_EINVAL;
    }
    size_t exact = 0, named[NAMED_MAX], nn = 0;
    while (exact < (size_t)n && m[exact].rank == RANK_EXACT)
        exact++;
    if (exact == 1) {
        *idx = (long)m[0].i;
        free(m);
        return MG_OK;
    }
    for (; nn < (size_t)n && nn < NAMED_MAX; nn++)
        named[nn] = m[nn].i;
    bool several = exact > 1;
    size_t total = several ? exact : (size_t)n;
    free(m);
    if (several) {
        snprintf(msg, cap, "« %.*s%s » désigne %zu communes : ", quoted, v, more, total);
        name_communes(msg, cap, g, named, nn < exact ? nn : exact);
        finish(msg, cap, ". Précisez laquelle en choisissant son code INSEE dans la liste.");
        return MG_EINVAL;
    }
    if (nn == 0) {
        char fq[MG_PARSE_FOLD_SIZE];
        if (mg_parse_fold_name(v, fq, NULL, NULL) == 0)
            nn = close_names(g, fq, named);
    }
    if (nn == 0) {
        snprintf(msg, cap, "aucune commune du territoire ne s'appelle « %.*s%s ».", quoted, v,
                 more);
        finish(msg, cap, "");
        return MG_EINVAL;
    }
    snprintf(msg, cap, "aucune commune du territoire ne s'appelle exactement « %.*s%s ». "
                       "Communes proches : ",
             quoted, v, more);
    name_communes(msg, cap, g, named, nn);
    finish(msg, cap, total > nn ? "… Précisez le nom." : ". Précisez le nom.");
    return MG_EINVAL;
}

long web_form_commune(const web_form_input *in, const char *name)
{
    int i = in ? web_form_field(in->form, name) : -1;
    return i >= 0 ? in->commune[i] : -1;
}
