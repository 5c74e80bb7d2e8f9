/* The exact model: a mixed-integer program per objective, built through
 * CBC's C interface and solved in a child process, so that a solver that
 * runs out of memory or time cannot take the program (or the web server)
 * down with it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Cbc_C_Interface.h>

#include "core/alloc.h"
#include "geo/geo.h"
#include "parse/parse.h"
#include "plan/internal.h"

const char *mg_plan_exact_status_name(enum mg_plan_exact_status s)
{
    switch (s) {
    case MG_PLAN_OPTIMAL: return "optimal";
    case MG_PLAN_TIME_LIMIT: return "time limit";
    case MG_PLAN_NO_SOLUTION: return "no solution";
    case MG_PLAN_INFEASIBLE: return "infeasible";
    case MG_PLAN_FAILED: return "failed";
    }
    return "?";
}

void mg_plan_exact_result_free(mg_plan_exact_result *r)
{
    if (r)
        mg_plan_solution_free(&r->sol);
}

/* A growable row being assembled. */
typedef struct row {
    int *col;
    double *val;
    size_t n, cap;
} row;

static int row_add(row *r, int col, double val)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        int *c = mg_realloc_array(r->col, cap, sizeof *c);
        if (!c)
            return MG_ENOMEM;
        r->col = c;
        double *v = mg_realloc_array(r->val, cap, sizeof *v);
        if (!v)
            return MG_ENOMEM;
        r->val = v;
        r->cap = cap;
    }
    r->col[r->n] = col;
    r->val[r->n] = val;
    r->n++;
    return MG_OK;
}

/* What the child sends back, followed by `nsel` mg_plan_item. */
typedef struct wire {
    int status;
    double objective, bound, seconds;
    size_t columns, rows, nsel;
} wire;

/*
 * Builds the model into m. Columns 0 … ncand·nkinds − 1 are the sites
 * x_ck (binary), the others the objective's auxiliaries. CBC minimises, so
 * the objective is −gain.
 */
