/*
 * Unit tests of the zones mode (access/zones.h, diagnosis/zones_summary.h):
 * every measure and every figure on small examples computed by hand in the
 * comments, with each intermediate value; then the reading errors, each
 * naming its file, line and column. Tolerance: 1e-12 absolute on values of
 * order 0.01 to 15 (the hand values are exact fractions or closed forms
 * evaluated to 17 digits; the code sums in a different order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "access/zones.h"
#include "diagnosis/zones_summary.h"
#include "testutil.h"

#define TOL 1e-12

TEST_TMPDIR_FIXTURE("zones")

/*
 * The example of every measure (the same files as tests/data/zones): five
 * zones, supply S (doctors) and demand P (population):
 *
 *   zone  P    S   district
 *   A     100  0   north
 *   B     50   10  north
 *   C     200  0   south
 *   D     0    5   south
 *   E     30   0   south      (no row in the matrix)
 *
 * and the matrix below, read with a 20-minute cutoff, inclusive:
 *   A: A 0, B 10, C 20          (A→D 25 is beyond the cutoff: dropped)
 *   B: A 5, B 2, C 15           (B's time to itself is the matrix's, 2)
 *   C: A 20, B 15, C 0, D 5     (C→C absent: 0)
 *   D: B 20, C 5, D 0           (D→B at exactly 20 is kept)
 *   E: E 0                      (absent: 0)
 * so 3 + 3 + 4 + 3 + 1 = 14 pairs.
 */
static const char zones_csv[] = "id,population,doctors,district,households\n"
                                "A,100,0,north,40\n"
                                "B,50,10,north,20\n"
                                "C,200,0,south,90\n"
                                "D,0,5,south,0\n"
                                "E,30,0,south,10\n";
static const char matrix_csv[] = "from,to,minutes\n"
                                 "A,A,0\nA,B,10\nA,C,20\nA,D,25\n"
                                 "B,A,5\nB,B,2\nB,C,15\n"
                                 "C,A,20\nC,B,15\nC,D,5\n"
                                 "D,B,20\nD,C,5\n";

typedef struct example {
    mg_zones z;
    mg_pairs p;
} example;

static void example_load(example *e)
{
    char zp[512], mp[512];
    mg_diag d = {{0}};
    mg_zones_columns cols = {"id", "doctors", "population", NULL, "district"};
    test_write_text(zp, sizeof zp, tmpdir, "zones.csv", zones_csv);
    test_write_text(mp, sizeof mp, tmpdir, "matrix.csv", matrix_csv);
    if (mg_zones_read(&e->z, zp, &cols, &d) || mg_zones_read_matrix(&e->z, mp, 20, &e->p, &d))
        fail_msg("%s", d.msg);
}

static void example_free(example *e)
{
    mg_pairs_free(&e->p);
    mg_zones_free(&e->z);
}

static void compute(const example *e, enum mg_zones_measure m, double out[5])
{
    mg_zones_method meth = mg_zones_method_default();
    mg_diag d = {{0}};
    if (mg_zones_compute(&e->p, e->z.supply, e->z.demand, m, &meth, out, &d))
        fail_msg("%s", d.msg);
}

