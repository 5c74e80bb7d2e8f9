/*
 * A streaming CSV reader. Input arrives through mg_reader in fixed chunks and
 * goes once through a small state machine, so memory stays bounded whatever
 * the file size: one input chunk, one record of at most MG_MAX_LINE_BYTES,
 * MG_MAX_CSV_FIELDS field slots, and the header.
 *
 * Positions are 1-based lines and byte columns of the file (a UTF-8 BOM is
 * not counted). CR, LF and CRLF all end a line, outside and inside quotes,
 * so that line numbers match what an editor shows.
 */
#include "io/csv.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "parse/parse.h"

/* Size of one read from the reader. */
#define CSV_CHUNK (64u * 1024u)

/* Longest text accepted as a number (a double needs at most ~25 characters;
 * the slack admits long runs of decimals). */
#define CSV_NUMBER_MAX 64u

/* How much of a bad value is quoted back in a message. */
#define CSV_QUOTE_MAX 40u

enum csv_state {
    ST_FIELD_START, /* nothing of the current field read yet */
    ST_UNQUOTED,    /* inside a field that did not start with a quote */
    ST_QUOTED,      /* inside a quoted field */
    ST_QUOTE_SEEN,  /* a quote inside a quoted field: closing, or doubled */
};

struct mg_csv {
    mg_reader *r;           /* borrowed */
    const char *name;       /* the reader's name, for messages */
    char delim;

    unsigned char *in;      /* current input chunk */
    size_t in_len, in_pos;
    bool at_start;          /* nothing read yet: the BOM check is pending */

    unsigned long line, col; /* position of the next input byte */
    bool prev_cr;           /* the last byte was CR: an LF now ends no new line */
    bool skip_lf;           /* the last record ended at a CR: drop a following LF */
    mg_utf8_state u8;

    /* The current record: unquoted field bytes, each field NUL-terminated,
     * and per-field offset, length and start position. */
    char *rec;
    size_t rec_len, rec_cap;
    size_t *off, *flen;
    unsigned long *fline, *fcol;
    size_t nf;
    unsigned long rec_line;
    unsigned long end_line, end_col; /* where the record ended (its line end) */
    bool terminated;        /* the record ended with a line end, not the input's end */
    bool allow_short;       /* records with fewer fields than the header are accepted */

    /* The header: a copy of its record, names trimmed in place. */
    char *hdr;
    size_t *hoff;
    size_t nh;
    unsigned long hdr_line;

    int err;                /* sticky error code: parsing never resumes */
    bool done;              /* the end of the input was reached */
};

/* Records a sticky error and fills d; returns code. */
static int csv_fail(mg_csv *c, mg_diag *d, int code, unsigned long line, unsigned long col,
                    const char *fmt, ...) MG_PRINTF(6, 7);

