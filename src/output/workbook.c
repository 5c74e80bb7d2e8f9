#include "output/workbook.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "output/table.h"


/* The sheets' columns are kept to give each number its format. */
#define MAX_COLUMNS 64

struct mg_workbook {
    lxw_workbook *wb;
    char path[4096];
    lxw_worksheet *ws;    /* the current sheet */
    bool table;           /* the current sheet has an autofilter to set */
    size_t ncols;
    int decimals[MAX_COLUMNS];
    size_t last_row;      /* the last row written in the current sheet */
    lxw_format *bold, *wrap, *bold_wrap;
    lxw_format *number[MG_WB_MAX_DECIMALS + 1];
    lxw_error err;        /* the first error of a cell */
};

/* The temporary files go where TMPDIR says, /tmp otherwise. */
static const char *tmp_dir(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

int mg_workbook_new(mg_workbook **out, mg_diag *d)
{
    *out = NULL;
    mg_workbook *w = calloc(1, sizeof *w);
    if (!w)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    int n = snprintf(w->path, sizeof w->path, "%s/maillage-xlsx-XXXXXX", tmp_dir());
    if (n < 0 || (size_t)n >= sizeof w->path) {
        free(w);
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "temporary directory name too long");
    }
    int fd = mkstemp(w->path);
    if (fd < 0) {
        free(w);
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot make a temporary file in %s",
                           tmp_dir());
    }
    close(fd);
    /* Constant memory: each row goes to a temporary file once the next one
     * starts (rows are written in order), so that a table of France's
     * 35,000 communes does not stay in memory; strings are then written
     * inline. */
    lxw_workbook_options opt = {.constant_memory = 1, .tmpdir = NULL, .use_zip64 = 0};
    w->wb = workbook_new_opt(w->path, &opt);
    if (!w->wb) {
        unlink(w->path);
        free(w);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "cannot start a workbook");
    }
    w->bold = workbook_add_format(w->wb);
    format_set_bold(w->bold);
    w->wrap = workbook_add_format(w->wb);
    format_set_text_wrap(w->wrap);
    format_set_align(w->wrap, LXW_ALIGN_VERTICAL_TOP);
    w->bold_wrap = workbook_add_format(w->wb);
    format_set_bold(w->bold_wrap);
    format_set_text_wrap(w->bold_wrap);
    format_set_align(w->bold_wrap, LXW_ALIGN_VERTICAL_TOP);
    /* "#,##0.00": the thousands separator and the decimals of the
     * spreadsheet's locale (a space and a comma in French). */
    for (int k = 0; k <= MG_WB_MAX_DECIMALS; k++) {
        char code[32] = "#,##0";
        if (k > 0) {
            size_t len = strlen(code);
            code[len++] = '.';
            for (int z = 0; z < k; z++)
                code[len++] = '0';
            code[len] = '\0';
        }
        w->number[k] = workbook_add_format(w->wb);
        format_set_num_format(w->number[k], code);
    }
    *out = w;
    return MG_OK;
}

/* Sets the autofilter of the current sheet, now that its rows are known. */
static void end_sheet(mg_workbook *w)
{
    if (w->ws && w->table && w->ncols) {
        lxw_error e = worksheet_autofilter(w->ws, 0, 0, (lxw_row_t)w->last_row,
                                           (lxw_col_t)(w->ncols - 1));
        if (e && !w->err)
            w->err = e;
    }
    w->ws = NULL;
}

