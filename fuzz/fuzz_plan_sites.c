/*
 * libFuzzer target for the list of one's own sites (mg_plan_split_sites,
 * the planning page's "Vos sites": "CODE[:KIND], …"). Beyond the
 * sanitizers it checks that every entry has a non-empty code without
 * surrounding spaces, at most cap entries are written, and a refusal
 * names an item that exists.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    mg_plan_site_words w[8];
    size_t n = 99, bad = 99;
    int rc = mg_plan_split_sites(text, w, 8, &n, &bad);
    check(n <= 8);
    check(rc == MG_OK || rc == MG_EINVAL || rc == MG_ELIMIT);
    if (rc == MG_EINVAL)
        check(bad == n && bad < 8);
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(w[k].code);
        check(len > 0 && len < sizeof w[k].code);
        check(w[k].code[0] != ' ' && w[k].code[len - 1] != ' ');
        check(!strchr(w[k].code, ',') && !strchr(w[k].code, ':'));
        check(strlen(w[k].kind) < sizeof w[k].kind && !strchr(w[k].kind, ','));
    }
    free(text);
    return 0;
}
