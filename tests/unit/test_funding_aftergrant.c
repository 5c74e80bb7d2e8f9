/*
 * Tests of what follows a grant (funding/aftergrant.h) on SQLite and, when
 * MG_TEST_PG_URI is set, on PostgreSQL: payments in instalments, refused
 * above what is left to pay or on a part not granted (nothing changed);
 * the part's paid amount and the contract action's fed budget line
 * against the sums of what the test paid; the final report's due day,
 * saving and filing (comments required past a 10 % gap); reminders, each
 * kind once whatever the runs; the late list's days; the indicators
 * "subsidy.granted" and "subsidy.paid"; two payments at once never above
 * the grant. Expected figures are computed here from what the test typed,
 * never read back through the module.
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

#include "auth/auth.h"
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "contracts/indicators.h"
#include "funding/aftergrant.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "mail/mail.h"
#include "db_fixture.h"
#include "funding_fixture.h"

TEST_DB_FIXTURE("funding_aftergrant")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

/* An instructor account of organisation org (the one who decides and pays). */
static int64_t instructor(mg_db *db, int64_t org, const char *tag)
{
    static int serial;
    char email[128];
    snprintf(email, sizeof email, "instruction.%s.%lld.%d@exemple.invalid", tag, (long long)org,
             ++serial);
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_account_add(db, 0, email, "Instructrice (exemple)",
                                 "un mot de passe de test assez long", org, MG_ROLE_INSTRUCTOR,
                                 &id, NULL, &d);
    if (rc != 0)
        fail_msg("account: %s (%s)", mg_strerror(rc), d.msg);
    return id;
}

static int64_t contract_action(mg_db *db, int64_t lead)
{
    mg_contract_input in = {.kind = "cls", .title = "Contrat local de santé (exemple)",
                            .territory = "epci:200035707", .starts_on = "2024-01-01",
                            .ends_on = "2028-12-31", .status = "signed"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t cid = 0, aid = 0;
    int rc = mg_contract_create(db, 0, lead, &in, &cid, &fe, &d);
    if (rc != 0)
        fail_msg("contract: %s (%s; %s)", mg_strerror(rc), d.msg, fe.msg);
    mg_contract_action_input ai = {.title = "Prévention bucco-dentaire (exemple)"};
    rc = mg_contract_action_create(db, 0, cid, &ai, &aid, &fe, &d);
    if (rc != 0)
        fail_msg("action: %s (%s; %s)", mg_strerror(rc), d.msg, fe.msg);
    return aid;
}

/* A request asking asked[k] of fx->funders[k], financing action `action`
 * (0 none), ending on `ends_on` (NULL: the fixture's), filed and routed. */
static int64_t routed_request(mg_db *db, const funding_fx *fx, const int64_t *asked, size_t n,
                              int64_t action, const char *starts_on, const char *ends_on)
{
    fx_form f;
    fx_form_fill(&f, fx, asked, n);
    char act[24] = "";
    if (action)
        snprintf(act, sizeof act, "%lld", (long long)action);
    f.in.action = act;
    if (starts_on)
        f.in.starts_on = starts_on;
    if (ends_on)
        f.in.ends_on = ends_on;
    int64_t id = fx_draft(db, fx, &f);
    fx_attach_required(db, id, false);
    fx_file(db, id);
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int rc = mg_subsidy_route(db, instructor(db, fx->lead, "lead"), id, NULL, 0, &errs, &d);
    if (rc != 0)
        fail_msg("routing: %s (%s)", mg_strerror(rc), d.msg);
    return id;
}

static void grant(mg_db *db, int64_t by, int64_t rid, int64_t funder, const char *amount)
{
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int rc = mg_subsidy_decide(db, by, rid, funder, MG_DECISION_GRANT, amount, "", &errs, &d);
    if (rc != 0)
        fail_msg("grant: %s (%s)", mg_strerror(rc), d.msg);
}

static mg_subsidy_part part_of(mg_db *db, int64_t rid, int64_t funder)
{
    mg_subsidy_part p;
    mg_diag d = {{0}};
    int rc = mg_subsidy_part_get(db, rid, funder, &p, &d);
    if (rc != 0)
        fail_msg("part: %s (%s)", mg_strerror(rc), d.msg);
    return p;
}

static int pay(mg_db *db, int64_t by, int64_t rid, int64_t funder, const char *on,
               const char *amount, mg_subsidy_errors *errs)
{
    mg_diag d = {{0}};
    return mg_subsidy_pay(db, by, rid, funder, on, amount, "Convention signée", NULL, errs, &d);
}

/* Messages of the queue whose subject is `subject`. */
static size_t mails_with(mg_db *db, const char *subject)
{
    mg_mail_record *r = NULL;
    size_t n = 0, total = 0, count = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_mail_list(db, 0, 1000, &r, &n, &total, &d), 0);
    for (size_t k = 0; k < n; k++)
        count += r[k].subject && strcmp(r[k].subject, subject) == 0;
    mg_mail_records_free(r, n);
    return count;
}