int mg_workbook_sheet(mg_workbook *w, const char *name, const mg_wb_column *cols, size_t ncols,
                      bool table, mg_diag *d)
{
    if (ncols > MAX_COLUMNS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "sheet \"%s\": more than %d columns",
                           name, MAX_COLUMNS);
    end_sheet(w);
    lxw_error e = workbook_validate_sheet_name(w->wb, name);
    if (e)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "sheet \"%s\": %s", name, lxw_strerror(e));
    lxw_worksheet *ws = workbook_add_worksheet(w->wb, name);
    if (!ws)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "sheet \"%s\": cannot add it", name);
    w->ws = ws;
    w->table = table;
    w->ncols = ncols;
    w->last_row = 0;
    for (size_t c = 0; c < ncols; c++) {
        int dec = cols[c].decimals;
        w->decimals[c] = dec < 0 ? MG_WB_TEXT : dec > MG_WB_MAX_DECIMALS ? MG_WB_MAX_DECIMALS : dec;
        double width = cols[c].width > 0 ? cols[c].width : 12;
        lxw_format *f = table ? NULL : c == 0 ? w->bold_wrap : w->wrap;
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width, f);
    }
    if (table) {
        for (size_t c = 0; c < ncols; c++)
            mg_workbook_bold(w, 0, c, cols[c].header);
        worksheet_freeze_panes(ws, 1, 0);
    }
    return MG_OK;
}

/* Whether (row, col) can be written; notes the last row. */
static bool cell_ok(mg_workbook *w, size_t row, size_t col)
{
    if (!w->ws || row >= LXW_ROW_MAX || col >= LXW_COL_MAX) {
        if (!w->err)
            w->err = LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE;
        return false;
    }
    if (row > w->last_row)
        w->last_row = row;
    return true;
}

static void keep(mg_workbook *w, lxw_error e)
{
    if (e && !w->err)
        w->err = e;
}

static void text_as(mg_workbook *w, size_t row, size_t col, const char *s, lxw_format *f)
{
    if (!s || !*s || !cell_ok(w, row, col))
        return;
    keep(w, worksheet_write_string(w->ws, (lxw_row_t)row, (lxw_col_t)col, s, f));
}

void mg_workbook_text(mg_workbook *w, size_t row, size_t col, const char *s)
{
    text_as(w, row, col, s, NULL);
}

void mg_workbook_bold(mg_workbook *w, size_t row, size_t col, const char *s)
{
    text_as(w, row, col, s, w->bold);
}

void mg_workbook_number_as(mg_workbook *w, size_t row, size_t col, double v, int decimals)
{
    if (!isfinite(v) || !cell_ok(w, row, col))
        return;
    if (decimals < 0)
        decimals = 0;
    if (decimals > MG_WB_MAX_DECIMALS)
        decimals = MG_WB_MAX_DECIMALS;
    keep(w, worksheet_write_number(w->ws, (lxw_row_t)row, (lxw_col_t)col, v,
                                   w->number[decimals]));
}

void mg_workbook_number(mg_workbook *w, size_t row, size_t col, double v)
{
    int dec = col < w->ncols ? w->decimals[col] : 0;
    mg_workbook_number_as(w, row, col, v, dec == MG_WB_TEXT ? 0 : dec);
}

/* Appends the file at path to out, within out's maximum. */
static int append_file(const char *path, mg_buf *out, mg_diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot read the workbook back");
    char chunk[65536];
    int rc = MG_OK;
    size_t got;
    while (rc == MG_OK && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = mg_buf_append(out, chunk, got);
    if (rc == MG_OK && ferror(f))
        rc = MG_EIO;
    fclose(f);
    if (rc)
        return mg_diag_set(d, rc, NULL, 0, 0,
                           rc == MG_ELIMIT ? "workbook larger than the output's maximum"
                           : rc == MG_EIO  ? "cannot read the workbook back"
                                           : "out of memory");
    return MG_OK;
}

int mg_workbook_finish(mg_workbook *w, mg_buf *out, mg_diag *d)
{
    end_sheet(w);
    lxw_error cell_err = w->err;
    lxw_error e = workbook_close(w->wb); /* frees the lxw_workbook */
    w->wb = NULL;
    int rc = MG_OK;
    if (cell_err)
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "workbook: %s", lxw_strerror(cell_err));
    else if (e)
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "workbook: %s", lxw_strerror(e));
    else
        rc = append_file(w->path, out, d);
    unlink(w->path);
    free(w);
    return rc;
}

