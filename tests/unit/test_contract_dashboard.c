/*
 * Tests of the contract's dashboard (mg_contract_dashboard_read,
 * contracts/budget.h) on SQLite and, when MG_TEST_PG_URI is set, on
 * PostgreSQL: on random contracts (axes and sub-axes whose positions and
 * ids disagree, actions in and out of axes with pilots and partners,
 * signatories, budget lines of funders whose names sort differently in
 * byte and language order, lines updated, deleted and replaced under
 * amendments, amendments with changes, documents), everything the
 * dashboard reads in its one transaction must be what the public reads
 * give one transaction each (mg_contract_get, mg_contract_viewers,
 * mg_contract_actions, mg_contract_axes, mg_contract_signatories,
 * mg_budget_totals by funder, year and axis, mg_contract_amendments,
 * mg_contract_amendment_changes, mg_contract_documents) — whose sums are
 * themselves checked against the test's own in test_contract_budget — and
 * the totals add up to the lines the test wrote; an unknown contract is
 * MG_ENOTFOUND. And mg_contract_signed_by against the signatories read one
 * contract at a time.
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

#include "auth/auth.h"
#include "contracts/budget.h"
#include "parse/parse.h"
#include "contracts/contracts.h"
#include "db_fixture.h"

TEST_DB_FIXTURE("contract_dashboard")

enum { NFUNDERS = 5, NCONTRACTS = 3 };

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

static uint64_t next(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static int64_t org_ok(mg_db *db, const char *name)
{
    mg_auth_org_input in = {.name = name, .kind = "departement"};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_auth_org_add(db, 0, &in, true, false, &id, &fe, &d) != 0)
        fail_msg("organisation %s: %s", name, d.msg);
    return id;
}

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

static int64_t raw_ok(mg_db *db, const char *sql, const mg_db_param *p, size_t n)
{
    struct raw_tx t = {sql, p, n, 0};
    mg_diag d = {{0}};
    if (mg_db_transaction(db, MG_DB_TX_WRITE, raw_body, &t, &d) != 0)
        fail_msg("%s: %s", sql, d.msg);
    return t.out;
}

static int64_t axis_raw(mg_db *db, int64_t contract, int64_t parent, int position,
                        const char *title)
{
    if (parent)
        return raw_ok(db,
                      "INSERT INTO contract_axes (contract_id, level, parent_id, parent_level, "
                      "position, title, created_at, updated_at) VALUES (?1, 2, ?2, 1, ?3, ?4, "
                      "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id",
                      MG_DB_PARAMS(MG_DB_INT(contract), MG_DB_INT(parent), MG_DB_INT(position),
                                   MG_DB_TEXT(title)));
    return raw_ok(db,
                  "INSERT INTO contract_axes (contract_id, level, position, title, created_at, "
                  "updated_at) VALUES (?1, 1, ?2, ?3, '2026-01-01T00:00:00Z', "
                  "'2026-01-01T00:00:00Z') RETURNING id",
                  MG_DB_PARAMS(MG_DB_INT(contract), MG_DB_INT(position), MG_DB_TEXT(title)));
}

/* What the test wrote of the current lines: their sums, per contract. */
typedef struct plan {
    int64_t lead, funders[NFUNDERS];
    int64_t contracts[NCONTRACTS + 1]; /* the last one empty */
    mg_budget_amounts sum[NCONTRACTS + 1];
    size_t lines, replaced, deleted, amendments, documents;
} plan;

static void line_in(uint64_t *s, const plan *p, char bufs[4][32], mg_budget_line_input *in)
{
    int64_t planned = (int64_t)(next(s) % 100000000);
    int64_t committed = planned ? (int64_t)(next(s) % (uint64_t)planned) : 0;
    int64_t paid = committed ? (int64_t)(next(s) % (uint64_t)committed) : 0;
    snprintf(bufs[0], 32, "%d", 2024 + (int)(next(s) % 4));
    snprintf(bufs[1], 32, "%" PRId64 ",%02d", planned / 100, (int)(planned % 100));
    snprintf(bufs[2], 32, "%" PRId64 ",%02d", committed / 100, (int)(committed % 100));
    snprintf(bufs[3], 32, "%" PRId64 ",%02d", paid / 100, (int)(paid % 100));
    *in = (mg_budget_line_input){p->funders[next(s) % NFUNDERS], bufs[0],
                                 next(s) % 2 ? "investment" : "operation", bufs[1], bufs[2],
                                 bufs[3]};
}

