/*
 * Tests of the teleconsultant's iCalendar feed (ical.h, ical.c) on SQLite
 * and, when MG_TEST_PG_URI is set, on PostgreSQL. The feed is written to a
 * file and read back by an independent client, tests/oracle/ical_events.py
 * (Python's icalendar from Debian, no code shared with libical), which
 * prints each event's UID and UTC start and end: they must be exactly the
 * database's bookings of the teleconsultant that are not cancelled, in
 * Unix minutes, including bookings on the days summer time starts and
 * ends (the repeated hour of October in both its passes). The site that
 * does not share phone numbers has neither the person nor the phone in its
 * events; the one that does has both; text with commas, semicolons and
 * newlines comes back as written. Without Python's icalendar the test
 * FAILS, saying how to install it.
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

#include <jansson.h>

#include "booking/booking.h"
#include "booking/ical.h"
#include "core/buf.h"
#include "db_fixture.h"
#include "directory/holidays.h"

TEST_DB_FIXTURE("booking_ical")

#define PYTHON "/usr/bin/python3"
#define ORACLE MG_SOURCE_DIR "/tests/oracle/ical_events.py"

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

/* A site: an organisation, its structure (address, commune, hours), its row. */
static int64_t site(mg_db *db, int64_t owner, const char *name, const char *address,
                    const char *commune_code, const char *commune, bool share_phone)
{
    int64_t id = org(db, name, "pharmacy");
    char source_id[32];
    snprintf(source_id, sizeof source_id, "s%" PRId64, id);
    raw(db,
        "INSERT INTO structures (organisation_id, source, source_id, category, name_key, address, "
        "postcode, commune_code, commune_name, opening_hours, updated_on, created_at, updated_at) "
        "VALUES (?1, 'test', ?2, 'pharmacy', 'x', ?3, '11000', ?4, ?5, 'Mo-Su 00:00-24:00', "
        "'2026-01-01', 'x', 'x')",
        MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(source_id), MG_DB_TEXT(address),
                     MG_DB_TEXT(commune_code), MG_DB_TEXT(commune)));
    raw(db,
        "INSERT INTO booking_sites (site_id, owner_id, share_phone, is_example, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, 1, 'x', 'x')",
        MG_DB_PARAMS(MG_DB_INT(id), MG_DB_INT(owner), MG_DB_INT(share_phone)));
    return id;
}

static int64_t device(mg_db *db, int64_t site_id, const char *name)
{
    return raw(db,
               "INSERT INTO booking_devices (site_id, kind, name, created_at, updated_at) "
               "VALUES (?1, 'cabin', ?2, 'x', 'x') RETURNING id",
               MG_DB_PARAMS(MG_DB_INT(site_id), MG_DB_TEXT(name)));
}

static int64_t teleconsultant(mg_db *db, int64_t owner, const char *label)
{
    int64_t o = org(db, label, "other");
    return raw(db,
               "INSERT INTO booking_teleconsultants (organisation_id, owner_id, label, "
               "availability, created_at, updated_at) VALUES (?1, ?2, ?3, 'Mo-Su 00:00-24:00', "
               "'x', 'x') RETURNING id",
               MG_DB_PARAMS(MG_DB_INT(o), MG_DB_INT(owner), MG_DB_TEXT(label)));
}

/* The stored code of booking id: "00000000<id>" for even ids, none for odd ones. */
static bool code_of(int64_t id, char out[static 16])
{
    snprintf(out, 16, "%010" PRId64, id % 10000000000);
    return id % 2 == 0;
}

