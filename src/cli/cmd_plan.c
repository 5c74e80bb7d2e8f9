/*
 * maillage plan: where new resources of care help most (docs/planning.md).
 *
 * In three steps: parse (the command line into a plan_opts), compute (load
 * the diagnosis, build the problem, solve and explain it into a plan_run)
 * and output (the sites as CSV, JSON or GeoJSON; the totals on stderr).
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
#include "diagnosis/scope.h"
#include "output/table.h"
#include "parse/parse.h"
#include "plan/plan.h"

#define MAX_PROPOSED 1000

static const char cmd[] = "plan";

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
           "  --baseline B          official (default): the APL before is the DREES value\n"
           "                        where it publishes one (the model's elsewhere), plus\n"
           "                        the model's change; model: the model's APL\n"
           "  --scope SCOPE         candidates and objectives within epci:SIREN or\n"
           "                        communes:FILE (changes computed with every neighbour);\n"
           "                        totals also for the whole territory\n"
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

/* ---- Parse: the command line into a plan_opts -------------------------- */

enum {
    OPT_RESOURCE = OPT_COMMON_END + 1, OPT_CAPACITY, OPT_COST, OPT_OBJECTIVE, OPT_THRESHOLD,
    OPT_COVERAGE, OPT_BUDGET, OPT_MIN_DISTANCE, OPT_EXCLUDE, OPT_CANDIDATES, OPT_PROPOSE,
    OPT_METHOD, OPT_TIME_LIMIT, OPT_MEMORY, OPT_FORMAT, OPT_OUT, OPT_BASELINE, OPT_SCOPE,
};

/* The kinds asked for, in the order of their first --resource, and what
 * --resource, --capacity and --cost say of each. */
typedef struct plan_args {
    size_t count[MG_RES_COUNT];
    int given[MG_RES_COUNT], order[MG_RES_COUNT], nkinds;
    double capacity[MG_RES_COUNT], cost[MG_RES_COUNT];
    int has_capacity[MG_RES_COUNT], has_cost[MG_RES_COUNT];
} plan_args;

/* The command line, read. */
typedef struct plan_opts {
    cli_common c;
    plan_args pa;
    mg_plan_problem settings; /* objective and constraints; kinds filled by plan_kinds */
    mg_plan_candidates cand;
    const char *propose, *out_path, *scope;
    int greedy, exact;
    double time_limit, memory_mb;
    enum mg_format fmt;
    bool help; /* --help was given and answered */
} plan_opts;

/* Parses "KIND" or "KIND=VALUE"; has_value says whether '=' was there. */
static int kind_value(const char *opt, const char *arg, enum mg_resource *kind, double lo,
                      double hi, double *value, int *has_value)
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

/* --resource KIND[=N]; -1 after a usage error. */
static int resource_option(plan_args *pa, const char *arg)
{
    enum mg_resource r;
    double v = 1;
    int has;
    if (kind_value("resource", arg, &r, 0, MG_PLAN_MAX_SITES, &v, &has))
        return -1;
    if (!pa->given[r]) {
        if (pa->nkinds == MG_PLAN_MAX_KINDS)
            return -1;
        pa->order[pa->nkinds++] = r;
    }
    pa->given[r] = 1;
    pa->count[r] = (size_t)v;
    return 0;
}

/* --capacity KIND=X or --cost KIND=EUR (opt, with what stands after '=' in
 * its usage): the value of one kind, in value[kind], marked in has[kind];
 * -1 after a usage error. */
static int kind_setting_option(const char *opt, const char *unit, const char *arg, double lo,
                               double hi, double *value, int *has)
{
    enum mg_resource r;
    double v = 1;
    int has_value;
    if (kind_value(opt, arg, &r, lo, hi, &v, &has_value))
        return -1;
    if (!has_value) {
        cli_error(cmd, "--%s %s: expected KIND=%s", opt, arg, unit);
        return -1;
    }
    value[r] = v;
    has[r] = 1;
    return 0;
}

/* An option that takes one number: its name, bounds and where it goes. */
typedef struct number_opt {
    const char *name;
    double lo, hi;
    double *to;
} number_opt;

/* The options that take one number; any other code (longopts gives none)
 * is a usage error. -1 after a usage error. */
