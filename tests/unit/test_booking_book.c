/*
 * Tests of bookings (book.h, book.c) on SQLite and, when MG_TEST_PG_URI is
 * set, on PostgreSQL: book, cancel and rebook one slot (the claims freed at
 * once); a slot outside the site's hours, in the past or off the grid
 * refused on « start »; the limits of two active bookings per phone number
 * and per address (freed by a cancellation or once the booking has ended);
 * throttling of booking and code attempts (a fake clock); the state
 * transitions the database allows and refuses; a maintenance block listing
 * the bookings it hits; every refusal changing none of bookings,
 * booking_claims, booking_holds and the audit trail; no column of health
 * data in bookings (read from the catalogue); audit entries holding neither
 * the name nor the phone number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "booking/book.h"
#include "core/buf.h"
#include "db_fixture.h"

TEST_DB_FIXTURE("booking_book")

#include "booking_book_fixture.h"

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

/* --- What the database holds, as text -------------------------------------------------------- */

struct dump_tx {
    mg_buf *b;
};

static int dump_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct dump_tx *t = ctx;
    mg_buf_reset(t->b);
    static const char *const queries[] = {
        "SELECT * FROM bookings ORDER BY 1",
        "SELECT * FROM booking_claims ORDER BY 1, 2, 3",
        "SELECT * FROM booking_holds ORDER BY 1, 2",
        "SELECT * FROM booking_exceptions ORDER BY 1",
        "SELECT * FROM audit_entries ORDER BY 1",
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        mg_db_stmt *q = NULL;
        int rc = mg_db_prepare(c, queries[i], &q, d);
        mg_buf_printf(t->b, "== %s\n", queries[i]);
        while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
            for (int k = 0; k < mg_db_column_count(q); k++) {
                const char *v = mg_db_column_text(q, k);
                mg_buf_printf(t->b, "%s|", v ? v : "NULL");
            }
            mg_buf_puts(t->b, "\n");
            rc = 0;
        }
        mg_db_finalize(q);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static char *dump(mg_db *db)
{
    mg_buf b;
    mg_buf_init(&b, (size_t)64 << 20);
    struct dump_tx t = {&b};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, dump_body, &t, &d);
    if (rc != 0)
        fail_msg("dump: %s (%s)", mg_strerror(rc), d.msg);
    char *s = mg_buf_take(&b, NULL);
    mg_buf_free(&b);
    assert_non_null(s);
    return s;
}

/* --- Booking helpers ------------------------------------------------------------------------- */

static mg_booking_input public_input(const struct booking_world *w, int64_t device, int64_t start,
                                     const char *phone, const char *address)
{
    return (mg_booking_input){.site_id = w->site, .device_id = device,
                              .teleconsultant_id = w->tc, .kind = MG_BOOKING_GP,
                              .start = start, .person = "A. B.", .phone = phone,
                              .address = address, .now_s = test_now_s()};
}

/* Books and expects success. */
static mg_booking_result book_ok(mg_db *db, int64_t by, const mg_booking_input *in)
{
    mg_booking_result r;
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    int rc = mg_booking_book(db, by, in, &r, &errs, &d);
    if (rc != 0)
        fail_msg("book: %s (%s)", mg_strerror(rc), d.msg);
    assert_true(r.id > 0);
    assert_false(r.gone);
    return r;
}

/* Books and expects a refusal naming `field` (NULL: any code but 0). */
static int book_refused(mg_db *db, int64_t by, const mg_booking_input *in, int want_rc,
                        const char *field, mg_booking_result *out)
{
    mg_booking_result r;
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    int rc = mg_booking_book(db, by, in, &r, &errs, &d);
    if (rc != want_rc)
        fail_msg("book: expected %s, got %s (%s)", mg_strerror(want_rc), mg_strerror(rc), d.msg);
    if (field && !mg_booking_errors_for(&errs, field))
        fail_msg("no error on \"%s\" (%s)", field, d.msg);
    assert_true(d.msg[0] != 0);
    assert_int_equal(r.id, 0);
    if (out)
        *out = r;
    return rc;
}

static int64_t count_of(mg_db *db, const char *sql, int64_t id)
{
    return raw_int(db, sql, MG_DB_PARAMS(MG_DB_INT(id)));
}

/* --- Book, cancel, rebook ------------------------------------------------------------------- */

