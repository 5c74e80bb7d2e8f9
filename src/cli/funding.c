/*
 * maillage funding: the single window from the command line
 * (docs/funding-api.md, "Command line").
 *   funding windows add --database DB --lead ORG --title T [--funder ORG]...
 *                       [--contract ID] [--territory S] [--example]
 *   funding import --database DB [--as ACCOUNT] [--dry-run] FILE.json
 *   funding remind --database DB [--today YYYY-MM-DD]
 *   funding open-data --database DB [--examples] [-o FILE]
 *
 * The import reads requests in the API's JSON format (funding/json.h) with
 * optional steps to replay (attachments, filing, routing, opinions,
 * questions and answers, decisions, payments, the final report), each
 * through the module's functions as a person would through the pages. The
 * whole file is checked before anything is written (every request's form
 * as the filing checks it, every step against the state the steps before
 * it leave); a refusal names the file, the request's number and the field,
 * and writes nothing.
 */
#include <getopt.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "cli/output_file.h"
#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "core/utf8.h"
#include "db/db.h"
#include "directory/holidays.h"
#include "funding/aftergrant.h"
#include "funding/attachments.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "funding/json.h"
#include "funding/outputs.h"
#include "parse/parse.h"

static const char kCmd[] = "funding";

enum { IMPORT_MAX_BYTES = 16 * 1024 * 1024, IMPORT_MAX_REQUESTS = 10000, STEPS_MAX = 200 };

