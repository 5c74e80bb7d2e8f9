/**
 * @file report.h
 * The evaluation report (bilan) of a contract, or of a *dispositif* across
 * contracts (every action whose title or description holds a query, such
 * as « télémédecine », among the contracts given), as issue 15 asks: for
 * each action what was expected (objectives, period, planned budget, the
 * expected effect on access when a scenario models it), what was done
 * (status, lateness, milestones done), what it cost (planned, committed,
 * paid per funder) and what its indicators did (first and last value,
 * target, whether it is met); and the totals by funder, year and axis
 * (by contract for a dispositif). docs/contracts.md, "The evaluation
 * report".
 *
 * The report reads through the stores (contracts.h, budget.h,
 * indicators.h), and with one read transaction of its own per contract for
 * what no store reads contract-wide (milestones counted, indicator values).
 * Who may see which contract is the caller's decision: it passes only
 * contracts the reader sees.
 *
 * The report is written out as an A4 PDF (doc/doc.h) and as an XLSX
 * workbook (output/workbook.h: sheets Actions, Budget, Indicateurs); the
 * page is the web layer's (web/contracts_report.c).
 */
#ifndef MG_CONTRACTS_REPORT_H
#define MG_CONTRACTS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "contracts/indicators.h"
#include "core/buf.h"
#include "core/error.h"
#include "db/db.h"

enum {
    MG_BILAN_QUERY_MAX_CHARS = 100, /* a dispositif's query */
    MG_BILAN_CONTRACTS_MAX = 1000,  /* contracts of one dispositif */
};

/** What one of an action's funders gives it (its current lines summed). */
typedef struct mg_bilan_funder {
    int64_t funder_id;
    char name[MG_CONTRACT_NAME_MAX_BYTES + 1];
    mg_budget_amounts a;
    bool is_example;           /* one of its lines is an example */
} mg_bilan_funder;

/** What one indicator did. */
typedef struct mg_bilan_indicator {
    mg_indicator ind;
    size_t nvalues;
    bool has_values;
    char first_on[11], last_on[11];
    double first, last;        /* the earliest and the latest value (by date) */
    char last_series[200 * 4 + 1];
    /* Whether last - first is a measured change: false for engine values of
     * one series (the same inputs computed again), and with fewer than two
     * values. */
    bool measured_change;
    double change;             /* last - first when measured_change; else NaN */
    int met;                   /* 1 target met by the last value, 0 not, -1 no target or value */
} mg_bilan_indicator;

/** One action of the report. */
typedef struct mg_bilan_action {
    mg_contract_action a;      /* owned strings: freed by mg_bilan_free */
    int64_t contract_id;
    char contract_title[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    char axis[16 + MG_CONTRACT_TITLE_MAX_CHARS * 4 + 2]; /* "1.2 Title"; "" none */
    size_t milestones, milestones_done;
    mg_budget_amounts budget;  /* its current lines summed */
    bool budget_example;       /* one of its lines is an example */
    mg_bilan_funder *funders; /* by name */
    size_t nfunders;
    mg_bilan_indicator *indicators; /* by title */
    size_t nindicators;
    bool has_effect;           /* a scenario models it and its effect was computed */
    mg_action_effect effect;
} mg_bilan_action;

/** A line of totals (funder, year, axis or contract). */
typedef struct mg_bilan_total {
    int64_t key;
    char label[MG_CONTRACT_TITLE_MAX_CHARS * 4 + 1];
    mg_budget_amounts a;
} mg_bilan_total;

typedef struct mg_bilan {
    bool dispositif;           /* across contracts (else one contract) */
    char query[MG_BILAN_QUERY_MAX_CHARS * 4 + 1]; /* the dispositif's query as typed */
    mg_contract *contracts;    /* the contract, or those where an action matched */
    size_t ncontracts;
    size_t searched;           /* contracts searched (dispositif) */
    bool example;              /* a contract, action or line shown is an example */
    mg_bilan_action *actions; /* by contract (as given), then the store's order */
    size_t nactions;
    size_t by_status[MG_ACTION_STATUSES];
    size_t late;
    mg_budget_amounts total;
    mg_bilan_total *by_funder, *by_year, *by_group; /* by_group: axes, or contracts */
    size_t nby_funder, nby_year, nby_group;
    char today[11];
} mg_bilan;

/**
 * The effect of action a (of contract c) modelled by its scenario
 * (a->scenario_id != 0) on access, with its planned budget as cost: 0 with
 * *out filled, MG_ENOTFOUND when it cannot be computed (the scenario is
 * gone, no target commune), another code on failure. Given by the caller,
 * which holds the diagnosis and the scenario engine (mg_action_effect_compute).
 */
typedef int (*mg_bilan_effect_fn)(void *ctx, const mg_contract *c, const mg_contract_action *a,
                                   int64_t planned_cents, mg_action_effect *out, mg_diag *d);

/** The report of contract `contract_id` (MG_ENOTFOUND when there is none).
 * effect (may be NULL) computes the expected effect of modelled actions. */
int mg_bilan_contract(mg_db *db, int64_t contract_id, mg_bilan_effect_fn effect,
                       void *effect_ctx, mg_bilan *out, mg_diag *d) MG_WARN_UNUSED;

/** Checks a dispositif's query: 2 to MG_BILAN_QUERY_MAX_CHARS characters
 * of UTF-8 holding a letter or digit. 0, or MG_EINVAL with the French
 * sentence in d. */
int mg_bilan_query_check(const char *query, mg_diag *d) MG_WARN_UNUSED;

/** Whether `text` holds `query`, both folded (case, accents, punctuation:
 * mg_parse_fold_name), as whole words or the start of them (« télé »
 * finds « Télémédecine », « cabine » finds « cabines »). */
bool mg_bilan_matches(const char *text, const char *query);

/**
 * The report of a dispositif: the actions of the ncontracts contracts
 * `contract_ids` (at most MG_BILAN_CONTRACTS_MAX) whose title or
 * description matches `query` (mg_bilan_matches), with totals over their
 * lines by funder, year and contract. MG_EINVAL for a refused query.
 */
int mg_bilan_dispositif(mg_db *db, const int64_t *contract_ids, size_t ncontracts,
                         const char *query, mg_bilan_effect_fn effect, void *effect_ctx,
                         mg_bilan *out, mg_diag *d) MG_WARN_UNUSED;

void mg_bilan_free(mg_bilan *r);

/** The report's title: « Bilan — title » or « Bilan du dispositif « q » ». */
void mg_bilan_title(const mg_bilan *r, char *out, size_t cap);

/** A number the French way (decimal comma, no-break thin space between
 * thousands; "—" for NaN) with at most `decimals` decimals, trailing
 * zeros dropped. */
void mg_bilan_number(double v, int decimals, char *out, size_t cap);

/** The report as an A4 PDF (doc/doc.h) appended to out: title, facts,
 * totals by funder, year and axis (or contract), then one block per action
 * (expected, done, cost by funder, indicators, effect). */
int mg_bilan_pdf(const mg_bilan *r, mg_buf *out, mg_diag *d) MG_WARN_UNUSED;

/** The report as an XLSX workbook appended to out: sheets « Actions » (one
 * row per action), « Budget » (one row per action and funder, amounts in
 * euros), « Indicateurs » (one row per indicator). */
int mg_bilan_xlsx(const mg_bilan *r, mg_buf *out, mg_diag *d) MG_WARN_UNUSED;

#endif
