#include "core/utf8.h"

#include <stdint.h>
#include <string.h>

/*
 * Decodes one UTF-8 sequence at p (n bytes available). Returns its length
 * (1..4) and stores the code point in *cp, or 0 when the bytes are not
 * shortest-form UTF-8 of a scalar value (overlong forms, surrogates and code
 * points past U+10FFFF are refused, as the Unicode standard requires).
 */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char b = p[0];
    size_t len;
    uint32_t c, min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        len = 2, c = b & 0x1Fu, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3, c = b & 0x0Fu, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4, c = b & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0u) != 0x80u)
            return 0;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFFu || (c >= 0xD800u && c <= 0xDFFFu))
        return 0;
    *cp = c;
    return len;
}

size_t mg_utf8_check(const char *s, size_t n, size_t *chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, count = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (len == 0)
            break;
        i += len;
        count++;
    }
    if (chars)
        *chars = count;
    return i;
}

size_t mg_utf8_prefix(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    if (n < max || !s[n])
        return n;
    /* Cut at max: step back over continuation bytes to the start of the
     * sequence the cut falls in, and keep it only if it fits whole. */
    size_t start = n;
    while (start > 0 && ((unsigned char)s[start] & 0xC0u) == 0x80u)
        start--;
    return start;
}
