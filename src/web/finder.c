/*
 * The public care finder "Où me soigner ?" (GET /ou-me-soigner,
 * docs/finder.md): from a commune or a postcode, the nearest care points
 * of the directory by category, ordered by the travel time of the
 * engine's table (the diagnosis's pairs: road times when a road graph is
 * loaded), with their hours in French and whether they are open now in
 * Paris; where the directory knows none nearby, the BPE's counts per
 * commune stand in ("source BPE 2019, adresse non connue").
 *
 * Server-rendered, no script, no cookie, nothing from elsewhere. The
 * tables it needs beside the directory (postcodes, BPE counts) are read
 * once at start (web_finder_load).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "directory/directory.h"
#include "directory/holidays.h"
#include "directory/opening_hours.h"
#include "io/csv.h"
#include "io/reader.h"
#include "territory/codemap.h"
#include "web/form.h"
#include "web/rounds_web.h"
#include "web/web.h"

/* Care points shown per category. */
#define PER_SECTION 5
#define FIRST_BATCH 16
/* Communes whose BPE counts a category without directory entries shows. */
#define BPE_COMMUNES 5
/* The answers kept (cache slots, a commune's slot its index modulo this)
 * and for how long, in seconds: an edit of the directory reaches the
 * finder within that time. */
#define CACHE_SLOTS 1024
/* How much of what was typed the page keeps and quotes, in bytes. */
#define TYPED_MAX 200

/* --- The finder's sections ----------------------------------------------- */

typedef struct section {
    mg_dir_category category;
    const char *id;       /* the heading's id */
    const char *title;    /* the heading */
    const char *none;     /* "Aucun cabinet … connu", when nothing is near */
} section;

static const section sections[] = {
    {MG_DIR_GP_PRACTICE, "medecins", "Médecins généralistes", "Aucun cabinet de médecine générale connu"},
    {MG_DIR_HEALTH_CENTRE, "centres", "Centres et maisons de santé", "Aucun centre ni maison de santé connu"},
    {MG_DIR_PHARMACY, "pharmacies", "Pharmacies", "Aucune pharmacie connue"},
    {MG_DIR_CABIN, "cabines", "Cabines de téléconsultation", "Aucune cabine de téléconsultation connue"},
    {MG_DIR_CART, "chariots", "Chariots de téléconsultation", "Aucun chariot de téléconsultation connu"},
    {MG_DIR_HOSPITAL, "hopitaux", "Hôpitaux et urgences", "Aucun hôpital ni service d'urgences connu"},
};
#define NSECTIONS (sizeof sections / sizeof *sections)

/* The BPE 2019 equipment types standing in for each section (INSEE's
 * TYPEQU codes of the "santé" domain). */
typedef struct bpe_type {
    const char *code;
    mg_dir_category category;
    const char *one, *many; /* French, after a count */
} bpe_type;

static const bpe_type bpe_types[] = {
    {"D201", MG_DIR_GP_PRACTICE, "médecin généraliste", "médecins généralistes"},
    {"D108", MG_DIR_HEALTH_CENTRE, "centre de santé", "centres de santé"},
    {"D113", MG_DIR_HEALTH_CENTRE, "maison de santé pluridisciplinaire",
     "maisons de santé pluridisciplinaires"},
    {"D301", MG_DIR_PHARMACY, "pharmacie", "pharmacies"},
    {"D106", MG_DIR_HOSPITAL, "service d'urgences", "services d'urgences"},
    {"D101", MG_DIR_HOSPITAL, "établissement de soins de courte durée",
     "établissements de soins de courte durée"},
};
#define NBPE (sizeof bpe_types / sizeof *bpe_types)

/* --- Tables read at start ------------------------------------------------- */

typedef struct postcode {
    char code[6];
    uint32_t commune; /* territory index of a study commune */
} postcode;

struct cache_slot;

struct web_finder_data {
    postcode *postcodes; /* sorted by code, then commune name order of the file */
    size_t npostcodes;
    float *bpe[NBPE];    /* count per commune (t->n), NULL when the BPE file lacks the type */
    struct cache_slot *cache; /* CACHE_SLOTS */
};

static int cmp_postcode(const void *x, const void *y)
{
    const postcode *a = x, *b = y;
    int c = strcmp(a->code, b->code);
    if (c)
        return c;
    return (a->commune > b->commune) - (a->commune < b->commune);
}

static bool five_digits(const char *s, size_t len)
{
    if (len != 5)
        return false;
    for (size_t k = 0; k < 5; k++)
        if (s[k] < '0' || s[k] > '9')
            return false;
    return true;
}

/* La Poste's base: one row per postcode × commune; the study communes'. */
static int load_postcodes(struct web_finder_data *f, const mg_territory *t, const char *path,
                          mg_diag *d)
{
    static const char *const cols[] = {"Code_commune_INSEE", "Code_postal"};
    int idx[2];
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    size_t cap = 0;
    int rc;
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ';', d)) ||
        (rc = mg_csv_require(c, cols, 2, idx, d)))
        goto done;
    while ((rc = mg_csv_next(c, d)) == 1) {
        size_t clen, plen;
        const char *code = mg_csv_field(c, (size_t)idx[0], &clen);
        const char *cp = mg_csv_field(c, (size_t)idx[1], &plen);
        if (!mg_code_valid(code, clen) || !five_digits(cp, plen))
            continue; /* mg_import_laposte has refused malformed codes already */
        long i = mg_territory_find(t, code);
        if (i < 0 || !t->in_study[i])
            continue;
        if (f->npostcodes == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            postcode *np = mg_realloc_array(f->postcodes, ncap, sizeof *np);
            if (!np) {
                rc = MG_ENOMEM;
                goto done;
            }
            f->postcodes = np;
            cap = ncap;
        }
        postcode *p = &f->postcodes[f->npostcodes++];
        memcpy(p->code, cp, 5);
        p->code[5] = 0;
        p->commune = (uint32_t)i;
    }
    if (rc < 0)
        goto done;
    qsort(f->postcodes, f->npostcodes, sizeof *f->postcodes, cmp_postcode);
    /* One row per (postcode, commune): a commune's former codes repeat it. */
    size_t w = 0;
    for (size_t k = 0; k < f->npostcodes; k++)
        if (!w || cmp_postcode(&f->postcodes[w - 1], &f->postcodes[k]) != 0)
            f->postcodes[w++] = f->postcodes[k];
    f->npostcodes = w;
    rc = MG_OK;
