/* The rounds heuristic: a lazy greedy insertion of visits by gain per
 * added minute, then a local search (2-opt and relocation inside a route,
 * relocation and exchange between routes, useless visits dropped, visits
 * added, a visit swapped for a better unserved stop, room made for one by
 * moving a visit to another route, directly or by a chain of two), then
 * perturbations (a few visits, one or two routes or a neighbourhood
 * removed, refilled and searched again) followed by a walk that keeps the
 * best plan. docs/rounds-method.md states the method.
 *
 * Every route is timed by mg_rounds_schedule, so the heuristic can only
 * return plans the checker accepts. The objective depends only on how many
 * times each stop is visited; a plan is better when its gain is higher, or
 * equal with less time on the road (minutes away from the base, then
 * driving minutes). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "rounds/rounds.h"

/* A route's cost: minutes away from the base * TIME_SCALE + driving
 * minutes (both <= 1440, so driving only breaks ties). */
#define TIME_SCALE 4096
#define NO_FIT INT64_MAX
/* Perturbations in a row without improvement before the search stops. */
#define PATIENCE 120
#define MAX_ROUNDS 4000
/* The walk of the perturbations returns to the best plan after RESTART
 * rounds without improvement, and accepts a plan up to ACCEPT below its
 * current gain. */
#define RESTART 10
#define ACCEPT 0.005
/* Candidates tried, best gain first, to replace one visit. */
#define SWAP_TRIES 24
/* Unserved stops, best gain first, for which room is made by moving a
 * visit to another route. */
#define EJECT_TRIES 24
/* Of those, how many also try a chain of two (eject_chain). */
#define CHAIN_TRIES 8

typedef struct hroute {
    uint32_t vehicle, week, weekday;
    uint64_t version; /* unique per content: a change takes a fresh number
                         (64 bits: never wraps, so a cached fit is never
                         taken for another content's) */
    size_t n;
    int64_t cost;
    uint32_t st[MG_ROUNDS_MAX_VISITS];
} hroute;

typedef struct hstate {
    hroute *r;
    uint32_t *cnt;  /* visits over the cycle of stops reaching each unit */
    uint32_t *nvis; /* visits of each stop */
} hstate;

/* Cheapest insertion of a stop into a route, valid while the route's
 * version is `ver`. */
typedef struct hfit {
    int64_t delta;
    uint64_t ver;
    uint8_t pos;
} hfit;

typedef struct hentry {
    double key;
    uint32_t stop;
} hentry;

typedef struct hctx {
    const mg_rounds_problem *p;
    size_t nr;
    uint32_t weeks;
    uint64_t vclock;
    uint64_t rng;
    double deadline;
    mg_rounds_route scr;
    mg_rounds_visit sv[MG_ROUNDS_MAX_VISITS];
    uint32_t tmp[MG_ROUNDS_MAX_VISITS], tmp2[MG_ROUNDS_MAX_VISITS];
    hfit *fits;     /* nstops * nr */
    hentry *heap;   /* nstops */
    size_t hn;
    hentry *cand;   /* nstops: swap candidates */
    uint32_t *pick; /* max(nstops, nr * MG_ROUNDS_MAX_VISITS): scratch */
    double *noise;  /* nstops: factors of the greedy's keys after a perturbation */
    double *gnow, *bonus; /* nstops: swap_pass's gains */
    size_t *ustart;       /* nunits + 1 offsets into ustop: the stops reaching each unit */
    uint32_t *ustop;
    /* tabu[s * nr + r] == round_id: the perturbation of this round took s
     * out of route r; with use_tabu the refill does not put it back there
     * (so that a stop moves instead of returning where it was). */
    uint32_t *tabu;
    uint32_t round_id;
    bool use_tabu;
    hstate cur, best, walk;
} hctx;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool time_up(const hctx *c)
{
    return now_seconds() > c->deadline;
}

/* xorshift64*: the only source of randomness, seeded from the options. */
static uint64_t rnd(hctx *c)
{
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    return c->rng * 0x2545F4914F6CDD1Dull;
}

static size_t rnd_below(hctx *c, size_t n)
{
    return n ? (size_t)(rnd(c) % n) : 0;
}

static bool eligible(const mg_rounds_problem *p, uint32_t s)
{
    return !(p->excluded && p->excluded[s]);
}

static bool pinned(const hctx *c, const hstate *h, uint32_t s)
{
    return c->p->forced && c->p->forced[s] && h->nvis[s] <= 1;
}

/* Cost of a route visiting st[0..n) in order, or false when infeasible. */
static bool eval_seq(hctx *c, const hroute *r, const uint32_t *st, size_t n, int64_t *cost)
{
    if (n == 0) {
        *cost = 0;
        return true;
    }
    c->scr.vehicle = r->vehicle;
    c->scr.week = r->week;
    c->scr.weekday = r->weekday;
    c->scr.n = n;
    c->scr.visits = c->sv;
    for (size_t j = 0; j < n; j++)
        c->sv[j].stop = st[j];
    if (!mg_rounds_schedule(c->p, &c->scr))
        return false;
    *cost = (int64_t)(c->scr.back - c->scr.leave) * TIME_SCALE + c->scr.drive;
    return true;
}

static bool has_stop(const uint32_t *st, size_t n, uint32_t s)
{
    for (size_t j = 0; j < n; j++)
        if (st[j] == s)
            return true;
    return false;
}

