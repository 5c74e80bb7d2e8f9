/*
 * A contract's amendments (avenants) and documents on its page
 * (contracts/contracts.h, "Amendments" and "Documents"):
 *   POST /contrats/{id}/avenants                       a new amendment
 *   POST /contrats/{id}/avenants/{am}/actions          an action's dates under it
 *   POST /contrats/{id}/documents                      a document uploaded
 *   GET  /contrats/{id}/documents/{doc}                a document downloaded
 * Each amendment is listed with what it changed, in words (« fin de
 * l'action … reportée du … au … », a budget line replaced and its amounts
 * before and after); the forms are for those who may edit the contract
 * (its lead's managers and contributors). A document is served only to
 * those who may see the contract, as an attachment under a name made safe
 * for the header, with its stored type (read from its bytes when it was
 * added) and nosniff (sent with every answer by the HTTP layer).
 *
 * A refused form comes back on a page of its own, status 400, with what
 * was typed and the message beside its field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/budget.h"
#include "contracts/contracts.h"
#include "parse/parse.h"
#include "web/contracts_web.h"
#include "web/form.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

static const char CONTRACT_NOT_FOUND[] = "Ce contrat n'existe pas.";
static const char AMENDMENT_NOT_FOUND[] = "Cet avenant n'existe pas.";
static const char DOCUMENT_NOT_FOUND[] = "Ce document n'existe pas.";
static const char READ_FAILED[] = "Le contrat n'a pas pu être lu.";
static const char SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";

#define DATE_HINT "Une date, par exemple 31/12/2027."

/* --- Forms ---------------------------------------------------------------------- */

enum { AM_TITLE, AM_SIGNED, AM_EFFECTIVE, AM_DESCRIPTION };
static const web_field amendment_fields[] = {
    [AM_TITLE] = {.name = "title", .label = "Intitulé de l'avenant", .kind = WEB_FIELD_TEXT,
                  .required = true, .max = MG_CONTRACT_TITLE_MAX_CHARS, .autocomplete = "off"},
    [AM_SIGNED] = {.name = "signed_on", .label = "Signé le", .kind = WEB_FIELD_TEXT, .max = 32,
                   .hint = DATE_HINT " Facultatif.", .autocomplete = "off",
                   .input_type = "date"},
    [AM_EFFECTIVE] = {.name = "effective_on", .label = "En vigueur le", .kind = WEB_FIELD_TEXT,
                      .required = true, .max = 32,
                      .hint = DATE_HINT " Ce qui était signé avant reste lisible.",
                      .autocomplete = "off", .input_type = "date"},
    [AM_DESCRIPTION] = {.name = "description", .label = "Description", .kind = WEB_FIELD_TEXT,
                        .max = MG_CONTRACT_DESCRIPTION_MAX_CHARS, .autocomplete = "off"},
};
static const web_form amendment_form = {"avenant", amendment_fields, NFIELDS(amendment_fields),
                                        "Enregistrer l'avenant", NULL};

/* The choices of the action field: the contract's actions. */
typedef struct action_choices {
    const mg_contract_action *a;
    size_t n;
} action_choices;

static int action_options(mg_buf *b, const void *ctx, const char *selected)
{
    const action_choices *ch = ctx;
    /* The first action is chosen unless another was: the form is drawn
     * only for a contract that has actions. */
    bool any = false;
    for (size_t i = 0; ch && i < ch->n; i++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)ch->a[i].id);
        any = any || (selected && strcmp(selected, id) == 0);
    }
    for (size_t i = 0; ch && i < ch->n; i++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)ch->a[i].id);
        mg_html_option(b, id, ch->a[i].title,
                       any ? strcmp(selected, id) == 0 : i == 0);
    }
    return 0;
}

enum { DT_ACTION, DT_START, DT_DUE };
static const web_field dates_fields[] = {
    [DT_ACTION] = {.name = "action", .label = "Action", .kind = WEB_FIELD_SELECT,
                   .required = true, .options_fn = action_options},
    [DT_START] = {.name = "starts_on", .label = "Nouveau début", .kind = WEB_FIELD_TEXT,
                  .max = 32, .hint = DATE_HINT " Vide : inchangé.", .autocomplete = "off",
                  .input_type = "date"},
    [DT_DUE] = {.name = "due_on", .label = "Nouvelle fin prévue", .kind = WEB_FIELD_TEXT,
                .max = 32, .hint = DATE_HINT " Vide : inchangée.", .autocomplete = "off",
                .input_type = "date"},
};
static const web_form dates_form = {"avenant-dates", dates_fields, NFIELDS(dates_fields),
                                    "Changer les dates", NULL};

