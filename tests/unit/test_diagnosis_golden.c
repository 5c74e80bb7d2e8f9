/*
 * A golden diagnosis computed by hand. The test writes a bundle (a DREES
 * APL file for three communes) and a France folder (communes.json,
 * epci.json, La Poste and BPE files, one GP filed under a former code) and a
 * from,to,minutes matrix, runs mg_diagnosis_load with 1,000 acts per GP and
 * checks the APL of every commune against the arithmetic of the method,
 * then the summary figures (weighted mean, population below a threshold,
 * Gini, Theil and its EPCI decomposition, agreement with the official
 * values), other measures, the crow-fly pipeline's conservation of supply,
 * and the errors of a bad setting or a bad file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diagnosis/diagnosis.h"
#include "diagnosis/summary.h"

static char tmpdir[256], bundle[300], france[300], matrix[300];

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    size_t len = strlen(text);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/*
 * The territory: A = 11001, B = 11002, C = 11003 (former code 11900), in
 * the study; D = 11004 outside it, with a GP of its own and no road to the
 * others. Legal populations 1100, 480, 2100, 300; standardised 1000, 500,
 * 2000. GPs: A 1, B 0, C 1 + 1 under the former code, D 1, and 3 under a
 * code nobody knows. A and B form one EPCI, C another.
 */
static const char communes_json[] =
    "[\n"
    "{\"code\":\"11001\",\"nom\":\"Alpha\",\"departement\":\"11\",\"region\":\"76\","
    "\"type\":\"commune-actuelle\",\"population\":1100},\n"
    "{\"code\":\"11002\",\"nom\":\"Bravo\",\"departement\":\"11\",\"region\":\"76\","
    "\"type\":\"commune-actuelle\",\"population\":480},\n"
    "{\"code\":\"11003\",\"nom\":\"Charlie\",\"departement\":\"11\",\"region\":\"76\","
    "\"type\":\"commune-actuelle\",\"anciensCodes\":[\"11900\"],\"population\":2100},\n"
    "{\"code\":\"11900\",\"nom\":\"Charlie-Vieux\",\"type\":\"commune-deleguee\","
    "\"chefLieu\":\"11003\",\"departement\":\"11\",\"region\":\"76\"},\n"
    "{\"code\":\"11004\",\"nom\":\"Delta\",\"departement\":\"11\",\"region\":\"76\","
    "\"type\":\"commune-actuelle\",\"population\":300}\n"
    "]\n";

static const char epci_json[] =
    "[\n"
    "{\"code\":\"200035715\",\"nom\":\"CC Alpha-Bravo\",\"type\":\"CC\",\"membres\":["
    "{\"code\":\"11001\",\"nom\":\"Alpha\"},{\"code\":\"11002\",\"nom\":\"Bravo\"}]},\n"
    "{\"code\":\"200043016\",\"nom\":\"CC Charlie\",\"type\":\"CC\",\"membres\":["
    "{\"code\":\"11003\",\"nom\":\"Charlie\"}]}\n"
    "]\n";

static const char laposte_csv[] =
    "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps\n"
    "11001;ALPHA;11000;;ALPHA;43.20,2.30\n"
    "11002;BRAVO;11000;;BRAVO;43.27,2.33\n"
    "11003;CHARLIE;11000;;CHARLIE;43.31,2.38\n"
    "11004;DELTA;11000;;DELTA;44.50,3.50\n";

static const char bpe_csv[] =
    "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP\n"
    "76;11;11001;11001;2019;D201;1\n"
    "76;11;11001;11001;2019;D232;4\n"
    "76;11;11003;11003;2019;D201;1\n"
    "76;11;11900;11900;2019;D201;1\n"
    "76;11;11004;11004;2019;D201;1\n"
    "76;11;11777;11777;2019;D201;3\n"
    "76;11;11002;11002;2019;D233;2\n";

