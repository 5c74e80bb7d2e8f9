/*
 * maillage access: the accessibility table of a territory.
 *
 * In three steps: parse (the command line into an access_opts, the measure
 * names checked before the long part), compute (load, the extra measures,
 * the key figures into an access_run) and output (the table, the key
 * figures as JSON, the figures on stderr).
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output_file.h"
#include "core/alloc.h"
#include "core/limits.h"
#include "diagnosis/summary.h"
#include "output/table.h"
#include "output/workbook.h"

#define MAX_MEASURES 16

static const char cmd[] = "access";

static void help(void)
{
    printf("Usage: maillage access --bundle DIR --france DIR [OPTIONS]\n"
           "\n"
           "Computes the DREES APL (E2SFCA) of one profession for every current commune\n"
           "of the bundle's territory, with the official value beside it, and writes\n"
           "the table; prints key figures on stderr.\n"
           "\n%s"
           "  --measure LIST        extra columns, comma-separated, among:\n"
           "                        %s\n"
           "  --threshold X         under-served below X (GP default 2.5)\n"
           "  --format F            csv (default), csv-fr (for a French spreadsheet:\n"
           "                        ';', decimal comma, BOM, French headers), json or\n"
           "                        geojson\n"
           "  --out FILE            output file (default: standard output)\n"
           "  --summary FILE        also write the key figures as JSON\n"
           "  --workbook FILE       also write an XLSX workbook: communes, EPCI, key\n"
           "                        figures, sources and method\n"
           "  --scope SCOPE         the table and figures for epci:SIREN (the communes\n"
           "                        of one EPCI) or communes:FILE (codes, one per line);\n"
           "                        values computed with every neighbour\n"
           "  -h, --help            this help\n"
           "\n"
           "With --zones FILE: the measures on any zones and a matrix between them\n"
           "(maillage access --zones FILE --help).\n",
           cli_common_help, mg_measure_names());
}

/* ---- Parse: the command line into an access_opts ----------------------- */

/* The command line, read. */
typedef struct access_opts {
    cli_common c;
    enum mg_format fmt;
    bool french; /* --format csv-fr: the CSV for a French spreadsheet */
    const char *workbook_path; /* --workbook: the XLSX workbook (output/workbook.h) */
    const char *out_path, *summary_path, *measures, *scope;
    double threshold;
    bool threshold_set;
    char names[MAX_MEASURES][32]; /* of --measure, checked */
    size_t nmeasures;
    bool help; /* --help was given and answered */
} access_opts;

/* One option of access's own (the common ones and --help aside); -1 after a
 * usage error. */
static int access_option(access_opts *o, int opt, const char *arg)
{
    switch (opt) {
    case 'm': o->measures = arg; return 0;
    case 'o': o->out_path = arg; return 0;
    case 's': o->summary_path = arg; return 0;
    case 'W': o->workbook_path = arg; return 0;
    case 'S': o->scope = arg; return 0;
    case 'f':
        o->french = strcmp(arg, "csv-fr") == 0;
        if (o->french) {
            o->fmt = MG_FORMAT_CSV;
            return 0;
        }
        if (mg_format_parse(arg, &o->fmt)) {
            cli_error(cmd, "--format %s: expected csv, csv-fr, json or geojson", arg);
            return -1;
        }
        return 0;
    case 't':
        if (cli_number(cmd, "threshold", arg, 0, 1e9, &o->threshold))
            return -1;
        o->threshold_set = true;
        return 0;
    default: cli_error(cmd, "try --help"); return -1;
    }
}

/* The names of --measure into o->names, each one known for the catchment
 * of o; -1 after a usage error. */
