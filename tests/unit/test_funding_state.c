/*
 * Tests of a subsidy request's overall state (funding.h,
 * mg_subsidy_overall_state): each row of the table of
 * docs/funding-instruction.md case by case, then every request of up to
 * three parts against a second reading of the same table written here
 * (counting parts by kind rather than in one pass); and the co-funder's
 * transitions trigger of migration 009, which must refuse every change of
 * a part's state that the table of transitions (copied here from the docs,
 * not read from the database) does not allow, on SQLite and PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "db_fixture.h"
#include "funding/funding.h"

TEST_DB_FIXTURE("funding_state")

typedef mg_subsidy_part_brief B;

#define G(asked, granted) {MG_PART_GRANTED, asked, granted}
#define P(s) {MG_PART_##s, 1000, 0}

static void expect(bool filed, const B *p, size_t n, mg_subsidy_state want, const char *what)
{
    mg_subsidy_state got = mg_subsidy_overall_state(filed, p, n);
    if (got != want)
        fail_msg("%s: %s expected, %s found", what, mg_subsidy_state_key(want),
                 mg_subsidy_state_key(got));
}

/* Row by row, as docs/funding-instruction.md states them. */
static void table_rows(void **state)
{
    (void)state;
    /* 1. Not filed: draft, whatever the parts say. */
    expect(false, NULL, 0, MG_SUBSIDY_DRAFT, "a draft without parts");
    B a1[] = {P(RECEIVED), G(1000, 1000)};
    expect(false, a1, 2, MG_SUBSIDY_DRAFT, "not filed, parts moving");
    /* 2. Any part to complete wins over everything else. */
    B b1[] = {P(TO_COMPLETE)};
    expect(true, b1, 1, MG_SUBSIDY_TO_COMPLETE, "one part to complete");
    B b2[] = {G(1000, 1000), P(TO_COMPLETE), P(REFUSED)};
    expect(true, b2, 3, MG_SUBSIDY_TO_COMPLETE, "to complete beside decided parts");
    B b3[] = {P(ADDRESSED), P(TO_COMPLETE), P(IN_INSTRUCTION)};
    expect(true, b3, 3, MG_SUBSIDY_TO_COMPLETE, "to complete beside open parts");
    /* 3. Every part decided. */
    B c1[] = {G(1000, 1000), G(500, 500)};
    expect(true, c1, 2, MG_SUBSIDY_GRANTED_FULL, "all granted in full");
    B c2[] = {G(1000, 999), G(500, 500)};
    expect(true, c2, 2, MG_SUBSIDY_GRANTED_PART, "one granted less than asked");
    B c3[] = {G(1000, 1000), P(REFUSED)};
    expect(true, c3, 2, MG_SUBSIDY_GRANTED_PART, "one granted, one refused");
    B c4[] = {P(CLOSED), G(1000, 1)};
    expect(true, c4, 2, MG_SUBSIDY_GRANTED_PART, "one granted a little, one closed");
    B c5[] = {P(REFUSED), P(CLOSED)};
    expect(true, c5, 2, MG_SUBSIDY_REFUSED, "refused and closed");
    B c6[] = {P(REFUSED), P(REFUSED)};
    expect(true, c6, 2, MG_SUBSIDY_REFUSED, "all refused");
    B c7[] = {P(CLOSED), P(CLOSED)};
    expect(true, c7, 2, MG_SUBSIDY_CLOSED, "all closed");
    B c8[] = {G(1000, 1000)};
    expect(true, c8, 1, MG_SUBSIDY_GRANTED_FULL, "a single part granted in full");
    /* 4. Some part in instruction or decided, not all decided. */
    B d1[] = {P(IN_INSTRUCTION), P(RECEIVED)};
    expect(true, d1, 2, MG_SUBSIDY_IN_INSTRUCTION, "one in instruction");
    B d2[] = {G(1000, 1000), P(ADDRESSED)};
    expect(true, d2, 2, MG_SUBSIDY_IN_INSTRUCTION, "one granted, one still addressed");
    B d3[] = {P(REFUSED), P(RECEIVED)};
    expect(true, d3, 2, MG_SUBSIDY_IN_INSTRUCTION, "one refused, one received");
    B d4[] = {P(CLOSED), P(ADDRESSED)};
    expect(true, d4, 2, MG_SUBSIDY_IN_INSTRUCTION, "one closed, one addressed");
    /* 5. Otherwise filed. */
    expect(true, NULL, 0, MG_SUBSIDY_FILED, "filed without parts");
    B e1[] = {P(ADDRESSED), P(ADDRESSED)};
    expect(true, e1, 2, MG_SUBSIDY_FILED, "all addressed");
    B e2[] = {P(RECEIVED), P(ADDRESSED)};
    expect(true, e2, 2, MG_SUBSIDY_FILED, "received and addressed");
}

