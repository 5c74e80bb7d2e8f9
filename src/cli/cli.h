/*
 * Internal to the command-line program: the subcommands and what they share
 * (option parsing for the diagnosis inputs, progress, exit codes).
 */
#ifndef MG_CLI_CLI_H
#define MG_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "diagnosis/diagnosis.h"

/* Exit codes, documented in docs/cli.md. */
enum {
    MG_EXIT_OK = 0,
    MG_EXIT_FAILURE = 1, /* out of memory, internal error */
    MG_EXIT_USAGE = 2,   /* bad command line */
    MG_EXIT_INPUT = 3,   /* an input file is missing, unreadable or malformed */
    MG_EXIT_OUTPUT = 4,  /* the output cannot be written */
};

int mg_cmd_access(int argc, char **argv);
/* access --zones: any zones with a matrix (cmd_access_zones.c). */
int mg_cmd_access_zones(int argc, char **argv);
int mg_cmd_compare(int argc, char **argv);
int mg_cmd_calibrate(int argc, char **argv);
int mg_cmd_serve(int argc, char **argv);
int mg_cmd_route(int argc, char **argv);
int mg_cmd_plan(int argc, char **argv);
int mg_cmd_audit(int argc, char **argv);
int mg_cmd_user(int argc, char **argv);
int mg_cmd_organisation(int argc, char **argv);
int mg_cmd_directory(int argc, char **argv);
int mg_cmd_contracts(int argc, char **argv);
/* booking: the telehealth equipment's import, bookings, reminders, usage (booking.c). */
int mg_cmd_booking(int argc, char **argv);
/* rounds: mobile services' rounds (rounds.c; timetable and poster in rounds_publish.c). */
int mg_cmd_rounds(int argc, char **argv);

/* Options common to the subcommands that build a diagnosis. */
typedef struct cli_common {
    mg_diagnosis_opts opts;
    bool quiet;
    bool progress; /* forced on with --progress; otherwise on a terminal */
    /* The model options, applied by cli_common_finish over the
     * profession's defaults (or --uncalibrated), then --params, then each
     * option given (NaN: not given). */
    bool uncalibrated;
    const char *params;
    double speed, detour, access, spread, activity, centres;
} cli_common;

/* getopt_long option codes of the common options (above 255). */
enum {
    OPT_BUNDLE = 256, OPT_FRANCE, OPT_PROFESSION, OPT_MATRIX, OPT_POINTS,
    OPT_NO_NEIGHBOURS, OPT_DETOUR, OPT_SPEED, OPT_CATCHMENT, OPT_OFFICIAL_AGE,
    OPT_SUPPLY_PER_HEAD, OPT_STEPS, OPT_QUIET, OPT_PROGRESS, OPT_OSM, OPT_GRAPH, OPT_ALLOW_MISSING,
    OPT_PARAMS, OPT_ACCESS_TIME, OPT_TIME_SPREAD, OPT_ACTIVITY_EXPONENT, OPT_CENTRE_HEADS,
    OPT_UNCALIBRATED, OPT_PRACTITIONERS, OPT_COMMON_END
};

/* The common options, for inclusion in a getopt_long table. */
#define CLI_COMMON_OPTIONS                                               \
    {"bundle", required_argument, NULL, OPT_BUNDLE},                     \
    {"france", required_argument, NULL, OPT_FRANCE},                     \
    {"profession", required_argument, NULL, OPT_PROFESSION},             \
    {"matrix", required_argument, NULL, OPT_MATRIX},                     \
    {"osm", required_argument, NULL, OPT_OSM},                           \
    {"graph", required_argument, NULL, OPT_GRAPH},                       \
    {"points", required_argument, NULL, OPT_POINTS},                     \
    {"no-neighbours", no_argument, NULL, OPT_NO_NEIGHBOURS},             \
    {"detour", required_argument, NULL, OPT_DETOUR},                     \
    {"speed", required_argument, NULL, OPT_SPEED},                       \
    {"catchment", required_argument, NULL, OPT_CATCHMENT},               \
    {"official-age", required_argument, NULL, OPT_OFFICIAL_AGE},         \
    {"supply-per-head", required_argument, NULL, OPT_SUPPLY_PER_HEAD},   \
    {"steps", required_argument, NULL, OPT_STEPS},                       \
    {"quiet", no_argument, NULL, 'q'},                                   \
    {"progress", no_argument, NULL, OPT_PROGRESS},                       \
    {"allow-missing", no_argument, NULL, OPT_ALLOW_MISSING},             \
    {"params", required_argument, NULL, OPT_PARAMS},                     \
    {"access-time", required_argument, NULL, OPT_ACCESS_TIME},           \
    {"time-spread", required_argument, NULL, OPT_TIME_SPREAD},           \
    {"activity-exponent", required_argument, NULL, OPT_ACTIVITY_EXPONENT}, \
    {"centre-practitioners", required_argument, NULL, OPT_CENTRE_HEADS}, \
    {"uncalibrated", no_argument, NULL, OPT_UNCALIBRATED},               \
    {"practitioners", required_argument, NULL, OPT_PRACTITIONERS}

/* Text of the common options for --help. */
extern const char cli_common_help[];

void cli_common_init(cli_common *c);

/* Handles one option code; returns 1 if it was a common option, 0 if not,
 * -1 after printing a usage error. */
int cli_common_option(cli_common *c, int code, const char *arg, const char *cmd);

/*
 * The next option of the command line (call with optind = 1 first): common
 * options are handled in c; returns the code of a command-specific option
 * (optarg set), 0 when the options are over (operands are refused), or -1
 * after printing a usage error (unknown option, bad value, operand).
 */
struct option;
int cli_getopt(cli_common *c, int argc, char **argv, const struct option *longopts,
               const char *cmd);

/* Checks required options; prints a usage error and returns -1 if missing. */
int cli_common_finish(cli_common *c, const char *cmd);

/* Loads the diagnosis, printing progress and warnings; returns an exit code. */
int cli_load(cli_common *c, mg_diagnosis **out);

/* Applies --scope SPEC to a loaded diagnosis: epci:SIREN, or communes:FILE
 * (a file of commune codes, read as planning candidates are). Returns an
 * exit code, with the message printed. */
int cli_scope(mg_diagnosis *g, const char *spec, const char *cmd);

/* Prints "maillage CMD: MESSAGE" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Exit code for an MG_E… code from loading inputs. */
int cli_exit_for(int rc);

/*
 * Parses the value of option --opt as a number in [lo, hi], written as
 * people write it (mg_parse_number: "80 000", "2,5" or "2.5", "1e6");
 * -1 after a usage message naming the option and what was expected.
 */
int cli_number(const char *cmd, const char *opt, const char *arg, double lo, double hi,
               double *out);

/* The same for a whole number (mg_parse_int: "12", "1 000"). */
int cli_int(const char *cmd, const char *opt, const char *arg, int64_t lo, int64_t hi,
            int64_t *out);

#endif
