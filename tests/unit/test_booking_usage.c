/*
 * Tests of the usage figures (usage.h, usage.c) on SQLite and, when
 * MG_TEST_PG_URI is set, on PostgreSQL. Random bookings in random states
 * over the weeks around both changes of summer time of 2026, on devices
 * with their own hours or their site's, site closures and openings and a
 * device's maintenance; every figure of the table per ISO week and per
 * month is compared with a computation of its own here: open hours by a
 * minute-by-minute count with mg_opening_hours_state at each minute's Paris
 * time (mg_paris_civil), the bookings' counts by plain loops over the rows
 * this test inserted, each placed in its period by its start's Paris day
 * and the period's label made by another algorithm (the ISO week by the
 * day of the year). Then the assisted teleconsultations per site and
 * month, the workbook read back by openpyxl (/usr/bin/python3; the test
 * FAILS without it), the providers' monthly values for an action's
 * communes and for its lead's network, and refused ranges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "booking/booking.h"
#include "booking/usage.h"
#include "parse/parse.h"
#include "contracts/indicators.h"
#include "db_fixture.h"
#include "directory/holidays.h"
#include "directory/opening_hours.h"

TEST_DB_FIXTURE("booking_usage")

#define PYTHON "/usr/bin/python3"

/* --- Rows inserted with plain SQL ------------------------------------------------------------ */

struct raw_tx {
    const char *sql;
    const mg_db_param *p;
    size_t n;
    int64_t out;
};

static int raw_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct raw_tx *t = ctx;
    t->out = 0;
    int rc = mg_db_query_int(c, t->sql, t->p, t->n, &t->out, d);
    return rc == MG_ENOTFOUND ? 0 : rc;
}

static int64_t raw(mg_db *db, const char *sql, const mg_db_param *p, size_t n)
{
    struct raw_tx t = {sql, p, n, 0};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, raw_body, &t, &d);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
    return t.out;
}

static int64_t org(mg_db *db, const char *name, const char *kind)
{
    return raw(db,
               "INSERT INTO organisations (name, kind, active, created_at, confirmed_at) "
               "VALUES (?1, ?2, 1, 'x', 'x') RETURNING id",
               MG_DB_PARAMS(MG_DB_TEXT(name), MG_DB_TEXT(kind)));
}

static int64_t site(mg_db *db, int64_t owner, const char *name, const char *commune_code,
                    const char *hours)
{
    int64_t id = org(db, name, "pharmacy");
    char source_id[32];
    snprintf(source_id, sizeof source_id, "s%" PRId64, id);
    raw(db,
        "INSERT INTO structures (organisation_id, source, source_id, category, name_key, "
        "commune_code, opening_hours, updated_on, created_at, updated_at) "
        "VALUES (?1, 'test', ?2, 'pharmacy', 'x', ?3, ?4, '2026-01-01', 'x', 'x')",
        MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(source_id), MG_DB_TEXT(commune_code),
                     MG_DB_TEXT(hours)));
    raw(db,
        "INSERT INTO booking_sites (site_id, owner_id, is_example, created_at, updated_at) "
        "VALUES (?1, ?2, 1, 'x', 'x')",
        MG_DB_PARAMS(MG_DB_INT(id), MG_DB_INT(owner)));
    return id;
}

static int64_t device(mg_db *db, int64_t site_id, const char *name, const char *hours,
                      bool assisted, bool active)
{
    return raw(db,
               "INSERT INTO booking_devices (site_id, kind, name, opening_hours, assisted, active, "
               "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'x', 'x') RETURNING id",
               MG_DB_PARAMS(MG_DB_INT(site_id), MG_DB_TEXT(assisted ? "cart" : "cabin"),
                            MG_DB_TEXT(name), MG_DB_TEXT(hours), MG_DB_INT(assisted),
                            MG_DB_INT(active)));
}

static void exception(mg_db *db, const char *resource, int64_t id, int64_t from, int64_t to,
                      const char *reason)
{
    raw(db,
        "INSERT INTO booking_exceptions (resource, resource_id, starts_at, ends_at, is_open, "
        "reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'x')",
        MG_DB_PARAMS(MG_DB_TEXT(resource), MG_DB_INT(id), MG_DB_INT(from), MG_DB_INT(to),
                     MG_DB_INT(strcmp(reason, "opening") == 0), MG_DB_TEXT(reason)));
}

/* --- The network of the test, as this test knows it ------------------------------------------- */

struct dev {
    int64_t id, site_id;
    const char *site_name, *name;
    const char *site_hours, *hours; /* NULL: none / the site's */
    bool assisted, active;
    int64_t owner;
};

