/*
 * Free intervals and slots (slots.h; docs/booking-slots.md): span algebra
 * on half-open intervals of Unix minutes, the open minutes of weekly
 * hours, a resource's free minutes, and the slot starts inside free spans.
 *
 * The weekly hours are read in Paris civil time, minute by minute by
 * definition (a Unix minute t is open when mg_opening_hours_state at
 * mg_booking_local(t) is MG_OH_OPEN), but computed by their changes: the
 * window is cut where Paris changes its offset (01:00 UTC on the last
 * Sundays of March and October); inside each piece the offset is constant,
 * so local time runs with Unix time and the piece's local minutes are
 * walked by mg_opening_hours_next_change, each open run shifted back by
 * the offset. The March piece boundary jumps local time from 02:00 to
 * 03:00 (the skipped hour is never walked, so it has no minutes), the
 * October one takes it back from 03:00 to 02:00 (the repeated hour is
 * walked twice, open twice when its local times are). No loop runs per
 * minute: the cost is one state and one next-change search per change of
 * the hours, and the slot grid advances a step at a time. Hours without
 * dates are walked once per kind of day and reused (below).
 */
#include "booking/slots.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "directory/holidays.h"

enum {
    DAY_MIN = 1440,
    SPANS_MIN_CAP = 16,
};

/* The Unix minutes of 1600-01-01 and 9990-01-01 (UTC): the instants the
 * weekly hours and the slot grid are computed for (opening_hours
 * evaluates the years 1583..9998). */
#define MINUTE_LO (-194601600LL)
#define MINUTE_HI (4218112800LL)

/* --- Span lists ------------------------------------------------------------------------------ */

void mg_spans_free(mg_spans *s)
{
    if (!s)
        return;
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

void mg_spans_clear(mg_spans *s)
{
    s->n = 0;
}

static int reserve(mg_spans *s, size_t want)
{
    if (want <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : SPANS_MIN_CAP;
    while (cap < want) {
        if (cap > SIZE_MAX / 2)
            return MG_ENOMEM;
        cap *= 2;
    }
    mg_span *v = mg_realloc_array(s->v, cap, sizeof *v);
    if (!v)
        return MG_ENOMEM;
    s->v = v;
    s->cap = cap;
    return 0;
}

int mg_spans_push(mg_spans *s, int64_t from, int64_t to)
{
    if (from >= to)
        return 0;
    if (s->n == s->cap) {
        int rc = reserve(s, s->n + 1);
        if (rc)
            return rc;
    }
    s->v[s->n++] = (mg_span){from, to};
    return 0;
}

static int cmp_span(const void *a, const void *b)
{
    const mg_span *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return (x->to > y->to) - (x->to < y->to);
}

/* Merges overlapping and touching spans of a list sorted by `from`. */
static void merge_sorted(mg_spans *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].from >= s->v[i].to)
            continue;
        if (k > 0 && s->v[i].from <= s->v[k - 1].to) {
            if (s->v[i].to > s->v[k - 1].to)
                s->v[k - 1].to = s->v[i].to;
        } else {
            s->v[k++] = s->v[i];
        }
    }
    s->n = k;
}

static bool sorted(const mg_spans *s)
{
    for (size_t i = 1; i < s->n; i++)
        if (s->v[i].from < s->v[i - 1].from)
            return false;
    return true;
}

void mg_spans_normalise(mg_spans *s)
{
    if (s->n > 1 && !sorted(s))
        qsort(s->v, s->n, sizeof s->v[0], cmp_span);
    merge_sorted(s);
}

int mg_spans_intersect(const mg_spans *a, const mg_spans *b, mg_spans *out)
{
    mg_spans_clear(out);
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        int64_t from = a->v[i].from > b->v[j].from ? a->v[i].from : b->v[j].from;
        int64_t to = a->v[i].to < b->v[j].to ? a->v[i].to : b->v[j].to;
        int rc = mg_spans_push(out, from, to);
        if (rc)
            return rc;
        if (a->v[i].to < b->v[j].to)
            i++;
        else
            j++;
    }
    return 0;
}

