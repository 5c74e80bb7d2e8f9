/* maillage serve: the web application. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "web/app.h"

#ifndef MG_STATIC_DIR
#define MG_STATIC_DIR "static"
#endif

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
           "  -h, --help            this help\n",
           cli_common_help, MG_STATIC_DIR, MG_HTTP_DEFAULT_CONNECTIONS);
}

static void show_progress(void *ctx, const char *step, double fraction)
{
    (void)ctx;
    fprintf(stderr, "\r[%3.0f%%] chargement : %-10s", fraction * 100, step);
    if (fraction >= 1)
        fputc('\n', stderr);
    fflush(stderr);
}

int mg_cmd_serve(int argc, char **argv)
{
    enum {
        OPT_ADDRESS = OPT_COMMON_END, OPT_PORT, OPT_DATABASE, OPT_THREADS, OPT_STATIC, OPT_PORT_FILE,
        OPT_MAX_CONN, OPT_MAX_PER_ADDR, OPT_REQUEST_TIMEOUT, OPT_IDLE_TIMEOUT, OPT_TRUSTED_PROXY,
        OPT_DB_WAIT, OPT_DURABILITY, OPT_ACCESS_LOG
    };
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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "serve";
    cli_common c;
    cli_common_init(&c);
    mg_http_config hc = mg_http_config_defaults();
    hc.static_dir = MG_STATIC_DIR;
    const char *database = "maillage.sqlite", *port_file = NULL;
    mg_db_options dbo = {0};
    const char *access_log = "-";
    double v;
    int opt;
    optind = 1;
    while ((opt = cli_getopt(&c, argc, argv, longopts, cmd)) > 0) {
        switch (opt) {
        case 'h': help(); return MG_EXIT_OK;
        case OPT_ADDRESS: hc.address = optarg; break;
        case OPT_DATABASE: database = optarg; break;
        case OPT_STATIC: hc.static_dir = optarg; break;
        case OPT_PORT_FILE: port_file = optarg; break;
        case OPT_TRUSTED_PROXY: hc.trusted_proxy = optarg; break;
        case OPT_ACCESS_LOG: access_log = optarg; break;
        case OPT_DB_WAIT:
            if (cli_number(cmd, "database-wait", optarg, 1, 600000, &v))
                return MG_EXIT_USAGE;
            dbo.busy_ms = (unsigned)v;
            break;
        case OPT_DURABILITY:
            if (strcmp(optarg, "process") == 0) {
                dbo.durability = MG_DB_DURABLE_PROCESS;
            } else if (strcmp(optarg, "power") == 0) {
                dbo.durability = MG_DB_DURABLE_POWER;
            } else {
                fprintf(stderr, "maillage serve: --durability %s: expected process or power\n",
                        optarg);
                return MG_EXIT_USAGE;
            }
            break;
        case OPT_MAX_CONN:
            if (cli_number(cmd, "max-connections", optarg, 1, MG_HTTP_MAX_CONNECTIONS, &v))
                return MG_EXIT_USAGE;
            hc.connection_limit = (unsigned)v;
            break;
        case OPT_MAX_PER_ADDR:
            if (cli_number(cmd, "max-connections-per-address", optarg, 1, MG_HTTP_MAX_CONNECTIONS, &v))
                return MG_EXIT_USAGE;
            hc.per_address_limit = (unsigned)v;
            break;
        case OPT_REQUEST_TIMEOUT:
            if (cli_number(cmd, "request-timeout", optarg, 1, 3600, &v))
                return MG_EXIT_USAGE;
            hc.request_deadline = (unsigned)v;
            break;
        case OPT_IDLE_TIMEOUT:
            if (cli_number(cmd, "idle-timeout", optarg, 1, 3600, &v))
                return MG_EXIT_USAGE;
            hc.connection_timeout = (unsigned)v;
            break;
        case OPT_PORT:
            if (cli_number(cmd, "port", optarg, 0, 65535, &v))
                return MG_EXIT_USAGE;
            hc.port = (unsigned)v;
            break;
        case OPT_THREADS:
            if (cli_number(cmd, "threads", optarg, 1, 64, &v))
                return MG_EXIT_USAGE;
            hc.threads = (unsigned)v;
            break;
        default:
            cli_error(cmd, "try --help");
            return MG_EXIT_USAGE;
        }
    }
    if (opt < 0)
        return MG_EXIT_USAGE;
    if (cli_common_finish(&c, cmd))
        return MG_EXIT_USAGE;

    mg_diag d = {{0}};
    /* Before anything opens files: as many connections as the system allows
     * fit, and the default connection limit follows from the result. */
    unsigned long nofile = 0;
    int rc = mg_http_raise_fd_limit(&nofile, &d);
    if (rc) {
        fprintf(stderr, "maillage: %s\n", d.msg[0] ? d.msg : mg_strerror(rc));
        return MG_EXIT_FAILURE;
    }
    if (!hc.connection_limit) {
        unsigned fit = mg_http_fd_connections(nofile, hc.threads);
        hc.connection_limit = fit < MG_HTTP_DEFAULT_CONNECTIONS ? fit : MG_HTTP_DEFAULT_CONNECTIONS;
    }
    /* The access log: opened before the slow load, so that a wrong path
     * is told at once. */
    FILE *log = NULL;
    if (strcmp(access_log, "-") == 0) {
        log = stderr;
    } else if (strcmp(access_log, "off") != 0) {
        log = fopen(access_log, "a");
        if (!log) {
            fprintf(stderr, "maillage: %s: cannot open the access log: %s\n", access_log,
                    strerror(errno));
            return MG_EXIT_FAILURE;
        }
    }
    hc.access_log = log;
    mg_app_config ac = {.opts = c.opts, .database = database, .db_options = dbo};
    mg_app *app = NULL;
    rc = mg_app_new(&app, &ac, c.quiet ? NULL : show_progress, NULL, &d);
    if (rc) {
        fprintf(stderr, "maillage: %s\n", d.msg[0] ? d.msg : mg_strerror(rc));
        if (log && log != stderr)
            fclose(log);
        return cli_exit_for(rc);
    }
    mg_http_server *srv = NULL;
    unsigned port = 0;
    if ((rc = mg_http_start(&srv, &hc, app->router, &port, &d))) {
        fprintf(stderr, "maillage: %s\n", d.msg[0] ? d.msg : mg_strerror(rc));
        mg_app_free(app);
        if (log && log != stderr)
            fclose(log);
        return MG_EXIT_FAILURE;
    }
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (f) {
            fprintf(f, "%u\n", port);
            fclose(f);
        }
    }
    const char *shown = strchr(hc.address ? hc.address : "127.0.0.1", ':') ? "[::1]" : hc.address;
    if (!c.quiet)
        fprintf(stderr,
                "maillage : %s servi sur http://%s:%u/ (%u connexions simultanées au plus ; "
                "Ctrl-C pour arrêter)\n",
                app->territory_name, shown && strcmp(shown, "0.0.0.0") ? shown : "127.0.0.1", port,
                hc.connection_limit);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* sleep() returns early on a signal; the loop bounds the check to 1 s
     * even if the signal lands between the test and the call. */
    while (!stop_requested)
        sleep(1);
    mg_http_stop(srv);
    mg_app_free(app);
    if (log && log != stderr)
        fclose(log);
    if (!c.quiet)
        fprintf(stderr, "maillage : arrêté\n");
    return MG_EXIT_OK;
}
