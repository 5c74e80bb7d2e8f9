/* maillage calibrate: fits the model's parameters to an official APL, with
 * leave-one-département-out cross-validation (src/calibrate/). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calibrate/calibrate.h"
#include "cli/cli.h"
#include "cli/output_file.h"
#include "core/alloc.h"
#include "io/reader.h"

static void help(void)
{
    printf("Usage: maillage calibrate --bundle DIR --france DIR [OPTIONS]\n"
           "\n"
           "Fits the crow-fly speed and access time, the spread of the APL's steps, the\n"
           "activity exponent and the GPs counted per health centre to the official APL\n"
           "of the bundle (e.g. the national DREES file), maximising the mean over\n"
           "départements of the Spearman correlation within each département; then\n"
           "refits without each département in turn and scores it on the fit that did\n"
           "not see it (leave-one-département-out cross-validation). Writes the\n"
           "parameters (--out) for --params, and the figures per département (--report).\n"
           "The search starts from the model the options give (the defaults, --params\n"
           "or --uncalibrated). Communes without an official value are left out.\n"
           "\n%s"
           "Calibration:\n"
           "  --out FILE            the fitted parameters (default: standard output)\n"
           "  --report FILE         CSV, one row per département: in-sample and\n"
           "                        cross-validated Spearman, Pearson and confusion\n"
           "  --departements LIST   compare only these départements (e.g. 11,34,66)\n"
           "  --exclude LIST        leave these départements out of the comparison\n"
           "  --no-cv               skip the cross-validation\n"
           "  --fixed LIST          keep these parameters at their start value: speed,\n"
           "                        access, spread, activity, centres\n"
           "  --threads N           evaluations in parallel (default 2)\n"
           "  --min-communes N      a département counts with N communes or more (10)\n"
           "  --flags-weight W      add W x the share of communes on the same side of the\n"
           "                        threshold as the official value to the objective\n"
           "                        (default 0: ranks only; docs/methodology.md)\n"
           "  -h, --help            this help\n",
           cli_common_help);
}

/* Whether `code` is an item of the comma-separated `list`. */
static bool listed(const char *list, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && memcmp(p, code, n) == 0)
            return true;
        p += k + (p[k] == ',');
    }
    return false;
}

static const char *const PARAM_NAMES[MG_CALIB_NPARAM] = {"speed", "access", "spread", "activity",
                                                         "centres"};

static int parse_fixed(const char *list, mg_calib_box *box, const double x[MG_CALIB_NPARAM],
                       const char *cmd)
{
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        int hit = -1;
        for (int q = 0; q < MG_CALIB_NPARAM; q++)
            if (strlen(PARAM_NAMES[q]) == k && memcmp(PARAM_NAMES[q], p, k) == 0)
                hit = q;
        if (hit < 0) {
            cli_error(cmd, "--fixed: \"%.*s\": expected speed, access, spread, activity or centres",
                      (int)k, p);
            return -1;
        }
        box->lo[hit] = box->hi[hit] = x[hit];
        p += k + (p[k] == ',');
    }
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_model(FILE *f, const char *label, const mg_model *m, double obj)
{
    fprintf(f,
            "%s: speed %.2f km/h (detour %.2f), access %.2f min, spread %.3f, activity exponent "
            "%.3f, %.2f practitioners per health centre; objective %.4f\n",
            label, m->crowfly.speed_kmh, m->crowfly.detour, m->crowfly.access_min, m->time_spread,
            m->activity_exponent, m->centre_heads, obj);
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.4f", v);
    else
        fputs(",", f);
}

static void csv_score(FILE *f, const mg_calib_score *s)
{
    csv_num(f, s->spearman);
    csv_num(f, s->pearson);
    fprintf(f, ",%zu,%zu,%zu,%zu", s->both_below, s->only_ours, s->only_official, s->both_above);
}

static int write_report(const char *path, const mg_calib_data *cd, const mg_calib_score *in,
                        const mg_calib_score *start, const mg_calib_score *cv, const char *cmd)
{
    cli_out out;
    if (cli_out_open(&out, path, cmd))
        return -1;
    FILE *f = out.f;
    fputs("departement,communes,start_spearman,start_pearson,start_below_both,"
          "start_below_ours_only,start_below_official_only,start_above_both,"
          "spearman,pearson,below_both,below_ours_only,below_official_only,above_both",
          f);
    if (cv)
        fputs(",cv_spearman,cv_pearson,cv_below_both,cv_below_ours_only,"
              "cv_below_official_only,cv_above_both",
              f);
    fputc('\n', f);
    for (size_t g = 0; g < mg_calib_groups(cd); g++) {
        fprintf(f, "%s,%zu", mg_calib_group_code(cd, g), in[g].communes);
        csv_score(f, &start[g]);
        csv_score(f, &in[g]);
        if (cv)
            csv_score(f, &cv[g]);
        fputc('\n', f);
    }
    return cli_out_close(&out, !ferror(f), cmd) ? -1 : 0;
}

