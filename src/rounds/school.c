/*
 * The ministry's school calendar (data.education.gouv.fr,
 * fr-en-calendrier-scolaire). Each row gives a holiday period of one
 * académie as two instants: the start, midnight (Paris) of the day classes
 * end in the evening, and the end, midnight (Paris) of the day they resume
 * in the morning. The export writes them in UTC ("2025-10-17T22:00:00+00:00"
 * is 18 October 00:00 in Paris) or with Paris's offset; turning them into
 * Paris civil dates gives the same days whatever the offset written.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "io/csv.h"
#include "rounds/school.h"

#define MAX_PERIODS 100000u
#define MAX_TEXT 200u

long mg_school_days(mg_date day)
{
    /* Days from civil, counting years from March so that the leap day
     * ends a year. */
    long y = day.year - (day.month <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (day.month + 9) % 12;
    long doy = (153 * mp + 2) / 5 + day.day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static mg_date civil_from_days(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    return (mg_date){(int)(yoe + era * 400 + (month <= 2)), month, day};
}

/* Day number of the last Sunday of `month` in `year` (1970-01-01 was a
 * Thursday). */
static long last_sunday(int year, int month)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = mdays[month - 1];
    long z = mg_school_days((mg_date){year, month, last});
    long wd = ((z % 7) + 7 + 4) % 7; /* 0 = Sunday */
    return z - wd;
}

/* The Paris civil date of an instant given in seconds since 1970 UTC. */
static mg_date paris_date(long long utc)
{
    long long day = utc >= 0 ? utc / 86400 : -((-utc + 86399) / 86400);
    int year = civil_from_days((long)day).year;
    long long dst_on = (long long)last_sunday(year, 3) * 86400 + 3600;
    long long dst_off = (long long)last_sunday(year, 10) * 86400 + 3600;
    long long local = utc + (utc >= dst_on && utc < dst_off ? 7200 : 3600);
    long long lday = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    return civil_from_days((long)lday);
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

/*
 * "yyyy-mm-dd", optionally followed by "Thh:mm[:ss[.fff]]" and "Z" or
 * "±hh:mm" / "±hhmm". An instant with an offset is turned into its Paris
 * date; without one, its date is taken as written (already local).
 */
static bool parse_day(const char *s, size_t len, mg_date *out)
{
    if (len < 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = digits(s, 4), m = digits(s + 5, 2), dd = digits(s + 8, 2);
    if (y < 1900 || y > 2999 || m < 0 || dd < 0 || !mg_date_valid(y, m, dd))
        return false;
    mg_date date = {y, m, dd};
    size_t p = 10;
    if (p == len) {
        *out = date;
        return true;
    }
    if (s[p] != 'T' && s[p] != ' ')
        return false;
    p++;
    if (len - p < 5 || s[p + 2] != ':')
        return false;
    int hh = digits(s + p, 2), mm = digits(s + p + 3, 2), ss = 0;
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
        return false;
    p += 5;
    if (p < len && s[p] == ':') {
        if (len - p < 3 || (ss = digits(s + p + 1, 2)) < 0 || ss > 60)
            return false;
        p += 3;
        if (p < len && s[p] == '.') {
            p++;
            size_t q = p;
            while (p < len && s[p] >= '0' && s[p] <= '9')
                p++;
            if (p == q)
                return false;
        }
    }
    if (p == len) {
        *out = date;
        return true;
    }
    long offset;
    if (s[p] == 'Z' && p + 1 == len) {
        offset = 0;
    } else if ((s[p] == '+' || s[p] == '-') && (len - p == 6 || len - p == 5)) {
        int oh = digits(s + p + 1, 2);
        int om = len - p == 6 ? (s[p + 3] == ':' ? digits(s + p + 4, 2) : -1)
                              : digits(s + p + 3, 2);
        if (oh < 0 || oh > 14 || om < 0 || om > 59)
            return false;
        offset = (s[p] == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    } else {
        return false;
    }
    long long utc = (long long)mg_school_days(date) * 86400 + hh * 3600LL + mm * 60LL + ss -
                    offset;
    *out = paris_date(utc);
    return true;
}

void mg_school_free(mg_school_calendar *c)
{
    if (!c)
        return;
    for (size_t k = 0; k < c->n; k++) {
        free(c->h[k].description);
        free(c->h[k].population);
        free(c->h[k].academie);
        free(c->h[k].zone);
        free(c->h[k].school_year);
    }
    free(c->h);
    *c = (mg_school_calendar){0};
}

enum { C_DESC, C_START, C_END, C_ZONE, C_POP, C_ACAD, C_YEAR, C_COUNT };
static const char *const names_fr[C_COUNT] = {"Description", "Date de début", "Date de fin",
                                              "Zones",       "Population",    "Académies",
                                              "annee_scolaire"};
static const char *const names_api[C_COUNT] = {"description", "start_date", "end_date", "zones",
                                               "population",  "location",   "annee_scolaire"};

/* A text field copied, at most MAX_TEXT bytes (longer is an error). */
static int copy_text(const mg_csv *c, const char *path, int col, char **out, mg_diag *d)
{
    if (col < 0) {
        *out = mg_strdup("");
        return *out ? MG_OK : MG_ENOMEM;
    }
    size_t len;
    const char *s = mg_csv_field(c, (size_t)col, &len);
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len > MAX_TEXT)
        return mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)col),
                           "column \"%s\": expected at most %u bytes, found %zu",
                           mg_csv_header(c, (size_t)col), MAX_TEXT, len);
    *out = mg_strndup(s, len);
    return *out ? MG_OK : MG_ENOMEM;
}

