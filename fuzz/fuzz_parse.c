/*
 * libFuzzer target for the parser of what people type (src/parse/): the
 * input, as a NUL-terminated copy, goes to every parser. Beyond the
 * sanitizers it checks the module's promises: a refusal comes with a
 * reason and the reason's code, and leaves the out-parameter alone; a
 * success lies in the bounds asked for; a number printed with "%.17g" (and
 * an integer, an id or a date printed plainly) reads back to the same
 * value; a normalised code has its documented shape and reads back to
 * itself. The "C" number parsers of data files read the raw bytes (no
 * terminator, so that a read past the span is caught), never accept a
 * space or a comma, and read back what "%.17g" prints. A folded place
 * name has the documented shape and folds to itself (or, lengthened past
 * the bound by written-out abbreviations, is too long to fold again).
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/utf8.h"
#include "fuzz_util.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* rc and why agree: 0 with MG_PARSE_OK, or the reason's negative code. */
static void check_rc(int rc, mg_parse_error why)
{
    check((unsigned)why < MG_PARSE_ERROR_COUNT);
    check(rc == mg_parse_error_code(why));
    check((rc == 0) == (why == MG_PARSE_OK));
    check(why == MG_PARSE_OK || mg_parse_error_fr(why)[0] != 0);
}

static void number(const char *s, double min, double max)
{
    double v = 0.5, back = 0;
    mg_parse_error why = MG_PARSE_ERROR_COUNT, why2;
    int rc = mg_parse_number(s, min, max, &v, &why);
    check_rc(rc, why);
    if (rc) {
        check(v == 0.5);
        return;
    }
    check(isfinite(v) && v >= min && v <= max);
    check(!(v == 0 && signbit(v)));
    char p[64];
    snprintf(p, sizeof p, "%.17g", v);
    check(mg_parse_number(p, min, max, &back, &why2) == 0);
    check(memcmp(&back, &v, sizeof v) == 0);
}

static void integer(const char *s, int64_t min, int64_t max)
{
    int64_t v = 7, back = 0;
    mg_parse_error why = MG_PARSE_ERROR_COUNT, why2;
    int rc = mg_parse_int(s, min, max, &v, &why);
    check_rc(rc, why);
    if (rc) {
        check(v == 7);
        return;
    }
    check(v >= min && v <= max);
    char p[32];
    snprintf(p, sizeof p, "%" PRId64, v);
    check(mg_parse_int(p, min, max, &back, &why2) == 0 && back == v);
    /* An integer is also a number (within a double's rounding). */
    double d;
    check(mg_parse_number(s, -DBL_MAX, DBL_MAX, &d, &why2) == 0);
    check(d == (double)v);
}

static void id(const char *s, int64_t max)
{
    int64_t v = 7;
    mg_parse_error why = MG_PARSE_ERROR_COUNT;
    int rc = mg_parse_id(s, max, &v, &why);
    check_rc(rc, why);
    if (rc) {
        check(v == 7);
        return;
    }
    check(v >= 1 && v <= max);
    /* One spelling per id: the input is the plain decimal. */
    char p[32];
    snprintf(p, sizeof p, "%" PRId64, v);
    check(strcmp(p, s) == 0);
}

static void date(const char *s)
{
    mg_date d = {-1, -1, -1}, back;
    mg_parse_error why = MG_PARSE_ERROR_COUNT, why2;
    int rc = mg_parse_date(s, &d, &why);
    check_rc(rc, why);
    if (rc) {
        check(d.year == -1);
        return;
    }
    check(d.year >= 1583 && d.year <= 9999 && mg_date_valid(d.year, d.month, d.day));
    char p[32];
    snprintf(p, sizeof p, "%04d-%02d-%02d", d.year, d.month, d.day);
    check(mg_parse_date(p, &back, &why2) == 0 && memcmp(&back, &d, sizeof d) == 0);
    snprintf(p, sizeof p, "%d/%d/%04d", d.day, d.month, d.year);
    check(mg_parse_date(p, &back, &why2) == 0 && memcmp(&back, &d, sizeof d) == 0);
}

/* Checks out against shapes separated by '|': 'd' a digit, 'u' a digit or
 * upper-case letter, 'c' a digit or A/B, any other character itself. */
static bool shaped(const char *out, const char *shapes)
{
    const char *bar = strchr(shapes, '|');
    size_t n = bar ? (size_t)(bar - shapes) : strlen(shapes);
    if (bar && shaped(out, bar + 1))
        return true;
    if (strlen(out) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = out[i];
        bool digit = c >= '0' && c <= '9';
        switch (shapes[i]) {
        case 'd': if (!digit) return false; break;
        case 'u': if (!digit && !(c >= 'A' && c <= 'Z')) return false; break;
        case 'c': if (!digit && c != 'A' && c != 'B') return false; break;
        default: if (c != shapes[i]) return false;
        }
    }
    return true;
}

typedef int (*code_fn)(const char *, char *, mg_parse_error *);

