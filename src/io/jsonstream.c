/*
 * Splits a top-level JSON array into its elements and hands each one to
 * jansson. The scanner here only needs to find where each element ends, so
 * it tracks strings (and their escapes) and bracket depth; the grammar of
 * the element itself is checked by jansson's json_loadb. Jansson's error
 * positions are relative to the element, so they are translated back to the
 * file's line and byte column.
 *
 * mg_json_stream_values parses plain elements itself (the fast parse below)
 * and gives the others to jansson in the same way.
 *
 * Memory is bounded: one 64 KiB input chunk plus one element of at most
 * MG_MAX_JSON_ELEMENT_BYTES, and the jansson tree of that element (or the
 * fast parse's nodes, at most one per byte of it).
 */
#include "io/jsonstream.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"

#define JS_CHUNK (64u * 1024u)

typedef struct js {
    mg_reader *r;           /* borrowed */
    const char *name;       /* the reader's name, for messages */
    mg_diag *d;

    unsigned char *in;      /* current input chunk */
    size_t in_len, in_pos;
    bool at_start;          /* nothing read yet: the BOM check is pending */
    bool eof;

    unsigned long line, col; /* position of the next input byte */
    mg_utf8_state u8;

    char *el;               /* bytes of the value being collected */
    size_t el_len, el_cap;
    unsigned long el_line, el_col; /* where it starts */
    char what[160];         /* what it is, for messages ("array element 12") */
    size_t index;           /* 1-based number of the current array element */
    mg_json_value_fn vfn;   /* mg_json_stream_values' callback, or NULL */
    struct jfast *jfp;      /* its fast parse */
} js;

/* Fills d with "FILE:LINE:COL: …" and returns code. */
static int js_error(js *s, int code, unsigned long line, unsigned long col, const char *fmt,
                    ...) MG_PRINTF(5, 6);

static int js_error(js *s, int code, unsigned long line, unsigned long col, const char *fmt,
                    ...)
{
    if (s->d && !s->d->msg[0]) {
        char text[sizeof s->d->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        mg_diag_set(s->d, code, s->name, line, col, "%s", text);
    }
    return code;
}

/* The end of the input where more was required. */
static int js_truncated(js *s)
{
    return js_error(s, MG_EPARSE, s->line, s->col,
                    "unexpected end of file (truncated?)%s%s", s->what[0] ? " inside " : "",
                    s->what);
}

/*
 * Makes the next byte available: 0 with *b the byte (not consumed) or -1 at
 * the end of the input, or a negative code from the reader.
 */
static int js_peek(js *s, int *b)
{
    if (s->in_pos == s->in_len && !s->eof) {
        ssize_t n = mg_reader_read(s->r, s->in, JS_CHUNK, s->d);
        if (n < 0)
            return (int)n;
        s->in_len = (size_t)n;
        s->in_pos = 0;
        if (s->at_start) {
            /* A UTF-8 byte-order mark is not JSON, but editors on Windows
             * write one; it is skipped rather than rejected. Three bytes
             * must be known before deciding. */
            while (n > 0 && s->in_len < 3) {
                n = mg_reader_read(s->r, s->in + s->in_len, JS_CHUNK - s->in_len, s->d);
                if (n < 0)
                    return (int)n;
                s->in_len += (size_t)n;
            }
            s->at_start = false;
            if (s->in_len >= 3 && s->in[0] == 0xEF && s->in[1] == 0xBB && s->in[2] == 0xBF)
                s->in_pos = 3;
        }
        if (s->in_pos == s->in_len)
            s->eof = true;
    }
    if (s->in_pos == s->in_len) {
        /* Every byte has been checked: a multi-byte character cut by the
         * end of the file is the last UTF-8 fault possible. */
        if (mg_utf8_finish(&s->u8))
            return mg_utf8_report(&s->u8, s->name, s->d);
        *b = -1;
        return MG_OK;
    }
    *b = s->in[s->in_pos];
    return MG_OK;
}

/* Consumes the byte js_peek returned, checking it and moving the position. */
static int js_take(js *s)
{
    unsigned char b = s->in[s->in_pos++];
    unsigned long line = s->line, col = s->col;
    if (b == '\n') {
        s->line++;
        s->col = 1;
    } else {
        s->col++;
    }
    /* Jansson reads a NUL byte as the end of its buffer, which would give a
     * misleading "premature end of input"; it is named here instead. */
    if (b == 0)
        return js_error(s, MG_EPARSE, line, col,
                        "NUL byte: this is not JSON text (binary, or UTF-16?)");
    if ((b >= 0x80 || s->u8.need) && mg_utf8_feed(&s->u8, b, line, col))
        return mg_utf8_report(&s->u8, s->name, s->d);
    return MG_OK;
}

/* JSON white space (RFC 8259): exactly these four bytes. */
static bool is_ws(int b)
{
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
}

/* Skips JSON white space; *b is then the next byte (peeked) or -1. */
static int js_skip_ws(js *s, int *b)
{
    int rc;
    for (;;) {
        if ((rc = js_peek(s, b)) != MG_OK)
            return rc;
        if (!is_ws(*b))
            return MG_OK;
        if ((rc = js_take(s)) != MG_OK)
            return rc;
    }
}

/* Names a byte for a message: "'x'", "end of file", "byte 0xE9". */
static const char *byte_text(int b, char buf[16])
{
    if (b < 0)
        return "the end of the file";
    if (b >= 0x21 && b < 0x7F)
        snprintf(buf, 16, "'%c'", b);
    else
        snprintf(buf, 16, "byte 0x%02X", (unsigned)b);
    return buf;
}

/* Describes what a value starting with byte b is, for "found …". */
static const char *value_kind(int b, char buf[16])
{
    switch (b) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    default:
        if (b == '-' || (b >= '0' && b <= '9'))
            return "a number";
        return byte_text(b, buf);
    }
}

