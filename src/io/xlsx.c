/*
 * Cells of an .xlsx workbook, streamed: libzip opens the archive and
 * inflates one part at a time, libxml2's xmlTextReader walks its XML as it
 * arrives, so memory holds the shared strings and one row, whatever the
 * sheet's size. Every XML part is bounded (MG_MAX_FILE_BYTES decompressed),
 * a row too (MG_MAX_LINE_BYTES of text, MG_MAX_CSV_FIELDS columns).
 */
#include "io/xlsx.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "parse/parse.h"

#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NO_CELL SIZE_MAX

/* One XML part being read: the zip entry and what it delivered. */
typedef struct part_in {
    zip_file_t *zf;
    unsigned long long got;
    int err;           /* 0, MG_ELIMIT (too large) or MG_EIO (damaged archive) */
    char zmsg[160];    /* libzip's words for MG_EIO */
    char xmsg[240];    /* libxml2's first error */
    int xline;
} part_in;

struct mg_xlsx {
    char *name;
    zip_t *za;
    size_t nsheets;
    char **sheet_name, **sheet_part;
    /* Shared strings: one buffer of NUL-terminated texts and their offsets. */
    char *ss;
    size_t ss_len, ss_cap, *ss_off, nss, ss_off_cap;
    /* The sheet being read. */
    size_t cur;
    xmlTextReaderPtr rd;
    part_in in;
    char *row;
    size_t row_len;
    size_t off[MG_MAX_CSV_FIELDS];
    size_t ncells, touched;
    unsigned long rownum;
    int err;
    bool done;
};

/* libxml2 reports through this: the first message is kept with its line. */
static void xml_error(void *arg, xmlErrorPtr e)
{
    part_in *in = arg;
    if (!e || in->xmsg[0])
        return;
    snprintf(in->xmsg, sizeof in->xmsg, "%s", e->message ? e->message : "error");
    size_t n = strlen(in->xmsg);
    while (n && (in->xmsg[n - 1] == '\n' || in->xmsg[n - 1] == ' '))
        in->xmsg[--n] = '\0';
    in->xline = e->line;
}

static int part_read(void *ctx, char *buf, int len)
{
    part_in *in = ctx;
    zip_int64_t n = zip_fread(in->zf, buf, (zip_uint64_t)len);
    if (n < 0) {
        in->err = MG_EIO;
        snprintf(in->zmsg, sizeof in->zmsg, "%s", zip_file_strerror(in->zf));
        return -1;
    }
    in->got += (unsigned long long)n;
    if (in->got > MG_MAX_FILE_BYTES) {
        in->err = MG_ELIMIT;
        return -1;
    }
    return (int)n;
}

static int part_close(void *ctx)
{
    (void)ctx;
    return 0;
}

/* Closes a part's reader and entry. */
static void part_end(xmlTextReaderPtr *rd, part_in *in)
{
    if (*rd)
        xmlFreeTextReader(*rd);
    *rd = NULL;
    if (in->zf)
        zip_fclose(in->zf);
    in->zf = NULL;
}

/*
 * Opens part `part` for streaming. A missing part is MG_ENOTFOUND with d
 * left empty when `optional`, an error naming it otherwise.
 */
static int part_begin(mg_xlsx *x, const char *part, bool optional, xmlTextReaderPtr *rd,
                      part_in *in, mg_diag *d)
{
    memset(in, 0, sizeof *in);
    *rd = NULL;
    in->zf = zip_fopen(x->za, part, 0);
    if (!in->zf) {
        if (optional)
            return MG_ENOTFOUND;
        return mg_diag_set(d, MG_EPARSE, x->name, 0, 0,
                           "no part %s in the archive: expected an .xlsx workbook", part);
    }
    /* No network, no DTD, no entity expansion: the XML is data only. */
    *rd = xmlReaderForIO(part_read, part_close, in, part, NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!*rd) {
        part_end(rd, in);
        return mg_diag_set(d, MG_ENOMEM, x->name, 0, 0, "out of memory opening %s", part);
    }
    xmlTextReaderSetStructuredErrorHandler(*rd, xml_error, in);
    return MG_OK;
}

