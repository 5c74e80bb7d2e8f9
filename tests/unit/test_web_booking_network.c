/*
 * An owner's equipment network (web/booking_network.c) through the
 * application's router, on the demo Aude: a Département's manager
 * registers a site, a device and a teleconsultant and changes them;
 * refused inputs (an opening_hours that does not parse, a structure that
 * does not exist) come back, 400, with what was typed and the refused
 * field named, and change nothing (the module's tables and the audit trail
 * compared before and after); the usage page's figures for bookings
 * inserted here match counts made by plain loops; the workbook is an XLSX;
 * the map lists the under-served communes far from every site, one checked
 * by a great-circle computation of its own; a reader sees but cannot post
 * (403), another organisation's manager gets 404, and so does a host of a
 * site for the network's usage. On SQLite, then on PostgreSQL when
 * MG_TEST_PG_URI is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "db/db.h"
#include "directory/directory.h"
#include "parse/parse.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web/web.h"
#include "web_fixture.h"

#define FORM "application/x-www-form-urlencoded"
#define PASSWORD "un mot de passe de test assez long"
/* Far: beyond 20 minutes with a margin for rounding. */
#define FAR_CHECK_MIN 21.0

typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
    int64_t account;
} who;

static who manager, reader, stranger, host, anonymous;
static int64_t org_a, org_b, tc_org;

enum { S_TOWN_HALL, S_PHARMACY, S_CENTRE, NS };
static const char *const names[NS] = {"Mairie des Essais (exemple)",
                                      "Pharmacie du Canal (exemple)",
                                      "Centre de santé des Quatre Vents (exemple)"};
static const mg_dir_category categories[NS] = {MG_DIR_TOWN_HALL, MG_DIR_PHARMACY,
                                               MG_DIR_HEALTH_CENTRE};
static int64_t sid[NS];
static long commune_idx[NS];

/* --- Requests ------------------------------------------------------------------------------ */

static mg_http_response as(const who *w, const char *method, const char *target,
                           const char *body)
{
    mg_http_response res;
    const char *headers[] = {"Cookie", w->cookie, "X-CSRF-Token", w->csrf, NULL};
    const char *none[] = {NULL};
    int rc = mg_http_dispatch_with(app->router, method, target, w->cookie[0] ? headers : none,
                                   body ? FORM : NULL, body, body ? strlen(body) : 0, &res);
    assert_int_equal(rc, 0);
    return res;
}

static const char *text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

static void expect(const who *w, const char *method, const char *target, const char *body,
                   int status)
{
    mg_http_response r = as(w, method, target, body);
    if (r.status != status)
        fail_msg("%s %s: %d, expected %d: %.300s", method, target, r.status, status, text(&r));
    mg_http_response_free(&r);
}

static void expect_has(const mg_http_response *r, const char *needle)
{
    if (!strstr(text(r), needle))
        fail_msg("\"%s\" not in the page (status %d)", needle, r->status);
}

/* Appends key=value percent-encoded to a form body. */
static void form_add(char *body, size_t cap, const char *key, const char *value)
{
    size_t n = strlen(body);
    n += (size_t)snprintf(body + n, cap - n, "%s%s=", n ? "&" : "", key);
    for (const unsigned char *p = (const unsigned char *)(value ? value : ""); *p && n + 4 < cap;
         p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_')
            body[n++] = (char)*p;
        else
            n += (size_t)snprintf(body + n, cap - n, "%%%02X", *p);
    }
    body[n] = '\0';
}

static void form_id(char *body, size_t cap, const char *key, int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%lld", (long long)v);
    form_add(body, cap, key, s);
}

