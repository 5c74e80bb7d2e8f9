/* What the pages, downloads and API share: formatting, page frame, the
 * profession parameter, maps and scenario loading. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "parse/parse.h"
#include "web/assets.h"
#include "web/form.h"
#include "web/messages.h"
#include "web/web.h"
#include "diagnosis/scope.h"

void web_num(char *out, size_t cap, double v, int decimals)
{
    if (!isfinite(v)) {
        snprintf(out, cap, "—");
        return;
    }
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v) < 0.5 * pow(10, -decimals) ? 0.0 : v);
    /* Group thousands with a narrow no-break space and use a decimal comma,
     * as French typography does. */
    const char *dot = strchr(raw, '.');
    size_t intlen = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t start = raw[0] == '-' ? 1 : 0, o = 0;
    for (size_t k = 0; k < intlen && o + 4 < cap; k++) {
        if (k > start && (intlen - k) % 3 == 0) {
            memcpy(out + o, "\u202f", 3);
            o += 3;
        }
        out[o++] = raw[k];
    }
    if (dot && o + 1 < cap) {
        out[o++] = ',';
        for (const char *p = dot + 1; *p && o + 1 < cap; p++)
            out[o++] = *p;
    }
    out[o] = '\0';
}

void web_page_begin(mg_buf *b, web_ctx *ctx, const char *title, const char *active)
{
    const mg_app *a = ctx->app;
    mg_buf_puts(b, "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    mg_html_text(b, title);
    mg_buf_puts(b, " — maillage</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n");
    const char *carte = web_asset_url("carte.js"); /* the maps' zoom and pan (assets.c) */
    if (carte) {
        mg_buf_puts(b, "<script src=\"");
        mg_html_text(b, carte);
        mg_buf_puts(b, "\" defer></script>\n");
    }
    mg_buf_puts(b, "</head>\n<body>\n<a class=\"skip\" href=\"#contenu\">Aller au contenu</a>\n"
                   "<header class=\"site\"><p class=\"brand\"><a href=\"/\">maillage</a> <span>");
    mg_html_text(b, a->territory_name);
    mg_buf_puts(b, "</span></p>\n<nav aria-label=\"Navigation principale\"><ul>");
    /* The public pages, then those of the signed-in (their organisation's
     * contracts, the single window for subsidies and network meetings). */
    static const struct {
        const char *key, *href, *label;
        bool account;
    } items[] = {{"territoire", "/territoire", "Territoire", false},
                 {"ou-me-soigner", "/ou-me-soigner", "Où me soigner ?", false},
                 {"teleconsultation", "/teleconsultation", "Téléconsultation", false},
                 {"annuaire", "/annuaire", "Annuaire", false},
                 {"scenarios", "/scenarios", "Scénarios", false},
                 {"planification", "/planification", "Planification", false},
                 {"contrats", "/contrats", "Contrats", true},
                 {"guichet", "/guichet", "Subventions", true},
                 {"equipements", "/equipements", "Équipements", true},
                 {"tournees", "/tournees/services", "Tournées", true},
                 {"reseau", "/reseau/reunions", "Réseau", true},
                 {"api", "/api", "API", false}};
    bool signed_in = ctx->actor && ctx->actor->account_id > 0;
    for (size_t k = 0; k < sizeof items / sizeof *items; k++) {
        if (items[k].account && !signed_in)
            continue;
        bool on = active && strcmp(active, items[k].key) == 0;
        mg_buf_puts(b, "<li><a href=\"");
        mg_html_href(b, items[k].href, NULL, NULL);
        mg_buf_puts(b, on ? "\" aria-current=\"page\">" : "\">");
        mg_html_text(b, items[k].label);
        mg_buf_puts(b, "</a></li>");
    }
    mg_buf_puts(b, "</ul></nav>\n");
    web_account_menu(b, ctx);
    mg_buf_puts(b, "</header>\n<main id=\"contenu\">\n");
}

void web_page_end(mg_buf *b)
{
    mg_buf_puts(b, "</main>\n<footer class=\"site\"><p>maillage — logiciel libre (Apache 2.0). "
                   "Données : DREES (APL 2021), INSEE (BPE 2019), Etalab (découpage administratif), "
                   "La Poste, IGN — Licence Ouverte 2.0. "
                   "<a href=\"/methode\">Méthode et limites</a></p></footer>\n</body>\n</html>\n");
}

const mg_app_profession *web_profession(const mg_app *a, const mg_http_request *r,
                                        mg_http_response *res)
{
    const char *key = mg_http_param(r, "profession");
    const mg_app_profession *p = mg_app_profession_get(a, key);
    if (!p)
        mg_http_error(r, res, 400, web_msg_fr(WEB_MSG_PROFESSION_UNKNOWN));
    return p;
}

int web_map(mg_buf *b, const mg_app *a, const mg_app_profession *p, const double *values,
            bool diverging, const char *title, double threshold, long highlight)
{
    return web_map_sites(b, a, p, values, diverging, title, threshold, &highlight,
                         highlight >= 0 ? 1 : 0);
}

int web_map_sites(mg_buf *b, const mg_app *a, const mg_app_profession *p, const double *values,
                  bool diverging, const char *title, double threshold, const long *sites,
                  size_t nsites)
{
    const mg_diagnosis *g = p->g;
    mg_map_style style = mg_map_style_for(values, g->study, g->study_n, threshold, diverging);
    char suffix[WEB_MAP_SUFFIX];
    mg_map_options opt = web_map_options(p, title, threshold, diverging, suffix);
    opt.highlight = nsites ? sites[0] : -1;
    opt.more_highlights = nsites > 1 ? sites + 1 : NULL;
    opt.nmore_highlights = nsites > 1 ? nsites - 1 : 0;
    return web_map_inline(b, a, g->t, values, &style, &opt);
}

void web_report_map_options(mg_map_options *opt, const mg_scope *sc)
{
    bool framed = sc->kind != MG_SCOPE_ALL;
    opt->width = 1000;
    opt->focus = framed ? sc->mark : NULL;
    opt->focus_label = framed ? sc->label : NULL;
    opt->label_count = framed ? 8 : 12;
    opt->epci_borders = true;
    opt->scale_bar = true;
}

mg_map_options web_map_options(const mg_app_profession *p, const char *title, double threshold,
                               bool diverging, char suffix[static WEB_MAP_SUFFIX])
{
    snprintf(suffix, WEB_MAP_SUFFIX, "?profession=%s", p->g->prof->key);
    return (mg_map_options){
        .title = title,
        .unit = diverging ? "écart" : p->g->prof->unit,
        .threshold = threshold,
        .threshold_label = "seuil de sous-dotation",
        .link_prefix = "/commune/",
        .link_suffix = suffix,
        .highlight = -1,
        .width = 800,
    };
}

int web_map_inline(mg_buf *b, const mg_app *a, const mg_territory *t, const double *values,
                   const mg_map_style *style, const mg_map_options *opt)
{
    mg_buf svg;
    mg_buf_init(&svg, MG_HTTP_MAX_RESPONSE);
    int rc = mg_map_svg(&svg, a->geometry, t, values, style, opt);
    if (rc == MG_OK) {
        /* Inline in HTML: drop the XML declaration. */
        const char *s = svg.data ? svg.data : "";
        if (strncmp(s, "<?xml", 5) == 0) {
            const char *e = strstr(s, "?>");
            s = e ? e + 2 : s;
            while (*s == '\n' || *s == '\r')
                s++;
        }
        rc = mg_buf_puts(b, s); /* lint-ok: SVG written and escaped by the map module */
    }
    mg_buf_free(&svg);
    return rc;
}

void web_scenario_free(web_scenario *w)
{
    mg_scenario_record_free(&w->rec);
    mg_scenario_free(&w->s);
    free(w->apl);
    free(w->supply);
    free(w->shown);
    free(w->flags);
    mg_summary_free(&w->summary);
    *w = (web_scenario){0};
}

int web_scenario_eval(const mg_app_profession *p, const json_t *actions, web_scenario *w,
                      mg_diag *d)
{
    const mg_diagnosis *g = p->g;
    w->p = p;
    int rc = mg_scenario_from_json(actions, g, &w->s, d);
    if (rc)
        return rc;
    /* Not zeroed: mg_scenario_eval writes every entry. */
    w->apl = mg_realloc_array(NULL, g->t->n, sizeof *w->apl);
    w->supply = mg_realloc_array(NULL, g->t->n, sizeof *w->supply);
    if (!w->apl || !w->supply)
        return MG_ENOMEM;
    if ((rc = mg_scenario_eval(p->engine, &w->s, w->apl, w->supply, d)))
        return rc;
    if (w->base >= MG_BASELINE_COUNT)
        w->base = MG_BASELINE_MODEL;
    w->before = mg_app_baseline_values(p, w->base);
    w->base_summary = mg_app_baseline_summary(p, w->base);
    w->shown = mg_realloc_array(NULL, g->t->n, sizeof *w->shown);
    w->flags = mg_realloc_array(NULL, g->t->n, 1);
    if (!w->shown || !w->flags)
        return MG_ENOMEM;
    mg_baseline_apply(w->base, g->t->n, g->official, g->apl, w->apl, w->shown, w->flags,
                      g->t->in_study, &w->counts);
    /* Agreement with the official values describes the method, not a
     * scenario: it is left out of the scenario's figures. The figures of
     * the EPCI the scenario leaves unchanged are those of the baseline's. */
    return mg_summary_update(g, w->shown, NULL, g->prof->threshold, w->base_summary, w->before,
                             &w->summary, d);
}

enum mg_baseline web_baseline(web_ctx *ctx)
{
    const char *v = mg_http_param(ctx->req, "base");
    if (!v || !*v)
        return ctx->app->baseline;
    enum mg_baseline b = mg_baseline_parse(v);
    if (b == MG_BASELINE_COUNT)
        web_fail(ctx, 400, WEB_MSG_BASELINE_UNKNOWN);
    return b;
}

bool web_scope(web_ctx *ctx, const mg_app_profession *p, mg_scope *out)
{
    const char *v = mg_http_param(ctx->req, "perimetre");
    mg_diag d = {{0}};
    /* A class of a layer (web/layers.c), or an EPCI or communes. */
    int rc = v && strncmp(v, "couche:", 7) == 0 ? web_layer_scope(ctx->app, p, v, out)
                                                : mg_scope_parse(p->g, v, out, &d);
    if (rc == MG_OK) {
        if (out->kind == MG_SCOPE_ALL)
            snprintf(out->label, sizeof out->label, "%s", ctx->app->territory_name);
        return true;
    }
    if (rc == MG_ENOMEM) {
        web_fail(ctx, 500, WEB_MSG_OUT_OF_MEMORY);
        return false;
    }
    /* The value named (escaped by the error page), then what is expected. */
    char msg[512];
    snprintf(msg, sizeof msg, "« %.120s » : %s", v, web_msg_fr(WEB_MSG_SCOPE_UNKNOWN));
    mg_http_error(ctx->req, ctx->res, 400, mg_http_strdup(ctx->req, msg));
    return false;
}

const char *web_baseline_param(enum mg_baseline b)
{
    return b == MG_BASELINE_OFFICIAL ? "officielle" : "modele";
}

void web_baseline_note(mg_buf *b, enum mg_baseline base, const mg_baseline_counts *counts,
                       const char *path, const char *profession, const char *const *extra)
{
    mg_buf_puts(b, "<p class=\"note baseline\">Valeurs : <strong>");
    mg_html_text(b, mg_baseline_label_fr(base));
    mg_buf_puts(b, "</strong>");
    if (base == MG_BASELINE_OFFICIAL) {
        mg_buf_puts(b, " : l'APL publiée par la DREES, plus l'écart que le modèle calcule "
                       "entre la situation avec le scénario et la situation actuelle.");
        if (counts && counts->fallback) {
            mg_buf_printf(b, " %zu ", counts->fallback);
            mg_buf_puts(b, counts->fallback > 1
                               ? "communes sans valeur officielle : APL du modèle, marquée "
                                 "« (modèle) »."
                               : "commune sans valeur officielle : APL du modèle, marquée "
                                 "« (modèle) ».");
        }
        if (counts && counts->clamped) {
            mg_buf_printf(b, " %zu ", counts->clamped);
            mg_buf_puts(b, counts->clamped > 1
                               ? "communes ramenées à 0 (l'APL officielle plus l'écart serait "
                                 "négative), marquées « ramené à 0 »."
                               : "commune ramenée à 0 (l'APL officielle plus l'écart serait "
                                 "négative), marquée « ramené à 0 ».");
        }
    } else {
        mg_buf_puts(b, " : l'APL calculée par maillage avant et après le scénario.");
    }
    enum mg_baseline other = base == MG_BASELINE_OFFICIAL ? MG_BASELINE_MODEL
                                                          : MG_BASELINE_OFFICIAL;
    const char *pairs[16] = {"profession", profession, "base", web_baseline_param(other)};
    size_t k = 4;
    for (size_t m = 0; extra && extra[m] && k + 2 < 16; m += 2) {
        pairs[k++] = extra[m];
        pairs[k++] = extra[m + 1];
    }
    pairs[k] = NULL;
    mg_buf_puts(b, " <a href=\"");
    mg_html_href(b, path, pairs, NULL);
    mg_buf_puts(b, other == MG_BASELINE_OFFICIAL
                       ? "\">Voir sur la base de l'APL officielle</a></p>\n"
                       : "\">Voir l'APL du modèle seul</a></p>\n");
}

void web_storage_error(const mg_http_request *r, mg_http_response *res, int rc, const mg_diag *d,
                       const char *not_found_fr, const char *failed_fr)
{
    if (rc == MG_ENOTFOUND) {
        mg_http_error(r, res, 404, not_found_fr);
        return;
    }
    if (rc == MG_EBUSY) {
        mg_http_error(r, res, 503, web_msg_fr(WEB_MSG_DB_BUSY));
        res->retry_after = 2;
    } else {
        mg_http_error(r, res, 500, failed_fr);
    }
    /* For the operator, in the access log line of this request. */
    snprintf(res->log_detail, sizeof res->log_detail, "%s",
             d && d->msg[0] ? d->msg : mg_strerror(rc));
}

mg_auth_object web_scenario_object(const mg_scenario_record *rec, bool shared)
{
    return (mg_auth_object){.type = MG_AUTH_OBJ_SCENARIO,
                            .organisation_id = rec->organisation_id,
                            .shared_by_link = shared};
}

void web_scenario_scope(web_ctx *ctx, int64_t orgs[static MG_AUTH_MEMBERSHIPS_MAX],
                        mg_storage_scope *out)
{
    out->orgs = orgs;
    out->norgs = mg_auth_orgs_where(ctx->actor, MG_AUTH_VIEW, MG_AUTH_OBJ_SCENARIO, orgs,
                                    MG_AUTH_MEMBERSHIPS_MAX);
    mg_auth_object unowned = {.type = MG_AUTH_OBJ_SCENARIO};
    out->unowned = ctx->actor->account_id > 0 &&
                   mg_auth_can(ctx->actor, MG_AUTH_VIEW, &unowned) == MG_AUTH_ALLOW;
}

int web_creation_options(mg_buf *b, const void *options_ctx, const char *selected)
{
    const web_ctx *ctx = options_ctx;
    const mg_auth_actor *a = ctx->actor;
    int rc = MG_OK;
    for (size_t k = 0; rc == MG_OK && k < a->nm; k++) {
        mg_auth_object o = {.type = MG_AUTH_OBJ_SCENARIO,
                            .organisation_id = a->m[k].organisation_id};
        if (!web_can(ctx, MG_AUTH_CREATE, &o))
            continue;
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)a->m[k].organisation_id);
        rc = mg_html_option(b, id, a->m[k].org_name, selected && strcmp(selected, id) == 0);
    }
    return rc;
}

