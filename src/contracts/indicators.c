/*
 * The indicators of a contract's actions and their dated values
 * (contracts/indicators.h; tables indicators and indicator_values of
 * migration 008): the checks of what people type, the SQL, the audit
 * entries, the values the access engine computes over an action's
 * communes and their series, and the providers' table with this module's
 * own provider, the amounts paid on the action's budget lines (read here
 * from budget_lines, the budget module's table, through SQL of its own).
 */
#include "contracts/indicators.h"
#include "contracts/plan_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "booking/usage.h"
#include "core/utf8.h"
#include "diagnosis/summary.h"
#include "funding/aftergrant.h"
#include "parse/parse.h"

#define refuse mg_ct_refuse

/* --- Code lists ----------------------------------------------------------- */

static const struct {
    const char *key, *label;
} sources[MG_INDICATOR_SOURCES] = {
    {"manual", "Saisi"},
    {"engine", "Calculé par maillage"},
    {"provider", "Fourni par un module"},
};

const char *mg_indicator_source_key(mg_indicator_source s)
{
    return (int)s >= 0 && s < MG_INDICATOR_SOURCES ? sources[s].key : "";
}

const char *mg_indicator_source_label(mg_indicator_source s)
{
    return (int)s >= 0 && s < MG_INDICATOR_SOURCES ? sources[s].label : "";
}

int mg_indicator_source_parse(const char *key, mg_indicator_source *out)
{
    for (int i = 0; key && i < MG_INDICATOR_SOURCES; i++)
        if (strcmp(sources[i].key, key) == 0) {
            *out = (mg_indicator_source)i;
            return 0;
        }
    return MG_ENOTFOUND;
}

/* The engine's measures. unit NULL: the profession's unit. */
static const struct engine_measure {
    const char *key, *label, *unit;
    bool higher_is_better, needs_threshold;
} engine_measures[] = {
    {"apl_mean", "APL moyenne (pondérée) des communes ciblées", NULL, true, false},
    {"below_population", "Habitants sous le seuil de sous-densité", "habitants", false, true},
    {"below_communes", "Communes sous le seuil de sous-densité", "communes", false, true},
};
#define NENGINE (sizeof engine_measures / sizeof engine_measures[0])

static const struct engine_measure *engine_measure_find(const char *key)
{
    for (size_t k = 0; key && k < NENGINE; k++)
        if (strcmp(engine_measures[k].key, key) == 0)
            return &engine_measures[k];
    return NULL;
}

const char *mg_indicator_engine_measure_label(const char *measure)
{
    const struct engine_measure *m = engine_measure_find(measure);
    return m ? m->label : "";
}

const char *mg_indicator_engine_measure_key(size_t k)
{
    return k < NENGINE ? engine_measures[k].key : NULL;
}

/* --- Checks of what people type --------------------------------------------- */

/* The APL's unit for an indicator (50 characters at most): the
 * profession's, or its short form for GPs. */
static const char *apl_unit(const mg_profession *p)
{
    size_t chars = 0;
    mg_utf8_check(p->unit, strlen(p->unit), &chars);
    if (chars <= 50)
        return p->unit;
    return p->scale == 1.0 ? "consultations par an et par habitant" : "APL";
}

typedef struct indicator_checked {
    char *title, *unit; /* malloc'd */
    bool higher_is_better;
    double target;      /* NaN none */
    char target_on[11];
    mg_indicator_source source;
    char measure[64];
    char profession[32];
} indicator_checked;

static void checked_free(indicator_checked *k)
{
    free(k->title);
    free(k->unit);
    k->title = k->unit = NULL;
}

static bool empty(const char *s)
{
    if (!s)
        return true;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return *s == 0;
}

