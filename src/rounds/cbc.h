/* Private to src/rounds: runs one CBC model in a child process with a time
 * and memory limit and brings the outcome back through a pipe, as
 * src/plan/mip.c does for the planning model (exact.c and bound.c share
 * it). */
#ifndef MG_ROUNDS_CBC_H
#define MG_ROUNDS_CBC_H

#include <stddef.h>
#include <stdint.h>

#include <Cbc_C_Interface.h>

#include "rounds/rounds.h"

/* Builds the model into m from ctx; 0 or a negative MG_E… code. Runs in
 * the child: it may allocate freely, the child exits after solving. */
typedef int (*rounds_cbc_build_fn)(Cbc_Model *m, const void *ctx);

typedef struct rounds_cbc_out {
    enum mg_rounds_exact_status status; /* FAILED when the child died or built nothing */
    int infeasible;      /* CBC proved the model infeasible */
    double objective;    /* CBC's (minimised) objective of its best solution; NAN: none */
    double bound;        /* CBC's best possible objective (a lower bound) */
    double seconds;      /* in the solver, as the child measured it */
    size_t n;            /* nonzero values among the first `nreport` columns */
    uint32_t *col;       /* their columns, increasing */
    double *val;         /* their values */
} rounds_cbc_out;

/* Monotonic seconds. */
double rounds_now(void);

/*
 * Forks, builds and solves (CBC minimises; one thread; log off), sends the
 * best solution's nonzero values among columns 0 … nreport − 1. Waits at
 * most 2·time_limit + 30 s for the child, then kills it. Returns MG_EIO
 * when no child could be started; a child that dies is status FAILED.
 * Free out with rounds_cbc_out_free.
 */
int rounds_cbc_run(rounds_cbc_build_fn build, const void *ctx, size_t nreport,
                   const mg_rounds_exact_opts *o, rounds_cbc_out *out, mg_diag *d) MG_WARN_UNUSED;
void rounds_cbc_out_free(rounds_cbc_out *out);

#endif
