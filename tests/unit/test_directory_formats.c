/*
 * The directory's exchange formats (directory/formats.h) on the files of
 * tests/data/directory (README there): every field of a data·inclusion
 * structure and service read from JSON (checked against the same file
 * read with jansson directly) and from CSV (the same records), missing
 * optional fields, wrong types refused with the line and column of the
 * faulty field (found in the file's text by the test itself), the
 * round trip write → read → write identical in both formats; the FINESS
 * extraction (Windows-1252, quotes, Lambert-93 coordinates converted to
 * the La Poste commune points they were computed from with cs2cs) and the
 * annuaire santé extraction (GPs grouped by practice, nothing personal
 * kept).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/buf.h"
#include "directory/formats.h"
#include "testutil.h"

static char *slurp(const char *name, size_t *n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/directory/%s", MG_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    b[len] = 0;
    fclose(f);
    *n = (size_t)len;
    return b;
}

/* 1-based line and character column of the first occurrence of needle. */
static void pos_of(const char *text, const char *needle, unsigned *line, unsigned *col)
{
    const char *at = strstr(text, needle);
    if (!at)
        fail_msg("\"%s\" not in the file", needle);
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)*p & 0xC0) != 0x80)
            (*col)++;
    }
}

static const mg_dir_report_row *row_for(const mg_dir_report *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->rows[i].source_id, id) == 0)
            return &r->rows[i];
    fail_msg("no report row for \"%s\"", id);
    return NULL;
}

static void assert_str_or_null(const char *got, const json_t *want, const char *key)
{
    if (!want || json_is_null(want)) {
        if (got)
            fail_msg("%s: got \"%s\", expected nothing", key, got);
        return;
    }
    if (json_is_array(want)) {
        char joined[1024] = "";
        size_t i, o = 0;
        json_t *it;
        json_array_foreach(want, i, it) {
            o += (size_t)snprintf(joined + o, sizeof joined - o, "%s%s", i ? "," : "",
                                  json_string_value(it));
        }
        if (!got || strcmp(got, joined) != 0)
            fail_msg("%s: got \"%s\", expected \"%s\"", key, got ? got : "(null)", joined);
        return;
    }
    if (!got || strcmp(got, json_string_value(want)) != 0)
        fail_msg("%s: got \"%s\", expected \"%s\"", key, got ? got : "(null)",
                 json_string_value(want));
}

#define J(o, k) json_object_get(o, k)

