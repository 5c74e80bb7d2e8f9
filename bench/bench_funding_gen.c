/*
 * The single window's benchmark data (bench/bench-funding.sh): a window
 * "(exemple)" led by a city with five co-funders, APPLICANTS associations
 * (valid SIRET and RNA made up from their number), and REQUESTS requests
 * written through the module's functions as people would make them —
 * each a draft with a balanced CERFA budget asking one to three
 * co-funders, its required attachments, filed, routed by the lead to
 * every co-funder it asks (19 in 20), a share of the parts decided
 * (granted with an amount up to what was asked, or refused) and a share
 * of the grants paid, in one or two instalments. An account
 * (bench-guichet@example.org, instructor of the lead and of every
 * co-funder, its second factor enrolled) and an API token for it are made
 * so that the load can be measured signed in.
 *
 * Writes to OUT, tab-separated, one record a line:
 *   token    SECRET
 *   funder   ORGANISATION_ID  NAME  ROUTED_PARTS
 * Usage: bench_funding_gen DATABASE REQUESTS OUT [SEED] [APPLICANTS]
 * Prints the time the generation took.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "bench_util.h"
#include "funding/aftergrant.h"
#include "funding/attachments.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "funding/internal.h"

enum { NFUNDERS = 5 };

static uint64_t rng_state;

/* xorshift64*: the same data for the same seed. */
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void die(const char *what, int rc, const mg_diag *d, const mg_subsidy_errors *e)
{
    fprintf(stderr, "bench_funding_gen: %s: %s (%s)", what, mg_strerror(rc), d->msg);
    for (size_t k = 0; e && k < e->n && k < MG_SUBSIDY_ERRORS_MAX; k++)
        fprintf(stderr, "\n  %s: %s", e->e[k].field, e->e[k].msg);
    fputc('\n', stderr);
    exit(1);
}

static int64_t org(mg_db *db, const char *name, const char *kind, const char *siret,
                   const char *rna)
{
    mg_auth_org_input in = {.name = name, .kind = kind, .siret = siret, .rna = rna};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(db, 0, &in, true, false, &id, &fe, &d);
    if (rc) {
        fprintf(stderr, "bench_funding_gen: %s: %s (%s; %s)\n", name, mg_strerror(rc), d.msg,
                fe.msg);
        exit(1);
    }
    return id;
}

/* The Luhn key that completes digits s[0..n). */
static int luhn_key(const char *s, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int v = s[n - 1 - i] - '0';
        if (i % 2 == 0) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return (10 - sum % 10) % 10;
}

/* A SIRET made up from k: a SIREN "7" + 7 digits + its key, establishment
 * 00010 + the key of all 14 digits. */
static void siret_of(unsigned k, char out[15])
{
    char s[16];
    snprintf(s, sizeof s, "7%07u", k % 10000000u);
    s[8] = (char)('0' + luhn_key(s, 8));
    memcpy(s + 9, "0001", 4);
    s[13] = (char)('0' + luhn_key(s, 13));
    s[14] = 0;
    memcpy(out, s, 15);
}

static void cents_text(int64_t c, char out[32])
{
    snprintf(out, 32, "%lld,%02lld", (long long)(c / 100), (long long)(c % 100));
}

static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 "
                          "R >>\n%%EOF\n";

