/*
 * libFuzzer target for the checks of what people type into the indicator
 * form (contracts/indicators.h: mg_indicator_input_check, the checks
 * mg_indicator_create makes before the database). The input is split on
 * the byte 0x1E into the fields title, unit, direction, target,
 * target_on, source, measure, profession (fields past the input are NULL).
 *
 * Beyond the sanitizers it checks the module's promises: the answer is 0
 * or MG_EINVAL; a refusal names one of the form's fields and says why in a
 * French sentence that is valid UTF-8 (it goes into a page, and quotes
 * what was typed); an accepted source is one of the three keys, an
 * accepted engine measure is one the engine knows; the same input gives
 * the same answer twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/indicators.h"
#include "core/utf8.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NFIELDS = 8 };

static const char *const fields[] = {"title",     "unit",   "direction", "target",
                                     "target_on", "source", "measure",   "profession"};

static bool is_field(const char *f)
{
    for (size_t i = 0; f && i < NFIELDS; i++)
        if (strcmp(f, fields[i]) == 0)
            return true;
    return false;
}

/* s without its outer white space, into out (cap bytes). */
static const char *trimmed(const char *s, char *out, size_t cap)
{
    if (!s)
        return "";
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n' ||
                 s[n - 1] == '\v' || s[n - 1] == '\f'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
    return out;
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
    mg_indicator_input in = {.title = f[0], .unit = f[1], .direction = f[2], .target = f[3],
                             .target_on = f[4], .source = f[5], .measure = f[6],
                             .profession = f[7]};
    mg_contract_field_error fe;
    mg_diag d = {{0}};
    int rc = mg_indicator_input_check(&in, &fe, &d);
    check(rc == 0 || rc == MG_EINVAL);
    if (rc != 0) {
        check(is_field(fe.field));
        size_t n = strlen(fe.msg);
        check(n > 0 && d.msg[0] != 0);
        check(mg_utf8_check(fe.msg, n, NULL) == n);
    } else {
        /* What was accepted, as the module reads it (outer white space
         * aside): a source key or nothing (typed values), and for the
         * engine one of its measures. */
        char src[64], measure[128];
        mg_indicator_source s = MG_INDICATOR_MANUAL;
        if (*trimmed(in.source, src, sizeof src))
            check(mg_indicator_source_parse(src, &s) == 0);
        if (s == MG_INDICATOR_ENGINE)
            check(mg_indicator_engine_measure_label(trimmed(in.measure, measure,
                                                            sizeof measure))[0] != 0);
    }
    mg_contract_field_error fe2;
    mg_diag d2 = {{0}};
    check(mg_indicator_input_check(&in, &fe2, &d2) == rc);
    check(rc == 0 || strcmp(fe.field, fe2.field) == 0);
    free(copy);
    return 0;
}
