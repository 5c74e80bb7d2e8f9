/**
 * @file http.h
 * The HTTP layer: a server over libmicrohttpd with its connection, memory
 * and timeout limits, a small router with path parameters, request
 * accessors (path, query string, urlencoded form, JSON body) and responses
 * with security headers. Handlers never see libmicrohttpd.
 *
 * Ownership: the server owns requests; a handler fills the response it is
 * given (its body buffer is freed by the server after sending).
 * Thread-safety: handlers may run concurrently on the server's threads.
 */
#ifndef MG_HTTP_HTTP_H
#define MG_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/error.h"

/* Limits (see also core/limits.h). */
#define MG_HTTP_MAX_BODY (1024u * 1024u)       /* larger bodies: 413 */
#define MG_HTTP_MAX_URL 8192u                  /* longer URLs: 414 */
/* The request head (request line and header fields, as received): larger
 * ones are 431. Kept well below the connection's memory (memory_limit,
 * 256 KiB by default), past which libmicrohttpd answers on its own. */
#define MG_HTTP_MAX_HEAD (64u * 1024u)
#define MG_HTTP_MAX_PARAMS 64u                 /* query + form pairs */
#define MG_HTTP_MAX_RESPONSE (64u * 1024u * 1024u)

typedef struct mg_http_request mg_http_request;

typedef struct mg_http_response {
    int status;               /* default 200 */
    const char *content_type; /* static string; default "text/html; charset=utf-8" */
    mg_buf body;              /* max MG_HTTP_MAX_RESPONSE */
    char location[512];       /* for 303 redirects, "" otherwise */
    char disposition[256];    /* Content-Disposition, "" for none */
    char cache[64];           /* Cache-Control, default "no-store" */
    char allow[128];          /* Allow, set with a 405 by the router; "" otherwise */
    unsigned retry_after;     /* seconds, sent as Retry-After with a 503 or 429; 0 for none;
                                 set with mg_http_retry_after past 10 s */
    char retry_text[16];      /* Retry-After's value when set by mg_http_retry_after */
    char set_cookie[2][400];  /* Set-Cookie values, set with mg_http_set_cookie */
    char request_id[24];      /* sent as X-Request-Id; shown on error pages */
    bool close;               /* sent with Connection: close, and the connection closed
                                 after it (a request whose framing is ambiguous) */
    /* The body holds nothing secret (no form token, no account's data), so
     * it may be sent gzip-compressed (mg_http_compress): compressing a
     * secret beside text the request chose would let an observer of sizes
     * guess the secret (BREACH). Set by the web layer for a visitor's
     * answers without form token, and by a handler whose answer is the same
     * public bytes for everyone (a script); gzipped by the server when it
     * compressed the body. */
    bool compressible;
    bool gzipped;
    /* For the access log (mg_http_log_request): the account that asked (0
     * for none), and what went wrong, for operators, with a 5xx. */
    int64_t account_id;
    char log_detail[1024];
} mg_http_response;

/**
 * Compresses res's body with gzip in place when res->compressible, the
 * request accepts gzip (Accept-Encoding, a q of 0 refusing it), the status
 * is 200, the body is at least 1 KiB of a textual type (HTML, CSS,
 * JavaScript, SVG, JSON, GeoJSON, CSV, XML) and compression makes it
 * smaller; then sets res->gzipped (Content-Encoding: gzip). Vary:
 * Accept-Encoding is sent with every compressible answer. MG_ENOMEM leaves
 * the body as it was. The server calls it before sending.
 */
int mg_http_compress(const mg_http_request *r, mg_http_response *res);

/** A handler returns 0 having filled res; a negative code means 500. */
typedef int (*mg_http_handler)(void *ctx, const mg_http_request *req, mg_http_response *res);

/* --- Request accessors (all strings NUL-terminated, valid UTF-8, owned by
 * the request; NULL when absent). --------------------------------------- */

const char *mg_http_method(const mg_http_request *r);  /* "GET", "POST", … */
const char *mg_http_path(const mg_http_request *r);    /* percent-decoded, no query */

