/* maillage plan: where new resources of care help most (docs/planning.md). */
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
#include "output/table.h"
#include "parse/parse.h"
#include "plan/plan.h"

#define MAX_PROPOSED 1000

static void help(void)
{
    printf("Usage: maillage plan --bundle DIR --france DIR --resource KIND[=N]... [OPTIONS]\n"
           "\n"
           "Chooses the communes where new resources of care help most, by an objective\n"
           "the user picks, and says how much they change; writes the sites chosen\n"
           "(and those the user proposes, for comparison) and prints the totals on stderr.\n"
           "\n%s"
           "  --resource KIND[=N]   N sites (default 1) of KIND, repeatable: gp, health_centre,\n"
           "                        telemedicine_cabin, teleconsultation_cart, mobile_consultation\n"
           "  --capacity KIND=X     capacity of one site in the supply unit (GP: acts per year)\n"
           "  --cost KIND=EUR       cost of one site (defaults in docs/planning.md)\n"
           "  --objective O         deficit (default): reduce the deficit below the threshold;\n"
           "                        lifted: people brought above it; coverage: under-served\n"
           "                        people within --coverage-minutes of a site; pmedian:\n"
           "                        travel time to the nearest practice\n"
           "  --threshold X         under-served below X (GP default 2.5)\n"
           "  --coverage-minutes T  coverage radius in minutes (default 10)\n"
           "  --budget EUR          total cost at most EUR\n"
           "  --min-distance KM     at least KM between two sites (crow-fly)\n"
           "  --exclude CODE,...    communes that may not host a site\n"
           "  --candidates C        all (default: every commune), pharmacy (communes with a\n"
           "                        pharmacy, BPE D301) or a FILE of commune codes\n"
           "  --propose CODE[:KIND],...  your own sites, evaluated for comparison (KIND\n"
           "                        defaults to the first --resource)\n"
           "  --method M            greedy (default: lazy greedy + interchange), exact (CBC)\n"
           "                        or both (the gap of the greedy answer to CBC's bound)\n"
           "  --time-limit S        seconds for CBC (default 60)\n"
           "  --memory-limit MB     memory CBC may use (default 4096)\n"
           "  --format F            csv (default), json or geojson\n"
           "  --out FILE            output file (default: standard output)\n"
           "  -h, --help            this help\n",
           cli_common_help);
}

enum {
    OPT_RESOURCE = OPT_COMMON_END + 1, OPT_CAPACITY, OPT_COST, OPT_OBJECTIVE, OPT_THRESHOLD,
    OPT_COVERAGE, OPT_BUDGET, OPT_MIN_DISTANCE, OPT_EXCLUDE, OPT_CANDIDATES, OPT_PROPOSE,
    OPT_METHOD, OPT_TIME_LIMIT, OPT_MEMORY, OPT_FORMAT, OPT_OUT,
};

/* Parses "KIND" or "KIND=VALUE"; has_value says whether '=' was there. */
static int kind_value(const char *cmd, const char *opt, const char *arg, enum mg_resource *kind,
                      double lo, double hi, double *value, int *has_value)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    char name[64];
    if (len >= sizeof name) {
        cli_error(cmd, "--%s %s: unknown resource kind", opt, arg);
        return -1;
    }
    memcpy(name, arg, len);
    name[len] = '\0';
    *kind = mg_resource_parse(name);
    if (*kind == MG_RES_COUNT) {
        cli_error(cmd, "--%s %s: unknown resource kind (gp, health_centre, telemedicine_cabin, "
                       "teleconsultation_cart, mobile_consultation)", opt, arg);
        return -1;
    }
    *has_value = eq != NULL;
    if (!eq)
        return 0;
    /* A count of sites is a whole number; capacities and costs are not. */
    int resource = strcmp(opt, "resource") == 0;
    int64_t n = 0;
    if (resource ? mg_parse_int(eq + 1, (int64_t)lo, (int64_t)hi, &n, NULL)
                 : mg_parse_number(eq + 1, lo, hi, value, NULL)) {
        cli_error(cmd, "--%s %s: expected %s from %g to %g after '='", opt, arg,
                  resource ? "a whole number of sites" : "a number", lo, hi);
        return -1;
    }
    if (resource)
        *value = (double)n;
    return 0;
}

