/*
 * Slots read from the database (setup.h, last section): the rules of the
 * resources a slot needs (weekly hours, exceptions, claims of bookings)
 * loaded for a window, then computed by slots.h.
 *
 * A slot at site S, device D, teleconsultant T (and assistant A when D is
 * assisted) from t for T's duration of the kind is free when every minute
 * of [t, t + duration) is
 *   - open at S: S's structure opening_hours ∪ S's openings − S's closures;
 *   - open and free for D: D's opening_hours ∪ D's openings − D's
 *     closures (maintenance included) − D's claims; a device without hours
 *     of its own follows S's calendar (S's exceptions included): its own
 *     hours then count as always open, S's bound them;
 *   - available and free for T: its availability ∪ openings − absences −
 *     claims; T serves S (booking_teleconsultant_sites) and offers the kind;
 *   - for an assisted D, the same for one active assistant A of S;
 * and t lies on D's step grid (its step_min, or else the duration) in
 * Paris local time (slots.h).
 *
 * Busy intervals: a device's and a teleconsultant's come from their
 * bookings that are not cancelled, an assistant's from booking_claims. The
 * two agree by construction (a booking claims its units when it is made;
 * the trigger bookings_cancel_frees deletes them when it is cancelled, and
 * only then), so a cancelled booking's slot is free at once either way.
 * Bookings are read for the two resources every query touches by the
 * hundred because they give one row per booking through the indexes
 * bookings_device_time and bookings_teleconsultant_time, where the claims
 * give one row per 5-minute unit (six for a 30-minute consultation): the
 * query reads a sixth of the rows. bookings has no index on its assistant,
 * so assistants use the claims' primary key. The database's refusal of a
 * double booking stays the claims' doing (book.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "booking/booking.h"
#include "booking/internal.h"
#include "booking/setup.h"
#include "booking/slots.h"
#include "core/buf.h"
#include "directory/holidays.h"
#include "directory/opening_hours.h"

/* --- Rules of resources ---------------------------------------------------------------------- */

unsigned mg_booking_holiday_flags(const char *commune_code)
{
    if (commune_code && (strncmp(commune_code, "57", 2) == 0 ||
                         strncmp(commune_code, "67", 2) == 0 ||
                         strncmp(commune_code, "68", 2) == 0))
        return MG_HOLIDAYS_ALSACE_MOSELLE;
    return 0;
}

int mg_booking_hours_compile(const char *text, unsigned holiday_flags, mg_opening_hours **out,
                             mg_diag *d)
{
    *out = NULL;
    if (!text || !*text)
        return 0;
    return mg_opening_hours_parse(text, strlen(text), holiday_flags, out, d);
}

void mg_booking_rules_free(mg_booking_rules *r)
{
    if (!r)
        return;
    mg_spans_free(&r->openings);
    mg_spans_free(&r->closures);
    mg_spans_free(&r->busy);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The index of id in ids[0..n) (any order), or -1. Linear below 16, else
 * through a sorted copy. */
typedef struct id_index {
    int64_t *sorted; /* pairs (id, index) */
    size_t n;
} id_index;

static int id_index_make(id_index *x, const int64_t *ids, size_t n)
{
    x->n = n;
    x->sorted = malloc((n ? n : 1) * 2 * sizeof(int64_t));
    if (!x->sorted)
        return MG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        x->sorted[2 * i] = ids[i];
        x->sorted[2 * i + 1] = (int64_t)i;
    }
    qsort(x->sorted, n, 2 * sizeof(int64_t), cmp_i64);
    return 0;
}

static long id_index_find(const id_index *x, int64_t id)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x->sorted[2 * mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < x->n && x->sorted[2 * lo] == id ? (long)x->sorted[2 * lo + 1] : -1;
}

/* "1,2,3" into b. */
static int put_id_list(mg_buf *b, const int64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (mg_buf_printf(b, "%s%lld", i ? "," : "", (long long)ids[i]) < 0)
            return MG_ENOMEM;
    return 0;
}

int mg_booking_rules_spans(const mg_booking_rules *r, int64_t from, int64_t to, mg_spans *out)
{
    mg_booking_calendar cal = {
        .hours = r->hours,
        .openings = r->openings.v,
        .nopenings = r->openings.n,
        .closures = r->closures.v,
        .nclosures = r->closures.n,
        .busy = r->busy.v,
        .nbusy = r->busy.n,
    };
    return mg_booking_calendar_free(&cal, from, to, out);
}

/* out = a ∩ b (out distinct from both). */
static int intersect(const mg_spans *a, const mg_spans *b, mg_spans *out)
{
    mg_spans_clear(out);
    return mg_spans_intersect(a, b, out);
}

/* --- Whether one slot is free (in the booking's transaction) ----------------------------------- */

/* Compiled hours of one check, freed together. */
typedef struct check_state {
    mg_opening_hours *site_oh, *device_oh, *tc_oh;
    mg_opening_hours **assistant_oh;
    int64_t *assistant_ids;
    size_t nassistants;
    mg_booking_rules site, device, tc;
    mg_booking_rules *assistants;
    mg_spans a, b, e;
} check_state;

static void check_state_free(check_state *s)
{
    mg_opening_hours_free(s->site_oh);
    mg_opening_hours_free(s->device_oh);
    mg_opening_hours_free(s->tc_oh);
    for (size_t i = 0; i < s->nassistants; i++) {
        mg_opening_hours_free(s->assistant_oh ? s->assistant_oh[i] : NULL);
        if (s->assistants)
            mg_booking_rules_free(&s->assistants[i]);
    }
    free(s->assistant_oh);
    free(s->assistant_ids);
    free(s->assistants);
    mg_booking_rules_free(&s->site);
    mg_booking_rules_free(&s->device);
    mg_booking_rules_free(&s->tc);
    mg_spans_free(&s->a);
    mg_spans_free(&s->b);
    mg_spans_free(&s->e);
}

/* Whether [from, to) is free in r (via the scratch spans of s). */
static int rules_cover(check_state *s, const mg_booking_rules *r, int64_t from, int64_t to,
                       bool *yes)
{
    mg_spans_clear(&s->e);
    if (mg_booking_rules_spans(r, from, to, &s->e))
        return MG_ENOMEM;
    *yes = mg_spans_cover(&s->e, from, to);
    return 0;
}

static int why_not(char why[static 256], const char *msg)
{
    snprintf(why, 256, "%s", msg);
    return 0;
}

/* The index of assistant id in s (by id, as read), or -1. */
static long check_assistant(const check_state *s, int64_t id)
{
    for (size_t k = 0; k < s->nassistants; k++)
        if (s->assistant_ids[k] == id)
            return (long)k;
    return -1;
}

/*
 * Loads the rules over [start, end) of the site, device and teleconsultant
 * of a check (and, for an assisted device, the site's active assistants
 * with their rules) in one statement, one round trip on PostgreSQL where
 * mg_booking_rules_load took two per resource: rows tagged 0, 1, 2 are the
 * exceptions of the site, the device and the teleconsultant; 3 the
 * assistants (by id, with their availability); 4 and 5 the bookings of the
 * device and the teleconsultant that are not cancelled; 6 and 7 the
 * exceptions and the claims of the assistants. Ordered by tag, so that the
 * assistants are known before their rules.
 */
