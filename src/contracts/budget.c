/*
 * The budget lines of a contract's actions and their totals
 * (contracts/budget.h): amounts read and written as French euros in
 * integer cents, the checks of what people type, the SQL on budget_lines
 * (migration 008) and the audit entry of each change. Totals are summed
 * by the database (SUM … GROUP BY), never by a loop here.
 */
#include "contracts/budget.h"
#include "contracts/budget_internal.h"
#include "contracts/plan_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/utf8.h"

/* Refuses a field with a French sentence (plan_internal.h). */
#define refuse mg_ct_refuse

/* The database's bound of an amount (CHECK … BETWEEN 0 AND 10^14). */
#define MAX_CENTS INT64_C(100000000000000)

/* --- Natures ------------------------------------------------------------------ */

static const char *const nature_keys[MG_BUDGET_NATURES] = {"investment", "operation"};
static const char *const nature_labels[MG_BUDGET_NATURES] = {"Investissement",
                                                            "Fonctionnement"};

const char *mg_budget_nature_key(mg_budget_nature n)
{
    return (int)n >= 0 && n < MG_BUDGET_NATURES ? nature_keys[n] : "";
}

const char *mg_budget_nature_label(mg_budget_nature n)
{
    return (int)n >= 0 && n < MG_BUDGET_NATURES ? nature_labels[n] : "";
}

int mg_budget_nature_parse(const char *key, mg_budget_nature *out)
{
    for (int i = 0; key && i < MG_BUDGET_NATURES; i++)
        if (strcmp(key, nature_keys[i]) == 0) {
            *out = (mg_budget_nature)i;
            return 0;
        }
    return MG_ENOTFOUND;
}

/* --- Amounts -------------------------------------------------------------------- */

/* Why an amount was refused, for the French sentence of the field. */
typedef enum amount_why {
    AMOUNT_OK = 0,
    AMOUNT_EMPTY,
    AMOUNT_NEGATIVE,
    AMOUNT_DECIMALS,  /* more than two decimals */
    AMOUNT_TOO_LARGE,
    AMOUNT_FORM,      /* anything else */
} amount_why;

/* Length of a space at s: an ASCII space or tab (1), a no-break space
 * U+00A0 (2) or a narrow no-break space U+202F (3); 0 otherwise. */
static size_t space_at(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == ' ' || u[0] == '\t')
        return 1;
    if (u[0] == 0xc2 && u[1] == 0xa0)
        return 2;
    if (u[0] == 0xe2 && u[1] == 0x80 && u[2] == 0xaf)
        return 3;
    return 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * The amount at s into *cents. Form: optional spaces, digits (grouped by
 * three with single spaces between the groups, or not grouped at all),
 * optionally "," or "." and one or two digits, optional spaces and "€",
 * optional spaces. Arithmetic on integers only; at most 10^12 €.
 */
static amount_why parse_amount(const char *s, int64_t *cents)
{
    *cents = 0;
    if (!s)
        return AMOUNT_EMPTY;
    size_t k;
    while ((k = space_at(s)) != 0)
        s += k;
    if (!*s)
        return AMOUNT_EMPTY;
    if (*s == '-' || (s[0] == '\xe2' && s[1] == '\x88' && s[2] == '\x92')) /* - or U+2212 */
        return AMOUNT_NEGATIVE;
    if (*s == '+')
        s++;
    if (!is_digit(*s))
        return AMOUNT_FORM;
    int64_t euros = 0;
    bool large = false;
    size_t group = 0;      /* digits of the current group */
    bool grouped = false;  /* a thousands separator was seen */
    for (;;) {
        if (is_digit(*s)) {
            if (euros > MAX_CENTS / 100)
                large = true; /* keep reading: the form may still be wrong */
            else
                euros = euros * 10 + (*s - '0');
            group++;
            s++;
            continue;
        }
        k = *s == '\t' ? 0 : space_at(s);
        if (k && is_digit(s[k])) {
            /* A thousands separator: the group before has 1–3 digits (the
             * first) or exactly 3 (the others). */
            if (group > 3 || (grouped && group != 3))
                return AMOUNT_FORM;
            grouped = true;
            group = 0;
            s += k;
            continue;
        }
        break;
    }
    if (grouped && group != 3)
        return AMOUNT_FORM;
    int64_t frac = 0;
    if (*s == ',' || *s == '.') {
        s++;
        size_t nd = 0;
        while (is_digit(*s)) {
            if (nd < 2)
                frac = frac * 10 + (*s - '0');
            nd++;
            s++;
        }
        if (nd == 0)
            return AMOUNT_FORM;
        /* Three decimals, even "12,500", are refused: whoever types them
         * most likely used "." or "," as a thousands separator ("1.500"). */
        if (nd > 2)
            return AMOUNT_DECIMALS;
        if (nd == 1)
            frac *= 10;
    }
    while ((k = space_at(s)) != 0)
        s += k;
    if (s[0] == '\xe2' && s[1] == '\x82' && s[2] == '\xac') { /* € */
        s += 3;
        while ((k = space_at(s)) != 0)
            s += k;
    }
    if (*s)
        return AMOUNT_FORM;
    if (large || euros > MAX_CENTS / 100 || (euros == MAX_CENTS / 100 && frac > 0))
        return AMOUNT_TOO_LARGE;
    *cents = euros * 100 + frac;
    return AMOUNT_OK;
}

int mg_budget_parse_cents(const char *s, int64_t *cents)
{
    int64_t v = 0;
    if (!cents)
        return MG_EINVAL;
    *cents = 0;
    if (parse_amount(s, &v) != AMOUNT_OK)
        return MG_EINVAL;
    *cents = v;
    return 0;
}

void mg_budget_format_cents(int64_t cents, char *out, size_t cap)
{
    if (!out || cap == 0)
        return;
    /* Through the unsigned magnitude, so that INT64_MIN has one too. */
    bool neg = cents < 0;
    uint64_t m = neg ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
    uint64_t euros = m / 100, frac = m % 100;
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)euros);
    char buf[96];
    size_t o = 0;
    if (neg)
        buf[o++] = '-';
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0) {
            memcpy(buf + o, "\u202f", 3); /* narrow no-break space */
            o += 3;
        }
        buf[o++] = digits[i];
    }
    if (frac) {
        buf[o++] = ',';
        buf[o++] = (char)('0' + frac / 10);
        buf[o++] = (char)('0' + frac % 10);
    }
    memcpy(buf + o, "\u00a0\u20ac", 5); /* no-break space, € */
    o += 5;
    buf[o] = 0;
    if (o >= cap)
        o = mg_utf8_prefix(buf, cap - 1);
    memcpy(out, buf, o);
    out[o] = 0;
}

/* --- Checks of what people type --------------------------------------------------- */