static int64_t booking(mg_db *db, int64_t site_id, int64_t dev, int64_t tc, const char *kind,
                       int64_t start, int64_t minutes, const char *state, const char *person,
                       const char *phone)
{
    static unsigned serial;
    char hash[65];
    snprintf(hash, sizeof hash, "%064u", ++serial);
    int64_t id = raw(db,
               "INSERT INTO bookings (code_hash, site_id, device_id, teleconsultant_id, kind, "
               "starts_at, ends_at, state, person, phone, created_at, updated_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'x', 'x') RETURNING id",
               MG_DB_PARAMS(MG_DB_TEXT(hash), MG_DB_INT(site_id), MG_DB_INT(dev), MG_DB_INT(tc),
                            MG_DB_TEXT(kind), MG_DB_INT(start), MG_DB_INT(start + minutes),
                            MG_DB_TEXT(state), MG_DB_TEXT(person), MG_DB_TEXT(phone)));
    /* Even ids keep their code (code_of), odd ones lost it as after the purge. */
    char code[16];
    if (code_of(id, code))
        raw(db, "UPDATE bookings SET code = ?1 WHERE id = ?2 RETURNING id",
            MG_DB_PARAMS(MG_DB_TEXT(code), MG_DB_INT(id)));
    return id;
}

/* The Unix minute of a UTC date and time (independent of time.c). */
static int64_t utc_minute(int y, int mo, int d, int h, int mi)
{
    return (int64_t)mg_days_from_civil(y, mo, d) * 1440 + h * 60 + mi;
}

/* --- What the database says the feed must hold ----------------------------------------------- */

struct expected {
    int64_t id, start, end, site_id;
    char person[64], phone[32];
};

struct expect_tx {
    int64_t tc, from, to;
    struct expected v[512];
    size_t n;
};

static int expect_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct expect_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT id, starts_at, ends_at, site_id, person, phone "
                                "FROM bookings WHERE teleconsultant_id = ?1 AND "
                                "state <> 'cancelled' AND starts_at >= ?2 AND starts_at < ?3 "
                                "ORDER BY id",
                                MG_DB_PARAMS(MG_DB_INT(t->tc), MG_DB_INT(t->from),
                                             MG_DB_INT(t->to)),
                                &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW && t->n < 512) {
        struct expected *e = &t->v[t->n++];
        e->id = mg_db_column_int64(q, 0);
        e->start = mg_db_column_int64(q, 1);
        e->end = mg_db_column_int64(q, 2);
        e->site_id = mg_db_column_int64(q, 3);
        mg_db_column_copy(q, 4, e->person, sizeof e->person);
        mg_db_column_copy(q, 5, e->phone, sizeof e->phone);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

/* --- The independent client ------------------------------------------------------------------ */

/* Fails the test, saying how to install it, when /usr/bin/python3 has no icalendar. */
static void require_icalendar(void)
{
    int st = system(PYTHON " -c 'import icalendar' >/dev/null 2>&1");
    if (st != 0)
        fail_msg("Python's icalendar is missing for " PYTHON
                 ": the feed cannot be checked by an independent client. Install it with "
                 "scripts/install-deps.sh test (Debian package python3-icalendar).");
}

/* "2026-03-29T08:30:00Z" into a Unix minute; -1 when it is not that. */
static int64_t parse_utc(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:00Z";
    if (!s || strlen(s) != sizeof shape - 1)
        return -1;
    int v[5] = {0}, k = 0;
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] != 'd') {
            if (s[i] != shape[i])
                return -1;
            if (i > 0 && shape[i - 1] == 'd')
                k++;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || k > 4)
            return -1;
        v[k] = v[k] * 10 + (s[i] - '0');
    }
    return utc_minute(v[0], v[1], v[2], v[3], v[4]);
}

