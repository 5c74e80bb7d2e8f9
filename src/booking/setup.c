/*
 * The equipment network's setup (setup.h): sites (directory structures),
 * devices, assistants, teleconsultants with their kinds and sites, the
 * teleconsultant's calendar feed secret, exceptions to weekly hours. Every
 * write is one write transaction with its audit entry; refused input names
 * its fields and changes nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit/audit.h"
#include "booking/booking.h"
#include "booking/internal.h"
#include "booking/setup.h"
#include "core/utf8.h"

#define OOM(d) mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory")

/* --- Shared helpers ------------------------------------------------------------------------- */

int mg_booking_audit(mg_db_conn *c, int64_t by, int64_t org, const char *object_type,
                     int64_t object_id, const char *verb, const mg_audit_change *changes,
                     size_t nchanges, mg_diag *d)
{
    mg_audit_entry e = {.account_id = by > 0 ? by : 0,
                        .organisation_id = org > 0 ? org : 0,
                        .object_type = object_type,
                        .object_id = object_id,
                        .verb = verb,
                        .changes = changes,
                        .nchanges = nchanges};
    return mg_audit_append(c, &e, NULL, d);
}

/* Audit changes; the strings must live until the entry is appended. */
typedef struct changes {
    mg_audit_change v[16];
    size_t n;
} changes;

/* Adds field when before and after differ (NULL: no value). */
static void change(changes *ch, const char *field, const char *before, const char *after)
{
    if (ch->n >= 16)
        return;
    if ((!before && !after) || (before && after && strcmp(before, after) == 0))
        return;
    ch->v[ch->n++] = (mg_audit_change){field, before, after, false};
}

static const mg_audit_change *changes_array(changes *ch)
{
    return ch->v;
}

static void int_text(char out[static 24], int64_t v)
{
    snprintf(out, 24, "%lld", (long long)v);
}

/* A label: valid UTF-8, 1..max characters (min 0 allows ""). */
static bool check_label(mg_booking_errors *errs, const char *field, const char *s, size_t min,
                        size_t max)
{
    size_t chars = 0, n = s ? strlen(s) : 0;
    if (s && mg_utf8_check(s, n, &chars) != n) {
        mg_booking_errors_add(errs, field, "texte illisible (UTF-8 attendu)");
        return false;
    }
    if (chars < min) {
        mg_booking_errors_add(errs, field, "champ obligatoire");
        return false;
    }
    if (chars > max) {
        mg_booking_errors_add(errs, field, "%zu caractères au plus", max);
        return false;
    }
    return true;
}

/* An opening_hours string: refused with the parser's French sentence (its position). */
static bool check_hours(mg_booking_errors *errs, const char *field, const char *s, bool required)
{
    if (!s || !*s) {
        if (required)
            mg_booking_errors_add(errs, field, "horaires obligatoires (par exemple « Mo-Fr 09:00-12:00 »)");
        return !required;
    }
    size_t n = strlen(s);
    if (mg_utf8_check(s, n, NULL) != n) {
        mg_booking_errors_add(errs, field, "texte illisible (UTF-8 attendu)");
        return false;
    }
    if (n > 4096) {
        mg_booking_errors_add(errs, field, "4096 caractères au plus");
        return false;
    }
    mg_opening_hours *oh = NULL;
    mg_diag pd = {{0}};
    int rc = mg_opening_hours_parse(s, n, 0, &oh, &pd);
    mg_opening_hours_free(oh);
    if (rc) {
        const char *m = pd.msg[0] ? pd.msg : "horaires illisibles";
        mg_booking_errors_add(errs, field, "horaires illisibles : %.*s",
                              (int)mg_utf8_prefix(m, 200), m);
        return false;
    }
    return true;
}

static char *dup_text(const mg_db_stmt *q, int col)
{
    const char *s = mg_db_column_text(q, col);
    return s ? strdup(s) : NULL;
}

/* Runs a one-row SELECT; calls fill on the row. MG_ENOTFOUND when none. */
typedef void (*row_fn)(const mg_db_stmt *q, void *out);

static int one_row(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n, row_fn fill,
                   void *out, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, sql, p, n, &q, d);
    if (rc == 0) {
        rc = mg_db_step(q, d);
        if (rc == MG_DB_ROW) {
            fill(q, out);
            rc = 0;
        } else if (rc == MG_DB_DONE) {
            rc = MG_ENOTFOUND;
        }
    }
    mg_db_finalize(q);
    return rc;
}

/* Whether a row exists. */
static int exists(mg_db_conn *c, const char *sql, const mg_db_param *p, size_t n, bool *yes,
                  mg_diag *d)
{
    int64_t v = 0;
    int rc = mg_db_query_int(c, sql, p, n, &v, d);
    *yes = rc == 0;
    return rc == MG_ENOTFOUND ? 0 : rc;
}

/* --- Sites ------------------------------------------------------------------------------------- */

void mg_booking_site_clear(mg_booking_site *s)
{
    if (!s)
        return;
    free(s->opening_hours);
    s->opening_hours = NULL;
}

void mg_booking_sites_free(mg_booking_site *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        mg_booking_site_clear(&v[i]);
    free(v);
}

#define SITE_SELECT                                                                                \
    "SELECT bs.site_id, bs.owner_id, o.name, s.category, s.commune_code, s.commune_name, "        \
    "s.address, s.lat, s.lon, s.opening_hours, bs.ask, bs.share_phone, bs.active, bs.is_example, " \
    "(SELECT COUNT(*) FROM booking_devices dv WHERE dv.site_id = bs.site_id AND dv.active = 1) "   \
    "FROM booking_sites bs JOIN structures s ON s.organisation_id = bs.site_id "                   \
    "JOIN organisations o ON o.id = bs.site_id "

static void site_fill(const mg_db_stmt *q, void *out)
{
    mg_booking_site *s = out;
    memset(s, 0, sizeof *s);
    s->site_id = mg_db_column_int64(q, 0);
    s->owner_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, s->name, sizeof s->name);
    mg_db_column_copy(q, 3, s->category, sizeof s->category);
    mg_db_column_copy(q, 4, s->commune_code, sizeof s->commune_code);
    mg_db_column_copy(q, 5, s->commune_name, sizeof s->commune_name);
    mg_db_column_copy(q, 6, s->address, sizeof s->address);
    s->lat = mg_db_column_is_null(q, 7) ? NAN : mg_db_column_double(q, 7);
    s->lon = mg_db_column_is_null(q, 8) ? NAN : mg_db_column_double(q, 8);
    s->opening_hours = dup_text(q, 9);
    const char *ask = mg_db_column_text(q, 10);
    mg_booking_ask a = MG_BOOKING_ASK_INITIALS;
    if (ask && mg_booking_ask_parse(ask, &a) == 0)
        s->ask = a;
    s->share_phone = mg_db_column_int64(q, 11) != 0;
    s->active = mg_db_column_int64(q, 12) != 0;
    s->is_example = mg_db_column_int64(q, 13) != 0;
    s->ndevices = (size_t)mg_db_column_int64(q, 14);
}

struct site_put_tx {
    int64_t by;
    const mg_booking_site_input *in;
    const char *ask;
    mg_booking_errors *errs;
    size_t errs0;
};

struct site_row {
    int64_t owner_id;
    char ask[16];
    int share_phone, active, is_example;
};

static void site_row_fill(const mg_db_stmt *q, void *out)
{
    struct site_row *r = out;
    r->owner_id = mg_db_column_int64(q, 0);
    mg_db_column_copy(q, 1, r->ask, sizeof r->ask);
    r->share_phone = (int)mg_db_column_int64(q, 2);
    r->active = (int)mg_db_column_int64(q, 3);
    r->is_example = (int)mg_db_column_int64(q, 4);
}

