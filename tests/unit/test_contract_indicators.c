/*
 * Tests of the indicators of contract actions (contracts/indicators.h) on
 * SQLite and, when MG_TEST_PG_URI is set, on PostgreSQL: definitions
 * created, read back and refused field by field with nothing written;
 * typed values refused for bad numbers and dates and on indicators that
 * are not typed in; engine values recorded once per series (the same
 * inputs twice add one value, another threshold or model parameter a new
 * series); the budget.paid provider against sums made here; the
 * database's own refusal of an engine indicator without profession. On
 * the Aude demo diagnosis: the engine values equal what the command line
 * `maillage access --scope … --format json` writes for the same communes
 * (run here, MAILLAGE set by tests/CMakeLists.txt), and the expected
 * effect of a scenario against figures computed here from the arrays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "contracts/contracts.h"
#include "contracts/indicators.h"
#include "parse/parse.h"
#include "db_fixture.h"
#include "diagnosis/diagnosis.h"
#include "diagnosis/scope.h"
#include "scenario/scenario.h"

TEST_DB_FIXTURE("contract_indicators")

/* The Aude demo GP diagnosis and its scenario engine, loaded once. */
static mg_diagnosis *g;
static mg_scenario_engine *engine;

static void aude(void)
{
    if (g)
        return;
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    o.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diag d = {{0}};
    if (mg_diagnosis_load(&g, &o, NULL, NULL, &d) || mg_scenario_engine_new(&engine, g, &d))
        fail_msg("Aude: %s", d.msg);
}

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

static int64_t org_ok(mg_db *db, const char *name, const char *kind)
{
    mg_auth_org_input in = {.name = name, .kind = kind};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_auth_org_add(db, 0, &in, true, false, &id, &fe, &d) != 0)
        fail_msg("organisation %s: %s", name, d.msg);
    return id;
}

/* A contract of the Département on the EPCI and one action: the action's id. */
static int64_t action_ok(mg_db *db, int64_t *contract_out, int64_t *lead_out)
{
    int64_t lead = org_ok(db, "Département de l'Aude", "departement");
    mg_contract_input in = {.kind = "cps", .title = "Contrat (exemple)",
                            .territory = "epci:200035707", .status = "signed"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t k = 0, a = 0;
    if (mg_contract_create(db, 0, lead, &in, &k, &fe, &d) != 0)
        fail_msg("contract: %s", d.msg);
    mg_contract_action_input ai = {.title = "Cabine de télémédecine (exemple)",
                                   .target_communes = "epci:200035707"};
    if (mg_contract_action_create(db, 0, k, &ai, &a, &fe, &d) != 0)
        fail_msg("action: %s", d.msg);
    if (contract_out)
        *contract_out = k;
    if (lead_out)
        *lead_out = lead;
    return a;
}

static size_t count_values(mg_db *db, int64_t ind)
{
    mg_indicator_value *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_indicator_values(db, ind, &v, &n, &d), 0);
    mg_indicator_values_free(v, n);
    return n;
}

static void test_codes(void **state)
{
    (void)state;
    for (int s = 0; s < MG_INDICATOR_SOURCES; s++) {
        mg_indicator_source back;
        assert_int_equal(mg_indicator_source_parse(mg_indicator_source_key(s), &back), 0);
        assert_int_equal(back, s);
        assert_true(mg_indicator_source_label(s)[0] != 0);
    }
    mg_indicator_source back;
    assert_int_equal(mg_indicator_source_parse("calcul", &back), MG_ENOTFOUND);
    assert_string_equal(mg_indicator_source_key(MG_INDICATOR_SOURCES), "");
    size_t n = 0;
    const mg_indicator_provider *p = mg_indicator_providers(&n);
    assert_true(n >= 1);
    assert_string_equal(p[0].key, "budget.paid");
    assert_ptr_equal(mg_indicator_provider_find("budget.paid"), &p[0]);
    assert_null(mg_indicator_provider_find("budget.unknown"));
    assert_string_equal(mg_indicator_engine_measure_key(0), "apl_mean");
    assert_null(mg_indicator_engine_measure_key(3));
}

