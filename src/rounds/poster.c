/*
 * The printable A4 poster of a mobile service's stops in one commune
 * (publish.h; docs/rounds-publishing.md), laid out by doc/doc.h (cairo
 * and pango, DejaVu Sans): the service, where it stands in the commune,
 * a table of the dated stops over the coming weeks, the school holidays
 * of the period and the organisation's contact.
 *
 * It is printed on office printers, often in black and white, so nothing
 * is told by colour alone: a cancelled stop says "ANNULÉ" and why, a stop
 * skipped for the school holidays says "PAS DE PASSAGE" and which holiday,
 * in the table's last column. Times are read back from the UTC instants
 * (mg_paris_civil), so a published time in March's skipped hour shows the
 * time the clocks read (03:30 for 02:30) with a note.
 */
#include "rounds/publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "directory/holidays.h"
#include "doc/doc.h"

enum { CELL = 512, COLS = 4 };

/* The Paris local "9 h 30" of a Unix second. */
static void local_time(int64_t t, char out[static 12])
{
    int y, mo, dd, m;
    mg_paris_civil(t, &y, &mo, &dd, &m);
    mg_rounds_format_minute_fr(m, out);
}

/* The remark column of one stop: what a reader must know, in words. */
static void remark(const mg_rounds_occurrence *o, char out[static CELL])
{
    size_t len = 0;
    out[0] = 0;
    const char *hol = o->holiday && o->holiday->description && *o->holiday->description
                          ? o->holiday->description
                          : "vacances scolaires";
    if (o->skipped) {
        /* Nothing else matters for a stop that does not happen. */
        snprintf(out, CELL, "PAS DE PASSAGE : %s", hol);
        return;
    }
    if (o->cancelled)
        len += (size_t)snprintf(out + len, CELL - len, "ANNULÉ%s%s",
                                *o->cancel_reason ? " : " : "", o->cancel_reason);
    else if (o->holiday)
        len += (size_t)snprintf(out + len, CELL - len, "%s : passage maintenu", hol);
    if (len < CELL && (o->dst & (MG_ROUNDS_DST_START_SKIPPED | MG_ROUNDS_DST_END_SKIPPED)))
        len += (size_t)snprintf(out + len, CELL - len,
                                "%sChangement d'heure : horaire à l'heure d'été", len ? ". " : "");
    if (len < CELL && (o->dst & (MG_ROUNDS_DST_START_REPEATED | MG_ROUNDS_DST_END_REPEATED)))
        snprintf(out + len, CELL - len,
                 "%sChangement d'heure : horaire à l'heure d'été, avant le retour à "
                 "l'heure d'hiver",
                 len ? ". " : "");
}

/* Appends text to a list "a ; b" unless it is there already. */
static void list_add(char *list, size_t cap, const char *text)
{
    size_t len = strlen(list), tl = strlen(text);
    for (const char *p = strstr(list, text); p; p = strstr(p + 1, text))
        if ((p == list || p[-1] == ' ') && (p[tl] == 0 || p[tl] == ' '))
            return;
    snprintf(list + len, cap - len, "%s%s", len ? " ; " : "", text);
}