static void check_full_set(const mg_dir_set *set)
{
    size_t n;
    char *text = slurp("di_full.json", &n);
    json_t *root = json_loads(text, 0, NULL);
    assert_non_null(root);
    free(text);
    assert_int_equal(set->nstructures, 2);
    assert_int_equal(set->nservices, 2);
    const mg_dir_structure *s = &set->structures[0];
    json_t *o = json_array_get(J(root, "structures"), 0);
    assert_str_or_null(s->source, J(o, "source"), "source");
    assert_str_or_null(s->source_id, J(o, "id"), "id");
    assert_str_or_null(s->name, J(o, "nom"), "nom");
    assert_str_or_null(s->updated_on, J(o, "date_maj"), "date_maj");
    assert_str_or_null(s->siret, J(o, "siret"), "siret");
    assert_str_or_null(s->description, J(o, "description"), "description");
    assert_str_or_null(s->address, J(o, "adresse"), "adresse");
    assert_str_or_null(s->address_extra, J(o, "complement_adresse"), "complement_adresse");
    assert_str_or_null(s->postcode, J(o, "code_postal"), "code_postal");
    assert_str_or_null(s->commune_code, J(o, "code_insee"), "code_insee");
    assert_str_or_null(s->commune_name, J(o, "commune"), "commune");
    assert_true(s->lat == json_number_value(J(o, "latitude")));
    assert_true(s->lon == json_number_value(J(o, "longitude")));
    assert_str_or_null(s->phone, J(o, "telephone"), "telephone");
    assert_str_or_null(s->email, J(o, "courriel"), "courriel");
    assert_str_or_null(s->website, J(o, "site_web"), "site_web");
    assert_str_or_null(s->accessibility_url, J(o, "accessibilite_lieu"), "accessibilite_lieu");
    assert_str_or_null(s->source_url, J(o, "lien_source"), "lien_source");
    assert_str_or_null(s->opening_hours, J(o, "horaires_accueil"), "horaires_accueil");
    assert_str_or_null(s->networks, J(o, "reseaux_porteurs"), "reseaux_porteurs");
    assert_string_equal(mg_dir_category_key(s->category),
                        json_string_value(J(o, "maillage_categorie")));
    assert_str_or_null(s->rna, J(o, "maillage_rna"), "maillage_rna");
    assert_str_or_null(s->finess, J(o, "maillage_finess"), "maillage_finess");
    assert_str_or_null(s->network_role, J(o, "maillage_role_reseau"), "maillage_role_reseau");
    assert_str_or_null(s->missions, J(o, "maillage_missions"), "maillage_missions");
    assert_true(s->publish_contact == json_is_true(J(o, "maillage_publie_contact")));
    assert_int_equal(s->practitioners, json_integer_value(J(o, "maillage_praticiens")));

    /* the second structure: its absent fields are absent */
    const mg_dir_structure *m = &set->structures[1];
    assert_int_equal(m->category, MG_DIR_TOWN_HALL);
    assert_null(m->siret);
    assert_null(m->phone);
    assert_null(m->networks);
    assert_true(isnan(m->lat) && isnan(m->lon));
    assert_false(m->publish_contact);
    assert_int_equal(m->practitioners, 0);

    const mg_dir_service *v = &set->services[0];
    o = json_array_get(J(root, "services"), 0);
    assert_str_or_null(v->source, J(o, "source"), "source");
    assert_str_or_null(v->source_id, J(o, "id"), "id");
    assert_str_or_null(v->structure_source_id, J(o, "structure_id"), "structure_id");
    assert_str_or_null(v->name, J(o, "nom"), "nom");
    assert_str_or_null(v->description, J(o, "description"), "description");
    assert_str_or_null(v->updated_on, J(o, "date_maj"), "date_maj");
    assert_str_or_null(v->type, J(o, "type"), "type");
    assert_str_or_null(v->thematics, J(o, "thematiques"), "thematiques");
    assert_str_or_null(v->publics, J(o, "publics"), "publics");
    assert_str_or_null(v->publics_details, J(o, "publics_precisions"), "publics_precisions");
    assert_str_or_null(v->fees, J(o, "frais"), "frais");
    assert_str_or_null(v->fees_details, J(o, "frais_precisions"), "frais_precisions");
    assert_str_or_null(v->access_conditions, J(o, "conditions_acces"), "conditions_acces");
    assert_str_or_null(v->reception_modes, J(o, "modes_accueil"), "modes_accueil");
    assert_str_or_null(v->mobilisation_modes, J(o, "modes_mobilisation"), "modes_mobilisation");
    assert_str_or_null(v->mobilisable_by, J(o, "mobilisable_par"), "mobilisable_par");
    assert_str_or_null(v->mobilisation_details, J(o, "mobilisation_precisions"),
                       "mobilisation_precisions");
    assert_str_or_null(v->mobilisation_url, J(o, "lien_mobilisation"), "lien_mobilisation");
    assert_str_or_null(v->zone, J(o, "zone_eligibilite"), "zone_eligibilite");
    assert_str_or_null(v->address, J(o, "adresse"), "adresse");
    assert_str_or_null(v->address_extra, J(o, "complement_adresse"), "complement_adresse");
    assert_str_or_null(v->postcode, J(o, "code_postal"), "code_postal");
    assert_str_or_null(v->commune_code, J(o, "code_insee"), "code_insee");
    assert_str_or_null(v->commune_name, J(o, "commune"), "commune");
    assert_true(v->lat == json_number_value(J(o, "latitude")));
    assert_true(v->lon == json_number_value(J(o, "longitude")));
    assert_str_or_null(v->phone, J(o, "telephone"), "telephone");
    assert_str_or_null(v->email, J(o, "courriel"), "courriel");
    assert_str_or_null(v->contact_name, J(o, "contact_nom_prenom"), "contact_nom_prenom");
    assert_str_or_null(v->source_url, J(o, "lien_source"), "lien_source");
    assert_str_or_null(v->opening_hours, J(o, "horaires_accueil"), "horaires_accueil");
    assert_int_equal(v->weeks, json_integer_value(J(o, "nombre_semaines")));
    assert_true(v->weekly_hours == json_number_value(J(o, "volume_horaire_hebdomadaire")));
    assert_str_or_null(v->booking_url, J(o, "maillage_lien_reservation"),
                       "maillage_lien_reservation");
    const mg_dir_service *w = &set->services[1];
    assert_null(w->thematics);
    assert_null(w->fees);
    assert_int_equal(w->weeks, 0);
    assert_true(isnan(w->weekly_hours));
    json_decref(root);
}

