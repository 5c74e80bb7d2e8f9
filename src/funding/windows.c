/*
 * Windows and calls for projects of the single window (funding.h,
 * "Windows and calls for projects"): a window led by an organisation with
 * its co-funders and the contract it serves; calls opened by the lead or a
 * co-funder, with a deadline and each co-funder's budget. The checks of
 * what people type, the SQL on subsidy_windows, subsidy_window_funders,
 * subsidy_calls and subsidy_call_budgets (migration 009), and the audit
 * entry of each change ("subsidy_window", "subsidy_call", organisation the
 * window's lead).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "contracts/budget.h"
#include "core/utf8.h"
#include "funding/funding.h"
#include "funding/internal.h"
#include "parse/parse.h"

/* Co-funders one window may have (a bound on what one form sends). */
#define WINDOW_FUNDERS_MAX 64

/* --- Checks of what is typed --------------------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* s without its outer white space: *start and *len. */
static void trim(const char *s, const char **start, size_t *len)
{
    if (!s)
        s = "";
    while (is_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n && is_blank(s[n - 1]))
        n--;
    *start = s;
    *len = n;
}

/*
 * A text field as typed into out (cap bytes), trimmed: valid UTF-8, no
 * control character (new lines allowed when multiline), at most max_chars
 * characters, present when required. Refusals go to errs under `field`.
 */
