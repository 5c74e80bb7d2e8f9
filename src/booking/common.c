/*
 * What every file of the booking module shares (booking.h): refused
 * fields, the code lists and their French labels, phone numbers (French
 * rules into E.164) and confirmation codes (Crockford base32, 50 random
 * bits from libsodium, stored as their SHA-256).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "booking/booking.h"

/* --- Refused input ------------------------------------------------------------------------- */

void mg_booking_errors_add(mg_booking_errors *errs, const char *field, const char *fmt, ...)
{
    if (!errs || errs->n >= MG_BOOKING_ERRORS_MAX)
        return;
    mg_booking_field_error *e = &errs->e[errs->n++];
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

const char *mg_booking_errors_for(const mg_booking_errors *errs, const char *field)
{
    for (size_t k = 0; errs && field && k < errs->n && k < MG_BOOKING_ERRORS_MAX; k++)
        if (strcmp(errs->e[k].field, field) == 0)
            return errs->e[k].msg;
    return NULL;
}

int mg_booking_refuse(const mg_booking_errors *errs, mg_diag *d)
{
    if (errs && errs->n > 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s : %s", errs->e[0].field,
                           errs->e[0].msg);
    return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "saisie refusée");
}

/* --- Code lists ---------------------------------------------------------------------------- */

typedef struct code_row {
    const char *key, *label;
} code_row;

#define N(t) (sizeof(t) / sizeof((t)[0]))

static const char *key_of(const code_row *t, size_t n, int i)
{
    return i >= 0 && (size_t)i < n ? t[i].key : "";
}

static const char *label_of(const code_row *t, size_t n, int i)
{
    return i >= 0 && (size_t)i < n ? t[i].label : "";
}

static int parse_of(const code_row *t, size_t n, const char *key, int *out)
{
    for (size_t i = 0; key && i < n; i++)
        if (strcmp(t[i].key, key) == 0) {
            *out = (int)i;
            return 0;
        }
    return MG_ENOTFOUND;
}

static const code_row states[] = {
    {"booked", "Réservé"},   {"arrived", "Arrivé"}, {"done", "Terminé"},
    {"cancelled", "Annulé"}, {"no_show", "Absent"},
};
_Static_assert(N(states) == MG_BOOKING_STATES, "one key per state");

static const code_row device_kinds[] = {
    {"cabin", "Cabine de téléconsultation"},
    {"cart", "Chariot de téléconsultation assistée"},
};
_Static_assert(N(device_kinds) == MG_BOOKING_DEVICE_KINDS, "one key per device kind");

static const code_row kinds[] = {
    {"gp", "Consultation de médecine générale"},
    {"followup", "Consultation de suivi"},
    {"specialist", "Consultation spécialisée"},
};
_Static_assert(N(kinds) == MG_BOOKING_KINDS, "one key per consultation kind");

static const code_row asks[] = {
    {"initials", "Initiales"},
    {"name", "Nom"},
};

static const code_row resources[] = {
    {"site", "Site"},
    {"device", "Équipement"},
    {"teleconsultant", "Téléconsultant"},
    {"assistant", "Assistant"},
};
_Static_assert(N(resources) == MG_BOOKING_RESOURCES, "one key per resource");

static const code_row reasons[] = {
    {"closure", "Fermeture"},
    {"maintenance", "Maintenance"},
    {"absence", "Absence"},
    {"opening", "Ouverture exceptionnelle"},
};
_Static_assert(N(reasons) == MG_BOOKING_REASONS, "one key per reason");

#define CODE_LIST(name, type, table)                                                        \
    const char *mg_booking_##name##_key(type v) { return key_of(table, N(table), (int)v); } \
    int mg_booking_##name##_parse(const char *key, type *out)                               \
    {                                                                                       \
        int i = 0;                                                                          \
        int rc = parse_of(table, N(table), key, &i);                                        \
        if (rc == 0)                                                                        \
            *out = (type)i;                                                                 \
        return rc;                                                                          \
    }
#define CODE_LABEL(name, type, table) \
    const char *mg_booking_##name##_label(type v) { return label_of(table, N(table), (int)v); }

CODE_LIST(state, mg_booking_state, states)
CODE_LABEL(state, mg_booking_state, states)
CODE_LIST(device_kind, mg_booking_device_kind, device_kinds)
CODE_LABEL(device_kind, mg_booking_device_kind, device_kinds)
CODE_LIST(kind, mg_booking_kind, kinds)
CODE_LABEL(kind, mg_booking_kind, kinds)
CODE_LIST(ask, mg_booking_ask, asks)
CODE_LIST(resource, mg_booking_resource, resources)
CODE_LIST(reason, mg_booking_reason, reasons)
CODE_LABEL(reason, mg_booking_reason, reasons)

/* --- Phone numbers --------------------------------------------------------------------------- */

/* Separators a person types inside a number. */
static bool is_separator(unsigned char ch)
{
    return ch == ' ' || ch == '.' || ch == '-' || ch == '/' || ch == '\t' || ch == '(' ||
           ch == ')';
}