static int check_load(mg_db_conn *c, check_state *s, int64_t site_id, int64_t device_id,
                      int64_t tc_id, bool assisted, unsigned flags, int64_t start, int64_t end,
                      mg_diag *d)
{
    mg_buf sql;
    mg_buf_init(&sql, (size_t)1 << 16);
    const int g = (int)MG_BOOKING_GRAIN_MIN;
    if (mg_buf_puts(&sql,
                    "SELECT 0, resource_id, starts_at, ends_at, is_open, NULL "
                    "FROM booking_exceptions WHERE resource = 'site' AND resource_id = ?1 "
                    "AND ends_at > ?4 AND starts_at < ?5 "
                    "UNION ALL SELECT 1, resource_id, starts_at, ends_at, is_open, NULL "
                    "FROM booking_exceptions WHERE resource = 'device' AND resource_id = ?2 "
                    "AND ends_at > ?4 AND starts_at < ?5 "
                    "UNION ALL SELECT 2, resource_id, starts_at, ends_at, is_open, NULL "
                    "FROM booking_exceptions WHERE resource = 'teleconsultant' "
                    "AND resource_id = ?3 AND ends_at > ?4 AND starts_at < ?5 "
                    "UNION ALL SELECT 4, device_id, starts_at, ends_at, 0, NULL FROM bookings "
                    "WHERE device_id = ?2 AND starts_at >= ?6 AND starts_at < ?5 "
                    "AND state <> 'cancelled' "
                    "UNION ALL SELECT 5, teleconsultant_id, starts_at, ends_at, 0, NULL "
                    "FROM bookings WHERE teleconsultant_id = ?3 AND starts_at >= ?6 "
                    "AND starts_at < ?5 AND state <> 'cancelled'") < 0 ||
        (assisted &&
         mg_buf_printf(&sql,
                       " UNION ALL SELECT 3, id, 0, 0, 0, availability FROM booking_assistants "
                       "WHERE site_id = ?1 AND active = 1 "
                       "UNION ALL SELECT 6, resource_id, starts_at, ends_at, is_open, NULL "
                       "FROM booking_exceptions WHERE resource = 'assistant' AND resource_id IN "
                       "(SELECT id FROM booking_assistants WHERE site_id = ?1 AND active = 1) "
                       "AND ends_at > ?4 AND starts_at < ?5 "
                       "UNION ALL SELECT 7, resource_id, unit * %d, unit * %d + %d, 0, NULL "
                       "FROM booking_claims WHERE resource = 'assistant' AND resource_id IN "
                       "(SELECT id FROM booking_assistants WHERE site_id = ?1 AND active = 1) "
                       "AND unit >= ?7 AND unit < ?8",
                       g, g, g) < 0) ||
        mg_buf_puts(&sql, " ORDER BY 1, 2, 3") < 0) {
        mg_buf_free(&sql);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    const mg_db_param p[] = {MG_DB_INT(site_id),
                             MG_DB_INT(device_id),
                             MG_DB_INT(tc_id),
                             MG_DB_INT(start),
                             MG_DB_INT(end),
                             MG_DB_INT(start - MG_BOOKING_DURATION_MAX_MIN),
                             MG_DB_INT(start / MG_BOOKING_GRAIN_MIN),
                             MG_DB_INT((end + MG_BOOKING_GRAIN_MIN - 1) / MG_BOOKING_GRAIN_MIN)};
    mg_db_stmt *q = NULL;
    /* Only the parameters the statement names (SQLite refuses the others). */
    int rc = mg_db_prepare_with(c, sql.data, p, assisted ? 8 : 6, &q, d);
    mg_diag ignored = {{0}};
    size_t cap = 0;
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        int tag = (int)mg_db_column_int64(q, 0);
        int64_t id = mg_db_column_int64(q, 1);
        int64_t a = mg_db_column_int64(q, 2), b = mg_db_column_int64(q, 3);
        bool open = mg_db_column_int64(q, 4) != 0;
        mg_booking_rules *r = NULL;
        if (tag == 3) {
            if (s->nassistants == cap) {
                size_t nc = cap ? cap * 2 : 4;
                int64_t *ni = realloc(s->assistant_ids, nc * sizeof *ni);
                if (ni)
                    s->assistant_ids = ni;
                mg_opening_hours **no = realloc(s->assistant_oh, nc * sizeof *no);
                if (no)
                    s->assistant_oh = no;
                mg_booking_rules *nr = realloc(s->assistants, nc * sizeof *nr);
                if (nr)
                    s->assistants = nr;
                if (!ni || !no || !nr) {
                    rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                    break;
                }
                cap = nc;
            }
            size_t k = s->nassistants++;
            s->assistant_ids[k] = id;
            memset(&s->assistants[k], 0, sizeof s->assistants[k]);
            if (mg_booking_hours_compile(mg_db_column_text(q, 5), flags, &s->assistant_oh[k],
                                         &ignored))
                s->assistant_oh[k] = NULL;
            continue;
        }
        if (tag == 0 || tag == 1 || tag == 2) {
            r = tag == 0 ? &s->site : tag == 1 ? &s->device : &s->tc;
            if (mg_spans_push(open ? &r->openings : &r->closures, a, b))
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        } else if (tag == 4 || tag == 5) {
            r = tag == 4 ? &s->device : &s->tc;
            if (mg_spans_push(&r->busy, a, b))
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        } else if (tag == 6 || tag == 7) {
            long k = check_assistant(s, id);
            if (k < 0)
                continue;
            r = &s->assistants[k];
            mg_spans *sp = tag == 7 ? &r->busy : open ? &r->openings : &r->closures;
            if (tag == 7 && sp->n > 0 && sp->v[sp->n - 1].to == a)
                sp->v[sp->n - 1].to = b; /* the next unit: one span */
            else if (mg_spans_push(sp, a, b))
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        }
    }
    mg_db_finalize(q);
    mg_buf_free(&sql);
    if (rc < 0)
        return rc;
    mg_booking_rules *all[3] = {&s->site, &s->device, &s->tc};
    for (size_t k = 0; k < 3 + s->nassistants; k++) {
        mg_booking_rules *r = k < 3 ? all[k] : &s->assistants[k - 3];
        mg_spans_normalise(&r->openings);
        mg_spans_normalise(&r->closures);
        mg_spans_normalise(&r->busy);
    }
    return 0;
}

/*
 * The check of one slot in two statements: the site, the device and the
 * teleconsultant with its duration for the kind (one row), then every rule
 * over the slot (check_load). The refusals come in the same order as the
 * checks are made: site, device, teleconsultant, kind, grid, site closed,
 * device not free, teleconsultant not available, no assistant.
 */
