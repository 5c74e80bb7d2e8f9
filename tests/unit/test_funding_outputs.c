/*
 * Tests of what comes out of the single window (funding/outputs.h) on
 * SQLite and, when MG_TEST_PG_URI is set, on PostgreSQL. Random requests
 * (seeded) of four applicants over five co-funders are filed, routed to
 * some of the co-funders they ask, decided (granted, refused, closed or
 * left to instruct) and paid in zero, one or two instalments, through the
 * module's own functions; the test keeps what it did in plain arrays and
 * sums them with plain loops. Each co-funder's figures (by state, year,
 * action, applicant, all) are compared with those sums; its XLSX is read
 * back with the project's reader (io/xlsx.h) and its rows and totals
 * compared; the open-data CSV is parsed back (quotes and all) and each
 * row compared with the granted part it stands for.
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

#include "contracts/contracts.h"
#include "db_fixture.h"
#include "funding/aftergrant.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "funding/internal.h"
#include "funding/outputs.h"
#include "funding_fixture.h"
#include "io/xlsx.h"
#include "parse/parse.h"

TEST_DB_FIXTURE("funding_outputs")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

enum { NFUNDERS = 5, NAPPLICANTS = 4, NREQ = 28, NACTIONS = 2 };

/* One co-funder's part as the test made it. */
struct part {
    int64_t request, funder, applicant, action;
    int year;
    bool routed, example;
    mg_subsidy_part_state state;
    int64_t asked, granted, paid;
    int npay;
    char first[11], last[11], agreement[11];
    char applicant_siret[15], applicant_rna[11], name[128];
};

struct world {
    funding_fx fx;
    int64_t applicants[NAPPLICANTS];
    char sirets[NAPPLICANTS][15], rnas[NAPPLICANTS][11];
    int64_t actions[NACTIONS];
    char action_titles[NACTIONS][64];
    struct part parts[NREQ * NFUNDERS];
    size_t nparts;
    char funder_names[NFUNDERS][128];
    char funder_sirets[NFUNDERS][15];
    int64_t by; /* the instructor who routes, decides and pays */
};

static int64_t contract_ok(mg_db *db, int64_t lead)
{
    mg_contract_input in = {.kind = "cls", .title = "CLS (exemple)",
                            .territory = "epci:200035707", .starts_on = "2024-01-01",
                            .ends_on = "2029-12-31", .status = "signed"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_contract_create(db, 0, lead, &in, &id, &fe, &d) != 0)
        fail_msg("contract: %s", d.msg);
    return id;
}

static int64_t action_ok(mg_db *db, int64_t contract, const char *title)
{
    mg_contract_action_input in = {.title = title};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_contract_action_create(db, 0, contract, &in, &id, &fe, &d) != 0)
        fail_msg("action: %s", d.msg);
    return id;
}

/* A raw statement run outside the module. */
struct raw_tx {
    const char *sql;
    const mg_db_param *p;
    size_t n;
};

static int raw_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct raw_tx *t = ctx;
    return mg_db_run(c, t->sql, t->p, t->n, NULL, d);
}

static void raw(mg_db *db, const char *sql, const mg_db_param *p, size_t n)
{
    struct raw_tx t = {sql, p, n};
    mg_diag d = {{0}};
    if (mg_db_transaction(db, MG_DB_TX_WRITE, raw_body, &t, &d) != 0)
        fail_msg("%s: %s", sql, d.msg);
}

/* The decision day of a part, read raw (the module writes a timestamp). */
struct day_tx {
    int64_t r, f;
    char out[11];
};

static int day_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct day_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT decided_at FROM subsidy_request_funders "
                                "WHERE request_id = ?1 AND funder_id = ?2",
                                MG_DB_PARAMS(MG_DB_INT(t->r), MG_DB_INT(t->f)), &q, d);
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        mg_db_column_copy(q, 0, t->out, sizeof t->out);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

static void decided_day(mg_db *db, int64_t r, int64_t f, char out[11])
{
    struct day_tx t = {r, f, ""};
    mg_diag d = {{0}};
    if (mg_db_transaction(db, MG_DB_TX_READ, day_body, &t, &d) != 0)
        fail_msg("decided_at: %s", d.msg);
    memcpy(out, t.out, 11);
}

static void cents_text(int64_t c, char out[32])
{
    snprintf(out, 32, "%" PRId64 ",%02d", c / 100, (int)(c % 100));
}

