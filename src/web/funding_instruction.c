/*
 * The joint instruction of a subsidy request on the web (issue 16;
 * docs/funding-instruction.md): the sections of the request's page that
 * show each co-funder's position side by side with the lead's routing
 * form and each instructor's forms for its own part (opinion, question,
 * decision), the applicant's answers to open questions, the messages
 * (internal ones, in a list of their own, only for who may read them:
 * never on a page the applicant sees) and the request's history; the
 * routes behind those forms; and the joint committees of a window.
 *
 * Rights: every route loads the request through web_subsidy_load with its
 * verb (ROUTE for the lead's forms, INSTRUCT or DECIDE with the part of
 * {fid}, EDIT for an answer), so that who may not see the request gets the
 * same 404 as for no request, and who sees it without the right a 403.
 * Committees belong to the window's lead (MG_AUTH_OBJ_SUBSIDY_WINDOW,
 * EDIT, without the co-funders). A form accepted answers 303 back to the
 * page; a form refused answers 400 with the page drawn again, what was
 * typed in it and the sentence beside its field. Pages call src/funding/
 * and never run SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "contracts/budget.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "parse/parse.h"
#include "web/funding_web.h"
#include "web/web.h"

static const char REQUEST_NOT_FOUND[] = "Cette demande de subvention n'existe pas.";
static const char SAVE_FAILED[] = "La modification n'a pas pu être enregistrée.";
static const char QUESTION_NOT_FOUND[] = "Cette question n'existe pas.";
static const char WINDOW_NOT_FOUND[] = "Ce guichet n'existe pas.";
static const char COMMITTEE_NOT_FOUND[] = "Cette commission n'existe pas.";
static const char COMMITTEE_READ_FAILED[] = "La commission n'a pas pu être lue.";

/* --- The refused form of this request ------------------------------------------------------ */

/* A form of this file refused: which one (its id on the page) and why, so
 * that the sections drawn again for the 400 show what was typed and the
 * sentences beside its fields. One per request, on the thread serving it. */
typedef struct refused_form {
    char id[48];
    mg_subsidy_errors errs;
} refused_form;

static _Thread_local const refused_form *pending;

static bool is_pending(const char *id)
{
    return pending && strcmp(pending->id, id) == 0;
}

/* What was typed in field `name` of form `id` when it is the refused one. */
static const char *typed(web_ctx *ctx, const char *id, const char *name)
{
    return is_pending(id) ? mg_http_form(ctx->req, name) : NULL;
}

static const char *error_of(const char *id, const char *field)
{
    return is_pending(id) ? mg_subsidy_errors_for(&pending->errs, field) : NULL;
}

/* The refusals of the pending form that name none of `fields`, as the
 * form's alert (a refusal of the part's state, say). */
static void form_alert(mg_buf *b, const char *id, const char *const *fields)
{
    if (!is_pending(id))
        return;
    for (size_t k = 0; k < pending->errs.n && k < MG_SUBSIDY_ERRORS_MAX; k++) {
        bool named = false;
        for (size_t f = 0; fields && fields[f]; f++)
            named |= strcmp(pending->errs.e[k].field, fields[f]) == 0;
        if (named)
            continue;
        mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
        mg_html_text(b, pending->errs.e[k].msg);
        mg_buf_puts(b, "</p>\n");
    }
}

/* --- Small pieces of forms ----------------------------------------------------------------- */

/* id="FORM-NAME" (and the error's id with suffix "-erreur"). */
static void field_id(mg_buf *b, const char *form, const char *name, const char *suffix)
{
    mg_html_attr(b, form);
    mg_buf_puts(b, "-");
    mg_html_attr(b, name);
    if (suffix)
        mg_html_attr(b, suffix);
}

static void label(mg_buf *b, const char *form, const char *name, const char *text, bool req)
{
    mg_buf_puts(b, "<label for=\"");
    field_id(b, form, name, NULL);
    mg_buf_puts(b, "\">");
    mg_html_text(b, text);
    if (req)
        mg_buf_puts(b, " <span class=\"required\">(obligatoire)</span>");
    mg_buf_puts(b, "</label>\n");
}

/* The common attributes of a control: id, name, required, and its error. */
static void control_attrs(mg_buf *b, const char *form, const char *name, bool req,
                          const char *err)
{
    mg_buf_puts(b, " id=\"");
    field_id(b, form, name, NULL);
    mg_buf_puts(b, "\" name=\"");
    mg_html_attr(b, name);
    mg_buf_puts(b, "\"");
    if (req)
        mg_buf_puts(b, " required");
    if (err) {
        mg_buf_puts(b, " aria-invalid=\"true\" aria-describedby=\"");
        field_id(b, form, name, "-erreur");
        mg_buf_puts(b, "\"");
    }
}

static void field_error(mg_buf *b, const char *form, const char *name, const char *err)
{
    if (!err)
        return;
    mg_buf_puts(b, "<p class=\"field-error\" id=\"");
    field_id(b, form, name, "-erreur");
    mg_buf_puts(b, "\">");
    mg_html_text(b, err);
    mg_buf_puts(b, "</p>\n");
}

static void textarea(mg_buf *b, web_ctx *ctx, const char *form, const char *name,
                     const char *text, bool req)
{
    const char *err = error_of(form, name), *value = typed(ctx, form, name);
    mg_buf_puts(b, "<div class=\"field\">");
    label(b, form, name, text, req);
    mg_buf_puts(b, "<textarea rows=\"4\" cols=\"60\"");
    control_attrs(b, form, name, req, err);
    mg_buf_printf(b, " maxlength=\"%d\">", (int)MG_SUBSIDY_TEXT_MAX_CHARS);
    if (value)
        mg_html_text(b, value);
    mg_buf_puts(b, "</textarea>");
    field_error(b, form, name, err);
    mg_buf_puts(b, "</div>\n");
}

static void input(mg_buf *b, web_ctx *ctx, const char *form, const char *name, const char *text,
                  const char *type, const char *hint, bool req)
{
    const char *err = error_of(form, name), *value = typed(ctx, form, name);
    mg_buf_puts(b, "<div class=\"field\">");
    label(b, form, name, text, req);
    mg_buf_puts(b, "<input type=\"");
    mg_html_attr(b, type);
    mg_buf_puts(b, "\" autocomplete=\"off\"");
    control_attrs(b, form, name, req, err);
    if (hint && !err) {
        mg_buf_puts(b, " aria-describedby=\"");
        field_id(b, form, name, "-aide");
        mg_buf_puts(b, "\"");
    }
    if (value) {
        mg_buf_puts(b, " value=\"");
        mg_html_attr(b, value);
        mg_buf_puts(b, "\"");
    }
    mg_buf_puts(b, ">");
    if (hint && !err) {
        mg_buf_puts(b, "<p class=\"hint\" id=\"");
        field_id(b, form, name, "-aide");
        mg_buf_puts(b, "\">");
        mg_html_text(b, hint);
        mg_buf_puts(b, "</p>");
    }
    field_error(b, form, name, err);
    mg_buf_puts(b, "</div>\n");
}

