/*
 * maillage rounds: mobile services' rounds from the command line
 * (docs/rounds-cli.md): services, vehicles, stops, the target populations
 * and school holidays, plans (computed, or the current rounds entered),
 * their comparison, publication and cancellations. The timetable, the
 * iCalendar feed and the poster are in rounds_publish.c.
 */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "core/utf8.h"
#include "db/db.h"
#include "diagnosis/scope.h"
#include "parse/parse.h"
#include "rounds/build.h"
#include "rounds/current.h"
#include "rounds/population.h"
#include "rounds/rounds.h"
#include "rounds/stops_file.h"
#include "rounds/store.h"
#include "routing/routing.h"
#include "scenario/scenario.h"

static const char kCmd[] = "rounds";

static void help(void)
{
    printf(
        "Usage: maillage rounds SUBCOMMAND [OPTIONS] --database DB\n"
        "\n"
        "Mobile services' rounds (docs/rounds-cli.md). DB is an SQLite file or a\n"
        "postgresql://... URI; it must exist. SERVICE, PLAN are ids.\n"
        "\n"
        "  service add --organisation ORG --name NAME [--territory SCOPE]\n"
        "              [--public all|early_childhood|youth|elderly] [--profession mg|inf|mk|sf|cd]\n"
        "              [--reach MIN] [--cycle WEEKS] [--stop-minutes MIN] [--extra X]\n"
        "              [--zone A|B|C] [--no-holidays] [--contact TEXT] [--example]\n"
        "  service list [--organisation ORG]\n"
        "  vehicle add SERVICE --name NAME --base-name PLACE --base-commune CODE\n"
        "              --base-point LAT,LON --days mon,thu --start HH:MM --end HH:MM\n"
        "              [--break MIN --break-window HH:MM-HH:MM] [--max-drive MIN]\n"
        "  vehicle list SERVICE\n"
        "  stops default SERVICE DIAGNOSIS [--replace]      each commune's chef-lieu\n"
        "  stops import SERVICE FILE DIAGNOSIS [--replace]  a stops file (nom;commune;lat;lon;minutes)\n"
        "  stops directory SERVICE --category C[,C] DIAGNOSIS [--replace]\n"
        "                                                   directory structures (town_hall, social…)\n"
        "  stops list SERVICE\n"
        "  population import FILE DIAGNOSIS                 INSEE's population by age\n"
        "  holidays import FILE                             the ministry's school calendar\n"
        "  plan SERVICE DIAGNOSIS [--exact] [--bound] [--seconds S] [--seed N] [--label L]\n"
        "              [--dry-run]\n"
        "  enter SERVICE FILE DIAGNOSIS [--label L]         the current rounds (CSV)\n"
        "  compare SERVICE                                  the service's plans side by side\n"
        "  publish SERVICE PLAN --from MONDAY\n"
        "  unpublish SERVICE\n"
        "  cancel SERVICE --date DATE [--vehicle ID] [--stop ID] [--reason TEXT]\n"
        "  timetable SERVICE --from DATE --to DATE [--ical] [-o FILE]\n"
        "  poster SERVICE COMMUNE -o FILE.pdf [--from DATE] [--weeks N]\n"
        "\n"
        "DIAGNOSIS: --bundle DIR --france DIR and the options of maillage access\n"
        "(--graph FILE for road times; the crow-fly model otherwise).\n"
        "  --as ACCOUNT   the account id changes are recorded in the name of\n"
        "  -q, --quiet    no summary on stderr\n"
        "  -h, --help     this help\n"
        "Exit codes: 0 success, 1 internal failure, 2 bad command line or refused\n"
        "value, 3 bad or missing input (file, database, id), 4 output not written.\n");
}

enum {
    O_DATABASE = OPT_COMMON_END + 1, O_AS, O_ORGANISATION, O_NAME, O_TERRITORY, O_PUBLIC,
    O_PROF, O_REACH, O_CYCLE, O_STOP_MINUTES, O_EXTRA, O_ZONE, O_NO_HOLIDAYS, O_CONTACT,
    O_EXAMPLE, O_BASE_NAME, O_BASE_COMMUNE, O_BASE_POINT, O_DAYS, O_START, O_END, O_BREAK,
    O_BREAK_WINDOW, O_MAX_DRIVE, O_REPLACE, O_CATEGORY, O_EXACT, O_BOUND, O_SECONDS, O_SEED,
    O_LABEL, O_DRY_RUN, O_FROM, O_TO, O_DATE, O_VEHICLE, O_STOP, O_REASON, O_ICAL, O_WEEKS,
    O_OUTPUT,
};

typedef struct ropts {
    cli_common c;
    bool diag_given;      /* --bundle or --france given */
    bool profession_given;
    const char *database;
    int64_t by;
    const char *organisation, *name, *territory, *public_, *contact, *zone;
    const char *base_name, *base_commune, *base_point, *days, *start, *end, *break_window;
    const char *category, *label, *from, *to, *date, *reason, *output;
    int64_t reach, cycle, stop_minutes, brk, max_drive, vehicle, stop, weeks, seed;
    double extra, seconds;
    bool no_holidays, example, replace, exact, bound, dry_run, ical;
    int nops;
    char **ops;
} ropts;

