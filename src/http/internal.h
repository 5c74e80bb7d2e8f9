/*
 * Internal to src/http: the request object and the steps of dispatching a
 * request, shared by the server (server.c) and mg_http_dispatch
 * (response.c) so that both run the very same code, the network aside.
 */
#ifndef MG_HTTP_INTERNAL_H
#define MG_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "http/http.h"

/* Request headers kept per request. libmicrohttpd's per-connection memory
 * limit already bounds their bytes; this bounds their count. */
#define MG_HTTP_MAX_HEADERS 100u
/* Path parameters per route pattern, and segments per pattern. */
#define MG_HTTP_MAX_PATH_PARAMS 16u
#define MG_HTTP_MAX_SEGMENTS 64u
/* Longest method token accepted ("OPTIONS" is 7). */
#define MG_HTTP_MAX_METHOD 32u

typedef struct mg_http_kv {
    const char *name;
    const char *value;
} mg_http_kv;

typedef struct mg_http_chunk mg_http_chunk;

/*
 * One request. Every string it hands out lives in its arena (a list of
 * chunks) and is released at once by mg_http_request_free, as h2o's
 * per-request pool. The body is either copied into the arena or borrowed
 * from the server's upload buffer, which outlives the request.
 */
struct mg_http_request {
    mg_http_chunk *arena;
    const char *method;
    const char *target; /* raw request target as received, NUL-terminated */
    size_t target_len;
    const char *path;   /* percent-decoded path; NULL until parsed */
    const char *query;  /* raw query string (after '?'), NULL when none */
    size_t query_len;
    bool api;           /* path under /api/: errors are JSON */
    bool bad_method;    /* method is not an HTTP token */
    bool bad_header;    /* a header was not UTF-8 or its name not a token */
    bool body_too_large;
    bool head_too_large; /* past MG_HTTP_MAX_HEAD bytes or MG_HTTP_MAX_HEADERS fields */
    bool oom;           /* building the request ran out of memory */
    mg_http_kv params[MG_HTTP_MAX_PARAMS]; /* query pairs, then form pairs */
    size_t nquery, nform;
    mg_http_kv path_params[MG_HTTP_MAX_PATH_PARAMS];
    size_t npath_params;
    mg_http_kv headers[MG_HTTP_MAX_HEADERS];
    size_t nheaders;
    const char *body;
    size_t body_len;
    const char *client; /* client address (text), NULL when unknown */
    char id[24];        /* request id: a per-process random prefix and a counter */
};

/* --- request.c ----------------------------------------------------------- */

void mg_http_request_init(mg_http_request *r);
void mg_http_request_free(mg_http_request *r);

/* A NUL-terminated copy of s[0..len) in the request's arena (NULL when out
 * of memory). */
char *mg_http_request_strndup(mg_http_request *r, const char *s, size_t len);

/* Records the method and the raw target (copied). Flags a method that is not
 * an HTTP token; the target is checked later by mg_http_request_parse_path.
 * MG_ENOMEM. */
int mg_http_request_set_line(mg_http_request *r, const char *method, const char *target);

/* Adds a request header (copied). A header that is not UTF-8 sets
 * bad_header (400); one past MG_HTTP_MAX_HEADERS sets head_too_large (431). */
int mg_http_request_add_header(mg_http_request *r, const char *name, const char *value);

/* Sets the body: copied into the arena when `copy` (callers whose bytes are
 * not NUL-terminated), else borrowed (it must be NUL-terminated and outlive
 * the request). A zero length leaves the body absent. MG_ENOMEM. */
int mg_http_request_set_body(mg_http_request *r, const char *body, size_t len, bool copy);

/*
 * The French message of a request whose body length two servers could read
 * differently — Content-Length given more than once, Transfer-Encoding more
 * than once, or both — from the number of each header; NULL when there is
 * none of that. The server answers such a request before reading its body
 * and closes the connection.
 */
const char *mg_http_framing_error(size_t content_lengths, size_t transfer_encodings);

/* mg_http_framing_error over the request's headers. */
const char *mg_http_request_framing_error(const mg_http_request *r);

/* Splits the target into path and query and percent-decodes the path.
 * MG_EPARSE or MG_EUTF8 with a French message for a 400 in msg, MG_ENOMEM. */
int mg_http_request_parse_path(mg_http_request *r, char *msg, size_t cap);

/* Decodes the query pairs and, for an application/x-www-form-urlencoded
 * body, the form pairs. MG_EPARSE / MG_EUTF8 / MG_ELIMIT with a French
 * message for a 400 in msg, MG_ENOMEM. */
int mg_http_request_parse_params(mg_http_request *r, char *msg, size_t cap);

/* multipart.c: the text fields of a multipart/form-data body as form
 * pairs (mg_http_form), the files left for mg_http_upload. MG_EPARSE /
 * MG_EUTF8 / MG_ELIMIT with a French message for a 400, MG_ENOMEM. */
int mg_http_request_parse_multipart(mg_http_request *r, char *msg, size_t cap);
/* Records a captured path parameter (copied). MG_ELIMIT, MG_ENOMEM. */
int mg_http_request_add_path_param(mg_http_request *r, const char *name,
                                   const char *value, size_t len);

/* --- guard.c: admission and request deadline (see the file's comment) --- */

typedef struct mg_http_guard mg_http_guard;
typedef struct mg_http_guard_conn mg_http_guard_conn;

/* Starts the guard and its reaper thread: at most `limit` connections,
 * `per_address` from one client address (0: no such limit), `deadline_s`
 * seconds to receive each request. MG_ENOMEM. */
