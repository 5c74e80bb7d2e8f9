/*
 * maillage contracts: contracts and their plans from the command line
 * (docs/contracts.md, "Importing a plan").
 *   contracts create --database DB --lead ORG_ID --kind K --title T [--territory S]
 *                    [--from D] [--to D] [--status S] [--signatory ORG_ID]... [--example]
 *   contracts import --database DB --contract ID [--dry-run] FILE
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "contracts/contracts.h"
#include "contracts/import.h"
#include "core/buf.h"
#include "db/db.h"
#include "io/reader.h"
#include "parse/parse.h"

static const char kCmd[] = "contracts";

static void help(void)
{
    printf(
        "Usage: maillage contracts create --database DB --lead ORG_ID --kind K --title T\n"
        "                                 [--territory S] [--from D] [--to D] [--status S]\n"
        "                                 [--signatory ORG_ID]... [--example]\n"
        "       maillage contracts import --database DB --contract ID [--dry-run] FILE\n"
        "\n"
        "Contracts and their action plans (docs/contracts.md).\n"
        "\n"
        "create adds a contract led by organisation ORG_ID and prints its id.\n"
        "  --kind K         cps (contrat pluriannuel des solidarites), cls (contrat local de\n"
        "                   sante), convention, schema, other\n"
        "  --title T        its title (1 to 200 characters)\n"
        "  --territory S    a scope: epci:SIREN or communes:CODE,CODE...\n"
        "  --from D, --to D its period, 31/12/2027 or 2027-12-31\n"
        "  --status S       draft (default), signed, in_force, ended\n"
        "  --signatory ORG_ID\n"
        "                   an organisation that signed it (repeat for several)\n"
        "  --example        its facts are examples the public record does not give\n"
        "import reads a plan from FILE (CSV, ';' or ',' separated, UTF-8 or Windows-1252,\n"
        "or the first sheet of an XLSX workbook; the columns are described in\n"
        "docs/contracts.md) into contract ID: axes, actions, pilots and partners, budget\n"
        "lines, in one transaction: all or nothing. It prints one CSV row per line of the\n"
        "file (fichier, ligne, colonne, champ, statut, message; statut imported, checked or\n"
        "refused) and exits 3, importing nothing, when a row is refused.\n"
        "  --contract ID    the contract to import into\n"
        "  --dry-run        check and report, write nothing\n"
        "  --database DB    an SQLite file or a postgresql://... URI (it must exist)\n"
        "  -h, --help       this help\n");
}

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

static int parse_id(const char *opt, const char *arg, int64_t *out)
{
    mg_parse_error why;
    if (mg_parse_id(arg, INT64_MAX, out, &why) != 0) {
        cli_error(kCmd, "%s %s: expected a positive id", opt, arg);
        return -1;
    }
    return 0;
}

enum { OPT_DATABASE = 300, OPT_LEAD, OPT_KIND, OPT_TITLE, OPT_TERRITORY, OPT_FROM, OPT_TO,
       OPT_STATUS, OPT_SIGNATORY, OPT_EXAMPLE, OPT_CONTRACT, OPT_DRY_RUN };

static const struct option kOptions[] = {
    {"database", required_argument, NULL, OPT_DATABASE},
    {"lead", required_argument, NULL, OPT_LEAD},
    {"kind", required_argument, NULL, OPT_KIND},
    {"title", required_argument, NULL, OPT_TITLE},
    {"territory", required_argument, NULL, OPT_TERRITORY},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"status", required_argument, NULL, OPT_STATUS},
    {"signatory", required_argument, NULL, OPT_SIGNATORY},
    {"example", no_argument, NULL, OPT_EXAMPLE},
    {"contract", required_argument, NULL, OPT_CONTRACT},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct args {
    const char *database;
    int64_t lead, contract;
    mg_contract_input in;
    int64_t signatories[64];
    size_t nsignatories;
    bool example, dry_run;
} args;

static int parse_args(int argc, char **argv, args *a)
{
    optind = 1;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, "h", kOptions, NULL)) != -1) {
        switch (o) {
        case 'h': help(); return 1;
        case OPT_DATABASE: a->database = optarg; break;
        case OPT_LEAD:
            if (parse_id("--lead", optarg, &a->lead))
                return -1;
            break;
        case OPT_CONTRACT:
            if (parse_id("--contract", optarg, &a->contract))
                return -1;
            break;
        case OPT_SIGNATORY:
            if (a->nsignatories == sizeof a->signatories / sizeof *a->signatories) {
                cli_error(kCmd, "--signatory: at most 64");
                return -1;
            }
            if (parse_id("--signatory", optarg, &a->signatories[a->nsignatories]))
                return -1;
            a->nsignatories++;
            break;
        case OPT_KIND: a->in.kind = optarg; break;
        case OPT_TITLE: a->in.title = optarg; break;
        case OPT_TERRITORY: a->in.territory = optarg; break;
        case OPT_FROM: a->in.starts_on = optarg; break;
        case OPT_TO: a->in.ends_on = optarg; break;
        case OPT_STATUS: a->in.status = optarg; break;
        case OPT_EXAMPLE: a->example = true; break;
        case OPT_DRY_RUN: a->dry_run = true; break;
        default:
            cli_error(kCmd, "unknown or incomplete option \"%s\" (see --help)", argv[optind - 1]);
            return -1;
        }
    }
    if (!a->database) {
        cli_error(kCmd, "--database is required");
        return -1;
    }
    return 0;
}

static int create(int argc, char **argv)
{
    args a = {0};
    int p = parse_args(argc, argv, &a);
    if (p)
        return p > 0 ? MG_EXIT_OK : MG_EXIT_USAGE;
    if (!a.lead || !a.in.kind || !a.in.title) {
        cli_error(kCmd, "create needs --lead, --kind and --title");
        return MG_EXIT_USAGE;
    }
    if (a.contract || a.dry_run || optind < argc) {
        cli_error(kCmd, "create takes no --contract, --dry-run or file");
        return MG_EXIT_USAGE;
    }
    mg_db *db = NULL;
    int ex = open_database(a.database, &db);
    if (ex)
        return ex;
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    /* Creating the contract and adding its signatories are separate
     * transactions of the module: the signatories and the example mark's
     * input are checked first, so that a mistyped id creates nothing. */
    int rc = mg_contract_input_check(&a.in, &fe, &d);
    for (size_t i = 0; rc == 0 && i < a.nsignatories; i++) {
        mg_auth_org o;
        rc = mg_auth_org_get(db, a.signatories[i], &o, &d);
        if (rc == MG_ENOTFOUND) {
            fe.field = "signatory";
            snprintf(fe.msg, sizeof fe.msg, "no organisation has id %lld",
                     (long long)a.signatories[i]);
            rc = MG_EINVAL;
        }
    }
    if (rc == 0)
        rc = mg_contract_create(db, 0, a.lead, &a.in, &id, &fe, &d);
    for (size_t i = 0; rc == 0 && i < a.nsignatories; i++)
        rc = mg_contract_signatory_add(db, 0, id, a.signatories[i], &fe, &d);
    if (rc == 0 && a.example) {
        /* The contracts module has no setter for the mark yet: the import's
         * module owns this one statement, audited as an update. */
        rc = mg_contract_import_mark_example(db, 0, id, &d);
    }
    mg_db_close(db);
    if (rc) {
        if (rc == MG_EINVAL && fe.field)
            cli_error(kCmd, "%s: %s", fe.field, fe.msg);
        else
            cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        if (id)
            cli_error(kCmd, "contract %lld was created, but not completed", (long long)id);
        return rc == MG_EINVAL || rc == MG_ENOTFOUND ? MG_EXIT_INPUT : MG_EXIT_FAILURE;
    }
    printf("%lld\n", (long long)id);
    return MG_EXIT_OK;
}

