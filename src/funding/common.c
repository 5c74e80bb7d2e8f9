/*
 * What every file of the single window shares: the code lists and their
 * French labels, refused fields, the CERFA 12156 budget accounts, and the
 * table that gives a request's overall state from its co-funders' parts
 * (docs/funding.md, "The request's state"), with the one function that
 * writes it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "directory/holidays.h"
#include "funding/attachments.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "funding/internal.h"

/* --- Refused fields ------------------------------------------------------------------------ */

void mg_subsidy_errors_add(mg_subsidy_errors *errs, const char *field, const char *fmt, ...)
{
    if (!errs || errs->n >= MG_SUBSIDY_ERRORS_MAX)
        return;
    mg_subsidy_field_error *e = &errs->e[errs->n++];
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

const char *mg_subsidy_errors_for(const mg_subsidy_errors *errs, const char *field)
{
    for (size_t k = 0; errs && field && k < errs->n && k < MG_SUBSIDY_ERRORS_MAX; k++)
        if (strcmp(errs->e[k].field, field) == 0)
            return errs->e[k].msg;
    return NULL;
}

int mg_subsidy_refuse(const mg_subsidy_errors *errs, mg_diag *d)
{
    if (errs && errs->n > 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s : %s", errs->e[0].field,
                           errs->e[0].msg);
    return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "saisie refusée");
}

void mg_subsidy_int_text(char out[static 24], int64_t v)
{
    snprintf(out, 24, "%lld", (long long)v);
}

void mg_subsidy_today(char out[static 11])
{
    int y, m, dd, minute;
    if (mg_paris_civil((int64_t)time(NULL), &y, &m, &dd, &minute) < 0) {
        snprintf(out, 11, "1970-01-01");
        return;
    }
    snprintf(out, 11, "%04d-%02d-%02d", y, m, dd);
}

/* --- Code lists ---------------------------------------------------------------------------- */

/* A key and its label, looked up by index or by key. */
typedef struct code_row {
    const char *key, *label;
} code_row;

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

#define N(t) (sizeof(t) / sizeof((t)[0]))

static const code_row states[] = {
    {"draft", "Brouillon"},
    {"filed", "Déposée"},
    {"in_instruction", "En instruction"},
    {"to_complete", "À compléter"},
    {"granted_full", "Accordée"},
    {"granted_part", "Accordée en partie"},
    {"refused", "Refusée"},
    {"closed", "Classée sans suite"},
};
_Static_assert(N(states) == MG_SUBSIDY_STATES, "one code per request state");

static const code_row part_states[] = {
    {"addressed", "Adressée, à orienter"},
    {"received", "Reçue, à instruire"},
    {"in_instruction", "En instruction"},
    {"to_complete", "À compléter"},
    {"granted", "Accordée"},
    {"refused", "Refusée"},
    {"closed", "Classée sans suite"},
};
_Static_assert(N(part_states) == MG_PART_STATES, "one code per part state");

static const code_row sides[] = {
    {"expense", "Charges"},
    {"resource", "Produits"},
};
_Static_assert(N(sides) == MG_SUBSIDY_SIDES, "one code per side");

static const code_row decisions[] = {
    {"grant", "Accorder"},
    {"refuse", "Refuser"},
    {"close", "Classer sans suite"},
};

static const code_row opinions[] = {
    {"favourable", "Favorable"},
    {"reserved", "Réservé"},
    {"unfavourable", "Défavorable"},
};

static const code_row outcomes[] = {
    {"", "À examiner"},
    {"approved", "Favorable"},
    {"approved_part", "Favorable en partie"},
    {"refused", "Défavorable"},
    {"postponed", "Ajournée"},
};

static const code_row message_kinds[] = {
    {"question", "Question"},
    {"answer", "Réponse"},
    {"message", "Message"},
    {"internal", "Note interne"},
};

static const code_row attachment_kinds[] = {
    {"statutes", "Statuts"},
    {"accounts", "Derniers comptes approuvés"},
    {"bank_details", "Relevé d'identité bancaire (RIB)"},
    {"attestation", "Attestation sur l'honneur signée"},
    {"report", "Pièce du compte rendu financier"},
    {"other", "Autre pièce"},
};
_Static_assert(N(attachment_kinds) == MG_ATTACH_KINDS, "one code per attachment kind");

const char *mg_subsidy_state_key(mg_subsidy_state s) { return key_of(states, N(states), (int)s); }
const char *mg_subsidy_state_label(mg_subsidy_state s)
{
    return label_of(states, N(states), (int)s);
}
int mg_subsidy_state_parse(const char *key, mg_subsidy_state *out)
{
    int i = 0;
    int rc = parse_of(states, N(states), key, &i);
    if (rc == 0)
        *out = (mg_subsidy_state)i;
    return rc;
}