static int number_option(plan_opts *o, int opt, const char *arg)
{
    number_opt n;
    switch (opt) {
    case OPT_THRESHOLD: n = (number_opt){"threshold", 0, 1e9, &o->settings.threshold}; break;
    case OPT_COVERAGE:
        n = (number_opt){"coverage-minutes", 0, MG_MAX_MINUTES, &o->settings.coverage_minutes};
        break;
    case OPT_BUDGET: n = (number_opt){"budget", 0, 1e15, &o->settings.budget}; break;
    case OPT_MIN_DISTANCE: n = (number_opt){"min-distance", 0, 1000, &o->settings.min_km}; break;
    case OPT_TIME_LIMIT: n = (number_opt){"time-limit", 0.1, 86400, &o->time_limit}; break;
    case OPT_MEMORY: n = (number_opt){"memory-limit", 64, 1e6, &o->memory_mb}; break;
    default: cli_error(cmd, "try --help"); return -1;
    }
    return cli_number(cmd, n.name, arg, n.lo, n.hi, n.to) ? -1 : 0;
}

/* --method greedy, exact or both; -1 after a usage error. */
static int method_option(plan_opts *o, const char *arg)
{
    if (strcmp(arg, "greedy") == 0) {
        o->greedy = 1, o->exact = 0;
    } else if (strcmp(arg, "exact") == 0) {
        o->greedy = 0, o->exact = 1;
    } else if (strcmp(arg, "both") == 0) {
        o->greedy = 1, o->exact = 1;
    } else {
        cli_error(cmd, "--method %s: expected greedy, exact or both", arg);
        return -1;
    }
    return 0;
}

/* One option of plan's own (the common ones and --help aside); -1 after a
 * usage error. */
static int plan_option(plan_opts *o, int opt, const char *arg)
{
    switch (opt) {
    case OPT_RESOURCE: return resource_option(&o->pa, arg);
    case OPT_CAPACITY:
        return kind_setting_option("capacity", "X", arg, -1e12, 1e12, o->pa.capacity,
                                   o->pa.has_capacity);
    case OPT_COST:
        return kind_setting_option("cost", "EUR", arg, -1e15, 1e15, o->pa.cost, o->pa.has_cost);
    case OPT_OBJECTIVE:
        o->settings.objective = mg_plan_objective_parse(arg);
        if (o->settings.objective == MG_PLAN_OBJECTIVE_COUNT) {
            cli_error(cmd, "--objective %s: expected deficit, lifted, coverage or pmedian", arg);
            return -1;
        }
        return 0;
    case OPT_EXCLUDE: o->cand.exclude = arg; return 0;
    case OPT_CANDIDATES: o->cand.rule = arg; return 0;
    case OPT_PROPOSE: o->propose = arg; return 0;
    case OPT_METHOD: return method_option(o, arg);
    case OPT_SCOPE: o->scope = arg; return 0;
    case OPT_BASELINE:
        o->settings.baseline = mg_baseline_parse(arg);
        if (o->settings.baseline == MG_BASELINE_COUNT ||
            (strcmp(arg, "model") != 0 && strcmp(arg, "official") != 0)) {
            cli_error(cmd, "--baseline %s: expected model or official", arg);
            return -1;
        }
        return 0;
    case OPT_FORMAT:
        if (mg_format_parse(arg, &o->fmt)) {
            cli_error(cmd, "--format %s: expected csv, json or geojson", arg);
            return -1;
        }
        return 0;
    case OPT_OUT: o->out_path = arg; return 0;
    default: return number_option(o, opt, arg);
    }
}

/* Reads the command line into *o; returns an exit code, MG_EXIT_OK with
 * o->help set when --help was answered. */
static int plan_parse(plan_opts *o, int argc, char **argv)
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
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"scope", required_argument, NULL, OPT_SCOPE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (plan_opts){
        .settings = {.objective = MG_PLAN_DEFICIT, .threshold = NAN, .coverage_minutes = 10,
                     .budget = INFINITY, .baseline = MG_BASELINE_OFFICIAL},
        .cand = {.rule = "all"}, .greedy = 1, .time_limit = 60, .memory_mb = 4096,
        .fmt = MG_FORMAT_CSV,
    };
    cli_common_init(&o->c);
    int opt;
    optind = 1;
    while ((opt = cli_getopt(&o->c, argc, argv, longopts, cmd)) > 0) {
        if (opt == 'h') {
            help();
            o->help = true;
            return MG_EXIT_OK;
        }
        if (plan_option(o, opt, optarg))
            return MG_EXIT_USAGE;
    }
    if (opt < 0 || cli_common_finish(&o->c, cmd))
        return MG_EXIT_USAGE;
    if (o->pa.nkinds == 0) {
        cli_error(cmd, "nothing to place: give at least one --resource KIND[=N]");
        return MG_EXIT_USAGE;
    }
    return MG_EXIT_OK;
}

