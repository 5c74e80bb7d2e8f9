/*
 * The evaluation report (bilan) of a contract or of a dispositif across
 * contracts (report.h): assembled from the stores of contracts.h,
 * budget.h and indicators.h, and written out as a PDF
 * (doc/doc.h) and an XLSX workbook (output/workbook.h). It reads through
 * the stores, but for one transaction of two queries of its own
 * (contract_reads_body: milestones counted and indicator values of a whole
 * contract), which no store offers and which replace a transaction per
 * action and per indicator.
 *
 * Figures: an action's budget is the sum of its current lines (those no
 * amendment replaced), by funder; the totals of a contract are the
 * budget store's (summed by the database); those of a dispositif are
 * summed here over the lines of the actions found. An indicator's first
 * and last values are its earliest and latest by date; their difference
 * is a measured change unless both are engine values computed from the
 * same inputs (one series, or one data year).
 */
#include "contracts/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "db/db.h"
#include "doc/doc.h"
#include "output/workbook.h"

#define NELEMS(a) (sizeof(a) / sizeof *(a))

/* --- Numbers and text ------------------------------------------------------------ */

void mg_bilan_number(double v, int decimals, char *out, size_t cap)
{
    if (cap == 0)
        return;
    if (!isfinite(v)) {
        snprintf(out, cap, "—");
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v) < 0.5 * pow(10, -decimals) ? 0.0 : v);
    char *dot = strchr(raw, '.');
    if (dot) { /* trailing zeros of the decimals dropped */
        char *end = raw + strlen(raw);
        while (end > dot + 1 && end[-1] == '0')
            *--end = '\0';
        if (end == dot + 1)
            *dot = '\0', dot = NULL;
    }
    size_t intlen = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t start = raw[0] == '-' ? 1 : 0, o = 0;
    for (size_t k = 0; k < intlen && o + 4 < cap; k++) {
        if (k > start && (intlen - k) % 3 == 0) {
            memcpy(out + o, "\u202f", 3);
            o += 3;
        }
        out[o++] = raw[k];
    }
    if (dot && o + 1 < cap) {
        out[o++] = ',';
        for (const char *p = dot + 1; *p && o + 1 < cap; p++)
            out[o++] = *p;
    }
    out[o] = '\0';
}

static void euros(int64_t cents, char *out, size_t cap)
{
    mg_budget_format_cents(cents, out, cap);
}

/*
 * Folds text for the dispositif's search into a new string: ASCII letters
 * lower-cased, the accented letters of Latin-1 and œ/Œ as their base
 * letters, every other ASCII byte that is not a letter or digit (and the
 * typographic apostrophes, dashes and quotes) one space; other characters
 * kept. A leading space is written so that a word start is always " w".
 */
static char *fold(const char *s)
{
    static const char *const latin1[64] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", " ", "o", "u", "u", "u", "u", "y", "th", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", " ", "o", "u", "u", "u", "u", "y", "th", "y",
    };
    size_t n = strlen(s);
    char *out = mg_alloc_array(2 * n + 3, 1);
    if (!out)
        return NULL;
    size_t o = 0;
    out[o++] = ' ';
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        const char *w = NULL;
        size_t len = 1;
        if (c < 0x80) {
            if (c >= 'A' && c <= 'Z')
                out[o++] = (char)(c - 'A' + 'a');
            else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                out[o++] = (char)c;
            else
                w = " ";
        } else if (c == 0xC3 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] < 0xC0) {
            w = latin1[(unsigned char)s[i + 1] - 0x80];
            len = 2;
        } else if (c == 0xC5 && i + 1 < n &&
                   ((unsigned char)s[i + 1] == 0x92 || (unsigned char)s[i + 1] == 0x93)) {
            w = "oe";
            len = 2;
        } else if (c == 0xC2 && i + 1 < n &&
                   ((unsigned char)s[i + 1] == 0xAB || (unsigned char)s[i + 1] == 0xBB ||
                    (unsigned char)s[i + 1] == 0xA0)) {
            w = " "; /* « » and the no-break space */
            len = 2;
        } else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                   (unsigned char)s[i + 2] >= 0x90 && (unsigned char)s[i + 2] <= 0xAF) {
            w = " "; /* dashes, quotes, apostrophes, narrow spaces */
            len = 3;
        } else {
            out[o++] = (char)c;
        }
        if (w) {
            size_t wl = strlen(w);
            if (!(wl == 1 && w[0] == ' ' && out[o - 1] == ' ')) {
                memcpy(out + o, w, wl);
                o += wl;
            }
        }
        i += len;
    }
    while (o > 1 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return out;
}

bool mg_bilan_matches(const char *text, const char *query)
{
    if (!text || !query)
        return false;
    char *t = fold(text), *q = fold(query);
    bool hit = false;
    if (t && q && strlen(q) > 1) /* q starts with the word start " " */
        hit = strstr(t, q) != NULL;
    free(t);
    free(q);
    return hit;
}

int mg_bilan_query_check(const char *query, mg_diag *d)
{
    size_t chars = 0, n = query ? strlen(query) : 0;
    if (n == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "Indiquez ce que cherchent les actions du dispositif (par exemple "
                           "« télémédecine »).");
    if (mg_utf8_check(query, n, &chars) != n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "La recherche contient des caractères illisibles (UTF-8 attendu).");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)query[i] < 0x20 || query[i] == 0x7f)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "La recherche contient un caractère de contrôle.");
    if (chars > MG_BILAN_QUERY_MAX_CHARS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "La recherche fait %zu caractères : %d au plus.", chars,
                           MG_BILAN_QUERY_MAX_CHARS);
    char *f = fold(query);
    if (!f)
        return MG_ENOMEM;
    size_t letters = 0;
    for (const char *p = f; *p; p++)
        letters += *p != ' ';
    free(f);
    if (letters < 2)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "La recherche doit compter au moins deux lettres ou chiffres.");
    return MG_OK;
}

