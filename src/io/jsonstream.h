/**
 * @file jsonstream.h
 * Streams the elements of a large JSON array one at a time, so that files
 * such as communes.json (37,000 objects) or a GeoJSON FeatureCollection are
 * read in bounded memory.
 *
 * jansson parses whole documents only; this module splits the array by hand
 * (a small scanner that tracks strings, escapes and nesting depth) and hands
 * each element, as bytes, to jansson's json_loadb, so the JSON grammar itself
 * is always jansson's. Errors name the file, line and column in the file.
 */
#ifndef MG_IO_JSONSTREAM_H
#define MG_IO_JSONSTREAM_H

#include <jansson.h>

#include "core/error.h"
#include "io/reader.h"

/**
 * Called once per array element. `elem` is borrowed (freed after the call
 * returns); `line`/`col` are where the element starts in the file (1-based
 * line and byte column). Return 0 to continue, a negative MG_E… code (with d
 * filled) to stop: the stream then returns that code. Elements are handed
 * over as they are read, so a document found broken later (truncated,
 * trailing garbage) has already produced its earlier elements: callers must
 * discard what they built when the stream fails.
 */
typedef int (*mg_json_element_fn)(void *ctx, json_t *elem, unsigned long line,
                                  unsigned long col, mg_diag *d);

/**
 * With key == NULL the document must be an array; otherwise an object whose
 * member `key` (at top level) is an array: its other members are skipped
 * (syntax-checked). Every element is passed to fn. Errors: MG_EPARSE with
 * "FILE:LINE:COL: expected … (jansson's text)" for bad JSON, a missing key,
 * the wrong top-level type, trailing garbage or a truncated document;
 * MG_ELIMIT for an element over MG_MAX_JSON_ELEMENT_BYTES or nesting over
 * MG_MAX_JSON_DEPTH (counted inside one element); MG_EUTF8 for invalid
 * UTF-8; MG_EIO from the reader. A leading UTF-8 BOM is skipped. fn may be
 * NULL to only check the document.
 */
int mg_json_stream_array(mg_reader *r, const char *key, mg_json_element_fn fn,
                         void *ctx, mg_diag *d) MG_WARN_UNUSED;

#endif
