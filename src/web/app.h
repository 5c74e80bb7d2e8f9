/**
 * @file app.h
 * The web application: the diagnoses of the bundled territory for every
 * profession (loaded once at start), their scenario engines and base
 * figures, the projected map geometry, the database (SQL layer), and the
 * routes of the pages, downloads and JSON API.
 *
 * Ownership: mg_app_free releases everything. The app is read-only after
 * mg_app_new except through the database (a pool safe across threads), so
 * handlers run concurrently without locks.
 */
#ifndef MG_WEB_APP_H
#define MG_WEB_APP_H

#include "diagnosis/diagnosis.h"
#include "diagnosis/summary.h"
#include "http/http.h"
#include "map/map.h"
#include "scenario/baseline.h"
#include "scenario/scenario.h"
#include "db/db.h"
#include "storage/storage.h"

#define MG_APP_PROFESSIONS 5
/* Layers (diagnosis/layer.h) a server loads beside the APL. */
#define MG_APP_MAX_LAYERS 8
struct mg_layer;
#define MG_APP_MEASURES 9
/* The finder's answers are kept this long by default: an edit reaches its
 * pages within that time, in every server process. */
#define MG_APP_FINDER_CACHE_S 30
#define MG_APP_FINDER_CACHE_MAX_S 3600

/** Measures the territory page maps: "apl", "officiel" (the DREES values),
 * then the family of docs/methodology.md. */
extern const char *const mg_app_measure_keys[MG_APP_MEASURES];

/*
 * How a measure reads, for the pages and downloads: its French labels, its
 * unit, the direction of its colours and whether the under-served
 * threshold applies to it. One entry per mg_app_measure_keys, same order.
 */
typedef struct mg_app_measure_info {
    const char *label;      /* the choice form and map titles: "Temps jusqu'au praticien le plus proche" */
    const char *unit;       /* "minutes", "praticiens"; NULL: the profession's unit (prof->unit) */
    const char *legend;     /* heading of the map's legend (NULL: the unit) */
    const char *column;     /* header of the value column: "APL", "Minutes jusqu'au plus proche" */
    const char *mean_label; /* key figure of the population-weighted mean */
    const char *no_data;    /* the legend's label of communes without a value (NULL: "sans donnée") */
    int decimals;           /* of values in tables and figures */
    bool low_is_good;       /* short times are good: colours reversed (low = the best APL's colour) */
    bool apl;               /* an APL (ours or the DREES's): threshold, tag, official column */
} mg_app_measure_info;

/** The description of measure k (0 <= k < MG_APP_MEASURES). */
const mg_app_measure_info *mg_app_measure(int k);

/** The unit of measure k's values for profession prof (the profession's
 * own unit for the APL and the competitive measures). */
const char *mg_app_measure_unit(int k, const mg_profession *prof);

typedef struct mg_app_profession {
    mg_diagnosis *g;
    mg_scenario_engine *engine;
    mg_summary summary;
    size_t *rank; /* rank of each study commune by APL, 1 = best (t->n entries) */
    /* Every measure's values (t->n) and figures, computed once at start:
     * the pages only draw them. */
    double *measure[MG_APP_MEASURES];
    mg_summary measure_summary[MG_APP_MEASURES];
    /* The situation today on the official baseline (scenario/baseline.h):
     * the DREES value where it publishes one, the model's elsewhere
     * (flagged MG_BASELINE_F_MODEL_FALLBACK), t->n entries; its figures
     * and counts over the study communes. */
    double *official_base;
    uint8_t *official_flags;
    mg_summary official_summary;
    mg_baseline_counts official_counts;
} mg_app_profession;

/** Index of the measure named `key` in mg_app_measure_keys, or -1. */
int mg_app_measure_index(const char *key);

