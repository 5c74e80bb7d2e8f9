/*
 * What comes out of the single window (outputs.h): a co-funder's figures
 * over the parts routed to it, summed by the database (SUM … GROUP BY);
 * its XLSX workbook (libxlsxwriter, constant memory: one row held at a
 * time), and the open-data file of granted parts in the SCDL
 * « subventions » layout (schema.data.gouv.fr, scdl/subventions 2.1.1;
 * docs/funding-calls.md). Reads only.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "contracts/budget.h"
#include "core/utf8.h"
#include "audit/audit.h"
#include "funding/outputs.h"

/* A routed part: what the figures, the list and the workbook read. */
#define ROUTED "rf.funder_id = ?1 AND rf.routed_at IS NOT NULL"

/* The sums of one group, as the columns 1..4 of a grouped row. */
#define SUMS                                                                                  \
    "CAST(SUM(rf.asked_cents) AS BIGINT), CAST(SUM(COALESCE(rf.granted_cents, 0)) AS BIGINT), " \
    "CAST(SUM(rf.paid_cents) AS BIGINT), CAST(COUNT(*) AS BIGINT)"

static void sums_of(mg_db_stmt *q, int col, mg_subsidy_amounts *a)
{
    a->asked = mg_db_column_int64(q, col);
    a->granted = mg_db_column_int64(q, col + 1);
    a->paid = mg_db_column_int64(q, col + 2);
    a->requests = mg_db_column_int64(q, col + 3);
}

/* --- Figures ------------------------------------------------------------------------------- */

/*
 * The figures come from one query: the co-funder's routed parts summed by
 * the database per (part state, start year, action, applicant), then those
 * groups added up here into the four lists — one scan of the parts and
 * their requests instead of one per list (the co-funder's page reads them
 * at every request: bench/bench-funding.sh).
 */

struct groups {
    mg_subsidy_group *v;
    size_t n, cap;
};

/* The group of `key` in g, added (label copied) when new; NULL on no memory. */
static mg_subsidy_group *group_of(struct groups *g, int64_t key, const char *label)
{
    for (size_t i = g->n; i > 0; i--)
        if (g->v[i - 1].key == key)
            return &g->v[i - 1];
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 8;
        mg_subsidy_group *p = realloc(g->v, nc * sizeof *p);
        if (!p)
            return NULL;
        g->v = p;
        g->cap = nc;
    }
    mg_subsidy_group *r = &g->v[g->n++];
    memset(r, 0, sizeof *r);
    r->key = key;
    snprintf(r->label, sizeof r->label, "%s", label ? label : "");
    return r;
}

static void amounts_add(mg_subsidy_amounts *to, const mg_subsidy_amounts *a)
{
    to->asked += a->asked;
    to->granted += a->granted;
    to->paid += a->paid;
    to->requests += a->requests;
}

