/*
 * The authorisation matrix: every route of the web application, requested
 * by every role in its own organisation and in another, by an
 * administrator of the platform and by an anonymous visitor, must answer
 * the status written by hand in tests/authz/matrix.tsv. The table is not
 * derived from the route tables: a route of the application missing from
 * it, or a row naming no route, fails the test.
 *
 * Who is who: organisation A ("own") has one account of each of the eight
 * roles; organisation B ("other") has a manager; the operator organisation
 * has the platform's administrator. Each row names the request with
 * placeholders filled, for each cell, with a fresh object of the
 * organisation the column targets (A for ":own" columns and for the
 * platform administrator and the anonymous visitor, B for ":other"), so
 * that a cell that deletes or changes its object leaves the next cell its
 * own. Each account logs in once (administrators and instructors with
 * their second factor) and its session serves every row.
 *
 * Placeholders (in angle brackets, which neither paths nor JSON use):
 * <scenario> a scenario with one action; <share> the token of a shared
 * scenario; <org> the organisation's id; <pending> a new organisation
 * awaiting confirmation; <token> an API token id (the actor's own in
 * ":own" columns, B's manager's in ":other" ones); <n> a number unique to
 * the cell; the parts of a contract of issue 15 are listed at
 * contract_part below, those of the single window (issue 16) at
 * funding_part, those of the telehealth equipment booking (issue 17) at
 * booking_part.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "booking/book.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "db/db.h"
#include "parse/parse.h"
#include "pg_fixture.h"
#include "storage/storage.h"
#include "testutil.h"
#include "web_fixture.h"
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "contracts/indicators.h"
#include "directory/directory.h"
#include "funding/attachments.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "rounds/store.h"
#include <math.h>

#define MATRIX MG_SOURCE_DIR "/tests/authz/matrix.tsv"
#define PASSWORD "mot de passe de la matrice des droits"

/* The columns of the table, in its order. */
enum { COL_ANON, COL_ROLES_FIRST, COL_PLATFORM = COL_ROLES_FIRST + 2 * MG_ROLES, NCOLS };

typedef struct actor {
    int64_t account;
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
} actor;

static int64_t org_a, org_b, org_op;
/* The single window's third organisations (funding_part), made once a database. */
static int64_t sw_lead, sw_f1, sw_f2;
/* The rounds rows' published service (round_part), made once a database. */
static int64_t rd_pub;
/* The booking rows' (booking_part): a third organisation of teleconsultants,
 * and A and B as sites, made once a database. */
static int64_t bk_tc_org, hs_site[2];
static actor by_role[MG_ROLES]; /* in A */
static actor b_manager, platform, anonymous;
static unsigned serial;

static void die(const char *what, const mg_diag *d)
{
    fail_msg("%s: %s", what, d->msg);
}

static int64_t org_new(const char *name, bool operator_)
{
    mg_diag d = {{0}};
    int64_t id = 0;
    mg_auth_org_input in = {.name = name, .kind = "departement"};
    if (mg_auth_org_add(app->db, 0, &in, true, operator_, &id, NULL, &d))
        die("organisation", &d);
    return id;
}

/* An account with `role` in org, logged in (its second factor enrolled
 * and given when the role asks for one). */
static void actor_new(actor *a, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    snprintf(email, sizeof email, "%s.%s@matrice.invalid", tag, mg_auth_role_key(role));
    if (mg_auth_account_add(app->db, 0, email, "Compte de la matrice (exemple)", PASSWORD, org,
                            role, &a->account, NULL, &d))
        die("account", &d);
    int64_t now = (int64_t)time(NULL);
    char secret[MG_AUTH_TOTP_SECRET_CHARS + 1], uri[512], code[7];
    if (mg_auth_role_needs_totp(role)) {
        if (mg_auth_totp_begin(app->db, a->account, secret, uri, sizeof uri, &d) ||
            mg_auth_totp_code(secret, now, code, &d) ||
            mg_auth_totp_confirm(app->db, a->account, code, now, &d))
            die("TOTP enrolment", &d);
    }
    mg_auth_login_result lr;
    int64_t retry = 0;
    if (mg_auth_login(app->db, email, PASSWORD, "127.0.0.1", now, &lr, &retry, &d))
        die("log-in", &d);
    if (lr.totp_required) {
        /* The code of the next step: the one of enrolment is spent. */
        if (mg_auth_totp_code(secret, now + MG_AUTH_TOTP_STEP_S, code, &d) ||
            mg_auth_session_totp(app->db, lr.session, code, "127.0.0.1",
                                 now + MG_AUTH_TOTP_STEP_S, &retry, &d))
            die("second factor", &d);
    }
    mg_auth_session s;
    if (mg_auth_session_load(app->db, lr.session, now, &s, &d))
        die("session", &d);
    snprintf(a->cookie, sizeof a->cookie, "mg_session=%s", lr.session);
    memcpy(a->csrf, s.csrf, sizeof a->csrf);
}

/* A new confirmed organisation that is a structure of the directory (its
 * id is both). */
static int64_t structure_org(const char *name)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    if (!s)
        fail_msg("out of memory");
    s->name = name;
    s->category = MG_DIR_OTHER;
    int64_t id = 0;
    mg_diag d = {{0}};
    if (mg_dir_save(app->db, 0, &set, &id, NULL, &d))
        die("structure", &d);
    mg_dir_set_free(&set);
    return id;
}

static int matrix_setup(void **state)
{
    if (web_setup(state))
        return -1;
    /* A and B are structures of the directory too, so that <structure> is
     * the column's own organisation. */
    org_a = structure_org("Organisation A de la matrice (exemple)");
    org_b = structure_org("Organisation B de la matrice (exemple)");
    org_op = org_new("Opérateur de la matrice (exemple)", true);
    sw_lead = sw_f1 = sw_f2 = 0;
    bk_tc_org = hs_site[0] = hs_site[1] = 0;
    rd_pub = 0;
    for (int r = 0; r < MG_ROLES; r++)
        actor_new(&by_role[r], org_a, (mg_auth_role)r, "a");
    actor_new(&b_manager, org_b, MG_ROLE_MANAGER, "b");
    actor_new(&platform, org_op, MG_ROLE_ADMINISTRATOR, "op");
    /* The anonymous visitor has loaded a page: its pre-session cookie and
     * the forms' token that goes with it, so that its refusals are about
     * rights, not about a missing token. */
    char pre[MG_AUTH_TOKEN_CHARS + 1];
    mg_auth_token_new(pre);
    snprintf(anonymous.cookie, sizeof anonymous.cookie, "mg_pre=%s", pre);
    mg_auth_csrf_anonymous(pre, anonymous.csrf);
    return 0;
}

/* --- Objects made for a cell ------------------------------------------- */

