/*
 * libFuzzer target for the directory's record checks (directory/check.h)
 * and the code-list reader (mg_di_codes_known). The input's lines fill the
 * text fields of a structure and a service in turn. Beyond the sanitizers
 * it checks the promises: a refusal names a field and gives a French
 * message that is valid UTF-8; an accepted record has its required fields,
 * a 5-digit postcode and a 10-character date; a code list accepted is made
 * of known codes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "directory/check.h"
#include "directory/codes.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *lines[40] = {0};
    size_t n = 0;
    for (char *p = text; n < 40;) {
        lines[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    mg_dir_service *v = mg_dir_add_service(&set);
    if (!s || !v) {
        mg_dir_set_free(&set);
        free(text);
        return 0;
    }
    const char **sf[] = {&s->source, &s->source_id, &s->name, &s->updated_on, &s->postcode,
                         &s->commune_code, &s->siret, &s->finess, &s->email, &s->website,
                         &s->opening_hours, &s->networks, &s->phone, &s->rna};
    const char **vf[] = {&v->source, &v->source_id, &v->structure_source_id, &v->name,
                         &v->description, &v->updated_on, &v->type, &v->thematics, &v->publics,
                         &v->fees, &v->zone, &v->mobilisation_url, &v->opening_hours,
                         &v->booking_url, &v->email};
    size_t k = 0;
    for (size_t i = 0; i < sizeof sf / sizeof sf[0] && k < n; i++)
        *sf[i] = lines[k++];
    for (size_t i = 0; i < sizeof vf / sizeof vf[0] && k < n; i++)
        *vf[i] = lines[k++];
    if (size > 0)
        s->category = (mg_dir_category)(data[0] % (MG_DIR_CATEGORY_COUNT + 1));

    mg_dir_report_row row;
    memset(&row, 0, sizeof row);
    if (mg_dir_check_structure(s, &row) != 0) {
        check(row.field[0] != '\0' && row.message[0] != '\0');
        size_t len = strlen(row.message);
        check(mg_utf8_check(row.message, len, NULL) == len);
    } else {
        check(s->source && s->source[0] && s->name && s->updated_on && strlen(s->updated_on) == 10);
        check(!s->postcode || !s->postcode[0] || strlen(s->postcode) == 5);
    }
    memset(&row, 0, sizeof row);
    if (mg_dir_check_service(v, &row) != 0) {
        check(row.field[0] != '\0' && row.message[0] != '\0');
        size_t len = strlen(row.message);
        check(mg_utf8_check(row.message, len, NULL) == len);
    } else {
        check(v->name && v->description && v->updated_on && strlen(v->updated_on) == 10);
    }
    char bad[32];
    if (mg_di_codes_known(MG_DI_THEMATIQUES, lines[0], bad, sizeof bad))
        check(bad[0] == '\0' && lines[0][0] != '\0' &&
              (strchr(lines[0], ',') || mg_di_code_known(MG_DI_THEMATIQUES, lines[0])));
    mg_dir_set_free(&set);
    free(text);
    return 0;
}