/* Cheapest feasible position of s in the sequence st[0..n) of route r:
 * the new cost, or NO_FIT. */
static int64_t best_insert(hctx *c, const hroute *r, const uint32_t *st, size_t n, uint32_t s,
                           size_t *pos)
{
    const mg_rounds_problem *p = c->p;
    const mg_rounds_vehicle *v = &p->vehicles[r->vehicle];
    int64_t best = NO_FIT;
    if (n >= MG_ROUNDS_MAX_VISITS || has_stop(st, n, s))
        return NO_FIT;
    /* A lower bound first: the route's minutes without waiting, plus the
     * detour through s, plus the break; and its driving. A position whose
     * bound breaks the day or the driving limit, or cannot beat the best
     * cost so far, is not scheduled. */
    size_t nn = mg_rounds_nnodes(p), base = p->nstops + v->base;
    int64_t dur = 0, drive = 0;
    for (size_t k = 0; k <= n; k++) {
        size_t a = k ? st[k - 1] : base, b = k < n ? st[k] : base;
        drive += p->travel[a * nn + b];
        dur += (int64_t)p->travel[a * nn + b] + (k < n ? p->service[b] : 0);
    }
    int64_t brk = v->break_minutes > 0 ? v->break_minutes : 0;
    int64_t limit = v->max_drive > 0 ? v->max_drive : INT64_MAX;
    for (size_t k = 0; k <= n; k++) {
        size_t a = k ? st[k - 1] : base, b = k < n ? st[k] : base;
        int64_t in = p->travel[a * nn + s], out = p->travel[(size_t)s * nn + b];
        if (in == INT32_MAX || out == INT32_MAX)
            continue;
        int64_t dt = in + out - p->travel[a * nn + b];
        int64_t lb = dur + dt + p->service[s] + brk;
        if (v->day_start + lb > v->day_end || drive + dt > limit ||
            lb * TIME_SCALE + drive + dt >= best)
            continue;
        memcpy(c->tmp, st, k * sizeof *st);
        c->tmp[k] = s;
        memcpy(c->tmp + k + 1, st + k, (n - k) * sizeof *st);
        int64_t cost;
        if (eval_seq(c, r, c->tmp, n + 1, &cost) && cost < best) {
            best = cost;
            *pos = k;
        }
    }
    return best;
}

/* The cached cheapest insertion of s into route ri of h. */
static const hfit *fit_of(hctx *c, const hstate *h, uint32_t s, size_t ri)
{
    hfit *f = &c->fits[(size_t)s * c->nr + ri];
    const hroute *r = &h->r[ri];
    if (f->ver != r->version) {
        size_t pos = 0;
        int64_t cost = best_insert(c, r, r->st, r->n, s, &pos);
        f->delta = cost == NO_FIT ? NO_FIT : cost - r->cost;
        f->pos = (uint8_t)pos;
        f->ver = r->version;
    }
    return f;
}

static void touch(hctx *c, hroute *r, int64_t cost)
{
    r->cost = cost;
    r->version = ++c->vclock;
}

static void count_stop(const mg_rounds_problem *p, hstate *h, uint32_t s, int dir)
{
    for (size_t k = p->cstart[s]; k < p->cstart[s + 1]; k++)
        h->cnt[p->cunit[k]] += (uint32_t)dir;
    h->nvis[s] += (uint32_t)dir;
}

/* Gain of one more visit of s: each unit it reaches that is not yet
 * reached weeks times in the cycle gains w_u / weeks. */
static double gain_add(const hctx *c, const hstate *h, uint32_t s)
{
    const mg_rounds_problem *p = c->p;
    double g = 0;
    for (size_t k = p->cstart[s]; k < p->cstart[s + 1]; k++)
        if (h->cnt[p->cunit[k]] < c->weeks)
            g += p->weight[p->cunit[k]];
    return g / (double)c->weeks;
}

/* Loss of one visit of s, which is visited. */
static double loss_rm(const hctx *c, const hstate *h, uint32_t s)
{
    const mg_rounds_problem *p = c->p;
    double g = 0;
    for (size_t k = p->cstart[s]; k < p->cstart[s + 1]; k++)
        if (h->cnt[p->cunit[k]] <= c->weeks)
            g += p->weight[p->cunit[k]];
    return g / (double)c->weeks;
}

static void insert_at(hctx *c, hstate *h, size_t ri, size_t pos, uint32_t s, int64_t cost)
{
    hroute *r = &h->r[ri];
    memmove(r->st + pos + 1, r->st + pos, (r->n - pos) * sizeof *r->st);
    r->st[pos] = s;
    r->n++;
    touch(c, r, cost);
    count_stop(c->p, h, s, +1);
}

static void remove_at(hctx *c, hstate *h, size_t ri, size_t pos, int64_t cost)
{
    hroute *r = &h->r[ri];
    uint32_t s = r->st[pos];
    memmove(r->st + pos, r->st + pos + 1, (r->n - pos - 1) * sizeof *r->st);
    r->n--;
    touch(c, r, cost);
    count_stop(c->p, h, s, -1);
}

/* The cheapest insertion of s over all routes (but the route a
 * perturbation just took it from, when tabu is on); false when none fits. */
