/*
 * The finder's benchmark data (bench/bench-finder.sh): generates N
 * directory structures "(exemple)" over the study communes of a bundle —
 * more where more people live, in the proportions of a real directory
 * (GP practices, pharmacies, health centres, cabins, carts, hospitals,
 * medico-social and social actors, town halls), with opening hours from a
 * set of real-looking strings and one service in five with a booking
 * link — and imports them with mg_dir_import into DATABASE (an SQLite file
 * or a postgresql:// URI) in one transaction. Writes the study communes'
 * codes, one a line, to CODES_FILE (the load generator's choices).
 *
 * Usage: bench_finder_gen DATABASE BUNDLE FRANCE_DIR N CODES_FILE [SEED]
 * Prints the time the import took.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "db/db.h"
#include "diagnosis/diagnosis.h"
#include "directory/directory.h"

static uint64_t rng_state;

/* xorshift64*: the same data for the same seed. */
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static double rnd01(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* Shares of each category, in a thousand. */
static const struct {
    mg_dir_category c;
    int per_mille;
    const char *name;
} mix[] = {
    {MG_DIR_GP_PRACTICE, 300, "Cabinet médical"},
    {MG_DIR_PHARMACY, 150, "Pharmacie"},
    {MG_DIR_HEALTH_CENTRE, 50, "Maison de santé"},
    {MG_DIR_CABIN, 20, "Cabine de téléconsultation"},
    {MG_DIR_CART, 20, "Chariot de téléconsultation"},
    {MG_DIR_HOSPITAL, 30, "Centre hospitalier"},
    {MG_DIR_MEDICO_SOCIAL, 130, "Établissement médico-social"},
    {MG_DIR_SOCIAL, 200, "Centre social"},
    {MG_DIR_TOWN_HALL, 70, "Mairie"},
    {MG_DIR_OTHER, 30, "Association"},
};

static const char *const hours[] = {
    "Mo-Fr 08:00-12:00,14:00-19:00; Sa 08:00-12:00; PH off",
    "Mo-Sa 09:00-12:30,14:00-19:30",
    "Mo-Fr 08:30-18:30",
    "24/7",
    "Mo,Tu,Th,Fr 09:00-12:00; We 14:00-17:00; PH off",
    "Mo-Fr 08:00-20:00; Sa 09:00-13:00; Su,PH off",
    "Tu-Sa 09:00-12:00,15:00-19:00",
    NULL,
};

int main(int argc, char **argv)
{
    if (argc < 6 || argc > 7) {
        fprintf(stderr, "usage: bench_finder_gen DATABASE BUNDLE FRANCE_DIR N CODES_FILE [SEED]\n");
        return 2;
    }
    size_t n = (size_t)bench_arg_number("N", argv[4], 1, 1e7);
    rng_state = argc == 7 ? (uint64_t)bench_arg_number("SEED", argv[6], 1, 1e15) : 20261205;
    mg_diag d = {{0}};
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = argv[2];
    o.france = argv[3];
    o.profession = "mg";
    mg_diagnosis *g = NULL;
    if (mg_diagnosis_load(&g, &o, NULL, NULL, &d)) {
        fprintf(stderr, "bench_finder_gen: %s\n", d.msg);
        return 1;
    }
    const mg_territory *t = g->t;
    FILE *codes = fopen(argv[5], "w");
    if (!codes) {
        perror(argv[5]);
        return 1;
    }
    /* Communes drawn by population (at least 50 inhabitants' weight). */
    double *cum = malloc(g->study_n * sizeof *cum);
    double total = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        total += fmax(t->population[i], 50);
        cum[k] = total;
        fprintf(codes, "%s\n", t->code[i]);
    }
    fclose(codes);

    mg_dir_set s;
    mg_dir_set_init(&s);
    for (size_t r = 0; r < n; r++) {
        double u = rnd01() * total;
        size_t lo = 0, hi = g->study_n - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cum[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t i = g->study[lo];
        int pick = (int)(rnd() % 1000), acc = 0;
        size_t m = 0;
        while (m + 1 < sizeof mix / sizeof *mix && pick >= acc + mix[m].per_mille)
            acc += mix[m++].per_mille;
        char buf[160];
        mg_dir_structure *st = mg_dir_add_structure(&s);
        if (!st) {
            fprintf(stderr, "bench_finder_gen: out of memory\n");
            return 1;
        }
        snprintf(buf, sizeof buf, "bench-%zu", r);
        st->source = mg_dir_strdup(&s, "banc-essai", SIZE_MAX);
        st->source_id = mg_dir_strdup(&s, buf, SIZE_MAX);
        snprintf(buf, sizeof buf, "%s n° %zu de %s (exemple)", mix[m].name, r, t->name[i]);
        st->name = mg_dir_strdup(&s, buf, SIZE_MAX);
        st->category = mix[m].c;
        snprintf(buf, sizeof buf, "%zu rue de l'Exemple", r + 1);
        st->address = mg_dir_strdup(&s, buf, SIZE_MAX);
        st->commune_code = mg_dir_strdup(&s, t->code[i], SIZE_MAX);
        st->commune_name = mg_dir_strdup(&s, t->name[i], SIZE_MAX);
        snprintf(buf, sizeof buf, "04 68 %02d %02d %02d", (int)(r / 10000 % 100),
                 (int)(r / 100 % 100), (int)(r % 100));
        st->phone = mg_dir_strdup(&s, buf, SIZE_MAX);
        const char *h = hours[rnd() % (sizeof hours / sizeof *hours)];
        st->opening_hours = h ? mg_dir_strdup(&s, h, SIZE_MAX) : NULL;
        st->updated_on = mg_dir_strdup(&s, "2026-11-01", SIZE_MAX);
        if (r % 5 == 0) {
            mg_dir_service *v = mg_dir_add_service(&s);
            if (!v) {
                fprintf(stderr, "bench_finder_gen: out of memory\n");
                return 1;
            }
            snprintf(buf, sizeof buf, "bench-%zu", r);
            v->source = mg_dir_strdup(&s, "banc-essai", SIZE_MAX);
            v->structure_source_id = mg_dir_strdup(&s, buf, SIZE_MAX);
            snprintf(buf, sizeof buf, "bench-%zu-rdv", r);
            v->source_id = mg_dir_strdup(&s, buf, SIZE_MAX);
            v->name = mg_dir_strdup(&s, "Consultation sur rendez-vous", SIZE_MAX);
            v->description = mg_dir_strdup(&s, "Consultations (exemple).", SIZE_MAX);
            v->thematics = mg_dir_strdup(&s, "sante--acces-aux-soins", SIZE_MAX);
            snprintf(buf, sizeof buf, "https://rdv.exemple.invalid/%zu", r);
            v->booking_url = mg_dir_strdup(&s, buf, SIZE_MAX);
            v->updated_on = mg_dir_strdup(&s, "2026-11-01", SIZE_MAX);
        }
    }
    free(cum);
    mg_db *db = NULL;
    if (mg_db_open(&db, argv[1], NULL, &d)) {
        fprintf(stderr, "bench_finder_gen: %s\n", d.msg);
        return 1;
    }
    mg_dir_report rep;
    mg_dir_report_init(&rep);
    mg_dir_import_opts io = {0};
    double t0 = bench_now();
    int rc = mg_dir_import(db, &s, &io, &rep, &d);
    double secs = bench_now() - t0;
    if (rc) {
        fprintf(stderr, "bench_finder_gen: import: %s\n", d.msg);
        for (size_t k = 0, shown = 0; k < rep.n && shown < 5; k++)
            if (rep.rows[k].status == MG_DIR_ROW_REFUSED) {
                fprintf(stderr, "  %s %s: %s\n", rep.rows[k].source_id, rep.rows[k].field,
                        rep.rows[k].message);
                shown++;
            }
    } else {
        printf("bench_finder_gen: %zu structures and %zu services over %zu communes imported in "
               "%.1f s (%zu new)\n",
               s.nstructures, s.nservices, g->study_n, secs, rep.counts[MG_DIR_ROW_NEW]);
    }
    mg_dir_report_free(&rep);
    mg_dir_set_free(&s);
    mg_db_close(db);
    mg_diagnosis_free(g);
    return rc ? 1 : 0;
}
