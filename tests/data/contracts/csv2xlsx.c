/*
 * Test helper: writes a plan CSV of this folder (";"-separated, no quoted
 * fields, UTF-8 with or without BOM) as the first sheet of an XLSX
 * workbook with libxlsxwriter, as a spreadsheet would save it: years,
 * priorities and amounts as numbers (amounts read the French way: "20 000",
 * "45 000,00", "15000 €"), the debut and fin dates as date cells (Excel
 * serial numbers with a date format), everything else as text. Built by
 * tests/CMakeLists.txt; used by tests/cli/contracts.sh and
 * test_contract_import, so that the XLSX files tested are always made from
 * the CSV files beside them, never copied by hand.
 *   contracts_csv2xlsx IN.csv OUT.xlsx
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

enum { MAX_COLS = 64 };

static bool named(const char *h, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(h, *names) == 0)
            return true;
    return false;
}

/* "20 000", "45 000,00", "15000 €" as a double; false when not a number. */
static bool amount(const char *s, double *out)
{
    char buf[64];
    size_t n = 0;
    for (; *s && n + 1 < sizeof buf; s++) {
        if (*s >= '0' && *s <= '9')
            buf[n++] = *s;
        else if (*s == ',' || *s == '.')
            buf[n++] = '.';
        else if (*s == ' ' || (unsigned char)*s >= 0x80)
            continue; /* spaces, no-break spaces, the euro sign */
        else
            return false;
    }
    buf[n] = '\0';
    if (!n)
        return false;
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0';
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: contracts_csv2xlsx IN.csv OUT.xlsx\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    lxw_workbook *wb = workbook_new(argv[2]);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "Plan") : NULL;
    if (!ws) {
        fprintf(stderr, "cannot create %s\n", argv[2]);
        return 1;
    }
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "dd/mm/yyyy");
    static const char *const numbers[] = {"Année", "annee", "Priorité", "priorite", NULL};
    static const char *const money[] = {"Prévu", "Engagé", "Versé", "prevu", "engage", "verse",
                                        NULL};
    static const char *const dates[] = {"Début", "Fin", "debut", "fin", NULL};
    char kind[MAX_COLS] = {0}; /* 'n' number, 'm' amount, 'd' date, 0 text */
    char line[65536];
    int row = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line;
        if (row == 0 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
            p += 3;
        for (int col = 0; p && col < MAX_COLS; col++) {
            char *sep = strchr(p, ';');
            if (sep)
                *sep = '\0';
            if (row == 0) {
                kind[col] = named(p, numbers) ? 'n' : named(p, money) ? 'm' : named(p, dates) ? 'd' : 0;
                worksheet_write_string(ws, 0, (lxw_col_t)col, p, NULL);
            } else if (*p) {
                double v;
                int d, m, y;
                lxw_datetime dt;
                if ((kind[col] == 'n' || kind[col] == 'm') && amount(p, &v))
                    worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v, NULL);
                else if (kind[col] == 'd' && (sscanf(p, "%d/%d/%d", &d, &m, &y) == 3 ||
                                              (sscanf(p, "%d-%d-%d", &y, &m, &d) == 3 && y > 31))) {
                    dt = (lxw_datetime){y, m, d, 0, 0, 0};
                    worksheet_write_datetime(ws, (lxw_row_t)row, (lxw_col_t)col, &dt, date);
                } else {
                    worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, p, NULL);
                }
            }
            p = sep ? sep + 1 : NULL;
        }
        row++;
    }
    fclose(in);
    if (workbook_close(wb) != LXW_NO_ERROR) {
        fprintf(stderr, "cannot write %s\n", argv[2]);
        return 1;
    }
    return 0;
}