/* Builds the random world through the module's functions. */
static void build(mg_db *db, struct world *w, unsigned seed)
{
    memset(w, 0, sizeof *w);
    srand(seed);
    fx_setup_seed(db, NFUNDERS, 3, &w->fx);
    w->applicants[0] = w->fx.assoc;
    memcpy(w->sirets[0], w->fx.assoc_siret, 15);
    memcpy(w->rnas[0], w->fx.assoc_rna, 11);
    for (int a = 1; a < NAPPLICANTS; a++)
        w->applicants[a] = fx_association(db, 100 + (unsigned)a, w->sirets[a], w->rnas[a]);
    for (int k = 0; k < NFUNDERS; k++)
        snprintf(w->funder_names[k], sizeof w->funder_names[k],
                 "Cofinanceur %d du guichet 3 (exemple)", k + 1);
    int64_t contract = contract_ok(db, w->fx.lead);
    for (int k = 0; k < NACTIONS; k++) {
        snprintf(w->action_titles[k], sizeof w->action_titles[k], "Action %d, « santé » (exemple)",
                 k + 1);
        w->actions[k] = action_ok(db, contract, w->action_titles[k]);
    }
    char today[11];
    mg_subsidy_today(today);
    /* The instructor who routes, decides and pays. */
    int64_t by = 0;
    mg_diag dd = {{0}};
    if (mg_auth_account_add(db, 0, "instruction@guichet.example", "Instruction (exemple)",
                            "mot de passe de test 16", w->fx.lead, MG_ROLE_INSTRUCTOR, &by, NULL,
                            &dd) != 0)
        fail_msg("account: %s", dd.msg);
    w->by = by;
    for (int i = 0; i < NREQ; i++) {
        int a = rand() % NAPPLICANTS;
        funding_fx fx = w->fx;
        fx.assoc = w->applicants[a];
        memcpy(fx.assoc_siret, w->sirets[a], 15);
        memcpy(fx.assoc_rna, w->rnas[a], 11);
        /* A random order of the co-funders; the first nasked are asked. */
        int perm[NFUNDERS];
        for (int k = 0; k < NFUNDERS; k++)
            perm[k] = k;
        for (int k = NFUNDERS - 1; k > 0; k--) {
            int j = rand() % (k + 1), t = perm[k];
            perm[k] = perm[j];
            perm[j] = t;
        }
        for (int k = 0; k < NFUNDERS; k++)
            fx.funders[k] = w->fx.funders[perm[k]];
        size_t nasked = 1 + (size_t)(rand() % 4);
        int64_t asked[NFUNDERS];
        for (size_t k = 0; k < nasked; k++)
            asked[k] = 10000 + rand() % 5000000;
        fx_form f;
        fx_form_fill(&f, &fx, asked, nasked);
        int year = 2025 + rand() % 4;
        char starts[11], ends[11], action[24] = "", name[128];
        snprintf(starts, sizeof starts, "%04u-0%u-01", (unsigned)year % 10000u,
                 1u + (unsigned)rand() % 6u);
        snprintf(ends, sizeof ends, "%04u-12-31", (unsigned)year % 10000u);
        f.in.starts_on = starts;
        f.in.ends_on = ends;
        int ai = rand() % (NACTIONS + 1);
        int64_t action_id = ai < NACTIONS ? w->actions[ai] : 0;
        if (action_id)
            snprintf(action, sizeof action, "%" PRId64, action_id);
        f.in.action = action;
        /* Names that need quoting in a CSV. */
        snprintf(name, sizeof name, "Association \"Santé, ensemble\" n° %d (exemple)", i);
        f.in.name = name;
        int64_t id = fx_draft(db, &fx, &f);
        fx_attach_required(db, id, false);
        fx_file(db, id);
        bool example = false;
        /* Routed: to all (0), to some, or not yet. */
        int route = rand() % 6;
        bool routed[NFUNDERS] = {false};
        mg_subsidy_errors e = {0};
        mg_diag d = {{0}};
        if (route > 0) {
            int64_t to[NFUNDERS];
            size_t nto = 0;
            for (size_t k = 0; k < nasked; k++)
                if (route >= 3 || k == 0) {
                    to[nto++] = fx.funders[k];
                    routed[k] = true;
                }
            if (mg_subsidy_route(db, by, id, to, nto, &e, &d) != 0)
                fail_msg("route: %s", d.msg);
        }
        for (size_t k = 0; k < nasked; k++) {
            struct part *p = &w->parts[w->nparts++];
            p->request = id;
            p->funder = fx.funders[k];
            p->applicant = fx.assoc;
            p->action = action_id;
            p->year = year;
            p->routed = routed[k];
            p->example = example;
            p->asked = asked[k];
            p->state = routed[k] ? MG_PART_RECEIVED : MG_PART_ADDRESSED;
            memcpy(p->applicant_siret, fx.assoc_siret, 15);
            memcpy(p->applicant_rna, fx.assoc_rna, 11);
            snprintf(p->name, sizeof p->name, "%s", name);
            if (!routed[k])
                continue;
            int what = rand() % 5;
            if (what == 0)
                continue; /* left to instruct */
            char amount[32];
            mg_subsidy_decision dec = what <= 2   ? MG_DECISION_GRANT
                                      : what == 3 ? MG_DECISION_REFUSE
                                                  : MG_DECISION_CLOSE;
            int64_t granted = 0;
            if (dec == MG_DECISION_GRANT) {
                granted = rand() % 2 ? p->asked : 1 + rand() % p->asked;
                cents_text(granted, amount);
            }
            if (mg_subsidy_decide(db, by, id, p->funder, dec,
                                  dec == MG_DECISION_GRANT ? amount : "",
                                  dec == MG_DECISION_REFUSE ? "Hors des priorités (exemple)" : "",
                                  &e, &d) != 0)
                fail_msg("decide: %s", d.msg);
            p->state = dec == MG_DECISION_GRANT    ? MG_PART_GRANTED
                       : dec == MG_DECISION_REFUSE ? MG_PART_REFUSED
                                                   : MG_PART_CLOSED;
            if (dec != MG_DECISION_GRANT)
                continue;
            p->granted = granted;
            decided_day(db, id, p->funder, p->agreement);
            if (rand() % 2) {
                snprintf(p->agreement, sizeof p->agreement, "%04u-0%u-1%u",
                         (unsigned)year % 10000u, 1u + (unsigned)rand() % 9u,
                         (unsigned)rand() % 9u);
                if (mg_subsidy_agreement_mark(db, by, id, p->funder, p->agreement, &d) != 0)
                    fail_msg("agreement: %s", d.msg);
            }
            p->npay = rand() % 3;
            int64_t left = granted;
            for (int n = 0; n < p->npay; n++) {
                int64_t amt = n + 1 == p->npay ? left : 1 + rand() % left;
                if (amt <= 0) {
                    p->npay = n;
                    break;
                }
                char on[11];
                if (n == 0)
                    memcpy(on, today, 11);
                else
                    snprintf(on, sizeof on, "2030-0%u-1%u", 1u + (unsigned)rand() % 9u,
                             (unsigned)rand() % 9u);
                cents_text(amt, amount);
                int64_t pid = 0;
                if (mg_subsidy_pay(db, by, id, p->funder, on, amount, "", &pid, &e, &d) != 0)
                    fail_msg("pay %s on %s: %s", amount, on, d.msg);
                left -= amt;
                p->paid += amt;
                if (n == 0)
                    memcpy(p->first, on, 11);
                memcpy(p->last, on, 11);
            }
        }
    }
}