/** Query-string parameter (first occurrence), percent-decoded. */
const char *mg_http_query(const mg_http_request *r, const char *name);

/** Form parameter of an application/x-www-form-urlencoded body. */
const char *mg_http_form(const mg_http_request *r, const char *name);

/** Form parameter if present, else query parameter. */
const char *mg_http_param(const mg_http_request *r, const char *name);

/** Path parameter captured by the route pattern ("{code}"). */
const char *mg_http_path_param(const mg_http_request *r, const char *name);

/** Request header (case-insensitive name). */
const char *mg_http_header(const mg_http_request *r, const char *name);

/** The request's id ("1a2b3c4d-00002a"), as in the access log. */
const char *mg_http_request_id(const mg_http_request *r);

/**
 * Memory for the time of the request, from its arena: released in one call
 * with the request, after the response (NULL when out of memory). For a
 * handler's scratch text, so that it frees nothing itself.
 */
void *mg_http_alloc(const mg_http_request *r, size_t n);
char *mg_http_strdup(const mg_http_request *r, const char *s);

/** Whether the request's Content-Type is `type` (case aside), with or
 * without parameters ("application/json; charset=utf-8"). */
bool mg_http_content_type_is(const mg_http_request *r, const char *type);

/** Raw body (NULL, 0 when none). */
const char *mg_http_body(const mg_http_request *r, size_t *len);

/* --- multipart/form-data (multipart.c) -------------------------------------
 *
 * Forms with a file field are sent as multipart/form-data; their bodies
 * may be up to MG_HTTP_MAX_UPLOAD_BODY (a 10 MiB document and the form's
 * other fields), every other body MG_HTTP_MAX_BODY. Their text fields are
 * read with mg_http_form like those of an urlencoded form (the CSRF token
 * among them); their files with mg_http_upload. */
#define MG_HTTP_MAX_UPLOAD_BODY (12u * 1024u * 1024u) /* multipart bodies: larger: 413 */
#define MG_HTTP_PART_NAME_MAX 255u                   /* a field's or file's name, characters */

/** The largest body accepted with Content-Type `content_type` (NULL: none):
 * MG_HTTP_MAX_UPLOAD_BODY for multipart/form-data, else MG_HTTP_MAX_BODY. */
size_t mg_http_body_limit(const char *content_type);

/**
 * The file sent in field `name` of a multipart/form-data request: *data
 * and *len its bytes (borrowed from the request's body: valid as long as
 * the request; may hold NUL bytes; len 0 for an empty file), *filename
 * (may be NULL) the name the browser gave, UTF-8 (Windows-1252 converted),
 * its last path segment only, "" when the person chose no file. Returns 0,
 * MG_ENOTFOUND when the request is not multipart or has no file field
 * `name`, MG_EPARSE for a malformed body (the server has already refused
 * one with a 400 before the handler), MG_ENOMEM.
 */
int mg_http_upload(const mg_http_request *r, const char *name, const char **data, size_t *len,
                   const char **filename) MG_WARN_UNUSED;

/** One part of a multipart/form-data body, as mg_http_multipart_parse
 * gives it: data is a slice of the body. */
typedef struct mg_http_part {
    char name[MG_HTTP_PART_NAME_MAX * 4 + 1];     /* the field's name */
    char filename[MG_HTTP_PART_NAME_MAX * 4 + 1]; /* file fields: UTF-8, last segment */
    bool is_file;                                 /* had a filename parameter */
    char content_type[128];                       /* "" when not given */
    const char *data;
    size_t len;
} mg_http_part;

/** Called for each part in order; a non-zero return stops the parse and
 * is returned (with a French message in msg when the callback wrote one). */
typedef int (*mg_http_part_fn)(void *ctx, const mg_http_part *part);

/**
 * Parses a multipart/form-data body whose Content-Type is `content_type`
 * (its boundary parameter), calling fn (may be NULL: only checks) for each
 * part. 0, or MG_EPARSE (no boundary, a part without form-data
 * disposition or name, headers too long, the body cut before the close
 * delimiter), MG_EUTF8 (a field name not UTF-8), MG_ELIMIT (more than
 * MG_HTTP_MAX_PARAMS parts), with a French message for a 400 in msg.
 */