done:
    mg_csv_close(c);
    mg_reader_close(r);
    return rc;
}

/* The BPE's "ensemble" file, the types of bpe_types, in one pass. */
static int load_bpe(struct web_finder_data *f, const mg_territory *t, const char *path,
                    mg_diag *d)
{
    static const char *const cols[] = {"DEPCOM", "TYPEQU", "NB_EQUIP"};
    int idx[3];
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    int rc;
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ';', d)) ||
        (rc = mg_csv_require(c, cols, 3, idx, d)))
        goto done;
    while ((rc = mg_csv_next(c, d)) == 1) {
        const char *type = mg_csv_field(c, (size_t)idx[1], NULL);
        size_t k = 0;
        while (k < NBPE && strcmp(type, bpe_types[k].code) != 0)
            k++;
        if (k == NBPE)
            continue;
        size_t len;
        const char *code = mg_csv_field(c, (size_t)idx[0], &len);
        long count;
        bool present;
        if (!mg_code_valid(code, len))
            continue; /* mg_import_bpe has refused it already for D201 */
        if ((rc = mg_csv_long(c, (size_t)idx[2], &count, &present, d)))
            goto done;
        long i = mg_territory_find(t, code);
        if (i < 0 || !present || count <= 0)
            continue;
        if (!f->bpe[k] && !(f->bpe[k] = mg_alloc_array(t->n, sizeof *f->bpe[k]))) {
            rc = MG_ENOMEM;
            goto done;
        }
        f->bpe[k][i] += (float)count;
    }
    if (rc >= 0)
        rc = MG_OK;
done:
    mg_csv_close(c);
    mg_reader_close(r);
    return rc;
}

/* The first of names found in dir (the names diagnosis.c looks for). */
static int find_file(char **out, const char *dir, const char *const *names, size_t n,
                     mg_diag *d)
{
    for (size_t k = 0; k < n; k++) {
        mg_diag tmp = {{0}};
        if (mg_find_data_file(out, dir, names[k], &tmp) == MG_OK)
            return MG_OK;
    }
    return mg_diag_set(d, MG_ENOTFOUND, dir, 0, 0, "the finder needs %s", names[0]);
}

static int cache_new(struct web_finder_data *f);
static void cache_free(struct web_finder_data *f);

int web_finder_load(struct web_finder_data **out, const mg_territory *t, const char *france,
                    mg_diag *d)
{
    static const char *const n_laposte[] = {"laposte_hexasmal_2020.csv", "laposte_hexasmal.csv"};
    static const char *const n_bpe[] = {"bpe19_ensemble_sante.csv", "bpe19_ensemble.csv"};
    *out = NULL;
    struct web_finder_data *f = calloc(1, sizeof *f);
    if (!f)
        return MG_ENOMEM;
    char *laposte = NULL, *bpe = NULL;
    int rc;
    if ((rc = find_file(&laposte, france, n_laposte, 2, d)) ||
        (rc = find_file(&bpe, france, n_bpe, 2, d)) ||
        (rc = load_postcodes(f, t, laposte, d)) || (rc = load_bpe(f, t, bpe, d)) ||
        (rc = cache_new(f))) {
        web_finder_free(f);
        f = NULL;
    }
    free(laposte);
    free(bpe);
    *out = f;
    return rc;
}

void web_finder_free(struct web_finder_data *f)
{
    if (!f)
        return;
    free(f->postcodes);
    for (size_t k = 0; k < NBPE; k++)
        free(f->bpe[k]);
    cache_free(f);
    free(f);
}

/* The study communes of postcode cp: their first row into *first, how many. */
static size_t postcode_communes(const struct web_finder_data *f, const char *cp, size_t *first)
{
    size_t lo = 0, hi = f->npostcodes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(f->postcodes[mid].code, cp) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    while (lo + n < f->npostcodes && strcmp(f->postcodes[lo + n].code, cp) == 0)
        n++;
    *first = lo;
    return n;
}

size_t web_finder_postcode(const struct web_finder_data *f, const char *cp, size_t *idx,
                           size_t max)
{
    size_t first, n = f && cp ? postcode_communes(f, cp, &first) : 0;
    for (size_t k = 0; k < n && k < max; k++)
        idx[k] = f->postcodes[first + k].commune;
    return n;
}

/* Paris civil time at Unix time t (directory/holidays.h). */
static int paris_time(int64_t t, mg_oh_instant *at)
{
    return mg_paris_civil(t, &at->year, &at->month, &at->day, &at->minute);
}

static int64_t finder_now(const mg_app *a)
{
    return a->finder_now ? a->finder_now : (int64_t)time(NULL);
}