static int build(Cbc_Model *m, const mg_plan_problem *p, size_t *ncols, size_t *nrows)
{
    size_t K = p->nkinds, nx = p->ncand * K, nr = 0;
    int col = 0;
    for (size_t c = 0; c < p->ncand; c++)
        for (size_t k = 0; k < K; k++, col++)
            Cbc_addCol(m, "", 0, p->kinds[k].max_count > 0 ? 1 : 0, 0, 1, 0, NULL, NULL);
    row r = {0};
    int rc = MG_OK;
    /* Units by candidate are in the columns; the rows need candidates by
     * unit, so transpose once. */
    size_t nz = p->cstart[p->ncand];
    size_t *ustart = mg_alloc_array(p->n + 1, sizeof *ustart);
    uint32_t *ucand = mg_alloc_array(nz ? nz : 1, sizeof *ucand);
    size_t *uq = mg_alloc_array(nz ? nz : 1, sizeof *uq), *fill = mg_alloc_array(p->n + 1, sizeof *fill);
    if (!ustart || !ucand || !uq || !fill) {
        rc = MG_ENOMEM;
        goto done;
    }
    for (size_t q = 0; q < nz; q++)
        ustart[p->cunit[q] + 1]++;
    for (size_t u = 0; u < p->n; u++)
        ustart[u + 1] += ustart[u];
    for (uint32_t c = 0; c < p->ncand; c++)
        for (size_t q = p->cstart[c]; q < p->cstart[c + 1]; q++) {
            size_t at = ustart[p->cunit[q]] + fill[p->cunit[q]]++;
            ucand[at] = c;
            uq[at] = q;
        }
    for (size_t u = 0; u < p->n; u++) {
        double theta = p->threshold;
        switch (p->objective) {
        case MG_PLAN_DEFICIT:
        case MG_PLAN_LIFTED: {
            if (!(p->base[u] < theta) || p->pop[u] <= 0)
                break;
            r.n = 0;
            for (size_t a = ustart[u]; a < ustart[u + 1]; a++) {
                size_t c = ucand[a], q = uq[a];
                for (size_t k = 0; k < K; k++) {
                    double coef = p->cw[q] * p->kinds[k].capacity * p->cfactor[c];
                    if (coef > 0 && (rc = row_add(&r, (int)(c * K + k), -coef)))
                        goto done;
                }
            }
            if (r.n == 0)
                break;
            double gap = theta - p->base[u];
            if (p->objective == MG_PLAN_DEFICIT) {
                /* r_u ≤ Σ a x, 0 ≤ r_u ≤ θ − A_u: the deficit removed. */
                Cbc_addCol(m, "", 0, gap, -p->pop[u], 0, 0, NULL, NULL);
                if ((rc = row_add(&r, col, 1)))
                    goto done;
            } else {
                /* (θ − A_u)·y_u ≤ Σ a x, y_u binary: lifted. */
                Cbc_addCol(m, "", 0, 1, -p->pop[u], 1, 0, NULL, NULL);
                if ((rc = row_add(&r, col, gap)))
                    goto done;
            }
            col++;
            Cbc_addRow(m, "", (int)r.n, r.col, r.val, 'L', 0);
            nr++;
            break;
        }
        case MG_PLAN_COVERAGE: {
            double target = plan_target(p, u);
            if (target <= 0)
                break;
            r.n = 0;
            for (size_t a = ustart[u]; a < ustart[u + 1]; a++)
                if (p->cmin[uq[a]] <= p->coverage_minutes)
                    for (size_t k = 0; k < K; k++)
                        if ((rc = row_add(&r, (int)(ucand[a] * K + k), -1)))
                            goto done;
            if (r.n == 0)
                break;
            /* z_u ≤ Σ x over sites within T, z_u ≤ 1. */
            Cbc_addCol(m, "", 0, 1, -target, 0, 0, NULL, NULL);
            if ((rc = row_add(&r, col++, 1)))
                goto done;
            Cbc_addRow(m, "", (int)r.n, r.col, r.val, 'L', 0);
            nr++;
            break;
        }
        case MG_PLAN_PMEDIAN: {
            /* v_uc ≤ Σ_k x_ck, Σ_c v_uc ≤ 1: unit u goes to at most one
             * new site, nearer than its current practice. */
            row assign = {0};
            for (size_t a = ustart[u]; a < ustart[u + 1]; a++) {
                size_t c = ucand[a], q = uq[a];
                double save = p->base_minutes[u] - p->cmin[q];
                if (!(save > 0) || p->pop[u] <= 0)
                    continue;
                Cbc_addCol(m, "", 0, 1, -p->pop[u] * save, 0, 0, NULL, NULL);
                r.n = 0;
                for (size_t k = 0; k < K; k++)
                    if ((rc = row_add(&r, (int)(c * K + k), -1)))
                        break;
                if (rc || (rc = row_add(&r, col, 1)) || (rc = row_add(&assign, col, 1))) {
                    free(assign.col);
                    free(assign.val);
                    goto done;
                }
                col++;
                Cbc_addRow(m, "", (int)r.n, r.col, r.val, 'L', 0);
                nr++;
            }
            if (assign.n > 1) {
                Cbc_addRow(m, "", (int)assign.n, assign.col, assign.val, 'L', 1);
                nr++;
            }
            free(assign.col);
            free(assign.val);
            break;
        }
        case MG_PLAN_OBJECTIVE_COUNT:
            break;
        }
    }
    /* Counts per kind. */
    for (size_t k = 0; k < K; k++) {
        r.n = 0;
        for (size_t c = 0; c < p->ncand; c++)
            if ((rc = row_add(&r, (int)(c * K + k), 1)))
                goto done;
        Cbc_addRow(m, "", (int)r.n, r.col, r.val, 'L', (double)p->kinds[k].max_count);
        nr++;
    }
    if (plan_has_budget(p)) {
        r.n = 0;
        for (size_t i = 0; i < nx; i++)
            if ((rc = row_add(&r, (int)i, p->kinds[i % K].cost)))
                goto done;
        Cbc_addRow(m, "", (int)r.n, r.col, r.val, 'L', p->budget);
        nr++;
    }
    if (p->min_km > 0) {
        /* At most one site per commune, and none closer than min_km. */
        for (size_t c = 0; c < p->ncand; c++) {
            if (K > 1) {
                r.n = 0;
                for (size_t k = 0; k < K; k++)
                    if ((rc = row_add(&r, (int)(c * K + k), 1)))
                        goto done;
                Cbc_addRow(m, "", (int)r.n, r.col, r.val, 'L', 1);
                nr++;
            }
            for (size_t c2 = c + 1; c2 < p->ncand; c2++) {
                if (!(mg_geo_distance_km(p->clat[c], p->clon[c], p->clat[c2], p->clon[c2]) <
                      p->min_km))
                    continue;
                r.n = 0;
                for (size_t k = 0; k < K; k++)
                    if ((rc = row_add(&r, (int)(c * K + k), 1)) ||
                        (rc = row_add(&r, (int)(c2 * K + k), 1)))
                        goto done;
                Cbc_addRow(m, "", (int)r.n, r.col, r.val, 'L', 1);
                nr++;
            }
        }
    }
    *ncols = (size_t)col;
    *nrows = nr;
done:
    free(r.col);
    free(r.val);
    free(ustart);
    free(ucand);
    free(uq);
    free(fill);
    return rc;
}

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