/* --- Assembling ------------------------------------------------------------------ */

void mg_bilan_free(mg_bilan *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->nactions; k++) {
        mg_bilan_action *x = &r->actions[k];
        mg_contract_action_clear(&x->a);
        free(x->funders);
        free(x->indicators);
    }
    free(r->actions);
    free(r->contracts);
    free(r->by_funder);
    free(r->by_year);
    free(r->by_group);
    memset(r, 0, sizeof *r);
}

void mg_bilan_title(const mg_bilan *r, char *out, size_t cap)
{
    if (r->dispositif)
        snprintf(out, cap, "Bilan du dispositif « %s »", r->query);
    else if (r->ncontracts)
        snprintf(out, cap, "Bilan — %s", r->contracts[0].title);
    else
        snprintf(out, cap, "Bilan");
}

static void add_amounts(mg_budget_amounts *to, const mg_budget_amounts *a)
{
    to->planned += a->planned;
    to->committed += a->committed;
    to->paid += a->paid;
}

/* Adds amounts a under key to the list *t (found by key, else appended). */
static int total_add(mg_bilan_total **t, size_t *n, size_t *cap, int64_t key, const char *label,
                     const mg_budget_amounts *a)
{
    for (size_t k = 0; k < *n; k++)
        if ((*t)[k].key == key) {
            add_amounts(&(*t)[k].a, a);
            return MG_OK;
        }
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        mg_bilan_total *p = mg_realloc_array(*t, nc, sizeof *p);
        if (!p)
            return MG_ENOMEM;
        *t = p;
        *cap = nc;
    }
    mg_bilan_total *x = &(*t)[(*n)++];
    memset(x, 0, sizeof *x);
    x->key = key;
    snprintf(x->label, sizeof x->label, "%s", label);
    add_amounts(&x->a, a);
    return MG_OK;
}

static int cmp_total_label(const void *x, const void *y)
{
    const mg_bilan_total *a = x, *b = y;
    int c = strcmp(a->label, b->label);
    return c ? c : (a->key > b->key) - (a->key < b->key);
}

static int cmp_total_key(const void *x, const void *y)
{
    const mg_bilan_total *a = x, *b = y;
    return (a->key > b->key) - (a->key < b->key);
}

static int cmp_funder(const void *x, const void *y)
{
    const mg_bilan_funder *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->funder_id > b->funder_id) - (a->funder_id < b->funder_id);
}

/* An indicator's value as the report reads it (one query for a whole
 * contract: contract_reads). */
typedef struct value_row {
    int64_t indicator_id;
    char measured_on[11];
    double value;
    char series[200 * 4 + 1];
    int data_year;
} value_row;

/* What indicator values say: first and last, change, target met. v holds
 * the indicator's values by date then series. */
static void indicator_outcome(mg_bilan_indicator *ri, const value_row *v, size_t n)
{
    ri->nvalues = n;
    ri->has_values = n > 0;
    ri->change = NAN;
    ri->first = ri->last = NAN;
    ri->met = -1;
    if (n == 0)
        return;
    /* values come by date then series; the earliest date's first and the
     * latest date's last */
    const value_row *f = &v[0], *l = &v[n - 1];
    snprintf(ri->first_on, sizeof ri->first_on, "%s", f->measured_on);
    snprintf(ri->last_on, sizeof ri->last_on, "%s", l->measured_on);
    snprintf(ri->last_series, sizeof ri->last_series, "%s", l->series);
    ri->first = f->value;
    ri->last = l->value;
    bool measured = n >= 2;
    if (measured && ri->ind.source == MG_INDICATOR_ENGINE) {
        /* Computed again from the same inputs is not a change of the
         * territory: one series, or one data year (a recalibration). */
        if (strcmp(f->series, l->series) == 0)
            measured = false;
        else if (f->data_year && l->data_year && f->data_year == l->data_year)
            measured = false;
    }
    ri->measured_change = measured;
    if (measured)
        ri->change = l->value - f->value;
    if (isfinite(ri->ind.target) && isfinite(l->value))
        ri->met = ri->ind.higher_is_better ? l->value >= ri->ind.target
                                           : l->value <= ri->ind.target;
}

/*
 * What the report needs of a contract beyond the stores' lists, read in one
 * transaction instead of one per action and per indicator (a 30-action
 * contract on PostgreSQL: 2 queries instead of about 50 transactions):
 * each action's milestones counted, and every indicator value of the
 * contract by indicator, date and series — the order of
 * mg_indicator_values. The store has no contract-wide read of either.
 */
typedef struct milestone_count {
    int64_t action_id;
    size_t total, done;
} milestone_count;

typedef struct contract_reads {
    int64_t contract_id;
    milestone_count *ms;
    size_t nms, cap_ms;
    value_row *values;
    size_t nvalues, cap_values;
} contract_reads;

static int grow_array(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return MG_OK;
    size_t nc = *cap ? 2 * *cap : 32;
    void *q = mg_realloc_array(*p, nc, size);
    if (!q)
        return MG_ENOMEM;
    *p = q;
    *cap = nc;
    return MG_OK;
}