static int check_body(mg_db_conn *c, check_state *s, int64_t site_id, int64_t device_id,
                      int64_t tc_id, mg_booking_kind kind, int64_t start, mg_booking_slot *slot,
                      char why[static 256], mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT s.organisation_id, bs.active, s.opening_hours, s.commune_code, "
        "dv.id, dv.site_id, dv.active, dv.assisted, dv.step_min, dv.opening_hours, "
        "t.id, t.active, t.availability, k.duration_min, "
        "(SELECT COUNT(*) FROM booking_teleconsultant_sites ts "
        " WHERE ts.teleconsultant_id = ?3 AND ts.site_id = ?1) "
        "FROM (SELECT 1 AS one) one "
        "LEFT JOIN booking_sites bs ON bs.site_id = ?1 "
        "LEFT JOIN structures s ON s.organisation_id = bs.site_id "
        "LEFT JOIN booking_devices dv ON dv.id = ?2 "
        "LEFT JOIN booking_teleconsultants t ON t.id = ?3 "
        "LEFT JOIN booking_teleconsultant_kinds k ON k.teleconsultant_id = t.id AND k.kind = ?4",
        MG_DB_PARAMS(MG_DB_INT(site_id), MG_DB_INT(device_id), MG_DB_INT(tc_id),
                     MG_DB_TEXT(mg_booking_kind_key(kind))),
        &q, d);
    bool site_found = false, dev_found = false, tc_found = false;
    int site_active = 0, dev_active = 0, assisted = 0, step = 0, tc_active = 0, duration = 0;
    int serves = 0;
    int64_t dev_site = 0;
    char commune[8] = "";
    char *site_hours = NULL, *dev_hours = NULL, *avail = NULL;
    bool dev_own_hours = false;
    if (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        site_found = !mg_db_column_is_null(q, 0);
        site_active = (int)mg_db_column_int64(q, 1);
        const char *h = mg_db_column_text(q, 2);
        site_hours = h ? strdup(h) : NULL;
        mg_db_column_copy(q, 3, commune, sizeof commune);
        dev_found = !mg_db_column_is_null(q, 4);
        dev_site = mg_db_column_int64(q, 5);
        dev_active = (int)mg_db_column_int64(q, 6);
        assisted = (int)mg_db_column_int64(q, 7);
        step = (int)mg_db_column_int64(q, 8);
        h = mg_db_column_text(q, 9);
        dev_own_hours = h != NULL;
        dev_hours = h ? strdup(h) : NULL;
        tc_found = !mg_db_column_is_null(q, 10);
        tc_active = (int)mg_db_column_int64(q, 11);
        h = mg_db_column_text(q, 12);
        avail = h ? strdup(h) : NULL;
        duration = (int)mg_db_column_int64(q, 13);
        serves = mg_db_column_int64(q, 14) > 0;
    }
    mg_db_finalize(q);
    if (rc < 0)
        goto out;
    rc = 0;
    if (!site_found || !site_active) {
        rc = why_not(why, "Ce lieu ne propose pas de téléconsultation.");
        goto out;
    }
    unsigned flags = mg_booking_holiday_flags(commune);
    mg_diag ignored = {{0}};
    /* Stored hours that no longer parse make the site closed, as NULL does. */
    if (mg_booking_hours_compile(site_hours, flags, &s->site_oh, &ignored))
        s->site_oh = NULL;
    if (!dev_found || dev_site != site_id || !dev_active) {
        rc = why_not(why, "Cet équipement n'est pas en service dans ce lieu.");
        goto out;
    }
    /* A device without hours of its own follows its site's calendar,
     * exceptions included. */
    if (mg_booking_hours_compile(dev_own_hours ? dev_hours : "24/7", flags, &s->device_oh,
                                 &ignored))
        s->device_oh = NULL;
    s->device.hours = s->device_oh;
    s->site.hours = s->site_oh;

    /* The teleconsultant: active, serving the site, offering the kind. */
    if (!tc_found || !tc_active || !serves) {
        rc = why_not(why, "Ce téléconsultant ne consulte pas dans ce lieu.");
        goto out;
    }
    if (duration <= 0) {
        rc = why_not(why, "Ce téléconsultant ne propose pas ce type de consultation.");
        goto out;
    }
    if (mg_booking_hours_compile(avail, 0, &s->tc_oh, &ignored))
        s->tc_oh = NULL;
    s->tc.hours = s->tc_oh;

    /* The grid. */
    if (step <= 0)
        step = duration;
    if (start % MG_BOOKING_GRAIN_MIN != 0 || mg_booking_local(start).minute % step != 0) {
        rc = why_not(why, "Cet horaire ne fait pas partie des créneaux proposés.");
        goto out;
    }
    int64_t end = start + duration;

    /* Site, device, teleconsultant (and the assistants). */
    rc = check_load(c, s, site_id, device_id, tc_id, assisted != 0, flags, start, end, d);
    if (rc < 0)
        goto out;
    bool yes = false;
    if (rules_cover(s, &s->site, start, end, &yes)) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    if (!yes) {
        rc = why_not(why, "Le lieu est fermé à cet horaire.");
        goto out;
    }
    if (rules_cover(s, &s->device, start, end, &yes)) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    if (!yes) {
        rc = why_not(why, "L'équipement n'est pas libre à cet horaire.");
        goto out;
    }
    if (rules_cover(s, &s->tc, start, end, &yes)) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        goto out;
    }
    if (!yes) {
        rc = why_not(why, "Le téléconsultant n'est pas disponible à cet horaire.");
        goto out;
    }

    /* An assistant of the site, the first free by id. */
    int64_t assistant = 0;
    if (assisted) {
        for (size_t k = 0; k < s->nassistants && !assistant; k++) {
            s->assistants[k].hours = s->assistant_oh[k];
            if (rules_cover(s, &s->assistants[k], start, end, &yes)) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                goto out;
            }
            if (yes)
                assistant = s->assistant_ids[k];
        }
        if (!assistant) {
            rc = why_not(why, "Aucun assistant n'est disponible à cet horaire.");
            goto out;
        }
    }
    *slot = (mg_booking_slot){.start = start,
                              .end = end,
                              .site_id = site_id,
                              .device_id = device_id,
                              .teleconsultant_id = tc_id,
                              .assistant_id = assistant,
                              .kind = kind};
    rc = 1;
out:
    free(site_hours);
    free(dev_hours);
    free(avail);
    return rc;
}

int mg_booking_slot_check_on(mg_db_conn *c, int64_t site_id, int64_t device_id,
                             int64_t teleconsultant_id, mg_booking_kind kind, int64_t start,
                             mg_booking_slot *slot, char why[static 256], mg_diag *d)
{
    why[0] = '\0';
    if ((int)kind < 0 || kind >= MG_BOOKING_KINDS) {
        why_not(why, "Type de consultation inconnu.");
        return 0;
    }
    check_state s;
    memset(&s, 0, sizeof s);
    int rc = check_body(c, &s, site_id, device_id, teleconsultant_id, kind, start, slot, why, d);
    check_state_free(&s);
    return rc;
}

/* --- The next free slots ------------------------------------------------------------------------ */

/* Compiled opening_hours strings of one query, each (text, flags) once. */
typedef struct hours_cache {
    struct hours_entry {
        char *text;
        unsigned flags;
        mg_opening_hours *oh;
        mg_spans spans;         /* its open minutes over [sf, st) */
        int64_t sf, st;
        bool have;
    } *v;
    size_t n, cap;
} hours_cache;

static void hours_cache_free(hours_cache *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].text);
        mg_opening_hours_free(h->v[i].oh);
        mg_spans_free(&h->v[i].spans);
    }
    free(h->v);
    memset(h, 0, sizeof *h);
}

/* The compiled hours of text (NULL when none or unreadable: never open). */
static int hours_get(hours_cache *h, const char *text, unsigned flags,
                     const mg_opening_hours **out)
{
    *out = NULL;
    if (!text || !*text)
        return 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].flags == flags && strcmp(h->v[i].text, text) == 0) {
            *out = h->v[i].oh;
            return 0;
        }
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 16;
        struct hours_entry *nv = realloc(h->v, nc * sizeof *nv);
        if (!nv)
            return MG_ENOMEM;
        h->v = nv;
        h->cap = nc;
    }
    struct hours_entry *e = &h->v[h->n];
    e->text = strdup(text);
    if (!e->text)
        return MG_ENOMEM;
    e->flags = flags;
    memset(&e->spans, 0, sizeof e->spans);
    e->have = false;
    mg_diag ignored = {{0}};
    if (mg_booking_hours_compile(text, flags, &e->oh, &ignored))
        e->oh = NULL;
    h->n++;
    *out = e->oh;
    return 0;
}

/* The open minutes of compiled hours oh over [from, to), computed once per
 * window for every resource that shares the same hours. */
static int hours_spans(hours_cache *h, const mg_opening_hours *oh, int64_t from, int64_t to,
                       const mg_spans **out)
{
    for (size_t i = 0; i < h->n; i++) {
        struct hours_entry *e = &h->v[i];
        if (e->oh != oh)
            continue;
        if (!e->have || e->sf != from || e->st != to) {
            mg_spans_clear(&e->spans);
            if (mg_spans_from_hours(oh, from, to, &e->spans))
                return MG_ENOMEM;
            e->sf = from;
            e->st = to;
            e->have = true;
        }
        *out = &e->spans;
        return 0;
    }
    *out = NULL;
    return 0;
}

/* out = the free minutes of r over [from, to), its hours' minutes taken
 * from the cache (tmp: scratch). */
static int rules_free_cached(hours_cache *h, const mg_booking_rules *r, int64_t from, int64_t to,
                             mg_spans *out, mg_spans *tmp)
{
    const mg_spans *hs = NULL;
    if (r->hours && hours_spans(h, r->hours, from, to, &hs))
        return MG_ENOMEM;
    mg_spans_clear(tmp);
    for (size_t i = 0; hs && i < hs->n; i++)
        if (mg_spans_push(tmp, hs->v[i].from, hs->v[i].to))
            return MG_ENOMEM;
    for (size_t i = 0; i < r->openings.n; i++)
        if (mg_spans_push(tmp, r->openings.v[i].from, r->openings.v[i].to))
            return MG_ENOMEM;
    mg_booking_calendar cal = {
        .hours = NULL,
        .openings = tmp->v,
        .nopenings = tmp->n,
        .closures = r->closures.v,
        .nclosures = r->closures.n,
        .busy = r->busy.v,
        .nbusy = r->busy.n,
    };
    return mg_booking_calendar_free(&cal, from, to, out);
}

