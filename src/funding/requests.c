/*
 * The subsidy request itself (funding.h; docs/funding-requests.md): the
 * fields of the CERFA 12156 form checked as typed (a draft refuses only
 * what is malformed, a filing also what is missing), drafts saved and
 * replaced, the filing (attachments, call deadline, the organisation's
 * identifiers, one part per co-funder named in account 74), the versions
 * kept as JSON snapshots, renewals, the reads and the paginated lists.
 * Every change is one write transaction with its audit entry (object
 * "subsidy_request", organisation the applicant).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit/audit.h"
#include "contracts/budget.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/utf8.h"
#include "funding/attachments.h"
#include "funding/funding.h"
#include "funding/internal.h"
#include "parse/parse.h"

/* The database's bound of an amount (CHECK … BETWEEN 0 AND 10^14). */
#define MAX_CENTS INT64_C(100000000000000)

/* --- Checked input ------------------------------------------------------------------------ */

typedef struct checked_line {
    mg_subsidy_side side;
    char account[3];
    char *label;
    int64_t amount_cents;
    int64_t funder_id;
    int position;
} checked_line;

/* What a form holds once checked: what is stored (texts trimmed, owned). */
typedef struct checked {
    char *name, *acronym, *address, *city, *email, *phone, *representative_role,
        *contact_role, *title, *objectives, *description, *target_publics, *communes,
        *evaluation;
    char siret[MG_PARSE_SIRET_SIZE], rna[MG_PARSE_RNA_SIZE], postcode[MG_PARSE_POSTCODE_SIZE];
    int64_t volunteers, employees, fte, members;
    char starts_on[11], ends_on[11];
    bool is_renewal, multi_year;
    char nature[16];
    int64_t call_id, action_id;
    checked_line lines[MG_SUBSIDY_LINES_MAX];
    size_t nlines;
    /* Which line input k (1-based) each checked line came from. */
    size_t line_input[MG_SUBSIDY_LINES_MAX];
    mg_subsidy_budget_totals totals;
} checked;

static void checked_free(checked *k)
{
    char **texts[] = {&k->name, &k->acronym, &k->address, &k->city, &k->email, &k->phone,
                      &k->representative_role, &k->contact_role, &k->title, &k->objectives,
                      &k->description, &k->target_publics, &k->communes, &k->evaluation};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        free(*texts[i]);
        *texts[i] = NULL;
    }
    for (size_t i = 0; i < k->nlines; i++) {
        free(k->lines[i].label);
        k->lines[i].label = NULL;
    }
    k->nlines = 0;
}

static bool is_space_at(const char *s, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == ' ' || u[0] == '\t' || u[0] == '\n' || u[0] == '\r') {
        *len = 1;
        return true;
    }
    if (u[0] == 0xc2 && u[1] == 0xa0) {
        *len = 2;
        return true;
    }
    if (u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0xaf || u[2] == 0x89)) {
        *len = 3;
        return true;
    }
    return false;
}

/* s without the white space around it: *start, *len. */
static void trim(const char *s, const char **start, size_t *len)
{
    if (!s)
        s = "";
    size_t k;
    while (is_space_at(s, &k))
        s += k;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
                     s[n - 1] == '\r'))
        n--;
    *start = s;
    *len = n;
}

static bool blank(const char *s)
{
    const char *b;
    size_t n;
    trim(s, &b, &n);
    return n == 0;
}

/* How much of what was typed is quoted in a sentence. */
static int shown_len(const char *s, size_t len)
{
    if (mg_utf8_check(s, len, NULL) != len)
        return 0;
    size_t p = mg_utf8_prefix(s, 40);
    return (int)(p < len ? p : len);
}

typedef struct checker {
    bool complete;
    mg_subsidy_errors *errs;
    bool failed;
} checker;

static void err(checker *ck, const char *field, const char *fmt, ...) MG_PRINTF(3, 4);

static void err(checker *ck, const char *field, const char *fmt, ...)
{
    ck->failed = true;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mg_subsidy_errors_add(ck->errs, field, "%s", msg);
}

static void missing(checker *ck, const char *field, const char *label)
{
    err(ck, field, "Le champ « %s » est obligatoire pour déposer la demande.", label);
}

/* A text field: trimmed, valid UTF-8, at most max characters, without
 * control characters but line breaks (multiline); required at filing. */
static int text(checker *ck, const char *s, const char *field, const char *label,
                size_t max_chars, bool required, bool multiline, char **out)
{
    const char *b;
    size_t n;
    trim(s, &b, &n);
    *out = NULL;
    size_t chars = 0;
    if (mg_utf8_check(b, n, &chars) != n) {
        err(ck, field, "Le champ « %s » contient des caractères illisibles (UTF-8 attendu).",
            label);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if ((c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f) {
            err(ck, field, "Le champ « %s » contient un caractère de contrôle.", label);
            return 0;
        }
    }
    if (chars > max_chars) {
        err(ck, field, "Le champ « %s » est trop long : %zu caractères au plus.", label,
            max_chars);
        return 0;
    }
    if (n == 0 && required && ck->complete)
        missing(ck, field, label);
    *out = mg_strndup(b, n);
    return *out ? 0 : MG_ENOMEM;
}

static void integer(checker *ck, const char *s, const char *field, const char *label,
                    int64_t max, int64_t *out)
{
    *out = 0;
    if (blank(s))
        return;
    int64_t v = 0;
    mg_parse_error why = MG_PARSE_OK;
    if (mg_parse_int(s, 0, max, &v, &why) != 0) {
        err(ck, field, "Le champ « %s » attend un nombre entier de 0 à %lld.", label,
            (long long)max);
        return;
    }
    *out = v;
}

/* A French decimal with at most two decimals ("2,5", "12.75") into
 * hundredths, 0 to max_hundredths. */
static void hundredths(checker *ck, const char *s, const char *field, const char *label,
                       int64_t max_hundredths, int64_t *out)
{
    *out = 0;
    const char *b;
    size_t n;
    trim(s, &b, &n);
    if (n == 0)
        return;
    int64_t whole = 0, frac = 0;
    size_t i = 0, nd = 0, nf = 0;
    bool ok = true;
    while (i < n && b[i] >= '0' && b[i] <= '9') {
        if (whole <= max_hundredths)
            whole = whole * 10 + (b[i] - '0');
        i++;
        nd++;
    }
    if (i < n && (b[i] == ',' || b[i] == '.')) {
        i++;
        while (i < n && b[i] >= '0' && b[i] <= '9') {
            if (nf < 2) /* more digits are refused below, never summed (no overflow) */
                frac = frac * 10 + (b[i] - '0');
            i++;
            nf++;
        }
        if (nf == 0 || nf > 2)
            ok = false;
        if (nf == 1)
            frac *= 10;
    }
    if (nd == 0 || i != n)
        ok = false;
    if (!ok || whole > max_hundredths / 100 || whole * 100 + frac > max_hundredths) {
        err(ck, field, "Le champ « %s » attend un nombre positif avec deux décimales au plus, "
                       "par exemple « 2,5 ».", label);
        return;
    }
    *out = whole * 100 + frac;
}

static void date_field(checker *ck, const char *s, const char *field, const char *label,
                       char out[static 11])
{
    out[0] = 0;
    if (blank(s)) {
        if (ck->complete)
            missing(ck, field, label);
        return;
    }
    mg_date dt;
    mg_parse_error why = MG_PARSE_OK;
    if (mg_parse_date(s, &dt, &why) != 0) {
        err(ck, field, "Le champ « %s » attend une date, par exemple « 15/03/2026 » ou "
                       "« 2026-03-15 ».", label);
        return;
    }
    snprintf(out, 11, "%04d-%02d-%02d", dt.year, dt.month, dt.day);
}

static void checkbox(checker *ck, const char *s, const char *field, const char *label, bool *out)
{
    *out = false;
    const char *b;
    size_t n;
    trim(s, &b, &n);
    if (n == 0 || (n == 1 && b[0] == '0') || (n == 3 && strncmp(b, "off", 3) == 0) ||
        (n == 5 && strncmp(b, "false", 5) == 0))
        return;
    if ((n == 1 && b[0] == '1') || (n == 2 && strncmp(b, "on", 2) == 0) ||
        (n == 4 && strncmp(b, "true", 4) == 0)) {
        *out = true;
        return;
    }
    err(ck, field, "La case « %s » est cochée ou non : « 1 » ou rien.", label);
}

static void id_field(checker *ck, const char *s, const char *field, const char *label,
                     int64_t *out)
{
    *out = 0;
    const char *b;
    size_t n;
    trim(s, &b, &n);
    if (n == 0)
        return;
    char buf[24];
    if (n >= sizeof buf) {
        err(ck, field, "Le choix « %s » n'existe pas.", label);
        return;
    }
    memcpy(buf, b, n);
    buf[n] = 0;
    if (mg_parse_id(buf, INT64_MAX, out, NULL) != 0) {
        *out = 0;
        err(ck, field, "Le choix « %s » n'existe pas.", label);
    }
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

/* An e-mail address as people write them: local@domain.tld, no space. */
static void email_field(checker *ck, const char *s, char **out)
{
    if (text(ck, s, "email", "Courriel", 254, true, false, out) < 0 || !*out || !(*out)[0])
        return;
    const char *e = *out;
    const char *at = strchr(e, '@');
    bool ok = at && at != e && !strchr(at + 1, '@') && strlen(at + 1) >= 3;
    const char *dot = ok ? strrchr(at + 1, '.') : NULL;
    ok = ok && dot && dot != at + 1 && dot[1] != 0;
    for (const char *p = e; ok && *p; p++)
        if (*p == ' ' || *p == '\t' || *p == '<' || *p == '>' || *p == ',' || *p == ';' ||
            *p == '"')
            ok = false;
    if (!ok)
        err(ck, "email", "Le champ « Courriel » attend une adresse électronique, par exemple "
                         "« contact@association.fr ».");
}

/* A phone number: 10 digits starting with 0, or "+" and 8 to 15 digits;
 * spaces, dots, dashes and parentheses between them. */
static void phone_field(checker *ck, const char *s, char **out)
{
    if (text(ck, s, "phone", "Téléphone", 30, false, false, out) < 0 || !*out || !(*out)[0])
        return;
    const char *p = *out;
    bool plus = *p == '+';
    if (plus)
        p++;
    size_t digits = 0;
    bool ok = true;
    char first = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (!digits)
                first = *p;
            digits++;
        } else if (!(*p == ' ' || *p == '.' || *p == '-' || *p == '(' || *p == ')')) {
            ok = false;
        }
    }
    ok = ok && (plus ? digits >= 8 && digits <= 15 : digits == 10 && first == '0');
    if (!ok)
        err(ck, "phone", "Le champ « Téléphone » attend un numéro à 10 chiffres, par exemple "
                         "« 04 68 11 22 33 », ou « + » et l'indicatif du pays.");
}

/* A scope key (diagnosis/scope.h): "" (none), "epci:" and a SIREN, or
 * "communes:" and INSEE codes separated by commas, semicolons or spaces. */
