/*
 * The web application on the demo Aude, for the tests that dispatch
 * requests to it without a network (test_web, test_web_pages): one app per
 * group of tests, its database in a temporary folder — or, when
 * web_fixture_db is set, that database (the PostgreSQL run of test_web).
 */
#ifndef MG_TESTS_WEB_FIXTURE_H
#define MG_TESTS_WEB_FIXTURE_H

#include <stdio.h>

#include "testutil.h"
#include "web/app.h"

static mg_app *app;
static char web_fixture_dir[256];
/* A database URL for the next group, "" for an SQLite file of its own. */
static char web_fixture_db[512];

static int web_setup(void **state)
{
    (void)state;
    if (test_mkdtemp(web_fixture_dir, sizeof web_fixture_dir, "web"))
        return -1;
    char db[600];
    if (web_fixture_db[0])
        snprintf(db, sizeof db, "%s", web_fixture_db);
    else
        snprintf(db, sizeof db, "%s/web.sqlite", web_fixture_dir);
    mg_app_config cfg = {.opts = mg_diagnosis_defaults(), .database = db};
    cfg.opts.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    cfg.opts.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diag d = {{0}};
    if (mg_app_new(&app, &cfg, NULL, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    return 0;
}

static int web_teardown(void **state)
{
    (void)state;
    mg_app_free(app);
    app = NULL;
    test_remove_tree(web_fixture_dir);
    return 0;
}

#endif