/* --- Pieces ------------------------------------------------------------------------ */

/* "YYYY-MM-DD" as "DD/MM/YYYY"; "—" for none. */
static void fr_date(char out[static 16], const char *iso)
{
    if (iso && strlen(iso) == 10)
        snprintf(out, 16, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    else
        snprintf(out, 16, "—");
}

static const char *action_title(const action_choices *ch, int64_t id)
{
    for (size_t i = 0; i < ch->n; i++)
        if (ch->a[i].id == id)
            return ch->a[i].title;
    return NULL;
}

/* An action's date changed: « fin de l'action « X » reportée du … au … ». */
static void action_change(mg_buf *b, const action_choices *ch,
                          const mg_contract_amendment_change *c)
{
    /* Each change is a line of its own: capitalised. */
    bool due = strcmp(c->field, "due_on") == 0;
    const char *title = action_title(ch, c->object_id);
    char before[16], after[16];
    fr_date(before, c->before);
    fr_date(after, c->after);
    const char *verb = !c->before || !c->after         ? "fixé"
                       : strcmp(c->after, c->before) > 0 ? "reporté"
                                                         : "avancé";
    mg_buf_puts(b, due ? "Fin" : "Début");
    mg_buf_puts(b, " de l'action « ");
    if (title)
        mg_html_text(b, title);
    else
        mg_buf_printf(b, "n° %lld", (long long)c->object_id);
    mg_buf_puts(b, " » ");
    mg_html_text(b, verb);
    mg_buf_puts(b, due ? "e du " : " du ");
    mg_html_text(b, before);
    mg_buf_puts(b, " au ");
    mg_html_text(b, after);
}

/* Cents as text ("12 000 €"), from the decimal text stored in a change. */
static void cents_text(mg_buf *b, const char *s)
{
    int64_t v = 0;
    if (s && mg_parse_int(s, 0, INT64_MAX, &v, NULL) == 0)
        web_contract_euros(b, v);
    else
        mg_buf_puts(b, "—");
}

/* Budget line `id` as mg_budget_line_get reads it: among the lines the
 * contract's page read with everything else (view->dash) when it is there,
 * else through the store. */
static int line_get(web_ctx *ctx, const web_contract_view *view, int64_t id, mg_budget_line *out,
                    mg_diag *d)
{
    for (size_t k = 0; view->dash && k < view->dash->namended_lines; k++)
        if (view->dash->amended_lines[k].id == id) {
            *out = view->dash->amended_lines[k];
            return 0;
        }
    return mg_budget_line_get(ctx->app->db, id, out, d);
}

/* The changes of one budget line under one amendment, from i; returns the
 * index after them. */
static size_t budget_change(mg_buf *b, web_ctx *ctx, const web_contract_view *view,
                            const mg_contract_amendment_change *v, size_t i, size_t n)
{
    int64_t line = v[i].object_id, am = v[i].amendment_id;
    int64_t by = 0;
    mg_buf_printf(b, "Ligne budgétaire n° %lld", (long long)line);
    mg_budget_line old = {0};
    mg_diag d = {{0}};
    if (line_get(ctx, view, line, &old, &d) == 0) {
        mg_buf_puts(b, " (");
        mg_html_text(b, old.funder_name);
        mg_buf_printf(b, ", %d)", old.year);
    }
    size_t k = i;
    bool first = true;
    for (; k < n && v[k].object_id == line && v[k].amendment_id == am &&
           strcmp(v[k].object_type, "budget_line") == 0;
         k++) {
        const mg_contract_amendment_change *c = &v[k];
        if (strcmp(c->field, "replaced_by_line") == 0) {
            if (!c->after || mg_parse_int(c->after, 1, INT64_MAX, &by, NULL) != 0)
                by = 0;
            continue;
        }
        static const struct {
            const char *field, *label;
            bool cents;
        } names[] = {
            {"planned_cents", "prévu", true}, {"committed_cents", "engagé", true},
            {"paid_cents", "payé", true},     {"year", "année", false},
            {"nature", "nature", false},      {"funder_id", "financeur", false},
        };
        /* The amounts are all kept, changed or not: only changes are told. */
        if (c->before && c->after && strcmp(c->before, c->after) == 0)
            continue;
        for (size_t j = 0; j < NFIELDS(names); j++) {
            if (strcmp(c->field, names[j].field) != 0)
                continue;
            mg_buf_puts(b, first ? " : " : ", ");
            first = false;
            mg_html_text(b, names[j].label);
            mg_buf_puts(b, " de ");
            if (names[j].cents) {
                cents_text(b, c->before);
                mg_buf_puts(b, " à ");
                cents_text(b, c->after);
            } else if (strcmp(c->field, "nature") == 0) {
                mg_budget_nature nb, na;
                mg_html_text(b, c->before && mg_budget_nature_parse(c->before, &nb) == 0
                                    ? mg_budget_nature_label(nb)
                                    : "—");
                mg_buf_puts(b, " à ");
                mg_html_text(b, c->after && mg_budget_nature_parse(c->after, &na) == 0
                                    ? mg_budget_nature_label(na)
                                    : "—");
            } else if (strcmp(c->field, "funder_id") == 0) {
                mg_html_text(b, old.funder_name[0] ? old.funder_name : "—");
                mg_buf_puts(b, " à ");
                mg_budget_line nl;
                mg_diag d2 = {{0}};
                if (by && line_get(ctx, view, by, &nl, &d2) == 0)
                    mg_html_text(b, nl.funder_name);
                else
                    mg_html_text(b, c->after ? c->after : "—");
            } else {
                mg_html_text(b, c->before ? c->before : "—");
                mg_buf_puts(b, " à ");
                mg_html_text(b, c->after ? c->after : "—");
            }
        }
    }
    if (by)
        mg_buf_printf(b, " — remplacée par la ligne n° %lld", (long long)by);
    else
        mg_buf_puts(b, " — remplacée");
    return k;
}

static void contract_path(char *out, size_t cap, int64_t id, const char *suffix)
{
    snprintf(out, cap, "/contrats/%lld%s", (long long)id, suffix);
}

/* The form changing an action's dates under amendment am. */
static void dates_form_render(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                              const mg_contract_amendment *am, const action_choices *ch,
                              const web_form_input *in)
{
    char id[48], path[128];
    snprintf(id, sizeof id, "avenant-%d-dates", am->number);
    web_form f = dates_form;
    f.id = id;
    snprintf(path, sizeof path, "/contrats/%lld/avenants/%lld/actions", (long long)v->c.id,
             (long long)am->id);
    mg_buf_printf(b, "<h4>Changer les dates d'une action sous l'avenant n° %d</h4>\n",
                  am->number);
    web_form_render(b, &f, in, "post", path, ch, web_csrf(ctx));
}

/* --- The sections ------------------------------------------------------------------ */

void web_contract_amendments_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v)
{
    mg_contract_amendment *am = NULL;
    mg_contract_amendment_change *ch = NULL;
    mg_contract_action *acts = NULL;
    size_t nam = 0, nch = 0, nacts = 0;
    mg_diag d = {{0}};
    int rc = 0;
    if (v->dash) {
        /* Read with the contract's page in one transaction: borrowed. */
        am = v->dash->amendments, nam = v->dash->namendments;
        ch = v->dash->changes, nch = v->dash->nchanges;
        acts = v->dash->actions, nacts = v->dash->nactions;
    } else {
        rc = mg_contract_amendments(ctx->app->db, v->c.id, &am, &nam, &d);
        if (rc == 0)
            rc = mg_contract_amendment_changes(ctx->app->db, v->c.id, &ch, &nch, &d);
        if (rc == 0)
            rc = mg_contract_actions(ctx->app->db, v->c.id, &acts, &nacts, &d);
    }
    mg_buf_puts(b, "<section aria-labelledby=\"avenants\"><h2 id=\"avenants\">Avenants</h2>\n");
    if (rc) {
        fprintf(stderr, "amendments of contract %lld: %s\n", (long long)v->c.id, d.msg);
        mg_buf_puts(b, "<p>Les avenants n'ont pas pu être lus.</p>\n</section>\n");
        goto done;
    }
    action_choices choices = {acts, nacts};
    if (nam == 0)
        mg_buf_puts(b, "<p>Ce contrat n'a pas d'avenant : il s'applique tel qu'il a été "
                       "signé.</p>\n");
    else
        mg_buf_puts(b, "<p>Ce que chaque avenant a changé, avec ce qui était signé avant.</p>\n"
                       "<ol class=\"amendments\">\n");
    for (size_t i = 0; i < nam; i++) {
        const mg_contract_amendment *a = &am[i];
        char signed_on[16], effective[16];
        fr_date(signed_on, a->signed_on);
        fr_date(effective, a->effective_on);
        mg_buf_printf(b, "<li id=\"avenant-%d\"><h3>Avenant n° %d", a->number, a->number);
        if (a->signed_on[0]) {
            mg_buf_puts(b, " du ");
            mg_html_text(b, signed_on);
        }
        mg_buf_puts(b, " : ");
        mg_html_text(b, a->title);
        mg_buf_puts(b, "</h3>\n<p>En vigueur le ");
        mg_html_text(b, effective);
        mg_buf_puts(b, ".</p>\n");
        if (a->description && a->description[0]) {
            mg_buf_puts(b, "<p>");
            mg_html_text(b, a->description);
            mg_buf_puts(b, "</p>\n");
        }
        bool any = false;
        for (size_t k = 0; k < nch;) {
            if (ch[k].amendment_id != a->id) {
                k++;
                continue;
            }
            mg_buf_puts(b, any ? "<li>" : "<ul class=\"changes\"><li>");
            any = true;
            if (strcmp(ch[k].object_type, "action") == 0) {
                action_change(b, &choices, &ch[k]);
                k++;
            } else if (strcmp(ch[k].object_type, "budget_line") == 0) {
                k = budget_change(b, ctx, v, ch, k, nch);
            } else {
                mg_html_text(b, ch[k].field);
                mg_buf_puts(b, " : ");
                mg_html_text(b, ch[k].before ? ch[k].before : "—");
                mg_buf_puts(b, " → ");
                mg_html_text(b, ch[k].after ? ch[k].after : "—");
                k++;
            }
            mg_buf_puts(b, ".</li>\n");
        }
        if (any)
            mg_buf_puts(b, "</ul>\n");
        else
            mg_buf_puts(b, "<p>Aucun changement enregistré sous cet avenant.</p>\n");
        if (v->may_edit_contract && nacts > 0)
            dates_form_render(b, ctx, v, a, &choices, NULL);
        mg_buf_puts(b, "</li>\n");
    }
    if (nam)
        mg_buf_puts(b, "</ol>\n");
    if (v->may_edit_contract) {
        char path[96];
        contract_path(path, sizeof path, v->c.id, "/avenants");
        mg_buf_puts(b, "<h3 id=\"nouvel-avenant\">Nouvel avenant</h3>\n");
        web_form_render(b, &amendment_form, NULL, "post", path, NULL, web_csrf(ctx));
    }
    mg_buf_puts(b, "</section>\n");
done:
    if (!v->dash) {
        mg_contract_amendments_free(am, nam);
        mg_contract_amendment_changes_free(ch, nch);
        mg_contract_actions_free(acts, nacts);
    }
}