static int site_put_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct site_put_tx *t = ctx;
    t->errs->n = t->errs0;
    const mg_booking_site_input *in = t->in;
    bool yes = false;
    int rc = exists(c, "SELECT organisation_id FROM structures WHERE organisation_id = ?1",
                    MG_DB_PARAMS(MG_DB_INT(in->site_id)), &yes, d);
    if (rc < 0)
        return rc;
    if (!yes) {
        mg_booking_errors_add(t->errs, "site_id", "aucune structure de l'annuaire n'a ce numéro");
        return mg_booking_refuse(t->errs, d);
    }
    struct site_row old = {0};
    rc = one_row(c, "SELECT owner_id, ask, share_phone, active, is_example FROM booking_sites "
                    "WHERE site_id = ?1",
                 MG_DB_PARAMS(MG_DB_INT(in->site_id)), site_row_fill, &old, d);
    if (rc < 0 && rc != MG_ENOTFOUND)
        return rc;
    bool create = rc == MG_ENOTFOUND;
    if (create) {
        rc = exists(c, "SELECT id FROM organisations WHERE id = ?1",
                    MG_DB_PARAMS(MG_DB_INT(in->owner_id)), &yes, d);
        if (rc < 0)
            return rc;
        if (!yes) {
            mg_booking_errors_add(t->errs, "owner_id", "aucune organisation n'a ce numéro");
            return mg_booking_refuse(t->errs, d);
        }
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    int64_t owner = create ? in->owner_id : old.owner_id;
    if (create)
        rc = mg_db_run(c,
                       "INSERT INTO booking_sites (site_id, owner_id, ask, share_phone, active, "
                       "is_example, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                       MG_DB_PARAMS(MG_DB_INT(in->site_id), MG_DB_INT(owner), MG_DB_TEXT(t->ask),
                                    MG_DB_INT(in->share_phone), MG_DB_INT(in->active),
                                    MG_DB_INT(in->is_example), MG_DB_TEXT(now)),
                       NULL, d);
    else
        rc = mg_db_run(c,
                       "UPDATE booking_sites SET ask = ?2, share_phone = ?3, active = ?4, "
                       "is_example = ?5, updated_at = ?6 WHERE site_id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(in->site_id), MG_DB_TEXT(t->ask),
                                    MG_DB_INT(in->share_phone), MG_DB_INT(in->active),
                                    MG_DB_INT(in->is_example), MG_DB_TEXT(now)),
                       NULL, d);
    if (rc < 0)
        return rc;
    changes ch = {0};
    char ob[24], nb[24];
    int_text(ob, old.owner_id);
    int_text(nb, owner);
    change(&ch, "owner_id", create ? NULL : ob, nb);
    change(&ch, "ask", create ? NULL : old.ask, t->ask);
    change(&ch, "share_phone", create ? NULL : old.share_phone ? "1" : "0",
           in->share_phone ? "1" : "0");
    change(&ch, "active", create ? NULL : old.active ? "1" : "0", in->active ? "1" : "0");
    change(&ch, "is_example", create ? NULL : old.is_example ? "1" : "0",
           in->is_example ? "1" : "0");
    if (ch.n == 0)
        return 0;
    return mg_booking_audit(c, t->by, in->site_id, "booking_site", in->site_id,
                            create ? "create" : "update", changes_array(&ch), ch.n, d);
}

int mg_booking_site_put_on(mg_db_conn *c, int64_t by, const mg_booking_site_input *in,
                           mg_booking_errors *errs, mg_diag *d)
{
    mg_booking_errors local = {0};
    if (!errs)
        errs = &local;
    size_t errs0 = errs->n;
    const char *ask = in->ask && *in->ask ? in->ask : "initials";
    mg_booking_ask a;
    if (mg_booking_ask_parse(ask, &a) != 0)
        mg_booking_errors_add(errs, "ask", "« name » (nom) ou « initials » (initiales) attendu");
    if (in->site_id <= 0)
        mg_booking_errors_add(errs, "site_id", "structure de l'annuaire attendue");
    if (errs->n > errs0)
        return mg_booking_refuse(errs, d);
    struct site_put_tx t = {by, in, ask, errs, errs0};
    return site_put_body(c, &t, d);
}

/* The arguments of a write run in its own transaction by a thin wrapper of
 * an …_on function; errs0 resets the refusals when the transaction is run
 * again. */
struct own_tx {
    int64_t by, id, site_id;
    const void *in;
    const char *label, *text;
    bool active;
    int64_t *id_out;
    mg_booking_errors *errs;
    size_t errs0;
};

static struct own_tx own_tx_of(int64_t by, mg_booking_errors *errs, mg_booking_errors *local)
{
    if (!errs)
        errs = local;
    return (struct own_tx){.by = by, .errs = errs, .errs0 = errs->n};
}

static int site_put_own(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct own_tx *t = ctx;
    t->errs->n = t->errs0;
    return mg_booking_site_put_on(c, t->by, t->in, t->errs, d);
}

int mg_booking_site_put(mg_db *db, int64_t by, const mg_booking_site_input *in,
                        mg_booking_errors *errs, mg_diag *d)
{
    mg_booking_errors local = {0};
    struct own_tx t = own_tx_of(by, errs, &local);
    t.in = in;
    return mg_db_transaction(db, MG_DB_TX_WRITE, site_put_own, &t, d);
}

struct site_get_tx {
    int64_t id;
    mg_booking_site *out;
};

static int site_get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct site_get_tx *t = ctx;
    mg_booking_site_clear(t->out);
    return one_row(c, SITE_SELECT "WHERE bs.site_id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)),
                   site_fill, t->out, d);
}

int mg_booking_site_get(mg_db *db, int64_t site_id, mg_booking_site *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    struct site_get_tx t = {site_id, out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, site_get_body, &t, d);
    if (rc == MG_ENOTFOUND)
        mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun lieu de téléconsultation n'a ce numéro");
    return rc;
}

/* A growable array of rows read by fill. */
struct list_tx {
    const char *sql;
    const mg_db_param *p;
    size_t np;
    size_t size;
    row_fn fill;
    void (*clear)(void *row);
    void *v;
    size_t n, cap;
};

static void list_reset(struct list_tx *t)
{
    for (size_t i = 0; t->clear && i < t->n; i++)
        t->clear((char *)t->v + i * t->size);
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    list_reset(t);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c, t->sql, t->p, t->np, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->n == t->cap) {
            size_t nc = t->cap ? t->cap * 2 : 16;
            void *nv = realloc(t->v, nc * t->size);
            if (!nv) {
                rc = OOM(d);
                break;
            }
            t->v = nv;
            t->cap = nc;
        }
        t->fill(q, (char *)t->v + t->n * t->size);
        t->n++;
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

/* Runs the list t on c (an open transaction) or in its own read transaction. */
static int list_run(mg_db *db, mg_db_conn *c, struct list_tx *t, mg_db_tx_fn body, void **out,
                    size_t *n, mg_diag *d)
{
    int rc = c ? body(c, t, d) : mg_db_transaction(db, MG_DB_TX_READ, body, t, d);
    if (rc < 0) {
        list_reset(t);
        return rc;
    }
    *out = t->v;
    *n = t->n;
    return 0;
}

static void site_clear_v(void *row)
{
    mg_booking_site_clear(row);
}

int mg_booking_site_list(mg_db *db, int64_t owner_id, bool active_only, mg_booking_site **out,
                         size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct list_tx t = {
        .sql = SITE_SELECT "WHERE (?1 = 0 OR bs.owner_id = ?1) AND (?2 = 0 OR bs.active = 1) "
                           "ORDER BY s.commune_name, o.name, bs.site_id",
        .p = MG_DB_PARAMS(MG_DB_INT(owner_id > 0 ? owner_id : 0), MG_DB_INT(active_only)),
        .size = sizeof(mg_booking_site),
        .fill = site_fill,
        .clear = site_clear_v,
    };
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc < 0) {
        list_reset(&t);
        return rc;
    }
    *out = t.v;
    *n = t.n;
    return 0;
}

/* --- Devices ----------------------------------------------------------------------------------- */

static const char *const instrument_codes[] = {
    "stethoscope", "otoscope",  "dermatoscope", "thermometer", "oximeter",   "blood_pressure",
    "ecg",         "scale",     "spirometer",   "glucometer",  "ophthalmoscope", "camera",
};
static const char *const instrument_labels[] = {
    "Stéthoscope connecté", "Otoscope",   "Dermatoscope",         "Thermomètre",
    "Oxymètre de pouls",    "Tensiomètre", "Électrocardiographe", "Balance",
    "Spiromètre",           "Glucomètre", "Ophtalmoscope",        "Caméra d'examen",
};
_Static_assert(sizeof instrument_codes == sizeof instrument_labels, "one label per instrument");

const char *const *mg_booking_instruments(size_t *n)
{
    *n = sizeof instrument_codes / sizeof instrument_codes[0];
    return instrument_codes;
}

const char *mg_booking_instrument_label(const char *code)
{
    for (size_t i = 0; code && i < sizeof instrument_codes / sizeof instrument_codes[0]; i++)
        if (strcmp(instrument_codes[i], code) == 0)
            return instrument_labels[i];
    return NULL;
}

void mg_booking_device_clear(mg_booking_device *v)
{
    if (!v)
        return;
    free(v->opening_hours);
    v->opening_hours = NULL;
}