static int parse_measures(access_opts *o)
{
    for (const char *p = o->measures; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof o->names[0] || o->nmeasures == MAX_MEASURES) {
            cli_error(cmd, "--measure %s: expected a comma-separated list of: %s", o->measures,
                      mg_measure_names());
            return -1;
        }
        char *name = o->names[o->nmeasures];
        memcpy(name, p, len);
        name[len] = '\0';
        mg_measure_spec probe;
        mg_diag d = {{0}};
        if (mg_measure_lookup(name, o->c.opts.catchment, &probe, &d)) {
            cli_error(cmd, "--measure: %s", d.msg);
            return -1;
        }
        o->nmeasures++;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* Reads the command line into *o; returns an exit code, MG_EXIT_OK with
 * o->help set when --help was answered. */
static int access_parse(access_opts *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"measure", required_argument, NULL, 'm'},
        {"threshold", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"summary", required_argument, NULL, 's'},
        {"workbook", required_argument, NULL, 'W'},
        {"scope", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (access_opts){.fmt = MG_FORMAT_CSV, .threshold = NAN};
    cli_common_init(&o->c);
    int opt;
    optind = 1;
    while ((opt = cli_getopt(&o->c, argc, argv, longopts, cmd)) > 0) {
        if (opt == 'h') {
            help();
            o->help = true;
            return MG_EXIT_OK;
        }
        if (access_option(o, opt, optarg))
            return MG_EXIT_USAGE;
    }
    /* Check the measure names before the long part. */
    if (opt < 0 || cli_common_finish(&o->c, cmd) || parse_measures(o))
        return MG_EXIT_USAGE;
    return MG_EXIT_OK;
}

/* ---- Compute: load, the extra measures, the key figures ---------------- */

/* What a run computed; access_run_free releases all of it. */
typedef struct access_run {
    mg_diagnosis *g;
    mg_column cols[MAX_MEASURES];
    double *vals[MAX_MEASURES]; /* NULL past the measures computed */
    mg_summary s;
    mg_diag d; /* the message of the step that failed */
} access_run;

static void access_run_free(access_run *r)
{
    for (size_t k = 0; k < MAX_MEASURES; k++)
        free(r->vals[k]);
    mg_summary_free(&r->s);
    mg_diagnosis_free(r->g);
}

/* Everything access computes, into *r (freed by the caller). Exit code. */
static int access_compute(access_opts *o, access_run *r)
{
    int ex = cli_load(&o->c, &r->g);
    if (ex)
        return ex;
    if (o->scope && (ex = cli_scope(r->g, o->scope, cmd)))
        return ex;
    if (!o->threshold_set)
        o->threshold = r->g->prof->threshold;
    int rc = MG_OK;
    for (size_t k = 0; k < o->nmeasures && rc == MG_OK; k++) {
        r->vals[k] = mg_alloc_array(r->g->t->n, sizeof *r->vals[k]);
        rc = r->vals[k] ? mg_diagnosis_measure(r->g, o->names[k], r->vals[k], &r->d) : MG_ENOMEM;
        r->cols[k] = (mg_column){.name = o->names[k], .values = r->vals[k]};
    }
    if (rc == MG_OK)
        rc = mg_summary_compute(r->g, r->g->apl, r->g->official, o->threshold, &r->s, &r->d);
    if (rc) {
        cli_error(cmd, "%s", r->d.msg[0] ? r->d.msg : mg_strerror(rc));
        return cli_exit_for(rc);
    }
    return MG_EXIT_OK;
}

/* ---- Output: the table, the key figures -------------------------------- */

/* The name of --scope for people: the EPCI's, "N communes", or the study
 * territory. */
static void scope_label(const access_opts *o, const mg_diagnosis *g, char *out, size_t cap)
{
    const mg_territory *t = g->t;
    if (!o->scope) {
        snprintf(out, cap, "territoire d'étude");
        return;
    }
    if (strncmp(o->scope, "epci:", 5) == 0)
        for (size_t e = 0; e < t->nepci; e++)
            if (strcmp(t->epci_code[e], o->scope + 5) == 0) {
                snprintf(out, cap, "%s", t->epci_name[e]);
                return;
            }
    snprintf(out, cap, "%zu communes", g->study_n);
}

/* The workbook of the run to --workbook. Exit code. */
static int write_workbook(const access_opts *o, access_run *r)
{
    const mg_diagnosis *g = r->g;
    char label[192], title[512];
    scope_label(o, g, label, sizeof label);
    snprintf(title, sizeof title, "APL (méthode DREES) — %s — %s", g->prof->label, label);
    mg_wb_extra extra[MAX_MEASURES];
    for (size_t k = 0; k < o->nmeasures; k++)
        extra[k] = (mg_wb_extra){r->cols[k], 2};
    mg_workbook_doc doc = {
        .g = g,
        .rows = g->study,
        .nrows = g->study_n,
        .scoped = o->scope != NULL,
        .title = title,
        .scope_label = label,
        .territory_label = o->scope ? "territoire d'étude" : label,
        .extra = extra,
        .nextra = o->nmeasures,
        .values = g->apl,
        .s = &r->s,
        .threshold = o->threshold,
        .values_label = "APL (méthode DREES) calculée par maillage",
        .unit = g->prof->unit,
        .mean_label = "APL moyenne (pondérée)",
        .decimals = 2,
        .official_mean = true,
    };
    mg_buf b;
    mg_buf_init(&b, MG_MAX_FILE_BYTES);
    int rc = mg_output_workbook(&doc, &b, &r->d);
    cli_out out;
    if (rc == MG_OK && cli_out_open(&out, o->workbook_path, cmd)) {
        mg_buf_free(&b);
        return MG_EXIT_OUTPUT;
    }
    if (rc == MG_OK) {
        bool written = fwrite(b.data, 1, b.len, out.f) == b.len;
        if (cli_out_close(&out, written, cmd))
            rc = MG_EIO; /* the message is printed */
        else if (!written)
            rc = mg_diag_set(&r->d, MG_EIO, NULL, 0, 0, "%s: cannot write the workbook",
                             o->workbook_path);
    }
    mg_buf_free(&b);
    if (rc) {
        if (r->d.msg[0])
            cli_error(cmd, "%s", r->d.msg);
        return MG_EXIT_OUTPUT;
    }
    return MG_EXIT_OK;
}

/* The table to --out in --format. Exit code. */
static int write_table(const access_opts *o, access_run *r)
{
    cli_out out;
    if (cli_out_open(&out, o->out_path, cmd))
        return MG_EXIT_OUTPUT;
    const mg_table_opts topt = {.french = o->french};
    int rc = mg_output_table_opt(out.f, o->fmt, r->g, r->cols, o->nmeasures, &r->s, &topt, &r->d);
    if (cli_out_close(&out, rc == MG_OK, cmd) || rc) {
        if (rc)
            cli_error(cmd, "%s", r->d.msg);
        return MG_EXIT_OUTPUT;
    }
    return MG_EXIT_OK;
}

/* The key figures as JSON to path (--summary). Exit code. */
static int write_summary(const char *path, const access_run *r)
{
    cli_out out;
    if (cli_out_open(&out, path, cmd))
        return MG_EXIT_OUTPUT;
    json_t *j = mg_output_summary_json(r->g, &r->s);
    int wr = j ? json_dumpf(j, out.f, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) : -1;
    json_decref(j);
    if (cli_out_close(&out, wr == 0, cmd) || wr)
        return MG_EXIT_OUTPUT;
    return MG_EXIT_OK;
}

static void print_figures(const mg_diagnosis *g, const mg_summary *s)
{
    const mg_area_summary *a = &s->territory;
    fprintf(stderr, "%zu communes, %.0f inhabitants; mean APL %.3f (official %.3f) — %s\n",
            a->communes, a->population, a->mean, a->official_mean, g->prof->unit);
    if (isfinite(s->threshold))
        fprintf(stderr, "below %.2f: %.0f inhabitants (%.1f %% of the standardised population), FGT1 %.4f\n",
                s->threshold, a->below_population, 100 * a->below_share, a->fgt1);
    fprintf(stderr, "inequality: Gini %.4f, Theil %.4f (between EPCI %.4f, within %.4f), D9/D1 %.3f, Palma %.3f\n",
            a->gini, a->theil, s->theil_between, s->theil_within, a->d9d1, a->palma);
    if (s->compared && g->official_missing)
        fprintf(stderr, "agreement with the official APL over %zu of %zu communes (%zu inhabited "
                "communes without an official value, --allow-missing): Spearman %.3f, "
                "Pearson %.3f, MAE %.3f\n",
                s->compared, g->study_n, g->official_missing, s->spearman, s->pearson, s->mae);
    else if (s->compared)
        fprintf(stderr, "agreement with the official APL over %zu communes: Spearman %.3f, Pearson %.3f, MAE %.3f\n",
                s->compared, s->spearman, s->pearson, s->mae);
}

int mg_cmd_access(int argc, char **argv)
{
    /* --zones switches to the zones mode, which has options of its own. */
    for (int k = 1; k < argc; k++)
        if (strcmp(argv[k], "--zones") == 0 || strncmp(argv[k], "--zones=", 8) == 0)
            return mg_cmd_access_zones(argc, argv);
    access_opts o;
    int ex = access_parse(&o, argc, argv);
    if (ex || o.help)
        return ex;
    access_run r = {0};
    ex = access_compute(&o, &r);
    if (!ex)
        ex = write_table(&o, &r);
    if (!ex && o.summary_path)
        ex = write_summary(o.summary_path, &r);
    if (!ex && o.workbook_path)
        ex = write_workbook(&o, &r);
    if (!ex && !o.c.quiet)
        print_figures(r.g, &r.s);
    access_run_free(&r);
    return ex;
}
