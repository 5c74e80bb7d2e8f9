/*
 * The bounded parser of what people type (src/parse/): tables of accepted
 * and refused inputs for each function with the value or reason expected,
 * the boundaries (int64 limits, 2A/2B, 97x, 29 February), check digits
 * against a second, independent Luhn written here, and properties over a
 * seeded generator: French-formatted random numbers read back exactly,
 * every day of the calendar agrees with a day-count reference, every
 * single-digit error in a SIREN is caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <inttypes.h>
#include <stdbool.h>

#include "parse/parse.h"
#include "testutil.h"

#define NBSP "\xC2\xA0"
#define NNBSP "\xE2\x80\xAF"
#define THIN "\xE2\x80\x89"
#define MINUS "\xE2\x88\x92"

/* The MG_E… code each reason must come back with. */
static int code_of(mg_parse_error e)
{
    switch (e) {
    case MG_PARSE_OK: return 0;
    case MG_PARSE_TOO_LONG: return MG_ELIMIT;
    case MG_PARSE_UTF8: return MG_EUTF8;
    case MG_PARSE_RANGE: return MG_EINVAL;
    default: return MG_EPARSE;
    }
}

/* ---- numbers ---- */

struct number_case {
    const char *in;
    mg_parse_error why;
    double v;
};

static const struct number_case numbers[] = {
    {"80 000", MG_PARSE_OK, 80000},
    {"80" NBSP "000", MG_PARSE_OK, 80000},
    {"80" NNBSP "000", MG_PARSE_OK, 80000},
    {"80" THIN "000", MG_PARSE_OK, 80000},
    {"80000", MG_PARSE_OK, 80000},
    {"1,5", MG_PARSE_OK, 1.5},
    {"1.5", MG_PARSE_OK, 1.5},
    {"-2,75", MG_PARSE_OK, -2.75},
    {"+3", MG_PARSE_OK, 3},
    {MINUS "4", MG_PARSE_OK, -4},
    {"1 234,5", MG_PARSE_OK, 1234.5},
    {"1 234.5", MG_PARSE_OK, 1234.5},
    {"  42  ", MG_PARSE_OK, 42},
    {"\t7\t", MG_PARSE_OK, 7},
    {NBSP "12" NNBSP, MG_PARSE_OK, 12},
    {"1 234 567,891", MG_PARSE_OK, 1234567.891},
    {"1" NBSP "000 000", MG_PARSE_OK, 1e6},
    {"0,1", MG_PARSE_OK, 0.1},
    {"007", MG_PARSE_OK, 7},
    {"0", MG_PARSE_OK, 0},
    {"-0", MG_PARSE_OK, 0},
    {"-0,000", MG_PARSE_OK, 0},
    {"1.234", MG_PARSE_OK, 1.234},
    {"1e3", MG_PARSE_OK, 1000},
    {"1,5E-3", MG_PARSE_OK, 0.0015},
    {"2.5e+2", MG_PARSE_OK, 250},
    {"1 000e3", MG_PARSE_OK, 1e6},
    {"123456789012345678901234567890", MG_PARSE_OK, 123456789012345678901234567890.0},
    {"1,7976931348623157e308", MG_PARSE_OK, DBL_MAX},
    {"4,9406564584124654e-324", MG_PARSE_OK, 4.9406564584124654e-324},
    {"1e-400", MG_PARSE_OK, 0},
    {"0,1000000000000000055511151231257827", MG_PARSE_OK, 0.1},
    /* 64 bytes: the longest accepted. */
    {"1000000000000000000000000000000000000000000000000000000000000000", MG_PARSE_OK, 1e63},
    {"10000000000000000000000000000000000000000000000000000000000000000", MG_PARSE_TOO_LONG, 0},
    {"", MG_PARSE_EMPTY, 0},
    {"   ", MG_PARSE_EMPTY, 0},
    {NBSP NNBSP "\t", MG_PARSE_EMPTY, 0},
    {"abc", MG_PARSE_NOT_NUMBER, 0},
    {"1,234.5", MG_PARSE_SEPARATOR, 0},
    {"1.234,5", MG_PARSE_SEPARATOR, 0},
    {"1,2,3", MG_PARSE_SEPARATOR, 0},
    {"1.234.567", MG_PARSE_SEPARATOR, 0},
    {"1,5,", MG_PARSE_SEPARATOR, 0},
    {"1,,5", MG_PARSE_SEPARATOR, 0},
    {"5,", MG_PARSE_NOT_NUMBER, 0},
    {",5", MG_PARSE_NOT_NUMBER, 0},
    {".5", MG_PARSE_NOT_NUMBER, 0},
    {"8 0000", MG_PARSE_GROUPING, 0},
    {"1 23", MG_PARSE_GROUPING, 0},
    {"1234 567", MG_PARSE_GROUPING, 0},
    {"0 123", MG_PARSE_GROUPING, 0},
    {"12 345 67", MG_PARSE_GROUPING, 0},
    {"1  000", MG_PARSE_NOT_NUMBER, 0},
    {"1 000,5 6", MG_PARSE_NOT_NUMBER, 0},
    {"1,234 5", MG_PARSE_NOT_NUMBER, 0},
    {"nan", MG_PARSE_NOT_NUMBER, 0},
    {"NaN", MG_PARSE_NOT_NUMBER, 0},
    {"inf", MG_PARSE_NOT_NUMBER, 0},
    {"-Infinity", MG_PARSE_NOT_NUMBER, 0},
    {"0x1A", MG_PARSE_NOT_NUMBER, 0},
    {"0x1p3", MG_PARSE_NOT_NUMBER, 0},
    {"1e", MG_PARSE_NOT_NUMBER, 0},
    {"1e+", MG_PARSE_NOT_NUMBER, 0},
    {"1e1000", MG_PARSE_NOT_NUMBER, 0},
    {"1e400", MG_PARSE_RANGE, 0},
    {"-1e400", MG_PARSE_RANGE, 0},
    {"- 3", MG_PARSE_NOT_NUMBER, 0},
    {"+-3", MG_PARSE_NOT_NUMBER, 0},
    {"--3", MG_PARSE_NOT_NUMBER, 0},
    {"3-", MG_PARSE_NOT_NUMBER, 0},
    {"3 €", MG_PARSE_NOT_NUMBER, 0},
    {"1_000", MG_PARSE_NOT_NUMBER, 0},
    {"1'000", MG_PARSE_NOT_NUMBER, 0},
    {"\xD9\xA3", MG_PARSE_NOT_NUMBER, 0}, /* ARABIC-INDIC DIGIT THREE */
    {"1\n", MG_PARSE_NOT_NUMBER, 0},
    {"12\xC2", MG_PARSE_UTF8, 0},
    {"80\xA0" "000", MG_PARSE_UTF8, 0}, /* Latin-1 no-break space */
    {"\xED\xA0\x80" "1", MG_PARSE_UTF8, 0}, /* a surrogate */
};