void mg_booking_devices_free(mg_booking_device *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        mg_booking_device_clear(&v[i]);
    free(v);
}

/* The instruments as typed ("otoscope, ecg") into their canonical list
 * (known codes, each once, in the list's order). */
static bool check_instruments(mg_booking_errors *errs, const char *in, char out[static 1001])
{
    out[0] = '\0';
    if (!in || !*in)
        return true;
    size_t ncodes = sizeof instrument_codes / sizeof instrument_codes[0];
    bool want[sizeof instrument_codes / sizeof instrument_codes[0]] = {0};
    const char *p = in;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ')
            e++;
        size_t len = (size_t)(e - p);
        size_t k = 0;
        while (k < ncodes && !(strlen(instrument_codes[k]) == len &&
                               strncmp(instrument_codes[k], p, len) == 0))
            k++;
        if (k == ncodes) {
            mg_booking_errors_add(errs, "instruments",
                                  "instrument inconnu : « %.*s » (attendus : stethoscope, "
                                  "otoscope, dermatoscope, …)",
                                  (int)mg_utf8_prefix(p, len < 40 ? len : 40), p);
            return false;
        }
        want[k] = true;
        p = e;
    }
    size_t o = 0;
    for (size_t k = 0; k < ncodes; k++)
        if (want[k])
            o += (size_t)snprintf(out + o, 1001 - o, "%s%s", o ? "," : "", instrument_codes[k]);
    return true;
}

static void device_fill(const mg_db_stmt *q, void *out)
{
    mg_booking_device *v = out;
    memset(v, 0, sizeof *v);
    v->id = mg_db_column_int64(q, 0);
    v->site_id = mg_db_column_int64(q, 1);
    mg_booking_device_kind k = MG_BOOKING_CABIN;
    const char *ks = mg_db_column_text(q, 2);
    if (ks && mg_booking_device_kind_parse(ks, &k) == 0)
        v->kind = k;
    mg_db_column_copy(q, 3, v->name, sizeof v->name);
    mg_db_column_copy(q, 4, v->instruments, sizeof v->instruments);
    v->opening_hours = dup_text(q, 5);
    v->assisted = mg_db_column_int64(q, 6) != 0;
    v->step_min = (int)mg_db_column_int64(q, 7);
    v->active = mg_db_column_int64(q, 8) != 0;
}

#define DEVICE_SELECT                                                                  \
    "SELECT id, site_id, kind, name, instruments, opening_hours, assisted, step_min, " \
    "active FROM booking_devices "

struct device_tx {
    int64_t by, id; /* id 0: add */
    const mg_booking_device_input *in;
    char instruments[1001];
    const char *hours;
    mg_booking_errors *errs;
    size_t errs0;
    int64_t id_out;
};

static int device_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct device_tx *t = ctx;
    t->errs->n = t->errs0;
    t->id_out = 0;
    const mg_booking_device_input *in = t->in;
    mg_booking_device old = {0};
    int rc;
    int64_t site_id = in->site_id;
    if (t->id) {
        rc = one_row(c, DEVICE_SELECT "WHERE id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)),
                     device_fill, &old, d);
        if (rc == MG_ENOTFOUND)
            return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun équipement n'a ce numéro");
        if (rc < 0)
            return rc;
        site_id = old.site_id;
    } else {
        bool yes = false;
        rc = exists(c, "SELECT site_id FROM booking_sites WHERE site_id = ?1",
                    MG_DB_PARAMS(MG_DB_INT(site_id)), &yes, d);
        if (rc < 0)
            return rc;
        if (!yes) {
            mg_booking_errors_add(t->errs, "site_id", "aucun lieu de téléconsultation n'a ce numéro");
            return mg_booking_refuse(t->errs, d);
        }
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        goto out;
    if (t->id)
        rc = mg_db_run(c,
                       "UPDATE booking_devices SET kind = ?2, name = ?3, instruments = ?4, "
                       "opening_hours = ?5, assisted = ?6, step_min = ?7, active = ?8, "
                       "updated_at = ?9 WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(in->kind), MG_DB_TEXT(in->name),
                                    MG_DB_TEXT(t->instruments), MG_DB_TEXT(t->hours),
                                    MG_DB_INT(in->assisted), MG_DB_INT(in->step_min),
                                    MG_DB_INT(in->active), MG_DB_TEXT(now)),
                       NULL, d);
    else
        rc = mg_db_query_int(c,
                             "INSERT INTO booking_devices (site_id, kind, name, instruments, "
                             "opening_hours, assisted, step_min, active, created_at, updated_at) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING id",
                             MG_DB_PARAMS(MG_DB_INT(site_id), MG_DB_TEXT(in->kind),
                                          MG_DB_TEXT(in->name), MG_DB_TEXT(t->instruments),
                                          MG_DB_TEXT(t->hours), MG_DB_INT(in->assisted),
                                          MG_DB_INT(in->step_min), MG_DB_INT(in->active),
                                          MG_DB_TEXT(now)),
                             &t->id_out, d);
    if (rc < 0)
        goto out;
    int64_t id = t->id ? t->id : t->id_out;
    bool create = t->id == 0;
    changes ch = {0};
    char ob[24], nb[24], os[24], ns[24];
    int_text(ob, old.site_id);
    int_text(nb, site_id);
    int_text(os, old.step_min);
    int_text(ns, in->step_min);
    change(&ch, "site_id", create ? NULL : ob, nb);
    change(&ch, "kind", create ? NULL : mg_booking_device_kind_key(old.kind), in->kind);
    change(&ch, "name", create ? NULL : old.name, in->name);
    change(&ch, "instruments", create ? NULL : old.instruments, t->instruments);
    change(&ch, "opening_hours", old.opening_hours, t->hours);
    change(&ch, "assisted", create ? NULL : old.assisted ? "1" : "0", in->assisted ? "1" : "0");
    change(&ch, "step_min", create ? NULL : os, ns);
    change(&ch, "active", create ? NULL : old.active ? "1" : "0", in->active ? "1" : "0");
    rc = ch.n == 0 ? 0
                   : mg_booking_audit(c, t->by, site_id, "booking_device", id,
                                      create ? "create" : "update", changes_array(&ch), ch.n, d);
out:
    mg_booking_device_clear(&old);
    return rc;
}

static int device_put_on(mg_db_conn *c, int64_t by, int64_t id,
                         const mg_booking_device_input *in, int64_t *id_out,
                         mg_booking_errors *errs, mg_diag *d)
{
    mg_booking_errors local = {0};
    if (!errs)
        errs = &local;
    size_t errs0 = errs->n;
    struct device_tx t = {.by = by, .id = id, .in = in, .errs = errs, .errs0 = errs0};
    mg_booking_device_kind k;
    if (!in->kind || mg_booking_device_kind_parse(in->kind, &k) != 0)
        mg_booking_errors_add(errs, "kind", "« cabin » (cabine) ou « cart » (chariot) attendu");
    check_label(errs, "name", in->name, 1, MG_BOOKING_LABEL_MAX_CHARS);
    check_instruments(errs, in->instruments, t.instruments);
    t.hours = in->opening_hours && *in->opening_hours ? in->opening_hours : NULL;
    check_hours(errs, "opening_hours", t.hours, false);
    if (!(in->step_min == 0 || (in->step_min >= 5 && in->step_min <= 240 && in->step_min % 5 == 0)))
        mg_booking_errors_add(errs, "step_min",
                              "pas des créneaux : 0 (la durée de la consultation) ou un multiple "
                              "de 5 minutes de 5 à 240");
    if (!id && in->site_id <= 0)
        mg_booking_errors_add(errs, "site_id", "lieu de téléconsultation attendu");
    if (errs->n > errs0)
        return mg_booking_refuse(errs, d);
    int rc = device_body(c, &t, d);
    if (rc == 0 && id_out)
        *id_out = t.id_out;
    return rc;
}

int mg_booking_device_add_on(mg_db_conn *c, int64_t by, const mg_booking_device_input *in,
                             int64_t *id_out, mg_booking_errors *errs, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    return device_put_on(c, by, 0, in, id_out, errs, d);
}

int mg_booking_device_update_on(mg_db_conn *c, int64_t by, int64_t id,
                                const mg_booking_device_input *in, mg_booking_errors *errs,
                                mg_diag *d)
{
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun équipement n'a ce numéro");
    return device_put_on(c, by, id, in, NULL, errs, d);
}

static int device_put_own(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct own_tx *t = ctx;
    t->errs->n = t->errs0;
    return t->id ? mg_booking_device_update_on(c, t->by, t->id, t->in, t->errs, d)
                 : mg_booking_device_add_on(c, t->by, t->in, t->id_out, t->errs, d);
}

