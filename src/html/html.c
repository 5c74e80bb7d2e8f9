/*
 * The escapers of html.h. Written here rather than taken from a library:
 * none of Debian's C libraries offers HTML escaping into our bounded
 * buffers, and each function is a few lines.
 */
#include "html/html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int mg_html_text(mg_buf *b, const char *s)
{
    if (!s)
        s = "";
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

int mg_html_attr(mg_buf *b, const char *s)
{
    /* In a double-quoted attribute only '"' and '&' are special, but
     * escaping the same set as text keeps one rule for reviewers. */
    return mg_html_text(b, s ? s : "");
}

int mg_html_url_arg(mg_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = MG_OK;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && rc == MG_OK;) {
        /* Runs of unreserved bytes are copied whole. */
        size_t run = strspn((const char *)p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                             "0123456789-._~");
        if (run) {
            rc = mg_buf_append(b, (const char *)p, run);
            p += run;
            continue;
        }
        char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
        rc = mg_buf_append(b, esc, 3);
        p++;
    }
    return rc;
}

int mg_html_href(mg_buf *b, const char *path, const char *const *kv, const char *fragment)
{
    int rc = mg_html_attr(b, path);
    const char *sep = "?";
    for (size_t i = 0; rc == MG_OK && kv && kv[i]; i += 2) {
        if (!kv[i + 1])
            continue;
        rc = mg_buf_puts(b, sep);
        if (rc == MG_OK)
            rc = mg_html_url_arg(b, kv[i]);
        if (rc == MG_OK)
            rc = mg_buf_puts(b, "=");
        if (rc == MG_OK)
            rc = mg_html_url_arg(b, kv[i + 1]);
        sep = "&amp;";
    }
    if (rc == MG_OK && fragment) {
        rc = mg_buf_puts(b, "#");
        if (rc == MG_OK)
            rc = mg_html_url_arg(b, fragment);
    }
    return rc;
}

int mg_html_link_id(mg_buf *b, const char *path, int64_t id, const char *suffix)
{
    int rc = mg_buf_puts(b, "<a href=\"");
    if (rc == MG_OK)
        rc = mg_html_attr(b, path);
    if (rc == MG_OK)
        rc = mg_buf_printf(b, "%lld", (long long)id);
    if (rc == MG_OK && suffix)
        rc = mg_html_attr(b, suffix);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "\">");
    return rc;
}

int mg_html_option(mg_buf *b, const char *value, const char *label, bool selected)
{
    int rc = mg_buf_puts(b, "<option value=\"");
    if (rc == MG_OK)
        rc = mg_html_attr(b, value);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, selected ? "\" selected>" : "\">");
    if (rc == MG_OK)
        rc = mg_html_text(b, label);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "</option>");
    return rc;
}

int mg_html_hidden(mg_buf *b, const char *name, const char *value)
{
    int rc = mg_buf_puts(b, "<input type=\"hidden\" name=\"");
    if (rc == MG_OK)
        rc = mg_html_attr(b, name);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "\" value=\"");
    if (rc == MG_OK)
        rc = mg_html_attr(b, value);
    if (rc == MG_OK)
        rc = mg_buf_puts(b, "\">");
    return rc;
}
