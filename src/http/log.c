/*
 * The access log: one line per request, for operators (docs/deployment.md).
 * The line is formatted whole into a local buffer and written with one
 * fwrite, which stdio locks, so that the lines of the worker threads never
 * interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/internal.h"

/* Appends printf output to out[*n..cap), *n never passing cap - 1. */
static void put_raw(char *out, size_t cap, size_t *n, const char *fmt, ...) MG_PRINTF(4, 5);
static void put_raw(char *out, size_t cap, size_t *n, const char *fmt, ...)
{
    if (*n + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out + *n, cap - *n, fmt, ap);
    va_end(ap);
    if (k > 0)
        *n = *n + (size_t)k < cap ? *n + (size_t)k : cap - 1;
}

/* Appends s to out[*n..cap) with control characters, quotes and
 * backslashes escaped, so that a log line stays one line and parseable. */
static void put_escaped(char *out, size_t cap, size_t *n, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p && *n + 5 < cap; p++) {
        if (*p < 0x20 || *p == 0x7F || *p == '"' || *p == '\\')
            put_raw(out, cap, n, "\\x%02x", *p);
        else
            out[(*n)++] = (char)*p;
    }
    out[*n] = '\0';
}

/* The path, then the query's names without their values ("?a=&b="). */
static void put_target(char *out, size_t cap, size_t *n, const mg_http_request *r)
{
    const char *path = r->path ? r->path : (r->target ? r->target : "-");
    size_t len = r->path ? strlen(path) : strcspn(path, "?");
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(len < sizeof tmp ? len : sizeof tmp - 1), path);
    put_escaped(out, cap, n, tmp);
    for (size_t i = 0; i < r->nquery && i < MG_HTTP_MAX_PARAMS; i++) {
        put_escaped(out, cap, n, i ? "&" : "?");
        put_escaped(out, cap, n, r->params[i].name ? r->params[i].name : "");
        put_escaped(out, cap, n, "=");
    }
}

void mg_http_log_request(FILE *f, const mg_http_request *r, const mg_http_response *res,
                         double ms)
{
    if (!f || !r || !res)
        return;
    char line[2048];
    size_t n = 0;
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    put_raw(line, sizeof line, &n, "%s %s ", r->id, r->client ? r->client : "-");
    put_escaped(line, sizeof line, &n, r->method ? r->method : "-");
    put_escaped(line, sizeof line, &n, " ");
    put_target(line, sizeof line, &n, r);
    put_raw(line, sizeof line, &n, " %d %.1fms account=", res->status, ms);
    if (res->account_id > 0)
        put_raw(line, sizeof line, &n, "%lld", (long long)res->account_id);
    else
        put_raw(line, sizeof line, &n, "-");
    if (res->status >= 500) {
        put_raw(line, sizeof line, &n, " error=\"");
        /* put_escaped escapes '"': the detail cannot close the quote. */
        put_escaped(line, sizeof line, &n, res->log_detail[0] ? res->log_detail : "-");
        put_raw(line, sizeof line, &n, "\"");
    }
    /* n < sizeof line - 1 always: room for the newline. */
    line[n++] = '\n';
    fwrite(line, 1, n, f);
    fflush(f);
}
