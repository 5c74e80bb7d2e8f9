/*
 * The public finder "Où me soigner ?" (/ou-me-soigner) and the directory's
 * JSON API (/api/v1/structures, /api/v1/services), against the app's router
 * on the demo Aude with a few structures imported through mg_dir_import.
 *
 * Expected answers are computed here, not written down: the order from the
 * diagnosis's travel-time pairs sorted by the test; "open now" from the C
 * library's Europe/Paris time zone (the tz database, which the finder does
 * not use) and the opening_hours evaluator; a postcode's communes from La
 * Poste's file read by the test; the BPE counts from the diagnosis's GP
 * head counts (mg_import_bpe).
 */
#define _DEFAULT_SOURCE /* timegm, setenv */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <jansson.h>

#include "directory/directory.h"
#include "directory/opening_hours.h"
#include "io/csv.h"
#include "io/reader.h"
#include "pg_fixture.h"
#include "testutil.h"
#include "web/app.h"
#include "web_fixture.h"

#define ORIGIN "11076" /* Castelnaudary */
#define GP_HOURS "Mo-Fr 08:00-12:00,14:00-18:00; Su 01:30-02:30; PH off"
#define BOOKING "https://rdv.exemple.invalid/cabinet-des-tests"

/* The destinations the test placed structures in, from the pairs. */
typedef struct dest {
    size_t commune;
    double minutes;
} dest;

static dest near_list[512];
static size_t near_n;
static int64_t gp_id;

static int cmp_dest(const void *x, const void *y)
{
    const dest *a = x, *b = y;
    if (a->minutes != b->minutes)
        return a->minutes < b->minutes ? -1 : 1;
    return (a->commune > b->commune) - (a->commune < b->commune);
}

/* The communes reached from ORIGIN, nearest first, computed here. */
static void reach_from_origin(void)
{
    const mg_diagnosis *g = mg_app_profession_get(app, "mg")->g;
    long o = mg_territory_find(g->t, ORIGIN);
    assert_true(o >= 0);
    const mg_pairs *p = &g->pairs;
    near_n = 0;
    bool self = false;
    for (size_t k = p->start[o]; k < p->start[o + 1] && near_n < 511; k++) {
        near_list[near_n++] = (dest){p->to[k], p->minutes[k]};
        self |= p->to[k] == (uint32_t)o;
    }
    if (!self)
        near_list[near_n++] = (dest){(size_t)o, 0};
    qsort(near_list, near_n, sizeof *near_list, cmp_dest);
}

/* The k-th nearest commune whose minutes differ from those of every
 * commune chosen before (distinct times make the order certain). */
static double taken[16];
static size_t ntaken;

static size_t pick(size_t from)
{
    for (size_t k = from; k < near_n; k++) {
        bool clash = false;
        for (size_t j = 0; j < ntaken; j++)
            clash |= fabs(near_list[k].minutes - taken[j]) < 1.0;
        if (!clash) {
            taken[ntaken++] = near_list[k].minutes;
            return k;
        }
    }
    fail_msg("no commune at a distinct time");
    return 0;
}

static size_t p_self, p_mid, p_far, p_gp, p_crowd;
/* Pharmacies in the crowded commune, asked for in the same batch of
 * communes as the middle one: more than the finder shows. */
#define CROWD 70

static mg_dir_structure *add(mg_dir_set *s, const char *id, const char *name, mg_dir_category c,
                             size_t commune, const char *hours)
{
    const mg_territory *t = mg_app_profession_get(app, "mg")->g->t;
    mg_dir_structure *r = mg_dir_add_structure(s);
    assert_non_null(r);
    r->source = mg_dir_strdup(s, "test-finder", SIZE_MAX);
    r->source_id = mg_dir_strdup(s, id, SIZE_MAX);
    r->name = mg_dir_strdup(s, name, SIZE_MAX);
    r->category = c;
    r->address = mg_dir_strdup(s, "1 place de l'Exemple", SIZE_MAX);
    r->commune_code = mg_dir_strdup(s, t->code[commune], SIZE_MAX);
    r->commune_name = mg_dir_strdup(s, t->name[commune], SIZE_MAX);
    r->opening_hours = hours ? mg_dir_strdup(s, hours, SIZE_MAX) : NULL;
    r->phone = mg_dir_strdup(s, "04 68 00 00 00", SIZE_MAX);
    r->updated_on = mg_dir_strdup(s, "2026-11-01", SIZE_MAX);
    return r;
}