/* Definitions created, read and listed; each field refused by name with
 * nothing written. */
static void test_create_refused(void **state)
{
    mg_db *db = open_db(state);
    int64_t contract = 0, lead = 0;
    int64_t act = action_ok(db, &contract, &lead);
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t manual = 0, eng = 0, prov = 0;
    mg_indicator_input in = {.title = "  Téléconsultations réalisées ", .unit = "consultations",
                             .direction = "up", .target = "1 200", .target_on = "31/12/2027"};
    assert_int_equal(mg_indicator_create(db, 0, act, &in, &manual, &fe, &d), 0);
    mg_indicator_input ie = {.title = "Habitants sous le seuil", .direction = "down",
                             .source = "engine", .measure = "below_population",
                             .profession = "mg"};
    assert_int_equal(mg_indicator_create(db, 0, act, &ie, &eng, &fe, &d), 0);
    mg_indicator_input ip = {.title = "Payé", .source = "provider", .measure = "budget.paid"};
    assert_int_equal(mg_indicator_create(db, 0, act, &ip, &prov, &fe, &d), 0);
    /* Without a direction, an engine measure's own. */
    int64_t communes = 0, apl = 0;
    mg_indicator_input ic = {.title = "Communes sous le seuil", .source = "engine",
                             .measure = "below_communes", .profession = "mg"};
    assert_int_equal(mg_indicator_create(db, 0, act, &ic, &communes, &fe, &d), 0);
    mg_indicator_input ia = {.title = "APL moyenne", .source = "engine", .measure = "apl_mean",
                             .profession = "mg"};
    assert_int_equal(mg_indicator_create(db, 0, act, &ia, &apl, &fe, &d), 0);

    mg_indicator x;
    assert_int_equal(mg_indicator_get(db, manual, &x, &d), 0);
    assert_string_equal(x.title, "Téléconsultations réalisées");
    assert_true(x.higher_is_better);
    assert_true(x.target == 1200.0);
    assert_string_equal(x.target_on, "2027-12-31");
    assert_int_equal(x.source, MG_INDICATOR_MANUAL);
    assert_string_equal(x.measure, "");
    assert_int_equal(mg_indicator_get(db, eng, &x, &d), 0);
    assert_false(x.higher_is_better);
    assert_true(isnan(x.target));
    assert_string_equal(x.measure, "below_population");
    assert_string_equal(x.profession, "mg");
    assert_string_equal(x.unit, "habitants"); /* the measure's unit by default */
    assert_int_equal(mg_indicator_get(db, prov, &x, &d), 0);
    assert_string_equal(x.unit, "€");
    assert_true(x.higher_is_better);
    assert_int_equal(mg_indicator_get(db, communes, &x, &d), 0);
    assert_false(x.higher_is_better);
    assert_string_equal(x.unit, "communes");
    assert_int_equal(mg_indicator_get(db, apl, &x, &d), 0);
    assert_true(x.higher_is_better);
    assert_true(strlen(x.unit) > 0);
    assert_int_equal(mg_indicator_get(db, prov + 100, &x, &d), MG_ENOTFOUND);

    struct {
        mg_indicator_input in;
        const char *field;
    } bad[] = {
        {{.title = "  "}, "title"},
        {{.title = "T", .direction = "sideways"}, "direction"},
        {{.title = "T", .target = "12,5,3"}, "target"},
        {{.title = "T", .target = "1 2"}, "target"},
        {{.title = "T", .target = "5", .target_on = "31/02/2027"}, "target_on"},
        {{.title = "T", .target_on = "2027-01-01"}, "target"},
        {{.title = "T", .source = "oracle"}, "source"},
        {{.title = "T", .source = "engine", .measure = "apl_max", .profession = "mg"}, "measure"},
        {{.title = "T", .source = "engine", .measure = "apl_mean"}, "profession"},
        {{.title = "T", .source = "engine", .measure = "apl_mean", .profession = "vet"},
         "profession"},
        {{.title = "T", .source = "provider", .measure = "booking.unknown"}, "measure"},
        {{.title = "T", .source = "provider"}, "measure"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        fe = (mg_contract_field_error){0};
        int64_t id = 0;
        int rc = mg_indicator_create(db, 0, act, &bad[k].in, &id, &fe, &d);
        if (rc != MG_EINVAL || !fe.field || strcmp(fe.field, bad[k].field) != 0)
            fail_msg("case %zu: rc %d field %s (%s), expected %s", k, rc,
                     fe.field ? fe.field : "(none)", fe.msg, bad[k].field);
        assert_true(fe.msg[0] != 0);
        assert_int_equal(id, 0);
        assert_int_equal(mg_indicator_input_check(&bad[k].in, &fe, &d), MG_EINVAL);
    }
    /* A profession without a published threshold has no "below" measures. */
    int nothr = -1;
    for (const char *const *p = (const char *const[]){"mg", "inf", "mk", "sf", "cd", NULL}; *p;
         p++)
        if (!isfinite(mg_profession_lookup(*p)->threshold)) {
            mg_indicator_input t = {.title = "T", .source = "engine",
                                    .measure = "below_communes", .profession = *p};
            nothr = mg_indicator_create(db, 0, act, &t, NULL, &fe, &d);
            assert_string_equal(fe.field, "measure");
            break;
        }
    assert_true(nothr == -1 || nothr == MG_EINVAL);
    assert_int_equal(mg_indicator_create(db, 0, act + 100, &in, NULL, &fe, &d), MG_ENOTFOUND);

    mg_indicator *list = NULL;
    size_t n = 0;
    assert_int_equal(mg_indicators(db, 0, act, &list, &n, &d), 0);
    assert_int_equal(n, 5); /* nothing refused was written */
    assert_string_equal(list[0].title, "APL moyenne"); /* by title */
    free(list);
    assert_int_equal(mg_indicators(db, contract, 0, &list, &n, &d), 0);
    assert_int_equal(n, 5);
    free(list);

    /* The audit entry of a creation, on behalf of the contract's lead. */
    mg_audit_record *r = NULL;
    size_t nr = 0, total = 0;
    assert_int_equal(mg_audit_history(db, "indicator", eng, 0, 10, &r, &nr, &total, &d), 0);
    assert_int_equal(nr, 1);
    assert_string_equal(r[0].verb, "create");
    assert_int_equal(r[0].organisation_id, lead);
    mg_audit_records_free(r, nr);
    mg_db_close(db);
}

/* Typed values: refused for bad dates and numbers, and on indicators not
 * typed in; listed by date. */
static void test_typed_values(void **state)
{
    mg_db *db = open_db(state);
    int64_t act = action_ok(db, NULL, NULL);
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t manual = 0, eng = 0;
    mg_indicator_input in = {.title = "Téléconsultations"};
    assert_int_equal(mg_indicator_create(db, 0, act, &in, &manual, &fe, &d), 0);
    mg_indicator_input ie = {.title = "APL", .source = "engine", .measure = "apl_mean",
                             .profession = "mg"};
    assert_int_equal(mg_indicator_create(db, 0, act, &ie, &eng, &fe, &d), 0);

    int64_t id = 0;
    assert_int_equal(mg_indicator_value_add(db, 0, manual, "31/12/2025", "1 234,5",
                                            "Rapport d'activité (exemple)", "Deux lignes\nici",
                                            &id, &fe, &d),
                     0);
    assert_true(id > 0);
    assert_int_equal(mg_indicator_value_add(db, 0, manual, "2025-06-30", "-3", "", "", NULL,
                                            &fe, &d),
                     0);
    struct {
        const char *on, *value, *field;
    } bad[] = {
        {"", "3", "measured_on"},          {"30/02/2025", "3", "measured_on"},
        {"2025-13-01", "3", "measured_on"}, {"demain", "3", "measured_on"},
        {"2025-01-01", "", "value"},        {"2025-01-01", "trois", "value"},
        {"2025-01-01", "1.234,5", "value"}, {"2025-01-01", "12 34", "value"},
        {"31/12/2025", "7", "measured_on"}, /* a value is there on that date */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        fe = (mg_contract_field_error){0};
        int rc = mg_indicator_value_add(db, 0, manual, bad[k].on, bad[k].value, "", "", NULL,
                                        &fe, &d);
        if (rc != MG_EINVAL || !fe.field || strcmp(fe.field, bad[k].field) != 0)
            fail_msg("case %zu: rc %d field %s, expected %s", k, rc,
                     fe.field ? fe.field : "(none)", bad[k].field);
    }
    fe = (mg_contract_field_error){0};
    assert_int_equal(mg_indicator_value_add(db, 0, eng, "2025-01-01", "2,5", "", "", NULL, &fe,
                                            &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "value");
    assert_int_equal(mg_indicator_value_add(db, 0, eng + 100, "2025-01-01", "2", "", "", NULL,
                                            &fe, &d),
                     MG_ENOTFOUND);

    mg_indicator_value *v = NULL;
    size_t n = 0;
    assert_int_equal(mg_indicator_values(db, manual, &v, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].measured_on, "2025-06-30");
    assert_true(v[0].value == -3.0);
    assert_string_equal(v[1].measured_on, "2025-12-31");
    assert_true(v[1].value == 1234.5);
    assert_string_equal(v[1].source_note, "Rapport d'activité (exemple)");
    assert_string_equal(v[1].comment, "Deux lignes\nici");
    assert_string_equal(v[1].series, "");
    mg_indicator_values_free(v, n);
    assert_int_equal(count_values(db, eng), 0);
    mg_db_close(db);
}

/* The study communes of an EPCI scope: its indices. */
static mg_scope scope_of(const char *spec)
{
    mg_scope s;
    mg_diag d = {{0}};
    if (mg_scope_parse(g, spec, &s, &d) != 0)
        fail_msg("scope %s: %s", spec, d.msg);
    return s;
}

/* Engine values: one per series; the same inputs add nothing, another
 * threshold or model parameter adds a series, old values stay. */
static void test_engine_refresh(void **state)
{
    aude();
    mg_db *db = open_db(state);
    int64_t act = action_ok(db, NULL, NULL);
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t ind = 0, manual = 0;
    mg_indicator_input ie = {.title = "Habitants sous le seuil", .source = "engine",
                             .measure = "below_population", .profession = "mg"};
    assert_int_equal(mg_indicator_create(db, 0, act, &ie, &ind, &fe, &d), 0);
    mg_indicator_input im = {.title = "Saisi"};
    assert_int_equal(mg_indicator_create(db, 0, act, &im, &manual, &fe, &d), 0);
    mg_scope s = scope_of("epci:200035707");
    mg_indicator_engine e = {.g = g, .data_year = 2021, .threshold = g->prof->threshold,
                             .communes = s.idx, .ncommunes = s.n};
    bool added = false;
    assert_int_equal(mg_indicator_engine_refresh(db, 0, ind, &e, &added, &d), 0);
    assert_true(added);
    assert_int_equal(mg_indicator_engine_refresh(db, 0, ind, &e, &added, &d), 0);
    assert_false(added);
    assert_int_equal(count_values(db, ind), 1);

    /* Another threshold: a new series, the old value kept as it was. */
    mg_indicator_engine e2 = e;
    e2.threshold = e.threshold + 0.5;
    char s1[1024], s2[1024], s3[1024];
    mg_indicator_engine_series(&e, s1, sizeof s1);
    mg_indicator_engine_series(&e2, s2, sizeof s2);
    assert_string_not_equal(s1, s2);
    assert_int_equal(mg_indicator_engine_refresh(db, 0, ind, &e2, &added, &d), 0);
    assert_true(added);
    assert_int_equal(mg_indicator_engine_refresh(db, 0, ind, &e2, &added, &d), 0);
    assert_false(added);

    /* Another model parameter (a recalibration): a new series too. */
    mg_diagnosis g3 = *g;
    g3.opts.time_spread += 0.05;
    mg_indicator_engine e3 = e;
    e3.g = &g3;
    mg_indicator_engine_series(&e3, s3, sizeof s3);
    assert_string_not_equal(s1, s3);
    assert_int_equal(mg_indicator_engine_refresh(db, 0, ind, &e3, &added, &d), 0);
    assert_true(added);
    /* And the first inputs again: still nothing new. */
    assert_int_equal(mg_indicator_engine_refresh(db, 0, ind, &e, &added, &d), 0);
    assert_false(added);

    mg_indicator_value *v = NULL;
    size_t n = 0;
    assert_int_equal(mg_indicator_values(db, ind, &v, &n, &d), 0);
    assert_int_equal(n, 3);
    double expect1 = 0, expect2 = 0;
    assert_int_equal(mg_indicator_engine_value(&e, "below_population", &expect1, &d), 0);
    assert_int_equal(mg_indicator_engine_value(&e2, "below_population", &expect2, &d), 0);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(v[k].data_year, 2021);
        assert_true(strlen(v[k].params_json) > 2);
        assert_true(strstr(v[k].series, "données 2021") != NULL);
        if (strcmp(v[k].series, s1) == 0 || strcmp(v[k].series, s3) == 0)
            assert_true(v[k].value == expect1);
        else if (strcmp(v[k].series, s2) == 0)
            assert_true(v[k].value == expect2);
        else
            fail_msg("unexpected series %s", v[k].series);
    }
    mg_indicator_values_free(v, n);
    assert_true(strlen(s1) < 200);

    /* Only engine indicators of the diagnosis's profession. */
    assert_int_equal(mg_indicator_engine_refresh(db, 0, manual, &e, &added, &d), MG_EINVAL);
    mg_indicator_input ii = {.title = "Infirmiers", .source = "engine", .measure = "apl_mean",
                             .profession = "inf"};
    int64_t inf = 0;
    assert_int_equal(mg_indicator_create(db, 0, act, &ii, &inf, &fe, &d), 0);
    assert_int_equal(mg_indicator_engine_refresh(db, 0, inf, &e, &added, &d), MG_EINVAL);
    assert_int_equal(count_values(db, inf), 0);
    mg_scope_free(&s);
    mg_db_close(db);
}

/* The database refuses an engine indicator without profession, and a
 * manual one with a measure, from a writer that bypasses the module. */
static void test_database_refuses(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    int64_t act = action_ok(db, NULL, NULL);
    mg_db_close(db);
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    assert_int_equal(test_db_raw_open(f->url, &db, &c, &d), 0);
    char sql[512];
    const char *rows[][3] = {
        {"engine", "apl_mean", ""},   /* no profession: refused */
        {"manual", "apl_mean", ""},   /* a typed one with a measure: refused */
        {"manual", "", "mg"},         /* a typed one with a profession: refused */
        {"engine", "apl_mean", "mg"}, /* as it should be */
    };
    for (size_t k = 0; k < 4; k++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO indicators (action_id, title, source, measure, profession, "
                 "created_at, updated_at) VALUES (%lld, 'T', '%s', '%s', '%s', 'x', 'x')",
                 (long long)act, rows[k][0], rows[k][1], rows[k][2]);
        int rc = mg_db_exec(c, sql, &d);
        if (k < 3) {
            assert_int_equal(rc, MG_EINVAL);
            assert_int_equal(mg_db_reason_of(c), MG_DB_REASON_CHECK);
        } else {
            assert_int_equal(rc, 0);
        }
    }
    test_db_raw_close(db, c);
}

/* budget.paid: the amounts paid, cumulated by year, against sums made
 * here from the lines inserted; a second refresh adds nothing. */
static void test_provider_budget_paid(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    int64_t act = action_ok(db, NULL, NULL);
    int64_t funder = org_ok(db, "Caisse (exemple)", "other");
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t ind = 0;
    mg_indicator_input ip = {.title = "Payé", .source = "provider", .measure = "budget.paid"};
    assert_int_equal(mg_indicator_create(db, 0, act, &ip, &ind, &fe, &d), 0);
    assert_int_equal(mg_indicator_provider_refresh(db, 0, ind, &d), 0);
    assert_int_equal(count_values(db, ind), 0); /* no line, no value */
    mg_db_close(db);

    char today[11];
    mg_contract_today(today);
    int64_t year64 = 0;
    assert_int_equal(mg_parse_c_int(today, 4, 1, 9999, &year64, NULL), 0);
    int year = (int)year64;
    /* Lines of two past years and of this one; one replaced line that
     * must not count. */
    struct {
        int year;
        long long paid;
        int replaced;
    } lines[] = {{year - 2, 1000050, 0}, {year - 2, 250000, 0}, {year - 1, 99, 0},
                 {year - 1, 7777700, 1}, {year, 300000, 0}};
    mg_db_conn *c = NULL;
    assert_int_equal(test_db_raw_open(f->url, &db, &c, &d), 0);
    int64_t amend = 0;
    char sql[768];
    snprintf(sql, sizeof sql,
             "INSERT INTO contract_amendments (contract_id, number, title, effective_on, "
             "description, created_at) SELECT contract_id, 1, 'Avenant (exemple)', '2025-01-01', "
             "'', 'x' FROM contract_actions WHERE id = %lld RETURNING id",
             (long long)act);
    int rc = mg_db_query_int(c, sql, NULL, 0, &amend, &d);
    if (rc != 0)
        fail_msg("amendment: %s", d.msg);
    for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO budget_lines (action_id, funder_id, year, nature, planned_cents, "
                 "committed_cents, paid_cents, replaced_by, created_at, updated_at) "
                 "VALUES (%lld, %lld, %d, 'operation', %lld, %lld, %lld, %s, 'x', 'x')",
                 (long long)act, (long long)funder, lines[k].year, lines[k].paid * 2,
                 lines[k].paid, lines[k].paid, lines[k].replaced ? "?1" : "NULL");
        rc = lines[k].replaced ? mg_db_run(c, sql, MG_DB_PARAMS(MG_DB_INT(amend)), NULL, &d)
                               : mg_db_exec(c, sql, &d);
        if (rc != 0)
            fail_msg("line %zu: %s", k, d.msg);
    }
    test_db_raw_close(db, c);

    db = open_db(state);
    assert_int_equal(mg_indicator_provider_refresh(db, 0, ind, &d), 0);
    assert_int_equal(mg_indicator_provider_refresh(db, 0, ind, &d), 0);
    mg_indicator_value *v = NULL;
    size_t n = 0;
    assert_int_equal(mg_indicator_values(db, ind, &v, &n, &d), 0);
    assert_int_equal(n, 3);
    char on[3][16];
    snprintf(on[0], 16, "%04d-12-31", (year - 2) % 10000);
    snprintf(on[1], 16, "%04d-12-31", (year - 1) % 10000);
    snprintf(on[2], 16, "%s", today);
    double expect[3] = {(1000050 + 250000) / 100.0, (1000050 + 250000 + 99) / 100.0,
                        (1000050 + 250000 + 99 + 300000) / 100.0};
    for (size_t k = 0; k < 3; k++) {
        assert_string_equal(v[k].measured_on, on[k]);
        assert_true(fabs(v[k].value - expect[k]) < 1e-9);
    }
    mg_indicator_values_free(v, n);
    /* Typed values are refused on it. */
    assert_int_equal(mg_indicator_value_add(db, 0, ind, "2020-01-01", "1", "", "", NULL, &fe,
                                            &d),
                     MG_EINVAL);
    mg_db_close(db);
}

