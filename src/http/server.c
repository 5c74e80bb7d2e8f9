/*
 * The libmicrohttpd adapter. libmicrohttpd parses HTTP and runs the
 * connections on its thread pool; everything else (the checks, decoding,
 * routing, error pages, headers) is the dispatch code mg_http_dispatch
 * runs, so that what tests see without a network is what clients get.
 *
 * The raw request target comes from the URI log callback, which
 * libmicrohttpd calls with the target exactly as received, before it
 * unescapes the path and splits the query itself: our own decoder, with its
 * validation, is the only one that counts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/alloc.h"
#include "http/internal.h"

/* How much of an oversized upload is read and thrown away so that the
 * client can still receive its 413; past this the connection is cut. */
#define MAX_DISCARD (8u * 1024u * 1024u)
/* The least memory a connection may have: a head of MG_HTTP_MAX_HEAD
 * bytes (libmicrohttpd keeps it whole) and room to write the answer. */
#define MIN_MEMORY_LIMIT (MG_HTTP_MAX_HEAD + 32u * 1024u)
#define STATIC_PREFIX "/static/"
#define STATIC_CACHE "public, max-age=3600"

/* An IP address, IPv4 ones (IPv4-mapped IPv6 included) as ::ffff:a.b.c.d,
 * so that a peer compares equal to the trusted proxy either way. */
typedef struct ip_addr {
    unsigned char b[16];
} ip_addr;

struct mg_http_server {
    struct MHD_Daemon *daemon;
    mg_router *rt;
    mg_http_guard *guard;
    int listen_fd;       /* ours, not libmicrohttpd's (prefilter.c accepts) */
    mg_http_prefilter *prefilter;
    int static_fd;       /* the static folder, opened once; -1 for none */
    bool has_proxy;      /* a trusted proxy is configured */
    ip_addr proxy;
    FILE *access_log;    /* borrowed; NULL for none */
    mg_http_hosts hosts; /* the names it answers to (origin.c) */
};

/* What the server keeps for one request between libmicrohttpd's calls. */
typedef struct conn_state {
    char *uri;           /* raw request target, NULL when it could not be copied */
    mg_buf body;         /* the upload, up to mg_http_body_limit of its type */
    bool started;        /* the first call of the access handler has happened */
    bool too_large;      /* the upload passed mg_http_body_limit */
    bool head_too_large; /* the head passed MG_HTTP_MAX_HEAD bytes */
    bool oom;            /* the upload could not be stored */
    size_t discarded;
} conn_state;

mg_http_config mg_http_config_defaults(void)
{
    return (mg_http_config){
        .address = "127.0.0.1",
        .port = 8080,
        .threads = 2,
        .connection_limit = 0, /* derived from the open-file limit at start */
        .per_address_limit = 32,
        .request_deadline = 20,
        .connection_timeout = 30,
        .memory_limit = 256u * 1024u,
        .static_dir = NULL,
        .trusted_proxy = NULL,
    };
}

/* --- Client addresses ----------------------------------------------------- */

/* Reads an IPv4 or IPv6 socket address; false for another family. */
static bool ip_of_sockaddr(const struct sockaddr *sa, ip_addr *out)
{
    if (!sa)
        return false;
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET) {
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(out->b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return true;
    }
    return false;
}

/* Parses an IPv4 or IPv6 literal (no brackets). */
static bool ip_parse(const char *text, ip_addr *out)
{
    struct in_addr a4;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, text, &a4) == 1) {
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, &a4, 4);
        return true;
    }
    return inet_pton(AF_INET6, text, out->b) == 1;
}

/* Writes the address as text: dotted quad for IPv4 (mapped or not). */
static void ip_format(const ip_addr *a, char out[INET6_ADDRSTRLEN])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a->b, mapped, sizeof mapped) == 0)
        inet_ntop(AF_INET, a->b + 12, out, INET6_ADDRSTRLEN);
    else
        inet_ntop(AF_INET6, a->b, out, INET6_ADDRSTRLEN);
}

/*
 * The last address of the last X-Forwarded-For header: the one the proxy
 * itself added (the earlier ones come from the client and prove nothing).
 * Copied into out; false when there is none or it is not an IP literal.
 */