static int read_row(const mg_csv *c, const char *path, const int *col, mg_school_holiday *h,
                    mg_diag *d)
{
    unsigned long line = mg_csv_line(c);
    h->line = line;
    int rc;
    if ((rc = copy_text(c, path, col[C_DESC], &h->description, d)) ||
        (rc = copy_text(c, path, col[C_ZONE], &h->zone, d)) ||
        (rc = copy_text(c, path, col[C_POP], &h->population, d)) ||
        (rc = copy_text(c, path, col[C_ACAD], &h->academie, d)) ||
        (rc = copy_text(c, path, col[C_YEAR], &h->school_year, d)))
        return rc;
    if (!h->zone[0])
        return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[C_ZONE]),
                           "column \"%s\": expected a zone (\"Zone A\", \"Zone B\", \"Zone "
                           "C\", \"Corse\"…), found an empty field",
                           mg_csv_header(c, (size_t)col[C_ZONE]));
    h->teachers = strcasecmp(h->population, "Enseignants") == 0;
    const char *y = h->school_year;
    if (y[0]) {
        int y1 = strlen(y) == 9 && y[4] == '-' ? digits(y, 4) : -1;
        int y2 = y1 >= 0 ? digits(y + 5, 4) : -1;
        if (y1 < 0 || y2 != y1 + 1)
            return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[C_YEAR]),
                               "column \"annee_scolaire\": expected a school year such as "
                               "\"2025-2026\", found \"%.20s\"", y);
    }
    mg_date start, end;
    size_t len;
    const char *s = mg_csv_field(c, (size_t)col[C_START], &len);
    if (!parse_day(s, len, &start))
        return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[C_START]),
                           "column \"%s\": expected an instant such as "
                           "\"2025-10-17T22:00:00+00:00\" or a date such as \"2025-10-18\", "
                           "found \"%.40s\"",
                           mg_csv_header(c, (size_t)col[C_START]), s);
    const char *e = mg_csv_field(c, (size_t)col[C_END], &len);
    if (len == 0) {
        end = (mg_date){start.year, 9, 1}; /* last day: 31 August */
        h->open_end = true;
        if (start.month >= 9)
            return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[C_END]),
                               "column \"%s\": expected the date classes resume (an empty "
                               "end is read as 31 August, which is before the start)",
                               mg_csv_header(c, (size_t)col[C_END]));
    } else if (!parse_day(e, len, &end)) {
        return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[C_END]),
                           "column \"%s\": expected an instant such as "
                           "\"2025-11-02T23:00:00+00:00\" or a date such as \"2025-11-03\", "
                           "found \"%.40s\"",
                           mg_csv_header(c, (size_t)col[C_END]), e);
    }
    long zs = mg_school_days(start), ze = mg_school_days(end);
    if (ze < zs)
        return mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)col[C_END]),
                           "column \"%s\": the end (%04d-%02d-%02d) is before the start "
                           "(%04d-%02d-%02d)",
                           mg_csv_header(c, (size_t)col[C_END]), end.year, end.month, end.day,
                           start.year, start.month, start.day);
    h->first = civil_from_days(zs + 1);
    h->last = civil_from_days(ze - 1);
    return MG_OK;
}

