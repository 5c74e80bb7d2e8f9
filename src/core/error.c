#include "core/error.h"
#include "core/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *mg_strerror(int code)
{
    switch (code) {
    case MG_OK: return "success";
    case MG_ENOMEM: return "out of memory";
    case MG_EIO: return "input/output error";
    case MG_EPARSE: return "malformed input";
    case MG_ELIMIT: return "input exceeds a limit";
    case MG_EINVAL: return "invalid argument";
    case MG_ENOTFOUND: return "not found";
    case MG_EUTF8: return "invalid UTF-8";
    case MG_EBUSY: return "busy, try again later";
    case MG_ETHROTTLE: return "too many attempts lately, try again later";
    default: return "unknown error";
    }
}

void mg_diag_clear(mg_diag *d)
{
    if (d)
        d->msg[0] = '\0';
}

int mg_diag_set(mg_diag *d, int code, const char *file, unsigned long line,
                unsigned long col, const char *fmt, ...)
{
    if (!d || d->msg[0])
        return code;
    size_t used = 0;
    int n = 0;
    if (file && line && col)
        n = snprintf(d->msg, sizeof d->msg, "%s:%lu:%lu: ", file, line, col);
    else if (file && line)
        n = snprintf(d->msg, sizeof d->msg, "%s:%lu: ", file, line);
    else if (file)
        n = snprintf(d->msg, sizeof d->msg, "%s: ", file);
    if (n > 0)
        used = (size_t)n < sizeof d->msg ? (size_t)n : sizeof d->msg - 1;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(d->msg + used, sizeof d->msg - used, fmt, ap);
    va_end(ap);
    /* A message cut at the buffer's end must not end in half a character:
     * it is shown in pages declared UTF-8. */
    if (k > 0 && used + (size_t)k >= sizeof d->msg)
        d->msg[mg_utf8_prefix(d->msg, sizeof d->msg - 1)] = '\0';
    return code;
}
