/*
 * Internal to the pages of the single window (issue 16): funding_pages.c
 * (/guichet, the request form and the request's page), and the files of
 * the same family, each adding its section to the request's page and its
 * own routes: funding_instruction.c, funding_attachments.c,
 * funding_aftergrant.c, funding_calls.c (windows, calls, committees, the
 * co-funders' pages, open data) and api_funding.c.
 */
#ifndef MG_WEB_FUNDING_WEB_H
#define MG_WEB_FUNDING_WEB_H

#include <stdbool.h>

#include "funding/funding.h"
#include "web/web.h"

/* A request as a page sees it, with who may do what. */
typedef struct web_subsidy_view {
    mg_subsidy_request r;
    mg_subsidy_access acc;
    bool may_edit;             /* the applicant's writers: draft, filing, answers, pieces, report */
    bool may_route;            /* the lead's managers and instructors */
    bool may_internal;         /* who reads and writes the instructors' internal messages */
    bool is_applicant_side;    /* a member of the applicant (never shown what is internal) */
    /* The co-funders whose part the actor instructs (INSTRUCT) and decides (DECIDE). */
    int64_t instructs[MG_SUBSIDY_FUNDERS_MAX];
    size_t ninstructs;
    int64_t decides[MG_SUBSIDY_FUNDERS_MAX];
    size_t ndecides;
} web_subsidy_view;

/* The authorisation object of the request; funder_id the part at hand (0 none). */
mg_auth_object web_subsidy_object(const web_subsidy_view *v, int64_t funder_id);

/* Loads the request of path parameter {id} when the actor may `verb` it
 * (VIEW, EDIT, ROUTE; INSTRUCT and DECIDE with the part of path parameter
 * {fid}); false once answered (404 for an id that names nothing and for a
 * request the actor may not see, with the same words; 403 otherwise). */
bool web_subsidy_load(web_ctx *ctx, mg_auth_verb verb, web_subsidy_view *v);
void web_subsidy_view_clear(web_subsidy_view *v);

/* True when the actor instructs (decides) co-funder fid's part. */
bool web_subsidy_instructs(const web_subsidy_view *v, int64_t fid);
bool web_subsidy_decides(const web_subsidy_view *v, int64_t fid);

/* "Guichet unique › request title". */
void web_subsidy_crumbs(mg_buf *b, const mg_subsidy_request *r);

/* The page of the request: "/guichet/demandes/<id>". */
void web_subsidy_href(mg_buf *b, int64_t id);

/* --- Sections of the request's page, each written by its own file -------------------------- */

/* funding_instruction.c: each co-funder's position side by side (state,
 * opinion, decision, amount), the lead's routing form, the instructors'
 * forms (opinion, question, decision) for their own part; the messages
 * (internal ones only for v->may_internal) and the form to write one; the
 * request's history (the audit trail). */
void web_subsidy_parts_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v);
void web_subsidy_messages_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v);
void web_subsidy_history_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v);

/* funding_attachments.c: the pieces (download links; upload form for
 * v->may_edit), the link to the filled form as PDF. */
void web_subsidy_attachments_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v);

/* funding_aftergrant.c: for granted parts, the agreements (PDF), the
 * payments (form for who instructs the part), the final report (form for
 * v->may_edit; status for the others). */
void web_subsidy_aftergrant_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v);

extern const web_route web_routes_funding[];             /* funding_pages.c */
extern const web_route web_routes_funding_instruction[]; /* funding_instruction.c */
extern const web_route web_routes_funding_attachments[]; /* funding_attachments.c */
extern const web_route web_routes_funding_aftergrant[];  /* funding_aftergrant.c */
extern const web_route web_routes_funding_calls[];       /* funding_calls.c */
extern const web_route web_routes_api_funding[];         /* api_funding.c */

#endif
