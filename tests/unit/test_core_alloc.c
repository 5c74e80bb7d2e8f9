/*
 * Tests of src/core/alloc.c: overflow-checked sizes, and mg_alloc_large (the
 * arrays of road-time tables): small sizes from malloc, large ones aligned on
 * 2 MiB and writable to their last byte, overflowing counts refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static void test_array_overflow(void **state)
{
    (void)state;
    /* (mg_alloc_array leaves the check to calloc, which AddressSanitizer
     * reports rather than returning NULL: only the realloc path here.) */
    assert_null(mg_realloc_array(NULL, SIZE_MAX / 4 + 1, 8));
    unsigned char *p = mg_alloc_array(0, 8); /* zero items: still a pointer */
    assert_non_null(p);
    free(p);
    uint32_t *z = mg_alloc_array(1000, sizeof *z);
    assert_non_null(z);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(z[i], 0);
    free(z);
}

static void test_alloc_large(void **state)
{
    (void)state;
    const size_t huge = (size_t)2 << 20;
    /* Small: any pointer, usable. */
    uint32_t *s = mg_alloc_large(1000, sizeof *s);
    assert_non_null(s);
    s[999] = 7;
    free(s);
    /* Large, not a multiple of 2 MiB: aligned, every byte writable. */
    size_t n = 938536; /* the Andorra table's pairs: 3.6 MiB of uint32_t */
    uint32_t *l = mg_alloc_large(n, sizeof *l);
    assert_non_null(l);
    assert_int_equal((uintptr_t)l % huge, 0);
    memset(l, 0xab, n * sizeof *l);
    assert_int_equal(l[n - 1], 0xabababab);
    free(l);
    /* Sizes that overflow, before or after rounding up to whole huge pages. */
    assert_null(mg_alloc_large(SIZE_MAX / 2, 4));
    assert_null(mg_alloc_large(SIZE_MAX - huge / 2, 1));
    /* Zero: still a pointer. */
    void *z = mg_alloc_large(0, 4);
    assert_non_null(z);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array_overflow),
        cmocka_unit_test(test_alloc_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
