/*
 * libFuzzer target for the public booking API's bodies and queries
 * (web/api_booking.c), through the application's router on the demo Aude
 * with a database of its own: one site (an example) with a cabin open all
 * week and a teleconsultant available all week. The input is split on the
 * byte 0x1E into: the JSON body of POST /api/v1/bookings, of POST
 * /api/v1/bookings/lookup, of POST /api/v1/bookings/cancel, and the query
 * of GET /api/v1/slots.
 *
 * Beyond the sanitizers it checks the API's promises: never a server
 * error; every answer is JSON that jansson reads (so its messages are
 * valid UTF-8, even when the input is not); a refusal (400) names a field;
 * a booking (201) carries a code that reads back as one; the answers to a
 * public request never hold a phone number.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "directory/directory.h"
#include "fuzz_util.h"
#include "web/app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static mg_app *app;

static void setup(void)
{
    char dir[] = "/tmp/fuzz_booking_json.XXXXXX";
    check(mkdtemp(dir) != NULL);
    char db[128];
    snprintf(db, sizeof db, "%s/db.sqlite", dir);
    mg_app_config cfg = {.opts = mg_diagnosis_defaults(), .database = db};
    cfg.opts.bundle = MG_SOURCE_DIR "/data/demo/11-aude";
    cfg.opts.france = MG_SOURCE_DIR "/data/demo/france";
    mg_diag d = {{0}};
    check(mg_app_new(&app, &cfg, NULL, NULL, &d) == 0);

    mg_auth_org_input owner = {.name = "Département du fuzzer (exemple)", .kind = "departement"};
    int64_t owner_id = 0, tc_org = 0, site_id = 0, device_id = 0, tc_id = 0;
    check(mg_auth_org_add(app->db, 0, &owner, true, false, &owner_id, NULL, &d) == 0);
    mg_auth_org_input tco = {.name = "Téléconsultants du fuzzer (exemple)", .kind = "other"};
    check(mg_auth_org_add(app->db, 0, &tco, true, false, &tc_org, NULL, &d) == 0);
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    check(s != NULL);
    s->name = "Mairie du fuzzer (exemple)";
    s->category = MG_DIR_TOWN_HALL;
    s->commune_code = "11069";
    s->opening_hours = "Mo-Su 00:00-24:00";
    check(mg_dir_save(app->db, 0, &set, &site_id, NULL, &d) == 0);
    mg_dir_set_free(&set);
    mg_booking_errors errs = {0};
    mg_booking_site_input si = {.site_id = site_id, .owner_id = owner_id, .active = true,
                                .is_example = true};
    check(mg_booking_site_put(app->db, 0, &si, &errs, &d) == 0);
    mg_booking_device_input di = {.site_id = site_id, .kind = "cabin",
                                  .name = "Cabine (exemple)", .active = true};
    check(mg_booking_device_add(app->db, 0, &di, &device_id, &errs, &d) == 0);
    mg_booking_teleconsultant_input ti = {.organisation_id = tc_org, .owner_id = owner_id,
                                          .label = "Médecin (exemple)",
                                          .availability = "Mo-Su 00:00-24:00",
                                          .kinds = {{MG_BOOKING_GP, 20}}, .nkinds = 1,
                                          .site_ids = &site_id, .nsites = 1, .active = true};
    check(mg_booking_teleconsultant_add(app->db, 0, &ti, &tc_id, &errs, &d) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setup();
    return 0;
}

/* Dispatches an anonymous request; checks the answer is JSON without a
 * server error or a phone number; returns its status and document. */
static int request(const char *method, const char *target, const char *body, json_t **doc)
{
    mg_http_response res;
    mg_http_response_init(&res);
    int rc = mg_http_dispatch(app->router, method, target, body ? "application/json" : NULL, body,
                              body ? strlen(body) : 0, &res);
    check(rc == 0);
    int status = res.status;
    check(status < 500 || status == 503);
    if (status == 400 && !res.body.data) {
        mg_http_response_free(&res);
        *doc = json_object();
        return status; /* a request the HTTP layer refused before any route */
    }
    json_error_t err;
    *doc = json_loadb(res.body.data ? res.body.data : "", res.body.len, 0, &err);
    check(*doc != NULL);
    check(json_object_get(*doc, "phone") == NULL &&
          json_object_get(json_object_get(*doc, "booking"), "phone") == NULL);
    mg_http_response_free(&res);
    return status;
}

static bool names_field(const json_t *doc)
{
    const json_t *e = json_object_get(doc, "error");
    return json_is_string(json_object_get(e, "field")) ||
           json_is_string(json_object_get(e, "message"));
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
    json_t *doc = NULL;
    int st = request("POST", "/api/v1/bookings", f[0], &doc);
    check(st == 201 || st == 400 || st == 404 || st == 409 || st == 429 || st == 503);
    if (st == 400)
        check(names_field(doc));
    if (st == 201) {
        char canon[MG_BOOKING_CODE_CHARS + 1];
        const char *code = json_string_value(json_object_get(doc, "code"));
        check(code && mg_booking_code_normalise(code, canon) == MG_OK);
    }
    json_decref(doc);
    static const char *const code_paths[2] = {"/api/v1/bookings/lookup",
                                              "/api/v1/bookings/cancel"};
    for (int k = 0; k < 2; k++) {
        st = request("POST", code_paths[k], f[1 + k], &doc);
        check(st == 200 || st == 400 || st == 404 || st == 409 || st == 429 || st == 503);
        if (st == 400)
            check(names_field(doc));
        json_decref(doc);
    }
    char target[17 * 1024];
    snprintf(target, sizeof target, "/api/v1/slots?%s", f[3]);
    st = request("GET", target, NULL, &doc);
    check(st == 200 || (st >= 400 && st < 500) || st == 503);
    json_decref(doc);
    free(copy);
    return 0;
}