static void check_text(const char *s, const char *field, const char *label, size_t max_chars,
                       bool required, bool multiline, char *out, size_t cap,
                       mg_subsidy_errors *errs)
{
    out[0] = 0;
    const char *t;
    size_t len;
    trim(s, &t, &len);
    if (len == 0) {
        if (required)
            mg_subsidy_errors_add(errs, field, "Le champ « %s » est obligatoire.", label);
        return;
    }
    size_t chars = 0;
    if (mg_utf8_check(t, len, &chars) != len) {
        mg_subsidy_errors_add(errs, field, "Le champ « %s » contient des caractères illisibles "
                                           "(texte UTF-8 attendu).", label);
        return;
    }
    if (chars > max_chars || len >= cap) {
        mg_subsidy_errors_add(errs, field, "Le champ « %s » est trop long (%zu caractères au "
                                           "plus).", label, max_chars);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        bool allowed = multiline && (c == '\n' || c == '\r' || c == '\t');
        if (((c < 0x20 || c == 0x7f) && !allowed) ||
            (c == 0xc2 && i + 1 < len && (unsigned char)t[i + 1] < 0xa0)) {
            mg_subsidy_errors_add(errs, field, "Le champ « %s » contient un caractère de "
                                               "contrôle.", label);
            return;
        }
    }
    memcpy(out, t, len);
    out[len] = 0;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/*
 * A territory: "" (none), or a scope key of diagnosis/scope.h — "epci:"
 * and a SIREN of nine digits, or "communes:" and INSEE codes (five
 * characters, digits or 2A/2B + three digits) separated by commas,
 * semicolons or spaces. Whether the codes name communes of the study
 * territory is the diagnosis' business when the scope is used.
 */
static void check_scope(const char *s, const char *field, const char *label, char *out,
                        size_t cap, mg_subsidy_errors *errs)
{
    out[0] = 0;
    const char *t;
    size_t len;
    trim(s, &t, &len);
    if (len == 0)
        return;
    static const char expect[] = "« epci: » suivi du SIREN de l'intercommunalité (9 chiffres) "
                                 "ou « communes: » suivi de codes INSEE séparés par des virgules";
    if (len >= cap) {
        mg_subsidy_errors_add(errs, field, "%s est trop long (%zu octets au plus).", label,
                              cap - 1);
        return;
    }
    bool ok = false;
    if (len == 14 && strncmp(t, "epci:", 5) == 0 && all_digits(t + 5, 9)) {
        ok = true;
    } else if (len > 9 && strncmp(t, "communes:", 9) == 0) {
        size_t i = 9, codes = 0;
        ok = true;
        while (i < len && ok) {
            if (t[i] == ',' || t[i] == ';' || t[i] == ' ') {
                i++;
                continue;
            }
            size_t j = i;
            while (j < len && t[j] != ',' && t[j] != ';' && t[j] != ' ')
                j++;
            bool corsica = j - i == 5 && t[i] == '2' && (t[i + 1] == 'A' || t[i + 1] == 'B') &&
                           all_digits(t + i + 2, 3);
            if (!(j - i == 5 && (all_digits(t + i, 5) || corsica)))
                ok = false;
            codes++;
            i = j;
        }
        ok = ok && codes > 0;
    }
    if (!ok) {
        if (mg_utf8_check(t, len, NULL) != len)
            mg_subsidy_errors_add(errs, field, "%s contient des caractères illisibles : %s.",
                                  label, expect);
        else
            mg_subsidy_errors_add(errs, field, "%s (« %.*s ») n'est pas reconnu : %s.", label,
                                  (int)mg_utf8_prefix(t, len < 60 ? len : 60), t, expect);
        return;
    }
    memcpy(out, t, len);
    out[len] = 0;
}

/* A required date into out "YYYY-MM-DD". */
static void check_date(const char *s, const char *field, const char *label, char out[static 11],
                       mg_subsidy_errors *errs)
{
    out[0] = 0;
    const char *t;
    size_t len;
    trim(s, &t, &len);
    if (len == 0) {
        mg_subsidy_errors_add(errs, field, "Le champ « %s » est obligatoire (une date, "
                                           "jj/mm/aaaa).", label);
        return;
    }
    char buf[64];
    if (len >= sizeof buf) {
        mg_subsidy_errors_add(errs, field, "Le champ « %s » n'est pas une date (jj/mm/aaaa).",
                              label);
        return;
    }
    memcpy(buf, t, len);
    buf[len] = 0;
    mg_date dt;
    mg_parse_error why = MG_PARSE_OK;
    if (mg_parse_date(buf, &dt, &why) != 0) {
        mg_subsidy_errors_add(errs, field, "Le champ « %s » %s (une date, jj/mm/aaaa).", label,
                              mg_parse_error_fr(why));
        return;
    }
    snprintf(out, 11, "%04d-%02d-%02d", dt.year, dt.month, dt.day);
}

static void copy_errs(mg_subsidy_errors *to, const mg_subsidy_errors *from)
{
    if (to)
        *to = *from;
}

static void int_text(char out[static 24], int64_t v)
{
    mg_subsidy_int_text(out, v);
}

/* Whether organisation `id` exists: 1, 0, or an error. */
static int org_exists(mg_db_conn *c, int64_t id, mg_diag *d)
{
    int64_t one = 0;
    int rc = mg_db_query_int(c, "SELECT 1 FROM organisations WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(id)), &one, d);
    if (rc == MG_ENOTFOUND)
        return 0;
    return rc < 0 ? rc : 1;
}

/* --- Windows ------------------------------------------------------------------------------- */

struct window_create_tx {
    int64_t by, lead_id, contract_id;
    const char *title, *territory;
    const int64_t *funders;
    size_t nfunders;
    bool is_example;
    mg_subsidy_errors *errs;
    size_t nerrs0;
    int64_t id;
};

static int window_create_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct window_create_tx *t = ctx;
    t->id = 0;
    t->errs->n = t->nerrs0;
    int rc = org_exists(c, t->lead_id, d);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no organisation has id %lld",
                           (long long)t->lead_id);
    if (t->contract_id) {
        int64_t one = 0;
        rc = mg_db_query_int(c, "SELECT 1 FROM contracts WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &one, d);
        if (rc == MG_ENOTFOUND)
            mg_subsidy_errors_add(t->errs, "contract", "Le contrat n° %lld n'existe pas.",
                                  (long long)t->contract_id);
        else if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < t->nfunders; i++) {
        rc = org_exists(c, t->funders[i], d);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            mg_subsidy_errors_add(t->errs, "funders", "L'organisation n° %lld n'existe pas : "
                                                      "choisissez les cofinanceurs dans la liste.",
                                  (long long)t->funders[i]);
            break;
        }
    }
    if (t->errs->n > 0)
        return mg_subsidy_refuse(t->errs, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    rc = mg_db_timestamp(now, d);
    if (rc < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO subsidy_windows (lead_id, title, territory, contract_id, "
                         "is_example, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
                         "RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->lead_id), MG_DB_TEXT(t->title),
                                      MG_DB_TEXT(t->territory),
                                      t->contract_id ? MG_DB_INT(t->contract_id) : MG_DB_NULL,
                                      MG_DB_INT(t->is_example ? 1 : 0), MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new window has no id");
    if (rc < 0)
        return rc;
    /* The co-funders' ids, comma-separated, for the audit trail. */
    char *list = malloc(t->nfunders * 24 + 1);
    if (!list)
        return MG_ENOMEM;
    size_t o = 0;
    list[0] = 0;
    for (size_t i = 0; i < t->nfunders && rc == 0; i++) {
        rc = mg_db_run(c, "INSERT INTO subsidy_window_funders (window_id, funder_id, created_at) "
                          "VALUES (?1, ?2, ?3)",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_INT(t->funders[i]), MG_DB_TEXT(now)),
                       NULL, d);
        o += (size_t)snprintf(list + o, 24, "%s%lld", i ? "," : "", (long long)t->funders[i]);
    }
    if (rc < 0) {
        free(list);
        return rc;
    }
    char lead[24], contract[24];
    int_text(lead, t->lead_id);
    int_text(contract, t->contract_id);
    mg_audit_change ch[] = {
        {"lead_id", NULL, lead, false},
        {"title", NULL, t->title, false},
        {"territory", NULL, t->territory, false},
        {"contract_id", NULL, t->contract_id ? contract : NULL, false},
        {"funders", NULL, list, false},
        {"is_example", NULL, t->is_example ? "1" : "0", false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = t->lead_id,
                        .object_type = "subsidy_window", .object_id = t->id, .verb = "create",
                        .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    rc = mg_audit_append(c, &e, NULL, d);
    free(list);
    return rc;
}

int mg_subsidy_window_create(mg_db *db, int64_t by, int64_t lead_id, const char *title,
                             const char *territory, int64_t contract_id,
                             const int64_t *funders, size_t nfunders, bool is_example,
                             int64_t *id_out, mg_subsidy_errors *errs, mg_diag *d)
{
    mg_subsidy_errors e = {0};
    copy_errs(errs, &e);
    if (id_out)
        *id_out = 0;
    if (!db || by < 0 || lead_id <= 0 || (nfunders && !funders))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_window_create: bad arguments");
    char t_title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1], t_territory[4096];
    check_text(title, "title", "Intitulé", MG_SUBSIDY_TITLE_MAX_CHARS, true, false, t_title,
               sizeof t_title, &e);
    check_scope(territory, "territory", "Le territoire", t_territory, sizeof t_territory, &e);
    if (contract_id < 0)
        mg_subsidy_errors_add(&e, "contract", "Le contrat choisi n'existe pas.");
    if (nfunders > WINDOW_FUNDERS_MAX)
        mg_subsidy_errors_add(&e, "funders", "Un guichet a au plus %d cofinanceurs.",
                              WINDOW_FUNDERS_MAX);
    for (size_t i = 0; i < nfunders && i < WINDOW_FUNDERS_MAX; i++) {
        if (funders[i] <= 0) {
            mg_subsidy_errors_add(&e, "funders", "Un cofinanceur n'est pas une organisation "
                                                 "de la liste.");
            break;
        }
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup = dup || funders[j] == funders[i];
        if (dup) {
            mg_subsidy_errors_add(&e, "funders", "Chaque cofinanceur ne se choisit qu'une fois.");
            break;
        }
    }
    if (e.n > 0) {
        copy_errs(errs, &e);
        return mg_subsidy_refuse(&e, d);
    }
    struct window_create_tx t = {.by = by, .lead_id = lead_id, .contract_id = contract_id,
                                 .title = t_title, .territory = t_territory,
                                 .funders = funders, .nfunders = nfunders,
                                 .is_example = is_example, .errs = &e, .nerrs0 = 0};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, window_create_body, &t, d);
    copy_errs(errs, &e);
    if (rc == 0 && id_out)
        *id_out = t.id;
    return rc;
}

#define WINDOW_COLUMNS                                                                        \
    "w.id, w.lead_id, o.name, w.title, w.territory, COALESCE(w.contract_id, 0), w.is_example"

static void window_row(mg_db_stmt *q, mg_subsidy_window *w)
{
    memset(w, 0, sizeof *w);
    w->id = mg_db_column_int64(q, 0);
    w->lead_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, w->lead_name, sizeof w->lead_name);
    mg_db_column_copy(q, 3, w->title, sizeof w->title);
    mg_db_column_copy(q, 4, w->territory, sizeof w->territory);
    w->contract_id = mg_db_column_int64(q, 5);
    w->is_example = mg_db_column_int64(q, 6) != 0;
}

struct window_get_tx {
    int64_t id;
    mg_subsidy_window *out;
};

static int window_get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct window_get_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT " WINDOW_COLUMNS " FROM subsidy_windows w "
                                "JOIN organisations o ON o.id = w.lead_id WHERE w.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    if (rc < 0)
        return rc;
    rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        window_row(q, t->out);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy window has id %lld",
                         (long long)t->id);
    }
    mg_db_finalize(q);
    return rc;
}

