/*
 * The single window's request pages (web/funding_pages.c) dispatched
 * without a network, on SQLite and, when MG_TEST_PG_URI is set,
 * PostgreSQL: the CERFA form's round trip (new draft, what the store holds
 * compared with what was sent, edit, filing), a refused form answered 400
 * with what was typed and each error beside its field, a refused filing
 * listing every field with a link to it, an association that never sees
 * another's request (by id: the same 404 as no request; in its lists), a
 * co-funder addressed but not routed told nothing (404) until routed, a
 * lead that never sees drafts, the versions and a renewal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "core/buf.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "html/html.h"
#include "parse/parse.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web_fixture.h"
#include "funding_fixture.h"

#define FORM "application/x-www-form-urlencoded"

typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
} who;

static void login_as(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    static int serial;
    snprintf(email, sizeof email, "%s.%d.%ld@guichet.invalid", tag, ++serial, (long)time(NULL));
    const char *password = "un mot de passe de test assez long";
    int64_t account = 0;
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    int64_t now = (int64_t)time(NULL);
    if (mg_auth_account_add(app->db, 0, email, "Compte de test (exemple)", password, org, role,
                            &account, NULL, &d))
        fail_msg("account %s: %s", tag, d.msg);
    /* A role that needs a second factor enrols one, then gives a code at
     * log-in (a step later, so that the code is not the one just used). */
    char secret[MG_AUTH_TOTP_SECRET_CHARS + 1], uri[512], code[7];
    bool totp = mg_auth_role_needs_totp(role);
    if (totp && (mg_auth_totp_begin(app->db, account, secret, uri, sizeof uri, &d) ||
                 mg_auth_totp_code(secret, now, code, &d) ||
                 mg_auth_totp_confirm(app->db, account, code, now, &d)))
        fail_msg("second factor %s: %s", tag, d.msg);
    if (mg_auth_login(app->db, email, password, "127.0.0.1", now, &lr, &retry, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    if (totp && lr.totp_required &&
        (mg_auth_totp_code(secret, now + MG_AUTH_TOTP_STEP_S, code, &d) ||
         mg_auth_session_totp(app->db, lr.session, code, "127.0.0.1", now + MG_AUTH_TOTP_STEP_S,
                              &retry, &d)))
        fail_msg("code %s: %s", tag, d.msg);
    if (mg_auth_session_load(app->db, lr.session, now, &s, &d))
        fail_msg("session %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

static mg_http_response as(const who *w, const char *method, const char *target,
                           const char *body)
{
    mg_http_response res;
    const char *headers[] = {"Cookie", w->cookie, "X-CSRF-Token", w->csrf, NULL};
    int rc = mg_http_dispatch_with(app->router, method, target, headers, body ? FORM : NULL,
                                   body, body ? strlen(body) : 0, &res);
    assert_int_equal(rc, 0);
    return res;
}

static const char *text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

static void expect(const who *w, const char *method, const char *target, const char *body,
                   int status)
{
    mg_http_response r = as(w, method, target, body);
    if (r.status != status)
        fail_msg("%s %s: %d, expected %d", method, target, r.status, status);
    mg_http_response_free(&r);
}

/* --- A form as a browser sends it ------------------------------------------------------------- */

static void add(mg_buf *b, const char *name, const char *value)
{
    if (b->len)
        mg_buf_puts(b, "&");
    mg_html_url_arg(b, name);
    mg_buf_puts(b, "=");
    mg_html_url_arg(b, value ? value : "");
}

/* The body of the request form from f as a browser sends it: every field,
 * and every amount of the budget table (one per account, one per
 * co-funder of the window on account 74, empty or not). */
static char *form_body(const fx_form *f, const funding_fx *fx, int64_t window,
                       int64_t applicant)
{
    mg_buf b;
    mg_buf_init(&b, 1 << 20);
    char v[32];
    if (window) {
        snprintf(v, sizeof v, "%lld", (long long)window);
        add(&b, "guichet", v);
        snprintf(v, sizeof v, "%lld", (long long)applicant);
        add(&b, "applicant", v);
    }
    const mg_subsidy_request_input *in = &f->in;
    const struct {
        const char *name, *value;
    } fields[] = {
        {"name", in->name}, {"acronym", in->acronym}, {"siret", in->siret}, {"rna", in->rna},
        {"address", in->address}, {"postcode", in->postcode}, {"city", in->city},
        {"email", in->email}, {"phone", in->phone},
        {"representative_role", in->representative_role}, {"contact_role", in->contact_role},
        {"volunteers", in->volunteers}, {"employees", in->employees},
        {"employees_fte", in->employees_fte}, {"members", in->members}, {"title", in->title},
        {"objectives", in->objectives}, {"description", in->description},
        {"target_publics", in->target_publics}, {"communes", in->communes},
        {"starts_on", in->starts_on}, {"ends_on", in->ends_on},
        {"evaluation", in->evaluation}, {"nature", in->nature}, {"call", in->call},
        {"action", in->action},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        add(&b, fields[i].name, fields[i].value);
    /* The table's amounts: what f's lines put on each (one line per row in
     * the fixture's forms). */
    size_t na = 0;
    const mg_subsidy_account *acc = mg_subsidy_accounts(&na);
    for (size_t i = 0; i < na; i++) {
        size_t nrows = strcmp(acc[i].code, "74") == 0 ? fx->nfunders + 1 : 1;
        for (size_t r = 0; r < nrows; r++) {
            int64_t fid = r < nrows - 1 ? fx->funders[r] : 0;
            char name[48], fids[24] = "";
            if (fid) {
                snprintf(name, sizeof name, "amount_74_%lld", (long long)fid);
                snprintf(fids, sizeof fids, "%lld", (long long)fid);
            } else {
                snprintf(name, sizeof name, "amount_%s", acc[i].code);
            }
            const char *amount = "";
            for (size_t k = 0; k < in->nlines; k++)
                if (strcmp(in->lines[k].account, acc[i].code) == 0 &&
                    strcmp(in->lines[k].funder ? in->lines[k].funder : "", fids) == 0)
                    amount = in->lines[k].amount;
            add(&b, name, amount);
        }
    }
    char *s = mg_buf_take(&b, NULL);
    mg_buf_free(&b);
    assert_non_null(s);
    return s;
}

/* How many pairs a browser may send for the form of `page` at most: its
 * named controls (every checkbox checked). */
static size_t named_controls(const char *page)
{
    const char *form = strstr(page, "<form class=\"stack cerfa\"");
    assert_non_null(form);
    const char *end = strstr(form, "</form>");
    assert_non_null(end);
    size_t n = 0;
    for (const char *p = form; (p = strstr(p, " name=\"")) && p < end; p++)
        n++;
    return n;
}

/* The id of the request a 303 leads to ("/guichet/demandes/<id>…"). */
static int64_t redirected_id(const mg_http_response *r)
{
    if (r->status != 303)
        fail_msg("expected 303, got %d: %.300s", r->status, text(r));
    const char *p = "/guichet/demandes/";
    assert_memory_equal(r->location, p, strlen(p));
    char digits[24] = "";
    size_t i = 0;
    for (const char *c = r->location + strlen(p); *c >= '0' && *c <= '9' && i < 20; c++)
        digits[i++] = *c;
    int64_t id = 0;
    assert_int_equal(mg_parse_id(digits, INT64_MAX, &id, NULL), 0);
    return id;
}

static size_t applicant_total(int64_t org)
{
    mg_subsidy_filter f = {.applicant_id = org, .limit = 1};
    mg_subsidy_row *rows = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_list(app->db, &f, &rows, &n, &total, &d), 0);
    free(rows);
    return total;
}

static void path_of(char *out, size_t cap, int64_t id, const char *suffix)
{
    snprintf(out, cap, "/guichet/demandes/%lld%s", (long long)id, suffix);
}

/* --- Tests ---------------------------------------------------------------------------------- */

/* New draft from the form, what the store holds equal to what was sent,
 * the draft edited, then filed. */
static void test_form_round_trip(void **state)
{
    (void)state;
    funding_fx fx;
    fx_setup_seed(app->db, 3, 101, &fx);
    who assoc;
    login_as(&assoc, fx.assoc, MG_ROLE_CONTRIBUTOR, "asso");
    char target[128];
    snprintf(target, sizeof target, "/guichet/demandes/nouvelle?guichet=%lld",
             (long long)fx.window);
    mg_http_response r = as(&assoc, "GET", target, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "1. Identification"));
    assert_non_null(strstr(text(&r), "5. Budget du projet"));
    /* A row per co-funder on account 74. */
    for (size_t k = 0; k < 3; k++) {
        char row[64];
        snprintf(row, sizeof row, "name=\"amount_74_%lld\"", (long long)fx.funders[k]);
        assert_non_null(strstr(text(&r), row));
    }
    assert_non_null(strstr(text(&r), fx.assoc_siret)); /* prefilled from the organisation */
    /* All of it fits in what the server reads of a form. */
    size_t pairs = named_controls(text(&r));
    if (pairs > MG_HTTP_MAX_PARAMS)
        fail_msg("the form has %zu named controls, the server reads %u pairs", pairs,
                 MG_HTTP_MAX_PARAMS);
    mg_http_response_free(&r);

    int64_t asked[] = {400000, 250050};
    fx_form f;
    fx_form_fill(&f, &fx, asked, 2);
    char *body = form_body(&f, &fx, fx.window, fx.assoc);
    r = as(&assoc, "POST", "/guichet/demandes", body);
    free(body);
    int64_t id = redirected_id(&r);
    mg_http_response_free(&r);
    mg_subsidy_request q;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_get(app->db, id, &q, &d), 0);
    assert_int_equal(q.applicant_id, fx.assoc);
    assert_int_equal(q.window_id, fx.window);
    assert_int_equal(q.state, MG_SUBSIDY_DRAFT);
    assert_string_equal(q.title, f.in.title);
    assert_string_equal(q.siret, fx.assoc_siret);
    assert_string_equal(q.rna, fx.assoc_rna);
    assert_string_equal(q.objectives, f.in.objectives);
    assert_string_equal(q.starts_on, "2027-01-01");
    assert_int_equal(q.employees_fte_hundredths, 150);
    assert_int_equal(q.volunteers, 12);
    int64_t total = 400000 + 250050 + 300000;
    assert_int_equal(q.total_expenses_cents, total);
    assert_int_equal(q.total_resources_cents, total);
    mg_subsidy_request_clear(&q);
    mg_subsidy_line *l = NULL;
    size_t n = 0;
    assert_int_equal(mg_subsidy_lines(app->db, id, &l, &n, &d), 0);
    assert_int_equal(n, f.in.nlines);
    int64_t asked_sum = 0;
    for (size_t i = 0; i < n; i++)
        if (l[i].funder_id)
            asked_sum += l[i].amount_cents;
    assert_int_equal(asked_sum, 400000 + 250050);
    free(l);

    /* The request's page and the edit form show it. */
    char page[96], edit[96], file[96];
    path_of(page, sizeof page, id, "");
    path_of(edit, sizeof edit, id, "/modifier");
    path_of(file, sizeof file, id, "/deposer");
    r = as(&assoc, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Brouillon"));
    assert_non_null(strstr(text(&r), "Prévention bucco-dentaire"));
    mg_http_response_free(&r);
    r = as(&assoc, "GET", edit, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "value=\"2500,50\""));
    assert_true(named_controls(text(&r)) <= MG_HTTP_MAX_PARAMS);
    mg_http_response_free(&r);

    /* Edited: the title changes, still a draft. */
    f.in.title = "Prévention bucco-dentaire, seconde rédaction (exemple)";
    body = form_body(&f, &fx, 0, 0);
    r = as(&assoc, "POST", edit, body);
    free(body);
    assert_int_equal(redirected_id(&r), id);
    mg_http_response_free(&r);
    assert_int_equal(mg_subsidy_get(app->db, id, &q, &d), 0);
    assert_string_equal(q.title, "Prévention bucco-dentaire, seconde rédaction (exemple)");
    assert_int_equal(q.state, MG_SUBSIDY_DRAFT);
    mg_subsidy_request_clear(&q);

    /* Filed with its pieces; then no longer a draft to edit. */
    fx_attach_required(app->db, id, false);
    r = as(&assoc, "POST", file, "");
    assert_int_equal(redirected_id(&r), id);
    mg_http_response_free(&r);
    assert_int_equal(mg_subsidy_get(app->db, id, &q, &d), 0);
    assert_int_equal(q.state, MG_SUBSIDY_FILED);
    mg_subsidy_request_clear(&q);
    expect(&assoc, "GET", edit, NULL, 409);
    r = as(&assoc, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Déposée"));
    assert_non_null(strstr(text(&r), "/versions/1\""));
    mg_http_response_free(&r);
    char v1[96];
    path_of(v1, sizeof v1, id, "/versions/1");
    r = as(&assoc, "GET", v1, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "seconde rédaction"));
    mg_http_response_free(&r);
    path_of(v1, sizeof v1, id, "/versions/2");
    expect(&assoc, "GET", v1, NULL, 404);

    /* Renewed: a new draft, prefilled, one year on. */
    char renew[96];
    path_of(renew, sizeof renew, id, "/renouveler");
    r = as(&assoc, "POST", renew, "");
    int64_t nid = redirected_id(&r);
    assert_true(nid != id);
    mg_http_response_free(&r);
    assert_int_equal(mg_subsidy_get(app->db, nid, &q, &d), 0);
    assert_int_equal(q.renewal_of, id);
    assert_string_equal(q.starts_on, "2028-01-01");
    mg_subsidy_request_clear(&q);
}

/* A refused draft comes back (400) with what was typed, each error beside
 * its field; nothing is saved. A refused filing lists every field. */
static void test_refused_form(void **state)
{
    (void)state;
    funding_fx fx;
    fx_setup_seed(app->db, 2, 102, &fx);
    who assoc;
    login_as(&assoc, fx.assoc, MG_ROLE_CONTRIBUTOR, "asso");
    int64_t asked[] = {300000};
    fx_form f;
    fx_form_fill(&f, &fx, asked, 1);
    f.in.siret = "123 456";
    f.in.title = "Ateliers <santé> & \"prévention\"";
    f.lines[1].amount = "douze mille";
    char *body = form_body(&f, &fx, fx.window, fx.assoc);
    size_t before = applicant_total(fx.assoc);
    mg_http_response r = as(&assoc, "POST", "/guichet/demandes", body);
    free(body);
    assert_int_equal(r.status, 400);
    const char *t = text(&r);
    assert_non_null(strstr(t, "value=\"123 456\""));
    assert_non_null(strstr(t, "value=\"Ateliers &lt;santé&gt; &amp; &quot;prévention&quot;\""));
    assert_null(strstr(t, "<santé>"));
    assert_non_null(strstr(t, "value=\"douze mille\""));
    assert_non_null(strstr(t, "id=\"f-siret-erreur\""));
    assert_non_null(strstr(t, "id=\"f-amount_64-erreur\""));
    assert_non_null(strstr(t, "href=\"#f-siret\""));
    assert_non_null(strstr(t, "aria-invalid=\"true\""));
    mg_http_response_free(&r);
    assert_int_equal(applicant_total(fx.assoc), before);

    /* An incomplete draft, filed: 400 naming each field, linked. */
    mg_subsidy_request_input in = {.title = "Un brouillon incomplet (exemple)"};
    int64_t id = 0;
    mg_subsidy_errors errs;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_draft_save(app->db, 0, fx.window, fx.assoc, 0, &in, &id, &errs,
                                           &d), 0);
    char file[96], link[128];
    path_of(file, sizeof file, id, "/deposer");
    r = as(&assoc, "POST", file, "");
    assert_int_equal(r.status, 400);
    t = text(&r);
    static const char *const fields[] = {"siret", "name", "email", "starts_on", "evaluation"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        snprintf(link, sizeof link, "href=\"/guichet/demandes/%lld/modifier#f-%s\"",
                 (long long)id, fields[i]);
        if (!strstr(t, link))
            fail_msg("no link to %s", fields[i]);
    }
    assert_non_null(strstr(t, "href=\"#pieces\""));
    assert_non_null(strstr(t, "f-budget"));
    mg_http_response_free(&r);
    mg_subsidy_request q;
    assert_int_equal(mg_subsidy_get(app->db, id, &q, &d), 0);
    assert_int_equal(q.state, MG_SUBSIDY_DRAFT);
    mg_subsidy_request_clear(&q);
    /* A refused line is linked to its row of the draft's form. */
    int64_t zero[] = {0};
    fx_form z;
    fx_form_fill(&z, &fx, zero, 1);
    int64_t zid = fx_draft(app->db, &fx, &z);
    fx_attach_required(app->db, zid, false);
    path_of(file, sizeof file, zid, "/deposer");
    r = as(&assoc, "POST", file, "");
    assert_int_equal(r.status, 400);
    snprintf(link, sizeof link, "href=\"/guichet/demandes/%lld/modifier#f-amount_74_%lld\"",
             (long long)zid, (long long)fx.funders[0]);
    if (!strstr(text(&r), link))
        fail_msg("no link %s in %.2000s", link, strstr(text(&r), "error-summary"));
    mg_http_response_free(&r);
    /* A reader of the association sees it but may not change it. */
    who reader;
    login_as(&reader, fx.assoc, MG_ROLE_READER, "lecteur");
    char page[96];
    path_of(page, sizeof page, id, "");
    expect(&reader, "GET", page, NULL, 200);
    expect(&reader, "POST", file, "", 403);
}

