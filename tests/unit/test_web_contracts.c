/*
 * The pages of contracts and actions (web/contracts_pages.c) through the
 * application's router, on the demo Aude: a manager creates a contract and
 * an action, finds a structure of the directory and adds it as pilot or
 * partner, removes it; refused forms come back with what was typed; a
 * reader of the lead sees the pages without their forms and is refused
 * the changes; another organisation's manager gets the 404 of a contract
 * that does not exist, with nothing of its content. Issue 15: a partner
 * sees and changes nothing, the pilot's manager edits its action but not
 * the contract, another Département sees nothing; the lead's signatories,
 * axes, contract changes and refused forms. On SQLite, then on
 * PostgreSQL when MG_TEST_PG_URI is set.
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
#include "contracts/contracts.h"
#include "parse/parse.h"
#include "directory/directory.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web_fixture.h"

#define FORM "application/x-www-form-urlencoded"

typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
} who;

static who manager, reader, stranger, anonymous, partner_reader, pilot_manager;
static int64_t org_b, org_partner, org_pilot;

/* An account with `role` in org, logged in. */
static void login_as(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    snprintf(email, sizeof email, "%s.%ld@contrats.invalid", tag, (long)time(NULL));
    const char *password = "un mot de passe de test assez long";
    int64_t account = 0;
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    if (mg_auth_account_add(app->db, 0, email, "Compte de test (exemple)", password, org, role,
                            &account, NULL, &d) ||
        mg_auth_login(app->db, email, password, "127.0.0.1", (int64_t)time(NULL), &lr, &retry,
                      &d) ||
        mg_auth_session_load(app->db, lr.session, (int64_t)time(NULL), &s, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    snprintf(manager.cookie, sizeof manager.cookie, "%s", web_cookie);
    memcpy(manager.csrf, web_csrf_token, sizeof manager.csrf);
    mg_diag d = {{0}};
    mg_auth_org_input in = {.name = "Département voisin (exemple)", .kind = "departement"};
    if (mg_auth_org_add(app->db, 0, &in, true, false, &org_b, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    login_as(&reader, web_org_id, MG_ROLE_READER, "lecteur");
    login_as(&stranger, org_b, MG_ROLE_MANAGER, "voisin");
    /* Issue 15: a partner organisation with a reader, a pilot organisation
     * with a manager. */
    mg_auth_org_input pin = {.name = "Association partenaire (exemple)", .kind = "association"};
    mg_auth_org_input lin = {.name = "Communauté de communes pilote (exemple)", .kind = "epci"};
    if (mg_auth_org_add(app->db, 0, &pin, true, false, &org_partner, NULL, &d) ||
        mg_auth_org_add(app->db, 0, &lin, true, false, &org_pilot, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    login_as(&partner_reader, org_partner, MG_ROLE_READER, "partenaire");
    login_as(&pilot_manager, org_pilot, MG_ROLE_MANAGER, "pilote");
    return 0;
}

static mg_http_response as(const who *w, const char *method, const char *target,
                           const char *body)
{
    mg_http_response res;
    const char *headers[] = {"Cookie", w->cookie, "X-CSRF-Token", w->csrf, NULL};
    const char *const *h = w->cookie[0] ? headers : NULL;
    int rc = mg_http_dispatch_with(app->router, method, target, h, body ? FORM : NULL, body,
                                   body ? strlen(body) : 0, &res);
    assert_int_equal(rc, 0);
    return res;
}

static const char *text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

/* The id after `prefix` in the response's Location. */
static int64_t location_id(const mg_http_response *r, const char *prefix)
{
    assert_int_equal(r->status, 303);
    const char *p = strstr(r->location, prefix);
    if (!p)
        fail_msg("Location \"%s\" has no \"%s\"", r->location, prefix);
    char digits[24];
    size_t n = strspn(p + strlen(prefix), "0123456789");
    if (n == 0 || n >= sizeof digits)
        fail_msg("Location \"%s\": no id after \"%s\"", r->location, prefix);
    memcpy(digits, p + strlen(prefix), n);
    digits[n] = '\0';
    int64_t id = 0;
    mg_parse_error why;
    assert_int_equal(mg_parse_id(digits, INT64_MAX, &id, &why), 0);
    return id;
}

/* Creates a contract of the manager's organisation through the page. */
static int64_t contract_new(const char *title_form)
{
    char body[512];
    snprintf(body, sizeof body,
             "organisation=%lld&kind=cps&title=%s&territory=epci%%3A200035707"
             "&starts_on=01%%2F01%%2F2024&ends_on=2027-12-31&status=signed",
             (long long)web_org_id, title_form);
    mg_http_response r = as(&manager, "POST", "/contrats", body);
    int64_t id = location_id(&r, "/contrats/");
    mg_http_response_free(&r);
    return id;
}

static int64_t action_new(int64_t contract, const char *title_form)
{
    char path[64], body[256];
    snprintf(path, sizeof path, "/contrats/%lld/actions", (long long)contract);
    snprintf(body, sizeof body, "title=%s&description=&status=in_progress&starts_on=&due_on=",
             title_form);
    mg_http_response r = as(&manager, "POST", path, body);
    int64_t id = location_id(&r, "/actions/");
    mg_http_response_free(&r);
    return id;
}

static int64_t org_new(const char *name)
{
    mg_diag d = {{0}};
    int64_t id = 0;
    mg_auth_org_input in = {.name = name, .kind = "health_centre"};
    if (mg_auth_org_add(app->db, 0, &in, true, false, &id, NULL, &d))
        fail_msg("organisation: %s", d.msg);
    return id;
}

/* A structure of the directory (an organisation with its page), saved as
 * the directory's pages save one. */
static int64_t structure_new(const char *name, const char *commune_code, const char *commune)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    assert_non_null(s);
    s->name = mg_dir_strdup(&set, name, SIZE_MAX);
    s->category = MG_DIR_SOCIAL;
    s->source = mg_dir_strdup(&set, "maillage", SIZE_MAX);
    s->commune_code = mg_dir_strdup(&set, commune_code, SIZE_MAX);
    s->commune_name = mg_dir_strdup(&set, commune, SIZE_MAX);
    int64_t id = 0;
    const char *field = NULL;
    mg_diag d = {{0}};
    int rc = mg_dir_save(app->db, 0, &set, &id, &field, &d);
    mg_dir_set_free(&set);
    if (rc)
        fail_msg("structure: %s (%s)", d.msg, field ? field : "-");
    return id;
}

static void test_manager_creates_contract_and_action(void **state)
{
    (void)state;
    int64_t k = contract_new("Contrat+Pi%C3%A8ge-Lauragais-Malep%C3%A8re+%28exemple%29");
    mg_contract c;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_get(app->db, k, &c, &d), 0);
    assert_int_equal(c.organisation_id, web_org_id);
    assert_string_equal(c.title, "Contrat Piège-Lauragais-Malepère (exemple)");
    assert_string_equal(c.starts_on, "2024-01-01");
    assert_int_equal(c.status, MG_CONTRACT_SIGNED);

    mg_http_response r = as(&manager, "GET", "/contrats", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Contrat Piège-Lauragais-Malepère (exemple)"));
    assert_non_null(strstr(text(&r), "Nouveau contrat"));
    mg_http_response_free(&r);

    char path[96];
    snprintf(path, sizeof path, "/contrats/%lld", (long long)k);
    r = as(&manager, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Contrat pluriannuel des solidarités"));
    assert_non_null(strstr(text(&r), "perimetre=epci%3A200035707")); /* the territory linked */
    assert_non_null(strstr(text(&r), "du 01/01/2024 au 31/12/2027"));
    assert_non_null(strstr(text(&r), "Nouvelle action"));
    mg_http_response_free(&r);

    int64_t a = action_new(k, "Cabine+de+t%C3%A9l%C3%A9m%C3%A9decine");
    r = as(&manager, "GET", path, NULL);
    assert_non_null(strstr(text(&r), "Cabine de télémédecine"));
    mg_http_response_free(&r);
    mg_contract_action act;
    assert_int_equal(mg_contract_action_get(app->db, a, &act, &d), 0);
    assert_int_equal(act.contract_id, k);
    assert_int_equal(act.status, MG_ACTION_IN_PROGRESS);
    mg_contract_action_clear(&act);
}

static void test_partners_added_and_removed(void **state)
{
    (void)state;
    int64_t k = contract_new("Contrat+des+partenaires");
    int64_t a = action_new(k, "Chariots+de+t%C3%A9l%C3%A9consultation");
    int64_t msp = structure_new("Maison de santé de Fanjeaux (exemple)", "11136", "Fanjeaux");
    /* An organisation that is not a structure of the directory (it has no
     * page to link to) may take part too. */
    int64_t ccas = org_new("CCAS de Bram (exemple)");
    char page[128], add[160], body[256];
    snprintf(page, sizeof page, "/contrats/%lld/actions/%lld", (long long)k, (long long)a);
    snprintf(add, sizeof add, "%s/participants", page);

    mg_http_response r = as(&manager, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Aucune structure n'est encore associée"));
    mg_http_response_free(&r);

    snprintf(body, sizeof body, "organisation=%lld&role=pilot&q=Fanjeaux", (long long)msp);
    r = as(&manager, "POST", add, body);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(r.location, "q=Fanjeaux")); /* the search kept */
    mg_http_response_free(&r);
    snprintf(body, sizeof body, "organisation=%lld&role=partner", (long long)ccas);
    r = as(&manager, "POST", add, body);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);

    r = as(&manager, "GET", page, NULL);
    char link[64];
    snprintf(link, sizeof link, "href=\"/structure/%lld\"", (long long)msp);
    assert_non_null(strstr(text(&r), link));
    snprintf(link, sizeof link, "href=\"/structure/%lld\"", (long long)ccas);
    assert_null(strstr(text(&r), link));
    assert_non_null(strstr(text(&r), "CCAS de Bram (exemple)"));
    const char *pilot = strstr(text(&r), "Pilote</td>");
    const char *partner = strstr(text(&r), "Partenaire</td>");
    assert_non_null(pilot);
    assert_non_null(partner);
    assert_true(pilot < partner); /* the pilot first */
    mg_http_response_free(&r);

    /* A second pilot: refused, the page again with the reason and the
     * search as typed. */
    snprintf(body, sizeof body, "organisation=%lld&role=pilot&q=Bram", (long long)ccas);
    r = as(&manager, "POST", add, body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "participe déjà"));
    assert_non_null(strstr(text(&r), "value=\"Bram\""));
    mg_http_response_free(&r);
    int64_t other = org_new("Pharmacie de Montréal (exemple)");
    snprintf(body, sizeof body, "organisation=%lld&role=pilot", (long long)other);
    r = as(&manager, "POST", add, body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "déjà un pilote"));
    assert_non_null(strstr(text(&r), "role=\"alert\""));
    mg_http_response_free(&r);
    /* An organisation that does not exist, a role that does not. */
    snprintf(body, sizeof body, "organisation=%lld&role=partner", (long long)other + 1000);
    r = as(&manager, "POST", add, body);
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);
    snprintf(body, sizeof body, "organisation=%lld&role=chef", (long long)other);
    r = as(&manager, "POST", add, body);
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);

    /* Removal. */
    char remove[200];
    snprintf(remove, sizeof remove, "%s/%lld/retirer", add, (long long)msp);
    r = as(&manager, "POST", remove, "");
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
    r = as(&manager, "POST", remove, "");
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    mg_contract_participant *p = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_participants(app->db, a, &p, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(p[0].organisation_id, ccas);
    free(p);

    /* The history of the action names the changes. */
    r = as(&manager, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "participant.organisation_id"));
    mg_http_response_free(&r);
}

/* The search of the directory on the action's page finds a structure and
 * offers to add it. */
static void test_directory_search(void **state)
{
    (void)state;
    int64_t k = contract_new("Contrat+de+la+recherche");
    int64_t a = action_new(k, "R%C3%A9seau+des+acteurs");
    int64_t id = structure_new("Centre social de Belpech (exemple)", "11033", "Belpech");

    char page[160];
    snprintf(page, sizeof page, "/contrats/%lld/actions/%lld?q=Belpech", (long long)k,
             (long long)a);
    mg_http_response r = as(&manager, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Ajouter Centre social de Belpech (exemple) comme partenaire"));
    char hidden[96];
    snprintf(hidden, sizeof hidden, "name=\"organisation\" value=\"%lld\"", (long long)id);
    assert_non_null(strstr(text(&r), hidden));
    mg_http_response_free(&r);

    snprintf(page, sizeof page, "/contrats/%lld/actions/%lld?q=Introuvablezzz", (long long)k,
             (long long)a);
    r = as(&manager, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Aucune structure de l'annuaire ne correspond"));
    mg_http_response_free(&r);
}

/* A refused creation comes back with what was typed and the message. */
static void test_refused_forms_keep_input(void **state)
{
    (void)state;
    char body[256];
    snprintf(body, sizeof body,
             "organisation=%lld&kind=cls&title=Contrat+local&territory=&starts_on=2025-12-01"
             "&ends_on=2025-01-01&status=draft",
             (long long)web_org_id);
    mg_http_response r = as(&manager, "POST", "/contrats", body);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "value=\"Contrat local\""));
    assert_non_null(strstr(text(&r), "value=\"2025-12-01\""));
    assert_non_null(strstr(text(&r), "précède son début"));
    mg_http_response_free(&r);

    /* Another organisation's id as the lead: a refused field. */
    snprintf(body, sizeof body, "organisation=%lld&kind=cls&title=Contrat+local&status=draft",
             (long long)org_b);
    r = as(&manager, "POST", "/contrats", body);
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);

    int64_t k = contract_new("Contrat+des+refus");
    char path[96];
    snprintf(path, sizeof path, "/contrats/%lld/actions", (long long)k);
    r = as(&manager, "POST", path, "title=&description=Une+description&status=planned");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "value=\"Une description\""));
    mg_http_response_free(&r);
}

