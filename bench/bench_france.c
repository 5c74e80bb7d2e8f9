/*
 * Whole of France at commune level: building the sparse travel-time table
 * within the APL catchment, and one full APL pass.
 *
 * This machine is shared and noisy, so every figure is printed with a ratio
 * to a baseline measured in the same run:
 *  - the indexed pair table against the straightforward all-pairs build
 *    (every pair of communes tested, the same model and result);
 *  - the APL pass against one plain sweep over the same table (the memory
 *    traffic floor of any pass over it).
 *  - the whole `maillage access` run (with --bundle DIR: the national DREES
 *    folder as bundle), phase by phase through the library (import, pairs,
 *    weights, passes, figures, writing) with each phase's share, then the
 *    command itself as a fresh process (with --maillage PATH), with the
 *    crow-fly model and with a 1.45 M-row from_id,to_id,travel_time matrix
 *    of France written here from the crow-fly table; both against reading
 *    (inflating) the input files, the floor of any run.
 * Usage: bench_france FRANCE_DIR [REPEATS] [--no-allpairs] [--bundle DIR]
 *        [--maillage PATH [--baseline PATH]] [--keep-matrix PATH]
 * --baseline runs the same commands with another build (e.g. an earlier
 * commit's) in turn with this one, and prints the ratio of their medians.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_france_inputs.h"
#include "bench_util.h"
#include "access/access.h"
#include "core/alloc.h"
#include "diagnosis/diagnosis.h"
#include "diagnosis/summary.h"
#include "io/reader.h"
#include "output/table.h"
#include "territory/territory.h"
#include "traveltime/pairs.h"

static int die(const char *what, int rc, const mg_diag *d)
{
    fprintf(stderr, "bench_france: %s: %s\n", what, d->msg[0] ? d->msg : mg_strerror(rc));
    return 1;
}


/* ---- The whole run of `maillage access` --------------------------------- */

extern char **environ;

/* Times the progress steps of mg_diagnosis_load. */
typedef struct step_clock {
    double at[8];
    int n;
} step_clock;

static void on_step(void *ctx, const char *step, double fraction)
{
    (void)step, (void)fraction;
    step_clock *c = ctx;
    if (c->n < 8)
        c->at[c->n++] = bench_now();
}

/* The library phases of one run. */
enum { PH_COG, PH_POINTS, PH_SUPPLY, PH_PAIRS, PH_WEIGHTS, PH_PASSES, PH_FIGURES, PH_WRITE, PH_N };
static const char *const phase_name[PH_N] = {
    "import communes + EPCI (COG JSON)", "import points + DREES (La Poste, DREES)",
    "import supply (BPE) + study", "pairs (table, then supply model)", "weights (step decay)",
    "passes (two steps)", "figures (summary)", "writing (CSV table)",
};

/* The size of the last run's table, for the report. */
static size_t whole_npairs;
static double whole_table_max;

/* One run through the library as `maillage access` does it; phase seconds
 * into ph. Returns nonzero on failure (printed). */
