/*
 * Tests of the equipment network's setup (setup.h, setup.c) on SQLite and,
 * when MG_TEST_PG_URI is set, on PostgreSQL: sites made of directory
 * structures (name, commune, address, point and hours read from the
 * directory), devices, assistants, teleconsultants with their kinds and
 * sites, the calendar feed secret, exceptions. Every refused input names
 * its field and changes nothing (the module's tables and the audit trail
 * compared before and after); every write leaves its audit entry. The
 * …_on variants write in the caller's transaction: a refusal there rolls
 * back the writes made before it in the same transaction.
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

#include <sodium.h>

#include "auth/auth.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "core/buf.h"
#include "db_fixture.h"

TEST_DB_FIXTURE("booking_setup")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

/* --- Raw SQL around the module ----------------------------------------------------------------- */

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

static int64_t org(mg_db *db, const char *name)
{
    return raw(db,
               "INSERT INTO organisations (name, kind, active, created_at, confirmed_at) "
               "VALUES (?1, 'other', 1, 'x', 'x') RETURNING id",
               MG_DB_PARAMS(MG_DB_TEXT(name)));
}

/* A directory structure (an organisation and its structures row). */
static int64_t structure(mg_db *db, const char *name, const char *hours)
{
    int64_t id = org(db, name);
    char source_id[32];
    snprintf(source_id, sizeof source_id, "s%" PRId64, id);
    raw(db,
        "INSERT INTO structures (organisation_id, source, source_id, category, name_key, address, "
        "postcode, commune_code, commune_name, lat, lon, opening_hours, updated_on, created_at, "
        "updated_at) VALUES (?1, 'test', ?2, 'pharmacy', 'x', '1 place de la Mairie', '11000', "
        "'11069', 'Carcassonne', 43.2, 2.35, ?3, '2026-01-01', 'x', 'x')",
        MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(source_id), MG_DB_TEXT(hours)));
    return id;
}

struct dump_tx {
    mg_buf *b;
};