static const char drees_csv[] =
    "Code commune,Libellé de la commune,Population totale,"
    "APL aux médecins généralistes (sans borne d'âge),"
    "APL aux médecins généralistes de 65 ans et moins,"
    "APL aux médecins généralistes de 62 ans et moins,"
    "Population standardisée par la consommation de soins par tranche d'âge\n"
    "11001,Alpha,1100,0.85,0.8,0.7,1000\n"
    "11002,Bravo,480,1.1,1.0,0.9,500\n"
    "11003,Charlie,2100,0.75,0.7,0.6,2000\n";

/* Times A–B 12, B–C 8, A–C 18 minutes, both ways; a self row is ignored. */
static const char matrix_csv[] =
    "from,to,minutes\n"
    "11001,11002,12\n11002,11001,12\n"
    "11002,11003,8\n11003,11002,8\n"
    "11001,11003,18\n11003,11001,18\n"
    "11001,11001,3\n";

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mg-test-golden-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(bundle, sizeof bundle, "%s/11-test", tmpdir);
    snprintf(france, sizeof france, "%s/france", tmpdir);
    snprintf(matrix, sizeof matrix, "%s/matrix.csv", tmpdir);
    if (mkdir(bundle, 0700) != 0 || mkdir(france, 0700) != 0)
        return -1;
    write_file(bundle, "apl_mg_2021.csv", drees_csv);
    write_file(france, "communes.json", communes_json);
    write_file(france, "epci.json", epci_json);
    write_file(france, "laposte_hexasmal_2020.csv", laposte_csv);
    write_file(france, "bpe19_ensemble_sante.csv", bpe_csv);
    write_file(tmpdir, "matrix.csv", matrix_csv);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_remove_tree(tmpdir);
    return 0;
}

static mg_diagnosis_opts golden_opts(void)
{
    mg_diagnosis_opts o = mg_diagnosis_defaults();
    o.bundle = bundle;
    o.france = france;
    o.matrix = matrix;
    o.supply_per_head = 1000;
    /* The arithmetic below is the method's with sharp steps, 1.3 × 60 km/h
     * and the same activity everywhere: the model before calibration. The
     * calibrated defaults are checked against an independent computation
     * (tests/cli/aude_reference.sh) and in test_calibrate. */
    mg_model m = mg_model_uncalibrated();
    mg_diagnosis_set_model(&o, &m);
    o.model_explicit = true;
    return o;
}

static mg_diagnosis *load_golden(void)
{
    mg_diagnosis_opts o = golden_opts();
    mg_diagnosis *g = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_diagnosis_load(&g, &o, NULL, NULL, &d);
    if (rc != MG_OK)
        fail_msg("mg_diagnosis_load: %d %s", rc, d.msg);
    assert_non_null(g);
    return g;
}

/* The hand-computed APL of the three communes (DREES weights 12 → 0.66,
 * 18 → 0.33, 8 → 1, 0 → 1; supply 1000, 0, 2000 acts; demand 1000, 500,
 * 2000):
 *   D_A = 1000 + 0.66·500 + 0.33·2000 = 1990, R_A = 1000/1990
 *   D_C = 0.33·1000 + 500 + 2000      = 2830, R_C = 2000/2830 */
#define APL_A (1000.0 / 1990 + 0.33 * 2000 / 2830)
#define APL_B (0.66 * 1000 / 1990 + 1.0 * 2000 / 2830)
#define APL_C (0.33 * 1000 / 1990 + 1.0 * 2000 / 2830)