static int by_key(const void *a, const void *b)
{
    const mg_subsidy_group *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

/* Actions by title, « Sans action » (key 0) last; applicants by name. */
static int by_label(const void *a, const void *b)
{
    const mg_subsidy_group *x = a, *y = b;
    if ((x->key == 0) != (y->key == 0))
        return x->key == 0 ? 1 : -1;
    int c = strcmp(x->label, y->label);
    return c ? c : by_key(a, b);
}

/* The audit chain's head: every change of the single window is one write
 * transaction with its audit entry (funding.h), so an unchanged head means
 * unchanged figures. seq 0: no entry yet. */
typedef struct head {
    int64_t seq;
    char hash[65];
} head;

static int head_read(mg_db_conn *c, head *h, mg_diag *d)
{
    memset(h, 0, sizeof *h);
    return mg_audit_head(c, &h->seq, h->hash, d);
}

struct figures_tx {
    int64_t funder;
    bool with_head;
    head h;
    struct groups st, yr, ac, ap;
    mg_subsidy_amounts all;
};

static int figures_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct figures_tx *t = ctx;
    memset(&t->all, 0, sizeof t->all);
    t->st.n = t->yr.n = t->ac.n = t->ap.n = 0;
    int rc = t->with_head ? head_read(c, &t->h, d) : 0;
    if (rc < 0)
        return rc;
    mg_db_stmt *q = NULL;
    rc = mg_db_prepare_with(
        c,
        "SELECT rf.state, COALESCE(CAST(substr(r.starts_on, 1, 4) AS INTEGER), 0), "
        "COALESCE(r.action_id, 0), r.applicant_id, COALESCE(MIN(a.title), ''), MIN(o.name), "
        SUMS " FROM subsidy_request_funders rf "
        "JOIN subsidy_requests r ON r.id = rf.request_id "
        "JOIN organisations o ON o.id = r.applicant_id "
        "LEFT JOIN contract_actions a ON a.id = r.action_id "
        "WHERE " ROUTED " GROUP BY 1, 2, 3, 4",
        MG_DB_PARAMS(MG_DB_INT(t->funder)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        mg_subsidy_amounts a;
        sums_of(q, 6, &a);
        mg_subsidy_part_state s = MG_PART_ADDRESSED;
        const char *key = mg_db_column_text(q, 0);
        if (mg_subsidy_part_state_parse(key ? key : "", &s) != 0) {
            rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                             "DATABASE: a co-funder's part has the unknown state \"%s\"",
                             key ? key : "");
            break;
        }
        int64_t year = mg_db_column_int64(q, 1), action = mg_db_column_int64(q, 2);
        char ylabel[24];
        if (year > 0)
            snprintf(ylabel, sizeof ylabel, "%" PRId64, year);
        else
            snprintf(ylabel, sizeof ylabel, "Sans date");
        const char *atitle = mg_db_column_text(q, 4);
        mg_subsidy_group *g[4] = {
            group_of(&t->st, (int64_t)s, mg_subsidy_part_state_label(s)),
            group_of(&t->yr, year, ylabel),
            group_of(&t->ac, action, action > 0 ? (atitle ? atitle : "") : "Sans action"),
            group_of(&t->ap, mg_db_column_int64(q, 3), mg_db_column_text(q, 5)),
        };
        for (int k = 0; k < 4; k++) {
            if (!g[k]) {
                rc = MG_ENOMEM;
                break;
            }
            amounts_add(&g[k]->a, &a);
        }
        amounts_add(&t->all, &a);
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

/* A deep copy of figures (to and from the cache). */
static int figures_copy(mg_subsidy_funder_figures *to, const mg_subsidy_funder_figures *from)
{
    memset(to, 0, sizeof *to);
    to->all = from->all;
    struct {
        mg_subsidy_group **dst;
        size_t *ndst;
        const mg_subsidy_group *src;
        size_t n;
    } lists[4] = {{&to->by_state, &to->nstate, from->by_state, from->nstate},
                  {&to->by_year, &to->nyear, from->by_year, from->nyear},
                  {&to->by_action, &to->naction, from->by_action, from->naction},
                  {&to->by_applicant, &to->napplicant, from->by_applicant, from->napplicant}};
    for (int k = 0; k < 4; k++) {
        if (lists[k].n == 0)
            continue;
        *lists[k].dst = malloc(lists[k].n * sizeof **lists[k].dst);
        if (!*lists[k].dst) {
            mg_subsidy_funder_figures_clear(to);
            return MG_ENOMEM;
        }
        memcpy(*lists[k].dst, lists[k].src, lists[k].n * sizeof **lists[k].dst);
        *lists[k].ndst = lists[k].n;
    }
    return 0;
}

/*
 * The co-funders' figures last computed, per database and co-funder, with
 * the audit head they were computed at: the co-funder's page shows them at
 * every request, and they change only with an audited change. A hit costs
 * one read of the chain's head (mg_audit_head). A head with no entry (seq 0) is never
 * cached: what was written without the audit trail (raw SQL) is not seen.
 */
#define FIGURES_CACHE 32

static struct cached_figures {
    const mg_db *db;
    int64_t funder;
    head h;
    uint64_t used;
    mg_subsidy_funder_figures f;
} cache[FIGURES_CACHE];
static uint64_t cache_clock;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static bool cache_get(const mg_db *db, int64_t funder, const head *h,
                      mg_subsidy_funder_figures *out)
{
    bool hit = false;
    pthread_mutex_lock(&cache_lock);
    for (size_t k = 0; k < FIGURES_CACHE && !hit; k++) {
        struct cached_figures *e = &cache[k];
        if (e->db == db && e->funder == funder && e->h.seq == h->seq &&
            strcmp(e->h.hash, h->hash) == 0 && figures_copy(out, &e->f) == 0) {
            e->used = ++cache_clock;
            hit = true;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return hit;
}

static void cache_put(const mg_db *db, int64_t funder, const head *h,
                      const mg_subsidy_funder_figures *f)
{
    pthread_mutex_lock(&cache_lock);
    struct cached_figures *slot = &cache[0];
    for (size_t k = 0; k < FIGURES_CACHE; k++) {
        struct cached_figures *e = &cache[k];
        if (e->db == db && e->funder == funder) {
            slot = e;
            break;
        }
        if (e->used < slot->used)
            slot = e;
    }
    mg_subsidy_funder_figures copy;
    if (figures_copy(&copy, f) == 0) {
        mg_subsidy_funder_figures_clear(&slot->f);
        slot->db = db;
        slot->funder = funder;
        slot->h = *h;
        slot->f = copy;
        slot->used = ++cache_clock;
    }
    pthread_mutex_unlock(&cache_lock);
}

struct head_tx {
    head h;
};

static int head_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    return head_read(c, &((struct head_tx *)ctx)->h, d);
}

int mg_subsidy_funder_figures_get(mg_db *db, int64_t funder_id, mg_subsidy_funder_figures *out,
                                  mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_subsidy_funder_figures_get: bad arguments");
    memset(out, 0, sizeof *out);
    struct head_tx ht;
    int rc = mg_db_transaction(db, MG_DB_TX_READ, head_body, &ht, d);
    if (rc < 0)
        return rc;
    if (ht.h.seq > 0 && cache_get(db, funder_id, &ht.h, out))
        return 0;
    struct figures_tx t = {.funder = funder_id, .with_head = true};
    rc = mg_db_transaction(db, MG_DB_TX_READ, figures_body, &t, d);
    if (rc < 0) {
        free(t.st.v);
        free(t.yr.v);
        free(t.ac.v);
        free(t.ap.v);
        return rc;
    }
    /* States in their order (addressed … closed), years in theirs. */
    if (t.st.n > 1)
        qsort(t.st.v, t.st.n, sizeof *t.st.v, by_key);
    if (t.yr.n > 1)
        qsort(t.yr.v, t.yr.n, sizeof *t.yr.v, by_key);
    if (t.ac.n > 1)
        qsort(t.ac.v, t.ac.n, sizeof *t.ac.v, by_label);
    if (t.ap.n > 1)
        qsort(t.ap.v, t.ap.n, sizeof *t.ap.v, by_label);
    out->by_state = t.st.v;
    out->nstate = t.st.n;
    out->by_year = t.yr.v;
    out->nyear = t.yr.n;
    out->by_action = t.ac.v;
    out->naction = t.ac.n;
    out->by_applicant = t.ap.v;
    out->napplicant = t.ap.n;
    out->all = t.all;
    /* Kept with the head read in the same transaction as the figures. */
    if (t.h.seq > 0)
        cache_put(db, funder_id, &t.h, out);
    return 0;
}

void mg_subsidy_funder_figures_clear(mg_subsidy_funder_figures *f)
{
    if (!f)
        return;
    free(f->by_state);
    free(f->by_year);
    free(f->by_action);
    free(f->by_applicant);
    memset(f, 0, sizeof *f);
}

/* --- A page of the co-funder's requests ------------------------------------------------------ */

struct page_tx {
    int64_t funder;
    const char *state;
    size_t offset, limit;
    mg_subsidy_row *v;
    size_t n;
};

/*
 * The page's ids come from the index on (funder_id, state, request_id)
 * alone: a routed part is one that left "addressed" (the only state a part
 * is filed in, and one it never comes back to: subsidy_funder_transitions),
 * except a part closed before being routed (routed_at tells). One arm per
 * state, each already in request_id order in the index, merged (UNION ALL
 * … ORDER BY): no sort of every part of the co-funder, which was most of
 * the page's time (bench-funding).
 */
static void page_sql(char *sql, size_t cap)
{
    size_t o = 0;
    o += (size_t)snprintf(sql + o, cap - o,
                          "SELECT r.id, r.title, r.applicant_id, o.name, r.state, p.state, "
                          "p.asked_cents, COALESCE(p.granted_cents, 0), p.paid_cents, "
                          "COALESCE(r.filed_at, ''), COALESCE(r.starts_on, ''), r.is_example "
                          "FROM (");
    for (int s = MG_PART_ADDRESSED + 1; s < MG_PART_STATES && o < cap; s++) {
        const char *key = mg_subsidy_part_state_key((mg_subsidy_part_state)s);
        o += (size_t)snprintf(sql + o, cap - o,
                              "%sSELECT request_id FROM subsidy_request_funders "
                              "WHERE funder_id = ?1 AND state = '%s'%s "
                              "AND (CAST(?2 AS TEXT) = '' OR CAST(?2 AS TEXT) = '%s')",
                              s > MG_PART_ADDRESSED + 1 ? " UNION ALL " : "", key,
                              s == MG_PART_CLOSED ? " AND routed_at IS NOT NULL" : "", key);
    }
    if (o < cap)
        snprintf(sql + o, cap - o,
                 " ORDER BY 1 DESC LIMIT ?3 OFFSET ?4) pg "
                 "JOIN subsidy_request_funders p ON p.request_id = pg.request_id "
                 "AND p.funder_id = ?1 "
                 "JOIN subsidy_requests r ON r.id = p.request_id "
                 "JOIN organisations o ON o.id = r.applicant_id "
                 "ORDER BY p.request_id DESC");
}

static int page_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct page_tx *t = ctx;
    t->n = 0;
    char sql[4096];
    page_sql(sql, sizeof sql);
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c, sql,
        MG_DB_PARAMS(MG_DB_INT(t->funder), MG_DB_TEXT(t->state), MG_DB_INT((int64_t)t->limit),
                     MG_DB_INT((int64_t)t->offset)),
        &q, d);
    while (rc == 0 && t->n < t->limit && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        mg_subsidy_row *x = &t->v[t->n++];
        memset(x, 0, sizeof *x);
        x->id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, x->title, sizeof x->title);
        x->applicant_id = mg_db_column_int64(q, 2);
        mg_db_column_copy(q, 3, x->applicant_name, sizeof x->applicant_name);
        const char *rs = mg_db_column_text(q, 4), *ps = mg_db_column_text(q, 5);
        if (mg_subsidy_state_parse(rs ? rs : "", &x->state) != 0)
            x->state = MG_SUBSIDY_DRAFT;
        if (mg_subsidy_part_state_parse(ps ? ps : "", &x->part_state) != 0)
            x->part_state = MG_PART_ADDRESSED;
        x->asked_cents = mg_db_column_int64(q, 6);
        x->granted_cents = mg_db_column_int64(q, 7);
        x->paid_cents = mg_db_column_int64(q, 8);
        mg_db_column_copy(q, 9, x->filed_at, sizeof x->filed_at);
        mg_db_column_copy(q, 10, x->starts_on, sizeof x->starts_on);
        x->is_example = mg_db_column_int64(q, 11) != 0;
    }
    if (rc == MG_DB_ROW)
        rc = 0;
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_subsidy_funder_page(mg_db *db, int64_t funder_id, const char *state, size_t offset,
                           size_t limit, mg_subsidy_row **out, size_t *n, mg_diag *d)
{
    if (!db || !out || !n || limit == 0 || limit > MG_SUBSIDY_PAGE_MAX)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_funder_page: bad arguments");
    *out = NULL;
    *n = 0;
    mg_subsidy_part_state ps;
    if (state && *state && mg_subsidy_part_state_parse(state, &ps) != 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "état inconnu : %.40s", state);
    struct page_tx t = {.funder = funder_id, .state = state ? state : "", .offset = offset,
                        .limit = limit};
    t.v = calloc(limit, sizeof *t.v);
    if (!t.v)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = mg_db_transaction(db, MG_DB_TX_READ, page_body, &t, d);
    if (rc < 0) {
        free(t.v);
        return rc;
    }
    *out = t.v;
    *n = t.n;
    return 0;
}

/* --- The co-funder's workbook -------------------------------------------------------------- */

static double euros(int64_t cents)
{
    return (double)cents / 100.0;
}

struct xlsx_state {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *money, *bold_money;
    lxw_error err;
    lxw_row_t row;
};

static void keep(struct xlsx_state *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->err == LXW_NO_ERROR)
        x->err = e;
}