static int64_t scenario_new(int64_t org, bool share, char *token)
{
    mg_diag d = {{0}};
    char name[64];
    snprintf(name, sizeof name, "Scénario de la matrice %u", ++serial);
    mg_scenario_record rec = {
        .name = name, .profession = "mg", .organisation_id = org,
        .actions_json = "[{\"kind\":\"gp\",\"commune\":\"11069\",\"count\":1}]"};
    int64_t id = 0;
    if (mg_storage_scenario_save(app->db, &rec, 0, &id, &d))
        die("scenario", &d);
    if (share && mg_storage_scenario_share(app->db, id, 0, true, token, &d))
        die("share", &d);
    return id;
}

static int64_t pending_new(void)
{
    mg_diag d = {{0}};
    char name[64], email[64];
    snprintf(name, sizeof name, "Association de la matrice %u (exemple)", ++serial);
    snprintf(email, sizeof email, "demande%u@matrice.invalid", serial);
    char rna[16];
    snprintf(rna, sizeof rna, "W%09u", 110000000u + serial);
    mg_auth_org_input in = {.name = name, .kind = "association", .rna = rna};
    int64_t account = 0, org = 0;
    if (mg_auth_register(app->db, &in, email, "Demandeur (exemple)", PASSWORD,
                         "http://127.0.0.1", NULL, 0, NULL, &account, &org, NULL, &d))
        die("registration", &d);
    return org;
}

static int64_t api_token_new(int64_t account)
{
    mg_diag d = {{0}};
    char secret[MG_AUTH_API_TOKEN_CHARS + 1], name[32];
    snprintf(name, sizeof name, "jeton %u", ++serial);
    int64_t id = 0;
    if (mg_auth_api_token_create(app->db, account, name, secret, &id, NULL, &d))
        die("API token", &d);
    return id;
}

/* A pending suggestion on org's structure, made by the other organisation. */
static int64_t suggestion_new(int64_t org)
{
    int64_t by_org = org == org_a ? org_b : org_a;
    int64_t by = org == org_a ? b_manager.account : by_role[MG_ROLE_MANAGER].account;
    int64_t id = 0;
    mg_diag d = {{0}};
    if (mg_dir_suggest(app->db, by, by_org, org, "phone", "04 00 00 00 00", &id, &d))
        die("suggestion", &d);
    return id;
}

/* A meeting organised by org, with org's structure invited and minutes. */
static int64_t meeting_new(int64_t org)
{
    mg_dir_meeting m = {.organisation_id = org};
    snprintf(m.held_on, sizeof m.held_on, "2027-01-15 10:00");
    snprintf(m.place, sizeof m.place, "Salle (exemple)");
    snprintf(m.theme, sizeof m.theme, "Matrice");
    mg_diag d = {{0}};
    static const char minutes[] = "Compte rendu (exemple).";
    if (mg_dir_meeting_save(app->db, 0, &m, NULL, &d) ||
        mg_dir_meeting_invite(app->db, 0, m.id, org, &d) ||
        mg_dir_meeting_minutes_set(app->db, 0, m.id, "compte-rendu.txt",
                                   "text/plain; charset=utf-8", minutes, sizeof minutes - 1, &d))
        die("meeting", &d);
    return m.id;
}

/* A contract led by org; with `action`, an action of it (its id in *aid). */
static int64_t contract_new(int64_t org, int64_t *aid)
{
    mg_diag d = {{0}};
    char title[64];
    snprintf(title, sizeof title, "Contrat de la matrice %u", ++serial);
    mg_contract_input in = {.kind = "cps", .title = title};
    int64_t id = 0;
    if (mg_contract_create(app->db, 0, org, &in, &id, NULL, &d))
        die("contract", &d);
    if (aid) {
        mg_contract_action_input ai = {.title = "Action de la matrice"};
        if (mg_contract_action_create(app->db, 0, id, &ai, aid, NULL, &d))
            die("action", &d);
    }
    return id;
}

/* The action of the last <amendment>, for <amended_action> in the body
 * (a row's target is expanded before its body). */
static int64_t last_amended_action;

/* The placeholders of a contract's parts (issue 15), each on a new
 * contract with one action led by org: <signatory> C/signataires/O (org
 * signed it), <milestone> C/actions/A/etapes/M, <budgetline>
 * C/actions/A/budget/L (a typed line funded by org), <indicator>
 * C/actions/A/indicateurs/I and <indicator_id> I (a typed indicator),
 * <amendment> C/avenants/M (and <amended_action> A), <document>
 * C/documents/D (a PDF), <action_id> A. False for another key. */
static bool contract_part(const char *key, int64_t org, char *val, size_t cap)
{
    static const char *const keys[] = {"signatory", "milestone",  "budgetline",
                                       "indicator", "indicator_id", "amendment",
                                       "document",  "action_id"};
    size_t k = 0;
    while (k < sizeof keys / sizeof keys[0] && strcmp(key, keys[k]) != 0)
        k++;
    if (k == sizeof keys / sizeof keys[0])
        return false;
    mg_diag d = {{0}};
    int64_t aid = 0, c = contract_new(org, &aid), id = 0;
    long long lc = (long long)c, la = (long long)aid;
    if (strcmp(key, "signatory") == 0) {
        if (mg_contract_signatory_add(app->db, 0, c, org, NULL, &d))
            die("signatory", &d);
        snprintf(val, cap, "%lld/signataires/%lld", lc, (long long)org);
    } else if (strcmp(key, "milestone") == 0) {
        if (mg_contract_milestone_add(app->db, 0, aid, "Étape de la matrice", "2030-01-31", &id,
                                      NULL, &d))
            die("milestone", &d);
        snprintf(val, cap, "%lld/actions/%lld/etapes/%lld", lc, la, (long long)id);
    } else if (strcmp(key, "budgetline") == 0) {
        mg_budget_line_input in = {.funder_id = org, .year = "2025", .nature = "operation",
                                   .planned = "1000"};
        if (mg_budget_line_create(app->db, 0, aid, &in, &id, NULL, &d))
            die("budget line", &d);
        snprintf(val, cap, "%lld/actions/%lld/budget/%lld", lc, la, (long long)id);
    } else if (strcmp(key, "indicator") == 0 || strcmp(key, "indicator_id") == 0) {
        mg_indicator_input in = {.title = "Indicateur de la matrice"};
        if (mg_indicator_create(app->db, 0, aid, &in, &id, NULL, &d))
            die("indicator", &d);
        if (key[9] == '_')
            snprintf(val, cap, "%lld", (long long)id);
        else
            snprintf(val, cap, "%lld/actions/%lld/indicateurs/%lld", lc, la, (long long)id);
    } else if (strcmp(key, "amendment") == 0) {
        if (mg_contract_amendment_create(app->db, 0, c, "Avenant de la matrice", NULL,
                                         "2026-01-01", NULL, &id, NULL, &d))
            die("amendment", &d);
        last_amended_action = aid;
        snprintf(val, cap, "%lld/avenants/%lld", lc, (long long)id);
    } else if (strcmp(key, "document") == 0) {
        static const char pdf[] = "%PDF-1.4\n%%EOF\n";
        if (mg_contract_document_add(app->db, 0, c, 0, "Document de la matrice", "m.pdf", pdf,
                                     sizeof pdf - 1, &id, NULL, &d))
            die("document", &d);
        snprintf(val, cap, "%lld/documents/%lld", lc, (long long)id);
    } else {
        snprintf(val, cap, "%lld", la);
    }
    return true;
}