int mg_subsidy_window_get(mg_db *db, int64_t id, mg_subsidy_window *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_window_get: bad arguments");
    memset(out, 0, sizeof *out);
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy window has id %lld",
                           (long long)id);
    struct window_get_tx t = {.id = id, .out = out};
    return mg_db_transaction(db, MG_DB_TX_READ, window_get_body, &t, d);
}

/* A growing array of fixed-size elements. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return MG_ENOMEM;
    *arr = p;
    *cap = nc;
    return 0;
}

struct refs_tx {
    int64_t id;
    mg_subsidy_org_ref *v;
    size_t n, cap;
};

static int window_funders_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct refs_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT o.id, o.name FROM subsidy_window_funders f "
                                "JOIN organisations o ON o.id = f.funder_id "
                                "WHERE f.window_id = ?1 ORDER BY o.name, o.id",
                                MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = grow((void **)&t->v, &t->cap, t->n, sizeof *t->v);
        if (rc == 0) {
            mg_subsidy_org_ref *r = &t->v[t->n++];
            r->id = mg_db_column_int64(q, 0);
            mg_db_column_copy(q, 1, r->name, sizeof r->name);
        }
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_subsidy_window_funders(mg_db *db, int64_t window_id, mg_subsidy_org_ref **out, size_t *n,
                              mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_window_funders: bad arguments");
    *out = NULL;
    *n = 0;
    struct refs_tx t = {.id = window_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, window_funders_body, &t, d);
    if (rc < 0) {
        free(t.v);
        return rc;
    }
    *out = t.v;
    *n = t.n;
    return 0;
}

struct add_funder_tx {
    int64_t by, window_id, funder_id;
};

static int add_funder_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct add_funder_tx *t = ctx;
    int64_t lead = 0;
    int rc = mg_db_query_int(c, "SELECT lead_id FROM subsidy_windows WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->window_id)), &lead, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy window has id %lld",
                           (long long)t->window_id);
    if (rc < 0)
        return rc;
    rc = org_exists(c, t->funder_id, d);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        mg_subsidy_errors e = {0};
        mg_subsidy_errors_add(&e, "funder", "L'organisation n° %lld n'existe pas : choisissez "
                                            "le cofinanceur dans la liste.",
                              (long long)t->funder_id);
        return mg_subsidy_refuse(&e, d);
    }
    int64_t one = 0;
    rc = mg_db_query_int(c, "SELECT 1 FROM subsidy_window_funders WHERE window_id = ?1 "
                            "AND funder_id = ?2",
                         MG_DB_PARAMS(MG_DB_INT(t->window_id), MG_DB_INT(t->funder_id)), &one,
                         d);
    if (rc == 0)
        return 0; /* already there */
    if (rc != MG_ENOTFOUND)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    rc = mg_db_timestamp(now, d);
    if (rc == 0)
        rc = mg_db_run(c, "INSERT INTO subsidy_window_funders (window_id, funder_id, created_at) "
                          "VALUES (?1, ?2, ?3)",
                       MG_DB_PARAMS(MG_DB_INT(t->window_id), MG_DB_INT(t->funder_id),
                                    MG_DB_TEXT(now)),
                       NULL, d);
    if (rc < 0)
        return rc;
    char funder[24];
    int_text(funder, t->funder_id);
    mg_audit_change ch[] = {{"funder_id", NULL, funder, false}};
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead,
                        .object_type = "subsidy_window", .object_id = t->window_id,
                        .verb = "add_funder", .changes = ch, .nchanges = 1};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_subsidy_window_add_funder(mg_db *db, int64_t by, int64_t window_id, int64_t funder_id,
                                 mg_diag *d)
{
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_subsidy_window_add_funder: bad arguments");
    if (funder_id <= 0) {
        mg_subsidy_errors e = {0};
        mg_subsidy_errors_add(&e, "funder", "Choisissez le cofinanceur dans la liste.");
        return mg_subsidy_refuse(&e, d);
    }
    struct add_funder_tx t = {.by = by, .window_id = window_id, .funder_id = funder_id};
    return mg_db_transaction(db, MG_DB_TX_WRITE, add_funder_body, &t, d);
}

