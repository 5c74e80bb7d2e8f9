/*
 * libFuzzer target for the commune field of forms (web/form.h,
 * "Communes") on the demo Aude: the input is what a person typed, read by
 * web_commune_resolve and web_commune_suggest. Beyond the sanitizers it
 * checks the field's promises: a commune accepted is a study commune and
 * its suggestion's form "Nom (code)" resolves to it again; a refusal has a
 * French sentence, valid UTF-8 within its buffer, and leaves the index
 * alone; suggestions are distinct study communes, at most as many as asked,
 * and the first of them resolves when it is the only commune of its name.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "fuzz_util.h"
#include "web/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static mg_diagnosis *g;

static void load(void)
{
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    o.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diag d = {{0}};
    check(mg_diagnosis_load(&g, &o, NULL, NULL, &d) == 0);
}

/* Loaded before the first input, so that the load does not count against
 * that input's time (the corpus replay loads on its first input). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    load();
    return 0;
}

/* Resolves "Nom (code)" of commune i: it must give i back. */
static void round_trip(size_t i)
{
    char label[300], msg[WEB_FORM_ERROR_SIZE];
    snprintf(label, sizeof label, "%s (%s)", g->t->name[i], g->t->code[i]);
    long back = -1;
    check(web_commune_resolve(g, label, &back, msg, sizeof msg) == 0 && back == (long)i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g)
        load();
    if (size > 1024)
        return 0; /* a form field holds 200 characters */
    char s[1025];
    memcpy(s, data, size);
    s[size] = 0;

    long idx = -7;
    char msg[WEB_FORM_ERROR_SIZE];
    memset(msg, '#', sizeof msg);
    int rc = web_commune_resolve(g, s, &idx, msg, sizeof msg);
    if (rc == 0) {
        check(idx >= 0 && (size_t)idx < g->t->n && g->t->in_study[idx]);
        round_trip((size_t)idx);
    } else {
        check(rc == MG_EINVAL && idx == -7);
        size_t n = strnlen(msg, sizeof msg);
        check(n > 0 && n < sizeof msg && mg_utf8_check(msg, n, NULL) == n);
    }
    /* A small buffer is never overrun and stays a string. */
    char small[24];
    memset(small, '#', sizeof small);
    (void)web_commune_resolve(g, s, &idx, small, sizeof small);
    check(memchr(small, 0, sizeof small) != NULL);
    check(mg_utf8_check(small, strlen(small), NULL) == strlen(small));

    size_t sug[WEB_COMMUNE_SUGGEST_MAX];
    size_t k = web_commune_suggest(g, s, sug, 4);
    check(k <= 4);
    for (size_t a = 0; a < k; a++) {
        check(sug[a] < g->t->n && g->t->in_study[sug[a]]);
        for (size_t b = 0; b < a; b++)
            check(sug[a] != sug[b]);
    }
    if (k > 0)
        round_trip(sug[0]);
    return 0;
}
