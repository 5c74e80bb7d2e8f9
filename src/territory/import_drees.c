/*
 * The DREES APL files (one per profession, converted from the published
 * xlsx without changing values): `,`-separated, "Code commune", "Libellé de
 * la commune", "Population totale", one or more "APL …" columns (by age
 * limit of the practitioners counted), and last the population
 * standardised by care consumption per age band, the demand of the method.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/csv.h"
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

int mg_import_drees(mg_territory *t, const char *path, enum mg_drees_age age,
                    unsigned flags, double *official, enum mg_drees_age *used_age,
                    char **column_name, size_t *missing, mg_report *rep, mg_diag *d)
{
    if (missing)
        *missing = 0;
    static const char *const cols[] = {"Code commune"};
    int code_col;
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    double *std = mg_alloc_array(t->n, sizeof *std);
    double *wsum = mg_alloc_array(t->n, sizeof *wsum);   /* weights of APL */
    double *asum = mg_alloc_array(t->n, sizeof *asum);   /* weighted APL */
    uint8_t *seen = mg_alloc_array(t->n, sizeof *seen);  /* 1 row, 2 std pop */
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
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ',', d)) ||
        (rc = mg_csv_require(c, cols, 1, &code_col, d)))
        goto done;
    /* The national file writes uninhabited communes as their code and name
     * alone; which of those short rows are acceptable is decided below. */
    mg_csv_allow_short(c, true);
    size_t nh = 0;
    while (mg_csv_header(c, nh))
        nh++;
    int name_col = mg_csv_column(c, "Libellé de la commune");
    if (name_col < 0)
        name_col = 1;

    /* Locate the columns by their published names. */
    long apl_col = -1, std_col = -1, pop_col = mg_csv_column(c, "Population totale");
    long only_apl = -1;
    size_t napl = 0;
    const char *h;
    for (size_t k = 0; (h = mg_csv_header(c, k)) != NULL; k++) {
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
        rc = mg_diag_set(d, MG_EPARSE, path, 1, 0,
                         "expected a DREES APL header with \"Code commune\", one or more "
                         "\"APL …\" columns and \"Population standardisée …\"; %s is missing",
                         napl == 0 ? "every APL column" : "the standardised population");
        goto done;
    }
    if (apl_col < 0) {
        if (napl > 1) {
            rc = mg_diag_set(d, MG_ENOTFOUND, path, 1, 0,
                             "no APL column for practitioners aged %d and under among %zu APL columns",
                             (int)age, napl);
            goto done;
        }
        apl_col = only_apl;
    }
    if (used_age)
        *used_age = column_age(mg_csv_header(c, (size_t)apl_col));

    size_t rows = 0;
    unsigned long last_line = 1;
    while ((rc = mg_csv_next(c, d)) == 1) {
        size_t len;
        unsigned long eline, ecol;
        last_line = mg_csv_line(c);
        /* A last line without its line end is a file cut short (at a row's
         * end or in the middle of a value): nothing in it can be trusted. */
        if (!mg_csv_record_end(c, &eline, &ecol)) {
            rc = mg_diag_set(d, MG_EPARSE, path, eline, ecol,
                             "the last line stops without a line end: expected a complete "
                             "row of %zu fields ending with a newline (file cut short?)",
                             nh);
            goto done;
        }
        size_t nf = mg_csv_nfields(c);
        const char *code = mg_csv_field(c, (size_t)code_col, &len);
        /* A short row must say which commune it is: its code and its name.
         * A complete row may lack the name (the national file leaves it
         * empty for Marseille's arrondissements). */
        const char *name = mg_csv_field(c, (size_t)name_col, NULL);
        if (!code || (nf < nh && (!name || !name[0]))) {
            rc = mg_diag_set(d, MG_EPARSE, path, eline, ecol,
                             "expected %zu fields as in the header, found %zu (a row "
                             "without values has at least the commune's code and name)",
                             nh, nf);
            goto done;
        }
        if (!mg_code_valid(code, len)) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)code_col),
                             "column \"Code commune\": expected a 5-character commune code, found \"%.20s\"",
                             code);
            goto done;
        }
        bool fresh;
        unsigned long line = mg_csv_line(c);
        if ((rc = mg_codemap_put(lines, code, line > INT32_MAX ? INT32_MAX : (int32_t)line,
                                 &fresh)))
            goto done;
        if (!fresh) {
            rc = mg_diag_set(d, MG_EPARSE, path, line, mg_csv_col(c, (size_t)code_col),
                             "commune code %s appears a second time (first on line %ld): "
                             "expected each commune once",
                             code, (long)mg_codemap_get(lines, code));
            goto done;
        }
        rows++;
        long i = mg_territory_find(t, code);
        if (i < 0) {
            mg_report_add(rep, "%s:%lu: commune code %s maps to no current commune; row ignored",
                          path, mg_csv_line(c), code);
            continue;
        }
        if (nf < nh) {
            /* Code and name only: "no value", as the DREES writes the
             * communes nobody lives in. For an inhabited commune it is a
             * value missing from the file. */
            if (t->population[i] > 0) {
                if (!allow_missing) {
                    rc = mg_diag_set(d, MG_EPARSE, path, eline, ecol,
                                     "commune %s (%s, population %.0f) has only %zu of the %zu "
                                     "fields: expected its values (a row without values is "
                                     "read only for an uninhabited commune; --allow-missing "
                                     "takes it as without official value)",
                                     code, t->name[i], t->population[i], nf, nh);
                    goto done;
                }
                short_inhabited++;
            }
            seen[i] |= 1;
            continue;
        }
        double apl, sp, pop = 0;
        bool has_apl, has_std, has_pop = false;
        if ((rc = mg_csv_double(c, (size_t)apl_col, &apl, &has_apl, d)) ||
            (rc = mg_csv_double(c, (size_t)std_col, &sp, &has_std, d)))
            goto done;
        if (pop_col >= 0 && (rc = mg_csv_double(c, (size_t)pop_col, &pop, &has_pop, d)))
            goto done;
        if ((has_apl && apl < 0) || (has_std && sp < 0)) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), 0,
                             "commune %s: expected non-negative values", code);
            goto done;
        }
        seen[i] |= 1;
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
                         "%s (%s, population %.0f); the file ends at line %lu: expected a row "
                         "for every inhabited commune (file cut short?); --allow-missing "
                         "computes without their official values",
                         absent, absent > 1 ? "s" : "", absent > 1 ? "have" : "has", t->code[first], t->name[first],
                         t->population[first], last_line);
        goto done;
    }
    if (absent + short_inhabited)
        mg_report_add(rep, "%s: %zu inhabited communes of the territory have no official value "
                      "(%zu without a row, %zu with a row without values; --allow-missing)",
                      path, absent + short_inhabited, absent, short_inhabited);
    if (missing)
        *missing = absent + short_inhabited;
    char *name = column_name ? mg_strdup(mg_csv_header(c, (size_t)apl_col)) : NULL;
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
    mg_csv_close(c);
    mg_reader_close(r);
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