struct windows_tx {
    mg_subsidy_window *v;
    size_t n, cap;
};

static int windows_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct windows_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT " WINDOW_COLUMNS " FROM subsidy_windows w "
                                "JOIN organisations o ON o.id = w.lead_id ORDER BY w.title, w.id",
                                MG_DB_NO_PARAMS, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = grow((void **)&t->v, &t->cap, t->n, sizeof *t->v);
        if (rc == 0)
            window_row(q, &t->v[t->n++]);
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_subsidy_windows(mg_db *db, mg_subsidy_window **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_windows: bad arguments");
    *out = NULL;
    *n = 0;
    struct windows_tx t = {0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, windows_body, &t, d);
    if (rc < 0) {
        free(t.v);
        return rc;
    }
    *out = t.v;
    *n = t.n;
    return 0;
}

/* --- Calls for projects -------------------------------------------------------------------- */

/* A call as checked: its texts and the budgets that were typed. */
typedef struct call_checked {
    char title[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    char theme[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + 1];
    char territory[4096];
    char description[MG_SUBSIDY_TEXT_MAX_CHARS * 4 + 1];
    char opens_on[11], deadline[11];
    int64_t funders[WINDOW_FUNDERS_MAX];
    int64_t cents[WINDOW_FUNDERS_MAX];
    size_t n;
} call_checked;

static void call_check(const mg_subsidy_call_input *in, call_checked *k, mg_subsidy_errors *errs)
{
    memset(k, 0, sizeof *k);
    check_text(in->title, "title", "Intitulé", MG_SUBSIDY_TITLE_MAX_CHARS, true, false, k->title,
               sizeof k->title, errs);
    check_text(in->theme, "theme", "Thème", MG_SUBSIDY_TITLE_MAX_CHARS, false, false, k->theme,
               sizeof k->theme, errs);
    check_scope(in->territory, "territory", "Le territoire", k->territory, sizeof k->territory,
                errs);
    check_text(in->description, "description", "Description", MG_SUBSIDY_TEXT_MAX_CHARS, false,
               true, k->description, sizeof k->description, errs);
    check_date(in->opens_on, "opens_on", "Ouverture", k->opens_on, errs);
    check_date(in->deadline, "deadline", "Date limite de dépôt", k->deadline, errs);
    if (k->opens_on[0] && k->deadline[0] && strcmp(k->deadline, k->opens_on) < 0)
        mg_subsidy_errors_add(errs, "deadline", "La date limite de dépôt ne peut précéder "
                                                "l'ouverture de l'appel.");
    if (in->nbudgets && (!in->budget_funders || !in->budget_amounts)) {
        mg_subsidy_errors_add(errs, "budget", "Les budgets de l'appel sont illisibles.");
        return;
    }
    for (size_t i = 0; i < in->nbudgets; i++) {
        int64_t f = in->budget_funders[i];
        char field[48];
        snprintf(field, sizeof field, "budget_%lld", (long long)f);
        if (f <= 0) {
            mg_subsidy_errors_add(errs, field, "Ce budget ne nomme pas un cofinanceur du guichet.");
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup = dup || in->budget_funders[j] == f;
        if (dup) {
            mg_subsidy_errors_add(errs, field, "Le budget de ce cofinanceur est donné deux fois.");
            continue;
        }
        const char *a;
        size_t len;
        trim(in->budget_amounts[i], &a, &len);
        if (len == 0)
            continue; /* no budget stated for this co-funder */
        int64_t cents = 0;
        if (mg_budget_parse_cents(in->budget_amounts[i], &cents) != 0) {
            if (mg_utf8_check(a, len, NULL) != len)
                mg_subsidy_errors_add(errs, field, "Le budget contient des caractères "
                                                   "illisibles : un montant en euros est attendu "
                                                   "(par exemple 15 000 ou 15 000,50).");
            else
                mg_subsidy_errors_add(errs, field,
                                      "Le budget « %.*s » n'est pas un montant en euros "
                                      "(par exemple 15 000 ou 15 000,50).",
                                      (int)mg_utf8_prefix(a, len < 40 ? len : 40), a);
            continue;
        }
        if (k->n >= WINDOW_FUNDERS_MAX) {
            mg_subsidy_errors_add(errs, field, "Trop de budgets (%d au plus).",
                                  WINDOW_FUNDERS_MAX);
            continue;
        }
        k->funders[k->n] = f;
        k->cents[k->n] = cents;
        k->n++;
    }
}

struct call_create_tx {
    int64_t by, window_id, opened_by;
    const call_checked *k;
    const mg_subsidy_call_input *in;
    bool is_example;
    mg_subsidy_errors *errs;
    size_t nerrs0;
    int64_t id;
};

/* Whether `org` is a co-funder of window `w`: 1, 0 or an error. */
static int is_window_funder(mg_db_conn *c, int64_t w, int64_t org, mg_diag *d)
{
    int64_t one = 0;
    int rc = mg_db_query_int(c, "SELECT 1 FROM subsidy_window_funders WHERE window_id = ?1 "
                                "AND funder_id = ?2",
                             MG_DB_PARAMS(MG_DB_INT(w), MG_DB_INT(org)), &one, d);
    if (rc == MG_ENOTFOUND)
        return 0;
    return rc < 0 ? rc : 1;
}

static int call_create_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct call_create_tx *t = ctx;
    const call_checked *k = t->k;
    t->id = 0;
    t->errs->n = t->nerrs0;
    int64_t lead = 0;
    int rc = mg_db_query_int(c, "SELECT lead_id FROM subsidy_windows WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->window_id)), &lead, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy window has id %lld",
                           (long long)t->window_id);
    if (rc < 0)
        return rc;
    if (t->opened_by != lead) {
        rc = is_window_funder(c, t->window_id, t->opened_by, d);
        if (rc < 0)
            return rc;
        if (rc == 0)
            mg_subsidy_errors_add(t->errs, "opened_by", "Un appel à projets s'ouvre au nom du "
                                                        "pilote du guichet ou d'un de ses "
                                                        "cofinanceurs.");
    }
    /* Every typed budget names a co-funder of the window (refused ones included). */
    for (size_t i = 0; i < t->in->nbudgets && t->in->budget_funders; i++) {
        int64_t f = t->in->budget_funders[i];
        if (f <= 0)
            continue;
        rc = is_window_funder(c, t->window_id, f, d);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            char field[48];
            snprintf(field, sizeof field, "budget_%lld", (long long)f);
            if (!mg_subsidy_errors_for(t->errs, field))
                mg_subsidy_errors_add(t->errs, field, "L'organisation n° %lld n'est pas un "
                                                      "cofinanceur de ce guichet.",
                                      (long long)f);
        }
    }
    if (t->errs->n > 0)
        return mg_subsidy_refuse(t->errs, d);
    char now[MG_DB_TIMESTAMP_SIZE];
    rc = mg_db_timestamp(now, d);
    if (rc < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO subsidy_calls (window_id, opened_by, title, theme, "
                         "territory, description, opens_on, deadline, is_example, created_at, "
                         "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) "
                         "RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->window_id), MG_DB_INT(t->opened_by),
                                      MG_DB_TEXT(k->title), MG_DB_TEXT(k->theme),
                                      MG_DB_TEXT(k->territory), MG_DB_TEXT(k->description),
                                      MG_DB_TEXT(k->opens_on), MG_DB_TEXT(k->deadline),
                                      MG_DB_INT(t->is_example ? 1 : 0), MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new call has no id");
    char budgets[WINDOW_FUNDERS_MAX * 48 + 1];
    size_t o = 0;
    budgets[0] = 0;
    for (size_t i = 0; i < k->n && rc == 0; i++) {
        rc = mg_db_run(c, "INSERT INTO subsidy_call_budgets (call_id, funder_id, budget_cents) "
                          "VALUES (?1, ?2, ?3)",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_INT(k->funders[i]),
                                    MG_DB_INT(k->cents[i])),
                       NULL, d);
        o += (size_t)snprintf(budgets + o, sizeof budgets - o, "%s%lld:%lld", i ? "," : "",
                              (long long)k->funders[i], (long long)k->cents[i]);
    }
    if (rc < 0)
        return rc;
    char window[24], opened[24];
    int_text(window, t->window_id);
    int_text(opened, t->opened_by);
    mg_audit_change ch[] = {
        {"window_id", NULL, window, false},
        {"opened_by", NULL, opened, false},
        {"title", NULL, k->title, false},
        {"theme", NULL, k->theme, false},
        {"territory", NULL, k->territory, false},
        {"description", NULL, k->description, false},
        {"opens_on", NULL, k->opens_on, false},
        {"deadline", NULL, k->deadline, false},
        {"budgets", NULL, budgets, false},
        {"is_example", NULL, t->is_example ? "1" : "0", false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead,
                        .object_type = "subsidy_call", .object_id = t->id, .verb = "create",
                        .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_subsidy_call_create(mg_db *db, int64_t by, int64_t window_id, int64_t opened_by,
                           const mg_subsidy_call_input *in, bool is_example, int64_t *id_out,
                           mg_subsidy_errors *errs, mg_diag *d)
{
    mg_subsidy_errors e = {0};
    copy_errs(errs, &e);
    if (id_out)
        *id_out = 0;
    if (!db || !in || by < 0 || opened_by <= 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_call_create: bad arguments");
    if (window_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy window has id %lld",
                           (long long)window_id);
    call_checked *k = malloc(sizeof *k);
    if (!k)
        return MG_ENOMEM;
    call_check(in, k, &e);
    struct call_create_tx t = {.by = by, .window_id = window_id, .opened_by = opened_by,
                               .k = k, .in = in, .is_example = is_example, .errs = &e,
                               .nerrs0 = e.n};
    /* The database's checks (the window's co-funders) join those of the
     * form, so that every refused field is named at once. */
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, call_create_body, &t, d);
    free(k);
    copy_errs(errs, &e);
    if (rc == 0 && id_out)
        *id_out = t.id;
    return rc;
}

int mg_subsidy_call_input_check(const mg_subsidy_call_input *in, mg_subsidy_errors *errs,
                                mg_diag *d)
{
    mg_subsidy_errors e = {0};
    copy_errs(errs, &e);
    if (!in)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_call_input_check: no input");
    call_checked *k = malloc(sizeof *k);
    if (!k)
        return MG_ENOMEM;
    call_check(in, k, &e);
    free(k);
    copy_errs(errs, &e);
    return e.n ? mg_subsidy_refuse(&e, d) : 0;
}

#define CALL_COLUMNS                                                                          \
    "c.id, c.window_id, c.opened_by, o.name, c.title, c.theme, c.territory, c.description, "  \
    "c.opens_on, c.deadline, c.is_example"

static void call_row(mg_db_stmt *q, mg_subsidy_call *x)
{
    memset(x, 0, sizeof *x);
    x->id = mg_db_column_int64(q, 0);
    x->window_id = mg_db_column_int64(q, 1);
    x->opened_by = mg_db_column_int64(q, 2);
    mg_db_column_copy(q, 3, x->opened_by_name, sizeof x->opened_by_name);
    mg_db_column_copy(q, 4, x->title, sizeof x->title);
    mg_db_column_copy(q, 5, x->theme, sizeof x->theme);
    mg_db_column_copy(q, 6, x->territory, sizeof x->territory);
    mg_db_column_copy(q, 7, x->description, sizeof x->description);
    mg_db_column_copy(q, 8, x->opens_on, sizeof x->opens_on);
    mg_db_column_copy(q, 9, x->deadline, sizeof x->deadline);
    x->is_example = mg_db_column_int64(q, 10) != 0;
}

struct call_get_tx {
    int64_t id;
    mg_subsidy_call *out;
};

static int call_get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct call_get_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT " CALL_COLUMNS " FROM subsidy_calls c "
                                "JOIN organisations o ON o.id = c.opened_by WHERE c.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    if (rc < 0)
        return rc;
    rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        call_row(q, t->out);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no call for projects has id %lld",
                         (long long)t->id);
    }
    mg_db_finalize(q);
    return rc;
}

int mg_subsidy_call_get(mg_db *db, int64_t id, mg_subsidy_call *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_call_get: bad arguments");
    memset(out, 0, sizeof *out);
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no call for projects has id %lld",
                           (long long)id);
    struct call_get_tx t = {.id = id, .out = out};
    return mg_db_transaction(db, MG_DB_TX_READ, call_get_body, &t, d);
}

