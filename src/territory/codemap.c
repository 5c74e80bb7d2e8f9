#include "territory/codemap.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

struct mg_codemap {
    size_t cap; /* power of two */
    size_t used;
    uint64_t *keys; /* 0 = empty slot; packed codes are never 0 */
    int32_t *vals;
};

static uint64_t pack(const char *code)
{
    uint64_t k = 0;
    for (size_t i = 0; i < 5; i++)
        k = (k << 8) | (unsigned char)code[i];
    return k;
}

static size_t slot_of(uint64_t k, size_t cap)
{
    /* Fibonacci hashing spreads the mostly-sequential codes over the table. */
    return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

mg_codemap *mg_codemap_new(size_t expected)
{
    mg_codemap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    size_t cap = 64;
    while (cap < expected * 2 + 1)
        cap *= 2;
    m->cap = cap;
    m->keys = mg_alloc_array(cap, sizeof *m->keys);
    m->vals = mg_alloc_array(cap, sizeof *m->vals);
    if (!m->keys || !m->vals) {
        mg_codemap_free(m);
        return NULL;
    }
    return m;
}

void mg_codemap_free(mg_codemap *m)
{
    if (!m)
        return;
    free(m->keys);
    free(m->vals);
    free(m);
}

bool mg_code_valid(const char *code, size_t len)
{
    if (len != 5)
        return false;
    for (size_t i = 0; i < 5; i++) {
        char c = code[i];
        if (c >= '0' && c <= '9')
            continue;
        if (i == 1 && code[0] == '2' && (c == 'A' || c == 'B'))
            continue;
        return false;
    }
    return true;
}

static int grow(mg_codemap *m)
{
    size_t ncap = m->cap * 2;
    uint64_t *nk = mg_alloc_array(ncap, sizeof *nk);
    int32_t *nv = mg_alloc_array(ncap, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return MG_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t s = slot_of(m->keys[i], ncap);
        while (nk[s])
            s = (s + 1) & (ncap - 1);
        nk[s] = m->keys[i];
        nv[s] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
    return MG_OK;
}

int mg_codemap_put(mg_codemap *m, const char *code, int32_t idx, bool *inserted)
{
    if (inserted)
        *inserted = false;
    if ((m->used + 1) * 2 > m->cap) {
        int rc = grow(m);
        if (rc)
            return rc;
    }
    uint64_t k = pack(code);
    size_t s = slot_of(k, m->cap);
    while (m->keys[s]) {
        if (m->keys[s] == k)
            return MG_OK;
        s = (s + 1) & (m->cap - 1);
    }
    m->keys[s] = k;
    m->vals[s] = idx;
    m->used++;
    if (inserted)
        *inserted = true;
    return MG_OK;
}

int32_t mg_codemap_get(const mg_codemap *m, const char *code)
{
    if (!m || strnlen(code, 6) != 5)
        return -1;
    uint64_t k = pack(code);
    size_t s = slot_of(k, m->cap);
    while (m->keys[s]) {
        if (m->keys[s] == k)
            return m->vals[s];
        s = (s + 1) & (m->cap - 1);
    }
    return -1;
}