static int indicator_check(const mg_indicator_input *in, indicator_checked *out,
                           mg_contract_field_error *fe, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    out->target = NAN;
    out->higher_is_better = true;
    int rc = mg_ct_check_text(in->title, MG_CONTRACT_TITLE_MAX_CHARS, true, false, "title",
                              "Intitulé", &out->title, fe, d);
    if (rc == 0)
        rc = mg_ct_check_text(in->unit, 50, false, false, "unit", "Unité", &out->unit, fe, d);
    bool direction_given = !empty(in->direction);
    if (rc == 0 && direction_given) {
        if (strcmp(in->direction, "up") == 0)
            out->higher_is_better = true;
        else if (strcmp(in->direction, "down") == 0)
            out->higher_is_better = false;
        else
            rc = refuse(fe, d, "direction",
                        "Le sens choisi n'existe pas : « plus haut est mieux » ou « plus bas "
                        "est mieux ».");
    }
    if (rc == 0 && !empty(in->target)) {
        mg_parse_error why = MG_PARSE_OK;
        if (mg_parse_number(in->target, -1e15, 1e15, &out->target, &why) != 0)
            rc = refuse(fe, d, "target", "Le champ « Cible » %s.", mg_parse_error_fr(why));
    }
    if (rc == 0)
        rc = mg_ct_check_date(in->target_on, "target_on", "Échéance de la cible", out->target_on,
                              fe, d);
    if (rc == 0 && out->target_on[0] && isnan(out->target))
        rc = refuse(fe, d, "target", "Une échéance est donnée sans cible : indiquez la cible.");
    out->source = MG_INDICATOR_MANUAL;
    if (rc == 0 && !empty(in->source) && mg_indicator_source_parse(in->source, &out->source))
        rc = refuse(fe, d, "source", "La source choisie n'existe pas.");
    if (rc == 0 && out->source == MG_INDICATOR_ENGINE) {
        const struct engine_measure *m = engine_measure_find(in->measure);
        const mg_profession *p =
            empty(in->profession) ? NULL : mg_profession_lookup(in->profession);
        if (!m)
            rc = refuse(fe, d, "measure",
                        "Choisissez la mesure calculée : APL moyenne, habitants sous le seuil "
                        "ou communes sous le seuil.");
        else if (empty(in->profession))
            rc = refuse(fe, d, "profession",
                        "Le champ « Profession » est obligatoire pour un indicateur calculé.");
        else if (!p)
            rc = refuse(fe, d, "profession", "La profession choisie n'existe pas.");
        else if (m->needs_threshold && !isfinite(p->threshold))
            rc = refuse(fe, d, "measure",
                        "Aucun seuil de sous-densité n'est publié pour la profession « %s » : "
                        "choisissez l'APL moyenne.",
                        p->label);
        if (rc == 0) {
            snprintf(out->measure, sizeof out->measure, "%s", m->key);
            snprintf(out->profession, sizeof out->profession, "%s", p->key);
            if (!direction_given) /* the measure's own: fewer people below is better */
                out->higher_is_better = m->higher_is_better;
            if (!out->unit[0]) {
                free(out->unit);
                out->unit = strdup(m->unit ? m->unit : apl_unit(p));
                if (!out->unit)
                    rc = MG_ENOMEM;
            }
        }
    } else if (rc == 0 && out->source == MG_INDICATOR_PROVIDER) {
        const mg_indicator_provider *p = mg_indicator_provider_find(in->measure);
        if (!p)
            rc = refuse(fe, d, "measure", "Choisissez le module qui fournit les valeurs.");
        if (rc == 0) {
            snprintf(out->measure, sizeof out->measure, "%s", p->key);
            if (!out->unit[0]) {
                free(out->unit);
                out->unit = strdup(p->unit);
                if (!out->unit)
                    rc = MG_ENOMEM;
            }
        }
    }
    if (rc < 0)
        checked_free(out);
    return rc;
}

int mg_indicator_input_check(const mg_indicator_input *in, mg_contract_field_error *fe,
                             mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (!in)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_indicator_input_check: bad arguments");
    indicator_checked k;
    int rc = indicator_check(in, &k, fe, d);
    checked_free(&k);
    return rc;
}

/* --- Reads ---------------------------------------------------------------- */

#define INDICATOR_COLUMNS                                                                        \
    "i.id, i.action_id, i.title, i.unit, i.higher_is_better, i.target, i.target_on, i.source, "   \
    "i.measure, i.profession FROM indicators i "

static void read_indicator(const mg_db_stmt *q, mg_indicator *out)
{
    memset(out, 0, sizeof *out);
    out->id = mg_db_column_int64(q, 0);
    out->action_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, out->title, sizeof out->title);
    mg_db_column_copy(q, 3, out->unit, sizeof out->unit);
    out->higher_is_better = mg_db_column_int64(q, 4) != 0;
    out->target = mg_db_column_is_null(q, 5) ? NAN : mg_db_column_double(q, 5);
    mg_db_column_copy(q, 6, out->target_on, sizeof out->target_on);
    if (mg_indicator_source_parse(mg_db_column_text(q, 7), &out->source) != 0)
        out->source = MG_INDICATOR_MANUAL; /* the CHECK makes it impossible */
    mg_db_column_copy(q, 8, out->measure, sizeof out->measure);
    mg_db_column_copy(q, 9, out->profession, sizeof out->profession);
}

static int indicator_on(mg_db_conn *c, int64_t id, mg_indicator *out, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, "SELECT " INDICATOR_COLUMNS "WHERE i.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        read_indicator(q, out);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no indicator has id %lld", (long long)id);
    }
    mg_db_finalize(q);
    return rc;
}

/* The lead organisation of the contract of action `action_id`. */
static int lead_of_action(mg_db_conn *c, int64_t action_id, int64_t *lead, mg_diag *d)
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

struct get_tx {
    int64_t id;
    mg_indicator *out;
};

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    return indicator_on(c, t->id, t->out, d);
}

int mg_indicator_get(mg_db *db, int64_t id, mg_indicator *out, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_indicator_get: bad arguments");
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no indicator has id %lld",
                           (long long)id);
    struct get_tx t = {id, out};
    return mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
}

