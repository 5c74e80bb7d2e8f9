/*
 * A service's publication as the public timetable's input (published.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "parse/parse.h"
#include "rounds/published.h"

#define OOM(d) mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory")

int mg_round_date_parse(const char *s, mg_rounds_date *out)
{
    mg_date date;
    mg_parse_error why = MG_PARSE_OK;
    if (!s || mg_parse_date(s, &date, &why) != 0)
        return MG_EINVAL;
    *out = (mg_rounds_date){date.year, date.month, date.day};
    return 0;
}

void mg_round_published_free(mg_round_published *p)
{
    if (!p)
        return;
    mg_round_plan_clear(&p->plan);
    free(p->routes);
    free(p->visits);
    free(p->holiday_rows);
    free(p->holidays);
    free(p->cancel_rows);
    free(p->cancellations);
    memset(p, 0, sizeof *p);
}

int mg_round_published_load(mg_db *db, int64_t service_id, mg_round_published *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    int rc = mg_round_service_get(db, service_id, &out->row, d);
    if (rc != 0)
        return rc;
    if (out->row.published_plan_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                           "mobile service %lld publishes no rounds", (long long)service_id);
    if ((rc = mg_round_plan_get(db, out->row.published_plan_id, &out->plan, d)) != 0)
        goto fail;
    size_t nh = 0, nc = 0;
    char zone[2] = {out->row.school_zone, 0};
    if ((rc = mg_round_holidays_list(db, zone, NULL, NULL, &out->holiday_rows, &nh, d)) != 0)
        goto fail;
    if ((rc = mg_round_cancellation_list(db, service_id, NULL, NULL, &out->cancel_rows, &nc, d)) != 0)
        goto fail;
    size_t nr = out->plan.nroutes, nv = 0;
    for (size_t r = 0; r < nr; r++)
        nv += out->plan.routes[r].n;
    out->routes = mg_alloc_array(nr ? nr : 1, sizeof *out->routes);
    out->visits = mg_alloc_array(nv ? nv : 1, sizeof *out->visits);
    out->holidays = mg_alloc_array(nh ? nh : 1, sizeof *out->holidays);
    out->cancellations = mg_alloc_array(nc ? nc : 1, sizeof *out->cancellations);
    if (!out->routes || !out->visits || !out->holidays || !out->cancellations) {
        rc = OOM(d);
        goto fail;
    }
    size_t k = 0;
    for (size_t r = 0; r < nr; r++) {
        const mg_round_plan_route *a = &out->plan.routes[r];
        out->routes[r] = (mg_rounds_pub_route){.id = a->id,
                                           .vehicle = a->vehicle_name,
                                           .week = a->week,
                                           .weekday = a->weekday,
                                           .visits = out->visits + k,
                                           .nvisits = a->n};
        for (size_t i = 0; i < a->n; i++, k++)
            out->visits[k] = (mg_rounds_pub_visit){.stop_id = a->visits[i].stop_id,
                                               .stop_name = a->visits[i].stop_name,
                                               .commune_code = a->visits[i].commune_code,
                                               .commune_name = a->visits[i].commune_name,
                                               .arrival = a->visits[i].arrive,
                                               .departure = a->visits[i].depart};
    }
    size_t h = 0;
    for (size_t i = 0; i < nh; i++) {
        mg_rounds_holiday x = {.description = out->holiday_rows[i].description};
        if (mg_round_date_parse(out->holiday_rows[i].first_day, &x.first) == 0 &&
            mg_round_date_parse(out->holiday_rows[i].last_day, &x.last) == 0)
            out->holidays[h++] = x;
    }
    size_t c = 0;
    for (size_t i = 0; i < nc; i++) {
        const mg_round_cancellation *x = &out->cancel_rows[i];
        mg_rounds_cancellation y = {.stop_id = x->stop_id,
                                    .vehicle = x->vehicle_id > 0 ? x->vehicle_name : NULL,
                                    .reason = x->reason};
        if (mg_round_date_parse(x->on_date, &y.date) == 0)
            out->cancellations[c++] = y;
    }
    mg_rounds_date anchor;
    if (mg_round_date_parse(out->row.anchor_monday, &anchor) != 0) {
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "service %lld: anchor \"%s\" is not a date",
                         (long long)service_id, out->row.anchor_monday);
        goto fail;
    }
    out->svc = (mg_rounds_service){
        .id = out->row.id,
        .name = out->row.name,
        .organisation = out->row.organisation_name,
        .contact = out->row.contact,
        .runs_in_school_holidays = out->row.runs_in_holidays,
        .cycle_weeks = out->plan.cycle_weeks,
        .anchor = anchor,
        .valid_from = anchor,
        .valid_to = mg_rounds_date_of(mg_rounds_days(anchor) + 3652),
        .routes = out->routes,
        .nroutes = nr,
        .holidays = out->holidays,
        .nholidays = h,
        .cancellations = out->cancellations,
        .ncancellations = c,
    };
    return 0;
fail:
    mg_round_published_free(out);
    return rc;
}