static void same_amounts(const mg_subsidy_amounts *a, int64_t asked, int64_t granted,
                         int64_t paid, int64_t n)
{
    assert_int_equal(a->asked, asked);
    assert_int_equal(a->granted, granted);
    assert_int_equal(a->paid, paid);
    assert_int_equal(a->requests, n);
}

/* The sums of funder f's routed parts matching `pick` with key k. */
enum pick { ALL, STATE, YEAR, ACTION, APPLICANT };

static void expected(const struct world *w, int64_t f, enum pick pick, int64_t key,
                     int64_t out[4])
{
    memset(out, 0, 4 * sizeof *out);
    for (size_t i = 0; i < w->nparts; i++) {
        const struct part *p = &w->parts[i];
        if (p->funder != f || !p->routed)
            continue;
        int64_t k = pick == STATE    ? (int64_t)p->state
                    : pick == YEAR   ? p->year
                    : pick == ACTION ? p->action
                    : pick == APPLICANT ? p->applicant
                                        : 0;
        if (pick != ALL && k != key)
            continue;
        out[0] += p->asked;
        out[1] += p->granted;
        out[2] += p->paid;
        out[3]++;
    }
}

static void check_groups(const struct world *w, int64_t f, enum pick pick,
                         const mg_subsidy_group *g, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t e[4];
        expected(w, f, pick, g[i].key, e);
        same_amounts(&g[i].a, e[0], e[1], e[2], e[3]);
        assert_true(e[3] > 0); /* no empty group */
        total += (size_t)e[3];
        if (pick == ACTION) {
            if (g[i].key == 0)
                assert_string_equal(g[i].label, "Sans action");
            for (int k = 0; k < NACTIONS; k++)
                if (g[i].key == w->actions[k])
                    assert_string_equal(g[i].label, w->action_titles[k]);
        }
        if (pick == STATE)
            assert_string_equal(g[i].label,
                                mg_subsidy_part_state_label((mg_subsidy_part_state)g[i].key));
        if (i > 0 && pick != APPLICANT && pick != ACTION)
            assert_true(g[i - 1].key < g[i].key);
    }
    int64_t all[4];
    expected(w, f, ALL, 0, all);
    assert_int_equal(total, all[3]); /* every routed part in one group */
}

