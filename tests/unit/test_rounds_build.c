/*
 * The builder of mobile services' rounds (rounds/build.h) on the real Aude
 * (data/demo) with its GP diagnosis: units, weights with the under-served
 * extra, reach and the travel matrix checked against the test's own
 * computation (its own great-circle distance and rounding); target
 * publics from population figures; plans and solutions both ways; the
 * heuristic's plan on the built problem passes the solver's checker; the
 * plan of a mobile GP service as a scenario changes the APL as a full
 * recomputation with the changed supply says.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "access/access.h"
#include "core/alloc.h"
#include "rounds/build.h"
#include "aude_fixture.h"
#include "testutil.h"

/* Five communes of the Aude: Carcassonne, Limoux, Quillan, Axat, Castelnaudary. */
static const char *const codes[] = {"11069", "11206", "11304", "11021", "11076"};
#define NC 5

static mg_round_service service(const char *profession)
{
    mg_round_service s;
    memset(&s, 0, sizeof s);
    s.id = 1;
    snprintf(s.territory, sizeof s.territory, "communes:11069,11206,11304,11021,11076");
    snprintf(s.target_public, sizeof s.target_public, "all");
    snprintf(s.profession, sizeof s.profession, "%s", profession);
    s.reach_min = 20;
    s.cycle_weeks = 1;
    s.stop_min = 120;
    s.underserved_extra = 0.5;
    s.school_zone = 'C';
    return s;
}

/* Stops at each commune's point, a little apart from it for all but the first. */
static void stops(mg_round_stop st[NC])
{
    memset(st, 0, NC * sizeof *st);
    for (int k = 0; k < NC; k++) {
        long i = mg_territory_find(g->t, codes[k]);
        assert_true(i >= 0);
        st[k].id = 100 + k;
        st[k].service_id = 1;
        snprintf(st[k].name, sizeof st[k].name, "Mairie");
        snprintf(st[k].commune_code, sizeof st[k].commune_code, "%s", codes[k]);
        st[k].lat = g->t->lat[i] + (k ? 0.003 : 0);
        st[k].lon = g->t->lon[i];
        st[k].minutes = k == 2 ? 90 : 0;
        st[k].active = true;
    }
}

static mg_round_vehicle vehicle(void)
{
    mg_round_vehicle v;
    memset(&v, 0, sizeof v);
    v.id = 7;
    v.service_id = 1;
    long i = mg_territory_find(g->t, "11069");
    v.base_lat = g->t->lat[i] + 0.01;
    v.base_lon = g->t->lon[i] + 0.01;
    v.weekdays = 0x12;
    v.day_start = 480;
    v.day_end = 1080;
    v.break_min = 45;
    v.break_earliest = 720;
    v.break_latest = 810;
    v.max_drive = 300;
    v.active = true;
    return v;
}

/* The test's own great-circle distance (haversine, mean Earth radius). */
static double km(double la1, double lo1, double la2, double lo2)
{
    const double r = 6371.0088, rad = 3.14159265358979323846 / 180;
    double a = sin((la2 - la1) * rad / 2), b = sin((lo2 - lo1) * rad / 2);
    double h = a * a + cos(la1 * rad) * cos(la2 * rad) * b * b;
    return 2 * r * asin(sqrt(h));
}

static double model_minutes(double la1, double lo1, double la2, double lo2)
{
    const mg_crowfly *m = &g->opts.crowfly;
    if (la1 == la2 && lo1 == lo2)
        return 0;
    return m->access_min + km(la1, lo1, la2, lo2) * m->detour / m->speed_kmh * 60;
}

/* A study commune of the Aude whose GP APL is below 2.5, not one of codes[]. */
static size_t underserved_commune(void)
{
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        if (g->apl[i] < 2.5 && g->t->population[i] > 0 && strcmp(g->t->code[i], "11076") != 0)
            return i;
    }
    fail_msg("no under-served commune in the Aude");
    return 0;
}