static bool forwarded_for(const mg_http_request *r, char out[INET6_ADDRSTRLEN])
{
    const char *xff = NULL;
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, "X-Forwarded-For") == 0)
            xff = r->headers[i].value;
    if (!xff)
        return false;
    const char *start = strrchr(xff, ',');
    start = start ? start + 1 : xff;
    while (*start == ' ' || *start == '\t')
        start++;
    size_t n = strlen(start);
    while (n && (start[n - 1] == ' ' || start[n - 1] == '\t'))
        n--;
    char text[INET6_ADDRSTRLEN];
    if (n == 0 || n >= sizeof text)
        return false;
    memcpy(text, start, n);
    text[n] = '\0';
    ip_addr a;
    if (!ip_parse(text, &a))
        return false;
    ip_format(&a, out);
    return true;
}

bool mg_http_ip_of_sockaddr(const struct sockaddr *sa, unsigned char out[16])
{
    ip_addr a;
    if (!ip_of_sockaddr(sa, &a))
        return false;
    memcpy(out, a.b, sizeof a.b);
    return true;
}

/* The address to log for a request from sa (see mg_http_client_text). */
static bool client_text(const mg_http_server *s, const struct sockaddr *sa,
                        const mg_http_request *r, char out[INET6_ADDRSTRLEN])
{
    ip_addr peer;
    if (!ip_of_sockaddr(sa, &peer))
        return false;
    if (!(s->has_proxy && memcmp(&peer, &s->proxy, sizeof peer) == 0 && forwarded_for(r, out)))
        ip_format(&peer, out);
    return true;
}

bool mg_http_client_text(const mg_http_server *s, const struct sockaddr_storage *peer,
                         const mg_http_request *r, char out[64])
{
    return client_text(s, (const struct sockaddr *)peer, r, out);
}

/* Records in r the client address (mg_http_client_address). */
static void set_client(const mg_http_server *s, struct MHD_Connection *c, mg_http_request *r)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char text[INET6_ADDRSTRLEN];
    if (info && client_text(s, info->client_addr, r, text))
        r->client = mg_http_request_strndup(r, text, strlen(text));
}

/* --- Connections: admission and deadline (guard.c) ------------------------- */

static mg_http_guard_conn *guard_conn(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/*
 * Gives a connection the pre-reader has let through to libmicrohttpd
 * (MHD_add_connection wakes the chosen worker), which closes the socket
 * itself when it refuses it.
 */
static bool hand_to_mhd(mg_http_server *s, int fd, const struct sockaddr_storage *addr,
                        socklen_t len)
{
    return MHD_add_connection(s->daemon, fd, (const struct sockaddr *)addr, len) == MHD_YES;
}

/* The connection's fd, -1 when libmicrohttpd cannot tell. */
static int conn_fd(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? info->connect_fd : -1;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    const mg_http_server *s = cls;
    /* The record the pre-reader handed off with the socket (guard.c) is
     * found by the fd, which stays the connection's until it is closed. */
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = mg_http_guard_claim(s->guard, conn_fd(c));
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        /* Closed before it was started: its record is still handed off. */
        mg_http_guard_conn *g = *socket_context ? *socket_context
                                                : mg_http_guard_claim(s->guard, conn_fd(c));
        mg_http_guard_closed(s->guard, g);
        *socket_context = NULL;
    }
}

/* --- Per-request state ---------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    conn_state *st = mg_alloc_array(1, sizeof *st);
    if (!st)
        return NULL;
    st->uri = mg_strdup(uri);
    mg_buf_init(&st->body, (size_t)MG_HTTP_MAX_BODY + 1u);
    return st;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    const mg_http_server *s = cls;
    /* The next request on this connection has the deadline to arrive. */
    mg_http_guard_next(s->guard, guard_conn(c));
    conn_state *st = *req_cls;
    if (!st)
        return;
    free(st->uri);
    mg_buf_free(&st->body);
    free(st);
    *req_cls = NULL;
}

/* --- Responses ------------------------------------------------------------ */

/*
 * Turns res into a libmicrohttpd response: the body (handed over, or the
 * file fd when fd >= 0) and the headers of mg_http_response_headers. NULL
 * when libmicrohttpd refuses it, for instance a header value with a line
 * break that a handler put in Content-Disposition.
 */
