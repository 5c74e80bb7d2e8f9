/*
 * Tests of the per-process cache of mg_booking_next_slots (availability.c,
 * "The cache of answers"; migration 012_booking_version) on SQLite and,
 * when MG_TEST_PG_URI is set, on PostgreSQL:
 *  - booking_version is bumped by each kind of change the slots depend on
 *    (read by SQL): a site, a device, an assistant, a teleconsultant, its
 *    kinds and sites, an exception, a booking (its row and claims), a
 *    cancellation, a site's structure's hours and commune; and not by a
 *    structure's other columns nor by another structure's hours;
 *  - on random sequences of queries (a small pool, so that answers are
 *    served from the cache) interleaved with bookings, cancellations,
 *    exceptions and changes of a site's hours made through a SECOND mg_db
 *    handle (another process), every answer with the cache equals the
 *    answer computed with MG_BOOKING_SLOTS_CACHE=0, and both hits and
 *    stale entries occurred;
 *  - without the triggers (dropped here), the cache does serve a stale
 *    answer after another handle's booking: the version check is what
 *    keeps it right, and this test can tell;
 *  - the age bound: a version brought back by hand (a restore) is served
 *    until the entry is 60 s old on the cache's clock, then recomputed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking/booking.h"
#include "booking/internal.h"
#include "booking/setup.h"
#include "db_fixture.h"

TEST_DB_FIXTURE("booking_slots_cache")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

static bool is_pg(mg_db *db)
{
    return strcmp(mg_db_dialect(db), "postgresql") == 0;
}

/* --- Raw SQL and the network ----------------------------------------------------------------- */

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

static void run_sql(mg_db *db, const char *sql)
{
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    if (mg_db_acquire(db, &c, &d) || mg_db_exec(c, sql, &d))
        fail_msg("%s: %s", sql, d.msg);
    mg_db_release(c);
}

static int64_t version(mg_db *db)
{
    return raw(db, "SELECT version FROM booking_version WHERE id = 1", MG_DB_NO_PARAMS);
}

static int64_t org(mg_db *db, const char *name)
{
    return raw(db,
               "INSERT INTO organisations (name, kind, active, created_at, confirmed_at) "
               "VALUES (?1, 'other', 1, 'x', 'x') RETURNING id",
               MG_DB_PARAMS(MG_DB_TEXT(name)));
}

static int64_t structure(mg_db *db, const char *hours)
{
    int64_t id = org(db, "Lieu (exemple)");
    char source_id[32];
    snprintf(source_id, sizeof source_id, "s%" PRId64, id);
    raw(db,
        "INSERT INTO structures (organisation_id, source, source_id, category, name_key, "
        "commune_code, commune_name, opening_hours, updated_on, created_at, updated_at) "
        "VALUES (?1, 'test', ?2, 'pharmacy', 'x', '11069', 'Carcassonne', ?3, '2026-01-01', "
        "'x', 'x')",
        MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(source_id), MG_DB_TEXT(hours)));
    return id;
}

static int64_t site(mg_db *db, int64_t owner, const char *hours)
{
    int64_t id = structure(db, hours);
    mg_booking_site_input in = {.site_id = id, .owner_id = owner, .active = true,
                                .is_example = true};
    mg_diag d = {{0}};
    if (mg_booking_site_put(db, 0, &in, NULL, &d))
        fail_msg("site: %s", d.msg);
    return id;
}

static int64_t device(mg_db *db, int64_t site_id, const char *hours, bool assisted, int step)
{
    mg_booking_device_input in = {.site_id = site_id, .kind = assisted ? "cart" : "cabin",
                                  .name = "Équipement (exemple)", .opening_hours = hours,
                                  .assisted = assisted, .step_min = step, .active = true};
    int64_t id = 0;
    mg_diag d = {{0}};
    mg_booking_errors e = {0};
    if (mg_booking_device_add(db, 0, &in, &id, &e, &d))
        fail_msg("device: %s", d.msg);
    return id;
}

static int64_t assistant(mg_db *db, int64_t site_id, const char *hours)
{
    int64_t id = 0;
    mg_diag d = {{0}};
    if (mg_booking_assistant_put(db, 0, 0, site_id, "Pharmacien", hours, true, &id, NULL, &d))
        fail_msg("assistant: %s", d.msg);
    return id;
}

