/*
 * Tests of output/workbook: a workbook written to memory, saved and read
 * back with the project's own XLSX reader (io/xlsx: sheet names, every
 * cell's text, numbers as written) and its parts opened with libzip (the
 * number formats of styles.xml, the frozen header and autofilter of the
 * sheet XML); empty cells for NaN and empty text; names refused.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zip.h>

#include "diagnosis/scope.h"
#include "io/xlsx.h"
#include "parse/parse.h"
#include "output/workbook.h"
#include "testutil.h"

TEST_TMPDIR_FIXTURE("workbook")

/* A number as the reader gives it (C syntax), read back. */
static double number(const char *s)
{
    double v = NAN;
    if (mg_parse_c_double(s, strlen(s), &v, NULL) != 0)
        fail_msg("not a number: \"%s\"", s);
    return v;
}

/* Writes a two-sheet workbook and saves it under `name`; returns its path. */
static const char *write_sample(char *path, size_t cap, const char *name)
{
    mg_workbook *wb = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_workbook_new(&wb, &d), MG_OK);
    const mg_wb_column cols[] = {
        {"Code INSEE", 11, MG_WB_TEXT}, {"Habitants", 12, 0}, {"APL", 10, 2}, {"Écart", 10, 3}};
    assert_int_equal(mg_workbook_sheet(wb, "Communes", cols, 4, true, &d), MG_OK);
    const char *codes[] = {"11069", "11304", "11001"};
    const double pop[] = {47038, 2914.4, 532};
    const double apl[] = {4.25, NAN, 2.48269027607};
    for (size_t r = 0; r < 3; r++) {
        mg_workbook_text(wb, r + 1, 0, codes[r]);
        mg_workbook_number(wb, r + 1, 1, pop[r]);
        mg_workbook_number(wb, r + 1, 2, apl[r]);
        mg_workbook_number(wb, r + 1, 3, -0.125 * (double)r);
    }
    const mg_wb_column notes[] = {{"Rubrique", 20, MG_WB_TEXT}, {"Détail", 80, MG_WB_TEXT}};
    assert_int_equal(mg_workbook_sheet(wb, "Sources et méthode", notes, 2, false, &d), MG_OK);
    mg_workbook_text(wb, 0, 0, "Données");
    mg_workbook_text(wb, 0, 1, "DREES (APL 2021) ; « guillemets » & <balises>");
    mg_workbook_text(wb, 1, 0, "Vide");
    mg_workbook_text(wb, 1, 1, ""); /* left empty */
    mg_workbook_number_as(wb, 2, 1, 1234567.891, 1);
    mg_buf out;
    mg_buf_init(&out, 1u << 20);
    if (mg_workbook_finish(wb, &out, &d) != MG_OK)
        fail_msg("%s", d.msg);
    assert_true(out.len > 1000);
    assert_memory_equal(out.data, "PK\x03\x04", 4); /* a zip archive */
    test_write_bytes(path, cap, tmpdir, name, out.data, out.len);
    mg_buf_free(&out);
    return path;
}

