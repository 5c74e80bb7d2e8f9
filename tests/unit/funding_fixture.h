/*
 * Helpers of the single window's tests (issue 16): organisations (an
 * association with a valid SIRET and RNA, a lead, co-funders), a window,
 * a complete request form with a balanced budget asking amounts of N
 * co-funders, its required attachments, filed, and routed. Header-only;
 * include after <cmocka.h> (the helpers fail the test with fail_msg when
 * a step fails). Every name is made up and marked "(exemple)".
 *
 *     funding_fx fx;
 *     fx_setup(db, 3, &fx);                        association, lead, 3 co-funders, window
 *     int64_t asked[] = {500000, 300000};          5 000 € and 3 000 €
 *     int64_t id = fx_filed(db, &fx, asked, 2);    filed, asking the first two co-funders
 *     int64_t rid = fx_routed(db, &fx, asked, 2);  the same, routed to both
 */
#ifndef MG_TESTS_FUNDING_FIXTURE_H
#define MG_TESTS_FUNDING_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "funding/attachments.h"
#include "funding/funding.h"
#include "funding/instruction.h"

enum { FX_FUNDERS_MAX = 8, FX_FORM_LINES = 16 };

/* The organisations and the window of a test. */
typedef struct funding_fx {
    int64_t assoc;                    /* the applicant: an association */
    char assoc_siret[15], assoc_rna[11];
    int64_t lead;                     /* the window's lead */
    int64_t funders[FX_FUNDERS_MAX];  /* its co-funders */
    size_t nfunders;
    int64_t window;
    int64_t assoc_account;            /* a contributor of the association */
    int64_t lead_account;             /* a manager of the lead (routes) */
} funding_fx;