/* A <select> of fixed choices (value, label pairs ended by NULL). */
static void select_of(mg_buf *b, web_ctx *ctx, const char *form, const char *name,
                      const char *text, const char *const *choices, bool req)
{
    const char *err = error_of(form, name), *value = typed(ctx, form, name);
    mg_buf_puts(b, "<div class=\"field\">");
    label(b, form, name, text, req);
    mg_buf_puts(b, "<select");
    control_attrs(b, form, name, req, err);
    mg_buf_puts(b, ">");
    for (size_t k = 0; choices[k]; k += 2)
        mg_html_option(b, choices[k], choices[k + 1], value && strcmp(value, choices[k]) == 0);
    mg_buf_puts(b, "</select>");
    field_error(b, form, name, err);
    mg_buf_puts(b, "</div>\n");
}

static void form_open(mg_buf *b, web_ctx *ctx, const char *id, int64_t request_id,
                      const char *tail, int64_t key)
{
    mg_buf_puts(b, "<form method=\"post\" class=\"stack\" id=\"");
    mg_html_attr(b, id);
    mg_buf_puts(b, "\" action=\"");
    web_subsidy_href(b, request_id);
    mg_html_attr(b, tail);
    if (key)
        mg_buf_printf(b, "/%lld", (long long)key);
    mg_buf_puts(b, "\">\n");
    web_csrf_field(b, ctx);
}

static void form_close(mg_buf *b, const char *submit)
{
    mg_buf_puts(b, "<button type=\"submit\">");
    mg_html_text(b, submit);
    mg_buf_puts(b, "</button>\n</form>\n");
}

static void euros(mg_buf *b, int64_t cents)
{
    char s[64];
    mg_budget_format_cents(cents, s, sizeof s);
    mg_html_text(b, s);
}

static const char AMOUNT_HINT[] = "En euros, par exemple 12 500 ou 1 234,56.";

/* --- The parts section --------------------------------------------------------------------- */

static const char *const opinion_choices[] = {
    "", "Choisir un avis", "favourable", "Favorable", "reserved", "Réservé",
    "unfavourable", "Défavorable", NULL};

static const char *const decision_choices[] = {
    "", "Choisir une décision", "grant", "Accorder", "refuse", "Refuser", "close",
    "Classer sans suite", NULL};

/* The organisations the lead may add, by name: active, not the applicant,
 * not already a part. */
static void add_funder_form(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v,
                            const mg_subsidy_part *parts, size_t n)
{
    const char *id = "ajout-cofinanceur";
    mg_buf_puts(b, "<h3>Ajouter un cofinanceur</h3>\n");
    form_open(b, ctx, id, v->r.id, "/cofinanceurs", 0);
    form_alert(b, id, (const char *const[]){"funder", "asked", NULL});
    const char *err = error_of(id, "funder"), *value = typed(ctx, id, "funder");
    mg_buf_puts(b, "<div class=\"field\">");
    label(b, id, "funder", "Organisme", true);
    mg_buf_puts(b, "<select");
    control_attrs(b, id, "funder", true, err);
    mg_buf_puts(b, ">");
    mg_html_option(b, "", "Choisir l'organisme", !value || !*value);
    for (size_t page = 0; page < 20; page++) {
        mg_auth_org *orgs = NULL;
        size_t got = 0, total = 0;
        mg_diag d = {{0}};
        if (mg_auth_org_list(ctx->app->db, false, page * 1000, 1000, &orgs, &got, &total, &d)) {
            fprintf(stderr, "guichet: organisations: %s\n", d.msg);
            break;
        }
        for (size_t k = 0; k < got; k++) {
            bool taken = !orgs[k].active || orgs[k].id == v->r.applicant_id;
            for (size_t p = 0; p < n && !taken; p++)
                taken = parts[p].funder_id == orgs[k].id;
            if (taken)
                continue;
            char oid[24];
            snprintf(oid, sizeof oid, "%lld", (long long)orgs[k].id);
            mg_html_option(b, oid, orgs[k].name, value && strcmp(value, oid) == 0);
        }
        free(orgs);
        if (got < 1000 || (page + 1) * 1000 >= total)
            break;
    }
    mg_buf_puts(b, "</select>");
    field_error(b, id, "funder", err);
    mg_buf_puts(b, "</div>\n");
    input(b, ctx, id, "asked", "Montant demandé à cet organisme", "text", AMOUNT_HINT, true);
    form_close(b, "Ajouter et orienter vers ce cofinanceur");
}

static void route_form(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v,
                       const mg_subsidy_part *parts, size_t n)
{
    size_t addressed = 0;
    for (size_t k = 0; k < n; k++)
        addressed += parts[k].state == MG_PART_ADDRESSED;
    if (!addressed)
        return;
    const char *id = "orientation";
    form_open(b, ctx, id, v->r.id, "/orienter", 0);
    mg_buf_puts(b, "<fieldset><legend>Orienter la demande vers les cofinanceurs</legend>\n");
    form_alert(b, id, (const char *const[]){"funders", NULL});
    const char *err = error_of(id, "funders");
    for (size_t k = 0; k < n; k++) {
        if (parts[k].state != MG_PART_ADDRESSED)
            continue;
        char name[48];
        snprintf(name, sizeof name, "funder_%lld", (long long)parts[k].funder_id);
        bool checked = is_pending(id) ? typed(ctx, id, name) != NULL : true;
        mg_buf_puts(b, "<div class=\"check\"><input type=\"checkbox\" value=\"1\"");
        mg_buf_puts(b, " id=\"");
        field_id(b, id, name, NULL);
        mg_buf_puts(b, "\" name=\"");
        mg_html_attr(b, name);
        mg_buf_puts(b, "\"");
        if (checked)
            mg_buf_puts(b, " checked");
        if (err) {
            mg_buf_puts(b, " aria-describedby=\"");
            field_id(b, id, "funders", "-erreur");
            mg_buf_puts(b, "\"");
        }
        mg_buf_puts(b, "><label for=\"");
        field_id(b, id, name, NULL);
        mg_buf_puts(b, "\">");
        mg_html_text(b, parts[k].funder_name);
        mg_buf_puts(b, " (");
        euros(b, parts[k].asked_cents);
        mg_buf_puts(b, " demandés)</label></div>\n");
    }
    field_error(b, id, "funders", err);
    mg_buf_puts(b, "</fieldset>\n");
    form_close(b, "Orienter vers les cofinanceurs cochés");
}