/* Appends the byte just taken to the element buffer, within the bound. */
/* Room for `extra` more bytes in the element buffer: doubling, at most
 * MG_MAX_JSON_ELEMENT_BYTES (the callers check the bound first). */
static int el_reserve(js *s, size_t extra)
{
    if (s->el_len + extra <= s->el_cap)
        return MG_OK;
    size_t ncap = s->el_cap;
    while (ncap < s->el_len + extra)
        ncap *= 2;
    if (ncap > MG_MAX_JSON_ELEMENT_BYTES)
        ncap = MG_MAX_JSON_ELEMENT_BYTES;
    char *nel = mg_realloc_array(s->el, ncap, 1);
    if (!nel)
        return js_error(s, MG_ENOMEM, s->el_line, s->el_col, "out of memory reading %s",
                        s->what);
    s->el = nel;
    s->el_cap = ncap;
    return MG_OK;
}

static int el_push(js *s, unsigned char b)
{
    if (s->el_len >= MG_MAX_JSON_ELEMENT_BYTES)
        return js_error(s, MG_ELIMIT, s->el_line, s->el_col,
                        "%s is larger than %u bytes (MG_MAX_JSON_ELEMENT_BYTES)", s->what,
                        MG_MAX_JSON_ELEMENT_BYTES);
    int rc = el_reserve(s, 1);
    if (rc)
        return rc;
    s->el[s->el_len++] = (char)b;
    return MG_OK;
}

/*
 * Most bytes of a value need no per-byte work: this takes the run of such
 * bytes available in the input chunk in one copy. Inside a string that is
 * anything but a backslash, a control or a non-ASCII byte; outside, anything
 * but a bracket, a control (line ends included), a backslash or a non-ASCII
 * byte. Quotes are taken here too, opening or closing a string (*in_str),
 * except one that closes a lone string value (depth 0), which ends the
 * value. Every byte left out goes through the byte-wise path of js_collect,
 * which tracks lines, depth, escapes and UTF-8 and reports faults, so the
 * run changes nothing but speed (the byte-wise path alone made the
 * splitter cost half as much as jansson's parse on communes.json).
 * Returns the number of bytes taken (0 when the next byte needs the slow
 * path) or a negative code.
 */
