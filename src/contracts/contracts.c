/*
 * Contracts, actions and their participants (contracts/contracts.h): the
 * checks of what people type, the SQL (tables of migration 007) and the
 * audit entries of each change. The only table of another module read here
 * is the directory's `structures` (migration 006), to say whether a
 * participant has a structure page.
 */
#include "contracts/contracts.h"
#include "contracts/plan_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/utf8.h"
#include "directory/holidays.h"
#include "parse/parse.h"

#define check_text mg_ct_check_text
#define check_date mg_ct_check_date
#define or_null mg_ct_or_null
#define org_name mg_ct_org_name
#define contract_on mg_ct_contract_on
#define action_on mg_ct_action_on

/* --- Code lists ----------------------------------------------------------- */

typedef struct code {
    const char *key, *label;
} code;

static const code kinds[MG_CONTRACT_KINDS] = {
    {"cps", "Contrat pluriannuel des solidarités"},
    {"cls", "Contrat local de santé"},
    {"convention", "Convention"},
    {"schema", "Schéma"},
    {"other", "Autre"},
};
static const code contract_statuses[MG_CONTRACT_STATUSES] = {
    {"draft", "Brouillon"},
    {"signed", "Signé"},
    {"in_force", "En vigueur"},
    {"ended", "Terminé"},
};
static const code action_statuses[MG_ACTION_STATUSES] = {
    {"planned", "À venir"},
    {"in_progress", "En cours"},
    {"done", "Réalisée"},
    {"paused", "En pause"},
    {"abandoned", "Abandonnée"},
};
static const code roles[MG_PARTICIPANT_ROLES] = {
    {"pilot", "Pilote"},
    {"partner", "Partenaire"},
};

static const char *code_key(const code *t, int n, int v)
{
    return v >= 0 && v < n ? t[v].key : "";
}

static const char *code_label(const code *t, int n, int v)
{
    return v >= 0 && v < n ? t[v].label : "";
}

static int code_parse(const code *t, int n, const char *key, int *out)
{
    for (int i = 0; key && i < n; i++)
        if (strcmp(t[i].key, key) == 0) {
            *out = i;
            return 0;
        }
    return MG_ENOTFOUND;
}

#define CODE_FUNCS(prefix, type, table, count)                                                   \
    const char *prefix##_key(type v) { return code_key(table, count, (int)v); }                  \
    const char *prefix##_label(type v) { return code_label(table, count, (int)v); }              \
    int prefix##_parse(const char *key, type *out)                                               \
    {                                                                                            \
        int v = 0;                                                                               \
        int rc = code_parse(table, count, key, &v);                                              \
        if (rc == 0)                                                                             \
            *out = (type)v;                                                                      \
        return rc;                                                                               \
    }

CODE_FUNCS(mg_contract_kind, mg_contract_kind, kinds, MG_CONTRACT_KINDS)
CODE_FUNCS(mg_contract_status, mg_contract_status, contract_statuses, MG_CONTRACT_STATUSES)
CODE_FUNCS(mg_action_status, mg_action_status, action_statuses, MG_ACTION_STATUSES)
CODE_FUNCS(mg_participant_role, mg_participant_role, roles, MG_PARTICIPANT_ROLES)

/* --- Checks of what people type --------------------------------------------- */

/* Refuses field `field` with a French sentence: into *fe (may be NULL)
 * and d. Returns MG_EINVAL. */
#define refuse mg_ct_refuse

int mg_ct_refuse(mg_contract_field_error *fe, mg_diag *d, const char *field, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (fe) {
        /* Cut on a character boundary: the sentence goes into a page. */
        fe->field = field;
        size_t n = mg_utf8_prefix(msg, sizeof fe->msg - 1);
        memcpy(fe->msg, msg, n);
        fe->msg[n] = 0;
    }
    return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%s", msg);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/*
 * Checks a text field and gives its trimmed copy in *out (malloc'd; ""
 * when empty and not required): UTF-8, at most max characters, no
 * control characters (a multi-line field may hold line breaks and tabs).
 */
int mg_ct_check_text(const char *s, size_t max, bool required, bool multiline, const char *field,
                     const char *label, char **out, mg_contract_field_error *fe, mg_diag *d)
{
    *out = NULL;
    if (!s)
        s = "";
    size_t len = strlen(s);
    while (len && is_space(s[0]))
        s++, len--;
    while (len && is_space(s[len - 1]))
        len--;
    if (len == 0 && required)
        return refuse(fe, d, field, "Le champ « %s » est obligatoire.", label);
    size_t chars = 0;
    if (mg_utf8_check(s, len, &chars) != len)
        return refuse(fe, d, field, "Le champ « %s » contient des caractères illisibles "
                                    "(texte UTF-8 attendu).", label);
    if (chars > max)
        return refuse(fe, d, field, "Le champ « %s » compte %zu caractères : %zu au plus.", label,
                      chars, max);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool allowed = multiline && (c == '\n' || c == '\r' || c == '\t');
        if ((c < 0x20 || c == 0x7f) && !allowed)
            return refuse(fe, d, field, "Le champ « %s » contient un caractère de contrôle.",
                          label);
        /* U+0080–U+009F, the C1 controls, are C2 80–C2 9F in UTF-8. */
        if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] < 0xa0)
            return refuse(fe, d, field, "Le champ « %s » contient un caractère de contrôle.",
                          label);
    }
    *out = malloc(len + 1);
    if (!*out)
        return MG_ENOMEM;
    memcpy(*out, s, len);
    (*out)[len] = 0;
    return 0;
}

