/*
 * A subsidy request's form from and to JSON (json.h): the API's bodies and
 * the command line's import files read by the same code.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "funding/internal.h"
#include "funding/json.h"

typedef enum kind {
    K_TEXT = 0, /* a string */
    K_INT,      /* a string or an integer */
    K_BOOL,     /* a boolean or a string */
} kind;

typedef struct member {
    const char *key;
    size_t offset; /* of the const char * in mg_subsidy_request_input */
    kind k;
} member;

#define M(f, k) {#f, offsetof(mg_subsidy_request_input, f), k}

static const member kMembers[] = {
    M(name, K_TEXT),           M(acronym, K_TEXT),
    M(siret, K_TEXT),          M(rna, K_TEXT),
    M(address, K_TEXT),        M(postcode, K_TEXT),
    M(city, K_TEXT),           M(email, K_TEXT),
    M(phone, K_TEXT),          M(representative_role, K_TEXT),
    M(contact_role, K_TEXT),   M(volunteers, K_INT),
    M(employees, K_INT),       M(employees_fte, K_INT),
    M(members, K_INT),         M(title, K_TEXT),
    M(objectives, K_TEXT),     M(description, K_TEXT),
    M(target_publics, K_TEXT), M(communes, K_TEXT),
    M(starts_on, K_TEXT),      M(ends_on, K_TEXT),
    M(evaluation, K_TEXT),     M(is_renewal, K_BOOL),
    M(multi_year, K_BOOL),     M(nature, K_TEXT),
    M(call, K_INT),            M(action, K_INT),
};
#undef M

#define NMEMBERS (sizeof kMembers / sizeof kMembers[0])

static const char *const kLineMembers[] = {"account", "label", "amount", "funder", NULL};

static const char kCentsRefused[] =
    "les montants s'écrivent en euros, en chaîne décimale, dans « amount » (\"1234.56\") ; "
    "les centimes entiers ne sont pas acceptés en entrée";

static bool among(const char *key, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(key, list[i]) == 0)
            return true;
    return false;
}

/* A key as it can be quoted in a refusal: at most 40 bytes (and cap - 1), cut on a
 * character boundary (the field name must stay valid UTF-8). */
static void key_for_field(char *out, size_t cap, const char *key)
{
    size_t n = strlen(key), max = cap - 1 < 40 ? cap - 1 : 40;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)key[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, key, n);
    out[n] = 0;
    if (n == 0 && cap >= 3)
        memcpy(out, "\"\"", 3); /* the empty key, named as written */
}

/* A member as text: a string as is; an integer written into buf when
 * integers are taken; booleans as "1" or "" when k is K_BOOL. NULL for
 * absent or null. false: refused (errs says why). */
static bool member_text(const json_t *v, kind k, const char *field, char buf[static 24],
                        const char **out, mg_subsidy_errors *errs)
{
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (json_is_string(v)) {
        *out = json_string_value(v);
        return true;
    }
    if (k == K_INT && json_is_integer(v)) {
        snprintf(buf, 24, "%lld", (long long)json_integer_value(v));
        *out = buf;
        return true;
    }
    if (k == K_BOOL && json_is_boolean(v)) {
        *out = json_is_true(v) ? "1" : "";
        return true;
    }
    mg_subsidy_errors_add(errs, field, "%s",
                          k == K_INT    ? "attendu un nombre entier ou une chaîne de caractères"
                          : k == K_BOOL ? "attendu true, false ou une chaîne de caractères"
                                        : "attendu une chaîne de caractères");
    return false;
}