static void help(void)
{
    printf(
        "Usage: maillage funding windows add --database DB --lead ORG --title T\n"
        "                                    [--funder ORG]... [--contract ID]\n"
        "                                    [--territory S] [--example]\n"
        "       maillage funding import --database DB [--as ACCOUNT] [--dry-run] FILE.json\n"
        "       maillage funding remind --database DB [--today YYYY-MM-DD]\n"
        "       maillage funding open-data --database DB [--examples] [-o FILE]\n"
        "\n"
        "The single window for health subsidies (docs/funding-api.md).\n"
        "\n"
        "windows add creates a window led by ORG and prints its id.\n"
        "  --lead ORG       the lead (an organisation id, or its exact name)\n"
        "  --title T        the window's title\n"
        "  --funder ORG     a co-funder (repeat for several; the lead too if it funds)\n"
        "  --contract ID    the contract (CLS) the window serves\n"
        "  --territory S    a scope: epci:SIREN or communes:CODE,CODE...\n"
        "  --example        its facts are examples the public record does not give\n"
        "import reads {\"requests\": [...]} from FILE.json: each request in the API's\n"
        "format (\"window\", \"organisation\", the form's fields, \"lines\") with optional\n"
        "\"steps\" replayed in order (attachment, file, route, opinion, question, answer,\n"
        "decision, payment, report). Organisations and windows may be named by id or by\n"
        "exact name or title. The whole file is checked first: a refused request or step\n"
        "is reported with its number and field, and nothing is written (exit 3). It\n"
        "prints one CSV row per request: index, id, state.\n"
        "  --as ACCOUNT     the account id the steps are recorded in the name of\n"
        "                   (the operator who loads them); needed by the steps of\n"
        "                   the instruction (route, opinion, question, answer,\n"
        "                   decision), which the module records as an account's\n"
        "  --dry-run        check only, write nothing\n"
        "remind queues the reminders of final reports due on the day (for cron) and\n"
        "prints how many were queued.\n"
        "  --today D        the day to act on, YYYY-MM-DD (default: today in Paris)\n"
        "open-data writes the granted subsidies as the SCDL \"subventions\" CSV.\n"
        "  --examples       include the example rows of the demo\n"
        "  -o FILE          the output file (default: standard output)\n"
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
    if (!url) {
        cli_error(kCmd, "--database is required");
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

/* --- Organisations and windows by id or by name --------------------------------------------- */

typedef struct names {
    mg_auth_org *orgs;
    size_t norgs;
    mg_subsidy_window *windows;
    size_t nwindows;
    bool loaded;
} names;

static void names_free(names *n)
{
    free(n->orgs);
    free(n->windows);
    memset(n, 0, sizeof *n);
}

static int names_load(mg_db *db, names *n, mg_diag *d)
{
    if (n->loaded)
        return 0;
    size_t total = 0;
    for (size_t off = 0;;) {
        mg_auth_org *page = NULL;
        size_t got = 0;
        int rc = mg_auth_org_list(db, false, off, 500, &page, &got, &total, d);
        if (rc) {
            free(page);
            return rc;
        }
        mg_auth_org *grown = got ? realloc(n->orgs, (n->norgs + got) * sizeof *grown) : n->orgs;
        if (got && !grown) {
            free(page);
            return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        }
        n->orgs = grown;
        if (got)
            memcpy(n->orgs + n->norgs, page, got * sizeof *page);
        n->norgs += got;
        free(page);
        off += got;
        if (!got || off >= total)
            break;
    }
    int rc = mg_subsidy_windows(db, &n->windows, &n->nwindows, d);
    if (rc == 0)
        n->loaded = true;
    return rc;
}

/* An organisation named by id (digits) or exact name; 0 and a sentence in msg when none. */
static int64_t org_ref(mg_db *db, names *n, const char *text, char *msg, size_t cap)
{
    int64_t id = 0;
    mg_diag d = {{0}};
    if (mg_parse_id(text, INT64_MAX, &id, NULL) == 0) {
        mg_auth_org o;
        if (mg_auth_org_get(db, id, &o, &d) == 0)
            return id;
        snprintf(msg, cap, "aucune organisation n'a l'identifiant %lld", (long long)id);
        return 0;
    }
    if (names_load(db, n, &d)) {
        snprintf(msg, cap, "%.200s", d.msg[0] ? d.msg : "lecture des organisations impossible");
        return 0;
    }
    int64_t found = 0;
    size_t count = 0;
    for (size_t i = 0; i < n->norgs; i++)
        if (strcmp(n->orgs[i].name, text) == 0) {
            found = n->orgs[i].id;
            count++;
        }
    if (count == 1)
        return found;
    snprintf(msg, cap, count ? "plusieurs organisations s'appellent « %.200s »"
                             : "aucune organisation ne s'appelle « %.200s »",
             text);
    return 0;
}

/* Today in Paris, "YYYY-MM-DD"; false when the clock cannot tell. */
static bool today_paris(char out[static 11])
{
    int y, m, dd, minute;
    if (mg_paris_civil((int64_t)time(NULL), &y, &m, &dd, &minute) < 0 || y < 1 || m < 1 ||
        dd < 1)
        return false;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)dd % 100u);
    return true;
}

/* --- windows add ------------------------------------------------------------------------------ */

enum { OPT_DATABASE = 300, OPT_LEAD, OPT_TITLE, OPT_FUNDER, OPT_CONTRACT, OPT_TERRITORY,
       OPT_EXAMPLE, OPT_DRY_RUN, OPT_TODAY, OPT_EXAMPLES, OPT_AS };

static int windows_add(int argc, char **argv)
{
    static const struct option opts[] = {
        {"database", required_argument, NULL, OPT_DATABASE},
        {"db", required_argument, NULL, OPT_DATABASE},
        {"lead", required_argument, NULL, OPT_LEAD},
        {"title", required_argument, NULL, OPT_TITLE},
        {"funder", required_argument, NULL, OPT_FUNDER},
        {"contract", required_argument, NULL, OPT_CONTRACT},
        {"territory", required_argument, NULL, OPT_TERRITORY},
        {"example", no_argument, NULL, OPT_EXAMPLE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL, *lead = NULL, *title = NULL, *territory = "";
    const char *funders[MG_SUBSIDY_FUNDERS_MAX];
    size_t nf = 0;
    int64_t contract = 0;
    bool example = false;
    optind = 1;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'h': help(); return MG_EXIT_OK;
        case OPT_DATABASE: database = optarg; break;
        case OPT_LEAD: lead = optarg; break;
        case OPT_TITLE: title = optarg; break;
        case OPT_TERRITORY: territory = optarg; break;
        case OPT_EXAMPLE: example = true; break;
        case OPT_FUNDER:
            if (nf == MG_SUBSIDY_FUNDERS_MAX) {
                cli_error(kCmd, "--funder: at most %d", (int)MG_SUBSIDY_FUNDERS_MAX);
                return MG_EXIT_USAGE;
            }
            funders[nf++] = optarg;
            break;
        case OPT_CONTRACT:
            if (mg_parse_id(optarg, INT64_MAX, &contract, NULL)) {
                cli_error(kCmd, "--contract %s: expected a positive id", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        default:
            cli_error(kCmd, "unknown or incomplete option \"%s\" (see --help)", argv[optind - 1]);
            return MG_EXIT_USAGE;
        }
    }
    if (!lead || !title || optind < argc) {
        cli_error(kCmd, "windows add needs --lead and --title, and no operand");
        return MG_EXIT_USAGE;
    }
    mg_db *db = NULL;
    int ex = open_database(database, &db);
    if (ex)
        return ex;
    names nm = {0};
    char msg[300];
    int64_t lead_id = org_ref(db, &nm, lead, msg, sizeof msg);
    int64_t fids[MG_SUBSIDY_FUNDERS_MAX];
    if (!lead_id) {
        cli_error(kCmd, "--lead %s: %s", lead, msg);
        ex = MG_EXIT_INPUT;
    }
    for (size_t i = 0; !ex && i < nf; i++)
        if (!(fids[i] = org_ref(db, &nm, funders[i], msg, sizeof msg))) {
            cli_error(kCmd, "--funder %s: %s", funders[i], msg);
            ex = MG_EXIT_INPUT;
        }
    names_free(&nm);
    int64_t id = 0;
    if (!ex) {
        mg_subsidy_errors errs = {0};
        mg_diag d = {{0}};
        int rc = mg_subsidy_window_create(db, 0, lead_id, title, territory, contract, fids, nf,
                                          example, &id, &errs, &d);
        if (rc) {
            if (rc == MG_EINVAL && errs.n)
                for (size_t i = 0; i < errs.n; i++)
                    cli_error(kCmd, "%s: %s", errs.e[i].field, errs.e[i].msg);
            else
                cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
            ex = rc == MG_EINVAL || rc == MG_ENOTFOUND ? MG_EXIT_INPUT : MG_EXIT_FAILURE;
        }
    }
    mg_db_close(db);
    if (!ex)
        printf("%lld\n", (long long)id);
    return ex;
}

/* --- import ----------------------------------------------------------------------------------- */

/* A refusal: the file, the request's number (from 1), the field. */
typedef struct import_ctx {
    const char *file;
    int64_t by; /* --as: the account the steps are done in the name of; 0 the command line */
    char dir[4096]; /* the file's folder, for attachments' paths */
    mg_db *db;
    names nm;
    size_t refused;
} import_ctx;

static void refuse(import_ctx *ic, size_t req, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void refuse(import_ctx *ic, size_t req, const char *field, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (req)
        fprintf(stderr, "maillage funding: %s: request %zu: %s: %s\n", ic->file, req, field, msg);
    else
        fprintf(stderr, "maillage funding: %s: %s: %s\n", ic->file, field, msg);
    ic->refused++;
}

/* Replaces member `key` of o, an organisation's name or id, by its id;
 * false after refusing. Absent or null: true, nothing done. */
static bool resolve_org(import_ctx *ic, size_t req, json_t *o, const char *key,
                        const char *field)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v) || json_is_integer(v))
        return true;
    if (!json_is_string(v)) {
        refuse(ic, req, field, "attendu l'identifiant ou le nom exact d'une organisation");
        return false;
    }
    char msg[300];
    int64_t id = org_ref(ic->db, &ic->nm, json_string_value(v), msg, sizeof msg);
    if (!id) {
        refuse(ic, req, field, "%s", msg);
        return false;
    }
    json_object_set_new(o, key, json_integer(id));
    return true;
}

/* "window": an id or the exact title of a window. */
static bool resolve_window(import_ctx *ic, size_t req, json_t *o)
{
    json_t *v = json_object_get(o, "window");
    mg_diag d = {{0}};
    if (json_is_integer(v))
        return true;
    if (!json_is_string(v)) {
        refuse(ic, req, "window", "obligatoire : l'identifiant ou le titre exact d'un guichet");
        return false;
    }
    if (names_load(ic->db, &ic->nm, &d)) {
        refuse(ic, req, "window", "%s", d.msg);
        return false;
    }
    const char *t = json_string_value(v);
    int64_t id = 0;
    size_t count = 0;
    if (mg_parse_id(t, INT64_MAX, &id, NULL) == 0) {
        json_object_set_new(o, "window", json_integer(id));
        return true;
    }
    for (size_t i = 0; i < ic->nm.nwindows; i++)
        if (strcmp(ic->nm.windows[i].title, t) == 0) {
            id = ic->nm.windows[i].id;
            count++;
        }
    if (count != 1) {
        refuse(ic, req, "window",
               count ? "plusieurs guichets ont ce titre" : "aucun guichet n'a ce titre");
        return false;
    }
    json_object_set_new(o, "window", json_integer(id));
    return true;
}

/* "action": an id, or {"contract": the contract's exact title, "title": the
 * action's exact title}, searched among the contracts of every organisation. */
static bool resolve_action(import_ctx *ic, size_t req, json_t *o)
{
    json_t *v = json_object_get(o, "action");
    if (!json_is_object(v))
        return true;
    const char *ct = json_string_value(json_object_get(v, "contract"));
    const char *at = json_string_value(json_object_get(v, "title"));
    if (!ct || !at || json_object_size(v) != 2) {
        refuse(ic, req, "action",
               "attendu un identifiant ou {\"contract\": titre du contrat, \"title\": titre de "
               "l'action}");
        return false;
    }
    mg_diag d = {{0}};
    if (names_load(ic->db, &ic->nm, &d)) {
        refuse(ic, req, "action", "%s", d.msg);
        return false;
    }
    /* mg_contract_list takes at most 32 organisations at a time. */
    int64_t found = 0;
    size_t count = 0;
    int rc = 0;
    for (size_t from = 0; rc == 0 && from < ic->nm.norgs; from += 32) {
        int64_t orgs[32];
        size_t no = ic->nm.norgs - from < 32 ? ic->nm.norgs - from : 32;
        for (size_t i = 0; i < no; i++)
            orgs[i] = ic->nm.orgs[from + i].id;
        mg_contract *cs = NULL;
        size_t nc = 0, total = 0;
        rc = mg_contract_list(ic->db, orgs, no, &cs, &nc, &total, &d);
        for (size_t i = 0; rc == 0 && i < nc; i++) {
            if (strcmp(cs[i].title, ct) != 0)
                continue;
            mg_contract_action *acts = NULL;
            size_t na = 0;
            rc = mg_contract_actions(ic->db, cs[i].id, &acts, &na, &d);
            for (size_t k = 0; rc == 0 && k < na; k++)
                if (strcmp(acts[k].title, at) == 0) {
                    found = acts[k].id;
                    count++;
                }
            mg_contract_actions_free(acts, na);
        }
        free(cs);
    }
    if (rc || count != 1) {
        refuse(ic, req, "action",
               rc      ? "lecture des contrats impossible"
               : count ? "plusieurs actions de ce contrat ont ce titre"
                       : "aucune action de ce titre dans un contrat de ce titre");
        return false;
    }
    json_object_set_new(o, "action", json_integer(found));
    return true;
}

/* A step's string member, or NULL; false after refusing another type. */
static bool step_text(import_ctx *ic, size_t req, const json_t *s, const char *key, size_t k,
                      const char **out)
{
    const json_t *v = json_object_get(s, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (json_is_string(v)) {
        *out = json_string_value(v);
        return true;
    }
    char field[64];
    snprintf(field, sizeof field, "steps[%zu].%s", k, key);
    refuse(ic, req, field, "%s",
           strcmp(key, "amount") == 0
               ? "attendu un montant en euros écrit en chaîne décimale, \"1234.56\""
               : "attendu une chaîne de caractères");
    return false;
}

/* What the steps of a request have done so far, for checking the next. */
typedef struct part_sim {
    int64_t funder;
    int64_t asked, granted, paid;
    bool routed, decided, granted_ok;
    int open_questions;
} part_sim;

typedef struct req_sim {
    part_sim parts[MG_SUBSIDY_FUNDERS_MAX];
    size_t nparts;
    bool filed, is_renewal, granted_any, reported;
    unsigned kinds;
    int questions;         /* asked so far */
    int64_t question_funder[STEPS_MAX];
    bool answered[STEPS_MAX];
} req_sim;

static part_sim *sim_part(req_sim *s, int64_t funder)
{
    for (size_t i = 0; i < s->nparts; i++)
        if (s->parts[i].funder == funder)
            return &s->parts[i];
    return NULL;
}

static bool checked_text(const char *s)
{
    return s && (!strcmp(s, "1") || !strcmp(s, "on") || !strcmp(s, "true"));
}

/* A step's text as the module takes it: UTF-8, at most MG_SUBSIDY_TEXT_MAX_CHARS
 * characters, not blank when required; false after refusing. */
static bool step_text_ok(import_ctx *ic, size_t req, size_t k, const char *key, const char *s,
                         bool required)
{
    char field[64];
    snprintf(field, sizeof field, "steps[%zu].%s", k, key);
    size_t chars = 0, n = s ? strlen(s) : 0;
    if (n && mg_utf8_check(s, n, &chars) != n) {
        refuse(ic, req, field, "le texte n'est pas en UTF-8 valide");
        return false;
    }
    bool blank = true;
    for (size_t i = 0; i < n && blank; i++)
        blank = s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n';
    if (required && blank) {
        refuse(ic, req, field, "à remplir");
        return false;
    }
    if (chars > MG_SUBSIDY_TEXT_MAX_CHARS) {
        refuse(ic, req, field, "au plus %d caractères", (int)MG_SUBSIDY_TEXT_MAX_CHARS);
        return false;
    }
    return true;
}

/* Reads an attachment's file (path relative to the import file's folder);
 * *data freed by the caller. 0 or a French sentence in msg. */
static int read_attachment(const import_ctx *ic, const char *rel, char **data, size_t *len,
                           char *msg, size_t cap)
{
    char path[8192];
    if (rel[0] == '/')
        snprintf(path, sizeof path, "%s", rel);
    else
        snprintf(path, sizeof path, "%s/%s", ic->dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, cap, "fichier introuvable ou illisible : %.300s", path);
        return -1;
    }
    size_t capb = 65536, n = 0;
    char *b = malloc(capb);
    size_t got;
    while (b && (got = fread(b + n, 1, capb - n, f)) > 0) {
        n += got;
        if (n > (size_t)MG_SUBSIDY_ATTACHMENT_MAX_BYTES)
            break;
        if (n == capb) {
            char *g = realloc(b, capb * 2);
            if (!g) {
                free(b);
                b = NULL;
                break;
            }
            b = g;
            capb *= 2;
        }
    }
    bool err = ferror(f);
    fclose(f);
    if (!b || err) {
        free(b);
        snprintf(msg, cap, "lecture impossible : %.300s", path);
        return -1;
    }
    if (n == 0 || n > (size_t)MG_SUBSIDY_ATTACHMENT_MAX_BYTES) {
        free(b);
        snprintf(msg, cap, n ? "fichier de plus de 10 Mio" : "fichier vide");
        return -1;
    }
    *data = b;
    *len = n;
    return 0;
}

/* Whether two forms name the same co-funders in their budgets. */
static bool same_funders(const mg_subsidy_request_input *a, const mg_subsidy_request_input *b)
{
    for (int pass = 0; pass < 2; pass++) {
        const mg_subsidy_request_input *x = pass ? b : a, *y = pass ? a : b;
        for (size_t i = 0; i < x->nlines; i++) {
            int64_t f = 0, g = 0;
            if (!x->lines[i].funder || mg_parse_id(x->lines[i].funder, INT64_MAX, &f, NULL))
                continue;
            bool found = false;
            for (size_t j = 0; j < y->nlines && !found; j++)
                found = y->lines[j].funder &&
                        mg_parse_id(y->lines[j].funder, INT64_MAX, &g, NULL) == 0 && g == f;
            if (!found)
                return false;
        }
    }
    return true;
}

static const char *const kSteps[] = {"attachment", "file",     "route",   "opinion", "question",
                                     "answer",     "decision", "payment", "report",  NULL};

/* The members each step takes besides "step". */
static bool step_member_ok(const char *step, const char *key)
{
    static const struct {
        const char *step;
        const char *keys[4];
    } t[] = {
        {"attachment", {"kind", "path", NULL}},
        {"file", {NULL}},
        {"route", {"funders", NULL}},
        {"opinion", {"funder", "opinion", "text", NULL}},
        {"question", {"funder", "body", NULL}},
        {"answer", {"question", "body", "changes", NULL}},
        {"decision", {"funder", "decision", "amount", "reason"}},
        {"payment", {"funder", "paid_on", "amount", "conditions"}},
        {"report", {"lines", "comments", "file", NULL}},
    };
    if (strcmp(key, "step") == 0)
        return true;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].step, step) == 0)
            for (size_t k = 0; k < 4 && t[i].keys[k]; k++)
                if (strcmp(t[i].keys[k], key) == 0)
                    return true;
    return false;
}