static struct MHD_Response *to_mhd(mg_http_response *res, int fd, uint64_t fd_size)
{
    struct MHD_Response *mr;
    if (fd >= 0) {
        mr = MHD_create_response_from_fd64(fd_size, fd);
        if (!mr)
            close(fd);
    } else {
        size_t len = 0;
        char *data = mg_buf_take(&res->body, &len);
        if (data && len) {
            /* mg_buf allocates with realloc, so free() releases it. */
            mr = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
            if (!mr)
                free(data);
        } else {
            free(data);
            mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        }
    }
    if (!mr)
        return NULL;
    mg_http_header_field h[MG_HTTP_MAX_RESPONSE_HEADERS];
    size_t n = mg_http_response_headers(res, h);
    for (size_t i = 0; i < n; i++) {
        if (MHD_add_response_header(mr, h[i].name, h[i].value) != MHD_YES) {
            MHD_destroy_response(mr);
            return NULL;
        }
    }
    return mr;
}

static enum MHD_Result send_response(struct MHD_Connection *c, const mg_http_request *r,
                                     mg_http_response *res, int fd, uint64_t fd_size)
{
    /* Out of memory, the answer goes uncompressed. */
    if (fd < 0 && r)
        (void)mg_http_compress(r, res);
    struct MHD_Response *mr = to_mhd(res, fd, fd_size);
    if (!mr) {
        mg_http_error(r, res, 500, "Le serveur a rencontré une erreur. Réessayez plus tard.");
        mr = to_mhd(res, -1, 0);
        if (!mr)
            return MHD_NO;
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)res->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

/* --- Static files --------------------------------------------------------- */

static const char *content_type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".html", "text/html; charset=utf-8"},
        {".json", "application/json"},
        {".yaml", "application/yaml"},
    };
    const char *dot = strrchr(name, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/*
 * True when the part of the path after /static/ is a plain relative name:
 * non-empty segments that do not start with '.' (so no ".", "..", nor
 * hidden files) and no backslash.
 */
static bool safe_relative(const char *rel)
{
    if (!*rel)
        return false;
    for (const char *s = rel;;) {
        const char *slash = strchr(s, '/');
        size_t len = slash ? (size_t)(slash - s) : strlen(s);
        if (len == 0 || s[0] == '.' || memchr(s, '\\', len))
            return false;
        if (!slash)
            return true;
        s = slash + 1;
    }
}

/*
 * Opens the file a /static/ path names. Returns the fd (size in *size) or
 * -1 when there is no such regular file inside the folder. The path is
 * walked one segment at a time from the folder's descriptor with
 * O_NOFOLLOW, so no symbolic link is ever followed and nothing outside the
 * folder can be reached, whatever is renamed meanwhile; O_NONBLOCK keeps a
 * FIFO from blocking a server thread, and fstat keeps to regular files.
 */
static int open_static(const mg_http_server *s, const char *rel, uint64_t *size)
{
    if (!safe_relative(rel))
        return -1;
    int dir = s->static_fd;
    int fd = -1;
    for (const char *seg = rel;;) {
        const char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        char name[256];
        if (len >= sizeof name) {
            fd = -1;
            break;
        }
        memcpy(name, seg, len);
        name[len] = '\0';
        int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (slash ? O_DIRECTORY : O_NONBLOCK);
        fd = openat(dir, name, flags);
        if (dir != s->static_fd)
            close(dir);
        if (fd < 0 || !slash)
            break;
        dir = fd;
        seg = slash + 1;
    }
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

static bool is_static_path(const mg_http_server *s, const char *path)
{
    return s->static_fd >= 0 && strncmp(path, STATIC_PREFIX, sizeof STATIC_PREFIX - 1) == 0;
}

/* Answers a /static/ request: the file, or a 404 / 405 page in res. */
static enum MHD_Result serve_static(const mg_http_server *s, struct MHD_Connection *c,
                                    const mg_http_request *r, mg_http_response *res)
{
    const char *m = mg_http_method(r);
    if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
        memcpy(res->allow, "GET, HEAD", sizeof "GET, HEAD");
        mg_http_error(r, res, 405, "Les fichiers statiques ne se consultent qu'en lecture.");
        return send_response(c, r, res, -1, 0);
    }
    const char *rel = mg_http_path(r) + sizeof STATIC_PREFIX - 1;
    uint64_t size = 0;
    int fd = open_static(s, rel, &size);
    if (fd < 0) {
        mg_http_error(r, res, 404, "La page demandée n'existe pas.");
        return send_response(c, r, res, -1, 0);
    }
    res->status = 200;
    res->content_type = content_type_of(rel);
    memcpy(res->cache, STATIC_CACHE, sizeof STATIC_CACHE);
    return send_response(c, r, res, fd, size);
}

/* --- Access handler ------------------------------------------------------- */

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    mg_http_request *r = cls;
    if (mg_http_request_add_header(r, key, value ? value : "") != MG_OK)
        return MHD_NO;
    return MHD_YES;
}