static void test_golden_apl(void **state)
{
    (void)state;
    mg_diagnosis *g = load_golden();
    const mg_territory *t = g->t;
    assert_int_equal(t->n, 4);
    assert_string_equal(g->prof->key, "mg");
    /* Inputs as the method takes them. */
    const double heads[] = {1, 0, 2, 1};
    const double supply[] = {1000, 0, 2000, 1000};
    const double demand[] = {1000, 500, 2000, 300}; /* D: legal population */
    for (size_t i = 0; i < 4; i++) {
        assert_true(g->heads[i] == heads[i]);
        assert_true(g->supply[i] == supply[i]);
        assert_true(g->demand[i] == demand[i]);
    }
    assert_true(g->unmapped_heads == 3);
    assert_int_equal(g->study_n, 3);
    for (size_t k = 0; k < 3; k++)
        assert_int_equal(g->study[k], k);
    assert_int_equal(t->in_study[3], 0);
    /* The matrix: A's own row at 0 minutes despite the file's 3. */
    assert_int_equal(g->pairs.npairs, 10);
    assert_int_equal(g->pairs.to[0], 0);
    assert_true(g->pairs.minutes[0] == 0);

    assert_close(g->apl[0], APL_A, 1e-9);
    assert_close(g->apl[1], APL_B, 1e-9);
    assert_close(g->apl[2], APL_C, 1e-9);
    /* D serves only itself: 1000 acts for 300 people. */
    assert_close(g->apl[3], 1000.0 / 300, 1e-9);
    /* Official values, the column without age limit. */
    assert_true(g->official[0] == 0.85 && g->official[1] == 1.1 && g->official[2] == 0.75);
    assert_true(isnan(g->official[3]));
    assert_int_equal(g->official_age, MG_AGE_NONE);
    assert_non_null(g->official_column);
    assert_non_null(strstr(g->official_column, "sans borne"));
    mg_diagnosis_free(g);

    /* The 65-and-under column on request. */
    mg_diagnosis_opts o = golden_opts();
    o.official_age = MG_AGE_65;
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_diagnosis_load(&g, &o, NULL, NULL, &d), MG_OK);
    assert_int_equal(g->official_age, MG_AGE_65);
    assert_true(g->official[0] == 0.8 && g->official[2] == 0.7);
    assert_close(g->apl[1], APL_B, 1e-9);
    mg_diagnosis_free(g);

    /* Without neighbours D's supply and demand are ignored: nothing changes
     * in the study, and D gets nothing. */
    o = golden_opts();
    o.neighbours = false;
    mg_diag_clear(&d);
    assert_int_equal(mg_diagnosis_load(&g, &o, NULL, NULL, &d), MG_OK);
    assert_true(g->supply[3] == 0 && g->demand[3] == 0);
    assert_close(g->apl[0], APL_A, 1e-9);
    assert_close(g->apl[2], APL_C, 1e-9);
    assert_true(g->apl[3] == 0);
    mg_diagnosis_free(g);

    /* Another step profile: 10:1,20:0.5 → A–B and A–C at 0.5. */
    o = golden_opts();
    o.steps = "10:1,20:0.5";
    mg_diag_clear(&d);
    assert_int_equal(mg_diagnosis_load(&g, &o, NULL, NULL, &d), MG_OK);
    double da = 1000 + 0.5 * 500 + 0.5 * 2000, dc = 0.5 * 1000 + 500 + 2000;
    assert_close(g->apl[0], 1000 / da + 0.5 * 2000 / dc, 1e-9);
    assert_close(g->apl[1], 0.5 * 1000 / da + 2000 / dc, 1e-9);
    assert_close(g->apl[2], 0.5 * 1000 / da + 2000 / dc, 1e-9);
    mg_diagnosis_free(g);
}

/* Weighted Theil T of n values, by the definition. */
static double theil(const double *x, const double *w, size_t n)
{
    double sw = 0, swx = 0;
    for (size_t i = 0; i < n; i++) {
        sw += w[i];
        swx += w[i] * x[i];
    }
    double mu = swx / sw, s = 0;
    for (size_t i = 0; i < n; i++)
        s += w[i] * x[i] * log(x[i] / mu);
    return s / (sw * mu);
}

