/*
 * The contracts' benchmark data (bench/bench-contracts.sh) and the bilan's
 * black-box test data (tests/cli/bilan.sh): a Département "(exemple)" with
 * CONTRACTS contracts of ACTIONS actions in all (spread evenly, the first
 * contract taking the remainder), three axes each, two milestones per
 * action (the first done), LINES budget lines spread over the actions for
 * four funders and three years, and VALUES indicator values (five per
 * indicator, typed by hand, dated a month apart) — everything written
 * through the stores (contracts.h, budget.h, indicators.h), each change
 * its own transaction with its audit entry, as people would make them.
 * An account (bench-contrats@example.org, manager of the Département) and
 * an API token for it are made so that the load can be measured signed in.
 *
 * Writes to OUT, tab-separated, one record a line:
 *   token    SECRET
 *   contract ID  TITLE  NACTIONS
 *   action   CONTRACT_ID  ACTION_ID  TITLE
 *   line     CONTRACT_ID  ACTION_ID  FUNDER  YEAR  PLANNED  COMMITTED  PAID  (cents)
 *   value    CONTRACT_ID  ACTION_ID  INDICATOR_ID  DATE  VALUE
 * so that a test can compute the figures it expects on its own.
 *
 * Usage: bench_contracts_gen DATABASE CONTRACTS ACTIONS LINES VALUES OUT [SEED]
 * Prints the time the generation took.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "bench_util.h"
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "contracts/indicators.h"
#include "db/db.h"

static uint64_t rng_state;

/* xorshift64*: the same data for the same seed. */
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static const char *const themes[] = {
    "Cabine de télémédecine",
    "Chariot de téléconsultation assistée",
    "Aller-vers les jeunes en véhicule",
    "Maison de santé pluriprofessionnelle",
    "Parcours d'insertion",
    "Salon des familles",
    "Réseau des acteurs sociaux de proximité",
    "Bus santé itinérant",
};

static void die(const char *what, int rc, const mg_diag *d, const char *field_msg)
{
    fprintf(stderr, "bench_contracts_gen: %s: %s (%s)%s%s\n", what, mg_strerror(rc), d->msg,
            field_msg && field_msg[0] ? " " : "", field_msg ? field_msg : "");
    exit(1);
}

static int64_t org(mg_db *db, const char *name, const char *kind)
{
    mg_auth_org_input in = {.name = name, .kind = kind};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(db, 0, &in, true, false, &id, &fe, &d);
    if (rc)
        die(name, rc, &d, NULL);
    return id;
}

static void cents_text(int64_t c, char *out, size_t cap)
{
    snprintf(out, cap, "%lld,%02lld", (long long)(c / 100), (long long)(c % 100));
}

