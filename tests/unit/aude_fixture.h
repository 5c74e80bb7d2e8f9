/*
 * The real Aude (data/demo) with its GP diagnosis and a scenario engine on
 * it, loaded once per test program: the cmocka group setup and teardown of
 * the tests that work on the whole demo territory. Include after <cmocka.h>.
 */
#ifndef MG_TESTS_AUDE_FIXTURE_H
#define MG_TESTS_AUDE_FIXTURE_H

#include <stdio.h>

#include "diagnosis/diagnosis.h"
#include "scenario/scenario.h"

static mg_diagnosis *g;
static mg_scenario_engine *engine;

static int setup(void **state)
{
    (void)state;
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    o.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diag d = {{0}};
    if (mg_diagnosis_load(&g, &o, NULL, NULL, &d) || mg_scenario_engine_new(&engine, g, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mg_scenario_engine_free(engine);
    mg_diagnosis_free(g);
    return 0;
}

#endif