static int finder_setup(void **state)
{
    if (web_setup(state))
        return -1;
    reach_from_origin();
    ntaken = 0;
    if (near_n < 12) {
        fprintf(stderr, "setup: only %zu communes reached from " ORIGIN "\n", near_n);
        return -1;
    }
    p_self = pick(0);
    p_mid = pick(3);
    p_crowd = pick(4);
    p_far = pick(8);
    p_gp = pick(9);
    /* The crowded commune is asked in the same batch as the middle one
     * (batches: 1 commune, 2, 4: positions 3 to 6). */
    if (p_mid > 6 || p_crowd > 6) {
        fprintf(stderr, "setup: positions %zu and %zu are not in one batch\n", p_mid, p_crowd);
        return -1;
    }
    mg_dir_set s;
    mg_dir_set_init(&s);
    /* Pharmacies, imported farthest first so that the order shown is not
     * the order of import. */
    add(&s, "ph-far", "Pharmacie lointaine (exemple)", MG_DIR_PHARMACY,
        near_list[p_far].commune, "24/7");
    add(&s, "ph-mid", "Pharmacie du milieu (exemple)", MG_DIR_PHARMACY,
        near_list[p_mid].commune, "24/7");
    add(&s, "ph-self", "Pharmacie de la commune (exemple)", MG_DIR_PHARMACY,
        near_list[p_self].commune, "24/7");
    for (int k = 0; k < CROWD; k++) {
        char id[32], name[96];
        snprintf(id, sizeof id, "ph-crowd-%d", k);
        snprintf(name, sizeof name, "Pharmacie de la foule n° %02d (exemple)", k);
        add(&s, id, name, MG_DIR_PHARMACY, near_list[p_crowd].commune, "24/7");
    }
    add(&s, "gp", "Cabinet médical des Tests (exemple)", MG_DIR_GP_PRACTICE,
        near_list[p_gp].commune, GP_HOURS);
    mg_dir_service *v = mg_dir_add_service(&s);
    assert_non_null(v);
    v->source = mg_dir_strdup(&s, "test-finder", SIZE_MAX);
    v->source_id = mg_dir_strdup(&s, "gp-consultation", SIZE_MAX);
    v->structure_source_id = mg_dir_strdup(&s, "gp", SIZE_MAX);
    v->name = mg_dir_strdup(&s, "Consultation de médecine générale", SIZE_MAX);
    v->description = mg_dir_strdup(&s, "Consultations sur rendez-vous (exemple).", SIZE_MAX);
    v->thematics = mg_dir_strdup(&s, "sante--acces-aux-soins", SIZE_MAX);
    v->booking_url = mg_dir_strdup(&s, BOOKING, SIZE_MAX);
    v->updated_on = mg_dir_strdup(&s, "2026-11-01", SIZE_MAX);
    mg_dir_report rep;
    mg_dir_report_init(&rep);
    mg_diag d = {{0}};
    mg_dir_import_opts o = {0};
    int rc = mg_dir_import(app->db, &s, &o, &rep, &d);
    if (rc) {
        fprintf(stderr, "setup: import: %s\n", d.msg);
        for (size_t k = 0; k < rep.n; k++)
            fprintf(stderr, "  %s %s: %s\n", rep.rows[k].source_id, rep.rows[k].field,
                    rep.rows[k].message);
    }
    mg_dir_report_free(&rep);
    mg_dir_set_free(&s);
    if (rc)
        return -1;
    /* The GP practice's id, from the API's search. */
    mg_dir_query q = {.text = "Cabinet médical des Tests", .category = MG_DIR_GP_PRACTICE};
    mg_dir_set found;
    mg_dir_set_init(&found);
    size_t total = 0;
    rc = mg_dir_search(app->db, &q, &found, &total, &d);
    if (rc || found.nstructures != 1) {
        fprintf(stderr, "setup: search: %s (%zu found)\n", d.msg, found.nstructures);
        mg_dir_set_free(&found);
        return -1;
    }
    gp_id = found.structures[0].id;
    mg_dir_set_free(&found);
    return 0;
}

