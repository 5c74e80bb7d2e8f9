/*
 * Tests of io/csv: quoting, line ends, BOM, blank lines, positions, every
 * kind of malformed input with the message it must produce, the bounds, the
 * number accessors, streaming across chunk boundaries (through a gzip file),
 * and, when present, the real data files of ../shared/data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/limits.h"
#include "io/csv.h"
#include "testutil.h"

/* The shared data sit next to the project (README: ../shared/data). */
#ifdef MG_SOURCE_DIR
#define MG_SHARED_DATA MG_SOURCE_DIR "/../shared/data"
#else
#define MG_SHARED_DATA "../shared/data"
#endif

/* A parser over a memory buffer, with its reader. */
typedef struct fixture {
    mg_reader *r;
    mg_csv *c;
    mg_diag d;
} fixture;

/* Opens text (len bytes; strlen when len is 0) as "t.csv". Returns the
 * mg_csv_open code; on success f->c is ready. */
static int fx_open(fixture *f, const char *text, size_t len, char delim)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(mg_reader_open_mem(&f->r, text, len ? len : strlen(text), "t.csv"), MG_OK);
    return mg_csv_open(&f->c, f->r, delim, &f->d);
}

static void fx_close(fixture *f)
{
    mg_csv_close(f->c);
    mg_reader_close(f->r);
}

/* Reads records until the end or an error; returns the last code and the
 * number of records in *n. */
static int fx_drain(fixture *f, size_t *n)
{
    int rc;
    *n = 0;
    while ((rc = mg_csv_next(f->c, &f->d)) == 1)
        (*n)++;
    return rc;
}

/* Opens, drains and expects error `code` with a message holding `part`
 * (a NULL part checks only the code); the open may fail too. */
static void expect_error(const char *text, size_t len, char delim, int code, const char *part)
{
    fixture f;
    int rc = fx_open(&f, text, len, delim);
    if (rc == MG_OK) {
        size_t n;
        rc = fx_drain(&f, &n);
    }
    assert_int_equal(rc, code);
    assert_true(f.d.msg[0] != '\0');
    if (part)
        assert_msg_has(f.d, part);
    fx_close(&f);
}

static void assert_field(const mg_csv *c, size_t i, const char *want)
{
    size_t len = 99;
    const char *got = mg_csv_field(c, i, &len);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
}

static void test_basic_crlf(void **state)
{
    (void)state;
    fixture f;
    assert_int_equal(fx_open(&f, "REG;DEP;DEPCOM\r\n84;01;01001\r\n84;01;01002\r\n", 0, ';'),
                     MG_OK);
    assert_string_equal(mg_csv_name(f.c), "t.csv");
    assert_string_equal(mg_csv_header(f.c, 0), "REG");
    assert_string_equal(mg_csv_header(f.c, 2), "DEPCOM");
    assert_null(mg_csv_header(f.c, 3));
    assert_int_equal(mg_csv_column(f.c, "DEP"), 1);
    assert_int_equal(mg_csv_column(f.c, "dep"), -1);
    /* No current record before the first mg_csv_next. */
    assert_int_equal(mg_csv_nfields(f.c), 0);
    assert_null(mg_csv_field(f.c, 0, NULL));

    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_int_equal(mg_csv_nfields(f.c), 3);
    assert_field(f.c, 0, "84");
    assert_field(f.c, 2, "01001");
    assert_int_equal(mg_csv_line(f.c), 2);
    assert_int_equal(mg_csv_col(f.c, 0), 1);
    assert_int_equal(mg_csv_col(f.c, 1), 4);
    assert_int_equal(mg_csv_col(f.c, 2), 7);
    assert_int_equal(mg_csv_col(f.c, 3), 0);
    assert_null(mg_csv_field(f.c, 3, NULL));

    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_field(f.c, 2, "01002");
    assert_int_equal(mg_csv_line(f.c), 3);
    assert_int_equal(mg_csv_next(f.c, &f.d), 0);
    assert_int_equal(mg_csv_next(f.c, &f.d), 0);
    assert_string_equal(f.d.msg, "");
    fx_close(&f);
}