/* A line's input as checked: what is stored. */
typedef struct line_checked {
    int64_t funder_id;
    int year;
    mg_budget_nature nature;
    mg_budget_amounts a;
} line_checked;

static int check_amount(const char *s, bool required, const char *field, const char *label,
                        int64_t *out, mg_contract_field_error *fe, mg_diag *d)
{
    amount_why why = parse_amount(s, out);
    if (why == AMOUNT_EMPTY && !required) {
        *out = 0;
        return 0;
    }
    /* What is quoted must be text and short. */
    const char *typed = s ? s : "";
    size_t len = strlen(typed);
    bool text = mg_utf8_check(typed, len, NULL) == len;
    int shown = text ? (int)mg_utf8_prefix(typed, 40) : 0;
    switch (why) {
    case AMOUNT_OK:
        return 0;
    case AMOUNT_EMPTY:
        return refuse(fe, d, field, "Le champ « %s » est obligatoire : un montant en euros, "
                                    "par exemple « 12 500 » ou « 1 234,56 ».", label);
    case AMOUNT_NEGATIVE:
        return refuse(fe, d, field, "Le champ « %s » ne peut pas être négatif.", label);
    case AMOUNT_DECIMALS:
        return refuse(fe, d, field, "Le champ « %s » (« %.*s ») a plus de deux décimales : "
                                    "les montants sont en euros et centimes, par exemple "
                                    "« 1 234,56 » (les milliers se séparent par des espaces).",
                      label, shown, typed);
    case AMOUNT_TOO_LARGE:
        return refuse(fe, d, field, "Le champ « %s » dépasse 1 000 milliards d'euros.", label);
    case AMOUNT_FORM:
    default:
        return refuse(fe, d, field, "Le champ « %s » (« %.*s ») n'est pas un montant reconnu : "
                                    "un montant en euros est attendu, par exemple « 12 500 », "
                                    "« 1 234,56 » ou « 250 000 € ».",
                      label, shown, typed);
    }
}

static int check_year(const char *s, int *out, mg_contract_field_error *fe, mg_diag *d)
{
    *out = 0;
    if (!s)
        s = "";
    while (*s == ' ')
        s++;
    size_t len = strlen(s);
    while (len && s[len - 1] == ' ')
        len--;
    if (len == 0)
        return refuse(fe, d, "year", "Le champ « Année » est obligatoire.");
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]) || i >= 4)
            return refuse(fe, d, "year", "Le champ « Année » attend une année de 2000 à 2100 "
                                         "en quatre chiffres, par exemple « 2025 ».");
        v = v * 10 + (s[i] - '0');
    }
    if (v < 2000 || v > 2100)
        return refuse(fe, d, "year", "Le champ « Année » attend une année de 2000 à 2100 "
                                     "en quatre chiffres, par exemple « 2025 ».");
    *out = v;
    return 0;
}

static int line_check(const mg_budget_line_input *in, line_checked *k,
                      mg_contract_field_error *fe, mg_diag *d)
{
    memset(k, 0, sizeof *k);
    if (in->funder_id <= 0)
        return refuse(fe, d, "funder", "Choisissez le financeur de la ligne.");
    k->funder_id = in->funder_id;
    int rc = check_year(in->year, &k->year, fe, d);
    if (rc < 0)
        return rc;
    if (!in->nature || !*in->nature)
        return refuse(fe, d, "nature", "Choisissez la nature de la dépense : investissement ou "
                                       "fonctionnement.");
    if (mg_budget_nature_parse(in->nature, &k->nature) != 0)
        return refuse(fe, d, "nature", "La nature choisie n'existe pas : investissement ou "
                                       "fonctionnement.");
    if ((rc = check_amount(in->planned, true, "planned", "Prévu", &k->a.planned, fe, d)) < 0 ||
        (rc = check_amount(in->committed, false, "committed", "Engagé", &k->a.committed, fe,
                           d)) < 0 ||
        (rc = check_amount(in->paid, false, "paid", "Payé", &k->a.paid, fe, d)) < 0)
        return rc;
    if (k->a.paid > k->a.committed) {
        char paid[48], committed[48];
        mg_budget_format_cents(k->a.paid, paid, sizeof paid);
        mg_budget_format_cents(k->a.committed, committed, sizeof committed);
        return refuse(fe, d, "paid", "Le montant payé (%s) dépasse le montant engagé (%s) : "
                                     "on ne paie que ce qui a été engagé.",
                      paid, committed);
    }
    return 0;
}

#define clear_fe mg_ct_clear_fe

int mg_budget_line_input_check(const mg_budget_line_input *in, mg_contract_field_error *fe,
                               mg_diag *d)
{
    clear_fe(fe);
    if (!in)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_line_input_check: bad arguments");
    line_checked k;
    return line_check(in, &k, fe, d);
}

/* --- Small SQL helpers --------------------------------------------------------------- */

/* The contract of action `action_id` and the contract's lead; MG_ENOTFOUND. */
static int action_lead(mg_db_conn *c, int64_t action_id, int64_t *contract_id, int64_t *lead,
                       mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT a.contract_id, c.organisation_id FROM contract_actions a "
                                "JOIN contracts c ON c.id = a.contract_id WHERE a.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(action_id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        *contract_id = mg_db_column_int64(q, 0);
        *lead = mg_db_column_int64(q, 1);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld",
                         (long long)action_id);
    }
    mg_db_finalize(q);
    return rc;
}