/* "1,5 Mio", "820 Kio", "312 octets". */
static void size_text(mg_buf *b, size_t n)
{
    char s[32];
    if (n >= 1024 * 1024)
        web_num(s, sizeof s, (double)n / (1024.0 * 1024.0), 1), mg_html_text(b, s),
            mg_buf_puts(b, " Mio");
    else if (n >= 1024)
        web_num(s, sizeof s, (double)n / 1024.0, 0), mg_html_text(b, s), mg_buf_puts(b, " Kio");
    else
        mg_buf_printf(b, "%zu ", n), mg_buf_puts(b, n > 1 ? "octets" : "octet");
}

/* The upload form, drawn by hand: web_form draws urlencoded forms only. */
static void upload_form(mg_buf *b, web_ctx *ctx, const web_contract_view *v, const char *title,
                        const char *error)
{
    char path[96];
    contract_path(path, sizeof path, v->c.id, "/documents");
    mg_buf_puts(b, "<h3 id=\"ajout-document\">Ajouter un document</h3>\n");
    if (error && error[0]) {
        mg_buf_puts(b, "<div role=\"alert\" class=\"form-errors\"><p id=\"document-erreur\">");
        mg_html_text(b, error);
        mg_buf_puts(b, "</p></div>\n");
    }
    mg_buf_puts(b, "<form class=\"stack\" method=\"post\" enctype=\"multipart/form-data\" "
                   "action=\"");
    mg_html_attr(b, path);
    mg_buf_puts(b, "\">\n");
    web_csrf_field(b, ctx);
    mg_buf_puts(b, "<label for=\"document-title\">Intitulé</label>\n"
                   "<input type=\"text\" id=\"document-title\" name=\"title\" maxlength=\"200\" "
                   "autocomplete=\"off\" aria-describedby=\"document-title-aide\" value=\"");
    mg_html_attr(b, title ? title : "");
    mg_buf_puts(b, "\">\n<p class=\"hint\" id=\"document-title-aide\">Facultatif : le nom du "
                   "fichier sinon.</p>\n"
                   "<label for=\"document-file\">Fichier</label>\n"
                   "<input type=\"file\" id=\"document-file\" name=\"file\" required "
                   "accept=\".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.odt,.ods\" "
                   "aria-describedby=\"document-file-aide");
    if (error && error[0])
        mg_buf_puts(b, " document-erreur\" aria-invalid=\"true");
    mg_buf_puts(b, "\">\n<p class=\"hint\" id=\"document-file-aide\">PDF, PNG, JPEG, Word "
                   "(.docx), Excel (.xlsx), OpenDocument (.odt, .ods) ; 10 Mio au plus. Le type "
                   "est lu dans le contenu du fichier, pas dans son nom.</p>\n"
                   "<button type=\"submit\">Ajouter le document</button>\n</form>\n");
}