/* A date as typed, "" or NULL for none, into out "YYYY-MM-DD" ("" none). */
int mg_ct_check_date(const char *s, const char *field, const char *label, char out[static 11],
                     mg_contract_field_error *fe, mg_diag *d)
{
    out[0] = 0;
    if (!s)
        return 0;
    while (is_space(*s))
        s++;
    if (!*s)
        return 0;
    mg_date dt;
    mg_parse_error why = MG_PARSE_OK;
    if (mg_parse_date(s, &dt, &why) != 0)
        return refuse(fe, d, field, "Le champ « %s » %s.", label, mg_parse_error_fr(why));
    snprintf(out, 11, "%04d-%02d-%02d", dt.year, dt.month, dt.day);
    return 0;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* The form of a scope key: "" (none), "epci:" and nine digits, or
 * "communes:" and INSEE codes (five characters, digits or 2A/2B) separated
 * by commas, semicolons or spaces. */
int mg_ct_check_scope(const char *s, const char *field, const char *label,
                      char out[static MG_CONTRACT_TERRITORY_MAX_BYTES + 1],
                      mg_contract_field_error *fe, mg_diag *d)
{
    out[0] = 0;
    if (!s)
        return 0;
    while (is_space(*s))
        s++;
    size_t len = strlen(s);
    while (len && is_space(s[len - 1]))
        len--;
    if (len == 0)
        return 0;
    static const char expect[] = "« epci: » suivi du SIREN de l'intercommunalité (9 chiffres) "
                                 "ou « communes: » suivi de codes INSEE séparés par des virgules";
    if (len > MG_CONTRACT_TERRITORY_MAX_BYTES)
        return refuse(fe, d, field, "%s est trop long (%d octets au plus).", label,
                      MG_CONTRACT_TERRITORY_MAX_BYTES);
    /* What is quoted below must be text. */
    if (mg_utf8_check(s, len, NULL) != len)
        return refuse(fe, d, field, "%s contient des caractères illisibles : %s.", label,
                      expect);
    if (len == 14 && strncmp(s, "epci:", 5) == 0 && digits(s + 5, 9)) {
        memcpy(out, s, len);
        out[len] = 0;
        return 0;
    }
    if (len > 9 && strncmp(s, "communes:", 9) == 0) {
        size_t i = 9, codes = 0;
        while (i < len) {
            if (s[i] == ',' || s[i] == ';' || s[i] == ' ') {
                i++;
                continue;
            }
            size_t j = i;
            while (j < len && s[j] != ',' && s[j] != ';' && s[j] != ' ')
                j++;
            bool corsica = j - i == 5 && s[i] == '2' && (s[i + 1] == 'A' || s[i + 1] == 'B') &&
                           digits(s + i + 2, 3);
            if (!(j - i == 5 && (digits(s + i, 5) || corsica)))
                return refuse(fe, d, field, "%s (« %.*s ») n'est pas reconnu : %s.",
                              label, (int)mg_utf8_prefix(s, 60), s, expect);
            codes++;
            i = j;
        }
        if (codes) {
            memcpy(out, s, len);
            out[len] = 0;
            return 0;
        }
    }
    return refuse(fe, d, field, "%s (« %.*s ») n'est pas reconnu : %s.", label,
                  (int)mg_utf8_prefix(s, 60), s, expect);
}

static int check_territory(const char *s, char out[static MG_CONTRACT_TERRITORY_MAX_BYTES + 1],
                           mg_contract_field_error *fe, mg_diag *d)
{
    return mg_ct_check_scope(s, "territory", "Le territoire", out, fe, d);
}

/* --- Small SQL helpers ------------------------------------------------------ */

/* NULL for "", else s: dates not known are stored as NULL. */
const char *mg_ct_or_null(const char *s)
{
    return s && *s ? s : NULL;
}

/* The name of organisation id into name (cap bytes); MG_ENOTFOUND. */
int mg_ct_org_name(mg_db_conn *c, int64_t id, char *name, size_t cap, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT name FROM organisations WHERE id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        mg_db_column_copy(q, 0, name, cap);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no organisation has id %lld",
                         (long long)id);
    }
    mg_db_finalize(q);
    return rc;
}

/* --- Contracts ---------------------------------------------------------------- */

#define CONTRACT_COLUMNS                                                                         \
    "c.id, c.organisation_id, o.name, c.kind, c.status, c.title, c.territory, c.starts_on, "     \
    "c.ends_on, c.created_at, c.updated_at, c.is_example "                                       \
    "FROM contracts c JOIN organisations o ON o.id = c.organisation_id "

static void read_contract(const mg_db_stmt *q, mg_contract *out)
{
    memset(out, 0, sizeof *out);
    out->id = mg_db_column_int64(q, 0);
    out->organisation_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, out->lead_name, sizeof out->lead_name);
    if (mg_contract_kind_parse(mg_db_column_text(q, 3), &out->kind) != 0)
        out->kind = MG_CONTRACT_OTHER; /* the CHECK makes it impossible */
    if (mg_contract_status_parse(mg_db_column_text(q, 4), &out->status) != 0)
        out->status = MG_CONTRACT_DRAFT;
    mg_db_column_copy(q, 5, out->title, sizeof out->title);
    mg_db_column_copy(q, 6, out->territory, sizeof out->territory);
    mg_db_column_copy(q, 7, out->starts_on, sizeof out->starts_on);
    mg_db_column_copy(q, 8, out->ends_on, sizeof out->ends_on);
    mg_db_column_copy(q, 9, out->created_at, sizeof out->created_at);
    mg_db_column_copy(q, 10, out->updated_at, sizeof out->updated_at);
    out->is_example = mg_db_column_int64(q, 11) != 0;
}

int mg_ct_contract_on(mg_db_conn *c, int64_t id, mg_contract *out, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT " CONTRACT_COLUMNS "WHERE c.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        read_contract(q, out);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld", (long long)id);
    }
    mg_db_finalize(q);
    return rc;
}

struct create_contract_tx {
    int64_t by, lead;
    const char *kind, *title, *territory, *starts_on, *ends_on, *status;
    mg_contract_field_error *fe;
    int64_t id;
};

