/*
 * The iCalendar feed of a mobile service's rounds (publish.h;
 * docs/rounds-publishing.md), written with libical as the booking feed is
 * (booking/ical.c): the Europe/Paris VTIMEZONE and Paris date-times of
 * output/ical_tz.h, so that a stop on the day summer time starts or ends
 * is where the timetable says (October's repeated hour in UTC). libical
 * folds the lines and escapes the text values.
 */
#include "rounds/publish.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "output/ical_tz.h"

#define PRODID "-//maillage//Tournées des services mobiles//FR"

static bool add(icalcomponent *comp, icalproperty *p)
{
    if (!p)
        return false;
    icalcomponent_add_property(comp, p);
    return true;
}

static bool add_event(icalcomponent *cal, const mg_rounds_service *s,
                      const mg_rounds_occurrence *o, struct icaltimetype stamp)
{
    const mg_rounds_pub_visit *vi = o->visit;
    char uid[160], rank[16] = "";
    if (o->visit_rank > 1)
        snprintf(rank, sizeof rank, "-%d", o->visit_rank);
    snprintf(uid, sizeof uid, "rounds-%" PRId64 "-%" PRId64 "-%04d%02d%02d-%" PRId64 "%s@maillage",
             s->id, o->route->id, o->date.year, o->date.month, o->date.day, vi->stop_id, rank);
    size_t cap = strlen(s->name) + strlen(vi->stop_name) + strlen(vi->commune_name) +
                 strlen(o->route->vehicle) + strlen(o->cancel_reason) +
                 (s->organisation ? strlen(s->organisation) : 0) +
                 (s->contact ? strlen(s->contact) : 0) +
                 (o->holiday && o->holiday->description ? strlen(o->holiday->description) : 0) +
                 256;
    char *location = malloc(cap), *summary = malloc(cap), *description = malloc(cap);
    icalcomponent *ev = icalcomponent_new_vevent();
    bool ok = location && summary && description && ev;
    if (ok) {
        snprintf(location, cap, "%s, %s", vi->stop_name, vi->commune_name);
        snprintf(summary, cap, "%s%s — %s", o->cancelled ? "ANNULÉ : " : "", s->name, location);
        int len = 0;
        description[0] = 0;
        if (o->cancelled)
            len += snprintf(description + len, cap - (size_t)len, "Passage annulé%s%s\n",
                            *o->cancel_reason ? " : " : "", o->cancel_reason);
        if (o->holiday)
            len += snprintf(description + len, cap - (size_t)len,
                            "Vacances scolaires (%s) : le service passe.\n",
                            o->holiday->description ? o->holiday->description : "");
        len += snprintf(description + len, cap - (size_t)len, "Véhicule : %s",
                        o->route->vehicle);
        if (s->organisation && *s->organisation)
            len += snprintf(description + len, cap - (size_t)len, "\nService : %s",
                            s->organisation);
        if (s->contact && *s->contact)
            snprintf(description + len, cap - (size_t)len, "\nContact : %s", s->contact);
        ok = add(ev, icalproperty_new_uid(uid)) && add(ev, icalproperty_new_dtstamp(stamp)) &&
             add(ev, mg_ical_paris_time(icalproperty_new_dtstart, o->start_utc)) &&
             add(ev, mg_ical_paris_time(icalproperty_new_dtend, o->end_utc)) &&
             add(ev, icalproperty_new_summary(summary)) &&
             add(ev, icalproperty_new_location(location)) &&
             add(ev, icalproperty_new_description(description)) &&
             add(ev, icalproperty_new_status(o->cancelled ? ICAL_STATUS_CANCELLED
                                                          : ICAL_STATUS_CONFIRMED));
    }
    free(location);
    free(summary);
    free(description);
    if (!ok) {
        if (ev)
            icalcomponent_free(ev);
        return false;
    }
    icalcomponent_add_component(cal, ev);
    return true;
}

int mg_rounds_ical(const mg_rounds_service *s, mg_rounds_date from, mg_rounds_date to,
                   int64_t stamp, mg_buf *out, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_rounds_ical: bad arguments");
    mg_rounds_occurrence *v = NULL;
    size_t n = 0;
    int rc = mg_rounds_timetable(s, from, to, 0, &v, &n, d);
    if (rc < 0)
        return rc;
    icalcomponent *cal = icalcomponent_new_vcalendar();
    icalcomponent *tz = mg_ical_paris_vtimezone();
    bool ok = cal && tz;
    if (ok) {
        icalcomponent_add_component(cal, tz);
        tz = NULL;
        ok = add(cal, icalproperty_new_prodid(PRODID)) &&
             add(cal, icalproperty_new_version("2.0")) &&
             add(cal, icalproperty_new_calscale("GREGORIAN"));
        icalproperty *name = icalproperty_new_x(s->name);
        if (ok && name)
            icalproperty_set_x_name(name, "X-WR-CALNAME");
        ok = ok && add(cal, name);
    }
    struct icaltimetype st =
        icaltime_from_timet_with_zone((time_t)stamp, 0, icaltimezone_get_utc_timezone());
    for (size_t k = 0; ok && k < n; k++)
        ok = add_event(cal, s, &v[k], st);
    free(v);
    char *text = ok ? icalcomponent_as_ical_string_r(cal) : NULL;
    if (tz)
        icalcomponent_free(tz);
    if (cal)
        icalcomponent_free(cal);
    if (!text)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "cannot write the calendar");
    rc = mg_buf_puts(out, text);
    free(text);
    if (rc < 0)
        return mg_diag_set(d, rc, NULL, 0, 0, "the calendar does not fit in its buffer");
    return 0;
}