/* The check digit that makes digits d[0..n) followed by it pass Luhn. */
static inline int fx_luhn_digit(const char *d, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int v = d[n - 1 - i] - '0';
        if (i % 2 == 0) { /* doubled: it will be second from the right */
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return (10 - sum % 10) % 10;
}

/* A valid SIRET made from seed (distinct seeds, distinct SIRET): a SIREN
 * whose Luhn key is right, then an establishment number, the key over all
 * 14 digits right too. Not La Poste's SIREN (it starts with 4). */
static inline void fx_siret(unsigned seed, char out[15])
{
    char d[15];
    snprintf(d, sizeof d, "4%07u", seed % 10000000u);
    d[8] = (char)('0' + fx_luhn_digit(d, 8));
    snprintf(d + 9, 6, "%04u", (seed / 7u) % 10000u);
    d[13] = (char)('0' + fx_luhn_digit(d, 13));
    d[14] = 0;
    memcpy(out, d, 15);
}

/* An RNA number from seed: "W11" and 7 digits. */
static inline void fx_rna(unsigned seed, char out[11])
{
    snprintf(out, 11, "W11%07u", seed % 10000000u);
}

/* An active organisation; siret, rna may be NULL. */
static inline int64_t fx_org(mg_db *db, const char *name, const char *kind, const char *siret,
                             const char *rna)
{
    mg_auth_org_input in = {.name = name, .kind = kind, .siret = siret, .rna = rna};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(db, 0, &in, true, false, &id, &fe, &d);
    if (rc != 0)
        fail_msg("organisation %s: %s (%s; %s)", name, mg_strerror(rc), d.msg, fe.msg);
    return id;
}

/* An account with `role` in org (no password). */
static inline int64_t fx_account(mg_db *db, const char *email, int64_t org, mg_auth_role role)
{
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_account_add(db, 0, email, "Membre (exemple)", NULL, org, role, &id, &fe, &d);
    if (rc != 0)
        fail_msg("account %s: %s (%s; %s)", email, mg_strerror(rc), d.msg, fe.msg);
    return id;
}

/* An association (exemple) with a valid SIRET and RNA made from seed. */
static inline int64_t fx_association(mg_db *db, unsigned seed, char siret[15], char rna[11])
{
    char name[80];
    snprintf(name, sizeof name, "Association de santé n° %u (exemple)", seed);
    fx_siret(seed, siret);
    fx_rna(seed, rna);
    return fx_org(db, name, "association", siret, rna);
}

/* A window led by `lead` with co-funders funders[0..n). */
static inline int64_t fx_window(mg_db *db, int64_t lead, const int64_t *funders, size_t n,
                                const char *title)
{
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_subsidy_window_create(db, 0, lead, title ? title : "Guichet santé (exemple)", "",
                                      0, funders, n, true, &id, &errs, &d);
    if (rc != 0)
        fail_msg("window: %s (%s)", mg_strerror(rc), d.msg);
    return id;
}

/* An association, a lead (an EPCI), nfunders co-funders and their window;
 * seed keeps the identifiers of several fixtures in one database apart. */
static inline void fx_setup_seed(mg_db *db, size_t nfunders, unsigned seed, funding_fx *fx)
{
    static const char *const kinds[] = {"departement", "ars", "cpam", "region",
                                        "prefecture", "commune", "epci", "other"};
    memset(fx, 0, sizeof *fx);
    if (nfunders > FX_FUNDERS_MAX)
        nfunders = FX_FUNDERS_MAX;
    fx->assoc = fx_association(db, seed, fx->assoc_siret, fx->assoc_rna);
    char name[80];
    snprintf(name, sizeof name, "Coordination du CLS n° %u (exemple)", seed);
    fx->lead = fx_org(db, name, "epci", NULL, NULL);
    for (size_t i = 0; i < nfunders; i++) {
        snprintf(name, sizeof name, "Cofinanceur %zu du guichet %u (exemple)", i + 1, seed);
        fx->funders[i] = fx_org(db, name, kinds[i], NULL, NULL);
    }
    fx->nfunders = nfunders;
    fx->window = fx_window(db, fx->lead, fx->funders, nfunders, NULL);
    char email[96];
    snprintf(email, sizeof email, "demandeur-%u@association.example", seed);
    fx->assoc_account = fx_account(db, email, fx->assoc, MG_ROLE_CONTRIBUTOR);
    snprintf(email, sizeof email, "coordination-%u@cls.example", seed);
    fx->lead_account = fx_account(db, email, fx->lead, MG_ROLE_MANAGER);
}

static inline void fx_setup(mg_db *db, size_t nfunders, funding_fx *fx)
{
    fx_setup_seed(db, nfunders, 1, fx);
}

/* A complete request form as typed, with its own memory. */
typedef struct fx_form {
    mg_subsidy_request_input in;
    mg_subsidy_line_input lines[FX_FORM_LINES];
    char amounts[FX_FORM_LINES][32];
    char funders[FX_FORM_LINES][24];
    char siret[15], rna[11];
} fx_form;

static inline void fx_cents_text(int64_t cents, char out[32])
{
    snprintf(out, 32, "%lld,%02lld", (long long)(cents / 100), (long long)(cents % 100));
}

/*
 * Fills f with every field of the CERFA filled and a balanced budget:
 * expenses 60 (2 000 €), 64 (the rest) and 86 (1 000 € in kind);
 * resources one account 74 line per co-funder k < nasked asking asked[k]
 * of fx->funders[k], 75 (2 000 € of the association's own funds) and 87
 * (1 000 € in kind). Total expenses = total resources = sum(asked) +
 * 3 000 €.
 */
static inline void fx_form_fill(fx_form *f, const funding_fx *fx, const int64_t *asked,
                                size_t nasked)
{
    memset(f, 0, sizeof *f);
    if (nasked > fx->nfunders)
        nasked = fx->nfunders;
    if (nasked > FX_FORM_LINES - 5)
        nasked = FX_FORM_LINES - 5;
    memcpy(f->siret, fx->assoc_siret, 15);
    memcpy(f->rna, fx->assoc_rna, 11);
    int64_t sum = 0;
    for (size_t k = 0; k < nasked; k++)
        sum += asked[k];
    size_t n = 0;
    fx_cents_text(200000, f->amounts[n]);
    f->lines[n] = (mg_subsidy_line_input){"60", "Achats de petit matériel", f->amounts[n], ""};
    n++;
    fx_cents_text(sum, f->amounts[n]);
    f->lines[n] = (mg_subsidy_line_input){"64", "Salaires de la coordinatrice", f->amounts[n], ""};
    n++;
    fx_cents_text(100000, f->amounts[n]);
    f->lines[n] = (mg_subsidy_line_input){"86", "Bénévolat", f->amounts[n], ""};
    n++;
    for (size_t k = 0; k < nasked; k++, n++) {
        fx_cents_text(asked[k], f->amounts[n]);
        snprintf(f->funders[n], sizeof f->funders[n], "%lld", (long long)fx->funders[k]);
        f->lines[n] = (mg_subsidy_line_input){"74", "Subvention demandée", f->amounts[n],
                                              f->funders[n]};
    }
    fx_cents_text(200000, f->amounts[n]);
    f->lines[n] = (mg_subsidy_line_input){"75", "Fonds propres", f->amounts[n], ""};
    n++;
    fx_cents_text(100000, f->amounts[n]);
    f->lines[n] = (mg_subsidy_line_input){"87", "Bénévolat", f->amounts[n], ""};
    n++;
    f->in = (mg_subsidy_request_input){
        .name = "Association de santé (exemple)", .acronym = "ASE", .siret = f->siret,
        .rna = f->rna, .address = "1 place de la Mairie", .postcode = "11000",
        .city = "Carcassonne", .email = "contact@association.example",
        .phone = "04 68 00 00 00", .representative_role = "Présidente de l'association",
        .contact_role = "Coordinatrice", .volunteers = "12", .employees = "2",
        .employees_fte = "1,5", .members = "140",
        .title = "Prévention bucco-dentaire dans les écoles (exemple)",
        .objectives = "Sensibiliser les enfants à l'hygiène bucco-dentaire.",
        .description = "Des ateliers dans les écoles primaires du territoire.",
        .target_publics = "Enfants de 6 à 11 ans", .communes = "communes:11069,11262",
        .starts_on = "2027-01-01", .ends_on = "2027-12-31",
        .evaluation = "Nombre d'enfants vus, nombre d'écoles.", .is_renewal = "",
        .multi_year = "", .nature = "operation", .call = "", .action = "",
        .lines = f->lines, .nlines = n};
}

/* A draft of fx->assoc in fx->window from f. */
static inline int64_t fx_draft(mg_db *db, const funding_fx *fx, const fx_form *f)
{
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_subsidy_draft_save(db, 0, fx->window, fx->assoc, 0, &f->in, &id, &errs, &d);
    if (rc != 0)
        fail_msg("draft: %s (%s)", mg_strerror(rc), d.msg);
    return id;
}

/* A small valid PDF (its type is read from its bytes). */
static const char fx_pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 "
                             "0 R >>\n%%EOF\n";

/* Adds one attachment of each kind a filing requires (distinct bytes for
 * each request and kind, so that deduplication does not hide a mistake). */
static inline void fx_attach_required(mg_db *db, int64_t request_id, bool is_renewal)
{
    for (int k = 0; k < MG_ATTACH_KINDS; k++) {
        mg_subsidy_attachment_kind kind = (mg_subsidy_attachment_kind)k;
        if (!mg_subsidy_attachment_required(kind, is_renewal))
            continue;
        char bytes[256], name[64];
        int len = snprintf(bytes, sizeof bytes, "%s%% request %lld kind %d\n", fx_pdf,
                           (long long)request_id, k);
        snprintf(name, sizeof name, "%s.pdf", mg_subsidy_attachment_kind_key(kind));
        mg_subsidy_errors errs = {0};
        mg_diag d = {{0}};
        int64_t aid = 0;
        int rc = mg_subsidy_attachment_add(db, 0, request_id, kind, name, bytes, (size_t)len,
                                           &aid, &errs, &d);
        if (rc != 0)
            fail_msg("attachment %s: %s (%s)", name, mg_strerror(rc), d.msg);
    }
}

static inline void fx_file(mg_db *db, int64_t id)
{
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int rc = mg_subsidy_file(db, 0, id, &errs, &d);
    if (rc != 0)
        fail_msg("filing %lld: %s (%s)", (long long)id, mg_strerror(rc), d.msg);
}

/* A request of fx->assoc asking asked[k] of fx->funders[k] (k < nasked),
 * with its attachments, filed (its parts "addressed"). */
static inline int64_t fx_filed(mg_db *db, const funding_fx *fx, const int64_t *asked,
                               size_t nasked)
{
    fx_form f;
    fx_form_fill(&f, fx, asked, nasked);
    int64_t id = fx_draft(db, fx, &f);
    fx_attach_required(db, id, false);
    fx_file(db, id);
    return id;
}

/* The same, routed by the lead to every co-funder it asks (parts "received"). */
static inline int64_t fx_routed(mg_db *db, const funding_fx *fx, const int64_t *asked,
                                size_t nasked)
{
    int64_t id = fx_filed(db, fx, asked, nasked);
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    int rc = mg_subsidy_route(db, fx->lead_account, id, NULL, 0, &errs, &d);
    if (rc != 0)
        fail_msg("routing %lld: %s (%s)", (long long)id, mg_strerror(rc), d.msg);
    return id;
}

#endif
