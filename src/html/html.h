/**
 * @file html.h
 * Writing HTML safely, one function per context, below the web pages and
 * the maps (which both use it) and above core only. Model: cgit's html.h
 * (html_txt, html_attr, html_url_arg, html_option).
 *
 * The rule of page code (tests/lint/html_escaping.sh enforces it): text
 * that is not a literal of the program reaches a page only through these
 * functions, never through a "%s" of mg_buf_printf nor an mg_buf_puts of a
 * variable. Numbers printed with %d, %zu, %.2f… are safe as they are.
 *
 * Every function appends to b and returns 0 or the buffer's error
 * (MG_ENOMEM, MG_ELIMIT past its maximum); NULL text is written as "".
 */
#ifndef MG_HTML_HTML_H
#define MG_HTML_HTML_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

/** Text between tags: & < > " ' escaped. */
int mg_html_text(mg_buf *b, const char *s);

/** A value inside a double-quoted attribute (the quotes are the caller's):
 * the same characters escaped, so that it cannot close the quote. */
int mg_html_attr(mg_buf *b, const char *s);

/** Appends printf-formatted text, escaping the whole result (as text). */
int mg_html_printf(mg_buf *b, const char *fmt, ...) MG_PRINTF(2, 3);

/**
 * One component of a URL (a path segment or a query value): every byte
 * but the unreserved ones (A–Z a–z 0–9 - . _ ~) percent-encoded, UTF-8
 * byte by byte (RFC 3986). The result holds no character that HTML or a
 * URL would read specially, so it may stand in an attribute as it is.
 */
int mg_html_url_arg(mg_buf *b, const char *s);

/**
 * A link target: `path` (a literal of the program, such as "/territoire";
 * written as an attribute value) followed by the query built from the
 * NULL-terminated key/value pairs of kv, each percent-encoded, pairs
 * separated by "&amp;"; pairs whose value is NULL are left out. A
 * `fragment` (NULL for none) ends it after '#'.
 *   mg_html_href(b, "/territoire", (const char *[]){"profession", p, NULL}, "epci")
 *   → /territoire?profession=mg#epci
 */
int mg_html_href(mg_buf *b, const char *path, const char *const *kv, const char *fragment);

/** `<a href="PATH/ID">`: a link to one record (path literal, numeric id). */
int mg_html_link_id(mg_buf *b, const char *path, int64_t id, const char *suffix);

/** `<option value="V" selected>LABEL</option>`, both escaped. */
int mg_html_option(mg_buf *b, const char *value, const char *label, bool selected);

/** `<input type="hidden" name="N" value="V">`, both escaped. */
int mg_html_hidden(mg_buf *b, const char *name, const char *value);

#endif
