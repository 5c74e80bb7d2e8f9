/**
 * @file error.h
 * One error convention for the whole program: a fallible function returns an
 * int, 0 on success or a negative MG_E… code, and delivers its results
 * through out-parameters. When a person must be told what went wrong, the
 * function also fills an mg_diag with a sentence naming the file, line and
 * column (or the request field) and what was expected.
 */
#ifndef MG_CORE_ERROR_H
#define MG_CORE_ERROR_H

#include <stddef.h>

#if defined(__GNUC__)
#define MG_WARN_UNUSED __attribute__((warn_unused_result))
#define MG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MG_VPRINTF(f) __attribute__((format(printf, f, 0)))
#else
#define MG_VPRINTF(f)
#define MG_WARN_UNUSED
#define MG_PRINTF(f, a)
#endif

enum {
    MG_OK = 0,
    MG_ENOMEM = -1,    /* allocation failed or size overflowed */
    MG_EIO = -2,       /* a file could not be opened, read or written */
    MG_EPARSE = -3,    /* input does not follow its format */
    MG_ELIMIT = -4,    /* input exceeds a limit of core/limits.h */
    MG_EINVAL = -5,    /* an argument or setting is out of its domain */
    MG_ENOTFOUND = -6, /* a named thing (file, column, code) does not exist */
    MG_EUTF8 = -7,     /* text is not valid UTF-8 */
    MG_EBUSY = -8,     /* a shared resource (the database) stayed busy past the wait: retry later */
    /* Too many attempts lately: try again after a wait (the throttles of
     * log-ins, auth/, and of public bookings, booking/). Numbered among
     * auth/auth.h's codes, where it was first. */
    MG_ETHROTTLE = -101,
};

/** A short English description of an MG_E… code (never NULL). */
const char *mg_strerror(int code);

/** A message for people. Empty (msg[0] == 0) when nothing was reported. */
typedef struct mg_diag {
    char msg[1024];
} mg_diag;

/** Clears a diagnostic. NULL is accepted. */
void mg_diag_clear(mg_diag *d);

/**
 * Sets the message to "FILE:LINE:COL: TEXT" (LINE or COL omitted when 0,
 * FILE omitted when NULL) and returns `code`, so that callers can write
 * `return mg_diag_set(d, MG_EPARSE, path, line, col, "…")`.
 * Only the first report is kept: a later call does not overwrite it, so the
 * innermost, most precise message survives. NULL `d` is accepted.
 */
int mg_diag_set(mg_diag *d, int code, const char *file, unsigned long line,
                unsigned long col, const char *fmt, ...) MG_PRINTF(6, 7);

#endif
