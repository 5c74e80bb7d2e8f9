/*
 * iCalendar feeds of bookings (ical.h; docs/booking-ical.md), written with
 * libical: one VCALENDAR with its PRODID, a VTIMEZONE for Europe/Paris
 * carrying the EU rule (directive 2000/84/EC: summer time from the last
 * Sunday of March to the last Sunday of October, the change at 01:00 UTC),
 * and one VEVENT per booking that is not cancelled. libical folds the
 * lines and escapes the text values (commas, semicolons, backslashes,
 * newlines).
 *
 * Times are written as Paris local times with TZID=Europe/Paris, except an
 * instant in the repeated hour of the last Sunday of October (02:00-02:59
 * twice), written in UTC ("…Z"), in both its passes: RFC 5545 (3.3.5)
 * reads a local time that occurs twice as its first occurrence, but
 * clients differ (Python's icalendar reads it as the second), and a UTC
 * time leaves none of them a choice.
 *
 * The event carries the booking's confirmation code ("Code : ABCDE-FGHJK"),
 * which the teleconsultant finds the appointment by in the provider's own
 * system (until the purge of personal fields, then the booking's number).
 */
#include "booking/ical.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "booking/booking.h"
#include "output/ical_tz.h"

#define PRODID "-//maillage//Réservation des équipements de télésanté//FR"

/* A booking as the feed shows it. */
struct event {
    int64_t id, start, end;
    char kind[16];
    char person[MG_BOOKING_PERSON_MAX_CHARS * 4 + 1];
    char phone[MG_BOOKING_PHONE_SIZE];
    bool share_phone;
    char site[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char device[MG_BOOKING_LABEL_MAX_CHARS * 4 + 1];
    char code[MG_BOOKING_CODE_SIZE]; /* "" once purged */
    char location[4 * 520 * 4];
};

struct feed_tx {
    int64_t teleconsultant_id, from, to;
    struct event *v;
    size_t n, cap;
};

/* Appends part to out, separated by ", ", when it is not empty. */
static void location_add(char *out, size_t cap, const char *part)
{
    if (!part || !*part)
        return;
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "%s%s", len ? ", " : "", part);
}

static int feed_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct feed_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT b.id, b.starts_at, b.ends_at, b.kind, b.person, b.phone, bs.share_phone, "
        "o.name, dv.name, s.address, s.address_extra, s.postcode, s.commune_name, b.code "
        "FROM bookings b JOIN booking_sites bs ON bs.site_id = b.site_id "
        "JOIN organisations o ON o.id = b.site_id "
        "JOIN structures s ON s.organisation_id = b.site_id "
        "JOIN booking_devices dv ON dv.id = b.device_id "
        "WHERE b.teleconsultant_id = ?1 AND b.starts_at >= ?2 AND b.starts_at < ?3 "
        "AND b.state <> 'cancelled' ORDER BY b.starts_at, b.id",
        MG_DB_PARAMS(MG_DB_INT(t->teleconsultant_id), MG_DB_INT(t->from), MG_DB_INT(t->to)), &q,
        d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t nc = t->cap ? t->cap * 2 : 32;
            struct event *nv = realloc(t->v, nc * sizeof *nv);
            if (!nv) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            t->v = nv;
            t->cap = nc;
        }
        struct event *e = &t->v[t->n++];
        memset(e, 0, sizeof *e);
        e->id = mg_db_column_int64(q, 0);
        e->start = mg_db_column_int64(q, 1);
        e->end = mg_db_column_int64(q, 2);
        mg_db_column_copy(q, 3, e->kind, sizeof e->kind);
        mg_db_column_copy(q, 4, e->person, sizeof e->person);
        mg_db_column_copy(q, 5, e->phone, sizeof e->phone);
        e->share_phone = mg_db_column_int64(q, 6) != 0;
        const char *code = mg_db_column_text(q, 13);
        if (code && strlen(code) == MG_BOOKING_CODE_CHARS)
            snprintf(e->code, sizeof e->code, "%.5s-%.5s", code, code + 5);
        mg_db_column_copy(q, 7, e->site, sizeof e->site);
        mg_db_column_copy(q, 8, e->device, sizeof e->device);
        char part[520 * 4];
        for (int col = 9; col <= 10; col++) {
            mg_db_column_copy(q, col, part, sizeof part);
            location_add(e->location, sizeof e->location, part);
        }
        char town[220 * 4], postcode[8], commune[201 * 4];
        mg_db_column_copy(q, 11, postcode, sizeof postcode);
        mg_db_column_copy(q, 12, commune, sizeof commune);
        snprintf(town, sizeof town, "%s%s%s", postcode, *postcode && *commune ? " " : "",
                 commune);
        location_add(e->location, sizeof e->location, town);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

