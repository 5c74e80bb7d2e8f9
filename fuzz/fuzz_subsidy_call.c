/*
 * libFuzzer target for the checks of what people type to open a call for
 * projects (funding/funding.h: mg_subsidy_call_input_check, the checks
 * mg_subsidy_call_create makes before the database). The input is split
 * on the byte 0x1E into the fields title, theme, territory, description,
 * opens_on, deadline, then amounts of the budgets of co-funders 1, 2, 3…
 * (each field past the sixth is the budget of the next co-funder id; a
 * field starting with "!" names co-funder 1 again, a duplicate).
 *
 * Beyond the sanitizers it checks the module's promises: the answer is 0
 * or MG_EINVAL; every refusal names one of the form's fields and says why
 * in a French sentence that is valid UTF-8 (it goes into a page, and
 * quotes what was typed), and the first one is in d too; when accepted,
 * the title is not blank, the territory is empty or one of the two scope
 * forms, both dates are read by mg_parse_date and the deadline is not
 * before the opening (compared as dates), every budget typed is an amount
 * mg_budget_parse_cents reads, and no co-funder is given twice; the same
 * input gives the same answer twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/budget.h"
#include "core/utf8.h"
#include "funding/funding.h"
#include "fuzz_util.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 16
#define NBUDGETS (NFIELDS - 6)

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

/* The field's value without its outer white space, into out. */
static void trimmed(const char *s, char *out, size_t cap)
{
    if (!s)
        s = "";
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
}

static bool known_field(const char *f, size_t nbudgets)
{
    static const char *const names[] = {"title",    "theme",    "territory", "description",
                                        "opens_on", "deadline", "budget",    NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcmp(f, names[i]) == 0)
            return true;
    for (size_t k = 0; k < nbudgets; k++) {
        char b[48];
        snprintf(b, sizeof b, "budget_%zu", k + 1);
        if (strcmp(f, b) == 0)
            return true;
    }
    return false;
}

static long day_number(const char *s)
{
    char t[64];
    trimmed(s, t, sizeof t);
    mg_date dt;
    check(mg_parse_date(t, &dt, NULL) == 0);
    return (long)dt.year * 10000 + dt.month * 100 + dt.day;
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
    int64_t funders[NBUDGETS];
    const char *amounts[NBUDGETS];
    size_t nb = 0;
    for (size_t k = 6; k < nf; k++, nb++) {
        bool again = f[k][0] == '!';
        funders[nb] = again ? 1 : (int64_t)nb + 1;
        amounts[nb] = again ? f[k] + 1 : f[k];
    }
    mg_subsidy_call_input in = {.title = f[0], .theme = f[1], .territory = f[2],
                                .description = f[3], .opens_on = f[4], .deadline = f[5],
                                .budget_funders = funders, .budget_amounts = amounts,
                                .nbudgets = nb};
    mg_subsidy_errors e;
    mg_diag d = {{0}};
    int rc = mg_subsidy_call_input_check(&in, &e, &d);
    check(rc == 0 || rc == MG_EINVAL);
    check((rc == 0) == (e.n == 0));
    for (size_t k = 0; k < e.n && k < MG_SUBSIDY_ERRORS_MAX; k++) {
        check(known_field(e.e[k].field, nb));
        size_t n = strlen(e.e[k].msg);
        check(n > 0 && mg_utf8_check(e.e[k].msg, n, NULL) == n);
    }
    if (rc != 0) {
        check(strstr(d.msg, e.e[0].field) != NULL);
    } else {
        check(!blank(f[0]));
        char t[4096];
        trimmed(f[2], t, sizeof t);
        check(!t[0] || strncmp(t, "epci:", 5) == 0 || strncmp(t, "communes:", 9) == 0);
        check(day_number(f[4]) <= day_number(f[5]));
        for (size_t k = 0; k < nb; k++) {
            int64_t cents = 0;
            check(blank(amounts[k]) || mg_budget_parse_cents(amounts[k], &cents) == 0);
            check(cents >= 0);
            for (size_t j = 0; j < k; j++)
                check(funders[j] != funders[k]);
        }
    }
    mg_subsidy_errors e2;
    mg_diag d2 = {{0}};
    check(mg_subsidy_call_input_check(&in, &e2, &d2) == rc);
    check(e2.n == e.n);
    check(rc == 0 || strcmp(e.e[0].field, e2.e[0].field) == 0);
    free(copy);
    return 0;
}