/* Every co-funder's figures against the test's sums; the parts checked. */
static size_t check_figures(mg_db *db, const struct world *w)
{
    size_t checked = 0;
    for (int k = 0; k < NFUNDERS; k++) {
        int64_t f = w->fx.funders[k];
        mg_subsidy_funder_figures fig;
        mg_diag d = {{0}};
        if (mg_subsidy_funder_figures_get(db, f, &fig, &d) != 0)
            fail_msg("figures: %s", d.msg);
        int64_t all[4];
        expected(w, f, ALL, 0, all);
        same_amounts(&fig.all, all[0], all[1], all[2], all[3]);
        checked += (size_t)all[3];
        check_groups(w, f, STATE, fig.by_state, fig.nstate);
        check_groups(w, f, YEAR, fig.by_year, fig.nyear);
        check_groups(w, f, ACTION, fig.by_action, fig.naction);
        check_groups(w, f, APPLICANT, fig.by_applicant, fig.napplicant);
        mg_subsidy_funder_figures_clear(&fig);
    }
    return checked;
}

static void test_figures(void **state)
{
    mg_db *db = open_db(state);
    struct world *w = malloc(sizeof *w);
    assert_non_null(w);
    build(db, w, 16001);
    size_t checked = check_figures(db, w);
    assert_true(checked > 10); /* the draw routed something */
    /* Asked again (the figures kept since nothing changed), the same. */
    assert_int_equal(check_figures(db, w), checked);
    /* A decision changes them at once: a part left to instruct is granted
     * in full. */
    struct part *p = NULL;
    for (size_t i = 0; i < w->nparts && !p; i++)
        if (w->parts[i].state == MG_PART_RECEIVED)
            p = &w->parts[i];
    assert_non_null(p);
    char amount[32];
    cents_text(p->asked, amount);
    mg_subsidy_errors err = {0};
    mg_diag dd = {{0}};
    if (mg_subsidy_decide(db, w->by, p->request, p->funder, MG_DECISION_GRANT, amount, "", &err,
                          &dd) != 0)
        fail_msg("decide: %s", dd.msg);
    p->state = MG_PART_GRANTED;
    p->granted = p->asked;
    assert_int_equal(check_figures(db, w), checked);
    /* The co-funder's pages: the rows of mg_subsidy_list, page by page, for
     * every state and for all. */
    for (int k = 0; k < NFUNDERS; k++) {
        for (int s = -1; s < MG_PART_STATES; s++) {
            const char *st = s < 0 ? "" : mg_subsidy_part_state_key((mg_subsidy_part_state)s);
            for (size_t off = 0; off < 40; off += 7) {
                mg_subsidy_filter f = {.funder_id = w->fx.funders[k], .state = st,
                                       .offset = off, .limit = 7};
                mg_subsidy_row *a = NULL, *b = NULL;
                size_t na = 0, nb = 0, total = 0;
                mg_diag d = {{0}};
                if (mg_subsidy_list(db, &f, &a, &na, &total, &d) != 0 ||
                    mg_subsidy_funder_page(db, w->fx.funders[k], st, off, 7, &b, &nb, &d))
                    fail_msg("page: %s", d.msg);
                assert_int_equal(na, nb);
                for (size_t i = 0; i < na; i++) {
                    assert_int_equal(a[i].id, b[i].id);
                    assert_string_equal(a[i].title, b[i].title);
                    assert_int_equal(a[i].applicant_id, b[i].applicant_id);
                    assert_string_equal(a[i].applicant_name, b[i].applicant_name);
                    assert_int_equal(a[i].state, b[i].state);
                    assert_int_equal(a[i].part_state, b[i].part_state);
                    assert_int_equal(a[i].asked_cents, b[i].asked_cents);
                    assert_int_equal(a[i].granted_cents, b[i].granted_cents);
                    assert_int_equal(a[i].paid_cents, b[i].paid_cents);
                    assert_string_equal(a[i].filed_at, b[i].filed_at);
                    assert_string_equal(a[i].starts_on, b[i].starts_on);
                }
                /* The list's count is the figures' (the page uses them). */
                int64_t e[4];
                expected(w, w->fx.funders[k], s < 0 ? ALL : STATE, s, e);
                assert_int_equal(total, e[3]);
                free(a);
                free(b);
            }
        }
    }
    mg_subsidy_row *none = NULL;
    size_t nn = 0;
    mg_diag dn = {{0}};
    assert_int_equal(mg_subsidy_funder_page(db, w->fx.funders[0], "bogus", 0, 10, &none, &nn,
                                            &dn),
                     MG_EINVAL);
    /* An organisation with nothing routed: zeros, no group. */
    mg_subsidy_funder_figures fig;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_funder_figures_get(db, w->fx.lead, &fig, &d), 0);
    same_amounts(&fig.all, 0, 0, 0, 0);
    assert_int_equal(fig.nstate + fig.nyear + fig.naction + fig.napplicant, 0);
    mg_subsidy_funder_figures_clear(&fig);
    free(w);
    mg_db_close(db);
}

