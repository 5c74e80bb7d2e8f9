/*
 * Importing an action plan from a spreadsheet (import.h; the layout is
 * documented in docs/contracts.md). The file is read whole into rows of
 * cells keyed by the layout's columns; every check that needs no database
 * is made then (mg_contract_import_read, which the fuzz target runs); the
 * references (organisations, axes, actions already there) are resolved
 * and everything written in one write transaction (apply), which writes
 * nothing unless every row passed.
 */
#define _GNU_SOURCE /* mkstemp's friends, strndup */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "contracts/import.h"
#include "core/utf8.h"
#include "io/csv.h"
#include "io/reader.h"
#include "io/xlsx.h"
#include "directory/holidays.h"
#include "parse/parse.h"

/* --- The layout ------------------------------------------------------------ */

enum col {
    C_AXE, C_SOUS_AXE, C_ACTION, C_DESCRIPTION, C_OBJECTIFS, C_PILOTE, C_CONTACT, C_PARTENAIRES,
    C_STATUT, C_DEBUT, C_FIN, C_COMMUNES, C_PUBLICS, C_PRIORITE, C_FINANCEUR, C_ANNEE,
    C_NATURE, C_PREVU, C_ENGAGE, C_VERSE, C_EXEMPLE, NCOL
};

const char *const mg_contract_import_columns[] = {
    "axe", "sous_axe", "action", "description", "objectifs", "pilote", "contact", "partenaires",
    "statut", "debut", "fin", "communes", "publics", "priorite", "financeur", "annee",
    "nature", "prevu", "engage", "verse", "exemple",
};
const size_t mg_contract_import_ncolumns = NCOL;

/* The cells that describe the action rather than the budget line: they
 * must agree (or be empty) on the rows repeating an action. */
static bool action_level(int c)
{
    return c >= C_DESCRIPTION && c <= C_PRIORITE;
}

static const char template_csv[] =
    "\xef\xbb\xbf"
    "axe;sous_axe;action;description;objectifs;pilote;contact;partenaires;statut;debut;fin;communes;"
    "publics;priorite;financeur;annee;nature;prevu;engage;verse;exemple\r\n"
    "Accès aux soins;Télésanté;Une cabine de téléconsultation;Installer et faire connaître la "
    "cabine (exemple);Des consultations sans médecin sur place;Département de l'Aude;"
    "Chargée de mission santé;Communauté de communes Piège-Lauragais-Malepère;En cours;01/01/2024;31/12/2026;"
    "epci:200035707;Tout public;1;Département de l'Aude;2024;investissement;50 000;50 000;"
    "25 000;oui\r\n"
    "Accès aux soins;Télésanté;Une cabine de téléconsultation;;;;;;;;;;;;"
    "Agence régionale de santé Occitanie;2025;fonctionnement;12 000,50;;;oui\r\n";

const char *mg_contract_import_template_csv(void)
{
    return template_csv;
}

/* --- The report ------------------------------------------------------------- */

void mg_import_report_init(mg_import_report *r, const char *file)
{
    memset(r, 0, sizeof *r);
    snprintf(r->file, sizeof r->file, "%s", file ? file : "");
}

void mg_import_report_free(mg_import_report *r)
{
    if (!r)
        return;
    free(r->rows);
    r->rows = NULL;
    r->n = r->cap = 0;
}

static mg_import_row *report_add(mg_import_report *r, unsigned long line, int col_index,
                                 const char *field, mg_import_status st, const char *fmt, ...)
    MG_PRINTF(6, 7);

/* Appends a row; col_index the 0-based column of the file (-1 none).
 * NULL when out of memory (the count of refusals still goes up, so that
 * a refused import is never taken for a clean one). */
static mg_import_row *report_add(mg_import_report *r, unsigned long line, int col_index,
                                 const char *field, mg_import_status st, const char *fmt, ...)
{
    if (st == MG_IMPORT_ROW_REFUSED)
        r->refused++;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        mg_import_row *p = realloc(r->rows, cap * sizeof *p);
        if (!p)
            return NULL;
        r->rows = p;
        r->cap = cap;
    }
    mg_import_row *row = &r->rows[r->n++];
    memset(row, 0, sizeof *row);
    row->line = line;
    row->status = st;
    if (col_index >= 0)
        (void)mg_xlsx_column_name((size_t)col_index, row->column);
    snprintf(row->field, sizeof row->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(row->message, sizeof row->message, fmt, ap);
    va_end(ap);
    /* A cell quoted with "%.100s" may be cut inside a character, and a
     * message cut at its end too: such bytes become '?', so that the
     * report is always UTF-8. */
    for (size_t n = strlen(row->message), off = 0; off < n;) {
        off += mg_utf8_check(row->message + off, n - off, NULL);
        if (off < n)
            row->message[off++] = '?';
    }
    return row;
}

