/*
 * The web pages of the directory's pages: search, map of actors, a structure's page, edits and suggestions (/annuaire, /structure/…).
 */
#include "web/web.h"

const web_route web_routes_directory[] = {
    {NULL, NULL, NULL, 0, 0},
};
