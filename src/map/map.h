/**
 * @file map.h
 * Maps and charts drawn on the server as SVG (no tile server, no internet):
 * commune contours projected to Lambert-93 (EPSG:2154) with PROJ, coloured
 * by class of a value, with a legend marking the under-served threshold;
 * and the same map as PNG (librsvg + cairo).
 *
 * Labels are French (they are shown to people). Every commune is a <path>
 * with a <title> (its name and value) and, when a link is given, inside an
 * <a> element, so the map is usable with a keyboard and a screen reader.
 */
#ifndef MG_MAP_MAP_H
#define MG_MAP_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "territory/territory.h"

/** Communes projected once to Lambert-93 (metres), kept for every map. */
typedef struct mg_map_geometry mg_map_geometry;

/**
 * Projects the contours of t's communes (t->shapes) with PROJ. Communes
 * without a contour are drawn as small circles at their point (not drawn
 * when they have no point either). The geometry is simplified for display
 * (Douglas–Peucker: points within tolerance_m metres of the simplified
 * outline dropped, default 50 when 0). `communes` holds n indices into t.
 * The geometry is read-only once built: threads may share it. Errors:
 * MG_EINVAL (index out of t, tolerance negative), MG_ENOMEM, MG_ELIMIT, and
 * MG_EIO when PROJ cannot project (its message in d).
 */
int mg_map_geometry_build(mg_map_geometry **out, const mg_territory *t,
                          const size_t *communes, size_t n, double tolerance_m,
                          mg_diag *d) MG_WARN_UNUSED;
void mg_map_geometry_free(mg_map_geometry *g);

/** Points kept after simplification (all rings), for tests and benchmarks. */
size_t mg_map_geometry_npoints(const mg_map_geometry *g);

/**
 * Projects one WGS84 point to Lambert-93 (x, y in metres). Safe from any
 * thread: one transformation shared under a mutex, created on first use.
 */
int mg_map_project(double lon, double lat, double *x, double *y, mg_diag *d) MG_WARN_UNUSED;

/*
 * A Lambert-93 projector: its own PROJ context and transformation, to be
 * used by one thread at a time (PROJ objects are not thread-safe). Shared
 * by projection.c and svg.c; other modules call mg_map_project.
 */
typedef struct mg_map_projector mg_map_projector;
int mg_map_projector_new(mg_map_projector **out, mg_diag *d) MG_WARN_UNUSED;
/** Projects n points in place: x holds longitudes and y latitudes on entry,
 * Lambert-93 metres on return. MG_EIO names the first point that failed. */
int mg_map_projector_run(mg_map_projector *p, double *x, double *y, size_t n,
                         mg_diag *d) MG_WARN_UNUSED;
void mg_map_projector_free(mg_map_projector *p);

#define MG_MAP_MAX_CLASSES 9

/*
 * Class k holds the values v with breaks[k-1] <= v < breaks[k] (class 0
 * everything below breaks[0], the last class everything from
 * breaks[n-2]), so a value equal to the under-served threshold is not in
 * the class below it, as "APL < 2.5" defines under-served communes.
 */
typedef struct mg_map_style {
    size_t nclasses;                 /* 2..9 */
    double breaks[MG_MAP_MAX_CLASSES - 1]; /* increasing upper bounds (excluded) of classes 0..n-2 */
    const char *colors[MG_MAP_MAX_CLASSES]; /* "#rrggbb" per class */
    const char *no_data_color;       /* for NaN values */
    bool diverging;                  /* difference maps: classes around 0 */
} mg_map_style;