static const char *const projects[] = {
    "Prévention bucco-dentaire dans les écoles",
    "Ateliers nutrition pour les seniors",
    "Permanence d'accès aux droits de santé",
    "Aller-vers les jeunes en milieu rural",
    "Soutien aux aidants familiaux",
    "Dépistage itinérant",
    "Santé mentale : groupes de parole",
    "Activité physique adaptée",
};

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: bench_funding_gen DATABASE REQUESTS OUT [SEED] [APPLICANTS]\n");
        return 2;
    }
    size_t nreq = (size_t)bench_arg_number("REQUESTS", argv[2], 1, 1e6);
    rng_state = argc >= 5 ? (uint64_t)bench_arg_number("SEED", argv[4], 1, 1e15) : 20261205;
    size_t napp = argc == 6 ? (size_t)bench_arg_number("APPLICANTS", argv[5], 1, 1e5) : 200;
    FILE *out = fopen(argv[3], "w");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    mg_diag d = {{0}};
    mg_db *db = NULL;
    int rc = mg_db_open(&db, argv[1], NULL, &d);
    if (rc)
        die(argv[1], rc, &d, NULL);
    double t0 = bench_now();

    int64_t lead = org(db, "Ville pilote du CLS (exemple)", "commune", NULL, NULL);
    static const char *const names[NFUNDERS] = {
        "Département (exemple)", "ARS (exemple)", "CPAM (exemple)", "Région (exemple)",
        "Communauté d'agglomération (exemple)"};
    static const char *const kinds[NFUNDERS] = {"departement", "ars", "cpam", "region", "epci"};
    int64_t funders[NFUNDERS];
    for (int k = 0; k < NFUNDERS; k++)
        funders[k] = org(db, names[k], kinds[k], NULL, NULL);
    int64_t *apps = malloc(napp * sizeof *apps);
    char (*sirets)[15] = malloc(napp * sizeof *sirets);
    char (*rnas)[11] = malloc(napp * sizeof *rnas);
    if (!apps || !sirets || !rnas)
        return 1;
    for (size_t a = 0; a < napp; a++) {
        char name[96];
        snprintf(name, sizeof name, "Association de santé n° %zu (exemple)", a + 1);
        siret_of((unsigned)a + 1, sirets[a]);
        snprintf(rnas[a], sizeof rnas[a], "W11%07u", (unsigned)((a + 1) % 10000000u));
        apps[a] = org(db, name, "association", sirets[a], rnas[a]);
    }

    mg_auth_field_error afe = {0};
    int64_t account = 0;
    rc = mg_auth_account_add(db, 0, "bench-guichet@example.org", "Instructrice (exemple)",
                             "bench-guichet-2026", lead, MG_ROLE_INSTRUCTOR, &account, &afe, &d);
    if (rc)
        die("account", rc, &d, NULL);
    for (int k = 0; k < NFUNDERS; k++)
        if ((rc = mg_auth_membership_set(db, 0, account, funders[k], MG_ROLE_INSTRUCTOR, &d)))
            die("membership", rc, &d, NULL);
    /* An instructor has a second factor, or no API access. */
    char totp[MG_AUTH_TOTP_SECRET_CHARS + 1], uri[512], code[7];
    int64_t now = (int64_t)time(NULL);
    if ((rc = mg_auth_totp_begin(db, account, totp, uri, sizeof uri, &d)) ||
        (rc = mg_auth_totp_code(totp, now, code, &d)) ||
        (rc = mg_auth_totp_confirm(db, account, code, now, &d)))
        die("second factor", rc, &d, NULL);
    char secret[MG_AUTH_API_TOKEN_CHARS + 1];
    int64_t token_id = 0;
    rc = mg_auth_api_token_create(db, account, "bench", secret, &token_id, &afe, &d);
    if (rc)
        die("token", rc, &d, NULL);
    fprintf(out, "token\t%s\n", secret);

    mg_subsidy_errors e = {0};
    int64_t window = 0;
    rc = mg_subsidy_window_create(db, account, lead, "Guichet santé du CLS (exemple)", "", 0,
                                  funders, NFUNDERS, true, &window, &e, &d);
    if (rc)
        die("window", rc, &d, &e);

    size_t routed_parts[NFUNDERS] = {0}, decided = 0, paid = 0;
    char today[11];
    mg_subsidy_today(today);
    for (size_t i = 0; i < nreq; i++) {
        size_t a = (size_t)(rnd() % napp);
        int perm[NFUNDERS] = {0, 1, 2, 3, 4};
        for (int k = NFUNDERS - 1; k > 0; k--) {
            int j = (int)(rnd() % (uint64_t)(k + 1)), t = perm[k];
            perm[k] = perm[j];
            perm[j] = t;
        }
        int nasked = 1 + (int)(rnd() % 3);
        int64_t asked[NFUNDERS], sum = 0;
        char amounts[12][32], fids[NFUNDERS][24];
        mg_subsidy_line_input lines[12];
        int nl = 0;
        for (int k = 0; k < nasked; k++) {
            asked[k] = 100000 + (int64_t)(rnd() % 3000000);
            sum += asked[k];
        }
        cents_text(sum, amounts[nl]);
        lines[nl] = (mg_subsidy_line_input){"64", "Rémunération des personnels", amounts[nl], ""};
        nl++;
        cents_text(150000, amounts[nl]);
        lines[nl] = (mg_subsidy_line_input){"60", "Achats", amounts[nl], ""};
        nl++;
        for (int k = 0; k < nasked; k++, nl++) {
            cents_text(asked[k], amounts[nl]);
            snprintf(fids[k], sizeof fids[k], "%lld", (long long)funders[perm[k]]);
            lines[nl] = (mg_subsidy_line_input){"74", "Subvention demandée", amounts[nl],
                                                fids[k]};
        }
        cents_text(150000, amounts[nl]);
        lines[nl] = (mg_subsidy_line_input){"75", "Fonds propres", amounts[nl], ""};
        nl++;
        int year = 2024 + (int)(rnd() % 4);
        char starts[11], ends[11], name[96], title[160];
        snprintf(starts, sizeof starts, "%04d-%02d-01", year, 1 + (int)(rnd() % 9));
        snprintf(ends, sizeof ends, "%04d-12-31", year);
        snprintf(name, sizeof name, "Association de santé n° %zu (exemple)", a + 1);
        snprintf(title, sizeof title, "%s n° %zu (exemple)",
                 projects[rnd() % (sizeof projects / sizeof *projects)], i + 1);
        mg_subsidy_request_input in = {
            .name = name, .siret = sirets[a], .rna = rnas[a], .address = "1 rue de la Santé",
            .postcode = "11000", .city = "Carcassonne", .email = "contact@association.example",
            .phone = "04 68 00 00 00", .representative_role = "Présidente de l'association",
            .contact_role = "Coordinatrice", .volunteers = "10", .employees = "2",
            .employees_fte = "1,5", .members = "120", .title = title,
            .objectives = "Améliorer l'accès à la prévention (exemple).",
            .description = "Des actions de proximité sur le territoire (exemple).",
            .target_publics = "Habitants du territoire", .communes = "communes:11069",
            .starts_on = starts, .ends_on = ends,
            .evaluation = "Personnes touchées, actions menées.", .is_renewal = "",
            .multi_year = "", .nature = "operation", .call = "", .action = "",
            .lines = lines, .nlines = (size_t)nl};
        int64_t id = 0;
        memset(&e, 0, sizeof e);
        if ((rc = mg_subsidy_draft_save(db, account, window, apps[a], 0, &in, &id, &e, &d)))
            die("draft", rc, &d, &e);
        for (int k = 0; k < MG_ATTACH_KINDS; k++) {
            mg_subsidy_attachment_kind kind = (mg_subsidy_attachment_kind)k;
            if (!mg_subsidy_attachment_required(kind, false))
                continue;
            char fname[64];
            snprintf(fname, sizeof fname, "%s.pdf", mg_subsidy_attachment_kind_key(kind));
            int64_t aid = 0;
            if ((rc = mg_subsidy_attachment_add(db, account, id, kind, fname, pdf,
                                                sizeof pdf - 1, &aid, &e, &d)))
                die("attachment", rc, &d, &e);
        }
        if ((rc = mg_subsidy_file(db, account, id, &e, &d)))
            die("filing", rc, &d, &e);
        if (rnd() % 20 == 0)
            continue; /* left for the lead to route */
        if ((rc = mg_subsidy_route(db, account, id, NULL, 0, &e, &d)))
            die("routing", rc, &d, &e);
        for (int k = 0; k < nasked; k++) {
            routed_parts[perm[k]]++;
            uint64_t what = rnd() % 10;
            if (what >= 4)
                continue; /* still to instruct */
            decided++;
            if (what == 3) {
                if ((rc = mg_subsidy_decide(db, account, id, funders[perm[k]],
                                            MG_DECISION_REFUSE, "",
                                            "Hors des priorités de l'année (exemple)", &e, &d)))
                    die("refusal", rc, &d, &e);
                continue;
            }
            int64_t granted = asked[k] - (int64_t)(rnd() % 2) * (asked[k] / 4);
            char amount[32];
            cents_text(granted, amount);
            if ((rc = mg_subsidy_decide(db, account, id, funders[perm[k]], MG_DECISION_GRANT,
                                        amount, "", &e, &d)))
                die("grant", rc, &d, &e);
            if (what == 0)
                continue; /* nothing paid yet */
            paid++;
            int64_t first = what == 1 ? granted : granted / 2;
            cents_text(first, amount);
            int64_t pid = 0;
            if ((rc = mg_subsidy_pay(db, account, id, funders[perm[k]], today, amount,
                                     "Convention signée", &pid, &e, &d)))
                die("payment", rc, &d, &e);
        }
        if ((i + 1) % 1000 == 0)
            fprintf(stderr, "bench_funding_gen: %zu requests (%.0f s)\n", i + 1,
                    bench_now() - t0);
    }
    for (int k = 0; k < NFUNDERS; k++)
        fprintf(out, "funder\t%lld\t%s\t%zu\n", (long long)funders[k], names[k],
                routed_parts[k]);
    if (fclose(out) != 0) {
        perror(argv[3]);
        return 1;
    }
    printf("bench_funding_gen: %zu requests of %zu applicants to %d co-funders, %zu parts "
           "decided, %zu paid, generated in %.1f s\n",
           nreq, napp, NFUNDERS, decided, paid, bench_now() - t0);
    free(apps);
    free(sirets);
    free(rnas);
    mg_db_close(db);
    return 0;
}