/* The forms of an instructor for its own part p. */
static void part_forms(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v,
                       const mg_subsidy_part *p)
{
    if (p->state == MG_PART_ADDRESSED || mg_subsidy_part_decided(p->state))
        return;
    char id[48];
    mg_buf_puts(b, "<section class=\"part-forms\" aria-labelledby=\"");
    mg_buf_printf(b, "part-%lld-titre\"><h3 id=\"part-%lld-titre\">", (long long)p->funder_id,
                  (long long)p->funder_id);
    mg_buf_puts(b, "Instruction pour ");
    mg_html_text(b, p->funder_name);
    mg_buf_puts(b, "</h3>\n");

    snprintf(id, sizeof id, "avis-%lld", (long long)p->funder_id);
    char tail[64];
    snprintf(tail, sizeof tail, "/parts/%lld/avis", (long long)p->funder_id);
    form_open(b, ctx, id, v->r.id, tail, 0);
    mg_buf_puts(b, "<h4>Avis</h4>\n");
    form_alert(b, id, (const char *const[]){"opinion", "opinion_text", NULL});
    select_of(b, ctx, id, "opinion", "Avis", opinion_choices, true);
    textarea(b, ctx, id, "opinion_text", "Motivation de l'avis", false);
    form_close(b, "Enregistrer l'avis");

    snprintf(id, sizeof id, "question-%lld", (long long)p->funder_id);
    snprintf(tail, sizeof tail, "/parts/%lld/question", (long long)p->funder_id);
    form_open(b, ctx, id, v->r.id, tail, 0);
    mg_buf_puts(b, "<h4>Question au demandeur</h4>\n<p>La part passe « à compléter » "
                   "jusqu'à la réponse du demandeur, qui est prévenu par courriel.</p>\n");
    form_alert(b, id, (const char *const[]){"body", NULL});
    textarea(b, ctx, id, "body", "Question", true);
    form_close(b, "Envoyer la question");

    if (web_subsidy_decides(v, p->funder_id)) {
        snprintf(id, sizeof id, "decision-%lld", (long long)p->funder_id);
        snprintf(tail, sizeof tail, "/parts/%lld/decision", (long long)p->funder_id);
        form_open(b, ctx, id, v->r.id, tail, 0);
        mg_buf_puts(b, "<h4>Décision</h4>\n<p>Une décision est définitive. Montant demandé : ");
        euros(b, p->asked_cents);
        mg_buf_puts(b, ".</p>\n");
        form_alert(b, id, (const char *const[]){"decision", "amount", "reason", NULL});
        select_of(b, ctx, id, "decision", "Décision", decision_choices, true);
        input(b, ctx, id, "amount", "Montant accordé (pour un accord)", "text",
              "En euros, au plus le montant demandé ; par exemple 12 500.", false);
        textarea(b, ctx, id, "reason", "Motif (obligatoire pour un refus)", false);
        form_close(b, "Enregistrer la décision");
    } else {
        mg_buf_puts(b, "<p>Seuls les instructeurs de ");
        mg_html_text(b, p->funder_name);
        mg_buf_puts(b, " prennent sa décision.</p>\n");
    }
    mg_buf_puts(b, "</section>\n");
}

/* The applicant's forms to answer the questions still open. */
static void answer_forms(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v)
{
    mg_subsidy_message *m = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    if (mg_subsidy_messages(ctx->app->db, v->r.id, false, &m, &n, &d)) {
        fprintf(stderr, "guichet: questions: %s\n", d.msg);
        return;
    }
    size_t open = 0;
    for (size_t k = 0; k < n; k++)
        open += m[k].kind == MG_MESSAGE_QUESTION && !m[k].answered_at[0];
    if (open) {
        mg_buf_puts(b, "<h3>Questions en attente de votre réponse</h3>\n");
        for (size_t k = 0; k < n; k++) {
            if (m[k].kind != MG_MESSAGE_QUESTION || m[k].answered_at[0])
                continue;
            char id[48];
            snprintf(id, sizeof id, "reponse-%lld", (long long)m[k].id);
            mg_buf_puts(b, "<blockquote class=\"question\"><p>");
            mg_html_text(b, m[k].author_org_name);
            mg_buf_puts(b, ", ");
            web_time_utc(b, m[k].created_at, "");
            mg_buf_puts(b, " :</p><p>");
            mg_html_text(b, m[k].body);
            mg_buf_puts(b, "</p></blockquote>\n");
            form_open(b, ctx, id, v->r.id, "/reponses", m[k].id);
            form_alert(b, id, (const char *const[]){"body", NULL});
            textarea(b, ctx, id, "body", "Votre réponse", true);
            form_close(b, "Envoyer la réponse");
        }
    }
    mg_subsidy_messages_free(m, n);
}

