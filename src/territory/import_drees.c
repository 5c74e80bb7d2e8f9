/*
 * The DREES APL files (one per profession): "Code commune", "Libellé de la
 * commune", "Population totale", one or more "APL …" columns (by age limit
 * of the practitioners counted), and last the population standardised by
 * care consumption per age band, the demand of the method. Read either as
 * the DREES publishes them (.xlsx, told from its zip signature) or
 * converted to `,`-separated text without changing values.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "io/csv.h"
#include "io/xlsx.h"
#include "parse/parse.h"
#include "territory/codemap.h"
#include "territory/territory.h"

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static enum mg_drees_age column_age(const char *name)
{
    if (strstr(name, "65 ans"))
        return MG_AGE_65;
    if (strstr(name, "62 ans"))
        return MG_AGE_62;
    return MG_AGE_NONE;
}


/* Rows of the file, from a CSV text or an XLSX sheet: what the importer
 * needs of each, positions for its messages in the file's own terms
 * (line and byte column; sheet, row and column letters). */
typedef struct drees_src {
    const char *path;
    mg_reader *r;
    mg_csv *c;
    mg_xlsx *x;
    char **names; /* XLSX: the header's names (two header rows joined) */
    size_t nh;
    unsigned long hdr_row;
} drees_src;

/* How far a sheet is searched for its header row. */
#define DREES_XLSX_HEADER_ROWS 100

static const char *src_header(const drees_src *s, size_t k)
{
    if (s->c)
        return mg_csv_header(s->c, k);
    return k < s->nh ? s->names[k] : NULL;
}

static long src_column(const drees_src *s, const char *name)
{
    for (size_t k = 0; k < s->nh; k++)
        if (strcmp(src_header(s, k), name) == 0)
            return (long)k;
    return -1;
}

static long src_column_prefix(const drees_src *s, const char *prefix)
{
    for (size_t k = 0; k < s->nh; k++)
        if (strncmp(src_header(s, k), prefix, strlen(prefix)) == 0)
            return (long)k;
    return -1;
}

static const char *src_unit(const drees_src *s)
{
    return s->c ? "line" : "row";
}

static unsigned long src_line(const drees_src *s)
{
    return s->c ? mg_csv_line(s->c) : mg_xlsx_row(s->x);
}

static size_t src_nfields(const drees_src *s)
{
    return s->c ? mg_csv_nfields(s->c) : mg_xlsx_ncells(s->x);
}

/* Field i, or NULL when the row stops before it. */
static const char *src_field(const drees_src *s, size_t i, size_t *len)
{
    if (s->c)
        return mg_csv_field(s->c, i, len);
    if (i >= mg_xlsx_ncells(s->x)) {
        if (len)
            *len = 0;
        return NULL;
    }
    const char *v = mg_xlsx_cell(s->x, i);
    if (len)
        *len = strlen(v);
    return v;
}

/*
 * A message at field `field` of the current row (SIZE_MAX: the row), or
 * where the row ends (`at_end`): "FILE:LINE:COL: …" for text, "FILE: sheet
 * "S", row R, column C: …" for a workbook.
 */
static int src_fail(const drees_src *s, mg_diag *d, int code, size_t field, bool at_end,
                    const char *fmt, ...) MG_PRINTF(6, 7);

