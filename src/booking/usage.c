/*
 * How the equipment is used (usage.h; docs/booking-usage.md): per device
 * and ISO week or month, the hours open (from the rules, slots.h), the
 * hours booked and the counts of bookings (by the database); the monthly
 * count of assisted teleconsultations per host; their workbook; the
 * indicator providers "booking.hours" and "booking.done".
 *
 * Periods are made of Paris civil days. The database cannot place an
 * instant in a Paris day by itself on both dialects (SQLite has no time
 * zones), so the bounds of each period are computed here as Unix minutes
 * (mg_booking_day_start), passed to the database as parameters, and the
 * database places each booking by a CASE over them and counts GROUP BY
 * device and period (up to 29 periods a query) or GROUP BY site and month
 * (one query per year, over the thirteen bounds of the year). A booking
 * belongs to the period of its start, all its minutes with it. Reads only.
 */
#include "booking/usage.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking/slots.h"
#include "core/buf.h"
#include "directory/holidays.h"
#include "directory/opening_hours.h"
#include "output/workbook.h"

enum {
    USAGE_DAYS_MAX = 1100, /* about three years of days in one table */
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* --- Days and periods ------------------------------------------------------------------------ */

/* "YYYY-MM-DD" into a day count (mg_days_from_civil); false when it is not one. */
/* The value of n decimal digits (already checked to be digits). */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static bool parse_day(const char *s, long *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1970 || y > 9000 || m < 1 || m > 12 || d < 1 || d > mg_days_in_month(y, m))
        return false;
    *out = mg_days_from_civil(y, m, d);
    return true;
}

static int64_t day_start(long day)
{
    int y, m, d;
    mg_civil_from_days(day, &y, &m, &d);
    return mg_booking_day_start(y, m, d);
}

/* A period: its label, its first and last days, its Unix minutes [lo, hi). */
struct period {
    char label[9];
    long first, last;
    int64_t lo, hi;
};

/* The ISO week of a day: its year and number. */
static void iso_week(long day, int *year, int *week)
{
    long thursday = day - mg_weekday(day) + 3;
    int y, m, d;
    mg_civil_from_days(thursday, &y, &m, &d);
    *year = y;
    *week = (int)((thursday - mg_days_from_civil(y, 1, 1)) / 7 + 1);
}

/* The periods of [from, to] (day counts), each clipped to it; *out new array. */
static int periods_of(long from, long to, mg_booking_period kind, struct period **out, size_t *n)
{
    size_t cap = (size_t)(to - from) / 7 + 3;
    struct period *v = calloc(cap, sizeof *v);
    if (!v)
        return MG_ENOMEM;
    size_t k = 0;
    for (long day = from; day <= to && k < cap;) {
        struct period *p = &v[k++];
        int y, m, d;
        mg_civil_from_days(day, &y, &m, &d);
        long end;
        if (kind == MG_BOOKING_WEEK) {
            int iy, iw;
            iso_week(day, &iy, &iw);
            snprintf(p->label, sizeof p->label, "%04u-W%02u", (unsigned)iy % 10000u, (unsigned)iw % 100u);
            end = day - mg_weekday(day) + 6;
        } else {
            snprintf(p->label, sizeof p->label, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
            end = mg_days_from_civil(y, m, mg_days_in_month(y, m));
        }
        p->first = day;
        p->last = end < to ? end : to;
        p->lo = day_start(p->first);
        p->hi = day_start(p->last + 1);
        day = p->last + 1;
    }
    *out = v;
    *n = k;
    return 0;
}

/* The days [from, to] of the table, refused with the field named. */
static int check_range(const char *from_day, const char *to_day, long *from, long *to,
                       mg_diag *d)
{
    mg_booking_errors errs = {0};
    if (!parse_day(from_day, from))
        mg_booking_errors_add(&errs, "from", "Une date au format AAAA-MM-JJ est attendue.");
    if (!parse_day(to_day, to))
        mg_booking_errors_add(&errs, "to", "Une date au format AAAA-MM-JJ est attendue.");
    else if (errs.n == 0 && *to < *from)
        mg_booking_errors_add(&errs, "to", "La fin de la période précède son début.");
    else if (errs.n == 0 && *to - *from >= USAGE_DAYS_MAX)
        mg_booking_errors_add(&errs, "to", "La période est limitée à %d jours.", USAGE_DAYS_MAX);
    return errs.n ? mg_booking_refuse(&errs, d) : 0;
}

/* --- Weekly hours -------------------------------------------------------------------------- */

static unsigned holiday_flags(const char *commune_code)
{
    if (commune_code && (strncmp(commune_code, "57", 2) == 0 ||
                         strncmp(commune_code, "67", 2) == 0 ||
                         strncmp(commune_code, "68", 2) == 0))
        return MG_HOLIDAYS_ALSACE_MOSELLE;
    return 0;
}

/* The compiled hours of s, NULL when there are none or they do not parse
 * (then never open: the directory's check reports such hours). */
static mg_opening_hours *hours_of(const char *s, const char *commune_code)
{
    if (!s || !*s)
        return NULL;
    mg_opening_hours *oh = NULL;
    mg_diag d = {{0}};
    if (mg_opening_hours_parse(s, strlen(s), holiday_flags(commune_code), &oh, &d) != 0)
        return NULL;
    return oh;
}

/* --- The usage table ------------------------------------------------------------------------ */

struct device {
    int64_t id, site_id;
    char site_name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char commune[6];
    char *site_hours, *hours; /* malloc; NULL none */
};

/* An exception of a site or a device. */
struct exception {
    bool device; /* else the site's */
    int64_t resource_id;
    mg_span span;
    bool open;
};

/* The counts of one device in one period, as the database made them. */
struct counts {
    int64_t device_id;
    size_t period;
    int64_t booked_min, bookings, done, no_shows, cancelled, walk_ins;
};

struct usage_tx {
    int64_t owner_id, site_id;
    const struct period *periods;
    size_t nperiods;
    struct device *dev;
    size_t ndev, devcap;
    struct exception *exc;
    size_t nexc, exccap;
    struct counts *cnt;
    size_t ncnt, cntcap;
};

static void usage_tx_clear(struct usage_tx *t)
{
    for (size_t k = 0; k < t->ndev; k++) {
        free(t->dev[k].site_hours);
        free(t->dev[k].hours);
    }
    free(t->dev);
    free(t->exc);
    free(t->cnt);
    t->dev = NULL;
    t->exc = NULL;
    t->cnt = NULL;
    t->ndev = t->devcap = t->nexc = t->exccap = t->ncnt = t->cntcap = 0;
}

/* Makes room for one more element of size `size` in *v (n used, *cap). */
static int grow(void **v, size_t n, size_t *cap, size_t size, mg_diag *d)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 32;
    void *nv = realloc(*v, nc * size);
    if (!nv)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    *v = nv;
    *cap = nc;
    return 0;
}