static int parse(ropts *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {"database", required_argument, NULL, O_DATABASE},
        {"as", required_argument, NULL, O_AS},
        {"organisation", required_argument, NULL, O_ORGANISATION},
        {"name", required_argument, NULL, O_NAME},
        {"territory", required_argument, NULL, O_TERRITORY},
        {"public", required_argument, NULL, O_PUBLIC},
        {"reach", required_argument, NULL, O_REACH},
        {"cycle", required_argument, NULL, O_CYCLE},
        {"stop-minutes", required_argument, NULL, O_STOP_MINUTES},
        {"extra", required_argument, NULL, O_EXTRA},
        {"zone", required_argument, NULL, O_ZONE},
        {"no-holidays", no_argument, NULL, O_NO_HOLIDAYS},
        {"contact", required_argument, NULL, O_CONTACT},
        {"example", no_argument, NULL, O_EXAMPLE},
        {"base-name", required_argument, NULL, O_BASE_NAME},
        {"base-commune", required_argument, NULL, O_BASE_COMMUNE},
        {"base-point", required_argument, NULL, O_BASE_POINT},
        {"days", required_argument, NULL, O_DAYS},
        {"start", required_argument, NULL, O_START},
        {"end", required_argument, NULL, O_END},
        {"break", required_argument, NULL, O_BREAK},
        {"break-window", required_argument, NULL, O_BREAK_WINDOW},
        {"max-drive", required_argument, NULL, O_MAX_DRIVE},
        {"replace", no_argument, NULL, O_REPLACE},
        {"category", required_argument, NULL, O_CATEGORY},
        {"exact", no_argument, NULL, O_EXACT},
        {"bound", no_argument, NULL, O_BOUND},
        {"seconds", required_argument, NULL, O_SECONDS},
        {"seed", required_argument, NULL, O_SEED},
        {"label", required_argument, NULL, O_LABEL},
        {"dry-run", no_argument, NULL, O_DRY_RUN},
        {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},
        {"date", required_argument, NULL, O_DATE},
        {"vehicle", required_argument, NULL, O_VEHICLE},
        {"stop", required_argument, NULL, O_STOP},
        {"reason", required_argument, NULL, O_REASON},
        {"ical", no_argument, NULL, O_ICAL},
        {"weeks", required_argument, NULL, O_WEEKS},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    cli_common_init(&o->c);
    o->reach = 15;
    o->cycle = 1;
    o->stop_minutes = 120;
    o->extra = 0.5;
    o->seconds = 2;
    o->seed = 1;
    o->weeks = 4;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qho:", longopts, NULL)) != -1) {
        if (opt == OPT_BUNDLE || opt == OPT_FRANCE)
            o->diag_given = true;
        if (opt == OPT_PROFESSION)
            o->profession_given = true;
        int k = cli_common_option(&o->c, opt, optarg, kCmd);
        if (k < 0)
            return -1;
        if (k > 0)
            continue;
        switch (opt) {
        case 'h': help(); return 1;
        case O_DATABASE: o->database = optarg; break;
        case O_AS:
            if (cli_int(kCmd, "--as", optarg, 1, INT64_MAX, &o->by))
                return -1;
            break;
        case O_ORGANISATION: o->organisation = optarg; break;
        case O_NAME: o->name = optarg; break;
        case O_TERRITORY: o->territory = optarg; break;
        case O_PUBLIC: o->public_ = optarg; break;
        case O_REACH:
            if (cli_int(kCmd, "--reach", optarg, 0, 100000, &o->reach))
                return -1;
            break;
        case O_CYCLE:
            if (cli_int(kCmd, "--cycle", optarg, 0, 100, &o->cycle))
                return -1;
            break;
        case O_STOP_MINUTES:
            if (cli_int(kCmd, "--stop-minutes", optarg, 0, 100000, &o->stop_minutes))
                return -1;
            break;
        case O_EXTRA:
            if (cli_number(kCmd, "--extra", optarg, 0, 1000, &o->extra))
                return -1;
            break;
        case O_ZONE: o->zone = optarg; break;
        case O_NO_HOLIDAYS: o->no_holidays = true; break;
        case O_CONTACT: o->contact = optarg; break;
        case O_EXAMPLE: o->example = true; break;
        case O_BASE_NAME: o->base_name = optarg; break;
        case O_BASE_COMMUNE: o->base_commune = optarg; break;
        case O_BASE_POINT: o->base_point = optarg; break;
        case O_DAYS: o->days = optarg; break;
        case O_START: o->start = optarg; break;
        case O_END: o->end = optarg; break;
        case O_BREAK:
            if (cli_int(kCmd, "--break", optarg, 0, 1440, &o->brk))
                return -1;
            break;
        case O_BREAK_WINDOW: o->break_window = optarg; break;
        case O_MAX_DRIVE:
            if (cli_int(kCmd, "--max-drive", optarg, 0, 1440, &o->max_drive))
                return -1;
            break;
        case O_REPLACE: o->replace = true; break;
        case O_CATEGORY: o->category = optarg; break;
        case O_EXACT: o->exact = true; break;
        case O_BOUND: o->bound = true; break;
        case O_SECONDS:
            if (cli_number(kCmd, "--seconds", optarg, 0.01, 3600, &o->seconds))
                return -1;
            break;
        case O_SEED:
            if (cli_int(kCmd, "--seed", optarg, 0, INT64_MAX, &o->seed))
                return -1;
            break;
        case O_LABEL: o->label = optarg; break;
        case O_DRY_RUN: o->dry_run = true; break;
        case O_FROM: o->from = optarg; break;
        case O_TO: o->to = optarg; break;
        case O_DATE: o->date = optarg; break;
        case O_VEHICLE:
            if (cli_int(kCmd, "--vehicle", optarg, 1, INT64_MAX, &o->vehicle))
                return -1;
            break;
        case O_STOP:
            if (cli_int(kCmd, "--stop", optarg, 1, INT64_MAX, &o->stop))
                return -1;
            break;
        case O_REASON: o->reason = optarg; break;
        case O_ICAL: o->ical = true; break;
        case O_WEEKS:
            if (cli_int(kCmd, "--weeks", optarg, 1, 16, &o->weeks))
                return -1;
            break;
        case 'o': o->output = optarg; break;
        default: cli_error(kCmd, "try --help"); return -1;
        }
    }
    o->ops = argv + optind;
    o->nops = argc - optind;
    return 0;
}

/* --- Shared steps --------------------------------------------------------------------------- */

static bool database_exists(const char *db)
{
    if (strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0)
        return true;
    if (strncmp(db, "sqlite:", 7) == 0)
        db += 7;
    struct stat st;
    return stat(db, &st) == 0 && S_ISREG(st.st_mode);
}

static int open_database(const char *url, mg_db **db)
{
    if (!url) {
        cli_error(kCmd, "--database is required (try --help)");
        return MG_EXIT_USAGE;
    }
    if (!database_exists(url)) {
        cli_error(kCmd, "--database %s: no such database file", url);
        return MG_EXIT_INPUT;
    }
    mg_diag d = {{0}};
    int rc = mg_db_open(db, url, NULL, &d);
    if (rc) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    return MG_EXIT_OK;
}

