/*
 * SVG to PNG with librsvg and cairo, for reports and for the pages that
 * cannot show SVG (exports, e-mail). librsvg handles are independent of
 * each other, so several threads may render at once.
 */
#include "map/map.h"

#include <cairo.h>
#include <librsvg/rsvg.h>
#include <math.h>

/* Bounds of the image, so that a width asked in a request cannot make the
 * server allocate gigabytes (8192 x 8192 x 4 bytes is 256 MiB already). */
enum { PNG_MAX_SIDE = 8192 };

static cairo_status_t write_to_buf(void *closure, const unsigned char *data,
                                   unsigned int length)
{
    return mg_buf_append(closure, data, length) == MG_OK ? CAIRO_STATUS_SUCCESS
                                                         : CAIRO_STATUS_WRITE_ERROR;
}

/* The document's size in pixels: its width and height attributes, or its
 * viewBox when those are missing or relative. */
static int intrinsic_size(RsvgHandle *h, double *w, double *hgt)
{
    if (rsvg_handle_get_intrinsic_size_in_pixels(h, w, hgt) && *w > 0 && *hgt > 0)
        return 1;
    gboolean has_vb = FALSE;
    RsvgRectangle vb = {0};
    rsvg_handle_get_intrinsic_dimensions(h, NULL, NULL, NULL, NULL, &has_vb, &vb);
    if (has_vb && vb.width > 0 && vb.height > 0) {
        *w = vb.width;
        *hgt = vb.height;
        return 1;
    }
    return 0;
}

int mg_map_png(mg_buf *out, const char *svg, size_t svg_len, unsigned width, mg_diag *d)
{
    if (!out || !svg)
        return MG_EINVAL;
    if (width == 0 || width > PNG_MAX_SIDE)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "PNG width %u: expected 1 to %d pixels", width, PNG_MAX_SIDE);

    GError *err = NULL;
    RsvgHandle *h = rsvg_handle_new_from_data((const guint8 *)svg, svg_len, &err);
    if (!h) {
        int rc = mg_diag_set(d, MG_EPARSE, NULL, 0, 0, "SVG: %s",
                             err && err->message ? err->message : "librsvg cannot read it");
        if (err)
            g_error_free(err);
        return rc;
    }
    double iw = 0, ih = 0;
    if (!intrinsic_size(h, &iw, &ih)) {
        g_object_unref(h);
        return mg_diag_set(d, MG_EPARSE, NULL, 0, 0,
                           "SVG: the document has neither a size nor a viewBox");
    }
    double hd = ceil(width * ih / iw);
    if (!(hd >= 1) || hd > PNG_MAX_SIDE) {
        g_object_unref(h);
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0,
                           "PNG of %u pixels wide would be %.0f pixels high: at most %d",
                           width, hd, PNG_MAX_SIDE);
    }
    int height = (int)hd;

    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)width, height);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        g_object_unref(h);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "PNG: cannot allocate %ux%d pixels",
                           width, height);
    }
    cairo_t *cr = cairo_create(surf);
    /* PNG viewers show transparency as a checkerboard or black; a map on
     * paper is on white. */
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    RsvgRectangle viewport = {0, 0, (double)width, (double)height};
    int rc = MG_OK;
    if (!rsvg_handle_render_document(h, cr, &viewport, &err)) {
        rc = mg_diag_set(d, MG_EPARSE, NULL, 0, 0, "SVG: %s",
                         err && err->message ? err->message : "librsvg cannot render it");
        if (err)
            g_error_free(err);
    } else if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "PNG: %s",
                         cairo_status_to_string(cairo_status(cr)));
    }
    cairo_destroy(cr);
    g_object_unref(h);
    if (rc == MG_OK) {
        cairo_surface_flush(surf);
        size_t start = out->len;
        cairo_status_t st = cairo_surface_write_to_png_stream(surf, write_to_buf, out);
        if (st != CAIRO_STATUS_SUCCESS) {
            rc = out->failed ? MG_ELIMIT : MG_ENOMEM;
            mg_diag_set(d, rc, NULL, 0, 0, "PNG: %s", out->failed
                                                          ? "the image exceeds the buffer's limit"
                                                          : cairo_status_to_string(st));
            out->len = start;
            if (out->data)
                out->data[start] = '\0';
        }
    }
    cairo_surface_destroy(surf);
    return rc;
}
