/*
 * libFuzzer target for the type of a contract's document read from its
 * bytes (contracts/contracts.h: mg_contract_document_type, what
 * mg_contract_document_add stores): magic numbers, then, for a ZIP
 * archive, its entries read through libzip from memory ("mimetype" of
 * OpenDocument, "[Content_Types].xml" of Office Open XML).
 *
 * Beyond the sanitizers it checks the module's promises: the answer is
 * NULL or one of the seven accepted types, each with its French label;
 * PDF, PNG and JPEG only from their signatures, an office type only from a
 * ZIP archive's local header; the same bytes give the same answer twice.
 */
#include <stdint.h>
#include <string.h>

#include "contracts/contracts.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024 * 1024)
        return 0;
    const char *t = mg_contract_document_type(data, size);
    check(t == mg_contract_document_type(data, size));
    if (!t)
        return 0;
    check(mg_contract_document_type_label(t)[0] != 0);
    if (strcmp(t, "application/pdf") == 0)
        check(size >= 5 && memcmp(data, "%PDF-", 5) == 0);
    else if (strcmp(t, "image/png") == 0)
        check(size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0);
    else if (strcmp(t, "image/jpeg") == 0)
        check(size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF);
    else
        check(size >= 4 && memcmp(data, "PK\x03\x04", 4) == 0);
    return 0;
}
