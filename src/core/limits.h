/**
 * @file limits.h
 * Every bound the program enforces on its inputs, in one place. A file or a
 * request that exceeds one of these is rejected with MG_ELIMIT and a message
 * naming the limit; nothing grows without bound.
 */
#ifndef MG_CORE_LIMITS_H
#define MG_CORE_LIMITS_H

/* Text files (CSV). The longest real line we read (La Poste) is < 200 bytes. */
#define MG_MAX_LINE_BYTES (64u * 1024u)
#define MG_MAX_CSV_FIELDS 256u

/* Any input file, after decompression. communes.json is ~9 MiB. */
#define MG_MAX_FILE_BYTES (1024ull * 1024u * 1024u)

/* JSON: one array element (a commune, an EPCI, a GeoJSON feature) and the
 * nesting depth accepted inside it. The largest Aude contour is ~40 KiB. */
#define MG_MAX_JSON_ELEMENT_BYTES (32u * 1024u * 1024u)
#define MG_MAX_JSON_DEPTH 64u

/* Territory sizes: France has ~35,000 communes and ~1,250 EPCI. */
#define MG_MAX_COMMUNES 200000u
#define MG_MAX_POLYGON_POINTS 10000000u

/* Zones of `maillage access --zones` (IRIS, 200 m squares: France has
 * ~2.3 million inhabited squares) and the length of a zone id. */
#define MG_MAX_ZONES 5000000u
#define MG_MAX_ZONE_ID_BYTES 256u

/* Travel-time tables: pairs kept within the largest catchment. */
#define MG_MAX_PAIRS 400000000ull
#define MG_MAX_MINUTES 600.0

/* A scope's list of communes (?perimetre=communes:…, diagnosis/scope.h):
 * the largest EPCI has ~160 communes, a département ~900. */
#define MG_SCOPE_MAX_CODES 2000

/* A layer (diagnosis/layer.h): its classes (a map's legend shows them all)
 * and the length of a class name. */
#define MG_LAYER_MAX_CLASSES 8
#define MG_LAYER_CLASS_CHARS 64

/* An opening_hours string (directory/opening_hours.h): real ones are under
 * 200 bytes and a few rules. */
#define MG_OH_MAX_BYTES 1024u
#define MG_OH_MAX_RULES 32
#define MG_OH_MAX_TIMES 12
#define MG_OH_MAX_DATES 12

/* A printed document (doc/doc.h): the whole France's fiche is ~80 pages. */
#define MG_DOC_MAX_PAGES 500

#endif