/* Checks request number `req` (from 1), resolving names in place. */
static void check_request(import_ctx *ic, size_t req, json_t *o)
{
    char field[96];
    if (!json_is_object(o)) {
        refuse(ic, req, "request", "attendu un objet JSON");
        return;
    }
    size_t before = ic->refused;
    if (!resolve_window(ic, req, o) || !resolve_org(ic, req, o, "organisation", "organisation") ||
        !resolve_action(ic, req, o))
        return;
    if (!json_object_get(o, "organisation")) {
        refuse(ic, req, "organisation", "obligatoire : l'organisation qui demande");
        return;
    }
    json_t *ex = json_object_get(o, "is_example");
    if (ex && !json_is_boolean(ex)) {
        refuse(ic, req, "is_example", "attendu true ou false");
        return;
    }
    json_t *lines = json_object_get(o, "lines");
    for (size_t i = 0; json_is_array(lines) && i < json_array_size(lines); i++) {
        snprintf(field, sizeof field, "lines[%zu].funder", i);
        json_t *l = json_array_get(lines, i);
        if (json_is_object(l))
            (void)resolve_org(ic, req, l, "funder", field);
    }
    json_t *steps = json_object_get(o, "steps");
    if (steps && !json_is_null(steps) &&
        (!json_is_array(steps) || json_array_size(steps) > STEPS_MAX)) {
        refuse(ic, req, "steps", "attendu un tableau d'au plus %d étapes", (int)STEPS_MAX);
        return;
    }
    size_t nsteps = json_is_array(steps) ? json_array_size(steps) : 0;
    for (size_t k = 0; k < nsteps; k++) {
        json_t *s = json_array_get(steps, k);
        snprintf(field, sizeof field, "steps[%zu].funder", k);
        if (json_is_object(s)) {
            (void)resolve_org(ic, req, s, "funder", field);
            json_t *cl = json_object_get(json_object_get(s, "changes"), "lines");
            for (size_t i = 0; json_is_array(cl) && i < json_array_size(cl); i++) {
                char lf[96];
                snprintf(lf, sizeof lf, "steps[%zu].changes.lines[%zu].funder", k, i);
                if (json_is_object(json_array_get(cl, i)))
                    (void)resolve_org(ic, req, json_array_get(cl, i), "funder", lf);
            }
            json_t *fs = json_object_get(s, "funders");
            for (size_t i = 0; json_is_array(fs) && i < json_array_size(fs); i++) {
                json_t *f = json_array_get(fs, i);
                if (json_is_string(f)) {
                    char msg[300];
                    int64_t id = org_ref(ic->db, &ic->nm, json_string_value(f), msg, sizeof msg);
                    snprintf(field, sizeof field, "steps[%zu].funders[%zu]", k, i);
                    if (!id)
                        refuse(ic, req, field, "%s", msg);
                    else
                        json_array_set_new(fs, i, json_integer(id));
                }
            }
        }
    }
    if (ic->refused > before)
        return;

    /* The window, the applicant, the form. */
    mg_diag d = {{0}};
    int64_t window = json_integer_value(json_object_get(o, "window"));
    int64_t org = json_integer_value(json_object_get(o, "organisation"));
    mg_subsidy_window w;
    if (mg_subsidy_window_get(ic->db, window, &w, &d)) {
        refuse(ic, req, "window", "aucun guichet n'a l'identifiant %lld", (long long)window);
        return;
    }
    mg_auth_org ao;
    if (mg_auth_org_get(ic->db, org, &ao, &d)) {
        refuse(ic, req, "organisation", "aucune organisation n'a l'identifiant %lld",
               (long long)org);
        return;
    }
    mg_subsidy_org_ref *wf = NULL;
    size_t nwf = 0;
    if (mg_subsidy_window_funders(ic->db, window, &wf, &nwf, &d)) {
        refuse(ic, req, "window", "%s", d.msg);
        return;
    }
    static const char *const extra[] = {"window", "organisation", "steps", "is_example", NULL};
    mg_subsidy_json_form *form = malloc(sizeof *form);
    req_sim *sim = calloc(1, sizeof *sim);
    mg_subsidy_errors errs = {0};
    if (!form || !sim) {
        refuse(ic, req, "request", "mémoire insuffisante");
        goto out;
    }
    bool will_file = false;
    for (size_t k = 0; k < nsteps; k++) {
        const char *st = json_string_value(json_object_get(json_array_get(steps, k), "step"));
        will_file |= st && strcmp(st, "file") == 0;
    }
    mg_subsidy_budget_totals budget = {0};
    int rc = mg_subsidy_json_form_read(o, extra, form, &errs, &d);
    if (rc == 0)
        rc = mg_subsidy_input_check(&form->in, will_file, &budget, &errs, &d);
    if (rc) {
        for (size_t i = 0; i < errs.n; i++) {
            char name[48];
            mg_subsidy_json_field(errs.e[i].field, name);
            refuse(ic, req, name, "%s", errs.e[i].msg);
        }
        if (!errs.n)
            refuse(ic, req, "request", "%s", d.msg);
        goto out;
    }
    sim->is_renewal = checked_text(form->in.is_renewal);
    /* What the draft and the filing check against the database. */
    int64_t ref = 0;
    if (form->in.call && form->in.call[0] &&
        mg_parse_id(form->in.call, INT64_MAX, &ref, NULL) == 0) {
        mg_subsidy_call call;
        char today[11] = "";
        if (mg_subsidy_call_get(ic->db, ref, &call, &d) || call.window_id != window)
            refuse(ic, req, "call", "aucun appel à projets de ce guichet n'a l'identifiant %lld",
                   (long long)ref);
        else if (will_file && today_paris(today) && call.deadline[0] &&
                 strcmp(call.deadline, today) < 0)
            refuse(ic, req, "call", "l'appel à projets est clos depuis le %s", call.deadline);
    }
    if (form->in.action && form->in.action[0] &&
        mg_parse_id(form->in.action, INT64_MAX, &ref, NULL) == 0) {
        mg_contract_action act;
        memset(&act, 0, sizeof act);
        if (mg_contract_action_get(ic->db, ref, &act, &d))
            refuse(ic, req, "action", "aucune action de contrat n'a l'identifiant %lld",
                   (long long)ref);
        mg_contract_action_clear(&act);
    }
    if (will_file) {
        char siret[MG_PARSE_SIRET_SIZE] = "", rna[MG_PARSE_RNA_SIZE] = "";
        if (form->in.siret && mg_parse_siret(form->in.siret, siret, NULL) != 0)
            siret[0] = 0; /* refused by the form's check already */
        if (form->in.rna && mg_parse_rna(form->in.rna, rna, NULL) != 0)
            rna[0] = 0;
        if (ao.siret[0] && siret[0] && strcmp(ao.siret, siret) != 0)
            refuse(ic, req, "siret", "ce n'est pas le SIRET de l'organisme enregistré (%s)",
                   ao.siret);
        if (ao.rna[0] && rna[0] && strcmp(ao.rna, rna) != 0)
            refuse(ic, req, "rna", "ce n'est pas le numéro RNA de l'association enregistrée (%s)",
                   ao.rna);
        if (!rna[0] && ao.kind == MG_ORG_ASSOCIATION)
            refuse(ic, req, "rna", "le numéro RNA est obligatoire pour une association");
    }
    /* Each co-funder asked an amount on account 74, one of the window's. */
    for (size_t i = 0; i < form->in.nlines; i++) {
        const mg_subsidy_line_input *l = &form->in.lines[i];
        int64_t f = 0, cents = 0;
        if (!l->funder || !l->funder[0] || mg_parse_id(l->funder, INT64_MAX, &f, NULL))
            continue;
        snprintf(field, sizeof field, "lines[%zu].funder", i);
        bool in_window = false;
        for (size_t k = 0; k < nwf; k++)
            in_window |= wf[k].id == f;
        if (!in_window) {
            refuse(ic, req, field, "l'organisation %lld n'est pas cofinanceur de ce guichet",
                   (long long)f);
            continue;
        }
        if (l->amount && mg_budget_parse_cents(l->amount, &cents) == 0) {
            part_sim *p = sim_part(sim, f);
            if (!p && sim->nparts < MG_SUBSIDY_FUNDERS_MAX) {
                p = &sim->parts[sim->nparts++];
                p->funder = f;
            }
            if (p)
                p->asked += cents;
        }
    }

    /* The steps, in order, against what the ones before leave. */
    for (size_t k = 0; k < nsteps; k++) {
        json_t *s = json_array_get(steps, k);
        snprintf(field, sizeof field, "steps[%zu]", k);
        const char *step = json_string_value(json_object_get(s, "step"));
        bool known = false;
        for (size_t i = 0; step && kSteps[i] && !known; i++)
            known = strcmp(step, kSteps[i]) == 0;
        if (!json_is_object(s) || !known) {
            refuse(ic, req, field,
                   "attendu {\"step\": attachment, file, route, opinion, question, answer, "
                   "decision, payment ou report, …}");
            continue;
        }
        const char *key;
        json_t *val;
        json_object_foreach(s, key, val)
        {
            if (!step_member_ok(step, key)) {
                snprintf(field, sizeof field, "steps[%zu].%.40s", k, key);
                refuse(ic, req, field,
                       strcmp(key, "amount_cents") == 0
                           ? "les montants s'écrivent en euros dans « amount » (\"1234.56\")"
                           : "champ inconnu pour l'étape « %s »",
                       step);
            }
        }
        /* The instruction records who routed, asked, answered and decided
         * as an account (routed_by, decided_by, a message's author). */
        bool instruction = !strcmp(step, "route") || !strcmp(step, "opinion") ||
                           !strcmp(step, "question") || !strcmp(step, "answer") ||
                           !strcmp(step, "decision");
        if (instruction && !ic->by) {
            snprintf(field, sizeof field, "steps[%zu]", k);
            refuse(ic, req, field,
                   "l'étape « %s » est enregistrée au nom d'un compte : donnez-le avec --as",
                   step);
            continue;
        }
        int64_t fid = json_integer_value(json_object_get(s, "funder"));
        part_sim *p = fid ? sim_part(sim, fid) : NULL;
        bool needs_part = !strcmp(step, "opinion") || !strcmp(step, "question") ||
                          !strcmp(step, "decision") || !strcmp(step, "payment");
        snprintf(field, sizeof field, "steps[%zu].funder", k);
        if (needs_part && (!p || !p->routed)) {
            refuse(ic, req, field,
                   p ? "ce cofinanceur n'a pas encore reçu la demande (étape « route »)"
                     : "attendu un cofinanceur à qui la demande demande un montant");
            continue;
        }
        const char *a = NULL, *b = NULL, *c = NULL;
        if (!strcmp(step, "attachment")) {
            mg_subsidy_attachment_kind kind;
            if (!step_text(ic, req, s, "kind", k, &a) || !step_text(ic, req, s, "path", k, &b))
                continue;
            snprintf(field, sizeof field, "steps[%zu].kind", k);
            if (!a || mg_subsidy_attachment_kind_parse(a, &kind)) {
                refuse(ic, req, field,
                       "attendu statutes, accounts, bank_details, attestation, report ou other");
                continue;
            }
            snprintf(field, sizeof field, "steps[%zu].path", k);
            char *data = NULL, msg[400];
            size_t len = 0;
            if (!b || read_attachment(ic, b, &data, &len, msg, sizeof msg)) {
                refuse(ic, req, field, "%s", b ? msg : "obligatoire : le chemin du fichier");
                continue;
            }
            if (!mg_contract_document_type(data, len))
                refuse(ic, req, field,
                       "type de fichier refusé : PDF, PNG, JPEG, Word, Excel ou OpenDocument");
            free(data);
            sim->kinds |= 1u << kind;
        } else if (!strcmp(step, "file")) {
            if (sim->filed) {
                refuse(ic, req, field, "la demande est déjà déposée");
                continue;
            }
            for (int kk = 0; kk < MG_ATTACH_KINDS; kk++)
                if (mg_subsidy_attachment_required((mg_subsidy_attachment_kind)kk,
                                                   sim->is_renewal) &&
                    !(sim->kinds & (1u << kk)))
                    refuse(ic, req, field, "pièce obligatoire manquante avant le dépôt : %s",
                           mg_subsidy_attachment_kind_key((mg_subsidy_attachment_kind)kk));
            sim->filed = true;
        } else if (!strcmp(step, "route")) {
            if (!sim->filed) {
                refuse(ic, req, field, "la demande doit être déposée avant (étape « file »)");
                continue;
            }
            json_t *fs = json_object_get(s, "funders");
            if (fs && !json_is_array(fs)) {
                snprintf(field, sizeof field, "steps[%zu].funders", k);
                refuse(ic, req, field, "attendu un tableau de cofinanceurs");
                continue;
            }
            if (!fs || json_array_size(fs) == 0)
                for (size_t i = 0; i < sim->nparts; i++)
                    sim->parts[i].routed = true;
            for (size_t i = 0; fs && i < json_array_size(fs); i++) {
                part_sim *q = sim_part(sim, json_integer_value(json_array_get(fs, i)));
                snprintf(field, sizeof field, "steps[%zu].funders[%zu]", k, i);
                if (!q)
                    refuse(ic, req, field, "la demande ne demande rien à ce cofinanceur");
                else
                    q->routed = true;
            }
        } else if (!strcmp(step, "opinion")) {
            if (!step_text(ic, req, s, "opinion", k, &a) || !step_text(ic, req, s, "text", k, &b))
                continue;
            snprintf(field, sizeof field, "steps[%zu].opinion", k);
            (void)step_text_ok(ic, req, k, "text", b, false);
            if (!a || !mg_subsidy_opinion_label(a)[0])
                refuse(ic, req, field, "attendu favourable, reserved ou unfavourable");
            else if (p->decided)
                refuse(ic, req, field, "ce cofinanceur a déjà décidé");
        } else if (!strcmp(step, "question")) {
            if (!step_text(ic, req, s, "body", k, &a))
                continue;
            snprintf(field, sizeof field, "steps[%zu].body", k);
            if (!step_text_ok(ic, req, k, "body", a, true))
                continue;
            else if (p->decided)
                refuse(ic, req, field, "ce cofinanceur a déjà décidé");
            else {
                sim->question_funder[sim->questions++] = fid;
                p->open_questions++;
            }
        } else if (!strcmp(step, "answer")) {
            if (!step_text(ic, req, s, "body", k, &a))
                continue;
            json_t *q = json_object_get(s, "question");
            snprintf(field, sizeof field, "steps[%zu].question", k);
            json_int_t qn = json_is_integer(q) ? json_integer_value(q) : 0;
            if (qn < 1 || qn > sim->questions || sim->answered[qn - 1]) {
                refuse(ic, req, field,
                       "attendu le numéro (à partir de 1) d'une question posée plus haut et "
                       "pas encore répondue");
                continue;
            }
            (void)step_text_ok(ic, req, k, "body", a, true);
            json_t *ch = json_object_get(s, "changes");
            if (ch && !json_is_null(ch)) {
                mg_subsidy_json_form *cf = malloc(sizeof *cf);
                mg_subsidy_errors ce = {0};
                if (cf && (mg_subsidy_json_form_read(ch, NULL, cf, &ce, &d) ||
                           mg_subsidy_input_check(&cf->in, true, NULL, &ce, &d)))
                    for (size_t i = 0; i < ce.n; i++) {
                        char name[48];
                        mg_subsidy_json_field(ce.e[i].field, name);
                        snprintf(field, sizeof field, "steps[%zu].changes.%.40s", k, name);
                        refuse(ic, req, field, "%s", ce.e[i].msg);
                    }
                else if (cf && !same_funders(&form->in, &cf->in)) {
                    snprintf(field, sizeof field, "steps[%zu].changes.budget", k);
                    refuse(ic, req, field,
                           "les cofinanceurs d'une demande déposée ne changent pas par une "
                           "réponse");
                }
                free(cf);
            }
            sim->answered[qn - 1] = true;
            part_sim *qp = sim_part(sim, sim->question_funder[qn - 1]);
            if (qp)
                qp->open_questions--;
        } else if (!strcmp(step, "decision")) {
            if (!step_text(ic, req, s, "decision", k, &a) ||
                !step_text(ic, req, s, "amount", k, &b) ||
                !step_text(ic, req, s, "reason", k, &c))
                continue;
            mg_subsidy_decision dec;
            snprintf(field, sizeof field, "steps[%zu].decision", k);
            if (!a || mg_subsidy_decision_parse(a, &dec)) {
                refuse(ic, req, field, "attendu grant, refuse ou close");
                continue;
            }
            if (p->decided) {
                refuse(ic, req, field, "ce cofinanceur a déjà décidé");
                continue;
            }
            if (p->open_questions > 0) {
                refuse(ic, req, field, "une question de ce cofinanceur attend sa réponse");
                continue;
            }
            p->decided = true;
            if (dec == MG_DECISION_GRANT) {
                int64_t cents = 0;
                snprintf(field, sizeof field, "steps[%zu].amount", k);
                if (!b || mg_budget_parse_cents(b, &cents) || cents <= 0)
                    refuse(ic, req, field, "attendu un montant en euros supérieur à zéro");
                else if (cents > p->asked)
                    refuse(ic, req, field,
                           "le montant accordé dépasse le montant demandé à ce cofinanceur");
                else {
                    p->granted = cents;
                    p->granted_ok = true;
                    sim->granted_any = true;
                }
            }
            (void)step_text_ok(ic, req, k, "reason", c, dec == MG_DECISION_REFUSE);
        } else if (!strcmp(step, "payment")) {
            if (!step_text(ic, req, s, "paid_on", k, &a) ||
                !step_text(ic, req, s, "amount", k, &b) ||
                !step_text(ic, req, s, "conditions", k, &c))
                continue;
            char today[11] = "", day[11] = "";
            int64_t cents = 0;
            mg_subsidy_errors pe = {0};
            if (!today_paris(today)) {
                refuse(ic, req, field, "la date du jour est inconnue");
                continue;
            }
            if (mg_subsidy_payment_check(a ? a : today, b, c, day, &cents, &pe, &d)) {
                for (size_t i = 0; i < pe.n; i++) {
                    snprintf(field, sizeof field, "steps[%zu].%.30s", k, pe.e[i].field);
                    refuse(ic, req, field, "%s", pe.e[i].msg);
                }
                continue;
            }
            snprintf(field, sizeof field, "steps[%zu].paid_on", k);
            if (strcmp(day, today) < 0)
                refuse(ic, req, field,
                       "un versement ne précède pas la décision, rejouée le jour de l'import "
                       "(%s) : omettez la date pour ce jour-là",
                       today);
            snprintf(field, sizeof field, "steps[%zu].amount", k);
            if (!p->granted_ok)
                refuse(ic, req, field, "ce cofinanceur n'a rien accordé");
            else if (p->paid + cents > p->granted)
                refuse(ic, req, field, "le versement dépasse ce qui reste à verser");
            else
                p->paid += cents;
        } else if (!strcmp(step, "report")) {
            if (!step_text(ic, req, s, "comments", k, &a))
                continue;
            if (!sim->granted_any) {
                refuse(ic, req, field, "le compte rendu suit une subvention accordée");
                continue;
            }
            json_t *fl = json_object_get(s, "file");
            if (fl && !json_is_boolean(fl)) {
                snprintf(field, sizeof field, "steps[%zu].file", k);
                refuse(ic, req, field, "attendu true ou false");
            }
            json_t *wrap = json_pack("{s:O?}", "lines", json_object_get(s, "lines"));
            mg_subsidy_json_form *rf = malloc(sizeof *rf);
            mg_subsidy_errors re = {0};
            int64_t act_exp = 0, rs = 0;
            size_t kept = 0;
            if (wrap && rf &&
                (mg_subsidy_json_form_read(wrap, NULL, rf, &re, &d) ||
                 mg_subsidy_report_check(rf->in.lines, rf->in.nlines, a, &act_exp, &rs, &kept, &re,
                                         &d)))
                for (size_t i = 0; i < re.n; i++) {
                    char name[48];
                    mg_subsidy_json_field(re.e[i].field, name);
                    snprintf(field, sizeof field, "steps[%zu].%.40s", k, name);
                    refuse(ic, req, field, "%s", re.e[i].msg);
                }
            else if (rf) {
                /* Comments are needed when an actual total is 10 % off the budget. */
                bool off = (act_exp - budget.expenses) * 10 > budget.expenses ||
                           (budget.expenses - act_exp) * 10 > budget.expenses ||
                           (rs - budget.resources) * 10 > budget.resources ||
                           (budget.resources - rs) * 10 > budget.resources;
                bool filing = !fl || json_is_true(fl);
                if (filing && off && !step_text_ok(ic, req, k, "comments", a, true))
                    refuse(ic, req, field, "un total réel s'écarte de plus de 10 %% du budget : "
                                           "les commentaires l'expliquent");
            }
            free(rf);
            json_decref(wrap);
            if (sim->reported) {
                snprintf(field, sizeof field, "steps[%zu]", k);
                refuse(ic, req, field, "le compte rendu est déjà déposé");
            }
            sim->reported = !fl || json_is_true(fl);
        }
    }
out:
    free(wf);
    free(form);
    free(sim);
}

