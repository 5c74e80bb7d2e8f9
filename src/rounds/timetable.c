/*
 * The public timetable of a mobile service's rounds (timetable.h;
 * docs/rounds-publishing.md): the routes of the cycle laid onto the
 * calendar day by day, each stop's local times turned into UTC instants
 * with the EU summer-time rule (mg_booking_utc, booking/booking.h, which
 * does not depend on the host's time-zone database or the process's TZ),
 * school holidays and cancellations looked up per stop.
 */
#include "rounds/timetable.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking/booking.h"
#include "core/alloc.h"
#include "directory/holidays.h"

enum { YEAR_MIN = 1900, YEAR_MAX = 9000, DAY_MINUTES = 1440 };

long mg_rounds_days(mg_rounds_date date)
{
    return mg_days_from_civil(date.year, date.month, date.day);
}

mg_rounds_date mg_rounds_date_of(long days)
{
    mg_rounds_date r;
    mg_civil_from_days(days, &r.year, &r.month, &r.day);
    return r;
}

static bool valid_date(mg_rounds_date x)
{
    return x.year >= YEAR_MIN && x.year <= YEAR_MAX && x.month >= 1 && x.month <= 12 &&
           x.day >= 1 && x.day <= mg_days_in_month(x.year, x.month);
}

static long floor_div(long a, long b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int mg_rounds_service_check(const mg_rounds_service *s, mg_diag *d)
{
    if (!s)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "rounds: no service");
    if (s->id <= 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "rounds: service id must be positive");
    if (!s->name || !*s->name)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "rounds: service name is empty");
    if (s->cycle_weeks < 1 || s->cycle_weeks > MG_ROUNDS_CYCLE_MAX_WEEKS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "rounds: cycle_weeks %d is not in 1..%d", s->cycle_weeks,
                           MG_ROUNDS_CYCLE_MAX_WEEKS);
    if (!valid_date(s->anchor) || mg_weekday(mg_rounds_days(s->anchor)) != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "rounds: anchor %04d-%02d-%02d is not a valid Monday", s->anchor.year,
                           s->anchor.month, s->anchor.day);
    if (!valid_date(s->valid_from) || !valid_date(s->valid_to) ||
        mg_rounds_days(s->valid_to) < mg_rounds_days(s->valid_from))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "rounds: valid_from/valid_to is not a range of valid dates");
    if ((s->nroutes && !s->routes) || (s->nholidays && !s->holidays) ||
        (s->ncancellations && !s->cancellations))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "rounds: a list has a count but no array");
    for (size_t r = 0; r < s->nroutes; r++) {
        const mg_rounds_pub_route *rt = &s->routes[r];
        if (rt->id <= 0 || !rt->vehicle || !*rt->vehicle)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "rounds: route %zu needs a positive id and a vehicle", r + 1);
        if (rt->week < 0 || rt->week >= s->cycle_weeks)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "rounds: route %zu: week %d is not in 0..%d", r + 1, rt->week,
                               s->cycle_weeks - 1);
        if (rt->weekday < 0 || rt->weekday > 6)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "rounds: route %zu: weekday %d is not in 0 (Monday)..6 (Sunday)",
                               r + 1, rt->weekday);
        if (rt->nvisits && !rt->visits)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "rounds: route %zu has no visits array",
                               r + 1);
        for (size_t v = 0; v < rt->nvisits; v++) {
            const mg_rounds_pub_visit *vi = &rt->visits[v];
            if (vi->stop_id <= 0 || !vi->stop_name || !vi->commune_code || !vi->commune_name)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "rounds: route %zu, visit %zu: needs a positive stop_id, a "
                                   "stop name and a commune",
                                   r + 1, v + 1);
            if (vi->arrival < 0 || vi->departure >= DAY_MINUTES || vi->departure < vi->arrival)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "rounds: route %zu, visit %zu: arrival %d and departure %d "
                                   "must be minutes of one day (0..1439), arrival first",
                                   r + 1, v + 1, vi->arrival, vi->departure);
        }
    }
    for (size_t h = 0; h < s->nholidays; h++) {
        const mg_rounds_holiday *ho = &s->holidays[h];
        if (!valid_date(ho->first) || !valid_date(ho->last) ||
            mg_rounds_days(ho->last) < mg_rounds_days(ho->first))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "rounds: holiday %zu: first/last is not a range of valid dates",
                               h + 1);
    }
    for (size_t c = 0; c < s->ncancellations; c++) {
        const mg_rounds_cancellation *ca = &s->cancellations[c];
        if (!valid_date(ca->date) || ca->stop_id < 0)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "rounds: cancellation %zu: invalid date or negative stop_id",
                               c + 1);
    }
    return 0;
}

