#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "parse/parse.h"
#include "plan/plan.h"

const char cli_common_help[] =
    "Inputs (publishers' formats; see docs/formats.md):\n"
    "  --bundle DIR          the study territory: DREES APL files apl_<prof>_2021.csv\n"
    "                        and/or communes.geojson (contours); e.g. data/demo/11-aude\n"
    "  --france DIR          communes.json and epci.json (Etalab découpage administratif),\n"
    "                        La Poste laposte_hexasmal*.csv, INSEE BPE bpe19_*.csv;\n"
    "                        files may be gzip-compressed (.gz); e.g. data/demo/france\n"
    "  --profession P        mg (GPs, default), inf (nurses), mk (physiotherapists),\n"
    "                        sf (midwives), cd (dentists)\n"
    "Travel times:\n"
    "  --matrix FILE         travel-time table instead of the crow-fly model:\n"
    "                        from,to,minutes, or the columns of r5r, IPEA's\n"
    "                        accessibility or INSEE Metric (docs/formats.md)\n"
    "  --graph GRAPH         road times by car on a graph from maillage route build\n"
    "  --osm FILE            road times on an OpenStreetMap extract (.osm.pbf), built\n"
    "                        in memory (slower than --graph; see docs/routing.md)\n"
    "  --detour F            crow-fly model: road/great-circle distance ratio (1.3)\n"
    "  --speed KMH           crow-fly model: mean car speed on the road distance\n"
    "  --access-time MIN     crow-fly model: minutes added to each trip between\n"
    "                        two communes\n"
    "  --time-spread S       crow-fly model: spread of the APL's steps for the\n"
    "                        uncertainty of crow-fly times (0: sharp steps)\n"
    "  --catchment MIN       largest travel time kept in the table (20)\n"
    "  --points SRC          commune points of the study territory: laposte (default)\n"
    "                        or contours (an interior point of the contour)\n"
    "  --no-neighbours       ignore practitioners and people outside the bundle\n"
    "Method:\n"
    "  --steps SPEC          APL step profile, default 10:1,15:0.66,20:0.33\n"
    "  --supply-per-head N   acts per year per GP (4265) or FTE per practitioner (1)\n"
    "  --activity-exponent G activity per practitioner varies as (demand per\n"
    "                        practitioner within reach)^G (0: the same everywhere)\n"
    "  --centre-practitioners N  GPs counted per health centre (BPE D108)\n"
    "  --practitioners FILE  GPs of the study communes counted from an annuaire santé\n"
    "                        extraction (PS_LibreAcces_Personne_activite_*.txt)\n"
    "                        instead of the BPE (docs/formats.md, \"Directory\")\n"
    "  --params FILE         model parameters written by maillage calibrate; the\n"
    "                        defaults are the national fit (docs/methodology.md);\n"
    "                        options after it override its values\n"
    "  --uncalibrated        the model before calibration: 1.3 x 60 km/h, sharp\n"
    "                        steps, the same activity everywhere, no centres\n"
    "  --official-age A      official column to compare with: none (default), 65, 62\n"
    "  --allow-missing       accept a DREES file without values for some inhabited\n"
    "                        communes of the territory (they are left out of the\n"
    "                        agreement figures, which say over how many communes)\n"
    "Output:\n"
    "  -q, --quiet           no progress, summary or warnings on stderr\n"
    "  --progress            show progress even when stderr is not a terminal\n";

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "maillage %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_common_init(cli_common *c)
{
    *c = (cli_common){.opts = mg_diagnosis_defaults(),
                      .speed = NAN, .detour = NAN, .access = NAN, .spread = NAN,
                      .activity = NAN, .centres = NAN};
    c->progress = isatty(STDERR_FILENO);
}

/* What to add to "expected …" when the number was written but badly:
 * the French conventions the parser accepts, so that "80 00" or "1.234,5"
 * is explained. */
static const char *number_hint(mg_parse_error why)
{
    switch (why) {
    case MG_PARSE_GROUPING: return " (digits grouped by threes, e.g. 80 000 or 80000)";
    case MG_PARSE_SEPARATOR: return " (one decimal mark, a comma or a dot, e.g. 2,5 or 2.5)";
    case MG_PARSE_NOT_INTEGER: return " (no decimals)";
    default: return "";
    }
}

int cli_number(const char *cmd, const char *opt, const char *arg, double lo, double hi,
               double *out)
{
    mg_parse_error why = MG_PARSE_OK;
    if (mg_parse_number(arg, lo, hi, out, &why)) {
        cli_error(cmd, "--%s %s: expected a number from %g to %g%s", opt, arg, lo, hi,
                  number_hint(why));
        return -1;
    }
    return 0;
}