int mg_booking_device_add(mg_db *db, int64_t by, const mg_booking_device_input *in,
                          int64_t *id_out, mg_booking_errors *errs, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    mg_booking_errors local = {0};
    struct own_tx t = own_tx_of(by, errs, &local);
    t.in = in;
    t.id_out = id_out;
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, device_put_own, &t, d);
    if (rc && id_out)
        *id_out = 0;
    return rc;
}

int mg_booking_device_update(mg_db *db, int64_t by, int64_t id, const mg_booking_device_input *in,
                             mg_booking_errors *errs, mg_diag *d)
{
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun équipement n'a ce numéro");
    mg_booking_errors local = {0};
    struct own_tx t = own_tx_of(by, errs, &local);
    t.id = id;
    t.in = in;
    return mg_db_transaction(db, MG_DB_TX_WRITE, device_put_own, &t, d);
}

struct get_tx {
    const char *sql;
    int64_t id;
    row_fn fill;
    void (*clear)(void *row);
    void *out;
};

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    if (t->clear)
        t->clear(t->out);
    return one_row(c, t->sql, MG_DB_PARAMS(MG_DB_INT(t->id)), t->fill, t->out, d);
}

static void device_clear_v(void *row)
{
    mg_booking_device_clear(row);
}

int mg_booking_device_get(mg_db *db, int64_t id, mg_booking_device *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    struct get_tx t = {DEVICE_SELECT "WHERE id = ?1", id, device_fill, device_clear_v, out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
    if (rc == MG_ENOTFOUND)
        mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun équipement n'a ce numéro");
    return rc;
}

static int device_list(mg_db *db, mg_db_conn *c, int64_t site_id, mg_booking_device **out,
                       size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct list_tx t = {
        .sql = DEVICE_SELECT "WHERE (?1 = 0 OR site_id = ?1) ORDER BY site_id, id",
        .p = MG_DB_PARAMS(MG_DB_INT(site_id > 0 ? site_id : 0)),
        .size = sizeof(mg_booking_device),
        .fill = device_fill,
        .clear = device_clear_v,
    };
    return list_run(db, c, &t, list_body, (void **)out, n, d);
}

int mg_booking_device_list(mg_db *db, int64_t site_id, mg_booking_device **out, size_t *n,
                           mg_diag *d)
{
    return device_list(db, NULL, site_id, out, n, d);
}

int mg_booking_device_list_on(mg_db_conn *c, int64_t site_id, mg_booking_device **out, size_t *n,
                              mg_diag *d)
{
    return device_list(NULL, c, site_id, out, n, d);
}

/* --- Assistants -------------------------------------------------------------------------------- */

void mg_booking_assistants_free(mg_booking_assistant *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].availability);
    free(v);
}

static void assistant_fill(const mg_db_stmt *q, void *out)
{
    mg_booking_assistant *a = out;
    memset(a, 0, sizeof *a);
    a->id = mg_db_column_int64(q, 0);
    a->site_id = mg_db_column_int64(q, 1);
    mg_db_column_copy(q, 2, a->label, sizeof a->label);
    a->availability = dup_text(q, 3);
    a->active = mg_db_column_int64(q, 4) != 0;
}

static void assistant_clear_v(void *row)
{
    mg_booking_assistant *a = row;
    free(a->availability);
    a->availability = NULL;
}

struct assistant_tx {
    int64_t by, id, site_id;
    const char *label, *availability;
    bool active;
    mg_booking_errors *errs;
    size_t errs0;
    int64_t id_out;
};

static int assistant_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct assistant_tx *t = ctx;
    t->errs->n = t->errs0;
    t->id_out = 0;
    mg_booking_assistant old = {0};
    int rc;
    int64_t site_id = t->site_id;
    if (t->id) {
        rc = one_row(c, "SELECT id, site_id, label, availability, active FROM booking_assistants "
                        "WHERE id = ?1",
                     MG_DB_PARAMS(MG_DB_INT(t->id)), assistant_fill, &old, d);
        if (rc == MG_ENOTFOUND)
            return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun assistant n'a ce numéro");
        if (rc < 0)
            return rc;
        site_id = old.site_id;
    } else {
        bool yes = false;
        rc = exists(c, "SELECT site_id FROM booking_sites WHERE site_id = ?1",
                    MG_DB_PARAMS(MG_DB_INT(site_id)), &yes, d);
        if (rc < 0)
            return rc;
        if (!yes) {
            mg_booking_errors_add(t->errs, "site_id", "aucun lieu de téléconsultation n'a ce numéro");
            return mg_booking_refuse(t->errs, d);
        }
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        goto out;
    if (t->id)
        rc = mg_db_run(c,
                       "UPDATE booking_assistants SET label = ?2, availability = ?3, active = ?4, "
                       "updated_at = ?5 WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(t->label),
                                    MG_DB_TEXT(t->availability), MG_DB_INT(t->active),
                                    MG_DB_TEXT(now)),
                       NULL, d);
    else
        rc = mg_db_query_int(c,
                             "INSERT INTO booking_assistants (site_id, label, availability, "
                             "active, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
                             "RETURNING id",
                             MG_DB_PARAMS(MG_DB_INT(site_id), MG_DB_TEXT(t->label),
                                          MG_DB_TEXT(t->availability), MG_DB_INT(t->active),
                                          MG_DB_TEXT(now)),
                             &t->id_out, d);
    if (rc < 0)
        goto out;
    bool create = t->id == 0;
    int64_t id = create ? t->id_out : t->id;
    changes ch = {0};
    char nb[24];
    int_text(nb, site_id);
    if (create)
        change(&ch, "site_id", NULL, nb);
    change(&ch, "label", create ? NULL : old.label, t->label);
    change(&ch, "availability", old.availability, t->availability);
    change(&ch, "active", create ? NULL : old.active ? "1" : "0", t->active ? "1" : "0");
    rc = ch.n == 0 ? 0
                   : mg_booking_audit(c, t->by, site_id, "booking_assistant", id,
                                      create ? "create" : "update", changes_array(&ch), ch.n, d);
out:
    assistant_clear_v(&old);
    return rc;
}

int mg_booking_assistant_put_on(mg_db_conn *c, int64_t by, int64_t id, int64_t site_id,
                                const char *label, const char *availability, bool active,
                                int64_t *id_out, mg_booking_errors *errs, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    mg_booking_errors local = {0};
    if (!errs)
        errs = &local;
    size_t errs0 = errs->n;
    check_label(errs, "label", label, 1, MG_BOOKING_LABEL_MAX_CHARS);
    check_hours(errs, "availability", availability, true);
    if (!id && site_id <= 0)
        mg_booking_errors_add(errs, "site_id", "lieu de téléconsultation attendu");
    if (errs->n > errs0)
        return mg_booking_refuse(errs, d);
    struct assistant_tx t = {by, id, site_id, label, availability, active, errs, errs0, 0};
    int rc = assistant_body(c, &t, d);
    if (rc == 0 && id_out)
        *id_out = id ? id : t.id_out;
    return rc;
}

static int assistant_put_own(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct own_tx *t = ctx;
    t->errs->n = t->errs0;
    return mg_booking_assistant_put_on(c, t->by, t->id, t->site_id, t->label, t->text, t->active,
                                       t->id_out, t->errs, d);
}

int mg_booking_assistant_put(mg_db *db, int64_t by, int64_t id, int64_t site_id,
                             const char *label, const char *availability, bool active,
                             int64_t *id_out, mg_booking_errors *errs, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    mg_booking_errors local = {0};
    struct own_tx t = own_tx_of(by, errs, &local);
    t.id = id;
    t.site_id = site_id;
    t.label = label;
    t.text = availability;
    t.active = active;
    t.id_out = id_out;
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, assistant_put_own, &t, d);
    if (rc && id_out)
        *id_out = 0;
    return rc;
}

static int assistant_list(mg_db *db, mg_db_conn *c, int64_t site_id, mg_booking_assistant **out,
                          size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct list_tx t = {
        .sql = "SELECT id, site_id, label, availability, active FROM booking_assistants "
               "WHERE (?1 = 0 OR site_id = ?1) ORDER BY site_id, id",
        .p = MG_DB_PARAMS(MG_DB_INT(site_id > 0 ? site_id : 0)),
        .size = sizeof(mg_booking_assistant),
        .fill = assistant_fill,
        .clear = assistant_clear_v,
    };
    return list_run(db, c, &t, list_body, (void **)out, n, d);
}

