/*
 * The directory's pages and the network's meetings through the app's
 * router (web/directory_pages.c, web/meetings.c), on the demo Aude with a
 * database of its own: three structures imported (one per category, two
 * in one EPCI and one in another), the owner organisation of the first
 * with a manager, and the fixture's manager of another organisation.
 *
 * What is expected is derived from the fixture's own records (which
 * structure has which category, commune, thematic, published contact),
 * not written down from a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "contracts/contracts.h"
#include "parse/parse.h"
#include "pg_fixture.h"
#include "directory/directory.h"
#include "testutil.h"
#include "web/app.h"
#include "web_fixture.h"

#define PASSWORD "un mot de passe de test assez long"
#define FORM "application/x-www-form-urlencoded"

/* A signed-in account: its cookie and CSRF token. */
typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
    int64_t account;
} who;

/* The fixture's structures. */
enum { S_CENTRE, S_PHARMACY, S_TOWN_HALL, NS };
static const char *const names[NS] = {"Centre de santé des Quatre Vents (exemple)",
                                      "Pharmacie du Canal (exemple)",
                                      "Mairie des Essais (exemple)"};
static const char *const phones[NS] = {"04 68 11 11 11", "04 68 22 22 22", "04 68 33 33 33"};
static const char *const emails[NS] = {"accueil@quatre-vents.invalid", "officine@canal.invalid",
                                       "mairie@essais.invalid"};
static const mg_dir_category categories[NS] = {MG_DIR_HEALTH_CENTRE, MG_DIR_PHARMACY,
                                               MG_DIR_TOWN_HALL};
static const char *const thematic = "sante--acces-aux-soins";
static int64_t sid[NS];
static char commune[NS][8]; /* commune codes: A, B (another EPCI), A */
static char epci_a[16];
static who owner, anon, other; /* owner: manager of S_CENTRE's organisation; other: B's */

/* --- Requests --------------------------------------------------------------------- */

static mg_http_response request(const who *w, const char *method, const char *target,
                                const char *body)
{
    mg_http_response res;
    mg_http_response_init(&res);
    const char *headers[] = {"Cookie", w->cookie, "X-CSRF-Token", w->csrf, NULL};
    const char *none[] = {NULL};
    assert_int_equal(mg_http_dispatch_with(app->router, method, target,
                                           w->cookie[0] ? headers : none, body ? FORM : NULL,
                                           body, body ? strlen(body) : 0, &res),
                     0);
    return res;
}

static const char *text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
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

/* The HTML escaping of s as the pages write it (for looking up names
 * with an apostrophe or accents as they appear). */
static bool has(const mg_http_response *r, const char *s)
{
    return strstr(text(r), s) != NULL;
}