/**
 * A sequential style for values (low access is bad: the palette goes from
 * red for low through yellow to blue for high, ColorBrewer RdYlBu, rated
 * colour-blind safe) in 6 classes with breaks at the given threshold and
 * around it (0.6, 1, 1.4, 1.8 and 2.4 times it: 1.5, 2.5, 3.5, 4.5, 6 for
 * the GP threshold 2.5), the same on every map so that maps compare; from
 * the data's quantiles (rounded to two significant digits, 2 to 6 classes)
 * when threshold is NaN or not positive. For difference maps (diverging):
 * 7 classes symmetric around 0 (ColorBrewer RdBu: red for losses, blue for
 * gains, near-white for the middle class holding 0), scaled to the 95th
 * percentile of |value|. values are indexed like the territory; communes
 * lists the n indices to consider. No-data communes get a hatched grey.
 */
mg_map_style mg_map_style_for(const double *values, const size_t *communes, size_t n,
                              double threshold, bool diverging);

/**
 * Reverses the colours of a sequential style, for measures where a low value
 * is good (minutes to the nearest practitioner): the lowest class gets the
 * colour the highest had (blue), the highest the colour of the lowest (red).
 * The breaks stay as they are. Diverging styles are left unchanged.
 */
void mg_map_style_reverse(mg_map_style *st);

/** The class of v under st (0..nclasses-1), or nclasses when v is NaN. */
size_t mg_map_style_class(const mg_map_style *st, double v);

/**
 * A site of a scenario or plan, marked and named on a report map: at the
 * point of commune `commune` (an index into the territory, its chef-lieu's
 * point; or, without one, the middle of its contour) or, when commune is
 * -1, at the Lambert-93 point (x, y) in metres. kind (0 to
 * MG_MAP_SITE_KINDS - 1; callers may pass an enum mg_resource) chooses the
 * mark's shape and colour; kind_label is its line in the legend (the first
 * non-NULL one of each kind). label is written beside the mark (may be
 * NULL) and, with kind_label, in the mark's <title>.
 */
typedef struct mg_map_site {
    long commune;
    double x, y;
    const char *label;
    unsigned kind;
    const char *kind_label;
} mg_map_site;

#define MG_MAP_SITE_KINDS 6
#define MG_MAP_MAX_SITES 1000

typedef struct mg_map_options {
    const char *title;         /* French, the SVG's <title> and the heading above the map */
    const char *unit;          /* after each commune's value; heading of the legend without legend_title */
    const char *legend_title;  /* heading of the legend (NULL: unit, or "Légende") */
    const char *no_data_label; /* legend row, summary and commune titles of NaN values (NULL: "sans donnée") */
    double threshold;          /* NaN: no threshold mark in the legend */
    const char *threshold_label; /* e.g. "seuil de sous-dotation" */
    const char *link_prefix;   /* "/commune/" → each commune links to prefix+code+link_suffix; NULL: no links */
    const char *link_suffix;   /* e.g. "?profession=mg" or "" */
    long highlight;            /* index in `communes` to outline, or -1 */
    const long *more_highlights; /* further indices in `communes` to outline (may be NULL) */
    size_t nmore_highlights;
    unsigned width;            /* pixels of the viewBox width, default 800 */

    /*
     * Scope framing (issue 13, section 1). focus, when not NULL, holds t->n
     * marks indexed like the territory (as mg_scope.mark): non-zero for the
     * communes of the scope. The map is then framed on the scope: the map
     * area (a nested <svg class="mg-map-view">) has a viewBox fitted to the
     * focus communes' extent with a margin of focus_margin (fraction of the
     * extent's larger side, 0 means 0.05), widened to the area's ratio, and
     * communes outside it are cut off; the other communes are drawn in
     * MG_MAP_GREY without their value colour, still linked and named in
     * their <title> ("Nom (code) : valeur — hors du périmètre"); the
     * scope's outline (where focus communes meet others or the edge of the
     * territory) is drawn as a dark line (<g class="mg-scope-outline">).
     * focus_label names the scope in the map's <desc> (e.g. the EPCI's
     * name; NULL: "périmètre"). The threshold count of the <desc> is then
     * over the scope's communes. A focus with no drawable commune is
     * MG_EINVAL. Without focus the map is the whole geometry, as before.
     */
    const uint8_t *focus;
    double focus_margin;
    const char *focus_label;

    /*
     * Report maps (issue 13, section 4), for the PNG and PDF as well as the
     * page. All off when zero.
     * - label_count: the names of the label_count most populous communes
     *   (t->population; of the scope when framed), each at its point with a
     *   white halo, placed right, left, above or below it where it overlaps
     *   no other label or site (a name that fits nowhere is left out, the
     *   next commune tried instead). <g class="mg-labels">, hidden from
     *   screen readers (the communes' titles name them).
     * - epci_borders: a dark line where two neighbouring communes belong
     *   to different EPCI (t->epci; nothing when t has none),
     *   <path class="mg-epci">, with a legend line. The borders are found
     *   when the geometry is built, from neighbours' shared vertices (so
     *   only when t has EPCI, and not past 4 million contour points).
     * - sites/nsites: marks with their names (mg_map_site), legend lines
     *   per kind; at most MG_MAP_MAX_SITES (MG_EINVAL beyond, or for a
     *   commune outside t or a kind out of range).
     * - scale_bar: a bar of a round length in km (or m) at the bottom left
     *   of the map area, <g class="mg-scale">.
     * - source: a line under the map, e.g. "Source : DREES, APL 2021 ;
     *   calcul maillage, 5 décembre 2026".
     * Each name (with its dot) and each site is a pin: a <g class="mg-pin">
     * translated to its point, its content drawn about the origin, so that
     * the page's script can zoom the map and keep them at their size.
     */
    size_t label_count;
    bool epci_borders;
    const mg_map_site *sites;
    size_t nsites;
    bool scale_bar;
    const char *source;

    /*
     * Categorical maps (a layer's classes): class_labels, when not NULL,
     * holds the style's nclasses labels; the legend shows them instead of
     * value ranges, and each commune's title its class's label instead of
     * its value (values are then class indices, e.g. 0, 1, 2 with breaks
     * 0.5, 1.5).
     */
    const char *const *class_labels;
} mg_map_options;