static void test_line_ends_and_blank_lines(void **state)
{
    (void)state;
    static const char *texts[] = {
        "a,b\nx,1\ny,2",             /* LF, no final newline */
        "a,b\r\nx,1\r\ny,2\r\n",     /* CRLF */
        "a,b\rx,1\ry,2\r",           /* old Mac CR */
        "\n\r\na,b\n\nx,1\r\n\r\n\ny,2\n\n", /* blank lines everywhere */
    };
    static const unsigned long y_line[] = {3, 3, 3, 8};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        fixture f;
        assert_int_equal(fx_open(&f, texts[k], 0, ','), MG_OK);
        assert_int_equal(mg_csv_next(f.c, &f.d), 1);
        assert_field(f.c, 0, "x");
        assert_field(f.c, 1, "1");
        assert_int_equal(mg_csv_next(f.c, &f.d), 1);
        assert_field(f.c, 0, "y");
        assert_field(f.c, 1, "2");
        assert_int_equal(mg_csv_line(f.c), y_line[k]);
        assert_int_equal(mg_csv_next(f.c, &f.d), 0);
        fx_close(&f);
    }
}

static void test_bom(void **state)
{
    (void)state;
    fixture f;
    assert_int_equal(fx_open(&f, "\xef\xbb\xbf" "Code;Nom\n11001;Aigues-Vives\n", 0, ';'), MG_OK);
    assert_int_equal(mg_csv_column(f.c, "Code"), 0);
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_field(f.c, 1, "Aigues-Vives");
    fx_close(&f);

    /* A BOM alone is an empty file. */
    expect_error("\xef\xbb\xbf", 0, ';', MG_EPARSE, "empty file");
}

static void test_header_trimmed(void **state)
{
    (void)state;
    fixture f;
    assert_int_equal(fx_open(&f, " REG ;\tDEP\t; \"NB\" \n1;2;3\n", 0, ';'), MG_OK);
    assert_int_equal(mg_csv_column(f.c, "REG"), 0);
    assert_int_equal(mg_csv_column(f.c, "DEP"), 1);
    /* A field that starts with a space is unquoted, so its quotes are
     * ordinary characters and stay in the name. */
    assert_int_equal(mg_csv_column(f.c, "\"NB\""), 2);
    fx_close(&f);
}

static void test_quotes(void **state)
{
    (void)state;
    fixture f;
    const char *text = "Code commune,Libellé,Population\n"
                       "11001,\"Aigues-Vives, près de \"\"Carcassonne\"\"\",563\n"
                       "\"11002\",\"\",\"\"\n"
                       "11003,\"two\r\nlines\nthree\",7\n"
                       "11004,\"a;b\",8\n";
    assert_int_equal(fx_open(&f, text, 0, ','), MG_OK);
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_field(f.c, 1, "Aigues-Vives, près de \"Carcassonne\"");
    assert_field(f.c, 2, "563");
    assert_int_equal(mg_csv_col(f.c, 1), 7);
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_field(f.c, 0, "11002");
    assert_field(f.c, 1, "");
    assert_field(f.c, 2, "");
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_int_equal(mg_csv_line(f.c), 4);
    assert_field(f.c, 1, "two\r\nlines\nthree");
    assert_field(f.c, 2, "7");
    /* The record after a three-line record starts on line 7. */
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_int_equal(mg_csv_line(f.c), 7);
    assert_field(f.c, 1, "a;b");
    assert_int_equal(mg_csv_next(f.c, &f.d), 0);
    fx_close(&f);

    /* A quote inside an unquoted field is kept as it is. */
    assert_int_equal(fx_open(&f, "a;b\nsay \"hi\";x\n", 0, ';'), MG_OK);
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_field(f.c, 0, "say \"hi\"");
    fx_close(&f);
}