/* An association never sees another's request: by id the same 404 as for
 * no request at all; in its lists, never. */
static void test_not_yours(void **state)
{
    (void)state;
    funding_fx fx;
    fx_setup_seed(app->db, 2, 103, &fx);
    char siret[15], rna[11];
    int64_t other = fx_association(app->db, 104, siret, rna);
    who a, b;
    login_as(&a, fx.assoc, MG_ROLE_MANAGER, "asso-a");
    login_as(&b, other, MG_ROLE_MANAGER, "asso-b");
    int64_t asked[] = {100000, 200000};
    int64_t filed = fx_filed(app->db, &fx, asked, 2);
    fx_form f;
    fx_form_fill(&f, &fx, asked, 1);
    f.in.title = "Brouillon confidentiel de A (exemple)";
    int64_t draft = fx_draft(app->db, &fx, &f);
    char none[96];
    path_of(none, sizeof none, 999999999, "");
    mg_http_response missing = as(&b, "GET", none, NULL);
    assert_int_equal(missing.status, 404);
    const int64_t ids[] = {filed, draft};
    static const char *const suffixes[] = {"", "/modifier", "/versions/1"};
    for (size_t i = 0; i < 2; i++)
        for (size_t s = 0; s < 3; s++) {
            char p[96];
            path_of(p, sizeof p, ids[i], suffixes[s]);
            mg_http_response r = as(&b, "GET", p, NULL);
            assert_int_equal(r.status, 404);
            /* The same page but for the request's reference. */
            const char *ref = strstr(text(&r), "<p class=\"ref\">");
            const char *mref = strstr(text(&missing), "<p class=\"ref\">");
            assert_non_null(ref);
            assert_non_null(mref);
            assert_int_equal(ref - text(&r), mref - text(&missing));
            assert_memory_equal(text(&r), text(&missing), (size_t)(ref - text(&r)));
            mg_http_response_free(&r);
        }
    static const char *const posts[] = {"/modifier", "/deposer", "/renouveler"};
    for (size_t i = 0; i < 2; i++)
        for (size_t s = 0; s < 3; s++) {
            char p[96];
            path_of(p, sizeof p, ids[i], posts[s]);
            expect(&b, "POST", p, "title=vol", 404);
        }
    mg_http_response_free(&missing);
    /* Its home lists nothing of A; A's lists it. */
    mg_http_response r = as(&b, "GET", "/guichet", NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "Brouillon confidentiel"));
    assert_null(strstr(text(&r), "Prévention bucco-dentaire"));
    mg_http_response_free(&r);
    r = as(&a, "GET", "/guichet", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Brouillon confidentiel"));
    assert_non_null(strstr(text(&r), "Prévention bucco-dentaire"));
    mg_http_response_free(&r);
    /* B cannot file a request in A's name. */
    fx_form g;
    fx_form_fill(&g, &fx, asked, 1);
    size_t before = applicant_total(fx.assoc);
    char *body = form_body(&g, &fx, fx.window, fx.assoc);
    r = as(&b, "POST", "/guichet/demandes", body);
    free(body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "f-applicant-erreur"));
    mg_http_response_free(&r);
    assert_int_equal(applicant_total(fx.assoc), before);
}

