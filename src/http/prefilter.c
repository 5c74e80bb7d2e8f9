/*
 * The acceptor and pre-reader: one thread that accepts every connection,
 * admits it (guard.c: global and per-address limits, deadline), and looks
 * at its first request head before libmicrohttpd does.
 *
 * Why. libmicrohttpd 0.9.75 refuses some requests while it reads the
 * request line and the head (an HTTP version other than 1.x, a header line
 * without a colon, a Content-Length that is not a number or past 2^64, a
 * head past the connection's memory) with its own English page and without
 * calling the application, so those clients got no security headers, no
 * request id and no access-log line. Its error bodies are compiled in.
 * So each new connection waits here until its head is complete (an empty
 * line seen), grows past MG_HTTP_MAX_HEAD, or the client goes, and is
 * then either handed to libmicrohttpd untouched — the head is only ever
 * peeked (MSG_PEEK), never consumed, so libmicrohttpd reads the very same
 * bytes — or answered here with the page mg_http_error builds.
 *
 * Only what libmicrohttpd itself would refuse is checked here, with a rule
 * at least as strict as its own, so that nothing it refuses reaches it;
 * everything else (duplicate lengths, Transfer-Encoding, NUL, Host…) stays
 * with the dispatch code and is decided once. Later requests on a
 * kept-alive connection are read by libmicrohttpd alone (docs/security.md).
 *
 * Why one thread with poll() and not a thread per connection: a client
 * trickling its head sits here until the guard's deadline, and thousands of
 * them must cost a pollfd each, not a stack each. Peeking leaves the bytes
 * readable, so poll() would report the socket ready again at once; the
 * socket's SO_RCVLOWAT is raised past what has been seen, so poll() wakes
 * only for new bytes (or the end of the connection), and set back to 1
 * before libmicrohttpd gets the socket. Raising it also lets the kernel
 * grow the receive buffer, so that a head past our limit can be seen whole.
 * Each peek copies the head from its start: past LAG_FROM bytes, the next
 * wake waits for a sixteenth more (and a peek is made anyway every LAG_MS,
 * for a tail shorter than that), so that a head sent a byte per packet
 * costs about a hundred peeks a second at most rather than one per byte.
 *
 * Accepting is ours, not libmicrohttpd's: its worker threads accept
 * between two turns of their event loop (in poll() mode one connection a
 * turn), and a turn lasts as long as the requests it answers, so under load
 * new clients waited seconds in the listen queue. This thread only
 * accepts, admits or refuses, peeks and answers short errors: a new client
 * waits at most one turn of a worker once handed over (MHD_add_connection
 * wakes the chosen worker). A connection is peeked at once when it is
 * accepted, so that a client sending its request with the connection
 * (most do) goes to libmicrohttpd in the same turn, without a poll().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "http/internal.h"

/* Connections accepted in a row before the loop looks at the others. */
#define ACCEPT_BATCH 64
/* Bytes peeked at most: one more than a head may have. */
#define PEEK_MAX (MG_HTTP_MAX_HEAD + 1u)
/* What is read and thrown away of a client still sending after our answer
 * (so that closing does not reset the connection before the client has
 * read it); past this the connection is closed anyway. */
#define DRAIN_MAX (1024u * 1024u)
/* See the file's comment: heads past LAG_FROM bytes are peeked again when
 * they have grown by a sixteenth, or after LAG_MS. */
#define LAG_FROM 4096u
#define LAG_MS 100

typedef enum { WAITING, WRITING, DRAINING } conn_phase;

typedef struct pending {
    int fd;
    mg_http_guard_conn *guard;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    conn_phase phase;
    size_t seen;   /* bytes of head peeked so far */
    bool lagging;  /* SO_RCVLOWAT is past seen + 1 (see LAG_FROM) */
    int64_t peeked_ms;
    char *out;     /* our answer while it is written */
    size_t out_len, out_off;
    size_t drained;
} pending;

struct mg_http_prefilter {
    mg_http_prefilter_config cfg;
    int stop_pipe[2];
    pthread_t thread;
    bool started;
    pending *conns;        /* conns[i] is watched by pfd[i + 2] */
    struct pollfd *pfd;    /* [0] listening socket, [1] stop pipe */
    size_t n, cap;
    char *peek;            /* PEEK_MAX bytes */
};