static void test_empty_fields(void **state)
{
    (void)state;
    fixture f;
    /* La Poste rows end with an empty field: "…;;KOUAOUA;\n". */
    assert_int_equal(fx_open(&f, "a;b;c;d\n;;x;\n;;;\n", 0, ';'), MG_OK);
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_int_equal(mg_csv_nfields(f.c), 4);
    assert_field(f.c, 0, "");
    assert_field(f.c, 2, "x");
    assert_field(f.c, 3, "");
    assert_int_equal(mg_csv_col(f.c, 3), 5);
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_field(f.c, 3, "");
    assert_int_equal(mg_csv_next(f.c, &f.d), 0);
    fx_close(&f);
}

static void test_field_count(void **state)
{
    (void)state;
    /* Too few: the column is where the line ends. */
    expect_error("a;b;c\n1;2;3\n4;5\n", 0, ';', MG_EPARSE,
                 "t.csv:3:4: expected 3 fields as in the header, found 2");
    /* Too many: the column of the first extra field, with the quoting hint. */
    expect_error("a,b,c\nx,Aigues-Vives, Aude,3\n", 0, ',', MG_EPARSE,
                 "t.csv:2:22: expected 3 fields as in the header, found 4");
    expect_error("a,b,c\nx,Aigues-Vives, Aude,3\n", 0, ',', MG_EPARSE, "double quotes");
    /* The last line without a newline is checked too. */
    expect_error("a;b\n1", 0, ';', MG_EPARSE, "t.csv:2:2: expected 2 fields");
}

/* Short records on request, and where each record ended: a line end, or
 * the end of the input inside the last line (a file cut short). */
static void test_short_and_record_end(void **state)
{
    (void)state;
    fixture f;
    unsigned long line, col;
    assert_int_equal(fx_open(&f, "a,b,c\r\n1,2,3\r\n4,x\n5,6,\"7\"", 0, ','), MG_OK);
    assert_false(mg_csv_record_end(f.c, &line, &col)); /* no record yet */
    mg_csv_allow_short(f.c, true);
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_true(mg_csv_record_end(f.c, &line, &col));
    assert_int_equal(line, 2);
    assert_int_equal(col, 6);
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_int_equal(mg_csv_nfields(f.c), 2);
    assert_null(mg_csv_field(f.c, 2, NULL));
    assert_true(mg_csv_record_end(f.c, &line, &col));
    assert_int_equal(line, 3);
    assert_int_equal(col, 4);
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    assert_int_equal(mg_csv_nfields(f.c), 3);
    assert_false(mg_csv_record_end(f.c, &line, &col));
    assert_int_equal(line, 4);
    assert_int_equal(col, 8);
    assert_int_equal(mg_csv_next(f.c, &f.d), 0);
    fx_close(&f);
    /* More fields than the header stay an error. */
    assert_int_equal(fx_open(&f, "a,b\n1,2,3\n", 0, ','), MG_OK);
    mg_csv_allow_short(f.c, true);
    assert_int_equal(mg_csv_next(f.c, &f.d), MG_EPARSE);
    assert_non_null(strstr(f.d.msg, "t.csv:2:5: expected 2 fields as in the header, found 3"));
    fx_close(&f);
}

static void test_quote_errors(void **state)
{
    (void)state;
    /* An unterminated quote names where it opened. */
    expect_error("a;b\n1;\"open\n2;3\n", 0, ';', MG_EPARSE, "t.csv:2:3:");
    expect_error("a;b\n1;\"open\n2;3\n", 0, ';', MG_EPARSE, "truncated file?");
    /* Something after a closing quote. */
    expect_error("a;b\n1;\"x\"y\n", 0, ';', MG_EPARSE, "t.csv:2:6: unexpected character");
    expect_error("a;b\n1;\"x\" \n", 0, ';', MG_EPARSE, "expected `;` or the end");
    /* In a tab-separated file the separator is named in words. */
    expect_error("a\tb\n1\t\"x\"y\n", 0, '\t', MG_EPARSE, "expected tab or the end");
}

static void test_nul_byte(void **state)
{
    (void)state;
    static const char text[] = "a;b\n1;x\0y\n";
    expect_error(text, sizeof text - 1, ';', MG_EPARSE, "t.csv:2:4: NUL byte");
}