/* True when the declared Content-Length exceeds the body limit of the
 * request's Content-Type (mg_http_body_limit: MG_HTTP_MAX_BODY, or
 * MG_HTTP_MAX_UPLOAD_BODY for multipart/form-data uploads), so that
 * the 413 goes out before the body is read. libmicrohttpd has already
 * rejected a malformed length (its own 400, or 413 past 2^64). */
static bool declared_too_large(struct MHD_Connection *c)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return false;
    unsigned long long v = 0;
    for (const char *p = cl; *p >= '0' && *p <= '9'; p++) {
        if (v > (ULLONG_MAX - 9u) / 10u)
            return true;
        v = v * 10u + (unsigned)(*p - '0');
    }
    return v > mg_http_body_limit(
                   MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE));
}

/* The request head's size in bytes, request line included, as
 * libmicrohttpd received it; 0 when it cannot tell. */
static size_t head_size(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    return info ? info->header_size : 0;
}

typedef struct header_count {
    size_t all, content_length, transfer_encoding;
} header_count;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    (void)value;
    header_count *n = cls;
    n->all++;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        n->content_length++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        n->transfer_encoding++;
    return MHD_YES;
}

/*
 * True when the request is refused whatever its body: a head too large, a
 * body length that is ambiguous (libmicrohttpd takes the first
 * Content-Length and lets Transfer-Encoding win over it, where another
 * server may not) or declared too large. It is then answered at once,
 * before libmicrohttpd reads a body it would frame its own way; respond()
 * and mg_http_dispatch_begin give the status and the page, from the same
 * rules (mg_http_framing_error).
 */
static bool refused_before_body(struct MHD_Connection *c, conn_state *st)
{
    header_count n = {0, 0, 0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &n);
    st->head_too_large = head_size(c) > MG_HTTP_MAX_HEAD;
    if (declared_too_large(c))
        st->too_large = true;
    /* The body buffer may grow to the limit of the request's type, known
     * only now that the head is read (a chunked upload has no length). */
    st->body.max = mg_http_body_limit(
                       MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE)) +
                   1u;
    return st->head_too_large || n.all > MG_HTTP_MAX_HEADERS ||
           mg_http_framing_error(n.content_length, n.transfer_encoding) || st->too_large;
}