const char *mg_import_status_label(const mg_import_report *r, mg_import_status s)
{
    if (s == MG_IMPORT_ROW_REFUSED)
        return "refusée";
    if (r && r->written)
        return "importée";
    return r && r->dry_run && !r->refused ? "à importer" : "correcte, non importée";
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

const char *mg_import_status_key(const mg_import_report *r, mg_import_status s)
{
    if (s == MG_IMPORT_ROW_REFUSED)
        return "refused";
    return r && r->written ? "imported" : "checked";
}

int mg_import_report_write_csv(const mg_import_report *r, FILE *f)
{
    fputs("fichier,ligne,colonne,champ,statut,message\n", f);
    for (size_t i = 0; i < r->n; i++) {
        const mg_import_row *row = &r->rows[i];
        csv_field(f, r->file);
        fprintf(f, ",%lu,", row->line);
        csv_field(f, row->column);
        fputc(',', f);
        csv_field(f, row->field);
        fprintf(f, ",%s,", mg_import_status_key(r, row->status));
        csv_field(f, row->message);
        fputc('\n', f);
    }
    return ferror(f) ? MG_EIO : MG_OK;
}

/* --- The plan read --------------------------------------------------------- */

typedef struct imp_row {
    unsigned long line;
    char *cell[NCOL];          /* trimmed copies; NULL: no such column or empty */
    bool refused;
    size_t action;             /* index in actions (when grouped) */
    bool grouped;
    /* The budget line, when the row names a funder. */
    bool has_line;
    int year;
    mg_budget_nature nature;
    int64_t planned, committed, paid;
    bool example;
    int64_t funder_id;         /* resolved by apply */
} imp_row;

typedef struct imp_action {
    size_t first;              /* its first row */
    char *key;                 /* folded axis, sub-axis and title */
    const char *cell[NCOL];    /* the action-level cells (borrowed from the rows) */
    size_t cell_row[NCOL];     /* the row that gave each */
    mg_action_status status;
    char starts_on[11], due_on[11];
    int priority;
    bool example;
    bool refused;              /* one of its rows was refused */
    /* Resolved by apply. */
    int64_t pilot_id;
    int64_t *partners;
    size_t npartners;
    int64_t axis_id;
} imp_action;

struct mg_contract_import {
    int colmap[NCOL];          /* the file's column of each layout column, -1 none */
    imp_row *rows;
    size_t nrows, caprows;
    imp_action *actions;
    size_t nactions, capactions;
};

size_t mg_contract_import_rows(const mg_contract_import *im)
{
    return im ? im->nrows : 0;
}

size_t mg_contract_import_actions(const mg_contract_import *im)
{
    return im ? im->nactions : 0;
}

void mg_contract_import_free(mg_contract_import *im)
{
    if (!im)
        return;
    for (size_t i = 0; i < im->nrows; i++)
        for (int c = 0; c < NCOL; c++)
            free(im->rows[i].cell[c]);
    for (size_t i = 0; i < im->nactions; i++) {
        free(im->actions[i].key);
        free(im->actions[i].partners);
    }
    free(im->rows);
    free(im->actions);
    free(im);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A trimmed copy of s (NULL for an empty cell); *oom on failure. */
static char *trimmed(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    /* A no-break space (U+00A0, which spreadsheets put around numbers)
     * at either end counts as blank too. */
    for (;;) {
        if (is_blank(*s))
            s++;
        else if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
            s += 2;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n && is_blank(s[n - 1]))
            n--;
        else if (n >= 2 && (unsigned char)s[n - 2] == 0xC2 && (unsigned char)s[n - 1] == 0xA0)
            n -= 2;
        else
            break;
    }
    if (!n)
        return NULL;
    char *out = strndup(s, n);
    if (!out)
        *oom = true;
    return out;
}

/* The folded form of s (accents, case, punctuation aside) into out; "" when
 * it folds to nothing or is too long. */
static void fold(const char *s, char out[static MG_PARSE_FOLD_SIZE])
{
    mg_parse_error why;
    if (!s || mg_parse_fold_name(s, out, NULL, &why) != 0)
        out[0] = '\0';
}

/* --- Reading the file into rows of cells -------------------------------------- */

/* A source of rows: CSV or the first sheet of an XLSX. */
typedef struct source {
    bool xlsx;
    mg_csv *csv;
    mg_reader *reader;
    mg_xlsx *x;
    char *converted;           /* the CSV as UTF-8 when it was Windows-1252 */
    char tmp[64];              /* the XLSX's temporary file, "" none */
} source;

static void source_close(source *s)
{
    mg_csv_close(s->csv);
    mg_reader_close(s->reader);
    mg_xlsx_close(s->x);
    free(s->converted);
    if (s->tmp[0])
        unlink(s->tmp);
}

/* Windows-1252 bytes as UTF-8 (malloc'd), or NULL when a byte has no
 * character there (0x81, 0x8D, 0x8F, 0x90, 0x9D) or memory runs out. */
static char *from_cp1252(const char *in, size_t len, size_t *outlen)
{
    iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = len * 3 + 1;
    char *out = malloc(cap);
    char *o = out, *i = (char *)in;
    size_t il = len, ol = cap - 1;
    if (out && iconv(cd, &i, &il, &o, &ol) == (size_t)-1) {
        free(out);
        out = NULL;
    }
    iconv_close(cd);
    if (out) {
        *o = '\0';
        *outlen = (size_t)(o - out);
    }
    return out;
}

/* The separator of a CSV: ";" or ",", whichever the header line has more
 * of outside quotes (";" on a tie: the French spreadsheet convention). */
static char detect_separator(const char *s, size_t len)
{
    size_t semi = 0, comma = 0;
    bool q = false;
    for (size_t i = 0; i < len && (q || (s[i] != '\n' && s[i] != '\r')); i++) {
        if (s[i] == '"')
            q = !q;
        else if (!q && s[i] == ';')
            semi++;
        else if (!q && s[i] == ',')
            comma++;
    }
    return comma > semi ? ',' : ';';
}

static int open_source(source *s, const char *name, const char *data, size_t len,
                       mg_import_report *rep, mg_diag *d)
{
    memset(s, 0, sizeof *s);
    if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) {
        /* The XLSX reader opens a path: the bytes go to a private
         * temporary file, removed when the source closes. */
        s->xlsx = true;
        const char *dir = getenv("TMPDIR");
        snprintf(s->tmp, sizeof s->tmp, "%s/maillage-import-XXXXXX",
                 dir && *dir && strlen(dir) < 30 ? dir : "/tmp");
        int fd = mkstemp(s->tmp);
        if (fd < 0) {
            s->tmp[0] = '\0';
            return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot create a temporary file: %s",
                               strerror(errno));
        }
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(fd, data + off, len - off);
            if (w <= 0) {
                close(fd);
                return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot write a temporary file");
            }
            off += (size_t)w;
        }
        close(fd);
        int rc = mg_xlsx_open(&s->x, s->tmp, d);
        if (rc == 0 && mg_xlsx_sheet_count(s->x) == 0)
            rc = MG_EPARSE;
        if (rc == 0)
            rc = mg_xlsx_select(s->x, 0, d);
        if (rc < 0 && rc != MG_ENOMEM) {
            report_add(rep, 0, -1, NULL, MG_IMPORT_ROW_REFUSED,
                       "Le classeur XLSX ne peut pas être lu (archive ou feuille mal formée) : "
                       "enregistrez-le de nouveau depuis le tableur, ou exportez-le en CSV.");
            return MG_EPARSE;
        }
        return rc;
    }
    const char *text = data;
    size_t tlen = len;
    if (tlen >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        text += 3, tlen -= 3;
    if (memchr(text, '\0', tlen)) {
        report_add(rep, 0, -1, NULL, MG_IMPORT_ROW_REFUSED,
                   "Le fichier n'est ni un CSV ni un classeur XLSX (il contient des octets nuls).");
        return MG_EPARSE;
    }
    if (mg_utf8_check(text, tlen, NULL) != tlen) {
        /* Not UTF-8: the spreadsheets of Windows write Windows-1252. */
        size_t n = 0;
        s->converted = from_cp1252(text, tlen, &n);
        if (!s->converted) {
            report_add(rep, 0, -1, NULL, MG_IMPORT_ROW_REFUSED,
                       "Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en "
                       "« CSV UTF-8 ».");
            return MG_EUTF8;
        }
        text = s->converted;
        tlen = n;
    }
    int rc = mg_reader_open_mem(&s->reader, text, tlen, name);
    if (rc < 0)
        return rc;
    rc = mg_csv_open(&s->csv, s->reader, detect_separator(text, tlen), d);
    if (rc < 0 && rc != MG_ENOMEM) {
        report_add(rep, 1, -1, NULL, MG_IMPORT_ROW_REFUSED,
                   "La ligne d'en-tête manque ou ne peut pas être lue (%s).",
                   d && d->msg[0] ? d->msg : "fichier vide");
        return MG_EPARSE;
    }
    if (rc == 0)
        mg_csv_allow_short(s->csv, true);
    return rc;
}

/* The next row: 1, 0 at the end, or an error (reported). */
static int source_next(source *s, mg_import_report *rep, mg_diag *d)
{
    int rc = s->xlsx ? mg_xlsx_next(s->x, d) : mg_csv_next(s->csv, d);
    if (rc < 0 && rc != MG_ENOMEM) {
        report_add(rep, s->xlsx ? mg_xlsx_row(s->x) : mg_csv_line(s->csv), -1, NULL,
                   MG_IMPORT_ROW_REFUSED,
                   "Le fichier ne peut pas être lu au-delà de cette ligne (%s).",
                   d && d->msg[0] ? d->msg : "fichier mal formé");
        return MG_EPARSE;
    }
    return rc;
}

static unsigned long source_line(const source *s)
{
    return s->xlsx ? mg_xlsx_row(s->x) : mg_csv_line(s->csv);
}

static size_t source_ncells(const source *s)
{
    return s->xlsx ? mg_xlsx_ncells(s->x) : mg_csv_nfields(s->csv);
}

static const char *source_cell(const source *s, size_t i)
{
    const char *v = s->xlsx ? mg_xlsx_cell(s->x, i) : mg_csv_field(s->csv, i, NULL);
    return v ? v : "";
}

/* The header: each cell one column of the layout, matched folded (case,
 * accents and separators aside). Unknown and repeated columns are refused
 * with their letter; "action" is required. */
