#include "web/html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mg_html_text(mg_buf *b, const char *s)
{
    int rc = MG_OK;
    const char *run = s;
    for (; *s && rc == MG_OK; s++) {
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        rc = mg_buf_append(b, run, (size_t)(s - run));
        if (rc == MG_OK)
            rc = mg_buf_puts(b, rep);
        run = s + 1;
    }
    if (rc == MG_OK)
        rc = mg_buf_append(b, run, strlen(run));
    return rc;
}

int mg_html_printf(mg_buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MG_EINVAL;
    if ((size_t)n >= sizeof tmp)
        return MG_ELIMIT;
    return mg_html_text(b, tmp);
}
