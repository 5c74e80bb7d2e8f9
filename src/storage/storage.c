/*
 * The public storage functions: they check arguments and normalise the
 * scenario name once for every backend, then dispatch to the backend's
 * operations (backend.h). Keeping validation here means a PostgreSQL backend
 * added later refuses exactly the same input, with the same messages.
 */
#include "storage/storage.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "storage/backend.h"

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

/*
 * Checks that s[0..n) is UTF-8 and counts its code points into *chars
 * (NULL accepted). Returns the byte offset of the first invalid sequence,
 * or n when all is valid.
 */
static size_t utf8_check(const char *s, size_t n, size_t *chars)
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

/* The white space a person may leave around a name by accident. */
static int is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int mg_storage_scenario_name(const char *name, char **out, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_scenario_name: out is NULL");
    *out = NULL;
    if (!name)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "le nom du scénario est vide");
    size_t start = 0, end = strlen(name);
    while (start < end && is_ascii_space(name[start]))
        start++;
    while (end > start && is_ascii_space(name[end - 1]))
        end--;
    if (start == end)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "le nom du scénario est vide");

    size_t chars;
    size_t bad = utf8_check(name + start, end - start, &chars);
    if (bad != end - start)
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0,
                           "le nom du scénario n'est pas de l'UTF-8 valide (octet %zu)",
                           start + bad + 1);
    if (chars > MG_STORAGE_NAME_MAX_CHARS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "le nom du scénario a %zu caractères ; %u au plus sont acceptés",
                           chars, MG_STORAGE_NAME_MAX_CHARS);

    /* Control characters: C0 and DEL are single bytes; C1 (U+0080–U+009F)
     * is encoded as 0xC2 0x80..0x9F. Already known to be valid UTF-8. */
    const unsigned char *p = (const unsigned char *)name;
    for (size_t i = start; i < end; i++) {
        int c0 = p[i] < 0x20 || p[i] == 0x7F;
        int c1 = p[i] == 0xC2 && i + 1 < end && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F;
        if (c0 || c1)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "le nom du scénario contient un caractère de contrôle "
                               "(octet %zu)",
                               i + 1);
    }

    *out = mg_strndup(name + start, end - start);
    if (!*out)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory copying a scenario name");
    return 0;
}

/* Checks a text field other than the name: present, UTF-8, within max bytes
 * (0: no bound here) and non-empty when required. */
static int check_text(const char *field, const char *v, size_t max, int required, mg_diag *d)
{
    if (!v)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "scenario %s is missing", field);
    size_t n = strlen(v);
    if (required && n == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "scenario %s is empty", field);
    if (max && n > max)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "scenario %s has %zu bytes; at most %zu are accepted", field, n,
                           max);
    size_t bad = utf8_check(v, n, NULL);
    if (bad != n)
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0, "scenario %s is not UTF-8 (byte %zu)",
                           field, bad + 1);
    return 0;
}

void mg_storage_close(mg_storage *s)
{
    if (s)
        s->ops->close(s);
}

int mg_storage_scenario_save(mg_storage *s, const mg_scenario_record *in, int64_t *id_out,
                             mg_diag *d)
{
    if (!s || !in || !id_out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_save: NULL storage, record or id_out");
    *id_out = 0;
    if (in->id < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "scenario id %lld is negative",
                           (long long)in->id);
    int rc = check_text("profession", in->profession, MG_STORAGE_PROFESSION_MAX_BYTES, 1, d);
    if (rc == 0)
        rc = check_text("actions_json", in->actions_json, 0, 1, d);
    if (rc)
        return rc;

    char *name = NULL;
    rc = mg_storage_scenario_name(in->name, &name, d);
    if (rc)
        return rc;
    /* The backend sees the stored form of the name; the caller's record is
     * left as it was. */
    mg_scenario_record norm = *in;
    norm.name = name;
    rc = s->ops->scenario_save(s, &norm, id_out, d);
    free(name);
    return rc;
}

int mg_storage_scenario_get(mg_storage *s, int64_t id, mg_scenario_record *out, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_scenario_get: out is NULL");
    memset(out, 0, sizeof *out);
    if (!s)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_storage_scenario_get: storage is NULL");
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no scenario has id %lld",
                           (long long)id);
    return s->ops->scenario_get(s, id, out, d);
}

int mg_storage_scenario_list(mg_storage *s, mg_scenario_record **out, size_t *n, mg_diag *d)
{
    if (!out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_list: out or n is NULL");
    *out = NULL;
    *n = 0;
    if (!s)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_list: storage is NULL");
    return s->ops->scenario_list(s, out, n, d);
}

int mg_storage_scenario_delete(mg_storage *s, int64_t id, mg_diag *d)
{
    if (!s)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_storage_scenario_delete: storage is NULL");
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no scenario has id %lld",
                           (long long)id);
    return s->ops->scenario_delete(s, id, d);
}

void mg_scenario_record_free(mg_scenario_record *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->profession);
    free(r->actions_json);
    free(r->created_at);
    free(r->updated_at);
    memset(r, 0, sizeof *r);
}

void mg_scenario_record_list_free(mg_scenario_record *list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++)
        mg_scenario_record_free(&list[i]);
    free(list);
}
