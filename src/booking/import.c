/*
 * The equipment network's setup in one CSV (booking/import.h): parse and
 * check every row, collecting every fault with its file, line and column.
 * No database: the references are the caller's (cli/booking.c).
 */
#include "booking/import.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "directory/opening_hours.h"
#include "io/csv.h"
#include "io/reader.h"

static const char *const kColumns[MG_BKI_COLUMNS] = {
    "type", "site", "ask", "share_phone", "kind", "name", "instruments", "hours",
    "assisted", "step", "organisation", "label", "availability", "kinds", "sites",
};

const char *mg_booking_import_column_name(mg_booking_import_column c)
{
    return (unsigned)c < MG_BKI_COLUMNS ? kColumns[c] : "";
}

static const char *const kTypeNames[] = {"site", "device", "assistant", "teleconsultant"};

/* Which columns each type uses: needed (2), optional (1), meaningless (0). */
static const unsigned char kUse[4][MG_BKI_COLUMNS] = {
    /*            type site ask shp kind name ins hrs ass step org lab avl kinds sites */
    [MG_BOOKING_IMPORT_SITE] = {2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    [MG_BOOKING_IMPORT_DEVICE] = {2, 2, 0, 0, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0},
    [MG_BOOKING_IMPORT_ASSISTANT] = {2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0},
    [MG_BOOKING_IMPORT_TELECONSULTANT] = {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2},
};

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* A field trimmed of surrounding spaces, as a new string. */
static char *trimmed(const char *s)
{
    if (!s)
        s = "";
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return dup_n(s, n);
}

void mg_booking_import_error(mg_booking_import *im, unsigned long line, unsigned long col,
                             const char *fmt, ...)
{
    if (im->nerrors >= MG_BOOKING_IMPORT_ERRORS_MAX) {
        im->errors_truncated = true;
        return;
    }
    char text[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    text[mg_utf8_prefix(text, sizeof text - 1)] = '\0';
    char msg[1024];
    if (line && col)
        snprintf(msg, sizeof msg, "%s:%lu:%lu: %s", im->file, line, col, text);
    else if (line)
        snprintf(msg, sizeof msg, "%s:%lu: %s", im->file, line, text);
    else
        snprintf(msg, sizeof msg, "%s: %s", im->file, text);
    msg[mg_utf8_prefix(msg, sizeof msg - 1)] = '\0';
    char **grown = realloc(im->errors, (im->nerrors + 1) * sizeof *grown);
    char *copy = dup_n(msg, strlen(msg));
    if (!grown || !copy) {
        free(copy);
        if (grown)
            im->errors = grown;
        im->errors_truncated = true;
        return;
    }
    im->errors = grown;
    im->errors[im->nerrors++] = copy;
}

/* How much of what was found a message quotes: at most 120 bytes, cut on
 * a character boundary and before any byte that is not UTF-8 (a message
 * must stay valid UTF-8 whatever the file holds). */
static int quoted(const char *s, size_t n)
{
    size_t m = mg_utf8_prefix(s, n < 120 ? n : 120);
    return (int)mg_utf8_check(s, m, NULL);
}

/* "…" quoting of what was found. */
#define FOUND(s) quoted((s), strlen(s)), (s)

static void row_free(mg_booking_import_row *r)
{
    free(r->site);
    free(r->name);
    free(r->instruments);
    free(r->hours);
    free(r->organisation);
    free(r->label);
    free(r->availability);
    for (size_t i = 0; i < r->nsites; i++)
        free(r->sites[i]);
    free(r->sites);
}

void mg_booking_import_free(mg_booking_import *im)
{
    if (!im)
        return;
    for (size_t i = 0; i < im->nrows; i++)
        row_free(&im->rows[i]);
    free(im->rows);
    for (size_t i = 0; i < im->nerrors; i++)
        free(im->errors[i]);
    free(im->errors);
    memset(im, 0, sizeof *im);
}

static bool same(const char *a, const char *b) { return strcmp(a, b) == 0; }

static int parse_type(const char *v, mg_booking_import_type *t)
{
    if (same(v, "site") || same(v, "lieu"))
        *t = MG_BOOKING_IMPORT_SITE;
    else if (same(v, "device") || same(v, "equipement") || same(v, "équipement"))
        *t = MG_BOOKING_IMPORT_DEVICE;
    else if (same(v, "assistant"))
        *t = MG_BOOKING_IMPORT_ASSISTANT;
    else if (same(v, "teleconsultant") || same(v, "téléconsultant"))
        *t = MG_BOOKING_IMPORT_TELECONSULTANT;
    else
        return -1;
    return 0;
}

/* oui/non and their usual spellings; -1 when none. */
static int parse_yes_no(const char *v)
{
    static const char *const yes[] = {"oui", "Oui", "OUI", "o", "1", "true", "yes", "vrai"};
    static const char *const no[] = {"non", "Non", "NON", "n", "0", "false", "no", "faux"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (same(v, yes[i]))
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (same(v, no[i]))
            return 0;
    return -1;
}

static int parse_kind(const char *v, size_t n, mg_booking_kind *k)
{
    static const struct { const char *key; mg_booking_kind kind; } names[] = {
        {"gp", MG_BOOKING_GP},           {"generaliste", MG_BOOKING_GP},
        {"followup", MG_BOOKING_FOLLOWUP}, {"suivi", MG_BOOKING_FOLLOWUP},
        {"specialist", MG_BOOKING_SPECIALIST}, {"specialiste", MG_BOOKING_SPECIALIST},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i].key) == n && memcmp(names[i].key, v, n) == 0) {
            *k = names[i].kind;
            return 0;
        }
    return -1;
}

/* Minutes, a multiple of 5 in lo..240; -1 when not. */
static int parse_minutes(const char *v, size_t n, int lo)
{
    if (n == 0 || n > 3)
        return -1;
    int m = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        m = m * 10 + (v[i] - '0');
    }
    return m >= lo && m <= MG_BOOKING_DURATION_MAX_MIN && m % MG_BOOKING_GRAIN_MIN == 0 ? m : -1;
}

