/*
 * libFuzzer target for the table importers: INSEE BPE (mg_import_bpe), La
 * Poste (mg_import_laposte), DREES APL (mg_import_drees) and travel-time
 * matrices (mg_pairs_read_csv). Every input is given to all four, written
 * to a memfd and read through /proc/self/fd/N, against a small territory
 * built once from an embedded communes.json. Beyond the sanitizers it
 * checks their promises: on failure a message and outputs and territory
 * unchanged; on success values in their domain, and for matrices a table
 * with sorted rows that all hold their own pair at 0 minutes. The
 * territory's mutable arrays are restored after each input so that runs do
 * not depend on one another.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "territory/territory.h"
#include "traveltime/pairs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aude communes of the corpus, Marseille with an arrondissement, Ajaccio
 * with its pre-1976 code, a commune nouvelle with two former codes. */
static const char communes_json[] =
    "[\n"
    "{\"code\":\"11001\",\"nom\":\"Aigues-Vives\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":563},\n"
    "{\"code\":\"11002\",\"nom\":\"Airoux\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":168},\n"
    "{\"code\":\"11003\",\"nom\":\"Ajac\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":196},\n"
    "{\"code\":\"11004\",\"nom\":\"Alaigne\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":333},\n"
    "{\"code\":\"11005\",\"nom\":\"Alairac\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":1313},\n"
    "{\"code\":\"11069\",\"nom\":\"Carcassonne\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":46080},\n"
    "{\"code\":\"11251\",\"nom\":\"Val-de-Dagne\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"anciensCodes\":[\"11017\",\"11226\"],\"population\":400},\n"
    "{\"code\":\"11017\",\"nom\":\"Artigues\",\"type\":\"commune-deleguee\",\"chefLieu\":\"11251\",\"departement\":\"11\"},\n"
    "{\"code\":\"13055\",\"nom\":\"Marseille\",\"departement\":\"13\",\"type\":\"commune-actuelle\",\"population\":877215},\n"
    "{\"code\":\"13201\",\"nom\":\"Marseille 1er\",\"type\":\"arrondissement-municipal\",\"commune\":\"13055\",\"departement\":\"13\"},\n"
    "{\"code\":\"2A004\",\"nom\":\"Ajaccio\",\"departement\":\"2A\",\"type\":\"commune-actuelle\",\"anciensCodes\":[\"20004\"],\"population\":76320}\n"
    "]\n";

enum { N_MAX = 16 };

static mg_territory *territory;

static void free_territory(void)
{
    mg_territory_free(territory);
    territory = NULL;
}

static mg_territory *get_territory(void)
{
    if (territory)
        return territory;
    char path[64];
    int fd = to_memfd("communes.json", communes_json, sizeof communes_json - 1, path, sizeof path);
    check(fd >= 0);
    mg_diag d;
    mg_diag_clear(&d);
    check(mg_import_cog(&territory, path, NULL, NULL, &d) == MG_OK);
    close(fd);
    check(territory->n <= N_MAX);
    atexit(free_territory);
    return territory;
}

/* The arrays importers may change, zero-padded so they compare whole. */
typedef struct state {
    double lat[N_MAX], lon[N_MAX], pop_std[N_MAX];
    uint8_t src[N_MAX], study[N_MAX];
} state;

static state take(const mg_territory *t)
{
    state s;
    memset(&s, 0, sizeof s);
    memcpy(s.lat, t->lat, t->n * sizeof *t->lat);
    memcpy(s.lon, t->lon, t->n * sizeof *t->lon);
    memcpy(s.pop_std, t->pop_std, t->n * sizeof *t->pop_std);
    memcpy(s.src, t->point_src, t->n);
    memcpy(s.study, t->in_study, t->n);
    return s;
}

static void restore(mg_territory *t, const state *s)
{
    memcpy(t->lat, s->lat, t->n * sizeof *t->lat);
    memcpy(t->lon, s->lon, t->n * sizeof *t->lon);
    memcpy(t->pop_std, s->pop_std, t->n * sizeof *t->pop_std);
    memcpy(t->point_src, s->src, t->n);
    memcpy(t->in_study, s->study, t->n);
}

static bool unchanged(const mg_territory *t, const state *s)
{
    state now = take(t);
    return memcmp(&now, s, sizeof now) == 0;
}