/* --- The engine against the command line ---------------------------------- */

/* Runs `maillage access --scope scope --format json` and reads the
 * territory's mean, inhabitants below and communes flagged under-served. */
static void cli_figures(const char *scope, double *mean, double *below, size_t *communes_below,
                        size_t *communes)
{
    const char *bin = getenv("MAILLAGE");
    if (!bin || !bin[0])
        fail_msg("MAILLAGE is not set (tests/CMakeLists.txt sets it)");
    char dir[256], out[320], cmd[2048];
    if (test_mkdtemp(dir, sizeof dir, "indicators-cli"))
        fail_msg("mkdtemp");
    snprintf(out, sizeof out, "%s/access.json", dir);
    snprintf(cmd, sizeof cmd,
             "'%s' access --bundle '%s' --france '%s' --scope '%s' --format json --out '%s' "
             "--quiet",
             bin, MG_SOURCE_DIR "/data/demo/11-aude", MG_SOURCE_DIR "/data/demo/france", scope,
             out);
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
    json_error_t err;
    json_t *j = json_load_file(out, 0, &err);
    if (!j)
        fail_msg("%s: %s", out, err.text);
    json_t *t = json_object_get(json_object_get(j, "summary"), "territory");
    *mean = json_number_value(json_object_get(t, "mean"));
    *below = json_number_value(json_object_get(t, "population_below"));
    json_t *rows = json_object_get(j, "communes");
    *communes = json_array_size(rows);
    *communes_below = 0;
    for (size_t k = 0; k < *communes; k++)
        if (json_is_true(json_object_get(json_array_get(rows, k), "under_served")))
            (*communes_below)++;
    json_decref(j);
    test_remove_tree(dir);
}

