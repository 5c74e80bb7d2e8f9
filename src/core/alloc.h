/**
 * @file alloc.h
 * Allocation with overflow-checked sizes. Every array in the program is
 * allocated through mg_alloc_array / mg_realloc_array so that a count read
 * from a file can never wrap a size computation.
 */
#ifndef MG_CORE_ALLOC_H
#define MG_CORE_ALLOC_H

#include <stddef.h>

/** n * size zero-initialised bytes, or NULL on overflow or exhaustion. */
void *mg_alloc_array(size_t n, size_t size);

/** Resizes p to n * size bytes; NULL on overflow or exhaustion (p untouched). */
void *mg_realloc_array(void *p, size_t n, size_t size);

/**
 * n * size bytes, not initialised, for a large array about to be written in
 * full (a table). From 2 MiB up, on Linux, it is aligned on 2 MiB and advised
 * for transparent huge pages, so that filling it takes a few page faults
 * instead of one per 4 KiB page (the cost that dominated dense road-time
 * tables). Freed with free(); NULL on overflow or exhaustion.
 */
void *mg_alloc_large(size_t n, size_t size);

/** A copy of the first len bytes of s, NUL-terminated; NULL on exhaustion. */
char *mg_strndup(const char *s, size_t len);

/** A copy of s; NULL on exhaustion. */
char *mg_strdup(const char *s);

#endif