/* ---- Compute: load, build the problem, solve, explain ------------------ */

/* A set of sites written out: the greedy answer, CBC's or the user's. */
typedef struct site_set {
    const char *name; /* recommended, exact, proposed */
    mg_plan_item *items;
    size_t n;
    double *pick;
    mg_plan_totals tot;
    mg_plan_totals all; /* with --scope: the same sites over the whole territory */
    mg_plan_site_explain *ex;
} site_set;

/* What a run computed; plan_run_free releases all of it. */
typedef struct plan_run {
    mg_diagnosis *g;
    mg_scenario_engine *engine;
    mg_plan_problem p;
    mg_scope scope;          /* --scope, or the whole territory */
    mg_plan_problem pall;    /* --scope: the same candidates, every study commune a unit */
    bool has_all;
    site_set sets[3];
    size_t nsets;
    mg_plan_solution gs;     /* the greedy answer (--method greedy or both) */
    mg_plan_exact_result er; /* CBC's answer (--method exact or both) */
    mg_plan_item *proposed;  /* --propose */
    size_t nproposed;
    mg_diag d; /* the message of the step that failed */
} plan_run;

static void plan_run_free(plan_run *r)
{
    for (size_t s = 0; s < r->nsets; s++)
        free(r->sets[s].ex);
    free(r->proposed);
    mg_plan_solution_free(&r->gs);
    mg_plan_exact_result_free(&r->er);
    mg_plan_problem_free(&r->p);
    if (r->has_all)
        mg_plan_problem_free(&r->pall);
    mg_scope_free(&r->scope);
    mg_scenario_engine_free(r->engine);
    mg_diagnosis_free(r->g);
}

/* The kinds of o->settings: the defaults for the profession of r->g, then
 * what the command line says; the default threshold too. Exit code. */
static int plan_kinds(plan_opts *o, plan_run *r)
{
    mg_plan_problem *settings = &o->settings;
    const plan_args *pa = &o->pa;
    if (!isfinite(settings->threshold))
        settings->threshold = r->g->prof->threshold;
    for (int k = 0; k < pa->nkinds; k++) {
        enum mg_resource res = (enum mg_resource)pa->order[k];
        mg_plan_kind *q = &settings->kinds[k];
        int rc = mg_plan_kind_init(q, res, r->g, &r->d);
        if (rc) {
            cli_error(cmd, "--resource %s: %s", mg_resource_name(res), r->d.msg);
            return cli_exit_for(rc);
        }
        q->max_count = pa->count[res];
        if (pa->has_capacity[res])
            q->capacity = pa->capacity[res];
        if (pa->has_cost[res])
            q->cost = pa->cost[res];
    }
    settings->nkinds = (size_t)pa->nkinds;
    return MG_EXIT_OK;
}

/* The index in p of the kind called name, or -1 when it is not one of them. */
static int kind_index(const mg_plan_problem *p, const char *name)
{
    enum mg_resource r = mg_resource_parse(name);
    int found = -1;
    for (uint32_t k = 0; k < p->nkinds; k++)
        if (p->kinds[k].proto.kind == r)
            found = (int)k;
    return found;
}

/* One CODE[:KIND] of --propose, cut at the colon, into *item (a study
 * commune); -1 after a usage error. */
static int proposed_site(char *tok, const mg_diagnosis *g, const mg_plan_problem *p,
                         mg_plan_item *item)
{
    char *colon = strchr(tok, ':');
    int kind = 0;
    if (colon) {
        *colon = '\0';
        kind = kind_index(p, colon + 1);
        if (kind < 0) {
            cli_error(cmd, "--propose %s: \"%s\" is not one of the --resource kinds", tok,
                      colon + 1);
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
        return -1;
    }
    *item = (mg_plan_item){(uint32_t)c, (uint32_t)kind};
    return 0;
}

/* Parses --propose into items of p (study communes only); the caller frees
 * *out. -1 after a usage error. */
static int parse_proposed(const char *arg, const mg_diagnosis *g, const mg_plan_problem *p,
                          mg_plan_item **out, size_t *nout)
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
    for (const char *s = arg; *s;) {
        size_t len = strcspn(s, ",");
        char tok[80];
        if (len == 0 || len >= sizeof tok) {
            cli_error(cmd, "--propose %s: expected CODE[:KIND],...", arg);
            free(items);
            return -1;
        }
        memcpy(tok, s, len);
        tok[len] = '\0';
        if (proposed_site(tok, g, p, &items[n++])) {
            free(items);
            return -1;
        }
        s += len + (s[len] == ',');
    }
    *out = items;
    *nout = n;
    return 0;
}