static int dump_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct dump_tx *t = ctx;
    mg_buf_reset(t->b);
    static const char *const queries[] = {
        "SELECT * FROM booking_sites ORDER BY 1",
        "SELECT * FROM booking_devices ORDER BY 1",
        "SELECT * FROM booking_assistants ORDER BY 1",
        "SELECT * FROM booking_teleconsultants ORDER BY 1",
        "SELECT * FROM booking_teleconsultant_kinds ORDER BY 1, 2",
        "SELECT * FROM booking_teleconsultant_sites ORDER BY 1, 2",
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

static void expect_field(const mg_booking_errors *errs, const char *field)
{
    if (mg_booking_errors_for(errs, field))
        return;
    char all[2048] = "";
    size_t o = 0;
    for (size_t i = 0; i < errs->n && o < sizeof all - 300; i++)
        o += (size_t)snprintf(all + o, sizeof all - o, "%s (%s); ", errs->e[i].field,
                              errs->e[i].msg);
    fail_msg("no error on \"%s\"; got: %s", field, all);
}

static int64_t audit_count(mg_db *db, const char *type)
{
    return raw(db, "SELECT COUNT(*) FROM audit_entries WHERE object_type = ?1",
               MG_DB_PARAMS(MG_DB_TEXT(type)));
}

/* A network: its owner and a site with hours. */
struct net {
    int64_t owner, other_owner, site, site2, tc_org;
};

static struct net network(mg_db *db)
{
    struct net n;
    n.owner = org(db, "Département (exemple)");
    n.other_owner = org(db, "Autre réseau (exemple)");
    n.tc_org = org(db, "Centre de téléconsultation (exemple)");
    n.site = structure(db, "Pharmacie des Essais (exemple)", "Mo-Fr 09:00-12:00,14:00-18:00");
    n.site2 = structure(db, "Mairie des Essais (exemple)", NULL);
    mg_diag d = {{0}};
    mg_booking_errors e = {0};
    mg_booking_site_input in = {.site_id = n.site, .owner_id = n.owner, .ask = "name",
                                .share_phone = true, .active = true, .is_example = true};
    if (mg_booking_site_put(db, 0, &in, &e, &d))
        fail_msg("site: %s", d.msg);
    in.site_id = n.site2;
    in.owner_id = n.other_owner;
    in.ask = NULL;
    if (mg_booking_site_put(db, 0, &in, &e, &d))
        fail_msg("site2: %s", d.msg);
    return n;
}

/* --- Sites ----------------------------------------------------------------------------------------- */

static void test_sites(void **state)
{
    mg_db *db = open_db(state);
    struct net n = network(db);
    assert_int_equal(audit_count(db, "booking_site"), 2);

    /* Refusals change nothing. */
    char *before = dump(db);
    mg_booking_errors e = {0};
    mg_diag d = {{0}};
    mg_booking_site_input bad = {.site_id = 999999, .owner_id = n.owner};
    assert_int_equal(mg_booking_site_put(db, 0, &bad, &e, &d), MG_EINVAL);
    expect_field(&e, "site_id");
    memset(&e, 0, sizeof e);
    bad = (mg_booking_site_input){.site_id = n.site, .owner_id = n.owner, .ask = "surname"};
    assert_int_equal(mg_booking_site_put(db, 0, &bad, &e, &d), MG_EINVAL);
    expect_field(&e, "ask");
    memset(&e, 0, sizeof e);
    int64_t lone = structure(db, "Structure sans réseau (exemple)", NULL);
    char *before2 = dump(db);
    bad = (mg_booking_site_input){.site_id = lone, .owner_id = 999999};
    assert_int_equal(mg_booking_site_put(db, 0, &bad, &e, &d), MG_EINVAL);
    expect_field(&e, "owner_id");
    char *after = dump(db);
    assert_string_equal(before2, after);
    free(before);
    free(before2);
    free(after);

    /* What a site reads from the directory. */
    mg_booking_site s;
    assert_int_equal(mg_booking_site_get(db, n.site, &s, &d), 0);
    assert_int_equal(s.owner_id, n.owner);
    assert_string_equal(s.name, "Pharmacie des Essais (exemple)");
    assert_string_equal(s.commune_code, "11069");
    assert_string_equal(s.commune_name, "Carcassonne");
    assert_string_equal(s.address, "1 place de la Mairie");
    assert_string_equal(s.category, "pharmacy");
    assert_true(fabs(s.lat - 43.2) < 1e-9 && fabs(s.lon - 2.35) < 1e-9);
    assert_string_equal(s.opening_hours, "Mo-Fr 09:00-12:00,14:00-18:00");
    assert_int_equal(s.ask, MG_BOOKING_ASK_NAME);
    assert_true(s.share_phone && s.active && s.is_example);
    assert_int_equal(s.ndevices, 0);
    mg_booking_site_clear(&s);
    assert_int_equal(mg_booking_site_get(db, n.site2, &s, &d), 0);
    assert_null(s.opening_hours);
    assert_int_equal(s.ask, MG_BOOKING_ASK_INITIALS);
    mg_booking_site_clear(&s);
    assert_int_equal(mg_booking_site_get(db, 424242, &s, &d), MG_ENOTFOUND);

    /* A change keeps the owner, and is audited once; a no-op is not. */
    mg_booking_site_input ch = {.site_id = n.site, .owner_id = n.other_owner, .ask = "initials",
                                .active = false};
    assert_int_equal(mg_booking_site_put(db, 0, &ch, &e, &d), 0);
    assert_int_equal(mg_booking_site_get(db, n.site, &s, &d), 0);
    assert_int_equal(s.owner_id, n.owner);
    assert_false(s.active);
    assert_int_equal(s.ask, MG_BOOKING_ASK_INITIALS);
    mg_booking_site_clear(&s);
    assert_int_equal(audit_count(db, "booking_site"), 3);
    assert_int_equal(mg_booking_site_put(db, 0, &ch, &e, &d), 0);
    assert_int_equal(audit_count(db, "booking_site"), 3);

    /* Lists. */
    mg_booking_site *v = NULL;
    size_t nv = 0;
    assert_int_equal(mg_booking_site_list(db, 0, false, &v, &nv, &d), 0);
    assert_int_equal(nv, 2);
    mg_booking_sites_free(v, nv);
    assert_int_equal(mg_booking_site_list(db, n.owner, false, &v, &nv, &d), 0);
    assert_int_equal(nv, 1);
    assert_int_equal(v[0].site_id, n.site);
    mg_booking_sites_free(v, nv);
    assert_int_equal(mg_booking_site_list(db, 0, true, &v, &nv, &d), 0);
    assert_int_equal(nv, 1);
    assert_int_equal(v[0].site_id, n.site2);
    mg_booking_sites_free(v, nv);
    mg_db_close(db);
}

/* --- Devices ---------------------------------------------------------------------------------------- */

static void test_devices(void **state)
{
    mg_db *db = open_db(state);
    struct net n = network(db);
    mg_diag d = {{0}};
    mg_booking_errors e = {0};
    char *before = dump(db);
    static const struct {
        mg_booking_device_input in;
        const char *field;
    } bad[] = {
        {{.site_id = 999999, .kind = "cabin", .name = "Cabine"}, "site_id"},
        {{.site_id = 1, .kind = "booth", .name = "Cabine"}, "kind"},
        {{.site_id = 1, .kind = NULL, .name = "Cabine"}, "kind"},
        {{.site_id = 1, .kind = "cabin", .name = ""}, "name"},
        {{.site_id = 1, .kind = "cabin", .name = "Cabine", .instruments = "otoscope,laser"},
         "instruments"},
        {{.site_id = 1, .kind = "cabin", .name = "Cabine", .opening_hours = "Mo-Fr 25:00-26:00x"},
         "opening_hours"},
        {{.site_id = 1, .kind = "cabin", .name = "Cabine", .step_min = 7}, "step_min"},
        {{.site_id = 1, .kind = "cabin", .name = "Cabine", .step_min = 245}, "step_min"},
        {{.site_id = 1, .kind = "cabin", .name = "Cabine\xff"}, "name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mg_booking_device_input in = bad[i].in;
        if (in.site_id == 1)
            in.site_id = n.site;
        memset(&e, 0, sizeof e);
        mg_diag_clear(&d);
        int64_t id = -1;
        assert_int_equal(mg_booking_device_add(db, 0, &in, &id, &e, &d), MG_EINVAL);
        assert_int_equal(id, 0);
        expect_field(&e, bad[i].field);
    }
    /* The hours' refusal quotes the parser: its position, in French. */
    memset(&e, 0, sizeof e);
    mg_booking_device_input hin = {.site_id = n.site, .kind = "cabin", .name = "Cabine",
                                   .opening_hours = "Mo-Fr 09:00-12:00 xyz"};
    assert_int_equal(mg_booking_device_add(db, 0, &hin, NULL, &e, &d), MG_EINVAL);
    const char *m = mg_booking_errors_for(&e, "opening_hours");
    assert_non_null(m);
    assert_non_null(strstr(m, "horaires illisibles"));
    assert_true(strpbrk(m, "0123456789") != NULL); /* a position */
    char *after = dump(db);
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* Added, read back, changed. */
    mg_booking_device_input in = {.site_id = n.site, .kind = "cart", .name = "Chariot (exemple)",
                                  .instruments = " ecg, otoscope ,stethoscope,otoscope",
                                  .assisted = true, .step_min = 30, .active = true};
    int64_t id = 0;
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_device_add(db, 0, &in, &id, &e, &d), 0);
    assert_true(id > 0);
    mg_booking_device v;
    assert_int_equal(mg_booking_device_get(db, id, &v, &d), 0);
    assert_int_equal(v.site_id, n.site);
    assert_int_equal(v.kind, MG_BOOKING_CART);
    assert_string_equal(v.name, "Chariot (exemple)");
    assert_string_equal(v.instruments, "stethoscope,otoscope,ecg");
    assert_null(v.opening_hours);
    assert_true(v.assisted && v.active);
    assert_int_equal(v.step_min, 30);
    mg_booking_device_clear(&v);
    assert_int_equal(audit_count(db, "booking_device"), 1);

    in = (mg_booking_device_input){.site_id = n.site2, .kind = "cabin", .name = "Cabine",
                                   .opening_hours = "Mo-Sa 08:00-20:00", .active = true};
    assert_int_equal(mg_booking_device_update(db, 0, id, &in, &e, &d), 0);
    assert_int_equal(mg_booking_device_get(db, id, &v, &d), 0);
    assert_int_equal(v.site_id, n.site); /* the site stays */
    assert_int_equal(v.kind, MG_BOOKING_CABIN);
    assert_string_equal(v.opening_hours, "Mo-Sa 08:00-20:00");
    assert_string_equal(v.instruments, "");
    assert_false(v.assisted);
    mg_booking_device_clear(&v);
    assert_int_equal(audit_count(db, "booking_device"), 2);
    assert_int_equal(mg_booking_device_update(db, 0, 999999, &in, &e, &d), MG_ENOTFOUND);
    assert_int_equal(mg_booking_device_get(db, 999999, &v, &d), MG_ENOTFOUND);

    mg_booking_site s;
    assert_int_equal(mg_booking_site_get(db, n.site, &s, &d), 0);
    assert_int_equal(s.ndevices, 1);
    mg_booking_site_clear(&s);

    mg_booking_device *list = NULL;
    size_t nl = 0;
    assert_int_equal(mg_booking_device_list(db, n.site, &list, &nl, &d), 0);
    assert_int_equal(nl, 1);
    mg_booking_devices_free(list, nl);
    assert_int_equal(mg_booking_device_list(db, n.site2, &list, &nl, &d), 0);
    assert_int_equal(nl, 0);
    mg_booking_devices_free(list, nl);

    size_t ni = 0;
    const char *const *codes = mg_booking_instruments(&ni);
    assert_true(ni >= 5);
    for (size_t i = 0; i < ni; i++)
        assert_non_null(mg_booking_instrument_label(codes[i]));
    assert_null(mg_booking_instrument_label("laser"));
    mg_db_close(db);
}

/* --- Assistants -------------------------------------------------------------------------------------- */

static void test_assistants(void **state)
{
    mg_db *db = open_db(state);
    struct net n = network(db);
    mg_diag d = {{0}};
    mg_booking_errors e = {0};
    char *before = dump(db);
    assert_int_equal(mg_booking_assistant_put(db, 0, 0, n.site, "", "Mo-Fr 09:00-12:00", true,
                                              NULL, &e, &d),
                     MG_EINVAL);
    expect_field(&e, "label");
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_assistant_put(db, 0, 0, n.site, "Pharmacien", "lundi", true,
                                              NULL, &e, &d),
                     MG_EINVAL);
    expect_field(&e, "availability");
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_assistant_put(db, 0, 0, n.site, "Pharmacien", NULL, true, NULL,
                                              &e, &d),
                     MG_EINVAL);
    expect_field(&e, "availability");
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_assistant_put(db, 0, 0, 999999, "Pharmacien", "Mo 09:00-10:00",
                                              true, NULL, &e, &d),
                     MG_EINVAL);
    expect_field(&e, "site_id");
    char *after = dump(db);
    assert_string_equal(before, after);
    free(before);
    free(after);

    int64_t id = 0;
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_assistant_put(db, 0, 0, n.site, "Pharmacien", "Mo-Fr 09:00-12:00",
                                              true, &id, &e, &d),
                     0);
    assert_true(id > 0);
    assert_int_equal(mg_booking_assistant_put(db, 0, id, 0, "Préparateur", "Mo-Sa 09:00-12:00",
                                              false, NULL, &e, &d),
                     0);
    mg_booking_assistant *v = NULL;
    size_t nv = 0;
    assert_int_equal(mg_booking_assistant_list(db, n.site, &v, &nv, &d), 0);
    assert_int_equal(nv, 1);
    assert_int_equal(v[0].id, id);
    assert_string_equal(v[0].label, "Préparateur");
    assert_string_equal(v[0].availability, "Mo-Sa 09:00-12:00");
    assert_false(v[0].active);
    mg_booking_assistants_free(v, nv);
    assert_int_equal(audit_count(db, "booking_assistant"), 2);
    mg_db_close(db);
}

