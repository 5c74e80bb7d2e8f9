/*
 * Mobile services' rounds in the pages (web/rounds_pages.c, rounds_plan.c,
 * rounds_public.c), through the application's router on the demo Aude:
 * a Département's manager creates a service, a vehicle and its stops by the
 * forms; refused forms come back, 400, with what was typed and the refused
 * field named (and nothing written); a plan saved through the store is
 * published by the form and its public timetable shows this week's and
 * next week's stops (counted against a loop of its own over the dates),
 * with a cancellation and its reason; the poster is a PDF, the feed an
 * iCalendar with one event per stop of its range but those of a school
 * holiday (imported from a calendar file in the ministry's layout); the
 * finder shows the next stop; a GP service's plan raises the APL of at
 * least one commune; a reader sees but cannot post (403), another organisation's
 * manager gets 404, a visitor the log-in page; an unpublished service has
 * no public page. On SQLite, then on PostgreSQL when MG_TEST_PG_URI is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "db/db.h"
#include "directory/directory.h"
#include "parse/parse.h"
#include "pg_fixture.h"
#include "rounds/store.h"
#include "testutil.h"
#include "web/web.h"
#include "web_fixture.h"

#define FORM "application/x-www-form-urlencoded"
#define PASSWORD "un mot de passe de test assez long"

typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
    int64_t account;
} who;

static who manager, reader, stranger, anonymous;
static int64_t org_a, org_b;

/* Tuesday 3 November 2026, 08:00 in Paris (07:00 UTC): the pages' "now". */
#define NOW_UTC 1793689200LL
/* The anchor Monday of the published plan, and the stops' communes. */
#define ANCHOR "2026-11-02"
static const char *const stop_communes[2] = {"11049", "11136"}; /* Bram, Fanjeaux */

/* --- Requests ---------------------------------------------------------------------------- */

static mg_http_response as(const who *w, const char *method, const char *target,
                           const char *body)
{
    mg_http_response res;
    const char *headers[] = {"Cookie", w->cookie, "X-CSRF-Token", w->csrf, NULL};
    const char *none[] = {NULL};
    int rc = mg_http_dispatch_with(app->router, method, target, w->cookie[0] ? headers : none,
                                   body ? FORM : NULL, body, body ? strlen(body) : 0, &res);
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
        fail_msg("%s %s: %d, expected %d: %.300s", method, target, r.status, status, text(&r));
    mg_http_response_free(&r);
}

