/* Placeholder of the family's routes until its pages land (issue 17). */
#include "web/booking_web.h"

const web_route web_routes_api_booking[] = {
    {0},
};
