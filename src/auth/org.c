/*
 * Organisations: their kinds, the checks of what people type for them
 * (identifiers through parse/parse.h), and their SQL — creation, reading,
 * listing and confirmation, each in one transaction with its audit entry.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/internal.h"
#include "core/alloc.h"

static const struct {
    const char *key;
    const char *label;
} kinds[MG_ORG_KINDS] = {
    [MG_ORG_DEPARTEMENT] = {"departement", "Département"},
    [MG_ORG_EPCI] = {"epci", "Intercommunalité (EPCI)"},
    [MG_ORG_COMMUNE] = {"commune", "Commune"},
    [MG_ORG_ARS] = {"ars", "Agence régionale de santé (ARS)"},
    [MG_ORG_CPAM] = {"cpam", "Caisse primaire d'assurance maladie (CPAM)"},
    [MG_ORG_REGION] = {"region", "Région"},
    [MG_ORG_PREFECTURE] = {"prefecture", "Préfecture"},
    [MG_ORG_ASSOCIATION] = {"association", "Association"},
    [MG_ORG_HEALTH_CENTRE] = {"health_centre", "Centre de santé"},
    [MG_ORG_PHARMACY] = {"pharmacy", "Pharmacie"},
    [MG_ORG_HOSPITAL] = {"hospital", "Hôpital ou clinique"},
    [MG_ORG_URPS] = {"urps", "Union régionale des professionnels de santé (URPS)"},
    [MG_ORG_OTHER] = {"other", "Autre"},
};

const char *mg_auth_org_kind_key(mg_auth_org_kind k)
{
    return (unsigned)k < MG_ORG_KINDS ? kinds[k].key : "";
}

const char *mg_auth_org_kind_label(mg_auth_org_kind k)
{
    return (unsigned)k < MG_ORG_KINDS ? kinds[k].label : "";
}

int mg_auth_org_kind_parse(const char *key, mg_auth_org_kind *out)
{
    for (int k = 0; key && k < MG_ORG_KINDS; k++)
        if (strcmp(key, kinds[k].key) == 0) {
            *out = (mg_auth_org_kind)k;
            return 0;
        }
    return MG_ENOTFOUND;
}

/* --- Checks --------------------------------------------------------------- */

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

typedef int (*code_parser)(const char *s, char *out, mg_parse_error *why);

/* Adapters with the shape of code_parser (the parse functions take arrays
 * of fixed sizes). */
static int parse_siret(const char *s, char *out, mg_parse_error *why)
{
    return mg_parse_siret(s, out, why);
}

static int parse_rna(const char *s, char *out, mg_parse_error *why)
{
    return mg_parse_rna(s, out, why);
}

static int parse_finess(const char *s, char *out, mg_parse_error *why)
{
    return mg_parse_finess(s, out, why);
}

/* An identifier typed in field `field` ("" when left blank). */
static int check_code(const char *in, code_parser parse, const char *field, const char *label,
                      const char *example, char *out, mg_auth_field_error *fe, mg_diag *d)
{
    out[0] = '\0';
    if (blank(in))
        return 0;
    mg_parse_error why = MG_PARSE_OK;
    if (parse(in, out, &why) != 0) {
        out[0] = '\0';
        return auth_field_fail(fe, d, MG_EINVAL, field, "Le numéro %s %s (par exemple %s).",
                               label, mg_parse_error_fr(why), example);
    }
    return 0;
}

int auth_org_fields_check(const mg_auth_org_input *in, auth_org_fields *out,
                          mg_auth_field_error *fe, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    int rc = auth_name_check(in->name, "name", "Le nom de l'organisation", out->name,
                             sizeof out->name, fe, d);
    if (rc)
        return rc;
    if (!in->kind || mg_auth_org_kind_parse(in->kind, &out->kind) != 0)
        return auth_field_fail(fe, d, MG_EINVAL, "kind",
                               "Choisissez le type d'organisation dans la liste.");
    rc = check_code(in->siret, parse_siret, "siret", "SIRET", "732 829 320 00074", out->siret,
                    fe, d);
    if (rc == 0)
        rc = check_code(in->rna, parse_rna, "rna", "RNA", "W751234567", out->rna, fe, d);
    if (rc == 0)
        rc = check_code(in->finess, parse_finess, "finess", "FINESS", "750712184", out->finess,
                        fe, d);
    return rc;
}

