/*
 * Internal to src/routing: the car profile, a table from OSM tags to a speed
 * and the directions a car may use a way in (docs/routing.md lists it).
 */
#ifndef MG_ROUTING_PROFILE_H
#define MG_ROUTING_PROFILE_H

#include <stddef.h>

typedef struct mg_tag {
    const char *key, *value;
} mg_tag;

/* Directions of a way relative to the order of its nodes. */
enum { MG_DIR_FWD = 1, MG_DIR_BWD = 2 };

typedef struct mg_way_profile {
    double speed_kmh; /* 0: not drivable */
    int dirs;         /* MG_DIR_FWD | MG_DIR_BWD */
} mg_way_profile;

/* Decides whether a car may use a way with these tags and at what speed.
 * ferries: route=ferry ways count (at MG_PROFILE_FERRY_KMH). */
void mg_profile_way(const mg_tag *tags, size_t n, int ferries, mg_way_profile *out);

/* Parses an OSM maxspeed value ("50", "50 mph", "FR:urban", "none"...) into
 * km/h; 0 when not understood. */
double mg_profile_maxspeed(const char *v);

#define MG_PROFILE_FERRY_KMH 10.0

#endif
