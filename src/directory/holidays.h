/**
 * @file holidays.h
 * The French public holidays (jours fériés) of any Gregorian year,
 * computed rather than listed: the fixed days of the Code du travail
 * (article L3133-1) and the three days that follow Easter, itself found by
 * the anonymous Gregorian computus. Alsace-Moselle's two extra days (Good
 * Friday and 26 December) come behind a flag. Also the civil-date
 * arithmetic the opening hours evaluator counts days with.
 */
#ifndef MG_DIRECTORY_HOLIDAYS_H
#define MG_DIRECTORY_HOLIDAYS_H

#include <stdbool.h>
#include <stdint.h>

/** Flags of mg_holidays_fr and mg_holiday_fr. */
enum {
    MG_HOLIDAYS_ALSACE_MOSELLE = 1u, /* Good Friday and 26 December as well */
};

/** The most holidays a year can have (11 national, 2 in Alsace-Moselle). */
#define MG_HOLIDAYS_MAX 13

/** One public holiday: its date and its French name. */
typedef struct mg_holiday {
    int month; /* 1..12 */
    int day;   /* 1..31 */
    const char *name; /* static French text, e.g. "Lundi de Pâques" */
} mg_holiday;

/**
 * Easter Sunday of `year` (1583..9999) by the anonymous Gregorian
 * computus (Meeus/Jones/Butcher). Returns 0, or MG_EINVAL for a year out
 * of range.
 */
int mg_easter(int year, int *month, int *day);

/**
 * The public holidays of `year` in date order into out[MG_HOLIDAYS_MAX].
 * Returns their count (11, or 13 with MG_HOLIDAYS_ALSACE_MOSELLE), or
 * MG_EINVAL for a year out of 1583..9999.
 */
int mg_holidays_fr(int year, unsigned flags, mg_holiday out[MG_HOLIDAYS_MAX]);

/**
 * Whether year-month-day is a public holiday; its name into *name (NULL
 * accepted; set to NULL when it is not one). False for invalid dates.
 */
bool mg_holiday_fr(int year, int month, int day, unsigned flags, const char **name);

/** Days since 1970-01-01 of a proleptic Gregorian date (no checks). */
long mg_days_from_civil(int year, int month, int day);

/** The date of a day count of mg_days_from_civil. */
void mg_civil_from_days(long days, int *year, int *month, int *day);

/** The weekday of a day count: 0 Monday … 6 Sunday. */
int mg_weekday(long days);

/** The number of days in a month (February of leap years has 29). */
int mg_days_in_month(int year, int month);

/**
 * Paris civil time at Unix time t: the date, the minute of the day, and
 * the offset from UTC in minutes returned (60 or 120). The EU rule
 * (directive 2000/84/EC) applied by hand rather than through the C
 * library's time zones, which would depend on the host's time-zone
 * database and the process's TZ: UTC+2 from the last Sunday of March
 * 01:00 UTC to the last Sunday of October 01:00 UTC, UTC+1 otherwise.
 */
int mg_paris_civil(int64_t t, int *year, int *month, int *day, int *minute);

#endif