static void test_golden_summary(void **state)
{
    (void)state;
    mg_diagnosis *g = load_golden();
    const double x[] = {APL_A, APL_B, APL_C}, w[] = {1000, 500, 2000};
    const double off[] = {0.85, 1.1, 0.75};
    mg_summary s;
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_summary_compute(g, g->apl, g->official, 0.8, &s, &d), MG_OK);
    const mg_area_summary *a = &s.territory;
    assert_int_equal(a->communes, 3);
    assert_true(a->population == 1100 + 480 + 2100);
    assert_true(a->demand == 3500);
    /* The weighted mean is total supply over total demand: every act of A
     * and C is consumed inside the study (Σ P·A = Σ S). */
    assert_close(a->mean, (1000 * APL_A + 500 * APL_B + 2000 * APL_C) / 3500, 1e-12);
    assert_close(a->mean, 3000.0 / 3500, 1e-12);
    assert_close(a->min, APL_A, 1e-12);
    assert_close(a->max, APL_B, 1e-12);
    assert_close(a->official_mean, (1000 * 0.85 + 500 * 1.1 + 2000 * 0.75) / 3500, 1e-12);
    /* Below 0.8: only A (0.7357…); B 1.038…, C 0.8725… are above. */
    assert_true(APL_A < 0.8 && APL_B > 0.8 && APL_C > 0.8);
    assert_true(a->below_population == 1100);
    assert_close(a->below_share, 1000.0 / 3500, 1e-12);
    assert_close(a->fgt1, 1000 * (0.8 - APL_A) / 0.8 / 3500, 1e-12);
    /* Gini: Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ). */
    double gsum = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            gsum += w[i] * w[j] * fabs(x[i] - x[j]);
    assert_close(a->gini, gsum / (2 * 3500.0 * 3500.0 * (3000.0 / 3500)), 1e-12);
    /* Theil and its split by EPCI: {A, B} and {C}. */
    double t_all = theil(x, w, 3);
    assert_close(a->theil, t_all, 1e-12);
    double mu = 3000.0 / 3500, mu1 = (1000 * APL_A + 500 * APL_B) / 1500, mu2 = APL_C;
    double s1 = (1000 * APL_A + 500 * APL_B) / 3000, s2 = 2000 * APL_C / 3000;
    double between = s1 * log(mu1 / mu) + s2 * log(mu2 / mu);
    double within = s1 * theil(x, w, 2) + s2 * 0;
    assert_close(s.theil_between, between, 1e-12);
    assert_close(s.theil_within, within, 1e-12);
    assert_close(s.theil_between + s.theil_within, a->theil, 1e-12);
    /* D9/D1 and Palma over people: sorted A (1000), C (2000), B (500). */
    assert_close(a->d9d1, APL_B / APL_A, 1e-12);
    assert_close(a->palma, 350 * APL_B / (1000 * APL_A + 400 * APL_C), 1e-12);

    /* Groups. */
    assert_int_equal(s.nepci, 2);
    assert_string_equal(s.epci[0].code, "200035715");
    assert_string_equal(s.epci[0].name, "CC Alpha-Bravo");
    assert_int_equal(s.epci[0].communes, 2);
    assert_close(s.epci[0].mean, mu1, 1e-12);
    assert_true(s.epci[0].population == 1580);
    assert_string_equal(s.epci[1].code, "200043016");
    assert_close(s.epci[1].mean, APL_C, 1e-12);
    assert_close(s.epci[1].theil, 0, 1e-15);
    assert_int_equal(s.ndep, 1);
    assert_string_equal(s.dep[0].code, "11");
    assert_close(s.dep[0].mean, a->mean, 1e-12);

    /* Agreement with the official values. */
    assert_int_equal(s.compared, 3);
    assert_close(s.mae, (fabs(APL_A - off[0]) + fabs(APL_B - off[1]) + fabs(APL_C - off[2])) / 3,
                 1e-9);
    /* Ranks: ours A < C < B, official C < A < B: Σd² = 2, ρ = 1 − 6·2/24. */
    assert_close(s.spearman, 0.5, 1e-12);
    /* Below 0.8: ours A only, official C only (A's 0.85 is above). */
    assert_int_equal(s.confusion.both_below, 0);
    assert_int_equal(s.confusion.only_a_below, 1);
    assert_int_equal(s.confusion.only_b_below, 1);
    assert_int_equal(s.confusion.both_above, 1);
    mg_summary_free(&s);

    /* The profession's threshold of 2.5: everybody is below it. */
    mg_diag_clear(&d);
    assert_int_equal(mg_summary_compute(g, g->apl, NULL, 2.5, &s, &d), MG_OK);
    assert_true(s.territory.below_population == 3680);
    assert_close(s.territory.below_share, 1.0, 1e-15);
    assert_close(s.territory.fgt1,
                 (1000 * (2.5 - APL_A) + 500 * (2.5 - APL_B) + 2000 * (2.5 - APL_C)) / 2.5 / 3500,
                 1e-12);
    assert_true(isnan(s.territory.official_mean));
    assert_int_equal(s.compared, 0);
    mg_summary_free(&s);

    /* No threshold: no under-served figures. */
    mg_diag_clear(&d);
    assert_int_equal(mg_summary_compute(g, g->apl, g->official, NAN, &s, &d), MG_OK);
    assert_true(isnan(s.territory.below_population) && isnan(s.territory.below_share));
    assert_close(s.territory.mean, 3000.0 / 3500, 1e-12);
    mg_summary_free(&s);
    mg_diagnosis_free(g);
}