static bool best_fit(hctx *c, const hstate *h, uint32_t s, size_t *ri, size_t *pos,
                     int64_t *delta)
{
    *delta = NO_FIT;
    for (size_t i = 0; i < c->nr; i++) {
        if (c->use_tabu && c->tabu[(size_t)s * c->nr + i] == c->round_id)
            continue;
        const hfit *f = fit_of(c, h, s, i);
        if (f->delta < *delta) {
            *delta = f->delta;
            *ri = i;
            *pos = f->pos;
        }
    }
    return *delta != NO_FIT;
}

/* Heap of stops, highest key first, then the lowest stop. */
static bool hbefore(hentry a, hentry b)
{
    return a.key != b.key ? a.key > b.key : a.stop < b.stop;
}

static void hpush(hctx *c, hentry e)
{
    size_t i = c->hn++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!hbefore(e, c->heap[up]))
            break;
        c->heap[i] = c->heap[up];
        i = up;
    }
    c->heap[i] = e;
}

static hentry hpop(hctx *c)
{
    hentry top = c->heap[0], last = c->heap[--c->hn];
    size_t i = 0;
    for (;;) {
        size_t k = 2 * i + 1;
        if (k >= c->hn)
            break;
        if (k + 1 < c->hn && hbefore(c->heap[k + 1], c->heap[k]))
            k++;
        if (!hbefore(c->heap[k], last))
            break;
        c->heap[i] = c->heap[k];
        i = k;
    }
    if (c->hn > 0)
        c->heap[i] = last;
    return top;
}

static double ratio_key(double gain, int64_t delta, double alpha)
{
    double minutes = delta > 0 ? (double)delta / TIME_SCALE : 0;
    return gain / pow(minutes + 1, alpha);
}

/* Lazy greedy: inserts, while any fits, the visit of highest gain per
 * added minute (raised to alpha) at its cheapest position over all routes.
 * A popped stop whose key, recomputed, is still at least the next one's is
 * taken; otherwise it goes back with its new key. noise (NULL: none)
 * scales each stop's key, to vary the order after a perturbation. True
 * when anything was inserted. */
static bool greedy_fill(hctx *c, hstate *h, double alpha, const double *noise)
{
    const mg_rounds_problem *p = c->p;
    bool any = false;
    c->hn = 0;
    for (uint32_t s = 0; s < p->nstops; s++) {
        if (!eligible(p, s))
            continue;
        double g = gain_add(c, h, s);
        size_t ri, pos;
        int64_t delta;
        if (g > 0 && best_fit(c, h, s, &ri, &pos, &delta))
            hpush(c, (hentry){ratio_key(g, delta, alpha) * (noise ? noise[s] : 1), s});
    }
    while (c->hn > 0) {
        hentry e = hpop(c);
        double g = gain_add(c, h, e.stop);
        size_t ri = 0, pos = 0;
        int64_t delta;
        if (!(g > 0) || !best_fit(c, h, e.stop, &ri, &pos, &delta))
            continue;
        double key = ratio_key(g, delta, alpha) * (noise ? noise[e.stop] : 1);
        if (c->hn == 0 || !hbefore(c->heap[0], (hentry){key, e.stop})) {
            insert_at(c, h, ri, pos, e.stop, h->r[ri].cost + delta);
            any = true;
            hpush(c, (hentry){key, e.stop}); /* another visit may still gain */
        } else {
            hpush(c, (hentry){key, e.stop});
        }
    }
    return any;
}

/* 2-opt and relocation inside one route, first improvement, until none. */
static bool intra_route(hctx *c, hstate *h, size_t ri)
{
    hroute *r = &h->r[ri];
    bool any = false, again = true;
    while (again && r->n >= 2) {
        again = false;
        size_t n = r->n;
        for (size_t i = 0; i + 1 < n && !again; i++)
            for (size_t j = i + 1; j < n && !again; j++) {
                memcpy(c->tmp2, r->st, n * sizeof *r->st);
                for (size_t a = i, b = j; a < b; a++, b--) {
                    uint32_t t = c->tmp2[a];
                    c->tmp2[a] = c->tmp2[b];
                    c->tmp2[b] = t;
                }
                int64_t cost;
                if (eval_seq(c, r, c->tmp2, n, &cost) && cost < r->cost) {
                    memcpy(r->st, c->tmp2, n * sizeof *r->st);
                    touch(c, r, cost);
                    again = any = true;
                }
            }
        for (size_t i = 0; i < n && !again; i++)
            for (size_t j = 0; j < n && !again; j++) {
                if (j == i)
                    continue;
                /* Take st[i] out and put it back at index j. */
                size_t m = 0;
                for (size_t k = 0; k < n; k++)
                    if (k != i)
                        c->tmp2[m++] = r->st[k];
                memmove(c->tmp2 + j + 1, c->tmp2 + j, (n - 1 - j) * sizeof *c->tmp2);
                c->tmp2[j] = r->st[i];
                int64_t cost;
                if (eval_seq(c, r, c->tmp2, n, &cost) && cost < r->cost) {
                    memcpy(r->st, c->tmp2, n * sizeof *r->st);
                    touch(c, r, cost);
                    again = any = true;
                }
            }
    }
    return any;
}

/* The sequence of route r without its visit i, into c->tmp2. */
static void without(hctx *c, const hroute *r, size_t i)
{
    memcpy(c->tmp2, r->st, i * sizeof *r->st);
    memcpy(c->tmp2 + i, r->st + i + 1, (r->n - i - 1) * sizeof *r->st);
}

/* A visit moved to its cheapest place in another route when the total
 * cost falls. */
