/* Placeholder of the single window's pages (issue 16) until its file lands. */
#include "web/funding_web.h"

const web_route web_routes_funding_calls[] = {{NULL, NULL, NULL, WEB_ANYONE, 0}};
