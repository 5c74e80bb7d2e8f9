/*
 * maillage access --zones: the accessibility measures on any zones (IRIS,
 * 200 m squares, an IPEA land-use table) with a travel-time matrix between
 * them, and their figures. Supply and demand are used as given.
 *
 * In three steps like the commune mode: parse (the command line into a
 * zones_opts), compute (read, measures, figures into a zones_run) and output
 * (the table and the figures, each written atomically once everything is
 * computed, so that bad input leaves no file behind).
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/zones.h"
#include "cli/cli.h"
#include "cli/output_file.h"
#include "core/alloc.h"
#include "diagnosis/zones_summary.h"
#include "output/table.h"

static const char cmd[] = "access";

static void help(void)
{
    printf("Usage: maillage access --zones FILE --supply COLUMN --demand COLUMN --matrix FILE\n"
           "                      [OPTIONS]\n"
           "\n"
           "Computes accessibility measures for any zones (IRIS, 200 m squares, IPEA's\n"
           "land-use layout id,population,jobs,…) from a travel-time matrix between them,\n"
           "with supply and demand used as given, and writes one row per zone.\n"
           "\n"
           "  --zones FILE          zones, ,-separated CSV with a header\n"
           "  --id COLUMN           the zone id column (default id)\n"
           "  --supply COLUMN       supply of each zone (opportunities: GPs, jobs, …)\n"
           "  --demand COLUMN       demand of each zone (population)\n"
           "  --matrix FILE         travel times between zone ids: from,to,minutes, or\n"
           "                        from_id,to_id,travel_time (IPEA's accessibility, r5r)\n"
           "                        or idSrc,idDst,duree (INSEE Metric)\n"
           "  --measure LIST        columns, comma-separated, among:\n"
           "                        %s (default: all)\n"
           "  --catchment MIN       pairs kept up to MIN minutes, inclusive (20)\n"
           "  --steps SPEC          e2sfca and bfca step profile (10:1,15:0.66,20:0.33)\n"
           "  --beta B              gravity's decay e^(-B t), per minute (0.1)\n"
           "  --format F            csv (default) or json\n"
           "  --out FILE            output file (default: standard output)\n"
           "  --summary FILE        figures of each measure as JSON: weighted mean, Gini,\n"
           "                        Theil T, FGT\n"
           "  --weight COLUMN       weight of the figures (default: the demand column)\n"
           "  --group COLUMN        Theil T split between and within these groups\n"
           "  --poverty-line X      FGT 0, 1, 2 below X\n"
           "  -q, --quiet           nothing on stderr but errors\n"
           "  -h, --help            this help\n",
           mg_zones_measure_names());
}

/* ---- Parse ---------------------------------------------------------------- */

typedef struct zones_opts {
    const char *zones, *matrix, *out_path, *summary_path, *measures, *steps;
    mg_zones_columns cols;
    double catchment, poverty_line, beta;
    enum mg_format fmt;
    enum mg_zones_measure measure[MG_ZONES_NMEASURES];
    size_t nmeasures;
    bool quiet, help;
} zones_opts;

enum {
    OPT_Z_ZONES = 300, OPT_Z_ID, OPT_Z_SUPPLY, OPT_Z_DEMAND, OPT_Z_MATRIX, OPT_Z_MEASURE,
    OPT_Z_CATCHMENT, OPT_Z_STEPS, OPT_Z_FORMAT, OPT_Z_OUT, OPT_Z_SUMMARY, OPT_Z_WEIGHT,
    OPT_Z_GROUP, OPT_Z_POVERTY, OPT_Z_BETA, OPT_Z_COMMUNE_ONLY
};

/* The --measure list into o->measure, each name once; -1 after a usage
 * error. */
