/* Forms described once, read and drawn from the description (form.h). */
#include "web/form.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "html/html.h"
#include "parse/parse.h"
#include "web/web.h"

int web_form_field(const web_form *f, const char *name)
{
    for (size_t i = 0; f && name && i < f->nfields; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void refuse(web_form_input *in, size_t i, const char *fmt, ...) MG_PRINTF(3, 4);
static void refuse(web_form_input *in, size_t i, const char *fmt, ...)
{
    if (in->error[i][0])
        return; /* the first reason is the one shown */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->error[i], sizeof in->error[i], fmt, ap);
    va_end(ap);
    /* A message cut to fit ends on a whole character. */
    size_t len = strlen(in->error[i]);
    in->error[i][mg_utf8_check(in->error[i], len, NULL)] = 0;
    in->nerrors++;
}

void web_form_refuse(web_form_input *in, const char *name, const char *message_fr)
{
    int i = in ? web_form_field(in->form, name) : -1;
    if (i >= 0)
        refuse(in, (size_t)i, "%s", message_fr);
}

static bool in_options(const web_field *fd, const char *v)
{
    for (const web_option *o = fd->options; o && o->value; o++)
        if (strcmp(o->value, v) == 0)
            return true;
    return false;
}

/* Text a person typed: UTF-8, within max characters, no control character. */
static void check_text(web_form_input *in, size_t i, const web_field *fd, const char *v)
{
    size_t n = strlen(v), chars = 0;
    if (mg_utf8_check(v, n, &chars) != n) {
        refuse(in, i, "« %s » : le texte n'est pas en UTF-8 valide.", fd->label);
        return;
    }
    size_t max = fd->max > 0 ? (size_t)fd->max : 200u;
    if (chars > max)
        refuse(in, i, "« %s » : %zu caractères au plus (%zu saisis).", fd->label, max, chars);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7F) {
            refuse(in, i, "« %s » : caractère de contrôle non accepté.", fd->label);
            return;
        }
}

/* A number refused: out of bounds says which bounds, in French typography,
 * since the hint that may state them is replaced by the message. */
static void refuse_number(web_form_input *in, size_t i, const web_field *fd, mg_parse_error why)
{
    if (why != MG_PARSE_RANGE) {
        refuse(in, i, "« %s » %s.", fd->label, mg_parse_error_fr(why));
        return;
    }
    char lo[64], hi[64];
    int decimals = fd->kind == WEB_FIELD_INTEGER || (fd->min == (double)(int64_t)fd->min &&
                                                      fd->max == (double)(int64_t)fd->max)
                       ? 0
                       : 2;
    web_num(lo, sizeof lo, fd->min, decimals);
    web_num(hi, sizeof hi, fd->max, decimals);
    refuse(in, i, "« %s » doit être compris entre %s et %s.", fd->label, lo, hi);
}

