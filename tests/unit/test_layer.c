/*
 * Layers (diagnosis/layer.h) on the real Aude: descriptors read with their
 * errors named by line and column; the CSV mapped to communes (former codes
 * too), rows of other départements counted and skipped, each error naming
 * the file, line and column; the bundled example layer agreeing with the
 * populations it was written from.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnosis/layer.h"
#include "aude_fixture.h"

static const char DESC[] = "# a test layer\n"
                           "nom = Zonage de test\n"
                           "annee = 2023\n"
                           "source = essai\n"
                           "fichier = z.csv\n"
                           "colonne_valeur = zonage\n"
                           "classes = ZIP, ZAC, hors zonage\n";

static void test_descriptor(void **state)
{
    (void)state;
    mg_layer_desc desc;
    mg_diag d = {{0}};
    assert_int_equal(mg_layer_parse_descriptor(DESC, strlen(DESC), "t.layer", &desc, &d), MG_OK);
    assert_string_equal(desc.label, "Zonage de test");
    assert_string_equal(desc.year, "2023");
    assert_string_equal(desc.code_column, "code");
    assert_string_equal(desc.value_column, "zonage");
    assert_int_equal(desc.sep, ';');
    assert_int_equal(desc.nclasses, 3);
    assert_string_equal(desc.classes[2], "hors zonage");
    assert_false(desc.numeric);

    static const struct {
        const char *text, *where, *what;
    } bad[] = {
        {"nom = a\nannee = 23\n", "t.layer:2:9", "four digits"},
        {"nom = a\nnoms = b\n", "t.layer:2:1", "unknown key"},
        {"nom = a\nnom = b\n", "t.layer:2:1", "twice"},
        {"nom = a\njust text\n", "t.layer:2:1", "key = value"},
        {"nom = a\nannee = 2020\nsource = s\n", "t.layer", "\"fichier\" is missing"},
        {"nom = a\nclasses = a, , b\n", "t.layer:2:14", "empty class"},
        {"nom = a\nclasses = a, b, a\n", "t.layer:2", "twice"},
        {"nom = a\nclasses = 1,2,3,4,5,6,7,8,9\n", "t.layer:2", "more than 8"},
        {"nom = a\nseparateur = :\n", "t.layer:2:14", "; , | or tab"},
        {"nom = a\ntype = texte\n", "t.layer:2:8", "classes or nombre"},
        {"nom = a\nannee = 2020\nsource = s\nfichier = f\ntype = nombre\nclasses = a\n",
         "t.layer", "not nombre"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        d = (mg_diag){{0}};
        assert_int_equal(mg_layer_parse_descriptor(bad[k].text, strlen(bad[k].text), "t.layer",
                                                   &desc, &d),
                         MG_EPARSE);
        if (!strstr(d.msg, bad[k].what))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bad[k].text, d.msg, bad[k].what);
        /* "FILE:LINE:COL: text": the position first. */
        if (strncmp(d.msg, bad[k].where, strlen(bad[k].where)) != 0)
            fail_msg("%s: \"%s\" is not at %s", bad[k].text, d.msg, bad[k].where);
    }
}

static mg_layer_desc desc_of(const char *text)
{
    mg_layer_desc desc;
    mg_diag d = {{0}};
    assert_int_equal(mg_layer_parse_descriptor(text, strlen(text), "t.layer", &desc, &d), MG_OK);
    return desc;
}