/* --- Payments ----------------------------------------------------------------------------------- */

static void test_payments(void **state)
{
    mg_db *db = open_db(state);
    funding_fx fx;
    fx_setup(db, 2, &fx);
    int64_t by = instructor(db, fx.funders[0], "a");
    int64_t action = contract_action(db, fx.lead);
    int64_t asked[] = {800000, 300000};
    int64_t rid = routed_request(db, &fx, asked, 2, action, NULL, NULL);
    grant(db, by, rid, fx.funders[0], "6 000");
    const int64_t granted = 600000;
    char today[11];
    mg_contract_today(today);

    /* Two instalments: 2 500 € then 1 234,56 €. */
    mg_subsidy_errors errs = {0};
    assert_int_equal(pay(db, by, rid, fx.funders[0], today, "2 500", &errs), 0);
    assert_int_equal(pay(db, by, rid, fx.funders[0], today, "1 234,56", &errs), 0);
    const int64_t paid = 250000 + 123456;
    mg_subsidy_part p = part_of(db, rid, fx.funders[0]);
    assert_int_equal(p.paid_cents, paid);

    /* The third above what is left: refused on "amount", nothing changed. */
    char above[32];
    snprintf(above, sizeof above, "%lld,%02lld", (long long)((granted - paid + 1) / 100),
             (long long)((granted - paid + 1) % 100));
    assert_int_equal(pay(db, by, rid, fx.funders[0], today, above, &errs), MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "amount"));
    char left[64];
    mg_budget_format_cents(granted - paid, left, sizeof left);
    assert_non_null(strstr(mg_subsidy_errors_for(&errs, "amount"), left));
    assert_int_equal(part_of(db, rid, fx.funders[0]).paid_cents, paid);

    /* Bad input: zero, not a number, not a date, before the decision. */
    assert_int_equal(pay(db, by, rid, fx.funders[0], today, "0", &errs), MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "amount"));
    assert_int_equal(pay(db, by, rid, fx.funders[0], today, "beaucoup", &errs), MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "amount"));
    assert_int_equal(pay(db, by, rid, fx.funders[0], "31/02/2026", "10", &errs), MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "paid_on"));
    assert_int_equal(pay(db, by, rid, fx.funders[0], "2001-01-01", "10", &errs), MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "paid_on"));
    assert_int_equal(part_of(db, rid, fx.funders[0]).paid_cents, paid);

    /* The list: two, numbered in date order, summing to the part's paid. */
    mg_subsidy_payment *list = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_payments(db, rid, 0, &list, &n, &d), 0);
    assert_int_equal(n, 2);
    int64_t sum = 0;
    for (size_t k = 0; k < n; k++) {
        sum += list[k].amount_cents;
        assert_int_equal(list[k].instalment, (int)k + 1);
        assert_int_equal(list[k].funder_id, fx.funders[0]);
    }
    assert_int_equal(sum, paid);
    free(list);

    /* The action's fed line: committed the grant, paid the payments. */
    mg_budget_line *l = NULL;
    assert_int_equal(mg_budget_lines(db, 0, action, false, &l, &n, &d), 0);
    size_t fed = 0;
    for (size_t k = 0; k < n; k++)
        if (l[k].fed && l[k].subsidy_request_id == rid && l[k].funder_id == fx.funders[0]) {
            fed++;
            assert_int_equal(l[k].a.committed, granted);
            assert_int_equal(l[k].a.paid, paid);
            assert_int_equal(l[k].year, 2027); /* the project's start year */
        }
    assert_int_equal(fed, 1);
    free(l);

    /* The indicators: the last value the sums as of today, in euros. */
    const mg_indicator_provider *pg = mg_indicator_provider_find("subsidy.granted");
    const mg_indicator_provider *pp = mg_indicator_provider_find("subsidy.paid");
    assert_non_null(pg);
    assert_non_null(pp);
    mg_indicator_point *pts = NULL;
    assert_int_equal(pp->values(db, action, &pts, &n, &d), 0);
    assert_true(n >= 1);
    assert_true(pts[n - 1].value == (double)paid / 100.0);
    assert_string_equal(pts[n - 1].on, today);
    free(pts);
    assert_int_equal(pg->values(db, action, &pts, &n, &d), 0);
    assert_true(n >= 1);
    assert_true(pts[n - 1].value == (double)granted / 100.0);
    free(pts);

    /* A payment on a refused part. */
    int64_t by2 = instructor(db, fx.funders[1], "b");
    mg_subsidy_errors e2 = {0};
    assert_int_equal(mg_subsidy_decide(db, by2, rid, fx.funders[1], MG_DECISION_REFUSE, "",
                                       "Hors de nos priorités (exemple)", &e2, &d),
                     0);
    assert_int_equal(pay(db, by2, rid, fx.funders[1], today, "10", &errs), MG_EINVAL);
    assert_true(mg_subsidy_errors_for(&errs, "amount") || mg_subsidy_errors_for(&errs, "paid_on"));
    assert_int_equal(mg_subsidy_payments(db, rid, fx.funders[1], &list, &n, &d), 0);
    assert_int_equal(n, 0);
    free(list);

    /* The agreement's day. */
    assert_int_equal(mg_subsidy_agreement_mark(db, by, rid, fx.funders[0], today, &d), 0);
    assert_string_equal(part_of(db, rid, fx.funders[0]).agreement_on, today);
    assert_int_equal(mg_subsidy_agreement_mark(db, by2, rid, fx.funders[1], today, &d),
                     MG_EINVAL);
    mg_db_close(db);
}