static void add(mg_budget_amounts *sum, const mg_budget_line *l, int sign)
{
    sum->planned += sign * l->a.planned;
    sum->committed += sign * l->a.committed;
    sum->paid += sign * l->a.paid;
}

static void build(mg_db *db, uint64_t seed, plan *p)
{
    memset(p, 0, sizeof *p);
    p->lead = org_ok(db, "Département (exemple)");
    /* Upper and lower case, accents: byte order and a language's differ. */
    static const char *const names[NFUNDERS] = {"agence (exemple)", "Zèbre (exemple)",
                                                "État (exemple)", "ARS (exemple)",
                                                "Éa (exemple)"};
    for (int i = 0; i < NFUNDERS; i++)
        p->funders[i] = org_ok(db, names[i]);
    mg_diag d = {{0}};
    mg_contract_field_error fe = {0};
    for (int c = 0; c <= NCONTRACTS; c++) {
        char title[64];
        snprintf(title, sizeof title, "Contrat %d (exemple)", c + 1);
        mg_contract_input ci = {.kind = "cls", .title = title, .starts_on = "2024-01-01",
                                .ends_on = "2028-12-31", .status = "signed"};
        int64_t k = 0;
        if (mg_contract_create(db, 0, p->lead, &ci, &k, &fe, &d))
            fail_msg("contract: %s", d.msg);
        p->contracts[c] = k;
        if (c == NCONTRACTS)
            break; /* the empty one */
        int64_t ax1 = axis_raw(db, k, 0, 1, "Accès aux soins");
        int64_t ax0 = axis_raw(db, k, 0, 0, "Prévention");
        int64_t axes[] = {0, ax0, ax1, axis_raw(db, k, ax1, 1, "Télésanté"),
                          axis_raw(db, k, ax1, 0, "Aller-vers"), axis_raw(db, k, ax0, 0, "Écoles")};
        for (int s = 0; s < 2; s++)
            if (mg_contract_signatory_add(db, 0, k, p->funders[(c + s) % NFUNDERS], &fe, &d))
                fail_msg("signatory: %s", d.msg);
        int64_t am[2] = {0};
        for (int m = 0; m < 2; m++) {
            char t[32];
            snprintf(t, sizeof t, "Avenant %d (exemple)", m + 1);
            if (mg_contract_amendment_create(db, 0, k, t, "2025-01-01", "2025-02-01", "", &am[m],
                                             &fe, &d))
                fail_msg("amendment: %s", d.msg);
            p->amendments++;
        }
        int nact = 4 + (int)(next(&seed) % 5);
        for (int a = 0; a < nact; a++) {
            snprintf(title, sizeof title, "Action %d.%d (exemple)", c + 1, (int)(next(&seed) % 9));
            mg_contract_action_input in = {.title = title};
            int64_t act = 0;
            if (mg_contract_action_create(db, 0, k, &in, &act, &fe, &d))
                fail_msg("action: %s", d.msg);
            int64_t axis = axes[next(&seed) % 6];
            if (axis)
                raw_ok(db, "UPDATE contract_actions SET axis_id = ?1 WHERE id = ?2",
                       MG_DB_PARAMS(MG_DB_INT(axis), MG_DB_INT(act)));
            if (next(&seed) % 2 &&
                mg_contract_participant_add(db, 0, act, p->funders[next(&seed) % (NFUNDERS - 1)],
                                            MG_PARTICIPANT_PILOT, &fe, &d))
                fail_msg("pilot: %s", d.msg);
            if (next(&seed) % 2 &&
                mg_contract_participant_add(db, 0, act, p->funders[4], MG_PARTICIPANT_PARTNER,
                                            &fe, &d))
                fail_msg("partner: %s", d.msg);
            int nl = (int)(next(&seed) % 7);
            for (int l = 0; l < nl; l++) {
                char bufs[4][32];
                mg_budget_line_input li;
                line_in(&seed, p, bufs, &li);
                int64_t id = 0;
                if (mg_budget_line_create(db, 0, act, &li, &id, &fe, &d))
                    fail_msg("line: %s", d.msg);
                mg_budget_line got;
                if (mg_budget_line_get(db, id, &got, &d))
                    fail_msg("line get: %s", d.msg);
                int what = (int)(next(&seed) % 5);
                if (what == 0) {
                    if (mg_budget_line_delete(db, 0, id, &fe, &d))
                        fail_msg("delete: %s", d.msg);
                    p->deleted++;
                    continue;
                }
                if (what == 1) {
                    line_in(&seed, p, bufs, &li);
                    int64_t nid = 0;
                    if (mg_budget_line_amend(db, 0, am[next(&seed) % 2], id, &li, &nid, &fe, &d))
                        fail_msg("amend: %s", d.msg);
                    if (mg_budget_line_get(db, nid, &got, &d))
                        fail_msg("line get: %s", d.msg);
                    p->replaced++;
                }
                add(&p->sum[c], &got, 1);
                p->lines++;
            }
        }
        static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                            0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1,
                                            0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4,
                                            0x89, 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae,
                                            0x42, 0x60, 0x82};
        for (int x = 0; x < c; x++) {
            snprintf(title, sizeof title, "Pièce %d (exemple)", x + 1);
            int64_t doc = 0;
            if (mg_contract_document_add(db, 0, k, 0, title, "piece.png", png, sizeof png, &doc,
                                         &fe, &d))
                fail_msg("document: %s", d.msg);
            p->documents++;
        }
    }
}