static int commune(const char *s, char *o, mg_parse_error *w) { return mg_parse_commune(s, o, w); }
static int departement(const char *s, char *o, mg_parse_error *w) { return mg_parse_departement(s, o, w); }
static int postcode(const char *s, char *o, mg_parse_error *w) { return mg_parse_postcode(s, o, w); }
static int siren(const char *s, char *o, mg_parse_error *w) { return mg_parse_siren(s, o, w); }
static int siret(const char *s, char *o, mg_parse_error *w) { return mg_parse_siret(s, o, w); }
static int rna(const char *s, char *o, mg_parse_error *w) { return mg_parse_rna(s, o, w); }
static int finess(const char *s, char *o, mg_parse_error *w) { return mg_parse_finess(s, o, w); }

/* size is the function's MG_PARSE_…_SIZE; shapes the accepted forms. */
static void code(code_fn f, const char *s, size_t size, const char *shapes)
{
    char out[32], again[32];
    memset(out, '#', sizeof out);
    mg_parse_error why = MG_PARSE_ERROR_COUNT, why2;
    int rc = f(s, out, &why);
    check_rc(rc, why);
    if (rc) {
        check(out[0] == '#');
        return;
    }
    /* Nothing written past the documented size. */
    for (size_t i = size; i < sizeof out; i++)
        check(out[i] == '#');
    check(memchr(out, 0, size) != NULL);
    check(shaped(out, shapes));
    check(f(out, again, &why2) == 0 && strcmp(out, again) == 0);
}

/* The data-file parsers, on the raw bytes: no terminator after them. */
static void c_numbers(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    double v = 0.5, back = 0;
    mg_parse_error why = MG_PARSE_ERROR_COUNT, why2;
    int rc = mg_parse_c_double(s, size, &v, &why);
    check_rc(rc, why);
    if (rc) {
        check(v == 0.5);
    } else {
        check(isfinite(v) && !(v == 0 && signbit(v)));
        check(!memchr(s, ' ', size) && !memchr(s, ',', size));
        char p[64];
        int n = snprintf(p, sizeof p, "%.17g", v);
        check(mg_parse_c_double(p, (size_t)n, &back, &why2) == 0);
        check(memcmp(&back, &v, sizeof v) == 0);
    }
    int64_t i = 7, iback = 0;
    rc = mg_parse_c_int(s, size, -1000000, INT64_MAX, &i, &why);
    check_rc(rc, why);
    if (rc) {
        check(i == 7);
        return;
    }
    check(i >= -1000000);
    char p[32];
    int n = snprintf(p, sizeof p, "%" PRId64, i);
    check(mg_parse_c_int(p, (size_t)n, INT64_MIN, INT64_MAX, &iback, &why2) == 0 && iback == i);
    /* An integer is also a number. */
    check(mg_parse_c_double(s, size, &v, &why2) == 0 && v == (double)i);
}

/* A folded name: valid UTF-8 within its buffer, no ASCII capital, no
 * space at either end or twice in a row, no ASCII punctuation, and the
 * same when folded again. */
static void fold(const char *s)
{
    char out[MG_PARSE_FOLD_SIZE], again[MG_PARSE_FOLD_SIZE];
    memset(out, '#', sizeof out);
    memcpy(out, "inchangé", sizeof "inchangé");
    size_t len = 12345;
    mg_parse_error why = MG_PARSE_ERROR_COUNT, why2;
    int rc = mg_parse_fold_name(s, out, &len, &why);
    check_rc(rc, why);
    if (rc) {
        check(strcmp(out, "inchangé") == 0 && len == 12345);
        check(why == MG_PARSE_EMPTY || why == MG_PARSE_TOO_LONG || why == MG_PARSE_UTF8);
        return;
    }
    check(len > 0 && len < MG_PARSE_FOLD_SIZE && strlen(out) == len);
    check(mg_utf8_check(out, len, NULL) == len);
    check(out[0] != ' ' && out[len - 1] != ' ' && !strstr(out, "  "));
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)out[i];
        check(ch >= 0x80 || ch == ' ' || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'));
    }
    size_t len2 = 0;
    if (len > MG_PARSE_NAME_MAX) { /* lengthened by "st" → "saint" */
        check(mg_parse_fold_name(out, again, &len2, &why2) == MG_ELIMIT);
        return;
    }
    check(mg_parse_fold_name(out, again, &len2, &why2) == 0 && len2 == len &&
          strcmp(out, again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256)
        return 0; /* every parser refuses far shorter inputs */
    c_numbers(data, size);
    char s[257];
    memcpy(s, data, size);
    s[size] = 0;
    number(s, -DBL_MAX, DBL_MAX);
    number(s, 0, 100);
    integer(s, INT64_MIN, INT64_MAX);
    integer(s, -5, 1000);
    id(s, INT64_MAX);
    id(s, 1000);
    date(s);
    fold(s);
    code(commune, s, MG_PARSE_COMMUNE_SIZE, "ddddd|2cddd");
    code(departement, s, MG_PARSE_DEPARTEMENT_SIZE, "dd|2c|97d");
    code(postcode, s, MG_PARSE_POSTCODE_SIZE, "ddddd");
    code(siren, s, MG_PARSE_SIREN_SIZE, "ddddddddd");
    code(siret, s, MG_PARSE_SIRET_SIZE, "dddddddddddddd");
    code(rna, s, MG_PARSE_RNA_SIZE, "Wduudddddd");
    code(finess, s, MG_PARSE_FINESS_SIZE, "ddddddddd|2cddddddd");
    return 0;
}
