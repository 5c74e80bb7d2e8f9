/*
 * The fixture of the public booking tests (test_web_booking_public,
 * test_web_api_booking): the app of the demo Aude (web_fixture.h) with two
 * directory structures registered as sites of the fixture's organisation's
 * network — A in the first study commune, B in another — each with one
 * cabin open every day all day (an example), one teleconsultant of an
 * organisation of its own serving both for general practice (20 minutes,
 * available all the time), and signed-in accounts: A's host, B's host, the
 * teleconsultant. Everything is marked as an example and names nobody.
 */
#ifndef MG_TESTS_BOOKING_PUBLIC_FIXTURE_H
#define MG_TESTS_BOOKING_PUBLIC_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "booking/book.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "directory/directory.h"
#include "web_fixture.h"

#define BP_PASSWORD "un mot de passe de test assez long"
#define BP_HOURS "Mo-Su 00:00-24:00"
#define BP_DURATION 20

typedef struct bp_who {
    char cookie[256];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
    int64_t account;
} bp_who;

enum { BP_A, BP_B, BP_NSITES };
static const char *const bp_names[BP_NSITES] = {"Mairie des Essais (exemple)",
                                                "Pharmacie du Canal (exemple)"};
static int64_t bp_site[BP_NSITES], bp_device[BP_NSITES], bp_tc, bp_tc_org;
static long bp_commune[BP_NSITES]; /* territory indices */
static bp_who bp_host[BP_NSITES], bp_tcw, bp_anon;

static const char *bp_text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

static bool bp_has(const mg_http_response *r, const char *s)
{
    return strstr(bp_text(r), s) != NULL;
}

/* A request as w (anonymous when w's cookie is ""), with extra headers. */
static mg_http_response bp_request(const bp_who *w, const char *method, const char *target,
                                   const char *ctype, const char *body)
{
    mg_http_response res;
    const char *headers[] = {"Cookie", w->cookie, "X-CSRF-Token", w->csrf, NULL};
    const char *none[] = {NULL};
    if (mg_http_dispatch_with(app->router, method, target, w->cookie[0] ? headers : none, ctype,
                              body, body ? strlen(body) : 0, &res))
        fail_msg("dispatch %s %s", method, target);
    return res;
}