int web_form_read(const web_form *f, const mg_http_request *r, web_form_input *in)
{
    memset(in, 0, sizeof *in);
    in->form = f;
    for (size_t i = 0; i < WEB_FORM_MAX_FIELDS; i++)
        in->commune[i] = -1;
    bool post = strcmp(mg_http_method(r), "POST") == 0;
    for (size_t i = 0; i < f->nfields && i < WEB_FORM_MAX_FIELDS; i++) {
        const web_field *fd = &f->fields[i];
        const char *v = post ? mg_http_form(r, fd->name) : mg_http_query(r, fd->name);
        in->raw[i] = v;
        /* Surrounding spaces are never meant: "  Aude " is "Aude". */
        size_t start = 0, end = v ? strlen(v) : 0;
        while (start < end && (v[start] == ' ' || v[start] == '\t'))
            start++;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        in->given[i] = end > start;
        if (!in->given[i]) {
            if (fd->required && fd->kind != WEB_FIELD_HIDDEN)
                refuse(in, i, "« %s » est obligatoire.", fd->label);
            continue;
        }
        mg_parse_error why = MG_PARSE_OK;
        switch (fd->kind) {
        case WEB_FIELD_TEXT:
        case WEB_FIELD_EMAIL:
        case WEB_FIELD_PASSWORD:
        case WEB_FIELD_HIDDEN: check_text(in, i, fd, v); break;
        case WEB_FIELD_NUMBER:
            if (mg_parse_number(v, fd->min, fd->max, &in->num[i], &why))
                refuse_number(in, i, fd, why);
            break;
        case WEB_FIELD_INTEGER: {
            int64_t k = 0;
            if (mg_parse_int(v, (int64_t)fd->min, (int64_t)fd->max, &k, &why))
                refuse_number(in, i, fd, why);
            in->num[i] = (double)k;
            break;
        }
        case WEB_FIELD_SELECT:
            if (fd->options && !in_options(fd, v))
                refuse(in, i, "« %s » : choisissez une valeur de la liste.", fd->label);
            break;
        case WEB_FIELD_COMMUNE: {
            if (fd->communes) {
                check_text(in, i, fd, v);
                char msg[WEB_FORM_ERROR_SIZE];
                long idx = -1;
                if (!in->error[i][0] &&
                    web_commune_resolve(fd->communes, v, &idx, msg, sizeof msg) == 0)
                    in->commune[i] = idx;
                else if (!in->error[i][0])
                    refuse(in, i, "« %s » : %s", fd->label, msg);
                break;
            }
            char code[MG_PARSE_COMMUNE_SIZE];
            if (mg_parse_commune(v, code, &why))
                refuse(in, i, "« %s » %s.", fd->label, mg_parse_error_fr(why));
            break;
        }
        }
    }
    return in->nerrors;
}

/* The id of field i's element, written as an attribute value. */
static int put_id(mg_buf *b, const web_form *f, const web_field *fd, const char *suffix)
{
    int rc = mg_html_attr(b, f->id);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "-");
    if (rc == MG_OK)
        rc = mg_html_attr(b, fd->name);
    if (rc == MG_OK && suffix)
        rc = mg_html_attr(b, suffix);
    return rc;
}

/* The suggestions of a form's commune fields: one <datalist> per form,
 * drawn after its first commune field, every study commune as the field
 * reads it back ("Nom (code)"); or the options of the field's options_fn. */
static int commune_datalist(mg_buf *b, const web_form *f, const web_field *fd,
                            const void *options_ctx)
{
    const mg_diagnosis *g = fd->communes;
    int rc = mg_buf_puts(b, "<datalist id=\"");
    if (rc == MG_OK)
        rc = mg_html_attr(b, f->id);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "-communes\">");
    if (rc == MG_OK && fd->options_fn)
        rc = fd->options_fn(b, options_ctx, NULL);
    for (size_t k = 0; rc == MG_OK && !fd->options_fn && g && k < g->study_n; k++) {
        size_t i = g->study[k];
        rc = mg_buf_puts(b, "<option value=\"");
        if (rc == MG_OK)
            rc = mg_html_attr(b, g->t->name[i]);
        if (rc == MG_OK)
            rc = mg_buf_puts(b, " (");
        if (rc == MG_OK)
            rc = mg_html_attr(b, g->t->code[i]);
        if (rc == MG_OK)
            rc = mg_buf_puts(b, ")\"></option>");
    }
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "</datalist>");
    return rc;
}

/* Whether a commune field gets suggestions: a datalist of its options_fn,
 * or of its territory's study communes when they are not too many. */
static bool commune_suggested(const web_field *fd)
{
    return fd->kind == WEB_FIELD_COMMUNE &&
           (fd->options_fn || (fd->communes && fd->communes->study_n > 0 &&
                               fd->communes->study_n <= WEB_COMMUNE_DATALIST_MAX));
}

