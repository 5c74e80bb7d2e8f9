#include "web/html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mg_html_text(mg_buf *b, const char *s)
{
    /* Runs without a special character are copied whole: strcspn is far
     * faster than a byte-by-byte switch on the mostly plain text of
     * names and labels, which pages and maps escape by the thousand. */
    int rc = MG_OK;
    while (rc == MG_OK) {
        size_t run = strcspn(s, "&<>\"'");
        rc = mg_buf_append(b, s, run);
        s += run;
        if (!*s || rc != MG_OK)
            break;
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        default: rep = "&#39;"; break;
        }
        rc = mg_buf_puts(b, rep);
        s++;
    }
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