/* Writes request `req` and replays its steps. *id the new request's id. */
static int apply_request(import_ctx *ic, size_t req, json_t *o, int64_t *id_out)
{
    static const char *const extra[] = {"window", "organisation", "steps", "is_example", NULL};
    mg_subsidy_json_form *form = malloc(sizeof *form);
    int64_t *qids = calloc(STEPS_MAX, sizeof *qids);
    mg_subsidy_errors errs = {0};
    mg_diag d = {{0}};
    char field[96] = "request";
    int rc = form && qids ? MG_OK : MG_ENOMEM;
    int64_t window = json_integer_value(json_object_get(o, "window"));
    int64_t org = json_integer_value(json_object_get(o, "organisation"));
    int64_t id = 0;
    int nq = 0;
    if (rc == 0)
        rc = mg_subsidy_json_form_read(o, extra, form, &errs, &d);
    if (rc == 0)
        rc = mg_subsidy_draft_save(ic->db, ic->by, window, org, 0, &form->in, &id, &errs, &d);
    *id_out = id;
    json_t *steps = json_object_get(o, "steps");
    for (size_t k = 0; rc == 0 && json_is_array(steps) && k < json_array_size(steps); k++) {
        json_t *s = json_array_get(steps, k);
        snprintf(field, sizeof field, "steps[%zu]", k);
        const char *step = json_string_value(json_object_get(s, "step"));
        int64_t fid = json_integer_value(json_object_get(s, "funder"));
        const char *a = json_string_value(json_object_get(s, "amount"));
        if (!strcmp(step, "attachment")) {
            mg_subsidy_attachment_kind kind = MG_ATTACH_OTHER;
            const char *path = json_string_value(json_object_get(s, "path"));
            char *data = NULL, msg[400];
            size_t len = 0;
            if (mg_subsidy_attachment_kind_parse(json_string_value(json_object_get(s, "kind")),
                                                 &kind) ||
                read_attachment(ic, path, &data, &len, msg, sizeof msg)) {
                rc = mg_diag_set(&d, MG_EINVAL, NULL, 0, 0, "%s", "pièce illisible");
                break;
            }
            const char *base = strrchr(path, '/');
            int64_t pid = 0;
            rc = mg_subsidy_attachment_add(ic->db, ic->by, id, kind, base ? base + 1 : path, data,
                                           len, &pid, &errs, &d);
            free(data);
        } else if (!strcmp(step, "file")) {
            rc = mg_subsidy_file(ic->db, ic->by, id, &errs, &d);
        } else if (!strcmp(step, "route")) {
            int64_t fs[MG_SUBSIDY_FUNDERS_MAX];
            size_t n = 0;
            json_t *arr = json_object_get(s, "funders");
            for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr) &&
                               n < MG_SUBSIDY_FUNDERS_MAX;
                 i++)
                fs[n++] = json_integer_value(json_array_get(arr, i));
            rc = mg_subsidy_route(ic->db, ic->by, id, fs, n, &errs, &d);
        } else if (!strcmp(step, "opinion")) {
            rc = mg_subsidy_opinion(ic->db, ic->by, id, fid,
                                    json_string_value(json_object_get(s, "opinion")),
                                    json_string_value(json_object_get(s, "text")), &errs, &d);
        } else if (!strcmp(step, "question")) {
            rc = mg_subsidy_question(ic->db, ic->by, id, fid,
                                     json_string_value(json_object_get(s, "body")), &qids[nq],
                                     &errs, &d);
            nq++;
        } else if (!strcmp(step, "answer")) {
            json_int_t qn = json_integer_value(json_object_get(s, "question"));
            json_t *ch = json_object_get(s, "changes");
            mg_subsidy_json_form *cf = NULL;
            if (ch && !json_is_null(ch)) {
                cf = malloc(sizeof *cf);
                rc = cf ? mg_subsidy_json_form_read(ch, NULL, cf, &errs, &d) : MG_ENOMEM;
            }
            if (rc == 0)
                rc = mg_subsidy_answer(ic->db, ic->by, id, qids[qn - 1],
                                       json_string_value(json_object_get(s, "body")),
                                       cf ? &cf->in : NULL, &errs, &d);
            free(cf);
        } else if (!strcmp(step, "decision")) {
            mg_subsidy_decision dec = MG_DECISION_GRANT;
            if (mg_subsidy_decision_parse(json_string_value(json_object_get(s, "decision")),
                                          &dec) == 0)
                rc = mg_subsidy_decide(ic->db, ic->by, id, fid, dec, a,
                                       json_string_value(json_object_get(s, "reason")), &errs,
                                       &d);
        } else if (!strcmp(step, "payment")) {
            int64_t pid = 0;
            char today[11] = "";
            const char *on = json_string_value(json_object_get(s, "paid_on"));
            if (!on && today_paris(today))
                on = today;
            rc = mg_subsidy_pay(ic->db, ic->by, id, fid, on, a,
                                json_string_value(json_object_get(s, "conditions")), &pid,
                                &errs, &d);
        } else if (!strcmp(step, "report")) {
            json_t *wrap = json_pack("{s:O?}", "lines", json_object_get(s, "lines"));
            mg_subsidy_json_form *rf = malloc(sizeof *rf);
            rc = wrap && rf ? mg_subsidy_json_form_read(wrap, NULL, rf, &errs, &d) : MG_ENOMEM;
            json_t *fl = json_object_get(s, "file");
            if (rc == 0)
                rc = mg_subsidy_report_save(ic->db, ic->by, id, rf->in.lines, rf->in.nlines,
                                            json_string_value(json_object_get(s, "comments")),
                                            !fl || json_is_true(fl), &errs, &d);
            free(rf);
            json_decref(wrap);
        }
    }
    if (rc == 0 && id && json_is_true(json_object_get(o, "is_example"))) {
        snprintf(field, sizeof field, "is_example");
        rc = mg_subsidy_mark_example(ic->db, ic->by, id, &d);
    }
    if (rc) {
        if (errs.n)
            for (size_t i = 0; i < errs.n; i++) {
                char name[48];
                mg_subsidy_json_field(errs.e[i].field, name);
                refuse(ic, req, field, "%s: %s", name, errs.e[i].msg);
            }
        else
            refuse(ic, req, field, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
    }
    free(form);
    free(qids);
    return rc;
}