typedef struct q_site {
    int64_t id;
    char *hours;
    unsigned flags;
    mg_booking_rules rules;
    mg_spans free;
} q_site;

typedef struct q_device {
    int64_t id;
    size_t site;                /* index in sites */
    char *hours;                /* NULL: the site's */
    bool assisted;
    int step;
    mg_booking_rules rules;
    mg_spans free;              /* site open ∩ device free */
} q_device;

typedef struct q_tc {
    int64_t id;
    char *hours;
    int duration;
    mg_booking_rules rules;
    mg_spans free;
} q_tc;

typedef struct q_link {         /* a teleconsultant serving a site */
    size_t site, tc;
} q_link;

typedef struct q_assistant {
    int64_t id;
    size_t site;
    char *hours;
    mg_booking_rules rules;
    mg_spans free;
} q_assistant;

typedef struct next_state {
    const mg_booking_slot_query *q;
    bool pg;                    /* ids bound as arrays (see id_set) */
    q_site *sites;
    size_t nsites;
    q_device *devices;
    size_t ndevices;
    q_tc *tcs;
    size_t ntcs;
    q_link *links;
    size_t nlinks;
    q_assistant *assistants;
    size_t nassistants;
    hours_cache cache;
    size_t *site_left;          /* slots each site may still give (per_site) */
    mg_booking_slot *out;
    size_t n, cap;
    bool with_version;          /* read booking_version first (the cache's tag) */
    int64_t version;
} next_state;

/* Frees the rules and free spans of every resource (the resources stay). */
static void next_rules_reset(next_state *s)
{
    for (size_t i = 0; i < s->nsites; i++) {
        mg_booking_rules_free(&s->sites[i].rules);
        mg_spans_free(&s->sites[i].free);
        memset(&s->sites[i].rules, 0, sizeof s->sites[i].rules);
    }
    for (size_t i = 0; i < s->ndevices; i++) {
        mg_booking_rules_free(&s->devices[i].rules);
        mg_spans_free(&s->devices[i].free);
        memset(&s->devices[i].rules, 0, sizeof s->devices[i].rules);
    }
    for (size_t i = 0; i < s->ntcs; i++) {
        mg_booking_rules_free(&s->tcs[i].rules);
        mg_spans_free(&s->tcs[i].free);
        memset(&s->tcs[i].rules, 0, sizeof s->tcs[i].rules);
    }
    for (size_t i = 0; i < s->nassistants; i++) {
        mg_booking_rules_free(&s->assistants[i].rules);
        mg_spans_free(&s->assistants[i].free);
        memset(&s->assistants[i].rules, 0, sizeof s->assistants[i].rules);
    }
}

static void next_state_reset(next_state *s)
{
    for (size_t i = 0; i < s->nsites; i++) {
        free(s->sites[i].hours);
        mg_booking_rules_free(&s->sites[i].rules);
        mg_spans_free(&s->sites[i].free);
    }
    for (size_t i = 0; i < s->ndevices; i++) {
        free(s->devices[i].hours);
        mg_booking_rules_free(&s->devices[i].rules);
        mg_spans_free(&s->devices[i].free);
    }
    for (size_t i = 0; i < s->ntcs; i++) {
        free(s->tcs[i].hours);
        mg_booking_rules_free(&s->tcs[i].rules);
        mg_spans_free(&s->tcs[i].free);
    }
    for (size_t i = 0; i < s->nassistants; i++) {
        free(s->assistants[i].hours);
        mg_booking_rules_free(&s->assistants[i].rules);
        mg_spans_free(&s->assistants[i].free);
    }
    free(s->sites);
    free(s->devices);
    free(s->tcs);
    free(s->links);
    free(s->assistants);
    free(s->site_left);
    hours_cache_free(&s->cache);
    free(s->out);
    const mg_booking_slot_query *q = s->q;
    bool pg = s->pg, with_version = s->with_version;
    memset(s, 0, sizeof *s);
    s->q = q;
    s->pg = pg;
    s->with_version = with_version;
}