static void communes_field(checker *ck, const char *s, char **out)
{
    if (text(ck, s, "communes", "Communes concernées", 4095, false, false, out) < 0 || !*out ||
        !(*out)[0])
        return;
    const char *v = *out;
    size_t len = strlen(v);
    if (len == 14 && strncmp(v, "epci:", 5) == 0 && all_digits(v + 5, 9))
        return;
    if (len > 9 && strncmp(v, "communes:", 9) == 0) {
        size_t i = 9, codes = 0;
        bool ok = true;
        while (i < len && ok) {
            if (v[i] == ',' || v[i] == ';' || v[i] == ' ') {
                i++;
                continue;
            }
            size_t j = i;
            while (j < len && v[j] != ',' && v[j] != ';' && v[j] != ' ')
                j++;
            bool corsica = j - i == 5 && v[i] == '2' && (v[i + 1] == 'A' || v[i + 1] == 'B') &&
                           all_digits(v + i + 2, 3);
            ok = j - i == 5 && (all_digits(v + i, 5) || corsica);
            codes++;
            i = j;
        }
        if (ok && codes)
            return;
    }
    err(ck, "communes", "Le champ « Communes concernées » (« %.*s ») n'est pas reconnu : "
                        "« communes: » suivi de codes INSEE séparés par des virgules, ou "
                        "« epci: » suivi du SIREN de l'intercommunalité.",
        shown_len(v, len), v);
}

static void line_field(char out[48], size_t k, const char *what)
{
    snprintf(out, 48, "line_%zu_%s", k, what);
}

static void format_cents(int64_t cents, char *out, size_t cap)
{
    mg_budget_format_cents(cents, out, cap);
}

/* The budget lines: each well formed, a co-funder named on account 74
 * only and once; then the totals (at filing: balanced, 86 = 87, one
 * co-funder asked at least, the sum asked not above the expenses). */
static void lines_check(checker *ck, const mg_subsidy_request_input *in, checked *k)
{
    memset(&k->totals, 0, sizeof k->totals);
    if (in->nlines > 0 && !in->lines) {
        err(ck, "budget", "Les lignes du budget manquent.");
        return;
    }
    int positions[MG_SUBSIDY_SIDES] = {0, 0};
    size_t filled = 0;
    bool failed_before = ck->failed;
    ck->failed = false;
    int64_t exp = 0, res = 0, ink_e = 0, ink_r = 0, asked = 0;
    bool funder_named = false, funder_positive = false;
    for (size_t i = 0; i < in->nlines; i++) {
        const mg_subsidy_line_input *l = &in->lines[i];
        size_t kk = i + 1;
        if (blank(l->account) && blank(l->label) && blank(l->amount) && blank(l->funder))
            continue;
        if (++filled > MG_SUBSIDY_LINES_MAX) {
            err(ck, "budget", "Le budget a plus de %d lignes.", (int)MG_SUBSIDY_LINES_MAX);
            return;
        }
        char f_acc[48], f_label[48], f_amount[48], f_funder[48];
        line_field(f_acc, kk, "account");
        line_field(f_label, kk, "label");
        line_field(f_amount, kk, "amount");
        line_field(f_funder, kk, "funder");
        checked_line cl = {0};
        const char *ab;
        size_t an;
        trim(l->account, &ab, &an);
        char acc[8] = "";
        if (an > 0 && an < sizeof acc) {
            memcpy(acc, ab, an);
            acc[an] = 0;
        }
        const mg_subsidy_account *a = an == 0 ? NULL : mg_subsidy_account_find(acc);
        bool line_ok = true;
        if (an == 0) {
            err(ck, f_acc, "Ligne %zu du budget : choisissez son compte (60 à 87).", kk);
            line_ok = false;
        } else if (!a) {
            err(ck, f_acc, "Ligne %zu du budget : le compte « %.*s » n'est pas un compte du "
                           "formulaire (60 à 68 et 86 pour les charges, 70 à 79 et 87 pour les "
                           "produits).", kk, shown_len(ab, an), ab);
            line_ok = false;
        }
        char *label = NULL;
        if (text(ck, l->label, f_label, "Libellé", MG_SUBSIDY_TITLE_MAX_CHARS, false, false,
                 &label) < 0) {
            free(label);
            line_ok = false;
            continue;
        }
        int64_t amount = 0;
        if (blank(l->amount)) {
            if (ck->complete) {
                err(ck, f_amount, "Ligne %zu du budget : le montant est obligatoire.", kk);
                line_ok = false;
            }
        } else if (mg_budget_parse_cents(l->amount, &amount) != 0) {
            const char *tb;
            size_t tn;
            trim(l->amount, &tb, &tn);
            err(ck, f_amount, "Ligne %zu du budget : « %.*s » n'est pas un montant en euros "
                              "(par exemple « 12 500 » ou « 1 234,56 »).",
                kk, shown_len(tb, tn), tb);
            line_ok = false;
        }
        int64_t funder = 0;
        if (!blank(l->funder)) {
            checker sub = {.complete = ck->complete, .errs = NULL};
            id_field(&sub, l->funder, f_funder, "Cofinanceur", &funder);
            if (sub.failed) {
                err(ck, f_funder, "Ligne %zu du budget : le cofinanceur choisi n'existe pas.",
                    kk);
                line_ok = false;
            } else if (a && strcmp(a->code, "74") != 0) {
                err(ck, f_funder, "Ligne %zu du budget : un cofinanceur ne se nomme que sur une "
                                  "ligne du compte 74 (subventions d'exploitation), pas sur le "
                                  "compte %s.", kk, a->code);
                line_ok = false;
            } else {
                for (size_t j = 0; j < k->nlines; j++)
                    if (k->lines[j].funder_id == funder) {
                        err(ck, f_funder, "Ligne %zu du budget : ce cofinanceur est déjà nommé "
                                          "sur la ligne %zu ; une seule ligne par cofinanceur.",
                            kk, k->line_input[j]);
                        line_ok = false;
                        break;
                    }
            }
        }
        if (ck->complete && funder > 0 && line_ok && amount == 0) {
            err(ck, f_amount, "Ligne %zu du budget : le montant demandé à un cofinanceur doit "
                              "être supérieur à zéro.", kk);
            line_ok = false;
        }
        if (!line_ok || !a) {
            free(label);
            continue;
        }
        cl.side = a->side;
        snprintf(cl.account, sizeof cl.account, "%s", a->code);
        cl.label = label;
        cl.amount_cents = amount;
        cl.funder_id = funder;
        cl.position = positions[a->side]++;
        k->line_input[k->nlines] = kk;
        k->lines[k->nlines++] = cl;
        if (a->side == MG_SUBSIDY_EXPENSE) {
            exp += amount;
            if (a->in_kind)
                ink_e += amount;
        } else {
            res += amount;
            if (a->in_kind)
                ink_r += amount;
        }
        if (funder) {
            asked += amount;
            funder_named = true;
            if (amount > 0)
                funder_positive = true;
        }
    }
    k->totals = (mg_subsidy_budget_totals){.expenses = exp, .resources = res,
                                           .in_kind_expenses = ink_e,
                                           .in_kind_resources = ink_r, .asked = asked};
    if (exp > MAX_CENTS || res > MAX_CENTS)
        err(ck, "budget", "Le budget dépasse 1 000 milliards d'euros.");
    /* The totals are said unless a line was refused (they would be wrong). */
    bool lines_failed = ck->failed;
    ck->failed = ck->failed || failed_before;
    if (!ck->complete || lines_failed)
        return;
    char e[64], r[64];
    if (exp != res) {
        format_cents(exp, e, sizeof e);
        format_cents(res, r, sizeof r);
        err(ck, "budget", "Le budget n'est pas équilibré : charges %s, produits %s.", e, r);
    }
    if (ink_e != ink_r) {
        format_cents(ink_e, e, sizeof e);
        format_cents(ink_r, r, sizeof r);
        err(ck, "budget", "Les contributions volontaires en nature ne sont pas équilibrées : "
                          "emplois (compte 86) %s, contributions (compte 87) %s.", e, r);
    }
    if (!funder_named || !funder_positive)
        err(ck, "budget", "Le budget ne demande rien à aucun cofinanceur : nommez au moins un "
                          "cofinanceur sur une ligne du compte 74 avec le montant demandé.");
    if (asked > exp) {
        char a[64];
        format_cents(asked, a, sizeof a);
        format_cents(exp, e, sizeof e);
        err(ck, "budget", "Le montant demandé aux cofinanceurs (%s) dépasse le total des "
                          "charges du projet (%s).", a, e);
    }
}

/* Checks every field of `in` into k (owned: checked_free); every refused
 * field in ck->errs. MG_ENOMEM only; ck->failed tells the refusal. */