static int src_fail(const drees_src *s, mg_diag *d, int code, size_t field, bool at_end,
                    const char *fmt, ...)
{
    char text[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (s->c) {
        unsigned long line = mg_csv_line(s->c), col = 0;
        if (at_end)
            (void)mg_csv_record_end(s->c, &line, &col);
        else if (field != SIZE_MAX)
            col = mg_csv_col(s->c, field);
        return mg_diag_set(d, code, s->path, line, col, "%s", text);
    }
    char cn[8];
    size_t col = at_end ? mg_xlsx_ncells(s->x) : field;
    if (col == SIZE_MAX)
        return mg_diag_set(d, code, s->path, 0, 0, "sheet \"%s\", row %lu: %s",
                           mg_xlsx_current_sheet(s->x), mg_xlsx_row(s->x), text);
    return mg_diag_set(d, code, s->path, 0, 0, "sheet \"%s\", row %lu, column %s: %s",
                       mg_xlsx_current_sheet(s->x), mg_xlsx_row(s->x),
                       mg_xlsx_column_name(col, cn), text);
}

/* A message about the header. */
static int src_fail_header(const drees_src *s, mg_diag *d, int code, const char *fmt, ...)
    MG_PRINTF(4, 5);

static int src_fail_header(const drees_src *s, mg_diag *d, int code, const char *fmt, ...)
{
    char text[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (s->c)
        return mg_diag_set(d, code, s->path, 1, 0, "%s", text);
    return mg_diag_set(d, code, s->path, 0, 0, "sheet \"%s\", row %lu: %s",
                       mg_xlsx_current_sheet(s->x), s->hdr_row, text);
}

/* Field i as a number (empty: absent), the CSV reader's rules. */
static int src_double(const drees_src *s, size_t i, double *out, bool *present, mg_diag *d)
{
    if (s->c)
        return mg_csv_double(s->c, i, out, present, d);
    *out = 0;
    *present = false;
    const char *v = mg_xlsx_cell(s->x, i);
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    if (n == 0)
        return MG_OK;
    char tmp[65];
    if (n < sizeof tmp) {
        memcpy(tmp, v, n);
        tmp[n] = '\0';
        char *comma = strchr(tmp, ',');
        if (comma)
            *comma = '.';
        if (mg_parse_c_double(tmp, n, out, NULL) == 0) {
            *present = true;
            return MG_OK;
        }
    }
    return src_fail(s, d, MG_EPARSE, i, false, "column \"%s\": expected a number, found \"%.40s\"",
                    src_header(s, i), v);
}

/*
 * The header of a sheet: the first row within DREES_XLSX_HEADER_ROWS with
 * a cell starting with "Code commune". When the row just above names
 * groups of columns (at least two cells, e.g. "APL aux médecins
 * généralistes" merged over three columns whose own header cells say
 * "sans borne d'âge", "65 ans et moins", …), an "APL …" group name is put
 * before the names of the columns under it: a merged cell keeps its text
 * in its first column only, so it is carried to the right.
 */
static int xlsx_header(drees_src *s, bool *found, mg_diag *d)
{
    char *upper[MG_MAX_CSV_FIELDS] = {0};
    size_t nupper = 0;
    unsigned long upper_row = 0;
    int rc;
    *found = false;
    while ((rc = mg_xlsx_next(s->x, d)) == 1 && mg_xlsx_row(s->x) <= DREES_XLSX_HEADER_ROWS) {
        size_t n = mg_xlsx_ncells(s->x);
        bool is_header = false;
        for (size_t k = 0; k < n && !is_header; k++)
            is_header = strncmp(mg_xlsx_cell(s->x, k), "Code commune", 12) == 0;
        if (!is_header) {
            size_t filled = 0;
            for (size_t k = 0; k < n; k++)
                filled += mg_xlsx_cell(s->x, k)[0] != '\0';
            for (size_t k = 0; k < nupper; k++) {
                free(upper[k]);
                upper[k] = NULL;
            }
            nupper = 0;
            if (filled < 2)
                continue;
            for (size_t k = 0; k < n; k++)
                if (!(upper[k] = mg_strdup(mg_xlsx_cell(s->x, k)))) {
                    rc = MG_ENOMEM;
                    goto done;
                }
            nupper = n;
            upper_row = mg_xlsx_row(s->x);
            continue;
        }
        s->hdr_row = mg_xlsx_row(s->x);
        bool joined = nupper && upper_row + 1 == s->hdr_row;
        s->names = mg_alloc_array(n, sizeof *s->names);
        if (!s->names) {
            rc = MG_ENOMEM;
            goto done;
        }
        s->nh = n;
        const char *carry = "";
        for (size_t k = 0; k < n; k++) {
            const char *low = mg_xlsx_cell(s->x, k);
            if (joined && k < nupper && upper[k][0])
                carry = upper[k];
            bool group = joined && strncmp(carry, "APL", 3) == 0 && low[0] &&
                         strncmp(low, "APL", 3) != 0 && strncmp(low, "Population", 10) != 0 &&
                         strncmp(low, "Code", 4) != 0 && strncmp(low, "Libell", 6) != 0;
            size_t len = strlen(carry) + strlen(low) + 2;
            s->names[k] = mg_alloc_array(len, 1);
            if (!s->names[k]) {
                rc = MG_ENOMEM;
                goto done;
            }
            if (group)
                snprintf(s->names[k], len, "%s %s", carry, low);
            else
                snprintf(s->names[k], len, "%s", low[0] || !joined || k >= nupper ? low : upper[k]);
        }
        *found = true;
        rc = MG_OK;
        break;
    }
    if (rc > 0)
        rc = MG_OK;
done:
    for (size_t k = 0; k < nupper; k++)
        free(upper[k]);
    return rc;
}

static void src_close(drees_src *s)
{
    mg_csv_close(s->c);
    mg_reader_close(s->r);
    mg_xlsx_close(s->x);
    for (size_t k = 0; s->names && k < s->nh; k++)
        free(s->names[k]);
    free(s->names);
}

/* True when the file starts with a zip signature (an .xlsx workbook). */
static bool looks_like_zip(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char b[4] = {0};
    bool zip = f && fread(b, 1, 4, f) == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
    if (f)
        fclose(f);
    return zip;
}

/*
 * Opens the file and finds its header: CSV text, or the first sheet of a
 * workbook with a "Code commune" header row. *code_col receives the code's
 * column, *name_col the name's.
 */
static int src_open(drees_src *s, const char *path, int *code_col, int *name_col, mg_diag *d)
{
    *s = (drees_src){.path = path};
    int rc;
    if (!looks_like_zip(path)) {
        static const char *const cols[] = {"Code commune"};
        if ((rc = mg_reader_open(&s->r, path, d)) || (rc = mg_csv_open(&s->c, s->r, ',', d)) ||
            (rc = mg_csv_require(s->c, cols, 1, code_col, d)))
            return rc;
        /* The national file writes uninhabited communes as their code and
         * name alone; which of those short rows are acceptable is decided
         * by the caller. */
        mg_csv_allow_short(s->c, true);
        while (mg_csv_header(s->c, s->nh))
            s->nh++;
        *name_col = mg_csv_column(s->c, "Libellé de la commune");
        if (*name_col < 0)
            *name_col = 1;
        return MG_OK;
    }
    if ((rc = mg_xlsx_open(&s->x, path, d)))
        return rc;
    for (size_t k = 0; k < mg_xlsx_sheet_count(s->x); k++) {
        bool found;
        if ((rc = mg_xlsx_select(s->x, k, d)) || (rc = xlsx_header(s, &found, d)))
            return rc;
        if (!found)
            continue;
        *code_col = (int)src_column_prefix(s, "Code commune");
        long nc = src_column_prefix(s, "Libell");
        *name_col = nc >= 0 ? (int)nc : *code_col + 1;
        return MG_OK;
    }
    char sheets[400];
    size_t len = 0;
    sheets[0] = '\0';
    for (size_t k = 0; k < mg_xlsx_sheet_count(s->x) && len + 1 < sizeof sheets; k++) {
        int n = snprintf(sheets + len, sizeof sheets - len, "%s\"%s\"", k ? ", " : "",
                         mg_xlsx_sheet_name(s->x, k));
        if (n < 0)
            break;
        len += (size_t)n < sizeof sheets - len ? (size_t)n : sizeof sheets - len - 1;
    }
    return mg_diag_set(d, MG_ENOTFOUND, path, 0, 0,
                       "no sheet has a header row with a cell \"Code commune…\" in its first %d "
                       "rows: expected the DREES APL table (the sheets are %s)",
                       DREES_XLSX_HEADER_ROWS, sheets);
}

int mg_import_drees(mg_territory *t, const char *path, enum mg_drees_age age,
                    unsigned flags, double *official, enum mg_drees_age *used_age,
                    char **column_name, size_t *missing, mg_report *rep, mg_diag *d)
{
    if (missing)
        *missing = 0;
    int code_col = 0, name_col = 1;
    drees_src src = {.path = path};
    double *std = mg_alloc_array(t->n, sizeof *std);
    double *wsum = mg_alloc_array(t->n, sizeof *wsum);   /* weights of APL */
    double *asum = mg_alloc_array(t->n, sizeof *asum);   /* weighted APL */
    uint8_t *seen = mg_alloc_array(t->n, sizeof *seen);  /* 1 row, 2 std pop, 4 short row, 8 full row */
    uint32_t *nval = mg_alloc_array(t->n, sizeof *nval); /* rows with an APL */
    double *single = mg_alloc_array(t->n, sizeof *single); /* the value of one row */
    /* The territory the file must cover, with MG_DREES_STUDY_IS_TERRITORY:
     * the communes already in the study territory (the bundle's contours,
     * imported before). */
    uint8_t *territory = mg_alloc_array(t->n, sizeof *territory);
    size_t short_inhabited = 0;
    mg_codemap *lines = mg_codemap_new(t->n); /* code as written → its first line */
    int rc = MG_ENOMEM;
    if (!std || !wsum || !asum || !seen || !nval || !single || !territory || !lines)
        goto done;
    const bool allow_missing = flags & MG_DREES_ALLOW_MISSING;
    const bool contours = flags & MG_DREES_STUDY_IS_TERRITORY;
    for (size_t i = 0; i < t->n; i++)
        territory[i] = t->in_study[i];
    if ((rc = src_open(&src, path, &code_col, &name_col, d)))
        goto done;
    const size_t nh = src.nh;

    /* Locate the columns by their published names. */
    long apl_col = -1, std_col = -1, pop_col = src_column(&src, "Population totale");
    long only_apl = -1;
    size_t napl = 0;
    const char *h;
    for (size_t k = 0; (h = src_header(&src, k)) != NULL; k++) {
        if (starts_with(h, "Population standardis"))
            std_col = (long)k;
        if (!starts_with(h, "APL"))
            continue;
        napl++;
        only_apl = (long)k;
        if (column_age(h) == age)
            apl_col = (long)k;
    }
    if (napl == 0 || std_col < 0) {
        rc = src_fail_header(&src, d, MG_EPARSE,
                         "expected a DREES APL header with \"Code commune\", one or more "
                         "\"APL …\" columns and \"Population standardisée …\"; %s is missing",
                         napl == 0 ? "every APL column" : "the standardised population");
        goto done;
    }
    if (apl_col < 0) {
        if (napl > 1) {
            rc = src_fail_header(&src, d, MG_ENOTFOUND,
                             "no APL column for practitioners aged %d and under among %zu APL columns",
                             (int)age, napl);
            goto done;
        }
        apl_col = only_apl;
    }
    if (used_age)
        *used_age = column_age(src_header(&src, (size_t)apl_col));

    size_t rows = 0;
    unsigned long last_line = 1;
    while ((rc = src.c ? mg_csv_next(src.c, d) : mg_xlsx_next(src.x, d)) == 1) {
        size_t len;
        last_line = src_line(&src);
        /* A last line without its line end is a file cut short (at a row's
         * end or in the middle of a value): nothing in it can be trusted.
         * (A workbook cut short is a damaged zip archive.) */
        if (src.c && !mg_csv_record_end(src.c, NULL, NULL)) {
            rc = src_fail(&src, d, MG_EPARSE, SIZE_MAX, true,
                          "the last line stops without a line end: expected a complete "
                          "row of %zu fields ending with a newline (file cut short?)",
                          nh);
            goto done;
        }
        size_t nf = src_nfields(&src);
        const char *code = src_field(&src, (size_t)code_col, &len);
        /* A short row must say which commune it is: its code and its name.
         * A complete row may lack the name (the national file leaves it
         * empty for Marseille's arrondissements). */
        const char *name = src_field(&src, (size_t)name_col, NULL);
        if (!code || (nf < nh && (!name || !name[0]))) {
            rc = src_fail(&src, d, MG_EPARSE, SIZE_MAX, true,
                          "expected %zu fields as in the header, found %zu (a row "
                          "without values has at least the commune's code and name)",
                          nh, nf);
            goto done;
        }
        if (!mg_code_valid(code, len)) {
            rc = src_fail(&src, d, MG_EPARSE, (size_t)code_col, false,
                             "column \"Code commune\": expected a 5-character commune code, found \"%.20s\"",
                             code);
            goto done;
        }
        bool fresh;
        unsigned long line = src_line(&src);
        if ((rc = mg_codemap_put(lines, code, line > INT32_MAX ? INT32_MAX : (int32_t)line,
                                 &fresh)))
            goto done;
        if (!fresh) {
            rc = src_fail(&src, d, MG_EPARSE, (size_t)code_col, false,
                          "commune code %s appears a second time (first on %s %ld): "
                          "expected each commune once",
                          code, src_unit(&src), (long)mg_codemap_get(lines, code));
            goto done;
        }
        rows++;
        long i = mg_territory_find(t, code);
        if (i < 0) {
            mg_report_add(rep, "%s: %s %lu: commune code %s maps to no current commune; row ignored",
                          path, src_unit(&src), src_line(&src), code);
            continue;
        }
        if (nf < nh) {
            /* Code and name only: "no value", as the DREES writes the
             * communes nobody lives in. For an inhabited commune it is a
             * value missing from the file. */
            if (t->population[i] > 0) {
                if (!allow_missing) {
                    rc = src_fail(&src, d, MG_EPARSE, SIZE_MAX, true,
                                     "commune %s (%s, population %.0f) has only %zu of the %zu "
                                     "fields: expected its values (a row without values is "
                                     "read only for an uninhabited commune; --allow-missing "
                                     "takes it as without official value)",
                                     code, t->name[i], t->population[i], nf, nh);
                    goto done;
                }
            }
            seen[i] |= 1 | 4;
            continue;
        }
        double apl, sp, pop = 0;
        bool has_apl, has_std, has_pop = false;
        if ((rc = src_double(&src, (size_t)apl_col, &apl, &has_apl, d)) ||
            (rc = src_double(&src, (size_t)std_col, &sp, &has_std, d)))
            goto done;
        if (pop_col >= 0 && (rc = src_double(&src, (size_t)pop_col, &pop, &has_pop, d)))
            goto done;
        if ((has_apl && apl < 0) || (has_std && sp < 0)) {
            rc = src_fail(&src, d, MG_EPARSE, SIZE_MAX, false,
                          "commune %s: expected non-negative values", code);
            goto done;
        }
        seen[i] |= 1 | 8;
        if (has_std) {
            std[i] += sp;
            seen[i] |= 2;
        }
        if (has_apl) {
            /* Merged communes: the official value of the whole is the mean
             * of its parts weighted by their demand. */
            double w = has_std ? sp : has_pop ? pop : 1.0;
            if (w <= 0)
                w = 1e-9;
            wsum[i] += w;
            asum[i] += w * apl;
            single[i] = apl;
            nval[i]++;
        }
    }
    if (rc < 0)
        goto done;
    if (rows == 0) {
        rc = mg_diag_set(d, MG_EPARSE, path, 0, 0, "no commune row after the header");
        goto done;
    }
    /* Every inhabited commune of the territory must have a row: a file cut
     * at a line boundary looks complete otherwise. Codes are compared
     * after the code history (mergers) has mapped them to today's
     * communes, so a merged commune found under its former codes is
     * present. */
    size_t absent = 0;
    long first = -1;
    /* Inhabited communes whose rows (a merged commune may have several,
     * under its former codes) all lack values: counted once each. */
    for (size_t i = 0; i < t->n; i++)
        short_inhabited += (seen[i] & (4 | 8)) == 4 && t->population[i] > 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!contours || !territory[i] || seen[i] || !(t->population[i] > 0))
            continue;
        if (first < 0)
            first = (long)i;
        absent++;
    }
    if (absent && !allow_missing) {
        rc = mg_diag_set(d, MG_EPARSE, path, 0, 0,
                         "%zu inhabited commune%s of the territory (the communes of the "
                         "contours) %s no row, the first "
                         "%s (%s, population %.0f); the file ends at %s %lu: expected a row "
                         "for every inhabited commune (file cut short?); --allow-missing "
                         "computes without their official values",
                         absent, absent > 1 ? "s" : "", absent > 1 ? "have" : "has", t->code[first], t->name[first],
                         t->population[first], src_unit(&src), last_line);
        goto done;
    }
    if (absent + short_inhabited)
        mg_report_add(rep, "%s: %zu inhabited communes of the territory have no official value "
                      "(%zu without a row, %zu with a row without values; --allow-missing)",
                      path, absent + short_inhabited, absent, short_inhabited);
    if (missing)
        *missing = absent + short_inhabited;
    char *name = column_name ? mg_strdup(src_header(&src, (size_t)apl_col)) : NULL;
    if (column_name && !name) {
        rc = MG_ENOMEM;
        goto done;
    }
    size_t empty = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (official)
            /* One row: its value exactly, not w·x/w rounded twice. */
            official[i] = nval[i] == 1 ? single[i] : wsum[i] > 0 ? asum[i] / wsum[i] : NAN;
        if (!seen[i])
            continue;
        t->in_study[i] = 1;
        if (seen[i] & 2)
            t->pop_std[i] = std[i];
        if (wsum[i] == 0)
            empty++;
    }
    if (empty)
        mg_report_add(rep, "%s: %zu communes have no official value (rows without values)",
                      path, empty);
    if (column_name)
        *column_name = name;
    rc = MG_OK;
done:
    src_close(&src);
    free(std);
    free(wsum);
    free(asum);
    free(seen);
    free(nval);
    free(single);
    free(territory);
    mg_codemap_free(lines);
    return rc;
}