static bool is_sep(char c) { return c == ' ' || c == '\t' || c == '|' || c == ','; }

/* The items of a list separated by spaces, '|' or ','; calls fn on each. */
typedef int (*item_fn)(const char *item, size_t n, void *ctx);
static int each_item(const char *v, item_fn fn, void *ctx)
{
    for (const char *p = v; *p;) {
        while (*p && is_sep(*p))
            p++;
        const char *start = p;
        while (*p && !is_sep(*p))
            p++;
        if (p > start) {
            int rc = fn(start, (size_t)(p - start), ctx);
            if (rc)
                return rc;
        }
    }
    return 0;
}

typedef struct row_ctx {
    mg_booking_import *im;
    mg_booking_import_row *r;
    unsigned long col;
    char *buf;
    size_t len;
    bool failed;
} row_ctx;

static int instrument_item(const char *item, size_t n, void *vctx)
{
    row_ctx *c = vctx;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)item[i];
        if (!(islower(ch) || isdigit(ch) || ch == '_' || ch == '-')) {
            mg_booking_import_error(c->im, c->r->line, c->col,
                                    "colonne « instruments » : attendu des codes d'instruments "
                                    "(minuscules, chiffres, « _ »), trouvé « %.*s »",
                                    quoted(item, n), item);
            c->failed = true;
            return 0;
        }
    }
    if (c->len + n + 2 > 1000) {
        mg_booking_import_error(c->im, c->r->line, c->col,
                                "colonne « instruments » : 1000 caractères au plus");
        c->failed = true;
        return 1;
    }
    if (c->len)
        c->buf[c->len++] = ',';
    memcpy(c->buf + c->len, item, n);
    c->len += n;
    c->buf[c->len] = '\0';
    return 0;
}

static int kind_item(const char *item, size_t n, void *vctx)
{
    row_ctx *c = vctx;
    const char *colon = memchr(item, ':', n);
    mg_booking_kind k;
    int minutes = -1;
    if (!colon || parse_kind(item, (size_t)(colon - item), &k) != 0 ||
        (minutes = parse_minutes(colon + 1, n - (size_t)(colon + 1 - item), 5)) < 0) {
        mg_booking_import_error(c->im, c->r->line, c->col,
                                "colonne « kinds » : attendu type:minutes (gp, followup ou "
                                "specialist, et une durée multiple de 5 de 5 à 240), "
                                "trouvé « %.*s »",
                                quoted(item, n), item);
        c->failed = true;
        return 0;
    }
    for (size_t i = 0; i < c->r->nkinds; i++)
        if (c->r->kinds[i].kind == k) {
            mg_booking_import_error(c->im, c->r->line, c->col,
                                    "colonne « kinds » : le type « %s » est donné deux fois",
                                    mg_booking_import_kind_key(k));
            c->failed = true;
            return 0;
        }
    if (c->r->nkinds < MG_BOOKING_KINDS_MAX)
        c->r->kinds[c->r->nkinds++] = (mg_booking_tc_kind){.kind = k, .duration_min = minutes};
    return 0;
}