/* Exactly n operands after the subcommand's words; a usage error otherwise. */
static int operands(const ropts *o, int n, const char *what)
{
    if (o->nops != n) {
        cli_error(kCmd, "%s expected (try --help)", what);
        return MG_EXIT_USAGE;
    }
    return 0;
}

static int id_operand(const char *s, const char *what, int64_t *out)
{
    if (mg_parse_id(s, INT64_MAX, out, NULL) != 0) {
        cli_error(kCmd, "%s: expected an id, found \"%.*s\"", what, (int)mg_utf8_prefix(s, 60), s);
        return MG_EXIT_USAGE;
    }
    return 0;
}

/* Exit code for a store error: refused value 2, unknown id or bad file 3. */
static int store_exit(int rc, const mg_diag *d)
{
    cli_error(kCmd, "%s", d->msg[0] ? d->msg : mg_strerror(rc));
    switch (rc) {
    case MG_EINVAL: return MG_EXIT_USAGE;
    case MG_ENOMEM: return MG_EXIT_FAILURE;
    default: return MG_EXIT_INPUT;
    }
}

static int refused(const mg_round_errors *e, int rc, const mg_diag *d)
{
    if (rc == MG_EINVAL && e->n) {
        for (size_t i = 0; i < e->n && i < MG_ROUND_ERRORS_MAX; i++)
            cli_error(kCmd, "%s: %s", e->e[i].field, e->e[i].msg);
        return MG_EXIT_USAGE;
    }
    return store_exit(rc, d);
}

/* An organisation by id or exact name. */
static int org_of(mg_db *db, const char *text, int64_t *out)
{
    mg_diag d = {{0}};
    if (mg_parse_id(text, INT64_MAX, out, NULL) == 0) {
        mg_auth_org org;
        if (mg_auth_org_get(db, *out, &org, &d) == 0)
            return 0;
        cli_error(kCmd, "--organisation: no organisation with id %lld", (long long)*out);
        return MG_EXIT_INPUT;
    }
    size_t found = 0, total = 0;
    for (size_t off = 0;;) {
        mg_auth_org *page = NULL;
        size_t got = 0;
        int rc = mg_auth_org_list(db, false, off, 500, &page, &got, &total, &d);
        if (rc) {
            free(page);
            return store_exit(rc, &d);
        }
        for (size_t i = 0; i < got; i++)
            if (strcmp(page[i].name, text) == 0) {
                *out = page[i].id;
                found++;
            }
        free(page);
        off += got;
        if (!got || off >= total)
            break;
    }
    if (found == 1)
        return 0;
    cli_error(kCmd, found ? "--organisation: several organisations are named \"%s\""
                          : "--organisation: no organisation is named \"%s\"",
              text);
    return MG_EXIT_INPUT;
}

/* What a plan or a stops command needs: the service, its vehicles and
 * stops, the diagnosis. */
typedef struct ctx {
    mg_db *db;
    mg_round_service svc;
    mg_round_vehicle *v;
    size_t nv;
    mg_round_stop *st;
    size_t nst;
    mg_diagnosis *g;
    mg_graph *graph;
    mg_rounds_population pop;
    bool has_pop;
} ctx;

static void ctx_free(ctx *x)
{
    free(x->v);
    free(x->st);
    mg_diagnosis_free(x->g);
    if (x->graph)
        mg_graph_close(x->graph);
    mg_rounds_population_free(&x->pop);
    if (x->db)
        mg_db_close(x->db);
}

static int load_service(ropts *o, ctx *x, const char *id_text)
{
    int64_t id = 0;
    int ex = id_operand(id_text, "SERVICE", &id);
    if (ex || (ex = open_database(o->database, &x->db)))
        return ex;
    mg_diag d = {{0}};
    int rc = mg_round_service_get(x->db, id, &x->svc, &d);
    if (rc == 0)
        rc = mg_round_vehicle_list(x->db, id, false, &x->v, &x->nv, &d);
    if (rc == 0)
        rc = mg_round_stop_list(x->db, id, false, &x->st, &x->nst, &d);
    return rc ? store_exit(rc, &d) : 0;
}

/* Loads the diagnosis of the service's profession (GPs for a service
 * without one, whose APL flags the under-served communes). */
static int load_diagnosis(ropts *o, ctx *x)
{
    if (!o->profession_given)
        o->c.opts.profession = x->svc.profession[0] ? x->svc.profession : "mg";
    if (cli_common_finish(&o->c, kCmd))
        return MG_EXIT_USAGE;
    int ex = cli_load(&o->c, &x->g);
    if (ex)
        return ex;
    if (o->c.opts.graph) {
        mg_diag d = {{0}};
        int rc = mg_graph_open(o->c.opts.graph, &x->graph, &d);
        if (rc) {
            cli_error(kCmd, "%s", d.msg);
            return cli_exit_for(rc);
        }
    }
    return 0;
}

static int load_population(ctx *x)
{
    mg_diag d = {{0}};
    int rc = mg_round_population_load(x->db, x->g->t, &x->pop, &x->has_pop, &d);
    return rc ? store_exit(rc, &d) : 0;
}

