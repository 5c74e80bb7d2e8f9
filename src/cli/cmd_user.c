/*
 * maillage organisation add / maillage user add: the first organisations
 * and accounts of a platform, made from the command line (the operator's
 * own organisation and its administrator, before anyone can log in).
 *   organisation add --database DB --name NAME --kind KIND [--siret S]
 *                    [--rna R] [--finess F] [--operator]
 *   user add --database DB --email E --name NAME [--organisation ID
 *            --role ROLE] [--password-file FILE]
 * Both print the new id on standard output. A password is never taken from
 * the command line (it would show in ps and in the shell's history): from
 * a file, or standard input with "-".
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "db/db.h"
#include "parse/parse.h"

static void organisation_help(void)
{
    printf("Usage: maillage organisation add --database DB --name NAME --kind KIND\n"
           "                                 [--siret S] [--rna R] [--finess F] [--operator]\n"
           "\n"
           "Creates an organisation, confirmed at once, and prints its id.\n"
           "\n"
           "  --database DB    an SQLite file (created if needed) or a postgresql://… URI\n"
           "  --name NAME      its name, as people will read it\n"
           "  --kind KIND      departement, epci, commune, ars, cpam, region, prefecture,\n"
           "                   association, health_centre, pharmacy, hospital, urps, other\n"
           "  --siret S        its SIRET number (14 digits, spaces allowed)\n"
           "  --rna R          its RNA number (W and 9 characters), for an association\n"
           "  --finess F       its FINESS number (9 characters)\n"
           "  --operator       the organisation that runs the platform: its\n"
           "                   administrators confirm organisations and see all accounts\n"
           "  -h, --help       this help\n");
}

static void user_help(void)
{
    printf("Usage: maillage user add --database DB --email E --name NAME\n"
           "                         [--organisation ID --role ROLE] [--password-file FILE]\n"
           "\n"
           "Creates an account and prints its id.\n"
           "\n"
           "  --database DB          an SQLite file (created if needed) or a postgresql://… URI\n"
           "  --email E              the person's e-mail address (their log-in)\n"
           "  --name NAME            the person's name\n"
           "  --organisation ID      an organisation (maillage organisation add prints ids)\n"
           "  --role ROLE            their role in it: administrator, manager, instructor,\n"
           "                         contributor, reader, host, teleconsultant, applicant\n"
           "  --password-file FILE   the password, on the first line of FILE, or typed on\n"
           "                         standard input with \"-\"; without it the account has\n"
           "                         no password until one is set through a reset link\n"
           "  -h, --help             this help\n");
}

/* The option a refused field of the module comes from. */
static const char *option_of(const char *field)
{
    static const struct {
        const char *field, *option;
    } map[] = {{"name", "--name"},     {"kind", "--kind"},   {"siret", "--siret"},
               {"rna", "--rna"},       {"finess", "--finess"}, {"email", "--email"},
               {"display_name", "--name"}, {"password", "--password-file"},
               {"role", "--role"}};
    for (size_t i = 0; field && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(field, map[i].field) == 0)
            return map[i].option;
    return NULL;
}

/* Says why the module refused, the field's sentence after its option:
 * exit 1 for input refused (or no memory), 3 when the database failed. */
static int refused(const char *cmd, int rc, const mg_auth_field_error *fe, const mg_diag *d)
{
    const char *opt = option_of(fe->field);
    if (opt && fe->msg[0])
        cli_error(cmd, "%s: %s", opt, fe->msg);
    else
        cli_error(cmd, "%s", d->msg[0] ? d->msg : mg_strerror(rc));
    bool input = rc == MG_EINVAL || rc == MG_ELIMIT || rc == MG_EUTF8 || rc == MG_ENOMEM;
    return input ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
}

static int open_database(const char *cmd, const char *url, mg_db **db)
{
    mg_diag d = {{0}};
    int rc = mg_db_open(db, url, NULL, &d);
    if (rc) {
        cli_error(cmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    return MG_EXIT_OK;
}

/* Checks the words of argv[1]: "add" is the only subcommand. Returns -1 to
 * go on, or an exit code. */
static int subcommand(const char *cmd, int argc, char **argv, void (*help)(void))
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help();
        return argc < 2 ? MG_EXIT_USAGE : MG_EXIT_OK;
    }
    if (strcmp(argv[1], "add") != 0) {
        cli_error(cmd, "unknown subcommand \"%s\": expected add (try --help)", argv[1]);
        return MG_EXIT_USAGE;
    }
    return -1;
}