void web_subsidy_parts_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v)
{
    if (!v || v->r.state == MG_SUBSIDY_DRAFT)
        return;
    mg_subsidy_part *parts = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    mg_buf_puts(b, "<section id=\"cofinanceurs\" aria-labelledby=\"cofinanceurs-titre\">\n"
                   "<h2 id=\"cofinanceurs-titre\">Position des cofinanceurs</h2>\n");
    if (mg_subsidy_parts(ctx->app->db, v->r.id, &parts, &n, &d)) {
        fprintf(stderr, "guichet: parts: %s\n", d.msg);
        mg_buf_puts(b, "<p class=\"error\">");
        mg_html_text(b, "La position des cofinanceurs n'a pas pu être lue.");
        mg_buf_puts(b, "</p>\n</section>\n");
        return;
    }
    /* An opinion is the instructors' own: the applicant's side sees the decisions. */
    bool opinions = !v->is_applicant_side;
    mg_buf_puts(b, "<table><caption>Chaque cofinanceur et sa position sur la demande</caption>\n"
                   "<thead><tr><th scope=\"col\">Cofinanceur</th><th scope=\"col\">État</th>"
                   "<th scope=\"col\">Montant demandé</th>");
    if (opinions)
        mg_buf_puts(b, "<th scope=\"col\">Avis</th>");
    mg_buf_puts(b, "<th scope=\"col\">Décision</th><th scope=\"col\">Montant accordé</th>"
                   "</tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < n; k++) {
        const mg_subsidy_part *p = &parts[k];
        mg_buf_puts(b, "<tr><th scope=\"row\">");
        mg_html_text(b, p->funder_name);
        if (p->added_by_lead)
            mg_buf_puts(b, " <span class=\"note\">(ajouté par le guichet)</span>");
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, mg_subsidy_part_state_label(p->state));
        mg_buf_puts(b, "</td><td class=\"num\">");
        euros(b, p->asked_cents);
        mg_buf_puts(b, "</td>");
        if (opinions) {
            mg_buf_puts(b, "<td>");
            if (p->opinion[0]) {
                mg_html_text(b, mg_subsidy_opinion_label(p->opinion));
                if (p->opinion_text[0]) {
                    mg_buf_puts(b, "<br><span class=\"note\">");
                    mg_html_text(b, p->opinion_text);
                    mg_buf_puts(b, "</span>");
                }
            } else {
                mg_buf_puts(b, "—");
            }
            mg_buf_puts(b, "</td>");
        }
        mg_buf_puts(b, "<td>");
        if (mg_subsidy_part_decided(p->state)) {
            mg_html_text(b, mg_subsidy_part_state_label(p->state));
            mg_buf_puts(b, " (");
            web_time_utc(b, p->decided_at, "");
            mg_buf_puts(b, ")");
            if (p->reason[0]) {
                mg_buf_puts(b, "<br><span class=\"note\">");
                mg_html_text(b, p->reason);
                mg_buf_puts(b, "</span>");
            }
        } else {
            mg_buf_puts(b, "—");
        }
        mg_buf_puts(b, "</td><td class=\"num\">");
        if (p->state == MG_PART_GRANTED)
            euros(b, p->granted_cents);
        else
            mg_buf_puts(b, "—");
        mg_buf_puts(b, "</td></tr>\n");
    }
    mg_buf_puts(b, "</tbody></table>\n");
    if (v->may_route) {
        route_form(b, ctx, v, parts, n);
        add_funder_form(b, ctx, v, parts, n);
    }
    for (size_t k = 0; k < n; k++)
        if (web_subsidy_instructs(v, parts[k].funder_id))
            part_forms(b, ctx, v, &parts[k]);
    if (v->may_edit)
        answer_forms(b, ctx, v);
    free(parts);
    mg_buf_puts(b, "</section>\n");
}

/* --- Messages ------------------------------------------------------------------------------ */

static const char *kind_label(mg_subsidy_message_kind k)
{
    switch (k) {
    case MG_MESSAGE_QUESTION: return "Question";
    case MG_MESSAGE_ANSWER: return "Réponse";
    case MG_MESSAGE_PUBLIC: return "Message";
    case MG_MESSAGE_INTERNAL: return "Note interne";
    }
    return "";
}

static void message_list(mg_buf *b, const mg_subsidy_message *m, size_t n, bool internal)
{
    size_t shown = 0;
    mg_buf_puts(b, "<ol class=\"messages\">\n");
    for (size_t k = 0; k < n; k++) {
        if ((m[k].kind == MG_MESSAGE_INTERNAL) != internal)
            continue;
        shown++;
        mg_buf_printf(b, "<li id=\"message-%lld\"><p class=\"meta\"><strong>",
                      (long long)m[k].id);
        mg_html_text(b, kind_label(m[k].kind));
        mg_buf_puts(b, "</strong> — ");
        mg_html_text(b, m[k].author_org_name[0] ? m[k].author_org_name : "Organisme inconnu");
        mg_buf_puts(b, ", ");
        web_time_utc(b, m[k].created_at, "");
        if (m[k].kind == MG_MESSAGE_QUESTION)
            mg_buf_puts(b, m[k].answered_at[0] ? " (répondue)" : " (en attente de réponse)");
        mg_buf_puts(b, "</p><p>");
        mg_html_text(b, m[k].body);
        mg_buf_puts(b, "</p></li>\n");
    }
    mg_buf_puts(b, "</ol>\n");
    if (!shown)
        mg_buf_puts(b, internal ? "<p>Aucune note interne.</p>\n" : "<p>Aucun échange.</p>\n");
}

void web_subsidy_messages_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v)
{
    if (!v || v->r.state == MG_SUBSIDY_DRAFT)
        return;
    mg_buf_puts(b, "<section id=\"messages\" aria-labelledby=\"messages-titre\">\n"
                   "<h2 id=\"messages-titre\">Échanges</h2>\n");
    /* Internal notes are read only by who may read them, and never by
     * the applicant's side, whatever else its members are. */
    bool internal = v->may_internal && !v->is_applicant_side;
    mg_subsidy_message *m = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    if (mg_subsidy_messages(ctx->app->db, v->r.id, internal, &m, &n, &d)) {
        fprintf(stderr, "guichet: messages: %s\n", d.msg);
        mg_buf_puts(b, "<p class=\"error\">");
        mg_html_text(b, "Les échanges n'ont pas pu être lus.");
        mg_buf_puts(b, "</p>\n</section>\n");
        return;
    }
    message_list(b, m, n, false);
    if (internal) {
        mg_buf_puts(b, "<h3>Notes internes entre instructeurs</h3>\n"
                       "<p class=\"note\">Jamais montrées au demandeur.</p>\n");
        message_list(b, m, n, true);
    }
    mg_subsidy_messages_free(m, n);
    if (v->may_edit || internal) {
        const char *id = "message";
        form_open(b, ctx, id, v->r.id, "/messages", 0);
        mg_buf_puts(b, "<h3>Écrire un message</h3>\n");
        form_alert(b, id, (const char *const[]){"body", "kind", NULL});
        if (internal) {
            select_of(b, ctx, id, "kind", "Destinataires",
                      (const char *const[]){"message", "Le demandeur et les instructeurs",
                                            "internal",
                                            "Les instructeurs seulement (note interne)", NULL},
                      true);
        }
        textarea(b, ctx, id, "body", "Message", true);
        form_close(b, "Envoyer le message");
    }
    mg_buf_puts(b, "</section>\n");
}

