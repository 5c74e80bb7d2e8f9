/*
 * maillage booking: the telehealth equipment network from the command line
 * (docs/booking-cli.md).
 *   booking import --database DB --owner ORG [--as ACCOUNT] [--example] [--dry-run] FILE.csv
 *   booking book --database DB --site ID --person P --phone N [--kind K] [--after T] [--as ACCOUNT]
 *   booking reminders --database DB --site ID [--day YYYY-MM-DD]
 *   booking usage --database DB --owner ORG --from D --to D [--period week|month]
 *                 [--xlsx FILE]
 *   booking purge --database DB [--now YYYY-MM-DDTHH:MM]
 *
 * The import reads a network's setup (sites, devices, assistants,
 * teleconsultants) from one CSV (booking/import.h), checks every row and
 * every reference (directory structures, organisations, instruments, the
 * sites the rows name) before writing anything, and reports every fault as
 * FILE:LINE:COLUMN; then writes the whole file in one write transaction
 * (setup.h's …_on functions), so that a refusal found while writing leaves
 * the database as it was. Rows that name an existing device (same site and name),
 * assistant (same site and label) or teleconsultant (same organisation,
 * network and label) change it: the import can be run again.
 */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "auth/auth.h"
#include "booking/book.h"
#include "booking/booking.h"
#include "booking/import.h"
#include "booking/setup.h"
#include "booking/usage.h"
#include "cli/cli.h"
#include "cli/output_file.h"
#include "core/utf8.h"
#include "db/db.h"
#include "directory/directory.h"
#include "directory/holidays.h"
#include "parse/parse.h"

static const char kCmd[] = "booking";

enum { IMPORT_MAX_BYTES = 16 * 1024 * 1024 };

static void help(void)
{
    printf(
        "Usage: maillage booking import --database DB --owner ORG [--as ACCOUNT]\n"
        "                               [--example] [--dry-run] FILE.csv\n"
        "       maillage booking book --database DB --site ID --person P --phone N\n"
        "                             [--kind gp|followup|specialist] [--after T] [--as ACCOUNT]\n"
        "       maillage booking reminders --database DB --site ID [--day YYYY-MM-DD]\n"
        "       maillage booking usage --database DB --owner ORG --from YYYY-MM-DD\n"
        "                              --to YYYY-MM-DD [--period week|month] [--xlsx FILE]\n"
        "       maillage booking purge --database DB [--now YYYY-MM-DDTHH:MM]\n"
        "\n"
        "The booking of the shared telehealth equipment (docs/booking-cli.md).\n"
        "\n"
        "import sets up ORG's network from FILE.csv: one row per site, device,\n"
        "assistant or teleconsultant (a \"type\" column; \";\" or \",\" separated, UTF-8).\n"
        "The whole file is checked first; every fault is reported as FILE:LINE:COLUMN\n"
        "and nothing is written (exit 3). Then it is written in one transaction: a row\n"
        "refused while writing is named, and nothing is written either. It prints one\n"
        "CSV row per row of the file: line, type, id, action (created, updated).\n"
        "  --owner ORG      the organisation running the network (id or exact name)\n"
        "  --as ACCOUNT     the account id the changes are recorded in the name of\n"
        "  --example        the sites are examples (the demo)\n"
        "  --dry-run        check only, write nothing\n"
        "book books the first free slot of site ID at or after T (a Paris time\n"
        "YYYY-MM-DDTHH:MM; default now) for the person (a name or initials) and the\n"
        "phone number, as the public does (or as a walk-in recorded by ACCOUNT), and\n"
        "prints: id, start (Paris time), confirmation code.\n"
        "reminders prints the day's bookings of a site (default: tomorrow in Paris)\n"
        "with their phone numbers, as CSV, for a reminder call or SMS (for cron).\n"
        "usage prints the usage per device and period as CSV, or writes the XLSX.\n"
        "purge removes the person, the phone number and the code of the bookings\n"
        "that ended more than 92 days ago (for a daily cron), and prints their count;\n"
        "--now (a Paris time) stands for the current time, for tests.\n"
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

/* --- Organisations by id or exact name ------------------------------------------------------ */

typedef struct orgs {
    mg_auth_org *v;
    size_t n;
    bool loaded;
} orgs;

static int orgs_load(mg_db *db, orgs *o, mg_diag *d)
{
    if (o->loaded)
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
        mg_auth_org *grown = got ? realloc(o->v, (o->n + got) * sizeof *grown) : o->v;
        if (got && !grown) {
            free(page);
            return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        }
        o->v = grown;
        if (got)
            memcpy(o->v + o->n, page, got * sizeof *page);
        o->n += got;
        free(page);
        off += got;
        if (!got || off >= total)
            break;
    }
    o->loaded = true;
    return 0;
}

/* An organisation named by id (digits) or exact name; 0 and a sentence in msg when none. */
static int64_t org_ref(mg_db *db, orgs *o, const char *text, char *msg, size_t cap)
{
    int64_t id = 0;
    mg_diag d = {{0}};
    if (mg_parse_id(text, INT64_MAX, &id, NULL) == 0) {
        mg_auth_org org;
        if (mg_auth_org_get(db, id, &org, &d) == 0)
            return id;
        snprintf(msg, cap, "aucune organisation n'a l'identifiant %lld", (long long)id);
        return 0;
    }
    if (orgs_load(db, o, &d)) {
        snprintf(msg, cap, "%.200s", d.msg[0] ? d.msg : "lecture des organisations impossible");
        return 0;
    }
    int64_t found = 0;
    size_t count = 0;
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->v[i].name, text) == 0) {
            found = o->v[i].id;
            count++;
        }
    if (count == 1)
        return found;
    snprintf(msg, cap, count ? "plusieurs organisations s'appellent « %.*s »"
                             : "aucune organisation ne s'appelle « %.*s »",
             (int)mg_utf8_prefix(text, 200), text);
    return 0;
}

