/*
 * libFuzzer target for the SQL layer's parameter scanner
 * (mg_db_scan_params), which the PostgreSQL driver uses to turn ?N into
 * $N. Beyond the sanitizers it checks that counting and rewriting agree,
 * that the rewrite keeps the length and changes only '?' into '$', and
 * that an accepted text names parameters 0..MG_DB_MAX_PARAMS only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/driver.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *sql = malloc(size + 1);
    char *out = malloc(size + 1);
    check(sql && out);
    memcpy(sql, data, size);
    sql[size] = '\0';
    size_t n = strlen(sql); /* the scanner stops at a NUL, as C strings do */

    int count = -1, count2 = -1;
    int rc = mg_db_scan_params(sql, NULL, &count);
    int rc2 = mg_db_scan_params(sql, out, &count2);
    check(rc == rc2);
    if (rc == 0) {
        check(count == count2);
        check(count >= 0 && count <= MG_DB_MAX_PARAMS);
        check(strlen(out) == n);
        for (size_t i = 0; i < n; i++)
            check(out[i] == sql[i] || (sql[i] == '?' && out[i] == '$'));
    }
    free(sql);
    free(out);
    return 0;
}