/* --- The single window (issue 16) ---------------------------------------- */

/* Third organisations of the single window's objects (sw_lead, sw_f1,
 * sw_f2): a lead and two co-funders that are neither A nor B. */
static void sw_orgs(void)
{
    if (!sw_lead) {
        sw_lead = org_new("Guichet de la matrice (exemple)", false);
        sw_f1 = org_new("Cofinanceur 1 de la matrice (exemple)", false);
        sw_f2 = org_new("Cofinanceur 2 de la matrice (exemple)", false);
    }
}

static int64_t sw_window(int64_t lead, const int64_t *funders, size_t n)
{
    mg_diag d = {{0}};
    char title[64];
    snprintf(title, sizeof title, "Guichet de la matrice %u", ++serial);
    int64_t id = 0;
    if (mg_subsidy_window_create(app->db, 0, lead, title, "", 0, funders, n, false, &id, NULL,
                                 &d))
        die("window", &d);
    return id;
}

/* The digit that makes d[0..n) followed by it pass Luhn. */
static char sw_luhn(const char *d, size_t n)
{
    for (char key = '0'; key <= '9'; key++) {
        int sum = 0;
        for (size_t i = 0; i <= n; i++) {
            int v = (i == 0 ? key : d[n - i]) - '0';
            if (i % 2 == 1 && (v *= 2) > 9)
                v -= 9;
            sum += v;
        }
        if (sum % 10 == 0)
            return key;
    }
    return '0';
}

/* A valid SIRET from n: a SIREN whose key holds, establishment 00010,
 * the key over all 14 digits. */
static void sw_siret(unsigned n, char out[static 15])
{
    snprintf(out, 15, "4%07u", n % 10000000u);
    out[8] = sw_luhn(out, 8);
    memcpy(out + 9, "0001", 4);
    out[13] = sw_luhn(out, 13);
    out[14] = '\0';
}

/* A request of applicant `org` in window `wid`, asking 6 000 € of f1 and
 * 4 000 € of f2; with its required pieces when `pieces` (the first one's
 * id in *piece), filed when `file`. */
static int64_t sw_request(int64_t org, int64_t wid, int64_t f1, int64_t f2, bool pieces,
                          bool file, int64_t *piece)
{
    mg_diag d = {{0}};
    char siret[15], rna[11], f1s[24], f2s[24];
    sw_siret(++serial, siret);
    snprintf(rna, sizeof rna, "W%09u", 120000000u + serial);
    snprintf(f1s, sizeof f1s, "%lld", (long long)f1);
    snprintf(f2s, sizeof f2s, "%lld", (long long)f2);
    mg_subsidy_line_input lines[] = {
        {.account = "64", .label = "Salaires (exemple)", .amount = "10000"},
        {.account = "74", .label = "Subvention", .amount = "6000", .funder = f1s},
        {.account = "74", .label = "Subvention", .amount = "4000", .funder = f2s},
    };
    mg_subsidy_request_input in = {
        .name = "Association de la matrice (exemple)", .siret = siret, .rna = rna,
        .address = "1 place de la Mairie", .postcode = "11000", .city = "Carcassonne",
        .email = "association@matrice.invalid", .phone = "04 68 00 00 00",
        .representative_role = "Présidente", .contact_role = "Coordinatrice",
        .volunteers = "3", .employees = "1", .employees_fte = "0,8", .members = "20",
        .title = "Projet de la matrice (exemple)", .objectives = "Objectifs (exemple).",
        .description = "Description (exemple).", .target_publics = "Tous publics",
        .communes = "", .starts_on = "2027-01-01", .ends_on = "2027-12-31",
        .evaluation = "Nombre de personnes reçues.", .nature = "operation",
        .lines = lines, .nlines = sizeof lines / sizeof lines[0]};
    int64_t id = 0;
    if (mg_subsidy_draft_save(app->db, 0, wid, org, 0, &in, &id, NULL, &d))
        die("subsidy draft", &d);
    static const char pdf[] = "%PDF-1.4\n%%EOF\n";
    static const mg_subsidy_attachment_kind kinds[] = {MG_ATTACH_STATUTES, MG_ATTACH_BANK_DETAILS,
                                                      MG_ATTACH_ATTESTATION};
    for (size_t k = 0; pieces && k < sizeof kinds / sizeof kinds[0]; k++) {
        int64_t pid = 0;
        if (mg_subsidy_attachment_add(app->db, 0, id, kinds[k], "piece.pdf", pdf,
                                      sizeof pdf - 1, &pid, NULL, &d))
            die("subsidy attachment", &d);
        if (k == 0 && piece)
            *piece = pid;
    }
    if (file && mg_subsidy_file(app->db, 0, id, NULL, &d))
        die("subsidy filing", &d);
    return id;
}

/* Routes request rid to co-funder f (0: to every co-funder it names). */
static void sw_route(int64_t rid, int64_t f)
{
    mg_diag d = {{0}};
    if (mg_subsidy_route(app->db, 0, rid, f ? &f : NULL, f ? 1 : 0, NULL, &d))
        die("subsidy routing", &d);
}

static void sw_grant(int64_t rid, int64_t f)
{
    mg_diag d = {{0}};
    if (mg_subsidy_decide(app->db, 0, rid, f, MG_DECISION_GRANT, "5000", NULL, NULL, &d))
        die("grant", &d);
}

/* The co-funder <sreq_lead> left addressed, for <sreq_lead_funder>. */
static int64_t sw_last_lead_funder;

