/*
 * Numbers, integers and ids (the grammar is in parse.h).
 *
 * A number is checked by the grammar first and rewritten as plain ASCII
 * ("-1234.5e3": sign, digits without group separators, a dot, the
 * exponent) before strtod turns it into the correctly rounded double
 * (to_double below, the one strtod call). strtod reads the decimal point
 * of the LC_NUMERIC locale, so to_double writes that one in place of the
 * dot: the result does not depend on setlocale. strtod and strtol are
 * allowed in src/parse/ only (tests/lint/banned_functions.sh): everything
 * else calls these functions.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/internal.h"

/* U+2212 MINUS SIGN, as spreadsheets print negative numbers. */
static const char minus_sign[] = "\xE2\x88\x92";

/* Consumes an optional sign; returns true when it is a minus. */
static bool sign(mg_cursor *c)
{
    if (cur_byte(c, '+'))
        return false;
    if (cur_byte(c, '-'))
        return true;
    if (c->end - c->p >= 3 && memcmp(c->p, minus_sign, 3) == 0) {
        c->p += 3;
        return true;
    }
    return false;
}

/*
 * The integer part: plain digits, or groups of three after a first group of
 * one to three that does not start with 0, separated by single spaces. The
 * digits are appended to buf at *k (buf holds at least as many bytes as the
 * span, so it cannot overflow). A space not followed by a digit is left for
 * the caller, which refuses it.
 */
static mg_parse_error int_part(mg_cursor *c, char *buf, size_t *k)
{
    const char *start = c->p;
    size_t first = mg_parse__digits(c, SIZE_MAX);
    if (first == 0)
        return MG_PARSE_NOT_NUMBER;
    memcpy(buf + *k, start, first);
    *k += first;
    bool grouped = false;
    for (;;) {
        size_t sp = mg_parse__space_at(c->p, c->end);
        if (sp == 0 || c->p + sp >= c->end || !is_digit((unsigned char)c->p[sp]))
            return MG_PARSE_OK;
        if (!grouped && (first > 3 || start[0] == '0'))
            return MG_PARSE_GROUPING;
        grouped = true;
        c->p += sp;
        const char *g = c->p;
        if (mg_parse__digits(c, SIZE_MAX) != 3)
            return MG_PARSE_GROUPING;
        memcpy(buf + *k, g, 3);
        *k += 3;
    }
}

static bool is_mark(int ch)
{
    return ch == ',' || ch == '.';
}

/*
 * The double of buf[0..k): ASCII already checked by a grammar that is a
 * subset of strtod's (sign, digits, at most one '.', exponent), with room
 * for a terminator at buf[k]. The dot is replaced by the locale's decimal
 * point (a single byte in every locale glibc ships but a few, which fall
 * back on the dot), so that strtod reads it whatever setlocale was told.
 * Overflow is MG_PARSE_RANGE; -0 reads as 0.
 */
static mg_parse_error to_double(char *buf, size_t k, double *out)
{
    buf[k] = 0;
    char *dot = memchr(buf, '.', k);
    if (dot) {
        const char *dp = localeconv()->decimal_point;
        *dot = dp && dp[0] && !dp[1] ? dp[0] : '.';
    }
    char *stop;
    errno = 0;
    double v = strtod(buf, &stop);
    if (stop != buf + k)
        return MG_PARSE_NOT_NUMBER;
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
        return MG_PARSE_RANGE;
    *out = v == 0 ? 0 : v; /* -0 reads as 0 */
    return MG_PARSE_OK;
}

int mg_parse_number(const char *s, double min, double max, double *out, mg_parse_error *why)
{
    if (!(min <= max))
        return mg_parse__fail(why, MG_PARSE_RANGE);
    mg_cursor c;
    mg_parse_error e = mg_parse__text(s, MG_PARSE_NUMBER_MAX, &c);
    if (e)
        return mg_parse__fail(why, e);
    /* The rewritten number is never longer than the span it comes from. */
    char buf[MG_PARSE_NUMBER_MAX + 1];
    size_t k = 0;
    if (sign(&c))
        buf[k++] = '-';
    e = int_part(&c, buf, &k);
    if (e)
        return mg_parse__fail(why, e);
    if (is_mark(cur_peek(&c))) {
        c.p++;
        buf[k++] = '.';
        const char *d = c.p;
        size_t n = mg_parse__digits(&c, SIZE_MAX);
        if (n == 0)
            return mg_parse__fail(why, is_mark(cur_peek(&c)) ? MG_PARSE_SEPARATOR
                                                             : MG_PARSE_NOT_NUMBER);
        memcpy(buf + k, d, n);
        k += n;
    }
    if (is_mark(cur_peek(&c)))
        return mg_parse__fail(why, MG_PARSE_SEPARATOR);
    if (cur_peek(&c) == 'e' || cur_peek(&c) == 'E') {
        c.p++;
        buf[k++] = 'e';
        if (cur_byte(&c, '-'))
            buf[k++] = '-';
        else
            (void)cur_byte(&c, '+');
        const char *d = c.p;
        size_t n = mg_parse__digits(&c, 3);
        if (n == 0)
            return mg_parse__fail(why, MG_PARSE_NOT_NUMBER);
        memcpy(buf + k, d, n);
        k += n;
    }
    if (!cur_end(&c))
        return mg_parse__fail(why, is_mark(cur_peek(&c)) ? MG_PARSE_SEPARATOR
                                                         : MG_PARSE_NOT_NUMBER);
    double v;
    e = to_double(buf, k, &v);
    if (e)
        return mg_parse__fail(why, e);
    if (v < min || v > max)
        return mg_parse__fail(why, MG_PARSE_RANGE);
    *out = v;
    return mg_parse__ok(why);
}

