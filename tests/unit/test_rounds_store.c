/*
 * Tests of mobile services' rounds in the database (rounds/store.h,
 * migration 011_rounds) on SQLite and, when MG_TEST_PG_URI is set, on
 * PostgreSQL: services, vehicles, stops, plans with routes and visits,
 * publication, cancellations. Refused input names its field and changes
 * nothing (the module's tables and the audit trail compared before and
 * after); the database itself refuses bad rows written by SQL directly
 * (times, arrival before departure, a second route of a vehicle on one
 * day, a plan of another service published); two handles publishing at
 * once leave one consistent publication and both audit entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "db_fixture.h"
#include "rounds/population.h"
#include "rounds/published.h"
#include "rounds/store.h"
#include "territory/territory.h"

TEST_DB_FIXTURE("rounds_store")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

/* --- Raw SQL ----------------------------------------------------------------------------------- */

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

/* Runs sql in a write transaction; returns its code (the first column of the
 * first row in *out when out is not NULL). */
static int raw_rc(mg_db *db, const char *sql, const mg_db_param *p, size_t n, int64_t *out)
{
    struct raw_tx t = {sql, p, n, 0};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, raw_body, &t, &d);
    if (out)
        *out = t.out;
    return rc;
}

static int64_t raw(mg_db *db, const char *sql, const mg_db_param *p, size_t n)
{
    int64_t v = 0;
    int rc = raw_rc(db, sql, p, n, &v);
    if (rc != 0)
        fail_msg("%s: %s", sql, mg_strerror(rc));
    return v;
}

static int64_t org(mg_db *db, const char *name)
{
    return raw(db,
               "INSERT INTO organisations (name, kind, active, created_at, confirmed_at) "
               "VALUES (?1, 'departement', 1, 'x', 'x') RETURNING id",
               MG_DB_PARAMS(MG_DB_TEXT(name)));
}

static int64_t account(mg_db *db, const char *email)
{
    return raw(db,
               "INSERT INTO accounts (email, display_name, created_at) VALUES (?1, 'Agent', 'x') "
               "RETURNING id",
               MG_DB_PARAMS(MG_DB_TEXT(email)));
}

struct dump_tx {
    mg_buf *b;
};

static int dump_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct dump_tx *t = ctx;
    mg_buf_reset(t->b);
    static const char *const queries[] = {
        "SELECT * FROM round_services ORDER BY 1",
        "SELECT * FROM round_vehicles ORDER BY 1",
        "SELECT * FROM round_stops ORDER BY 1",
        "SELECT * FROM round_plans ORDER BY 1",
        "SELECT * FROM round_routes ORDER BY 1",
        "SELECT * FROM round_visits ORDER BY 1, 2",
        "SELECT * FROM round_cancellations ORDER BY 1",
        "SELECT * FROM school_holidays ORDER BY 1",
        "SELECT * FROM target_populations ORDER BY 1, 2",
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
    mg_buf b = {0};
    struct dump_tx t = {&b};
    mg_diag d = {{0}};
    assert_int_equal(mg_db_transaction(db, MG_DB_TX_READ, dump_body, &t, &d), 0);
    char *s = mg_buf_take(&b, NULL);
    return s ? s : strdup("");
}

/* d cleared: a diagnostic keeps its first report. */
static mg_diag *fresh(mg_diag *d)
{
    mg_diag_clear(d);
    return d;
}

static void expect_field(const mg_round_errors *e, const char *field)
{
    if (!mg_round_errors_for(e, field)) {
        for (size_t i = 0; i < e->n; i++)
            print_message("refused: %s: %s\n", e->e[i].field, e->e[i].msg);
        fail_msg("field %s not refused", field);
    }
}

/* --- A service set up ---------------------------------------------------------------------------- */

typedef struct setup_ids {
    int64_t org, service, vehicle, stops[3];
} setup_ids;

static mg_round_vehicle_input vehicle_in(const char *name)
{
    return (mg_round_vehicle_input){.name = name,
                                    .base_name = "Centre médico-social",
                                    .base_commune = "11069",
                                    .base_lat = 43.2130,
                                    .base_lon = 2.3491,
                                    .weekdays = 0x12, /* Tuesday, Friday */
                                    .day_start = 8 * 60,
                                    .day_end = 17 * 60,
                                    .break_min = 45,
                                    .break_earliest = 12 * 60,
                                    .break_latest = 13 * 60 + 30,
                                    .max_drive = 240,
                                    .active = true};
}

static mg_round_stop_input stop_in(const char *name, const char *commune, double lat, double lon)
{
    return (mg_round_stop_input){.name = name,
                                 .commune_code = commune,
                                 .commune_name = "",
                                 .lat = lat,
                                 .lon = lon,
                                 .source = MG_ROUND_STOP_MANUAL,
                                 .active = true};
}

static setup_ids make_service(mg_db *db, const char *orgname)
{
    setup_ids s = {0};
    mg_diag d = {{0}};
    mg_round_errors e = {0};
    s.org = org(db, orgname);
    mg_round_service_input in = mg_round_service_defaults();
    in.organisation_id = s.org;
    in.name = "PMI itinérante";
    in.target_public = "early_childhood";
    in.territory = "communes:11069,11076,11206";
    assert_int_equal(mg_round_service_add(db, 0, &in, &s.service, &e, fresh(&d)), 0);
    mg_round_vehicle_input v = vehicle_in("Camion PMI");
    assert_int_equal(mg_round_vehicle_add(db, 0, s.service, &v, &s.vehicle, &e, fresh(&d)), 0);
    mg_round_stop_input st[3] = {stop_in("Mairie", "11069", 43.21, 2.35),
                                 stop_in("Place du marché", "11076", 42.99, 2.00),
                                 stop_in("Salle des fêtes", "11206", 43.10, 2.20)};
    for (int i = 0; i < 3; i++)
        assert_int_equal(mg_round_stop_add(db, 0, s.service, &st[i], &s.stops[i], &e, fresh(&d)), 0);
    return s;
}

