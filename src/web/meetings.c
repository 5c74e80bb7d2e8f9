/*
 * The web pages of the meetings of the network and their contacts export (/reseau/…).
 */
#include "web/web.h"

const web_route web_routes_meetings[] = {
    {NULL, NULL, NULL, 0, 0},
};