static int whole_once(const mg_diagnosis_opts *o, double ph[PH_N])
{
    mg_diag d = {{0}};
    step_clock c = {0};
    mg_diagnosis *g = NULL;
    double t0 = bench_now();
    int rc = mg_diagnosis_load(&g, o, on_step, &c, &d);
    if (rc)
        return die("whole run", rc, &d);
    /* Steps: communes, points, supply, travel times, APL, done. */
    if (c.n < 6) {
        fprintf(stderr, "bench_france: %d progress steps, expected 6\n", c.n);
        mg_diagnosis_free(g);
        return 1;
    }
    (void)t0;
    ph[PH_COG] = c.at[1] - c.at[0];
    ph[PH_POINTS] = c.at[2] - c.at[1];
    ph[PH_SUPPLY] = c.at[3] - c.at[2];
    ph[PH_PAIRS] = c.at[4] - c.at[3];
    /* The APL step again, split: weights, then the two passes (the same
     * work mg_access_compute did inside the load). */
    size_t np = g->pairs.npairs, n = g->t->n;
    whole_npairs = np;
    whole_table_max = 0;
    for (size_t k = 0; k < np; k++)
        if (g->pairs.minutes[k] > whole_table_max)
            whole_table_max = g->pairs.minutes[k];
    double *w = mg_alloc_array(np, sizeof *w), *ratio = mg_alloc_array(n, sizeof *ratio);
    double *apl = mg_alloc_array(n, sizeof *apl);
    double s = bench_now();
    mg_access_weights(&g->pairs, &g->apl_spec.decay, w);
    ph[PH_WEIGHTS] = bench_now() - s;
    s = bench_now();
    mg_access_two_step(&g->pairs, w, w, g->supply, g->demand, ratio, apl);
    ph[PH_PASSES] = bench_now() - s;
    s = bench_now();
    mg_summary sum;
    rc = mg_summary_compute(g, g->apl, g->official, g->prof->threshold, &sum, &d);
    ph[PH_FIGURES] = bench_now() - s;
    if (rc) {
        free(w), free(ratio), free(apl);
        mg_diagnosis_free(g);
        return die("figures", rc, &d);
    }
    FILE *f = tmpfile();
    s = bench_now();
    rc = f ? mg_output_table(f, MG_FORMAT_CSV, g, NULL, 0, &sum, &d) : MG_EIO;
    if (f && fflush(f) != 0)
        rc = MG_EIO;
    ph[PH_WRITE] = bench_now() - s;
    if (f)
        fclose(f);
    mg_summary_free(&sum);
    free(w), free(ratio), free(apl);
    mg_diagnosis_free(g);
    return rc ? die("writing", rc, &d) : 0;
}

/* Runs argv as a fresh process, output to /dev/null; wall seconds or -1. */
static double run_command(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    double s = bench_now();
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return bench_now() - s;
}

/* Reads (inflates) every byte of dir/name: the floor of any import. */
static double read_floor(const char *dir, const char *const *names, size_t count)
{
    static char buf[1 << 16];
    double s = bench_now();
    for (size_t k = 0; k < count; k++) {
        char *path = NULL;
        mg_reader *r = NULL;
        mg_diag d = {{0}};
        if (mg_find_data_file(&path, dir, names[k], &d) || mg_reader_open(&r, path, &d)) {
            free(path);
            continue;
        }
        while (mg_reader_read(r, buf, sizeof buf, &d) > 0)
            ;
        mg_reader_close(r);
        free(path);
    }
    return bench_now() - s;
}

/* Writes the pairs of p (not a commune's own) within the time that keeps
 * about `rows` of them, as from_id,to_id,travel_time with INSEE codes. */
static int write_matrix(const char *path, const mg_territory *t, const mg_pairs *p, size_t rows,
                        size_t *written)
{
    double *m = mg_alloc_array(p->npairs, sizeof *m);
    if (!m)
        return 1;
    memcpy(m, p->minutes, p->npairs * sizeof *m);
    qsort(m, p->npairs, sizeof *m, bench_cmp_double);
    size_t own = 0;
    for (size_t i = 0; i < p->n; i++)
        own += p->start[i] < p->start[i + 1];
    size_t at = rows + own < p->npairs ? rows + own : p->npairs - 1;
    double cut = m[at];
    free(m);
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    fprintf(f, "from_id,to_id,travel_time\n");
    *written = 0;
    for (size_t i = 0; i < p->n; i++)
        for (size_t k = p->start[i]; k < p->start[i + 1]; k++)
            if (p->to[k] != i && p->minutes[k] < cut) {
                fprintf(f, "%s,%s,%.1f\n", t->code[i], t->code[p->to[k]], p->minutes[k]);
                ++*written;
            }
    return fclose(f) != 0;
}

