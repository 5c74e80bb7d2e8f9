/*
 * Private to src/parse/: the cursor the parsers advance over a bounded,
 * already validated span of text (the idea of curl's strparse: a pointer
 * moved forward by small functions that each either consume what they
 * expect or leave the cursor where it was).
 */
#ifndef MG_PARSE_INTERNAL_H
#define MG_PARSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "parse/parse.h"

typedef struct mg_cursor {
    const char *p;   /* next byte */
    const char *end; /* one past the last byte of the span */
} mg_cursor;

static inline bool cur_end(const mg_cursor *c)
{
    return c->p >= c->end;
}

/* The next byte, or -1 at the end. */
static inline int cur_peek(const mg_cursor *c)
{
    return c->p < c->end ? (unsigned char)*c->p : -1;
}

static inline bool is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

/* Consumes byte ch if it is next. */
static inline bool cur_byte(mg_cursor *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/*
 * Length in bytes of the separator space starting at p (ASCII space,
 * U+00A0, U+2009 or U+202F), or 0. Never looks at end or past it.
 */
size_t mg_parse__space_at(const char *p, const char *end);

/* Consumes up to max ASCII digits; returns how many. */
size_t mg_parse__digits(mg_cursor *c, size_t max);

/*
 * The shared start of every text parser: NULL or all spaces is
 * MG_PARSE_EMPTY; more than max bytes before the NUL (only max + 1 are
 * looked at) is MG_PARSE_TOO_LONG; a byte above 0x7F in text that is not
 * valid UTF-8 is MG_PARSE_UTF8. On success c spans s without its
 * surrounding spaces (ASCII space and tab, U+00A0, U+2009, U+202F).
 */
mg_parse_error mg_parse__text(const char *s, size_t max, mg_cursor *c);

/* Stores why (when not NULL) and returns its MG_E… code. */
int mg_parse__fail(mg_parse_error *why, mg_parse_error e);

/* Stores MG_PARSE_OK (when why is not NULL) and returns 0. */
int mg_parse__ok(mg_parse_error *why);

#endif