static void same_amounts(const mg_budget_amounts *a, const mg_budget_amounts *b)
{
    assert_int_equal(a->planned, b->planned);
    assert_int_equal(a->committed, b->committed);
    assert_int_equal(a->paid, b->paid);
}

/* The dashboard of contract k against the reads one by one. */
static void check(mg_db *db, int64_t k, const mg_budget_amounts *sum, size_t *lines_named)
{
    mg_diag d = {{0}};
    mg_contract_dashboard *x = calloc(1, sizeof *x);
    assert_non_null(x);
    int rc = mg_contract_dashboard_read(db, k, x, &d);
    if (rc)
        fail_msg("dashboard %" PRId64 ": %s", k, d.msg);

    mg_contract c;
    assert_int_equal(mg_contract_get(db, k, &c, &d), 0);
    assert_int_equal(x->contract.id, c.id);
    assert_int_equal(x->contract.organisation_id, c.organisation_id);
    assert_string_equal(x->contract.title, c.title);
    assert_string_equal(x->contract.lead_name, c.lead_name);
    assert_string_equal(x->contract.starts_on, c.starts_on);
    assert_int_equal(x->contract.status, c.status);

    int64_t viewers[MG_CONTRACT_DASHBOARD_VIEWERS_MAX];
    size_t nv = 0;
    assert_int_equal(mg_contract_viewers(db, k, viewers, MG_CONTRACT_DASHBOARD_VIEWERS_MAX, &nv,
                                         &d),
                     0);
    assert_int_equal(x->nviewers, nv);
    assert_true(nv > 0 || x->nsignatories == 0);
    assert_memory_equal(x->viewers, viewers, nv * sizeof *viewers);

    mg_contract_action *acts = NULL;
    size_t na = 0;
    assert_int_equal(mg_contract_actions(db, k, &acts, &na, &d), 0);
    assert_int_equal(x->nactions, na);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(x->actions[i].id, acts[i].id);
        assert_string_equal(x->actions[i].title, acts[i].title);
        assert_int_equal(x->actions[i].pilot_id, acts[i].pilot_id);
        assert_string_equal(x->actions[i].pilot_name, acts[i].pilot_name);
        assert_int_equal(x->actions[i].partners, acts[i].partners);
        assert_int_equal(x->actions[i].axis_id, acts[i].axis_id);
        assert_int_equal(x->actions[i].late, acts[i].late);
    }
    mg_contract_actions_free(acts, na);

    mg_contract_axis *axes = NULL;
    size_t nx = 0;
    assert_int_equal(mg_contract_axes(db, k, &axes, &nx, &d), 0);
    assert_int_equal(x->naxes, nx);
    for (size_t i = 0; i < nx; i++) {
        assert_int_equal(x->axes[i].id, axes[i].id);
        assert_string_equal(x->axes[i].number, axes[i].number);
        assert_string_equal(x->axes[i].title, axes[i].title);
    }
    free(axes);

    mg_contract_participant *sig = NULL;
    size_t ns = 0;
    assert_int_equal(mg_contract_signatories(db, k, &sig, &ns, &d), 0);
    assert_int_equal(x->nsignatories, ns);
    for (size_t i = 0; i < ns; i++) {
        assert_int_equal(x->signatories[i].organisation_id, sig[i].organisation_id);
        assert_string_equal(x->signatories[i].name, sig[i].name);
    }
    free(sig);

    static const mg_budget_group groups[3] = {MG_BUDGET_BY_FUNDER, MG_BUDGET_BY_YEAR,
                                              MG_BUDGET_BY_AXIS};
    for (size_t g = 0; g < 3; g++) {
        mg_budget_total *t = NULL;
        size_t nt = 0;
        mg_budget_amounts all = {0}, added = {0};
        assert_int_equal(mg_budget_totals(db, k, groups[g], &t, &nt, &all, &d), 0);
        assert_int_equal(x->ntotals[g], nt);
        if (nt == 0)
            assert_null(x->totals[g]);
        for (size_t i = 0; i < nt; i++) {
            assert_int_equal(x->totals[g][i].key, t[i].key);
            assert_string_equal(x->totals[g][i].label, t[i].label);
            same_amounts(&x->totals[g][i].a, &t[i].a);
            added.planned += t[i].a.planned;
            added.committed += t[i].a.committed;
            added.paid += t[i].a.paid;
        }
        same_amounts(&x->total, &all);
        same_amounts(&added, sum);
        free(t);
    }
    same_amounts(&x->total, sum);

    mg_contract_amendment *am = NULL;
    size_t nam = 0;
    assert_int_equal(mg_contract_amendments(db, k, &am, &nam, &d), 0);
    assert_int_equal(x->namendments, nam);
    for (size_t i = 0; i < nam; i++) {
        assert_int_equal(x->amendments[i].id, am[i].id);
        assert_string_equal(x->amendments[i].title, am[i].title);
    }
    mg_contract_amendments_free(am, nam);

    mg_contract_amendment_change *ch = NULL;
    size_t nch = 0;
    assert_int_equal(mg_contract_amendment_changes(db, k, &ch, &nch, &d), 0);
    assert_int_equal(x->nchanges, nch);
    for (size_t i = 0; i < nch; i++) {
        assert_int_equal(x->changes[i].amendment_id, ch[i].amendment_id);
        assert_int_equal(x->changes[i].object_id, ch[i].object_id);
        assert_string_equal(x->changes[i].field, ch[i].field);
        assert_true((x->changes[i].after == NULL) == (ch[i].after == NULL));
        if (ch[i].after)
            assert_string_equal(x->changes[i].after, ch[i].after);
    }
    /* The lines the changes name, and those that replaced them, are among
     * the amended lines as mg_budget_line_get reads them. */
    size_t named = 0;
    for (size_t i = 0; i < nch; i++) {
        if (strcmp(ch[i].object_type, "budget_line") != 0)
            continue;
        int64_t ids[2] = {ch[i].object_id, 0};
        if (strcmp(ch[i].field, "replaced_by_line") == 0 && ch[i].after)
            assert_int_equal(mg_parse_id(ch[i].after, INT64_MAX, &ids[1], NULL), 0);
        for (int j = 0; j < 2 && ids[j]; j++) {
            mg_budget_line want;
            assert_int_equal(mg_budget_line_get(db, ids[j], &want, &d), 0);
            const mg_budget_line *got = NULL;
            for (size_t m = 0; m < x->namended_lines; m++)
                if (x->amended_lines[m].id == ids[j])
                    got = &x->amended_lines[m];
            if (!got)
                fail_msg("line %" PRId64 " of a change is not among the amended lines", ids[j]);
            assert_int_equal(got->funder_id, want.funder_id);
            assert_string_equal(got->funder_name, want.funder_name);
            assert_int_equal(got->year, want.year);
            assert_int_equal(got->nature, want.nature);
            assert_int_equal(got->amendment_id, want.amendment_id);
            assert_int_equal(got->replaced_by, want.replaced_by);
            same_amounts(&got->a, &want.a);
            named++;
        }
    }
    if (nch == 0)
        assert_int_equal(x->namended_lines, 0);
    *lines_named += named;
    mg_contract_amendment_changes_free(ch, nch);

    mg_contract_document *docs = NULL;
    size_t nd = 0;
    assert_int_equal(mg_contract_documents(db, k, &docs, &nd, &d), 0);
    assert_int_equal(x->ndocuments, nd);
    for (size_t i = 0; i < nd; i++) {
        assert_int_equal(x->documents[i].id, docs[i].id);
        assert_string_equal(x->documents[i].sha256, docs[i].sha256);
    }
    free(docs);

    mg_contract_dashboard_free(x);
    free(x);
}