int main(int argc, char **argv)
{
    if (argc < 7 || argc > 8) {
        fprintf(stderr, "usage: bench_contracts_gen DATABASE CONTRACTS ACTIONS LINES VALUES OUT "
                        "[SEED]\n");
        return 2;
    }
    size_t ncontracts = (size_t)bench_arg_number("CONTRACTS", argv[2], 1, 1000);
    size_t nactions = (size_t)bench_arg_number("ACTIONS", argv[3], 1, 100000);
    size_t nlines = (size_t)bench_arg_number("LINES", argv[4], 0, 1e6);
    size_t nvalues = (size_t)bench_arg_number("VALUES", argv[5], 0, 1e6);
    rng_state = argc == 8 ? (uint64_t)bench_arg_number("SEED", argv[7], 1, 1e15) : 20261205;
    if (nactions < ncontracts) {
        fprintf(stderr, "bench_contracts_gen: fewer actions than contracts\n");
        return 2;
    }
    FILE *out = fopen(argv[6], "w");
    if (!out) {
        perror(argv[6]);
        return 1;
    }
    mg_diag d = {{0}};
    mg_db *db = NULL;
    int rc = mg_db_open(&db, argv[1], NULL, &d);
    if (rc)
        die(argv[1], rc, &d, NULL);
    double t0 = bench_now();

    int64_t dep = org(db, "Département (exemple)", "departement");
    const char *funder_names[4] = {"Département (exemple)", "ARS (exemple)", "Région (exemple)",
                                   "Communauté de communes (exemple)"};
    int64_t funders[4] = {dep, org(db, funder_names[1], "ars"),
                          org(db, funder_names[2], "region"),
                          org(db, funder_names[3], "epci")};

    mg_auth_field_error afe = {0};
    int64_t account = 0;
    rc = mg_auth_account_add(db, 0, "bench-contrats@example.org", "Chargée de mission (exemple)",
                             "bench-contrats-2026", dep, MG_ROLE_MANAGER, &account, &afe, &d);
    if (rc)
        die("account", rc, &d, afe.msg);
    char secret[MG_AUTH_API_TOKEN_CHARS + 1];
    int64_t token_id = 0;
    rc = mg_auth_api_token_create(db, account, "bench", secret, &token_id, &afe, &d);
    if (rc)
        die("token", rc, &d, afe.msg);
    fprintf(out, "token\t%s\n", secret);

    int64_t *contract_of = malloc(nactions * sizeof *contract_of);
    int64_t *action_ids = malloc(nactions * sizeof *action_ids);
    if (!contract_of || !action_ids) {
        fprintf(stderr, "bench_contracts_gen: out of memory\n");
        return 1;
    }
    size_t per = nactions / ncontracts, a = 0;
    mg_contract_field_error fe = {0};
    for (size_t c = 0; c < ncontracts; c++) {
        size_t here = per + (c == 0 ? nactions % ncontracts : 0);
        char title[128], start[16], end[16];
        snprintf(title, sizeof title, "Contrat pluriannuel des solidarités n° %zu (exemple)",
                 c + 1);
        snprintf(start, sizeof start, "%d-01-01", 2022 + (int)(c % 3));
        snprintf(end, sizeof end, "%d-12-31", 2026 + (int)(c % 3));
        mg_contract_input ci = {.kind = c % 4 == 3 ? "cls" : "cps", .title = title,
                                .territory = "epci:200035707", .starts_on = start,
                                .ends_on = end, .status = "in_force"};
        int64_t cid = 0;
        if ((rc = mg_contract_create(db, 0, dep, &ci, &cid, &fe, &d)))
            die("contract", rc, &d, fe.msg);
        fprintf(out, "contract\t%lld\t%s\t%zu\n", (long long)cid, title, here);
        int64_t axes[3];
        static const char *const axis_titles[3] = {"Accès aux soins", "Aller-vers",
                                                   "Insertion et familles"};
        for (int x = 0; x < 3; x++)
            if ((rc = mg_contract_axis_create(db, 0, cid, 0, axis_titles[x], &axes[x], &fe, &d)))
                die("axis", rc, &d, fe.msg);
        for (size_t k = 0; k < here; k++, a++) {
            char at[160], ax[32], due[16];
            snprintf(at, sizeof at, "%s — action %zu.%zu (exemple)",
                     themes[(a + c) % (sizeof themes / sizeof *themes)], c + 1, k + 1);
            snprintf(ax, sizeof ax, "%lld", (long long)axes[k % 3]);
            snprintf(due, sizeof due, "%d-%02d-28", 2024 + (int)(rnd() % 4),
                     1 + (int)(rnd() % 12));
            static const char *const statuses[] = {"planned", "in_progress", "in_progress",
                                                   "done", "paused"};
            mg_contract_action_input ai = {
                .title = at, .description = "Action générée pour la mesure (exemple).",
                .status = statuses[rnd() % 5], .starts_on = start, .due_on = due, .axis = ax,
                .objectives = "Rapprocher l'offre de soins des habitants (exemple)."};
            if ((rc = mg_contract_action_create(db, 0, cid, &ai, &action_ids[a], &fe, &d)))
                die("action", rc, &d, fe.msg);
            contract_of[a] = cid;
            fprintf(out, "action\t%lld\t%lld\t%s\n", (long long)cid, (long long)action_ids[a],
                    at);
            for (int m = 0; m < 2; m++) {
                int64_t mid = 0;
                char mt[32];
                snprintf(mt, sizeof mt, "Étape %d", m + 1);
                if ((rc = mg_contract_milestone_add(db, 0, action_ids[a], mt, due, &mid, &fe,
                                                    &d)))
                    die("milestone", rc, &d, fe.msg);
                if (m == 0 &&
                    (rc = mg_contract_milestone_set_done(db, 0, mid, true, start, &fe, &d)))
                    die("milestone done", rc, &d, fe.msg);
            }
        }
    }

    for (size_t l = 0; l < nlines; l++) {
        size_t k = l % nactions;
        size_t f = (l / nactions + k) % 4;
        int year = 2024 + (int)(rnd() % 3);
        int64_t planned = (int64_t)(1000 + rnd() % 200000) * 100 + (rnd() % 4 == 0 ? 50 : 0);
        int64_t committed = planned * (int64_t)(rnd() % 101) / 100;
        int64_t paid = committed * (int64_t)(rnd() % 101) / 100;
        char p[32], c[32], pd[32], y[8];
        cents_text(planned, p, sizeof p);
        cents_text(committed, c, sizeof c);
        cents_text(paid, pd, sizeof pd);
        snprintf(y, sizeof y, "%d", year);
        mg_budget_line_input in = {.funder_id = funders[f], .year = y,
                                   .nature = rnd() % 3 ? "operation" : "investment",
                                   .planned = p, .committed = c, .paid = pd};
        if ((rc = mg_budget_line_create(db, 0, action_ids[k], &in, NULL, &fe, &d)))
            die("budget line", rc, &d, fe.msg);
        fprintf(out, "line\t%lld\t%lld\t%s\t%d\t%lld\t%lld\t%lld\n", (long long)contract_of[k],
                (long long)action_ids[k], funder_names[f], year, (long long)planned,
                (long long)committed, (long long)paid);
    }

    /* Five values an indicator, one indicator an action in turn. */
    size_t nind = (nvalues + 4) / 5;
    for (size_t i = 0; i < nind; i++) {
        size_t k = i % nactions;
        mg_indicator_input ii = {.title = i % 2 ? "Téléconsultations par mois"
                                                : "Personnes accompagnées",
                                 .unit = i % 2 ? "consultations" : "personnes",
                                 .direction = "up", .target = "120"};
        int64_t ind = 0;
        if ((rc = mg_indicator_create(db, 0, action_ids[k], &ii, &ind, &fe, &d)))
            die("indicator", rc, &d, fe.msg);
        for (size_t v = 0; v < 5 && i * 5 + v < nvalues; v++) {
            char on[16], val[32];
            snprintf(on, sizeof on, "2025-%02zu-15", 1 + v * 2);
            snprintf(val, sizeof val, "%d", 20 + (int)(rnd() % 130));
            if ((rc = mg_indicator_value_add(db, 0, ind, on, val, "relevé (exemple)", "", NULL,
                                             &fe, &d)))
                die("indicator value", rc, &d, fe.msg);
            fprintf(out, "value\t%lld\t%lld\t%lld\t%s\t%s\n", (long long)contract_of[k],
                    (long long)action_ids[k], (long long)ind, on, val);
        }
    }
    fclose(out);
    mg_db_close(db);
    printf("bench_contracts_gen: %zu contracts, %zu actions, %zu budget lines, %zu indicator "
           "values generated in %.1f s\n",
           ncontracts, nactions, nlines, nvalues, bench_now() - t0);
    free(contract_of);
    free(action_ids);
    return 0;
}
