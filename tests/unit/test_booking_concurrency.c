/*
 * Issue 17, "Done when" 1, at the library level: 200 clients, each a
 * thread with its own connection, released at once by a barrier, try to
 * book the same 20 slots (thread i the slot i mod 20: ten per slot) of an
 * assisted cart (device, teleconsultant and assistant claimed), each with
 * its own phone number and address so that neither the limits nor the
 * throttling interfere. Exactly 20 succeed, the 180 others are told the
 * slot is gone (res->gone, field « start »), and the database itself finds
 * no overlap (a self-join over bookings: same device, teleconsultant or
 * assistant, neither cancelled, intervals overlapping) and exactly
 * 20 × 4 units × 3 resources claims. On SQLite (one file, 200 connections)
 * and on PostgreSQL with the threads split between two separate mg_db
 * handles, as two server processes would be: there each handle's pool
 * is PG_POOL (48) connections, the other threads waiting for one. With a
 * connection per thread (95 per handle, the cluster's max_connections
 * being 200) PostgreSQL's predicate locking runs out of its RWConflictPool
 * (SQLSTATE 53200, "not enough elements in RWConflictPool", which the
 * driver reports as MG_ENOMEM and mg_db_transaction does not retry): ~190
 * serialisable transactions reading and writing the same claims at once
 * is beyond what the server sizes for; 48 per handle passes.
 *
 * Also: nine clients at once book distinct slots with ONE phone number
 * (from distinct addresses): exactly two succeed, as booking_holds' key
 * allows, the others refused on « phone ».
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking/book.h"
#include "db_fixture.h"

TEST_DB_FIXTURE("booking_concurrency")

#include "booking_book_fixture.h"

#ifndef PG_POOL
#define PG_POOL 48
#endif
enum { CLIENTS = 200, SLOTS = 20, DURATION = 20 };

struct client {
    mg_db *db;
    pthread_barrier_t *barrier;
    const struct booking_world *w;
    int i;
    int rc;
    mg_booking_result res;
    char field[48];
    char msg[1024];
};

static void *client_main(void *arg)
{
    struct client *c = arg;
    char phone[16], address[32];
    snprintf(phone, sizeof phone, "061000%04d", c->i);
    snprintf(address, sizeof address, "10.0.%d.%d", c->i / 250, c->i % 250);
    mg_booking_input in = {.site_id = c->w->site, .device_id = c->w->cart,
                           .teleconsultant_id = c->w->tc, .kind = MG_BOOKING_GP,
                           .start = at_local(9, 0) + (int64_t)(c->i % SLOTS) * DURATION,
                           .person = "A. B.", .phone = phone, .address = address,
                           .now_s = test_now_s()};
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    pthread_barrier_wait(c->barrier);
    c->rc = mg_booking_book(c->db, 0, &in, &c->res, &errs, &d);
    if (errs.n > 0)
        snprintf(c->field, sizeof c->field, "%s", errs.e[0].field);
    snprintf(c->msg, sizeof c->msg, "%s", d.msg);
    return NULL;
}

static void run_clients(void **state, int handles)
{
    struct fixture *f = *state;
    mg_db_options o = {.busy_ms = 180000, .pool_max = handles == 1 ? CLIENTS : PG_POOL};
    mg_db *db[2] = {test_db_open(f->url, &o), handles == 2 ? test_db_open(f->url, &o) : NULL};
    struct booking_world w;
    world_make_with(db[0], &w, "Mo-Fr 09:00-17:00", "initials", 0);

    static struct client clients[CLIENTS];
    pthread_t th[CLIENTS];
    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, CLIENTS), 0);
    for (int i = 0; i < CLIENTS; i++) {
        clients[i] = (struct client){.db = db[i % handles], .barrier = &barrier, .w = &w, .i = i};
        assert_int_equal(pthread_create(&th[i], NULL, client_main, &clients[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&barrier);

    int ok = 0, gone = 0;
    int per_slot[SLOTS] = {0};
    for (int i = 0; i < CLIENTS; i++) {
        struct client *c = &clients[i];
        if (c->rc == 0) {
            ok++;
            per_slot[i % SLOTS]++;
            assert_int_equal(c->res.start, at_local(9, 0) + (int64_t)(i % SLOTS) * DURATION);
            assert_int_equal(c->res.assistant_id, w.assistant);
        } else if (c->rc == MG_EINVAL && c->res.gone && strcmp(c->field, "start") == 0) {
            gone++;
            assert_non_null(strstr(c->msg, "vient d'être réservé"));
        } else {
            fail_msg("client %d: %s, field \"%s\": %s", i, mg_strerror(c->rc), c->field, c->msg);
        }
    }
    assert_int_equal(ok, SLOTS);
    assert_int_equal(gone, CLIENTS - SLOTS);
    for (int s = 0; s < SLOTS; s++)
        assert_int_equal(per_slot[s], 1);

    /* What the database says, not the module. */
    assert_int_equal(raw_int(db[0], OVERLAPS_SQL, MG_DB_NO_PARAMS), 0);
    assert_int_equal(raw_int(db[0], "SELECT COUNT(*) FROM bookings WHERE state <> 'cancelled'",
                             MG_DB_NO_PARAMS),
                     SLOTS);
    assert_int_equal(raw_int(db[0], "SELECT COUNT(DISTINCT starts_at) FROM bookings",
                             MG_DB_NO_PARAMS),
                     SLOTS);
    assert_int_equal(raw_int(db[0], "SELECT COUNT(*) FROM booking_claims", MG_DB_NO_PARAMS),
                     SLOTS * (DURATION / MG_BOOKING_GRAIN_MIN) * 3);
    /* Each claim is its booking's own unit of its own resources. */
    assert_int_equal(raw_int(db[0],
                             "SELECT COUNT(*) FROM booking_claims c JOIN bookings b "
                             "ON b.id = c.booking_id WHERE c.unit * 5 < b.starts_at "
                             "OR c.unit * 5 >= b.ends_at OR NOT ("
                             "(c.resource = 'device' AND c.resource_id = b.device_id) OR "
                             "(c.resource = 'teleconsultant' AND c.resource_id = "
                             "b.teleconsultant_id) OR (c.resource = 'assistant' AND "
                             "c.resource_id = b.assistant_id))",
                             MG_DB_NO_PARAMS),
                     0);
    assert_int_equal(raw_int(db[0],
                             "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'booking'",
                             MG_DB_NO_PARAMS),
                     SLOTS);
    mg_db_close(db[0]);
    mg_db_close(db[1]);
}