struct list_tx {
    int64_t contract_id, action_id;
    mg_indicator *out;
    size_t n, cap;
};

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc;
    if (t->action_id > 0)
        rc = mg_db_prepare_with(c,
                                "SELECT " INDICATOR_COLUMNS
                                "WHERE i.action_id = ?1 ORDER BY i.title, i.id",
                                MG_DB_PARAMS(MG_DB_INT(t->action_id)), &q, d);
    else
        rc = mg_db_prepare_with(c,
                                "SELECT " INDICATOR_COLUMNS
                                "JOIN contract_actions a ON a.id = i.action_id "
                                "WHERE a.contract_id = ?1 ORDER BY a.title, a.id, i.title, i.id",
                                MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_indicator *grown = realloc(t->out, cap * sizeof *grown);
            if (!grown) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = grown;
            t->cap = cap;
        }
        read_indicator(q, &t->out[t->n++]);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_indicators(mg_db *db, int64_t contract_id, int64_t action_id, mg_indicator **out,
                  size_t *n, mg_diag *d)
{
    if (!db || !out || !n || (action_id <= 0 && contract_id <= 0))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_indicators: bad arguments");
    *out = NULL;
    *n = 0;
    struct list_tx t = {.contract_id = contract_id, .action_id = action_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc < 0 || t.n == 0) {
        free(t.out);
        t.out = NULL;
    }
    if (rc == 0) {
        *out = t.out;
        *n = t.n;
    }
    return rc;
}

/* --- Create --------------------------------------------------------------- */

static void format_double(double v, char *out, size_t cap)
{
    if (isnan(v))
        out[0] = 0;
    else
        snprintf(out, cap, "%.17g", v);
}

struct create_tx {
    int64_t by, action_id, id;
    const indicator_checked *k;
};