struct exc {
    bool device;
    int64_t id, from, to;
    bool open;
};

struct bk {
    int64_t id, site_id, device_id, start, end;
    const char *state;
    bool walk_in, assisted;
};

struct world {
    int64_t owner, other_owner, tc;
    int64_t s1, s2, s3;
    struct dev dev[8];
    size_t ndev;
    struct exc exc[16];
    size_t nexc;
    struct bk *bk;
    size_t nbk;
};

static int64_t utc_minute(int y, int mo, int d, int h, int mi)
{
    return (int64_t)mg_days_from_civil(y, mo, d) * 1440 + h * 60 + mi;
}

static const char *const states[] = {"booked", "arrived", "done", "no_show", "cancelled"};

static void build(mg_db *db, struct world *w)
{
    memset(w, 0, sizeof *w);
    w->owner = org(db, "Département (exemple)", "departement");
    w->other_owner = org(db, "Autre département (exemple)", "departement");
    static const char h1[] = "Mo-Fr 08:00-12:00,14:00-18:00; PH off";
    static const char h2[] = "Mo-Sa 09:00-19:00";
    static const char h3[] = "Mo-Su 07:00-23:30";
    w->s1 = site(db, w->owner, "A Pharmacie (exemple)", "11069", h1);
    w->s2 = site(db, w->owner, "B Mairie (exemple)", "11076", h2);
    w->s3 = site(db, w->other_owner, "C Maison de santé (exemple)", "34172", h3);
    struct dev spec[] = {
        {0, w->s1, "A Pharmacie (exemple)", "Cabine", h1, NULL, false, true, w->owner},
        {0, w->s1, "A Pharmacie (exemple)", "Chariot", h1, "Mo-Fr 10:00-16:00; Sa 10:00-12:00",
         true, true, w->owner},
        {0, w->s2, "B Mairie (exemple)", "Cabine", h2, NULL, false, true, w->owner},
        {0, w->s2, "B Mairie (exemple)", "Vieux chariot", h2, NULL, true, false, w->owner},
        {0, w->s2, "B Mairie (exemple)", "Retiré", h2, NULL, false, false, w->owner},
        {0, w->s3, "C Maison de santé (exemple)", "Cabine", h3, "Mo-Su 00:00-24:00", false, true,
         w->other_owner},
    };
    for (size_t k = 0; k < sizeof spec / sizeof spec[0]; k++) {
        w->dev[k] = spec[k];
        w->dev[k].id = device(db, spec[k].site_id, spec[k].name, spec[k].hours, spec[k].assisted,
                              spec[k].active);
    }
    w->ndev = sizeof spec / sizeof spec[0];
    int64_t o = org(db, "Téléconsultants (exemple)", "other");
    w->tc = raw(db,
                "INSERT INTO booking_teleconsultants (organisation_id, owner_id, label, "
                "availability, created_at, updated_at) VALUES (?1, ?2, 'Médecin (exemple)', "
                "'Mo-Su 00:00-24:00', 'x', 'x') RETURNING id",
                MG_DB_PARAMS(MG_DB_INT(o), MG_DB_INT(w->owner)));
    /* Exceptions: s1 closed a whole Paris day and an afternoon; s2 open on
     * Sundays 29 March and 25 October (the days of the changes); the
     * chariot of s1 in maintenance over the March change; s3's cabin
     * closed a night. */
    struct exc ex[] = {
        {false, w->s1, utc_minute(2026, 3, 11, 23, 0), utc_minute(2026, 3, 12, 23, 0), false},
        {false, w->s1, utc_minute(2026, 10, 20, 13, 0), utc_minute(2026, 10, 20, 17, 0), false},
        {false, w->s2, utc_minute(2026, 3, 29, 0, 0), utc_minute(2026, 3, 29, 22, 0), true},
        {false, w->s2, utc_minute(2026, 10, 24, 22, 0), utc_minute(2026, 10, 25, 23, 0), true},
        {true, w->dev[1].id, utc_minute(2026, 3, 27, 9, 0), utc_minute(2026, 3, 31, 11, 0), false},
        {true, w->dev[5].id, utc_minute(2026, 10, 24, 20, 0), utc_minute(2026, 10, 25, 6, 0),
         false},
    };
    for (size_t k = 0; k < sizeof ex / sizeof ex[0]; k++) {
        w->exc[k] = ex[k];
        const char *reason = ex[k].open ? "opening" : ex[k].device ? "maintenance" : "closure";
        exception(db, ex[k].device ? "device" : "site", ex[k].id, ex[k].from, ex[k].to, reason);
    }
    w->nexc = sizeof ex / sizeof ex[0];
    /* Bookings: random devices (not the retired one), times, lengths and
     * states, from mid-February to mid-April and October to mid-November. */
    w->bk = calloc(600, sizeof *w->bk);
    assert_non_null(w->bk);
    uint64_t seed = 2026;
    int64_t spring = utc_minute(2026, 2, 14, 0, 0), autumn = utc_minute(2026, 10, 3, 0, 0);
    for (int k = 0; k < 600; k++) {
        struct bk *b = &w->bk[w->nbk++];
        size_t di = (size_t)(rng_next(&seed) % 5);
        if (di == 4)
            di = 5;
        const struct dev *dv = &w->dev[di];
        int64_t base = k % 2 ? spring : autumn;
        b->site_id = dv->site_id;
        b->device_id = dv->id;
        b->start = base + (int64_t)(rng_next(&seed) % (60 * 1440 / 5)) * 5;
        b->end = b->start + 5 * (1 + (int64_t)(rng_next(&seed) % 18));
        b->state = states[rng_next(&seed) % 5];
        b->walk_in = rng_next(&seed) % 4 == 0;
        b->assisted = dv->assisted;
        char hash[65];
        snprintf(hash, sizeof hash, "%064d", k + 1);
        b->id = raw(db,
                    "INSERT INTO bookings (code_hash, site_id, device_id, teleconsultant_id, "
                    "kind, starts_at, ends_at, state, person, phone, walk_in, created_at, "
                    "updated_at) VALUES (?1, ?2, ?3, ?4, 'gp', ?5, ?6, ?7, 'A. B.', "
                    "'+33612345678', ?8, 'x', 'x') RETURNING id",
                    MG_DB_PARAMS(MG_DB_TEXT(hash), MG_DB_INT(b->site_id), MG_DB_INT(b->device_id),
                                 MG_DB_INT(w->tc), MG_DB_INT(b->start), MG_DB_INT(b->end),
                                 MG_DB_TEXT(b->state), MG_DB_INT(b->walk_in)));
    }
}