/* The funder exists: MG_EINVAL on "funder" otherwise. */
static int funder_exists(mg_db_conn *c, int64_t funder_id, mg_contract_field_error *fe,
                         mg_diag *d)
{
    int64_t found = 0;
    int rc = mg_db_query_int(c, "SELECT id FROM organisations WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(funder_id)), &found, d);
    if (rc == MG_ENOTFOUND)
        return refuse(fe, d, "funder", "Le financeur choisi n'existe pas.");
    return rc;
}

#define LINE_COLUMNS                                                                             \
    "l.id, l.action_id, a.contract_id, a.axis_id, l.funder_id, o.name, l.year, l.nature, "      \
    "l.planned_cents, l.committed_cents, l.paid_cents, l.source, l.subsidy_request_id, "         \
    "l.amendment_id, l.replaced_by, l.is_example, c.organisation_id "                            \
    "FROM budget_lines l JOIN contract_actions a ON a.id = l.action_id "                         \
    "JOIN contracts c ON c.id = a.contract_id JOIN organisations o ON o.id = l.funder_id "

/* A line read from LINE_COLUMNS; *lead (may be NULL) the contract's lead. */
static void read_line(const mg_db_stmt *q, mg_budget_line *out, int64_t *lead)
{
    memset(out, 0, sizeof *out);
    out->id = mg_db_column_int64(q, 0);
    out->action_id = mg_db_column_int64(q, 1);
    out->contract_id = mg_db_column_int64(q, 2);
    out->axis_id = mg_db_column_int64(q, 3);
    out->funder_id = mg_db_column_int64(q, 4);
    mg_db_column_copy(q, 5, out->funder_name, sizeof out->funder_name);
    out->year = (int)mg_db_column_int64(q, 6);
    if (mg_budget_nature_parse(mg_db_column_text(q, 7), &out->nature) != 0)
        out->nature = MG_BUDGET_OPERATION; /* the CHECK makes it impossible */
    out->a.planned = mg_db_column_int64(q, 8);
    out->a.committed = mg_db_column_int64(q, 9);
    out->a.paid = mg_db_column_int64(q, 10);
    const char *source = mg_db_column_text(q, 11);
    out->fed = source && strcmp(source, "subsidy") == 0;
    out->subsidy_request_id = mg_db_column_int64(q, 12);
    out->amendment_id = mg_db_column_int64(q, 13);
    out->replaced_by = mg_db_column_int64(q, 14);
    out->is_example = mg_db_column_int64(q, 15) != 0;
    if (lead)
        *lead = mg_db_column_int64(q, 16);
}

static int line_on(mg_db_conn *c, int64_t id, mg_budget_line *out, int64_t *lead, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT " LINE_COLUMNS "WHERE l.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        read_line(q, out, lead);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no budget line has id %lld",
                         (long long)id);
    }
    mg_db_finalize(q);
    return rc;
}

/* The number of amendment id (for the sentences), 0 when unknown. */
static int64_t amendment_number(mg_db_conn *c, int64_t id, mg_diag *d)
{
    int64_t n = 0;
    if (mg_db_query_int(c, "SELECT number FROM contract_amendments WHERE id = ?1",
                        MG_DB_PARAMS(MG_DB_INT(id)), &n, d) < 0)
        return 0;
    return n;
}

/* A typed, current line may change: refused on "line" otherwise. */
static int line_changeable(mg_db_conn *c, const mg_budget_line *l, mg_contract_field_error *fe,
                           mg_diag *d)
{
    if (l->fed)
        return refuse(fe, d, "line", "Cette ligne vient d'une demande de subvention accordée "
                                     "(guichet unique) : elle ne se modifie que par cette "
                                     "demande, pour que rien ne soit compté deux fois.");
    if (l->replaced_by)
        return refuse(fe, d, "line", "Cette ligne a été remplacée par l'avenant n° %lld : "
                                     "elle reste telle que signée et ne se modifie plus.",
                      (long long)amendment_number(c, l->replaced_by, d));
    return 0;
}

static void int_text(char out[static 24], int64_t v)
{
    snprintf(out, 24, "%lld", (long long)v);
}

/* --- Create, update, delete ------------------------------------------------------------ */

struct create_tx {
    int64_t by, action_id;
    const line_checked *k;
    mg_contract_field_error *fe;
    int64_t id;
};