int mg_spans_subtract(const mg_spans *a, const mg_spans *b, mg_spans *out)
{
    mg_spans_clear(out);
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++) {
        int64_t from = a->v[i].from, to = a->v[i].to;
        while (j < b->n && b->v[j].to <= from)
            j++;
        /* b's spans from j on end after `from`; cut each that starts before `to`. */
        for (size_t k = j; k < b->n && b->v[k].from < to && from < to; k++) {
            int rc = mg_spans_push(out, from, b->v[k].from);
            if (rc)
                return rc;
            if (b->v[k].to > from)
                from = b->v[k].to;
        }
        int rc = mg_spans_push(out, from, to);
        if (rc)
            return rc;
    }
    return 0;
}

int mg_spans_union(const mg_spans *a, const mg_spans *b, mg_spans *out)
{
    mg_spans_clear(out);
    int rc = reserve(out, a->n + b->n);
    if (rc)
        return rc;
    if (sorted(a) && sorted(b)) {
        /* Merge by `from`, then fold (both are usually normalised). */
        size_t i = 0, j = 0;
        while (i < a->n || j < b->n)
            out->v[out->n++] = j >= b->n || (i < a->n && a->v[i].from <= b->v[j].from)
                                   ? a->v[i++]
                                   : b->v[j++];
        merge_sorted(out);
        return 0;
    }
    if (a->n)
        memcpy(out->v, a->v, a->n * sizeof a->v[0]);
    if (b->n)
        memcpy(out->v + a->n, b->v, b->n * sizeof b->v[0]);
    out->n = a->n + b->n;
    mg_spans_normalise(out);
    return 0;
}

bool mg_spans_cover(const mg_spans *s, int64_t from, int64_t to)
{
    if (from >= to)
        return false;
    /* The last span starting at or before `from`. */
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].from <= from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && to <= s->v[lo - 1].to;
}

/* --- Paris offsets ---------------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The Unix minute of 01:00 UTC on the last Sunday of a month. */
static int64_t change_of(int year, int month)
{
    long last = mg_days_from_civil(year, month, 31);
    last -= (mg_weekday(last) + 1) % 7; /* mg_weekday: 0 Monday … 6 Sunday */
    return (int64_t)last * DAY_MIN + 60;
}

/* The Paris offset (minutes) at Unix minute t, and the first Unix minute
 * after t where it changes. */
static int offset_piece(int64_t t, int64_t *next_change)
{
    int y, m, d;
    mg_civil_from_days((long)floor_div(t, DAY_MIN), &y, &m, &d);
    int64_t spring = change_of(y, 3), autumn = change_of(y, 10);
    if (t < spring) {
        *next_change = spring;
        return 60;
    }
    if (t < autumn) {
        *next_change = autumn;
        return 120;
    }
    *next_change = change_of(y + 1, 3);
    return 60;
}

/* --- Weekly hours ----------------------------------------------------------------------------- */

/* The local instant of a count of local minutes since 1970-01-01 00:00. */
static mg_oh_instant instant_of(int64_t wall)
{
    int64_t days = floor_div(wall, DAY_MIN);
    mg_oh_instant at;
    mg_civil_from_days((long)days, &at.year, &at.month, &at.day);
    at.minute = (int)(wall - days * DAY_MIN);
    return at;
}

/*
 * Appends the open minutes of the local range [from, to) (local minutes
 * since 1970-01-01 00:00), shifted by -offset into Unix minutes.
 */