static void test_reader_views_but_cannot_add(void **state)
{
    (void)state;
    int64_t k = contract_new("Contrat+du+lecteur");
    int64_t a = action_new(k, "Action+du+lecteur");
    int64_t org = org_new("Association du lecteur (exemple)");
    char path[96], act[128], body[128];
    snprintf(path, sizeof path, "/contrats/%lld", (long long)k);
    snprintf(act, sizeof act, "%s/actions/%lld", path, (long long)a);

    mg_http_response r = as(&reader, "GET", "/contrats", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Contrat du lecteur"));
    assert_null(strstr(text(&r), "Nouveau contrat")); /* no creation form */
    mg_http_response_free(&r);
    r = as(&reader, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Action du lecteur"));
    assert_null(strstr(text(&r), "Nouvelle action"));
    mg_http_response_free(&r);
    r = as(&reader, "GET", act, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "Ajouter une structure"));
    mg_http_response_free(&r);

    snprintf(body, sizeof body, "organisation=%lld&kind=cps&title=Non&status=draft",
             (long long)web_org_id);
    r = as(&reader, "POST", "/contrats", body);
    assert_int_equal(r.status, 400); /* the organisation is refused */
    mg_http_response_free(&r);
    char actions[128];
    snprintf(actions, sizeof actions, "%s/actions", path);
    r = as(&reader, "POST", actions, "title=Non&status=planned");
    assert_int_equal(r.status, 403);
    mg_http_response_free(&r);
    char add[160];
    snprintf(add, sizeof add, "%s/participants", act);
    snprintf(body, sizeof body, "organisation=%lld&role=partner", (long long)org);
    r = as(&reader, "POST", add, body);
    assert_int_equal(r.status, 403);
    mg_http_response_free(&r);
    mg_contract_participant *p = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_participants(app->db, a, &p, &n, &d), 0);
    assert_int_equal(n, 0);
    free(p);
}