/* A co-funder addressed but not yet routed sees nothing (404); routed, it
 * sees the request; a co-funder not named never does; the lead sees filed
 * requests, never drafts. */
static void test_cofunder_and_lead(void **state)
{
    (void)state;
    funding_fx fx;
    fx_setup_seed(app->db, 3, 105, &fx);
    who f0, f2, lead;
    login_as(&f0, fx.funders[0], MG_ROLE_INSTRUCTOR, "financeur");
    login_as(&f2, fx.funders[2], MG_ROLE_INSTRUCTOR, "financeur-non-sollicite");
    login_as(&lead, fx.lead, MG_ROLE_INSTRUCTOR, "coordination");
    int64_t asked[] = {100000, 200000};
    int64_t id = fx_filed(app->db, &fx, asked, 2);
    fx_form f;
    fx_form_fill(&f, &fx, asked, 2);
    int64_t draft = fx_draft(app->db, &fx, &f);
    char page[96], dpage[96];
    path_of(page, sizeof page, id, "");
    path_of(dpage, sizeof dpage, draft, "");
    expect(&f0, "GET", page, NULL, 404);
    expect(&f2, "GET", page, NULL, 404);
    expect(&lead, "GET", page, NULL, 200);
    expect(&lead, "GET", dpage, NULL, 404);
    expect(&f0, "GET", dpage, NULL, 404);
    mg_http_response r = as(&f0, "GET", "/guichet", NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "Prévention bucco-dentaire"));
    mg_http_response_free(&r);
    mg_subsidy_errors errs;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_route(app->db, fx.lead_account, id, NULL, 0, &errs, &d), 0);
    expect(&f0, "GET", page, NULL, 200);
    expect(&f2, "GET", page, NULL, 404);
    /* Seen, not changed: the applicant's edits are its own. */
    char renew[96];
    path_of(renew, sizeof renew, id, "/renouveler");
    expect(&f0, "POST", renew, "", 403);
    expect(&lead, "POST", renew, "", 403);
    r = as(&f0, "GET", "/guichet", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Prévention bucco-dentaire"));
    char link[64];
    snprintf(link, sizeof link, "/guichet/financeurs/%lld\"", (long long)fx.funders[0]);
    assert_non_null(strstr(text(&r), link));
    mg_http_response_free(&r);
    r = as(&lead, "GET", "/guichet", NULL);
    snprintf(link, sizeof link, "/guichet/guichets/%lld\"", (long long)fx.window);
    assert_non_null(strstr(text(&r), link));
    mg_http_response_free(&r);
    /* Anonymous: the log-in page, not the request. */
    who anon = {{0}, {0}};
    r = as(&anon, "GET", page, NULL);
    assert_true(r.status == 303 || r.status == 401 || r.status == 404);
    assert_null(strstr(text(&r), "Prévention bucco-dentaire"));
    mg_http_response_free(&r);
}