static void log_in(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    static int serial;
    snprintf(email, sizeof email, "%s.%d.%ld@reseau.invalid", tag, ++serial, (long)time(NULL));
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    int64_t now = (int64_t)time(NULL);
    char secret[MG_AUTH_TOTP_SECRET_CHARS + 1], uri[512], code[7];
    if (mg_auth_account_add(app->db, 0, email, "Personne (exemple)", PASSWORD, org, role,
                            &w->account, NULL, &d))
        fail_msg("account %s: %s", tag, d.msg);
    if (mg_auth_role_needs_totp(role) &&
        (mg_auth_totp_begin(app->db, w->account, secret, uri, sizeof uri, &d) ||
         mg_auth_totp_code(secret, now, code, &d) ||
         mg_auth_totp_confirm(app->db, w->account, code, now, &d)))
        fail_msg("second factor %s: %s", tag, d.msg);
    if (mg_auth_login(app->db, email, PASSWORD, "127.0.0.1", now, &lr, &retry, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    if (lr.totp_required &&
        (mg_auth_totp_code(secret, now + MG_AUTH_TOTP_STEP_S, code, &d) ||
         mg_auth_session_totp(app->db, lr.session, code, "127.0.0.1", now + MG_AUTH_TOTP_STEP_S,
                              &retry, &d)))
        fail_msg("code %s: %s", tag, d.msg);
    if (mg_auth_session_load(app->db, lr.session, now, &s, &d))
        fail_msg("session %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

/* --- What the database holds ------------------------------------------------------------------ */

struct dump_tx {
    mg_buf *b;
};

static int dump_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct dump_tx *t = ctx;
    mg_buf_reset(t->b);
    static const char *const queries[] = {
        "SELECT * FROM booking_sites ORDER BY 1",
        "SELECT * FROM booking_devices ORDER BY 1",
        "SELECT * FROM booking_teleconsultants ORDER BY 1",
        "SELECT * FROM booking_teleconsultant_kinds ORDER BY 1, 2",
        "SELECT * FROM booking_teleconsultant_sites ORDER BY 1, 2",
        "SELECT * FROM audit_entries ORDER BY 1",
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        mg_db_stmt *q = NULL;
        int rc = mg_db_prepare(c, queries[i], &q, d);
        mg_buf_printf(t->b, "== %s\n", queries[i]);
        while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
            for (int k = 0; k < mg_db_column_count(q); k++) {
                const char *v = mg_db_column_text(q, k);
                mg_buf_printf(t->b, "%s|", v ? v : "NULL");
            }
            mg_buf_puts(t->b, "\n");
            rc = 0;
        }
        mg_db_finalize(q);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static char *dump(void)
{
    mg_buf b;
    mg_buf_init(&b, (size_t)64 << 20);
    struct dump_tx t = {&b};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(app->db, MG_DB_TX_READ, dump_body, &t, &d);
    if (rc != 0)
        fail_msg("dump: %s (%s)", mg_strerror(rc), d.msg);
    char *s = mg_buf_take(&b, NULL);
    mg_buf_free(&b);
    assert_non_null(s);
    return s;
}

struct exec_tx {
    const char *sql;
    const mg_db_param *p;
    size_t n;
};

static int exec_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct exec_tx *t = ctx;
    return mg_db_run(c, t->sql, t->p, t->n, NULL, d);
}

static void sql_exec(const char *sql, const mg_db_param *p, size_t n)
{
    struct exec_tx t = {sql, p, n};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(app->db, MG_DB_TX_WRITE, exec_body, &t, &d);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
}

/* --- Fixture ------------------------------------------------------------------------------- */

static int64_t find_structure(const char *name)
{
    mg_dir_query q = {.text = name, .category = -1};
    mg_dir_set set;
    mg_dir_set_init(&set);
    size_t total = 0;
    mg_diag d = {{0}};
    if (mg_dir_search(app->db, &q, &set, &total, &d))
        fail_msg("search: %s", d.msg);
    int64_t id = 0;
    for (size_t k = 0; k < set.nstructures; k++)
        if (strcmp(set.structures[k].name, name) == 0)
            id = set.structures[k].id;
    mg_dir_set_free(&set);
    return id;
}

static int setup(void **state)
{
    if (web_setup(state))
        return -1;
    org_a = web_org_id;
    snprintf(manager.cookie, sizeof manager.cookie, "%s", web_cookie);
    memcpy(manager.csrf, web_csrf_token, sizeof manager.csrf);
    mg_diag d = {{0}};
    char name[96];
    snprintf(name, sizeof name, "Département voisin %ld (exemple)", (long)time(NULL));
    mg_auth_org_input in = {.name = name, .kind = "departement"};
    if (mg_auth_org_add(app->db, 0, &in, true, false, &org_b, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    snprintf(name, sizeof name, "Téléconsultants associés %ld (exemple)", (long)time(NULL));
    mg_auth_org_input tin = {.name = name, .kind = "association"};
    if (mg_auth_org_add(app->db, 0, &tin, true, false, &tc_org, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    /* Three structures: two in the first study commune far from the
     * third's, chosen so that communes lie both near and far. */
    const mg_diagnosis *g = mg_app_profession_get(app, "mg")->g;
    const mg_territory *t = g->t;
    long first = -1, far = -1;
    double best = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        if (!isfinite(t->lat[i]))
            continue;
        if (first < 0) {
            first = (long)i;
            continue;
        }
        double dl = t->lat[i] - t->lat[first], dn = t->lon[i] - t->lon[first];
        if (dl * dl + dn * dn > best) {
            best = dl * dl + dn * dn;
            far = (long)i;
        }
    }
    if (first < 0 || far < 0) {
        fprintf(stderr, "setup: no study communes with points\n");
        return -1;
    }
    commune_idx[S_TOWN_HALL] = first;
    commune_idx[S_PHARMACY] = far;
    commune_idx[S_CENTRE] = first;
    mg_dir_set set;
    mg_dir_set_init(&set);
    char stamp[32];
    snprintf(stamp, sizeof stamp, "%ld", (long)time(NULL));
    for (int k = 0; k < NS; k++) {
        mg_dir_structure *s = mg_dir_add_structure(&set);
        char id[48];
        snprintf(id, sizeof id, "reseau-%s-%d", stamp, k + 1);
        s->source = "test";
        s->source_id = mg_dir_strdup(&set, id, SIZE_MAX);
        s->name = names[k];
        s->category = categories[k];
        s->address = "1 rue des Essais";
        s->postcode = "11000";
        s->commune_code = mg_dir_strdup(&set, t->code[commune_idx[k]], SIZE_MAX);
        s->commune_name = mg_dir_strdup(&set, t->name[commune_idx[k]], SIZE_MAX);
        s->lat = NAN;
        s->lon = NAN;
        s->opening_hours = "Mo-Fr 09:00-12:00,14:00-17:00";
        s->updated_on = "2026-11-30";
    }
    mg_dir_report rep;
    mg_dir_report_init(&rep);
    mg_dir_import_opts o = {0};
    int rc = mg_dir_import(app->db, &set, &o, &rep, &d);
    for (size_t k = 0; rc && k < rep.n; k++)
        fprintf(stderr, "import row %zu: %s %s\n", k, rep.rows[k].field, rep.rows[k].message);
    mg_dir_report_free(&rep);
    mg_dir_set_free(&set);
    if (rc) {
        fprintf(stderr, "setup: import: %s\n", d.msg);
        return -1;
    }
    for (int k = 0; k < NS; k++)
        if (!(sid[k] = find_structure(names[k]))) {
            fprintf(stderr, "setup: %s not found\n", names[k]);
            return -1;
        }
    log_in(&reader, org_a, MG_ROLE_READER, "lecteur");
    log_in(&stranger, org_b, MG_ROLE_MANAGER, "voisin");
    log_in(&host, sid[S_PHARMACY], MG_ROLE_HOST, "hote");
    return 0;
}

static void path_of(char *out, size_t cap, int64_t org, const char *suffix)
{
    snprintf(out, cap, "/equipements/reseau/%lld%s", (long long)org, suffix);
}

/* The device of the network named `name`, 0 when none. */
static int64_t device_named(const char *name, mg_booking_device *out)
{
    mg_booking_device *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    if (mg_booking_device_list(app->db, 0, &v, &n, &d))
        fail_msg("devices: %s", d.msg);
    int64_t id = 0;
    for (size_t k = 0; k < n; k++)
        if (strcmp(v[k].name, name) == 0) {
            id = v[k].id;
            if (out) {
                *out = v[k];
                v[k].opening_hours = NULL; /* moved */
            }
        }
    mg_booking_devices_free(v, n);
    return id;
}

/* --- A manager sets the network up ----------------------------------------------------------- */

/* The attributes of the <input>/<select> whose id is `id` (up to its '>'),
 * and the <option> of a select that is selected; in static storage. */
static const char *tag_of(const char *page, const char *id)
{
    static char out[512];
    char needle[96];
    snprintf(needle, sizeof needle, "id=\"%s\"", id);
    const char *p = strstr(page, needle);
    if (!p)
        fail_msg("no element %s", id);
    const char *e = strchr(p, '>');
    assert_non_null(e);
    size_t n = (size_t)(e - p) < sizeof out - 1 ? (size_t)(e - p) : sizeof out - 1;
    memcpy(out, p, n);
    out[n] = 0;
    return out;
}

/* The owner's settings form of a registered site shows what is stored and
 * a save keeps what it does not change; the registration form, which
 * shows no site's settings, refuses a registered site (nothing changed). */
static void site_settings_kept(const char *post, const char *page)
{
    int64_t site = sid[S_TOWN_HALL];
    char id[64], body[512];
    mg_http_response r = as(&manager, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Modifier un site");
    snprintf(id, sizeof id, "site-%lld-share_phone", (long long)site);
    assert_non_null(strstr(tag_of(text(&r), id), " checked"));
    snprintf(id, sizeof id, "site-%lld-active", (long long)site);
    assert_non_null(strstr(tag_of(text(&r), id), " checked"));
    snprintf(id, sizeof id, "site-%lld-ask", (long long)site);
    const char *sel = strstr(text(&r), tag_of(text(&r), id));
    assert_non_null(sel);
    const char *close = strstr(sel, "</select>");
    const char *name_opt = strstr(sel, "value=\"name\" selected");
    assert_true(name_opt && name_opt < close);
    mg_http_response_free(&r);

    /* The registration form again for the same structure, its box
     * unticked: nothing changed (share_phone still on), sent to the site's
     * settings, which say so; an "ask" no form offers: refused. */
    char *before = dump();
    body[0] = '\0';
    form_id(body, sizeof body, "site_id", site);
    form_add(body, sizeof body, "ask", "initials");
    r = as(&manager, "POST", post, body);
    assert_int_equal(r.status, 303);
    char frag[64];
    snprintf(frag, sizeof frag, "#reglages-%lld", (long long)site);
    assert_non_null(strstr(r.location, frag));
    char told[sizeof r.location];
    snprintf(told, sizeof told, "%s", r.location);
    *strchr(told, '#') = '\0';
    mg_http_response_free(&r);
    r = as(&manager, "GET", told, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "déjà un site du réseau : ses réglages n'ont pas changé");
    snprintf(frag, sizeof frag, "<details id=\"reglages-%lld\" open>", (long long)site);
    expect_has(&r, frag);
    mg_http_response_free(&r);
    body[0] = '\0';
    form_id(body, sizeof body, "site_id", site);
    form_add(body, sizeof body, "ask", "surnom");
    expect(&manager, "POST", post, body, 400);
    /* A settings marker no form sends: refused. */
    body[0] = '\0';
    form_id(body, sizeof body, "site_id", site);
    form_add(body, sizeof body, "reglages", "oui");
    form_add(body, sizeof body, "ask", "initials");
    expect(&manager, "POST", post, body, 400);
    char *after = dump();
    assert_string_equal(before, after);
    free(before);
    free(after);

    /* The settings form as a browser sends it, ask changed only: the
     * phone stays shared, the site in service. */
    body[0] = '\0';
    form_id(body, sizeof body, "site_id", site);
    form_add(body, sizeof body, "reglages", "1");
    form_add(body, sizeof body, "ask", "initials");
    form_add(body, sizeof body, "share_phone", "1");
    form_add(body, sizeof body, "active", "1");
    expect(&manager, "POST", post, body, 303);
    mg_booking_site s;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_site_get(app->db, site, &s, &d), 0);
    assert_int_equal(s.ask, MG_BOOKING_ASK_INITIALS);
    assert_true(s.share_phone);
    assert_true(s.active);
    mg_booking_site_clear(&s);
    /* Unticking is heard: the phone no longer shared, out of service; then
     * back, with ask "name" as it was. */
    body[0] = '\0';
    form_id(body, sizeof body, "site_id", site);
    form_add(body, sizeof body, "reglages", "1");
    form_add(body, sizeof body, "ask", "initials");
    expect(&manager, "POST", post, body, 303);
    assert_int_equal(mg_booking_site_get(app->db, site, &s, &d), 0);
    assert_false(s.share_phone);
    assert_false(s.active);
    mg_booking_site_clear(&s);
    r = as(&manager, "GET", page, NULL);
    snprintf(id, sizeof id, "site-%lld-share_phone", (long long)site);
    assert_null(strstr(tag_of(text(&r), id), " checked"));
    mg_http_response_free(&r);
    body[0] = '\0';
    form_id(body, sizeof body, "site_id", site);
    form_add(body, sizeof body, "reglages", "1");
    form_add(body, sizeof body, "ask", "name");
    form_add(body, sizeof body, "share_phone", "1");
    form_add(body, sizeof body, "active", "1");
    expect(&manager, "POST", post, body, 303);
    assert_int_equal(mg_booking_site_get(app->db, site, &s, &d), 0);
    assert_int_equal(s.ask, MG_BOOKING_ASK_NAME);
    assert_true(s.share_phone && s.active);
    mg_booking_site_clear(&s);
}

static void test_manager_registers(void **state)
{
    (void)state;
    char path[128], post[160], body[2048];
    path_of(path, sizeof path, org_a, "");
    mg_http_response r = as(&manager, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Inscrire une structure comme site");
    expect_has(&r, "Mairie des Essais (exemple)"); /* offered in the structure's choice */
    mg_http_response_free(&r);

    /* The site. */
    path_of(post, sizeof post, org_a, "/sites");
    body[0] = '\0';
    form_id(body, sizeof body, "site_id", sid[S_TOWN_HALL]);
    form_add(body, sizeof body, "ask", "name");
    form_add(body, sizeof body, "share_phone", "1");
    r = as(&manager, "POST", post, body);
    if (r.status != 303)
        fail_msg("site: %d %.400s", r.status, text(&r));
    mg_http_response_free(&r);
    mg_booking_site s;
    memset(&s, 0, sizeof s);
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_site_get(app->db, sid[S_TOWN_HALL], &s, &d), 0);
    assert_int_equal(s.owner_id, org_a);
    assert_int_equal(s.ask, MG_BOOKING_ASK_NAME);
    assert_true(s.share_phone);
    mg_booking_site_clear(&s);
    site_settings_kept(post, path);

    /* A device with two instruments, assisted, its own hours. */
    size_t ni = 0;
    const char *const *codes = mg_booking_instruments(&ni);
    assert_true(ni >= 2);
    path_of(post, sizeof post, org_a, "/appareils");
    body[0] = '\0';
    form_id(body, sizeof body, "site_id", sid[S_TOWN_HALL]);
    form_add(body, sizeof body, "kind", "cabin");
    form_add(body, sizeof body, "name", "Cabine de la mairie (exemple)");
    char key[96];
    snprintf(key, sizeof key, "instrument_%s", codes[0]);
    form_add(body, sizeof body, key, "1");
    snprintf(key, sizeof key, "instrument_%s", codes[1]);
    form_add(body, sizeof body, key, "1");
    form_add(body, sizeof body, "opening_hours", "Mo-Fr 09:00-12:00");
    form_add(body, sizeof body, "assisted", "1");
    form_add(body, sizeof body, "step_min", "15");
    r = as(&manager, "POST", post, body);
    if (r.status != 303)
        fail_msg("device: %d %.400s", r.status, text(&r));
    mg_http_response_free(&r);
    mg_booking_device dv;
    memset(&dv, 0, sizeof dv);
    int64_t dev = device_named("Cabine de la mairie (exemple)", &dv);
    assert_true(dev > 0);
    assert_int_equal(dv.site_id, sid[S_TOWN_HALL]);
    assert_int_equal(dv.kind, MG_BOOKING_CABIN);
    assert_true(dv.assisted);
    assert_int_equal(dv.step_min, 15);
    char expected[256];
    snprintf(expected, sizeof expected, "%s,%s", codes[0], codes[1]);
    assert_string_equal(dv.instruments, expected);
    assert_non_null(dv.opening_hours);
    assert_string_equal(dv.opening_hours, "Mo-Fr 09:00-12:00");
    mg_booking_device_clear(&dv);

    /* Changed: another name, hours back to the site's, out of service. */
    char upd[192];
    snprintf(upd, sizeof upd, "/equipements/reseau/%lld/appareils/%lld", (long long)org_a,
             (long long)dev);
    body[0] = '\0';
    form_add(body, sizeof body, "kind", "cart");
    form_add(body, sizeof body, "name", "Chariot de la mairie (exemple)");
    form_add(body, sizeof body, "opening_hours", "");
    r = as(&manager, "POST", upd, body);
    if (r.status != 303)
        fail_msg("device update: %d %.400s", r.status, text(&r));
    mg_http_response_free(&r);
    assert_int_equal(device_named("Chariot de la mairie (exemple)", &dv), dev);
    assert_int_equal(dv.kind, MG_BOOKING_CART);
    assert_false(dv.active);
    assert_false(dv.assisted);
    assert_null(dv.opening_hours);
    assert_string_equal(dv.instruments, "");
    mg_booking_device_clear(&dv);

    /* A teleconsultant serving the site. */
    path_of(post, sizeof post, org_a, "/teleconsultants");
    body[0] = '\0';
    form_id(body, sizeof body, "organisation_id", tc_org);
    form_add(body, sizeof body, "label", "Médecin généraliste à distance (exemple)");
    form_add(body, sizeof body, "availability", "Mo-Fr 09:00-12:00");
    form_add(body, sizeof body, "kind_gp", "1");
    form_add(body, sizeof body, "duration_gp", "20");
    form_add(body, sizeof body, "kind_followup", "1");
    form_add(body, sizeof body, "duration_followup", "15");
    snprintf(key, sizeof key, "site_%lld", (long long)sid[S_TOWN_HALL]);
    form_add(body, sizeof body, key, "1");
    r = as(&manager, "POST", post, body);
    if (r.status != 303)
        fail_msg("teleconsultant: %d %.400s", r.status, text(&r));
    mg_http_response_free(&r);
    mg_booking_teleconsultant *tv = NULL;
    size_t nt = 0;
    assert_int_equal(mg_booking_teleconsultant_list(app->db, 0, org_a, 0, &tv, &nt, &d), 0);
    assert_int_equal(nt, 1);
    assert_int_equal(tv[0].organisation_id, tc_org);
    assert_int_equal(tv[0].nkinds, 2);
    assert_int_equal(tv[0].nsites, 1);
    assert_int_equal(tv[0].site_ids[0], sid[S_TOWN_HALL]);
    int64_t tc = tv[0].id;
    mg_booking_teleconsultants_free(tv, nt);

    /* Changed: the follow-up dropped. */
    snprintf(upd, sizeof upd, "/equipements/reseau/%lld/teleconsultants/%lld",
             (long long)org_a, (long long)tc);
    body[0] = '\0';
    form_add(body, sizeof body, "label", "Médecin généraliste à distance (exemple)");
    form_add(body, sizeof body, "availability", "Mo-Th 09:00-12:00");
    form_add(body, sizeof body, "kind_gp", "1");
    form_add(body, sizeof body, "duration_gp", "25");
    snprintf(key, sizeof key, "site_%lld", (long long)sid[S_TOWN_HALL]);
    form_add(body, sizeof body, key, "1");
    form_add(body, sizeof body, "active", "1");
    r = as(&manager, "POST", upd, body);
    if (r.status != 303)
        fail_msg("teleconsultant update: %d %.400s", r.status, text(&r));
    mg_http_response_free(&r);
    mg_booking_teleconsultant t1;
    memset(&t1, 0, sizeof t1);
    assert_int_equal(mg_booking_teleconsultant_get(app->db, tc, &t1, &d), 0);
    assert_int_equal(t1.nkinds, 1);
    assert_int_equal(t1.kinds[0].kind, MG_BOOKING_GP);
    assert_int_equal(t1.kinds[0].duration_min, 25);
    assert_string_equal(t1.availability, "Mo-Th 09:00-12:00");
    mg_booking_teleconsultant_clear(&t1);

    /* The page shows them. */
    r = as(&manager, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "Chariot de la mairie (exemple)");
    expect_has(&r, "Médecin généraliste à distance (exemple)");
    expect_has(&r, "25 min");
    mg_http_response_free(&r);
}

/* --- Refused inputs change nothing ----------------------------------------------------------- */

static void test_refusals_keep_input(void **state)
{
    (void)state;
    char post[160], body[2048];
    char *before = dump();

    /* An opening_hours that does not parse: the field named, what was typed kept. */
    path_of(post, sizeof post, org_a, "/appareils");
    body[0] = '\0';
    form_id(body, sizeof body, "site_id", sid[S_TOWN_HALL]);
    form_add(body, sizeof body, "kind", "cabin");
    form_add(body, sizeof body, "name", "Cabine refusée (exemple)");
    form_add(body, sizeof body, "opening_hours", "Mo-Fr 09:00-12:00; Xy 25:00");
    mg_http_response r = as(&manager, "POST", post, body);
    assert_int_equal(r.status, 400);
    expect_has(&r, "Cabine refusée (exemple)");
    expect_has(&r, "Mo-Fr 09:00-12:00; Xy 25:00");
    expect_has(&r, "id=\"appareil-opening_hours-erreur\"");
    expect_has(&r, "href=\"#appareil-opening_hours\"");
    /* The sentence says where: a position (a number) in it. */
    const char *e = strstr(text(&r), "id=\"appareil-opening_hours-erreur\">");
    assert_non_null(e);
    const char *end = strstr(e, "</p>");
    assert_non_null(end);
    bool digit = false;
    for (const char *p = e + 36; p < end; p++)
        digit = digit || (*p >= '0' && *p <= '9');
    if (!digit)
        fail_msg("no position in: %.*s", (int)(end - e), e);
    mg_http_response_free(&r);

    /* A structure that does not exist. */
    path_of(post, sizeof post, org_a, "/sites");
    r = as(&manager, "POST", post, "site_id=987654321&ask=name&share_phone=1");
    assert_int_equal(r.status, 400);
    expect_has(&r, "id=\"site-site_id-erreur\"");
    expect_has(&r, "value=\"987654321\" selected");
    expect_has(&r, "value=\"name\" selected");
    mg_http_response_free(&r);

    /* A site of another network for a device; a teleconsultant without kinds. */
    path_of(post, sizeof post, org_a, "/appareils");
    body[0] = '\0';
    form_id(body, sizeof body, "site_id", sid[S_CENTRE]);
    form_add(body, sizeof body, "kind", "cabin");
    form_add(body, sizeof body, "name", "Cabine ailleurs (exemple)");
    r = as(&manager, "POST", post, body);
    assert_int_equal(r.status, 400);
    expect_has(&r, "id=\"appareil-site_id-erreur\"");
    mg_http_response_free(&r);
    path_of(post, sizeof post, org_a, "/teleconsultants");
    body[0] = '\0';
    form_id(body, sizeof body, "organisation_id", tc_org);
    form_add(body, sizeof body, "label", "Sans consultation (exemple)");
    form_add(body, sizeof body, "availability", "Mo 09:00-10:00");
    r = as(&manager, "POST", post, body);
    assert_int_equal(r.status, 400);
    expect_has(&r, "Sans consultation (exemple)");
    expect_has(&r, "id=\"tc-kinds-erreur\"");
    mg_http_response_free(&r);

    char *after = dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* --- Usage ---------------------------------------------------------------------------------------- */

typedef struct booking_spec {
    int month, day, hour, minutes; /* Paris civil time in 2026; length in minutes */
    const char *state;
    int walk_in;
} booking_spec;

static const booking_spec bookings[] = {
    {3, 2, 9, 20, "done", 0},      {3, 2, 10, 30, "done", 1},
    {3, 3, 9, 20, "no_show", 0},   {3, 4, 11, 15, "cancelled", 0},
    {3, 16, 9, 20, "booked", 0},   {3, 30, 10, 20, "done", 0},
    {4, 1, 9, 20, "done", 0},      {4, 2, 9, 25, "cancelled", 0},
    {4, 8, 14, 20, "no_show", 1},
};
#define NBOOKINGS (sizeof bookings / sizeof *bookings)

/* The numeric cells of the usage table's row of device `device` and
 * period `period`, as written. */
static size_t row_cells(const mg_http_response *r, const char *device, const char *period,
                        char cells[][32], size_t max)
{
    char head[256];
    snprintf(head, sizeof head, "<th scope=\"row\">%s</th><td>%s</td>", device, period);
    const char *p = strstr(text(r), head);
    if (!p)
        fail_msg("no row %s", head);
    const char *end = strstr(p, "</tr>");
    size_t n = 0;
    while (n < max) {
        const char *c = strstr(p, "<td class=\"num\">");
        if (!c || c > end)
            break;
        c += strlen("<td class=\"num\">");
        size_t len = strcspn(c, "<");
        snprintf(cells[n++], 32, "%.*s", (int)(len < 31 ? len : 31), c);
        p = c;
    }
    return n;
}

static void test_usage_figures(void **state)
{
    (void)state;
    mg_diag d = {{0}};
    /* The pharmacy as a second site with an assisted cart, and a teleconsultant. */
    mg_booking_errors errs = {0};
    mg_booking_site_input si = {.site_id = sid[S_PHARMACY], .owner_id = org_a, .ask = "initials",
                                .active = true};
    if (mg_booking_site_put(app->db, 0, &si, &errs, &d))
        fail_msg("site: %s", d.msg);
    mg_booking_device_input di = {.site_id = sid[S_PHARMACY], .kind = "cart",
                                  .name = "Chariot de l'officine (exemple)", .assisted = true,
                                  .active = true};
    int64_t dev = 0;
    if (mg_booking_device_add(app->db, 0, &di, &dev, &errs, &d))
        fail_msg("device: %s", d.msg);
    int64_t site_ids[1] = {sid[S_PHARMACY]};
    mg_booking_teleconsultant_input ti = {.organisation_id = tc_org, .owner_id = org_a,
                                          .label = "Téléconsultant de l'officine (exemple)",
                                          .availability = "Mo-Fr 08:00-18:00",
                                          .kinds = {{MG_BOOKING_GP, 20}}, .nkinds = 1,
                                          .site_ids = site_ids, .nsites = 1, .active = true};
    int64_t tc = 0;
    if (mg_booking_teleconsultant_add(app->db, 0, &ti, &tc, &errs, &d))
        fail_msg("teleconsultant: %s", d.msg);
    /* Bookings inserted as they are, each in its state. */
    for (size_t k = 0; k < NBOOKINGS; k++) {
        const booking_spec *b = &bookings[k];
        int64_t start = mg_booking_day_start(2026, b->month, b->day) + b->hour * 60;
        char hash[65];
        snprintf(hash, sizeof hash, "%064zu", k + 1 + (size_t)(dev * 1000));
        sql_exec("INSERT INTO bookings (code_hash, site_id, device_id, teleconsultant_id, kind, "
                 "starts_at, ends_at, state, person, phone, walk_in, created_at, updated_at) "
                 "VALUES (?1, ?2, ?3, ?4, 'gp', ?5, ?6, ?7, 'A. B.', '+33600000000', ?8, "
                 "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                 MG_DB_PARAMS(MG_DB_TEXT(hash), MG_DB_INT(sid[S_PHARMACY]), MG_DB_INT(dev),
                              MG_DB_INT(tc), MG_DB_INT(start), MG_DB_INT(start + b->minutes),
                              MG_DB_TEXT(b->state), MG_DB_INT(b->walk_in)));
    }
    char path[192];
    snprintf(path, sizeof path, "/equipements/reseau/%lld/usage?de=2026-03-01&a=2026-04-30&par=mois",
             (long long)org_a);
    mg_http_response r = as(&manager, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "<svg"); /* the charts */
    expect_has(&r, "role=\"img\"");
    for (int month = 3; month <= 4; month++) {
        double booked_min = 0;
        long long done = 0, no_shows = 0, cancelled = 0, walk_ins = 0;
        for (size_t k = 0; k < NBOOKINGS; k++) {
            const booking_spec *b = &bookings[k];
            if (b->month != month)
                continue;
            bool is_cancelled = strcmp(b->state, "cancelled") == 0;
            if (!is_cancelled)
                booked_min += b->minutes;
            done += strcmp(b->state, "done") == 0;
            no_shows += strcmp(b->state, "no_show") == 0;
            cancelled += is_cancelled;
            walk_ins += b->walk_in;
        }
        char period[8], cells[8][32], want[32];
        snprintf(period, sizeof period, "2026-%02d", month);
        size_t n = row_cells(&r, "Chariot de l&#39;officine (exemple)", period, cells, 8);
        if (n != 8) /* the page may escape the apostrophe otherwise */
            fail_msg("%zu cells in the row of %s", n, period);
        web_num(want, sizeof want, booked_min / 60, 1);
        assert_string_equal(cells[1], want);
        snprintf(want, sizeof want, "%lld", done);
        assert_string_equal(cells[4], want);
        snprintf(want, sizeof want, "%lld", no_shows);
        assert_string_equal(cells[5], want);
        snprintf(want, sizeof want, "%lld", cancelled);
        assert_string_equal(cells[6], want);
        snprintf(want, sizeof want, "%lld", walk_ins);
        assert_string_equal(cells[7], want);
        /* The assisted teleconsultations of the month: done on the assisted cart. */
        char row[256];
        snprintf(row, sizeof row, "Pharmacie du Canal (exemple)</th><td>%s</td><td "
                                  "class=\"num\">%lld</td>",
                 period, done);
        expect_has(&r, row);
    }
    mg_http_response_free(&r);

    /* Per week: the ISO week 2026-W10 (2-8 March) holds the first four. */
    snprintf(path, sizeof path,
             "/equipements/reseau/%lld/usage?de=2026-03-02&a=2026-03-08&par=semaine",
             (long long)org_a);
    r = as(&manager, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    char cells[8][32];
    assert_int_equal(row_cells(&r, "Chariot de l&#39;officine (exemple)", "2026-W10", cells, 8),
                     8);
    assert_string_equal(cells[6], "1"); /* the cancellation of 4 March */
    mg_http_response_free(&r);

    /* Refused parameters: 400 naming them. */
    snprintf(path, sizeof path, "/equipements/reseau/%lld/usage?par=jour", (long long)org_a);
    r = as(&manager, "GET", path, NULL);
    assert_int_equal(r.status, 400);
    expect_has(&r, "Par");
    mg_http_response_free(&r);
    snprintf(path, sizeof path, "/equipements/reseau/%lld/usage?de=2026-02-30", (long long)org_a);
    expect(&manager, "GET", path, NULL, 400);

    /* The workbook. */
    snprintf(path, sizeof path,
             "/equipements/reseau/%lld/usage.xlsx?de=2026-03-01&a=2026-04-30&par=mois",
             (long long)org_a);
    r = as(&reader, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_true(r.body.len > 100);
    assert_memory_equal(r.body.data, "PK", 2);
    assert_non_null(strstr(r.disposition, "attachment; filename=\""));
    assert_non_null(strstr(r.disposition, ".xlsx\""));
    mg_http_response_free(&r);
}

/* --- The map ------------------------------------------------------------------------------------ */

/* Minutes between two points by the crow-fly model, computed here. */
static double crowfly_minutes(const mg_crowfly *m, double lat1, double lon1, double lat2,
                              double lon2)
{
    const double rad = 3.14159265358979323846 / 180;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    double km = 2 * 6371.0 * atan2(sqrt(a), sqrt(1 - a));
    return m->access_min + km * m->detour / m->speed_kmh * 60;
}

static void test_map_far_communes(void **state)
{
    (void)state;
    const mg_app_profession *p = mg_app_profession_get(app, "mg");
    const mg_diagnosis *g = p->g;
    const mg_territory *t = g->t;
    if (g->opts.graph || g->opts.osm || g->opts.matrix)
        skip(); /* the check below is of the crow-fly model */
    const double *values = mg_app_baseline_values(p, app->baseline);
    double thr = g->prof->threshold;
    assert_true(isfinite(thr));
    /* The network's active sites' communes, from the store. */
    mg_booking_site *sites = NULL;
    size_t ns = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_site_list(app->db, org_a, true, &sites, &ns, &d), 0);
    assert_true(ns >= 1);
    long far = -1, near = -1;
    double far_min = 0, near_min = 0;
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        if (!(isfinite(values[i]) && values[i] < thr) || !isfinite(t->lat[i]))
            continue;
        double best = INFINITY;
        for (size_t s = 0; s < ns; s++) {
            long c = mg_territory_find_current(t, sites[s].commune_code);
            assert_true(c >= 0);
            double m = c == (long)i ? 0
                                    : crowfly_minutes(&g->opts.crowfly, t->lat[i], t->lon[i],
                                                      t->lat[c], t->lon[c]);
            if (m < best)
                best = m;
        }
        /* The cases nearest the 20 minutes on either side. */
        if (best > FAR_CHECK_MIN && (far < 0 || best < far_min)) {
            far = (long)i;
            far_min = best;
        }
        if (best < 20 - 1 && (near < 0 || best > near_min)) {
            near = (long)i;
            near_min = best;
        }
    }
    mg_booking_sites_free(sites, ns);
    assert_true(far >= 0);
    char path[128];
    path_of(path, sizeof path, org_a, "/carte");
    mg_http_response r = as(&reader, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    expect_has(&r, "<svg");
    expect_has(&r, "Mairie des Essais (exemple)"); /* a site on the map */
    expect_has(&r, "vol d'oiseau");
    const char *table = strstr(text(&r), "Communes sous-dotées à plus de 20 minutes d'un site"
                                         "</caption>");
    assert_non_null(table);
    char cell[32];
    snprintf(cell, sizeof cell, "<td>%s</td>", t->code[far]);
    if (!strstr(table, cell))
        fail_msg("%s (%.0f min from any site) not listed", t->code[far], far_min);
    if (near >= 0) {
        snprintf(cell, sizeof cell, "<td>%s</td>", t->code[near]);
        if (strstr(table, cell))
            fail_msg("%s, %.1f minutes from a site, listed", t->code[near], near_min);
    }
    mg_http_response_free(&r);
}

/* --- Who may do what ------------------------------------------------------------------------------ */

static void test_rights(void **state)
{
    (void)state;
    char path[128], post[160];
    path_of(path, sizeof path, org_a, "");
    mg_http_response r = as(&reader, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_null(strstr(text(&r), "Inscrire le site"));
    assert_null(strstr(text(&r), "Ajouter l'appareil"));
    mg_http_response_free(&r);
    char *before = dump();
    path_of(post, sizeof post, org_a, "/sites");
    char body[128];
    snprintf(body, sizeof body, "site_id=%lld&ask=name", (long long)sid[S_CENTRE]);
    expect(&reader, "POST", post, body, 403);
    expect(&stranger, "POST", post, body, 404);
    expect(&anonymous, "POST", post, body, 401);
    path_of(post, sizeof post, org_a, "/teleconsultants");
    expect(&reader, "POST", post, "label=x", 403);
    char *after = dump();
    assert_string_equal(before, after);
    free(before);
    free(after);

    expect(&stranger, "GET", path, NULL, 404);
    expect(&anonymous, "GET", path, NULL, 303);
    path_of(path, sizeof path, org_a, "/usage");
    expect(&host, "GET", path, NULL, 404);
    expect(&stranger, "GET", path, NULL, 404);
    expect(&reader, "GET", path, NULL, 200);
    path_of(path, sizeof path, org_a, "/usage.xlsx");
    expect(&host, "GET", path, NULL, 404);
    path_of(path, sizeof path, org_a, "/carte");
    expect(&stranger, "GET", path, NULL, 404);
    /* An id that is no organisation: the same 404. */
    expect(&manager, "GET", "/equipements/reseau/999999999", NULL, 404);
    expect(&manager, "GET", "/equipements/reseau/007", NULL, 404);
    /* Another network's device through this network's path: not found. */
    int64_t dev = device_named("Chariot de la mairie (exemple)", NULL);
    assert_true(dev > 0);
    snprintf(post, sizeof post, "/equipements/reseau/%lld/appareils/%lld", (long long)org_b,
             (long long)dev);
    expect(&stranger, "POST", post, "kind=cabin&name=x", 404);
}

/* --- A network of many sites: the teleconsultant's sites over several forms ------------------ */

/* Attribute `name` of the tag starting at tag (up to its '>') into out, the
 * five entities the pages write decoded; false when absent. */
static bool attr_of(const char *tag, const char *name, char *out, size_t cap)
{
    const char *end = strchr(tag, '>');
    char needle[48];
    snprintf(needle, sizeof needle, " %s=\"", name);
    const char *p = strstr(tag, needle);
    if (!p || (end && p > end))
        return false;
    p += strlen(needle);
    size_t n = 0;
    while (*p && *p != '"' && n + 1 < cap) {
        static const char *const ent[][2] = {
            {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}};
        bool done = false;
        for (size_t e = 0; e < 5 && !done; e++)
            if (strncmp(p, ent[e][0], strlen(ent[e][0])) == 0) {
                out[n++] = ent[e][1][0];
                p += strlen(ent[e][0]);
                done = true;
            }
        if (!done)
            out[n++] = *p++;
    }
    out[n] = '\0';
    return true;
}

/* The site_* checkboxes of a form as sent: as the page shows them, all
 * ticked, none ticked. */
enum sites_sent { SITES_AS_SHOWN, SITES_ALL, SITES_NONE };

/* What a browser sends for the form [form, end) of a page: its hidden and
 * text inputs, each select's selected option, and its checked checkboxes
 * (the site_* ones as `sites` says). Returns the number of pairs. */
static size_t submit_body(const char *form, const char *end, enum sites_sent sites, char *body,
                          size_t cap)
{
    size_t pairs = 0;
    body[0] = '\0';
    char type[32], name[128], value[2048];
    for (const char *p = form; (p = strstr(p, "<input ")) && p < end; p++) {
        if (!attr_of(p, "type", type, sizeof type) || !attr_of(p, "name", name, sizeof name))
            continue;
        if (!attr_of(p, "value", value, sizeof value))
            value[0] = '\0';
        const char *close = strchr(p, '>');
        bool checked = close && strstr(p, " checked") && strstr(p, " checked") < close;
        if (strcmp(type, "checkbox") == 0) {
            bool site = strncmp(name, "site_", 5) == 0;
            if (site && sites != SITES_AS_SHOWN ? sites == SITES_NONE : !checked)
                continue;
        }
        form_add(body, cap, name, value);
        pairs++;
    }
    for (const char *p = form; (p = strstr(p, "<select ")) && p < end; p++) {
        if (!attr_of(p, "name", name, sizeof name))
            continue;
        const char *stop = strstr(p, "</select>");
        const char *sel = strstr(p, " selected");
        if (!sel || sel > stop)
            continue;
        const char *opt = sel;
        while (opt > p && strncmp(opt, "<option", 7) != 0)
            opt--;
        if (attr_of(opt, "value", value, sizeof value)) {
            form_add(body, cap, name, value);
            pairs++;
        }
    }
    return pairs;
}

/* The forms of a page whose action is `action`: their starts and ends. */
static size_t forms_to(const char *page, const char *action, const char **starts,
                       const char **ends, size_t max)
{
    char needle[160];
    snprintf(needle, sizeof needle, "action=\"%s\"", action);
    size_t n = 0;
    for (const char *p = page; (p = strstr(p, "<form ")) && n < max; p++) {
        const char *close = strchr(p, '>');
        const char *a = strstr(p, needle);
        if (!a || a > close)
            continue;
        starts[n] = p;
        ends[n] = strstr(p, "</form>");
        assert_non_null(ends[n]);
        n++;
    }
    return n;
}

static size_t served_count(int64_t tc)
{
    mg_booking_teleconsultant t;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_teleconsultant_get(app->db, tc, &t, &d), 0);
    size_t n = t.nsites;
    mg_booking_teleconsultant_clear(&t);
    return n;
}

static bool serves(int64_t tc, int64_t site)
{
    mg_booking_teleconsultant t;
    mg_diag d = {{0}};
    assert_int_equal(mg_booking_teleconsultant_get(app->db, tc, &t, &d), 0);
    bool yes = false;
    for (size_t k = 0; k < t.nsites; k++)
        yes = yes || t.site_ids[k] == site;
    mg_booking_teleconsultant_clear(&t);
    return yes;
}

enum { MANY_SITES = 120 };

/* A network of 120 sites: its manager makes a teleconsultant serve them
 * all through the page's forms as a browser submits them (each within the
 * HTTP layer's 64 parameters), and a form of one run of sites changes
 * those only. */
static void test_many_sites(void **state)
{
    (void)state;
    mg_diag d = {{0}};
    char name[128];
    snprintf(name, sizeof name, "Département aux nombreux sites %ld (exemple)", (long)time(NULL));
    mg_auth_org_input oin = {.name = name, .kind = "departement"};
    int64_t owner = 0;
    assert_int_equal(mg_auth_org_add(app->db, 0, &oin, true, false, &owner, NULL, &d), 0);
    who boss;
    memset(&boss, 0, sizeof boss);
    log_in(&boss, owner, MG_ROLE_MANAGER, "nombreux");
    static int64_t site[MANY_SITES];
    for (int k = 0; k < MANY_SITES; k++) {
        mg_dir_set set;
        mg_dir_set_init(&set);
        mg_dir_structure *s = mg_dir_add_structure(&set);
        assert_non_null(s);
        snprintf(name, sizeof name, "Mairie n° %03d (exemple)", k + 1);
        s->name = name;
        s->category = MG_DIR_TOWN_HALL;
        s->opening_hours = "Mo-Fr 09:00-12:00";
        assert_int_equal(mg_dir_save(app->db, 0, &set, &site[k], NULL, &d), 0);
        mg_dir_set_free(&set);
        mg_booking_site_input in = {.site_id = site[k], .owner_id = owner, .ask = "initials",
                                    .active = true, .is_example = true};
        mg_booking_errors errs = {0};
        assert_int_equal(mg_booking_site_put(app->db, 0, &in, &errs, &d), 0);
    }
    mg_booking_teleconsultant_input tin = {.organisation_id = tc_org, .owner_id = owner,
                                           .label = "Médecin de nombreux sites (exemple)",
                                           .availability = "Mo-Fr 09:00-12:00",
                                           .kinds = {{MG_BOOKING_GP, 20}}, .nkinds = 1,
                                           .active = true};
    int64_t tc = 0;
    mg_booking_errors errs = {0};
    assert_int_equal(mg_booking_teleconsultant_add(app->db, 0, &tin, &tc, &errs, &d), 0);
    assert_int_equal(served_count(tc), 0);

    char page[96], action[160];
    snprintf(page, sizeof page, "/equipements/reseau/%lld", (long long)owner);
    snprintf(action, sizeof action, "/equipements/reseau/%lld/teleconsultants/%lld",
             (long long)owner, (long long)tc);
    static char body[65536];
    const char *starts[16], *ends[16];
    /* Every form of the teleconsultant, every site ticked, as sent. */
    mg_http_response r = as(&boss, "GET", page, NULL);
    assert_int_equal(r.status, 200);
    size_t nforms = forms_to(text(&r), action, starts, ends, 16);
    size_t boxes = 0;
    for (size_t f = 0; f < nforms; f++)
        for (const char *p = starts[f]; (p = strstr(p, "name=\"site_")) && p < ends[f]; p++)
            boxes++;
    assert_int_equal(boxes, MANY_SITES); /* each site once, in one of the forms */
    /* (several forms: the pairs of each are checked below) */
    char **bodies = calloc(nforms, sizeof *bodies);
    assert_non_null(bodies);
    for (size_t f = 0; f < nforms; f++) {
        size_t pairs = submit_body(starts[f], ends[f], SITES_ALL, body, sizeof body);
        assert_true(pairs < 64);
        bodies[f] = strdup(body);
        assert_non_null(bodies[f]);
    }
    mg_http_response_free(&r);
    for (size_t f = 0; f < nforms; f++) {
        r = as(&boss, "POST", action, bodies[f]);
        if (r.status != 303)
            fail_msg("form %zu: %d %.400s", f, r.status, text(&r));
        mg_http_response_free(&r);
        free(bodies[f]);
    }
    free(bodies);
    assert_int_equal(served_count(tc), MANY_SITES);
    mg_booking_teleconsultant t;
    assert_int_equal(mg_booking_teleconsultant_get(app->db, tc, &t, &d), 0);
    assert_string_equal(t.label, "Médecin de nombreux sites (exemple)");
    assert_string_equal(t.availability, "Mo-Fr 09:00-12:00");
    assert_true(t.active);
    assert_int_equal(t.nkinds, 1);
    mg_booking_teleconsultant_clear(&t);

    /* The page shows them all ticked; the second form sent with none
     * ticked removes its sites only. */
    r = as(&boss, "GET", page, NULL);
    nforms = forms_to(text(&r), action, starts, ends, 16);
    size_t ticked = 0;
    for (size_t f = 0; f < nforms; f++)
        for (const char *p = starts[f]; (p = strstr(p, "name=\"site_")) && p < ends[f]; p++) {
            const char *close = strchr(p, '>');
            const char *c = strstr(p, " checked");
            ticked += c && c < close;
        }
    assert_int_equal(ticked, MANY_SITES);
    size_t in_second = 0;
    for (const char *p = starts[1]; (p = strstr(p, "name=\"site_")) && p < ends[1]; p++)
        in_second++;
    assert_true(in_second > 0);
    int64_t one_of_second = 0;
    const char *p2 = strstr(starts[1], "name=\"site_");
    for (p2 += strlen("name=\"site_"); *p2 >= '0' && *p2 <= '9'; p2++)
        one_of_second = one_of_second * 10 + (*p2 - '0');
    submit_body(starts[1], ends[1], SITES_NONE, body, sizeof body);
    mg_http_response_free(&r);
    expect(&boss, "POST", action, body, 303);
    assert_int_equal(served_count(tc), MANY_SITES - in_second);
    assert_false(serves(tc, one_of_second));
    /* Bounds or a marker no form sends: refused, nothing changed. */
    char *before = dump();
    expect(&boss, "POST", action, "sites_seuls=oui&sites_de=1&sites_a=999999999", 400);
    expect(&boss, "POST", action, "sites_seuls=1&sites_de=x&sites_a=999999999", 400);
    expect(&boss, "POST", action, "sites_seuls=1&sites_de=1", 400);
    char *after = dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* The teleconsultant's own form sent as shown: nothing changes. */
    r = as(&boss, "GET", page, NULL);
    nforms = forms_to(text(&r), action, starts, ends, 16);
    assert_true(nforms >= 2);
    size_t pairs = submit_body(starts[0], ends[0], SITES_AS_SHOWN, body, sizeof body);
    mg_http_response_free(&r);
    assert_true(pairs < 64);
    expect(&boss, "POST", action, body, 303);
    assert_int_equal(served_count(tc), MANY_SITES - in_second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manager_registers),
        cmocka_unit_test(test_refusals_keep_input),
        cmocka_unit_test(test_usage_figures),
        cmocka_unit_test(test_map_far_communes),
        cmocka_unit_test(test_rights),
        cmocka_unit_test(test_many_sites),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, setup, web_teardown);
    int pg = test_pg_database("mg_test_web_booking_network", web_fixture_db,
                              sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, setup, web_teardown);
}