/* Another organisation's contract: the 404 of one that does not exist,
 * nothing of its content; the anonymous visitor is sent to log in. */
static void test_other_organisation_gets_404(void **state)
{
    (void)state;
    int64_t k = contract_new("Contrat+confidentiel");
    int64_t a = action_new(k, "Action+confidentielle");
    int64_t org = org_new("Structure voisine (exemple)");
    char path[96], act[128], body[128], missing[96];
    snprintf(path, sizeof path, "/contrats/%lld", (long long)k);
    snprintf(act, sizeof act, "%s/actions/%lld", path, (long long)a);
    snprintf(missing, sizeof missing, "/contrats/%lld", (long long)k + 100000);

    mg_http_response r0 = as(&stranger, "GET", missing, NULL);
    assert_int_equal(r0.status, 404);
    const char *gone = "Ce contrat n&#39;existe pas."; /* as the page escapes it */
    assert_non_null(strstr(text(&r0), gone));

    const char *gets[] = {path, act};
    for (size_t i = 0; i < 2; i++) {
        mg_http_response r = as(&stranger, "GET", gets[i], NULL);
        assert_int_equal(r.status, 404);
        assert_non_null(strstr(text(&r), gone));
        assert_null(strstr(text(&r), "confidenti"));
        mg_http_response_free(&r);
    }
    char post[160];
    snprintf(post, sizeof post, "%s/participants", act);
    snprintf(body, sizeof body, "organisation=%lld&role=partner", (long long)org);
    mg_http_response r = as(&stranger, "POST", post, body);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    snprintf(post, sizeof post, "%s/actions", path);
    r = as(&stranger, "POST", post, "title=Intrusion&status=planned");
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);
    r = as(&stranger, "GET", "/contrats", NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "confidenti"));
    mg_http_response_free(&r);
    mg_http_response_free(&r0);

    /* An action asked under another contract's path. */
    int64_t k2 = contract_new("Autre+contrat");
    char wrong[128];
    snprintf(wrong, sizeof wrong, "/contrats/%lld/actions/%lld", (long long)k2, (long long)a);
    r = as(&manager, "GET", wrong, NULL);
    assert_int_equal(r.status, 404);
    mg_http_response_free(&r);

    r = as(&anonymous, "GET", path, NULL);
    assert_int_equal(r.status, 303);
    assert_null(strstr(text(&r), "confidenti"));
    mg_http_response_free(&r);
    r = as(&anonymous, "GET", "/contrats", NULL);
    assert_int_equal(r.status, 303);
    mg_http_response_free(&r);
}