/* The Unix second at which Paris reads `minute` on `date`, and its DST
 * reading: skipped (March's gap, read with the offset before the change,
 * so 02:30 is the instant clocks show as 03:30) or repeated (October's
 * hour, read as its first pass, summer time). */
static int64_t local_to_utc(mg_rounds_date date, int minute, bool *skipped, bool *repeated)
{
    mg_oh_instant at = {.year = date.year, .month = date.month, .day = date.day, .minute = minute};
    int64_t first = 0, second = 0;
    int n = mg_booking_utc(at, &first, &second);
    *skipped = n == 0;
    *repeated = n == 2;
    if (n > 0)
        return first * 60;
    /* The offset in force before the change: the one of this day's midnight. */
    int64_t midnight = mg_booking_day_start(date.year, date.month, date.day);
    int y, mo, dd, m;
    int offset = mg_paris_civil(midnight * 60, &y, &mo, &dd, &m);
    int64_t wall = (int64_t)mg_rounds_days(date) * DAY_MINUTES + minute;
    return (wall - offset) * 60;
}

static const mg_rounds_holiday *holiday_of(const mg_rounds_service *s, long day)
{
    for (size_t h = 0; h < s->nholidays; h++)
        if (day >= mg_rounds_days(s->holidays[h].first) &&
            day <= mg_rounds_days(s->holidays[h].last))
            return &s->holidays[h];
    return NULL;
}

static const mg_rounds_cancellation *cancellation_of(const mg_rounds_service *s, long day,
                                                     const mg_rounds_pub_route *rt,
                                                     const mg_rounds_pub_visit *vi)
{
    for (size_t c = 0; c < s->ncancellations; c++) {
        const mg_rounds_cancellation *ca = &s->cancellations[c];
        if (mg_rounds_days(ca->date) != day)
            continue;
        if (ca->vehicle && strcmp(ca->vehicle, rt->vehicle) != 0)
            continue;
        if (ca->stop_id != 0 && ca->stop_id != vi->stop_id)
            continue;
        return ca;
    }
    return NULL;
}

static int occurrence_cmp(const void *a, const void *b)
{
    const mg_rounds_occurrence *x = a, *y = b;
    if (x->start_utc != y->start_utc)
        return x->start_utc < y->start_utc ? -1 : 1;
    if (x->route->id != y->route->id)
        return x->route->id < y->route->id ? -1 : 1;
    if (x->visit != y->visit)
        return x->visit < y->visit ? -1 : 1;
    return 0;
}

int mg_rounds_timetable(const mg_rounds_service *s, mg_rounds_date from, mg_rounds_date to,
                        unsigned flags, mg_rounds_occurrence **out, size_t *n, mg_diag *d)
{
    if (!out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_rounds_timetable: bad arguments");
    *out = NULL;
    *n = 0;
    int rc = mg_rounds_service_check(s, d);
    if (rc < 0)
        return rc;
    if (!valid_date(from) || !valid_date(to) || mg_rounds_days(to) < mg_rounds_days(from))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_rounds_timetable: from/to is not a range of valid dates");
    long first = mg_rounds_days(from), last = mg_rounds_days(to);
    if (last - first + 1 > MG_ROUNDS_RANGE_MAX_DAYS)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "mg_rounds_timetable: %ld days asked, at most %d", last - first + 1,
                           MG_ROUNDS_RANGE_MAX_DAYS);
    if (first < mg_rounds_days(s->valid_from))
        first = mg_rounds_days(s->valid_from);
    if (last > mg_rounds_days(s->valid_to))
        last = mg_rounds_days(s->valid_to);
    long anchor = mg_rounds_days(s->anchor);
    mg_rounds_occurrence *v = NULL;
    size_t len = 0, cap = 0;
    for (long day = first; day <= last; day++) {
        int weekday = mg_weekday(day);
        long week = floor_div(day - anchor, 7) % s->cycle_weeks;
        if (week < 0)
            week += s->cycle_weeks;
        mg_rounds_date date = mg_rounds_date_of(day);
        const mg_rounds_holiday *holiday = holiday_of(s, day);
        bool skipped = holiday && !s->runs_in_school_holidays;
        if (skipped && !(flags & MG_ROUNDS_KEEP_SKIPPED))
            continue;
        for (size_t r = 0; r < s->nroutes; r++) {
            const mg_rounds_pub_route *rt = &s->routes[r];
            if (rt->week != week || rt->weekday != weekday)
                continue;
            for (size_t k = 0; k < rt->nvisits; k++) {
                const mg_rounds_pub_visit *vi = &rt->visits[k];
                if (len == cap) {
                    size_t nc = cap ? cap * 2 : 64;
                    if (nc > MG_ROUNDS_OCCURRENCES_MAX)
                        nc = MG_ROUNDS_OCCURRENCES_MAX;
                    if (len == nc) {
                        free(v);
                        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                                           "mg_rounds_timetable: more than %d stops",
                                           MG_ROUNDS_OCCURRENCES_MAX);
                    }
                    mg_rounds_occurrence *nv = mg_realloc_array(v, nc, sizeof *nv);
                    if (!nv) {
                        free(v);
                        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                    }
                    v = nv;
                    cap = nc;
                }
                mg_rounds_occurrence *o = &v[len++];
                memset(o, 0, sizeof *o);
                o->date = date;
                o->weekday = weekday;
                o->start_min = vi->arrival;
                o->end_min = vi->departure;
                bool sk, rep;
                o->start_utc = local_to_utc(date, vi->arrival, &sk, &rep);
                o->dst |= (sk ? MG_ROUNDS_DST_START_SKIPPED : 0u) |
                          (rep ? MG_ROUNDS_DST_START_REPEATED : 0u);
                o->end_utc = local_to_utc(date, vi->departure, &sk, &rep);
                o->dst |= (sk ? MG_ROUNDS_DST_END_SKIPPED : 0u) |
                          (rep ? MG_ROUNDS_DST_END_REPEATED : 0u);
                /* A stop from 02:30 (skipped: read as the instant clocks show
                 * as 03:30) to 03:00 on the March day would end before it
                 * starts: it ends when it starts. */
                if (o->end_utc < o->start_utc)
                    o->end_utc = o->start_utc;
                o->route = rt;
                o->visit = vi;
                o->visit_rank = 1;
                for (size_t j = 0; j < k; j++)
                    if (rt->visits[j].stop_id == vi->stop_id)
                        o->visit_rank++;
                const mg_rounds_cancellation *ca = cancellation_of(s, day, rt, vi);
                o->cancelled = ca != NULL;
                o->cancel_reason = ca && ca->reason ? ca->reason : "";
                o->holiday = holiday;
                o->skipped = skipped;
            }
        }
    }
    if (len > 1)
        qsort(v, len, sizeof *v, occurrence_cmp);
    *out = v;
    *n = len;
    return 0;
}