static void test_read_example(void **state)
{
    (void)state;
    example e = {0};
    example_load(&e);
    assert_int_equal(e.z.n, 5);
    /* Ids are copied with their own length, not another field's. */
    assert_string_equal(e.z.id[0], "A");
    assert_string_equal(e.z.id[4], "E");
    assert_int_equal(mg_zones_find(&e.z, "C"), 2);
    assert_int_equal(mg_zones_find(&e.z, "F"), -1);
    assert_int_equal(e.z.ngroups, 2);
    assert_string_equal(e.z.group_name[e.z.group[3]], "south");
    assert_int_equal(e.p.npairs, 14);
    /* Row B: A 5, B 2 (its own time, from the matrix), C 15. */
    size_t b = e.p.start[1];
    assert_int_equal(e.p.start[2] - b, 3);
    assert_int_equal(e.p.to[b + 1], 1);
    assert_close(e.p.minutes[b + 1], 2, 0);
    /* Row C gets C→C 0 between B and D; row E only itself. */
    size_t c = e.p.start[2];
    assert_int_equal(e.p.to[c + 2], 2);
    assert_close(e.p.minutes[c + 2], 0, 0);
    assert_int_equal(e.p.start[5] - e.p.start[4], 1);
    /* Row A: D (25 > 20) dropped; row D: B at exactly 20 kept. */
    assert_int_equal(e.p.start[1] - e.p.start[0], 3);
    assert_int_equal(e.p.to[e.p.start[3]], 1);
    example_free(&e);
}

/*
 * 2SFCA, binary weights (1 on every pair kept).
 * Step 1, demand reaching each zone with supply:
 *   B: from A 100, B 50, C 200, D 0 → 350;  R_B = 10/350 = 1/35
 *   D: from C 200, D 0 → 200;               R_D = 5/200 = 0.025
 *   (R_A = R_C = R_E = 0: no supply.)
 * Step 2: A reaches A, B, C → 1/35 = 0.028571428571428571
 *         B reaches A, B, C → 1/35
 *         C reaches A, B, C, D → 1/35 + 0.025 = 0.053571428571428571
 *         D reaches B, C, D → the same 0.053571428571428571
 *         E reaches E only → 0
 * Check: Σ P·A = 150/35 + 200·0.0535714… = 15 = Σ S.
 */
static void test_2sfca(void **state)
{
    (void)state;
    example e = {0};
    double a[5];
    example_load(&e);
    compute(&e, MG_ZONES_2SFCA, a);
    assert_close(a[0], 1.0 / 35, TOL);
    assert_close(a[1], 1.0 / 35, TOL);
    assert_close(a[2], 1.0 / 35 + 0.025, TOL);
    assert_close(a[3], 1.0 / 35 + 0.025, TOL);
    assert_close(a[4], 0, 0);
    example_free(&e);
}

/*
 * E2SFCA with the DREES steps (1 below 10 min, 0.66 from 10, 0.33 from 15,
 * 0 from 20):
 *   A→A 0: 1, A→B 10: 0.66, A→C 20: 0
 *   B→A 5: 1, B→B 2: 1, B→C 15: 0.33
 *   C→A 20: 0, C→B 15: 0.33, C→C 0: 1, C→D 5: 1
 *   D→B 20: 0, D→C 5: 1, D→D 0: 1
 * Step 1: D_B = 100·0.66 + 50·1 + 200·0.33 + 0·0 = 66 + 50 + 66 = 182,
 *         R_B = 10/182 = 0.054945054945054945
 *         D_D = 200·1 + 0·1 = 200, R_D = 0.025
 * Step 2: A = 0.66·R_B = 6.6/182 = 0.036263736263736264
 *         B = 1·R_B = 10/182 = 0.054945054945054945
 *         C = 0.33·R_B + 1·R_D = 3.3/182 + 0.025 = 0.043131868131868132
 *         D = 0·R_B + 1·R_D = 0.025;  E = 0
 * Check: Σ P·A = (660 + 500 + 660)/182 + 200·0.025 = 10 + 5 = 15.
 */
static void test_e2sfca(void **state)
{
    (void)state;
    example e = {0};
    double a[5];
    example_load(&e);
    compute(&e, MG_ZONES_E2SFCA, a);
    assert_close(a[0], 6.6 / 182, TOL);
    assert_close(a[1], 10.0 / 182, TOL);
    assert_close(a[2], 3.3 / 182 + 0.025, TOL);
    assert_close(a[3], 0.025, TOL);
    assert_close(a[4], 0, 0);
    example_free(&e);
}

