/*
 * Internal to the web module: what the page, download and API files share.
 */
#ifndef MG_WEB_WEB_H
#define MG_WEB_WEB_H

#include <stdbool.h>

#include "http/http.h"
#include "web/app.h"
#include "html/html.h"
#include "auth/auth.h"
#include "web/messages.h"

/* --- Requests and routes ---------------------------------------------------- */

/*
 * Who may call a route, checked by the dispatcher before the handler runs.
 * Rights on a particular object (a scenario, an organisation) are decided
 * by the handler once it knows the object, through web_allow, that is by
 * mg_auth_can (auth/auth.h): the one authorisation function.
 */
typedef enum web_access {
    WEB_ANYONE = 0, /* public pages, and pages whose object decides (web_allow) */
    WEB_ACCOUNT,    /* a signed-in account */
    WEB_PLATFORM,   /* an administrator of the deploying organisation */
} web_access;

/* Route flags. */
enum {
    /* Open while a session waits for its second factor (the code page,
     * log-out): every other route sees that session as anonymous. */
    WEB_F_SECOND_FACTOR = 1u << 0,
    /* Open to an account that must enrol a second factor and has not:
     * its other private pages send it to enrolment first. */
    WEB_F_ENROL = 1u << 1,
    /* A POST that changes nothing (a computation): no CSRF token asked. */
    WEB_F_NO_STATE = 1u << 2,
};

/*
 * What a handler receives: the application (read-only), who is asking,
 * the request and the response it fills. Memory a handler needs only for
 * the time of the request comes from the request's arena (mg_http_alloc,
 * mg_http_strdup), freed in one call after the response is sent.
 */
typedef struct web_ctx {
    const mg_app *app;
    const mg_auth_actor *actor; /* never NULL; account_id 0: anonymous */
    const mg_http_request *req;
    mg_http_response *res;
    const char *session;   /* the session token of the request, NULL when none */
    bool bearer;           /* signed in by an API token: no cookies, no CSRF */
    bool second_factor;    /* a session waiting for its TOTP code (WEB_F_SECOND_FACTOR routes) */
    bool enrol_required;   /* the account must enrol a second factor first */
    char csrf[MG_AUTH_TOKEN_CHARS + 1]; /* the forms' token; "" until web_csrf */
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
    unsigned flags; /* WEB_F_… */
} web_route;

extern const web_route web_routes_pages[];
extern const web_route web_routes_scenarios[];
extern const web_route web_routes_downloads[];
extern const web_route web_routes_api[];
extern const web_route web_routes_plan[];
extern const web_route web_routes_login[];
extern const web_route web_routes_account[];
extern const web_route web_routes_organisations[];
extern const web_route web_routes_api_accounts[];
extern const web_route web_routes_fiche[];  /* fiche.c: the A4 PDF "fiche territoire" */
extern const web_route web_routes_assets[]; /* assets.c: static scripts and styles */
extern const web_route web_routes_finder[];        /* finder.c: "Où me soigner ?" */
extern const web_route web_routes_api_directory[]; /* api_directory.c: /api/v1/structures… */
extern const web_route web_routes_directory[];     /* directory_pages.c: /annuaire, /structure/… */
extern const web_route web_routes_meetings[];      /* meetings.c: /reseau/reunions… */
extern const web_route web_routes_contracts[];     /* contracts_pages.c: /contrats/… */

/* The log-in form's description (login.c), for its fuzz target. */
struct web_form;
const struct web_form *web_login_form(void);

/* --- Sessions, forms and rights (session.c) ------------------------------ */

/* Cookie names: the session, and the pre-session of visitors without one
 * (its random value gives the CSRF token of the log-in and registration
 * forms). */
#define WEB_COOKIE_SESSION "mg_session"
#define WEB_COOKIE_PRE "mg_pre"

/* Whether cookies carry Secure (the public URL is https://). */
bool web_secure(const mg_app *a);