static bool inter_relocate(hctx *c, hstate *h)
{
    bool any = false;
    for (size_t a = 0; a < c->nr; a++)
        for (size_t i = 0; i < h->r[a].n; i++) {
            hroute *ra = &h->r[a];
            uint32_t s = ra->st[i];
            int64_t ca;
            without(c, ra, i);
            if (!eval_seq(c, ra, c->tmp2, ra->n - 1, &ca))
                continue;
            int64_t saved = ra->cost - ca, bestd = NO_FIT;
            size_t bb = 0, bpos = 0;
            for (size_t b = 0; b < c->nr; b++) {
                if (b == a)
                    continue;
                const hfit *f = fit_of(c, h, s, b);
                if (f->delta < bestd) {
                    bestd = f->delta;
                    bb = b;
                    bpos = f->pos;
                }
            }
            if (bestd != NO_FIT && bestd < saved) {
                int64_t cb = h->r[bb].cost + bestd;
                remove_at(c, h, a, i, ca);
                insert_at(c, h, bb, bpos, s, cb);
                any = true;
                i = (size_t)-1; /* the route changed: start it again */
                if (time_up(c))
                    return any;
            }
        }
    return any;
}

/* Two visits of different routes exchanged in place when the total cost
 * falls (the orders are improved afterwards by intra_route). */
static bool inter_exchange(hctx *c, hstate *h)
{
    bool any = false;
    for (size_t a = 0; a < c->nr; a++)
        for (size_t b = a + 1; b < c->nr; b++) {
            hroute *ra = &h->r[a], *rb = &h->r[b];
            for (size_t i = 0; i < ra->n; i++)
                for (size_t j = 0; j < rb->n; j++) {
                    uint32_t sa = ra->st[i], sb = rb->st[j];
                    if (sa == sb || has_stop(ra->st, ra->n, sb) || has_stop(rb->st, rb->n, sa))
                        continue;
                    uint32_t sha[MG_ROUNDS_MAX_VISITS], shb[MG_ROUNDS_MAX_VISITS];
                    memcpy(sha, ra->st, i * sizeof *ra->st);
                    memcpy(sha + i, ra->st + i + 1, (ra->n - i - 1) * sizeof *ra->st);
                    size_t pa = 0, pb = 0;
                    int64_t na = best_insert(c, ra, sha, ra->n - 1, sb, &pa);
                    if (na == NO_FIT || na - ra->cost >= rb->cost)
                        continue;
                    memcpy(shb, rb->st, j * sizeof *rb->st);
                    memcpy(shb + j, rb->st + j + 1, (rb->n - j - 1) * sizeof *rb->st);
                    int64_t nb = best_insert(c, rb, shb, rb->n - 1, sa, &pb);
                    if (nb == NO_FIT || na + nb >= ra->cost + rb->cost)
                        continue;
                    memcpy(ra->st, sha, pa * sizeof *ra->st);
                    ra->st[pa] = sb;
                    memcpy(ra->st + pa + 1, sha + pa, (ra->n - 1 - pa) * sizeof *ra->st);
                    memcpy(rb->st, shb, pb * sizeof *rb->st);
                    rb->st[pb] = sa;
                    memcpy(rb->st + pb + 1, shb + pb, (rb->n - 1 - pb) * sizeof *rb->st);
                    touch(c, ra, na);
                    touch(c, rb, nb);
                    any = true;
                }
            if (time_up(c))
                return any;
        }
    return any;
}

/* Visits that gain nothing (their units are reached often enough by the
 * others) are dropped when that shortens the route. */
static bool drop_useless(hctx *c, hstate *h)
{
    bool any = false;
    for (size_t a = 0; a < c->nr; a++)
        for (size_t i = 0; i < h->r[a].n; i++) {
            hroute *ra = &h->r[a];
            uint32_t s = ra->st[i];
            if (pinned(c, h, s) || loss_rm(c, h, s) > 0)
                continue;
            int64_t ca;
            without(c, ra, i);
            if (eval_seq(c, ra, c->tmp2, ra->n - 1, &ca) && ca < ra->cost) {
                remove_at(c, h, a, i, ca);
                any = true;
                i = (size_t)-1;
            }
        }
    return any;
}

static int cand_cmp(const void *x, const void *y)
{
    const hentry *a = x, *b = y;
    if (a->key != b->key)
        return a->key > b->key ? -1 : 1;
    return a->stop < b->stop ? -1 : a->stop > b->stop;
}

/* A visit replaced, in its route, by a stop that gains more than the visit
 * loses (tried best gain first, at its cheapest position). */