/* Runs the client on path; the events as a JSON array (json_decref). */
static json_t *read_feed(const char *dir, const char *path)
{
    char cmd[2048], err_path[512];
    snprintf(err_path, sizeof err_path, "%s/oracle.err", dir);
    snprintf(cmd, sizeof cmd, PYTHON " '%s' '%s' 2>'%s'", ORACLE, path, err_path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    json_t *all = json_array();
    char line[16384];
    while (fgets(line, sizeof line, p)) {
        json_error_t je;
        json_t *ev = json_loads(line, 0, &je);
        if (!ev)
            fail_msg("the client printed a line that is not JSON: %s", line);
        json_array_append_new(all, ev);
    }
    int st = pclose(p);
    if (st != 0) {
        char msg[4096] = "";
        FILE *e = fopen(err_path, "r");
        if (e) {
            size_t n = fread(msg, 1, sizeof msg - 1, e);
            msg[n] = 0;
            fclose(e);
        }
        fail_msg("the independent client refused the feed (status %d): %s", st, msg);
    }
    return all;
}

static const json_t *event_of(const json_t *events, int64_t id)
{
    char uid[64];
    snprintf(uid, sizeof uid, "booking-%" PRId64 "@maillage", id);
    size_t k;
    const json_t *ev;
    json_array_foreach(events, k, ev)
    {
        const char *u = json_string_value(json_object_get(ev, "uid"));
        if (u && strcmp(u, uid) == 0)
            return ev;
    }
    return NULL;
}

static const char *field(const json_t *ev, const char *key)
{
    const char *s = json_string_value(json_object_get(ev, key));
    return s ? s : "";
}

/* The feed's text with its folded lines joined again (RFC 5545, 3.1). */
static char *unfolded(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    assert_non_null(out);
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '\r' && s[i + 1] == '\n' && (s[i + 2] == ' ' || s[i + 2] == '\t')) {
            i += 2;
            continue;
        }
        out[o++] = s[i];
    }
    out[o] = 0;
    return out;
}

/* Whether a line of text is a yearly RRULE on the last Sunday of `month`
 * ("BYMONTH=3"), its parts in any order. */
static bool has_rrule(const char *text, const char *month)
{
    for (const char *l = strstr(text, "\nRRULE:"); l; l = strstr(l + 1, "\nRRULE:")) {
        const char *end = strchr(l + 1, '\r');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        char line[256];
        snprintf(line, sizeof line, "%.*s;", (int)(len - 7), l + 7);
        char want[32];
        snprintf(want, sizeof want, "%s;", month);
        if (strstr(line, "FREQ=YEARLY;") && strstr(line, "BYDAY=-1SU;") &&
            (strstr(line, want) != NULL))
            return true;
    }
    return false;
}

/* --- The test ------------------------------------------------------------------------------------ */