static void read_json_file(const char *name, mg_dir_set *set, mg_dir_report *r, int want_rc,
                           unsigned **sl, unsigned **vl)
{
    size_t n;
    char *text = slurp(name, &n);
    mg_diag d = {{0}};
    int rc = mg_di_read_json(name, text, n, set, sl, vl, r, &d);
    if (rc != want_rc)
        fail_msg("%s: rc %d (%s), expected %d", name, rc, d.msg, want_rc);
    free(text);
}

static void read_csv_files(const char *sname, const char *vname, mg_dir_set *set,
                           mg_dir_report *r, int want_rc)
{
    size_t sn = 0, vn = 0;
    char *st = sname ? slurp(sname, &sn) : NULL, *vt = vname ? slurp(vname, &vn) : NULL;
    mg_diag d = {{0}};
    unsigned *sl = NULL, *vl = NULL;
    int rc = mg_di_read_csv(sname, st, sn, vname, vt, vn, set, &sl, &vl, r, &d);
    if (rc != want_rc)
        fail_msg("%s: rc %d (%s), expected %d", sname, rc, d.msg, want_rc);
    free(sl);
    free(vl);
    free(st);
    free(vt);
}

static void test_json_full(void **state)
{
    (void)state;
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    unsigned *sl = NULL, *vl = NULL;
    read_json_file("di_full.json", &set, &r, 0, &sl, &vl);
    assert_int_equal(r.n, 0);
    check_full_set(&set);
    /* the lines of the records: where their "{" is */
    size_t n;
    char *text = slurp("di_full.json", &n);
    unsigned line, col;
    pos_of(text, "{\n      \"source\": \"maillage-test\",\n      \"id\": \"s-bram-ccas\"", &line,
           &col);
    assert_int_equal(sl[0], line);
    pos_of(text, "{\n      \"source\": \"maillage-test\",\n      \"id\": \"v-montreal-cabine\"",
           &line, &col);
    assert_int_equal(vl[1], line);
    free(text);
    free(sl);
    free(vl);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
}

static void test_csv_full(void **state)
{
    (void)state;
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    read_csv_files("di_full_structures.csv", "di_full_services.csv", &set, &r, 0);
    assert_int_equal(r.n, 0);
    check_full_set(&set);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
}

static void test_minimal(void **state)
{
    (void)state;
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    unsigned *sl = NULL, *vl = NULL;
    read_json_file("di_minimal.json", &set, &r, 0, &sl, &vl);
    assert_int_equal(set.nstructures, 1);
    assert_int_equal(set.nservices, 1); /* told apart by its structure_id */
    assert_int_equal(sl[0], 2);
    assert_int_equal(vl[0], 3);
    assert_string_equal(set.services[0].structure_source_id, "s-min");
    assert_int_equal(set.structures[0].category, MG_DIR_SOCIAL); /* the default */
    assert_null(set.structures[0].address);
    free(sl);
    free(vl);
    /* a byte order mark before the JSON is skipped */
    const char *bom = "\xEF\xBB\xBF\n[{\"source\": \"t\", \"id\": \"b\", \"nom\": \"Bom\", "
                      "\"date_maj\": \"2026-01-01\"}]";
    mg_diag d = {{0}};
    assert_int_equal(mg_di_read_json("bom.json", bom, strlen(bom), &set, &sl, NULL, &r, &d), 0);
    assert_int_equal(set.nstructures, 2);
    assert_string_equal(set.structures[1].source_id, "b");
    assert_int_equal(sl[0], 2);
    free(sl);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
}