static int check_all(checker *ck, const mg_subsidy_request_input *in, checked *k)
{
    memset(k, 0, sizeof *k);
    int rc = 0;
#define TEXT(f, label, max, req, multi)                                                      \
    do {                                                                                     \
        if (rc == 0)                                                                         \
            rc = text(ck, in->f, #f, label, max, req, multi, &k->f);                         \
    } while (0)
    TEXT(name, "Nom de l'organisme", 200, true, false);
    TEXT(acronym, "Sigle", 50, false, false);
    TEXT(address, "Adresse du siège", 300, true, false);
    TEXT(city, "Commune", 100, true, false);
    TEXT(representative_role, "Qualité du représentant légal", 100, true, false);
    TEXT(contact_role, "Qualité de la personne chargée du dossier", 100, false, false);
    TEXT(title, "Intitulé du projet", MG_SUBSIDY_TITLE_MAX_CHARS, true, false);
    TEXT(objectives, "Objectifs", MG_SUBSIDY_TEXT_MAX_CHARS, true, true);
    TEXT(description, "Description", MG_SUBSIDY_DESCRIPTION_MAX_CHARS, true, true);
    TEXT(target_publics, "Publics visés", 500, true, false);
    TEXT(evaluation, "Indicateurs d'évaluation", MG_SUBSIDY_TEXT_MAX_CHARS, true, true);
#undef TEXT
    if (rc < 0)
        return rc;
    email_field(ck, in->email, &k->email);
    phone_field(ck, in->phone, &k->phone);
    communes_field(ck, in->communes, &k->communes);
    if (!k->email || !k->phone || !k->communes) {
        /* A refused text leaves NULL: store "" (never stored when refused). */
        if (!k->email && !(k->email = mg_strdup("")))
            return MG_ENOMEM;
        if (!k->phone && !(k->phone = mg_strdup("")))
            return MG_ENOMEM;
        if (!k->communes && !(k->communes = mg_strdup("")))
            return MG_ENOMEM;
    }
    mg_parse_error why = MG_PARSE_OK;
    if (blank(in->siret)) {
        if (ck->complete)
            missing(ck, "siret", "SIRET");
    } else if (mg_parse_siret(in->siret, k->siret, &why) != 0) {
        k->siret[0] = 0;
        err(ck, "siret", "Le numéro SIRET n'est pas valide : 14 chiffres dont le dernier est "
                         "une clé de contrôle (par exemple « 732 829 320 00074 »).");
    }
    if (!blank(in->rna) && mg_parse_rna(in->rna, k->rna, &why) != 0) {
        k->rna[0] = 0;
        err(ck, "rna", "Le numéro RNA n'est pas valide : « W » suivi de 9 caractères, par "
                       "exemple « W112001234 ».");
    }
    if (blank(in->postcode)) {
        if (ck->complete)
            missing(ck, "postcode", "Code postal");
    } else if (mg_parse_postcode(in->postcode, k->postcode, &why) != 0) {
        k->postcode[0] = 0;
        err(ck, "postcode", "Le code postal attend 5 chiffres, par exemple « 11000 ».");
    }
    integer(ck, in->volunteers, "volunteers", "Bénévoles", 10000000, &k->volunteers);
    integer(ck, in->employees, "employees", "Salariés", 10000000, &k->employees);
    hundredths(ck, in->employees_fte, "employees_fte", "Salariés en équivalent temps plein",
               1000000000, &k->fte);
    integer(ck, in->members, "members", "Adhérents", 100000000, &k->members);
    date_field(ck, in->starts_on, "starts_on", "Date de début", k->starts_on);
    date_field(ck, in->ends_on, "ends_on", "Date de fin", k->ends_on);
    if (k->starts_on[0] && k->ends_on[0] && strcmp(k->ends_on, k->starts_on) < 0)
        err(ck, "ends_on", "La date de fin précède la date de début du projet.");
    checkbox(ck, in->is_renewal, "is_renewal", "Renouvellement", &k->is_renewal);
    checkbox(ck, in->multi_year, "multi_year", "Pluriannuel", &k->multi_year);
    const char *nb;
    size_t nn;
    trim(in->nature, &nb, &nn);
    if (nn == 0 || (nn == 9 && strncmp(nb, "operation", 9) == 0))
        snprintf(k->nature, sizeof k->nature, "operation");
    else if (nn == 10 && strncmp(nb, "investment", 10) == 0)
        snprintf(k->nature, sizeof k->nature, "investment");
    else
        err(ck, "nature", "La nature du projet est « fonctionnement » ou « investissement ».");
    id_field(ck, in->call, "call", "Appel à projets", &k->call_id);
    id_field(ck, in->action, "action", "Action du contrat", &k->action_id);
    lines_check(ck, in, k);
    return 0;
}

int mg_subsidy_input_check(const mg_subsidy_request_input *in, bool complete,
                           mg_subsidy_budget_totals *totals, mg_subsidy_errors *errs,
                           mg_diag *d)
{
    if (errs)
        errs->n = 0;
    if (totals)
        memset(totals, 0, sizeof *totals);
    if (!in)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_input_check: bad arguments");
    checked *k = calloc(1, sizeof *k);
    if (!k)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    mg_subsidy_errors local = {0};
    checker ck = {.complete = complete, .errs = errs ? errs : &local};
    int rc = check_all(&ck, in, k);
    if (rc == 0 && totals)
        *totals = k->totals;
    checked_free(k);
    free(k);
    if (rc < 0)
        return mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
    return ck.failed ? mg_subsidy_refuse(ck.errs, d) : 0;
}

/* --- Reads ---------------------------------------------------------------------------------- */

#define REQUEST_COLUMNS                                                                         \
    "r.id, r.window_id, w.lead_id, r.applicant_id, o.name, COALESCE(r.call_id, 0), "            \
    "COALESCE(r.action_id, 0), COALESCE(r.renewal_of, 0), r.state, r.name, r.acronym, "         \
    "r.siret, r.rna, r.address, r.postcode, r.city, r.email, r.phone, r.representative_role, "  \
    "r.contact_role, r.volunteers, r.employees, r.employees_fte_hundredths, r.members, "        \
    "r.title, r.objectives, r.description, r.evaluation, r.target_publics, r.communes, "        \
    "COALESCE(r.starts_on, ''), COALESCE(r.ends_on, ''), r.is_renewal, r.multi_year, "          \
    "r.nature, r.total_expenses_cents, r.total_resources_cents, r.version, "                    \
    "COALESCE(r.created_by, 0), COALESCE(r.filed_by, 0), COALESCE(r.filed_at, ''), "            \
    "r.created_at, r.updated_at, r.is_example "                                                 \
    "FROM subsidy_requests r JOIN subsidy_windows w ON w.id = r.window_id "                     \
    "JOIN organisations o ON o.id = r.applicant_id "

static int read_request(mg_db_stmt *q, mg_subsidy_request *out)
{
    memset(out, 0, sizeof *out);
    int c = 0;
    out->id = mg_db_column_int64(q, c++);
    out->window_id = mg_db_column_int64(q, c++);
    out->lead_id = mg_db_column_int64(q, c++);
    out->applicant_id = mg_db_column_int64(q, c++);
    mg_db_column_copy(q, c++, out->applicant_name, sizeof out->applicant_name);
    out->call_id = mg_db_column_int64(q, c++);
    out->action_id = mg_db_column_int64(q, c++);
    out->renewal_of = mg_db_column_int64(q, c++);
    if (mg_subsidy_state_parse(mg_db_column_text(q, c++), &out->state) != 0)
        out->state = MG_SUBSIDY_DRAFT;
    mg_db_column_copy(q, c++, out->name, sizeof out->name);
    mg_db_column_copy(q, c++, out->acronym, sizeof out->acronym);
    mg_db_column_copy(q, c++, out->siret, sizeof out->siret);
    mg_db_column_copy(q, c++, out->rna, sizeof out->rna);
    mg_db_column_copy(q, c++, out->address, sizeof out->address);
    mg_db_column_copy(q, c++, out->postcode, sizeof out->postcode);
    mg_db_column_copy(q, c++, out->city, sizeof out->city);
    mg_db_column_copy(q, c++, out->email, sizeof out->email);
    mg_db_column_copy(q, c++, out->phone, sizeof out->phone);
    mg_db_column_copy(q, c++, out->representative_role, sizeof out->representative_role);
    mg_db_column_copy(q, c++, out->contact_role, sizeof out->contact_role);
    out->volunteers = mg_db_column_int64(q, c++);
    out->employees = mg_db_column_int64(q, c++);
    out->employees_fte_hundredths = mg_db_column_int64(q, c++);
    out->members = mg_db_column_int64(q, c++);
    mg_db_column_copy(q, c++, out->title, sizeof out->title);
    const char *t = mg_db_column_text(q, c++);
    out->objectives = mg_strdup(t ? t : "");
    t = mg_db_column_text(q, c++);
    out->description = mg_strdup(t ? t : "");
    t = mg_db_column_text(q, c++);
    out->evaluation = mg_strdup(t ? t : "");
    mg_db_column_copy(q, c++, out->target_publics, sizeof out->target_publics);
    mg_db_column_copy(q, c++, out->communes, sizeof out->communes);
    mg_db_column_copy(q, c++, out->starts_on, sizeof out->starts_on);
    mg_db_column_copy(q, c++, out->ends_on, sizeof out->ends_on);
    out->is_renewal = mg_db_column_int64(q, c++) != 0;
    out->multi_year = mg_db_column_int64(q, c++) != 0;
    mg_db_column_copy(q, c++, out->nature, sizeof out->nature);
    out->total_expenses_cents = mg_db_column_int64(q, c++);
    out->total_resources_cents = mg_db_column_int64(q, c++);
    out->version = (int)mg_db_column_int64(q, c++);
    out->created_by = mg_db_column_int64(q, c++);
    out->filed_by = mg_db_column_int64(q, c++);
    mg_db_column_copy(q, c++, out->filed_at, sizeof out->filed_at);
    mg_db_column_copy(q, c++, out->created_at, sizeof out->created_at);
    mg_db_column_copy(q, c++, out->updated_at, sizeof out->updated_at);
    out->is_example = mg_db_column_int64(q, c++) != 0;
    if (!out->objectives || !out->description || !out->evaluation) {
        mg_subsidy_request_clear(out);
        return MG_ENOMEM;
    }
    return 0;
}

void mg_subsidy_request_clear(mg_subsidy_request *r)
{
    if (!r)
        return;
    free(r->objectives);
    free(r->description);
    free(r->evaluation);
    r->objectives = r->description = r->evaluation = NULL;
}

int mg_subsidy_get_on(mg_db_conn *c, int64_t id, mg_subsidy_request *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT " REQUEST_COLUMNS "WHERE r.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        rc = read_request(q, out);
        if (rc < 0)
            rc = mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                         (long long)id);
    }
    mg_db_finalize(q);
    return rc;
}

struct get_tx {
    int64_t id;
    mg_subsidy_request *out;
};

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    mg_subsidy_request_clear(t->out);
    return mg_subsidy_get_on(c, t->id, t->out, d);
}

int mg_subsidy_get(mg_db *db, int64_t id, mg_subsidy_request *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_get: bad arguments");
    memset(out, 0, sizeof *out);
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                           (long long)id);
    struct get_tx t = {id, out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
    if (rc < 0)
        mg_subsidy_request_clear(out);
    return rc;
}

static int lines_on(mg_db_conn *c, int64_t request_id, mg_subsidy_line **out, size_t *n,
                    mg_diag *d)
{
    *out = NULL;
    *n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT l.id, l.side, l.account, l.label, l.amount_cents, COALESCE(l.funder_id, 0), "
        "COALESCE(o.name, '') FROM subsidy_budget_lines l "
        "LEFT JOIN organisations o ON o.id = l.funder_id WHERE l.request_id = ?1 "
        "ORDER BY CASE WHEN l.side = 'expense' THEN 0 ELSE 1 END, l.position, l.id",
        MG_DB_PARAMS(MG_DB_INT(request_id)), &q, d);
    mg_subsidy_line *v = NULL;
    size_t cap = 0, k = 0;
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (k == cap) {
            size_t nc = cap ? cap * 2 : 16;
            mg_subsidy_line *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            v = nv;
            cap = nc;
        }
        mg_subsidy_line *l = &v[k];
        memset(l, 0, sizeof *l);
        l->id = mg_db_column_int64(q, 0);
        if (mg_subsidy_side_parse(mg_db_column_text(q, 1), &l->side) != 0)
            l->side = MG_SUBSIDY_EXPENSE;
        mg_db_column_copy(q, 2, l->account, sizeof l->account);
        mg_db_column_copy(q, 3, l->label, sizeof l->label);
        l->amount_cents = mg_db_column_int64(q, 4);
        l->funder_id = mg_db_column_int64(q, 5);
        mg_db_column_copy(q, 6, l->funder_name, sizeof l->funder_name);
        k++;
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

struct lines_tx {
    int64_t id;
    mg_subsidy_line **out;
    size_t *n;
};

static int lines_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct lines_tx *t = ctx;
    free(*t->out);
    *t->out = NULL;
    *t->n = 0;
    return lines_on(c, t->id, t->out, t->n, d);
}

int mg_subsidy_lines(mg_db *db, int64_t request_id, mg_subsidy_line **out, size_t *n,
                     mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_lines: bad arguments");
    *out = NULL;
    *n = 0;
    struct lines_tx t = {request_id, out, n};
    return mg_db_transaction(db, MG_DB_TX_READ, lines_body, &t, d);
}

