/*
 * libFuzzer target for what a subsidy request's attachment goes through
 * before it is stored (funding/attachments.h): the name kept
 * (mg_subsidy_attachment_filename_clean) and the type decided from the
 * bytes (mg_subsidy_attachment_check). The input is the browser's file
 * name, a NUL byte, then the file's bytes (no NUL: all of it is both).
 *
 * Beyond the sanitizers it checks the module's promises: the name kept is
 * at most 255 bytes of valid UTF-8, its length returned, without '/',
 * '\\', control characters (C0, DEL, C1) nor bidirectional controls, no
 * leading space or dot, no trailing space, and cleaning it again changes
 * nothing; a file is refused (with one sentence on "file" in valid UTF-8)
 * exactly when it is empty, over the limit or of no accepted type, and an
 * accepted type is the one mg_contract_document_type reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/contracts.h"
#include "core/utf8.h"
#include "funding/attachments.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The code point at s (valid UTF-8, n bytes left) and its length. */
static size_t decode(const unsigned char *s, size_t n, unsigned *cp)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    check(len <= n);
    unsigned v = len == 1 ? s[0] : len == 2 ? s[0] & 0x1Fu : len == 3 ? s[0] & 0x0Fu : s[0] & 7u;
    for (size_t i = 1; i < len; i++)
        v = (v << 6) | (s[i] & 0x3Fu);
    *cp = v;
    return len;
}

static void check_name(const char *in)
{
    char out[256];
    size_t n = mg_subsidy_attachment_filename_clean(in, out);
    check(n == strlen(out) && n <= 255);
    check(mg_utf8_check(out, n, NULL) == n);
    if (n > 0) {
        check(out[0] != ' ' && out[0] != '.');
        check(out[n - 1] != ' ');
    }
    const unsigned char *s = (const unsigned char *)out;
    for (size_t i = 0; i < n;) {
        unsigned cp = 0;
        i += decode(s + i, n - i, &cp);
        check(cp >= 0x20 && !(cp >= 0x7F && cp <= 0x9F) && cp != '/' && cp != '\\');
        check(cp != 0x200E && cp != 0x200F && !(cp >= 0x202A && cp <= 0x202E) &&
              !(cp >= 0x2066 && cp <= 0x2069) && cp != 0xFEFF);
    }
    char again[256];
    check(mg_subsidy_attachment_filename_clean(out, again) == n && strcmp(again, out) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024 * 1024)
        return 0;
    const uint8_t *nul = memchr(data, 0, size);
    size_t name_len = nul ? (size_t)(nul - data) : size;
    char *name = malloc(name_len + 1);
    if (!name)
        return 0;
    memcpy(name, data, name_len);
    name[name_len] = 0;
    check_name(name);
    free(name);

    const uint8_t *bytes = nul ? nul + 1 : data;
    size_t len = nul ? size - name_len - 1 : size;
    mg_subsidy_errors errs = {0};
    const char *type = mg_subsidy_attachment_check(bytes, len, &errs);
    const char *expected = len > 0 && len <= MG_SUBSIDY_ATTACHMENT_MAX_BYTES
                               ? mg_contract_document_type(bytes, len)
                               : NULL;
    check(type == expected);
    if (type) {
        check(errs.n == 0);
    } else {
        check(errs.n == 1 && strcmp(errs.e[0].field, "file") == 0);
        const char *msg = mg_subsidy_errors_for(&errs, "file");
        check(msg && msg[0] && mg_utf8_check(msg, strlen(msg), NULL) == strlen(msg));
    }
    return 0;
}
