/*
 * maillage serve: the web application.
 *
 * In three steps: parse (the command line into a serve_opts), start (the
 * file limit, the access log, the relay's credentials, the application
 * loaded, the HTTP server listening and, with a relay, the mail delivery
 * thread, into a serve_run) and serve until a signal says stop.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "parse/parse.h"
#include "mail/mail.h"
#include "web/app.h"

#ifndef MG_STATIC_DIR
#define MG_STATIC_DIR "static"
#endif

static const char cmd[] = "serve";

/* Seconds between two looks at the mail queue, by default. */
#define SERVE_MAIL_INTERVAL 10u

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void help(void)
{
    printf("Usage: maillage serve --bundle DIR --france DIR [OPTIONS]\n"
           "\n"
           "Serves the web application: the map of access to care of the bundle's\n"
           "territory for every profession, commune pages, the scenario sandbox,\n"
           "downloads and the JSON API (described in static/openapi.yaml).\n"
           "Binds to 127.0.0.1 unless told otherwise; stops on Ctrl-C or SIGTERM.\n"
           "\n%s"
           "Server:\n"
           "  --address ADDR        address to bind (default 127.0.0.1; :: or 0.0.0.0 for all)\n"
           "  --port N              port (default 8080; 0 picks a free one)\n"
           "  --database DB         SQLite file, or postgresql://… URI for several\n"
           "                        processes on one database (default maillage.sqlite)\n"
           "  --database-wait MS    longest wait for a lock held elsewhere before a\n"
           "                        write is answered 503 (default 2000)\n"
           "  --durability WHAT     process: a commit survives a crash of maillage\n"
           "                        (default); power: also a power cut (SQLite fsyncs\n"
           "                        each commit; docs/deployment.md)\n"
           "  --threads N           worker threads (default 2)\n"
           "  --static DIR          static files (default %s)\n"
           "  --port-file FILE      write the bound port there once listening (for scripts)\n"
           "  --access-log FILE     one line per request appended to FILE; - for standard\n"
           "                        error (default), off for none\n"
           "  --baseline B          what pages, exports and the API show without ?base=:\n"
           "                        official (default: the DREES APL where it publishes\n"
           "                        one, plus the model's change) or model (the model's\n"
           "                        APL; docs/web.md)\n"
           "  --layer FILE          a layer beside the APL (ARS zoning, a classification…):\n"
           "                        its descriptor (docs/formats.md), repeatable, at most 8\n"
           "  --finder-cache S      seconds the finder keeps a commune's answer (default 30,\n"
           "                        at most 3600; 0: every page asks the directory;\n"
           "                        docs/finder.md)\n"
           "\n"
           "Limits (docs/web.md, docs/deployment.md):\n"
           "  --max-connections N   connections at once; past it new ones are closed at\n"
           "                        once (default %u, or what the open-file limit allows)\n"
           "  --max-connections-per-address N\n"
           "                        connections at once from one address (default 32)\n"
           "  --request-timeout S   seconds to receive a whole request, not restarted by\n"
           "                        each byte; also a kept-alive connection's wait for its\n"
           "                        next request (default 20)\n"
           "  --idle-timeout S      seconds without a byte before a connection is closed\n"
           "                        (default 30)\n"
           "  --trusted-proxy ADDR  the reverse proxy's address: X-Forwarded-For is believed\n"
           "                        only from it, and the per-address limit is left to it\n"
           "  --public-url URL      an address people use to reach the server\n"
           "                        (https://sante.example.fr), repeatable: requests for\n"
           "                        another host name are refused (docs/security.md)\n"
           "\n"
           "Mail (docs/mail.md; without --smtp-relay messages stay queued):\n"
           "  --smtp-relay URL      the relay mail goes out through: smtp://host:port,\n"
           "                        or smtps://host:port for TLS from the start\n"
           "  --smtp-starttls       require STARTTLS on smtp://: nothing is sent in clear\n"
           "  --smtp-credentials FILE\n"
           "                        user:password on the first line of FILE, which other\n"
           "                        users must not be able to read (chmod 600)\n"
           "  --mail-from ADDRESS   the sender of every message (needed with a relay)\n"
           "  --mail-interval S     seconds between two looks at the queue (default %u)\n"
           "  -h, --help            this help\n",
           cli_common_help, MG_STATIC_DIR, MG_HTTP_DEFAULT_CONNECTIONS, SERVE_MAIL_INTERVAL);
}

