/*
 * The connection guard: what keeps the server answering when clients are
 * many, slow or hostile, on top of what libmicrohttpd offers.
 *
 * Admission. libmicrohttpd splits MHD_OPTION_CONNECTION_LIMIT evenly among
 * the pool's threads and, once a thread holds its share, stops polling the
 * listening socket: newcomers then wait in the kernel's listen queue, with
 * no answer, until a connection of that very thread ends. The guard keeps
 * one count for the whole server instead, and one per client address,
 * which the server's acceptor (prefilter.c) consults for each connection it
 * accepts: the connection is counted from then on, while the pre-reader
 * holds it and then while libmicrohttpd does, until it is closed. The
 * per-address count is ours too (libmicrohttpd's would miss the connections
 * still in the pre-reader). libmicrohttpd is given limits it never reaches.
 *
 * Deadline. libmicrohttpd's MHD_OPTION_CONNECTION_TIMEOUT is an idle
 * timeout: every byte received restarts it, so a client sending one byte a
 * second holds its connection for ever, and a few hundred such clients
 * hold every connection. libmicrohttpd 0.9.75 has no absolute deadline, so
 * this one is hand-written: each connection is "on the clock" from the
 * moment it is accepted (or its previous request on a kept-alive connection
 * completed) until the whole request, head and body, has been received. A
 * reaper thread shuts down (shutdown(2), SHUT_RDWR) the sockets still on the
 * clock past the deadline; the pre-reader or libmicrohttpd then sees the
 * socket end and closes the connection the ordinary way.
 *
 * An fd is touched only under the guard's mutex and only while its record
 * is on the clock. The pre-reader removes the record before it closes a
 * socket; while a connection passes to libmicrohttpd (between
 * MHD_add_connection and its MHD_CONNECTION_NOTIFY_STARTED) it is off the
 * clock, since libmicrohttpd may close a socket it refuses without telling;
 * libmicrohttpd notifies MHD_CONNECTION_NOTIFY_CLOSED before it closes the
 * socket (0.9.75, daemon.c: MHD_cleanup_connections and the failure path of
 * new_connection_process_ notify, then close), and mg_http_guard_closed
 * takes the mutex and removes the record, so the reaper never shuts down an
 * fd number that has been closed and reused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/alloc.h"
#include "http/internal.h"

/* The reaper sleeps until the oldest deadline, at most this long (so that
 * a connection put on the clock while it sleeps waits no longer). */
#define REAPER_MAX_SLEEP_MS 1000

/* Buckets of the per-address count (a chained hash table). */
#define ADDRESS_BUCKETS 1024u

struct mg_http_guard_conn {
    int fd;
    unsigned char addr[16];
    int64_t since_ms;  /* when it went on the clock */
    bool on_clock;     /* waiting for (the rest of) a request */
    bool handed;       /* on its way to libmicrohttpd (the handed list) */
    mg_http_guard_conn *prev, *next; /* the clock list */
    mg_http_guard_conn *same_bucket; /* the address's bucket */
    mg_http_guard_conn *next_handed;
};

struct mg_http_guard {
    pthread_mutex_t mu;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC: tells the reaper to stop */
    pthread_t reaper;
    bool stop;
    unsigned limit;      /* connections admitted at most */
    unsigned active;     /* connections admitted now */
    unsigned per_address; /* connections per address at most; 0: no limit */
    int64_t deadline_ms;
    mg_http_guard_conn *buckets[ADDRESS_BUCKETS];
    mg_http_guard_conn *handed; /* given to libmicrohttpd, not yet started */
    /* Connections on the clock, oldest first: they all have the same
     * deadline, so the head is always the first to expire. */
    mg_http_guard_conn *head, *tail;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* List operations; the caller holds the mutex. */
static void clock_on(mg_http_guard *g, mg_http_guard_conn *c)
{
    c->since_ms = now_ms();
    c->on_clock = true;
    c->next = NULL;
    c->prev = g->tail;
    if (g->tail)
        g->tail->next = c;
    else
        g->head = c;
    g->tail = c;
}

static void clock_off(mg_http_guard *g, mg_http_guard_conn *c)
{
    if (!c->on_clock)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        g->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        g->tail = c->prev;
    c->prev = c->next = NULL;
    c->on_clock = false;
}

/* Puts c back on the clock with the time it already had: the list stays
 * sorted, and such a connection is among the newest, so the walk from the
 * tail is short. */
static void clock_back(mg_http_guard *g, mg_http_guard_conn *c)
{
    mg_http_guard_conn *after = g->tail;
    while (after && after->since_ms > c->since_ms)
        after = after->prev;
    c->on_clock = true;
    c->prev = after;
    c->next = after ? after->next : g->head;
    if (c->next)
        c->next->prev = c;
    else
        g->tail = c;
    if (after)
        after->next = c;
    else
        g->head = c;
}

static unsigned bucket_of(const unsigned char addr[16])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 16; i++)
        h = (h ^ addr[i]) * 16777619u;
    return h % ADDRESS_BUCKETS;
}