static void test_read_back(void **state)
{
    (void)state;
    char path[512];
    write_sample(path, sizeof path, "sample.xlsx");
    mg_xlsx *x = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    if (mg_xlsx_open(&x, path, &d) != MG_OK)
        fail_msg("%s", d.msg);
    assert_int_equal(mg_xlsx_sheet_count(x), 2);
    assert_string_equal(mg_xlsx_sheet_name(x, 0), "Communes");
    assert_string_equal(mg_xlsx_sheet_name(x, 1), "Sources et méthode");
    assert_int_equal(mg_xlsx_select(x, 0, &d), MG_OK);
    /* The header, then the three rows: text as text, numbers as written. */
    static const char *const want[4][4] = {
        {"Code INSEE", "Habitants", "APL", "Écart"},
        {"11069", "47038", "4.25", "0"},
        {"11304", "2914.4", "", "-0.125"},
        {"11001", "532", "2.48269027607", "-0.25"},
    };
    size_t rows = 0, cells = 0;
    while (mg_xlsx_next(x, &d) == 1) {
        assert_true(rows < 4);
        assert_int_equal(mg_xlsx_row(x), rows + 1);
        assert_int_equal(mg_xlsx_ncells(x), 4);
        for (size_t c = 0; c < 4; c++) {
            const char *got = mg_xlsx_cell(x, c);
            /* Numbers read back to the same double, whatever digits the
             * writer chose. */
            if (rows > 0 && c > 0 && *want[rows][c])
                assert_true(number(got) == number(want[rows][c]));
            else
                assert_string_equal(got, want[rows][c]);
            cells += *got != '\0';
        }
        rows++;
    }
    assert_int_equal(rows, 4);
    assert_int_equal(cells, 15); /* 16 places, the NaN one empty */
    assert_int_equal(mg_xlsx_select(x, 1, &d), MG_OK);
    rows = cells = 0;
    while (mg_xlsx_next(x, &d) == 1) {
        for (size_t c = 0; c < mg_xlsx_ncells(x); c++)
            cells += *mg_xlsx_cell(x, c) != '\0';
        if (rows == 0)
            assert_string_equal(mg_xlsx_cell(x, 1), "DREES (APL 2021) ; « guillemets » & <balises>");
        if (rows == 2)
            assert_true(number(mg_xlsx_cell(x, 1)) == 1234567.891);
        rows++;
    }
    assert_int_equal(rows, 3);
    assert_int_equal(cells, 4); /* Données, its text, Vide, the number */
    mg_xlsx_close(x);
}

/* The text of part `name` of the archive at path (malloc'd). */
static char *part(const char *path, const char *name)
{
    int err = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &err);
    assert_non_null(z);
    zip_stat_t st;
    assert_int_equal(zip_stat(z, name, 0, &st), 0);
    char *buf = malloc(st.size + 1);
    assert_non_null(buf);
    zip_file_t *f = zip_fopen(z, name, 0);
    assert_non_null(f);
    assert_int_equal(zip_fread(f, buf, st.size), (zip_int64_t)st.size);
    buf[st.size] = '\0';
    zip_fclose(f);
    zip_close(z);
    return buf;
}

static void test_formats(void **state)
{
    (void)state;
    char path[512];
    write_sample(path, sizeof path, "formats.xlsx");
    char *styles = part(path, "xl/styles.xml");
    /* Thousands separator and the columns' decimals: 0, 2, 3, and 1 given
     * to one cell. */
    assert_non_null(strstr(styles, "formatCode=\"#,##0\""));
    assert_non_null(strstr(styles, "formatCode=\"#,##0.0\""));
    assert_non_null(strstr(styles, "formatCode=\"#,##0.00\""));
    assert_non_null(strstr(styles, "formatCode=\"#,##0.000\""));
    assert_non_null(strstr(styles, "<b/>")); /* the bold header */
    free(styles);
    char *sheet = part(path, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(sheet, "<pane ySplit=\"1\" topLeftCell=\"A2\""));
    assert_non_null(strstr(sheet, "<autoFilter ref=\"A1:D4\"/>"));
    /* Numbers are numbers: no cell of a number column is a string. */
    assert_non_null(strstr(sheet, "<c r=\"B2\" s="));
    assert_null(strstr(sheet, "<c r=\"B2\" s=\"1\" t=\"s\""));
    assert_null(strstr(sheet, "r=\"C3\"")); /* NaN: no cell */
    free(sheet);
    char *notes = part(path, "xl/worksheets/sheet2.xml");
    assert_null(strstr(notes, "autoFilter"));
    assert_null(strstr(notes, "<pane"));
    assert_null(strstr(notes, "r=\"B2\"")); /* empty text: no cell */
    free(notes);
}