static void test_bad_utf8(void **state)
{
    (void)state;
    /* Latin-1 "Ariège": the column is the lead byte's. */
    expect_error("code;nom\n09;Ari\xe8ge\n", 0, ';', MG_EUTF8, "t.csv:2:7: invalid UTF-8");
    expect_error("code;nom\n09;Ari\xe8ge\n", 0, ';', MG_EUTF8, "iconv");
    expect_error("code;nom\n09;\xc0\xaf\n", 0, ';', MG_EUTF8, "t.csv:2:4: invalid UTF-8: overlong");
    expect_error("code;nom\n09;\xed\xa0\x80\n", 0, ';', MG_EUTF8, "surrogate");
    expect_error("code;nom\n09;\xf4\x90\x80\x80\n", 0, ';', MG_EUTF8, "U+10FFFF");
    /* In a header too, and inside quotes. */
    expect_error("co\xff" "de;nom\n", 0, ';', MG_EUTF8, "t.csv:1:3:");
    expect_error("a;b\n1;\"x\ny\xe9\"\n", 0, ';', MG_EUTF8, "t.csv:3:2:");
    /* Cut at the very end of the file. */
    expect_error("a;b\n1;\xe2\x82", 0, ';', MG_EUTF8, "t.csv:2:3:");
    /* A UTF-16 export. */
    static const char u16[] = "\xff\xfe" "a\0;\0b\0";
    expect_error(u16, sizeof u16 - 1, ';', MG_EUTF8, "UTF-16");
}

static void test_empty_input(void **state)
{
    (void)state;
    expect_error("", 1, ';', MG_EPARSE, "NUL byte"); /* one NUL byte */
    fixture f;
    memset(&f, 0, sizeof f);
    assert_int_equal(mg_reader_open_mem(&f.r, "", 0, "t.csv"), MG_OK);
    assert_int_equal(mg_csv_open(&f.c, f.r, ';', &f.d), MG_EPARSE);
    assert_null(f.c);
    assert_msg_has(f.d, "t.csv:1:1: empty file");
    fx_close(&f);
    expect_error("\n\r\n\n", 0, ';', MG_EPARSE, "empty file");
    expect_error(";;\n", 0, ';', MG_EPARSE, "names no column");

    /* A header alone is a valid file with no record. */
    assert_int_equal(fx_open(&f, "a;b\n", 0, ';'), MG_OK);
    size_t n;
    assert_int_equal(fx_drain(&f, &n), 0);
    assert_int_equal(n, 0);
    fx_close(&f);
}

static void test_bad_delimiter(void **state)
{
    (void)state;
    fixture f;
    assert_int_equal(fx_open(&f, "a;b\n", 0, '"'), MG_EINVAL);
    assert_msg_has(f.d, "separator");
    fx_close(&f);
    assert_int_equal(fx_open(&f, "a;b\n", 0, '\n'), MG_EINVAL);
    fx_close(&f);
}

static void test_line_limit(void **state)
{
    (void)state;
    size_t n = MG_MAX_LINE_BYTES;
    char *text = malloc(n + 64);
    assert_non_null(text);

    /* A record of exactly MG_MAX_LINE_BYTES bytes is accepted. */
    memcpy(text, "a;b\n1;", 6);
    memset(text + 6, 'x', n - 2);
    memcpy(text + 6 + n - 2, "\n", 1);
    fixture f;
    assert_int_equal(fx_open(&f, text, 6 + n - 1, ';'), MG_OK);
    assert_int_equal(mg_csv_next(f.c, &f.d), 1);
    size_t len;
    mg_csv_field(f.c, 1, &len);
    assert_int_equal(len, n - 2);
    fx_close(&f);

    /* One byte more is refused. */
    memset(text + 6, 'x', n - 1);
    memcpy(text + 6 + n - 1, "\n", 1);
    expect_error(text, 6 + n, ';', MG_ELIMIT, "t.csv:2:1: record longer than");
    expect_error(text, 6 + n, ';', MG_ELIMIT, "MG_MAX_LINE_BYTES");

    /* A quote left open swallows the following lines; the message says so. */
    memcpy(text, "a;b\n1;\"", 7);
    for (size_t i = 7; i < n + 60; i++)
        text[i] = i % 10 == 0 ? '\n' : 'y';
    expect_error(text, n + 60, ';', MG_ELIMIT, "closing quote");
    free(text);
}