static void compare_with_cli(const char *cli_scope, const char *spec)
{
    aude();
    mg_scope s = scope_of(spec);
    mg_indicator_engine e = {.g = g, .data_year = 2021, .threshold = g->prof->threshold,
                             .communes = s.idx, .ncommunes = s.n};
    double mean = 0, below = 0, nbelow = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_indicator_engine_value(&e, "apl_mean", &mean, &d), 0);
    assert_int_equal(mg_indicator_engine_value(&e, "below_population", &below, &d), 0);
    assert_int_equal(mg_indicator_engine_value(&e, "below_communes", &nbelow, &d), 0);
    double cmean = 0, cbelow = 0;
    size_t cnbelow = 0, cn = 0;
    cli_figures(cli_scope, &cmean, &cbelow, &cnbelow, &cn);
    printf("%s: %zu communes; mean %.12g (cli %.12g), below %.12g (cli %.12g), communes below "
           "%g (cli %zu)\n",
           spec, s.n, mean, cmean, below, cbelow, nbelow, cnbelow);
    assert_int_equal(cn, s.n);
    /* The command line writes 12 significant digits. */
    assert_true(fabs(mean - cmean) <= 1e-11 * fabs(cmean));
    assert_true(fabs(below - cbelow) <= 1e-11 * fmax(1, fabs(cbelow)));
    assert_true(nbelow == (double)cnbelow);
    assert_true(nbelow > 0 && nbelow < s.n); /* a case that can tell */
    mg_scope_free(&s);
}

