/*
 * The web pages of contracts and actions with their pilot and partners (/contrats/…).
 */
#include "web/web.h"

const web_route web_routes_contracts[] = {
    {NULL, NULL, NULL, 0, 0},
};