/* A plan of two routes: Tuesday stops 0 and 1, Friday stop 2. */
static void plan_of(const setup_ids *s, mg_round_plan *p, mg_round_plan_route r[2],
                    mg_round_plan_visit v[3])
{
    memset(p, 0, sizeof *p);
    memset(r, 0, 2 * sizeof *r);
    memset(v, 0, 3 * sizeof *v);
    v[0] = (mg_round_plan_visit){.stop_id = s->stops[0], .arrive = 540, .depart = 660};
    v[1] = (mg_round_plan_visit){.stop_id = s->stops[1], .arrive = 720, .depart = 840};
    v[2] = (mg_round_plan_visit){.stop_id = s->stops[2], .arrive = 600, .depart = 720};
    r[0] = (mg_round_plan_route){.vehicle_id = s->vehicle, .week = 0, .weekday = 1, .leave = 500,
                                 .back = 900, .break_after = 0, .break_start = 660, .drive = 120,
                                 .n = 2, .visits = &v[0]};
    r[1] = (mg_round_plan_route){.vehicle_id = s->vehicle, .week = 0, .weekday = 4, .leave = 560,
                                 .back = 760, .break_after = -1, .break_start = -1, .drive = 80,
                                 .n = 1, .visits = &v[2]};
    p->service_id = s->service;
    p->kind = MG_ROUND_PLAN_COMPUTED;
    snprintf(p->method, sizeof p->method, "heuristic");
    p->cycle_weeks = 1;
    p->value = 1234.5;
    p->bound = NAN;
    p->covered = 1000;
    p->target = 2000;
    p->nroutes = 2;
    p->routes = r;
}

/* --- Tests ------------------------------------------------------------------------------------- */

static void test_readers(void **state)
{
    (void)state;
    int m = -1;
    assert_int_equal(mg_round_parse_hhmm("08:30", &m), 0);
    assert_int_equal(m, 510);
    assert_int_equal(mg_round_parse_hhmm("8h30", &m), 0);
    assert_int_equal(m, 510);
    assert_int_equal(mg_round_parse_hhmm("8 h", &m), 0);
    assert_int_equal(m, 480);
    assert_int_equal(mg_round_parse_hhmm("24:00", &m), 0);
    assert_int_equal(m, 1440);
    assert_int_equal(mg_round_parse_hhmm("24:01", &m), MG_EINVAL);
    assert_int_equal(mg_round_parse_hhmm("8:60", &m), MG_EINVAL);
    assert_int_equal(mg_round_parse_hhmm("x", &m), MG_EINVAL);
    assert_int_equal(mg_round_parse_hhmm("", &m), MG_EINVAL);
    char buf[6];
    mg_round_format_hhmm(545, buf);
    assert_string_equal(buf, "09:05");
    uint8_t w = 0;
    assert_int_equal(mg_round_parse_weekdays("mar, vendredi", &w), 0);
    assert_int_equal(w, 0x12);
    assert_int_equal(mg_round_parse_weekdays("mon-fri", &w), 0);
    assert_int_equal(w, 0x1f);
    assert_int_equal(mg_round_parse_weekdays("fri-mon", &w), MG_EINVAL);
    assert_int_equal(mg_round_parse_weekdays("funday", &w), MG_EINVAL);
    assert_int_equal(mg_round_parse_weekdays(" , ", &w), MG_EINVAL);
    char days[28];
    mg_round_format_weekdays(0x41, days);
    assert_string_equal(days, "mon,sun");
}