/* --- The SQL ---------------------------------------------------------------- */

#define ORG_COLUMNS "id, name, kind, siret, rna, finess, active, operator, created_at"
static const char SQL_INSERT[] =
    "INSERT INTO organisations (name, kind, siret, rna, finess, active, operator, created_at, "
    "confirmed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id";
static const char SQL_GET[] = "SELECT " ORG_COLUMNS " FROM organisations WHERE id = ?1";
static const char SQL_COUNT[] =
    "SELECT count(*) FROM organisations WHERE active = 0 OR ?1 = 0";
static const char SQL_PAGE[] =
    "SELECT " ORG_COLUMNS " FROM organisations WHERE active = 0 OR ?1 = 0 "
    "ORDER BY name, id LIMIT ?2 OFFSET ?3";
static const char SQL_CONFIRM[] =
    "UPDATE organisations SET active = 1, confirmed_at = ?2 WHERE id = ?1 AND active = 0";
static const char SQL_ACTIVE[] = "SELECT active FROM organisations WHERE id = ?1";
static const char SQL_MEMBERS_TO_TELL[] =
    "SELECT a.email, a.display_name FROM memberships m JOIN accounts a ON a.id = m.account_id "
    "WHERE m.organisation_id = ?1 ORDER BY a.id";

/* Each identifier is looked up before the insert so that a clash names its
 * field; the UNIQUE constraints stay the guard (a transaction that slips
 * between the two is serialised by the database). */
static const struct {
    const char *sql;
    const char *field;
    const char *label;
} id_clash[] = {
    {"SELECT id FROM organisations WHERE siret = ?1", "siret", "SIRET"},
    {"SELECT id FROM organisations WHERE rna = ?1", "rna", "RNA"},
    {"SELECT id FROM organisations WHERE finess = ?1", "finess", "FINESS"},
};

static const char *or_null(const char *s)
{
    return s && s[0] ? s : NULL;
}

int auth_org_insert(mg_db_conn *c, int64_t by, const auth_org_fields *f, bool active,
                    bool operator_, int64_t *id_out, mg_auth_field_error *fe, mg_diag *d)
{
    const char *codes[] = {f->siret, f->rna, f->finess};
    for (size_t i = 0; i < 3; i++) {
        if (!codes[i][0])
            continue;
        int64_t other = 0;
        int rc = mg_db_query_int(c, id_clash[i].sql, MG_DB_PARAMS(MG_DB_TEXT(codes[i])), &other, d);
        if (rc == 0)
            return auth_field_fail(fe, d, MG_EINVAL, id_clash[i].field,
                                   "Une organisation inscrite porte déjà ce numéro %s.",
                                   id_clash[i].label);
        if (rc != MG_ENOTFOUND)
            return rc;
    }
    char stamp[MG_DB_TIMESTAMP_SIZE];
    int rc = mg_db_timestamp(stamp, d);
    if (rc)
        return rc;
    const char *kind = mg_auth_org_kind_key(f->kind);
    rc = mg_db_query_int(c, SQL_INSERT,
                        MG_DB_PARAMS(MG_DB_TEXT(f->name), MG_DB_TEXT(kind), MG_DB_TEXT(or_null(f->siret)),
                               MG_DB_TEXT(or_null(f->rna)), MG_DB_TEXT(or_null(f->finess)),
                               MG_DB_INT(active), MG_DB_INT(operator_), MG_DB_TEXT(stamp),
                               MG_DB_TEXT(active ? stamp : NULL)),
                        id_out, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EIO, NULL, 0, 0, "auth: inserting an organisation gave no id");
    if (rc)
        return rc;
    mg_audit_change ch[7];
    size_t n = 0;
    ch[n++] = (mg_audit_change){"name", NULL, f->name, false};
    ch[n++] = (mg_audit_change){"kind", NULL, kind, false};
    if (f->siret[0])
        ch[n++] = (mg_audit_change){"siret", NULL, f->siret, false};
    if (f->rna[0])
        ch[n++] = (mg_audit_change){"rna", NULL, f->rna, false};
    if (f->finess[0])
        ch[n++] = (mg_audit_change){"finess", NULL, f->finess, false};
    ch[n++] = (mg_audit_change){"active", NULL, active ? "true" : "false", false};
    ch[n++] = (mg_audit_change){"operator", NULL, operator_ ? "true" : "false", false};
    return auth_audit(c, by, *id_out, "organisation", *id_out, "create", ch, n, d);
}