static int contract_reads_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    contract_reads *t = ctx;
    t->nms = t->nvalues = 0; /* the transaction may run again */
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT m.action_id, COUNT(*), COUNT(m.done_on) "
                                "FROM action_milestones m "
                                "JOIN contract_actions a ON a.id = m.action_id "
                                "WHERE a.contract_id = ?1 GROUP BY m.action_id",
                                MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if ((rc = grow_array((void **)&t->ms, &t->cap_ms, t->nms, sizeof *t->ms)) < 0)
            break;
        t->ms[t->nms++] = (milestone_count){mg_db_column_int64(q, 0),
                                            (size_t)mg_db_column_int64(q, 1),
                                            (size_t)mg_db_column_int64(q, 2)};
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    q = NULL;
    rc = mg_db_prepare_with(c,
                            "SELECT v.indicator_id, v.measured_on, v.value, v.series, "
                            "v.data_year FROM indicator_values v "
                            "JOIN indicators i ON i.id = v.indicator_id "
                            "JOIN contract_actions a ON a.id = i.action_id "
                            "WHERE a.contract_id = ?1 "
                            "ORDER BY v.indicator_id, v.measured_on, v.series",
                            MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if ((rc = grow_array((void **)&t->values, &t->cap_values, t->nvalues,
                             sizeof *t->values)) < 0)
            break;
        value_row *v = &t->values[t->nvalues++];
        v->indicator_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, v->measured_on, sizeof v->measured_on);
        v->value = mg_db_column_double(q, 2);
        mg_db_column_copy(q, 3, v->series, sizeof v->series);
        v->data_year = (int)mg_db_column_int64(q, 4);
    }
    mg_db_finalize(q);
    return rc < 0 ? rc : 0;
}

/* The "1.2 Title" of axis id among the contract's axes. */
static void axis_label(const mg_contract_axis *ax, size_t nax, int64_t id, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t k = 0; id && k < nax; k++)
        if (ax[k].id == id) {
            snprintf(out, cap, "%s %s", ax[k].number, ax[k].title);
            return;
        }
}

typedef struct builder {
    mg_db *db;
    mg_bilan *r;
    size_t cap_actions;
    mg_bilan_effect_fn effect;
    void *effect_ctx;
    /* dispositif totals */
    size_t cap_funder, cap_year, cap_group;
} builder;

/*
 * Adds the actions of contract c to the report — all of them, or those
 * matching query — with their milestones, budget by funder, indicators and
 * effect. *added counts them. The dispositif's totals are summed on the
 * way (sum_totals).
 */
static int add_contract(builder *B, const mg_contract *c, const char *query, bool sum_totals,
                        size_t *added, mg_diag *d)
{
    mg_bilan *r = B->r;
    mg_contract_action *acts = NULL;
    mg_contract_axis *axes = NULL;
    mg_budget_line *lines = NULL;
    mg_indicator *inds = NULL;
    size_t nacts = 0, naxes = 0, nlines = 0, ninds = 0;
    contract_reads cr = {.contract_id = c->id};
    *added = 0;
    int rc = mg_contract_actions(B->db, c->id, &acts, &nacts, d);
    if (rc == MG_OK)
        rc = mg_contract_axes(B->db, c->id, &axes, &naxes, d);
    if (rc == MG_OK)
        rc = mg_budget_lines(B->db, c->id, 0, false, &lines, &nlines, d);
    if (rc == MG_OK)
        rc = mg_indicators(B->db, c->id, 0, &inds, &ninds, d);
    if (rc == MG_OK && nacts)
        rc = mg_db_transaction(B->db, MG_DB_TX_READ, contract_reads_body, &cr, d);
    for (size_t k = 0; rc == MG_OK && k < nacts; k++) {
        mg_contract_action *a = &acts[k];
        if (query && !mg_bilan_matches(a->title, query) &&
            !mg_bilan_matches(a->description, query))
            continue;
        if (r->nactions == B->cap_actions) {
            size_t nc = B->cap_actions ? 2 * B->cap_actions : 16;
            mg_bilan_action *p = mg_realloc_array(r->actions, nc, sizeof *p);
            if (!p) {
                rc = MG_ENOMEM;
                break;
            }
            r->actions = p;
            B->cap_actions = nc;
        }
        mg_bilan_action *x = &r->actions[r->nactions++];
        memset(x, 0, sizeof *x);
        x->a = *a; /* the strings move into the report */
        memset(a, 0, sizeof *a);
        (*added)++;
        x->contract_id = c->id;
        snprintf(x->contract_title, sizeof x->contract_title, "%s", c->title);
        axis_label(axes, naxes, x->a.axis_id, x->axis, sizeof x->axis);
        if (x->a.status < MG_ACTION_STATUSES)
            r->by_status[x->a.status]++;
        if (x->a.late)
            r->late++;
        if (x->a.is_example)
            r->example = true;

        for (size_t m = 0; m < cr.nms; m++)
            if (cr.ms[m].action_id == x->a.id) {
                x->milestones = cr.ms[m].total;
                x->milestones_done = cr.ms[m].done;
            }

        /* Budget by funder. */
        size_t nf = 0;
        for (size_t l = 0; l < nlines; l++)
            nf += lines[l].action_id == x->a.id;
        if (nf) {
            x->funders = mg_alloc_array(nf, sizeof *x->funders);
            if (!x->funders) {
                rc = MG_ENOMEM;
                break;
            }
        }
        for (size_t l = 0; l < nlines; l++) {
            const mg_budget_line *bl = &lines[l];
            if (bl->action_id != x->a.id)
                continue;
            add_amounts(&x->budget, &bl->a);
            if (bl->is_example)
                x->budget_example = r->example = true;
            size_t f = 0;
            while (f < x->nfunders && x->funders[f].funder_id != bl->funder_id)
                f++;
            if (f == x->nfunders) {
                x->nfunders++;
                x->funders[f].funder_id = bl->funder_id;
                snprintf(x->funders[f].name, sizeof x->funders[f].name, "%s", bl->funder_name);
            }
            add_amounts(&x->funders[f].a, &bl->a);
            x->funders[f].is_example |= bl->is_example;
            if (sum_totals) {
                char year[16];
                snprintf(year, sizeof year, "%d", bl->year);
                rc = total_add(&r->by_funder, &r->nby_funder, &B->cap_funder, bl->funder_id,
                               bl->funder_name, &bl->a);
                if (rc == MG_OK)
                    rc = total_add(&r->by_year, &r->nby_year, &B->cap_year, bl->year, year,
                                   &bl->a);
                if (rc == MG_OK)
                    rc = total_add(&r->by_group, &r->nby_group, &B->cap_group, c->id, c->title,
                                   &bl->a);
                if (rc)
                    break;
                add_amounts(&r->total, &bl->a);
            }
        }
        if (rc)
            break;
        if (x->nfunders) /* qsort's array may not be NULL, even when empty */
            qsort(x->funders, x->nfunders, sizeof *x->funders, cmp_funder);

        /* Indicators. */
        size_t ni = 0;
        for (size_t i = 0; i < ninds; i++)
            ni += inds[i].action_id == x->a.id;
        if (ni) {
            x->indicators = mg_alloc_array(ni, sizeof *x->indicators);
            if (!x->indicators) {
                rc = MG_ENOMEM;
                break;
            }
        }
        for (size_t i = 0; rc == MG_OK && i < ninds; i++) {
            if (inds[i].action_id != x->a.id)
                continue;
            mg_bilan_indicator *ri = &x->indicators[x->nindicators++];
            memset(ri, 0, sizeof *ri);
            ri->ind = inds[i];
            /* its values: a run of cr.values (sorted by indicator) */
            size_t from = 0, nv = 0;
            while (from < cr.nvalues && cr.values[from].indicator_id != inds[i].id)
                from++;
            while (from + nv < cr.nvalues && cr.values[from + nv].indicator_id == inds[i].id)
                nv++;
            indicator_outcome(ri, cr.values + from, nv);
        }
        if (rc)
            break;

        /* The expected effect. */
        if (x->a.scenario_id && B->effect) {
            mg_diag ed = {{0}};
            int erc = B->effect(B->effect_ctx, c, &x->a, x->budget.planned, &x->effect, &ed);
            if (erc == MG_OK)
                x->has_effect = true;
            else if (erc != MG_ENOTFOUND) {
                rc = erc;
                if (d && !d->msg[0])
                    *d = ed;
                break;
            }
        }
    }
    mg_contract_actions_free(acts, nacts);
    free(axes);
    free(lines);
    free(inds);
    free(cr.ms);
    free(cr.values);
    if (rc == MG_OK && *added && c->is_example)
        r->example = true;
    return rc;
}