/* --- The independent computation ------------------------------------------------------------- */

/* The ISO week of a date by the day of the year (not usage.c's way). */
static void iso_label(int y, int m, int d, char out[9])
{
    long days = mg_days_from_civil(y, m, d);
    int wday = (int)(((days % 7) + 7 + 3) % 7) + 1; /* 1970-01-01 was a Thursday; Monday 1 */
    int doy = (int)(days - mg_days_from_civil(y, 1, 1)) + 1;
    int week = (doy - wday + 10) / 7, year = y;
#define P(yy) (((yy) + (yy) / 4 - (yy) / 100 + (yy) / 400) % 7)
#define WEEKS(yy) (52 + (P(yy) == 4 || P((yy) - 1) == 3))
    if (week < 1) {
        year = y - 1;
        week = WEEKS(year);
    } else if (week > WEEKS(y)) {
        year = y + 1;
        week = 1;
    }
#undef P
#undef WEEKS
    snprintf(out, 9, "%04u-W%02u", (unsigned)year % 10000u, (unsigned)week % 100u);
}

/* The period label of the Paris day of minute t, "" outside [from, to]. */
static void label_of(int64_t t, mg_booking_period p, long from, long to, char out[9])
{
    int y, m, d, minute;
    mg_paris_civil(t * 60, &y, &m, &d, &minute);
    long day = mg_days_from_civil(y, m, d);
    out[0] = 0;
    if (day < from || day > to)
        return;
    if (p == MG_BOOKING_WEEK)
        iso_label(y, m, d, out);
    else
        snprintf(out, 9, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
}

static bool in_spans(const struct world *w, bool device, int64_t id, bool open, int64_t t)
{
    for (size_t k = 0; k < w->nexc; k++) {
        const struct exc *e = &w->exc[k];
        if (e->device == device && e->id == id && e->open == open && t >= e->from && t < e->to)
            return true;
    }
    return false;
}

static bool state_open(const mg_opening_hours *oh, int64_t t)
{
    if (!oh)
        return false;
    int y, m, d, minute;
    mg_paris_civil(t * 60, &y, &m, &d, &minute);
    return mg_opening_hours_state(oh, (mg_oh_instant){y, m, d, minute}, NULL) == MG_OH_OPEN;
}

static mg_opening_hours *parse_hours(const char *s)
{
    if (!s)
        return NULL;
    mg_opening_hours *oh = NULL;
    mg_diag d = {{0}};
    if (mg_opening_hours_parse(s, strlen(s), 0, &oh, &d) != 0)
        fail_msg("hours %s: %s", s, d.msg);
    return oh;
}

struct want {
    char period[9];
    int64_t device_id, site_id;
    int64_t open_min, booked_min, bookings, done, no_shows, cancelled, walk_ins;
};

struct wants {
    struct want v[2048];
    size_t n;
};

static struct want *want_of(struct wants *ws, int64_t device_id, const char *period)
{
    for (size_t k = 0; k < ws->n; k++)
        if (ws->v[k].device_id == device_id && strcmp(ws->v[k].period, period) == 0)
            return &ws->v[k];
    assert_true(ws->n < 2048);
    struct want *x = &ws->v[ws->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->period, sizeof x->period, "%s", period);
    x->device_id = device_id;
    return x;
}

/* Whether a device is in the table of owner (0 any): active, or booked in the range. */
static bool listed(const struct world *w, const struct dev *dv, int64_t owner, long from, long to)
{
    if (owner && dv->owner != owner)
        return false;
    if (dv->active)
        return true;
    for (size_t k = 0; k < w->nbk; k++) {
        char l[9];
        label_of(w->bk[k].start, MG_BOOKING_MONTH, from, to, l);
        if (w->bk[k].device_id == dv->id && *l)
            return true;
    }
    return false;
}

static void expected(const struct world *w, int64_t owner, long from, long to,
                     mg_booking_period p, struct wants *ws)
{
    ws->n = 0;
    int64_t lo = (int64_t)from * 1440 - 180, hi = ((int64_t)to + 1) * 1440 + 180;
    for (size_t k = 0; k < w->ndev; k++) {
        const struct dev *dv = &w->dev[k];
        if (!listed(w, dv, owner, from, to))
            continue;
        mg_opening_hours *sh = parse_hours(dv->site_hours);
        mg_opening_hours *dh = parse_hours(dv->hours);
        for (int64_t t = lo; t < hi; t++) {
            char l[9];
            label_of(t, p, from, to, l);
            if (!*l)
                continue;
            struct want *x = want_of(ws, dv->id, l);
            x->site_id = dv->site_id;
            bool site_open = (state_open(sh, t) || in_spans(w, false, dv->site_id, true, t)) &&
                             !in_spans(w, false, dv->site_id, false, t);
            bool dev_open = (state_open(dv->hours ? dh : sh, t) ||
                             in_spans(w, true, dv->id, true, t)) &&
                            !in_spans(w, true, dv->id, false, t);
            x->open_min += site_open && dev_open;
        }
        mg_opening_hours_free(sh);
        mg_opening_hours_free(dh);
    }
    for (size_t k = 0; k < w->nbk; k++) {
        const struct bk *b = &w->bk[k];
        char l[9];
        label_of(b->start, p, from, to, l);
        if (!*l)
            continue;
        struct want *x = NULL;
        for (size_t i = 0; i < ws->n; i++)
            if (ws->v[i].device_id == b->device_id && strcmp(ws->v[i].period, l) == 0)
                x = &ws->v[i];
        if (!x)
            continue; /* a device of another network */
        bool cancelled = strcmp(b->state, "cancelled") == 0;
        x->booked_min += cancelled ? 0 : b->end - b->start;
        x->bookings += !cancelled;
        x->done += strcmp(b->state, "done") == 0;
        x->no_shows += strcmp(b->state, "no_show") == 0;
        x->cancelled += cancelled;
        x->walk_ins += !cancelled && b->walk_in;
    }
}

static long day_of(const char *s)
{
    mg_date t;
    mg_parse_error why;
    assert_int_equal(mg_parse_date(s, &t, &why), 0);
    return mg_days_from_civil(t.year, t.month, t.day);
}

static void check_usage(mg_db *db, const struct world *w, int64_t owner, const char *from,
                        const char *to, mg_booking_period p)
{
    struct wants *ws = calloc(1, sizeof *ws);
    assert_non_null(ws);
    expected(w, owner, day_of(from), day_of(to), p, ws);
    mg_booking_usage_row *rows = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_usage(db, owner, 0, from, to, p, &rows, &n, &d);
    if (rc != 0)
        fail_msg("usage %s..%s: %s (%s)", from, to, mg_strerror(rc), d.msg);
    if (n != ws->n)
        fail_msg("usage %s..%s owner %" PRId64 ": %zu rows, expected %zu", from, to, owner, n,
                 ws->n);
    /* Not vacuous: hours open and bookings counted. */
    int64_t open_total = 0, bookings_total = 0;
    for (size_t k = 0; k < ws->n; k++) {
        open_total += ws->v[k].open_min;
        bookings_total += ws->v[k].bookings + ws->v[k].cancelled;
    }
    assert_true(n > 0 && open_total > 0 && bookings_total > 0);
    for (size_t k = 0; k < n; k++) {
        const mg_booking_usage_row *r = &rows[k];
        struct want *x = NULL;
        for (size_t i = 0; i < ws->n; i++)
            if (ws->v[i].device_id == r->device_id && strcmp(ws->v[i].period, r->period) == 0)
                x = &ws->v[i];
        if (!x)
            fail_msg("row device %" PRId64 " period %s not expected", r->device_id, r->period);
        if (llround(r->open_hours * 60) != x->open_min)
            fail_msg("device %" PRId64 " %s: open %.4f h, counted %" PRId64 " min", r->device_id,
                     r->period, r->open_hours, x->open_min);
        assert_int_equal(llround(r->booked_hours * 60), x->booked_min);
        assert_int_equal(r->bookings, x->bookings);
        assert_int_equal(r->done, x->done);
        assert_int_equal(r->no_shows, x->no_shows);
        assert_int_equal(r->cancelled, x->cancelled);
        assert_int_equal(r->walk_ins, x->walk_ins);
        assert_int_equal(r->site_id, x->site_id);
        if (x->open_min == 0)
            assert_true(isnan(r->rate));
        else
            assert_close(r->rate, (double)x->booked_min / (double)x->open_min, 1e-12);
        /* By site name, device name, period. */
        if (k > 0) {
            const mg_booking_usage_row *q = &rows[k - 1];
            int c = strcmp(q->site_name, r->site_name);
            if (c == 0)
                c = strcmp(q->device_name, r->device_name);
            if (c == 0)
                c = strcmp(q->period, r->period);
            assert_true(c < 0);
        }
    }
    free(rows);
    free(ws);
}

/* --- Tests ------------------------------------------------------------------------------------------ */

static void test_usage_figures(void **state)
{
    struct fixture *f = *state;
    mg_db *db = test_db_open(f->url, NULL);
    struct world w;
    build(db, &w);
    check_usage(db, &w, w.owner, "2026-03-02", "2026-04-12", MG_BOOKING_WEEK);
    check_usage(db, &w, w.owner, "2026-02-20", "2026-04-07", MG_BOOKING_MONTH);
    check_usage(db, &w, 0, "2026-10-12", "2026-11-08", MG_BOOKING_WEEK);
    check_usage(db, &w, 0, "2026-10-01", "2026-11-30", MG_BOOKING_MONTH);
    check_usage(db, &w, w.other_owner, "2026-03-25", "2026-10-31", MG_BOOKING_MONTH);
    /* More weeks than one query counts (29): the periods in several queries. */
    check_usage(db, &w, 0, "2026-02-11", "2026-11-12", MG_BOOKING_WEEK);
    /* One site. */
    mg_booking_usage_row *rows = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_usage(db, 0, w.s2, "2026-03-01", "2026-03-31", MG_BOOKING_MONTH,
                                      &rows, &n, &d),
                     0);
    assert_true(n >= 1);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(rows[k].site_id, w.s2);
    free(rows);
    /* Refused ranges name their field. */
    static const char *const bad[][2] = {
        {"2026-13-01", "2026-12-31"}, {"2026-02-30", "2026-03-01"}, {"", "2026-03-01"},
        {"2026-03-01", "2026-02-28"}, {"2020-01-01", "2026-01-01"}, {"2026-03-01", "01/04/2026"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        rows = NULL;
        assert_int_equal(mg_booking_usage(db, 0, 0, bad[k][0], bad[k][1], MG_BOOKING_WEEK, &rows,
                                          &n, &d),
                         MG_EINVAL);
        assert_null(rows);
        assert_true(strstr(d.msg, "from") || strstr(d.msg, "to"));
    }
    free(w.bk);
    mg_db_close(db);
}

/* Hand cases: a site open around the clock is open 23 hours the day summer
 * time starts, 25 the day it ends, 24 another day; one-day periods. */
static void test_change_days(void **state)
{
    struct fixture *f = *state;
    mg_db *db = test_db_open(f->url, NULL);
    int64_t owner = org(db, "Département (exemple)", "departement");
    int64_t s = site(db, owner, "Toujours ouvert (exemple)", "11069", "24/7");
    int64_t dv = device(db, s, "Cabine", NULL, false, true);
    static const struct {
        const char *day;
        double hours;
    } cases[] = {{"2026-03-29", 23}, {"2026-10-25", 25}, {"2026-06-01", 24},
                 {"2027-03-28", 23}, {"2027-10-31", 25}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (int p = 0; p < 2; p++) {
            mg_booking_usage_row *rows = NULL;
            size_t n = 0;
            mg_diag d = {{0}};
            assert_int_equal(mg_booking_usage(db, owner, 0, cases[k].day, cases[k].day,
                                              p ? MG_BOOKING_MONTH : MG_BOOKING_WEEK, &rows, &n,
                                              &d),
                             0);
            assert_int_equal(n, 1);
            assert_int_equal(rows[0].device_id, dv);
            assert_close(rows[0].open_hours, cases[k].hours, 0);
            assert_close(rows[0].booked_hours, 0, 0);
            assert_close(rows[0].rate, 0, 0);
            free(rows);
        }
    mg_db_close(db);
}

static void test_assisted_monthly(void **state)
{
    struct fixture *f = *state;
    mg_db *db = test_db_open(f->url, NULL);
    struct world w;
    build(db, &w);
    mg_booking_assisted_row *rows = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_assisted_monthly(db, w.owner, 2026, &rows, &n, &d), 0);
    /* s1 (an active assisted device) and s2 (an inactive one): 12 months each. */
    assert_int_equal(n, 24);
    for (size_t k = 0; k < n; k++) {
        const mg_booking_assisted_row *r = &rows[k];
        assert_int_equal(r->site_id, k < 12 ? w.s1 : w.s2);
        char month[8];
        snprintf(month, sizeof month, "2026-%02u", (unsigned)(k % 12) + 1u);
        assert_string_equal(r->month, month);
        int64_t want = 0;
        for (size_t i = 0; i < w.nbk; i++) {
            const struct bk *b = &w.bk[i];
            char l[9];
            label_of(b->start, MG_BOOKING_MONTH, 0, 1000000, l);
            want += b->site_id == r->site_id && b->assisted && strcmp(b->state, "done") == 0 &&
                    strcmp(l, month) == 0;
        }
        if (r->count != want)
            fail_msg("site %" PRId64 " %s: %" PRId64 " assisted, counted %" PRId64, r->site_id,
                     r->month, r->count, want);
    }
    free(rows);
    /* The other network has no assisted device. */
    assert_int_equal(mg_booking_assisted_monthly(db, w.other_owner, 2026, &rows, &n, &d), 0);
    assert_int_equal(n, 0);
    free(rows);
    free(w.bk);
    mg_db_close(db);
}

/* The workbook read back by openpyxl: each sheet's rows as JSON. */
static void test_workbook(void **state)
{
    struct fixture *f = *state;
    if (system(PYTHON " -c 'import openpyxl' >/dev/null 2>&1") != 0)
        fail_msg("openpyxl is missing for " PYTHON ": the workbook cannot be read back. Install "
                 "it with scripts/install-deps.sh test (Debian package python3-openpyxl).");
    mg_db *db = test_db_open(f->url, NULL);
    struct world w;
    build(db, &w);
    unsigned char *x = NULL;
    size_t nx = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_usage_xlsx(db, w.owner, "2026-02-20", "2026-04-07", MG_BOOKING_MONTH, &x,
                                   &nx, &d);
    if (rc != 0)
        fail_msg("xlsx: %s (%s)", mg_strerror(rc), d.msg);
    char path[512], script[512], cmd[2048];
    snprintf(path, sizeof path, "%s/usage.xlsx", f->dir);
    snprintf(script, sizeof script, "%s/read.py", f->dir);
    FILE *o = fopen(path, "wb");
    assert_non_null(o);
    assert_int_equal(fwrite(x, 1, nx, o), nx);
    fclose(o);
    free(x);
    o = fopen(script, "w");
    assert_non_null(o);
    fputs("import json, sys, openpyxl\n"
          "wb = openpyxl.load_workbook(sys.argv[1], read_only=True)\n"
          "print(json.dumps({'sheets': wb.sheetnames, 'rows': {n: [list(r) for r in "
          "wb[n].iter_rows(values_only=True)] for n in wb.sheetnames}}))\n",
          o);
    fclose(o);
    snprintf(cmd, sizeof cmd, PYTHON " '%s' '%s'", script, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    json_error_t je;
    json_t *doc = json_loadf(p, 0, &je);
    assert_int_equal(pclose(p), 0);
    if (!doc)
        fail_msg("openpyxl's output: %s", je.text);
    json_t *sheets = json_object_get(doc, "sheets");
    assert_int_equal(json_array_size(sheets), 2);
    assert_string_equal(json_string_value(json_array_get(sheets, 0)), "Utilisation");
    assert_string_equal(json_string_value(json_array_get(sheets, 1)),
                        "Téléconsultations assistées");
    json_t *u = json_object_get(json_object_get(doc, "rows"), "Utilisation");
    mg_booking_usage_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(mg_booking_usage(db, w.owner, 0, "2026-02-20", "2026-04-07",
                                      MG_BOOKING_MONTH, &rows, &n, &d),
                     0);
    assert_int_equal(json_array_size(u), n + 1);
    static const char *const headers[] = {
        "Site", "Appareil", "Période", "Heures d'ouverture", "Heures réservées",
        "Taux d'occupation (%)", "Réservations", "Consultations terminées", "Absences",
        "Annulations", "Sans rendez-vous"};
    for (size_t c = 0; c < sizeof headers / sizeof headers[0]; c++)
        assert_string_equal(json_string_value(json_array_get(json_array_get(u, 0), c)),
                            headers[c]);
    for (size_t k = 0; k < n; k++) {
        json_t *row = json_array_get(u, k + 1);
        const mg_booking_usage_row *r = &rows[k];
        assert_string_equal(json_string_value(json_array_get(row, 0)), r->site_name);
        assert_string_equal(json_string_value(json_array_get(row, 1)), r->device_name);
        assert_string_equal(json_string_value(json_array_get(row, 2)), r->period);
        assert_close(json_number_value(json_array_get(row, 3)), r->open_hours, 1e-9);
        assert_close(json_number_value(json_array_get(row, 4)), r->booked_hours, 1e-9);
        if (isnan(r->rate))
            assert_true(json_is_null(json_array_get(row, 5)));
        else
            assert_close(json_number_value(json_array_get(row, 5)), r->rate * 100, 1e-9);
        int64_t counts[] = {r->bookings, r->done, r->no_shows, r->cancelled, r->walk_ins};
        for (size_t c = 0; c < 5; c++)
            assert_close(json_number_value(json_array_get(row, 6 + c)), (double)counts[c], 0);
    }
    free(rows);
    /* The assisted sheet: the months of the range (February to April) of each site. */
    json_t *a = json_object_get(json_object_get(doc, "rows"), "Téléconsultations assistées");
    mg_booking_assisted_row *ar = NULL;
    size_t na = 0;
    assert_int_equal(mg_booking_assisted_monthly(db, w.owner, 2026, &ar, &na, &d), 0);
    size_t row = 1;
    for (size_t k = 0; k < na; k++) {
        if (strcmp(ar[k].month, "2026-02") < 0 || strcmp(ar[k].month, "2026-04") > 0)
            continue;
        json_t *r = json_array_get(a, row++);
        assert_non_null(r);
        assert_string_equal(json_string_value(json_array_get(r, 0)), ar[k].site_name);
        assert_string_equal(json_string_value(json_array_get(r, 1)), ar[k].month);
        assert_close(json_number_value(json_array_get(r, 2)), (double)ar[k].count, 0);
    }
    assert_int_equal(json_array_size(a), row);
    assert_int_equal(row, 1 + 2 * 3);
    free(ar);
    json_decref(doc);
    free(w.bk);
    mg_db_close(db);
}

/* The providers' values: per month over, from the scope's first booking. */
static void check_provider(mg_db *db, const struct world *w, int64_t action, const int64_t *sites,
                           size_t nsites)
{
    int ty, tm, td, minute;
    mg_paris_civil((int64_t)time(NULL), &ty, &tm, &td, &minute);
    char now_month[8];
    snprintf(now_month, sizeof now_month, "%04u-%02u", (unsigned)ty % 10000u,
             (unsigned)tm % 100u);
    /* The months from the first booking of the scope to the last one over. */
    char first[9] = "9999-99";
    for (size_t k = 0; k < w->nbk; k++)
        for (size_t s = 0; s < nsites; s++)
            if (w->bk[k].site_id == sites[s]) {
                char l[9];
                label_of(w->bk[k].start, MG_BOOKING_MONTH, 0, 1000000, l);
                if (strcmp(l, first) < 0)
                    snprintf(first, sizeof first, "%s", l);
            }
    for (int which = 0; which < 2; which++) {
        mg_indicator_point *p = NULL;
        size_t n = 0;
        mg_diag d = {{0}};
        int rc = which ? mg_booking_done_values(db, action, &p, &n, &d)
                       : mg_booking_hours_values(db, action, &p, &n, &d);
        if (rc != 0)
            fail_msg("provider: %s (%s)", mg_strerror(rc), d.msg);
        mg_date first_day;
        mg_parse_error why;
        char first_date[12];
        snprintf(first_date, sizeof first_date, "%.7s-01", first);
        assert_int_equal(mg_parse_date(first_date, &first_day, &why), 0);
        int y = first_day.year, m = first_day.month;
        size_t k = 0;
        for (;; k++) {
            char month[8];
            snprintf(month, sizeof month, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
            if (strcmp(month, now_month) >= 0)
                break;
            if (k >= n)
                fail_msg("provider: no point for %s", month);
            char on[11];
            snprintf(on, sizeof on, "%s-%02u", month, (unsigned)mg_days_in_month(y, m) % 100u);
            assert_string_equal(p[k].on, on);
            double want = 0;
            for (size_t b = 0; b < w->nbk; b++) {
                const struct bk *x = &w->bk[b];
                bool in = false;
                for (size_t s = 0; s < nsites; s++)
                    in = in || x->site_id == sites[s];
                char l[9];
                label_of(x->start, MG_BOOKING_MONTH, 0, 1000000, l);
                if (!in || strcmp(l, month) != 0)
                    continue;
                if (which)
                    want += strcmp(x->state, "done") == 0;
                else
                    want += strcmp(x->state, "cancelled") ? (double)(x->end - x->start) / 60 : 0;
            }
            assert_close(p[k].value, want, 1e-9);
            if (++m == 13) {
                m = 1;
                y++;
            }
        }
        assert_int_equal(n, k);
        free(p);
    }
}

static void test_providers(void **state)
{
    struct fixture *f = *state;
    mg_db *db = test_db_open(f->url, NULL);
    struct world w;
    build(db, &w);
    int64_t contract = raw(db,
                           "INSERT INTO contracts (organisation_id, kind, title, created_at, "
                           "updated_at) VALUES (?1, 'cls', 'Contrat (exemple)', 'x', 'x') "
                           "RETURNING id",
                           MG_DB_PARAMS(MG_DB_INT(w.owner)));
    /* An action naming the communes of s1 and of s3 (another network's site). */
    int64_t a1 = raw(db,
                     "INSERT INTO contract_actions (contract_id, title, target_communes, "
                     "created_at, updated_at) VALUES (?1, 'Télésanté', "
                     "'communes:11069,34172', 'x', 'x') RETURNING id",
                     MG_DB_PARAMS(MG_DB_INT(contract)));
    int64_t s13[] = {w.s1, w.s3};
    check_provider(db, &w, a1, s13, 2);
    /* An action naming none: the lead's network (s1, s2). */
    int64_t a2 = raw(db,
                     "INSERT INTO contract_actions (contract_id, title, created_at, updated_at) "
                     "VALUES (?1, 'Cabines', 'x', 'x') RETURNING id",
                     MG_DB_PARAMS(MG_DB_INT(contract)));
    int64_t s12[] = {w.s1, w.s2};
    check_provider(db, &w, a2, s12, 2);
    /* An EPCI: the lead's network and the sites taking part (s3). */
    int64_t a3 = raw(db,
                     "INSERT INTO contract_actions (contract_id, title, target_communes, "
                     "created_at, updated_at) VALUES (?1, 'EPCI', 'epci:200035707', 'x', 'x') "
                     "RETURNING id",
                     MG_DB_PARAMS(MG_DB_INT(contract)));
    raw(db,
        "INSERT INTO action_participants (action_id, organisation_id, role, created_at) "
        "VALUES (?1, ?2, 'partner', 'x')",
        MG_DB_PARAMS(MG_DB_INT(a3), MG_DB_INT(w.s3)));
    int64_t s123[] = {w.s1, w.s2, w.s3};
    check_provider(db, &w, a3, s123, 3);
    /* Registered in the indicators' table. */
    const mg_indicator_provider *ph = mg_indicator_provider_find("booking.hours");
    const mg_indicator_provider *pd = mg_indicator_provider_find("booking.done");
    assert_non_null(ph);
    assert_non_null(pd);
    assert_ptr_equal(ph->values, mg_booking_hours_values);
    assert_ptr_equal(pd->values, mg_booking_done_values);
    assert_string_equal(mg_booking_provider_hours.key, "booking.hours");
    /* No such action. */
    mg_indicator_point *p = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_hours_values(db, 999999, &p, &n, &d), MG_ENOTFOUND);
    free(w.bk);
    mg_db_close(db);
}

#define BOTH(X)                                                                                  \
    X(test_usage_figures)                                                                        \
    X(test_change_days)                                                                          \
    X(test_assisted_monthly)                                                                     \
    X(test_workbook)                                                                             \
    X(test_providers)

int main(void)
{
    const struct CMUnitTest tests[] = {BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