static int build(ropts *o, ctx *x, mg_rounds_built *b)
{
    (void)o;
    mg_diag d = {{0}};
    int rc = mg_rounds_build(&x->svc, x->v, x->nv, x->st, x->nst, x->g,
                             x->has_pop ? &x->pop : NULL, x->graph, b, &d);
    if (rc) {
        cli_error(kCmd, "%s", d.msg);
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    return 0;
}

/* --- service ----------------------------------------------------------------------------------- */

static int service_add(ropts *o)
{
    int ex = operands(o, 0, "no operand");
    mg_db *db = NULL;
    if (ex || (ex = open_database(o->database, &db)))
        return ex;
    int64_t org = 0;
    if (!o->organisation) {
        cli_error(kCmd, "--organisation ORG is required");
        mg_db_close(db);
        return MG_EXIT_USAGE;
    }
    if ((ex = org_of(db, o->organisation, &org))) {
        mg_db_close(db);
        return ex;
    }
    mg_round_service_input in = mg_round_service_defaults();
    in.organisation_id = org;
    in.name = o->name ? o->name : "";
    in.territory = o->territory;
    if (o->public_)
        in.target_public = o->public_;
    in.profession = o->c.opts.profession && o->profession_given ? o->c.opts.profession : NULL;
    in.reach_min = (int)o->reach;
    in.cycle_weeks = (int)o->cycle;
    in.stop_min = (int)o->stop_minutes;
    in.underserved_extra = o->extra;
    if (o->zone)
        in.school_zone = o->zone;
    in.runs_in_holidays = !o->no_holidays;
    in.contact = o->contact;
    in.is_example = o->example;
    mg_round_errors e = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_round_service_add(db, o->by, &in, &id, &e, &d);
    mg_db_close(db);
    if (rc)
        return refused(&e, rc, &d);
    printf("%lld\n", (long long)id);
    return MG_EXIT_OK;
}

static int service_list(ropts *o)
{
    int ex = operands(o, 0, "no operand");
    mg_db *db = NULL;
    if (ex || (ex = open_database(o->database, &db)))
        return ex;
    int64_t org = 0;
    if (o->organisation && (ex = org_of(db, o->organisation, &org))) {
        mg_db_close(db);
        return ex;
    }
    mg_round_service *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_round_service_list(db, org, false, &v, &n, &d);
    mg_db_close(db);
    if (rc)
        return store_exit(rc, &d);
    printf("id;organisation;name;public;profession;reach_min;cycle_weeks;vehicles;stops;"
           "published_plan;anchor_monday\n");
    for (size_t i = 0; i < n; i++)
        printf("%lld;%s;%s;%s;%s;%d;%d;%zu;%zu;%lld;%s\n", (long long)v[i].id,
               v[i].organisation_name, v[i].name, v[i].target_public, v[i].profession,
               v[i].reach_min, v[i].cycle_weeks, v[i].nvehicles, v[i].nstops,
               (long long)v[i].published_plan_id, v[i].anchor_monday);
    free(v);
    return MG_EXIT_OK;
}

/* --- vehicle ----------------------------------------------------------------------------------- */

static int time_opt(const char *opt, const char *s, int *out)
{
    if (!s) {
        cli_error(kCmd, "%s HH:MM is required", opt);
        return MG_EXIT_USAGE;
    }
    if (mg_round_parse_hhmm(s, out) != 0) {
        cli_error(kCmd, "%s: expected a time of the day HH:MM, found \"%.*s\"", opt,
                  (int)mg_utf8_prefix(s, 40), s);
        return MG_EXIT_USAGE;
    }
    return 0;
}

static int vehicle_add(ropts *o)
{
    int ex = operands(o, 1, "SERVICE");
    int64_t service = 0;
    if (ex || (ex = id_operand(o->ops[0], "SERVICE", &service)))
        return ex;
    mg_round_vehicle_input in = {.name = o->name ? o->name : "",
                                 .base_name = o->base_name ? o->base_name : "",
                                 .base_commune = o->base_commune ? o->base_commune : "",
                                 .base_lat = NAN,
                                 .base_lon = NAN,
                                 .break_min = (int)o->brk,
                                 .max_drive = (int)o->max_drive,
                                 .active = true};
    if (o->base_point) {
        const char *comma = strchr(o->base_point, ',');
        double lat = NAN, lon = NAN;
        if (!comma || mg_parse_c_double(o->base_point, (size_t)(comma - o->base_point), &lat, NULL) ||
            mg_parse_c_double(comma + 1, strlen(comma + 1), &lon, NULL)) {
            cli_error(kCmd, "--base-point: expected LAT,LON in degrees (43.2130,2.3491)");
            return MG_EXIT_USAGE;
        }
        in.base_lat = lat;
        in.base_lon = lon;
    }
    if (!o->days || mg_round_parse_weekdays(o->days, &in.weekdays) != 0) {
        cli_error(kCmd, "--days: expected working days such as mon,thu or lundi,jeudi");
        return MG_EXIT_USAGE;
    }
    if ((ex = time_opt("--start", o->start, &in.day_start)) ||
        (ex = time_opt("--end", o->end, &in.day_end)))
        return ex;
    if (in.break_min > 0) {
        char a[16] = {0}, b[16] = {0};
        const char *dash = o->break_window ? strchr(o->break_window, '-') : NULL;
        if (!dash || (size_t)(dash - o->break_window) >= sizeof a || strlen(dash + 1) >= sizeof b) {
            cli_error(kCmd, "--break-window HH:MM-HH:MM is required with --break");
            return MG_EXIT_USAGE;
        }
        memcpy(a, o->break_window, (size_t)(dash - o->break_window));
        memcpy(b, dash + 1, strlen(dash + 1));
        if ((ex = time_opt("--break-window", a, &in.break_earliest)) ||
            (ex = time_opt("--break-window", b, &in.break_latest)))
            return ex;
    }
    mg_db *db = NULL;
    if ((ex = open_database(o->database, &db)))
        return ex;
    mg_round_errors e = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_round_vehicle_add(db, o->by, service, &in, &id, &e, &d);
    mg_db_close(db);
    if (rc)
        return refused(&e, rc, &d);
    printf("%lld\n", (long long)id);
    return MG_EXIT_OK;
}

static int vehicle_list(ropts *o)
{
    int ex = operands(o, 1, "SERVICE");
    ctx x = {0};
    if (ex || (ex = load_service(o, &x, o->ops[0]))) {
        ctx_free(&x);
        return ex;
    }
    printf("id;name;base_name;base_commune;days;start;end;break_min;break_window;max_drive;active\n");
    for (size_t i = 0; i < x.nv; i++) {
        const mg_round_vehicle *v = &x.v[i];
        char days[28], s[6], e[6], be[6], bl[6];
        mg_round_format_weekdays(v->weekdays, days);
        mg_round_format_hhmm(v->day_start, s);
        mg_round_format_hhmm(v->day_end, e);
        mg_round_format_hhmm(v->break_earliest, be);
        mg_round_format_hhmm(v->break_latest, bl);
        printf("%lld;%s;%s;%s;%s;%s;%s;%d;%s-%s;%d;%d\n", (long long)v->id, v->name, v->base_name,
               v->base_commune, days, s, e, v->break_min, be, bl, v->max_drive, v->active);
    }
    ctx_free(&x);
    return MG_EXIT_OK;
}

/* --- stops ------------------------------------------------------------------------------------- */

static int stops_put(ropts *o, ctx *x, const mg_round_stop_input *v, size_t n, const char *what)
{
    size_t added = 0, updated = 0;
    mg_diag d = {{0}};
    int rc = mg_round_stops_put(x->db, o->by, x->svc.id, v, n, o->replace, &added, &updated, &d);
    if (rc)
        return store_exit(rc, &d);
    if (!o->c.quiet)
        fprintf(stderr, "%s: %zu stops added, %zu updated%s\n", what, added, updated,
                o->replace ? ", the others deactivated" : "");
    printf("%zu;%zu\n", added, updated);
    return MG_EXIT_OK;
}

static int stops_cmd(ropts *o, const char *action)
{
    bool list = strcmp(action, "list") == 0, def = strcmp(action, "default") == 0,
         imp = strcmp(action, "import") == 0, dir = strcmp(action, "directory") == 0;
    if (!list && !def && !imp && !dir) {
        cli_error(kCmd, "stops: unknown action \"%s\" (default, import, directory, list)", action);
        return MG_EXIT_USAGE;
    }
    int ex = operands(o, imp ? 2 : 1, imp ? "SERVICE FILE" : "SERVICE");
    ctx x = {0};
    if (ex || (ex = load_service(o, &x, o->ops[0]))) {
        ctx_free(&x);
        return ex;
    }
    if (list) {
        printf("id;commune;commune_name;name;lat;lon;minutes;source;active\n");
        for (size_t i = 0; i < x.nst; i++) {
            const mg_round_stop *s = &x.st[i];
            printf("%lld;%s;%s;%s;%.6f;%.6f;%d;%s;%d\n", (long long)s->id, s->commune_code,
                   s->commune_name, s->name, s->lat, s->lon, s->minutes,
                   mg_round_stop_source_key(s->source), s->active);
        }
        ctx_free(&x);
        return MG_EXIT_OK;
    }
    if (dir && !o->category) {
        cli_error(kCmd, "stops directory: --category C[,C] is required (town_hall, social, …)");
        ctx_free(&x);
        return MG_EXIT_USAGE;
    }
    if ((ex = load_diagnosis(o, &x))) {
        ctx_free(&x);
        return ex;
    }
    mg_diag d = {{0}};
    int rc = 0;
    if (def) {
        mg_round_stop_input *v = NULL;
        size_t n = 0;
        rc = mg_rounds_default_stops(x.g, &x.svc, &v, &n, &d);
        ex = rc ? store_exit(rc, &d) : stops_put(o, &x, v, n, "chef-lieu stops");
        free(v);
    } else if (imp) {
        mg_rounds_stops file = {0};
        mg_report rep = {0};
        rc = mg_rounds_stops_read(x.g->t, o->ops[1], &file, &rep, &d);
        for (size_t i = 0; i < rep.kept; i++)
            cli_error(kCmd, "warning: %s", rep.msg[i]);
        mg_report_free(&rep);
        if (rc) {
            cli_error(kCmd, "%s", d.msg);
            ctx_free(&x);
            return cli_exit_for(rc) == MG_EXIT_USAGE ? MG_EXIT_INPUT : cli_exit_for(rc);
        }
        mg_round_stop_input *v = calloc(file.n ? file.n : 1, sizeof *v);
        if (!v)
            ex = MG_EXIT_FAILURE;
        for (size_t i = 0; v && i < file.n; i++) {
            const mg_rounds_stop *s = &file.s[i];
            v[i] = (mg_round_stop_input){.name = s->name,
                                         .commune_code = x.g->t->code[s->commune],
                                         .commune_name = x.g->t->name[s->commune],
                                         .lat = s->lat,
                                         .lon = s->lon,
                                         .minutes = s->minutes,
                                         .source = MG_ROUND_STOP_FILE,
                                         .active = true};
        }
        if (v)
            ex = stops_put(o, &x, v, file.n, o->ops[1]);
        free(v);
        mg_rounds_stops_free(&file);
    } else {
        mg_scope scope = {0};
        rc = mg_scope_parse(x.g, x.svc.territory, &scope, &d);
        if (rc) {
            ctx_free(&x);
            return store_exit(rc, &d);
        }
        const char **communes = calloc(scope.n ? scope.n : 1, sizeof *communes);
        const char *cats[16];
        size_t ncats = 0;
        char catbuf[256];
        snprintf(catbuf, sizeof catbuf, "%s", o->category);
        for (char *p = catbuf; p && *p && ncats < 16;) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            if (*p)
                cats[ncats++] = p;
            p = comma ? comma + 1 : NULL;
        }
        for (size_t i = 0; communes && i < scope.n; i++)
            communes[i] = x.g->t->code[scope.idx[i]];
        mg_round_stop_input *v = NULL;
        size_t n = 0;
        char *arena = NULL;
        rc = communes ? mg_round_stops_from_directory(x.db, cats, ncats, communes, scope.n, &v, &n,
                                                      &arena, &d)
                      : MG_ENOMEM;
        if (rc)
            ex = store_exit(rc, &d);
        else if (n == 0) {
            cli_error(kCmd, "stops directory: no structure of category %s with a point in the "
                            "service's communes",
                      o->category);
            ex = MG_EXIT_INPUT;
        } else
            ex = stops_put(o, &x, v, n, "directory stops");
        free(v);
        free(arena);
        free(communes);
        mg_scope_free(&scope);
    }
    ctx_free(&x);
    return ex;
}