/* --- Teleconsultants --------------------------------------------------------------------------------- */

static void test_teleconsultants(void **state)
{
    mg_db *db = open_db(state);
    struct net n = network(db);
    mg_diag d = {{0}};
    mg_booking_errors e = {0};
    int64_t sites[] = {n.site};
    mg_booking_teleconsultant_input good = {
        .organisation_id = n.tc_org,
        .owner_id = n.owner,
        .label = "Médecin généraliste (exemple)",
        .availability = "Mo-Fr 08:00-20:00",
        .kinds = {{MG_BOOKING_GP, 20}, {MG_BOOKING_FOLLOWUP, 15}},
        .nkinds = 2,
        .site_ids = sites,
        .nsites = 1,
        .active = true,
    };
    char *before = dump(db);
    typedef struct bad_tc {
        mg_booking_teleconsultant_input in;
        const char *field;
    } bad_tc;
    bad_tc bad[10];
    size_t nb = 0;
    int64_t other_sites[] = {n.site2};
    bad[nb] = (bad_tc){good, "organisation_id"};
    bad[nb++].in.organisation_id = 999999;
    bad[nb] = (bad_tc){good, "label"};
    bad[nb++].in.label = "";
    bad[nb] = (bad_tc){good, "availability"};
    bad[nb++].in.availability = "Mo-Fr 8:00-20:00";
    bad[nb] = (bad_tc){good, "kinds"};
    bad[nb++].in.nkinds = 0;
    bad[nb] = (bad_tc){good, "duration_gp"};
    bad[nb++].in.kinds[0].duration_min = 7;
    bad[nb] = (bad_tc){good, "duration_followup"};
    bad[nb++].in.kinds[1].duration_min = 300;
    bad[nb] = (bad_tc){good, "kinds"};
    bad[nb++].in.kinds[1].kind = MG_BOOKING_GP;
    bad[nb] = (bad_tc){good, "sites"};
    bad[nb++].in.site_ids = other_sites;
    bad[nb] = (bad_tc){good, "owner_id"};
    bad[nb++].in.owner_id = 999999;
    for (size_t i = 0; i < nb; i++) {
        memset(&e, 0, sizeof e);
        mg_diag_clear(&d);
        int64_t id = -1;
        assert_int_equal(mg_booking_teleconsultant_add(db, 0, &bad[i].in, &id, &e, &d), MG_EINVAL);
        assert_int_equal(id, 0);
        expect_field(&e, bad[i].field);
    }
    char *after = dump(db);
    assert_string_equal(before, after);
    free(after);

    int64_t id = 0;
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_teleconsultant_add(db, 0, &good, &id, &e, &d), 0);
    mg_booking_teleconsultant t;
    assert_int_equal(mg_booking_teleconsultant_get(db, id, &t, &d), 0);
    assert_int_equal(t.organisation_id, n.tc_org);
    assert_int_equal(t.owner_id, n.owner);
    assert_string_equal(t.org_name, "Centre de téléconsultation (exemple)");
    assert_string_equal(t.availability, "Mo-Fr 08:00-20:00");
    assert_int_equal(t.nkinds, 2);
    assert_int_equal(t.kinds[0].kind, MG_BOOKING_GP);
    assert_int_equal(t.kinds[0].duration_min, 20);
    assert_int_equal(t.kinds[1].kind, MG_BOOKING_FOLLOWUP);
    assert_int_equal(t.kinds[1].duration_min, 15);
    assert_int_equal(t.nsites, 1);
    assert_int_equal(t.site_ids[0], n.site);
    assert_false(t.has_feed);
    mg_booking_teleconsultant_clear(&t);

    /* A refused update changes nothing either. */
    free(before);
    before = dump(db);
    mg_booking_teleconsultant_input upd = good;
    upd.site_ids = other_sites;
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_teleconsultant_update(db, 0, id, &upd, &e, &d), MG_EINVAL);
    expect_field(&e, "sites");
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_teleconsultant_set_availability(db, 0, id, "24/7 xx", &e, &d),
                     MG_EINVAL);
    expect_field(&e, "availability");
    after = dump(db);
    assert_string_equal(before, after);
    free(before);
    free(after);

    upd = good;
    upd.label = "Spécialiste (exemple)";
    upd.kinds[0] = (mg_booking_tc_kind){MG_BOOKING_SPECIALIST, 30};
    upd.nkinds = 1;
    upd.nsites = 0;
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_teleconsultant_update(db, 0, id, &upd, &e, &d), 0);
    assert_int_equal(mg_booking_teleconsultant_set_availability(db, 0, id, "Mo 10:00-11:00", &e,
                                                                &d),
                     0);
    assert_int_equal(mg_booking_teleconsultant_get(db, id, &t, &d), 0);
    assert_string_equal(t.label, "Spécialiste (exemple)");
    assert_string_equal(t.availability, "Mo 10:00-11:00");
    assert_int_equal(t.nkinds, 1);
    assert_int_equal(t.kinds[0].kind, MG_BOOKING_SPECIALIST);
    assert_int_equal(t.nsites, 0);
    mg_booking_teleconsultant_clear(&t);
    assert_int_equal(audit_count(db, "booking_teleconsultant"), 3);

    /* Lists by organisation, network and site. */
    int64_t id2 = 0;
    assert_int_equal(mg_booking_teleconsultant_add(db, 0, &good, &id2, &e, &d), 0);
    mg_booking_teleconsultant *v = NULL;
    size_t nv = 0;
    assert_int_equal(mg_booking_teleconsultant_list(db, n.tc_org, 0, 0, &v, &nv, &d), 0);
    assert_int_equal(nv, 2);
    mg_booking_teleconsultants_free(v, nv);
    assert_int_equal(mg_booking_teleconsultant_list(db, 0, n.owner, n.site, &v, &nv, &d), 0);
    assert_int_equal(nv, 1);
    assert_int_equal(v[0].id, id2);
    assert_int_equal(v[0].nkinds, 2);
    mg_booking_teleconsultants_free(v, nv);
    assert_int_equal(mg_booking_teleconsultant_list(db, 0, n.other_owner, 0, &v, &nv, &d), 0);
    assert_int_equal(nv, 0);
    mg_booking_teleconsultants_free(v, nv);
    mg_db_close(db);
}