void web_contract_documents_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v)
{
    mg_contract_document *docs = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = 0;
    if (v->dash) /* read with the contract's page in one transaction: borrowed */
        docs = v->dash->documents, n = v->dash->ndocuments;
    else
        rc = mg_contract_documents(ctx->app->db, v->c.id, &docs, &n, &d);
    mg_buf_puts(b, "<section aria-labelledby=\"documents\"><h2 id=\"documents\">Documents</h2>\n");
    if (rc) {
        fprintf(stderr, "documents of contract %lld: %s\n", (long long)v->c.id, d.msg);
        mg_buf_puts(b, "<p>Les documents n'ont pas pu être lus.</p>\n</section>\n");
        return;
    }
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucun document n'est joint à ce contrat.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Documents du contrat</caption>"
                       "<thead><tr><th scope=\"col\">Document</th><th scope=\"col\">Fichier</th>"
                       "<th scope=\"col\">Type</th><th scope=\"col\">Taille</th>"
                       "<th scope=\"col\">Ajouté le</th><th scope=\"col\">SHA-256</th>"
                       "</tr></thead><tbody>\n");
        for (size_t i = 0; i < n; i++) {
            const mg_contract_document *x = &docs[i];
            char path[128], added[16];
            snprintf(path, sizeof path, "/contrats/%lld/documents/%lld", (long long)v->c.id,
                     (long long)x->id);
            mg_buf_puts(b, "<tr><th scope=\"row\"><a href=\"");
            mg_html_href(b, path, NULL, NULL);
            mg_buf_puts(b, "\" download>");
            mg_html_text(b, x->title);
            mg_buf_puts(b, "</a></th><td>");
            mg_html_text(b, x->filename);
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, mg_contract_document_type_label(x->media_type));
            mg_buf_puts(b, "</td><td>");
            size_text(b, x->size);
            mg_buf_puts(b, "</td><td>");
            fr_date(added, x->created_at[0] ? x->created_at : NULL);
            if (strlen(x->created_at) >= 10) {
                char day[11];
                memcpy(day, x->created_at, 10);
                day[10] = 0;
                fr_date(added, day);
            }
            mg_html_text(b, added);
            mg_buf_puts(b, "</td><td><code class=\"hash\">");
            mg_html_text(b, x->sha256);
            mg_buf_puts(b, "</code></td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    if (!v->dash)
        free(docs);
    if (v->may_edit_contract)
        upload_form(b, ctx, v, NULL, NULL);
    mg_buf_puts(b, "</section>\n");
}