void web_subsidy_history_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v)
{
    /* The trail names the instructors' steps (opinions, internal notes,
     * without their words): for the instructors' side only. */
    if (!v || v->is_applicant_side || v->r.state == MG_SUBSIDY_DRAFT)
        return;
    mg_buf_puts(b, "<section id=\"historique\" aria-labelledby=\"historique-titre\">\n"
                   "<h2 id=\"historique-titre\">Historique de la demande</h2>\n");
    web_history(b, ctx, "subsidy_request", v->r.id);
    mg_buf_puts(b, "</section>\n");
}

/* --- The request's page again, for a refused form ------------------------------------------ */

static int refused_page(web_ctx *ctx, const web_subsidy_view *v, const refused_form *rf)
{
    ctx->res->status = 400;
    pending = rf;
    mg_buf *b = &ctx->res->body;
    const char *title = v->r.title[0] ? v->r.title : "Demande de subvention";
    web_page_begin(b, ctx, title, "guichet");
    web_subsidy_crumbs(b, &v->r);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_printf(b, " <span class=\"note\">(demande n° %lld)</span></h1>\n", (long long)v->r.id);
    mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
    mg_html_text(b, "Le formulaire n'a pas été enregistré :");
    mg_buf_puts(b, "</p>\n<ul class=\"error\">\n");
    /* Every sentence here too: a form whose part has meanwhile been
     * decided is no longer drawn below. */
    for (size_t k = 0; k < rf->errs.n && k < MG_SUBSIDY_ERRORS_MAX; k++) {
        mg_buf_puts(b, "<li>");
        mg_html_text(b, rf->errs.e[k].msg);
        mg_buf_puts(b, "</li>\n");
    }
    mg_buf_puts(b, "</ul>\n<p><a href=\"#");
    mg_html_attr(b, rf->id);
    mg_buf_puts(b, "\">Aller au formulaire</a> — <a href=\"");
    web_subsidy_href(b, v->r.id);
    mg_buf_puts(b, "\">Revenir à la page de la demande</a></p>\n");
    web_subsidy_parts_section(b, ctx, v);
    web_subsidy_messages_section(b, ctx, v);
    web_page_end(b);
    pending = NULL;
    return web_done(ctx);
}

static void back_to(web_ctx *ctx, int64_t request_id, const char *fragment)
{
    char to[96];
    snprintf(to, sizeof to, "/guichet/demandes/%lld#%s", (long long)request_id, fragment);
    mg_http_redirect(ctx->res, to);
}

/* The answer to a store's call: 303 back, 400 with the page, or the error. */
static int answer(web_ctx *ctx, web_subsidy_view *v, int rc, const mg_diag *d,
                  refused_form *rf, const char *fragment, const char *not_found)
{
    int out = MG_OK;
    if (rc == 0)
        back_to(ctx, v->r.id, fragment);
    else if (rc == MG_EINVAL && rf->errs.n)
        out = refused_page(ctx, v, rf);
    else
        web_storage_error(ctx->req, ctx->res, rc, d, not_found, SAVE_FAILED);
    web_subsidy_view_clear(v);
    return out;
}

static int64_t path_fid(web_ctx *ctx)
{
    int64_t fid = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "fid"), INT64_MAX, &fid, NULL))
        return 0;
    return fid;
}

/* --- Routes of the request ----------------------------------------------------------------- */

static int route_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_ROUTE, &v))
        return MG_OK;
    refused_form rf = {.id = "orientation"};
    int64_t chosen[MG_SUBSIDY_FUNDERS_MAX];
    size_t n = 0;
    for (size_t k = 0; k < v.acc.naddressed && k < MG_SUBSIDY_FUNDERS_MAX; k++) {
        char name[48];
        snprintf(name, sizeof name, "funder_%lld", (long long)v.acc.addressed[k]);
        if (mg_http_form(ctx->req, name))
            chosen[n++] = v.acc.addressed[k];
    }
    mg_diag d = {{0}};
    int rc;
    if (n == 0) {
        mg_subsidy_errors_add(&rf.errs, "funders", "Cochez au moins un cofinanceur.");
        rc = MG_EINVAL;
    } else {
        rc = mg_subsidy_route(ctx->app->db, ctx->actor->account_id, v.r.id, chosen, n, &rf.errs,
                              &d);
    }
    return answer(ctx, &v, rc, &d, &rf, "cofinanceurs", REQUEST_NOT_FOUND);
}

static int add_funder_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_ROUTE, &v))
        return MG_OK;
    refused_form rf = {.id = "ajout-cofinanceur"};
    int64_t funder = 0;
    const char *fs = mg_http_form(ctx->req, "funder");
    mg_diag d = {{0}};
    int rc;
    if (!fs || mg_parse_id(fs, INT64_MAX, &funder, NULL)) {
        mg_subsidy_errors_add(&rf.errs, "funder", "Choisissez un organisme de la liste.");
        rc = MG_EINVAL;
    } else {
        rc = mg_subsidy_add_funder(ctx->app->db, ctx->actor->account_id, v.r.id, funder,
                                   mg_http_form(ctx->req, "asked"), &rf.errs, &d);
    }
    return answer(ctx, &v, rc, &d, &rf, "cofinanceurs", REQUEST_NOT_FOUND);
}

static int opinion_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_INSTRUCT, &v))
        return MG_OK;
    int64_t fid = path_fid(ctx);
    refused_form rf;
    memset(&rf, 0, sizeof rf);
    snprintf(rf.id, sizeof rf.id, "avis-%lld", (long long)fid);
    mg_diag d = {{0}};
    int rc = mg_subsidy_opinion(ctx->app->db, ctx->actor->account_id, v.r.id, fid,
                                mg_http_form(ctx->req, "opinion"),
                                mg_http_form(ctx->req, "opinion_text"), &rf.errs, &d);
    return answer(ctx, &v, rc, &d, &rf, "cofinanceurs", REQUEST_NOT_FOUND);
}

static int question_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_INSTRUCT, &v))
        return MG_OK;
    int64_t fid = path_fid(ctx);
    refused_form rf;
    memset(&rf, 0, sizeof rf);
    snprintf(rf.id, sizeof rf.id, "question-%lld", (long long)fid);
    mg_diag d = {{0}};
    int rc = mg_subsidy_question(ctx->app->db, ctx->actor->account_id, v.r.id, fid,
                                 mg_http_form(ctx->req, "body"), NULL, &rf.errs, &d);
    return answer(ctx, &v, rc, &d, &rf, "messages", REQUEST_NOT_FOUND);
}