static void check_number(const struct number_case *c, double min, double max)
{
    double v = -12345.0;
    mg_parse_error why = MG_PARSE_ERROR_COUNT;
    int rc = mg_parse_number(c->in, min, max, &v, &why);
    if (why != c->why || rc != code_of(c->why))
        fail_msg("\"%s\": rc %d why %d, expected why %d", c->in, rc, (int)why, (int)c->why);
    if (c->why == MG_PARSE_OK) {
        if (v != c->v)
            fail_msg("\"%s\" = %.17g, expected %.17g", c->in, v, c->v);
        assert_false(signbit(v) && v == 0);
    } else {
        assert_true(v == -12345.0); /* untouched on failure */
    }
}

static void test_number_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        check_number(&numbers[i], -DBL_MAX, DBL_MAX);
    double v;
    mg_parse_error why;
    assert_int_equal(mg_parse_number(NULL, 0, 1, &v, &why), MG_EPARSE);
    assert_int_equal(why, MG_PARSE_EMPTY);
    /* A NULL why is accepted. */
    assert_int_equal(mg_parse_number("1,5", 0, 2, &v, NULL), 0);
    assert_int_equal(mg_parse_number("x", 0, 2, &v, NULL), MG_EPARSE);
}

static void test_number_range(void **state)
{
    (void)state;
    double v;
    mg_parse_error why;
    assert_int_equal(mg_parse_number("100", 0, 100, &v, &why), 0);
    assert_int_equal(mg_parse_number("0", 0, 100, &v, &why), 0);
    assert_int_equal(mg_parse_number("100,000001", 0, 100, &v, &why), MG_EINVAL);
    assert_int_equal(why, MG_PARSE_RANGE);
    assert_int_equal(mg_parse_number("-0,0001", 0, 100, &v, &why), MG_EINVAL);
    assert_int_equal(why, MG_PARSE_RANGE);
    /* -0 is 0, inside [0, 1]. */
    assert_int_equal(mg_parse_number("-0", 0, 1, &v, &why), 0);
    /* Bad bounds are the caller's error. */
    assert_int_equal(mg_parse_number("1", 2, 1, &v, &why), MG_EINVAL);
    assert_int_equal(mg_parse_number("1", NAN, 1, &v, &why), MG_EINVAL);
    assert_int_equal(mg_parse_number("1", 0, NAN, &v, &why), MG_EINVAL);
}

/* Input that is not terminated within the bound is refused without being
 * read past it (the sanitizer build would catch a read of the byte after). */
static void test_bounded_reads(void **state)
{
    (void)state;
    char *s = malloc(MG_PARSE_NUMBER_MAX + 1);
    assert_non_null(s);
    memset(s, '1', MG_PARSE_NUMBER_MAX + 1);
    double v;
    int64_t i;
    mg_parse_error why;
    assert_int_equal(mg_parse_number(s, 0, DBL_MAX, &v, &why), MG_ELIMIT);
    assert_int_equal(why, MG_PARSE_TOO_LONG);
    assert_int_equal(mg_parse_int(s, 0, INT64_MAX, &i, &why), MG_ELIMIT);
    free(s);
    s = malloc(MG_PARSE_ID_MAX + 1);
    assert_non_null(s);
    memset(s, '1', MG_PARSE_ID_MAX + 1);
    assert_int_equal(mg_parse_id(s, INT64_MAX, &i, &why), MG_ELIMIT);
    free(s);
    s = malloc(MG_PARSE_DATE_MAX + 1);
    assert_non_null(s);
    memset(s, '1', MG_PARSE_DATE_MAX + 1);
    mg_date d;
    assert_int_equal(mg_parse_date(s, &d, &why), MG_ELIMIT);
    free(s);
    s = malloc(MG_PARSE_CODE_MAX + 1);
    assert_non_null(s);
    memset(s, '1', MG_PARSE_CODE_MAX + 1);
    char siret[MG_PARSE_SIRET_SIZE];
    assert_int_equal(mg_parse_siret(s, siret, &why), MG_ELIMIT);
    free(s);
}

/* ---- integers and ids ---- */

struct int_case {
    const char *in;
    mg_parse_error why;
    int64_t v;
};

static const struct int_case ints[] = {
    {"0", MG_PARSE_OK, 0},
    {"-0", MG_PARSE_OK, 0},
    {"42", MG_PARSE_OK, 42},
    {" +42 ", MG_PARSE_OK, 42},
    {"00042", MG_PARSE_OK, 42},
    {MINUS "12", MG_PARSE_OK, -12},
    {"80 000", MG_PARSE_OK, 80000},
    {"80" NNBSP "000", MG_PARSE_OK, 80000},
    {"-1 000 000", MG_PARSE_OK, -1000000},
    {"9223372036854775807", MG_PARSE_OK, INT64_MAX},
    {"9 223 372 036 854 775 807", MG_PARSE_OK, INT64_MAX},
    {"-9223372036854775808", MG_PARSE_OK, INT64_MIN},
    {"-9 223 372 036 854 775 808", MG_PARSE_OK, INT64_MIN},
    {"9223372036854775808", MG_PARSE_RANGE, 0},
    {"-9223372036854775809", MG_PARSE_RANGE, 0},
    {"99999999999999999999", MG_PARSE_RANGE, 0},
    {"000000000000000000000000000000000000000000000000000000000000001", MG_PARSE_OK, 1},
    {"12,5", MG_PARSE_NOT_INTEGER, 0},
    {"12,0", MG_PARSE_NOT_INTEGER, 0},
    {"12.", MG_PARSE_NOT_INTEGER, 0},
    {"1e3", MG_PARSE_NOT_INTEGER, 0},
    {"1 23", MG_PARSE_GROUPING, 0},
    {"12345 678", MG_PARSE_GROUPING, 0},
    {"abc", MG_PARSE_NOT_NUMBER, 0},
    {"12abc", MG_PARSE_NOT_NUMBER, 0},
    {"0x10", MG_PARSE_NOT_NUMBER, 0},
    {"", MG_PARSE_EMPTY, 0},
    {"\xFF", MG_PARSE_UTF8, 0},
};