int mg_booking_phone_normalise(const char *in, char out[static MG_BOOKING_PHONE_SIZE], mg_diag *d)
{
    out[0] = '\0';
    if (!in)
        in = "";
    /* Collect the digits and a leading '+', refusing anything else. */
    char digits[32];
    size_t nd = 0;
    bool plus = false, seen = false;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (nd >= sizeof digits - 1)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "numéro de téléphone trop long : 15 chiffres au plus");
            digits[nd++] = (char)*p;
            seen = true;
        } else if (*p == '+' && !seen && !plus) {
            plus = true;
            seen = true;
        } else if (is_separator(*p)) {
            continue;
        } else {
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "numéro de téléphone attendu : des chiffres, avec des espaces, "
                               "points ou tirets (« 06 12 34 56 78 » ou « +33 6 12 34 56 78 »)");
        }
    }
    digits[nd] = '\0';
    if (nd == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "numéro de téléphone manquant");
    /* "0033…" is "+33…"; any other "00" prefix is an international one. */
    const char *intl = NULL;
    if (plus)
        intl = digits;
    else if (nd > 10 && digits[0] == '0' && digits[1] == '0') /* 10 digits: French rules */
        intl = digits + 2;
    const char *national = NULL; /* the 9 digits after the French 0 */
    if (intl) {
        size_t ni = strlen(intl);
        if (strncmp(intl, "33", 2) == 0) {
            const char *rest = intl + 2;
            size_t nr = ni - 2;
            if (nr == 10 && rest[0] == '0') /* "+33 0 6 12…": the 0 typed anyway */
                rest++, nr--;
            if (nr != 9)
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "numéro français attendu : +33 suivi de 9 chiffres");
            national = rest;
        } else {
            if (ni < 8 || ni > 15 || intl[0] == '0')
                return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                   "numéro international attendu : + suivi de 8 à 15 chiffres");
            snprintf(out, MG_BOOKING_PHONE_SIZE, "+%s", intl);
            return 0;
        }
    } else {
        if (nd != 10 || digits[0] != '0')
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "numéro français attendu : 10 chiffres commençant par 0 "
                               "(« 06 12 34 56 78 »)");
        national = digits + 1;
    }
    /* 01-05 geographic, 06-07 mobile, 09 other; 08 (special rates) and 00 are not
     * numbers one can be called back on. */
    char first = national[0];
    if (!((first >= '1' && first <= '7') || first == '9'))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "numéro français attendu : commençant par 01 à 07 ou 09");
    snprintf(out, MG_BOOKING_PHONE_SIZE, "+33%.9s", national);
    return 0;
}

void mg_booking_phone_display(const char *e164, char out[static 32])
{
    if (!e164)
        e164 = "";
    if (strncmp(e164, "+33", 3) == 0 && strlen(e164) == 12) {
        const char *n = e164 + 3;
        snprintf(out, 32, "0%c %.2s %.2s %.2s %.2s", n[0], n + 1, n + 3, n + 5, n + 7);
        return;
    }
    snprintf(out, 32, "%s", e164);
}

/* --- Confirmation codes ---------------------------------------------------------------------- */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The value of a typed character, or -1 (U excluded, as Crockford does). */
static int crockford_value(unsigned char ch)
{
    if (ch >= 'a' && ch <= 'z')
        ch = (unsigned char)(ch - 'a' + 'A');
    if (ch == 'O')
        ch = '0';
    else if (ch == 'I' || ch == 'L')
        ch = '1';
    const char *p = ch ? strchr(crockford, ch) : NULL;
    return p ? (int)(p - crockford) : -1;
}

int mg_booking_code_normalise(const char *in, char out[static MG_BOOKING_CODE_CHARS + 1])
{
    out[0] = '\0';
    if (!in)
        return MG_EINVAL;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (*p == ' ' || *p == '-' || *p == '\t' || *p == '.')
            continue;
        int v = crockford_value(*p);
        if (v < 0 || n >= MG_BOOKING_CODE_CHARS) {
            out[0] = '\0';
            return MG_EINVAL;
        }
        out[n++] = crockford[v];
    }
    out[n] = '\0';
    if (n != MG_BOOKING_CODE_CHARS) {
        out[0] = '\0';
        return MG_EINVAL;
    }
    return 0;
}

int mg_booking_code_new(char out[static MG_BOOKING_CODE_SIZE], mg_diag *d)
{
    if (sodium_init() < 0)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "libsodium cannot start");
    unsigned char raw[7]; /* 56 bits drawn, the first 50 used */
    randombytes_buf(raw, sizeof raw);
    uint64_t bits = 0;
    for (size_t i = 0; i < sizeof raw; i++)
        bits = (bits << 8) | raw[i];
    bits >>= 6;
    char code[MG_BOOKING_CODE_CHARS];
    for (int i = MG_BOOKING_CODE_CHARS - 1; i >= 0; i--) {
        code[i] = crockford[bits & 31];
        bits >>= 5;
    }
    sodium_memzero(raw, sizeof raw);
    snprintf(out, MG_BOOKING_CODE_SIZE, "%.5s-%.5s", code, code + 5);
    return 0;
}

void mg_booking_code_hash(const char canonical[static MG_BOOKING_CODE_CHARS + 1],
                          char out[static 65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)canonical,
                       strnlen(canonical, MG_BOOKING_CODE_CHARS));
    sodium_bin2hex(out, 65, h, sizeof h);
}
