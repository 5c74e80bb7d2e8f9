/*
 * libFuzzer target for io/jsonstream. Streams the input from a memory
 * reader twice: as a top-level array (communes.json) and as an object whose
 * "features" member is the array (GeoJSON). The callback walks into each
 * element the way the importers do. Beyond the sanitizers it checks that a
 * failure always comes with a message naming the input, and that element
 * positions only move forward.
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
    return 0;
}