int cli_int(const char *cmd, const char *opt, const char *arg, int64_t lo, int64_t hi,
            int64_t *out)
{
    mg_parse_error why = MG_PARSE_OK;
    if (mg_parse_int(arg, lo, hi, out, &why)) {
        cli_error(cmd, "--%s %s: expected a whole number from %" PRId64 " to %" PRId64 "%s", opt,
                  arg, lo, hi, number_hint(why));
        return -1;
    }
    return 0;
}

int cli_common_option(cli_common *c, int code, const char *arg, const char *cmd)
{
    mg_diagnosis_opts *o = &c->opts;
    switch (code) {
    case OPT_BUNDLE: o->bundle = arg; return 1;
    case OPT_FRANCE: o->france = arg; return 1;
    case OPT_MATRIX: o->matrix = arg; return 1;
    case OPT_OSM: o->osm = arg; return 1;
    case OPT_GRAPH: o->graph = arg; return 1;
    case OPT_STEPS: o->steps = arg; return 1;
    case OPT_NO_NEIGHBOURS: o->neighbours = false; return 1;
    case OPT_ALLOW_MISSING: o->allow_missing = true; return 1;
    case 'q': c->quiet = true; c->progress = false; return 1;
    case OPT_PROGRESS: c->progress = true; return 1;
    case OPT_PROFESSION:
        if (!mg_profession_lookup(arg)) {
            cli_error(cmd, "--profession %s: expected mg, inf, mk, sf or cd", arg);
            return -1;
        }
        o->profession = arg;
        return 1;
    case OPT_POINTS:
        if (strcmp(arg, "laposte") == 0)
            o->points = MG_POINTS_LAPOSTE;
        else if (strcmp(arg, "contours") == 0)
            o->points = MG_POINTS_CONTOURS;
        else {
            cli_error(cmd, "--points %s: expected laposte or contours", arg);
            return -1;
        }
        return 1;
    case OPT_OFFICIAL_AGE:
        if (strcmp(arg, "none") == 0)
            o->official_age = MG_AGE_NONE;
        else if (strcmp(arg, "65") == 0)
            o->official_age = MG_AGE_65;
        else if (strcmp(arg, "62") == 0)
            o->official_age = MG_AGE_62;
        else {
            cli_error(cmd, "--official-age %s: expected none, 65 or 62", arg);
            return -1;
        }
        return 1;
    case OPT_DETOUR:
        return cli_number(cmd, "detour", arg, 1, 10, &c->detour) ? -1 : 1;
    case OPT_SPEED:
        return cli_number(cmd, "speed", arg, 1, 200, &c->speed) ? -1 : 1;
    case OPT_CATCHMENT:
        return cli_number(cmd, "catchment", arg, 1, 600, &o->catchment) ? -1 : 1;
    case OPT_ACCESS_TIME:
        return cli_number(cmd, "access-time", arg, 0, 15, &c->access) ? -1 : 1;
    case OPT_TIME_SPREAD:
        return cli_number(cmd, "time-spread", arg, 0, 1, &c->spread) ? -1 : 1;
    case OPT_ACTIVITY_EXPONENT:
        return cli_number(cmd, "activity-exponent", arg, -2, 2, &c->activity) ? -1 : 1;
    case OPT_CENTRE_HEADS:
        return cli_number(cmd, "centre-practitioners", arg, 0, 50, &c->centres) ? -1 : 1;
    case OPT_UNCALIBRATED:
        c->uncalibrated = true;
        return 1;
    case OPT_PRACTITIONERS:
        o->practitioners = arg;
        return 1;
    case OPT_PARAMS:
        c->params = arg;
        return 1;
    case OPT_SUPPLY_PER_HEAD:
        return cli_number(cmd, "supply-per-head", arg, 0.001, 1e6, &o->supply_per_head) ? -1 : 1;
    default:
        return 0;
    }
}

/* The model: the profession's calibrated defaults unless --uncalibrated,
 * then the parameter file, then each option. */