int64_t web_creation_org(web_ctx *ctx, web_form_input *in, const char *field)
{
    int i = web_form_field(in->form, field);
    if (i < 0 || in->error[i][0])
        return 0;
    mg_auth_object obj = {.type = MG_AUTH_OBJ_SCENARIO};
    if (mg_parse_id(in->raw[i], INT64_MAX, &obj.organisation_id, NULL) ||
        !web_can(ctx, MG_AUTH_CREATE, &obj)) {
        web_form_refuse(in, field, web_msg_fr(WEB_MSG_ORGANISATION_NOT_YOURS));
        return 0;
    }
    return obj.organisation_id;
}

/* Evaluates the record just read into out (out->rec filled); answers and
 * returns non-zero when it cannot be. */
static int scenario_evaluate(web_ctx *ctx, web_scenario *out);

int web_scenario_load(web_ctx *ctx, const char *id, mg_auth_verb verb, web_scenario *out)
{
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    *out = (web_scenario){0};
    /* An id as the program writes it ("12"): "007", "1e3", "-1", "12abc"
     * name no scenario. */
    int64_t v;
    if (mg_parse_id(id, INT64_MAX, &v, NULL)) {
        mg_http_error(r, res, 404, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND));
        return -1;
    }
    mg_diag d = {{0}};
    int rc = mg_storage_scenario_get(ctx->app->db, v, &out->rec, &d);
    if (rc) {
        web_storage_error(r, res, rc, &d, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_READ_FAILED));
        return -1;
    }
    /* Another organisation's scenario answers as one that does not exist. */
    mg_auth_object o = web_scenario_object(&out->rec, false);
    if (!web_allow_as(ctx, verb, &o, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND))) {
        web_scenario_free(out);
        return -1;
    }
    return scenario_evaluate(ctx, out);
}