static bool swap_pass(hctx *c, hstate *h)
{
    const mg_rounds_problem *p = c->p;
    bool any = false;
    /* A stop's gain once v is gone is its gain now plus, for each unit it
     * shares with v that v's visit brings to exactly `weeks`, w_u / weeks:
     * kept in gnow and a sparse bonus instead of recomputed per visit. */
    for (uint32_t s = 0; s < p->nstops; s++)
        c->gnow[s] = eligible(p, s) ? gain_add(c, h, s) : -1;
    for (size_t a = 0; a < c->nr; a++) {
        for (size_t i = 0; i < h->r[a].n; i++) {
            hroute *ra = &h->r[a];
            uint32_t v = ra->st[i];
            if (pinned(c, h, v))
                continue;
            double loss = loss_rm(c, h, v);
            size_t nb = 0;
            for (size_t k = p->cstart[v]; k < p->cstart[v + 1]; k++) {
                uint32_t u = p->cunit[k];
                if (h->cnt[u] != c->weeks)
                    continue;
                for (size_t j = c->ustart[u]; j < c->ustart[u + 1]; j++) {
                    uint32_t s = c->ustop[j];
                    if (c->bonus[s] == 0)
                        c->pick[nb++] = s;
                    c->bonus[s] += p->weight[u] / (double)c->weeks;
                }
            }
            size_t nc = 0;
            for (uint32_t s = 0; s < p->nstops; s++) {
                double g = c->gnow[s] + c->bonus[s];
                if (s != v && c->gnow[s] >= 0 && g > loss + 1e-12 * (1 + loss))
                    c->cand[nc++] = (hentry){g, s};
            }
            for (size_t k = 0; k < nb; k++)
                c->bonus[c->pick[k]] = 0;
            qsort(c->cand, nc, sizeof *c->cand, cand_cmp);
            bool done = false;
            size_t tries = 0;
            uint32_t shorter[MG_ROUNDS_MAX_VISITS];
            memcpy(shorter, ra->st, i * sizeof *ra->st);
            memcpy(shorter + i, ra->st + i + 1, (ra->n - i - 1) * sizeof *ra->st);
            for (size_t k = 0; k < nc && tries < SWAP_TRIES && !done; k++) {
                uint32_t s = c->cand[k].stop;
                if (has_stop(shorter, ra->n - 1, s))
                    continue;
                tries++;
                size_t pos = 0;
                int64_t cost = best_insert(c, ra, shorter, ra->n - 1, s, &pos);
                if (cost == NO_FIT)
                    continue;
                memcpy(ra->st, shorter, (ra->n - 1) * sizeof *ra->st);
                memmove(ra->st + pos + 1, ra->st + pos, (ra->n - 1 - pos) * sizeof *ra->st);
                ra->st[pos] = s;
                touch(c, ra, cost);
                count_stop(p, h, v, -1);
                count_stop(p, h, s, +1);
                done = any = true;
            }
            if (done)
                for (uint32_t s = 0; s < p->nstops; s++)
                    c->gnow[s] = eligible(p, s) ? gain_add(c, h, s) : -1;
        }
        if (time_up(c))
            break;
    }
    return any;
}

/* A chain of two: s takes the place of visit v in route a, and v takes the
 * place of a visit w in another route b, when s gains more than w loses
 * (with s counted). shorter is scratch of MG_ROUNDS_MAX_VISITS stops. */
static bool eject_chain(hctx *c, hstate *h, uint32_t s, uint32_t *shorter)
{
    const mg_rounds_problem *p = c->p;
    double g = gain_add(c, h, s);
    if (!(g > 0))
        return false;
    uint32_t bshort[MG_ROUNDS_MAX_VISITS];
    count_stop(p, h, s, +1); /* the losses below are with s served */
    for (size_t a = 0; a < c->nr; a++) {
        hroute *ra = &h->r[a];
        if (has_stop(ra->st, ra->n, s))
            continue;
        for (size_t i = 0; i < ra->n; i++) {
            uint32_t v = ra->st[i];
            memcpy(shorter, ra->st, i * sizeof *ra->st);
            memcpy(shorter + i, ra->st + i + 1, (ra->n - i - 1) * sizeof *ra->st);
            size_t pos = 0;
            int64_t ca = best_insert(c, ra, shorter, ra->n - 1, s, &pos);
            if (ca == NO_FIT)
                continue;
            for (size_t b = 0; b < c->nr; b++) {
                hroute *rb = &h->r[b];
                if (b == a || has_stop(rb->st, rb->n, v))
                    continue;
                for (size_t j = 0; j < rb->n; j++) {
                    uint32_t w = rb->st[j];
                    if (pinned(c, h, w) || !(g - loss_rm(c, h, w) > 1e-12 * (1 + g)))
                        continue;
                    memcpy(bshort, rb->st, j * sizeof *rb->st);
                    memcpy(bshort + j, rb->st + j + 1, (rb->n - j - 1) * sizeof *rb->st);
                    size_t bpos = 0;
                    int64_t cb = best_insert(c, rb, bshort, rb->n - 1, v, &bpos);
                    if (cb == NO_FIT)
                        continue;
                    memcpy(rb->st, bshort, (rb->n - 1) * sizeof *rb->st);
                    memmove(rb->st + bpos + 1, rb->st + bpos,
                            (rb->n - 1 - bpos) * sizeof *rb->st);
                    rb->st[bpos] = v;
                    touch(c, rb, cb);
                    count_stop(p, h, w, -1);
                    memcpy(ra->st, shorter, (ra->n - 1) * sizeof *ra->st);
                    memmove(ra->st + pos + 1, ra->st + pos, (ra->n - 1 - pos) * sizeof *ra->st);
                    ra->st[pos] = s;
                    touch(c, ra, ca);
                    return true;
                }
            }
        }
    }
    count_stop(p, h, s, -1);
    return false;
}

/* Room made for a stop that gains: a visit of some route moves to its
 * cheapest place in another route and the stop takes its place (at its
 * cheapest position in the shortened route). The gain rises by the stop's
 * and nothing is lost. */