static void cell_text(struct xlsx_state *x, lxw_col_t col, const char *s, lxw_format *f)
{
    if (s && *s)
        keep(x, worksheet_write_string(x->ws, x->row, col, s, f));
}

static void cell_number(struct xlsx_state *x, lxw_col_t col, double v, lxw_format *f)
{
    keep(x, worksheet_write_number(x->ws, x->row, col, v, f));
}

static const char *const request_headers[] = {
    "N° de demande", "Demandeur", "SIRET", "RNA", "Intitulé du projet", "État de la part",
    "Demandé (€)", "Accordé (€)", "Versé (€)", "Déposée le", "Décidée le", "Action du contrat",
};
static const double request_widths[] = {12, 36, 16, 12, 48, 22, 14, 14, 14, 12, 12, 36};

struct xlsx_tx {
    int64_t funder;
    struct xlsx_state *x;
};

/* The « Demandes » sheet: one row per request routed to the funder. Rows
 * are written as they are read (constant memory), so the transaction is
 * run once: a read transaction never has to be retried. */
static int xlsx_rows_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct xlsx_tx *t = ctx;
    struct xlsx_state *x = t->x;
    x->row = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT r.id, o.name, r.siret, r.rna, r.title, rf.state, rf.asked_cents, "
        "COALESCE(rf.granted_cents, 0), rf.paid_cents, COALESCE(r.filed_at, ''), "
        "COALESCE(rf.decided_at, ''), COALESCE(a.title, '') "
        "FROM subsidy_request_funders rf JOIN subsidy_requests r ON r.id = rf.request_id "
        "JOIN organisations o ON o.id = r.applicant_id "
        "LEFT JOIN contract_actions a ON a.id = r.action_id "
        "WHERE " ROUTED " ORDER BY r.id",
        MG_DB_PARAMS(MG_DB_INT(t->funder)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        rc = 0;
        x->row++;
        cell_number(x, 0, (double)mg_db_column_int64(q, 0), NULL);
        cell_text(x, 1, mg_db_column_text(q, 1), NULL);
        cell_text(x, 2, mg_db_column_text(q, 2), NULL);
        cell_text(x, 3, mg_db_column_text(q, 3), NULL);
        cell_text(x, 4, mg_db_column_text(q, 4), NULL);
        mg_subsidy_part_state s = MG_PART_ADDRESSED;
        const char *key = mg_db_column_text(q, 5);
        if (mg_subsidy_part_state_parse(key ? key : "", &s) == 0)
            cell_text(x, 5, mg_subsidy_part_state_label(s), NULL);
        cell_number(x, 6, euros(mg_db_column_int64(q, 6)), x->money);
        cell_number(x, 7, euros(mg_db_column_int64(q, 7)), x->money);
        cell_number(x, 8, euros(mg_db_column_int64(q, 8)), x->money);
        char day[11];
        mg_db_column_copy(q, 9, day, sizeof day);
        cell_text(x, 9, day, NULL);
        mg_db_column_copy(q, 10, day, sizeof day);
        cell_text(x, 10, day, NULL);
        cell_text(x, 11, mg_db_column_text(q, 11), NULL);
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

/* A block of the « Synthèse » sheet: a bold title row, a header row, the
 * groups, then a blank row. */
static void summary_block(struct xlsx_state *x, const char *title, const char *first,
                          const mg_subsidy_group *g, size_t n)
{
    cell_text(x, 0, title, x->bold);
    x->row++;
    static const char *const heads[] = {"Demandes", "Demandé (€)", "Accordé (€)", "Versé (€)"};
    cell_text(x, 0, first, x->bold);
    for (size_t k = 0; k < 4; k++)
        cell_text(x, (lxw_col_t)(k + 1), heads[k], x->bold);
    x->row++;
    for (size_t i = 0; i < n; i++, x->row++) {
        cell_text(x, 0, g[i].label, NULL);
        cell_number(x, 1, (double)g[i].a.requests, NULL);
        cell_number(x, 2, euros(g[i].a.asked), x->money);
        cell_number(x, 3, euros(g[i].a.granted), x->money);
        cell_number(x, 4, euros(g[i].a.paid), x->money);
    }
    x->row++;
}

int mg_subsidy_funder_xlsx(mg_db *db, int64_t funder_id, const char *path, mg_diag *d)
{
    if (!db || !path || !*path)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_funder_xlsx: bad arguments");
    mg_subsidy_funder_figures f;
    int rc = mg_subsidy_funder_figures_get(db, funder_id, &f, d);
    if (rc < 0)
        return rc;
    struct xlsx_state x = {0};
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = 0};
    x.wb = workbook_new_opt(path, &opt);
    if (!x.wb) {
        mg_subsidy_funder_figures_clear(&f);
        return mg_diag_set(d, MG_EIO, path, 0, 0, "cannot create the workbook");
    }
    x.bold = workbook_add_format(x.wb);
    format_set_bold(x.bold);
    /* Euros with two decimals; the spreadsheet shows its own locale's
     * separators (a French one: « 12 345,60 € »). */
    x.money = workbook_add_format(x.wb);
    format_set_num_format(x.money, "#,##0.00\\ \"€\"");
    x.bold_money = workbook_add_format(x.wb);
    format_set_bold(x.bold_money);
    format_set_num_format(x.bold_money, "#,##0.00\\ \"€\"");

    x.ws = workbook_add_worksheet(x.wb, "Demandes");
    size_t ncols = sizeof request_headers / sizeof request_headers[0];
    if (!x.ws) {
        x.err = LXW_ERROR_MEMORY_MALLOC_FAILED;
    } else {
        for (size_t k = 0; k < ncols; k++) {
            keep(&x, worksheet_set_column(x.ws, (lxw_col_t)k, (lxw_col_t)k, request_widths[k],
                                          NULL));
            keep(&x, worksheet_write_string(x.ws, 0, (lxw_col_t)k, request_headers[k], x.bold));
        }
        worksheet_freeze_panes(x.ws, 1, 0);
        struct xlsx_tx t = {.funder = funder_id, .x = &x};
        rc = mg_db_transaction(db, MG_DB_TX_READ, xlsx_rows_body, &t, d);
        if (rc == 0 && x.row > 0)
            keep(&x, worksheet_autofilter(x.ws, 0, 0, x.row, (lxw_col_t)(ncols - 1)));
    }
    if (rc == 0 && x.err == LXW_NO_ERROR) {
        x.ws = workbook_add_worksheet(x.wb, "Synthèse");
        if (!x.ws) {
            x.err = LXW_ERROR_MEMORY_MALLOC_FAILED;
        } else {
            keep(&x, worksheet_set_column(x.ws, 0, 0, 40, NULL));
            keep(&x, worksheet_set_column(x.ws, 1, 4, 16, NULL));
            x.row = 0;
            cell_text(&x, 0, "Ensemble des demandes orientées", x.bold);
            cell_number(&x, 1, (double)f.all.requests, x.bold);
            cell_number(&x, 2, euros(f.all.asked), x.bold_money);
            cell_number(&x, 3, euros(f.all.granted), x.bold_money);
            cell_number(&x, 4, euros(f.all.paid), x.bold_money);
            x.row += 2;
            summary_block(&x, "Par état de la part", "État", f.by_state, f.nstate);
            summary_block(&x, "Par année de début du projet", "Année", f.by_year, f.nyear);
            summary_block(&x, "Par action du contrat", "Action", f.by_action, f.naction);
            summary_block(&x, "Par demandeur", "Demandeur", f.by_applicant, f.napplicant);
        }
    }
    mg_subsidy_funder_figures_clear(&f);
    lxw_error cell_err = x.err;
    lxw_error e = workbook_close(x.wb);
    if (rc < 0) {
        remove(path);
        return rc;
    }
    if (cell_err != LXW_NO_ERROR || e != LXW_NO_ERROR) {
        remove(path);
        return mg_diag_set(d, MG_EIO, path, 0, 0, "workbook: %s",
                           lxw_strerror(cell_err != LXW_NO_ERROR ? cell_err : e));
    }
    return 0;
}

