/*
 * maillage: access to care for French territories. The command line
 * dispatches to one function per subcommand (cmd_*.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef MG_VERSION
#define MG_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
    fputs("Usage: maillage COMMAND [OPTIONS]\n"
          "\n"
          "Commands:\n"
          "  access    accessibility (DREES APL and its family) of every commune of a territory\n"
          "  compare   agreement of our APL with the official DREES values\n"
          "  calibrate fit the model's parameters to an official APL, cross-validated\n"
          "  serve     the web application (maps, commune pages, scenarios, JSON API)\n"
          "  route     road graphs from OpenStreetMap and road travel times\n"
          "  plan      where new resources of care (GP, health centre, cabin, cart, mobile) help most\n"
          "  audit     the audit trail of a database: verify its hash chain, export it\n"
          "  organisation\n"
          "            add an organisation (the operator's, the first ones)\n"
          "  user      add an account, with a role in an organisation\n"
          "  directory the directory of local actors: import (data·inclusion, FINESS,\n"
          "            annuaire santé), export, merges of duplicates\n"
          "  contracts contracts and their action plans: create, import a plan (CSV, XLSX)\n"
          "  funding   the single window for health subsidies: windows, import, reminders\n"
          "  booking   the shared telehealth equipment: a network's setup, bookings,\n"
          "            the next day's reminders, usage\n"
          "  rounds    mobile services' rounds: services, vehicles, stops, plans,\n"
          "            publication, timetable, posters\n"
          "\n"
          "maillage COMMAND --help describes each command. Exit codes: 0 success,\n"
          "1 internal failure, 2 bad command line, 3 bad or missing input, 4 output\n"
          "not written.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MG_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return MG_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("maillage %s\n", MG_VERSION);
        return MG_EXIT_OK;
    }
    if (strcmp(cmd, "access") == 0)
        return mg_cmd_access(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0)
        return mg_cmd_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "calibrate") == 0)
        return mg_cmd_calibrate(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return mg_cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "route") == 0)
        return mg_cmd_route(argc - 1, argv + 1);
    if (strcmp(cmd, "plan") == 0)
        return mg_cmd_plan(argc - 1, argv + 1);
    if (strcmp(cmd, "audit") == 0)
        return mg_cmd_audit(argc - 1, argv + 1);
    if (strcmp(cmd, "organisation") == 0)
        return mg_cmd_organisation(argc - 1, argv + 1);
    if (strcmp(cmd, "user") == 0)
        return mg_cmd_user(argc - 1, argv + 1);
    if (strcmp(cmd, "directory") == 0)
        return mg_cmd_directory(argc - 1, argv + 1);
    if (strcmp(cmd, "contracts") == 0)
        return mg_cmd_contracts(argc - 1, argv + 1);
    if (strcmp(cmd, "funding") == 0) {
        int mg_cmd_funding(int argc, char **argv); /* cli/funding.c */
        return mg_cmd_funding(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "booking") == 0)
        return mg_cmd_booking(argc - 1, argv + 1);
    if (strcmp(cmd, "rounds") == 0)
        return mg_cmd_rounds(argc - 1, argv + 1);
    fprintf(stderr, "maillage: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return MG_EXIT_USAGE;
}