const char *mg_subsidy_part_state_key(mg_subsidy_part_state s)
{
    return key_of(part_states, N(part_states), (int)s);
}
const char *mg_subsidy_part_state_label(mg_subsidy_part_state s)
{
    return label_of(part_states, N(part_states), (int)s);
}
int mg_subsidy_part_state_parse(const char *key, mg_subsidy_part_state *out)
{
    int i = 0;
    int rc = parse_of(part_states, N(part_states), key, &i);
    if (rc == 0)
        *out = (mg_subsidy_part_state)i;
    return rc;
}

bool mg_subsidy_part_decided(mg_subsidy_part_state s)
{
    return s == MG_PART_GRANTED || s == MG_PART_REFUSED || s == MG_PART_CLOSED;
}

const char *mg_subsidy_side_key(mg_subsidy_side s) { return key_of(sides, N(sides), (int)s); }
const char *mg_subsidy_side_label(mg_subsidy_side s) { return label_of(sides, N(sides), (int)s); }
int mg_subsidy_side_parse(const char *key, mg_subsidy_side *out)
{
    int i = 0;
    int rc = parse_of(sides, N(sides), key, &i);
    if (rc == 0)
        *out = (mg_subsidy_side)i;
    return rc;
}

const char *mg_subsidy_decision_key(mg_subsidy_decision k)
{
    return key_of(decisions, N(decisions), (int)k);
}
const char *mg_subsidy_decision_label(mg_subsidy_decision k)
{
    return label_of(decisions, N(decisions), (int)k);
}
int mg_subsidy_decision_parse(const char *key, mg_subsidy_decision *out)
{
    int i = 0;
    int rc = parse_of(decisions, N(decisions), key, &i);
    if (rc == 0)
        *out = (mg_subsidy_decision)i;
    return rc;
}

/* The label of a key of table t, or "" for a key it does not have. */
static const char *label_by_key(const code_row *t, size_t n, const char *key)
{
    int i = 0;
    return parse_of(t, n, key ? key : "", &i) == 0 ? t[i].label : "";
}

const char *mg_subsidy_opinion_label(const char *key)
{
    return label_by_key(opinions, N(opinions), key);
}

const char *mg_subsidy_outcome_label(const char *key)
{
    return label_by_key(outcomes, N(outcomes), key);
}

const char *mg_subsidy_message_kind_key(mg_subsidy_message_kind k)
{
    return key_of(message_kinds, N(message_kinds), (int)k);
}

const char *mg_subsidy_attachment_kind_key(mg_subsidy_attachment_kind k)
{
    return key_of(attachment_kinds, N(attachment_kinds), (int)k);
}
const char *mg_subsidy_attachment_kind_label(mg_subsidy_attachment_kind k)
{
    return label_of(attachment_kinds, N(attachment_kinds), (int)k);
}
int mg_subsidy_attachment_kind_parse(const char *key, mg_subsidy_attachment_kind *out)
{
    int i = 0;
    int rc = parse_of(attachment_kinds, N(attachment_kinds), key, &i);
    if (rc == 0)
        *out = (mg_subsidy_attachment_kind)i;
    return rc;
}

bool mg_subsidy_attachment_required(mg_subsidy_attachment_kind k, bool is_renewal)
{
    return k == MG_ATTACH_BANK_DETAILS || k == MG_ATTACH_ATTESTATION ||
           (k == MG_ATTACH_STATUTES && !is_renewal);
}

/* --- The CERFA 12156 budget's accounts ----------------------------------------------------- */

/* The form's lines ("Budget prévisionnel de l'action"), in its order. */
static const mg_subsidy_account accounts[] = {
    {"60", MG_SUBSIDY_EXPENSE, "60 – Achats", false},
    {"61", MG_SUBSIDY_EXPENSE, "61 – Services extérieurs", false},
    {"62", MG_SUBSIDY_EXPENSE, "62 – Autres services extérieurs", false},
    {"63", MG_SUBSIDY_EXPENSE, "63 – Impôts et taxes", false},
    {"64", MG_SUBSIDY_EXPENSE, "64 – Charges de personnel", false},
    {"65", MG_SUBSIDY_EXPENSE, "65 – Autres charges de gestion courante", false},
    {"66", MG_SUBSIDY_EXPENSE, "66 – Charges financières", false},
    {"67", MG_SUBSIDY_EXPENSE, "67 – Charges exceptionnelles", false},
    {"68", MG_SUBSIDY_EXPENSE, "68 – Dotations aux amortissements", false},
    {"86", MG_SUBSIDY_EXPENSE, "86 – Emplois des contributions volontaires en nature", true},
    {"70", MG_SUBSIDY_RESOURCE, "70 – Ventes de produits finis, prestations de services, "
                                "marchandises", false},
    {"73", MG_SUBSIDY_RESOURCE, "73 – Dotations et produits de tarification", false},
    {"74", MG_SUBSIDY_RESOURCE, "74 – Subventions d'exploitation", false},
    {"75", MG_SUBSIDY_RESOURCE, "75 – Autres produits de gestion courante", false},
    {"76", MG_SUBSIDY_RESOURCE, "76 – Produits financiers", false},
    {"77", MG_SUBSIDY_RESOURCE, "77 – Produits exceptionnels", false},
    {"78", MG_SUBSIDY_RESOURCE, "78 – Reprises sur amortissements et provisions", false},
    {"79", MG_SUBSIDY_RESOURCE, "79 – Transferts de charges", false},
    {"87", MG_SUBSIDY_RESOURCE, "87 – Contributions volontaires en nature", true},
};