/* The problem: the settings checked, the scenario engine, the candidates,
 * and the user's proposal read against them. Exit code. */
static int plan_build(plan_opts *o, plan_run *r)
{
    int rc;
    /* Check the settings before the candidates are built: the messages are
     * about the command line. */
    if ((rc = mg_plan_problem_check(&o->settings, &r->d)) ||
        (rc = mg_scenario_engine_new(&r->engine, r->g, &r->d)) ||
        (rc = mg_plan_problem_build(&r->p, r->g, r->engine, &o->cand, &o->settings, &r->d))) {
        cli_error(cmd, "%s", r->d.msg[0] ? r->d.msg : mg_strerror(rc));
        return cli_exit_for(rc);
    }
    if (o->cand.scope) {
        /* The whole territory's figures of the same sites. */
        mg_plan_candidates all = o->cand;
        all.units_everywhere = true;
        if ((rc = mg_plan_problem_build(&r->pall, r->g, r->engine, &all, &o->settings, &r->d))) {
            cli_error(cmd, "%s", r->d.msg[0] ? r->d.msg : mg_strerror(rc));
            return cli_exit_for(rc);
        }
        r->has_all = true;
    }
    if (o->propose && parse_proposed(o->propose, r->g, &r->p, &r->proposed, &r->nproposed))
        return MG_EXIT_USAGE;
    return MG_EXIT_OK;
}

/* The lazy greedy answer with interchange, as the set "recommended". */
static int run_greedy(plan_run *r)
{
    mg_plan_greedy_opts go = {.lazy = true, .interchange = true};
    int rc = mg_plan_greedy(&r->p, &go, &r->gs, &r->d);
    if (rc) {
        cli_error(cmd, "%s", r->d.msg);
        return cli_exit_for(rc);
    }
    r->sets[r->nsets++] = (site_set){.name = "recommended", .items = r->gs.items,
                                     .n = r->gs.n, .pick = r->gs.pick_gain};
    return MG_EXIT_OK;
}

/* CBC's answer within the limits of o, as the set "exact". */
static int run_exact(const plan_opts *o, plan_run *r)
{
    mg_plan_exact_opts eo = {.time_limit = o->time_limit, .memory_mb = (size_t)o->memory_mb};
    int rc = mg_plan_exact(&r->p, &eo, &r->er, &r->d);
    if (rc) {
        cli_error(cmd, "%s", r->d.msg);
        return cli_exit_for(rc);
    }
    if (r->er.status == MG_PLAN_FAILED || r->er.status == MG_PLAN_INFEASIBLE) {
        cli_error(cmd, "the exact solver %s (time limit %g s, memory limit %g MB)",
                  r->er.status == MG_PLAN_FAILED ? "failed" : "found the model infeasible",
                  o->time_limit, o->memory_mb);
        return MG_EXIT_FAILURE;
    }
    r->sets[r->nsets++] = (site_set){.name = "exact", .items = r->er.sol.items, .n = r->er.sol.n};
    return MG_EXIT_OK;
}

/* The sets asked for by --method and --propose, each explained site by
 * site. Exit code. */
static int plan_solve(const plan_opts *o, plan_run *r)
{
    int ex;
    if (o->greedy && (ex = run_greedy(r)))
        return ex;
    if (o->exact && (ex = run_exact(o, r)))
        return ex;
    if (r->proposed)
        r->sets[r->nsets++] = (site_set){.name = "proposed", .items = r->proposed,
                                         .n = r->nproposed};
    for (size_t s = 0; s < r->nsets; s++) {
        site_set *set = &r->sets[s];
        set->ex = mg_alloc_array(set->n ? set->n : 1, sizeof *set->ex);
        if (!set->ex || mg_plan_explain(&r->p, set->items, set->n, &set->tot, set->ex, NULL) ||
            (r->has_all && mg_plan_explain(&r->pall, set->items, set->n, &set->all, NULL, NULL))) {
            cli_error(cmd, "out of memory");
            return MG_EXIT_FAILURE;
        }
    }
    return MG_EXIT_OK;
}