static int create_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct create_tx *t = ctx;
    t->id = 0;
    int64_t contract_id = 0, lead = 0;
    int rc = action_lead(c, t->action_id, &contract_id, &lead, d);
    if (rc == 0)
        rc = funder_exists(c, t->k->funder_id, t->fe, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    if (rc == 0)
        rc = mg_db_timestamp(now, d);
    if (rc < 0)
        return rc;
    const char *nature = mg_budget_nature_key(t->k->nature);
    rc = mg_db_query_int(c,
                         "INSERT INTO budget_lines (action_id, funder_id, year, nature, "
                         "planned_cents, committed_cents, paid_cents, source, created_at, "
                         "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'typed', ?8, ?8) "
                         "RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->action_id), MG_DB_INT(t->k->funder_id),
                                      MG_DB_INT(t->k->year), MG_DB_TEXT(nature),
                                      MG_DB_INT(t->k->a.planned), MG_DB_INT(t->k->a.committed),
                                      MG_DB_INT(t->k->a.paid), MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new budget line has no id");
    if (rc < 0)
        return rc;
    char action[24], funder[24], year[24], planned[24], committed[24], paid[24];
    int_text(action, t->action_id);
    int_text(funder, t->k->funder_id);
    int_text(year, t->k->year);
    int_text(planned, t->k->a.planned);
    int_text(committed, t->k->a.committed);
    int_text(paid, t->k->a.paid);
    mg_audit_change ch[] = {
        {"action_id", NULL, action, false},        {"funder_id", NULL, funder, false},
        {"year", NULL, year, false},               {"nature", NULL, nature, false},
        {"planned_cents", NULL, planned, false},   {"committed_cents", NULL, committed, false},
        {"paid_cents", NULL, paid, false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead,
                        .object_type = "budget_line", .object_id = t->id, .verb = "create",
                        .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_budget_line_create(mg_db *db, int64_t by, int64_t action_id,
                          const mg_budget_line_input *in, int64_t *id_out,
                          mg_contract_field_error *fe, mg_diag *d)
{
    clear_fe(fe);
    if (id_out)
        *id_out = 0;
    if (!db || !in || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_line_create: bad arguments");
    if (action_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld",
                           (long long)action_id);
    line_checked k;
    int rc = line_check(in, &k, fe, d);
    if (rc < 0)
        return rc;
    struct create_tx t = {.by = by, .action_id = action_id, .k = &k, .fe = fe};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, create_body, &t, d);
    if (rc == 0 && id_out)
        *id_out = t.id;
    return rc;
}

/* The audit changes between line `old` and the checked values `k`, into
 * ch (at most 6) with their texts in txt; returns their number. */
static size_t line_diff(const mg_budget_line *old, const line_checked *k, mg_audit_change *ch,
                        char txt[][24])
{
    size_t n = 0, t = 0;
#define DIFF_INT(name, before, after)                                                            \
    if ((before) != (after)) {                                                                   \
        int_text(txt[t], before);                                                                \
        int_text(txt[t + 1], after);                                                             \
        ch[n++] = (mg_audit_change){name, txt[t], txt[t + 1], false};                            \
        t += 2;                                                                                  \
    }
    DIFF_INT("funder_id", old->funder_id, k->funder_id)
    DIFF_INT("year", (int64_t)old->year, (int64_t)k->year)
    if (old->nature != k->nature)
        ch[n++] = (mg_audit_change){"nature", mg_budget_nature_key(old->nature),
                                    mg_budget_nature_key(k->nature), false};
    DIFF_INT("planned_cents", old->a.planned, k->a.planned)
    DIFF_INT("committed_cents", old->a.committed, k->a.committed)
    DIFF_INT("paid_cents", old->a.paid, k->a.paid)
#undef DIFF_INT
    return n;
}

struct update_tx {
    int64_t by, id;
    const line_checked *k;
    mg_contract_field_error *fe;
};

static int update_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct update_tx *t = ctx;
    mg_budget_line old;
    int64_t lead = 0;
    int rc = line_on(c, t->id, &old, &lead, d);
    if (rc == 0)
        rc = line_changeable(c, &old, t->fe, d);
    if (rc == 0 && old.funder_id != t->k->funder_id)
        rc = funder_exists(c, t->k->funder_id, t->fe, d);
    if (rc < 0)
        return rc;
    mg_audit_change ch[6];
    char txt[12][24];
    size_t n = line_diff(&old, t->k, ch, txt);
    if (n == 0)
        return 0; /* nothing changed: nothing written */
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c,
                   "UPDATE budget_lines SET funder_id = ?2, year = ?3, nature = ?4, "
                   "planned_cents = ?5, committed_cents = ?6, paid_cents = ?7, updated_at = ?8 "
                   "WHERE id = ?1 AND source = 'typed' AND replaced_by IS NULL",
                   MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_INT(t->k->funder_id),
                                MG_DB_INT(t->k->year),
                                MG_DB_TEXT(mg_budget_nature_key(t->k->nature)),
                                MG_DB_INT(t->k->a.planned), MG_DB_INT(t->k->a.committed),
                                MG_DB_INT(t->k->a.paid), MG_DB_TEXT(now)),
                   NULL, d);
    if (rc < 0)
        return rc;
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead,
                        .object_type = "budget_line", .object_id = t->id, .verb = "update",
                        .changes = ch, .nchanges = n};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_budget_line_update(mg_db *db, int64_t by, int64_t line_id, const mg_budget_line_input *in,
                          mg_contract_field_error *fe, mg_diag *d)
{
    clear_fe(fe);
    if (!db || !in || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_line_update: bad arguments");
    if (line_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no budget line has id %lld",
                           (long long)line_id);
    line_checked k;
    int rc = line_check(in, &k, fe, d);
    if (rc < 0)
        return rc;
    struct update_tx t = {.by = by, .id = line_id, .k = &k, .fe = fe};
    return mg_db_transaction(db, MG_DB_TX_WRITE, update_body, &t, d);
}

struct delete_tx {
    int64_t by, id;
    mg_contract_field_error *fe;
};

static int delete_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct delete_tx *t = ctx;
    mg_budget_line old;
    int64_t lead = 0;
    int rc = line_on(c, t->id, &old, &lead, d);
    if (rc == 0)
        rc = line_changeable(c, &old, t->fe, d);
    if (rc == 0 && old.amendment_id)
        rc = refuse(t->fe, d, "line", "Cette ligne a été ajoutée par l'avenant n° %lld : elle "
                                      "ne se supprime pas ; un nouvel avenant peut la remplacer.",
                    (long long)amendment_number(c, old.amendment_id, d));
    if (rc < 0)
        return rc;
    rc = mg_db_run(c,
                   "DELETE FROM budget_lines WHERE id = ?1 AND source = 'typed' "
                   "AND replaced_by IS NULL AND amendment_id IS NULL",
                   MG_DB_PARAMS(MG_DB_INT(t->id)), NULL, d);
    if (rc < 0)
        return rc;
    char action[24], funder[24], year[24], planned[24], committed[24], paid[24];
    int_text(action, old.action_id);
    int_text(funder, old.funder_id);
    int_text(year, old.year);
    int_text(planned, old.a.planned);
    int_text(committed, old.a.committed);
    int_text(paid, old.a.paid);
    mg_audit_change ch[] = {
        {"action_id", action, NULL, false},
        {"funder_id", funder, NULL, false},
        {"year", year, NULL, false},
        {"nature", mg_budget_nature_key(old.nature), NULL, false},
        {"planned_cents", planned, NULL, false},
        {"committed_cents", committed, NULL, false},
        {"paid_cents", paid, NULL, false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead,
                        .object_type = "budget_line", .object_id = t->id, .verb = "delete",
                        .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_budget_line_delete(mg_db *db, int64_t by, int64_t line_id, mg_contract_field_error *fe,
                          mg_diag *d)
{
    clear_fe(fe);
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_line_delete: bad arguments");
    if (line_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no budget line has id %lld",
                           (long long)line_id);
    struct delete_tx t = {.by = by, .id = line_id, .fe = fe};
    return mg_db_transaction(db, MG_DB_TX_WRITE, delete_body, &t, d);
}

struct get_tx {
    int64_t id;
    mg_budget_line *out;
};

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    return line_on(c, t->id, t->out, NULL, d);
}

int mg_budget_line_get(mg_db *db, int64_t line_id, mg_budget_line *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_line_get: bad arguments");
    if (line_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no budget line has id %lld",
                           (long long)line_id);
    struct get_tx t = {line_id, out};
    return mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
}

/* --- Amendments ------------------------------------------------------------------------ */

struct amend_tx {
    int64_t by, amendment_id, line_id;
    const line_checked *k;
    mg_contract_field_error *fe;
    int64_t new_id;
};

static int amend_change(mg_db_conn *c, int64_t amendment_id, int64_t object_id,
                        const char *field, const char *before, const char *after, mg_diag *d)
{
    return mg_db_run(c,
                     "INSERT INTO amendment_changes (amendment_id, object_type, object_id, field, "
                     "value_before, value_after) VALUES (?1, 'budget_line', ?2, ?3, ?4, ?5)",
                     MG_DB_PARAMS(MG_DB_INT(amendment_id), MG_DB_INT(object_id),
                                  MG_DB_TEXT(field), MG_DB_TEXT(before), MG_DB_TEXT(after)),
                     NULL, d);
}

static int amend_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct amend_tx *t = ctx;
    t->new_id = 0;
    int64_t amendment_contract = 0;
    int rc = mg_db_query_int(c, "SELECT contract_id FROM contract_amendments WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->amendment_id)), &amendment_contract, d);
    if (rc == MG_ENOTFOUND)
        return refuse(t->fe, d, "amendment", "L'avenant choisi n'existe pas.");
    if (rc < 0)
        return rc;
    mg_budget_line old;
    int64_t lead = 0;
    if ((rc = line_on(c, t->line_id, &old, &lead, d)) < 0)
        return rc;
    if (old.contract_id != amendment_contract)
        return refuse(t->fe, d, "amendment", "L'avenant choisi n'est pas un avenant du contrat "
                                             "de cette ligne.");
    if ((rc = line_changeable(c, &old, t->fe, d)) < 0)
        return rc;
    if (old.funder_id != t->k->funder_id && (rc = funder_exists(c, t->k->funder_id, t->fe, d)) < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    const char *nature = mg_budget_nature_key(t->k->nature);
    rc = mg_db_query_int(c,
                         "INSERT INTO budget_lines (action_id, funder_id, year, nature, "
                         "planned_cents, committed_cents, paid_cents, source, amendment_id, "
                         "is_example, created_at, updated_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'typed', ?8, ?9, ?10, ?10) "
                         "RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(old.action_id), MG_DB_INT(t->k->funder_id),
                                      MG_DB_INT(t->k->year), MG_DB_TEXT(nature),
                                      MG_DB_INT(t->k->a.planned), MG_DB_INT(t->k->a.committed),
                                      MG_DB_INT(t->k->a.paid), MG_DB_INT(t->amendment_id),
                                      MG_DB_INT(old.is_example ? 1 : 0), MG_DB_TEXT(now)),
                         &t->new_id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new budget line has no id");
    if (rc < 0)
        return rc;
    int64_t changed = 0;
    rc = mg_db_run(c,
                   "UPDATE budget_lines SET replaced_by = ?2, updated_at = ?3 "
                   "WHERE id = ?1 AND replaced_by IS NULL AND source = 'typed'",
                   MG_DB_PARAMS(MG_DB_INT(t->line_id), MG_DB_INT(t->amendment_id),
                                MG_DB_TEXT(now)),
                   &changed, d);
    if (rc == 0 && changed != 1)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "budget line %lld changed meanwhile",
                         (long long)t->line_id);
    if (rc < 0)
        return rc;
    /* What the amendment changed, on the old line: the line that replaces
     * it, then each value with the one signed before. */
    char old_id[24], new_id[24], amendment[24];
    int_text(old_id, t->line_id);
    int_text(new_id, t->new_id);
    int_text(amendment, t->amendment_id);
    if ((rc = amend_change(c, t->amendment_id, t->line_id, "replaced_by_line", old_id, new_id,
                           d)) < 0)
        return rc;
    char b[6][24], a[6][24];
    int_text(b[0], old.funder_id), int_text(a[0], t->k->funder_id);
    int_text(b[1], old.year), int_text(a[1], t->k->year);
    int_text(b[2], old.a.planned), int_text(a[2], t->k->a.planned);
    int_text(b[3], old.a.committed), int_text(a[3], t->k->a.committed);
    int_text(b[4], old.a.paid), int_text(a[4], t->k->a.paid);
    struct {
        const char *field, *before, *after;
        bool always;
    } rows[] = {
        {"funder_id", b[0], a[0], false},
        {"year", b[1], a[1], false},
        {"nature", mg_budget_nature_key(old.nature), nature, false},
        {"planned_cents", b[2], a[2], true},
        {"committed_cents", b[3], a[3], true},
        {"paid_cents", b[4], a[4], true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i].always || strcmp(rows[i].before, rows[i].after) != 0)
            if ((rc = amend_change(c, t->amendment_id, t->line_id, rows[i].field,
                                   rows[i].before, rows[i].after, d)) < 0)
                return rc;
    /* Two audit entries: the old line replaced, the new one created. */
    char action[24];
    int_text(action, old.action_id);
    mg_audit_change replaced[] = {
        {"replaced_by", NULL, amendment, false},
        {"replaced_by_line", NULL, new_id, false},
    };
    mg_audit_change created[] = {
        {"action_id", NULL, action, false},       {"funder_id", NULL, a[0], false},
        {"year", NULL, a[1], false},              {"nature", NULL, nature, false},
        {"planned_cents", NULL, a[2], false},     {"committed_cents", NULL, a[3], false},
        {"paid_cents", NULL, a[4], false},        {"amendment_id", NULL, amendment, false},
        {"replaces_line", NULL, old_id, false},
    };
    mg_audit_entry e[] = {
        {.account_id = t->by, .organisation_id = lead, .object_type = "budget_line",
         .object_id = t->line_id, .verb = "amend_replace", .changes = replaced,
         .nchanges = sizeof replaced / sizeof replaced[0]},
        {.account_id = t->by, .organisation_id = lead, .object_type = "budget_line",
         .object_id = t->new_id, .verb = "amend_create", .changes = created,
         .nchanges = sizeof created / sizeof created[0]},
    };
    return mg_audit_append_many(c, e, 2, NULL, d);
}

int mg_budget_line_amend(mg_db *db, int64_t by, int64_t amendment_id, int64_t line_id,
                         const mg_budget_line_input *in, int64_t *new_id,
                         mg_contract_field_error *fe, mg_diag *d)
{
    clear_fe(fe);
    if (new_id)
        *new_id = 0;
    if (!db || !in || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_line_amend: bad arguments");
    if (amendment_id <= 0)
        return refuse(fe, d, "amendment", "Choisissez l'avenant qui remplace la ligne.");
    if (line_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no budget line has id %lld",
                           (long long)line_id);
    line_checked k;
    int rc = line_check(in, &k, fe, d);
    if (rc < 0)
        return rc;
    struct amend_tx t = {.by = by, .amendment_id = amendment_id, .line_id = line_id, .k = &k,
                         .fe = fe};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, amend_body, &t, d);
    if (rc == 0 && new_id)
        *new_id = t.new_id;
    return rc;
}

/* --- Lines fed by the single window ----------------------------------------------------- */

struct feed_tx {
    int64_t by, action_id, request_id, funder_id;
    int year;
    mg_budget_nature nature;
    int64_t granted, paid;
};

static int feed_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct feed_tx *t = ctx;
    int64_t contract_id = 0, lead = 0;
    int rc = action_lead(c, t->action_id, &contract_id, &lead, d);
    if (rc < 0)
        return rc;
    int64_t found = 0;
    rc = mg_db_query_int(c, "SELECT id FROM organisations WHERE id = ?1",
                         MG_DB_PARAMS(MG_DB_INT(t->funder_id)), &found, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "the funder %lld of subsidy request %lld "
                           "does not exist", (long long)t->funder_id, (long long)t->request_id);
    if (rc < 0)
        return rc;
    int64_t existing = 0;
    rc = mg_db_query_int(c,
                         "SELECT id FROM budget_lines WHERE subsidy_request_id = ?1 "
                         "AND funder_id = ?2",
                         MG_DB_PARAMS(MG_DB_INT(t->request_id), MG_DB_INT(t->funder_id)),
                         &existing, d);
    if (rc < 0 && rc != MG_ENOTFOUND)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    const char *nature = mg_budget_nature_key(t->nature);
    char action[24], funder[24], year[24], granted[24], paid[24], request[24];
    int_text(action, t->action_id);
    int_text(funder, t->funder_id);
    int_text(year, t->year);
    int_text(granted, t->granted);
    int_text(paid, t->paid);
    int_text(request, t->request_id);
    if (existing == 0) {
        int64_t id = 0;
        rc = mg_db_query_int(c,
                             "INSERT INTO budget_lines (action_id, funder_id, year, nature, "
                             "planned_cents, committed_cents, paid_cents, source, "
                             "subsidy_request_id, created_at, updated_at) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, 'subsidy', ?7, ?8, ?8) "
                             "RETURNING id",
                             MG_DB_PARAMS(MG_DB_INT(t->action_id), MG_DB_INT(t->funder_id),
                                          MG_DB_INT(t->year), MG_DB_TEXT(nature),
                                          MG_DB_INT(t->granted), MG_DB_INT(t->paid),
                                          MG_DB_INT(t->request_id), MG_DB_TEXT(now)),
                             &id, d);
        if (rc == MG_ENOTFOUND)
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new budget line has no id");
        if (rc < 0)
            return rc;
        mg_audit_change ch[] = {
            {"action_id", NULL, action, false},     {"funder_id", NULL, funder, false},
            {"year", NULL, year, false},            {"nature", NULL, nature, false},
            {"planned_cents", NULL, granted, false}, {"committed_cents", NULL, granted, false},
            {"paid_cents", NULL, paid, false},      {"subsidy_request_id", NULL, request, false},
        };
        mg_audit_entry e = {.account_id = t->by, .organisation_id = lead,
                            .object_type = "budget_line", .object_id = id, .verb = "feed",
                            .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
        return mg_audit_append(c, &e, NULL, d);
    }
    mg_budget_line old;
    if ((rc = line_on(c, existing, &old, NULL, d)) < 0)
        return rc;
    rc = mg_db_run(c,
                   "UPDATE budget_lines SET action_id = ?2, funder_id = ?3, year = ?4, "
                   "nature = ?5, planned_cents = ?6, committed_cents = ?6, paid_cents = ?7, "
                   "updated_at = ?8 WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(existing), MG_DB_INT(t->action_id),
                                MG_DB_INT(t->funder_id), MG_DB_INT(t->year), MG_DB_TEXT(nature),
                                MG_DB_INT(t->granted), MG_DB_INT(t->paid), MG_DB_TEXT(now)),
                   NULL, d);
    if (rc < 0)
        return rc;
    line_checked k = {.funder_id = t->funder_id, .year = t->year, .nature = t->nature,
                      .a = {t->granted, t->granted, t->paid}};
    mg_audit_change ch[7];
    char txt[14][24];
    size_t n = line_diff(&old, &k, ch, txt);
    if (old.action_id != t->action_id) {
        int_text(txt[12], old.action_id);
        ch[n++] = (mg_audit_change){"action_id", txt[12], action, false};
    }
    if (n == 0)
        return 0; /* the same grant fed again: nothing changed */
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead,
                        .object_type = "budget_line", .object_id = existing, .verb = "feed",
                        .changes = ch, .nchanges = n};
    return mg_audit_append(c, &e, NULL, d);
}

/* The arguments' own sense, before any transaction. */
static int feed_args(const struct feed_tx *t, mg_diag *d)
{
    if (t->by < 0 || t->request_id <= 0 || t->funder_id <= 0 || t->year < 2000 ||
        t->year > 2100 || (int)t->nature < 0 || t->nature >= MG_BUDGET_NATURES ||
        t->granted < 0 || t->granted > MAX_CENTS || t->paid < 0 || t->paid > t->granted)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_budget_feed: bad arguments (request %lld, year %d, granted %lld, "
                           "paid %lld)",
                           (long long)t->request_id, t->year, (long long)t->granted,
                           (long long)t->paid);
    if (t->action_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld",
                           (long long)t->action_id);
    return 0;
}

int mg_budget_feed(mg_db *db, int64_t by, int64_t action_id, int64_t request_id,
                   int64_t funder_id, int year, mg_budget_nature nature, int64_t granted_cents,
                   int64_t paid_cents, mg_diag *d)
{
    struct feed_tx t = {.by = by, .action_id = action_id, .request_id = request_id,
                        .funder_id = funder_id, .year = year, .nature = nature,
                        .granted = granted_cents, .paid = paid_cents};
    int rc = db ? feed_args(&t, d) : mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_feed: no database");
    if (rc < 0)
        return rc;
    return mg_db_transaction(db, MG_DB_TX_WRITE, feed_body, &t, d);
}

int mg_budget_feed_in(mg_db_conn *c, int64_t by, int64_t action_id, int64_t request_id,
                      int64_t funder_id, int year, mg_budget_nature nature, int64_t granted_cents,
                      int64_t paid_cents, mg_diag *d)
{
    struct feed_tx t = {.by = by, .action_id = action_id, .request_id = request_id,
                        .funder_id = funder_id, .year = year, .nature = nature,
                        .granted = granted_cents, .paid = paid_cents};
    int rc = c ? feed_args(&t, d) : mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_feed_in: no connection");
    if (rc < 0)
        return rc;
    return feed_body(c, &t, d);
}

/* --- Lists of lines ------------------------------------------------------------------------ */

struct lines_tx {
    int64_t contract_id, action_id;
    bool as_signed;
    mg_budget_line *out;
    size_t n, cap;
};

static int lines_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct lines_tx *t = ctx;
    t->n = 0;
    /* An action's lines (of contract_id too, when it is given), or a
     * contract's; current, or as signed. */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " LINE_COLUMNS "WHERE %s AND %s ORDER BY l.year, o.name, l.id",
             !t->action_id ? "a.contract_id = ?1"
             : t->contract_id > 0 ? "l.action_id = ?1 AND a.contract_id = ?2"
                                  : "l.action_id = ?1",
             t->as_signed ? "l.amendment_id IS NULL" : "l.replaced_by IS NULL");
    mg_db_param params[2] = {MG_DB_INT(t->action_id ? t->action_id : t->contract_id),
                             MG_DB_INT(t->contract_id)};
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, params, t->action_id && t->contract_id > 0 ? 2 : 1, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            mg_budget_line *p = realloc(t->out, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = p, t->cap = cap;
        }
        read_line(q, &t->out[t->n++], NULL);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_budget_lines(mg_db *db, int64_t contract_id, int64_t action_id, bool as_signed,
                    mg_budget_line **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n || (contract_id <= 0 && action_id <= 0))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_lines: bad arguments");
    *out = NULL;
    *n = 0;
    struct lines_tx t = {.contract_id = contract_id, .action_id = action_id,
                         .as_signed = as_signed};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, lines_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc < 0 ? rc : 0;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