static void show_progress(void *ctx, const char *step, double fraction)
{
    (void)ctx;
    fprintf(stderr, "\r[%3.0f%%] chargement : %-10s", fraction * 100, step);
    if (fraction >= 1)
        fputc('\n', stderr);
    fflush(stderr);
}

/* ---- Parse: the command line into a serve_opts ------------------------- */

enum {
    OPT_ADDRESS = OPT_COMMON_END, OPT_PORT, OPT_DATABASE, OPT_THREADS, OPT_STATIC, OPT_PORT_FILE,
    OPT_MAX_CONN, OPT_MAX_PER_ADDR, OPT_REQUEST_TIMEOUT, OPT_IDLE_TIMEOUT, OPT_TRUSTED_PROXY,
    OPT_DB_WAIT, OPT_DURABILITY, OPT_ACCESS_LOG, OPT_PUBLIC_URL, OPT_SMTP_RELAY,
    OPT_SMTP_STARTTLS, OPT_SMTP_CREDENTIALS, OPT_MAIL_FROM, OPT_MAIL_INTERVAL, OPT_BASELINE,
    OPT_LAYER, OPT_FINDER_CACHE
};

/* --public-url may be given this many times. */
#define SERVE_MAX_PUBLIC_URLS 8

/* The command line, read. */
typedef struct serve_opts {
    cli_common c;
    mg_http_config hc; /* access_log set when the log is opened */
    const char *database, *port_file, *access_log;
    mg_db_options dbo;
    const char *public_urls[SERVE_MAX_PUBLIC_URLS + 1]; /* NULL-terminated */
    size_t npublic;
    /* Mail: the relay (NULL: messages stay queued) and how to use it. */
    const char *smtp_relay, *smtp_credentials, *mail_from;
    bool smtp_starttls;
    unsigned mail_interval;
    enum mg_baseline baseline; /* of pages without ?base= (official unless --baseline) */
    const char *layers[MG_APP_MAX_LAYERS]; /* --layer descriptors */
    int finder_cache_s;                    /* --finder-cache: 0 default, -1 off */
    size_t nlayers;
    bool help; /* --help was given and answered */
} serve_opts;

/* An option that takes a whole number of units: its name, bounds and
 * where it goes. */
typedef struct number_opt {
    const char *name;
    double lo, hi;
    unsigned *to;
} number_opt;

/* The options that take one number; any other code (longopts gives none)
 * is a usage error. -1 after a usage error. */
static int number_option(serve_opts *o, int opt, const char *arg)
{
    mg_http_config *hc = &o->hc;
    number_opt n;
    switch (opt) {
    case OPT_DB_WAIT: n = (number_opt){"database-wait", 1, 600000, &o->dbo.busy_ms}; break;
    case OPT_MAX_CONN:
        n = (number_opt){"max-connections", 1, MG_HTTP_MAX_CONNECTIONS, &hc->connection_limit};
        break;
    case OPT_MAX_PER_ADDR:
        n = (number_opt){"max-connections-per-address", 1, MG_HTTP_MAX_CONNECTIONS,
                         &hc->per_address_limit};
        break;
    case OPT_REQUEST_TIMEOUT:
        n = (number_opt){"request-timeout", 1, 3600, &hc->request_deadline};
        break;
    case OPT_IDLE_TIMEOUT:
        n = (number_opt){"idle-timeout", 1, 3600, &hc->connection_timeout};
        break;
    case OPT_PORT: n = (number_opt){"port", 0, 65535, &hc->port}; break;
    case OPT_THREADS: n = (number_opt){"threads", 1, 64, &hc->threads}; break;
    case OPT_MAIL_INTERVAL:
        n = (number_opt){"mail-interval", 1, 3600, &o->mail_interval};
        break;
    default: cli_error(cmd, "try --help"); return -1;
    }
    double v;
    if (cli_number(cmd, n.name, arg, n.lo, n.hi, &v))
        return -1;
    *n.to = (unsigned)v;
    return 0;
}