/* The public address of the site, without trailing slash, for links in
 * e-mails: --public-url, or http://Host of the request. */
const char *web_public_base(web_ctx *ctx);

/* The CSRF token of the forms of this page: the session's, or for a
 * visitor without session the one derived from the pre-session cookie (set
 * here when the visitor has none). */
const char *web_csrf(web_ctx *ctx);

/* <input type="hidden" name="csrf" value="…"> for a hand-written form. */
void web_csrf_field(mg_buf *b, web_ctx *ctx);

/* The header's corner: the account's name, "Mon compte" and the log-out
 * button when signed in, "Se connecter" otherwise. */
void web_account_menu(mg_buf *b, web_ctx *ctx);

/*
 * Asks mg_auth_can whether the actor may `verb` the object; when not,
 * answers itself — the log-in page (or 401 in JSON) for an anonymous
 * visitor, second-factor enrolment for an account that must enrol, 403
 * for a known actor, 404 for an object of another organisation — and
 * returns false.
 */
bool web_allow(web_ctx *ctx, mg_auth_verb verb, const mg_auth_object *o);

/* Whether mg_auth_can allows it, answering nothing: to decide what a page
 * draws (a form, a button), never to let a request through. */
bool web_can(const web_ctx *ctx, mg_auth_verb verb, const mg_auth_object *o);

/* The same, the 404 of a hidden object saying `not_found_fr` — the very
 * words of the object's own "does not exist", so that a refusal by id
 * tells nothing about whether the id exists. */
bool web_allow_as(web_ctx *ctx, mg_auth_verb verb, const mg_auth_object *o,
                  const char *not_found_fr);

/* Runs the checks of a route before its handler: who is asking (session
 * cookie or bearer token), second-factor state, `who`, and the CSRF token
 * of a state-changing request. Returns true when the handler may run;
 * otherwise the response is filled. */
bool web_gate(web_ctx *ctx, const web_route *route);

/* French number formatting: decimal comma, thin-space thousands. */
void web_num(char *out, size_t cap, double v, int decimals);

/* Page frame: opens <html>… <main>, and closes it. `title` is escaped.
 * The header shows who is signed in (and the log-out button) or the
 * log-in link. */
void web_page_begin(mg_buf *b, web_ctx *ctx, const char *title, const char *active);
void web_page_end(mg_buf *b);

/*
 * The scope of the request (?perimetre=, diagnosis/scope.h) over profession
 * p's communes: the whole territory when absent or empty. False when the
 * value is refused: a 400 naming it has been answered. out is freed by the
 * caller (mg_scope_free) when true.
 */
struct mg_scope;
bool web_scope(web_ctx *ctx, const mg_app_profession *p, struct mg_scope *out);

/*
 * The scope "couche:KEY:CLASS": the study communes of class CLASS of the
 * layer KEY (diagnosis/layer.h), labelled "CLASS — layer (year)", its key
 * the spec itself. MG_EINVAL when the layer or the class is unknown or
 * holds no study commune, MG_ENOMEM. (layers.c)
 */
int web_layer_scope(const mg_app *a, const mg_app_profession *p, const char *spec,
                    struct mg_scope *out);

/* The layers' sections of the territory page: per class, its communes,
 * inhabitants, mean value and communes below the threshold on `values`,
 * with a link to the class as a scope. (layers.c) */
void web_layer_sections(mg_buf *b, const mg_app *a, const mg_app_profession *p,
                        const double *values, bool is_apl, const char *measure_key,
                        const char *base_param);

/* "Sources : DREES APL 2021, INSEE BPE 2019, … ; <each layer and its
 * year> ; calcul maillage, <date>" — the data year of each input, one line
 * for maps and exports. (layers.c) */
void web_sources(char *out, size_t cap, const mg_app *a, const mg_app_profession *p);

/* The <option>s "epci:SIREN" of the EPCI that have a study commune of g,
 * by name, `selected` marked: the scope choices of every form. */