/* Builds the request from what libmicrohttpd parsed and answers it. */
static enum MHD_Result respond(const mg_http_server *s, struct MHD_Connection *c,
                               conn_state *st, const char *method)
{
    mg_http_request r;
    mg_http_request_init(&r);
    mg_http_response res;
    mg_http_response_init(&res);
    if (mg_http_request_set_line(&r, method, st->uri) == MG_OK)
        MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, &r);
    set_client(s, c, &r);
    if (st->head_too_large)
        r.head_too_large = true;
    if (st->too_large)
        r.body_too_large = true;
    else if (st->oom)
        r.oom = true;
    else
        (void)mg_http_request_set_body(&r, st->body.data, st->body.len, false);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    enum MHD_Result ret;
    char msg[160];
    int refused = 0;
    if (mg_http_dispatch_begin(&r, &res)) {
        ret = send_response(c, &r, &res, -1, 0);
    } else if ((refused = mg_http_check_origin(&s->hosts, &r, msg, sizeof msg)) != 0) {
        mg_http_error(&r, &res, refused, msg);
        ret = send_response(c, &r, &res, -1, 0);
    } else if (is_static_path(s, mg_http_path(&r))) {
        ret = serve_static(s, c, &r, &res);
    } else {
        mg_http_dispatch_route(s->rt, &r, &res);
        ret = send_response(c, &r, &res, -1, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    mg_http_log_request(s->access_log, &r, &res,
                        (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    mg_http_response_free(&res);
    mg_http_request_free(&r);
    return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **req_cls)
{
    (void)url;
    (void)version;
    mg_http_server *s = cls;
    conn_state *st = *req_cls;
    /* Without its state (out of memory in on_uri) the request cannot even be
     * answered; closing the connection is what is left. */
    if (!st || !st->uri)
        return MHD_NO;
    if (!st->started) {
        st->started = true;
        if (refused_before_body(c, st))
            return respond(s, c, st, method);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!st->too_large && !st->oom) {
            int rc = mg_buf_append(&st->body, upload_data, *upload_data_size);
            if (rc == MG_ELIMIT)
                st->too_large = true;
            else if (rc != MG_OK)
                st->oom = true;
            if (rc != MG_OK)
                mg_buf_free(&st->body);
        } else {
            st->discarded += *upload_data_size;
            if (st->discarded > MAX_DISCARD)
                return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* The last call: the whole request is in, the deadline no longer applies. */
    mg_http_guard_received(s->guard, guard_conn(c));
    return respond(s, c, st, method);
}

/* --- Start and stop ------------------------------------------------------- */

/*
 * Opens the listening socket on ss (non-blocking, address reuse as
 * libmicrohttpd would set it, IPv6 only for an IPv6 address) and gives its
 * bound port. MG_EIO with errno's message.
 */
static int open_listener(const struct sockaddr_storage *ss, bool ipv6, int *fd_out,
                         unsigned *port, mg_diag *d, const char *address)
{
    int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot listen on %s: %s", address,
                           strerror(errno));
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    socklen_t len = ipv6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (ipv6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int err = errno;
        close(fd);
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot listen on %s port %u: %s", address,
                           *port, strerror(err));
    }
    struct sockaddr_storage bound;
    len = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &len) == 0)
        *port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                  : ((struct sockaddr_in *)&bound)->sin_port);
    *fd_out = fd;
    return MG_OK;
}

/* Stops and frees what mg_http_start set up, in the reverse order: the
 * acceptor and pre-reader (which closes the connections it holds), the
 * listening socket, the daemon (which notifies every connection closed),
 * then the guard. */
static void server_free(mg_http_server *s)
{
    mg_http_prefilter_stop(s->prefilter);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    mg_http_guard_free(s->guard);
    if (s->static_fd >= 0)
        close(s->static_fd);
    free(s);
}

/*
 * The names the server answers to (origin.c): its public URLs, and the
 * listening address with its port — with localhost when it listens on a
 * loopback address. Bound to every interface without a public URL, it
 * cannot know them: any Host goes, and writes must come from a page of
 * the same host.
 */
static int names_answered(mg_http_hosts *h, const mg_http_config *c, unsigned port, mg_diag *d)
{
    memset(h, 0, sizeof *h);
    for (size_t i = 0; c->public_urls && c->public_urls[i]; i++)
        if (mg_http_hosts_add_url(h, c->public_urls[i]) != MG_OK)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "public URL \"%s\": expected http(s)://host[:port] (at most %u)",
                               c->public_urls[i], MG_HTTP_MAX_HOSTS / 2);
    const char *a = c->address;
    bool wildcard = strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0 || strcmp(a, "[::]") == 0;
    if (wildcard) {
        h->any = h->n == 0;
        return MG_OK;
    }
    (void)port; /* names are compared without their port */
    char name[300];
    bool v6 = strchr(a, ':') != NULL && a[0] != '[';
    snprintf(name, sizeof name, v6 ? "[%s]" : "%s", a);
    int rc = mg_http_hosts_add(h, name);
    bool loopback = strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 || strcmp(a, "[::1]") == 0;
    if (rc == MG_OK && loopback)
        rc = mg_http_hosts_add(h, "localhost");
    if (rc != MG_OK)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "too many names to answer to");
    return MG_OK;
}