int mg_http_guard_new(mg_http_guard **out, unsigned limit, unsigned per_address,
                      unsigned deadline_s) MG_WARN_UNUSED;

/* Stops the reaper and frees the guard; only once every connection is closed. */
void mg_http_guard_free(mg_http_guard *g);

/* Admits a connection just accepted (socket fd, client address as 16
 * bytes, IPv4 mapped): counts it and puts it on the clock. NULL when a
 * limit is reached (or out of memory): the caller closes the socket. */
mg_http_guard_conn *mg_http_guard_admit(mg_http_guard *g, int fd, const unsigned char addr[16]);

/* The connection is about to be given to libmicrohttpd: off the clock
 * until mg_http_guard_claim, keeping the time it has already had. */
void mg_http_guard_hand_off(mg_http_guard *g, mg_http_guard_conn *c);

/* libmicrohttpd has started the connection on socket fd: its record, back
 * on the clock; NULL when none was handed off for fd. */
mg_http_guard_conn *mg_http_guard_claim(mg_http_guard *g, int fd);

/* The whole request has been received: off the clock. NULL is ignored. */
void mg_http_guard_received(mg_http_guard *g, mg_http_guard_conn *c);

/* A request has completed: the clock restarts for the next one on the same
 * connection. NULL is ignored. */
void mg_http_guard_next(mg_http_guard *g, mg_http_guard_conn *c);

/* The connection is closing (before its socket is closed): gives back its
 * slots, forgets it and frees c. NULL is ignored. */
void mg_http_guard_closed(mg_http_guard *g, mg_http_guard_conn *c);

/* --- server.c: what the pre-reader shares with it -------------------------- */

/* The client address of sa as 16 bytes (IPv4 as ::ffff:a.b.c.d); false
 * for another family. */
bool mg_http_ip_of_sockaddr(const struct sockaddr *sa, unsigned char out[16]);

/* The client address to log for a request from peer: the proxy's
 * X-Forwarded-For among r's headers when peer is the trusted proxy, else
 * the peer. False when it cannot be told. */
bool mg_http_client_text(const mg_http_server *s, const struct sockaddr_storage *peer,
                         const mg_http_request *r, char out[64]);

/* --- prefilter.c: acceptor and pre-reader (see the file's comment) ------- */

typedef struct mg_http_prefilter mg_http_prefilter;

typedef struct mg_http_prefilter_config {
    mg_http_server *server;
    mg_http_guard *guard;
    int listen_fd;    /* non-blocking, borrowed */
    FILE *access_log; /* NULL for none */
    /* Gives a connection to libmicrohttpd; false when it refused it (and
     * closed the socket). */
    bool (*hand_off)(mg_http_server *s, int fd, const struct sockaddr_storage *addr,
                     socklen_t len);
} mg_http_prefilter_config;

/* Starts the thread that accepts, admits and pre-reads. MG_ENOMEM. */
int mg_http_prefilter_start(mg_http_prefilter **out, const mg_http_prefilter_config *cfg)
    MG_WARN_UNUSED;

/* Stops the thread and closes the connections it still holds. */
void mg_http_prefilter_stop(mg_http_prefilter *p);

/* --- router.c ------------------------------------------------------------ */

/*
 * Finds the route for r->method and r->path. On success sets *fn and *ctx
 * and records the path parameters in r. MG_ENOTFOUND when no pattern matches
 * the path (404); MG_EINVAL when some do but with other methods (405), with
 * the methods they accept written to allow ("GET, HEAD, POST"); MG_ENOMEM.
 */
int mg_http_router_match(const mg_router *rt, mg_http_request *r, mg_http_handler *fn,
                         void **ctx, char *allow, size_t allow_cap);

/* --- response.c ---------------------------------------------------------- */

/*
 * The checks every request goes through before routing: URL length (414),
 * body size (413), headers and method (400), path encoding (400). Returns
 * true when res now holds the final (error) response.
 */
bool mg_http_dispatch_begin(mg_http_request *r, mg_http_response *res);

/* Routing (404, 405), parameters (400) and the handler (its response, or a
 * 500 when it fails). */
void mg_http_dispatch_route(mg_router *rt, mg_http_request *r, mg_http_response *res);

/* --- origin.c: Host, Origin and Referer checks --------------------------- */

#define MG_HTTP_MAX_HOSTS 16

/* The names (host[:port], lower case) the server answers to; `any` when it
 * cannot know them (bound to every interface without a public URL). */
typedef struct mg_http_hosts {
    char name[MG_HTTP_MAX_HOSTS][256];
    size_t n;
    bool any;
} mg_http_hosts;

/* Adds a name, or both spellings of a URL's host (with and without its
 * default port). MG_EINVAL, MG_ELIMIT. */
int mg_http_hosts_add(mg_http_hosts *h, const char *name);
int mg_http_hosts_add_url(mg_http_hosts *h, const char *url);
bool mg_http_host_allowed(const mg_http_hosts *h, const char *host);

/* True for the methods that change state (all but GET, HEAD, OPTIONS). */

/*
 * 0 when the request may go on; else the status to answer, with its French
 * message in msg: 400 without a Host header, 421 for a Host the server does
 * not answer to, 403 for a state-changing request whose Origin (or, without
 * one, Referer) is another site.
 */
int mg_http_check_origin(const mg_http_hosts *h, const mg_http_request *r, char *msg, size_t cap);

#endif