static int access_on(mg_db_conn *c, int64_t request_id, mg_subsidy_access *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT r.id, r.applicant_id, w.lead_id, r.window_id, r.state "
                                "FROM subsidy_requests r JOIN subsidy_windows w "
                                "ON w.id = r.window_id WHERE r.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(request_id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        out->request_id = mg_db_column_int64(q, 0);
        out->applicant_id = mg_db_column_int64(q, 1);
        out->lead_id = mg_db_column_int64(q, 2);
        out->window_id = mg_db_column_int64(q, 3);
        if (mg_subsidy_state_parse(mg_db_column_text(q, 4), &out->state) != 0)
            out->state = MG_SUBSIDY_DRAFT;
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                         (long long)request_id);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    rc = mg_db_prepare_with(c,
                            "SELECT funder_id, CASE WHEN routed_at IS NULL THEN 0 ELSE 1 END "
                            "FROM subsidy_request_funders WHERE request_id = ?1 "
                            "ORDER BY funder_id",
                            MG_DB_PARAMS(MG_DB_INT(request_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        int64_t f = mg_db_column_int64(q, 0);
        if (out->naddressed < MG_SUBSIDY_FUNDERS_MAX)
            out->addressed[out->naddressed++] = f;
        if (mg_db_column_int64(q, 1) && out->nrouted < MG_SUBSIDY_FUNDERS_MAX)
            out->routed[out->nrouted++] = f;
        rc = 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

struct access_tx {
    int64_t id;
    mg_subsidy_access *out;
};

static int access_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct access_tx *t = ctx;
    return access_on(c, t->id, t->out, d);
}

int mg_subsidy_access_get(mg_db *db, int64_t request_id, mg_subsidy_access *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_access_get: bad arguments");
    memset(out, 0, sizeof *out);
    if (request_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                           (long long)request_id);
    struct access_tx t = {request_id, out};
    return mg_db_transaction(db, MG_DB_TX_READ, access_body, &t, d);
}

/* --- Saving a form ------------------------------------------------------------------------ */

/* The stored values of a request as text, for the audit trail and the
 * versions: field name, value. */
typedef struct field_text {
    const char *field;
    char *value; /* owned */
    bool personal;
} field_text;

enum { FIELD_TEXTS = 34 };

static char *dup_int(int64_t v)
{
    char b[24];
    mg_subsidy_int_text(b, v);
    return mg_strdup(b);
}

/* The lines as one text: "expense 60 label amount funder; …" (for the
 * audit trail's before/after of "budget_lines"). */
static char *lines_text(const checked_line *lines, size_t n, const mg_subsidy_line *stored,
                        size_t ns)
{
    mg_buf b;
    mg_buf_init(&b, (size_t)1 << 20);
    size_t total = lines ? n : ns;
    for (size_t i = 0; i < total; i++) {
        const char *acc = lines ? lines[i].account : stored[i].account;
        const char *label = lines ? lines[i].label : stored[i].label;
        int64_t amount = lines ? lines[i].amount_cents : stored[i].amount_cents;
        int64_t funder = lines ? lines[i].funder_id : stored[i].funder_id;
        mg_buf_printf(&b, "%s%s|%s|%lld|%lld", i ? "; " : "", acc, label ? label : "",
                      (long long)amount, (long long)funder);
    }
    char *s = mg_buf_take(&b, NULL);
    mg_buf_free(&b);
    return s ? s : mg_strdup("");
}

/* The fields of a checked form, in a fixed order. */
static size_t checked_texts(const checked *k, field_text *out)
{
    size_t n = 0;
#define T(f, v, p) out[n++] = (field_text){f, mg_strdup(v), p}
#define I(f, v) out[n++] = (field_text){f, dup_int(v), false}
    T("name", k->name, false);
    T("acronym", k->acronym, false);
    T("siret", k->siret, false);
    T("rna", k->rna, false);
    T("address", k->address, false);
    T("postcode", k->postcode, false);
    T("city", k->city, false);
    T("email", k->email, true);
    T("phone", k->phone, true);
    T("representative_role", k->representative_role, false);
    T("contact_role", k->contact_role, false);
    I("volunteers", k->volunteers);
    I("employees", k->employees);
    I("employees_fte_hundredths", k->fte);
    I("members", k->members);
    T("title", k->title, false);
    T("objectives", k->objectives, false);
    T("description", k->description, false);
    T("target_publics", k->target_publics, false);
    T("communes", k->communes, false);
    T("starts_on", k->starts_on, false);
    T("ends_on", k->ends_on, false);
    T("evaluation", k->evaluation, false);
    I("is_renewal", k->is_renewal);
    I("multi_year", k->multi_year);
    T("nature", k->nature, false);
    I("call_id", k->call_id);
    I("action_id", k->action_id);
    I("total_expenses_cents", k->totals.expenses);
    I("total_resources_cents", k->totals.resources);
    out[n++] = (field_text){"budget_lines", lines_text(k->lines, k->nlines, NULL, 0), false};
#undef T
#undef I
    return n;
}

static size_t request_texts(const mg_subsidy_request *r, const mg_subsidy_line *lines,
                            size_t nlines, field_text *out)
{
    size_t n = 0;
#define T(f, v, p) out[n++] = (field_text){f, mg_strdup(v ? v : ""), p}
#define I(f, v) out[n++] = (field_text){f, dup_int(v), false}
    T("name", r->name, false);
    T("acronym", r->acronym, false);
    T("siret", r->siret, false);
    T("rna", r->rna, false);
    T("address", r->address, false);
    T("postcode", r->postcode, false);
    T("city", r->city, false);
    T("email", r->email, true);
    T("phone", r->phone, true);
    T("representative_role", r->representative_role, false);
    T("contact_role", r->contact_role, false);
    I("volunteers", r->volunteers);
    I("employees", r->employees);
    I("employees_fte_hundredths", r->employees_fte_hundredths);
    I("members", r->members);
    T("title", r->title, false);
    T("objectives", r->objectives, false);
    T("description", r->description, false);
    T("target_publics", r->target_publics, false);
    T("communes", r->communes, false);
    T("starts_on", r->starts_on, false);
    T("ends_on", r->ends_on, false);
    T("evaluation", r->evaluation, false);
    I("is_renewal", r->is_renewal);
    I("multi_year", r->multi_year);
    T("nature", r->nature, false);
    I("call_id", r->call_id);
    I("action_id", r->action_id);
    I("total_expenses_cents", r->total_expenses_cents);
    I("total_resources_cents", r->total_resources_cents);
    out[n++] = (field_text){"budget_lines", lines_text(NULL, nlines, lines, nlines), false};
#undef T
#undef I
    return n;
}

static void texts_free(field_text *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].value);
        t[i].value = NULL;
    }
}

static bool texts_ok(const field_text *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!t[i].value)
            return false;
    return true;
}

/* Appends the audit entry of a change: the fields whose text differs
 * (before NULL: a creation). */
static int audit_request(mg_db_conn *c, int64_t by, int64_t org, int64_t request_id,
                         const char *verb, const field_text *before, const field_text *after,
                         size_t n, const mg_audit_change *extra, size_t nextra, mg_diag *d)
{
    mg_audit_change ch[FIELD_TEXTS + 8];
    size_t k = 0;
    for (size_t i = 0; i < n && k < FIELD_TEXTS; i++) {
        if (before && strcmp(before[i].value, after[i].value) == 0)
            continue;
        if (!before && after[i].value[0] == 0)
            continue;
        ch[k++] = (mg_audit_change){after[i].field, before ? before[i].value : NULL,
                                    after[i].value, after[i].personal};
    }
    for (size_t i = 0; i < nextra && k < sizeof ch / sizeof ch[0]; i++)
        ch[k++] = extra[i];
    mg_audit_entry e = {.account_id = by, .organisation_id = org,
                        .object_type = "subsidy_request", .object_id = request_id,
                        .verb = verb, .changes = ch, .nchanges = k};
    return mg_audit_append(c, &e, NULL, d);
}

static const char *date_or_null(const char *s)
{
    return s && s[0] ? s : NULL;
}

static mg_db_param id_or_null(int64_t v)
{
    return v > 0 ? MG_DB_INT(v) : MG_DB_NULL;
}

/* Writes the checked fields on request `id` (an UPDATE of every column). */
static int write_fields(mg_db_conn *c, int64_t id, const checked *k, const char *now,
                        mg_diag *d)
{
    return mg_db_run(
        c,
        "UPDATE subsidy_requests SET name = ?2, acronym = ?3, siret = ?4, rna = ?5, "
        "address = ?6, postcode = ?7, city = ?8, email = ?9, phone = ?10, "
        "representative_role = ?11, contact_role = ?12, volunteers = ?13, employees = ?14, "
        "employees_fte_hundredths = ?15, members = ?16, title = ?17, objectives = ?18, "
        "description = ?19, target_publics = ?20, communes = ?21, starts_on = ?22, "
        "ends_on = ?23, evaluation = ?24, is_renewal = ?25, multi_year = ?26, nature = ?27, "
        "call_id = ?28, action_id = ?29, total_expenses_cents = ?30, "
        "total_resources_cents = ?31, updated_at = ?32 WHERE id = ?1",
        MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(k->name), MG_DB_TEXT(k->acronym),
                     MG_DB_TEXT(k->siret), MG_DB_TEXT(k->rna), MG_DB_TEXT(k->address),
                     MG_DB_TEXT(k->postcode), MG_DB_TEXT(k->city), MG_DB_TEXT(k->email),
                     MG_DB_TEXT(k->phone), MG_DB_TEXT(k->representative_role),
                     MG_DB_TEXT(k->contact_role), MG_DB_INT(k->volunteers),
                     MG_DB_INT(k->employees), MG_DB_INT(k->fte), MG_DB_INT(k->members),
                     MG_DB_TEXT(k->title), MG_DB_TEXT(k->objectives),
                     MG_DB_TEXT(k->description), MG_DB_TEXT(k->target_publics),
                     MG_DB_TEXT(k->communes), MG_DB_TEXT(date_or_null(k->starts_on)),
                     MG_DB_TEXT(date_or_null(k->ends_on)), MG_DB_TEXT(k->evaluation),
                     MG_DB_INT(k->is_renewal), MG_DB_INT(k->multi_year), MG_DB_TEXT(k->nature),
                     id_or_null(k->call_id), id_or_null(k->action_id),
                     MG_DB_INT(k->totals.expenses), MG_DB_INT(k->totals.resources),
                     MG_DB_TEXT(now)),
        NULL, d);
}

static int write_lines(mg_db_conn *c, int64_t id, const checked *k, mg_diag *d)
{
    int rc = mg_db_run(c, "DELETE FROM subsidy_budget_lines WHERE request_id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(id)), NULL, d);
    for (size_t i = 0; rc == 0 && i < k->nlines; i++) {
        const checked_line *l = &k->lines[i];
        rc = mg_db_run(c,
                       "INSERT INTO subsidy_budget_lines (request_id, side, account, label, "
                       "amount_cents, funder_id, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(mg_subsidy_side_key(l->side)),
                                    MG_DB_TEXT(l->account), MG_DB_TEXT(l->label),
                                    MG_DB_INT(l->amount_cents), id_or_null(l->funder_id),
                                    MG_DB_INT(l->position)),
                       NULL, d);
    }
    return rc;
}