/* --- Open data ----------------------------------------------------------------------------- */

/* The columns of SCDL « subventions » 2.1.1, in the schema's order. */
static const char *const scdl_columns[] = {
    "nomAttribuant",   "idAttribuant",     "dateConvention",        "referenceDecision",
    "nomBeneficiaire", "idBeneficiaire",   "rnaBeneficiaire",       "objet",
    "montant",         "nature",           "conditionsVersement",   "datesPeriodeVersement",
    "idRAE",           "notificationUE",   "pourcentageSubvention", "dispositifAide",
};
enum { SCDL_NCOLS = sizeof scdl_columns / sizeof scdl_columns[0] };

/* The schema's limit of objet and conditionsVersement: fewer than 256 characters. */
#define SCDL_TEXT_MAX_CHARS 255

/* Writes one CSV field (RFC 4180): quoted when it holds the separator, a
 * quote, a line break or outer spaces, quotes doubled. Returns 0 or MG_EIO. */
static int csv_field(FILE *out, const char *s, bool last)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    bool quote = n > 0 && (strpbrk(s, ",\"\r\n;") != NULL || s[0] == ' ' || s[n - 1] == ' ');
    if (quote) {
        if (fputc('"', out) == EOF)
            return MG_EIO;
        for (const char *p = s; *p; p++) {
            if (*p == '"' && fputc('"', out) == EOF)
                return MG_EIO;
            if (fputc(*p, out) == EOF)
                return MG_EIO;
        }
        if (fputc('"', out) == EOF)
            return MG_EIO;
    } else if (n && fwrite(s, 1, n, out) != n) {
        return MG_EIO;
    }
    if (last)
        return fputs("\r\n", out) == EOF ? MG_EIO : 0;
    return fputc(',', out) == EOF ? MG_EIO : 0;
}