void mg_workbook_free(mg_workbook *w)
{
    if (!w)
        return;
    if (w->wb)
        lxw_workbook_free(w->wb);
    unlink(w->path);
    free(w);
}

/* --- The commune workbook ------------------------------------------------------ */

/* Communes of rows below the threshold: the total, and per EPCI of the
 * territory in per_epci (t->nepci entries) when not NULL. */
static size_t count_below(const mg_diagnosis *g, const size_t *rows, size_t nrows, const double *v,
                          double thr, size_t *per_epci)
{
    size_t n = 0;
    if (per_epci)
        memset(per_epci, 0, g->t->nepci * sizeof *per_epci);
    if (!isfinite(thr))
        return 0;
    for (size_t k = 0; k < nrows; k++) {
        size_t i = rows[k];
        if (!(v[i] < thr))
            continue;
        n++;
        if (per_epci && g->t->epci[i] >= 0)
            per_epci[g->t->epci[i]]++;
    }
    return n;
}

/* The count of the EPCI coded `code` in per_epci (0 when unknown). */
static size_t epci_count(const mg_territory *t, const size_t *per_epci, const char *code)
{
    for (size_t e = 0; e < t->nepci; e++)
        if (strcmp(t->epci_code[e], code) == 0)
            return per_epci[e];
    return 0;
}

static const char *yes_no(double flag)
{
    return !isfinite(flag) ? "" : flag != 0 ? "oui" : "non";
}

/* "Communes": the table's columns with French headers, the extra columns,
 * then for a scenario before, after and difference. */
static int sheet_communes(mg_workbook *wb, const mg_workbook_doc *doc, mg_diag *d)
{
    const mg_diagnosis *g = doc->g;
    const mg_territory *t = g->t;
    if (doc->nextra > MG_WORKBOOK_MAX_EXTRA)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "workbook: more than %d added columns",
                           MG_WORKBOOK_MAX_EXTRA);
    mg_wb_column cols[MG_TABLE_COLUMNS + MG_WORKBOOK_MAX_EXTRA + 3];
    static const double widths[MG_TABLE_COLUMNS] = {11, 28, 13, 17, 40, 12, 14, 11, 12, 14, 10};
    static const int decs[MG_TABLE_COLUMNS] = {MG_WB_TEXT, MG_WB_TEXT, MG_WB_TEXT, MG_WB_TEXT,
                                               MG_WB_TEXT, 0, 0, 0, 2, 2, MG_WB_TEXT};
    size_t nc = 0;
    for (size_t c = 0; c < MG_TABLE_COLUMNS; c++)
        cols[nc++] = (mg_wb_column){mg_table_columns[c].label_fr, widths[c], decs[c]};
    for (size_t c = 0; c < doc->nextra; c++) {
        const mg_wb_extra *x = &doc->extra[c];
        cols[nc++] = (mg_wb_column){x->col.label_fr ? x->col.label_fr : x->col.name,
                                    x->decimals == MG_WB_TEXT ? 14 : 16, x->decimals};
    }
    if (doc->after) {
        cols[nc++] = (mg_wb_column){"APL avant", 12, 2};
        cols[nc++] = (mg_wb_column){"APL après", 12, 2};
        cols[nc++] = (mg_wb_column){"Écart (après − avant)", 14, 3};
    }
    int rc = mg_workbook_sheet(wb, "Communes", cols, nc, true, d);
    if (rc)
        return rc;
    bool thr = isfinite(g->prof->threshold);
    for (size_t k = 0; k < doc->nrows; k++) {
        size_t i = doc->rows[k], r = k + 1, c = 0;
        mg_workbook_text(wb, r, c++, t->code[i]);
        mg_workbook_text(wb, r, c++, t->name[i]);
        mg_workbook_text(wb, r, c++, t->dep[i]);
        mg_workbook_text(wb, r, c++, t->epci[i] >= 0 ? t->epci_code[t->epci[i]] : "");
        mg_workbook_text(wb, r, c++, t->epci[i] >= 0 ? t->epci_name[t->epci[i]] : "");
        /* The CSV's numbers (12 significant digits), so that both read the same. */
        mg_workbook_number(wb, r, c++, mg_output_round(t->population[i]));
        mg_workbook_number(wb, r, c++, mg_output_round(g->demand[i]));
        mg_workbook_number(wb, r, c++, mg_output_round(g->heads[i]));
        mg_workbook_number(wb, r, c++, mg_output_round(g->apl[i]));
        mg_workbook_number(wb, r, c++, mg_output_round(g->official[i]));
        mg_workbook_text(wb, r, c++, thr ? (mg_output_under_served(g, i) ? "oui" : "non") : "");
        for (size_t e = 0; e < doc->nextra; e++, c++) {
            const mg_wb_extra *x = &doc->extra[e];
            if (x->decimals == MG_WB_TEXT)
                mg_workbook_text(wb, r, c, yes_no(x->col.values[i]));
            else
                mg_workbook_number(wb, r, c, mg_output_round(x->col.values[i]));
        }
        if (doc->after) {
            double before = mg_output_round(doc->values[i]), after = mg_output_round(doc->after[i]);
            mg_workbook_number(wb, r, c++, before);
            mg_workbook_number(wb, r, c++, after);
            mg_workbook_number(wb, r, c++, after - before);
        }
    }
    return MG_OK;
}