static bool eject_pass(hctx *c, hstate *h)
{
    const mg_rounds_problem *p = c->p;
    size_t nc = 0;
    for (uint32_t s = 0; s < p->nstops; s++) {
        if (!eligible(p, s))
            continue;
        double g = gain_add(c, h, s);
        if (g > 0)
            c->cand[nc++] = (hentry){g, s};
    }
    qsort(c->cand, nc, sizeof *c->cand, cand_cmp);
    bool any = false;
    uint32_t shorter[MG_ROUNDS_MAX_VISITS];
    for (size_t k = 0; k < nc && k < EJECT_TRIES; k++) {
        uint32_t s = c->cand[k].stop;
        if (!(gain_add(c, h, s) > 0))
            continue;
        bool done = false;
        for (size_t a = 0; a < c->nr && !done; a++) {
            hroute *ra = &h->r[a];
            if (has_stop(ra->st, ra->n, s))
                continue;
            for (size_t i = 0; i < ra->n && !done; i++) {
                uint32_t v = ra->st[i];
                memcpy(shorter, ra->st, i * sizeof *ra->st);
                memcpy(shorter + i, ra->st + i + 1, (ra->n - i - 1) * sizeof *ra->st);
                size_t pos = 0;
                int64_t ca = best_insert(c, ra, shorter, ra->n - 1, s, &pos);
                if (ca == NO_FIT)
                    continue;
                int64_t bd = NO_FIT;
                size_t bb = 0, bpos = 0;
                for (size_t b = 0; b < c->nr; b++) {
                    if (b == a)
                        continue;
                    const hfit *f = fit_of(c, h, v, b);
                    if (f->delta < bd) {
                        bd = f->delta;
                        bb = b;
                        bpos = f->pos;
                    }
                }
                if (bd == NO_FIT)
                    continue;
                int64_t cb = h->r[bb].cost + bd;
                insert_at(c, h, bb, bpos, v, cb);
                count_stop(p, h, v, -1); /* moved, not added */
                memcpy(ra->st, shorter, (ra->n - 1) * sizeof *ra->st);
                memmove(ra->st + pos + 1, ra->st + pos, (ra->n - 1 - pos) * sizeof *ra->st);
                ra->st[pos] = s;
                touch(c, ra, ca);
                count_stop(p, h, s, +1);
                done = any = true;
            }
        }
        if (!done && k < CHAIN_TRIES)
            done = eject_chain(c, h, s, shorter);
        any |= done;
        if (time_up(c))
            break;
    }
    return any;
}

static void local_search(hctx *c, hstate *h)
{
    for (;;) {
        bool any = false;
        for (size_t a = 0; a < c->nr; a++)
            any |= intra_route(c, h, a);
        any |= inter_relocate(c, h);
        any |= inter_exchange(c, h);
        any |= drop_useless(c, h);
        any |= greedy_fill(c, h, 1.0, NULL);
        any |= swap_pass(c, h);
        any |= eject_pass(c, h);
        if (!any || time_up(c))
            break;
    }
}

static double state_value(const hctx *c, const hstate *h)
{
    double v = 0;
    for (size_t u = 0; u < c->p->nunits; u++) {
        uint32_t k = h->cnt[u] < c->weeks ? h->cnt[u] : c->weeks;
        v += c->p->weight[u] * (double)k / (double)c->weeks;
    }
    return v;
}

static int64_t state_cost(const hctx *c, const hstate *h)
{
    int64_t t = 0;
    for (size_t a = 0; a < c->nr; a++)
        t += h->r[a].cost;
    return t;
}

static bool better(const hctx *c, const hstate *x, const hstate *y)
{
    double vx = state_value(c, x), vy = state_value(c, y);
    double eps = 1e-9 * (1 + fabs(vy));
    if (vx > vy + eps)
        return true;
    return vx >= vy - eps && state_cost(c, x) < state_cost(c, y);
}

static void copy_state(const hctx *c, hstate *to, const hstate *from)
{
    memcpy(to->r, from->r, c->nr * sizeof *to->r);
    memcpy(to->cnt, from->cnt, c->p->nunits * sizeof *to->cnt);
    memcpy(to->nvis, from->nvis, c->p->nstops * sizeof *to->nvis);
}

/* Removes visit i of route a and re-times the route; false (nothing
 * changed) when the shorter route is infeasible or the visit is pinned. */
static bool ruin_visit(hctx *c, hstate *h, size_t a, size_t i)
{
    hroute *ra = &h->r[a];
    if (pinned(c, h, ra->st[i]))
        return false;
    int64_t ca;
    without(c, ra, i);
    if (!eval_seq(c, ra, c->tmp2, ra->n - 1, &ca))
        return false;
    c->tabu[(size_t)ra->st[i] * c->nr + a] = c->round_id;
    remove_at(c, h, a, i, ca);
    return true;
}

/* Removes part of the plan: random visits, one whole route, or the visits
 * nearest (by driving time) to a random visited stop. */
