/*
 * The web pages of the public care finder "Où me soigner ?" (/ou-me-soigner).
 */
#include "web/web.h"

const web_route web_routes_finder[] = {
    {NULL, NULL, NULL, 0, 0},
};
