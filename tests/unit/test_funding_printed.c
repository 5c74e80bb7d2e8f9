/*
 * The printed documents of the single window (funding/printed.c), on
 * SQLite then on PostgreSQL when MG_TEST_PG_URI is set: the filled CERFA
 * 12156 of a request made with funding_fixture.h, and the funding
 * agreement of a granted part, read back with pdftotext (poppler-utils):
 * each section's title, the applicant, each co-funder, the budget's
 * totals in French euros (summed here from what the fixture typed), the
 * amount granted in figures and in words, the payment made, the report's
 * due date; the agreement refused for a part not granted. And the amounts
 * in French words against a table of spellings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "funding/aftergrant.h"
#include "funding/printed.h"
#include "db_fixture.h"
#include "funding_fixture.h"

TEST_DB_FIXTURE("funding_printed")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

/* --- Amounts in words ---------------------------------------------------------------------- */

static void test_amount_words(void **state)
{
    (void)state;
    static const struct {
        int64_t cents;
        const char *words;
    } cases[] = {
        {100, "un euro"},
        {101, "un euro et un centime"},
        {5, "cinq centimes"},
        {0, "zéro euro"},
        {1700, "dix-sept euros"},
        {2100, "vingt et un euros"},
        {2200, "vingt-deux euros"},
        {7000, "soixante-dix euros"},
        {7100, "soixante et onze euros"},
        {7700, "soixante-dix-sept euros"},
        {8000, "quatre-vingts euros"},
        {8100, "quatre-vingt-un euros"},
        {9100, "quatre-vingt-onze euros"},
        {9900, "quatre-vingt-dix-neuf euros"},
        {10000, "cent euros"},
        {20000, "deux cents euros"},
        {20100, "deux cent un euros"},
        {28000, "deux cent quatre-vingts euros"},
        {100000, "mille euros"},
        {178000, "mille sept cent quatre-vingts euros"},
        {200000, "deux mille euros"},
        {8000000, "quatre-vingt mille euros"},
        {10000000, "cent mille euros"},
        {20000000, "deux cent mille euros"},
        {38000000, "trois cent quatre-vingt mille euros"},
        {100000000, "un million d'euros"},
        {200000000, "deux millions d'euros"},
        {8000000000LL, "quatre-vingts millions d'euros"},
        {20000000000LL, "deux cents millions d'euros"},
        {100010000, "un million cent euros"},
        {123456789, "un million deux cent trente-quatre mille cinq cent soixante-sept euros et "
                    "quatre-vingt-neuf centimes"},
        {100000000000LL, "un milliard d'euros"},
        {300200000000LL, "trois milliards deux millions d'euros"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[512];
        size_t n = mg_subsidy_amount_words(cases[i].cents, out, sizeof out);
        if (strcmp(out, cases[i].words) != 0)
            fail_msg("%lld cents: \"%s\", expected \"%s\"", (long long)cases[i].cents, out,
                     cases[i].words);
        assert_int_equal(n, strlen(cases[i].words));
    }
    char small[8];
    assert_int_equal(mg_subsidy_amount_words(178000, small, sizeof small), 0);
    assert_string_equal(small, "");
    char out[512];
    assert_int_equal(mg_subsidy_amount_words(-1, out, sizeof out), 0);
    assert_int_equal(mg_subsidy_amount_words(100000000000000LL, out, sizeof out), 0);
}

/* --- The documents ------------------------------------------------------------------------- */

/* The text of a PDF by pdftotext, every run of white space (no-break
 * spaces included) made one space. */
static char *pdf_text(void **state, const unsigned char *pdf, size_t len)
{
    struct fixture *f = *state;
    char path[400], cmd[600];
    snprintf(path, sizeof path, "%s/doc.pdf", f->dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(pdf, 1, len, fp), len);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *raw = malloc(cap);
    assert_non_null(raw);
    size_t got;
    while ((got = fread(raw + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (n + 1 == cap) {
            cap *= 2;
            raw = realloc(raw, cap);
            assert_non_null(raw);
        }
    }
    assert_int_equal(pclose(p), 0);
    raw[n] = 0;
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)raw[i];
        size_t skip = 0;
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f')
            skip = 1;
        else if (c == 0xC2 && (unsigned char)raw[i + 1] == 0xA0)
            skip = 2; /* U+00A0 */
        else if (c == 0xE2 && (unsigned char)raw[i + 1] == 0x80 &&
                 (unsigned char)raw[i + 2] == 0xAF)
            skip = 3; /* U+202F */
        if (skip) {
            space = true;
            i += skip;
            continue;
        }
        if (space && o > 0)
            out[o++] = ' ';
        space = false;
        out[o++] = raw[i++];
    }
    out[o] = 0;
    free(raw);
    return out;
}

static void assert_has(const char *text, const char *what)
{
    if (!strstr(text, what))
        fail_msg("the PDF's text has no \"%s\":\n%s", what, text);
}

/* Cents as French euros with plain spaces: "11 123,95 €", "8 000 €". */
static void euros_plain(int64_t cents, char *out, size_t cap)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", (long long)(cents / 100));
    char grouped[48];
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[o++] = ' ';
        grouped[o++] = digits[i];
    }
    grouped[o] = 0;
    if (cents % 100)
        snprintf(out, cap, "%s,%02lld €", grouped, (long long)(cents % 100));
    else
        snprintf(out, cap, "%s €", grouped);
}