/* The message for a part that stopped reading (ret < 0 from the reader). */
static int part_fail(mg_xlsx *x, const char *where, const part_in *in, mg_diag *d)
{
    if (in->err == MG_ELIMIT)
        return mg_diag_set(d, MG_ELIMIT, x->name, 0, 0,
                           "%s: larger than %llu bytes decompressed (MG_MAX_FILE_BYTES)", where,
                           (unsigned long long)MG_MAX_FILE_BYTES);
    if (in->err == MG_EIO)
        return mg_diag_set(d, MG_EPARSE, x->name, 0, 0, "%s: damaged archive (%s)", where,
                           in->zmsg);
    return mg_diag_set(d, MG_EPARSE, x->name, 0, 0, "%s, XML line %d: malformed XML: %s", where,
                       in->xline, in->xmsg[0] ? in->xmsg : "unreadable");
}

static bool is(const xmlChar *a, const char *b)
{
    return a && strcmp((const char *)a, b) == 0;
}

/* Appends n bytes to a growable buffer bounded by `max`. 0, or -1 past it
 * or out of memory. */
static int grow_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n, size_t max)
{
    if (n > max || *len > max - n)
        return -1;
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap : 4096;
        while (ncap < *len + n + 1)
            ncap *= 2;
        char *nb = mg_realloc_array(*buf, ncap, 1);
        if (!nb)
            return -1;
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* xl/workbook.xml and its relationships: the sheets' names and parts. */
static int read_workbook(mg_xlsx *x, mg_diag *d)
{
    xmlTextReaderPtr rd;
    part_in in;
    char **ids = NULL;
    size_t cap = 0;
    int rc = part_begin(x, "xl/workbook.xml", false, &rd, &in, d), ret;
    if (rc)
        return rc;
    while ((ret = xmlTextReaderRead(rd)) == 1) {
        if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT ||
            !is(xmlTextReaderConstLocalName(rd), "sheet"))
            continue;
        if (x->nsheets == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            if (ncap > 4096) {
                rc = mg_diag_set(d, MG_ELIMIT, x->name, 0, 0, "more than 4096 sheets");
                break;
            }
            char **a = mg_realloc_array(x->sheet_name, ncap, sizeof *a);
            if (a)
                x->sheet_name = a;
            char **b = mg_realloc_array(ids, ncap, sizeof *b);
            if (b)
                ids = b;
            if (!a || !b) {
                rc = MG_ENOMEM;
                break;
            }
            cap = ncap;
        }
        xmlChar *name = xmlTextReaderGetAttribute(rd, BAD_CAST "name");
        xmlChar *id = xmlTextReaderGetAttributeNs(rd, BAD_CAST "id", BAD_CAST REL_NS);
        x->sheet_name[x->nsheets] = mg_strdup(name ? (const char *)name : "?");
        ids[x->nsheets] = mg_strdup(id ? (const char *)id : "");
        xmlFree(name);
        xmlFree(id);
        if (!x->sheet_name[x->nsheets] || !ids[x->nsheets]) {
            free(x->sheet_name[x->nsheets]);
            free(ids[x->nsheets]);
            rc = MG_ENOMEM;
            break;
        }
        x->nsheets++;
    }
    if (!rc && ret < 0)
        rc = part_fail(x, "xl/workbook.xml", &in, d);
    part_end(&rd, &in);
    if (!rc && x->nsheets == 0)
        rc = mg_diag_set(d, MG_EPARSE, x->name, 0, 0,
                         "xl/workbook.xml names no sheet: expected at least one");
    if (!rc) {
        x->sheet_part = mg_alloc_array(x->nsheets, sizeof *x->sheet_part);
        if (!x->sheet_part)
            rc = MG_ENOMEM;
    }
    if (!rc)
        rc = part_begin(x, "xl/_rels/workbook.xml.rels", false, &rd, &in, d);
    if (!rc) {
        while ((ret = xmlTextReaderRead(rd)) == 1 && !rc) {
            if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT ||
                !is(xmlTextReaderConstLocalName(rd), "Relationship"))
                continue;
            xmlChar *id = xmlTextReaderGetAttribute(rd, BAD_CAST "Id");
            xmlChar *target = xmlTextReaderGetAttribute(rd, BAD_CAST "Target");
            for (size_t k = 0; id && target && k < x->nsheets; k++) {
                if (x->sheet_part[k] || strcmp(ids[k], (const char *)id) != 0)
                    continue;
                /* Targets are relative to xl/, or absolute within the archive. */
                const char *t = (const char *)target;
                size_t n = strlen(t) + 4;
                x->sheet_part[k] = mg_alloc_array(n, 1);
                if (!x->sheet_part[k]) {
                    rc = MG_ENOMEM;
                    break;
                }
                if (t[0] == '/')
                    snprintf(x->sheet_part[k], n, "%s", t + 1);
                else
                    snprintf(x->sheet_part[k], n, "xl/%s", t);
            }
            xmlFree(id);
            xmlFree(target);
        }
        if (!rc && ret < 0)
            rc = part_fail(x, "xl/_rels/workbook.xml.rels", &in, d);
        part_end(&rd, &in);
    }
    for (size_t k = 0; !rc && k < x->nsheets; k++)
        if (!x->sheet_part[k])
            rc = mg_diag_set(d, MG_EPARSE, x->name, 0, 0,
                             "sheet \"%s\" has no part in xl/_rels/workbook.xml.rels",
                             x->sheet_name[k]);
    for (size_t k = 0; k < x->nsheets; k++)
        free(ids ? ids[k] : NULL);
    free(ids);
    return rc;
}