static void test_book_cancel_rebook(void **state)
{
    mg_db *db = open_db(state);
    struct booking_world w;
    world_make(db, &w);
    int64_t t0 = at_local(9, 0);

    mg_booking_input in = public_input(&w, w.cabin, t0, "06 12 34 56 78", "192.0.2.1");
    mg_booking_result r = book_ok(db, 0, &in);
    assert_int_equal(r.start, t0);
    assert_int_equal(r.end, t0 + 20);
    assert_int_equal(r.assistant_id, 0);
    assert_int_equal(strlen(r.code), 11);
    assert_int_equal(r.code[5], '-');
    /* 4 units of the cabin and of the teleconsultant. */
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM booking_claims WHERE booking_id = ?1", r.id),
                     8);

    /* The same slot again, by someone else: gone. */
    mg_booking_input in2 = public_input(&w, w.cabin, t0, "06 98 76 54 32", "192.0.2.2");
    mg_booking_result r2;
    book_refused(db, 0, &in2, MG_EINVAL, "start", &r2);
    assert_true(r2.gone);
    /* An overlapping slot of the same teleconsultant on the cart: gone too. */
    mg_booking_input in3 = public_input(&w, w.cart, t0, "06 98 76 54 32", "192.0.2.2");
    book_refused(db, 0, &in3, MG_EINVAL, "start", &r2);
    assert_true(r2.gone);

    /* Found by its code as typed (case, no dash). */
    char typed[48];
    snprintf(typed, sizeof typed, "%.5s%s", r.code, r.code + 6);
    for (char *p = typed; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    mg_booking b;
    int retry = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_find_code(db, typed, "192.0.2.1", test_now_s(), &b, &retry, &d), 0);
    assert_int_equal(b.id, r.id);
    assert_string_equal(b.person, "A. B.");
    assert_string_equal(b.phone, "+33612345678");
    assert_string_equal(b.site_name, "Mairie exemple");
    assert_string_equal(b.device_name, "Cabine exemple");
    assert_string_equal(b.commune_name, "Carcassonne");
    assert_int_equal(b.state, MG_BOOKING_BOOKED);

    /* Cancelled by code: the units are free at once. */
    assert_int_equal(mg_booking_cancel_code(db, r.code, "192.0.2.1", test_now_s(), &b, &retry, &d),
                     0);
    assert_int_equal(b.state, MG_BOOKING_CANCELLED);
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM booking_claims WHERE booking_id = ?1", r.id),
                     0);
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM booking_holds WHERE booking_id = ?1", r.id),
                     0);
    /* Twice: refused. An unknown code: not found. */
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_cancel_code(db, r.code, "192.0.2.1", test_now_s(), &b, &retry, &d),
                     MG_EINVAL);
    assert_true(d.msg[0] != 0);
    mg_diag_clear(&d);
    assert_int_equal(
        mg_booking_cancel_code(db, "ZZZZZ-ZZZZZ", "192.0.2.1", test_now_s(), &b, &retry, &d),
        MG_ENOTFOUND);

    /* Rebooked by the second person. */
    mg_booking_result r3 = book_ok(db, 0, &in2);
    assert_int_equal(r3.start, t0);
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM booking_claims WHERE booking_id = ?1", r3.id),
                     8);

    /* The cart (assisted): device, teleconsultant and assistant claimed. */
    mg_booking_input in4 = public_input(&w, w.cart, at_local(10, 0), "06 11 11 11 11", "192.0.2.3");
    mg_booking_result r4 = book_ok(db, 0, &in4);
    assert_int_equal(r4.assistant_id, w.assistant);
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM booking_claims WHERE booking_id = ?1", r4.id),
                     12);

    /* A booking that has begun cannot be cancelled by its code. */
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_cancel_code(db, r4.code, "192.0.2.3", (at_local(10, 5)) * 60, &b,
                                            &retry, &d),
                     MG_EINVAL);
    assert_int_equal(raw_int(db, OVERLAPS_SQL, MG_DB_NO_PARAMS), 0);

    /* The overlap query of the concurrency test does see an overlap: a row
     * written around the module (no claims) over r4's cart, 10:10. */
    raw_int(db,
            "INSERT INTO bookings (code_hash, site_id, device_id, teleconsultant_id, kind, "
            "starts_at, ends_at, person, phone, created_at, updated_at) VALUES "
            "('0000000000000000000000000000000000000000000000000000000000000000', ?1, ?2, ?3, "
            "'gp', ?4, ?5, 'X', '+33600000000', 't', 't') RETURNING id",
            MG_DB_PARAMS(MG_DB_INT(w.site), MG_DB_INT(w.cart), MG_DB_INT(w.tc2),
                         MG_DB_INT(at_local(10, 10)), MG_DB_INT(at_local(10, 30))));
    assert_int_equal(raw_int(db, OVERLAPS_SQL, MG_DB_NO_PARAMS), 1);
    mg_db_close(db);
}

