/**
 * @file territory.h
 * The communes of France as of the code vintage of communes.json (COG), in
 * structure-of-arrays form, with everything the accessibility engine needs:
 * a point per commune, populations, EPCI membership, the code history that
 * maps older codes (communes merged since, delegated and associated
 * communes, municipal arrondissements) to today's communes, and which
 * communes form the study territory of the bundle.
 *
 * Ownership: an mg_territory owns all its arrays; mg_territory_free releases
 * them. Importers add to a territory and never leave it half-changed: on
 * error they return a negative code and the territory is as before.
 */
#ifndef MG_TERRITORY_TERRITORY_H
#define MG_TERRITORY_TERRITORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define MG_CODE_LEN 5 /* INSEE commune codes: 5 characters, 2A/2B in Corsica */

typedef char mg_code[MG_CODE_LEN + 1];

/** Where a commune's point comes from. */
enum mg_point_source { MG_POINT_NONE = 0, MG_POINT_LAPOSTE = 1, MG_POINT_CONTOUR = 2 };

/** A commune contour: polygons of rings of points (lon/lat, WGS84). */
typedef struct mg_shapes {
    size_t npoly, nring, npt;
    size_t *commune_poly; /* n + 1 offsets into polygons, per commune */
    size_t *poly_ring;    /* npoly + 1 offsets into rings (first ring: outer) */
    size_t *ring_pt;      /* nring + 1 offsets into points */
    double *lon, *lat;    /* npt */
} mg_shapes;

typedef struct mg_territory {
    size_t n; /* current communes */
    mg_code *code;
    char **name;
    char (*dep)[4];
    int32_t *epci;       /* index into epci_code, or -1 */
    double *population;  /* légale totale, from communes.json (0 if absent) */
    double *lat, *lon;   /* the commune's point, NaN if none */
    uint8_t *point_src;  /* enum mg_point_source */
    double *pop_std;     /* DREES standardised population, NaN if absent */
    uint8_t *in_study;   /* 1 for communes of the bundle's territory */

    size_t nepci;
    char (*epci_code)[10];
    char **epci_name;

    mg_shapes shapes; /* filled by mg_import_contours; npoly 0 before */

    /* Code history: every known code (any vintage) to a current index. */
    struct mg_codemap *codes;
} mg_territory;

/** Warnings collected by importers (codes that could not be mapped, …). */
typedef struct mg_report {
    size_t count;  /* messages recorded (may exceed those kept) */
    size_t kept;
    char **msg;    /* at most MG_REPORT_KEEP messages */
} mg_report;
#define MG_REPORT_KEEP 200

/** Adds a formatted warning. Never fails (drops the text when out of memory). */
void mg_report_add(mg_report *r, const char *fmt, ...) MG_PRINTF(2, 3);
void mg_report_free(mg_report *r);

/** Releases everything the territory owns. NULL accepted. */
void mg_territory_free(mg_territory *t);

/**
 * Index of the current commune for `code` of any vintage (current code,
 * former code of a merged commune, delegated/associated commune, municipal
 * arrondissement), or -1.
 */
long mg_territory_find(const mg_territory *t, const char *code);

/** Index of the commune whose current code is exactly `code`, or -1. */
long mg_territory_find_current(const mg_territory *t, const char *code);

/** Number of communes with in_study set. */
size_t mg_territory_study_count(const mg_territory *t);

/* --- Importers (publishers' formats; see docs/formats.md). ------------ */

/**
 * Reads @etalab/decoupage-administratif communes.json and, when
 * `epci_path` is not NULL, epci.json. Creates *out. Errors name the file,
 * line and column.
 */
int mg_import_cog(mg_territory **out, const char *communes_path,
                  const char *epci_path, mg_report *rep, mg_diag *d) MG_WARN_UNUSED;

/**
 * Reads La Poste's base officielle des codes postaux (`;`-separated,
 * columns Code_commune_INSEE and coordonnees_gps "lat,lon") and sets the
 * point of every commune that has none yet. A current code's own row wins
 * over rows of its former codes.
 */
int mg_import_laposte(mg_territory *t, const char *path, mg_report *rep,
                      mg_diag *d) MG_WARN_UNUSED;

/**
 * Reads commune contours (GeoJSON FeatureCollection, properties `code`,
 * Polygon or MultiPolygon geometries, WGS84). Contours of former communes
 * are united under today's commune. Marks those communes as in the study
 * territory. When `set_points` is true the point of each such commune
 * becomes an interior point of its contour.
 */
int mg_import_contours(mg_territory *t, const char *path, bool set_points,
                       mg_report *rep, mg_diag *d) MG_WARN_UNUSED;

/**
 * Reads an INSEE BPE "ensemble" file (`;`-separated, DEPCOM, TYPEQU,
 * NB_EQUIP) and adds NB_EQUIP of equipment type `typequ` (e.g. "D201") to
 * supply[commune], supply having t->n entries. Codes of any vintage are
 * mapped; the unmappable are reported and their count returned in
 * *unmapped_equipment.
 */
int mg_import_bpe(const mg_territory *t, const char *path, const char *typequ,
                  double *supply, double *unmapped_equipment, mg_report *rep,
                  mg_diag *d) MG_WARN_UNUSED;

/** Flags of mg_import_drees. */
enum {
    MG_DREES_ALLOW_MISSING = 1u,      /* inhabited communes without values are accepted */
    MG_DREES_STUDY_IS_TERRITORY = 2u, /* the study communes (contours) are the territory */
};

/** Which official APL column to read from a DREES file. */
enum mg_drees_age { MG_AGE_NONE = 0, MG_AGE_65 = 65, MG_AGE_62 = 62 };

/**
 * Reads a DREES APL file (`,`-separated; Code commune, …, one or more "APL…"
 * columns, the standardised population last), or the workbook as the DREES
 * publishes it (.xlsx, told from its zip signature: the first sheet with a
 * "Code commune…" header row; docs/formats.md), errors then naming the
 * sheet, row and column. Sets t->pop_std and marks the
 * communes as in the study territory; fills official[commune] (t->n
 * entries, NaN where absent) from the APL column for `age` — when the file
 * has no column for that age limit, the file's only APL column is used and
 * *used_age says which one was read (MG_AGE_NONE when it has no age limit).
 * Several old codes mapped to one commune are summed (population) and
 * averaged weighted by standardised population (APL).
 *
 * A damaged file is refused (MG_EPARSE, nothing changed), the message
 * naming file, line and column: a code written twice (both lines named);
 * a last line without its line end (a file cut short, at a row's end or in
 * the middle of a value); a row with fewer fields than the header unless
 * it has the code and the name, ends with its line end and is the row of
 * an uninhabited commune (population 0 in communes.json), which is read as
 * "no value"; an inhabited commune of the territory without a row. The
 * territory is, with MG_DREES_STUDY_IS_TERRITORY in `flags`, the communes
 * already in the study territory (the bundle's contours, imported first);
 * without it the file defines the territory and no commune can be missing
 * (a file cut exactly at a line's end then goes unnoticed). Codes are
 * compared after the code history has mapped them to today's
 * communes. With MG_DREES_ALLOW_MISSING, the inhabited communes without a
 * row or with a row without values are accepted without an official value
 * and counted in *missing (may be NULL).
 */
int mg_import_drees(mg_territory *t, const char *path, enum mg_drees_age age,
                    unsigned flags, double *official, enum mg_drees_age *used_age,
                    char **column_name, size_t *missing, mg_report *rep,
                    mg_diag *d) MG_WARN_UNUSED;

#endif
