/*
 * Unix minutes and Europe/Paris civil time for the booking module
 * (booking.h, "Time"; docs/booking-slots.md).
 *
 * Paris time is the EU summer-time rule applied by hand (mg_paris_civil of
 * directory/holidays.h): UTC+2 from the last Sunday of March 01:00 UTC to
 * the last Sunday of October 01:00 UTC, UTC+1 otherwise. The C library's
 * time zones are not used, so that the answers depend neither on the
 * host's time-zone database nor on the process's TZ (tests/unit/
 * test_booking_time.c checks them against that database all the same).
 *
 * So every local time has one Unix minute, except the hour skipped on the
 * last Sunday of March (02:00 to 02:59 do not exist: 01:59 is followed by
 * 03:00) and the hour repeated on the last Sunday of October (02:00 to
 * 02:59 happen twice, first in summer time at 00:xxZ, then in winter time
 * at 01:xxZ).
 *
 * Range: instants are clamped to the years 1583..9998 of Paris time (the
 * years opening_hours evaluates), so that a conversion never overflows and
 * a formatted year always has four digits; parsed and converted local
 * times outside those years are refused.
 */
#include "booking/booking.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "directory/holidays.h"
#include "parse/parse.h"

enum {
    YEAR_MIN = 1583,
    YEAR_MAX = 9998,
    DAY_MIN = 1440,
};

/* Floor division of a by a positive b. */
static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The first and last Unix minutes whose Paris date lies in YEAR_MIN..YEAR_MAX
 * (local midnight is never skipped, and 1 January is winter time: UTC+1). */
static int64_t minute_min(void)
{
    return (int64_t)mg_days_from_civil(YEAR_MIN, 1, 1) * DAY_MIN - 60;
}

static int64_t minute_max(void)
{
    return (int64_t)mg_days_from_civil(YEAR_MAX + 1, 1, 1) * DAY_MIN - 60 - 1;
}

int64_t mg_booking_now(void)
{
    return floor_div((int64_t)time(NULL), 60);
}

mg_oh_instant mg_booking_local(int64_t minute)
{
    if (minute < minute_min())
        minute = minute_min();
    else if (minute > minute_max())
        minute = minute_max();
    mg_oh_instant at;
    mg_paris_civil(minute * 60, &at.year, &at.month, &at.day, &at.minute);
    return at;
}

static bool valid_local(mg_oh_instant at)
{
    return at.year >= YEAR_MIN && at.year <= YEAR_MAX && at.month >= 1 && at.month <= 12 &&
           at.day >= 1 && at.day <= mg_days_in_month(at.year, at.month) && at.minute >= 0 &&
           at.minute < DAY_MIN;
}

/* The Paris offset (minutes) in force at a Unix minute. */
static int offset_at(int64_t minute)
{
    int y, m, d, min;
    return mg_paris_civil(minute * 60, &y, &m, &d, &min);
}

int mg_booking_utc(mg_oh_instant local, int64_t *first, int64_t *second)
{
    if (!valid_local(local))
        return MG_EINVAL;
    int64_t wall = (int64_t)mg_days_from_civil(local.year, local.month, local.day) * DAY_MIN +
                   local.minute;
    /* The reading as summer time comes first in Unix time; each reading is
     * right when the offset in force at its instant is the one it assumed. */
    int64_t candidates[2] = {wall - 120, wall - 60};
    int offsets[2] = {120, 60};
    int n = 0;
    for (int i = 0; i < 2; i++) {
        if (offset_at(candidates[i]) != offsets[i])
            continue;
        if (n == 0)
            *first = candidates[i];
        else if (second)
            *second = candidates[i];
        n++;
    }
    return n;
}

int64_t mg_booking_day_start(int year, int month, int day)
{
    int64_t wall = (int64_t)mg_days_from_civil(year, month, day) * DAY_MIN;
    /* Midnight is never in the skipped or repeated hour: exactly one reading holds. */
    return offset_at(wall - 120) == 120 ? wall - 120 : wall - 60;
}

/* Writes v (0 <= v < 10^n) as n digits at p; returns p + n. */
static char *put_digits(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + n;
}

/* "YYYY-MM-DDTHH:MM" (16 bytes, no NUL) at p; returns p + 16. The clamp
 * keeps the year to four digits. */
static char *put_date_time(char *p, int y, int m, int d, int minute)
{
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, minute / 60, 2);
    *p++ = ':';
    return put_digits(p, minute % 60, 2);
}

void mg_booking_format_local(int64_t minute, char out[static 17])
{
    mg_oh_instant at = mg_booking_local(minute);
    *put_date_time(out, at.year, at.month, at.day, at.minute) = 0;
}