/** Fill of the communes outside the scope on a framed map. */
#define MG_MAP_GREY "#dcdcdc"

/**
 * Appends a standalone SVG document (with XML declaration) of the map:
 * values[communes[k]] coloured with style, legend and title. Values are
 * indexed like the territory (t->n entries); t must be the territory g was
 * built from. opt may be NULL (defaults: no title, no links, no
 * threshold). Width 0 means 800; below 400 or above 10000 is MG_EINVAL.
 * The SVG has role="img" with a <title> and a <desc> summing it up; with
 * links it has role="group" instead, because an image's content is hidden
 * from screen readers and the links would be lost. On error the buffer
 * keeps its former length (b->failed tells a buffer error).
 */
int mg_map_svg(mg_buf *out, const mg_map_geometry *g, const mg_territory *t,
               const double *values, const mg_map_style *style,
               const mg_map_options *opt) MG_WARN_UNUSED;

/**
 * Renders an SVG document to PNG at `width` pixels (height from the ratio),
 * on a white background. width 1..8192 (MG_EINVAL otherwise), a height
 * above 8192 is MG_ELIMIT; an SVG that librsvg cannot read is MG_EPARSE
 * with librsvg's message in d.
 */
int mg_map_png(mg_buf *out, const char *svg, size_t svg_len, unsigned width,
               mg_diag *d) MG_WARN_UNUSED;

/**
 * A horizontal bar chart as inline SVG (no XML declaration): one bar per
 * label/value (values with a decimal comma, NaN shown as "sans donnée"),
 * bars below the threshold in red and the threshold as a dashed line
 * (none when NaN), an axis labelled with unit, role="img" with the title
 * and a <desc> listing every value. For EPCI figures.
 */
int mg_chart_bars(mg_buf *out, const char *title, const char *const *labels,
                  const double *values, size_t n, double threshold,
                  const char *unit) MG_WARN_UNUSED;

#endif