/* --- Slots outside the rules ----------------------------------------------------------------- */

static void test_outside_hours(void **state)
{
    mg_db *db = open_db(state);
    struct booking_world w;
    world_make(db, &w);
    char *before = dump(db);
    mg_booking_result r;
    int64_t refused[] = {
        at_local(12, 0),                          /* the site closes at 12:00 */
        at_local(11, 50),                         /* would end at 12:10 */
        at_local(13, 0),                          /* lunch */
        at_local(9, 10),                          /* off the 20-minute grid */
        at_local(9, 3),                           /* off the 5-minute grid */
        mg_booking_day_start(2026, 6, 6) + 600,   /* Saturday: the site is closed */
        mg_booking_day_start(2026, 6, 1) + 7 * 60, /* Monday 07:00: past (now 08:00) */
        mg_booking_day_start(2026, 9, 1) + 600,   /* beyond the 62-day horizon */
    };
    for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
        mg_booking_input in = public_input(&w, w.cabin, refused[k], "06 12 34 56 78", "192.0.2.9");
        in.now_s = test_now_s() + (int64_t)k * 601; /* no throttling here */
        book_refused(db, 0, &in, MG_EINVAL, "start", &r);
        assert_false(r.gone);
    }
    /* Bad person, phone, kind, device, teleconsultant (each from its own
     * address and phone: no throttling here). */
    mg_booking_input in = public_input(&w, w.cabin, at_local(9, 0), "12", "192.0.2.10");
    in.person = "";
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_book(db, 0, &in, &r, &errs, &d), MG_EINVAL);
    assert_non_null(mg_booking_errors_for(&errs, "person"));
    assert_non_null(mg_booking_errors_for(&errs, "phone"));
    in = public_input(&w, w.cabin, at_local(9, 0), "0700000001", "192.0.2.11");
    in.person = "Initiales trop longues";
    book_refused(db, 0, &in, MG_EINVAL, "person", NULL);
    in = public_input(&w, w.cabin, at_local(9, 0), "0700000002", "192.0.2.12");
    in.kind = MG_BOOKING_SPECIALIST;
    book_refused(db, 0, &in, MG_EINVAL, "kind", NULL);
    in = public_input(&w, w.cabin + 1000, at_local(9, 0), "0700000003", "192.0.2.13");
    book_refused(db, 0, &in, MG_EINVAL, "device_id", NULL);
    in = public_input(&w, w.cabin, at_local(9, 0), "0700000004", "192.0.2.14");
    in.teleconsultant_id = w.tc + 1000;
    book_refused(db, 0, &in, MG_EINVAL, "teleconsultant_id", NULL);
    char *after = dump(db);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* In hours, on the grid: booked. */
    in = public_input(&w, w.cabin, at_local(11, 40), "0700000005", "192.0.2.15");
    book_ok(db, 0, &in);
    mg_db_close(db);
}

/* A site that asks for a name. */
static void test_ask_name(void **state)
{
    mg_db *db = open_db(state);
    struct booking_world w;
    world_make_with(db, &w, "Mo-Fr 09:00-17:00", "name", 1);
    mg_booking_input in = public_input(&w, w.cabin, at_local(9, 0), "0612345678", "192.0.2.1");
    in.person = "  Personne   exemple  ";
    mg_booking_result r = book_ok(db, 0, &in);
    mg_booking b;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_get(db, r.id, &b, &d), 0);
    assert_string_equal(b.person, "Personne exemple");
    in.start = at_local(9, 20);
    in.person = "   ";
    book_refused(db, 0, &in, MG_EINVAL, "person", NULL);
    mg_db_close(db);
}

/* --- Limits ------------------------------------------------------------------------------------ */

