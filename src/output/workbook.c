#include "output/workbook.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>


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
