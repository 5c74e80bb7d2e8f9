/**
 * @file plan.h
 * Planning: where new resources of care (a GP, a health centre, a
 * telemedicine cabin, a teleconsultation cart, a mobile consultation) help
 * most, and how much they change.
 *
 * The problem is kept in a flat form that does not know about territories:
 * demand units (the study communes) with their population P̃ᵢ, APL before Aᵢ
 * and minutes to the nearest existing practice; candidates, each with the
 * column of units it reaches (decay weight f(tᵢₖ), minutes tᵢₖ) and its
 * factor scale / D_k. A resource of capacity s placed at k adds
 * s · factor_k · f(tᵢₖ) to the APL of every unit i of its column,
 * independently of the other choices (docs/planning.md), so an objective
 * is re-evaluated per candidate in one pass over its column.
 *
 * Objectives (all as a gain to maximise over the base situation):
 *  - DEFICIT: reduction of Σ P̃ᵢ · max(0, θ − Aᵢ) (monotone submodular);
 *  - LIFTED: population of the units below θ brought to θ or above;
 *  - COVERAGE: target population (units below θ) within T minutes of a site;
 *  - PMEDIAN: reduction of Σ P̃ᵢ · (minutes to the nearest practice or site),
 *    minutes capped at the table's catchment.
 * Constraints: how many of each kind, a budget, a minimum distance between
 * sites; excluded communes are simply not candidates.
 *
 * Methods: lazy greedy (priority queue) then interchange (mg_plan_greedy);
 * an exact mixed-integer model solved by CBC in a child process with time
 * and memory limits (mg_plan_exact).
 *
 * Errors: every fallible function returns 0 or a negative MG_E… code with
 * an English message in its mg_diag (for the command line); the *_why
 * variants also say why as an mg_plan_reason, so that a page can answer in
 * its own language without reading the English.
 *
 * Ownership: an mg_plan_problem owns its arrays (mg_plan_problem_free);
 * tests may fill one by hand with mg_alloc_array'd arrays. Solutions own
 * their item arrays (mg_plan_solution_free).
 */
#ifndef MG_PLAN_PLAN_H
#define MG_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "diagnosis/diagnosis.h"
#include "scenario/baseline.h"
#include "scenario/scenario.h"

enum mg_plan_objective { MG_PLAN_DEFICIT, MG_PLAN_LIFTED, MG_PLAN_COVERAGE, MG_PLAN_PMEDIAN,
                         MG_PLAN_OBJECTIVE_COUNT };

/** "deficit", "lifted", "coverage", "pmedian" and back (COUNT if unknown). */
const char *mg_plan_objective_name(enum mg_plan_objective o);
enum mg_plan_objective mg_plan_objective_parse(const char *name);

/**
 * Why the engine refused, as a code: callers that speak to people in their
 * own words (the planning page, in French) map it to a sentence; the
 * English message of the mg_diag, naming values and options, stays for the
 * command line and the logs. Reported through an mg_plan_why by the *_why
 * functions below.
 */