/* --- Nearest communes ----------------------------------------------------- */

typedef struct reach {
    uint32_t commune;
    double minutes;
} reach;

static int cmp_reach(const void *x, const void *y)
{
    const reach *a = x, *b = y;
    if (a->minutes != b->minutes)
        return a->minutes < b->minutes ? -1 : 1;
    return (a->commune > b->commune) - (a->commune < b->commune);
}

/* The communes the table reaches from commune i, nearest first (i itself at
 * 0 minutes when the table leaves it out), in request memory. */
static reach *nearest(const mg_http_request *r, const mg_diagnosis *g, size_t i, size_t *n)
{
    const mg_pairs *pr = &g->pairs;
    size_t from = pr->start[i], to = pr->start[i + 1];
    reach *out = mg_http_alloc(r, (to - from + 1) * sizeof *out);
    if (!out)
        return NULL;
    size_t k = 0;
    bool self = false;
    for (size_t p = from; p < to; p++) {
        out[k++] = (reach){pr->to[p], pr->minutes[p]};
        self |= pr->to[p] == i;
    }
    if (!self)
        out[k++] = (reach){(uint32_t)i, 0};
    qsort(out, k, sizeof *out, cmp_reach);
    *n = k;
    return out;
}

/* --- One category --------------------------------------------------------- */

/* A structure found: its index in the set (the set's array moves as
 * later calls append to it; its strings do not), its name and id for the
 * order. */
typedef struct found {
    size_t k;
    const char *name;
    int64_t id;
    double minutes;
    size_t order; /* position in the reach list of its commune */
    /* What the page shows of its hours, found once (prepare_found): the
     * structure's hours or else a service's, parsed (NULL: none or
     * unreadable), said in French; a service's booking link. */
    const char *hours, *described, *booking;
    mg_opening_hours *oh;
} found;

static int cmp_found(const void *x, const void *y)
{
    const found *a = x, *b = y;
    if (a->minutes != b->minutes)
        return a->minutes < b->minutes ? -1 : 1;
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
    if (c)
        return c;
    return (a->id > b->id) - (a->id < b->id);
}

