/**
 * @file html.h
 * The one escaping function every page and template uses: text and
 * attribute values go through mg_html_text, never straight into a buffer.
 */
#ifndef MG_WEB_HTML_H
#define MG_WEB_HTML_H

#include "core/buf.h"

/** Appends s with & < > " ' escaped (safe in text and in quoted attributes). */
int mg_html_text(mg_buf *b, const char *s);

/** Appends printf-formatted text, escaping the whole result. */
int mg_html_printf(mg_buf *b, const char *fmt, ...) MG_PRINTF(2, 3);

#endif