int web_epci_options(mg_buf *b, const mg_diagnosis *g, const char *selected);

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

/* The options every map of the pages shares: its title, the profession's
 * unit (or "écart" for a difference map), the threshold and its label,
 * each commune linked to its page for profession p (the link's suffix
 * written into `suffix`), nothing outlined, 800 pixels wide. The caller
 * adds what its map needs (a scope, sites, names). */
#define WEB_MAP_SUFFIX 64
mg_map_options web_map_options(const mg_app_profession *p, const char *title, double threshold,
                               bool diverging, char suffix[static WEB_MAP_SUFFIX]);

/* The report layers of a downloaded or printed map (1000 pixels wide):
 * framed on scope sc with the rest greyed (not for the whole territory),
 * the main communes named, EPCI borders, a scale bar. */
struct mg_scope;
void web_report_map_options(mg_map_options *opt, const struct mg_scope *sc);

/* Any map of the territory inline (mg_map_svg without its XML declaration). */
int web_map_inline(mg_buf *b, const mg_app *a, const mg_territory *t, const double *values,
                   const mg_map_style *style, const mg_map_options *opt);

/* The baseline a request asks for (?base=officielle or modele; the API's
 * words official and model are read too), or the server's default
 * (--baseline) when it asks for none. MG_BASELINE_COUNT after answering
 * 400 for another value. */
enum mg_baseline web_baseline(web_ctx *ctx);

/* The baseline's word in links: "officielle" or "modele". */
const char *web_baseline_param(enum mg_baseline b);

/* The paragraph that says what the values of a page are (the baseline's
 * label, how many communes show the model's value for want of an official
 * one, how many were brought back to 0) and links to the same page on the
 * other baseline: `path` with `profession` and base=…, plus `extra` query
 * pairs (NULL-ended, may be NULL). counts may be NULL (nothing to count). */
void web_baseline_note(mg_buf *b, enum mg_baseline base, const mg_baseline_counts *counts,
                       const char *path, const char *profession, const char *const *extra);

/* A scenario loaded from storage and evaluated. */
typedef struct web_scenario {
    mg_scenario_record rec;
    const mg_app_profession *p;
    mg_scenario s;
    double *apl;    /* the model's APL under the scenario, t->n */
    double *supply; /* t->n */
    /* The baseline the scenario is shown on: set by the caller before
     * web_scenario_eval (the loaders set the request's). */
    enum mg_baseline base;
    const double *before;    /* today on that baseline (borrowed from p), t->n */
    const mg_summary *base_summary; /* its figures (borrowed from p) */
    double *shown;           /* under the scenario on that baseline, t->n */
    uint8_t *flags;          /* MG_BASELINE_F_… of shown, t->n */
    mg_baseline_counts counts; /* over the study communes */
    mg_summary summary;      /* figures of shown */
} web_scenario;

/* Loads scenario `id` (a path parameter string) when the actor may `verb`
 * it, and evaluates it. Answers 404 (unknown, or another organisation's:
 * the same answer), 403, the log-in page, 409 or 5xx itself and returns
 * non-zero then. */
int web_scenario_load(web_ctx *ctx, const char *id, mg_auth_verb verb, web_scenario *out);

/* The same for the scenario shared by the read-only link `token`. */
int web_scenario_load_shared(web_ctx *ctx, const char *token, web_scenario *out);

/* A scenario as the authorisation function sees it. */
mg_auth_object web_scenario_object(const mg_scenario_record *rec, bool shared);

/* The <option>s of the organisations where the actor (options_ctx: the
 * web_ctx) may create a scenario: a web_options_fn of form.h. */
int web_creation_options(mg_buf *b, const void *options_ctx, const char *selected);

/* The organisation chosen in select `field` of a form read into `in`, when
 * the actor may create a scenario there; otherwise 0, the field refused. */
struct web_form_input;
int64_t web_creation_org(web_ctx *ctx, struct web_form_input *in, const char *field);