/* --- import ------------------------------------------------------------------------------------ */

typedef struct import_ctx {
    mg_db *db;
    int64_t owner, by;
    mg_booking_import im;
    mg_dir_set dir;
    orgs orgs;
    mg_booking_site *sites; /* every site, any network */
    size_t nsites;
    int64_t *row_site;      /* per row: the structure of `site` (0: none) */
    int64_t *row_org;       /* per row: the teleconsultant's organisation */
    int64_t **row_sites;    /* per row: the structures of `sites` */
} import_ctx;

static bool digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* The structure a site reference names: 0 and a sentence in msg when none or several. */
static int64_t structure_ref(const import_ctx *c, const char *ref, char *msg, size_t cap)
{
    const char *what = "l'identifiant de source";
    const char *key = ref;
    int field = 0; /* 0 source id, 1 SIRET, 2 FINESS, 3 id */
    if (strncmp(ref, "siret:", 6) == 0)
        field = 1, key = ref + 6, what = "le SIRET";
    else if (strncmp(ref, "finess:", 7) == 0)
        field = 2, key = ref + 7, what = "le FINESS";
    else if (strncmp(ref, "id:", 3) == 0)
        field = 3, key = ref + 3, what = "l'identifiant";
    else if (digits(ref, 14))
        field = 1, what = "le SIRET";
    int64_t found = 0;
    size_t count = 0;
    for (size_t i = 0; i < c->dir.nstructures; i++) {
        const mg_dir_structure *s = &c->dir.structures[i];
        bool hit = false;
        if (field == 0)
            hit = s->source_id && strcmp(s->source_id, key) == 0;
        else if (field == 1)
            hit = s->siret && strcmp(s->siret, key) == 0;
        else if (field == 2)
            hit = s->finess && strcmp(s->finess, key) == 0;
        else {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)s->id);
            hit = strcmp(id, key) == 0;
        }
        if (hit && s->id != found) {
            found = s->id;
            count++;
        }
    }
    if (count == 1)
        return found;
    snprintf(msg, cap,
             count ? "plusieurs structures de l'annuaire ont %s « %.*s » : nommer la structure "
                     "par « id:… »"
                   : "aucune structure de l'annuaire n'a %s « %.*s » (attendu l'identifiant de "
                     "source de la structure, « siret:… », « finess:… » ou « id:… »)",
             what, (int)mg_utf8_prefix(key, 120), key);
    return 0;
}

static const mg_booking_site *site_of(const import_ctx *c, int64_t structure)
{
    for (size_t i = 0; i < c->nsites; i++)
        if (c->sites[i].site_id == structure)
            return &c->sites[i];
    return NULL;
}

/* Whether structure is a site of the owner's network once the file is written. */
static bool site_in_network(const import_ctx *c, int64_t structure)
{
    const mg_booking_site *s = site_of(c, structure);
    if (s && s->owner_id == c->owner)
        return true;
    for (size_t i = 0; i < c->im.nrows; i++)
        if (c->im.rows[i].type == MG_BOOKING_IMPORT_SITE && c->row_site[i] == structure)
            return true;
    return false;
}