static int create_contract_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct create_contract_tx *t = ctx;
    t->id = 0;
    char lead_name[MG_CONTRACT_NAME_MAX_BYTES + 1];
    int rc = org_name(c, t->lead, lead_name, sizeof lead_name, d);
    if (rc == MG_ENOTFOUND)
        return refuse(t->fe, d, "organisation", "L'organisation porteuse n'existe pas.");
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO contracts (organisation_id, kind, title, territory, "
                         "starts_on, ends_on, status, created_at, updated_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->lead), MG_DB_TEXT(t->kind), MG_DB_TEXT(t->title),
                                      MG_DB_TEXT(t->territory), MG_DB_TEXT(or_null(t->starts_on)),
                                      MG_DB_TEXT(or_null(t->ends_on)), MG_DB_TEXT(t->status),
                                      MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new contract has no id");
    if (rc < 0)
        return rc;
    char lead[24];
    snprintf(lead, sizeof lead, "%lld", (long long)t->lead);
    mg_audit_change ch[] = {
        {"organisation_id", NULL, lead, false},  {"kind", NULL, t->kind, false},
        {"title", NULL, t->title, false},        {"territory", NULL, or_null(t->territory), false},
        {"starts_on", NULL, or_null(t->starts_on), false},
        {"ends_on", NULL, or_null(t->ends_on), false},
        {"status", NULL, t->status, false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = t->lead,
                        .object_type = "contract", .object_id = t->id, .verb = "create",
                        .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    return mg_audit_append(c, &e, NULL, d);
}

/* A contract's input as checked: what is stored. */
typedef struct contract_checked {
    mg_contract_kind kind;
    mg_contract_status status;
    char *title; /* malloc'd */
    char territory[MG_CONTRACT_TERRITORY_MAX_BYTES + 1];
    char starts_on[11], ends_on[11];
} contract_checked;

static int contract_check(const mg_contract_input *in, contract_checked *out,
                          mg_contract_field_error *fe, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    out->status = MG_CONTRACT_DRAFT;
    if (!in->kind || !*in->kind)
        return refuse(fe, d, "kind", "Le champ « Type de contrat » est obligatoire.");
    if (mg_contract_kind_parse(in->kind, &out->kind) != 0)
        return refuse(fe, d, "kind", "Le type de contrat choisi n'existe pas.");
    if (in->status && *in->status && mg_contract_status_parse(in->status, &out->status) != 0)
        return refuse(fe, d, "status", "Le statut choisi n'existe pas.");
    int rc = check_territory(in->territory, out->territory, fe, d);
    if (rc == 0)
        rc = check_date(in->starts_on, "starts_on", "Début", out->starts_on, fe, d);
    if (rc == 0)
        rc = check_date(in->ends_on, "ends_on", "Fin", out->ends_on, fe, d);
    if (rc == 0 && out->starts_on[0] && out->ends_on[0] &&
        strcmp(out->ends_on, out->starts_on) < 0)
        rc = refuse(fe, d, "ends_on", "La fin du contrat précède son début.");
    if (rc == 0)
        rc = check_text(in->title, MG_CONTRACT_TITLE_MAX_CHARS, true, false, "title", "Intitulé",
                        &out->title, fe, d);
    if (rc < 0) {
        free(out->title);
        out->title = NULL;
    }
    return rc;
}

int mg_contract_input_check(const mg_contract_input *in, mg_contract_field_error *fe, mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (!in)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_input_check: bad arguments");
    contract_checked k;
    int rc = contract_check(in, &k, fe, d);
    free(k.title);
    return rc;
}

int mg_contract_create(mg_db *db, int64_t by, int64_t lead, const mg_contract_input *in,
                       int64_t *id_out, mg_contract_field_error *fe, mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (id_out)
        *id_out = 0;
    if (!db || !in || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_create: bad arguments");
    if (lead <= 0)
        return refuse(fe, d, "organisation", "Choisissez l'organisation qui porte le contrat.");
    contract_checked k;
    int rc = contract_check(in, &k, fe, d);
    if (rc < 0)
        return rc;
    struct create_contract_tx t = {.by = by, .lead = lead, .kind = mg_contract_kind_key(k.kind),
                                   .title = k.title, .territory = k.territory,
                                   .starts_on = k.starts_on, .ends_on = k.ends_on,
                                   .status = mg_contract_status_key(k.status), .fe = fe};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, create_contract_body, &t, d);
    free(k.title);
    if (rc == 0 && id_out)
        *id_out = t.id;
    return rc;
}

struct get_contract_tx {
    int64_t id;
    mg_contract *out;
};

static int get_contract_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_contract_tx *t = ctx;
    return contract_on(c, t->id, t->out, d);
}

int mg_contract_get(mg_db *db, int64_t id, mg_contract *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_get: bad arguments");
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld", (long long)id);
    struct get_contract_tx t = {id, out};
    return mg_db_transaction(db, MG_DB_TX_READ, get_contract_body, &t, d);
}

struct list_tx {
    const int64_t *orgs;
    size_t norgs;
    bool seen; /* seen without leading (mg_contract_list_seen_by), else led */
    mg_contract *out;
    size_t n, cap, total;
};

/* "?1, ?2, …, ?n" for n ≤ 32 parameters. */
static void placeholders(char *buf, size_t cap, size_t n)
{
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && at < cap; i++)
        at += (size_t)snprintf(buf + at, cap - at, "%s?%zu", i ? ", " : "", i + 1);
}

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    t->n = t->total = 0;
    char ph[32 * 6];
    placeholders(ph, sizeof ph, t->norgs);
    mg_db_param orgs[32];
    for (size_t i = 0; i < t->norgs; i++)
        orgs[i] = MG_DB_INT(t->orgs[i]);
    char where[1024];
    if (t->seen)
        snprintf(where, sizeof where,
                 "c.organisation_id NOT IN (%s) AND (c.id IN (SELECT contract_id FROM "
                 "contract_signatories WHERE organisation_id IN (%s)) OR c.id IN "
                 "(SELECT a.contract_id FROM action_participants p JOIN contract_actions a "
                 "ON a.id = p.action_id WHERE p.organisation_id IN (%s))) ",
                 ph, ph, ph);
    else
        snprintf(where, sizeof where, "c.organisation_id IN (%s) ", ph);
    char sql2[2048];
    snprintf(sql2, sizeof sql2, "SELECT count(*) FROM contracts c WHERE %s", where);
    int64_t total = 0;
    int rc = mg_db_query_int(c, sql2, orgs, t->norgs, &total, d);
    if (rc == MG_ENOTFOUND)
        rc = 0;
    if (rc < 0)
        return rc;
    t->total = (size_t)total;
    snprintf(sql2, sizeof sql2,
             "SELECT " CONTRACT_COLUMNS "WHERE %s ORDER BY c.title, c.id LIMIT %d", where,
             (int)MG_CONTRACT_LIST_MAX);
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c, sql2, orgs, t->norgs, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == MG_CONTRACT_LIST_MAX)
            continue;
        if (t->n == t->cap) {
            /* A contract is some 6 KB (its territory's room): grown as read. */
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_contract *grown = realloc(t->out, cap * sizeof *grown);
            if (!grown) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = grown;
            t->cap = cap;
        }
        read_contract(q, &t->out[t->n++]);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

