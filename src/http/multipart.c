/*
 * multipart/form-data bodies (RFC 7578 over RFC 2046's multipart syntax):
 * the file fields of an upload form, and its text fields added to the
 * request's form parameters so that mg_http_form reads them as it reads an
 * urlencoded form (the CSRF token of an upload form among them).
 *
 * Written by hand rather than with libmicrohttpd's post processor
 * (MHD_create_post_processor): that one works on the live connection, fed
 * chunk by chunk from the access handler, while this server buffers every
 * request whole before dispatching it (server.c), and the same handlers
 * also run without any connection through mg_http_dispatch (tests, the
 * request fuzz target). A parser over the buffered body serves both, and
 * the parts it hands out are slices of that body, never copies.
 *
 * What is accepted: a boundary of 1 to 70 characters (quoted or not) in
 * the Content-Type; an optional preamble; each part's header lines ended
 * by CRLF (a bare LF too, as some scripts send), of which only
 * Content-Disposition (form-data, name, filename) and Content-Type are
 * read; a name or filename quoted (backslash escapes, and the %22, %0D,
 * %0A of the WHATWG encoding of browsers) or not; a filename that is not
 * UTF-8 read as Windows-1252 (older browsers send the system's code page)
 * and cut to its last path segment (old Internet Explorer sends
 * "C:\Users\…\plan.csv"). The body must end with the close delimiter
 * "--boundary--": a body cut short is refused, never half read.
 */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "http/internal.h"

#define PART_HEAD_MAX 8192u /* one part's header lines, in bytes */

size_t mg_http_body_limit(const char *content_type)
{
    if (!content_type)
        return MG_HTTP_MAX_BODY;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    static const char mp[] = "multipart/form-data";
    if (strncasecmp(content_type, mp, sizeof mp - 1) == 0) {
        const char *p = content_type + sizeof mp - 1;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == ';')
            return MG_HTTP_MAX_UPLOAD_BODY;
    }
    return MG_HTTP_MAX_BODY;
}

/* Copies a parameter's value (quoted-string or token) starting at p into
 * out (cap bytes, NUL-terminated); *end receives where it stops. False when
 * it does not fit or a quote is not closed. */