int mg_rounds_poster(const mg_rounds_service *s, const char *commune_code, mg_rounds_date from,
                     int weeks, mg_rounds_date published, mg_buf *out, mg_diag *d)
{
    if (!commune_code || !out || weeks < 1 || weeks > MG_ROUNDS_POSTER_MAX_WEEKS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_rounds_poster: bad arguments (weeks must be 1..%d)",
                           MG_ROUNDS_POSTER_MAX_WEEKS);
    int rc = mg_rounds_service_check(s, d);
    if (rc < 0)
        return rc;
    /* The commune's name and places, from every route (not only this period's). */
    const char *commune = NULL;
    char places[2048] = "";
    for (size_t r = 0; r < s->nroutes; r++)
        for (size_t k = 0; k < s->routes[r].nvisits; k++) {
            const mg_rounds_pub_visit *vi = &s->routes[r].visits[k];
            if (strcmp(vi->commune_code, commune_code) != 0)
                continue;
            commune = vi->commune_name;
            list_add(places, sizeof places, vi->stop_name);
        }
    if (!commune)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                           "mg_rounds_poster: no stop of service %lld in commune %s",
                           (long long)s->id, commune_code);
    long monday = mg_rounds_days(from);
    monday -= mg_weekday(monday);
    mg_rounds_date a = mg_rounds_date_of(monday), b = mg_rounds_date_of(monday + 7L * weeks - 1);
    mg_rounds_occurrence *all = NULL;
    size_t n = 0;
    rc = mg_rounds_timetable(s, a, b, MG_ROUNDS_KEEP_SKIPPED, &all, &n, d);
    if (rc < 0)
        return rc;
    size_t rows = 0;
    for (size_t k = 0; k < n; k++)
        if (strcmp(all[k].visit->commune_code, commune_code) == 0)
            all[rows++] = all[k];
    char *text = mg_alloc_array(rows ? rows * COLS : 1, CELL);
    const char **cells = mg_alloc_array(rows ? rows * COLS : 1, sizeof *cells);
    mg_doc *doc = NULL;
    if (!text || !cells) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    for (size_t k = 0; k < rows; k++) {
        const mg_rounds_occurrence *o = &all[k];
        char *c = text + k * COLS * CELL;
        char date[48], t1[12], t2[12];
        mg_rounds_format_date_fr(o->date, date);
        local_time(o->start_utc, t1);
        local_time(o->end_utc, t2);
        snprintf(c, CELL, "%s", date);
        snprintf(c + CELL, CELL, "%s – %s", t1, t2);
        snprintf(c + 2 * CELL, CELL, "%s", o->visit->stop_name);
        remark(o, c + 3 * CELL);
        for (int j = 0; j < COLS; j++)
            cells[k * COLS + (size_t)j] = c + (size_t)j * CELL;
    }

    char title[1024], footer[1024], line[4096], da[48], db[48], dp[48];
    snprintf(title, sizeof title, "%s — %s", s->name, commune);
    mg_rounds_format_date_fr(a, da);
    mg_rounds_format_date_fr(b, db);
    mg_rounds_format_date_fr(published, dp);
    snprintf(footer, sizeof footer, "Horaires à l'heure de Paris. Publié le %s.", dp);
    mg_doc_info info = {.title = title, .footer = footer, .subject = "Horaires de passage"};
    if ((rc = mg_doc_new(&doc, &info, d)) < 0)
        goto done;
    snprintf(line, sizeof line, "Passages à %s", commune);
    if ((rc = mg_doc_heading(doc, 1, s->name, d)) < 0 ||
        (rc = mg_doc_paragraph(doc, MG_DOC_STRONG, line, d)) < 0)
        goto done;
    snprintf(line, sizeof line, "Lieu d'arrêt : %s", places);
    if ((rc = mg_doc_paragraph(doc, MG_DOC_BODY, line, d)) < 0)
        goto done;
    snprintf(line, sizeof line, "Du %s au %s%s", da, db,
             s->runs_in_school_holidays ? "." : ". Pas de passage pendant les vacances scolaires.");
    if ((rc = mg_doc_paragraph(doc, MG_DOC_BODY, line, d)) < 0)
        goto done;
    static const mg_doc_column cols[COLS] = {
        {"Date", 3.5, MG_DOC_LEFT},
        {"Horaires", 2.2, MG_DOC_LEFT},
        {"Lieu", 3.0, MG_DOC_LEFT},
        {"Remarque", 3.3, MG_DOC_LEFT},
    };
    if (rows == 0)
        rc = mg_doc_paragraph(doc, MG_DOC_STRONG, "Aucun passage prévu sur cette période.", d);
    else
        rc = mg_doc_table(doc, cols, COLS, cells, rows, d);
    if (rc < 0)
        goto done;
    /* The school holidays of the period, in words. */
    bool heading = false;
    for (size_t h = 0; h < s->nholidays; h++) {
        const mg_rounds_holiday *ho = &s->holidays[h];
        if (mg_rounds_days(ho->last) < monday || mg_rounds_days(ho->first) > monday + 7L * weeks - 1)
            continue;
        if (!heading && (rc = mg_doc_heading(doc, 2, "Vacances scolaires", d)) < 0)
            goto done;
        heading = true;
        char f[48], l[48];
        mg_rounds_format_date_fr(ho->first, f);
        mg_rounds_format_date_fr(ho->last, l);
        snprintf(line, sizeof line, "%s : du %s au %s — %s", ho->description ? ho->description : "",
                 f, l,
                 s->runs_in_school_holidays ? "le service passe." : "pas de passage.");
        if ((rc = mg_doc_paragraph(doc, MG_DOC_BODY, line, d)) < 0)
            goto done;
    }
    if ((rc = mg_doc_heading(doc, 2, "Contact", d)) < 0)
        goto done;
    snprintf(line, sizeof line, "%s%s%s", s->organisation ? s->organisation : "",
             s->organisation && s->contact && *s->organisation && *s->contact ? " — " : "",
             s->contact ? s->contact : "");
    if ((rc = mg_doc_paragraph(doc, MG_DOC_BODY, line, d)) < 0)
        goto done;
    rc = mg_doc_paragraph(doc, MG_DOC_NOTE,
                          "Les passages annulés ou supprimés sont indiqués dans la colonne "
                          "« Remarque ». Horaires susceptibles de modification : consultez le "
                          "calendrier en ligne ou appelez le service.",
                          d);
    if (rc == 0)
        rc = mg_doc_finish(doc, out, d);
done:
    mg_doc_free(doc);
    free(cells);
    free(text);
    free(all);
    return rc < 0 ? rc : 0;
}