static int decision_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_DECIDE, &v))
        return MG_OK;
    int64_t fid = path_fid(ctx);
    refused_form rf;
    memset(&rf, 0, sizeof rf);
    snprintf(rf.id, sizeof rf.id, "decision-%lld", (long long)fid);
    mg_diag d = {{0}};
    mg_subsidy_decision k;
    int rc;
    if (mg_subsidy_decision_parse(mg_http_form(ctx->req, "decision"), &k) != 0) {
        mg_subsidy_errors_add(&rf.errs, "decision",
                              "Décision : choisissez « Accorder », « Refuser » ou « Classer sans "
                              "suite ».");
        rc = MG_EINVAL;
    } else {
        rc = mg_subsidy_decide(ctx->app->db, ctx->actor->account_id, v.r.id, fid, k,
                               mg_http_form(ctx->req, "amount"), mg_http_form(ctx->req, "reason"),
                               &rf.errs, &d);
    }
    return answer(ctx, &v, rc, &d, &rf, "cofinanceurs", REQUEST_NOT_FOUND);
}

static int answer_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    int64_t qid = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "qid"), INT64_MAX, &qid, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, QUESTION_NOT_FOUND);
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    refused_form rf;
    memset(&rf, 0, sizeof rf);
    snprintf(rf.id, sizeof rf.id, "reponse-%lld", (long long)qid);
    mg_diag d = {{0}};
    int rc = mg_subsidy_answer(ctx->app->db, ctx->actor->account_id, v.r.id, qid,
                               mg_http_form(ctx->req, "body"), NULL, &rf.errs, &d);
    return answer(ctx, &v, rc, &d, &rf, "messages", QUESTION_NOT_FOUND);
}

/* The organisation in whose name the actor writes: the applicant for its
 * members, else the lead, else the first co-funder whose part it
 * instructs. 0: none. */
static int64_t author_org(web_ctx *ctx, const web_subsidy_view *v)
{
    if (v->is_applicant_side)
        return v->acc.applicant_id;
    for (size_t i = 0; i < ctx->actor->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++)
        if (ctx->actor->m[i].organisation_id == v->acc.lead_id)
            return v->acc.lead_id;
    for (size_t k = 0; k < v->acc.nrouted; k++)
        for (size_t i = 0; i < ctx->actor->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++)
            if (ctx->actor->m[i].organisation_id == v->acc.routed[k])
                return v->acc.routed[k];
    return 0;
}

static int message_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    const char *kind = mg_http_form(ctx->req, "kind");
    bool internal = kind && strcmp(kind, "internal") == 0;
    /* An internal note: the instructors' (INSTRUCT on no part in
     * particular); a message: the applicant's writers or an instructor. */
    mg_auth_object o = web_subsidy_object(&v, 0);
    bool allowed = internal ? v.may_internal && !v.is_applicant_side
                            : v.may_edit || (v.may_internal && !v.is_applicant_side);
    if (!allowed) {
        web_allow_as(ctx, internal || !v.is_applicant_side ? MG_AUTH_INSTRUCT : MG_AUTH_EDIT, &o,
                     REQUEST_NOT_FOUND);
        if (ctx->res->status < 400)
            mg_http_error(ctx->req, ctx->res, 403, web_msg_fr(WEB_MSG_FORBIDDEN));
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    refused_form rf = {.id = "message"};
    mg_diag d = {{0}};
    /* The recipients' choice is one of the form's two, or absent (the
     * applicant's form has none: a message to the instructors). */
    if (kind && kind[0] && !internal && strcmp(kind, "message") != 0) {
        mg_subsidy_errors_add(&rf.errs, "kind",
                              "Choisissez les destinataires du message : le demandeur et les "
                              "instructeurs, ou les instructeurs seulement.");
        return answer(ctx, &v, MG_EINVAL, &d, &rf, "messages",
                      REQUEST_NOT_FOUND);
    }
    int rc = mg_subsidy_message_add(ctx->app->db, ctx->actor->account_id, author_org(ctx, &v),
                                    v.r.id, internal ? MG_MESSAGE_INTERNAL : MG_MESSAGE_PUBLIC,
                                    mg_http_form(ctx->req, "body"), NULL, &rf.errs, &d);
    return answer(ctx, &v, rc, &d, &rf, "messages", REQUEST_NOT_FOUND);
}

/* --- Committees ---------------------------------------------------------------------------- */

/* The window of path parameter `param` when the actor may run its
 * committees (the lead's managers and instructors); false once answered. */
static bool window_load(web_ctx *ctx, int64_t id, mg_subsidy_window *w)
{
    mg_diag d = {{0}};
    int rc = mg_subsidy_window_get(ctx->app->db, id, w, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, COMMITTEE_READ_FAILED);
        return false;
    }
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_WINDOW, .organisation_id = w->lead_id};
    return web_allow_as(ctx, MG_AUTH_EDIT, &o, WINDOW_NOT_FOUND);
}

/* The filed requests of window w (read through the lead's list). */
static size_t window_requests(web_ctx *ctx, const mg_subsidy_window *w, mg_subsidy_row **out)
{
    mg_subsidy_filter f = {.lead_id = w->lead_id, .state = "", .limit = MG_SUBSIDY_PAGE_MAX};
    size_t n = 0, total = 0, kept = 0;
    mg_diag d = {{0}};
    *out = NULL;
    if (mg_subsidy_list(ctx->app->db, &f, out, &n, &total, &d)) {
        fprintf(stderr, "guichet: requests of window %lld: %s\n", (long long)w->id, d.msg);
        return 0;
    }
    for (size_t k = 0; k < n; k++) {
        mg_subsidy_access acc;
        if ((*out)[k].state == MG_SUBSIDY_DRAFT ||
            mg_subsidy_access_get(ctx->app->db, (*out)[k].id, &acc, &d) ||
            acc.window_id != w->id)
            continue;
        (*out)[kept++] = (*out)[k];
    }
    return kept;
}