/* At most `max` characters of s (cut on a character boundary) into out. */
static void cut_chars(const char *s, size_t max, char *out, size_t cap)
{
    size_t i = 0, chars = 0;
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    while (u[i] && chars < max) {
        size_t len = u[i] < 0x80 ? 1 : u[i] < 0xe0 ? 2 : u[i] < 0xf0 ? 3 : 4;
        if (i + len >= cap)
            break;
        i += len;
        chars++;
    }
    memcpy(out, u, i);
    out[i] = 0;
}

struct open_tx {
    FILE *out;
    bool examples;
    int io;
};

static int open_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct open_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(
        c,
        "SELECT fo.name, COALESCE(fo.siret, ''), "
        "COALESCE(rf.agreement_on, substr(rf.decided_at, 1, 10)), r.id, rf.funder_id, "
        "CASE WHEN r.name <> '' THEN r.name ELSE ao.name END, r.siret, r.rna, r.title, "
        "rf.granted_cents, COALESCE(p.n, 0), COALESCE(p.first, ''), COALESCE(p.last, ''), "
        "COALESCE(r.starts_on, ''), COALESCE(r.ends_on, '') "
        "FROM subsidy_request_funders rf "
        "JOIN subsidy_requests r ON r.id = rf.request_id "
        "JOIN organisations fo ON fo.id = rf.funder_id "
        "JOIN organisations ao ON ao.id = r.applicant_id "
        "LEFT JOIN (SELECT request_id, funder_id, COUNT(*) AS n, MIN(paid_on) AS first, "
        "           MAX(paid_on) AS last FROM subsidy_payments "
        "           GROUP BY request_id, funder_id) p "
        "       ON p.request_id = rf.request_id AND p.funder_id = rf.funder_id "
        "WHERE rf.state = 'granted' AND (?1 = 1 OR r.is_example = 0) "
        "ORDER BY 3, r.id, rf.funder_id",
        MG_DB_PARAMS(MG_DB_INT(t->examples ? 1 : 0)), &q, d);
    for (size_t k = 0; rc == 0 && k < SCDL_NCOLS; k++)
        rc = csv_field(t->out, scdl_columns[k], k + 1 == SCDL_NCOLS);
    if (rc == MG_EIO)
        t->io = 1;
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        char date[11], ref[48], objet[SCDL_TEXT_MAX_CHARS * 4 + 1], montant[32], period[24];
        mg_db_column_copy(q, 2, date, sizeof date);
        snprintf(ref, sizeof ref, "guichet-%" PRId64 "-%" PRId64, mg_db_column_int64(q, 3),
                 mg_db_column_int64(q, 4));
        cut_chars(mg_db_column_text(q, 8), SCDL_TEXT_MAX_CHARS, objet, sizeof objet);
        int64_t cents = mg_db_column_int64(q, 9);
        snprintf(montant, sizeof montant, "%" PRId64 ".%02d", cents / 100, (int)(cents % 100));
        int64_t npay = mg_db_column_int64(q, 10);
        char first[11], last[11], starts[11], ends[11];
        mg_db_column_copy(q, 11, first, sizeof first);
        mg_db_column_copy(q, 12, last, sizeof last);
        mg_db_column_copy(q, 13, starts, sizeof starts);
        mg_db_column_copy(q, 14, ends, sizeof ends);
        /* One payment: its date. Several: the first to the last. None yet:
         * the project's period when known, else the agreement's date. */
        if (npay == 1)
            snprintf(period, sizeof period, "%s", first);
        else if (npay > 1)
            snprintf(period, sizeof period, "%s/%s", first, last);
        else if (starts[0] && ends[0])
            snprintf(period, sizeof period, "%s/%s", starts, ends);
        else
            snprintf(period, sizeof period, "%s", date);
        const char *v[SCDL_NCOLS] = {
            mg_db_column_text(q, 0),   /* nomAttribuant */
            mg_db_column_text(q, 1),   /* idAttribuant */
            date,                      /* dateConvention */
            ref,                       /* referenceDecision */
            mg_db_column_text(q, 5),   /* nomBeneficiaire */
            mg_db_column_text(q, 6),   /* idBeneficiaire */
            mg_db_column_text(q, 7),   /* rnaBeneficiaire */
            objet,                     /* objet */
            montant,                   /* montant */
            "aide en numéraire",       /* nature */
            npay > 1 ? "échelonné" : "unique", /* conditionsVersement */
            period,                    /* datesPeriodeVersement */
            "",                        /* idRAE */
            "non",                     /* notificationUE */
            "1.00",                    /* pourcentageSubvention: one beneficiary */
            "",                        /* dispositifAide */
        };
        rc = 0;
        for (size_t k = 0; rc == 0 && k < SCDL_NCOLS; k++)
            rc = csv_field(t->out, v[k], k + 1 == SCDL_NCOLS);
        if (rc == MG_EIO)
            t->io = 1;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_subsidy_open_data(mg_db *db, FILE *out, bool with_examples, mg_diag *d)
{
    if (!db || !out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_open_data: bad arguments");
    struct open_tx t = {.out = out, .examples = with_examples};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, open_body, &t, d);
    if (t.io)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot write the open-data file");
    if (rc == 0 && fflush(out) == EOF)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot write the open-data file");
    return rc;
}
