/* maillage access: the accessibility table of a territory. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output_file.h"
#include "core/alloc.h"
#include "diagnosis/summary.h"
#include "output/table.h"

#define MAX_MEASURES 16

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
           "  --format F            csv (default), json or geojson\n"
           "  --out FILE            output file (default: standard output)\n"
           "  --summary FILE        also write the key figures as JSON\n"
           "  -h, --help            this help\n",
           cli_common_help, mg_measure_names());
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
    if (s->compared)
        fprintf(stderr, "agreement with the official APL over %zu communes: Spearman %.3f, Pearson %.3f, MAE %.3f\n",
                s->compared, s->spearman, s->pearson, s->mae);
}

int mg_cmd_access(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"measure", required_argument, NULL, 'm'},
        {"threshold", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"summary", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "access";
    cli_common c;
    cli_common_init(&c);
    enum mg_format fmt = MG_FORMAT_CSV;
    const char *out_path = NULL, *summary_path = NULL, *measures = NULL;
    double threshold = NAN;
    bool threshold_set = false;
    int opt;
    optind = 1;
    while ((opt = cli_getopt(&c, argc, argv, longopts, cmd)) > 0) {
        switch (opt) {
        case 'h': help(); return MG_EXIT_OK;
        case 'm': measures = optarg; break;
        case 'o': out_path = optarg; break;
        case 's': summary_path = optarg; break;
        case 'f':
            if (mg_format_parse(optarg, &fmt)) {
                cli_error(cmd, "--format %s: expected csv, json or geojson", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case 't':
            if (cli_number(cmd, "threshold", optarg, 0, 1e9, &threshold))
                return MG_EXIT_USAGE;
            threshold_set = true;
            break;
        default:
            cli_error(cmd, "try --help");
            return MG_EXIT_USAGE;
        }
    }
    if (opt < 0)
        return MG_EXIT_USAGE;
    if (cli_common_finish(&c, cmd))
        return MG_EXIT_USAGE;

    /* Check the measure names before the long part. */
    char names[MAX_MEASURES][32];
    size_t nmeasures = 0;
    if (measures) {
        const char *p = measures;
        while (*p) {
            size_t len = strcspn(p, ",");
            if (len == 0 || len >= sizeof names[0] || nmeasures == MAX_MEASURES) {
                cli_error(cmd, "--measure %s: expected a comma-separated list of: %s", measures,
                          mg_measure_names());
                return MG_EXIT_USAGE;
            }
            memcpy(names[nmeasures], p, len);
            names[nmeasures][len] = '\0';
            mg_measure_spec probe;
            mg_diag d = {{0}};
            if (mg_measure_lookup(names[nmeasures], c.opts.catchment, &probe, &d)) {
                cli_error(cmd, "--measure: %s", d.msg);
                return MG_EXIT_USAGE;
            }
            nmeasures++;
            p += len;
            if (*p == ',')
                p++;
        }
    }

    mg_diagnosis *g = NULL;
    int ex = cli_load(&c, &g);
    if (ex)
        return ex;
    if (!threshold_set)
        threshold = g->prof->threshold;

    mg_column cols[MAX_MEASURES];
    double *vals[MAX_MEASURES] = {0};
    mg_summary s = {0};
    mg_diag d = {{0}};
    int rc = MG_OK;
    for (size_t k = 0; k < nmeasures && rc == MG_OK; k++) {
        vals[k] = mg_alloc_array(g->t->n, sizeof *vals[k]);
        rc = vals[k] ? mg_diagnosis_measure(g, names[k], vals[k], &d) : MG_ENOMEM;
        cols[k] = (mg_column){names[k], vals[k]};
    }
    if (rc == MG_OK)
        rc = mg_summary_compute(g, g->apl, g->official, threshold, &s, &d);
    if (rc) {
        cli_error(cmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        ex = cli_exit_for(rc);
        goto done;
    }

    cli_out o;
    if (cli_out_open(&o, out_path, cmd)) {
        ex = MG_EXIT_OUTPUT;
        goto done;
    }
    rc = mg_output_table(o.f, fmt, g, cols, nmeasures, &s, &d);
    if (cli_out_close(&o, rc == MG_OK, cmd) || rc) {
        if (rc)
            cli_error(cmd, "%s", d.msg);
        ex = MG_EXIT_OUTPUT;
        goto done;
    }
    if (summary_path) {
        if (cli_out_open(&o, summary_path, cmd)) {
            ex = MG_EXIT_OUTPUT;
            goto done;
        }
        json_t *j = mg_output_summary_json(g, &s);
        int wr = j ? json_dumpf(j, o.f, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) : -1;
        json_decref(j);
        if (cli_out_close(&o, wr == 0, cmd) || wr) {
            ex = MG_EXIT_OUTPUT;
            goto done;
        }
    }
    if (!c.quiet)
        print_figures(g, &s);
done:
    for (size_t k = 0; k < nmeasures; k++)
        free(vals[k]);
    mg_summary_free(&s);
    mg_diagnosis_free(g);
    return ex;
}