static void test_field_limit(void **state)
{
    (void)state;
    size_t cap = 8 * (MG_MAX_CSV_FIELDS + 2) + 16;
    char *text = malloc(cap);
    assert_non_null(text);

    /* MG_MAX_CSV_FIELDS fields are accepted… */
    size_t k = 0;
    for (unsigned i = 0; i < MG_MAX_CSV_FIELDS; i++)
        k += (size_t)snprintf(text + k, cap - k, "%sc%u", i ? ";" : "", i);
    text[k++] = '\n';
    fixture f;
    assert_int_equal(fx_open(&f, text, k, ';'), MG_OK);
    assert_int_equal(mg_csv_column(f.c, "c255"), 255);
    fx_close(&f);

    /* …one more is not. */
    k--;
    k += (size_t)snprintf(text + k, cap - k, ";extra\n");
    expect_error(text, k, ';', MG_ELIMIT, "t.csv:1:");
    expect_error(text, k, ';', MG_ELIMIT, "MG_MAX_CSV_FIELDS");

    /* In a data line, where empty fields cost one byte each. */
    k = (size_t)snprintf(text, cap, "a\n");
    for (unsigned i = 0; i < MG_MAX_CSV_FIELDS + 1; i++)
        text[k++] = ';';
    text[k++] = '\n';
    expect_error(text, k, ';', MG_ELIMIT, "t.csv:2:");
    free(text);
}

static void test_sticky_error(void **state)
{
    (void)state;
    fixture f;
    assert_int_equal(fx_open(&f, "a;b\n1\n2;3\n", 0, ';'), MG_OK);
    assert_int_equal(mg_csv_next(f.c, &f.d), MG_EPARSE);
    mg_diag d2;
    mg_diag_clear(&d2);
    assert_int_equal(mg_csv_next(f.c, &d2), MG_EPARSE);
    assert_msg_has(d2, "earlier error");
    fx_close(&f);
}

static void test_require(void **state)
{
    (void)state;
    fixture f;
    const char *const want[] = {"DEPCOM", "TYPEQU", "NB_EQUIP"};
    int idx[3];
    assert_int_equal(
        fx_open(&f, "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP\r\n84;01;01001;01001;2019;D233;1\r\n",
                0, ';'),
        MG_OK);
    assert_int_equal(mg_csv_require(f.c, want, 3, idx, &f.d), MG_OK);
    assert_int_equal(idx[0], 2);
    assert_int_equal(idx[1], 5);
    assert_int_equal(idx[2], 6);
    const char *const missing[] = {"DEPCOM", "NB_MEDECINS"};
    assert_int_equal(mg_csv_require(f.c, missing, 2, idx, &f.d), MG_ENOTFOUND);
    assert_msg_has(f.d, "t.csv:1: missing column \"NB_MEDECINS\"");
    assert_msg_has(f.d, "`;`-separated header");
    assert_msg_has(f.d, "\"TYPEQU\"");
    fx_close(&f);

    /* The APL file is comma-separated; read with ';' the hint says so. */
    assert_int_equal(fx_open(&f, "Code commune,Libellé de la commune,Population totale\n"
                                 "11001,Aigues-Vives,563\n",
                             0, ';'),
                     MG_OK);
    const char *const apl[] = {"Code commune"};
    assert_int_equal(mg_csv_require(f.c, apl, 1, idx, &f.d), MG_ENOTFOUND);
    assert_msg_has(f.d, "missing column \"Code commune\"");
    assert_msg_has(f.d, "separated by `,` instead");
    fx_close(&f);

    /* And the other way round, and for a pipe-separated annuaire file. */
    assert_int_equal(fx_open(&f, "REG;DEP\n1;2\n", 0, ','), MG_OK);
    const char *const reg[] = {"REG"};
    assert_int_equal(mg_csv_require(f.c, reg, 1, idx, &f.d), MG_ENOTFOUND);
    assert_msg_has(f.d, "separated by `;` instead");
    fx_close(&f);
    assert_int_equal(fx_open(&f, "Type|Nom\n1|2\n", 0, ';'), MG_OK);
    const char *const typ[] = {"Type"};
    assert_int_equal(mg_csv_require(f.c, typ, 1, idx, &f.d), MG_ENOTFOUND);
    assert_msg_has(f.d, "separated by `|` instead");
    fx_close(&f);

    /* No hint when the separator is right but the column is absent. */
    assert_int_equal(fx_open(&f, "x;y\n", 0, ';'), MG_OK);
    assert_int_equal(mg_csv_require(f.c, reg, 1, idx, &f.d), MG_ENOTFOUND);
    assert_null(strstr(f.d.msg, "instead"));
    fx_close(&f);
}