/* What the form names must exist: its window's call, the action, each
 * co-funder a co-funder of the window. Refused fields in ck. */
static int check_refs(mg_db_conn *c, checker *ck, int64_t window_id, const checked *k,
                      mg_diag *d)
{
    int64_t v = 0;
    int rc;
    if (k->call_id) {
        rc = mg_db_query_int(c, "SELECT window_id FROM subsidy_calls WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(k->call_id)), &v, d);
        if (rc < 0 && rc != MG_ENOTFOUND)
            return rc;
        if (rc == MG_ENOTFOUND || v != window_id)
            err(ck, "call", "L'appel à projets choisi n'existe pas dans ce guichet.");
    }
    if (k->action_id) {
        rc = mg_db_query_int(c, "SELECT id FROM contract_actions WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(k->action_id)), &v, d);
        if (rc < 0 && rc != MG_ENOTFOUND)
            return rc;
        if (rc == MG_ENOTFOUND)
            err(ck, "action", "L'action de contrat choisie n'existe pas.");
    }
    for (size_t i = 0; i < k->nlines; i++) {
        if (!k->lines[i].funder_id)
            continue;
        rc = mg_db_query_int(c,
                             "SELECT 1 FROM subsidy_window_funders WHERE window_id = ?1 "
                             "AND funder_id = ?2",
                             MG_DB_PARAMS(MG_DB_INT(window_id),
                                          MG_DB_INT(k->lines[i].funder_id)),
                             &v, d);
        if (rc < 0 && rc != MG_ENOTFOUND)
            return rc;
        if (rc == MG_ENOTFOUND) {
            char f[48];
            line_field(f, k->line_input[i], "funder");
            err(ck, f, "Ligne %zu du budget : l'organisme choisi n'est pas un cofinanceur de "
                       "ce guichet.", k->line_input[i]);
        }
    }
    return 0;
}

struct save_tx {
    int64_t by, window_id, applicant_id, request_id;
    const checked *k;
    mg_subsidy_errors *errs;
    int64_t id;
};

static int save_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct save_tx *t = ctx;
    t->id = 0;
    t->errs->n = 0;
    checker ck = {.complete = false, .errs = t->errs};
    int64_t window_id = t->window_id, applicant_id = t->applicant_id;
    mg_subsidy_request old;
    memset(&old, 0, sizeof old);
    mg_subsidy_line *old_lines = NULL;
    size_t n_old = 0;
    bool have_old = false;
    int rc = 0;
    int64_t v = 0;
    if (t->request_id > 0) {
        rc = mg_subsidy_get_on(c, t->request_id, &old, d);
        if (rc < 0)
            return rc;
        have_old = true;
        window_id = old.window_id;
        applicant_id = old.applicant_id;
        if (old.state != MG_SUBSIDY_DRAFT) {
            err(&ck, "request", "Cette demande a été déposée : elle ne se modifie plus comme "
                                "un brouillon.");
            goto refused;
        }
        rc = lines_on(c, t->request_id, &old_lines, &n_old, d);
        if (rc < 0)
            goto out;
    } else {
        rc = mg_db_query_int(c, "SELECT id FROM organisations WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(applicant_id)), &v, d);
        if (rc == MG_ENOTFOUND) {
            err(&ck, "applicant", "L'organisme demandeur n'existe pas.");
            rc = 0;
        }
        if (rc < 0)
            goto out;
        rc = mg_db_query_int(c, "SELECT id FROM subsidy_windows WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(window_id)), &v, d);
        if (rc == MG_ENOTFOUND) {
            err(&ck, "window", "Ce guichet n'existe pas.");
            rc = 0;
        }
        if (rc < 0)
            goto out;
    }
    if (!ck.failed && (rc = check_refs(c, &ck, window_id, t->k, d)) < 0)
        goto out;
    if (ck.failed)
        goto refused;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        goto out;
    int64_t id = t->request_id;
    if (!have_old) {
        rc = mg_db_query_int(c,
                             "INSERT INTO subsidy_requests (window_id, applicant_id, "
                             "created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) "
                             "RETURNING id",
                             MG_DB_PARAMS(MG_DB_INT(window_id), MG_DB_INT(applicant_id),
                                          id_or_null(t->by), MG_DB_TEXT(now)),
                             &id, d);
        if (rc == MG_ENOTFOUND)
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new request has no id");
        if (rc < 0)
            goto out;
    }
    if ((rc = write_fields(c, id, t->k, now, d)) < 0 || (rc = write_lines(c, id, t->k, d)) < 0)
        goto out;
    field_text after[FIELD_TEXTS], before[FIELD_TEXTS];
    size_t na = checked_texts(t->k, after), nb = 0;
    if (have_old)
        nb = request_texts(&old, old_lines, n_old, before);
    if (!texts_ok(after, na) || (have_old && !texts_ok(before, nb))) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    } else {
        char win[24], app[24];
        mg_subsidy_int_text(win, window_id);
        mg_subsidy_int_text(app, applicant_id);
        mg_audit_change extra[] = {{"window_id", NULL, win, false},
                                   {"applicant_id", NULL, app, false},
                                   {"state", NULL, "draft", false}};
        rc = audit_request(c, t->by, applicant_id, id, have_old ? "update" : "create",
                           have_old ? before : NULL, after, na, extra,
                           have_old ? 0 : sizeof extra / sizeof extra[0], d);
    }
    texts_free(after, na);
    texts_free(before, nb);
    if (rc == 0)
        t->id = id;
    goto out;
refused:
    rc = mg_subsidy_refuse(t->errs, d);
out:
    if (have_old)
        mg_subsidy_request_clear(&old);
    free(old_lines);
    return rc;
}

int mg_subsidy_draft_save(mg_db *db, int64_t by, int64_t window_id, int64_t applicant_id,
                          int64_t request_id, const mg_subsidy_request_input *in,
                          int64_t *id_out, mg_subsidy_errors *errs, mg_diag *d)
{
    mg_subsidy_errors local = {0};
    if (!errs)
        errs = &local;
    errs->n = 0;
    if (id_out)
        *id_out = 0;
    if (!db || !in || by < 0 || request_id < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_draft_save: bad arguments");
    if (request_id == 0 && (window_id <= 0 || applicant_id <= 0)) {
        if (window_id <= 0)
            mg_subsidy_errors_add(errs, "window", "Ce guichet n'existe pas.");
        if (applicant_id <= 0)
            mg_subsidy_errors_add(errs, "applicant", "Choisissez l'organisme demandeur.");
        return mg_subsidy_refuse(errs, d);
    }
    checked *k = calloc(1, sizeof *k);
    if (!k)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    checker ck = {.complete = false, .errs = errs};
    int rc = check_all(&ck, in, k);
    if (rc < 0) {
        rc = mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
    } else if (ck.failed) {
        rc = mg_subsidy_refuse(errs, d);
    } else {
        struct save_tx t = {.by = by, .window_id = window_id, .applicant_id = applicant_id,
                            .request_id = request_id, .k = k, .errs = errs};
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, save_body, &t, d);
        if (rc == 0 && id_out)
            *id_out = t.id;
    }
    checked_free(k);
    free(k);
    return rc;
}

/* --- Versions --------------------------------------------------------------------------------- */

static json_t *request_json(const mg_subsidy_request *r, const mg_subsidy_line *lines, size_t n)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_t *lv = json_array();
    int bad = !lv;
    bad |= json_object_set_new(o, "name", json_string(r->name));
    bad |= json_object_set_new(o, "acronym", json_string(r->acronym));
    bad |= json_object_set_new(o, "siret", json_string(r->siret));
    bad |= json_object_set_new(o, "rna", json_string(r->rna));
    bad |= json_object_set_new(o, "address", json_string(r->address));
    bad |= json_object_set_new(o, "postcode", json_string(r->postcode));
    bad |= json_object_set_new(o, "city", json_string(r->city));
    bad |= json_object_set_new(o, "email", json_string(r->email));
    bad |= json_object_set_new(o, "phone", json_string(r->phone));
    bad |= json_object_set_new(o, "representative_role", json_string(r->representative_role));
    bad |= json_object_set_new(o, "contact_role", json_string(r->contact_role));
    bad |= json_object_set_new(o, "volunteers", json_integer(r->volunteers));
    bad |= json_object_set_new(o, "employees", json_integer(r->employees));
    bad |= json_object_set_new(o, "employees_fte_hundredths",
                               json_integer(r->employees_fte_hundredths));
    bad |= json_object_set_new(o, "members", json_integer(r->members));
    bad |= json_object_set_new(o, "title", json_string(r->title));
    bad |= json_object_set_new(o, "objectives", json_string(r->objectives));
    bad |= json_object_set_new(o, "description", json_string(r->description));
    bad |= json_object_set_new(o, "target_publics", json_string(r->target_publics));
    bad |= json_object_set_new(o, "communes", json_string(r->communes));
    bad |= json_object_set_new(o, "starts_on", json_string(r->starts_on));
    bad |= json_object_set_new(o, "ends_on", json_string(r->ends_on));
    bad |= json_object_set_new(o, "evaluation", json_string(r->evaluation));
    bad |= json_object_set_new(o, "is_renewal", json_boolean(r->is_renewal));
    bad |= json_object_set_new(o, "multi_year", json_boolean(r->multi_year));
    bad |= json_object_set_new(o, "nature", json_string(r->nature));
    bad |= json_object_set_new(o, "call_id", json_integer(r->call_id));
    bad |= json_object_set_new(o, "action_id", json_integer(r->action_id));
    bad |= json_object_set_new(o, "total_expenses_cents", json_integer(r->total_expenses_cents));
    bad |= json_object_set_new(o, "total_resources_cents",
                               json_integer(r->total_resources_cents));
    for (size_t i = 0; !bad && i < n; i++) {
        json_t *l = json_object();
        if (!l) {
            bad = 1;
            break;
        }
        bad |= json_object_set_new(l, "side", json_string(mg_subsidy_side_key(lines[i].side)));
        bad |= json_object_set_new(l, "account", json_string(lines[i].account));
        bad |= json_object_set_new(l, "label", json_string(lines[i].label));
        bad |= json_object_set_new(l, "amount_cents", json_integer(lines[i].amount_cents));
        bad |= json_object_set_new(l, "funder_id", json_integer(lines[i].funder_id));
        bad |= json_object_set_new(l, "funder_name", json_string(lines[i].funder_name));
        bad |= json_array_append_new(lv, l);
    }
    if (lv)
        bad |= json_object_set_new(o, "lines", lv);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int mg_subsidy_version_add(mg_db_conn *c, int64_t by, int64_t request_id, const char *reason,
                           mg_diag *d)
{
    mg_subsidy_request r;
    int rc = mg_subsidy_get_on(c, request_id, &r, d);
    if (rc < 0)
        return rc;
    mg_subsidy_line *lines = NULL;
    size_t n = 0;
    char *text = NULL;
    rc = lines_on(c, request_id, &lines, &n, d);
    if (rc == 0) {
        json_t *o = request_json(&r, lines, n);
        text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(o);
        if (!text)
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if (rc == 0)
        rc = mg_db_timestamp(now, d);
    if (rc == 0)
        rc = mg_db_run(c, "UPDATE subsidy_requests SET version = version + 1 WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(request_id)), NULL, d);
    int64_t version = 0;
    if (rc == 0)
        rc = mg_db_query_int(c, "SELECT version FROM subsidy_requests WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(request_id)), &version, d);
    if (rc == 0)
        rc = mg_db_run(c,
                       "INSERT INTO subsidy_request_versions (request_id, version, reason, "
                       "data_json, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                       MG_DB_PARAMS(MG_DB_INT(request_id), MG_DB_INT(version),
                                    MG_DB_TEXT(reason), MG_DB_TEXT(text), id_or_null(by),
                                    MG_DB_TEXT(now)),
                       NULL, d);
    free(text);
    free(lines);
    mg_subsidy_request_clear(&r);
    return rc;
}

void mg_subsidy_versions_free(mg_subsidy_version *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].data_json);
    free(v);
}

struct versions_tx {
    int64_t id;
    mg_subsidy_version **out;
    size_t *n;
};

static int versions_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct versions_tx *t = ctx;
    mg_subsidy_versions_free(*t->out, *t->n);
    *t->out = NULL;
    *t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT version, reason, COALESCE(created_by, 0), created_at, "
                                "data_json FROM subsidy_request_versions WHERE request_id = ?1 "
                                "ORDER BY version",
                                MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    mg_subsidy_version *v = NULL;
    size_t cap = 0, k = 0;
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (k == cap) {
            size_t nc = cap ? cap * 2 : 4;
            mg_subsidy_version *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            v = nv;
            cap = nc;
        }
        mg_subsidy_version *x = &v[k];
        memset(x, 0, sizeof *x);
        x->version = (int)mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, x->reason, sizeof x->reason);
        x->created_by = mg_db_column_int64(q, 2);
        mg_db_column_copy(q, 3, x->created_at, sizeof x->created_at);
        const char *j = mg_db_column_text(q, 4);
        x->data_json = mg_strdup(j ? j : "{}");
        k++;
        if (!x->data_json) {
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            break;
        }
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc < 0) {
        mg_subsidy_versions_free(v, k);
        return rc;
    }
    *t->out = v;
    *t->n = k;
    return 0;
}

