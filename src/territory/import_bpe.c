/*
 * Supply from INSEE's Base permanente des équipements, file "ensemble":
 * `;`-separated, one row per commune (or IRIS) × equipment type, NB_EQUIP
 * the count. For D201 (médecin omnipraticien) and the other health
 * professions the count is a head count of practitioners at their practice.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/csv.h"
#include "territory/codemap.h"
#include "territory/territory.h"

int mg_import_bpe(const mg_territory *t, const char *path, const char *typequ,
                  double *supply, double *unmapped_equipment, mg_report *rep,
                  mg_diag *d)
{
    static const char *const cols[] = {"DEPCOM", "TYPEQU", "NB_EQUIP"};
    int idx[3];
    mg_reader *r = NULL;
    mg_csv *c = NULL;
    double *add = mg_alloc_array(t->n, sizeof *add);
    double lost = 0;
    size_t rows = 0, unknown_rows = 0;
    int rc = MG_ENOMEM;
    if (!add)
        goto done;
    if ((rc = mg_reader_open(&r, path, d)) || (rc = mg_csv_open(&c, r, ';', d)) ||
        (rc = mg_csv_require(c, cols, 3, idx, d)))
        goto done;
    while ((rc = mg_csv_next(c, d)) == 1) {
        const char *type = mg_csv_field(c, (size_t)idx[1], NULL);
        if (strcmp(type, typequ) != 0)
            continue;
        size_t len;
        const char *code = mg_csv_field(c, (size_t)idx[0], &len);
        if (!mg_code_valid(code, len)) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[0]),
                             "column \"DEPCOM\": expected a 5-character commune code, found \"%.20s\"",
                             code);
            goto done;
        }
        long count;
        bool present;
        if ((rc = mg_csv_long(c, (size_t)idx[2], &count, &present, d)))
            goto done;
        if (!present) {
            rc = mg_diag_set(d, MG_EPARSE, path, mg_csv_line(c), mg_csv_col(c, (size_t)idx[2]),
                             "column \"NB_EQUIP\": expected a count, found an empty field");
            goto done;
        }
        rows++;
        long i = mg_territory_find(t, code);
        if (i < 0) {
            if (unknown_rows++ < 20)
                mg_report_add(rep, "%s:%lu: %s equipment in commune %s, a code that maps to no current commune (%ld not counted)",
                              path, mg_csv_line(c), typequ, code, count);
            lost += (double)count;
            continue;
        }
        add[i] += (double)count;
    }
    if (rc < 0)
        goto done;
    if (unknown_rows > 20)
        mg_report_add(rep, "%s: %zu more rows with unmappable codes", path, unknown_rows - 20);
    if (rows == 0)
        mg_report_add(rep, "%s: no row of equipment type %s", path, typequ);
    for (size_t i = 0; i < t->n; i++)
        supply[i] += add[i];
    if (unmapped_equipment)
        *unmapped_equipment = lost;
    rc = MG_OK;
done:
    mg_csv_close(c);
    mg_reader_close(r);
    free(add);
    return rc;
}
