/*
 * maillage audit: the audit trail of a database (docs/audit.md).
 *   audit verify --database DB               walks the hash chain, names the first
 *                                            altered, removed or moved entry
 *   audit export --database DB [--out FILE]  every entry as JSON lines
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/output_file.h"
#include "db/db.h"

static const char kCmd[] = "audit";

static void help(void)
{
    printf("Usage: maillage audit verify --database DB\n"
           "       maillage audit export --database DB [--out FILE]\n"
           "\n"
           "The audit trail: every change to the platform's objects (who, organisation,\n"
           "when, object, verb, fields before and after; personal fields without their\n"
           "values), hash-chained in commit order (docs/audit.md).\n"
           "\n"
           "verify walks the whole chain and prints \"N entrées, chaîne intacte\" and the\n"
           "last hash (worth writing down elsewhere: it reveals a chain rewritten from\n"
           "its end), or the first entry altered, removed or moved, e.g.\n"
           "\"entrée 17 (id 42) : modifiée\"; exit 0 when intact, 1 when not.\n"
           "export writes every entry, in chain order, as one JSON object per line.\n"
           "\n"
           "  --database DB    an SQLite file (it must exist) or a postgresql://… URI;\n"
           "                   opened as maillage serve opens it (missing migrations applied)\n"
           "  --out FILE       export: the file to write, atomically (default: standard\n"
           "                   output)\n"
           "  -h, --help       this help\n");
}

/* An SQLite path that does not exist would be created empty and found
 * "intact": refuse it. URIs are left to the driver. */
static int database_exists(const char *db)
{
    if (strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0)
        return 1;
    if (strncmp(db, "sqlite:", 7) == 0)
        db += 7;
    struct stat st;
    return stat(db, &st) == 0 && S_ISREG(st.st_mode);
}

static int open_database(const char *url, mg_db **db)
{
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

static int run_verify(mg_db *db)
{
    mg_audit_verdict v;
    mg_diag d = {{0}};
    int rc = mg_audit_verify(db, &v, &d);
    if (rc) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    char text[512];
    mg_audit_verdict_text(&v, text, sizeof text);
    printf("%s\n", text);
    if (v.problem != MG_AUDIT_INTACT)
        return MG_EXIT_FAILURE;
    if (v.entries)
        printf("dernière empreinte : %s\n", v.head_hash);
    return MG_EXIT_OK;
}

static int run_export(mg_db *db, const char *out_path)
{
    cli_out o;
    if (cli_out_open(&o, out_path, kCmd))
        return MG_EXIT_OUTPUT;
    mg_diag d = {{0}};
    int rc = mg_audit_export(db, o.f, &d);
    if (rc)
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
    if (cli_out_close(&o, rc == 0, kCmd))
        return MG_EXIT_OUTPUT;
    switch (rc) {
    case 0: return MG_EXIT_OK;
    case MG_EIO: return MG_EXIT_OUTPUT;
    case MG_ENOMEM: return MG_EXIT_FAILURE;
    default: return MG_EXIT_INPUT;
    }
}

int mg_cmd_audit(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help();
        return argc < 2 ? MG_EXIT_USAGE : MG_EXIT_OK;
    }
    const char *sub = argv[1];
    int is_verify = strcmp(sub, "verify") == 0, is_export = strcmp(sub, "export") == 0;
    if (!is_verify && !is_export) {
        cli_error(kCmd, "unknown subcommand \"%s\": expected verify or export (try --help)",
                  sub);
        return MG_EXIT_USAGE;
    }
    enum { O_DATABASE = 300, O_OUT };
    static const struct option longopts[] = {
        {"database", required_argument, NULL, O_DATABASE},
        {"out", required_argument, NULL, O_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL, *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_DATABASE: database = optarg; break;
        case O_OUT: out = optarg; break;
        case 'h': help(); return MG_EXIT_OK;
        default: cli_error(kCmd, "try --help"); return MG_EXIT_USAGE;
        }
    }
    if (optind < argc - 1) {
        cli_error(kCmd, "unexpected argument \"%s\" (try --help)", argv[optind + 1]);
        return MG_EXIT_USAGE;
    }
    if (!database) {
        cli_error(kCmd, "%s: --database DB is required (try --help)", sub);
        return MG_EXIT_USAGE;
    }
    if (out && is_verify) {
        cli_error(kCmd, "verify: --out applies to export only");
        return MG_EXIT_USAGE;
    }
    mg_db *db = NULL;
    int rc = open_database(database, &db);
    if (rc == MG_EXIT_OK)
        rc = is_verify ? run_verify(db) : run_export(db, out);
    mg_db_close(db);
    return rc;
}