static int create_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct create_tx *t = ctx;
    const indicator_checked *k = t->k;
    int64_t lead = 0;
    int rc = lead_of_action(c, t->action_id, &lead, d);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    const char *source = mg_indicator_source_key(k->source);
    rc = mg_db_query_int(
        c,
        "INSERT INTO indicators (action_id, title, unit, higher_is_better, target, target_on, "
        "source, measure, profession, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) RETURNING id",
        MG_DB_PARAMS(MG_DB_INT(t->action_id), MG_DB_TEXT(k->title), MG_DB_TEXT(k->unit),
                     MG_DB_INT(k->higher_is_better), MG_DB_REAL(k->target),
                     MG_DB_TEXT(mg_ct_or_null(k->target_on)), MG_DB_TEXT(source),
                     MG_DB_TEXT(k->measure), MG_DB_TEXT(k->profession), MG_DB_TEXT(now)),
        &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new indicator has no id");
    if (rc < 0)
        return rc;
    char action[24], target[32];
    snprintf(action, sizeof action, "%lld", (long long)t->action_id);
    format_double(k->target, target, sizeof target);
    mg_audit_change ch[] = {
        {"action_id", NULL, action, false},
        {"title", NULL, k->title, false},
        {"unit", NULL, mg_ct_or_null(k->unit), false},
        {"direction", NULL, k->higher_is_better ? "up" : "down", false},
        {"target", NULL, mg_ct_or_null(target), false},
        {"target_on", NULL, mg_ct_or_null(k->target_on), false},
        {"source", NULL, source, false},
        {"measure", NULL, mg_ct_or_null(k->measure), false},
        {"profession", NULL, mg_ct_or_null(k->profession), false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = lead,
                        .object_type = "indicator", .object_id = t->id, .verb = "create",
                        .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_indicator_create(mg_db *db, int64_t by, int64_t action_id, const mg_indicator_input *in,
                        int64_t *id_out, mg_contract_field_error *fe, mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (id_out)
        *id_out = 0;
    if (!db || !in || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_indicator_create: bad arguments");
    if (action_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no action has id %lld",
                           (long long)action_id);
    indicator_checked k;
    int rc = indicator_check(in, &k, fe, d);
    if (rc < 0)
        return rc;
    struct create_tx t = {.by = by, .action_id = action_id, .k = &k};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, create_body, &t, d);
    checked_free(&k);
    if (rc == 0 && id_out)
        *id_out = t.id;
    return rc;
}

/* --- Values ----------------------------------------------------------------- */

/* One value to insert, and what its audit entry says. */
typedef struct value_row {
    char measured_on[11];
    double value;
    const char *series;      /* "" typed */
    int data_year;           /* 0 none */
    const char *params_json; /* "" none */
    const char *source_note;
    const char *comment;
} value_row;

static int insert_value(mg_db_conn *c, int64_t by, int64_t indicator_id, const value_row *v,
                        const char *now, int64_t *id, mg_diag *d)
{
    int rc = mg_db_query_int(
        c,
        "INSERT INTO indicator_values (indicator_id, measured_on, value, series, data_year, "
        "params_json, source_note, comment, account_id, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
        MG_DB_PARAMS(MG_DB_INT(indicator_id), MG_DB_TEXT(v->measured_on), MG_DB_REAL(v->value),
                     MG_DB_TEXT(v->series), v->data_year ? MG_DB_INT(v->data_year) : MG_DB_NULL,
                     MG_DB_TEXT(v->params_json), MG_DB_TEXT(v->source_note),
                     MG_DB_TEXT(v->comment), by > 0 ? MG_DB_INT(by) : MG_DB_NULL,
                     MG_DB_TEXT(now)),
        id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new value has no id");
    return rc;
}

/* The audit entry of values recorded for an indicator. */
static int audit_values(mg_db_conn *c, int64_t by, int64_t lead, int64_t indicator_id,
                        const char *verb, const value_row *v, size_t n, mg_diag *d)
{
    /* One line per value: "date value [series]". */
    size_t cap = 64 + n * 320, at = 0;
    char *text = malloc(cap);
    if (!text)
        return MG_ENOMEM;
    text[0] = 0;
    for (size_t k = 0; k < n && at < cap; k++)
        at += (size_t)snprintf(text + at, cap - at, "%s%s %.17g%s%s", k ? "\n" : "",
                               v[k].measured_on, v[k].value, v[k].series[0] ? " " : "",
                               v[k].series);
    char count[24];
    snprintf(count, sizeof count, "%zu", n);
    mg_audit_change ch[4];
    size_t nch = 0;
    ch[nch++] = (mg_audit_change){"values", NULL, text, false};
    ch[nch++] = (mg_audit_change){"count", NULL, count, false};
    if (n == 1 && v[0].source_note[0])
        ch[nch++] = (mg_audit_change){"source_note", NULL, v[0].source_note, false};
    if (n == 1 && v[0].comment[0])
        ch[nch++] = (mg_audit_change){"comment", NULL, v[0].comment, false};
    mg_audit_entry e = {.account_id = by, .organisation_id = lead, .object_type = "indicator",
                        .object_id = indicator_id, .verb = verb, .changes = ch,
                        .nchanges = nch};
    int rc = mg_audit_append(c, &e, NULL, d);
    free(text);
    return rc;
}

struct value_add_tx {
    int64_t by, indicator_id, id;
    const value_row *v;
    mg_contract_field_error *fe;
};

static int value_add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct value_add_tx *t = ctx;
    mg_indicator ind;
    int rc = indicator_on(c, t->indicator_id, &ind, d);
    if (rc < 0)
        return rc;
    if (ind.source != MG_INDICATOR_MANUAL)
        return refuse(t->fe, d, "value",
                      "Les valeurs de cet indicateur ne se saisissent pas : elles sont %s.",
                      ind.source == MG_INDICATOR_ENGINE ? "calculées par maillage"
                                                        : "fournies par un module");
    int64_t lead = 0;
    if ((rc = lead_of_action(c, ind.action_id, &lead, d)) < 0)
        return rc;
    int64_t there = 0;
    rc = mg_db_query_int(c,
                         "SELECT count(*) FROM indicator_values WHERE indicator_id = ?1 "
                         "AND series = '' AND measured_on = ?2",
                         MG_DB_PARAMS(MG_DB_INT(t->indicator_id), MG_DB_TEXT(t->v->measured_on)),
                         &there, d);
    if (rc < 0)
        return rc;
    if (there > 0)
        return refuse(t->fe, d, "measured_on",
                      "Une valeur est déjà saisie à cette date pour cet indicateur.");
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    if ((rc = insert_value(c, t->by, t->indicator_id, t->v, now, &t->id, d)) < 0)
        return rc;
    return audit_values(c, t->by, lead, t->indicator_id, "add_value", t->v, 1, d);
}

int mg_indicator_value_add(mg_db *db, int64_t by, int64_t indicator_id, const char *measured_on,
                           const char *value, const char *source_note, const char *comment,
                           int64_t *id_out, mg_contract_field_error *fe, mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (id_out)
        *id_out = 0;
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_indicator_value_add: bad arguments");
    if (indicator_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no indicator has id %lld",
                           (long long)indicator_id);
    value_row v = {.series = "", .params_json = ""};
    if (empty(measured_on))
        return refuse(fe, d, "measured_on", "Le champ « Date » est obligatoire.");
    int rc = mg_ct_check_date(measured_on, "measured_on", "Date", v.measured_on, fe, d);
    if (rc < 0)
        return rc;
    if (empty(value))
        return refuse(fe, d, "value", "Le champ « Valeur » est obligatoire.");
    mg_parse_error why = MG_PARSE_OK;
    if (mg_parse_number(value, -1e15, 1e15, &v.value, &why) != 0)
        return refuse(fe, d, "value", "Le champ « Valeur » %s.", mg_parse_error_fr(why));
    char *note = NULL, *text = NULL;
    rc = mg_ct_check_text(source_note, 500, false, false, "source_note", "Source", &note, fe, d);
    if (rc == 0)
        rc = mg_ct_check_text(comment, 2000, false, true, "comment", "Commentaire", &text, fe, d);
    if (rc == 0) {
        v.source_note = note;
        v.comment = text;
        struct value_add_tx t = {.by = by, .indicator_id = indicator_id, .v = &v, .fe = fe};
        rc = mg_db_transaction(db, MG_DB_TX_WRITE, value_add_body, &t, d);
        if (rc == 0 && id_out)
            *id_out = t.id;
    }
    free(note);
    free(text);
    return rc;
}

void mg_indicator_values_free(mg_indicator_value *v, size_t n)
{
    for (size_t k = 0; v && k < n; k++) {
        free(v[k].params_json);
        free(v[k].comment);
    }
    free(v);
}

struct values_tx {
    int64_t indicator_id;
    mg_indicator_value *out;
    size_t n, cap;
};

static int values_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct values_tx *t = ctx;
    mg_indicator_values_free(t->out, t->n);
    t->out = NULL;
    t->n = t->cap = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT id, measured_on, value, series, data_year, params_json, "
                                "source_note, comment FROM indicator_values "
                                "WHERE indicator_id = ?1 ORDER BY measured_on, series, id",
                                MG_DB_PARAMS(MG_DB_INT(t->indicator_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            mg_indicator_value *grown = realloc(t->out, cap * sizeof *grown);
            if (!grown) {
                rc = MG_ENOMEM;
                break;
            }
            t->out = grown;
            t->cap = cap;
        }
        mg_indicator_value *v = &t->out[t->n];
        memset(v, 0, sizeof *v);
        v->id = mg_db_column_int64(q, 0);
        v->indicator_id = t->indicator_id;
        mg_db_column_copy(q, 1, v->measured_on, sizeof v->measured_on);
        v->value = mg_db_column_double(q, 2);
        mg_db_column_copy(q, 3, v->series, sizeof v->series);
        v->data_year = (int)mg_db_column_int64(q, 4);
        const char *pj = mg_db_column_text(q, 5), *cm = mg_db_column_text(q, 7);
        mg_db_column_copy(q, 6, v->source_note, sizeof v->source_note);
        v->params_json = strdup(pj ? pj : "");
        v->comment = strdup(cm ? cm : "");
        t->n++;
        if (!v->params_json || !v->comment) {
            rc = MG_ENOMEM;
            break;
        }
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

int mg_indicator_values(mg_db *db, int64_t indicator_id, mg_indicator_value **out, size_t *n,
                        mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_indicator_values: bad arguments");
    *out = NULL;
    *n = 0;
    struct values_tx t = {.indicator_id = indicator_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, values_body, &t, d);
    if (rc < 0 || t.n == 0) {
        mg_indicator_values_free(t.out, t.n);
        t.out = NULL;
        t.n = 0;
    }
    *out = t.out;
    *n = t.n;
    return rc;
}

/* --- Computed by the engine ------------------------------------------------- */

int mg_indicator_engine_value(const mg_indicator_engine *e, const char *measure, double *out,
                              mg_diag *d)
{
    if (!e || !e->g || !out || (!e->communes && e->ncommunes))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_indicator_engine_value: bad arguments");
    const struct engine_measure *m = engine_measure_find(measure);
    if (!m)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "unknown engine measure \"%s\"",
                           measure ? measure : "");
    if (e->ncommunes == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no commune to compute \"%s\" on",
                           m->key);
    if (m->needs_threshold && !isfinite(e->threshold))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "\"%s\" needs an under-served threshold",
                           m->key);
    for (size_t k = 0; k < e->ncommunes; k++)
        if (e->communes[k] >= e->g->t->n)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "commune index %zu out of range",
                               e->communes[k]);
    if (strcmp(m->key, "below_communes") == 0) {
        size_t below = 0;
        for (size_t k = 0; k < e->ncommunes; k++)
            if (e->g->apl[e->communes[k]] < e->threshold)
                below++;
        *out = (double)below;
        return 0;
    }
    /* The figures `maillage access --scope` writes: its summary over the
     * same communes (mg_summary_compute_on is mg_summary_compute on them). */
    mg_summary s;
    int rc = mg_summary_compute_on(e->g, e->communes, e->ncommunes, e->g->apl, NULL,
                                   m->needs_threshold ? e->threshold : NAN, NULL, NULL, &s, d);
    if (rc < 0)
        return rc;
    *out = strcmp(m->key, "apl_mean") == 0 ? s.territory.mean : s.territory.below_population;
    mg_summary_free(&s);
    return 0;
}

/* FNV-1a, 64 bits. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++) {
        h ^= b[k];
        h *= 1099511628211ULL;
    }
    return h;
}
#define FNV_START 14695981039346656037ULL

/* The inputs of e as a JSON object (sorted keys): data year, profession,
 * threshold, the model's parameters and options, the communes (their
 * number and a digest of their codes). NULL when out of memory. */
static json_t *engine_params(const mg_indicator_engine *e)
{
    const mg_diagnosis *g = e->g;
    const mg_diagnosis_opts *o = &g->opts;
    uint64_t h = FNV_START;
    for (size_t k = 0; k < e->ncommunes; k++) {
        const char *code = g->t->code[e->communes[k]];
        h = fnv(h, code, strlen(code) + 1);
    }
    char digest[20];
    snprintf(digest, sizeof digest, "%016llx", (unsigned long long)h);
    json_t *j = json_object();
    if (!j)
        return NULL;
    json_object_set_new(j, "data_year", json_integer(e->data_year));
    json_object_set_new(j, "profession", json_string(g->prof->key));
    json_object_set_new(j, "measure", json_string(g->apl_spec.name ? g->apl_spec.name : ""));
    json_object_set_new(j, "threshold", isfinite(e->threshold) ? json_real(e->threshold)
                                                               : json_null());
    json_object_set_new(j, "speed_kmh", json_real(o->crowfly.speed_kmh));
    json_object_set_new(j, "detour", json_real(o->crowfly.detour));
    json_object_set_new(j, "access_minutes", json_real(o->crowfly.access_min));
    json_object_set_new(j, "time_spread", json_real(o->time_spread));
    json_object_set_new(j, "activity_exponent", json_real(o->activity_exponent));
    json_object_set_new(j, "activity_reference", json_real(o->activity_reference));
    json_object_set_new(j, "centre_heads", json_real(o->centre_heads));
    json_object_set_new(j, "supply_per_head", json_real(o->supply_per_head));
    json_object_set_new(j, "neighbours", json_boolean(o->neighbours));
    json_object_set_new(j, "points", json_string(o->points == MG_POINTS_CONTOURS ? "contours"
                                                                                 : "laposte"));
    json_object_set_new(j, "travel_times", json_string(o->matrix ? "matrix"
                                                       : o->graph ? "graph"
                                                       : o->osm   ? "osm"
                                                                  : "crowfly"));
    json_object_set_new(j, "steps", json_string(o->steps ? o->steps : ""));
    json_object_set_new(j, "practitioners", json_string(o->practitioners ? "annuaire" : "bpe"));
    json_object_set_new(j, "communes", json_integer((json_int_t)e->ncommunes));
    json_object_set_new(j, "communes_digest", json_string(digest));
    return j;
}

/* The canonical text of e's inputs (malloc'd) or NULL. */
static char *engine_params_text(const mg_indicator_engine *e)
{
    json_t *j = engine_params(e);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(j);
    return s;
}

/* A number as French text: decimal comma, at most 6 significant digits. */
static void fr_number(double v, char *out, size_t cap)
{
    snprintf(out, cap, "%.6g", v);
    for (char *p = out; *p; p++)
        if (*p == '.')
            *p = ',';
}

void mg_indicator_engine_series(const mg_indicator_engine *e, char *out, size_t cap)
{
    if (!out || cap == 0)
        return;
    out[0] = 0;
    if (!e || !e->g)
        return;
    char *params = engine_params_text(e);
    uint64_t h = params ? fnv(FNV_START, params, strlen(params)) : 0;
    free(params);
    const mg_diagnosis_opts *o = &e->g->opts;
    char thr[32], speed[32], detour[32], spread[32], gamma[32];
    if (isfinite(e->threshold))
        fr_number(e->threshold, thr, sizeof thr);
    else
        snprintf(thr, sizeof thr, "aucun");
    fr_number(o->crowfly.speed_kmh, speed, sizeof speed);
    fr_number(o->crowfly.detour, detour, sizeof detour);
    fr_number(o->time_spread, spread, sizeof spread);
    fr_number(o->activity_exponent, gamma, sizeof gamma);
    /* Under 200 characters (the column's limit) for any value above. */
    snprintf(out, cap,
             "données %d · seuil %s · modèle %s km/h, détour %s, σ %s, γ %s · %zu communes · "
             "réf. %08llx",
             e->data_year, thr, speed, detour, spread, gamma, e->ncommunes,
             (unsigned long long)(h >> 32));
}

struct refresh_tx {
    int64_t by, indicator_id, action_id;
    int64_t lead;
    value_row v;
    bool dry;   /* only say whether a value would be added */
    bool added;
};

static int engine_refresh_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct refresh_tx *t = ctx;
    t->added = false;
    int64_t there = 0;
    int rc = mg_db_query_int(c,
                             "SELECT count(*) FROM indicator_values WHERE indicator_id = ?1 "
                             "AND series = ?2",
                             MG_DB_PARAMS(MG_DB_INT(t->indicator_id), MG_DB_TEXT(t->v.series)),
                             &there, d);
    if (rc < 0)
        return rc;
    if (there > 0)
        return 0; /* the same inputs: the value is there already */
    if (t->dry) {
        t->added = true; /* would be */
        return 0;
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    int64_t id = 0;
    if ((rc = lead_of_action(c, t->action_id, &t->lead, d)) < 0 ||
        (rc = mg_db_timestamp(now, d)) < 0 ||
        (rc = insert_value(c, t->by, t->indicator_id, &t->v, now, &id, d)) < 0 ||
        (rc = audit_values(c, t->by, t->lead, t->indicator_id, "compute_value", &t->v, 1, d)) < 0)
        return rc;
    t->added = true;
    return 0;
}

int mg_indicator_engine_refresh(mg_db *db, int64_t by, int64_t indicator_id,
                                const mg_indicator_engine *e, bool *added, mg_diag *d)
{
    if (added)
        *added = false;
    if (!db || !e || !e->g || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_indicator_engine_refresh: bad arguments");
    mg_indicator ind;
    int rc = mg_indicator_get(db, indicator_id, &ind, d);
    if (rc < 0)
        return rc;
    if (ind.source != MG_INDICATOR_ENGINE)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "indicator %lld is not computed by the engine",
                           (long long)indicator_id);
    if (strcmp(ind.profession, e->g->prof->key) != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "indicator %lld is of profession %s, the diagnosis of %s",
                           (long long)indicator_id, ind.profession, e->g->prof->key);
    if (e->data_year && (e->data_year < 1990 || e->data_year > 2100))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "data year %d out of range", e->data_year);
    struct refresh_tx t = {.by = by, .indicator_id = indicator_id};
    if ((rc = mg_indicator_engine_value(e, ind.measure, &t.v.value, d)) < 0)
        return rc;
    if (!isfinite(t.v.value))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "\"%s\" is not defined on these communes",
                           ind.measure);
    char series[sizeof ((mg_indicator_value *)0)->series];
    mg_indicator_engine_series(e, series, sizeof series);
    char *params = engine_params_text(e);
    if (!params)
        return MG_ENOMEM;
    t.action_id = ind.action_id;
    {
        mg_contract_today(t.v.measured_on);
        t.v.series = series;
        t.v.data_year = e->data_year;
        t.v.params_json = params;
        t.v.source_note = "Calculé par maillage (méthode DREES)";
        t.v.comment = "";
        /* Most calls find the value there: a read first, so that showing a
         * page does not take the write lock; the write checks again. */
        t.dry = true;
        rc = mg_db_transaction(db, MG_DB_TX_READ, engine_refresh_body, &t, d);
        t.dry = false;
        if (rc == 0 && t.added)
            rc = mg_db_transaction(db, MG_DB_TX_WRITE, engine_refresh_body, &t, d);
    }
    free(params);
    if (rc == 0 && added)
        *added = t.added;
    return rc;
}

