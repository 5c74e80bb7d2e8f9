/* maillage compare: agreement of our APL with the official DREES values. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "diagnosis/summary.h"
#include "io/csv.h"
#include "output/table.h"
#include "stats/agreement.h"

static void help(void)
{
    printf("Usage: maillage compare --bundle DIR --france DIR [OPTIONS]\n"
           "       maillage compare --table FILE [--column NAME] [--reference NAME]\n"
           "\n"
           "Prints how closely our APL agrees with the official DREES APL of the bundle:\n"
           "Spearman and Pearson correlations, mean absolute error, and the confusion\n"
           "table of the classification \"below the threshold\". With --table, compares\n"
           "two columns of a CSV table written by maillage access instead.\n"
           "\n%s"
           "  --table FILE          a CSV table (e.g. from maillage access)\n"
           "  --column NAME         its column to assess (default apl)\n"
           "  --reference NAME      its reference column (default apl_official)\n"
           "  --threshold X         classification threshold (GP default 2.5)\n"
           "  --format F            text (default) or json\n"
           "  --scope SCOPE         compare over epci:SIREN or communes:FILE\n"
           "  -h, --help            this help\n",
           cli_common_help);
}

typedef struct agreement {
    size_t n;
    size_t total, missing; /* communes of the territory; those without an official value (--allow-missing) */
    double spearman, pearson, mae, mean_a, mean_b, threshold;
    mg_confusion conf;
} agreement;

static void agree(const double *a, const double *b, size_t n, double threshold, agreement *g)
{
    *g = (agreement){.threshold = threshold};
    size_t m = 0;
    double sa = 0, sb = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(a[i]) && isfinite(b[i])) {
            m++;
            sa += a[i];
            sb += b[i];
        }
    g->n = m;
    g->mean_a = m ? sa / (double)m : NAN;
    g->mean_b = m ? sb / (double)m : NAN;
    if (mg_stats_spearman(a, b, n, &g->spearman))
        g->spearman = NAN;
    if (mg_stats_pearson(a, b, n, &g->pearson))
        g->pearson = NAN;
    if (mg_stats_mae(a, b, n, &g->mae))
        g->mae = NAN;
    if (!isfinite(threshold) || mg_stats_confusion(a, b, n, threshold, &g->conf))
        g->conf = (mg_confusion){0};
}

static void print_text(const agreement *g, const char *a, const char *b)
{
    if (g->missing)
        printf("communes compared: %zu of %zu (%zu inhabited communes without an official "
               "value, --allow-missing)\n", g->n, g->total, g->missing);
    else
        printf("communes compared: %zu\n", g->n);
    printf("Spearman rank correlation: %.4f\n", g->spearman);
    printf("Pearson correlation: %.4f\n", g->pearson);
    printf("mean absolute error: %.4f\n", g->mae);
    printf("unweighted means: %s %.4f, %s %.4f\n", a, g->mean_a, b, g->mean_b);
    if (!isfinite(g->threshold))
        return;
    const mg_confusion *c = &g->conf;
    size_t tot = c->both_below + c->only_a_below + c->only_b_below + c->both_above;
    printf("classification below %g:\n", g->threshold);
    printf("  %-22s %14s %14s\n", "", "reference <", "reference >=");
    printf("  %-22s %14zu %14zu\n", "ours <", c->both_below, c->only_a_below);
    printf("  %-22s %14zu %14zu\n", "ours >=", c->only_b_below, c->both_above);
    printf("  same class: %.1f %%\n",
           tot ? 100.0 * (double)(c->both_below + c->both_above) / (double)tot : NAN);
}

static void print_json(const agreement *g)
{
    json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "communes", (json_int_t)g->n,
                          "spearman", isfinite(g->spearman) ? json_real(g->spearman) : json_null(),
                          "pearson", isfinite(g->pearson) ? json_real(g->pearson) : json_null(),
                          "mean_absolute_error", isfinite(g->mae) ? json_real(g->mae) : json_null(),
                          "mean", isfinite(g->mean_a) ? json_real(g->mean_a) : json_null(),
                          "mean_reference", isfinite(g->mean_b) ? json_real(g->mean_b) : json_null());
    if (o && g->missing) {
        json_object_set_new(o, "territory_communes", json_integer((json_int_t)g->total));
        json_object_set_new(o, "missing_official", json_integer((json_int_t)g->missing));
    }
    if (o && isfinite(g->threshold)) {
        json_object_set_new(o, "threshold", json_real(g->threshold));
        json_object_set_new(o, "below_both", json_integer((json_int_t)g->conf.both_below));
        json_object_set_new(o, "below_ours_only", json_integer((json_int_t)g->conf.only_a_below));
        json_object_set_new(o, "below_reference_only", json_integer((json_int_t)g->conf.only_b_below));
        json_object_set_new(o, "above_both", json_integer((json_int_t)g->conf.both_above));
    }
    json_dumpf(o, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    putchar('\n');
    json_decref(o);
}