static int list_contracts(mg_db *db, bool seen, const int64_t *orgs, size_t norgs,
                          mg_contract **out, size_t *n, size_t *total, mg_diag *d)
{
    if (!db || !out || !n || (norgs && !orgs) || norgs > 32)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_list: bad arguments");
    *out = NULL;
    *n = 0;
    if (total)
        *total = 0;
    if (norgs == 0)
        return 0;
    struct list_tx t = {.orgs = orgs, .norgs = norgs, .seen = seen};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        t.out = NULL;
    }
    if (rc == 0) {
        *out = t.out;
        *n = t.n;
        if (total)
            *total = t.total;
    }
    return rc;
}

struct signed_tx {
    const int64_t *orgs;
    size_t norgs;
    int64_t *out;
    size_t n, cap;
};

static int signed_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct signed_tx *t = ctx;
    t->n = 0;
    char ph[32 * 6];
    placeholders(ph, sizeof ph, t->norgs);
    mg_db_param orgs[32];
    for (size_t i = 0; i < t->norgs; i++)
        orgs[i] = MG_DB_INT(t->orgs[i]);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT contract_id FROM contract_signatories WHERE organisation_id IN (%s) "
             "ORDER BY 1",
             ph);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, orgs, t->norgs, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            int64_t *grown = realloc(t->out, cap * sizeof *grown);
            if (!grown) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            t->out = grown;
            t->cap = cap;
        }
        t->out[t->n++] = mg_db_column_int64(q, 0);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_contract_signed_by(mg_db *db, const int64_t *orgs, size_t norgs, int64_t **out, size_t *n,
                          mg_diag *d)
{
    if (!db || !out || !n || (norgs && !orgs) || norgs > 32)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_signed_by: bad arguments");
    *out = NULL;
    *n = 0;
    if (norgs == 0)
        return 0;
    struct signed_tx t = {.orgs = orgs, .norgs = norgs};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, signed_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc < 0 ? rc : 0;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

int mg_contract_list(mg_db *db, const int64_t *orgs, size_t norgs, mg_contract **out, size_t *n,
                     size_t *total, mg_diag *d)
{
    return list_contracts(db, false, orgs, norgs, out, n, total, d);
}

int mg_contract_list_seen_by(mg_db *db, const int64_t *orgs, size_t norgs, mg_contract **out,
                             size_t *n, size_t *total, mg_diag *d)
{
    return list_contracts(db, true, orgs, norgs, out, n, total, d);
}

/* --- Actions -------------------------------------------------------------------- */

#define ACTION_COLUMNS                                                                           \
    "a.id, a.contract_id, a.title, a.description, a.status, a.starts_on, a.due_on, "             \
    "a.created_at, a.updated_at, pl.organisation_id, po.name, "                                  \
    "(SELECT count(*) FROM action_participants x WHERE x.action_id = a.id "                      \
    "AND x.role = 'partner'), "                                                                  \
    "CASE WHEN EXISTS (SELECT 1 FROM structures s WHERE s.organisation_id = pl.organisation_id) " \
    "THEN 1 ELSE 0 END, "                                                                        \
    "a.axis_id, a.objectives, a.contact_role, a.target_publics, a.target_communes, a.priority, " \
    "a.scenario_id, a.is_example, "                                                              \
    "(SELECT min(m.due_on) FROM action_milestones m WHERE m.action_id = a.id "                  \
    "AND m.done_on IS NULL AND m.due_on IS NOT NULL) "                                           \
    "FROM contract_actions a "                                                                   \
    "LEFT JOIN action_participants pl ON pl.action_id = a.id AND pl.role = 'pilot' "             \
    "LEFT JOIN organisations po ON po.id = pl.organisation_id "

void mg_contract_action_clear(mg_contract_action *a)
{
    if (!a)
        return;
    free(a->description);
    free(a->objectives);
    free(a->target_communes);
    memset(a, 0, sizeof *a);
}

void mg_contract_actions_free(mg_contract_action *a, size_t n)
{
    if (!a)
        return;
    for (size_t i = 0; i < n; i++) {
        free(a[i].description);
        free(a[i].objectives);
        free(a[i].target_communes);
    }
    free(a);
}

static int read_action(const mg_db_stmt *q, mg_contract_action *out)
{
    memset(out, 0, sizeof *out);
    out->id = mg_db_column_int64(q, 0);
    out->contract_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, out->title, sizeof out->title);
    const char *desc = mg_db_column_text(q, 3);
    out->description = strdup(desc ? desc : "");
    if (!out->description)
        return MG_ENOMEM;
    if (mg_action_status_parse(mg_db_column_text(q, 4), &out->status) != 0)
        out->status = MG_ACTION_PLANNED; /* the CHECK makes it impossible */
    mg_db_column_copy(q, 5, out->starts_on, sizeof out->starts_on);
    mg_db_column_copy(q, 6, out->due_on, sizeof out->due_on);
    mg_db_column_copy(q, 7, out->created_at, sizeof out->created_at);
    mg_db_column_copy(q, 8, out->updated_at, sizeof out->updated_at);
    out->pilot_id = mg_db_column_int64(q, 9);
    mg_db_column_copy(q, 10, out->pilot_name, sizeof out->pilot_name);
    out->partners = (size_t)mg_db_column_int64(q, 11);
    out->pilot_in_directory = out->pilot_id > 0 && mg_db_column_int64(q, 12) != 0;
    out->axis_id = mg_db_column_int64(q, 13);
    const char *obj = mg_db_column_text(q, 14), *communes = mg_db_column_text(q, 17);
    out->objectives = strdup(obj ? obj : "");
    out->target_communes = strdup(communes ? communes : "");
    mg_db_column_copy(q, 15, out->contact_role, sizeof out->contact_role);
    mg_db_column_copy(q, 16, out->target_publics, sizeof out->target_publics);
    out->priority = (int)mg_db_column_int64(q, 18);
    out->scenario_id = mg_db_column_int64(q, 19);
    out->is_example = mg_db_column_int64(q, 20) != 0;
    if (!out->objectives || !out->target_communes) {
        mg_contract_action_clear(out);
        return MG_ENOMEM;
    }
    /* Late: its own dates, or a milestone not done past its due date (the
     * earliest such due date is enough). */
    char today[11];
    mg_contract_today(today);
    const char *first_due = mg_db_column_text(q, 21);
    out->late = mg_contract_action_is_late(out, today) ||
                (first_due && first_due[0] && strcmp(first_due, today) < 0 &&
                 out->status != MG_ACTION_DONE && out->status != MG_ACTION_ABANDONED);
    return 0;
}