int mg_subsidy_versions(mg_db *db, int64_t request_id, mg_subsidy_version **out, size_t *n,
                        mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_versions: bad arguments");
    *out = NULL;
    *n = 0;
    struct versions_tx t = {request_id, out, n};
    return mg_db_transaction(db, MG_DB_TX_READ, versions_body, &t, d);
}

/* --- Filing ----------------------------------------------------------------------------------- */

/* A stored request as the form would type it, for the complete check.
 * Strings point into r, lines and the caller's buffers `amounts`. */
typedef struct typed_back {
    char vol[24], emp[24], fte[32], mem[24], call[24], action[24];
    char amounts[MG_SUBSIDY_LINES_MAX][32];
    char funders[MG_SUBSIDY_LINES_MAX][24];
    mg_subsidy_line_input lines[MG_SUBSIDY_LINES_MAX];
} typed_back;

static void input_from(const mg_subsidy_request *r, const mg_subsidy_line *lines, size_t n,
                       typed_back *tb, mg_subsidy_request_input *in)
{
    memset(in, 0, sizeof *in);
    mg_subsidy_int_text(tb->vol, r->volunteers);
    mg_subsidy_int_text(tb->emp, r->employees);
    snprintf(tb->fte, sizeof tb->fte, "%lld,%02lld",
             (long long)(r->employees_fte_hundredths / 100),
             (long long)(r->employees_fte_hundredths % 100));
    mg_subsidy_int_text(tb->mem, r->members);
    tb->call[0] = tb->action[0] = 0;
    if (r->call_id)
        mg_subsidy_int_text(tb->call, r->call_id);
    if (r->action_id)
        mg_subsidy_int_text(tb->action, r->action_id);
    *in = (mg_subsidy_request_input){
        .name = r->name, .acronym = r->acronym, .siret = r->siret, .rna = r->rna,
        .address = r->address, .postcode = r->postcode, .city = r->city, .email = r->email,
        .phone = r->phone, .representative_role = r->representative_role,
        .contact_role = r->contact_role, .volunteers = tb->vol, .employees = tb->emp,
        .employees_fte = tb->fte, .members = tb->mem, .title = r->title,
        .objectives = r->objectives, .description = r->description,
        .target_publics = r->target_publics, .communes = r->communes,
        .starts_on = r->starts_on, .ends_on = r->ends_on, .evaluation = r->evaluation,
        .is_renewal = r->is_renewal ? "1" : "", .multi_year = r->multi_year ? "1" : "",
        .nature = r->nature, .call = tb->call, .action = tb->action};
    if (n > MG_SUBSIDY_LINES_MAX)
        n = MG_SUBSIDY_LINES_MAX;
    for (size_t i = 0; i < n; i++) {
        snprintf(tb->amounts[i], sizeof tb->amounts[i], "%lld,%02lld",
                 (long long)(lines[i].amount_cents / 100),
                 (long long)(lines[i].amount_cents % 100));
        tb->funders[i][0] = 0;
        if (lines[i].funder_id)
            mg_subsidy_int_text(tb->funders[i], lines[i].funder_id);
        tb->lines[i] = (mg_subsidy_line_input){lines[i].account, lines[i].label,
                                               tb->amounts[i], tb->funders[i]};
    }
    in->lines = tb->lines;
    in->nlines = n;
}

/* The organisation's recorded identifiers must be the request's; an
 * association must give its RNA number. */
static int check_org(mg_db_conn *c, checker *ck, const mg_subsidy_request *r, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT COALESCE(siret, ''), COALESCE(rna, ''), kind "
                                "FROM organisations WHERE id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(r->applicant_id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        char siret[16], rna[16], kind[32];
        mg_db_column_copy(q, 0, siret, sizeof siret);
        mg_db_column_copy(q, 1, rna, sizeof rna);
        mg_db_column_copy(q, 2, kind, sizeof kind);
        if (siret[0] && r->siret[0] && strcmp(siret, r->siret) != 0)
            err(ck, "siret", "Le SIRET de la demande (%s) n'est pas celui de l'organisme "
                             "enregistré (%s).", r->siret, siret);
        if (rna[0] && r->rna[0] && strcmp(rna, r->rna) != 0)
            err(ck, "rna", "Le numéro RNA de la demande (%s) n'est pas celui de l'association "
                           "enregistrée (%s).", r->rna, rna);
        if (!r->rna[0] && strcmp(kind, "association") == 0)
            err(ck, "rna", "Le numéro RNA est obligatoire pour une association.");
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        err(ck, "applicant", "L'organisme demandeur n'existe plus.");
        rc = 0;
    }
    mg_db_finalize(q);
    return rc;
}

struct file_tx {
    int64_t by, id;
    mg_subsidy_errors *errs;
};

static int file_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct file_tx *t = ctx;
    t->errs->n = 0;
    checker ck = {.complete = true, .errs = t->errs};
    mg_subsidy_request r;
    int rc = mg_subsidy_get_on(c, t->id, &r, d);
    if (rc < 0)
        return rc;
    mg_subsidy_line *lines = NULL;
    size_t n = 0;
    checked *k = NULL;
    typed_back *tb = NULL;
    if (r.state != MG_SUBSIDY_DRAFT) {
        err(&ck, "request", "Cette demande est déjà déposée.");
        goto refused;
    }
    if ((rc = lines_on(c, t->id, &lines, &n, d)) < 0)
        goto out;
    k = calloc(1, sizeof *k);
    tb = calloc(1, sizeof *tb);
    if (!k || !tb) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    mg_subsidy_request_input in;
    input_from(&r, lines, n, tb, &in);
    if ((rc = check_all(&ck, &in, k)) < 0) {
        rc = mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
        goto out;
    }
    if ((rc = check_refs(c, &ck, r.window_id, k, d)) < 0 || (rc = check_org(c, &ck, &r, d)) < 0)
        goto out;
    unsigned present = 0;
    if ((rc = mg_subsidy_attachment_kinds(c, t->id, &present, d)) < 0)
        goto out;
    for (int kind = 0; kind < MG_ATTACH_KINDS; kind++) {
        mg_subsidy_attachment_kind ak = (mg_subsidy_attachment_kind)kind;
        if (mg_subsidy_attachment_required(ak, r.is_renewal) && !(present & (1u << kind))) {
            char f[48];
            snprintf(f, sizeof f, "attachment_%s", mg_subsidy_attachment_kind_key(ak));
            err(&ck, f, "La pièce « %s » est obligatoire pour déposer la demande.",
                mg_subsidy_attachment_kind_label(ak));
        }
    }
    char today[11];
    mg_subsidy_today(today);
    if (r.call_id) {
        mg_db_stmt *q = NULL;
        rc = mg_db_prepare_with(c, "SELECT deadline FROM subsidy_calls WHERE id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(r.call_id)), &q, d);
        if (rc == 0)
            rc = mg_db_step(q, d);
        if (rc == MG_DB_ROW) {
            char deadline[16];
            mg_db_column_copy(q, 0, deadline, sizeof deadline);
            if (strcmp(deadline, today) < 0)
                err(&ck, "call", "L'appel à projets est clos depuis le %.2s/%.2s/%.4s : il ne "
                                 "prend plus de demande.", deadline + 8, deadline + 5, deadline);
            rc = 0;
        } else if (rc == MG_DB_DONE) {
            rc = 0;
        }
        mg_db_finalize(q);
        if (rc < 0)
            goto out;
    }
    if (ck.failed)
        goto refused;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        goto out;
    int64_t changed = 0;
    rc = mg_db_run(c,
                   "UPDATE subsidy_requests SET state = 'filed', filed_at = ?2, filed_by = ?3, "
                   "updated_at = ?2 WHERE id = ?1 AND state = 'draft'",
                   MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(now), id_or_null(t->by)),
                   &changed, d);
    if (rc < 0)
        goto out;
    if (changed != 1) {
        err(&ck, "request", "Cette demande est déjà déposée.");
        goto refused;
    }
    size_t nfunders = 0;
    for (size_t i = 0; i < k->nlines && rc == 0; i++) {
        if (!k->lines[i].funder_id)
            continue;
        nfunders++;
        rc = mg_db_run(c,
                       "INSERT INTO subsidy_request_funders (request_id, funder_id, "
                       "asked_cents, state, updated_at) VALUES (?1, ?2, ?3, 'addressed', ?4)",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_INT(k->lines[i].funder_id),
                                    MG_DB_INT(k->lines[i].amount_cents), MG_DB_TEXT(now)),
                       NULL, d);
    }
    if (rc < 0)
        goto out;
    if ((rc = mg_subsidy_version_add(c, t->by, t->id, "filed", d)) < 0 ||
        (rc = mg_subsidy_refresh_state(c, t->id, NULL, d)) < 0)
        goto out;
    char asked[24], nf[24];
    mg_subsidy_int_text(asked, k->totals.asked);
    mg_subsidy_int_text(nf, (int64_t)nfunders);
    mg_audit_change ch[] = {{"state", "draft", "filed", false},
                            {"filed_at", NULL, now, false},
                            {"asked_cents", NULL, asked, false},
                            {"funders", NULL, nf, false},
                            {"version", NULL, "1", false}};
    mg_audit_entry e = {.account_id = t->by, .organisation_id = r.applicant_id,
                        .object_type = "subsidy_request", .object_id = t->id, .verb = "file",
                        .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    if ((rc = mg_audit_append(c, &e, NULL, d)) < 0)
        goto out;
    {
        char subject[300], body[1200];
        snprintf(subject, sizeof subject, "Nouvelle demande de subvention déposée : %.200s",
                 r.title);
        snprintf(body, sizeof body,
                 "L'organisme %.300s a déposé la demande de subvention « %.300s » "
                 "(n° %lld) au guichet unique. Elle attend d'être orientée vers ses "
                 "cofinanceurs.\n",
                 r.applicant_name, r.title, (long long)t->id);
        rc = mg_subsidy_notify_org(c, r.lead_id, subject, body, d);
    }
    goto out;
refused:
    rc = mg_subsidy_refuse(t->errs, d);
out:
    if (k) {
        checked_free(k);
        free(k);
    }
    free(tb);
    free(lines);
    mg_subsidy_request_clear(&r);
    return rc;
}