typedef struct mg_app {
    mg_app_profession prof[MG_APP_PROFESSIONS]; /* mg, inf, mk, sf, cd */
    mg_map_geometry *geometry;                  /* of the study communes */
    mg_db *db;                                  /* scenarios and, later, every domain */
    char territory_name[128];                   /* "Aude (11)" */
    mg_router *router;
    struct mg_app_route *routes;                /* one per route, bound to the app */
    size_t nroutes;
    char public_url[256];                       /* "" when not configured; no trailing '/' */
    bool secure;                                /* served over HTTPS: cookies are Secure */
    enum mg_baseline baseline;                  /* the pages' baseline without ?base= */
    struct mg_layer *layers[MG_APP_MAX_LAYERS]; /* --layer, in the order given */
    size_t nlayers;
    /* The public finder (finder.c): postcodes and BPE health counts of the
     * study communes, read from the France folder at start. */
    struct web_finder_data *finder;
    /* The instant the finder takes as now (Unix seconds), for tests; 0:
     * the clock. */
    int64_t finder_now;
    /* How long the finder keeps a commune's answer, seconds; 0: not kept
     * (every page asks the directory). */
    int finder_cache_s;
    /* The road graph of --graph, kept open for the rounds' travel times
     * (rounds/build.h; read-only, shared by the request threads); NULL:
     * the crow-fly model. */
    struct mg_graph *graph;
} mg_app;

typedef struct mg_app_config {
    mg_diagnosis_opts opts; /* bundle, france and method settings (profession ignored) */
    const char *database;   /* SQLite file or postgresql:// URI (db/db.h) */
    mg_db_options db_options;
    /* The address people reach the site at (the first --public-url), for
     * links in e-mails; https:// makes cookies Secure. NULL: links are
     * built from the request's Host, cookies are not Secure. */
    const char *public_url;
    /* The baseline of the pages, exports and API when a request does not
     * choose one (?base=): MG_BASELINE_MODEL unless --baseline official. */
    enum mg_baseline baseline;
    /* How long the finder keeps a commune's answer (--finder-cache), in
     * seconds: 0 for the default (MG_APP_FINDER_CACHE_S), negative for
     * not at all. */
    int finder_cache_s;
    /* Layer descriptors (diagnosis/layer.h) to load, at most MG_APP_MAX_LAYERS. */
    const char *layers[MG_APP_MAX_LAYERS];
    size_t nlayers;
} mg_app_config;

/** The finder's tables (finder.c): La Poste's postcodes and the BPE's
 * health counts per commune of territory t, from the France folder. */
struct web_finder_data;
int web_finder_load(struct web_finder_data **out, const mg_territory *t, const char *france,
                    mg_diag *d) MG_WARN_UNUSED;
void web_finder_free(struct web_finder_data *f);
/** The study communes of postcode cp (territory indices, at most max into
 * idx, in code order); how many there are. */
size_t web_finder_postcode(const struct web_finder_data *f, const char *cp, size_t *idx,
                           size_t max);

/** Loads every profession, opens the database, builds the routes. */
int mg_app_new(mg_app **out, const mg_app_config *cfg, mg_progress_fn progress, void *pctx,
               mg_diag *d) MG_WARN_UNUSED;
void mg_app_free(mg_app *a);

/** The routes of the application, in the order they are tried: route k's
 * method and pattern (k < mg_app_route_count), for the authorisation
 * matrix test and the documentation. */
size_t mg_app_route_count(const mg_app *a);
void mg_app_route_at(const mg_app *a, size_t k, const char **method, const char **pattern);

/** The layer keyed `key`, or NULL. */
const struct mg_layer *mg_app_layer(const mg_app *a, const char *key);

/** The profession keyed `key` (NULL → "mg"), or NULL when unknown. */
const mg_app_profession *mg_app_profession_get(const mg_app *a, const char *key);

/** The values today on baseline b (g->apl, or official_base) and their
 * figures: what a scenario on that baseline is compared with. */
const double *mg_app_baseline_values(const mg_app_profession *p, enum mg_baseline b);
const mg_summary *mg_app_baseline_summary(const mg_app_profession *p, enum mg_baseline b);

#endif