/* --scope: the scope's communes as marks on the candidates (and units of
 * the objective), the diagnosis left whole so that the same sites are
 * also reported over the whole territory. The forms and exit codes of
 * cli_scope: epci:SIREN (2 when unknown), communes:FILE (3 for the file). */
static int plan_scope(plan_opts *o, plan_run *r)
{
    mg_diag d = {{0}};
    int rc;
    if (strncmp(o->scope, "communes:", 9) == 0) {
        uint8_t *mark = mg_alloc_array(r->g->t->n ? r->g->t->n : 1, 1);
        if (!mark) {
            cli_error(cmd, "out of memory");
            return MG_EXIT_FAILURE;
        }
        rc = mg_plan_read_codes(r->g->t, o->scope + 9, mark, &d);
        if (rc == MG_OK)
            rc = mg_scope_from_marks(r->g, mark, o->scope + 9, &r->scope, &d);
        free(mark);
        if (rc) {
            cli_error(cmd, "--scope: %s", d.msg[0] ? d.msg : mg_strerror(rc));
            return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
        }
    } else if ((rc = mg_scope_parse(r->g, o->scope, &r->scope, &d))) {
        cli_error(cmd, "--scope: %s", d.msg[0] ? d.msg : mg_strerror(rc));
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_USAGE;
    }
    o->cand.scope = r->scope.mark;
    return MG_EXIT_OK;
}

/* Everything plan computes, into *r (freed by the caller). Exit code. */
static int plan_compute(plan_opts *o, plan_run *r)
{
    int ex = cli_load(&o->c, &r->g);
    if (!ex && o->scope)
        ex = plan_scope(o, r);
    if (ex || (ex = plan_kinds(o, r)) || (ex = plan_build(o, r)))
        return ex;
    return plan_solve(o, r);
}

/* ---- Output: the sites in a file, the totals on stderr ----------------- */

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
    json_t *o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:s,s:o,s:o,s:o}",
                          "set", s->name, "rank", (json_int_t)(k + 1), "code", g->t->code[i],
                          "name", g->t->name[i], "kind", mg_resource_name(q->proto.kind),
                          "capacity", num(q->capacity), "cost", num(q->cost),
                          "gain_at_pick", num(s->pick ? s->pick[k] : NAN),
                          "marginal_gain", num(e->marginal), "communes_reached",
                          (json_int_t)e->units_reached, "population_reached",
                          num(e->population_reached), "population_lifted",
                          num(e->population_lifted), "best_commune", g->t->code[bu],
                          "apl_gain_max", num(e->apl_gain_max), "lat", num(g->t->lat[i]), "lon",
                          num(g->t->lon[i]));
    if (o) {
        json_object_set_new(o, "standalone_gain", num(e->standalone));
        json_object_set_new(o, "inhabitants_reached", num(e->inhabitants_reached));
        json_object_set_new(o, "inhabitants_lifted", num(e->inhabitants_lifted));
    }
    return o;
}

/* A set's totals: the objective's gain, the deficit and the standardised
 * population below the threshold (below_*, population_lifted), the
 * inhabitants and communes below it, the cost. */
static json_t *totals_json(const mg_plan_totals *t)
{
    json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "objective_gain", num(t->value),
                          "deficit_before", num(t->deficit_before), "deficit_after",
                          num(t->deficit_after), "below_before", num(t->below_before),
                          "below_after", num(t->below_after), "population_lifted",
                          num(t->lifted), "cost", num(t->cost), "cost_per_person_lifted",
                          num(t->cost_per_lifted));
    if (o) {
        json_object_set_new(o, "inhabitants_below_before", num(t->inhabitants_below_before));
        json_object_set_new(o, "inhabitants_below_after", num(t->inhabitants_below_after));
        json_object_set_new(o, "inhabitants_lifted", num(t->inhabitants_lifted));
        json_object_set_new(o, "cost_per_inhabitant_lifted", num(t->cost_per_inhabitant_lifted));
        json_object_set_new(o, "communes_below_before",
                            json_integer((json_int_t)t->communes_below_before));
        json_object_set_new(o, "communes_below_after",
                            json_integer((json_int_t)t->communes_below_after));
    }
    return o;
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputs(",", f);
}