int mg_subsidy_file(mg_db *db, int64_t by, int64_t request_id, mg_subsidy_errors *errs,
                    mg_diag *d)
{
    mg_subsidy_errors local = {0};
    if (!errs)
        errs = &local;
    errs->n = 0;
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_file: bad arguments");
    if (request_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                           (long long)request_id);
    struct file_tx t = {.by = by, .id = request_id, .errs = errs};
    return mg_db_transaction(db, MG_DB_TX_WRITE, file_body, &t, d);
}

/* --- A change through an answer ----------------------------------------------------------- */

int mg_subsidy_replace_on(mg_db_conn *c, int64_t by, int64_t request_id,
                          const mg_subsidy_request_input *in, mg_subsidy_errors *errs,
                          mg_diag *d)
{
    mg_subsidy_errors local = {0};
    if (!errs)
        errs = &local;
    if (!c || !in)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_replace_on: bad arguments");
    checker ck = {.complete = true, .errs = errs};
    mg_subsidy_request old;
    int rc = mg_subsidy_get_on(c, request_id, &old, d);
    if (rc < 0)
        return rc;
    mg_subsidy_line *old_lines = NULL;
    size_t n_old = 0;
    checked *k = calloc(1, sizeof *k);
    if (!k) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    if (old.state == MG_SUBSIDY_DRAFT) {
        err(&ck, "request", "Cette demande n'est pas encore déposée : modifiez le brouillon.");
        goto refused;
    }
    if ((rc = lines_on(c, request_id, &old_lines, &n_old, d)) < 0)
        goto out;
    if ((rc = check_all(&ck, in, k)) < 0) {
        rc = mg_diag_set(d, rc, NULL, 0, 0, "out of memory");
        goto out;
    }
    if (!ck.failed && (rc = check_refs(c, &ck, old.window_id, k, d)) < 0)
        goto out;
    if (ck.failed)
        goto refused;
    /* The co-funders named stay the same: a co-funder is added by the lead,
     * never dropped or added by the applicant's answer. */
    size_t named_old = 0, named_new = 0;
    for (size_t i = 0; i < n_old; i++)
        if (old_lines[i].funder_id)
            named_old++;
    for (size_t i = 0; i < k->nlines; i++) {
        if (!k->lines[i].funder_id)
            continue;
        named_new++;
        bool found = false;
        for (size_t j = 0; j < n_old && !found; j++)
            found = old_lines[j].funder_id == k->lines[i].funder_id;
        if (!found)
            break;
    }
    bool same = named_old == named_new;
    for (size_t j = 0; same && j < n_old; j++) {
        if (!old_lines[j].funder_id)
            continue;
        bool found = false;
        for (size_t i = 0; i < k->nlines && !found; i++)
            found = k->lines[i].funder_id == old_lines[j].funder_id;
        same = found;
    }
    if (!same) {
        err(&ck, "budget", "Les cofinanceurs d'une demande déposée ne changent pas par une "
                           "réponse : gardez une ligne du compte 74 pour chacun de ceux que la "
                           "demande nommait, et aucun autre (le guichet peut en ajouter un).");
        goto refused;
    }
    /* A decided part keeps what was asked of it. */
    for (size_t i = 0; i < k->nlines; i++) {
        if (!k->lines[i].funder_id)
            continue;
        int64_t asked = 0, decided = 0;
        mg_db_stmt *q = NULL;
        rc = mg_db_prepare_with(c,
                                "SELECT asked_cents, CASE WHEN state IN ('granted', 'refused', "
                                "'closed') THEN 1 ELSE 0 END FROM subsidy_request_funders "
                                "WHERE request_id = ?1 AND funder_id = ?2",
                                MG_DB_PARAMS(MG_DB_INT(request_id),
                                             MG_DB_INT(k->lines[i].funder_id)),
                                &q, d);
        if (rc == 0)
            rc = mg_db_step(q, d);
        if (rc == MG_DB_ROW) {
            asked = mg_db_column_int64(q, 0);
            decided = mg_db_column_int64(q, 1);
            rc = 0;
        }
        mg_db_finalize(q);
        if (rc < 0)
            goto out;
        if (decided && asked != k->lines[i].amount_cents) {
            char f[48];
            line_field(f, k->line_input[i], "amount");
            err(&ck, f, "Ligne %zu du budget : ce cofinanceur a déjà décidé ; le montant qui "
                        "lui est demandé ne change plus.", k->line_input[i]);
        }
    }
    if (ck.failed)
        goto refused;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        goto out;
    /* The call stays the one the request was filed under. */
    k->call_id = old.call_id;
    if ((rc = write_fields(c, request_id, k, now, d)) < 0 ||
        (rc = write_lines(c, request_id, k, d)) < 0)
        goto out;
    for (size_t i = 0; i < k->nlines && rc == 0; i++) {
        if (!k->lines[i].funder_id)
            continue;
        rc = mg_db_run(c,
                       "UPDATE subsidy_request_funders SET asked_cents = ?3, updated_at = ?4 "
                       "WHERE request_id = ?1 AND funder_id = ?2 AND asked_cents <> ?3",
                       MG_DB_PARAMS(MG_DB_INT(request_id), MG_DB_INT(k->lines[i].funder_id),
                                    MG_DB_INT(k->lines[i].amount_cents), MG_DB_TEXT(now)),
                       NULL, d);
    }
    if (rc < 0)
        goto out;
    {
        field_text after[FIELD_TEXTS], before[FIELD_TEXTS];
        size_t na = checked_texts(k, after);
        size_t nb = request_texts(&old, old_lines, n_old, before);
        if (!texts_ok(after, na) || !texts_ok(before, nb))
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        else
            rc = audit_request(c, by, old.applicant_id, request_id, "change", before, after, na,
                               NULL, 0, d);
        texts_free(after, na);
        texts_free(before, nb);
    }
    goto out;
refused:
    rc = mg_subsidy_refuse(errs, d);
out:
    if (k) {
        checked_free(k);
        free(k);
    }
    free(old_lines);
    mg_subsidy_request_clear(&old);
    return rc;
}

/* --- Renewal ------------------------------------------------------------------------------ */

/* "YYYY-MM-DD" one year on (29 February becomes 28 February); "" stays "". */
static void next_year(const char *in, char out[static 11])
{
    out[0] = 0;
    if (!in || strlen(in) != 10)
        return;
    mg_date dt;
    if (mg_parse_date(in, &dt, NULL) != 0)
        return;
    dt.year++;
    if (dt.year > 9999)
        return;
    if (dt.month == 2 && dt.day == 29 && !mg_date_valid(dt.year, 2, 29))
        dt.day = 28;
    snprintf(out, 11, "%04d-%02d-%02d", dt.year, dt.month, dt.day);
}

struct renew_tx {
    int64_t by, from, id;
};

static int renew_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct renew_tx *t = ctx;
    t->id = 0;
    mg_subsidy_request r;
    int rc = mg_subsidy_get_on(c, t->from, &r, d);
    if (rc < 0)
        return rc;
    mg_subsidy_line *lines = NULL;
    size_t n = 0;
    if ((rc = lines_on(c, t->from, &lines, &n, d)) < 0)
        goto out;
    char now[MG_DB_TIMESTAMP_SIZE], starts[11], ends[11];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        goto out;
    next_year(r.starts_on, starts);
    next_year(r.ends_on, ends);
    int64_t id = 0;
    /* The new row copies the old one's fields in the database itself. */
    rc = mg_db_query_int(
        c,
        "INSERT INTO subsidy_requests (window_id, applicant_id, action_id, renewal_of, name, "
        "acronym, siret, rna, address, postcode, city, email, phone, representative_role, "
        "contact_role, volunteers, employees, employees_fte_hundredths, members, title, "
        "objectives, description, target_publics, communes, starts_on, ends_on, evaluation, "
        "is_renewal, multi_year, nature, total_expenses_cents, total_resources_cents, "
        "created_by, created_at, updated_at) SELECT window_id, applicant_id, action_id, id, "
        "name, acronym, siret, rna, address, postcode, city, email, phone, "
        "representative_role, contact_role, volunteers, employees, employees_fte_hundredths, "
        "members, title, objectives, description, target_publics, communes, ?2, ?3, "
        "evaluation, 1, multi_year, nature, total_expenses_cents, total_resources_cents, ?4, "
        "?5, ?5 FROM subsidy_requests WHERE id = ?1 RETURNING id",
        MG_DB_PARAMS(MG_DB_INT(r.id), MG_DB_TEXT(date_or_null(starts)),
                     MG_DB_TEXT(date_or_null(ends)), id_or_null(t->by), MG_DB_TEXT(now)),
        &id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new request has no id");
    if (rc < 0)
        goto out;
    int pos[MG_SUBSIDY_SIDES] = {0, 0};
    for (size_t i = 0; i < n && rc == 0; i++) {
        mg_subsidy_side side = lines[i].side == MG_SUBSIDY_RESOURCE ? MG_SUBSIDY_RESOURCE
                                                                     : MG_SUBSIDY_EXPENSE;
        rc = mg_db_run(c,
                       "INSERT INTO subsidy_budget_lines (request_id, side, account, label, "
                       "amount_cents, funder_id, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       MG_DB_PARAMS(MG_DB_INT(id), MG_DB_TEXT(mg_subsidy_side_key(side)),
                                    MG_DB_TEXT(lines[i].account), MG_DB_TEXT(lines[i].label),
                                    MG_DB_INT(lines[i].amount_cents),
                                    id_or_null(lines[i].funder_id), MG_DB_INT(pos[side]++)),
                       NULL, d);
    }
    if (rc < 0)
        goto out;
    char from[24], win[24], app[24];
    mg_subsidy_int_text(from, t->from);
    mg_subsidy_int_text(win, r.window_id);
    mg_subsidy_int_text(app, r.applicant_id);
    mg_audit_change ch[] = {{"renewal_of", NULL, from, false},
                            {"window_id", NULL, win, false},
                            {"applicant_id", NULL, app, false},
                            {"state", NULL, "draft", false},
                            {"is_renewal", NULL, "1", false},
                            {"starts_on", NULL, starts, false},
                            {"ends_on", NULL, ends, false}};
    mg_audit_entry e = {.account_id = t->by, .organisation_id = r.applicant_id,
                        .object_type = "subsidy_request", .object_id = id, .verb = "renew",
                        .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    rc = mg_audit_append(c, &e, NULL, d);
    if (rc == 0)
        t->id = id;
out:
    free(lines);
    mg_subsidy_request_clear(&r);
    return rc;
}