static void test_limits(void **state)
{
    mg_db *db = open_db(state);
    struct booking_world w;
    world_make(db, &w);
    /* One phone, three addresses: the third is refused on « phone ». */
    mg_booking_input a = public_input(&w, w.cabin, at_local(9, 0), "06 12 34 56 78", "192.0.2.1");
    mg_booking_result r1 = book_ok(db, 0, &a);
    mg_booking_input b = public_input(&w, w.cabin, at_local(9, 20), "06 12 34 56 78", "192.0.2.2");
    book_ok(db, 0, &b);
    mg_booking_input c = public_input(&w, w.cabin, at_local(9, 40), "+33 6 12 34 56 78",
                                      "192.0.2.3");
    char *before = dump(db);
    mg_booking_result r;
    book_refused(db, 0, &c, MG_EINVAL, "phone", &r);
    assert_false(r.gone);
    /* The host's walk-in counts too (the limit is per phone number). */
    mg_booking_input wk = c;
    wk.walk_in = true;
    wk.address = NULL;
    book_refused(db, w.host, &wk, MG_EINVAL, "phone", NULL);
    char *after = dump(db);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* Freed by a cancellation. */
    mg_booking bk;
    int retry = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_cancel_code(db, r1.code, "192.0.2.1", test_now_s(), &bk, &retry, &d),
                     0);
    book_ok(db, 0, &c);

    /* One address, three phones: the third is refused on « address »; a
     * walk-in from the host's desk is not limited by address. */
    mg_booking_input e = public_input(&w, w.cabin, at_local(10, 0), "06 00 00 00 01", "198.51.100.7");
    book_ok(db, 0, &e);
    e.start = at_local(10, 20);
    e.phone = "06 00 00 00 02";
    book_ok(db, 0, &e);
    e.start = at_local(10, 40);
    e.phone = "06 00 00 00 03";
    book_refused(db, 0, &e, MG_EINVAL, "address", NULL);
    mg_booking_input wk2 = e;
    wk2.walk_in = true;
    wk2.address = NULL;
    mg_booking_result rw = book_ok(db, w.host, &wk2);
    assert_int_equal(count_of(db, "SELECT walk_in FROM bookings WHERE id = ?1", rw.id), 1);
    assert_int_equal(count_of(db, "SELECT booked_by FROM bookings WHERE id = ?1", rw.id), w.host);

    /* Once the phone's bookings have ended, its tokens are free again:
     * the clock moved to 10:00 Paris time on the 2nd (9:20 and 9:40 ended). */
    mg_booking_input f = public_input(&w, w.cabin, at_local(11, 0), "06 12 34 56 78", "203.0.113.1");
    f.now_s = at_local(10, 1) * 60;
    book_ok(db, 0, &f);
    f.start = at_local(11, 20);
    f.address = "203.0.113.2";
    book_ok(db, 0, &f);
    f.start = at_local(11, 40);
    f.address = "203.0.113.3";
    book_refused(db, 0, &f, MG_EINVAL, "phone", NULL);
    mg_db_close(db);
}

/* --- Throttling ----------------------------------------------------------------------------- */