static void log_in(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    snprintf(email, sizeof email, "%s.%ld@exemple.invalid", tag, (long)time(NULL));
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    int64_t now = (int64_t)time(NULL);
    char secret[MG_AUTH_TOTP_SECRET_CHARS + 1], uri[512], code[7];
    if (mg_auth_account_add(app->db, 0, email, "Personne (exemple)", PASSWORD, org, role,
                            &w->account, NULL, &d))
        fail_msg("account %s: %s", tag, d.msg);
    /* Roles that need a second factor enrol one, then give its next code. */
    if (mg_auth_role_needs_totp(role) &&
        (mg_auth_totp_begin(app->db, w->account, secret, uri, sizeof uri, &d) ||
         mg_auth_totp_code(secret, now, code, &d) ||
         mg_auth_totp_confirm(app->db, w->account, code, now, &d)))
        fail_msg("second factor %s: %s", tag, d.msg);
    if (mg_auth_login(app->db, email, PASSWORD, "127.0.0.1", now, &lr, &retry, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    if (lr.totp_required &&
        (mg_auth_totp_code(secret, now + MG_AUTH_TOTP_STEP_S, code, &d) ||
         mg_auth_session_totp(app->db, lr.session, code, "127.0.0.1", now + MG_AUTH_TOTP_STEP_S,
                              &retry, &d)))
        fail_msg("code %s: %s", tag, d.msg);
    if (mg_auth_session_load(app->db, lr.session, now, &s, &d))
        fail_msg("session %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

/* --- Fixture ------------------------------------------------------------------------- */

static int64_t find_id(const char *name)
{
    mg_dir_query q = {.text = name, .category = -1};
    mg_dir_set set;
    mg_dir_set_init(&set);
    size_t total = 0;
    mg_diag d = {{0}};
    if (mg_dir_search(app->db, &q, &set, &total, &d))
        fail_msg("search: %s", d.msg);
    int64_t id = 0;
    for (size_t k = 0; k < set.nstructures; k++)
        if (strcmp(set.structures[k].name, name) == 0)
            id = set.structures[k].id;
    mg_dir_set_free(&set);
    return id;
}

static int setup(void **state)
{
    (void)state;
    if (web_setup_on(MG_BASELINE_MODEL, "webdir"))
        return -1;
    snprintf(other.cookie, sizeof other.cookie, "%s", web_cookie);
    memcpy(other.csrf, web_csrf_token, sizeof other.csrf);
    /* Communes: the first study commune with an EPCI, and one of another EPCI. */
    const mg_diagnosis *g = mg_app_profession_get(app, "mg")->g;
    const mg_territory *t = g->t;
    long a = -1, b = -1;
    for (size_t k = 0; k < g->study_n && b < 0; k++) {
        size_t i = g->study[k];
        if (t->epci[i] < 0)
            continue;
        if (a < 0)
            a = (long)i;
        else if (t->epci[i] != t->epci[a])
            b = (long)i;
    }
    if (a < 0 || b < 0) {
        fprintf(stderr, "setup: no two EPCI in the study territory\n");
        return -1;
    }
    snprintf(commune[S_CENTRE], sizeof commune[0], "%s", t->code[a]);
    snprintf(commune[S_PHARMACY], sizeof commune[0], "%s", t->code[b]);
    snprintf(commune[S_TOWN_HALL], sizeof commune[0], "%s", t->code[a]);
    snprintf(epci_a, sizeof epci_a, "%s", t->epci_code[t->epci[a]]);

    mg_dir_set set;
    mg_dir_set_init(&set);
    for (int k = 0; k < NS; k++) {
        mg_dir_structure *s = mg_dir_add_structure(&set);
        char id[16];
        snprintf(id, sizeof id, "s%d", k + 1);
        s->source = "test";
        s->source_id = mg_dir_strdup(&set, id, SIZE_MAX);
        s->name = names[k];
        s->category = categories[k];
        s->address = "1 rue des Essais";
        s->postcode = "11000";
        s->commune_code = mg_dir_strdup(&set, commune[k], SIZE_MAX);
        s->commune_name = mg_dir_strdup(&set, t->name[k == S_PHARMACY ? b : a], SIZE_MAX);
        s->phone = phones[k];
        s->email = emails[k];
        s->updated_on = "2026-11-30";
    }
    mg_dir_service *v = mg_dir_add_service(&set);
    v->source = "test";
    v->source_id = "v1";
    v->structure_source_id = "s1";
    v->name = "Consultations de médecine générale (exemple)";
    v->description = "Consultations avec ou sans rendez-vous (exemple).";
    v->thematics = thematic;
    v->opening_hours = "Mo-Fr 08:00-18:00";
    v->updated_on = "2026-11-30";
    mg_dir_report rep;
    mg_dir_report_init(&rep);
    mg_diag d = {{0}};
    mg_dir_import_opts o = {0};
    int rc = mg_dir_import(app->db, &set, &o, &rep, &d);
    for (size_t k = 0; rc && k < rep.n; k++)
        fprintf(stderr, "import row %zu: %s %s\n", k, rep.rows[k].field, rep.rows[k].message);
    mg_dir_report_free(&rep);
    mg_dir_set_free(&set);
    if (rc) {
        fprintf(stderr, "setup: import: %s\n", d.msg);
        return -1;
    }
    for (int k = 0; k < NS; k++)
        if (!(sid[k] = find_id(names[k]))) {
            fprintf(stderr, "setup: %s not found\n", names[k]);
            return -1;
        }
    log_in(&owner, sid[S_CENTRE], MG_ROLE_MANAGER, "proprietaire");
    return 0;
}

static int teardown(void **state)
{
    return web_teardown(state);
}

/* The structure's link as the tables write it. */
static bool lists(const mg_http_response *r, int k)
{
    char link[64];
    snprintf(link, sizeof link, "href=\"/structure/%lld\"", (long long)sid[k]);
    return strstr(text(r), link) != NULL;
}

static void get_structure(int k, mg_dir_set *set)
{
    mg_dir_set_init(set);
    mg_diag d = {{0}};
    if (mg_dir_get(app->db, sid[k], set, &d))
        fail_msg("get: %s", d.msg);
}

/* The edit form's body with every structure field as stored, then the
 * overrides (key, value pairs, NULL-ended). */
static void edit_body(char *body, size_t cap, int k, const char *const *over)
{
    mg_dir_set set;
    get_structure(k, &set);
    const mg_dir_structure *s = &set.structures[0];
    struct {
        const char *key, *value;
    } f[] = {
        {"name", s->name},
        {"category", mg_dir_category_key(s->category)},
        {"description", s->description},
        {"siret", s->siret},
        {"rna", s->rna},
        {"finess", s->finess},
        {"address", s->address},
        {"address_extra", s->address_extra},
        {"postcode", s->postcode},
        {"commune_code", s->commune_code},
        {"commune_name", s->commune_name},
        {"phone", s->phone},
        {"email", s->email},
        {"website", s->website},
        {"accessibility_url", s->accessibility_url},
        {"opening_hours", s->opening_hours},
        {"networks", s->networks},
        {"network_role", s->network_role},
        {"missions", s->missions},
        {"publish_contact", s->publish_contact ? "oui" : "non"},
    };
    body[0] = '\0';
    for (size_t j = 0; j < sizeof f / sizeof *f; j++) {
        const char *v = f[j].value;
        for (size_t o = 0; over && over[o]; o += 2)
            if (strcmp(over[o], f[j].key) == 0)
                v = over[o + 1];
        form_add(body, cap, f[j].key, v);
    }
    mg_dir_set_free(&set);
}

/* --- The search and the map ----------------------------------------------------------- */

static void test_search_filters(void **state)
{
    (void)state;
    mg_http_response r = request(&anon, "GET", "/annuaire", NULL);
    assert_int_equal(r.status, 200);
    for (int k = 0; k < NS; k++)
        assert_true(lists(&r, k));
    assert_true(has(&r, "<caption>"));
    assert_true(has(&r, "<label"));
    mg_http_response_free(&r);

    /* By name. */
    r = request(&anon, "GET", "/annuaire?q=Pharmacie+Canal", NULL);
    assert_int_equal(r.status, 200);
    assert_true(lists(&r, S_PHARMACY));
    assert_false(lists(&r, S_CENTRE));
    mg_http_response_free(&r);

    /* By category: each structure under its own only. */
    for (int k = 0; k < NS; k++) {
        char target[96];
        snprintf(target, sizeof target, "/annuaire?categorie=%s",
                 mg_dir_category_key(categories[k]));
        r = request(&anon, "GET", target, NULL);
        assert_int_equal(r.status, 200);
        for (int j = 0; j < NS; j++)
            assert_int_equal(lists(&r, j), categories[j] == categories[k]);
        mg_http_response_free(&r);
    }

    /* By thematic: only the structure with a service of it. */
    char target[128];
    snprintf(target, sizeof target, "/annuaire?thematique=%s", thematic);
    r = request(&anon, "GET", target, NULL);
    assert_int_equal(r.status, 200);
    assert_true(lists(&r, S_CENTRE));
    assert_false(lists(&r, S_PHARMACY));
    assert_false(lists(&r, S_TOWN_HALL));
    mg_http_response_free(&r);

    /* By commune, then by EPCI. */
    snprintf(target, sizeof target, "/annuaire?commune=%s", commune[S_PHARMACY]);
    r = request(&anon, "GET", target, NULL);
    assert_int_equal(r.status, 200);
    for (int j = 0; j < NS; j++)
        assert_int_equal(lists(&r, j), strcmp(commune[j], commune[S_PHARMACY]) == 0);
    mg_http_response_free(&r);
    snprintf(target, sizeof target, "/annuaire?perimetre=epci:%s", epci_a);
    r = request(&anon, "GET", target, NULL);
    assert_int_equal(r.status, 200);
    for (int j = 0; j < NS; j++)
        assert_int_equal(lists(&r, j), strcmp(commune[j], commune[S_CENTRE]) == 0);
    mg_http_response_free(&r);

    /* A category that names none: 400, the form again with the value named. */
    r = request(&anon, "GET", "/annuaire?categorie=boulangerie", NULL);
    assert_int_equal(r.status, 400);
    assert_true(has(&r, "aria-invalid=\"true\""));
    assert_true(has(&r, "Catégorie"));
    mg_http_response_free(&r);
    r = request(&anon, "GET", "/annuaire?thematique=sante--inconnue", NULL);
    assert_int_equal(r.status, 400);
    assert_true(has(&r, "Thématique"));
    mg_http_response_free(&r);
    r = request(&anon, "GET", "/annuaire?perimetre=epci:000000000", NULL);
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
    /* A page past the end. */
    r = request(&anon, "GET", "/annuaire?page=2", NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_map(void **state)
{
    (void)state;
    mg_http_response r = request(&anon, "GET", "/annuaire/carte", NULL);
    assert_int_equal(r.status, 200);
    assert_true(has(&r, "<svg"));
    /* One mark per structure (each has a commune of the territory), and
     * the list beneath names them all. */
    assert_int_equal(count(text(&r), "class=\"mg-site mg-pin\""), NS);
    for (int k = 0; k < NS; k++)
        assert_true(lists(&r, k));
    mg_http_response_free(&r);
    char target[128];
    snprintf(target, sizeof target, "/annuaire/carte?categorie=%s",
             mg_dir_category_key(MG_DIR_PHARMACY));
    r = request(&anon, "GET", target, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(count(text(&r), "class=\"mg-site mg-pin\""), 1);
    mg_http_response_free(&r);
}

/* --- A structure's page, edits and suggestions ------------------------------------------ */

static void test_contacts_shown_when_published(void **state)
{
    (void)state;
    char path[64], body[4096];
    snprintf(path, sizeof path, "/structure/%lld", (long long)sid[S_CENTRE]);
    mg_http_response r = request(&anon, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_true(has(&r, names[S_CENTRE]) || has(&r, "Quatre Vents"));
    /* Imported without the choice: not published. */
    assert_false(has(&r, phones[S_CENTRE]));
    assert_false(has(&r, emails[S_CENTRE]));
    /* The service, its thematic's label, its hours. */
    assert_true(has(&r, "Consultations de médecine générale"));
    assert_true(has(&r, "Horaires"));
    mg_http_response_free(&r);

    /* The owner publishes them. */
    snprintf(path, sizeof path, "/structure/%lld/modifier", (long long)sid[S_CENTRE]);
    edit_body(body, sizeof body, S_CENTRE, (const char *const[]){"publish_contact", "oui", NULL});
    r = request(&owner, "POST", path, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/structure/%lld", (long long)sid[S_CENTRE]);
    r = request(&anon, "GET", path, NULL);
    assert_true(has(&r, phones[S_CENTRE]));
    assert_true(has(&r, emails[S_CENTRE]));
    mg_http_response_free(&r);
    /* The pharmacy did not. */
    snprintf(path, sizeof path, "/structure/%lld", (long long)sid[S_PHARMACY]);
    r = request(&other, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_false(has(&r, phones[S_PHARMACY]));
    assert_false(has(&r, emails[S_PHARMACY]));
    mg_http_response_free(&r);
}

static void test_owner_edits_audited(void **state)
{
    (void)state;
    char path[64], body[4096];
    snprintf(path, sizeof path, "/structure/%lld/modifier", (long long)sid[S_CENTRE]);
    mg_http_response r = request(&owner, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_true(has(&r, "name=\"opening_hours\""));
    mg_http_response_free(&r);

    size_t before = 0, after = 0, n = 0;
    mg_audit_record *rec = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_audit_history(app->db, "structure", sid[S_CENTRE], 0, 1, &rec, &n,
                                      &before, &d),
                     0);
    mg_audit_records_free(rec, n);

    edit_body(body, sizeof body, S_CENTRE,
              (const char *const[]){"missions", "Accueil sans rendez-vous le samedi (exemple)",
                                    "network_role", "Coordination des soins de proximité",
                                    NULL});
    r = request(&owner, "POST", path, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    mg_dir_set set;
    get_structure(S_CENTRE, &set);
    assert_string_equal(set.structures[0].missions, "Accueil sans rendez-vous le samedi (exemple)");
    mg_dir_set_free(&set);

    /* One more entry, by the owner, naming the field changed. */
    assert_int_equal(mg_audit_history(app->db, "structure", sid[S_CENTRE], 0, 1, &rec, &n,
                                      &after, &d),
                     0);
    assert_int_equal(after, before + 1);
    assert_int_equal(n, 1);
    assert_int_equal(rec[0].account_id, owner.account);
    bool missions = false;
    for (size_t k = 0; k < rec[0].nchanges; k++)
        if (strcmp(rec[0].changes[k].field, "missions") == 0)
            missions = true;
    assert_true(missions);
    mg_audit_records_free(rec, n);

    /* A service added through its form. */
    body[0] = '\0';
    form_add(body, sizeof body, "service", "");
    form_add(body, sizeof body, "name", "Permanence sociale (exemple)");
    form_add(body, sizeof body, "thematics", thematic);
    r = request(&owner, "POST", path, body);
    /* The schema asks for a description: refused, named, typed name kept. */
    assert_int_equal(r.status, 422);
    assert_true(has(&r, "« Description du service » est obligatoire"));
    assert_true(has(&r, "value=\"Permanence sociale (exemple)\""));
    mg_http_response_free(&r);
    form_add(body, sizeof body, "description", "Une permanence chaque mardi (exemple).");
    r = request(&owner, "POST", path, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    get_structure(S_CENTRE, &set);
    bool found = false;
    for (size_t k = 0; k < set.nservices; k++)
        if (set.services[k].name && strcmp(set.services[k].name, "Permanence sociale (exemple)") == 0)
            found = true;
    assert_true(found);
    int64_t first = set.services[0].id;
    size_t nservices = set.nservices;
    mg_dir_set_free(&set);

    /* An existing service's form: refused hours keep what was typed… */
    char sv[24];
    snprintf(sv, sizeof sv, "%lld", (long long)first);
    body[0] = '\0';
    form_add(body, sizeof body, "service", sv);
    form_add(body, sizeof body, "name", "Consultations renommées (exemple)");
    form_add(body, sizeof body, "description", "Sur rendez-vous (exemple).");
    form_add(body, sizeof body, "opening_hours", "Mo-Fr 8h-12h");
    r = request(&owner, "POST", path, body);
    assert_int_equal(r.status, 422);
    assert_true(has(&r, "Consultations renommées (exemple)"));
    assert_true(has(&r, "Horaires du service"));
    mg_http_response_free(&r);
    /* …and right ones replace its fields, adding no service. */
    body[0] = '\0';
    form_add(body, sizeof body, "service", sv);
    form_add(body, sizeof body, "name", "Consultations renommées (exemple)");
    form_add(body, sizeof body, "description", "Sur rendez-vous (exemple).");
    form_add(body, sizeof body, "opening_hours", "Mo-Fr 08:00-12:00");
    r = request(&owner, "POST", path, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    get_structure(S_CENTRE, &set);
    assert_int_equal(set.nservices, nservices);
    found = false;
    for (size_t k = 0; k < set.nservices; k++)
        if (set.services[k].id == first) {
            assert_string_equal(set.services[k].name, "Consultations renommées (exemple)");
            assert_string_equal(set.services[k].opening_hours, "Mo-Fr 08:00-12:00");
            found = true;
        }
    assert_true(found);
    mg_dir_set_free(&set);
    /* A service of another structure is not this one's. */
    body[0] = '\0';
    form_add(body, sizeof body, "service", "999999");
    form_add(body, sizeof body, "name", "Autre (exemple)");
    form_add(body, sizeof body, "description", "Autre (exemple).");
    r = request(&owner, "POST", path, body);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
}

static void test_refused_edit_keeps_typed(void **state)
{
    (void)state;
    char path[64], body[4096];
    snprintf(path, sizeof path, "/structure/%lld/modifier", (long long)sid[S_CENTRE]);
    const char *typed = "Texte tapé avant le refus (exemple)";
    edit_body(body, sizeof body, S_CENTRE,
              (const char *const[]){"opening_hours", "lundi 9h-12h", "description", typed, NULL});
    mg_http_response r = request(&owner, "POST", path, body);
    assert_int_equal(r.status, 422);
    /* The field named in French, what was typed drawn again. */
    assert_true(has(&r, "Horaires d&#39;accueil") || has(&r, "Horaires d'accueil") ||
                has(&r, "Horaires d&apos;accueil"));
    assert_true(has(&r, "aria-invalid=\"true\""));
    assert_true(has(&r, "lundi 9h-12h"));
    assert_true(has(&r, "Texte tapé avant le refus"));
    mg_http_response_free(&r);
    /* Nothing changed. */
    mg_dir_set set;
    get_structure(S_CENTRE, &set);
    assert_true(!set.structures[0].description ||
                strcmp(set.structures[0].description, typed) != 0);
    mg_dir_set_free(&set);

    /* A name left empty. */
    edit_body(body, sizeof body, S_CENTRE, (const char *const[]){"name", "", NULL});
    r = request(&owner, "POST", path, body);
    assert_int_equal(r.status, 422);
    assert_true(has(&r, "obligatoire"));
    mg_http_response_free(&r);
}

static void test_other_org_suggests(void **state)
{
    (void)state;
    char path[96], body[1024];
    /* Another organisation's member may not edit… */
    snprintf(path, sizeof path, "/structure/%lld/modifier", (long long)sid[S_CENTRE]);
    mg_http_response r = request(&other, "GET", path, NULL);
    assert_int_equal(r.status, 403);
    mg_http_response_free(&r);
    char edit[4096];
    edit_body(edit, sizeof edit, S_CENTRE, (const char *const[]){"name", "Pris (exemple)", NULL});
    r = request(&other, "POST", path, edit);
    assert_int_equal(r.status, 403);
    mg_http_response_free(&r);
    /* …but suggests. */
    snprintf(path, sizeof path, "/structure/%lld/suggerer", (long long)sid[S_CENTRE]);
    r = request(&other, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    mg_http_response_free(&r);
    /* The owner's members edit, so they do not suggest. */
    r = request(&owner, "GET", path, NULL);
    assert_int_equal(r.status, 403);
    mg_http_response_free(&r);

    const char *value = "04 68 99 99 99";
    char org[24];
    snprintf(org, sizeof org, "%lld", (long long)web_org_id);
    /* Refused: an organisation that is not the actor's; the value typed kept. */
    body[0] = '\0';
    form_add(body, sizeof body, "organisation", "999999");
    form_add(body, sizeof body, "field", "phone");
    form_add(body, sizeof body, "value", value);
    r = request(&other, "POST", path, body);
    assert_int_equal(r.status, 422);
    assert_true(has(&r, value));
    mg_http_response_free(&r);

    body[0] = '\0';
    form_add(body, sizeof body, "organisation", org);
    form_add(body, sizeof body, "field", "phone");
    form_add(body, sizeof body, "value", value);
    r = request(&other, "POST", path, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);

    mg_dir_suggestion *sg = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_dir_suggestions(app->db, sid[S_CENTRE], &sg, &n, &d), 0);
    int64_t s_id = 0;
    for (size_t k = 0; k < n; k++)
        if (strcmp(sg[k].field, "phone") == 0 && strcmp(sg[k].value, value) == 0)
            s_id = sg[k].id;
    free(sg);
    assert_true(s_id > 0);

    /* The owner sees it on the page; the other organisation does not
     * decide it. */
    snprintf(path, sizeof path, "/structure/%lld", (long long)sid[S_CENTRE]);
    r = request(&owner, "GET", path, NULL);
    assert_true(has(&r, "Suggestions reçues"));
    assert_true(has(&r, value));
    mg_http_response_free(&r);
    r = request(&anon, "GET", path, NULL);
    assert_false(has(&r, "Suggestions reçues"));
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/structure/%lld/suggestions/%lld", (long long)sid[S_CENTRE],
             (long long)s_id);
    r = request(&other, "POST", path, "decision=accepter");
    assert_int_equal(r.status, 403);
    mg_http_response_free(&r);
    r = request(&owner, "POST", path, "decision=accepter");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    mg_dir_set set;
    get_structure(S_CENTRE, &set);
    assert_string_equal(set.structures[0].phone, value);
    mg_dir_set_free(&set);
    /* Decided once. */
    r = request(&owner, "POST", path, "decision=refuser");
    assert_true(r.status == 404 || r.status == 409);
    mg_http_response_free(&r);
}

static void test_new_structure(void **state)
{
    (void)state;
    mg_http_response r = request(&anon, "GET", "/annuaire/nouvelle", NULL);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    r = request(&other, "GET", "/annuaire/nouvelle", NULL);
    assert_int_equal(r.status, 200);
    mg_http_response_free(&r);
    char body[2048] = "";
    const char *name = "Espace France services des Essais (exemple)";
    form_add(body, sizeof body, "name", name);
    form_add(body, sizeof body, "category", "social");
    form_add(body, sizeof body, "commune_code", commune[S_CENTRE]);
    form_add(body, sizeof body, "publish_contact", "non");
    form_add(body, sizeof body, "lat", "abc");
    r = request(&other, "POST", "/annuaire/nouvelle", body);
    assert_int_equal(r.status, 422);
    assert_true(has(&r, "Latitude"));
    assert_true(has(&r, "France services des Essais"));
    mg_http_response_free(&r);
    assert_int_equal(find_id(name), 0);
    body[0] = '\0';
    form_add(body, sizeof body, "name", name);
    form_add(body, sizeof body, "category", "social");
    form_add(body, sizeof body, "commune_code", commune[S_CENTRE]);
    form_add(body, sizeof body, "publish_contact", "non");
    r = request(&other, "POST", "/annuaire/nouvelle", body);
    assert_int_equal(r.status, 303);
    int64_t id = find_id(name);
    assert_true(id > 0);
    char to[64];
    snprintf(to, sizeof to, "/structure/%lld", (long long)id);
    assert_true(strncmp(r.location, to, strlen(to)) == 0);
    mg_http_response_free(&r);
}

/* Imports a copy of the pharmacy under another source id: a duplicate
 * (same name at the same address), kept as a merge proposal. */
static void import_duplicate(const char *source_id)
{
    mg_dir_set set, cur;
    get_structure(S_PHARMACY, &cur);
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    const mg_dir_structure *c = &cur.structures[0];
    s->source = "autre-source";
    s->source_id = source_id;
    s->name = mg_dir_strdup(&set, c->name, SIZE_MAX);
    s->category = c->category;
    s->address = mg_dir_strdup(&set, c->address, SIZE_MAX);
    s->postcode = mg_dir_strdup(&set, c->postcode, SIZE_MAX);
    s->commune_code = mg_dir_strdup(&set, c->commune_code, SIZE_MAX);
    s->commune_name = mg_dir_strdup(&set, c->commune_name, SIZE_MAX);
    s->website = "https://pharmacie-du-canal.invalid";
    s->updated_on = "2026-12-01";
    mg_dir_set_free(&cur);
    mg_dir_report rep;
    mg_dir_report_init(&rep);
    mg_diag d = {{0}};
    mg_dir_import_opts o = {0};
    assert_int_equal(mg_dir_import(app->db, &set, &o, &rep, &d), 0);
    assert_int_equal(rep.counts[MG_DIR_ROW_DUPLICATE], 1);
    mg_dir_report_free(&rep);
    mg_dir_set_free(&set);
}

static void test_merges_for_platform_only(void **state)
{
    (void)state;
    mg_http_response r = request(&other, "GET", "/annuaire/doublons", NULL);
    assert_int_equal(r.status, 403);
    mg_http_response_free(&r);
    r = request(&anon, "GET", "/annuaire/doublons", NULL);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);

    /* The platform's administrator sees the proposals and decides them. */
    mg_diag d = {{0}};
    int64_t op = 0;
    mg_auth_org_input oi = {.name = "Exploitation de la plateforme (exemple)", .kind = "other"};
    assert_int_equal(mg_auth_org_add(app->db, 0, &oi, true, true, &op, NULL, &d), 0);
    who admin = {0};
    log_in(&admin, op, MG_ROLE_ADMINISTRATOR, "plateforme");
    import_duplicate("doublon-1");
    import_duplicate("doublon-2");
    mg_dir_merge *m = NULL;
    size_t n = 0;
    assert_int_equal(mg_dir_merges(app->db, &m, &n, &d), 0);
    assert_int_equal(n, 2);
    int64_t first = m[0].id, second = m[1].id;
    assert_int_equal(m[0].structure_id, sid[S_PHARMACY]);
    free(m);
    r = request(&admin, "GET", "/annuaire/doublons", NULL);
    assert_int_equal(r.status, 200);
    char action[64];
    snprintf(action, sizeof action, "action=\"/annuaire/doublons/%lld\"", (long long)first);
    assert_true(has(&r, action));
    assert_true(lists(&r, S_PHARMACY));
    mg_http_response_free(&r);

    char path[64];
    snprintf(path, sizeof path, "/annuaire/doublons/%lld", (long long)first);
    r = request(&other, "POST", path, "decision=fusionner");
    assert_int_equal(r.status, 403);
    mg_http_response_free(&r);
    r = request(&admin, "POST", path, "decision=peut-etre");
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
    r = request(&admin, "POST", path, "decision=fusionner");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    /* The empty website of the pharmacy filled from the imported record. */
    mg_dir_set set;
    get_structure(S_PHARMACY, &set);
    assert_non_null(set.structures[0].website);
    assert_string_equal(set.structures[0].website, "https://pharmacie-du-canal.invalid");
    mg_dir_set_free(&set);
    /* Decided once; the other one dismissed. */
    r = request(&admin, "POST", path, "decision=ecarter");
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/annuaire/doublons/%lld", (long long)second);
    r = request(&admin, "POST", path, "decision=ecarter");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    assert_int_equal(mg_dir_merges(app->db, &m, &n, &d), 0);
    assert_int_equal(n, 0);
    free(m);
}

static void test_anonymous_private_pages(void **state)
{
    (void)state;
    char path[96];
    for (int k = 0; k < 3; k++) {
        if (k == 0)
            snprintf(path, sizeof path, "/structure/%lld/modifier", (long long)sid[S_CENTRE]);
        else if (k == 1)
            snprintf(path, sizeof path, "/structure/%lld/suggerer", (long long)sid[S_CENTRE]);
        else
            snprintf(path, sizeof path, "/reseau/reunions");
        mg_http_response r = request(&anon, "GET", path, NULL);
        assert_int_equal(r.status, 303);
        assert_non_null(strstr(r.location, "/connexion"));
        mg_http_response_free(&r);
    }
    snprintf(path, sizeof path, "/structure/%lld", (long long)sid[S_CENTRE]);
    mg_http_response r = request(&anon, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_false(has(&r, "/modifier\""));
    mg_http_response_free(&r);
    r = request(&anon, "GET", "/structure/999999999", NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    r = request(&anon, "GET", "/structure/007", NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
}

/* The contracts and actions a structure takes part in: named to those who
 * may see the contract (its lead's members), counted for the others. */
static void test_contract_roles(void **state)
{
    (void)state;
    mg_diag d = {{0}};
    int64_t contract = 0, action = 0;
    const char *title = "Contrat local de santé des Essais (exemple)";
    const char *atitle = "Consultations avancées (exemple)";
    mg_contract_input ci = {.kind = "cls", .title = title};
    mg_contract_action_input ai = {.title = atitle};
    assert_int_equal(mg_contract_create(app->db, 0, web_org_id, &ci, &contract, NULL, &d), 0);
    assert_int_equal(mg_contract_action_create(app->db, 0, contract, &ai, &action, NULL, &d), 0);
    assert_int_equal(mg_contract_participant_add(app->db, 0, action, sid[S_PHARMACY],
                                                 MG_PARTICIPANT_PARTNER, NULL, &d),
                     0);
    char path[64];
    snprintf(path, sizeof path, "/structure/%lld", (long long)sid[S_PHARMACY]);
    /* The lead's manager sees the contract, the action and the role. */
    mg_http_response r = request(&other, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_true(has(&r, title));
    assert_true(has(&r, atitle));
    assert_true(has(&r, mg_participant_role_label(MG_PARTICIPANT_PARTNER)));
    mg_http_response_free(&r);
    /* Others learn that there is one, not which. */
    r = request(&anon, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_false(has(&r, title));
    assert_false(has(&r, atitle));
    assert_true(has(&r, "1 action de contrats que vous ne pouvez pas consulter"));
    mg_http_response_free(&r);
}

/* --- Meetings ------------------------------------------------------------------------------ */

static void test_meeting(void **state)
{
    (void)state;
    char body[2048] = "", org[24], path[128];
    snprintf(org, sizeof org, "%lld", (long long)sid[S_CENTRE]);
    /* Refused: a day that does not exist; what was typed kept. */
    form_add(body, sizeof body, "organisation", org);
    form_add(body, sizeof body, "date", "31/02/2027");
    form_add(body, sizeof body, "heure", "14:30");
    form_add(body, sizeof body, "lieu", "Salle des fêtes des Essais (exemple)");
    form_add(body, sizeof body, "theme", "Accès aux soins des personnes âgées");
    mg_http_response r = request(&owner, "POST", "/reseau/reunions", body);
    assert_int_equal(r.status, 422);
    assert_true(has(&r, "Salle des fêtes des Essais"));
    assert_true(has(&r, "aria-invalid=\"true\""));
    mg_http_response_free(&r);
    /* Another organisation's member may not organise for the owner. */
    body[0] = '\0';
    form_add(body, sizeof body, "organisation", org);
    form_add(body, sizeof body, "date", "2027-03-15");
    form_add(body, sizeof body, "heure", "14:30");
    form_add(body, sizeof body, "lieu", "Salle des fêtes des Essais (exemple)");
    form_add(body, sizeof body, "theme", "Accès aux soins des personnes âgées");
    r = request(&other, "POST", "/reseau/reunions", body);
    assert_int_equal(r.status, 422);
    mg_http_response_free(&r);
    r = request(&owner, "POST", "/reseau/reunions", body);
    assert_int_equal(r.status, 303);
    int64_t mid = 0;
    assert_true(strncmp(r.location, "/reseau/reunions/", 17) == 0);
    assert_int_equal(mg_parse_id(r.location + 17, INT64_MAX, &mid, NULL), 0);
    mg_http_response_free(&r);
    mg_dir_meeting m;
    mg_diag d = {{0}};
    assert_int_equal(mg_dir_meeting_get(app->db, mid, &m, &d), 0);
    assert_string_equal(m.held_on, "2027-03-15 14:30");
    assert_int_equal(m.organisation_id, sid[S_CENTRE]);

    r = request(&owner, "GET", "/reseau/reunions", NULL);
    assert_int_equal(r.status, 200);
    assert_true(has(&r, "Accès aux soins des personnes âgées"));
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/reseau/reunions/%lld", (long long)mid);
    r = request(&owner, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    mg_http_response_free(&r);
    /* Another organisation's meeting is one that does not exist. */
    r = request(&other, "GET", path, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);

    /* Invitations: found by a directory search on the page. */
    snprintf(path, sizeof path, "/reseau/reunions/%lld?q=Pharmacie", (long long)mid);
    r = request(&owner, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_true(has(&r, "Inviter"));
    assert_true(lists(&r, S_PHARMACY));
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/reseau/reunions/%lld/invitations", (long long)mid);
    for (int k = 0; k < NS; k++) {
        char b2[64] = "", s[24];
        snprintf(s, sizeof s, "%lld", (long long)sid[k]);
        form_add(b2, sizeof b2, "structure", s);
        r = request(&owner, "POST", path, b2);
        assert_int_equal(r.status, 303);
        mg_http_response_free(&r);
        if (k == 0) {
            r = request(&other, "POST", path, b2);
            assert_int_equal(r.status, 404);
            mg_http_response_free(&r);
        }
    }
    /* Attendance. */
    snprintf(path, sizeof path, "/reseau/reunions/%lld/presence", (long long)mid);
    char b3[96] = "", s2[24];
    snprintf(s2, sizeof s2, "%lld", (long long)sid[S_PHARMACY]);
    form_add(b3, sizeof b3, "structure", s2);
    form_add(b3, sizeof b3, "presence", "presente");
    r = request(&owner, "POST", path, b3);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    mg_dir_invitation *inv = NULL;
    size_t ninv = 0;
    assert_int_equal(mg_dir_meeting_invitations(app->db, mid, &inv, &ninv, &d), 0);
    assert_int_equal(ninv, NS);
    for (size_t k = 0; k < ninv; k++)
        assert_int_equal(inv[k].attended, inv[k].structure_id == sid[S_PHARMACY] ? 1 : -1);
    free(inv);

    /* Minutes: typed, then a PDF. */
    snprintf(path, sizeof path, "/reseau/reunions/%lld/compte-rendu.pdf", (long long)mid);
    r = request(&owner, "GET", path, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/reseau/reunions/%lld/compte-rendu", (long long)mid);
    r = request(&owner, "POST", path, "texte=");
    assert_int_equal(r.status, 422);
    mg_http_response_free(&r);
    /* A control character: refused, the text typed kept in the page. */
    r = request(&owner, "POST", path, "texte=Texte+gard%C3%A9+%01");
    assert_int_equal(r.status, 422);
    assert_true(has(&r, "Texte gardé"));
    assert_true(has(&r, "caractère de contrôle"));
    mg_http_response_free(&r);
    mg_dir_meeting still;
    assert_int_equal(mg_dir_meeting_get(app->db, mid, &still, &d), 0);
    assert_false(still.has_minutes);
    char b4[512] = "";
    form_add(b4, sizeof b4, "texte",
             "Tour de table des structures présentes.\r\n\r\nProchaine réunion en juin.");
    r = request(&owner, "POST", path, b4);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/reseau/reunions/%lld/compte-rendu.pdf", (long long)mid);
    r = request(&owner, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/pdf");
    assert_true(r.body.len > 5);
    assert_memory_equal(r.body.data, "%PDF-", 5);
    mg_http_response_free(&r);
    r = request(&other, "GET", path, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    /* The page shows the typed text in its form again. */
    snprintf(path, sizeof path, "/reseau/reunions/%lld", (long long)mid);
    r = request(&owner, "GET", path, NULL);
    assert_true(has(&r, "Prochaine réunion en juin."));
    mg_http_response_free(&r);

    /* Contacts: the published ones only (the centre published them in an
     * earlier test, the pharmacy and the town hall did not). */
    mg_dir_set set;
    get_structure(S_CENTRE, &set);
    bool centre_published = set.structures[0].publish_contact;
    char centre_phone[64];
    snprintf(centre_phone, sizeof centre_phone, "%s", set.structures[0].phone);
    mg_dir_set_free(&set);
    snprintf(path, sizeof path, "/reseau/reunions/%lld/contacts.csv", (long long)mid);
    r = request(&owner, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.content_type, "text/csv"));
    for (int k = 0; k < NS; k++)
        assert_true(has(&r, names[k]));
    assert_false(has(&r, phones[S_PHARMACY]));
    assert_false(has(&r, emails[S_PHARMACY]));
    assert_false(has(&r, phones[S_TOWN_HALL]));
    assert_false(has(&r, emails[S_TOWN_HALL]));
    assert_int_equal(has(&r, centre_phone), centre_published);
    mg_http_response_free(&r);
    r = request(&other, "GET", path, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
}

int main(void)
{
    (void)web_setup; /* the fixture's other entry, unused here */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_filters),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_contacts_shown_when_published),
        cmocka_unit_test(test_owner_edits_audited),
        cmocka_unit_test(test_refused_edit_keeps_typed),
        cmocka_unit_test(test_other_org_suggests),
        cmocka_unit_test(test_new_structure),
        cmocka_unit_test(test_merges_for_platform_only),
        cmocka_unit_test(test_anonymous_private_pages),
        cmocka_unit_test(test_contract_roles),
        cmocka_unit_test(test_meeting),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, teardown);
    /* The same on PostgreSQL when scripts/test.sh provides a server. */
    int pg = test_pg_database("mg_test_web_directory", web_fixture_db, sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, teardown);
}
