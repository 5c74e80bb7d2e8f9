/*
 * The request object: raw request line and headers in, decoded and
 * validated path, query, form and path parameters out. Every value a
 * handler can read has been percent-decoded, checked to be UTF-8 without
 * NUL bytes, and lives in the request's arena.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/utf8.h"
#include "http/internal.h"

/* --- Arena ---------------------------------------------------------------- */

/* A chunk of the request's arena. Requests are small (headers, a few
 * parameters) so most fit in one chunk; a large form body gets a chunk of
 * its own size. */
struct mg_http_chunk {
    mg_http_chunk *next;
    size_t used, cap;
    _Alignas(max_align_t) char data[];
};

/* Every block starts aligned for any type: handlers put arrays of structs
 * in the arena (mg_http_alloc), not only strings. */
#define ARENA_ALIGN _Alignof(max_align_t)

#define ARENA_CHUNK 4096u

static void *arena_alloc(mg_http_request *r, size_t n)
{
    if (n > SIZE_MAX - ARENA_ALIGN)
        return NULL;
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    mg_http_chunk *c = r->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        if (cap > SIZE_MAX - sizeof *c)
            return NULL;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        /* A big allocation goes behind the current chunk so that the
         * current chunk's free room is not abandoned. */
        if (r->arena && n > ARENA_CHUNK) {
            c->next = r->arena->next;
            r->arena->next = c;
        } else {
            c->next = r->arena;
            r->arena = c;
        }
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

char *mg_http_request_strndup(mg_http_request *r, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(r, len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/*
 * Request ids: a random prefix drawn once per process, so that the ids of
 * several server processes behind one proxy do not collide, and a counter.
 * They name a request in the access log and on its error page, so that a
 * person can quote what the operator can find.
 */
static atomic_uint_fast64_t request_counter;
static uint32_t request_prefix;
static pthread_once_t request_prefix_once = PTHREAD_ONCE_INIT;

static void draw_request_prefix(void)
{
    uint32_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v)
        v = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
    request_prefix = v;
}

void mg_http_request_init(mg_http_request *r)
{
    memset(r, 0, sizeof *r);
    pthread_once(&request_prefix_once, draw_request_prefix);
    uint64_t n = atomic_fetch_add(&request_counter, 1) + 1;
    snprintf(r->id, sizeof r->id, "%08" PRIx32 "-%06" PRIx64, request_prefix, n & 0xFFFFFFu);
}

void mg_http_request_free(mg_http_request *r)
{
    mg_http_chunk *c = r->arena;
    while (c) {
        mg_http_chunk *next = c->next;
        free(c);
        c = next;
    }
    memset(r, 0, sizeof *r);
}

/* --- Text checks ---------------------------------------------------------- */

/* True when s[0..n) is UTF-8 (core/utf8: shortest forms of scalar values)
 * and holds no NUL byte, which would silently cut the C string a handler
 * receives. */
static bool utf8_ok(const char *s, size_t n)
{
    return !memchr(s, '\0', n) && mg_utf8_check(s, n, NULL) == n;
}

/* An HTTP token (RFC 9110 tchar), as methods must be. */
static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            continue;
        if (!strchr("!#$%&'*+-.^_`|~", c))
            return false;
    }
    return true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Decodes s[0..len) into the arena: %XX escapes (exactly two hex digits,
 * else MG_EPARSE) and, when `plus`, '+' as a space (query strings and
 * forms, not paths). The result must be UTF-8 without NUL (MG_EUTF8).
 */
static int decode(mg_http_request *r, const char *s, size_t len, bool plus, const char **out)
{
    char *o = arena_alloc(r, len + 1);
    if (!o)
        return MG_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (len - i >= 3) {
                int hi = hex_value(s[i + 1]);
                int lo = hex_value(s[i + 2]);
                if (hi >= 0 && lo >= 0) {
                    o[n++] = (char)(hi * 16 + lo);
                    i += 2;
                    continue;
                }
            }
            return MG_EPARSE;
        }
        o[n++] = plus && c == '+' ? ' ' : c;
    }
    o[n] = '\0';
    if (!utf8_ok(o, n))
        return MG_EUTF8;
    *out = o;
    return MG_OK;
}

/* --- Request line, headers, body ----------------------------------------- */