/* One option of serve's own (the common ones and --help aside); -1 after a
 * usage error. */
static int serve_option(serve_opts *o, int opt, const char *arg)
{
    switch (opt) {
    case OPT_ADDRESS: o->hc.address = arg; return 0;
    case OPT_DATABASE: o->database = arg; return 0;
    case OPT_STATIC: o->hc.static_dir = arg; return 0;
    case OPT_PORT_FILE: o->port_file = arg; return 0;
    case OPT_TRUSTED_PROXY: o->hc.trusted_proxy = arg; return 0;
    case OPT_ACCESS_LOG: o->access_log = arg; return 0;
    case OPT_SMTP_RELAY: o->smtp_relay = arg; return 0;
    case OPT_SMTP_STARTTLS: o->smtp_starttls = true; return 0;
    case OPT_SMTP_CREDENTIALS: o->smtp_credentials = arg; return 0;
    case OPT_MAIL_FROM: o->mail_from = arg; return 0;
    case OPT_PUBLIC_URL:
        if (o->npublic == SERVE_MAX_PUBLIC_URLS) {
            cli_error(cmd, "--public-url: at most %d", SERVE_MAX_PUBLIC_URLS);
            return -1;
        }
        if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0) {
            cli_error(cmd, "--public-url %s: expected http://… or https://…", arg);
            return -1;
        }
        o->public_urls[o->npublic++] = arg;
        o->hc.public_urls = o->public_urls;
        return 0;
    case OPT_LAYER:
        if (o->nlayers == MG_APP_MAX_LAYERS) {
            cli_error(cmd, "--layer: at most %d layers", MG_APP_MAX_LAYERS);
            return -1;
        }
        o->layers[o->nlayers++] = arg;
        return 0;
    case OPT_FINDER_CACHE: {
        int64_t v = 0;
        mg_parse_error why;
        if (mg_parse_int(arg, 0, MG_APP_FINDER_CACHE_MAX_S, &v, &why)) {
            cli_error(cmd, "--finder-cache %s: expected a whole number of seconds from 0 to %d",
                      arg, MG_APP_FINDER_CACHE_MAX_S);
            return -1;
        }
        o->finder_cache_s = v == 0 ? -1 : (int)v;
        return 0;
    }
    case OPT_BASELINE:
        if (strcmp(arg, "model") == 0) {
            o->baseline = MG_BASELINE_MODEL;
        } else if (strcmp(arg, "official") == 0) {
            o->baseline = MG_BASELINE_OFFICIAL;
        } else {
            cli_error(cmd, "--baseline %s: expected model or official", arg);
            return -1;
        }
        return 0;
    case OPT_DURABILITY:
        if (strcmp(arg, "process") == 0) {
            o->dbo.durability = MG_DB_DURABLE_PROCESS;
        } else if (strcmp(arg, "power") == 0) {
            o->dbo.durability = MG_DB_DURABLE_POWER;
        } else {
            cli_error(cmd, "--durability %s: expected process or power", arg);
            return -1;
        }
        return 0;
    default: return number_option(o, opt, arg);
    }
}

/*
 * The mail options, together: a relay URL that libcurl will take for SMTP
 * and that holds no credentials (they would show in `ps`), a sender, and
 * no option of the relay's without the relay. 0, or -1 after a usage
 * error.
 */