static void read_header(mg_contract_import *im, const source *s, mg_import_report *rep)
{
    for (int c = 0; c < NCOL; c++)
        im->colmap[c] = -1;
    /* A CSV's header is read by mg_csv_open: its cells are mg_csv_header's. */
    size_t n = 0;
    if (s->xlsx)
        n = source_ncells(s);
    else
        while (mg_csv_header(s->csv, n))
            n++;
    unsigned long line = s->xlsx ? source_line(s) : 1;
    char want[NCOL][MG_PARSE_FOLD_SIZE];
    for (int c = 0; c < NCOL; c++)
        fold(mg_contract_import_columns[c], want[c]);
    for (size_t i = 0; i < n; i++) {
        const char *h = s->xlsx ? source_cell(s, i) : mg_csv_header(s->csv, i);
        char f[MG_PARSE_FOLD_SIZE];
        fold(h, f);
        if (!f[0])
            continue; /* an empty header cell: a column left blank */
        int found = -1;
        for (int c = 0; c < NCOL && found < 0; c++)
            if (strcmp(f, want[c]) == 0)
                found = c;
        if (found < 0) {
            report_add(rep, line, (int)i, NULL, MG_IMPORT_ROW_REFUSED,
                       "Colonne « %.100s » inconnue : les colonnes sont axe, sous_axe, action, "
                       "description, objectifs, pilote, contact, partenaires, statut, debut, fin, "
                       "communes, publics, priorite, financeur, annee, nature, prevu, engage, "
                       "verse, exemple.", h);
        } else if (im->colmap[found] >= 0) {
            char first[8];
            report_add(rep, line, (int)i, mg_contract_import_columns[found],
                       MG_IMPORT_ROW_REFUSED, "La colonne « %s » apparaît deux fois (déjà en %s).",
                       mg_contract_import_columns[found],
                       mg_xlsx_column_name((size_t)im->colmap[found], first));
        } else {
            im->colmap[found] = (int)i;
        }
    }
    if (im->colmap[C_ACTION] < 0)
        report_add(rep, line, -1, "action", MG_IMPORT_ROW_REFUSED,
                   "La colonne « action » manque : chaque ligne nomme son action.");
}

/* --- Checks of one row ------------------------------------------------------- */

/* Refuses row r on column c. */
static void refuse_row(mg_contract_import *im, imp_row *r, int c, mg_import_report *rep,
                       const char *fmt, ...) MG_PRINTF(5, 6);
static void refuse_row(mg_contract_import *im, imp_row *r, int c, mg_import_report *rep,
                       const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->refused = true;
    report_add(rep, r->line, c >= 0 ? im->colmap[c] : -1,
               c >= 0 ? mg_contract_import_columns[c] : NULL, MG_IMPORT_ROW_REFUSED, "%s", msg);
}

/* An Excel date serial number (days since 1899-12-30) as "YYYY-MM-DD";
 * false when s is not one. XLSX cells keep dates as such numbers. */
static bool excel_serial_date(const char *s, char out[11])
{
    int64_t v;
    if (mg_parse_c_int(s, strlen(s), 1, 2958465, &v, NULL) != 0)
        return false;
    int y, m, dd;
    mg_civil_from_days((long)v - 25569, &y, &m, &dd); /* 25569: 1899-12-30 to 1970-01-01 */
    if (y < 1900 || y > 9999)
        return false;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, dd);
    return true;
}

/* A date cell into out "YYYY-MM-DD" ("" empty); false when refused. */
static bool check_date(mg_contract_import *im, imp_row *r, int c, bool xlsx, char out[11],
                       mg_import_report *rep)
{
    out[0] = '\0';
    const char *v = r->cell[c];
    if (!v)
        return true;
    if (xlsx && excel_serial_date(v, out))
        return true;
    mg_date dt;
    mg_parse_error why;
    if (mg_parse_date(v, &dt, &why) != 0) {
        refuse_row(im, r, c, rep, "Date « %.40s » : %s (attendu JJ/MM/AAAA ou AAAA-MM-JJ).", v,
                   mg_parse_error_fr(why));
        return false;
    }
    snprintf(out, 11, "%04d-%02d-%02d", dt.year, dt.month, dt.day);
    return true;
}

/* An amount cell into cents; an XLSX number with float noise
 * (1234.5699999999999) is rounded to the cent first. */
static bool check_amount(mg_contract_import *im, imp_row *r, int c, bool xlsx, bool required,
                         int64_t *cents, mg_import_report *rep)
{
    *cents = 0;
    const char *v = r->cell[c];
    if (!v) {
        if (required)
            refuse_row(im, r, c, rep, "Le montant prévu est obligatoire pour une ligne "
                                      "budgétaire (la ligne nomme un financeur).");
        return !required;
    }
    char rounded[64];
    const char *dot = strchr(v, '.');
    if (xlsx && dot && strlen(dot + 1) > 2 && strlen(v) < 40) {
        double x;
        if (mg_parse_c_double(v, strlen(v), &x, NULL) == 0 && x >= 0 && x < 1e12) {
            snprintf(rounded, sizeof rounded, "%.2f", x);
            v = rounded;
        }
    }
    if (mg_budget_parse_cents(v, cents) != 0) {
        refuse_row(im, r, c, rep,
                   "Montant « %.40s » illisible : des euros positifs, au plus deux décimales "
                   "(par exemple 250 000 ou 1 234,56).", r->cell[c]);
        return false;
    }
    return true;
}

