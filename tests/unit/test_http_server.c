/*
 * Tests of the server over real sockets: a server on 127.0.0.1, port 0,
 * with a router of test handlers and a static folder, and a plain-socket
 * client that sends raw requests and parses the raw answers. Checks the
 * statuses, the French pages and JSON errors, the security headers on every
 * answer, HEAD, uploads up to and past the limit, long URLs, static files
 * and the ways out of the static folder, and requests from four threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"

#define CSP_VALUE                                                                         \
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "     \
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
#define STYLE_CSS "body { font-family: sans-serif; }\n"

/* --- Test server ---------------------------------------------------------- */

typedef struct fixture {
    mg_router *rt;
    mg_http_server *srv;
    unsigned port;
    char root[64];   /* temporary folder: secret file and static/ */
    char statics[96];
} fixture;

static int page(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    (void)r;
    return mg_buf_puts(&res->body, "<p>accueil</p>");
}

static int commune(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    res->content_type = "text/plain; charset=utf-8";
    return mg_buf_printf(&res->body, "commune:%s", mg_http_path_param(r, "code"));
}

static int echo(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    const char *q = mg_http_param(r, "q");
    const char *accept = mg_http_header(r, "Accept");
    res->content_type = "text/plain; charset=utf-8";
    return mg_buf_printf(&res->body, "q=%s accept=%s", q ? q : "-", accept ? accept : "-");
}

static int upload(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    size_t len = 0;
    const char *body = mg_http_body(r, &len);
    /* Every byte the client sent must be there, in order. */
    for (size_t i = 0; i < len; i++)
        if (body[i] != (char)('a' + i % 26))
            return mg_buf_printf(&res->body, "corrupt at %zu", i);
    res->content_type = "text/plain; charset=utf-8";
    return mg_buf_printf(&res->body, "len=%zu", len);
}

static int api_ok(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    (void)r;
    res->content_type = "application/json";
    return mg_buf_puts(&res->body, "{\"ok\":true}");
}

static int failing(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    (void)r;
    (void)res;
    return MG_EIO;
}

static int redirect(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    (void)r;
    mg_http_redirect(res, "/communes/11069");
    return 0;
}

/* A header value a handler must never be able to send. */
static int inject(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    (void)r;
    memcpy(res->disposition, "attachment\r\nSet-Cookie: x=1", sizeof "attachment\r\nSet-Cookie: x=1");
    return mg_buf_puts(&res->body, "should not be sent");
}