/* The placeholders of the single window, each on new objects for
 * organisation org (the head of tests/authz/rows of issue 16, merged
 * into matrix.tsv): requests by ORG's place in them — <sreq_app> (its
 * applicant; filed, routed to two co-funders), <sreq_appfund> (the same,
 * "R/parts/F" for a co-funder F), <sreq_appgranted> (the same, F's part
 * granted), <sreq_draft> (its draft, without pieces), <sreq_lead> (filed
 * in a window it leads; one co-funder routed, the other,
 * <sreq_lead_funder>, still addressed), <sreq_routed> / <sreq_fund> (a
 * co-funder it was routed to: "R" / "R/parts/ORG"), <sreq_granted>
 * ("R/parts/ORG", its part granted), <sreq_named> / <sreq_addr> (naming it,
 * not routed: "R" / "R/parts/ORG"), <sreq_question> / <sreq_question_api>
 * (an open question on its request: "R/reponses/Q" / "R/answers/Q");
 * pieces "R/pieces/P" (<sattach_api>: "R/attachments/P") of its draft
 * <sattach>, its filed request <sattach_filed>, a request of a window it
 * leads <sattach_lead>, routed to it <sattach_fund>, naming it
 * <sattach_addr>; <swindow> W led by it, <scall> C of such a window,
 * <scommittee> K and <scommittee_item> "K/demandes/R" of such a window.
 * False for another key. */
static bool funding_part(const char *key, int64_t org, char *val, size_t cap)
{
    bool sreq = strncmp(key, "sreq_", 5) == 0, sattach = strncmp(key, "sattach", 7) == 0;
    if (!sreq && !sattach && strcmp(key, "swindow") != 0 && strcmp(key, "scall") != 0 &&
        strncmp(key, "scommittee", 10) != 0)
        return false;
    sw_orgs();
    mg_diag d = {{0}};
    int64_t two[] = {sw_f1, sw_f2};
    if (!sreq && !sattach) {
        int64_t wid = sw_window(org, two, 2), id = wid, rid = 0;
        if (strcmp(key, "scall") == 0) {
            mg_subsidy_call_input in = {.title = "Appel de la matrice (exemple)",
                                        .opens_on = "2026-01-01", .deadline = "2099-12-31"};
            if (mg_subsidy_call_create(app->db, 0, wid, org, &in, false, &id, NULL, &d))
                die("call", &d);
        } else if (strncmp(key, "scommittee", 10) == 0) {
            rid = sw_request(sw_f1, wid, sw_f1, sw_f2, true, true, NULL);
            if (mg_subsidy_committee_create(app->db, 0, wid, "2027-03-01",
                                            "Commission de la matrice (exemple)", &rid, 1, &id,
                                            NULL, &d))
                die("committee", &d);
        } else if (strcmp(key, "swindow") != 0) {
            fail_msg("matrix: unknown placeholder <%s>", key);
        }
        if (strcmp(key, "scommittee_item") == 0)
            snprintf(val, cap, "%lld/demandes/%lld", (long long)id, (long long)rid);
        else
            snprintf(val, cap, "%lld", (long long)id);
        return true;
    }
    if (strcmp(key, "sreq_lead_funder") == 0) {
        snprintf(val, cap, "%lld", (long long)sw_last_lead_funder);
        return true;
    }
    const char *k = key + (sreq ? 5 : 7);
    int64_t rid = 0, fid = 0, piece = 0;
    if (sattach) {
        /* "", "_api": a draft of ORG; "_filed": filed by ORG; "_lead": in a
         * window ORG leads; "_fund": routed to ORG; "_addr": naming ORG. */
        bool lead = strcmp(k, "_lead") == 0, as_funder = !strcmp(k, "_fund") || !strcmp(k, "_addr");
        int64_t funders[] = {as_funder ? org : sw_f1, sw_f2};
        int64_t applicant = lead || as_funder ? sw_f1 : org;
        int64_t wid = sw_window(lead ? org : sw_lead, funders, 2);
        bool file = strcmp(k, "") != 0 && strcmp(k, "_api") != 0;
        rid = sw_request(applicant, wid, funders[0], funders[1], true, file, &piece);
        if (strcmp(k, "_fund") == 0)
            sw_route(rid, 0);
        snprintf(val, cap, "%lld/%s/%lld", (long long)rid,
                 strcmp(k, "_api") == 0 ? "attachments" : "pieces", (long long)piece);
        return true;
    }
    if (!strcmp(k, "app") || !strcmp(k, "appfund") || !strcmp(k, "appgranted") ||
        !strcmp(k, "question") || !strcmp(k, "question_api")) {
        rid = sw_request(org, sw_window(sw_lead, two, 2), sw_f1, sw_f2, true, true, NULL);
        sw_route(rid, 0);
        if (!strcmp(k, "appgranted"))
            sw_grant(rid, sw_f1);
        if (!strcmp(k, "appfund"))
            fid = sw_f1;
    } else if (!strcmp(k, "draft")) {
        rid = sw_request(org, sw_window(sw_lead, two, 2), sw_f1, sw_f2, false, false, NULL);
    } else if (!strcmp(k, "lead")) {
        rid = sw_request(sw_f2, sw_window(org, two, 2), sw_f1, sw_f2, true, true, NULL);
        sw_route(rid, sw_f2);
        sw_last_lead_funder = sw_f1;
    } else if (!strcmp(k, "fund") || !strcmp(k, "routed") || !strcmp(k, "granted") ||
               !strcmp(k, "addr") || !strcmp(k, "named")) {
        int64_t funders[] = {org, sw_f2};
        rid = sw_request(sw_f1, sw_window(sw_lead, funders, 2), org, sw_f2, true, true, NULL);
        if (strcmp(k, "addr") != 0 && strcmp(k, "named") != 0)
            sw_route(rid, 0);
        if (!strcmp(k, "granted"))
            sw_grant(rid, org);
        if (strcmp(k, "routed") != 0 && strcmp(k, "named") != 0)
            fid = org;
    } else {
        fail_msg("matrix: unknown placeholder <%s>", key);
    }
    if (!strncmp(k, "question", 8)) {
        int64_t qid = 0;
        if (mg_subsidy_question(app->db, 0, rid, sw_f1, "Pouvez-vous préciser ? (exemple)",
                                &qid, NULL, &d))
            die("question", &d);
        snprintf(val, cap, "%lld/%s/%lld", (long long)rid,
                 strcmp(k, "question_api") == 0 ? "answers" : "reponses", (long long)qid);
    } else if (fid) {
        snprintf(val, cap, "%lld/parts/%lld", (long long)rid, (long long)fid);
    } else {
        snprintf(val, cap, "%lld", (long long)rid);
    }
    return true;
}

/* --- Telehealth equipment booking (issue 17) ------------------------------- */

/* bk_tc_org: the organisation of the network rows' teleconsultants
 * (<btc>), neither A nor B, so that only the network's right is at work. */

/* A new confirmed organisation that is a structure of the directory of
 * `category`, open `hours` (NULL: none). */