int mg_http_request_set_line(mg_http_request *r, const char *method, const char *target)
{
    size_t mlen = strlen(method);
    r->bad_method = mlen > MG_HTTP_MAX_METHOD || !is_token(method);
    /* An unusable method is kept as "GET" so that the 400 page can still be
     * built; the flag decides the answer. */
    r->method = mg_http_request_strndup(r, r->bad_method ? "GET" : method,
                                        r->bad_method ? 3 : mlen);
    r->target_len = strlen(target);
    /* Only as much of an overlong target as the 414 check needs is kept. */
    r->target = mg_http_request_strndup(r, target,
                                        r->target_len > MG_HTTP_MAX_URL ? 0 : r->target_len);
    if (!r->method || !r->target) {
        r->oom = true;
        return MG_ENOMEM;
    }
    /* Known before any decoding, so that even a request whose path cannot
     * be decoded gets its error in JSON under /api/. */
    r->api = strncmp(target, "/api/", 5) == 0 || strcmp(target, "/api") == 0 ||
             strncmp(target, "/api?", 5) == 0;
    return MG_OK;
}

int mg_http_request_add_header(mg_http_request *r, const char *name, const char *value)
{
    /* A header name is a token: "Host : x" (a space before the colon) is a
     * request two servers may read differently — refused, as RFC 9112
     * says. */
    if (r->nheaders >= MG_HTTP_MAX_HEADERS) {
        r->head_too_large = true;
        return MG_OK;
    }
    if (!is_token(name) || !utf8_ok(value, strlen(value))) {
        r->bad_header = true;
        return MG_OK;
    }
    mg_http_kv *kv = &r->headers[r->nheaders];
    kv->name = mg_http_request_strndup(r, name, strlen(name));
    kv->value = mg_http_request_strndup(r, value, strlen(value));
    if (!kv->name || !kv->value) {
        r->oom = true;
        return MG_ENOMEM;
    }
    r->nheaders++;
    return MG_OK;
}

int mg_http_request_set_body(mg_http_request *r, const char *body, size_t len, bool copy)
{
    if (len == 0 || !body) {
        r->body = NULL;
        r->body_len = 0;
        return MG_OK;
    }
    if (copy) {
        r->body = mg_http_request_strndup(r, body, len);
        if (!r->body) {
            r->oom = true;
            return MG_ENOMEM;
        }
    } else {
        r->body = body;
    }
    r->body_len = len;
    return MG_OK;
}

const char *mg_http_framing_error(size_t content_lengths, size_t transfer_encodings)
{
    if (content_lengths && transfer_encodings)
        return "longueur du contenu ambiguë : Content-Length et Transfer-Encoding ensemble.";
    if (content_lengths > 1)
        return "longueur du contenu ambiguë : Content-Length donné plusieurs fois.";
    if (transfer_encodings > 1)
        return "longueur du contenu ambiguë : Transfer-Encoding donné plusieurs fois.";
    return NULL;
}

const char *mg_http_request_framing_error(const mg_http_request *r)
{
    size_t cl = 0, te = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, "Content-Length") == 0)
            cl++;
        else if (strcasecmp(r->headers[i].name, "Transfer-Encoding") == 0)
            te++;
    }
    return mg_http_framing_error(cl, te);
}

/* --- Path and parameters ------------------------------------------------- */

/*
 * Rewrites an absolute-form target ("http://host/path?q", which HTTP/1.1
 * servers must accept) to its origin form ("/path?q"), so that routing and
 * static files see one shape only. The host is ignored: this server has
 * one site.
 */
