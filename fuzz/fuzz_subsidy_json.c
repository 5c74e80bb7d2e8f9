/*
 * libFuzzer target for the JSON form of a subsidy request (funding/json.h:
 * mg_subsidy_json_form_read, what the API's POST and PUT bodies and the
 * command line's import files go through, and mg_subsidy_json_field, the
 * names of refused fields). The input is a JSON text; an object is read
 * with "window" and "organisation" left to the caller.
 *
 * Beyond the sanitizers it checks the promises: the answer is 0 or
 * MG_EINVAL; a refusal names at least one field, each name and sentence
 * non-empty valid UTF-8 that fits; an accepted form holds, for each member
 * of the form present in the object, the string given (or the integer
 * written out, or "1"/"" for a boolean), nothing for an absent member, and
 * as many lines as the array; "amount_cents" anywhere is refused; the form
 * goes through the module's own check (mg_subsidy_input_check) with 0 or
 * MG_EINVAL; the same input gives the same answer twice; the form written
 * back from a stored request is read again.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "funding/json.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kExtra[] = {"window", "organisation", NULL};

static bool text_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    return n > 0 && n < cap && mg_utf8_check(s, n, NULL) == n;
}

/* The text a member gives the form, as the reader promises it. */
static bool member_matches(const json_t *v, const char *got)
{
    if (!v || json_is_null(v))
        return got == NULL;
    if (!got)
        return false;
    if (json_is_string(v))
        return got == json_string_value(v);
    if (json_is_integer(v)) {
        char buf[24];
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return strcmp(buf, got) == 0;
    }
    if (json_is_boolean(v))
        return strcmp(got, json_is_true(v) ? "1" : "") == 0;
    return false;
}

static bool has_cents(const json_t *o)
{
    if (json_object_get(o, "amount_cents"))
        return true;
    const json_t *lines = json_object_get(o, "lines");
    for (size_t i = 0; json_is_array(lines) && i < json_array_size(lines); i++)
        if (json_is_object(json_array_get(lines, i)) &&
            json_object_get(json_array_get(lines, i), "amount_cents"))
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    /* The field names' mapping takes any text. */
    char raw[64], mapped[48];
    size_t n = size < sizeof raw - 1 ? size : sizeof raw - 1;
    memcpy(raw, data, n);
    raw[n] = 0;
    mg_subsidy_json_field(raw, mapped);
    check(strlen(mapped) < sizeof mapped);

    json_t *o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!o)
        return 0;
    mg_subsidy_json_form *f = malloc(sizeof *f), *g = malloc(sizeof *g);
    mg_subsidy_errors errs = {0}, errs2 = {0};
    mg_diag d = {{0}}, d2 = {{0}};
    if (!f || !g) {
        free(f);
        free(g);
        json_decref(o);
        return 0;
    }
    int rc = mg_subsidy_json_form_read(o, kExtra, f, &errs, &d);
    int rc2 = mg_subsidy_json_form_read(o, kExtra, g, &errs2, &d2);
    check(rc == 0 || rc == MG_EINVAL);
    check(rc == rc2 && errs.n == errs2.n);
    for (size_t i = 0; i < errs.n && i < errs2.n; i++)
        check(strcmp(errs.e[i].field, errs2.e[i].field) == 0);
    if (rc) {
        check(errs.n > 0 && d.msg[0]);
        for (size_t i = 0; i < errs.n; i++) {
            check(text_ok(errs.e[i].field, sizeof errs.e[i].field));
            check(text_ok(errs.e[i].msg, sizeof errs.e[i].msg));
            mg_subsidy_json_field(errs.e[i].field, mapped);
            check(text_ok(mapped, sizeof mapped));
        }
        json_t *jerr = mg_subsidy_json_errors(&errs);
        check(jerr && json_object_size(jerr) > 0);
        json_decref(jerr);
    } else {
        check(json_is_object(o));
        check(!has_cents(o));
        static const char *const keys[] = {
            "name", "acronym", "siret", "rna", "address", "postcode", "city", "email", "phone",
            "representative_role", "contact_role", "volunteers", "employees", "employees_fte",
            "members", "title", "objectives", "description", "target_publics", "communes",
            "starts_on", "ends_on", "evaluation", "is_renewal", "multi_year", "nature", "call",
            "action"};
        const char *const vals[] = {
            f->in.name, f->in.acronym, f->in.siret, f->in.rna, f->in.address, f->in.postcode,
            f->in.city, f->in.email, f->in.phone, f->in.representative_role,
            f->in.contact_role, f->in.volunteers, f->in.employees, f->in.employees_fte,
            f->in.members, f->in.title, f->in.objectives, f->in.description,
            f->in.target_publics, f->in.communes, f->in.starts_on, f->in.ends_on,
            f->in.evaluation, f->in.is_renewal, f->in.multi_year, f->in.nature, f->in.call,
            f->in.action};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            check(member_matches(json_object_get(o, keys[i]), vals[i]));
        const json_t *lines = json_object_get(o, "lines");
        size_t nl = json_is_array(lines) ? json_array_size(lines) : 0;
        check(f->in.nlines == nl && nl <= MG_SUBSIDY_LINES_MAX);
        for (size_t i = 0; i < nl; i++) {
            const json_t *l = json_array_get(lines, i);
            check(member_matches(json_object_get(l, "account"), f->in.lines[i].account));
            check(member_matches(json_object_get(l, "amount"), f->in.lines[i].amount));
            check(member_matches(json_object_get(l, "funder"), f->in.lines[i].funder));
        }
        /* The module's own check takes whatever the reader gives. */
        mg_subsidy_errors ce = {0};
        mg_diag cd = {{0}};
        int crc = mg_subsidy_input_check(&f->in, false, NULL, &ce, &cd);
        check(crc == 0 || crc == MG_EINVAL);
        crc = mg_subsidy_input_check(&f->in, true, NULL, &ce, &cd);
        check(crc == 0 || crc == MG_EINVAL);
    }
    /* A stored request's form, written back, is read again. */
    mg_subsidy_request r;
    memset(&r, 0, sizeof r);
    snprintf(r.title, sizeof r.title, "%s", rc == 0 && f->in.title ? f->in.title : "");
    snprintf(r.nature, sizeof r.nature, "operation");
    r.volunteers = 3;
    r.employees_fte_hundredths = 250;
    mg_subsidy_line line = {.side = MG_SUBSIDY_RESOURCE, .account = "74",
                            .amount_cents = (int64_t)size * 101, .funder_id = 7};
    snprintf(line.label, sizeof line.label, "Subvention");
    json_t *back = mg_subsidy_json_form_of(&r, &line, 1);
    if (back) {
        mg_subsidy_errors be = {0};
        check(mg_subsidy_json_form_read(back, NULL, g, &be, &d2) == 0);
        char euros[24];
        mg_subsidy_json_euros(line.amount_cents, euros);
        check(g->in.nlines == 1 && strcmp(g->in.lines[0].amount, euros) == 0);
        json_decref(back);
    }
    free(f);
    free(g);
    json_decref(o);
    return 0;
}