static int import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"database", required_argument, NULL, OPT_DATABASE},
        {"db", required_argument, NULL, OPT_DATABASE},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"as", required_argument, NULL, OPT_AS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL;
    bool dry = false;
    int64_t by = 0;
    optind = 1;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'h': help(); return MG_EXIT_OK;
        case OPT_DATABASE: database = optarg; break;
        case OPT_DRY_RUN: dry = true; break;
        case OPT_AS:
            if (mg_parse_id(optarg, INT64_MAX, &by, NULL)) {
                cli_error(kCmd, "--as %s: expected an account id", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        default:
            cli_error(kCmd, "unknown or incomplete option \"%s\" (see --help)", argv[optind - 1]);
            return MG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error(kCmd, "import needs one FILE.json");
        return MG_EXIT_USAGE;
    }
    const char *path = argv[optind];
    import_ctx ic = {.file = path, .by = by};
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(ic.dir, sizeof ic.dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(ic.dir, sizeof ic.dir, ".");
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        cli_error(kCmd, "%s: line %d: %s", path, je.line, je.text);
        return MG_EXIT_INPUT;
    }
    json_t *reqs = json_object_get(root, "requests");
    if (!json_is_object(root) || !json_is_array(reqs) || json_object_size(root) != 1 ||
        json_array_size(reqs) > IMPORT_MAX_REQUESTS) {
        cli_error(kCmd, "%s: expected {\"requests\": [...]} (at most %d requests)", path,
                  (int)IMPORT_MAX_REQUESTS);
        json_decref(root);
        return MG_EXIT_INPUT;
    }
    int ex = open_database(database, &ic.db);
    if (ex) {
        json_decref(root);
        return ex;
    }
    if (by) {
        mg_auth_actor actor;
        mg_diag d = {{0}};
        if (mg_auth_actor_load(ic.db, by, &actor, &d)) {
            cli_error(kCmd, "--as %lld: no such account", (long long)by);
            mg_db_close(ic.db);
            json_decref(root);
            return MG_EXIT_INPUT;
        }
    }
    size_t n = json_array_size(reqs);
    for (size_t i = 0; i < n; i++)
        check_request(&ic, i + 1, json_array_get(reqs, i));
    if (ic.refused) {
        cli_error(kCmd, "%s: %zu refusal(s): nothing imported", path, ic.refused);
        ex = MG_EXIT_INPUT;
    } else if (dry) {
        fprintf(stderr, "maillage funding: dry run: %zu request(s) checked; nothing written\n",
                n);
    } else {
        printf("index,id,state\n");
        size_t done = 0;
        for (size_t i = 0; i < n && !ex; i++) {
            int64_t id = 0;
            int rc = apply_request(&ic, i + 1, json_array_get(reqs, i), &id);
            mg_subsidy_request r;
            memset(&r, 0, sizeof r);
            mg_diag d = {{0}};
            if (id && mg_subsidy_get(ic.db, id, &r, &d) == 0) {
                printf("%zu,%lld,%s\n", i + 1, (long long)id, mg_subsidy_state_key(r.state));
                mg_subsidy_request_clear(&r);
            }
            if (rc) {
                cli_error(kCmd,
                          "%s: request %zu refused while written (a rule the check does not "
                          "know): requests 1 to %zu were written%s",
                          path, i + 1, done, id ? ", and this one in part" : "");
                ex = rc == MG_EINVAL ? MG_EXIT_INPUT : MG_EXIT_FAILURE;
            } else {
                done++;
            }
        }
        if (!ex)
            fprintf(stderr, "maillage funding: %zu request(s) imported\n", done);
        if (fflush(stdout) != 0 && !ex)
            ex = MG_EXIT_OUTPUT;
    }
    names_free(&ic.nm);
    mg_db_close(ic.db);
    json_decref(root);
    return ex;
}