static void test_problem(void **state)
{
    (void)state;
    mg_round_service s = service("");
    size_t extra = underserved_commune();
    snprintf(s.territory, sizeof s.territory, "communes:11069,11206,11304,11021,11076,%s",
             g->t->code[extra]);
    mg_round_stop st[NC];
    stops(st);
    mg_round_vehicle v = vehicle();
    mg_rounds_built b;
    mg_diag d = {{0}};
    if (mg_rounds_build(&s, &v, 1, st, NC, g, NULL, NULL, &b, &d) != 0)
        fail_msg("build: %s", d.msg);
    const mg_rounds_problem *p = &b.p;
    assert_true(b.all_inhabitants);
    assert_false(b.road);
    assert_int_equal(p->nunits, NC + 1);
    assert_int_equal(p->nstops, NC);
    assert_int_equal(p->nbases, 1);
    assert_int_equal(p->nvehicles, 1);
    assert_int_equal(p->cycle_weeks, 1);
    /* Weights: inhabitants, half again where the GP APL is below 2.5. */
    size_t flagged = 0;
    for (size_t u = 0; u < p->nunits; u++) {
        size_t i = b.unit_commune[u];
        double w = g->t->population[i] * (g->apl[i] < 2.5 ? 1.5 : 1.0);
        assert_true(fabs(p->weight[u] - w) < 1e-9 * w);
        flagged += g->apl[i] < 2.5;
    }
    assert_true(flagged >= 1);
    /* Service minutes: the stop's own or the service's. */
    assert_int_equal(p->service[0], 120);
    assert_int_equal(p->service[2], 90);
    /* The matrix: whole minutes rounded up from the model, 0 on the diagonal. */
    size_t nn = mg_rounds_nnodes(p);
    double la[NC + 1], lo[NC + 1];
    for (int k = 0; k < NC; k++) {
        la[k] = st[k].lat;
        lo[k] = st[k].lon;
    }
    la[NC] = v.base_lat;
    lo[NC] = v.base_lon;
    for (size_t a = 0; a < nn; a++)
        for (size_t c = 0; c < nn; c++) {
            int32_t want = a == c ? 0 : (int32_t)ceil(model_minutes(la[a], lo[a], la[c], lo[c]) - 1e-6);
            int32_t got = p->travel[a * nn + c];
            /* the two great-circle formulas may differ in the last digits */
            if (got != want && !(abs(got - want) == 1 &&
                                 fabs(model_minutes(la[a], lo[a], la[c], lo[c]) -
                                      round(model_minutes(la[a], lo[a], la[c], lo[c]))) < 1e-6))
                fail_msg("travel %zu -> %zu: %d, expected %d", a, c, (int)got, (int)want);
        }
    /* Reach: a unit is reached when its point is within 20 minutes of the
     * stop, or the stop is in it. */
    for (size_t j = 0; j < p->nstops; j++)
        for (size_t u = 0; u < p->nunits; u++) {
            size_t i = b.unit_commune[u];
            bool same = strcmp(g->t->code[i], st[j].commune_code) == 0;
            bool want = same || model_minutes(g->t->lat[i], g->t->lon[i], st[j].lat, st[j].lon) <= 20;
            bool got = false;
            for (size_t c = p->cstart[j]; c < p->cstart[j + 1]; c++)
                got |= p->cunit[c] == u;
            if (got != want)
                fail_msg("stop %zu, unit %zu (%s): reached %d, expected %d", j, u, g->t->code[i],
                         got, want);
        }
    /* Limoux's stop reaches Limoux; Carcassonne's does not reach Axat. */
    assert_int_equal(b.stop_id[1], 101);
    assert_int_equal(b.vehicle_id[0], 7);
    mg_rounds_built_free(&b);

    /* An inactive stop is left out; no active vehicle is refused. */
    st[4].active = false;
    assert_int_equal(mg_rounds_build(&s, &v, 1, st, NC, g, NULL, NULL, &b, &d), 0);
    assert_int_equal(b.p.nstops, NC - 1);
    mg_rounds_built_free(&b);
    v.active = false;
    mg_diag_clear(&d);
    assert_int_equal(mg_rounds_build(&s, &v, 1, st, NC, g, NULL, NULL, &b, &d), MG_EINVAL);
    assert_non_null(strstr(d.msg, "no active vehicle"));
    v.active = true;
    snprintf(s.territory, sizeof s.territory, "communes:75056");
    mg_diag_clear(&d);
    assert_int_not_equal(mg_rounds_build(&s, &v, 1, st, NC, g, NULL, NULL, &b, &d), 0);
}

