#include "diagnosis/layer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "io/csv.h"
#include "io/reader.h"
#include "parse/parse.h"

/* Descriptors are a few lines; anything longer is not one. */
#define DESC_MAX_BYTES (64u * 1024u)

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Copies [s, s+len) into out (cap bytes) or fails when it does not fit. */
static bool copy(char *out, size_t cap, const char *s, size_t len)
{
    if (len >= cap)
        return false;
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

/* The classes of "ZIP, ZAC, hors zonage" into desc; the column of the
 * value's start for messages. */
static int parse_classes(const char *v, size_t len, const char *name, unsigned long line,
                         unsigned long col, mg_layer_desc *desc, mg_diag *d)
{
    size_t k = 0;
    const char *p = v, *end = v + len;
    while (p < end) {
        const char *s = p;
        while (p < end && *p != ',')
            p++;
        const char *e = p;
        while (s < e && blank(*s))
            s++;
        while (e > s && blank(e[-1]))
            e--;
        if (e == s)
            return mg_diag_set(d, MG_EPARSE, name, line, col + (unsigned long)(s - v),
                               "an empty class in \"classes\" (expected names separated by "
                               "commas, e.g. ZIP, ZAC, hors zonage)");
        if (k == MG_LAYER_MAX_CLASSES)
            return mg_diag_set(d, MG_EPARSE, name, line, col + (unsigned long)(s - v),
                               "more than %d classes (a map shows at most %d)",
                               MG_LAYER_MAX_CLASSES, MG_LAYER_MAX_CLASSES);
        if (!copy(desc->classes[k], sizeof desc->classes[k], s, (size_t)(e - s)))
            return mg_diag_set(d, MG_EPARSE, name, line, col + (unsigned long)(s - v),
                               "class name longer than %d bytes", MG_LAYER_CLASS_CHARS - 1);
        for (size_t j = 0; j < k; j++)
            if (strcmp(desc->classes[j], desc->classes[k]) == 0)
                return mg_diag_set(d, MG_EPARSE, name, line, col + (unsigned long)(s - v),
                                   "class \"%s\" given twice", desc->classes[k]);
        k++;
        if (p < end)
            p++; /* the comma */
    }
    desc->nclasses = k;
    return MG_OK;
}

int mg_layer_parse_descriptor(const char *text, size_t len, const char *name,
                              mg_layer_desc *out, mg_diag *d)
{
    *out = (mg_layer_desc){.sep = ';'};
    snprintf(out->code_column, sizeof out->code_column, "code");
    snprintf(out->value_column, sizeof out->value_column, "valeur");
    if (len > DESC_MAX_BYTES)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0, "a layer descriptor of more than %u bytes",
                           DESC_MAX_BYTES);
    size_t bad = mg_utf8_check(text, len, NULL);
    if (bad < len)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0, "not UTF-8 text (byte %zu)", bad + 1);
    static const char *const keys[] = {"nom", "annee", "source", "fichier", "colonne_code",
                                       "colonne_valeur", "separateur", "type", "classes"};
    enum { K_NOM, K_ANNEE, K_SOURCE, K_FICHIER, K_CODE, K_VALEUR, K_SEP, K_TYPE, K_CLASSES,
           K_COUNT };
    bool seen[K_COUNT] = {0};
    unsigned long line = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        line++;
        const char *ls = p;
        while (p < end && *p != '\n')
            p++;
        const char *le = p;
        if (p < end)
            p++;
        if (le > ls && le[-1] == '\r')
            le--;
        for (const char *c = ls; c < le; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t')
                return mg_diag_set(d, MG_EPARSE, name, line, (unsigned long)(c - ls) + 1,
                                   "a control character");
        const char *s = ls;
        while (s < le && blank(*s))
            s++;
        if (s == le || *s == '#')
            continue;
        const char *eq = memchr(s, '=', (size_t)(le - s));
        if (!eq)
            return mg_diag_set(d, MG_EPARSE, name, line, (unsigned long)(s - ls) + 1,
                               "expected \"key = value\" (keys: nom, annee, source, fichier, "
                               "colonne_code, colonne_valeur, separateur, type, classes)");
        const char *ke = eq;
        while (ke > s && blank(ke[-1]))
            ke--;
        const char *v = eq + 1, *ve = le;
        while (v < ve && blank(*v))
            v++;
        while (ve > v && blank(ve[-1]))
            ve--;
        size_t klen = (size_t)(ke - s), vlen = (size_t)(ve - v);
        unsigned long vcol = (unsigned long)(v - ls) + 1;
        int k = 0;
        while (k < K_COUNT && !(strlen(keys[k]) == klen && memcmp(keys[k], s, klen) == 0))
            k++;
        if (k == K_COUNT)
            return mg_diag_set(d, MG_EPARSE, name, line, (unsigned long)(s - ls) + 1,
                               "unknown key \"%.*s\" (keys: nom, annee, source, fichier, "
                               "colonne_code, colonne_valeur, separateur, type, classes)",
                               (int)(klen > 40 ? 40 : klen), s);
        if (seen[k])
            return mg_diag_set(d, MG_EPARSE, name, line, (unsigned long)(s - ls) + 1,
                               "\"%s\" given twice", keys[k]);
        seen[k] = true;
        if (vlen == 0 && k != K_SEP)
            return mg_diag_set(d, MG_EPARSE, name, line, vcol, "\"%s\" has no value", keys[k]);
        bool fits = true;
        switch (k) {
        case K_NOM: fits = copy(out->label, sizeof out->label, v, vlen); break;
        case K_SOURCE: fits = copy(out->source, sizeof out->source, v, vlen); break;
        case K_FICHIER: fits = copy(out->file, sizeof out->file, v, vlen); break;
        case K_CODE: fits = copy(out->code_column, sizeof out->code_column, v, vlen); break;
        case K_VALEUR: fits = copy(out->value_column, sizeof out->value_column, v, vlen); break;
        case K_ANNEE:
            /* Four digits (the text is not NUL-terminated: no strspn). */
            if (vlen != 4 || !all_digits(v, 4))
                return mg_diag_set(d, MG_EPARSE, name, line, vcol,
                                   "\"annee\" must be a year of four digits, e.g. 2023");
            fits = copy(out->year, sizeof out->year, v, vlen);
            break;
        case K_SEP:
            if (vlen == 1 && (*v == ';' || *v == ',' || *v == '|'))
                out->sep = *v;
            else if (vlen == 3 && memcmp(v, "tab", 3) == 0)
                out->sep = '\t';
            else
                return mg_diag_set(d, MG_EPARSE, name, line, vcol,
                                   "\"separateur\" must be ; , | or tab");
            break;
        case K_TYPE:
            if (vlen == 7 && memcmp(v, "classes", 7) == 0)
                out->numeric = false;
            else if (vlen == 6 && memcmp(v, "nombre", 6) == 0)
                out->numeric = true;
            else
                return mg_diag_set(d, MG_EPARSE, name, line, vcol,
                                   "\"type\" must be classes or nombre");
            break;
        default: {
            int rc = parse_classes(v, vlen, name, line, vcol, out, d);
            if (rc)
                return rc;
        }
        }
        if (!fits)
            return mg_diag_set(d, MG_EPARSE, name, line, vcol, "the value of \"%s\" is too long",
                               keys[k]);
    }
    static const int required[] = {K_NOM, K_ANNEE, K_SOURCE, K_FICHIER};
    for (size_t r = 0; r < sizeof required / sizeof *required; r++)
        if (!seen[required[r]])
            return mg_diag_set(d, MG_EPARSE, name, line, 0,
                               "\"%s\" is missing (a layer names its file, its name, its source "
                               "and its year)", keys[required[r]]);
    if (out->numeric && out->nclasses)
        return mg_diag_set(d, MG_EPARSE, name, 0, 0,
                           "\"classes\" is for a layer of type classes, not nombre");
    return MG_OK;
}