static void run(void **state, uint64_t seed)
{
    mg_db *db = open_db(state);
    plan *p = calloc(1, sizeof *p);
    assert_non_null(p);
    build(db, seed, p);
    /* The plan exercises what it should. */
    assert_true(p->lines > 10);
    assert_true(p->replaced > 0 && p->deleted > 0 && p->documents > 0);
    size_t named = 0;
    for (int c = 0; c <= NCONTRACTS; c++)
        check(db, p->contracts[c], &p->sum[c], &named);
    assert_true(named >= 2 * p->replaced);
    /* The contracts some organisations signed: those whose signatories
     * (read one contract at a time) name one of them. */
    for (size_t m = 1; m < (1u << NFUNDERS); m += 5) {
        int64_t orgs[NFUNDERS];
        size_t norgs = 0;
        for (size_t f = 0; f < NFUNDERS; f++)
            if (m & (1u << f))
                orgs[norgs++] = p->funders[f];
        int64_t *ids = NULL;
        size_t nids = 0, want = 0;
        mg_diag d = {{0}};
        assert_int_equal(mg_contract_signed_by(db, orgs, norgs, &ids, &nids, &d), 0);
        for (int c = 0; c <= NCONTRACTS; c++) {
            mg_contract_participant *sig = NULL;
            size_t ns = 0;
            assert_int_equal(mg_contract_signatories(db, p->contracts[c], &sig, &ns, &d), 0);
            bool signs = false;
            for (size_t i = 0; i < ns; i++)
                for (size_t k = 0; k < norgs; k++)
                    signs = signs || sig[i].organisation_id == orgs[k];
            free(sig);
            bool listed = false;
            for (size_t i = 0; i < nids; i++)
                listed = listed || ids[i] == p->contracts[c];
            assert_int_equal(listed, signs);
            want += signs;
        }
        assert_int_equal(nids, want);
        for (size_t i = 1; i < nids; i++)
            assert_true(ids[i - 1] < ids[i]);
        free(ids);
    }

    /* An unknown contract, and nothing left to free. */
    mg_contract_dashboard *x = calloc(1, sizeof *x);
    assert_non_null(x);
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_dashboard_read(db, 999999, x, &d), MG_ENOTFOUND);
    assert_null(x->actions);
    assert_int_equal(mg_contract_dashboard_read(db, 0, x, &d), MG_ENOTFOUND);
    mg_contract_dashboard_free(x);
    free(x);
    free(p);
    mg_db_close(db);
}

static void test_random_contracts(void **state) { run(state, 1515); }
static void test_random_contracts_other_seed(void **state) { run(state, 20261205); }

#define BOTH(X) X(test_random_contracts) X(test_random_contracts_other_seed)

int main(void)
{
    const struct CMUnitTest tests[] = {BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
