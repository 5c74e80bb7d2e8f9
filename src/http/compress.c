/*
 * gzip for the answers that may be compressed (mg_http_compress): the
 * public pages carry inline SVG maps of several hundred kilobytes, which
 * gzip makes five to ten times smaller. zlib does the compression;
 * libmicrohttpd does not compress by itself.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "http/http.h"

/* Below this a compressed answer saves less than its headers cost. */
#define MIN_BYTES 1024u

/* Whether the Accept-Encoding value accepts gzip: a "gzip" (or "x-gzip")
 * coding whose q, when given, is not zero. "*" is not taken as gzip. */
static bool accepts_gzip(const char *v)
{
    while (v && *v) {
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        const char *name = v;
        while (*v && *v != ',' && *v != ';' && *v != ' ' && *v != '\t')
            v++;
        size_t len = (size_t)(v - name);
        bool gzip = (len == 4 && strncasecmp(name, "gzip", 4) == 0) ||
                    (len == 6 && strncasecmp(name, "x-gzip", 6) == 0);
        bool q0 = false;
        while (*v && *v != ',') {
            if (*v == ';') {
                v++;
                while (*v == ' ' || *v == '\t')
                    v++;
                if ((*v == 'q' || *v == 'Q') && v[1] == '=') {
                    const char *q = v + 2;
                    /* q=0, q=0.0, q=0.00, q=0.000 */
                    q0 = *q == '0';
                    for (q++; q0 && *q == '.'; q++)
                        ;
                    while (q0 && *q == '0')
                        q++;
                    if (q0 && *q >= '1' && *q <= '9')
                        q0 = false;
                }
                continue;
            }
            v++;
        }
        if (gzip)
            return !q0;
    }
    return false;
}

static bool textual(const char *type)
{
    static const char *const kinds[] = {"text/", "image/svg+xml", "application/json",
                                        "application/geo+json", "application/javascript",
                                        "application/xml", "application/problem+json"};
    if (!type)
        return true; /* the default, HTML */
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        if (strncmp(type, kinds[k], strlen(kinds[k])) == 0)
            return true;
    return false;
}

int mg_http_compress(const mg_http_request *r, mg_http_response *res)
{
    size_t len = res->body.len;
    if (!res->compressible || res->gzipped || res->status != 200 || len < MIN_BYTES ||
        !textual(res->content_type) || !accepts_gzip(mg_http_header(r, "Accept-Encoding")))
        return MG_OK;
    z_stream z = {0};
    /* 15 + 16: a gzip header and trailer; level 6, zlib's default balance. */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return MG_ENOMEM;
    uLong bound = deflateBound(&z, (uLong)len);
    unsigned char *out = malloc(bound);
    if (!out) {
        deflateEnd(&z);
        return MG_ENOMEM;
    }
    z.next_in = (Bytef *)res->body.data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)bound;
    int zr = deflate(&z, Z_FINISH);
    size_t got = (size_t)z.total_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END || got >= len) {
        free(out);
        return MG_OK;
    }
    /* Smaller than the body: it fits in the body's own memory. */
    memcpy(res->body.data, out, got);
    res->body.data[got] = '\0';
    res->body.len = got;
    free(out);
    res->gzipped = true;
    return MG_OK;
}
