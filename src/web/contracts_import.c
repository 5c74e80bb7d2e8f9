/* TEMPORARY stub, replaced by the import work of issue 15. */
#include "web/contracts_web.h"
void web_contract_import_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v) { (void)b, (void)ctx, (void)v; }
const web_route web_routes_contract_import[] = {{NULL, NULL, NULL, WEB_ANYONE, 0}};
