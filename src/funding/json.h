/**
 * @file json.h
 * A subsidy request's form as JSON (issue 16; json.c; docs/funding-api.md):
 * the one conversion the JSON API (web/api_funding.c) and the command
 * line's import (cli/funding.c) share, both ways.
 *
 * The form is a JSON object whose members have the names of
 * mg_subsidy_request_input's fields ("name", "siret", "title",
 * "starts_on"…): strings; the counts ("volunteers", "employees",
 * "members") and the ids ("call", "action") may also be JSON integers,
 * "employees_fte" a string ("2,5" or "2.5") or an integer, the checkboxes
 * ("is_renewal", "multi_year") JSON booleans or strings; null is absent.
 * "lines" is an array of {"account", "label", "amount", "funder"}:
 * "amount" a decimal string in euros ("1234.56"; never a JSON number,
 * whose binary value may not be the cents typed), "funder" an
 * organisation id (integer or string). Money in integer cents
 * ("amount_cents") is refused with a sentence saying how to write it.
 * Any other member is refused (a misspelt field would be lost silently),
 * except those the caller names as its own ("window", "organisation"…).
 */
#ifndef MG_FUNDING_JSON_H
#define MG_FUNDING_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "funding/funding.h"

enum { MG_SUBSIDY_JSON_INTS = 8 };

/** A form read from JSON: `in` points into the JSON object read (which
 * must outlive it) and into the integers written out here. */
typedef struct mg_subsidy_json_form {
    mg_subsidy_request_input in;
    mg_subsidy_line_input lines[MG_SUBSIDY_LINES_MAX];
    char ints[MG_SUBSIDY_JSON_INTS][24];
    char line_funders[MG_SUBSIDY_LINES_MAX][24];
} mg_subsidy_json_form;

/**
 * Reads the form members of `obj` into *out. Members named in `extra`
 * (NULL-ended; NULL for none) are skipped, left to the caller. Refused
 * (MG_EINVAL, d the first sentence): every wrong member in errs, named as
 * in the JSON ("siret", "lines", "lines[2].amount"), with a French
 * sentence of what was expected. MG_EINVAL too for an `obj` that is not
 * an object (field "body").
 */
int mg_subsidy_json_form_read(const json_t *obj, const char *const *extra,
                              mg_subsidy_json_form *out, mg_subsidy_errors *errs,
                              mg_diag *d) MG_WARN_UNUSED;

/** The form of a stored request and its budget lines as the object read
 * above reads it (a new reference, NULL when out of memory). */
json_t *mg_subsidy_json_form_of(const mg_subsidy_request *r, const mg_subsidy_line *lines,
                                size_t n);

/** Cents as the form writes euros: "1234.56", "0.05", "-3.10". */
void mg_subsidy_json_euros(int64_t cents, char out[static 24]);

/** Marks request `request_id` and its payments as examples (the demo's
 * requests, loaded by the import with "is_example": true), in one write
 * transaction with its audit entry ("update" of the "subsidy_request"). The
 * module's draft has no such mark: the import's file owns this statement
 * (import.c). MG_ENOTFOUND for an unknown request. */
int mg_subsidy_mark_example(mg_db *db, int64_t by, int64_t request_id,
                            mg_diag *d) MG_WARN_UNUSED;

/** A refused field's name as the JSON names it: the form's "line_3_amount"
 * is the JSON's "lines[2].amount"; any other name is copied. */
void mg_subsidy_json_field(const char *form_field, char out[static 48]);

/** The errors as the API's {"field": "sentence", …} object (a new
 * reference), fields named as the JSON names them. */
json_t *mg_subsidy_json_errors(const mg_subsidy_errors *errs);

#endif