/*
 * BFCA (IPEA), the same step weights w, normalised by row (over every
 * destination the origin reaches) for step 1 and by column (over every
 * origin reaching the destination) for step 2.
 * Row sums: A 1 + 0.66 + 0 = 1.66; B 1 + 1 + 0.33 = 2.33;
 *           C 0 + 0.33 + 1 + 1 = 2.33; D 0 + 1 + 1 = 2; E 1.
 * Column sums: B 0.66 + 1 + 0.33 + 0 = 1.99; D 1 + 1 = 2.
 * Step 1: D'_B = 100·0.66/1.66 + 50·1/2.33 + 200·0.33/2.33 + 0
 *              = 39.759036144578313 + 21.459227467811159 + 28.326180257510730
 *              = 89.544443869900202,  R_B = 10/D'_B = 0.11167638736501703
 *         D'_D = 200·1/2.33 + 0·1/2 = 85.836909871244635,
 *              R_D = 5·2.33/200 = 0.05825
 * Step 2: A = R_B·0.66/1.99 = 0.037038399829603635
 *         B = R_B·1/1.99    = 0.056118787620611573
 *         C = R_B·0.33/1.99 + R_D·1/2 = 0.018519199914801818 + 0.029125
 *           = 0.047644199914801818
 *         D = R_B·0/1.99 + R_D·1/2 = 0.029125;  E = 0
 */
static void test_bfca(void **state)
{
    (void)state;
    example e = {0};
    double a[5];
    example_load(&e);
    compute(&e, MG_ZONES_BFCA, a);
    double rb = 10 / (66 / 1.66 + 50 / 2.33 + 66 / 2.33);
    assert_close(rb, 0.11167638736501703, TOL);
    assert_close(a[0], 0.037038399829603635, TOL);
    assert_close(a[1], 0.056118787620611573, TOL);
    assert_close(a[2], 0.047644199914801818, TOL);
    assert_close(a[3], 0.029125, TOL);
    assert_close(a[4], 0, 0);
    example_free(&e);
}

/*
 * Gravity, Σ_j S_j e^{−0.1 t}, over the pairs kept:
 *   A: 10·e^{−1} = 3.6787944117144233          (D at 25 min is out)
 *   B: 10·e^{−0.2} = 8.1873075307798186        (its own 2 minutes)
 *   C: 10·e^{−1.5} + 5·e^{−0.5} = 2.2313016014842982 + 3.0326532985631671
 *      = 5.2639549000474653
 *   D: 10·e^{−2} + 5·e^{0} = 1.3533528323661270 + 5 = 6.3533528323661270
 *   E: 0
 * Cumulative, Σ_j S_j with t <= 20: A 10, B 10, C 15, D 15 (B at exactly
 * 20 counts), E 0.
 * Nearest, min t over zones with supply: A 10 (B), B 2 (itself), C 5 (D),
 * D 0 (itself), E none (NaN).
 */
static void test_gravity_cumulative_nearest(void **state)
{
    (void)state;
    example e = {0};
    double a[5];
    example_load(&e);
    compute(&e, MG_ZONES_GRAVITY, a);
    assert_close(a[0], 3.6787944117144233, TOL);
    assert_close(a[1], 8.1873075307798186, TOL);
    assert_close(a[2], 5.2639549000474653, TOL);
    assert_close(a[3], 6.3533528323661270, TOL);
    assert_close(a[4], 0, 0);
    compute(&e, MG_ZONES_CUMULATIVE, a);
    double cum[5] = {10, 10, 15, 15, 0};
    for (int i = 0; i < 5; i++)
        assert_close(a[i], cum[i], 0);
    compute(&e, MG_ZONES_NEAREST, a);
    double near[4] = {10, 2, 5, 0};
    for (int i = 0; i < 4; i++)
        assert_close(a[i], near[i], 0);
    assert_true(isnan(a[4]));
    example_free(&e);
}

