/*
 * OpenStreetMap opening_hours: a bounded, non-recursive parser into a
 * fixed-size compiled value, and an evaluator at local civil instants.
 * See opening_hours.h for the supported subset and docs/opening_hours.md
 * for the semantics, which follow the reference implementation (the npm
 * package opening_hours) rule by rule:
 *
 *  - a rule "matches" a day when its date and weekday selectors accept it;
 *  - a normal rule (after `;`) that matches day D forgets everything the
 *    rules before it said about D, then says its own times;
 *  - the part of a time range past midnight (22:00-02:00) belongs to the
 *    rule of the day it started on: it opens the next morning even when a
 *    later rule replaced the evening, unless a later rule matches that
 *    next day itself;
 *  - an additional rule (after `,`) only speaks for the times it covers;
 *  - a fallback rule (after `||`) speaks only where the rules before it
 *    left the place closed.
 */
#include "directory/opening_hours.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "directory/holidays.h"

enum { RULE_NORMAL, RULE_ADDITIONAL, RULE_FALLBACK };

/* A time range in minutes from the day's midnight: start < 1440, end <= 2880. */
typedef struct oh_span {
    int16_t start, end;
} oh_span;

/* A range of days of the year as month * 32 + day keys; from > to wraps over 31 December. */
typedef struct oh_dates {
    int16_t from, to;
} oh_dates;

typedef struct oh_rule {
    uint8_t kind;           /* RULE_… */
    uint8_t state;          /* mg_oh_state */
    uint8_t explicit_state; /* the state was written (open, off, closed, unknown) */
    uint8_t always;         /* 24/7 */
    uint8_t wdays;          /* bit i: weekday i (0 Monday) */
    uint8_t ph;             /* PH among the weekday selectors */
    uint8_t ndates, ntimes; /* ntimes 0: the whole day */
    oh_dates dates[MG_OH_MAX_DATES];
    oh_span times[MG_OH_MAX_TIMES];
    int comment; /* offset in pool, or -1 */
} oh_rule;

struct mg_opening_hours {
    unsigned flags; /* holiday flags */
    int nrules;
    oh_rule rules[MG_OH_MAX_RULES];
    int nbounds; /* the minutes of the day where the state may change */
    int16_t bounds[1 + 2 * MG_OH_MAX_RULES * MG_OH_MAX_TIMES];
    char pool[]; /* comments, NUL-terminated */
};