static void run_bpe(mg_territory *t, const char *path, const state *s0)
{
    double supply[N_MAX] = {0}, lost = -1;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_bpe(t, path, "D201", supply, &lost, &rep, &d);
    check(unchanged(t, s0));
    if (rc != MG_OK) {
        check(rc < 0 && d.msg[0] != '\0' && lost == -1);
        for (size_t i = 0; i < N_MAX; i++)
            check(supply[i] == 0);
    } else {
        check(lost >= 0);
        for (size_t i = 0; i < t->n; i++)
            check(supply[i] >= 0 && supply[i] == floor(supply[i]));
    }
    mg_report_free(&rep);
}

static void run_laposte(mg_territory *t, const char *path, const state *s0)
{
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_import_laposte(t, path, &rep, &d);
    if (rc != MG_OK) {
        check(rc < 0 && d.msg[0] != '\0');
        check(unchanged(t, s0));
    } else {
        for (size_t i = 0; i < t->n; i++) {
            if (t->point_src[i] == MG_POINT_NONE) {
                check(isnan(t->lat[i]) && isnan(t->lon[i]));
                continue;
            }
            check(t->point_src[i] == MG_POINT_LAPOSTE);
            check(fabs(t->lat[i]) <= 90 && fabs(t->lon[i]) <= 180);
        }
        check(memcmp(t->pop_std, s0->pop_std, t->n * sizeof *t->pop_std) == 0);
        check(memcmp(t->in_study, s0->study, t->n) == 0);
    }
    mg_report_free(&rep);
    restore(t, s0);
}

static void run_drees(mg_territory *t, const char *path, const state *s0, enum mg_drees_age age,
                      unsigned flags)
{
    double official[N_MAX];
    for (size_t i = 0; i < N_MAX; i++)
        official[i] = -1;
    enum mg_drees_age used = (enum mg_drees_age)7;
    char *col = NULL;
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    size_t missing = 99;
    int rc = mg_import_drees(t, path, age, flags, official, &used, &col, &missing, &rep, &d);
    if (rc != MG_OK) {
        check(rc < 0 && d.msg[0] != '\0' && col == NULL);
        check(unchanged(t, s0));
        for (size_t i = 0; i < N_MAX; i++)
            check(official[i] == -1);
    } else {
        check(col != NULL && strncmp(col, "APL", 3) == 0);
        /* Only --allow-missing lets inhabited communes go without values. */
        check(missing <= t->n && (missing == 0 || (flags & MG_DREES_ALLOW_MISSING)));
        check(used == MG_AGE_NONE || used == MG_AGE_65 || used == MG_AGE_62);
        for (size_t i = 0; i < t->n; i++) {
            check(isnan(official[i]) || (official[i] >= 0 && isfinite(official[i])));
            check(isnan(t->pop_std[i]) || t->pop_std[i] >= 0);
            /* Values only for communes now in the study. */
            if (!isnan(official[i]) || !isnan(t->pop_std[i]))
                check(t->in_study[i] == 1);
        }
        check(memcmp(t->lat, s0->lat, t->n * sizeof *t->lat) == 0);
    }
    free(col);
    mg_report_free(&rep);
    restore(t, s0);
}

static void run_matrix(mg_territory *t, const char *path, const state *s0, double max)
{
    mg_pairs p = {.n = 99};
    mg_report rep = {0};
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_pairs_read_csv(t, path, max, &p, &rep, &d);
    check(unchanged(t, s0));
    if (rc != MG_OK) {
        check(rc < 0 && d.msg[0] != '\0');
        check(p.start == NULL && p.to == NULL && p.minutes == NULL && p.npairs == 0);
    } else {
        check(p.n == t->n && p.start[0] == 0 && p.start[p.n] == p.npairs);
        for (size_t i = 0; i < p.n; i++) {
            bool self = false;
            for (size_t k = p.start[i]; k < p.start[i + 1]; k++) {
                check(p.to[k] < p.n);
                check(k == p.start[i] || p.to[k] > p.to[k - 1]);
                check(p.minutes[k] >= 0 && p.minutes[k] <= max);
                if (p.to[k] == i) {
                    self = true;
                    check(p.minutes[k] == 0);
                }
            }
            check(self);
        }
    }
    mg_pairs_free(&p);
    mg_report_free(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mg_territory *t = get_territory();
    char path[64];
    int fd = to_memfd("table.csv", data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    state s0 = take(t);
    run_bpe(t, path, &s0);
    run_laposte(t, path, &s0);
    run_drees(t, path, &s0, MG_AGE_65, 0);
    run_drees(t, path, &s0, MG_AGE_NONE, MG_DREES_ALLOW_MISSING);
    run_matrix(t, path, &s0, 20);
    run_matrix(t, path, &s0, 600);
    check(unchanged(t, &s0));
    close(fd);
    return 0;
}