static int64_t bk_structure(mg_dir_category category, const char *hours)
{
    char name[80];
    snprintf(name, sizeof name, "Structure d'accueil de la matrice %u (exemple)", ++serial);
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    if (!s)
        fail_msg("out of memory");
    s->name = name;
    s->category = category;
    s->opening_hours = hours;
    int64_t id = 0;
    mg_diag d = {{0}};
    if (mg_dir_save(app->db, 0, &set, &id, NULL, &d))
        die("structure", &d);
    mg_dir_set_free(&set);
    return id;
}

/* Registers structure `site` as a site of `owner`'s network, with one
 * cabin (*device) when device is not NULL. */
static void bk_site_put(int64_t site, int64_t owner, int64_t *device)
{
    mg_diag d = {{0}};
    mg_booking_site_input in = {
        .site_id = site, .owner_id = owner, .ask = "initials", .active = true, .is_example = true};
    if (mg_booking_site_put(app->db, 0, &in, NULL, &d))
        die("site", &d);
    if (!device)
        return;
    mg_booking_device_input dv = {
        .site_id = site, .kind = "cabin", .name = "Cabine (exemple)", .active = true};
    if (mg_booking_device_add(app->db, 0, &dv, device, NULL, &d))
        die("device", &d);
}

/* A teleconsultant of organisation `org` registered by `owner`'s network,
 * available "24/7" for GP consultations of 20 minutes at `site`. */
static int64_t bk_teleconsultant(int64_t org, int64_t owner, int64_t site)
{
    mg_diag d = {{0}};
    mg_booking_teleconsultant_input t = {.organisation_id = org,
                                         .owner_id = owner,
                                         .label = "Médecin (exemple)",
                                         .availability = "24/7",
                                         .kinds = {{MG_BOOKING_GP, 20}},
                                         .nkinds = 1,
                                         .site_ids = &site,
                                         .nsites = 1,
                                         .active = true};
    int64_t id = 0;
    if (mg_booking_teleconsultant_add(app->db, 0, &t, &id, NULL, &d))
        die("teleconsultant", &d);
    return id;
}

/* The public's site (<psite>): a new structure open "24/7", a site of its
 * own network, with one cabin and one teleconsultant serving it. */
static int64_t bk_public_site(void)
{
    int64_t site = bk_structure(MG_DIR_CABIN, "24/7"), device = 0;
    bk_site_put(site, site, &device);
    bk_teleconsultant(site, site, site);
    return site;
}

/* The first free GP slot of `site` starting an hour from now or later. */
static mg_booking_slot bk_slot(int64_t site, int64_t from)
{
    mg_booking_slot_query q = {
        .site_ids = &site, .nsites = 1, .kind = MG_BOOKING_GP, .from = from, .days = 2,
        .limit = 1};
    mg_booking_slot *sl = NULL, out;
    size_t n = 0;
    mg_diag d = {{0}};
    if (mg_booking_next_slots(app->db, &q, &sl, &n, &d))
        die("slot", &d);
    if (!n)
        fail_msg("matrix: no free slot at site %lld", (long long)site);
    out = sl[0];
    free(sl);
    return out;
}

/* A phone number and a client address of their own (serial k). */
static void bk_phone(unsigned k, char out[static 16])
{
    snprintf(out, 16, "06%08u", k % 100000000u);
}

/* A public booking (by 0) of slot sl: its id, its code in code (when not
 * NULL, MG_BOOKING_CODE_SIZE bytes). */
static int64_t bk_book(const mg_booking_slot *sl, char *code)
{
    char phone[16], addr[32];
    unsigned k = ++serial;
    bk_phone(k, phone);
    snprintf(addr, sizeof addr, "10.%u.%u.%u", (k >> 16) & 255, (k >> 8) & 255, k & 255);
    mg_booking_input in = {.site_id = sl->site_id,
                           .device_id = sl->device_id,
                           .teleconsultant_id = sl->teleconsultant_id,
                           .kind = MG_BOOKING_GP,
                           .start = sl->start,
                           .person = "A. B.",
                           .phone = phone,
                           .address = addr,
                           .now_s = (int64_t)time(NULL)};
    mg_booking_result res;
    memset(&res, 0, sizeof res);
    mg_diag d = {{0}};
    if (mg_booking_book(app->db, 0, &in, &res, NULL, &d))
        die("booking", &d);
    if (code)
        snprintf(code, MG_BOOKING_CODE_SIZE, "%s", res.code);
    return res.id;
}

/* <hsite>: A (B) itself as a site of its own network, open "24/7", with
 * one cabin and one teleconsultant of its own; made once a database
 * (a structure is a site once): hs_site[0] for A, [1] for B, reset by
 * matrix_setup. */

static int64_t bk_host_site(int64_t org)
{
    int k = org == org_a ? 0 : 1;
    if (hs_site[k])
        return hs_site[k];
    mg_diag d = {{0}};
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    if (!s)
        fail_msg("out of memory");
    s->id = org;
    s->name = org == org_a ? "Organisation A de la matrice (exemple)"
                           : "Organisation B de la matrice (exemple)";
    s->category = MG_DIR_OTHER;
    s->opening_hours = "24/7";
    int64_t id = org;
    if (mg_dir_save(app->db, 0, &set, &id, NULL, &d))
        die("structure hours", &d);
    mg_dir_set_free(&set);
    int64_t device = 0;
    bk_site_put(org, org, &device);
    bk_teleconsultant(org, org, org);
    return hs_site[k] = org;
}

/* The placeholders of the booking rows, each a new object for
 * organisation org (A for ":o" columns, the platform's administrator and
 * the anonymous visitor, B for ":x"), unless said:
 *  - the public's (web/booking_public.c, api_booking.c): <psite> a site of
 *    its own network, the same for every column, open "24/7" with a cabin
 *    and a GP teleconsultant; <bslot_q> the query of the first free slot
 *    of a new <psite> as the slot links write it
 *    (site=S&device=D&tc=T&kind=gp&start=YYYY-MM-DDTHH%3AMM, Paris time);
 *    <bslot_json> the same slot as JSON members; <bphone> a mobile number
 *    of the cell's own; <bcode> the code of a new public booking at a new
 *    <psite>;
 *  - the network's (web/booking_network.c), registered BY org's network:
 *    <bstructure> a structure (town hall) that is no site yet; <bsite> a
 *    new structure registered as a site of org's network; <bdevice> a
 *    cabin at such a site; <btc> a teleconsultant of a third organisation
 *    registered by org's network, serving such a site;
 *  - the host's and the teleconsultant's (web/booking_host.c,
 *    booking_teleconsultant.c), OF org: <hsite> org itself as a site (the
 *    same each cell); <hdevice> a new cabin at it; <hassistant> a new
 *    assistant at it; <hbooking> a booking (booked) of the first free slot
 *    tomorrow at it; <htc> a teleconsultant whose organisation is org,
 *    serving it; <hfeed> the calendar feed secret of a new <htc>.
 * False for another key. */