/*
 * A step profile whose last weight reaches the cutoff: 20:1 with a 20-minute
 * cutoff gives weight 1 below 20 and 0 at 20 (steps are open on the right,
 * as IPEA's decay_stepped), while the binary 2SFCA keeps the pair at 20.
 * D→B at 20 thus counts for 2sfca but not for e2sfca with --steps 20:1:
 * e2sfca(D) = R_D = 5/200 (D reaches D and C only, C has no supply), where
 * R_D's demand is 200 (C→D 5 min) → 0.025; and B's demand is then
 * 100 (A→B 10) + 50 + 200 (C→B 15) = 350.
 */
static void test_steps_open_on_the_right(void **state)
{
    (void)state;
    example e = {0};
    double a[5];
    mg_diag d = {{0}};
    example_load(&e);
    mg_zones_method meth = mg_zones_method_default();
    assert_int_equal(mg_decay_parse_steps("20:1", &meth.steps, &d), 0);
    assert_int_equal(mg_zones_compute(&e.p, e.z.supply, e.z.demand, MG_ZONES_E2SFCA, &meth, a, &d), 0);
    assert_close(a[3], 0.025, TOL);
    assert_close(a[0], 10.0 / 350, TOL);
    example_free(&e);
}

/*
 * The figures on x = (1, 2, 4) with weights (1, 1, 2) in groups (g, g, h),
 * plus a zone without a value (NaN, left out) and one of weight 0:
 *   Σw = 4, Σwx = 1 + 2 + 8 = 11, mean μ = 2.75
 *   Gini = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 (Σw)² μ): the unordered pairs
 *     give 1·1·1 + 1·2·3 + 1·2·2 = 1 + 6 + 4 = 11, ordered 22;
 *     22 / (2·16·2.75) = 22/88 = 0.25
 *   Theil T = Σ w x ln(x/μ) / Σwx
 *     = (1·ln(1/2.75) + 2·ln(2/2.75) + 8·ln(4/2.75)) / 11
 *     = (−1.0116009116784799 − 0.63690746223946 + 2.9975475953)/11
 *     = 0.12263992923779422
 *   groups: g = {1, 2}, μ_g = 1.5, share s_g = 3/11; h = {4}, μ_h = 4,
 *     s_h = 8/11
 *   between = s_g ln(μ_g/μ) + s_h ln(μ_h/μ)
 *     = (3/11)(−0.6061358035703155) + (8/11)(0.3746934494414107)
 *     = 0.10719456225639445
 *   within = s_g T_g + s_h T_h, T_g = (1·ln(1/1.5) + 2·ln(2/1.5))/3
 *     = 0.05663301226513242, T_h = 0 → (3/11)·0.0566330… = 0.01544536698139975
 *   and between + within = total.
 *   FGT, line z = 3 (strictly below): 1 (w 1, gap 2/3) and 2 (w 1, gap
 *     1/3); FGT0 = 2/4 = 0.5, FGT1 = (2/3 + 1/3)/4 = 0.25,
 *     FGT2 = (4/9 + 1/9)/4 = 5/36 = 0.13888888888888889
 */
static void test_figures(void **state)
{
    (void)state;
    double x[5] = {1, 2, 4, NAN, 7};
    double w[5] = {1, 1, 2, 3, 0};
    size_t g[5] = {0, 0, 1, 1, 0};
    mg_zones_figures f;
    mg_diag d = {{0}};
    assert_int_equal(mg_zones_figures_compute(x, w, 5, g, 2, 3, &f, &d), 0);
    assert_int_equal(f.counted, 3);
    assert_close(f.weight, 4, 0);
    assert_close(f.mean, 2.75, TOL);
    assert_close(f.gini, 0.25, TOL);
    assert_close(f.theil, 0.12263992923779422, TOL);
    assert_close(f.theil_between, 0.10719456225639445, TOL);
    assert_close(f.theil_within, 0.01544536698139975, TOL);
    assert_close(f.theil_between + f.theil_within, f.theil, TOL);
    assert_close(f.fgt[0], 0.5, TOL);
    assert_close(f.fgt[1], 0.25, TOL);
    assert_close(f.fgt[2], 5.0 / 36, TOL);
    /* A value exactly on the line is not below it: z = 2 counts only x = 1
     * (gap 1/2): FGT0 = 1/4, FGT1 = 0.5/4 = 0.125, FGT2 = 0.25/4 = 0.0625. */
    assert_int_equal(mg_zones_figures_compute(x, w, 5, NULL, 0, 2, &f, &d), 0);
    assert_close(f.fgt[0], 0.25, TOL);
    assert_close(f.fgt[1], 0.125, TOL);
    assert_close(f.fgt[2], 0.0625, TOL);
    assert_true(isnan(f.theil_between) && isnan(f.theil_within));
}