enum mg_plan_reason {
    MG_PLAN_ERR_NONE = 0,
    MG_PLAN_ERR_OBJECTIVE,          /* unknown objective */
    MG_PLAN_ERR_NOTHING_TO_PLACE,   /* no kind, more than MG_PLAN_MAX_KINDS, or every count 0 */
    MG_PLAN_ERR_THRESHOLD,          /* the objective needs a positive threshold */
    MG_PLAN_ERR_COVERAGE_MINUTES,   /* coverage without a time in minutes */
    MG_PLAN_ERR_MIN_DISTANCE,       /* negative or infinite minimum distance, or no positions */
    MG_PLAN_ERR_BAD_BUDGET,         /* the budget is not a number */
    MG_PLAN_ERR_BUDGET,             /* the budget pays for no site (value, needed) */
    MG_PLAN_ERR_CAPACITY,           /* a kind's capacity is negative or infinite (kind) */
    MG_PLAN_ERR_COST,               /* a kind's cost is negative or infinite (kind) */
    MG_PLAN_ERR_TOO_MANY_SITES,     /* more than MG_PLAN_MAX_SITES, of a kind or in all */
    MG_PLAN_ERR_KIND_TWICE,         /* a kind given twice (kind) */
    MG_PLAN_ERR_BAD_KIND,           /* not a kind of resource */
    MG_PLAN_ERR_KIND_NOT_APPLICABLE,/* the kind does not apply to the profession (kind;
                                       telemedicine and mobile consultations are for GPs) */
    MG_PLAN_ERR_EXCLUDED,           /* the list of excluded communes is not a list of codes */
    MG_PLAN_ERR_UNKNOWN_COMMUNE,    /* an excluded commune no one knows (commune) */
    MG_PLAN_ERR_CANDIDATES,         /* the candidates (file or INSEE BPE) could not be read */
    MG_PLAN_ERR_NO_CANDIDATE,       /* no commune left to host a site */
    MG_PLAN_ERR_TIME_LIMIT,         /* the exact solver's time limit is out of range */
    MG_PLAN_ERR_MODEL_TOO_BIG,      /* too many candidate sites for the exact model */
    MG_PLAN_ERR_SOLVER,             /* the solver's process could not be started */
    MG_PLAN_ERR_MEMORY,             /* out of memory */
    MG_PLAN_ERR_COUNT
};

/** A stable English name of a reason ("budget", "unknown_commune"), "?" if unknown. */
const char *mg_plan_reason_name(enum mg_plan_reason r);

/** A refusal's reason and the values a caller needs to word it. */
typedef struct mg_plan_why {
    enum mg_plan_reason reason;
    enum mg_resource kind; /* CAPACITY, COST, KIND_TWICE, KIND_NOT_APPLICABLE, and
                              TOO_MANY_SITES of one kind (has_kind) */
    bool has_kind;         /* kind is meaningful */
    char commune[16];      /* UNKNOWN_COMMUNE: the code as given (cut to 15 bytes) */
    double value;          /* BUDGET: the budget; MIN_DISTANCE: the distance;
                              TIME_LIMIT: the limit */
    double needed;         /* BUDGET: the cost of the cheapest site */
} mg_plan_why;

#define MG_PLAN_MAX_KINDS 16
#define MG_PLAN_MAX_SITES 1000

/** A kind of resource the plan may place. */
typedef struct mg_plan_kind {
    mg_action proto;  /* kind and parameters (commune ignored) */
    double capacity;  /* supply units (acts per year for GPs), from mg_action_capacity */
    double cost;      /* euros per site */
    size_t max_count; /* at most this many sites of this kind */
} mg_plan_kind;

/**
 * Documented default cost of one site of a kind, in euros (docs/planning.md
 * gives the figures and their reasoning; all are to be replaced by the
 * user's own).
 */
double mg_plan_default_cost(enum mg_resource kind);

typedef struct mg_plan_problem {
    enum mg_plan_objective objective;
    double threshold;        /* θ, in the APL's unit */
    double coverage_minutes; /* T for COVERAGE */
    double budget;           /* euros; <= 0 or infinite: none */
    double min_km;           /* minimum distance between two sites; 0: none */
    /* What Aᵢ is when mg_plan_problem_build fills it: the model's APL, or
     * (OFFICIAL) the official APL where the DREES has one and the model's
     * elsewhere (scenario/baseline.h). A site only adds capacity, so the
     * APL after is Aᵢ plus the model's change on either baseline. */
    enum mg_baseline baseline;

    size_t n;                /* demand units */
    double *pop;             /* P̃ᵢ */
    double *base;            /* Aᵢ before */
    double *base_minutes;    /* minutes to the nearest existing practice, capped */
    size_t *unit_commune;    /* territory index of each unit (NULL for hand instances) */
    double *inhabitants;     /* inhabitants of each unit (t->population), beside P̃ᵢ, the
                                standardised population the objectives weigh; NULL for hand
                                instances (the inhabitants' figures are then NaN) */

    size_t ncand;
    size_t *cstart;          /* ncand + 1 offsets into the columns */
    uint32_t *cunit;         /* units reached */
    double *cw;              /* f(tᵢₖ) */
    double *cmin;            /* tᵢₖ in minutes */
    double *cfactor;         /* ncand: APL per unit of capacity at weight 1 (scale / D_k) */
    double *clat, *clon;     /* ncand positions (NULL when min_km is 0) */
    size_t *cand_commune;    /* territory index of each candidate (NULL for hand instances) */

    size_t nkinds;
    mg_plan_kind kinds[MG_PLAN_MAX_KINDS];
} mg_plan_problem;

