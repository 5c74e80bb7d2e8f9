/*
 * The world of the booking tests (test_booking_book.c,
 * test_booking_concurrency.c), written with plain SQL around the module:
 * a network's owner, a town hall site open Mo-Fr 09:00-12:00,14:00-17:00
 * (Paris time), an unassisted cabin, an assisted cart with one assistant
 * ("Pharmacien", Mo-Fr 09:00-17:00), a teleconsultant of a doctors'
 * organisation available Mo-Sa 08:00-18:00 with a 20-minute GP
 * consultation and a 15-minute follow-up, a host's account. Every name is
 * an example. Include after <cmocka.h> and db_fixture.h.
 */
#ifndef MG_TESTS_BOOKING_BOOK_FIXTURE_H
#define MG_TESTS_BOOKING_BOOK_FIXTURE_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "booking/book.h"
#include "booking/booking.h"
#include "db/db.h"

struct booking_world {
    int64_t owner, doctors, site, cabin, cart, assistant, tc, tc2, host;
};

static int world_row(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n,
                     int64_t *out, mg_diag *d)
{
    int64_t dummy = 0;
    int rc = mg_db_query_int(c, sql, p, n, out ? out : &dummy, d);
    return rc == MG_ENOTFOUND && !out ? 0 : rc;
}

#define W_NOW "'2026-01-01T00:00:00Z'"

struct world_tx {
    struct booking_world *w;
    const char *site_hours;
    int share_phone;
    const char *ask;
};

static int world_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct world_tx *t = ctx;
    struct booking_world *w = t->w;
    int rc;
#define ROW(sql, out, ...)                                                                     \
    do {                                                                                       \
        if ((rc = world_row(c, sql, MG_DB_PARAMS(__VA_ARGS__), out, d)))                      \
            return rc;                                                                         \
    } while (0)
#define ORG(name, kind, out)                                                                   \
    ROW("INSERT INTO organisations (name, kind, active, created_at, confirmed_at) VALUES "    \
        "(?1, ?2, 1, " W_NOW ", " W_NOW ") RETURNING id",                                      \
        out, MG_DB_TEXT(name), MG_DB_TEXT(kind))
    ORG("Communauté de communes exemple", "epci", &w->owner);
    ORG("Centre de téléconsultation exemple", "health_centre", &w->doctors);
    ORG("Mairie exemple", "commune", &w->site);
    ROW("INSERT INTO structures (organisation_id, source, source_id, category, name_key, "
        "commune_code, commune_name, opening_hours, updated_on, created_at, updated_at) VALUES "
        "(?1, 'test', 'site-1', 'town_hall', 'mairie exemple', '11069', 'Carcassonne', ?2, "
        "'2026-01-01', " W_NOW ", " W_NOW ") RETURNING organisation_id",
        NULL, MG_DB_INT(w->site), MG_DB_TEXT(t->site_hours));
    ROW("INSERT INTO booking_sites (site_id, owner_id, ask, share_phone, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, " W_NOW ", " W_NOW ") RETURNING site_id",
        NULL, MG_DB_INT(w->site), MG_DB_INT(w->owner), MG_DB_TEXT(t->ask),
        MG_DB_INT(t->share_phone));
    ROW("INSERT INTO booking_devices (site_id, kind, name, assisted, created_at, updated_at) "
        "VALUES (?1, 'cabin', 'Cabine exemple', 0, " W_NOW ", " W_NOW ") RETURNING id",
        &w->cabin, MG_DB_INT(w->site));
    ROW("INSERT INTO booking_devices (site_id, kind, name, assisted, created_at, updated_at) "
        "VALUES (?1, 'cart', 'Chariot exemple', 1, " W_NOW ", " W_NOW ") RETURNING id",
        &w->cart, MG_DB_INT(w->site));
    ROW("INSERT INTO booking_assistants (site_id, label, availability, created_at, updated_at) "
        "VALUES (?1, 'Pharmacien', 'Mo-Fr 09:00-17:00', " W_NOW ", " W_NOW ") RETURNING id",
        &w->assistant, MG_DB_INT(w->site));
    for (int k = 0; k < 2; k++) {
        int64_t *tc = k == 0 ? &w->tc : &w->tc2;
        ROW("INSERT INTO booking_teleconsultants (organisation_id, owner_id, label, "
            "availability, created_at, updated_at) VALUES (?1, ?2, ?3, 'Mo-Sa 08:00-18:00', "
            W_NOW ", " W_NOW ") RETURNING id",
            tc, MG_DB_INT(w->doctors), MG_DB_INT(w->owner),
            MG_DB_TEXT(k == 0 ? "Médecin généraliste (exemple)" : "Médecin de suivi (exemple)"));
        ROW("INSERT INTO booking_teleconsultant_kinds (teleconsultant_id, kind, duration_min) "
            "VALUES (?1, 'gp', 20), (?1, 'followup', 15) RETURNING teleconsultant_id",
            NULL, MG_DB_INT(*tc));
        ROW("INSERT INTO booking_teleconsultant_sites (teleconsultant_id, site_id) VALUES "
            "(?1, ?2) RETURNING site_id",
            NULL, MG_DB_INT(*tc), MG_DB_INT(w->site));
    }
    ROW("INSERT INTO accounts (email, display_name, created_at) VALUES "
        "('accueil@mairie.example', 'Accueil (exemple)', " W_NOW ") RETURNING id",
        &w->host);
#undef ORG
#undef ROW
    return 0;
}

static void world_make_with(mg_db *db, struct booking_world *w, const char *site_hours,
                            const char *ask, int share_phone)
{
    memset(w, 0, sizeof *w);
    struct world_tx t = {w, site_hours, share_phone, ask};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, world_body, &t, &d);
    if (rc != 0)
        fail_msg("world: %s (%s)", mg_strerror(rc), d.msg);
}

static inline void world_make(mg_db *db, struct booking_world *w)
{
    world_make_with(db, w, "Mo-Fr 09:00-12:00,14:00-17:00", "initials", 0);
}

/* Tuesday 2 June 2026 (summer time, no change), local hh:mm, as a Unix minute. */
static int64_t at_local(int hh, int mm)
{
    return mg_booking_day_start(2026, 6, 2) + hh * 60 + mm;
}

/* The clock of the tests: Monday 1 June 2026, 08:00 Paris time, Unix seconds. */
static int64_t test_now_s(void)
{
    return (mg_booking_day_start(2026, 6, 1) + 8 * 60) * 60;
}

/* Raw SQL around the module, in one write transaction; the first integer
 * of the first row (0 when none). */
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

static int64_t raw_int(mg_db *db, const char *sql, const mg_db_param *p, size_t n)
{
    struct raw_tx t = {sql, p, n, 0};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, raw_body, &t, &d);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
    return t.out;
}

/* Overlapping bookings of one device, teleconsultant or assistant, neither
 * cancelled: counted by the database, not by the module. */
static const char OVERLAPS_SQL[] =
    "SELECT COUNT(*) FROM bookings a JOIN bookings b ON a.id < b.id "
    "AND (a.device_id = b.device_id OR a.teleconsultant_id = b.teleconsultant_id "
    "OR (a.assistant_id IS NOT NULL AND a.assistant_id = b.assistant_id)) "
    "AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at "
    "WHERE a.state <> 'cancelled' AND b.state <> 'cancelled'";

#endif