static int copy_totals(const mg_budget_total *t, size_t n, mg_bilan_total **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (n == 0)
        return MG_OK;
    *out = mg_alloc_array(n, sizeof **out);
    if (!*out)
        return MG_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        (*out)[k].key = t[k].key;
        snprintf((*out)[k].label, sizeof (*out)[k].label, "%s", t[k].label);
        (*out)[k].a = t[k].a;
    }
    *nout = n;
    return MG_OK;
}

static int store_totals(mg_db *db, int64_t contract_id, mg_budget_group g, mg_bilan_total **out,
                        size_t *n, mg_budget_amounts *all, mg_diag *d)
{
    mg_budget_total *t = NULL;
    size_t nt = 0;
    int rc = mg_budget_totals(db, contract_id, g, &t, &nt, all, d);
    if (rc == MG_OK)
        rc = copy_totals(t, nt, out, n);
    free(t);
    return rc;
}

int mg_bilan_contract(mg_db *db, int64_t contract_id, mg_bilan_effect_fn effect,
                       void *effect_ctx, mg_bilan *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    mg_contract_today(out->today);
    out->contracts = mg_alloc_array(1, sizeof *out->contracts);
    if (!out->contracts)
        return MG_ENOMEM;
    int rc = mg_contract_get(db, contract_id, &out->contracts[0], d);
    if (rc) {
        mg_bilan_free(out);
        return rc;
    }
    out->ncontracts = out->searched = 1;
    out->example = out->contracts[0].is_example;
    builder B = {.db = db, .r = out, .effect = effect, .effect_ctx = effect_ctx};
    size_t added = 0;
    rc = add_contract(&B, &out->contracts[0], NULL, false, &added, d);
    mg_budget_amounts all = {0};
    if (rc == MG_OK)
        rc = store_totals(db, contract_id, MG_BUDGET_BY_FUNDER, &out->by_funder, &out->nby_funder,
                          &all, d);
    if (rc == MG_OK)
        rc = store_totals(db, contract_id, MG_BUDGET_BY_YEAR, &out->by_year, &out->nby_year,
                          NULL, d);
    if (rc == MG_OK)
        rc = store_totals(db, contract_id, MG_BUDGET_BY_AXIS, &out->by_group, &out->nby_group,
                          NULL, d);
    out->total = all;
    if (rc)
        mg_bilan_free(out);
    return rc;
}

int mg_bilan_dispositif(mg_db *db, const int64_t *contract_ids, size_t ncontracts,
                         const char *query, mg_bilan_effect_fn effect, void *effect_ctx,
                         mg_bilan *out, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    int rc = mg_bilan_query_check(query, d);
    if (rc)
        return rc;
    if (ncontracts > MG_BILAN_CONTRACTS_MAX)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "more than %d contracts",
                           MG_BILAN_CONTRACTS_MAX);
    out->dispositif = true;
    snprintf(out->query, sizeof out->query, "%s", query);
    mg_contract_today(out->today);
    if (ncontracts) {
        out->contracts = mg_alloc_array(ncontracts, sizeof *out->contracts);
        if (!out->contracts)
            return MG_ENOMEM;
    }
    builder B = {.db = db, .r = out, .effect = effect, .effect_ctx = effect_ctx};
    for (size_t k = 0; rc == MG_OK && k < ncontracts; k++) {
        mg_contract c;
        rc = mg_contract_get(db, contract_ids[k], &c, d);
        if (rc == MG_ENOTFOUND) { /* deleted meanwhile */
            mg_diag_clear(d);
            rc = MG_OK;
            continue;
        }
        if (rc)
            break;
        out->searched++;
        size_t added = 0;
        rc = add_contract(&B, &c, query, true, &added, d);
        if (rc == MG_OK && added)
            out->contracts[out->ncontracts++] = c;
    }
    if (rc) {
        mg_bilan_free(out);
        return rc;
    }
    /* qsort's array may not be NULL, even when empty. */
    if (out->nby_funder)
        qsort(out->by_funder, out->nby_funder, sizeof *out->by_funder, cmp_total_label);
    if (out->nby_year)
        qsort(out->by_year, out->nby_year, sizeof *out->by_year, cmp_total_key);
    if (out->nby_group)
        qsort(out->by_group, out->nby_group, sizeof *out->by_group, cmp_total_label);
    return MG_OK;
}