/* --- Handlers ---------------------------------------------------------------------- */

/* A refusal of the store beside the field it names (or `fallback`). */
static void refuse(web_form_input *in, const mg_contract_field_error *fe, const mg_diag *d,
                   const char *fallback)
{
    const char *field =
        fe->field && web_form_field(in->form, fe->field) >= 0 ? fe->field : fallback;
    web_form_refuse(in, field, fe->msg[0] ? fe->msg : d->msg);
}

/* A page of its own for a refused form, status 400. */
static void refused_page_begin(mg_buf *b, web_ctx *ctx, const web_contract_view *v,
                               const char *heading)
{
    ctx->res->status = 400;
    char title[1024];
    snprintf(title, sizeof title, "%s — %s", heading, v->c.title);
    web_page_begin(b, ctx, title, "contrats");
    web_contract_crumbs(b, &v->c);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, heading);
    mg_buf_puts(b, "</h1>\n<p>Contrat : <a href=\"");
    char path[64];
    contract_path(path, sizeof path, v->c.id, "");
    mg_html_href(b, path, NULL, NULL);
    mg_buf_puts(b, "\">");
    mg_html_text(b, v->c.title);
    mg_buf_puts(b, "</a></p>\n");
}

static void back_to(web_ctx *ctx, int64_t contract_id, const char *fragment)
{
    char to[96];
    snprintf(to, sizeof to, "/contrats/%lld#%s", (long long)contract_id, fragment);
    mg_http_redirect(ctx->res, to);
}