static void test_refused(void **state)
{
    (void)state;
    mg_workbook *wb = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_workbook_new(&wb, &d), MG_OK);
    const mg_wb_column cols[] = {{"A", 0, MG_WB_TEXT}};
    /* Sheet names Excel refuses: too long, a forbidden character, twice. */
    assert_int_equal(mg_workbook_sheet(wb, "Un nom de feuille beaucoup trop long", cols, 1, true, &d),
                     MG_EINVAL);
    mg_diag_clear(&d);
    assert_int_equal(mg_workbook_sheet(wb, "EPCI/communes", cols, 1, true, &d), MG_EINVAL);
    mg_diag_clear(&d);
    assert_int_equal(mg_workbook_sheet(wb, "EPCI", cols, 1, true, &d), MG_OK);
    assert_int_equal(mg_workbook_sheet(wb, "EPCI", cols, 1, true, &d), MG_EINVAL);
    mg_workbook_free(wb);
    /* A cell past the sheet's last row is an error at the end. */
    assert_int_equal(mg_workbook_new(&wb, &d), MG_OK);
    mg_diag_clear(&d);
    assert_int_equal(mg_workbook_sheet(wb, "Communes", cols, 1, true, &d), MG_OK);
    mg_workbook_number(wb, 2000000, 0, 1.0);
    mg_buf out;
    mg_buf_init(&out, 1u << 20);
    assert_int_equal(mg_workbook_finish(wb, &out, &d), MG_EIO);
    assert_int_equal(out.len, 0);
    /* Rows go in order: a cell of an earlier row is an error too. */
    assert_int_equal(mg_workbook_new(&wb, &d), MG_OK);
    mg_diag_clear(&d);
    assert_int_equal(mg_workbook_sheet(wb, "Communes", cols, 1, true, &d), MG_OK);
    mg_workbook_number(wb, 3, 0, 1.0);
    mg_workbook_number(wb, 2, 0, 2.0);
    assert_int_equal(mg_workbook_finish(wb, &out, &d), MG_EIO);
    assert_int_equal(out.len, 0);
    /* A buffer too small for the workbook. */
    assert_int_equal(mg_workbook_new(&wb, &d), MG_OK);
    mg_diag_clear(&d);
    assert_int_equal(mg_workbook_sheet(wb, "Communes", cols, 1, true, &d), MG_OK);
    mg_workbook_number(wb, 1, 0, 1.0);
    mg_buf small;
    mg_buf_init(&small, 100);
    assert_int_equal(mg_workbook_finish(wb, &small, &d), MG_ELIMIT);
    mg_buf_free(&small);
    mg_buf_free(&out);
}

/* Reads sheet k of x into rows of cells: the count of non-empty cells, and
 * for each row its first cell, and the cells of the row whose first cell is
 * `key` into got (ncols). Returns the number of rows. */
static size_t read_sheet(mg_xlsx *x, size_t k, const char *key, char got[][64], size_t ncols,
                         size_t *cells)
{
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_xlsx_select(x, k, &d), MG_OK);
    size_t rows = 0;
    *cells = 0;
    while (mg_xlsx_next(x, &d) == 1) {
        rows++;
        for (size_t c = 0; c < mg_xlsx_ncells(x); c++)
            *cells += *mg_xlsx_cell(x, c) != '\0';
        if (key && strcmp(mg_xlsx_cell(x, 0), key) == 0)
            for (size_t c = 0; c < ncols; c++)
                snprintf(got[c], 64, "%s", c < mg_xlsx_ncells(x) ? mg_xlsx_cell(x, c) : "");
    }
    return rows;
}

/* The commune workbook of the real Aude on Piège-Lauragais-Malepère, with
 * one commune's value raised by 1 as "after": sheets, rows, cells, the
 * difference column and the communes below the threshold before and after
 * counted here from the diagnosis. */