/* An account of the lead (routing and deciding record who did it). */
static int64_t account_ok(mg_db *db, int64_t org, const char *email)
{
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_account_add(db, 0, email, "Instruction (exemple)",
                                 "un mot de passe de test assez long", org, MG_ROLE_MANAGER, &id,
                                 NULL, &d);
    if (rc)
        fail_msg("account: %s (%s)", mg_strerror(rc), d.msg);
    return id;
}

/* A request of fx asking asked[0..n), filed, routed by an account of the lead. */
static int64_t routed(mg_db *db, const funding_fx *fx, const int64_t *asked, size_t n,
                      int64_t *by)
{
    int64_t id = fx_filed(db, fx, asked, n);
    *by = account_ok(db, fx->lead, "instruction@guichet.invalid");
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int rc = mg_subsidy_route(db, *by, id, NULL, 0, &errs, &d);
    if (rc)
        fail_msg("routing: %s (%s)", mg_strerror(rc), d.msg);
    return id;
}

/* The name of organisation id. */
static void org_name(mg_db *db, int64_t id, char *out, size_t cap)
{
    mg_auth_org o;
    mg_diag d = {{0}};
    assert_int_equal(mg_auth_org_get(db, id, &o, &d), 0);
    snprintf(out, cap, "%s", o.name);
}

static void test_cerfa(void **state)
{
    mg_db *db = open_db(state);
    funding_fx fx;
    fx_setup(db, 3, &fx);
    const int64_t asked[] = {512345, 300050}; /* 5 123,45 € and 3 000,50 € */
    int64_t by = 0;
    int64_t id = routed(db, &fx, asked, 2, &by);
    /* What the fixture typed: 60 (2 000 €), 64 (the sum asked), 86 (1 000 €)
     * against the lines 74, 75 (2 000 €) and 87 (1 000 €). */
    int64_t total = 200000 + (asked[0] + asked[1]) + 100000;
    unsigned char *pdf = NULL;
    size_t len = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_cerfa_pdf(db, id, &pdf, &len, &d);
    if (rc)
        fail_msg("cerfa: %s (%s)", mg_strerror(rc), d.msg);
    assert_true(len > 1000 && memcmp(pdf, "%PDF-", 5) == 0);
    char *text = pdf_text(state, pdf, len);
    free(pdf);
    static const char *const sections[] = {
        "Demande de subvention (formulaire CERFA n° 12156)",
        "1. Identification de l'association",
        "3. Moyens humains",
        "4. Projet",
        "5. Budget du projet",
        "6. Attestation",
        "Indicateurs d'évaluation",
        "Total des charges",
        "Total des produits",
        "Fait à",
        "Signature",
    };
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        assert_has(text, sections[i]);
    assert_has(text, "Association de santé (exemple)");
    assert_has(text, fx.assoc_siret);
    assert_has(text, fx.assoc_rna);
    assert_has(text, "Présidente de l'association");
    assert_has(text, "Prévention bucco-dentaire");
    for (size_t k = 0; k < 2; k++) {
        char name[1024], amount[64];
        org_name(db, fx.funders[k], name, sizeof name);
        assert_has(text, name);
        euros_plain(asked[k], amount, sizeof amount);
        assert_has(text, amount);
    }
    char t[64], sentence[256];
    euros_plain(total, t, sizeof t);
    snprintf(sentence, sizeof sentence,
             "Le budget est équilibré : total des charges %s, total des produits %s.", t, t);
    assert_has(text, sentence);
    /* The amount asked in all, in the attestation. */
    euros_plain(asked[0] + asked[1], t, sizeof t);
    snprintf(sentence, sizeof sentence, "d'un montant total de %s", t);
    assert_has(text, sentence);
    assert_null(strstr(text, "Demande d'exemple"));
    free(text);
    mg_db_close(db);
}

static void test_cerfa_example_mark(void **state)
{
    mg_db *db = open_db(state);
    funding_fx fx;
    fx_setup(db, 1, &fx);
    fx_form f;
    const int64_t asked[] = {100000};
    fx_form_fill(&f, &fx, asked, 1);
    int64_t id = fx_draft(db, &fx, &f);
    /* The demo's requests are examples: marked so in the database. */
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_db_acquire(db, &c, &d), 0);
    assert_int_equal(mg_db_run(c, "UPDATE subsidy_requests SET is_example = 1 WHERE id = ?1",
                               MG_DB_PARAMS(MG_DB_INT(id)), NULL, &d),
                     0);
    mg_db_release(c);
    unsigned char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(mg_subsidy_cerfa_pdf(db, id, &pdf, &len, &d), 0);
    char *text = pdf_text(state, pdf, len);
    free(pdf);
    assert_has(text, "Demande d'exemple");
    assert_has(text, "brouillon");
    free(text);
    assert_int_equal(mg_subsidy_cerfa_pdf(db, id + 1000, &pdf, &len, &d), MG_ENOTFOUND);
    assert_null(pdf);
    mg_db_close(db);
}

