/*
 * libFuzzer target for the reading of amounts in euros
 * (contracts/budget.h: mg_budget_parse_cents) and the check of a budget
 * line's form, which quotes what was typed. The input is the text typed in
 * an amount field (cut at its first NUL byte, at most 256 bytes).
 *
 * Beyond the sanitizers it checks the module's promises: the answer is 0
 * or MG_EINVAL; an accepted amount is between 0 and 10^14 cents, and
 * written back by mg_budget_format_cents (valid UTF-8) it reads again as
 * the same cents; a refused one leaves 0 in *cents; the form check agrees
 * with the parser on the "planned" field and its French sentence is valid
 * UTF-8; the same input gives the same answer twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/budget.h"
#include "core/utf8.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[257];
    size_t n = size < 256 ? size : 256;
    memcpy(s, data, n);
    s[n] = 0;

    int64_t cents = -1;
    int rc = mg_budget_parse_cents(s, &cents);
    check(rc == 0 || rc == MG_EINVAL);
    int64_t again = -1;
    check(mg_budget_parse_cents(s, &again) == rc && again == cents);
    if (rc == 0) {
        check(cents >= 0 && cents <= INT64_C(100000000000000));
        char out[64];
        mg_budget_format_cents(cents, out, sizeof out);
        size_t len = strlen(out);
        check(len > 0 && mg_utf8_check(out, len, NULL) == len);
        int64_t back = -1;
        check(mg_budget_parse_cents(out, &back) == 0 && back == cents);
    } else {
        check(cents == 0);
    }

    mg_budget_line_input in = {.funder_id = 1, .year = "2025", .nature = "operation",
                               .planned = s};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int crc = mg_budget_line_input_check(&in, &fe, &d);
    check(crc == 0 || crc == MG_EINVAL);
    check((crc == 0) == (rc == 0));
    if (crc != 0) {
        check(fe.field && strcmp(fe.field, "planned") == 0);
        size_t m = strlen(fe.msg);
        check(m > 0 && mg_utf8_check(fe.msg, m, NULL) == m);
    }
    return 0;
}
