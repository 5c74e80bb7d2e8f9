/*
 * Tests of io/xlsx on workbooks written by Python's openpyxl (inline
 * strings), by LibreOffice Calc (shared strings, the empty cells of merged
 * ranges written out, numbers saved to 15 significant digits) and the
 * openpyxl sheet rewritten with rich-text and phonetic runs
 * (tests/data/xlsx/make_openpyxl.py, README.md there): sheets, rows
 * and their numbers, empty rows skipped, merged header cells, numbers as
 * written; and what is refused, with sheet, row and column or the part and
 * its XML line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "io/xlsx.h"
#include "testutil.h"

TEST_TMPDIR_FIXTURE("xlsx")

#define XLSX_DIR MG_TEST_DATA "/xlsx/"

/* Reads the rows of the DREES sheet of apl_ok.xlsx or one of its twins;
 * `g7` is how the writer stored 570.5599999999999. */
static void check_ok(const char *path, const char *g7)
{
    mg_xlsx *x = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    if (mg_xlsx_open(&x, path, &d) != MG_OK)
        fail_msg("%s", d.msg);
    assert_int_equal(mg_xlsx_sheet_count(x), 2);
    assert_string_equal(mg_xlsx_sheet_name(x, 0), "Notes");
    assert_string_equal(mg_xlsx_sheet_name(x, 1), "APL 2021");
    assert_null(mg_xlsx_sheet_name(x, 2));
    assert_int_equal(mg_xlsx_select(x, 1, &d), MG_OK);
    assert_string_equal(mg_xlsx_current_sheet(x), "APL 2021");
    /* Rows 2, 4, 8, 11 and 12 are empty: skipped, the numbers kept. */
    static const unsigned long rows[] = {1, 3, 5, 6, 7, 9, 10, 13, 14};
    for (size_t k = 0; k < sizeof rows / sizeof *rows; k++) {
        assert_int_equal(mg_xlsx_next(x, &d), 1);
        assert_int_equal(mg_xlsx_row(x), rows[k]);
        switch (rows[k]) {
        case 5: /* merged cells keep their text in the first cell */
            assert_int_equal(mg_xlsx_ncells(x), 4);
            assert_string_equal(mg_xlsx_cell(x, 0), "Commune");
            assert_string_equal(mg_xlsx_cell(x, 1), "");
            assert_string_equal(mg_xlsx_cell(x, 3), "APL aux médecins généralistes");
            break;
        case 6: /* a rich-text shared string: its runs joined, the phonetic run left out */
            assert_int_equal(mg_xlsx_ncells(x), 7);
            assert_string_equal(mg_xlsx_cell(x, 0), "Code commune INSEE");
            assert_string_equal(mg_xlsx_cell(x, 3), "sans borne d'âge");
            break;
        case 7: /* numbers as written in the file */
            assert_string_equal(mg_xlsx_cell(x, 0), "11001");
            assert_string_equal(mg_xlsx_cell(x, 2), "563");
            assert_string_equal(mg_xlsx_cell(x, 6), g7);
            break;
        case 10:
            assert_string_equal(mg_xlsx_cell(x, 1), "Airoux-Bas, le");
            break;
        case 13: /* code and name only */
            assert_int_equal(mg_xlsx_ncells(x), 2);
            assert_string_equal(mg_xlsx_cell(x, 2), "");
            break;
        case 14: /* no name */
            assert_int_equal(mg_xlsx_ncells(x), 7);
            assert_string_equal(mg_xlsx_cell(x, 1), "");
            break;
        default:
            break;
        }
    }
    assert_int_equal(mg_xlsx_next(x, &d), 0);
    assert_int_equal(mg_xlsx_next(x, &d), 0);
    /* Another sheet, then back. */
    assert_int_equal(mg_xlsx_select(x, 0, &d), MG_OK);
    assert_int_equal(mg_xlsx_next(x, &d), 1);
    assert_int_equal(mg_xlsx_row(x), 1);
    assert_int_equal(mg_xlsx_select(x, 1, &d), MG_OK);
    assert_int_equal(mg_xlsx_next(x, &d), 1);
    assert_int_equal(mg_xlsx_row(x), 1);
    mg_xlsx_close(x);
}

