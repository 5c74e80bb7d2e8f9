/*
 * The router: an ordered list of (method, pattern, handler). Patterns are
 * split into segments once, when added; matching a path walks its segments
 * without allocating, and only the winning route's parameters are copied
 * into the request.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "http/internal.h"

#define MAX_ROUTES MG_ROUTER_MAX_ROUTES

typedef struct segment {
    const char *text;   /* literal segment, or the parameter's name */
    size_t len;         /* length of the literal segment */
    const char *suffix; /* literal after the parameter; NULL for a literal segment */
    size_t suffix_len;
} segment;

typedef struct route {
    char method[MG_HTTP_MAX_METHOD + 1];
    char *storage; /* the pattern, cut into the segments' strings */
    segment *segs;
    size_t nsegs;
    mg_http_handler fn;
    void *ctx;
} route;

struct mg_router {
    route routes[MAX_ROUTES];
    size_t n;
};

/* A piece of the path captured by a parameter. */
typedef struct span {
    const char *p;
    size_t len;
} span;

mg_router *mg_router_new(void)
{
    return mg_alloc_array(1, sizeof(mg_router));
}

void mg_router_free(mg_router *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n; i++) {
        free(rt->routes[i].storage);
        free(rt->routes[i].segs);
    }
    free(rt);
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

static bool is_method(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > MG_HTTP_MAX_METHOD)
        return false;
    for (; *m; m++)
        if (!is_name_char(*m) && !strchr("!#$%&'*+-.^`|~", *m))
            return false;
    return true;
}

/*
 * Cuts the copy of a pattern (after its leading '/') into segments, in
 * place. A segment is either literal (no braces) or "{name}" followed by a
 * literal suffix without braces.
 */
static int split_pattern(char *s, segment *segs, size_t *nsegs)
{
    size_t n = 0, nparams = 0;
    for (;;) {
        char *slash = strchr(s, '/');
        if (slash)
            *slash = '\0';
        if (n == MG_HTTP_MAX_SEGMENTS)
            return MG_ELIMIT;
        segment *g = &segs[n++];
        if (s[0] == '{') {
            char *close = strchr(s, '}');
            if (!close || close == s + 1)
                return MG_EINVAL;
            for (char *c = s + 1; c < close; c++)
                if (!is_name_char(*c))
                    return MG_EINVAL;
            *close = '\0';
            g->text = s + 1;
            g->suffix = close + 1;
            if (strpbrk(g->suffix, "{}"))
                return MG_EINVAL;
            g->suffix_len = strlen(g->suffix);
            for (size_t k = 0; k + 1 < n; k++)
                if (segs[k].suffix && strcmp(segs[k].text, g->text) == 0)
                    return MG_EINVAL;
            if (++nparams > MG_HTTP_MAX_PATH_PARAMS)
                return MG_ELIMIT;
        } else {
            if (strpbrk(s, "{}"))
                return MG_EINVAL;
            g->text = s;
            g->len = strlen(s);
            g->suffix = NULL;
        }
        if (!slash)
            break;
        s = slash + 1;
    }
    *nsegs = n;
    return MG_OK;
}

int mg_router_add(mg_router *rt, const char *method, const char *pattern,
                  mg_http_handler fn, void *ctx)
{
    if (!rt || !method || !pattern || !fn || !is_method(method) || pattern[0] != '/')
        return MG_EINVAL;
    if (rt->n >= MAX_ROUTES)
        return MG_ELIMIT;
    route *r = &rt->routes[rt->n];
    memset(r, 0, sizeof *r);
    memcpy(r->method, method, strlen(method) + 1);
    r->storage = mg_strdup(pattern + 1);
    r->segs = mg_alloc_array(MG_HTTP_MAX_SEGMENTS, sizeof *r->segs);
    int rc = r->storage && r->segs ? split_pattern(r->storage, r->segs, &r->nsegs) : MG_ENOMEM;
    if (rc) {
        free(r->storage);
        free(r->segs);
        memset(r, 0, sizeof *r);
        return rc;
    }
    r->fn = fn;
    r->ctx = ctx;
    rt->n++;
    return MG_OK;
}

/*
 * Matches a decoded path ("/a/b") against a route's segments, capturing
 * the parameters into caps. A parameter needs at least one character
 * before its suffix and never captures "." or "..": handlers often build
 * file names or keys from their parameters, and no page is named so.
 */
static bool match(const route *r, const char *path, span *caps, size_t *ncaps)
{
    const char *p = path + 1;
    *ncaps = 0;
    for (size_t i = 0; i < r->nsegs; i++) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        const segment *g = &r->segs[i];
        if (!g->suffix) {
            if (len != g->len || memcmp(p, g->text, len) != 0)
                return false;
        } else {
            if (len <= g->suffix_len ||
                memcmp(p + len - g->suffix_len, g->suffix, g->suffix_len) != 0)
                return false;
            size_t vlen = len - g->suffix_len;
            if ((vlen == 1 && p[0] == '.') || (vlen == 2 && p[0] == '.' && p[1] == '.'))
                return false;
            caps[(*ncaps)++] = (span){p, vlen};
        }
        if (i + 1 < r->nsegs) {
            if (!slash)
                return false;
            p = slash + 1;
        } else if (slash) {
            return false;
        }
    }
    return true;
}

static bool method_matches(const route *r, const char *method)
{
    return strcmp(r->method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0);
}

/* Appends a method to the Allow list unless it is there already or does
 * not fit (the list then names the methods that fit, in route order). */
static void allow_add(char *allow, size_t cap, const char *m)
{
    size_t mlen = strlen(m), used = strlen(allow);
    for (const char *p = allow; *p;) {
        const char *end = strstr(p, ", ");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == mlen && memcmp(p, m, mlen) == 0)
            return;
        p += len;
        if (*p)
            p += 2;
    }
    size_t need = used ? mlen + 2 : mlen;
    if (used + need + 1 > cap)
        return;
    if (used) {
        memcpy(allow + used, ", ", 2);
        used += 2;
    }
    memcpy(allow + used, m, mlen + 1);
}

int mg_http_router_match(const mg_router *rt, mg_http_request *req, mg_http_handler *fn,
                         void **ctx, char *allow, size_t allow_cap)
{
    span caps[MG_HTTP_MAX_PATH_PARAMS];
    size_t ncaps;
    bool path_known = false;
    if (allow_cap)
        allow[0] = '\0';
    for (size_t i = 0; i < rt->n; i++) {
        const route *r = &rt->routes[i];
        if (!match(r, req->path, caps, &ncaps))
            continue;
        if (!method_matches(r, req->method)) {
            path_known = true;
            if (allow_cap) {
                allow_add(allow, allow_cap, r->method);
                /* A GET route answers HEAD too, so Allow says so. */
                if (strcmp(r->method, "GET") == 0)
                    allow_add(allow, allow_cap, "HEAD");
            }
            continue;
        }
        req->npath_params = 0;
        size_t k = 0;
        for (size_t s = 0; s < r->nsegs; s++) {
            if (!r->segs[s].suffix)
                continue;
            int rc = mg_http_request_add_path_param(req, r->segs[s].text, caps[k].p, caps[k].len);
            if (rc)
                return rc;
            k++;
        }
        *fn = r->fn;
        *ctx = r->ctx;
        return MG_OK;
    }
    return path_known ? MG_EINVAL : MG_ENOTFOUND;
}