static void test_concurrent_sqlite(void **state)
{
    run_clients(state, 1);
}

static void test_concurrent_pg_two_handles(void **state)
{
    run_clients(state, 2);
}

/* --- One phone number, many clients at once: two bookings at most ---------------------------- */

enum { SAME_PHONE = MG_BOOKING_ATTEMPTS_PER_WINDOW - 1 }; /* the phone's throttle left out */

static void *same_phone_main(void *arg)
{
    struct client *c = arg;
    char address[32];
    snprintf(address, sizeof address, "10.1.0.%d", c->i);
    mg_booking_input in = {.site_id = c->w->site, .device_id = c->w->cabin,
                           .teleconsultant_id = c->w->tc, .kind = MG_BOOKING_GP,
                           .start = at_local(9, 0) + (int64_t)c->i * DURATION,
                           .person = "A. B.", .phone = "06 12 34 56 78", .address = address,
                           .now_s = test_now_s()};
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    pthread_barrier_wait(c->barrier);
    c->rc = mg_booking_book(c->db, 0, &in, &c->res, &errs, &d);
    if (errs.n > 0)
        snprintf(c->field, sizeof c->field, "%s", errs.e[0].field);
    snprintf(c->msg, sizeof c->msg, "%s", d.msg);
    return NULL;
}

/* SAME_PHONE clients book distinct free slots with one phone number from
 * distinct addresses: exactly MG_BOOKING_ACTIVE_MAX succeed, the others
 * are refused on « phone » (or told to retry: MG_EBUSY), and the database
 * holds two active bookings of that number. */
static void run_same_phone(void **state, int handles)
{
    struct fixture *f = *state;
    mg_db_options o = {.busy_ms = 180000, .pool_max = SAME_PHONE};
    mg_db *db[2] = {test_db_open(f->url, &o), handles == 2 ? test_db_open(f->url, &o) : NULL};
    struct booking_world w;
    world_make_with(db[0], &w, "Mo-Fr 09:00-17:00", "initials", 0);
    static struct client clients[SAME_PHONE];
    pthread_t th[SAME_PHONE];
    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, SAME_PHONE), 0);
    for (int i = 0; i < SAME_PHONE; i++) {
        clients[i] = (struct client){.db = db[i % handles], .barrier = &barrier, .w = &w, .i = i};
        assert_int_equal(pthread_create(&th[i], NULL, same_phone_main, &clients[i]), 0);
    }
    for (int i = 0; i < SAME_PHONE; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&barrier);
    int ok = 0;
    for (int i = 0; i < SAME_PHONE; i++) {
        struct client *c = &clients[i];
        if (c->rc == 0)
            ok++;
        else if (!(c->rc == MG_EINVAL && strcmp(c->field, "phone") == 0) && c->rc != MG_EBUSY)
            fail_msg("client %d: %s, field \"%s\": %s", i, mg_strerror(c->rc), c->field, c->msg);
    }
    assert_int_equal(ok, MG_BOOKING_ACTIVE_MAX);
    assert_int_equal(raw_int(db[0],
                             "SELECT COUNT(*) FROM bookings WHERE phone = '+33612345678' "
                             "AND state = 'booked'",
                             MG_DB_NO_PARAMS),
                     MG_BOOKING_ACTIVE_MAX);
    assert_int_equal(raw_int(db[0], "SELECT COUNT(*) FROM booking_holds", MG_DB_NO_PARAMS),
                     2 * MG_BOOKING_ACTIVE_MAX); /* the phone's two and each address's one */
    mg_db_close(db[0]);
    mg_db_close(db[1]);
}

static void test_same_phone_sqlite(void **state)
{
    run_same_phone(state, 1);
}

static void test_same_phone_pg_two_handles(void **state)
{
    run_same_phone(state, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {TEST_DB_SQLITE(test_concurrent_sqlite)
                                           TEST_DB_SQLITE(test_same_phone_sqlite)};
    const struct CMUnitTest pg_tests[] = {TEST_DB_PG(test_concurrent_pg_two_handles)
                                              TEST_DB_PG(test_same_phone_pg_two_handles)};
    return test_db_run_groups(tests, pg_tests);
}
