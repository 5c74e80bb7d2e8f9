/*
 * The escapers of html/html.h: every special character replaced in text
 * and attributes, everything else copied byte for byte, the buffer's
 * maximum respected; URL components percent-encoded; links, options and
 * hidden fields built whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "html/html.h"

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

/* What a builder wrote, as a string owned by the test's buffer. */
#define BUILT(call)                                                                     \
    do {                                                                                \
        mg_buf_reset(&b);                                                               \
        assert_int_equal((call), MG_OK);                                                \
    } while (0)

static void test_contexts(void **state)
{
    (void)state;
    mg_buf b;
    mg_buf_init(&b, 4096);
    BUILT(mg_html_attr(&b, "\"><img src=x onerror=alert(1)>"));
    assert_string_equal(b.data, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    BUILT(mg_html_text(&b, NULL));
    assert_true(b.len == 0);
    BUILT(mg_html_url_arg(&b, "a b&c=d/é?#<\"'~._-"));
    assert_string_equal(b.data, "a%20b%26c%3Dd%2F%C3%A9%3F%23%3C%22%27~._-");
    BUILT(mg_html_href(&b, "/territoire",
                       (const char *const[]){"profession", "mg", "tri", NULL, "q", "<x>&y", NULL},
                       "epci"));
    assert_string_equal(b.data, "/territoire?profession=mg&amp;q=%3Cx%3E%26y#epci");
    BUILT(mg_html_href(&b, "/scenarios", NULL, NULL));
    assert_string_equal(b.data, "/scenarios");
    BUILT(mg_html_link_id(&b, "/scenarios/", 42, "/supprimer"));
    assert_string_equal(b.data, "<a href=\"/scenarios/42/supprimer\">");
    BUILT(mg_html_option(&b, "a\"b", "<Aude>", true));
    assert_string_equal(b.data, "<option value=\"a&quot;b\" selected>&lt;Aude&gt;</option>");
    BUILT(mg_html_option(&b, "mg", "Médecins", false));
    assert_string_equal(b.data, "<option value=\"mg\">Médecins</option>");
    BUILT(mg_html_hidden(&b, "profession", "' onmouseover='x"));
    assert_string_equal(b.data,
                        "<input type=\"hidden\" name=\"profession\" value=\"&#39; onmouseover=&#39;x\">");
    mg_buf_free(&b);

    /* The maximum holds for the builders too. */
    mg_buf small;
    mg_buf_init(&small, 8);
    assert_int_not_equal(mg_html_url_arg(&small, "ééééé"), MG_OK);
    mg_buf_free(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_printf_and_limit),
        cmocka_unit_test(test_contexts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