void mg_layer_free(mg_layer *l)
{
    if (!l)
        return;
    free(l->cls);
    free(l->value);
    free(l);
}

int mg_layer_class(const mg_layer *l, const char *name)
{
    for (size_t k = 0; k < l->desc.nclasses; k++)
        if (strcmp(l->desc.classes[k], name) == 0)
            return (int)k;
    return -1;
}

const char *mg_layer_text(const mg_layer *l, size_t i, char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    if (i >= l->n)
        return out;
    if (l->cls)
        return l->cls[i] >= 0 ? l->desc.classes[l->cls[i]] : out;
    if (isnan(l->value[i]) || !cap)
        return out;
    snprintf(out, cap, "%.6g", l->value[i]);
    char *dot = strchr(out, '.');
    if (dot)
        *dot = ',';
    return out;
}

/* One row: commune code field `code` and value field `v`. */
static int read_row(const mg_territory *t, mg_layer *l, mg_csv *c, int ic, int iv,
                    const char *name, uint8_t *given, mg_diag *d)
{
    const char *code = mg_csv_field(c, (size_t)ic, NULL);
    const char *v = mg_csv_field(c, (size_t)iv, NULL);
    unsigned long line = mg_csv_line(c);
    if (!code)
        code = "";
    while (*code == ' ')
        code++;
    long i = mg_territory_find(t, code);
    if (i < 0)
        return mg_diag_set(d, MG_EPARSE, name, line, mg_csv_col(c, (size_t)ic),
                           "\"%.16s\" is not the INSEE code of a commune (any vintage of the COG)",
                           code);
    l->rows++;
    if (!t->in_study[i]) {
        l->outside++;
        return MG_OK;
    }
    if (given[i])
        return mg_diag_set(d, MG_EPARSE, name, line, mg_csv_col(c, (size_t)ic),
                           "commune %s (%s) is given twice (a former code names it too?)",
                           t->code[i], t->name[i]);
    given[i] = 1;
    char val[MG_LAYER_CLASS_CHARS];
    size_t vlen = v ? strlen(v) : 0;
    while (vlen && v[vlen - 1] == ' ')
        vlen--;
    while (vlen && *v == ' ') {
        v++;
        vlen--;
    }
    if (vlen == 0)
        return MG_OK;
    unsigned long vcol = mg_csv_col(c, (size_t)iv);
    if (l->desc.numeric) {
        if (!copy(val, sizeof val, v, vlen))
            return mg_diag_set(d, MG_EPARSE, name, line, vcol, "expected a number");
        mg_parse_error why;
        double x;
        if (mg_parse_number(val, -1e15, 1e15, &x, &why))
            return mg_diag_set(d, MG_EPARSE, name, line, vcol,
                               "\"%.24s\" is not a number (a layer of type nombre)", val);
        l->value[i] = x;
        l->valued++;
        return MG_OK;
    }
    if (!copy(val, sizeof val, v, vlen))
        return mg_diag_set(d, MG_EPARSE, name, line, vcol, "class name longer than %d bytes",
                           MG_LAYER_CLASS_CHARS - 1);
    int k = mg_layer_class(l, val);
    if (k < 0) {
        if (l->fixed_classes)
            return mg_diag_set(d, MG_EPARSE, name, line, vcol,
                               "\"%s\" is not one of the layer's classes (see \"classes\" in "
                               "its descriptor)", val);
        if (l->desc.nclasses == MG_LAYER_MAX_CLASSES)
            return mg_diag_set(d, MG_EPARSE, name, line, vcol,
                               "a %dth class \"%s\": a layer has at most %d classes",
                               MG_LAYER_MAX_CLASSES + 1, val, MG_LAYER_MAX_CLASSES);
        k = (int)l->desc.nclasses++;
        memcpy(l->desc.classes[k], val, vlen + 1);
    }
    l->cls[i] = (int16_t)k;
    l->valued++;
    return MG_OK;
}