typedef struct plan_args {
    size_t count[MG_RES_COUNT];
    int given[MG_RES_COUNT], order[MG_RES_COUNT], nkinds;
    double capacity[MG_RES_COUNT], cost[MG_RES_COUNT];
    int has_capacity[MG_RES_COUNT], has_cost[MG_RES_COUNT];
} plan_args;

typedef struct site_set {
    const char *name; /* recommended, exact, proposed */
    mg_plan_item *items;
    size_t n;
    double *pick;
    mg_plan_totals tot;
    mg_plan_site_explain *ex;
} site_set;

static int explain_set(const mg_plan_problem *p, site_set *s)
{
    s->ex = mg_alloc_array(s->n ? s->n : 1, sizeof *s->ex);
    if (!s->ex)
        return MG_ENOMEM;
    return mg_plan_explain(p, s->items, s->n, &s->tot, s->ex, NULL);
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *site_json(const mg_diagnosis *g, const mg_plan_problem *p, const site_set *s,
                         size_t k)
{
    const mg_plan_item *it = &s->items[k];
    const mg_plan_site_explain *e = &s->ex[k];
    size_t i = p->cand_commune[it->cand], bu = p->unit_commune[e->best_unit];
    const mg_plan_kind *q = &p->kinds[it->kind];
    return json_pack("{s:s,s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:s,s:o,s:o,s:o}",
                     "set", s->name, "rank", (json_int_t)(k + 1), "code", g->t->code[i],
                     "name", g->t->name[i], "kind", mg_resource_name(q->proto.kind),
                     "capacity", num(q->capacity), "cost", num(q->cost),
                     "gain_at_pick", num(s->pick ? s->pick[k] : NAN),
                     "marginal_gain", num(e->marginal), "communes_reached",
                     (json_int_t)e->units_reached, "population_reached", num(e->population_reached),
                     "population_lifted", num(e->population_lifted), "best_commune",
                     g->t->code[bu], "apl_gain_max", num(e->apl_gain_max),
                     "lat", num(g->t->lat[i]), "lon", num(g->t->lon[i]));
}

static json_t *totals_json(const site_set *s)
{
    const mg_plan_totals *t = &s->tot;
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "objective_gain", num(t->value),
                     "deficit_before", num(t->deficit_before), "deficit_after",
                     num(t->deficit_after), "below_before", num(t->below_before), "below_after",
                     num(t->below_after), "population_lifted", num(t->lifted), "cost",
                     num(t->cost), "cost_per_person_lifted", num(t->cost_per_lifted));
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputs(",", f);
}

static int write_csv(FILE *f, const mg_diagnosis *g, const mg_plan_problem *p, site_set *sets,
                     size_t nsets)
{
    fputs("set,rank,code,name,kind,capacity,cost,gain_at_pick,marginal_gain,communes_reached,"
          "population_reached,population_lifted,best_commune,apl_gain_max,lat,lon\n",
          f);
    for (size_t s = 0; s < nsets; s++)
        for (size_t k = 0; k < sets[s].n; k++) {
            const mg_plan_item *it = &sets[s].items[k];
            const mg_plan_site_explain *e = &sets[s].ex[k];
            size_t i = p->cand_commune[it->cand];
            fprintf(f, "%s,%zu,%s,", sets[s].name, k + 1, g->t->code[i]);
            mg_output_csv_text(f, g->t->name[i]);
            fprintf(f, ",%s", mg_resource_name(p->kinds[it->kind].proto.kind));
            csv_num(f, p->kinds[it->kind].capacity);
            csv_num(f, p->kinds[it->kind].cost);
            csv_num(f, sets[s].pick ? sets[s].pick[k] : NAN);
            csv_num(f, e->marginal);
            fprintf(f, ",%zu", e->units_reached);
            csv_num(f, e->population_reached);
            csv_num(f, e->population_lifted);
            fprintf(f, ",%s", g->t->code[p->unit_commune[e->best_unit]]);
            csv_num(f, e->apl_gain_max);
            csv_num(f, g->t->lat[i]);
            csv_num(f, g->t->lon[i]);
            fputc('\n', f);
        }
    return ferror(f) ? -1 : 0;
}