static long js_take_run(js *s, bool *in_str, unsigned depth)
{
    if (s->u8.need)
        return 0;
    const unsigned char *in = s->in;
    size_t k = s->in_pos, end = s->in_len;
    bool str = *in_str;
    while (k < end) {
        unsigned char c = in[k];
        if (c < 0x20 || c >= 0x80 || c == '\\')
            break;
        if (c == '"') {
            if (str && depth == 0)
                break;
            str = !str;
        } else if (!str && (c == '{' || c == '[' || c == '}' || c == ']')) {
            break;
        }
        k++;
    }
    size_t n = k - s->in_pos;
    if (n == 0)
        return 0;
    if (n > MG_MAX_JSON_ELEMENT_BYTES - s->el_len)
        return 0; /* let the byte-wise path report the bound */
    long rc = el_reserve(s, n);
    if (rc)
        return rc;
    memcpy(s->el + s->el_len, s->in + s->in_pos, n);
    s->el_len += n;
    s->in_pos = k;
    s->col += (unsigned long)n;
    *in_str = str;
    return (long)n;
}

/* Takes the peeked byte b and appends it to the element. */
static int js_take_push(js *s, int b)
{
    int rc = js_take(s);
    return rc ? rc : el_push(s, (unsigned char)b);
}

/*
 * Collects the bytes of one JSON value starting at the peeked byte b (not
 * white space, not the end) into s->el. Containers end at the bracket that
 * brings the depth back to zero, strings at their closing quote, and
 * anything else (numbers, literals, garbage) at white space or a structural
 * character: jansson then judges what was collected.
 */
static int js_collect(js *s, int b)
{
    int rc;
    s->el_len = 0;
    s->el_line = s->line;
    s->el_col = s->col;

    if (b != '{' && b != '[' && b != '"') {
        while (b >= 0 && !is_ws(b) && b != ',' && b != ']' && b != '}') {
            if ((rc = js_take_push(s, b)) != MG_OK || (rc = js_peek(s, &b)) != MG_OK)
                return rc;
        }
        return MG_OK;
    }

    unsigned depth = 0;
    bool in_str = false, esc = false;
    for (;;) {
        if (!esc) {
            long run = js_take_run(s, &in_str, depth);
            if (run < 0)
                return (int)run;
        }
        if ((rc = js_peek(s, &b)) != MG_OK)
            return rc;
        if (b < 0)
            return js_truncated(s);
        unsigned long line = s->line, col = s->col;
        if ((rc = js_take_push(s, b)) != MG_OK)
            return rc;
        if (in_str) {
            if (esc)
                esc = false;
            else if (b == '\\')
                esc = true;
            else if (b == '"')
                in_str = false;
            else
                continue;
            if (!in_str && depth == 0)
                return MG_OK; /* a lone string value */
        } else if (b == '"') {
            in_str = true;
        } else if (b == '{' || b == '[') {
            if (++depth > MG_MAX_JSON_DEPTH)
                return js_error(s, MG_ELIMIT, line, col,
                                "nesting deeper than %u levels in %s (MG_MAX_JSON_DEPTH)",
                                MG_MAX_JSON_DEPTH, s->what);
        } else if (b == '}' || b == ']') {
            /* A closing bracket that does not match is left to jansson,
             * which names it; only the depth matters for finding the end. */
            if (--depth == 0)
                return MG_OK;
        }
    }
}

/*
 * Parses the collected bytes with jansson. On failure, jansson's position
 * (bytes read into the element; the last one is where it stopped) becomes a
 * line and byte column of the file.
 */