struct budgets_tx {
    int64_t id;
    mg_subsidy_call_budget *v;
    size_t n, cap;
};

static int budgets_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct budgets_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT b.funder_id, o.name, b.budget_cents "
                                "FROM subsidy_call_budgets b "
                                "JOIN organisations o ON o.id = b.funder_id "
                                "WHERE b.call_id = ?1 ORDER BY o.name, o.id",
                                MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = grow((void **)&t->v, &t->cap, t->n, sizeof *t->v);
        if (rc == 0) {
            mg_subsidy_call_budget *b = &t->v[t->n++];
            memset(b, 0, sizeof *b);
            b->funder_id = mg_db_column_int64(q, 0);
            mg_db_column_copy(q, 1, b->funder_name, sizeof b->funder_name);
            b->budget_cents = mg_db_column_int64(q, 2);
        }
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_subsidy_call_budgets(mg_db *db, int64_t call_id, mg_subsidy_call_budget **out, size_t *n,
                            mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_call_budgets: bad arguments");
    *out = NULL;
    *n = 0;
    struct budgets_tx t = {.id = call_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, budgets_body, &t, d);
    if (rc < 0) {
        free(t.v);
        return rc;
    }
    *out = t.v;
    *n = t.n;
    return 0;
}

struct calls_tx {
    int64_t window_id;
    const char *today;
    mg_subsidy_call *v;
    size_t n, cap;
};