static bool booking_part(const char *key, int64_t org, char *val, size_t cap)
{
    static const char *const keys[] = {"psite",     "bslot_q",  "bslot_json", "bphone",
                                       "bcode",     "bstructure", "bsite",    "bdevice",
                                       "btc",       "hsite",    "hdevice",    "hassistant",
                                       "hbooking",  "htc",      "hfeed"};
    size_t k = 0;
    while (k < sizeof keys / sizeof keys[0] && strcmp(key, keys[k]) != 0)
        k++;
    if (k == sizeof keys / sizeof keys[0])
        return false;
    mg_diag d = {{0}};
    int64_t id = 0;
    if (!strcmp(key, "psite")) {
        id = bk_public_site();
    } else if (!strcmp(key, "bslot_q") || !strcmp(key, "bslot_json")) {
        mg_booking_slot sl = bk_slot(bk_public_site(), mg_booking_now() + 60);
        char start[17];
        mg_booking_format_local(sl.start, start);
        if (key[6] == 'q')
            snprintf(val, cap, "site=%lld&device=%lld&tc=%lld&kind=gp&start=%.13s%%3A%s",
                     (long long)sl.site_id, (long long)sl.device_id,
                     (long long)sl.teleconsultant_id, start, start + 14);
        else
            snprintf(val, cap,
                     "\"site_id\":%lld,\"device_id\":%lld,\"teleconsultant_id\":%lld,"
                     "\"kind\":\"gp\",\"start\":\"%s\"",
                     (long long)sl.site_id, (long long)sl.device_id,
                     (long long)sl.teleconsultant_id, start);
        return true;
    } else if (!strcmp(key, "bphone")) {
        char phone[16];
        bk_phone(++serial, phone);
        snprintf(val, cap, "%s", phone);
        return true;
    } else if (!strcmp(key, "bcode")) {
        mg_booking_slot sl = bk_slot(bk_public_site(), mg_booking_now() + 60);
        char code[MG_BOOKING_CODE_SIZE];
        bk_book(&sl, code);
        snprintf(val, cap, "%s", code);
        return true;
    } else if (!strcmp(key, "bstructure")) {
        id = bk_structure(MG_DIR_TOWN_HALL, NULL);
    } else if (!strcmp(key, "bsite") || !strcmp(key, "bdevice") || !strcmp(key, "btc")) {
        int64_t site = bk_structure(MG_DIR_CABIN, "24/7");
        bk_site_put(site, org, key[1] == 'd' ? &id : NULL);
        if (!strcmp(key, "bsite"))
            id = site;
        else if (!strcmp(key, "btc")) {
            if (!bk_tc_org)
                bk_tc_org = org_new("Centre de téléconsultation de la matrice (exemple)", false);
            id = bk_teleconsultant(bk_tc_org, org, site);
        }
    } else {
        int64_t site = bk_host_site(org);
        id = site;
        if (!strcmp(key, "hdevice")) {
            mg_booking_device_input dv = {
                .site_id = site, .kind = "cabin", .name = "Cabine (exemple)", .active = true};
            if (mg_booking_device_add(app->db, 0, &dv, &id, NULL, &d))
                die("device", &d);
        } else if (!strcmp(key, "hassistant")) {
            if (mg_booking_assistant_put(app->db, 0, 0, site, "Pharmacien", "Mo-Fr 09:00-12:00",
                                         true, &id, NULL, &d))
                die("assistant", &d);
        } else if (!strcmp(key, "hbooking")) {
            mg_oh_instant t = mg_booking_local(mg_booking_now() + 26 * 60);
            mg_booking_slot sl = bk_slot(site, mg_booking_day_start(t.year, t.month, t.day));
            id = bk_book(&sl, NULL);
        } else if (!strcmp(key, "htc") || !strcmp(key, "hfeed")) {
            id = bk_teleconsultant(org, org, site);
            if (!strcmp(key, "hfeed")) {
                char tok[44];
                if (mg_booking_feed_token_new(app->db, 0, id, tok, &d))
                    die("feed", &d);
                snprintf(val, cap, "%s", tok);
                return true;
            }
        }
    }
    snprintf(val, cap, "%lld", (long long)id);
    return true;
}

/* The placeholders of the rounds rows (issue 18), each on new objects of
 * organisation org unless said:
 *  - <rsvc> a new service of org on the communes 11049, 11136 and 11069,
 *    with a vehicle "Camion (exemple)" working Tuesdays and Thursdays
 *    8:30-17:00 based at 11049, a stop in each commune (named by its
 *    code) and a plan (Tuesday: 11049 9:00-10:00, 11136 10:30-11:30)
 *    saved by the store;
 *    <rvehicle>, <rstop> (the stop of 11049), <rplan> that last service's
 *    vehicle, stop and plan; <rcancel> a new cancellation of it (the 10th
 *    of November 2026, the whole day) — so that <rsvc> must come first in
 *    the row (the target is expanded before the body);
 *  - <rpub> a service of A published from Monday 2 November 2026, the
 *    same for every cell (the public pages).
 * False for another key. */
static int64_t rd_vehicle, rd_stop, rd_plan, rd_service;

static int64_t rd_service_new(int64_t org)
{
    mg_diag d = {{0}};
    char name[96];
    snprintf(name, sizeof name, "Service itinérant de la matrice %u (exemple)", ++serial);
    mg_round_service_input in = mg_round_service_defaults();
    in.organisation_id = org;
    in.name = name;
    in.territory = "communes:11049,11136,11069";
    int64_t id = 0;
    if (mg_round_service_add(app->db, 0, &in, &id, NULL, &d))
        die("round service", &d);
    mg_round_vehicle_input v = {.name = "Camion (exemple)", .base_name = "Base (exemple)",
                                .base_commune = "11049", .base_lat = 43.24, .base_lon = 2.11,
                                .weekdays = (1u << 1) | (1u << 3), .day_start = 8 * 60 + 30,
                                .day_end = 17 * 60, .break_earliest = 12 * 60,
                                .break_latest = 13 * 60 + 30, .active = true};
    if (mg_round_vehicle_add(app->db, 0, id, &v, &rd_vehicle, NULL, &d))
        die("round vehicle", &d);
    static const char *const codes[3] = {"11049", "11136", "11069"};
    int64_t stops[3];
    for (int k = 0; k < 3; k++) {
        mg_round_stop_input s = {.name = codes[k], .commune_code = codes[k], .lat = 43.2,
                                 .lon = 2.1, .source = MG_ROUND_STOP_MANUAL, .active = true};
        if (mg_round_stop_add(app->db, 0, id, &s, &stops[k], NULL, &d))
            die("round stop", &d);
    }
    rd_stop = stops[0];
    mg_round_plan_visit visits[2];
    memset(visits, 0, sizeof visits);
    visits[0].stop_id = stops[0];
    visits[0].arrive = 9 * 60;
    visits[0].depart = 10 * 60;
    visits[1].stop_id = stops[1];
    visits[1].arrive = 10 * 60 + 30;
    visits[1].depart = 11 * 60 + 30;
    mg_round_plan_route r = {.vehicle_id = rd_vehicle, .weekday = 1, .leave = 8 * 60 + 40,
                             .back = 12 * 60, .break_after = -1, .drive = 50, .n = 2,
                             .visits = visits};
    mg_round_plan p = {.service_id = id, .kind = MG_ROUND_PLAN_COMPUTED, .method = "heuristic",
                       .label = "Plan de la matrice", .cycle_weeks = 1, .bound = NAN,
                       .nroutes = 1, .routes = &r};
    if (mg_round_plan_save(app->db, 0, &p, &rd_plan, &d))
        die("round plan", &d);
    return rd_service = id;
}