static int64_t cell_cents(const char *s)
{
    double v = 0;
    mg_parse_error why;
    if (mg_parse_c_double(s, strlen(s), &v, &why) != 0)
        fail_msg("not a number: \"%s\"", s);
    return (int64_t)llround(v * 100.0);
}

static int64_t cell_int(const char *s)
{
    int64_t v = 0;
    mg_parse_error why;
    if (mg_parse_c_int(s, strlen(s), 0, INT64_MAX, &v, &why) != 0)
        fail_msg("not an integer: \"%s\"", s);
    return v;
}

static void test_xlsx(void **state)
{
    struct fixture *fxr = *state;
    mg_db *db = open_db(state);
    struct world *w = malloc(sizeof *w);
    assert_non_null(w);
    build(db, w, 16002);
    for (int k = 0; k < NFUNDERS; k++) {
        int64_t f = w->fx.funders[k];
        char path[400];
        snprintf(path, sizeof path, "%s/funder-%d.xlsx", fxr->dir, k);
        mg_diag d = {{0}};
        if (mg_subsidy_funder_xlsx(db, f, path, &d) != 0)
            fail_msg("xlsx: %s", d.msg);
        mg_xlsx *x = NULL;
        if (mg_xlsx_open(&x, path, &d) != 0)
            fail_msg("read back: %s", d.msg);
        assert_int_equal(mg_xlsx_sheet_count(x), 2);
        assert_string_equal(mg_xlsx_sheet_name(x, 0), "Demandes");
        assert_string_equal(mg_xlsx_sheet_name(x, 1), "Synthèse");
        assert_int_equal(mg_xlsx_select(x, 0, &d), 0);
        assert_int_equal(mg_xlsx_next(x, &d), 1);
        assert_string_equal(mg_xlsx_cell(x, 0), "N° de demande");
        assert_string_equal(mg_xlsx_cell(x, 6), "Demandé (€)");
        int64_t sums[3] = {0}, rows = 0, prev = 0;
        int rc;
        while ((rc = mg_xlsx_next(x, &d)) == 1) {
            int64_t id = cell_int(mg_xlsx_cell(x, 0));
            assert_true(id > prev);
            prev = id;
            const struct part *p = NULL;
            for (size_t i = 0; i < w->nparts; i++)
                if (w->parts[i].request == id && w->parts[i].funder == f)
                    p = &w->parts[i];
            assert_non_null(p);
            assert_true(p->routed);
            assert_string_equal(mg_xlsx_cell(x, 2), p->applicant_siret);
            assert_string_equal(mg_xlsx_cell(x, 3), p->applicant_rna);
            assert_string_equal(mg_xlsx_cell(x, 5), mg_subsidy_part_state_label(p->state));
            assert_int_equal(cell_cents(mg_xlsx_cell(x, 6)), p->asked);
            assert_int_equal(cell_cents(mg_xlsx_cell(x, 7)), p->granted);
            assert_int_equal(cell_cents(mg_xlsx_cell(x, 8)), p->paid);
            assert_int_equal(strlen(mg_xlsx_cell(x, 9)), 10);
            assert_int_equal(strlen(mg_xlsx_cell(x, 10)),
                             mg_subsidy_part_decided(p->state) ? 10 : 0);
            if (p->action)
                assert_true(strncmp(mg_xlsx_cell(x, 11), "Action ", 7) == 0);
            else
                assert_string_equal(mg_xlsx_cell(x, 11), "");
            sums[0] += cell_cents(mg_xlsx_cell(x, 6));
            sums[1] += cell_cents(mg_xlsx_cell(x, 7));
            sums[2] += cell_cents(mg_xlsx_cell(x, 8));
            rows++;
        }
        assert_int_equal(rc, 0);
        int64_t all[4];
        expected(w, f, ALL, 0, all);
        assert_int_equal(rows, all[3]);
        assert_int_equal(sums[0], all[0]);
        assert_int_equal(sums[1], all[1]);
        assert_int_equal(sums[2], all[2]);
        /* The summary's first row: the totals. */
        assert_int_equal(mg_xlsx_select(x, 1, &d), 0);
        assert_int_equal(mg_xlsx_next(x, &d), 1);
        assert_int_equal(cell_int(mg_xlsx_cell(x, 1)), all[3]);
        assert_int_equal(cell_cents(mg_xlsx_cell(x, 2)), all[0]);
        assert_int_equal(cell_cents(mg_xlsx_cell(x, 3)), all[1]);
        assert_int_equal(cell_cents(mg_xlsx_cell(x, 4)), all[2]);
        mg_xlsx_close(x);
    }
    free(w);
    mg_db_close(db);
}