static void read_line(const json_t *o, size_t i, mg_subsidy_json_form *out,
                      mg_subsidy_errors *errs)
{
    char field[48];
    mg_subsidy_line_input *l = &out->lines[i];
    memset(l, 0, sizeof *l);
    if (!json_is_object(o)) {
        snprintf(field, sizeof field, "lines[%zu]", i);
        mg_subsidy_errors_add(errs, field,
                              "attendu un objet {\"account\", \"label\", \"amount\", "
                              "\"funder\"}");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        if (among(key, kLineMembers))
            continue;
        char k[25];
        key_for_field(k, sizeof k, key);
        snprintf(field, sizeof field, "lines[%u].%s", (unsigned)(i % 100u), k);
        if (strcmp(key, "amount_cents") == 0)
            mg_subsidy_errors_add(errs, field, "%s", kCentsRefused);
        else
            mg_subsidy_errors_add(errs, field,
                                  "champ inconnu : une ligne a « account », « label », "
                                  "« amount » et « funder »");
    }
    char scratch[24];
    snprintf(field, sizeof field, "lines[%zu].account", i);
    (void)member_text(json_object_get(o, "account"), K_TEXT, field, scratch, &l->account, errs);
    snprintf(field, sizeof field, "lines[%zu].label", i);
    (void)member_text(json_object_get(o, "label"), K_TEXT, field, scratch, &l->label, errs);
    snprintf(field, sizeof field, "lines[%zu].amount", i);
    const json_t *a = json_object_get(o, "amount");
    if (a && json_is_number(a))
        mg_subsidy_errors_add(errs, field,
                              "attendu un montant en euros écrit en chaîne décimale, "
                              "\"1234.56\", et non un nombre JSON");
    else
        (void)member_text(a, K_TEXT, field, scratch, &l->amount, errs);
    snprintf(field, sizeof field, "lines[%zu].funder", i);
    (void)member_text(json_object_get(o, "funder"), K_INT, field, out->line_funders[i],
                      &l->funder, errs);
}

int mg_subsidy_json_form_read(const json_t *obj, const char *const *extra,
                              mg_subsidy_json_form *out, mg_subsidy_errors *errs, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    mg_subsidy_errors local = {0};
    mg_subsidy_errors *e = errs ? errs : &local;
    size_t before = e->n;
    if (!json_is_object(obj)) {
        mg_subsidy_errors_add(e, "body", "attendu un objet JSON");
        return mg_subsidy_refuse(e, d);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        if (among(key, extra) || strcmp(key, "lines") == 0)
            continue;
        bool known = false;
        for (size_t i = 0; i < NMEMBERS && !known; i++)
            known = strcmp(key, kMembers[i].key) == 0;
        if (known)
            continue;
        char field[41];
        key_for_field(field, sizeof field, key);
        if (strcmp(key, "amount_cents") == 0)
            mg_subsidy_errors_add(e, field, "%s", kCentsRefused);
        else
            mg_subsidy_errors_add(e, field,
                                  "champ inconnu : les champs sont ceux du formulaire "
                                  "(docs/funding-api.md)");
    }
    size_t nint = 0;
    for (size_t i = 0; i < NMEMBERS; i++) {
        const member *m = &kMembers[i];
        const char **slot = (const char **)(void *)((char *)&out->in + m->offset);
        char *buf = out->ints[nint < MG_SUBSIDY_JSON_INTS ? nint : MG_SUBSIDY_JSON_INTS - 1];
        if (m->k == K_INT)
            nint++;
        (void)member_text(json_object_get(obj, m->key), m->k, m->key, buf, slot, e);
    }
    const json_t *lines = json_object_get(obj, "lines");
    if (lines && !json_is_null(lines)) {
        if (!json_is_array(lines)) {
            mg_subsidy_errors_add(e, "lines", "attendu un tableau de lignes de budget");
        } else if (json_array_size(lines) > MG_SUBSIDY_LINES_MAX) {
            mg_subsidy_errors_add(e, "lines", "au plus %d lignes de budget",
                                  (int)MG_SUBSIDY_LINES_MAX);
        } else {
            size_t n = json_array_size(lines);
            for (size_t i = 0; i < n; i++)
                read_line(json_array_get(lines, i), i, out, e);
            out->in.lines = out->lines;
            out->in.nlines = n;
        }
    }
    if (e->n > before)
        return mg_subsidy_refuse(e, d);
    return MG_OK;
}

void mg_subsidy_json_euros(int64_t cents, char out[static 24])
{
    unsigned long long u =
        cents < 0 ? (unsigned long long)(-(cents + 1)) + 1u : (unsigned long long)cents;
    snprintf(out, 24, "%s%llu.%02llu", cents < 0 ? "-" : "", u / 100u, u % 100u);
}

static json_t *text_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