static void test_int_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        int64_t v = 77;
        mg_parse_error why = MG_PARSE_ERROR_COUNT;
        int rc = mg_parse_int(ints[i].in, INT64_MIN, INT64_MAX, &v, &why);
        if (why != ints[i].why || rc != code_of(ints[i].why))
            fail_msg("\"%s\": rc %d why %d, expected %d", ints[i].in, rc, (int)why,
                     (int)ints[i].why);
        if (why == MG_PARSE_OK && v != ints[i].v)
            fail_msg("\"%s\" = %" PRId64 ", expected %" PRId64, ints[i].in, v, ints[i].v);
        if (why != MG_PARSE_OK)
            assert_true(v == 77);
    }
    int64_t v;
    mg_parse_error why;
    assert_int_equal(mg_parse_int("11", 1, 10, &v, &why), MG_EINVAL);
    assert_int_equal(why, MG_PARSE_RANGE);
    assert_int_equal(mg_parse_int("0", 1, 10, &v, &why), MG_EINVAL);
    assert_int_equal(mg_parse_int("10", 1, 10, &v, &why), 0);
    assert_int_equal(mg_parse_int("1", 10, 1, &v, &why), MG_EINVAL);
}

static const struct int_case ids[] = {
    {"1", MG_PARSE_OK, 1},
    {"42", MG_PARSE_OK, 42},
    {"9223372036854775807", MG_PARSE_OK, INT64_MAX},
    {"9223372036854775808", MG_PARSE_RANGE, 0},
    {"9999999999999999999", MG_PARSE_RANGE, 0},
    {"0", MG_PARSE_RANGE, 0},
    {"007", MG_PARSE_NOT_ID, 0},
    {"00", MG_PARSE_NOT_ID, 0},
    {"-1", MG_PARSE_NOT_ID, 0},
    {"+1", MG_PARSE_NOT_ID, 0},
    {" 1", MG_PARSE_NOT_ID, 0},
    {"1 ", MG_PARSE_NOT_ID, 0},
    {"1 000", MG_PARSE_NOT_ID, 0},
    {"1,0", MG_PARSE_NOT_ID, 0},
    {"1a", MG_PARSE_NOT_ID, 0},
    {"1e3", MG_PARSE_NOT_ID, 0},
    {"\xC3\xA9", MG_PARSE_NOT_ID, 0},
    {"", MG_PARSE_EMPTY, 0},
    {"12345678901234567890", MG_PARSE_TOO_LONG, 0},
};

static void test_id_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        int64_t v = 77;
        mg_parse_error why = MG_PARSE_ERROR_COUNT;
        int rc = mg_parse_id(ids[i].in, INT64_MAX, &v, &why);
        if (why != ids[i].why || rc != code_of(ids[i].why))
            fail_msg("\"%s\": rc %d why %d, expected %d", ids[i].in, rc, (int)why,
                     (int)ids[i].why);
        if (why == MG_PARSE_OK && v != ids[i].v)
            fail_msg("\"%s\" = %" PRId64, ids[i].in, v);
    }
    int64_t v;
    mg_parse_error why;
    assert_int_equal(mg_parse_id(NULL, 10, &v, &why), MG_EPARSE);
    assert_int_equal(why, MG_PARSE_EMPTY);
    assert_int_equal(mg_parse_id("10", 10, &v, &why), 0);
    assert_int_equal(v, 10);
    assert_int_equal(mg_parse_id("11", 10, &v, &why), MG_EINVAL);
    assert_int_equal(why, MG_PARSE_RANGE);
    assert_int_equal(mg_parse_id("1", 0, &v, &why), MG_EINVAL);
}

/* ---- dates ---- */

struct date_case {
    const char *in;
    mg_parse_error why;
    int y, m, d;
};

static const struct date_case dates[] = {
    {"2026-12-04", MG_PARSE_OK, 2026, 12, 4},
    {"04/12/2026", MG_PARSE_OK, 2026, 12, 4},
    {"4/12/2026", MG_PARSE_OK, 2026, 12, 4},
    {"4/1/2026", MG_PARSE_OK, 2026, 1, 4},
    {" 2024-02-29 ", MG_PARSE_OK, 2024, 2, 29},
    {NBSP "29/02/2024" NNBSP, MG_PARSE_OK, 2024, 2, 29},
    {"29/02/2000", MG_PARSE_OK, 2000, 2, 29},
    {"31/12/2026", MG_PARSE_OK, 2026, 12, 31},
    {"1583-01-01", MG_PARSE_OK, 1583, 1, 1},
    {"9999-12-31", MG_PARSE_OK, 9999, 12, 31},
    {"29/02/2023", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"2023-02-29", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"29/02/1900", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"29/02/2100", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"30/02/2024", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"31/04/2026", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"31/06/2026", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"00/12/2026", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"12/13/2026", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"2026-00-10", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"2026-12-32", MG_PARSE_NO_SUCH_DAY, 0, 0, 0},
    {"1582-12-31", MG_PARSE_RANGE, 0, 0, 0},
    {"0000-01-01", MG_PARSE_RANGE, 0, 0, 0},
    {"04/12/26", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"2026-1-4", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"04.12.2026", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"04-12-2026", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"2026/12/04", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"2026-12-04T10:00", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"2026-12-045", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"12026-01-01", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"004/12/2026", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"04/12/02026", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"4 décembre 2026", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"04 / 12 / 2026", MG_PARSE_NOT_DATE, 0, 0, 0},
    {"", MG_PARSE_EMPTY, 0, 0, 0},
    {"2026-12-04\xC3", MG_PARSE_UTF8, 0, 0, 0},
};