struct add_tx {
    int64_t by;
    const auth_org_fields *f;
    bool active, operator_;
    mg_auth_field_error *fe;
    int64_t id;
};

static int add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct add_tx *t = ctx;
    t->id = 0;
    return auth_org_insert(c, t->by, t->f, t->active, t->operator_, &t->id, t->fe, d);
}

int mg_auth_org_add(mg_db *db, int64_t by, const mg_auth_org_input *in, bool active,
                    bool operator_, int64_t *id_out, mg_auth_field_error *fe, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    if (!db || !in || !id_out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_org_add: NULL argument");
    auth_org_fields f;
    int rc = auth_org_fields_check(in, &f, fe, d);
    if (rc)
        return rc;
    struct add_tx t = {by, &f, active, operator_, fe, 0};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, add_body, &t, d);
    if (rc == 0)
        *id_out = t.id;
    return rc;
}

/* Fills *o from a row of ORG_COLUMNS. */
static int read_org(const mg_db_stmt *q, mg_auth_org *o, mg_diag *d)
{
    memset(o, 0, sizeof *o);
    o->id = mg_db_column_int64(q, 0);
    mg_db_column_copy(q, 1, o->name, sizeof o->name);
    const char *kind = mg_db_column_text(q, 2);
    if (mg_auth_org_kind_parse(kind, &o->kind) != 0)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "auth: organisation %lld has unknown kind",
                           (long long)o->id);
    mg_db_column_copy(q, 3, o->siret, sizeof o->siret);
    mg_db_column_copy(q, 4, o->rna, sizeof o->rna);
    mg_db_column_copy(q, 5, o->finess, sizeof o->finess);
    o->active = mg_db_column_int64(q, 6) != 0;
    o->operator_ = mg_db_column_int64(q, 7) != 0;
    mg_db_column_copy(q, 8, o->created_at, sizeof o->created_at);
    return 0;
}

struct get_tx {
    int64_t id;
    mg_auth_org *out;
};

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_GET, MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW)
        rc = read_org(q, t->out, d);
    else if (rc == MG_DB_DONE)
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no organisation has id %lld",
                         (long long)t->id);
    mg_db_finalize(q);
    return rc;
}

int mg_auth_org_get(mg_db *db, int64_t id, mg_auth_org *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_org_get: NULL argument");
    memset(out, 0, sizeof *out);
    struct get_tx t = {id, out};
    return mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
}

struct list_tx {
    bool pending_only;
    int64_t offset, limit;
    mg_auth_org *list;
    size_t n;
    int64_t total;
};

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    free(t->list);
    t->list = NULL;
    t->n = 0;
    int rc = mg_db_query_int(c, SQL_COUNT, MG_DB_PARAMS(MG_DB_INT(t->pending_only)), &t->total, d);
    if (rc || t->limit == 0)
        return rc;
    size_t cap = (size_t)t->limit;
    t->list = mg_alloc_array(cap, sizeof *t->list);
    if (!t->list)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory listing organisations");
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(c, SQL_PAGE,
                      MG_DB_PARAMS(MG_DB_INT(t->pending_only), MG_DB_INT(t->limit), MG_DB_INT(t->offset)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW && t->n < cap)
        if ((rc = read_org(q, &t->list[t->n], d)) == 0)
            t->n++;
    mg_db_finalize(q);
    return rc == MG_DB_DONE || rc == MG_DB_ROW ? 0 : rc;
}