static json_t *count_json(int64_t v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

json_t *mg_subsidy_json_form_of(const mg_subsidy_request *r, const mg_subsidy_line *lines,
                                size_t n)
{
    json_t *o = json_object();
    json_t *arr = json_array();
    if (!o || !arr) {
        json_decref(o);
        json_decref(arr);
        return NULL;
    }
    char fte[24] = "";
    if (r->employees_fte_hundredths > 0 || r->employees > 0) {
        int64_t h = r->employees_fte_hundredths;
        snprintf(fte, sizeof fte, "%lld,%02lld", (long long)(h / 100), (long long)(h % 100));
    }
    int bad = 0;
    bad |= json_object_set_new(o, "name", text_or_null(r->name));
    bad |= json_object_set_new(o, "acronym", text_or_null(r->acronym));
    bad |= json_object_set_new(o, "siret", text_or_null(r->siret));
    bad |= json_object_set_new(o, "rna", text_or_null(r->rna));
    bad |= json_object_set_new(o, "address", text_or_null(r->address));
    bad |= json_object_set_new(o, "postcode", text_or_null(r->postcode));
    bad |= json_object_set_new(o, "city", text_or_null(r->city));
    bad |= json_object_set_new(o, "email", text_or_null(r->email));
    bad |= json_object_set_new(o, "phone", text_or_null(r->phone));
    bad |= json_object_set_new(o, "representative_role", text_or_null(r->representative_role));
    bad |= json_object_set_new(o, "contact_role", text_or_null(r->contact_role));
    bad |= json_object_set_new(o, "volunteers", count_json(r->volunteers));
    bad |= json_object_set_new(o, "employees", count_json(r->employees));
    bad |= json_object_set_new(o, "employees_fte", text_or_null(fte));
    bad |= json_object_set_new(o, "members", count_json(r->members));
    bad |= json_object_set_new(o, "title", text_or_null(r->title));
    bad |= json_object_set_new(o, "objectives", text_or_null(r->objectives));
    bad |= json_object_set_new(o, "description", text_or_null(r->description));
    bad |= json_object_set_new(o, "target_publics", text_or_null(r->target_publics));
    bad |= json_object_set_new(o, "communes", text_or_null(r->communes));
    bad |= json_object_set_new(o, "starts_on", text_or_null(r->starts_on));
    bad |= json_object_set_new(o, "ends_on", text_or_null(r->ends_on));
    bad |= json_object_set_new(o, "evaluation", text_or_null(r->evaluation));
    bad |= json_object_set_new(o, "is_renewal", json_boolean(r->is_renewal));
    bad |= json_object_set_new(o, "multi_year", json_boolean(r->multi_year));
    bad |= json_object_set_new(o, "nature", text_or_null(r->nature));
    bad |= json_object_set_new(o, "call", r->call_id ? json_integer(r->call_id) : json_null());
    bad |= json_object_set_new(o, "action",
                               r->action_id ? json_integer(r->action_id) : json_null());
    for (size_t i = 0; i < n && !bad; i++) {
        char amount[24];
        mg_subsidy_json_euros(lines[i].amount_cents, amount);
        json_t *l = json_pack("{s:s,s:s,s:s,s:o}", "account", lines[i].account, "label",
                              lines[i].label, "amount", amount, "funder",
                              lines[i].funder_id ? json_integer(lines[i].funder_id)
                                                 : json_null());
        bad |= !l || json_array_append_new(arr, l);
    }
    bad |= json_object_set_new(o, "lines", arr);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void mg_subsidy_json_field(const char *form_field, char out[static 48])
{
    const char *f = form_field ? form_field : "";
    size_t k = 0, i = 5;
    if (strncmp(f, "line_", 5) == 0 && f[5] >= '1' && f[5] <= '9') {
        while (f[i] >= '0' && f[i] <= '9' && k < 1000000)
            k = k * 10 + (size_t)(f[i++] - '0');
        if (f[i] == '_' && f[i + 1] && k >= 1 && k <= 1000000) {
            snprintf(out, 48, "lines[%u].%.30s", (unsigned)(k - 1), f + i + 1);
            return;
        }
    }
    snprintf(out, 48, "%s", f);
}

json_t *mg_subsidy_json_errors(const mg_subsidy_errors *errs)
{
    json_t *o = json_object();
    for (size_t i = 0; o && errs && i < errs->n && i < MG_SUBSIDY_ERRORS_MAX; i++) {
        char name[48];
        mg_subsidy_json_field(errs->e[i].field, name);
        if (!json_object_get(o, name))
            json_object_set_new(o, name, json_string(errs->e[i].msg));
    }
    return o;
}