static void test_date_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dates / sizeof *dates; i++) {
        const struct date_case *c = &dates[i];
        mg_date d = {-1, -1, -1};
        mg_parse_error why = MG_PARSE_ERROR_COUNT;
        int rc = mg_parse_date(c->in, &d, &why);
        if (why != c->why || rc != code_of(c->why))
            fail_msg("\"%s\": rc %d why %d, expected %d", c->in, rc, (int)why, (int)c->why);
        if (why == MG_PARSE_OK && (d.year != c->y || d.month != c->m || d.day != c->d))
            fail_msg("\"%s\" = %d-%d-%d", c->in, d.year, d.month, d.day);
        if (why != MG_PARSE_OK)
            assert_int_equal(d.year, -1);
    }
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (H.
 * Hinnant's civil-from-days algorithms): a reference that shares nothing
 * with a month-length table. */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, long *m, long *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Every (month, day) of many years: the parser accepts exactly the days
 * that survive a round trip through the day count, in both spellings. */
static void test_date_calendar(void **state)
{
    (void)state;
    uint64_t seed = 20261204;
    int years[64] = {1583, 1600, 1700, 1900, 2000, 2023, 2024, 2100, 2400, 9999};
    for (int k = 10; k < 64; k++)
        years[k] = 1583 + (int)(rng_next(&seed) % (9999 - 1583 + 1));
    for (int k = 0; k < 64; k++) {
        int y = years[k];
        for (int m = 0; m <= 13; m++) {
            for (int d = 0; d <= 32; d++) {
                long ry, rm, rd;
                civil_from_days(days_from_civil(y, m, d), &ry, &rm, &rd);
                bool real = m >= 1 && m <= 12 && d >= 1 && ry == y && rm == m && rd == d;
                assert_int_equal(mg_date_valid(y, m, d), real);
                if (m > 12 || d > 31)
                    continue;
                char iso[32], fr[32];
                snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
                snprintf(fr, sizeof fr, "%d/%d/%04d", d, m, y);
                mg_date a, b;
                mg_parse_error wa, wb;
                int ra = mg_parse_date(iso, &a, &wa), rb = mg_parse_date(fr, &b, &wb);
                if ((ra == 0) != real || (rb == 0) != real)
                    fail_msg("%s / %s: %d %d, expected %s", iso, fr, ra, rb, real ? "ok" : "refused");
                if (real) {
                    assert_true(a.year == y && a.month == m && a.day == d);
                    assert_true(b.year == y && b.month == m && b.day == d);
                } else {
                    assert_int_equal(wa, MG_PARSE_NO_SUCH_DAY);
                    assert_int_equal(wb, MG_PARSE_NO_SUCH_DAY);
                }
            }
        }
    }
}

/* ---- codes ---- */

typedef int (*code_fn)(const char *, char *, mg_parse_error *);

struct code_case {
    const char *in;
    mg_parse_error why;
    const char *out;
};

static void check_codes(const char *name, code_fn f, const struct code_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[32];
        memset(out, '#', sizeof out);
        out[sizeof out - 1] = 0;
        mg_parse_error why = MG_PARSE_ERROR_COUNT;
        int rc = f(cases[i].in, out, &why);
        if (why != cases[i].why || rc != code_of(cases[i].why))
            fail_msg("%s \"%s\": rc %d why %d, expected %d", name, cases[i].in, rc, (int)why,
                     (int)cases[i].why);
        if (why == MG_PARSE_OK && strcmp(out, cases[i].out) != 0)
            fail_msg("%s \"%s\" → \"%s\", expected \"%s\"", name, cases[i].in, out, cases[i].out);
        if (why != MG_PARSE_OK)
            assert_int_equal(out[0], '#');
    }
}

#define CHECK_CODES(f, table) check_codes(#f, f, table, sizeof table / sizeof *table)

/* The functions take char[static N]; the table check passes a larger one. */
static int commune(const char *s, char *o, mg_parse_error *w) { return mg_parse_commune(s, o, w); }
static int departement(const char *s, char *o, mg_parse_error *w) { return mg_parse_departement(s, o, w); }
static int postcode(const char *s, char *o, mg_parse_error *w) { return mg_parse_postcode(s, o, w); }
static int siren(const char *s, char *o, mg_parse_error *w) { return mg_parse_siren(s, o, w); }
static int siret(const char *s, char *o, mg_parse_error *w) { return mg_parse_siret(s, o, w); }
static int rna(const char *s, char *o, mg_parse_error *w) { return mg_parse_rna(s, o, w); }
static int finess(const char *s, char *o, mg_parse_error *w) { return mg_parse_finess(s, o, w); }

static const struct code_case communes[] = {
    {"11069", MG_PARSE_OK, "11069"},
    {" 11069 ", MG_PARSE_OK, "11069"},
    {"11 069", MG_PARSE_OK, "11069"},
    {"01001", MG_PARSE_OK, "01001"},
    {"95690", MG_PARSE_OK, "95690"},
    {"75101", MG_PARSE_OK, "75101"},
    {"2A004", MG_PARSE_OK, "2A004"},
    {"2a004", MG_PARSE_OK, "2A004"},
    {"2B033", MG_PARSE_OK, "2B033"},
    {"97101", MG_PARSE_OK, "97101"},
    {"97411", MG_PARSE_OK, "97411"},
    {"97611", MG_PARSE_OK, "97611"},
    {"97801", MG_PARSE_OK, "97801"},
    {"98735", MG_PARSE_OK, "98735"},
    {"20004", MG_PARSE_NO_SUCH_CODE, ""},
    {"96001", MG_PARSE_NO_SUCH_CODE, ""},
    {"00001", MG_PARSE_NO_SUCH_CODE, ""},
    {"11000", MG_PARSE_NO_SUCH_CODE, ""},
    {"2A000", MG_PARSE_NO_SUCH_CODE, ""},
    {"97100", MG_PARSE_NO_SUCH_CODE, ""},
    {"97901", MG_PARSE_NO_SUCH_CODE, ""},
    {"97001", MG_PARSE_NO_SUCH_CODE, ""},
    {"98301", MG_PARSE_NO_SUCH_CODE, ""},
    {"99101", MG_PARSE_NO_SUCH_CODE, ""},
    {"2C004", MG_PARSE_SYNTAX, ""},
    {"1A069", MG_PARSE_SYNTAX, ""},
    {"A1069", MG_PARSE_SYNTAX, ""},
    {"2A0O4", MG_PARSE_SYNTAX, ""},
    {"11-069", MG_PARSE_SYNTAX, ""},
    {"1106", MG_PARSE_LENGTH, ""},
    {"110690", MG_PARSE_LENGTH, ""},
    {"", MG_PARSE_EMPTY, ""},
    {"11069\xE9", MG_PARSE_UTF8, ""},
};

static const struct code_case departements[] = {
    {"01", MG_PARSE_OK, "01"},
    {"11", MG_PARSE_OK, "11"},
    {"19", MG_PARSE_OK, "19"},
    {"21", MG_PARSE_OK, "21"},
    {"95", MG_PARSE_OK, "95"},
    {"2A", MG_PARSE_OK, "2A"},
    {"2b", MG_PARSE_OK, "2B"},
    {" 971 ", MG_PARSE_OK, "971"},
    {"972", MG_PARSE_OK, "972"},
    {"973", MG_PARSE_OK, "973"},
    {"974", MG_PARSE_OK, "974"},
    {"976", MG_PARSE_OK, "976"},
    {"20", MG_PARSE_NO_SUCH_CODE, ""},
    {"00", MG_PARSE_NO_SUCH_CODE, ""},
    {"96", MG_PARSE_NO_SUCH_CODE, ""},
    {"99", MG_PARSE_NO_SUCH_CODE, ""},
    {"970", MG_PARSE_NO_SUCH_CODE, ""},
    {"975", MG_PARSE_NO_SUCH_CODE, ""},
    {"977", MG_PARSE_NO_SUCH_CODE, ""},
    {"111", MG_PARSE_NO_SUCH_CODE, ""},
    {"1", MG_PARSE_LENGTH, ""},
    {"0011", MG_PARSE_LENGTH, ""},
    {"2C", MG_PARSE_SYNTAX, ""},
    {"9A", MG_PARSE_SYNTAX, ""},
    {"2A1", MG_PARSE_SYNTAX, ""},
    {"", MG_PARSE_EMPTY, ""},
};