static mg_http_response get(const char *target)
{
    mg_http_response res;
    mg_http_response_init(&res);
    assert_int_equal(web_request("GET", target, NULL, NULL, 0, &res), 0);
    return res;
}

/* A request without any cookie, as a visitor's first one. */
static mg_http_response get_anonymous(const char *target)
{
    mg_http_response res;
    mg_http_response_init(&res);
    assert_int_equal(mg_http_dispatch_with(app->router, "GET", target, NULL, NULL, NULL, 0, &res),
                     0);
    return res;
}

static const char *text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

/* The section of the page whose heading has id `id`. */
static const char *section_of(const char *page, const char *id, const char **end)
{
    char needle[64];
    snprintf(needle, sizeof needle, "<h2 id=\"%s\">", id);
    const char *s = strstr(page, needle);
    assert_non_null(s);
    *end = strstr(s, "</section>");
    assert_non_null(*end);
    return s;
}

/* Pharmacies come nearest first, in the order of the pairs' minutes, each
 * with its time rounded: the commune's own, the middle one's, then three
 * of the crowded commune's (asked in the same batch as the middle one,
 * whose one pharmacy must not be lost among the crowd's), and not the far
 * one's. */
static void test_nearest_order(void **state)
{
    (void)state;
    assert_true(near_list[p_self].minutes < near_list[p_mid].minutes);
    assert_true(near_list[p_mid].minutes < near_list[p_crowd].minutes);
    assert_true(near_list[p_crowd].minutes < near_list[p_far].minutes);
    mg_http_response res = get_anonymous("/ou-me-soigner?commune=" ORIGIN);
    assert_int_equal(res.status, 200);
    const char *page = text(&res), *end;
    const char *sec = section_of(page, "pharmacies", &end);
    const char *a = strstr(sec, "Pharmacie de la commune (exemple)");
    const char *b = strstr(sec, "Pharmacie du milieu (exemple)");
    const char *c = strstr(sec, "Pharmacie de la foule n° ");
    const char *far = strstr(sec, "Pharmacie lointaine (exemple)");
    assert_true(a && a < end);
    assert_true(b && b < end);
    assert_true(c && c < end);
    assert_true(!far || far > end);
    assert_true(a < b);
    assert_true(b < c);
    /* Five shown, three of them the crowd's. */
    size_t items = 0, crowd = 0;
    for (const char *p = strstr(sec, "<li class=\"finder-item\">"); p && p < end;
         p = strstr(p + 1, "<li class=\"finder-item\">"))
        items++;
    for (const char *p = c; p && p < end; p = strstr(p + 1, "Pharmacie de la foule n° "))
        crowd++;
    assert_int_equal(items, 5);
    assert_int_equal(crowd, 3);
    /* Each shows its minutes, rounded. */
    const struct {
        const char *at;
        double minutes;
    } got[3] = {{a, near_list[p_self].minutes}, {b, near_list[p_mid].minutes},
                {c, near_list[p_crowd].minutes}};
    for (int i = 0; i < 3; i++) {
        long m = lround(got[i].minutes);
        char expect[64];
        if (m <= 0)
            snprintf(expect, sizeof expect, "<strong>dans votre commune</strong>");
        else
            snprintf(expect, sizeof expect, "<strong>%ld min</strong> en voiture", m);
        const char *next = strstr(got[i].at, "</li>");
        const char *hit = strstr(got[i].at, expect);
        assert_non_null(hit);
        assert_true(hit < next);
    }
    assert_non_null(strstr(page, "Temps de trajet en voiture, estimation"));
    /* No cookie, nothing from elsewhere. */
    assert_int_equal(res.set_cookie[0][0], 0);
    assert_null(strstr(page, "src=\"http"));
    assert_null(strstr(page, "href=\"//"));
    mg_http_response_free(&res);
}