static void test_agreement(void **state)
{
    mg_db *db = open_db(state);
    funding_fx fx;
    fx_setup(db, 3, &fx);
    const int64_t asked[] = {1234500, 300000};
    int64_t by = 0;
    int64_t id = routed(db, &fx, asked, 2, &by);
    /* Not granted yet: no agreement. */
    unsigned char *pdf = NULL;
    size_t len = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_agreement_pdf(db, id, fx.funders[0], &pdf, &len, &d), MG_EINVAL);
    assert_null(pdf);
    /* 10 080 € granted of 12 345 €, 4 000 € paid. */
    mg_subsidy_errors errs = {0};
    int rc = mg_subsidy_decide(db, by, id, fx.funders[0], MG_DECISION_GRANT, "10 080", "", &errs,
                               &d);
    if (rc)
        fail_msg("decide: %s (%s)", mg_strerror(rc), d.msg);
    int64_t pay = 0;
    rc = mg_subsidy_pay(db, by, id, fx.funders[0], "2027-02-15", "4 000", "Premier acompte",
                        &pay, &errs, &d);
    if (rc)
        fail_msg("pay: %s (%s)", mg_strerror(rc), d.msg);
    rc = mg_subsidy_agreement_pdf(db, id, fx.funders[0], &pdf, &len, &d);
    if (rc)
        fail_msg("agreement: %s (%s)", mg_strerror(rc), d.msg);
    char *text = pdf_text(state, pdf, len);
    free(pdf);
    assert_has(text, "Convention d'attribution de subvention");
    char name[1024];
    org_name(db, fx.funders[0], name, sizeof name);
    assert_has(text, name);
    assert_has(text, "Association de santé (exemple)");
    assert_has(text, fx.assoc_siret);
    assert_has(text, "Prévention bucco-dentaire dans les écoles (exemple)");
    assert_has(text, "Sensibiliser les enfants");
    char granted[64], sentence[256];
    euros_plain(1008000, granted, sizeof granted);
    snprintf(sentence, sizeof sentence, "une subvention de %s (dix mille quatre-vingts euros)",
             granted);
    assert_has(text, sentence);
    assert_has(text, "15/02/2027");
    assert_has(text, "Premier acompte");
    char paid[64], left[64];
    euros_plain(400000, paid, sizeof paid);
    euros_plain(1008000 - 400000, left, sizeof left);
    snprintf(sentence, sizeof sentence, "Versé à ce jour : %s ; reste à verser : %s.", paid, left);
    assert_has(text, sentence);
    /* The project ends on 31/12/2027: the report is due six months later. */
    assert_has(text, "au plus tard le 30/06/2028");
    assert_has(text, "Obligations");
    assert_has(text, "Pour le financeur");
    assert_has(text, "Pour le bénéficiaire");
    /* Another co-funder's name appears nowhere in this one's agreement. */
    org_name(db, fx.funders[1], name, sizeof name);
    assert_null(strstr(text, name));
    free(text);
    /* The second co-funder's part is not granted; a third was never asked. */
    assert_int_equal(mg_subsidy_agreement_pdf(db, id, fx.funders[1], &pdf, &len, &d), MG_EINVAL);
    rc = mg_subsidy_agreement_pdf(db, id, fx.funders[2], &pdf, &len, &d);
    assert_true(rc == MG_ENOTFOUND || rc == MG_EINVAL);
    assert_null(pdf);
    mg_db_close(db);
}

static void test_agreement_no_payment(void **state)
{
    mg_db *db = open_db(state);
    funding_fx fx;
    fx_setup(db, 1, &fx);
    const int64_t asked[] = {800000};
    int64_t by = 0;
    int64_t id = routed(db, &fx, asked, 1, &by);
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int rc = mg_subsidy_decide(db, by, id, fx.funders[0], MG_DECISION_GRANT, "8 000", "", &errs,
                               &d);
    if (rc)
        fail_msg("decide: %s (%s)", mg_strerror(rc), d.msg);
    unsigned char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(mg_subsidy_agreement_pdf(db, id, fx.funders[0], &pdf, &len, &d), 0);
    char *text = pdf_text(state, pdf, len);
    free(pdf);
    assert_has(text, "versement selon l'échéancier convenu");
    char granted[64], sentence[128];
    euros_plain(800000, granted, sizeof granted);
    snprintf(sentence, sizeof sentence, "%s (huit mille euros)", granted);
    assert_has(text, sentence);
    free(text);
    mg_db_close(db);
}

#define BOTH(X)                                                                                  \
    X(test_cerfa)                                                                                \
    X(test_cerfa_example_mark)                                                                   \
    X(test_agreement)                                                                            \
    X(test_agreement_no_payment)

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_amount_words),
                                       BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
