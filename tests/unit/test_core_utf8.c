/*
 * core/utf8: the UTF-8 check of text in memory (shortest forms of scalar
 * values only) and the prefix that never ends inside a character, also as
 * mg_diag_set uses it when a message is cut at its buffer's end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/utf8.h"

static void test_check(void **state)
{
    (void)state;
    size_t chars = 0;
    const char *ok = "Carcassonne é € 𝄞";
    assert_int_equal(mg_utf8_check(ok, strlen(ok), &chars), strlen(ok));
    assert_int_equal(chars, 17);
    static const struct {
        const char *s;
        size_t bad_at;
    } bad[] = {
        {"a\xC3\x28", 1},         {"\xC0\xAF", 0},          {"x\xED\xA0\x80", 1},
        {"\xF4\x90\x80\x80", 0},  {"abc\xE2\x82", 3},       {"\x80", 0},
        {"\xE0\x80\xAF", 0},      {"ok\xF8\x88\x80\x80\x80", 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(mg_utf8_check(bad[i].s, strlen(bad[i].s), NULL), bad[i].bad_at);
}

static void test_prefix(void **state)
{
    (void)state;
    assert_int_equal(mg_utf8_prefix("abc", 10), 3);
    assert_int_equal(mg_utf8_prefix("abcdef", 3), 3);
    /* "éé": bytes C3 A9 C3 A9; a cut at 3 falls inside the second é. */
    assert_int_equal(mg_utf8_prefix("\xC3\xA9\xC3\xA9", 3), 2);
    assert_int_equal(mg_utf8_prefix("\xC3\xA9\xC3\xA9", 4), 4);
    assert_int_equal(mg_utf8_prefix("\xC3\xA9\xC3\xA9", 1), 0);
    /* 𝄞 is 4 bytes: any cut inside it drops it whole. */
    for (size_t max = 1; max < 4; max++)
        assert_int_equal(mg_utf8_prefix("a\xF0\x9D\x84\x9E", max + 1), 1);
    assert_int_equal(mg_utf8_prefix("", 5), 0);

    /* A message longer than mg_diag's buffer, made of é: cut on a boundary. */
    char big[3000];
    size_t n = 0;
    big[n++] = 'x'; /* so that the pairs straddle the buffer's end */
    while (n + 2 < sizeof big) {
        big[n++] = '\xC3';
        big[n++] = '\xA9';
    }
    big[n] = '\0';
    mg_diag d = {{0}};
    assert_int_equal(mg_diag_set(&d, MG_EINVAL, NULL, 0, 0, "%s", big), MG_EINVAL);
    size_t len = strlen(d.msg);
    assert_true(len >= sizeof d.msg - 3 && len < sizeof d.msg);
    assert_int_equal(mg_utf8_check(d.msg, len, NULL), len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