const mg_subsidy_account *mg_subsidy_accounts(size_t *n)
{
    if (n)
        *n = N(accounts);
    return accounts;
}

const mg_subsidy_account *mg_subsidy_account_find(const char *code)
{
    for (size_t i = 0; code && i < N(accounts); i++)
        if (strcmp(accounts[i].code, code) == 0)
            return &accounts[i];
    return NULL;
}

/* --- The request's state ------------------------------------------------------------------- */

mg_subsidy_state mg_subsidy_overall_state(bool filed, const mg_subsidy_part_brief *parts,
                                          size_t n)
{
    if (!filed)
        return MG_SUBSIDY_DRAFT;
    size_t decided = 0, granted = 0, granted_whole = 0, refused = 0, closed = 0;
    bool to_complete = false, instructing = false;
    for (size_t i = 0; parts && i < n; i++) {
        switch (parts[i].state) {
        case MG_PART_TO_COMPLETE: to_complete = true; break;
        case MG_PART_IN_INSTRUCTION: instructing = true; break;
        case MG_PART_GRANTED:
            granted++;
            if (parts[i].granted_cents >= parts[i].asked_cents)
                granted_whole++;
            break;
        case MG_PART_REFUSED: refused++; break;
        case MG_PART_CLOSED: closed++; break;
        case MG_PART_ADDRESSED:
        case MG_PART_RECEIVED:
        case MG_PART_STATES: break;
        }
    }
    decided = granted + refused + closed;
    if (to_complete)
        return MG_SUBSIDY_TO_COMPLETE;
    if (n > 0 && decided == n) {
        if (granted_whole == n)
            return MG_SUBSIDY_GRANTED_FULL;
        if (granted > 0)
            return MG_SUBSIDY_GRANTED_PART;
        return refused > 0 ? MG_SUBSIDY_REFUSED : MG_SUBSIDY_CLOSED;
    }
    if (instructing || decided > 0)
        return MG_SUBSIDY_IN_INSTRUCTION;
    return MG_SUBSIDY_FILED;
}

int mg_subsidy_refresh_state(mg_db_conn *c, int64_t request_id, mg_subsidy_state *out,
                             mg_diag *d)
{
    int64_t filed = 0;
    int rc = mg_db_query_int(c,
                             "SELECT CASE WHEN filed_at IS NULL THEN 0 ELSE 1 END "
                             "FROM subsidy_requests WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(request_id)), &filed, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                           (long long)request_id);
    if (rc < 0)
        return rc;
    mg_subsidy_part_brief parts[MG_SUBSIDY_FUNDERS_MAX];
    size_t n = 0;
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c,
                            "SELECT state, asked_cents, COALESCE(granted_cents, 0) "
                            "FROM subsidy_request_funders WHERE request_id = ?1",
                            MG_DB_PARAMS(MG_DB_INT(request_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (n == MG_SUBSIDY_FUNDERS_MAX) {
            rc = mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                             "subsidy request %lld has more than %d co-funders",
                             (long long)request_id, (int)MG_SUBSIDY_FUNDERS_MAX);
            break;
        }
        const char *key = mg_db_column_text(q, 0);
        if (mg_subsidy_part_state_parse(key, &parts[n].state) != 0) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "unknown co-funder state \"%s\"",
                             key ? key : "");
            break;
        }
        parts[n].asked_cents = mg_db_column_int64(q, 1);
        parts[n].granted_cents = mg_db_column_int64(q, 2);
        n++;
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    mg_subsidy_state s = mg_subsidy_overall_state(filed != 0, parts, n);
    rc = mg_db_run(c, "UPDATE subsidy_requests SET state = ?2 WHERE id = ?1 AND state <> ?2",
                   MG_DB_PARAMS(MG_DB_INT(request_id), MG_DB_TEXT(mg_subsidy_state_key(s))),
                   NULL, d);
    if (rc < 0)
        return rc;
    if (out)
        *out = s;
    return 0;
}
