/*
 * The one escaping function of the pages and maps: every special
 * character replaced, everything else copied byte for byte, the buffer's
 * maximum respected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web/html.h"

static void expect(const char *in, const char *out)
{
    mg_buf b;
    mg_buf_init(&b, 4096);
    assert_int_equal(mg_html_text(&b, in), MG_OK);
    assert_string_equal(b.data ? b.data : "", out);
    mg_buf_free(&b);
}

static void test_escaping(void **state)
{
    (void)state;
    expect("", "");
    expect("Carcassonne", "Carcassonne");
    expect("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect("a=\"1\" & b", "a=&quot;1&quot; &amp; b");
    expect("&&&", "&amp;&amp;&amp;");
    expect("Villesèque-des-Corbières <3", "Villesèque-des-Corbières &lt;3");
    expect("fin>", "fin&gt;");
}

static void test_printf_and_limit(void **state)
{
    (void)state;
    mg_buf b;
    mg_buf_init(&b, 4096);
    assert_int_equal(mg_html_printf(&b, "%s (%d)", "L'Abergement", 7), MG_OK);
    assert_string_equal(b.data, "L&#39;Abergement (7)");
    mg_buf_free(&b);
    /* A buffer that cannot hold the escaped text fails and is marked. */
    mg_buf_init(&b, 8);
    assert_int_equal(mg_html_text(&b, "<<<<"), MG_ELIMIT);
    assert_true(b.failed);
    mg_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_printf_and_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
