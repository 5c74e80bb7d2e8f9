/*
 * French public holidays computed from the year; see holidays.h.
 */
#include "directory/holidays.h"

#include "core/error.h"

int mg_easter(int year, int *month, int *day)
{
    if (year < 1583 || year > 9999)
        return MG_EINVAL;
    /* The anonymous Gregorian algorithm, in integer arithmetic. */
    int a = year % 19, b = year / 100, c = year % 100;
    int d = b / 4, e = b % 4;
    int f = (b + 8) / 25;
    int g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int n = h + l - 7 * m + 114;
    *month = n / 31;
    *day = n % 31 + 1;
    return 0;
}

long mg_days_from_civil(int year, int month, int day)
{
    /* Shift the year to start in March so that the leap day comes last. */
    long y = (long)year - (month <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (month + 9) % 12;
    long doy = (153 * mp + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void mg_civil_from_days(long days, int *year, int *month, int *day)
{
    long z = days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = m;
    *day = d;
}

int mg_weekday(long days)
{
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    long w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int mg_days_in_month(int year, int month)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return len[month - 1];
}

/* Appends a holiday keeping the list in date order (it is tiny). */
static void add(mg_holiday *out, int *n, int month, int day, const char *name)
{
    int i = *n;
    while (i > 0 && (out[i - 1].month > month || (out[i - 1].month == month && out[i - 1].day > day))) {
        out[i] = out[i - 1];
        i--;
    }
    out[i] = (mg_holiday){.month = month, .day = day, .name = name};
    (*n)++;
}

/* Adds the holiday `offset` days after Easter Sunday. */
static void add_easter(mg_holiday *out, int *n, long easter, int offset, const char *name)
{
    int y, m, d;
    mg_civil_from_days(easter + offset, &y, &m, &d);
    add(out, n, m, d, name);
}

int mg_holidays_fr(int year, unsigned flags, mg_holiday out[MG_HOLIDAYS_MAX])
{
    int em, ed;
    if (mg_easter(year, &em, &ed) != 0)
        return MG_EINVAL;
    long easter = mg_days_from_civil(year, em, ed);
    int n = 0;
    add(out, &n, 1, 1, "Jour de l'an");
    add(out, &n, 5, 1, "Fête du Travail");
    add(out, &n, 5, 8, "Victoire 1945");
    add(out, &n, 7, 14, "Fête nationale");
    add(out, &n, 8, 15, "Assomption");
    add(out, &n, 11, 1, "Toussaint");
    add(out, &n, 11, 11, "Armistice 1918");
    add(out, &n, 12, 25, "Noël");
    add_easter(out, &n, easter, 1, "Lundi de Pâques");
    add_easter(out, &n, easter, 39, "Ascension");
    add_easter(out, &n, easter, 50, "Lundi de Pentecôte");
    if (flags & MG_HOLIDAYS_ALSACE_MOSELLE) {
        add_easter(out, &n, easter, -2, "Vendredi saint");
        add(out, &n, 12, 26, "Saint-Étienne");
    }
    return n;
}

bool mg_holiday_fr(int year, int month, int day, unsigned flags, const char **name)
{
    if (name)
        *name = NULL;
    if (day < 1 || day > mg_days_in_month(year, month))
        return false;
    /* The year's holidays are computed once per thread and kept for the
     * next call: the booking's slots ask day after day of the same year
     * (Easter's computation was two thirds of a fortnight's weekly hours). */
    static _Thread_local struct {
        int year;
        unsigned flags;
        int n;
        mg_holiday h[MG_HOLIDAYS_MAX];
    } cache = {.year = -1};
    if (cache.year != year || cache.flags != flags) {
        cache.n = mg_holidays_fr(year, flags, cache.h);
        cache.year = cache.n < 0 ? -1 : year;
        cache.flags = flags;
    }
    const mg_holiday *h = cache.h;
    int n = cache.n;
    for (int i = 0; i < n; i++)
        if (h[i].month == month && h[i].day == day) {
            if (name)
                *name = h[i].name;
            return true;
        }
    return false;
}

/* Days since 1970-01-01 of the last Sunday of month m of year y. */
static long last_sunday(int y, int m)
{
    long days = mg_days_from_civil(y, m, mg_days_in_month(y, m));
    return days - (mg_weekday(days) + 1) % 7;
}

int mg_paris_civil(int64_t t, int *year, int *month, int *day, int *minute)
{
    int64_t d0 = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int y, m, dd;
    mg_civil_from_days((long)d0, &y, &m, &dd);
    int64_t start = (int64_t)last_sunday(y, 3) * 86400 + 3600;
    int64_t end = (int64_t)last_sunday(y, 10) * 86400 + 3600;
    int offset = t >= start && t < end ? 120 : 60;
    int64_t local = t + offset * 60;
    int64_t lday = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    mg_civil_from_days((long)lday, year, month, day);
    *minute = (int)((local - lday * 86400) / 60);
    return offset;
}