/* Checks every reference of the parsed rows against the database. */
static int check_references(import_ctx *c, mg_diag *d)
{
    size_t n = c->im.nrows;
    c->row_site = calloc(n + 1, sizeof *c->row_site);
    c->row_org = calloc(n + 1, sizeof *c->row_org);
    c->row_sites = calloc(n + 1, sizeof *c->row_sites);
    if (!c->row_site || !c->row_org || !c->row_sites)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    char msg[512];
    /* Pass 1: the structures of `site` and the sites rows. */
    for (size_t i = 0; i < n; i++) {
        mg_booking_import_row *r = &c->im.rows[i];
        if (!r->site)
            continue;
        c->row_site[i] = structure_ref(c, r->site, msg, sizeof msg);
        if (!c->row_site[i]) {
            mg_booking_import_error(&c->im, r->line, r->col[MG_BKI_SITE], "colonne « site » : %s",
                                    msg);
            continue;
        }
        if (r->type == MG_BOOKING_IMPORT_SITE) {
            const mg_booking_site *s = site_of(c, c->row_site[i]);
            if (s && s->owner_id != c->owner)
                mg_booking_import_error(&c->im, r->line, r->col[MG_BKI_SITE],
                                        "colonne « site » : « %.*s » est déjà un lieu du réseau "
                                        "d'une autre organisation (%lld)",
                                        (int)mg_utf8_prefix(r->site, 120), r->site,
                                        (long long)s->owner_id);
            for (size_t j = 0; j < i; j++)
                if (c->im.rows[j].type == MG_BOOKING_IMPORT_SITE &&
                    c->row_site[j] == c->row_site[i])
                    mg_booking_import_error(&c->im, r->line, r->col[MG_BKI_SITE],
                                            "colonne « site » : ce lieu est déjà décrit ligne %lu",
                                            c->im.rows[j].line);
        }
    }
    /* Pass 2: rows that hang on a site, organisations, instruments. */
    for (size_t i = 0; i < n; i++) {
        mg_booking_import_row *r = &c->im.rows[i];
        if ((r->type == MG_BOOKING_IMPORT_DEVICE || r->type == MG_BOOKING_IMPORT_ASSISTANT) &&
            c->row_site[i] && !site_in_network(c, c->row_site[i]))
            mg_booking_import_error(&c->im, r->line, r->col[MG_BKI_SITE],
                                    "colonne « site » : « %.*s » n'est pas un lieu du réseau : "
                                    "le décrire par une ligne de type site",
                                    (int)mg_utf8_prefix(r->site, 120), r->site);
        if (r->type == MG_BOOKING_IMPORT_DEVICE && r->instruments) {
            char list[1001];
            snprintf(list, sizeof list, "%s", r->instruments);
            for (char *save = NULL, *code = strtok_r(list, ",", &save); code;
                 code = strtok_r(NULL, ",", &save))
                if (!mg_booking_instrument_label(code)) {
                    size_t k = 0;
                    const char *const *known = mg_booking_instruments(&k);
                    char all[600] = "";
                    for (size_t j = 0; j < k; j++)
                        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s",
                                 j ? ", " : "", known[j]);
                    mg_booking_import_error(&c->im, r->line, r->col[MG_BKI_INSTRUMENTS],
                                            "colonne « instruments » : instrument « %.*s » "
                                            "inconnu (attendu : %s)",
                                            (int)mg_utf8_prefix(code, 60), code, all);
                }
        }
        if (r->type != MG_BOOKING_IMPORT_TELECONSULTANT || !r->organisation)
            continue;
        c->row_org[i] = org_ref(c->db, &c->orgs, r->organisation, msg, sizeof msg);
        if (!c->row_org[i])
            mg_booking_import_error(&c->im, r->line, r->col[MG_BKI_ORGANISATION],
                                    "colonne « organisation » : %s", msg);
        c->row_sites[i] = calloc(r->nsites + 1, sizeof **c->row_sites);
        if (!c->row_sites[i])
            return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        for (size_t k = 0; k < r->nsites; k++) {
            int64_t s = structure_ref(c, r->sites[k], msg, sizeof msg);
            if (!s)
                mg_booking_import_error(&c->im, r->line, r->col[MG_BKI_SITES],
                                        "colonne « sites » : %s", msg);
            else if (!site_in_network(c, s))
                mg_booking_import_error(&c->im, r->line, r->col[MG_BKI_SITES],
                                        "colonne « sites » : « %.*s » n'est pas un lieu du "
                                        "réseau : le décrire par une ligne de type site",
                                        (int)mg_utf8_prefix(r->sites[k], 120), r->sites[k]);
            c->row_sites[i][k] = s;
        }
    }
    return 0;
}

/* The line and column of a fault "FILE:LINE:COL: …" (0 when absent). */
static void fault_position(const char *msg, size_t skip, unsigned long *line, unsigned long *col)
{
    char *end = NULL;
    *line = *col = 0;
    if (strlen(msg) <= skip)
        return;
    *line = strtoul(msg + skip, &end, 10);
    if (end && *end == ':' && end[1] >= '0' && end[1] <= '9')
        *col = strtoul(end + 1, NULL, 10);
}

static size_t g_skip; /* the file name's length and its ':', for the comparison below */

static int by_position(const void *a, const void *b)
{
    unsigned long la, ca, lb, cb;
    fault_position(*(char *const *)a, g_skip, &la, &ca);
    fault_position(*(char *const *)b, g_skip, &lb, &cb);
    if (la != lb)
        return la < lb ? -1 : 1;
    return ca < cb ? -1 : ca > cb;
}

static void print_errors(mg_booking_import *im)
{
    /* In file order: the parser's faults and the references' were found in two passes. */
    g_skip = strlen(im->file) + 1;
    if (im->nerrors > 1)
        qsort(im->errors, im->nerrors, sizeof *im->errors, by_position);
    for (size_t i = 0; i < im->nerrors; i++)
        fprintf(stderr, "%s\n", im->errors[i]);
    if (im->errors_truncated)
        fprintf(stderr, "%s: … d'autres erreurs ne sont pas montrées\n", im->file);
    fprintf(stderr, "maillage booking: %s refusé (%zu erreur%s), rien n'a été écrit\n", im->file,
            im->nerrors, im->nerrors > 1 ? "s" : "");
}

/* The whole file written in one write transaction: sites first, so that devices,
 * assistants and teleconsultants find them, then the other rows in file order. */