/* --- A CSV reader (RFC 4180), written for this test -------------------------------------- */

enum { CSV_COLS = 16, CSV_FIELD = 1024 };

/* Reads one record at *s into f; returns its number of fields (0 at the end). */
static int csv_record(const char **s, char f[][CSV_FIELD], int max)
{
    const char *p = *s;
    if (!*p)
        return 0;
    int n = 0;
    for (;;) {
        size_t o = 0;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p)
                    fail_msg("unterminated quoted field");
                if (*p == '"' && p[1] == '"') {
                    f[n][o++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    f[n][o++] = *p++;
                }
                assert_true(o < CSV_FIELD);
            }
        } else {
            while (*p && *p != ',' && *p != '\r' && *p != '\n') {
                assert_true(*p != '"'); /* a quote only in a quoted field */
                f[n][o++] = *p++;
                assert_true(o < CSV_FIELD);
            }
        }
        f[n][o] = 0;
        n++;
        assert_true(n <= max);
        if (*p == ',') {
            p++;
            continue;
        }
        /* The end of the record: CRLF. */
        assert_true(p[0] == '\r' && p[1] == '\n');
        p += 2;
        break;
    }
    *s = p;
    return n;
}

static const char *const scdl[CSV_COLS] = {
    "nomAttribuant",   "idAttribuant",   "dateConvention",        "referenceDecision",
    "nomBeneficiaire", "idBeneficiaire", "rnaBeneficiaire",       "objet",
    "montant",         "nature",         "conditionsVersement",   "datesPeriodeVersement",
    "idRAE",           "notificationUE", "pourcentageSubvention", "dispositifAide",
};