/* --- Text shared by the outputs ---------------------------------------------------- */

static const char EXAMPLE[] = " (exemple)";

static void period_text(const char *from, const char *to, char *out, size_t cap)
{
    char a[16], b[16];
    /* "YYYY-MM-DD" as "DD/MM/YYYY" */
    if (from[0])
        snprintf(a, sizeof a, "%.2s/%.2s/%.4s", from + 8, from + 5, from);
    if (to[0])
        snprintf(b, sizeof b, "%.2s/%.2s/%.4s", to + 8, to + 5, to);
    if (from[0] && to[0])
        snprintf(out, cap, "du %s au %s", a, b);
    else if (from[0])
        snprintf(out, cap, "à partir du %s", a);
    else if (to[0])
        snprintf(out, cap, "jusqu'au %s", b);
    else
        snprintf(out, cap, "non précisée");
}

static void date_fr(const char *iso, char *out, size_t cap)
{
    if (iso[0])
        snprintf(out, cap, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    else
        snprintf(out, cap, "—");
}

/* "+1,5" / "−2" / "—" */
static void change_text(const mg_bilan_indicator *ri, char *out, size_t cap)
{
    if (!ri->measured_change) {
        snprintf(out, cap, ri->nvalues >= 2 ? "pas une évolution mesurée" : "—");
        return;
    }
    char n[64];
    mg_bilan_number(fabs(ri->change), 3, n, sizeof n);
    snprintf(out, cap, "%s%s", ri->change > 0 ? "+" : ri->change < 0 ? "−" : "", n);
}

static const char *met_text(int met)
{
    return met == 1 ? "oui" : met == 0 ? "non" : "—";
}

static void effect_text(const mg_action_effect *e, char *out, size_t cap)
{
    char pop[64], before[64], after[64], mb[64], ma[64], lifted[64], cost[64], cpp[64];
    mg_bilan_number(e->population, 0, pop, sizeof pop);
    mg_bilan_number(e->below_before, 0, before, sizeof before);
    mg_bilan_number(e->below_after, 0, after, sizeof after);
    mg_bilan_number(e->mean_before, 2, mb, sizeof mb);
    mg_bilan_number(e->mean_after, 2, ma, sizeof ma);
    mg_bilan_number(e->lifted, 0, lifted, sizeof lifted);
    euros(e->cost_cents, cost, sizeof cost);
    mg_bilan_number(e->cost_per_person, 0, cpp, sizeof cpp);
    snprintf(out, cap,
             "Effet attendu sur l'accès (scénario, %zu communes ciblées, %s habitants) : APL "
             "moyenne %s → %s ; habitants sous le seuil %s → %s, soit %s habitants au-dessus "
             "du seuil ; coût prévu %s%s%s%s.",
             e->ncommunes, pop, mb, ma, before, after, lifted, cost,
             isfinite(e->cost_per_person) ? ", soit " : "",
             isfinite(e->cost_per_person) ? cpp : "",
             isfinite(e->cost_per_person) ? " € par habitant" : "");
}

/* --- PDF ------------------------------------------------------------------------- */

/* Strings that live as long as one table: cells point into them. */
typedef struct strpool {
    char **s;
    size_t n, cap;
} strpool;

static const char *pool_add(strpool *p, const char *s)
{
    if (p->n == p->cap) {
        size_t nc = p->cap ? 2 * p->cap : 64;
        char **q = mg_realloc_array(p->s, nc, sizeof *q);
        if (!q)
            return NULL;
        p->s = q;
        p->cap = nc;
    }
    char *c = mg_strdup(s);
    if (!c)
        return NULL;
    p->s[p->n++] = c;
    return c;
}

static const char *pool_euros(strpool *p, int64_t cents)
{
    char b[64];
    euros(cents, b, sizeof b);
    return pool_add(p, b);
}

static void pool_free(strpool *p)
{
    for (size_t k = 0; k < p->n; k++)
        free(p->s[k]);
    free(p->s);
    memset(p, 0, sizeof *p);
}

static const mg_doc_column AMOUNT_COLS[4] = {
    {NULL, 4.0, MG_DOC_LEFT},
    {"Prévu", 1.6, MG_DOC_RIGHT},
    {"Engagé", 1.6, MG_DOC_RIGHT},
    {"Payé", 1.6, MG_DOC_RIGHT},
};

/* A table of totals with a last "Total" row. */
static int pdf_totals(mg_doc *doc, const char *heading, const char *first_col,
                      const mg_bilan_total *t, size_t n, const mg_budget_amounts *all,
                      mg_diag *d)
{
    int rc = mg_doc_heading(doc, 2, heading, d);
    if (rc)
        return rc;
    if (n == 0)
        return mg_doc_paragraph(doc, MG_DOC_BODY, "Aucune ligne de budget.", d);
    mg_doc_column cols[4];
    memcpy(cols, AMOUNT_COLS, sizeof cols);
    cols[0].header = first_col;
    const char **cells = mg_alloc_array((n + 1) * 4, sizeof *cells);
    if (!cells)
        return MG_ENOMEM;
    strpool p = {0};
    rc = MG_OK;
    for (size_t k = 0; k <= n; k++) {
        const mg_budget_amounts *a = k < n ? &t[k].a : all;
        const char **row = cells + 4 * k;
        row[0] = k < n ? (t[k].label[0] ? t[k].label : "(sans axe)") : "Total";
        row[1] = pool_euros(&p, a->planned);
        row[2] = pool_euros(&p, a->committed);
        row[3] = pool_euros(&p, a->paid);
        if (!row[1] || !row[2] || !row[3])
            rc = MG_ENOMEM;
    }
    if (rc == MG_OK)
        rc = mg_doc_table(doc, cols, 4, cells, n + 1, d);
    pool_free(&p);
    free(cells);
    return rc;
}

static int pdf_action(mg_doc *doc, const mg_bilan *r, const mg_bilan_action *x, mg_diag *d)
{
    char buf[4096], per[96], t[64];
    int rc;
    snprintf(buf, sizeof buf, "%s%s", x->a.title, x->a.is_example ? EXAMPLE : "");
    if ((rc = mg_doc_heading(doc, 2, buf, d)))
        return rc;
    period_text(x->a.starts_on, x->a.due_on, per, sizeof per);
    snprintf(buf, sizeof buf, "%s%s%sStatut : %s%s · période %s · jalons réalisés : %zu sur %zu%s%s",
             r->dispositif ? "Contrat : " : "", r->dispositif ? x->contract_title : "",
             r->dispositif ? " · " : "", mg_action_status_label(x->a.status),
             x->a.late ? " (en retard)" : "", per, x->milestones_done, x->milestones,
             x->a.pilot_name[0] ? " · pilote : " : "", x->a.pilot_name);
    if ((rc = mg_doc_paragraph(doc, MG_DOC_STRONG, buf, d)))
        return rc;
    if (x->axis[0]) {
        snprintf(buf, sizeof buf, "Axe %s", x->axis);
        if ((rc = mg_doc_paragraph(doc, MG_DOC_NOTE, buf, d)))
            return rc;
    }
    /* Expected */
    if (x->a.objectives && x->a.objectives[0]) {
        if ((rc = mg_doc_paragraph(doc, MG_DOC_NOTE, "Objectifs", d)) ||
            (rc = mg_doc_paragraph(doc, MG_DOC_BODY, x->a.objectives, d)))
            return rc;
    }
    if (x->has_effect) {
        effect_text(&x->effect, buf, sizeof buf);
        if ((rc = mg_doc_paragraph(doc, MG_DOC_BODY, buf, d)))
            return rc;
    }
    /* Cost */
    euros(x->budget.planned, t, sizeof t);
    if (x->nfunders == 0) {
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, "Aucune ligne de budget.", d);
    } else {
        mg_doc_column cols[4];
        memcpy(cols, AMOUNT_COLS, sizeof cols);
        cols[0].header = "Financeur";
        size_t n = x->nfunders + 1;
        const char **cells = mg_alloc_array(4 * n, sizeof *cells);
        strpool p = {0};
        if (!cells)
            return MG_ENOMEM;
        for (size_t k = 0; k < n; k++) {
            const mg_budget_amounts *a = k < x->nfunders ? &x->funders[k].a : &x->budget;
            const char **row = cells + 4 * k;
            if (k < x->nfunders) {
                snprintf(buf, sizeof buf, "%s%s", x->funders[k].name,
                         x->funders[k].is_example ? EXAMPLE : "");
                row[0] = pool_add(&p, buf);
            } else {
                row[0] = "Total de l'action";
            }
            row[1] = pool_euros(&p, a->planned);
            row[2] = pool_euros(&p, a->committed);
            row[3] = pool_euros(&p, a->paid);
            if (!row[0] || !row[1] || !row[2] || !row[3])
                rc = MG_ENOMEM;
        }
        if (rc == MG_OK)
            rc = mg_doc_table(doc, cols, 4, cells, n, d);
        pool_free(&p);
        free(cells);
    }
    if (rc)
        return rc;
    /* Indicators */
    if (x->nindicators) {
        static const mg_doc_column cols[7] = {
            {"Indicateur", 3.0, MG_DOC_LEFT}, {"Première valeur", 1.6, MG_DOC_RIGHT},
            {"Dernière valeur", 1.6, MG_DOC_RIGHT}, {"Évolution", 1.4, MG_DOC_RIGHT},
            {"Cible", 1.2, MG_DOC_RIGHT}, {"Sens", 0.7, MG_DOC_CENTER},
            {"Atteinte", 1.1, MG_DOC_CENTER},
        };
        size_t n = x->nindicators;
        const char **cells = mg_alloc_array(7 * n, sizeof *cells);
        strpool p = {0};
        if (!cells)
            return MG_ENOMEM;
        for (size_t k = 0; k < n && rc == MG_OK; k++) {
            const mg_bilan_indicator *ri = &x->indicators[k];
            const char **row = cells + 7 * k;
            char v[64], dt[16], c[96];
            snprintf(buf, sizeof buf, "%s (%s) — %s", ri->ind.title, ri->ind.unit,
                     mg_indicator_source_label(ri->ind.source));
            row[0] = pool_add(&p, buf);
            mg_bilan_number(ri->first, 3, v, sizeof v);
            date_fr(ri->first_on, dt, sizeof dt);
            snprintf(buf, sizeof buf, "%s (%s)", v, dt);
            row[1] = pool_add(&p, ri->has_values ? buf : "—");
            mg_bilan_number(ri->last, 3, v, sizeof v);
            date_fr(ri->last_on, dt, sizeof dt);
            snprintf(buf, sizeof buf, "%s (%s)", v, dt);
            row[2] = pool_add(&p, ri->has_values ? buf : "—");
            change_text(ri, c, sizeof c);
            row[3] = pool_add(&p, c);
            mg_bilan_number(ri->ind.target, 3, v, sizeof v);
            row[4] = pool_add(&p, v);
            row[5] = ri->ind.higher_is_better ? "↑" : "↓";
            row[6] = met_text(ri->met);
            for (int j = 0; j < 5; j++)
                if (!row[j])
                    rc = MG_ENOMEM;
        }
        if (rc == MG_OK)
            rc = mg_doc_table(doc, cols, 7, cells, n, d);
        pool_free(&p);
        free(cells);
    }
    return rc;
}