/* Each role of the applicant, of the lead and of a routed co-funder on a
 * filed request, a draft, the new form and a renewal (the cells of
 * tests/authz/rows-requests.tsv, from the rule of can_subsidy_request:
 * the applicant's administrators, managers, contributors, readers and
 * applicants see, all but the readers change; the lead's administrators,
 * managers, instructors, contributors and readers see filed requests; a
 * routed co-funder's administrators, managers, instructors and readers
 * see; any other role of those organisations 403). */
static void test_roles(void **state)
{
    (void)state;
    funding_fx fx;
    fx_setup_seed(app->db, 2, 106, &fx);
    int64_t asked[] = {100000, 200000};
    int64_t filed = fx_routed(app->db, &fx, asked, 2);
    fx_form f;
    fx_form_fill(&f, &fx, asked, 2);
    int64_t draft = fx_draft(app->db, &fx, &f);
    char page[96], dpage[96], renew[96], newform[96];
    path_of(page, sizeof page, filed, "");
    path_of(dpage, sizeof dpage, draft, "");
    path_of(renew, sizeof renew, filed, "/renouveler");
    snprintf(newform, sizeof newform, "/guichet/demandes/nouvelle?guichet=%lld",
             (long long)fx.window);
    static const struct {
        mg_auth_role role;
        int app_page, app_draft, app_new, app_renew; /* as a member of the applicant */
        int lead_page, lead_draft;                   /* of the lead */
        int fund_page, fund_renew;                   /* of a routed co-funder */
    } cells[] = {
        {MG_ROLE_ADMINISTRATOR, 200, 200, 200, 303, 200, 404, 200, 403},
        {MG_ROLE_MANAGER, 200, 200, 200, 303, 200, 404, 200, 403},
        {MG_ROLE_INSTRUCTOR, 403, 403, 403, 403, 200, 404, 200, 403},
        {MG_ROLE_CONTRIBUTOR, 200, 200, 200, 303, 200, 404, 403, 403},
        {MG_ROLE_READER, 200, 200, 403, 403, 200, 404, 200, 403},
        {MG_ROLE_HOST, 403, 403, 403, 403, 403, 404, 403, 403},
        {MG_ROLE_TELECONSULTANT, 403, 403, 403, 403, 403, 404, 403, 403},
        {MG_ROLE_APPLICANT, 200, 200, 200, 303, 403, 404, 403, 403},
    };
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        who a, l, c;
        const char *key = mg_auth_role_key(cells[i].role);
        login_as(&a, fx.assoc, cells[i].role, key);
        login_as(&l, fx.lead, cells[i].role, key);
        login_as(&c, fx.funders[0], cells[i].role, key);
        expect(&a, "GET", page, NULL, cells[i].app_page);
        expect(&a, "GET", dpage, NULL, cells[i].app_draft);
        expect(&a, "GET", newform, NULL, cells[i].app_new);
        expect(&a, "POST", renew, "", cells[i].app_renew);
        expect(&l, "GET", page, NULL, cells[i].lead_page);
        expect(&l, "GET", dpage, NULL, cells[i].lead_draft);
        expect(&c, "GET", page, NULL, cells[i].fund_page);
        expect(&c, "POST", renew, "", cells[i].fund_renew);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_round_trip),
        cmocka_unit_test(test_refused_form),
        cmocka_unit_test(test_not_yours),
        cmocka_unit_test(test_cofunder_and_lead),
        cmocka_unit_test(test_roles),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, web_setup, web_teardown);
    int pg = test_pg_database("mg_test_web_funding_requests", web_fixture_db,
                              sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, web_setup, web_teardown);
}
