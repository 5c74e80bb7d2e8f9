/* Greedy placement (lazy, with a priority queue) and interchange
 * improvement. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "plan/internal.h"

/* A heap entry: an item's (possibly stale) key and the round it was
 * computed in. Items are numbered cand * nkinds + kind. */
typedef struct hentry {
    double key, key2;
    uint32_t item, round;
} hentry;

/* Higher key first, then key2, then the lowest item: the answer must not
 * depend on anything but the input. */
static int hbefore(const hentry *a, const hentry *b)
{
    if (a->key != b->key)
        return a->key > b->key;
    if (a->key2 != b->key2)
        return a->key2 > b->key2;
    return a->item < b->item;
}

static void hpush(hentry *h, size_t *n, hentry e)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!hbefore(&e, &h[up]))
            break;
        h[i] = h[up];
        i = up;
    }
    h[i] = e;
}

static hentry hpop(hentry *h, size_t *n)
{
    hentry top = h[0], last = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && hbefore(&h[c + 1], &h[c]))
            c++;
        if (!hbefore(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0)
        h[i] = last;
    return top;
}

/* Working set of a run. */
typedef struct run {
    const mg_plan_problem *p;
    plan_state st;
    mg_plan_item *items;
    double *pick;
    size_t n, cap;
    size_t counts[MG_PLAN_MAX_KINDS];
    double cost;
} run;

static double key_of(const mg_plan_problem *p, plan_gain g, uint32_t kind, int ratio)
{
    if (!ratio)
        return g.g;
    double c = p->kinds[kind].cost;
    return g.g / (c > 1e-9 ? c : 1e-9);
}

static void take(run *r, uint32_t cand, uint32_t kind, double gain)
{
    plan_apply(&r->st, cand, kind);
    r->items[r->n] = (mg_plan_item){cand, kind};
    r->pick[r->n] = gain;
    r->n++;
    r->counts[kind]++;
    r->cost += r->p->kinds[kind].cost;
}

static int positive(plan_gain g)
{
    return g.g > 1e-12 || g.g2 > 1e-12;
}

/* Naive greedy: every round evaluates every item that still fits. */
static void greedy_naive(run *r, int ratio)
{
    const mg_plan_problem *p = r->p;
    while (r->n < r->cap) {
        int found = 0;
        hentry best = {0};
        plan_gain bestg = {0, 0};
        for (uint32_t c = 0; c < p->ncand; c++)
            for (uint32_t k = 0; k < p->nkinds; k++) {
                if (!plan_item_fits(p, r->items, r->n, r->counts, r->cost, c, k))
                    continue;
                plan_gain g = plan_gain_of(&r->st, c, k);
                hentry e = {key_of(p, g, k, ratio), g.g2, c * (uint32_t)p->nkinds + k, 0};
                if (!found || hbefore(&e, &best)) {
                    best = e;
                    bestg = g;
                    found = 1;
                }
            }
        if (!found || !positive(bestg))
            return;
        take(r, best.item / (uint32_t)p->nkinds, best.item % (uint32_t)p->nkinds, bestg.g);
    }
}

/* Lazy greedy (Minoux): with a submodular gain an item's gain can only
 * fall as sites are added, so a stale key is an upper bound; the top of
 * the queue, once re-evaluated in the current round and still on top, is
 * the best item. Items that stop fitting never fit again (counts, cost and
 * the set of sites only grow) and are dropped. */
static int greedy_lazy(run *r, int ratio)
{
    const mg_plan_problem *p = r->p;
    size_t nitems = p->ncand * p->nkinds, hn = 0;
    hentry *h = mg_alloc_array(nitems ? nitems : 1, sizeof *h);
    if (!h)
        return MG_ENOMEM;
    for (uint32_t c = 0; c < p->ncand; c++)
        for (uint32_t k = 0; k < p->nkinds; k++) {
            if (!plan_item_fits(p, r->items, 0, r->counts, 0, c, k))
                continue;
            plan_gain g = plan_gain_of(&r->st, c, k);
            hpush(h, &hn, (hentry){key_of(p, g, k, ratio), g.g2, c * (uint32_t)p->nkinds + k, 0});
        }
    uint32_t round = 0;
    while (hn > 0 && r->n < r->cap) {
        hentry e = hpop(h, &hn);
        uint32_t c = e.item / (uint32_t)p->nkinds, k = e.item % (uint32_t)p->nkinds;
        if (!plan_item_fits(p, r->items, r->n, r->counts, r->cost, c, k))
            continue;
        plan_gain g = plan_gain_of(&r->st, c, k);
        if (e.round == round) {
            if (!positive(g))
                break;
            take(r, c, k, g.g);
            round++;
            continue;
        }
        e.key = key_of(p, g, k, ratio);
        e.key2 = g.g2;
        e.round = round;
        hpush(h, &hn, e);
    }
    free(h);
    return MG_OK;
}

static int run_init(run *r, const mg_plan_problem *p)
{
    *r = (run){.p = p};
    for (size_t k = 0; k < p->nkinds; k++)
        r->cap += p->kinds[k].max_count;
    r->items = mg_alloc_array(r->cap ? r->cap : 1, sizeof *r->items);
    r->pick = mg_alloc_array(r->cap ? r->cap : 1, sizeof *r->pick);
    if (!r->items || !r->pick || plan_state_init(&r->st, p)) {
        free(r->items);
        free(r->pick);
        return MG_ENOMEM;
    }
    return MG_OK;
}

static void run_free(run *r)
{
    free(r->items);
    free(r->pick);
    plan_state_free(&r->st);
}