int mg_booking_assistant_list(mg_db *db, int64_t site_id, mg_booking_assistant **out, size_t *n,
                              mg_diag *d)
{
    return assistant_list(db, NULL, site_id, out, n, d);
}

int mg_booking_assistant_list_on(mg_db_conn *c, int64_t site_id, mg_booking_assistant **out,
                                 size_t *n, mg_diag *d)
{
    return assistant_list(NULL, c, site_id, out, n, d);
}

/* --- Teleconsultants --------------------------------------------------------------------------- */

void mg_booking_teleconsultant_clear(mg_booking_teleconsultant *t)
{
    if (!t)
        return;
    free(t->availability);
    free(t->site_ids);
    t->availability = NULL;
    t->site_ids = NULL;
    t->nsites = 0;
}

void mg_booking_teleconsultants_free(mg_booking_teleconsultant *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        mg_booking_teleconsultant_clear(&v[i]);
    free(v);
}

#define TC_SELECT                                                                               \
    "SELECT t.id, t.organisation_id, t.owner_id, t.label, o.name, t.availability, "           \
    "t.feed_hash IS NOT NULL, t.active FROM booking_teleconsultants t "                         \
    "JOIN organisations o ON o.id = t.organisation_id "

static void tc_fill(const mg_db_stmt *q, void *out)
{
    mg_booking_teleconsultant *t = out;
    memset(t, 0, sizeof *t);
    t->id = mg_db_column_int64(q, 0);
    t->organisation_id = mg_db_column_int64(q, 1);
    t->owner_id = mg_db_column_int64(q, 2);
    mg_db_column_copy(q, 3, t->label, sizeof t->label);
    mg_db_column_copy(q, 4, t->org_name, sizeof t->org_name);
    t->availability = dup_text(q, 5);
    t->has_feed = mg_db_column_int64(q, 6) != 0;
    t->active = mg_db_column_int64(q, 7) != 0;
}

/* Reads the kinds and sites of t on c. */
static int tc_details(mg_db_conn *c, mg_booking_teleconsultant *t, mg_diag *d)
{
    t->nkinds = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT kind, duration_min FROM booking_teleconsultant_kinds "
                                "WHERE teleconsultant_id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    mg_booking_tc_kind all[MG_BOOKING_KINDS];
    bool has[MG_BOOKING_KINDS] = {0};
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        mg_booking_kind k;
        const char *ks = mg_db_column_text(q, 0);
        if (ks && mg_booking_kind_parse(ks, &k) == 0) {
            has[k] = true;
            all[k] = (mg_booking_tc_kind){k, (int)mg_db_column_int64(q, 1)};
        }
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    for (int k = 0; k < MG_BOOKING_KINDS && t->nkinds < MG_BOOKING_KINDS_MAX; k++)
        if (has[k])
            t->kinds[t->nkinds++] = all[k];
    free(t->site_ids);
    t->site_ids = NULL;
    t->nsites = 0;
    size_t cap = 0;
    q = NULL;
    rc = mg_db_prepare_with(c,
                            "SELECT site_id FROM booking_teleconsultant_sites "
                            "WHERE teleconsultant_id = ?1 ORDER BY site_id",
                            MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        if (t->nsites == cap) {
            size_t nc = cap ? cap * 2 : 8;
            int64_t *nv = realloc(t->site_ids, nc * sizeof *nv);
            if (!nv) {
                rc = OOM(d);
                break;
            }
            t->site_ids = nv;
            cap = nc;
        }
        t->site_ids[t->nsites++] = mg_db_column_int64(q, 0);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

/* "gp:20,followup:15" */
static void kinds_text(const mg_booking_tc_kind *k, size_t n, char out[static 128])
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < 100; i++)
        o += (size_t)snprintf(out + o, 128 - o, "%s%s:%d", i ? "," : "",
                              mg_booking_kind_key(k[i].kind), k[i].duration_min);
}

/* "1,2,3" (malloc), sorted ids. */
static char *ids_text(const int64_t *ids, size_t n)
{
    size_t cap = n * 21 + 1;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    size_t o = 0;
    s[0] = '\0';
    for (size_t i = 0; i < n && o < cap; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s%lld", i ? "," : "", (long long)ids[i]);
    return s;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

struct tc_tx {
    int64_t by, id; /* id 0: add */
    const mg_booking_teleconsultant_input *in;
    int what;       /* 0: everything, 1: availability only */
    const char *availability;
    mg_booking_tc_kind kinds[MG_BOOKING_KINDS_MAX];
    size_t nkinds;
    int64_t *sites; /* sorted, distinct */
    size_t nsites;
    mg_booking_errors *errs;
    size_t errs0;
    int64_t id_out;
};

static int tc_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct tc_tx *t = ctx;
    t->errs->n = t->errs0;
    t->id_out = 0;
    const mg_booking_teleconsultant_input *in = t->in;
    mg_booking_teleconsultant old = {0};
    char *old_sites = NULL, *new_sites = NULL;
    int rc = 0;
    bool create = t->id == 0;
    int64_t org = 0, owner = 0;
    if (!create) {
        rc = one_row(c, TC_SELECT "WHERE t.id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)), tc_fill, &old,
                     d);
        if (rc == MG_ENOTFOUND)
            return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun téléconsultant n'a ce numéro");
        if (rc < 0)
            return rc;
        if ((rc = tc_details(c, &old, d)) < 0)
            goto out;
        org = old.organisation_id;
        owner = old.owner_id;
    } else {
        org = in->organisation_id;
        owner = in->owner_id;
        bool yes = false;
        rc = exists(c, "SELECT id FROM organisations WHERE id = ?1", MG_DB_PARAMS(MG_DB_INT(org)),
                    &yes, d);
        if (rc < 0)
            goto out;
        if (!yes)
            mg_booking_errors_add(t->errs, "organisation_id", "aucune organisation n'a ce numéro");
        rc = exists(c, "SELECT id FROM organisations WHERE id = ?1",
                    MG_DB_PARAMS(MG_DB_INT(owner)), &yes, d);
        if (rc < 0)
            goto out;
        if (!yes)
            mg_booking_errors_add(t->errs, "owner_id", "aucune organisation n'a ce numéro");
    }
    if (t->what == 0) {
        /* Every site must be of the owner's network. */
        for (size_t i = 0; i < t->nsites; i++) {
            bool yes = false;
            rc = exists(c, "SELECT site_id FROM booking_sites WHERE site_id = ?1 AND owner_id = ?2",
                        MG_DB_PARAMS(MG_DB_INT(t->sites[i]), MG_DB_INT(owner)), &yes, d);
            if (rc < 0)
                goto out;
            if (!yes) {
                mg_booking_errors_add(t->errs, "sites",
                                      "le lieu n° %lld n'est pas un lieu de ce réseau",
                                      (long long)t->sites[i]);
                break;
            }
        }
    }
    if (t->errs->n > t->errs0) {
        rc = mg_booking_refuse(t->errs, d);
        goto out;
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        goto out;
    if (create)
        rc = mg_db_query_int(c,
                             "INSERT INTO booking_teleconsultants (organisation_id, owner_id, "
                             "label, availability, active, created_at, updated_at) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id",
                             MG_DB_PARAMS(MG_DB_INT(org), MG_DB_INT(owner), MG_DB_TEXT(in->label),
                                          MG_DB_TEXT(t->availability), MG_DB_INT(in->active),
                                          MG_DB_TEXT(now)),
                             &t->id_out, d);
    else if (t->what == 0)
        rc = mg_db_run(c,
                       "UPDATE booking_teleconsultants SET label = ?2, availability = ?3, "
                       "active = ?4, updated_at = ?5 WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(in->label),
                                    MG_DB_TEXT(t->availability), MG_DB_INT(in->active),
                                    MG_DB_TEXT(now)),
                       NULL, d);
    else
        rc = mg_db_run(c,
                       "UPDATE booking_teleconsultants SET availability = ?2, updated_at = ?3 "
                       "WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(t->availability),
                                    MG_DB_TEXT(now)),
                       NULL, d);
    if (rc < 0)
        goto out;
    int64_t id = create ? t->id_out : t->id;
    if (t->what == 0) {
        if (!create) {
            rc = mg_db_run(c, "DELETE FROM booking_teleconsultant_kinds WHERE teleconsultant_id = ?1",
                           MG_DB_PARAMS(MG_DB_INT(id)), NULL, d);
            if (rc == 0)
                rc = mg_db_run(c,
                               "DELETE FROM booking_teleconsultant_sites WHERE teleconsultant_id = ?1",
                               MG_DB_PARAMS(MG_DB_INT(id)), NULL, d);
        }
        for (size_t i = 0; rc == 0 && i < t->nkinds; i++)
            rc = mg_db_run(c,
                           "INSERT INTO booking_teleconsultant_kinds (teleconsultant_id, kind, "
                           "duration_min) VALUES (?1, ?2, ?3)",
                           MG_DB_PARAMS(MG_DB_INT(id),
                                        MG_DB_TEXT(mg_booking_kind_key(t->kinds[i].kind)),
                                        MG_DB_INT(t->kinds[i].duration_min)),
                           NULL, d);
        for (size_t i = 0; rc == 0 && i < t->nsites; i++)
            rc = mg_db_run(c,
                           "INSERT INTO booking_teleconsultant_sites (teleconsultant_id, site_id) "
                           "VALUES (?1, ?2)",
                           MG_DB_PARAMS(MG_DB_INT(id), MG_DB_INT(t->sites[i])), NULL, d);
        if (rc < 0)
            goto out;
    }
    changes ch = {0};
    char ob[24], ow[24], ok[128], nk[128];
    int_text(ob, org);
    int_text(ow, owner);
    if (create) {
        change(&ch, "organisation_id", NULL, ob);
        change(&ch, "owner_id", NULL, ow);
    }
    change(&ch, "availability", old.availability, t->availability);
    if (t->what == 0) {
        change(&ch, "label", create ? NULL : old.label, in->label);
        kinds_text(old.kinds, old.nkinds, ok);
        kinds_text(t->kinds, t->nkinds, nk);
        change(&ch, "kinds", create ? NULL : ok, nk);
        old_sites = ids_text(old.site_ids, old.nsites);
        new_sites = ids_text(t->sites, t->nsites);
        if (!old_sites || !new_sites) {
            rc = OOM(d);
            goto out;
        }
        change(&ch, "sites", create ? NULL : old_sites, new_sites);
        change(&ch, "active", create ? NULL : old.active ? "1" : "0", in->active ? "1" : "0");
    }
    rc = ch.n == 0 ? 0
                   : mg_booking_audit(c, t->by, org, "booking_teleconsultant", id,
                                      create ? "create" : "update", changes_array(&ch), ch.n, d);
out:
    free(old_sites);
    free(new_sites);
    mg_booking_teleconsultant_clear(&old);
    return rc;
}

