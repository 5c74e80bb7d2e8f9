/**
 * @file internal.h
 * Shared inside src/rounds/ only: why a route is infeasible, so that the
 * checker can name the rule broken while mg_rounds_schedule stays a yes/no.
 */
#ifndef MG_ROUNDS_INTERNAL_H
#define MG_ROUNDS_INTERNAL_H

#include "rounds/rounds.h"

enum rounds_fault {
    ROUNDS_FEASIBLE = 0,
    ROUNDS_BAD_ROUTE,   /* vehicle, week or weekday out of range or not a working day */
    ROUNDS_TOO_LONG,    /* more than MG_ROUNDS_MAX_VISITS visits */
    ROUNDS_BAD_STOP,    /* a stop index past nstops */
    ROUNDS_TWICE,       /* a stop twice in the route */
    ROUNDS_NO_ROAD,     /* INT32_MAX between two consecutive nodes */
    ROUNDS_BREAK,       /* no visit after which the break can start in its window */
    ROUNDS_DAY_END,     /* back at the base after day_end */
    ROUNDS_DRIVE,       /* more than max_drive minutes of driving */
};

/** mg_rounds_schedule, returning the first rule broken (ROUNDS_FEASIBLE: none). */
enum rounds_fault rounds_schedule_fault(const mg_rounds_problem *p, mg_rounds_route *r);

/** A short English phrase for a fault. */
const char *rounds_fault_name(enum rounds_fault f);

#endif