/* --- The feed's secret --------------------------------------------------------------------------------- */

static void test_feed(void **state)
{
    mg_db *db = open_db(state);
    struct net n = network(db);
    mg_diag d = {{0}};
    mg_booking_errors e = {0};
    mg_booking_teleconsultant_input in = {.organisation_id = n.tc_org, .owner_id = n.owner,
                                          .label = "Médecin (exemple)", .availability = "24/7",
                                          .kinds = {{MG_BOOKING_GP, 20}}, .nkinds = 1,
                                          .active = true};
    int64_t id = 0;
    assert_int_equal(mg_booking_teleconsultant_add(db, 0, &in, &id, &e, &d), 0);
    char tok[44], tok2[44];
    assert_int_equal(mg_booking_feed_token_new(db, 0, id, tok, &d), 0);
    assert_int_equal(strlen(tok), 43);
    assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     43);
    /* Only the SHA-256 of the secret is kept. */
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)tok, 43);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    assert_int_equal(raw(db, "SELECT COUNT(*) FROM booking_teleconsultants WHERE feed_hash = ?1",
                         MG_DB_PARAMS(MG_DB_TEXT(hex))),
                     1);
    char *all = dump(db);
    assert_null(strstr(all, tok));
    free(all);
    int64_t got = 0;
    assert_int_equal(mg_booking_feed_lookup(db, tok, &got, &d), 0);
    assert_int_equal(got, id);
    mg_booking_teleconsultant t;
    assert_int_equal(mg_booking_teleconsultant_get(db, id, &t, &d), 0);
    assert_true(t.has_feed);
    mg_booking_teleconsultant_clear(&t);
    /* A new secret: the old one stops working. */
    assert_int_equal(mg_booking_feed_token_new(db, 0, id, tok2, &d), 0);
    assert_string_not_equal(tok, tok2);
    assert_int_equal(mg_booking_feed_lookup(db, tok, &got, &d), MG_ENOTFOUND);
    assert_int_equal(mg_booking_feed_lookup(db, tok2, &got, &d), 0);
    assert_int_equal(mg_booking_feed_lookup(db, "short", &got, &d), MG_ENOTFOUND);
    assert_int_equal(mg_booking_feed_lookup(db, NULL, &got, &d), MG_ENOTFOUND);
    assert_int_equal(mg_booking_feed_token_new(db, 0, 999999, tok, &d), MG_ENOTFOUND);
    assert_int_equal(audit_count(db, "booking_teleconsultant"), 3);
    mg_db_close(db);
}