/* Checks in (everything but the database) into t. */
static void tc_check(struct tc_tx *t, const mg_booking_teleconsultant_input *in)
{
    mg_booking_errors *errs = t->errs;
    check_label(errs, "label", in->label, 1, MG_BOOKING_LABEL_MAX_CHARS);
    if (in->nkinds == 0 || in->nkinds > MG_BOOKING_KINDS_MAX)
        mg_booking_errors_add(errs, "kinds", "au moins un type de consultation");
    bool seen[MG_BOOKING_KINDS] = {0};
    for (size_t i = 0; i < in->nkinds && i < MG_BOOKING_KINDS_MAX; i++) {
        mg_booking_kind k = in->kinds[i].kind;
        if ((int)k < 0 || k >= MG_BOOKING_KINDS) {
            mg_booking_errors_add(errs, "kinds", "type de consultation inconnu");
            continue;
        }
        if (seen[k]) {
            mg_booking_errors_add(errs, "kinds", "« %s » donné deux fois",
                                  mg_booking_kind_label(k));
            continue;
        }
        seen[k] = true;
        int dm = in->kinds[i].duration_min;
        if (dm < 5 || dm > MG_BOOKING_DURATION_MAX_MIN || dm % 5 != 0) {
            char field[48];
            snprintf(field, sizeof field, "duration_%s", mg_booking_kind_key(k));
            mg_booking_errors_add(errs, field,
                                  "durée en minutes : un multiple de 5 de 5 à %d",
                                  (int)MG_BOOKING_DURATION_MAX_MIN);
            continue;
        }
        t->kinds[t->nkinds++] = in->kinds[i];
    }
    if (in->nsites > MG_BOOKING_SITES_MAX)
        mg_booking_errors_add(errs, "sites", "%d lieux au plus", (int)MG_BOOKING_SITES_MAX);
    else if (in->nsites > 0) {
        t->sites = malloc(in->nsites * sizeof *t->sites);
        if (t->sites) {
            memcpy(t->sites, in->site_ids, in->nsites * sizeof *t->sites);
            qsort(t->sites, in->nsites, sizeof *t->sites, cmp_id);
            size_t n = 0;
            for (size_t i = 0; i < in->nsites; i++)
                if (n == 0 || t->sites[n - 1] != t->sites[i])
                    t->sites[n++] = t->sites[i];
            t->nsites = n;
        }
    }
}

static int tc_put_on(mg_db_conn *c, struct tc_tx *t, mg_diag *d)
{
    int rc;
    if (t->errs->n > t->errs0)
        rc = mg_booking_refuse(t->errs, d);
    else if (t->what == 0 && t->in->nsites > 0 && !t->sites)
        rc = OOM(d);
    else
        rc = tc_body(c, t, d);
    free(t->sites);
    t->sites = NULL;
    return rc;
}

int mg_booking_teleconsultant_add_on(mg_db_conn *c, int64_t by,
                                     const mg_booking_teleconsultant_input *in, int64_t *id_out,
                                     mg_booking_errors *errs, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    mg_booking_errors local = {0};
    if (!errs)
        errs = &local;
    struct tc_tx t = {.by = by, .in = in, .availability = in->availability, .errs = errs,
                      .errs0 = errs->n};
    if (in->organisation_id <= 0)
        mg_booking_errors_add(errs, "organisation_id", "organisation du téléconsultant attendue");
    check_hours(errs, "availability", in->availability, true);
    tc_check(&t, in);
    int rc = tc_put_on(c, &t, d);
    if (rc == 0 && id_out)
        *id_out = t.id_out;
    return rc;
}

int mg_booking_teleconsultant_update_on(mg_db_conn *c, int64_t by, int64_t id,
                                        const mg_booking_teleconsultant_input *in,
                                        mg_booking_errors *errs, mg_diag *d)
{
    mg_booking_errors local = {0};
    if (!errs)
        errs = &local;
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun téléconsultant n'a ce numéro");
    struct tc_tx t = {.by = by, .id = id, .in = in, .availability = in->availability,
                      .errs = errs, .errs0 = errs->n};
    check_hours(errs, "availability", in->availability, true);
    tc_check(&t, in);
    return tc_put_on(c, &t, d);
}

static int tc_set_availability_on(mg_db_conn *c, int64_t by, int64_t id, const char *availability,
                                  mg_booking_errors *errs, mg_diag *d)
{
    mg_booking_errors local = {0};
    if (!errs)
        errs = &local;
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun téléconsultant n'a ce numéro");
    mg_booking_teleconsultant_input none = {0};
    struct tc_tx t = {.by = by, .id = id, .in = &none, .what = 1, .availability = availability,
                      .errs = errs, .errs0 = errs->n};
    check_hours(errs, "availability", availability, true);
    return tc_put_on(c, &t, d);
}

enum { TC_ADD, TC_UPDATE, TC_AVAILABILITY };

static int tc_own(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct own_tx *t = ctx;
    t->errs->n = t->errs0;
    if (t->site_id == TC_ADD)
        return mg_booking_teleconsultant_add_on(c, t->by, t->in, t->id_out, t->errs, d);
    if (t->site_id == TC_UPDATE)
        return mg_booking_teleconsultant_update_on(c, t->by, t->id, t->in, t->errs, d);
    return tc_set_availability_on(c, t->by, t->id, t->text, t->errs, d);
}

/* One of the three in its own write transaction (site_id says which). */
static int tc_own_run(mg_db *db, int what, int64_t by, int64_t id,
                      const mg_booking_teleconsultant_input *in, const char *availability,
                      int64_t *id_out, mg_booking_errors *errs, mg_diag *d)
{
    mg_booking_errors local = {0};
    struct own_tx t = own_tx_of(by, errs, &local);
    t.site_id = what;
    t.id = id;
    t.in = in;
    t.text = availability;
    t.id_out = id_out;
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, tc_own, &t, d);
    if (rc && id_out)
        *id_out = 0;
    return rc;
}

int mg_booking_teleconsultant_add(mg_db *db, int64_t by, const mg_booking_teleconsultant_input *in,
                                  int64_t *id_out, mg_booking_errors *errs, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    return tc_own_run(db, TC_ADD, by, 0, in, NULL, id_out, errs, d);
}

