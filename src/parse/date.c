/*
 * Dates as ISO 8601 "2026-12-04" or French "04/12/2026" (parse.h). The
 * shape is recognised first, then the year is bounded, then the month and
 * day are checked against the calendar.
 */
#include "parse/internal.h"

int mg_date_valid(int year, int month, int day)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1)
        return 0;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int last = days[month - 1] + (month == 2 && leap);
    return day <= last;
}

/* Reads between min and max digits as a number; -1 when there are fewer. */
static int number(mg_cursor *c, size_t min, size_t max)
{
    const char *d = c->p;
    size_t n = mg_parse__digits(c, max);
    if (n < min)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (d[i] - '0');
    return v;
}

int mg_parse_date(const char *s, mg_date *out, mg_parse_error *why)
{
    mg_cursor c;
    mg_parse_error e = mg_parse__text(s, MG_PARSE_DATE_MAX, &c);
    if (e)
        return mg_parse__fail(why, e);
    mg_cursor iso = c, fr = c;
    int y = 0, m = 0, d = 0;
    /* ISO: exactly four, two and two digits; nothing may follow a
     * maximal run of digits, which the end checks below ensure. */
    if ((y = number(&iso, 4, 4)) >= 0 && cur_byte(&iso, '-') && (m = number(&iso, 2, 2)) >= 0 &&
        cur_byte(&iso, '-') && (d = number(&iso, 2, 2)) >= 0 && cur_end(&iso)) {
        /* y, m and d are set */
    } else if ((d = number(&fr, 1, 2)) >= 0 && cur_byte(&fr, '/') &&
               (m = number(&fr, 1, 2)) >= 0 && cur_byte(&fr, '/') &&
               (y = number(&fr, 4, 4)) >= 0 && cur_end(&fr)) {
        /* day, month, year */
    } else {
        return mg_parse__fail(why, MG_PARSE_NOT_DATE);
    }
    if (y < 1583)
        return mg_parse__fail(why, MG_PARSE_RANGE);
    if (!mg_date_valid(y, m, d))
        return mg_parse__fail(why, MG_PARSE_NO_SUCH_DAY);
    *out = (mg_date){.year = y, .month = m, .day = d};
    return mg_parse__ok(why);
}