/* The scenarios the actor may see, as a list's scope (orgs is its memory). */
void web_scenario_scope(web_ctx *ctx, int64_t orgs[static MG_AUTH_MEMBERSHIPS_MAX],
                        mg_storage_scope *out);
void web_scenario_free(web_scenario *w);

/* Evaluates actions for profession p into w (w->rec and w->base
 * untouched): the model's APL, then the values shown on w->base and their
 * figures. French message in d on a bad scenario. */
int web_scenario_eval(const mg_app_profession *p, const json_t *actions, web_scenario *w,
                      mg_diag *d);

/* A message of the store (lower-case start, no period) made a sentence for
 * a page: capital first letter, final period; NULL or "" gives the table's
 * WEB_MSG_SCENARIO_NAME_INVALID. */
void web_sentence(char *out, size_t cap, const char *msg);

/* The history of an object (audit/audit.h), newest first, as a section of
 * its page: when, who (the account's e-mail is shown only to those who may
 * see the account; otherwise "un membre de l'organisation"), the verb in
 * French and the fields changed with their values before and after
 * (personal fields: "modifié", no values); paginated with ?historique=N.
 * The caller has already decided that the actor may see the object. */
void web_history(mg_buf *b, web_ctx *ctx, const char *object_type, int64_t object_id);

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


/* --- Shared by handlers (common.c) ------------------------------------------ */

/* An error page (or JSON under /api) with message m. */
void web_fail(web_ctx *ctx, int status, web_msg m);

/* The {id} of the path, a positive integer as the program writes ids ("7",
 * never "07", "+7" or "1e3"), or 0 after answering 404 with not_found. */
int64_t web_path_id(web_ctx *ctx, web_msg not_found);

/* The name of a downloaded file for Content-Disposition: the stored
 * name's ASCII letters, digits, '-', '_' and inner dots without its own
 * extension (others '_', a multi-byte character one '_'), at most 100
 * bytes, `fallback` when nothing is left, then the extension of the
 * accepted type served (PDF, PNG, JPEG, OOXML, ODF). */
void web_download_filename(char *out, size_t cap, const char *name, const char *type,
                           const char *fallback);

/* web_storage_error with messages of the table. */
void web_fail_storage(web_ctx *ctx, int rc, const mg_diag *d, web_msg not_found, web_msg failed);

/* What a handler returns once its page is drawn: MG_ELIMIT when the page
 * outgrew its buffer. */
int web_done(const web_ctx *ctx);

/* The refusal of the accounts module beside the field it names; a field
 * the form lacks goes beside `fallback`, so that the sentence is never lost. */
void web_refuse_auth(struct web_form_input *in, const mg_auth_field_error *fe,
                     const char *fallback);

/* A notice at the top of a page (role="status": read out, not urgent). */
void web_notice(mg_buf *b, web_msg m);

/* A stored timestamp "2026-12-05T14:03:07Z" as <time> "2026-12-05 14:03
 * UTC"; an empty or NULL one as `none`. */
void web_time_utc(mg_buf *b, const char *iso, const char *none);

/* Unix seconds, the same way. */
void web_time_unix(mg_buf *b, int64_t t);

/* Answers `doc` (consumed) as JSON with `status`. */
int web_send_json(mg_http_response *res, int status, json_t *doc);

/* The request's JSON object body, or NULL once answered (415 when not sent
 * as application/json, 400 when not a JSON object, saying where). */
json_t *web_body_json(const mg_http_request *r, mg_http_response *res);

/* JSON builders shared by the API and downloads. */
/* A commune's JSON: the model's APL under `apl` (g->apl today), the
 * official value, and the value on baseline `base` with its source and
 * the under-served flag on it. */
json_t *web_commune_json(const mg_app_profession *p, size_t i, const double *apl,
                         enum mg_baseline base);
json_t *web_commune_detail_json(const mg_app_profession *p, size_t i, enum mg_baseline base);

#endif
