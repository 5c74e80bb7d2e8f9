/**
 * @file outputs.h
 * What comes out of the single window (issue 16; outputs.c): each
 * co-funder's figures (requests by state; amounts asked, granted and paid
 * per year and per contract action; the applicants it funds), its XLSX
 * export, the applicant's overview, and the open-data file of granted
 * subsidies in the SCDL "subventions" layout that administrations publish.
 * Reads only; sums made by the database (SUM … GROUP BY).
 */
#ifndef MG_FUNDING_OUTPUTS_H
#define MG_FUNDING_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "db/db.h"
#include "funding/funding.h"

typedef struct mg_subsidy_amounts {
    int64_t asked, granted, paid;
    int64_t requests;              /* how many */
} mg_subsidy_amounts;

/** One group of a co-funder's figures: key a part state (by state), a
 * year, an action id (0: no action) or an applicant id; label its French
 * text. */
typedef struct mg_subsidy_group {
    int64_t key;
    char label[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    mg_subsidy_amounts a;
} mg_subsidy_group;

typedef struct mg_subsidy_funder_figures {
    mg_subsidy_group *by_state, *by_year, *by_action, *by_applicant; /* owned */
    size_t nstate, nyear, naction, napplicant;
    mg_subsidy_amounts all;
} mg_subsidy_funder_figures;

/** The figures of co-funder `funder_id` over the requests routed to it. */
int mg_subsidy_funder_figures_get(mg_db *db, int64_t funder_id, mg_subsidy_funder_figures *out,
                                  mg_diag *d) MG_WARN_UNUSED;
void mg_subsidy_funder_figures_clear(mg_subsidy_funder_figures *f);

/** One page of the requests routed to co-funder `funder_id`, newest first,
 * whose part is in state `state` (a part state key; NULL or "" all): the
 * rows mg_subsidy_list gives for a funder, the page's ids read from the
 * co-funder's parts before anything is joined (the co-funder's page reads
 * one at every request). limit 1 to MG_SUBSIDY_PAGE_MAX; into a new array
 * (free()). How many rows the whole list has is in the figures (all, or
 * the state's group). MG_EINVAL for an unknown state. */
int mg_subsidy_funder_page(mg_db *db, int64_t funder_id, const char *state, size_t offset,
                           size_t limit, mg_subsidy_row **out, size_t *n,
                           mg_diag *d) MG_WARN_UNUSED;

/** The XLSX of co-funder `funder_id`'s requests (one row per request:
 * applicant, identifiers, title, state, asked, granted, paid, dates,
 * action), a sheet of figures; written to `path`. */
int mg_subsidy_funder_xlsx(mg_db *db, int64_t funder_id, const char *path,
                           mg_diag *d) MG_WARN_UNUSED;

/** The open-data file of every granted part (SCDL subventions: the
 * funder's name and SIRET when known, the date of the agreement or the
 * decision, the beneficiary's name and SIRET or RNA, the object, the
 * amount, the nature, the year), CSV UTF-8 to `out`: comma-separated
 * (RFC 4180, CRLF, fields quoted when needed) as the schema's own example
 * files are — a ';' separator would clash with the schema's value
 * "aide en numéraire;aide en nature"; 16 columns of version 2.1.1
 * (docs/funding-calls.md). Example rows are left out unless with_examples. */
int mg_subsidy_open_data(mg_db *db, FILE *out, bool with_examples, mg_diag *d) MG_WARN_UNUSED;

#endif