static void print_totals(const char *label, const site_set *s, const mg_plan_problem *p)
{
    const mg_plan_totals *t = &s->tot;
    fprintf(stderr, "%s: %zu site%s, %s gain %.6g, population below %.2f %.0f -> %.0f (lifted %.0f), "
                    "cost %.0f EUR",
            label, s->n, s->n == 1 ? "" : "s", mg_plan_objective_name(p->objective), t->value,
            p->threshold, t->below_before, t->below_after, t->lifted, t->cost);
    if (isfinite(t->cost_per_lifted))
        fprintf(stderr, ", %.0f EUR per person lifted", t->cost_per_lifted);
    fputc('\n', stderr);
}

/* Parses --propose into items of p (study communes only). */
static int parse_proposed(const char *cmd, const char *arg, const mg_diagnosis *g,
                          const mg_plan_problem *p, mg_plan_item **out, size_t *nout)
{
    size_t cap = 1;
    for (const char *s = arg; *s; s++)
        cap += *s == ',';
    if (cap > MAX_PROPOSED) {
        cli_error(cmd, "--propose: at most %d sites", MAX_PROPOSED);
        return -1;
    }
    mg_plan_item *items = mg_alloc_array(cap, sizeof *items);
    if (!items)
        return -1;
    size_t n = 0;
    const char *s = arg;
    while (*s) {
        size_t len = strcspn(s, ",");
        char tok[80];
        if (len == 0 || len >= sizeof tok) {
            cli_error(cmd, "--propose %s: expected CODE[:KIND],...", arg);
            free(items);
            return -1;
        }
        memcpy(tok, s, len);
        tok[len] = '\0';
        char *colon = strchr(tok, ':');
        uint32_t kind = 0;
        if (colon) {
            *colon = '\0';
            enum mg_resource r = mg_resource_parse(colon + 1);
            int found = 0;
            for (uint32_t k = 0; k < p->nkinds; k++)
                if (p->kinds[k].proto.kind == r) {
                    kind = k;
                    found = 1;
                }
            if (!found) {
                cli_error(cmd, "--propose %s: \"%s\" is not one of the --resource kinds", tok,
                          colon + 1);
                free(items);
                return -1;
            }
        }
        long i = mg_territory_find(g->t, tok);
        size_t c = 0;
        while (i >= 0 && c < p->ncand && p->cand_commune[c] != (size_t)i)
            c++;
        if (i < 0 || c == p->ncand) {
            cli_error(cmd, "--propose: %s commune \"%s\"",
                      i < 0 ? "unknown" : "not in the study territory:", tok);
            free(items);
            return -1;
        }
        items[n++] = (mg_plan_item){(uint32_t)c, kind};
        s += len;
        if (*s == ',')
            s++;
    }
    *out = items;
    *nout = n;
    return 0;
}

