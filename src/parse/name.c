/*
 * Place names as people type them, folded for comparison (parse.h,
 * mg_parse_fold_name): "Castelnau-d'Aude", "castelnau d aude" and
 * "CASTELNAU D’AUDE" fold to the same text, and so do "St-Papoul" and
 * "Saint Papoul". The text is already valid UTF-8 (mg_parse__text), so
 * a lead byte is always followed by its continuation bytes.
 */
#include <string.h>

#include "parse/internal.h"

/* The base letters of U+00C0..U+00FF, "" for the two signs (× ÷) that are
 * not letters: they stay as typed. */
static const char *const latin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
};

/* The code point of the valid UTF-8 sequence at p (len bytes). */
static unsigned code_point(const unsigned char *p, size_t len)
{
    if (len == 2)
        return (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu);
    if (len == 3)
        return (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
    return (p[0] & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu);
}

/* Separators between the words of a name: the spaces of the module, the
 * hyphens and dashes (U+2010..U+2015), the apostrophes and quotation marks
 * (U+2018..U+201F) and U+2212 MINUS SIGN. Every ASCII byte that is neither
 * a letter nor a digit separates too (tested by the caller). */
static bool separator_cp(unsigned cp)
{
    return cp == 0xA0 || cp == 0x2009 || cp == 0x202F || (cp >= 0x2010 && cp <= 0x201F) ||
           cp == 0x2212 || cp == 0xAB || cp == 0xBB;
}

/* Abbreviated words written out, so that "St-Hilaire" is "saint hilaire". */
static const struct {
    const char *abbr, *full;
} words[] = {{"st", "saint"}, {"ste", "sainte"}};

/* Appends the word [w, end of out) expanded when it is an abbreviation. */
static void expand_last_word(char *out, size_t *n, size_t w)
{
    for (size_t k = 0; k < sizeof words / sizeof *words; k++) {
        size_t la = strlen(words[k].abbr), lf = strlen(words[k].full);
        if (*n - w == la && memcmp(out + w, words[k].abbr, la) == 0) {
            memcpy(out + w, words[k].full, lf);
            *n = w + lf;
            return;
        }
    }
}

int mg_parse_fold_name(const char *s, char out[static MG_PARSE_FOLD_SIZE], size_t *len,
                       mg_parse_error *why)
{
    mg_cursor c;
    mg_parse_error e = mg_parse__text(s, MG_PARSE_NAME_MAX, &c);
    if (e)
        return mg_parse__fail(why, e);
    /* Each input byte gives at most one output byte, except an
     * abbreviation ("st" + separator, 3 bytes, gives "saint ", 6), so the
     * output stays within 2 * MG_PARSE_NAME_MAX bytes. */
    char buf[MG_PARSE_FOLD_SIZE];
    size_t n = 0, word = 0;
    bool gap = false; /* a separator is pending between two words */
    const unsigned char *p = (const unsigned char *)c.p, *end = (const unsigned char *)c.end;
    while (p < end) {
        size_t l = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        unsigned cp = l == 1 ? *p : code_point(p, l);
        const char *base = NULL;
        bool sep = false;
        char one[2] = {0, 0};
        if (l == 1) {
            if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
                one[0] = (char)cp;
            else if (cp >= 'A' && cp <= 'Z')
                one[0] = (char)(cp - 'A' + 'a');
            else
                sep = true;
            base = one;
        } else if (cp >= 0x300 && cp <= 0x36F) {
            base = ""; /* a combining accent (decomposed input): dropped */
        } else if (separator_cp(cp)) {
            sep = true;
        } else if (cp >= 0xC0 && cp <= 0xFF && latin1[cp - 0xC0][0]) {
            base = latin1[cp - 0xC0];
        } else if (cp == 0x152 || cp == 0x153) {
            base = "oe";
        } else if (cp == 0x178) {
            base = "y";
        }
        if (sep) {
            gap = n > 0;
        } else if (!base || base[0]) {
            if (gap) {
                expand_last_word(buf, &n, word);
                buf[n++] = ' ';
                word = n;
                gap = false;
            }
            if (base) {
                size_t k = strlen(base);
                memcpy(buf + n, base, k);
                n += k;
            } else {
                memcpy(buf + n, p, l); /* another character, as typed */
                n += l;
            }
        }
        p += l;
    }
    if (n == 0)
        return mg_parse__fail(why, MG_PARSE_EMPTY);
    expand_last_word(buf, &n, word);
    buf[n] = 0;
    memcpy(out, buf, n + 1);
    if (len)
        *len = n;
    return mg_parse__ok(why);
}
