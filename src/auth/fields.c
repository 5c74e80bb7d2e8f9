/*
 * Checks of what people type into the auth forms that several files share
 * (names, the site's address for links, the client's address), and the
 * refusal of a field with its French sentence.
 */
#include <stdio.h>
#include <string.h>

#include "auth/internal.h"
#include "core/utf8.h"

int auth_field_fail(mg_auth_field_error *fe, mg_diag *d, int code, const char *field,
                    const char *fmt, ...)
{
    char msg[sizeof fe->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (fe) {
        fe->field = field;
        memcpy(fe->msg, msg, sizeof msg);
    }
    return mg_diag_set(d, code, NULL, 0, 0, "%s", msg);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int auth_name_check(const char *in, const char *field, const char *what, char *out,
                    size_t cap, mg_auth_field_error *fe, mg_diag *d)
{
    out[0] = '\0';
    size_t start = 0, end = in ? strlen(in) : 0;
    while (start < end && is_space(in[start]))
        start++;
    while (end > start && is_space(in[end - 1]))
        end--;
    if (start == end)
        return auth_field_fail(fe, d, MG_EINVAL, field, "%s est vide.", what);
    size_t chars = 0;
    if (mg_utf8_check(in + start, end - start, &chars) != end - start)
        return auth_field_fail(fe, d, MG_EINVAL, field,
                               "%s n'est pas du texte valide (UTF-8 attendu).", what);
    if (chars > MG_AUTH_NAME_MAX_CHARS)
        return auth_field_fail(fe, d, MG_EINVAL, field,
                               "%s a %zu caractères ; %d au plus sont acceptés.", what, chars,
                               MG_AUTH_NAME_MAX_CHARS);
    /* C0 controls and DEL are single bytes; C1 controls are 0xC2 0x80–0x9F. */
    const unsigned char *p = (const unsigned char *)in;
    for (size_t i = start; i < end; i++) {
        bool c0 = p[i] < 0x20 || p[i] == 0x7F;
        bool c1 = p[i] == 0xC2 && i + 1 < end && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F;
        if (c0 || c1)
            return auth_field_fail(fe, d, MG_EINVAL, field,
                                   "%s contient un caractère de contrôle (retour à la ligne, "
                                   "tabulation…).",
                                   what);
    }
    if (end - start >= cap)
        return auth_field_fail(fe, d, MG_EINVAL, field, "%s est trop long.", what);
    memcpy(out, in + start, end - start);
    out[end - start] = '\0';
    return 0;
}

int auth_public_url(const char *in, char out[static AUTH_PUBLIC_URL_MAX_BYTES + 1], mg_diag *d)
{
    out[0] = '\0';
    if (!in || (strncmp(in, "http://", 7) != 0 && strncmp(in, "https://", 8) != 0))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "auth: the public address must start with http:// or https://");
    size_t n = strlen(in);
    if (n > AUTH_PUBLIC_URL_MAX_BYTES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "auth: the public address has %zu bytes; at most %d are accepted", n,
                           AUTH_PUBLIC_URL_MAX_BYTES);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= 0x20 || c >= 0x7F || c == '?' || c == '#')
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "auth: the public address has a space, a control character, a "
                               "query or a non-ASCII byte at byte %zu",
                               i + 1);
    }
    while (n > 0 && in[n - 1] == '/')
        n--;
    memcpy(out, in, n);
    out[n] = '\0';
    return 0;
}

int auth_address_check(const char *address, mg_diag *d)
{
    size_t n = address ? strlen(address) : 0;
    if (n > AUTH_ADDRESS_MAX_BYTES)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "auth: the client address has %zu bytes; at most %d are accepted", n,
                           AUTH_ADDRESS_MAX_BYTES);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)address[i] <= 0x20 || (unsigned char)address[i] >= 0x7F)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "auth: the client address has a byte that is not printable "
                               "ASCII at %zu",
                               i + 1);
    return 0;
}
