/*
 * Tests of the network setup CSV's parser (booking/import.h): the demo's
 * file parses into the rows it says, either separator and a BOM are read,
 * and faults are reported at their line and column (counted here by hand
 * from the literal input) with what was expected, every fault of a file at
 * once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking/import.h"
#include "core/utf8.h"

static int parse(const char *text, mg_booking_import *im)
{
    mg_diag d = {{0}};
    int rc = mg_booking_import_parse("t.csv", text, strlen(text), im, &d);
    if (rc)
        assert_true(d.msg[0] != '\0');
    for (size_t i = 0; i < im->nerrors; i++)
        assert_int_equal(mg_utf8_check(im->errors[i], strlen(im->errors[i]), NULL),
                         strlen(im->errors[i]));
    return rc;
}

static bool has_error(const mg_booking_import *im, const char *prefix, const char *needle)
{
    for (size_t i = 0; i < im->nerrors; i++)
        if (strncmp(im->errors[i], prefix, strlen(prefix)) == 0 && strstr(im->errors[i], needle))
            return true;
    return false;
}

static void demo_file_parses(void **state)
{
    (void)state;
    FILE *f = fopen(MG_SOURCE_DIR "/data/demo/booking/reseau-aude-exemple.csv", "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    mg_booking_import im;
    int rc = parse(buf, &im);
    for (size_t i = 0; i < im.nerrors; i++)
        fprintf(stderr, "%s\n", im.errors[i]);
    assert_int_equal(rc, 0);
    size_t count[4] = {0};
    for (size_t i = 0; i < im.nrows; i++)
        count[im.rows[i].type]++;
    assert_int_equal(count[MG_BOOKING_IMPORT_SITE], 3);
    assert_int_equal(count[MG_BOOKING_IMPORT_DEVICE], 3);
    assert_int_equal(count[MG_BOOKING_IMPORT_ASSISTANT], 2);
    assert_int_equal(count[MG_BOOKING_IMPORT_TELECONSULTANT], 2);
    mg_booking_import_free(&im);
}

static void rows_read(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBFtype,site,kind,name,instruments,assisted,organisation,label,"
                       "availability,kinds,sites\n"
                       "lieu,siret:12345678901234,,,,,,,,,\n"
                       "device,id:7,chariot,\"Chariot, salle 2\",\"otoscope | stethoscope\",,,,,,\n"
                       "teleconsultant,,,,,,12,Médecins,Mo-Fr 09:00-12:00,\"gp:20,suivi:15\","
                       "\"a b|c\"\n";
    mg_booking_import im;
    assert_int_equal(parse(text, &im), 0);
    assert_int_equal(im.nrows, 3);
    assert_int_equal(im.rows[0].type, MG_BOOKING_IMPORT_SITE);
    assert_string_equal(im.rows[0].site, "siret:12345678901234");
    assert_int_equal(im.rows[0].ask, MG_BOOKING_ASK_INITIALS);
    assert_int_equal(im.rows[1].device_kind, MG_BOOKING_CART);
    assert_string_equal(im.rows[1].name, "Chariot, salle 2");
    assert_string_equal(im.rows[1].instruments, "otoscope,stethoscope");
    assert_true(im.rows[1].assisted); /* a cart is assisted unless told */
    assert_int_equal(im.rows[2].nkinds, 2);
    assert_int_equal(im.rows[2].kinds[0].kind, MG_BOOKING_GP);
    assert_int_equal(im.rows[2].kinds[0].duration_min, 20);
    assert_int_equal(im.rows[2].kinds[1].kind, MG_BOOKING_FOLLOWUP);
    assert_int_equal(im.rows[2].kinds[1].duration_min, 15);
    assert_int_equal(im.rows[2].nsites, 3);
    assert_string_equal(im.rows[2].sites[2], "c");
    assert_int_equal(im.rows[2].line, 4);
    mg_booking_import_free(&im);
}

static void faults_named_with_position(void **state)
{
    (void)state;
    /* Columns are byte columns: "device;s1;" is 10 bytes, so kind starts at 11. */
    const char *text = "type;site;kind;name;hours;step;label;availability;kinds;sites;organisation\n"
                        "device;s1;boat;Cabine;;;;;;;\n"                   /* line 2 */
                        "device;s1;cabin;Cabine;Mo-Xx 09:00;7;;;;;\n"      /* line 3 */
                        "assistant;s1;;;;;;;;;\n"                          /* line 4 */
                        "teleconsultant;;;;;;L;Mo 09:00-10:00;gp:22;a;1\n" /* line 5 */
                        "site;s2;cabin;;;;;;;;\n"                          /* line 6 */
                        "robot;s1;;;;;;;;;\n";                             /* line 7 */
    mg_booking_import im;
    assert_int_equal(parse(text, &im), MG_EPARSE);
    assert_true(has_error(&im, "t.csv:2:11:", "kind"));
    assert_true(has_error(&im, "t.csv:3:24:", "hours"));
    assert_true(has_error(&im, "t.csv:3:36:", "step"));
    assert_true(has_error(&im, "t.csv:4:", "label"));
    assert_true(has_error(&im, "t.csv:5:", "kinds"));
    assert_true(has_error(&im, "t.csv:6:9:", "sans objet"));
    assert_true(has_error(&im, "t.csv:7:1:", "type"));
    mg_booking_import_free(&im);
}

static void header_checked(void **state)
{
    (void)state;
    mg_booking_import im;
    assert_int_equal(parse("site,name\ns1,x\n", &im), MG_EPARSE);
    assert_true(has_error(&im, "t.csv:1:", "type"));
    mg_booking_import_free(&im);
    assert_int_equal(parse("type,colour\nsite,red\n", &im), MG_EPARSE);
    assert_true(has_error(&im, "t.csv:1:", "colour"));
    mg_booking_import_free(&im);
    /* A needed column missing from the header is named on the row. */
    assert_int_equal(parse("type,site\ndevice,s1\n", &im), MG_EPARSE);
    assert_true(has_error(&im, "t.csv:2:", "« kind »"));
    mg_booking_import_free(&im);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(demo_file_parses),
        cmocka_unit_test(rows_read),
        cmocka_unit_test(faults_named_with_position),
        cmocka_unit_test(header_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