/* "EPCI": each EPCI of the rows, its figures over the rows' communes. */
static int sheet_epci(mg_workbook *wb, const mg_workbook_doc *doc, mg_diag *d)
{
    const mg_diagnosis *g = doc->g;
    const mg_territory *t = g->t;
    int dec = doc->decimals;
    bool thr = isfinite(doc->threshold);
    mg_wb_column cols[16];
    size_t nc = 0;
    cols[nc++] = (mg_wb_column){"Code EPCI (SIREN)", 17, MG_WB_TEXT};
    cols[nc++] = (mg_wb_column){"EPCI", 40, MG_WB_TEXT};
    cols[nc++] = (mg_wb_column){"Communes", 10, 0};
    cols[nc++] = (mg_wb_column){"Habitants", 12, 0};
    cols[nc++] = (mg_wb_column){"Population standardisée", 14, 0};
    if (doc->after) {
        cols[nc++] = (mg_wb_column){"APL moyenne avant (pondérée)", 14, 2};
        cols[nc++] = (mg_wb_column){"APL moyenne après (pondérée)", 14, 2};
        cols[nc++] = (mg_wb_column){"Écart de l'APL moyenne", 14, 3};
        if (thr) {
            cols[nc++] = (mg_wb_column){"Communes sous le seuil avant", 14, 0};
            cols[nc++] = (mg_wb_column){"Communes sous le seuil après", 14, 0};
            cols[nc++] = (mg_wb_column){"Habitants sous le seuil avant", 14, 0};
            cols[nc++] = (mg_wb_column){"Habitants sous le seuil après", 14, 0};
            cols[nc++] = (mg_wb_column){"Écart des habitants sous le seuil", 14, 0};
        }
    } else {
        cols[nc++] = (mg_wb_column){doc->mean_label, 16, dec};
        cols[nc++] = (mg_wb_column){"Minimum", 11, dec};
        cols[nc++] = (mg_wb_column){"Maximum", 11, dec};
        if (doc->official_mean)
            cols[nc++] = (mg_wb_column){"APL officielle moyenne (DREES, pondérée)", 16, 2};
        if (thr) {
            cols[nc++] = (mg_wb_column){"Communes sous le seuil", 12, 0};
            cols[nc++] = (mg_wb_column){"Habitants sous le seuil", 12, 0};
            cols[nc++] = (mg_wb_column){"Part de la population standardisée sous le seuil (%)",
                                        16, 1};
        }
    }
    int rc = mg_workbook_sheet(wb, "EPCI", cols, nc, true, d);
    if (rc)
        return rc;
    size_t *below = calloc(t->nepci ? 2 * t->nepci : 1, sizeof *below);
    if (!below)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    size_t *below_after = below + t->nepci;
    count_below(g, doc->rows, doc->nrows, doc->values, doc->threshold, below);
    if (doc->after)
        count_below(g, doc->rows, doc->nrows, doc->after, doc->threshold, below_after);
    for (size_t e = 0; e < doc->s->nepci; e++) {
        const mg_area_summary *a = &doc->s->epci[e];
        size_t r = e + 1, c = 0;
        mg_workbook_text(wb, r, c++, a->code);
        mg_workbook_text(wb, r, c++, a->name);
        mg_workbook_number(wb, r, c++, (double)a->communes);
        mg_workbook_number(wb, r, c++, a->population);
        mg_workbook_number(wb, r, c++, a->demand);
        if (doc->after) {
            const mg_area_summary *b = e < doc->s_after->nepci ? &doc->s_after->epci[e] : a;
            mg_workbook_number(wb, r, c++, a->mean);
            mg_workbook_number(wb, r, c++, b->mean);
            mg_workbook_number(wb, r, c++, b->mean - a->mean);
            if (thr) {
                mg_workbook_number(wb, r, c++, (double)epci_count(t, below, a->code));
                mg_workbook_number(wb, r, c++, (double)epci_count(t, below_after, a->code));
                mg_workbook_number(wb, r, c++, a->below_population);
                mg_workbook_number(wb, r, c++, b->below_population);
                mg_workbook_number(wb, r, c++, b->below_population - a->below_population);
            }
        } else {
            mg_workbook_number(wb, r, c++, a->mean);
            mg_workbook_number(wb, r, c++, a->min);
            mg_workbook_number(wb, r, c++, a->max);
            if (doc->official_mean)
                mg_workbook_number(wb, r, c++, a->official_mean);
            if (thr) {
                mg_workbook_number(wb, r, c++, (double)epci_count(t, below, a->code));
                mg_workbook_number(wb, r, c++, a->below_population);
                mg_workbook_number(wb, r, c++, 100 * a->below_share);
            }
        }
    }
    free(below);
    return MG_OK;
}