static int js_parse(js *s, json_t **out)
{
    json_error_t err;
    *out = json_loadb(s->el, s->el_len, JSON_DECODE_ANY, &err);
    if (*out)
        return MG_OK;
    size_t p = err.position > 0 ? (size_t)err.position - 1 : 0;
    if (p >= s->el_len)
        p = s->el_len ? s->el_len - 1 : 0;
    unsigned long line = s->el_line, col = s->el_col;
    size_t last_nl = 0;
    bool nl = false;
    for (size_t k = 0; k < p; k++) {
        if (s->el[k] == '\n') {
            line++;
            last_nl = k;
            nl = true;
        }
    }
    col = nl ? (unsigned long)(p - last_nl) : s->el_col + (unsigned long)p;
    return js_error(s, MG_EPARSE, line, col, "invalid JSON in %s (jansson: %s)", s->what,
                    err.text);
}


/* ---- The fast parse of an element ---------------------------------------
 *
 * A flat tree in document order: a container's children follow it, each
 * node knows where its next sibling is. Only the subset described in the
 * header is accepted; anything else gives up (false) and jansson parses the
 * element, so nothing jansson refuses is ever accepted here: strings
 * contain no escape and no control byte (their UTF-8 was checked by the
 * splitter, as strictly as jansson checks it), integers have no leading
 * zero and fit in jansson's json_int_t, literals are exact, and the element
 * is a single value.
 */
enum { JN_NULL, JN_TRUE, JN_FALSE, JN_INT, JN_STRING, JN_ARRAY, JN_OBJECT };

struct mg_jnode {
    int kind;
    uint32_t next;      /* index past this value's subtree */
    uint32_t parent;    /* index of the container, or UINT32_MAX for the element */
    uint32_t key;       /* offset of the member name in the element, or UINT32_MAX */
    uint32_t str;       /* offset of a string's bytes */
    long long i;        /* an integer */
    const struct mg_jnode *base; /* the tree's first node */
    const char *text;   /* the element's bytes */
};

typedef struct jfast {
    char *el;
    size_t len, pos;
    struct mg_jnode *node;
    size_t nnode, cap;
    uint32_t *ends;     /* closing quotes to NUL-terminate once all is read */
    size_t nend, endcap;
} jfast;

static void jf_ws(jfast *f)
{
    while (f->pos < f->len && is_ws((unsigned char)f->el[f->pos]))
        f->pos++;
}

static struct mg_jnode *jf_node(jfast *f, int kind)
{
    if (f->nnode == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 64;
        struct mg_jnode *nn = mg_realloc_array(f->node, ncap, sizeof *nn);
        if (!nn)
            return NULL;
        f->node = nn;
        f->cap = ncap;
    }
    struct mg_jnode *n = &f->node[f->nnode++];
    *n = (struct mg_jnode){.kind = kind, .key = UINT32_MAX};
    return n;
}

/* A string at f->pos (its quote); *at receives the offset of its bytes. */
static bool jf_string(jfast *f, uint32_t *at)
{
    size_t k = ++f->pos;
    while (k < f->len && f->el[k] != '"') {
        unsigned char c = (unsigned char)f->el[k];
        if (c < 0x20 || c == '\\')
            return false;
        k++;
    }
    if (k >= f->len)
        return false;
    if (f->nend == f->endcap) {
        size_t ncap = f->endcap ? f->endcap * 2 : 64;
        uint32_t *ne = mg_realloc_array(f->ends, ncap, sizeof *ne);
        if (!ne)
            return false;
        f->ends = ne;
        f->endcap = ncap;
    }
    f->ends[f->nend++] = (uint32_t)k;
    *at = (uint32_t)f->pos;
    f->pos = k + 1;
    return true;
}

static bool jf_value(jfast *f, uint32_t key, uint32_t parent);