/* The state the page gives the GP practice at Unix time t. */
static int page_state(int64_t t)
{
    app->finder_now = t;
    mg_http_response res = get_anonymous("/ou-me-soigner?commune=" ORIGIN);
    app->finder_now = 0;
    assert_int_equal(res.status, 200);
    const char *page = text(&res);
    const char *s = strstr(page, "Cabinet médical des Tests (exemple)");
    assert_non_null(s);
    const char *end = strstr(s, "</li>");
    const char *open = strstr(s, "Ouvert maintenant");
    const char *closed = strstr(s, "Fermé maintenant");
    int st = -1;
    if (open && open < end)
        st = MG_OH_OPEN;
    else if (closed && closed < end)
        st = MG_OH_CLOSED;
    /* The booking link of its service. */
    const char *book = strstr(s, "href=\"" BOOKING "\"");
    assert_true(book && book < end);
    mg_http_response_free(&res);
    return st;
}

/* The state at t from the tz database's Paris time and the evaluator. */
static int oracle_state(int64_t t)
{
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    time_t tt = (time_t)t;
    struct tm lt;
    assert_non_null(localtime_r(&tt, &lt));
    setenv("TZ", "UTC", 1);
    tzset();
    mg_opening_hours *oh = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_opening_hours_parse(GP_HOURS, strlen(GP_HOURS), 0, &oh, &d), 0);
    int st = mg_opening_hours_state_tm(oh, &lt, NULL);
    mg_opening_hours_free(oh);
    return st;
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi};
    return (int64_t)timegm(&tm);
}

/* Open now at fixed instants: both sides of the summer-time changes of
 * 2026 (29 March, 25 October), a summer and a winter weekday whose answer
 * differs between UTC+1 and UTC+2, Christmas (PH off). */
static void test_open_now(void **state)
{
    (void)state;
    const int64_t instants[] = {
        utc(2026, 3, 29, 0, 59),  utc(2026, 3, 29, 1, 0),   utc(2026, 3, 29, 0, 15),
        utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 0, 45), utc(2026, 10, 25, 1, 0),
        utc(2026, 10, 25, 1, 45), utc(2026, 10, 25, 2, 0),  utc(2026, 7, 6, 6, 30),
        utc(2026, 7, 6, 5, 30),   utc(2026, 7, 6, 10, 30),  utc(2026, 7, 6, 9, 59),
        utc(2026, 12, 7, 7, 30),  utc(2026, 12, 7, 6, 59),  utc(2026, 12, 7, 11, 0),
        utc(2026, 12, 7, 13, 0),  utc(2026, 12, 25, 9, 0),  utc(2026, 12, 31, 22, 59),
        utc(2027, 1, 1, 9, 0),    utc(2027, 3, 28, 0, 45),  utc(2027, 3, 28, 1, 5),
    };
    size_t open = 0, closed = 0;
    for (size_t k = 0; k < sizeof instants / sizeof *instants; k++) {
        int want = oracle_state(instants[k]);
        int got = page_state(instants[k]);
        if (got != want)
            fail_msg("instant %lld: page says %d, Paris time says %d", (long long)instants[k],
                     got, want);
        open += want == MG_OH_OPEN;
        closed += want == MG_OH_CLOSED;
    }
    /* The instants test both answers. */
    assert_true(open >= 5);
    assert_true(closed >= 5);
}

/* La Poste's communes of postcode cp in the study territory, read here. */
static size_t postcode_communes(const char *cp, char codes[][6], size_t max)
{
    const mg_diagnosis *g = mg_app_profession_get(app, "mg")->g;
    char *path = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_find_data_file(&path, MG_SOURCE_DIR "/data/demo/france",
                                       "laposte_hexasmal_2020.csv", &d),
                     0);
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    assert_int_equal(mg_reader_open(&r, path, &d), 0);
    assert_int_equal(mg_csv_open(&c, r, ';', &d), 0);
    int ci = mg_csv_column(c, "Code_commune_INSEE"), pi = mg_csv_column(c, "Code_postal");
    size_t n = 0;
    while (mg_csv_next(c, &d) == 1) {
        if (strcmp(mg_csv_field(c, (size_t)pi, NULL), cp) != 0)
            continue;
        const char *code = mg_csv_field(c, (size_t)ci, NULL);
        long i = mg_territory_find(g->t, code);
        if (i < 0 || !g->t->in_study[i])
            continue;
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= strcmp(codes[k], g->t->code[i]) == 0;
        if (!dup && n < max)
            snprintf(codes[n++], 6, "%s", g->t->code[i]);
    }
    mg_csv_close(c);
    mg_reader_close(r);
    free(path);
    return n;
}