static double mean_spearman(const mg_calib_score *s, size_t n)
{
    double sum = 0;
    size_t k = 0;
    for (size_t g = 0; g < n; g++)
        if (isfinite(s[g].spearman)) {
            sum += s[g].spearman;
            k++;
        }
    return k ? sum / (double)k : NAN;
}

int mg_cmd_calibrate(int argc, char **argv)
{
    enum {
        OPT_OUT = OPT_COMMON_END, OPT_REPORT, OPT_DEPS, OPT_EXCLUDE, OPT_NO_CV, OPT_FIXED,
        OPT_THREADS, OPT_MIN_COMMUNES, OPT_FLAGS_WEIGHT
    };
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"out", required_argument, NULL, OPT_OUT},
        {"report", required_argument, NULL, OPT_REPORT},
        {"departements", required_argument, NULL, OPT_DEPS},
        {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"no-cv", no_argument, NULL, OPT_NO_CV},
        {"fixed", required_argument, NULL, OPT_FIXED},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"min-communes", required_argument, NULL, OPT_MIN_COMMUNES},
        {"flags-weight", required_argument, NULL, OPT_FLAGS_WEIGHT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "calibrate";
    cli_common c;
    cli_common_init(&c);
    const char *out_path = NULL, *report = NULL, *deps = NULL, *exclude = NULL, *fixed = NULL;
    bool cv = true;
    double threads = 2, min_communes = 10, flags_weight = 0;
    int opt;
    optind = 1;
    while ((opt = cli_getopt(&c, argc, argv, longopts, cmd)) > 0) {
        switch (opt) {
        case 'h': help(); return MG_EXIT_OK;
        case OPT_OUT: out_path = optarg; break;
        case OPT_REPORT: report = optarg; break;
        case OPT_DEPS: deps = optarg; break;
        case OPT_EXCLUDE: exclude = optarg; break;
        case OPT_NO_CV: cv = false; break;
        case OPT_FIXED: fixed = optarg; break;
        case OPT_THREADS:
            if (cli_number(cmd, "threads", optarg, 1, 64, &threads))
                return MG_EXIT_USAGE;
            break;
        case OPT_FLAGS_WEIGHT:
            if (cli_number(cmd, "flags-weight", optarg, 0, 10, &flags_weight))
                return MG_EXIT_USAGE;
            break;
        case OPT_MIN_COMMUNES:
            if (cli_number(cmd, "min-communes", optarg, 3, 1e6, &min_communes))
                return MG_EXIT_USAGE;
            break;
        default:
            cli_error(cmd, "try --help");
            return MG_EXIT_USAGE;
        }
    }
    if (opt < 0 || cli_common_finish(&c, cmd))
        return MG_EXIT_USAGE;
    if (c.opts.matrix || c.opts.graph || c.opts.osm) {
        cli_error(cmd, "the calibration fits the crow-fly model: --matrix, --graph and --osm do not apply");
        return MG_EXIT_USAGE;
    }
    if (c.opts.steps) {
        cli_error(cmd, "the calibration keeps the DREES step profile: --steps does not apply");
        return MG_EXIT_USAGE;
    }
    mg_model start = mg_diagnosis_model(&c.opts);
    mg_calib_box box = mg_calib_box_default();
    double x0[MG_CALIB_NPARAM];
    mg_calib_vector(&start, x0);
    if (fixed && parse_fixed(fixed, &box, x0, cmd))
        return MG_EXIT_USAGE;

    /* The inputs as the diagnosis reads them; communes without an official
     * value are simply not compared. */
    c.opts.allow_missing = true;
    double t0 = now();
    mg_diagnosis *g = NULL;
    int ex = cli_load(&c, &g);
    if (ex)
        return ex;
    const mg_territory *t = g->t;
    size_t n = t->n;
    double *centres = mg_alloc_array(n ? n : 1, sizeof *centres);
    char(*group)[4] = mg_alloc_array(n ? n : 1, sizeof *group);
    double *official = mg_alloc_array(n ? n : 1, sizeof *official);
    char *bpe = NULL;
    mg_calib_data *cd = NULL;
    mg_calib_score *s_start = NULL, *s_fit = NULL, *s_cv = NULL;
    mg_diag d = {{0}};
    int rc = MG_ENOMEM;
    if (!centres || !group || !official)
        goto done;
    bool gp = strcmp(g->prof->key, "mg") == 0;
    if (gp) {
        double unmapped = 0;
        mg_report rep = {0};
        if (mg_find_data_file(&bpe, c.opts.france, "bpe19_ensemble.csv", &d) != MG_OK) {
            mg_diag_clear(&d);
            rc = mg_find_data_file(&bpe, c.opts.france, "bpe19_ensemble_sante.csv", &d);
        } else {
            rc = MG_OK;
        }
        if (rc == MG_OK)
            rc = mg_import_bpe(t, bpe, "D108", centres, &unmapped, &rep, &d);
        mg_report_free(&rep);
        if (rc)
            goto done;
    } else {
        box.lo[MG_CALIB_CENTRES] = box.hi[MG_CALIB_CENTRES] = 0;
    }
    size_t compared = 0;
    for (size_t i = 0; i < n; i++) {
        bool keep = t->in_study[i] && isfinite(g->official[i]) && (!deps || listed(deps, t->dep[i])) &&
                    !(exclude && listed(exclude, t->dep[i]));
        if (keep)
            memcpy(group[i], t->dep[i], sizeof group[i]);
        else
            group[i][0] = '\0';
        official[i] = keep ? g->official[i] : NAN;
        compared += keep;
    }
    /* The supply per head as the diagnosis derives it before centres. */
    double per_head = c.opts.supply_per_head > 0 ? c.opts.supply_per_head : g->prof->supply_per_head;
    mg_calib_input in = {
        .n = n, .lat = t->lat, .lon = t->lon, .demand = g->demand, .heads = g->heads,
        .centres = gp ? centres : NULL, .official = official, .group = (const char(*)[4])group,
        .per_head = per_head, .scale = g->prof->scale, .threshold = g->prof->threshold,
        .steps = g->apl_spec.decay, .detour = start.crowfly.detour,
        .min_group = (size_t)min_communes, .flags_weight = flags_weight,
    };
    if (in.steps.spread > 0) {
        in.steps.spread = 0;
        in.steps.catchment = in.steps.upper[in.steps.nsteps - 1];
    }
    if ((rc = mg_calib_data_new(&cd, &in, &box, &d)))
        goto done;
    size_t ng = mg_calib_groups(cd);
    s_start = mg_alloc_array(ng, sizeof *s_start);
    s_fit = mg_alloc_array(ng, sizeof *s_fit);
    s_cv = cv ? mg_alloc_array(ng, sizeof *s_cv) : NULL;
    rc = MG_ENOMEM;
    if (!s_start || !s_fit || (cv && !s_cv))
        goto done;
    double t1 = now();
    if (!c.quiet)
        fprintf(stderr,
                "maillage calibrate: %zu communes compared in %zu départements; %zu pairs within "
                "reach of the search box; inputs read in %.1f s\n",
                compared, ng, mg_calib_pairs(cd), t1 - t0);
    double obj0, obj;
    if ((rc = mg_calib_evaluate(cd, &start, NULL, s_start, &obj0, &d)))
        goto done;
    mg_model best;
    size_t evals = 0;
    if ((rc = mg_calib_fit(cd, &box, &start, NULL, (unsigned)threads, &best, &obj, &evals, &d)))
        goto done;
    if ((rc = mg_calib_evaluate(cd, &best, NULL, s_fit, &obj, &d)) ||
        (rc = mg_calib_resolve(cd, &best, &d)))
        goto done;
    double t2 = now();
    if (!c.quiet) {
        print_model(stderr, "start", &start, obj0);
        print_model(stderr, "fit", &best, obj);
        fprintf(stderr, "fit: %zu evaluations in %.1f s\n", evals, t2 - t1);
    }
    if (cv) {
        size_t cv_evals = 0;
        if ((rc = mg_calib_cross_validate(cd, &box, &best, (unsigned)threads, s_cv, NULL,
                                          &cv_evals, &d)))
            goto done;
        if (!c.quiet)
            fprintf(stderr,
                    "cross-validation: %zu folds, %zu evaluations in %.1f s; mean Spearman of "
                    "each département on the fit without it %.4f (in-sample %.4f, start %.4f)\n",
                    ng, cv_evals, now() - t2, mean_spearman(s_cv, ng), mean_spearman(s_fit, ng),
                    mean_spearman(s_start, ng));
    }
    if (report && write_report(report, cd, s_fit, s_start, s_cv, cmd)) {
        rc = MG_EIO;
        goto done;
    }
    {
        cli_out out;
        if (cli_out_open(&out, out_path, cmd)) {
            rc = MG_EIO;
            goto done;
        }
        char comment[512];
        snprintf(comment, sizeof comment,
                 "maillage calibrate, profession %s: %zu communes in %zu départements;\n"
                 "objective %.4f (start %.4f; mean Spearman over départements %.4f, start %.4f)%s",
                 g->prof->key, compared, ng, obj, obj0, mean_spearman(s_fit, ng),
                 mean_spearman(s_start, ng),
                 cv ? "; cross-validated figures in the report" : "");
        int wr = mg_model_write(out.f, &best, comment);
        if (cli_out_close(&out, wr == MG_OK, cmd)) {
            rc = MG_EIO;
            goto done;
        }
    }
    rc = MG_OK;
done:
    if (rc && rc != MG_EIO)
        fprintf(stderr, "maillage: %s\n", d.msg[0] ? d.msg : mg_strerror(rc));
    free(centres);
    free(group);
    free(official);
    free(bpe);
    free(s_start);
    free(s_fit);
    free(s_cv);
    mg_calib_data_free(cd);
    mg_diagnosis_free(g);
    return rc ? cli_exit_for(rc) : MG_EXIT_OK;
}