int mg_booking_teleconsultant_update(mg_db *db, int64_t by, int64_t id,
                                     const mg_booking_teleconsultant_input *in,
                                     mg_booking_errors *errs, mg_diag *d)
{
    return tc_own_run(db, TC_UPDATE, by, id, in, NULL, NULL, errs, d);
}

int mg_booking_teleconsultant_set_availability(mg_db *db, int64_t by, int64_t id,
                                               const char *availability, mg_booking_errors *errs,
                                               mg_diag *d)
{
    return tc_own_run(db, TC_AVAILABILITY, by, id, NULL, availability, NULL, errs, d);
}

struct tc_get_tx {
    int64_t id;
    mg_booking_teleconsultant *out;
};

static int tc_get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct tc_get_tx *t = ctx;
    mg_booking_teleconsultant_clear(t->out);
    int rc = one_row(c, TC_SELECT "WHERE t.id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)), tc_fill,
                     t->out, d);
    if (rc == 0)
        rc = tc_details(c, t->out, d);
    return rc;
}

int mg_booking_teleconsultant_get(mg_db *db, int64_t id, mg_booking_teleconsultant *out,
                                  mg_diag *d)
{
    memset(out, 0, sizeof *out);
    struct tc_get_tx t = {id, out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, tc_get_body, &t, d);
    if (rc == MG_ENOTFOUND)
        mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun téléconsultant n'a ce numéro");
    if (rc < 0)
        mg_booking_teleconsultant_clear(out);
    return rc;
}

static void tc_clear_v(void *row)
{
    mg_booking_teleconsultant_clear(row);
}

static int tc_list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    int rc = list_body(c, ctx, d);
    for (size_t i = 0; rc == 0 && i < t->n; i++)
        rc = tc_details(c, (mg_booking_teleconsultant *)t->v + i, d);
    return rc;
}

static int tc_list(mg_db *db, mg_db_conn *c, int64_t organisation_id, int64_t owner_id,
                   int64_t site_id, mg_booking_teleconsultant **out, size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct list_tx t = {
        .sql = TC_SELECT "WHERE (?1 = 0 OR t.organisation_id = ?1) AND (?2 = 0 OR t.owner_id = ?2) "
                         "AND (?3 = 0 OR EXISTS (SELECT 1 FROM booking_teleconsultant_sites ts "
                         "WHERE ts.teleconsultant_id = t.id AND ts.site_id = ?3)) "
                         "ORDER BY t.label, t.id",
        .p = MG_DB_PARAMS(MG_DB_INT(organisation_id > 0 ? organisation_id : 0),
                          MG_DB_INT(owner_id > 0 ? owner_id : 0),
                          MG_DB_INT(site_id > 0 ? site_id : 0)),
        .size = sizeof(mg_booking_teleconsultant),
        .fill = tc_fill,
        .clear = tc_clear_v,
    };
    return list_run(db, c, &t, tc_list_body, (void **)out, n, d);
}

int mg_booking_teleconsultant_list(mg_db *db, int64_t organisation_id, int64_t owner_id,
                                   int64_t site_id, mg_booking_teleconsultant **out, size_t *n,
                                   mg_diag *d)
{
    return tc_list(db, NULL, organisation_id, owner_id, site_id, out, n, d);
}

int mg_booking_teleconsultant_list_on(mg_db_conn *c, int64_t organisation_id, int64_t owner_id,
                                      int64_t site_id, mg_booking_teleconsultant **out, size_t *n,
                                      mg_diag *d)
{
    return tc_list(NULL, c, organisation_id, owner_id, site_id, out, n, d);
}

/* --- The calendar feed's secret ------------------------------------------------------------------ */

static void token_hash(const char *token, char out[static 65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, h, sizeof h);
}

struct feed_tx {
    int64_t by, id;
    const char *hash;
};

static int feed_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct feed_tx *t = ctx;
    int64_t org = 0;
    int rc = mg_db_query_int(c, "SELECT organisation_id FROM booking_teleconsultants WHERE id = ?1",
                             MG_DB_PARAMS(MG_DB_INT(t->id)), &org, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucun téléconsultant n'a ce numéro");
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c, "UPDATE booking_teleconsultants SET feed_hash = ?2, updated_at = ?3 "
                      "WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_TEXT(t->hash), MG_DB_TEXT(now)), NULL, d);
    if (rc < 0)
        return rc;
    /* The secret itself is never written to the trail, nor its hash. */
    mg_audit_change ch[] = {{"feed", NULL, "renewed", false}};
    return mg_booking_audit(c, t->by, org, "booking_teleconsultant", t->id, "feed_renew", ch, 1, d);
}

int mg_booking_feed_token_new(mg_db *db, int64_t by, int64_t teleconsultant_id,
                              char token[static 44], mg_diag *d)
{
    token[0] = '\0';
    if (sodium_init() < 0)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "libsodium cannot start");
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    char tok[44];
    sodium_bin2base64(tok, sizeof tok, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    char hash[65];
    token_hash(tok, hash);
    struct feed_tx t = {by, teleconsultant_id, hash};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, feed_body, &t, d);
    if (rc == 0)
        memcpy(token, tok, 44);
    sodium_memzero(tok, sizeof tok);
    return rc;
}

struct lookup_tx {
    const char *hash;
    int64_t id;
};

static int lookup_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct lookup_tx *t = ctx;
    return mg_db_query_int(c, "SELECT id FROM booking_teleconsultants WHERE feed_hash = ?1",
                           MG_DB_PARAMS(MG_DB_TEXT(t->hash)), &t->id, d);
}

int mg_booking_feed_lookup(mg_db *db, const char *token, int64_t *teleconsultant_id, mg_diag *d)
{
    *teleconsultant_id = 0;
    if (!token || strlen(token) != 43 || strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                       "abcdefghijklmnopqrstuvwxyz0123456789-_") != 43)
        return MG_ENOTFOUND;
    char hash[65];
    token_hash(token, hash);
    struct lookup_tx t = {hash, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, lookup_body, &t, d);
    if (rc == 0)
        *teleconsultant_id = t.id;
    return rc;
}

/* --- Exceptions ---------------------------------------------------------------------------------- */

static void exception_fill(const mg_db_stmt *q, void *out)
{
    mg_booking_exception *e = out;
    memset(e, 0, sizeof *e);
    e->id = mg_db_column_int64(q, 0);
    mg_booking_resource r = MG_BOOKING_RES_SITE;
    const char *rs = mg_db_column_text(q, 1);
    if (rs && mg_booking_resource_parse(rs, &r) == 0)
        e->resource = r;
    e->resource_id = mg_db_column_int64(q, 2);
    e->from = mg_db_column_int64(q, 3);
    e->to = mg_db_column_int64(q, 4);
    mg_booking_reason why = MG_BOOKING_CLOSURE;
    const char *ws = mg_db_column_text(q, 5);
    if (ws && mg_booking_reason_parse(ws, &why) == 0)
        e->reason = why;
    mg_db_column_copy(q, 6, e->label, sizeof e->label);
}

#define EXCEPTION_SELECT \
    "SELECT id, resource, resource_id, starts_at, ends_at, reason, label FROM booking_exceptions "

/* The organisation an exception's audit entry goes to: the site of a
 * site, device or assistant; the teleconsultant's organisation.
 * MG_ENOTFOUND when the resource does not exist. */
static int resource_org(mg_db_conn *c, mg_booking_resource r, int64_t id, int64_t *org, mg_diag *d)
{
    static const char *const sql[] = {
        [MG_BOOKING_RES_SITE] = "SELECT site_id FROM booking_sites WHERE site_id = ?1",
        [MG_BOOKING_RES_DEVICE] = "SELECT site_id FROM booking_devices WHERE id = ?1",
        [MG_BOOKING_RES_TELECONSULTANT] =
            "SELECT organisation_id FROM booking_teleconsultants WHERE id = ?1",
        [MG_BOOKING_RES_ASSISTANT] = "SELECT site_id FROM booking_assistants WHERE id = ?1",
    };
    if ((int)r < 0 || r >= MG_BOOKING_RESOURCES)
        return MG_ENOTFOUND;
    return mg_db_query_int(c, sql[r], MG_DB_PARAMS(MG_DB_INT(id)), org, d);
}

struct exception_tx {
    int64_t by;
    const mg_booking_exception *in;
    mg_booking_errors *errs;
    size_t errs0;
    int64_t id_out;
};

