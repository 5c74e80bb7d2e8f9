/* TEMPORARY stub, replaced by the API work of issue 15. */
#include "web/contracts_web.h"
const web_route web_routes_api_contracts[] = {{NULL, NULL, NULL, WEB_ANYONE, 0}};