int mg_ct_action_on(mg_db_conn *c, int64_t id, mg_contract_action *out, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT " ACTION_COLUMNS "WHERE a.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW)
        rc = read_action(q, out);
    else if (rc == MG_DB_DONE)
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld", (long long)id);
    mg_db_finalize(q);
    return rc;
}

struct create_action_tx {
    int64_t by, contract_id;
    const mg_ct_action_checked *k;
    mg_contract_field_error *fe;
    int64_t id;
};

int mg_ct_action_refs(mg_db_conn *c, int64_t contract_id, const mg_ct_action_checked *k,
                      mg_contract_field_error *fe, mg_diag *d)
{
    int64_t found = 0;
    int rc = 0;
    if (k->axis_id) {
        rc = mg_db_query_int(c, "SELECT contract_id FROM contract_axes WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(k->axis_id)), &found, d);
        if (rc == MG_ENOTFOUND || (rc == 0 && found != contract_id))
            return refuse(fe, d, "axis", "L'axe choisi n'est pas un axe de ce contrat.");
        if (rc < 0)
            return rc;
    }
    if (k->scenario_id) {
        rc = mg_db_query_int(c, "SELECT id FROM scenarios WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(k->scenario_id)), &found, d);
        if (rc == MG_ENOTFOUND)
            return refuse(fe, d, "scenario", "Le scénario choisi n'existe pas.");
    }
    return rc < 0 ? rc : 0;
}

static int create_action_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct create_action_tx *t = ctx;
    const mg_ct_action_checked *k = t->k;
    t->id = 0;
    mg_contract ct;
    int rc = contract_on(c, t->contract_id, &ct, d);
    if (rc == 0)
        rc = mg_ct_action_refs(c, t->contract_id, k, t->fe, d);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    const char *status = mg_action_status_key(k->status);
    char priority[4];
    snprintf(priority, sizeof priority, "%d", k->priority);
    rc = mg_db_query_int(c,
                         "INSERT INTO contract_actions (contract_id, title, description, status, "
                         "starts_on, due_on, created_at, updated_at, axis_id, objectives, "
                         "contact_role, target_publics, target_communes, priority, scenario_id) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
                         "RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->contract_id), MG_DB_TEXT(k->title),
                                      MG_DB_TEXT(k->description), MG_DB_TEXT(status),
                                      MG_DB_TEXT(or_null(k->starts_on)),
                                      MG_DB_TEXT(or_null(k->due_on)), MG_DB_TEXT(now),
                                      k->axis_id ? MG_DB_INT(k->axis_id) : MG_DB_NULL,
                                      MG_DB_TEXT(k->objectives), MG_DB_TEXT(k->contact_role),
                                      MG_DB_TEXT(k->target_publics),
                                      MG_DB_TEXT(k->target_communes), MG_DB_INT(k->priority),
                                      k->scenario_id ? MG_DB_INT(k->scenario_id) : MG_DB_NULL),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new action has no id");
    if (rc < 0)
        return rc;
    char contract[24], axis[24] = "", scenario[24] = "";
    snprintf(contract, sizeof contract, "%lld", (long long)t->contract_id);
    if (k->axis_id)
        snprintf(axis, sizeof axis, "%lld", (long long)k->axis_id);
    if (k->scenario_id)
        snprintf(scenario, sizeof scenario, "%lld", (long long)k->scenario_id);
    mg_audit_change ch[] = {
        {"contract_id", NULL, contract, false},
        {"title", NULL, k->title, false},
        {"description", NULL, or_null(k->description), false},
        {"status", NULL, status, false},
        {"starts_on", NULL, or_null(k->starts_on), false},
        {"due_on", NULL, or_null(k->due_on), false},
        {"axis_id", NULL, or_null(axis), false},
        {"objectives", NULL, or_null(k->objectives), false},
        {"contact_role", NULL, or_null(k->contact_role), false},
        {"target_publics", NULL, or_null(k->target_publics), false},
        {"target_communes", NULL, or_null(k->target_communes), false},
        {"priority", NULL, priority, false},
        {"scenario_id", NULL, or_null(scenario), false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = ct.organisation_id,
                        .object_type = "action", .object_id = t->id, .verb = "create",
                        .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    return mg_audit_append(c, &e, NULL, d);
}

void mg_ct_action_checked_free(mg_ct_action_checked *k)
{
    free(k->title);
    free(k->description);
    free(k->objectives);
    free(k->contact_role);
    free(k->target_publics);
    k->title = k->description = k->objectives = k->contact_role = k->target_publics = NULL;
}

/* An optional id typed in a form ("" or NULL: 0). */
static int check_ref(const char *s, const char *field, const char *what, int64_t *out,
                     mg_contract_field_error *fe, mg_diag *d)
{
    *out = 0;
    if (!s)
        return 0;
    while (is_space(*s))
        s++;
    if (!*s)
        return 0;
    if (mg_parse_id(s, INT64_MAX, out, NULL) != 0) {
        *out = 0;
        return refuse(fe, d, field, "%s n'existe pas.", what);
    }
    return 0;
}

int mg_ct_action_check(const mg_contract_action_input *in, mg_ct_action_checked *out,
                       mg_contract_field_error *fe, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    out->status = MG_ACTION_PLANNED;
    out->priority = 2;
    if (in->status && *in->status && mg_action_status_parse(in->status, &out->status) != 0)
        return refuse(fe, d, "status", "Le statut choisi n'existe pas.");
    int rc = check_text(in->title, MG_CONTRACT_TITLE_MAX_CHARS, true, false, "title", "Intitulé",
                        &out->title, fe, d);
    if (rc == 0)
        rc = check_text(in->description, MG_CONTRACT_DESCRIPTION_MAX_CHARS, false, true,
                        "description", "Description", &out->description, fe, d);
    if (rc == 0)
        rc = check_date(in->starts_on, "starts_on", "Début", out->starts_on, fe, d);
    if (rc == 0)
        rc = check_date(in->due_on, "due_on", "Fin prévue", out->due_on, fe, d);
    if (rc == 0 && out->starts_on[0] && out->due_on[0] && strcmp(out->due_on, out->starts_on) < 0)
        rc = refuse(fe, d, "due_on", "La fin prévue de l'action précède son début.");
    if (rc == 0)
        rc = check_ref(in->axis, "axis", "L'axe choisi", &out->axis_id, fe, d);
    if (rc == 0)
        rc = check_text(in->objectives, MG_CONTRACT_DESCRIPTION_MAX_CHARS, false, true,
                        "objectives", "Objectifs", &out->objectives, fe, d);
    if (rc == 0)
        rc = check_text(in->contact_role, 200, false, false, "contact_role",
                        "Contact (fonction)", &out->contact_role, fe, d);
    if (rc == 0)
        rc = check_text(in->target_publics, 500, false, false, "target_publics",
                        "Publics cibles", &out->target_publics, fe, d);
    if (rc == 0)
        rc = mg_ct_check_scope(in->target_communes, "target_communes",
                               "Le champ « Communes ciblées »", out->target_communes, fe, d);
    if (rc == 0 && in->priority && in->priority[0]) {
        const char *p = in->priority;
        while (is_space(*p))
            p++;
        size_t len = strlen(p);
        while (len && is_space(p[len - 1]))
            len--;
        if (len == 1 && p[0] >= '1' && p[0] <= '3')
            out->priority = p[0] - '0';
        else if (len)
            rc = refuse(fe, d, "priority",
                        "La priorité est 1 (haute), 2 (normale) ou 3 (basse).");
    }
    if (rc == 0)
        rc = check_ref(in->scenario, "scenario", "Le scénario choisi", &out->scenario_id, fe, d);
    if (rc < 0)
        mg_ct_action_checked_free(out);
    return rc;
}

int mg_contract_action_input_check(const mg_contract_action_input *in,
                                   mg_contract_field_error *fe, mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (!in)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_contract_action_input_check: bad arguments");
    mg_ct_action_checked k;
    int rc = mg_ct_action_check(in, &k, fe, d);
    mg_ct_action_checked_free(&k);
    return rc;
}

int mg_contract_action_create(mg_db *db, int64_t by, int64_t contract_id,
                              const mg_contract_action_input *in, int64_t *id_out,
                              mg_contract_field_error *fe, mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (id_out)
        *id_out = 0;
    if (!db || !in || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_action_create: bad arguments");
    if (contract_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld",
                           (long long)contract_id);
    mg_ct_action_checked k;
    int rc = mg_ct_action_check(in, &k, fe, d);
    if (rc < 0)
        return rc;
    struct create_action_tx t = {.by = by, .contract_id = contract_id, .k = &k, .fe = fe};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, create_action_body, &t, d);
    if (rc == 0 && id_out)
        *id_out = t.id;
    mg_ct_action_checked_free(&k);
    return rc;
}

struct get_action_tx {
    int64_t id;
    mg_contract_action *out;
};

static int get_action_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_action_tx *t = ctx;
    mg_contract_action_clear(t->out);
    return action_on(c, t->id, t->out, d);
}

int mg_contract_action_get(mg_db *db, int64_t id, mg_contract_action *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_action_get: bad arguments");
    memset(out, 0, sizeof *out);
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld", (long long)id);
    struct get_action_tx t = {id, out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, get_action_body, &t, d);
    if (rc < 0)
        mg_contract_action_clear(out);
    return rc;
}

struct actions_tx {
    int64_t contract_id;
    mg_contract_action *out;
    size_t n, cap;
};

static int actions_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct actions_tx *t = ctx;
    for (size_t i = 0; i < t->n; i++)
        mg_contract_action_clear(&t->out[i]);
    t->n = 0;
    mg_db_stmt *q = NULL;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " ACTION_COLUMNS "WHERE a.contract_id = ?1 ORDER BY a.title, a.id LIMIT %d",
             (int)MG_CONTRACT_LIST_MAX);
    int rc = mg_db_prepare_with(c, sql, MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            mg_contract_action *grown = realloc(t->out, cap * sizeof *grown);
            if (!grown) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = grown;
            t->cap = cap;
        }
        rc = read_action(q, &t->out[t->n]);
        if (rc == 0)
            t->n++;
        else
            mg_contract_action_clear(&t->out[t->n]);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_ct_actions_on(mg_db_conn *c, int64_t contract_id, mg_contract_action **out, size_t *n,
                     mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct actions_tx t = {.contract_id = contract_id};
    int rc = actions_body(c, &t, d);
    if (rc < 0) {
        mg_contract_actions_free(t.out, t.n);
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

int mg_contract_actions(mg_db *db, int64_t contract_id, mg_contract_action **out, size_t *n,
                        mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_actions: bad arguments");
    *out = NULL;
    *n = 0;
    struct actions_tx t = {.contract_id = contract_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, actions_body, &t, d);
    if (rc < 0) {
        mg_contract_actions_free(t.out, t.n);
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

/* --- Participants ----------------------------------------------------------------- */

static int role_of(const mg_db_stmt *q, int col, mg_participant_role *out)
{
    if (mg_participant_role_parse(mg_db_column_text(q, col), out) != 0)
        *out = MG_PARTICIPANT_PARTNER; /* the CHECK makes it impossible */
    return 0;
}

struct participants_tx {
    int64_t action_id;
    mg_contract_participant *out;
    size_t n, cap;
};

static int participants_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct participants_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT p.organisation_id, o.name, o.kind, p.role, p.created_at, "
                                "CASE WHEN EXISTS (SELECT 1 FROM structures s "
                                "WHERE s.organisation_id = p.organisation_id) THEN 1 ELSE 0 END "
                                "FROM action_participants p "
                                "JOIN organisations o ON o.id = p.organisation_id "
                                "WHERE p.action_id = ?1 "
                                "ORDER BY CASE p.role WHEN 'pilot' THEN 0 ELSE 1 END, o.name, o.id",
                                MG_DB_PARAMS(MG_DB_INT(t->action_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            mg_contract_participant *grown = realloc(t->out, cap * sizeof *grown);
            if (!grown) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = grown;
            t->cap = cap;
        }
        mg_contract_participant *p = &t->out[t->n++];
        memset(p, 0, sizeof *p);
        p->organisation_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, p->name, sizeof p->name);
        mg_db_column_copy(q, 2, p->kind, sizeof p->kind);
        role_of(q, 3, &p->role);
        mg_db_column_copy(q, 4, p->created_at, sizeof p->created_at);
        p->in_directory = mg_db_column_int64(q, 5) != 0;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_contract_participants(mg_db *db, int64_t action_id, mg_contract_participant **out,
                             size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_participants: bad arguments");
    *out = NULL;
    *n = 0;
    struct participants_tx t = {.action_id = action_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, participants_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

/* The lead of the contract of action id (MG_ENOTFOUND: no such action). */
static int action_lead(mg_db_conn *c, int64_t action_id, int64_t *lead, mg_diag *d)
{
    int rc = mg_db_query_int(c,
                             "SELECT c.organisation_id FROM contract_actions a "
                             "JOIN contracts c ON c.id = a.contract_id WHERE a.id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(action_id)), lead, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld",
                         (long long)action_id);
    return rc;
}

/* Who takes part in action_id as `role` ("" none), or what role org holds
 * there (*held: -1 none). */
static int participant_lookup(mg_db_conn *c, int64_t action_id, int64_t org, int *held,
                              char pilot[static MG_CONTRACT_NAME_MAX_BYTES + 1], mg_diag *d)
{
    *held = -1;
    pilot[0] = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT p.organisation_id, p.role, o.name "
                                "FROM action_participants p "
                                "JOIN organisations o ON o.id = p.organisation_id "
                                "WHERE p.action_id = ?1 "
                                "AND (p.organisation_id = ?2 OR p.role = 'pilot')",
                                MG_DB_PARAMS(MG_DB_INT(action_id), MG_DB_INT(org)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        mg_participant_role r;
        role_of(q, 1, &r);
        if (mg_db_column_int64(q, 0) == org)
            *held = (int)r;
        if (r == MG_PARTICIPANT_PILOT)
            mg_db_column_copy(q, 2, pilot, MG_CONTRACT_NAME_MAX_BYTES + 1);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

struct participant_tx {
    int64_t by, action_id, org;
    mg_participant_role role;
    mg_contract_field_error *fe;
};

static int add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct participant_tx *t = ctx;
    int64_t lead = 0;
    int rc = action_lead(c, t->action_id, &lead, d);
    if (rc < 0)
        return rc;
    char name[MG_CONTRACT_NAME_MAX_BYTES + 1], pilot[MG_CONTRACT_NAME_MAX_BYTES + 1];
    rc = org_name(c, t->org, name, sizeof name, d);
    if (rc == MG_ENOTFOUND)
        return refuse(t->fe, d, "organisation", "La structure choisie n'existe pas.");
    int held = -1;
    if (rc == 0)
        rc = participant_lookup(c, t->action_id, t->org, &held, pilot, d);
    if (rc < 0)
        return rc;
    if (held >= 0)
        return refuse(t->fe, d, "organisation", "« %.*s » participe déjà à cette action (%s).",
                      (int)mg_utf8_prefix(name, 120), name,
                      held == MG_PARTICIPANT_PILOT ? "pilote" : "partenaire");
    if (t->role == MG_PARTICIPANT_PILOT && pilot[0])
        return refuse(t->fe, d, "role",
                      "L'action a déjà un pilote : « %.*s ». Retirez-le d'abord ou ajoutez "
                      "la structure comme partenaire.",
                      (int)mg_utf8_prefix(pilot, 120), pilot);
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c,
                   "INSERT INTO action_participants (action_id, organisation_id, role, "
                   "created_at) VALUES (?1, ?2, ?3, ?4)",
                   MG_DB_PARAMS(MG_DB_INT(t->action_id), MG_DB_INT(t->org),
                                MG_DB_TEXT(mg_participant_role_key(t->role)), MG_DB_TEXT(now)),
                   NULL, d);
    /* The checks above read the same transaction, serialisable on both
     * databases: the constraints can only be met by a concurrent change,
     * and then the runner has rerun the body or the reason is UNIQUE
     * (the connection keeps it after the statement is finalised). */
    if (rc < 0 && mg_db_reason_of(c) == MG_DB_REASON_UNIQUE)
        return refuse(t->fe, d, t->role == MG_PARTICIPANT_PILOT ? "role" : "organisation",
                      "Cette structure participe déjà à l'action, ou l'action a déjà un pilote.");
    if (rc < 0)
        return rc;
    char org[24];
    snprintf(org, sizeof org, "%lld", (long long)t->org);
    mg_audit_change ch[] = {
        {"participant.organisation_id", NULL, org, false},
        {"participant.role", NULL, mg_participant_role_key(t->role), false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead, .object_type = "action",
                        .object_id = t->action_id, .verb = "add_participant", .changes = ch,
                        .nchanges = 2};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_contract_participant_add(mg_db *db, int64_t by, int64_t action_id, int64_t org,
                                mg_participant_role role, mg_contract_field_error *fe,
                                mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_participant_add: bad arguments");
    if ((int)role < 0 || role >= MG_PARTICIPANT_ROLES)
        return refuse(fe, d, "role", "Choisissez le rôle : pilote ou partenaire.");
    if (action_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld",
                           (long long)action_id);
    if (org <= 0)
        return refuse(fe, d, "organisation", "Choisissez une structure de l'annuaire.");
    struct participant_tx t = {by, action_id, org, role, fe};
    return mg_db_transaction(db, MG_DB_TX_WRITE, add_body, &t, d);
}

static int remove_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct participant_tx *t = ctx;
    int64_t lead = 0;
    int rc = action_lead(c, t->action_id, &lead, d);
    int held = -1;
    char pilot[MG_CONTRACT_NAME_MAX_BYTES + 1];
    if (rc == 0)
        rc = participant_lookup(c, t->action_id, t->org, &held, pilot, d);
    if (rc < 0)
        return rc;
    if (held < 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0,
                           "organisation %lld does not take part in action %lld",
                           (long long)t->org, (long long)t->action_id);
    rc = mg_db_run(c,
                   "DELETE FROM action_participants WHERE action_id = ?1 "
                   "AND organisation_id = ?2",
                   MG_DB_PARAMS(MG_DB_INT(t->action_id), MG_DB_INT(t->org)), NULL, d);
    if (rc < 0)
        return rc;
    char org[24];
    snprintf(org, sizeof org, "%lld", (long long)t->org);
    mg_audit_change ch[] = {
        {"participant.organisation_id", org, NULL, false},
        {"participant.role", mg_participant_role_key((mg_participant_role)held), NULL, false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead, .object_type = "action",
                        .object_id = t->action_id, .verb = "remove_participant", .changes = ch,
                        .nchanges = 2};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_contract_participant_remove(mg_db *db, int64_t by, int64_t action_id, int64_t org,
                                   mg_diag *d)
{
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_contract_participant_remove: bad arguments");
    if (action_id <= 0 || org <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no such participant");
    struct participant_tx t = {by, action_id, org, MG_PARTICIPANT_PARTNER, NULL};
    return mg_db_transaction(db, MG_DB_TX_WRITE, remove_body, &t, d);
}

/* --- An organisation's part in contracts --------------------------------------------- */

struct roles_tx {
    int64_t org;
    mg_contract_role *out;
    size_t n, cap;
};

static int roles_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct roles_tx *t = ctx;
    t->n = 0;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT c.id, c.title, c.kind, c.status, c.organisation_id, o.name, a.id, a.title, "
             "a.status, p.role FROM action_participants p "
             "JOIN contract_actions a ON a.id = p.action_id "
             "JOIN contracts c ON c.id = a.contract_id "
             "JOIN organisations o ON o.id = c.organisation_id "
             "WHERE p.organisation_id = ?1 ORDER BY c.title, c.id, a.title, a.id LIMIT %d",
             (int)MG_CONTRACT_LIST_MAX);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, MG_DB_PARAMS(MG_DB_INT(t->org)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_contract_role *grown = realloc(t->out, cap * sizeof *grown);
            if (!grown) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = grown;
            t->cap = cap;
        }
        mg_contract_role *r = &t->out[t->n++];
        memset(r, 0, sizeof *r);
        r->contract_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, r->contract_title, sizeof r->contract_title);
        if (mg_contract_kind_parse(mg_db_column_text(q, 2), &r->contract_kind) != 0)
            r->contract_kind = MG_CONTRACT_OTHER;
        if (mg_contract_status_parse(mg_db_column_text(q, 3), &r->contract_status) != 0)
            r->contract_status = MG_CONTRACT_DRAFT;
        r->lead_id = mg_db_column_int64(q, 4);
        mg_db_column_copy(q, 5, r->lead_name, sizeof r->lead_name);
        r->action_id = mg_db_column_int64(q, 6);
        mg_db_column_copy(q, 7, r->action_title, sizeof r->action_title);
        if (mg_action_status_parse(mg_db_column_text(q, 8), &r->action_status) != 0)
            r->action_status = MG_ACTION_PLANNED;
        role_of(q, 9, &r->role);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_contract_roles_of_organisation(mg_db *db, int64_t org_id, mg_contract_role **out,
                                      size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_contract_roles_of_organisation: bad arguments");
    *out = NULL;
    *n = 0;
    struct roles_tx t = {.org = org_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, roles_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        return rc;
    }
    *out = t.out;
    *n = t.n;
    return 0;
}

/* --- Who sees a contract (issue 15) ------------------------------------------- */

struct viewers_tx {
    int64_t contract_id;
    int64_t *out;
    size_t cap, n;
};

static int viewers_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct viewers_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT organisation_id FROM contract_signatories "
                                "WHERE contract_id = ?1 UNION "
                                "SELECT p.organisation_id FROM action_participants p "
                                "JOIN contract_actions a ON a.id = p.action_id "
                                "WHERE a.contract_id = ?1 ORDER BY 1",
                                MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (t->n < t->cap)
            t->out[t->n++] = mg_db_column_int64(q, 0);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_ct_viewers_on(mg_db_conn *c, int64_t contract_id, int64_t *out, size_t cap, size_t *n,
                     mg_diag *d)
{
    struct viewers_tx t = {contract_id, out, cap, 0};
    int rc = viewers_body(c, &t, d);
    *n = rc == 0 ? t.n : 0;
    return rc;
}

int mg_contract_viewers(mg_db *db, int64_t contract_id, int64_t *out, size_t cap, size_t *n,
                        mg_diag *d)
{
    if (n)
        *n = 0;
    if (!db || !n || (!out && cap))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_viewers: bad arguments");
    struct viewers_tx t = {contract_id, out, cap, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, viewers_body, &t, d);
    if (rc == 0)
        *n = t.n;
    return rc;
}

void mg_contract_today(char out[static 11])
{
    int y, m, dd, minute;
    mg_paris_civil((int64_t)time(NULL), &y, &m, &dd, &minute);
    snprintf(out, 11, "%04d-%02d-%02d", y, m, dd);
}
