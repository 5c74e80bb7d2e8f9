/*
 * libFuzzer target for the Cookie header reader of the auth module
 * (mg_auth_cookie_get). The first byte chooses the output's capacity (1 to
 * 64 bytes, allocated exactly so that a write past it is caught), the
 * second the cookie's name; the rest is the header. Beyond the sanitizers
 * it checks the promises: a value found is NUL-terminated, shorter than
 * the capacity, made of base64url characters only and taken from the
 * header; nothing found leaves an empty string; the answer is the same
 * when asked twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool all_b64url(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"mg_session", "mg_pre", "a", "session-id"};
    if (size < 2)
        return 0;
    size_t cap = 1 + data[0] % 64;
    const char *name = names[data[1] % 4];
    char *header = malloc(size - 1);
    char *out = malloc(cap);
    char *again = malloc(cap);
    check(header && out && again);
    memcpy(header, data + 2, size - 2);
    header[size - 2] = '\0';

    bool found = mg_auth_cookie_get(header, name, out, cap);
    size_t n = strnlen(out, cap);
    check(n < cap); /* NUL-terminated within the capacity */
    if (found) {
        check(n >= 1 && all_b64url(out));
        check(strstr(header, out) != NULL);
        check(strstr(header, name) != NULL);
    } else {
        check(n == 0);
    }
    check(mg_auth_cookie_get(header, name, again, cap) == found);
    check(strcmp(out, again) == 0);
    free(header);
    free(out);
    free(again);
    return 0;
}