/* The members or elements of a container whose node is at index self. */
static bool jf_children(jfast *f, size_t self, bool object)
{
    char close = object ? '}' : ']';
    f->pos++;
    jf_ws(f);
    if (f->pos < f->len && f->el[f->pos] == close) {
        f->pos++;
        return true;
    }
    for (;;) {
        uint32_t key = UINT32_MAX;
        if (object) {
            if (f->pos >= f->len || f->el[f->pos] != '"' || !jf_string(f, &key))
                return false;
            jf_ws(f);
            if (f->pos >= f->len || f->el[f->pos] != ':')
                return false;
            f->pos++;
            jf_ws(f);
        }
        if (!jf_value(f, key, (uint32_t)self))
            return false;
        jf_ws(f);
        if (f->pos >= f->len)
            return false;
        char c = f->el[f->pos++];
        if (c == close)
            break;
        if (c != ',')
            return false;
        jf_ws(f);
    }
    return true;
}

static bool jf_value(jfast *f, uint32_t key, uint32_t parent)
{
    if (f->pos >= f->len || f->nnode >= UINT32_MAX - 1)
        return false;
    size_t self = f->nnode;
    char c = f->el[f->pos];
    struct mg_jnode *n;
    if (c == '{' || c == '[') {
        if (!(n = jf_node(f, c == '{' ? JN_OBJECT : JN_ARRAY)))
            return false;
        n->key = key;
        if (!jf_children(f, self, c == '{'))
            return false;
    } else if (c == '"') {
        uint32_t at;
        if (!jf_string(f, &at) || !(n = jf_node(f, JN_STRING)))
            return false;
        n->key = key;
        n->str = at;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        size_t k = f->pos + (c == '-'), digits = 0;
        long long v = 0;
        if (k < f->len && f->el[k] == '0' && k + 1 < f->len && f->el[k + 1] >= '0' &&
            f->el[k + 1] <= '9')
            return false; /* a leading zero: jansson's to refuse */
        while (k < f->len && f->el[k] >= '0' && f->el[k] <= '9') {
            if (++digits > 18)
                return false;
            v = v * 10 + (f->el[k] - '0');
            k++;
        }
        if (digits == 0 || (k < f->len && (f->el[k] == '.' || f->el[k] == 'e' ||
                                           f->el[k] == 'E')))
            return false;
        if (!(n = jf_node(f, JN_INT)))
            return false;
        n->key = key;
        n->i = c == '-' ? -v : v;
        f->pos = k;
    } else {
        static const char *const lit[3] = {"null", "true", "false"};
        static const int kind[3] = {JN_NULL, JN_TRUE, JN_FALSE};
        int which = c == 'n' ? 0 : c == 't' ? 1 : c == 'f' ? 2 : -1;
        size_t l = which < 0 ? 0 : strlen(lit[which]);
        if (which < 0 || f->len - f->pos < l || memcmp(f->el + f->pos, lit[which], l) != 0)
            return false;
        if (!(n = jf_node(f, kind[which])))
            return false;
        n->key = key;
        f->pos += l;
    }
    f->node[self].next = (uint32_t)f->nnode;
    f->node[self].parent = parent;
    return true;
}

/* Parses the collected element; false to leave it to jansson. On success
 * the element's strings are NUL-terminated in place. */
static bool jf_parse(jfast *f, char *el, size_t len)
{
    f->el = el;
    f->len = len;
    f->pos = 0;
    f->nnode = f->nend = 0;
    if (len >= UINT32_MAX)
        return false;
    jf_ws(f);
    if (!jf_value(f, UINT32_MAX, UINT32_MAX))
        return false;
    jf_ws(f);
    if (f->pos != f->len)
        return false;
    for (size_t k = 0; k < f->nend; k++)
        el[f->ends[k]] = '\0';
    for (size_t k = 0; k < f->nnode; k++) {
        f->node[k].base = f->node;
        f->node[k].text = el;
    }
    return true;
}

bool mg_jval_absent(mg_jval v)
{
    return !v.j && !v.n;
}

bool mg_jval_is_null(mg_jval v)
{
    return v.n ? v.n->kind == JN_NULL : json_is_null(v.j);
}

bool mg_jval_is_object(mg_jval v)
{
    return v.n ? v.n->kind == JN_OBJECT : json_is_object(v.j);
}

bool mg_jval_is_array(mg_jval v)
{
    return v.n ? v.n->kind == JN_ARRAY : json_is_array(v.j);
}

