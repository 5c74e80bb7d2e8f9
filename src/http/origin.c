/*
 * Which requests come from this site: the Host header checked against the
 * names the server answers to (so that a DNS-rebinding page, whose requests
 * carry its own name, is refused), and, on requests that change state, the
 * Origin header — or the Referer when there is no Origin — checked against
 * the same names (so that another site cannot make a visitor's browser post
 * a form here). A request with neither header comes from no browser page
 * (a script, curl) and is let through: browsers send Origin with every
 * cross-site POST, PUT and DELETE. Written by hand: a few string
 * comparisons that libmicrohttpd leaves to the application.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/internal.h"

/* The length of the name part of "name[:port]" ("[v6]" kept whole). */
static size_t name_len(const char *hostport)
{
    if (hostport[0] == '[') {
        const char *end = strchr(hostport, ']');
        return end ? (size_t)(end - hostport) + 1 : strlen(hostport);
    }
    return strcspn(hostport, ":");
}

/* Whether two host[:port] name the same host, case aside: same name, and
 * the same port when both give one. */
static bool same_host(const char *a, const char *b)
{
    size_t na = name_len(a), nb = name_len(b);
    if (na != nb || strncasecmp(a, b, na) != 0)
        return false;
    return !a[na] || !b[nb] || strcmp(a + na, b + nb) == 0;
}

int mg_http_hosts_add(mg_http_hosts *h, const char *name)
{
    if (!name || !*name)
        return MG_EINVAL;
    if (h->n == MG_HTTP_MAX_HOSTS)
        return MG_ELIMIT;
    size_t len = name_len(name);
    if (len == 0 || len >= sizeof h->name[0])
        return MG_ELIMIT;
    for (size_t i = 0; i < len; i++)
        h->name[h->n][i] = (char)tolower((unsigned char)name[i]);
    h->name[h->n][len] = '\0';
    h->n++;
    return MG_OK;
}

int mg_http_hosts_add_url(mg_http_hosts *h, const char *url)
{
    /* scheme://host[:port][/…]: the host, as a Host header names it. */
    if (!url || (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0))
        return MG_EINVAL;
    const char *p = strstr(url, "://") + 3;
    size_t len = strcspn(p, "/?#");
    if (len == 0 || len >= 256 || memchr(p, '@', len))
        return MG_EINVAL;
    char host[256];
    memcpy(host, p, len);
    host[len] = '\0';
    return mg_http_hosts_add(h, host);
}

/* The Host header names one of the server's names; the port is not
 * compared: what a DNS-rebinding page cannot fake is the name, and clients
 * differ in writing the port or not. */
bool mg_http_host_allowed(const mg_http_hosts *h, const char *host)
{
    if (h->any)
        return true;
    if (!host)
        return false;
    size_t len = name_len(host);
    for (size_t i = 0; i < h->n; i++)
        if (strlen(h->name[i]) == len && strncasecmp(h->name[i], host, len) == 0)
            return true;
    return false;
}

/* The host[:port] of an absolute http(s) URL into out; false when it is
 * not one ("null", a relative Referer, another scheme). */
static bool url_host(const char *url, char *out, size_t cap)
{
    const char *p = NULL;
    if (strncasecmp(url, "http://", 7) == 0)
        p = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        p = url + 8;
    if (!p)
        return false;
    size_t len = strcspn(p, "/?#");
    if (len == 0 || len >= cap || memchr(p, '@', len))
        return false;
    memcpy(out, p, len);
    out[len] = '\0';
    return true;
}

bool mg_http_unsafe_method(const char *method)
{
    return method && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

int mg_http_check_origin(const mg_http_hosts *h, const mg_http_request *r, char *msg, size_t cap)
{
    const char *host = mg_http_header(r, "Host");
    if (!host || !*host) {
        snprintf(msg, cap, "En-tête Host manquant.");
        return 400;
    }
    if (!mg_http_host_allowed(h, host)) {
        snprintf(msg, cap, "Ce serveur ne répond pas à ce nom d'hôte.");
        return 421;
    }
    if (!mg_http_unsafe_method(mg_http_method(r)))
        return 0;
    const char *origin = mg_http_header(r, "Origin");
    const char *referer = mg_http_header(r, "Referer");
    const char *from = origin ? origin : referer;
    if (!from)
        return 0;
    char other[256];
    /* The page that sent the request must be of this very site: the host
     * (already one of the server's names) and port of the request. */
    bool ok = url_host(from, other, sizeof other) && same_host(other, host);
    if (!ok) {
        snprintf(msg, cap, "Cette demande vient d'un autre site : elle est refusée.");
        return 403;
    }
    return 0;
}