/* POST /contrats/{id}/avenants */
static int amendment_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form_input in;
    web_form_read(&amendment_form, ctx->req, &in);
    if (in.nerrors == 0) {
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        int rc = mg_contract_amendment_create(ctx->app->db, ctx->actor->account_id, v.c.id,
                                              in.raw[AM_TITLE], in.raw[AM_SIGNED],
                                              in.raw[AM_EFFECTIVE], in.raw[AM_DESCRIPTION], &id,
                                              &fe, &d);
        if (rc == 0) {
            back_to(ctx, v.c.id, "avenants");
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        refuse(&in, &fe, &d, "title");
    }
    mg_buf *b = &ctx->res->body;
    refused_page_begin(b, ctx, &v, "Nouvel avenant");
    char path[96];
    contract_path(path, sizeof path, v.c.id, "/avenants");
    web_form_render(b, &amendment_form, &in, "post", path, NULL, web_csrf(ctx));
    web_page_end(b);
    return web_done(ctx);
}

/* POST /contrats/{id}/avenants/{am}/actions */
static int dates_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    int64_t am_id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "am"), INT64_MAX, &am_id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, AMENDMENT_NOT_FOUND);
        return MG_OK;
    }
    mg_contract_amendment *am = NULL;
    mg_contract_action *acts = NULL;
    size_t nam = 0, nacts = 0;
    mg_diag d = {{0}};
    int rc = mg_contract_amendments(ctx->app->db, v.c.id, &am, &nam, &d);
    if (rc == 0)
        rc = mg_contract_actions(ctx->app->db, v.c.id, &acts, &nacts, &d);
    const mg_contract_amendment *a = NULL;
    for (size_t i = 0; rc == 0 && i < nam; i++)
        if (am[i].id == am_id)
            a = &am[i];
    if (rc == 0 && !a)
        rc = MG_ENOTFOUND;
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, AMENDMENT_NOT_FOUND, READ_FAILED);
        goto done;
    }
    web_form_input in;
    web_form_read(&dates_form, ctx->req, &in);
    int64_t action = 0;
    if (!in.error[DT_ACTION][0] &&
        mg_parse_id(in.raw[DT_ACTION], INT64_MAX, &action, NULL) != 0)
        web_form_refuse(&in, "action", "Choisissez une action du contrat.");
    if (in.nerrors == 0) {
        mg_contract_field_error fe = {0};
        rc = mg_contract_amend_action_dates(ctx->app->db, ctx->actor->account_id, am_id, action,
                                            in.raw[DT_START], in.raw[DT_DUE], &fe, &d);
        if (rc == 0) {
            char fragment[32];
            snprintf(fragment, sizeof fragment, "avenant-%d", a->number);
            back_to(ctx, v.c.id, fragment);
            goto done;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, AMENDMENT_NOT_FOUND, SAVE_FAILED);
            goto done;
        }
        refuse(&in, &fe, &d, "action");
    }
    {
        mg_buf *b = &ctx->res->body;
        char heading[96];
        snprintf(heading, sizeof heading, "Avenant n° %d : dates d'une action", a->number);
        refused_page_begin(b, ctx, &v, heading);
        action_choices ch = {acts, nacts};
        dates_form_render(b, ctx, &v, a, &ch, &in);
        web_page_end(b);
        rc = web_done(ctx);
    }