static void pause_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_lowat(int fd, size_t n)
{
    int v = n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof v);
}

/* --- The set of connections --------------------------------------------- */

static bool add_conn(mg_http_prefilter *p, int fd, mg_http_guard_conn *g,
                     const struct sockaddr_storage *addr, socklen_t len)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        pending *c = realloc(p->conns, cap * sizeof *c);
        if (!c)
            return false;
        p->conns = c;
        struct pollfd *f = realloc(p->pfd, (cap + 2) * sizeof *f);
        if (!f)
            return false;
        p->pfd = f;
        p->cap = cap;
    }
    p->conns[p->n] = (pending){.fd = fd, .guard = g, .addr = *addr, .addr_len = len};
    p->pfd[p->n + 2] = (struct pollfd){.fd = fd, .events = POLLIN};
    p->n++;
    return true;
}

/* Forgets conns[i] (the last one takes its place). */
static void remove_conn(mg_http_prefilter *p, size_t i)
{
    free(p->conns[i].out);
    p->n--;
    if (i != p->n) {
        p->conns[i] = p->conns[p->n];
        p->pfd[i + 2] = p->pfd[p->n + 2];
    }
}

/* Closes conns[i]: out of the guard first, so that the reaper never shuts
 * down the fd number once it is closed and reused. */
static void close_conn(mg_http_prefilter *p, size_t i)
{
    mg_http_guard_closed(p->cfg.guard, p->conns[i].guard);
    close(p->conns[i].fd);
    remove_conn(p, i);
}

/* --- Reading the head ----------------------------------------------------- */

typedef struct line {
    const char *s;
    size_t len; /* without the line end */
} line;

/* The line starting at s[*pos] (ended by LF, a CR before it dropped), or
 * false when there is no complete line left. */
static bool next_line(const char *s, size_t n, size_t *pos, line *out)
{
    const char *lf = memchr(s + *pos, '\n', n - *pos);
    if (!lf)
        return false;
    out->s = s + *pos;
    out->len = (size_t)(lf - out->s);
    if (out->len && out->s[out->len - 1] == '\r')
        out->len--;
    *pos = (size_t)(lf - s) + 1;
    return true;
}

/* Where the head ends (just after its empty line), 0 when not seen yet.
 * Leading empty lines, which libmicrohttpd skips, are skipped. */
static size_t head_end(const char *s, size_t n, size_t *start)
{
    size_t pos = 0;
    line l;
    *start = 0;
    while (next_line(s, n, &pos, &l) && l.len == 0)
        *start = pos;
    pos = *start;
    while (next_line(s, n, &pos, &l))
        if (l.len == 0)
            return pos;
    return 0;
}

/* What the pre-reader decides for one head. */
typedef struct verdict {
    int status;          /* 0: hand it to libmicrohttpd */
    const char *message; /* French, for mg_http_error; NULL: dispatch_begin's */
    bool too_large;      /* a Content-Length past any body limit (MG_HTTP_MAX_UPLOAD_BODY);
                            server.c refuses the smaller limit of other types */
    line method, target; /* empty when the request line has no such part */
} verdict;