int mg_school_read(const char *path, mg_school_calendar *out, mg_diag *d)
{
    *out = (mg_school_calendar){0};
    mg_school_calendar cal = {0};
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    size_t cap = 0;
    int col[C_COUNT];
    int rc;
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ';', d)))
        goto done;
    for (int k = 0; k < C_COUNT; k++) {
        col[k] = mg_csv_column(c, names_fr[k]);
        if (col[k] < 0)
            col[k] = mg_csv_column(c, names_api[k]);
        if (col[k] < 0 && k < C_POP) {
            rc = mg_diag_set(d, MG_ENOTFOUND, path, 1, 0,
                             "missing column \"%s\" (or \"%s\"; expected the ministry's "
                             "calendar, `;`-separated: Description;Population;Date de "
                             "début;Date de fin;Académies;Zones;annee_scolaire)",
                             names_fr[k], names_api[k]);
            goto done;
        }
    }
    while ((rc = mg_csv_next(c, d)) == 1) {
        if (cal.n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            if (ncap > MAX_PERIODS) {
                rc = mg_diag_set(d, MG_ELIMIT, path, mg_csv_line(c), 0,
                                 "more than %u holiday periods", MAX_PERIODS);
                goto done;
            }
            mg_school_holiday *nh = mg_realloc_array(cal.h, ncap, sizeof *nh);
            if (!nh) {
                rc = mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
                goto done;
            }
            cal.h = nh;
            cap = ncap;
        }
        cal.h[cal.n] = (mg_school_holiday){0};
        rc = read_row(c, path, col, &cal.h[cal.n], d);
        cal.n++; /* counted even when half-filled, so that it is freed */
        if (rc) {
            if (rc == MG_ENOMEM)
                mg_diag_set(d, rc, path, 0, 0, "out of memory");
            goto done;
        }
    }
    if (rc < 0)
        goto done;
    if (cal.n == 0) {
        rc = mg_diag_set(d, MG_EPARSE, path, 2, 0,
                         "no data row after the header (expected one row per holiday "
                         "period and académie)");
        goto done;
    }
    *out = cal;
    cal = (mg_school_calendar){0};
    rc = MG_OK;
done:
    mg_csv_close(c);
    mg_reader_close(r);
    mg_school_free(&cal);
    return rc;
}

/* "Zone C" and "C" name the same zone; other names are compared whole. */
static bool zone_matches(const char *row, const char *zone)
{
    if (strncasecmp(row, "Zone ", 5) == 0)
        row += 5;
    if (strncasecmp(zone, "Zone ", 5) == 0)
        zone += 5;
    return strcasecmp(row, zone) == 0;
}

bool mg_school_is_holiday(const mg_school_calendar *c, const char *zone, mg_date day,
                          const char **description)
{
    if (description)
        *description = NULL;
    if (!c || !zone)
        return false;
    long z = mg_school_days(day);
    for (size_t k = 0; k < c->n; k++) {
        const mg_school_holiday *h = &c->h[k];
        if (h->teachers || !zone_matches(h->zone, zone))
            continue;
        if (z >= mg_school_days(h->first) && z <= mg_school_days(h->last)) {
            if (description)
                *description = h->description;
            return true;
        }
    }
    return false;
}