bool mg_jval_is_string(mg_jval v)
{
    return v.n ? v.n->kind == JN_STRING : json_is_string(v.j);
}

bool mg_jval_is_number(mg_jval v)
{
    return v.n ? v.n->kind == JN_INT : json_is_number(v.j);
}

mg_jval mg_jval_get(mg_jval v, const char *key)
{
    mg_jval out = {0};
    if (v.j) {
        out.j = json_is_object(v.j) ? json_object_get(v.j, key) : NULL;
        return out;
    }
    if (!v.n || v.n->kind != JN_OBJECT)
        return out;
    const struct mg_jnode *base = v.n->base;
    for (uint32_t k = (uint32_t)(v.n - base) + 1; k < v.n->next; k = base[k].next)
        if (strcmp(v.n->text + base[k].key, key) == 0)
            out.n = &base[k]; /* the last one wins, as in jansson */
    return out;
}

const char *mg_jval_string(mg_jval v)
{
    if (v.n)
        return v.n->kind == JN_STRING ? v.n->text + v.n->str : NULL;
    return json_string_value(v.j);
}

double mg_jval_number(mg_jval v)
{
    if (v.n)
        return v.n->kind == JN_INT ? (double)v.n->i : 0;
    return json_number_value(v.j);
}

mg_jval mg_jval_first(mg_jval v)
{
    mg_jval out = {0};
    if (v.n) {
        if (v.n->kind == JN_ARRAY && v.n->next > (uint32_t)(v.n - v.n->base) + 1)
            out.n = v.n + 1;
        return out;
    }
    if (json_is_array(v.j) && json_array_size(v.j) > 0) {
        out.j = json_array_get(v.j, 0);
        out.parent = v.j;
    }
    return out;
}

mg_jval mg_jval_next(mg_jval v)
{
    mg_jval out = {0};
    if (v.n) {
        /* A sibling follows this subtree while the container goes on. */
        const struct mg_jnode *base = v.n->base;
        if (v.n->parent != UINT32_MAX && v.n->next < base[v.n->parent].next)
            out.n = &base[v.n->next];
        return out;
    }
    if (v.parent && v.idx + 1 < json_array_size(v.parent)) {
        out.j = json_array_get(v.parent, v.idx + 1);
        out.parent = v.parent;
        out.idx = v.idx + 1;
    }
    return out;
}

/* Streams the array whose '[' is the peeked byte. */
static int js_array(js *s, mg_json_element_fn fn, void *ctx)
{
    int rc, b;
    char bt[16];
    unsigned long aline = s->line, acol = s->col;
    if ((rc = js_take(s)) != MG_OK || (rc = js_skip_ws(s, &b)) != MG_OK)
        return rc;
    if (b == ']')
        return js_take(s);
    bool after_comma = false;
    for (;;) {
        if (b < 0) {
            snprintf(s->what, sizeof s->what, "the array opened at line %lu, column %lu",
                     aline, acol);
            return js_truncated(s);
        }
        if (b == ']' || b == '}' || b == ',' || b == ':')
            return js_error(s, MG_EPARSE, s->line, s->col, "expected an array element%s, found %s",
                            after_comma ? " after ','" : "", byte_text(b, bt));
        s->index++;
        snprintf(s->what, sizeof s->what, "array element %zu", s->index);
        json_t *v = NULL;
        if ((rc = js_collect(s, b)) != MG_OK)
            return rc;
        if (s->vfn && jf_parse(s->jfp, s->el, s->el_len)) {
            mg_jval jv = {.n = &s->jfp->node[0]};
            rc = s->vfn(ctx, jv, s->el_line, s->el_col, s->d);
        } else {
            if ((rc = js_parse(s, &v)) != MG_OK)
                return rc;
            if (s->vfn) {
                mg_jval jv = {.j = v};
                rc = s->vfn(ctx, jv, s->el_line, s->el_col, s->d);
            } else {
                rc = fn ? fn(ctx, v, s->el_line, s->el_col, s->d) : MG_OK;
            }
            json_decref(v);
        }
        if (rc < 0) {
            /* The callback should have said why; if not, at least say where. */
            return js_error(s, rc, s->el_line, s->el_col, "%s rejected: %s", s->what,
                            mg_strerror(rc));
        }
        if ((rc = js_skip_ws(s, &b)) != MG_OK)
            return rc;
        if (b == ',') {
            after_comma = true;
            if ((rc = js_take(s)) != MG_OK || (rc = js_skip_ws(s, &b)) != MG_OK)
                return rc;
            continue;
        }
        if (b == ']') {
            s->what[0] = '\0';
            return js_take(s);
        }
        if (b < 0) {
            snprintf(s->what, sizeof s->what, "the array opened at line %lu, column %lu",
                     aline, acol);
            return js_truncated(s);
        }
        return js_error(s, MG_EPARSE, s->line, s->col,
                        "expected ',' or ']' after array element %zu, found %s", s->index,
                        byte_text(b, bt));
    }
}