/* --- maillage organisation add --------------------------------------------------- */

int mg_cmd_organisation(int argc, char **argv)
{
    static const char cmd[] = "organisation";
    int sub = subcommand(cmd, argc, argv, organisation_help);
    if (sub >= 0)
        return sub;
    enum { O_DATABASE = 300, O_NAME, O_KIND, O_SIRET, O_RNA, O_FINESS, O_OPERATOR };
    static const struct option longopts[] = {
        {"database", required_argument, NULL, O_DATABASE},
        {"name", required_argument, NULL, O_NAME},
        {"kind", required_argument, NULL, O_KIND},
        {"siret", required_argument, NULL, O_SIRET},
        {"rna", required_argument, NULL, O_RNA},
        {"finess", required_argument, NULL, O_FINESS},
        {"operator", no_argument, NULL, O_OPERATOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL;
    mg_auth_org_input in = {0};
    bool operator_ = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_DATABASE: database = optarg; break;
        case O_NAME: in.name = optarg; break;
        case O_KIND: in.kind = optarg; break;
        case O_SIRET: in.siret = optarg; break;
        case O_RNA: in.rna = optarg; break;
        case O_FINESS: in.finess = optarg; break;
        case O_OPERATOR: operator_ = true; break;
        case 'h': organisation_help(); return MG_EXIT_OK;
        default: cli_error(cmd, "try --help"); return MG_EXIT_USAGE;
        }
    }
    if (optind < argc - 1) {
        cli_error(cmd, "unexpected argument \"%s\" (try --help)", argv[optind + 1]);
        return MG_EXIT_USAGE;
    }
    if (!database || !in.name || !in.kind) {
        cli_error(cmd, "add: --database, --name and --kind are required (try --help)");
        return MG_EXIT_USAGE;
    }
    mg_auth_org_kind kind;
    if (mg_auth_org_kind_parse(in.kind, &kind) != 0) {
        cli_error(cmd, "--kind %s: expected departement, epci, commune, ars, cpam, region, "
                       "prefecture, association, health_centre, pharmacy, hospital, urps or "
                       "other", in.kind);
        return MG_EXIT_USAGE;
    }
    mg_db *db = NULL;
    int rc = open_database(cmd, database, &db);
    if (rc != MG_EXIT_OK)
        return rc;
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int err = mg_auth_org_add(db, 0, &in, true, operator_, &id, &fe, &d);
    mg_db_close(db);
    if (err)
        return refused(cmd, err, &fe, &d);
    printf("%lld\n", (long long)id);
    return MG_EXIT_OK;
}

/* --- maillage user add ------------------------------------------------------------- */

/*
 * Reads the password: the first line of `path`, or of standard input for
 * "-" (not echoed when it is a terminal). One line ending (LF or CRLF) is
 * removed; a line longer than the accepted maximum is refused, never cut.
 * Returns 0, or an exit code after a message.
 */
static int read_password(const char *cmd, const char *path, char *out, size_t cap)
{
    bool from_stdin = strcmp(path, "-") == 0;
    FILE *f = from_stdin ? stdin : fopen(path, "r");
    if (!f) {
        cli_error(cmd, "--password-file %s: cannot open it", path);
        return MG_EXIT_INPUT;
    }
    struct termios saved;
    bool quiet = from_stdin && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (quiet) {
        struct termios noecho = saved;
        noecho.c_lflag &= ~(tcflag_t)ECHO;
        fputs("Password: ", stderr);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
    }
    bool got = fgets(out, (int)cap, f) != NULL;
    if (quiet) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        fputc('\n', stderr);
    }
    if (!from_stdin)
        fclose(f);
    if (!got)
        out[0] = '\0';
    size_t n = strlen(out);
    bool whole_line = n + 1 < cap || (n > 0 && out[n - 1] == '\n');
    if (!whole_line) {
        sodium_memzero(out, cap);
        cli_error(cmd, "--password-file: Le mot de passe est trop long (%d octets au plus).",
                  MG_AUTH_PASSWORD_MAX_BYTES);
        return MG_EXIT_FAILURE;
    }
    if (n > 0 && out[n - 1] == '\n')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '\r')
        out[--n] = '\0';
    return 0;
}

