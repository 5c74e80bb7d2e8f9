/*
 * Internal to the territory module: a hash map from a commune code (any
 * vintage) to the index of today's commune. Open addressing on the five code
 * characters packed into an integer.
 */
#ifndef MG_TERRITORY_CODEMAP_H
#define MG_TERRITORY_CODEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct mg_codemap mg_codemap;

mg_codemap *mg_codemap_new(size_t expected);
void mg_codemap_free(mg_codemap *m);

/** True when `code` is a well-formed commune code (5 chars: digits, or 2A/2B). */
bool mg_code_valid(const char *code, size_t len);

/**
 * Inserts code → idx. When the code is already present the old value is kept
 * and MG_OK returned with *inserted false (first writer wins, so that current
 * codes, inserted first, are never shadowed by former codes).
 */
int mg_codemap_put(mg_codemap *m, const char *code, int32_t idx, bool *inserted) MG_WARN_UNUSED;

/** The index for code, or -1. */
int32_t mg_codemap_get(const mg_codemap *m, const char *code);

#endif