static int64_t teleconsultant(mg_db *db, int64_t tc_org, int64_t owner, const char *hours,
                              int gp, const int64_t *sites, size_t nsites)
{
    mg_booking_teleconsultant_input in = {.organisation_id = tc_org, .owner_id = owner,
                                          .label = "Médecin (exemple)", .availability = hours,
                                          .site_ids = sites, .nsites = nsites, .active = true};
    in.kinds[in.nkinds++] = (mg_booking_tc_kind){MG_BOOKING_GP, gp};
    int64_t id = 0;
    mg_diag d = {{0}};
    mg_booking_errors e = {0};
    if (mg_booking_teleconsultant_add(db, 0, &in, &id, &e, &d))
        fail_msg("teleconsultant: %s", d.msg);
    return id;
}

static int64_t exception(mg_db *db, mg_booking_resource r, int64_t id, int64_t from, int64_t to,
                         mg_booking_reason why)
{
    mg_booking_exception x = {.resource = r, .resource_id = id, .from = from, .to = to,
                              .reason = why};
    int64_t xid = 0;
    mg_diag d = {{0}};
    mg_booking_errors e = {0};
    if (mg_booking_exception_add(db, 0, &x, &xid, &e, &d))
        fail_msg("exception: %s", d.msg);
    return xid;
}

/* A booking as book.c leaves it: its row and one claim per 5-minute unit of
 * each resource; 0 when a claim is taken (nothing kept). */
struct book_tx {
    const mg_booking_slot *s;
    int64_t id;
};

static int book_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct book_tx *t = ctx;
    const mg_booking_slot *s = t->s;
    static int serial;
    char hash[65];
    snprintf(hash, sizeof hash, "%064d", ++serial);
    int rc = mg_db_query_int(
        c,
        "INSERT INTO bookings (code_hash, site_id, device_id, teleconsultant_id, assistant_id, "
        "kind, starts_at, ends_at, person, phone, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, 'gp', ?6, ?7, 'A. B.', '+33600000000', 'x', 'x') RETURNING id",
        MG_DB_PARAMS(MG_DB_TEXT(hash), MG_DB_INT(s->site_id), MG_DB_INT(s->device_id),
                     MG_DB_INT(s->teleconsultant_id),
                     s->assistant_id ? MG_DB_INT(s->assistant_id) : MG_DB_NULL,
                     MG_DB_INT(s->start), MG_DB_INT(s->end)),
        &t->id, d);
    static const char *const res[] = {"device", "teleconsultant", "assistant"};
    int64_t ids[] = {s->device_id, s->teleconsultant_id, s->assistant_id};
    for (int k = 0; k < 3 && rc == 0; k++)
        if (ids[k])
            rc = mg_db_run(c,
                           "INSERT INTO booking_claims (resource, resource_id, unit, booking_id) "
                           "SELECT ?1, ?2, u, ?4 FROM (SELECT ?3 AS u UNION ALL SELECT ?3 + 1 "
                           "UNION ALL SELECT ?3 + 2 UNION ALL SELECT ?3 + 3 UNION ALL "
                           "SELECT ?3 + 4 UNION ALL SELECT ?3 + 5) w WHERE u < ?5",
                           MG_DB_PARAMS(MG_DB_TEXT(res[k]), MG_DB_INT(ids[k]),
                                        MG_DB_INT(s->start / 5), MG_DB_INT(t->id),
                                        MG_DB_INT(s->end / 5)),
                           NULL, d);
    return rc;
}

static int64_t book(mg_db *db, const mg_booking_slot *s)
{
    struct book_tx t = {s, 0};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, book_body, &t, &d);
    if (rc == MG_EINVAL)
        return 0;
    if (rc != 0)
        fail_msg("book: %s (%s)", mg_strerror(rc), d.msg);
    return t.id;
}

static void cancel(mg_db *db, int64_t booking)
{
    raw(db, "UPDATE bookings SET state = 'cancelled' WHERE id = ?1",
        MG_DB_PARAMS(MG_DB_INT(booking)));
}

static void set_hours(mg_db *db, int64_t structure_id, const char *hours)
{
    raw(db, "UPDATE structures SET opening_hours = ?2 WHERE organisation_id = ?1",
        MG_DB_PARAMS(MG_DB_INT(structure_id), MG_DB_TEXT(hours)));
}