static int committees_page(web_ctx *ctx, const mg_subsidy_window *w, const refused_form *rf)
{
    mg_buf *b = &ctx->res->body;
    pending = rf;
    web_page_begin(b, ctx, "Commissions du guichet", "guichet");
    web_subsidy_crumbs(b, NULL);
    mg_buf_puts(b, "<h1>Commissions</h1>\n<p>Guichet : ");
    mg_html_link_id(b, "/guichet/guichets/", w->id, NULL);
    mg_html_text(b, w->title);
    mg_buf_puts(b, "</a></p>\n");
    mg_subsidy_committee *ks = NULL;
    size_t nk = 0;
    mg_diag d = {{0}};
    if (mg_subsidy_committees(ctx->app->db, w->id, &ks, &nk, &d) == 0) {
        mg_buf_puts(b, "<h2>Commissions prévues et tenues</h2>\n");
        if (!nk)
            mg_buf_puts(b, "<p>Aucune commission pour ce guichet.</p>\n");
        else
            mg_buf_puts(b, "<ul>\n");
        for (size_t k = 0; k < nk; k++) {
            mg_buf_puts(b, "<li>");
            mg_html_link_id(b, "/guichet/commissions/", ks[k].id, NULL);
            mg_html_text(b, ks[k].title);
            mg_buf_puts(b, "</a>, ");
            mg_html_text(b, ks[k].held_on);
            mg_buf_puts(b, "</li>\n");
        }
        if (nk)
            mg_buf_puts(b, "</ul>\n");
        free(ks);
    } else {
        fprintf(stderr, "guichet: committees: %s\n", d.msg);
    }
    mg_subsidy_row *rows = NULL;
    size_t n = window_requests(ctx, w, &rows);
    const char *id = "commission";
    mg_buf_puts(b, "<h2>Préparer une commission</h2>\n<form method=\"post\" class=\"stack\" "
                   "id=\"commission\" action=\"");
    mg_buf_printf(b, "/guichet/guichets/%lld/commissions\">\n", (long long)w->id);
    web_csrf_field(b, ctx);
    form_alert(b, id, (const char *const[]){"held_on", "title", "requests", NULL});
    input(b, ctx, id, "held_on", "Date de la commission", "date", "Par exemple 2026-06-15.",
          true);
    input(b, ctx, id, "title", "Intitulé", "text", NULL, true);
    mg_buf_puts(b, "<fieldset><legend>Demandes examinées</legend>\n");
    const char *err = error_of(id, "requests");
    for (size_t k = 0; k < n; k++) {
        char name[48];
        snprintf(name, sizeof name, "request_%lld", (long long)rows[k].id);
        mg_buf_puts(b, "<div class=\"check\"><input type=\"checkbox\" value=\"1\" id=\"");
        field_id(b, id, name, NULL);
        mg_buf_puts(b, "\" name=\"");
        mg_html_attr(b, name);
        mg_buf_puts(b, "\"");
        if (typed(ctx, id, name))
            mg_buf_puts(b, " checked");
        mg_buf_puts(b, "><label for=\"");
        field_id(b, id, name, NULL);
        mg_buf_printf(b, "\">n° %lld — ", (long long)rows[k].id);
        mg_html_text(b, rows[k].title);
        mg_buf_puts(b, " (");
        mg_html_text(b, rows[k].applicant_name);
        mg_buf_puts(b, ", ");
        mg_html_text(b, mg_subsidy_state_label(rows[k].state));
        mg_buf_puts(b, ")</label></div>\n");
    }
    if (!n)
        mg_buf_puts(b, "<p>Aucune demande déposée dans ce guichet.</p>\n");
    field_error(b, id, "requests", err);
    mg_buf_puts(b, "</fieldset>\n");
    free(rows);
    form_close(b, "Créer la commission");
    web_page_end(b);
    pending = NULL;
    return web_done(ctx);
}

static int64_t path_int(web_ctx *ctx, const char *name)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, name), INT64_MAX, &id, NULL))
        return 0;
    return id;
}

static int committees_get(web_ctx *ctx)
{
    int64_t wid = path_int(ctx, "wid");
    mg_subsidy_window w;
    if (!wid) {
        mg_http_error(ctx->req, ctx->res, 404, WINDOW_NOT_FOUND);
        return MG_OK;
    }
    if (!window_load(ctx, wid, &w))
        return MG_OK;
    return committees_page(ctx, &w, NULL);
}

static int committees_post(web_ctx *ctx)
{
    int64_t wid = path_int(ctx, "wid");
    mg_subsidy_window w;
    if (!wid) {
        mg_http_error(ctx->req, ctx->res, 404, WINDOW_NOT_FOUND);
        return MG_OK;
    }
    if (!window_load(ctx, wid, &w))
        return MG_OK;
    mg_subsidy_row *rows = NULL;
    size_t n = window_requests(ctx, &w, &rows);
    int64_t *chosen = n ? calloc(n, sizeof *chosen) : NULL;
    size_t nc = 0;
    for (size_t k = 0; chosen && k < n; k++) {
        char name[48];
        snprintf(name, sizeof name, "request_%lld", (long long)rows[k].id);
        if (mg_http_form(ctx->req, name))
            chosen[nc++] = rows[k].id;
    }
    free(rows);
    refused_form rf = {.id = "commission"};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_subsidy_committee_create(ctx->app->db, ctx->actor->account_id, w.id,
                                         mg_http_form(ctx->req, "held_on"),
                                         mg_http_form(ctx->req, "title"), chosen, nc, &id,
                                         &rf.errs, &d);
    free(chosen);
    if (rc == 0) {
        char to[64];
        snprintf(to, sizeof to, "/guichet/commissions/%lld", (long long)id);
        mg_http_redirect(ctx->res, to);
        return MG_OK;
    }
    if (rc == MG_EINVAL && rf.errs.n) {
        ctx->res->status = 400;
        return committees_page(ctx, &w, &rf);
    }
    web_storage_error(ctx->req, ctx->res, rc, &d, WINDOW_NOT_FOUND, SAVE_FAILED);
    return MG_OK;
}

static const char *const outcome_choices[] = {
    "", "À examiner", "approved", "Favorable", "approved_part", "Favorable en partie",
    "refused", "Défavorable", "postponed", "Ajournée", NULL};