static int render_field(mg_buf *b, const web_form *f, const web_field *fd, const char *value,
                        const char *error, const void *options_ctx, bool *datalist_drawn)
{
    if (fd->kind == WEB_FIELD_HIDDEN)
        return mg_html_hidden(b, fd->name, value ? value : fd->defval);
    /* A commune field says how it is filled unless told otherwise. */
    const char *hint = fd->hint ? fd->hint
                       : fd->kind != WEB_FIELD_COMMUNE ? NULL
                       : commune_suggested(fd)
                           ? "Tapez le nom de la commune ou son code INSEE : les communes "
                             "correspondantes sont proposées pendant la saisie."
                           : "Tapez le nom de la commune ou son code INSEE.";
    int rc = mg_buf_puts(b, "<div class=\"field\"><label for=\"");
    if (rc == MG_OK)
        rc = put_id(b, f, fd, NULL);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "\">");
    if (rc == MG_OK)
        rc = mg_html_text(b, fd->label);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, fd->required ? " <span class=\"req\">(obligatoire)</span></label> "
                                         : "</label> ");
    bool select = fd->kind == WEB_FIELD_SELECT;
    if (rc == MG_OK)
        rc = mg_buf_puts(b, select ? "<select id=\"" : "<input id=\"");
    if (rc == MG_OK)
        rc = put_id(b, f, fd, NULL);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "\" name=\"");
    if (rc == MG_OK)
        rc = mg_html_attr(b, fd->name);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "\"");
    if (rc == MG_OK && fd->required)
        rc = mg_buf_puts(b, " required");
    if (rc == MG_OK && (error[0] || hint)) {
        rc = mg_buf_puts(b, " aria-describedby=\"");
        if (rc == MG_OK)
            rc = put_id(b, f, fd, error[0] ? "-erreur" : "-aide");
        if (rc == MG_OK)
            rc = mg_buf_puts(b, "\"");
    }
    if (rc == MG_OK && error[0])
        rc = mg_buf_puts(b, " aria-invalid=\"true\"");
    /* A password is never written back into a page. */
    const char *shown = fd->kind == WEB_FIELD_PASSWORD ? NULL : value ? value : fd->defval;
    if (select) {
        if (rc == MG_OK)
            rc = mg_buf_puts(b, ">");
        for (const web_option *o = fd->options; rc == MG_OK && o && o->value; o++)
            rc = mg_html_option(b, o->value, o->label, shown && strcmp(shown, o->value) == 0);
        if (rc == MG_OK && fd->options_fn)
            rc = fd->options_fn(b, options_ctx, shown);
        if (rc == MG_OK)
            rc = mg_buf_puts(b, "</select>");
    } else {
        bool commune = fd->kind == WEB_FIELD_COMMUNE;
        bool text = fd->kind == WEB_FIELD_TEXT || fd->kind == WEB_FIELD_EMAIL ||
                    fd->kind == WEB_FIELD_PASSWORD || commune;
        const char *type = fd->kind == WEB_FIELD_EMAIL      ? " type=\"email\""
                           : fd->kind == WEB_FIELD_PASSWORD ? " type=\"password\""
                           : text                           ? " type=\"text\""
                                                            : " inputmode=\"decimal\"";
        if (rc == MG_OK && fd->kind == WEB_FIELD_TEXT && fd->input_type) {
            rc = mg_buf_puts(b, " type=\"");
            if (rc == MG_OK)
                rc = mg_html_attr(b, fd->input_type);
            if (rc == MG_OK)
                rc = mg_buf_puts(b, "\"");
        } else if (rc == MG_OK)
            rc = mg_buf_puts(b, type); /* lint-ok: one of the four literals above */
        /* A commune field offers the form's list of communes; the
         * browser's own memory of past entries would hide it. */
        if (rc == MG_OK && commune_suggested(fd)) {
            rc = mg_buf_puts(b, " list=\"");
            if (rc == MG_OK)
                rc = mg_html_attr(b, f->id);
            if (rc == MG_OK)
                rc = mg_buf_puts(b, "-communes\"");
        }
        if (rc == MG_OK && commune && !fd->autocomplete)
            rc = mg_buf_puts(b, " autocomplete=\"off\"");
        /* What the field holds, for browsers and assistive technologies to
         * fill it (WCAG 1.3.5); a one-time code is typed on a digit pad. */
        const char *ac = fd->autocomplete ? fd->autocomplete
                         : fd->kind == WEB_FIELD_EMAIL ? "email"
                                                       : NULL;
        if (rc == MG_OK && ac) {
            rc = mg_buf_puts(b, " autocomplete=\"");
            if (rc == MG_OK)
                rc = mg_html_attr(b, ac);
            if (rc == MG_OK)
                rc = mg_buf_puts(b, "\"");
        }
        if (rc == MG_OK && ac && strcmp(ac, "one-time-code") == 0)
            rc = mg_buf_puts(b, " inputmode=\"numeric\"");
        if (rc == MG_OK && text)
            rc = mg_buf_printf(b, " maxlength=\"%u\"", fd->max > 0 ? (unsigned)fd->max : 200u);
        if (rc == MG_OK && shown) {
            rc = mg_buf_puts(b, " value=\"");
            if (rc == MG_OK)
                rc = mg_html_attr(b, shown);
            if (rc == MG_OK)
                rc = mg_buf_puts(b, "\"");
        }
        if (rc == MG_OK)
            rc = mg_buf_puts(b, ">");
        if (rc == MG_OK && commune_suggested(fd) && !*datalist_drawn) {
            rc = commune_datalist(b, f, fd, options_ctx);
            *datalist_drawn = true;
        }
    }
    if (rc == MG_OK && hint && !error[0]) {
        rc = mg_buf_puts(b, "<p class=\"hint\" id=\"");
        if (rc == MG_OK)
            rc = put_id(b, f, fd, "-aide");
        if (rc == MG_OK)
            rc = mg_buf_puts(b, "\">");
        if (rc == MG_OK)
            rc = mg_html_text(b, hint);
        if (rc == MG_OK)
            rc = mg_buf_puts(b, "</p>");
    }
    if (rc == MG_OK && error[0]) {
        rc = mg_buf_puts(b, "<p class=\"field-error\" id=\"");
        if (rc == MG_OK)
            rc = put_id(b, f, fd, "-erreur");
        if (rc == MG_OK)
            rc = mg_buf_puts(b, "\">");
        if (rc == MG_OK)
            rc = mg_html_text(b, error);
        if (rc == MG_OK)
            rc = mg_buf_puts(b, "</p>");
    }
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "</div>\n");
    return rc;
}