static int parse_measures(zones_opts *o)
{
    if (!o->measures) {
        for (int m = 0; m < MG_ZONES_NMEASURES; m++)
            o->measure[o->nmeasures++] = (enum mg_zones_measure)m;
        return 0;
    }
    for (const char *p = o->measures; *p;) {
        size_t len = strcspn(p, ",");
        char name[32];
        mg_diag d = {{0}};
        enum mg_zones_measure m;
        if (len == 0 || len >= sizeof name) {
            cli_error(cmd, "--measure %s: expected a comma-separated list of: %s", o->measures,
                      mg_zones_measure_names());
            return -1;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        if (mg_zones_measure_lookup(name, &m, &d)) {
            cli_error(cmd, "--measure: %s", d.msg);
            return -1;
        }
        for (size_t k = 0; k < o->nmeasures; k++)
            if (o->measure[k] == m) {
                cli_error(cmd, "--measure: %s is listed twice", name);
                return -1;
            }
        o->measure[o->nmeasures++] = m;
        p += len + (p[len] == ',');
    }
    if (o->nmeasures == 0) {
        cli_error(cmd, "--measure: expected at least one of %s", mg_zones_measure_names());
        return -1;
    }
    return 0;
}

static int zones_parse(zones_opts *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"zones", required_argument, NULL, OPT_Z_ZONES},
        {"id", required_argument, NULL, OPT_Z_ID},
        {"supply", required_argument, NULL, OPT_Z_SUPPLY},
        {"demand", required_argument, NULL, OPT_Z_DEMAND},
        {"matrix", required_argument, NULL, OPT_Z_MATRIX},
        {"measure", required_argument, NULL, OPT_Z_MEASURE},
        {"catchment", required_argument, NULL, OPT_Z_CATCHMENT},
        {"steps", required_argument, NULL, OPT_Z_STEPS},
        {"format", required_argument, NULL, OPT_Z_FORMAT},
        {"out", required_argument, NULL, OPT_Z_OUT},
        {"summary", required_argument, NULL, OPT_Z_SUMMARY},
        {"weight", required_argument, NULL, OPT_Z_WEIGHT},
        {"group", required_argument, NULL, OPT_Z_GROUP},
        {"poverty-line", required_argument, NULL, OPT_Z_POVERTY},
        {"beta", required_argument, NULL, OPT_Z_BETA},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        /* The commune mode's inputs and settings, refused by name. */
        {"bundle", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"france", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"profession", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"graph", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"osm", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"points", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"no-neighbours", no_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"detour", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"speed", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"official-age", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"supply-per-head", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"threshold", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"progress", no_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"params", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"uncalibrated", no_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"access-time", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"time-spread", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"activity-exponent", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"centre-practitioners", required_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {"allow-missing", no_argument, NULL, OPT_Z_COMMUNE_ONLY},
        {NULL, 0, NULL, 0},
    };
    *o = (zones_opts){.cols = {.id = "id"}, .catchment = 20, .poverty_line = NAN,
                      .beta = mg_zones_method_default().beta, .fmt = MG_FORMAT_CSV};
    int opt, li = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", longopts, &li)) != -1) {
        switch (opt) {
        case OPT_Z_ZONES: o->zones = optarg; break;
        case OPT_Z_ID: o->cols.id = optarg; break;
        case OPT_Z_SUPPLY: o->cols.supply = optarg; break;
        case OPT_Z_DEMAND: o->cols.demand = optarg; break;
        case OPT_Z_MATRIX: o->matrix = optarg; break;
        case OPT_Z_MEASURE: o->measures = optarg; break;
        case OPT_Z_STEPS: o->steps = optarg; break;
        case OPT_Z_OUT: o->out_path = optarg; break;
        case OPT_Z_SUMMARY: o->summary_path = optarg; break;
        case OPT_Z_WEIGHT: o->cols.weight = optarg; break;
        case OPT_Z_GROUP: o->cols.group = optarg; break;
        case OPT_Z_CATCHMENT:
            if (cli_number(cmd, "catchment", optarg, 1, 600, &o->catchment))
                return MG_EXIT_USAGE;
            break;
        case OPT_Z_BETA:
            if (cli_number(cmd, "beta", optarg, 0, 9.999, &o->beta))
                return MG_EXIT_USAGE;
            break;
        case OPT_Z_POVERTY:
            if (cli_number(cmd, "poverty-line", optarg, 0, 1e300, &o->poverty_line))
                return MG_EXIT_USAGE;
            if (!(o->poverty_line > 0)) {
                cli_error(cmd, "--poverty-line %s: expected a number above 0", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case OPT_Z_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                o->fmt = MG_FORMAT_CSV;
            else if (strcmp(optarg, "json") == 0)
                o->fmt = MG_FORMAT_JSON;
            else {
                cli_error(cmd, "--format %s: expected csv or json with --zones", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case 'q': o->quiet = true; break;
        case 'h':
            help();
            o->help = true;
            return MG_EXIT_OK;
        case OPT_Z_COMMUNE_ONLY:
            cli_error(cmd, "--%s belongs to the commune mode: it does not apply with --zones",
                      longopts[li].name);
            return MG_EXIT_USAGE;
        default: cli_error(cmd, "try --help"); return MG_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error(cmd, "unexpected argument \"%s\" (try --help)", argv[optind]);
        return MG_EXIT_USAGE;
    }
    if (!o->zones || !o->matrix || !o->cols.supply || !o->cols.demand) {
        cli_error(cmd, "--zones FILE, --supply COLUMN, --demand COLUMN and --matrix FILE are "
                       "required with --zones (try --help)");
        return MG_EXIT_USAGE;
    }
    return parse_measures(o) ? MG_EXIT_USAGE : MG_EXIT_OK;
}

/* ---- Compute --------------------------------------------------------------- */

typedef struct zones_run {
    mg_zones z;
    mg_pairs p;
    mg_zones_method meth;
    double *vals[MG_ZONES_NMEASURES]; /* in the order of o->measure */
    mg_zones_figures fig[MG_ZONES_NMEASURES];
    mg_diag d;
} zones_run;

static void zones_run_free(zones_run *r)
{
    for (size_t k = 0; k < MG_ZONES_NMEASURES; k++)
        free(r->vals[k]);
    mg_pairs_free(&r->p);
    mg_zones_free(&r->z);
}

static int zones_compute(const zones_opts *o, zones_run *r)
{
    r->meth = mg_zones_method_default();
    r->meth.beta = o->beta;
    int rc = MG_OK;
    if (o->steps && (rc = mg_decay_parse_steps(o->steps, &r->meth.steps, &r->d))) {
        cli_error(cmd, "--steps: %s", r->d.msg);
        return MG_EXIT_USAGE;
    }
    if (r->meth.steps.catchment > o->catchment) {
        cli_error(cmd, "the step profile reaches %g minutes, beyond the catchment of %g minutes",
                  r->meth.steps.catchment, o->catchment);
        return MG_EXIT_USAGE;
    }
    if ((rc = mg_zones_read(&r->z, o->zones, &o->cols, &r->d)) ||
        (rc = mg_zones_read_matrix(&r->z, o->matrix, o->catchment, &r->p, &r->d))) {
        cli_error(cmd, "%s", r->d.msg[0] ? r->d.msg : mg_strerror(rc));
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    const double *w = r->z.weight ? r->z.weight : r->z.demand;
    for (size_t k = 0; k < o->nmeasures && rc == MG_OK; k++) {
        r->vals[k] = mg_alloc_array(r->z.n, sizeof *r->vals[k]);
        if (!r->vals[k]) {
            rc = mg_diag_set(&r->d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        rc = mg_zones_compute(&r->p, r->z.supply, r->z.demand, o->measure[k], &r->meth,
                              r->vals[k], &r->d);
        /* FGT counts those below a line: for a time to the nearest, where
         * less is better, it would count the best served. */
        double line = o->measure[k] == MG_ZONES_NEAREST ? NAN : o->poverty_line;
        if (rc == MG_OK && o->summary_path)
            rc = mg_zones_figures_compute(r->vals[k], w, r->z.n, r->z.group, r->z.ngroups, line,
                                          &r->fig[k], &r->d);
    }
    if (rc) {
        cli_error(cmd, "%s", r->d.msg[0] ? r->d.msg : mg_strerror(rc));
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    return MG_EXIT_OK;
}

/* ---- Output -------------------------------------------------------------- */

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int write_csv(FILE *f, const zones_opts *o, const zones_run *r)
{
    fputs("id", f);
    for (size_t k = 0; k < o->nmeasures; k++)
        fprintf(f, ",%s", mg_zones_measure_name(o->measure[k]));
    fputc('\n', f);
    for (size_t i = 0; i < r->z.n; i++) {
        mg_output_csv_text(f, r->z.id[i]);
        for (size_t k = 0; k < o->nmeasures; k++) {
            double v = r->vals[k][i];
            if (isfinite(v))
                fprintf(f, ",%.12g", v);
            else
                fputc(',', f);
        }
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

static int write_json(FILE *f, const zones_opts *o, const zones_run *r)
{
    json_t *rows = json_array(), *doc = json_object();
    int bad = !rows || !doc;
    for (size_t i = 0; i < r->z.n && !bad; i++) {
        json_t *row = json_object();
        bad |= !row || json_object_set_new(row, "id", json_string(r->z.id[i]));
        for (size_t k = 0; k < o->nmeasures && !bad; k++)
            bad |= json_object_set_new(row, mg_zones_measure_name(o->measure[k]),
                                       num_or_null(r->vals[k][i]));
        bad |= json_array_append_new(rows, row);
    }
    bad = bad || json_object_set_new(doc, "catchment_minutes", json_real(o->catchment)) ||
          json_object_set(doc, "zones", rows);
    if (!bad)
        bad = json_dumpf(doc, f, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) != 0;
    json_decref(rows);
    json_decref(doc);
    return bad || ferror(f) ? -1 : 0;
}

static json_t *summary_json(const zones_opts *o, const zones_run *r)
{
    json_t *doc = json_object(), *ms = json_object(), *groups = json_array();
    int bad = !doc || !ms || !groups;
    for (size_t g = 0; g < r->z.ngroups && !bad; g++)
        bad |= json_array_append_new(groups, json_string(r->z.group_name[g]));
    for (size_t k = 0; k < o->nmeasures && !bad; k++) {
        const mg_zones_figures *f = &r->fig[k];
        json_t *m = json_object();
        bad |= !m || json_object_set_new(ms, mg_zones_measure_name(o->measure[k]), m);
        if (bad)
            break;
        bad |= json_object_set_new(m, "zones_counted", json_integer((json_int_t)f->counted)) ||
               json_object_set_new(m, "weight", json_real(f->weight)) ||
               json_object_set_new(m, "mean", num_or_null(f->mean)) ||
               json_object_set_new(m, "gini", num_or_null(f->gini)) ||
               json_object_set_new(m, "theil", num_or_null(f->theil)) ||
               json_object_set_new(m, "theil_between", num_or_null(f->theil_between)) ||
               json_object_set_new(m, "theil_within", num_or_null(f->theil_within)) ||
               json_object_set_new(m, "fgt0", num_or_null(f->fgt[0])) ||
               json_object_set_new(m, "fgt1", num_or_null(f->fgt[1])) ||
               json_object_set_new(m, "fgt2", num_or_null(f->fgt[2]));
    }
    const char *wname = o->cols.weight ? o->cols.weight : o->cols.demand;
    bad = bad || json_object_set_new(doc, "zones", json_integer((json_int_t)r->z.n)) ||
          json_object_set_new(doc, "weight_column", json_string(wname)) ||
          json_object_set_new(doc, "catchment_minutes", json_real(o->catchment)) ||
          json_object_set_new(doc, "poverty_line", num_or_null(o->poverty_line)) ||
          json_object_set_new(doc, "group_column",
                              o->cols.group ? json_string(o->cols.group) : json_null()) ||
          json_object_set(doc, "groups", groups) || json_object_set(doc, "measures", ms);
    json_decref(ms);
    json_decref(groups);
    if (bad) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* Both files are written to their temporary names before either is renamed
 * into place. */
static int zones_output(const zones_opts *o, const zones_run *r)
{
    cli_out out = {0}, sum = {0};
    if (cli_out_open(&out, o->out_path, cmd))
        return MG_EXIT_OUTPUT;
    if (o->summary_path && cli_out_open(&sum, o->summary_path, cmd)) {
        cli_out_close(&out, 0, cmd);
        return MG_EXIT_OUTPUT;
    }
    int wr = o->fmt == MG_FORMAT_JSON ? write_json(out.f, o, r) : write_csv(out.f, o, r);
    if (wr == 0 && o->summary_path) {
        json_t *j = summary_json(o, r);
        wr = j ? json_dumpf(j, sum.f, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) : -1;
        json_decref(j);
    }
    int ex = MG_EXIT_OK;
    if (cli_out_close(&out, wr == 0, cmd) || wr)
        ex = MG_EXIT_OUTPUT;
    if (o->summary_path && (cli_out_close(&sum, ex == MG_EXIT_OK, cmd) || wr))
        ex = MG_EXIT_OUTPUT;
    if (wr)
        cli_error(cmd, "cannot write the output");
    return ex;
}

static void print_figures(const zones_opts *o, const zones_run *r)
{
    fprintf(stderr, "%zu zones, %zu pairs within %g minutes\n", r->z.n, r->p.npairs,
            o->catchment);
    if (!o->summary_path)
        return;
    for (size_t k = 0; k < o->nmeasures; k++) {
        const mg_zones_figures *f = &r->fig[k];
        fprintf(stderr, "%s: mean %.6g, Gini %.4f, Theil %.4f", mg_zones_measure_name(o->measure[k]),
                f->mean, f->gini, f->theil);
        if (r->z.group)
            fprintf(stderr, " (between %.4f, within %.4f)", f->theil_between, f->theil_within);
        if (isfinite(f->fgt[0]))
            fprintf(stderr, ", FGT0 %.4f FGT1 %.4f FGT2 %.4f", f->fgt[0], f->fgt[1], f->fgt[2]);
        fputc('\n', stderr);
    }
}

int mg_cmd_access_zones(int argc, char **argv)
{
    zones_opts o;
    int ex = zones_parse(&o, argc, argv);
    if (ex || o.help)
        return ex;
    zones_run r = {0};
    ex = zones_compute(&o, &r);
    if (!ex)
        ex = zones_output(&o, &r);
    if (!ex && !o.quiet)
        print_figures(&o, &r);
    zones_run_free(&r);
    return ex;
}