/* Ends the current shared string. */
static int ss_push(mg_xlsx *x, size_t start)
{
    if (x->nss == x->ss_off_cap) {
        size_t ncap = x->ss_off_cap ? x->ss_off_cap * 2 : 1024;
        size_t *n = mg_realloc_array(x->ss_off, ncap, sizeof *n);
        if (!n)
            return MG_ENOMEM;
        x->ss_off = n;
        x->ss_off_cap = ncap;
    }
    x->ss_off[x->nss++] = start;
    /* The terminator belongs to the string: the next one starts after it. */
    if (grow_append(&x->ss, &x->ss_len, &x->ss_cap, "", 1, MG_MAX_FILE_BYTES))
        return MG_ENOMEM;
    return MG_OK;
}

/* xl/sharedStrings.xml (optional): the text of each <si>, runs joined,
 * phonetic runs (<rPh>) left out. */
static int read_shared_strings(mg_xlsx *x, mg_diag *d)
{
    xmlTextReaderPtr rd;
    part_in in;
    int rc = part_begin(x, "xl/sharedStrings.xml", true, &rd, &in, d), ret;
    if (rc == MG_ENOTFOUND)
        return MG_OK;
    if (rc)
        return rc;
    bool in_si = false, in_t = false;
    int rph = 0;
    size_t start = 0;
    while (!rc && (ret = xmlTextReaderRead(rd)) == 1) {
        int type = xmlTextReaderNodeType(rd);
        const xmlChar *ln = xmlTextReaderConstLocalName(rd);
        if (type == XML_READER_TYPE_ELEMENT) {
            bool empty = xmlTextReaderIsEmptyElement(rd);
            if (is(ln, "si")) {
                in_si = true;
                start = x->ss_len;
                if (empty) {
                    rc = ss_push(x, start);
                    in_si = false;
                }
            } else if (is(ln, "rPh") && !empty) {
                rph++;
            } else if (is(ln, "t") && in_si && !rph && !empty) {
                in_t = true;
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (is(ln, "si") && in_si) {
                rc = ss_push(x, start);
                in_si = false;
            } else if (is(ln, "rPh") && rph) {
                rph--;
            } else if (is(ln, "t")) {
                in_t = false;
            }
        } else if (in_t && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                            type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
            const char *v = (const char *)xmlTextReaderConstValue(rd);
            if (v && grow_append(&x->ss, &x->ss_len, &x->ss_cap, v, strlen(v), MG_MAX_FILE_BYTES))
                rc = mg_diag_set(d, MG_ELIMIT, x->name, 0, 0,
                                 "xl/sharedStrings.xml: more than %llu bytes of text",
                                 (unsigned long long)MG_MAX_FILE_BYTES);
        }
    }
    if (!rc && ret < 0)
        rc = part_fail(x, "xl/sharedStrings.xml", &in, d);
    part_end(&rd, &in);
    return rc;
}

int mg_xlsx_open(mg_xlsx **out, const char *path, mg_diag *d)
{
    *out = NULL;
    mg_xlsx *x = mg_alloc_array(1, sizeof *x);
    if (!x)
        return MG_ENOMEM;
    x->name = mg_strdup(path);
    x->row = mg_alloc_array(MG_MAX_LINE_BYTES + MG_MAX_CSV_FIELDS + 1, 1);
    if (!x->name || !x->row) {
        mg_xlsx_close(x);
        return MG_ENOMEM;
    }
    x->cur = SIZE_MAX;
    for (size_t k = 0; k < MG_MAX_CSV_FIELDS; k++)
        x->off[k] = NO_CELL;
    int zerr = 0;
    x->za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!x->za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        int rc = mg_diag_set(d, zerr == ZIP_ER_NOENT ? MG_ENOTFOUND : MG_EPARSE, path, 0, 0,
                             "%s: expected an .xlsx workbook (a zip archive)",
                             zip_error_strerror(&ze));
        zip_error_fini(&ze);
        mg_xlsx_close(x);
        return rc;
    }
    int rc = read_workbook(x, d);
    if (!rc)
        rc = read_shared_strings(x, d);
    if (rc) {
        mg_xlsx_close(x);
        return rc;
    }
    *out = x;
    return MG_OK;
}