int mg_http_multipart_parse(const char *content_type, const char *body, size_t len,
                            mg_http_part_fn fn, void *ctx, char *msg, size_t cap) MG_WARN_UNUSED;

/**
 * The client's address as text ("203.0.113.7", "2001:db8::1"): the peer of
 * the connection, or, when the peer is the configured trusted proxy and the
 * request has an X-Forwarded-For header, the last address of that header
 * (the one the proxy added). NULL without a network (mg_http_dispatch).
 */
const char *mg_http_client_address(const mg_http_request *r);

/**
 * True when the client prefers JSON: the path is /api or under /api/, or the
 * Accept header names application/json with a higher quality than text/html
 * (wildcards do not count, so a browser is never taken for a JSON client).
 */
bool mg_http_wants_json(const mg_http_request *r);

/* --- Responses. ---------------------------------------------------------- */

/**
 * An error response: when mg_http_wants_json(r) (so for /api/ paths) a JSON
 * body {"error": {"status": N, "message": "…"}}; otherwise a small French
 * HTML page titled after the status ("Page introuvable") with the message
 * (escaped). `message_fr` is shown to people: French, no internal detail;
 * NULL shows the status title. `r` may be NULL (then HTML). Replaces any
 * body, Location and Content-Disposition already set; Cache-Control becomes
 * "no-store".
 */
void mg_http_error(const mg_http_request *r, mg_http_response *res, int status,
                   const char *message_fr);

/**
 * A 303 redirect to `location` (a path on this server). A location that is
 * not a local path ("/…", not "//…"), holds control characters or does not
 * fit res->location gives a 500 instead, so that no handler can be turned
 * into an open redirect or a header injection.
 */
void mg_http_redirect(mg_http_response *res, const char *location);

/* --- Router. ------------------------------------------------------------- */

typedef struct mg_router mg_router;

mg_router *mg_router_new(void);
void mg_router_free(mg_router *rt);

/**
 * Adds a route. `pattern` is a path whose segments may be "{name}" (one
 * segment captured as path parameter `name`) and whose last segment may end
 * with a literal suffix after the parameter ("{code}.svg"). Routes are tried
 * in order of addition; a GET route also answers HEAD (without the body). A
 * parameter never captures an empty text, "." or "..". The router copies
 * method and pattern; ctx is borrowed. MG_ELIMIT beyond MG_ROUTER_MAX_ROUTES
 * routes (or 16 parameters, 64 segments in a pattern); MG_EINVAL for a method that is not
 * an HTTP token or a pattern that is not "/…" with well-formed "{name}"
 * segments (name: letters, digits, '_'); MG_ENOMEM.
 */
int mg_router_add(mg_router *rt, const char *method, const char *pattern,
                  mg_http_handler fn, void *ctx) MG_WARN_UNUSED;

/** The most routes a router holds (the application registers ~300). */
#define MG_ROUTER_MAX_ROUTES 384u

/* --- Server. ------------------------------------------------------------- */

/* Connections at most, whatever the open-file limit allows. */
#define MG_HTTP_MAX_CONNECTIONS 65536u
/* The default connection limit when the open-file limit allows it: enough
 * for hundreds of browsers (each opens up to six connections) while the
 * connections' memory stays bounded (memory_limit each). */
#define MG_HTTP_DEFAULT_CONNECTIONS 2048u
/* Files the process keeps open besides the connections (database, data,
 * standard streams, the listening socket, libraries), and per thread. */
#define MG_HTTP_FD_RESERVE 64u
#define MG_HTTP_FD_RESERVE_PER_THREAD 4u

/* Zero fields (and a NULL address) take the defaults below, except the
 * port, for which 0 means any free port. */