static void perturb(hctx *c, hstate *h)
{
    const mg_rounds_problem *p = c->p;
    size_t nv = 0;
    for (size_t a = 0; a < c->nr; a++)
        nv += h->r[a].n;
    if (nv == 0)
        return;
    size_t kmax = nv / 3 < 2 ? 2 : (nv / 3 > 15 ? 15 : nv / 3);
    size_t k = 1 + rnd_below(c, kmax);
    size_t mode = rnd_below(c, 3);
    if (mode == 0) {
        for (size_t t = 0; t < k; t++) {
            size_t a = rnd_below(c, c->nr);
            if (h->r[a].n)
                (void)ruin_visit(c, h, a, rnd_below(c, h->r[a].n));
        }
    } else if (mode == 1) {
        /* One or two routes emptied (as far as forced stops allow). */
        size_t routes = 1 + rnd_below(c, 2);
        for (size_t t = 0; t < routes; t++) {
            size_t a = rnd_below(c, c->nr);
            for (size_t u = 0; u < c->nr && h->r[a].n == 0; u++)
                a = (a + 1) % c->nr;
            for (size_t i = h->r[a].n; i-- > 0;)
                (void)ruin_visit(c, h, a, i);
        }
    } else {
        /* The k visited stops nearest to a random visited one. */
        size_t pickn = 0;
        for (size_t a = 0; a < c->nr; a++)
            for (size_t i = 0; i < h->r[a].n; i++)
                c->pick[pickn++] = h->r[a].st[i];
        uint32_t centre = c->pick[rnd_below(c, pickn)];
        size_t nn = mg_rounds_nnodes(p);
        for (size_t t = 0; t < k; t++) {
            size_t ba = c->nr, bi = 0;
            int64_t bd = INT64_MAX;
            for (size_t a = 0; a < c->nr; a++)
                for (size_t i = 0; i < h->r[a].n; i++) {
                    uint32_t s = h->r[a].st[i];
                    int64_t dd = (int64_t)p->travel[(size_t)centre * nn + s] +
                                 p->travel[(size_t)s * nn + centre];
                    if (s == centre)
                        dd = -1;
                    if (dd < bd && !pinned(c, h, s)) {
                        bd = dd;
                        ba = a;
                        bi = i;
                    }
                }
            if (ba == c->nr || !ruin_visit(c, h, ba, bi))
                break;
        }
    }
}

static int state_alloc(hstate *h, size_t nr, size_t nunits, size_t nstops)
{
    h->r = mg_alloc_array(nr ? nr : 1, sizeof *h->r);
    h->cnt = mg_alloc_array(nunits ? nunits : 1, sizeof *h->cnt);
    h->nvis = mg_alloc_array(nstops ? nstops : 1, sizeof *h->nvis);
    return h->r && h->cnt && h->nvis ? MG_OK : MG_ENOMEM;
}

static void state_free(hstate *h)
{
    free(h->r);
    free(h->cnt);
    free(h->nvis);
}

/* The user's plan as the starting state (already checked). */
static void load_start(hctx *c, const mg_rounds_solution *start, const mg_rounds_solution *slots)
{
    for (size_t i = 0; i < start->nroutes; i++) {
        const mg_rounds_route *sr = &start->routes[i];
        for (size_t a = 0; a < c->nr; a++) {
            const mg_rounds_route *t = &slots->routes[a];
            if (t->vehicle != sr->vehicle || t->week != sr->week || t->weekday != sr->weekday)
                continue;
            hroute *r = &c->cur.r[a];
            for (size_t j = 0; j < sr->n; j++) {
                r->st[j] = sr->visits[j].stop;
                count_stop(c->p, &c->cur, r->st[j], +1);
            }
            r->n = sr->n;
            int64_t cost = 0;
            (void)eval_seq(c, r, r->st, r->n, &cost);
            touch(c, r, cost);
        }
    }
}

static int place_forced(hctx *c, mg_diag *d)
{
    const mg_rounds_problem *p = c->p;
    if (!p->forced)
        return MG_OK;
    for (uint32_t s = 0; s < p->nstops; s++) {
        if (!p->forced[s] || c->cur.nvis[s] > 0)
            continue;
        size_t ri = 0, pos = 0;
        int64_t delta;
        if (!best_fit(c, &c->cur, s, &ri, &pos, &delta))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "forced stop %u fits in no route (with the forced stops "
                               "before it)",
                               (unsigned)s);
        insert_at(c, &c->cur, ri, pos, s, c->cur.r[ri].cost + delta);
    }
    return MG_OK;
}

static int write_out(hctx *c, mg_rounds_solution *out, mg_diag *d)
{
    for (size_t a = 0; a < c->nr; a++) {
        const hroute *r = &c->best.r[a];
        mg_rounds_route *o = &out->routes[a];
        if (r->n) {
            o->visits = mg_alloc_array(r->n, sizeof *o->visits);
            if (!o->visits)
                return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory for a route");
            for (size_t j = 0; j < r->n; j++)
                o->visits[j].stop = r->st[j];
        }
        o->n = r->n;
        if (!mg_rounds_schedule(c->p, o))
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "internal error: route %zu of the heuristic is infeasible", a);
    }
    out->value = mg_rounds_value(c->p, out);
    return MG_OK;
}

