/*
 * Internal to the web module: what the page, download and API files share.
 */
#ifndef MG_WEB_WEB_H
#define MG_WEB_WEB_H

#include <stdbool.h>

#include "http/http.h"
#include "web/app.h"
#include "html/html.h"

/* --- Requests and routes ---------------------------------------------------- */

/* Who is asking. Until accounts exist (issue 11) everyone is anonymous. */
typedef struct web_account {
    int64_t id;       /* 0: anonymous */
    const char *name; /* for logs; "" when anonymous */
} web_account;

/* Who may call a route: the slot the accounts issue fills with roles. */
typedef enum web_access {
    WEB_ANYONE = 0,
} web_access;

/*
 * What a handler receives: the application (read-only), the account, the
 * request and the response it fills. Memory a handler needs only for the
 * time of the request comes from the request's arena (mg_http_alloc,
 * mg_http_strdup), freed in one call after the response is sent.
 */
typedef struct web_ctx {
    const mg_app *app;
    const web_account *account;
    const mg_http_request *req;
    mg_http_response *res;
} web_ctx;

typedef int (*web_handler)(web_ctx *ctx);

/* One route of a page family: method, pattern (http/http.h), handler,
 * who may call it. Each family file declares its table, ended by a row
 * of NULLs; app.c registers them all from one list. */
typedef struct web_route {
    const char *method;
    const char *pattern;
    web_handler fn;
    web_access who;
} web_route;

extern const web_route web_routes_pages[];
extern const web_route web_routes_scenarios[];
extern const web_route web_routes_downloads[];
extern const web_route web_routes_api[];
extern const web_route web_routes_plan[];

/* French number formatting: decimal comma, thin-space thousands. */
void web_num(char *out, size_t cap, double v, int decimals);

/* Page frame: opens <html>… <main>, and closes it. `title` is escaped. */
void web_page_begin(mg_buf *b, const mg_app *a, const char *title, const char *active);
void web_page_end(mg_buf *b);

/* The profession from the request (?profession=), or a 400 already answered. */
const mg_app_profession *web_profession(const mg_app *a, const mg_http_request *r,
                                        mg_http_response *res);

/* The inline SVG map of `values` (no XML declaration), with links to the
 * commune pages of `prof_key`. */
int web_map(mg_buf *b, const mg_app *a, const mg_app_profession *p, const double *values,
            bool diverging, const char *title, double threshold, long highlight);

/* The same with several communes outlined (indices in the study list). */
int web_map_sites(mg_buf *b, const mg_app *a, const mg_app_profession *p, const double *values,
                  bool diverging, const char *title, double threshold, const long *sites,
                  size_t nsites);

/* A scenario loaded from storage and evaluated. */
typedef struct web_scenario {
    mg_scenario_record rec;
    const mg_app_profession *p;
    mg_scenario s;
    double *apl;    /* under the scenario, t->n */
    double *supply; /* t->n */
    mg_summary summary;
} web_scenario;

/* Loads scenario `id` (a path parameter string). Answers 404/400/500
 * itself and returns non-zero then. */
int web_scenario_load(const mg_app *a, const char *id, const mg_http_request *r,
                      mg_http_response *res, web_scenario *out);
void web_scenario_free(web_scenario *w);

/* Evaluates actions for profession p into w (w->rec untouched). French
 * message in d on a bad scenario. */
int web_scenario_eval(const mg_app_profession *p, const json_t *actions, web_scenario *w,
                      mg_diag *d);

/* A message of the store (lower-case start, no period) made a sentence for
 * a page: capital first letter, final period; NULL or "" gives the table's
 * WEB_MSG_SCENARIO_NAME_INVALID. */
void web_sentence(char *out, size_t cap, const char *msg);

/* --- Lists in pages ------------------------------------------------------- */

/* A page of a list: which one, how many, and the rows it shows. */
typedef struct web_pager {
    size_t page;  /* 1-based */
    size_t pages; /* at least 1, even for an empty list */
    size_t first; /* the rows shown are [first, end) */
    size_t end;
} web_pager;

/* Reads page parameter `name` (absent or empty: page 1). A page is written
 * as the program writes it, "1", "2"…: anything else ("0", "007", "-1",
 * "abc") names no page: MG_ENOTFOUND, a 404 like a page past the end. */
int web_page_param(const mg_http_request *r, const char *name, size_t *page);

/* Places page `page` in a list of n rows, `size` a page; MG_ENOTFOUND past
 * the end. */
int web_paginate(size_t n, size_t page, size_t size, web_pager *out);

/* Writes the href value of page `page` of a list, from the state of the
 * request the list belongs to (built with mg_html_href). */
typedef void (*web_page_href_fn)(mg_buf *b, const void *state, size_t page);

/* The navigation of a paginated list (nothing when it fits on one page):
 * "Page N sur M", previous and next, the page numbers (all up to 9 pages,
 * else the first, the last and two either side of the current one, marked
 * aria-current="page"), in <nav aria-label="label">. */
void web_pager_nav(mg_buf *b, const web_pager *pg, const char *label, web_page_href_fn href,
                   const void *state);

/*
 * Answers a failed storage call: MG_EBUSY (the database stayed busy past
 * its wait) is a 503 with Retry-After, MG_ENOTFOUND a 404 with
 * `not_found_fr`, anything else a 500 with `failed_fr`; the operator's
 * message (d) is written to standard error for 5xx answers.
 */
void web_storage_error(const mg_http_request *r, mg_http_response *res, int rc, const mg_diag *d,
                       const char *not_found_fr, const char *failed_fr);


/* JSON builders shared by the API and downloads. */
json_t *web_commune_json(const mg_app_profession *p, size_t i, const double *apl);
json_t *web_commune_detail_json(const mg_app_profession *p, size_t i);

#endif