static int check_mail_options(const serve_opts *o)
{
    if (!o->smtp_relay) {
        const char *orphan = o->mail_from          ? "--mail-from"
                             : o->smtp_credentials ? "--smtp-credentials"
                             : o->smtp_starttls    ? "--smtp-starttls"
                             : o->mail_interval != SERVE_MAIL_INTERVAL ? "--mail-interval"
                                                                       : NULL;
        if (orphan) {
            cli_error(cmd, "%s needs --smtp-relay", orphan);
            return -1;
        }
        return 0;
    }
    const char *r = o->smtp_relay;
    size_t scheme = strncmp(r, "smtp://", 7) == 0 ? 7 : strncmp(r, "smtps://", 8) == 0 ? 8 : 0;
    if (!scheme || !r[scheme] || strchr(r, ' ')) {
        cli_error(cmd, "--smtp-relay %s: expected smtp://host:port or smtps://host:port", r);
        return -1;
    }
    if (memchr(r + scheme, '@', strcspn(r + scheme, "/"))) {
        cli_error(cmd, "--smtp-relay: credentials go in --smtp-credentials FILE, not in the URL");
        return -1;
    }
    if (!o->mail_from) {
        cli_error(cmd, "--smtp-relay needs --mail-from ADDRESS (the sender of every message)");
        return -1;
    }
    mg_diag d = {{0}};
    if (mg_mail_check_address(o->mail_from, &d)) {
        cli_error(cmd, "--mail-from %s: %s", o->mail_from, d.msg);
        return -1;
    }
    return 0;
}

/* Reads the command line into *o; returns an exit code, MG_EXIT_OK with
 * o->help set when --help was answered. */
static int serve_parse(serve_opts *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"address", required_argument, NULL, OPT_ADDRESS},
        {"port", required_argument, NULL, OPT_PORT},
        {"database", required_argument, NULL, OPT_DATABASE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"static", required_argument, NULL, OPT_STATIC},
        {"port-file", required_argument, NULL, OPT_PORT_FILE},
        {"max-connections", required_argument, NULL, OPT_MAX_CONN},
        {"max-connections-per-address", required_argument, NULL, OPT_MAX_PER_ADDR},
        {"request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT},
        {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
        {"trusted-proxy", required_argument, NULL, OPT_TRUSTED_PROXY},
        {"database-wait", required_argument, NULL, OPT_DB_WAIT},
        {"durability", required_argument, NULL, OPT_DURABILITY},
        {"access-log", required_argument, NULL, OPT_ACCESS_LOG},
        {"public-url", required_argument, NULL, OPT_PUBLIC_URL},
        {"smtp-relay", required_argument, NULL, OPT_SMTP_RELAY},
        {"smtp-starttls", no_argument, NULL, OPT_SMTP_STARTTLS},
        {"smtp-credentials", required_argument, NULL, OPT_SMTP_CREDENTIALS},
        {"mail-from", required_argument, NULL, OPT_MAIL_FROM},
        {"mail-interval", required_argument, NULL, OPT_MAIL_INTERVAL},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"layer", required_argument, NULL, OPT_LAYER},
        {"finder-cache", required_argument, NULL, OPT_FINDER_CACHE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* The DREES map by default: what elected officials know, with the
     * model's change for scenarios (docs/methodology.md, "Official
     * baseline"; the model alone ranks communes better than its level
     * flags them, see "Calibration"). */
    *o = (serve_opts){.hc = mg_http_config_defaults(), .database = "maillage.sqlite",
                      .access_log = "-", .mail_interval = SERVE_MAIL_INTERVAL,
                      .baseline = MG_BASELINE_OFFICIAL};
    o->hc.static_dir = MG_STATIC_DIR;
    cli_common_init(&o->c);
    int opt;
    optind = 1;
    while ((opt = cli_getopt(&o->c, argc, argv, longopts, cmd)) > 0) {
        if (opt == 'h') {
            help();
            o->help = true;
            return MG_EXIT_OK;
        }
        if (serve_option(o, opt, optarg))
            return MG_EXIT_USAGE;
    }
    if (opt < 0 || cli_common_finish(&o->c, cmd) || check_mail_options(o))
        return MG_EXIT_USAGE;
    return MG_EXIT_OK;
}

/* ---- Start: file limit, access log, application, server ---------------- */

