/*
 * A small telehealth network for the tests of the host's and the
 * teleconsultant's pages (test_web_booking_host, test_web_booking_
 * teleconsultant), on the app of web_fixture.h: an owner (a Département),
 * two sites A and B (directory structures open 24/7, so that the tests
 * find slots whatever the hour they run), A not sharing phone numbers with
 * teleconsultants and B sharing them, one cabin each, two teleconsultants
 * of two organisations serving both sites (available 24/7, GP
 * consultations of 20 minutes), and accounts of each role logged in.
 * Header-only; include after <cmocka.h> and web_fixture.h. Every name is
 * made up and marked as an example; people are initials.
 */
#ifndef MG_TESTS_BOOKING_HOST_FIXTURE_H
#define MG_TESTS_BOOKING_HOST_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "booking/book.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "db/db.h"
#include "directory/directory.h"

#define BH_FORM "application/x-www-form-urlencoded"
#define BH_PASSWORD "un mot de passe de test assez long"

typedef struct bh_who {
    int64_t account;
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
} bh_who;

typedef struct bh_net {
    int64_t owner;                  /* the network's owner */
    int64_t site_a, site_b;         /* structures registered as sites */
    int64_t dev_a, dev_b;           /* a cabin at each */
    int64_t tc_org, tc_org2;        /* the teleconsultants' organisations */
    int64_t tc, tc2;                /* a teleconsultant of each */
    bh_who host_a, host_b;          /* hosts of A and of B */
    bh_who doctor, doctor2;         /* a teleconsultant account of tc_org, of tc_org2 */
    bh_who owner_manager;           /* a manager of the owner */
} bh_net;

static bh_net net;
static unsigned bh_serial;

static inline void bh_login_as(bh_who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[128];
    snprintf(email, sizeof email, "%s.%u.%ld@equipements.invalid", tag, ++bh_serial,
             (long)time(NULL));
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    if (mg_auth_account_add(app->db, 0, email, "Compte de test (exemple)", BH_PASSWORD, org, role,
                            &w->account, NULL, &d) ||
        mg_auth_login(app->db, email, BH_PASSWORD, "127.0.0.1", (int64_t)time(NULL), &lr, &retry,
                      &d) ||
        mg_auth_session_load(app->db, lr.session, (int64_t)time(NULL), &s, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

static inline int64_t bh_org(const char *name, const char *kind)
{
    mg_auth_org_input in = {.name = name, .kind = kind};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_auth_org_add(app->db, 0, &in, true, false, &id, NULL, &d))
        fail_msg("organisation %s: %s", name, d.msg);
    return id;
}

/* A structure of the directory open 24/7, registered as a site of owner. */
static inline int64_t bh_site(const char *name, int64_t owner, bool share_phone)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    if (!s)
        fail_msg("out of memory");
    s->name = name;
    s->category = MG_DIR_OTHER;
    s->opening_hours = "24/7";
    int64_t id = 0;
    mg_diag d = {{0}};
    if (mg_dir_save(app->db, 0, &set, &id, NULL, &d))
        fail_msg("structure %s: %s", name, d.msg);
    mg_dir_set_free(&set);
    mg_booking_site_input in = {.site_id = id, .owner_id = owner, .ask = "initials",
                                .share_phone = share_phone, .active = true, .is_example = true};
    mg_booking_errors errs = {0};
    if (mg_booking_site_put(app->db, 0, &in, &errs, &d))
        fail_msg("site %s: %s", name, d.msg);
    return id;
}

static inline int64_t bh_device(int64_t site, const char *name)
{
    mg_booking_device_input in = {.site_id = site, .kind = "cabin", .name = name, .active = true};
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_booking_device_add(app->db, 0, &in, &id, &errs, &d))
        fail_msg("device %s: %s", name, d.msg);
    return id;
}

static inline int64_t bh_teleconsultant(int64_t org, int64_t owner, const char *label,
                                 const int64_t *sites, size_t nsites)
{
    mg_booking_teleconsultant_input in = {.organisation_id = org, .owner_id = owner,
                                          .label = label, .availability = "24/7",
                                          .kinds = {{MG_BOOKING_GP, 20}}, .nkinds = 1,
                                          .site_ids = sites, .nsites = nsites, .active = true};
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_booking_teleconsultant_add(app->db, 0, &in, &id, &errs, &d))
        fail_msg("teleconsultant %s: %s", label, d.msg);
    return id;
}

static inline void bh_net_setup(void)
{
    memset(&net, 0, sizeof net);
    char name[96];
    unsigned seed = (unsigned)time(NULL) % 100000u + ++bh_serial * 100000u;
    snprintf(name, sizeof name, "Département des équipements %u (exemple)", seed);
    net.owner = bh_org(name, "departement");
    snprintf(name, sizeof name, "Mairie A %u (exemple)", seed);
    net.site_a = bh_site(name, net.owner, false);
    snprintf(name, sizeof name, "Pharmacie B %u (exemple)", seed);
    net.site_b = bh_site(name, net.owner, true);
    net.dev_a = bh_device(net.site_a, "Cabine A (exemple)");
    net.dev_b = bh_device(net.site_b, "Cabine B (exemple)");
    snprintf(name, sizeof name, "Téléconsultations %u (exemple)", seed);
    net.tc_org = bh_org(name, "other");
    snprintf(name, sizeof name, "Autres téléconsultations %u (exemple)", seed);
    net.tc_org2 = bh_org(name, "other");
    int64_t sites[] = {net.site_a, net.site_b};
    net.tc = bh_teleconsultant(net.tc_org, net.owner, "Médecin généraliste (exemple)", sites, 2);
    net.tc2 = bh_teleconsultant(net.tc_org2, net.owner, "Autre médecin (exemple)", sites, 2);
    bh_login_as(&net.host_a, net.site_a, MG_ROLE_HOST, "hote-a");
    bh_login_as(&net.host_b, net.site_b, MG_ROLE_HOST, "hote-b");
    bh_login_as(&net.doctor, net.tc_org, MG_ROLE_TELECONSULTANT, "medecin");
    bh_login_as(&net.doctor2, net.tc_org2, MG_ROLE_TELECONSULTANT, "medecin2");
    bh_login_as(&net.owner_manager, net.owner, MG_ROLE_MANAGER, "departement");
}