static int site_item(const char *item, size_t n, void *vctx)
{
    row_ctx *c = vctx;
    if (c->r->nsites >= MG_BOOKING_SITES_MAX) {
        mg_booking_import_error(c->im, c->r->line, c->col,
                                "colonne « sites » : %d lieux au plus", MG_BOOKING_SITES_MAX);
        c->failed = true;
        return 1;
    }
    char **grown = realloc(c->r->sites, (c->r->nsites + 1) * sizeof *grown);
    char *copy = dup_n(item, n);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            c->r->sites = grown;
        return MG_ENOMEM;
    }
    c->r->sites = grown;
    c->r->sites[c->r->nsites++] = copy;
    return 0;
}

const char *mg_booking_import_kind_key(mg_booking_kind k)
{
    static const char *const keys[] = {"gp", "followup", "specialist"};
    return (unsigned)k < MG_BOOKING_KINDS ? keys[k] : "";
}

/* An opening_hours value: checked; false (and a fault) when refused. */
static bool check_hours(mg_booking_import *im, const mg_booking_import_row *r, int column,
                        const char *v)
{
    mg_opening_hours *oh = NULL;
    mg_diag d = {{0}};
    int rc = mg_opening_hours_parse(v, strlen(v), 0, &oh, &d);
    mg_opening_hours_free(oh);
    if (rc == 0)
        return true;
    mg_booking_import_error(im, r->line, r->col[column],
                            "colonne « %s » : horaires au format opening_hours attendus "
                            "(« Mo-Fr 09:00-12:00 ») : %s",
                            kColumns[column], d.msg[0] ? d.msg : mg_strerror(rc));
    return false;
}