typedef struct mg_http_config {
    const char *address;        /* default "127.0.0.1" */
    unsigned port;              /* default 8080; 0 = any free port */
    unsigned threads;           /* default 2 (thread pool size) */
    /* Connections at once, for the whole server; past it a new connection
     * is closed at once. Default: MG_HTTP_DEFAULT_CONNECTIONS, or fewer when
     * the open-file limit only allows fewer (mg_http_fd_connections). */
    unsigned connection_limit;
    /* Connections at once from one client address (the peer of the TCP
     * connection); past it the address's new connections are closed at
     * once. Default 32; a value >= connection_limit turns it off. Not
     * applied when trusted_proxy is set: then every connection comes from
     * the proxy, which must enforce it (docs/deployment.md). */
    unsigned per_address_limit;
    /* Seconds to receive a whole request, head and body, from the moment
     * the connection is accepted or its previous request completed (so also
     * how long a kept-alive connection may wait for its next request);
     * not restarted by each byte. Default 20. */
    unsigned request_deadline;
    unsigned connection_timeout;/* idle seconds (each byte restarts it), default 30 */
    size_t memory_limit;        /* per connection, default 256 KiB, at least 96 KiB */
    const char *static_dir;     /* served under /static/ (NULL: none) */
    /* The reverse proxy's address (IPv4 or IPv6 literal), NULL for none:
     * only for connections from it is X-Forwarded-For believed
     * (mg_http_client_address). */
    const char *trusted_proxy;
    /* Where to write one line per request (mg_http_log_request); NULL for
     * no access log. Borrowed: it must outlive the server. */
    FILE *access_log;
    /* The URLs people use to reach the server ("https://sante.example.fr"),
     * NULL-terminated, or NULL: a request whose Host is none of them, nor
     * the listening address with its port (or localhost when on loopback),
     * is refused (421), and so is a state-changing request sent from a page
     * of another site (403, Origin or Referer). Bound to every interface
     * without any, the server cannot know its names and checks only that
     * Origin matches Host. Borrowed. */
    const char *const *public_urls;
} mg_http_config;

mg_http_config mg_http_config_defaults(void);

/**
 * Writes the access-log line of a request to f, in one write so that lines
 * of concurrent requests never mix:
 *   2026-12-05T00:40:00Z 1a2b3c4d-00002a 127.0.0.1 GET /territoire?profession=&mesure= 200 3.2ms account=-
 * The query keeps its names but not its values (they may hold what people
 * typed); a 5xx adds error="…" with res->log_detail. Time in UTC.
 */
void mg_http_log_request(FILE *f, const mg_http_request *r, const mg_http_response *res,
                         double ms);

/**
 * Raises the soft limit on open files (RLIMIT_NOFILE) to the hard limit, so
 * that as many connections as the system allows fit; the new soft limit
 * goes to *nofile (may be NULL). Call once at start, before threads open
 * files. MG_EIO (with errno's message in d) when the limit cannot be read;
 * a refused raise is not an error (the current limit is kept and given).
 */
int mg_http_raise_fd_limit(unsigned long *nofile, mg_diag *d) MG_WARN_UNUSED;

/**
 * The connections that fit in `nofile` open files with `threads` worker
 * threads: each connection may hold its socket and a static file, and
 * MG_HTTP_FD_RESERVE + threads * MG_HTTP_FD_RESERVE_PER_THREAD files are
 * left for the rest. 0 when nothing fits.
 */
unsigned mg_http_fd_connections(unsigned long nofile, unsigned threads);

typedef struct mg_http_server mg_http_server;