static int pdf_draw(mg_doc *doc, const mg_bilan *r, mg_diag *d)
{
    char buf[8192], title[1024];
    int rc;
    mg_bilan_title(r, title, sizeof title);
    if (!r->dispositif && r->contracts[0].is_example)
        snprintf(title + strlen(title), sizeof title - strlen(title), "%s", EXAMPLE);
    if ((rc = mg_doc_heading(doc, 1, title, d)))
        return rc;
    if (!r->dispositif) {
        const mg_contract *c = &r->contracts[0];
        char per[96];
        period_text(c->starts_on, c->ends_on, per, sizeof per);
        snprintf(buf, sizeof buf, "%s · porté par %s · période %s · %s%s%s",
                 mg_contract_kind_label(c->kind), c->lead_name, per,
                 mg_contract_status_label(c->status), c->territory[0] ? " · territoire " : "",
                 c->territory);
    } else {
        snprintf(buf, sizeof buf,
                 "Les actions dont l'intitulé ou la description contient « %s », dans %zu "
                 "contrat%s sur %zu consulté%s.",
                 r->query, r->ncontracts, r->ncontracts > 1 ? "s" : "", r->searched,
                 r->searched > 1 ? "s" : "");
    }
    if ((rc = mg_doc_paragraph(doc, MG_DOC_STRONG, buf, d)))
        return rc;
    char n_act[32], n_done[32], n_late[32], planned[64], committed[64], paid[64];
    snprintf(n_act, sizeof n_act, "%zu", r->nactions);
    snprintf(n_done, sizeof n_done, "%zu", r->by_status[MG_ACTION_DONE]);
    snprintf(n_late, sizeof n_late, "%zu", r->late);
    /* whole euros in the boxes (the tables give the cents) */
    euros((r->total.planned + 50) / 100 * 100, planned, sizeof planned);
    euros((r->total.committed + 50) / 100 * 100, committed, sizeof committed);
    euros((r->total.paid + 50) / 100 * 100, paid, sizeof paid);
    mg_doc_figure counts[3] = {
        {n_act, r->nactions > 1 ? "actions" : "action"},
        {n_done, "réalisées"},
        {n_late, "en retard"},
    };
    mg_doc_figure money[3] = {
        {planned, "budget prévu"},
        {committed, "engagé"},
        {paid, "payé"},
    };
    if ((rc = mg_doc_figures(doc, counts, 3, d)) || (rc = mg_doc_figures(doc, money, 3, d)))
        return rc;
    snprintf(buf, sizeof buf,
             "Budget : lignes en cours (un avenant remplace une ligne sans l'effacer), en euros. "
             "Indicateurs : première et dernière valeur par date ; deux valeurs calculées par "
             "maillage à partir des mêmes données ne sont pas une évolution mesurée. Bilan "
             "établi le %.2s/%.2s/%.4s.%s",
             r->today + 8, r->today + 5, r->today,
             r->example ? " Les montants, dates ou faits marqués « (exemple) » ne sont pas "
                          "donnés par les documents publics."
                        : "");
    if ((rc = mg_doc_paragraph(doc, MG_DOC_NOTE, buf, d)))
        return rc;
    if ((rc = pdf_totals(doc, "Budget par financeur", "Financeur", r->by_funder, r->nby_funder,
                         &r->total, d)))
        return rc;
    if ((rc = pdf_totals(doc, "Budget par année", "Année", r->by_year, r->nby_year, &r->total,
                         d)))
        return rc;
    if ((rc = pdf_totals(doc, r->dispositif ? "Budget par contrat" : "Budget par axe",
                         r->dispositif ? "Contrat" : "Axe", r->by_group, r->nby_group, &r->total,
                         d)))
        return rc;
    if (r->nactions == 0)
        return mg_doc_paragraph(doc, MG_DOC_BODY,
                                r->dispositif ? "Aucune action ne correspond à la recherche."
                                              : "Ce contrat n'a pas encore d'action.",
                                d);
    for (size_t k = 0; k < r->nactions; k++)
        if ((rc = pdf_action(doc, r, &r->actions[k], d)))
            return rc;
    return MG_OK;
}