static int client(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    const char *a = mg_http_client_address(r);
    res->content_type = "text/plain; charset=utf-8";
    return mg_buf_printf(&res->body, "client=%s", a ? a : "-");
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    memcpy(f->root, "/tmp/mg-http-test-XXXXXX", sizeof "/tmp/mg-http-test-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->statics, sizeof f->statics, "%s/static", f->root);
    assert_int_equal(mkdir(f->statics, 0700), 0);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", f->statics);
    assert_int_equal(mkdir(sub, 0700), 0);
    /* What a traversal would reach: a file next to the static folder. */
    write_file(f->root, "CMakeLists.txt", "secret\n");
    write_file(f->statics, "style.css", STYLE_CSS);
    write_file(f->statics, "logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    write_file(f->statics, "openapi.yaml", "openapi: 3.1.0\n");
    write_file(f->statics, ".hidden", "hidden\n");
    write_file(f->statics, "notes.txt", "notes\n");
    write_file(sub, "app.js", "console.log(1);\n");
    char link[160], target[160];
    snprintf(link, sizeof link, "%s/secret.txt", f->statics);
    snprintf(target, sizeof target, "%s/CMakeLists.txt", f->root);
    assert_int_equal(symlink(target, link), 0);
    snprintf(link, sizeof link, "%s/up", f->statics);
    assert_int_equal(symlink("..", link), 0);
    snprintf(link, sizeof link, "%s/fifo", f->statics);
    assert_int_equal(mkfifo(link, 0600), 0);

    f->rt = mg_router_new();
    assert_non_null(f->rt);
    assert_int_equal(mg_router_add(f->rt, "GET", "/", page, NULL), MG_OK);
    assert_int_equal(mg_router_add(f->rt, "GET", "/communes/{code}", commune, NULL), MG_OK);
    assert_int_equal(mg_router_add(f->rt, "GET", "/echo", echo, NULL), MG_OK);
    assert_int_equal(mg_router_add(f->rt, "POST", "/echo", echo, NULL), MG_OK);
    assert_int_equal(mg_router_add(f->rt, "POST", "/upload", upload, NULL), MG_OK);
    assert_int_equal(mg_router_add(f->rt, "POST", "/api/upload", upload, NULL), MG_OK);
    assert_int_equal(mg_router_add(f->rt, "GET", "/api/ok", api_ok, NULL), MG_OK);
    assert_int_equal(mg_router_add(f->rt, "GET", "/fail", failing, NULL), MG_OK);
    assert_int_equal(mg_router_add(f->rt, "GET", "/redirect", redirect, NULL), MG_OK);
    assert_int_equal(mg_router_add(f->rt, "GET", "/inject", inject, NULL), MG_OK);
    assert_int_equal(mg_router_add(f->rt, "GET", "/client", client, NULL), MG_OK);

    mg_http_config cfg = mg_http_config_defaults();
    cfg.port = 0;
    cfg.threads = 4;
    cfg.static_dir = f->statics;
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_http_start(&f->srv, &cfg, f->rt, &f->port, &d);
    if (rc != MG_OK)
        fail_msg("server did not start: %s", d.msg);
    assert_int_not_equal(f->port, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mg_http_stop(f->srv);
    mg_router_free(f->rt);
    static const char *const names[] = {"static/sub/app.js", "static/sub", "static/style.css",
                                        "static/logo.svg", "static/openapi.yaml",
                                        "static/.hidden", "static/notes.txt",
                                        "static/secret.txt", "static/up", "static/fifo",
                                        "static", "CMakeLists.txt"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", f->root, names[i]);
        if (remove(path) != 0)
            fprintf(stderr, "cannot remove %s: %s\n", path, strerror(errno));
    }
    rmdir(f->root);
    free(f);
    return 0;
}

/* --- Plain-socket client -------------------------------------------------- */

typedef struct reply {
    int status;
    char *raw;        /* the whole answer, NUL-terminated */
    size_t raw_len;
    const char *body; /* into raw */
    size_t body_len;
} reply;

/* A connection to 127.0.0.1:port from the loopback address `source`
 * (127.0.0.x; 0 lets the system choose). */
static int connect_from(unsigned port, unsigned source)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = 20};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (source) {
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1u + source);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) {
            close(fd);
            return -1;
        }
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int connect_to(unsigned port)
{
    return connect_from(port, 0);
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads until the server closes the connection (requests say
 * "Connection: close") and splits status, headers and body. */
static int read_reply(int fd, reply *out)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    for (;;) {
        if (cap - len < 2048) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -1;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
        if (r < 0 && errno == ECONNRESET && len > 0)
            break;
        if (r < 0) {
            free(buf);
            return -1;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    char *end = strstr(buf, "\r\n\r\n");
    if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || !end) {
        free(buf);
        return -1;
    }
    out->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    out->raw = buf;
    out->raw_len = len;
    out->body = end + 4;
    out->body_len = len - (size_t)(out->body - buf);
    return 0;
}

static int exchange(unsigned port, const char *req, size_t req_len, reply *out)
{
    memset(out, 0, sizeof *out);
    int fd = connect_to(port);
    if (fd < 0)
        return -1;
    int rc = send_all(fd, req, req_len);
    if (rc == 0)
        rc = read_reply(fd, out);
    close(fd);
    return rc;
}

/* A simple request: method, target, extra header lines ("" for none). */
static void request(const fixture *f, const char *method, const char *target,
                    const char *headers, reply *out)
{
    size_t n = strlen(method) + strlen(target) + strlen(headers) + 128;
    char *req = malloc(n);
    assert_non_null(req);
    int len = snprintf(req, n, "%s %s HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n",
                       method, target, headers);
    assert_true(len > 0 && (size_t)len < n);
    if (exchange(f->port, req, (size_t)len, out) != 0)
        fail_msg("%s %s: no answer", method, target);
    free(req);
}

static void reply_free(reply *r)
{
    free(r->raw);
    memset(r, 0, sizeof *r);
}

/* The value of a header in the reply (copied into buf), or NULL. */
static const char *header(const reply *r, const char *name, char *buf, size_t cap)
{
    size_t n = strlen(name);
    const char *p = strstr(r->raw, "\r\n");
    while (p && p + 2 < r->body - 2) {
        p += 2;
        const char *eol = strstr(p, "\r\n");
        if (!eol)
            return NULL;
        if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t vlen = (size_t)(eol - v);
            if (vlen >= cap)
                vlen = cap - 1;
            memcpy(buf, v, vlen);
            buf[vlen] = '\0';
            return buf;
        }
        p = eol;
    }
    return NULL;
}

#define assert_header(r, name, value)                                               \
    do {                                                                            \
        char hb_[512];                                                              \
        const char *hv_ = header((r), (name), hb_, sizeof hb_);                     \
        if (!hv_)                                                                   \
            fail_msg("no %s header in:\n%s", (name), (r)->raw);                     \
        assert_string_equal(hv_, (value));                                          \
    } while (0)

#define assert_status(r, s)                                                         \
    do {                                                                            \
        if ((r)->status != (s))                                                     \
            fail_msg("status %d, expected %d:\n%s", (r)->status, (s), (r)->raw);   \
    } while (0)

#define assert_body_has(r, part)                                                    \
    do {                                                                            \
        if (!strstr((r)->body, (part)))                                             \
            fail_msg("body does not contain \"%s\":\n%s", (part), (r)->raw);        \
    } while (0)

static void assert_security_headers(const reply *r)
{
    assert_header(r, "Content-Security-Policy", CSP_VALUE);
    assert_header(r, "X-Content-Type-Options", "nosniff");
    assert_header(r, "X-Frame-Options", "DENY");
    assert_header(r, "Referrer-Policy", "same-origin");
}

/* --- Tests ---------------------------------------------------------------- */

static void test_page(void **state)
{
    fixture *f = *state;
    reply r;
    request(f, "GET", "/", "", &r);
    assert_status(&r, 200);
    assert_security_headers(&r);
    assert_header(&r, "Content-Type", "text/html; charset=utf-8");
    assert_header(&r, "Cache-Control", "no-store");
    assert_header(&r, "Content-Length", "14");
    assert_string_equal(r.body, "<p>accueil</p>");
    reply_free(&r);

    request(f, "GET", "/communes/caf%C3%A9", "", &r);
    assert_status(&r, 200);
    assert_string_equal(r.body, "commune:café");
    reply_free(&r);

    /* The query is ours to decode: '+' is a space, %2B a plus. */
    request(f, "GET", "/echo?q=a+b%2Bc", "Accept: text/plain\r\n", &r);
    assert_status(&r, 200);
    assert_string_equal(r.body, "q=a b+c accept=text/plain");
    reply_free(&r);
}

static void test_form_post(void **state)
{
    fixture *f = *state;
    static const char req[] = "POST /echo?q=query HTTP/1.1\r\nHost: localhost\r\n"
                              "Content-Type: application/x-www-form-urlencoded\r\n"
                              "Content-Length: 15\r\nConnection: close\r\n\r\n"
                              "q=L%C3%A9zignan";
    reply r;
    assert_int_equal(exchange(f->port, req, sizeof req - 1, &r), 0);
    assert_status(&r, 200);
    assert_string_equal(r.body, "q=Lézignan accept=-");
    reply_free(&r);
}

static void test_not_found(void **state)
{
    fixture *f = *state;
    reply r;
    request(f, "GET", "/nulle-part", "", &r);
    assert_status(&r, 404);
    assert_security_headers(&r);
    assert_header(&r, "Content-Type", "text/html; charset=utf-8");
    assert_body_has(&r, "<html lang=\"fr\">");
    assert_body_has(&r, "<title>Erreur 404 — maillage</title>");
    assert_body_has(&r, "<h1>Page introuvable</h1>");
    assert_body_has(&r, "<p>La page demandée n&#39;existe pas.</p>");
    assert_body_has(&r, "<a href=\"/\">Retour à l'accueil</a>");
    reply_free(&r);

    /* A client asking for JSON gets JSON, wherever it asks. */
    request(f, "GET", "/nulle-part", "Accept: application/json\r\n", &r);
    assert_status(&r, 404);
    assert_header(&r, "Content-Type", "application/json");
    assert_json_error(r.body,
                        "{\"error\":{\"status\":404,\"message\":\"La page demandée n'existe pas.\"}}");
    reply_free(&r);
}

static void test_api_errors(void **state)
{
    fixture *f = *state;
    reply r;
    request(f, "GET", "/api/ok", "", &r);
    assert_status(&r, 200);
    assert_header(&r, "Content-Type", "application/json");
    assert_string_equal(r.body, "{\"ok\":true}");
    reply_free(&r);

    request(f, "GET", "/api/nulle-part", "", &r);
    assert_status(&r, 404);
    assert_security_headers(&r);
    assert_header(&r, "Content-Type", "application/json");
    assert_json_error(r.body,
                        "{\"error\":{\"status\":404,\"message\":\"La page demandée n'existe pas.\"}}");
    reply_free(&r);

    request(f, "POST", "/api/ok", "Content-Length: 0\r\n", &r);
    assert_status(&r, 405);
    assert_header(&r, "Allow", "GET, HEAD");
    assert_json_error(r.body, "{\"error\":{\"status\":405,\"message\":\"Cette adresse "
                                "n'accepte pas la méthode POST.\"}}");
    reply_free(&r);

    request(f, "GET", "/api/ok?x=%FF", "", &r);
    assert_status(&r, 400);
    assert_json_error(r.body, "{\"error\":{\"status\":400,\"message\":\"paramètre « x » : "
                                "encodage invalide.\"}}");
    reply_free(&r);
}

static void test_method_not_allowed(void **state)
{
    fixture *f = *state;
    reply r;
    request(f, "DELETE", "/communes/11069", "", &r);
    assert_status(&r, 405);
    assert_security_headers(&r);
    assert_header(&r, "Allow", "GET, HEAD");
    assert_body_has(&r, "<h1>Méthode non autorisée</h1>");
    assert_body_has(&r, "<p>Cette adresse n&#39;accepte pas la méthode DELETE.</p>");
    reply_free(&r);
}

static void test_bad_requests(void **state)
{
    fixture *f = *state;
    reply r;
    request(f, "GET", "/echo?q=%zz", "", &r);
    assert_status(&r, 400);
    assert_security_headers(&r);
    assert_body_has(&r, "<h1>Requête invalide</h1>");
    assert_body_has(&r, "<p>paramètre « q » : encodage invalide.</p>");
    reply_free(&r);

    request(f, "GET", "/echo?q=%C3%28", "", &r);
    assert_status(&r, 400);
    assert_body_has(&r, "<p>paramètre « q » : encodage invalide.</p>");
    reply_free(&r);

    request(f, "GET", "/communes/%FF", "", &r);
    assert_status(&r, 400);
    assert_body_has(&r, "<p>adresse : encodage invalide.</p>");
    reply_free(&r);

    /* A header value that is not UTF-8. */
    request(f, "GET", "/", "X-Name: \xff\xfe\r\n", &r);
    assert_status(&r, 400);
    assert_body_has(&r, "en-têtes de la requête invalides");
    reply_free(&r);

    /* Requests two servers could read differently (issue 11): a NUL in the
     * target, a header name with a space before its colon, HTTP/1.1 without
     * Host; each a French 400 with the security headers. */
    request(f, "GET", "/echo%00x", "", &r);
    assert_status(&r, 400);
    reply_free(&r);
    request(f, "GET", "/", "X-Name : v\r\n", &r);
    assert_status(&r, 400);
    assert_security_headers(&r);
    reply_free(&r);
    static const char no_host[] = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
    assert_int_equal(exchange(f->port, no_host, sizeof no_host - 1, &r), 0);
    assert_status(&r, 400);
    assert_body_has(&r, "En-tête Host manquant.");
    assert_security_headers(&r);
    reply_free(&r);
}

static void test_server_error(void **state)
{
    fixture *f = *state;
    reply r;
    request(f, "GET", "/fail", "", &r);
    assert_status(&r, 500);
    assert_security_headers(&r);
    assert_body_has(&r, "<h1>Erreur interne</h1>");
    reply_free(&r);

    /* A header value with a line break is refused by libmicrohttpd: the
     * client gets a 500, never the injected header. */
    request(f, "GET", "/inject", "", &r);
    assert_status(&r, 500);
    assert_null(strstr(r.raw, "Set-Cookie"));
    assert_null(strstr(r.raw, "should not be sent"));
    assert_security_headers(&r);
    reply_free(&r);
}

static void test_redirect(void **state)
{
    fixture *f = *state;
    reply r;
    request(f, "GET", "/redirect", "", &r);
    assert_status(&r, 303);
    assert_header(&r, "Location", "/communes/11069");
    assert_security_headers(&r);
    reply_free(&r);
}

static void test_head(void **state)
{
    fixture *f = *state;
    reply r;
    request(f, "HEAD", "/communes/11069", "", &r);
    assert_status(&r, 200);
    assert_security_headers(&r);
    assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
    /* The length of the GET answer, without its bytes. */
    assert_header(&r, "Content-Length", "13");
    assert_int_equal(r.body_len, 0);
    reply_free(&r);

    request(f, "HEAD", "/nulle-part", "", &r);
    assert_status(&r, 404);
    assert_int_equal(r.body_len, 0);
    reply_free(&r);
}

/* Sends `len` bytes of body in the pattern the upload handler checks. */
static void post_upload(const fixture *f, const char *path, size_t len, bool chunked, reply *out)
{
    char head[256];
    int n = chunked ? snprintf(head, sizeof head,
                               "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                               "Content-Type: application/octet-stream\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n",
                               path)
                    : snprintf(head, sizeof head,
                               "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                               "Content-Type: application/octet-stream\r\n"
                               "Content-Length: %zu\r\n\r\n",
                               path, len);
    assert_true(n > 0 && (size_t)n < sizeof head);
    char *body = malloc(len ? len : 1);
    assert_non_null(body);
    for (size_t i = 0; i < len; i++)
        body[i] = (char)('a' + i % 26);
    memset(out, 0, sizeof *out);
    int fd = connect_to(f->port);
    assert_true(fd >= 0);
    assert_int_equal(send_all(fd, head, (size_t)n), 0);
    if (chunked) {
        for (size_t off = 0; off < len;) {
            size_t piece = len - off < 65536 ? len - off : 65536;
            char size_line[32];
            int sl = snprintf(size_line, sizeof size_line, "%zx\r\n", piece);
            assert_int_equal(send_all(fd, size_line, (size_t)sl), 0);
            assert_int_equal(send_all(fd, body + off, piece), 0);
            assert_int_equal(send_all(fd, "\r\n", 2), 0);
            off += piece;
        }
        assert_int_equal(send_all(fd, "0\r\n\r\n", 5), 0);
    } else {
        assert_int_equal(send_all(fd, body, len), 0);
    }
    assert_int_equal(read_reply(fd, out), 0);
    close(fd);
    free(body);
}

static void test_upload_limits(void **state)
{
    fixture *f = *state;
    reply r;
    char want[64];
    post_upload(f, "/upload", MG_HTTP_MAX_BODY, false, &r);
    assert_status(&r, 200);
    snprintf(want, sizeof want, "len=%u", MG_HTTP_MAX_BODY);
    assert_json_error(r.body, want);
    reply_free(&r);

    post_upload(f, "/upload", MG_HTTP_MAX_BODY, true, &r);
    assert_status(&r, 200);
    assert_json_error(r.body, want);
    reply_free(&r);

    /* Past the limit, chunked: read, thrown away, then 413. */
    post_upload(f, "/upload", MG_HTTP_MAX_BODY + 70000u, true, &r);
    assert_status(&r, 413);
    assert_security_headers(&r);
    assert_body_has(&r, "<h1>Requête trop volumineuse</h1>");
    assert_body_has(&r, "<p>Le contenu envoyé dépasse la taille maximale de 1024 Kio.</p>");
    reply_free(&r);

    post_upload(f, "/api/upload", MG_HTTP_MAX_BODY + 1u, true, &r);
    assert_status(&r, 413);
    assert_header(&r, "Content-Type", "application/json");
    assert_json_error(r.body, "{\"error\":{\"status\":413,\"message\":\"Le contenu envoyé "
                                "dépasse la taille maximale de 1024 Kio.\"}}");
    reply_free(&r);

    /* A declared length past the limit is answered before any byte of the
     * body is sent. */
    request(f, "POST", "/upload", "Content-Length: 1048577\r\n", &r);
    assert_status(&r, 413);
    assert_body_has(&r, "<h1>Requête trop volumineuse</h1>");
    reply_free(&r);
    request(f, "POST", "/upload", "Content-Length: 99999999999999999999999\r\n", &r);
    assert_true(r.status == 413 || r.status == 400);
    reply_free(&r);
}

static void test_long_url(void **state)
{
    fixture *f = *state;
    char *target = malloc(MG_HTTP_MAX_URL + 16);
    assert_non_null(target);
    memcpy(target, "/echo?q=", 8);
    memset(target + 8, 'x', MG_HTTP_MAX_URL - 8);
    target[MG_HTTP_MAX_URL] = '\0';
    reply r;
    request(f, "GET", target, "", &r);
    assert_status(&r, 200);
    reply_free(&r);

    memset(target + 8, 'x', MG_HTTP_MAX_URL - 7);
    target[MG_HTTP_MAX_URL + 1] = '\0';
    request(f, "GET", target, "", &r);
    assert_status(&r, 414);
    assert_security_headers(&r);
    assert_body_has(&r, "<h1>Adresse trop longue</h1>");
    assert_body_has(&r, "<p>L&#39;adresse demandée dépasse 8192 caractères.</p>");
    reply_free(&r);
    free(target);
}

/* A head past MG_HTTP_MAX_HEAD bytes, or with too many fields, is our 431
 * (libmicrohttpd's own 431 only comes past the connection's memory). */
static void test_large_head(void **state)
{
    fixture *f = *state;
    size_t n = MG_HTTP_MAX_HEAD;
    char *big = malloc(n + 32);
    assert_non_null(big);
    memcpy(big, "X-Big: ", 7);
    memset(big + 7, 'a', n);
    memcpy(big + 7 + n, "\r\n", 3);
    reply r;
    request(f, "GET", "/", big, &r);
    assert_status(&r, 431);
    assert_security_headers(&r);
    assert_body_has(&r, "<h1>En-têtes trop volumineux</h1>");
    char id[64];
    assert_non_null(header(&r, "X-Request-Id", id, sizeof id));
    reply_free(&r);
    /* Just under the limit, it is served. */
    memcpy(big + 7 + n - 200, "\r\n", 3);
    request(f, "GET", "/", big, &r);
    assert_status(&r, 200);
    reply_free(&r);
    free(big);

    char many[120 * 12 + 1] = "";
    for (int i = 0; i < 120; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "X-H%03d: v\r\n", i);
    request(f, "GET", "/api/ok", many, &r);
    assert_status(&r, 431);
    assert_header(&r, "Content-Type", "application/json");
    reply_free(&r);
}

/* A body length given twice, or with Transfer-Encoding: 400 before the body
 * is read, and the connection closed, so that the bytes after the first
 * length are never read as a request of their own. */
static void test_ambiguous_length(void **state)
{
    fixture *f = *state;
    static const char twice[] = "POST /upload HTTP/1.1\r\nHost: localhost\r\n"
                                "Content-Length: 0\r\nContent-Length: 44\r\n\r\n"
                                "GET /communes/9 HTTP/1.1\r\nHost: localhost\r\n\r\n";
    reply r;
    assert_int_equal(exchange(f->port, twice, sizeof twice - 1, &r), 0);
    assert_status(&r, 400);
    assert_security_headers(&r);
    assert_header(&r, "Connection", "close");
    assert_body_has(&r, "Content-Length donné plusieurs fois");
    assert_null(strstr(r.raw, "commune:9"));
    reply_free(&r);

    static const char both[] = "POST /upload HTTP/1.1\r\nHost: localhost\r\n"
                               "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "0\r\n\r\nGET /communes/8 HTTP/1.1\r\nHost: localhost\r\n\r\n";
    assert_int_equal(exchange(f->port, both, sizeof both - 1, &r), 0);
    assert_status(&r, 400);
    assert_header(&r, "Connection", "close");
    assert_body_has(&r, "Content-Length et Transfer-Encoding ensemble");
    assert_null(strstr(r.raw, "commune:8"));
    reply_free(&r);
}

static void test_static_files(void **state)
{
    fixture *f = *state;
    reply r;
    request(f, "GET", "/static/style.css", "", &r);
    assert_status(&r, 200);
    assert_security_headers(&r);
    assert_header(&r, "Content-Type", "text/css; charset=utf-8");
    assert_header(&r, "Cache-Control", "public, max-age=3600");
    assert_string_equal(r.body, STYLE_CSS);
    reply_free(&r);

    static const struct {
        const char *path, *type;
    } types[] = {
        {"/static/logo.svg", "image/svg+xml"},
        {"/static/openapi.yaml", "application/yaml"},
        {"/static/sub/app.js", "text/javascript; charset=utf-8"},
        {"/static/notes.txt", "application/octet-stream"},
        {"/static/sub/%61pp.js", "text/javascript; charset=utf-8"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        request(f, "GET", types[i].path, "", &r);
        assert_status(&r, 200);
        assert_header(&r, "Content-Type", types[i].type);
        reply_free(&r);
    }

    request(f, "HEAD", "/static/style.css", "", &r);
    assert_status(&r, 200);
    char len[16];
    snprintf(len, sizeof len, "%zu", strlen(STYLE_CSS));
    assert_header(&r, "Content-Length", len);
    assert_int_equal(r.body_len, 0);
    reply_free(&r);

    request(f, "POST", "/static/style.css", "Content-Length: 0\r\n", &r);
    assert_status(&r, 405);
    assert_header(&r, "Allow", "GET, HEAD");
    assert_security_headers(&r);
    reply_free(&r);
}

static void test_static_escapes(void **state)
{
    fixture *f = *state;
    static const char *const refused[] = {
        "/static/../CMakeLists.txt",
        "/static/%2e%2e/CMakeLists.txt",
        "/static/%2E%2E%2FCMakeLists.txt",
        "/static/sub/../../CMakeLists.txt",
        "/static/sub/../style.css", /* inside, but no ".." is ever walked */
        "/static/./style.css",
        "/static//style.css",
        "/static/secret.txt",       /* symbolic link out of the folder */
        "/static/up/CMakeLists.txt",/* symbolic link to the parent */
        "/static/.hidden",
        "/static/sub",              /* a folder */
        "/static/sub/",
        "/static/",
        "/static/fifo",             /* not a regular file; must not block */
        "/static/nothing.css",
        "/static/style.css%00.png",
        "/static/..%5CCMakeLists.txt",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        reply r;
        request(f, "GET", refused[i], "", &r);
        if (r.status != 404 && r.status != 400)
            fail_msg("%s: status %d", refused[i], r.status);
        assert_null(strstr(r.body, "secret"));
        assert_security_headers(&r);
        assert_header(&r, "Content-Type", "text/html; charset=utf-8");
        assert_body_has(&r, r.status == 404 ? "<h1>Page introuvable</h1>"
                                             : "<h1>Requête invalide</h1>");
        reply_free(&r);
    }
    /* The traversal the brief names, precisely. */
    reply r;
    request(f, "GET", "/static/../CMakeLists.txt", "", &r);
    assert_status(&r, 404);
    reply_free(&r);
}

typedef struct worker {
    const fixture *f;
    int id;
    int failures;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 25; i++) {
        char target[64], want[64], req[256];
        snprintf(target, sizeof target, "/communes/%d-%d", w->id, i);
        snprintf(want, sizeof want, "commune:%d-%d", w->id, i);
        int n = snprintf(req, sizeof req,
                         "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                         target);
        reply r;
        if (exchange(w->f->port, req, (size_t)n, &r) != 0 || r.status != 200 ||
            strcmp(r.body, want) != 0)
            w->failures++;
        if (r.raw)
            reply_free(&r);
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    fixture *f = *state;
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){.f = f, .id = i};
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
}

static void test_keep_alive(void **state)
{
    fixture *f = *state;
    /* Two requests on one connection: the first kept open, the second
     * closing it; both answered in order. */
    static const char req[] = "GET /communes/1 HTTP/1.1\r\nHost: localhost\r\n\r\n"
                              "GET /communes/2 HTTP/1.1\r\nHost: localhost\r\n"
                              "Connection: close\r\n\r\n";
    reply r;
    assert_int_equal(exchange(f->port, req, sizeof req - 1, &r), 0);
    assert_status(&r, 200);
    assert_non_null(strstr(r.raw, "commune:1"));
    assert_non_null(strstr(r.raw, "commune:2"));
    reply_free(&r);
}

static void test_start_errors(void **state)
{
    (void)state;
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    mg_http_server *s = NULL;
    mg_diag d;
    mg_http_config cfg = mg_http_config_defaults();
    cfg.port = 0;

    cfg.address = "localhost";
    mg_diag_clear(&d);
    assert_int_equal(mg_http_start(&s, &cfg, rt, NULL, &d), MG_EINVAL);
    assert_non_null(strstr(d.msg, "listen address \"localhost\""));
    assert_null(s);

    cfg.address = "127.0.0.1";
    cfg.static_dir = "/nonexistent/maillage/static";
    mg_diag_clear(&d);
    assert_int_equal(mg_http_start(&s, &cfg, rt, NULL, &d), MG_ENOTFOUND);
    assert_non_null(strstr(d.msg, "/nonexistent/maillage/static"));

    cfg.static_dir = NULL;
    cfg.port = 70000;
    mg_diag_clear(&d);
    assert_int_equal(mg_http_start(&s, &cfg, rt, NULL, &d), MG_EINVAL);

    /* More connections than the open-file limit leaves room for: refused at
     * start rather than found out when accept() fails under load. */
    cfg.port = 0;
    cfg.connection_limit = MG_HTTP_MAX_CONNECTIONS;
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (mg_http_fd_connections((unsigned long)rl.rlim_cur, cfg.threads) < MG_HTTP_MAX_CONNECTIONS) {
        mg_diag_clear(&d);
        assert_int_equal(mg_http_start(&s, &cfg, rt, NULL, &d), MG_EINVAL);
        assert_non_null(strstr(d.msg, "open-file limit"));
    }
    cfg.connection_limit = MG_HTTP_MAX_CONNECTIONS + 1;
    mg_diag_clear(&d);
    assert_int_equal(mg_http_start(&s, &cfg, rt, NULL, &d), MG_EINVAL);

    cfg = mg_http_config_defaults();
    cfg.port = 0;
    cfg.trusted_proxy = "proxy.example";
    mg_diag_clear(&d);
    assert_int_equal(mg_http_start(&s, &cfg, rt, NULL, &d), MG_EINVAL);
    assert_non_null(strstr(d.msg, "trusted proxy \"proxy.example\""));

    cfg = mg_http_config_defaults();
    cfg.port = 0;
    cfg.request_deadline = 3601;
    mg_diag_clear(&d);
    assert_int_equal(mg_http_start(&s, &cfg, rt, NULL, &d), MG_EINVAL);

    cfg = mg_http_config_defaults();
    cfg.port = 0;
    cfg.memory_limit = 1024;
    mg_diag_clear(&d);
    assert_int_equal(mg_http_start(&s, &cfg, rt, NULL, &d), MG_EINVAL);

    assert_int_equal(mg_http_start(&s, &cfg, NULL, NULL, &d), MG_EINVAL);

    /* The port of a running server is taken. */
    cfg = mg_http_config_defaults();
    cfg.port = 0;
    unsigned port = 0;
    assert_int_equal(mg_http_start(&s, &cfg, rt, &port, NULL), MG_OK);
    mg_http_server *s2 = NULL;
    cfg.port = port;
    mg_diag_clear(&d);
    assert_int_equal(mg_http_start(&s2, &cfg, rt, NULL, &d), MG_EIO);
    assert_non_null(strstr(d.msg, "cannot listen on 127.0.0.1"));
    mg_http_stop(s);
    mg_http_stop(NULL);
    mg_router_free(rt);
}

static void test_zero_config_and_ipv6(void **state)
{
    (void)state;
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    assert_int_equal(mg_router_add(rt, "GET", "/", page, NULL), MG_OK);
    /* A zeroed configuration takes the defaults, port 0 aside. */
    mg_http_config cfg = {0};
    mg_http_server *s = NULL;
    unsigned port = 0;
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_http_start(&s, &cfg, rt, &port, &d), MG_OK);
    assert_int_not_equal(port, 0);
    fixture f = {.port = port};
    reply r;
    request(&f, "GET", "/", "", &r);
    assert_status(&r, 200);
    reply_free(&r);
    mg_http_stop(s);

    /* IPv6 loopback, when the machine has it. */
    cfg.address = "[::1]";
    mg_diag_clear(&d);
    if (mg_http_start(&s, &cfg, rt, &port, &d) == MG_OK) {
        int fd = socket(AF_INET6, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
        a.sin6_addr = in6addr_loopback;
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
        static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        assert_int_equal(send_all(fd, req, sizeof req - 1), 0);
        assert_int_equal(read_reply(fd, &r), 0);
        close(fd);
        assert_status(&r, 200);
        reply_free(&r);
        mg_http_stop(s);
    } else {
        fprintf(stderr, "IPv6 loopback unavailable, skipped: %s\n", d.msg);
    }
    mg_router_free(rt);
}

/* GET /client from 127.0.0.source with extra header lines: the body. */
static void client_from(unsigned port, unsigned source, const char *headers, char *out, size_t cap)
{
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /client HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n", headers);
    int fd = connect_from(port, source);
    assert_true(fd >= 0);
    reply r;
    assert_int_equal(send_all(fd, req, (size_t)n), 0);
    assert_int_equal(read_reply(fd, &r), 0);
    close(fd);
    assert_status(&r, 200);
    snprintf(out, cap, "%s", r.body);
    reply_free(&r);
}

static void test_client_address(void **state)
{
    fixture *f = *state;
    char body[128];
    /* Without a trusted proxy the peer is the client, whatever it claims. */
    client_from(f->port, 0, "X-Forwarded-For: 203.0.113.9\r\n", body, sizeof body);
    assert_string_equal(body, "client=127.0.0.1");

    mg_http_config cfg = mg_http_config_defaults();
    cfg.port = 0;
    cfg.trusted_proxy = "127.0.0.2";
    mg_http_server *s = NULL;
    unsigned port = 0;
    mg_diag d;
    mg_diag_clear(&d);
    if (mg_http_start(&s, &cfg, f->rt, &port, &d) != MG_OK)
        fail_msg("server did not start: %s", d.msg);
    /* From the proxy: the last hop of X-Forwarded-For, the one it added. */
    client_from(port, 2, "X-Forwarded-For: 198.51.100.1, 203.0.113.9\r\n", body, sizeof body);
    assert_string_equal(body, "client=203.0.113.9");
    client_from(port, 2, "X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For:  2001:db8::7 \r\n",
                body, sizeof body);
    assert_string_equal(body, "client=2001:db8::7");
    /* Not an address, or none: the proxy itself. */
    client_from(port, 2, "X-Forwarded-For: 203.0.113.9, evil\r\n", body, sizeof body);
    assert_string_equal(body, "client=127.0.0.2");
    client_from(port, 2, "", body, sizeof body);
    assert_string_equal(body, "client=127.0.0.2");
    /* From anyone else the header is not believed. */
    client_from(port, 3, "X-Forwarded-For: 203.0.113.9\r\n", body, sizeof body);
    assert_string_equal(body, "client=127.0.0.3");
    mg_http_stop(s);

    /* Without a network there is no client address. */
    mg_http_response res;
    assert_int_equal(mg_http_dispatch(f->rt, "GET", "/client", NULL, NULL, 0, &res), MG_OK);
    assert_string_equal(res.body.data, "client=-");
    mg_http_response_free(&res);
}

static void pause_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* True when the server ends fd's connection within `ms` without answering. */
static bool ended_within(int fd, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

static void test_limits(void **state)
{
    (void)state;
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    assert_int_equal(mg_router_add(rt, "GET", "/", page, NULL), MG_OK);
    mg_http_config cfg = mg_http_config_defaults();
    cfg.port = 0;
    cfg.threads = 3;
    cfg.connection_limit = 4;
    cfg.per_address_limit = 2;
    cfg.request_deadline = 1;
    mg_http_server *s = NULL;
    unsigned port = 0;
    mg_diag d;
    mg_diag_clear(&d);
    if (mg_http_start(&s, &cfg, rt, &port, &d) != MG_OK)
        fail_msg("server did not start: %s", d.msg);

    /* Two from 127.0.0.3 are kept; the third is closed at once. */
    int fds[5];
    fds[0] = connect_from(port, 3);
    fds[1] = connect_from(port, 3);
    int third = connect_from(port, 3);
    assert_true(fds[0] >= 0 && fds[1] >= 0 && third >= 0);
    assert_true(ended_within(third, 500));
    close(third);
    assert_false(ended_within(fds[0], 100));
    /* Two more from 127.0.0.4 fill the server (4, for 3 threads, which
     * libmicrohttpd alone would not even allow); the next is closed. */
    fds[2] = connect_from(port, 4);
    fds[3] = connect_from(port, 4);
    pause_ms(100);
    fds[4] = connect_from(port, 5);
    assert_true(fds[2] >= 0 && fds[3] >= 0 && fds[4] >= 0);
    assert_true(ended_within(fds[4], 500));
    close(fds[4]);
    /* A request head sent one byte at a time, each in less than the idle
     * timeout, is cut at the 1 s deadline, and the idle ones with it. */
    static const char head[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    bool cut = false;
    for (size_t i = 0; i + 1 < sizeof head && !cut; i++) {
        if (send(fds[0], head + i, 1, MSG_NOSIGNAL) != 1 || ended_within(fds[0], 200))
            cut = true;
    }
    gettimeofday(&t1, NULL);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_usec - t0.tv_usec) / 1e6;
    if (!cut || secs > 2.5)
        fail_msg("trickling client not cut at the deadline (cut %d after %.1f s)", cut, secs);
    for (int i = 1; i < 4; i++)
        assert_true(ended_within(fds[i], 2000));
    for (int i = 0; i < 4; i++)
        close(fds[i]);
    pause_ms(100);
    /* Everyone gone: served again. */
    fixture f = {.port = port};
    reply r;
    request(&f, "GET", "/", "", &r);
    assert_status(&r, 200);
    reply_free(&r);

    /* Stopping with connections still on the clock frees everything (the
     * sanitizer build checks the guard's records). */
    int idle = connect_from(port, 6);
    assert_true(idle >= 0);
    pause_ms(50);
    mg_http_stop(s);
    close(idle);
    mg_router_free(rt);
}

static int slow_page(void *ctx, const mg_http_request *r, mg_http_response *res)
{
    (void)ctx;
    (void)r;
    pause_ms(300);
    return mg_buf_puts(&res->body, "<p>lent</p>");
}

/*
 * 128 requests that become ready together on one thread, while it is busy,
 * are all answered at once. libmicrohttpd's epoll loop took 128 events and
 * then waited for more with the full timeout before handling them: the
 * wedge measured with a few hundred clients (see mg_http_start).
 */
static void test_many_ready_connections(void **state)
{
    (void)state;
    enum { N = 128 };
    mg_router *rt = mg_router_new();
    assert_non_null(rt);
    assert_int_equal(mg_router_add(rt, "GET", "/", page, NULL), MG_OK);
    assert_int_equal(mg_router_add(rt, "GET", "/lent", slow_page, NULL), MG_OK);
    mg_http_config cfg = mg_http_config_defaults();
    cfg.port = 0;
    cfg.threads = 1;
    cfg.connection_limit = 2 * N;
    cfg.per_address_limit = 2 * N;
    mg_http_server *s = NULL;
    unsigned port = 0;
    mg_diag d;
    mg_diag_clear(&d);
    if (mg_http_start(&s, &cfg, rt, &port, &d) != MG_OK)
        fail_msg("server did not start: %s", d.msg);
    int fds[N + 1];
    for (int i = 0; i <= N; i++) {
        fds[i] = connect_from(port, 2);
        assert_true(fds[i] >= 0);
    }
    pause_ms(200);
    /* Keep the thread busy, then make N connections ready meanwhile. */
    static const char slow[] = "GET /lent HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    assert_int_equal(send_all(fds[N], slow, sizeof slow - 1), 0);
    pause_ms(50);
    for (int i = 0; i < N; i++)
        assert_int_equal(send_all(fds[i], req, sizeof req - 1), 0);
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    int answered = 0;
    for (int i = 0; i <= N; i++) {
        struct timeval tv = {.tv_sec = 5};
        setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        reply r;
        if (read_reply(fds[i], &r) == 0) {
            answered += r.status == 200;
            reply_free(&r);
        }
        close(fds[i]);
    }
    gettimeofday(&t1, NULL);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_usec - t0.tv_usec) / 1e6;
    if (answered != N + 1 || secs > 3)
        fail_msg("%d of %d answered in %.1f s", answered, N + 1, secs);
    mg_http_stop(s);
    mg_router_free(rt);
}

static void test_fd_limit(void **state)
{
    (void)state;
    /* Two files a connection, the reserve left for the rest. */
    unsigned reserve = MG_HTTP_FD_RESERVE + 2 * MG_HTTP_FD_RESERVE_PER_THREAD;
    assert_int_equal(mg_http_fd_connections(reserve, 2), 0);
    assert_int_equal(mg_http_fd_connections(reserve + 2, 2), 1);
    assert_int_equal(mg_http_fd_connections(1024, 2), (1024 - reserve) / 2);
    assert_int_equal(mg_http_fd_connections(~0ul, 2), MG_HTTP_MAX_CONNECTIONS);
    /* Raising the soft limit leaves it at the hard one (or where it was,
     * when refused), never lower. */
    struct rlimit before, after;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &before), 0);
    unsigned long nofile = 0;
    assert_int_equal(mg_http_raise_fd_limit(&nofile, NULL), MG_OK);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &after), 0);
    assert_true(after.rlim_cur >= before.rlim_cur);
    assert_true(after.rlim_cur == after.rlim_max || after.rlim_cur == before.rlim_cur);
    if (after.rlim_cur != RLIM_INFINITY)
        assert_int_equal(nofile, (unsigned long)after.rlim_cur);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_form_post),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_server_error),
        cmocka_unit_test(test_redirect),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_upload_limits),
        cmocka_unit_test(test_long_url),
        cmocka_unit_test(test_large_head),
        cmocka_unit_test(test_ambiguous_length),
        cmocka_unit_test(test_static_files),
        cmocka_unit_test(test_static_escapes),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_client_address),
    };
    const struct CMUnitTest standalone[] = {
        cmocka_unit_test(test_start_errors),
        cmocka_unit_test(test_zero_config_and_ipv6),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_many_ready_connections),
        cmocka_unit_test(test_fd_limit),
    };
    int failed = cmocka_run_group_tests_name("server", tests, setup, teardown);
    failed += cmocka_run_group_tests_name("start", standalone, NULL, NULL);
    return failed;
}
