/*
 * libFuzzer target for the annuaire santé extraction (mg_annuaire_read).
 * Checks: a failure comes with a message and REFUSED rows only; on success
 * every structure is a GP practice of at least one practitioner with a
 * commune code of 5 characters, a distinct stable identifier, a name, and
 * a file line; reading the same text again gives the same identifiers.
 */
#include <stdint.h>
#include <string.h>

#include "directory/formats.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *name = "PS_LibreAcces_Personne_activite_202601150000.txt";
    mg_dir_set set, again;
    mg_dir_set_init(&set);
    mg_dir_set_init(&again);
    mg_dir_report r;
    mg_dir_report_init(&r);
    unsigned *sl = NULL;
    mg_diag d = {{0}};
    int rc = mg_annuaire_read(name, (const char *)data, size, NULL, NULL, &set, &sl, &r, &d);
    if (rc != 0) {
        check(rc == MG_ENOMEM || d.msg[0] != 0);
        for (size_t i = 0; i < r.n; i++)
            check(r.rows[i].status == MG_DIR_ROW_REFUSED && r.rows[i].message[0]);
    } else {
        check(r.n == 0);
        for (size_t i = 0; i < set.nstructures; i++) {
            const mg_dir_structure *s = &set.structures[i];
            check(s->category == MG_DIR_GP_PRACTICE && s->practitioners >= 1);
            check(s->commune_code && strlen(s->commune_code) == 5);
            check(s->name && s->source_id && strncmp(s->source_id, "as-", 3) == 0);
            check(sl && sl[i] >= 2);
            for (size_t j = 0; j < i; j++)
                check(strcmp(set.structures[j].source_id, s->source_id) != 0);
        }
        check(mg_annuaire_read(name, (const char *)data, size, NULL, NULL, &again, NULL, &r, &d) ==
              0);
        check(again.nstructures == set.nstructures);
        for (size_t i = 0; i < set.nstructures; i++)
            check(strcmp(again.structures[i].source_id, set.structures[i].source_id) == 0 &&
                  again.structures[i].practitioners == set.structures[i].practitioners);
    }
    free(sl);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
    mg_dir_set_free(&again);
    return 0;
}