/* --- Exceptions ------------------------------------------------------------------------------------------ */

static void test_exceptions(void **state)
{
    mg_db *db = open_db(state);
    struct net n = network(db);
    mg_diag d = {{0}};
    mg_booking_errors e = {0};
    mg_booking_device_input din = {.site_id = n.site, .kind = "cabin", .name = "Cabine",
                                   .active = true};
    int64_t dev = 0;
    assert_int_equal(mg_booking_device_add(db, 0, &din, &dev, &e, &d), 0);
    int64_t t0 = 29500000; /* a Unix minute in 2026 */
    char *before = dump(db);
    struct {
        mg_booking_exception in;
        const char *field;
    } bad[] = {
        {{.resource = MG_BOOKING_RES_SITE, .resource_id = n.site, .from = t0, .to = t0,
          .reason = MG_BOOKING_CLOSURE},
         "to"},
        {{.resource = MG_BOOKING_RES_SITE, .resource_id = n.site, .from = t0,
          .to = t0 + 527041, .reason = MG_BOOKING_CLOSURE},
         "to"},
        {{.resource = MG_BOOKING_RES_SITE, .resource_id = n.site, .from = t0, .to = t0 + 60,
          .reason = MG_BOOKING_MAINTENANCE},
         "reason"},
        {{.resource = MG_BOOKING_RES_DEVICE, .resource_id = 999999, .from = t0, .to = t0 + 60,
          .reason = MG_BOOKING_MAINTENANCE},
         "resource_id"},
        {{.resource = MG_BOOKING_RES_SITE, .resource_id = n.site, .from = t0, .to = t0 + 60,
          .reason = (mg_booking_reason)9},
         "reason"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&e, 0, sizeof e);
        mg_diag_clear(&d);
        assert_int_equal(mg_booking_exception_add(db, 0, &bad[i].in, NULL, &e, &d), MG_EINVAL);
        expect_field(&e, bad[i].field);
    }
    mg_booking_exception long_label = {.resource = MG_BOOKING_RES_SITE, .resource_id = n.site,
                                       .from = t0, .to = t0 + 60, .reason = MG_BOOKING_CLOSURE};
    memset(long_label.label, 'x', 201);
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_exception_add(db, 0, &long_label, NULL, &e, &d), MG_EINVAL);
    expect_field(&e, "label");
    char *after = dump(db);
    assert_string_equal(before, after);
    free(before);
    free(after);

    mg_booking_exception x = {.resource = MG_BOOKING_RES_DEVICE, .resource_id = dev,
                              .from = t0 + 100, .to = t0 + 200, .reason = MG_BOOKING_MAINTENANCE};
    snprintf(x.label, sizeof x.label, "Révision annuelle");
    mg_booking_exception o = {.resource = MG_BOOKING_RES_DEVICE, .resource_id = dev, .from = t0,
                              .to = t0 + 50, .reason = MG_BOOKING_OPENING};
    int64_t xid = 0, oid = 0;
    memset(&e, 0, sizeof e);
    assert_int_equal(mg_booking_exception_add(db, 0, &x, &xid, &e, &d), 0);
    assert_int_equal(mg_booking_exception_add(db, 0, &o, &oid, &e, &d), 0);
    assert_int_equal(raw(db, "SELECT is_open FROM booking_exceptions WHERE id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(oid))),
                     1);
    mg_booking_exception *v = NULL;
    size_t nv = 0;
    assert_int_equal(mg_booking_exception_list(db, MG_BOOKING_RES_DEVICE, dev, 0, &v, &nv, &d), 0);
    assert_int_equal(nv, 2);
    assert_int_equal(v[0].id, oid); /* by start */
    assert_int_equal(v[1].id, xid);
    assert_int_equal(v[1].reason, MG_BOOKING_MAINTENANCE);
    assert_string_equal(v[1].label, "Révision annuelle");
    free(v);
    assert_int_equal(
        mg_booking_exception_list(db, MG_BOOKING_RES_DEVICE, dev, t0 + 50, &v, &nv, &d), 0);
    assert_int_equal(nv, 1); /* the opening ended at t0 + 50 */
    free(v);
    mg_booking_exception g;
    assert_int_equal(mg_booking_exception_get(db, xid, &g, &d), 0);
    assert_int_equal(g.from, t0 + 100);
    assert_int_equal(g.to, t0 + 200);
    assert_int_equal(g.resource, MG_BOOKING_RES_DEVICE);
    assert_int_equal(mg_booking_exception_delete(db, 0, xid, &d), 0);
    assert_int_equal(mg_booking_exception_get(db, xid, &g, &d), MG_ENOTFOUND);
    assert_int_equal(mg_booking_exception_delete(db, 0, xid, &d), MG_ENOTFOUND);
    assert_int_equal(audit_count(db, "booking_exception"), 3);
    /* The device's audit entries go to its site. */
    assert_int_equal(raw(db,
                         "SELECT COUNT(*) FROM audit_entries WHERE object_type = "
                         "'booking_exception' AND organisation_id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(n.site))),
                     3);

    /* « Supprimer »: one not begun is deleted; one begun ends now; one over
     * is refused; another resource's id is unknown. Each audited. */
    int64_t now = t0 + 1000;
    mg_booking_exception later = {.resource = MG_BOOKING_RES_SITE, .resource_id = n.site,
                                  .from = now + 100, .to = now + 200,
                                  .reason = MG_BOOKING_CLOSURE};
    mg_booking_exception begun = {.resource = MG_BOOKING_RES_SITE, .resource_id = n.site,
                                  .from = now - 50, .to = now + 50, .reason = MG_BOOKING_CLOSURE};
    int64_t lid = 0, bid = 0;
    assert_int_equal(mg_booking_exception_add(db, 0, &later, &lid, &e, &d), 0);
    assert_int_equal(mg_booking_exception_add(db, 0, &begun, &bid, &e, &d), 0);
    before = dump(db);
    int outcome = -1;
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_exception_end(db, 0, MG_BOOKING_RES_SITE, n.site2, lid, now,
                                              &outcome, &d),
                     MG_ENOTFOUND);
    assert_int_equal(outcome, 0);
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_exception_end(db, 0, MG_BOOKING_RES_DEVICE, n.site, lid, now,
                                              NULL, &d),
                     MG_ENOTFOUND);
    after = dump(db);
    assert_string_equal(before, after);
    free(before);
    free(after);
    int64_t audits = audit_count(db, "booking_exception");
    assert_int_equal(mg_booking_exception_end(db, 0, MG_BOOKING_RES_SITE, n.site, lid, now,
                                              &outcome, &d),
                     0);
    assert_int_equal(outcome, MG_BOOKING_EXCEPTION_DELETED);
    assert_int_equal(mg_booking_exception_get(db, lid, &g, &d), MG_ENOTFOUND);
    assert_int_equal(mg_booking_exception_end(db, 0, MG_BOOKING_RES_SITE, n.site, bid, now,
                                              &outcome, &d),
                     0);
    assert_int_equal(outcome, MG_BOOKING_EXCEPTION_ENDED);
    assert_int_equal(mg_booking_exception_get(db, bid, &g, &d), 0);
    assert_int_equal(g.from, now - 50);
    assert_int_equal(g.to, now);
    assert_int_equal(audit_count(db, "booking_exception"), audits + 2);
    assert_int_equal(raw(db,
                         "SELECT COUNT(*) FROM audit_entries WHERE object_type = "
                         "'booking_exception' AND object_id = ?1 AND verb = 'update'",
                         MG_DB_PARAMS(MG_DB_INT(bid))),
                     1);
    assert_int_equal(raw(db,
                         "SELECT COUNT(*) FROM audit_entries WHERE object_type = "
                         "'booking_exception' AND object_id = ?1 AND verb = 'delete'",
                         MG_DB_PARAMS(MG_DB_INT(lid))),
                     1);
    mg_diag_clear(&d);
    assert_int_equal(mg_booking_exception_end(db, 0, MG_BOOKING_RES_SITE, n.site, bid, now,
                                              &outcome, &d),
                     MG_EINVAL);
    assert_non_null(strstr(d.msg, "terminée"));
    mg_db_close(db);
}