/* Undefined figures are NaN, not errors: a zero mean (no supply anywhere)
 * has no Gini or Theil; no poverty line, no FGT; no zone counted, nothing. */
static void test_figures_undefined(void **state)
{
    (void)state;
    double x[3] = {0, 0, 0}, w[3] = {1, 2, 3};
    mg_zones_figures f;
    mg_diag d = {{0}};
    assert_int_equal(mg_zones_figures_compute(x, w, 3, NULL, 0, NAN, &f, &d), 0);
    assert_close(f.mean, 0, 0);
    assert_true(isnan(f.gini) && isnan(f.theil) && isnan(f.fgt[0]));
    double nan3[3] = {NAN, NAN, NAN};
    assert_int_equal(mg_zones_figures_compute(nan3, w, 3, NULL, 0, 1, &f, &d), 0);
    assert_int_equal(f.counted, 0);
    assert_true(isnan(f.mean) && isnan(f.fgt[1]));
    double bad[3] = {1, -1, 1};
    assert_int_equal(mg_zones_figures_compute(x, bad, 3, NULL, 0, NAN, &f, &d), MG_EINVAL);
    assert_int_equal(mg_zones_figures_compute(x, w, 3, NULL, 0, -1, &f, &d), MG_EINVAL);
}

/*
 * A zone's time to itself is the matrix's: beyond the cutoff, the zone does
 * not reach itself. Zones A (P 10, S 0) and B (P 30, S 6), matrix A→A 25,
 * A→B 5, B→B 1 at a 20-minute cutoff: row A is {B 5} only, row B {B 1}.
 * 2SFCA: R_B = 6 / (10 + 30) = 0.15; A = R_B = 0.15, B = 0.15.
 * Nearest: A 5 (B; A has no supply anyway), B 1 (itself, the matrix's 1
 * minute, not 0).
 */
static void test_self_time_beyond_cutoff(void **state)
{
    (void)state;
    char zp[512], mp[512];
    mg_zones z;
    mg_pairs p;
    mg_diag d = {{0}};
    mg_zones_columns cols = {"id", "S", "P", NULL, NULL};
    test_write_text(zp, sizeof zp, tmpdir, "self-zones.csv", "id,P,S\nA,10,0\nB,30,6\n");
    test_write_text(mp, sizeof mp, tmpdir, "self-matrix.csv", "from,to,minutes\nA,A,25\nA,B,5\nB,B,1\n");
    if (mg_zones_read(&z, zp, &cols, &d) || mg_zones_read_matrix(&z, mp, 20, &p, &d))
        fail_msg("%s", d.msg);
    assert_int_equal(p.npairs, 2);
    assert_int_equal(p.start[1], 1);
    assert_int_equal(p.to[0], 1);
    double a[2];
    mg_zones_method meth = mg_zones_method_default();
    assert_int_equal(mg_zones_compute(&p, z.supply, z.demand, MG_ZONES_2SFCA, &meth, a, &d), 0);
    assert_close(a[0], 0.15, TOL);
    assert_close(a[1], 0.15, TOL);
    assert_int_equal(mg_zones_compute(&p, z.supply, z.demand, MG_ZONES_NEAREST, &meth, a, &d), 0);
    assert_close(a[0], 5, 0);
    assert_close(a[1], 1, 0);
    mg_pairs_free(&p);
    mg_zones_free(&z);
}