void mg_xlsx_close(mg_xlsx *x)
{
    if (!x)
        return;
    part_end(&x->rd, &x->in);
    if (x->za)
        zip_discard(x->za);
    for (size_t k = 0; k < x->nsheets; k++) {
        free(x->sheet_name[k]);
        free(x->sheet_part ? x->sheet_part[k] : NULL);
    }
    free(x->sheet_name);
    free(x->sheet_part);
    free(x->ss);
    free(x->ss_off);
    free(x->row);
    free(x->name);
    free(x);
}

size_t mg_xlsx_sheet_count(const mg_xlsx *x)
{
    return x ? x->nsheets : 0;
}

const char *mg_xlsx_sheet_name(const mg_xlsx *x, size_t k)
{
    return x && k < x->nsheets ? x->sheet_name[k] : NULL;
}

int mg_xlsx_select(mg_xlsx *x, size_t k, mg_diag *d)
{
    if (!x || k >= x->nsheets)
        return mg_diag_set(d, MG_EINVAL, x ? x->name : NULL, 0, 0, "no sheet %zu", k);
    part_end(&x->rd, &x->in);
    x->cur = k;
    x->err = 0;
    x->done = false;
    x->rownum = 0;
    x->ncells = x->touched = 0;
    return part_begin(x, x->sheet_part[k], false, &x->rd, &x->in, d);
}

const char *mg_xlsx_column_name(size_t i, char buf[8])
{
    char tmp[8];
    size_t n = 0;
    i++;
    while (i && n < 7) {
        tmp[n++] = (char)('A' + (i - 1) % 26);
        i = (i - 1) / 26;
    }
    for (size_t k = 0; k < n; k++)
        buf[k] = tmp[n - 1 - k];
    buf[n] = '\0';
    return buf;
}

/* A row error: "FILE: sheet "S", row R[, column C]: …"; sticky. */
static int row_fail(mg_xlsx *x, mg_diag *d, int code, size_t col, const char *fmt, ...)
    MG_PRINTF(5, 6);