int web_scenario_load_shared(web_ctx *ctx, const char *token, web_scenario *out)
{
    *out = (web_scenario){0};
    mg_diag d = {{0}};
    int rc = mg_storage_scenario_by_share(ctx->app->db, token, &out->rec, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND),
                          web_msg_fr(WEB_MSG_SCENARIO_READ_FAILED));
        return -1;
    }
    mg_auth_object o = web_scenario_object(&out->rec, true);
    if (!web_allow_as(ctx, MG_AUTH_VIEW, &o, web_msg_fr(WEB_MSG_SCENARIO_NOT_FOUND))) {
        web_scenario_free(out);
        return -1;
    }
    return scenario_evaluate(ctx, out);
}

static int scenario_evaluate(web_ctx *ctx, web_scenario *out)
{
    const mg_app *a = ctx->app;
    const mg_http_request *r = ctx->req;
    mg_http_response *res = ctx->res;
    mg_diag d = {{0}};
    int rc;
    out->base = web_baseline(ctx);
    if (out->base == MG_BASELINE_COUNT) {
        web_scenario_free(out);
        return -1;
    }
    const mg_app_profession *p = mg_app_profession_get(a, out->rec.profession);
    json_error_t err;
    json_t *actions = json_loads(out->rec.actions_json, 0, &err);
    if (!p || !actions) {
        json_decref(actions);
        web_scenario_free(out);
        mg_http_error(r, res, 500, web_msg_fr(WEB_MSG_SCENARIO_UNREADABLE));
        return -1;
    }
    rc = web_scenario_eval(p, actions, out, &d);
    json_decref(actions);
    if (rc) {
        /* A stored scenario can become invalid (a commune lost its GPs in
         * a later data vintage): say so rather than fail. */
        mg_http_error(r, res, 409, d.msg[0] ? d.msg : web_msg_fr(WEB_MSG_SCENARIO_NOT_EVALUABLE));
        web_scenario_free(out);
        return -1;
    }
    return 0;
}

