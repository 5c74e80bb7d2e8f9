/*
 * The public's booking pages (web/booking_public.c) through the app's
 * router, on SQLite and PostgreSQL (booking_public_fixture.h): the search
 * near a commune lists a slot of site A; its form; a refused form keeps
 * what was typed and names the field (400) and books nothing; the booking
 * shows its code once; the same slot again says it is gone (409) with
 * fresh slots; the code shows the booking, cancels it, and the slot is
 * offered again; forms without their token are refused; the privacy page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "booking_public_fixture.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web/booking_web.h"

#define FORM "application/x-www-form-urlencoded"

static int setup(void **state)
{
    (void)state;
    return bp_setup("webbookingpublic");
}

/* Appends key=value percent-encoded to a form body. */
static void form_add(char *body, size_t cap, const char *key, const char *value)
{
    size_t n = strlen(body);
    n += (size_t)snprintf(body + n, cap - n, "%s%s=", n ? "&" : "", key);
    for (const unsigned char *p = (const unsigned char *)(value ? value : ""); *p && n + 4 < cap;
         p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_')
            body[n++] = (char)*p;
        else
            n += (size_t)snprintf(body + n, cap - n, "%%%02X", *p);
    }
    body[n] = '\0';
}

/* The first link starting with `prefix` in r, &amp; read back as &. */
static bool first_link(const mg_http_response *r, const char *prefix, char *out, size_t cap)
{
    const char *p = strstr(bp_text(r), prefix);
    if (!p)
        return false;
    size_t n = 0;
    while (*p && *p != '"' && n + 1 < cap) {
        if (strncmp(p, "&amp;", 5) == 0) {
            out[n++] = '&';
            p += 5;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = 0;
    return true;
}

/* The value of query parameter `key` in a target. */
static void param(const char *target, const char *key, char *out, size_t cap)
{
    char pat[32];
    snprintf(pat, sizeof pat, "%s=", key);
    const char *p = strstr(target, pat);
    while (p && p != target && p[-1] != '?' && p[-1] != '&')
        p = strstr(p + 1, pat);
    assert_non_null(p);
    p += strlen(pat);
    size_t n = 0;
    while (p[n] && p[n] != '&' && n + 1 < cap)
        n++;
    memcpy(out, p, n);
    out[n] = 0;
    /* %3A → ':' (the only escape of a start) */
    char *q;
    while ((q = strstr(out, "%3A"))) {
        *q = ':';
        memmove(q + 1, q + 3, strlen(q + 3) + 1);
    }
}

/* A visitor's pre-session cookie and its form token, from a page. */
static void visitor_of(const mg_http_response *r, bp_who *w)
{
    memset(w, 0, sizeof *w);
    for (int k = 0; k < 2; k++) {
        const char *c = r->set_cookie[k];
        if (strncmp(c, "mg_pre=", 7) == 0) {
            size_t n = strcspn(c, ";");
            snprintf(w->cookie, sizeof w->cookie, "%.*s", (int)n, c);
        }
    }
    assert_true(w->cookie[0]);
    const char *p = strstr(bp_text(r), "name=\"csrf\" value=\"");
    assert_non_null(p);
    p += strlen("name=\"csrf\" value=\"");
    size_t n = strcspn(p, "\"");
    assert_true(n < sizeof w->csrf);
    memcpy(w->csrf, p, n);
    w->csrf[n] = 0;
}

/* The form's body for the slot of `link`. */
static void slot_body(char *body, size_t cap, const char *link, const bp_who *w,
                      const char *person, const char *phone, bool accord)
{
    static const char *const keys[] = {"site", "device", "tc", "kind", "start"};
    body[0] = 0;
    form_add(body, cap, "csrf", w->csrf);
    for (size_t k = 0; k < 5; k++) {
        char v[64];
        param(link, keys[k], v, sizeof v);
        form_add(body, cap, keys[k], v);
    }
    form_add(body, cap, "person", person);
    form_add(body, cap, "phone", phone);
    if (accord)
        form_add(body, cap, "accord", "1");
}

static void test_story(void **state)
{
    (void)state;
    const mg_territory *t = mg_app_profession_get(app, NULL)->g->t;
    char target[300], link[300], body[1200];

    /* The home page lists both sites. */
    mg_http_response r = bp_request(&bp_anon, "GET", "/teleconsultation", NULL, NULL);
    assert_int_equal(r.status, 200);
    snprintf(target, sizeof target, "/teleconsultation?site=%lld", (long long)bp_site[BP_A]);
    assert_true(bp_has(&r, target));
    mg_http_response_free(&r);

    /* Near A's commune, typed by name: a slot of A. */
    body[0] = 0;
    form_add(body, sizeof body, "commune", t->name[bp_commune[BP_A]]);
    snprintf(target, sizeof target, "/teleconsultation?%s", body);
    r = bp_request(&bp_anon, "GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    char site_a[80];
    snprintf(site_a, sizeof site_a, "/teleconsultation/reserver?site=%lld&amp;",
             (long long)bp_site[BP_A]);
    assert_true(bp_has(&r, site_a));
    snprintf(site_a, sizeof site_a, "/teleconsultation/reserver?site=%lld&",
             (long long)bp_site[BP_A]);
    assert_true(first_link(&r, "/teleconsultation/reserver?", link, sizeof link));
    mg_http_response_free(&r);
    /* The first link near A is A's (0 minutes, and every slot on the same grid). */
    if (strncmp(link, site_a, strlen(site_a)) != 0) {
        /* B nearer in time order only if it has an earlier slot: take A's own page. */
        snprintf(target, sizeof target, "/teleconsultation?site=%lld", (long long)bp_site[BP_A]);
        r = bp_request(&bp_anon, "GET", target, NULL, NULL);
        assert_true(first_link(&r, "/teleconsultation/reserver?", link, sizeof link));
        mg_http_response_free(&r);
    }
    char start[40];
    param(link, "start", start, sizeof start);

    /* An unknown commune: 400, the field named with what was typed. */
    r = bp_request(&bp_anon, "GET", "/teleconsultation?commune=Nullepart-sur-Mer", NULL, NULL);
    assert_int_equal(r.status, 400);
    assert_true(bp_has(&r, "aria-invalid=\"true\"") && bp_has(&r, "Nullepart-sur-Mer"));
    mg_http_response_free(&r);

    /* The form, and a visitor's token. */
    r = bp_request(&bp_anon, "GET", link, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(bp_has(&r, "name=\"person\"") && bp_has(&r, "name=\"phone\"") &&
                bp_has(&r, "/teleconsultation/confidentialite"));
    bp_who vis;
    visitor_of(&r, &vis);
    mg_http_response_free(&r);

    /* Refused: a phone that is none; what was typed kept, the field named. */
    size_t active0 = bp_active(BP_A);
    slot_body(body, sizeof body, link, &vis, "A. B.", "12", true);
    r = bp_request(&vis, "POST", "/teleconsultation/reserver", FORM, body);
    assert_int_equal(r.status, 400);
    assert_true(bp_has(&r, "value=\"A. B.\"") && bp_has(&r, "value=\"12\""));
    assert_true(bp_has(&r, "id=\"tc-phone-erreur\""));
    mg_http_response_free(&r);
    /* Refused: the notice not ticked. */
    slot_body(body, sizeof body, link, &vis, "A. B.", "06 12 34 56 78", false);
    r = bp_request(&vis, "POST", "/teleconsultation/reserver", FORM, body);
    assert_int_equal(r.status, 400);
    assert_true(bp_has(&r, "id=\"tc-accord-erreur\"") && bp_has(&r, "value=\"06 12 34 56 78\""));
    mg_http_response_free(&r);
    /* Without the form's token: 403. */
    bp_who forged = vis;
    forged.csrf[0] = forged.csrf[0] == 'A' ? 'B' : 'A';
    slot_body(body, sizeof body, link, &forged, "A. B.", "06 12 34 56 78", true);
    r = bp_request(&forged, "POST", "/teleconsultation/reserver", FORM, body);
    assert_int_equal(r.status, 403);
    mg_http_response_free(&r);
    assert_int_equal(bp_active(BP_A), active0);

    /* Booked: the code, once, with the address and the time in French. */
    slot_body(body, sizeof body, link, &vis, "A. B.", "06 12 34 56 78", true);
    r = bp_request(&vis, "POST", "/teleconsultation/reserver", FORM, body);
    assert_int_equal(r.status, 200);
    const char *c = strstr(bp_text(&r), "Code : <strong>");
    assert_non_null(c);
    char code[MG_BOOKING_CODE_SIZE];
    snprintf(code, sizeof code, "%.*s", MG_BOOKING_CODE_SIZE - 1, c + strlen("Code : <strong>"));
    char canon[MG_BOOKING_CODE_CHARS + 1];
    assert_int_equal(mg_booking_code_normalise(code, canon), MG_OK);
    int64_t minute;
    assert_int_equal(web_booking_parse_start(start, &minute), MG_OK);
    char when[64];
    mg_booking_format_fr(minute, when);
    assert_true(bp_has(&r, when));
    assert_true(bp_has(&r, "1 place de l&#39;Exemple") || bp_has(&r, "1 place de l&#x27;Exemple") ||
                bp_has(&r, "1 place de l'Exemple"));
    mg_http_response_free(&r);
    assert_int_equal(bp_active(BP_A), active0 + 1);

    /* The same slot again: gone, 409, other slots offered, nothing booked. */
    slot_body(body, sizeof body, link, &vis, "C. D.", "06 98 76 54 32", true);
    r = bp_request(&vis, "POST", "/teleconsultation/reserver", FORM, body);
    assert_int_equal(r.status, 409);
    assert_true(bp_has(&r, "plus libre") && bp_has(&r, "/teleconsultation/reserver?"));
    mg_http_response_free(&r);
    assert_int_equal(bp_active(BP_A), active0 + 1);
    /* Its form says so too. */
    r = bp_request(&bp_anon, "GET", link, NULL, NULL);
    assert_int_equal(r.status, 409);
    assert_false(bp_has(&r, "name=\"phone\""));
    mg_http_response_free(&r);
    /* Not offered any more on A's page. */
    snprintf(target, sizeof target, "/teleconsultation?site=%lld", (long long)bp_site[BP_A]);
    char link_html[400];
    {
        /* The link as the page writes it (&amp;). */
        size_t n = 0;
        for (const char *p = link; *p && n + 6 < sizeof link_html; p++) {
            if (*p == '&') {
                memcpy(link_html + n, "&amp;", 5);
                n += 5;
            } else {
                link_html[n++] = *p;
            }
        }
        link_html[n] = 0;
    }
    r = bp_request(&bp_anon, "GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_false(bp_has(&r, link_html));
    mg_http_response_free(&r);

    /* The public sees nobody's booking: no list page answers it. */
    r = bp_request(&bp_anon, "GET", "/teleconsultation/rendez-vous", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_false(bp_has(&r, "A. B.") || bp_has(&r, "06 12 34 56 78"));
    mg_http_response_free(&r);

    /* The code shows the booking, and a wrong one nothing. */
    body[0] = 0;
    form_add(body, sizeof body, "csrf", vis.csrf);
    form_add(body, sizeof body, "code", code);
    r = bp_request(&vis, "POST", "/teleconsultation/rendez-vous", FORM, body);
    assert_int_equal(r.status, 200);
    assert_true(bp_has(&r, mg_booking_state_label(MG_BOOKING_BOOKED)) && bp_has(&r, when) &&
                bp_has(&r, "/teleconsultation/annuler"));
    assert_false(bp_has(&r, "06 12 34 56 78") || bp_has(&r, "+33612345678"));
    mg_http_response_free(&r);
    body[0] = 0;
    form_add(body, sizeof body, "csrf", vis.csrf);
    form_add(body, sizeof body, "code", "00000-00000");
    r = bp_request(&vis, "POST", "/teleconsultation/rendez-vous", FORM, body);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);

    /* Cancelled with the code: the slot is offered again. */
    body[0] = 0;
    form_add(body, sizeof body, "csrf", vis.csrf);
    form_add(body, sizeof body, "code", code);
    r = bp_request(&vis, "POST", "/teleconsultation/annuler", FORM, body);
    assert_int_equal(r.status, 200);
    assert_true(bp_has(&r, "Rendez-vous annulé"));
    mg_http_response_free(&r);
    assert_int_equal(bp_active(BP_A), active0);
    r = bp_request(&bp_anon, "GET", target, NULL, NULL);
    assert_true(bp_has(&r, link_html));
    mg_http_response_free(&r);

    /* The finder "Où me soigner ?" links here from its results. */
    snprintf(target, sizeof target, "/ou-me-soigner?commune=%s", t->code[bp_commune[BP_A]]);
    r = bp_request(&bp_anon, "GET", target, NULL, NULL);
    assert_int_equal(r.status, 200);
    snprintf(target, sizeof target, "href=\"/teleconsultation?commune=%s\"",
             t->code[bp_commune[BP_A]]);
    assert_true(bp_has(&r, target));
    mg_http_response_free(&r);

    /* The privacy notice. */
    r = bp_request(&bp_anon, "GET", "/teleconsultation/confidentialite", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(bp_has(&r, "6.1.e") && bp_has(&r, "trois mois"));
    mg_http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_story),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_booking_public", web_fixture_db,
                              sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return failed + 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