/* Parses an IPv4 or IPv6 literal ("[::1]" accepted) with the port. */
static int parse_address(const char *address, unsigned port, struct sockaddr_storage *ss,
                         bool *ipv6)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *ipv6 = false;
        return MG_OK;
    }
    char buf[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(address);
    if (n >= 2 && address[0] == '[' && address[n - 1] == ']') {
        address++;
        n -= 2;
    }
    if (n >= sizeof buf)
        return MG_EINVAL;
    memcpy(buf, address, n);
    buf[n] = '\0';
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET6, buf, &v6->sin6_addr) != 1)
        return MG_EINVAL;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    *ipv6 = true;
    return MG_OK;
}

int mg_http_raise_fd_limit(unsigned long *nofile, mg_diag *d)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot read the open-file limit: %s",
                           strerror(errno));
    if (rl.rlim_cur != rl.rlim_max) {
        struct rlimit want = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
        /* Refused (a hard limit of "unlimited" above the kernel's nr_open,
         * say): the current limit stays, and the connection limit is
         * derived from it. */
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl.rlim_cur = rl.rlim_max;
    }
    if (nofile)
        *nofile = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > ULONG_MAX
                      ? ULONG_MAX
                      : (unsigned long)rl.rlim_cur;
    return MG_OK;
}

unsigned mg_http_fd_connections(unsigned long nofile, unsigned threads)
{
    unsigned long reserve =
        MG_HTTP_FD_RESERVE + (unsigned long)threads * MG_HTTP_FD_RESERVE_PER_THREAD;
    if (nofile <= reserve)
        return 0;
    unsigned long n = (nofile - reserve) / 2u;
    return n > MG_HTTP_MAX_CONNECTIONS ? MG_HTTP_MAX_CONNECTIONS : (unsigned)n;
}

/* The open-file limit now in force (ULONG_MAX for none). */
static unsigned long current_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > ULONG_MAX)
        return ULONG_MAX;
    return (unsigned long)rl.rlim_cur;
}

/*
 * Fills in the connection limit (derived from the open-file limit when 0)
 * and checks that it fits: past the open-file limit, accept() would fail and
 * libmicrohttpd would stop accepting until one of its thread's connections
 * ends (its "at limit" state), which is the wedge this prevents.
 */
static int settle_connection_limit(mg_http_config *c, mg_diag *d)
{
    unsigned long nofile = current_fd_limit();
    unsigned fit = mg_http_fd_connections(nofile, c->threads);
    if (!c->connection_limit) {
        c->connection_limit = fit < MG_HTTP_DEFAULT_CONNECTIONS ? fit : MG_HTTP_DEFAULT_CONNECTIONS;
        if (!c->connection_limit)
            return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                               "the open-file limit (%lu) leaves no room for connections; "
                               "raise it (ulimit -n)", nofile);
        return MG_OK;
    }
    if (c->connection_limit > MG_HTTP_MAX_CONNECTIONS)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "connection limit %u: expected 1 to %u",
                           c->connection_limit, MG_HTTP_MAX_CONNECTIONS);
    if (c->connection_limit > fit)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "connection limit %u: the open-file limit (%lu) leaves room for "
                           "%u connections only; raise it (ulimit -n) or lower the limit",
                           c->connection_limit, nofile, fit);
    return MG_OK;
}