typedef struct write_tx {
    import_ctx *c;
    bool example;
    size_t *order;          /* the rows in writing order */
    int64_t *ids;           /* per written row (by order): its id */
    bool *updated;          /* per written row: changed, not added */
    size_t written;
    size_t failed;          /* the row refused (index into c->im.rows), or SIZE_MAX */
    mg_booking_errors errs; /* its refusal */
} write_tx;

/* Writes row r of the file on c: its id into *id, whether it existed into *updated. */
static int write_row(mg_db_conn *conn, write_tx *w, size_t i, int64_t *id, bool *updated,
                     mg_diag *d)
{
    import_ctx *c = w->c;
    mg_booking_import_row *r = &c->im.rows[i];
    mg_booking_errors *errs = &w->errs;
    int rc = 0;
    *id = 0;
    *updated = false;
    switch (r->type) {
    case MG_BOOKING_IMPORT_SITE: {
        *updated = site_of(c, c->row_site[i]) != NULL;
        mg_booking_site_input in = {.site_id = c->row_site[i], .owner_id = c->owner,
                                    .ask = mg_booking_ask_key(r->ask),
                                    .share_phone = r->share_phone, .active = true,
                                    .is_example = w->example};
        rc = mg_booking_site_put_on(conn, c->by, &in, errs, d);
        *id = c->row_site[i];
        break;
    }
    case MG_BOOKING_IMPORT_DEVICE: {
        mg_booking_device *v = NULL;
        size_t n = 0;
        rc = mg_booking_device_list_on(conn, c->row_site[i], &v, &n, d);
        for (size_t k = 0; rc == 0 && k < n; k++)
            if (strcmp(v[k].name, r->name) == 0)
                *id = v[k].id;
        mg_booking_devices_free(v, n);
        if (rc)
            break;
        mg_booking_device_input in = {
            .site_id = c->row_site[i], .kind = mg_booking_device_kind_key(r->device_kind),
            .name = r->name, .instruments = r->instruments, .opening_hours = r->hours,
            .assisted = r->assisted, .step_min = r->step_min, .active = true};
        *updated = *id != 0;
        if (*id)
            rc = mg_booking_device_update_on(conn, c->by, *id, &in, errs, d);
        else
            rc = mg_booking_device_add_on(conn, c->by, &in, id, errs, d);
        break;
    }
    case MG_BOOKING_IMPORT_ASSISTANT: {
        mg_booking_assistant *v = NULL;
        size_t n = 0;
        rc = mg_booking_assistant_list_on(conn, c->row_site[i], &v, &n, d);
        int64_t existing = 0;
        for (size_t k = 0; rc == 0 && k < n; k++)
            if (strcmp(v[k].label, r->label) == 0)
                existing = v[k].id;
        mg_booking_assistants_free(v, n);
        if (rc)
            break;
        *updated = existing != 0;
        rc = mg_booking_assistant_put_on(conn, c->by, existing, c->row_site[i], r->label,
                                         r->availability, true, id, errs, d);
        break;
    }
    case MG_BOOKING_IMPORT_TELECONSULTANT: {
        mg_booking_teleconsultant *v = NULL;
        size_t n = 0;
        rc = mg_booking_teleconsultant_list_on(conn, c->row_org[i], c->owner, 0, &v, &n, d);
        for (size_t k = 0; rc == 0 && k < n; k++)
            if (strcmp(v[k].label, r->label) == 0)
                *id = v[k].id;
        mg_booking_teleconsultants_free(v, n);
        if (rc)
            break;
        mg_booking_teleconsultant_input in = {
            .organisation_id = c->row_org[i], .owner_id = c->owner, .label = r->label,
            .availability = r->availability, .nkinds = r->nkinds,
            .site_ids = c->row_sites[i], .nsites = r->nsites, .active = true};
        memcpy(in.kinds, r->kinds, sizeof in.kinds);
        *updated = *id != 0;
        if (*id)
            rc = mg_booking_teleconsultant_update_on(conn, c->by, *id, &in, errs, d);
        else
            rc = mg_booking_teleconsultant_add_on(conn, c->by, &in, id, errs, d);
        break;
    }
    }
    return rc;
}

static int write_body(mg_db_conn *conn, void *ctx, mg_diag *d)
{
    write_tx *w = ctx;
    w->written = 0; /* run again after a serialisation failure: from the start */
    w->failed = SIZE_MAX;
    w->errs.n = 0;
    for (size_t k = 0; k < w->c->im.nrows; k++) {
        size_t i = w->order[k];
        int rc = write_row(conn, w, i, &w->ids[k], &w->updated[k], d);
        if (rc) {
            w->failed = i;
            return rc;
        }
        w->written++;
    }
    return 0;
}