/*
 * Reads the top-level object whose '{' is the peeked byte, streaming the
 * array under `key` and syntax-checking every other member with jansson.
 */
static int js_object(js *s, const char *key, mg_json_element_fn fn, void *ctx)
{
    int rc, b;
    char bt[16];
    unsigned long oline = s->line, ocol = s->col;
    bool found = false;
    if ((rc = js_take(s)) != MG_OK || (rc = js_skip_ws(s, &b)) != MG_OK)
        return rc;
    bool more = true;
    if (b == '}') {
        if ((rc = js_take(s)) != MG_OK)
            return rc;
        more = false;
    }
    while (more) {
        snprintf(s->what, sizeof s->what, "the object opened at line %lu, column %lu", oline,
                 ocol);
        if (b < 0)
            return js_truncated(s);
        if (b != '"')
            return js_error(s, MG_EPARSE, s->line, s->col,
                            "expected a member name (a string in double quotes), found %s",
                            byte_text(b, bt));
        snprintf(s->what, sizeof s->what, "a member name");
        json_t *jname = NULL;
        if ((rc = js_collect(s, b)) != MG_OK || (rc = js_parse(s, &jname)) != MG_OK)
            return rc;
        /* The name is compared decoded, so "\u0066eatures" matches too. */
        const char *name = json_string_value(jname);
        bool match = name && json_string_length(jname) == strlen(key) &&
                     memcmp(name, key, strlen(key)) == 0;
        char shown[64];
        snprintf(shown, sizeof shown, "%s", name ? name : "?");
        json_decref(jname);

        snprintf(s->what, sizeof s->what, "member \"%s\"", shown);
        if ((rc = js_skip_ws(s, &b)) != MG_OK)
            return rc;
        if (b < 0)
            return js_truncated(s);
        if (b != ':')
            return js_error(s, MG_EPARSE, s->line, s->col,
                            "expected ':' after the member name \"%s\", found %s", shown,
                            byte_text(b, bt));
        if ((rc = js_take(s)) != MG_OK || (rc = js_skip_ws(s, &b)) != MG_OK)
            return rc;
        if (b < 0)
            return js_truncated(s);
        if (match) {
            if (found)
                return js_error(s, MG_EPARSE, s->line, s->col,
                                "member \"%s\" appears twice in the top-level object", key);
            found = true;
            if (b != '[')
                return js_error(s, MG_EPARSE, s->line, s->col,
                                "expected an array as member \"%s\", found %s", key,
                                value_kind(b, bt));
            if ((rc = js_array(s, fn, ctx)) != MG_OK)
                return rc;
        } else {
            if (b == ']' || b == '}' || b == ',' || b == ':')
                return js_error(s, MG_EPARSE, s->line, s->col,
                                "expected a value for member \"%s\", found %s", shown,
                                byte_text(b, bt));
            json_t *skipped = NULL;
            if ((rc = js_collect(s, b)) != MG_OK || (rc = js_parse(s, &skipped)) != MG_OK)
                return rc;
            json_decref(skipped);
        }
        snprintf(s->what, sizeof s->what, "the object opened at line %lu, column %lu", oline,
                 ocol);
        if ((rc = js_skip_ws(s, &b)) != MG_OK)
            return rc;
        if (b == ',') {
            if ((rc = js_take(s)) != MG_OK || (rc = js_skip_ws(s, &b)) != MG_OK)
                return rc;
            if (b == '}')
                return js_error(s, MG_EPARSE, s->line, s->col,
                                "expected a member name after ',', found '}'");
            continue;
        }
        if (b == '}') {
            if ((rc = js_take(s)) != MG_OK)
                return rc;
            break;
        }
        if (b < 0)
            return js_truncated(s);
        return js_error(s, MG_EPARSE, s->line, s->col,
                        "expected ',' or '}' in the top-level object, found %s",
                        byte_text(b, bt));
    }
    s->what[0] = '\0';
    if (!found)
        return js_error(s, MG_EPARSE, oline, ocol,
                        "expected an object with member \"%s\" (the top-level object has "
                        "no such member)", key);
    return MG_OK;
}