int mg_http_start(mg_http_server **out, const mg_http_config *cfg, mg_router *rt,
                  unsigned *port_out, mg_diag *d)
{
    if (!out || !rt)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "HTTP server: no router given");
    *out = NULL;
    mg_http_config def = mg_http_config_defaults();
    mg_http_config c = cfg ? *cfg : def;
    if (!c.address)
        c.address = def.address;
    if (!c.threads)
        c.threads = def.threads;
    if (!c.per_address_limit)
        c.per_address_limit = def.per_address_limit;
    if (!c.request_deadline)
        c.request_deadline = def.request_deadline;
    if (!c.connection_timeout)
        c.connection_timeout = def.connection_timeout;
    if (!c.memory_limit)
        c.memory_limit = def.memory_limit;
    if (c.port > 65535)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "port %u: expected 0 to 65535", c.port);
    if (c.threads > 256)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%u threads: expected 1 to 256", c.threads);
    int rc = settle_connection_limit(&c, d);
    if (rc != MG_OK)
        return rc;
    if (c.request_deadline > 3600)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "request deadline %u s: expected 1 to 3600", c.request_deadline);
    /* Below this a head of MG_HTTP_MAX_HEAD bytes and the answer to it would
     * not fit in a connection's memory, and libmicrohttpd would refuse, with
     * its own page, heads our 431 is meant for. */
    if (c.memory_limit < MIN_MEMORY_LIMIT)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "connection memory limit %zu bytes: expected at least %u",
                           c.memory_limit, MIN_MEMORY_LIMIT);
    struct sockaddr_storage ss;
    bool ipv6 = false;
    if (parse_address(c.address, c.port, &ss, &ipv6) != MG_OK)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "listen address \"%s\": expected an IPv4 or IPv6 address",
                           c.address);

    ip_addr proxy;
    if (c.trusted_proxy && !ip_parse(c.trusted_proxy, &proxy))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "trusted proxy \"%s\": expected an IPv4 or IPv6 address",
                           c.trusted_proxy);

    mg_http_server *s = mg_alloc_array(1, sizeof *s);
    if (!s)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory starting the HTTP server");
    s->rt = rt;
    s->access_log = c.access_log;
    s->static_fd = s->listen_fd = -1;
    s->has_proxy = c.trusted_proxy != NULL;
    if (s->has_proxy)
        s->proxy = proxy;
    if (c.static_dir) {
        s->static_fd = open(c.static_dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
        if (s->static_fd < 0) {
            int err = errno;
            server_free(s);
            return mg_diag_set(d, MG_ENOTFOUND, c.static_dir, 0, 0,
                               "cannot open the static folder: %s", strerror(err));
        }
    }
    /* Behind a proxy every connection comes from its address: the per-address
     * limit would be one for everyone, so the proxy enforces it instead. */
    unsigned per_ip = c.trusted_proxy || c.per_address_limit >= c.connection_limit
                          ? 0
                          : c.per_address_limit;
    if (mg_http_guard_new(&s->guard, c.connection_limit, per_ip, c.request_deadline) != MG_OK) {
        server_free(s);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory starting the HTTP server");
    }
    unsigned port = c.port;
    rc = open_listener(&ss, ipv6, &s->listen_fd, &port, d, c.address);
    if (rc == MG_OK)
        rc = names_answered(&s->hosts, &c, port, d);
    if (rc != MG_OK) {
        server_free(s);
        return rc;
    }
    /* The guard enforces the connection limits for the whole server, from
     * the moment a connection is accepted; libmicrohttpd, which splits its
     * own limit evenly among the threads, gets one that no thread reaches
     * even when it holds every connection, and no per-address limit (it
     * would not count the connections still in the pre-reader). */
    unsigned mhd_limit = c.threads * (c.connection_limit + 1u);

    /* poll(), not epoll: libmicrohttpd 0.9.75's epoll loop (MHD_epoll in
     * daemon.c) takes at most 128 events per epoll_wait and, when it gets
     * exactly 128, waits again with the full timeout before handling any of
     * them; its connection sockets are edge-triggered, so those 128 do not
     * wake it again. A thread holding 128 ready connections and nothing else
     * (128 is its share of a limit of 256 with two threads) then sleeps
     * until the next connection timeout, up to 30 s: the wedge measured
     * with 230 to 256 clients. poll() looks at every connection on each
     * turn, which costs little at a few thousand connections. The
     * listening socket is ours (prefilter.c). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_USE_NO_LISTEN_SOCKET;
    if (ipv6)
        flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c.threads,
        MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, (void *)s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c.connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c.memory_limit,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)s,
        MHD_OPTION_END);
    if (!s->daemon) {
        int err = errno;
        server_free(s);
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot start serving on %s port %u: %s",
                           c.address, port, err ? strerror(err) : "libmicrohttpd refused to start");
    }
    mg_http_prefilter_config pc = {.server = s, .guard = s->guard, .listen_fd = s->listen_fd,
                                   .access_log = s->access_log, .hand_off = hand_to_mhd};
    if (mg_http_prefilter_start(&s->prefilter, &pc) != MG_OK) {
        server_free(s);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "cannot start the HTTP acceptor thread");
    }
    if (port_out)
        *port_out = port;
    *out = s;
    return MG_OK;
}

void mg_http_stop(mg_http_server *s)
{
    if (s)
        server_free(s);
}
