/* maillage serve: the web application. */
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
           "  --database FILE       SQLite file for scenarios (default maillage.sqlite)\n"
           "  --threads N           worker threads (default 2)\n"
           "  --static DIR          static files (default %s)\n"
           "  --port-file FILE      write the bound port there once listening (for scripts)\n"
           "  -h, --help            this help\n",
           cli_common_help, MG_STATIC_DIR);
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
    enum { OPT_ADDRESS = OPT_COMMON_END, OPT_PORT, OPT_DATABASE, OPT_THREADS, OPT_STATIC, OPT_PORT_FILE };
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"address", required_argument, NULL, OPT_ADDRESS},
        {"port", required_argument, NULL, OPT_PORT},
        {"database", required_argument, NULL, OPT_DATABASE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"static", required_argument, NULL, OPT_STATIC},
        {"port-file", required_argument, NULL, OPT_PORT_FILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "serve";
    cli_common c;
    cli_common_init(&c);
    mg_http_config hc = mg_http_config_defaults();
    hc.static_dir = MG_STATIC_DIR;
    const char *database = "maillage.sqlite", *port_file = NULL;
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

    mg_app_config ac = {.opts = c.opts, .database = database};
    mg_app *app = NULL;
    mg_diag d = {{0}};
    int rc = mg_app_new(&app, &ac, c.quiet ? NULL : show_progress, NULL, &d);
    if (rc) {
        fprintf(stderr, "maillage: %s\n", d.msg[0] ? d.msg : mg_strerror(rc));
        return cli_exit_for(rc);
    }
    mg_http_server *srv = NULL;
    unsigned port = 0;
    if ((rc = mg_http_start(&srv, &hc, app->router, &port, &d))) {
        fprintf(stderr, "maillage: %s\n", d.msg[0] ? d.msg : mg_strerror(rc));
        mg_app_free(app);
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
        fprintf(stderr, "maillage : %s servi sur http://%s:%u/ (Ctrl-C pour arrêter)\n",
                app->territory_name, shown && strcmp(shown, "0.0.0.0") ? shown : "127.0.0.1", port);
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
    if (!c.quiet)
        fprintf(stderr, "maillage : arrêté\n");
    return MG_EXIT_OK;
}