static int strip_absolute_form(mg_http_request *r)
{
    const char *t = r->target;
    size_t skip;
    if (strncasecmp(t, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(t, "https://", 8) == 0)
        skip = 8;
    else
        return MG_OK;
    skip += strcspn(t + skip, "/?#");
    const char *rest = t + skip;
    size_t rlen = r->target_len - skip;
    char *o = arena_alloc(r, rlen + 2);
    if (!o)
        return MG_ENOMEM;
    size_t n = 0;
    if (rest[0] != '/')
        o[n++] = '/';
    memcpy(o + n, rest, rlen + 1);
    r->target = o;
    r->target_len = n + rlen;
    r->api = strncmp(o, "/api/", 5) == 0 || strcmp(o, "/api") == 0 || strncmp(o, "/api?", 5) == 0;
    return MG_OK;
}

int mg_http_request_parse_path(mg_http_request *r, char *msg, size_t cap)
{
    if (strip_absolute_form(r) != MG_OK) {
        r->oom = true;
        return MG_ENOMEM;
    }
    const char *t = r->target;
    /* Only origin-form targets ("/path?query") name a page of this server;
     * raw spaces and control characters are never valid in a target. */
    if (t[0] != '/') {
        snprintf(msg, cap, "adresse invalide : elle doit commencer par « / ».");
        return MG_EPARSE;
    }
    for (size_t i = 0; i < r->target_len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c <= 0x20 || c == 0x7F) {
            snprintf(msg, cap, "adresse invalide : caractère interdit.");
            return MG_EPARSE;
        }
    }
    const char *q = memchr(t, '?', r->target_len);
    size_t plen = q ? (size_t)(q - t) : r->target_len;
    if (q) {
        r->query = q + 1;
        r->query_len = r->target_len - plen - 1;
    }
    const char *path = NULL;
    int rc = decode(r, t, plen, false, &path);
    if (rc == MG_ENOMEM) {
        r->oom = true;
        return rc;
    }
    if (rc) {
        snprintf(msg, cap, "adresse : encodage invalide.");
        return rc;
    }
    r->path = path;
    r->api = strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
    return MG_OK;
}

/* Writes a parameter name into a message: at most 60 bytes, cut on a
 * character boundary so that the message stays UTF-8 (it goes into JSON). */
static void name_for_message(char *out, size_t cap, const char *name)
{
    size_t n = strlen(name);
    bool cut = false;
    if (n > 60) {
        n = 60;
        while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
        cut = true;
    }
    snprintf(out, cap, "%.*s%s", (int)n, name, cut ? "…" : "");
}

/*
 * Decodes the pairs of an urlencoded text (query string or form body) into
 * r->params after those already there, counting them into *count. Empty
 * pairs ("a=1&&b=2") are skipped; a pair without '=' has the value "".
 */
static int parse_pairs(mg_http_request *r, const char *s, size_t len, size_t *count,
                       char *msg, size_t cap)
{
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(s + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - s) : len;
        if (end > i) {
            if (r->nquery + r->nform >= MG_HTTP_MAX_PARAMS) {
                snprintf(msg, cap, "trop de paramètres : %u au plus.", MG_HTTP_MAX_PARAMS);
                return MG_ELIMIT;
            }
            const char *eq = memchr(s + i, '=', end - i);
            size_t nlen = eq ? (size_t)(eq - (s + i)) : end - i;
            const char *name = NULL, *value = NULL;
            int rc = decode(r, s + i, nlen, true, &name);
            if (rc == MG_ENOMEM)
                return rc;
            if (rc) {
                snprintf(msg, cap, "nom de paramètre : encodage invalide.");
                return rc;
            }
            rc = eq ? decode(r, eq + 1, (size_t)(s + end - eq - 1), true, &value)
                    : decode(r, "", 0, true, &value);
            if (rc == MG_ENOMEM)
                return rc;
            if (rc) {
                char shown[80];
                name_for_message(shown, sizeof shown, name);
                snprintf(msg, cap, "paramètre « %s » : encodage invalide.", shown);
                return rc;
            }
            r->params[r->nquery + r->nform] = (mg_http_kv){name, value};
            (*count)++;
        }
        i = end + 1;
    }
    return MG_OK;
}

/* True for "application/x-www-form-urlencoded", any case, with or without
 * parameters ("; charset=UTF-8"). */
bool mg_http_content_type_is(const mg_http_request *r, const char *type)
{
    const char *ct = mg_http_header(r, "Content-Type");
    size_t n = strlen(type);
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, type, n) != 0)
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

int mg_http_request_parse_params(mg_http_request *r, char *msg, size_t cap)
{
    int rc = MG_OK;
    if (r->query)
        rc = parse_pairs(r, r->query, r->query_len, &r->nquery, msg, cap);
    if (rc == MG_OK && r->body && mg_http_content_type_is(r, "application/x-www-form-urlencoded"))
        rc = parse_pairs(r, r->body, r->body_len, &r->nform, msg, cap);
    else if (rc == MG_OK && r->body && mg_http_content_type_is(r, "multipart/form-data"))
        rc = mg_http_request_parse_multipart(r, msg, cap);
    if (rc == MG_ENOMEM)
        r->oom = true;
    return rc;
}