/* Every write of a set read back gives the same text. */
static void test_round_trip(void **state)
{
    (void)state;
    mg_dir_set a, b, c;
    mg_dir_set_init(&a);
    mg_dir_set_init(&b);
    mg_dir_set_init(&c);
    mg_dir_report r;
    mg_dir_report_init(&r);
    read_json_file("di_full.json", &a, &r, 0, NULL, NULL);
    mg_buf j1, j2, s1, v1, s2, v2;
    mg_buf_init(&j1, 1 << 20);
    mg_buf_init(&j2, 1 << 20);
    mg_buf_init(&s1, 1 << 20);
    mg_buf_init(&v1, 1 << 20);
    mg_buf_init(&s2, 1 << 20);
    mg_buf_init(&v2, 1 << 20);
    mg_diag d = {{0}};
    assert_int_equal(mg_di_write_json(&a, &j1, &d), 0);
    assert_int_equal(mg_di_read_json("j1", j1.data, j1.len, &b, NULL, NULL, &r, &d), 0);
    assert_int_equal(mg_di_write_json(&b, &j2, &d), 0);
    assert_string_equal(j1.data, j2.data);
    check_full_set(&b);
    /* CSV: written, read back, written again, and the same records as JSON */
    assert_int_equal(mg_di_write_csv(&a, &s1, &v1, &d), 0);
    assert_int_equal(mg_di_read_csv("s1", s1.data, s1.len, "v1", v1.data, v1.len, &c, NULL,
                                    NULL, &r, &d),
                     0);
    assert_int_equal(mg_di_write_csv(&c, &s2, &v2, &d), 0);
    assert_string_equal(s1.data, s2.data);
    assert_string_equal(v1.data, v2.data);
    check_full_set(&c);
    assert_int_equal(r.n, 0);
    mg_buf_free(&j1);
    mg_buf_free(&j2);
    mg_buf_free(&s1);
    mg_buf_free(&v1);
    mg_buf_free(&s2);
    mg_buf_free(&v2);
    mg_dir_report_free(&r);
    mg_dir_set_free(&a);
    mg_dir_set_free(&b);
    mg_dir_set_free(&c);
}

static void expect_refusal(const mg_dir_report *r, const char *text, const char *id,
                           const char *needle, const char *field, const char *words)
{
    const mg_dir_report_row *row = row_for(r, id);
    unsigned line, col;
    pos_of(text, needle, &line, &col);
    assert_int_equal(row->status, MG_DIR_ROW_REFUSED);
    if (row->line != line || row->column != col)
        fail_msg("%s: at %u:%u, expected %u:%u", id, row->line, row->column, line, col);
    assert_string_equal(row->field, field);
    if (!strstr(row->message, words))
        fail_msg("%s: message \"%s\" lacks \"%s\"", id, row->message, words);
}

static void test_json_wrong_types(void **state)
{
    (void)state;
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    read_json_file("di_wrong_types.json", &set, &r, MG_EINVAL, NULL, NULL);
    size_t n;
    char *text = slurp("di_wrong_types.json", &n);
    /* 5 structures with a bad field, one not an object, 3 bad services */
    assert_int_equal(r.n, 8);
    assert_int_equal(r.counts[MG_DIR_ROW_REFUSED], 8);
    expect_refusal(&r, text, "s-lat-string", "\"latitude\": \"43.25\"", "lat",
                   "attendu un nombre, trouvé la chaîne « 43.25 »");
    expect_refusal(&r, text, "s-networks-string", "\"reseaux_porteurs\": \"ccas-cias\"",
                   "networks", "attendu une liste de codes");
    expect_refusal(&r, text, "s-bad-date", "\"date_maj\": \"15/01/2026\"", "updated_on",
                   "AAAA-MM-JJ");
    expect_refusal(&r, text, "s-publish-string", "\"maillage_publie_contact\": \"oui\"",
                   "publish_contact", "true ou false");
    expect_refusal(&r, text, "", "\"pas une structure\"", "", "structures[5] : attendu un objet");
    expect_refusal(&r, text, "v-weeks-string", "\"nombre_semaines\": \"40\"", "weeks",
                   "entier");
    expect_refusal(&r, text, "v-theme-number", "\"thematiques\": [", "thematics",
                   "élément 2 de la liste");
    expect_refusal(&r, text, "v-name-number", "\"nom\": 123", "name",
                   "services[2] : champ « nom » : attendu une chaîne de caractères, trouvé un nombre");
    /* the one good structure is read */
    assert_int_equal(set.nstructures, 1);
    assert_string_equal(set.structures[0].source_id, "s-good");
    free(text);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
}