static const struct code_case postcodes[] = {
    {"11000", MG_PARSE_OK, "11000"},
    {"01000", MG_PARSE_OK, "01000"},
    {"20000", MG_PARSE_OK, "20000"},
    {"97400", MG_PARSE_OK, "97400"},
    {"98999", MG_PARSE_OK, "98999"},
    {"75 001", MG_PARSE_OK, "75001"},
    {"00999", MG_PARSE_NO_SUCH_CODE, ""},
    {"00000", MG_PARSE_NO_SUCH_CODE, ""},
    {"99000", MG_PARSE_NO_SUCH_CODE, ""},
    {"7500", MG_PARSE_LENGTH, ""},
    {"750011", MG_PARSE_LENGTH, ""},
    {"7500A", MG_PARSE_SYNTAX, ""},
    {"F-75001", MG_PARSE_SYNTAX, ""},
};

static const struct code_case sirens[] = {
    {"732829320", MG_PARSE_OK, "732829320"},
    {"732 829 320", MG_PARSE_OK, "732829320"},
    {"732" NBSP "829" NNBSP "320", MG_PARSE_OK, "732829320"},
    {"356000000", MG_PARSE_OK, "356000000"},
    {"260104633", MG_PARSE_OK, "260104633"},
    {"772201489", MG_PARSE_OK, "772201489"},
    {"732829321", MG_PARSE_CHECKSUM, ""},
    {"723829320", MG_PARSE_CHECKSUM, ""},
    {"000000000", MG_PARSE_NO_SUCH_CODE, ""},
    {"73282932", MG_PARSE_LENGTH, ""},
    {"7328293200", MG_PARSE_LENGTH, ""},
    {"73282932O", MG_PARSE_SYNTAX, ""},
    {"732.829.320", MG_PARSE_SYNTAX, ""},
    {"", MG_PARSE_EMPTY, ""},
};

static const struct code_case sirets[] = {
    {"73282932000074", MG_PARSE_OK, "73282932000074"},
    {"732 829 320 00074", MG_PARSE_OK, "73282932000074"},
    {"732" NBSP "829" NBSP "320" NBSP "00074", MG_PARSE_OK, "73282932000074"},
    {"77220148900022", MG_PARSE_OK, "77220148900022"},
    {"35600000000048", MG_PARSE_OK, "35600000000048"}, /* La Poste's head office: Luhn */
    {"35600000052135", MG_PARSE_OK, "35600000052135"}, /* digit sum 30, not Luhn */
    {"35600000052136", MG_PARSE_CHECKSUM, ""},
    {"35600000000049", MG_PARSE_CHECKSUM, ""},
    {"73282932000075", MG_PARSE_CHECKSUM, ""},
    {"73282932100074", MG_PARSE_CHECKSUM, ""}, /* SIREN part wrong */
    {"00000000000000", MG_PARSE_NO_SUCH_CODE, ""},
    {"7328293200007", MG_PARSE_LENGTH, ""},
    {"732829320000744", MG_PARSE_LENGTH, ""},
    {"73282932OOOO74", MG_PARSE_SYNTAX, ""},
};

static const struct code_case rnas[] = {
    {"W751234567", MG_PARSE_OK, "W751234567"},
    {"w751234567", MG_PARSE_OK, "W751234567"},
    {"W595037092", MG_PARSE_OK, "W595037092"},
    {"W2B2001993", MG_PARSE_OK, "W2B2001993"},
    {" W 751 234 567 ", MG_PARSE_OK, "W751234567"},
    {"751234567", MG_PARSE_SYNTAX, ""},
    {"X751234567", MG_PARSE_SYNTAX, ""},
    {"WA51234567", MG_PARSE_SYNTAX, ""},
    {"W751A34567", MG_PARSE_SYNTAX, ""},
    {"W75-123456", MG_PARSE_SYNTAX, ""},
    {"W75123456", MG_PARSE_LENGTH, ""},
    {"W7512345678", MG_PARSE_LENGTH, ""},
    {"", MG_PARSE_EMPTY, ""},
};

static const struct code_case finesses[] = {
    {"010000016", MG_PARSE_OK, "010000016"},
    {"010780195", MG_PARSE_OK, "010780195"},
    {"010003820", MG_PARSE_OK, "010003820"},
    {"750712184", MG_PARSE_OK, "750712184"},
    {"310781406", MG_PARSE_OK, "310781406"},
    {"970100228", MG_PARSE_OK, "970100228"},
    {"01 000 001 6", MG_PARSE_OK, "010000016"},
    {"2A0000170", MG_PARSE_OK, "2A0000170"},
    {"2a0000386", MG_PARSE_OK, "2A0000386"},
    {"2A0002606", MG_PARSE_OK, "2A0002606"},
    {"2B0000020", MG_PARSE_OK, "2B0000020"},
    {"2B0005342", MG_PARSE_OK, "2B0005342"},
    {"2B0004246", MG_PARSE_OK, "2B0004246"},
    {"010000017", MG_PARSE_CHECKSUM, ""},
    {"2A0000171", MG_PARSE_CHECKSUM, ""},
    {"2B0000170", MG_PARSE_CHECKSUM, ""},
    {"2A0000020", MG_PARSE_CHECKSUM, ""},
    {"200000170", MG_PARSE_NO_SUCH_CODE, ""},
    {"000000000", MG_PARSE_NO_SUCH_CODE, ""},
    {"960000000", MG_PARSE_NO_SUCH_CODE, ""},
    {"990000000", MG_PARSE_NO_SUCH_CODE, ""},
    {"2C0000170", MG_PARSE_SYNTAX, ""},
    {"1A0000000", MG_PARSE_SYNTAX, ""},
    {"01000001A", MG_PARSE_SYNTAX, ""},
    {"01000001", MG_PARSE_LENGTH, ""},
    {"0100000160", MG_PARSE_LENGTH, ""},
};

/* A second Luhn, written differently from codes.c (left to right with a
 * doubling table), to check the tables' "valid" numbers independently. */
static bool ref_luhn(const char *s)
{
    static const int twice[10] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9};
    size_t n = strlen(s);
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int d = s[i] - '0';
        sum += (n - i) % 2 == 0 ? twice[d] : d;
    }
    return sum % 10 == 0;
}

