/*
 * The Europe/Paris VTIMEZONE and Paris date-time properties of the
 * iCalendar feeds (ical_tz.h), moved here from booking/ical.c so that the
 * booking and rounds feeds write Paris time the same way.
 */
#include "output/ical_tz.h"

#include <stdbool.h>
#include <time.h>

#include "directory/holidays.h"

/* The EU rule since 1996 (directive 2000/84/EC: summer time from the last
 * Sunday of March to the last Sunday of October, the change at 01:00 UTC). */
static const char vtimezone_text[] =
    "BEGIN:VTIMEZONE\r\n"
    "TZID:" MG_ICAL_PARIS_TZID "\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZNAME:CEST\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZNAME:CET\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

const char *mg_ical_paris_vtimezone_text(void)
{
    return vtimezone_text;
}

icalcomponent *mg_ical_paris_vtimezone(void)
{
    return icalcomponent_new_from_string(vtimezone_text);
}

icalproperty *mg_ical_paris_time(icalproperty *(*make)(struct icaltimetype), int64_t t)
{
    int y, mo, dd, m, y2, mo2, dd2, m2;
    int offset = mg_paris_civil(t, &y, &mo, &dd, &m);
    /* The same local time an hour later in winter time (first pass) or an
     * hour before in summer time (second pass): the repeated hour. */
    int64_t twin = offset == 120 ? t + 3600 : t - 3600;
    bool repeated = mg_paris_civil(twin, &y2, &mo2, &dd2, &m2) != offset && y2 == y &&
                    mo2 == mo && dd2 == dd && m2 == m;
    struct icaltimetype v = icaltime_null_time();
    v.is_date = 0;
    if (repeated) {
        v = icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
        return make(v);
    }
    v.year = y;
    v.month = mo;
    v.day = dd;
    v.hour = m / 60;
    v.minute = m % 60;
    v.second = 0;
    icalproperty *p = make(v);
    if (p)
        icalproperty_add_parameter(p, icalparameter_new_tzid(MG_ICAL_PARIS_TZID));
    return p;
}