static void test_feed_matches_database(void **state)
{
    struct fixture *f = *state;
    require_icalendar();
    mg_db *db = test_db_open(f->url, NULL);
    int64_t owner = org(db, "Département (exemple)", "departement");
    int64_t shares = site(db, owner, "Pharmacie du Centre (exemple)",
                          "2, place de la Mairie; bâtiment B", "11069", "Castelnaudary", true);
    int64_t hides = site(db, owner, "Mairie (exemple)", "1 rue Haute", "11076", "Chalabre",
                         false);
    int64_t da = device(db, shares, "Cabine, salle 1");
    int64_t db2 = device(db, hides, "Chariot");
    int64_t tc = teleconsultant(db, owner, "Médecin A (exemple)");
    int64_t other = teleconsultant(db, owner, "Médecin B (exemple)");

    /* Around both changes of 2026: summer time from 29 March 01:00 UTC, winter
     * time from 25 October 01:00 UTC. Hand cases first. */
    int64_t march = utc_minute(2026, 3, 29, 0, 0), october = utc_minute(2026, 10, 25, 0, 0);
    static const char *const kinds[] = {"gp", "followup", "specialist"};
    int64_t hand[] = {
        march + 30,          /* 01:30 CET, before the change */
        march + 55,          /* 01:55 CET, ending after it (03:15 CEST) */
        march + 60,          /* 03:00 CEST, the first minute of summer time */
        march - 60,          /* 23:00 CET on the Saturday */
        october - 30,        /* 01:30 CEST */
        october,             /* 02:00 CEST: the first pass of the repeated hour */
        october + 30,        /* 02:30 CEST */
        october + 60,        /* 02:00 CET: the second pass */
        october + 90,        /* 02:30 CET */
        october + 120,       /* 03:00 CET */
        october + 22 * 60 + 30, /* 23:30 CET: the Paris day of 25 October still */
    };
    size_t nb = 0;
    for (size_t k = 0; k < sizeof hand / sizeof hand[0]; k++, nb++) {
        bool at_shares = k % 2 == 0;
        booking(db, at_shares ? shares : hides, at_shares ? da : db2, tc, kinds[k % 3], hand[k],
                20, "booked", at_shares ? "A. B." : "C. D.",
                at_shares ? "+33612345678" : "+33698765432");
    }
    /* Random ones over the weeks around each change, some cancelled, some
     * another teleconsultant's, on the 5-minute grid. */
    uint64_t seed = 17;
    static const char *const states[] = {"booked", "arrived", "done", "no_show", "cancelled"};
    for (int k = 0; k < 120; k++) {
        int64_t base = k % 2 ? march : october;
        int64_t start = base - 10 * 1440 + (int64_t)(rng_next(&seed) % (20 * 1440 / 5)) * 5;
        bool at_shares = rng_next(&seed) % 2;
        int64_t who = rng_next(&seed) % 5 == 0 ? other : tc;
        booking(db, at_shares ? shares : hides, at_shares ? da : db2, who,
                kinds[rng_next(&seed) % 3], start, 5 * (1 + (int64_t)(rng_next(&seed) % 12)),
                states[rng_next(&seed) % 5], at_shares ? "A. B." : "C. D.",
                at_shares ? "+33612345678" : "+33698765432");
        nb++;
    }
    /* A booking outside the range asked. */
    booking(db, shares, da, tc, "gp", utc_minute(2027, 1, 10, 9, 0), 20, "booked", "A. B.",
            "+33612345678");

    int64_t from = utc_minute(2026, 1, 1, 0, 0), to = utc_minute(2027, 1, 1, 0, 0);
    mg_buf b;
    mg_buf_init(&b, (size_t)16 << 20);
    mg_diag d = {{0}};
    int rc = mg_booking_ical_teleconsultant(db, tc, from, to, &b, &d);
    if (rc != 0)
        fail_msg("feed: %s (%s)", mg_strerror(rc), d.msg);
    char path[512];
    snprintf(path, sizeof path, "%s/feed.ics", f->dir);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(b.data, 1, b.len, out), b.len);
    fclose(out);

    /* What the feed holds besides the events, on its text. */
    char *text = unfolded(b.data);
    assert_non_null(strstr(text, "PRODID:"));
    assert_non_null(strstr(text, "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris"));
    assert_true(has_rrule(text, "BYMONTH=3"));
    assert_true(has_rrule(text, "BYMONTH=10"));
    assert_non_null(strstr(text, "DTSTART;TZID=Europe/Paris:20260329T030000"));
    /* Both passes of the repeated hour are written in UTC, the hours
     * around it in Paris time. */
    assert_non_null(strstr(text, "DTSTART:20261025T000000Z"));
    assert_non_null(strstr(text, "DTSTART:20261025T010000Z"));
    assert_null(strstr(text, "DTSTART;TZID=Europe/Paris:20261025T02"));
    assert_non_null(strstr(text, "DTSTART;TZID=Europe/Paris:20261025T013000"));
    assert_non_null(strstr(text, "DTSTART;TZID=Europe/Paris:20261025T030000"));
    /* Nothing of the site that keeps phone numbers to itself. */
    assert_null(strstr(text, "98 76 54 32"));
    assert_null(strstr(text, "698765432"));
    assert_null(strstr(text, "C. D."));
    free(text);

    json_t *events = read_feed(f->dir, path);
    struct expect_tx *want = calloc(1, sizeof *want);
    assert_non_null(want);
    want->tc = tc;
    want->from = from;
    want->to = to;
    rc = mg_db_transaction(db, MG_DB_TX_READ, expect_body, want, &d);
    assert_int_equal(rc, 0);
    assert_true(want->n > 11);
    assert_true(want->n < nb);
    if (json_array_size(events) != want->n)
        fail_msg("the client read %zu events, the database has %zu bookings",
                 json_array_size(events), want->n);
    for (size_t k = 0; k < want->n; k++) {
        const struct expected *e = &want->v[k];
        const json_t *ev = event_of(events, e->id);
        if (!ev)
            fail_msg("booking %" PRId64 " is not in the feed", e->id);
        int64_t s = parse_utc(field(ev, "start")), en = parse_utc(field(ev, "end"));
        if (s != e->start || en != e->end)
            fail_msg("booking %" PRId64 ": the client reads [%" PRId64 ", %" PRId64
                     ") (%s, %s), the database holds [%" PRId64 ", %" PRId64 ")",
                     e->id, s, en, field(ev, "start"), field(ev, "end"), e->start, e->end);
        const char *desc = field(ev, "description");
        char number[64], code[16];
        if (code_of(e->id, code))
            snprintf(number, sizeof number, "Code : %.5s-%.5s\n", code, code + 5);
        else
            snprintf(number, sizeof number, "Réservation n° %" PRId64 "\n", e->id);
        if (!strstr(desc, number))
            fail_msg("booking %" PRId64 ": \"%s\" is not in \"%s\"", e->id, number, desc);
        if (e->site_id == shares) {
            assert_non_null(strstr(desc, "Personne : A. B."));
            assert_non_null(strstr(desc, "Téléphone : 06 12 34 56 78"));
            assert_non_null(strstr(desc, "\nAppareil : Cabine, salle 1"));
            assert_string_equal(field(ev, "location"),
                                "2, place de la Mairie; bâtiment B, 11000 Castelnaudary");
            assert_non_null(strstr(field(ev, "summary"), "Pharmacie du Centre (exemple)"));
        } else {
            assert_null(strstr(desc, "Personne"));
            assert_null(strstr(desc, "Téléphone"));
            assert_null(strstr(desc, "C. D."));
            assert_string_equal(field(ev, "location"), "1 rue Haute, 11000 Chalabre");
        }
        assert_true(strlen(field(ev, "summary")) > 0);
    }
    /* Another teleconsultant's feed holds none of these. */
    mg_buf_reset(&b);
    assert_int_equal(mg_booking_ical_teleconsultant(db, other, from, to, &b, &d), 0);
    for (size_t k = 0; k < want->n; k++) {
        char uid[64];
        snprintf(uid, sizeof uid, "UID:booking-%" PRId64 "@maillage\r", want->v[k].id);
        assert_null(strstr(b.data, uid));
    }
    free(want);
    json_decref(events);
    mg_buf_free(&b);
    mg_db_close(db);
}