/* mg_strerror knows the throttle's code (auth/auth.h). */
static void test_strerror_throttle(void **state)
{
    (void)state;
    assert_string_equal(mg_strerror(MG_ETHROTTLE), "too many attempts lately, try again later");
    assert_string_equal(mg_strerror(-999), "unknown error");
}

/* --- The same writes on the caller's transaction (…_on) ------------------------------------------ */

struct on_tx {
    struct net n;
    int64_t site;     /* a structure made a site in the transaction */
    bool refuse_last; /* the last write refused: the whole transaction rolls back */
    int64_t device, assistant, tc;
    size_t listed;    /* devices of site the list on c saw */
    mg_booking_errors errs;
    int last_rc;
};

static int on_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct on_tx *t = ctx;
    t->errs.n = 0;
    t->device = t->assistant = t->tc = 0;
    t->listed = 0;
    mg_booking_site_input site = {.site_id = t->site, .owner_id = t->n.owner, .active = true};
    int rc = mg_booking_site_put_on(c, 0, &site, &t->errs, d);
    mg_booking_device_input dev = {.site_id = t->site, .kind = "cabin", .name = "Cabine (exemple)",
                                   .instruments = "otoscope", .active = true};
    if (rc == 0)
        rc = mg_booking_device_add_on(c, 0, &dev, &t->device, &t->errs, d);
    mg_booking_device *v = NULL;
    if (rc == 0)
        rc = mg_booking_device_list_on(c, t->site, &v, &t->listed, d);
    mg_booking_devices_free(v, t->listed);
    if (rc == 0)
        rc = mg_booking_assistant_put_on(c, 0, 0, t->site, "Secrétaire de mairie (exemple)",
                                         "Mo-Fr 09:00-12:00", true, &t->assistant, &t->errs, d);
    int64_t sites[] = {t->site};
    mg_booking_teleconsultant_input tc = {
        .organisation_id = t->n.tc_org, .owner_id = t->n.owner,
        .label = t->refuse_last ? "" : "Médecin généraliste (exemple)",
        .availability = "Mo-Fr 08:00-20:00", .kinds = {{MG_BOOKING_GP, 20}}, .nkinds = 1,
        .site_ids = sites, .nsites = 1, .active = true};
    if (rc == 0)
        rc = mg_booking_teleconsultant_add_on(c, 0, &tc, &t->tc, &t->errs, d);
    t->last_rc = rc;
    return rc;
}

