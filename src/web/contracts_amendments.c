/* TEMPORARY stub, replaced by the amendments and documents work of issue 15. */
#include "web/contracts_web.h"
void web_contract_amendments_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v) { (void)b, (void)ctx, (void)v; }
void web_contract_documents_section(mg_buf *b, web_ctx *ctx, const web_contract_view *v) { (void)b, (void)ctx, (void)v; }
const web_route web_routes_contract_amendments[] = {{NULL, NULL, NULL, WEB_ANYONE, 0}};