/* --- Totals ---------------------------------------------------------------------------------- */

/* The sums, as BIGINT on both databases (PostgreSQL's SUM of a bigint is a
 * numeric), 0 for no line. */
#define SUMS                                                                                     \
    "CAST(COALESCE(SUM(l.planned_cents), 0) AS BIGINT), "                                        \
    "CAST(COALESCE(SUM(l.committed_cents), 0) AS BIGINT), "                                      \
    "CAST(COALESCE(SUM(l.paid_cents), 0) AS BIGINT) "
#define CURRENT_OF_CONTRACT                                                                      \
    "FROM budget_lines l JOIN contract_actions a ON a.id = l.action_id "                         \
    "WHERE a.contract_id = ?1 AND l.replaced_by IS NULL "

/* Each group's query: key, label, the three sums. */
static const char *const total_sql[MG_BUDGET_GROUPS] = {
    [MG_BUDGET_BY_FUNDER] =
        "SELECT l.funder_id, o.name, " SUMS
        "FROM budget_lines l JOIN contract_actions a ON a.id = l.action_id "
        "JOIN organisations o ON o.id = l.funder_id "
        "WHERE a.contract_id = ?1 AND l.replaced_by IS NULL "
        "GROUP BY l.funder_id, o.name ORDER BY o.name, l.funder_id",
    [MG_BUDGET_BY_YEAR] =
        "SELECT l.year, '', " SUMS CURRENT_OF_CONTRACT "GROUP BY l.year ORDER BY l.year",
    /* The level-1 axis: the action's axis, or its parent for a sub-axis. */
    [MG_BUDGET_BY_AXIS] =
        "SELECT COALESCE(p.id, x.id, 0), COALESCE(p.title, x.title, ''), " SUMS
        "FROM budget_lines l JOIN contract_actions a ON a.id = l.action_id "
        "LEFT JOIN contract_axes x ON x.id = a.axis_id "
        "LEFT JOIN contract_axes p ON p.id = x.parent_id "
        "WHERE a.contract_id = ?1 AND l.replaced_by IS NULL "
        "GROUP BY COALESCE(p.id, x.id, 0), COALESCE(p.title, x.title, ''), "
        "COALESCE(p.position, x.position, 0) "
        "ORDER BY COALESCE(p.id, x.id, 0) = 0, COALESCE(p.position, x.position, 0), "
        "COALESCE(p.id, x.id, 0)",
    [MG_BUDGET_BY_ACTION] =
        "SELECT a.id, a.title, " SUMS CURRENT_OF_CONTRACT
        "GROUP BY a.id, a.title ORDER BY a.title, a.id",
    [MG_BUDGET_BY_NATURE] =
        "SELECT CASE l.nature WHEN 'investment' THEN 0 ELSE 1 END, '', " SUMS CURRENT_OF_CONTRACT
        "GROUP BY CASE l.nature WHEN 'investment' THEN 0 ELSE 1 END "
        "ORDER BY CASE l.nature WHEN 'investment' THEN 0 ELSE 1 END",
};