/* --- population, holidays ----------------------------------------------------------------------- */

static int population_import(ropts *o)
{
    int ex = operands(o, 1, "FILE");
    if (ex)
        return ex;
    ctx x = {0};
    if ((ex = open_database(o->database, &x.db)))
        return ex;
    if (!o->profession_given)
        o->c.opts.profession = "mg";
    if (cli_common_finish(&o->c, kCmd)) {
        ctx_free(&x);
        return MG_EXIT_USAGE;
    }
    if ((ex = cli_load(&o->c, &x.g))) {
        ctx_free(&x);
        return ex;
    }
    mg_report rep = {0};
    mg_diag d = {{0}};
    size_t n = 0;
    int rc = mg_round_population_import(x.db, o->by, x.g->t, o->ops[0], &rep, &n, &d);
    for (size_t i = 0; i < rep.kept; i++)
        cli_error(kCmd, "warning: %s", rep.msg[i]);
    mg_report_free(&rep);
    ctx_free(&x);
    if (rc) {
        cli_error(kCmd, "%s", d.msg);
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    if (!o->c.quiet)
        fprintf(stderr, "%s: target populations of %zu communes stored\n", o->ops[0], n);
    printf("%zu\n", n);
    return MG_EXIT_OK;
}

static int holidays_import(ropts *o)
{
    int ex = operands(o, 1, "FILE");
    mg_db *db = NULL;
    if (ex || (ex = open_database(o->database, &db)))
        return ex;
    mg_diag d = {{0}};
    size_t n = 0;
    int rc = mg_round_holidays_import(db, o->by, o->ops[0], &n, &d);
    mg_db_close(db);
    if (rc) {
        cli_error(kCmd, "%s", d.msg);
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    if (!o->c.quiet)
        fprintf(stderr, "%s: %zu school holiday periods stored\n", o->ops[0], n);
    printf("%zu\n", n);
    return MG_EXIT_OK;
}

/* --- plan, enter --------------------------------------------------------------------------------- */

static const char *const day_fr[] = {"lundi", "mardi", "mercredi", "jeudi",
                                     "vendredi", "samedi", "dimanche"};

/* The routes of a plan as CSV on stdout. */
static void print_routes(const ctx *x, const mg_round_plan *p)
{
    printf("vehicle;week;day;position;commune;stop;arrival;departure\n");
    for (size_t r = 0; r < p->nroutes; r++) {
        const mg_round_plan_route *a = &p->routes[r];
        const char *vname = "";
        for (size_t k = 0; k < x->nv; k++)
            if (x->v[k].id == a->vehicle_id)
                vname = x->v[k].name;
        for (size_t i = 0; i < a->n; i++) {
            const char *sname = "", *commune = "";
            for (size_t k = 0; k < x->nst; k++)
                if (x->st[k].id == a->visits[i].stop_id) {
                    sname = x->st[k].name;
                    commune = x->st[k].commune_code;
                }
            char ar[6], de[6];
            mg_round_format_hhmm(a->visits[i].arrive, ar);
            mg_round_format_hhmm(a->visits[i].depart, de);
            printf("%s;%d;%s;%zu;%s;%s;%s;%s\n", vname, a->week + 1, day_fr[a->weekday], i + 1,
                   commune, sname, ar, de);
        }
    }
}

/* The summary of a plan on stderr: value, covered public, bound and gap,
 * and for a service giving APL care its effect on the APL. */
static void summary(ropts *o, ctx *x, const mg_rounds_built *b, const mg_rounds_solution *sol,
                    const mg_round_plan *p, int64_t id)
{
    if (o->c.quiet)
        return;
    size_t served = 0, visits = 0, routes = 0;
    for (size_t r = 0; r < sol->nroutes; r++) {
        visits += sol->routes[r].n;
        routes += sol->routes[r].n > 0;
    }
    double *per = calloc(b->p.nstops ? b->p.nstops : 1, sizeof *per);
    double weighted = 0;
    if (per) {
        mg_rounds_covered(b, sol, per, NULL, &weighted);
        for (size_t k = 0; k < b->p.nstops; k++)
            served += per[k] > 0;
    }
    free(per);
    mg_rounds_public pub = b->pub;
    if (id > 0)
        fprintf(stderr, "plan %lld stored (%s)\n", (long long)id, p->method);
    fprintf(stderr, "value %.1f; %zu visits of %zu stops in %zu routes; %.2f s\n", p->value,
            visits, served, routes, p->seconds);
    fprintf(stderr, "target public (%s): %.0f people, %.0f within %d min of a served stop (%.1f %%), "
                    "%.0f counting how often it is served\n",
            mg_rounds_public_label_fr(pub), p->target, p->covered, x->svc.reach_min,
            p->target > 0 ? 100 * p->covered / p->target : 0.0, weighted);
    if (b->all_inhabitants)
        fprintf(stderr, "no target populations imported: the service targets all inhabitants "
                        "(maillage rounds population import)\n");
    if (b->missing_rows)
        fprintf(stderr, "warning: %zu communes of the territory have no row in the imported "
                        "population figures and count 0\n",
                b->missing_rows);
    if (isfinite(p->bound) && p->bound > 0)
        fprintf(stderr, "upper bound %.1f: gap %.2f %%\n", p->bound,
                100 * (p->bound - p->value) / p->bound);
    if (isfinite(b->threshold))
        fprintf(stderr, "extra weight %.2f where the %s is below %.2f\n", x->svc.underserved_extra,
                b->indicator, b->threshold);
    if (x->svc.profession[0]) {
        mg_scenario sc = {0};
        mg_scenario_engine *e = NULL;
        mg_diag d = {{0}};
        size_t n = x->g->t->n;
        double *apl = calloc(n ? n : 1, sizeof *apl);
        if (apl && mg_rounds_scenario(b, &x->svc, sol, x->g, &sc, &d) == 0 &&
            mg_scenario_engine_new(&e, x->g, &d) == 0 &&
            mg_scenario_eval(e, &sc, apl, NULL, &d) == 0) {
            double before = 0, after = 0, pop = 0;
            size_t raised = 0;
            for (size_t u = 0; u < b->p.nunits; u++) {
                size_t i = b->unit_commune[u];
                double w = x->g->demand[i];
                before += w * x->g->apl[i];
                after += w * apl[i];
                pop += w;
                raised += apl[i] > x->g->apl[i] + 1e-12;
            }
            if (pop > 0)
                fprintf(stderr, "effect on the %s (a scenario of %zu stops): mean over the "
                                "territory %.3f → %.3f, %zu communes raised\n",
                        b->indicator, sc.n, before / pop, after / pop, raised);
        } else if (d.msg[0]) {
            fprintf(stderr, "effect on the APL not computed: %s\n", d.msg);
        }
        mg_scenario_engine_free(e);
        mg_scenario_free(&sc);
        free(apl);
    }
}

static int plan_cmd(ropts *o)
{
    int ex = operands(o, 1, "SERVICE");
    ctx x = {0};
    mg_rounds_built b = {0};
    mg_rounds_solution sol = {0};
    mg_round_plan plan = {0};
    mg_diag d = {{0}};
    if (ex || (ex = load_service(o, &x, o->ops[0])) || (ex = load_diagnosis(o, &x)) ||
        (ex = load_population(&x)) || (ex = build(o, &x, &b)))
        goto done;
    mg_rounds_heuristic_opts ho = {.time_limit = o->seconds, .seed = (uint64_t)o->seed};
    int rc = mg_rounds_heuristic(&b.p, &ho, &sol, &d);
    const char *method = "heuristic";
    double bound = NAN;
    if (rc == 0 && o->exact) {
        if (b.p.nstops > MG_ROUNDS_EXACT_MAX_STOPS) {
            if (!o->c.quiet)
                fprintf(stderr, "--exact: %zu stops, more than the %d the exact model takes; the "
                                "heuristic's plan is kept\n",
                        b.p.nstops, MG_ROUNDS_EXACT_MAX_STOPS);
        } else {
            mg_rounds_exact_opts eo = {.time_limit = o->seconds > 10 ? o->seconds : 60,
                                       .memory_mb = 2048};
            mg_rounds_exact_result er = {0};
            mg_diag ed = {{0}};
            int erc = mg_rounds_exact(&b.p, &eo, &er, &ed);
            if (erc == 0 && (er.status == MG_ROUNDS_OPTIMAL || er.status == MG_ROUNDS_TIME_LIMIT)) {
                bound = er.bound;
                if (er.sol.value > sol.value + 1e-9) {
                    mg_rounds_solution_free(&sol);
                    sol = er.sol;
                    er.sol = (mg_rounds_solution){0};
                    method = "exact";
                }
                if (!o->c.quiet)
                    fprintf(stderr, "exact model: %s, %zu routes enumerated\n",
                            mg_rounds_exact_status_name(er.status), er.columns);
            } else if (!o->c.quiet) {
                fprintf(stderr, "exact model: %s\n",
                        erc ? ed.msg : mg_rounds_exact_status_name(er.status));
            }
            mg_rounds_exact_result_free(&er);
        }
    }
    if (rc == 0 && o->bound && !isfinite(bound)) {
        mg_rounds_exact_opts eo = {.time_limit = o->seconds > 10 ? o->seconds : 60,
                                   .memory_mb = 2048};
        mg_diag bd = {{0}};
        double bb = NAN;
        if (mg_rounds_bound(&b.p, &eo, &bb, &bd) == 0)
            bound = bb;
        else if (!o->c.quiet)
            fprintf(stderr, "bound not computed: %s\n", bd.msg);
    }
    if (rc == 0)
        rc = mg_rounds_check(&b.p, &sol, &d);
    if (rc == 0)
        rc = mg_rounds_plan_of_solution(&b, &x.svc, &sol, method, &plan, &d);
    if (rc) {
        ex = store_exit(rc, &d);
        goto done;
    }
    plan.bound = isfinite(bound) ? fmax(bound, plan.value) : NAN;
    if (o->label)
        snprintf(plan.label, sizeof plan.label, "%s", o->label);
    int64_t id = 0;
    if (!o->dry_run && (rc = mg_round_plan_save(x.db, o->by, &plan, &id, &d)) != 0) {
        ex = store_exit(rc, &d);
        goto done;
    }
    summary(o, &x, &b, &sol, &plan, id);
    print_routes(&x, &plan);
done:
    mg_round_plan_clear(&plan);
    mg_rounds_solution_free(&sol);
    mg_rounds_built_free(&b);
    ctx_free(&x);
    return ex;
}

static int enter_cmd(ropts *o)
{
    int ex = operands(o, 2, "SERVICE FILE");
    ctx x = {0};
    mg_rounds_built b = {0};
    mg_round_current cur = {0};
    mg_round_plan plan = {0};
    mg_rounds_solution sol = {0};
    mg_diag d = {{0}};
    if (ex)
        return ex;
    int rc = mg_round_current_read(o->ops[1], &cur, &d);
    if (rc) {
        cli_error(kCmd, "%s", d.msg);
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    if ((ex = load_service(o, &x, o->ops[0])) || (ex = load_diagnosis(o, &x)) ||
        (ex = load_population(&x)) || (ex = build(o, &x, &b)))
        goto done;
    rc = mg_rounds_plan_of_current(&b, &x.svc, x.v, x.nv, x.st, x.nst, &cur, o->ops[1], &plan, &d);
    if (rc) {
        cli_error(kCmd, "%s", d.msg);
        ex = rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
        goto done;
    }
    snprintf(plan.label, sizeof plan.label, "%s", o->label ? o->label : "tournées actuelles");
    int64_t id = 0;
    if ((rc = mg_round_plan_save(x.db, o->by, &plan, &id, &d)) != 0 ||
        (rc = mg_rounds_solution_of_plan(&b, &plan, &sol, &d)) != 0) {
        ex = store_exit(rc, &d);
        goto done;
    }
    summary(o, &x, &b, &sol, &plan, id);
    print_routes(&x, &plan);
done:
    mg_rounds_solution_free(&sol);
    mg_round_plan_clear(&plan);
    mg_round_current_free(&cur);
    mg_rounds_built_free(&b);
    ctx_free(&x);
    return ex;
}

static int compare_cmd(ropts *o)
{
    int ex = operands(o, 1, "SERVICE");
    int64_t service = 0;
    mg_db *db = NULL;
    if (ex || (ex = id_operand(o->ops[0], "SERVICE", &service)) ||
        (ex = open_database(o->database, &db)))
        return ex;
    mg_round_service svc;
    mg_round_plan *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_round_service_get(db, service, &svc, &d);
    if (rc == 0)
        rc = mg_round_plan_list(db, service, &v, &n, &d);
    mg_db_close(db);
    if (rc)
        return store_exit(rc, &d);
    /* The newest current plan is the reference. */
    double ref = NAN;
    for (size_t i = 0; i < n && isnan(ref); i++)
        if (v[i].kind == MG_ROUND_PLAN_CURRENT)
            ref = v[i].value;
    printf("plan;kind;method;label;value;covered;target;covered_pct;vs_current_pct;bound;gap_pct;"
           "routes;seconds;published;created_at\n");
    for (size_t i = 0; i < n; i++) {
        const mg_round_plan *p = &v[i];
        char vs[32] = "", bound[32] = "", gap[32] = "";
        if (isfinite(ref) && ref > 0)
            snprintf(vs, sizeof vs, "%.1f", 100 * (p->value - ref) / ref);
        if (isfinite(p->bound)) {
            snprintf(bound, sizeof bound, "%.1f", p->bound);
            if (p->bound > 0)
                snprintf(gap, sizeof gap, "%.2f", 100 * (p->bound - p->value) / p->bound);
        }
        printf("%lld;%s;%s;%s;%.1f;%.0f;%.0f;%.1f;%s;%s;%s;%zu;%.2f;%d;%s\n", (long long)p->id,
               p->kind == MG_ROUND_PLAN_CURRENT ? "current" : "computed", p->method, p->label,
               p->value, p->covered, p->target, p->target > 0 ? 100 * p->covered / p->target : 0.0,
               vs, bound, gap, p->nroutes, p->seconds, p->published, p->created_at);
    }
    mg_round_plans_free(v, n);
    return MG_EXIT_OK;
}

/* --- publish, cancel ---------------------------------------------------------------------------- */

static int publish_cmd(ropts *o, bool withdraw)
{
    int ex = operands(o, withdraw ? 1 : 2, withdraw ? "SERVICE" : "SERVICE PLAN");
    int64_t service = 0, plan = 0;
    if (ex || (ex = id_operand(o->ops[0], "SERVICE", &service)) ||
        (!withdraw && (ex = id_operand(o->ops[1], "PLAN", &plan))))
        return ex;
    if (!withdraw && !o->from) {
        cli_error(kCmd, "publish: --from MONDAY is required (the first day of week 1 of the cycle)");
        return MG_EXIT_USAGE;
    }
    mg_db *db = NULL;
    if ((ex = open_database(o->database, &db)))
        return ex;
    mg_diag d = {{0}};
    int rc = withdraw ? mg_round_unpublish(db, o->by, service, &d)
                      : mg_round_publish(db, o->by, service, plan, o->from, &d);
    mg_db_close(db);
    if (rc)
        return store_exit(rc, &d);
    if (!o->c.quiet)
        fprintf(stderr, withdraw ? "service %lld: publication withdrawn\n"
                                 : "service %lld: plan %lld published from %s\n",
                (long long)service, (long long)plan, o->from);
    return MG_EXIT_OK;
}

static int cancel_cmd(ropts *o)
{
    int ex = operands(o, 1, "SERVICE");
    int64_t service = 0;
    mg_db *db = NULL;
    if (ex || (ex = id_operand(o->ops[0], "SERVICE", &service)))
        return ex;
    if (!o->date) {
        cli_error(kCmd, "cancel: --date DATE is required");
        return MG_EXIT_USAGE;
    }
    if ((ex = open_database(o->database, &db)))
        return ex;
    mg_round_errors e = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_round_cancellation_add(db, o->by, service, o->date, o->vehicle, o->stop,
                                       o->reason ? o->reason : "", &id, &e, &d);
    mg_db_close(db);
    if (rc)
        return refused(&e, rc, &d);
    printf("%lld\n", (long long)id);
    return MG_EXIT_OK;
}

/* rounds_publish.c: timetable and poster. */
int mg_cmd_rounds_publish(const char *sub, const char *database, char **ops, int nops,
                          const char *from, const char *to, bool ical, const char *output,
                          int weeks, bool quiet);

int mg_cmd_rounds(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help();
        return argc < 2 ? MG_EXIT_USAGE : MG_EXIT_OK;
    }
    const char *sub = argv[1];
    const char *action = NULL;
    bool two = strcmp(sub, "service") == 0 || strcmp(sub, "vehicle") == 0 ||
               strcmp(sub, "stops") == 0 || strcmp(sub, "population") == 0 ||
               strcmp(sub, "holidays") == 0;
    int shift = 1;
    if (two) {
        if (argc < 3 || argv[2][0] == '-') {
            cli_error(kCmd, "%s: an action is expected (try --help)", sub);
            return MG_EXIT_USAGE;
        }
        action = argv[2];
        shift = 2;
    }
    ropts o;
    memset(&o, 0, sizeof o);
    int p = parse(&o, argc - shift, argv + shift);
    if (p > 0)
        return MG_EXIT_OK;
    if (p < 0)
        return MG_EXIT_USAGE;
    if (strcmp(sub, "service") == 0) {
        if (strcmp(action, "add") == 0)
            return service_add(&o);
        if (strcmp(action, "list") == 0)
            return service_list(&o);
    } else if (strcmp(sub, "vehicle") == 0) {
        if (strcmp(action, "add") == 0)
            return vehicle_add(&o);
        if (strcmp(action, "list") == 0)
            return vehicle_list(&o);
    } else if (strcmp(sub, "stops") == 0) {
        return stops_cmd(&o, action);
    } else if (strcmp(sub, "population") == 0) {
        if (strcmp(action, "import") == 0)
            return population_import(&o);
    } else if (strcmp(sub, "holidays") == 0) {
        if (strcmp(action, "import") == 0)
            return holidays_import(&o);
    } else if (strcmp(sub, "plan") == 0) {
        return plan_cmd(&o);
    } else if (strcmp(sub, "enter") == 0) {
        return enter_cmd(&o);
    } else if (strcmp(sub, "compare") == 0 || strcmp(sub, "plans") == 0) {
        return compare_cmd(&o);
    } else if (strcmp(sub, "publish") == 0) {
        return publish_cmd(&o, false);
    } else if (strcmp(sub, "unpublish") == 0) {
        return publish_cmd(&o, true);
    } else if (strcmp(sub, "cancel") == 0) {
        return cancel_cmd(&o);
    } else if (strcmp(sub, "timetable") == 0 || strcmp(sub, "poster") == 0) {
        return mg_cmd_rounds_publish(sub, o.database, o.ops, o.nops, o.from, o.to, o.ical,
                                     o.output, (int)o.weeks, o.c.quiet);
    } else {
        cli_error(kCmd, "unknown subcommand \"%s\" (try --help)", sub);
        return MG_EXIT_USAGE;
    }
    cli_error(kCmd, "%s: unknown action \"%s\" (try --help)", sub, action);
    return MG_EXIT_USAGE;
}