static bool round_part(const char *key, int64_t org, char *val, size_t cap)
{
    mg_diag d = {{0}};
    int64_t id = 0;
    if (!strcmp(key, "rsvc")) {
        id = rd_service_new(org);
    } else if (!strcmp(key, "rvehicle")) {
        id = rd_vehicle;
    } else if (!strcmp(key, "rstop")) {
        id = rd_stop;
    } else if (!strcmp(key, "rplan")) {
        id = rd_plan;
    } else if (!strcmp(key, "rcancel")) {
        if (mg_round_cancellation_add(app->db, 0, rd_service, "2026-11-10", 0, 0,
                                      "Panne (exemple)", &id, NULL, &d))
            die("round cancellation", &d);
    } else if (!strcmp(key, "rpub")) {
        if (!rd_pub) {
            rd_pub = rd_service_new(org_a);
            if (mg_round_publish(app->db, 0, rd_pub, rd_plan, "2026-11-02", &d))
                die("round publication", &d);
        }
        id = rd_pub;
    } else {
        return false;
    }
    snprintf(val, cap, "%lld", (long long)id);
    return true;
}

/* The public's booking attempts are throttled per client address, and a
 * request dispatched in process has none (mg_http_client_address is NULL:
 * only the server sets it, from the peer or a trusted proxy's
 * X-Forwarded-For), so that every cell's lookup and cancellation by code
 * counts under the same empty address: the attempts are forgotten before
 * each cell of the public's routes. */
static int bk_forget_attempts(mg_db_conn *c, void *ctx, mg_diag *d)
{
    (void)ctx;
    return mg_db_exec(c, "DELETE FROM booking_attempts", d);
}

/* Replaces the placeholders of tmpl into out, making the objects they
 * name for organisation `org` and account `account`. */
static void expand(const char *tmpl, int64_t org, int64_t account, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    unsigned n = ++serial;
    for (const char *p = tmpl; *p && len + 1 < cap;) {
        char val[192];
        const char *close = *p == '<' ? strchr(p, '>') : NULL;
        if (!close) {
            out[len++] = *p++;
            out[len] = '\0';
            continue;
        }
        size_t k = (size_t)(close - p - 1);
        char key[32];
        snprintf(key, sizeof key, "%.*s", (int)(k < sizeof key ? k : sizeof key - 1), p + 1);
        if (strcmp(key, "scenario") == 0)
            snprintf(val, sizeof val, "%lld", (long long)scenario_new(org, false, NULL));
        else if (strcmp(key, "share") == 0)
            scenario_new(org, true, val);
        else if (strcmp(key, "org") == 0)
            snprintf(val, sizeof val, "%lld", (long long)org);
        else if (strcmp(key, "pending") == 0)
            snprintf(val, sizeof val, "%lld", (long long)pending_new());
        else if (strcmp(key, "token") == 0)
            snprintf(val, sizeof val, "%lld", (long long)api_token_new(account));
        else if (strcmp(key, "structure") == 0)
            snprintf(val, sizeof val, "%lld", (long long)org);
        else if (strcmp(key, "suggestion") == 0)
            snprintf(val, sizeof val, "%lld", (long long)suggestion_new(org));
        else if (strcmp(key, "meeting") == 0)
            snprintf(val, sizeof val, "%lld", (long long)meeting_new(org));
        else if (strcmp(key, "contract") == 0)
            snprintf(val, sizeof val, "%lld", (long long)contract_new(org, NULL));
        else if (strcmp(key, "action") == 0 || strcmp(key, "participant") == 0) {
            int64_t aid = 0, c = contract_new(org, &aid);
            if (key[0] == 'a') {
                snprintf(val, sizeof val, "%lld/actions/%lld", (long long)c, (long long)aid);
            } else {
                char name[64];
                snprintf(name, sizeof name, "Structure de la matrice %u (exemple)", ++serial);
                int64_t sid = structure_org(name);
                mg_diag d = {{0}};
                if (mg_contract_participant_add(app->db, 0, aid, sid, MG_PARTICIPANT_PARTNER,
                                                NULL, &d))
                    die("participant", &d);
                snprintf(val, sizeof val, "%lld/actions/%lld/participants/%lld", (long long)c,
                         (long long)aid, (long long)sid);
            }
        } else if (contract_part(key, org, val, sizeof val) ||
                   funding_part(key, org, val, sizeof val) ||
                   booking_part(key, org, val, sizeof val) ||
                   round_part(key, org, val, sizeof val))
            ;
        else if (strcmp(key, "amended_action") == 0)
            snprintf(val, sizeof val, "%lld", (long long)last_amended_action);
        else if (strcmp(key, "n") == 0)
            snprintf(val, sizeof val, "%u", n);
        else
            fail_msg("matrix: unknown placeholder <%s>", key);
        len += (size_t)snprintf(out + len, cap - len, "%s", val);
        if (len >= cap)
            fail_msg("matrix: request too long");
        p = close + 1;
    }
}

/* --- The table ----------------------------------------------------------- */

typedef struct row {
    unsigned line;
    char method[8], pattern[160], target[400], ctype[8], body[400];
    int expect[NCOLS];
} row;

/* Splits a line on runs of spaces and tabs; the number of fields. */
static size_t split(char *line, char **f, size_t cap)
{
    static const char blank[] = " \t\r\n";
    size_t n = 0;
    char *p = line + strspn(line, blank);
    while (*p && n < cap) {
        f[n++] = p;
        p += strcspn(p, blank);
        if (*p)
            *p++ = '\0';
        p += strspn(p, blank);
    }
    return *p ? cap + 1 : n;
}