static void test_codes_tables(void **state)
{
    (void)state;
    CHECK_CODES(commune, communes);
    CHECK_CODES(departement, departements);
    CHECK_CODES(postcode, postcodes);
    CHECK_CODES(siren, sirens);
    CHECK_CODES(siret, sirets);
    CHECK_CODES(rna, rnas);
    CHECK_CODES(finess, finesses);
    /* The numbers the tables call valid, by the reference. */
    static const char *const luhn_valid[] = {"732829320", "356000000", "260104633", "772201489",
                                             "73282932000074", "77220148900022", "35600000000048",
                                             "010000016", "010780195", "010003820", "750712184",
                                             "310781406", "970100228",
                                             /* Corsican FINESS with 2A = 21, 2B = 22 */
                                             "210000170", "210000386", "210002606", "220000020",
                                             "220005342", "220004246"};
    for (size_t i = 0; i < sizeof luhn_valid / sizeof *luhn_valid; i++)
        if (!ref_luhn(luhn_valid[i]))
            fail_msg("%s fails the reference Luhn", luhn_valid[i]);
    static const char *const luhn_invalid[] = {"732829321", "723829320", "73282932000075",
                                               "35600000052135", "010000017"};
    for (size_t i = 0; i < sizeof luhn_invalid / sizeof *luhn_invalid; i++)
        if (ref_luhn(luhn_invalid[i]))
            fail_msg("%s passes the reference Luhn", luhn_invalid[i]);
    /* Exact-size buffers are enough. */
    char dep[MG_PARSE_DEPARTEMENT_SIZE], com[MG_PARSE_COMMUNE_SIZE];
    assert_int_equal(mg_parse_departement("976", dep, NULL), 0);
    assert_string_equal(dep, "976");
    assert_int_equal(mg_parse_commune("2b033", com, NULL), 0);
    assert_string_equal(com, "2B033");
}

/* Every SIREN built with the reference key is accepted; every change of one
 * digit, and every swap of two different neighbours but 0/9, is refused. */
static void test_siren_property(void **state)
{
    (void)state;
    uint64_t seed = 356;
    for (int k = 0; k < 2000; k++) {
        char s[32];
        snprintf(s, sizeof s, "%08" PRIu64 "0", rng_next(&seed) % 100000000u);
        for (char key = '0'; key <= '9'; key++) {
            s[8] = key;
            if (ref_luhn(s))
                break;
        }
        if (strcmp(s, "000000000") == 0)
            continue;
        char out[MG_PARSE_SIREN_SIZE];
        mg_parse_error why;
        if (mg_parse_siren(s, out, &why) != 0)
            fail_msg("%s refused (%d)", s, (int)why);
        for (int i = 0; i < 9; i++) {
            char t[10];
            memcpy(t, s, sizeof t);
            for (char c = '0'; c <= '9'; c++) {
                if (c == s[i])
                    continue;
                t[i] = c;
                if (strcmp(t, "000000000") != 0 && mg_parse_siren(t, out, &why) == 0)
                    fail_msg("%s accepted (from %s)", t, s);
            }
            if (i < 8 && s[i] != s[i + 1] && !((s[i] == '0' && s[i + 1] == '9') ||
                                               (s[i] == '9' && s[i + 1] == '0'))) {
                memcpy(t, s, sizeof t);
                t[i] = s[i + 1];
                t[i + 1] = s[i];
                if (mg_parse_siren(t, out, &why) == 0)
                    fail_msg("%s accepted (swap of %s)", t, s);
            }
        }
    }
}

/* La Poste: over every establishment number, the digit-sum rule, except the
 * head office's Luhn key; elsewhere, Luhn. */
static void test_siret_la_poste(void **state)
{
    (void)state;
    int accepted = 0, luhn_refused = 0;
    for (int nic = 0; nic <= 99999; nic++) {
        char s[32];
        snprintf(s, sizeof s, "356000000%05d", nic);
        int sum = 0;
        for (int i = 0; i < 14; i++)
            sum += s[i] - '0';
        bool want = strcmp(s, "35600000000048") == 0 ? ref_luhn(s) : sum % 5 == 0;
        char out[MG_PARSE_SIRET_SIZE];
        bool got = mg_parse_siret(s, out, NULL) == 0;
        if (got != want)
            fail_msg("%s: %s", s, got ? "accepted" : "refused");
        accepted += got;
        luhn_refused += got && !ref_luhn(s);
    }
    assert_int_equal(accepted, 20001); /* a fifth, and the head office */
    assert_true(luhn_refused > 0); /* the exception matters */
    /* Elsewhere, Luhn over 14 digits. */
    uint64_t seed = 732;
    for (int k = 0; k < 5000; k++) {
        char s[32];
        snprintf(s, sizeof s, "732829320%05" PRIu64, rng_next(&seed) % 100000u);
        char out[MG_PARSE_SIRET_SIZE];
        assert_int_equal(mg_parse_siret(s, out, NULL) == 0, ref_luhn(s));
    }
}

/* ---- properties: French formatting read back ---- */

static const char *const seps[] = {" ", NBSP, NNBSP, THIN};

/* Writes the digits of `digits` (n of them) into o, grouped by three with
 * sep (or not at all when sep is NULL); returns the bytes written. */
static size_t group(char *o, const char *digits, size_t n, const char *sep)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (sep && i > 0 && (n - i) % 3 == 0) {
            memcpy(o + k, sep, strlen(sep));
            k += strlen(sep);
        }
        o[k++] = digits[i];
    }
    return k;
}

/* "%.17g" of v rewritten the French way: comma, grouped integer part, a
 * minus that may be U+2212. */
static void french(char *o, double v, uint64_t *seed)
{
    char c[64];
    snprintf(c, sizeof c, "%.17g", v);
    const char *p = c;
    size_t k = 0;
    if (*p == '-') {
        const char *m = rng_next(seed) % 2 ? "-" : MINUS;
        memcpy(o, m, strlen(m));
        k = strlen(m);
        p++;
    }
    size_t n = strspn(p, "0123456789");
    uint64_t r = rng_next(seed);
    k += group(o + k, p, n, r % 5 == 4 ? NULL : seps[r % 5]);
    p += n;
    for (; *p; p++)
        o[k++] = *p == '.' ? ',' : *p;
    o[k] = 0;
}

static void test_number_property(void **state)
{
    (void)state;
    uint64_t seed = 80000;
    for (int i = 0; i < 200000; i++) {
        double v;
        uint64_t r = rng_next(&seed);
        switch (r % 4) {
        case 0: /* any finite double, subnormals included */
            do {
                uint64_t bits = rng_next(&seed);
                memcpy(&v, &bits, sizeof v);
            } while (!isfinite(v));
            break;
        case 1: /* amounts with decimals, as typed */
            v = round(rng_unit(&seed) * 1e9) / 100.0 * ((r >> 8) % 2 ? 1 : -1);
            break;
        case 2: /* integers up to 2^53 */
            v = (double)(rng_next(&seed) >> 11);
            break;
        default: /* a spread of magnitudes */
            v = rng_unit(&seed) * pow(10.0, (double)((int)(rng_next(&seed) % 41) - 20));
            break;
        }
        char s[80];
        french(s, v, &seed);
        double back;
        mg_parse_error why;
        if (mg_parse_number(s, -DBL_MAX, DBL_MAX, &back, &why) != 0)
            fail_msg("\"%s\" (%.17g) refused: %d", s, v, (int)why);
        if (back != v)
            fail_msg("\"%s\" read as %.17g, expected %.17g", s, back, v);
    }
}