/* --- Lists in pages ----------------------------------------------------------- */

/* The highest page number read: far past any list, small enough to multiply. */
#define PAGE_MAX 1000000

int web_page_param(const mg_http_request *r, const char *name, size_t *page)
{
    const char *v = mg_http_query(r, name);
    if (!v || !*v) {
        *page = 1;
        return 0;
    }
    int64_t n;
    if (mg_parse_id(v, PAGE_MAX, &n, NULL))
        return MG_ENOTFOUND;
    *page = (size_t)n;
    return 0;
}

int web_paginate(size_t n, size_t page, size_t size, web_pager *out)
{
    size_t pages = n ? (n - 1) / size + 1 : 1;
    if (page < 1 || page > pages)
        return MG_ENOTFOUND;
    size_t first = (page - 1) * size;
    *out = (web_pager){page, pages, first, n - first < size ? n : first + size};
    return 0;
}


static void page_link(mg_buf *b, web_page_href_fn href, const void *state, size_t page,
                      bool current)
{
    mg_buf_puts(b, "<a href=\"");
    href(b, state, page);
    mg_buf_puts(b, current ? "\" aria-current=\"page\">" : "\">");
    mg_buf_printf(b, "<span class=\"sr\">Page </span>%zu</a>", page);
}

/*
 * The navigation of a paginated list (nothing when it fits on one page):
 * "Page N sur M", the previous and next pages, and the page numbers — all
 * of them up to 9 pages, else the first, the last and two either side of
 * the current one — the current one marked aria-current="page".
 */
