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
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/alloc.h"
#include "http/internal.h"

/* How much of an oversized upload is read and thrown away so that the
 * client can still receive its 413; past this the connection is cut. */
#define MAX_DISCARD (8u * 1024u * 1024u)
#define STATIC_PREFIX "/static/"
#define STATIC_CACHE "public, max-age=3600"

struct mg_http_server {
    struct MHD_Daemon *daemon;
    mg_router *rt;
    int static_fd; /* the static folder, opened once; -1 for none */
};

/* What the server keeps for one request between libmicrohttpd's calls. */
typedef struct conn_state {
    char *uri;       /* raw request target, NULL when it could not be copied */
    mg_buf body;     /* the upload, up to MG_HTTP_MAX_BODY */
    bool started;    /* the first call of the access handler has happened */
    bool too_large;  /* the upload passed MG_HTTP_MAX_BODY */
    bool oom;        /* the upload could not be stored */
    size_t discarded;
} conn_state;

mg_http_config mg_http_config_defaults(void)
{
    return (mg_http_config){
        .address = "127.0.0.1",
        .port = 8080,
        .threads = 2,
        .connection_limit = 256,
        .connection_timeout = 30,
        .memory_limit = 256u * 1024u,
        .static_dir = NULL,
    };
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
    (void)cls;
    (void)c;
    (void)toe;
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

/* True when the declared Content-Length exceeds MG_HTTP_MAX_BODY, so that
 * the 413 goes out before the body is read. libmicrohttpd has already
 * rejected a malformed length. */
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
    return v > MG_HTTP_MAX_BODY;
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
    if (st->too_large)
        r.body_too_large = true;
    else if (st->oom)
        r.oom = true;
    else
        (void)mg_http_request_set_body(&r, st->body.data, st->body.len, false);
    enum MHD_Result ret;
    if (mg_http_dispatch_begin(&r, &res)) {
        ret = send_response(c, &r, &res, -1, 0);
    } else if (is_static_path(s, mg_http_path(&r))) {
        ret = serve_static(s, c, &r, &res);
    } else {
        mg_http_dispatch_route(s->rt, &r, &res);
        ret = send_response(c, &r, &res, -1, 0);
    }
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
        if (declared_too_large(c)) {
            st->too_large = true;
            return respond(s, c, st, method);
        }
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
    return respond(s, c, st, method);
}

/* --- Start and stop ------------------------------------------------------- */

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
    if (!c.connection_limit)
        c.connection_limit = def.connection_limit;
    if (!c.connection_timeout)
        c.connection_timeout = def.connection_timeout;
    if (!c.memory_limit)
        c.memory_limit = def.memory_limit;
    if (c.port > 65535)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "port %u: expected 0 to 65535", c.port);
    if (c.threads > 256)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "%u threads: expected 1 to 256", c.threads);
    /* libmicrohttpd shares the connection limit among the pool's threads. */
    if (c.connection_limit < c.threads)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "connection limit %u: expected at least the %u threads",
                           c.connection_limit, c.threads);
    /* Below this the URL limit (MG_HTTP_MAX_URL) plus ordinary headers would
     * not fit in a connection's memory. */
    if (c.memory_limit < 32u * 1024u)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "connection memory limit %zu bytes: expected at least 32768",
                           c.memory_limit);
    struct sockaddr_storage ss;
    bool ipv6 = false;
    if (parse_address(c.address, c.port, &ss, &ipv6) != MG_OK)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "listen address \"%s\": expected an IPv4 or IPv6 address",
                           c.address);

    mg_http_server *s = mg_alloc_array(1, sizeof *s);
    if (!s)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory starting the HTTP server");
    s->rt = rt;
    s->static_fd = -1;
    if (c.static_dir) {
        s->static_fd = open(c.static_dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
        if (s->static_fd < 0) {
            int err = errno;
            free(s);
            return mg_diag_set(d, MG_ENOTFOUND, c.static_dir, 0, 0,
                               "cannot open the static folder: %s", strerror(err));
        }
    }

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    if (ipv6)
        flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)c.port, NULL, NULL, on_access, s,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c.threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c.connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c.connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c.memory_limit,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)s,
        MHD_OPTION_END);
    if (!s->daemon) {
        int err = errno;
        if (s->static_fd >= 0)
            close(s->static_fd);
        free(s);
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "cannot listen on %s port %u: %s", c.address,
                           c.port, err ? strerror(err) : "libmicrohttpd refused to start");
    }
    if (port_out) {
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
        *port_out = info ? info->port : c.port;
    }
    *out = s;
    return MG_OK;
}

void mg_http_stop(mg_http_server *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    if (s->static_fd >= 0)
        close(s->static_fd);
    free(s);
}