static void test_int_property(void **state)
{
    (void)state;
    uint64_t seed = 64;
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = rng_next(&seed);
        int shift = (int)(rng_next(&seed) % 64);
        int64_t v;
        memcpy(&v, &bits, sizeof v);
        v >>= shift; /* all magnitudes */
        if (i == 0)
            v = INT64_MIN;
        if (i == 1)
            v = INT64_MAX;
        char c[32], s[96];
        snprintf(c, sizeof c, "%" PRId64, v);
        const char *p = c;
        size_t k = 0;
        if (*p == '-')
            s[k++] = *p++;
        uint64_t r = rng_next(&seed);
        k += group(s + k, p, strlen(p), r % 5 == 4 ? NULL : seps[r % 5]);
        s[k] = 0;
        int64_t back;
        mg_parse_error why;
        if (mg_parse_int(s, INT64_MIN, INT64_MAX, &back, &why) != 0)
            fail_msg("\"%s\" refused: %d", s, (int)why);
        if (back != v)
            fail_msg("\"%s\" read as %" PRId64, s, back);
        if (v >= 1) {
            assert_int_equal(mg_parse_id(c, INT64_MAX, &back, &why), 0);
            assert_true(back == v);
        }
    }
}

/* ---- "C" numbers of data files ---- */

static const struct number_case c_numbers[] = {
    {"12", MG_PARSE_OK, 12},
    {"-0.5", MG_PARSE_OK, -0.5},
    {"+3.25", MG_PARSE_OK, 3.25},
    {".5", MG_PARSE_OK, 0.5},
    {"5.", MG_PARSE_OK, 5},
    {"43.2130", MG_PARSE_OK, 43.213},
    {"1.5e3", MG_PARSE_OK, 1500},
    {"1E-3", MG_PARSE_OK, 0.001},
    {"1.23456789012e+20", MG_PARSE_OK, 1.23456789012e+20},
    {"0.1", MG_PARSE_OK, 0.1},
    {"-0", MG_PARSE_OK, 0},
    {"4.9406564584124654e-324", MG_PARSE_OK, 4.9406564584124654e-324},
    {"1e-400", MG_PARSE_OK, 0},
    /* A data file never groups digits nor writes a decimal comma. */
    {"80 000", MG_PARSE_NOT_NUMBER, 0},
    {"1,5", MG_PARSE_NOT_NUMBER, 0},
    {"1 234.5", MG_PARSE_NOT_NUMBER, 0},
    {" 1", MG_PARSE_NOT_NUMBER, 0},
    {"1 ", MG_PARSE_NOT_NUMBER, 0},
    {"1.2.3", MG_PARSE_NOT_NUMBER, 0},
    {".", MG_PARSE_NOT_NUMBER, 0},
    {"-", MG_PARSE_NOT_NUMBER, 0},
    {"e5", MG_PARSE_NOT_NUMBER, 0},
    {"1e", MG_PARSE_NOT_NUMBER, 0},
    {"1e+", MG_PARSE_NOT_NUMBER, 0},
    {"1e12345", MG_PARSE_NOT_NUMBER, 0},
    {"inf", MG_PARSE_NOT_NUMBER, 0},
    {"nan", MG_PARSE_NOT_NUMBER, 0},
    {"0x10", MG_PARSE_NOT_NUMBER, 0},
    {"--1", MG_PARSE_NOT_NUMBER, 0},
    {MINUS "1", MG_PARSE_NOT_NUMBER, 0},
    {"1e999", MG_PARSE_RANGE, 0},
    {"-1e309", MG_PARSE_RANGE, 0},
    {"", MG_PARSE_EMPTY, 0},
};

static void test_c_double_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof c_numbers / sizeof *c_numbers; k++) {
        const struct number_case *c = &c_numbers[k];
        double v = 42;
        mg_parse_error why = MG_PARSE_ERROR_COUNT;
        int rc = mg_parse_c_double(c->in, strlen(c->in), &v, &why);
        if (why != c->why)
            fail_msg("\"%s\": reason %d, expected %d", c->in, (int)why, (int)c->why);
        assert_int_equal(rc, code_of(c->why));
        if (c->why == MG_PARSE_OK) {
            if (v != c->v)
                fail_msg("\"%s\" read as %.17g, expected %.17g", c->in, v, c->v);
            assert_false(signbit(v) && v == 0);
        } else {
            assert_true(v == 42); /* left alone */
        }
    }
    /* Only len bytes are read: the rest of a field is not looked at. */
    double v = 0;
    assert_int_equal(mg_parse_c_double("43.5,2.25", 4, &v, NULL), 0);
    assert_true(v == 43.5);
    assert_int_equal(mg_parse_c_double(NULL, 0, &v, NULL), MG_EPARSE);
    char longer[MG_PARSE_NUMBER_MAX + 2];
    memset(longer, '1', sizeof longer);
    assert_int_equal(mg_parse_c_double(longer, sizeof longer, &v, NULL), MG_ELIMIT);
    assert_int_equal(mg_parse_c_double(longer, MG_PARSE_NUMBER_MAX, &v, NULL), 0);
}

static void test_c_double_property(void **state)
{
    (void)state;
    /* Every finite double printed by printf reads back bit for bit. */
    uint64_t seed = 20260512;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = rng_next(&seed);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v))
            continue;
        char s[64];
        int n = snprintf(s, sizeof s, i % 2 ? "%.17g" : "%.12e", v);
        double back;
        if (mg_parse_c_double(s, (size_t)n, &back, NULL) != 0)
            fail_msg("\"%s\" refused", s);
        if (i % 2 && v != 0 && memcmp(&back, &v, sizeof v) != 0)
            fail_msg("\"%s\" read as %.17g", s, back);
    }
}

