/*
 * libFuzzer target for the workbook reader (io/xlsx). An input starting
 * with a zip signature is the workbook itself; any other input is XML — a
 * sheet, then after a NUL byte the shared strings — packed here into a
 * minimal workbook, so that mutations reach the XML walk instead of
 * stopping at the archive's checksums. The workbook is written to a memfd
 * and every row of every sheet read. Beyond
 * the sanitizers it checks the reader's promises: a failure always says
 * why; rows come in increasing order with at most MG_MAX_CSV_FIELDS cells,
 * their last cell non-empty, every cell a string (empty when absent); an
 * error is final.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>

#include <zip.h>

#include "core/limits.h"
#include "fuzz_util.h"
#include "io/xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char workbook[] =
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"APL\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "</Relationships>";

/* Packs the parts into a zip archive in memory; malloc'ed bytes or NULL. */
static unsigned char *pack(const uint8_t *sheet, size_t nsheet, const uint8_t *ss, size_t nss,
                           size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!src)
        return NULL;
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    unsigned char *out = NULL;
    if (za) {
        struct { const char *name; const void *p; size_t n; } parts[] = {
            {"xl/workbook.xml", workbook, sizeof workbook - 1},
            {"xl/_rels/workbook.xml.rels", rels, sizeof rels - 1},
            {"xl/worksheets/sheet1.xml", sheet, nsheet},
            {"xl/sharedStrings.xml", ss, nss},
        };
        bool ok = true;
        for (size_t k = 0; k < 4 && ok; k++) {
            if (k == 3 && !ss)
                break;
            zip_source_t *s = zip_source_buffer(za, parts[k].p, parts[k].n, 0);
            ok = s && zip_file_add(za, parts[k].name, s, ZIP_FL_OVERWRITE) >= 0;
            if (!ok && s)
                zip_source_free(s);
        }
        if (zip_close(za) < 0) {
            zip_discard(za);
            ok = false;
        }
        if (ok && zip_source_open(src) == 0) {
            zip_source_seek(src, 0, SEEK_END);
            zip_int64_t n = zip_source_tell(src);
            zip_source_seek(src, 0, SEEK_SET);
            out = n > 0 ? malloc((size_t)n) : NULL;
            if (out && zip_source_read(src, out, (zip_uint64_t)n) != n) {
                free(out);
                out = NULL;
            }
            *len = (size_t)n;
            zip_source_close(src);
        }
    }
    zip_source_free(src);
    zip_error_fini(&ze);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *packed = NULL;
    if (!(size >= 2 && data[0] == 'P' && data[1] == 'K')) {
        const uint8_t *nul = memchr(data, 0, size);
        size_t nsheet = nul ? (size_t)(nul - data) : size;
        packed = pack(data, nsheet, nul ? nul + 1 : NULL, nul ? size - nsheet - 1 : 0, &size);
        if (!packed)
            return 0;
        data = packed;
    }
    char path[64];
    int fd = to_memfd("xlsx", data, size, path, sizeof path);
    free(packed);
    if (fd < 0)
        return 0;
    mg_xlsx *x = NULL;
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_xlsx_open(&x, path, &d);
    if (rc != MG_OK) {
        check(rc < 0 && d.msg[0] != '\0' && x == NULL);
        close(fd);
        return 0;
    }
    check(mg_xlsx_sheet_count(x) > 0);
    for (size_t k = 0; k < mg_xlsx_sheet_count(x); k++) {
        check(mg_xlsx_sheet_name(x, k) != NULL);
        mg_diag_clear(&d);
        if (mg_xlsx_select(x, k, &d) != MG_OK) {
            check(d.msg[0] != '\0');
            continue;
        }
        unsigned long prev = 0;
        while ((rc = mg_xlsx_next(x, &d)) == 1) {
            size_t n = mg_xlsx_ncells(x);
            check(mg_xlsx_row(x) > prev);
            prev = mg_xlsx_row(x);
            check(n > 0 && n <= MG_MAX_CSV_FIELDS);
            check(mg_xlsx_cell(x, n - 1)[0] != '\0');
            check(mg_xlsx_cell(x, n)[0] == '\0');
            for (size_t i = 0; i < n; i++)
                check(strlen(mg_xlsx_cell(x, i)) <= MG_MAX_LINE_BYTES);
        }
        if (rc < 0) {
            check(d.msg[0] != '\0');
            mg_diag d2;
            mg_diag_clear(&d2);
            check(mg_xlsx_next(x, &d2) < 0);
        }
    }
    mg_xlsx_close(x);
    close(fd);
    return 0;
}