/* Reads the single record of "v\n<field>\n" and parses it as a double. */
static int parse_double(const char *field, double *out, bool *present, mg_diag *d)
{
    char text[256];
    snprintf(text, sizeof text, "value\n%s\n", field);
    mg_reader *r;
    mg_csv *c;
    assert_int_equal(mg_reader_open_mem(&r, text, strlen(text), "n.csv"), MG_OK);
    assert_int_equal(mg_csv_open(&c, r, ';', d), MG_OK);
    assert_int_equal(mg_csv_next(c, d), 1);
    int rc = mg_csv_double(c, 0, out, present, d);
    mg_csv_close(c);
    mg_reader_close(r);
    return rc;
}

static int parse_long(const char *field, long *out, bool *present, mg_diag *d)
{
    char text[256];
    snprintf(text, sizeof text, "value\n%s\n", field);
    mg_reader *r;
    mg_csv *c;
    assert_int_equal(mg_reader_open_mem(&r, text, strlen(text), "n.csv"), MG_OK);
    assert_int_equal(mg_csv_open(&c, r, ';', d), MG_OK);
    assert_int_equal(mg_csv_next(c, d), 1);
    int rc = mg_csv_long(c, 0, out, present, d);
    mg_csv_close(c);
    mg_reader_close(r);
    return rc;
}

static void test_double(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double value;
    } good[] = {
        {"3.226", 3.226},     {"3,226", 3.226},   {" -2e3 ", -2000.0}, {"+0.5", 0.5},
        {".5", 0.5},          {"5.", 5.0},        {"1E-2", 0.01},      {"\"563\"", 563.0},
        {"570.5599999999999", 570.5599999999999}, {"1e-400", 0.0},     {"\t42\t", 42.0},
    };
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        mg_diag d;
        mg_diag_clear(&d);
        double v = -1;
        bool present = false;
        assert_int_equal(parse_double(good[k].text, &v, &present, &d), MG_OK);
        assert_true(present);
        assert_true(v == good[k].value);
    }
    static const char *const empty[] = {"\"\"", "   ", "\" \""};
    for (size_t k = 0; k < sizeof empty / sizeof empty[0]; k++) {
        mg_diag d;
        mg_diag_clear(&d);
        double v = -1;
        bool present = true;
        assert_int_equal(parse_double(empty[k], &v, &present, &d), MG_OK);
        assert_false(present);
        assert_true(v == 0.0);
    }
    static const char *const bad[] = {"abc", "inf", "-inf", "nan", "NaN", "0x1p3", "0x10",
                                      "1.2.3", "1,5,6", "1,5.6", "1e", "1e+", "e5", ".",
                                      "-", "12abc", "1 2", "1e999", "-1e999",
                                      "1 234,5"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        mg_diag d;
        mg_diag_clear(&d);
        double v = -1;
        bool present = true;
        assert_int_equal(parse_double(bad[k], &v, &present, &d), MG_EPARSE);
        assert_false(present);
        assert_msg_has(d, "n.csv:2:1: column \"value\": expected a number");
        char found[64];
        snprintf(found, sizeof found, "found \"%s\"", bad[k]);
        assert_msg_has(d, found);
    }
    /* A long bad value is cut in the message. */
    mg_diag d;
    mg_diag_clear(&d);
    double v;
    bool present;
    assert_int_equal(parse_double("not a number at all, but a rather long sentence indeed", &v,
                                  &present, &d),
                     MG_EPARSE);
    assert_msg_has(d, "...\"");
    /* Out of range index. */
    mg_reader *r;
    mg_csv *c;
    assert_int_equal(mg_reader_open_mem(&r, "a\n1\n", 4, "n.csv"), MG_OK);
    assert_int_equal(mg_csv_open(&c, r, ';', &d), MG_OK);
    assert_int_equal(mg_csv_next(c, &d), 1);
    assert_int_equal(mg_csv_double(c, 1, &v, &present, &d), MG_EINVAL);
    mg_csv_close(c);
    mg_reader_close(r);
}