/* --- Fed by other modules ----------------------------------------------------- */

/*
 * budget.paid: the amounts paid on the action's current budget lines
 * (replaced_by NULL), in euros. budget_lines holds a year per line but no
 * payment date, so the series is the cumulative amount paid on the lines
 * of every year up to Y, dated 31 December of Y, for each year Y that has
 * lines; a year not over yet (the current one or later) gives the total
 * paid so far, dated today rather than on a day still to come.
 */
static int budget_paid_values(mg_db *db, int64_t action_id, mg_indicator_point **out, size_t *n,
                              mg_diag *d);

/*
 * subsidy.granted, subsidy.paid: what the single window granted and paid
 * for the requests that finance the action (funding/aftergrant.h), in
 * euros, cumulative: one point a day that changed the sum (the day of a
 * decision, of a payment), up to today; a payment dated later is not paid
 * as of today and not counted.
 */
static int subsidy_granted_values(mg_db *db, int64_t action_id, mg_indicator_point **out,
                                  size_t *n, mg_diag *d);
static int subsidy_paid_values(mg_db *db, int64_t action_id, mg_indicator_point **out,
                               size_t *n, mg_diag *d);

static const mg_indicator_provider providers[] = {
    {"budget.paid", "Montants payés sur les lignes budgétaires de l'action", "€",
     budget_paid_values},
    {"subsidy.granted", "Subventions accordées par le guichet unique pour l'action", "€",
     subsidy_granted_values},
    {"subsidy.paid", "Subventions versées par le guichet unique pour l'action", "€",
     subsidy_paid_values},
    /* booking/usage.h: hours booked and consultations done per month at
     * the sites of the action's communes (docs/booking-usage.md). */
    MG_BOOKING_PROVIDER_HOURS,
    MG_BOOKING_PROVIDER_DONE,
};