/* Grows *v (elements of size sz) to hold one more. */
static int grow(void **v, size_t n, size_t *cap, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *nv = realloc(*v, nc * sz);
    if (!nv)
        return MG_ENOMEM;
    *v = nv;
    *cap = nc;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The index of site id in s->sites (sorted by id), or -1. */
static long site_index(const next_state *s, int64_t id)
{
    size_t lo = 0, hi = s->nsites;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->sites[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->nsites && s->sites[lo].id == id ? (long)lo : -1;
}

#define OOM(d) mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory")

/*
 * Writes into set the condition that a column is one of the ids of list
 * ("1,2,3", put_id_list's): on SQLite "IN (1,2,3)", inline; on PostgreSQL
 * "= ANY(CAST(?N AS BIGINT[]))", the ids bound as the array "{1,2,3}"
 * (written into arr, bound as *p), so that the statement's text is the same
 * whatever the ids: the driver's prepared statements then serve every
 * query of the same shape, and after five runs the server plans it once
 * (a generic plan) instead of at each run, which was about a third of the
 * server's time of a next-slots query. SQLite keeps the inline list: its
 * statements are compiled at each run anyway, and an IN list of constants
 * is what its planner reads best.
 */
static int id_set(bool pg, const mg_buf *list, int param, mg_buf *set, mg_buf *arr,
                  mg_db_param *p)
{
    const char *ids = list->data ? list->data : "";
    if (!pg)
        return mg_buf_printf(set, "IN (%s)", ids) < 0 ? MG_ENOMEM : 0;
    if (mg_buf_printf(arr, "{%s}", ids) < 0 ||
        mg_buf_printf(set, "= ANY(CAST(?%d AS BIGINT[]))", param) < 0)
        return MG_ENOMEM;
    *p = MG_DB_TEXT(arr->data);
    return 0;
}

/* Reads the sites, devices, teleconsultants and assistants of the query in
 * one statement (one round trip on PostgreSQL): rows tagged 0 (site), 1
 * (device), 2 (a teleconsultant serving a site with the kind), 3
 * (assistant), ordered by tag, site, id, so that every site is known
 * before the rows that name it. A row of a site that is not among the
 * query's active sites is skipped. */
static int next_read_resources(mg_db_conn *c, next_state *s, mg_diag *d)
{
    const mg_booking_slot_query *q = s->q;
    mg_buf sql, in, set, arr;
    mg_buf_init(&sql, (size_t)1 << 20);
    mg_buf_init(&in, (size_t)1 << 20);
    mg_buf_init(&set, (size_t)1 << 20);
    mg_buf_init(&arr, (size_t)1 << 20);
    mg_db_param p[4] = {MG_DB_INT(q->device_id), MG_DB_INT(q->teleconsultant_id),
                        MG_DB_TEXT(mg_booking_kind_key(q->kind)), MG_DB_NULL};
    int rc = 0;
    mg_db_stmt *st = NULL;
    size_t scap = 0, dcap = 0, tcap = 0, lcap = 0, acap = 0;

    if (q->site_ids && put_id_list(&in, q->site_ids, q->nsites)) {
        rc = OOM(d);
        goto out;
    }
    /* The sites asked for, written in each branch with its column. */
    if (q->site_ids && !in.data && mg_buf_puts(&in, "0") < 0) {
        rc = OOM(d);
        goto out;
    }
    if (q->site_ids && id_set(s->pg, &in, 4, &set, &arr, &p[3])) {
        rc = OOM(d);
        goto out;
    }
    const char *f = q->site_ids ? set.data : NULL;
#define SITE_FILTER(col) (f && mg_buf_printf(&sql, " AND %s %s", col, f) < 0)
    if (mg_buf_puts(&sql, "SELECT 0, bs.site_id, bs.site_id, s.opening_hours, s.commune_code, 0, 0 "
                          "FROM booking_sites bs JOIN structures s ON s.organisation_id = bs.site_id "
                          "WHERE bs.active = 1") < 0 ||
        SITE_FILTER("bs.site_id") ||
        mg_buf_puts(&sql, " UNION ALL SELECT 1, id, site_id, opening_hours, NULL, assisted, "
                          "step_min FROM booking_devices WHERE active = 1") < 0 ||
        SITE_FILTER("site_id") ||
        mg_buf_puts(&sql, q->device_id ? " AND id = ?1" : " AND ?1 = 0") < 0 ||
        mg_buf_puts(&sql, " UNION ALL SELECT 2, t.id, ts.site_id, t.availability, NULL, "
                          "k.duration_min, 0 FROM booking_teleconsultant_sites ts "
                          "JOIN booking_teleconsultants t ON t.id = ts.teleconsultant_id "
                          "JOIN booking_teleconsultant_kinds k ON k.teleconsultant_id = t.id "
                          "AND k.kind = ?3 WHERE t.active = 1") < 0 ||
        SITE_FILTER("ts.site_id") ||
        mg_buf_puts(&sql, q->teleconsultant_id ? " AND t.id = ?2" : " AND ?2 = 0") < 0 ||
        mg_buf_puts(&sql, " UNION ALL SELECT 3, id, site_id, availability, NULL, 0, 0 "
                          "FROM booking_assistants WHERE active = 1") < 0 ||
        SITE_FILTER("site_id") ||
        mg_buf_puts(&sql, " ORDER BY 1, 3, 2") < 0) {
        rc = OOM(d);
        goto out;
    }
#undef SITE_FILTER
    rc = mg_db_prepare_with(c, sql.data, p, s->pg && f ? 4 : 3, &st, d);
    while (rc == 0 && (rc = mg_db_step(st, d)) == MG_DB_ROW) {
        rc = 0;
        int64_t tag = mg_db_column_int64(st, 0);
        int64_t id = mg_db_column_int64(st, 1);
        if (tag == 0) {
            if (grow((void **)&s->sites, s->nsites, &scap, sizeof *s->sites)) {
                rc = OOM(d);
                break;
            }
            q_site *x = &s->sites[s->nsites++];
            memset(x, 0, sizeof *x);
            x->id = id;
            x->hours = dup_or_null(mg_db_column_text(st, 3));
            x->flags = mg_booking_holiday_flags(mg_db_column_text(st, 4));
            continue;
        }
        long si = site_index(s, mg_db_column_int64(st, 2));
        if (si < 0)
            continue;
        if (tag == 1) {
            if (grow((void **)&s->devices, s->ndevices, &dcap, sizeof *s->devices)) {
                rc = OOM(d);
                break;
            }
            q_device *x = &s->devices[s->ndevices++];
            memset(x, 0, sizeof *x);
            x->id = id;
            x->site = (size_t)si;
            x->hours = dup_or_null(mg_db_column_text(st, 3));
            x->assisted = mg_db_column_int64(st, 5) != 0;
            x->step = (int)mg_db_column_int64(st, 6);
        } else if (tag == 2) {
            size_t ti = 0;
            while (ti < s->ntcs && s->tcs[ti].id != id)
                ti++;
            if (ti == s->ntcs) {
                if (grow((void **)&s->tcs, s->ntcs, &tcap, sizeof *s->tcs)) {
                    rc = OOM(d);
                    break;
                }
                q_tc *x = &s->tcs[s->ntcs++];
                memset(x, 0, sizeof *x);
                x->id = id;
                x->hours = dup_or_null(mg_db_column_text(st, 3));
                x->duration = (int)mg_db_column_int64(st, 5);
            }
            if (grow((void **)&s->links, s->nlinks, &lcap, sizeof *s->links)) {
                rc = OOM(d);
                break;
            }
            s->links[s->nlinks++] = (q_link){(size_t)si, ti};
        } else if (tag == 3) {
            if (grow((void **)&s->assistants, s->nassistants, &acap, sizeof *s->assistants)) {
                rc = OOM(d);
                break;
            }
            q_assistant *x = &s->assistants[s->nassistants++];
            memset(x, 0, sizeof *x);
            x->id = id;
            x->site = (size_t)si;
            x->hours = dup_or_null(mg_db_column_text(st, 3));
        }
    }
    mg_db_finalize(st);
    if (rc > 0)
        rc = 0;
out:
    mg_buf_free(&in);
    mg_buf_free(&sql);
    mg_buf_free(&set);
    mg_buf_free(&arr);
    return rc < 0 ? rc : 0;
}

/* The rules of resource i of kind k (0 site, 1 device, 2 teleconsultant,
 * 3 assistant) of the query. */
static mg_booking_rules *next_rules_of(next_state *s, int k, size_t i)
{
    switch (k) {
    case 0:
        return &s->sites[i].rules;
    case 1:
        return &s->devices[i].rules;
    case 2:
        return &s->tcs[i].rules;
    default:
        return &s->assistants[i].rules;
    }
}

/* Loads the exceptions and busy spans over [from, to) of every resource of
 * the query in one statement (one round trip on PostgreSQL), what
 * mg_booking_rules_load does kind by kind: rows tagged 0–3 are the
 * exceptions of sites, devices, teleconsultants, assistants (index
 * booking_exceptions_resource); 4 and 5 the bookings of devices and
 * teleconsultants that are not cancelled (bookings_device_time,
 * bookings_teleconsultant_time; see the top of this file); 6 the claims of
 * assistants (booking_claims' primary key). */
static int next_load_window(mg_db_conn *c, next_state *s, int64_t from, int64_t to, mg_diag *d)
{
    static const mg_booking_resource res[4] = {MG_BOOKING_RES_SITE, MG_BOOKING_RES_DEVICE,
                                               MG_BOOKING_RES_TELECONSULTANT,
                                               MG_BOOKING_RES_ASSISTANT};
    const size_t n[4] = {s->nsites, s->ndevices, s->ntcs, s->nassistants};
    id_index x[4] = {{0}};
    mg_buf sql, list[4], set[4], arr[4];
    mg_buf_init(&sql, (size_t)1 << 20);
    for (int k = 0; k < 4; k++) {
        mg_buf_init(&list[k], (size_t)1 << 20);
        mg_buf_init(&set[k], (size_t)1 << 20);
        mg_buf_init(&arr[k], (size_t)1 << 20);
    }
    int64_t u0 = from / MG_BOOKING_GRAIN_MIN;
    int64_t u1 = (to + MG_BOOKING_GRAIN_MIN - 1) / MG_BOOKING_GRAIN_MIN;
    mg_db_param p[9] = {MG_DB_INT(from), MG_DB_INT(to),
                        MG_DB_INT(from - MG_BOOKING_DURATION_MAX_MIN), MG_DB_INT(u0),
                        MG_DB_INT(u1)};
    size_t npg = 5; /* PostgreSQL: the five numbers (typed: unused ones are accepted), arrays */
    int rc = 0;
    mg_db_stmt *q = NULL;
    for (int k = 0; k < 4 && rc == 0; k++) {
        int64_t *ids = malloc((n[k] ? n[k] : 1) * sizeof *ids);
        if (!ids) {
            rc = OOM(d);
            break;
        }
        for (size_t i = 0; i < n[k]; i++)
            ids[i] = k == 0 ? s->sites[i].id
                   : k == 1 ? s->devices[i].id
                   : k == 2 ? s->tcs[i].id
                            : s->assistants[i].id;
        if (id_index_make(&x[k], ids, n[k]) || put_id_list(&list[k], ids, n[k]))
            rc = OOM(d);
        else if (n[k] > 0 && id_set(s->pg, &list[k], (int)npg + 1, &set[k], &arr[k], &p[npg]))
            rc = OOM(d);
        else if (n[k] > 0 && s->pg)
            npg++;
        free(ids);
    }
    if (rc < 0)
        goto out;
    bool first = true;
    for (int k = 0; k < 4; k++) {
        if (n[k] == 0)
            continue;
        if (mg_buf_printf(&sql,
                          "%sSELECT %d, resource_id, starts_at, ends_at, is_open "
                          "FROM booking_exceptions WHERE resource = '%s' AND resource_id %s "
                          "AND ends_at > ?1 AND starts_at < ?2",
                          first ? "" : " UNION ALL ", k, mg_booking_resource_key(res[k]),
                          set[k].data) < 0) {
            rc = OOM(d);
            goto out;
        }
        first = false;
    }
    for (int k = 1; k <= 2; k++) {
        if (n[k] == 0)
            continue;
        const char *col = k == 1 ? "device_id" : "teleconsultant_id";
        if (mg_buf_printf(&sql,
                          "%sSELECT %d, %s, starts_at, ends_at, 0 FROM bookings "
                          "WHERE %s %s AND starts_at >= ?3 AND starts_at < ?2 "
                          "AND state <> 'cancelled'",
                          first ? "" : " UNION ALL ", k + 3, col, col, set[k].data) < 0) {
            rc = OOM(d);
            goto out;
        }
        first = false;
    }
    if (n[3] > 0) {
        if (mg_buf_printf(&sql,
                          "%sSELECT 6, resource_id, unit * %d, unit * %d + %d, 0 "
                          "FROM booking_claims WHERE resource = '%s' AND resource_id %s "
                          "AND unit >= ?4 AND unit < ?5",
                          first ? "" : " UNION ALL ", (int)MG_BOOKING_GRAIN_MIN,
                          (int)MG_BOOKING_GRAIN_MIN, (int)MG_BOOKING_GRAIN_MIN,
                          mg_booking_resource_key(MG_BOOKING_RES_ASSISTANT), set[3].data) < 0) {
            rc = OOM(d);
            goto out;
        }
        first = false;
    }
    if (first)
        goto out;
    /* Only the parameters the statement names (SQLite refuses the others). */
    size_t np = s->pg ? npg : n[3] ? 5 : n[1] || n[2] ? 3 : 2;
    rc = mg_db_prepare_with(c, sql.data, p, np, &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        int tag = (int)mg_db_column_int64(q, 0);
        int k = tag < 4 ? tag : tag == 4 ? 1 : tag == 5 ? 2 : 3;
        if (tag < 0 || tag > 6)
            continue;
        long i = id_index_find(&x[k], mg_db_column_int64(q, 1));
        if (i < 0)
            continue;
        mg_booking_rules *r = next_rules_of(s, k, (size_t)i);
        mg_spans *sp = tag >= 4 ? &r->busy : mg_db_column_int64(q, 4) ? &r->openings
                                                                       : &r->closures;
        int64_t a = mg_db_column_int64(q, 2), b = mg_db_column_int64(q, 3);
        if (tag == 6 && sp->n > 0 && sp->v[sp->n - 1].to == a)
            sp->v[sp->n - 1].to = b; /* the next unit: one span */
        else if (mg_spans_push(sp, a, b))
            rc = OOM(d);
    }
    mg_db_finalize(q);
    if (rc < 0)
        goto out;
    rc = 0;
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < n[k]; i++) {
            mg_booking_rules *r = next_rules_of(s, k, i);
            mg_spans_normalise(&r->openings);
            mg_spans_normalise(&r->closures);
            mg_spans_normalise(&r->busy);
        }
out:
    mg_buf_free(&sql);
    for (int k = 0; k < 4; k++) {
        mg_buf_free(&list[k]);
        mg_buf_free(&set[k]);
        mg_buf_free(&arr[k]);
        free(x[k].sorted);
    }
    return rc;
}

/* Loads every resource's rules for [from, to) and computes its free spans. */
static int next_load_rules(mg_db_conn *c, next_state *s, int64_t from, int64_t to, mg_diag *d)
{
    mg_spans tmp = {0}, scratch = {0};
    int rc = next_load_window(c, s, from, to, d);
    if (rc < 0)
        return rc;
    /* Sites. */
    for (size_t i = 0; i < s->nsites && rc == 0; i++) {
        if (hours_get(&s->cache, s->sites[i].hours, s->sites[i].flags, &s->sites[i].rules.hours) ||
            rules_free_cached(&s->cache, &s->sites[i].rules, from, to, &s->sites[i].free,
                              &scratch))
            rc = OOM(d);
    }
    /* Devices: their own free spans within their site's. A device without
     * hours of its own follows its site's calendar, exceptions included:
     * its own rules are then always open. */
    for (size_t i = 0; i < s->ndevices && rc == 0; i++) {
        q_device *x = &s->devices[i];
        q_site *site = &s->sites[x->site];
        mg_spans_clear(&tmp);
        if (hours_get(&s->cache, x->hours ? x->hours : "24/7", site->flags, &x->rules.hours) ||
            rules_free_cached(&s->cache, &x->rules, from, to, &tmp, &scratch) ||
            intersect(&tmp, &site->free, &x->free))
            rc = OOM(d);
    }
    /* Teleconsultants. */
    for (size_t i = 0; i < s->ntcs && rc == 0; i++) {
        if (hours_get(&s->cache, s->tcs[i].hours, 0, &s->tcs[i].rules.hours) ||
            rules_free_cached(&s->cache, &s->tcs[i].rules, from, to, &s->tcs[i].free, &scratch))
            rc = OOM(d);
    }
    /* Assistants. */
    for (size_t i = 0; i < s->nassistants && rc == 0; i++) {
        q_assistant *x = &s->assistants[i];
        if (hours_get(&s->cache, x->hours, s->sites[x->site].flags, &x->rules.hours) ||
            rules_free_cached(&s->cache, &x->rules, from, to, &x->free, &scratch))
            rc = OOM(d);
    }
    mg_spans_free(&tmp);
    mg_spans_free(&scratch);
    return rc;
}

/* A candidate slot of one site. */
typedef struct cand {
    int64_t start;
    size_t device, tc, assistant; /* indexes; assistant SIZE_MAX: none */
    int64_t device_id, tc_id, assistant_id; /* the order of the offer (assistant 0: none) */
} cand;

typedef struct collect {
    cand *v;
    size_t n, cap;
    size_t found, want;           /* starts found for the current combination */
    int64_t until;                /* starts before this */
    cand proto;
} collect;

static int collect_start(int64_t start, void *ctx)
{
    collect *k = ctx;
    if (start >= k->until || k->found >= k->want)
        return 1;
    if (grow((void **)&k->v, k->n, &k->cap, sizeof *k->v))
        return -1;
    k->v[k->n] = k->proto;
    k->v[k->n++].start = start;
    k->found++;
    return k->found >= k->want ? 1 : 0;
}

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->device_id != y->device_id)
        return x->device_id < y->device_id ? -1 : 1;
    if (x->tc_id != y->tc_id)
        return x->tc_id < y->tc_id ? -1 : 1;
    return x->assistant_id < y->assistant_id ? -1 : x->assistant_id > y->assistant_id;
}

