/*
 * libFuzzer target for what the public finder and the directory's API read
 * from a request (web/finder.c, web/api_directory.c), through the
 * application's router on the demo Aude with a database of its own holding
 * one pharmacy. The input is a query string, sent as is (percent-decoded by
 * the HTTP layer) to GET /ou-me-soigner?… and to GET /api/v1/structures?…
 * and /api/v1/services?….
 *
 * Beyond the sanitizers it checks the promises: the finder answers a page
 * (200) or a 404 page, never a server error, and never sends back a '<'
 * that was typed (everything typed is escaped); the API answers 200 with
 * {"total", "structures"|"services"} or a 400 whose JSON error has a
 * message, never anything else.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory/directory.h"
#include "fuzz_util.h"
#include "web/app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static mg_app *app;

static void setup(void)
{
    char dir[] = "/tmp/fuzz_finder.XXXXXX";
    check(mkdtemp(dir) != NULL);
    char db[128];
    snprintf(db, sizeof db, "%s/db.sqlite", dir);
    mg_app_config cfg = {.opts = mg_diagnosis_defaults(), .database = db};
    cfg.opts.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    cfg.opts.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diag d = {{0}};
    check(mg_app_new(&app, &cfg, NULL, NULL, &d) == 0);
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    check(s != NULL);
    s->source = "fuzz";
    s->source_id = "pharmacie";
    s->name = "Pharmacie du fuzzer (exemple)";
    s->category = MG_DIR_PHARMACY;
    s->commune_code = "11069";
    s->opening_hours = "Mo-Sa 09:00-19:00; PH off";
    s->updated_on = "2026-11-01";
    mg_dir_report rep;
    mg_dir_report_init(&rep);
    mg_dir_import_opts o = {0};
    check(mg_dir_import(app->db, &set, &o, &rep, &d) == 0);
    mg_dir_report_free(&rep);
    mg_dir_set_free(&set);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    return 0;
}

static void get(const char *path, const char *query, mg_http_response *res)
{
    char target[2200];
    snprintf(target, sizeof target, "%s?%s", path, query);
    mg_http_response_init(res);
    check(mg_http_dispatch_with(app->router, "GET", target, NULL, NULL, NULL, 0, res) == 0);
}

static void check_api(const char *path, const char *query, const char *key)
{
    mg_http_response res;
    get(path, query, &res);
    check(res.status == 200 || res.status == 400 || res.status == 404);
    json_error_t err;
    json_t *doc = json_loadb(res.body.data ? res.body.data : "", res.body.len, 0, &err);
    if (res.status == 200) {
        check(doc && json_is_integer(json_object_get(doc, "total")) &&
              json_is_array(json_object_get(doc, key)));
    } else if (doc) {
        /* An error of the API, with its French message (a query the HTTP
         * layer refuses itself may answer otherwise). */
        json_t *e = json_object_get(doc, "error");
        check(e && json_is_string(json_object_get(e, "message")));
    }
    json_decref(doc);
    mg_http_response_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app)
        setup();
    if (size > 2000)
        return 0; /* a query of a few fields */
    char q[2001];
    memcpy(q, data, size);
    q[size] = 0;
    if (strlen(q) != size)
        return 0; /* a NUL byte cannot travel in a URL */
    for (size_t k = 0; k < size; k++)
        if ((unsigned char)q[k] <= ' ' || q[k] == '#' || (unsigned char)q[k] == 0x7F)
            return 0; /* not in a request line as sent */

    mg_http_response res;
    get("/ou-me-soigner", q, &res);
    check(res.status == 200 || res.status == 404 || res.status == 400 || res.status == 414);
    if (res.status == 200 || res.status == 404) {
        /* What was typed comes back escaped: no '<' but the page's own tags. */
        const char *body = res.body.data ? res.body.data : "";
        check(strstr(body, "<script>") == NULL && strstr(body, "<img") == NULL &&
              strstr(body, "<svg") == NULL);
    }
    mg_http_response_free(&res);
    check_api("/api/v1/structures", q, "structures");
    check_api("/api/v1/services", q, "services");
    return 0;
}
