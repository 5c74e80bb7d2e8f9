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
#include "diagnosis/diagnosis.h"
#include "http/http.h"

#define WEB_FORM_MAX_FIELDS 24
/* Room for one field's French message: the label, a few words of what was
 * typed and, for a commune, the names of close matches. */
#define WEB_FORM_ERROR_SIZE 512

typedef enum web_field_kind {
    WEB_FIELD_TEXT,    /* free text, at most `max` characters (0: 200) */
    WEB_FIELD_NUMBER,  /* a decimal number in [min, max], French or not */
    WEB_FIELD_INTEGER, /* a whole number in [min, max] */
    WEB_FIELD_SELECT,  /* one of the options' values */
    WEB_FIELD_COMMUNE, /* a commune typed by name or INSEE code (see "Communes" below):
                          a text input, the study communes of `communes` suggested as one
                          types (a <datalist>), resolved by web_form_read into
                          in->commune[]; without `communes`, a well-formed code only */
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
    web_options_fn options_fn; /* SELECT choices at run time (for COMMUNE, the
                                  datalist's options instead of `communes`') */
    const char *defval; /* shown when nothing was typed; HIDDEN's value */
    const char *hint;   /* French help shown under the field, NULL for none */
    const char *autocomplete; /* the autocomplete token (WCAG 1.3.5): "current-password",
                                 "new-password", "one-time-code", "name", "off"…; NULL:
                                 "email" for an e-mail field, none otherwise */
    const mg_diagnosis *communes; /* COMMUNE: the territory whose study communes may be
                                     chosen (borrowed; NULL: codes checked for shape only) */
    const char *input_type; /* TEXT: the input's type where the browser has a better
                               control ("date", "time", "tel", "url"); NULL: "text".
                               The value is still checked by the page. */
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
    long commune[WEB_FORM_MAX_FIELDS];    /* COMMUNE with `communes`: the territory index
                                             of the commune chosen; -1 otherwise */
    char error[WEB_FORM_MAX_FIELDS][WEB_FORM_ERROR_SIZE]; /* French message; "" when fine */
    int nerrors;
} web_form_input;

/**
 * Reads every field of f from the request's form (or query, for GET) into
 * *in and checks it: required fields present, numbers parsed in French
 * (mg_parse_number) and within bounds, text within its length and without
 * control characters, select values among the options, communes resolved
 * among the study communes of the field's `communes` (web_commune_resolve:
 * the index in in->commune[], or the field refused naming the close
 * matches), or, for a field without `communes`, commune codes well formed
 * (mg_parse_commune; whether the commune is in the territory is then the
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

/* --- Communes ---------------------------------------------------------------
 *
 * Choosing a commune is typing it: its name, as people write it (case,
 * accents, hyphens and apostrophes do not matter, "St" is "Saint":
 * mg_parse_fold_name), its INSEE code of any vintage (a former code maps to
 * today's commune), or "Name (code)" as the suggestions write it. A COMMUNE
 * field is drawn as <input type="text" list="FORM-communes"> followed, for
 * the first such field of the form, by <datalist id="FORM-communes"> with
 * one <option value="Name (code)"> per study commune (when there are at
 * most WEB_COMMUNE_DATALIST_MAX of them): browsers suggest as one types,
 * without any script. GET /api/communes?q=…&profession=… (scenarios.c)
 * answers the same suggestions in JSON, at most WEB_COMMUNE_SUGGEST_MAX.
 */
#define WEB_COMMUNE_DATALIST_MAX 2000
#define WEB_COMMUNE_SUGGEST_MAX 10

/**
 * Resolves what a person typed as one study commune of g: 0 and *idx (its
 * territory index) when it names exactly one; otherwise MG_EINVAL and a
 * French sentence in msg (cap bytes, cut on a character boundary) that
 * quotes what was typed and says why: no commune of that name or code in
 * the territory, a commune outside the study territory, or several
 * communes of that name — naming the close matches ("Nom (code)", at most
 * five), so that the person can retype one. A value that is only the start
 * of a name ("castel") is refused with the communes it starts.
 */
int web_commune_resolve(const mg_diagnosis *g, const char *typed, long *idx, char *msg,
                        size_t cap);

/**
 * The study communes of g that match q best, at most max of them, into idx
 * (territory indices), best first: the name equal to q (folded), then names
 * starting with it, then names with a word starting with it, then names
 * containing it, then codes starting with it, each group by name. Returns
 * how many; 0 for an empty or unreadable q.
 */
size_t web_commune_suggest(const mg_diagnosis *g, const char *q, size_t *idx, size_t max);

/* The territory index of commune field `name` as read (in->commune[]), or -1
 * when the form has no such field or it was not resolved. */
long web_form_commune(const web_form_input *in, const char *name);

#endif