static int subsidy_values(mg_db *db, int64_t action_id, bool paid, mg_indicator_point **out,
                          size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    mg_subsidy_dated_amount *a = NULL;
    size_t na = 0;
    int rc = mg_subsidy_action_amounts(db, action_id, paid, &a, &na, d);
    if (rc < 0 || na == 0)
        return rc;
    char today[11];
    mg_contract_today(today);
    mg_indicator_point *p = calloc(na, sizeof *p);
    if (!p) {
        free(a);
        return MG_ENOMEM;
    }
    size_t m = 0;
    int64_t sum = 0;
    for (size_t k = 0; k < na && strcmp(a[k].on, today) <= 0; k++) {
        sum += a[k].cents;
        snprintf(p[m].on, sizeof p[m].on, "%s", a[k].on);
        p[m++].value = (double)sum / 100.0;
    }
    free(a);
    *out = p;
    *n = m;
    return 0;
}

static int subsidy_granted_values(mg_db *db, int64_t action_id, mg_indicator_point **out,
                                  size_t *n, mg_diag *d)
{
    return subsidy_values(db, action_id, false, out, n, d);
}

static int subsidy_paid_values(mg_db *db, int64_t action_id, mg_indicator_point **out,
                               size_t *n, mg_diag *d)
{
    return subsidy_values(db, action_id, true, out, n, d);
}