static void expect_has(const mg_http_response *r, const char *needle)
{
    if (!strstr(text(r), needle)) {
        const char *main = strstr(text(r), "<main");
        fail_msg("\"%s\" not in the answer (status %d): %.3000s", needle, r->status,
                 main ? main : text(r));
    }
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A multipart/form-data POST of the manager: the CSRF token and
 * `replace` as fields, `content` as the file `file` named `filename`. */
static mg_http_response upload(const char *target, const char *filename, const char *content)
{
    static const char boundary[] = "----essai-tournees";
    char body[4096];
    int n = snprintf(body, sizeof body,
                     "--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
                     "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                     "Content-Type: text/csv\r\n\r\n%s\r\n--%s--\r\n",
                     boundary, manager.csrf, boundary, filename, content, boundary);
    assert_true(n > 0 && (size_t)n < sizeof body);
    char ctype[96];
    snprintf(ctype, sizeof ctype, "multipart/form-data; boundary=%s", boundary);
    const char *headers[] = {"Cookie", manager.cookie, "X-CSRF-Token", manager.csrf, NULL};
    mg_http_response res;
    assert_int_equal(mg_http_dispatch_with(app->router, "POST", target, headers, ctype, body,
                                           (size_t)n, &res),
                     0);
    return res;
}

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

static void log_in(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    static int serial;
    snprintf(email, sizeof email, "%s.%d.%ld@tournees.invalid", tag, ++serial, (long)time(NULL));
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    int64_t now = (int64_t)time(NULL);
    if (mg_auth_account_add(app->db, 0, email, "Personne (exemple)", PASSWORD, org, role,
                            &w->account, NULL, &d))
        fail_msg("account %s: %s", tag, d.msg);
    if (mg_auth_login(app->db, email, PASSWORD, "127.0.0.1", now, &lr, &retry, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    if (mg_auth_session_load(app->db, lr.session, now, &s, &d))
        fail_msg("session %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

/* The services of organisation org, their count. */
static size_t services_of(int64_t org, mg_round_service *first)
{
    mg_round_service *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    if (mg_round_service_list(app->db, org, false, &v, &n, &d))
        fail_msg("list: %s", d.msg);
    if (n && first)
        *first = v[n - 1];
    free(v);
    return n;
}

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    org_a = web_org_id;
    snprintf(manager.cookie, sizeof manager.cookie, "%s", web_cookie);
    memcpy(manager.csrf, web_csrf_token, sizeof manager.csrf);
    mg_diag d = {{0}};
    char name[96];
    snprintf(name, sizeof name, "Département voisin %ld (exemple)", (long)time(NULL));
    mg_auth_org_input in = {.name = name, .kind = "departement"};
    if (mg_auth_org_add(app->db, 0, &in, true, false, &org_b, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    app->finder_now = NOW_UTC;
    return 0;
}

static int teardown(void **state)
{
    return web_teardown(state);
}

/* --- A service by the forms ---------------------------------------------------------------- */

static int64_t service_id;
static int64_t vehicle_id;
static int64_t stop_ids[2];

static void test_create_by_forms(void **state)
{
    (void)state;
    log_in(&reader, org_a, MG_ROLE_READER, "lecture");
    log_in(&stranger, org_b, MG_ROLE_MANAGER, "voisin");
    mg_http_response r = as(&manager, "GET", "/tournees/services", NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Créer un service");
    /* Without an INSEE file, the sentence. */
    expect_has(&r, "Faute du fichier de l&#39;INSEE, le service vise tous les habitants");
    mg_http_response_free(&r);

    char body[2048] = "", org[24];
    snprintf(org, sizeof org, "%lld", (long long)org_a);
    form_add(body, sizeof body, "organisation_id", org);
    form_add(body, sizeof body, "name", "PMI itinérante du Razès (exemple)");
    form_add(body, sizeof body, "territory_choice", "communes");
    form_add(body, sizeof body, "territory", "11049,11136,11069");
    form_add(body, sizeof body, "target_public", "early_childhood");
    form_add(body, sizeof body, "profession", "");
    form_add(body, sizeof body, "reach_min", "20");
    form_add(body, sizeof body, "cycle_weeks", "1");
    form_add(body, sizeof body, "stop_min", "60");
    form_add(body, sizeof body, "underserved_extra", "0,5");
    form_add(body, sizeof body, "school_zone", "C");
    form_add(body, sizeof body, "contact", "04 68 00 00 00 (exemple)");
    r = as(&manager, "POST", "/tournees/services", body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    mg_round_service s;
    assert_int_equal(services_of(org_a, &s), 1);
    service_id = s.id;
    assert_string_equal(s.target_public, "early_childhood");
    assert_int_equal(s.reach_min, 20);
    assert_string_equal(s.territory, "communes:11049,11136,11069");
    assert_false(s.runs_in_holidays); /* the box was not ticked */

    char path[128], target[160];
    snprintf(path, sizeof path, "/tournees/services/%lld", (long long)service_id);
    body[0] = 0;
    form_add(body, sizeof body, "name", "Camion PMI (exemple)");
    form_add(body, sizeof body, "base_name", "Centre médico-social de Bram (exemple)");
    form_add(body, sizeof body, "base_commune", "11049");
    form_add(body, sizeof body, "day_1", "1");
    form_add(body, sizeof body, "day_3", "1");
    form_add(body, sizeof body, "day_start", "8:30");
    form_add(body, sizeof body, "day_end", "17h");
    form_add(body, sizeof body, "break_min", "60");
    form_add(body, sizeof body, "break_earliest", "12:00");
    form_add(body, sizeof body, "break_latest", "13:30");
    form_add(body, sizeof body, "max_drive", "0");
    snprintf(target, sizeof target, "%s/vehicules", path);
    expect(&manager, "POST", target, body, 303);
    mg_round_vehicle *veh = NULL;
    size_t nveh = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_round_vehicle_list(app->db, service_id, false, &veh, &nveh, &d), 0);
    assert_int_equal(nveh, 1);
    vehicle_id = veh[0].id;
    assert_int_equal(veh[0].weekdays, (1u << 1) | (1u << 3)); /* Tuesday and Thursday */
    assert_int_equal(veh[0].day_start, 8 * 60 + 30);
    assert_int_equal(veh[0].day_end, 17 * 60);
    free(veh);

    /* The chefs-lieux of the three communes. */
    snprintf(target, sizeof target, "%s/arrets/chefs-lieux", path);
    expect(&manager, "POST", target, "", 303);
    mg_round_stop *st = NULL;
    size_t nst = 0;
    assert_int_equal(mg_round_stop_list(app->db, service_id, true, &st, &nst, &d), 0);
    assert_int_equal(nst, 3);
    for (size_t k = 0; k < nst; k++)
        for (int j = 0; j < 2; j++)
            if (strcmp(st[k].commune_code, stop_communes[j]) == 0)
                stop_ids[j] = st[k].id;
    free(st);
    assert_true(stop_ids[0] > 0 && stop_ids[1] > 0);

    /* A stops file: one refused row refuses the file, named by the name the
     * browser gave and its line; a good one adds its stops. */
    snprintf(target, sizeof target, "%s/arrets/fichier", path);
    static const char bad[] = "nom;commune\nPlace de la Halle (exemple);11049\n"
                              "Ailleurs (exemple);99999\n";
    r = upload(target, "arrets.csv", bad);
    assert_int_equal(r.status, 400);
    expect_has(&r, "href=\"#fichier-file\"");
    expect_has(&r, "arrets.csv:3");
    assert_null(strstr(text(&r), "/tmp/maillage-arrets-"));
    mg_http_response_free(&r);
    assert_int_equal(mg_round_stop_list(app->db, service_id, true, &st, &nst, &d), 0);
    free(st);
    assert_int_equal(nst, 3);
    static const char good[] = "nom;commune;minutes\nPlace de la Halle (exemple);11049;45\n";
    r = upload(target, "arrets.csv", good);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    assert_int_equal(mg_round_stop_list(app->db, service_id, true, &st, &nst, &d), 0);
    bool halle = false;
    for (size_t k = 0; k < nst; k++)
        if (strcmp(st[k].name, "Place de la Halle (exemple)") == 0)
            halle = st[k].minutes == 45 && strcmp(st[k].commune_code, "11049") == 0;
    free(st);
    assert_int_equal(nst, 4);
    assert_true(halle);
    /* The directory's town halls in the territory: none ticked is refused,
     * the one of Fanjeaux (made here, with its point) is added. */
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *ds = mg_dir_add_structure(&set);
    assert_non_null(ds);
    ds->source = "essai-tournees";
    ds->source_id = "mairie-fanjeaux";
    ds->name = "Mairie de Fanjeaux (exemple)";
    ds->category = MG_DIR_TOWN_HALL;
    ds->commune_code = "11136";
    ds->commune_name = "Fanjeaux";
    ds->postcode = "11270";
    ds->lat = 43.1868;
    ds->lon = 2.0325;
    int64_t sid = 0;
    if (mg_dir_save(app->db, 0, &set, &sid, NULL, &d))
        fail_msg("structure: %s", d.msg);
    mg_dir_set_free(&set);
    snprintf(target, sizeof target, "%s/arrets/annuaire", path);
    r = as(&manager, "POST", target, "replace=");
    assert_int_equal(r.status, 400);
    expect_has(&r, "href=\"#annuaire-categories\"");
    mg_http_response_free(&r);
    expect(&manager, "POST", target, "cat_town_hall=1", 303);
    assert_int_equal(mg_round_stop_list(app->db, service_id, true, &st, &nst, &d), 0);
    bool mairie = false;
    for (size_t k = 0; k < nst; k++)
        if (strcmp(st[k].name, "Mairie de Fanjeaux (exemple)") == 0)
            mairie = st[k].source == MG_ROUND_STOP_DIRECTORY && st[k].structure_id == sid;
    free(st);
    assert_true(mairie);

    /* Back to the three chefs-lieux for what follows. */
    snprintf(target, sizeof target, "%s/arrets/chefs-lieux", path);
    expect(&manager, "POST", target, "replace=1", 303);
    assert_int_equal(mg_round_stop_list(app->db, service_id, true, &st, &nst, &d), 0);
    free(st);
    assert_int_equal(nst, 3);

    r = as(&manager, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Camion PMI (exemple)");
    expect_has(&r, "Chef-lieu de Fanjeaux");
    expect_has(&r, "Calculer les tournées");
    mg_http_response_free(&r);
}

static void test_refusals_keep_input(void **state)
{
    (void)state;
    size_t before = services_of(org_a, NULL);
    char body[2048] = "", org[24];
    snprintf(org, sizeof org, "%lld", (long long)org_a);
    form_add(body, sizeof body, "organisation_id", org);
    form_add(body, sizeof body, "name", "Bus jeunesse refusé (exemple)");
    form_add(body, sizeof body, "territory_choice", "");
    form_add(body, sizeof body, "reach_min", "beaucoup");
    form_add(body, sizeof body, "cycle_weeks", "1");
    form_add(body, sizeof body, "stop_min", "60");
    mg_http_response r = as(&manager, "POST", "/tournees/services", body);
    assert_int_equal(r.status, 400);
    expect_has(&r, "Temps d&#39;accès à un arrêt");
    expect_has(&r, "href=\"#service-reach_min\"");
    expect_has(&r, "value=\"Bus jeunesse refusé (exemple)\"");
    expect_has(&r, "value=\"beaucoup\"");
    mg_http_response_free(&r);
    assert_int_equal(services_of(org_a, NULL), before);

    /* Another organisation than one's own: the organisation field refused. */
    body[0] = 0;
    snprintf(org, sizeof org, "%lld", (long long)org_b);
    form_add(body, sizeof body, "organisation_id", org);
    form_add(body, sizeof body, "name", "Service d'ailleurs (exemple)");
    form_add(body, sizeof body, "reach_min", "15");
    form_add(body, sizeof body, "cycle_weeks", "1");
    form_add(body, sizeof body, "stop_min", "60");
    r = as(&manager, "POST", "/tournees/services", body);
    assert_int_equal(r.status, 400);
    expect_has(&r, "href=\"#service-organisation_id\"");
    mg_http_response_free(&r);
    assert_int_equal(services_of(org_b, NULL), 0);

    /* A vehicle whose day ends before it starts, and a base that is no commune. */
    char target[160];
    snprintf(target, sizeof target, "/tournees/services/%lld/vehicules", (long long)service_id);
    body[0] = 0;
    form_add(body, sizeof body, "name", "Second camion (exemple)");
    form_add(body, sizeof body, "base_name", "Dépôt (exemple)");
    form_add(body, sizeof body, "base_commune", "99999");
    form_add(body, sizeof body, "day_1", "1");
    form_add(body, sizeof body, "day_start", "vers huit heures");
    form_add(body, sizeof body, "day_end", "17:00");
    r = as(&manager, "POST", target, body);
    assert_int_equal(r.status, 400);
    expect_has(&r, "href=\"#vehicule-base_commune\"");
    expect_has(&r, "href=\"#vehicule-day_start\"");
    expect_has(&r, "value=\"vers huit heures\"");
    expect_has(&r, "value=\"Second camion (exemple)\"");
    mg_http_response_free(&r);
    mg_round_vehicle *veh = NULL;
    size_t nveh = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_round_vehicle_list(app->db, service_id, false, &veh, &nveh, &d), 0);
    free(veh);
    assert_int_equal(nveh, 1);

    /* A publication on a day that is not a Monday. */
    snprintf(target, sizeof target, "/tournees/services/%lld/publication", (long long)service_id);
    body[0] = 0;
    form_add(body, sizeof body, "plan_id", "1");
    form_add(body, sizeof body, "anchor_monday", "2026-11-04");
    r = as(&manager, "POST", target, body);
    assert_int_equal(r.status, 400);
    expect_has(&r, "href=\"#publication-anchor_monday\"");
    expect_has(&r, "n&#39;est pas un lundi");
    mg_http_response_free(&r);
}

/* --- Computing a plan and entering the current rounds -------------------------------------- */

/* The service's plans of kind `kind`: how many, the newest's id. */
static size_t plans_of(mg_round_plan_kind kind, int64_t *newest)
{
    mg_round_plan *v = NULL;
    size_t n = 0, count = 0;
    mg_diag d = {{0}};
    if (mg_round_plan_list(app->db, service_id, &v, &n, &d))
        fail_msg("plans: %s", d.msg);
    for (size_t k = 0; k < n; k++)
        if (v[k].kind == kind) {
            if (count++ == 0 && newest)
                *newest = v[k].id;
        }
    mg_round_plans_free(v, n);
    return count;
}

static void test_compute_and_current(void **state)
{
    (void)state;
    char target[200], body[1024] = "";
    snprintf(target, sizeof target, "/tournees/services/%lld/plans", (long long)service_id);
    /* Refused: no time to compute. */
    form_add(body, sizeof body, "seconds", "0");
    mg_http_response r = as(&manager, "POST", target, body);
    assert_int_equal(r.status, 400);
    expect_has(&r, "href=\"#calcul-seconds\"");
    mg_http_response_free(&r);
    assert_int_equal(plans_of(MG_ROUND_PLAN_COMPUTED, NULL), 0);

    body[0] = 0;
    form_add(body, sizeof body, "label", "Premier calcul (exemple)");
    form_add(body, sizeof body, "seconds", "1");
    r = as(&manager, "POST", target, body);
    assert_int_equal(r.status, 303);
    int64_t pid = 0;
    assert_int_equal(plans_of(MG_ROUND_PLAN_COMPUTED, &pid), 1);
    char want[200];
    snprintf(want, sizeof want, "/tournees/services/%lld/plans/%lld", (long long)service_id,
             (long long)pid);
    assert_string_equal(r.location, want);
    mg_http_response_free(&r);
    /* Its routes run on the vehicle's days only, within its day. */
    mg_round_plan p;
    mg_diag d = {{0}};
    assert_int_equal(mg_round_plan_get(app->db, pid, &p, &d), 0);
    assert_true(p.nroutes >= 1);
    for (size_t k = 0; k < p.nroutes; k++) {
        assert_true(p.routes[k].weekday == 1 || p.routes[k].weekday == 3);
        assert_true(p.routes[k].leave >= 8 * 60 + 30 && p.routes[k].back <= 17 * 60);
    }
    mg_round_plan_clear(&p);
    r = as(&reader, "GET", want, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Tournées par véhicule et par jour");
    expect_has(&r, "Public couvert et effet sur l'accès");
    expect_has(&r, "Aucune tournée actuelle saisie pour comparer");
    mg_http_response_free(&r);

    /* The current rounds of Tuesday: Bram then Fanjeaux; a stop that is no
     * allowed one refused, with what was typed. */
    snprintf(target, sizeof target, "/tournees/services/%lld/actuelles", (long long)service_id);
    char vid[24], sid[24], field[64];
    snprintf(vid, sizeof vid, "%lld", (long long)vehicle_id);
    body[0] = 0;
    form_add(body, sizeof body, "vehicle_id", vid);
    form_add(body, sizeof body, "week", "0");
    form_add(body, sizeof body, "weekday", "1");
    form_add(body, sizeof body, "stop_1", "Nulle part (exemple)");
    r = as(&manager, "POST", target, body);
    assert_int_equal(r.status, 400);
    snprintf(field, sizeof field, "href=\"#actuelle-%s-0-1-stop_1\"", vid);
    expect_has(&r, field);
    expect_has(&r, "value=\"Nulle part (exemple)\"");
    mg_http_response_free(&r);
    assert_int_equal(plans_of(MG_ROUND_PLAN_CURRENT, NULL), 0);

    body[0] = 0;
    form_add(body, sizeof body, "vehicle_id", vid);
    form_add(body, sizeof body, "week", "0");
    form_add(body, sizeof body, "weekday", "1");
    char label[200];
    snprintf(label, sizeof label, "Chef-lieu de Bram — Bram (%lld)", (long long)stop_ids[0]);
    form_add(body, sizeof body, "stop_1", label);
    snprintf(sid, sizeof sid, "%lld", (long long)stop_ids[1]);
    form_add(body, sizeof body, "stop_2", sid);
    expect(&manager, "POST", target, body, 303);
    int64_t cid = 0;
    assert_int_equal(plans_of(MG_ROUND_PLAN_CURRENT, &cid), 1);
    assert_int_equal(mg_round_plan_get(app->db, cid, &p, &d), 0);
    assert_int_equal(p.nroutes, 1);
    assert_int_equal(p.routes[0].weekday, 1);
    assert_int_equal(p.routes[0].n, 2);
    assert_int_equal(p.routes[0].visits[0].stop_id, stop_ids[0]);
    assert_int_equal(p.routes[0].visits[1].stop_id, stop_ids[1]);
    assert_true(p.routes[0].visits[0].arrive >= 8 * 60 + 30);
    assert_int_equal(p.routes[0].visits[0].depart - p.routes[0].visits[0].arrive, 60);
    assert_true(p.routes[0].visits[1].arrive > p.routes[0].visits[0].depart);
    mg_round_plan_clear(&p);
    /* Entered again: still one current plan, the new one. */
    expect(&manager, "POST", target, body, 303);
    int64_t cid2 = 0;
    assert_int_equal(plans_of(MG_ROUND_PLAN_CURRENT, &cid2), 1);
    assert_true(cid2 != cid);
    r = as(&reader, "GET", want, NULL);
    expect_has(&r, "Comparaison avec les tournées actuelles");
    expect_has(&r, "pas une APL");
    mg_http_response_free(&r);

    /* Made a GP consultation, the plan is a scenario: the territory's mean
     * APL with the rounds is above today's (supply added, none removed). */
    char path[128];
    snprintf(path, sizeof path, "/tournees/services/%lld", (long long)service_id);
    body[0] = 0;
    form_add(body, sizeof body, "name", "PMI itinérante du Razès (exemple)");
    form_add(body, sizeof body, "territory_choice", "communes");
    form_add(body, sizeof body, "territory", "11049,11136,11069");
    form_add(body, sizeof body, "target_public", "early_childhood");
    form_add(body, sizeof body, "profession", "mg");
    form_add(body, sizeof body, "reach_min", "20");
    form_add(body, sizeof body, "cycle_weeks", "1");
    form_add(body, sizeof body, "stop_min", "60");
    form_add(body, sizeof body, "school_zone", "C");
    form_add(body, sizeof body, "contact", "04 68 00 00 00 (exemple)");
    expect(&manager, "POST", path, body, 303);
    r = as(&reader, "GET", want, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Effet des tournées sur l");
    expect_has(&r, "APL moyenne du territoire : ");
    /* "Communes dont l'APL augmente : N ; la plus forte hausse : +X à NAME." */
    const char *up = strstr(text(&r), "Communes dont l'APL augmente : ");
    assert_non_null(up);
    int64_t nup = 0;
    const char *p0 = up + strlen("Communes dont l'APL augmente : ");
    size_t len = strspn(p0, "0123456789");
    assert_int_equal(mg_parse_c_int(p0, len, 0, 100000, &nup, NULL), 0);
    assert_true(nup >= 1);
    const char *gain = strstr(p0, "la plus forte hausse : +");
    assert_non_null(gain);
    gain += strlen("la plus forte hausse : +");
    char num[32];
    size_t glen = strspn(gain, "0123456789,");
    snprintf(num, sizeof num, "%.*s", (int)glen, gain);
    for (char *c = num; *c; c++)
        if (*c == ',')
            *c = '.';
    double g = NAN;
    assert_int_equal(mg_parse_c_double(num, strlen(num), &g, NULL), 0);
    assert_true(g > 0);
    mg_http_response_free(&r);
    /* The computed plan deleted: not by the reader. */
    char del[220];
    snprintf(del, sizeof del, "%s/supprimer", want);
    expect(&reader, "POST", del, "", 403);
    expect(&manager, "POST", del, "", 303);
    assert_int_equal(plans_of(MG_ROUND_PLAN_COMPUTED, NULL), 0);
    expect(&manager, "GET", want, NULL, 404);
    /* Back to a PMI service for what follows. */
    body[0] = 0;
    form_add(body, sizeof body, "name", "PMI itinérante du Razès (exemple)");
    form_add(body, sizeof body, "territory_choice", "communes");
    form_add(body, sizeof body, "territory", "11049,11136,11069");
    form_add(body, sizeof body, "target_public", "early_childhood");
    form_add(body, sizeof body, "reach_min", "20");
    form_add(body, sizeof body, "cycle_weeks", "1");
    form_add(body, sizeof body, "stop_min", "60");
    form_add(body, sizeof body, "school_zone", "C");
    form_add(body, sizeof body, "contact", "04 68 00 00 00 (exemple)");
    expect(&manager, "POST", path, body, 303);
}

/* --- Publication and the public timetable -------------------------------------------------- */

static int64_t plan_id;

/* A plan through the store: on Tuesdays, Bram 9:00-10:00 then Fanjeaux
 * 10:30-11:30. */
static void save_plan(void)
{
    mg_round_plan_visit visits[2];
    memset(visits, 0, sizeof visits);
    visits[0].stop_id = stop_ids[0];
    visits[0].arrive = 9 * 60;
    visits[0].depart = 10 * 60;
    visits[1].stop_id = stop_ids[1];
    visits[1].arrive = 10 * 60 + 30;
    visits[1].depart = 11 * 60 + 30;
    mg_round_plan_route route;
    memset(&route, 0, sizeof route);
    route.vehicle_id = vehicle_id;
    route.week = 0;
    route.weekday = 1;
    route.leave = 8 * 60 + 45;
    route.back = 11 * 60 + 55;
    route.break_after = -1;
    route.drive = 70;
    route.n = 2;
    route.visits = visits;
    mg_round_plan p;
    memset(&p, 0, sizeof p);
    p.service_id = service_id;
    p.kind = MG_ROUND_PLAN_COMPUTED;
    snprintf(p.method, sizeof p.method, "heuristic");
    snprintf(p.label, sizeof p.label, "Plan d'essai (exemple)");
    p.cycle_weeks = 1;
    p.value = 120;
    p.bound = 150;
    p.covered = 120;
    p.target = 300;
    p.nroutes = 1;
    p.routes = &route;
    mg_diag d = {{0}};
    if (mg_round_plan_save(app->db, 0, &p, &plan_id, &d))
        fail_msg("plan: %s", d.msg);
}

static void test_publish_and_timetable(void **state)
{
    (void)state;
    char path[128], target[200], body[512] = "", id[24];
    snprintf(path, sizeof path, "/tournees/%lld", (long long)service_id);
    /* Not published yet: no public page. */
    expect(&anonymous, "GET", path, NULL, 404);
    save_plan();
    /* School holidays of zone C, as the ministry's calendar file writes
     * them: classes end on Saturday 14 November, resume on Monday 23 (a
     * made-up period): days off from the 15th to the 22nd, Tuesday 17th
     * among them. The service does not run in school holidays. */
    char cal[320];
    snprintf(cal, sizeof cal, "%s/calendrier.csv", web_fixture_dir);
    FILE *fp = fopen(cal, "w");
    assert_non_null(fp);
    fputs("Description;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire\n"
          "Vacances d'essai (exemple);-;2026-11-13T23:00:00+00:00;2026-11-22T23:00:00+00:00;"
          "Montpellier;Zone C;2026-2027\n",
          fp);
    fclose(fp);
    size_t nhol = 0;
    mg_diag hd = {{0}};
    if (mg_round_holidays_import(app->db, 0, cal, &nhol, &hd))
        fail_msg("holidays: %s", hd.msg);
    assert_int_equal(nhol, 1);

    /* The plan's page: its round, the gap to the bound, the map. */
    snprintf(target, sizeof target, "/tournees/services/%lld/plans/%lld", (long long)service_id,
             (long long)plan_id);
    mg_http_response r = as(&reader, "GET", target, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Chef-lieu de Bram");
    expect_has(&r, "9 h 00");
    expect_has(&r, "Écart à la borne");
    expect_has(&r, "20,0 %"); /* (150 - 120) / 150 */
    expect_has(&r, "class=\"rounds-routes\"");
    mg_http_response_free(&r);

    snprintf(target, sizeof target, "/tournees/services/%lld/publication", (long long)service_id);
    snprintf(id, sizeof id, "%lld", (long long)plan_id);
    form_add(body, sizeof body, "plan_id", id);
    form_add(body, sizeof body, "anchor_monday", ANCHOR);
    expect(&reader, "POST", target, body, 403);
    expect(&manager, "POST", target, body, 303);

    /* A published plan is not deleted. */
    snprintf(target, sizeof target, "/tournees/services/%lld/plans/%lld/supprimer",
             (long long)service_id, (long long)plan_id);
    expect(&manager, "POST", target, "", 409);

    /* A cancellation of next Tuesday, whole day. */
    snprintf(target, sizeof target, "/tournees/services/%lld/annulations", (long long)service_id);
    body[0] = 0;
    form_add(body, sizeof body, "on_date", "2026-11-10");
    form_add(body, sizeof body, "reason", "Véhicule en réparation (exemple)");
    expect(&manager, "POST", target, body, 303);

    r = as(&anonymous, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Cette semaine et la semaine prochaine");
    expect_has(&r, "Mardi 3 novembre 2026");
    expect_has(&r, "Mardi 10 novembre 2026");
    expect_has(&r, "Véhicule en réparation (exemple)");
    /* This week and the next (Monday 2 to Sunday 15 November): the Tuesdays
     * of the range, counted by a loop of its own, each with both stops. */
    size_t tuesdays = 0;
    for (int day = 2; day <= 15; day++) {
        /* Sakamoto's weekday (0 Sunday) of day/11/2026. */
        static const int off[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
        int y = 2026, m = 11;
        int wd = (y + y / 4 - y / 100 + y / 400 + off[m - 1] + day) % 7;
        tuesdays += wd == 2;
    }
    assert_int_equal(tuesdays, 2);
    const char *table = strstr(text(&r), "Cette semaine");
    assert_non_null(table);
    assert_int_equal(count_of(table, "<th scope=\"row\">"), 2 * tuesdays);
    assert_int_equal(count_of(table, "Annulé"), 2); /* both stops of the 10th */
    expect_has(&r, "/affiche/11049.pdf");
    /* The holiday overlaps next week's Sunday: listed, without a stop. */
    expect_has(&r, "Vacances d&#39;essai (exemple) : du dimanche 15 novembre 2026 au dimanche 22 "
                   "novembre 2026 (pas de passage)");
    mg_http_response_free(&r);
    /* The week after: both stops of Tuesday 17th skipped for the holiday. */
    char api[200];
    snprintf(api, sizeof api, "/api/v1/rounds/published/%lld/timetable?from=2026-11-16&to=2026-11-22",
             (long long)service_id);
    r = as(&anonymous, "GET", api, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(count_of(text(&r), "\"skipped_for_holidays\":true"), 2);
    assert_int_equal(count_of(text(&r), "\"school_holiday\":\"Vacances d'essai (exemple)\""), 2);
    mg_http_response_free(&r);

    /* Around the change to summer time (Sunday 28 March 2027): the page
     * says so, and 9:00 in Paris is 08:00 UTC on Tuesday 23 March, 07:00
     * UTC on Tuesday 30 March. */
    app->finder_now = 1805871600LL; /* Wednesday 24 March 2027, 08:00 in Paris */
    r = as(&anonymous, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Changement d'heure le dimanche 28 mars 2027 : passage à l'heure d'été");
    expect_has(&r, "Mardi 30 mars 2027");
    mg_http_response_free(&r);
    app->finder_now = NOW_UTC;
    snprintf(api, sizeof api,
             "/api/v1/rounds/published/%lld/timetable?from=2027-03-22&to=2027-04-04",
             (long long)service_id);
    r = as(&anonymous, "GET", api, NULL);
    expect_has(&r, "\"date\":\"2027-03-23\",\"weekday\":1,\"arrival\":\"09:00\","
                   "\"departure\":\"10:00\",\"arrival_utc\":\"2027-03-23T08:00:00Z\"");
    expect_has(&r, "\"date\":\"2027-03-30\",\"weekday\":1,\"arrival\":\"09:00\","
                   "\"departure\":\"10:00\",\"arrival_utc\":\"2027-03-30T07:00:00Z\"");
    mg_http_response_free(&r);

    /* The poster and the feed. */
    snprintf(target, sizeof target, "%s/affiche/11049.pdf", path);
    r = as(&anonymous, "GET", target, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/pdf");
    assert_true(r.body.len > 5 && memcmp(r.body.data, "%PDF-", 5) == 0);
    mg_http_response_free(&r);
    snprintf(target, sizeof target, "%s/affiche/11069.pdf", path); /* no stop there */
    expect(&anonymous, "GET", target, NULL, 404);
    snprintf(target, sizeof target, "%s/calendrier.ics", path);
    r = as(&anonymous, "GET", target, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "text/calendar"));
    expect_has(&r, "BEGIN:VCALENDAR");
    /* 14 days back and 120 ahead of Tuesday 3 November, from the anchor
     * Monday 2 November: the Tuesdays from the 3rd to 3 March 2027 (the
     * 120th day), two stops each. */
    size_t weeks = 0;
    for (int k = 0; k <= 120; k += 7)
        weeks++;
    /* … but Tuesday 17 November, in the school holiday: not an event. */
    assert_int_equal(count_of(text(&r), "BEGIN:VEVENT"), 2 * (weeks - 1));
    expect_has(&r, "STATUS:CANCELLED");
    mg_http_response_free(&r);

    /* The finder in Fanjeaux at 8:00: the earliest stop within reach is
     * Bram's at 9:00 (a few minutes away), then Fanjeaux's own at 10:30. */
    r = as(&anonymous, "GET", "/ou-me-soigner?commune=11136", NULL);
    assert_int_equal(r.status, 200);
    const char *sec = strstr(text(&r), "Prochains passages des services itinérants");
    if (!sec)
        expect_has(&r, "Prochains passages des services itinérants");
    const char *first = strstr(sec, "<li>"), *end = first ? strstr(first, "</li>") : NULL;
    assert_non_null(end);
    const char *bram = strstr(first, "Chef-lieu de Bram"), *fanjeaux = strstr(sec, "Chef-lieu de "
                                                                                 "Fanjeaux");
    assert_true(bram && bram < end);
    assert_true(fanjeaux && fanjeaux > end);
    const char *day = strstr(first, "mardi 3 novembre 2026");
    assert_true(day && day < end);
    char link[64];
    snprintf(link, sizeof link, "href=\"/tournees/%lld\"", (long long)service_id);
    const char *ln = strstr(first, link);
    assert_true(ln && ln < end);
    assert_true(strstr(first, "minutes en voiture") < end);
    mg_http_response_free(&r);
    /* Carcassonne, farther than 30 minutes from both? Whatever the table
     * says, a commune whose stops are all out of reach shows no section:
     * checked by withdrawing the publication. */
    char wd[160];
    snprintf(wd, sizeof wd, "/tournees/services/%lld/publication/retrait", (long long)service_id);
    expect(&manager, "POST", wd, "", 303);
    r = as(&anonymous, "GET", "/ou-me-soigner?commune=11136", NULL);
    assert_null(strstr(text(&r), "Prochains passages"));
    mg_http_response_free(&r);
    expect(&anonymous, "GET", path, NULL, 404);
    snprintf(wd, sizeof wd, "/tournees/services/%lld/publication", (long long)service_id);
    body[0] = 0;
    form_add(body, sizeof body, "plan_id", id);
    form_add(body, sizeof body, "anchor_monday", ANCHOR);
    expect(&manager, "POST", wd, body, 303);

    /* The public list, and the organisation's, link to the service. */
    char href[96];
    snprintf(href, sizeof href, "<a href=\"/tournees/%lld\">PMI itinérante du Razès (exemple)",
             (long long)service_id);
    r = as(&anonymous, "GET", "/tournees", NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, href);
    mg_http_response_free(&r);
    snprintf(href, sizeof href,
             "<a href=\"/tournees/services/%lld\">PMI itinérante du Razès (exemple)",
             (long long)service_id);
    r = as(&reader, "GET", "/tournees/services", NULL);
    expect_has(&r, href);
    mg_http_response_free(&r);
}

/* --- Rights -------------------------------------------------------------------------------- */

static void test_rights(void **state)
{
    (void)state;
    char path[128], target[200];
    snprintf(path, sizeof path, "/tournees/services/%lld", (long long)service_id);
    expect(&reader, "GET", path, NULL, 200);
    expect(&stranger, "GET", path, NULL, 404);
    expect(&anonymous, "GET", path, NULL, 303);
    expect(&anonymous, "POST", path, "name=x", 401);
    expect(&reader, "POST", path, "name=x", 403);
    expect(&stranger, "POST", path, "name=x", 404);
    snprintf(target, sizeof target, "%s/supprimer", path);
    expect(&reader, "POST", target, "", 403);
    expect(&stranger, "POST", target, "", 404);
    snprintf(target, sizeof target, "%s/plans/%lld", path, (long long)plan_id);
    expect(&stranger, "GET", target, NULL, 404);
    expect(&manager, "GET", "/tournees/services/999999999/plans/1", NULL, 404);
    /* The reader's page has no forms; the stranger's list no service of A. */
    mg_http_response r = as(&reader, "GET", path, NULL);
    assert_null(strstr(text(&r), "Enregistrer les réglages"));
    mg_http_response_free(&r);
    r = as(&stranger, "GET", "/tournees/services", NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "PMI itinérante du Razès"));
    mg_http_response_free(&r);
    /* The menu entry, for the signed in only. */
    r = as(&manager, "GET", "/tournees/services", NULL);
    expect_has(&r, "href=\"/tournees/services\" aria-current=\"page\">Tournées</a>");
    mg_http_response_free(&r);
    r = as(&anonymous, "GET", "/", NULL);
    assert_null(strstr(text(&r), ">Tournées</a>"));
    mg_http_response_free(&r);
    /* Deleting, by the manager. */
    snprintf(target, sizeof target, "%s/supprimer", path);
    expect(&manager, "POST", target, "", 303);
    expect(&manager, "GET", path, NULL, 404);
    snprintf(target, sizeof target, "/tournees/%lld", (long long)service_id);
    expect(&anonymous, "GET", target, NULL, 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_by_forms),
        cmocka_unit_test(test_refusals_keep_input),
        cmocka_unit_test(test_compute_and_current),
        cmocka_unit_test(test_publish_and_timetable),
        cmocka_unit_test(test_rights),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, teardown);
    int pg = test_pg_database("mg_test_web_rounds", web_fixture_db, sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, teardown);
}