/* Rebuilds the state from the items, leaving out `skip` (SIZE_MAX: none). */
static void rebuild(run *r, size_t skip)
{
    plan_state_reset(&r->st);
    memset(r->counts, 0, sizeof r->counts);
    r->cost = 0;
    for (size_t m = 0; m < r->n; m++)
        if (m != skip) {
            plan_apply(&r->st, r->items[m].cand, r->items[m].kind);
            r->counts[r->items[m].kind]++;
            r->cost += r->p->kinds[r->items[m].kind].cost;
        }
}

/* An item and its gain on the empty plan, sorted by decreasing gain. */
typedef struct keyed {
    double key;
    uint32_t item;
} keyed;

static int by_key_desc(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? 1 : -1;
    return (x->item > y->item) - (x->item < y->item);
}

/* Interchange (Teitz and Bart): replace one site by the best other item
 * while that strictly improves the objective; stops at a local optimum or
 * after a bounded number of passes. With a submodular objective an item's
 * gain is at most its gain on the empty plan, so items are scanned by that
 * bound, decreasing, and the scan stops once the bound cannot beat the
 * best found: most of the candidates are never evaluated. */
static void interchange(run *r)
{
    const mg_plan_problem *p = r->p;
    size_t nitems = p->ncand * p->nkinds;
    int prune = p->objective != MG_PLAN_LIFTED;
    mg_plan_item *others = mg_alloc_array(r->n ? r->n : 1, sizeof *others);
    keyed *order = mg_alloc_array(nitems ? nitems : 1, sizeof *order);
    if (!others || !order)
        goto done; /* the greedy answer stands */
    plan_state_reset(&r->st);
    for (uint32_t i = 0; i < nitems; i++)
        order[i] = (keyed){prune ? plan_gain_of(&r->st, i / (uint32_t)p->nkinds,
                                                i % (uint32_t)p->nkinds).g
                                 : 0,
                           i};
    if (prune)
        qsort(order, nitems, sizeof *order, by_key_desc);
    for (int pass = 0, improved = 1; improved && pass < 50; pass++) {
        improved = 0;
        for (size_t s = 0; s < r->n; s++) {
            rebuild(r, SIZE_MAX);
            plan_gain full = {r->st.value, r->st.value2};
            rebuild(r, s);
            plan_gain own = {full.g - r->st.value, full.g2 - r->st.value2};
            size_t no = 0;
            for (size_t m = 0; m < r->n; m++)
                if (m != s)
                    others[no++] = r->items[m];
            int found = 0;
            mg_plan_item best = r->items[s];
            plan_gain bestg = own;
            for (size_t at = 0; at < nitems; at++) {
                uint32_t i = order[at].item, c = i / (uint32_t)p->nkinds,
                         k = i % (uint32_t)p->nkinds;
                if (prune && order[at].key <= bestg.g)
                    break;
                if (!plan_item_fits(p, others, no, r->counts, r->cost, c, k))
                    continue;
                plan_gain g = plan_gain_of(&r->st, c, k);
                if (plan_gain_cmp(g, bestg) > 0 ||
                    (found && plan_gain_cmp(g, bestg) == 0 && i < best.cand * p->nkinds + best.kind)) {
                    bestg = g;
                    best = (mg_plan_item){c, k};
                    found = 1;
                }
            }
            if (found) {
                r->items[s] = best;
                r->pick[s] = NAN; /* no longer a greedy pick */
                improved = 1;
            }
        }
    }
done:
    free(others);
    free(order);
    rebuild(r, SIZE_MAX);
}

static int cmp_runs(const run *a, const run *b)
{
    return plan_gain_cmp((plan_gain){a->st.value, a->st.value2},
                         (plan_gain){b->st.value, b->st.value2});
}

int mg_plan_greedy(const mg_plan_problem *p, const mg_plan_greedy_opts *o,
                   mg_plan_solution *out, mg_diag *d)
{
    return mg_plan_greedy_why(p, o, out, NULL, d);
}

int mg_plan_greedy_why(const mg_plan_problem *p, const mg_plan_greedy_opts *o,
                       mg_plan_solution *out, mg_plan_why *why, mg_diag *d)
{
    *out = (mg_plan_solution){0};
    int rc = mg_plan_problem_check_why(p, why, d);
    if (rc)
        return rc;
    double t0 = plan_now();
    /* Lifting people above the threshold is not submodular (two sites may
     * lift a commune neither lifts alone), so stale keys are no bound and
     * every round is evaluated in full. */
    int lazy = o->lazy && p->objective != MG_PLAN_LIFTED;
    /* Under a budget, greedy by gain and greedy by gain per euro each fail
     * on some instances; the better of the two is kept (Khuller, Moss and
     * Naor 1999). */
    int variants = plan_has_budget(p) ? 2 : 1;
    run best;
    int have = 0;
    for (int v = 0; v < variants; v++) {
        run r;
        if (run_init(&r, p)) {
            if (have)
                run_free(&best);
            return plan_why(why, MG_PLAN_ERR_MEMORY,
                            mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory"));
        }
        if (lazy)
            rc = greedy_lazy(&r, v == 1);
        else
            greedy_naive(&r, v == 1);
        if (rc) {
            run_free(&r);
            if (have)
                run_free(&best);
            return plan_why(why, MG_PLAN_ERR_MEMORY,
                            mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory"));
        }
        if (!have || cmp_runs(&r, &best) > 0) {
            if (have)
                run_free(&best);
            best = r;
            have = 1;
        } else {
            run_free(&r);
        }
    }
    if (o->interchange)
        interchange(&best);
    out->n = best.n;
    out->items = best.items;
    out->pick_gain = best.pick;
    out->value = best.st.value;
    out->cost = best.cost;
    plan_state_free(&best.st);
    out->seconds = plan_now() - t0;
    return MG_OK;
}