/* Reads two numeric columns of a CSV table. */
static int read_table(const char *path, const char *col_a, const char *col_b, double **a,
                      double **b, size_t *n, mg_diag *d)
{
    const char *names[2] = {col_a, col_b};
    int idx[2];
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    size_t cap = 0;
    *a = *b = NULL;
    *n = 0;
    int rc;
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ',', d)) ||
        (rc = mg_csv_require(c, names, 2, idx, d)))
        goto done;
    while ((rc = mg_csv_next(c, d)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            double *na = mg_realloc_array(*a, cap, sizeof *na);
            if (na)
                *a = na;
            double *nb = mg_realloc_array(*b, cap, sizeof *nb);
            if (nb)
                *b = nb;
            if (!na || !nb) {
                rc = MG_ENOMEM;
                goto done;
            }
        }
        double va, vb;
        bool pa, pb;
        if ((rc = mg_csv_double(c, (size_t)idx[0], &va, &pa, d)) ||
            (rc = mg_csv_double(c, (size_t)idx[1], &vb, &pb, d)))
            goto done;
        (*a)[*n] = pa ? va : NAN;
        (*b)[*n] = pb ? vb : NAN;
        (*n)++;
    }
done:
    mg_csv_close(c);
    mg_reader_close(r);
    if (rc < 0) {
        free(*a);
        free(*b);
        *a = *b = NULL;
        return rc;
    }
    return MG_OK;
}

int mg_cmd_compare(int argc, char **argv)
{
    enum { OPT_TABLE = OPT_COMMON_END, OPT_COLUMN, OPT_REFERENCE, OPT_THRESHOLD, OPT_FORMAT, OPT_SCOPE };
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"table", required_argument, NULL, OPT_TABLE},
        {"column", required_argument, NULL, OPT_COLUMN},
        {"reference", required_argument, NULL, OPT_REFERENCE},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"scope", required_argument, NULL, OPT_SCOPE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "compare";
    cli_common c;
    cli_common_init(&c);
    const char *table = NULL, *col_a = "apl", *col_b = "apl_official", *scope = NULL;
    double threshold = NAN;
    bool threshold_set = false, json = false;
    int opt;
    optind = 1;
    while ((opt = cli_getopt(&c, argc, argv, longopts, cmd)) > 0) {
        switch (opt) {
        case 'h': help(); return MG_EXIT_OK;
        case OPT_TABLE: table = optarg; break;
        case OPT_COLUMN: col_a = optarg; break;
        case OPT_REFERENCE: col_b = optarg; break;
        case OPT_THRESHOLD:
            if (cli_number(cmd, "threshold", optarg, 0, 1e9, &threshold))
                return MG_EXIT_USAGE;
            threshold_set = true;
            break;
        case OPT_SCOPE: scope = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                cli_error(cmd, "--format %s: expected text or json", optarg);
                return MG_EXIT_USAGE;
            }
            json = strcmp(optarg, "json") == 0;
            break;
        default:
            cli_error(cmd, "try --help");
            return MG_EXIT_USAGE;
        }
    }
    if (opt < 0)
        return MG_EXIT_USAGE;
    agreement g;
    if (table) {
        if (c.opts.bundle || c.opts.france || scope) {
            cli_error(cmd, "--table compares a written table: do not give --bundle, --france or "
                           "--scope with it");
            return MG_EXIT_USAGE;
        }
        double *a, *b;
        size_t n;
        mg_diag d = {{0}};
        int rc = read_table(table, col_a, col_b, &a, &b, &n, &d);
        if (rc) {
            fprintf(stderr, "maillage: %s\n", d.msg[0] ? d.msg : mg_strerror(rc));
            return cli_exit_for(rc);
        }
        if (!threshold_set && strcmp(col_a, "apl") == 0)
            threshold = mg_profession_lookup("mg")->threshold;
        agree(a, b, n, threshold, &g);
        free(a);
        free(b);
    } else {
        if (cli_common_finish(&c, cmd))
            return MG_EXIT_USAGE;
        mg_diagnosis *dg = NULL;
        int ex = cli_load(&c, &dg);
        if (ex)
            return ex;
        if (scope && (ex = cli_scope(dg, scope, cmd))) {
            mg_diagnosis_free(dg);
            return ex;
        }
        if (!threshold_set)
            threshold = dg->prof->threshold;
        double *a = mg_alloc_array(dg->study_n, sizeof *a), *b = mg_alloc_array(dg->study_n, sizeof *b);
        if (!a || !b) {
            free(a);
            free(b);
            mg_diagnosis_free(dg);
            return MG_EXIT_FAILURE;
        }
        for (size_t k = 0; k < dg->study_n; k++) {
            a[k] = mg_output_round(dg->apl[dg->study[k]]);
            b[k] = dg->official[dg->study[k]];
        }
        agree(a, b, dg->study_n, threshold, &g);
        g.total = dg->study_n;
        g.missing = dg->official_missing;
        free(a);
        free(b);
        if (!json && dg->official_column)
            printf("reference: DREES, \"%s\"\n", dg->official_column);
        mg_diagnosis_free(dg);
    }
    if (g.n < 2) {
        cli_error(cmd, "fewer than 2 communes have both values: nothing to compare");
        return MG_EXIT_INPUT;
    }
    if (json)
        print_json(&g);
    else
        print_text(&g, table ? col_a : "ours", table ? col_b : "official");
    return MG_EXIT_OK;
}
