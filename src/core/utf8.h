/**
 * @file utf8.h
 * Validation of UTF-8 text held in memory (the streaming check of files is
 * io/reader.h's mg_utf8_feed). Shortest-form sequences of scalar values
 * only: overlong forms, surrogates and code points past U+10FFFF are
 * refused, as the Unicode standard requires.
 */
#ifndef MG_CORE_UTF8_H
#define MG_CORE_UTF8_H

#include <stddef.h>

/**
 * Checks s[0..n) and counts its code points into *chars (NULL accepted).
 * Returns the byte offset of the first invalid sequence, or n when all of
 * it is valid.
 */
size_t mg_utf8_check(const char *s, size_t n, size_t *chars);

/**
 * The length in bytes of the longest prefix of s (NUL-terminated) that is
 * at most max bytes long and does not end inside a multi-byte sequence: the
 * bound to give "%.*s" when quoting what a person typed in a message, so
 * that a cut never leaves half a character (invalid UTF-8 in a page).
 */
size_t mg_utf8_prefix(const char *s, size_t max);

#endif
