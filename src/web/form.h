/*
 * Internal to the web module: forms described once. A form's description
 * (its fields, their kinds and bounds) is used both to read and check what
 * was sent (web_form_read, through the parsers of parse/parse.h, so that
 * "80 000" and "1,5" are read as French users type them) and to draw the
 * form (web_form_render): a refused form is drawn again with what was
 * typed in each field and the message next to the field that is wrong.
 */
#ifndef MG_WEB_FORM_H
#define MG_WEB_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "http/http.h"

#define WEB_FORM_MAX_FIELDS 24

typedef enum web_field_kind {
    WEB_FIELD_TEXT,    /* free text, at most `max` characters (0: 200) */
    WEB_FIELD_NUMBER,  /* a decimal number in [min, max], French or not */
    WEB_FIELD_INTEGER, /* a whole number in [min, max] */
    WEB_FIELD_SELECT,  /* one of the options' values */
    WEB_FIELD_COMMUNE, /* an INSEE commune code (options from options_fn) */
    WEB_FIELD_HIDDEN,  /* carried along, not shown: its default value */
    WEB_FIELD_EMAIL,   /* an e-mail address, as TEXT, drawn type="email" */
    WEB_FIELD_PASSWORD, /* a password: drawn type="password", never drawn again
                           with what was typed; `max` characters at most (0: 200) */
} web_field_kind;

typedef struct web_option {
    const char *value;
    const char *label; /* French */
} web_option;

/* Writes the <option>s of a field whose choices are known only at run
 * time (the communes of the territory), `selected` marked. */
typedef int (*web_options_fn)(mg_buf *b, const void *ctx, const char *selected);

typedef struct web_field {
    const char *name;  /* the form field's name */
    const char *label; /* French label */
    web_field_kind kind;
    bool required;
    double min, max;   /* bounds of NUMBER and INTEGER; max characters of TEXT */
    const web_option *options; /* SELECT: NULL-valued row ends them */
    web_options_fn options_fn; /* COMMUNE (or SELECT) choices at run time */
    const char *defval; /* shown when nothing was typed; HIDDEN's value */
    const char *hint;   /* French help shown under the field, NULL for none */
    const char *autocomplete; /* the autocomplete token (WCAG 1.3.5): "current-password",
                                 "new-password", "one-time-code", "name", "off"…; NULL:
                                 "email" for an e-mail field, none otherwise */
} web_field;

typedef struct web_form {
    const char *id;     /* prefix of the fields' ids, unique on the page */
    const web_field *fields;
    size_t nfields;
    const char *submit; /* the button's French label */
    const char *css_class; /* the form's look: NULL for "stack" (labels and
                              fields in a grid), "choice" (one line) */
} web_form;

/* What was sent, field by field, as read and checked. */
typedef struct web_form_input {
    const web_form *form;
    const char *raw[WEB_FORM_MAX_FIELDS]; /* as typed (request memory); NULL if absent */
    double num[WEB_FORM_MAX_FIELDS];      /* NUMBER, INTEGER: the value */
    bool given[WEB_FORM_MAX_FIELDS];      /* a non-empty value was sent */
    char error[WEB_FORM_MAX_FIELDS][200]; /* French message; "" when fine */
    int nerrors;
} web_form_input;

/**
 * Reads every field of f from the request's form (or query, for GET) into
 * *in and checks it: required fields present, numbers parsed in French
 * (mg_parse_number) and within bounds, text within its length and without
 * control characters, select values among the options, commune codes well
 * formed (mg_parse_commune; whether the commune is in the territory is the
 * caller's check). Returns the number of fields refused (0: all fine).
 */
int web_form_read(const web_form *f, const mg_http_request *r, web_form_input *in);

/* Index of field `name` in the form, or -1. */
int web_form_field(const web_form *f, const char *name);

/* Marks field `name` refused with a French message (for checks only the
 * caller can make, such as a commune outside the territory). */
void web_form_refuse(web_form_input *in, const char *name, const char *message_fr);

/**
 * Draws the form: <form method="post" action="ACTION">, each field with its
 * label, the value typed (or its default), its hint, and, when refused,
 * aria-invalid and the message next to it; then the submit button. `in` is
 * NULL for an empty form. `action` is a path (escaped here); `options_ctx`
 * is handed to the fields' options_fn. A refused form opens with a summary
 * (role="alert") naming the fields to correct. `csrf` is the page's CSRF
 * token (web_csrf), carried in a hidden field "csrf"; NULL for a GET form,
 * which changes nothing.
 */
int web_form_render(mg_buf *b, const web_form *f, const web_form_input *in, const char *method,
                    const char *action, const void *options_ctx, const char *csrf);

#endif