static void test_long(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        long value;
    } good[] = {{"42", 42}, {" 7 ", 7}, {"+3", 3}, {"0", 0}, {"007", 7},
                {"9223372036854775807", 9223372036854775807L}};
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        mg_diag d;
        mg_diag_clear(&d);
        long v = -1;
        bool present = false;
        assert_int_equal(parse_long(good[k].text, &v, &present, &d), MG_OK);
        assert_true(present);
        assert_int_equal(v, good[k].value);
    }
    mg_diag d;
    mg_diag_clear(&d);
    long v = -1;
    bool present = true;
    assert_int_equal(parse_long("\"\"", &v, &present, &d), MG_OK);
    assert_false(present);
    assert_int_equal(v, 0);
    static const char *const bad[] = {"-1", "1.5", "1,0", "abc", "+", "1e3", "0x10",
                                      "9223372036854775808", "12 3"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        mg_diag_clear(&d);
        assert_int_equal(parse_long(bad[k], &v, &present, &d), MG_EPARSE);
        assert_false(present);
        assert_msg_has(d, "n.csv:2:1: column \"value\": expected a non-negative integer");
    }
}

/* Writes a gzip file of a generated CSV with quoted multi-line fields,
 * several times larger than the parser's 64 KiB chunk, and reads it back. */
static void test_streaming_gzip(void **state)
{
    (void)state;
    char dir[] = "/tmp/mg-test-csv-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/big.csv.gz", dir);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    gzprintf(gz, "\xef\xbb\xbf" "id;name;value\r\n");
    const unsigned rows = 20000;
    for (unsigned i = 0; i < rows; i++) {
        if (i % 7 == 0)
            gzprintf(gz, "%u;\"name;%u\r\nsecond \"\"line\"\"\";%u,5\r\n", i, i, i);
        else
            gzprintf(gz, "%u;Commune-n°%u;%u.25\r\n", i, i, i);
    }
    assert_int_equal(gzclose(gz), Z_OK);

    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r;
    mg_csv *c;
    assert_int_equal(mg_reader_open(&r, path, &d), MG_OK);
    assert_int_equal(mg_csv_open(&c, r, ';', &d), MG_OK);
    unsigned n = 0;
    unsigned long line = 2;
    int rc;
    while ((rc = mg_csv_next(c, &d)) == 1) {
        long id;
        double value;
        bool present;
        assert_int_equal(mg_csv_long(c, 0, &id, &present, &d), MG_OK);
        assert_int_equal(id, n);
        assert_int_equal(mg_csv_double(c, 2, &value, &present, &d), MG_OK);
        assert_true(value == n + (n % 7 == 0 ? 0.5 : 0.25));
        assert_int_equal(mg_csv_line(c), line);
        char want[64];
        if (n % 7 == 0)
            snprintf(want, sizeof want, "name;%u\r\nsecond \"line\"", n);
        else
            snprintf(want, sizeof want, "Commune-n°%u", n);
        assert_field(c, 1, want);
        line += n % 7 == 0 ? 2 : 1;
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, rows);
    mg_csv_close(c);
    mg_reader_close(r);
    unlink(path);
    rmdir(dir);
}