struct user_args {
    const char *database, *email, *name, *organisation, *role, *password_file;
};

static int user_parse(int argc, char **argv, struct user_args *a)
{
    static const char cmd[] = "user";
    enum { O_DATABASE = 300, O_EMAIL, O_NAME, O_ORGANISATION, O_ROLE, O_PASSWORD_FILE };
    static const struct option longopts[] = {
        {"database", required_argument, NULL, O_DATABASE},
        {"email", required_argument, NULL, O_EMAIL},
        {"name", required_argument, NULL, O_NAME},
        {"organisation", required_argument, NULL, O_ORGANISATION},
        {"role", required_argument, NULL, O_ROLE},
        {"password-file", required_argument, NULL, O_PASSWORD_FILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_DATABASE: a->database = optarg; break;
        case O_EMAIL: a->email = optarg; break;
        case O_NAME: a->name = optarg; break;
        case O_ORGANISATION: a->organisation = optarg; break;
        case O_ROLE: a->role = optarg; break;
        case O_PASSWORD_FILE: a->password_file = optarg; break;
        case 'h': user_help(); return MG_EXIT_OK;
        default: cli_error(cmd, "try --help"); return MG_EXIT_USAGE;
        }
    }
    if (optind < argc - 1) {
        cli_error(cmd, "unexpected argument \"%s\" (try --help)", argv[optind + 1]);
        return MG_EXIT_USAGE;
    }
    if (!a->database || !a->email || !a->name) {
        cli_error(cmd, "add: --database, --email and --name are required (try --help)");
        return MG_EXIT_USAGE;
    }
    if (!a->organisation != !a->role) {
        cli_error(cmd, "add: --organisation and --role go together (try --help)");
        return MG_EXIT_USAGE;
    }
    return -1;
}

int mg_cmd_user(int argc, char **argv)
{
    static const char cmd[] = "user";
    int sub = subcommand(cmd, argc, argv, user_help);
    if (sub >= 0)
        return sub;
    struct user_args a = {0};
    int rc = user_parse(argc, argv, &a);
    if (rc >= 0)
        return rc;
    int64_t org = 0;
    mg_auth_role role = MG_ROLE_READER;
    mg_parse_error why;
    if (a.organisation && mg_parse_id(a.organisation, INT64_MAX, &org, &why) != 0) {
        cli_error(cmd, "--organisation %s: expected an organisation's id, a whole number "
                       "from 1",
                  a.organisation);
        return MG_EXIT_USAGE;
    }
    if (a.role && mg_auth_role_parse(a.role, &role) != 0) {
        cli_error(cmd, "--role %s: expected administrator, manager, instructor, contributor, "
                       "reader, host, teleconsultant or applicant",
                  a.role);
        return MG_EXIT_USAGE;
    }
    /* Room for the longest password accepted, its line ending, and one
     * byte more to tell a longer line. */
    char password[MG_AUTH_PASSWORD_MAX_BYTES + 3];
    if (a.password_file && (rc = read_password(cmd, a.password_file, password,
                                               sizeof password)) != 0)
        return rc;
    mg_db *db = NULL;
    rc = open_database(cmd, a.database, &db);
    if (rc == MG_EXIT_OK) {
        mg_auth_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        int err = mg_auth_account_add(db, 0, a.email, a.name,
                                      a.password_file ? password : NULL, org, role, &id, &fe,
                                      &d);
        if (err == 0) {
            printf("%lld\n", (long long)id);
        } else if (err == MG_ENOTFOUND) {
            cli_error(cmd, "--organisation %lld: no such organisation", (long long)org);
            rc = MG_EXIT_FAILURE;
        } else {
            rc = refused(cmd, err, &fe, &d);
        }
    }
    mg_db_close(db);
    sodium_memzero(password, sizeof password);
    return rc;
}