static int committee_page(web_ctx *ctx, const mg_subsidy_committee *k, const refused_form *rf)
{
    mg_subsidy_committee_item *it = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_committee_items(ctx->app->db, k->id, &it, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, COMMITTEE_NOT_FOUND, COMMITTEE_READ_FAILED);
        return MG_OK;
    }
    pending = rf;
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, k->title, "guichet");
    web_subsidy_crumbs(b, NULL);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, k->title);
    mg_buf_puts(b, "</h1>\n<p>Commission du ");
    mg_html_text(b, k->held_on);
    mg_buf_puts(b, " — ");
    mg_buf_printf(b, "<a href=\"/guichet/guichets/%lld/commissions\">", (long long)k->window_id);
    mg_buf_puts(b, "toutes les commissions du guichet</a></p>\n");
    for (size_t i = 0; i < n; i++) {
        const mg_subsidy_committee_item *x = &it[i];
        mg_buf_printf(b, "<section aria-labelledby=\"demande-%lld-titre\">"
                         "<h2 id=\"demande-%lld-titre\">",
                      (long long)x->request_id, (long long)x->request_id);
        mg_html_link_id(b, "/guichet/demandes/", x->request_id, NULL);
        mg_buf_printf(b, "n° %lld — ", (long long)x->request_id);
        mg_html_text(b, x->title);
        mg_buf_puts(b, "</a></h2>\n<p>Demandeur : ");
        mg_html_text(b, x->applicant_name);
        mg_buf_puts(b, ". État : ");
        mg_html_text(b, mg_subsidy_state_label(x->state));
        mg_buf_puts(b, ". Avis de la commission : ");
        mg_html_text(b, mg_subsidy_outcome_label(x->outcome));
        mg_buf_puts(b, ".</p>\n");
        if (x->note[0]) {
            mg_buf_puts(b, "<p>Observations de la commission : ");
            mg_html_text(b, x->note);
            mg_buf_puts(b, "</p>\n");
        }
        mg_buf_puts(b, "<table><caption>Position des cofinanceurs</caption>\n"
                       "<thead><tr><th scope=\"col\">Cofinanceur</th><th scope=\"col\">État</th>"
                       "<th scope=\"col\">Demandé</th><th scope=\"col\">Avis</th>"
                       "<th scope=\"col\">Accordé</th></tr></thead><tbody>\n");
        for (size_t p = 0; p < x->nparts; p++) {
            const mg_subsidy_part *q = &x->parts[p];
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, q->funder_name);
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, mg_subsidy_part_state_label(q->state));
            mg_buf_puts(b, "</td><td class=\"num\">");
            euros(b, q->asked_cents);
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, q->opinion[0] ? mg_subsidy_opinion_label(q->opinion) : "—");
            mg_buf_puts(b, "</td><td class=\"num\">");
            if (q->state == MG_PART_GRANTED)
                euros(b, q->granted_cents);
            else
                mg_buf_puts(b, "—");
            mg_buf_puts(b, "</td></tr>\n");
        }
        mg_buf_puts(b, "</tbody></table>\n");
        char id[48];
        snprintf(id, sizeof id, "avis-commission-%lld", (long long)x->request_id);
        mg_buf_puts(b, "<form method=\"post\" class=\"stack\" id=\"");
        mg_html_attr(b, id);
        mg_buf_printf(b, "\" action=\"/guichet/commissions/%lld/demandes/%lld\">\n",
                      (long long)k->id, (long long)x->request_id);
        web_csrf_field(b, ctx);
        form_alert(b, id, (const char *const[]){"outcome", "note", NULL});
        select_of(b, ctx, id, "outcome", "Avis de la commission", outcome_choices, true);
        textarea(b, ctx, id, "note", "Observations", false);
        form_close(b, "Enregistrer l'avis de la commission");
        mg_buf_puts(b, "</section>\n");
    }
    if (!n)
        mg_buf_puts(b, "<p>Aucune demande à cette commission.</p>\n");
    mg_subsidy_committee_items_free(it, n);
    web_page_end(b);
    pending = NULL;
    return web_done(ctx);
}

/* The committee of {cid} when the actor runs its window's committees. */
static bool committee_load(web_ctx *ctx, mg_subsidy_committee *k)
{
    int64_t cid = path_int(ctx, "cid");
    mg_diag d = {{0}};
    int rc = cid ? mg_subsidy_committee_get(ctx->app->db, cid, k, &d) : MG_ENOTFOUND;
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, COMMITTEE_NOT_FOUND, COMMITTEE_READ_FAILED);
        return false;
    }
    mg_subsidy_window w;
    rc = mg_subsidy_window_get(ctx->app->db, k->window_id, &w, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, COMMITTEE_NOT_FOUND, COMMITTEE_READ_FAILED);
        return false;
    }
    mg_auth_object o = {.type = MG_AUTH_OBJ_SUBSIDY_WINDOW, .organisation_id = w.lead_id};
    return web_allow_as(ctx, MG_AUTH_EDIT, &o, COMMITTEE_NOT_FOUND);
}

static int committee_get(web_ctx *ctx)
{
    mg_subsidy_committee k;
    if (!committee_load(ctx, &k))
        return MG_OK;
    return committee_page(ctx, &k, NULL);
}

static int outcome_post(web_ctx *ctx)
{
    mg_subsidy_committee k;
    if (!committee_load(ctx, &k))
        return MG_OK;
    int64_t rid = path_int(ctx, "id");
    refused_form rf;
    memset(&rf, 0, sizeof rf);
    snprintf(rf.id, sizeof rf.id, "avis-commission-%lld", (long long)rid);
    mg_diag d = {{0}};
    int rc = rid ? mg_subsidy_committee_outcome(ctx->app->db, ctx->actor->account_id, k.id, rid,
                                                mg_http_form(ctx->req, "outcome"),
                                                mg_http_form(ctx->req, "note"), &rf.errs, &d)
                 : MG_ENOTFOUND;
    if (rc == 0) {
        char to[96];
        snprintf(to, sizeof to, "/guichet/commissions/%lld#demande-%lld-titre", (long long)k.id,
                 (long long)rid);
        mg_http_redirect(ctx->res, to);
        return MG_OK;
    }
    if (rc == MG_EINVAL && rf.errs.n) {
        ctx->res->status = 400;
        return committee_page(ctx, &k, &rf);
    }
    web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
    return MG_OK;
}

const web_route web_routes_funding_instruction[] = {
    {"POST", "/guichet/demandes/{id}/orienter", route_post, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/cofinanceurs", add_funder_post, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/parts/{fid}/avis", opinion_post, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/parts/{fid}/question", question_post, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/parts/{fid}/decision", decision_post, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/reponses/{qid}", answer_post, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/messages", message_post, WEB_ANYONE, 0},
    {"GET", "/guichet/guichets/{wid}/commissions", committees_get, WEB_ANYONE, 0},
    {"POST", "/guichet/guichets/{wid}/commissions", committees_post, WEB_ANYONE, 0},
    {"GET", "/guichet/commissions/{cid}", committee_get, WEB_ANYONE, 0},
    {"POST", "/guichet/commissions/{cid}/demandes/{id}", outcome_post, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
