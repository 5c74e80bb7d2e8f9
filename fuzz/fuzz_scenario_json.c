/*
 * libFuzzer target for scenario actions as the API and the database hand
 * them over (a JSON array, mg_scenario_from_json), then their evaluation
 * (mg_scenario_eval) on the bundled Aude, loaded once. Beyond the
 * sanitizers it checks that a refusal comes with a (French) message, and
 * that an accepted scenario gives finite, non-negative APL values.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static mg_diagnosis *g;
static mg_scenario_engine *engine;
static double *apl, *supply;

static void load(void)
{
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    o.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diag d = {{0}};
    check(mg_diagnosis_load(&g, &o, NULL, NULL, &d) == 0);
    check(mg_scenario_engine_new(&engine, g, &d) == 0);
    apl = malloc(g->t->n * sizeof *apl);
    supply = malloc(g->t->n * sizeof *supply);
    check(apl && supply);
}

/* The Aude is loaded before the first input, so that the seconds it takes
 * under the sanitizers do not count against that input's timeout (the
 * calibrated model's wider table brought them near it). The replay of the
 * corpus, which does not call this, loads it on the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    load();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g)
        load();
    json_error_t err;
    json_t *j = json_loadb((const char *)data, size, 0, &err);
    if (!j)
        return 0;
    mg_scenario s;
    mg_diag d = {{0}};
    int rc = mg_scenario_from_json(j, g, &s, &d);
    json_decref(j);
    if (rc) {
        check(d.msg[0] != 0);
        return 0;
    }
    rc = mg_scenario_eval(engine, &s, apl, supply, &d);
    if (rc) {
        check(d.msg[0] != 0);
    } else {
        for (size_t k = 0; k < g->study_n; k++) {
            size_t i = g->study[k];
            check(isfinite(apl[i]) && apl[i] >= -1e-9 && supply[i] >= -1e-6);
        }
    }
    mg_scenario_free(&s);
    return 0;
}