void web_pager_nav(mg_buf *b, const web_pager *pg, const char *label, web_page_href_fn href,
                      const void *state)
{
    if (pg->pages <= 1)
        return;
    mg_buf_puts(b, "<nav class=\"pagination\" aria-label=\"");
    mg_html_attr(b, label);
    mg_buf_printf(b, "\"><span>Page %zu sur %zu</span>", pg->page, pg->pages);
    if (pg->page > 1) {
        mg_buf_puts(b, "<a rel=\"prev\" href=\"");
        href(b, state, pg->page - 1);
        mg_buf_puts(b, "\">← Page précédente</a>");
    }
    bool gap = false;
    for (size_t k = 1; k <= pg->pages; k++) {
        bool shown = pg->pages <= 9 || k == 1 || k == pg->pages ||
                     (k + 2 >= pg->page && k <= pg->page + 2);
        if (!shown) {
            if (!gap)
                mg_buf_puts(b, "<span aria-hidden=\"true\">…</span>");
            gap = true;
            continue;
        }
        gap = false;
        page_link(b, href, state, k, k == pg->page);
    }
    if (pg->page < pg->pages) {
        mg_buf_puts(b, "<a rel=\"next\" href=\"");
        href(b, state, pg->page + 1);
        mg_buf_puts(b, "\">Page suivante →</a>");
    }
    mg_buf_puts(b, "</nav>\n");
}


