/*
 * libFuzzer target for the checks of what people type after a grant
 * (funding/aftergrant.h): a payment (mg_subsidy_payment_check: date,
 * amount, conditions) and the final report's lines and comments
 * (mg_subsidy_report_check), the checks mg_subsidy_pay and
 * mg_subsidy_report_save make before the database. The input is split on
 * the byte 0x1E into fields: the first three are the payment's date,
 * amount and conditions; the fourth the report's comments; the rest, three
 * by three, its lines' account, label and amount.
 *
 * Beyond the sanitizers it checks the module's promises: the answer is 0
 * or MG_EINVAL; a refusal names a field of the form and says why in a
 * French sentence that is valid UTF-8 (it goes into a page); an accepted
 * payment has a valid ISO day and an amount above zero that
 * mg_budget_parse_cents reads the same; the report's totals are the sums
 * of its accepted lines' amounts by side; the same input gives the same
 * answer twice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/budget.h"
#include "core/utf8.h"
#include "funding/aftergrant.h"
#include "fuzz_util.h"
#include "parse/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NFIELDS_MAX = 4 + 3 * 130 };

static bool utf8_ok(const char *s)
{
    size_t chars = 0;
    return mg_utf8_check(s, strlen(s), &chars) == strlen(s);
}

/* A refused field of the report: "lines", "comments" or "line_<k>_…" with
 * k in 1..n. */
static bool report_field(const char *f, size_t n)
{
    if (strcmp(f, "lines") == 0 || strcmp(f, "comments") == 0)
        return true;
    if (strncmp(f, "line_", 5) != 0)
        return false;
    const char *p = f + 5;
    size_t k = 0;
    if (*p < '1' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9')
        k = k * 10 + (size_t)(*p++ - '0');
    return k >= 1 && k <= n &&
           (strcmp(p, "_account") == 0 || strcmp(p, "_label") == 0 ||
            strcmp(p, "_amount") == 0);
}

static void check_errors(const mg_subsidy_errors *e, bool report, size_t n)
{
    check(e->n > 0);
    for (size_t k = 0; k < e->n && k < MG_SUBSIDY_ERRORS_MAX; k++) {
        const char *f = e->e[k].field;
        if (report)
            check(report_field(f, n));
        else
            check(strcmp(f, "paid_on") == 0 || strcmp(f, "amount") == 0 ||
                  strcmp(f, "conditions") == 0);
        check(e->e[k].msg[0] != 0);
        check(utf8_ok(e->e[k].msg));
    }
}

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
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
    static const char *f[NFIELDS_MAX];
    size_t nf = 0;
    char *p = copy;
    while (nf < NFIELDS_MAX) {
        f[nf++] = p;
        char *sep = memchr(p, 0x1e, (size_t)(copy + size - p));
        if (!sep)
            break;
        *sep = 0;
        p = sep + 1;
    }
    for (size_t k = nf; k < 4; k++)
        f[k] = NULL;

    /* The payment. */
    mg_subsidy_errors errs, again;
    char day[11], day2[11];
    int64_t cents = -1, cents2 = -1;
    mg_diag d = {{0}};
    int rc = mg_subsidy_payment_check(f[0], f[1], f[2], day, &cents, &errs, &d);
    int rc2 = mg_subsidy_payment_check(f[0], f[1], f[2], day2, &cents2, &again, &d);
    check(rc == 0 || rc == MG_EINVAL);
    check(rc == rc2 && errs.n == again.n);
    if (rc == 0) {
        check(errs.n == 0);
        check(strlen(day) == 10 && strcmp(day, day2) == 0);
        mg_date dt;
        mg_parse_error why;
        check(mg_parse_date(day, &dt, &why) == 0);
        int64_t c = 0;
        check(cents > 0 && cents == cents2);
        check(mg_budget_parse_cents(f[1], &c) == 0 && c == cents);
    } else {
        check_errors(&errs, false, 0);
    }

    /* The report. */
    size_t nlines = nf > 4 ? (nf - 4 + 2) / 3 : 0;
    mg_subsidy_line_input *lines = nlines ? calloc(nlines, sizeof *lines) : NULL;
    if (nlines && !lines) {
        free(copy);
        return 0;
    }
    for (size_t k = 0; k < nlines; k++) {
        size_t base = 4 + 3 * k;
        lines[k].account = base < nf ? f[base] : NULL;
        lines[k].label = base + 1 < nf ? f[base + 1] : NULL;
        lines[k].amount = base + 2 < nf ? f[base + 2] : NULL;
    }
    int64_t exp = -1, res = -1, exp2 = -1, res2 = -1;
    size_t kept = 0, kept2 = 0;
    rc = mg_subsidy_report_check(lines, nlines, f[3], &exp, &res, &kept, &errs, &d);
    rc2 = mg_subsidy_report_check(lines, nlines, f[3], &exp2, &res2, &kept2, &again, &d);
    check(rc == 0 || rc == MG_EINVAL);
    check(rc == rc2 && errs.n == again.n);
    if (rc == 0) {
        check(exp == exp2 && res == res2 && kept == kept2);
        /* The sums, made here from the lines as typed. */
        int64_t e = 0, r = 0;
        size_t n = 0;
        for (size_t k = 0; k < nlines; k++) {
            if (blank(lines[k].account) && blank(lines[k].label) && blank(lines[k].amount))
                continue;
            const mg_subsidy_account *a = mg_subsidy_account_find(lines[k].account);
            check(a != NULL);
            int64_t c = 0;
            check(mg_budget_parse_cents(lines[k].amount, &c) == 0);
            if (a->side == MG_SUBSIDY_EXPENSE)
                e += c;
            else
                r += c;
            n++;
        }
        check(e == exp && r == res && n == kept);
    } else {
        check_errors(&errs, true, nlines);
    }
    free(lines);
    free(copy);
    return 0;
}
