/*
 * The telehealth equipment's benchmark data (bench/bench-booking.sh): the
 * network of OWNER over the first 50 structures of the directory already in
 * DATABASE (the demo directory of the Aude, imported by the script): 50
 * sites, 100 devices (a cabin and an assisted cart at each), an assistant
 * at each site, 200 teleconsultants (each serving 5 sites drawn at random,
 * with one of four weekly availabilities and the three kinds), and a year
 * of bookings written through mg_booking_book as the public makes them:
 * for each day from 300 days ago to 60 days ahead and each device, a
 * number of bookings drawn around PER_DAY (default 3: the density of a
 * well used cabin), each the first free slot of the device after a random
 * minute of the day, booked the day before (the clock of the booking set
 * then, so that past days can be filled), with a phone number of the
 * fiction range and no address.
 *
 * Writes to OUT, tab-separated, one record a line:
 *   site  SITE_ID  COMMUNE_CODE
 * Usage: bench_booking_gen DATABASE OWNER_ID OUT [PER_DAY] [SEED]
 * Prints the counts and the time the generation took.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse/parse.h"
#include "auth/auth.h"
#include "bench_util.h"
#include "booking/book.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "directory/directory.h"

enum { NSITES = 50, NTELECONSULTANTS = 200, SITES_PER_TC = 5, PAST_DAYS = 300, FUTURE_DAYS = 60 };

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void die(const char *what, int rc, const mg_diag *d, const mg_booking_errors *e)
{
    fprintf(stderr, "bench_booking_gen: %s: %s (%s)", what, mg_strerror(rc), d->msg);
    for (size_t k = 0; e && k < e->n && k < MG_BOOKING_ERRORS_MAX; k++)
        fprintf(stderr, "\n  %s: %s", e->e[k].field, e->e[k].msg);
    fputc('\n', stderr);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_booking_gen DATABASE OWNER_ID OUT [PER_DAY] [SEED]\n");
        return 2;
    }
    int64_t owner = 0, seed = 20261205;
    double per_day = 3.0;
    mg_parse_error why;
    if (mg_parse_c_int(argv[2], strlen(argv[2]), 1, INT64_MAX, &owner, &why) != 0 ||
        (argc > 4 && mg_parse_c_double(argv[4], strlen(argv[4]), &per_day, &why) != 0) ||
        (argc > 5 && mg_parse_c_int(argv[5], strlen(argv[5]), 0, INT64_MAX, &seed, &why) != 0)) {
        fprintf(stderr, "bench_booking_gen: OWNER_ID, PER_DAY and SEED are numbers\n");
        return 2;
    }
    rng_state = (uint64_t)seed;
    if (!rng_state)
        rng_state = 1;
    FILE *out = fopen(argv[3], "w");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mg_db *db = NULL;
    mg_diag d = {{0}};
    mg_booking_errors errs = {0};
    int rc = mg_db_open(&db, argv[1], NULL, &d);
    if (rc)
        die("open", rc, &d, NULL);

    /* Sites: the first structures of the directory that have opening hours. */
    mg_dir_set dir;
    mg_dir_set_init(&dir);
    if ((rc = mg_dir_all(db, &dir, &d)))
        die("directory", rc, &d, NULL);
    int64_t sites[NSITES];
    size_t nsites = 0;
    for (size_t i = 0; i < dir.nstructures && nsites < NSITES; i++) {
        const mg_dir_structure *s = &dir.structures[i];
        if (!s->opening_hours || !s->opening_hours[0] || !s->commune_code)
            continue;
        mg_booking_site_input in = {.site_id = s->id, .owner_id = owner, .ask = "initials",
                                    .active = true, .is_example = true};
        if ((rc = mg_booking_site_put(db, 0, &in, &errs, &d)))
            die("site", rc, &d, &errs);
        sites[nsites++] = s->id;
        fprintf(out, "site\t%lld\t%s\n", (long long)s->id, s->commune_code);
    }
    mg_dir_set_free(&dir);
    if (nsites < NSITES)
        fprintf(stderr, "bench_booking_gen: only %zu structures with hours\n", nsites);

    /* Devices and assistants. */
    int64_t devices[2 * NSITES], device_site[2 * NSITES];
    size_t ndevices = 0;
    for (size_t i = 0; i < nsites; i++) {
        for (int k = 0; k < 2; k++) {
            char name[64];
            snprintf(name, sizeof name, "%s %zu (exemple)", k ? "Chariot" : "Cabine", i + 1);
            mg_booking_device_input in = {.site_id = sites[i], .kind = k ? "cart" : "cabin",
                                          .name = name, .instruments = "stethoscope,otoscope",
                                          .assisted = k == 1, .active = true};
            int64_t id = 0;
            if ((rc = mg_booking_device_add(db, 0, &in, &id, &errs, &d)))
                die("device", rc, &d, &errs);
            device_site[ndevices] = sites[i];
            devices[ndevices++] = id;
        }
        int64_t aid = 0;
        if ((rc = mg_booking_assistant_put(db, 0, 0, sites[i], "Pharmacien (exemple)",
                                           "Mo-Sa 08:00-20:00", true, &aid, &errs, &d)))
            die("assistant", rc, &d, &errs);
    }

    /* Teleconsultants. */
    static const char *const avail[] = {"Mo-Fr 08:00-12:30", "Mo-Fr 13:30-19:30",
                                        "Mo-Sa 08:00-20:00", "Tu,Th 09:00-18:00; Sa 09:00-12:00"};
    for (int t = 0; t < NTELECONSULTANTS; t++) {
        int64_t served[SITES_PER_TC];
        size_t ns = 0;
        while (ns < SITES_PER_TC && ns < nsites) {
            int64_t s = sites[rnd() % nsites];
            bool dup = false;
            for (size_t k = 0; k < ns; k++)
                dup = dup || served[k] == s;
            if (!dup)
                served[ns++] = s;
        }
        char label[64];
        snprintf(label, sizeof label, "Téléconsultant %d (exemple)", t + 1);
        mg_booking_teleconsultant_input in = {
            .organisation_id = owner, .owner_id = owner, .label = label,
            .availability = avail[t % 4], .nkinds = 3,
            .kinds = {{MG_BOOKING_GP, 20}, {MG_BOOKING_FOLLOWUP, 15}, {MG_BOOKING_SPECIALIST, 30}},
            .site_ids = served, .nsites = ns, .active = true};
        int64_t id = 0;
        if ((rc = mg_booking_teleconsultant_add(db, 0, &in, &id, &errs, &d)))
            die("teleconsultant", rc, &d, &errs);
    }

    /* A year of bookings. */
    int64_t now = mg_booking_now();
    mg_oh_instant today = mg_booking_local(now);
    int64_t day0 = mg_booking_day_start(today.year, today.month, today.day);
    long booked = 0, tries = 0;
    unsigned phone = 0;
    for (int day = -PAST_DAYS; day <= FUTURE_DAYS; day++) {
        mg_oh_instant di = mg_booking_local(day0 + (int64_t)day * 1440 + 720);
        int64_t start_of_day = mg_booking_day_start(di.year, di.month, di.day);
        for (size_t v = 0; v < ndevices; v++) {
            /* 0 to 2×per_day bookings, per_day on average. */
            int want = (int)(rnd() % (uint64_t)(2 * per_day + 1));
            for (int b = 0; b < want; b++) {
                int64_t from = start_of_day + 7 * 60 + (int64_t)(rnd() % (12 * 60));
                if (from < now && day >= 0)
                    from = now + 1;
                mg_booking_kind kind = (mg_booking_kind)(rnd() % 3);
                mg_booking_slot_query q = {.site_ids = &device_site[v], .nsites = 1,
                                           .kind = kind, .from = from, .days = 1, .limit = 1,
                                           .device_id = devices[v]};
                mg_booking_slot *slot = NULL;
                size_t n = 0;
                tries++;
                if ((rc = mg_booking_next_slots(db, &q, &slot, &n, &d)))
                    die("next slots", rc, &d, NULL);
                if (n == 0 || slot[0].start >= start_of_day + 1440) {
                    free(slot);
                    continue;
                }
                char tel[16];
                snprintf(tel, sizeof tel, "063998%04u", phone++ % 10000u);
                int64_t clock = slot[0].start * 60 - 86400;
                if (clock > now * 60)
                    clock = now * 60;
                mg_booking_input in = {.site_id = slot[0].site_id, .device_id = slot[0].device_id,
                                       .teleconsultant_id = slot[0].teleconsultant_id,
                                       .kind = kind, .start = slot[0].start, .person = "A. B.",
                                       .phone = tel, .now_s = clock};
                free(slot);
                mg_booking_result res;
                rc = mg_booking_book(db, 0, &in, &res, &errs, &d);
                if (rc == 0)
                    booked++;
                else if (!(rc == MG_EINVAL || rc == MG_ETHROTTLE))
                    die("book", rc, &d, &errs);
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("bench_booking_gen: %zu sites, %zu devices, %d teleconsultants, %ld bookings "
           "(%ld tries) generated in %.1f s\n",
           nsites, ndevices, NTELECONSULTANTS, booked, tries,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    mg_db_close(db);
    return fclose(out) == 0 ? 0 : 1;
}
