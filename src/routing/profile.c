/*
 * The car profile. Speeds are average speeds by road class for a car in
 * France, close to those of OSRM's car profile; a legal limit (maxspeed) only
 * lowers them, because the class speeds already are realistic averages below
 * the usual limit. docs/routing.md holds the same table for users to review;
 * editing it means editing kClasses below and rebuilding the graph.
 */
#include "routing/profile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"

typedef struct road_class {
    const char *highway;
    double kmh;
    int oneway_implied; /* motorways are one-way carriageways unless tagged otherwise */
} road_class;

static const road_class kClasses[] = {
    {"motorway", 110, 1},     {"motorway_link", 60, 1}, {"trunk", 90, 0},
    {"trunk_link", 50, 0},    {"primary", 70, 0},       {"primary_link", 40, 0},
    {"secondary", 60, 0},     {"secondary_link", 40, 0}, {"tertiary", 50, 0},
    {"tertiary_link", 30, 0}, {"unclassified", 40, 0},  {"residential", 30, 0},
    {"living_street", 10, 0}, {"service", 15, 0},       {"road", 30, 0},
};

/* National default limits of the "CC:type" implicit maxspeed values. The
 * French rural limit is 80 km/h on two-lane roads since 2018. */
typedef struct implicit_limit {
    const char *suffix;
    double kmh;
} implicit_limit;

static const implicit_limit kImplicit[] = {
    {"urban", 50}, {"rural", 80}, {"motorway", 130}, {"trunk", 110},
    {"zone30", 30}, {"zone20", 20}, {"walk", 6},      {"living_street", 20},
};

static const char *tag_get(const mg_tag *tags, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (tags[i].key && tags[i].value && strcmp(tags[i].key, key) == 0)
            return tags[i].value;
    return NULL;
}

static int is_one_of(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(v, *list) == 0)
            return 1;
    return 0;
}

double mg_profile_maxspeed(const char *v)
{
    if (!v || !*v)
        return 0;
    if (strcmp(v, "none") == 0 || strcmp(v, "signals") == 0 || strcmp(v, "variable") == 0)
        return 0;
    if (strcmp(v, "walk") == 0)
        return 6;
    const char *colon = strchr(v, ':');
    if (colon && colon - v >= 2 && colon - v <= 3) {
        for (size_t i = 0; i < sizeof kImplicit / sizeof kImplicit[0]; i++)
            if (strcmp(colon + 1, kImplicit[i].suffix) == 0)
                return kImplicit[i].kmh;
        return 0;
    }
    /* The number, in the "C" syntax OSM uses ("50", "7.5"), then a unit. */
    const char *end = v + strspn(v, "0123456789.");
    double x;
    if (mg_parse_c_double(v, (size_t)(end - v), &x, NULL) || x <= 0 || x > 300)
        return 0;
    while (*end == ' ')
        end++;
    if (strcmp(end, "mph") == 0)
        return x * 1.609344;
    if (strcmp(end, "knots") == 0)
        return x * 1.852;
    if (*end == 0 || strcmp(end, "km/h") == 0 || strcmp(end, "kmh") == 0)
        return x;
    return 0;
}

/* Access values that forbid ordinary through traffic by car. "destination"
 * and "customers" stay open: the people we route live or work there. */
static const char *const kDenied[] = {"no",        "private", "agricultural", "forestry",
                                      "delivery",  "emergency", "military",   "discouraged",
                                      "psv",       "bus",     NULL};

static int access_denied(const mg_tag *tags, size_t n)
{
    /* The most specific key present decides (OSM access hierarchy). */
    static const char *const keys[] = {"motorcar", "motor_vehicle", "vehicle", "access"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const char *v = tag_get(tags, n, keys[k]);
        if (v)
            return is_one_of(v, kDenied);
    }
    return 0;
}

void mg_profile_way(const mg_tag *tags, size_t n, int ferries, mg_way_profile *out)
{
    *out = (mg_way_profile){0};
    const char *hw = tag_get(tags, n, "highway");
    const char *route = tag_get(tags, n, "route");
    double kmh = 0;
    int implied = 0;
    if (hw) {
        for (size_t i = 0; i < sizeof kClasses / sizeof kClasses[0]; i++)
            if (strcmp(hw, kClasses[i].highway) == 0) {
                kmh = kClasses[i].kmh;
                implied = kClasses[i].oneway_implied;
                break;
            }
    } else if (route && strcmp(route, "ferry") == 0 && ferries) {
        kmh = MG_PROFILE_FERRY_KMH;
    }
    if (kmh <= 0 || access_denied(tags, n))
        return;
    const char *area = tag_get(tags, n, "area");
    const char *imp = tag_get(tags, n, "impassable");
    if ((area && strcmp(area, "yes") == 0) || (imp && strcmp(imp, "yes") == 0))
        return;
    double limit = mg_profile_maxspeed(tag_get(tags, n, "maxspeed"));
    if (limit > 0 && limit < kmh)
        kmh = limit;

    int dirs = MG_DIR_FWD | MG_DIR_BWD;
    const char *junction = tag_get(tags, n, "junction");
    if (implied || (junction && (strcmp(junction, "roundabout") == 0 ||
                                 strcmp(junction, "circular") == 0)))
        dirs = MG_DIR_FWD;
    const char *ow = tag_get(tags, n, "oneway");
    if (ow) {
        static const char *const yes[] = {"yes", "true", "1", NULL};
        static const char *const rev[] = {"-1", "reverse", NULL};
        static const char *const no[] = {"no", "false", "0", NULL};
        if (is_one_of(ow, yes))
            dirs = MG_DIR_FWD;
        else if (is_one_of(ow, rev))
            dirs = MG_DIR_BWD;
        else if (is_one_of(ow, no))
            dirs = MG_DIR_FWD | MG_DIR_BWD;
    }
    out->speed_kmh = kmh;
    out->dirs = dirs;
}