static int cmp_slot(const void *a, const void *b)
{
    const mg_booking_slot *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->site_id < y->site_id ? -1 : x->site_id > y->site_id;
}

/* The earliest distinct starts in [from, until) of each site (at most its
 * site_left, and what the limit leaves), appended to s->out in (start,
 * site) order, s->n cut at the limit. */
static int next_compute(next_state *s, int64_t from, int64_t until, mg_diag *d)
{
    collect k = {0};
    mg_spans pair = {0}, triple = {0};
    int rc = 0;
    size_t li = 0;
    size_t n0 = s->n, room = s->q->limit > n0 ? s->q->limit - n0 : 0;
    for (size_t si = 0; si < s->nsites && rc == 0; si++) {
        size_t want = s->site_left[si] < room ? s->site_left[si] : room;
        if (want == 0)
            continue;
        k.n = 0;
        k.until = until;
        k.want = want;
        while (li < s->nlinks && s->links[li].site < si)
            li++;
        size_t l0 = li;
        for (size_t di = 0; di < s->ndevices && rc == 0; di++) {
            q_device *dev = &s->devices[di];
            if (dev->site != si)
                continue;
            for (size_t l = l0; l < s->nlinks && s->links[l].site == si && rc == 0; l++) {
                q_tc *tc = &s->tcs[s->links[l].tc];
                int step = dev->step > 0 ? dev->step : tc->duration;
                if (intersect(&dev->free, &tc->free, &pair)) {
                    rc = OOM(d);
                    break;
                }
                if (pair.n == 0)
                    continue;
                k.proto = (cand){0, di, s->links[l].tc, SIZE_MAX, dev->id, tc->id, 0};
                if (!dev->assisted) {
                    k.found = 0;
                    if (mg_booking_slot_starts(&pair, from, tc->duration, step, collect_start,
                                               &k) < 0)
                        rc = OOM(d);
                    continue;
                }
                for (size_t ai = 0; ai < s->nassistants && rc == 0; ai++) {
                    if (s->assistants[ai].site != si)
                        continue;
                    if (intersect(&pair, &s->assistants[ai].free, &triple)) {
                        rc = OOM(d);
                        break;
                    }
                    k.proto.assistant = ai;
                    k.proto.assistant_id = s->assistants[ai].id;
                    k.found = 0;
                    if (mg_booking_slot_starts(&triple, from, tc->duration, step, collect_start,
                                               &k) < 0)
                        rc = OOM(d);
                }
            }
        }
        if (rc < 0 || k.n == 0)
            continue;
        qsort(k.v, k.n, sizeof *k.v, cmp_cand);
        size_t kept = 0;
        for (size_t i = 0; i < k.n && kept < want && rc == 0; i++) {
            if (i > 0 && k.v[i].start == k.v[i - 1].start)
                continue;
            if (grow((void **)&s->out, s->n, &s->cap, sizeof *s->out)) {
                rc = OOM(d);
                break;
            }
            const cand *x = &k.v[i];
            const q_tc *tc = &s->tcs[x->tc];
            s->out[s->n++] = (mg_booking_slot){
                .start = x->start,
                .end = x->start + tc->duration,
                .site_id = s->sites[si].id,
                .device_id = s->devices[x->device].id,
                .teleconsultant_id = tc->id,
                .assistant_id = x->assistant == SIZE_MAX ? 0 : s->assistants[x->assistant].id,
                .kind = s->q->kind,
            };
            kept++;
        }
        s->site_left[si] -= kept;
    }
    free(k.v);
    mg_spans_free(&pair);
    mg_spans_free(&triple);
    if (rc < 0)
        return rc;
    if (s->n - n0 > 1)
        qsort(s->out + n0, s->n - n0, sizeof *s->out, cmp_slot);
    if (s->n > s->q->limit)
        s->n = s->q->limit;
    return 0;
}