/* The reach entry of commune code `code` among the first n, or -1. */
static long reach_of(const mg_territory *t, const reach *rc, size_t n, const char *code)
{
    if (!code)
        return -1;
    long i = mg_territory_find(t, code);
    if (i < 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (rc[k].commune == (uint32_t)i)
            return (long)k;
    return -1;
}

/*
 * The nearest structures of every section. The directory is asked for
 * batches of communes in travel order — the FIRST_BATCH nearest, then
 * twice as many next… — in one statement per batch for the sections that
 * still need some (mg_dir_in_communes_many), until each has PER_SECTION or
 * the table is exhausted. The directory answers a batch's structures in
 * the order of its communes (directory.h), so the ones kept are exactly
 * the nearest (ties at equal minutes by name). One statement answers most
 * pages: the store sorts a few hundred rows at most for a dense directory
 * (its limit keeps PER_SECTION a category), where asking one category and
 * one commune at a time took up to 30 statements a page. Fills shown[s]
 * (at most PER_SECTION each); `into` owns the records.
 */
static int nearest_structures(const mg_app *a, const mg_http_request *r, const mg_territory *t,
                              const reach *rc, size_t nr, mg_dir_set *into,
                              found shown[][PER_SECTION], size_t *nshown, mg_diag *d)
{
    const char **codes = mg_http_alloc(r, (nr ? nr : 1) * sizeof *codes);
    if (!codes)
        return MG_ENOMEM;
    for (size_t k = 0; k < nr; k++)
        codes[k] = t->code[rc[k].commune];
    for (size_t s = 0; s < NSECTIONS; s++)
        nshown[s] = 0;
    size_t asked = 0, batch = FIRST_BATCH;
    int rcode = MG_OK;
    while (asked < nr) {
        mg_dir_category cats[NSECTIONS];
        size_t ncats = 0;
        for (size_t s = 0; s < NSECTIONS; s++)
            if (nshown[s] < PER_SECTION)
                cats[ncats++] = sections[s].category;
        if (ncats == 0)
            break;
        size_t take = batch < nr - asked ? batch : nr - asked;
        size_t before = into->nstructures;
        if ((rcode = mg_dir_in_communes_many(a->db, cats, ncats, codes + asked, take, PER_SECTION,
                                             into, d)))
            break;
        /* At most what each section still needs, whatever the store answers. */
        for (size_t k = before; k < into->nstructures; k++) {
            const mg_dir_structure *st = &into->structures[k];
            size_t s = 0;
            while (s < NSECTIONS && sections[s].category != st->category)
                s++;
            if (s == NSECTIONS || nshown[s] >= PER_SECTION)
                continue;
            long e = reach_of(t, rc + asked, take, st->commune_code);
            if (e >= 0)
                shown[s][nshown[s]++] = (found){.k = k, .name = st->name, .id = st->id,
                                                .minutes = rc[asked + (size_t)e].minutes,
                                                .order = asked + (size_t)e};
        }
        asked += take;
        batch *= 2;
    }
    for (size_t s = 0; s < NSECTIONS && rcode == MG_OK; s++)
        qsort(shown[s], nshown[s], sizeof shown[s][0], cmp_found);
    if (rcode != MG_OK)
        for (size_t s = 0; s < NSECTIONS; s++)
            nshown[s] = 0;
    return rcode;
}

/* --- Drawing -------------------------------------------------------------- */

static const char *const weekdays_fr[] = {"lundi", "mardi", "mercredi", "jeudi",
                                          "vendredi", "samedi", "dimanche"};
static const char *const months_fr[] = {"janvier", "février", "mars", "avril", "mai", "juin",
                                        "juillet", "août", "septembre", "octobre",
                                        "novembre", "décembre"};

/* "samedi 5 décembre 2026 à 14 h 05" */
static void instant_fr(mg_buf *b, const mg_oh_instant *at)
{
    long days = mg_days_from_civil(at->year, at->month, at->day);
    mg_html_text(b, weekdays_fr[mg_weekday(days)]);
    mg_buf_printf(b, " %d", at->day);
    if (at->day == 1)
        mg_buf_puts(b, "<sup>er</sup>");
    mg_buf_puts(b, " ");
    mg_html_text(b, months_fr[at->month - 1]);
    mg_buf_printf(b, " %d à %d h %02d", at->year, at->minute / 60, at->minute % 60);
}

static unsigned holiday_flags(const char *commune_code)
{
    if (commune_code && (strncmp(commune_code, "57", 2) == 0 ||
                         strncmp(commune_code, "67", 2) == 0 ||
                         strncmp(commune_code, "68", 2) == 0))
        return MG_HOLIDAYS_ALSACE_MOSELLE;
    return 0;
}

/* The minutes as people read them: "sur place" for 0, "12 min". */
static void minutes_fr(mg_buf *b, double m)
{
    long v = lround(m);
    if (v <= 0)
        mg_buf_puts(b, "dans votre commune");
    else if (v < 60)
        mg_buf_printf(b, "%ld min", v);
    else
        mg_buf_printf(b, "%ld h %02ld", v / 60, v % 60);
}

/* The hours of f (a structure of set): the structure's own, or else a
 * service's; parsed and said in French once, when the page's answer is
 * built (the cache keeps them), in the set's memory. */
static void prepare_found(mg_dir_set *set, found *f)
{
    const mg_dir_structure *s = &set->structures[f->k];
    const char *hours = s->opening_hours;
    for (size_t k = 0; k < set->nservices; k++) {
        const mg_dir_service *v = &set->services[k];
        if (v->structure_id != s->id)
            continue;
        if (!f->booking && v->booking_url && v->booking_url[0])
            f->booking = v->booking_url;
        if ((!hours || !hours[0]) && v->opening_hours && v->opening_hours[0])
            hours = v->opening_hours;
    }
    f->hours = hours && hours[0] ? hours : NULL;
    mg_diag d = {{0}};
    if (f->hours && mg_opening_hours_parse(f->hours, strlen(f->hours),
                                           holiday_flags(s->commune_code), &f->oh, &d) != MG_OK)
        f->oh = NULL;
    if (f->oh) {
        mg_buf desc;
        mg_buf_init(&desc, 4096);
        if (mg_opening_hours_describe(f->oh, &desc) == MG_OK && desc.data)
            f->described = mg_dir_strdup(set, desc.data, SIZE_MAX);
        mg_buf_free(&desc);
    }
}

/* When it next opens or closes, within NEXT_CHANGE_DAYS: " — ouvre demain à
 * 8 h 30", " — ferme à 19 h" (today), " — ouvre lundi à 9 h"; nothing when
 * the hours change no more within that time. */
#define NEXT_CHANGE_DAYS 7
static void next_change_fr(mg_buf *b, const mg_opening_hours *oh, int state,
                           const mg_oh_instant *now)
{
    mg_oh_instant next;
    if (mg_opening_hours_next_change(oh, *now, NEXT_CHANGE_DAYS, &next) != 1)
        return;
    long days = mg_days_from_civil(next.year, next.month, next.day) -
                mg_days_from_civil(now->year, now->month, now->day);
    mg_buf_puts(b, " <span class=\"finder-next\">— ");
    mg_buf_puts(b, state == MG_OH_OPEN ? "ferme " : "ouvre ");
    if (days == 1)
        mg_buf_puts(b, "demain ");
    else if (days > 1) {
        mg_html_text(b, weekdays_fr[mg_weekday(mg_days_from_civil(next.year, next.month,
                                                                  next.day))]);
        mg_buf_puts(b, " ");
    }
    else if (state != MG_OH_OPEN)
        mg_buf_puts(b, "aujourd'hui ");
    mg_buf_printf(b, "à %d h", next.minute / 60);
    if (next.minute % 60)
        mg_buf_printf(b, " %02d", next.minute % 60);
    mg_buf_puts(b, "</span>");
}

/* The hours, open now, phone and booking link of one structure. */
static void draw_hours(mg_buf *b, const mg_dir_structure *s, const found *f,
                       const mg_oh_instant *now)
{
    if (f->oh) {
        const char *comment = NULL;
        int st = mg_opening_hours_state(f->oh, *now, &comment);
        if (st == MG_OH_OPEN)
            mg_buf_puts(b, "<p class=\"finder-state finder-open\"><strong>Ouvert maintenant</strong>");
        else if (st == MG_OH_CLOSED)
            mg_buf_puts(b, "<p class=\"finder-state finder-closed\"><strong>Fermé maintenant</strong>");
        else
            mg_buf_puts(b, "<p class=\"finder-state finder-unknown\"><strong>Ouverture à vérifier</strong>");
        if (comment && comment[0]) {
            mg_buf_puts(b, " (");
            mg_html_text(b, comment);
            mg_buf_puts(b, ")");
        }
        if (st == MG_OH_OPEN || st == MG_OH_CLOSED)
            next_change_fr(b, f->oh, st, now);
        mg_buf_puts(b, "</p>\n<p class=\"finder-hours\">Horaires : ");
        mg_html_text(b, f->described ? f->described : f->hours);
        mg_buf_puts(b, "</p>\n");
    } else {
        mg_buf_puts(b, "<p class=\"finder-state finder-unknown\">Horaires non renseignés : "
                       "appelez avant de vous déplacer.</p>\n");
    }
    if (s->phone && s->phone[0]) {
        /* tel: keeps digits and '+' only. */
        char tel[40];
        size_t n = 0;
        for (const char *p = s->phone; *p && n + 1 < sizeof tel; p++)
            if ((*p >= '0' && *p <= '9') || (*p == '+' && n == 0))
                tel[n++] = *p;
        tel[n] = 0;
        mg_buf_puts(b, "<p class=\"finder-phone\">Téléphone : ");
        if (n) {
            mg_buf_puts(b, "<a href=\"tel:");
            mg_html_attr(b, tel);
            mg_buf_puts(b, "\">");
        }
        mg_html_text(b, s->phone);
        mg_buf_puts(b, n ? "</a></p>\n" : "</p>\n");
    }
    const char *booking = f->booking;
    if (booking && (strncmp(booking, "https://", 8) == 0 || strncmp(booking, "http://", 7) == 0 ||
                    booking[0] == '/')) {
        mg_buf_puts(b, "<p class=\"finder-booking\"><a href=\"");
        mg_html_attr(b, booking);
        mg_buf_puts(b, "\" rel=\"noopener noreferrer\">Prendre rendez-vous<span class=\"sr\"> : ");
        mg_html_text(b, s->name ? s->name : "");
        mg_buf_puts(b, "</span></a></p>\n");
    }
}

static void draw_structure(mg_buf *b, const mg_territory *t, const mg_dir_set *set,
                           const found *f, const mg_oh_instant *now)
{
    const mg_dir_structure *s = &set->structures[f->k];
    mg_buf_puts(b, "<li class=\"finder-item\">\n<h3>");
    mg_html_text(b, s->name ? s->name : "");
    mg_buf_puts(b, "</h3>\n<p class=\"finder-time\"><strong>");
    minutes_fr(b, f->minutes);
    mg_buf_puts(b, "</strong>");
    if (f->minutes > 0)
        mg_buf_puts(b, " en voiture");
    mg_buf_puts(b, "</p>\n<p class=\"finder-address\">");
    if (s->address && s->address[0]) {
        mg_html_text(b, s->address);
        if (s->address_extra && s->address_extra[0]) {
            mg_buf_puts(b, ", ");
            mg_html_text(b, s->address_extra);
        }
        mg_buf_puts(b, ", ");
    }
    if (s->postcode && s->postcode[0]) {
        mg_html_text(b, s->postcode);
        mg_buf_puts(b, " ");
    }
    long i = s->commune_code ? mg_territory_find(t, s->commune_code) : -1;
    mg_html_text(b, s->commune_name && s->commune_name[0] ? s->commune_name
                    : i >= 0                            ? t->name[i]
                                                        : "");
    mg_buf_puts(b, "</p>\n");
    draw_hours(b, s, f, now);
    mg_buf_puts(b, "</li>\n");
}

/* The BPE's counts of the section's types in the nearest communes that
 * have some: the first layer when the directory knows nothing near. */
static bool draw_bpe(mg_buf *b, const mg_app *a, const mg_territory *t, const section *sec,
                     const reach *rc, size_t nr)
{
    const struct web_finder_data *f = a->finder;
    size_t shown = 0;
    for (size_t k = 0; k < nr && shown < BPE_COMMUNES; k++) {
        size_t i = rc[k].commune;
        bool any = false;
        for (size_t e = 0; e < NBPE; e++)
            any |= bpe_types[e].category == sec->category && f->bpe[e] && f->bpe[e][i] > 0;
        if (!any)
            continue;
        if (!shown)
            mg_buf_puts(b, "<p>L'annuaire ne connaît pas encore les adresses de ces lieux près "
                           "de chez vous. La base permanente des équipements de l'INSEE en "
                           "compte dans les communes suivantes :</p>\n<ul class=\"finder-bpe\">\n");
        shown++;
        mg_buf_puts(b, "<li><strong>");
        mg_html_text(b, t->name[i]);
        mg_buf_puts(b, "</strong> (");
        minutes_fr(b, rc[k].minutes);
        mg_buf_puts(b, rc[k].minutes > 0 ? " en voiture) : " : ") : ");
        bool first = true;
        for (size_t e = 0; e < NBPE; e++) {
            if (bpe_types[e].category != sec->category || !f->bpe[e] || f->bpe[e][i] <= 0)
                continue;
            long n = lround(f->bpe[e][i]);
            mg_buf_printf(b, first ? "%ld " : ", %ld ", n);
            mg_html_text(b, n > 1 ? bpe_types[e].many : bpe_types[e].one);
            first = false;
        }
        mg_buf_puts(b, " — <em>source BPE 2019, adresse non connue</em></li>\n");
    }
    if (shown)
        mg_buf_puts(b, "</ul>\n");
    return shown > 0;
}

/* The search form, keeping what was typed (typed may be NULL); `error`
 * (may be NULL) is said beside the field. */
static void draw_form(mg_buf *b, const char *typed, const char *error)
{
    mg_buf_puts(b, "<form class=\"finder-form\" method=\"get\" action=\"/ou-me-soigner\" "
                   "role=\"search\" aria-label=\"Chercher près de chez moi\">\n"
                   "<label for=\"finder-lieu\">Votre commune ou votre code postal</label>\n"
                   "<p class=\"finder-hint\" id=\"finder-lieu-aide\">Par exemple : Castelnaudary, ou 11400.</p>\n");
    if (error) {
        mg_buf_puts(b, "<p class=\"finder-error error\" id=\"finder-lieu-erreur\">");
        mg_html_text(b, error);
        mg_buf_puts(b, "</p>\n");
    }
    mg_buf_puts(b, "<div class=\"finder-row\"><input type=\"text\" id=\"finder-lieu\" name=\"lieu\" "
                   "required maxlength=\"200\" autocomplete=\"postal-code\" spellcheck=\"false\" ");
    mg_buf_puts(b, error ? "aria-invalid=\"true\" aria-describedby=\"finder-lieu-erreur finder-lieu-aide\""
                         : "aria-describedby=\"finder-lieu-aide\"");
    if (typed && typed[0]) {
        mg_buf_puts(b, " value=\"");
        mg_html_attr(b, typed);
        mg_buf_puts(b, "\"");
    }
    mg_buf_puts(b, ">\n<button type=\"submit\">Chercher</button></div>\n</form>\n");
}

static void page_top(mg_buf *b, web_ctx *ctx, const char *title)
{
    web_page_begin(b, ctx, title, NULL);
    mg_buf_puts(b, "<div class=\"finder\">\n<h1>Où me soigner ?</h1>\n"
                   "<p class=\"finder-intro\">Les lieux de soins les plus proches de votre commune : "
                   "médecins, centres de santé, pharmacies, cabines de téléconsultation. "
                   "Sans compte, sans suivi : cette page ne dépose aucun cookie.</p>\n");
}

static int page_bottom(web_ctx *ctx)
{
    mg_buf *b = &ctx->res->body;
    mg_buf_puts(b, "</div>\n");
    web_page_end(b);
    return web_done(ctx);
}

/* The copy of what was typed, cut to TYPED_MAX bytes on a character boundary. */
static const char *typed_copy(const mg_http_request *r, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    if (n > TYPED_MAX) {
        n = TYPED_MAX;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *c = mg_http_alloc(r, n + 1);
    if (!c)
        return NULL;
    memcpy(c, s, n);
    c[n] = 0;
    return c;
}

/* The page saying what was not found (404), with the form as typed and the
 * communes whose names come close. */
static int not_found(web_ctx *ctx, const mg_diagnosis *g, const char *typed, const char *msg,
                     bool suggest)
{
    mg_buf *b = &ctx->res->body;
    mg_buf_reset(b);
    ctx->res->status = 404;
    page_top(b, ctx, "Commune introuvable — Où me soigner ?");
    draw_form(b, typed, msg);
    size_t idx[WEB_COMMUNE_SUGGEST_MAX];
    size_t n = suggest && typed ? web_commune_suggest(g, typed, idx, 5) : 0;
    if (n) {
        mg_buf_puts(b, "<h2>Vouliez-vous dire :</h2>\n<ul class=\"finder-choices\">\n");
        for (size_t k = 0; k < n; k++) {
            mg_buf_puts(b, "<li><a href=\"");
            mg_html_href(b, "/ou-me-soigner", (const char *[]){"commune", g->t->code[idx[k]], NULL},
                         NULL);
            mg_buf_puts(b, "\">");
            mg_html_text(b, g->t->name[idx[k]]);
            mg_buf_puts(b, " (");
            mg_html_text(b, g->t->code[idx[k]]);
            mg_buf_puts(b, ")</a></li>\n");
        }
        mg_buf_puts(b, "</ul>\n");
    }
    return page_bottom(ctx);
}

/* A postcode of several communes: which one? */
static int choose_commune(web_ctx *ctx, const mg_diagnosis *g, const char *cp, size_t first,
                          size_t n)
{
    const struct web_finder_data *f = ctx->app->finder;
    mg_buf *b = &ctx->res->body;
    page_top(b, ctx, "Choisir sa commune — Où me soigner ?");
    draw_form(b, cp, NULL);
    mg_buf_puts(b, "<h2>Le code postal ");
    mg_html_text(b, cp);
    mg_buf_printf(b, " couvre %zu communes : laquelle est la vôtre ?</h2>\n"
                     "<ul class=\"finder-choices\">\n", n);
    for (size_t k = first; k < first + n; k++) {
        size_t i = f->postcodes[k].commune;
        mg_buf_puts(b, "<li><a href=\"");
        mg_html_href(b, "/ou-me-soigner", (const char *[]){"commune", g->t->code[i], NULL}, NULL);
        mg_buf_puts(b, "\">");
        mg_html_text(b, g->t->name[i]);
        mg_buf_puts(b, "</a></li>\n");
    }
    mg_buf_puts(b, "</ul>\n");
    return page_bottom(ctx);
}

/* How the table's times were made, for the note under the heading. */
static const char *times_source(const mg_diagnosis *g)
{
    if (g->opts.graph || g->opts.osm)
        return "temps par la route calculés sur le réseau routier";
    if (g->opts.matrix)
        return "temps du distancier fourni à la plateforme";
    return "temps estimés à partir de la distance à vol d'oiseau";
}

/* --- The answers kept ----------------------------------------------------
 *
 * What the directory answers for a commune (its nearest structures by
 * category, their hours parsed and said in French) is kept app->finder_cache_s
 * seconds (serve --finder-cache; 0: not kept, each page fills a slot of its own):
 * a page then costs its drawing and the open-now states, which depend on
 * the instant and are always computed anew. Each slot has its lock, held
 * while the slot is filled or drawn from, so that handlers on other
 * communes never wait. */

typedef struct cache_slot {
    pthread_mutex_t lock;
    long commune;      /* territory index, -1 when empty */
    int64_t expires;   /* monotonic seconds */
    mg_dir_set set; /* every section's records */
    found shown[NSECTIONS][PER_SECTION];
    size_t nshown[NSECTIONS];
} cache_slot;

static int cache_new(struct web_finder_data *f)
{
    f->cache = calloc(CACHE_SLOTS, sizeof *f->cache);
    if (!f->cache)
        return MG_ENOMEM;
    for (size_t k = 0; k < CACHE_SLOTS; k++) {
        pthread_mutex_init(&f->cache[k].lock, NULL);
        f->cache[k].commune = -1;
        mg_dir_set_init(&f->cache[k].set);
    }
    return MG_OK;
}

/* Forgets what slot c holds. */
static void slot_clear(cache_slot *c)
{
    for (size_t s = 0; s < NSECTIONS; s++) {
        for (size_t k = 0; k < c->nshown[s]; k++)
            mg_opening_hours_free(c->shown[s][k].oh);
        c->nshown[s] = 0;
    }
    mg_dir_set_free(&c->set);
    mg_dir_set_init(&c->set);
    c->commune = -1;
}

static void cache_free(struct web_finder_data *f)
{
    if (!f->cache)
        return;
    for (size_t k = 0; k < CACHE_SLOTS; k++) {
        slot_clear(&f->cache[k]);
        pthread_mutex_destroy(&f->cache[k].lock);
    }
    free(f->cache);
    f->cache = NULL;
}

static int64_t monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* Fills slot c (locked) for commune i from the directory. */
static int slot_fill(const mg_app *a, const mg_http_request *r, const mg_territory *t,
                     cache_slot *c, size_t i, const reach *rc, size_t nr, mg_diag *d)
{
    slot_clear(c);
    int rcode = nearest_structures(a, r, t, rc, nr, &c->set, c->shown, c->nshown, d);
    if (rcode != MG_OK) {
        slot_clear(c);
        return rcode;
    }
    for (size_t s = 0; s < NSECTIONS; s++)
        for (size_t k = 0; k < c->nshown[s]; k++)
            prepare_found(&c->set, &c->shown[s][k]);
    c->commune = (long)i;
    c->expires = monotonic_seconds() + a->finder_cache_s;
    return MG_OK;
}

/* The results for study commune i. */
static int results(web_ctx *ctx, const mg_diagnosis *g, size_t i, const char *typed)
{
    const mg_app *a = ctx->app;
    const mg_territory *t = g->t;
    mg_buf *b = &ctx->res->body;
    size_t nr = 0;
    reach *rc = nearest(ctx->req, g, i, &nr);
    if (!rc)
        return MG_ENOMEM;
    mg_oh_instant now;
    paris_time(finder_now(a), &now);
    /* Without keeping answers, a slot of this request's own. */
    bool kept = a->finder_cache_s > 0;
    cache_slot own;
    cache_slot *c = kept ? &a->finder->cache[i % CACHE_SLOTS] : &own;
    if (!kept) {
        memset(&own, 0, sizeof own);
        own.commune = -1;
        mg_dir_set_init(&own.set);
        pthread_mutex_init(&own.lock, NULL);
    }
    mg_diag d = {{0}};
    pthread_mutex_lock(&c->lock);
    if (!kept || c->commune != (long)i || monotonic_seconds() >= c->expires) {
        int rcode = slot_fill(a, ctx->req, t, c, i, rc, nr, &d);
        if (rcode != MG_OK) {
            pthread_mutex_unlock(&c->lock);
            if (!kept)
                pthread_mutex_destroy(&own.lock);
            web_storage_error(ctx->req, ctx->res, rcode, &d, NULL,
                              "L'annuaire est momentanément indisponible. Réessayez dans un "
                              "instant.");
            return MG_OK;
        }
    }
    char title[256];
    snprintf(title, sizeof title, "Près de %s — Où me soigner ?", t->name[i]);
    page_top(b, ctx, title);
    draw_form(b, typed, NULL);
    mg_buf_puts(b, "<h2 id=\"finder-resultats\">Près de ");
    mg_html_text(b, t->name[i]);
    mg_buf_puts(b, " (");
    mg_html_text(b, t->code[i]);
    mg_buf_puts(b, ")</h2>\n<p class=\"finder-note\">Temps de trajet en voiture, estimation (");
    mg_html_text(b, times_source(g));
    double reach_max = nr ? rc[nr - 1].minutes : 0;
    mg_buf_printf(b, ", jusqu'à %ld minutes). « Ouvert maintenant » : à l'heure de Paris, le ",
                  lround(reach_max));
    instant_fr(b, &now);
    mg_buf_puts(b, ".</p>\n<nav class=\"finder-toc\" aria-label=\"Catégories\"><ul>");
    for (size_t s = 0; s < NSECTIONS; s++) {
        mg_buf_puts(b, "<li><a href=\"#");
        mg_html_attr(b, sections[s].id);
        mg_buf_puts(b, "\">");
        mg_html_text(b, sections[s].title);
        mg_buf_printf(b, "</a> (%zu)</li>", c->nshown[s]);
    }
    mg_buf_puts(b, "</ul></nav>\n");
    for (size_t s = 0; s < NSECTIONS; s++) {
        const section *sec = &sections[s];
        mg_buf_puts(b, "<section class=\"finder-section\" aria-labelledby=\"");
        mg_html_attr(b, sec->id);
        mg_buf_puts(b, "\">\n<h2 id=\"");
        mg_html_attr(b, sec->id);
        mg_buf_puts(b, "\">");
        mg_html_text(b, sec->title);
        mg_buf_puts(b, "</h2>\n");
        if (c->nshown[s]) {
            mg_buf_puts(b, "<ol class=\"finder-list\">\n");
            for (size_t k = 0; k < c->nshown[s]; k++)
                draw_structure(b, t, &c->set, &c->shown[s][k], &now);
            mg_buf_puts(b, "</ol>\n");
        } else if (!draw_bpe(b, a, t, sec, rc, nr)) {
            mg_buf_puts(b, "<p>");
            mg_html_text(b, sec->none);
            mg_buf_printf(b, " à moins de %ld minutes.</p>\n", lround(reach_max));
        }
        if (sec->category == MG_DIR_CABIN) {
            /* The booking of the shared equipment (issue 17, booking_public.c). */
            mg_buf_puts(b, "<p class=\"finder-booking\"><a href=\"");
            mg_html_href(b, "/teleconsultation", (const char *const[]){"commune", t->code[i], NULL},
                         NULL);
            mg_buf_puts(b, "\">Réserver une cabine ou un chariot de téléconsultation près de ");
            mg_html_text(b, t->name[i]);
            mg_buf_puts(b, "</a></p>\n");
        }
        mg_buf_puts(b, "</section>\n");
    }
    pthread_mutex_unlock(&c->lock);
    if (!kept) {
        slot_clear(&own);
        pthread_mutex_destroy(&own.lock);
    }
    /* The next stops of mobile services (issue 18, rounds_public.c): the
     * section is drawn only when there are some. */
    web_rounds_finder_section(b, ctx, i);
    return page_bottom(ctx);
}

/* The text without its surrounding spaces, in request memory. */
static const char *trimmed(const mg_http_request *r, const char *s)
{
    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char *c = mg_http_alloc(r, n + 1);
    if (!c)
        return NULL;
    memcpy(c, s, n);
    c[n] = 0;
    return c;
}

/* GET /ou-me-soigner[?lieu=…|?commune=…|?code_postal=…] */
static int finder_page(web_ctx *ctx)
{
    const mg_http_request *r = ctx->req;
    const mg_app *a = ctx->app;
    const mg_app_profession *p = mg_app_profession_get(a, NULL);
    const mg_diagnosis *g = p->g;
    const char *lieu = trimmed(r, mg_http_query(r, "lieu"));
    const char *commune = trimmed(r, mg_http_query(r, "commune"));
    const char *cp = trimmed(r, mg_http_query(r, "code_postal"));
    const char *typed = cp && cp[0] ? cp : commune && commune[0] ? commune : lieu;
    bool from_form = typed && typed == lieu;
    typed = typed_copy(r, typed);
    if (!typed || !typed[0]) {
        mg_buf *b = &ctx->res->body;
        page_top(b, ctx, "Où me soigner ?");
        draw_form(b, NULL, NULL);
        return page_bottom(ctx);
    }
    bool as_postcode = cp && cp[0];
    if (!as_postcode && from_form) {
        /* The form's one field: five digits that are a postcode are one. */
        size_t first;
        as_postcode = five_digits(typed, strlen(typed)) &&
                      postcode_communes(a->finder, typed, &first) > 0;
    }
    if (as_postcode) {
        char msg[300];
        if (!five_digits(typed, strlen(typed))) {
            snprintf(msg, sizeof msg, "Le code postal « %s » n'est pas valide : il faut cinq "
                                      "chiffres, par exemple 11400.", typed);
            return not_found(ctx, g, typed, msg, false);
        }
        size_t first, n = postcode_communes(a->finder, typed, &first);
        if (n == 0) {
            snprintf(msg, sizeof msg, "Aucune commune de %s n'a le code postal %s. Vérifiez-le, "
                                      "ou tapez le nom de votre commune.", a->territory_name, typed);
            return not_found(ctx, g, typed, msg, false);
        }
        if (n > 1)
            return choose_commune(ctx, g, typed, first, n);
        return results(ctx, g, a->finder->postcodes[first].commune, typed);
    }
    long idx = -1;
    char msg[WEB_FORM_ERROR_SIZE], sentence[WEB_FORM_ERROR_SIZE];
    if (web_commune_resolve(g, typed, &idx, msg, sizeof msg) != MG_OK) {
        if (from_form && five_digits(typed, strlen(typed))) {
            /* Five digits in the form: neither a postcode nor an INSEE
             * code of the territory; people type postcodes. */
            snprintf(sentence, sizeof sentence,
                     "Aucune commune de %s n'a le code postal %s, ni le code INSEE %s. "
                     "Vérifiez-le, ou tapez le nom de votre commune.",
                     a->territory_name, typed, typed);
            return not_found(ctx, g, typed, sentence, false);
        }
        web_sentence(sentence, sizeof sentence, msg);
        return not_found(ctx, g, typed, sentence, true);
    }
    /* A link's ?commune=CODE: the field shows the commune's name. */
    return results(ctx, g, (size_t)idx, from_form ? typed : g->t->name[idx]);
}

const web_route web_routes_finder[] = {
    {"GET", "/ou-me-soigner", finder_page, WEB_ANYONE, 0},
    {NULL, NULL, NULL, 0, 0},
};
