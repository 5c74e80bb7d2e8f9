/*
 * libFuzzer target for the Authorization header reader of the auth module
 * (mg_auth_bearer_get): the input is the header's value. Beyond the
 * sanitizers (the output is allocated at its exact size) it checks the
 * promise: when a token is found it is exactly "mgt_" and 43 base64url
 * characters, NUL-terminated, taken from the header, and the header starts
 * (after spaces) with the Bearer scheme in any case; otherwise the output
 * is empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *header = malloc(size + 1);
    char *out = malloc(MG_AUTH_API_TOKEN_CHARS + 1);
    check(header && out);
    memcpy(header, data, size);
    header[size] = '\0';

    bool found = mg_auth_bearer_get(header, out);
    size_t n = strnlen(out, MG_AUTH_API_TOKEN_CHARS + 1);
    check(n <= MG_AUTH_API_TOKEN_CHARS);
    if (found) {
        check(n == MG_AUTH_API_TOKEN_CHARS);
        check(memcmp(out, "mgt_", 4) == 0);
        for (size_t i = 4; i < n; i++) {
            char c = out[i];
            check((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_');
        }
        check(strstr(header, out) != NULL);
        const char *p = header + strspn(header, " \t");
        check(strncasecmp(p, "bearer", 6) == 0);
    } else {
        check(n == 0);
    }
    free(header);
    free(out);
    return 0;
}