/* Two payments at once, each 60 % of the grant: exactly one stands. */
struct pay_thread {
    mg_db *db;
    int64_t by, rid, funder;
    const char *on;
    pthread_barrier_t *go;
    int rc;
};

static void *pay_thread_main(void *arg)
{
    struct pay_thread *t = arg;
    mg_subsidy_errors errs = {0};
    pthread_barrier_wait(t->go);
    t->rc = pay(t->db, t->by, t->rid, t->funder, t->on, "600", &errs);
    return NULL;
}

static void test_concurrent_payments(void **state)
{
    mg_db *db = open_db(state);
    funding_fx fx;
    fx_setup(db, 1, &fx);
    int64_t by = instructor(db, fx.funders[0], "c");
    int64_t asked[] = {100000};
    int64_t rid = routed_request(db, &fx, asked, 1, 0, NULL, NULL);
    grant(db, by, rid, fx.funders[0], "1 000");
    char today[11];
    mg_contract_today(today);
    for (int round = 0; round < 3; round++) {
        if (round > 0) {
            /* A fresh part each round: another request granted 1 000 €. */
            rid = routed_request(db, &fx, asked, 1, 0, NULL, NULL);
            grant(db, by, rid, fx.funders[0], "1 000");
        }
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        struct pay_thread t[2];
        pthread_t th[2];
        for (int k = 0; k < 2; k++) {
            t[k] = (struct pay_thread){db, by, rid, fx.funders[0], today, &go, 1};
            assert_int_equal(pthread_create(&th[k], NULL, pay_thread_main, &t[k]), 0);
        }
        for (int k = 0; k < 2; k++)
            pthread_join(th[k], NULL);
        pthread_barrier_destroy(&go);
        int ok = (t[0].rc == 0) + (t[1].rc == 0);
        assert_int_equal(ok, 1);
        assert_true(t[0].rc == MG_EINVAL || t[1].rc == MG_EINVAL);
        assert_int_equal(part_of(db, rid, fx.funders[0]).paid_cents, 60000);
    }
    mg_db_close(db);
}

/* --- The final report ------------------------------------------------------------------------- */