void mg_plan_problem_free(mg_plan_problem *p);

/**
 * A kind with its documented defaults (parameters of mg_action_defaults,
 * default cost, one site) and its capacity for the profession of g.
 * MG_EINVAL (French message from mg_action_capacity) when the kind does
 * not apply to the profession.
 */
int mg_plan_kind_init(mg_plan_kind *out, enum mg_resource kind, const mg_diagnosis *g,
                      mg_diag *d) MG_WARN_UNUSED;

/** The same, with the reason of a refusal in *why (BAD_KIND,
 * KIND_NOT_APPLICABLE), cleared on entry; why may be NULL. */
int mg_plan_kind_init_why(mg_plan_kind *out, enum mg_resource kind, const mg_diagnosis *g,
                          mg_plan_why *why, mg_diag *d) MG_WARN_UNUSED;

/**
 * Checks a problem's settings and kinds: MG_EINVAL with an English message
 * (negative capacity or cost, nothing to place, budget that affords no
 * site, …).
 */
int mg_plan_problem_check(const mg_plan_problem *p, mg_diag *d) MG_WARN_UNUSED;

/** The same, with the reason of a refusal in *why (cleared on entry; may be NULL). */
int mg_plan_problem_check_why(const mg_plan_problem *p, mg_plan_why *why,
                              mg_diag *d) MG_WARN_UNUSED;

/**
 * Builds the problem from a travel-time table directly (what the diagnosis
 * builder and the benchmark share): units are the communes flagged in
 * is_unit, candidates those flagged in is_cand (in index order), w the
 * decay weight of every pair, demand_seen D_k, apl the APL before, supply
 * the supply before (for the minutes to the nearest practice, capped at
 * cap_minutes), scale the APL's scale. lat/lon are copied for candidates
 * when p->min_km > 0. Settings and kinds are taken from *out as given.
 */
int mg_plan_problem_from_table(mg_plan_problem *out, const mg_pairs *pairs, const double *w,
                               const double *demand, const double *demand_seen,
                               const double *apl, const double *supply,
                               const uint8_t *is_unit, const uint8_t *is_cand,
                               const double *lat, const double *lon, double scale,
                               double cap_minutes, mg_diag *d) MG_WARN_UNUSED;

/** One site as written: a commune's code (any vintage) or name as typed,
 * and its kind's word ("" when none was given). */
typedef struct mg_plan_site_words {
    char code[128]; /* a code, or a name (the longest French names are ~45 characters) */
    char kind[32];
} mg_plan_site_words;

/**
 * Splits a list of sites written "CODE[:KIND], CODE[:KIND], …" (commas or
 * semicolons between sites, spaces around each part ignored) into at most
 * cap entries of out; *n of them. MG_EINVAL when an item has an empty or
 * too long code or kind, a control character or a second ':' (*bad: its
 * index, from 0), MG_ELIMIT beyond cap items. An empty text is no site.
 */
int mg_plan_split_sites(const char *text, mg_plan_site_words *out, size_t cap, size_t *n,
                        size_t *bad) MG_WARN_UNUSED;

/** Which communes may host a site. */
typedef struct mg_plan_candidates {
    const char *rule;      /* "all" (default; every commune has a town hall), "pharmacy"
                              (BPE D301 in the France folder), or a file of codes */
    const char *exclude;   /* comma-separated codes, may be NULL */
    /* A scope (diagnosis/scope.h's mark, t->n entries; NULL: the whole
     * study territory): the units of the objective and the candidates are
     * the study communes marked here, while the columns still come from
     * every neighbour's demand (D_k is the engine's, over all communes). */
    const uint8_t *scope;
    /* With a scope: every study commune is still a unit (the candidates
     * stay the scope's), for the whole territory's figures of a plan made
     * for the scope. */
    bool units_everywhere;
} mg_plan_candidates;

