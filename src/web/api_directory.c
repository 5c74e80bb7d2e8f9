/*
 * The web pages of the directory through the JSON API (/api/v1/structures, /api/v1/services).
 */
#include "web/web.h"

const web_route web_routes_api_directory[] = {
    {NULL, NULL, NULL, 0, 0},
};
