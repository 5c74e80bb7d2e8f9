/*
 * The web application on the demo Aude, for the tests that dispatch
 * requests to it without a network (test_web, test_web_pages): one app per
 * group of tests, its database in a temporary folder — or, when
 * web_fixture_db is set, that database (the PostgreSQL run of test_web).
 * Each group logs in once, as a manager of an organisation made for it
 * (the accounts module, auth/auth.h): web_request sends that session's
 * cookie and CSRF token with every request.
 */
#ifndef MG_TESTS_WEB_FIXTURE_H
#define MG_TESTS_WEB_FIXTURE_H

#include <stdio.h>

#include <time.h>

#include "auth/auth.h"
#include "testutil.h"
#include "web/app.h"

static mg_app *app;
static char web_fixture_dir[256];
/* A database URL for the next group, "" for an SQLite file of its own. */
static char web_fixture_db[512];
/* The session of the group's manager: "mg_session=…" and its CSRF token. */
static char web_cookie[128];
static char web_csrf_token[MG_AUTH_TOKEN_CHARS + 1];
static int64_t web_org_id;
/* A layer descriptor (diagnosis/layer.h) for the next group's app, or NULL. */
static const char *web_fixture_layer;

/* Makes an organisation and a manager in it, and logs in (web_cookie). An
 * organisation of this name may exist already (a PostgreSQL database kept
 * from a group before): then a new one with a suffix. */
static int web_login(void)
{
    mg_diag d = {{0}};
    char name[64], email[96];
    static int serial;
    serial++;
    snprintf(name, sizeof name, "Organisation de test %d (exemple)", serial);
    snprintf(email, sizeof email, "gestion%d.%ld@exemple.invalid", serial, (long)time(NULL));
    mg_auth_org_input org = {.name = name, .kind = "departement"};
    const char *password = "un mot de passe de test assez long";
    int64_t account = 0;
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    if (mg_auth_org_add(app->db, 0, &org, true, false, &web_org_id, NULL, &d) ||
        mg_auth_account_add(app->db, 0, email, "Gestion (exemple)", password, web_org_id,
                            MG_ROLE_MANAGER, &account, NULL, &d) ||
        mg_auth_login(app->db, email, password, "127.0.0.1", (int64_t)time(NULL), &lr, &retry,
                      &d) ||
        mg_auth_session_load(app->db, lr.session, (int64_t)time(NULL), &s, &d)) {
        fprintf(stderr, "setup: log-in: %s\n", d.msg);
        return -1;
    }
    snprintf(web_cookie, sizeof web_cookie, "mg_session=%s", lr.session);
    memcpy(web_csrf_token, s.csrf, sizeof web_csrf_token);
    return 0;
}

/* Dispatches a request as the group's manager (session cookie and CSRF
 * token sent along). */
static inline int web_request(const char *method, const char *target, const char *ctype,
                       const char *body, size_t body_len, mg_http_response *res)
{
    const char *headers[] = {"Cookie", web_cookie, "X-CSRF-Token", web_csrf_token, NULL};
    return mg_http_dispatch_with(app->router, method, target, headers, ctype, body, body_len,
                                 res);
}

/* The app of the Aude with `baseline` as the pages' default, its database
 * in a fresh folder named after `tag` (or web_fixture_db), and the
 * manager logged in. */
static int web_setup_on(enum mg_baseline baseline, const char *tag)
{
    if (test_mkdtemp(web_fixture_dir, sizeof web_fixture_dir, tag))
        return -1;
    char db[600];
    if (web_fixture_db[0])
        snprintf(db, sizeof db, "%s", web_fixture_db);
    else
        snprintf(db, sizeof db, "%s/web.sqlite", web_fixture_dir);
    mg_app_config cfg = {.opts = mg_diagnosis_defaults(), .database = db, .baseline = baseline};
    cfg.opts.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    cfg.opts.france = MG_SOURCE_DIR "/data/demo/france";
    if (web_fixture_layer) {
        cfg.layers[0] = web_fixture_layer;
        cfg.nlayers = 1;
    }
    mg_diag d = {{0}};
    if (mg_app_new(&app, &cfg, NULL, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    return web_login();
}

static int web_setup(void **state)
{
    (void)state;
    return web_setup_on(MG_BASELINE_MODEL, "web");
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