/* --- remind, open-data ------------------------------------------------------------------------ */

static int remind(int argc, char **argv)
{
    static const struct option opts[] = {
        {"database", required_argument, NULL, OPT_DATABASE},
        {"db", required_argument, NULL, OPT_DATABASE},
        {"today", required_argument, NULL, OPT_TODAY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL;
    char today[11] = "";
    optind = 1;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'h': help(); return MG_EXIT_OK;
        case OPT_DATABASE: database = optarg; break;
        case OPT_TODAY: {
            mg_date dt;
            if (strlen(optarg) != 10 || mg_parse_date(optarg, &dt, NULL)) {
                cli_error(kCmd, "--today %s: expected a date YYYY-MM-DD", optarg);
                return MG_EXIT_USAGE;
            }
            snprintf(today, sizeof today, "%04u-%02u-%02u", (unsigned)dt.year % 10000u,
                     (unsigned)dt.month % 100u, (unsigned)dt.day % 100u);
            break;
        }
        default:
            cli_error(kCmd, "unknown or incomplete option \"%s\" (see --help)", argv[optind - 1]);
            return MG_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error(kCmd, "remind takes no operand");
        return MG_EXIT_USAGE;
    }
    if (!today[0] && !today_paris(today)) {
        cli_error(kCmd, "cannot tell today's date");
        return MG_EXIT_FAILURE;
    }
    mg_db *db = NULL;
    int ex = open_database(database, &db);
    if (ex)
        return ex;
    size_t sent = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_remind(db, today, &sent, &d);
    mg_db_close(db);
    if (rc) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        return MG_EXIT_FAILURE;
    }
    printf("%zu\n", sent);
    fprintf(stderr, "maillage funding: %zu reminder(s) queued for %s\n", sent, today);
    return MG_EXIT_OK;
}