/* The value of digits[0..n) with a sign, or MG_PARSE_RANGE past int64. */
static mg_parse_error accumulate(const char *digits, size_t n, bool neg, int64_t *v)
{
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    uint64_t mag = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(digits[i] - '0');
        if (mag > (limit - d) / 10u)
            return MG_PARSE_RANGE;
        mag = mag * 10u + d;
    }
    if (!neg)
        *v = (int64_t)mag;
    else if (mag == (uint64_t)INT64_MAX + 1u)
        *v = INT64_MIN;
    else
        *v = -(int64_t)mag;
    return MG_PARSE_OK;
}

int mg_parse_int(const char *s, int64_t min, int64_t max, int64_t *out, mg_parse_error *why)
{
    if (min > max)
        return mg_parse__fail(why, MG_PARSE_RANGE);
    mg_cursor c;
    mg_parse_error e = mg_parse__text(s, MG_PARSE_NUMBER_MAX, &c);
    if (e)
        return mg_parse__fail(why, e);
    char digits[MG_PARSE_NUMBER_MAX + 1];
    size_t k = 0;
    bool neg = sign(&c);
    e = int_part(&c, digits, &k);
    if (e)
        return mg_parse__fail(why, e);
    int next = cur_peek(&c);
    if (is_mark(next) || next == 'e' || next == 'E')
        return mg_parse__fail(why, MG_PARSE_NOT_INTEGER);
    if (!cur_end(&c))
        return mg_parse__fail(why, MG_PARSE_NOT_NUMBER);
    int64_t v;
    e = accumulate(digits, k, neg, &v);
    if (e)
        return mg_parse__fail(why, e);
    if (v < min || v > max)
        return mg_parse__fail(why, MG_PARSE_RANGE);
    *out = v;
    return mg_parse__ok(why);
}

int mg_parse_id(const char *s, int64_t max, int64_t *out, mg_parse_error *why)
{
    if (max < 1)
        return mg_parse__fail(why, MG_PARSE_RANGE);
    if (!s)
        return mg_parse__fail(why, MG_PARSE_EMPTY);
    size_t n = strnlen(s, MG_PARSE_ID_MAX + 1);
    if (n == 0)
        return mg_parse__fail(why, MG_PARSE_EMPTY);
    if (n > MG_PARSE_ID_MAX)
        return mg_parse__fail(why, MG_PARSE_TOO_LONG);
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i]))
            return mg_parse__fail(why, MG_PARSE_NOT_ID);
    if (s[0] == '0')
        return mg_parse__fail(why, n == 1 ? MG_PARSE_RANGE : MG_PARSE_NOT_ID);
    int64_t v;
    mg_parse_error e = accumulate(s, n, false, &v);
    if (e || v > max)
        return mg_parse__fail(why, MG_PARSE_RANGE);
    *out = v;
    return mg_parse__ok(why);
}

/* Consumes ASCII digits of the span at *p, at most up to end; returns how many. */
static size_t c_digits(const char **p, const char *end)
{
    size_t n = 0;
    while (*p < end && is_digit((unsigned char)**p)) {
        (*p)++;
        n++;
    }
    return n;
}

int mg_parse_c_double(const char *s, size_t len, double *out, mg_parse_error *why)
{
    if (!s || len == 0)
        return mg_parse__fail(why, MG_PARSE_EMPTY);
    if (len > MG_PARSE_NUMBER_MAX)
        return mg_parse__fail(why, MG_PARSE_TOO_LONG);
    const char *p = s, *end = s + len;
    if (*p == '+' || *p == '-')
        p++;
    size_t digits = c_digits(&p, end);
    if (p < end && *p == '.') {
        p++;
        digits += c_digits(&p, end);
    }
    if (digits == 0)
        return mg_parse__fail(why, MG_PARSE_NOT_NUMBER);
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        size_t n = c_digits(&p, end);
        if (n == 0 || n > 4)
            return mg_parse__fail(why, MG_PARSE_NOT_NUMBER);
    }
    if (p != end)
        return mg_parse__fail(why, MG_PARSE_NOT_NUMBER);
    char buf[MG_PARSE_NUMBER_MAX + 1];
    memcpy(buf, s, len);
    double v;
    mg_parse_error e = to_double(buf, len, &v);
    if (e)
        return mg_parse__fail(why, e);
    *out = v;
    return mg_parse__ok(why);
}

int mg_parse_c_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out,
                   mg_parse_error *why)
{
    if (min > max)
        return mg_parse__fail(why, MG_PARSE_RANGE);
    if (!s || len == 0)
        return mg_parse__fail(why, MG_PARSE_EMPTY);
    if (len > MG_PARSE_NUMBER_MAX)
        return mg_parse__fail(why, MG_PARSE_TOO_LONG);
    const char *p = s, *end = s + len;
    bool neg = *p == '-';
    if (*p == '+' || *p == '-')
        p++;
    const char *digits = p;
    size_t n = c_digits(&p, end);
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
        return mg_parse__fail(why, n ? MG_PARSE_NOT_INTEGER : MG_PARSE_NOT_NUMBER);
    if (n == 0 || p != end)
        return mg_parse__fail(why, MG_PARSE_NOT_NUMBER);
    int64_t v;
    mg_parse_error e = accumulate(digits, n, neg, &v);
    if (e)
        return mg_parse__fail(why, e);
    if (v < min || v > max)
        return mg_parse__fail(why, MG_PARSE_RANGE);
    *out = v;
    return mg_parse__ok(why);
}
