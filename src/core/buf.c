#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mg_buf_init(mg_buf *b, size_t max)
{
    *b = (mg_buf){.max = max};
}

static int grow(mg_buf *b, size_t need)
{
    if (need + 1 > b->max) {
        b->failed = 1;
        return MG_ELIMIT;
    }
    if (need + 1 <= b->cap)
        return MG_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need + 1)
        cap = cap > b->max / 2 ? b->max : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return MG_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return MG_OK;
}

int mg_buf_append(mg_buf *b, const void *p, size_t len)
{
    if (b->failed)
        return MG_ELIMIT;
    if (len > b->max || b->len > b->max - len) {
        b->failed = 1;
        return MG_ELIMIT;
    }
    int rc = grow(b, b->len + len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return MG_OK;
}

int mg_buf_puts(mg_buf *b, const char *s)
{
    return mg_buf_append(b, s, strlen(s));
}

int mg_buf_vprintf(mg_buf *b, const char *fmt, va_list ap)
{
    if (b->failed)
        return MG_ELIMIT;
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = 1;
        return MG_EINVAL;
    }
    if ((size_t)n < sizeof small)
        return mg_buf_append(b, small, (size_t)n);
    if ((size_t)n > b->max || b->len > b->max - (size_t)n) {
        b->failed = 1;
        return MG_ELIMIT;
    }
    int rc = grow(b, b->len + (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return MG_OK;
}

int mg_buf_printf(mg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mg_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void mg_buf_reset(mg_buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data)
        b->data[0] = '\0';
}

void mg_buf_free(mg_buf *b)
{
    free(b->data);
    *b = (mg_buf){.max = b->max};
}

char *mg_buf_take(mg_buf *b, size_t *len)
{
    char *d = b->data;
    if (len)
        *len = b->len;
    *b = (mg_buf){.max = b->max};
    return d;
}