static int finish_model(cli_common *c, const char *cmd)
{
    mg_diagnosis_opts *o = &c->opts;
    mg_model m = c->uncalibrated ? mg_model_uncalibrated() : mg_model_defaults_for(o->profession);
    if (c->params) {
        mg_diag d = {{0}};
        int rc = mg_model_read(c->params, &m, &d);
        if (rc) {
            fprintf(stderr, "maillage %s: %s\n", cmd, d.msg[0] ? d.msg : mg_strerror(rc));
            return -1;
        }
    }
    const struct {
        double v, *into;
    } given[] = {
        {c->speed, &m.crowfly.speed_kmh}, {c->detour, &m.crowfly.detour},
        {c->access, &m.crowfly.access_min}, {c->spread, &m.time_spread},
        {c->activity, &m.activity_exponent}, {c->centres, &m.centre_heads},
    };
    bool any = c->uncalibrated || c->params;
    for (size_t k = 0; k < sizeof given / sizeof *given; k++)
        if (!isnan(given[k].v)) {
            *given[k].into = given[k].v;
            any = true;
        }
    /* A new exponent needs its own reference: computed over the table
     * (all of France with the neighbours). */
    if (!isnan(c->activity))
        m.activity_reference = 0;
    mg_diag d = {{0}};
    if (mg_model_check(&m, &d) != MG_OK) {
        cli_error(cmd, "%s", d.msg);
        return -1;
    }
    mg_diagnosis_set_model(o, &m);
    o->model_explicit = any;
    return 0;
}

int cli_common_finish(cli_common *c, const char *cmd)
{
    if (!c->opts.bundle || !c->opts.france) {
        cli_error(cmd, "--bundle DIR and --france DIR are required (try --help)");
        return -1;
    }
    return finish_model(c, cmd);
}

int cli_exit_for(int rc)
{
    switch (rc) {
    case MG_OK: return MG_EXIT_OK;
    case MG_EINVAL: return MG_EXIT_USAGE;
    case MG_ENOMEM: return MG_EXIT_FAILURE;
    default: return MG_EXIT_INPUT;
    }
}

static void show_progress(void *ctx, const char *step, double fraction)
{
    (void)ctx;
    fprintf(stderr, "\r[%3.0f%%] %-40s", fraction * 100, step);
    if (fraction >= 1)
        fputc('\n', stderr);
    fflush(stderr);
}

int cli_load(cli_common *c, mg_diagnosis **out)
{
    mg_diag d = {{0}};
    int rc = mg_diagnosis_load(out, &c->opts, c->progress ? show_progress : NULL, NULL, &d);
    if (rc) {
        if (c->progress)
            fputc('\n', stderr);
        fprintf(stderr, "maillage: %s\n", d.msg[0] ? d.msg : mg_strerror(rc));
        return cli_exit_for(rc);
    }
    const mg_report *r = &(*out)->report;
    if (!c->quiet && r->count) {
        fprintf(stderr, "maillage: %zu warning%s while reading the inputs:\n", r->count,
                r->count > 1 ? "s" : "");
        for (size_t k = 0; k < r->kept; k++)
            fprintf(stderr, "  %s\n", r->msg[k]);
        if (r->count > r->kept)
            fprintf(stderr, "  … and %zu more\n", r->count - r->kept);
    }
    return MG_EXIT_OK;
}

int cli_getopt(cli_common *c, int argc, char **argv, const struct option *longopts,
               const char *cmd)
{
    int opt;
    while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        int k = cli_common_option(c, opt, optarg, cmd);
        if (k < 0)
            return -1;
        if (k == 0)
            return opt == '?' ? (cli_error(cmd, "try --help"), -1) : opt;
    }
    if (optind < argc) {
        cli_error(cmd, "unexpected argument \"%s\" (try --help)", argv[optind]);
        return -1;
    }
    return 0;
}

int cli_scope(mg_diagnosis *g, const char *spec, const char *cmd)
{
    mg_diag d = {{0}};
    int rc;
    if (strncmp(spec, "communes:", 9) == 0) {
        /* One reader of commune lists: the planning candidates' (any
         * vintage, one code per line or CSV, # comments, errors by line). */
        uint8_t *mark = calloc(g->t->n ? g->t->n : 1, 1);
        if (!mark) {
            cli_error(cmd, "out of memory");
            return MG_EXIT_FAILURE;
        }
        rc = mg_plan_read_codes(g->t, spec + 9, mark, &d);
        if (rc == MG_OK)
            rc = mg_diagnosis_scope_marked(g, mark, spec + 9, &d);
        free(mark);
        if (rc) {
            cli_error(cmd, "--scope: %s", d.msg[0] ? d.msg : mg_strerror(rc));
            return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT; /* the file */
        }
        return MG_EXIT_OK;
    }
    if ((rc = mg_diagnosis_scope(g, spec, &d))) {
        cli_error(cmd, "--scope: %s", d.msg);
        return MG_EXIT_USAGE;
    }
    return MG_EXIT_OK;
}
