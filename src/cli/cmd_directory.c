/*
 * maillage directory: the directory of local actors from the command line
 * (docs/cli.md, docs/formats.md "Directory").
 *   directory import --database DB [--format F] [--dry-run] [--report FILE] FILE…
 *   directory export --database DB --format datainclusion-json|datainclusion-csv --out PATH
 *   directory merges --database DB
 *   directory merge  --database DB --accept ID | --dismiss ID
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/output_file.h"
#include "core/buf.h"
#include "core/limits.h"
#include "db/db.h"
#include "directory/formats.h"
#include "io/reader.h"

static const char kCmd[] = "directory";

static void help(void)
{
    printf(
        "Usage: maillage directory import --database DB [--format F] [--dry-run]\n"
        "                                 [--report FILE] [--departement CODE] FILE...\n"
        "       maillage directory export --database DB --format datainclusion-json|datainclusion-csv\n"
        "                                 --out PATH [--services-out PATH]\n"
        "       maillage directory merges --database DB\n"
        "       maillage directory merge  --database DB (--accept ID | --dismiss ID)\n"
        "\n"
        "The directory of local actors: structures and their services in the data·inclusion\n"
        "schema v" MG_DI_SCHEMA_VERSION " (docs/formats.md, \"Directory\").\n"
        "\n"
        "import reads the files, checks every record and imports them in one transaction:\n"
        "all or nothing. It prints one CSV row per record (fichier, ligne, colonne, type, id,\n"
        "champ, statut, message; statut new, updated, unchanged, duplicate or refused) and\n"
        "exits 3, importing nothing, when a row is refused. Duplicates (same SIRET or FINESS,\n"
        "or same name at the same address) are kept aside as merge proposals.\n"
        "  --format F       datainclusion-json, datainclusion-csv (FILE... the structures\n"
        "                   and/or services files, told apart by their header), finess (the\n"
        "                   FINESS establishment extraction, etalab-cs1100507-stock-*.csv) or\n"
        "                   annuaire (PS_LibreAcces_Personne_activite_*.txt: GP practices);\n"
        "                   default: guessed from each file's content\n"
        "  --dry-run        check and report, write nothing\n"
        "  --report FILE    also write the report to FILE (CSV)\n"
        "  --departement CODE\n"
        "                   annuaire: keep the practices of this département only (11, 2A…)\n"
        "export writes every structure and service of the database (JSON: one file; CSV:\n"
        "the structures to --out, the services to --services-out, by default --out with\n"
        "\"-services\" before its extension).\n"
        "merges lists the pending merge proposals; merge accepts one (the incoming record's\n"
        "fields fill the stored structure) or dismisses it.\n"
        "  --database DB    an SQLite file (import creates it when missing) or a\n"
        "                   postgresql://… URI\n"
        "  -h, --help       this help\n");
}

typedef enum fmt { F_GUESS = 0, F_DI_JSON, F_DI_CSV, F_FINESS, F_ANNUAIRE } fmt;

static int parse_format(const char *s, fmt *out)
{
    static const struct {
        const char *name;
        fmt f;
    } k[] = {{"datainclusion-json", F_DI_JSON},
             {"datainclusion-csv", F_DI_CSV},
             {"finess", F_FINESS},
             {"annuaire", F_ANNUAIRE}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcmp(s, k[i].name) == 0) {
            *out = k[i].f;
            return 0;
        }
    return -1;
}

/* The format of a file from its first bytes. */
static fmt guess(const char *t, size_t n)
{
    size_t i = 0;
    if (n >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t'))
        i++;
    if (i < n && (t[i] == '{' || t[i] == '['))
        return F_DI_JSON;
    size_t e = i;
    while (e < n && t[e] != '\n')
        e++;
    const char *line = t + i;
    size_t len = e - i;
    if ((len >= 7 && memcmp(line, "finess;", 7) == 0) ||
        (len >= 12 && memcmp(line, "structureet;", 12) == 0))
        return F_FINESS;
    if (memchr(line, '|', len) && len >= 15) {
        for (size_t k = 0; k + 15 <= len; k++)
            if (memcmp(line + k, "Code profession", 15) == 0)
                return F_ANNUAIRE;
    }
    if (memchr(line, ',', len))
        return F_DI_CSV;
    return F_GUESS;
}

/* A data·inclusion CSV file of services has a structure_id column. */
static bool csv_is_services(const char *t, size_t n)
{
    size_t e = 0;
    while (e < n && t[e] != '\n')
        e++;
    for (size_t k = 0; k + 12 <= e; k++)
        if (memcmp(t + k, "structure_id", 12) == 0 && (k == 0 || t[k - 1] == ',' || t[k - 1] == '"'))
            return true;
    return false;
}

/* The whole file (gzip-compressed or not, as every input: io/reader.h). */
static int read_file(const char *path, char **out, size_t *n)
{
    mg_reader *r = NULL;
    mg_diag d = {{0}};
    if (mg_reader_open(&r, path, &d)) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : "cannot open the file");
        return MG_EXIT_INPUT;
    }
    mg_buf b;
    mg_buf_init(&b, MG_MAX_FILE_BYTES);
    char chunk[65536];
    ssize_t got;
    int rc = 0;
    while (!rc && (got = mg_reader_read(r, chunk, sizeof chunk, &d)) > 0)
        rc = mg_buf_append(&b, chunk, (size_t)got);
    mg_reader_close(r);
    if (rc || got < 0) {
        mg_buf_free(&b);
        cli_error(kCmd, "%s", got < 0 && d.msg[0] ? d.msg : mg_strerror(rc ? rc : (int)got));
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    if (!b.data) {
        *out = calloc(1, 1);
        *n = 0;
        return *out ? 0 : MG_EXIT_FAILURE;
    }
    *out = mg_buf_take(&b, n);
    return 0;
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

static int open_database(const char *url, bool must_exist, mg_db **db)
{
    if (must_exist && !database_exists(url)) {
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

/* --- import --------------------------------------------------------------------- */

typedef struct origin {
    const char **row_file; /* the file of each report row */
    size_t n, cap;
} origin;

static int origin_fill(origin *o, size_t upto, const char *file)
{
    if (upto > o->cap) {
        size_t nc = upto + 64;
        const char **p = realloc(o->row_file, nc * sizeof *p);
        if (!p)
            return -1;
        o->row_file = p;
        o->cap = nc;
    }
    while (o->n < upto)
        o->row_file[o->n++] = file;
    return 0;
}

/* Appends n line numbers of lines[] to the growing array *all. */
static int append_lines(unsigned **all, size_t *nall, const unsigned *lines, size_t n)
{
    if (!n)
        return 0;
    unsigned *p = realloc(*all, (*nall + n) * sizeof *p);
    if (!p)
        return -1;
    if (lines)
        memcpy(p + *nall, lines, n * sizeof *p);
    else
        memset(p + *nall, 0, n * sizeof *p);
    *all = p;
    *nall += n;
    return 0;
}

static void csv_text(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void print_report(FILE *f, const mg_dir_report *r, const origin *o)
{
    fputs("fichier,ligne,colonne,type,id,champ,statut,message\n", f);
    for (size_t i = 0; i < r->n; i++) {
        const mg_dir_report_row *row = &r->rows[i];
        csv_text(f, i < o->n && o->row_file[i] ? o->row_file[i] : "");
        fprintf(f, ",%u,%u,%s,", row->line, row->column,
                row->kind == 'v' ? "service" : "structure");
        csv_text(f, row->source_id);
        fputc(',', f);
        csv_text(f, row->field);
        fprintf(f, ",%s,", mg_dir_row_status_key(row->status));
        csv_text(f, row->message);
        fputc('\n', f);
    }
}

typedef struct dep_filter {
    const char *dep;
} dep_filter;

static bool keep_departement(const char *commune, void *ctx)
{
    const dep_filter *f = ctx;
    size_t n = strlen(f->dep);
    /* overseas: 971…976 are three characters */
    return strncmp(commune, f->dep, n) == 0;
}

static int run_import(mg_db *db, fmt forced, bool dry_run, const char *report_path,
                      const char *departement, char **files, int nfiles)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    origin org = {0};
    unsigned *slines = NULL, *vlines = NULL;
    size_t nsl = 0, nvl = 0;
    const char **sfile = NULL, **vfile = NULL; /* file of each record */
    char **texts = calloc((size_t)nfiles, sizeof *texts);
    int exit_code = MG_EXIT_OK;
    bool parse_failed = false;
    dep_filter df = {departement};
    if (!texts) {
        cli_error(kCmd, "out of memory");
        return MG_EXIT_FAILURE;
    }
    /* CSV files of data·inclusion come as structures and services: read
     * each as its header says. */
    for (int k = 0; k < nfiles && exit_code == MG_EXIT_OK; k++) {
        size_t n;
        exit_code = read_file(files[k], &texts[k], &n);
        if (exit_code)
            break;
        fmt f = forced ? forced : guess(texts[k], n);
        if (f == F_GUESS) {
            cli_error(kCmd, "%s: format not recognised (give --format)", files[k]);
            exit_code = MG_EXIT_USAGE;
            break;
        }
        size_t ns0 = set.nstructures, nv0 = set.nservices;
        unsigned *sl = NULL, *vl = NULL;
        mg_diag d = {{0}};
        int rc;
        switch (f) {
        case F_DI_JSON:
            rc = mg_di_read_json(files[k], texts[k], n, &set, &sl, &vl, &r, &d);
            break;
        case F_DI_CSV:
            if (csv_is_services(texts[k], n))
                rc = mg_di_read_csv(NULL, NULL, 0, files[k], texts[k], n, &set, NULL, &vl, &r,
                                    &d);
            else
                rc = mg_di_read_csv(files[k], texts[k], n, NULL, NULL, 0, &set, &sl, NULL, &r,
                                    &d);
            break;
        case F_FINESS:
            rc = mg_finess_read(files[k], texts[k], n, &set, &sl, &r, &d);
            break;
        case F_ANNUAIRE:
            rc = mg_annuaire_read(files[k], texts[k], n, departement ? keep_departement : NULL,
                                  &df, &set, &sl, &r, &d);
            break;
        default:
            rc = MG_EINVAL;
            break;
        }
        if (origin_fill(&org, r.n, files[k]) ||
            append_lines(&slines, &nsl, sl, set.nstructures - ns0) ||
            append_lines(&vlines, &nvl, vl, set.nservices - nv0)) {
            rc = MG_ENOMEM;
        }
        free(sl);
        free(vl);
        if (!rc) {
            const char **ps = realloc(sfile, (set.nstructures + 1) * sizeof *ps);
            if (ps)
                sfile = ps;
            const char **pv = realloc(vfile, (set.nservices + 1) * sizeof *pv);
            if (pv)
                vfile = pv;
            if (!ps || !pv)
                rc = MG_ENOMEM;
            for (size_t i = ns0; !rc && i < set.nstructures; i++)
                sfile[i] = files[k];
            for (size_t i = nv0; !rc && i < set.nservices; i++)
                vfile[i] = files[k];
        }
        if (rc == MG_ENOMEM) {
            cli_error(kCmd, "out of memory");
            exit_code = MG_EXIT_FAILURE;
        } else if (rc) {
            parse_failed = true;
            if (rc != MG_EINVAL)
                cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        }
    }
    size_t parsed_rows = r.n;
    if (exit_code == MG_EXIT_OK && !parse_failed) {
        mg_dir_import_opts o = {.by = 0,
                                .dry_run = dry_run,
                                .structure_lines = slines,
                                .service_lines = vlines};
        mg_diag d = {{0}};
        int rc = mg_dir_import(db, &set, &o, &r, &d);
        /* the store's rows: one per structure, then one per service */
        if (origin_fill(&org, parsed_rows, NULL) == 0 && r.n > parsed_rows) {
            size_t need = r.n;
            if (origin_fill(&org, need, NULL) == 0) {
                for (size_t i = parsed_rows; i < r.n; i++) {
                    size_t k = i - parsed_rows;
                    org.row_file[i] = k < set.nstructures ? sfile[k]
                                      : k - set.nstructures < set.nservices
                                          ? vfile[k - set.nstructures]
                                          : NULL;
                }
            }
        }
        if (rc == MG_EINVAL)
            parse_failed = true;
        else if (rc) {
            cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
            exit_code = rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
        }
    }
    if (exit_code == MG_EXIT_OK || parse_failed) {
        print_report(stdout, &r, &org);
        if (report_path) {
            cli_out out;
            if (cli_out_open(&out, report_path, kCmd) == 0) {
                print_report(out.f, &r, &org);
                if (cli_out_close(&out, 1, kCmd))
                    exit_code = MG_EXIT_OUTPUT;
            } else
                exit_code = MG_EXIT_OUTPUT;
        }
        fprintf(stderr,
                "maillage directory: %zu nouveau(x), %zu mis à jour, %zu inchangé(s), "
                "%zu doublon(s), %zu refusé(s)%s\n",
                r.counts[MG_DIR_ROW_NEW], r.counts[MG_DIR_ROW_UPDATED],
                r.counts[MG_DIR_ROW_UNCHANGED], r.counts[MG_DIR_ROW_DUPLICATE],
                r.counts[MG_DIR_ROW_REFUSED],
                parse_failed ? " : rien n'a été importé"
                             : dry_run ? " (essai : rien n'a été écrit)" : "");
        if (parse_failed && exit_code == MG_EXIT_OK)
            exit_code = MG_EXIT_INPUT;
    }
    for (int k = 0; k < nfiles; k++)
        free(texts[k]);
    free(texts);
    free(sfile);
    free(vfile);
    free(slines);
    free(vlines);
    free(org.row_file);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
    return exit_code;
}

/* --- export ---------------------------------------------------------------------- */

static int write_buf(const char *path, const mg_buf *b)
{
    cli_out o;
    if (cli_out_open(&o, path, kCmd))
        return MG_EXIT_OUTPUT;
    bool ok = b->len == 0 || fwrite(b->data, 1, b->len, o.f) == b->len;
    if (cli_out_close(&o, ok, kCmd) || !ok)
        return MG_EXIT_OUTPUT;
    return MG_EXIT_OK;
}

static int run_export(mg_db *db, fmt f, const char *out, const char *services_out)
{
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_diag d = {{0}};
    int rc = mg_dir_all(db, &set, &d);
    if (rc) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        mg_dir_set_free(&set);
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    mg_buf a, b;
    mg_buf_init(&a, MG_MAX_FILE_BYTES);
    mg_buf_init(&b, MG_MAX_FILE_BYTES);
    int exit_code = MG_EXIT_OK;
    if (f == F_DI_JSON) {
        rc = mg_di_write_json(&set, &a, &d);
        if (!rc)
            exit_code = write_buf(out, &a);
    } else {
        rc = mg_di_write_csv(&set, &a, &b, &d);
        char *derived = NULL;
        if (!rc && !services_out) {
            size_t n = strlen(out);
            const char *dot = strrchr(out, '.');
            const char *slash = strrchr(out, '/');
            size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - out) : n;
            derived = malloc(n + 16);
            if (derived)
                snprintf(derived, n + 16, "%.*s-services%s", (int)stem, out, out + stem);
            services_out = derived;
        }
        if (!rc && !services_out)
            rc = MG_ENOMEM;
        if (!rc)
            exit_code = write_buf(out, &a);
        if (!rc && exit_code == MG_EXIT_OK)
            exit_code = write_buf(services_out, &b);
        free(derived);
    }
    if (rc) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        exit_code = MG_EXIT_FAILURE;
    } else if (exit_code == MG_EXIT_OK)
        fprintf(stderr, "maillage directory: %zu structure(s) et %zu service(s) exportés\n",
                set.nstructures, set.nservices);
    mg_buf_free(&a);
    mg_buf_free(&b);
    mg_dir_set_free(&set);
    return exit_code;
}

/* --- merges ---------------------------------------------------------------------- */

static int run_merges(mg_db *db)
{
    mg_dir_merge *m = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_dir_merges(db, &m, &n, &d);
    if (rc) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    fputs("id,structure,nom_structure,motif,nom_entrant,source_entrant,id_entrant,cree_le\n",
          stdout);
    for (size_t i = 0; i < n; i++) {
        mg_dir_set in, st;
        mg_dir_set_init(&in);
        mg_dir_set_init(&st);
        mg_dir_merge got;
        mg_diag d2 = {{0}};
        bool have_in = mg_dir_merge_get(db, m[i].id, &got, &in, &d2) == 0 && in.nstructures;
        bool have_st = mg_dir_get(db, m[i].structure_id, &st, &d2) == 0 && st.nstructures;
        printf("%lld,%lld,", (long long)m[i].id, (long long)m[i].structure_id);
        csv_text(stdout, have_st && st.structures[0].name ? st.structures[0].name : "");
        putchar(',');
        csv_text(stdout, m[i].reason);
        putchar(',');
        csv_text(stdout, have_in && in.structures[0].name ? in.structures[0].name : "");
        putchar(',');
        csv_text(stdout, have_in && in.structures[0].source ? in.structures[0].source : "");
        putchar(',');
        csv_text(stdout, have_in && in.structures[0].source_id ? in.structures[0].source_id : "");
        putchar(',');
        csv_text(stdout, m[i].created_at);
        putchar('\n');
        mg_dir_set_free(&in);
        mg_dir_set_free(&st);
    }
    free(m);
    return MG_EXIT_OK;
}

static int run_merge(mg_db *db, int64_t id, bool accept)
{
    mg_diag d = {{0}};
    int rc = mg_dir_merge_decide(db, 0, id, accept, &d);
    if (rc == MG_ENOTFOUND) {
        cli_error(kCmd, "merge %lld: no such pending proposal", (long long)id);
        return MG_EXIT_INPUT;
    }
    if (rc) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    fprintf(stderr, "maillage directory: proposition %lld %s\n", (long long)id,
            accept ? "acceptée" : "écartée");
    return MG_EXIT_OK;
}

int mg_cmd_directory(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help();
        return argc < 2 ? MG_EXIT_USAGE : MG_EXIT_OK;
    }
    const char *sub = argv[1];
    enum { S_IMPORT, S_EXPORT, S_MERGES, S_MERGE } which;
    if (strcmp(sub, "import") == 0)
        which = S_IMPORT;
    else if (strcmp(sub, "export") == 0)
        which = S_EXPORT;
    else if (strcmp(sub, "merges") == 0)
        which = S_MERGES;
    else if (strcmp(sub, "merge") == 0)
        which = S_MERGE;
    else {
        cli_error(kCmd,
                  "unknown subcommand \"%s\": expected import, export, merges or merge (try "
                  "--help)",
                  sub);
        return MG_EXIT_USAGE;
    }
    enum { O_DATABASE = 300, O_FORMAT, O_DRY_RUN, O_REPORT, O_OUT, O_SERVICES_OUT, O_ACCEPT,
           O_DISMISS, O_DEPARTEMENT };
    static const struct option longopts[] = {
        {"database", required_argument, NULL, O_DATABASE},
        {"format", required_argument, NULL, O_FORMAT},
        {"dry-run", no_argument, NULL, O_DRY_RUN},
        {"report", required_argument, NULL, O_REPORT},
        {"out", required_argument, NULL, O_OUT},
        {"services-out", required_argument, NULL, O_SERVICES_OUT},
        {"accept", required_argument, NULL, O_ACCEPT},
        {"dismiss", required_argument, NULL, O_DISMISS},
        {"departement", required_argument, NULL, O_DEPARTEMENT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL, *report = NULL, *out = NULL, *services_out = NULL,
               *departement = NULL;
    fmt format = F_GUESS;
    bool dry_run = false, accept = false;
    int64_t merge_id = 0;
    int decisions = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_DATABASE: database = optarg; break;
        case O_FORMAT:
            if (parse_format(optarg, &format)) {
                cli_error(kCmd,
                          "--format %s: expected datainclusion-json, datainclusion-csv, finess or "
                          "annuaire",
                          optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case O_DRY_RUN: dry_run = true; break;
        case O_REPORT: report = optarg; break;
        case O_OUT: out = optarg; break;
        case O_SERVICES_OUT: services_out = optarg; break;
        case O_DEPARTEMENT: departement = optarg; break;
        case O_ACCEPT:
        case O_DISMISS:
            if (cli_int(kCmd, c == O_ACCEPT ? "--accept" : "--dismiss", optarg, 1, INT64_MAX,
                        &merge_id))
                return MG_EXIT_USAGE;
            accept = c == O_ACCEPT;
            decisions++;
            break;
        case 'h': help(); return MG_EXIT_OK;
        default: cli_error(kCmd, "try --help"); return MG_EXIT_USAGE;
        }
    }
    char **operands = argv + 1 + optind;
    int noperands = argc - 1 - optind;
    if (!database) {
        cli_error(kCmd, "%s: --database DB is required (try --help)", sub);
        return MG_EXIT_USAGE;
    }
    if (which == S_IMPORT) {
        if (noperands < 1) {
            cli_error(kCmd, "import: give at least one FILE (try --help)");
            return MG_EXIT_USAGE;
        }
        if (out || services_out || decisions) {
            cli_error(kCmd, "import: --out, --services-out, --accept and --dismiss do not apply");
            return MG_EXIT_USAGE;
        }
    } else if (noperands > 0) {
        cli_error(kCmd, "unexpected argument \"%s\" (try --help)", operands[0]);
        return MG_EXIT_USAGE;
    }
    if (which == S_EXPORT) {
        if (format != F_DI_JSON && format != F_DI_CSV) {
            cli_error(kCmd, "export: --format datainclusion-json or datainclusion-csv is required");
            return MG_EXIT_USAGE;
        }
        if (!out) {
            cli_error(kCmd, "export: --out PATH is required");
            return MG_EXIT_USAGE;
        }
    }
    if (which == S_MERGE && decisions != 1) {
        cli_error(kCmd, "merge: give one of --accept ID or --dismiss ID");
        return MG_EXIT_USAGE;
    }
    if (which != S_IMPORT && (dry_run || report || departement)) {
        cli_error(kCmd, "%s: --dry-run, --report and --departement apply to import only", sub);
        return MG_EXIT_USAGE;
    }
    /* An import's files are looked at before the database is opened (and,
     * for SQLite, made): a mistyped name leaves nothing behind. */
    for (int k = 0; which == S_IMPORT && k < noperands; k++)
        if (access(operands[k], R_OK) != 0) {
            cli_error(kCmd, "%s: %s", operands[k], strerror(errno));
            return MG_EXIT_INPUT;
        }
    mg_db *db = NULL;
    int rc = open_database(database, which != S_IMPORT, &db);
    if (rc == MG_EXIT_OK) {
        switch (which) {
        case S_IMPORT:
            rc = run_import(db, format, dry_run, report, departement, operands, noperands);
            break;
        case S_EXPORT: rc = run_export(db, format, out, services_out); break;
        case S_MERGES: rc = run_merges(db); break;
        case S_MERGE: rc = run_merge(db, merge_id, accept); break;
        }
    }
    mg_db_close(db);
    return rc;
}