int mg_http_request_add_path_param(mg_http_request *r, const char *name,
                                   const char *value, size_t len)
{
    if (r->npath_params >= MG_HTTP_MAX_PATH_PARAMS)
        return MG_ELIMIT;
    const char *v = mg_http_request_strndup(r, value, len);
    if (!v) {
        r->oom = true;
        return MG_ENOMEM;
    }
    /* The name belongs to the router, which outlives every request. */
    r->path_params[r->npath_params++] = (mg_http_kv){name, v};
    return MG_OK;
}

/* --- Accessors ------------------------------------------------------------ */

static const char *find(const mg_http_kv *kv, size_t n, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].name, name) == 0)
            return kv[i].value;
    return NULL;
}

const char *mg_http_request_id(const mg_http_request *r)
{
    return r ? r->id : "";
}

/* The arena belongs to the request as a whole: handlers hold it const, yet
 * may draw from it, as from any per-request pool. */
void *mg_http_alloc(const mg_http_request *r, size_t n)
{
    return r ? arena_alloc((mg_http_request *)r, n ? n : 1) : NULL;
}

char *mg_http_strdup(const mg_http_request *r, const char *s)
{
    return r && s ? mg_http_request_strndup((mg_http_request *)r, s, strlen(s)) : NULL;
}

const char *mg_http_method(const mg_http_request *r)
{
    return r->method;
}

const char *mg_http_path(const mg_http_request *r)
{
    return r->path;
}

const char *mg_http_query(const mg_http_request *r, const char *name)
{
    return find(r->params, r->nquery, name);
}

const char *mg_http_form(const mg_http_request *r, const char *name)
{
    return find(r->params + r->nquery, r->nform, name);
}

const char *mg_http_param(const mg_http_request *r, const char *name)
{
    const char *v = mg_http_form(r, name);
    return v ? v : mg_http_query(r, name);
}

const char *mg_http_path_param(const mg_http_request *r, const char *name)
{
    return find(r->path_params, r->npath_params, name);
}

const char *mg_http_header(const mg_http_request *r, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

const char *mg_http_body(const mg_http_request *r, size_t *len)
{
    if (len)
        *len = r->body_len;
    return r->body;
}

const char *mg_http_client_address(const mg_http_request *r)
{
    return r->client;
}

/*
 * The quality the Accept header gives to `type` (exact media type match,
 * parameters other than q ignored); -1 when it is not listed. Wildcards are
 * deliberately not counted: every browser sends "*\/\*", and only a client
 * naming application/json asks for JSON.
 */
static double accept_quality(const char *accept, const char *type)
{
    size_t tlen = strlen(type);
    const char *p = accept;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        /* p <= end here; the explicit guard keeps GCC from assuming a
         * negative span (-Wstringop-overread false positive at -O2). */
        size_t span = end > p ? (size_t)(end - p) : 0;
        const char *semi = memchr(p, ';', span);
        const char *tend = semi ? semi : end;
        while (tend > p && (tend[-1] == ' ' || tend[-1] == '\t'))
            tend--;
        if ((size_t)(tend - p) == tlen && strncasecmp(p, type, tlen) == 0) {
            double q = 1.0;
            for (const char *s = semi; s && s < end;) {
                s++;
                while (s < end && (*s == ' ' || *s == '\t'))
                    s++;
                if (end - s >= 2 && (s[0] == 'q' || s[0] == 'Q') && s[1] == '=') {
                    /* qvalue = "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ] */
                    const char *v = s + 2;
                    q = 0.0;
                    if (v < end && (*v == '0' || *v == '1')) {
                        q = *v - '0';
                        v++;
                        if (v < end && *v == '.') {
                            double scale = 0.1;
                            for (v++; v < end && *v >= '0' && *v <= '9' && scale > 0.0001;
                                 v++, scale /= 10)
                                q += (*v - '0') * scale;
                        }
                    }
                    if (q > 1.0)
                        q = 1.0;
                }
                s = memchr(s, ';', (size_t)(end - s));
            }
            return q;
        }
        p = *end ? end + 1 : end;
    }
    return -1.0;
}

bool mg_http_wants_json(const mg_http_request *r)
{
    if (!r)
        return false;
    if (r->api)
        return true;
    const char *accept = mg_http_header(r, "Accept");
    if (!accept)
        return false;
    double json = accept_quality(accept, "application/json");
    double html = accept_quality(accept, "text/html");
    return json > 0.0 && json > html;
}