int mg_auth_org_list(mg_db *db, bool pending_only, size_t offset, size_t limit,
                     mg_auth_org **out, size_t *n, size_t *total, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_org_list: NULL argument");
    *out = NULL;
    *n = 0;
    if (total)
        *total = 0;
    if (limit > 1000 || offset > INT64_MAX)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "mg_auth_org_list: at most 1000 organisations a page");
    struct list_tx t = {pending_only, (int64_t)offset, (int64_t)limit, NULL, 0, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc || t.n == 0) {
        free(t.list);
        t.list = NULL;
        t.n = 0;
    }
    if (rc)
        return rc;
    *out = t.list;
    *n = t.n;
    if (total)
        *total = (size_t)t.total;
    return 0;
}

/* --- Confirmation --------------------------------------------------------- */

struct confirm_tx {
    int64_t by, org;
    const char *public_url;
};

/* Queues the French message of confirmation to each member of t->org. */
static int tell_members(mg_db_conn *c, struct confirm_tx *t, const char *org_name, mg_diag *d)
{
    struct who {
        char email[MG_AUTH_EMAIL_MAX_BYTES + 1];
        char name[MG_AUTH_NAME_MAX_CHARS * 4 + 1];
    } *list = NULL;
    size_t n = 0, cap = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, SQL_MEMBERS_TO_TELL, MG_DB_PARAMS(MG_DB_INT(t->org)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct who *grown = mg_realloc_array(list, ncap, sizeof *grown);
            if (!grown) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory reading members");
                break;
            }
            list = grown;
            cap = ncap;
        }
        mg_db_column_copy(q, 0, list[n].email, sizeof list[n].email);
        mg_db_column_copy(q, 1, list[n].name, sizeof list[n].name);
        n++;
        rc = 0;
    }
    mg_db_finalize(q);
    if (rc == MG_DB_DONE)
        rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = auth_mail_confirmed(c, list[i].email, list[i].name, org_name, t->public_url, d);
    free(list);
    return rc;
}

static int confirm_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct confirm_tx *t = ctx;
    char stamp[MG_DB_TIMESTAMP_SIZE];
    int64_t changed = 0;
    int rc = mg_db_timestamp(stamp, d);
    if (rc == 0)
        rc = mg_db_run(c, SQL_CONFIRM, MG_DB_PARAMS(MG_DB_INT(t->org), MG_DB_TEXT(stamp)), &changed, d);
    if (rc)
        return rc;
    if (changed == 0) {
        int64_t active = 0;
        rc = mg_db_query_int(c, SQL_ACTIVE, MG_DB_PARAMS(MG_DB_INT(t->org)), &active, d);
        if (rc == MG_ENOTFOUND)
            return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no organisation has id %lld",
                               (long long)t->org);
        return rc ? rc
                  : mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                                "Cette organisation est déjà confirmée.");
    }
    mg_audit_change ch[] = {{"active", "false", "true", false}};
    rc = auth_audit(c, t->by, t->org, "organisation", t->org, "confirm", ch, 1, d);
    mg_auth_org o;
    struct get_tx g = {t->org, &o};
    if (rc == 0)
        rc = get_body(c, &g, d);
    if (rc == 0)
        rc = tell_members(c, t, o.name, d);
    return rc;
}

int mg_auth_org_confirm(mg_db *db, int64_t by, int64_t org_id, const char *public_url,
                        mg_diag *d)
{
    if (!db)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_auth_org_confirm: no database");
    char url[AUTH_PUBLIC_URL_MAX_BYTES + 1];
    int rc = auth_public_url(public_url, url, d);
    if (rc)
        return rc;
    struct confirm_tx t = {by, org_id, url};
    return mg_db_transaction(db, MG_DB_TX_WRITE, confirm_body, &t, d);
}