static void test_commune_workbook(void **state)
{
    (void)state;
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    o.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diagnosis *g = NULL;
    mg_diag d = {{0}};
    if (mg_diagnosis_load(&g, &o, NULL, NULL, &d))
        fail_msg("%s", d.msg);
    mg_scope sc;
    assert_int_equal(mg_scope_parse(g, "epci:200035707", &sc, &d), MG_OK);
    assert_int_equal(sc.n, 38);
    double thr = g->prof->threshold;
    double *after = malloc(g->t->n * sizeof *after);
    assert_non_null(after);
    memcpy(after, g->apl, g->t->n * sizeof *after);
    size_t raised = sc.idx[0];
    after[raised] += 1.0;
    mg_summary s = {0}, s_after = {0};
    assert_int_equal(mg_scope_summary(g, &sc, g->apl, g->official, thr, &s, &d), MG_OK);
    assert_int_equal(mg_scope_summary(g, &sc, after, NULL, thr, &s_after, &d), MG_OK);
    size_t below = 0, below_after = 0, expected_cells = 0;
    for (size_t k = 0; k < sc.n; k++) {
        size_t i = sc.idx[k];
        below += g->apl[i] < thr;
        below_after += after[i] < thr;
        /* 5 texts, 4 numbers always there, the official value when
         * published, the flag, before, after, difference. */
        expected_cells += 13 + (size_t)isfinite(g->official[i]);
    }
    mg_workbook_doc doc = {.g = g, .rows = sc.idx, .nrows = sc.n, .scoped = true,
                           .title = "Essai", .scope_label = sc.label, .territory_label = "Aude",
                           .values = g->apl, .after = after, .s = &s, .s_after = &s_after,
                           .threshold = thr, .values_label = "APL", .unit = g->prof->unit,
                           .mean_label = "APL moyenne (pondérée)", .decimals = 2,
                           .scenario = "Essai", .scenario_id = 7};
    mg_buf out;
    mg_buf_init(&out, 1u << 24);
    if (mg_output_workbook(&doc, &out, &d) != MG_OK)
        fail_msg("%s", d.msg);
    char path[512];
    test_write_bytes(path, sizeof path, tmpdir, "communes.xlsx", out.data, out.len);
    mg_buf_free(&out);

    mg_xlsx *x = NULL;
    if (mg_xlsx_open(&x, path, &d) != MG_OK)
        fail_msg("%s", d.msg);
    assert_int_equal(mg_xlsx_sheet_count(x), 4);
    assert_string_equal(mg_xlsx_sheet_name(x, 0), "Communes");
    assert_string_equal(mg_xlsx_sheet_name(x, 1), "EPCI");
    assert_string_equal(mg_xlsx_sheet_name(x, 2), "Chiffres clés");
    assert_string_equal(mg_xlsx_sheet_name(x, 3), "Sources et méthode");
    char got[16][64];
    size_t cells;
    assert_int_equal(read_sheet(x, 0, g->t->code[raised], got, 14, &cells), 39);
    assert_int_equal(cells, 14 + expected_cells); /* the header's 14, then the rows' */
    assert_true(number(got[13]) == 1.0 || fabs(number(got[13]) - 1.0) < 1e-9);
    assert_true(number(got[11]) == g->apl[raised] || fabs(number(got[11]) - g->apl[raised]) < 1e-9);
    assert_int_equal(read_sheet(x, 1, "200035707", got, 12, &cells), 2);
    assert_string_equal(got[2], "38");
    assert_int_equal(number(got[8]), (double)below);
    assert_int_equal(number(got[9]), (double)below_after);
    assert_int_equal(read_sheet(x, 2, "Communes sous le seuil", got, 4, &cells), 18);
    assert_int_equal(number(got[1]), (double)below);
    assert_int_equal(number(got[2]), (double)below_after);
    assert_int_equal(number(got[3]), (double)below_after - (double)below);
    assert_true(read_sheet(x, 3, "Scénario", got, 2, &cells) >= 12);
    assert_non_null(strstr(got[1], "« Essai » (n° 7)"));
    mg_xlsx_close(x);
    mg_summary_free(&s);
    mg_summary_free(&s_after);
    mg_scope_free(&sc);
    free(after);
    mg_diagnosis_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_commune_workbook),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