int mg_rounds_heuristic(const mg_rounds_problem *p, const mg_rounds_heuristic_opts *o,
                        mg_rounds_solution *out, mg_diag *d)
{
    double t0 = now_seconds();
    *out = (mg_rounds_solution){0};
    int rc = mg_rounds_problem_check(p, d);
    if (rc)
        return rc;
    mg_rounds_heuristic_opts def = {0};
    if (!o)
        o = &def;
    if (o->start) {
        rc = mg_rounds_check(p, o->start, d);
        if (rc)
            return rc;
    }
    rc = mg_rounds_solution_empty(p, out, d);
    if (rc)
        return rc;
    hctx c = {.p = p, .nr = out->nroutes, .weeks = (uint32_t)p->cycle_weeks};
    c.rng = o->seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    if (c.rng == 0)
        c.rng = 1;
    c.deadline = t0 + (o->time_limit > 0 ? o->time_limit : 2.0);
    size_t ns = p->nstops ? p->nstops : 1;
    c.fits = mg_alloc_array(ns * (c.nr ? c.nr : 1), sizeof *c.fits);
    c.heap = mg_alloc_array(ns, sizeof *c.heap);
    c.cand = mg_alloc_array(ns, sizeof *c.cand);
    c.pick = mg_alloc_array((ns > c.nr * MG_ROUNDS_MAX_VISITS ? ns : c.nr * MG_ROUNDS_MAX_VISITS) + 1,
                            sizeof *c.pick);
    c.noise = mg_alloc_array(ns, sizeof *c.noise);
    c.tabu = mg_alloc_array(ns * (c.nr ? c.nr : 1), sizeof *c.tabu);
    c.gnow = mg_alloc_array(ns, sizeof *c.gnow);
    c.bonus = mg_alloc_array(ns, sizeof *c.bonus);
    c.ustart = mg_alloc_array(p->nunits + 1, sizeof *c.ustart);
    c.ustop = mg_alloc_array(p->cstart[p->nstops] + 1, sizeof *c.ustop);
    if (c.ustart && c.ustop) {
        for (size_t k = 0; k < p->cstart[p->nstops]; k++)
            c.ustart[p->cunit[k] + 1]++;
        for (size_t u = 0; u < p->nunits; u++)
            c.ustart[u + 1] += c.ustart[u];
        for (uint32_t s = 0; s < p->nstops; s++)
            for (size_t k = p->cstart[s]; k < p->cstart[s + 1]; k++)
                c.ustop[c.ustart[p->cunit[k]]++] = s;
        for (size_t u = p->nunits; u > 0; u--)
            c.ustart[u] = c.ustart[u - 1];
        c.ustart[0] = 0;
    }
    if (!c.fits || !c.heap || !c.cand || !c.pick || !c.noise || !c.tabu || !c.gnow || !c.bonus ||
        !c.ustart || !c.ustop ||
        state_alloc(&c.cur, c.nr, p->nunits, p->nstops) ||
        state_alloc(&c.best, c.nr, p->nunits, p->nstops) ||
        state_alloc(&c.walk, c.nr, p->nunits, p->nstops)) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory for the rounds heuristic");
        goto done;
    }
    for (size_t a = 0; a < c.nr; a++) {
        c.cur.r[a] = (hroute){.vehicle = out->routes[a].vehicle,
                              .week = out->routes[a].week,
                              .weekday = out->routes[a].weekday};
        touch(&c, &c.cur.r[a], 0);
    }
    if (o->start)
        load_start(&c, o->start, out);
    rc = place_forced(&c, d);
    if (rc)
        goto done;
    if (c.nr > 0) {
        (void)greedy_fill(&c, &c.cur, 1.0, NULL);
        local_search(&c, &c.cur);
    }
    copy_state(&c, &c.best, &c.cur);
    copy_state(&c, &c.walk, &c.cur);
    static const double alphas[4] = {0.5, 1.0, 1.5, 2.0};
    for (size_t round = 0, stale = 0; c.nr > 0 && round < MAX_ROUNDS && stale < PATIENCE &&
                                      !time_up(&c);
         round++) {
        /* The walk goes back to the best plan now and then. */
        if (stale % RESTART == RESTART - 1)
            copy_state(&c, &c.walk, &c.best);
        copy_state(&c, &c.cur, &c.walk);
        c.round_id++;
        perturb(&c, &c.cur);
        c.use_tabu = rnd(&c) & 1;
        /* Keys scaled by exp(sigma * u), u uniform in [-1, 1]: from the
         * greedy's order (sigma 0) to nearly a random one (sigma 3). */
        static const double sigmas[4] = {0, 0.3, 1, 3};
        double sigma = sigmas[rnd_below(&c, 4)];
        for (size_t s = 0; s < p->nstops; s++)
            c.noise[s] = exp(sigma * ((double)(rnd(&c) >> 11) * 0x1p-52 - 1));
        (void)greedy_fill(&c, &c.cur, alphas[rnd_below(&c, 4)], c.noise);
        c.use_tabu = false;
        local_search(&c, &c.cur);
        if (better(&c, &c.cur, &c.best)) {
            copy_state(&c, &c.best, &c.cur);
            stale = 0;
        } else {
            stale++;
        }
        /* The walk accepts a plan whose gain is at most ACCEPT below its
         * own: it crosses plateaus and small valleys. */
        if (state_value(&c, &c.cur) >= (1 - ACCEPT) * state_value(&c, &c.walk))
            copy_state(&c, &c.walk, &c.cur);
    }
    rc = write_out(&c, out, d);
done:
    free(c.fits);
    free(c.heap);
    free(c.cand);
    free(c.pick);
    free(c.noise);
    free(c.tabu);
    free(c.gnow);
    free(c.bonus);
    free(c.ustart);
    free(c.ustop);
    state_free(&c.cur);
    state_free(&c.best);
    state_free(&c.walk);
    if (rc)
        mg_rounds_solution_free(out);
    else
        out->seconds = now_seconds() - t0;
    return rc;
}