struct totals_tx {
    int64_t id;
    int group;  /* an mg_budget_group, or -1: the totals of a funder */
    mg_budget_total *out;
    size_t n, cap;
    mg_budget_amounts all;
};

static int totals_rows(mg_db_conn *c, struct totals_tx *t, const char *sql, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_budget_total *p = realloc(t->out, cap * sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = p, t->cap = cap;
        }
        mg_budget_total *r = &t->out[t->n++];
        memset(r, 0, sizeof *r);
        r->key = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, r->label, sizeof r->label);
        r->a.planned = mg_db_column_int64(q, 2);
        r->a.committed = mg_db_column_int64(q, 3);
        r->a.paid = mg_db_column_int64(q, 4);
        if (t->group == MG_BUDGET_BY_YEAR)
            snprintf(r->label, sizeof r->label, "%lld", (long long)r->key);
        else if (t->group == MG_BUDGET_BY_NATURE)
            snprintf(r->label, sizeof r->label, "%s",
                     mg_budget_nature_label((mg_budget_nature)r->key));
        else if (t->group == MG_BUDGET_BY_AXIS && r->key == 0)
            snprintf(r->label, sizeof r->label, "Hors axe");
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

static int totals_all(mg_db_conn *c, const char *sql, int64_t id, mg_budget_amounts *all,
                      mg_diag *d)
{
    memset(all, 0, sizeof *all);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        all->planned = mg_db_column_int64(q, 0);
        all->committed = mg_db_column_int64(q, 1);
        all->paid = mg_db_column_int64(q, 2);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

static int totals_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct totals_tx *t = ctx;
    t->n = 0;
    int64_t found = 0;
    int rc = mg_db_query_int(c, "SELECT id FROM contracts WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->id)), &found, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld",
                           (long long)t->id);
    if (rc == 0)
        rc = totals_rows(c, t, total_sql[t->group], d);
    if (rc == 0)
        rc = totals_all(c, "SELECT " SUMS CURRENT_OF_CONTRACT, t->id, &t->all, d);
    return rc;
}

