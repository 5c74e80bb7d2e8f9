/*
 * What every parser of the module shares: the reasons in French and their
 * MG_E… codes, the bounded start (length, UTF-8, surrounding spaces) and
 * the cursor's primitives.
 */
#include <string.h>

#include "core/utf8.h"
#include "parse/internal.h"

/* One table, so that a new reason cannot be added without its French. */
static const struct {
    int code;
    const char *fr;
} reasons[MG_PARSE_ERROR_COUNT] = {
    [MG_PARSE_OK] = {0, ""},
    [MG_PARSE_EMPTY] = {MG_EPARSE, "est vide"},
    [MG_PARSE_TOO_LONG] = {MG_ELIMIT, "est trop long"},
    [MG_PARSE_UTF8] = {MG_EUTF8, "contient des caractères illisibles (texte qui n'est pas en UTF-8)"},
    [MG_PARSE_NOT_NUMBER] = {MG_EPARSE, "doit être un nombre, par exemple 1 234,5"},
    [MG_PARSE_NOT_INTEGER] = {MG_EPARSE, "doit être un nombre entier, sans décimales"},
    [MG_PARSE_GROUPING] = {MG_EPARSE,
                           "doit grouper les chiffres par trois, par exemple 80 000 ou 80000"},
    [MG_PARSE_SEPARATOR] = {MG_EPARSE, "ne doit avoir qu'un séparateur décimal, la virgule, "
                                       "et des espaces entre les milliers, par exemple 1 234,5"},
    [MG_PARSE_RANGE] = {MG_EINVAL, "est en dehors des valeurs permises"},
    [MG_PARSE_NOT_ID] = {MG_EPARSE, "doit être un numéro écrit en chiffres, sans zéro initial"},
    [MG_PARSE_NOT_DATE] = {MG_EPARSE, "doit être une date, par exemple 04/12/2026 ou 2026-12-04"},
    [MG_PARSE_NO_SUCH_DAY] = {MG_EPARSE, "n'est pas un jour du calendrier"},
    [MG_PARSE_SYNTAX] = {MG_EPARSE, "contient un caractère inattendu"},
    [MG_PARSE_LENGTH] = {MG_EPARSE, "n'a pas le bon nombre de caractères"},
    [MG_PARSE_NO_SUCH_CODE] = {MG_EPARSE, "n'est pas un code attribué"},
    [MG_PARSE_CHECKSUM] = {MG_EPARSE,
                           "a une clé de contrôle fausse : un chiffre est sans doute mal recopié"},
};

const char *mg_parse_error_fr(mg_parse_error e)
{
    return (unsigned)e < MG_PARSE_ERROR_COUNT ? reasons[e].fr : "";
}

int mg_parse_error_code(mg_parse_error e)
{
    return (unsigned)e < MG_PARSE_ERROR_COUNT ? reasons[e].code : MG_EINVAL;
}

int mg_parse__fail(mg_parse_error *why, mg_parse_error e)
{
    if (why)
        *why = e;
    return mg_parse_error_code(e);
}

int mg_parse__ok(mg_parse_error *why)
{
    if (why)
        *why = MG_PARSE_OK;
    return 0;
}

size_t mg_parse__space_at(const char *p, const char *end)
{
    size_t n = (size_t)(end - p);
    const unsigned char *u = (const unsigned char *)p;
    if (n >= 1 && u[0] == ' ')
        return 1;
    if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0) /* U+00A0 */
        return 2;
    if (n >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0x89 || u[2] == 0xAF))
        return 3; /* U+2009, U+202F */
    return 0;
}

/* Length of the surrounding space (a separator or a tab) that ends at end,
 * or 0. The text is valid UTF-8, so a trailing C2 A0 or E2 80 xx is a whole
 * character. */
static size_t space_before(const char *begin, const char *end)
{
    size_t n = (size_t)(end - begin);
    if (n >= 1 && (end[-1] == ' ' || end[-1] == '\t'))
        return 1;
    if (n >= 2 && mg_parse__space_at(end - 2, end) == 2)
        return 2;
    if (n >= 3 && mg_parse__space_at(end - 3, end) == 3)
        return 3;
    return 0;
}

size_t mg_parse__digits(mg_cursor *c, size_t max)
{
    size_t n = 0;
    while (n < max && is_digit(cur_peek(c))) {
        c->p++;
        n++;
    }
    return n;
}

mg_parse_error mg_parse__text(const char *s, size_t max, mg_cursor *c)
{
    if (!s)
        return MG_PARSE_EMPTY;
    /* strnlen reads at most max + 1 bytes: the bound holds even when the
     * caller's text is not terminated where it should be. */
    size_t n = strnlen(s, max + 1);
    if (n > max)
        return MG_PARSE_TOO_LONG;
    if (mg_utf8_check(s, n, NULL) != n)
        return MG_PARSE_UTF8;
    const char *p = s, *end = s + n;
    while (p < end) {
        size_t k = *p == '\t' ? 1 : mg_parse__space_at(p, end);
        if (!k)
            break;
        p += k;
    }
    for (size_t k; (k = space_before(p, end)) != 0;)
        end -= k;
    if (p >= end)
        return MG_PARSE_EMPTY;
    *c = (mg_cursor){p, end};
    return MG_PARSE_OK;
}