/**
 * Starts serving `rt` (borrowed; must outlive the server) in background
 * threads. Unknown path: 404; path known with another method: 405 with
 * Allow; body over MG_HTTP_MAX_BODY: 413; URL too long: 414; malformed
 * query/form encoding or invalid UTF-8: 400 — all French pages (or JSON
 * errors under /api/). Every response carries the security headers
 * (Content-Security-Policy, X-Content-Type-Options, X-Frame-Options,
 * Referrer-Policy). *port_out (may be NULL) receives the bound port.
 * Request heads over MG_HTTP_MAX_HEAD or MG_HTTP_MAX_HEADERS fields: 431;
 * a Content-Length given twice, or with Transfer-Encoding: 400 and the
 * connection closed (two servers could frame it differently).
 * Files under cfg->static_dir are served at /static/… (GET and HEAD only,
 * regular files only, no "." / ".." / hidden segments, symbolic links not
 * followed) with Cache-Control "public, max-age=3600". `address` is an IPv4
 * or IPv6 literal ("::1" or "[::1]"). Requests arriving while memory runs
 * out get a 503. What libmicrohttpd refuses before calling the server escapes
 * the French pages: it answers with its own short English page, without our
 * headers, and closes the connection — an HTTP version other than 1.x (505),
 * a malformed request line or header line (400), a Content-Length that is
 * not a number (400) or past 2^64 (413), a request line or head that does
 * not fit in cfg->memory_limit (414 or 431); docs/security.md. Returns
 * MG_EINVAL (bad setting), MG_ENOTFOUND (no static folder) or MG_EIO
 * (cannot listen), with a message in d.
 */
int mg_http_start(mg_http_server **out, const mg_http_config *cfg, mg_router *rt,
                  unsigned *port_out, mg_diag *d) MG_WARN_UNUSED;

void mg_http_stop(mg_http_server *s);

/**
 * Runs one request through the router without a network: for handler tests
 * and the request fuzz target. `target` is the request target ("/path?q=1"),
 * `content_type` and `body` may be NULL. Initialises res and fills it
 * exactly as the server would, the static files aside (res must be released
 * with mg_http_response_free); for HEAD the body is dropped. Returns
 * MG_EINVAL for NULL arguments, MG_ENOMEM when the request could not be
 * built; a malformed request is not an error but a 4xx response.
 */
int mg_http_dispatch(mg_router *rt, const char *method, const char *target,
                     const char *content_type, const char *body, size_t body_len,
                     mg_http_response *res) MG_WARN_UNUSED;

/** The same with request headers: `headers` is a NULL-terminated list of
 * name, value, name, value… (NULL for none), such as a Cookie. */
int mg_http_dispatch_with(mg_router *rt, const char *method, const char *target,
                          const char *const *headers, const char *content_type,
                          const char *body, size_t body_len,
                          mg_http_response *res) MG_WARN_UNUSED;

void mg_http_response_init(mg_http_response *res);

/** Whether a method changes state (anything but GET, HEAD and OPTIONS). */
bool mg_http_unsafe_method(const char *method);

/** Sets Retry-After (any number of seconds; sent with a 503 or a 429). */
void mg_http_retry_after(mg_http_response *res, unsigned seconds);

/**
 * Adds a Set-Cookie header (at most two per response): name=value, for
 * the whole site (Path=/), HttpOnly, SameSite=Lax, Secure when `secure`
 * (served over HTTPS); max_age seconds > 0 for a lasting cookie, 0 for one
 * that ends with the browser, < 0 to delete it. Name and value must be
 * cookie tokens (letters, digits, '-', '_'); MG_EINVAL otherwise, or when
 * two are already set.
 */
int mg_http_set_cookie(mg_http_response *res, const char *name, const char *value,
                       long max_age, bool secure) MG_WARN_UNUSED;
void mg_http_response_free(mg_http_response *res);

/** A response header: name and value, static or pointing into the response. */
typedef struct mg_http_header_field {
    const char *name;
    const char *value;
} mg_http_header_field;

#define MG_HTTP_MAX_RESPONSE_HEADERS 17u

/**
 * The headers the server sends with res, Content-Length and Date aside:
 * the security headers (Content-Security-Policy, X-Content-Type-Options,
 * X-Frame-Options, Referrer-Policy), Content-Type, then Cache-Control,
 * Location, Content-Disposition, Allow, X-Request-Id, Set-Cookie,
 * Retry-After and Connection (close) when set. Fills out (room for
 * MG_HTTP_MAX_RESPONSE_HEADERS) and returns the count. The server builds its
 * responses from this list, so tests of mg_http_dispatch can check it.
 */
size_t mg_http_response_headers(const mg_http_response *res,
                                mg_http_header_field out[MG_HTTP_MAX_RESPONSE_HEADERS]);

#endif