static int walk_local(const mg_opening_hours *hours, int64_t from, int64_t to, int offset,
                      mg_spans *out)
{
    int64_t at = from;
    mg_oh_instant inst = instant_of(at);
    int s = mg_opening_hours_state(hours, inst, NULL);
    if (s < 0)
        return s;
    bool open = s == MG_OH_OPEN;
    int64_t open_from = at;
    while (at < to) {
        /* Days ahead so that [at, at + days) reaches `to`. */
        int64_t days = (to - at + DAY_MIN - 1) / DAY_MIN;
        mg_oh_instant next;
        int found = mg_opening_hours_next_change(hours, inst, (int)(days < 1 ? 1 : days), &next);
        if (found < 0)
            return found;
        int64_t at_next = found ? (int64_t)mg_days_from_civil(next.year, next.month, next.day) *
                                          DAY_MIN + next.minute
                                : to;
        if (at_next >= to)
            break;
        at = at_next;
        inst = next;
        /* After an open run the state is shut (closed or unknown: which one
         * does not matter, the next change is read again); after a shut
         * one it may be open or the other shut state. */
        bool now_open = false;
        if (!open) {
            s = mg_opening_hours_state(hours, inst, NULL);
            if (s < 0)
                return s;
            now_open = s == MG_OH_OPEN;
            if (!now_open)
                continue; /* closed to unknown or back: both shut */
        }
        if (open) {
            int rc = mg_spans_push(out, open_from - offset, at - offset);
            if (rc)
                return rc;
        } else {
            open_from = at;
        }
        open = now_open;
    }
    return open ? mg_spans_push(out, open_from - offset, to - offset) : 0;
}

/* A window the module accepts: Paris dates within the years opening_hours
 * evaluates, at most the longest window long. */
static bool window_ok(int64_t from, int64_t to)
{
    return from >= MINUTE_LO && to <= MINUTE_HI && from < to &&
           to - from <= (int64_t)(MG_BOOKING_HORIZON_DAYS + 2) * DAY_MIN;
}

/* --- Weekly hours by day profiles ------------------------------------------------------------ */

/*
 * Most hours depend on the date only through its weekday and whether it
 * and the day before are public holidays (`PH`, and the spill of a range
 * past midnight): no month or date selector. For those, the open runs of a
 * local day are the same for every day of the same class (weekday, and
 * each of the two days a holiday of France, of Alsace-Moselle only, or
 * neither: the parse's holiday flags are inside the compiled value), so
 * each class is walked once and its runs are reused: a 62-day window
 * walks about ten days instead of 62. The class holds whatever the flags.
 * Hours with month or date selectors take the day-by-day walk above.
 */
enum {
    PROFILE_RUNS_MAX = 32,                /* open runs of one day; more: the plain walk */
    HOLIDAY_CLASSES = 3,                  /* none, national, Alsace-Moselle only */
    PROFILES = 7 * HOLIDAY_CLASSES * HOLIDAY_CLASSES,
};

typedef struct day_profile {
    bool known;
    int n;
    int16_t run[PROFILE_RUNS_MAX][2]; /* [from, to) minutes of the local day */
} day_profile;

typedef struct year_holidays {
    int year; /* 0: not read */
    int n_national, n_alsace;
    mg_holiday national[MG_HOLIDAYS_MAX], alsace[MG_HOLIDAYS_MAX];
} year_holidays;

typedef struct profiles {
    year_holidays years[3];
    day_profile day[PROFILES];
} profiles;

/* Whether the canonical spelling of the hours names a month outside
 * comments (dates are always spelt with their month: `Mar`, `Dec 25`). */
static void hours_are_weekly(const mg_opening_hours *hours, bool *weekly)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    mg_buf b;
    mg_buf_init(&b, 64 * 1024);
    /* Unwritten (no memory): not known to be weekly, the plain walk it is. */
    *weekly = mg_opening_hours_format(hours, &b) == 0 && !b.failed && b.len > 0;
    bool quoted = false;
    for (size_t i = 0; i < b.len && *weekly; i++) {
        if (b.data[i] == '"')
            quoted = !quoted;
        else if (!quoted && i + 3 <= b.len)
            for (int m = 0; m < 12; m++)
                if (memcmp(b.data + i, months[m], 3) == 0)
                    *weekly = false;
    }
    mg_buf_free(&b);
}