void web_sentence(char *out, size_t cap, const char *msg)
{
    if (!cap)
        return;
    snprintf(out, cap, "%s", msg && *msg ? msg : web_msg_fr(WEB_MSG_SCENARIO_NAME_INVALID));
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
    size_t n = strlen(out);
    if (n && out[n - 1] != '.' && n + 1 < cap) {
        out[n] = '.';
        out[n + 1] = '\0';
    }
}

/* --- Shared by the handlers of the account and organisation pages --------------- */

void web_fail(web_ctx *ctx, int status, web_msg m)
{
    mg_http_error(ctx->req, ctx->res, status, web_msg_fr(m));
}

int64_t web_path_id(web_ctx *ctx, web_msg not_found)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "id"), INT64_MAX, &id, NULL)) {
        web_fail(ctx, 404, not_found);
        return 0;
    }
    return id;
}

void web_fail_storage(web_ctx *ctx, int rc, const mg_diag *d, web_msg not_found, web_msg failed)
{
    web_storage_error(ctx->req, ctx->res, rc, d, web_msg_fr(not_found), web_msg_fr(failed));
}

int web_done(const web_ctx *ctx)
{
    return ctx->res->body.failed ? MG_ELIMIT : MG_OK;
}

void web_refuse_auth(web_form_input *in, const mg_auth_field_error *fe, const char *fallback)
{
    const char *field =
        fe->field && web_form_field(in->form, fe->field) >= 0 ? fe->field : fallback;
    web_form_refuse(in, field, fe->msg[0] ? fe->msg : web_msg_fr(WEB_MSG_FIELD_REFUSED));
}