int web_form_render(mg_buf *b, const web_form *f, const web_form_input *in, const char *method,
                    const char *action, const void *options_ctx, const char *csrf)
{
    int rc = MG_OK;
    if (in && in->nerrors) {
        rc = mg_buf_puts(b, "<div class=\"error-summary\" role=\"alert\"><p>");
        if (rc == MG_OK)
            rc = mg_html_text(b, "Le formulaire contient des erreurs : corrigez les champs signalés.");
        if (rc == MG_OK)
            rc = mg_buf_puts(b, "</p><ul>");
        for (size_t i = 0; rc == MG_OK && i < f->nfields && i < WEB_FORM_MAX_FIELDS; i++) {
            if (!in->error[i][0])
                continue;
            rc = mg_buf_puts(b, "<li><a href=\"#");
            if (rc == MG_OK)
                rc = put_id(b, f, &f->fields[i], NULL);
            if (rc == MG_OK)
                rc = mg_buf_puts(b, "\">");
            if (rc == MG_OK)
                rc = mg_html_text(b, in->error[i]);
            if (rc == MG_OK)
                rc = mg_buf_puts(b, "</a></li>");
        }
        if (rc == MG_OK)
            rc = mg_buf_puts(b, "</ul></div>\n");
    }
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "<form class=\"");
    if (rc == MG_OK)
        rc = mg_html_attr(b, f->css_class ? f->css_class : "stack");
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "\" method=\"");
    if (rc == MG_OK)
        rc = mg_html_attr(b, method);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "\" action=\"");
    if (rc == MG_OK)
        rc = mg_html_attr(b, action);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "\">\n");
    if (rc == MG_OK && csrf)
        rc = mg_html_hidden(b, "csrf", csrf);
    bool datalist_drawn = false;
    for (size_t i = 0; rc == MG_OK && i < f->nfields && i < WEB_FORM_MAX_FIELDS; i++)
        rc = render_field(b, f, &f->fields[i], in ? in->raw[i] : NULL, in ? in->error[i] : "",
                          options_ctx, &datalist_drawn);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "<button type=\"submit\">");
    if (rc == MG_OK)
        rc = mg_html_text(b, f->submit);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "</button></form>\n");
    return rc;
}
