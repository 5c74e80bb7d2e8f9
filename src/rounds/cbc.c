/* One CBC model solved in a child process (see cbc.h): a solver that runs
 * out of memory or time cannot take the program, or the web server, down
 * with it. The parent only reads a fixed header and the values through a
 * pipe, with a deadline. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "parse/parse.h"
#include "rounds/cbc.h"

double rounds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void rounds_cbc_out_free(rounds_cbc_out *out)
{
    if (!out)
        return;
    free(out->col);
    free(out->val);
    out->col = NULL;
    out->val = NULL;
    out->n = 0;
}

/* What the child sends first, followed by n column indices (uint32_t) and
 * n values (double). */
typedef struct wire {
    int status, infeasible;
    double objective, bound, seconds;
    size_t n;
} wire;

static int write_all(int fd, const void *buf, size_t len)
{
    const char *s = buf;
    while (len > 0) {
        ssize_t w = write(fd, s, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads exactly len bytes before the deadline; -1 on end, error or time. */
static int read_until(int fd, void *buf, size_t len, double deadline)
{
    char *s = buf;
    while (len > 0) {
        double left = deadline - rounds_now();
        if (left <= 0)
            return -1;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int pr = poll(&pf, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        ssize_t r = read(fd, s, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        s += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Address space in use now, so that the limit adds memory_mb to it: a
 * sanitizer build reserves terabytes of shadow memory up front. */
static rlim_t address_space_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    int64_t pages = 0;
    if (f) {
        char line[256];
        /* The first field: the program's size in pages. */
        if (fgets(line, sizeof line, f) &&
            mg_parse_c_int(line, strspn(line, "0123456789"), 0, INT64_MAX, &pages, NULL))
            pages = 0;
        fclose(f);
    }
    return (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
}

/* The child: builds, solves, writes the outcome, exits without running the
 * parent's exit handlers. */
static void child(rounds_cbc_build_fn build, const void *ctx, size_t nreport,
                  const mg_rounds_exact_opts *o, int fd)
{
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        /* CBC prints on stdout even at log level 0. */
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    if (o->memory_mb > 0) {
        rlim_t lim = address_space_now() + (rlim_t)o->memory_mb * 1024 * 1024;
        struct rlimit rl = {lim, lim};
        setrlimit(RLIMIT_AS, &rl);
    }
    double t0 = rounds_now();
    wire w = {.status = MG_ROUNDS_FAILED, .objective = NAN, .bound = NAN};
    Cbc_Model *m = Cbc_newModel();
    if (!m || build(m, ctx)) {
        write_all(fd, &w, sizeof w);
        _exit(1);
    }
    Cbc_setLogLevel(m, 0);
    Cbc_setMaximumSeconds(m, o->time_limit);
    Cbc_setAllowableFractionGap(m, 1e-9);
    Cbc_setAllowableGap(m, 1e-9);
    Cbc_setParameter(m, "threads", "1");
    Cbc_solve(m);
    w.seconds = rounds_now() - t0;
    size_t ncols = (size_t)Cbc_getNumCols(m);
    if (nreport > ncols)
        nreport = ncols;
    const double *x;
    if (Cbc_getNumIntegers(m) == 0) {
        /* A linear programme: CBC stops after the root's LP, whose
         * solution is not reported as an integer one. */
        w.infeasible = Cbc_isInitialSolveProvenPrimalInfeasible(m) != 0;
        int solved = Cbc_isInitialSolveProvenOptimal(m) != 0;
        x = solved ? Cbc_getColSolution(m) : NULL;
        w.status = solved ? MG_ROUNDS_OPTIMAL : MG_ROUNDS_NO_PLAN;
    } else {
        x = Cbc_bestSolution(m);
        w.infeasible = Cbc_isProvenInfeasible(m) != 0;
        if (!x)
            w.status = MG_ROUNDS_NO_PLAN;
        else
            w.status = Cbc_isProvenOptimal(m) ? MG_ROUNDS_OPTIMAL : MG_ROUNDS_TIME_LIMIT;
    }
    uint32_t *col = mg_alloc_array(nreport ? nreport : 1, sizeof *col);
    double *val = mg_alloc_array(nreport ? nreport : 1, sizeof *val);
    if (!col || !val) {
        w.status = MG_ROUNDS_FAILED;
        write_all(fd, &w, sizeof w);
        _exit(1);
    }
    if (x)
        for (size_t j = 0; j < nreport; j++)
            if (fabs(x[j]) > 1e-9) {
                col[w.n] = (uint32_t)j;
                val[w.n++] = x[j];
            }
    w.objective = x ? Cbc_getObjValue(m) : NAN;
    w.bound = Cbc_getBestPossibleObjValue(m);
    if (w.status == MG_ROUNDS_OPTIMAL)
        w.bound = w.objective;
    int ok = write_all(fd, &w, sizeof w) == 0 && write_all(fd, col, w.n * sizeof *col) == 0 &&
             write_all(fd, val, w.n * sizeof *val) == 0;
    _exit(ok ? 0 : 1);
}

int rounds_cbc_run(rounds_cbc_build_fn build, const void *ctx, size_t nreport,
                   const mg_rounds_exact_opts *o, rounds_cbc_out *out, mg_diag *d)
{
    *out = (rounds_cbc_out){.status = MG_ROUNDS_FAILED, .objective = NAN, .bound = NAN};
    double t0 = rounds_now();
    int fds[2];
    if (pipe(fds) != 0)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot start the solver: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(fds[0]);
        close(fds[1]);
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot start the solver: %s", strerror(err));
    }
    if (pid == 0) {
        close(fds[0]);
        /* The backstop: CBC checks its time limit between nodes only, and
         * building a model is not timed at all. */
        alarm((unsigned)(o->time_limit * 2 + 30));
        child(build, ctx, nreport, o, fds[1]);
    }
    close(fds[1]);
    double deadline = t0 + o->time_limit * 2 + 30;
    wire w;
    int got = read_until(fds[0], &w, sizeof w, deadline) == 0 && w.n <= nreport;
    if (got && w.n > 0) {
        out->col = mg_alloc_array(w.n, sizeof *out->col);
        out->val = mg_alloc_array(w.n, sizeof *out->val);
        got = out->col && out->val &&
              read_until(fds[0], out->col, w.n * sizeof *out->col, deadline) == 0 &&
              read_until(fds[0], out->val, w.n * sizeof *out->val, deadline) == 0;
    }
    close(fds[0]);
    if (!got)
        kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!got || w.status < MG_ROUNDS_OPTIMAL || w.status > MG_ROUNDS_FAILED) {
        rounds_cbc_out_free(out);
        out->status = MG_ROUNDS_FAILED;
        out->seconds = rounds_now() - t0;
        return MG_OK;
    }
    out->status = (enum mg_rounds_exact_status)w.status;
    out->infeasible = w.infeasible;
    out->objective = w.objective;
    out->bound = w.bound;
    out->seconds = w.seconds;
    out->n = w.n;
    return MG_OK;
}