int mg_bilan_pdf(const mg_bilan *r, mg_buf *out, mg_diag *d)
{
    char title[1024], footer[256];
    mg_bilan_title(r, title, sizeof title);
    snprintf(footer, sizeof footer, "maillage — bilan établi le %.2s/%.2s/%.4s", r->today + 8,
             r->today + 5, r->today);
    mg_doc *doc = NULL;
    int rc = mg_doc_new(&doc, &(mg_doc_info){title, footer, "Bilan d'évaluation"}, d);
    if (rc == MG_OK)
        rc = pdf_draw(doc, r, d);
    if (rc == MG_OK)
        rc = mg_doc_finish(doc, out, d);
    mg_doc_free(doc);
    return rc;
}

/* --- XLSX ------------------------------------------------------------------------ */

static double eur(int64_t cents)
{
    return (double)cents / 100.0;
}

int mg_bilan_xlsx(const mg_bilan *r, mg_buf *out, mg_diag *d)
{
    mg_workbook *wb = NULL;
    int rc = mg_workbook_new(&wb, d);
    if (rc)
        return rc;
    static const mg_wb_column acols[] = {
        {"Contrat", 30, MG_WB_TEXT},        {"Axe", 24, MG_WB_TEXT},
        {"Action", 36, MG_WB_TEXT},         {"Statut", 12, MG_WB_TEXT},
        {"En retard", 9, MG_WB_TEXT},       {"Début", 11, MG_WB_TEXT},
        {"Fin prévue", 11, MG_WB_TEXT},     {"Jalons réalisés", 9, 0},
        {"Jalons", 8, 0},                   {"Prévu (€)", 14, 2},
        {"Engagé (€)", 14, 2},              {"Payé (€)", 14, 2},
        {"Objectifs", 40, MG_WB_TEXT},      {"Habitants sortis du seuil (attendu)", 14, 0},
        {"Coût par habitant (€)", 12, 0},   {"Exemple", 9, MG_WB_TEXT},
    };
    rc = mg_workbook_sheet(wb, "Actions", acols, NELEMS(acols), true, d);
    for (size_t k = 0; rc == MG_OK && k < r->nactions; k++) {
        const mg_bilan_action *x = &r->actions[k];
        size_t row = k + 1, c = 0;
        mg_workbook_text(wb, row, c++, x->contract_title);
        mg_workbook_text(wb, row, c++, x->axis);
        mg_workbook_text(wb, row, c++, x->a.title);
        mg_workbook_text(wb, row, c++, mg_action_status_label(x->a.status));
        mg_workbook_text(wb, row, c++, x->a.late ? "oui" : "non");
        mg_workbook_text(wb, row, c++, x->a.starts_on);
        mg_workbook_text(wb, row, c++, x->a.due_on);
        mg_workbook_number(wb, row, c++, (double)x->milestones_done);
        mg_workbook_number(wb, row, c++, (double)x->milestones);
        mg_workbook_number(wb, row, c++, eur(x->budget.planned));
        mg_workbook_number(wb, row, c++, eur(x->budget.committed));
        mg_workbook_number(wb, row, c++, eur(x->budget.paid));
        mg_workbook_text(wb, row, c++, x->a.objectives);
        mg_workbook_number(wb, row, c++, x->has_effect ? x->effect.lifted : NAN);
        mg_workbook_number(wb, row, c++, x->has_effect ? x->effect.cost_per_person : NAN);
        mg_workbook_text(wb, row, c++, x->a.is_example || x->budget_example ? "exemple" : "");
    }
    static const mg_wb_column bcols[] = {
        {"Contrat", 30, MG_WB_TEXT}, {"Action", 36, MG_WB_TEXT}, {"Financeur", 30, MG_WB_TEXT},
        {"Prévu (€)", 14, 2},       {"Engagé (€)", 14, 2},     {"Payé (€)", 14, 2},
        {"Exemple", 9, MG_WB_TEXT},
    };
    if (rc == MG_OK)
        rc = mg_workbook_sheet(wb, "Budget", bcols, NELEMS(bcols), true, d);
    size_t row = 1;
    for (size_t k = 0; rc == MG_OK && k < r->nactions; k++) {
        const mg_bilan_action *x = &r->actions[k];
        for (size_t f = 0; f < x->nfunders; f++, row++) {
            mg_workbook_text(wb, row, 0, x->contract_title);
            mg_workbook_text(wb, row, 1, x->a.title);
            mg_workbook_text(wb, row, 2, x->funders[f].name);
            mg_workbook_number(wb, row, 3, eur(x->funders[f].a.planned));
            mg_workbook_number(wb, row, 4, eur(x->funders[f].a.committed));
            mg_workbook_number(wb, row, 5, eur(x->funders[f].a.paid));
            mg_workbook_text(wb, row, 6, x->funders[f].is_example ? "exemple" : "");
        }
    }
    if (rc == MG_OK) {
        mg_workbook_bold(wb, row, 0, "Total");
        mg_workbook_number(wb, row, 3, eur(r->total.planned));
        mg_workbook_number(wb, row, 4, eur(r->total.committed));
        mg_workbook_number(wb, row, 5, eur(r->total.paid));
    }
    static const mg_wb_column icols[] = {
        {"Contrat", 30, MG_WB_TEXT},         {"Action", 36, MG_WB_TEXT},
        {"Indicateur", 30, MG_WB_TEXT},      {"Unité", 10, MG_WB_TEXT},
        {"Source", 16, MG_WB_TEXT},          {"Sens", 18, MG_WB_TEXT},
        {"Valeurs", 8, 0},                   {"Première date", 11, MG_WB_TEXT},
        {"Première valeur", 12, 3},          {"Dernière date", 11, MG_WB_TEXT},
        {"Dernière valeur", 12, 3},          {"Évolution mesurée", 12, 3},
        {"Cible", 12, 3},                    {"Cible atteinte", 10, MG_WB_TEXT},
        {"Série (calcul)", 30, MG_WB_TEXT},
    };
    if (rc == MG_OK)
        rc = mg_workbook_sheet(wb, "Indicateurs", icols, NELEMS(icols), true, d);
    row = 1;
    for (size_t k = 0; rc == MG_OK && k < r->nactions; k++) {
        const mg_bilan_action *x = &r->actions[k];
        for (size_t i = 0; i < x->nindicators; i++, row++) {
            const mg_bilan_indicator *ri = &x->indicators[i];
            mg_workbook_text(wb, row, 0, x->contract_title);
            mg_workbook_text(wb, row, 1, x->a.title);
            mg_workbook_text(wb, row, 2, ri->ind.title);
            mg_workbook_text(wb, row, 3, ri->ind.unit);
            mg_workbook_text(wb, row, 4, mg_indicator_source_label(ri->ind.source));
            mg_workbook_text(wb, row, 5, ri->ind.higher_is_better ? "plus haut, mieux"
                                                                  : "plus bas, mieux");
            mg_workbook_number(wb, row, 6, (double)ri->nvalues);
            mg_workbook_text(wb, row, 7, ri->first_on);
            mg_workbook_number(wb, row, 8, ri->first);
            mg_workbook_text(wb, row, 9, ri->last_on);
            mg_workbook_number(wb, row, 10, ri->last);
            mg_workbook_number(wb, row, 11, ri->change);
            mg_workbook_number(wb, row, 12, ri->ind.target);
            mg_workbook_text(wb, row, 13, ri->met == 1 ? "oui" : ri->met == 0 ? "non" : "");
            mg_workbook_text(wb, row, 14,
                             ri->ind.source == MG_INDICATOR_ENGINE ? ri->last_series : "");
        }
    }
    if (rc) {
        mg_workbook_free(wb);
        return rc;
    }
    return mg_workbook_finish(wb, out, d);
}
