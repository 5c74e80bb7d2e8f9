/* MADV_HUGEPAGE is a Linux extension, outside POSIX. */
#define _DEFAULT_SOURCE

#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

void *mg_alloc_array(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        return calloc(1, 1);
    return calloc(n, size); /* calloc checks n * size for overflow */
}

void *mg_realloc_array(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    return realloc(p, bytes ? bytes : 1);
}

void *mg_alloc_large(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    if (bytes < HUGE_PAGE)
        return malloc(bytes ? bytes : 1);
    /* Whole huge pages: the last one would otherwise fault page by page. */
    if (bytes > SIZE_MAX - HUGE_PAGE)
        return NULL;
    bytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    /* Advice only: where huge pages are off or unavailable, nothing changes. */
    (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

char *mg_strndup(const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (!c)
        return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    return c;
}

char *mg_strdup(const char *s)
{
    return mg_strndup(s, strlen(s));
}