static void test_throttling(void **state)
{
    mg_db *db = open_db(state);
    struct booking_world w;
    world_make(db, &w);
    int64_t now = test_now_s();
    /* MG_BOOKING_ATTEMPTS_PER_WINDOW refused attempts from one address
     * (distinct phones), each a second apart: all counted. */
    for (int k = 0; k < MG_BOOKING_ATTEMPTS_PER_WINDOW; k++) {
        char phone[32];
        snprintf(phone, sizeof phone, "06 00 00 00 %02d", k);
        mg_booking_input in = public_input(&w, w.cabin, at_local(13, 0), phone, "192.0.2.50");
        in.now_s = now + k;
        book_refused(db, 0, &in, MG_EINVAL, "start", NULL);
    }
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM booking_attempts", MG_DB_NO_PARAMS),
                     2 * MG_BOOKING_ATTEMPTS_PER_WINDOW);
    /* The next one, even a good one, is throttled until the first leaves
     * the window; nothing else is written. */
    char *before = dump(db);
    mg_booking_input in = public_input(&w, w.cabin, at_local(9, 0), "06 99 99 99 99", "192.0.2.50");
    in.now_s = now + 100;
    mg_booking_result r;
    book_refused(db, 0, &in, MG_ETHROTTLE, NULL, &r);
    assert_int_equal(r.retry_after, MG_BOOKING_ATTEMPT_WINDOW_S - 100);
    char *after = dump(db);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM booking_attempts", MG_DB_NO_PARAMS),
                     2 * MG_BOOKING_ATTEMPTS_PER_WINDOW);
    /* Another address with the same phone is not throttled. */
    in.address = "192.0.2.51";
    book_ok(db, 0, &in);
    /* The host is never throttled. */
    mg_booking_input h = public_input(&w, w.cabin, at_local(9, 20), "06 88 88 88 88", NULL);
    h.walk_in = true;
    h.now_s = now + 100;
    book_ok(db, w.host, &h);
    /* The window slides: at now + 600 the first attempt has left it. */
    in = public_input(&w, w.cabin, at_local(9, 40), "06 77 77 77 77", "192.0.2.50");
    in.now_s = now + MG_BOOKING_ATTEMPT_WINDOW_S;
    book_ok(db, 0, &in);
    in.start = at_local(10, 0);
    in.phone = "06 77 77 77 76";
    in.now_s = now + MG_BOOKING_ATTEMPT_WINDOW_S; /* the second attempt is still in it */
    book_refused(db, 0, &in, MG_ETHROTTLE, NULL, &r);
    assert_int_equal(r.retry_after, 1);
    /* A phone throttled across addresses. */
    for (int k = 0; k < MG_BOOKING_ATTEMPTS_PER_WINDOW; k++) {
        char addr[32];
        snprintf(addr, sizeof addr, "198.51.100.%d", k);
        mg_booking_input p = public_input(&w, w.cabin, at_local(13, 0), "07 00 00 00 01", addr);
        p.now_s = now + 1000;
        book_refused(db, 0, &p, MG_EINVAL, "start", NULL);
    }
    mg_booking_input p = public_input(&w, w.cabin, at_local(14, 0), "07 00 00 00 01", "198.51.100.99");
    p.now_s = now + 1001;
    book_refused(db, 0, &p, MG_ETHROTTLE, NULL, &r);
    assert_int_equal(r.retry_after, MG_BOOKING_ATTEMPT_WINDOW_S - 1);

    /* Codes: failed guesses are counted; a good code is not. */
    mg_booking b;
    int retry = 0;
    mg_diag d = {{0}};
    for (int k = 0; k < MG_BOOKING_ATTEMPTS_PER_WINDOW; k++) {
        mg_diag_clear(&d);
        assert_int_equal(mg_booking_find_code(db, "ABCDE-FGHJK", "203.0.113.9", now + 2000 + k, &b,
                                              &retry, &d),
                         MG_ENOTFOUND);
    }
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_find_code(db, "ABCDE-FGHJK", "203.0.113.9", now + 2010, &b, &retry,
                                          &d),
                     MG_ETHROTTLE);
    assert_int_equal(retry, MG_BOOKING_ATTEMPT_WINDOW_S - 10);
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_cancel_code(db, "ABCDE-FGHJK", "203.0.113.9", now + 2010, &b,
                                            &retry, &d),
                     MG_ETHROTTLE);
    mg_db_close(db);
}

/* --- States ---------------------------------------------------------------------------------- */

static void test_transitions(void **state)
{
    mg_db *db = open_db(state);
    struct booking_world w;
    world_make(db, &w);
    mg_booking_input in = public_input(&w, w.cabin, at_local(9, 0), "0612345678", "192.0.2.1");
    mg_booking_result r = book_ok(db, 0, &in);
    mg_diag d = {{0}};
    /* The allowed transitions, from the migration's table. */
    struct {
        mg_booking_state to;
        int rc;
    } steps[] = {
        {MG_BOOKING_DONE, MG_EINVAL},    {MG_BOOKING_NO_SHOW, 0}, {MG_BOOKING_DONE, MG_EINVAL},
        {MG_BOOKING_ARRIVED, 0},         {MG_BOOKING_BOOKED, 0},  {MG_BOOKING_ARRIVED, 0},
        {MG_BOOKING_CANCELLED, MG_EINVAL}, {MG_BOOKING_DONE, 0},  {MG_BOOKING_BOOKED, MG_EINVAL},
        {MG_BOOKING_CANCELLED, MG_EINVAL},
    };
    mg_booking_state cur = MG_BOOKING_BOOKED;
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        char *before = steps[k].rc ? dump(db) : NULL;
        mg_diag_clear(&d);
        int rc = mg_booking_set_state(db, w.host, r.id, steps[k].to, &d);
        if (rc != steps[k].rc)
            fail_msg("step %zu (%s → %s): %s (%s)", k, mg_booking_state_key(cur),
                     mg_booking_state_key(steps[k].to), mg_strerror(rc), d.msg);
        if (rc == 0) {
            cur = steps[k].to;
        } else {
            assert_non_null(strstr(d.msg, "ne peut pas passer"));
            char *after = dump(db);
            assert_string_equal(before, after);
            free(after);
        }
        free(before);
        mg_booking b;
        assert_int_equal(mg_booking_get(db, r.id, &b, &d), 0);
        assert_int_equal(b.state, cur);
    }
    /* Claims are kept by a done booking (the time was used). */
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM booking_claims WHERE booking_id = ?1", r.id),
                     8);
    /* Cancelled by the host: freed. */
    in.start = at_local(9, 20);
    mg_booking_result r2 = book_ok(db, 0, &in);
    assert_int_equal(mg_booking_set_state(db, w.host, r2.id, MG_BOOKING_CANCELLED, &d), 0);
    assert_int_equal(
        count_of(db, "SELECT COUNT(*) FROM booking_claims WHERE booking_id = ?1", r2.id), 0);
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_set_state(db, w.host, r2.id, MG_BOOKING_BOOKED, &d), MG_EINVAL);
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_set_state(db, w.host, 999999, MG_BOOKING_ARRIVED, &d),
                     MG_ENOTFOUND);
    mg_db_close(db);
}