/* Reads zones text; returns the code and leaves the message in d. */
static int read_zones_text(const char *text, const mg_zones_columns *cols, mg_diag *d)
{
    char path[512];
    mg_zones z;
    test_write_text(path, sizeof path, tmpdir, "bad-zones.csv", text);
    int rc = mg_zones_read(&z, path, cols, d);
    if (rc == MG_OK)
        mg_zones_free(&z);
    return rc;
}

static void test_zones_errors(void **state)
{
    (void)state;
    mg_zones_columns cols = {"id", "doctors", "population", NULL, NULL};
    mg_diag d = {{0}};
    assert_int_equal(read_zones_text("id,population\nA,1\n", &cols, &d), MG_ENOTFOUND);
    assert_msg_has(d, "missing column \"doctors\"");
    mg_diag_clear(&d);
    assert_int_equal(read_zones_text("id,population,doctors\nA,1,0\nB,2,0\nA,3,1\n", &cols, &d),
                     MG_EPARSE);
    assert_msg_has(d, "bad-zones.csv:4: zone id \"A\" given twice (first on line 2)");
    mg_diag_clear(&d);
    assert_int_equal(read_zones_text("id,population,doctors\nA,1,x\n", &cols, &d), MG_EPARSE);
    assert_msg_has(d, "bad-zones.csv:2:5:");
    assert_msg_has(d, "doctors");
    mg_diag_clear(&d);
    assert_int_equal(read_zones_text("id,population,doctors\nA,-1,0\n", &cols, &d), MG_EPARSE);
    assert_msg_has(d, "bad-zones.csv:2:3: column \"population\": expected a non-negative number");
    mg_diag_clear(&d);
    assert_int_equal(read_zones_text("id,population,doctors\n,1,0\n", &cols, &d), MG_EPARSE);
    assert_msg_has(d, "bad-zones.csv:2:1: column \"id\": expected a zone id");
    mg_diag_clear(&d);
    assert_int_equal(read_zones_text("id,population,doctors\n", &cols, &d), MG_EPARSE);
    assert_msg_has(d, "at least one zone");
    mg_diag_clear(&d);
    cols.group = "district";
    assert_int_equal(read_zones_text("id,population,doctors,district\nA,1,0,\n", &cols, &d),
                     MG_EPARSE);
    assert_msg_has(d, "bad-zones.csv:2:7: column \"district\": expected a group");
}

/* Reads the example's zones and a matrix text. */
static int read_matrix_text(const char *text, mg_diag *d)
{
    char zp[512], mp[512];
    mg_zones z;
    mg_pairs p;
    mg_zones_columns cols = {"id", "doctors", "population", NULL, NULL};
    test_write_text(zp, sizeof zp, tmpdir, "zones.csv", zones_csv);
    test_write_text(mp, sizeof mp, tmpdir, "bad-matrix.csv", text);
    if (mg_zones_read(&z, zp, &cols, d))
        fail_msg("%s", d->msg);
    int rc = mg_zones_read_matrix(&z, mp, 20, &p, d);
    if (rc == MG_OK)
        mg_pairs_free(&p);
    mg_zones_free(&z);
    return rc;
}

