/*
 * libFuzzer target for the dispositif's search of the bilan
 * (contracts/report.h: mg_bilan_query_check, the check of the query typed
 * in /contrats/dispositif/bilan?q=, and mg_bilan_matches, which folds case,
 * accents and punctuation of the query and of every action's title and
 * description). The input is split on its first byte 0x1E into the query
 * and the text searched (the whole input is the query when there is none).
 *
 * Beyond the sanitizers it checks the module's promises: the check
 * answers 0 or MG_EINVAL, and a refusal's French sentence is valid UTF-8
 * (it goes into the page); the same input gives the same answers twice;
 * an accepted query is found in itself and at the start of a text made of
 * it and more words; a query found in a text is found in that text with
 * words before it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/report.h"
#include "core/utf8.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    char *text = memchr(buf, 0x1e, size);
    if (text)
        *text++ = 0;
    const char *query = buf;

    mg_diag d = {{0}};
    int rc = mg_bilan_query_check(query, &d);
    check(rc == 0 || rc == MG_EINVAL);
    mg_diag d2 = {{0}};
    check(mg_bilan_query_check(query, &d2) == rc);
    if (rc) {
        size_t m = strlen(d.msg);
        check(m > 0 && mg_utf8_check(d.msg, m, NULL) == m);
    } else {
        check(mg_bilan_matches(query, query));
        size_t q = strlen(query);
        char *more = malloc(q + 32);
        if (more) {
            memcpy(more, query, q);
            memcpy(more + q, " et autres mots", 16);
            check(mg_bilan_matches(more, query));
            free(more);
        }
    }
    if (text) {
        bool hit = mg_bilan_matches(text, query);
        check(mg_bilan_matches(text, query) == hit);
        if (hit) {
            size_t t = strlen(text);
            char *before = malloc(t + 16);
            if (before) {
                memcpy(before, "Action : ", 9);
                memcpy(before + 9, text, t + 1);
                check(mg_bilan_matches(before, query));
                free(before);
            }
        }
    }
    free(buf);
    return 0;
}