/* --- Answers with and without the cache ------------------------------------------------------ */

static mg_booking_slot *slots(mg_db *db, const mg_booking_slot_query *q, size_t *n, bool cached)
{
    if (!cached)
        setenv("MG_BOOKING_SLOTS_CACHE", "0", 1);
    mg_booking_slot *v = NULL;
    mg_diag d = {{0}};
    int rc = mg_booking_next_slots(db, q, &v, n, &d);
    unsetenv("MG_BOOKING_SLOTS_CACHE");
    if (rc != 0)
        fail_msg("next_slots: %s (%s)", mg_strerror(rc), d.msg);
    return v;
}

static bool same(const mg_booking_slot *a, size_t na, const mg_booking_slot *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].site_id != b[i].site_id ||
            a[i].device_id != b[i].device_id ||
            a[i].teleconsultant_id != b[i].teleconsultant_id ||
            a[i].assistant_id != b[i].assistant_id || a[i].kind != b[i].kind)
            return false;
    return true;
}

/* Asks q cached and uncached on db; fails when they differ. Returns the
 * cached answer. */
static mg_booking_slot *check(mg_db *db, const mg_booking_slot_query *q, size_t *n, int step)
{
    size_t nu = 0;
    mg_booking_slot *v = slots(db, q, n, true);
    mg_booking_slot *u = slots(db, q, &nu, false);
    if (!same(v, *n, u, nu))
        fail_msg("step %d: the cached answer (%zu slots) differs from the computed one (%zu)",
                 step, *n, nu);
    free(u);
    return v;
}

/* A small network: three sites (one with an assisted cart and an assistant),
 * two teleconsultants serving them. */
struct net {
    int64_t owner, sites[3], devices[4], assistant, tcs[2];
};

static const char *const site_hours[] = {"Mo-Fr 09:00-12:00,14:00-17:00", "Mo-Sa 08:00-13:00",
                                         "Tu,Th 10:00-18:00", "Mo-Fr 09:00-12:00"};

static void make_net(mg_db *db, struct net *n)
{
    n->owner = org(db, "Département (exemple)");
    int64_t tco = org(db, "Médecins (exemple)");
    for (int i = 0; i < 3; i++)
        n->sites[i] = site(db, n->owner, site_hours[i]);
    n->devices[0] = device(db, n->sites[0], NULL, false, 0);
    n->devices[1] = device(db, n->sites[1], NULL, false, 15);
    n->devices[2] = device(db, n->sites[2], "Tu,Th 10:00-16:00", false, 0);
    n->devices[3] = device(db, n->sites[0], NULL, true, 0);
    n->assistant = assistant(db, n->sites[0], "Mo-Fr 09:00-11:00");
    n->tcs[0] = teleconsultant(db, tco, n->owner, "Mo-Fr 08:00-18:00", 20, n->sites, 3);
    n->tcs[1] = teleconsultant(db, tco, n->owner, "Mo,Tu,Th 09:00-12:00", 30, n->sites, 2);
}

/* --- Tests --------------------------------------------------------------------------------------- */

/* Asserts that the statement made through db2 bumps (or not) the version. */
static void expect_bump(mg_db *db, bool bumps, const char *what, int64_t *last)
{
    int64_t v = version(db);
    if (bumps && v <= *last)
        fail_msg("%s did not bump booking_version (%" PRId64 ")", what, v);
    if (!bumps && v != *last)
        fail_msg("%s bumped booking_version (%" PRId64 " to %" PRId64 ")", what, *last, v);
    *last = v;
}