static const char *const wd_osm[7] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};
static const char *const wd_fr[7] = {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"};
static const char *const mon_osm[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const mon_fr[12] = {"janvier", "février", "mars", "avril", "mai", "juin",
                                       "juillet", "août", "septembre", "octobre", "novembre", "décembre"};

/* ---- parsing ---- */

typedef struct parser {
    const char *s;
    size_t len, pos;
    mg_diag *d;
    char *pool;
    size_t pool_len;
} parser;

static int peek(const parser *p, size_t ahead)
{
    return p->pos + ahead < p->len ? (unsigned char)p->s[p->pos + ahead] : 0;
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static void skip_spaces(parser *p)
{
    while (peek(p, 0) == ' ')
        p->pos++;
}

/* Copies at most max bytes of s[0..len) into out (NUL-terminated), cut at a character boundary. */
static void quote(const char *s, size_t len, size_t max, char *out)
{
    size_t n = len < max ? len : max;
    memcpy(out, s, n);
    out[n] = 0;
    /* The valid UTF-8 prefix: a cut inside a character, or any byte that
     * is not UTF-8, never reaches a message. */
    out[mg_utf8_check(out, n, NULL)] = 0;
}

/* Refuses at the current position: "what" was expected; quotes the text and what was found. */
static int fail(parser *p, const char *what)
{
    size_t chars = 0;
    mg_utf8_check(p->s, p->pos, &chars);
    char text[128], found[24];
    quote(p->s, p->len, 100, text);
    if (p->pos >= p->len)
        return mg_diag_set(p->d, MG_EPARSE, NULL, 0, 0,
                           "horaires « %s%s » : au caractère %zu, %s ; le texte s'arrête là", text,
                           p->len > 100 ? "…" : "", chars + 1, what);
    quote(p->s + p->pos, p->len - p->pos, 16, found);
    return mg_diag_set(p->d, MG_EPARSE, NULL, 0, 0, "horaires « %s%s » : au caractère %zu, %s ; trouvé « %s »",
                       text, p->len > 100 ? "…" : "", chars + 1, what, found);
}

/* Whether the text at the position is `word` followed by no letter. */
static bool at_word(const parser *p, const char *word)
{
    size_t n = strlen(word);
    return p->len - p->pos >= n && memcmp(p->s + p->pos, word, n) == 0 && !is_alpha(peek(p, n));
}

static int at_weekday(const parser *p)
{
    for (int i = 0; i < 7; i++)
        if (at_word(p, wd_osm[i]))
            return i;
    return -1;
}

static int at_month(const parser *p)
{
    for (int i = 0; i < 12; i++)
        if (at_word(p, mon_osm[i]))
            return i + 1;
    return -1;
}

/* Whether the text at the position starts a time "HH:MM". */
static bool at_time(const parser *p)
{
    return is_digit(peek(p, 0)) && is_digit(peek(p, 1)) && peek(p, 2) == ':';
}

/* A clear refusal for the known parts of the syntax this parser leaves out. */
static int refuse_unsupported(parser *p)
{
    static const struct {
        const char *word, *why;
    } known[] = {
        {"SH", "les vacances scolaires (SH) ne sont pas prises en charge"},
        {"week", "les numéros de semaine (week) ne sont pas pris en charge"},
        {"sunrise", "les heures du soleil (sunrise) ne sont pas prises en charge"},
        {"sunset", "les heures du soleil (sunset) ne sont pas prises en charge"},
        {"dawn", "les heures du soleil (dawn) ne sont pas prises en charge"},
        {"dusk", "les heures du soleil (dusk) ne sont pas prises en charge"},
        {"easter", "la date de Pâques (easter) n'est pas prise en charge ; écrire PH pour les jours fériés"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (at_word(p, known[i].word))
            return fail(p, known[i].why);
    if (is_digit(peek(p, 0)) && is_digit(peek(p, 1)) && is_digit(peek(p, 2)) && is_digit(peek(p, 3)))
        return fail(p, "les années ne sont pas prises en charge");
    if (is_digit(peek(p, 0)) && peek(p, 1) == ':')
        return fail(p, "une heure s'écrit avec deux chiffres (HH:MM, par exemple 08:00)");
    if (is_alpha(peek(p, 0))) {
        /* A weekday or month in another case ("mo", "MO", "jan"). */
        for (int i = 0; i < 7; i++)
            if (p->len - p->pos >= 2 && strncasecmp(p->s + p->pos, wd_osm[i], 2) == 0 && !is_alpha(peek(p, 2)))
                return fail(p, "un jour s'écrit Mo, Tu, We, Th, Fr, Sa ou Su (majuscule puis minuscule)");
        for (int i = 0; i < 12; i++)
            if (p->len - p->pos >= 3 && strncasecmp(p->s + p->pos, mon_osm[i], 3) == 0 && !is_alpha(peek(p, 3)))
                return fail(p, "un mois s'écrit Jan, Feb, Mar, Apr, May, Jun, Jul, Aug, Sep, Oct, Nov ou Dec");
    }
    return 0;
}

/* "HH:MM" with HH 00..48 and MM 00..59 into minutes. */
static int parse_time(parser *p, int *minutes)
{
    if (!(at_time(p) && is_digit(peek(p, 3)) && is_digit(peek(p, 4)))) {
        int rc = refuse_unsupported(p);
        return rc ? rc : fail(p, "une heure HH:MM était attendue");
    }
    int h = (peek(p, 0) - '0') * 10 + peek(p, 1) - '0';
    int m = (peek(p, 3) - '0') * 10 + peek(p, 4) - '0';
    if (h > 48 || m > 59 || (h == 48 && m > 0))
        return fail(p, "une heure entre 00:00 et 48:00 était attendue");
    p->pos += 5;
    *minutes = h * 60 + m;
    return 0;
}

static int parse_times(parser *p, oh_rule *r)
{
    for (;;) {
        if (r->ntimes == MG_OH_MAX_TIMES)
            return fail(p, "au plus 12 plages horaires par règle");
        size_t at = p->pos;
        int start, end;
        int rc = parse_time(p, &start);
        if (rc)
            return rc;
        if (peek(p, 0) == '+')
            return fail(p, "les horaires sans fin (« + ») ne sont pas pris en charge");
        if (peek(p, 0) != '-')
            return fail(p, "« - » puis l'heure de fermeture étaient attendus");
        p->pos++;
        rc = parse_time(p, &end);
        if (rc)
            return rc;
        if (peek(p, 0) == '+' || peek(p, 0) == '/')
            return fail(p, "les horaires sans fin ou répétés ne sont pas pris en charge");
        if (start >= 1440) {
            p->pos = at;
            return fail(p, "une plage doit commencer avant 24:00");
        }
        if (end < start && end <= 1440)
            end += 1440; /* past midnight: 22:00-02:00 */
        if (end == start) {
            p->pos = at;
            return fail(p, "une plage de durée nulle n'a pas de sens (écrire 00:00-24:00 pour toute la journée)");
        }
        if (end < start || end > 2880) {
            p->pos = at;
            return fail(p, "une plage d'au plus deux jours était attendue");
        }
        r->times[r->ntimes++] = (oh_span){(int16_t)start, (int16_t)end};
        /* Another range after ',' (spaces allowed); anything else ends the list. */
        size_t save = p->pos;
        if (peek(p, 0) == ' ' || peek(p, 0) == ',') {
            skip_spaces(p);
            if (peek(p, 0) == ',') {
                p->pos++;
                skip_spaces(p);
                if (at_time(p) || (is_digit(peek(p, 0)) && peek(p, 1) == ':'))
                    continue; /* not "24/7": an additional rule */
            }
        }
        p->pos = save;
        return 0;
    }
}

/* A day number of one or two digits, not the start of a time. */
static bool at_day(const parser *p)
{
    if (!is_digit(peek(p, 0)))
        return false;
    int n = is_digit(peek(p, 1)) ? 2 : 1;
    if (peek(p, n) == ':' && (n == 1 || is_digit(peek(p, n + 1))))
        return false; /* "9:" or "25:30" start a time; "25:" ends a date selector */
    return !is_digit(peek(p, n));
}

static int parse_day(parser *p, int month, int *day)
{
    int v = peek(p, 0) - '0';
    p->pos++;
    if (is_digit(peek(p, 0))) {
        v = v * 10 + peek(p, 0) - '0';
        p->pos++;
    }
    if (v < 1 || v > mg_days_in_month(2000, month)) { /* 2000: February may have 29 */
        p->pos -= v >= 10 ? 2 : 1;
        return fail(p, "un jour qui existe dans ce mois était attendu");
    }
    *day = v;
    return 0;
}

static int parse_dates(parser *p, oh_rule *r)
{
    for (;;) {
        if (r->ndates == MG_OH_MAX_DATES)
            return fail(p, "au plus 12 dates ou mois par règle");
        int m1 = at_month(p), d1 = 0, m2 = 0, d2 = 0;
        if (m1 < 0)
            return fail(p, "un mois (Jan … Dec) était attendu");
        p->pos += 3;
        parser q = *p;
        q.pos++;
        if (peek(p, 0) == ' ' && at_day(&q)) {
            p->pos++;
            int rc = parse_day(p, m1, &d1);
            if (rc)
                return rc;
            if (peek(p, 0) == '-') {
                p->pos++;
                if (at_day(p)) {
                    m2 = m1;
                } else if ((m2 = at_month(p)) > 0) {
                    p->pos += 3;
                    if (peek(p, 0) != ' ')
                        return fail(p, "une espace puis le jour du mois étaient attendus");
                    p->pos++;
                    if (!at_day(p))
                        return fail(p, "le jour du mois était attendu");
                } else {
                    return fail(p, "le jour ou le mois de fin était attendu");
                }
                size_t at = p->pos;
                rc = parse_day(p, m2, &d2);
                if (rc)
                    return rc;
                if (m2 == m1 && d2 < d1) {
                    p->pos = at;
                    return fail(p, "un jour de fin après le jour de début était attendu");
                }
            } else {
                m2 = m1;
                d2 = d1;
            }
        } else {
            d1 = 1;
            d2 = 31;
            m2 = m1;
            if (peek(p, 0) == '-') {
                p->pos++;
                if ((m2 = at_month(p)) < 0)
                    return fail(p, "un mois de fin (Jan … Dec) était attendu");
                p->pos += 3;
            }
        }
        r->dates[r->ndates++] = (oh_dates){(int16_t)(m1 * 32 + d1), (int16_t)(m2 * 32 + d2)};
        if (peek(p, 0) == ',' && (at_month(&(parser){.s = p->s, .len = p->len, .pos = p->pos + 1}) > 0)) {
            p->pos++;
            continue;
        }
        if (peek(p, 0) == ':')
            p->pos++;
        return 0;
    }
}

static int parse_weekdays(parser *p, oh_rule *r)
{
    for (;;) {
        int w;
        if (at_word(p, "PH")) {
            r->ph = 1;
            p->pos += 2;
        } else if ((w = at_weekday(p)) >= 0) {
            p->pos += 2;
            if (peek(p, 0) == '[')
                return fail(p, "les jours numérotés dans le mois (Mo[1]) ne sont pas pris en charge");
            int last = w;
            if (peek(p, 0) == '-') {
                p->pos++;
                if ((last = at_weekday(p)) < 0) {
                    int rc = refuse_unsupported(p);
                    return rc ? rc : fail(p, "un jour de fin (Mo, Tu, We, Th, Fr, Sa ou Su) était attendu");
                }
                p->pos += 2;
            }
            for (int i = w;; i = (i + 1) % 7) { /* Fr-Mo wraps over the weekend */
                r->wdays |= (uint8_t)(1u << i);
                if (i == last)
                    break;
            }
        } else {
            int rc = refuse_unsupported(p);
            return rc ? rc : fail(p, "un jour (Mo, Tu, We, Th, Fr, Sa, Su) ou PH était attendu");
        }
        if (peek(p, 0) == ' ' && peek(p, 1) == '+')
            return fail(p, "les décalages de jours fériés (PH +1 day) ne sont pas pris en charge");
        if (peek(p, 0) != ',')
            return 0;
        /* ',' then a weekday or PH continues the list; anything else is the next rule. */
        parser q = *p;
        q.pos++;
        if (at_weekday(&q) < 0 && !at_word(&q, "PH"))
            return 0;
        p->pos++;
    }
}

static int parse_comment(parser *p, oh_rule *r)
{
    size_t start = ++p->pos;
    while (p->pos < p->len && p->s[p->pos] != '"') {
        if ((unsigned char)p->s[p->pos] < 0x20)
            return fail(p, "un commentaire sans caractère de contrôle était attendu");
        p->pos++;
    }
    if (p->pos >= p->len)
        return fail(p, "le guillemet fermant le commentaire était attendu");
    if (p->pos == start)
        return fail(p, "un commentaire non vide était attendu");
    r->comment = (int)p->pool_len;
    memcpy(p->pool + p->pool_len, p->s + start, p->pos - start);
    p->pool_len += p->pos - start;
    p->pool[p->pool_len++] = 0;
    p->pos++;
    return 0;
}

static int parse_rule(parser *p, oh_rule *r)
{
    int rc;
    bool any = false;
    r->comment = -1;
    r->state = MG_OH_OPEN;
    skip_spaces(p);
    if (p->len - p->pos >= 4 && memcmp(p->s + p->pos, "24/7", 4) == 0) {
        p->pos += 4;
        r->always = 1;
        any = true;
    } else {
        if (at_month(p) > 0) {
            if ((rc = parse_dates(p, r)))
                return rc;
            any = true;
            skip_spaces(p);
        }
        if (at_weekday(p) >= 0 || at_word(p, "PH")) {
            if ((rc = parse_weekdays(p, r)))
                return rc;
            any = true;
            skip_spaces(p);
        }
        if (is_digit(peek(p, 0))) {
            if ((rc = parse_times(p, r)))
                return rc;
            any = true;
        }
    }
    skip_spaces(p);
    static const struct {
        const char *word;
        uint8_t state;
    } states[] = {{"open", MG_OH_OPEN}, {"off", MG_OH_CLOSED}, {"closed", MG_OH_CLOSED}, {"unknown", MG_OH_UNKNOWN}};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (at_word(p, states[i].word)) {
            if (states[i].state == MG_OH_CLOSED && r->ntimes > 0)
                return fail(p, "« off » ou « closed » avec des heures n'est pas pris en charge : "
                               "écrire seulement les heures d'ouverture, ou la règle sans heures");
            if (r->always && states[i].state != MG_OH_OPEN)
                return fail(p, "24/7 ne prend pas d'état ; écrire la règle sans 24/7");
            r->state = states[i].state;
            r->explicit_state = 1;
            p->pos += strlen(states[i].word);
            any = true;
            skip_spaces(p);
            break;
        }
    if (peek(p, 0) == '"') {
        if ((rc = parse_comment(p, r)))
            return rc;
        if (!r->explicit_state)
            r->state = MG_OH_UNKNOWN;
        any = true;
        skip_spaces(p);
    }
    if (!any) {
        rc = refuse_unsupported(p);
        return rc ? rc : fail(p, "une règle était attendue (mois, jours comme Mo-Fr, PH, heures HH:MM-HH:MM, "
                                 "24/7, off ou un commentaire entre guillemets)");
    }
    if (p->pos < p->len && peek(p, 0) != ';' && peek(p, 0) != ',' &&
        !(peek(p, 0) == '|' && peek(p, 1) == '|')) {
        rc = refuse_unsupported(p);
        return rc ? rc : fail(p, "« ; », « , », « || » ou la fin du texte était attendu");
    }
    return 0;
}

static int cmp_i16(const void *a, const void *b)
{
    return *(const int16_t *)a - *(const int16_t *)b;
}

/* The minutes of the day where some rule's range begins or ends. */
static void collect_bounds(mg_opening_hours *oh)
{
    int n = 0;
    oh->bounds[n++] = 0;
    for (int i = 0; i < oh->nrules; i++)
        for (int j = 0; j < oh->rules[i].ntimes; j++) {
            oh->bounds[n++] = oh->rules[i].times[j].start;
            oh->bounds[n++] = (int16_t)(oh->rules[i].times[j].end % 1440);
        }
    qsort(oh->bounds, (size_t)n, sizeof oh->bounds[0], cmp_i16);
    int u = 0;
    for (int i = 0; i < n; i++)
        if (u == 0 || oh->bounds[u - 1] != oh->bounds[i])
            oh->bounds[u++] = oh->bounds[i];
    oh->nbounds = u;
}

int mg_opening_hours_parse(const char *s, size_t len, unsigned holiday_flags,
                           mg_opening_hours **out, mg_diag *d)
{
    *out = NULL;
    if (len > MG_OH_MAX_BYTES)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "horaires : %zu octets, au plus %u sont acceptés", len, MG_OH_MAX_BYTES);
    if (mg_utf8_check(s, len, NULL) != len || memchr(s, 0, len))
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0, "horaires : le texte n'est pas de l'UTF-8 valide");
    mg_opening_hours *oh = calloc(1, sizeof *oh + len + 1);
    if (!oh)
        return MG_ENOMEM;
    oh->flags = holiday_flags;
    parser p = {.s = s, .len = len, .d = d, .pool = oh->pool};
    int kind = RULE_NORMAL;
    size_t first_fallback = 0, first_overnight = 0; /* positions + 1; 0: none yet */
    for (;;) {
        if (oh->nrules == MG_OH_MAX_RULES) {
            int rc = fail(&p, "au plus 32 règles sont acceptées");
            free(oh);
            return rc == MG_EPARSE ? MG_ELIMIT : rc;
        }
        oh_rule *r = &oh->rules[oh->nrules];
        size_t rule_at = p.pos;
        int rc = parse_rule(&p, r);
        if (rc == 0 && kind == RULE_NORMAL && oh->nrules > 0 && !r->ndates && !r->wdays && !r->ph &&
            !r->always) {
            /* The reference adds such a rule to the ones before instead of replacing them:
             * too surprising to accept. */
            p.pos = rule_at;
            skip_spaces(&p);
            rc = fail(&p, "après « ; », une règle commence par des jours ou des dates "
                          "(pour tous les jours, écrire Mo-Su)");
        }
        if (rc == 0 && kind == RULE_ADDITIONAL && !r->ndates && !r->wdays && !r->ph && !r->always) {
            /* "…, 14:00-18:00" would read as more ranges of the rule before. */
            p.pos = rule_at;
            skip_spaces(&p);
            rc = fail(&p, "après « , », une règle supplémentaire commence par des jours ou des dates "
                          "(pour tous les jours, écrire Mo-Su)");
        }
        if (rc) {
            free(oh);
            return rc;
        }
        r->kind = (uint8_t)kind;
        oh->nrules++;
        for (int j = 0; j < r->ntimes && !first_overnight; j++)
            if (r->times[j].end > 1440)
                first_overnight = rule_at + 1;
        if (first_fallback && first_overnight) {
            /* The reference gives the night part of ranges an order of its own against
             * fallbacks (a fallback's night may win over an earlier rule's): refused. */
            p.pos = (first_fallback > first_overnight ? first_fallback : first_overnight) - 1;
            skip_spaces(&p);
            rc = fail(&p, "une plage après minuit et une règle de repli (« || ») dans les mêmes horaires "
                          "ne sont pas prises en charge");
            free(oh);
            return rc;
        }
        if (p.pos >= p.len)
            break;
        if (peek(&p, 0) == ';') {
            kind = RULE_NORMAL;
            p.pos++;
            skip_spaces(&p);
            if (p.pos >= p.len)
                break; /* a trailing ';' */
        } else if (peek(&p, 0) == ',') {
            if (r->always) {
                rc = fail(&p, "« , » après 24/7 n'est pas pris en charge ; écrire « ; »");
                free(oh);
                return rc;
            }
            if (r->kind == RULE_FALLBACK) {
                rc = fail(&p, "une règle supplémentaire (« , ») après une règle de repli (« || ») "
                                  "n'est pas prise en charge");
                free(oh);
                return rc;
            }
            if (!r->always && r->ntimes == 0 && !r->explicit_state && r->comment < 0) {
                rc = fail(&p, "« , » sépare des règles complètes : des heures, un état ou un commentaire "
                                  "étaient attendus avant, ou « ; »");
                free(oh);
                return rc;
            }
            kind = RULE_ADDITIONAL;
            p.pos++;
        } else {
            kind = RULE_FALLBACK;
            if (!first_fallback)
                first_fallback = p.pos + 1;
            p.pos += 2;
        }
    }
    collect_bounds(oh);
    *out = oh;
    return 0;
}

void mg_opening_hours_free(mg_opening_hours *oh)
{
    free(oh);
}

/* ---- evaluation ---- */

typedef struct day_info {
    int key;  /* month * 32 + day */
    int wday; /* 0 Monday */
    const char *holiday; /* its name, NULL on other days */
} day_info;

static void day_info_of(const mg_opening_hours *oh, long days, day_info *di)
{
    int y, m, d;
    mg_civil_from_days(days, &y, &m, &d);
    di->key = m * 32 + d;
    di->wday = mg_weekday(days);
    mg_holiday_fr(y, m, d, oh->flags, &di->holiday);
}

static bool rule_matches(const oh_rule *r, const day_info *di)
{
    if (r->ndates) {
        bool in = false;
        for (int i = 0; i < r->ndates && !in; i++) {
            const oh_dates *x = &r->dates[i];
            in = x->from <= x->to ? (di->key >= x->from && di->key <= x->to)
                                  : (di->key >= x->from || di->key <= x->to);
        }
        if (!in)
            return false;
    }
    if (r->wdays || r->ph)
        return (r->wdays >> di->wday & 1u) || (r->ph && di->holiday);
    return true;
}

/* Whether the rule's ranges cover the minute on the day they started on. */
static bool covers_today(const oh_rule *r, int minute)
{
    if (r->ntimes == 0)
        return true;
    for (int i = 0; i < r->ntimes; i++)
        if (r->times[i].start <= minute && minute < r->times[i].end)
            return true;
    return false;
}

/* Whether the part of the rule's ranges past midnight covers the minute of the next day. */
static bool covers_spill(const oh_rule *r, int minute)
{
    for (int i = 0; i < r->ntimes; i++)
        if (r->times[i].end > 1440 && minute < r->times[i].end - 1440)
            return true;
    return false;
}

static const char *rule_comment(const mg_opening_hours *oh, const oh_rule *r, const day_info *di)
{
    if (r->comment >= 0)
        return oh->pool + r->comment;
    return r->ph ? di->holiday : NULL;
}

/* The state at minute of day `days`, from day infos of that day and the one before. */
static int evaluate(const mg_opening_hours *oh, const day_info *today, const day_info *yesterday,
                    int minute, const char **comment)
{
    int state = MG_OH_CLOSED;
    const char *c = NULL;
    for (int i = 0; i < oh->nrules; i++) {
        const oh_rule *r = &oh->rules[i];
        if (r->kind == RULE_FALLBACK && state != MG_OH_CLOSED)
            continue;
        bool own = rule_matches(r, today);
        bool hit_today = own && covers_today(r, minute);
        bool hit_spill = !hit_today && covers_spill(r, minute) && rule_matches(r, yesterday);
        /* Only a rule with day selectors replaces what came before for the day: one
         * with times alone ("; 10:00-12:00") adds to it, as in the reference. */
        if (own && r->kind != RULE_ADDITIONAL && (r->ndates || r->wdays || r->ph)) {
            state = MG_OH_CLOSED;
            c = NULL;
        }
        if (hit_today || hit_spill) {
            state = r->state;
            /* A holiday names the day it is on, not the morning after. */
            c = hit_today ? rule_comment(oh, r, today) : r->comment >= 0 ? oh->pool + r->comment : NULL;
        }
    }
    if (comment)
        *comment = c;
    return state;
}

static bool valid_instant(mg_oh_instant at)
{
    return at.year >= 1584 && at.year <= 9998 && at.month >= 1 && at.month <= 12 && at.day >= 1 &&
           at.day <= mg_days_in_month(at.year, at.month) && at.minute >= 0 && at.minute < 1440;
}

static int state_at_days(const mg_opening_hours *oh, long days, int minute, const char **comment)
{
    day_info today, yesterday;
    day_info_of(oh, days, &today);
    day_info_of(oh, days - 1, &yesterday);
    return evaluate(oh, &today, &yesterday, minute, comment);
}

int mg_opening_hours_state(const mg_opening_hours *oh, mg_oh_instant at, const char **comment)
{
    if (comment)
        *comment = NULL;
    if (!valid_instant(at))
        return MG_EINVAL;
    return state_at_days(oh, mg_days_from_civil(at.year, at.month, at.day), at.minute, comment);
}

int mg_opening_hours_state_tm(const mg_opening_hours *oh, const struct tm *local, const char **comment)
{
    mg_oh_instant at = {local->tm_year + 1900, local->tm_mon + 1, local->tm_mday,
                        local->tm_hour * 60 + local->tm_min};
    return mg_opening_hours_state(oh, at, comment);
}

int mg_opening_hours_next_change(const mg_opening_hours *oh, mg_oh_instant from, int max_days,
                                 mg_oh_instant *next)
{
    if (!valid_instant(from) || max_days < 1 || max_days > 366)
        return MG_EINVAL;
    long start = mg_days_from_civil(from.year, from.month, from.day);
    int s0 = state_at_days(oh, start, from.minute, NULL);
    day_info yesterday, today;
    day_info_of(oh, start - 1, &yesterday);
    for (long k = 0; k <= max_days; k++) {
        day_info_of(oh, start + k, &today);
        for (int b = 0; b < oh->nbounds; b++) {
            int minute = oh->bounds[b];
            if (k == 0 && minute <= from.minute)
                continue;
            if (k == max_days && minute >= from.minute)
                break;
            if (evaluate(oh, &today, &yesterday, minute, NULL) != s0) {
                mg_civil_from_days(start + k, &next->year, &next->month, &next->day);
                next->minute = minute;
                return 1;
            }
        }
        yesterday = today;
    }
    return 0;
}

/* ---- writing ---- */

/* A run of consecutive weekdays: its first day (0 Monday) and its length, wrapping over Sunday. */
typedef struct run {
    int first, len;
} run;

/* The weekday mask as runs, in week order of their first day; returns their count. */
static int weekday_runs(unsigned mask, run out[7])
{
    int n = 0;
    if ((mask & 0x7f) == 0x7f) {
        out[0] = (run){0, 7};
        return 1;
    }
    for (int i = 0; i < 7; i++) {
        if (!(mask >> i & 1u) || (mask >> ((i + 6) % 7) & 1u))
            continue; /* not set, or not the start of a run */
        int len = 0;
        while (len < 7 && (mask >> ((i + len) % 7) & 1u))
            len++;
        out[n++] = (run){i, len};
    }
    return n;
}

static void put_time_osm(mg_buf *b, int minutes)
{
    mg_buf_printf(b, "%02d:%02d", minutes / 60, minutes % 60);
}

int mg_opening_hours_format(const mg_opening_hours *oh, mg_buf *b)
{
    for (int i = 0; i < oh->nrules; i++) {
        const oh_rule *r = &oh->rules[i];
        if (i > 0)
            mg_buf_puts(b, r->kind == RULE_NORMAL ? "; " : r->kind == RULE_ADDITIONAL ? ", " : " || ");
        bool sep = false;
        if (r->always) {
            mg_buf_puts(b, "24/7");
            sep = true;
        }
        for (int j = 0; j < r->ndates; j++) {
            int m1 = r->dates[j].from / 32, d1 = r->dates[j].from % 32;
            int m2 = r->dates[j].to / 32, d2 = r->dates[j].to % 32;
            mg_buf_puts(b, j ? "," : "");
            if (d1 == 1 && d2 == 31) {
                mg_buf_puts(b, mon_osm[m1 - 1]);
                if (m2 != m1)
                    mg_buf_printf(b, "-%s", mon_osm[m2 - 1]);
            } else {
                mg_buf_printf(b, "%s %02d", mon_osm[m1 - 1], d1);
                if (m2 != m1)
                    mg_buf_printf(b, "-%s %02d", mon_osm[m2 - 1], d2);
                else if (d2 != d1)
                    mg_buf_printf(b, "-%02d", d2);
            }
            sep = true;
        }
        if (r->ndates)
            mg_buf_puts(b, ":");
        if (r->wdays || r->ph) {
            mg_buf_puts(b, sep ? " " : "");
            run runs[7];
            int n = weekday_runs(r->wdays, runs);
            for (int j = 0; j < n; j++) {
                mg_buf_printf(b, "%s%s", j ? "," : "", wd_osm[runs[j].first]);
                if (runs[j].len > 1)
                    mg_buf_printf(b, "-%s", wd_osm[(runs[j].first + runs[j].len - 1) % 7]);
            }
            if (r->ph)
                mg_buf_puts(b, n ? ",PH" : "PH");
            sep = true;
        }
        for (int j = 0; j < r->ntimes; j++) {
            mg_buf_puts(b, j ? "," : sep ? " " : "");
            put_time_osm(b, r->times[j].start);
            mg_buf_puts(b, "-");
            put_time_osm(b, r->times[j].end);
            sep = true;
        }
        /* The state when it is not what the rest implies. */
        const char *word = NULL;
        if (r->state == MG_OH_CLOSED)
            word = "off";
        else if (r->state == MG_OH_UNKNOWN && r->comment < 0)
            word = "unknown";
        else if (r->state == MG_OH_OPEN &&
                 (r->comment >= 0 || !sep ||
                  /* "Su open, Mo 10:00-12:00": ',' may not follow selectors alone */
                  (i + 1 < oh->nrules && oh->rules[i + 1].kind == RULE_ADDITIONAL && r->ntimes == 0 && !r->always)))
            word = "open";
        if (word) {
            mg_buf_printf(b, "%s%s", sep ? " " : "", word);
            sep = true;
        }
        if (r->comment >= 0)
            mg_buf_printf(b, "%s\"%s\"", sep ? " " : "", oh->pool + r->comment);
    }
    return b->failed ? MG_ELIMIT : 0;
}

static void put_time_fr(mg_buf *b, int minutes)
{
    minutes %= 1440;
    if (minutes == 0)
        mg_buf_puts(b, "minuit");
    else if (minutes % 60)
        mg_buf_printf(b, "%d h %02d", minutes / 60, minutes % 60);
    else
        mg_buf_printf(b, "%d h", minutes / 60);
}

/* "a", "a et b", "a, b et c": item i of n. */
static void put_list_sep(mg_buf *b, int i, int n)
{
    if (i > 0)
        mg_buf_puts(b, i == n - 1 ? " et " : ", ");
}

static void put_days_fr(mg_buf *b, const oh_rule *r)
{
    run runs[7];
    int n = weekday_runs(r->wdays, runs);
    if (n == 1 && runs[0].len == 7 && !r->ph) {
        mg_buf_puts(b, "tous les jours");
        return;
    }
    /* Items: a run of three days or more is "du X au Y", shorter runs give their days. */
    const char *items[8][2];
    int k = 0;
    for (int j = 0; j < n; j++) {
        if (runs[j].len >= 3) {
            items[k][0] = wd_fr[runs[j].first];
            items[k++][1] = wd_fr[(runs[j].first + runs[j].len - 1) % 7];
        } else {
            for (int t = 0; t < runs[j].len; t++) {
                items[k][0] = wd_fr[(runs[j].first + t) % 7];
                items[k++][1] = NULL;
            }
        }
    }
    int total = k + (r->ph ? 1 : 0);
    for (int j = 0; j < k; j++) {
        put_list_sep(b, j, total);
        if (items[j][1])
            mg_buf_printf(b, "du %s au %s", items[j][0], items[j][1]);
        else
            mg_buf_printf(b, "%s%s", j == 0 && total == 1 ? "le " : "", items[j][0]);
    }
    if (r->ph) {
        put_list_sep(b, k, total);
        mg_buf_puts(b, "les jours fériés");
    }
}

static void put_dates_fr(mg_buf *b, const oh_rule *r)
{
    for (int j = 0; j < r->ndates; j++) {
        int m1 = r->dates[j].from / 32, d1 = r->dates[j].from % 32;
        int m2 = r->dates[j].to / 32, d2 = r->dates[j].to % 32;
        put_list_sep(b, j, r->ndates);
        if (d1 == 1 && d2 == 31) {
            if (m1 == m2)
                mg_buf_printf(b, "en %s", mon_fr[m1 - 1]);
            else
                mg_buf_printf(b, "%s%s à %s", m1 == 4 || m1 == 8 || m1 == 10 ? "d'" : "de ", mon_fr[m1 - 1],
                              mon_fr[m2 - 1]);
        } else if (m1 == m2 && d1 == d2) {
            mg_buf_printf(b, "le %d%s %s", d1, d1 == 1 ? "er" : "", mon_fr[m1 - 1]);
        } else if (m1 == m2) {
            mg_buf_printf(b, "du %d%s au %d %s", d1, d1 == 1 ? "er" : "", d2, mon_fr[m1 - 1]);
        } else {
            mg_buf_printf(b, "du %d%s %s au %d%s %s", d1, d1 == 1 ? "er" : "", mon_fr[m1 - 1], d2,
                          d2 == 1 ? "er" : "", mon_fr[m2 - 1]);
        }
    }
}

int mg_opening_hours_describe(const mg_opening_hours *oh, mg_buf *b)
{
    for (int i = 0; i < oh->nrules; i++) {
        const oh_rule *r = &oh->rules[i];
        if (i > 0)
            mg_buf_puts(b, r->kind == RULE_NORMAL ? " ; " : r->kind == RULE_ADDITIONAL ? " ; et " : " ; sinon, ");
        bool sel = r->ndates || r->wdays || r->ph;
        if (r->always) {
            mg_buf_puts(b, "ouvert 24 h/24, 7 j/7");
        } else if (!sel && r->ntimes == 0 && r->state == MG_OH_UNKNOWN && r->comment >= 0) {
            mg_buf_printf(b, "« %s »", oh->pool + r->comment); /* a bare comment: "sur rendez-vous" */
            continue;
        } else {
            bool closed = r->state == MG_OH_CLOSED;
            if (closed)
                mg_buf_puts(b, sel ? "fermé " : "fermé");
            if (r->ndates)
                put_dates_fr(b, r);
            if (r->wdays || r->ph) {
                mg_buf_puts(b, r->ndates ? ", " : "");
                put_days_fr(b, r);
            }
            if (!closed) {
                if (!sel)
                    mg_buf_puts(b, "tous les jours");
                mg_buf_puts(b, ", ");
                if (r->ntimes == 0)
                    mg_buf_puts(b, "toute la journée");
                for (int j = 0; j < r->ntimes; j++) {
                    put_list_sep(b, j, r->ntimes);
                    mg_buf_puts(b, "de ");
                    put_time_fr(b, r->times[j].start);
                    mg_buf_puts(b, " à ");
                    put_time_fr(b, r->times[j].end);
                }
            }
        }
        if (r->comment >= 0)
            mg_buf_printf(b, " (« %s »)", oh->pool + r->comment);
        else if (r->state == MG_OH_UNKNOWN)
            mg_buf_puts(b, " (à confirmer)");
    }
    return b->failed ? MG_ELIMIT : 0;
}