/* The version of what the slots depend on (migration 012_booking_version). */
#define VERSION_SQL "SELECT version FROM booking_version WHERE id = 1"

static int next_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    next_state *s = ctx;
    next_state_reset(s);
    const mg_booking_slot_query *q = s->q;
    int64_t from = q->from;
    int64_t until = q->from + (int64_t)q->days * 1440;
    /* The version first: a change committed after it and seen by the reads
     * below only makes the answer's tag older than its data (a later miss),
     * never newer. */
    if (s->with_version) {
        int rc = mg_db_query_int(c, VERSION_SQL, MG_DB_NO_PARAMS, &s->version, d);
        if (rc)
            return rc;
    }
    int rc = next_read_resources(c, s, d);
    if (rc < 0 || s->nsites == 0)
        return rc;
    s->site_left = malloc(s->nsites * sizeof *s->site_left);
    if (!s->site_left)
        return OOM(d);
    for (size_t i = 0; i < s->nsites; i++)
        s->site_left[i] = q->per_site > 0 ? q->per_site : SIZE_MAX;
    /* By growing windows (a day, a day, then two, four…): the earliest
     * slots are usually in the first, and the bookings and hours of the
     * rest of the horizon are then never read; the second is a day too, as
     * a query that starts on a closed day (a Sunday) usually finds its
     * slots on the next. A window's rules are loaded for the longest
     * consultation past its end, so a slot starting in it is seen whole;
     * every slot of a window is later than those of the one before. */
    int64_t len = 1440;
    for (int64_t a = from, k = 0; a < until && rc == 0 && s->n < q->limit;
         a += len, len = k++ > 0 ? len * 2 : len) {
        int64_t b = a + len < until ? a + len : until;
        next_rules_reset(s);
        rc = next_load_rules(c, s, a, b + MG_BOOKING_DURATION_MAX_MIN, d);
        if (rc == 0)
            rc = next_compute(s, a, b, d);
    }
    return rc;
}

/* Computes q's answer in one read transaction; with version non-NULL,
 * reads booking_version first into it. */
static int next_slots_compute(mg_db *db, const mg_booking_slot_query *q, int64_t *version,
                              mg_booking_slot **out, size_t *n, mg_diag *d)
{
    next_state s;
    memset(&s, 0, sizeof s);
    s.q = q;
    s.pg = strcmp(mg_db_dialect(db), "postgresql") == 0;
    s.with_version = version != NULL;
    int rc = mg_db_transaction(db, MG_DB_TX_READ, next_body, &s, d);
    if (rc == 0) {
        *out = s.out;
        *n = s.n;
        s.out = NULL;
        if (version)
            *version = s.version;
    }
    next_state_reset(&s);
    return rc;
}

/* --- The cache of answers ------------------------------------------------------------------------ */

/*
 * Each process keeps up to SLOTS_CACHE_SIZE answers of mg_booking_next_slots,
 * keyed by the whole query but its from (the database's label, the sites in
 * their order, kind, days, limit, per_site, device, teleconsultant),
 * computed with SLOTS_CACHE_SLACK slots more than the limit and tagged with
 * booking_version's value read first in the answer's transaction. An answer
 * is served when the version read now (one prepared single-row SELECT, no
 * transaction) is the same, it is younger than SLOTS_CACHE_AGE_S, and it
 * holds the query's answer exactly (slots_offset: the same from, or a later
 * one whose slots it still holds — the slots before the new from dropped);
 * else it is computed again and replaces it. Every change of what the slots
 * depend on, in any process, bumps the version in its own transaction
 * (012_booking_version.*.sql), so an answer is never served after a change
 * is committed. The answer is a function of the query and of the
 * database's content only (it never reads the clock; callers ask from now
 * + 1), so a served answer is the one computing it would give; the age
 * bound only limits what a change the triggers cannot see (a restore that
 * brings the version back) could cost. Least recently used answers go
 * first. MG_BOOKING_SLOTS_CACHE=0 turns the cache off. Bookings never
 * read it: the slot is checked in the booking's transaction (book.h).
 */
#define SLOTS_CACHE_SIZE 256
#define SLOTS_CACHE_AGE_S 60
#define SLOTS_CACHE_SLACK 10

typedef struct slots_entry {
    char *key;                  /* NULL: free */
    size_t klen;
    uint64_t hash;
    int64_t version;
    int64_t from;               /* the query's from (not in the key) */
    size_t limit;               /* the limit computed with (≥ the query's) */
    int64_t born;               /* seconds of the cache's clock */
    uint64_t used;              /* the tick of its last use */
    mg_booking_slot *v;
    size_t n;
} slots_entry;

static struct {
    pthread_mutex_t mu;
    slots_entry e[SLOTS_CACHE_SIZE];
    uint64_t tick;
    mg_booking_slots_cache_stats stats;
    int64_t (*clock)(void);
} slots_cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int64_t monotonic_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec;
}

static bool slots_cache_on(void)
{
    const char *e = getenv("MG_BOOKING_SLOTS_CACHE");
    return !(e && strcmp(e, "0") == 0);
}

static void entry_clear(slots_entry *x)
{
    free(x->key);
    free(x->v);
    memset(x, 0, sizeof *x);
}

void mg_booking_slots_cache_clock(int64_t (*now)(void))
{
    pthread_mutex_lock(&slots_cache.mu);
    slots_cache.clock = now;
    pthread_mutex_unlock(&slots_cache.mu);
}

void mg_booking_slots_cache_clear(mg_booking_slots_cache_stats *stats)
{
    pthread_mutex_lock(&slots_cache.mu);
    if (stats)
        *stats = slots_cache.stats;
    for (size_t i = 0; i < SLOTS_CACHE_SIZE; i++)
        entry_clear(&slots_cache.e[i]);
    memset(&slots_cache.stats, 0, sizeof slots_cache.stats);
    pthread_mutex_unlock(&slots_cache.mu);
}

/* FNV-1a. */
static uint64_t key_hash(const char *k, size_t n)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 1099511628211u;
    return h;
}