static void test_version_bumps(void **state)
{
    mg_db *db = open_db(state), *db2 = open_db(state);
    int64_t last = version(db);
    int64_t owner = org(db2, "Département (exemple)");
    expect_bump(db, false, "an organisation", &last);
    int64_t s = site(db2, owner, "Mo-Fr 09:00-12:00");
    expect_bump(db, true, "a site", &last);
    int64_t dev = device(db2, s, NULL, true, 0);
    expect_bump(db, true, "a device", &last);
    int64_t a = assistant(db2, s, "Mo-Fr 09:00-12:00");
    expect_bump(db, true, "an assistant", &last);
    int64_t tc = teleconsultant(db2, owner, owner, "Mo-Fr 09:00-12:00", 20, &s, 1);
    expect_bump(db, true, "a teleconsultant", &last);
    raw(db2, "UPDATE booking_teleconsultant_kinds SET duration_min = 30 WHERE teleconsultant_id = ?1",
        MG_DB_PARAMS(MG_DB_INT(tc)));
    expect_bump(db, true, "a teleconsultant's kind", &last);
    raw(db2, "DELETE FROM booking_teleconsultant_sites WHERE teleconsultant_id = ?1",
        MG_DB_PARAMS(MG_DB_INT(tc)));
    expect_bump(db, true, "a teleconsultant's site", &last);
    raw(db2, "UPDATE booking_teleconsultants SET availability = 'Mo 09:00-10:00' WHERE id = ?1",
        MG_DB_PARAMS(MG_DB_INT(tc)));
    expect_bump(db, true, "a teleconsultant's availability", &last);
    int64_t mon = mg_booking_day_start(2026, 6, 1);
    exception(db2, MG_BOOKING_RES_DEVICE, dev, mon, mon + 60, MG_BOOKING_MAINTENANCE);
    expect_bump(db, true, "an exception", &last);
    mg_booking_slot sl = {.start = mon + 600, .end = mon + 630, .site_id = s, .device_id = dev,
                          .teleconsultant_id = tc, .assistant_id = a, .kind = MG_BOOKING_GP};
    int64_t b = book(db2, &sl);
    assert_true(b > 0);
    expect_bump(db, true, "a booking", &last);
    raw(db2, "UPDATE bookings SET phone = '+33600000001' WHERE id = ?1",
        MG_DB_PARAMS(MG_DB_INT(b)));
    expect_bump(db, false, "a booking's phone", &last);
    cancel(db2, b);
    expect_bump(db, true, "a cancellation", &last);
    assert_int_equal(raw(db, "SELECT count(*) FROM booking_claims WHERE booking_id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(b))),
                     0);
    set_hours(db2, s, "Mo-Fr 08:00-12:00");
    expect_bump(db, true, "a site's hours", &last);
    set_hours(db2, s, "Mo-Fr 08:00-12:00");
    expect_bump(db, false, "the same hours again", &last);
    raw(db2, "UPDATE structures SET commune_code = '57463' WHERE organisation_id = ?1",
        MG_DB_PARAMS(MG_DB_INT(s)));
    expect_bump(db, true, "a site's commune (its holidays)", &last);
    raw(db2, "UPDATE structures SET name_key = 'y' WHERE organisation_id = ?1",
        MG_DB_PARAMS(MG_DB_INT(s)));
    expect_bump(db, false, "a site's name", &last);
    int64_t other = structure(db2, "Mo 09:00-10:00");
    expect_bump(db, false, "a structure that is not a site", &last);
    set_hours(db2, other, "Tu 09:00-10:00");
    expect_bump(db, false, "the hours of a structure that is not a site", &last);
    raw(db2, "UPDATE booking_sites SET active = 0 WHERE site_id = ?1", MG_DB_PARAMS(MG_DB_INT(s)));
    expect_bump(db, true, "a site closed", &last);
    mg_db_close(db2);
    mg_db_close(db);
}

static int64_t rnd(int64_t n)
{
    return (int64_t)(rand() % (int)n);
}

static void test_random_sequences(void **state)
{
    mg_db *db = open_db(state), *db2 = open_db(state);
    mg_booking_slots_cache_clear(NULL);
    struct net n;
    make_net(db2, &n);
    srand(17);
    int64_t mon = mg_booking_day_start(2026, 6, 1);
    /* The pool of queries: all the sites or some, from a few instants. */
    mg_booking_slot_query pool[8];
    for (int i = 0; i < 8; i++)
        pool[i] = (mg_booking_slot_query){
            .site_ids = i % 4 == 0 ? NULL : n.sites + i % 2,
            .nsites = i % 4 == 0 ? 0 : (size_t)(1 + i % 2),
            .kind = MG_BOOKING_GP,
            .from = mon + (i / 2) * 1440 + (i % 3) * 125,
            .days = 1 + i % 4,
            .limit = (size_t)(i % 2 ? 50 : 8),
            .per_site = (size_t)(i % 3 == 2 ? 3 : 0),
            .device_id = i == 5 ? n.devices[0] : 0,
            .teleconsultant_id = i == 7 ? n.tcs[0] : 0,
        };
    int64_t booked[400];
    size_t nbooked = 0;
    int changes[4] = {0};
    for (int step = 0; step < 400; step++) {
        int64_t r = rnd(100);
        /* The clock moves: from drifts later by a few minutes now and then
         * (callers ask from now + 1), served from an earlier from's answer
         * when it still holds it. */
        mg_booking_slot_query qq = pool[rnd(8)];
        qq.from += (step / 2) * 3;
        const mg_booking_slot_query *q = &qq;
        size_t k = 0;
        mg_booking_slot *v = check(db, q, &k, step);
        if (r < 75) {
            free(v);
            continue;
        }
        if (r < 88 && k > 0 && nbooked < 400) {
            /* Another process books one of the slots offered. */
            int64_t b = book(db2, &v[rnd((int64_t)k)]);
            if (b > 0)
                booked[nbooked++] = b;
            changes[0]++;
        } else if (r < 93 && nbooked > 0) {
            size_t i = (size_t)rnd((int64_t)nbooked);
            cancel(db2, booked[i]);
            booked[i] = booked[--nbooked];
            changes[1]++;
        } else if (r < 97) {
            static const mg_booking_resource res[] = {MG_BOOKING_RES_SITE, MG_BOOKING_RES_DEVICE,
                                                      MG_BOOKING_RES_TELECONSULTANT,
                                                      MG_BOOKING_RES_ASSISTANT};
            static const mg_booking_reason why[] = {MG_BOOKING_CLOSURE, MG_BOOKING_MAINTENANCE,
                                                    MG_BOOKING_ABSENCE, MG_BOOKING_ABSENCE};
            int x = (int)rnd(4);
            int64_t id = x == 0 ? n.sites[rnd(3)]
                       : x == 1 ? n.devices[rnd(4)]
                       : x == 2 ? n.tcs[rnd(2)]
                                : n.assistant;
            int64_t from = mon + rnd(5) * 1440 + 480 + rnd(60) * 5;
            exception(db2, res[x], id, from, from + 30 + rnd(40) * 5, why[x]);
            changes[2]++;
        } else {
            set_hours(db2, n.sites[rnd(3)], site_hours[rnd(4)]);
            changes[3]++;
        }
        free(v);
    }
    mg_booking_slots_cache_stats st;
    mg_booking_slots_cache_clear(&st);
    print_message("changes: %d bookings, %d cancellations, %d exceptions, %d hours; cache: %" PRIu64
                  " hits (%" PRIu64 " for a later from), %" PRIu64 " misses (%" PRIu64
                  " stale)\n",
                  changes[0], changes[1], changes[2], changes[3], st.hits, st.later, st.misses,
                  st.stale);
    for (int i = 0; i < 4; i++)
        assert_true(changes[i] > 0);
    assert_true(st.hits > 30);
    assert_true(st.stale > 20);
    assert_true(st.later > 15);
    mg_db_close(db2);
    mg_db_close(db);
}

/* Without the triggers of bookings and claims, a booking made through db2
 * leaves db's cached answer in place: the cache then serves a stale one. */
static void test_stale_without_triggers(void **state)
{
    mg_db *db = open_db(state), *db2 = open_db(state);
    mg_booking_slots_cache_clear(NULL);
    struct net n;
    make_net(db2, &n);
    int64_t mon = mg_booking_day_start(2026, 6, 1);
    mg_booking_slot_query q = {.site_ids = n.sites, .nsites = 1, .kind = MG_BOOKING_GP,
                               .from = mon, .days = 2, .limit = 10};
    size_t k = 0, k2 = 0;
    mg_booking_slot *v = check(db, &q, &k, 0);
    assert_true(k > 0);
    if (is_pg(db))
        run_sql(db2, "DROP TRIGGER bookings_version ON bookings; "
                  "DROP TRIGGER booking_claims_version ON booking_claims");
    else
        run_sql(db2, "DROP TRIGGER bookings_version_insert; DROP TRIGGER booking_claims_version_insert");
    assert_true(book(db2, &v[0]) > 0);
    mg_booking_slot *w = slots(db, &q, &k2, true);
    assert_true(same(v, k, w, k2)); /* stale: still offers the booked slot */
    free(w);
    w = slots(db, &q, &k2, false);
    assert_false(same(v, k, w, k2));
    assert_true(w[0].start != v[0].start || w[0].device_id != v[0].device_id ||
                w[0].teleconsultant_id != v[0].teleconsultant_id);
    free(w);
    free(v);
    mg_db_close(db2);
    mg_db_close(db);
}

/* A later from: without per_site the earlier answer serves it (its slots
 * from the new from on); with per_site it must not once a slot is dropped,
 * as the site of the dropped slot may give another, earlier than the rest. */
static void test_later_from(void **state)
{
    mg_db *db = open_db(state);
    mg_booking_slots_cache_clear(NULL);
    int64_t owner = org(db, "Département (exemple)");
    int64_t tco = org(db, "Médecins (exemple)");
    int64_t s[2] = {site(db, owner, "Mo-Fr 09:00-12:00"), site(db, owner, "Mo-Fr 11:00-12:00")};
    device(db, s[0], NULL, false, 0);
    device(db, s[1], NULL, false, 0);
    teleconsultant(db, tco, owner, "Mo-Fr 08:00-18:00", 20, s, 2);
    int64_t mon = mg_booking_day_start(2026, 6, 1);
    for (size_t per_site = 0; per_site < 2; per_site++) {
        mg_booking_slot_query q = {.site_ids = s, .nsites = 2, .kind = MG_BOOKING_GP,
                                   .from = mon, .days = 1, .limit = 1, .per_site = per_site};
        size_t k = 0;
        mg_booking_slot *v = check(db, &q, &k, 0);
        assert_int_equal(k, 1);
        assert_int_equal(v[0].site_id, s[0]);
        int64_t first = v[0].start;
        free(v);
        q.from = first + 1; /* the first slot has begun */
        mg_booking_slots_cache_stats st;
        mg_booking_slots_cache_clear(NULL);
        v = check(db, &(mg_booking_slot_query){.site_ids = s, .nsites = 2, .kind = MG_BOOKING_GP,
                                               .from = mon, .days = 1, .limit = 1,
                                               .per_site = per_site},
                  &k, 1);
        free(v);
        v = check(db, &q, &k, 2);
        assert_int_equal(k, 1);
        assert_int_equal(v[0].site_id, s[0]);
        assert_int_equal(v[0].start, first + 20);
        free(v);
        mg_booking_slots_cache_clear(&st);
        assert_int_equal(st.later, per_site ? 0 : 1);
    }
    mg_db_close(db);
}

static int64_t fake_now;

static int64_t fake_clock(void)
{
    return fake_now;
}

/* A version brought back by hand (a restore of an older copy) is not seen;
 * the entry is served until it is 60 s old, then computed again. */
static void test_age_bound(void **state)
{
    mg_db *db = open_db(state), *db2 = open_db(state);
    mg_booking_slots_cache_clear(NULL);
    fake_now = 1000;
    mg_booking_slots_cache_clock(fake_clock);
    struct net n;
    make_net(db2, &n);
    int64_t mon = mg_booking_day_start(2026, 6, 1);
    mg_booking_slot_query q = {.site_ids = n.sites, .nsites = 1, .kind = MG_BOOKING_GP,
                               .from = mon, .days = 2, .limit = 10};
    size_t k = 0, k2 = 0;
    mg_booking_slot *v = check(db, &q, &k, 0);
    assert_true(k > 0);
    int64_t before = version(db);
    assert_true(book(db2, &v[0]) > 0);
    raw(db2, "UPDATE booking_version SET version = ?1 WHERE id = 1",
        MG_DB_PARAMS(MG_DB_INT(before)));
    fake_now += 59;
    mg_booking_slot *w = slots(db, &q, &k2, true);
    assert_true(same(v, k, w, k2));
    free(w);
    fake_now += 1;
    w = check(db, &q, &k2, 1);
    assert_false(same(v, k, w, k2));
    free(w);
    free(v);
    mg_booking_slots_cache_clock(NULL);
    mg_db_close(db2);
    mg_db_close(db);
}

#define ALL(X)                                                                                 \
    X(test_version_bumps)                                                                      \
    X(test_random_sequences)                                                                   \
    X(test_stale_without_triggers)                                                             \
    X(test_later_from)                                                                         \
    X(test_age_bound)

int main(void)
{
    const struct CMUnitTest tests[] = {ALL(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {ALL(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