static int totals_result(int rc, struct totals_tx *t, mg_budget_total **out, size_t *n,
                         mg_budget_amounts *all)
{
    if (rc < 0 || t->n == 0) {
        free(t->out);
        t->out = NULL;
        t->n = 0;
    }
    *out = t->out;
    *n = t->n;
    if (all)
        *all = rc < 0 ? (mg_budget_amounts){0} : t->all;
    return rc;
}

int mg_ct_budget_amended_lines_on(mg_db_conn *c, int64_t contract_id, mg_budget_line **out,
                                   size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT " LINE_COLUMNS "WHERE a.contract_id = ?1 AND "
                                "(l.amendment_id IS NOT NULL OR l.replaced_by IS NOT NULL) "
                                "ORDER BY l.id",
                                MG_DB_PARAMS(MG_DB_INT(contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            mg_budget_line *p = realloc(*out, nc * sizeof *p);
            if (!p) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            *out = p, cap = nc;
        }
        read_line(q, &(*out)[(*n)++], NULL);
    }
    mg_db_finalize(q);
    if (rc == MG_DB_DONE)
        rc = 0;
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* The dashboard's totals (by funder, year, level-1 axis and the whole) from
 * one query grouped by all three, summed up here: the same rows, labels and
 * order as the queries of total_sql (whose ORDER BY each comment repeats),
 * one scan of the contract's lines instead of four. */
typedef struct dash_row {
    mg_budget_total t;
    int64_t position; /* the axis's, for its order */
} dash_row;

static int dash_add(dash_row **v, size_t *n, size_t *cap, int64_t key, const char *label,
                    int64_t position, const mg_budget_amounts *a, bool last_only)
{
    size_t k = *n;
    if (last_only) {
        if (*n && (*v)[*n - 1].t.key == key)
            k = *n - 1;
    } else {
        for (k = 0; k < *n && (*v)[k].t.key != key; k++)
            ;
    }
    if (k == *n) {
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 8;
            dash_row *p = realloc(*v, nc * sizeof *p);
            if (!p)
                return MG_ENOMEM;
            *v = p, *cap = nc;
        }
        dash_row *r = &(*v)[(*n)++];
        memset(r, 0, sizeof *r);
        r->t.key = key;
        snprintf(r->t.label, sizeof r->t.label, "%s", label);
        r->position = position;
    }
    dash_row *r = &(*v)[k];
    r->t.a.planned += a->planned;
    r->t.a.committed += a->committed;
    r->t.a.paid += a->paid;
    return 0;
}

