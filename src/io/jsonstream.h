/**
 * @file jsonstream.h
 * Streams the elements of a large JSON array one at a time, so that files
 * such as communes.json (37,000 objects) or a GeoJSON FeatureCollection are
 * read in bounded memory.
 *
 * jansson parses whole documents only; this module splits the array by hand
 * (a small scanner that tracks strings, escapes and nesting depth) and hands
 * each element, as bytes, to jansson's json_loadb, so the JSON grammar itself
 * is jansson's. mg_json_stream_values first tries a small parser of its own
 * for the plain elements that make up communes.json and epci.json, because
 * jansson, which allocates every value, was nine tenths of their import; it
 * accepts only what jansson accepts and leaves everything else, errors
 * included, to jansson. Errors name the file, line and column in the file.
 */
#ifndef MG_IO_JSONSTREAM_H
#define MG_IO_JSONSTREAM_H

#include <jansson.h>
#include <stdbool.h>

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

/*
 * The same stream with a faster parse of each element: an element made only
 * of objects, arrays, strings without escapes or control bytes, integers of
 * at most 18 digits, true, false and null is parsed here into a flat tree
 * (jansson's parse, which allocates every value and member, was nine tenths
 * of reading communes.json); any other element — a backslash, a fraction,
 * an exponent, anything malformed — goes to jansson as before, so what is
 * refused, and the message, are jansson's. The callback reads the element
 * through mg_jval, whichever parse it came from.
 */
struct mg_jnode;

/** A value of an element: jansson's, or the fast parse's. Absent when both
 * are NULL. Valid during the callback only. */
typedef struct mg_jval {
    json_t *j;                  /* jansson's value */
    const struct mg_jnode *n;   /* or the fast parse's */
    json_t *parent;             /* for mg_jval_next on jansson's arrays */
    size_t idx;
} mg_jval;

typedef int (*mg_json_value_fn)(void *ctx, mg_jval elem, unsigned long line,
                                unsigned long col, mg_diag *d);

/** As mg_json_stream_array, each element handed over as an mg_jval. */
int mg_json_stream_values(mg_reader *r, const char *key, mg_json_value_fn fn,
                          void *ctx, mg_diag *d) MG_WARN_UNUSED;

bool mg_jval_absent(mg_jval v);
bool mg_jval_is_null(mg_jval v);
bool mg_jval_is_object(mg_jval v);
bool mg_jval_is_array(mg_jval v);
bool mg_jval_is_string(mg_jval v);
bool mg_jval_is_number(mg_jval v);
/** Member `key` of an object (the last one when repeated, as jansson
 * keeps); absent when v is not an object or has none. */
mg_jval mg_jval_get(mg_jval v, const char *key);
/** The string (NUL-terminated, UTF-8), or NULL when v is not a string. */
const char *mg_jval_string(mg_jval v);
/** The number as json_number_value gives it; 0 when v is not a number. */
double mg_jval_number(mg_jval v);
/** The first element of an array and the next one; absent at the end. */
mg_jval mg_jval_first(mg_jval v);
mg_jval mg_jval_next(mg_jval v);

#endif