static void test_matrix_errors(void **state)
{
    (void)state;
    mg_diag d = {{0}};
    assert_int_equal(read_matrix_text("from,to,time\nA,B,1\n", &d), MG_ENOTFOUND);
    assert_msg_has(d, "bad-matrix.csv:1: no column of travel times in minutes");
    mg_diag_clear(&d);
    assert_int_equal(read_matrix_text("from,to,minutes\nA,B,1\nA,Z,3\n", &d), MG_EPARSE);
    assert_msg_has(d, "bad-matrix.csv:3:3: column \"to\": \"Z\" is not the id of a zone");
    mg_diag_clear(&d);
    assert_int_equal(read_matrix_text("from,to,minutes\nA,B,\n", &d), MG_EPARSE);
    assert_msg_has(d, "bad-matrix.csv:2:5: column \"minutes\"");
    mg_diag_clear(&d);
    assert_int_equal(read_matrix_text("from,to,minutes\nA,B,-2\n", &d), MG_EPARSE);
    assert_msg_has(d, "expected a non-negative number of minutes");
    mg_diag_clear(&d);
    /* A pair given twice is an error even beyond the cutoff. */
    assert_int_equal(read_matrix_text("from,to,minutes\nA,D,30\nB,C,1\nA,D,31\n", &d), MG_EPARSE);
    assert_msg_has(d, "bad-matrix.csv:4: the pair from \"A\" to \"D\" is given twice (first on line 2)");
}

/* The matrix layouts other tools write (mg_pairs_matrix_columns): IPEA's
 * and r5r's from_id,to_id,travel_time, in another column order with an
 * extra column, give the example's 14 pairs exactly. */
static void test_matrix_ipea_layout(void **state)
{
    (void)state;
    example e = {0};
    example_load(&e);
    char zp[512], mp[512];
    mg_zones z;
    mg_pairs p;
    mg_diag d = {{0}};
    mg_zones_columns cols = {"id", "doctors", "population", NULL, "district"};
    test_write_text(zp, sizeof zp, tmpdir, "ipea-zones.csv", zones_csv);
    test_write_text(mp, sizeof mp, tmpdir, "ipea-matrix.csv",
                    "travel_time,from_id,mode,to_id\n"
                    "0,A,car,A\n10,A,car,B\n20,A,car,C\n25,A,car,D\n"
                    "5,B,car,A\n2,B,car,B\n15,B,car,C\n"
                    "20,C,car,A\n15,C,car,B\n5,C,car,D\n"
                    "20,D,car,B\n5,D,car,C\n");
    if (mg_zones_read(&z, zp, &cols, &d) || mg_zones_read_matrix(&z, mp, 20, &p, &d))
        fail_msg("%s", d.msg);
    assert_int_equal(p.npairs, e.p.npairs);
    for (size_t i = 0; i <= p.n; i++)
        assert_int_equal(p.start[i], e.p.start[i]);
    for (size_t k = 0; k < p.npairs; k++) {
        assert_int_equal(p.to[k], e.p.to[k]);
        assert_close(p.minutes[k], e.p.minutes[k], 0);
    }
    mg_pairs_free(&p);
    mg_zones_free(&z);
    example_free(&e);
}

static void test_measure_names(void **state)
{
    (void)state;
    enum mg_zones_measure m;
    mg_diag d = {{0}};
    assert_int_equal(mg_zones_measure_lookup("bfca", &m, &d), 0);
    assert_int_equal(m, MG_ZONES_BFCA);
    assert_string_equal(mg_zones_measure_name(MG_ZONES_E2SFCA), "e2sfca");
    assert_int_equal(mg_zones_measure_lookup("apl", &m, &d), MG_EINVAL);
    assert_msg_has(d, "2sfca e2sfca bfca gravity cumulative nearest");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_example),
        cmocka_unit_test(test_2sfca),
        cmocka_unit_test(test_e2sfca),
        cmocka_unit_test(test_bfca),
        cmocka_unit_test(test_gravity_cumulative_nearest),
        cmocka_unit_test(test_steps_open_on_the_right),
        cmocka_unit_test(test_self_time_beyond_cutoff),
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_figures_undefined),
        cmocka_unit_test(test_zones_errors),
        cmocka_unit_test(test_matrix_errors),
        cmocka_unit_test(test_matrix_ipea_layout),
        cmocka_unit_test(test_measure_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