/* Checks one record into r; faults into im. Returns 0 or MG_ENOMEM. */
static int read_row(mg_booking_import *im, mg_csv *csv, const int idx[MG_BKI_COLUMNS],
                    mg_booking_import_row *r)
{
    char *v[MG_BKI_COLUMNS] = {0};
    r->line = mg_csv_line(csv);
    int rc = 0;
    for (int c = 0; c < MG_BKI_COLUMNS; c++) {
        if (idx[c] < 0)
            continue;
        r->col[c] = mg_csv_col(csv, (size_t)idx[c]);
        v[c] = trimmed(mg_csv_field(csv, (size_t)idx[c], NULL));
        if (!v[c]) {
            rc = MG_ENOMEM;
            goto done;
        }
    }
    if (!v[MG_BKI_TYPE] || parse_type(v[MG_BKI_TYPE], &r->type) != 0) {
        mg_booking_import_error(im, r->line, r->col[MG_BKI_TYPE],
                                "colonne « type » : attendu site, device, assistant ou "
                                "teleconsultant, trouvé « %.*s »",
                                FOUND(v[MG_BKI_TYPE] ? v[MG_BKI_TYPE] : ""));
        goto done;
    }
    const char *type = kTypeNames[r->type];
    bool ok = true;
    for (int c = 1; c < MG_BKI_COLUMNS; c++) {
        unsigned use = kUse[r->type][c];
        if (use == 2 && idx[c] < 0) {
            mg_booking_import_error(im, r->line, 0,
                                    "une ligne de type « %s » demande la colonne « %s », "
                                    "absente de l'en-tête", type, kColumns[c]);
            ok = false;
        } else if (use == 2 && !v[c][0]) {
            mg_booking_import_error(im, r->line, r->col[c],
                                    "colonne « %s » : obligatoire pour une ligne de type « %s »",
                                    kColumns[c], type);
            ok = false;
        } else if (use == 0 && v[c] && v[c][0]) {
            mg_booking_import_error(im, r->line, r->col[c],
                                    "colonne « %s » : sans objet pour une ligne de type « %s », "
                                    "à laisser vide (colonne décalée ?), trouvé « %.*s »",
                                    kColumns[c], type, FOUND(v[c]));
            ok = false;
        }
    }
    if (!ok)
        goto done;
    const char *empty = "";
#define VAL(c) (v[c] ? v[c] : empty)
    size_t chars = 0;
    if (kUse[r->type][MG_BKI_SITE]) {
        r->site = dup_n(VAL(MG_BKI_SITE), strlen(VAL(MG_BKI_SITE)));
        if (!r->site) {
            rc = MG_ENOMEM;
            goto done;
        }
    }
    switch (r->type) {
    case MG_BOOKING_IMPORT_SITE: {
        const char *ask = VAL(MG_BKI_ASK);
        if (!ask[0] || same(ask, "initials") || same(ask, "initiales"))
            r->ask = MG_BOOKING_ASK_INITIALS;
        else if (same(ask, "name") || same(ask, "nom"))
            r->ask = MG_BOOKING_ASK_NAME;
        else
            mg_booking_import_error(im, r->line, r->col[MG_BKI_ASK],
                                    "colonne « ask » : attendu initials (initiales) ou name "
                                    "(nom), trouvé « %.*s »", FOUND(ask));
        const char *sp = VAL(MG_BKI_SHARE_PHONE);
        int yn = sp[0] ? parse_yes_no(sp) : 0;
        if (yn < 0)
            mg_booking_import_error(im, r->line, r->col[MG_BKI_SHARE_PHONE],
                                    "colonne « share_phone » : attendu oui ou non, trouvé « %.*s »",
                                    FOUND(sp));
        r->share_phone = yn == 1;
        break;
    }
    case MG_BOOKING_IMPORT_DEVICE: {
        const char *kind = VAL(MG_BKI_KIND);
        if (same(kind, "cabin") || same(kind, "cabine"))
            r->device_kind = MG_BOOKING_CABIN;
        else if (same(kind, "cart") || same(kind, "chariot"))
            r->device_kind = MG_BOOKING_CART;
        else {
            mg_booking_import_error(im, r->line, r->col[MG_BKI_KIND],
                                    "colonne « kind » : attendu cabin (cabine) ou cart (chariot), "
                                    "trouvé « %.*s »", FOUND(kind));
            break;
        }
        mg_utf8_check(VAL(MG_BKI_NAME), strlen(VAL(MG_BKI_NAME)), &chars);
        if (chars > MG_BOOKING_LABEL_MAX_CHARS)
            mg_booking_import_error(im, r->line, r->col[MG_BKI_NAME],
                                    "colonne « name » : %d caractères au plus, %zu donnés",
                                    MG_BOOKING_LABEL_MAX_CHARS, chars);
        r->name = dup_n(VAL(MG_BKI_NAME), strlen(VAL(MG_BKI_NAME)));
        r->hours = dup_n(VAL(MG_BKI_HOURS), strlen(VAL(MG_BKI_HOURS)));
        r->instruments = calloc(1, 1001);
        if (!r->name || !r->hours || !r->instruments) {
            rc = MG_ENOMEM;
            goto done;
        }
        if (r->hours[0])
            check_hours(im, r, MG_BKI_HOURS, r->hours);
        row_ctx ctx = {.im = im, .r = r, .col = r->col[MG_BKI_INSTRUMENTS], .buf = r->instruments};
        each_item(VAL(MG_BKI_INSTRUMENTS), instrument_item, &ctx);
        const char *as = VAL(MG_BKI_ASSISTED);
        int yn = as[0] ? parse_yes_no(as) : r->device_kind == MG_BOOKING_CART;
        if (yn < 0)
            mg_booking_import_error(im, r->line, r->col[MG_BKI_ASSISTED],
                                    "colonne « assisted » : attendu oui ou non, trouvé « %.*s »",
                                    FOUND(as));
        r->assisted = yn == 1;
        const char *step = VAL(MG_BKI_STEP);
        r->step_min = step[0] ? parse_minutes(step, strlen(step), 5) : 0;
        if (r->step_min < 0)
            mg_booking_import_error(im, r->line, r->col[MG_BKI_STEP],
                                    "colonne « step » : attendu un nombre de minutes multiple de 5, "
                                    "de 5 à 240, ou vide, trouvé « %.*s »", FOUND(step));
        break;
    }
    case MG_BOOKING_IMPORT_ASSISTANT:
    case MG_BOOKING_IMPORT_TELECONSULTANT: {
        mg_utf8_check(VAL(MG_BKI_LABEL), strlen(VAL(MG_BKI_LABEL)), &chars);
        if (chars > MG_BOOKING_LABEL_MAX_CHARS)
            mg_booking_import_error(im, r->line, r->col[MG_BKI_LABEL],
                                    "colonne « label » : %d caractères au plus, %zu donnés",
                                    MG_BOOKING_LABEL_MAX_CHARS, chars);
        r->label = dup_n(VAL(MG_BKI_LABEL), strlen(VAL(MG_BKI_LABEL)));
        r->availability = dup_n(VAL(MG_BKI_AVAILABILITY), strlen(VAL(MG_BKI_AVAILABILITY)));
        if (!r->label || !r->availability) {
            rc = MG_ENOMEM;
            goto done;
        }
        check_hours(im, r, MG_BKI_AVAILABILITY, r->availability);
        if (r->type == MG_BOOKING_IMPORT_ASSISTANT)
            break;
        r->organisation = dup_n(VAL(MG_BKI_ORGANISATION), strlen(VAL(MG_BKI_ORGANISATION)));
        if (!r->organisation) {
            rc = MG_ENOMEM;
            goto done;
        }
        row_ctx kc = {.im = im, .r = r, .col = r->col[MG_BKI_KINDS]};
        each_item(VAL(MG_BKI_KINDS), kind_item, &kc);
        if (!r->nkinds && !kc.failed)
            mg_booking_import_error(im, r->line, r->col[MG_BKI_KINDS],
                                    "colonne « kinds » : au moins un type:minutes attendu");
        row_ctx sc = {.im = im, .r = r, .col = r->col[MG_BKI_SITES]};
        rc = each_item(VAL(MG_BKI_SITES), site_item, &sc);
        if (rc == 1)
            rc = 0;
        break;
    }
    }
#undef VAL
done:
    for (int c = 0; c < MG_BKI_COLUMNS; c++)
        free(v[c]);
    return rc;
}

