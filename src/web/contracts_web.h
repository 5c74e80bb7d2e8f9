/*
 * Internal to the contract pages (contracts_pages.c and the files of the
 * same family: contracts_budget.c, contracts_indicators.c,
 * contracts_import.c, contracts_report.c, api_contracts.c): loading the
 * contract and the action of a path with who may do what, and the
 * sections each file adds to the contract's and the action's pages.
 */
#ifndef MG_WEB_CONTRACTS_WEB_H
#define MG_WEB_CONTRACTS_WEB_H

#include <stdbool.h>

#include "contracts/contracts.h"
#include "web/web.h"

enum { WEB_CONTRACT_VIEWERS_MAX = 256 };

/* A contract (and an action) as a page sees it. */
typedef struct web_contract_view {
    mg_contract c;
    mg_contract_action a;      /* zero unless has_action; cleared by web_contract_view_clear */
    bool has_action;
    int64_t viewers[WEB_CONTRACT_VIEWERS_MAX]; /* mg_contract_viewers */
    size_t nviewers;
    bool may_edit_contract;    /* the lead's managers and contributors */
    bool may_edit_action;      /* those, and the managers and contributors of the action's pilot */
    /* What the contract's page shows, read in one transaction (set by that
     * page only; NULL elsewhere): the sections use it when present and read
     * through the stores otherwise. */
    const struct mg_contract_dashboard *dash;
} web_contract_view;

/* The authorisation object of the contract, with its viewers, and with the
 * action's pilot as editor when an action is loaded. */
mg_auth_object web_contract_object(const web_contract_view *v);

/* Loads the contract of path parameter {id} when the actor may `verb` it
 * (VIEW, EDIT); false once answered (404 for an id that names none and for
 * a contract the actor may not see, with the same words; 403 otherwise). */
bool web_contract_load(web_ctx *ctx, mg_auth_verb verb, web_contract_view *v);

/* The same with the action of path parameter {aid}, which must be the
 * contract's; `verb` EDIT asks the action's edit right (lead or pilot). */
bool web_contract_action_load(web_ctx *ctx, mg_auth_verb verb, web_contract_view *v);

void web_contract_view_clear(web_contract_view *v);

/* "Contrats › contract title" (c may be NULL). */
void web_contract_crumbs(mg_buf *b, const mg_contract *c);

/* Euros from cents, as French text ("250 000 €", "1 234,56 €"). */
void web_contract_euros(mg_buf *b, int64_t cents);

/* --- Sections, each written by its own file ---------------------------------- */

/* contracts_budget.c: the action's budget lines (and the form to add one
 * when v->may_edit_action); the contract's totals by funder, year, axis. */
void web_action_budget_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v);
void web_contract_budget_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v);

/* contracts_indicators.c: the action's indicators with their values, the
 * scenario link and its expected effect on access. */
void web_action_indicators_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v);

/* contracts_import.c: the form importing a plan from XLSX or CSV into the
 * contract (for v->may_edit_contract). */
void web_contract_import_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v);

/* contracts_amendments.c: the contract's amendments (avenants) with what
 * each changed, and its documents (upload and download); forms for
 * v->may_edit_contract. */
void web_contract_amendments_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v);
void web_contract_documents_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v);

/* contracts_report.c: links to the evaluation report (page, PDF, XLSX). */
void web_contract_report_links(mg_buf *b, web_ctx *ctx, const web_contract_view *v);

extern const web_route web_routes_contract_budget[];     /* contracts_budget.c */
extern const web_route web_routes_contract_indicators[]; /* contracts_indicators.c */
extern const web_route web_routes_contract_import[];     /* contracts_import.c */
extern const web_route web_routes_contract_report[];     /* contracts_report.c */
extern const web_route web_routes_contract_amendments[];  /* contracts_amendments.c */
extern const web_route web_routes_api_contracts[];       /* api_contracts.c */

#endif