static bool is_digits(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* A decimal Content-Length value: 400 when it is not a plain number,
 * too_large past MG_HTTP_MAX_UPLOAD_BODY (however many digits). Spaces before it
 * are skipped, as libmicrohttpd skips them; 0.9.75 refuses spaces after
 * it (its own 400), so they are refused here too. */
static void check_length(const char *v, size_t n, verdict *out)
{
    while (n && (*v == ' ' || *v == '\t'))
        v++, n--;
    if (!is_digits(v, n)) {
        out->status = 400;
        out->message = "Content-Length invalide : un nombre décimal est attendu.";
        return;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n && !out->too_large; i++) {
        x = x * 10u + (uint64_t)(v[i] - '0');
        out->too_large = x > MG_HTTP_MAX_UPLOAD_BODY;
    }
}

/*
 * The request line (method SP target SP HTTP/1.x: libmicrohttpd answers 505
 * to another version and 400 to a version that is not HTTP/d.d, and drops a
 * line without a space), then each field: a name and a colon (else
 * libmicrohttpd's 400, or worse for an empty name), and each
 * Content-Length a plain decimal number.
 */
static verdict check_head(const char *s, size_t start, size_t end)
{
    verdict v = {0};
    size_t pos = start;
    line rl = {s + start, 0};
    (void)next_line(s, end, &pos, &rl);
    const char *sp1 = memchr(rl.s, ' ', rl.len);
    const char *sp2 = rl.s + rl.len;
    while (sp2 > rl.s && sp2[-1] != ' ')
        sp2--;
    if (sp1) {
        v.method = (line){rl.s, (size_t)(sp1 - rl.s)};
        const char *t_end = sp2 - 1 > sp1 ? sp2 - 1 : rl.s + rl.len;
        v.target = (line){sp1 + 1, (size_t)(t_end - (sp1 + 1))};
    }
    if (!sp1 || sp1 == rl.s || sp2 - 1 <= sp1 + 1) {
        v.status = 400;
        v.message = "ligne de requête invalide (méthode, adresse, version HTTP).";
        return v;
    }
    const char *ver = sp2;
    size_t vlen = (size_t)(rl.s + rl.len - sp2);
    if (vlen != 8 || memcmp(ver, "HTTP/", 5) != 0 || ver[5] < '0' || ver[5] > '9' ||
        ver[6] != '.' || ver[7] < '0' || ver[7] > '9') {
        v.status = 400;
        v.message = "version HTTP invalide.";
        return v;
    }
    if (ver[5] != '1') {
        v.status = 505;
        v.message = "Seules les versions 1.0 et 1.1 de HTTP sont prises en charge.";
        return v;
    }
    line l;
    bool after_length = false;
    while (next_line(s, end, &pos, &l) && l.len) {
        if (l.s[0] == ' ' || l.s[0] == '\t') {
            /* A folded line continues the field before it: a length split
             * over two lines is not a plain number. */
            if (after_length) {
                v.status = 400;
                v.message = "Content-Length invalide : un nombre décimal est attendu.";
                return v;
            }
            continue;
        }
        const char *colon = memchr(l.s, ':', l.len);
        if (!colon) {
            v.status = 400;
            v.message = "en-têtes de la requête invalides (ligne sans deux-points).";
            return v;
        }
        size_t nlen = (size_t)(colon - l.s);
        if (!nlen) {
            /* libmicrohttpd 0.9.75 ends the head at a field without a
             * name and reads what follows as the next request. */
            v.status = 400;
            v.message = "en-têtes de la requête invalides (nom ou encodage).";
            return v;
        }
        after_length = nlen == 14 && strncasecmp(l.s, "Content-Length", 14) == 0;
        if (after_length) {
            check_length(colon + 1, l.len - nlen - 1, &v);
            if (v.status)
                return v;
        }
    }
    return v;
}

/* --- Our answer ----------------------------------------------------------- */

static const char *reason(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

/* Copies the fields of the head into r, for mg_http_dispatch_begin's
 * checks and the client's address behind a proxy. */
static void add_fields(mg_http_request *r, const char *s, size_t start, size_t end)
{
    size_t pos = start;
    line l;
    (void)next_line(s, end, &pos, &l);
    while (next_line(s, end, &pos, &l) && l.len) {
        const char *colon = memchr(l.s, ':', l.len);
        if (!colon || l.s[0] == ' ' || l.s[0] == '\t')
            continue;
        const char *v = colon + 1, *e = l.s + l.len;
        while (v < e && (*v == ' ' || *v == '\t'))
            v++;
        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        char *name = mg_http_request_strndup(r, l.s, (size_t)(colon - l.s));
        char *value = mg_http_request_strndup(r, v, (size_t)(e - v));
        if (!name || !value || mg_http_request_add_header(r, name, value) != MG_OK)
            return;
    }
}

/* Formats res as an HTTP/1.1 answer (no body for HEAD): malloc'd, NULL
 * when out of memory. */
static char *serialize(const mg_http_request *r, const mg_http_response *res, size_t *len)
{
    mg_http_header_field h[MG_HTTP_MAX_RESPONSE_HEADERS];
    size_t nh = mg_http_response_headers(res, h);
    bool head = r->method && strcmp(r->method, "HEAD") == 0;
    size_t body = res->body.len;
    char date[64] = "";
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    size_t cap = 256 + (head ? 0 : body);
    for (size_t i = 0; i < nh; i++)
        cap += strlen(h[i].name) + strlen(h[i].value) + 4;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    int k = snprintf(out, cap, "HTTP/1.1 %d %s\r\nDate: %s\r\n", res->status,
                     reason(res->status), date);
    size_t n = k > 0 ? (size_t)k : 0;
    for (size_t i = 0; i < nh && n < cap; i++) {
        k = snprintf(out + n, cap - n, "%s: %s\r\n", h[i].name, h[i].value);
        n += k > 0 ? (size_t)k : 0;
    }
    if (n < cap) {
        k = snprintf(out + n, cap - n, "Content-Length: %zu\r\n\r\n", body);
        n += k > 0 ? (size_t)k : 0;
    }
    if (n + (head ? 0 : body) > cap) {
        free(out);
        return NULL;
    }
    if (!head && body)
        memcpy(out + n, res->body.data, body);
    *len = n + (head ? 0 : body);
    return out;
}

/*
 * Answers conns[i] with the error v (or a head past our limits: head_len
 * the bytes seen, line_len its request line's) as the dispatch code would:
 * the French page or JSON error, security headers, request id,
 * Connection: close, and the access-log line.
 */
static void answer(mg_http_prefilter *p, size_t i, const char *s, size_t start, size_t end,
                   const verdict *v, bool head_too_large)
{
    pending *c = &p->conns[i];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mg_http_request r;
    mg_http_request_init(&r);
    mg_http_response res;
    mg_http_response_init(&res);
    if (v->method.len && v->method.len <= MG_HTTP_MAX_METHOD) {
        /* The target is copied whole only when the 414 check could pass:
         * set_line keeps no more of it anyway. */
        char *m = mg_http_request_strndup(&r, v->method.s, v->method.len);
        size_t tlen = v->target.len;
        char *t = m ? malloc(tlen + 1) : NULL;
        if (t) {
            memcpy(t, v->target.s, tlen);
            t[tlen] = '\0';
            (void)mg_http_request_set_line(&r, m, t);
            free(t);
        }
    }
    if (end)
        add_fields(&r, s, start, end);
    r.head_too_large = head_too_large;
    r.body_too_large = v->too_large;
    char client[64];
    if (mg_http_client_text(p->cfg.server, &c->addr, &r, client))
        r.client = mg_http_request_strndup(&r, client, strlen(client));
    snprintf(res.request_id, sizeof res.request_id, "%s", r.id);
    if (head_too_large || v->too_large) {
        /* 414, 431 or 413 with the very page and message the dispatch code
         * gives when libmicrohttpd lets such a request through. */
        if (!mg_http_dispatch_begin(&r, &res))
            mg_http_error(&r, &res, 400, NULL);
    } else {
        mg_http_error(&r, &res, v->status, v->message);
        if (v->status == 505)
            snprintf(res.log_detail, sizeof res.log_detail,
                     "HTTP version refused before libmicrohttpd");
    }
    res.close = true;
    c->out = serialize(&r, &res, &c->out_len);
    c->out_off = 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    mg_http_log_request(p->cfg.access_log, &r, &res,
                        (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                            (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    mg_http_response_free(&res);
    mg_http_request_free(&r);
    if (c->seen)
        set_lowat(c->fd, 1);
    c->phase = WRITING;
    p->pfd[i + 2].events = POLLOUT;
}

/* --- The turn of one connection ------------------------------------------ */

/* Writes what is left of the answer; then stops sending and reads what the
 * client still sends until it closes. False when conns[i] was closed. */
static bool write_some(mg_http_prefilter *p, size_t i)
{
    pending *c = &p->conns[i];
    if (!c->out) {
        close_conn(p, i);
        return false;
    }
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (w <= 0) {
            close_conn(p, i);
            return false;
        }
        c->out_off += (size_t)w;
    }
    (void)shutdown(c->fd, SHUT_WR);
    c->phase = DRAINING;
    p->pfd[i + 2].events = POLLIN;
    return true;
}

static void drain_some(mg_http_prefilter *p, size_t i)
{
    pending *c = &p->conns[i];
    for (;;) {
        ssize_t n = recv(c->fd, p->peek, PEEK_MAX, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        c->drained += n > 0 ? (size_t)n : 0;
        if (n <= 0 || c->drained > DRAIN_MAX) {
            close_conn(p, i);
            return;
        }
    }
}

/* Sends the answer just built for conns[i] as far as the socket takes it
 * now; poll() sees to the rest. */
static void send_now(mg_http_prefilter *p, size_t i)
{
    if (write_some(p, i) && p->conns[i].phase == DRAINING)
        drain_some(p, i);
}

/* Gives conns[i] to libmicrohttpd, which owns the socket from then on. */
static void hand_off(mg_http_prefilter *p, size_t i)
{
    pending c = p->conns[i];
    remove_conn(p, i);
    if (c.seen)
        set_lowat(c.fd, 1);
    mg_http_guard_hand_off(p->cfg.guard, c.guard);
    if (!p->cfg.hand_off(p->cfg.server, c.fd, &c.addr, c.addr_len))
        /* libmicrohttpd refused it and closed the socket without
         * notifying: the slots are given back here. */
        mg_http_guard_closed(p->cfg.guard, c.guard);
}

/* Peeks at conns[i]'s head and decides, or waits for more; `woken` when
 * poll() reported the socket (not a peek of LAG_MS). */
static void read_some(mg_http_prefilter *p, size_t i, bool woken)
{
    pending *c = &p->conns[i];
    ssize_t n;
    do
        n = recv(c->fd, p->peek, PEEK_MAX, MSG_PEEK);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    /* The client went (or the guard's deadline shut the socket down)
     * before its head was complete: no request, no answer. Woken with no
     * new byte means the same (SO_RCVLOWAT is past what was seen). */
    if (n <= 0 || ((size_t)n == c->seen && woken)) {
        close_conn(p, i);
        return;
    }
    if ((size_t)n == c->seen) {
        c->peeked_ms = now_ms();
        return;
    }
    size_t len = (size_t)n, start = 0;
    size_t end = head_end(p->peek, len, &start);
    if (end && end - start <= MG_HTTP_MAX_HEAD) {
        verdict v = check_head(p->peek, start, end);
        if (!v.status && !v.too_large)
            hand_off(p, i);
        else {
            answer(p, i, p->peek, start, end, &v, false);
            send_now(p, i);
        }
        return;
    }
    if (end || len >= PEEK_MAX) {
        /* Past our head limit: 414 when the request line alone is past
         * MG_HTTP_MAX_URL, else 431 (dispatch_begin's order). */
        size_t line_end = start;
        while (line_end < len && p->peek[line_end] != '\n')
            line_end++;
        verdict v = {0};
        const char *rl = p->peek + start;
        const char *sp1 = memchr(rl, ' ', line_end - start);
        if (sp1) {
            v.method = (line){rl, (size_t)(sp1 - rl)};
            const char *t_end = memchr(sp1 + 1, ' ', (size_t)(p->peek + line_end - (sp1 + 1)));
            v.target = (line){sp1 + 1, (size_t)((t_end ? t_end : p->peek + line_end) - (sp1 + 1))};
        }
        /* Fields are read only from a complete head; one that is cut is
         * answered from its request line alone. */
        answer(p, i, p->peek, start, 0, &v, true);
        send_now(p, i);
        return;
    }
    c->seen = len;
    size_t step = len > LAG_FROM ? len / 16u : 1u;
    c->lagging = step > 1;
    c->peeked_ms = now_ms();
    set_lowat(c->fd, len + step);
}

/* --- The loop ------------------------------------------------------------- */

static void accept_waiting(mg_http_prefilter *p)
{
    for (int k = 0; k < ACCEPT_BATCH; k++) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        /* accept(), not the GNU accept4; close-on-exec and non-blocking
         * are set right after (libmicrohttpd keeps the socket so). */
        int fd = accept(p->cfg.listen_fd, (struct sockaddr *)&addr, &len);
        if (fd < 0) {
            /* Out of files despite the limit (something else holds them):
             * the queue waits a moment instead of the thread spinning. */
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                pause_ms(10);
            return;
        }
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        unsigned char ip[16];
        mg_http_guard_conn *g =
            mg_http_ip_of_sockaddr((const struct sockaddr *)&addr, ip)
                ? mg_http_guard_admit(p->cfg.guard, fd, ip)
                : NULL;
        if (!g) {
            close(fd);
            continue;
        }
        if (!add_conn(p, fd, g, &addr, len)) {
            mg_http_guard_closed(p->cfg.guard, g);
            close(fd);
            continue;
        }
        read_some(p, p->n - 1, true);
    }
}

static void *prefilter_main(void *arg)
{
    mg_http_prefilter *p = arg;
    for (;;) {
        p->pfd[0] = (struct pollfd){.fd = p->cfg.listen_fd, .events = POLLIN};
        p->pfd[1] = (struct pollfd){.fd = p->stop_pipe[0], .events = POLLIN};
        bool lagging = false;
        for (size_t i = 0; i < p->n && !lagging; i++)
            lagging = p->conns[i].phase == WAITING && p->conns[i].lagging;
        if (poll(p->pfd, p->n + 2, lagging ? LAG_MS : -1) < 0) {
            if (errno != EINTR)
                pause_ms(10);
            continue;
        }
        if (p->pfd[1].revents)
            break;
        /* From the end, so that a removal (the last entry moving into the
         * freed place) never skips an entry not yet looked at. */
        int64_t now = now_ms();
        for (size_t i = p->n; i-- > 0;) {
            short ev = p->pfd[i + 2].revents;
            if (!ev) {
                pending *c = &p->conns[i];
                if (c->phase == WAITING && c->lagging && now - c->peeked_ms >= LAG_MS)
                    read_some(p, i, false);
                continue;
            }
            p->pfd[i + 2].revents = 0;
            switch (p->conns[i].phase) {
            case WAITING: read_some(p, i, true); break;
            case WRITING: send_now(p, i); break;
            case DRAINING: drain_some(p, i); break;
            }
        }
        if (p->pfd[0].revents & POLLIN)
            accept_waiting(p);
    }
    while (p->n)
        close_conn(p, p->n - 1);
    return NULL;
}

int mg_http_prefilter_start(mg_http_prefilter **out, const mg_http_prefilter_config *cfg)
{
    *out = NULL;
    mg_http_prefilter *p = mg_alloc_array(1, sizeof *p);
    if (!p)
        return MG_ENOMEM;
    p->cfg = *cfg;
    p->stop_pipe[0] = p->stop_pipe[1] = -1;
    p->peek = malloc(PEEK_MAX);
    p->pfd = malloc(2 * sizeof *p->pfd);
    if (!p->peek || !p->pfd || pipe(p->stop_pipe) != 0) {
        mg_http_prefilter_stop(p);
        return MG_ENOMEM;
    }
    for (int i = 0; i < 2; i++)
        (void)fcntl(p->stop_pipe[i], F_SETFD, FD_CLOEXEC);
    if (pthread_create(&p->thread, NULL, prefilter_main, p) != 0) {
        mg_http_prefilter_stop(p);
        return MG_ENOMEM;
    }
    p->started = true;
    *out = p;
    return MG_OK;
}

void mg_http_prefilter_stop(mg_http_prefilter *p)
{
    if (!p)
        return;
    if (p->started) {
        ssize_t w;
        do
            w = write(p->stop_pipe[1], "x", 1);
        while (w < 0 && errno == EINTR);
        pthread_join(p->thread, NULL);
    }
    for (int i = 0; i < 2; i++)
        if (p->stop_pipe[i] >= 0)
            close(p->stop_pipe[i]);
    free(p->conns);
    free(p->pfd);
    free(p->peek);
    free(p);
}