static int load_reader(const mg_territory *t, const mg_layer_desc *desc, const char *key,
                       mg_reader *r, mg_layer **out, mg_diag *d)
{
    *out = NULL;
    const char *name = mg_reader_name(r);
    mg_layer *l = calloc(1, sizeof *l);
    uint8_t *given = calloc(t->n ? t->n : 1, 1);
    if (!l || !given) {
        free(l);
        free(given);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    l->desc = *desc;
    l->fixed_classes = desc->nclasses > 0;
    l->n = t->n;
    snprintf(l->key, sizeof l->key, "%s", key);
    int rc = MG_ENOMEM;
    if (desc->numeric) {
        l->value = mg_alloc_array(t->n ? t->n : 1, sizeof *l->value);
        for (size_t i = 0; l->value && i < t->n; i++)
            l->value[i] = NAN;
    } else {
        l->cls = mg_alloc_array(t->n ? t->n : 1, sizeof *l->cls);
        for (size_t i = 0; l->cls && i < t->n; i++)
            l->cls[i] = -1;
    }
    mg_csv *c = NULL;
    if (!l->value && !l->cls) {
        mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
        goto done;
    }
    if ((rc = mg_csv_open(&c, r, desc->sep, d)))
        goto done;
    const char *cols[2] = {desc->code_column, desc->value_column};
    int idx[2];
    if ((rc = mg_csv_require(c, cols, 2, idx, d)))
        goto done;
    while ((rc = mg_csv_next(c, d)) == 1)
        if ((rc = read_row(t, l, c, idx[0], idx[1], name, given, d)))
            goto done;
    if (rc == 0 && l->valued == 0)
        rc = mg_diag_set(d, MG_EPARSE, name, 0, 0,
                         "no commune of the study territory has a value in this layer "
                         "(%zu rows read, %zu outside the territory)", l->rows, l->outside);
done:
    mg_csv_close(c);
    free(given);
    if (rc) {
        mg_layer_free(l);
        return rc;
    }
    *out = l;
    return MG_OK;
}

int mg_layer_load_mem(const mg_territory *t, const mg_layer_desc *desc, const char *key,
                      const char *csv, size_t len, const char *csv_name, mg_layer **out,
                      mg_diag *d)
{
    mg_reader *r = NULL;
    int rc = mg_reader_open_mem(&r, csv, len, csv_name);
    if (rc)
        return mg_diag_set(d, rc, csv_name, 0, 0, "out of memory");
    rc = load_reader(t, desc, key, r, out, d);
    mg_reader_close(r);
    return rc;
}

/* The layer's key from its descriptor's path: the file name without its
 * extension, kept to letters, digits and '-'. */
static void key_of(const char *path, char *key, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = 0;
    for (const char *p = base; *p && *p != '.' && n + 1 < cap; p++) {
        char ch = *p;
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')
            key[n++] = ch;
        else if (ch >= 'A' && ch <= 'Z')
            key[n++] = (char)(ch - 'A' + 'a');
        else if (n && key[n - 1] != '-')
            key[n++] = '-';
    }
    key[n] = '\0';
    if (!n)
        snprintf(key, cap, "couche");
}

int mg_layer_load(const mg_territory *t, const char *path, mg_layer **out, mg_diag *d)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return mg_diag_set(d, MG_ENOTFOUND, path, 0, 0, "cannot open the layer descriptor");
    char *text = malloc(DESC_MAX_BYTES + 1);
    size_t len = text ? fread(text, 1, DESC_MAX_BYTES + 1, f) : 0;
    fclose(f);
    if (!text)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    mg_layer_desc desc;
    int rc = mg_layer_parse_descriptor(text, len, path, &desc, d);
    free(text);
    if (rc)
        return rc;
    /* The CSV's path, relative to the descriptor's folder. */
    char csv[1024];
    const char *slash = strrchr(path, '/');
    if (desc.file[0] == '/' || !slash)
        snprintf(csv, sizeof csv, "%s", desc.file);
    else
        snprintf(csv, sizeof csv, "%.*s/%s", (int)(slash - path), path, desc.file);
    char key[48];
    key_of(path, key, sizeof key);
    mg_reader *r = NULL;
    if ((rc = mg_reader_open(&r, csv, d)))
        return rc;
    rc = load_reader(t, &desc, key, r, out, d);
    mg_reader_close(r);
    return rc;
}