static int write_csv(FILE *f, const mg_diagnosis *g, const mg_plan_problem *p,
                     const site_set *sets, size_t nsets)
{
    fputs("set,rank,code,name,kind,capacity,cost,gain_at_pick,marginal_gain,communes_reached,"
          "population_reached,population_lifted,best_commune,apl_gain_max,lat,lon,standalone_gain,"
          "inhabitants_reached,inhabitants_lifted\n",
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
            csv_num(f, e->standalone);
            csv_num(f, e->inhabitants_reached);
            csv_num(f, e->inhabitants_lifted);
            fputc('\n', f);
        }
    return ferror(f) ? -1 : 0;
}

/* The kinds placed, with their capacity, cost and count. */
static json_t *resources_json(const mg_plan_problem *p)
{
    json_t *res = json_array();
    for (size_t k = 0; k < p->nkinds; k++)
        json_array_append_new(res, json_pack("{s:s,s:o,s:o,s:I}", "kind",
                                             mg_resource_name(p->kinds[k].proto.kind),
                                             "capacity", num(p->kinds[k].capacity), "cost",
                                             num(p->kinds[k].cost), "count",
                                             (json_int_t)p->kinds[k].max_count));
    return res;
}

/* One set of the JSON output: its totals, its sites and, for the solvers'
 * answers, how they were found. */
static json_t *set_json(const plan_opts *o, const plan_run *r, const site_set *s)
{
    const mg_plan_exact_result *er = &r->er;
    json_t *set = json_pack("{s:o}", "totals", totals_json(&s->tot));
    if (r->has_all)
        json_object_set_new(set, "territory_totals", totals_json(&s->all));
    json_t *sites = json_array();
    for (size_t k = 0; k < s->n; k++)
        json_array_append_new(sites, site_json(r->g, &r->p, s, k));
    json_object_set_new(set, "sites", sites);
    if (strcmp(s->name, "recommended") == 0)
        json_object_set_new(set, "seconds", json_real(r->gs.seconds));
    if (strcmp(s->name, "exact") == 0) {
        json_object_set_new(set, "status", json_string(mg_plan_exact_status_name(er->status)));
        json_object_set_new(set, "bound", num(er->bound));
        json_object_set_new(set, "seconds", json_real(er->seconds));
        json_object_set_new(set, "columns", json_integer((json_int_t)er->columns));
        json_object_set_new(set, "rows", json_integer((json_int_t)er->rows));
        if (o->greedy)
            json_object_set_new(set, "greedy_gap",
                                num(er->bound > 0 ? (er->bound - r->gs.value) / er->bound : 0));
    }
    return set;
}

/* --format json: the settings, the resources, then each set by its name. */
static json_t *plan_json(const plan_opts *o, const plan_run *r)
{
    const mg_plan_problem *p = &r->p;
    json_t *root = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:I}", "objective",
                             mg_plan_objective_name(p->objective), "profession", r->g->prof->key,
                             "threshold", num(p->threshold), "coverage_minutes",
                             num(p->coverage_minutes), "budget", num(p->budget), "min_distance_km",
                             num(p->min_km), "candidates", (json_int_t)p->ncand, "units",
                             (json_int_t)p->n);
    json_object_set_new(root, "baseline", json_string(mg_baseline_name(p->baseline)));
    json_object_set_new(root, "resources", resources_json(p));
    for (size_t s = 0; s < r->nsets; s++)
        json_object_set_new(root, r->sets[s].name, set_json(o, r, &r->sets[s]));
    return root;
}

/* --format geojson: one point per site of every set. */
static json_t *plan_geojson(const plan_run *r)
{
    const mg_diagnosis *g = r->g;
    json_t *root = json_pack("{s:s,s:[]}", "type", "FeatureCollection", "features");
    json_t *feats = json_object_get(root, "features");
    for (size_t s = 0; s < r->nsets; s++)
        for (size_t k = 0; k < r->sets[s].n; k++) {
            json_t *props = site_json(g, &r->p, &r->sets[s], k);
            size_t i = r->p.cand_commune[r->sets[s].items[k].cand];
            json_array_append_new(
                feats, json_pack("{s:s,s:{s:s,s:[ff]},s:o}", "type", "Feature", "geometry",
                                 "type", "Point", "coordinates", g->t->lon[i], g->t->lat[i],
                                 "properties", props));
        }
    return root;
}

