/*
 * libFuzzer target for the checks of the subsidy request form
 * (funding/funding.h: mg_subsidy_input_check, what mg_subsidy_draft_save
 * and mg_subsidy_file check before the database). The input is split on
 * the byte 0x1E into the form's 27 fields in the order of
 * mg_subsidy_request_input (name … action), then groups of four (account,
 * label, amount, funder) that are the budget lines, at most
 * MG_SUBSIDY_LINES_MAX + 2 of them (fields past the input are NULL).
 *
 * Beyond the sanitizers it checks the module's promises, in both modes
 * (draft and complete): the answer is 0 or MG_EINVAL; every refused field
 * is one of the form's fields, "budget", or line_<k>_account / label /
 * amount / funder with k a line given; each sentence is non-empty valid
 * UTF-8; what a filing accepts a draft accepts too; an accepted filing
 * has a balanced budget (expenses = resources, 86 = 87), asks something
 * and not more than its expenses; the same input gives the same answer
 * twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "funding/funding.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NFORM = 27, NLINES = MG_SUBSIDY_LINES_MAX + 2, NFIELDS = NFORM + 4 * NLINES };

static const char *const form_fields[] = {
    "name", "acronym", "siret", "rna", "address", "postcode", "city", "email", "phone",
    "representative_role", "contact_role", "volunteers", "employees", "employees_fte",
    "members", "title", "objectives", "description", "target_publics", "communes",
    "starts_on", "ends_on", "evaluation", "is_renewal", "multi_year", "nature", "call",
    "action", "budget", NULL};

/* A refused field of a form with nlines lines. */
static bool known_field(const char *f, size_t nlines)
{
    for (size_t i = 0; form_fields[i]; i++)
        if (strcmp(f, form_fields[i]) == 0)
            return true;
    if (strncmp(f, "line_", 5) != 0)
        return false;
    size_t k = 0, i = 5;
    while (f[i] >= '0' && f[i] <= '9' && i < 9)
        k = k * 10 + (size_t)(f[i++] - '0');
    if (k < 1 || k > nlines || f[i] != '_' || f[5] == '0')
        return false;
    const char *what = f + i + 1;
    return strcmp(what, "account") == 0 || strcmp(what, "label") == 0 ||
           strcmp(what, "amount") == 0 || strcmp(what, "funder") == 0;
}

static void check_answer(int rc, const mg_subsidy_errors *errs, const mg_diag *d, size_t nlines)
{
    check(rc == 0 || rc == MG_EINVAL);
    check(errs->n <= MG_SUBSIDY_ERRORS_MAX);
    if (rc == 0) {
        check(errs->n == 0);
        return;
    }
    check(errs->n > 0 && d->msg[0] != 0);
    for (size_t i = 0; i < errs->n; i++) {
        check(known_field(errs->e[i].field, nlines));
        size_t n = strlen(errs->e[i].msg);
        check(n > 0);
        check(mg_utf8_check(errs->e[i].msg, n, NULL) == n);
    }
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
    mg_subsidy_line_input lines[NLINES];
    size_t nlines = nf > NFORM ? (nf - NFORM + 3) / 4 : 0;
    for (size_t k = 0; k < nlines; k++) {
        const char *const *g = f + NFORM + 4 * k;
        lines[k] = (mg_subsidy_line_input){g[0], g[1], g[2], g[3]};
    }
    mg_subsidy_request_input in = {
        .name = f[0], .acronym = f[1], .siret = f[2], .rna = f[3], .address = f[4],
        .postcode = f[5], .city = f[6], .email = f[7], .phone = f[8],
        .representative_role = f[9], .contact_role = f[10], .volunteers = f[11],
        .employees = f[12], .employees_fte = f[13], .members = f[14], .title = f[15],
        .objectives = f[16], .description = f[17], .target_publics = f[18], .communes = f[19],
        .starts_on = f[20], .ends_on = f[21], .evaluation = f[22], .is_renewal = f[23],
        .multi_year = f[24], .nature = f[25], .call = f[26], .action = NULL,
        .lines = nlines ? lines : NULL, .nlines = nlines};

    static mg_subsidy_errors e1, e2, e3;
    mg_subsidy_budget_totals t1, t3;
    mg_diag d1 = {{0}}, d2 = {{0}}, d3 = {{0}};
    int draft = mg_subsidy_input_check(&in, false, &t1, &e1, &d1);
    check_answer(draft, &e1, &d1, nlines);
    int complete = mg_subsidy_input_check(&in, true, &t3, &e3, &d3);
    check_answer(complete, &e3, &d3, nlines);
    /* What a filing accepts, a draft accepts. */
    check(complete != 0 || draft == 0);
    if (complete == 0) {
        check(t3.expenses == t3.resources);
        check(t3.in_kind_expenses == t3.in_kind_resources);
        check(t3.asked > 0 && t3.asked <= t3.expenses);
        check(t3.in_kind_expenses <= t3.expenses);
    }
    if (draft == 0)
        check(t1.expenses >= 0 && t1.resources >= 0 && t1.asked >= 0 && t1.asked <= t1.resources);
    /* The same answer twice. */
    int again = mg_subsidy_input_check(&in, false, NULL, &e2, &d2);
    check(again == draft && e2.n == e1.n);
    for (size_t i = 0; i < e1.n; i++)
        check(strcmp(e1.e[i].field, e2.e[i].field) == 0 &&
              strcmp(e1.e[i].msg, e2.e[i].msg) == 0);
    free(copy);
    return 0;
}
