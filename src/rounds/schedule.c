/* The earliest schedule of one route.
 *
 * The vehicle leaves its base at day_start (leaving later never helps: the
 * only lower bound on a time is break_earliest, and the crew may wait for
 * it), drives to each stop in order and stays its service minutes there,
 * with no waiting. Let D_j be the departure from visit j on that schedule
 * without a break and T the return. Taking the break after visit j starts
 * it at max(D_j, break_earliest), which must be <= break_latest, and shifts
 * everything after it by break_minutes plus the wait max(0, be - D_j); the
 * return is then T + break_minutes + max(0, be - D_j). Nothing else depends
 * on where the break is (driving does not), so the earliest return over all
 * placements is the only thing to choose, and since D_j increases with j:
 *  - the break goes after the first visit j with be <= D_j, if D_j <= bl
 *    (no wait; it is the first visit where the break fits);
 *  - otherwise after the visit just before it (the last one with D_j < be,
 *    possibly the last visit of the route), waiting until be: the least
 *    wait among the placements that meet the window;
 *  - and if there is no such visit (the first departure is already past
 *    break_latest), the route is infeasible.
 * So the schedule is feasible if and only if some placement of the break
 * is, and no placement returns earlier. An empty route takes no break. */
#include <stdint.h>

#include "rounds/internal.h"

const char *rounds_fault_name(enum rounds_fault f)
{
    switch (f) {
    case ROUNDS_FEASIBLE:
        return "feasible";
    case ROUNDS_BAD_ROUTE:
        return "vehicle, week or day out of range or not a working day";
    case ROUNDS_TOO_LONG:
        return "too many visits";
    case ROUNDS_BAD_STOP:
        return "a stop out of range";
    case ROUNDS_TWICE:
        return "a stop visited twice";
    case ROUNDS_NO_ROAD:
        return "no road between two consecutive places";
    case ROUNDS_BREAK:
        return "no visit after which the break can start within its window";
    case ROUNDS_DAY_END:
        return "back at the base after the end of the day";
    case ROUNDS_DRIVE:
        return "more driving than the daily limit";
    }
    return "unknown fault";
}

enum rounds_fault rounds_schedule_fault(const mg_rounds_problem *p, mg_rounds_route *r)
{
    if (r->vehicle >= p->nvehicles || r->week >= (uint32_t)p->cycle_weeks || r->weekday > 6)
        return ROUNDS_BAD_ROUTE;
    const mg_rounds_vehicle *v = &p->vehicles[r->vehicle];
    if (!((v->weekdays >> r->weekday) & 1u))
        return ROUNDS_BAD_ROUTE;
    if (r->n > MG_ROUNDS_MAX_VISITS || (r->n && !r->visits))
        return ROUNDS_TOO_LONG;
    r->leave = v->day_start;
    r->back = v->day_start;
    r->break_after = -1;
    r->break_start = 0;
    r->drive = 0;
    if (r->n == 0)
        return ROUNDS_FEASIBLE;

    size_t nn = mg_rounds_nnodes(p), base = p->nstops + v->base;
    for (size_t j = 0; j < r->n; j++) {
        if (r->visits[j].stop >= p->nstops)
            return ROUNDS_BAD_STOP;
        for (size_t k = 0; k < j; k++)
            if (r->visits[k].stop == r->visits[j].stop)
                return ROUNDS_TWICE;
    }
    /* Times without the break. Any time past day_end is a failure, so the
     * running clock stays far from overflowing int32 when stored. */
    int64_t t = v->day_start, drive = 0;
    size_t prev = base;
    for (size_t j = 0; j < r->n; j++) {
        size_t s = r->visits[j].stop;
        int32_t tt = p->travel[prev * nn + s];
        if (tt == INT32_MAX)
            return ROUNDS_NO_ROAD;
        t += tt;
        drive += tt;
        r->visits[j].arrive = (int32_t)(t > v->day_end ? v->day_end : t);
        t += p->service[s];
        if (t > v->day_end)
            return ROUNDS_DAY_END;
        r->visits[j].depart = (int32_t)t;
        prev = s;
    }
    int32_t tt = p->travel[prev * nn + base];
    if (tt == INT32_MAX)
        return ROUNDS_NO_ROAD;
    t += tt;
    drive += tt;

    if (v->break_minutes > 0) {
        int32_t be = v->break_earliest, bl = v->break_latest;
        size_t first = r->n; /* first visit with D_j >= be */
        for (size_t j = 0; j < r->n; j++)
            if (r->visits[j].depart >= be) {
                first = j;
                break;
            }
        size_t k;
        if (first < r->n && r->visits[first].depart <= bl)
            k = first;
        else if (first > 0)
            k = first - 1;
        else
            return ROUNDS_BREAK;
        int32_t start = r->visits[k].depart > be ? r->visits[k].depart : be;
        int64_t shift = (int64_t)(start - r->visits[k].depart) + v->break_minutes;
        r->break_after = (int32_t)k;
        r->break_start = start;
        t += shift;
        if (t > v->day_end)
            return ROUNDS_DAY_END;
        for (size_t j = k + 1; j < r->n; j++) {
            r->visits[j].arrive += (int32_t)shift;
            r->visits[j].depart += (int32_t)shift;
        }
    }
    if (t > v->day_end)
        return ROUNDS_DAY_END;
    r->back = (int32_t)t;
    r->drive = (int32_t)(drive > INT32_MAX ? INT32_MAX : drive);
    if (v->max_drive > 0 && drive > v->max_drive)
        return ROUNDS_DRIVE;
    return ROUNDS_FEASIBLE;
}

bool mg_rounds_schedule(const mg_rounds_problem *p, mg_rounds_route *r)
{
    return rounds_schedule_fault(p, r) == ROUNDS_FEASIBLE;
}