void web_notice(mg_buf *b, web_msg m)
{
    mg_buf_puts(b, "<p class=\"notice\" role=\"status\">");
    mg_html_text(b, web_msg_fr(m));
    mg_buf_puts(b, "</p>\n");
}

void web_time_utc(mg_buf *b, const char *iso, const char *none)
{
    if (!iso || !iso[0]) {
        mg_html_text(b, none);
        return;
    }
    char shown[24] = {0};
    snprintf(shown, sizeof shown, "%.16s UTC", iso);
    if (shown[10] == 'T')
        shown[10] = ' ';
    mg_buf_puts(b, "<time datetime=\"");
    mg_html_attr(b, iso);
    mg_buf_puts(b, "\">");
    mg_html_text(b, shown);
    mg_buf_puts(b, "</time>");
}

void web_time_unix(mg_buf *b, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char iso[32];
    if (!gmtime_r(&tt, &tm) || !strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        mg_buf_puts(b, "—");
        return;
    }
    web_time_utc(b, iso, "—");
}

/* An EPCI among the choices: its name and index. */
typedef struct epci_choice {
    const char *name;
    size_t e;
} epci_choice;

static int cmp_epci_choice(const void *x, const void *y)
{
    const epci_choice *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->e > b->e) - (a->e < b->e);
}

int web_epci_options(mg_buf *b, const mg_diagnosis *g, const char *selected)
{
    const mg_territory *t = g->t;
    size_t cap = t->nepci ? t->nepci : 1;
    epci_choice *e = mg_alloc_array(cap, sizeof *e);
    uint8_t *seen = calloc(cap, 1);
    if (!e || !seen) {
        free(e);
        free(seen);
        return MG_ENOMEM;
    }
    size_t n = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        int32_t x = t->epci[g->study[k]];
        if (x >= 0 && !seen[x]) {
            seen[x] = 1;
            e[n++] = (epci_choice){t->epci_name && t->epci_name[x] ? t->epci_name[x]
                                                                    : t->epci_code[x],
                                   (size_t)x};
        }
    }
    qsort(e, n, sizeof *e, cmp_epci_choice);
    int rc = MG_OK;
    char key[32];
    for (size_t k = 0; rc == MG_OK && k < n; k++) {
        snprintf(key, sizeof key, "epci:%s", t->epci_code[e[k].e]);
        rc = mg_html_option(b, key, e[k].name, selected && strcmp(selected, key) == 0);
    }
    free(e);
    free(seen);
    return rc;
}

void web_download_filename(char *out, size_t cap, const char *name, const char *type,
                           const char *fallback)
{
    static const struct {
        const char *type, *ext;
    } exts[] = {
        {"application/pdf", ".pdf"},
        {"image/png", ".png"},
        {"image/jpeg", ".jpg"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
        {"application/vnd.oasis.opendocument.text", ".odt"},
        {"application/vnd.oasis.opendocument.spreadsheet", ".ods"},
    };
    const char *ext = "";
    for (size_t i = 0; type && i < sizeof exts / sizeof exts[0]; i++)
        if (strcmp(type, exts[i].type) == 0)
            ext = exts[i].ext;
    char base[101];
    size_t n = 0;
    /* The name without its own extension: the type's is put back. */
    const char *dot = name ? strrchr(name, '.') : NULL;
    size_t stop = !name ? 0 : dot ? (size_t)(dot - name) : strlen(name);
    for (size_t i = 0; i < stop && n < sizeof base - 1; i++) {
        unsigned char c = (unsigned char)name[i];
        if ((c & 0xC0) == 0x80)
            continue; /* a multi-byte character gives one "_" */
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || (c == '.' && n > 0);
        base[n++] = ok ? (char)c : '_';
    }
    base[n] = 0;
    snprintf(out, cap, "%s%s", n ? base : fallback, ext);
}
