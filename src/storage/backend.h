/*
 * Internal to the storage module: the interface a backend implements.
 *
 * struct mg_storage is the common head of every backend's handle: a backend
 * allocates its own, larger structure whose first member is a struct
 * mg_storage, and casts back to it in its operations (as sqlite3_file is
 * extended by each VFS). storage.c validates arguments and names once for
 * all backends, then dispatches through the operations below, so a backend
 * receives only well-formed input: s non-NULL, a name already trimmed and
 * checked (see mg_storage_name_check in storage.c), profession and
 * actions_json non-NULL valid UTF-8, out-parameters non-NULL and cleared.
 *
 * Every operation follows the project's error convention (0 or a negative
 * MG_E… code, message in d) and must be safe to call from several threads
 * at once on the same handle.
 */
#ifndef MG_STORAGE_BACKEND_H
#define MG_STORAGE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "storage/storage.h"

struct mg_storage_ops {
    const char *name; /* "sqlite", later "postgresql": for messages */

    /* Releases the backend's handle entirely (s included). */
    void (*close)(mg_storage *s);

    /* As mg_storage_scenario_save, with the name already normalised. */
    int (*scenario_save)(mg_storage *s, const mg_scenario_record *in, int64_t *id_out,
                         mg_diag *d);
    /* As mg_storage_scenario_get; *out is zeroed on entry. */
    int (*scenario_get)(mg_storage *s, int64_t id, mg_scenario_record *out, mg_diag *d);
    /* As mg_storage_scenario_list; *out is NULL and *n 0 on entry. */
    int (*scenario_list)(mg_storage *s, mg_scenario_record **out, size_t *n, mg_diag *d);
    /* As mg_storage_scenario_delete. */
    int (*scenario_delete)(mg_storage *s, int64_t id, mg_diag *d);
};

struct mg_storage {
    const struct mg_storage_ops *ops;
};

#endif