int mg_rounds_next_stops(const mg_rounds_service *s, const char *commune_code, int64_t t,
                         mg_rounds_occurrence *out, size_t max, mg_diag *d)
{
    if (!commune_code || (max && !out))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_rounds_next_stops: bad arguments");
    int rc = mg_rounds_service_check(s, d);
    if (rc < 0)
        return rc;
    if (max > INT_MAX)
        max = INT_MAX; /* the count is returned as an int */
    int y, mo, dd, m;
    mg_paris_civil(t, &y, &mo, &dd, &m);
    if (y < YEAR_MIN || y > YEAR_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_rounds_next_stops: t out of range");
    long day = mg_days_from_civil(y, mo, dd);
    long end = day + MG_ROUNDS_NEXT_HORIZON_DAYS;
    size_t found = 0;
    /* A stop ends on its own Paris day, so nothing before t's day can. */
    for (long chunk = day; chunk < end && found < max; chunk += 31) {
        long last = chunk + 30 < end - 1 ? chunk + 30 : end - 1;
        mg_rounds_date a = mg_rounds_date_of(chunk), b = mg_rounds_date_of(last);
        if (!valid_date(a) || !valid_date(b))
            break;
        mg_rounds_occurrence *v = NULL;
        size_t n = 0;
        rc = mg_rounds_timetable(s, a, b, 0, &v, &n, d);
        if (rc < 0)
            return rc;
        for (size_t k = 0; k < n && found < max; k++) {
            if (v[k].cancelled || v[k].skipped || v[k].end_utc <= t ||
                strcmp(v[k].visit->commune_code, commune_code) != 0)
                continue;
            out[found++] = v[k];
        }
        free(v);
    }
    return (int)found;
}

void mg_rounds_format_date_fr(mg_rounds_date date, char out[static 48])
{
    static const char *const days[] = {"lundi", "mardi", "mercredi", "jeudi",
                                       "vendredi", "samedi", "dimanche"};
    static const char *const months[] = {"janvier", "février", "mars",      "avril",
                                         "mai",     "juin",    "juillet",   "août",
                                         "septembre", "octobre", "novembre", "décembre"};
    if (!valid_date(date)) {
        snprintf(out, 48, "?");
        return;
    }
    int wd = mg_weekday(mg_rounds_days(date));
    snprintf(out, 48, "%s %d%s %s %d", days[wd], date.day, date.day == 1 ? "er" : "",
             months[date.month - 1], date.year);
}

void mg_rounds_format_minute_fr(int minute, char out[static 12])
{
    if (minute < 0 || minute >= DAY_MINUTES)
        minute = 0;
    snprintf(out, 12, "%d h %02d", minute / 60, minute % 60);
}