/*
 * Shuts down every connection past its deadline and returns how long to
 * sleep until the next one expires. The caller holds the mutex.
 */
static int64_t reap(mg_http_guard *g)
{
    int64_t now = now_ms();
    while (g->head && now - g->head->since_ms >= g->deadline_ms) {
        mg_http_guard_conn *c = g->head;
        clock_off(g, c);
        (void)shutdown(c->fd, SHUT_RDWR);
    }
    int64_t wait = REAPER_MAX_SLEEP_MS;
    if (g->head && g->head->since_ms + g->deadline_ms - now < wait)
        wait = g->head->since_ms + g->deadline_ms - now;
    return wait < 1 ? 1 : wait;
}

static void *reaper_main(void *arg)
{
    mg_http_guard *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        int64_t wait = reap(g);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)(wait / 1000);
        until.tv_nsec += (long)(wait % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int rc;
        do
            rc = pthread_cond_timedwait(&g->wake, &g->mu, &until);
        while (rc == 0 && !g->stop);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

int mg_http_guard_new(mg_http_guard **out, unsigned limit, unsigned per_address,
                      unsigned deadline_s)
{
    *out = NULL;
    mg_http_guard *g = mg_alloc_array(1, sizeof *g);
    if (!g)
        return MG_ENOMEM;
    g->limit = limit;
    g->per_address = per_address;
    g->deadline_ms = (int64_t)deadline_s * 1000;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) {
        free(g);
        return MG_ENOMEM;
    }
    int rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&g->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0) {
        free(g);
        return MG_ENOMEM;
    }
    if (pthread_mutex_init(&g->mu, NULL) != 0) {
        pthread_cond_destroy(&g->wake);
        free(g);
        return MG_ENOMEM;
    }
    if (pthread_create(&g->reaper, NULL, reaper_main, g) != 0) {
        pthread_mutex_destroy(&g->mu);
        pthread_cond_destroy(&g->wake);
        free(g);
        return MG_ENOMEM;
    }
    *out = g;
    return MG_OK;
}

void mg_http_guard_free(mg_http_guard *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->reaper, NULL);
    /* The daemon has stopped, so every connection has been notified
     * closed and the list is empty. */
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->wake);
    free(g);
}

mg_http_guard_conn *mg_http_guard_admit(mg_http_guard *g, int fd, const unsigned char addr[16])
{
    mg_http_guard_conn *c = mg_alloc_array(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    memcpy(c->addr, addr, sizeof c->addr);
    unsigned b = bucket_of(addr);
    pthread_mutex_lock(&g->mu);
    bool ok = g->active < g->limit;
    if (ok && g->per_address) {
        unsigned same = 0;
        for (const mg_http_guard_conn *o = g->buckets[b]; o; o = o->same_bucket)
            same += memcmp(o->addr, addr, sizeof o->addr) == 0;
        ok = same < g->per_address;
    }
    if (ok) {
        g->active++;
        c->same_bucket = g->buckets[b];
        g->buckets[b] = c;
        clock_on(g, c);
    }
    pthread_mutex_unlock(&g->mu);
    if (!ok) {
        free(c);
        return NULL;
    }
    return c;
}

void mg_http_guard_hand_off(mg_http_guard *g, mg_http_guard_conn *c)
{
    pthread_mutex_lock(&g->mu);
    int64_t since = c->since_ms;
    clock_off(g, c);
    c->since_ms = since;
    c->handed = true;
    c->next_handed = g->handed;
    g->handed = c;
    pthread_mutex_unlock(&g->mu);
}

/* Takes c out of the handed list; the caller holds the mutex. */
static void unhand(mg_http_guard *g, mg_http_guard_conn *c)
{
    if (!c->handed)
        return;
    for (mg_http_guard_conn **p = &g->handed; *p; p = &(*p)->next_handed)
        if (*p == c) {
            *p = c->next_handed;
            break;
        }
    c->handed = false;
    c->next_handed = NULL;
}

mg_http_guard_conn *mg_http_guard_claim(mg_http_guard *g, int fd)
{
    pthread_mutex_lock(&g->mu);
    mg_http_guard_conn *c = g->handed;
    while (c && c->fd != fd)
        c = c->next_handed;
    if (c) {
        unhand(g, c);
        clock_back(g, c);
    }
    pthread_mutex_unlock(&g->mu);
    return c;
}

void mg_http_guard_received(mg_http_guard *g, mg_http_guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->mu);
    clock_off(g, c);
    pthread_mutex_unlock(&g->mu);
}

void mg_http_guard_next(mg_http_guard *g, mg_http_guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->mu);
    clock_off(g, c);
    clock_on(g, c);
    pthread_mutex_unlock(&g->mu);
}

void mg_http_guard_closed(mg_http_guard *g, mg_http_guard_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&g->mu);
    clock_off(g, c);
    unhand(g, c);
    for (mg_http_guard_conn **p = &g->buckets[bucket_of(c->addr)]; *p; p = &(*p)->same_bucket)
        if (*p == c) {
            *p = c->same_bucket;
            break;
        }
    g->active--;
    pthread_mutex_unlock(&g->mu);
    free(c);
}