int mg_subsidy_renew(mg_db *db, int64_t by, int64_t from, int64_t *id_out, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_renew: bad arguments");
    if (from <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                           (long long)from);
    struct renew_tx t = {.by = by, .from = from};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, renew_body, &t, d);
    if (rc == 0 && id_out)
        *id_out = t.id;
    return rc;
}

/* --- Lists -------------------------------------------------------------------------------- */

/* The sums of a request's parts, or for a draft what its budget asks. */
#define ROW_SUMS                                                                                \
    "CASE WHEN r.state = 'draft' THEN (SELECT COALESCE(SUM(l.amount_cents), 0) "                \
    "FROM subsidy_budget_lines l WHERE l.request_id = r.id AND l.funder_id IS NOT NULL) "       \
    "ELSE (SELECT COALESCE(SUM(x.asked_cents), 0) FROM subsidy_request_funders x "              \
    "WHERE x.request_id = r.id) END, "                                                          \
    "(SELECT COALESCE(SUM(x.granted_cents), 0) FROM subsidy_request_funders x "                 \
    "WHERE x.request_id = r.id), "                                                              \
    "(SELECT COALESCE(SUM(x.paid_cents), 0) FROM subsidy_request_funders x "                    \
    "WHERE x.request_id = r.id), "

/* A statement's text and its parameters, built together so that each
 * condition adds only the parameters it uses (?1, ?2… in order). */
typedef struct sql_builder {
    char sql[3072];
    size_t len;
    mg_db_param p[8];
    size_t n;
    bool overflow;
} sql_builder;

static void sb_add(sql_builder *b, const char *text)
{
    size_t l = strlen(text);
    if (b->len + l >= sizeof b->sql) {
        b->overflow = true;
        return;
    }
    memcpy(b->sql + b->len, text, l + 1);
    b->len += l;
}

/* Appends `before`, the placeholder of parameter p (its number), `after`. */
static void sb_param(sql_builder *b, const char *before, mg_db_param p, const char *after)
{
    if (b->n >= sizeof b->p / sizeof b->p[0]) {
        b->overflow = true;
        return;
    }
    b->p[b->n++] = p;
    char num[16];
    snprintf(num, sizeof num, "?%d", (int)b->n);
    sb_add(b, before);
    sb_add(b, num);
    sb_add(b, after);
}

struct list_tx {
    const mg_subsidy_filter *f;
    const char *state;
    char year[8], year_next[8]; /* "" all; the start year and the next */
    size_t limit;
    mg_subsidy_row **out;
    size_t *n, *total;
};

/* The conditions of a list (after WHERE), with their parameters: whose
 * rows, the state, the year. The funder's list reads its parts (p), the
 * others the requests (r); a year needs r in both. A part is routed when
 * it left "addressed" by routing: every state but "addressed", and a part
 * closed while addressed has no routed_at. */
static void list_where(sql_builder *b, const struct list_tx *t)
{
    const mg_subsidy_filter *f = t->f;
    if (f->funder_id > 0) {
        sb_param(b, "p.funder_id = ", MG_DB_INT(f->funder_id),
                 " AND p.state <> 'addressed' AND (p.state <> 'closed' "
                 "OR p.routed_at IS NOT NULL)");
        if (t->state[0])
            sb_param(b, " AND p.state = ", MG_DB_TEXT(t->state), "");
    } else if (f->applicant_id > 0) {
        sb_param(b, "r.applicant_id = ", MG_DB_INT(f->applicant_id), "");
        if (t->state[0])
            sb_param(b, " AND r.state = ", MG_DB_TEXT(t->state), "");
    } else {
        /* Drafts are their applicant's alone, whatever the state asked. */
        sb_param(b, "r.window_id IN (SELECT w.id FROM subsidy_windows w WHERE w.lead_id = ",
                 MG_DB_INT(f->lead_id), ") AND r.state <> 'draft'");
        if (t->state[0])
            sb_param(b, " AND r.state = ", MG_DB_TEXT(t->state), "");
    }
    /* Dates as text: "YYYY" <= starts_on < "YYYY+1" are the days of YYYY. */
    if (t->year[0]) {
        sb_param(b, " AND r.starts_on >= ", MG_DB_TEXT(t->year), "");
        sb_param(b, " AND r.starts_on < ", MG_DB_TEXT(t->year_next), "");
    }
}

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    free(*t->out);
    *t->out = NULL;
    *t->n = 0;
    *t->total = 0;
    const mg_subsidy_filter *f = t->f;
    bool funder = f->funder_id > 0;
    /* The FROM of the ids: the funder's parts (with its requests for a
     * year), or the requests. */
    const char *from = funder ? (t->year[0] ? "FROM subsidy_request_funders p JOIN "
                                              "subsidy_requests r ON r.id = p.request_id WHERE "
                                            : "FROM subsidy_request_funders p WHERE ")
                              : "FROM subsidy_requests r WHERE ";
    sql_builder cb = {0};
    sb_add(&cb, "SELECT COUNT(*) ");
    sb_add(&cb, from);
    list_where(&cb, t);
    int rc = 0;
    int64_t total = 0;
    if (cb.overflow)
        rc = mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "mg_subsidy_list: statement too long");
    else
        rc = mg_db_query_int(c, cb.sql, cb.p, cb.n, &total, d);
    if (rc < 0)
        return rc;
    *t->total = (size_t)total;
    if (total == 0 || f->offset >= (size_t)total)
        return 0;
    /* The page's ids first (from the indexes, sorted without the rows'
     * text), then their rows. */
    sql_builder pb = {0};
    if (funder) {
        sb_add(&pb, "SELECT r.id, r.title, r.applicant_id, o.name, r.state, p.state, "
                    "p.asked_cents, COALESCE(p.granted_cents, 0), p.paid_cents, "
                    "COALESCE(r.filed_at, ''), COALESCE(r.starts_on, ''), r.is_example "
                    "FROM (SELECT p.request_id AS id ");
        sb_add(&pb, from);
        list_where(&pb, t);
        sb_param(&pb, " ORDER BY p.request_id DESC LIMIT ", MG_DB_INT((int64_t)t->limit), "");
        sb_param(&pb, " OFFSET ", MG_DB_INT((int64_t)f->offset),
                 ") g JOIN subsidy_request_funders p ON p.request_id = g.id ");
        sb_param(&pb, "AND p.funder_id = ", MG_DB_INT(f->funder_id),
                 " JOIN subsidy_requests r ON r.id = g.id JOIN organisations o "
                 "ON o.id = r.applicant_id ORDER BY g.id DESC");
    } else {
        sb_add(&pb, "SELECT r.id, r.title, r.applicant_id, o.name, r.state, '', " ROW_SUMS
                    "COALESCE(r.filed_at, ''), COALESCE(r.starts_on, ''), r.is_example "
                    "FROM (SELECT r.id AS id ");
        sb_add(&pb, from);
        list_where(&pb, t);
        sb_param(&pb, " ORDER BY r.id DESC LIMIT ", MG_DB_INT((int64_t)t->limit), "");
        sb_param(&pb, " OFFSET ", MG_DB_INT((int64_t)f->offset),
                 ") g JOIN subsidy_requests r ON r.id = g.id JOIN organisations o "
                 "ON o.id = r.applicant_id ORDER BY g.id DESC");
    }
    mg_db_stmt *q = NULL;
    if (pb.overflow)
        rc = mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "mg_subsidy_list: statement too long");
    else
        rc = mg_db_prepare_with(c, pb.sql, pb.p, pb.n, &q, d);
    mg_subsidy_row *v = NULL;
    if (rc == 0 && !(v = calloc(t->limit, sizeof *v)))
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    size_t k = 0;
    while (rc == 0 && k < t->limit && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        mg_subsidy_row *x = &v[k++];
        x->id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, x->title, sizeof x->title);
        x->applicant_id = mg_db_column_int64(q, 2);
        mg_db_column_copy(q, 3, x->applicant_name, sizeof x->applicant_name);
        if (mg_subsidy_state_parse(mg_db_column_text(q, 4), &x->state) != 0)
            x->state = MG_SUBSIDY_DRAFT;
        if (!funder || mg_subsidy_part_state_parse(mg_db_column_text(q, 5), &x->part_state))
            x->part_state = MG_PART_ADDRESSED;
        x->asked_cents = mg_db_column_int64(q, 6);
        x->granted_cents = mg_db_column_int64(q, 7);
        x->paid_cents = mg_db_column_int64(q, 8);
        mg_db_column_copy(q, 9, x->filed_at, sizeof x->filed_at);
        mg_db_column_copy(q, 10, x->starts_on, sizeof x->starts_on);
        x->is_example = mg_db_column_int64(q, 11) != 0;
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *t->out = v;
    *t->n = k;
    return 0;
}

int mg_subsidy_list(mg_db *db, const mg_subsidy_filter *f, mg_subsidy_row **out, size_t *n,
                    size_t *total, mg_diag *d)
{
    size_t local_total = 0;
    if (!total)
        total = &local_total;
    if (!db || !f || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_list: bad arguments");
    *out = NULL;
    *n = 0;
    *total = 0;
    int whose = (f->applicant_id > 0) + (f->lead_id > 0) + (f->funder_id > 0);
    if (whose != 1)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_subsidy_list: exactly one of applicant, lead, funder");
    const char *state = f->state ? f->state : "";
    if (state[0]) {
        mg_subsidy_state s;
        mg_subsidy_part_state ps;
        bool ok = f->funder_id > 0 ? mg_subsidy_part_state_parse(state, &ps) == 0
                                   : mg_subsidy_state_parse(state, &s) == 0;
        if (!ok)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "état inconnu : %.40s", state);
    }
    struct list_tx t = {.f = f, .state = state, .out = out, .n = n, .total = total};
    if (f->year < 0 || f->year > 9999)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "année hors bornes : %d", f->year);
    if (f->year > 0) {
        snprintf(t.year, sizeof t.year, "%04d", f->year);
        snprintf(t.year_next, sizeof t.year_next, "%04d", (f->year + 1) % 100000);
    }
    t.limit = f->limit == 0 ? 50 : f->limit > MG_SUBSIDY_PAGE_MAX ? MG_SUBSIDY_PAGE_MAX
                                                                   : f->limit;
    return mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
}
