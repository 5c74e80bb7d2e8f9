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

#include "core/buf.h"
#include "core/error.h"
#include "territory/territory.h"

/** Communes projected once to Lambert-93 (metres), kept for every map. */
typedef struct mg_map_geometry mg_map_geometry;

/**
 * Projects the contours of t's communes (t->shapes) with PROJ. Communes
 * without a contour are drawn as small circles at their point. The
 * geometry is simplified for display (points closer than tolerance_m
 * metres dropped, default 50 when 0).
 */
int mg_map_geometry_build(mg_map_geometry **out, const mg_territory *t,
                          const size_t *communes, size_t n, double tolerance_m,
                          mg_diag *d) MG_WARN_UNUSED;
void mg_map_geometry_free(mg_map_geometry *g);

/** Projects one WGS84 point to Lambert-93 (x, y in metres). */
int mg_map_project(double lon, double lat, double *x, double *y, mg_diag *d) MG_WARN_UNUSED;

#define MG_MAP_MAX_CLASSES 9

typedef struct mg_map_style {
    size_t nclasses;                 /* 2..9 */
    double breaks[MG_MAP_MAX_CLASSES - 1]; /* increasing upper bounds of classes 0..n-2 */
    const char *colors[MG_MAP_MAX_CLASSES]; /* "#rrggbb" per class */
    const char *no_data_color;       /* for NaN values */
    bool diverging;                  /* difference maps: classes around 0 */
} mg_map_style;

/**
 * A sequential style for values (light = low access is bad: the palette
 * goes from red for low to blue-green for high) with breaks at the given
 * threshold and around it (from the data's quantiles when threshold is
 * NaN). For difference maps (diverging), breaks symmetric around 0.
 */
mg_map_style mg_map_style_for(const double *values, const size_t *communes, size_t n,
                              double threshold, bool diverging);

typedef struct mg_map_options {
    const char *title;         /* French, shown as <title> and heading of the legend */
    const char *unit;          /* legend unit label */
    double threshold;          /* NaN: no threshold mark in the legend */
    const char *threshold_label; /* e.g. "seuil de sous-dotation" */
    const char *link_prefix;   /* "/commune/" → each commune links to prefix+code+link_suffix; NULL: no links */
    const char *link_suffix;   /* e.g. "?profession=mg" or "" */
    long highlight;            /* index in `communes` to outline, or -1 */
    unsigned width;            /* pixels of the viewBox width, default 800 */
} mg_map_options;

/**
 * Appends a standalone SVG document (with XML declaration) of the map:
 * values[communes[k]] coloured with style, legend and title. Values are
 * indexed like the territory (t->n entries).
 */
int mg_map_svg(mg_buf *out, const mg_map_geometry *g, const mg_territory *t,
               const double *values, const mg_map_style *style,
               const mg_map_options *opt) MG_WARN_UNUSED;

/** Renders an SVG document to PNG at `width` pixels (height from the ratio). */
int mg_map_png(mg_buf *out, const char *svg, size_t svg_len, unsigned width,
               mg_diag *d) MG_WARN_UNUSED;

/**
 * A horizontal bar chart as inline SVG (no XML declaration): one bar per
 * label/value, French axis label, accessible title. For EPCI figures.
 */
int mg_chart_bars(mg_buf *out, const char *title, const char *const *labels,
                  const double *values, size_t n, double threshold,
                  const char *unit) MG_WARN_UNUSED;

#endif
