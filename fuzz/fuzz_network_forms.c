/*
 * libFuzzer target for what people type into the directory's and the
 * meetings' pages (web/directory_pages.c, web/meetings.c), through the
 * application's router on the demo Aude with a database of its own: a
 * structure whose manager is signed in, and a meeting it organises. The
 * input is split on the byte 0x1E into: the query of a directory search
 * (GET /annuaire?…), the form body of a meeting's creation (date, time,
 * place, theme: POST /reseau/reunions), the body of its minutes (POST
 * …/compte-rendu) and the body of the structure's edit form (POST
 * /structure/{id}/modifier).
 *
 * Beyond the sanitizers it checks the pages' promises: every answer is a
 * page or a redirect, never a server error (a refused value is 400 or 422,
 * a page past the end 404); a redirect goes where the page says; a meeting
 * created by the form has the date and time shape the store keeps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "directory/directory.h"
#include "fuzz_util.h"
#include "parse/parse.h"
#include "web/app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define PASSWORD "mot de passe du fuzzer des formulaires"

static mg_app *app;
static char cookie[128], csrf[MG_AUTH_TOKEN_CHARS + 1];
static int64_t structure_id, meeting_id;

static void setup(void)
{
    char dir[] = "/tmp/fuzz_network_forms.XXXXXX";
    check(mkdtemp(dir) != NULL);
    char db[128];
    snprintf(db, sizeof db, "%s/db.sqlite", dir);
    mg_app_config cfg = {.opts = mg_diagnosis_defaults(), .database = db};
    cfg.opts.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    cfg.opts.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diag d = {{0}};
    check(mg_app_new(&app, &cfg, NULL, NULL, &d) == 0);

    /* A structure (a confirmed organisation) and its manager, signed in. */
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    check(s != NULL);
    s->name = "Centre de santé du fuzzer (exemple)";
    s->category = MG_DIR_HEALTH_CENTRE;
    s->commune_code = "11069";
    check(mg_dir_save(app->db, 0, &set, &structure_id, NULL, &d) == 0);
    mg_dir_set_free(&set);
    int64_t account = 0;
    check(mg_auth_account_add(app->db, 0, "gestion@fuzzer.invalid", "Gestion (exemple)", PASSWORD,
                              structure_id, MG_ROLE_MANAGER, &account, NULL, &d) == 0);
    mg_auth_login_result lr;
    int64_t retry = 0, now = (int64_t)time(NULL);
    check(mg_auth_login(app->db, "gestion@fuzzer.invalid", PASSWORD, "127.0.0.1", now, &lr,
                        &retry, &d) == 0);
    mg_auth_session ses;
    check(mg_auth_session_load(app->db, lr.session, now, &ses, &d) == 0);
    snprintf(cookie, sizeof cookie, "mg_session=%s", lr.session);
    memcpy(csrf, ses.csrf, sizeof csrf);

    mg_dir_meeting m = {.organisation_id = structure_id};
    snprintf(m.held_on, sizeof m.held_on, "2027-01-15 10:00");
    snprintf(m.place, sizeof m.place, "Salle (exemple)");
    snprintf(m.theme, sizeof m.theme, "Réunion du fuzzer");
    check(mg_dir_meeting_save(app->db, 0, &m, NULL, &d) == 0);
    meeting_id = m.id;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    return 0;
}

/* Dispatches a request as the manager; its status and Location. */
static int request(const char *method, const char *target, const char *body, char *location,
                   size_t cap)
{
    const char *headers[] = {"Cookie", cookie, "X-CSRF-Token", csrf, NULL};
    mg_http_response res;
    mg_http_response_init(&res);
    int rc = mg_http_dispatch_with(app->router, method, target, headers,
                                   body ? "application/x-www-form-urlencoded" : NULL, body,
                                   body ? strlen(body) : 0, &res);
    check(rc == 0);
    int status = res.status;
    if (location)
        snprintf(location, cap, "%s", res.location);
    mg_http_response_free(&res);
    return status;
}

static bool one_of(int status, const int *ok, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (status == ok[k])
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app)
        setup();
    if (size > 16 * 1024)
        return 0;
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = 0;
    const char *f[4] = {"", "", "", ""};
    size_t nf = 0;
    char *p = copy;
    while (nf < 4) {
        f[nf++] = p;
        char *sep = memchr(p, 0x1e, (size_t)(copy + size - p));
        if (!sep)
            break;
        *sep = 0;
        p = sep + 1;
    }

    char target[17 * 1024], location[512];
    /* The search: a page, a refused filter, or a page past the end. */
    snprintf(target, sizeof target, "/annuaire?%s", f[0]);
    int st = request("GET", target, NULL, NULL, 0);
    check(one_of(st, (const int[]){200, 400, 404}, 3));

    /* A meeting: created (to its page) or refused. */
    st = request("POST", "/reseau/reunions", f[1], location, sizeof location);
    check(one_of(st, (const int[]){303, 400, 422}, 3));
    if (st == 303) {
        check(strncmp(location, "/reseau/reunions/", 17) == 0);
        int64_t id = 0;
        check(mg_parse_id(location + 17, INT64_MAX, &id, NULL) == 0);
        mg_dir_meeting m;
        mg_diag d = {{0}};
        check(mg_dir_meeting_get(app->db, id, &m, &d) == 0);
        const char *shape = "dddd-dd-dd dd:dd";
        check(strlen(m.held_on) == strlen(shape));
        for (size_t k = 0; shape[k]; k++)
            check(shape[k] == 'd' ? m.held_on[k] >= '0' && m.held_on[k] <= '9'
                                  : m.held_on[k] == shape[k]);
        check(m.organisation_id == structure_id);
    }

    /* The minutes. */
    snprintf(target, sizeof target, "/reseau/reunions/%lld/compte-rendu", (long long)meeting_id);
    st = request("POST", target, f[2], location, sizeof location);
    check(one_of(st, (const int[]){303, 400, 422}, 3));

    /* The structure's edit form. */
    snprintf(target, sizeof target, "/structure/%lld/modifier", (long long)structure_id);
    st = request("POST", target, f[3], location, sizeof location);
    check(one_of(st, (const int[]){303, 400, 404, 422}, 4));
    free(copy);
    return 0;
}