/* A postcode of several communes asks which; of one, answers at once. */
static void test_postcode(void **state)
{
    (void)state;
    char codes[64][6];
    size_t n = postcode_communes("11400", codes, 64);
    assert_true(n > 1);
    mg_http_response res = get_anonymous("/ou-me-soigner?code_postal=11400");
    assert_int_equal(res.status, 200);
    const char *page = text(&res);
    assert_non_null(strstr(page, "laquelle est la vôtre"));
    for (size_t k = 0; k < n; k++) {
        char link[512];
        snprintf(link, sizeof link, "href=\"/ou-me-soigner?commune=%s\"", codes[k]);
        assert_non_null(strstr(page, link));
    }
    /* As many choices as communes. */
    size_t links = 0;
    for (const char *p = strstr(page, "?commune="); p; p = strstr(p + 1, "?commune="))
        links++;
    assert_int_equal(links, n);
    mg_http_response_free(&res);

    /* The form's field: five digits that are a postcode are one (11300 is
     * also Puginier's INSEE code: the postcode wins). */
    res = get_anonymous("/ou-me-soigner?lieu=11300");
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(text(&res), "Le code postal 11300"));
    mg_http_response_free(&res);

    /* A postcode of one commune: its results. */
    n = postcode_communes("11130", codes, 64);
    assert_int_equal(n, 1);
    const mg_diagnosis *g = mg_app_profession_get(app, "mg")->g;
    long i = mg_territory_find(g->t, codes[0]);
    res = get_anonymous("/ou-me-soigner?lieu=11130");
    assert_int_equal(res.status, 200);
    char heading[256];
    snprintf(heading, sizeof heading, "<h2 id=\"finder-resultats\">Près de %s (%s)</h2>",
             g->t->name[i], codes[0]);
    assert_non_null(strstr(text(&res), heading));
    mg_http_response_free(&res);
}

/* Unknown places: 404, a French message, the form keeping what was typed. */
static void test_unknown(void **state)
{
    (void)state;
    mg_http_response res = get_anonymous("/ou-me-soigner?code_postal=99999");
    assert_int_equal(res.status, 404);
    assert_non_null(strstr(text(&res), "a le code postal 99999"));
    assert_non_null(strstr(text(&res), "value=\"99999\""));
    mg_http_response_free(&res);

    /* Five digits typed in the form that are no postcode nor INSEE code. */
    res = get_anonymous("/ou-me-soigner?lieu=99999");
    assert_int_equal(res.status, 404);
    assert_non_null(strstr(text(&res), "a le code postal 99999, ni le code INSEE 99999"));
    assert_non_null(strstr(text(&res), "value=\"99999\""));
    mg_http_response_free(&res);

    res = get_anonymous("/ou-me-soigner?lieu=Zzyzx%20%3Cb%3E");
    assert_int_equal(res.status, 404);
    assert_non_null(strstr(text(&res), "value=\"Zzyzx &lt;b&gt;\""));
    assert_null(strstr(text(&res), "Zzyzx <b>"));
    assert_non_null(strstr(text(&res), "aria-invalid=\"true\""));
    mg_http_response_free(&res);

    res = get_anonymous("/ou-me-soigner?code_postal=12");
    assert_int_equal(res.status, 404);
    assert_non_null(strstr(text(&res), "cinq chiffres"));
    mg_http_response_free(&res);

    /* The form alone. */
    res = get_anonymous("/ou-me-soigner");
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(text(&res), "<label for=\"finder-lieu\">"));
    assert_non_null(strstr(text(&res), "href=\"#contenu\""));
    mg_http_response_free(&res);
}

/* No GP practice nearer than ours is in the directory, but health centres
 * are not at all: their section shows the BPE layer; the GP section's
 * BPE would be the diagnosis's head counts. Checked on the health centres:
 * the communes listed are the nearest with BPE D108/D113 counts, marked. */