/* The status of status code of a request, the response freed. */
static int status_of(const who *w, const char *method, const char *target, const char *body)
{
    mg_http_response r = as(w, method, target, body);
    int st = r.status;
    mg_http_response_free(&r);
    return st;
}

static mg_action_status action_status(int64_t a)
{
    mg_contract_action x;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_action_get(app->db, a, &x, &d), 0);
    mg_action_status s = x.status;
    mg_contract_action_clear(&x);
    return s;
}

static void participant(int64_t action, int64_t org, mg_participant_role role)
{
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    if (mg_contract_participant_add(app->db, 0, action, org, role, &fe, &d))
        fail_msg("participant: %s", d.msg);
}

/* Issue 15's rights: a partner sees and changes nothing; the pilot's
 * manager edits its action, not the contract nor another action; another
 * Département sees nothing; a reader of the lead changes nothing. */
static void test_plan_rights(void **state)
{
    (void)state;
    int64_t k = contract_new("Contrat+partag%C3%A9");
    int64_t a1 = action_new(k, "Cabine+pilot%C3%A9e");     /* in_progress */
    int64_t a2 = action_new(k, "Chariots+du+porteur");
    participant(a1, org_pilot, MG_PARTICIPANT_PILOT);
    participant(a1, org_partner, MG_PARTICIPANT_PARTNER);
    char c[64], act1[128], act2[128], p[192];
    snprintf(c, sizeof c, "/contrats/%lld", (long long)k);
    snprintf(act1, sizeof act1, "%s/actions/%lld", c, (long long)a1);
    snprintf(act2, sizeof act2, "%s/actions/%lld", c, (long long)a2);

    /* The partner's reader sees the contract and the action. */
    mg_http_response r = as(&partner_reader, "GET", c, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Cabine pilotée"));
    assert_null(strstr(text(&r), "Modifier le contrat"));
    assert_null(strstr(text(&r), "Nouvelle action"));
    mg_http_response_free(&r);
    r = as(&partner_reader, "GET", act1, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "Passer à"));
    mg_http_response_free(&r);
    r = as(&partner_reader, "GET", "/contrats", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Contrat partagé"));
    assert_non_null(strstr(text(&r), "partenaire"));
    mg_http_response_free(&r);
    /* …but changes nothing. */
    const struct {
        const char *suffix, *body;
        bool on_action;
    } changes[] = {
        {"/modifier", "kind=cps&title=Pris&status=signed", false},
        {"/signataires", "organisation=1", false},
        {"/axes", "title=Axe+pris", false},
        {"/actions", "title=Prise&status=planned", false},
        {"/modifier", "title=Prise", true},
        {"/statut", "status=done", true},
        {"/etapes", "title=Pris", true},
        {"/notes", "body=Pris", true},
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", changes[i].on_action ? act1 : c, changes[i].suffix);
        assert_int_equal(status_of(&partner_reader, "POST", p, changes[i].body), 403);
        assert_int_equal(status_of(&reader, "POST", p, changes[i].body), 403);
        assert_int_equal(status_of(&stranger, "POST", p, changes[i].body), 404);
    }
    assert_int_equal(action_status(a1), MG_ACTION_IN_PROGRESS);

    /* The pilot's manager edits its action: status, milestone, note. */
    snprintf(p, sizeof p, "%s/statut", act1);
    r = as(&pilot_manager, "POST", p, "status=paused");
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(r.location, act1));
    mg_http_response_free(&r);
    assert_int_equal(action_status(a1), MG_ACTION_PAUSED);
    /* A change the table refuses: 400, the page again with the French
     * sentence naming both statuses. */
    r = as(&pilot_manager, "POST", p, "status=done");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "ne peut pas passer"));
    assert_non_null(strstr(text(&r), "En pause"));
    assert_non_null(strstr(text(&r), "Réalisée"));
    mg_http_response_free(&r);
    assert_int_equal(action_status(a1), MG_ACTION_PAUSED);
    r = as(&pilot_manager, "GET", act1, NULL);
    assert_int_equal(r.status, 200);
    /* Only the allowed changes are offered: from paused, in progress or
     * abandoned. */
    assert_non_null(strstr(text(&r), "value=\"in_progress\""));
    assert_non_null(strstr(text(&r), "value=\"abandoned\""));
    assert_null(strstr(text(&r), "Passer à « Réalisée »"));
    assert_null(strstr(text(&r), "Ajouter une structure")); /* participants: the lead's */
    mg_http_response_free(&r);
    snprintf(p, sizeof p, "%s/etapes", act1);
    assert_int_equal(status_of(&pilot_manager, "POST", p, "title=Livraison&due_on=01%2F02%2F2001"),
                     303);
    snprintf(p, sizeof p, "%s/notes", act1);
    assert_int_equal(status_of(&pilot_manager, "POST", p, "noted_on=2025-03-01&body=Comit%C3%A9"),
                     303);
    snprintf(p, sizeof p, "%s/modifier", act1);
    assert_int_equal(status_of(&pilot_manager, "POST", p, "title=Cabine+pilot%C3%A9e&priority=1"),
                     303);
    r = as(&pilot_manager, "GET", act1, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Livraison"));
    assert_non_null(strstr(text(&r), "en retard")); /* the milestone is past */
    assert_non_null(strstr(text(&r), "Comité"));
    assert_non_null(strstr(text(&r), "haute"));
    mg_http_response_free(&r);
    /* …but not the contract, nor the action it does not pilot. */
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", changes[i].on_action ? act2 : c, changes[i].suffix);
        assert_int_equal(status_of(&pilot_manager, "POST", p, changes[i].body), 403);
    }
    snprintf(p, sizeof p, "%s/participants", act1);
    char body[96];
    snprintf(body, sizeof body, "organisation=%lld&role=partner", (long long)org_b);
    assert_int_equal(status_of(&pilot_manager, "POST", p, body), 403);
    assert_int_equal(action_status(a2), MG_ACTION_IN_PROGRESS);
    r = as(&pilot_manager, "GET", "/contrats", NULL);
    assert_non_null(strstr(text(&r), "Contrat partagé"));
    assert_non_null(strstr(text(&r), "pilote"));
    mg_http_response_free(&r);

    /* Another Département sees nothing. */
    assert_int_equal(status_of(&stranger, "GET", c, NULL), 404);
    assert_int_equal(status_of(&stranger, "GET", act1, NULL), 404);
    r = as(&stranger, "GET", "/contrats", NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "Contrat partagé"));
    mg_http_response_free(&r);
}