static void test_engine_equals_cli_epci(void **state)
{
    (void)state;
    compare_with_cli("epci:200035707", "epci:200035707");
}

static void test_engine_equals_cli_communes(void **state)
{
    (void)state;
    aude();
    /* Communes spread over the study territory, written to a file for the
     * command line and inline for the scope. */
    char dir[256], path[320], spec[512] = "communes:", cli[400];
    if (test_mkdtemp(dir, sizeof dir, "indicators-list"))
        fail_msg("mkdtemp");
    snprintf(path, sizeof path, "%s/communes.txt", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (size_t k = 0; k < g->study_n; k += g->study_n / 9) {
        const char *code = g->t->code[g->study[k]];
        fprintf(fp, "%s\n", code);
        size_t used = strlen(spec);
        snprintf(spec + used, sizeof spec - used, "%s,", code);
    }
    fclose(fp);
    snprintf(cli, sizeof cli, "communes:%s", path);
    compare_with_cli(cli, spec);
    test_remove_tree(dir);
}

/* The expected effect of adding GPs at a commune, against figures made
 * here from the APL arrays. */
static void test_effect(void **state)
{
    (void)state;
    aude();
    mg_scope s = scope_of("epci:200035707");
    mg_indicator_engine e = {.g = g, .data_year = 2021, .threshold = g->prof->threshold,
                             .communes = s.idx, .ncommunes = s.n};
    const char *code = g->t->code[s.idx[s.n / 2]];
    char js[256];
    snprintf(js, sizeof js, "[{\"kind\": \"gp\", \"commune\": \"%s\", \"count\": 3}]", code);
    json_error_t err;
    json_t *j = json_loads(js, 0, &err);
    mg_scenario sc = {0};
    mg_diag d = {{0}};
    assert_int_equal(mg_scenario_from_json(j, g, &sc, &d), 0);
    json_decref(j);
    mg_action_effect ef;
    assert_int_equal(mg_action_effect_compute(&e, engine, &sc, 25000000, &ef, &d), 0);

    double *after = calloc(g->t->n, sizeof *after);
    assert_non_null(after);
    assert_int_equal(mg_scenario_eval(engine, &sc, after, NULL, &d), 0);
    double bb = 0, ba = 0, pop = 0, wb = 0, wa = 0, w = 0;
    size_t cb = 0, ca = 0;
    for (size_t k = 0; k < s.n; k++) {
        size_t i = s.idx[k];
        assert_true(after[i] >= g->apl[i]); /* more supply: no commune loses */
        pop += g->t->population[i];
        w += g->demand[i];
        wb += g->demand[i] * g->apl[i];
        wa += g->demand[i] * after[i];
        if (g->apl[i] < e.threshold)
            bb += g->t->population[i], cb++;
        if (after[i] < e.threshold)
            ba += g->t->population[i], ca++;
    }
    printf("effect of 3 GPs at %s: mean %.4f -> %.4f, below %.0f -> %.0f, lifted %.0f, "
           "%.2f € per person\n",
           code, ef.mean_before, ef.mean_after, ef.below_before, ef.below_after, ef.lifted,
           ef.cost_per_person);
    assert_int_equal(ef.ncommunes, s.n);
    assert_true(fabs(ef.population - pop) < 1e-6);
    assert_true(fabs(ef.mean_before - wb / w) < 1e-9);
    assert_true(fabs(ef.mean_after - wa / w) < 1e-9);
    assert_true(ef.mean_after > ef.mean_before);
    assert_true(fabs(ef.below_before - bb) < 1e-6);
    assert_true(fabs(ef.below_after - ba) < 1e-6);
    assert_int_equal(ef.communes_below_before, cb);
    assert_int_equal(ef.communes_below_after, ca);
    assert_true(fabs(ef.lifted - (bb - ba)) < 1e-6);
    assert_true(ef.lifted > 0); /* a case that can tell */
    assert_true(fabs(ef.cost_per_person - 250000.0 / (bb - ba)) < 1e-6);
    assert_int_equal(ef.cost_cents, 25000000);
    /* Without a cost, no cost per person. */
    assert_int_equal(mg_action_effect_compute(&e, engine, &sc, 0, &ef, &d), 0);
    assert_true(isnan(ef.cost_per_person));
    free(after);
    mg_scenario_free(&sc);
    mg_scope_free(&s);
}

#define BOTH(X)                                                                                  \
    X(test_create_refused)                                                                       \
    X(test_typed_values)                                                                         \
    X(test_engine_refresh)                                                                       \
    X(test_database_refuses)                                                                     \
    X(test_provider_budget_paid)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_engine_equals_cli_epci),
        cmocka_unit_test(test_engine_equals_cli_communes),
        cmocka_unit_test(test_effect),
        BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    int failed = test_db_run_groups(tests, pg_tests);
    mg_scenario_engine_free(engine);
    mg_diagnosis_free(g);
    return failed;
}