static int calls_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct calls_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    /* Open calls first, the nearest deadline first; then the closed ones,
     * the latest closed first. */
    int rc = mg_db_prepare_with(c,
                                "SELECT " CALL_COLUMNS " FROM subsidy_calls c "
                                "JOIN organisations o ON o.id = c.opened_by "
                                "WHERE (?1 = 0 OR c.window_id = ?1) "
                                "ORDER BY CASE WHEN c.deadline >= ?2 THEN 0 ELSE 1 END, "
                                "CASE WHEN c.deadline >= ?2 THEN c.deadline ELSE '' END, "
                                "c.deadline DESC, c.id",
                                MG_DB_PARAMS(MG_DB_INT(t->window_id), MG_DB_TEXT(t->today)), &q,
                                d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = grow((void **)&t->v, &t->cap, t->n, sizeof *t->v);
        if (rc == 0)
            call_row(q, &t->v[t->n++]);
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_subsidy_calls(mg_db *db, int64_t window_id, const char *today, mg_subsidy_call **out,
                     size_t *n, mg_diag *d)
{
    if (!db || !out || !n || window_id < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_calls: bad arguments");
    *out = NULL;
    *n = 0;
    char day[11];
    if (!today || strlen(today) != 10) {
        mg_subsidy_today(day);
        today = day;
    }
    struct calls_tx t = {.window_id = window_id, .today = today};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, calls_body, &t, d);
    if (rc < 0) {
        free(t.v);
        return rc;
    }
    *out = t.v;
    *n = t.n;
    return 0;
}