static void check_open_data(mg_db *db, const struct world *w, bool examples)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    mg_diag d = {{0}};
    if (mg_subsidy_open_data(db, out, examples, &d) != 0)
        fail_msg("open data: %s", d.msg);
    fclose(out);
    const char *s = buf;
    static char f[CSV_COLS][CSV_FIELD];
    assert_int_equal(csv_record(&s, f, CSV_COLS), CSV_COLS);
    for (int k = 0; k < CSV_COLS; k++)
        assert_string_equal(f[k], scdl[k]);
    bool seen[NREQ * NFUNDERS] = {false};
    size_t rows = 0;
    int n;
    while ((n = csv_record(&s, f, CSV_COLS)) > 0) {
        assert_int_equal(n, CSV_COLS);
        long long r = 0, fu = 0;
        /* referenceDecision: guichet-<request>-<funder> */
        assert_true(strncmp(f[3], "guichet-", 8) == 0);
        const char *dash = strchr(f[3] + 8, '-');
        assert_non_null(dash);
        char a[32], b[32];
        snprintf(a, sizeof a, "%.*s", (int)(dash - (f[3] + 8)), f[3] + 8);
        snprintf(b, sizeof b, "%s", dash + 1);
        r = cell_int(a);
        fu = cell_int(b);
        size_t i = 0;
        while (i < w->nparts && !(w->parts[i].request == r && w->parts[i].funder == fu))
            i++;
        assert_true(i < w->nparts);
        const struct part *p = &w->parts[i];
        assert_false(seen[i]);
        seen[i] = true;
        assert_int_equal(p->state, MG_PART_GRANTED);
        int k = 0;
        while (k < NFUNDERS && w->fx.funders[k] != fu)
            k++;
        assert_true(k < NFUNDERS);
        assert_string_equal(f[0], w->funder_names[k]);
        assert_string_equal(f[1], w->funder_sirets[k]); /* "" when it has none */
        assert_string_equal(f[2], p->agreement);
        assert_string_equal(f[4], p->name);
        assert_string_equal(f[5], p->applicant_siret);
        assert_string_equal(f[6], p->applicant_rna);
        assert_string_equal(f[7], "Prévention bucco-dentaire dans les écoles (exemple)");
        char montant[32];
        snprintf(montant, sizeof montant, "%" PRId64 ".%02d", p->granted / 100,
                 (int)(p->granted % 100));
        assert_string_equal(f[8], montant);
        assert_string_equal(f[9], "aide en numéraire");
        assert_string_equal(f[10], p->npay > 1 ? "échelonné" : "unique");
        char period[24];
        if (p->npay == 1)
            snprintf(period, sizeof period, "%s", p->first);
        else if (p->npay > 1)
            snprintf(period, sizeof period, "%s/%s", p->first, p->last);
        else
            snprintf(period, sizeof period, "%d-", p->year); /* the project's period */
        if (p->npay)
            assert_string_equal(f[11], period);
        else
            assert_true(strncmp(f[11], period, 5) == 0 && strlen(f[11]) == 21);
        assert_string_equal(f[13], "non");
        assert_string_equal(f[14], "1.00");
        rows++;
    }
    assert_true(*s == 0);
    size_t expected_rows = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        bool in = w->parts[i].state == MG_PART_GRANTED && (examples || !w->parts[i].example);
        expected_rows += in;
        assert_int_equal(seen[i], in);
    }
    assert_int_equal(rows, expected_rows);
    assert_true(rows > 3);
    free(buf);
}

static void test_open_data(void **state)
{
    mg_db *db = open_db(state);
    struct world *w = malloc(sizeof *w);
    assert_non_null(w);
    build(db, w, 16003);
    /* The request of the first granted part becomes an example: left out
     * unless asked. */
    int64_t example = 0;
    for (size_t i = 0; i < w->nparts && !example; i++)
        if (w->parts[i].state == MG_PART_GRANTED)
            example = w->parts[i].request;
    assert_true(example > 0);
    raw(db, "UPDATE subsidy_requests SET is_example = 1 WHERE id = ?1",
        MG_DB_PARAMS(MG_DB_INT(example)));
    for (size_t i = 0; i < w->nparts; i++)
        w->parts[i].example = w->parts[i].request == example;
    /* The first co-funder has a SIRET: it is the attributing body's id. */
    fx_siret(999, w->funder_sirets[0]);
    raw(db, "UPDATE organisations SET siret = ?2 WHERE id = ?1",
        MG_DB_PARAMS(MG_DB_INT(w->fx.funders[0]), MG_DB_TEXT(w->funder_sirets[0])));
    check_open_data(db, w, false);
    check_open_data(db, w, true);
    free(w);
    mg_db_close(db);
}

#define TESTS(X) X(test_figures) X(test_xlsx) X(test_open_data)

int main(void)
{
    const struct CMUnitTest tests[] = {TESTS(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {TESTS(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