/* What a running server holds; serve_run_free stops and releases it. */
typedef struct serve_run {
    FILE *log; /* NULL: none; stderr or a file of ours */
    mg_app *app;
    mg_http_server *srv;
    mg_mail_worker *mail;            /* NULL without a relay */
    char *smtp_user, *smtp_password; /* from --smtp-credentials until the worker copies them */
    unsigned port; /* the port bound */
    mg_diag d;     /* the message of the step that failed */
} serve_run;

/* Stops in the reverse order of the start: no request can enqueue mail
 * once the server has stopped; the delivery thread finishes the message it
 * is sending (its claim never left half done) before the database the
 * application owns is closed. */
static void serve_run_free(serve_run *r)
{
    mg_http_stop(r->srv);
    mg_mail_worker_stop(r->mail, NULL, NULL);
    mg_mail_credentials_free(r->smtp_user, r->smtp_password);
    mg_app_free(r->app);
    if (r->log && r->log != stderr)
        fclose(r->log);
}

/* Prints why a step failed: its message, or the text of its code. */
static void print_failure(const serve_run *r, int rc)
{
    fprintf(stderr, "maillage: %s\n", r->d.msg[0] ? r->d.msg : mg_strerror(rc));
}

/* Raises the open-file limit as far as the system allows, and sets the
 * default connection limit from the result. Exit code. */
static int raise_fd_limit(serve_opts *o, serve_run *r)
{
    unsigned long nofile = 0;
    int rc = mg_http_raise_fd_limit(&nofile, &r->d);
    if (rc) {
        print_failure(r, rc);
        return MG_EXIT_FAILURE;
    }
    if (!o->hc.connection_limit) {
        unsigned fit = mg_http_fd_connections(nofile, o->hc.threads);
        o->hc.connection_limit =
            fit < MG_HTTP_DEFAULT_CONNECTIONS ? fit : MG_HTTP_DEFAULT_CONNECTIONS;
    }
    return MG_EXIT_OK;
}

/* The access log of --access-log ("-": stderr, "off": none) into r->log.
 * Exit code. */
static int open_access_log(const char *path, serve_run *r)
{
    if (strcmp(path, "-") == 0) {
        r->log = stderr;
    } else if (strcmp(path, "off") != 0) {
        r->log = fopen(path, "a");
        if (!r->log) {
            fprintf(stderr, "maillage: %s: cannot open the access log: %s\n", path,
                    strerror(errno));
            return MG_EXIT_FAILURE;
        }
    }
    return MG_EXIT_OK;
}

/* The relay's credentials of --smtp-credentials, read before the slow load
 * so that a wrong or readable file is told at once. Exit code. */
static int read_smtp_credentials(const serve_opts *o, serve_run *r)
{
    if (!o->smtp_credentials)
        return MG_EXIT_OK;
    int rc = mg_mail_read_credentials(o->smtp_credentials, &r->smtp_user, &r->smtp_password,
                                      &r->d);
    if (rc) {
        print_failure(r, rc);
        return rc == MG_ENOMEM ? MG_EXIT_FAILURE : MG_EXIT_INPUT;
    }
    /* smtp:// without STARTTLS sends AUTH in clear: fine to a relay on this
     * machine, not across a network. */
    const char *host = o->smtp_relay + 7;
    size_t hlen = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/");
    bool local = (hlen == 9 && strncmp(host, "localhost", 9) == 0) ||
                 (hlen == 5 && strncmp(host, "[::1]", 5) == 0) || strncmp(host, "127.", 4) == 0;
    if (!o->c.quiet && !o->smtp_starttls && strncmp(o->smtp_relay, "smtp://", 7) == 0 && !local)
        fprintf(stderr, "maillage: warning: --smtp-credentials over smtp:// without "
                        "--smtp-starttls: the password crosses the network in clear\n");
    return MG_EXIT_OK;
}

/* With a relay, starts the delivery thread on the application's database;
 * without one, says once that mail stays queued. Exit code. */