const mg_indicator_provider *mg_indicator_providers(size_t *n)
{
    if (n)
        *n = sizeof providers / sizeof providers[0];
    return providers;
}

const mg_indicator_provider *mg_indicator_provider_find(const char *key)
{
    for (size_t k = 0; key && k < sizeof providers / sizeof providers[0]; k++)
        if (strcmp(providers[k].key, key) == 0)
            return &providers[k];
    return NULL;
}

struct paid_tx {
    int64_t action_id;
    int years[256];
    int64_t cents[256];
    size_t n;
};

static int paid_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct paid_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT year, SUM(paid_cents) FROM budget_lines "
                                "WHERE action_id = ?1 AND replaced_by IS NULL "
                                "GROUP BY year ORDER BY year",
                                MG_DB_PARAMS(MG_DB_INT(t->action_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n < sizeof t->years / sizeof t->years[0]) { /* years 2000–2100: 101 at most */
            t->years[t->n] = (int)mg_db_column_int64(q, 0);
            t->cents[t->n] = mg_db_column_int64(q, 1);
            t->n++;
        }
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

static int budget_paid_values(mg_db *db, int64_t action_id, mg_indicator_point **out, size_t *n,
                              mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct paid_tx t = {.action_id = action_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, paid_body, &t, d);
    if (rc < 0 || t.n == 0)
        return rc;
    char today[11];
    mg_contract_today(today);
    int64_t year = 0;
    if (mg_parse_c_int(today, 4, 1, 9999, &year, NULL) != 0)
        year = 0;
    int this_year = (int)year;
    mg_indicator_point *p = calloc(t.n, sizeof *p);
    if (!p)
        return MG_ENOMEM;
    size_t m = 0;
    int64_t sum = 0;
    for (size_t k = 0; k < t.n; k++) {
        sum += t.cents[k];
        if (t.years[k] < this_year) {
            snprintf(p[m].on, sizeof p[m].on, "%04u-12-31", (unsigned)t.years[k] % 10000u);
            p[m++].value = (double)sum / 100.0;
        } else if (k + 1 == t.n) {
            snprintf(p[m].on, sizeof p[m].on, "%s", today);
            p[m++].value = (double)sum / 100.0;
        }
    }
    *out = p;
    *n = m;
    return 0;
}

struct provider_tx {
    bool dry; /* only count the values that would be added */
    int64_t by, indicator_id, action_id, lead;
    const char *label;
    const mg_indicator_point *p;
    size_t n;
    value_row *rows;
    size_t added;
};

static int provider_refresh_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct provider_tx *t = ctx;
    t->added = 0;
    char now[MG_DB_TIMESTAMP_SIZE];
    int rc = lead_of_action(c, t->action_id, &t->lead, d);
    if (rc == 0)
        rc = mg_db_timestamp(now, d);
    for (size_t k = 0; rc == 0 && k < t->n; k++) {
        /* Kept when no value is stored on that date and it differs from
         * the last one stored before it (no change is not a new point). */
        int64_t there = 0;
        rc = mg_db_query_int(c,
                             "SELECT count(*) FROM indicator_values WHERE indicator_id = ?1 "
                             "AND measured_on = ?2",
                             MG_DB_PARAMS(MG_DB_INT(t->indicator_id), MG_DB_TEXT(t->p[k].on)),
                             &there, d);
        if (rc < 0 || there > 0)
            continue;
        mg_db_stmt *q = NULL;
        rc = mg_db_prepare_with(c,
                                "SELECT value FROM indicator_values WHERE indicator_id = ?1 "
                                "AND measured_on < ?2 ORDER BY measured_on DESC, id DESC LIMIT 1",
                                MG_DB_PARAMS(MG_DB_INT(t->indicator_id), MG_DB_TEXT(t->p[k].on)),
                                &q, d);
        bool same = false;
        if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW)
            same = mg_db_column_double(q, 0) == t->p[k].value;
        mg_db_finalize(q);
        if (rc < 0)
            break;
        rc = 0;
        if (same)
            continue;
        if (t->dry) {
            /* Whether a point would be added; the write checks each again. */
            t->added++;
            break;
        }
        value_row *v = &t->rows[t->added];
        *v = (value_row){.value = t->p[k].value, .series = "", .params_json = "",
                         .source_note = t->label, .comment = ""};
        snprintf(v->measured_on, sizeof v->measured_on, "%s", t->p[k].on);
        int64_t id = 0;
        rc = insert_value(c, t->by, t->indicator_id, v, now, &id, d);
        if (rc == 0)
            t->added++;
    }
    if (rc == 0 && t->added && !t->dry)
        rc = audit_values(c, t->by, t->lead, t->indicator_id, "provide_values", t->rows, t->added,
                          d);
    return rc;
}