/* --- Time --------------------------------------------------------------------------------------- */

/* The first minute of the Paris day `days` after today's. */
static inline int64_t bh_day(int days)
{
    mg_oh_instant t = mg_booking_local(mg_booking_now());
    int64_t s = mg_booking_day_start(t.year, t.month, t.day);
    for (int k = 0; k < days; k++) {
        t = mg_booking_local(s + 26 * 60);
        s = mg_booking_day_start(t.year, t.month, t.day);
    }
    return s;
}

/* The instant the Paris clock reads `minute` (of the day) on the day that
 * starts at day_start: not day_start + minute, which is an hour off on
 * the days summer time starts or ends. */
static inline int64_t bh_at(int64_t day_start, int minute)
{
    mg_oh_instant t = mg_booking_local(day_start);
    t.minute = minute;
    int64_t first = 0;
    if (mg_booking_utc(t, &first, NULL) != 1 && first == 0)
        fail_msg("no %02d:%02d on that day", minute / 60, minute % 60);
    return first;
}

/* "2026-12-07" of a Paris day's start. */
static inline void bh_iso(int64_t minute, char out[static 11])
{
    mg_oh_instant t = mg_booking_local(minute);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)t.year % 10000u, (unsigned)t.month % 100u,
             (unsigned)t.day % 100u);
}

/* --- Bookings ------------------------------------------------------------------------------------ */

/* A public booking of a GP consultation with tc at site/device at `start`
 * (each from its own address: the limit of two per address stays away). */
static inline int64_t bh_book(int64_t site, int64_t device, int64_t tc, int64_t start,
                       const char *person, const char *phone)
{
    char address[32];
    snprintf(address, sizeof address, "192.0.2.%u", ++bh_serial % 250u + 1u);
    mg_booking_input in = {.site_id = site, .device_id = device, .teleconsultant_id = tc,
                           .kind = MG_BOOKING_GP, .start = start, .person = person,
                           .phone = phone, .address = address, .now_s = (int64_t)time(NULL)};
    mg_booking_result res;
    memset(&res, 0, sizeof res);
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    if (mg_booking_book(app->db, 0, &in, &res, &errs, &d))
        fail_msg("booking at %lld: %s", (long long)start, d.msg);
    return res.id;
}

static inline mg_booking bh_get(int64_t id)
{
    mg_booking b;
    mg_diag d = {{0}};
    if (mg_booking_get(app->db, id, &b, &d))
        fail_msg("booking %lld: %s", (long long)id, d.msg);
    return b;
}

/* --- Requests ------------------------------------------------------------------------------------ */

static inline mg_http_response bh_as(const bh_who *w, const char *method, const char *target,
                              const char *body)
{
    mg_http_response res;
    const char *with[] = {"Cookie", w ? w->cookie : "", "X-CSRF-Token", w ? w->csrf : "",
                          NULL};
    const char *none[] = {NULL};
    int rc = mg_http_dispatch_with(app->router, method, target, w ? with : none,
                                   body ? BH_FORM : NULL, body, body ? strlen(body) : 0, &res);
    assert_int_equal(rc, 0);
    /* No-break spaces (in times and phone numbers) read as spaces, as a
     * reader hears them and the browser tests' norm() reads them. */
    char *t = res.body.data;
    if (t) {
        size_t j = 0;
        for (size_t i = 0; i < res.body.len; i++) {
            if ((unsigned char)t[i] == 0xC2 && i + 1 < res.body.len &&
                (unsigned char)t[i + 1] == 0xA0) {
                t[j++] = ' ';
                i++;
            } else {
                t[j++] = t[i];
            }
        }
        if (j < res.body.len) {
            t[j] = 0;
            res.body.len = j;
        }
    }
    return res;
}

static inline const char *bh_text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

static inline void bh_expect(const bh_who *w, const char *method, const char *target, const char *body,
                      int status)
{
    mg_http_response r = bh_as(w, method, target, body);
    if (r.status != status)
        fail_msg("%s %s: %d, expected %d", method, target, r.status, status);
    mg_http_response_free(&r);
}

/* --- What the module's tables hold, as text (to compare around a refusal) ------------------- */

struct bh_dump_tx {
    mg_buf *b;
};

static inline int bh_dump_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct bh_dump_tx *t = ctx;
    mg_buf_reset(t->b);
    static const char *const queries[] = {
        "SELECT * FROM bookings ORDER BY 1",
        "SELECT * FROM booking_claims ORDER BY 1, 2, 3",
        "SELECT * FROM booking_exceptions ORDER BY 1",
        "SELECT * FROM booking_assistants ORDER BY 1",
        "SELECT * FROM booking_teleconsultants ORDER BY 1",
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

/* The booking tables and the audit trail as text (free()). */
static inline char *bh_dump(void)
{
    mg_buf b;
    mg_buf_init(&b, (size_t)64 << 20);
    struct bh_dump_tx t = {&b};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(app->db, MG_DB_TX_READ, bh_dump_body, &t, &d);
    if (rc != 0)
        fail_msg("dump: %s (%s)", mg_strerror(rc), d.msg);
    char *s = mg_buf_take(&b, NULL);
    mg_buf_free(&b);
    assert_non_null(s);
    return s;
}

#endif
