/* Routes of the fiche family (issue 13); filled by its own commit. */
#include "web/web.h"

const web_route web_routes_fiche[] = {
    {NULL, NULL, NULL, 0, 0},
};