/* ORDER BY l.year */
static int by_year(const void *x, const void *y)
{
    const dash_row *a = x, *b = y;
    return (a->t.key > b->t.key) - (a->t.key < b->t.key);
}

/* ORDER BY key = 0, position, key */
static int by_axis(const void *x, const void *y)
{
    const dash_row *a = x, *b = y;
    if ((a->t.key == 0) != (b->t.key == 0))
        return a->t.key == 0 ? 1 : -1;
    if (a->position != b->position)
        return a->position < b->position ? -1 : 1;
    return (a->t.key > b->t.key) - (a->t.key < b->t.key);
}

int mg_ct_budget_dashboard_on(mg_db_conn *c, int64_t contract_id, mg_budget_total *out[3],
                              size_t n[3], mg_budget_amounts *all, mg_diag *d)
{
    dash_row *v[3] = {NULL};
    size_t nv[3] = {0}, cap[3] = {0};
    memset(all, 0, sizeof *all);
    /* Funders come out in their order (o.name, l.funder_id, as
     * MG_BUDGET_BY_FUNDER's ORDER BY) and so group as they come; years and
     * axes are sorted below. The funder's join is a LEFT one so that the
     * whole and the years and axes count every line, as their queries do. */
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT l.funder_id, o.name, CASE WHEN o.id IS NULL THEN 0 ELSE 1 END, l.year, "
        "COALESCE(p.id, x.id, 0), COALESCE(p.title, x.title, ''), "
        "COALESCE(p.position, x.position, 0), " SUMS
        "FROM budget_lines l JOIN contract_actions a ON a.id = l.action_id "
        "LEFT JOIN organisations o ON o.id = l.funder_id "
        "LEFT JOIN contract_axes x ON x.id = a.axis_id "
        "LEFT JOIN contract_axes p ON p.id = x.parent_id "
        "WHERE a.contract_id = ?1 AND l.replaced_by IS NULL "
        "GROUP BY l.funder_id, o.name, CASE WHEN o.id IS NULL THEN 0 ELSE 1 END, l.year, "
        "COALESCE(p.id, x.id, 0), COALESCE(p.title, x.title, ''), "
        "COALESCE(p.position, x.position, 0) "
        "ORDER BY o.name, l.funder_id",
        MG_DB_PARAMS(MG_DB_INT(contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        mg_budget_amounts a = {mg_db_column_int64(q, 7), mg_db_column_int64(q, 8),
                               mg_db_column_int64(q, 9)};
        all->planned += a.planned;
        all->committed += a.committed;
        all->paid += a.paid;
        char label[sizeof v[0]->t.label];
        rc = 0;
        if (mg_db_column_int64(q, 2)) {
            mg_db_column_copy(q, 1, label, sizeof label);
            rc = dash_add(&v[0], &nv[0], &cap[0], mg_db_column_int64(q, 0), label, 0, &a, true);
        }
        int64_t year = mg_db_column_int64(q, 3);
        snprintf(label, sizeof label, "%lld", (long long)year);
        if (rc == 0)
            rc = dash_add(&v[1], &nv[1], &cap[1], year, label, 0, &a, false);
        int64_t axis = mg_db_column_int64(q, 4);
        if (axis == 0)
            snprintf(label, sizeof label, "Hors axe");
        else
            mg_db_column_copy(q, 5, label, sizeof label);
        if (rc == 0)
            rc = dash_add(&v[2], &nv[2], &cap[2], axis, label, mg_db_column_int64(q, 6), &a,
                          false);
        if (rc)
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    mg_db_finalize(q);
    if (rc == MG_DB_DONE)
        rc = 0;
    if (rc == 0 && nv[1]) /* qsort's array may not be NULL, even when empty */
        qsort(v[1], nv[1], sizeof *v[1], by_year);
    if (rc == 0 && nv[2])
        qsort(v[2], nv[2], sizeof *v[2], by_axis);
    for (size_t g = 0; g < 3; g++) {
        out[g] = NULL;
        n[g] = 0;
        if (rc == 0 && nv[g]) {
            out[g] = malloc(nv[g] * sizeof *out[g]);
            if (!out[g]) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
            } else {
                for (size_t k = 0; k < nv[g]; k++)
                    out[g][k] = v[g][k].t;
                n[g] = nv[g];
            }
        }
        free(v[g]);
    }
    if (rc) {
        for (size_t g = 0; g < 3; g++) {
            free(out[g]);
            out[g] = NULL;
            n[g] = 0;
        }
        memset(all, 0, sizeof *all);
    }
    return rc;
}

int mg_budget_totals(mg_db *db, int64_t contract_id, mg_budget_group group,
                     mg_budget_total **out, size_t *n, mg_budget_amounts *all, mg_diag *d)
{
    if (!db || !out || !n || (int)group < 0 || group >= MG_BUDGET_GROUPS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_totals: bad arguments");
    *out = NULL;
    *n = 0;
    if (all)
        *all = (mg_budget_amounts){0};
    if (contract_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld",
                           (long long)contract_id);
    struct totals_tx t = {.id = contract_id, .group = (int)group};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, totals_body, &t, d);
    return totals_result(rc, &t, out, n, all);
}

static int of_funder_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct totals_tx *t = ctx;
    t->n = 0;
    int rc = totals_rows(c, t,
                         "SELECT k.id, k.title, " SUMS
                         "FROM budget_lines l JOIN contract_actions a ON a.id = l.action_id "
                         "JOIN contracts k ON k.id = a.contract_id "
                         "WHERE l.funder_id = ?1 AND l.replaced_by IS NULL "
                         "GROUP BY k.id, k.title ORDER BY k.title, k.id",
                         d);
    if (rc == 0)
        rc = totals_all(c,
                        "SELECT " SUMS "FROM budget_lines l "
                        "WHERE l.funder_id = ?1 AND l.replaced_by IS NULL",
                        t->id, &t->all, d);
    return rc;
}

int mg_budget_of_funder(mg_db *db, int64_t funder_id, mg_budget_total **out, size_t *n,
                        mg_budget_amounts *all, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_budget_of_funder: bad arguments");
    *out = NULL;
    *n = 0;
    if (all)
        *all = (mg_budget_amounts){0};
    struct totals_tx t = {.id = funder_id, .group = -1};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, of_funder_body, &t, d);
    return totals_result(rc, &t, out, n, all);
}