/* Counts the records of a real file; returns -1 when it is absent. */
static long count_real(const char *path, char delim, const char *const *cols, size_t ncols)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r;
    mg_csv *c;
    int idx[8];
    assert_int_equal(mg_reader_open(&r, path, &d), MG_OK);
    assert_int_equal(mg_csv_open(&c, r, delim, &d), MG_OK);
    if (mg_csv_require(c, cols, ncols, idx, &d) != MG_OK)
        fail_msg("%s", d.msg);
    long n = 0;
    int rc;
    while ((rc = mg_csv_next(c, &d)) == 1)
        n++;
    if (rc != 0)
        fail_msg("%s", d.msg);
    mg_csv_close(c);
    mg_reader_close(r);
    return n;
}

static void test_real_data(void **state)
{
    (void)state;
    struct stat st;
    if (stat(MG_SHARED_DATA "/france/bpe19_ensemble_sante.csv", &st) != 0)
        skip();

    /* BPE: ';', CRLF; every NB_EQUIP is a count. */
    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r;
    mg_csv *c;
    int idx[3];
    const char *const bpe[] = {"DEPCOM", "TYPEQU", "NB_EQUIP"};
    assert_int_equal(mg_reader_open(&r, MG_SHARED_DATA "/france/bpe19_ensemble_sante.csv", &d),
                     MG_OK);
    assert_int_equal(mg_csv_open(&c, r, ';', &d), MG_OK);
    assert_int_equal(mg_csv_require(c, bpe, 3, idx, &d), MG_OK);
    long n = 0, total = 0;
    int rc;
    while ((rc = mg_csv_next(c, &d)) == 1) {
        long v;
        bool present;
        if (mg_csv_long(c, (size_t)idx[2], &v, &present, &d) != MG_OK)
            fail_msg("%s", d.msg);
        total += v;
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 218407);
    assert_true(total >= n);
    mg_csv_close(c);
    mg_reader_close(r);

    const char *const lp[] = {"Code_commune_INSEE", "Nom_commune", "coordonnees_gps"};
    long nlp = count_real(MG_SHARED_DATA "/france/laposte_hexasmal_2020.csv", ';', lp, 3);
    if (nlp >= 0)
        assert_int_equal(nlp, 39192);

    /* APL files: ',' separated, CRLF, numbers with a decimal point. */
    static const char *const apl[] = {"apl_mg_2021.csv", "apl_inf_2021.csv", "apl_mk_2021.csv",
                                      "apl_sf_2021.csv", "apl_cd_2021.csv"};
    const char *const code[] = {"Code commune", "Population totale"};
    for (size_t k = 0; k < sizeof apl / sizeof apl[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/territories/11-aude/%s", MG_SHARED_DATA, apl[k]);
        long napl = count_real(path, ',', code, 2);
        if (napl >= 0)
            assert_int_equal(napl, 433);
    }

    /* Every number of the APL file parses (empty cells are "absent"). */
    char path[512];
    snprintf(path, sizeof path, "%s/territories/11-aude/apl_mg_2021.csv", MG_SHARED_DATA);
    if (stat(path, &st) == 0) {
        assert_int_equal(mg_reader_open(&r, path, &d), MG_OK);
        assert_int_equal(mg_csv_open(&c, r, ',', &d), MG_OK);
        while ((rc = mg_csv_next(c, &d)) == 1) {
            for (size_t i = 2; i < mg_csv_nfields(c); i++) {
                double v;
                bool present;
                if (mg_csv_double(c, i, &v, &present, &d) != MG_OK)
                    fail_msg("%s", d.msg);
            }
        }
        assert_int_equal(rc, 0);
        mg_csv_close(c);
        mg_reader_close(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_crlf),
        cmocka_unit_test(test_line_ends_and_blank_lines),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_header_trimmed),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_field_count),
        cmocka_unit_test(test_short_and_record_end),
        cmocka_unit_test(test_quote_errors),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_bad_delimiter),
        cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_field_limit),
        cmocka_unit_test(test_sticky_error),
        cmocka_unit_test(test_require),
        cmocka_unit_test(test_double),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_streaming_gzip),
        cmocka_unit_test(test_real_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