/* The table read another way: how many parts of each kind. */
static mg_subsidy_state reference(bool filed, const B *p, size_t n)
{
    if (!filed)
        return MG_SUBSIDY_DRAFT;
    size_t count[MG_PART_STATES] = {0}, whole = 0;
    for (size_t i = 0; i < n; i++) {
        count[p[i].state]++;
        whole += p[i].state == MG_PART_GRANTED && p[i].granted_cents == p[i].asked_cents;
    }
    if (count[MG_PART_TO_COMPLETE])
        return MG_SUBSIDY_TO_COMPLETE;
    size_t decided = count[MG_PART_GRANTED] + count[MG_PART_REFUSED] + count[MG_PART_CLOSED];
    if (n && decided == n) {
        if (whole == n)
            return MG_SUBSIDY_GRANTED_FULL;
        if (count[MG_PART_GRANTED])
            return MG_SUBSIDY_GRANTED_PART;
        if (count[MG_PART_CLOSED] == n)
            return MG_SUBSIDY_CLOSED;
        return MG_SUBSIDY_REFUSED;
    }
    if (decided || count[MG_PART_IN_INSTRUCTION])
        return MG_SUBSIDY_IN_INSTRUCTION;
    return MG_SUBSIDY_FILED;
}

/* Every request of 0 to 3 parts, each in any state (granted: in full or
 * not), filed or not. */
static void every_combination(void **state)
{
    (void)state;
    /* 8 kinds of part: the 7 states, and granted less than asked. */
    enum { KINDS = MG_PART_STATES + 1 };
    size_t cases = 0;
    for (size_t n = 0; n <= 3; n++) {
        size_t total = 1;
        for (size_t i = 0; i < n; i++)
            total *= KINDS;
        for (size_t code = 0; code < total; code++) {
            B p[3];
            size_t c = code;
            for (size_t i = 0; i < n; i++, c /= KINDS) {
                size_t k = c % KINDS;
                if (k == MG_PART_STATES)
                    p[i] = (B){MG_PART_GRANTED, 1000, 250};
                else
                    p[i] = (B){(mg_subsidy_part_state)k, 1000,
                               k == MG_PART_GRANTED ? 1000 : 0};
            }
            for (int filed = 0; filed <= 1; filed++) {
                char what[64];
                snprintf(what, sizeof what, "%zu parts, combination %zu, filed %d", n, code,
                         filed);
                expect(filed, p, n, reference(filed, p, n), what);
                cases++;
            }
        }
    }
    assert_int_equal(cases, 2 * (1 + 8 + 64 + 512));
}

/* --- The transitions trigger ---------------------------------------------------------------- */

/* The allowed changes, as docs/funding-instruction.md lists them. */
static const char *const allowed[][2] = {
    {"addressed", "received"},      {"addressed", "closed"},
    {"received", "in_instruction"}, {"received", "to_complete"},
    {"received", "granted"},        {"received", "refused"},
    {"received", "closed"},         {"in_instruction", "to_complete"},
    {"in_instruction", "granted"},  {"in_instruction", "refused"},
    {"in_instruction", "closed"},   {"to_complete", "received"},
    {"to_complete", "in_instruction"}, {"to_complete", "closed"},
};