static int write_rows(import_ctx *c, bool example)
{
    size_t n = c->im.nrows;
    write_tx w = {.c = c, .example = example, .failed = SIZE_MAX};
    w.order = calloc(n + 1, sizeof *w.order);
    w.ids = calloc(n + 1, sizeof *w.ids);
    w.updated = calloc(n + 1, sizeof *w.updated);
    int ex = MG_EXIT_OK;
    if (!w.order || !w.ids || !w.updated) {
        cli_error(kCmd, "out of memory");
        ex = MG_EXIT_FAILURE;
        goto out;
    }
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++)
            if ((pass == 0) == (c->im.rows[i].type == MG_BOOKING_IMPORT_SITE))
                w.order[k++] = i;
    mg_diag d = {{0}};
    int rc = mg_db_transaction(c->db, MG_DB_TX_WRITE, write_body, &w, &d);
    if (rc) {
        /* A refusal found only while writing (a rule of the database or of setup.c that
         * the checks do not make, a concurrent change): named by its row. */
        if (w.failed != SIZE_MAX && w.errs.n)
            fprintf(stderr, "%s:%lu: « %s » : %s\n", c->im.file, c->im.rows[w.failed].line,
                    w.errs.e[0].field, w.errs.e[0].msg);
        else if (w.failed != SIZE_MAX)
            fprintf(stderr, "%s:%lu: %s\n", c->im.file, c->im.rows[w.failed].line,
                    d.msg[0] ? d.msg : mg_strerror(rc));
        else
            fprintf(stderr, "%s: %s\n", c->im.file, d.msg[0] ? d.msg : mg_strerror(rc));
        fprintf(stderr, "maillage booking: %s refusé à l'écriture, rien n'a été écrit\n",
                c->im.file);
        ex = rc == MG_ENOMEM || rc == MG_EBUSY || rc == MG_EIO ? MG_EXIT_FAILURE
                                                                : MG_EXIT_INPUT;
        goto out;
    }
    static const char *const types[] = {"site", "device", "assistant", "teleconsultant"};
    for (k = 0; k < n; k++) {
        const mg_booking_import_row *r = &c->im.rows[w.order[k]];
        printf("%lu,%s,%lld,%s\n", r->line, types[r->type], (long long)w.ids[k],
               w.updated[k] ? "updated" : "created");
    }
    if (fflush(stdout) != 0)
        ex = MG_EXIT_OUTPUT;
out:
    free(w.order);
    free(w.ids);
    free(w.updated);
    return ex;
}

static int read_whole(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error(kCmd, "%s: cannot be read", path);
        return MG_EXIT_INPUT;
    }
    char *buf = malloc(IMPORT_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, IMPORT_MAX_BYTES + 1, f) : 0;
    bool err = ferror(f);
    fclose(f);
    if (!buf)
        return MG_EXIT_FAILURE;
    if (err || n > IMPORT_MAX_BYTES) {
        free(buf);
        cli_error(kCmd, "%s: %s", path, err ? "read error" : "larger than 16 MiB");
        return MG_EXIT_INPUT;
    }
    *out = buf;
    *len = n;
    return MG_EXIT_OK;
}

enum { OPT_DATABASE = 300, OPT_OWNER, OPT_AS, OPT_EXAMPLE, OPT_DRY_RUN, OPT_SITE, OPT_DAY,
       OPT_FROM, OPT_TO, OPT_PERIOD, OPT_XLSX, OPT_KIND, OPT_AFTER, OPT_PERSON,
       OPT_PHONE, OPT_NOW };

static int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"database", required_argument, NULL, OPT_DATABASE},
        {"db", required_argument, NULL, OPT_DATABASE},
        {"owner", required_argument, NULL, OPT_OWNER},
        {"as", required_argument, NULL, OPT_AS},
        {"example", no_argument, NULL, OPT_EXAMPLE},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL, *owner = NULL;
    int64_t as = 0;
    bool example = false, dry_run = false;
    optind = 1;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (ch) {
        case OPT_DATABASE: database = optarg; break;
        case OPT_OWNER: owner = optarg; break;
        case OPT_AS:
            if (cli_int(kCmd, "as", optarg, 1, INT64_MAX, &as))
                return MG_EXIT_USAGE;
            break;
        case OPT_EXAMPLE: example = true; break;
        case OPT_DRY_RUN: dry_run = true; break;
        case 'h': help(); return MG_EXIT_OK;
        default: return MG_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error(kCmd, "import: one FILE.csv expected");
        return MG_EXIT_USAGE;
    }
    if (!owner) {
        cli_error(kCmd, "import: --owner is required");
        return MG_EXIT_USAGE;
    }
    const char *path = argv[optind];
    char *data = NULL;
    size_t len = 0;
    int ex = read_whole(path, &data, &len);
    if (ex)
        return ex;
    import_ctx c = {.by = as};
    mg_dir_set_init(&c.dir);
    mg_diag d = {{0}};
    int rc = mg_booking_import_parse(path, data, len, &c.im, &d);
    if (rc == MG_ENOMEM) {
        ex = MG_EXIT_FAILURE;
        cli_error(kCmd, "out of memory");
        goto end;
    }
    ex = open_database(database, &c.db);
    if (ex)
        goto end;
    char msg[512];
    c.owner = org_ref(c.db, &c.orgs, owner, msg, sizeof msg);
    if (!c.owner) {
        cli_error(kCmd, "--owner %s: %s", owner, msg);
        ex = MG_EXIT_USAGE;
        goto end;
    }
    if (mg_dir_all(c.db, &c.dir, &d) || mg_booking_site_list(c.db, 0, false, &c.sites, &c.nsites, &d)
        || check_references(&c, &d)) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : "reading the database failed");
        ex = MG_EXIT_FAILURE;
        goto end;
    }
    if (c.im.nerrors) {
        print_errors(&c.im);
        ex = MG_EXIT_INPUT;
        goto end;
    }
    if (dry_run) {
        fprintf(stderr, "maillage booking: %s checked, %zu rows, nothing written (--dry-run)\n",
                path, c.im.nrows);
        goto end;
    }
    ex = write_rows(&c, example);