/* One row of the key figures: before, and for a scenario after and the
 * difference. */
static void key_row(mg_workbook *wb, size_t *r, bool scenario, const char *label, double before,
                    double after, int dec)
{
    mg_workbook_text(wb, *r, 0, label);
    mg_workbook_number_as(wb, *r, 1, before, dec);
    if (scenario) {
        mg_workbook_number_as(wb, *r, 2, after, dec);
        mg_workbook_number_as(wb, *r, 3, after - before, dec == 0 ? 0 : dec + 1);
    }
    (*r)++;
}

/* "Chiffres clés": the figures of the rows. */
static int sheet_key_figures(mg_workbook *wb, const mg_workbook_doc *doc, mg_diag *d)
{
    const mg_diagnosis *g = doc->g;
    bool sc = doc->after != NULL;
    int dec = doc->decimals;
    mg_wb_column cols[4] = {{"Indicateur", 52, MG_WB_TEXT},
                            {sc ? "Avant" : "Valeur", 16, dec},
                            {"Après", 16, dec},
                            {"Écart (après − avant)", 16, dec}};
    int rc = mg_workbook_sheet(wb, "Chiffres clés", cols, sc ? 4 : 2, true, d);
    if (rc)
        return rc;
    const mg_area_summary *a = &doc->s->territory;
    const mg_area_summary *b = sc ? &doc->s_after->territory : a;
    size_t r = 1;
    mg_workbook_text(wb, r, 0, "Périmètre");
    mg_workbook_text(wb, r++, 1, doc->scope_label);
    mg_workbook_text(wb, r, 0, "Profession");
    mg_workbook_text(wb, r++, 1, g->prof->label);
    mg_workbook_text(wb, r, 0, "Mesure");
    mg_workbook_text(wb, r++, 1, doc->values_label);
    mg_workbook_text(wb, r, 0, "Unité");
    mg_workbook_text(wb, r++, 1, doc->unit);
    if (sc) {
        mg_workbook_text(wb, r, 0, "Scénario");
        mg_workbook_text(wb, r++, 1, doc->scenario);
    }
    key_row(wb, &r, false, "Communes", (double)a->communes, NAN, 0);
    key_row(wb, &r, false, "Habitants", a->population, NAN, 0);
    key_row(wb, &r, false, "Population standardisée", a->demand, NAN, 0);
    key_row(wb, &r, sc, doc->mean_label, a->mean, b->mean, dec);
    key_row(wb, &r, sc, "Minimum", a->min, b->min, dec);
    key_row(wb, &r, sc, "Maximum", a->max, b->max, dec);
    if (!isfinite(g->prof->threshold)) {
        /* Said, rather than left out: the reader looks for it. */
        mg_workbook_text(wb, r, 0, "Seuil de sous-dotation");
        mg_workbook_text(wb, r++, 1, "non défini pour cette profession");
    } else if (isfinite(doc->threshold)) {
        key_row(wb, &r, false, "Seuil de sous-dotation", doc->threshold, NAN, 2);
        key_row(wb, &r, sc, "Communes sous le seuil",
                (double)count_below(g, doc->rows, doc->nrows, doc->values, doc->threshold, NULL),
                sc ? (double)count_below(g, doc->rows, doc->nrows, doc->after, doc->threshold, NULL)
                   : NAN,
                0);
        key_row(wb, &r, sc, "Habitants sous le seuil", a->below_population, b->below_population,
                0);
        key_row(wb, &r, sc, "Part de la population standardisée sous le seuil (%)",
                100 * a->below_share, 100 * b->below_share, 1);
    }
    if (!sc && doc->official_mean && isfinite(a->official_mean))
        key_row(wb, &r, false, "APL officielle moyenne (DREES, pondérée)", a->official_mean, NAN,
                2);
    key_row(wb, &r, sc, "Indice de Gini", a->gini, b->gini, 3);
    key_row(wb, &r, sc, "Rapport interdécile D9/D1", a->d9d1, b->d9d1, 2);
    return MG_OK;
}