static int slots_key(mg_db *db, const mg_booking_slot_query *q, mg_buf *k)
{
    if (mg_buf_printf(k, "%s\n%d %d %zu %zu %lld %lld %c", mg_db_label(db), (int)q->kind,
                      q->days, q->limit, q->per_site,
                      (long long)q->device_id, (long long)q->teleconsultant_id,
                      q->site_ids ? 'S' : '*') < 0)
        return MG_ENOMEM;
    for (size_t i = 0; q->site_ids && i < q->nsites; i++)
        if (mg_buf_printf(k, " %lld", (long long)q->site_ids[i]) < 0)
            return MG_ENOMEM;
    return k->failed ? MG_ENOMEM : 0;
}

/* The entry of key (mutex held), or NULL. */
static slots_entry *slots_find(const char *key, size_t klen, uint64_t h)
{
    for (size_t i = 0; i < SLOTS_CACHE_SIZE; i++) {
        slots_entry *x = &slots_cache.e[i];
        if (x->key && x->hash == h && x->klen == klen && memcmp(x->key, key, klen) == 0)
            return x;
    }
    return NULL;
}

static mg_booking_slot *slots_copy(const mg_booking_slot *v, size_t n)
{
    mg_booking_slot *c = malloc((n ? n : 1) * sizeof *c);
    if (c && n)
        memcpy(c, v, n * sizeof *c);
    return c;
}

/* Where q's answer starts in x's (computed from x->from ≤ q->from with
 * x->limit ≥ q->limit), or -1 when x cannot give it. With F0 = x->from,
 * F = q->from, L = q->limit and A = x's slots (the first x->limit of the
 * horizon [F0, F0 + days)):
 *  - F = F0: q's answer is A's first L (a smaller limit cuts the same
 *    sorted list);
 *  - F > F0, no per_site: the slots of A from F on, if at least L: every
 *    slot from F earlier than A's last is in A, and A's slots all start
 *    before F0 + days ≤ F + days;
 *  - F > F0 with per_site: the same, but only when no slot of A starts
 *    before F (a site whose slot is dropped may give another one, not in
 *    A); then no site has any slot in [F0, F) at all.
 * Else the answer is computed again. */
static long slots_offset(const slots_entry *x, const mg_booking_slot_query *q)
{
    if (q->from < x->from)
        return -1;
    size_t m = 0;
    while (m < x->n && x->v[m].start < q->from)
        m++;
    if (q->from == x->from)
        return 0; /* fewer than L: A is the whole horizon's */
    if (q->per_site > 0 && m > 0)
        return -1;
    return x->n - m >= q->limit ? (long)m : -1;
}

/* Serves q (key at version) from the cache: 1 served (*out, *n filled), 0
 * not, or MG_ENOMEM. */
static int slots_serve(const char *key, size_t klen, uint64_t h, int64_t version,
                       const mg_booking_slot_query *q, mg_booking_slot **out, size_t *n)
{
    int rc = 0;
    pthread_mutex_lock(&slots_cache.mu);
    int64_t now = slots_cache.clock ? slots_cache.clock() : monotonic_s();
    slots_entry *x = slots_find(key, klen, h);
    long m = -1;
    if (x && x->version == version && now - x->born < SLOTS_CACHE_AGE_S && now >= x->born)
        m = slots_offset(x, q);
    if (m >= 0) {
        size_t k = x->n - (size_t)m < q->limit ? x->n - (size_t)m : q->limit;
        *out = slots_copy(x->v + m, k);
        if (!*out) {
            rc = MG_ENOMEM;
        } else {
            *n = k;
            x->used = ++slots_cache.tick;
            slots_cache.stats.hits++;
            if (q->from != x->from)
                slots_cache.stats.later++;
            rc = 1;
        }
    } else {
        if (x)
            slots_cache.stats.stale++;
        slots_cache.stats.misses++;
    }
    pthread_mutex_unlock(&slots_cache.mu);
    return rc;
}

/* Keeps a copy of (v, n), computed for from with limit, for key at
 * version; nothing when memory lacks. */
static void slots_keep(const char *key, size_t klen, uint64_t h, int64_t version, int64_t from,
                       size_t limit, const mg_booking_slot *v, size_t n)
{
    char *k = malloc(klen + 1);
    mg_booking_slot *c = slots_copy(v, n);
    if (!k || !c) {
        free(k);
        free(c);
        return;
    }
    memcpy(k, key, klen + 1);
    pthread_mutex_lock(&slots_cache.mu);
    slots_entry *x = slots_find(key, klen, h);
    if (!x) {
        x = &slots_cache.e[0];
        for (size_t i = 0; i < SLOTS_CACHE_SIZE && x->key; i++)
            if (!slots_cache.e[i].key || slots_cache.e[i].used < x->used)
                x = &slots_cache.e[i];
    }
    entry_clear(x);
    *x = (slots_entry){.key = k, .klen = klen, .hash = h, .version = version, .from = from,
                       .limit = limit,
                       .born = slots_cache.clock ? slots_cache.clock() : monotonic_s(),
                       .used = ++slots_cache.tick, .v = c, .n = n};
    pthread_mutex_unlock(&slots_cache.mu);
}

/* The version now, outside any transaction; MG_ENOTFOUND without its row. */
static int read_version(mg_db *db, int64_t *version, mg_diag *d)
{
    mg_db_conn *c = NULL;
    int rc = mg_db_acquire(db, &c, d);
    if (rc)
        return rc;
    rc = mg_db_query_int(c, VERSION_SQL, MG_DB_NO_PARAMS, version, d);
    mg_db_release(c);
    return rc;
}

int mg_booking_next_slots(mg_db *db, const mg_booking_slot_query *q, mg_booking_slot **out,
                          size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    if (!q)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "requête de créneaux manquante");
    if (q->days < 1 || q->days > MG_BOOKING_HORIZON_DAYS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "days : de 1 à %d jours", (int)MG_BOOKING_HORIZON_DAYS);
    if (q->limit < 1 || q->limit > MG_BOOKING_PAGE_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "limit : de 1 à %d créneaux",
                           (int)MG_BOOKING_PAGE_MAX);
    if ((int)q->kind < 0 || q->kind >= MG_BOOKING_KINDS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "kind : type de consultation inconnu");
    if (q->nsites > MG_BOOKING_SITES_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "sites : %d lieux au plus",
                           (int)MG_BOOKING_SITES_MAX);
    if (q->site_ids && q->nsites == 0)
        return 0;
    if (!slots_cache_on())
        return next_slots_compute(db, q, NULL, out, n, d);
    mg_buf key;
    mg_buf_init(&key, (size_t)1 << 20);
    int64_t now_version = 0, version = 0;
    int rc = slots_key(db, q, &key);
    if (rc) {
        mg_buf_free(&key);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    uint64_t h = key_hash(key.data, key.len);
    rc = read_version(db, &now_version, d);
    if (rc == 0)
        rc = slots_serve(key.data, key.len, h, now_version, q, out, n);
    if (rc == 1) {
        mg_buf_free(&key);
        return 0;
    }
    if (rc == MG_ENOMEM) {
        mg_buf_free(&key);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* A miss, or no version to read (computed, not kept). Computed with
     * SLOTS_CACHE_SLACK slots more than asked, so that the answer still
     * serves the same query from a few minutes later (slots_offset). */
    bool keep = rc == 0;
    mg_diag_clear(d);
    mg_booking_slot_query wide = *q;
    if (keep)
        wide.limit = q->limit + SLOTS_CACHE_SLACK < MG_BOOKING_PAGE_MAX
                         ? q->limit + SLOTS_CACHE_SLACK
                         : MG_BOOKING_PAGE_MAX;
    mg_booking_slot *v = NULL;
    size_t nv = 0;
    rc = next_slots_compute(db, &wide, keep ? &version : NULL, &v, &nv, d);
    if (rc == 0) {
        if (keep)
            slots_keep(key.data, key.len, h, version, q->from, wide.limit, v, nv);
        *n = nv < q->limit ? nv : q->limit;
        *out = v;
    }
    mg_buf_free(&key);
    return rc;
}