int mg_cmd_plan(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"resource", required_argument, NULL, OPT_RESOURCE},
        {"capacity", required_argument, NULL, OPT_CAPACITY},
        {"cost", required_argument, NULL, OPT_COST},
        {"objective", required_argument, NULL, OPT_OBJECTIVE},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"coverage-minutes", required_argument, NULL, OPT_COVERAGE},
        {"budget", required_argument, NULL, OPT_BUDGET},
        {"min-distance", required_argument, NULL, OPT_MIN_DISTANCE},
        {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"candidates", required_argument, NULL, OPT_CANDIDATES},
        {"propose", required_argument, NULL, OPT_PROPOSE},
        {"method", required_argument, NULL, OPT_METHOD},
        {"time-limit", required_argument, NULL, OPT_TIME_LIMIT},
        {"memory-limit", required_argument, NULL, OPT_MEMORY},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "plan";
    cli_common c;
    cli_common_init(&c);
    plan_args pa = {0};
    mg_plan_problem settings = {.objective = MG_PLAN_DEFICIT, .threshold = NAN,
                                .coverage_minutes = 10, .budget = INFINITY};
    mg_plan_candidates cand = {.rule = "all"};
    const char *propose = NULL, *out_path = NULL;
    int greedy = 1, exact = 0;
    double time_limit = 60, memory_mb = 4096;
    enum mg_format fmt = MG_FORMAT_CSV;
    int opt;
    optind = 1;
    while ((opt = cli_getopt(&c, argc, argv, longopts, cmd)) > 0) {
        enum mg_resource r;
        double v = 1;
        int has;
        switch (opt) {
        case 'h': help(); return MG_EXIT_OK;
        case OPT_RESOURCE:
            if (kind_value(cmd, "resource", optarg, &r, 0, MG_PLAN_MAX_SITES, &v, &has))
                return MG_EXIT_USAGE;
            if (!pa.given[r]) {
                if (pa.nkinds == MG_PLAN_MAX_KINDS)
                    return MG_EXIT_USAGE;
                pa.order[pa.nkinds++] = r;
            }
            pa.given[r] = 1;
            pa.count[r] = (size_t)v;
            break;
        case OPT_CAPACITY:
            if (kind_value(cmd, "capacity", optarg, &r, -1e12, 1e12, &v, &has))
                return MG_EXIT_USAGE;
            if (!has) {
                cli_error(cmd, "--capacity %s: expected KIND=X", optarg);
                return MG_EXIT_USAGE;
            }
            pa.capacity[r] = v;
            pa.has_capacity[r] = 1;
            break;
        case OPT_COST:
            if (kind_value(cmd, "cost", optarg, &r, -1e15, 1e15, &v, &has))
                return MG_EXIT_USAGE;
            if (!has) {
                cli_error(cmd, "--cost %s: expected KIND=EUR", optarg);
                return MG_EXIT_USAGE;
            }
            pa.cost[r] = v;
            pa.has_cost[r] = 1;
            break;
        case OPT_OBJECTIVE:
            settings.objective = mg_plan_objective_parse(optarg);
            if (settings.objective == MG_PLAN_OBJECTIVE_COUNT) {
                cli_error(cmd, "--objective %s: expected deficit, lifted, coverage or pmedian", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case OPT_THRESHOLD:
            if (cli_number(cmd, "threshold", optarg, 0, 1e9, &settings.threshold))
                return MG_EXIT_USAGE;
            break;
        case OPT_COVERAGE:
            if (cli_number(cmd, "coverage-minutes", optarg, 0, MG_MAX_MINUTES, &settings.coverage_minutes))
                return MG_EXIT_USAGE;
            break;
        case OPT_BUDGET:
            if (cli_number(cmd, "budget", optarg, 0, 1e15, &settings.budget))
                return MG_EXIT_USAGE;
            break;
        case OPT_MIN_DISTANCE:
            if (cli_number(cmd, "min-distance", optarg, 0, 1000, &settings.min_km))
                return MG_EXIT_USAGE;
            break;
        case OPT_EXCLUDE: cand.exclude = optarg; break;
        case OPT_CANDIDATES: cand.rule = optarg; break;
        case OPT_PROPOSE: propose = optarg; break;
        case OPT_METHOD:
            if (strcmp(optarg, "greedy") == 0) {
                greedy = 1, exact = 0;
            } else if (strcmp(optarg, "exact") == 0) {
                greedy = 0, exact = 1;
            } else if (strcmp(optarg, "both") == 0) {
                greedy = 1, exact = 1;
            } else {
                cli_error(cmd, "--method %s: expected greedy, exact or both", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case OPT_TIME_LIMIT:
            if (cli_number(cmd, "time-limit", optarg, 0.1, 86400, &time_limit))
                return MG_EXIT_USAGE;
            break;
        case OPT_MEMORY:
            if (cli_number(cmd, "memory-limit", optarg, 64, 1e6, &memory_mb))
                return MG_EXIT_USAGE;
            break;
        case OPT_FORMAT:
            if (mg_format_parse(optarg, &fmt)) {
                cli_error(cmd, "--format %s: expected csv, json or geojson", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case OPT_OUT: out_path = optarg; break;
        default:
            cli_error(cmd, "try --help");
            return MG_EXIT_USAGE;
        }
    }
    if (opt < 0)
        return MG_EXIT_USAGE;
    if (cli_common_finish(&c, cmd))
        return MG_EXIT_USAGE;
    if (pa.nkinds == 0) {
        cli_error(cmd, "nothing to place: give at least one --resource KIND[=N]");
        return MG_EXIT_USAGE;
    }

    mg_diagnosis *g = NULL;
    int ex = cli_load(&c, &g);
    if (ex)
        return ex;
    mg_scenario_engine *engine = NULL;
    mg_plan_problem p = {0};
    site_set sets[3] = {{0}};
    size_t nsets = 0;
    mg_plan_solution gs = {0};
    mg_plan_exact_result er = {0};
    mg_plan_item *proposed = NULL;
    size_t nproposed = 0;
    mg_diag d = {{0}};
    int rc;
    if (!isfinite(settings.threshold))
        settings.threshold = g->prof->threshold;
    for (int k = 0; k < pa.nkinds; k++) {
        enum mg_resource r = (enum mg_resource)pa.order[k];
        mg_plan_kind *q = &settings.kinds[k];
        if ((rc = mg_plan_kind_init(q, r, g, &d))) {
            cli_error(cmd, "--resource %s: %s", mg_resource_name(r), d.msg);
            ex = cli_exit_for(rc);
            goto done;
        }
        q->max_count = pa.count[r];
        if (pa.has_capacity[r])
            q->capacity = pa.capacity[r];
        if (pa.has_cost[r])
            q->cost = pa.cost[r];
    }
    settings.nkinds = (size_t)pa.nkinds;
    /* Check the settings before the candidates are built: the messages are
     * about the command line. */
    if ((rc = mg_plan_problem_check(&settings, &d)) ||
        (rc = mg_scenario_engine_new(&engine, g, &d)) ||
        (rc = mg_plan_problem_build(&p, g, engine, &cand, &settings, &d))) {
        cli_error(cmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        ex = cli_exit_for(rc);
        goto done;
    }
    if (propose && parse_proposed(cmd, propose, g, &p, &proposed, &nproposed)) {
        ex = MG_EXIT_USAGE;
        goto done;
    }
    if (greedy) {
        mg_plan_greedy_opts go = {.lazy = true, .interchange = true};
        if ((rc = mg_plan_greedy(&p, &go, &gs, &d))) {
            cli_error(cmd, "%s", d.msg);
            ex = cli_exit_for(rc);
            goto done;
        }
        sets[nsets++] = (site_set){.name = "recommended", .items = gs.items, .n = gs.n,
                                   .pick = gs.pick_gain};
    }
    if (exact) {
        mg_plan_exact_opts eo = {.time_limit = time_limit, .memory_mb = (size_t)memory_mb};
        if ((rc = mg_plan_exact(&p, &eo, &er, &d))) {
            cli_error(cmd, "%s", d.msg);
            ex = cli_exit_for(rc);
            goto done;
        }
        if (er.status == MG_PLAN_FAILED || er.status == MG_PLAN_INFEASIBLE) {
            cli_error(cmd, "the exact solver %s (time limit %g s, memory limit %g MB)",
                      er.status == MG_PLAN_FAILED ? "failed" : "found the model infeasible",
                      time_limit, memory_mb);
            ex = MG_EXIT_FAILURE;
            goto done;
        }
        sets[nsets++] = (site_set){.name = "exact", .items = er.sol.items, .n = er.sol.n};
    }
    if (proposed)
        sets[nsets++] = (site_set){.name = "proposed", .items = proposed, .n = nproposed};
    for (size_t s = 0; s < nsets; s++)
        if ((rc = explain_set(&p, &sets[s]))) {
            cli_error(cmd, "out of memory");
            ex = MG_EXIT_FAILURE;
            goto done;
        }

    cli_out o;
    if (cli_out_open(&o, out_path, cmd)) {
        ex = MG_EXIT_OUTPUT;
        goto done;
    }
    int wr = 0;
    if (fmt == MG_FORMAT_CSV) {
        wr = write_csv(o.f, g, &p, sets, nsets);
    } else {
        json_t *root;
        if (fmt == MG_FORMAT_JSON) {
            root = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:I}", "objective",
                             mg_plan_objective_name(p.objective), "profession", g->prof->key,
                             "threshold", num(p.threshold), "coverage_minutes",
                             num(p.coverage_minutes), "budget", num(p.budget), "min_distance_km",
                             num(p.min_km), "candidates", (json_int_t)p.ncand, "units",
                             (json_int_t)p.n);
            json_t *res = json_array();
            for (size_t k = 0; k < p.nkinds; k++)
                json_array_append_new(res, json_pack("{s:s,s:o,s:o,s:I}", "kind",
                                                     mg_resource_name(p.kinds[k].proto.kind),
                                                     "capacity", num(p.kinds[k].capacity), "cost",
                                                     num(p.kinds[k].cost), "count",
                                                     (json_int_t)p.kinds[k].max_count));
            json_object_set_new(root, "resources", res);
            for (size_t s = 0; s < nsets; s++) {
                json_t *set = json_pack("{s:o}", "totals", totals_json(&sets[s]));
                json_t *sites = json_array();
                for (size_t k = 0; k < sets[s].n; k++)
                    json_array_append_new(sites, site_json(g, &p, &sets[s], k));
                json_object_set_new(set, "sites", sites);
                if (strcmp(sets[s].name, "recommended") == 0)
                    json_object_set_new(set, "seconds", json_real(gs.seconds));
                if (strcmp(sets[s].name, "exact") == 0) {
                    json_object_set_new(set, "status", json_string(mg_plan_exact_status_name(er.status)));
                    json_object_set_new(set, "bound", num(er.bound));
                    json_object_set_new(set, "seconds", json_real(er.seconds));
                    json_object_set_new(set, "columns", json_integer((json_int_t)er.columns));
                    json_object_set_new(set, "rows", json_integer((json_int_t)er.rows));
                    if (greedy)
                        json_object_set_new(set, "greedy_gap",
                                            num(er.bound > 0 ? (er.bound - gs.value) / er.bound : 0));
                }
                json_object_set_new(root, sets[s].name, set);
            }
        } else {
            root = json_pack("{s:s,s:[]}", "type", "FeatureCollection", "features");
            json_t *feats = json_object_get(root, "features");
            for (size_t s = 0; s < nsets; s++)
                for (size_t k = 0; k < sets[s].n; k++) {
                    json_t *props = site_json(g, &p, &sets[s], k);
                    size_t i = p.cand_commune[sets[s].items[k].cand];
                    json_array_append_new(
                        feats, json_pack("{s:s,s:{s:s,s:[ff]},s:o}", "type", "Feature", "geometry",
                                         "type", "Point", "coordinates", g->t->lon[i], g->t->lat[i],
                                         "properties", props));
                }
        }
        wr = root ? json_dumpf(root, o.f, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) : -1;
        if (wr == 0)
            fputc('\n', o.f);
        json_decref(root);
    }
    if (cli_out_close(&o, wr == 0, cmd) || wr) {
        ex = MG_EXIT_OUTPUT;
        goto done;
    }
    if (!c.quiet) {
        fprintf(stderr, "%zu candidate communes, %zu communes in the objective\n", p.ncand, p.n);
        for (size_t s = 0; s < nsets; s++)
            print_totals(sets[s].name, &sets[s], &p);
        if (greedy)
            fprintf(stderr, "greedy + interchange: %.3f ms\n", gs.seconds * 1e3);
        if (exact) {
            fprintf(stderr, "CBC: %s, objective %.6g, bound %.6g, %.3f s (%zu columns, %zu rows)\n",
                    mg_plan_exact_status_name(er.status), er.objective, er.bound, er.seconds,
                    er.columns, er.rows);
            if (greedy && isfinite(er.bound))
                fprintf(stderr, "gap of the greedy answer to CBC's bound: %.4f %%\n",
                        er.bound > 0 && er.bound - gs.value > 1e-9 * er.bound
                            ? 100 * (er.bound - gs.value) / er.bound
                            : 0.0);
        }
    }
done:
    for (size_t s = 0; s < nsets; s++)
        free(sets[s].ex);
    free(proposed);
    mg_plan_solution_free(&gs);
    mg_plan_exact_result_free(&er);
    mg_plan_problem_free(&p);
    mg_scenario_engine_free(engine);
    mg_diagnosis_free(g);
    return ex;
}
