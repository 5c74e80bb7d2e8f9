/*
 * libFuzzer target for io/jsonstream. Streams the input from a memory
 * reader twice: as a top-level array (communes.json) and as an object whose
 * "features" member is the array (GeoJSON). The callback walks into each
 * element the way the importers do. Beyond the sanitizers it checks that a
 * failure always comes with a message naming the input, and that element
 * positions only move forward. mg_json_stream_values (the fast parse, with
 * jansson for what it leaves) must give the same result, message and
 * elements, as read through mg_jval, as the jansson-only stream.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "io/jsonstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a crash libFuzzer records, when a promise is broken. */

typedef struct walk {
    size_t n;
    unsigned long line, col;
} walk;

static int on_element(void *ctx, json_t *elem, unsigned long line, unsigned long col,
                      mg_diag *d)
{
    walk *w = ctx;
    (void)d;
    check(elem != NULL && line >= 1 && col >= 1);
    check(line > w->line || (line == w->line && col > w->col));
    w->line = line;
    w->col = col;
    w->n++;
    /* Touch what an importer reads: codes, names, nested properties. */
    if (json_is_object(elem)) {
        const char *key;
        json_t *value;
        json_object_foreach(elem, key, value) {
            check(key != NULL);
            if (json_is_string(value))
                check(strlen(json_string_value(value)) <= json_string_length(value));
        }
        json_t *props = json_object_get(elem, "properties");
        if (json_is_object(props))
            (void)json_string_value(json_object_get(props, "code"));
    } else if (json_is_array(elem)) {
        check(json_array_size(elem) < ((size_t)1 << 30));
    }
    return 0;
}

/* A digest of what a callback reads of a value (kinds, strings, numbers,
 * members "code", "type", "a", array elements in order). */
static uint64_t digest(mg_jval v, int depth)
{
    uint64_t h = 1469598103934665603ull;
#define MIX(x) (h = (h ^ (uint64_t)(x)) * 1099511628211ull)
    if (mg_jval_absent(v))
        return MIX(1);
    MIX(mg_jval_is_null(v) * 2 + mg_jval_is_string(v) * 3 + mg_jval_is_number(v) * 5 +
        mg_jval_is_array(v) * 7 + mg_jval_is_object(v) * 11);
    const char *s = mg_jval_string(v);
    for (; s && *s; s++)
        MIX(*s);
    double x = mg_jval_number(v);
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    MIX(bits);
    if (depth < 8) {
        static const char *const keys[] = {"code", "type", "a", "features", ""};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            MIX(digest(mg_jval_get(v, keys[k]), depth + 1));
        size_t n = 0;
        for (mg_jval e = mg_jval_first(v); !mg_jval_absent(e) && n < 1000;
             e = mg_jval_next(e), n++)
            MIX(digest(e, depth + 1));
    }
#undef MIX
    return h;
}

typedef struct digests {
    uint64_t h;
    size_t n;
} digests;

static int on_value(void *ctx, mg_jval elem, unsigned long line, unsigned long col, mg_diag *d)
{
    (void)d;
    digests *g = ctx;
    g->h = g->h * 31 + digest(elem, 0) + line * 7 + col;
    g->n++;
    return 0;
}

static int on_json(void *ctx, json_t *elem, unsigned long line, unsigned long col, mg_diag *d)
{
    mg_jval v = {.j = elem};
    return on_value(ctx, v, line, col, d);
}

/* The fast stream and the jansson one agree on everything. */
static void run_values(const uint8_t *data, size_t size, const char *key)
{
    mg_reader *r = NULL;
    mg_diag d1, d2;
    mg_diag_clear(&d1);
    mg_diag_clear(&d2);
    digests a = {0, 0}, b = {0, 0};
    if (mg_reader_open_mem(&r, data, size, "fuzz.json") != MG_OK)
        return;
    int rc1 = mg_json_stream_values(r, key, on_value, &a, &d1);
    mg_reader_close(r);
    if (mg_reader_open_mem(&r, data, size, "fuzz.json") != MG_OK)
        return;
    int rc2 = mg_json_stream_array(r, key, on_json, &b, &d2);
    mg_reader_close(r);
    check(rc1 == rc2 && strcmp(d1.msg, d2.msg) == 0 && a.h == b.h && a.n == b.n);
}

static void run(const uint8_t *data, size_t size, const char *key)
{
    mg_reader *r = NULL;
    if (mg_reader_open_mem(&r, data, size, "fuzz.json") != MG_OK)
        return;
    mg_diag d;
    mg_diag_clear(&d);
    walk w = {0, 0, 0};
    int rc = mg_json_stream_array(r, key, on_element, &w, &d);
    if (rc != MG_OK)
        check(rc < 0 && strncmp(d.msg, "fuzz.json", 9) == 0);
    else
        check(d.msg[0] == '\0');
    mg_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, NULL);
    run(data, size, "features");
    run_values(data, size, NULL);
    run_values(data, size, "features");
    return 0;
}
