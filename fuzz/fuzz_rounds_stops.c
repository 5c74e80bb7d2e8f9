/*
 * libFuzzer target for the allowed-stops reader (mg_rounds_stops_read),
 * `;` or `,` separated, through a memfd against a small territory built
 * once (one commune without a point). Beyond the sanitizers it checks that
 * a failure comes with a message and leaves the list empty, and that every
 * stop read has a name, a commune of the territory, a point within the
 * WGS84 bounds and a time at the stop of 0 (none given) or 15 to 600.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "rounds/stops_file.h"
#include "territory/territory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char communes_json[] =
    "[{\"code\":\"11069\",\"nom\":\"Carcassonne\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":46000},\n"
    "{\"code\":\"11304\",\"nom\":\"Quillan\",\"departement\":\"11\",\"type\":\"commune-actuelle\",\"population\":3000,\"anciensCodes\":[\"11050\"]},\n"
    "{\"code\":\"11050\",\"nom\":\"Brenac\",\"departement\":\"11\",\"type\":\"commune-deleguee\",\"chefLieu\":\"11304\"},\n"
    "{\"code\":\"2A004\",\"nom\":\"Ajaccio\",\"departement\":\"2A\",\"type\":\"commune-actuelle\",\"population\":70000}]\n";

static const char laposte_csv[] =
    "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;coordonnees_gps\n"
    "11069;CARCASSONNE;11000;;CARCASSONNE;43.2130,2.3491\n"
    "11304;QUILLAN;11500;;QUILLAN;42.8753,2.1856\n";

static mg_territory *territory(void)
{
    static mg_territory *t;
    if (!t) {
        char path[64], path2[64];
        int fd = to_memfd("communes.json", communes_json, strlen(communes_json), path, sizeof path);
        int fd2 = to_memfd("laposte.csv", laposte_csv, strlen(laposte_csv), path2, sizeof path2);
        mg_report rep = {0};
        mg_diag d = {{0}};
        check(fd >= 0 && fd2 >= 0 && mg_import_cog(&t, path, NULL, &rep, &d) == 0 &&
              mg_import_laposte(t, path2, &rep, &d) == 0);
        mg_report_free(&rep);
        close(fd);
        close(fd2);
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mg_territory *t = territory();
    char path[64];
    int fd = to_memfd("stops.csv", data, size, path, sizeof path);
    if (fd < 0)
        return 0;
    mg_rounds_stops st;
    mg_report rep = {0};
    mg_diag d = {{0}};
    int rc = mg_rounds_stops_read(t, path, &st, &rep, &d);
    if (rc) {
        check(d.msg[0] != 0);
        check(st.n == 0 && st.s == NULL);
    } else {
        check(st.n >= 1);
        for (size_t k = 0; k < st.n; k++) {
            const mg_rounds_stop *s = &st.s[k];
            check(s->name && s->name[0] != 0);
            check(s->commune >= 0 && (size_t)s->commune < t->n);
            check(s->lat >= -90 && s->lat <= 90 && s->lon >= -180 && s->lon <= 180);
            check(s->minutes == 0 ||
                  (s->minutes >= MG_STOP_MINUTES_MIN && s->minutes <= MG_STOP_MINUTES_MAX));
        }
        mg_rounds_stops_free(&st);
    }
    mg_report_free(&rep);
    close(fd);
    return 0;
}