done:
    mg_contract_amendments_free(am, nam);
    mg_contract_actions_free(acts, nacts);
    return rc == MG_ELIMIT ? rc : MG_OK;
}

/* POST /contrats/{id}/documents (multipart/form-data: title, file) */
static int document_post(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    const char *title = mg_http_form(ctx->req, "title");
    const char *data = NULL, *filename = NULL;
    size_t len = 0;
    char error[1200] = "";
    int rc = mg_http_upload(ctx->req, "file", &data, &len, &filename);
    if (rc == MG_ENOTFOUND || (rc == 0 && (!filename || !filename[0]))) {
        snprintf(error, sizeof error, "Fichier : choisissez le fichier à joindre au contrat.");
    } else if (rc == MG_EPARSE) {
        snprintf(error, sizeof error, "Fichier : l'envoi n'a pas pu être lu ; réessayez.");
    } else if (rc) {
        return rc;
    } else {
        mg_contract_field_error fe = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        rc = mg_contract_document_add(ctx->app->db, ctx->actor->account_id, v.c.id, 0, title,
                                      filename, data, len, &id, &fe, &d);
        if (rc == 0) {
            back_to(ctx, v.c.id, "documents");
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, CONTRACT_NOT_FOUND, SAVE_FAILED);
            return MG_OK;
        }
        snprintf(error, sizeof error, "%s : %s",
                 fe.field && strcmp(fe.field, "title") == 0 ? "Intitulé" : "Fichier",
                 fe.msg[0] ? fe.msg : d.msg);
    }
    mg_buf *b = &ctx->res->body;
    refused_page_begin(b, ctx, &v, "Ajouter un document");
    upload_form(b, ctx, &v, title, error);
    web_page_end(b);
    return web_done(ctx);
}

/* GET /contrats/{id}/documents/{doc} */
static int document_get(web_ctx *ctx)
{
    web_contract_view v;
    if (!web_contract_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "doc"), INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, DOCUMENT_NOT_FOUND);
        return MG_OK;
    }
    mg_contract_document doc;
    void *data = NULL;
    size_t len = 0;
    mg_diag d = {{0}};
    int rc = mg_contract_document_get(ctx->app->db, id, &doc, &data, &len, &d);
    if (rc == 0 && (doc.contract_id != v.c.id || !doc.media_type[0]))
        rc = MG_ENOTFOUND;
    if (rc) {
        free(data);
        web_storage_error(ctx->req, ctx->res, rc, &d, DOCUMENT_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    /* The stored type is one of the accepted list: give the static string. */
    static const char *const types[] = {
        "application/pdf", "image/png", "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet"};
    const char *type = "application/octet-stream";
    for (size_t i = 0; i < NFIELDS(types); i++)
        if (strcmp(doc.media_type, types[i]) == 0)
            type = types[i];
    char name[128];
    web_download_filename(name, sizeof name, doc.filename, doc.media_type, "document");
    mg_http_response *res = ctx->res;
    mg_buf_reset(&res->body);
    if (len > res->body.max)
        res->body.max = len;
    rc = mg_buf_append(&res->body, data, len); /* lint-ok: the document's bytes, an attachment */
    free(data);
    if (rc)
        return rc;
    res->content_type = type;
    snprintf(res->disposition, sizeof res->disposition, "attachment; filename=\"%s\"", name);
    snprintf(res->cache, sizeof res->cache, "private, no-store");
    return MG_OK;
}

const web_route web_routes_contract_amendments[] = {
    {"POST", "/contrats/{id}/avenants", amendment_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/avenants/{am}/actions", dates_post, WEB_ANYONE, 0},
    {"POST", "/contrats/{id}/documents", document_post, WEB_ANYONE, 0},
    {"GET", "/contrats/{id}/documents/{doc}", document_get, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