static int row_fail(mg_xlsx *x, mg_diag *d, int code, size_t col, const char *fmt, ...)
{
    char text[600], cn[8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    x->err = code;
    if (col == NO_CELL)
        return mg_diag_set(d, code, x->name, 0, 0, "sheet \"%s\", row %lu: %s",
                           x->sheet_name[x->cur], x->rownum, text);
    return mg_diag_set(d, code, x->name, 0, 0, "sheet \"%s\", row %lu, column %s: %s",
                       x->sheet_name[x->cur], x->rownum, mg_xlsx_column_name(col, cn), text);
}

/* Column index of a cell reference like "AB12"; -1 when malformed. */
static long ref_column(const char *r)
{
    long col = 0;
    size_t n = 0;
    while (r[n] >= 'A' && r[n] <= 'Z') {
        col = col * 26 + (r[n] - 'A' + 1);
        if (++n > 3)
            return -1;
    }
    if (n == 0 || r[n] < '1' || r[n] > '9')
        return -1;
    return col - 1;
}

int mg_xlsx_next(mg_xlsx *x, mg_diag *d)
{
    if (!x || !x->rd) {
        if (x && x->done)
            return 0;
        return mg_diag_set(d, MG_EINVAL, x ? x->name : NULL, 0, 0, "no sheet selected");
    }
    if (x->err)
        return mg_diag_set(d, x->err, x->name, 0, 0, "reading stopped after an earlier error");
    if (x->done)
        return 0;
    enum { NONE, NUMBER, SHARED, INLINE, BOOL, TEXT } type = NONE;
    bool in_row = false, in_c = false, in_v = false, in_t = false;
    int rph = 0;
    size_t col = 0, next_col = 0, start = 0;
    int ret;
    while ((ret = xmlTextReaderRead(x->rd)) == 1) {
        int nt = xmlTextReaderNodeType(x->rd);
        const xmlChar *ln = xmlTextReaderConstLocalName(x->rd);
        if (nt == XML_READER_TYPE_ELEMENT) {
            bool empty = xmlTextReaderIsEmptyElement(x->rd);
            if (is(ln, "row")) {
                xmlChar *r = xmlTextReaderGetAttribute(x->rd, BAD_CAST "r");
                unsigned long num = x->rownum + 1;
                if (r) {
                    int64_t v;
                    const char *rs = (const char *)r;
                    num = mg_parse_c_int(rs, strlen(rs), 1, 1048576, &v, NULL) == 0 &&
                                  (unsigned long)v > x->rownum
                              ? (unsigned long)v
                              : 0;
                }
                xmlFree(r);
                if (num == 0)
                    return row_fail(x, d, MG_EPARSE, NO_CELL,
                                    "expected a row number above the previous row's");
                x->rownum = num;
                for (size_t k = 0; k < x->touched; k++)
                    x->off[k] = NO_CELL;
                x->row_len = 0;
                x->ncells = x->touched = 0;
                next_col = 0;
                in_row = !empty;
            } else if (is(ln, "c") && in_row) {
                xmlChar *r = xmlTextReaderGetAttribute(x->rd, BAD_CAST "r");
                long c = r ? ref_column((const char *)r) : (long)next_col;
                xmlFree(r);
                if (c < 0 || (size_t)c < next_col)
                    return row_fail(x, d, MG_EPARSE, next_col,
                                    "expected a cell reference after the previous cell's");
                if ((size_t)c >= MG_MAX_CSV_FIELDS)
                    return row_fail(x, d, MG_ELIMIT, NO_CELL,
                                    "more than %u columns (MG_MAX_CSV_FIELDS)", MG_MAX_CSV_FIELDS);
                col = (size_t)c;
                next_col = col + 1;
                xmlChar *t = xmlTextReaderGetAttribute(x->rd, BAD_CAST "t");
                type = !t ? NUMBER : is(t, "s") ? SHARED : is(t, "inlineStr") ? INLINE
                       : is(t, "b") ? BOOL : is(t, "n") ? NUMBER : TEXT;
                xmlFree(t);
                start = x->row_len;
                in_c = !empty;
            } else if (in_c && is(ln, "v") && !empty) {
                in_v = true;
            } else if (in_c && is(ln, "rPh") && !empty) {
                rph++;
            } else if (in_c && type == INLINE && is(ln, "t") && !rph && !empty) {
                in_t = true;
            }
        } else if (nt == XML_READER_TYPE_END_ELEMENT) {
            if (is(ln, "v")) {
                in_v = false;
            } else if (is(ln, "t")) {
                in_t = false;
            } else if (is(ln, "rPh") && rph) {
                rph--;
            } else if (is(ln, "c") && in_c) {
                in_c = false;
                x->row[x->row_len] = '\0';
                if (type == SHARED) {
                    /* The value is an index into the shared strings. */
                    int64_t k;
                    if (mg_parse_c_int(x->row + start, x->row_len - start, 0, INT64_MAX, &k,
                                       NULL) != 0 ||
                        (uint64_t)k >= x->nss)
                        return row_fail(x, d, MG_EPARSE, col,
                                        "expected the index of one of the %zu shared strings, "
                                        "found \"%.20s\"", x->nss, x->row + start);
                    const char *s = x->ss + x->ss_off[(size_t)k];
                    size_t n = strlen(s);
                    if (start + n > MG_MAX_LINE_BYTES)
                        return row_fail(x, d, MG_ELIMIT, col,
                                        "row longer than %u bytes (MG_MAX_LINE_BYTES)",
                                        MG_MAX_LINE_BYTES);
                    memcpy(x->row + start, s, n);
                    x->row_len = start + n;
                }
                x->row[x->row_len++] = '\0';
                x->off[col] = start;
                if (col + 1 > x->touched)
                    x->touched = col + 1;
                if (x->row[start])
                    x->ncells = col + 1;
            } else if (is(ln, "row") && in_row) {
                in_row = false;
                if (x->ncells)
                    return 1;
            } else if (is(ln, "sheetData")) {
                break;
            }
        } else if ((in_v || in_t) &&
                   (nt == XML_READER_TYPE_TEXT || nt == XML_READER_TYPE_CDATA ||
                    nt == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
            const char *v = (const char *)xmlTextReaderConstValue(x->rd);
            size_t n = v ? strlen(v) : 0;
            if (x->row_len + n > MG_MAX_LINE_BYTES)
                return row_fail(x, d, MG_ELIMIT, col,
                                "row longer than %u bytes (MG_MAX_LINE_BYTES)", MG_MAX_LINE_BYTES);
            memcpy(x->row + x->row_len, v, n);
            x->row_len += n;
        }
    }
    if (ret < 0) {
        char where[300];
        snprintf(where, sizeof where, "sheet \"%s\" (%s)", x->sheet_name[x->cur],
                 x->sheet_part[x->cur]);
        x->err = MG_EPARSE;
        return part_fail(x, where, &x->in, d);
    }
    if (in_row || in_c)
        return row_fail(x, d, MG_EPARSE, NO_CELL, "the sheet ends inside a row (file cut short?)");
    /* Read to the end of the part, so that a damaged archive (its CRC is
     * checked at the end of the entry) is never taken for a complete one. */
    while ((ret = xmlTextReaderRead(x->rd)) == 1)
        ;
    if (ret < 0) {
        char where[300];
        snprintf(where, sizeof where, "sheet \"%s\" (%s)", x->sheet_name[x->cur],
                 x->sheet_part[x->cur]);
        x->err = MG_EPARSE;
        return part_fail(x, where, &x->in, d);
    }
    x->done = true;
    x->ncells = 0;
    part_end(&x->rd, &x->in);
    return 0;
}

unsigned long mg_xlsx_row(const mg_xlsx *x)
{
    return x ? x->rownum : 0;
}

size_t mg_xlsx_ncells(const mg_xlsx *x)
{
    return x ? x->ncells : 0;
}

const char *mg_xlsx_cell(const mg_xlsx *x, size_t i)
{
    if (!x || i >= x->ncells || x->off[i] == NO_CELL)
        return "";
    return x->row + x->off[i];
}

const char *mg_xlsx_name(const mg_xlsx *x)
{
    return x ? x->name : "(none)";
}

const char *mg_xlsx_current_sheet(const mg_xlsx *x)
{
    return x && x->cur < x->nsheets ? x->sheet_name[x->cur] : "";
}