static void test_population(void **state)
{
    (void)state;
    mg_round_service s = service("");
    snprintf(s.target_public, sizeof s.target_public, "early_childhood");
    s.underserved_extra = 0;
    mg_round_stop st[NC];
    stops(st);
    mg_round_vehicle v = vehicle();
    size_t n = g->t->n;
    mg_rounds_population pop = {0};
    pop.n = n;
    pop.year = 2021;
    for (int k = 0; k < MG_PUBLIC_COUNT; k++) {
        pop.count[k] = mg_alloc_array(n, sizeof(double));
        for (size_t i = 0; i < n; i++)
            pop.count[k][i] = NAN;
    }
    pop.present = mg_alloc_array(n, 1);
    /* Figures for four of the five; Chalabre has no row; Axat has no child. */
    const double kids[NC] = {2500, 600, 150, 0, NAN};
    for (int k = 0; k < NC; k++) {
        long i = mg_territory_find(g->t, codes[k]);
        if (isnan(kids[k]))
            continue;
        pop.present[i] = 1;
        pop.count[MG_PUBLIC_EARLY_CHILDHOOD][i] = kids[k];
        pop.count[MG_PUBLIC_ALL][i] = 10 * kids[k] + 1;
    }
    mg_rounds_built b;
    mg_diag d = {{0}};
    if (mg_rounds_build(&s, &v, 1, st, NC, g, &pop, NULL, &b, &d) != 0)
        fail_msg("build: %s", d.msg);
    assert_false(b.all_inhabitants);
    assert_int_equal(b.missing_rows, 1);
    assert_int_equal(b.p.nunits, 3); /* Axat (no child) and Chalabre (no row) left out */
    assert_true(fabs(b.target_total - 3250) < 1e-9);
    for (size_t u = 0; u < b.p.nunits; u++)
        assert_true(fabs(b.p.weight[u] - b.target[u]) < 1e-12); /* no extra weight */
    mg_rounds_built_free(&b);
    mg_rounds_population_free(&pop);
}

/* A hand-made solution: Tuesday, stops 1 (Limoux) and 2 (Quillan). */
static void one_route(const mg_rounds_built *b, mg_rounds_solution *sol)
{
    mg_diag d = {{0}};
    assert_int_equal(mg_rounds_solution_empty(&b->p, sol, &d), 0);
    assert_int_equal(sol->nroutes, 2); /* Tuesday and Friday */
    mg_rounds_route *r = &sol->routes[0];
    assert_int_equal(r->weekday, 1);
    r->visits = mg_alloc_array(2, sizeof *r->visits);
    r->n = 2;
    r->visits[0].stop = 1;
    r->visits[1].stop = 2;
    assert_true(mg_rounds_schedule(&b->p, r));
    sol->value = mg_rounds_value(&b->p, sol);
}