static void test_load(void **state)
{
    (void)state;
    const mg_territory *t = g->t;
    mg_layer_desc desc = desc_of(DESC);
    /* Carcassonne, Castelnaudary, a Hérault commune (skipped), an empty value. */
    const char csv[] = "code;zonage\n11069;ZAC\n11076;ZIP\n34172;ZIP\n11262;\n";
    mg_layer *l = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_layer_load_mem(t, &desc, "zonage", csv, strlen(csv), "z.csv", &l, &d),
                     MG_OK);
    assert_int_equal(l->rows, 4);
    assert_int_equal(l->outside, 1);
    assert_int_equal(l->valued, 2);
    long carcassonne = mg_territory_find(t, "11069"), castel = mg_territory_find(t, "11076");
    assert_int_equal(l->cls[carcassonne], 1);
    assert_int_equal(l->cls[castel], 0);
    assert_int_equal(l->cls[mg_territory_find(t, "11262")], -1);
    char buf[64];
    assert_string_equal(mg_layer_text(l, (size_t)carcassonne, buf, sizeof buf), "ZAC");
    mg_layer_free(l);

    static const struct {
        const char *csv, *where, *what;
    } bad[] = {
        {"code;zonage\n11069;ZIP\n99999;ZIP\n", "z.csv:3:1", "not the INSEE code"},
        {"code;zonage\n11069;ZIP\n11069;ZAC\n", "z.csv:3:1", "twice"},
        {"code;zonage\n11069;autre\n", "z.csv:2:7", "not one of the layer's classes"},
        {"code,zonage\n11069,ZIP\n", "z.csv:1", "missing column"},
        {"code;zonage\n34172;ZIP\n", "z.csv", "no commune of the study territory"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        d = (mg_diag){{0}};
        l = NULL;
        assert_int_not_equal(mg_layer_load_mem(t, &desc, "zonage", bad[k].csv,
                                               strlen(bad[k].csv), "z.csv", &l, &d),
                             MG_OK);
        assert_null(l);
        if (!strstr(d.msg, bad[k].what))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bad[k].csv, d.msg, bad[k].what);
        if (strncmp(d.msg, bad[k].where, strlen(bad[k].where)) != 0)
            fail_msg("%s: \"%s\" is not at %s", bad[k].csv, d.msg, bad[k].where);
    }

    /* A number layer: French decimals, a refused word. */
    mg_layer_desc num = desc_of("nom = n\nannee = 2022\nsource = s\nfichier = f\ntype = nombre\n");
    const char ncsv[] = "code;valeur\n11069;1,5\n11076;2.25\n";
    assert_int_equal(mg_layer_load_mem(t, &num, "n", ncsv, strlen(ncsv), "n.csv", &l, &d), MG_OK);
    assert_true(fabs(l->value[carcassonne] - 1.5) < 1e-12);
    assert_true(fabs(l->value[castel] - 2.25) < 1e-12);
    assert_string_equal(mg_layer_text(l, (size_t)carcassonne, buf, sizeof buf), "1,5");
    mg_layer_free(l);
    const char nbad[] = "code;valeur\n11069;beaucoup\n";
    d = (mg_diag){{0}};
    assert_int_equal(mg_layer_load_mem(t, &num, "n", nbad, strlen(nbad), "n.csv", &l, &d),
                     MG_EPARSE);
    assert_true(strncmp(d.msg, "n.csv:2:7:", 10) == 0);
}

/* The bundled example: every study commune classed, by its population. */
static void test_example_layer(void **state)
{
    (void)state;
    const mg_territory *t = g->t;
    mg_layer *l = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_layer_load(t, MG_SOURCE_DIR "/data/demo/layers/typologie-exemple.layer",
                                   &l, &d),
                     MG_OK);
    assert_string_equal(l->key, "typologie-exemple");
    assert_int_equal(l->valued, g->study_n);
    for (size_t k = 0; k < g->study_n; k++) {
        size_t i = g->study[k];
        double pop = t->population[i];
        int want = pop >= 10000 ? 0 : pop >= 2000 ? 1 : 2;
        if (l->cls[i] != want)
            fail_msg("%s (%s, %.0f inhabitants): class %d, expected %d", t->name[i], t->code[i],
                     pop, l->cls[i], want);
    }
    mg_layer_free(l);
    d = (mg_diag){{0}};
    assert_int_equal(mg_layer_load(t, MG_SOURCE_DIR "/data/demo/layers/none.layer", &l, &d),
                     MG_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_example_layer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