static int read_file(const char *path, char **out, size_t *n)
{
    mg_reader *r = NULL;
    mg_diag d = {{0}};
    if (mg_reader_open(&r, path, &d)) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : "cannot open the file");
        return MG_EXIT_INPUT;
    }
    mg_buf b;
    mg_buf_init(&b, (size_t)MG_IMPORT_MAX_BYTES + 1u);
    char chunk[65536];
    ssize_t got;
    int rc = 0;
    while (!rc && (got = mg_reader_read(r, chunk, sizeof chunk, &d)) > 0)
        rc = mg_buf_append(&b, chunk, (size_t)got);
    mg_reader_close(r);
    if (rc || got < 0) {
        mg_buf_free(&b);
        cli_error(kCmd, "%s: %s", path,
                  rc == MG_ELIMIT ? "larger than 10 MiB"
                                  : got < 0 && d.msg[0] ? d.msg : mg_strerror(rc ? rc : (int)got));
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    *n = b.len;
    *out = b.data ? mg_buf_take(&b, n) : calloc(1, 1);
    return *out ? 0 : MG_EXIT_FAILURE;
}

static int import(int argc, char **argv)
{
    args a = {0};
    int p = parse_args(argc, argv, &a);
    if (p)
        return p > 0 ? MG_EXIT_OK : MG_EXIT_USAGE;
    if (!a.contract || optind != argc - 1) {
        cli_error(kCmd, "import needs --contract ID and one FILE");
        return MG_EXIT_USAGE;
    }
    const char *path = argv[optind];
    char *data = NULL;
    size_t n = 0;
    int ex = read_file(path, &data, &n);
    if (ex)
        return ex;
    mg_db *db = NULL;
    if ((ex = open_database(a.database, &db))) {
        free(data);
        return ex;
    }
    const char *base = strrchr(path, '/');
    mg_import_report rep;
    mg_import_report_init(&rep, base ? base + 1 : path);
    mg_contract_import *im = NULL;
    mg_diag d = {{0}};
    int rc = mg_contract_import_read(rep.file, data, n, &im, &rep, &d);
    if (im && (rc == 0 || rc == MG_EINVAL))
        rc = mg_contract_import_apply(db, 0, a.contract, im, a.dry_run, &rep, &d);
    mg_contract_import_free(im);
    mg_db_close(db);
    free(data);
    if (rc == MG_ENOTFOUND) {
        cli_error(kCmd, "--contract %lld: no such contract", (long long)a.contract);
        mg_import_report_free(&rep);
        return MG_EXIT_INPUT;
    }
    if (mg_import_report_write_csv(&rep, stdout) != 0 || fflush(stdout) != 0) {
        mg_import_report_free(&rep);
        return MG_EXIT_OUTPUT;
    }
    if (rc == 0)
        fprintf(stderr,
                "maillage contracts: %s%zu axes, %zu actions, %zu participants, %zu budget "
                "lines%s\n",
                a.dry_run ? "dry run: " : "", rep.axes, rep.actions, rep.participants,
                rep.budget_lines, a.dry_run ? " would be created; nothing written" : " created");
    else
        cli_error(kCmd, "%zu row(s) refused: nothing imported%s%s", rep.refused,
                  d.msg[0] && rc != MG_EINVAL ? ": " : "", rc != MG_EINVAL ? d.msg : "");
    mg_import_report_free(&rep);
    if (rc == 0)
        return MG_EXIT_OK;
    return rc == MG_EINVAL || rc == MG_EPARSE || rc == MG_EUTF8 || rc == MG_ELIMIT
               ? MG_EXIT_INPUT
               : MG_EXIT_FAILURE;
}

int mg_cmd_contracts(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help();
        return argc < 2 ? MG_EXIT_USAGE : MG_EXIT_OK;
    }
    if (!strcmp(argv[1], "create"))
        return create(argc - 1, argv + 1);
    if (!strcmp(argv[1], "import"))
        return import(argc - 1, argv + 1);
    cli_error(kCmd, "unknown subcommand \"%s\" (create, import)", argv[1]);
    return MG_EXIT_USAGE;
}