/* Whether a cell says yes (oui, o, x, 1, vrai) or no (non, n, 0, faux, empty). */
static bool check_yes_no(mg_contract_import *im, imp_row *r, int c, bool *out,
                         mg_import_report *rep)
{
    *out = false;
    if (!r->cell[c])
        return true;
    char f[MG_PARSE_FOLD_SIZE];
    fold(r->cell[c], f);
    static const char *const yes[] = {"oui", "o", "x", "1", "vrai", "yes"};
    static const char *const no[] = {"non", "n", "0", "faux", "no"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (!strcmp(f, yes[i]))
            return *out = true;
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (!strcmp(f, no[i]))
            return true;
    refuse_row(im, r, c, rep, "« %.40s » : oui ou non attendu.", r->cell[c]);
    return false;
}

/* A status as its key or its French label, folded. */
static bool parse_status(const char *v, mg_action_status *out)
{
    if (mg_action_status_parse(v, out) == 0)
        return true;
    char f[MG_PARSE_FOLD_SIZE], g[MG_PARSE_FOLD_SIZE];
    fold(v, f);
    for (int s = 0; s < MG_ACTION_STATUSES; s++) {
        fold(mg_action_status_label((mg_action_status)s), g);
        if (f[0] && !strcmp(f, g)) {
            *out = (mg_action_status)s;
            return true;
        }
        /* The masculine of the labels too ("réalisé", "abandonné"). */
        size_t n = strlen(g);
        if (n > 1 && g[n - 1] == 'e' && strlen(f) == n - 1 && !strncmp(f, g, n - 1)) {
            *out = (mg_action_status)s;
            return true;
        }
    }
    return false;
}

/* The checks of the budget line of a row. */
static void check_line(mg_contract_import *im, imp_row *r, bool xlsx, mg_import_report *rep)
{
    if (!check_yes_no(im, r, C_EXEMPLE, &r->example, rep))
        return;
    if (!r->cell[C_FINANCEUR]) {
        static const int money[] = {C_ANNEE, C_NATURE, C_PREVU, C_ENGAGE, C_VERSE};
        for (size_t i = 0; i < sizeof money / sizeof *money; i++)
            if (r->cell[money[i]]) {
                refuse_row(im, r, money[i], rep,
                           "La colonne « %s » est remplie sans financeur : une ligne "
                           "budgétaire nomme son financeur.",
                           mg_contract_import_columns[money[i]]);
                return;
            }
        return;
    }
    r->has_line = true;
    int64_t year = 0;
    mg_parse_error why;
    if (!r->cell[C_ANNEE]) {
        refuse_row(im, r, C_ANNEE, rep, "L'année de la ligne budgétaire est obligatoire.");
        return;
    }
    if (mg_parse_int(r->cell[C_ANNEE], 2000, 2100, &year, &why) != 0) {
        refuse_row(im, r, C_ANNEE, rep, "Année « %.20s » : une année de 2000 à 2100 attendue.",
                   r->cell[C_ANNEE]);
        return;
    }
    r->year = (int)year;
    char f[MG_PARSE_FOLD_SIZE];
    fold(r->cell[C_NATURE], f);
    if (!strcmp(f, "investissement") || !strcmp(f, "investment") || !strcmp(f, "i"))
        r->nature = MG_BUDGET_INVESTMENT;
    else if (!strcmp(f, "fonctionnement") || !strcmp(f, "operation") || !strcmp(f, "f"))
        r->nature = MG_BUDGET_OPERATION;
    else {
        refuse_row(im, r, C_NATURE, rep,
                   r->cell[C_NATURE] ? "Nature « %.40s » : investissement ou fonctionnement "
                                       "attendu."
                                     : "%sLa nature (investissement ou fonctionnement) est "
                                       "obligatoire.",
                   r->cell[C_NATURE] ? r->cell[C_NATURE] : "");
        return;
    }
    if (!check_amount(im, r, C_PREVU, xlsx, true, &r->planned, rep) ||
        !check_amount(im, r, C_ENGAGE, xlsx, false, &r->committed, rep) ||
        !check_amount(im, r, C_VERSE, xlsx, false, &r->paid, rep))
        return;
    if (r->paid > r->committed)
        refuse_row(im, r, C_VERSE, rep, "Le montant versé dépasse le montant engagé.");
}

/* The action-level checks, made on the first row of each action (with
 * the cells merged from its repeats) through the module's own checks. */
static void check_action(mg_contract_import *im, imp_action *a, bool xlsx,
                         mg_import_report *rep)
{
    imp_row *r = &im->rows[a->first];
    a->status = MG_ACTION_PLANNED;
    a->priority = 2;
    /* The row to blame for a cell: the one that gave it. */
#define BLAME(c) (&im->rows[a->cell[c] ? a->cell_row[c] : a->first])
    if (a->cell[C_STATUT] && !parse_status(a->cell[C_STATUT], &a->status)) {
        refuse_row(im, BLAME(C_STATUT), C_STATUT, rep,
                   "Statut « %.40s » inconnu : à venir, en cours, réalisée, en pause ou "
                   "abandonnée.", a->cell[C_STATUT]);
        a->refused = true;
        return;
    }
    /* Each date is checked on the row that gave it (BLAME's cell is
     * a->cell's). */
    if (!check_date(im, BLAME(C_DEBUT), C_DEBUT, xlsx, a->starts_on, rep) ||
        !check_date(im, BLAME(C_FIN), C_FIN, xlsx, a->due_on, rep)) {
        a->refused = true;
        return;
    }
    if (a->cell[C_PRIORITE]) {
        const char *p = a->cell[C_PRIORITE];
        int64_t v;
        if (mg_parse_c_int(p, strlen(p), 1, 3, &v, NULL) != 0) {
            refuse_row(im, BLAME(C_PRIORITE), C_PRIORITE, rep,
                       "Priorité « %.20s » : 1 (haute), 2 (normale) ou 3 (basse) attendue.", p);
            a->refused = true;
            return;
        }
        a->priority = (int)v;
    }
    char prio[2] = {(char)('0' + a->priority), 0};
    mg_contract_action_input in = {
        .title = r->cell[C_ACTION],
        .description = a->cell[C_DESCRIPTION],
        .status = mg_action_status_key(a->status),
        .starts_on = a->starts_on,
        .due_on = a->due_on,
        .objectives = a->cell[C_OBJECTIFS],
        .contact_role = a->cell[C_CONTACT],
        .target_publics = a->cell[C_PUBLICS],
        .target_communes = a->cell[C_COMMUNES],
        .priority = prio,
    };
    mg_contract_field_error fe;
    mg_diag d;
    mg_diag_clear(&d);
    if (mg_contract_action_input_check(&in, &fe, &d) != 0) {
        static const struct { const char *field; int col; } map[] = {
            {"title", C_ACTION},         {"description", C_DESCRIPTION},
            {"status", C_STATUT},        {"starts_on", C_DEBUT},
            {"due_on", C_FIN},           {"objectives", C_OBJECTIFS},
            {"target_publics", C_PUBLICS}, {"target_communes", C_COMMUNES},
            {"contact_role", C_CONTACT},
            {"priority", C_PRIORITE},
        };
        int col = C_ACTION;
        for (size_t i = 0; i < sizeof map / sizeof *map; i++)
            if (fe.field && !strcmp(fe.field, map[i].field))
                col = map[i].col;
        refuse_row(im, col == C_ACTION ? r : BLAME(col), col, rep, "%s",
                   fe.msg[0] ? fe.msg : "Valeur refusée.");
        a->refused = true;
    }
#undef BLAME
    if (a->cell[C_PARTENAIRES]) {
        /* Each partner named between "|", none empty. */
        const char *p = a->cell[C_PARTENAIRES];
        for (;;) {
            const char *bar = strchr(p, '|');
            size_t n = bar ? (size_t)(bar - p) : strlen(p);
            size_t k = 0;
            while (k < n && is_blank(p[k]))
                k++;
            if (k == n) {
                refuse_row(im, &im->rows[a->cell_row[C_PARTENAIRES]], C_PARTENAIRES, rep,
                           "Un partenaire est vide : séparez les partenaires par « | ».");
                a->refused = true;
                break;
            }
            if (!bar)
                break;
            p = bar + 1;
        }
    }
}

/* The action key of a row: folded axis, sub-axis, title. */
static char *action_key(const imp_row *r)
{
    char a[MG_PARSE_FOLD_SIZE], s[MG_PARSE_FOLD_SIZE], t[MG_PARSE_FOLD_SIZE];
    fold(r->cell[C_AXE], a);
    fold(r->cell[C_SOUS_AXE], s);
    fold(r->cell[C_ACTION], t);
    size_t n = strlen(a) + strlen(s) + strlen(t) + 3;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s\x1f%s\x1f%s", a, s, t);
    return k;
}

/* Groups row i into its action: a new action, or a repeat whose
 * action-level cells must agree with those already given. */
static int group_row(mg_contract_import *im, size_t i, mg_import_report *rep)
{
    imp_row *r = &im->rows[i];
    char *key = action_key(r);
    if (!key)
        return MG_ENOMEM;
    size_t k = 0;
    while (k < im->nactions && strcmp(im->actions[k].key, key) != 0)
        k++;
    if (k == im->nactions) {
        if (im->nactions == im->capactions) {
            size_t cap = im->capactions ? im->capactions * 2 : 16;
            imp_action *p = realloc(im->actions, cap * sizeof *p);
            if (!p) {
                free(key);
                return MG_ENOMEM;
            }
            im->actions = p;
            im->capactions = cap;
        }
        imp_action *a = &im->actions[im->nactions++];
        memset(a, 0, sizeof *a);
        a->first = i;
        a->key = key;
        for (int c = 0; c < NCOL; c++)
            if (action_level(c) && r->cell[c])
                a->cell[c] = r->cell[c], a->cell_row[c] = i;
        r->action = k;
        r->grouped = true;
        return MG_OK;
    }
    free(key);
    imp_action *a = &im->actions[k];
    r->action = k;
    r->grouped = true;
    for (int c = 0; c < NCOL; c++) {
        if (!action_level(c) || !r->cell[c])
            continue;
        if (!a->cell[c]) {
            a->cell[c] = r->cell[c];
            a->cell_row[c] = i;
        } else if (strcmp(a->cell[c], r->cell[c]) != 0) {
            refuse_row(im, r, c, rep,
                       "« %.60s » contredit la ligne %lu (« %.60s ») pour la même action : "
                       "sur les lignes qui répètent une action, laissez cette colonne vide ou "
                       "identique.",
                       r->cell[c], im->rows[a->cell_row[c]].line, a->cell[c]);
            return MG_OK;
        }
    }
    return MG_OK;
}

int mg_contract_import_read(const char *name, const void *data, size_t len,
                            mg_contract_import **out, mg_import_report *rep, mg_diag *d)
{
    *out = NULL;
    if (!data && len)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_import_read: bad arguments");
    if (!data)
        data = "";
    if (len > MG_IMPORT_MAX_BYTES) {
        report_add(rep, 0, -1, NULL, MG_IMPORT_ROW_REFUSED,
                   "Le fichier dépasse %d Mio.", MG_IMPORT_MAX_BYTES / (1024 * 1024));
        return MG_ELIMIT;
    }
    mg_contract_import *im = calloc(1, sizeof *im);
    if (!im)
        return MG_ENOMEM;
    source s;
    int rc = open_source(&s, name ? name : "plan", data, len, rep, d);
    if (rc < 0) {
        source_close(&s);
        mg_contract_import_free(im);
        return rc;
    }
    if (s.xlsx) {
        rc = source_next(&s, rep, d);
        if (rc == 0) {
            report_add(rep, 1, -1, NULL, MG_IMPORT_ROW_REFUSED,
                       "La première feuille du classeur est vide : la ligne d'en-tête manque.");
            rc = MG_EPARSE;
        }
        if (rc < 0) {
            source_close(&s);
            mg_contract_import_free(im);
            return rc;
        }
    }
    size_t refused_before = rep->refused;
    read_header(im, &s, rep);
    bool header_ok = rep->refused == refused_before;
    bool oom = false;
    while (header_ok && (rc = source_next(&s, rep, d)) == 1) {
        if (im->nrows >= MG_IMPORT_MAX_ROWS) {
            report_add(rep, source_line(&s), -1, NULL, MG_IMPORT_ROW_REFUSED,
                       "Le fichier a plus de %d lignes.", MG_IMPORT_MAX_ROWS);
            rc = MG_ELIMIT;
            break;
        }
        if (im->nrows == im->caprows) {
            size_t cap = im->caprows ? im->caprows * 2 : 32;
            imp_row *p = realloc(im->rows, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            im->rows = p;
            im->caprows = cap;
        }
        imp_row *r = &im->rows[im->nrows];
        memset(r, 0, sizeof *r);
        r->line = source_line(&s);
        size_t n = source_ncells(&s);
        bool any = false;
        for (int c = 0; c < NCOL; c++) {
            if (im->colmap[c] >= 0 && (size_t)im->colmap[c] < n)
                r->cell[c] = trimmed(source_cell(&s, (size_t)im->colmap[c]), &oom);
            any |= r->cell[c] != NULL;
        }
        /* Cells beyond the header's columns: refused rather than dropped. */
        for (size_t i = 0; i < n && !s.xlsx; i++) {
            bool mapped = false;
            for (int c = 0; c < NCOL; c++)
                mapped |= im->colmap[c] == (int)i;
            const char *v = source_cell(&s, i);
            while (!mapped && is_blank(*v))
                v++;
            if (!mapped && *v) {
                r->refused = true;
                report_add(rep, r->line, (int)i, NULL, MG_IMPORT_ROW_REFUSED,
                           "Une valeur dans une colonne sans en-tête.");
                break;
            }
        }
        for (size_t i = source_ncells(&s); s.xlsx && i-- > 0;) {
            bool mapped = false;
            for (int c = 0; c < NCOL; c++)
                mapped |= im->colmap[c] == (int)i;
            if (!mapped && *source_cell(&s, i)) {
                r->refused = true;
                report_add(rep, r->line, (int)i, NULL, MG_IMPORT_ROW_REFUSED,
                           "Une valeur dans une colonne sans en-tête.");
                break;
            }
        }
        im->nrows++;
        if (oom) {
            rc = MG_ENOMEM;
            break;
        }
        if (!any) { /* a line of empty cells (";;;;"): skipped */
            for (int c = 0; c < NCOL; c++)
                free(r->cell[c]);
            im->nrows--;
            continue;
        }
        if (r->refused)
            continue;
        if (!r->cell[C_ACTION]) {
            refuse_row(im, r, C_ACTION, rep, "Le titre de l'action est obligatoire.");
            continue;
        }
        if (r->cell[C_SOUS_AXE] && !r->cell[C_AXE]) {
            refuse_row(im, r, C_AXE, rep, "Un sous-axe appartient à un axe : l'axe manque.");
            continue;
        }
        static const int titles[] = {C_AXE, C_SOUS_AXE};
        for (size_t t = 0; t < 2 && !r->refused; t++) {
            const char *v = r->cell[titles[t]];
            size_t chars = 0;
            if (v && (mg_utf8_check(v, strlen(v), &chars), chars > MG_CONTRACT_TITLE_MAX_CHARS))
                refuse_row(im, r, titles[t], rep, "Le titre d'un axe a au plus %d caractères.",
                           MG_CONTRACT_TITLE_MAX_CHARS);
        }
        if (r->refused)
            continue;
        check_line(im, r, s.xlsx, rep);
        if (r->refused)
            continue;
        rc = group_row(im, im->nrows - 1, rep);
        if (rc < 0)
            break;
        rc = 1;
    }
    if (rc == 0 || rc == 1)
        rc = MG_OK;
    source_close(&s);
    if (rc == MG_ENOMEM) {
        mg_contract_import_free(im);
        return rc;
    }
    if (rc == MG_OK && header_ok) {
        for (size_t k = 0; k < im->nactions; k++)
            check_action(im, &im->actions[k], s.xlsx, rep);
        /* An action is refused with any of its rows, and its example mark
         * comes from any of them. */
        for (size_t i = 0; i < im->nrows; i++)
            if (!im->rows[i].refused && im->rows[i].grouped)
                im->actions[im->rows[i].action].example |= im->rows[i].example;
        if (im->nrows == 0)
            report_add(rep, 0, -1, NULL, MG_IMPORT_ROW_REFUSED,
                       "Le fichier n'a aucune ligne sous son en-tête.");
    }
    if (rc < 0) {
        /* The file stops being readable: the rows before are not a plan. */
        mg_contract_import_free(im);
        return rc;
    }
    *out = im;
    return rep->refused ? MG_EINVAL : MG_OK;
}

/* --- Applying it to a contract ---------------------------------------------- */

typedef struct org {
    int64_t id;
    char name[MG_CONTRACT_NAME_MAX_BYTES + 1];
    char folded[MG_PARSE_FOLD_SIZE];
    char siret[15];
} org;

typedef struct axis {
    int64_t id;                /* 0 until a new axis is written */
    long parent;               /* index of its axis in apply_tx.axes; -1 for an axis */
    char folded[MG_PARSE_FOLD_SIZE];
    const char *title;         /* borrowed from a row for a new axis */
    bool created;
} axis;

struct apply_tx {
    int64_t by, contract_id;
    mg_contract_import *im;
    bool dry_run;
    mg_import_report *rep;
    org *orgs;
    size_t norgs;
    axis *axes;
    size_t naxes, capaxes;
    int64_t lead;
    char file[256];
};

static int load_orgs(mg_db_conn *c, struct apply_tx *t, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT id, name, siret FROM organisations ORDER BY id",
                                MG_DB_NO_PARAMS, &q, d);
    size_t cap = 0;
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (t->norgs == cap) {
            cap = cap ? cap * 2 : 64;
            org *p = realloc(t->orgs, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            t->orgs = p;
        }
        org *o = &t->orgs[t->norgs++];
        o->id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, o->name, sizeof o->name);
        mg_db_column_copy(q, 2, o->siret, sizeof o->siret);
        fold(o->name, o->folded);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

/* The organisation a cell names: by SIRET, SIREN (one establishment), or
 * folded name (one organisation). 0 with a French reason in why. */
static int64_t find_org(const struct apply_tx *t, const char *v, char *why, size_t cap)
{
    char digits[32];
    size_t nd = 0;
    bool only_digits = true;
    for (const char *p = v; *p && only_digits; p++) {
        if (*p >= '0' && *p <= '9') {
            if (nd + 1 < sizeof digits)
                digits[nd++] = *p;
        } else if (*p != ' ') {
            only_digits = false;
        }
    }
    digits[nd] = '\0';
    int64_t found = 0;
    size_t count = 0;
    if (only_digits && (nd == 14 || nd == 9)) {
        for (size_t i = 0; i < t->norgs; i++)
            if (!strncmp(t->orgs[i].siret, digits, nd) && t->orgs[i].siret[0])
                found = t->orgs[i].id, count++;
        if (count == 1)
            return found;
        if (count)
            snprintf(why, cap, "Le SIREN %s désigne plusieurs organisations : donnez le SIRET.",
                     digits);
        else
            snprintf(why, cap,
                     "Aucune organisation n'a le %s %s : créez-la d'abord (annuaire ou "
                     "administration), ou donnez son nom.",
                     nd == 14 ? "SIRET" : "SIREN", digits);
        return 0;
    }
    char f[MG_PARSE_FOLD_SIZE];
    fold(v, f);
    for (size_t i = 0; f[0] && i < t->norgs; i++)
        if (!strcmp(t->orgs[i].folded, f))
            found = t->orgs[i].id, count++;
    if (count == 1)
        return found;
    snprintf(why, cap,
             count ? "Plusieurs organisations s'appellent « %.100s » : donnez son SIRET."
                   : "Organisation « %.100s » inconnue : aucune organisation de ce nom (ni de "
                     "ce SIRET) n'existe ; créez-la d'abord ou corrigez le nom.",
             v);
    return 0;
}

static int load_axes(mg_db_conn *c, struct apply_tx *t, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT id, COALESCE(parent_id, 0), title "
                                "FROM contract_axes WHERE contract_id = ?1 ORDER BY level, id",
                                MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (t->naxes == t->capaxes) {
            size_t cap = t->capaxes ? t->capaxes * 2 : 16;
            axis *p = realloc(t->axes, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            t->axes = p;
            t->capaxes = cap;
        }
        axis *a = &t->axes[t->naxes++];
        memset(a, 0, sizeof *a);
        a->id = mg_db_column_int64(q, 0);
        int64_t parent = mg_db_column_int64(q, 1);
        a->parent = -1;
        for (size_t i = 0; parent && i + 1 < t->naxes; i++) /* parents come first */
            if (t->axes[i].id == parent)
                a->parent = (long)i;
        char title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
        mg_db_column_copy(q, 2, title, sizeof title);
        fold(title, a->folded);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

/* Whether the contract already has an action of this folded title under
 * axis `axis_id` (0: outside any axis). */
static int action_exists(mg_db_conn *c, int64_t contract_id, int64_t axis_id, const char *title,
                         bool *exists, mg_diag *d)
{
    *exists = false;
    mg_db_stmt *q = NULL;
    char want[MG_PARSE_FOLD_SIZE], got[MG_PARSE_FOLD_SIZE];
    fold(title, want);
    int rc = mg_db_prepare_with(c,
                                "SELECT title FROM contract_actions WHERE contract_id = ?1 AND "
                                "COALESCE(axis_id, 0) = ?2",
                                MG_DB_PARAMS(MG_DB_INT(contract_id), MG_DB_INT(axis_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        fold(mg_db_column_text(q, 0), got);
        if (!strcmp(got, want))
            *exists = true;
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

/* The axis (and sub-axis) of an action, existing or to create: its index
 * in t->axes via *out (-1: none). Axes are matched by folded title under
 * the same parent. */
static int plan_axis(struct apply_tx *t, const imp_row *r, long *out)
{
    *out = -1;
    long parent = -1;
    const int cols[2] = {C_AXE, C_SOUS_AXE};
    for (int lvl = 0; lvl < 2; lvl++) {
        const char *title = r->cell[cols[lvl]];
        if (!title)
            break;
        char f[MG_PARSE_FOLD_SIZE];
        fold(title, f);
        long found = -1;
        for (size_t i = 0; i < t->naxes && found < 0; i++)
            if (t->axes[i].parent == parent && !strcmp(t->axes[i].folded, f))
                found = (long)i;
        if (found < 0) {
            if (t->naxes == t->capaxes) {
                size_t cap = t->capaxes ? t->capaxes * 2 : 16;
                axis *p = realloc(t->axes, cap * sizeof *p);
                if (!p)
                    return MG_ENOMEM;
                t->axes = p;
                t->capaxes = cap;
            }
            axis *a = &t->axes[t->naxes];
            memset(a, 0, sizeof *a);
            snprintf(a->folded, sizeof a->folded, "%s", f);
            a->title = title;
            a->created = true;
            a->parent = parent;
            found = (long)t->naxes++;
            t->rep->axes++;
        }
        parent = found;
        *out = found;
    }
    return MG_OK;
}

static int audit(mg_db_conn *c, struct apply_tx *t, const char *type, int64_t id,
                 const char *verb, const mg_audit_change *ch, size_t n, mg_diag *d)
{
    mg_audit_entry e = {.account_id = t->by, .organisation_id = t->lead, .object_type = type,
                        .object_id = id, .verb = verb, .changes = ch, .nchanges = n};
    return mg_audit_append(c, &e, NULL, d);
}

static int write_axis(mg_db_conn *c, struct apply_tx *t, size_t i, const char *now, mg_diag *d)
{
    axis *a = &t->axes[i];
    if (!a->created || a->id)
        return MG_OK;
    int64_t parent = 0;
    if (a->parent >= 0) {
        int rc = write_axis(c, t, (size_t)a->parent, now, d);
        if (rc < 0)
            return rc;
        parent = t->axes[a->parent].id;
    }
    int64_t pos = 0;
    int rc = mg_db_query_int(c,
                             "SELECT COALESCE(MAX(position) + 1, 0) FROM contract_axes "
                             "WHERE contract_id = ?1 AND COALESCE(parent_id, 0) = ?2",
                             MG_DB_PARAMS(MG_DB_INT(t->contract_id), MG_DB_INT(parent)), &pos, d);
    if (rc < 0)
        return rc;
    rc = mg_db_query_int(
        c,
        "INSERT INTO contract_axes (contract_id, level, parent_id, parent_level, position, "
        "title, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id",
        MG_DB_PARAMS(MG_DB_INT(t->contract_id), MG_DB_INT(parent ? 2 : 1),
                     parent ? MG_DB_INT(parent) : MG_DB_NULL, parent ? MG_DB_INT(1) : MG_DB_NULL,
                     MG_DB_INT(pos), MG_DB_TEXT(a->title), MG_DB_TEXT(now)),
        &a->id, d);
    if (rc < 0)
        return rc == MG_ENOTFOUND ? mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no axis id") : rc;
    char ids[24], ps[24];
    snprintf(ids, sizeof ids, "%lld", (long long)a->id);
    snprintf(ps, sizeof ps, "%lld", (long long)parent);
    mg_audit_change ch[] = {
        {"axis.id", NULL, ids, false},
        {"axis.parent_id", NULL, parent ? ps : NULL, false},
        {"axis.title", NULL, a->title, false},
        {"imported_from", NULL, t->file, false},
    };
    return audit(c, t, "contract", t->contract_id, "add_axis", ch, sizeof ch / sizeof *ch, d);
}

static int write_action(mg_db_conn *c, struct apply_tx *t, imp_action *a, int64_t *id,
                        const char *now, int position, mg_diag *d)
{
    const imp_row *r = &t->im->rows[a->first];
    const char *e = "";
#define CELL(col) (a->cell[col] ? a->cell[col] : e)
    int rc = mg_db_query_int(
        c,
        "INSERT INTO contract_actions (contract_id, title, description, status, starts_on, "
        "due_on, axis_id, objectives, target_publics, target_communes, priority, position, "
        "is_example, contact_role, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?15, ?14, ?14) "
        "RETURNING id",
        MG_DB_PARAMS(MG_DB_INT(t->contract_id), MG_DB_TEXT(r->cell[C_ACTION]),
                     MG_DB_TEXT(CELL(C_DESCRIPTION)), MG_DB_TEXT(mg_action_status_key(a->status)),
                     a->starts_on[0] ? MG_DB_TEXT(a->starts_on) : MG_DB_NULL,
                     a->due_on[0] ? MG_DB_TEXT(a->due_on) : MG_DB_NULL,
                     a->axis_id ? MG_DB_INT(a->axis_id) : MG_DB_NULL, MG_DB_TEXT(CELL(C_OBJECTIFS)),
                     MG_DB_TEXT(CELL(C_PUBLICS)), MG_DB_TEXT(CELL(C_COMMUNES)),
                     MG_DB_INT(a->priority), MG_DB_INT(position), MG_DB_INT(a->example ? 1 : 0),
                     MG_DB_TEXT(now), MG_DB_TEXT(CELL(C_CONTACT))),
        id, d);
    if (rc < 0)
        return rc == MG_ENOTFOUND ? mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no action id") : rc;
    char cs[24], ax[24], pr[4];
    snprintf(cs, sizeof cs, "%lld", (long long)t->contract_id);
    snprintf(ax, sizeof ax, "%lld", (long long)a->axis_id);
    snprintf(pr, sizeof pr, "%d", a->priority);
    mg_audit_change ch[] = {
        {"contract_id", NULL, cs, false},
        {"title", NULL, r->cell[C_ACTION], false},
        {"description", NULL, a->cell[C_DESCRIPTION], false},
        {"status", NULL, mg_action_status_key(a->status), false},
        {"starts_on", NULL, a->starts_on[0] ? a->starts_on : NULL, false},
        {"due_on", NULL, a->due_on[0] ? a->due_on : NULL, false},
        {"axis_id", NULL, a->axis_id ? ax : NULL, false},
        {"objectives", NULL, a->cell[C_OBJECTIFS], false},
        {"contact_role", NULL, a->cell[C_CONTACT], false},
        {"target_publics", NULL, a->cell[C_PUBLICS], false},
        {"target_communes", NULL, a->cell[C_COMMUNES], false},
        {"priority", NULL, pr, false},
        {"is_example", NULL, a->example ? "1" : "0", false},
        {"imported_from", NULL, t->file, false},
    };
#undef CELL
    return audit(c, t, "action", *id, "create", ch, sizeof ch / sizeof *ch, d);
}

static int write_participant(mg_db_conn *c, struct apply_tx *t, int64_t action_id, int64_t org_id,
                             mg_participant_role role, const char *now, mg_diag *d)
{
    int rc = mg_db_run(c,
                       "INSERT INTO action_participants (action_id, organisation_id, role, "
                       "created_at) VALUES (?1, ?2, ?3, ?4)",
                       MG_DB_PARAMS(MG_DB_INT(action_id), MG_DB_INT(org_id),
                                    MG_DB_TEXT(mg_participant_role_key(role)), MG_DB_TEXT(now)),
                       NULL, d);
    if (rc < 0)
        return rc;
    t->rep->participants++;
    char os[24];
    snprintf(os, sizeof os, "%lld", (long long)org_id);
    mg_audit_change ch[] = {
        {"participant.organisation_id", NULL, os, false},
        {"participant.role", NULL, mg_participant_role_key(role), false},
    };
    return audit(c, t, "action", action_id, "add_participant", ch, 2, d);
}

static int write_line(mg_db_conn *c, struct apply_tx *t, int64_t action_id, const imp_row *r,
                      const char *now, mg_diag *d)
{
    int64_t id = 0;
    int rc = mg_db_query_int(
        c,
        "INSERT INTO budget_lines (action_id, funder_id, year, nature, planned_cents, "
        "committed_cents, paid_cents, source, is_example, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'typed', ?8, ?9, ?9) RETURNING id",
        MG_DB_PARAMS(MG_DB_INT(action_id), MG_DB_INT(r->funder_id), MG_DB_INT(r->year),
                     MG_DB_TEXT(mg_budget_nature_key(r->nature)), MG_DB_INT(r->planned),
                     MG_DB_INT(r->committed), MG_DB_INT(r->paid), MG_DB_INT(r->example ? 1 : 0),
                     MG_DB_TEXT(now)),
        &id, d);
    if (rc < 0)
        return rc == MG_ENOTFOUND ? mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no line id") : rc;
    char as[24], fs[24], ys[8], p[24], cm[24], pd[24];
    snprintf(as, sizeof as, "%lld", (long long)action_id);
    snprintf(fs, sizeof fs, "%lld", (long long)r->funder_id);
    snprintf(ys, sizeof ys, "%d", r->year);
    snprintf(p, sizeof p, "%lld", (long long)r->planned);
    snprintf(cm, sizeof cm, "%lld", (long long)r->committed);
    snprintf(pd, sizeof pd, "%lld", (long long)r->paid);
    mg_audit_change ch[] = {
        {"action_id", NULL, as, false},
        {"funder_id", NULL, fs, false},
        {"year", NULL, ys, false},
        {"nature", NULL, mg_budget_nature_key(r->nature), false},
        {"planned_cents", NULL, p, false},
        {"committed_cents", NULL, cm, false},
        {"paid_cents", NULL, pd, false},
        {"is_example", NULL, r->example ? "1" : "0", false},
        {"imported_from", NULL, t->file, false},
    };
    t->rep->budget_lines++;
    return audit(c, t, "budget_line", id, "create", ch, sizeof ch / sizeof *ch, d);
}

/* The references of each action and row, resolved; refusals reported. */
static int resolve(mg_db_conn *c, struct apply_tx *t, mg_diag *d)
{
    mg_contract_import *im = t->im;
    char why[300];
    for (size_t k = 0; k < im->nactions; k++) {
        imp_action *a = &im->actions[k];
        free(a->partners); /* a transaction retried resolves again */
        a->partners = NULL;
        a->npartners = 0;
        a->pilot_id = 0;
        a->axis_id = -1;
        if (a->refused)
            continue;
        imp_row *first = &im->rows[a->first];
        if (a->cell[C_PILOTE]) {
            a->pilot_id = find_org(t, a->cell[C_PILOTE], why, sizeof why);
            if (!a->pilot_id) {
                refuse_row(im, &im->rows[a->cell_row[C_PILOTE]], C_PILOTE, t->rep, "%s", why);
                a->refused = true;
            }
        }
        if (a->cell[C_PARTENAIRES] && !a->refused) {
            char *list = strdup(a->cell[C_PARTENAIRES]);
            if (!list)
                return MG_ENOMEM;
            imp_row *blame = &im->rows[a->cell_row[C_PARTENAIRES]];
            for (char *save = NULL, *p = strtok_r(list, "|", &save); p && !a->refused;
                 p = strtok_r(NULL, "|", &save)) {
                bool oom = false;
                char *name = trimmed(p, &oom);
                if (oom) {
                    free(list);
                    return MG_ENOMEM;
                }
                int64_t id = name ? find_org(t, name, why, sizeof why) : 0;
                if (!id) {
                    refuse_row(im, blame, C_PARTENAIRES, t->rep, "%s", why);
                    a->refused = true;
                } else if (id == a->pilot_id) {
                    refuse_row(im, blame, C_PARTENAIRES, t->rep,
                               "« %.100s » est déjà le pilote de l'action : une organisation "
                               "y prend part une fois.", name);
                    a->refused = true;
                } else {
                    bool seen = false;
                    for (size_t j = 0; j < a->npartners; j++)
                        seen |= a->partners[j] == id;
                    if (!seen) {
                        int64_t *np = realloc(a->partners, (a->npartners + 1) * sizeof *np);
                        if (!np) {
                            free(name);
                            free(list);
                            return MG_ENOMEM;
                        }
                        a->partners = np;
                        a->partners[a->npartners++] = id;
                    }
                }
                free(name);
            }
            free(list);
        }
        if (a->refused)
            continue;
        long ai = -1;
        int rc = plan_axis(t, first, &ai);
        if (rc < 0)
            return rc;
        /* An existing axis: is the action already there? */
        int64_t axis_id = ai >= 0 ? t->axes[ai].id : 0;
        if (ai < 0 || axis_id) {
            bool exists = false;
            rc = action_exists(c, t->contract_id, axis_id, first->cell[C_ACTION], &exists, d);
            if (rc < 0)
                return rc;
            if (exists) {
                refuse_row(im, first, C_ACTION, t->rep,
                           "Le contrat a déjà l'action « %.100s »%s : elle n'est pas importée "
                           "deux fois.",
                           first->cell[C_ACTION], ai >= 0 ? " dans cet axe" : "");
                a->refused = true;
            }
        }
        a->axis_id = ai; /* an index until written */
    }
    for (size_t i = 0; i < im->nrows; i++) {
        imp_row *r = &im->rows[i];
        if (r->refused || !r->has_line)
            continue;
        r->funder_id = find_org(t, r->cell[C_FINANCEUR], why, sizeof why);
        if (!r->funder_id)
            refuse_row(im, r, C_FINANCEUR, t->rep, "%s", why);
    }
    return MG_OK;
}

static int apply_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct apply_tx *t = ctx;
    mg_contract_import *im = t->im;
    t->rep->axes = t->rep->actions = t->rep->participants = t->rep->budget_lines = 0;
    int64_t lead = 0;
    int rc = mg_db_query_int(c, "SELECT organisation_id FROM contracts WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &lead, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld",
                           (long long)t->contract_id);
    if (rc < 0)
        return rc;
    t->lead = lead;
    if ((rc = load_orgs(c, t, d)) < 0 || (rc = load_axes(c, t, d)) < 0 ||
        (rc = resolve(c, t, d)) < 0)
        return rc;
    /* An action with a refused row is refused whole: its other rows say so. */
    for (size_t i = 0; i < im->nrows; i++)
        if (im->rows[i].refused && im->rows[i].grouped)
            im->actions[im->rows[i].action].refused = true;
    for (size_t i = 0; i < im->nrows; i++) {
        imp_row *r = &im->rows[i];
        if (!r->refused && r->grouped && im->actions[r->action].refused) {
            imp_row *f = &im->rows[im->actions[r->action].first];
            refuse_row(im, r, -1, t->rep,
                       "L'action « %.100s » est refusée (voir la ligne %lu) : aucune de ses "
                       "lignes n'est importée.",
                       r->cell[C_ACTION], f->line);
        }
    }
    t->rep->actions = 0;
    for (size_t k = 0; k < im->nactions; k++)
        t->rep->actions += !im->actions[k].refused;
    if (t->rep->refused || t->dry_run) {
        /* Counts of what would be created, for the dry run's report. */
        for (size_t i = 0; i < im->nrows; i++)
            t->rep->budget_lines += !im->rows[i].refused && im->rows[i].has_line;
        for (size_t k = 0; k < im->nactions; k++)
            if (!im->actions[k].refused)
                t->rep->participants +=
                    (im->actions[k].pilot_id != 0) + im->actions[k].npartners;
        return t->rep->refused ? MG_EINVAL : MG_OK;
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    int64_t pos = 0;
    rc = mg_db_query_int(c,
                         "SELECT COALESCE(MAX(position) + 1, 0) FROM contract_actions "
                         "WHERE contract_id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &pos, d);
    if (rc < 0)
        return rc;
    int64_t *ids = calloc(im->nactions ? im->nactions : 1, sizeof *ids);
    if (!ids)
        return MG_ENOMEM;
    for (size_t k = 0; rc == 0 && k < im->nactions; k++) {
        imp_action *a = &im->actions[k];
        long ai = (long)a->axis_id;
        if (ai >= 0) {
            rc = write_axis(c, t, (size_t)ai, now, d);
            if (rc < 0)
                break;
            a->axis_id = t->axes[ai].id;
        } else {
            a->axis_id = 0;
        }
        rc = write_action(c, t, a, &ids[k], now, (int)pos++, d);
        if (rc == 0 && a->pilot_id)
            rc = write_participant(c, t, ids[k], a->pilot_id, MG_PARTICIPANT_PILOT, now, d);
        for (size_t j = 0; rc == 0 && j < a->npartners; j++)
            rc = write_participant(c, t, ids[k], a->partners[j], MG_PARTICIPANT_PARTNER, now, d);
    }
    for (size_t i = 0; rc == 0 && i < im->nrows; i++)
        if (im->rows[i].has_line)
            rc = write_line(c, t, ids[im->rows[i].action], &im->rows[i], now, d);
    free(ids);
    return rc;
}

int mg_contract_import_apply(mg_db *db, int64_t by, int64_t contract_id, mg_contract_import *im,
                             bool dry_run, mg_import_report *rep, mg_diag *d)
{
    if (!db || !im || !rep || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_import_apply: bad arguments");
    rep->dry_run = dry_run;
    rep->written = false;
    /* The report's rows of accepted lines are added at the end; a previous
     * refusal (from the read) already refuses the import. */
    size_t refused_read = rep->refused;
    struct apply_tx t = {.by = by, .contract_id = contract_id, .im = im, .dry_run = dry_run,
                         .rep = rep};
    snprintf(t.file, sizeof t.file, "%s", rep->file);
    int rc;
    if (refused_read) {
        /* Refused while read: the references are still checked so that the
         * report names every fault, in a transaction that writes nothing. */
        t.dry_run = true;
        rc = mg_db_transaction(db, MG_DB_TX_READ, apply_body, &t, d);
        if (rc == 0 || rc == MG_EINVAL)
            rc = MG_EINVAL;
    } else {
        rc = mg_db_transaction(db, dry_run ? MG_DB_TX_READ : MG_DB_TX_WRITE, apply_body, &t, d);
    }
    if (rc == MG_EINVAL && !rep->refused)
        report_add(rep, 0, -1, NULL, MG_IMPORT_ROW_REFUSED,
                   "La base de données a refusé l'import, rien n'a été écrit (%s).",
                   d && d->msg[0] ? d->msg : "contrainte");
    /* Everything is refused or nothing is: rows appended by a failed
     * transaction (retries) are kept once, and the accepted rows named. */
    if (rc == 0 || rc == MG_EINVAL) {
        rep->written = rc == 0 && !dry_run;
        /* Every line gets its row: the accepted ones too, imported or not. */
        for (size_t i = 0; i < im->nrows; i++) {
            imp_row *r = &im->rows[i];
            if (r->refused || !r->grouped)
                continue;
            const imp_action *a = &im->actions[r->action];
            bool first = a->first == i;
            char amount[64] = "";
            const char *funder = r->cell[C_FINANCEUR];
            if (r->has_line) {
                mg_budget_format_cents(r->planned, amount, sizeof amount);
                for (size_t o = 0; o < t.norgs; o++) /* its name, when named by SIRET */
                    if (t.orgs[o].id == r->funder_id)
                        funder = t.orgs[o].name;
            }
            mg_import_row *added =
                report_add(rep, r->line, -1, NULL, MG_IMPORT_ROW_OK, "%s « %.120s »%s%s%s%s%s",
                       first ? "Action" : "Même action",
                       r->cell[C_ACTION],
                       r->has_line ? " ; ligne budgétaire " : "",
                       r->has_line ? funder : "",
                       r->has_line ? " " : "", r->has_line ? r->cell[C_ANNEE] : "",
                       r->has_line ? (r->example ? " (exemple)" : "") : "");
            if (r->has_line && added) {
                size_t l = strlen(added->message);
                snprintf(added->message + l, sizeof added->message - l, " : %s prévus", amount);
            }
        }
    }
    /* By line, the file's own faults (line 0) first; stable. */
    for (size_t i = 1; i < rep->n; i++) {
        mg_import_row row = rep->rows[i];
        size_t j = i;
        for (; j > 0 && rep->rows[j - 1].line > row.line; j--)
            rep->rows[j] = rep->rows[j - 1];
        rep->rows[j] = row;
    }
    free(t.orgs);
    free(t.axes);
    return rc;
}

/* --- The example mark of a contract ------------------------------------------ */

struct mark_tx {
    int64_t by, id;
};

static int mark_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct mark_tx *t = ctx;
    int64_t lead = 0, was = 0;
    int rc = mg_db_query_int(c, "SELECT organisation_id FROM contracts WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->id)), &lead, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld",
                           (long long)t->id);
    if (rc == 0)
        rc = mg_db_query_int(c, "SELECT is_example FROM contracts WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->id)), &was, d);
    if (rc < 0 || was)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c, "UPDATE contracts SET is_example = 1, updated_at = ?2 WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(now)), NULL, d);
    if (rc < 0)
        return rc;
    mg_audit_change ch[] = {{"is_example", "0", "1", false}};
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead, .object_type = "contract",
                        .object_id = t->id, .verb = "update", .changes = ch, .nchanges = 1};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_contract_import_mark_example(mg_db *db, int64_t by, int64_t id, mg_diag *d)
{
    if (!db || by < 0 || id <= 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_import_mark_example: bad arguments");
    struct mark_tx t = {by, id};
    return mg_db_transaction(db, MG_DB_TX_WRITE, mark_body, &t, d);
}