/**
 * Reads a file of commune codes (one per line, or the first field of a CSV
 * line; a header line, blank lines and # comments skipped; plain or gzip)
 * and sets mark[i] = 1 (t->n entries) for each. Errors name the line:
 * MG_ENOTFOUND for an unknown code, MG_ELIMIT for a line over 4 KiB,
 * MG_EPARSE for a NUL byte or a file with no code.
 */
int mg_plan_read_codes(const mg_territory *t, const char *path, uint8_t *mark,
                       mg_diag *d) MG_WARN_UNUSED;

/**
 * Builds the problem of the study communes of g: units, candidates by the
 * rule (sorted by code, so that the answer does not depend on file order),
 * their columns from the engine's demand. Kinds, objective, constraints and
 * baseline are copied from `settings` (its arrays are ignored); the APL
 * before of each unit is on that baseline. Unknown codes in a file or in
 * `exclude` are errors naming them.
 */
int mg_plan_problem_build(mg_plan_problem *out, const mg_diagnosis *g,
                          const mg_scenario_engine *e, const mg_plan_candidates *c,
                          const mg_plan_problem *settings, mg_diag *d) MG_WARN_UNUSED;

/** The same, with the reason of a refusal in *why (EXCLUDED,
 * UNKNOWN_COMMUNE, CANDIDATES, NO_CANDIDATE, MEMORY; cleared on entry; may
 * be NULL). The settings are not checked here: see mg_plan_problem_check. */
int mg_plan_problem_build_why(mg_plan_problem *out, const mg_diagnosis *g,
                              const mg_scenario_engine *e, const mg_plan_candidates *c,
                              const mg_plan_problem *settings, mg_plan_why *why,
                              mg_diag *d) MG_WARN_UNUSED;

/** One placed site: candidate index and kind index. */
typedef struct mg_plan_item {
    uint32_t cand;
    uint32_t kind;
} mg_plan_item;

typedef struct mg_plan_solution {
    size_t n;
    mg_plan_item *items;    /* in the order chosen */
    double *pick_gain;      /* gain at the moment each was chosen (greedy), or NaN */
    double value;           /* objective gain of the whole set */
    double cost;
    double seconds;
} mg_plan_solution;

void mg_plan_solution_free(mg_plan_solution *s);

/** The gain of a set of items (feasibility not checked). */
int mg_plan_value(const mg_plan_problem *p, const mg_plan_item *items, size_t n,
                  double *value) MG_WARN_UNUSED;

/** Whether a set respects counts, budget, distances and uniqueness. */
bool mg_plan_feasible(const mg_plan_problem *p, const mg_plan_item *items, size_t n);

typedef struct mg_plan_greedy_opts {
    bool lazy;        /* lazy evaluation with a priority queue (false: naive greedy) */
    bool interchange; /* improve by swaps afterwards */
} mg_plan_greedy_opts;

/** Greedy (lazy unless told) then interchange. Deterministic: ties go to
 * the lowest candidate, then kind. */
int mg_plan_greedy(const mg_plan_problem *p, const mg_plan_greedy_opts *o,
                   mg_plan_solution *out, mg_diag *d) MG_WARN_UNUSED;

/** The same, with the reason of a refusal in *why (those of
 * mg_plan_problem_check, and MEMORY; cleared on entry; may be NULL). */
int mg_plan_greedy_why(const mg_plan_problem *p, const mg_plan_greedy_opts *o,
                       mg_plan_solution *out, mg_plan_why *why, mg_diag *d) MG_WARN_UNUSED;

enum mg_plan_exact_status {
    MG_PLAN_OPTIMAL,     /* proven optimal */
    MG_PLAN_TIME_LIMIT,  /* stopped by the time limit: a solution and a bound */
    MG_PLAN_NO_SOLUTION, /* stopped before any solution */
    MG_PLAN_INFEASIBLE,
    MG_PLAN_FAILED,      /* the solver process died (memory limit, signal) */
};
const char *mg_plan_exact_status_name(enum mg_plan_exact_status s);