static void test_report(void **state)
{
    mg_db *db = open_db(state);
    funding_fx fx;
    fx_setup(db, 3, &fx);
    int64_t by = instructor(db, fx.funders[0], "r");
    int64_t asked[] = {500000, 300000};
    int64_t rid = routed_request(db, &fx, asked, 2, 0, "2025-01-01", "2025-08-31");
    mg_subsidy_report r;
    mg_diag d = {{0}};
    /* No part granted: no report. */
    assert_int_equal(mg_subsidy_report_get(db, rid, &r, &d), MG_ENOTFOUND);
    grant(db, by, rid, fx.funders[0], "5 000");
    assert_int_equal(mg_subsidy_report_get(db, rid, &r, &d), 0);
    assert_string_equal(r.due_on, "2026-02-28"); /* 2025-08-31 + 6 months, the month's end */
    assert_string_equal(r.filed_at, "");
    assert_int_equal(r.nlines, 0);
    mg_subsidy_report_clear(&r);

    /* The budget's total (fx_form_fill): asked + 3 000 € on each side. */
    const int64_t planned = 500000 + 300000 + 300000;
    /* Actual expenses 20 % under the budget. */
    int64_t actual = planned * 8 / 10;
    char a60[32], a64[32], a86[32], r74[32], r75[32], r87[32];
    fx_cents_text(200000, a60);
    fx_cents_text(actual - 300000, a64);
    fx_cents_text(100000, a86);
    fx_cents_text(500000, r74);
    fx_cents_text(actual - 600000, r75);
    fx_cents_text(100000, r87);
    mg_subsidy_line_input lines[] = {
        {"60", "Achats de petit matériel", a60, ""},
        {"64", "Salaires de la coordinatrice", a64, ""},
        {"", "", "", ""}, /* an empty row is skipped */
        {"86", "Bénévolat", a86, ""},
        {"74", "Subvention reçue", r74, ""},
        {"75", "Fonds propres", r75, ""},
        {"87", "Bénévolat", r87, ""},
    };
    size_t nl = sizeof lines / sizeof lines[0];
    mg_subsidy_errors errs = {0};
    /* A bad row: each field named. */
    mg_subsidy_line_input bad[] = {{"99", "x", "10", ""}, {"60", "y", "dix", ""}};
    assert_int_equal(mg_subsidy_report_save(db, by, rid, bad, 2, "", false, &errs, &d),
                     MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "line_1_account"));
    assert_non_null(mg_subsidy_errors_for(&errs, "line_2_amount"));
    /* Saved: the gap does not matter yet. */
    assert_int_equal(mg_subsidy_report_save(db, by, rid, lines, nl, "", false, &errs, &d), 0);
    assert_int_equal(mg_subsidy_report_get(db, rid, &r, &d), 0);
    assert_int_equal(r.nlines, nl - 1);
    assert_int_equal(r.total_expenses_cents, actual);
    assert_int_equal(r.total_resources_cents, actual);
    assert_string_equal(r.filed_at, "");
    mg_subsidy_report_clear(&r);
    /* Filed with a 20 % gap and no comments: refused on "comments". */
    assert_int_equal(mg_subsidy_report_save(db, by, rid, lines, nl, "  ", true, &errs, &d),
                     MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "comments"));
    assert_int_equal(mg_subsidy_report_get(db, rid, &r, &d), 0);
    assert_string_equal(r.filed_at, "");
    mg_subsidy_report_clear(&r);
    /* With comments: filed, the co-funder told. */
    size_t told = mails_with(db, "Compte rendu financier déposé");
    assert_int_equal(mg_subsidy_report_save(db, by, rid, lines, nl,
                                            "Une école s'est retirée du projet (exemple).", true,
                                            &errs, &d),
                     0);
    assert_int_equal(mg_subsidy_report_get(db, rid, &r, &d), 0);
    assert_string_not_equal(r.filed_at, "");
    assert_int_equal(r.filed_by, by);
    mg_subsidy_report_clear(&r);
    assert_true(mails_with(db, "Compte rendu financier déposé") >= told + 1);
    /* Filed once: a second filing refused. */
    assert_int_equal(mg_subsidy_report_save(db, by, rid, lines, nl, "encore", true, &errs, &d),
                     MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "report"));

    /* Within 10 %: no comments needed. */
    int64_t rid2 = routed_request(db, &fx, asked, 2, 0, "2025-01-01", "2025-08-31");
    grant(db, by, rid2, fx.funders[0], "5 000");
    int64_t near = planned * 95 / 100;
    char n64[32], n75[32];
    fx_cents_text(near - 300000, n64);
    fx_cents_text(near - 600000, n75);
    lines[1].amount = n64;
    lines[5].amount = n75;
    assert_int_equal(mg_subsidy_report_save(db, by, rid2, lines, nl, "", true, &errs, &d), 0);
    mg_db_close(db);
}

/* The due day of other ends: the month's last day when needed. */
static void test_due_days(void **state)
{
    mg_db *db = open_db(state);
    funding_fx fx;
    fx_setup(db, 1, &fx);
    int64_t by = instructor(db, fx.funders[0], "d");
    static const char *const ends[][2] = {
        {"2023-08-31", "2024-02-29"}, /* leap year */
        {"2025-12-31", "2026-06-30"},
        {"2025-03-15", "2025-09-15"},
        {"2025-07-15", "2026-01-15"},
    };
    int64_t asked[] = {100000};
    for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
        int64_t rid = routed_request(db, &fx, asked, 1, 0, "2023-01-01", ends[k][0]);
        grant(db, by, rid, fx.funders[0], "1 000");
        mg_subsidy_report r;
        mg_diag d = {{0}};
        assert_int_equal(mg_subsidy_report_get(db, rid, &r, &d), 0);
        assert_string_equal(r.due_on, ends[k][1]);
        mg_subsidy_report_clear(&r);
    }
    mg_db_close(db);
}