int mg_indicator_provider_refresh(mg_db *db, int64_t by, int64_t indicator_id, mg_diag *d)
{
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_indicator_provider_refresh: bad arguments");
    mg_indicator ind;
    int rc = mg_indicator_get(db, indicator_id, &ind, d);
    if (rc < 0)
        return rc;
    const mg_indicator_provider *p = mg_indicator_provider_find(ind.measure);
    if (ind.source != MG_INDICATOR_PROVIDER || !p)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "indicator %lld is not fed by a provider",
                           (long long)indicator_id);
    mg_indicator_point *pts = NULL;
    size_t n = 0;
    if ((rc = p->values(db, ind.action_id, &pts, &n, d)) < 0)
        return rc;
    /* Points with a valid date only, in date order. */
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        mg_date dt;
        mg_parse_error why;
        if (strlen(pts[k].on) == 10 && mg_parse_date(pts[k].on, &dt, &why) == 0 &&
            isfinite(pts[k].value))
            pts[m++] = pts[k];
    }
    for (size_t a = 1; a < m; a++)
        for (size_t b = a; b > 0 && strcmp(pts[b - 1].on, pts[b].on) > 0; b--) {
            mg_indicator_point x = pts[b];
            pts[b] = pts[b - 1];
            pts[b - 1] = x;
        }
    value_row *rows = m ? calloc(m, sizeof *rows) : NULL;
    if (rc == 0 && m && !rows)
        rc = MG_ENOMEM;
    if (rc == 0 && m) {
        struct provider_tx t = {.by = by, .indicator_id = indicator_id, .action_id = ind.action_id,
                                .label = p->label, .p = pts, .n = m, .rows = rows};
        t.dry = true;
        rc = mg_db_transaction(db, MG_DB_TX_READ, provider_refresh_body, &t, d);
        t.dry = false;
        if (rc == 0 && t.added)
            rc = mg_db_transaction(db, MG_DB_TX_WRITE, provider_refresh_body, &t, d);
    }
    free(rows);
    free(pts);
    return rc;
}
