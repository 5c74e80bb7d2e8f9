/**
 * @file buf.h
 * A growable byte buffer with a maximum size (as curl's dynbuf): every
 * response body, page and file built in memory goes through one, so no
 * output grows without bound. Appending past the maximum fails with
 * MG_ELIMIT and leaves the buffer as it was.
 * Ownership: the buffer owns its bytes; mg_buf_free releases them,
 * mg_buf_take hands them to the caller.
 */
#ifndef MG_CORE_BUF_H
#define MG_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/error.h"

typedef struct mg_buf {
    char *data; /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    size_t max;
    int failed; /* sticky: an append failed (memory or max); later ones no-op */
} mg_buf;

/** An empty buffer that may grow to `max` bytes. */
void mg_buf_init(mg_buf *b, size_t max);

/** Appends len bytes. MG_ENOMEM or MG_ELIMIT (then b->failed is set). */
int mg_buf_append(mg_buf *b, const void *p, size_t len);

/** Appends a NUL-terminated string. */
int mg_buf_puts(mg_buf *b, const char *s);

/** Appends formatted text. */
int mg_buf_printf(mg_buf *b, const char *fmt, ...) MG_PRINTF(2, 3);
int mg_buf_vprintf(mg_buf *b, const char *fmt, va_list ap) MG_VPRINTF(2);

/** Empties the buffer, keeping its memory and clearing `failed`. */
void mg_buf_reset(mg_buf *b);

/** Releases the bytes. */
void mg_buf_free(mg_buf *b);

/** Hands the bytes (NUL-terminated, possibly NULL when empty) to the caller. */
char *mg_buf_take(mg_buf *b, size_t *len);

#endif