static void bp_log_in(bp_who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    static int serial;
    snprintf(email, sizeof email, "%s%d.%ld@exemple.invalid", tag, ++serial, (long)time(NULL));
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    int64_t now = (int64_t)time(NULL);
    if (mg_auth_account_add(app->db, 0, email, "Personne (exemple)", BP_PASSWORD, org, role,
                            &w->account, NULL, &d) ||
        mg_auth_login(app->db, email, BP_PASSWORD, "127.0.0.1", now, &lr, &retry, &d) ||
        mg_auth_session_load(app->db, lr.session, now, &s, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

static int64_t bp_find(const char *name)
{
    mg_dir_query q = {.text = name, .category = -1};
    mg_dir_set set;
    mg_dir_set_init(&set);
    size_t total = 0;
    mg_diag d = {{0}};
    int64_t id = 0;
    if (mg_dir_search(app->db, &q, &set, &total, &d) == MG_OK)
        for (size_t k = 0; k < set.nstructures; k++)
            if (strcmp(set.structures[k].name, name) == 0)
                id = set.structures[k].id;
    mg_dir_set_free(&set);
    return id;
}

static int bp_setup(const char *tag)
{
    if (web_setup_on(MG_BASELINE_MODEL, tag))
        return -1;
    memset(&bp_anon, 0, sizeof bp_anon);
    const mg_diagnosis *g = mg_app_profession_get(app, NULL)->g;
    const mg_territory *t = g->t;
    if (g->study_n < 2)
        return -1;
    bp_commune[BP_A] = (long)g->study[0];
    bp_commune[BP_B] = (long)g->study[g->study_n - 1];
    mg_dir_set set;
    mg_dir_set_init(&set);
    static const mg_dir_category cats[BP_NSITES] = {MG_DIR_TOWN_HALL, MG_DIR_PHARMACY};
    for (int k = 0; k < BP_NSITES; k++) {
        mg_dir_structure *s = mg_dir_add_structure(&set);
        s->source = "test-booking";
        s->source_id = k ? "b" : "a";
        s->name = bp_names[k];
        s->category = cats[k];
        s->address = "1 place de l'Exemple";
        s->postcode = "11000";
        s->commune_code = mg_dir_strdup(&set, t->code[bp_commune[k]], SIZE_MAX);
        s->commune_name = mg_dir_strdup(&set, t->name[bp_commune[k]], SIZE_MAX);
        s->opening_hours = BP_HOURS;
        s->updated_on = "2026-11-30";
    }
    mg_dir_report rep;
    mg_dir_report_init(&rep);
    mg_diag d = {{0}};
    mg_dir_import_opts o = {0};
    int rc = mg_dir_import(app->db, &set, &o, &rep, &d);
    mg_dir_report_free(&rep);
    mg_dir_set_free(&set);
    if (rc) {
        fprintf(stderr, "setup: import: %s\n", d.msg);
        return -1;
    }
    mg_booking_errors errs = {0};
    for (int k = 0; k < BP_NSITES; k++) {
        if (!(bp_site[k] = bp_find(bp_names[k]))) {
            fprintf(stderr, "setup: %s not imported\n", bp_names[k]);
            return -1;
        }
        mg_booking_site_input si = {.site_id = bp_site[k], .owner_id = web_org_id,
                                    .ask = "initials", .active = true, .is_example = true};
        mg_booking_device_input di = {.site_id = bp_site[k], .kind = "cabin",
                                      .name = "Cabine (exemple)", .active = true};
        if (mg_booking_site_put(app->db, 0, &si, &errs, &d) ||
            mg_booking_device_add(app->db, 0, &di, &bp_device[k], &errs, &d)) {
            fprintf(stderr, "setup: site %d: %s\n", k, d.msg);
            return -1;
        }
    }
    mg_auth_org_input org = {.name = "Téléconsultants (exemple)", .kind = "other"};
    if (mg_auth_org_add(app->db, 0, &org, true, false, &bp_tc_org, NULL, &d)) {
        fprintf(stderr, "setup: teleconsultants' organisation: %s\n", d.msg);
        return -1;
    }
    mg_booking_teleconsultant_input ti = {.organisation_id = bp_tc_org, .owner_id = web_org_id,
                                          .label = "Médecin généraliste (exemple)",
                                          .availability = BP_HOURS,
                                          .kinds = {{MG_BOOKING_GP, BP_DURATION}}, .nkinds = 1,
                                          .site_ids = bp_site, .nsites = BP_NSITES,
                                          .active = true};
    if (mg_booking_teleconsultant_add(app->db, 0, &ti, &bp_tc, &errs, &d)) {
        fprintf(stderr, "setup: teleconsultant: %s (%s)\n", d.msg,
                errs.n ? errs.e[0].field : "");
        return -1;
    }
    bp_log_in(&bp_host[BP_A], bp_site[BP_A], MG_ROLE_HOST, "hote-a");
    bp_log_in(&bp_host[BP_B], bp_site[BP_B], MG_ROLE_HOST, "hote-b");
    bp_log_in(&bp_tcw, bp_tc_org, MG_ROLE_TELECONSULTANT, "teleconsultant");
    return 0;
}

/* Sets whether site k shares phone numbers with teleconsultants. */
static inline void bp_share_phone(int k, bool share)
{
    mg_booking_site_input si = {.site_id = bp_site[k], .owner_id = web_org_id,
                                .ask = "initials", .share_phone = share, .active = true,
                                .is_example = true};
    mg_booking_errors errs = {0};
    mg_diag d = {{0}};
    if (mg_booking_site_put(app->db, 0, &si, &errs, &d))
        fail_msg("share phone: %s", d.msg);
}

/* Bookings of site k that are not cancelled, read by the domain. */
static inline size_t bp_active(int k)
{
    mg_booking_filter f = {.site_id = bp_site[k], .from = 0, .to = INT64_MAX / 2,
                           .limit = MG_BOOKING_PAGE_MAX};
    mg_booking *v = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    if (mg_booking_list(app->db, &f, &v, &n, &total, &d))
        fail_msg("list: %s", d.msg);
    free(v);
    return total;
}

#endif
