/* Placeholder of the single window's pages (issue 16) until its file lands. */
#include "web/funding_web.h"

void web_subsidy_parts_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v)
{
    (void)b, (void)ctx, (void)v;
}
void web_subsidy_messages_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v)
{
    (void)b, (void)ctx, (void)v;
}
void web_subsidy_history_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v)
{
    (void)b, (void)ctx, (void)v;
}
const web_route web_routes_funding_instruction[] = {{NULL, NULL, NULL, WEB_ANYONE, 0}};
