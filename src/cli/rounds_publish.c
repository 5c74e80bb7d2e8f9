/*
 * maillage rounds timetable | poster: what the public gets of a service's
 * published rounds (docs/rounds-cli.md), from the database through
 * rounds/published.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/output_file.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "db/db.h"
#include "parse/parse.h"
#include "rounds/publish.h"
#include "rounds/published.h"
#include "rounds/timetable.h"

static const char kCmd[] = "rounds";

int mg_cmd_rounds_publish(const char *sub, const char *database, char **ops, int nops,
                          const char *from, const char *to, bool ical, const char *output,
                          int weeks, bool quiet);

static const char *const day_fr[] = {"lundi", "mardi", "mercredi", "jeudi",
                                     "vendredi", "samedi", "dimanche"};

static int date_opt(const char *opt, const char *s, mg_rounds_date *out)
{
    if (!s) {
        cli_error(kCmd, "%s DATE is required", opt);
        return MG_EXIT_USAGE;
    }
    if (mg_round_date_parse(s, out) != 0) {
        cli_error(kCmd, "%s: expected a date YYYY-MM-DD, found \"%.*s\"", opt,
                  (int)mg_utf8_prefix(s, 40), s);
        return MG_EXIT_USAGE;
    }
    return 0;
}

/* Today in Paris (the poster's footer and its default start). */
static mg_rounds_date today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return (mg_rounds_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

static int write_out(const char *output, const mg_buf *b)
{
    cli_out out;
    if (cli_out_open(&out, output, kCmd))
        return MG_EXIT_OUTPUT;
    bool ok = fwrite(b->data, 1, b->len, out.f) == b->len;
    return cli_out_close(&out, ok, kCmd) ? MG_EXIT_OUTPUT : MG_EXIT_OK;
}

int mg_cmd_rounds_publish(const char *sub, const char *database, char **ops, int nops,
                          const char *from, const char *to, bool ical, const char *output,
                          int weeks, bool quiet)
{
    bool poster = strcmp(sub, "poster") == 0;
    if (nops != (poster ? 2 : 1)) {
        cli_error(kCmd, "%s: %s expected (try --help)", sub, poster ? "SERVICE COMMUNE" : "SERVICE");
        return MG_EXIT_USAGE;
    }
    int64_t service = 0;
    if (mg_parse_id(ops[0], INT64_MAX, &service, NULL) != 0) {
        cli_error(kCmd, "SERVICE: expected an id, found \"%.*s\"", (int)mg_utf8_prefix(ops[0], 60),
                  ops[0]);
        return MG_EXIT_USAGE;
    }
    mg_rounds_date f = today(), t;
    int ex = 0;
    if (poster) {
        if (!output) {
            cli_error(kCmd, "poster: -o FILE.pdf is required");
            return MG_EXIT_USAGE;
        }
        if (from && (ex = date_opt("--from", from, &f)))
            return ex;
    } else if ((ex = date_opt("--from", from, &f)) || (ex = date_opt("--to", to, &t))) {
        return ex;
    }
    if (!database) {
        cli_error(kCmd, "--database is required (try --help)");
        return MG_EXIT_USAGE;
    }
    struct stat st;
    const char *file = strncmp(database, "sqlite:", 7) == 0 ? database + 7 : database;
    if (strncmp(database, "postgres", 8) != 0 && stat(file, &st) != 0) {
        cli_error(kCmd, "--database %s: no such database file", database);
        return MG_EXIT_INPUT;
    }
    mg_db *db = NULL;
    mg_diag d = {{0}};
    int rc = mg_db_open(&db, database, NULL, &d);
    if (rc) {
        cli_error(kCmd, "%s", d.msg);
        return MG_EXIT_INPUT;
    }
    mg_round_published pub;
    rc = mg_round_published_load(db, service, &pub, &d);
    mg_db_close(db);
    if (rc) {
        cli_error(kCmd, "%s", d.msg);
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    mg_buf b = {0};
    mg_buf_init(&b, 64u << 20);
    if (poster) {
        rc = mg_rounds_poster(&pub.svc, ops[1], f, weeks, today(), &b, &d);
        if (rc == 0)
            ex = write_out(output, &b);
        else
            ex = rc == MG_ENOTFOUND || rc == MG_EINVAL ? MG_EXIT_INPUT : MG_EXIT_FAILURE;
    } else if (ical) {
        rc = mg_rounds_ical(&pub.svc, f, t, (int64_t)time(NULL), &b, &d);
        ex = rc ? (rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_USAGE) : write_out(output, &b);
    } else {
        mg_rounds_occurrence *occ = NULL;
        size_t n = 0;
        rc = mg_rounds_timetable(&pub.svc, f, t, MG_ROUNDS_KEEP_SKIPPED, &occ, &n, &d);
        if (rc == 0) {
            mg_buf_puts(&b, "date;day;start;end;vehicle;commune;commune_name;stop;status;note\n");
            for (size_t i = 0; i < n; i++) {
                const mg_rounds_occurrence *o = &occ[i];
                const char *status = o->cancelled ? "cancelled" : o->skipped ? "holiday" : "ok";
                const char *note = o->cancelled ? o->cancel_reason
                                   : o->holiday ? o->holiday->description
                                                : "";
                mg_buf_printf(&b, "%04d-%02d-%02d;%s;%02d:%02d;%02d:%02d;%s;%s;%s;%s;%s;%s\n",
                              o->date.year, o->date.month, o->date.day, day_fr[o->weekday],
                              o->start_min / 60, o->start_min % 60, o->end_min / 60,
                              o->end_min % 60, o->route->vehicle, o->visit->commune_code,
                              o->visit->commune_name, o->visit->stop_name, status,
                              note ? note : "");
            }
            free(occ);
            ex = b.failed ? MG_EXIT_FAILURE : write_out(output, &b);
        } else {
            ex = rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_USAGE;
        }
    }
    if (rc)
        cli_error(kCmd, "%s", d.msg);
    else if (!quiet && output && strcmp(output, "-") != 0)
        fprintf(stderr, "%s written (%zu bytes)\n", output, b.len);
    mg_buf_free(&b);
    mg_round_published_free(&pub);
    return ex;
}