typedef struct mg_plan_exact_opts {
    double time_limit;    /* seconds of solving */
    size_t memory_mb;     /* address space the solver may add */
    const mg_plan_solution *start; /* optional MIP start (e.g. the greedy answer) */
} mg_plan_exact_opts;

typedef struct mg_plan_exact_result {
    enum mg_plan_exact_status status;
    mg_plan_solution sol;  /* CBC's best solution, value recomputed by mg_plan_value */
    double objective;      /* CBC's objective (a gain) */
    double bound;          /* CBC's best bound on the gain */
    double seconds;
    size_t columns, rows;
} mg_plan_exact_result;

/**
 * Solves the problem exactly with CBC in a forked child process (memory
 * limited by RLIMIT_AS, time by CBC and by a kill as a backstop); results
 * come back through a pipe. Errors are for failures to run at all; the
 * solver's own outcome is in out->status.
 */
int mg_plan_exact(const mg_plan_problem *p, const mg_plan_exact_opts *o,
                  mg_plan_exact_result *out, mg_diag *d) MG_WARN_UNUSED;

/** The same, with the reason of a refusal in *why (those of
 * mg_plan_problem_check, TIME_LIMIT, MODEL_TOO_BIG, SOLVER, MEMORY; cleared
 * on entry; may be NULL). */
int mg_plan_exact_why(const mg_plan_problem *p, const mg_plan_exact_opts *o,
                      mg_plan_exact_result *out, mg_plan_why *why, mg_diag *d) MG_WARN_UNUSED;
void mg_plan_exact_result_free(mg_plan_exact_result *r);

/**
 * Why a site was chosen: whom it reaches and what it changes. Two kinds of
 * per-site figures, named as such: MARGINAL ones are the site's
 * contribution given the sites listed before it, in the order of the set
 * (for a greedy answer the order chosen), so that they add up to the
 * set's totals; STANDALONE ones are the site alone on today's situation.
 * Populations are either standardised (P̃ᵢ, what the objectives weigh) or
 * inhabitants (NaN for hand instances), never one for the other.
 */
typedef struct mg_plan_site_explain {
    double marginal;           /* marginal: value of the first k+1 sites minus the first k;
                                  Σ marginal = the set's value */
    double standalone;         /* standalone: value of this site alone */
    size_t units_reached;      /* units with f(t) > 0 (coverage: t ≤ T; pmedian: nearer) */
    double population_reached; /* standardised population of those units */
    double inhabitants_reached;/* their inhabitants */
    double population_lifted;  /* marginal: standardised population brought to θ or above
                                  by this site after the ones before it (may be negative
                                  for none; Σ = the set's lifted) */
    double inhabitants_lifted; /* marginal, the same in inhabitants */
    double apl_gain_max;       /* largest APL increase it brings to one unit */
    uint32_t best_unit;        /* the unit it helps most */
} mg_plan_site_explain;

typedef struct mg_plan_totals {
    double value;
    double deficit_before, deficit_after;  /* Σ P̃ max(0, θ − A) (standardised population) */
    double below_before, below_after;      /* standardised population below θ */
    double lifted;                         /* below_before − below_after */
    double cost;
    double cost_per_lifted;                /* per standardised person lifted; NaN for none */
    /* The same in inhabitants (t->population; NaN for hand instances) and in
     * communes, as the territory page counts them. */
    double inhabitants_below_before, inhabitants_below_after, inhabitants_lifted;
    double cost_per_inhabitant_lifted;     /* NaN when no inhabitant is lifted */
    size_t communes_below_before, communes_below_after;
} mg_plan_totals;

/**
 * Totals of a set and one explanation per item (ex may be NULL, otherwise n
 * entries). apl_after (p->n, may be NULL) receives the units' APL.
 */
int mg_plan_explain(const mg_plan_problem *p, const mg_plan_item *items, size_t n,
                    mg_plan_totals *tot, mg_plan_site_explain *ex,
                    double *apl_after) MG_WARN_UNUSED;

#endif