/* Address space in use now, so that the limit adds `extra` to it: a
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

/* The child: builds, solves, writes the outcome, exits without running
 * the parent's exit handlers. */
static void child(const mg_plan_problem *p, const mg_plan_exact_opts *o, int fd)
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
    double t0 = plan_now();
    wire w = {.status = MG_PLAN_FAILED};
    Cbc_Model *m = Cbc_newModel();
    if (!m || build(m, p, &w.columns, &w.rows)) {
        write_all(fd, &w, sizeof w);
        _exit(1);
    }
    Cbc_setLogLevel(m, 0);
    Cbc_setMaximumSeconds(m, o->time_limit);
    Cbc_setAllowableFractionGap(m, 1e-9);
    Cbc_setParameter(m, "threads", "1");
    if (o->start && o->start->n > 0) {
        int *idx = mg_alloc_array(o->start->n, sizeof *idx);
        double *one = mg_alloc_array(o->start->n, sizeof *one);
        if (idx && one) {
            for (size_t k = 0; k < o->start->n; k++) {
                idx[k] = (int)(o->start->items[k].cand * p->nkinds + o->start->items[k].kind);
                one[k] = 1;
            }
            Cbc_setMIPStartI(m, (int)o->start->n, idx, one);
        }
        free(idx);
        free(one);
    }
    Cbc_solve(m);
    w.seconds = plan_now() - t0;
    const double *x = Cbc_bestSolution(m);
    size_t nx = p->ncand * p->nkinds;
    if (Cbc_isProvenInfeasible(m))
        w.status = MG_PLAN_INFEASIBLE;
    else if (!x)
        w.status = MG_PLAN_NO_SOLUTION;
    else
        w.status = Cbc_isProvenOptimal(m) ? MG_PLAN_OPTIMAL : MG_PLAN_TIME_LIMIT;
    mg_plan_item *sel = mg_alloc_array(nx ? nx : 1, sizeof *sel);
    if (x && sel)
        for (size_t i = 0; i < nx; i++)
            if (x[i] > 0.5)
                sel[w.nsel++] = (mg_plan_item){(uint32_t)(i / p->nkinds), (uint32_t)(i % p->nkinds)};
    w.objective = x ? -Cbc_getObjValue(m) : NAN;
    w.bound = -Cbc_getBestPossibleObjValue(m);
    if (w.status == MG_PLAN_OPTIMAL && x)
        w.bound = w.objective;
    int ok = write_all(fd, &w, sizeof w) == 0 &&
             write_all(fd, sel, w.nsel * sizeof *sel) == 0;
    _exit(ok ? 0 : 1);
}