static char *dup_column(mg_db_stmt *q, int col)
{
    const char *s = mg_db_column_text(q, col);
    return s && *s ? strdup(s) : NULL;
}

/* The devices of the table: active ones, and others that have bookings
 * in the range; by site name, site, device name, device. */
static int read_devices(mg_db_conn *c, struct usage_tx *t, int64_t lo, int64_t hi, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT dv.id, dv.site_id, o.name, dv.name, s.commune_code, s.opening_hours, "
        "dv.opening_hours FROM booking_devices dv "
        "JOIN booking_sites bs ON bs.site_id = dv.site_id "
        "JOIN structures s ON s.organisation_id = dv.site_id "
        "JOIN organisations o ON o.id = dv.site_id "
        "WHERE (?1 = 0 OR bs.owner_id = ?1) AND (?2 = 0 OR dv.site_id = ?2) "
        "AND (dv.active = 1 OR EXISTS (SELECT 1 FROM bookings b WHERE b.device_id = dv.id "
        "AND b.starts_at >= ?3 AND b.starts_at < ?4)) "
        "ORDER BY o.name, dv.site_id, dv.name, dv.id",
        MG_DB_PARAMS(MG_DB_INT(t->owner_id), MG_DB_INT(t->site_id), MG_DB_INT(lo), MG_DB_INT(hi)),
        &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if ((rc = grow((void **)&t->dev, t->ndev, &t->devcap, sizeof *t->dev, d)) < 0)
            break;
        struct device *v = &t->dev[t->ndev++];
        memset(v, 0, sizeof *v);
        v->id = mg_db_column_int64(q, 0);
        v->site_id = mg_db_column_int64(q, 1);
        mg_db_column_copy(q, 2, v->site_name, sizeof v->site_name);
        mg_db_column_copy(q, 3, v->name, sizeof v->name);
        mg_db_column_copy(q, 4, v->commune, sizeof v->commune);
        v->site_hours = dup_column(q, 5);
        v->hours = dup_column(q, 6);
        if ((!v->site_hours && !mg_db_column_is_null(q, 5) && *mg_db_column_text(q, 5)) ||
            (!v->hours && !mg_db_column_is_null(q, 6) && *mg_db_column_text(q, 6))) {
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        rc = 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

static int read_exceptions(mg_db_conn *c, struct usage_tx *t, int64_t lo, int64_t hi, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT resource, resource_id, starts_at, ends_at, is_open "
                                "FROM booking_exceptions WHERE resource IN ('site', 'device') "
                                "AND ends_at > ?1 AND starts_at < ?2 ORDER BY id",
                                MG_DB_PARAMS(MG_DB_INT(lo), MG_DB_INT(hi)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if ((rc = grow((void **)&t->exc, t->nexc, &t->exccap, sizeof *t->exc, d)) < 0)
            break;
        struct exception *e = &t->exc[t->nexc++];
        const char *res = mg_db_column_text(q, 0);
        e->device = res && strcmp(res, "device") == 0;
        e->resource_id = mg_db_column_int64(q, 1);
        e->span.from = mg_db_column_int64(q, 2);
        e->span.to = mg_db_column_int64(q, 3);
        e->open = mg_db_column_int64(q, 4) != 0;
        rc = 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

/* Periods counted by one query: their bounds, the owner and the site are
 * its parameters (at most 32). */
#define PERIODS_PER_QUERY 29

/* The counts of the bookings that start in each period, GROUP BY device
 * and period: the period of a start chosen by the database by a CASE over
 * the periods' bounds (contiguous: each period ends where the next
 * begins), for up to PERIODS_PER_QUERY periods a query. */
static int read_counts(mg_db_conn *c, struct usage_tx *t, mg_diag *d)
{
    int rc = 0;
    for (size_t p0 = 0; rc == 0 && p0 < t->nperiods; p0 += PERIODS_PER_QUERY) {
        size_t k = t->nperiods - p0 < PERIODS_PER_QUERY ? t->nperiods - p0 : PERIODS_PER_QUERY;
        /* ?1 owner, ?2 site, ?3 the first period's start, ?4… each period's end. */
        mg_buf sql;
        mg_buf_init(&sql, 16384);
        mg_buf_puts(&sql, "SELECT b.device_id, ");
        if (k > 1)
            mg_buf_puts(&sql, "CASE");
        for (size_t i = 0; i + 1 < k; i++)
            mg_buf_printf(&sql, " WHEN b.starts_at < ?%zu THEN %zu", i + 4, i);
        if (k > 1)
            mg_buf_printf(&sql, " ELSE %zu END", k - 1);
        else
            mg_buf_puts(&sql, "0");
        mg_buf_puts(
            &sql,
            ", CAST(SUM(CASE WHEN b.state <> 'cancelled' THEN b.ends_at - b.starts_at ELSE 0 END) "
            "AS BIGINT), "
            "CAST(SUM(CASE WHEN b.state <> 'cancelled' THEN 1 ELSE 0 END) AS BIGINT), "
            "CAST(SUM(CASE WHEN b.state = 'done' THEN 1 ELSE 0 END) AS BIGINT), "
            "CAST(SUM(CASE WHEN b.state = 'no_show' THEN 1 ELSE 0 END) AS BIGINT), "
            "CAST(SUM(CASE WHEN b.state = 'cancelled' THEN 1 ELSE 0 END) AS BIGINT), "
            "CAST(SUM(CASE WHEN b.state <> 'cancelled' AND b.walk_in = 1 THEN 1 ELSE 0 END) "
            "AS BIGINT) "
            "FROM bookings b JOIN booking_sites bs ON bs.site_id = b.site_id "
            "WHERE b.starts_at >= ?3 AND b.starts_at < ?");
        mg_buf_printf(&sql, "%zu", k + 3);
        mg_buf_puts(
            &sql,
            " AND (?1 = 0 OR bs.owner_id = ?1) "
            "AND (?2 = 0 OR b.site_id = ?2) GROUP BY 1, 2");
        if (sql.failed) {
            mg_buf_free(&sql);
            return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        }
        mg_db_stmt *q = NULL;
        rc = mg_db_prepare(c, sql.data, &q, d);
        mg_buf_free(&sql);
        if (rc == 0)
            rc = mg_db_bind_int64(q, 1, t->owner_id);
        if (rc == 0)
            rc = mg_db_bind_int64(q, 2, t->site_id);
        if (rc == 0)
            rc = mg_db_bind_int64(q, 3, t->periods[p0].lo);
        for (size_t i = 0; rc == 0 && i < k; i++)
            rc = mg_db_bind_int64(q, (int)(i + 4), t->periods[p0 + i].hi);
        if (rc < 0)
            rc = mg_diag_set(d, rc, NULL, 0, 0, "cannot bind the periods' bounds");
        while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
            if ((rc = grow((void **)&t->cnt, t->ncnt, &t->cntcap, sizeof *t->cnt, d)) < 0)
                break;
            int64_t bucket = mg_db_column_int64(q, 1);
            if (bucket < 0 || (size_t)bucket >= k) {
                rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "period %" PRId64 " out of range",
                                 bucket);
                break;
            }
            struct counts *x = &t->cnt[t->ncnt++];
            x->device_id = mg_db_column_int64(q, 0);
            x->period = p0 + (size_t)bucket;
            x->booked_min = mg_db_column_int64(q, 2);
            x->bookings = mg_db_column_int64(q, 3);
            x->done = mg_db_column_int64(q, 4);
            x->no_shows = mg_db_column_int64(q, 5);
            x->cancelled = mg_db_column_int64(q, 6);
            x->walk_ins = mg_db_column_int64(q, 7);
            rc = 0;
        }
        mg_db_finalize(q);
    }
    return rc < 0 ? rc : 0;
}

static int usage_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct usage_tx *t = ctx;
    usage_tx_clear(t);
    int64_t lo = t->periods[0].lo, hi = t->periods[t->nperiods - 1].hi;
    int rc = read_devices(c, t, lo, hi, d);
    if (rc == 0)
        rc = read_exceptions(c, t, lo, hi, d);
    if (rc == 0)
        rc = read_counts(c, t, d);
    return rc;
}

/* The exceptions of one resource split into openings and closures. */
static int exceptions_of(const struct usage_tx *t, bool device, int64_t id, mg_spans *open,
                         mg_spans *closed)
{
    mg_spans_clear(open);
    mg_spans_clear(closed);
    for (size_t k = 0; k < t->nexc; k++) {
        const struct exception *e = &t->exc[k];
        if (e->device != device || e->resource_id != id)
            continue;
        int rc = mg_spans_push(e->open ? open : closed, e->span.from, e->span.to);
        if (rc < 0)
            return rc;
    }
    mg_spans_normalise(open);
    mg_spans_normalise(closed);
    return 0;
}

static int64_t spans_minutes(const mg_spans *s)
{
    int64_t sum = 0;
    for (size_t k = 0; k < s->n; k++)
        sum += s->v[k].to - s->v[k].from;
    return sum;
}

/* The open minutes of device v in [lo, hi): its calendar (its hours or
 * the site's, its openings and maintenance) ∩ the site's (the site's
 * hours, openings and closures). */
static int open_minutes(const struct usage_tx *t, const struct device *v,
                        const mg_opening_hours *site_h, const mg_opening_hours *dev_h, int64_t lo,
                        int64_t hi, int64_t *out)
{
    mg_spans so = {0}, sc = {0}, dop = {0}, dc = {0}, sf = {0}, df = {0}, both = {0};
    int rc = exceptions_of(t, false, v->site_id, &so, &sc);
    if (rc == 0)
        rc = exceptions_of(t, true, v->id, &dop, &dc);
    if (rc == 0) {
        mg_booking_calendar site = {.hours = site_h, .openings = so.v, .nopenings = so.n,
                                    .closures = sc.v, .nclosures = sc.n};
        rc = mg_booking_calendar_free(&site, lo, hi, &sf);
    }
    if (rc == 0) {
        mg_booking_calendar dev = {.hours = v->hours ? dev_h : site_h, .openings = dop.v,
                                   .nopenings = dop.n, .closures = dc.v, .nclosures = dc.n};
        rc = mg_booking_calendar_free(&dev, lo, hi, &df);
    }
    if (rc == 0)
        rc = mg_spans_intersect(&sf, &df, &both);
    *out = rc == 0 ? spans_minutes(&both) : 0;
    mg_spans_free(&so);
    mg_spans_free(&sc);
    mg_spans_free(&dop);
    mg_spans_free(&dc);
    mg_spans_free(&sf);
    mg_spans_free(&df);
    mg_spans_free(&both);
    return rc;
}

int mg_booking_usage(mg_db *db, int64_t owner_id, int64_t site_id, const char *from_day,
                     const char *to_day, mg_booking_period period, mg_booking_usage_row **out,
                     size_t *n, mg_diag *d)
{
    if (!db || !out || !n || owner_id < 0 || site_id < 0 ||
        (period != MG_BOOKING_WEEK && period != MG_BOOKING_MONTH))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_booking_usage: bad arguments");
    *out = NULL;
    *n = 0;
    long from = 0, to = 0;
    int rc = check_range(from_day, to_day, &from, &to, d);
    if (rc < 0)
        return rc;
    struct period *periods = NULL;
    size_t np = 0;
    if ((rc = periods_of(from, to, period, &periods, &np)) < 0)
        return mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
    struct usage_tx t = {.owner_id = owner_id, .site_id = site_id, .periods = periods,
                         .nperiods = np};
    rc = mg_db_transaction(db, MG_DB_TX_READ, usage_body, &t, d);
    mg_booking_usage_row *rows = NULL;
    if (rc == 0 && t.ndev) {
        rows = calloc(t.ndev * np, sizeof *rows);
        if (!rows)
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t k = 0; rc == 0 && k < t.ndev; k++) {
        const struct device *v = &t.dev[k];
        mg_opening_hours *site_h = hours_of(v->site_hours, v->commune);
        mg_opening_hours *dev_h = hours_of(v->hours, v->commune);
        for (size_t p = 0; rc == 0 && p < np; p++) {
            mg_booking_usage_row *r = &rows[k * np + p];
            r->site_id = v->site_id;
            r->device_id = v->id;
            snprintf(r->site_name, sizeof r->site_name, "%s", v->site_name);
            snprintf(r->device_name, sizeof r->device_name, "%s", v->name);
            snprintf(r->period, sizeof r->period, "%s", periods[p].label);
            int64_t open = 0;
            if ((rc = open_minutes(&t, v, site_h, dev_h, periods[p].lo, periods[p].hi, &open)) <
                0) {
                rc = mg_diag_set(d, rc, NULL, 0, 0, "open hours of device %" PRId64, v->id);
                break;
            }
            r->open_hours = (double)open / 60.0;
            for (size_t c = 0; c < t.ncnt; c++) {
                const struct counts *q = &t.cnt[c];
                if (q->device_id != v->id || q->period != p)
                    continue;
                r->booked_hours = (double)q->booked_min / 60.0;
                r->bookings = q->bookings;
                r->done = q->done;
                r->no_shows = q->no_shows;
                r->cancelled = q->cancelled;
                r->walk_ins = q->walk_ins;
            }
            r->rate = open > 0 ? r->booked_hours / r->open_hours : NAN;
        }
        mg_opening_hours_free(site_h);
        mg_opening_hours_free(dev_h);
    }
    size_t nrows = t.ndev * np;
    usage_tx_clear(&t);
    free(periods);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    *out = rows;
    *n = rows ? nrows : 0;
    return 0;
}

/* --- Per site and month ---------------------------------------------------------------------- */

/* What the database counts per site and month of a year. */
struct month_counts {
    int64_t site_id;
    int month; /* 1..12 */
    int64_t booked_min, done, assisted_done;
};

struct year_tx {
    int year;
    int64_t owner_id;
    int64_t bounds[13]; /* the first minute of each month, and of the next year */
    struct month_counts *v;
    size_t n, cap;
    /* The sites of the assisted table: those with an assisted device. */
    bool want_sites;
    struct site_name {
        int64_t id;
        char name[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    } *sites;
    size_t nsites, sitecap;
};

static void year_bounds(int year, int64_t bounds[13])
{
    for (int m = 1; m <= 12; m++)
        bounds[m - 1] = mg_booking_day_start(year, m, 1);
    bounds[12] = mg_booking_day_start(year + 1, 1, 1);
}

/* Counts GROUP BY site and month; the month chosen by the database from
 * the year's bounds. */
static int year_counts(mg_db_conn *c, struct year_tx *t, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    const int64_t *b = t->bounds;
    int rc = mg_db_prepare_with(
        c,
        "SELECT b.site_id, CASE WHEN b.starts_at < ?2 THEN 1 WHEN b.starts_at < ?3 THEN 2 "
        "WHEN b.starts_at < ?4 THEN 3 WHEN b.starts_at < ?5 THEN 4 WHEN b.starts_at < ?6 THEN 5 "
        "WHEN b.starts_at < ?7 THEN 6 WHEN b.starts_at < ?8 THEN 7 WHEN b.starts_at < ?9 THEN 8 "
        "WHEN b.starts_at < ?10 THEN 9 WHEN b.starts_at < ?11 THEN 10 "
        "WHEN b.starts_at < ?12 THEN 11 ELSE 12 END AS month, "
        "CAST(SUM(CASE WHEN b.state <> 'cancelled' THEN b.ends_at - b.starts_at ELSE 0 END) "
        "AS BIGINT), "
        "CAST(SUM(CASE WHEN b.state = 'done' THEN 1 ELSE 0 END) AS BIGINT), "
        "CAST(SUM(CASE WHEN b.state = 'done' AND (b.assistant_id IS NOT NULL OR dv.assisted = 1) "
        "THEN 1 ELSE 0 END) AS BIGINT) "
        "FROM bookings b JOIN booking_sites bs ON bs.site_id = b.site_id "
        "JOIN booking_devices dv ON dv.id = b.device_id "
        "WHERE b.starts_at >= ?1 AND b.starts_at < ?13 AND (?14 = 0 OR bs.owner_id = ?14) "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        MG_DB_PARAMS(MG_DB_INT(b[0]), MG_DB_INT(b[1]), MG_DB_INT(b[2]), MG_DB_INT(b[3]),
                     MG_DB_INT(b[4]), MG_DB_INT(b[5]), MG_DB_INT(b[6]), MG_DB_INT(b[7]),
                     MG_DB_INT(b[8]), MG_DB_INT(b[9]), MG_DB_INT(b[10]), MG_DB_INT(b[11]),
                     MG_DB_INT(b[12]), MG_DB_INT(t->owner_id)),
        &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if ((rc = grow((void **)&t->v, t->n, &t->cap, sizeof *t->v, d)) < 0)
            break;
        struct month_counts *k = &t->v[t->n++];
        k->site_id = mg_db_column_int64(q, 0);
        k->month = (int)mg_db_column_int64(q, 1);
        k->booked_min = mg_db_column_int64(q, 2);
        k->done = mg_db_column_int64(q, 3);
        k->assisted_done = mg_db_column_int64(q, 4);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

static int add_site(struct year_tx *t, int64_t id, const char *name, mg_diag *d)
{
    for (size_t k = 0; k < t->nsites; k++)
        if (t->sites[k].id == id)
            return 0;
    int rc = grow((void **)&t->sites, t->nsites, &t->sitecap, sizeof *t->sites, d);
    if (rc < 0)
        return rc;
    t->sites[t->nsites].id = id;
    snprintf(t->sites[t->nsites].name, sizeof t->sites[t->nsites].name, "%s", name ? name : "");
    t->nsites++;
    return 0;
}

/* The sites with an assisted device, and those with assisted
 * teleconsultations done in the year, by name. */
static int assisted_sites(mg_db_conn *c, struct year_tx *t, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT bs.site_id, o.name FROM booking_sites bs JOIN organisations o ON o.id = bs.site_id "
        "WHERE (?1 = 0 OR bs.owner_id = ?1) AND (EXISTS (SELECT 1 FROM booking_devices dv "
        "WHERE dv.site_id = bs.site_id AND dv.assisted = 1) OR EXISTS (SELECT 1 FROM bookings b "
        "LEFT JOIN booking_devices dv ON dv.id = b.device_id WHERE b.site_id = bs.site_id "
        "AND b.state = 'done' AND (b.assistant_id IS NOT NULL OR dv.assisted = 1) "
        "AND b.starts_at >= ?2 AND b.starts_at < ?3)) ORDER BY o.name, bs.site_id",
        MG_DB_PARAMS(MG_DB_INT(t->owner_id), MG_DB_INT(t->bounds[0]), MG_DB_INT(t->bounds[12])),
        &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW)
        rc = add_site(t, mg_db_column_int64(q, 0), mg_db_column_text(q, 1), d);
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

static int year_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct year_tx *t = ctx;
    t->n = 0;
    t->nsites = 0;
    int rc = year_counts(c, t, d);
    if (rc == 0 && t->want_sites)
        rc = assisted_sites(c, t, d);
    return rc;
}

int mg_booking_assisted_monthly(mg_db *db, int64_t owner_id, int year,
                                mg_booking_assisted_row **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n || owner_id < 0 || year < 1971 || year > 9000)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_booking_assisted_monthly: bad arguments");
    *out = NULL;
    *n = 0;
    struct year_tx t = {.year = year, .owner_id = owner_id, .want_sites = true};
    year_bounds(year, t.bounds);
    int rc = mg_db_transaction(db, MG_DB_TX_READ, year_body, &t, d);
    mg_booking_assisted_row *rows = NULL;
    if (rc == 0 && t.nsites) {
        rows = calloc(t.nsites * 12, sizeof *rows);
        if (!rows)
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t s = 0; rc == 0 && s < t.nsites; s++)
        for (int m = 1; m <= 12; m++) {
            mg_booking_assisted_row *r = &rows[s * 12 + (size_t)(m - 1)];
            r->site_id = t.sites[s].id;
            snprintf(r->site_name, sizeof r->site_name, "%s", t.sites[s].name);
            snprintf(r->month, sizeof r->month, "%04u-%02u", (unsigned)year % 10000u,
                     (unsigned)m % 100u);
            for (size_t k = 0; k < t.n; k++)
                if (t.v[k].site_id == r->site_id && t.v[k].month == m)
                    r->count = t.v[k].assisted_done;
        }
    size_t nrows = t.nsites * 12;
    free(t.v);
    free(t.sites);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    *out = rows;
    *n = rows ? nrows : 0;
    return 0;
}

/* --- The workbook ----------------------------------------------------------------------------- */

int mg_booking_usage_xlsx(mg_db *db, int64_t owner_id, const char *from_day, const char *to_day,
                          mg_booking_period period, unsigned char **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_booking_usage_xlsx: bad arguments");
    *out = NULL;
    *n = 0;
    mg_booking_usage_row *u = NULL;
    size_t nu = 0;
    int rc = mg_booking_usage(db, owner_id, 0, from_day, to_day, period, &u, &nu, d);
    if (rc < 0)
        return rc;
    long from = 0, to = 0;
    (void)parse_day(from_day, &from);
    (void)parse_day(to_day, &to);
    int fy, fm, fd, ty, tm, td;
    mg_civil_from_days(from, &fy, &fm, &fd);
    mg_civil_from_days(to, &ty, &tm, &td);
    char first_month[8], last_month[8];
    snprintf(first_month, sizeof first_month, "%04u-%02u", (unsigned)fy % 10000u,
             (unsigned)fm % 100u);
    snprintf(last_month, sizeof last_month, "%04u-%02u", (unsigned)ty % 10000u,
             (unsigned)tm % 100u);

    mg_workbook *wb = NULL;
    if ((rc = mg_workbook_new(&wb, d)) < 0) {
        free(u);
        return rc;
    }
    static const mg_wb_column ucols[] = {
        {"Site", 30, MG_WB_TEXT},
        {"Appareil", 24, MG_WB_TEXT},
        {"Période", 10, MG_WB_TEXT},
        {"Heures d'ouverture", 12, 2},
        {"Heures réservées", 12, 2},
        {"Taux d'occupation (%)", 12, 1},
        {"Réservations", 12, 0},
        {"Consultations terminées", 12, 0},
        {"Absences", 10, 0},
        {"Annulations", 10, 0},
        {"Sans rendez-vous", 10, 0},
    };
    rc = mg_workbook_sheet(wb, "Utilisation", ucols, NELEMS(ucols), true, d);
    for (size_t k = 0; rc == 0 && k < nu; k++) {
        const mg_booking_usage_row *r = &u[k];
        size_t row = k + 1, c = 0;
        mg_workbook_text(wb, row, c++, r->site_name);
        mg_workbook_text(wb, row, c++, r->device_name);
        mg_workbook_text(wb, row, c++, r->period);
        mg_workbook_number(wb, row, c++, r->open_hours);
        mg_workbook_number(wb, row, c++, r->booked_hours);
        mg_workbook_number(wb, row, c++, r->rate * 100.0); /* NaN: left empty */
        mg_workbook_number(wb, row, c++, (double)r->bookings);
        mg_workbook_number(wb, row, c++, (double)r->done);
        mg_workbook_number(wb, row, c++, (double)r->no_shows);
        mg_workbook_number(wb, row, c++, (double)r->cancelled);
        mg_workbook_number(wb, row, c++, (double)r->walk_ins);
    }
    free(u);
    static const mg_wb_column acols[] = {
        {"Site", 30, MG_WB_TEXT},
        {"Mois", 10, MG_WB_TEXT},
        {"Téléconsultations assistées", 14, 0},
    };
    if (rc == 0)
        rc = mg_workbook_sheet(wb, "Téléconsultations assistées", acols, NELEMS(acols), true, d);
    /* Site by site, the months of the range, year after year. */
    mg_booking_assisted_row *all = NULL;
    size_t nall = 0;
    for (int y = fy; rc == 0 && y <= ty; y++) {
        mg_booking_assisted_row *a = NULL;
        size_t na = 0;
        if ((rc = mg_booking_assisted_monthly(db, owner_id, y, &a, &na, d)) < 0)
            break;
        mg_booking_assisted_row *nv = realloc(all, (nall + na + 1) * sizeof *nv);
        if (!nv) {
            free(a);
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        all = nv;
        for (size_t k = 0; k < na; k++)
            if (strcmp(a[k].month, first_month) >= 0 && strcmp(a[k].month, last_month) <= 0)
                all[nall++] = a[k];
        free(a);
    }
    /* Stable order: by site (as listed in the first year it appears), then month. */
    for (size_t i = 1; rc == 0 && i < nall; i++)
        for (size_t j = i; j > 0; j--) {
            mg_booking_assisted_row *x = &all[j - 1], *y = &all[j];
            int by_name = strcmp(x->site_name, y->site_name);
            bool swap = by_name > 0 || (by_name == 0 && x->site_id > y->site_id) ||
                        (by_name == 0 && x->site_id == y->site_id && strcmp(x->month, y->month) > 0);
            if (!swap)
                break;
            mg_booking_assisted_row tmp = *x;
            *x = *y;
            *y = tmp;
        }
    for (size_t k = 0; rc == 0 && k < nall; k++) {
        mg_workbook_text(wb, k + 1, 0, all[k].site_name);
        mg_workbook_text(wb, k + 1, 1, all[k].month);
        mg_workbook_number(wb, k + 1, 2, (double)all[k].count);
    }
    free(all);
    if (rc < 0) {
        mg_workbook_free(wb);
        return rc;
    }
    mg_buf b;
    mg_buf_init(&b, (size_t)256 << 20);
    rc = mg_workbook_finish(wb, &b, d);
    if (rc < 0) {
        mg_buf_free(&b);
        return rc;
    }
    size_t len = 0;
    char *bytes = mg_buf_take(&b, &len);
    mg_buf_free(&b);
    if (!bytes)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    *out = (unsigned char *)bytes;
    *n = len;
    return 0;
}

/* --- Indicator providers --------------------------------------------------------------------- */

/*
 * The scope of an action: the sites in its target communes, or in its
 * contract's territory when it names none, when that scope is a list of
 * communes ("communes:C1,C2,…"). An EPCI ("epci:SIREN") cannot be read
 * into communes without the study territory, which the database does not
 * hold: for it, and for an action and contract that name no communes, the
 * scope is the sites of the network run by the contract's lead and the
 * sites that take part in the action (pilot or partner).
 */
struct scope_tx {
    int64_t action_id;
    int64_t *sites;
    size_t nsites, cap;
    int64_t first_minute; /* the first booking's start in the scope; INT64_MAX none */
};

/* Whether the five-character code is in the list after "communes:". */
static bool code_listed(const char *list, const char *code)
{
    size_t len = strlen(code);
    if (len != 5)
        return false;
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ' || *p == ';' || *p == '\t')
            p++;
        size_t k = 0;
        while (p[k] && p[k] != ',' && p[k] != ' ' && p[k] != ';' && p[k] != '\t')
            k++;
        if (k == len && memcmp(p, code, len) == 0)
            return true;
        p += k;
    }
    return false;
}

static int scope_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct scope_tx *t = ctx;
    t->nsites = 0;
    t->first_minute = INT64_MAX;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT a.target_communes, k.territory, k.organisation_id "
                                "FROM contract_actions a JOIN contracts k ON k.id = a.contract_id "
                                "WHERE a.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(t->action_id)), &q, d);
    char *spec = NULL;
    int64_t lead = 0;
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        const char *a = mg_db_column_text(q, 0), *k = mg_db_column_text(q, 1);
        spec = strdup(a && *a ? a : k ? k : "");
        lead = mg_db_column_int64(q, 2);
        rc = spec ? 0 : mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action %" PRId64, t->action_id);
    }
    mg_db_finalize(q);
    if (rc < 0) {
        free(spec);
        return rc;
    }
    const char *communes = strncmp(spec, "communes:", 9) == 0 ? spec + 9 : NULL;
    q = NULL;
    rc = mg_db_prepare_with(
        c,
        "SELECT bs.site_id, s.commune_code, bs.owner_id, "
        "(SELECT COUNT(*) FROM action_participants p WHERE p.action_id = ?1 "
        "AND p.organisation_id = bs.site_id), "
        "(SELECT MIN(b.starts_at) FROM bookings b WHERE b.site_id = bs.site_id) "
        "FROM booking_sites bs JOIN structures s ON s.organisation_id = bs.site_id "
        "ORDER BY bs.site_id",
        MG_DB_PARAMS(MG_DB_INT(t->action_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        const char *code = mg_db_column_text(q, 1);
        bool in = communes ? code && code_listed(communes, code)
                           : mg_db_column_int64(q, 2) == lead || mg_db_column_int64(q, 3) > 0;
        if (!in)
            continue;
        if ((rc = grow((void **)&t->sites, t->nsites, &t->cap, sizeof *t->sites, d)) < 0)
            break;
        t->sites[t->nsites++] = mg_db_column_int64(q, 0);
        if (!mg_db_column_is_null(q, 4) && mg_db_column_int64(q, 4) < t->first_minute)
            t->first_minute = mg_db_column_int64(q, 4);
    }
    mg_db_finalize(q);
    free(spec);
    return rc < 0 ? rc : 0;
}

static bool site_in(const struct scope_tx *s, int64_t id)
{
    for (size_t k = 0; k < s->nsites; k++)
        if (s->sites[k] == id)
            return true;
    return false;
}

/* The monthly values of the action's scope over the months that are over
 * (Paris time), from the month of its first booking; each dated the
 * month's last day. hours: booked hours (not cancelled); else done. */
static int provider_values(mg_db *db, int64_t action_id, bool hours, mg_indicator_point **out,
                           size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct scope_tx s = {.action_id = action_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, scope_body, &s, d);
    if (rc < 0 || s.nsites == 0 || s.first_minute == INT64_MAX) {
        free(s.sites);
        return rc;
    }
    int y0, m0, d0, minute;
    mg_paris_civil(s.first_minute * 60, &y0, &m0, &d0, &minute);
    int ty, tm, td;
    mg_paris_civil(mg_booking_now() * 60, &ty, &tm, &td, &minute);
    /* Months from (y0, m0) up to the one before (ty, tm). */
    long months = ((long)ty * 12 + tm - 1) - ((long)y0 * 12 + m0 - 1);
    if (months <= 0) {
        free(s.sites);
        return 0;
    }
    mg_indicator_point *p = calloc((size_t)months, sizeof *p);
    if (!p) {
        free(s.sites);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    size_t m = 0;
    for (int y = y0; rc == 0 && y <= ty; y++) {
        struct year_tx t = {.year = y};
        year_bounds(y, t.bounds);
        rc = mg_db_transaction(db, MG_DB_TX_READ, year_body, &t, d);
        for (int mo = (y == y0 ? m0 : 1); rc == 0 && mo <= 12 && (y < ty || mo < tm); mo++) {
            double v = 0;
            for (size_t k = 0; k < t.n; k++)
                if (t.v[k].month == mo && site_in(&s, t.v[k].site_id))
                    v += hours ? (double)t.v[k].booked_min / 60.0 : (double)t.v[k].done;
            snprintf(p[m].on, sizeof p[m].on, "%04u-%02u-%02u", (unsigned)y % 10000u,
                     (unsigned)mo % 100u, (unsigned)mg_days_in_month(y, mo) % 100u);
            p[m++].value = v;
        }
        free(t.v);
        free(t.sites);
    }
    free(s.sites);
    if (rc < 0) {
        free(p);
        return rc;
    }
    *out = p;
    *n = m;
    return 0;
}

int mg_booking_hours_values(mg_db *db, int64_t action_id, mg_indicator_point **out, size_t *n,
                            mg_diag *d)
{
    return provider_values(db, action_id, true, out, n, d);
}

int mg_booking_done_values(mg_db *db, int64_t action_id, mg_indicator_point **out, size_t *n,
                           mg_diag *d)
{
    return provider_values(db, action_id, false, out, n, d);
}

const mg_indicator_provider mg_booking_provider_hours = MG_BOOKING_PROVIDER_HOURS;
const mg_indicator_provider mg_booking_provider_done = MG_BOOKING_PROVIDER_DONE;
