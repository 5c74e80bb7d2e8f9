/*
 * libFuzzer target for mg_layer_parse_descriptor, the reader of the layer
 * descriptors `maillage serve --layer` takes (diagnosis/layer.h). Beyond
 * the sanitizers it checks the reader's promises: a failure comes with a
 * message; a success names a file, a label, a source and a four-digit
 * year, a known separator, at most MG_LAYER_MAX_CLASSES distinct non-empty
 * classes, and no classes for a numeric layer. (The CSV it points to is
 * read by mg_csv, which fuzz_csv covers.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "diagnosis/layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mg_layer_desc desc;
    mg_diag d;
    mg_diag_clear(&d);
    int rc = mg_layer_parse_descriptor((const char *)data, size, "fuzz.layer", &desc, &d);
    if (rc != MG_OK) {
        check(rc == MG_EPARSE);
        check(d.msg[0] != '\0');
        return 0;
    }
    check(desc.label[0] && desc.source[0] && desc.file[0]);
    check(strlen(desc.year) == 4 && strspn(desc.year, "0123456789") == 4);
    check(desc.sep == ';' || desc.sep == ',' || desc.sep == '|' || desc.sep == '\t');
    check(desc.nclasses <= MG_LAYER_MAX_CLASSES);
    check(!desc.numeric || desc.nclasses == 0);
    for (size_t i = 0; i < desc.nclasses; i++) {
        check(desc.classes[i][0] != '\0');
        for (size_t j = 0; j < i; j++)
            check(strcmp(desc.classes[i], desc.classes[j]) != 0);
    }
    return 0;
}