static int open_data(int argc, char **argv)
{
    static const struct option opts[] = {
        {"database", required_argument, NULL, OPT_DATABASE},
        {"db", required_argument, NULL, OPT_DATABASE},
        {"examples", no_argument, NULL, OPT_EXAMPLES},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL, *out = NULL;
    bool examples = false;
    optind = 1;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (o) {
        case 'h': help(); return MG_EXIT_OK;
        case 'o': out = optarg; break;
        case OPT_DATABASE: database = optarg; break;
        case OPT_EXAMPLES: examples = true; break;
        default:
            cli_error(kCmd, "unknown or incomplete option \"%s\" (see --help)", argv[optind - 1]);
            return MG_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error(kCmd, "open-data takes no operand (-o FILE for a file)");
        return MG_EXIT_USAGE;
    }
    mg_db *db = NULL;
    int ex = open_database(database, &db);
    if (ex)
        return ex;
    cli_out co;
    if (cli_out_open(&co, out, kCmd)) {
        mg_db_close(db);
        return MG_EXIT_OUTPUT;
    }
    mg_diag d = {{0}};
    int rc = mg_subsidy_open_data(db, co.f, examples, &d);
    mg_db_close(db);
    if (rc)
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
    if (cli_out_close(&co, rc == 0, kCmd))
        return MG_EXIT_OUTPUT;
    return rc == 0 ? MG_EXIT_OK : rc == MG_EIO ? MG_EXIT_OUTPUT : MG_EXIT_FAILURE;
}

int mg_cmd_funding(int argc, char **argv);

int mg_cmd_funding(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help();
        return argc < 2 ? MG_EXIT_USAGE : MG_EXIT_OK;
    }
    if (!strcmp(argv[1], "windows")) {
        if (argc < 3 || strcmp(argv[2], "add") != 0) {
            cli_error(kCmd, "windows: expected \"windows add\"");
            return MG_EXIT_USAGE;
        }
        return windows_add(argc - 2, argv + 2);
    }
    if (!strcmp(argv[1], "import"))
        return import(argc - 1, argv + 1);
    if (!strcmp(argv[1], "remind"))
        return remind(argc - 1, argv + 1);
    if (!strcmp(argv[1], "open-data"))
        return open_data(argc - 1, argv + 1);
    cli_error(kCmd, "unknown subcommand \"%s\" (windows add, import, remind, open-data)",
              argv[1]);
    return MG_EXIT_USAGE;
}