static int start_mail(const serve_opts *o, serve_run *r)
{
    if (!o->smtp_relay) {
        if (!o->c.quiet)
            fprintf(stderr, "maillage: no --smtp-relay: mail is kept in the queue, not sent "
                            "(docs/mail.md)\n");
        return MG_EXIT_OK;
    }
    mg_mail_relay relay = {.url = o->smtp_relay,
                           .from = o->mail_from,
                           .username = r->smtp_user,
                           .password = r->smtp_password,
                           .starttls = o->smtp_starttls};
    int rc = mg_mail_worker_start(&r->mail, r->app->db, &relay, o->mail_interval, stderr, &r->d);
    /* The worker has its own copies: ours are wiped now, not at exit. */
    mg_mail_credentials_free(r->smtp_user, r->smtp_password);
    r->smtp_user = r->smtp_password = NULL;
    if (rc) {
        print_failure(r, rc);
        return MG_EXIT_FAILURE;
    }
    return MG_EXIT_OK;
}

/* Loads the application (the slow part) and starts the HTTP server on
 * it. Exit code. */
static int start_server(serve_opts *o, serve_run *r)
{
    o->hc.access_log = r->log;
    /* The first public URL is the address in e-mailed links and decides
     * whether cookies are Secure. */
    mg_app_config ac = {.opts = o->c.opts, .database = o->database, .db_options = o->dbo,
                        .public_url = o->npublic ? o->public_urls[0] : NULL,
                        .baseline = o->baseline, .finder_cache_s = o->finder_cache_s};
    memcpy(ac.layers, o->layers, sizeof ac.layers);
    ac.nlayers = o->nlayers;
    int rc = mg_app_new(&r->app, &ac, o->c.quiet ? NULL : show_progress, NULL, &r->d);
    if (rc) {
        print_failure(r, rc);
        return cli_exit_for(rc);
    }
    if ((rc = mg_http_start(&r->srv, &o->hc, r->app->router, &r->port, &r->d))) {
        print_failure(r, rc);
        return MG_EXIT_FAILURE;
    }
    return MG_EXIT_OK;
}

/* Everything serve starts, into *r (stopped and freed by the caller).
 * Exit code. */
static int serve_start(serve_opts *o, serve_run *r)
{
    int ex;
    /* Before anything opens files: as many connections as the system allows
     * fit, and the default connection limit follows from the result. */
    if ((ex = raise_fd_limit(o, r)))
        return ex;
    /* The access log: opened before the slow load, so that a wrong path
     * is told at once. */
    if ((ex = open_access_log(o->access_log, r)))
        return ex;
    if ((ex = read_smtp_credentials(o, r)))
        return ex;
    if ((ex = start_server(o, r)))
        return ex;
    return start_mail(o, r);
}

/* ---- Serve: say where, wait for a signal ------------------------------- */

/* Says where the server listens: the port in --port-file for scripts, the
 * address on stderr for people. */
static void announce(const serve_opts *o, const serve_run *r)
{
    if (o->port_file) {
        FILE *f = fopen(o->port_file, "w");
        if (f) {
            fprintf(f, "%u\n", r->port);
            fclose(f);
        }
    }
    const char *address = o->hc.address;
    const char *shown = strchr(address ? address : "127.0.0.1", ':') ? "[::1]" : address;
    if (!o->c.quiet)
        fprintf(stderr,
                "maillage : %s servi sur http://%s:%u/ (%u connexions simultanées au plus ; "
                "Ctrl-C pour arrêter)\n",
                r->app->territory_name, shown && strcmp(shown, "0.0.0.0") ? shown : "127.0.0.1",
                r->port, o->hc.connection_limit);
}

/* Returns once SIGINT or SIGTERM has come. */
static void wait_for_stop(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* sleep() returns early on a signal; the loop bounds the check to 1 s
     * even if the signal lands between the test and the call. */
    while (!stop_requested)
        sleep(1);
}

int mg_cmd_serve(int argc, char **argv)
{
    serve_opts o;
    int ex = serve_parse(&o, argc, argv);
    if (ex || o.help)
        return ex;
    serve_run r = {0};
    ex = serve_start(&o, &r);
    if (!ex) {
        announce(&o, &r);
        wait_for_stop();
    }
    serve_run_free(&r);
    if (!ex && !o.c.quiet)
        fprintf(stderr, "maillage : arrêté\n");
    return ex;
}