static bool param_value(const char *p, const char *lim, char *out, size_t cap, size_t *outlen,
                        const char **end)
{
    size_t n = 0;
    if (p < lim && *p == '"') {
        p++;
        for (;;) {
            if (p >= lim)
                return false;
            char ch = *p++;
            if (ch == '"')
                break;
            if (ch == '\\' && p < lim)
                ch = *p++;
            else if (ch == '%' && lim - p >= 2 &&
                     (!strncasecmp(p, "22", 2) || !strncasecmp(p, "0D", 2) ||
                      !strncasecmp(p, "0A", 2))) {
                ch = p[0] == '2' ? '"' : (p[1] == 'D' || p[1] == 'd') ? '\r' : '\n';
                p += 2;
            }
            if (n + 1 >= cap)
                return false;
            out[n++] = ch;
        }
    } else {
        while (p < lim && *p != ';' && *p != ' ' && *p != '\t') {
            if (n + 1 >= cap)
                return false;
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    *outlen = n;
    *end = p;
    return true;
}

/* Finds parameter `key` (case aside) among the ";"-separated parameters of
 * a header value v[0..n) after its first item, into out. 1 found, 0 not
 * there, -1 malformed. */
static int header_param(const char *v, size_t n, const char *key, char *out, size_t cap,
                        size_t *outlen)
{
    const char *lim = v + n, *p = memchr(v, ';', n);
    size_t klen = strlen(key);
    while (p && p < lim) {
        p++;
        while (p < lim && (*p == ' ' || *p == '\t'))
            p++;
        const char *eq = memchr(p, '=', (size_t)(lim - p));
        if (!eq)
            return 0;
        const char *k_end = eq;
        while (k_end > p && (k_end[-1] == ' ' || k_end[-1] == '\t'))
            k_end--;
        const char *val = eq + 1;
        while (val < lim && (*val == ' ' || *val == '\t'))
            val++;
        char scratch[MG_HTTP_PART_NAME_MAX * 4 + 1];
        size_t sl = 0;
        const char *after;
        bool match = (size_t)(k_end - p) == klen && strncasecmp(p, key, klen) == 0;
        if (!param_value(val, lim, match ? out : scratch, match ? cap : sizeof scratch,
                         match ? outlen : &sl, &after))
            return -1;
        if (match)
            return 1;
        p = memchr(after, ';', (size_t)(lim - after));
    }
    return 0;
}

/* The filename as UTF-8 (Windows-1252 converted), its last segment. */
static void clean_filename(char *name, size_t cap)
{
    size_t n = strlen(name);
    if (mg_utf8_check(name, n, NULL) != n) {
        char tmp[MG_HTTP_PART_NAME_MAX * 4 + 1];
        iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
        bool ok = false;
        if (cd != (iconv_t)-1) {
            char *in = name, *o = tmp;
            size_t il = n, ol = sizeof tmp - 1;
            ok = iconv(cd, &in, &il, &o, &ol) != (size_t)-1;
            *o = '\0';
            iconv_close(cd);
        }
        if (!ok) /* 0x81, 0x8D… have no character: replaced */
            for (size_t i = 0; i < n; i++)
                tmp[i] = (unsigned char)name[i] < 0x80 ? name[i] : '_', tmp[i + 1] = '\0';
        snprintf(name, cap, "%s", tmp);
        name[mg_utf8_prefix(name, cap - 1)] = '\0';
    }
    char *slash = strrchr(name, '/'), *back = strrchr(name, '\\');
    char *last = slash > back ? slash : back;
    if (last)
        memmove(name, last + 1, strlen(last + 1) + 1);
    for (char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '_';
}

/* The boundary of a multipart/form-data Content-Type into b; false when
 * it has none or a malformed one. */
static bool boundary_of(const char *ct, char b[72], size_t *blen)
{
    if (!ct || mg_http_body_limit(ct) != MG_HTTP_MAX_UPLOAD_BODY)
        return false;
    int rc = header_param(ct, strlen(ct), "boundary", b, 72, blen);
    if (rc != 1 || *blen == 0 || *blen > 70)
        return false;
    return true;
}

/* The end of the line starting at p (its LF, after a CR or not), or NULL. */
static const char *line_end(const char *p, const char *lim)
{
    return memchr(p, '\n', (size_t)(lim - p));
}

/* The next delimiter "--boundary" in [from, lim) that starts a line: right
 * after a LF, or at `at_start` (the body's first byte; NULL: nowhere). */
static const char *find_delimiter(const char *from, const char *lim, const char *b, size_t blen,
                                  const char *at_start)
{
    for (const char *q = from; (size_t)(lim - q) >= 2 + blen; q++) {
        q = memchr(q, '-', (size_t)(lim - q));
        if (!q || (size_t)(lim - q) < 2 + blen)
            return NULL;
        if (q[1] == '-' && memcmp(q + 2, b, blen) == 0 &&
            (q == at_start || (q > from && q[-1] == '\n')))
            return q;
    }
    return NULL;
}

int mg_http_multipart_parse(const char *content_type, const char *body, size_t len,
                            mg_http_part_fn fn, void *ctx, char *msg, size_t cap)
{
    char b[72];
    size_t blen = 0;
    if (!boundary_of(content_type, b, &blen)) {
        snprintf(msg, cap, "formulaire multipart sans délimiteur (boundary) valide.");
        return MG_EPARSE;
    }
    if (!body)
        body = "", len = 0;
    const char *lim = body + len;
    /* The first delimiter, after an optional preamble. */
    const char *p = find_delimiter(body, lim, b, blen, body);
    if (!p) {
        snprintf(msg, cap, "formulaire multipart vide ou sans délimiteur.");
        return MG_EPARSE;
    }
    p += 2 + blen;
    size_t parts = 0;
    for (;;) {
        /* After a delimiter: "--" closes, else padding and a line end. */
        if (lim - p >= 2 && p[0] == '-' && p[1] == '-')
            return MG_OK;
        while (p < lim && (*p == ' ' || *p == '\t'))
            p++;
        if (p < lim && *p == '\r')
            p++;
        if (p >= lim || *p != '\n') {
            snprintf(msg, cap, "formulaire multipart tronqué : la limite finale manque.");
            return MG_EPARSE;
        }
        p++;
        if (++parts > MG_HTTP_MAX_PARAMS) {
            snprintf(msg, cap, "trop de champs dans le formulaire : %u au plus.",
                     MG_HTTP_MAX_PARAMS);
            return MG_ELIMIT;
        }
        mg_http_part part;
        memset(&part, 0, sizeof part);
        bool disposition = false;
        const char *head_start = p;
        for (;;) {
            const char *e = line_end(p, lim);
            if (!e || (size_t)(e - head_start) > PART_HEAD_MAX) {
                snprintf(msg, cap, "formulaire multipart : en-têtes d'une partie %s.",
                         e ? "trop longs" : "tronqués");
                return MG_EPARSE;
            }
            size_t n = (size_t)(e - p);
            if (n && p[n - 1] == '\r')
                n--;
            const char *next = e + 1;
            if (n == 0) {
                p = next;
                break;
            }
            if (memchr(p, '\0', n)) {
                snprintf(msg, cap, "formulaire multipart : octet nul dans les en-têtes.");
                return MG_EPARSE;
            }
            const char *colon = memchr(p, ':', n);
            if (!colon) {
                snprintf(msg, cap, "formulaire multipart : ligne d'en-tête sans « : ».");
                return MG_EPARSE;
            }
            size_t klen = (size_t)(colon - p);
            const char *v = colon + 1;
            size_t vn = n - klen - 1;
            while (vn && (*v == ' ' || *v == '\t'))
                v++, vn--;
            if (klen == 19 && strncasecmp(p, "Content-Disposition", 19) == 0) {
                if (vn < 9 || strncasecmp(v, "form-data", 9) != 0 ||
                    (vn > 9 && v[9] != ';' && v[9] != ' ')) {
                    snprintf(msg, cap, "formulaire multipart : une partie n'est pas form-data.");
                    return MG_EPARSE;
                }
                size_t nl = 0, fl = 0;
                if (header_param(v, vn, "name", part.name, sizeof part.name, &nl) != 1 ||
                    part.name[0] == '\0') {
                    snprintf(msg, cap, "formulaire multipart : une partie n'a pas de nom.");
                    return MG_EPARSE;
                }
                int f = header_param(v, vn, "filename", part.filename, sizeof part.filename, &fl);
                if (f < 0) {
                    snprintf(msg, cap, "formulaire multipart : nom de fichier invalide.");
                    return MG_EPARSE;
                }
                part.is_file = f == 1;
                if (part.is_file)
                    clean_filename(part.filename, sizeof part.filename);
                disposition = true;
            } else if (klen == 12 && strncasecmp(p, "Content-Type", 12) == 0) {
                size_t m = vn < sizeof part.content_type - 1 ? vn : sizeof part.content_type - 1;
                memcpy(part.content_type, v, m);
                part.content_type[m] = '\0';
            }
            p = next;
        }
        if (!disposition) {
            snprintf(msg, cap, "formulaire multipart : une partie sans Content-Disposition.");
            return MG_EPARSE;
        }
        if (mg_utf8_check(part.name, strlen(part.name), NULL) != strlen(part.name)) {
            snprintf(msg, cap, "formulaire multipart : nom de champ invalide (UTF-8).");
            return MG_EUTF8;
        }
        /* The data runs to the next "\r\n--boundary" (or "\n--boundary"). */
        const char *data = p, *end = find_delimiter(data, lim, b, blen, NULL);
        if (!end) {
            snprintf(msg, cap, "formulaire multipart tronqué : la limite finale manque.");
            return MG_EPARSE;
        }
        const char *dend = end - 1;
        if (dend > data && dend[-1] == '\r')
            dend--;
        part.data = data;
        part.len = (size_t)(dend - data);
        int rc = fn ? fn(ctx, &part) : MG_OK;
        if (rc != MG_OK) {
            if (msg[0] == '\0')
                snprintf(msg, cap, "formulaire multipart refusé.");
            return rc;
        }
        p = end + 2 + blen;
    }
}

/* --- The request's form fields and uploads ---------------------------------- */

struct fields_ctx {
    mg_http_request *r;
    char *msg;
    size_t cap;
};

/* A text field: a form parameter, as from an urlencoded body. */
static int add_field(void *vctx, const mg_http_part *part)
{
    struct fields_ctx *f = vctx;
    mg_http_request *r = f->r;
    if (part->is_file)
        return MG_OK;
    if (mg_utf8_check(part->data, part->len, NULL) != part->len ||
        memchr(part->data, '\0', part->len)) {
        snprintf(f->msg, f->cap, "champ « %.60s » : texte invalide (UTF-8).", part->name);
        return MG_EUTF8;
    }
    if (r->nquery + r->nform >= MG_HTTP_MAX_PARAMS) {
        snprintf(f->msg, f->cap, "trop de paramètres : %u au plus.", MG_HTTP_MAX_PARAMS);
        return MG_ELIMIT;
    }
    char *name = mg_http_request_strndup(r, part->name, strlen(part->name));
    char *value = mg_http_request_strndup(r, part->data, part->len);
    if (!name || !value)
        return MG_ENOMEM;
    r->params[r->nquery + r->nform] = (mg_http_kv){name, value};
    r->nform++;
    return MG_OK;
}

int mg_http_request_parse_multipart(mg_http_request *r, char *msg, size_t cap)
{
    msg[0] = '\0';
    struct fields_ctx f = {r, msg, cap};
    return mg_http_multipart_parse(mg_http_header(r, "Content-Type"), r->body, r->body_len,
                                   add_field, &f, msg, cap);
}

struct upload_ctx {
    const char *name;
    mg_http_part found;
    bool have;
};

static int find_upload(void *vctx, const mg_http_part *part)
{
    struct upload_ctx *u = vctx;
    if (!u->have && part->is_file && strcmp(part->name, u->name) == 0) {
        u->found = *part;
        u->have = true;
    }
    return MG_OK;
}

int mg_http_upload(const mg_http_request *r, const char *name, const char **data, size_t *len,
                   const char **filename)
{
    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    if (filename)
        *filename = NULL;
    if (!r || !name || !mg_http_content_type_is(r, "multipart/form-data"))
        return MG_ENOTFOUND;
    struct upload_ctx u = {.name = name};
    char msg[160];
    int rc = mg_http_multipart_parse(mg_http_header(r, "Content-Type"), r->body, r->body_len,
                                     find_upload, &u, msg, sizeof msg);
    if (rc != MG_OK)
        return rc;
    if (!u.have)
        return MG_ENOTFOUND;
    char *fname = mg_http_strdup(r, u.found.filename);
    if (!fname)
        return MG_ENOMEM;
    if (data)
        *data = u.found.data;
    if (len)
        *len = u.found.len;
    if (filename)
        *filename = fname;
    return MG_OK;
}