static void test_golden_measures(void **state)
{
    (void)state;
    mg_diagnosis *g = load_golden();
    double out[4];
    mg_diag d;
    mg_diag_clear(&d);
    /* "apl" is the APL itself. */
    assert_int_equal(mg_diagnosis_measure(g, "apl", out, &d), MG_OK);
    assert_memory_equal(out, g->apl, sizeof out);
    /* Nearest GP: A and C have one, B is 8 minutes from C, D has its own. */
    assert_int_equal(mg_diagnosis_measure(g, "nearest", out, &d), MG_OK);
    assert_true(out[0] == 0 && out[1] == 8 && out[2] == 0 && out[3] == 0);
    /* GPs within 20 minutes, in heads: A, B, C reach 1 + 0 + 2. */
    assert_int_equal(mg_diagnosis_measure(g, "cumulative", out, &d), MG_OK);
    assert_true(out[0] == 3 && out[1] == 3 && out[2] == 3 && out[3] == 1);
    /* Binary 2SFCA within 20 minutes: (1000 + 2000) / 3500 everywhere. */
    assert_int_equal(mg_diagnosis_measure(g, "2sfca", out, &d), MG_OK);
    for (int i = 0; i < 3; i++)
        assert_close(out[i], 3000.0 / 3500, 1e-12);
    mg_diag_clear(&d);
    assert_int_equal(mg_diagnosis_measure(g, "nope", out, &d), MG_EINVAL);
    assert_true(d.msg[0] != '\0');
    mg_diagnosis_free(g);
}

static void progress(void *ctx, const char *step, double fraction)
{
    double *last = ctx;
    assert_non_null(step);
    assert_true(fraction >= *last && fraction <= 1);
    *last = fraction;
}

static void test_golden_crowfly(void **state)
{
    (void)state;
    /* The crow-fly model on the same inputs: every commune has a point and
     * positive demand, so a pass preserves total supply over all communes
     * (D's GP included). */
    mg_diagnosis_opts o = golden_opts();
    o.matrix = NULL;
    mg_diagnosis *g = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    double last = 0;
    int rc = mg_diagnosis_load(&g, &o, progress, &last, &d);
    if (rc != MG_OK)
        fail_msg("crow-fly: %d %s", rc, d.msg);
    assert_close(last, 1.0, 0);
    double pa = 0, s = 0;
    for (size_t i = 0; i < g->t->n; i++) {
        pa += g->demand[i] * g->apl[i];
        s += g->supply[i];
    }
    assert_close(s, 4000, 0);
    assert_close(pa, s, 1e-9);
    /* A–B ≈ 8 km: about 10 minutes at 1.3 × 60 km/h; D is far from all. */
    assert_int_equal(g->pairs.start[4] - g->pairs.start[3], 1);
    assert_close(g->apl[3], 1000.0 / 300, 1e-9);
    mg_diagnosis_free(g);
}