static void test_c_int_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        mg_parse_error why;
        int64_t v;
    } cases[] = {
        {"0", MG_PARSE_OK, 0},
        {"+17", MG_PARSE_OK, 17},
        {"-17", MG_PARSE_OK, -17},
        {"007", MG_PARSE_OK, 7},
        {"9223372036854775807", MG_PARSE_OK, INT64_MAX},
        {"-9223372036854775808", MG_PARSE_OK, INT64_MIN},
        {"9223372036854775808", MG_PARSE_RANGE, 0},
        {"12.0", MG_PARSE_NOT_INTEGER, 0},
        {"1e3", MG_PARSE_NOT_INTEGER, 0},
        {"1 000", MG_PARSE_NOT_NUMBER, 0},
        {" 1", MG_PARSE_NOT_NUMBER, 0},
        {"1x", MG_PARSE_NOT_NUMBER, 0},
        {"-", MG_PARSE_NOT_NUMBER, 0},
        {"", MG_PARSE_EMPTY, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        int64_t v = 42;
        mg_parse_error why = MG_PARSE_ERROR_COUNT;
        int rc = mg_parse_c_int(cases[k].in, strlen(cases[k].in), INT64_MIN, INT64_MAX, &v, &why);
        if (why != cases[k].why)
            fail_msg("\"%s\": reason %d, expected %d", cases[k].in, (int)why, (int)cases[k].why);
        assert_int_equal(rc, code_of(cases[k].why));
        assert_true(v == (cases[k].why == MG_PARSE_OK ? cases[k].v : 42));
    }
    int64_t v;
    assert_int_equal(mg_parse_c_int("5", 1, 6, 10, &v, NULL), MG_EINVAL);
    assert_int_equal(mg_parse_c_int("5", 1, 10, 6, &v, NULL), MG_EINVAL);
    assert_int_equal(mg_parse_c_int("123 456", 3, 0, 1000, &v, NULL), 0);
    assert_true(v == 123);
}

static void test_messages(void **state)
{
    (void)state;
    assert_string_equal(mg_parse_error_fr(MG_PARSE_OK), "");
    assert_int_equal(mg_parse_error_code(MG_PARSE_OK), 0);
    for (int e = 1; e < MG_PARSE_ERROR_COUNT; e++) {
        const char *fr = mg_parse_error_fr((mg_parse_error)e);
        assert_non_null(fr);
        assert_true(strlen(fr) > 5);
        assert_int_equal(mg_parse_error_code((mg_parse_error)e), code_of((mg_parse_error)e));
    }
    assert_string_equal(mg_parse_error_fr(MG_PARSE_ERROR_COUNT), "");
    assert_string_equal(mg_parse_error_fr(MG_PARSE_NOT_NUMBER),
                        "doit être un nombre, par exemple 1 234,5");
}

/* Place names folded for comparison: expected forms written by hand from
 * the rules of parse.h. */
static void test_fold_name(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"Castelnaudary", "castelnaudary"},
        {"  CASTELNAUDARY\t", "castelnaudary"},
        {"Castelnau-d'Aude", "castelnau d aude"},
        {"CASTELNAU D\xE2\x80\x99" "AUDE", "castelnau d aude"},   /* ’ */
        {"castelnau  --  d aude", "castelnau d aude"},
        {"Belv\xC3\xA8ze-du-Raz\xC3\xA8s", "belveze du razes"}, /* è */
        {"BELV\xC3\x88ZE DU RAZ\xC3\x88S", "belveze du razes"}, /* È */
        {"Belve\xCC\x80ze", "belveze"},                         /* e + combining grave */
        {"St-Papoul", "saint papoul"},
        {"ST PAPOUL", "saint papoul"},
        {"Ste-Colombe-sur-l'Hers", "sainte colombe sur l hers"},
        {"Stade", "stade"},                 /* not a word "st" */
        {"L'\xC5\x92" "uf", "l oeuf"},         /* Œ */
        {"Stra\xC3\x9F" "e", "strasse"},    /* ß */
        {"Sa\xC3\xAF" "d (11)", "said 11"},    /* ï, parentheses */
        {"Les\xE2\x80\xAF" "Cass\xC3\xA9s", "les casses"}, /* narrow no-break space */
        {"\xCE\xB1\xCE\xB2", "\xCE\xB1\xCE\xB2"}, /* Greek kept as typed */
    };
    for (size_t k = 0; k < sizeof rows / sizeof *rows; k++) {
        char out[MG_PARSE_FOLD_SIZE], again[MG_PARSE_FOLD_SIZE];
        size_t len = 0;
        mg_parse_error why = MG_PARSE_ERROR_COUNT;
        if (mg_parse_fold_name(rows[k].in, out, &len, &why) != 0 || strcmp(out, rows[k].out))
            fail_msg("row %zu: « %s » gave « %s », expected « %s »", k, rows[k].in, out,
                     rows[k].out);
        assert_int_equal(why, MG_PARSE_OK);
        assert_int_equal(len, strlen(out));
        /* Folding is idempotent. */
        assert_int_equal(mg_parse_fold_name(out, again, NULL, NULL), 0);
        assert_string_equal(again, out);
    }
    char out[MG_PARSE_FOLD_SIZE] = "inchangé";
    mg_parse_error why;
    assert_int_equal(mg_parse_fold_name(" -- ' ", out, NULL, &why), MG_EPARSE);
    assert_int_equal(why, MG_PARSE_EMPTY);
    assert_string_equal(out, "inchangé");
    assert_int_equal(mg_parse_fold_name(NULL, out, NULL, &why), MG_EPARSE);
    assert_int_equal(mg_parse_fold_name("caf\xC3", out, NULL, &why), MG_EUTF8);
    /* The longest input, every word an abbreviation: within the buffer. */
    char big[MG_PARSE_NAME_MAX + 2];
    for (size_t i = 0; i < MG_PARSE_NAME_MAX; i++)
        big[i] = i % 3 == 2 ? ' ' : "st"[i % 3];
    big[MG_PARSE_NAME_MAX] = 0;
    size_t len = 0;
    assert_int_equal(mg_parse_fold_name(big, out, &len, NULL), 0);
    assert_true(len < MG_PARSE_FOLD_SIZE && strncmp(out, "saint saint ", 12) == 0);
    big[MG_PARSE_NAME_MAX] = 'x';
    big[MG_PARSE_NAME_MAX + 1] = 0;
    assert_int_equal(mg_parse_fold_name(big, out, NULL, &why), MG_ELIMIT);
    assert_int_equal(why, MG_PARSE_TOO_LONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_table),   cmocka_unit_test(test_number_range),
        cmocka_unit_test(test_bounded_reads),  cmocka_unit_test(test_int_table),
        cmocka_unit_test(test_id_table),       cmocka_unit_test(test_date_table),
        cmocka_unit_test(test_date_calendar),  cmocka_unit_test(test_codes_tables),
        cmocka_unit_test(test_siren_property), cmocka_unit_test(test_siret_la_poste),
        cmocka_unit_test(test_number_property), cmocka_unit_test(test_int_property),
        cmocka_unit_test(test_messages),       cmocka_unit_test(test_c_double_table),
        cmocka_unit_test(test_c_double_property), cmocka_unit_test(test_c_int_table),
        cmocka_unit_test(test_fold_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