/* --- Lists and maintenance blocks ------------------------------------------------------------ */

static void test_block_and_list(void **state)
{
    mg_db *db = open_db(state);
    struct booking_world w;
    world_make(db, &w);
    mg_booking_input a = public_input(&w, w.cabin, at_local(9, 0), "0611111111", "192.0.2.1");
    mg_booking_result ra = book_ok(db, 0, &a);
    mg_booking_input b = public_input(&w, w.cabin, at_local(9, 20), "0622222222", "192.0.2.2");
    mg_booking_result rb = book_ok(db, 0, &b);
    mg_booking_input c = public_input(&w, w.cabin, at_local(14, 0), "0633333333", "192.0.2.3");
    book_ok(db, 0, &c);
    mg_booking_input e = public_input(&w, w.cart, at_local(10, 0), "0644444444", "192.0.2.4");
    e.teleconsultant_id = w.tc2;
    book_ok(db, 0, &e);
    mg_booking_input f = public_input(&w, w.cabin, at_local(11, 40), "0655555555", "192.0.2.5");
    mg_booking_result rf = book_ok(db, 0, &f);
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_set_state(db, w.host, rb.id, MG_BOOKING_CANCELLED, &d), 0);

    /* Lists: by start, cancelled left out unless asked, phone per filter. */
    mg_booking *v = NULL;
    size_t n = 0, total = 0;
    mg_booking_filter fl = {.site_id = w.site};
    assert_int_equal(mg_booking_list(db, &fl, &v, &n, &total, &d), 0);
    assert_int_equal(n, 4);
    assert_int_equal(total, 4);
    for (size_t k = 0; k < n; k++) {
        assert_string_equal(v[k].phone, "");
        if (k > 0)
            assert_true(v[k - 1].start <= v[k].start);
    }
    free(v);
    fl.with_cancelled = true;
    fl.with_phone = true;
    fl.device_id = w.cabin;
    fl.limit = 2;
    fl.offset = 1;
    assert_int_equal(mg_booking_list(db, &fl, &v, &n, &total, &d), 0);
    assert_int_equal(total, 4);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].id, rb.id);
    assert_int_equal(v[0].state, MG_BOOKING_CANCELLED);
    assert_string_equal(v[0].phone, "+33622222222");
    free(v);
    /* The site does not share phones: phone_if_shared shows none. */
    mg_booking_filter ft = {.teleconsultant_id = w.tc, .phone_if_shared = true};
    assert_int_equal(mg_booking_list(db, &ft, &v, &n, &total, &d), 0);
    assert_int_equal(n, 3);
    for (size_t k = 0; k < n; k++)
        assert_string_equal(v[k].phone, "");
    free(v);
    raw_int(db, "UPDATE booking_sites SET share_phone = 1 WHERE site_id = ?1 RETURNING site_id",
            MG_DB_PARAMS(MG_DB_INT(w.site)));
    assert_int_equal(mg_booking_list(db, &ft, &v, &n, &total, &d), 0);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].phone, "+33611111111");
    free(v);
    mg_booking_filter fo = {.owner_id = w.owner + 1000};
    assert_int_equal(mg_booking_list(db, &fo, &v, &n, &total, &d), 0);
    assert_int_equal(n, 0);
    free(v);
    fo.owner_id = w.owner;
    fo.to = at_local(14, 0); /* [epoch, 14:00): the 14:00 one left out */
    assert_int_equal(mg_booking_list(db, &fo, &v, &n, &total, &d), 0);
    assert_int_equal(n, 3);
    assert_int_equal(total, 3);
    free(v);
    mg_booking_filter fr = {.from = at_local(10, 0), .to = at_local(12, 0)};
    assert_int_equal(mg_booking_list(db, &fr, &v, &n, &total, &d), 0);
    assert_int_equal(n, 2);
    free(v);

    /* A block of the cabin from 08:00 to 12:00: the 09:00 and 11:40
     * bookings are hit (the 09:20 one is cancelled, the 14:00 one outside,
     * the cart's on another device). */
    char *before = dump(db);
    mg_booking_errors errs = {0};
    int64_t exc = 0;
    assert_int_equal(mg_booking_block(db, w.host, w.cabin, at_local(10, 0), at_local(9, 0), "",
                                      &exc, &v, &n, &errs, &d),
                     MG_EINVAL);
    assert_non_null(mg_booking_errors_for(&errs, "to"));
    char *after = dump(db);
    assert_string_equal(before, after);
    free(before);
    free(after);
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_block(db, w.host, w.cabin, at_local(8, 0), at_local(12, 0),
                                      "Maintenance exemple", &exc, &v, &n, &errs, &d),
                     0);
    assert_true(exc > 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].id, ra.id);
    assert_int_equal(v[1].id, rf.id);
    assert_string_equal(v[0].phone, "+33611111111");
    free(v);
    assert_int_equal(count_of(db,
                              "SELECT COUNT(*) FROM booking_exceptions WHERE id = ?1 AND "
                              "reason = 'maintenance' AND resource = 'device'",
                              exc),
                     1);
    /* The blocked cabin offers nothing in the morning any more. */
    mg_booking_input g = public_input(&w, w.cabin, at_local(10, 20), "0666666666", "192.0.2.6");
    mg_booking_result rg;
    book_refused(db, 0, &g, MG_EINVAL, "start", &rg);
    assert_false(rg.gone);
    mg_db_close(db);
}

