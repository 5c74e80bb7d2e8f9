/*
 * Internal to directory/codes.c: the generated table (codes_table.c, from
 * src/directory/gen_codes.py).
 */
#ifndef MG_DIRECTORY_CODES_TABLE_H
#define MG_DIRECTORY_CODES_TABLE_H

#include <stddef.h>

#include "directory/codes.h"

typedef struct mg_di_code_list {
    const mg_di_code *codes;
    size_t n;
    const char *file;
} mg_di_code_list;

extern const mg_di_code_list mg_di_code_lists[MG_DI_LIST_COUNT];

#endif
