/*
 * What arrives in a request for this module: a cookie's value from the
 * Cookie header and a bearer token from the Authorization header. Both are
 * bounded scans that read nothing past the terminating NUL and accept only
 * base64url tokens, so that what they return can go anywhere (a hash, a
 * log line) without escaping. fuzz/fuzz_auth_cookie.c and
 * fuzz_auth_bearer.c hold them to that.
 */
#include <string.h>
#include <strings.h>

#include "auth/internal.h"

static bool is_b64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Copies [p, p + n) into out when it is 1 to cap-1 base64url characters. */
static bool take_token(const char *p, size_t n, char *out, size_t cap)
{
    if (n == 0 || n >= cap)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_b64url(p[i]))
            return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

/*
 * RFC 6265 §4.2.1: cookie-pair *( ";" SP cookie-pair ), a pair being
 * name "=" value, the value possibly in double quotes. Spaces and tabs
 * around names and values are tolerated (clients differ). The first pair
 * of that name decides: browsers send the most specific cookie first.
 */
bool mg_auth_cookie_get(const char *header, const char *name, char *out, size_t cap)
{
    if (out && cap)
        out[0] = '\0';
    if (!header || !name || !name[0] || !out || cap == 0)
        return false;
    size_t name_len = strlen(name);
    const char *p = header;
    while (*p) {
        const char *end = strchr(p, ';');
        if (!end)
            end = p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq) {
            const char *n0 = p, *n1 = eq;
            while (n0 < n1 && is_ows(*n0))
                n0++;
            while (n1 > n0 && is_ows(n1[-1]))
                n1--;
            if ((size_t)(n1 - n0) == name_len && memcmp(n0, name, name_len) == 0) {
                const char *v0 = eq + 1, *v1 = end;
                while (v0 < v1 && is_ows(*v0))
                    v0++;
                while (v1 > v0 && is_ows(v1[-1]))
                    v1--;
                if (v1 - v0 >= 2 && *v0 == '"' && v1[-1] == '"') {
                    v0++;
                    v1--;
                }
                return take_token(v0, (size_t)(v1 - v0), out, cap);
            }
        }
        if (!*end)
            break;
        p = end + 1;
    }
    return false;
}

/* RFC 6750 §2.1: "Bearer" (any case, RFC 7235), one or more spaces, the
 * token; here it must be ours, "mgt_" and 43 base64url characters, with
 * nothing after it but spaces. */
bool mg_auth_bearer_get(const char *header, char out[static MG_AUTH_API_TOKEN_CHARS + 1])
{
    out[0] = '\0';
    if (!header)
        return false;
    const char *p = header;
    while (is_ows(*p))
        p++;
    if (strncasecmp(p, "Bearer", 6) != 0 || !is_ows(p[6]))
        return false;
    p += 6;
    while (is_ows(*p))
        p++;
    if (strncmp(p, "mgt_", 4) != 0)
        return false;
    size_t n = 0;
    while (n < MG_AUTH_API_TOKEN_CHARS && p[n] && (n < 4 || is_b64url(p[n])))
        n++;
    if (n != MG_AUTH_API_TOKEN_CHARS)
        return false;
    const char *rest = p + n;
    while (is_ows(*rest))
        rest++;
    if (*rest)
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}
