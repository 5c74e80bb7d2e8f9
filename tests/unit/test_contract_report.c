/*
 * Tests of the evaluation report (contracts/report.h) on SQLite and, when
 * MG_TEST_PG_URI is set, on PostgreSQL: a contract with axes, actions,
 * milestones, random budget lines for two funders and indicator values is
 * built through the stores, and the report's figures are checked against
 * sums and outcomes the test computes from what it wrote; a dispositif
 * across two contracts holds only the matching actions and their money;
 * engine values of one series are not a measured change; the PDF and the
 * XLSX are written and read back (the workbook with io/xlsx.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "contracts/indicators.h"
#include "contracts/report.h"
#include "db_fixture.h"
#include "io/xlsx.h"
#include "parse/parse.h"
#include "storage/storage.h"

TEST_DB_FIXTURE("contract_report")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

static const char *url_of(void **state)
{
    struct fixture *f = *state;
    return f->url;
}

static int64_t org_ok(mg_db *db, const char *name, const char *kind)
{
    mg_auth_org_input in = {.name = name, .kind = kind};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(db, 0, &in, true, false, &id, &fe, &d);
    if (rc != 0)
        fail_msg("organisation %s: %s (%s)", name, mg_strerror(rc), d.msg);
    return id;
}

static int64_t contract_ok(mg_db *db, int64_t lead, const char *title)
{
    mg_contract_input in = {.kind = "cps", .title = title, .territory = "epci:200035707",
                            .starts_on = "2024-01-01", .ends_on = "2027-12-31",
                            .status = "signed"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_create(db, 0, lead, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("contract %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

static int64_t axis_ok(mg_db *db, int64_t contract, const char *title)
{
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_axis_create(db, 0, contract, 0, title, &id, &fe, &d);
    if (rc != 0)
        fail_msg("axis %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

static int64_t action_ok(mg_db *db, int64_t contract, int64_t axis, const char *title,
                         const char *description, const char *status, const char *due_on)
{
    char ax[32] = "";
    if (axis)
        snprintf(ax, sizeof ax, "%lld", (long long)axis);
    mg_contract_action_input in = {.title = title, .description = description,
                                   .status = status, .starts_on = "2024-03-01",
                                   .due_on = due_on, .axis = ax,
                                   .objectives = "Rapprocher les soins (exemple)"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_action_create(db, 0, contract, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("action %s: %s (%s) %s", title, mg_strerror(rc), d.msg, fe.msg);
    return id;
}

/* A budget line of random amounts; *sum gets them added. */
static void line_ok(mg_db *db, int64_t action, int64_t funder, int year, mg_budget_amounts *sum)
{
    int64_t planned = (int64_t)(rand() % 5000000) + 100; /* cents */
    int64_t committed = planned * (rand() % 101) / 100;
    int64_t paid = committed * (rand() % 101) / 100;
    char p[32], c[32], pd[32], y[8];
    snprintf(p, sizeof p, "%lld,%02lld", (long long)(planned / 100), (long long)(planned % 100));
    snprintf(c, sizeof c, "%lld,%02lld", (long long)(committed / 100),
             (long long)(committed % 100));
    snprintf(pd, sizeof pd, "%lld,%02lld", (long long)(paid / 100), (long long)(paid % 100));
    snprintf(y, sizeof y, "%d", year);
    mg_budget_line_input in = {.funder_id = funder, .year = y,
                               .nature = rand() % 2 ? "investment" : "operation",
                               .planned = p, .committed = c, .paid = pd};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_budget_line_create(db, 0, action, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("line: %s (%s) %s", mg_strerror(rc), d.msg, fe.msg);
    sum->planned += planned;
    sum->committed += committed;
    sum->paid += paid;
}

static int64_t indicator_ok(mg_db *db, int64_t action, const char *title, const char *direction,
                            const char *target, const char *source, const char *measure,
                            const char *profession)
{
    mg_indicator_input in = {.title = title, .unit = "personnes", .direction = direction,
                             .target = target, .source = source, .measure = measure,
                             .profession = profession};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_indicator_create(db, 0, action, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("indicator %s: %s (%s) %s", title, mg_strerror(rc), d.msg, fe.msg);
    return id;
}

static void value_ok(mg_db *db, int64_t ind, const char *on, const char *v)
{
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int rc = mg_indicator_value_add(db, 0, ind, on, v, "relevé (exemple)", "", NULL, &fe, &d);
    if (rc != 0)
        fail_msg("value %s: %s (%s) %s", v, mg_strerror(rc), d.msg, fe.msg);
}

static const mg_bilan_action *find_action(const mg_bilan *r, int64_t id)
{
    for (size_t k = 0; k < r->nactions; k++)
        if (r->actions[k].a.id == id)
            return &r->actions[k];
    fail_msg("action %lld not in the report", (long long)id);
    return NULL;
}

/* A cell of the workbook: a number as the file writes it (C syntax). */
static double cell_number(const char *s)
{
    double v = NAN;
    if (mg_parse_c_double(s, strlen(s), &v, NULL) != 0)
        fail_msg("not a number in the workbook: \"%s\"", s);
    return v;
}

static void assert_amounts(const mg_budget_amounts *got, const mg_budget_amounts *want)
{
    assert_int_equal(got->planned, want->planned);
    assert_int_equal(got->committed, want->committed);
    assert_int_equal(got->paid, want->paid);
}

/* What the test wrote, to compare the report with. */
enum { NACT = 4, NYEARS = 3 };
typedef struct plan {
    int64_t dep, cc, contract, axes[2], act[NACT];
    mg_budget_amounts by_action_funder[NACT][2];
    mg_budget_amounts by_year[NYEARS];
    mg_budget_amounts by_axis[2];
    mg_budget_amounts total;
    int64_t ind_up, ind_down, ind_engine;
} plan;

static void build_plan(mg_db *db, const char *url, plan *P)
{
    memset(P, 0, sizeof *P);
    P->dep = org_ok(db, "Département de l'Aude", "departement");
    P->cc = org_ok(db, "CC Piège Lauragais Malepère", "epci");
    P->contract = contract_ok(db, P->dep, "Contrat pluriannuel des solidarités (exemple)");
    P->axes[0] = axis_ok(db, P->contract, "Accès aux soins");
    P->axes[1] = axis_ok(db, P->contract, "Aller-vers");
    P->act[0] = action_ok(db, P->contract, P->axes[0], "Cabine de télémédecine à Fanjeaux",
                          "Une cabine", "in_progress", "2025-06-30");
    P->act[1] = action_ok(db, P->contract, P->axes[0], "Chariots de téléconsultation",
                          "Deux chariots de TÉLÉMÉDECINE assistée", "done", "2025-12-31");
    P->act[2] = action_ok(db, P->contract, P->axes[1], "Véhicule aller-vers jeunes",
                          "Un véhicule", "planned", "2099-12-31");
    P->act[3] = action_ok(db, P->contract, 0, "Salon des familles", "", "planned", "2099-01-01");
    int64_t funders[2] = {P->dep, P->cc};
    int axis_of[NACT] = {0, 0, 1, -1};
    for (int k = 0; k < NACT; k++)
        for (int f = 0; f < 2; f++)
            for (int l = 0; l < 3 + k; l++) {
                int y = rand() % NYEARS;
                mg_budget_amounts s = {0};
                line_ok(db, P->act[k], funders[f], 2024 + y, &s);
                mg_budget_amounts *to[] = {&P->by_action_funder[k][f], &P->by_year[y],
                                           axis_of[k] >= 0 ? &P->by_axis[axis_of[k]] : NULL,
                                           &P->total};
                for (size_t t = 0; t < 4; t++)
                    if (to[t]) {
                        to[t]->planned += s.planned;
                        to[t]->committed += s.committed;
                        to[t]->paid += s.paid;
                    }
            }
    /* Milestones: two of three done on action 0. */
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t ms[3];
    const char *due[3] = {"2024-06-01", "2024-09-01", "2099-01-01"};
    for (int k = 0; k < 3; k++) {
        char t[32];
        snprintf(t, sizeof t, "Jalon %d", k + 1);
        assert_int_equal(mg_contract_milestone_add(db, 0, P->act[0], t, due[k], &ms[k], &fe, &d),
                         0);
    }
    assert_int_equal(mg_contract_milestone_set_done(db, 0, ms[0], true, "2024-05-30", &fe, &d), 0);
    assert_int_equal(mg_contract_milestone_set_done(db, 0, ms[1], true, "2024-09-02", &fe, &d), 0);
    /* Indicators: one up and met, one down and missed, one engine series. */
    P->ind_up = indicator_ok(db, P->act[0], "Téléconsultations par mois", "up", "40", NULL, NULL,
                             NULL);
    value_ok(db, P->ind_up, "2025-01-31", "22");
    value_ok(db, P->ind_up, "2024-06-30", "12,5");
    value_ok(db, P->ind_up, "2025-06-30", "41");
    P->ind_down = indicator_ok(db, P->act[0], "Délai de rendez-vous", "down", "7", NULL, NULL,
                               NULL);
    value_ok(db, P->ind_down, "2024-06-30", "15");
    value_ok(db, P->ind_down, "2025-06-30", "9,5");
    P->ind_engine = indicator_ok(db, P->act[1], "APL moyenne des communes ciblées", "up", "3",
                                 "engine", "apl_mean", "mg");
    /* Two engine values of one series (the same 2021 inputs computed on
     * two dates), written as the engine would. */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO indicator_values (indicator_id, measured_on, value, series, data_year, "
             "created_at) VALUES (%lld, '2024-02-01', 2.1, 'données 2021 · test', 2021, "
             "'2024-02-01T00:00:00Z'), (%lld, '2025-02-01', 2.4, 'données 2021 · test', 2021, "
             "'2025-02-01T00:00:00Z')",
             (long long)P->ind_engine, (long long)P->ind_engine);
    assert_int_equal(test_pg_exec(url, sql), 0);
    /* One action marked an example, as the demo data marks facts the
     * public record does not give. */
    snprintf(sql, sizeof sql, "UPDATE contract_actions SET is_example = 1 WHERE id = %lld",
             (long long)P->act[3]);
    assert_int_equal(test_pg_exec(url, sql), 0);
}

static void test_contract_report(void **state)
{
    srand(15);
    mg_db *db = open_db(state);
    plan P;
    build_plan(db, url_of(state), &P);

    mg_bilan r;
    mg_diag d = {{0}};
    int rc = mg_bilan_contract(db, P.contract, NULL, NULL, &r, &d);
    if (rc)
        fail_msg("report: %s (%s)", mg_strerror(rc), d.msg);
    assert_false(r.dispositif);
    assert_int_equal(r.ncontracts, 1);
    assert_int_equal(r.nactions, NACT);
    assert_true(r.example); /* action 3 is marked an example */
    assert_true(find_action(&r, P.act[3])->a.is_example);
    assert_false(find_action(&r, P.act[2])->a.is_example);
    assert_amounts(&r.total, &P.total);

    /* Each action: its money by funder and in all. */
    for (int k = 0; k < NACT; k++) {
        const mg_bilan_action *x = find_action(&r, P.act[k]);
        assert_int_equal(x->nfunders, 2);
        mg_budget_amounts all = {0};
        for (size_t f = 0; f < 2; f++) {
            int which = x->funders[f].funder_id == P.dep ? 0 : 1;
            assert_true(x->funders[f].funder_id == (which ? P.cc : P.dep));
            assert_amounts(&x->funders[f].a, &P.by_action_funder[k][which]);
            all.planned += P.by_action_funder[k][which].planned;
            all.committed += P.by_action_funder[k][which].committed;
            all.paid += P.by_action_funder[k][which].paid;
        }
        assert_amounts(&x->budget, &all);
    }
    /* Funders by name: "CC …" before "Département …". */
    assert_int_equal(find_action(&r, P.act[0])->funders[0].funder_id, P.cc);

    /* Totals by funder, year and axis. */
    assert_int_equal(r.nby_funder, 2);
    for (size_t k = 0; k < r.nby_funder; k++) {
        int which = r.by_funder[k].key == P.dep ? 0 : 1;
        mg_budget_amounts want = {0};
        for (int a = 0; a < NACT; a++) {
            want.planned += P.by_action_funder[a][which].planned;
            want.committed += P.by_action_funder[a][which].committed;
            want.paid += P.by_action_funder[a][which].paid;
        }
        assert_amounts(&r.by_funder[k].a, &want);
    }
    size_t years = 0;
    for (int y = 0; y < NYEARS; y++)
        years += P.by_year[y].planned > 0;
    assert_int_equal(r.nby_year, years);
    for (size_t k = 0; k < r.nby_year; k++) {
        assert_true(r.by_year[k].key >= 2024 && r.by_year[k].key < 2024 + NYEARS);
        assert_amounts(&r.by_year[k].a, &P.by_year[r.by_year[k].key - 2024]);
    }
    for (size_t k = 0; k < r.nby_group; k++) {
        if (r.by_group[k].key == P.axes[0])
            assert_amounts(&r.by_group[k].a, &P.by_axis[0]);
        else if (r.by_group[k].key == P.axes[1])
            assert_amounts(&r.by_group[k].a, &P.by_axis[1]);
        else
            assert_int_equal(r.by_group[k].key, 0); /* the action outside any axis */
    }

    /* Done, late, milestones. */
    assert_int_equal(r.by_status[MG_ACTION_IN_PROGRESS], 1);
    assert_int_equal(r.by_status[MG_ACTION_DONE], 1);
    assert_int_equal(r.by_status[MG_ACTION_PLANNED], 2);
    const mg_bilan_action *a0 = find_action(&r, P.act[0]);
    assert_int_equal(a0->milestones, 3);
    assert_int_equal(a0->milestones_done, 2);
    assert_true(a0->a.late); /* due 2025-06-30, in progress: the tests run after it */
    assert_false(find_action(&r, P.act[1])->a.late); /* done */
    assert_false(find_action(&r, P.act[2])->a.late);
    assert_int_equal(r.late, 1);
    assert_string_equal(a0->axis, "1 Accès aux soins");
    assert_string_equal(find_action(&r, P.act[3])->axis, "");

    /* Indicators. */
    assert_int_equal(a0->nindicators, 2);
    for (size_t i = 0; i < a0->nindicators; i++) {
        const mg_bilan_indicator *ri = &a0->indicators[i];
        if (ri->ind.id == P.ind_up) {
            assert_int_equal(ri->nvalues, 3);
            assert_string_equal(ri->first_on, "2024-06-30");
            assert_string_equal(ri->last_on, "2025-06-30");
            assert_true(ri->first == 12.5 && ri->last == 41);
            assert_true(ri->measured_change);
            assert_true(fabs(ri->change - (41 - 12.5)) < 1e-9);
            assert_int_equal(ri->met, 1); /* 41 >= 40 */
        } else {
            assert_int_equal(ri->ind.id, P.ind_down);
            assert_true(ri->measured_change);
            assert_true(fabs(ri->change - (9.5 - 15)) < 1e-9);
            assert_int_equal(ri->met, 0); /* 9.5 > 7, lower is better */
        }
    }
    const mg_bilan_action *a1 = find_action(&r, P.act[1]);
    assert_int_equal(a1->nindicators, 1);
    assert_int_equal(a1->indicators[0].nvalues, 2);
    assert_false(a1->indicators[0].measured_change); /* one series: not a measured change */
    assert_true(isnan(a1->indicators[0].change));
    assert_int_equal(a1->indicators[0].met, 0); /* 2.4 < 3 */
    assert_false(a1->has_effect);

    /* The PDF: a PDF, of some pages. */
    mg_buf pdf;
    mg_buf_init(&pdf, 64u << 20);
    rc = mg_bilan_pdf(&r, &pdf, &d);
    if (rc)
        fail_msg("pdf: %s (%s)", mg_strerror(rc), d.msg);
    assert_true(pdf.len > 1000 && memcmp(pdf.data, "%PDF-", 5) == 0);
    mg_buf_free(&pdf);

    /* The XLSX, read back: the Budget sheet's rows add up to the total. */
    mg_buf xb;
    mg_buf_init(&xb, 64u << 20);
    rc = mg_bilan_xlsx(&r, &xb, &d);
    if (rc)
        fail_msg("xlsx: %s (%s)", mg_strerror(rc), d.msg);
    char path[] = "/tmp/test_contract_report_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, xb.data, xb.len), (ssize_t)xb.len);
    close(fd);
    mg_buf_free(&xb);
    mg_xlsx *x = NULL;
    assert_int_equal(mg_xlsx_open(&x, path, &d), 0);
    assert_int_equal(mg_xlsx_sheet_count(x), 3);
    assert_string_equal(mg_xlsx_sheet_name(x, 0), "Actions");
    assert_string_equal(mg_xlsx_sheet_name(x, 1), "Budget");
    assert_string_equal(mg_xlsx_sheet_name(x, 2), "Indicateurs");
    assert_int_equal(mg_xlsx_select(x, 1, &d), 0);
    double planned = 0, paid = 0, total_planned = -1;
    size_t rows = 0;
    while ((rc = mg_xlsx_next(x, &d)) == 1) {
        if (mg_xlsx_row(x) == 1) {
            assert_string_equal(mg_xlsx_cell(x, 3), "Prévu (€)");
            continue;
        }
        if (strcmp(mg_xlsx_cell(x, 0), "Total") == 0) {
            total_planned = cell_number(mg_xlsx_cell(x, 3));
            continue;
        }
        rows++;
        planned += cell_number(mg_xlsx_cell(x, 3));
        paid += cell_number(mg_xlsx_cell(x, 5));
    }
    assert_int_equal(rc, 0);
    assert_int_equal(rows, NACT * 2);
    assert_true(fabs(planned - (double)P.total.planned / 100) < 0.01);
    assert_true(fabs(paid - (double)P.total.paid / 100) < 0.01);
    assert_true(fabs(total_planned - (double)P.total.planned / 100) < 0.01);
    assert_int_equal(mg_xlsx_select(x, 2, &d), 0);
    rows = 0;
    while ((rc = mg_xlsx_next(x, &d)) == 1)
        rows += mg_xlsx_row(x) > 1;
    assert_int_equal(rows, 3);
    mg_xlsx_close(x);
    unlink(path);

    mg_bilan_free(&r);
    assert_int_equal(mg_bilan_contract(db, P.contract + 1000, NULL, NULL, &r, &d), MG_ENOTFOUND);
    mg_db_close(db);
}

/* A dispositif across two contracts: the matching actions and their money
 * only. */
static void test_dispositif(void **state)
{
    srand(16);
    mg_db *db = open_db(state);
    plan P;
    build_plan(db, url_of(state), &P);
    int64_t other = contract_ok(db, P.cc, "Contrat local de santé");
    int64_t tele = action_ok(db, other, 0, "Télé-médecine itinérante", "", "planned",
                             "2099-01-01");
    int64_t none = action_ok(db, other, 0, "Maison de santé", "Accueil", "planned", "2099-01-01");
    mg_budget_amounts tele_sum = {0}, none_sum = {0};
    line_ok(db, tele, P.dep, 2025, &tele_sum);
    line_ok(db, none, P.dep, 2025, &none_sum);
    /* « télémédecine » folds to "telemedecine": actions 0 (title) and 1
     * (description, upper case) of the first contract; "Télé-médecine" is
     * two words and does not match; « télé » finds all three. */
    int64_t ids[] = {P.contract, other};
    mg_bilan r;
    mg_diag d = {{0}};
    assert_int_equal(mg_bilan_dispositif(db, ids, 2, "télémédecine", NULL, NULL, &r, &d), 0);
    assert_true(r.dispositif);
    assert_int_equal(r.searched, 2);
    assert_int_equal(r.nactions, 2);
    assert_int_equal(r.ncontracts, 1);
    assert_true((r.actions[0].a.id == P.act[0] && r.actions[1].a.id == P.act[1]) ||
                (r.actions[0].a.id == P.act[1] && r.actions[1].a.id == P.act[0]));
    mg_bilan_free(&r);
    assert_int_equal(mg_bilan_dispositif(db, ids, 2, "TELE", NULL, NULL, &r, &d), 0);
    assert_int_equal(r.nactions, 3);
    assert_int_equal(r.ncontracts, 2);
    mg_budget_amounts want = {0};
    for (int k = 0; k < 2; k++)
        for (int f = 0; f < 2; f++) {
            want.planned += P.by_action_funder[k][f].planned;
            want.committed += P.by_action_funder[k][f].committed;
            want.paid += P.by_action_funder[k][f].paid;
        }
    mg_budget_amounts in_first = want;
    want.planned += tele_sum.planned;
    want.committed += tele_sum.committed;
    want.paid += tele_sum.paid;
    assert_amounts(&r.total, &want);
    /* by contract: the first contract's two actions, the other's one */
    assert_int_equal(r.nby_group, 2);
    for (size_t k = 0; k < 2; k++)
        assert_amounts(&r.by_group[k].a, r.by_group[k].key == other ? &tele_sum : &in_first);
    mg_budget_amounts years = {0}, funders = {0};
    for (size_t k = 0; k < r.nby_year; k++)
        years.planned += r.by_year[k].a.planned, years.paid += r.by_year[k].a.paid;
    for (size_t k = 0; k < r.nby_funder; k++)
        funders.planned += r.by_funder[k].a.planned, funders.paid += r.by_funder[k].a.paid;
    assert_int_equal(years.planned, want.planned);
    assert_int_equal(funders.paid, want.paid);
    mg_buf pdf;
    mg_buf_init(&pdf, 64u << 20);
    assert_int_equal(mg_bilan_pdf(&r, &pdf, &d), 0);
    assert_true(memcmp(pdf.data, "%PDF-", 5) == 0);
    mg_buf_free(&pdf);
    mg_bilan_free(&r);

    /* Nothing found is a report of no action. */
    assert_int_equal(mg_bilan_dispositif(db, ids, 2, "cardiologie", NULL, NULL, &r, &d), 0);
    assert_int_equal(r.nactions, 0);
    assert_int_equal(r.ncontracts, 0);
    assert_int_equal(r.total.planned, 0);
    mg_bilan_free(&r);
    /* A refused query reads nothing. */
    assert_int_equal(mg_bilan_dispositif(db, ids, 2, " - ", NULL, NULL, &r, &d), MG_EINVAL);
    mg_db_close(db);
}

static void test_matches_and_query(void **state)
{
    (void)state;
    assert_true(mg_bilan_matches("Cabine de TÉLÉMÉDECINE", "télémédecine"));
    assert_true(mg_bilan_matches("Cabine de télémédecine", "telemed"));
    assert_true(mg_bilan_matches("L’aller-vers des jeunes", "aller vers"));
    assert_true(mg_bilan_matches("Œuvres sociales", "oeuvre"));
    assert_false(mg_bilan_matches("Cabine de télémédecine", "médecine")); /* not a word start */
    assert_false(mg_bilan_matches("", "tele"));
    assert_false(mg_bilan_matches(NULL, "tele"));
    mg_diag d = {{0}};
    assert_int_equal(mg_bilan_query_check("télémédecine", &d), 0);
    assert_int_equal(mg_bilan_query_check("", &d), MG_EINVAL);
    mg_diag_clear(&d);
    assert_int_equal(mg_bilan_query_check("a", &d), MG_EINVAL);
    assert_non_null(strstr(d.msg, "deux lettres"));
    mg_diag_clear(&d);
    assert_int_equal(mg_bilan_query_check("t\x01l", &d), MG_EINVAL);
    mg_diag_clear(&d);
    assert_int_equal(mg_bilan_query_check("\xff\xfe", &d), MG_EINVAL);
    char longq[300];
    memset(longq, 'a', 150);
    longq[150] = '\0';
    mg_diag_clear(&d);
    assert_int_equal(mg_bilan_query_check(longq, &d), MG_EINVAL);
    char n[64];
    mg_bilan_number(1234567.5, 2, n, sizeof n);
    assert_string_equal(n, "1\u202f234\u202f567,5");
    mg_bilan_number(-12, 3, n, sizeof n);
    assert_string_equal(n, "-12");
    mg_bilan_number(NAN, 3, n, sizeof n);
    assert_string_equal(n, "—");
}

/* The effect callback: called for the modelled action only, with its
 * planned budget; what it gives is in the report; MG_ENOTFOUND leaves the
 * action without effect, another code fails the report. */
typedef struct effect_calls {
    int calls;
    int64_t action_id, planned;
    int answer;
} effect_calls;

static int fake_effect(void *ctx, const mg_contract *c, const mg_contract_action *a,
                       int64_t planned_cents, mg_action_effect *out, mg_diag *d)
{
    (void)c, (void)d;
    effect_calls *e = ctx;
    e->calls++;
    e->action_id = a->id;
    e->planned = planned_cents;
    if (e->answer)
        return e->answer;
    *out = (mg_action_effect){.ncommunes = 3, .lifted = 120, .cost_cents = planned_cents};
    return MG_OK;
}

static void test_effect(void **state)
{
    srand(17);
    mg_db *db = open_db(state);
    plan P;
    build_plan(db, url_of(state), &P);
    mg_scenario_record rec = {.name = "Cabine de Fanjeaux (exemple)", .profession = "mg",
                              .actions_json = "[]"};
    int64_t sid = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_storage_scenario_save(db, &rec, 0, &sid, &d), 0);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE contract_actions SET scenario_id = %lld WHERE id = %lld",
             (long long)sid, (long long)P.act[0]);
    assert_int_equal(test_pg_exec(url_of(state), sql), 0);
    effect_calls e = {0};
    mg_bilan r;
    assert_int_equal(mg_bilan_contract(db, P.contract, fake_effect, &e, &r, &d), 0);
    assert_int_equal(e.calls, 1);
    assert_int_equal(e.action_id, P.act[0]);
    int64_t planned = P.by_action_funder[0][0].planned + P.by_action_funder[0][1].planned;
    assert_int_equal(e.planned, planned);
    const mg_bilan_action *a0 = find_action(&r, P.act[0]);
    assert_true(a0->has_effect);
    assert_true(a0->effect.lifted == 120 && a0->effect.cost_cents == planned);
    assert_false(find_action(&r, P.act[1])->has_effect);
    mg_buf pdf;
    mg_buf_init(&pdf, 64u << 20);
    assert_int_equal(mg_bilan_pdf(&r, &pdf, &d), 0);
    mg_buf_free(&pdf);
    mg_bilan_free(&r);
    e = (effect_calls){.answer = MG_ENOTFOUND};
    assert_int_equal(mg_bilan_contract(db, P.contract, fake_effect, &e, &r, &d), 0);
    assert_false(find_action(&r, P.act[0])->has_effect);
    mg_bilan_free(&r);
    e = (effect_calls){.answer = MG_EIO};
    assert_int_equal(mg_bilan_contract(db, P.contract, fake_effect, &e, &r, &d), MG_EIO);
    mg_db_close(db);
}

#define BOTH(X)                                                                                  \
    X(test_contract_report)                                                                      \
    X(test_dispositif)                                                                           \
    X(test_effect)

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_matches_and_query),
                                       BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