/* 0 no holiday, 1 a national one, 2 one of Alsace-Moselle only. */
static int holiday_class(profiles *p, int y, int m, int d)
{
    year_holidays *h = NULL;
    for (int i = 0; i < 3 && !h; i++)
        if (p->years[i].year == y)
            h = &p->years[i];
    for (int i = 0; i < 3 && !h; i++)
        if (p->years[i].year == 0) {
            h = &p->years[i];
            h->year = y;
            h->n_national = mg_holidays_fr(y, 0, h->national);
            h->n_alsace = mg_holidays_fr(y, MG_HOLIDAYS_ALSACE_MOSELLE, h->alsace);
        }
    if (!h)
        return -1; /* more than three years: not for a window of 64 days */
    for (int i = 0; i < h->n_national; i++)
        if (h->national[i].month == m && h->national[i].day == d)
            return 1;
    for (int i = 0; i < h->n_alsace; i++)
        if (h->alsace[i].month == m && h->alsace[i].day == d)
            return 2;
    return 0;
}

/* The open runs of the local day `days` (mg_days_from_civil), walked by its changes. */
static int walk_day(const mg_opening_hours *hours, long days, day_profile *p)
{
    mg_oh_instant at = {0, 0, 0, 0};
    mg_civil_from_days(days, &at.year, &at.month, &at.day);
    int s = mg_opening_hours_state(hours, at, NULL);
    if (s < 0)
        return s;
    bool open = s == MG_OH_OPEN;
    int open_from = 0;
    p->n = 0;
    for (;;) {
        mg_oh_instant next;
        int found = mg_opening_hours_next_change(hours, at, 1, &next);
        if (found < 0)
            return found;
        if (!found || next.day != at.day)
            break;
        at = next;
        bool now_open = false;
        if (!open) {
            s = mg_opening_hours_state(hours, at, NULL);
            if (s < 0)
                return s;
            now_open = s == MG_OH_OPEN;
            if (!now_open)
                continue;
        }
        if (open) {
            if (p->n == PROFILE_RUNS_MAX)
                return 1;
            p->run[p->n][0] = (int16_t)open_from;
            p->run[p->n][1] = (int16_t)at.minute;
            p->n++;
        } else {
            open_from = at.minute;
        }
        open = now_open;
    }
    if (open) {
        if (p->n == PROFILE_RUNS_MAX)
            return 1;
        p->run[p->n][0] = (int16_t)open_from;
        p->run[p->n][1] = DAY_MIN;
        p->n++;
    }
    p->known = true;
    return 0;
}

/*
 * As walk_local, by day profiles. Returns 0, 1 when a day has too many
 * runs (the caller then takes the plain walk), or an error.
 */