static int csv_fail(mg_csv *c, mg_diag *d, int code, unsigned long line, unsigned long col,
                    const char *fmt, ...)
{
    c->err = code;
    if (d && !d->msg[0]) {
        char text[sizeof d->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        mg_diag_set(d, code, c->name, line, col, "%s", text);
    }
    return code;
}

/* A separator as people read it in a message. */
static const char *delim_text(char delim, char buf[8])
{
    if (delim == '\t')
        return "tab";
    snprintf(buf, 8, "`%c`", delim);
    return buf;
}

/*
 * Refills the input chunk. Returns 1 when bytes are available, 0 at the end
 * of the input, or a negative code (the reader filled d). At the very start
 * it skips a UTF-8 byte-order mark, reading until three bytes are known so a
 * short first read cannot hide one.
 */
static int csv_fill(mg_csv *c, mg_diag *d)
{
    ssize_t n = mg_reader_read(c->r, c->in, CSV_CHUNK, d);
    if (n < 0) {
        c->err = (int)n;
        return (int)n;
    }
    c->in_len = (size_t)n;
    c->in_pos = 0;
    if (c->at_start) {
        while (n > 0 && c->in_len < 3) {
            n = mg_reader_read(c->r, c->in + c->in_len, CSV_CHUNK - c->in_len, d);
            if (n < 0) {
                c->err = (int)n;
                return (int)n;
            }
            c->in_len += (size_t)n;
        }
        c->at_start = false;
        if (c->in_len >= 3 && c->in[0] == 0xEF && c->in[1] == 0xBB && c->in[2] == 0xBF)
            c->in_pos = 3;
    }
    return c->in_pos < c->in_len ? 1 : 0;
}

/* Opens field number c->nf at the given position. */
static int field_begin(mg_csv *c, mg_diag *d, unsigned long line, unsigned long col)
{
    if (c->nf >= MG_MAX_CSV_FIELDS)
        return csv_fail(c, d, MG_ELIMIT, line, col,
                        "more than %u fields in one record (MG_MAX_CSV_FIELDS)",
                        MG_MAX_CSV_FIELDS);
    c->off[c->nf] = c->rec_len;
    c->fline[c->nf] = line;
    c->fcol[c->nf] = col;
    return MG_OK;
}

/* Closes the open field. The record buffer is sized for MG_MAX_LINE_BYTES
 * of content plus one terminator per field, and both are checked before we
 * get here, so the store cannot overflow. */
static void field_end(mg_csv *c)
{
    c->rec[c->rec_len++] = '\0';
    c->flen[c->nf] = c->rec_len - 1 - c->off[c->nf];
    c->nf++;
}

/* Checks the field count of a finished record against the header. */
static int record_end(mg_csv *c, mg_diag *d, unsigned long line, unsigned long col)
{
    c->end_line = line;
    c->end_col = col;
    if (c->nh == 0 || c->nf == c->nh || (c->allow_short && c->nf < c->nh))
        return 1;
    char dt[8];
    if (c->nf > c->nh)
        return csv_fail(c, d, MG_EPARSE, c->fline[c->nh], c->fcol[c->nh],
                        "expected %zu fields as in the header, found %zu (a value "
                        "containing %s must be enclosed in double quotes)",
                        c->nh, c->nf, delim_text(c->delim, dt));
    return csv_fail(c, d, MG_EPARSE, line, col,
                    "expected %zu fields as in the header, found %zu", c->nh, c->nf);
}

/*
 * The bytes of a record that need nothing but copying, taken in one pass
 * over the input chunk: inside an unquoted or quoted field the ordinary
 * bytes, and separators ending an unquoted field (the next field opened as
 * the byte-wise path opens it). Everything that needs a decision or a
 * check — line ends, NUL, non-ASCII bytes (UTF-8), quotes, the start of a
 * record, the field and line bounds — is left to the byte-wise path of
 * csv_read_record, so that the run changes nothing but speed: going byte by
 * byte through the state machine made the reader the largest cost of a
 * 1.45 M-row travel-time table. The state and the count of the record's
 * bytes are updated.
 */
static void csv_take_run(mg_csv *c, enum csv_state *st, size_t *rec_bytes)
{
    if (c->u8.need || *rec_bytes == 0 || c->skip_lf || *st == ST_QUOTE_SEEN)
        return;
    const unsigned char *in = c->in;
    size_t k = c->in_pos, end = c->in_len;
    size_t room = MG_MAX_LINE_BYTES - *rec_bytes; /* the bound is the slow path's */
    if (end - k > room)
        end = k + room;
    unsigned char delim = (unsigned char)c->delim;
    char *rec = c->rec;
    size_t len = c->rec_len, from = k;
    unsigned long col = c->col;
    enum csv_state s = *st;
    while (k < end) {
        unsigned char b = in[k];
        if (b == '\n' || b == '\r' || b == 0 || b >= 0x80)
            break;
        if (s == ST_QUOTED) {
            if (b == '"')
                break;
            rec[len++] = (char)b;
        } else if (b == delim) {
            if (c->nf + 1 >= MG_MAX_CSV_FIELDS)
                break; /* the byte-wise path names the bound */
            rec[len++] = '\0';
            c->flen[c->nf] = len - 1 - c->off[c->nf];
            c->nf++;
            c->off[c->nf] = len;
            c->fline[c->nf] = c->line;
            c->fcol[c->nf] = col + 1;
            s = ST_FIELD_START;
        } else if (s == ST_FIELD_START && b == '"') {
            break;
        } else {
            s = ST_UNQUOTED;
            rec[len++] = (char)b;
        }
        k++;
        col++;
    }
    size_t n = k - from;
    if (n == 0)
        return;
    c->rec_len = len;
    c->col = col;
    c->in_pos = k;
    c->prev_cr = false;
    *rec_bytes += n;
    *st = s;
}

/*
 * Reads one record into c->rec. Returns 1 for a record, 0 at the end of the
 * input, or a negative code with d filled. Empty lines are skipped.
 */
static int csv_read_record(mg_csv *c, mg_diag *d)
{
    enum csv_state st = ST_FIELD_START;
    size_t rec_bytes = 0;           /* raw bytes of the record so far */
    unsigned long qline = 0, qcol = 0; /* the opening quote of the open field */
    int rc;

    c->nf = 0;
    c->rec_len = 0;
    c->terminated = false;
    for (;;) {
        if (c->in_pos == c->in_len) {
            rc = csv_fill(c, d);
            if (rc < 0)
                return rc;
            if (rc == 0)
                break;
        }
        csv_take_run(c, &st, &rec_bytes);
        if (c->in_pos == c->in_len)
            continue;
        unsigned char b = c->in[c->in_pos++];
        unsigned long line = c->line, col = c->col;
        if (b == '\n') {
            if (!c->prev_cr)
                c->line++;
            c->col = 1;
            c->prev_cr = false;
        } else if (b == '\r') {
            c->line++;
            c->col = 1;
            c->prev_cr = true;
        } else {
            c->col++;
            c->prev_cr = false;
        }

        bool skip = c->skip_lf;
        c->skip_lf = false;
        if (skip && b == '\n')
            continue;
        if (b == 0)
            return csv_fail(c, d, MG_EPARSE, line, col,
                            "NUL byte: this is not a text file (binary, or UTF-16?)");
        if ((b >= 0x80 || c->u8.need) && mg_utf8_feed(&c->u8, b, line, col)) {
            c->err = MG_EUTF8;
            return mg_utf8_report(&c->u8, c->name, d);
        }

        bool eol = b == '\n' || b == '\r';
        if (rec_bytes == 0 && eol) {
            /* A blank line. After a CR, its LF must not count as another. */
            c->skip_lf = b == '\r';
            continue;
        }
        if (eol && st != ST_QUOTED) {
            c->skip_lf = b == '\r';
            c->terminated = true;
            field_end(c);
            return record_end(c, d, line, col);
        }
        if (rec_bytes == 0) {
            c->rec_line = line;
            if ((rc = field_begin(c, d, line, col)) != MG_OK)
                return rc;
        }
        if (++rec_bytes > MG_MAX_LINE_BYTES) {
            if (st == ST_QUOTED)
                return csv_fail(c, d, MG_ELIMIT, c->rec_line, 1,
                                "record longer than %u bytes (MG_MAX_LINE_BYTES); the "
                                "quoted field opened at line %lu, column %lu is "
                                "probably missing its closing quote",
                                MG_MAX_LINE_BYTES, qline, qcol);
            return csv_fail(c, d, MG_ELIMIT, c->rec_line, 1,
                            "record longer than %u bytes (MG_MAX_LINE_BYTES)",
                            MG_MAX_LINE_BYTES);
        }

        switch (st) {
        case ST_FIELD_START:
            if (b == '"') {
                st = ST_QUOTED;
                qline = line;
                qcol = col;
                break;
            }
            /* Any other first byte starts an unquoted field; the separator
             * itself ends an empty one. Both are the unquoted case. */
            st = ST_UNQUOTED;
            /* fall through */
        case ST_UNQUOTED:
            if (b == (unsigned char)c->delim) {
                field_end(c);
                if ((rc = field_begin(c, d, c->line, c->col)) != MG_OK)
                    return rc;
                st = ST_FIELD_START;
            } else {
                c->rec[c->rec_len++] = (char)b;
            }
            break;
        case ST_QUOTED:
            if (b == '"')
                st = ST_QUOTE_SEEN;
            else
                c->rec[c->rec_len++] = (char)b;
            break;
        case ST_QUOTE_SEEN:
            if (b == '"') {
                c->rec[c->rec_len++] = '"';
                st = ST_QUOTED;
            } else if (b == (unsigned char)c->delim) {
                field_end(c);
                if ((rc = field_begin(c, d, c->line, c->col)) != MG_OK)
                    return rc;
                st = ST_FIELD_START;
            } else {
                char dt[8];
                return csv_fail(c, d, MG_EPARSE, line, col,
                                "unexpected character after the closing quote of the "
                                "field starting at column %lu (expected %s or the end "
                                "of the line; a quote inside a quoted field is written "
                                "twice: \"\")",
                                qcol, delim_text(c->delim, dt));
            }
            break;
        }
    }

    /* End of the input. */
    if (mg_utf8_finish(&c->u8)) {
        c->err = MG_EUTF8;
        return mg_utf8_report(&c->u8, c->name, d);
    }
    if (rec_bytes == 0) {
        c->done = true;
        return 0;
    }
    if (st == ST_QUOTED)
        return csv_fail(c, d, MG_EPARSE, qline, qcol,
                        "the quoted field starting here is never closed: the file ends "
                        "inside it (truncated file?)");
    field_end(c);
    c->done = true;
    c->terminated = false;
    return record_end(c, d, c->line, c->col);
}

/* Trims spaces and tabs around [*b, *e). */
static void trim_span(const char **b, const char **e)
{
    while (*b < *e && (**b == ' ' || **b == '\t'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

/* Copies the header record into c->hdr, trimming each name. */
static int csv_take_header(mg_csv *c, mg_diag *d)
{
    c->hdr = mg_alloc_array(c->rec_len ? c->rec_len : 1, 1);
    c->hoff = mg_alloc_array(c->nf, sizeof *c->hoff);
    if (!c->hdr || !c->hoff)
        return csv_fail(c, d, MG_ENOMEM, c->rec_line, 0, "out of memory reading the header");
    memcpy(c->hdr, c->rec, c->rec_len);
    bool any = false;
    for (size_t i = 0; i < c->nf; i++) {
        const char *b = c->hdr + c->off[i], *e = b + c->flen[i];
        trim_span(&b, &e);
        c->hoff[i] = (size_t)(b - c->hdr);
        c->hdr[e - c->hdr] = '\0';
        any |= e > b;
    }
    c->nh = c->nf;
    c->hdr_line = c->rec_line;
    if (!any)
        return csv_fail(c, d, MG_EPARSE, c->rec_line, 1,
                        "the header line names no column");
    return MG_OK;
}

int mg_csv_open(mg_csv **out, mg_reader *r, char delim, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_csv_open: no output pointer");
    *out = NULL;
    if (!r)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_csv_open: no reader");
    /* The separator must be a byte that cannot be confused with quoting,
     * line ends or a part of a UTF-8 character. */
    if (delim == '"' || delim == '\r' || delim == '\n' || delim == '\0' ||
        (unsigned char)delim >= 0x80)
        return mg_diag_set(d, MG_EINVAL, mg_reader_name(r), 0, 0,
                           "unusable CSV separator (byte 0x%02X)", (unsigned char)delim);

    mg_csv *c = mg_alloc_array(1, sizeof *c);
    if (!c)
        return mg_diag_set(d, MG_ENOMEM, mg_reader_name(r), 0, 0, "out of memory");
    c->r = r;
    c->name = mg_reader_name(r);
    c->delim = delim;
    c->at_start = true;
    c->line = 1;
    c->col = 1;
    c->rec_cap = MG_MAX_LINE_BYTES + MG_MAX_CSV_FIELDS + 1;
    c->in = mg_alloc_array(CSV_CHUNK, 1);
    c->rec = mg_alloc_array(c->rec_cap, 1);
    c->off = mg_alloc_array(MG_MAX_CSV_FIELDS, sizeof *c->off);
    c->flen = mg_alloc_array(MG_MAX_CSV_FIELDS, sizeof *c->flen);
    c->fline = mg_alloc_array(MG_MAX_CSV_FIELDS, sizeof *c->fline);
    c->fcol = mg_alloc_array(MG_MAX_CSV_FIELDS, sizeof *c->fcol);
    if (!c->in || !c->rec || !c->off || !c->flen || !c->fline || !c->fcol) {
        mg_csv_close(c);
        return mg_diag_set(d, MG_ENOMEM, mg_reader_name(r), 0, 0, "out of memory");
    }

    int rc = csv_read_record(c, d);
    if (rc == 0)
        rc = mg_diag_set(d, MG_EPARSE, c->name, c->line, c->col,
                         "empty file (expected a header line naming the columns)");
    else if (rc == 1)
        rc = csv_take_header(c, d);
    if (rc != MG_OK) {
        mg_csv_close(c);
        return rc;
    }
    /* Until mg_csv_next succeeds there is no current record. */
    c->nf = 0;
    *out = c;
    return MG_OK;
}

void mg_csv_close(mg_csv *c)
{
    if (!c)
        return;
    free(c->in);
    free(c->rec);
    free(c->off);
    free(c->flen);
    free(c->fline);
    free(c->fcol);
    free(c->hdr);
    free(c->hoff);
    free(c);
}

int mg_csv_column(const mg_csv *c, const char *name)
{
    if (!c || !name)
        return -1;
    for (size_t i = 0; i < c->nh; i++)
        if (strcmp(c->hdr + c->hoff[i], name) == 0)
            return (int)i;
    return -1;
}

/* Appends printf-style text to buf (capacity cap, length *len), silently
 * stopping at the capacity: messages are cut, never overflowed. */
static void text_add(char *buf, size_t cap, size_t *len, const char *fmt, ...) MG_PRINTF(4, 5);

static void text_add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = (size_t)n < cap - *len ? *len + (size_t)n : cap - 1;
}

int mg_csv_require(const mg_csv *c, const char *const *names, size_t n, int *idx,
                   mg_diag *d)
{
    if (!c || (n && (!names || !idx)))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_csv_require: bad arguments");
    for (size_t k = 0; k < n; k++) {
        idx[k] = mg_csv_column(c, names[k]);
        if (idx[k] >= 0)
            continue;
        char text[sizeof d->msg], dt[8];
        size_t len = 0;
        text[0] = '\0';
        text_add(text, sizeof text, &len,
                 "missing column \"%s\" (expected a %s-separated header with ", names[k],
                 delim_text(c->delim, dt));
        for (size_t j = 0; j < n; j++)
            text_add(text, sizeof text, &len, "%s\"%s\"", j ? ", " : "", names[j]);
        text_add(text, sizeof text, &len, "; the header has ");
        for (size_t j = 0; j < c->nh; j++)
            text_add(text, sizeof text, &len, "%s\"%s\"", j ? ", " : "",
                     c->hdr + c->hoff[j]);
        text_add(text, sizeof text, &len, ")");
        /* A single column means the separator never occurred outside
         * quotes; if another usual one did, the file was most likely
         * exported with it. */
        if (c->nh == 1) {
            static const char others[] = {';', ',', '|', '\t'};
            for (size_t j = 0; j < sizeof others; j++) {
                if (others[j] == c->delim || !strchr(c->hdr + c->hoff[0], others[j]))
                    continue;
                char ot[8];
                text_add(text, sizeof text, &len,
                         "; the header line contains %s but no %s: the file seems to "
                         "be separated by %s instead",
                         delim_text(others[j], ot), delim_text(c->delim, dt),
                         delim_text(others[j], ot));
                break;
            }
        }
        return mg_diag_set(d, MG_ENOTFOUND, c->name, c->hdr_line, 0, "%s", text);
    }
    return MG_OK;
}

int mg_csv_next(mg_csv *c, mg_diag *d)
{
    if (!c)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_csv_next: no parser");
    if (c->err)
        return mg_diag_set(d, c->err, c->name, 0, 0,
                           "reading stopped after an earlier error");
    if (c->done) {
        c->nf = 0;
        return 0;
    }
    return csv_read_record(c, d);
}

size_t mg_csv_nfields(const mg_csv *c)
{
    return c ? c->nf : 0;
}

const char *mg_csv_field(const mg_csv *c, size_t i, size_t *len)
{
    if (!c || i >= c->nf) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = c->flen[i];
    return c->rec + c->off[i];
}

const char *mg_csv_header(const mg_csv *c, size_t i)
{
    return c && i < c->nh ? c->hdr + c->hoff[i] : NULL;
}

unsigned long mg_csv_line(const mg_csv *c)
{
    return c ? c->rec_line : 0;
}

unsigned long mg_csv_col(const mg_csv *c, size_t i)
{
    return c && i < c->nf ? c->fcol[i] : 0;
}

void mg_csv_allow_short(mg_csv *c, bool allow)
{
    if (c)
        c->allow_short = allow;
}

bool mg_csv_record_end(const mg_csv *c, unsigned long *line, unsigned long *col)
{
    bool any = c && c->nf > 0;
    if (line)
        *line = any ? c->end_line : 0;
    if (col)
        *col = any ? c->end_col : 0;
    return any && c->terminated;
}

const char *mg_csv_name(const mg_csv *c)
{
    return c ? c->name : "(none)";
}

/*
 * Quotes a field value for a message: at most CSV_QUOTE_MAX bytes, cut on a
 * character boundary, control characters shown as '?', "..." when cut.
 */
static void quote_value(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = len;
    bool cut = false;
    if (n > CSV_QUOTE_MAX) {
        n = CSV_QUOTE_MAX;
        /* Back off over continuation bytes so no character is split. */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        cut = true;
    }
    if (n + 4 > cap)
        n = cap > 4 ? cap - 4 : 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[k++] = ch < 0x20 || ch == 0x7F ? '?' : (char)ch;
    }
    if (cut) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* Reports a field that is not what was expected. */
static int bad_field(const mg_csv *c, size_t i, const char *expected, mg_diag *d)
{
    char shown[CSV_QUOTE_MAX + 8];
    quote_value(c->rec + c->off[i], c->flen[i], shown, sizeof shown);
    const char *col = i < c->nh ? c->hdr + c->hoff[i] : "?";
    return mg_diag_set(d, MG_EPARSE, c->name, c->fline[i], c->fcol[i],
                       "column \"%s\": expected %s, found \"%s\"", col, expected, shown);
}

/*
 * Returns the trimmed field i in [*b, *e), or MG_EINVAL for a field that
 * does not exist.
 */
static int field_span(const mg_csv *c, size_t i, const char **b, const char **e, mg_diag *d)
{
    if (!c || i >= c->nf)
        return mg_diag_set(d, MG_EINVAL, c ? c->name : NULL, c ? c->rec_line : 0, 0,
                           "no field %zu in the current record", i);
    *b = c->rec + c->off[i];
    *e = *b + c->flen[i];
    trim_span(b, e);
    return MG_OK;
}

/* An ASCII digit, independent of the locale (unlike isdigit). */
static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* The trimmed text of field i, NUL-terminated in tmp (CSV_NUMBER_MAX + 1
 * bytes), for the number parsers; *n = 0 for an empty field. A field too
 * long to be a number is an error saying `what` was expected. */
static int number_text(const mg_csv *c, size_t i, const char *what, char *tmp, size_t *n,
                       mg_diag *d)
{
    const char *b = NULL, *e = NULL;
    int rc = field_span(c, i, &b, &e, d);
    if (rc)
        return rc;
    *n = (size_t)(e - b);
    if (*n > CSV_NUMBER_MAX)
        return bad_field(c, i, what, d);
    memcpy(tmp, b, *n);
    tmp[*n] = '\0';
    return MG_OK;
}

/*
 * The common short decimals ("12", "-6.25", "0.0317") without strtod: an
 * optional minus, digits, optionally a dot and more digits, 15 digits at
 * most in all. Their digits make an integer N < 10^15 < 2^53 and the value
 * is ±N / 10^f with f <= 15, two doubles held exactly, so the one rounding
 * of the division gives the nearest double, which is what strtod returns
 * (Clinger's fast path); -0 reads as 0 as in mg_parse_c_double. False for
 * anything else, which goes to mg_parse_c_double. strtod was a tenth of
 * reading a 1.45 M-row travel-time table.
 */
static bool short_decimal(const char *s, size_t n, double *out)
{
    static const double pow10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    size_t k = 0, digits = 0, frac = 0;
    bool neg = n > 0 && s[0] == '-', dot = false;
    uint64_t v = 0;
    for (k = neg; k < n; k++) {
        char ch = s[k];
        if (ch >= '0' && ch <= '9') {
            if (++digits > 15)
                return false;
            v = v * 10 + (uint64_t)(ch - '0');
            frac += dot;
        } else if (ch == '.' && !dot && digits > 0) {
            dot = true;
        } else {
            return false;
        }
    }
    if (digits == 0 || (dot && frac == 0))
        return false;
    double x = (double)v / pow10[frac];
    *out = x == 0 ? 0 : neg ? -x : x;
    return true;
}

int mg_csv_double(const mg_csv *c, size_t i, double *out, bool *present, mg_diag *d)
{
    if (out)
        *out = 0;
    if (present)
        *present = false;
    if (!out || !present)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_csv_double: no output pointer");
    char tmp[CSV_NUMBER_MAX + 1];
    size_t n;
    int rc = number_text(c, i, "a number", tmp, &n, d);
    if (rc || n == 0)
        return rc;

    /* The "C" syntax of data files (mg_parse_c_double: no "inf", "nan",
     * hexadecimal or digit grouping), where a decimal comma, which some
     * exports write, stands for the dot. */
    char *comma = memchr(tmp, ',', n);
    if (comma)
        *comma = '.';
    double v;
    mg_parse_error why;
    if (short_decimal(tmp, n, &v)) {
        *out = v;
        *present = true;
        return MG_OK;
    }
    if (mg_parse_c_double(tmp, n, &v, &why))
        return bad_field(c, i, why == MG_PARSE_RANGE ? "a number within the range of a double"
                                                     : "a number", d);
    *out = v;
    *present = true;
    return MG_OK;
}

int mg_csv_long(const mg_csv *c, size_t i, long *out, bool *present, mg_diag *d)
{
    if (out)
        *out = 0;
    if (present)
        *present = false;
    if (!out || !present)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_csv_long: no output pointer");
    char tmp[CSV_NUMBER_MAX + 1];
    size_t n;
    int rc = number_text(c, i, "a non-negative integer", tmp, &n, d);
    if (rc || n == 0)
        return rc;
    size_t k = tmp[0] == '+' ? 1 : 0;
    if (k == n)
        return bad_field(c, i, "a non-negative integer", d);
    for (size_t j = k; j < n; j++)
        if (!is_digit(tmp[j]))
            return bad_field(c, i, "a non-negative integer", d);
    int64_t v;
    if (mg_parse_c_int(tmp, n, 0, LONG_MAX, &v, NULL))
        return bad_field(c, i, "a non-negative integer that fits a long", d);
    *out = (long)v;
    *present = true;
    return MG_OK;
}