/* The lead's manager: signatories, axes, the contract's change, an action
 * on an axis; refused forms come back with what was typed. */
static void test_plan_lead(void **state)
{
    (void)state;
    int64_t k = contract_new("Contrat+planifi%C3%A9");
    char c[64], p[192], body[256];
    snprintf(c, sizeof c, "/contrats/%lld", (long long)k);

    snprintf(p, sizeof p, "%s/signataires", c);
    snprintf(body, sizeof body, "organisation=%lld", (long long)org_partner);
    assert_int_equal(status_of(&manager, "POST", p, body), 303);
    mg_http_response r = as(&manager, "POST", p, body); /* twice */
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(text(&r), "a déjà signé"));
    mg_http_response_free(&r);
    r = as(&partner_reader, "GET", "/contrats", NULL);
    assert_non_null(strstr(text(&r), "Contrat planifié"));
    assert_non_null(strstr(text(&r), "signataire"));
    mg_http_response_free(&r);

    snprintf(p, sizeof p, "%s/axes", c);
    r = as(&manager, "POST", p, "title=Acc%C3%A8s+aux+soins");
    int64_t axis = location_id(&r, "#axe-");
    mg_http_response_free(&r);
    snprintf(body, sizeof body, "title=T%%C3%%A9l%%C3%%A9sant%%C3%%A9&parent=%lld",
             (long long)axis);
    assert_int_equal(status_of(&manager, "POST", p, body), 303);
    r = as(&manager, "POST", p, "title=&parent=");
    assert_int_equal(r.status, 400);
    mg_http_response_free(&r);

    snprintf(p, sizeof p, "%s/actions", c);
    snprintf(body, sizeof body,
             "title=Cabine&status=planned&axis=%lld&priority=3&target_communes=communes%%3Azz",
             (long long)axis);
    r = as(&manager, "POST", p, body);
    assert_int_equal(r.status, 400); /* the communes' form */
    assert_non_null(strstr(text(&r), "communes:zz"));
    mg_http_response_free(&r);
    snprintf(body, sizeof body, "title=Cabine&status=planned&axis=%lld&priority=3",
             (long long)axis);
    assert_int_equal(status_of(&manager, "POST", p, body), 303);
    r = as(&manager, "GET", c, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(text(&r), "Axe 1 Accès aux soins"));
    assert_non_null(strstr(text(&r), "Sous-axe 1.1 Télésanté"));
    assert_non_null(strstr(text(&r), "Actions de l&#39;axe 1 Accès aux soins"));
    assert_non_null(strstr(text(&r), "basse"));
    mg_http_response_free(&r);

    snprintf(p, sizeof p, "%s/modifier", c);
    r = as(&manager, "POST", p, "kind=cls&title=Contrat+local&status=draft");
    assert_int_equal(r.status, 400); /* signed → draft goes back */
    assert_non_null(strstr(text(&r), "value=\"Contrat local\""));
    mg_http_response_free(&r);
    assert_int_equal(status_of(&manager, "POST", p, "kind=cls&title=Contrat+local&status=in_force"),
                     303);
    mg_contract got;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_get(app->db, k, &got, &d), 0);
    assert_string_equal(got.title, "Contrat local");
    assert_int_equal(got.status, MG_CONTRACT_IN_FORCE);

    snprintf(p, sizeof p, "%s/signataires/%lld/retirer", c, (long long)org_partner);
    assert_int_equal(status_of(&manager, "POST", p, ""), 303);
    assert_int_equal(status_of(&manager, "POST", p, ""), 404);
    assert_int_equal(status_of(&partner_reader, "GET", c, NULL), 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manager_creates_contract_and_action),
        cmocka_unit_test(test_partners_added_and_removed),
        cmocka_unit_test(test_directory_search),
        cmocka_unit_test(test_refused_forms_keep_input),
        cmocka_unit_test(test_reader_views_but_cannot_add),
        cmocka_unit_test(test_other_organisation_gets_404),
        cmocka_unit_test(test_plan_rights),
        cmocka_unit_test(test_plan_lead),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    /* The same on PostgreSQL, in a database made anew. */
    int pg = test_pg_database("mg_test_web_contracts", web_fixture_db, sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