static int walk_local_weekly(const mg_opening_hours *hours, profiles *pr, int64_t from,
                             int64_t to, int offset, mg_spans *out)
{
    for (int64_t day = floor_div(from, DAY_MIN); day * DAY_MIN < to; day++) {
        int y, m, d, py, pm, pd;
        mg_civil_from_days((long)day, &y, &m, &d);
        mg_civil_from_days((long)day - 1, &py, &pm, &pd);
        int today = holiday_class(pr, y, m, d), yesterday = holiday_class(pr, py, pm, pd);
        if (today < 0 || yesterday < 0)
            return MG_EINVAL;
        day_profile *p =
            &pr->day[(mg_weekday((long)day) * HOLIDAY_CLASSES + today) * HOLIDAY_CLASSES +
                     yesterday];
        if (!p->known) {
            int rc = walk_day(hours, (long)day, p);
            if (rc)
                return rc;
        }
        int64_t base = day * DAY_MIN;
        for (int i = 0; i < p->n; i++) {
            int64_t a = base + p->run[i][0], b = base + p->run[i][1];
            int rc = mg_spans_push(out, (a > from ? a : from) - offset, (b < to ? b : to) - offset);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int mg_spans_from_hours(const mg_opening_hours *hours, int64_t from, int64_t to, mg_spans *out)
{
    if (!window_ok(from, to))
        return MG_EINVAL;
    if (hours) {
        bool weekly = false;
        hours_are_weekly(hours, &weekly);
        int rc = 0;
        profiles *pr = NULL;
        if (weekly && !(pr = mg_alloc_array(1, sizeof *pr)))
            return MG_ENOMEM;
        size_t n0 = out->n;
        for (int64_t p = from; p < to && rc == 0;) {
            int64_t q;
            int offset = offset_piece(p, &q);
            if (q > to)
                q = to;
            rc = pr ? walk_local_weekly(hours, pr, p + offset, q + offset, offset, out)
                    : walk_local(hours, p + offset, q + offset, offset, out);
            if (rc == 1) {
                /* A day too busy for a profile: all of it again, the plain way. */
                free(pr);
                pr = NULL;
                out->n = n0;
                p = from;
                rc = 0;
                continue;
            }
            p = q;
        }
        free(pr);
        if (rc)
            return rc;
    }
    mg_spans_normalise(out);
    return 0;
}

/* --- Calendars -------------------------------------------------------------------------------- */

/* Appends the parts of spans v[0..n) inside [from, to). */
static int push_clipped(mg_spans *s, const mg_span *v, size_t n, int64_t from, int64_t to)
{
    int rc = reserve(s, s->n + n);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = mg_spans_push(s, v[i].from > from ? v[i].from : from, v[i].to < to ? v[i].to : to);
    return rc;
}

int mg_booking_calendar_free(const mg_booking_calendar *c, int64_t from, int64_t to,
                             mg_spans *out)
{
    mg_spans_clear(out);
    if (!window_ok(from, to))
        return MG_EINVAL;
    mg_spans open = {0}, shut = {0};
    int rc = mg_spans_from_hours(c->hours, from, to, &open);
    if (!rc)
        rc = push_clipped(&open, c->openings, c->nopenings, from, to);
    if (!rc)
        rc = push_clipped(&shut, c->closures, c->nclosures, from, to);
    if (!rc)
        rc = push_clipped(&shut, c->busy, c->nbusy, from, to);
    if (!rc) {
        mg_spans_normalise(&open);
        mg_spans_normalise(&shut);
        rc = mg_spans_subtract(&open, &shut, out);
    }
    mg_spans_free(&open);
    mg_spans_free(&shut);
    if (rc)
        mg_spans_clear(out);
    return rc;
}

/* --- Slots ------------------------------------------------------------------------------------ */

int mg_booking_slot_starts(const mg_spans *free, int64_t from, int duration, int step,
                           int (*fn)(int64_t start, void *ctx), void *ctx)
{
    if (!free || !fn || duration < MG_BOOKING_GRAIN_MIN || duration > MG_BOOKING_DURATION_MAX_MIN ||
        duration % MG_BOOKING_GRAIN_MIN || step < MG_BOOKING_GRAIN_MIN ||
        step > MG_BOOKING_DURATION_MAX_MIN || step % MG_BOOKING_GRAIN_MIN)
        return MG_EINVAL;
    int64_t change = INT64_MIN; /* where the offset in force at t changes next */
    int offset = 0;
    for (size_t i = 0; i < free->n; i++) {
        int64_t t = free->v[i].from > from ? free->v[i].from : from;
        int64_t to = free->v[i].to;
        if (t < MINUTE_LO)
            t = MINUTE_LO;
        if (to > MINUTE_HI)
            to = MINUTE_HI;
        int64_t last = to - duration; /* the latest start inside the span */
        while (t <= last) {
            if (t >= change)
                offset = offset_piece(t, &change);
            /* The local minute of the day (the offset is constant up to `change`). */
            int64_t wall = t + offset;
            int of_day = (int)(wall - floor_div(wall, DAY_MIN) * DAY_MIN);
            int r = of_day % step, delta = step - r;
            if (r == 0) {
                int rc = fn(t, ctx);
                if (rc)
                    return rc;
            }
            /* To the next grid minute; at most to the local midnight, which
             * restarts the grid when the step does not divide the day, and
             * to the change of offset, where the grid is read again. */
            if (delta > DAY_MIN - of_day)
                delta = DAY_MIN - of_day;
            t = t + delta > change ? change : t + delta;
        }
    }
    return 0;
}
