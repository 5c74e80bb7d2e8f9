/*
 * libFuzzer target for the checks of what people type into the contract
 * and action forms (contracts/contracts.h: mg_contract_input_check and
 * mg_contract_action_input_check, the checks mg_contract_create and
 * mg_contract_action_create make before the database). The input is split
 * on the byte 0x1E into the fields kind, title, territory, starts_on,
 * ends_on, status of a contract, then title, description, status,
 * starts_on, due_on, axis, objectives, contact_role, target_publics,
 * target_communes, priority, scenario of an action (fields past the input
 * are NULL).
 *
 * Beyond the sanitizers it checks the module's promises: the answer is 0
 * or MG_EINVAL; a refusal names one of the form's fields and says why in a
 * French sentence that is valid UTF-8 (it goes into a page, and quotes
 * what was typed); an accepted territory is empty or one of the two scope
 * forms, and so are accepted target communes; an accepted priority is
 * empty or 1 to 3; accepted dates are read by mg_parse_date; the same
 * input gives the same answer twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/contracts.h"
#include "core/utf8.h"
#include "fuzz_util.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 18

static bool is_field(const char *f, const char *const *names)
{
    for (size_t i = 0; f && names[i]; i++)
        if (strcmp(f, names[i]) == 0)
            return true;
    return false;
}

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n' && *s != '\v' && *s != '\f')
            return false;
    return true;
}

/* A refusal's promises, or an acceptance's. */
static void check_answer(int rc, const mg_contract_field_error *fe, const mg_diag *d,
                         const char *const *names)
{
    check(rc == 0 || rc == MG_EINVAL);
    if (rc == 0)
        return;
    check(is_field(fe->field, names));
    size_t n = strlen(fe->msg);
    check(n > 0 && d->msg[0] != 0);
    check(mg_utf8_check(fe->msg, n, NULL) == n);
}

/* An accepted date, typed or left blank. */
static void check_date(const char *s)
{
    if (blank(s))
        return;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f')
        s++;
    mg_date dt;
    check(mg_parse_date(s, &dt, NULL) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = 0;
    const char *f[NFIELDS] = {0};
    size_t nf = 0;
    char *p = copy;
    while (nf < NFIELDS) {
        f[nf++] = p;
        char *sep = memchr(p, 0x1e, (size_t)(copy + size - p));
        if (!sep)
            break;
        *sep = 0;
        p = sep + 1;
    }

    static const char *const contract_fields[] = {"kind", "title", "territory", "starts_on",
                                                  "ends_on", "status", NULL};
    mg_contract_input in = {.kind = f[0], .title = f[1], .territory = f[2], .starts_on = f[3],
                            .ends_on = f[4], .status = f[5]};
    mg_contract_field_error fe;
    mg_diag d = {{0}};
    int rc = mg_contract_input_check(&in, &fe, &d);
    check_answer(rc, &fe, &d, contract_fields);
    if (rc == 0) {
        const char *t = in.territory ? in.territory : "";
        while (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n' || *t == '\v' || *t == '\f')
            t++;
        check(!*t || strncmp(t, "epci:", 5) == 0 || strncmp(t, "communes:", 9) == 0);
        check_date(in.starts_on);
        check_date(in.ends_on);
        check(in.kind && !blank(in.title));
    }
    mg_contract_field_error fe2;
    mg_diag d2 = {{0}};
    check(mg_contract_input_check(&in, &fe2, &d2) == rc);
    check(rc == 0 || strcmp(fe.field, fe2.field) == 0);

    static const char *const action_fields[] = {
        "title",      "description",  "status",         "starts_on",       "due_on",   "axis",
        "objectives", "contact_role", "target_publics", "target_communes", "priority", "scenario",
        NULL};
    mg_contract_action_input ai = {.title = f[6],
                                   .description = f[7],
                                   .status = f[8],
                                   .starts_on = f[9],
                                   .due_on = f[10],
                                   .axis = f[11],
                                   .objectives = f[12],
                                   .contact_role = f[13],
                                   .target_publics = f[14],
                                   .target_communes = f[15],
                                   .priority = f[16],
                                   .scenario = f[17]};
    mg_diag d3 = {{0}};
    rc = mg_contract_action_input_check(&ai, &fe, &d3);
    check_answer(rc, &fe, &d3, action_fields);
    if (rc == 0) {
        check(!blank(ai.title));
        check_date(ai.starts_on);
        check_date(ai.due_on);
        const char *t = ai.target_communes ? ai.target_communes : "";
        while (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n' || *t == '\v' || *t == '\f')
            t++;
        check(!*t || strncmp(t, "epci:", 5) == 0 || strncmp(t, "communes:", 9) == 0);
        /* The form's outer white space aside, as for every field. */
        const char *pr = ai.priority ? ai.priority : "";
        while (*pr == ' ' || *pr == '\t' || *pr == '\r' || *pr == '\n' || *pr == '\v' ||
               *pr == '\f')
            pr++;
        check(blank(pr) || (*pr >= '1' && *pr <= '3' && blank(pr + 1)));
    }
    mg_contract_field_error fe3;
    mg_diag d4 = {{0}};
    check(mg_contract_action_input_check(&ai, &fe3, &d4) == rc);
    free(copy);
    return 0;
}