int mg_booking_import_parse(const char *file, const void *data, size_t len,
                            mg_booking_import *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    out->file = file;
    /* The separator: ';' when the header line holds one, else ','. */
    const char *bytes = data;
    char delim = ',';
    for (size_t i = 0; i < len && bytes[i] != '\n' && bytes[i] != '\r'; i++)
        if (bytes[i] == ';') {
            delim = ';';
            break;
        }
    mg_reader *reader = NULL;
    mg_csv *csv = NULL;
    int rc = mg_reader_open_mem(&reader, data, len, file);
    if (rc)
        return mg_diag_set(d, rc, file, 0, 0, "%s", mg_strerror(rc));
    rc = mg_csv_open(&csv, reader, delim, d);
    if (rc) {
        mg_booking_import_error(out, 0, 0, "%s", d->msg);
        goto end;
    }
    mg_csv_allow_short(csv, true);
    int idx[MG_BKI_COLUMNS];
    for (int c = 0; c < MG_BKI_COLUMNS; c++)
        idx[c] = mg_csv_column(csv, kColumns[c]);
    const char *h;
    for (size_t i = 0; (h = mg_csv_header(csv, i)) != NULL; i++) {
        bool known = false;
        for (int c = 0; c < MG_BKI_COLUMNS && !known; c++)
            known = idx[c] == (int)i;
        if (!known)
            mg_booking_import_error(out, 1, 0,
                                    "colonne %zu « %.*s » inconnue : attendu type, site, ask, "
                                    "share_phone, kind, name, instruments, hours, assisted, step, "
                                    "organisation, label, availability, kinds, sites",
                                    i + 1, FOUND(h));
    }
    if (idx[MG_BKI_TYPE] < 0) {
        mg_booking_import_error(out, 1, 0,
                                "colonne « type » absente de l'en-tête (attendu un en-tête "
                                "séparé par « ; » ou « , » nommant les colonnes)");
        rc = MG_EPARSE;
        goto end;
    }
    for (;;) {
        rc = mg_csv_next(csv, d);
        if (rc == 0)
            break;
        if (rc < 0) {
            mg_booking_import_error(out, 0, 0, "%s", d->msg);
            goto end;
        }
        if (out->nrows >= MG_BOOKING_IMPORT_ROWS_MAX) {
            rc = mg_diag_set(d, MG_ELIMIT, file, mg_csv_line(csv), 0,
                             "plus de %d lignes : découper le fichier",
                             MG_BOOKING_IMPORT_ROWS_MAX);
            mg_booking_import_error(out, 0, 0, "%s", d->msg);
            goto end;
        }
        mg_booking_import_row *grown = realloc(out->rows, (out->nrows + 1) * sizeof *grown);
        if (!grown) {
            rc = MG_ENOMEM;
            goto end;
        }
        out->rows = grown;
        mg_booking_import_row *r = &out->rows[out->nrows++];
        memset(r, 0, sizeof *r);
        rc = read_row(out, csv, idx, r);
        if (rc)
            goto end;
    }
    rc = 0;
end:
    mg_csv_close(csv);
    mg_reader_close(reader);
    if (rc == MG_ENOMEM)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    if (out->nerrors) {
        mg_diag_clear(d);
        mg_diag_set(d, rc == MG_ELIMIT ? MG_ELIMIT : MG_EPARSE, NULL, 0, 0, "%s", out->errors[0]);
        return rc == MG_ELIMIT ? MG_ELIMIT : MG_EPARSE;
    }
    return rc;
}