static int exception_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct exception_tx *t = ctx;
    t->errs->n = t->errs0;
    t->id_out = 0;
    const mg_booking_exception *in = t->in;
    int64_t org = 0;
    int rc = resource_org(c, in->resource, in->resource_id, &org, d);
    if (rc == MG_ENOTFOUND) {
        mg_booking_errors_add(t->errs, "resource_id", "aucun(e) %s n'a ce numéro",
                              mg_booking_resource_key(in->resource));
        return mg_booking_refuse(t->errs, d);
    }
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO booking_exceptions (resource, resource_id, starts_at, ends_at, "
                         "is_open, reason, label, created_by, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                         MG_DB_PARAMS(MG_DB_TEXT(mg_booking_resource_key(in->resource)),
                                      MG_DB_INT(in->resource_id), MG_DB_INT(in->from),
                                      MG_DB_INT(in->to), MG_DB_INT(in->reason == MG_BOOKING_OPENING),
                                      MG_DB_TEXT(mg_booking_reason_key(in->reason)),
                                      MG_DB_TEXT(in->label),
                                      t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL, MG_DB_TEXT(now)),
                         &t->id_out, d);
    if (rc < 0)
        return rc;
    char rid[24], from[24], to[24];
    int_text(rid, in->resource_id);
    int_text(from, in->from);
    int_text(to, in->to);
    mg_audit_change ch[] = {
        {"resource", NULL, mg_booking_resource_key(in->resource), false},
        {"resource_id", NULL, rid, false},
        {"starts_at", NULL, from, false},
        {"ends_at", NULL, to, false},
        {"reason", NULL, mg_booking_reason_key(in->reason), false},
        {"label", NULL, in->label, false},
    };
    return mg_booking_audit(c, t->by, org, "booking_exception", t->id_out, "create", ch,
                            in->label[0] ? 6 : 5, d);
}

int mg_booking_exception_add(mg_db *db, int64_t by, const mg_booking_exception *in,
                             int64_t *id_out, mg_booking_errors *errs, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    mg_booking_errors local = {0};
    if (!errs)
        errs = &local;
    size_t errs0 = errs->n;
    if ((int)in->resource < 0 || in->resource >= MG_BOOKING_RESOURCES)
        mg_booking_errors_add(errs, "resource", "lieu, équipement, téléconsultant ou assistant");
    if (in->to <= in->from)
        mg_booking_errors_add(errs, "to", "la fin doit suivre le début");
    else if (in->to - in->from > 527040)
        mg_booking_errors_add(errs, "to", "une année au plus");
    if ((int)in->reason < 0 || in->reason >= MG_BOOKING_REASONS)
        mg_booking_errors_add(errs, "reason", "motif inconnu");
    else if (in->reason == MG_BOOKING_MAINTENANCE && in->resource != MG_BOOKING_RES_DEVICE)
        mg_booking_errors_add(errs, "reason", "la maintenance ne concerne qu'un équipement");
    check_label(errs, "label", in->label, 0, MG_BOOKING_LABEL_MAX_CHARS);
    if (errs->n > errs0)
        return mg_booking_refuse(errs, d);
    struct exception_tx t = {by, in, errs, errs0, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, exception_body, &t, d);
    if (rc == 0 && id_out)
        *id_out = t.id_out;
    return rc;
}

struct exception_delete_tx {
    int64_t by, id;
};

static int exception_delete_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct exception_delete_tx *t = ctx;
    mg_booking_exception e;
    int rc = one_row(c, EXCEPTION_SELECT "WHERE id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)),
                     exception_fill, &e, d);
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucune exception n'a ce numéro");
    if (rc < 0)
        return rc;
    int64_t org = 0;
    rc = resource_org(c, e.resource, e.resource_id, &org, d);
    if (rc < 0 && rc != MG_ENOTFOUND)
        return rc;
    rc = mg_db_run(c, "DELETE FROM booking_exceptions WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->id)), NULL, d);
    if (rc < 0)
        return rc;
    char rid[24], from[24], to[24];
    int_text(rid, e.resource_id);
    int_text(from, e.from);
    int_text(to, e.to);
    mg_audit_change ch[] = {
        {"resource", mg_booking_resource_key(e.resource), NULL, false},
        {"resource_id", rid, NULL, false},
        {"starts_at", from, NULL, false},
        {"ends_at", to, NULL, false},
        {"reason", mg_booking_reason_key(e.reason), NULL, false},
    };
    return mg_booking_audit(c, t->by, org, "booking_exception", t->id, "delete", ch, 5, d);
}

int mg_booking_exception_delete(mg_db *db, int64_t by, int64_t id, mg_diag *d)
{
    struct exception_delete_tx t = {by, id};
    return mg_db_transaction(db, MG_DB_TX_WRITE, exception_delete_body, &t, d);
}

struct exception_end_tx {
    int64_t by, id, now;
    mg_booking_resource resource;
    int64_t resource_id;
    int outcome;
};

static int exception_end_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct exception_end_tx *t = ctx;
    t->outcome = 0;
    mg_booking_exception e;
    int rc = one_row(c, EXCEPTION_SELECT "WHERE id = ?1", MG_DB_PARAMS(MG_DB_INT(t->id)),
                     exception_fill, &e, d);
    if (rc == 0 && (e.resource != t->resource || e.resource_id != t->resource_id))
        rc = MG_ENOTFOUND; /* another resource's: as unknown */
    if (rc == MG_ENOTFOUND)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucune exception n'a ce numéro");
    if (rc < 0)
        return rc;
    if (e.to <= t->now)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "cette exception est déjà terminée");
    int64_t org = 0;
    rc = resource_org(c, e.resource, e.resource_id, &org, d);
    if (rc < 0 && rc != MG_ENOTFOUND)
        return rc;
    char rid[24], from[24], to[24], now[24];
    int_text(rid, e.resource_id);
    int_text(from, e.from);
    int_text(to, e.to);
    int_text(now, t->now);
    if (e.from < t->now) {
        /* Begun: it ends now, and what it did stays in the past figures. */
        rc = mg_db_run(c, "UPDATE booking_exceptions SET ends_at = ?2 WHERE id = ?1",
                       MG_DB_PARAMS(MG_DB_INT(t->id), MG_DB_INT(t->now)), NULL, d);
        if (rc < 0)
            return rc;
        mg_audit_change ch[] = {{"ends_at", to, now, false}};
        t->outcome = MG_BOOKING_EXCEPTION_ENDED;
        return mg_booking_audit(c, t->by, org, "booking_exception", t->id, "update", ch, 1, d);
    }
    rc = mg_db_run(c, "DELETE FROM booking_exceptions WHERE id = ?1",
                   MG_DB_PARAMS(MG_DB_INT(t->id)), NULL, d);
    if (rc < 0)
        return rc;
    mg_audit_change ch[] = {
        {"resource", mg_booking_resource_key(e.resource), NULL, false},
        {"resource_id", rid, NULL, false},
        {"starts_at", from, NULL, false},
        {"ends_at", to, NULL, false},
        {"reason", mg_booking_reason_key(e.reason), NULL, false},
    };
    t->outcome = MG_BOOKING_EXCEPTION_DELETED;
    return mg_booking_audit(c, t->by, org, "booking_exception", t->id, "delete", ch, 5, d);
}

int mg_booking_exception_end(mg_db *db, int64_t by, mg_booking_resource resource,
                             int64_t resource_id, int64_t id, int64_t now, int *outcome,
                             mg_diag *d)
{
    struct exception_end_tx t = {by, id, now, resource, resource_id, 0};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, exception_end_body, &t, d);
    if (outcome)
        *outcome = rc == 0 ? t.outcome : 0;
    return rc;
}

int mg_booking_exception_list(mg_db *db, mg_booking_resource resource, int64_t resource_id,
                              int64_t from, mg_booking_exception **out, size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct list_tx t = {
        .sql = EXCEPTION_SELECT "WHERE resource = ?1 AND resource_id = ?2 AND ends_at > ?3 "
                                "ORDER BY starts_at, id",
        .p = MG_DB_PARAMS(MG_DB_TEXT(mg_booking_resource_key(resource)), MG_DB_INT(resource_id),
                          MG_DB_INT(from)),
        .size = sizeof(mg_booking_exception),
        .fill = exception_fill,
    };
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc < 0) {
        list_reset(&t);
        return rc;
    }
    *out = t.v;
    *n = t.n;
    return 0;
}

int mg_booking_exception_get(mg_db *db, int64_t id, mg_booking_exception *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    struct get_tx t = {EXCEPTION_SELECT "WHERE id = ?1", id, exception_fill, NULL, out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
    if (rc == MG_ENOTFOUND)
        mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "aucune exception n'a ce numéro");
    return rc;
}