static int js_stream(mg_reader *r, const char *key, mg_json_element_fn fn,
                     mg_json_value_fn vfn, void *ctx, mg_diag *d)
{
    if (!r)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_json_stream_array: no reader");
    js s;
    memset(&s, 0, sizeof s);
    jfast jf = {0};
    s.vfn = vfn;
    s.jfp = &jf;
    s.r = r;
    s.name = mg_reader_name(r);
    s.d = d;
    s.at_start = true;
    s.line = 1;
    s.col = 1;
    s.el_cap = 4096;
    s.in = mg_alloc_array(JS_CHUNK, 1);
    s.el = mg_alloc_array(s.el_cap, 1);
    int rc, b;
    char bt[16];
    if (!s.in || !s.el) {
        rc = mg_diag_set(d, MG_ENOMEM, s.name, 0, 0, "out of memory");
        goto out;
    }

    char expected[128];
    if (key)
        snprintf(expected, sizeof expected, "an object with member \"%s\"", key);
    else
        snprintf(expected, sizeof expected, "a JSON array");
    if ((rc = js_skip_ws(&s, &b)) != MG_OK)
        goto out;
    if (b < 0) {
        rc = js_error(&s, MG_EPARSE, s.line, s.col, "empty file (expected %s)", expected);
    } else if (b >= 0x80) {
        /* Taking the byte runs the UTF-8 check, which recognises a UTF-16
         * file by its byte-order mark and says how to convert it. */
        unsigned long line = s.line, col = s.col;
        if ((rc = js_take(&s)) == MG_OK)
            rc = js_error(&s, MG_EPARSE, line, col, "expected %s, found %s", expected,
                          byte_text(b, bt));
    } else if (b != (key ? '{' : '[')) {
        rc = js_error(&s, MG_EPARSE, s.line, s.col, "expected %s, found %s", expected,
                      value_kind(b, bt));
    } else {
        rc = key ? js_object(&s, key, fn, ctx) : js_array(&s, fn, ctx);
    }
    if (rc != MG_OK)
        goto out;
    if ((rc = js_skip_ws(&s, &b)) != MG_OK)
        goto out;
    if (b >= 0)
        rc = js_error(&s, MG_EPARSE, s.line, s.col,
                      "unexpected data after the end of the JSON document (found %s)",
                      byte_text(b, bt));
out:
    free(s.in);
    free(s.el);
    free(jf.node);
    free(jf.ends);
    return rc;
}

int mg_json_stream_array(mg_reader *r, const char *key, mg_json_element_fn fn, void *ctx,
                         mg_diag *d)
{
    return js_stream(r, key, fn, NULL, ctx, d);
}

int mg_json_stream_values(mg_reader *r, const char *key, mg_json_value_fn fn, void *ctx,
                          mg_diag *d)
{
    return js_stream(r, key, NULL, fn, ctx, d);
}