/* Writes root (NULL: it could not be built) and releases it; 0 or -1. */
static int write_json(FILE *f, json_t *root)
{
    int wr = root ? json_dumpf(root, f, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) : -1;
    if (wr == 0)
        fputc('\n', f);
    json_decref(root);
    return wr;
}

/* The sites of every set to --out in --format. Exit code. */
static int plan_write(const plan_opts *o, const plan_run *r)
{
    cli_out out;
    if (cli_out_open(&out, o->out_path, cmd))
        return MG_EXIT_OUTPUT;
    int wr;
    if (o->fmt == MG_FORMAT_CSV)
        wr = write_csv(out.f, r->g, &r->p, r->sets, r->nsets);
    else
        wr = write_json(out.f, o->fmt == MG_FORMAT_JSON ? plan_json(o, r) : plan_geojson(r));
    if (cli_out_close(&out, wr == 0, cmd) || wr)
        return MG_EXIT_OUTPUT;
    return MG_EXIT_OK;
}

/* Communes and inhabitants below the threshold before and after, on
 * stderr after `where`. */
static void print_below(const char *where, const mg_plan_totals *t, double threshold)
{
    fprintf(stderr, "  %s: communes below %.2f %zu -> %zu, inhabitants below %.0f -> %.0f "
                    "(lifted %.0f), standardised population below %.0f -> %.0f (lifted %.0f)\n",
            where, threshold, t->communes_below_before, t->communes_below_after,
            t->inhabitants_below_before, t->inhabitants_below_after, t->inhabitants_lifted,
            t->below_before, t->below_after, t->lifted);
}

static void print_totals(const char *label, const site_set *s, const plan_run *r)
{
    const mg_plan_problem *p = &r->p;
    const mg_plan_totals *t = &s->tot;
    fprintf(stderr, "%s: %zu site%s, %s gain %.6g (the sites' marginal gains add up to it), "
                    "cost %.0f EUR",
            label, s->n, s->n == 1 ? "" : "s", mg_plan_objective_name(p->objective), t->value,
            t->cost);
    if (isfinite(t->cost_per_inhabitant_lifted))
        fprintf(stderr, ", %.0f EUR per inhabitant lifted", t->cost_per_inhabitant_lifted);
    fputc('\n', stderr);
    if (!(p->threshold > 0))
        return;
    print_below(r->has_all ? r->scope.label : "territory", t, p->threshold);
    if (r->has_all)
        print_below("whole territory", &s->all, p->threshold);
}

/* The figures on stderr: the size of the problem, each set's totals, the
 * solvers' times and the gap of the greedy answer to CBC's bound. */
static void plan_report(const plan_opts *o, const plan_run *r)
{
    const mg_plan_exact_result *er = &r->er;
    fprintf(stderr, "%zu candidate communes, %zu communes in the objective, baseline %s\n",
            r->p.ncand, r->p.n, mg_baseline_name(r->p.baseline));
    for (size_t s = 0; s < r->nsets; s++)
        print_totals(r->sets[s].name, &r->sets[s], r);
    if (o->greedy)
        fprintf(stderr, "greedy + interchange: %.3f ms\n", r->gs.seconds * 1e3);
    if (!o->exact)
        return;
    fprintf(stderr, "CBC: %s, objective %.6g, bound %.6g, %.3f s (%zu columns, %zu rows)\n",
            mg_plan_exact_status_name(er->status), er->objective, er->bound, er->seconds,
            er->columns, er->rows);
    if (o->greedy && isfinite(er->bound))
        fprintf(stderr, "gap of the greedy answer to CBC's bound: %.4f %%\n",
                er->bound > 0 && er->bound - r->gs.value > 1e-9 * er->bound
                    ? 100 * (er->bound - r->gs.value) / er->bound
                    : 0.0);
}

int mg_cmd_plan(int argc, char **argv)
{
    plan_opts o;
    int ex = plan_parse(&o, argc, argv);
    if (ex || o.help)
        return ex;
    plan_run r = {0};
    ex = plan_compute(&o, &r);
    if (!ex)
        ex = plan_write(&o, &r);
    if (!ex && !o.c.quiet)
        plan_report(&o, &r);
    plan_run_free(&r);
    return ex;
}