/* The value of n decimal digits at s, or -1 when one is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int mg_booking_parse_local(const char *s, int64_t *minute)
{
    if (!s)
        return MG_EINVAL;
    /* "YYYY-MM-DDTHH:MM", or with ":00" seconds as some browsers send a
     * datetime-local field's value. */
    size_t len = strnlen(s, 20);
    if (len != 16 && !(len == 19 && s[16] == ':' && s[17] == '0' && s[18] == '0'))
        return MG_EINVAL;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':')
        return MG_EINVAL;
    int hour = digits(s + 11, 2), min = digits(s + 14, 2);
    mg_oh_instant at = {digits(s, 4), digits(s + 5, 2), digits(s + 8, 2), 0};
    if (hour < 0 || hour > 23 || min < 0 || min > 59)
        return MG_EINVAL;
    at.minute = hour * 60 + min;
    int64_t first;
    int n = mg_booking_utc(at, &first, NULL);
    if (n <= 0)
        return MG_EINVAL; /* invalid, or skipped by the change to summer time */
    *minute = first;
    return 0;
}

void mg_booking_format_utc(int64_t minute, char out[static 21])
{
    if (minute < minute_min())
        minute = minute_min();
    else if (minute > minute_max())
        minute = minute_max();
    int64_t days = floor_div(minute, DAY_MIN);
    int of_day = (int)(minute - days * DAY_MIN);
    int y, m, d;
    mg_civil_from_days((long)days, &y, &m, &d);
    memcpy(put_date_time(out, y, m, d, of_day), ":00Z", 5);
}

void mg_booking_format_fr(int64_t minute, char out[static 64])
{
    static const char *const weekdays[7] = {"lundi",    "mardi",  "mercredi", "jeudi",
                                            "vendredi", "samedi", "dimanche"};
    static const char *const months[12] = {"janvier", "février", "mars",      "avril",
                                           "mai",     "juin",    "juillet",   "août",
                                           "septembre", "octobre", "novembre", "décembre"};
    mg_oh_instant at = mg_booking_local(minute);
    int wd = mg_weekday(mg_days_from_civil(at.year, at.month, at.day));
    snprintf(out, 64, "%s %d%s %s %d à %d h %02d", weekdays[wd], at.day,
             at.day == 1 ? "er" : "", months[at.month - 1], at.year, at.minute / 60,
             at.minute % 60);
}

/* The first minute of the Paris day after the one that starts at start. */
static int64_t mg_booking_day_start_after(int64_t start)
{
    mg_oh_instant t = mg_booking_local(start + 26 * 60);
    return mg_booking_day_start(t.year, t.month, t.day);
}

/* Written by hand: the forms' date and time fields take the browser's
 * datetime-local value and what people type in French ("29/03/2026 10h30");
 * the date part is parse/parse.h's, the local time mg_booking_parse_local's. */
int mg_booking_parse_typed(const char *typed, bool end_of_day, int64_t *out)
{
    if (!typed)
        return MG_EINVAL;
    while (*typed == ' ')
        typed++;
    size_t n = strlen(typed);
    while (n && typed[n - 1] == ' ')
        n--;
    if (n < 10 || n > 24)
        return MG_EINVAL;
    char date[11];
    memcpy(date, typed, 10);
    date[10] = 0;
    mg_date dt;
    mg_parse_error why;
    if (mg_parse_date(date, &dt, &why) != 0 || dt.year < 1971 || dt.year > 9000)
        return MG_EINVAL;
    const char *p = typed + 10, *end = typed + n;
    if (p == end) {
        int64_t s = mg_booking_day_start(dt.year, dt.month, dt.day);
        *out = end_of_day ? mg_booking_day_start_after(s) : s;
        return MG_OK;
    }
    if (*p != 'T' && *p != ' ')
        return MG_EINVAL;
    p++;
    while (p < end && *p == ' ')
        p++;
    int h = 0, m = 0, digits = 0;
    while (p < end && *p >= '0' && *p <= '9' && digits < 2) {
        h = h * 10 + (*p++ - '0');
        digits++;
    }
    if (!digits)
        return MG_EINVAL;
    while (p < end && *p == ' ')
        p++;
    if (p < end && (*p == ':' || *p == 'h' || *p == 'H')) {
        p++;
        while (p < end && *p == ' ')
            p++;
        digits = 0;
        while (p < end && *p >= '0' && *p <= '9' && digits < 2) {
            m = m * 10 + (*p++ - '0');
            digits++;
        }
        if (digits == 1)
            return MG_EINVAL;
        /* Seconds a browser may add (":00") are accepted when zero. */
        if (p + 3 <= end && p[0] == ':' && p[1] == '0' && p[2] == '0')
            p += 3;
    }
    if (p != end || h > 23 || m > 59)
        return MG_EINVAL;
    char iso[32];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d", dt.year, dt.month, dt.day, h, m);
    return mg_booking_parse_local(iso, out) == 0 ? MG_OK : MG_EINVAL;
}