/* An instant as DTSTART/DTEND: its Paris local time with TZID, or UTC in
 * October's repeated hour (see the top; output/ical_tz.h). */
static icalproperty *time_property(icalproperty *(*make)(struct icaltimetype), int64_t minute)
{
    return mg_ical_paris_time(make, minute * 60);
}

/* Adds p to comp; false when p could not be made (memory). */
static bool add(icalcomponent *comp, icalproperty *p)
{
    if (!p)
        return false;
    icalcomponent_add_property(comp, p);
    return true;
}

static bool add_event(icalcomponent *cal, const struct event *e, struct icaltimetype stamp)
{
    icalcomponent *ev = icalcomponent_new_vevent();
    if (!ev)
        return false;
    char uid[64], summary[MG_BOOKING_LABEL_MAX_CHARS * 4 + 128];
    char description[2048], phone[32] = "";
    snprintf(uid, sizeof uid, "booking-%" PRId64 "@maillage", e->id);
    mg_booking_kind kind = MG_BOOKING_GP;
    const char *kind_label =
        mg_booking_kind_parse(e->kind, &kind) == 0 ? mg_booking_kind_label(kind) : e->kind;
    snprintf(summary, sizeof summary, "%s — %s", kind_label, e->site);
    int len = e->code[0] ? snprintf(description, sizeof description,
                                    "Code : %s\nAppareil : %s", e->code, e->device)
                         : snprintf(description, sizeof description,
                                    "Réservation n° %" PRId64 "\nAppareil : %s", e->id,
                                    e->device);
    if (e->share_phone && len > 0 && (size_t)len < sizeof description) {
        mg_booking_phone_display(e->phone, phone);
        snprintf(description + len, sizeof description - (size_t)len,
                 "\nPersonne : %s\nTéléphone : %s", e->person, phone);
    }
    bool ok = add(ev, icalproperty_new_uid(uid)) && add(ev, icalproperty_new_dtstamp(stamp)) &&
              add(ev, time_property(icalproperty_new_dtstart, e->start)) &&
              add(ev, time_property(icalproperty_new_dtend, e->end)) &&
              add(ev, icalproperty_new_summary(summary)) &&
              add(ev, icalproperty_new_description(description)) &&
              (!*e->location || add(ev, icalproperty_new_location(e->location))) &&
              add(ev, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
    if (!ok) {
        icalcomponent_free(ev);
        return false;
    }
    icalcomponent_add_component(cal, ev);
    return true;
}

int mg_booking_ical_teleconsultant(mg_db *db, int64_t teleconsultant_id, int64_t from, int64_t to,
                                   mg_buf *out, mg_diag *d)
{
    if (!db || !out || teleconsultant_id <= 0 || to < from)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_booking_ical_teleconsultant: bad arguments");
    struct feed_tx t = {.teleconsultant_id = teleconsultant_id, .from = from, .to = to};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, feed_body, &t, d);
    if (rc < 0) {
        free(t.v);
        return rc;
    }
    icalcomponent *cal = icalcomponent_new_vcalendar();
    icalcomponent *tz = mg_ical_paris_vtimezone();
    bool ok = cal && tz;
    if (ok) {
        icalcomponent_add_component(cal, tz);
        tz = NULL;
        ok = add(cal, icalproperty_new_prodid(PRODID)) && add(cal, icalproperty_new_version("2.0")) &&
             add(cal, icalproperty_new_calscale("GREGORIAN"));
        icalproperty *name = icalproperty_new_x("Téléconsultations (maillage)");
        if (ok && name)
            icalproperty_set_x_name(name, "X-WR-CALNAME");
        ok = ok && add(cal, name);
    }
    struct icaltimetype stamp =
        icaltime_from_timet_with_zone(time(NULL), 0, icaltimezone_get_utc_timezone());
    for (size_t k = 0; ok && k < t.n; k++)
        ok = add_event(cal, &t.v[k], stamp);
    free(t.v);
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