/* buf with every '.' made the decimal comma. */
static void decimal_comma(char *buf)
{
    for (char *p = buf; *p; p++)
        if (*p == '.')
            *p = ',';
}

/* "Sources et méthode": where the figures come from and how. */
static int sheet_sources(mg_workbook *wb, const mg_workbook_doc *doc, mg_diag *d)
{
    const mg_diagnosis *g = doc->g;
    const mg_diagnosis_opts *o = &g->opts;
    mg_wb_column cols[2] = {{"Rubrique", 28, MG_WB_TEXT}, {"Détail", 100, MG_WB_TEXT}};
    int rc = mg_workbook_sheet(wb, "Sources et méthode", cols, 2, false, d);
    if (rc)
        return rc;
    char buf[1024], date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%d/%m/%Y à %H:%M (UTC)", &tm);
    size_t r = 0;
#define ROW(k, text)                                                                               \
    do {                                                                                           \
        mg_workbook_text(wb, r, 0, k);                                                             \
        mg_workbook_text(wb, r++, 1, text);                                                        \
    } while (0)
    ROW("Document", doc->title);
    ROW("Périmètre", doc->scope_label);
    snprintf(buf, sizeof buf, "%zu communes du territoire d'étude (%s)%s", doc->nrows,
             doc->territory_label,
             doc->scoped
                 ? " ; les valeurs sont calculées avec toutes les communes voisines, même hors du "
                   "périmètre"
                 : "");
    ROW("Communes", buf);
    ROW("Date d'extraction", date);
    if (doc->sources)
        ROW("Sources et années", doc->sources);
    ROW("Données",
        "DREES (APL 2021, valeurs officielles), INSEE (BPE 2019 : praticiens ; populations "
        "légales), Etalab (découpage administratif, EPCI), La Poste (points des communes), "
        "IGN — Licence Ouverte 2.0.");
    if (g->official_column) {
        snprintf(buf, sizeof buf, "colonne « %s » du fichier de la DREES", g->official_column);
        ROW("APL officielle", buf);
    }
    ROW("Méthode",
        "Accessibilité potentielle localisée (APL) calculée par maillage selon la méthode de la "
        "DREES (E2SFCA : offre des praticiens rapportée à la population standardisée par l'âge "
        "dans leur zone, puis sommée pour chaque commune avec un poids décroissant avec le "
        "temps d'accès). Moyennes pondérées par la population standardisée ; « sous le seuil » : "
        "APL inférieure au seuil de sous-dotation. Détails : page « Méthode et limites » du "
        "site (/methode).");
    snprintf(buf, sizeof buf, "%s (%s)", g->prof->label, g->prof->unit);
    ROW("Profession et unité", buf);
    if (isfinite(doc->threshold)) {
        snprintf(buf, sizeof buf, "%.2f %s", doc->threshold, g->prof->unit);
        decimal_comma(buf);
        ROW("Seuil de sous-dotation", buf);
    } else if (!isfinite(g->prof->threshold)) {
        ROW("Seuil de sous-dotation", "non défini pour cette profession : pas de chiffres « sous "
                                      "le seuil »");
    }
    ROW("Valeurs", doc->values_label);
    if (doc->scenario) {
        snprintf(buf, sizeof buf,
                 "« %s » (n° %lld) : valeurs avant et après le scénario, et leur écart",
                 doc->scenario, doc->scenario_id);
        ROW("Scénario", buf);
    }
    if (!(o->matrix || o->graph || o->osm)) {
        snprintf(buf, sizeof buf,
                 "à vol d'oiseau : détour %.2f, vitesse %.0f km/h, %.1f min d'accès, dispersion "
                 "%.1f min",
                 o->crowfly.detour, o->crowfly.speed_kmh, o->crowfly.access_min, o->time_spread);
        decimal_comma(buf);
    } else {
        snprintf(buf, sizeof buf, "%s", o->matrix ? "matrice de temps fournie" : "réseau routier");
    }
    ROW("Temps de trajet", buf);
    snprintf(buf, sizeof buf,
             "exposant d'activité %.2f (référence %.0f), %.1f praticien(s) compté(s) par centre "
             "de santé, zone de recherche %.0f min, %s, communes voisines %s, points %s",
             o->activity_exponent, o->activity_reference, o->centre_heads, o->catchment,
             o->model_explicit ? "paramètres choisis" : "paramètres calibrés par défaut",
             o->neighbours ? "comptées" : "ignorées",
             o->points == MG_POINTS_CONTOURS ? "des contours" : "de La Poste");
    decimal_comma(buf);
    ROW("Paramètres du modèle", buf);
    ROW("Logiciel", "maillage — logiciel libre (Apache 2.0)");
#undef ROW
    return MG_OK;
}

int mg_output_workbook(const mg_workbook_doc *doc, mg_buf *out, mg_diag *d)
{
    if (doc->after && !doc->s_after)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "workbook: a scenario without its figures");
    mg_workbook *wb = NULL;
    int rc = mg_workbook_new(&wb, d);
    if (rc == MG_OK)
        rc = sheet_communes(wb, doc, d);
    if (rc == MG_OK)
        rc = sheet_epci(wb, doc, d);
    if (rc == MG_OK)
        rc = sheet_key_figures(wb, doc, d);
    if (rc == MG_OK)
        rc = sheet_sources(wb, doc, d);
    if (rc == MG_OK) {
        rc = mg_workbook_finish(wb, out, d);
        wb = NULL;
    }
    mg_workbook_free(wb);
    return rc;
}
