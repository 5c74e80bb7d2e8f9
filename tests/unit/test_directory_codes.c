/*
 * The data·inclusion code lists of directory/codes.h against the vendored
 * schema files they are generated from (src/directory/gen_codes.py): every
 * value and label of extra/ (*.json), nothing more, in bytewise order; the
 * same values as the enums of the JSON Schemas ($defs of service.json and
 * structure.json); lookups, and the comma-separated lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory/codes.h"

#define SCHEMA MG_SOURCE_DIR "/data/schema/data-inclusion-1.0.8"

static json_t *load(const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        fail_msg("%s: %s (line %d)", path, err.text, err.line);
    return j;
}

static void test_lists_equal_files(void **state)
{
    (void)state;
    for (int l = 0; l < MG_DI_LIST_COUNT; l++) {
        char path[512];
        snprintf(path, sizeof path, SCHEMA "/extra/%s", mg_di_list_file((mg_di_list)l));
        json_t *items = load(path);
        assert_true(json_is_array(items));
        size_t n = 0;
        const mg_di_code *codes = mg_di_codes((mg_di_list)l, &n);
        assert_non_null(codes);
        assert_int_equal(n, json_array_size(items));
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            const char *value = json_string_value(json_object_get(it, "value"));
            const char *label = json_string_value(json_object_get(it, "label"));
            assert_non_null(value);
            assert_true(mg_di_code_known((mg_di_list)l, value));
            const char *got = mg_di_code_label((mg_di_list)l, value);
            assert_non_null(got);
            assert_string_equal(got, label);
        }
        for (size_t k = 1; k < n; k++)
            assert_true(strcmp(codes[k - 1].value, codes[k].value) < 0);
        json_decref(items);
    }
}

/* The same values as the schemas' enums. */
static void check_enum(const char *file, const char *def, mg_di_list l)
{
    json_t *schema = load(file);
    json_t *values = json_object_get(json_object_get(json_object_get(schema, "$defs"), def), "enum");
    assert_true(json_is_array(values));
    size_t n = 0;
    mg_di_codes(l, &n);
    assert_int_equal(json_array_size(values), n);
    size_t i;
    json_t *v;
    json_array_foreach(values, i, v)
        assert_true(mg_di_code_known(l, json_string_value(v)));
    json_decref(schema);
}

static void test_lists_equal_schema_enums(void **state)
{
    (void)state;
    check_enum(SCHEMA "/service.json", "Thematique", MG_DI_THEMATIQUES);
    check_enum(SCHEMA "/service.json", "Public", MG_DI_PUBLICS);
    check_enum(SCHEMA "/service.json", "Frais", MG_DI_FRAIS);
    check_enum(SCHEMA "/service.json", "ModeAccueil", MG_DI_MODES_ACCUEIL);
    check_enum(SCHEMA "/service.json", "ModeMobilisation", MG_DI_MODES_MOBILISATION);
    check_enum(SCHEMA "/service.json", "PersonneMobilisatrice", MG_DI_MOBILISABLE_PAR);
    check_enum(SCHEMA "/service.json", "TypeService", MG_DI_TYPES_SERVICES);
    check_enum(SCHEMA "/structure.json", "ReseauPorteur", MG_DI_RESEAUX_PORTEURS);
}

static void test_lookups(void **state)
{
    (void)state;
    assert_true(mg_di_code_known(MG_DI_FRAIS, "gratuit"));
    assert_false(mg_di_code_known(MG_DI_FRAIS, "Gratuit"));
    assert_false(mg_di_code_known(MG_DI_FRAIS, "gratuit "));
    assert_false(mg_di_code_known(MG_DI_FRAIS, ""));
    assert_false(mg_di_code_known(MG_DI_FRAIS, NULL));
    assert_false(mg_di_code_known(MG_DI_PUBLICS, "gratuit"));
    assert_false(mg_di_code_known(MG_DI_LIST_COUNT, "gratuit"));
    assert_null(mg_di_code_label(MG_DI_FRAIS, "inconnu"));
    assert_null(mg_di_list_file(MG_DI_LIST_COUNT));

    char bad[64];
    assert_true(mg_di_codes_known(MG_DI_MODES_ACCUEIL, "a-distance,en-presentiel", bad, sizeof bad));
    assert_string_equal(bad, "");
    assert_true(mg_di_codes_known(MG_DI_MODES_ACCUEIL, NULL, bad, sizeof bad));
    assert_false(mg_di_codes_known(MG_DI_MODES_ACCUEIL, "a-distance,ailleurs", bad, sizeof bad));
    assert_string_equal(bad, "ailleurs");
    assert_false(mg_di_codes_known(MG_DI_MODES_ACCUEIL, "a-distance,,en-presentiel", bad, sizeof bad));
    assert_string_equal(bad, "");
    assert_false(mg_di_codes_known(MG_DI_MODES_ACCUEIL, "a-distance, en-presentiel", bad, sizeof bad));
    assert_string_equal(bad, " en-presentiel");
    assert_false(mg_di_codes_known(MG_DI_MODES_ACCUEIL, "a-distance,a-distance", bad, sizeof bad));
    assert_string_equal(bad, "a-distance");
    assert_false(mg_di_codes_known(MG_DI_MODES_ACCUEIL, "a-distance,", bad, sizeof bad));
    char tiny[4];
    assert_false(mg_di_codes_known(MG_DI_MODES_ACCUEIL, "ailleurs", tiny, sizeof tiny));
    assert_string_equal(tiny, "ail");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_equal_files),
        cmocka_unit_test(test_lists_equal_schema_enums),
        cmocka_unit_test(test_lookups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
