#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