static void test_services(void **state)
{
    mg_db *db = open_db(state);
    mg_diag d = {{0}};
    mg_round_errors e = {0};
    int64_t o = org(db, "Département de l'Aude"), o2 = org(db, "Autre");
    char *before = dump(db);
    mg_round_service_input in = mg_round_service_defaults();
    in.organisation_id = o;
    in.name = "";
    in.reach_min = 0;
    in.cycle_weeks = 5;
    in.school_zone = "D";
    in.territory = "communes:1106";
    in.target_public = "babies";
    in.profession = "xx";
    in.underserved_extra = NAN;
    int64_t id = 0;
    assert_int_equal(mg_round_service_add(db, 0, &in, &id, &e, fresh(&d)), MG_EINVAL);
    const char *fields[] = {"name",        "reach_min",   "cycle_weeks", "school_zone",
                            "territory",   "target_public", "profession", "underserved_extra"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        expect_field(&e, fields[i]);
    in = mg_round_service_defaults();
    in.organisation_id = 999999;
    in.name = "PMI";
    e.n = 0;
    assert_int_equal(mg_round_service_add(db, 0, &in, &id, &e, fresh(&d)), MG_EINVAL);
    expect_field(&e, "organisation_id");
    char *after = dump(db);
    assert_string_equal(before, after);
    free(after);
    free(before);

    in.organisation_id = o;
    in.territory = "epci:200035707";
    in.profession = "mg";
    in.contact = "04 68 11 22 33";
    assert_int_equal(mg_round_service_add(db, 7, &in, &id, &e, fresh(&d)), 0);
    mg_round_service s;
    assert_int_equal(mg_round_service_get(db, id, &s, fresh(&d)), 0);
    assert_string_equal(s.name, "PMI");
    assert_string_equal(s.organisation_name, "Département de l'Aude");
    assert_string_equal(s.territory, "epci:200035707");
    assert_string_equal(s.profession, "mg");
    assert_string_equal(s.target_public, "all");
    assert_int_equal(s.reach_min, 15);
    assert_int_equal(s.school_zone, 'C');
    assert_int_equal(s.published_plan_id, 0);
    in.name = "PMI itinérante";
    in.reach_min = 20;
    in.profession = NULL;
    assert_int_equal(mg_round_service_update(db, 7, id, &in, &e, fresh(&d)), 0);
    assert_int_equal(mg_round_service_get(db, id, &s, fresh(&d)), 0);
    assert_string_equal(s.name, "PMI itinérante");
    assert_string_equal(s.profession, "");
    assert_int_equal(s.reach_min, 20);
    assert_int_equal(raw(db,
                         "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'round_service' "
                         "AND object_id = ?1 AND account_id = 7",
                         MG_DB_PARAMS(MG_DB_INT(id))),
                     2);
    assert_int_equal(mg_round_service_get(db, id + 100, &s, fresh(&d)), MG_ENOTFOUND);
    int64_t id2 = 0;
    in.organisation_id = o2;
    in.name = "Bus jeunesse";
    assert_int_equal(mg_round_service_add(db, 0, &in, &id2, &e, fresh(&d)), 0);
    mg_round_service *v = NULL;
    size_t n = 0;
    assert_int_equal(mg_round_service_list(db, o, false, &v, &n, fresh(&d)), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, id);
    free(v);
    assert_int_equal(mg_round_service_list(db, 0, false, &v, &n, fresh(&d)), 0);
    assert_int_equal(n, 2);
    free(v);
    assert_int_equal(mg_round_service_list(db, 0, true, &v, &n, fresh(&d)), 0);
    assert_int_equal(n, 0);
    assert_null(v);
    mg_db_close(db);
}

static void test_vehicles_stops(void **state)
{
    mg_db *db = open_db(state);
    mg_diag d = {{0}};
    mg_round_errors e = {0};
    setup_ids s = make_service(db, "Département");
    char *before = dump(db);
    mg_round_vehicle_input v = vehicle_in("Camion PMI"); /* the name is taken */
    int64_t id = 0;
    assert_int_equal(mg_round_vehicle_add(db, 0, s.service, &v, &id, &e, fresh(&d)), MG_EINVAL);
    expect_field(&e, "name");
    v = vehicle_in("Second");
    v.break_latest = 16 * 60 + 30; /* a 45-minute break would end after 17:00 */
    v.base_commune = "1106";
    v.base_lat = 95;
    v.weekdays = 0;
    e.n = 0;
    assert_int_equal(mg_round_vehicle_add(db, 0, s.service, &v, &id, &e, fresh(&d)), MG_EINVAL);
    expect_field(&e, "break_window");
    expect_field(&e, "base_commune");
    expect_field(&e, "base_point");
    expect_field(&e, "weekdays");
    v = vehicle_in("Second");
    v.day_end = v.day_start;
    e.n = 0;
    assert_int_equal(mg_round_vehicle_add(db, 0, s.service, &v, &id, &e, fresh(&d)), MG_EINVAL);
    expect_field(&e, "day_end");
    mg_round_stop_input st = stop_in("Mairie", "11069", 43.2, 2.3); /* same commune and name */
    e.n = 0;
    assert_int_equal(mg_round_stop_add(db, 0, s.service, &st, &id, &e, fresh(&d)), MG_EINVAL);
    expect_field(&e, "name");
    st = stop_in("Ailleurs", "11069", 43.2, 2.3);
    st.minutes = 3;
    e.n = 0;
    assert_int_equal(mg_round_stop_add(db, 0, s.service, &st, &id, &e, fresh(&d)), MG_EINVAL);
    expect_field(&e, "minutes");
    /* A batch with one bad row changes nothing. */
    mg_round_stop_input batch[3] = {stop_in("Église", "11069", 43.2, 2.3),
                                    stop_in("École", "11076", 43.0, 2.0),
                                    stop_in("", "11206", 43.1, 2.2)};
    assert_int_equal(mg_round_stops_put(db, 0, s.service, batch, 3, true, NULL, NULL, fresh(&d)),
                     MG_EINVAL);
    if (!strstr(d.msg, "stop 3"))
        fail_msg("%s", d.msg);
    char *after = dump(db);
    assert_string_equal(before, after);
    free(after);
    free(before);
    /* Then a good one, replacing: the old stops are kept, inactive. */
    batch[2].name = "Mairie"; /* updates the existing stop of 11206? no: 11206's is "Salle des fêtes" */
    size_t added = 0, updated = 0;
    assert_int_equal(mg_round_stops_put(db, 0, s.service, batch, 3, true, &added, &updated, fresh(&d)), 0);
    assert_int_equal(added, 3);
    assert_int_equal(updated, 0);
    mg_round_stop *list = NULL;
    size_t n = 0;
    assert_int_equal(mg_round_stop_list(db, s.service, true, &list, &n, fresh(&d)), 0);
    assert_int_equal(n, 3);
    free(list);
    assert_int_equal(mg_round_stop_list(db, s.service, false, &list, &n, fresh(&d)), 0);
    assert_int_equal(n, 6);
    free(list);
    /* Putting again updates the same rows. */
    assert_int_equal(mg_round_stops_put(db, 0, s.service, batch, 2, false, &added, &updated, fresh(&d)), 0);
    assert_int_equal(added, 0);
    assert_int_equal(updated, 2);
    mg_round_vehicle *vl = NULL;
    assert_int_equal(mg_round_vehicle_list(db, s.service, true, &vl, &n, fresh(&d)), 0);
    assert_int_equal(n, 1);
    assert_int_equal(vl[0].weekdays, 0x12);
    assert_int_equal(vl[0].break_min, 45);
    free(vl);
    mg_round_service sv;
    assert_int_equal(mg_round_service_get(db, s.service, &sv, fresh(&d)), 0);
    assert_int_equal(sv.nvehicles, 1);
    assert_int_equal(sv.nstops, 3);
    mg_db_close(db);
}

static void test_plans(void **state)
{
    mg_db *db = open_db(state);
    mg_diag d = {{0}};
    setup_ids s = make_service(db, "Département");
    setup_ids other = make_service(db, "Autre");
    mg_round_plan p;
    mg_round_plan_route r[2];
    mg_round_plan_visit v[3];
    char *before = dump(db);
    /* Refusals: nothing written. */
    plan_of(&s, &p, r, v);
    v[2].stop_id = other.stops[0];
    int64_t id = 0;
    assert_int_equal(mg_round_plan_save(db, 0, &p, &id, fresh(&d)), MG_EINVAL);
    assert_non_null(strstr(d.msg, "route 2, visit 1"));
    plan_of(&s, &p, r, v);
    r[1].weekday = 1; /* two routes of one vehicle on Tuesday */
    assert_int_equal(mg_round_plan_save(db, 0, &p, &id, fresh(&d)), MG_EINVAL);
    plan_of(&s, &p, r, v);
    v[1].arrive = 650; /* before the previous stop's departure */
    assert_int_equal(mg_round_plan_save(db, 0, &p, &id, fresh(&d)), MG_EINVAL);
    plan_of(&s, &p, r, v);
    r[0].week = 1; /* outside a cycle of one week */
    assert_int_equal(mg_round_plan_save(db, 0, &p, &id, fresh(&d)), MG_EINVAL);
    plan_of(&s, &p, r, v);
    v[1].stop_id = v[0].stop_id;
    assert_int_equal(mg_round_plan_save(db, 0, &p, &id, fresh(&d)), MG_EINVAL);
    char *after = dump(db);
    assert_string_equal(before, after);
    free(after);
    free(before);

    plan_of(&s, &p, r, v);
    plan_of(&s, &p, r, v);
    int64_t agent = account(db, "agent@example.org");
    if (mg_round_plan_save(db, agent, &p, &id, fresh(&d)) != 0)
        fail_msg("plan: %s", d.msg);
    mg_round_plan g;
    assert_int_equal(mg_round_plan_get(db, id, &g, fresh(&d)), 0);
    assert_int_equal(g.service_id, s.service);
    assert_int_equal(g.kind, MG_ROUND_PLAN_COMPUTED);
    assert_string_equal(g.method, "heuristic");
    assert_true(isnan(g.bound));
    assert_true(fabs(g.value - 1234.5) < 1e-9);
    assert_int_equal(g.created_by, agent);
    assert_int_equal(g.nroutes, 2);
    assert_int_equal(g.routes[0].weekday, 1);
    assert_int_equal(g.routes[0].n, 2);
    assert_int_equal(g.routes[0].visits[0].stop_id, s.stops[0]);
    assert_int_equal(g.routes[0].visits[1].stop_id, s.stops[1]);
    assert_string_equal(g.routes[0].visits[1].stop_name, "Place du marché");
    assert_string_equal(g.routes[0].visits[1].commune_code, "11076");
    assert_int_equal(g.routes[0].visits[1].arrive, 720);
    assert_int_equal(g.routes[0].break_after, 0);
    assert_int_equal(g.routes[0].break_start, 660);
    assert_string_equal(g.routes[0].vehicle_name, "Camion PMI");
    assert_int_equal(g.routes[1].weekday, 4);
    assert_int_equal(g.routes[1].break_after, -1);
    assert_false(g.published);
    int64_t rid = g.routes[0].id;
    mg_round_plan_clear(&g);

    /* The database refuses bad rows written directly. */
    before = dump(db);
    assert_int_not_equal(raw_rc(db,
                                "INSERT INTO round_visits (route_id, position, stop_id, arrive_min, "
                                "depart_min) VALUES (?1, 5, ?2, 700, 700)",
                                MG_DB_PARAMS(MG_DB_INT(rid), MG_DB_INT(s.stops[2])), NULL),
                         0);
    assert_int_not_equal(raw_rc(db,
                                "INSERT INTO round_visits (route_id, position, stop_id, arrive_min, "
                                "depart_min) VALUES (?1, 5, ?2, 1400, 1500)",
                                MG_DB_PARAMS(MG_DB_INT(rid), MG_DB_INT(s.stops[2])), NULL),
                         0);
    assert_int_not_equal(raw_rc(db, /* position 0 taken */
                                "INSERT INTO round_visits (route_id, position, stop_id, arrive_min, "
                                "depart_min) VALUES (?1, 0, ?2, 100, 200)",
                                MG_DB_PARAMS(MG_DB_INT(rid), MG_DB_INT(s.stops[2])), NULL),
                         0);
    assert_int_not_equal(raw_rc(db, /* stop already in the route */
                                "INSERT INTO round_visits (route_id, position, stop_id, arrive_min, "
                                "depart_min) VALUES (?1, 7, ?2, 100, 200)",
                                MG_DB_PARAMS(MG_DB_INT(rid), MG_DB_INT(s.stops[0])), NULL),
                         0);
    assert_int_not_equal(raw_rc(db, /* a second route of the vehicle on Tuesday */
                                "INSERT INTO round_routes (plan_id, vehicle_id, week, weekday, "
                                "leave_min, back_min, drive_min) VALUES (?1, ?2, 0, 1, 500, 600, 0)",
                                MG_DB_PARAMS(MG_DB_INT(id), MG_DB_INT(s.vehicle)), NULL),
                         0);
    assert_int_not_equal(raw_rc(db, /* leaves after it is back */
                                "INSERT INTO round_routes (plan_id, vehicle_id, week, weekday, "
                                "leave_min, back_min, drive_min) VALUES (?1, ?2, 0, 2, 700, 600, 0)",
                                MG_DB_PARAMS(MG_DB_INT(id), MG_DB_INT(s.vehicle)), NULL),
                         0);
    assert_int_not_equal(raw_rc(db, /* a day that ends before it starts */
                                "UPDATE round_vehicles SET day_end = 300 WHERE id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(s.vehicle)), NULL),
                         0);
    assert_int_not_equal(raw_rc(db, /* the other service publishes this plan */
                                "UPDATE round_services SET published_plan_id = ?1, "
                                "anchor_monday = '2026-01-05', published_at = 'x' WHERE id = ?2",
                                MG_DB_PARAMS(MG_DB_INT(id), MG_DB_INT(other.service)), NULL),
                         0);
    assert_int_not_equal(raw_rc(db, /* published without its anchor */
                                "UPDATE round_services SET published_plan_id = ?1, "
                                "published_at = 'x' WHERE id = ?2",
                                MG_DB_PARAMS(MG_DB_INT(id), MG_DB_INT(s.service)), NULL),
                         0);
    after = dump(db);
    assert_string_equal(before, after);
    free(after);
    free(before);

    /* A current plan, entered. */
    plan_of(&s, &p, r, v);
    p.kind = MG_ROUND_PLAN_CURRENT;
    p.nroutes = 1;
    int64_t cur = 0;
    assert_int_equal(mg_round_plan_save(db, 0, &p, &cur, fresh(&d)), 0);
    mg_round_plan *list = NULL;
    size_t n = 0;
    assert_int_equal(mg_round_plan_list(db, s.service, &list, &n, fresh(&d)), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, cur); /* newest first */
    assert_int_equal(list[0].kind, MG_ROUND_PLAN_CURRENT);
    assert_string_equal(list[0].method, "entered");
    assert_int_equal(list[0].nroutes, 1);
    assert_null(list[0].routes);
    mg_round_plans_free(list, n);
    assert_int_equal(mg_round_plan_delete(db, 0, cur, fresh(&d)), 0);
    assert_int_equal(mg_round_plan_get(db, cur, &g, fresh(&d)), MG_ENOTFOUND);
    mg_db_close(db);
}

static void test_publish(void **state)
{
    mg_db *db = open_db(state);
    mg_diag d = {{0}};
    setup_ids s = make_service(db, "Département");
    setup_ids other = make_service(db, "Autre");
    mg_round_plan p;
    mg_round_plan_route r[2];
    mg_round_plan_visit v[3];
    plan_of(&s, &p, r, v);
    int64_t id = 0, id_other = 0;
    assert_int_equal(mg_round_plan_save(db, 0, &p, &id, fresh(&d)), 0);
    plan_of(&other, &p, r, v);
    assert_int_equal(mg_round_plan_save(db, 0, &p, &id_other, fresh(&d)), 0);
    char *before = dump(db);
    assert_int_equal(mg_round_publish(db, 0, s.service, id, "2026-01-06", fresh(&d)), MG_EINVAL); /* a Tuesday */
    assert_int_equal(mg_round_publish(db, 0, s.service, id, "2026-02-30", fresh(&d)), MG_EINVAL);
    assert_int_equal(mg_round_publish(db, 0, s.service, id_other, "2026-01-05", fresh(&d)), MG_EINVAL);
    char *after = dump(db);
    assert_string_equal(before, after);
    free(after);
    free(before);
    int64_t agent = account(db, "agent@example.org");
    assert_int_equal(mg_round_publish(db, agent, s.service, id, "05/01/2026", fresh(&d)), 0);
    mg_round_service sv;
    assert_int_equal(mg_round_service_get(db, s.service, &sv, fresh(&d)), 0);
    assert_int_equal(sv.published_plan_id, id);
    assert_string_equal(sv.anchor_monday, "2026-01-05");
    mg_round_service *list = NULL;
    size_t n = 0;
    assert_int_equal(mg_round_service_list(db, 0, true, &list, &n, fresh(&d)), 0);
    assert_int_equal(n, 1);
    free(list);
    assert_int_equal(mg_round_plan_delete(db, 0, id, fresh(&d)), MG_EINVAL); /* published */
    /* Changing the cycle withdraws the publication. */
    mg_round_service_input in = mg_round_service_defaults();
    in.name = sv.name;
    in.territory = sv.territory;
    in.target_public = sv.target_public;
    in.cycle_weeks = 2;
    assert_int_equal(mg_round_service_update(db, 0, s.service, &in, NULL, fresh(&d)), 0);
    assert_int_equal(mg_round_service_get(db, s.service, &sv, fresh(&d)), 0);
    assert_int_equal(sv.published_plan_id, 0);
    assert_string_equal(sv.anchor_monday, "");
    assert_int_equal(mg_round_publish(db, 0, s.service, id, "2026-01-05", fresh(&d)), 0);
    assert_int_equal(mg_round_unpublish(db, 0, s.service, fresh(&d)), 0);
    assert_int_equal(mg_round_service_get(db, s.service, &sv, fresh(&d)), 0);
    assert_int_equal(sv.published_plan_id, 0);
    assert_int_equal(raw(db,
                         "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'round_service' "
                         "AND object_id = ?1 AND verb IN ('publish', 'unpublish')",
                         MG_DB_PARAMS(MG_DB_INT(s.service))),
                     3);
    /* Delete the whole service. */
    assert_int_equal(mg_round_service_delete(db, 0, other.service, fresh(&d)), 0);
    assert_int_equal(mg_round_service_get(db, other.service, &sv, fresh(&d)), MG_ENOTFOUND);
    assert_int_equal(raw(db, "SELECT COUNT(*) FROM round_plans WHERE service_id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(other.service))),
                     0);
    mg_db_close(db);
}

/* Two handles (as two server processes) publish two plans of one service at once. */
struct publisher {
    const char *url;
    int64_t service, plan;
    const char *anchor;
    pthread_barrier_t *barrier;
    int rc;
};

static void *publisher_main(void *arg)
{
    struct publisher *p = arg;
    mg_db *db = NULL;
    mg_diag d = {{0}};
    mg_db_options o = {0};
    o.busy_ms = 20000;
    p->rc = mg_db_open(&db, p->url, &o, fresh(&d));
    pthread_barrier_wait(p->barrier);
    for (int i = 0; p->rc == 0 && i < 10; i++)
        p->rc = mg_round_publish(db, 0, p->service, p->plan, p->anchor, fresh(&d));
    mg_db_close(db);
    return NULL;
}

static void test_publish_concurrent(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    mg_diag d = {{0}};
    setup_ids s = make_service(db, "Département");
    mg_round_plan p;
    mg_round_plan_route r[2];
    mg_round_plan_visit v[3];
    plan_of(&s, &p, r, v);
    int64_t a = 0, b = 0;
    assert_int_equal(mg_round_plan_save(db, 0, &p, &a, fresh(&d)), 0);
    assert_int_equal(mg_round_plan_save(db, 0, &p, &b, fresh(&d)), 0);
    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
    struct publisher pub[2] = {{f->url, s.service, a, "2026-01-05", &barrier, -1},
                               {f->url, s.service, b, "2026-01-12", &barrier, -1}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, publisher_main, &pub[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&barrier);
    assert_int_equal(pub[0].rc, 0);
    assert_int_equal(pub[1].rc, 0);
    /* One publication, consistent: plan a goes with its anchor, b with its own. */
    mg_round_service sv;
    assert_int_equal(mg_round_service_get(db, s.service, &sv, fresh(&d)), 0);
    assert_true(sv.published_plan_id == a || sv.published_plan_id == b);
    assert_string_equal(sv.anchor_monday, sv.published_plan_id == a ? "2026-01-05" : "2026-01-12");
    /* Every change of publication has its audit entry, and the chain holds. */
    int64_t entries = raw(db,
                          "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'round_service' "
                          "AND verb = 'publish'",
                          MG_DB_NO_PARAMS);
    assert_true(entries >= 1 && entries <= 20);
    mg_audit_verdict verdict;
    assert_int_equal(mg_audit_verify(db, &verdict, fresh(&d)), 0);
    assert_int_equal(verdict.problem, MG_AUDIT_INTACT);
    mg_db_close(db);
}

static void test_cancellations(void **state)
{
    mg_db *db = open_db(state);
    mg_diag d = {{0}};
    mg_round_errors e = {0};
    setup_ids s = make_service(db, "Département");
    setup_ids other = make_service(db, "Autre");
    char *before = dump(db);
    int64_t id = 0;
    assert_int_equal(mg_round_cancellation_add(db, 0, s.service, "2026-02-30", 0, 0, "x", &id, &e, fresh(&d)),
                     MG_EINVAL);
    expect_field(&e, "on_date");
    e.n = 0;
    assert_int_equal(mg_round_cancellation_add(db, 0, s.service, "2026-02-03", other.vehicle,
                                               other.stops[0], "x", &id, &e, fresh(&d)),
                     MG_EINVAL);
    expect_field(&e, "vehicle_id");
    expect_field(&e, "stop_id");
    char *after = dump(db);
    assert_string_equal(before, after);
    free(after);
    free(before);
    assert_int_equal(mg_round_cancellation_add(db, 0, s.service, "03/02/2026", s.vehicle, 0,
                                               "Véhicule en réparation", &id, &e, fresh(&d)),
                     0);
    int64_t id2 = 0;
    assert_int_equal(mg_round_cancellation_add(db, 0, s.service, "2026-03-10", 0, s.stops[1],
                                               "Travaux", &id2, &e, fresh(&d)),
                     0);
    mg_round_cancellation *v = NULL;
    size_t n = 0;
    assert_int_equal(mg_round_cancellation_list(db, s.service, NULL, NULL, &v, &n, fresh(&d)), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].on_date, "2026-02-03");
    assert_string_equal(v[0].vehicle_name, "Camion PMI");
    assert_int_equal(v[0].stop_id, 0);
    assert_string_equal(v[1].stop_name, "Place du marché");
    free(v);
    assert_int_equal(mg_round_cancellation_list(db, s.service, "2026-03-01", "2026-03-31", &v, &n, fresh(&d)),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, id2);
    free(v);
    assert_int_equal(mg_round_cancellation_delete(db, 0, id2, fresh(&d)), 0);
    assert_int_equal(mg_round_cancellation_delete(db, 0, id2, fresh(&d)), MG_ENOTFOUND);
    mg_db_close(db);
}


/* --- Imports ------------------------------------------------------------------------------------ */

/* The ministry's layout: two zones, a teachers-only row (left out). */
static const char calendar_csv[] =
    "Description;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire\n"
    "Vacances de la Toussaint;-;2025-10-18;2025-11-03;Montpellier;Zone C;2025-2026\n"
    "Vacances de la Toussaint;-;2025-10-18;2025-11-03;Toulouse;Zone C;2025-2026\n"
    "Vacances d'Hiver;-;2026-02-21;2026-03-09;Montpellier;Zone C;2025-2026\n"
    "Vacances d'Hiver;-;2026-02-07;2026-02-23;Lyon;Zone A;2025-2026\n"
    "Vacances d'Été;Enseignants;2026-06-27;2026-08-31;Montpellier;Zone C;2025-2026\n";

static void test_holidays_import(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    mg_diag d = {{0}};
    char path[512], bad[512];
    test_write_text(path, sizeof path, f->dir, "calendrier.csv", calendar_csv);
    size_t n = 0;
    assert_int_equal(mg_round_holidays_import(db, 0, path, &n, fresh(&d)), 0);
    assert_int_equal(n, 4);
    mg_round_holiday *h = NULL;
    size_t nh = 0;
    assert_int_equal(mg_round_holidays_list(db, "C", NULL, NULL, &h, &nh, fresh(&d)), 0);
    assert_int_equal(nh, 2); /* two académies of one period listed once */
    assert_string_equal(h[0].description, "Vacances de la Toussaint");
    assert_string_equal(h[0].school_year, "2025-2026");
    assert_string_equal(h[1].description, "Vacances d'Hiver");
    /* The days off: from the day after classes end to the day before they resume. */
    assert_string_equal(h[0].first_day, "2025-10-19");
    assert_string_equal(h[0].last_day, "2025-11-02");
    free(h);
    assert_int_equal(mg_round_holidays_list(db, "A", NULL, NULL, &h, &nh, fresh(&d)), 0);
    assert_int_equal(nh, 1);
    free(h);
    assert_int_equal(mg_round_holidays_list(db, "C", "2026-01-01", "2026-12-31", &h, &nh, fresh(&d)), 0);
    assert_int_equal(nh, 1);
    free(h);
    /* A file that does not read changes nothing. */
    char *before = dump(db);
    test_write_text(bad, sizeof bad, f->dir, "bad.csv",
                    "Description;Population;Date de début;Date de fin;Académies;Zones\n"
                    "Vacances;-;2025-10-18;2025-11-03;Lyon;Zone A\n"
                    "Vacances;-;2025-13-18;2025-11-03;Lyon;Zone A\n");
    assert_int_not_equal(mg_round_holidays_import(db, 0, bad, &n, fresh(&d)), 0);
    assert_non_null(strstr(d.msg, "bad.csv"));
    char *after = dump(db);
    assert_string_equal(before, after);
    free(after);
    free(before);
    mg_db_close(db);
}

static const char communes_json[] =
    "[\n"
    "{\"code\":\"11001\",\"nom\":\"Aigues-Vives\",\"type\":\"commune-actuelle\","
    "\"departement\":\"11\",\"region\":\"76\",\"population\":563},\n"
    "{\"code\":\"11002\",\"nom\":\"Airoux\",\"type\":\"commune-actuelle\","
    "\"departement\":\"11\",\"region\":\"76\",\"population\":168},\n"
    "{\"code\":\"11003\",\"nom\":\"Ajac\",\"type\":\"commune-actuelle\","
    "\"departement\":\"11\",\"region\":\"76\",\"population\":196}\n"
    "]\n";

/* INSEE's commune layout; 11002 has no row. */
static const char population_csv[] =
    "CODGEO;P21_POP;P21_POP0002;P21_POP0305;P21_POP0014;P21_POP1529;P21_POP7589;P21_POP90P\n"
    "11001;563;14.5;17;80;71;40.25;9\n"
    "11003;196;3;4;20;22;19;4\n";

static void test_population_import(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    mg_diag d = {{0}};
    char path[512], cpath[512];
    test_write_text(cpath, sizeof cpath, f->dir, "communes.json", communes_json);
    mg_territory *t = NULL;
    mg_report rep = {0};
    assert_int_equal(mg_import_cog(&t, cpath, NULL, &rep, fresh(&d)), 0);
    mg_report_free(&rep);
    /* Nothing imported: no figures, the builder falls back to all inhabitants. */
    mg_rounds_population p;
    bool has = true;
    assert_int_equal(mg_round_population_load(db, t, &p, &has, fresh(&d)), 0);
    assert_false(has);
    assert_int_equal(p.n, 0);
    test_write_text(path, sizeof path, f->dir, "pop.csv", population_csv);
    size_t n = 0;
    assert_int_equal(mg_round_population_import(db, 0, t, path, NULL, &n, fresh(&d)), 0);
    assert_int_equal(n, 2);
    assert_int_equal(mg_round_population_load(db, t, &p, &has, fresh(&d)), 0);
    assert_true(has);
    assert_int_equal(p.year, 2021);
    long a = mg_territory_find(t, "11001"), b = mg_territory_find(t, "11002"),
         c = mg_territory_find(t, "11003");
    /* The file's columns summed by hand: 0-5 = 0002 + 0305; 75+ = 7589 + 90P. */
    assert_true(fabs(p.count[MG_PUBLIC_ALL][a] - 563) < 1e-9);
    assert_true(fabs(p.count[MG_PUBLIC_EARLY_CHILDHOOD][a] - 31.5) < 1e-9);
    assert_true(fabs(p.count[MG_PUBLIC_YOUTH][a] - 71) < 1e-9);
    assert_true(fabs(p.count[MG_PUBLIC_ELDERLY][a] - 49.25) < 1e-9);
    assert_true(fabs(p.count[MG_PUBLIC_ELDERLY][c] - 23) < 1e-9);
    assert_false(p.present[b]);
    assert_true(isnan(p.count[MG_PUBLIC_ALL][b]));
    mg_rounds_population_free(&p);
    /* A file refused changes nothing. */
    char *before = dump(db);
    test_write_text(path, sizeof path, f->dir, "bad.csv",
                    "CODGEO;P21_POP;P21_POP0002;P21_POP0305;P21_POP0014;P21_POP1529;P21_POP75P\n"
                    "11001;10;1;1;1;1;1\n"
                    "11002;10;1;-4;1;1;1\n");
    assert_int_not_equal(mg_round_population_import(db, 0, t, path, NULL, &n, fresh(&d)), 0);
    assert_non_null(strstr(d.msg, "bad.csv"));
    char *after = dump(db);
    assert_string_equal(before, after);
    free(after);
    free(before);
    mg_territory_free(t);
    mg_db_close(db);
}

/* The publication as the public timetable's input. */
static void test_published(void **state)
{
    mg_db *db = open_db(state);
    mg_diag d = {{0}};
    mg_round_errors e = {0};
    setup_ids s = make_service(db, "Département");
    mg_round_published pub;
    assert_int_equal(mg_round_published_load(db, s.service, &pub, fresh(&d)), MG_ENOTFOUND);
    mg_round_plan p;
    mg_round_plan_route r[2];
    mg_round_plan_visit v[3];
    plan_of(&s, &p, r, v);
    int64_t id = 0;
    assert_int_equal(mg_round_plan_save(db, 0, &p, &id, fresh(&d)), 0);
    assert_int_equal(mg_round_publish(db, 0, s.service, id, "2026-01-05", fresh(&d)), 0);
    /* The week of 2 February 2026: Tuesday the 3rd cancelled for the vehicle. */
    assert_int_equal(mg_round_cancellation_add(db, 0, s.service, "2026-02-03", s.vehicle, 0,
                                               "Véhicule en réparation", NULL, &e, fresh(&d)),
                     0);
    if (mg_round_published_load(db, s.service, &pub, fresh(&d)) != 0)
        fail_msg("load: %s", d.msg);
    assert_int_equal(mg_rounds_service_check(&pub.svc, fresh(&d)), 0);
    assert_string_equal(pub.svc.name, "PMI itinérante");
    assert_string_equal(pub.svc.organisation, "Département");
    assert_int_equal(pub.svc.nroutes, 2);
    assert_int_equal(pub.svc.ncancellations, 1);
    assert_string_equal(pub.svc.routes[0].vehicle, "Camion PMI");
    assert_string_equal(pub.svc.routes[0].visits[1].stop_name, "Place du marché");
    assert_string_equal(pub.svc.routes[0].visits[1].commune_code, "11076");
    mg_rounds_occurrence *occ = NULL;
    size_t n = 0;
    mg_rounds_date from = {2026, 2, 2}, to = {2026, 2, 8};
    assert_int_equal(mg_rounds_timetable(&pub.svc, from, to, 0, &occ, &n, fresh(&d)), 0);
    assert_int_equal(n, 3); /* two stops on Tuesday, one on Friday */
    size_t cancelled = 0;
    for (size_t i = 0; i < n; i++)
        cancelled += occ[i].cancelled;
    assert_int_equal(cancelled, 2);
    assert_int_equal(occ[0].date.day, 3);
    assert_int_equal(occ[0].start_min, 540);
    assert_int_equal(occ[2].date.day, 6);
    free(occ);
    mg_round_published_free(&pub);
    mg_db_close(db);
}

/* Directory structures as stops: the categories asked, in the communes asked, with a point. */
static void test_stops_from_directory(void **state)
{
    mg_db *db = open_db(state);
    mg_diag d = {{0}};
    setup_ids s = make_service(db, "Département");
    static const struct {
        const char *name, *category, *commune;
        double lat;
    } rows[] = {
        {"Mairie de Carcassonne", "town_hall", "11069", 43.21},
        {"Centre social La Roseraie", "social", "11069", 43.22},
        {"Mairie de Limoux", "town_hall", "11206", 43.05},
        {"Mairie sans point", "town_hall", "11069", NAN},
        {"Pharmacie", "pharmacy", "11069", 43.2},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        int64_t id = org(db, rows[k].name);
        char sid[32];
        snprintf(sid, sizeof sid, "s%lld", (long long)id);
        raw(db,
            "INSERT INTO structures (organisation_id, source, source_id, category, name_key, "
            "commune_code, commune_name, lat, lon, updated_on, created_at, updated_at) VALUES "
            "(?1, 'test', ?2, ?3, ?4, ?5, 'x', ?6, ?7, '2026-01-01', 'x', 'x')",
            MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(sid), MG_DB_TEXT(rows[k].category),
                         MG_DB_TEXT(rows[k].name), MG_DB_TEXT(rows[k].commune),
                         MG_DB_REAL(rows[k].lat), isnan(rows[k].lat) ? MG_DB_NULL : MG_DB_REAL(2.3)));
    }
    const char *cats[] = {"town_hall", "social"};
    const char *communes[] = {"11069", "11076"};
    mg_round_stop_input *v = NULL;
    size_t n = 0;
    char *arena = NULL;
    assert_int_equal(mg_round_stops_from_directory(db, cats, 2, communes, 2, &v, &n, &arena, fresh(&d)), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "Mairie de Carcassonne");
    assert_string_equal(v[1].name, "Centre social La Roseraie");
    assert_int_equal(v[0].source, MG_ROUND_STOP_DIRECTORY);
    assert_true(v[0].structure_id > 0);
    size_t added = 0;
    assert_int_equal(mg_round_stops_put(db, 0, s.service, v, n, false, &added, NULL, fresh(&d)), 0);
    assert_int_equal(added, 2);
    free(v);
    free(arena);
    mg_db_close(db);
}

#define BOTH(X)                                                                                    \
    X(test_readers)                                                                                \
    X(test_services)                                                                               \
    X(test_vehicles_stops)                                                                         \
    X(test_plans)                                                                                  \
    X(test_publish)                                                                                \
    X(test_publish_concurrent)                                                                     \
    X(test_cancellations)                                                                          \
    X(test_holidays_import)                                                                        \
    X(test_population_import)                                                                      \
    X(test_published)                                                                              \
    X(test_stops_from_directory)

int main(void)
{
    const struct CMUnitTest tests[] = {BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