end:
    if (c.row_sites)
        for (size_t i = 0; i < c.im.nrows; i++)
            free(c.row_sites[i]);
    free(c.row_sites);
    free(c.row_site);
    free(c.row_org);
    mg_booking_sites_free(c.sites, c.nsites);
    free(c.orgs.v);
    mg_dir_set_free(&c.dir);
    mg_booking_import_free(&c.im);
    if (c.db)
        mg_db_close(c.db);
    free(data);
    return ex;
}

/* --- reminders ------------------------------------------------------------------------------- */

/* "YYYY-MM-DD" into its Paris day start; false when not a date. */
static bool parse_day(const char *s, int64_t *start)
{
    mg_date t;
    mg_parse_error why;
    if (strlen(s) != 10 || s[4] != '-' || mg_parse_date(s, &t, &why) != 0 || t.year < 1970 ||
        t.year > 9000)
        return false;
    int y = t.year, m = t.month, dd = t.day;
    *start = mg_booking_day_start(y, m, dd);
    mg_oh_instant back = mg_booking_local(*start);
    return back.year == y && back.month == m && back.day == dd;
}

static void csv_field(FILE *f, const char *s)
{
    bool quote = strpbrk(s, ",\"\n\r") != NULL;
    if (!quote) {
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

static int cmd_reminders(int argc, char **argv)
{
    static const struct option opts[] = {
        {"database", required_argument, NULL, OPT_DATABASE},
        {"db", required_argument, NULL, OPT_DATABASE},
        {"site", required_argument, NULL, OPT_SITE},
        {"day", required_argument, NULL, OPT_DAY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL, *day = NULL;
    int64_t site = 0;
    optind = 1;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (ch) {
        case OPT_DATABASE: database = optarg; break;
        case OPT_SITE:
            if (cli_int(kCmd, "site", optarg, 1, INT64_MAX, &site))
                return MG_EXIT_USAGE;
            break;
        case OPT_DAY: day = optarg; break;
        case 'h': help(); return MG_EXIT_OK;
        default: return MG_EXIT_USAGE;
        }
    }
    if (optind != argc || !site) {
        cli_error(kCmd, "reminders: --site ID is required, and nothing else");
        return MG_EXIT_USAGE;
    }
    int64_t from = 0;
    if (day) {
        if (!parse_day(day, &from)) {
            cli_error(kCmd, "--day %s: expected a date YYYY-MM-DD", day);
            return MG_EXIT_USAGE;
        }
    } else {
        /* Tomorrow in Paris: noon today plus a day, back to its midnight. */
        mg_oh_instant now = mg_booking_local(mg_booking_now());
        mg_oh_instant t = mg_booking_local(mg_booking_day_start(now.year, now.month, now.day) +
                                           36 * 60);
        from = mg_booking_day_start(t.year, t.month, t.day);
    }
    mg_oh_instant next = mg_booking_local(from + 36 * 60);
    int64_t to = mg_booking_day_start(next.year, next.month, next.day);
    mg_db *db = NULL;
    int ex = open_database(database, &db);
    if (ex)
        return ex;
    mg_diag d = {{0}};
    mg_booking_site s;
    int rc = mg_booking_site_get(db, site, &s, &d);
    if (rc) {
        cli_error(kCmd, "--site %lld: %s", (long long)site,
                  rc == MG_ENOTFOUND ? "no such site" : d.msg);
        mg_db_close(db);
        return rc == MG_ENOTFOUND ? MG_EXIT_USAGE : MG_EXIT_FAILURE;
    }
    mg_booking_site_clear(&s);
    printf("debut,fin,equipement,teleconsultant,personne,telephone,etat,sur_place\n");
    for (size_t offset = 0;;) {
        mg_booking_filter f = {.site_id = site, .from = from, .to = to, .with_phone = true,
                               .offset = offset, .limit = MG_BOOKING_PAGE_MAX};
        mg_booking *v = NULL;
        size_t n = 0, total = 0;
        rc = mg_booking_list(db, &f, &v, &n, &total, &d);
        if (rc) {
            free(v);
            cli_error(kCmd, "%s", d.msg);
            mg_db_close(db);
            return MG_EXIT_FAILURE;
        }
        for (size_t i = 0; i < n; i++) {
            mg_oh_instant a = mg_booking_local(v[i].start), b = mg_booking_local(v[i].end);
            printf("%04d-%02d-%02d %02d:%02d,%02d:%02d,", a.year, a.month, a.day, a.minute / 60,
                   a.minute % 60, b.minute / 60, b.minute % 60);
            csv_field(stdout, v[i].device_name);
            putchar(',');
            csv_field(stdout, v[i].teleconsultant_label);
            putchar(',');
            csv_field(stdout, v[i].person);
            printf(",%s,%s,%s\n", v[i].phone, mg_booking_state_key(v[i].state),
                   v[i].walk_in ? "oui" : "non");
        }
        free(v);
        offset += n;
        if (!n || offset >= total)
            break;
    }
    mg_db_close(db);
    return fflush(stdout) == 0 ? MG_EXIT_OK : MG_EXIT_OUTPUT;
}

/* --- usage ------------------------------------------------------------------------------------- */

static int cmd_usage(int argc, char **argv)
{
    static const struct option opts[] = {
        {"database", required_argument, NULL, OPT_DATABASE},
        {"db", required_argument, NULL, OPT_DATABASE},
        {"owner", required_argument, NULL, OPT_OWNER},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"period", required_argument, NULL, OPT_PERIOD},
        {"xlsx", required_argument, NULL, OPT_XLSX},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL, *owner = NULL, *from = NULL, *to = NULL, *xlsx = NULL;
    mg_booking_period period = MG_BOOKING_MONTH;
    optind = 1;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (ch) {
        case OPT_DATABASE: database = optarg; break;
        case OPT_OWNER: owner = optarg; break;
        case OPT_FROM: from = optarg; break;
        case OPT_TO: to = optarg; break;
        case OPT_XLSX: xlsx = optarg; break;
        case OPT_PERIOD:
            if (strcmp(optarg, "week") == 0)
                period = MG_BOOKING_WEEK;
            else if (strcmp(optarg, "month") == 0)
                period = MG_BOOKING_MONTH;
            else {
                cli_error(kCmd, "--period %s: expected week or month", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case 'h': help(); return MG_EXIT_OK;
        default: return MG_EXIT_USAGE;
        }
    }
    int64_t ignored;
    if (optind != argc || !owner || !from || !to || !parse_day(from, &ignored) ||
        !parse_day(to, &ignored)) {
        cli_error(kCmd, "usage: --owner ORG --from YYYY-MM-DD --to YYYY-MM-DD are required");
        return MG_EXIT_USAGE;
    }
    mg_db *db = NULL;
    int ex = open_database(database, &db);
    if (ex)
        return ex;
    orgs o = {0};
    char msg[512];
    int64_t owner_id = org_ref(db, &o, owner, msg, sizeof msg);
    free(o.v);
    if (!owner_id) {
        cli_error(kCmd, "--owner %s: %s", owner, msg);
        mg_db_close(db);
        return MG_EXIT_USAGE;
    }
    mg_diag d = {{0}};
    if (xlsx) {
        unsigned char *bytes = NULL;
        size_t n = 0;
        int rc = mg_booking_usage_xlsx(db, owner_id, from, to, period, &bytes, &n, &d);
        mg_db_close(db);
        if (rc) {
            cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
            return MG_EXIT_FAILURE;
        }
        cli_out out;
        if (cli_out_open(&out, xlsx, kCmd)) {
            free(bytes);
            return MG_EXIT_OUTPUT;
        }
        bool ok = fwrite(bytes, 1, n, out.f) == n;
        free(bytes);
        return cli_out_close(&out, ok, kCmd) == 0 && ok ? MG_EXIT_OK : MG_EXIT_OUTPUT;
    }
    mg_booking_usage_row *rows = NULL;
    size_t n = 0;
    int rc = mg_booking_usage(db, owner_id, 0, from, to, period, &rows, &n, &d);
    mg_db_close(db);
    if (rc) {
        cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        return MG_EXIT_FAILURE;
    }
    printf("periode,lieu,equipement,heures_ouvertes,heures_reservees,taux,reservations,"
           "terminees,absences,annulations,sur_place\n");
    for (size_t i = 0; i < n; i++) {
        const mg_booking_usage_row *r = &rows[i];
        printf("%s,", r->period);
        csv_field(stdout, r->site_name);
        putchar(',');
        csv_field(stdout, r->device_name);
        printf(",%.2f,%.2f,", r->open_hours, r->booked_hours);
        if (isnan(r->rate))
            printf(",");
        else
            printf("%.4f,", r->rate);
        printf("%lld,%lld,%lld,%lld,%lld\n", (long long)r->bookings, (long long)r->done,
               (long long)r->no_shows, (long long)r->cancelled, (long long)r->walk_ins);
    }
    free(rows);
    return fflush(stdout) == 0 ? MG_EXIT_OK : MG_EXIT_OUTPUT;
}

/* --- book: the first free slot of a site ------------------------------------------------------ */

static int cmd_book(int argc, char **argv)
{
    static const struct option opts[] = {
        {"database", required_argument, NULL, OPT_DATABASE},
        {"db", required_argument, NULL, OPT_DATABASE},
        {"site", required_argument, NULL, OPT_SITE},
        {"kind", required_argument, NULL, OPT_KIND},
        {"after", required_argument, NULL, OPT_AFTER},
        {"person", required_argument, NULL, OPT_PERSON},
        {"phone", required_argument, NULL, OPT_PHONE},
        {"as", required_argument, NULL, OPT_AS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL, *person = NULL, *phone = NULL;
    int64_t site = 0, as = 0, after = mg_booking_now();
    mg_booking_kind kind = MG_BOOKING_GP;
    optind = 1;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (ch) {
        case OPT_DATABASE: database = optarg; break;
        case OPT_SITE:
            if (cli_int(kCmd, "site", optarg, 1, INT64_MAX, &site))
                return MG_EXIT_USAGE;
            break;
        case OPT_KIND:
            if (mg_booking_kind_parse(optarg, &kind) != 0) {
                cli_error(kCmd, "--kind %s: expected gp, followup or specialist", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case OPT_AFTER:
            if (mg_booking_parse_local(optarg, &after) != 0) {
                cli_error(kCmd, "--after %s: expected a Paris time YYYY-MM-DDTHH:MM", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case OPT_PERSON: person = optarg; break;
        case OPT_PHONE: phone = optarg; break;
        case OPT_AS:
            if (cli_int(kCmd, "as", optarg, 1, INT64_MAX, &as))
                return MG_EXIT_USAGE;
            break;
        case 'h': help(); return MG_EXIT_OK;
        default: return MG_EXIT_USAGE;
        }
    }
    if (optind != argc || !site || !person || !phone) {
        cli_error(kCmd, "book: --site ID, --person and --phone are required");
        return MG_EXIT_USAGE;
    }
    mg_db *db = NULL;
    int ex = open_database(database, &db);
    if (ex)
        return ex;
    mg_diag d = {{0}};
    mg_booking_slot_query q = {.site_ids = &site, .nsites = 1, .kind = kind, .from = after,
                               .days = MG_BOOKING_HORIZON_DAYS, .limit = 1};
    mg_booking_slot *slots = NULL;
    size_t n = 0;
    int rc = mg_booking_next_slots(db, &q, &slots, &n, &d);
    if (rc || n == 0) {
        if (rc)
            cli_error(kCmd, "%s", d.msg[0] ? d.msg : mg_strerror(rc));
        else
            cli_error(kCmd, "book: no free slot at site %lld in the next %d days",
                      (long long)site, MG_BOOKING_HORIZON_DAYS);
        free(slots);
        mg_db_close(db);
        return rc ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    mg_booking_input in = {.site_id = slots[0].site_id, .device_id = slots[0].device_id,
                           .teleconsultant_id = slots[0].teleconsultant_id, .kind = kind,
                           .start = slots[0].start, .person = person, .phone = phone,
                           .walk_in = as > 0};
    free(slots);
    mg_booking_result res;
    mg_booking_errors errs = {0};
    rc = mg_booking_book(db, as, &in, &res, &errs, &d);
    mg_db_close(db);
    if (rc) {
        if (errs.n)
            cli_error(kCmd, "book: « %s » : %s", errs.e[0].field, errs.e[0].msg);
        else
            cli_error(kCmd, "book: %s", d.msg[0] ? d.msg : mg_strerror(rc));
        return rc == MG_EINVAL ? MG_EXIT_INPUT : MG_EXIT_FAILURE;
    }
    char when[17];
    mg_booking_format_local(res.start, when);
    printf("%lld,%s,%s\n", (long long)res.id, when, res.code);
    return MG_EXIT_OK;
}

/* --- purge: the personal fields of old bookings ---------------------------------------------- */

static int cmd_purge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"database", required_argument, NULL, OPT_DATABASE},
        {"db", required_argument, NULL, OPT_DATABASE},
        {"now", required_argument, NULL, OPT_NOW},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *database = NULL;
    int64_t now = mg_booking_now();
    optind = 1;
    for (int ch; (ch = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
        switch (ch) {
        case OPT_DATABASE: database = optarg; break;
        case OPT_NOW:
            if (mg_booking_parse_local(optarg, &now) != 0) {
                cli_error(kCmd, "--now %s: expected a Paris time YYYY-MM-DDTHH:MM", optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case 'h': help(); return MG_EXIT_OK;
        default: return MG_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        cli_error(kCmd, "purge: unexpected argument \"%s\"", argv[optind]);
        return MG_EXIT_USAGE;
    }
    mg_db *db = NULL;
    int ex = open_database(database, &db);
    if (ex)
        return ex;
    mg_diag d = {{0}};
    int64_t purged = 0;
    int rc = mg_booking_purge(db, now, &purged, &d);
    mg_db_close(db);
    if (rc) {
        cli_error(kCmd, "purge: %s", d.msg[0] ? d.msg : mg_strerror(rc));
        return MG_EXIT_FAILURE;
    }
    printf("%lld réservation%s anonymisée%s\n", (long long)purged, purged > 1 ? "s" : "",
           purged > 1 ? "s" : "");
    return fflush(stdout) == 0 ? MG_EXIT_OK : MG_EXIT_OUTPUT;
}

int mg_cmd_booking(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help();
        return argc < 2 ? MG_EXIT_USAGE : MG_EXIT_OK;
    }
    if (strcmp(argv[1], "import") == 0)
        return cmd_import(argc - 1, argv + 1);
    if (strcmp(argv[1], "reminders") == 0)
        return cmd_reminders(argc - 1, argv + 1);
    if (strcmp(argv[1], "usage") == 0)
        return cmd_usage(argc - 1, argv + 1);
    if (strcmp(argv[1], "book") == 0)
        return cmd_book(argc - 1, argv + 1);
    if (strcmp(argv[1], "purge") == 0)
        return cmd_purge(argc - 1, argv + 1);
    cli_error(kCmd, "unknown subcommand \"%s\" (import, book, reminders, usage, purge)",
              argv[1]);
    return MG_EXIT_USAGE;
}