static bool is_allowed(const char *from, const char *to)
{
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (!strcmp(allowed[i][0], from) && !strcmp(allowed[i][1], to))
            return true;
    return false;
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

static int raw(mg_db *db, const char *sql, const mg_db_param *p, size_t n, int64_t *out,
               mg_diag *d)
{
    struct raw_tx t = {sql, p, n, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, raw_body, &t, d);
    if (out)
        *out = t.out;
    return rc;
}

static int64_t raw_ok(mg_db *db, const char *sql, const mg_db_param *p, size_t n)
{
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = raw(db, sql, p, n, &id, &d);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
    return id;
}

static int64_t org_ok(mg_db *db, const char *name)
{
    mg_auth_org_input in = {.name = name, .kind = "association"};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(db, 0, &in, true, false, &id, &fe, &d);
    if (rc != 0)
        fail_msg("organisation %s: %s (%s)", name, mg_strerror(rc), d.msg);
    return id;
}

/* The columns a part in state s must have besides its state (the CHECKs). */
#define PART_VALUES                                                                            \
    "CASE WHEN ?3 = 'granted' THEN 500 ELSE NULL END, "                                        \
    "CASE WHEN ?3 IN ('granted', 'refused', 'closed') THEN '2026-01-02T00:00:00Z' END, "      \
    "CASE WHEN ?3 = 'refused' THEN 'motif (exemple)' ELSE '' END, "                            \
    "CASE WHEN ?3 = 'to_complete' THEN 'received' END"

static void trigger_refuses(void **state)
{
    struct fixture *f = *state;
    mg_db *db = test_db_open(f->url, NULL);
    int64_t lead = org_ok(db, "Coordination (exemple)");
    int64_t applicant = org_ok(db, "Association (exemple)");
    int64_t window = raw_ok(db,
                            "INSERT INTO subsidy_windows (lead_id, title, created_at, updated_at) "
                            "VALUES (?1, 'Guichet (exemple)', '2026-01-01T00:00:00Z', "
                            "'2026-01-01T00:00:00Z') RETURNING id",
                            MG_DB_PARAMS(MG_DB_INT(lead)));
    static const char *const states[] = {"addressed", "received", "in_instruction",
                                         "to_complete", "granted", "refused", "closed"};
    size_t refused = 0, accepted = 0;
    for (size_t i = 0; i < 7; i++)
        for (size_t j = 0; j < 7; j++) {
            if (i == j)
                continue;
            /* A request of its own, its one part inserted in state i. */
            int64_t req = raw_ok(db,
                                 "INSERT INTO subsidy_requests (window_id, applicant_id, state, "
                                 "filed_at, created_at, updated_at) VALUES (?1, ?2, 'filed', "
                                 "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', "
                                 "'2026-01-01T00:00:00Z') RETURNING id",
                                 MG_DB_PARAMS(MG_DB_INT(window), MG_DB_INT(applicant)));
            raw_ok(db,
                   "INSERT INTO subsidy_request_funders (request_id, funder_id, asked_cents, "
                   "state, granted_cents, decided_at, reason, state_before_question, "
                   "routed_at, updated_at) VALUES (?1, ?2, 1000, ?3, " PART_VALUES ", "
                   "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                   MG_DB_PARAMS(MG_DB_INT(req), MG_DB_INT(lead), MG_DB_TEXT(states[i])));
            mg_diag d = {{0}};
            int rc = raw(db,
                         "UPDATE subsidy_request_funders SET state = ?3, granted_cents = "
                         "CASE WHEN ?3 = 'granted' THEN 500 ELSE NULL END, decided_at = "
                         "CASE WHEN ?3 IN ('granted', 'refused', 'closed') "
                         "THEN '2026-01-02T00:00:00Z' END, reason = "
                         "CASE WHEN ?3 = 'refused' THEN 'motif (exemple)' ELSE '' END, "
                         "state_before_question = "
                         "CASE WHEN ?3 = 'to_complete' THEN 'received' END "
                         "WHERE request_id = ?1 AND funder_id = ?2",
                         MG_DB_PARAMS(MG_DB_INT(req), MG_DB_INT(lead), MG_DB_TEXT(states[j])),
                         NULL, &d);
            if (is_allowed(states[i], states[j])) {
                if (rc != 0)
                    fail_msg("%s -> %s refused: %s", states[i], states[j], d.msg);
                accepted++;
            } else {
                if (rc == 0)
                    fail_msg("%s -> %s accepted", states[i], states[j]);
                if (!strstr(d.msg, "not allowed"))
                    fail_msg("%s -> %s refused for another reason: %s", states[i], states[j],
                             d.msg);
                refused++;
                int64_t still = 0;
                mg_diag d2 = {{0}};
                assert_int_equal(raw(db,
                                     "SELECT COUNT(*) FROM subsidy_request_funders "
                                     "WHERE request_id = ?1 AND state = ?2",
                                     MG_DB_PARAMS(MG_DB_INT(req), MG_DB_TEXT(states[i])), &still,
                                     &d2),
                                 0);
                assert_int_equal(still, 1);
            }
        }
    assert_int_equal(accepted, sizeof allowed / sizeof allowed[0]);
    assert_int_equal(refused, 42 - accepted);
    mg_db_close(db);
}

#define DB_TESTS(X) X(trigger_refuses)

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(table_rows),
        cmocka_unit_test(every_combination),
    };
    int failed = cmocka_run_group_tests_name("state", pure, NULL, NULL);
    const struct CMUnitTest tests[] = {DB_TESTS(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {DB_TESTS(TEST_DB_PG)};
    return failed + test_db_run_groups(tests, pg_tests);
}