static void test_golden_errors(void **state)
{
    (void)state;
    mg_diagnosis *g;
    mg_diag d;
    int rc;

    /* A bad row in the matrix: the file and line are named. */
    char bad_matrix[400];
    snprintf(bad_matrix, sizeof bad_matrix, "%s/bad_matrix.csv", tmpdir);
    write_file(tmpdir, "bad_matrix.csv", "from,to,minutes\n11001,11002,12\n11002,11003,huit\n");
    mg_diagnosis_opts o = golden_opts();
    o.matrix = bad_matrix;
    g = (mg_diagnosis *)&rc;
    mg_diag_clear(&d);
    assert_int_equal(mg_diagnosis_load(&g, &o, NULL, NULL, &d), MG_EPARSE);
    assert_null(g);
    assert_msg_has(d, "bad_matrix.csv:3:");

    o = golden_opts();
    o.profession = "vet";
    mg_diag_clear(&d);
    assert_int_equal(mg_diagnosis_load(&g, &o, NULL, NULL, &d), MG_EINVAL);
    assert_null(g);
    assert_msg_has(d, "vet");

    o = golden_opts();
    o.steps = "10:1,30:0.5"; /* beyond the 20-minute table */
    mg_diag_clear(&d);
    assert_int_equal(mg_diagnosis_load(&g, &o, NULL, NULL, &d), MG_EINVAL);
    assert_null(g);

    o = golden_opts();
    o.supply_per_head = -1;
    mg_diag_clear(&d);
    assert_int_equal(mg_diagnosis_load(&g, &o, NULL, NULL, &d), MG_EINVAL);
    assert_null(g);

    o = golden_opts();
    char nowhere[400];
    snprintf(nowhere, sizeof nowhere, "%s/nowhere", tmpdir);
    o.france = nowhere;
    mg_diag_clear(&d);
    assert_int_equal(mg_diagnosis_load(&g, &o, NULL, NULL, &d), MG_ENOTFOUND);
    assert_null(g);
    assert_msg_has(d, "nowhere");

    /* A bundle without DREES file nor contours has no study territory. */
    o = golden_opts();
    o.bundle = france;
    mg_diag_clear(&d);
    assert_int_equal(mg_diagnosis_load(&g, &o, NULL, NULL, &d), MG_ENOTFOUND);
    assert_null(g);

    /* A broken BPE file in the France folder. */
    char france2[400];
    snprintf(france2, sizeof france2, "%s/france2", tmpdir);
    assert_int_equal(mkdir(france2, 0700), 0);
    write_file(france2, "communes.json", communes_json);
    write_file(france2, "epci.json", epci_json);
    write_file(france2, "laposte_hexasmal_2020.csv", laposte_csv);
    write_file(france2, "bpe19_ensemble_sante.csv",
               "REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;NB_EQUIP\n76;11;11001;11001;2019;D201;un\n");
    o = golden_opts();
    o.france = france2;
    mg_diag_clear(&d);
    rc = mg_diagnosis_load(&g, &o, NULL, NULL, &d);
    assert_int_equal(rc, MG_EPARSE);
    assert_null(g);
    assert_msg_has(d, "bpe19_ensemble_sante.csv:2:");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_apl),
        cmocka_unit_test(test_golden_summary),
        cmocka_unit_test(test_golden_measures),
        cmocka_unit_test(test_golden_crowfly),
        cmocka_unit_test(test_golden_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