/* --- No health data, and an audit trail without names or phones ------------------------------ */

struct columns_tx {
    int pg;
    char list[2048];
};

static int columns_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct columns_tx *t = ctx;
    t->list[0] = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare(c,
                           t->pg ? "SELECT column_name FROM information_schema.columns WHERE "
                                   "table_name = 'bookings' ORDER BY column_name"
                                 : "SELECT name FROM pragma_table_info('bookings') ORDER BY name",
                           &q, d);
    size_t o = 0;
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        o += (size_t)snprintf(t->list + o, sizeof t->list - o, "%s,", mg_db_column_text(q, 0));
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

static void test_no_health_data(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    struct columns_tx t = {.pg = f->pg};
    mg_diag d = {{0}};
    assert_int_equal(mg_db_transaction(db, MG_DB_TX_READ, columns_body, &t, &d), 0);
    /* Exactly these: where, with what, with whom, when, the state, a name
     * or initials and a phone number; nothing about why. */
    assert_string_equal(t.list,
                        "assistant_id,booked_by,cancelled_at,code,code_hash,created_at,device_id,"
                        "ends_at,id,kind,person,phone,purged_at,site_id,starts_at,state,"
                        "teleconsultant_id,updated_at,walk_in,");
    mg_db_close(db);
}

static void test_audit_without_person(void **state)
{
    mg_db *db = open_db(state);
    struct booking_world w;
    world_make_with(db, &w, "Mo-Fr 09:00-17:00", "name", 0);
    int64_t seq0 = raw_int(db, "SELECT COUNT(*) FROM audit_entries", MG_DB_NO_PARAMS);
    mg_booking_input in = public_input(&w, w.cabin, at_local(9, 0), "06 12 34 56 78", "192.0.2.1");
    in.person = "Zéphyrine Exemple";
    mg_booking_result r = book_ok(db, 0, &in);
    mg_booking b;
    int retry = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_cancel_code(db, r.code, "192.0.2.1", test_now_s(), &b, &retry, &d),
                     0);
    in.start = at_local(9, 20);
    mg_booking_result r2 = book_ok(db, 0, &in);
    assert_int_equal(mg_booking_set_state(db, w.host, r2.id, MG_BOOKING_ARRIVED, &d), 0);
    /* Four entries of object "booking" (create, cancel, create, state), on
     * behalf of the site. */
    assert_int_equal(raw_int(db,
                             "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'booking' "
                             "AND organisation_id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(w.site))),
                     4);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM audit_entries", MG_DB_NO_PARAMS), seq0 + 4);
    char *all = dump(db);
    const char *audit = strstr(all, "== SELECT * FROM audit_entries");
    assert_non_null(audit);
    assert_non_null(strstr(audit, "\"state\""));
    const char *const personal[] = {"Zéphyrine", "Exemple", "612345678", "12 34", "A. B.",
                                    r.code};
    for (size_t k = 0; k < sizeof personal / sizeof personal[0]; k++)
        if (strstr(audit, personal[k]))
            fail_msg("the audit trail holds \"%s\"", personal[k]);
    /* …while the bookings do hold them. */
    assert_non_null(strstr(all, "Zéphyrine Exemple"));
    free(all);
    mg_db_close(db);
}

