/**
 * @file formats.h
 * The directory's exchange formats (docs/formats.md, "Directory"):
 *   - data·inclusion v1 JSON: a file holding an array of structures and an
 *     array of services ({"structures": […], "services": […]}), or a bare
 *     array of either, the fields of the published JSON Schema
 *     (schemas/v1/structure.json, service.json);
 *   - data·inclusion v1 CSV: two files, structures and services, `,`-
 *     separated, UTF-8, one column per schema field, lists joined by `,`
 *     inside a quoted field;
 *   - the FINESS establishment extraction (`;`-separated, Lambert-93
 *     coordinates in its `geolocalisation` lines, converted with PROJ);
 *   - the annuaire santé extraction `PS_LibreAcces_Personne_activite_*.txt`
 *     (`|`-separated), whose GPs are grouped into practices by address.
 *
 * Readers fill a set (directory.h) and a report: a row that cannot be read
 * is a REFUSED row naming line, column, field and what was expected; the
 * caller then imports nothing (mg_dir_import refuses a report with refused
 * rows). Writers produce what the readers read back identically.
 */
#ifndef MG_DIRECTORY_FORMATS_H
#define MG_DIRECTORY_FORMATS_H

#include <jansson.h>

#include "core/buf.h"
#include "directory/directory.h"

/** The data·inclusion schema version these readers and writers follow. */
#define MG_DI_SCHEMA_VERSION "1.0.8"

/** Reads data·inclusion JSON (n bytes of text) named `name` in messages.
 * Appends to set; file lines of each record into *slines / *vlines
 * (malloc'd, one per structure / service appended). MG_EINVAL when some
 * row is refused (all are reported), MG_EPARSE when the text is not JSON. */
int mg_di_read_json(const char *name, const char *text, size_t n, mg_dir_set *set,
                    unsigned **slines, unsigned **vlines, mg_dir_report *r,
                    mg_diag *d) MG_WARN_UNUSED;

/** Reads the data·inclusion CSV of structures and/or services (either may
 * be NULL). Same conventions. */
int mg_di_read_csv(const char *sname, const char *stext, size_t sn, const char *vname,
                   const char *vtext, size_t vn, mg_dir_set *set, unsigned **slines,
                   unsigned **vlines, mg_dir_report *r, mg_diag *d) MG_WARN_UNUSED;

/** One structure / service as a data·inclusion JSON object (new reference). */
json_t *mg_di_structure_json(const mg_dir_structure *s);
json_t *mg_di_service_json(const mg_dir_service *v);

/** The whole set as {"structures": […], "services": […]} (pretty, UTF-8). */
int mg_di_write_json(const mg_dir_set *set, mg_buf *out, mg_diag *d) MG_WARN_UNUSED;
/** The set as the two CSV files. */
int mg_di_write_csv(const mg_dir_set *set, mg_buf *structures, mg_buf *services,
                    mg_diag *d) MG_WARN_UNUSED;

/** Reads a FINESS establishment extraction (etalab's `t-finess` layout). */
int mg_finess_read(const char *name, const char *text, size_t n, mg_dir_set *set,
                   unsigned **slines, mg_dir_report *r, mg_diag *d) MG_WARN_UNUSED;

/** Reads an annuaire santé PS_LibreAcces_Personne_activite extraction,
 * keeping the GPs (profession code 10, general medicine) of the commune
 * codes accepted by `keep` (NULL: all): one MG_DIR_GP_PRACTICE structure
 * per practice address with its number of practitioners. */
typedef bool (*mg_dir_commune_filter)(const char *commune_code, void *ctx);
int mg_annuaire_read(const char *name, const char *text, size_t n, mg_dir_commune_filter keep,
                     void *keep_ctx, mg_dir_set *set, unsigned **slines, mg_dir_report *r,
                     mg_diag *d) MG_WARN_UNUSED;

#endif