static void test_openpyxl(void **state)
{
    (void)state;
    check_ok(XLSX_DIR "apl_ok.xlsx", "570.5599999999999");
}

static void test_libreoffice(void **state)
{
    (void)state;
    /* LibreOffice saves at most 15 significant digits. */
    check_ok(XLSX_DIR "apl_libreoffice.xlsx", "570.56");
}

static void test_shared_strings(void **state)
{
    (void)state;
    check_ok(XLSX_DIR "apl_shared_strings.xlsx", "570.5599999999999");
}

static void test_column_names(void **state)
{
    (void)state;
    char b[8];
    assert_string_equal(mg_xlsx_column_name(0, b), "A");
    assert_string_equal(mg_xlsx_column_name(25, b), "Z");
    assert_string_equal(mg_xlsx_column_name(26, b), "AA");
    assert_string_equal(mg_xlsx_column_name(16383, b), "XFD");
}

/* Reads every row of every sheet; returns the first error code. */
static int read_all(const char *path, mg_diag *d)
{
    mg_xlsx *x = NULL;
    mg_diag_clear(d);
    int rc = mg_xlsx_open(&x, path, d);
    for (size_t k = 0; !rc && k < mg_xlsx_sheet_count(x); k++) {
        rc = mg_xlsx_select(x, k, d);
        while (!rc && (rc = mg_xlsx_next(x, d)) == 1)
            rc = 0;
    }
    mg_xlsx_close(x);
    return rc;
}

static void *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void test_refused(void **state)
{
    (void)state;
    char p[512];
    mg_diag d;
    /* Not a zip archive. */
    test_write_text(p, sizeof p, tmpdir, "text.xlsx", "Code commune,APL\n11001,3\n");
    assert_int_equal(read_all(p, &d), MG_EPARSE);
    assert_msg_has(d, "text.xlsx: Not a zip archive: expected an .xlsx workbook (a zip archive)");
    /* No such file. */
    snprintf(p, sizeof p, "%s/none.xlsx", tmpdir);
    assert_int_equal(read_all(p, &d), MG_ENOTFOUND);
    assert_msg_has(d, "none.xlsx");
    /* Cut short: the central directory is gone. */
    size_t n;
    unsigned char *b = slurp(XLSX_DIR "apl_ok.xlsx", &n);
    test_write_bytes(p, sizeof p, tmpdir, "cut.xlsx", b, n / 2);
    assert_int_equal(read_all(p, &d), MG_EPARSE);
    assert_msg_has(d, "cut.xlsx: ");
    assert_msg_has(d, "expected an .xlsx workbook");
    /* A byte of the compressed sheet changed: inflate or the CRC says so. */
    int changed = 0;
    for (size_t k = 0; k + 30 < n && !changed; k++) {
        /* The local header of the sheet, then a byte of its data. */
        if (memcmp(b + k, "PK\3\4", 4) == 0 && k + 30 + 24 < n &&
            memcmp(b + k + 30, "xl/worksheets/sheet2.xml", 24) == 0) {
            b[k + 30 + 24 + 200] ^= 0x55;
            changed = 1;
        }
    }
    assert_true(changed);
    test_write_bytes(p, sizeof p, tmpdir, "flipped.xlsx", b, n);
    assert_int_equal(read_all(p, &d), MG_EPARSE);
    assert_msg_has(d, "flipped.xlsx: sheet \"APL 2021\" (xl/worksheets/sheet2.xml)");
    free(b);
    /* Malformed XML in a sound archive: the part and its XML line. */
    assert_int_equal(read_all(XLSX_DIR "apl_bad_xml.xlsx", &d), MG_EPARSE);
    assert_msg_has(d, "apl_bad_xml.xlsx: sheet \"APL 2021\" (xl/worksheets/sheet2.xml), XML line 1: "
                      "malformed XML: ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openpyxl),
        cmocka_unit_test(test_libreoffice),
        cmocka_unit_test(test_shared_strings),
        cmocka_unit_test(test_column_names),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