/* --- The code handed over, and the purge of personal fields ------------------------------------ */

static void test_code_and_purge(void **state)
{
    mg_db *db = open_db(state);
    struct booking_world w;
    world_make(db, &w);
    mg_booking_input in = public_input(&w, w.cabin, at_local(9, 0), "06 12 34 56 78", "192.0.2.1");
    mg_booking_result early = book_ok(db, 0, &in);
    in.start = at_local(10, 0);
    in.phone = "06 12 34 56 79";
    in.address = "192.0.2.2";
    mg_booking_result late = book_ok(db, 0, &in);
    /* The code the person was given is the one the readers see (the
     * teleconsultant finds the appointment by it). */
    mg_booking b;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_get(db, early.id, &b, &d), 0);
    assert_string_equal(b.code, early.code);
    assert_string_equal(b.person, "A. B.");
    assert_string_equal(b.phone, "+33612345678");

    /* Nothing is purged while the slot is less than MG_BOOKING_KEEP_DAYS old. */
    int64_t keep = (int64_t)MG_BOOKING_KEEP_DAYS * 24 * 60;
    int64_t purged = -1;
    int64_t audit0 = raw_int(db, "SELECT COUNT(*) FROM audit_entries", MG_DB_NO_PARAMS);
    assert_int_equal(mg_booking_purge(db, early.end + keep, &purged, &d), 0);
    assert_int_equal(purged, 0);
    /* A minute later the first goes, the second (an hour later) stays. */
    assert_int_equal(mg_booking_purge(db, early.end + keep + 1, &purged, &d), 0);
    assert_int_equal(purged, 1);
    assert_int_equal(mg_booking_get(db, early.id, &b, &d), 0);
    assert_string_equal(b.person, "");
    assert_string_equal(b.phone, "");
    assert_string_equal(b.code, "");
    /* What the usage figures need is kept. */
    assert_int_equal(b.start, early.start);
    assert_int_equal(b.device_id, w.cabin);
    assert_int_equal(b.state, MG_BOOKING_BOOKED);
    assert_int_equal(mg_booking_get(db, late.id, &b, &d), 0);
    assert_string_equal(b.code, late.code);
    assert_string_equal(b.phone, "+33612345679");
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM bookings WHERE id = ?1 AND person IS NULL "
                                  "AND phone IS NULL AND code IS NULL AND purged_at IS NOT NULL",
                              early.id),
                     1);
    /* One audit entry, naming the fields without their values. */
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM audit_entries", MG_DB_NO_PARAMS),
                     audit0 + 1);
    assert_int_equal(count_of(db, "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'booking' "
                                  "AND object_id = ?1 AND verb = 'purge'",
                              early.id),
                     1);
    char *all = dump(db);
    const char *audit = strstr(all, "== SELECT * FROM audit_entries");
    assert_non_null(audit);
    assert_null(strstr(audit, early.code));
    assert_null(strstr(audit, "612345678"));
    free(all);
    /* Again: nothing more to do; then the second one too. */
    assert_int_equal(mg_booking_purge(db, early.end + keep + 1, &purged, &d), 0);
    assert_int_equal(purged, 0);
    assert_int_equal(mg_booking_purge(db, late.end + keep + 1, &purged, &d), 0);
    assert_int_equal(purged, 1);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM bookings WHERE purged_at IS NULL",
                             MG_DB_NO_PARAMS),
                     0);
    mg_db_close(db);
}

#define TESTS(X)                                                                               \
    X(test_book_cancel_rebook)                                                                 \
    X(test_outside_hours)                                                                      \
    X(test_ask_name)                                                                           \
    X(test_limits)                                                                             \
    X(test_throttling)                                                                         \
    X(test_transitions)                                                                        \
    X(test_block_and_list)                                                                     \
    X(test_no_health_data)                                                                     \
    X(test_audit_without_person)                                                               \
    X(test_code_and_purge)

int main(void)
{
    const struct CMUnitTest tests[] = {TESTS(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {TESTS(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