static void test_bpe_layer(void **state)
{
    (void)state;
    mg_http_response res = get_anonymous("/ou-me-soigner?commune=" ORIGIN);
    const char *page = text(&res), *end;
    const char *sec = section_of(page, "medecins", &end);
    /* GP practices: ours is listed, no BPE line. */
    const char *ours = strstr(sec, "Cabinet médical des Tests (exemple)");
    assert_true(ours && ours < end);
    const char *bpe = strstr(sec, "source BPE 2019");
    assert_true(!bpe || bpe > end);
    mg_http_response_free(&res);

    /* From a commune far from every imported structure, GP practices come
     * from the BPE: the nearest communes with D201 head counts, each with
     * its count (the diagnosis's g->heads, read by mg_import_bpe). */
    const mg_diagnosis *g = mg_app_profession_get(app, "mg")->g;
    const char *far = "11262"; /* Narbonne, far from Castelnaudary */
    long o = mg_territory_find(g->t, far);
    assert_true(o >= 0);
    char target[64];
    snprintf(target, sizeof target, "/ou-me-soigner?commune=%s", far);
    res = get_anonymous(target);
    assert_int_equal(res.status, 200);
    page = text(&res);
    sec = section_of(page, "medecins", &end);
    assert_null(strstr(sec, "Cabinet médical des Tests"));
    /* The first commune with GPs in travel order, computed here. */
    const mg_pairs *p = &g->pairs;
    dest row[512];
    size_t n = 0;
    bool self = false;
    for (size_t k = p->start[o]; k < p->start[o + 1] && n < 511; k++) {
        row[n++] = (dest){p->to[k], p->minutes[k]};
        self |= p->to[k] == (uint32_t)o;
    }
    if (!self)
        row[n++] = (dest){(size_t)o, 0};
    qsort(row, n, sizeof *row, cmp_dest);
    size_t first = n;
    for (size_t k = 0; k < n && first == n; k++)
        if (g->heads[row[k].commune] > 0)
            first = k;
    assert_true(first < n);
    size_t i = row[first].commune;
    char line[600];
    long heads = lround(g->heads[i]);
    snprintf(line, sizeof line, "<li><strong>%s</strong>", g->t->name[i]);
    const char *hit = strstr(sec, line);
    assert_true(hit && hit < end);
    snprintf(line, sizeof line, "%ld %s — <em>source BPE 2019, adresse non connue</em>", heads,
             heads > 1 ? "médecins généralistes" : "médecin généraliste");
    const char *count = strstr(hit, line);
    assert_true(count && count < end);
    mg_http_response_free(&res);
}