static void test_on_variants(void **state)
{
    mg_db *db = open_db(state);
    struct on_tx t = {.n = network(db)};
    t.site = structure(db, "Mairie des Variantes (exemple)", "Mo-Fr 09:00-17:00");
    mg_diag d = {{0}};
    /* The last write refused: the site, the device and the assistant written before it in
     * the same transaction are rolled back with their audit entries. */
    char *before = dump(db);
    t.refuse_last = true;
    assert_int_equal(mg_db_transaction(db, MG_DB_TX_WRITE, on_body, &t, &d), MG_EINVAL);
    expect_field(&t.errs, "label");
    assert_true(t.device > 0 && t.assistant > 0); /* they were written, then undone */
    assert_int_equal(t.listed, 1);                /* the list on c saw the device */
    char *after = dump(db);
    assert_string_equal(before, after);
    free(after);
    /* Everything right: committed together, one audit entry each. */
    t.refuse_last = false;
    assert_int_equal(mg_db_transaction(db, MG_DB_TX_WRITE, on_body, &t, &d), 0);
    assert_true(t.device > 0 && t.assistant > 0 && t.tc > 0);
    after = dump(db);
    assert_string_not_equal(before, after);
    free(after);
    free(before);
    mg_booking_device dev;
    assert_int_equal(mg_booking_device_get(db, t.device, &dev, &d), 0);
    assert_int_equal(dev.site_id, t.site);
    mg_booking_device_clear(&dev);
    mg_booking_teleconsultant tc;
    assert_int_equal(mg_booking_teleconsultant_get(db, t.tc, &tc, &d), 0);
    assert_int_equal(tc.nsites, 1);
    assert_int_equal(tc.site_ids[0], t.site);
    mg_booking_teleconsultant_clear(&tc);
    assert_int_equal(raw(db,
                         "SELECT COUNT(*) FROM audit_entries WHERE verb = 'create' AND "
                         "((object_type = 'booking_site' AND object_id = ?1) OR "
                         "(object_type = 'booking_device' AND object_id = ?2) OR "
                         "(object_type = 'booking_assistant' AND object_id = ?3) OR "
                         "(object_type = 'booking_teleconsultant' AND object_id = ?4))",
                         MG_DB_PARAMS(MG_DB_INT(t.site), MG_DB_INT(t.device),
                                      MG_DB_INT(t.assistant), MG_DB_INT(t.tc))),
                     4);
    mg_db_close(db);
}

#define BOTH(X)                                                                                    \
    X(test_sites)                                                                                  \
    X(test_devices)                                                                                \
    X(test_assistants)                                                                             \
    X(test_teleconsultants)                                                                        \
    X(test_feed)                                                                                   \
    X(test_exceptions)                                                                             \
    X(test_on_variants)

int main(void)
{
    const struct CMUnitTest tests[] = {BOTH(TEST_DB_SQLITE) cmocka_unit_test(test_strerror_throttle)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