static void test_plan_round_trip(void **state)
{
    (void)state;
    mg_round_service s = service("");
    mg_round_stop st[NC];
    stops(st);
    mg_round_vehicle v = vehicle();
    mg_rounds_built b;
    mg_diag d = {{0}};
    assert_int_equal(mg_rounds_build(&s, &v, 1, st, NC, g, NULL, NULL, &b, &d), 0);
    mg_rounds_solution sol;
    one_route(&b, &sol);
    assert_int_equal(mg_rounds_check(&b.p, &sol, &d), 0);
    mg_round_plan plan;
    assert_int_equal(mg_rounds_plan_of_solution(&b, &s, &sol, "heuristic", &plan, &d), 0);
    assert_int_equal(plan.nroutes, 1);
    assert_int_equal(plan.routes[0].vehicle_id, 7);
    assert_int_equal(plan.routes[0].visits[0].stop_id, 101);
    assert_int_equal(plan.routes[0].visits[1].stop_id, 102);
    assert_int_equal(plan.routes[0].visits[1].depart - plan.routes[0].visits[1].arrive, 90);
    /* Covered: the units reached by Limoux's or Quillan's stop, counted once. */
    double per_stop[NC], total = 0, weighted = 0, want = 0;
    mg_rounds_covered(&b, &sol, per_stop, &total, &weighted);
    for (size_t u = 0; u < b.p.nunits; u++) {
        bool reached = false;
        for (size_t j = 1; j <= 2; j++)
            for (size_t c = b.p.cstart[j]; c < b.p.cstart[j + 1]; c++)
                reached |= b.p.cunit[c] == u;
        want += reached ? b.target[u] : 0;
    }
    assert_true(fabs(total - want) < 1e-9);
    assert_true(fabs(weighted - want) < 1e-9); /* served weekly: fully counted */
    assert_true(fabs(plan.covered - want) < 1e-9);
    assert_true(per_stop[0] == 0 && per_stop[1] > 0 && per_stop[3] == 0);
    mg_rounds_solution back;
    assert_int_equal(mg_rounds_solution_of_plan(&b, &plan, &back, &d), 0);
    assert_int_equal(mg_rounds_check(&b.p, &back, &d), 0);
    assert_true(fabs(back.value - sol.value) < 1e-9);
    double back_value = back.value;
    mg_rounds_solution_free(&back);
    /* A stop the problem does not have is named. */
    plan.routes[0].visits[1].stop_id = 999;
    mg_diag_clear(&d);
    assert_int_equal(mg_rounds_solution_of_plan(&b, &plan, &back, &d), MG_EINVAL);
    assert_non_null(strstr(d.msg, "route 1, visit 2"));
    mg_round_plan_clear(&plan);
    mg_rounds_solution_free(&sol);

    /* The heuristic on the built problem: a plan the checker accepts. */
    mg_rounds_heuristic_opts o = {.time_limit = 0.3, .seed = 1};
    mg_rounds_solution h;
    assert_int_equal(mg_rounds_heuristic(&b.p, &o, &h, &d), 0);
    assert_int_equal(mg_rounds_check(&b.p, &h, &d), 0);
    assert_true(h.value >= back_value - 1e-9);
    mg_rounds_solution_free(&h);
    mg_rounds_solution_free(&back);
    mg_rounds_built_free(&b);
}

static void test_scenario_of_gp_service(void **state)
{
    (void)state;
    mg_round_service s = service("mg");
    mg_round_stop st[NC];
    stops(st);
    mg_round_vehicle v = vehicle();
    mg_rounds_built b;
    mg_diag d = {{0}};
    assert_int_equal(mg_rounds_build(&s, &v, 1, st, NC, g, NULL, NULL, &b, &d), 0);
    mg_rounds_solution sol;
    one_route(&b, &sol);
    mg_scenario sc;
    if (mg_rounds_scenario(&b, &s, &sol, g, &sc, &d) != 0)
        fail_msg("scenario: %s", d.msg);
    assert_int_equal(sc.n, 2);
    long limoux = mg_territory_find(g->t, "11206"), quillan = mg_territory_find(g->t, "11304");
    assert_int_equal(sc.actions[0].kind, MG_RES_MOBILE);
    assert_int_equal(sc.actions[0].commune, (size_t)limoux);
    assert_true(fabs(sc.actions[0].days_per_month - 52.0 / 12.0) < 1e-9); /* weekly */
    assert_true(fabs(sc.actions[0].hours_per_day - 2.0) < 1e-9);
    assert_true(fabs(sc.actions[1].hours_per_day - 1.5) < 1e-9);
    /* The APL as mg_scenario_eval says, against a full recomputation with the
     * supply the documented formula adds. */
    size_t n = g->t->n;
    double *apl = mg_alloc_array(n, sizeof *apl), *supply = mg_alloc_array(n, sizeof *supply);
    double *full = mg_alloc_array(n, sizeof *full), *want = mg_alloc_array(n, sizeof *want);
    assert_int_equal(mg_scenario_eval(engine, &sc, apl, supply, &d), 0);
    memcpy(want, g->supply, n * sizeof *want);
    double cph = mg_action_defaults(MG_RES_MOBILE).consultations_per_hour;
    want[limoux] += 52.0 / 12.0 * 12 * 2.0 * cph;
    want[quillan] += 52.0 / 12.0 * 12 * 1.5 * cph;
    for (size_t i = 0; i < n; i++)
        assert_true(fabs(supply[i] - want[i]) < 1e-6 * fmax(1, want[i]));
    assert_int_equal(mg_access_compute(&g->pairs, want, g->demand, &g->apl_spec, full, &d), 0);
    size_t raised = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(fabs(apl[i] - full[i]) <= 1e-9 * fmax(1e-12, fabs(full[i])));
        raised += apl[i] > g->apl[i] + 1e-12;
    }
    assert_true(raised > 0);
    assert_true(apl[limoux] > g->apl[limoux]);
    free(apl);
    free(supply);
    free(full);
    free(want);
    mg_scenario_free(&sc);
    /* A service that gives no APL care is refused: its effect is the public covered. */
    mg_round_service pmi = service("");
    mg_diag_clear(&d);
    assert_int_equal(mg_rounds_scenario(&b, &pmi, &sol, g, &sc, &d), MG_EINVAL);
    /* And a nurse service on a GP diagnosis. */
    mg_round_service nurse = service("inf");
    mg_diag_clear(&d);
    assert_int_equal(mg_rounds_scenario(&b, &nurse, &sol, g, &sc, &d), MG_EINVAL);
    mg_rounds_solution_free(&sol);
    mg_rounds_built_free(&b);
}