/* The JSON API: filters, pages, one structure, errors naming the parameter. */
static void test_api(void **state)
{
    (void)state;
    mg_http_response res = get("/api/v1/structures?categorie=pharmacy");
    assert_int_equal(res.status, 200);
    json_error_t err;
    json_t *doc = json_loads(text(&res), 0, &err);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "total")), 3 + CROWD);
    json_t *arr = json_object_get(doc, "structures");
    assert_int_equal(json_array_size(arr), 50); /* the default page */
    json_t *first = json_array_get(arr, 0);
    assert_non_null(json_object_get(first, "nom"));
    json_t *m = json_object_get(first, "maillage");
    assert_string_equal(json_string_value(json_object_get(m, "categorie")), "pharmacy");
    json_decref(doc);
    mg_http_response_free(&res);

    /* One page of one. */
    res = get("/api/v1/structures?categorie=pharmacy&limit=1&offset=1");
    doc = json_loads(text(&res), 0, &err);
    assert_int_equal(json_integer_value(json_object_get(doc, "total")), 3 + CROWD);
    assert_int_equal(json_array_size(json_object_get(doc, "structures")), 1);
    json_decref(doc);
    mg_http_response_free(&res);

    /* By commune: the GP practice's. */
    const mg_territory *t = mg_app_profession_get(app, "mg")->g->t;
    char target[128];
    snprintf(target, sizeof target, "/api/v1/structures?commune=%s&categorie=gp_practice",
             t->code[near_list[p_gp].commune]);
    res = get(target);
    doc = json_loads(text(&res), 0, &err);
    assert_int_equal(json_integer_value(json_object_get(doc, "total")), 1);
    json_decref(doc);
    mg_http_response_free(&res);

    /* By scope: the pharmacies whose commune is in the EPCI of the crowded
     * commune, counted here from the territory's EPCI of each. */
    {
        const size_t where[] = {p_self, p_mid, p_far};
        int32_t e = t->epci[near_list[p_crowd].commune];
        assert_true(e >= 0);
        json_int_t expect = CROWD;
        for (size_t k = 0; k < 3; k++)
            expect += t->epci[near_list[where[k]].commune] == e;
        snprintf(target, sizeof target, "/api/v1/structures?categorie=pharmacy&perimetre=epci:%s",
                 t->epci_code[e]);
        res = get(target);
        assert_int_equal(res.status, 200);
        doc = json_loads(text(&res), 0, &err);
        assert_int_equal(json_integer_value(json_object_get(doc, "total")), expect);
        json_decref(doc);
        mg_http_response_free(&res);
        /* A scope and a commune outside it: nothing, not an error. */
        long outside = -1;
        for (size_t k = 0; k < near_n && outside < 0; k++)
            if (t->epci[near_list[k].commune] != e)
                outside = (long)near_list[k].commune;
        assert_true(outside >= 0);
        snprintf(target, sizeof target, "/api/v1/structures?perimetre=epci:%s&commune=%s",
                 t->epci_code[e], t->code[outside]);
        res = get(target);
        assert_int_equal(res.status, 200);
        doc = json_loads(text(&res), 0, &err);
        assert_int_equal(json_integer_value(json_object_get(doc, "total")), 0);
        json_decref(doc);
        mg_http_response_free(&res);
        res = get("/api/v1/structures?perimetre=epci:000000000");
        assert_int_equal(res.status, 400);
        mg_http_response_free(&res);
    }

    /* One structure and its service. */
    snprintf(target, sizeof target, "/api/v1/structures/%lld", (long long)gp_id);
    res = get(target);
    assert_int_equal(res.status, 200);
    doc = json_loads(text(&res), 0, &err);
    assert_non_null(doc);
    json_t *services = json_object_get(doc, "services");
    assert_int_equal(json_array_size(services), 1);
    json_t *sm = json_object_get(json_array_get(services, 0), "maillage");
    assert_string_equal(json_string_value(json_object_get(sm, "prise_de_rendez_vous")), BOOKING);
    json_decref(doc);
    mg_http_response_free(&res);

    res = get("/api/v1/services?thematique=sante--acces-aux-soins");
    assert_int_equal(res.status, 200);
    doc = json_loads(text(&res), 0, &err);
    assert_int_equal(json_integer_value(json_object_get(doc, "total")), 1);
    json_decref(doc);
    mg_http_response_free(&res);

    /* Errors. */
    static const struct {
        const char *target;
        int status;
        const char *names;
    } bad[] = {
        {"/api/v1/structures?categorie=boulangerie", 400, "categorie"},
        {"/api/v1/structures?limit=0", 400, "limit"},
        {"/api/v1/structures?limit=501", 400, "limit"},
        {"/api/v1/structures?offset=-1", 400, "offset"},
        {"/api/v1/structures?code_postal=abc", 400, "code_postal"},
        {"/api/v1/structures?code_postal=99999", 400, "code_postal"},
        {"/api/v1/structures?commune=99999", 400, "commune"},
        {"/api/v1/services?thematique=%3Cx%3E", 400, "thematique"},
        {"/api/v1/structures/999999999", 404, "structure"},
        {"/api/v1/structures/007", 404, "structure"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        res = get(bad[k].target);
        if (res.status != bad[k].status)
            fail_msg("%s: %d", bad[k].target, res.status);
        doc = json_loads(text(&res), 0, &err);
        assert_non_null(doc);
        const char *msg =
            json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
        assert_non_null(msg);
        if (!strstr(msg, bad[k].names))
            fail_msg("%s: \"%s\" does not name %s", bad[k].target, msg, bad[k].names);
        json_decref(doc);
        mg_http_response_free(&res);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nearest_order), cmocka_unit_test(test_open_now),
        cmocka_unit_test(test_postcode),      cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_bpe_layer),     cmocka_unit_test(test_api),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, finder_setup, web_teardown);
    /* The same on PostgreSQL (scripts/test.sh sets MG_TEST_PG_URI). */
    int pg = test_pg_database("mg_test_web_finder", web_fixture_db, sizeof web_fixture_db);
    if (pg == 1) {
        printf("PostgreSQL: MG_TEST_PG_URI not set, the second run is skipped\n");
        return failed;
    }
    if (pg < 0)
        return 1;
    return failed + cmocka_run_group_tests_name("postgresql", tests, finder_setup, web_teardown);
}