static void print_phases(const char *title, double med[PH_N], double floor_s)
{
    double total = 0;
    for (int k = 0; k < PH_N; k++)
        total += med[k];
    printf("%s: phases through the library (median of each), total %.0f ms; %zu pairs, the "
           "longest %.1f min\n",
           title, total * 1e3, whole_npairs, whole_table_max);
    for (int k = 0; k < PH_N; k++)
        printf("  %-42s %8.1f ms  %5.1f %%\n", phase_name[k], med[k] * 1e3,
               100 * med[k] / total);
    printf("  reading (inflating) the input files alone: %.1f ms; ratio total / reading %.1fx\n",
           floor_s * 1e3, total / floor_s);
}

/* The whole run on France with `bundle` as study territory. */
static int whole_run(const char *france, const char *bundle, const char *maillage,
                     const char *baseline, int repeats, const mg_pairs *crowfly,
                     const mg_territory *t, const char *keep)
{
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = bundle;
    o.france = france;
    o.allow_missing = true;
    static const char *const inputs[] = {"communes.json", "epci.json",
                                         "laposte_hexasmal_2020.csv",
                                         "bpe19_ensemble_sante.csv"};
    static const char *const drees[] = {"apl_mg_2021.csv"};
    char matrix[] = "/tmp/bench_france_matrix_XXXXXX";
    int fd = mkstemp(matrix);
    if (fd < 0) {
        perror("bench_france: matrix file");
        return 1;
    }
    close(fd);
    size_t rows = 0;
    if (write_matrix(matrix, t, crowfly, 1450000, &rows)) {
        fprintf(stderr, "bench_france: cannot write %s\n", matrix);
        unlink(matrix);
        return 1;
    }
    double *runs = mg_alloc_array((size_t)repeats * PH_N, sizeof *runs);
    double *fl = mg_alloc_array((size_t)repeats, sizeof *fl);
    double *cmd = mg_alloc_array((size_t)repeats, sizeof *cmd);
    double *base = mg_alloc_array((size_t)repeats, sizeof *base);
    int rc = 1;
    if (!runs || !fl || !cmd || !base)
        goto done;
    for (int mode = 0; mode < 2; mode++) {
        o.matrix = mode ? matrix : NULL;
        for (int r = 0; r < repeats; r++) {
            fl[r] = read_floor(france, inputs, 4) + read_floor(bundle, drees, 1) +
                    (mode ? read_floor("/tmp", (const char *const[]){matrix + 5}, 1) : 0);
            double ph[PH_N];
            if (whole_once(&o, ph))
                goto done;
            for (int k = 0; k < PH_N; k++)
                runs[(size_t)k * (size_t)repeats + (size_t)r] = ph[k];
        }
        double med[PH_N];
        for (int k = 0; k < PH_N; k++)
            med[k] = bench_median(runs + (size_t)k * (size_t)repeats, repeats);
        double floor_s = bench_median(fl, repeats);
        char title[160];
        snprintf(title, sizeof title, "whole run, %s",
                 mode ? "external matrix" : "crow-fly model");
        if (mode)
            printf("external matrix: %zu rows (from_id,to_id,travel_time) written to %s\n", rows,
                   matrix);
        print_phases(title, med, floor_s);
        if (!maillage)
            continue;
        char *argv[16] = {(char *)maillage, "access", "--bundle", (char *)bundle, "--france",
                          (char *)france, "--allow-missing", "--out", "/dev/null"};
        if (mode) {
            argv[9] = "--matrix";
            argv[10] = matrix;
        }
        /* With a baseline build, both commands in turn, so that the load of
         * the shared machine weighs on both alike. */
        for (int r = 0; r < repeats; r++) {
            if ((cmd[r] = run_command(argv)) < 0) {
                fprintf(stderr, "bench_france: %s access failed\n", maillage);
                goto done;
            }
            if (baseline) {
                argv[0] = (char *)baseline;
                if ((base[r] = run_command(argv)) < 0) {
                    fprintf(stderr, "bench_france: %s access failed\n", baseline);
                    goto done;
                }
                argv[0] = (char *)maillage;
            }
        }
        double c = bench_median(cmd, repeats);
        printf("  the whole command (%s access … --out /dev/null%s), a fresh process: median "
               "%.3f s over %d runs; ratio command / reading %.1fx\n",
               maillage, mode ? " --matrix FILE" : "", c, repeats, c / floor_s);
        /* Warm: the imported communes and EPCI kept in a cache folder by a
         * first run (MG_CACHE_DIR), then read back by the others. */
        char cache[] = "/tmp/bench_france_cache_XXXXXX";
        if (mkdtemp(cache)) {
            setenv("MG_CACHE_DIR", cache, 1);
            double warm = -1;
            if (run_command(argv) >= 0) {
                for (int r = 0; r < repeats; r++)
                    if ((fl[r] = run_command(argv)) < 0)
                        break;
                warm = bench_median(fl, repeats);
            }
            unsetenv("MG_CACHE_DIR");
            char rm[128];
            snprintf(rm, sizeof rm, "rm -rf '%s'", cache);
            if (system(rm) != 0)
                fprintf(stderr, "bench_france: cannot remove %s\n", cache);
            if (warm > 0)
                printf("  warm (MG_CACHE_DIR: communes and EPCI read from the cache a first "
                       "run wrote): median %.3f s; cold / warm %.2fx\n",
                       warm, c / warm);
        }
        if (baseline) {
            double b = bench_median(base, repeats);
            printf("  the same command of the baseline build %s, in turn with it: median %.3f s; "
                   "ratio baseline / this build %.2fx\n",
                   baseline, b, b / c);
        }
    }
    rc = 0;
done:
    if (keep && rename(matrix, keep) == 0)
        printf("external matrix kept as %s\n", keep);
    else
        unlink(matrix);
    free(runs), free(fl), free(cmd), free(base);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_france FRANCE_DIR [REPEATS] [--no-allpairs] [--bundle DIR] "
                        "[--maillage PATH]\n");
        return 2;
    }
    int repeats = argc > 2 && argv[2][0] != '-' ? (int)bench_arg_number("REPEATS", argv[2], 1, 1000) : 5;
    if (repeats < 1 || repeats > 1000)
        repeats = 5;
    int allpairs = 1;
    const char *bundle = NULL, *maillage = NULL, *baseline = NULL, *keep = NULL;
    for (int k = 2; k < argc; k++) {
        if (strcmp(argv[k], "--no-allpairs") == 0)
            allpairs = 0;
        else if (strcmp(argv[k], "--bundle") == 0 && k + 1 < argc)
            bundle = argv[++k];
        else if (strcmp(argv[k], "--maillage") == 0 && k + 1 < argc)
            maillage = argv[++k];
        else if (strcmp(argv[k], "--baseline") == 0 && k + 1 < argc)
            baseline = argv[++k];
        else if (strcmp(argv[k], "--keep-matrix") == 0 && k + 1 < argc)
            keep = argv[++k];
    }
    mg_diag d = {{0}};
    int rc;
    france_inputs fr;
    if (france_inputs_load(argv[1], "bench_france", &fr))
        return 1;
    mg_territory *t = fr.t;
    size_t n = t->n;
    double *demand = fr.demand, *supply = fr.supply;
    double *apl = mg_alloc_array(n, sizeof *apl), *ratio = mg_alloc_array(n, sizeof *ratio);
    printf("France: %zu communes (%zu with a point), imported in %.2f s\n", n, fr.with_point,
           fr.seconds);

    mg_crowfly m = {.detour = MG_CROWFLY_DEFAULT_DETOUR, .speed_kmh = MG_CROWFLY_DEFAULT_SPEED};
    double catchment = 20;
    double *times = malloc((size_t)repeats * sizeof *times);
    mg_pairs p = {0};
    for (int r = 0; r < repeats; r++) {
        mg_pairs_free(&p);
        double s = bench_now();
        if ((rc = mg_pairs_crowfly(t->lat, t->lon, NULL, n, &m, catchment, &p, &d)))
            return die("pairs", rc, &d);
        times[r] = bench_now() - s;
    }
    double grid = bench_median(times, repeats);
    size_t bytes = p.npairs * (sizeof *p.to + sizeof *p.minutes) + (n + 1) * sizeof *p.start;
    printf("pair table (grid index): %zu pairs within %.0f min, median %.3f s over %d runs, "
           "%.1f M pairs/s, %.1f MiB\n",
           p.npairs, catchment, grid, repeats, (double)p.npairs / grid / 1e6,
           (double)bytes / 1048576.0);

    if (allpairs) {
        mg_pairs q;
        double s = bench_now();
        if ((rc = mg_pairs_crowfly_allpairs(t->lat, t->lon, NULL, n, &m, catchment, &q, &d)))
            return die("all pairs", rc, &d);
        double naive = bench_now() - s;
        int same = q.npairs == p.npairs &&
                   memcmp(q.start, p.start, (n + 1) * sizeof *p.start) == 0 &&
                   memcmp(q.to, p.to, p.npairs * sizeof *p.to) == 0;
        printf("pair table (all pairs): %.3f s, %.1f M pairs tested/s; same table: %s\n", naive,
               (double)n * (double)n / naive / 1e6, same ? "yes" : "NO");
        printf("ratio all-pairs / grid: %.1fx\n", naive / grid);
        mg_pairs_free(&q);
    }

    /* One APL pass: weights from times, then the two steps. */
    mg_measure_spec apl_spec;
    if ((rc = mg_measure_lookup("apl", catchment, &apl_spec, &d)))
        return die("measure", rc, &d);
    double *w = mg_alloc_array(p.npairs, sizeof *w);
    int reps = repeats * 4;
    double *full = malloc((size_t)reps * sizeof *full), *kern = malloc((size_t)reps * sizeof *kern),
           *sweep = malloc((size_t)reps * sizeof *sweep), *wts = malloc((size_t)reps * sizeof *wts);
    volatile double sink = 0;
    for (int r = 0; r < reps; r++) {
        double s = bench_now();
        if ((rc = mg_access_compute(&p, supply, demand, &apl_spec, apl, &d)))
            return die("apl", rc, &d);
        full[r] = bench_now() - s;
        s = bench_now();
        mg_access_weights(&p, &apl_spec.decay, w);
        wts[r] = bench_now() - s;
        s = bench_now();
        mg_access_two_step(&p, w, w, supply, demand, ratio, apl);
        kern[r] = bench_now() - s;
        s = bench_now();
        double acc = 0;
        for (size_t k = 0; k < p.npairs; k++)
            acc += w[k] * (double)p.to[k];
        sink += acc;
        sweep[r] = bench_now() - s;
    }
    double tf = bench_median(full, reps), tk = bench_median(kern, reps), ts = bench_median(sweep, reps);
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += apl[i] * demand[i];
        den += demand[i];
    }
    printf("APL pass (weights + two steps): median %.2f ms over %d runs\n", tf * 1e3, reps);
    printf("APL weights alone (into an allocated array): median %.2f ms\n",
           bench_median(wts, reps) * 1e3);
    printf("APL two steps on precomputed weights: median %.2f ms\n", tk * 1e3);
    printf("one sweep of the table (baseline): median %.2f ms\n", ts * 1e3);
    printf("ratio APL pass / sweep: %.1fx; two steps / sweep: %.1fx\n", tf / ts, tk / ts);
    printf("national population-weighted mean APL: %.3f\n", num / den);
    if (bundle && whole_run(argv[1], bundle, maillage, baseline, repeats, &p, t, keep))
        return 1;
    printf("peak memory (RSS): %ld MiB\n", bench_peak_rss_mib());
    (void)sink;
    free(w);
    free(full);
    free(kern);
    free(sweep);
    free(wts);
    free(times);
    mg_pairs_free(&p);
    free(apl);
    free(ratio);
    france_inputs_free(&fr);
    return 0;
}