/* Reads exactly len bytes before the deadline; -1 on end, error or time. */
static int read_until(int fd, void *buf, size_t len, double deadline)
{
    char *s = buf;
    while (len > 0) {
        double left = deadline - plan_now();
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

int mg_plan_exact(const mg_plan_problem *p, const mg_plan_exact_opts *o,
                  mg_plan_exact_result *out, mg_diag *d)
{
    return mg_plan_exact_why(p, o, out, NULL, d);
}

int mg_plan_exact_why(const mg_plan_problem *p, const mg_plan_exact_opts *o,
                      mg_plan_exact_result *out, mg_plan_why *why, mg_diag *d)
{
    *out = (mg_plan_exact_result){.status = MG_PLAN_FAILED, .objective = NAN, .bound = NAN};
    int rc = mg_plan_problem_check_why(p, why, d);
    if (rc)
        return rc;
    if (!(o->time_limit > 0) || o->time_limit > 86400) {
        if (why)
            why->value = o->time_limit;
        return plan_why(why, MG_PLAN_ERR_TIME_LIMIT,
                        mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                    "time limit %g s: expected 0 < s <= 86400", o->time_limit));
    }
    if (p->ncand * p->nkinds > (size_t)1 << 30)
        return plan_why(why, MG_PLAN_ERR_MODEL_TOO_BIG,
                        mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                                    "too many candidate sites for the exact model"));
    double t0 = plan_now();
    int fds[2];
    if (pipe(fds) != 0)
        return plan_why(why, MG_PLAN_ERR_SOLVER,
                        mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot start the solver: %s",
                                    strerror(errno)));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(fds[0]);
        close(fds[1]);
        return plan_why(why, MG_PLAN_ERR_SOLVER,
                        mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot start the solver: %s",
                                    strerror(err)));
    }
    if (pid == 0) {
        close(fds[0]);
        /* The backstop: CBC checks its time limit between nodes only, and
         * building a huge model is not timed at all. */
        alarm((unsigned)(o->time_limit * 2 + 30));
        child(p, o, fds[1]);
    }
    close(fds[1]);
    double deadline = t0 + o->time_limit * 2 + 30;
    wire w;
    mg_plan_item *sel = NULL;
    int got = read_until(fds[0], &w, sizeof w, deadline) == 0 && w.nsel <= p->ncand * p->nkinds;
    if (got && w.nsel > 0) {
        sel = mg_alloc_array(w.nsel, sizeof *sel);
        got = sel && read_until(fds[0], sel, w.nsel * sizeof *sel, deadline) == 0;
    }
    close(fds[0]);
    if (!got)
        kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    out->seconds = plan_now() - t0;
    if (!got) {
        free(sel);
        out->status = MG_PLAN_FAILED;
        return MG_OK;
    }
    out->status = (enum mg_plan_exact_status)w.status;
    out->objective = w.objective;
    out->bound = w.bound;
    out->columns = w.columns;
    out->rows = w.rows;
    out->sol.items = sel;
    out->sol.n = w.nsel;
    out->sol.seconds = w.seconds;
    for (size_t k = 0; k < w.nsel; k++)
        out->sol.cost += p->kinds[sel[k].kind].cost;
    if (w.nsel > 0 && (rc = mg_plan_value(p, sel, w.nsel, &out->sol.value))) {
        mg_plan_exact_result_free(out);
        return plan_why(why, MG_PLAN_ERR_MEMORY, mg_diag_set(d, rc, NULL, 0, 0, "out of memory"));
    }
    return MG_OK;
}