static void test_default_stops(void **state)
{
    (void)state;
    mg_round_service s = service("");
    mg_round_stop_input *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_rounds_default_stops(g, &s, &v, &n, &d), 0);
    assert_int_equal(n, NC);
    for (size_t k = 0; k < n; k++) {
        long i = mg_territory_find(g->t, v[k].commune_code);
        assert_true(i >= 0);
        assert_true(v[k].lat == g->t->lat[i] && v[k].lon == g->t->lon[i]);
        assert_string_equal(v[k].commune_name, g->t->name[i]);
        assert_int_equal(v[k].source, MG_ROUND_STOP_CHEF_LIEU);
    }
    free(v);
    snprintf(s.territory, sizeof s.territory, "epci:123456789");
    assert_int_not_equal(mg_rounds_default_stops(g, &s, &v, &n, &d), 0);
}

/* The current rounds typed in a file, as a plan valued on the problem. */
static void test_current(void **state)
{
    (void)state;
    mg_round_service s = service("");
    mg_round_stop st[NC];
    stops(st);
    snprintf(st[2].name, sizeof st[2].name, "Place de la République");
    mg_round_vehicle v = vehicle();
    snprintf(v.name, sizeof v.name, "Camion PMI");
    mg_rounds_built b;
    mg_diag d = {{0}};
    assert_int_equal(mg_rounds_build(&s, &v, 1, st, NC, g, NULL, NULL, &b, &d), 0);
    char dir[256], path[512];
    assert_int_equal(test_mkdtemp(dir, sizeof dir, "rounds_current"), 0);
    /* Rows out of order; a header with accents and capitals. */
    test_write_text(path, sizeof path, dir, "tournees.csv",
                    "Véhicule;Semaine;Jour;Commune;Arrêt;Arrivée;Départ\n"
                    "Camion PMI;1;mardi;11304;Place de la République;13h30;15:00\n"
                    "Camion PMI;1;mardi;11206;Mairie;10:00;12:00\n"
                    "Camion PMI;;vendredi;11069;Mairie;9:00;11:00\n");
    mg_round_current cur;
    if (mg_round_current_read(path, &cur, &d) != 0)
        fail_msg("read: %s", d.msg);
    assert_int_equal(cur.n, 3);
    assert_int_equal(cur.rows[0].weekday, 1);
    assert_int_equal(cur.rows[0].arrive, 810);
    assert_int_equal(cur.rows[2].week, 0);
    mg_round_plan plan;
    if (mg_rounds_plan_of_current(&b, &s, &v, 1, st, NC, &cur, path, &plan, &d) != 0)
        fail_msg("plan: %s", d.msg);
    assert_int_equal(plan.kind, MG_ROUND_PLAN_CURRENT);
    assert_int_equal(plan.nroutes, 2);
    const mg_round_plan_route *tue = &plan.routes[0];
    assert_int_equal(tue->weekday, 1);
    assert_int_equal(tue->n, 2);
    assert_int_equal(tue->visits[0].stop_id, 101); /* ordered by arrival */
    size_t nn = mg_rounds_nnodes(&b.p), base = b.p.nstops;
    int32_t t0 = b.p.travel[base * nn + 1], t1 = b.p.travel[1 * nn + 2], t2 = b.p.travel[2 * nn + base];
    assert_int_equal(tue->leave, 600 - t0);
    assert_int_equal(tue->back, 900 + t2);
    assert_int_equal(tue->drive, t0 + t1 + t2);
    /* Its value: the problem's objective of the plan's stops. */
    mg_rounds_solution sol;
    assert_int_equal(mg_rounds_solution_of_plan(&b, &plan, &sol, &d), 0);
    assert_true(plan.value > 0 && fabs(plan.value - mg_rounds_value(&b.p, &sol)) < 1e-9);
    mg_rounds_solution_free(&sol);
    mg_round_plan_clear(&plan);
    mg_round_current_free(&cur);
    /* Refusals name the line. */
    struct {
        const char *text, *part;
    } bad[] = {
        {"vehicule;jour;commune;arret;arrivee;depart\nAutre;mardi;11206;Mairie;10:00;12:00\n",
         "tournees.csv:2: vehicle \"Autre\""},
        {"vehicule;jour;commune;arret;arrivee;depart\nCamion PMI;lundi;11206;Mairie;10:00;12:00\n",
         "does not work on that day"},
        {"vehicule;jour;commune;arret;arrivee;depart\nCamion PMI;mardi;11206;Mairie;10:00;12:00\n"
         "Camion PMI;mardi;11069;Mairie;11:00;12:30\n",
         "tournees.csv:3: arrives before"},
        {"vehicule;semaine;jour;commune;arret;arrivee;depart\nCamion PMI;2;mardi;11206;Mairie;10:00;12:00\n",
         "outside the service's cycle"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        test_write_text(path, sizeof path, dir, "tournees.csv", bad[k].text);
        mg_diag_clear(&d);
        assert_int_equal(mg_round_current_read(path, &cur, &d), 0);
        mg_diag_clear(&d);
        assert_int_equal(mg_rounds_plan_of_current(&b, &s, &v, 1, st, NC, &cur, path, &plan, &d),
                         MG_EINVAL);
        if (!strstr(d.msg, bad[k].part))
            fail_msg("case %zu: %s", k, d.msg);
        mg_round_current_free(&cur);
    }
    /* The reader's own refusals. */
    struct {
        const char *text, *part;
    } unread[] = {
        {"vehicule;jour;commune;arret;arrivee\nA;mardi;11206;M;10:00\n", "missing column \"depart\""},
        {"vehicule;jour;commune;arret;arrivee;depart\nA;mardo;11206;M;10:00;12:00\n",
         "tournees.csv:2:3: column \"jour\": expected a day"},
        {"vehicule;jour;commune;arret;arrivee;depart\nA;mardi;1120;M;10:00;12:00\n",
         "column \"commune\": expected an INSEE commune code"},
        {"vehicule;jour;commune;arret;arrivee;depart\nA;mardi;11206;M;10:00;09:00\n",
         "the departure must come after the arrival"},
        {"vehicule;jour;commune;arret;arrivee;depart\nA;mardi;11206;M;25:00;26:00\n",
         "expected a time of the day"},
        {"vehicule;jour;commune;arret;arrivee;depart\n;mardi;11206;M;10:00;12:00\n",
         "expected the vehicle's name"},
        {"vehicule;semaine;jour;commune;arret;arrivee;depart\nA;5;mardi;11206;M;10:00;12:00\n",
         "week of the cycle from 1 to 4"},
        {"vehicule;jour;commune;arret;arrivee;depart\n", "no rows"},
    };
    for (size_t k = 0; k < sizeof unread / sizeof unread[0]; k++) {
        test_write_text(path, sizeof path, dir, "tournees.csv", unread[k].text);
        mg_diag_clear(&d);
        assert_int_not_equal(mg_round_current_read(path, &cur, &d), 0);
        assert_int_equal(cur.n, 0);
        if (!strstr(d.msg, unread[k].part))
            fail_msg("unread case %zu: %s", k, d.msg);
    }
    test_remove_tree(dir);
    mg_rounds_built_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_problem),
        cmocka_unit_test(test_population),
        cmocka_unit_test(test_plan_round_trip),
        cmocka_unit_test(test_scenario_of_gp_service),
        cmocka_unit_test(test_default_stops),
        cmocka_unit_test(test_current),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