/* Adds the row written in text (its first line at lineno) to rows. */
static void parse_row(char *text, unsigned lineno, row **rows, size_t *n)
{
    char *f[5 + NCOLS + 1];
    size_t nf = split(text, f, 5 + NCOLS);
    if (nf != 5 + NCOLS)
        fail_msg("%s:%u: %zu fields, expected %d (method pattern target type body and %d "
                 "statuses)",
                 MATRIX, lineno, nf, 5 + NCOLS, NCOLS);
    *rows = realloc(*rows, (*n + 1) * sizeof **rows);
    assert_non_null(*rows);
    row *r = &(*rows)[(*n)++];
    r->line = lineno;
    snprintf(r->method, sizeof r->method, "%s", f[0]);
    snprintf(r->pattern, sizeof r->pattern, "%s", f[1]);
    snprintf(r->target, sizeof r->target, "%s", f[2]);
    snprintf(r->ctype, sizeof r->ctype, "%s", f[3]);
    snprintf(r->body, sizeof r->body, "%s", strcmp(f[4], "-") == 0 ? "" : f[4]);
    for (size_t c = 0; c < NCOLS; c++) {
        int64_t v = 0;
        if (mg_parse_c_int(f[5 + c], strlen(f[5 + c]), 100, 599, &v, NULL))
            fail_msg("%s:%u: status %zu: \"%s\" is not an HTTP status", MATRIX, lineno, c + 1,
                     f[5 + c]);
        r->expect[c] = (int)v;
    }
}

/* The rows of the table: a row starts on a line that begins with its
 * method and goes on over the lines that begin with a blank. */
static size_t read_rows(row **out)
{
    FILE *fp = fopen(MATRIX, "r");
    if (!fp)
        fail_msg("cannot open %s", MATRIX);
    row *rows = NULL;
    size_t n = 0;
    char line[2048], text[8192] = "";
    unsigned lineno = 0, start = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        bool blank = strspn(line, " \t\r\n") == strlen(line);
        if (line[0] == '#' || blank || (line[0] != ' ' && line[0] != '\t')) {
            if (text[0])
                parse_row(text, start, &rows, &n);
            text[0] = '\0';
            if (line[0] == '#' || blank)
                continue;
            start = lineno;
        } else if (!text[0]) {
            fail_msg("%s:%u: a continuation line without a row before it", MATRIX, lineno);
        }
        size_t have = strlen(text), add = strlen(line);
        if (have + add + 1 >= sizeof text)
            fail_msg("%s:%u: row too long", MATRIX, lineno);
        memcpy(text + have, line, add + 1);
    }
    if (text[0])
        parse_row(text, start, &rows, &n);
    fclose(fp);
    *out = rows;
    return n;
}

static const char *column_name(size_t c, char *buf, size_t cap)
{
    if (c == COL_ANON)
        return "anonymous";
    if (c == COL_PLATFORM)
        return "platform administrator";
    size_t k = c - COL_ROLES_FIRST;
    snprintf(buf, cap, "%s:%s", mg_auth_role_key((mg_auth_role)(k / 2)),
             k % 2 ? "other" : "own");
    return buf;
}

/* Runs one cell; its status. */
static int run_cell(const row *r, size_t c)
{
    const actor *who = c == COL_ANON       ? &anonymous
                       : c == COL_PLATFORM ? &platform
                                           : &by_role[(c - COL_ROLES_FIRST) / 2];
    bool other = c != COL_ANON && c != COL_PLATFORM && (c - COL_ROLES_FIRST) % 2;
    int64_t org = other ? org_b : org_a;
    /* An object of the account's own (a token) is the actor's in "own"
     * columns and B's manager's otherwise. */
    int64_t account = other || c == COL_ANON || c == COL_PLATFORM ? b_manager.account
                                                                   : who->account;
    char target[800], body[800];
    if (strncmp(r->pattern, "/teleconsultation", 17) == 0 ||
        strncmp(r->pattern, "/api/v1/bookings", 16) == 0) {
        mg_diag d = {{0}};
        if (mg_db_transaction(app->db, MG_DB_TX_WRITE, bk_forget_attempts, NULL, &d))
            die("booking attempts", &d);
    }
    expand(r->target, org, account, target, sizeof target);
    expand(r->body, org, account, body, sizeof body);
    const char *ctype = strcmp(r->ctype, "form") == 0   ? "application/x-www-form-urlencoded"
                        : strcmp(r->ctype, "json") == 0 ? "application/json"
                                                        : NULL;
    const char *headers[] = {"Cookie", who->cookie, "X-CSRF-Token", who->csrf, NULL};
    mg_http_response res;
    assert_int_equal(mg_http_dispatch_with(app->router, r->method, target, headers, ctype, body,
                                           strlen(body), &res),
                     0);
    int status = res.status;
    mg_http_response_free(&res);
    return status;
}

static void test_every_route_in_the_table(void **state)
{
    (void)state;
    row *rows = NULL;
    size_t n = read_rows(&rows);
    int missing = 0;
    for (size_t k = 0; k < mg_app_route_count(app); k++) {
        const char *m, *p;
        mg_app_route_at(app, k, &m, &p);
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(rows[i].method, m) == 0 && strcmp(rows[i].pattern, p) == 0;
        if (!found) {
            fprintf(stderr, "route missing from %s: %s %s\n", MATRIX, m, p);
            missing++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < mg_app_route_count(app) && !found; k++) {
            const char *m, *p;
            mg_app_route_at(app, k, &m, &p);
            found = strcmp(rows[i].method, m) == 0 && strcmp(rows[i].pattern, p) == 0;
        }
        if (!found) {
            fprintf(stderr, "%s:%u: %s %s is no route of the application\n", MATRIX,
                    rows[i].line, rows[i].method, rows[i].pattern);
            missing++;
        }
    }
    free(rows);
    assert_int_equal(missing, 0);
}

static void test_every_cell(void **state)
{
    (void)state;
    row *rows = NULL;
    size_t n = read_rows(&rows);
    int wrong = 0;
    size_t cells = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < NCOLS; c++) {
            int got = run_cell(&rows[i], c);
            cells++;
            if (got != rows[i].expect[c]) {
                char buf[64];
                fprintf(stderr, "%s:%u: %s %s as %s: %d, expected %d\n", MATRIX, rows[i].line,
                        rows[i].method, rows[i].target, column_name(c, buf, sizeof buf), got,
                        rows[i].expect[c]);
                wrong++;
            }
        }
    printf("%zu cells checked, %d wrong\n", cells, wrong);
    free(rows);
    assert_int_equal(wrong, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_in_the_table),
        cmocka_unit_test(test_every_cell),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, matrix_setup, web_teardown);
    int pg = test_pg_database("mg_test_authz", web_fixture_db, sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, matrix_setup, web_teardown);
}