/* An empty feed is still a calendar the client reads. */
static void test_empty_feed(void **state)
{
    struct fixture *f = *state;
    require_icalendar();
    mg_db *db = test_db_open(f->url, NULL);
    int64_t owner = org(db, "Département (exemple)", "departement");
    int64_t tc = teleconsultant(db, owner, "Médecin (exemple)");
    mg_buf b;
    mg_buf_init(&b, (size_t)1 << 20);
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_ical_teleconsultant(db, tc, 0, utc_minute(2030, 1, 1, 0, 0), &b,
                                                    &d),
                     0);
    char path[512];
    snprintf(path, sizeof path, "%s/empty.ics", f->dir);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    fwrite(b.data, 1, b.len, out);
    fclose(out);
    json_t *events = read_feed(f->dir, path);
    assert_int_equal(json_array_size(events), 0);
    json_decref(events);
    /* Bad arguments are refused. */
    assert_int_equal(mg_booking_ical_teleconsultant(db, 0, 0, 1, &b, &d), MG_EINVAL);
    assert_int_equal(mg_booking_ical_teleconsultant(db, tc, 10, 1, &b, &d), MG_EINVAL);
    mg_buf_free(&b);
    mg_db_close(db);
}

#define BOTH(X)                                                                                  \
    X(test_feed_matches_database)                                                                \
    X(test_empty_feed)

int main(void)
{
    const struct CMUnitTest tests[] = {BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