static void test_json_not_json(void **state)
{
    (void)state;
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    const char *bad = "{\"structures\": [\n  {\"id\": \"a\",}\n]}";
    mg_diag d = {{0}};
    assert_int_equal(mg_di_read_json("bad.json", bad, strlen(bad), &set, NULL, NULL, &r, &d),
                     MG_EPARSE);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.rows[0].line, 2); /* jansson's position */
    assert_msg_has(d, "bad.json:2:");
    const char *scalar = "42";
    assert_int_equal(
        mg_di_read_json("n.json", scalar, strlen(scalar), &set, NULL, NULL, &r, &d), MG_EPARSE);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
}

static void test_csv_wrong_types(void **state)
{
    (void)state;
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    read_csv_files("di_wrong_types_structures.csv", "di_wrong_types_services.csv", &set, &r,
                   MG_EINVAL);
    assert_int_equal(r.n, 6);
    struct {
        const char *id, *field;
        unsigned line, column;
        const char *words;
    } want[] = {
        /* columns counted in the header line: source,id,nom,date_maj,latitude,… */
        {"s-lat", "lat", 3, 5, "attendu un nombre, trouvé « quarante-trois »"},
        {"s-bool", "publish_contact", 4, 7, "true ou false, trouvé « oui »"},
        {"s-int", "practitioners", 5, 8, "entier positif ou nul, trouvé « deux »"},
        {"s-date", "updated_on", 6, 4, "AAAA-MM-JJ, trouvé « 15/01/2026 »"},
        {"v-list", "thematics", 3, 7, "séparés par des virgules"},
        {"v-weeks", "weeks", 4, 8, "trouvé « quarante »"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const mg_dir_report_row *row = row_for(&r, want[i].id);
        assert_int_equal(row->status, MG_DIR_ROW_REFUSED);
        assert_string_equal(row->field, want[i].field);
        if (row->line != want[i].line || row->column != want[i].column)
            fail_msg("%s: at %u:%u, expected %u:%u", want[i].id, row->line, row->column,
                     want[i].line, want[i].column);
        if (!strstr(row->message, want[i].words))
            fail_msg("%s: \"%s\" lacks \"%s\"", want[i].id, row->message, want[i].words);
    }
    assert_int_equal(set.nstructures, 1);
    assert_true(set.structures[0].publish_contact);
    assert_int_equal(set.structures[0].practitioners, 3);
    assert_int_equal(set.nservices, 1);
    assert_string_equal(set.services[0].thematics, "sante--acces-aux-soins,sante--sante-mentale");
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
}

/* The La Poste commune points (laposte_hexasmal_2020, coordonnees_gps) the
 * Lambert-93 coordinates of finess_aude.csv were computed from with
 * `cs2cs -f %.2f EPSG:4326 EPSG:2154` (PROJ 9.1.1): the reader's inverse
 * conversion must find them again (the 1 cm rounding of the file is
 * 1e-7 degree). */
static const struct {
    const char *finess, *commune, *postcode, *commune_name;
    double lat, lon;
    mg_dir_category cat;
} kFiness[] = {
    {"110999026", "11069", "11000", "CARCASSONNE", 43.2093798444, 2.34398855385, MG_DIR_PHARMACY},
    {"110999042", "11076", "11400", "CASTELNAUDARY", 43.3230173159, 1.96073752488,
     MG_DIR_HEALTH_CENTRE},
    {"110999067", "11206", "11300", "LIMOUX", 43.0499293279, 2.23958811407, MG_DIR_HEALTH_CENTRE},
    {"110999083", "11069", "11000", "CARCASSONNE", 43.2093798444, 2.34398855385, MG_DIR_HOSPITAL},
    {"110999091", "11049", "11150", "BRAM", 43.2514206471, 2.11029895207, MG_DIR_MEDICO_SOCIAL},
    {"110999117", "11203", "11200", "LEZIGNAN CORBIERES", 43.2036730565, 2.76215028732,
     MG_DIR_MEDICO_SOCIAL},
    {"110999133", "11049", "11150", "BRAM", NAN, NAN, MG_DIR_OTHER},
};

static void test_finess(void **state)
{
    (void)state;
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    size_t n;
    char *text = slurp("finess_aude.csv", &n);
    mg_diag d = {{0}};
    unsigned *sl = NULL;
    assert_int_equal(mg_finess_read("finess_aude.csv", text, n, &set, &sl, &r, &d), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(set.nstructures, 7);
    for (size_t i = 0; i < 7; i++) {
        const mg_dir_structure *s = &set.structures[i];
        assert_string_equal(s->source, "finess");
        assert_string_equal(s->source_id, kFiness[i].finess);
        assert_string_equal(s->finess, kFiness[i].finess);
        assert_string_equal(s->commune_code, kFiness[i].commune);
        assert_string_equal(s->postcode, kFiness[i].postcode);
        assert_string_equal(s->commune_name, kFiness[i].commune_name);
        assert_int_equal(s->category, kFiness[i].cat);
        assert_int_equal(sl[i], i + 2);
        if (isnan(kFiness[i].lat)) {
            assert_true(isnan(s->lat) && isnan(s->lon));
        } else {
            assert_close(s->lat, kFiness[i].lat, 1e-6);
            assert_close(s->lon, kFiness[i].lon, 1e-6);
        }
    }
    const mg_dir_structure *s = &set.structures[0];
    assert_string_equal(s->name, "PHARMACIE EXEMPLE DE CARCASSONNE");
    assert_string_equal(s->address, "12 RUE DE L'EXEMPLE");
    assert_string_equal(s->siret, "99999999800027");
    assert_string_equal(s->phone, "0468000010");
    assert_string_equal(s->updated_on, "2025-06-30");
    assert_string_equal(s->description, "Pharmacie d'Officine");
    /* rslongue empty: rs; the lieu-dit as the address complement */
    assert_string_equal(set.structures[2].name, "MSP EXEMPLE");
    assert_string_equal(set.structures[2].address_extra, "LIEU-DIT EXEMPLE");
    /* RFC 4180 quotes with a separator and doubled quotes inside */
    assert_string_equal(set.structures[3].name, "CH \"EXEMPLE\" ; SITE NORD");
    /* Windows-1252 read as such */
    assert_string_equal(set.structures[4].description,
                        "Etablissement d'hébergement pour personnes âgées dépendantes");
    free(sl);
    free(text);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
}

static void test_finess_refusals(void **state)
{
    (void)state;
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    size_t n;
    char *text = slurp("finess_bad.csv", &n);
    mg_diag d = {{0}};
    assert_int_equal(mg_finess_read("finess_bad.csv", text, n, &set, NULL, &r, &d), MG_EINVAL);
    struct {
        unsigned line, column;
        const char *field, *words;
    } want[] = {
        {3, 1, "", "attendu « structureet » ou « geolocalisation », trouvé « structure »"},
        {4, 0, "", "attendu 32 champs séparés par « ; », trouvé 10"},
        {5, 2, "source_id", "9 caractères, trouvé « 11099904 »"},
        {6, 31, "updated_on", "trouvé « juin 2025 »"},
        {7, 3, "lon", "attendu un nombre (mètres, point décimal), trouvé « 646654,42 »"},
    };
    assert_int_equal(r.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < r.n; i++) {
        const mg_dir_report_row *row = &r.rows[i];
        assert_int_equal(row->status, MG_DIR_ROW_REFUSED);
        if (row->line != want[i].line || row->column != want[i].column)
            fail_msg("row %zu at %u:%u, expected %u:%u (%s)", i, row->line, row->column,
                     want[i].line, want[i].column, row->message);
        assert_string_equal(row->field, want[i].field);
        if (!strstr(row->message, want[i].words))
            fail_msg("row %zu: \"%s\" lacks \"%s\"", i, row->message, want[i].words);
    }
    free(text);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
}

static bool in_aude(const char *code, void *ctx)
{
    (void)ctx;
    return strncmp(code, "11", 2) == 0;
}

static void test_annuaire(void **state)
{
    (void)state;
    const char *name = "PS_LibreAcces_Personne_activite_202601150000.txt";
    size_t n;
    char *text = slurp(name, &n);
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_report r;
    mg_dir_report_init(&r);
    mg_diag d = {{0}};
    unsigned *sl = NULL;
    assert_int_equal(mg_annuaire_read(name, text, n, NULL, NULL, &set, &sl, &r, &d), 0);
    assert_int_equal(r.n, 0);
    /* Carcassonne (two GPs, one of them on two lines), Bram, Montpellier;
     * not the cardiologist, the nurse, the hospital's GP, the GP abroad */
    assert_int_equal(set.nstructures, 3);
    const mg_dir_structure *c = &set.structures[0];
    assert_int_equal(c->category, MG_DIR_GP_PRACTICE);
    assert_string_equal(c->source, "annuaire-sante");
    assert_int_equal(c->practitioners, 2);
    assert_string_equal(c->commune_code, "11069");
    assert_string_equal(c->postcode, "11000");
    assert_string_equal(c->commune_name, "Carcassonne");
    assert_string_equal(c->address, "12 Rue DE L'EXEMPLE");
    assert_string_equal(c->name, "Cabinet de médecine générale, 12 Rue DE L'EXEMPLE");
    assert_string_equal(c->updated_on, "2026-01-15");
    assert_int_equal(strncmp(c->source_id, "as-", 3), 0);
    assert_int_equal(sl[0], 2);
    assert_int_equal(set.structures[1].practitioners, 1);
    assert_string_equal(set.structures[1].address, "3 B Avenue DE LA GARE EXEMPLE");
    assert_string_equal(set.structures[1].commune_code, "11049");
    assert_int_equal(sl[1], 5);
    assert_string_equal(set.structures[2].commune_code, "34172");
    /* no practitioner's name, identifier or phone anywhere */
    mg_buf out;
    mg_buf_init(&out, 1 << 20);
    assert_int_equal(mg_di_write_json(&set, &out, &d), 0);
    assert_null(strstr(out.data, "\"EXEMPLE\"")); /* the names of the file */
    assert_null(strstr(out.data, "DOCTEUR"));
    assert_null(strstr(out.data, "8997000"));
    assert_null(strstr(out.data, "0468000099"));
    mg_buf_free(&out);
    /* the same file again: the same stable identifiers; the filter */
    mg_dir_set again;
    mg_dir_set_init(&again);
    assert_int_equal(mg_annuaire_read(name, text, n, in_aude, NULL, &again, NULL, &r, &d), 0);
    assert_int_equal(again.nstructures, 2);
    assert_string_equal(again.structures[0].source_id, c->source_id);
    assert_string_equal(again.structures[1].source_id, set.structures[1].source_id);
    assert_string_not_equal(c->source_id, set.structures[1].source_id);
    mg_dir_set_free(&again);
    free(sl);
    free(text);
    /* a malformed commune code is refused with its line and column */
    text = slurp("PS_LibreAcces_Personne_activite_bad.txt", &n);
    mg_dir_set bad;
    mg_dir_set_init(&bad);
    assert_int_equal(mg_annuaire_read("bad.txt", text, n, NULL, NULL, &bad, NULL, &r, &d),
                     MG_EINVAL);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.rows[0].line, 2);
    assert_int_equal(r.rows[0].column, 37); /* "Code commune (coord. structure)" */
    assert_string_equal(r.rows[0].field, "commune_code");
    assert_non_null(strstr(r.rows[0].message, "trouvé « 1106 »"));
    mg_dir_set_free(&bad);
    free(text);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_full),        cmocka_unit_test(test_csv_full),
        cmocka_unit_test(test_minimal),          cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_json_wrong_types), cmocka_unit_test(test_json_not_json),
        cmocka_unit_test(test_csv_wrong_types),  cmocka_unit_test(test_finess),
        cmocka_unit_test(test_finess_refusals),  cmocka_unit_test(test_annuaire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