/* --- Reminders and the late list ----------------------------------------------------------------- */

/* "YYYY-MM-DD" of day `k` after 2026-01-01 (k < 365), by plain counting. */
static void day_of_2026(int k, char out[11])
{
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int m = 0;
    while (k >= len[m]) {
        k -= len[m];
        m++;
    }
    snprintf(out, 11, "2026-%02d-%02d", m + 1, k + 1);
}

static void test_reminders(void **state)
{
    mg_db *db = open_db(state);
    funding_fx fx;
    fx_setup(db, 3, &fx);
    int64_t by = instructor(db, fx.funders[0], "m");
    int64_t asked[] = {500000, 300000};
    /* Due 2026-02-28; soon from 2026-01-29 (30 days before), late from
     * 2026-03-30 (30 days after). */
    int64_t rid = routed_request(db, &fx, asked, 2, 0, "2025-01-01", "2025-08-31");
    grant(db, by, rid, fx.funders[0], "5 000");
    static const char *const subjects[] = {"Compte rendu financier à déposer bientôt",
                                           "Compte rendu financier attendu",
                                           "Compte rendu financier en retard"};
    static const char *const first_day[] = {"2026-01-29", "2026-02-28", "2026-03-30"};
    size_t before[3];
    for (int s = 0; s < 3; s++)
        before[s] = mails_with(db, subjects[s]);
    size_t total = 0;
    mg_diag d = {{0}};
    for (int k = 0; k < 120; k++) {
        char day[11];
        day_of_2026(k, day);
        for (int twice = 0; twice < 2; twice++) {
            size_t sent = 99;
            assert_int_equal(mg_subsidy_remind(db, day, &sent, &d), 0);
            total += sent;
            if (twice)
                assert_int_equal(sent, 0);
            /* Each kind queued from its first day on, and once. */
            for (int s = 0; s < 3; s++)
                assert_int_equal(mails_with(db, subjects[s]) - before[s],
                                 strcmp(day, first_day[s]) >= 0 ? 1 : 0);
        }
    }
    assert_int_equal(total, 3);

    /* The late list on 2026-03-10: 10 days late, for the co-funder it was
     * routed to and for the lead; not for a co-funder it does not name. */
    mg_subsidy_late *l = NULL;
    size_t n = 0;
    assert_int_equal(mg_subsidy_reports_late(db, fx.funders[0], "2026-03-10", "2026-04-10", &l,
                                             &n, &d),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(l[0].request_id, rid);
    assert_int_equal(l[0].days_late, 10);
    assert_string_equal(l[0].due_on, "2026-02-28");
    free(l);
    assert_int_equal(mg_subsidy_reports_late(db, fx.lead, "2026-02-20", "2026-03-01", &l, &n, &d),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(l[0].days_late, -8);
    free(l);
    assert_int_equal(mg_subsidy_reports_late(db, fx.funders[2], "2026-03-10", "2026-04-10", &l,
                                             &n, &d),
                     0);
    assert_int_equal(n, 0);
    free(l);
    /* Not yet due before `until`. */
    assert_int_equal(mg_subsidy_reports_late(db, fx.funders[0], "2026-01-01", "2026-02-28", &l,
                                             &n, &d),
                     0);
    assert_int_equal(n, 0);
    free(l);
    /* Filed: out of the list, no more reminders. */
    mg_subsidy_errors errs = {0};
    mg_subsidy_line_input line = {"64", "Salaires", "11 000", ""};
    assert_int_equal(mg_subsidy_report_save(db, by, rid, &line, 1, "Produits non reçus (exemple).",
                                            true, &errs, &d),
                     0);
    assert_int_equal(mg_subsidy_reports_late(db, fx.funders[0], "2026-03-10", "2026-04-10", &l,
                                             &n, &d),
                     0);
    assert_int_equal(n, 0);
    free(l);
    size_t sent = 99;
    assert_int_equal(mg_subsidy_remind(db, "2026-12-01", &sent, &d), 0);
    assert_int_equal(sent, 0);
    assert_int_equal(mg_subsidy_remind(db, "2026-13-01", &sent, &d), MG_EINVAL);
    mg_db_close(db);
}

#define BOTH(X)                                                                                  \
    X(test_payments)                                                                             \
    X(test_concurrent_payments)                                                                  \
    X(test_report)                                                                               \
    X(test_due_days)                                                                             \
    X(test_reminders)

int main(void)
{
    const struct CMUnitTest tests[] = {BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
