/*
 * Documents as A4 PDF: blocks laid out top to bottom with pango, pages
 * recorded as they fill (cairo recording surfaces), then replayed onto a
 * cairo PDF surface with their header and "page n / N" footer once N is
 * known (docs/documents.md).
 *
 * Why recording surfaces rather than laying the whole document out twice:
 * the caller may ask how much room is left on the page (mg_doc_space_left)
 * to size a map, which needs the layout done as blocks arrive; replaying a
 * recording onto the PDF surface keeps everything vector and the text
 * extractable (cairo writes each page as a form XObject).
 */
#include "doc/doc.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

/* A4 portrait in PostScript points. */
#define PAGE_W 595.276
#define PAGE_H 841.89
/* Margins: the text block, then the header above and the footer below it. */
#define MARGIN_X 48.0
#define TEXT_TOP 58.0
#define TEXT_BOTTOM (PAGE_H - 54.0)
#define TEXT_W (PAGE_W - 2 * MARGIN_X)
#define HEADER_BASE 34.0 /* top of the header's text */
#define HEADER_RULE 48.0
#define FOOTER_RULE (PAGE_H - 48.0)
#define FOOTER_TOP (PAGE_H - 44.0)

/* Sizes in points (the pango context works at 72 dpi: a point is a unit). */
#define FAMILY "DejaVu Sans"
#define SIZE_BODY 9.5
#define SIZE_NOTE 7.8
#define SIZE_H1 16.0
#define SIZE_H2 11.5
#define SIZE_TABLE 8.0
#define SIZE_FIG_VALUE 15.0
#define SIZE_FIG_LABEL 7.8
#define SIZE_HEADER 7.5

/* Gaps before blocks (dropped at the top of a page). */
#define GAP_PARAGRAPH 5.0
#define GAP_H1 0.0
#define GAP_H2 11.0
#define GAP_BLOCK 8.0
/* Room a heading wants below it, so that it is not left alone at the
 * foot of a page. */
#define KEEP_H1 90.0
#define KEEP_H2 50.0

#define CELL_PAD_X 3.5
#define CELL_PAD_Y 1.7
#define MAX_COLUMNS 16
#define FIGURES_PER_ROW 5
#define FIGURE_GAP 8.0
#define FIGURE_PAD 5.0

struct mg_doc {
    char *title, *footer, *subject;
    PangoContext *pango;        /* 72 dpi, metrics unhinted, as on a PDF surface */
    cairo_surface_t **pages;    /* recordings, one per page */
    size_t npages, cap;
    cairo_t *cr;                /* on the last page */
    double y;                   /* where the next block starts */
    bool empty;                 /* nothing drawn yet on the last page */
    int rc;                     /* sticky failure */
    mg_diag why;                /* its message, repeated by every later call */
};

/* --- Pages and text ------------------------------------------------------- */

/* Records a failure that leaves the document unusable (something may
 * have been drawn half), and reports it. */
static int fail(mg_doc *doc, int rc, mg_diag *d, const char *fmt, ...) MG_PRINTF(4, 5);
static int fail(mg_doc *doc, int rc, mg_diag *d, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!doc->rc) {
        doc->rc = rc;
        mg_diag_set(&doc->why, rc, NULL, 0, 0, "document: %s", msg);
    }
    return mg_diag_set(d, rc, NULL, 0, 0, "document: %s", msg);
}

/* What every call answers once the document has failed. */
static int failed(const mg_doc *doc, mg_diag *d)
{
    return mg_diag_set(d, doc->rc, NULL, 0, 0, "%s", doc->why.msg);
}

static int new_page(mg_doc *doc, mg_diag *d)
{
    if (doc->npages >= MG_DOC_MAX_PAGES)
        return fail(doc, MG_ELIMIT, d, "more than %d pages", MG_DOC_MAX_PAGES);
    if (doc->npages == doc->cap) {
        size_t cap = doc->cap ? 2 * doc->cap : 8;
        cairo_surface_t **p = mg_realloc_array(doc->pages, cap, sizeof *p);
        if (!p)
            return fail(doc, MG_ENOMEM, d, "out of memory");
        doc->pages = p;
        doc->cap = cap;
    }
    cairo_rectangle_t extent = {0, 0, PAGE_W, PAGE_H};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extent);
    cairo_t *cr = cairo_create(rec);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(cr);
        cairo_surface_destroy(rec);
        return fail(doc, MG_ENOMEM, d, "cannot start a page");
    }
    if (doc->cr)
        cairo_destroy(doc->cr);
    doc->pages[doc->npages++] = rec;
    doc->cr = cr;
    doc->y = TEXT_TOP;
    doc->empty = true;
    return MG_OK;
}

/* Moves down by gap unless at the top of a page, then makes sure `need`
 * points fit below, starting a new page when they do not and the page is
 * not empty (an empty page takes what it can). */
static int place(mg_doc *doc, double gap, double need, mg_diag *d)
{
    if (!doc->empty)
        doc->y += gap;
    if (doc->y + need > TEXT_BOTTOM && !doc->empty)
        return new_page(doc, d);
    return MG_OK;
}

static PangoLayout *layout(const mg_doc *doc, const char *text, double size, bool bold,
                           double width, enum mg_doc_align align)
{
    PangoLayout *l = pango_layout_new(doc->pango);
    PangoFontDescription *fd = pango_font_description_from_string(FAMILY);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (bold)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align == MG_DOC_RIGHT    ? PANGO_ALIGN_RIGHT
                                  : align == MG_DOC_CENTER ? PANGO_ALIGN_CENTER
                                                           : PANGO_ALIGN_LEFT);
    pango_layout_set_text(l, text ? text : "", -1);
    return l;
}

static double layout_height(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static void show(cairo_t *cr, PangoLayout *l, double x, double y)
{
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
}

static int check_text(mg_doc *doc, const char *text, mg_diag *d)
{
    (void)doc; /* a refused text draws nothing: the document stays usable */
    if (text && !g_utf8_validate(text, -1, NULL))
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0, "document: text is not valid UTF-8");
    return MG_OK;
}

/* Lays l out line by line from the cursor, at x, running onto new pages. */
static int flow(mg_doc *doc, PangoLayout *l, double x, mg_diag *d)
{
    PangoLayoutIter *it = pango_layout_get_iter(l);
    int rc = MG_OK;
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double top = (double)logical.y / PANGO_SCALE;
        double h = (double)logical.height / PANGO_SCALE;
        double base = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE - top;
        if (doc->y + h > TEXT_BOTTOM && !doc->empty && (rc = new_page(doc, d)))
            break;
        cairo_move_to(doc->cr, x + (double)logical.x / PANGO_SCALE, doc->y + base);
        pango_cairo_show_layout_line(doc->cr, pango_layout_iter_get_line_readonly(it));
        doc->y += h;
        doc->empty = false;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    return rc;
}

/* --- The document ---------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int mg_doc_new(mg_doc **out, const mg_doc_info *info, mg_diag *d)
{
    *out = NULL;
    if (!info || !info->title)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "document: a title is required");
    if (!g_utf8_validate(info->title, -1, NULL) ||
        (info->footer && !g_utf8_validate(info->footer, -1, NULL)) ||
        (info->subject && !g_utf8_validate(info->subject, -1, NULL)))
        return mg_diag_set(d, MG_EUTF8, NULL, 0, 0, "document: text is not valid UTF-8");
    mg_doc *doc = calloc(1, sizeof *doc);
    if (!doc)
        return MG_ENOMEM;
    doc->title = strdup(info->title);
    doc->footer = dup_or_null(info->footer);
    doc->subject = dup_or_null(info->subject);
    /* Metrics as the PDF surface has them (no hinting), at 72 dpi so that a
     * font size in points is a size in user units. The default font map is
     * per thread: documents may be built on several threads at once. */
    doc->pango = pango_font_map_create_context(pango_cairo_font_map_get_default());
    if (!doc->title || (info->footer && !doc->footer) || (info->subject && !doc->subject) ||
        !doc->pango) {
        mg_doc_free(doc);
        return MG_ENOMEM;
    }
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(doc->pango, fo);
    cairo_font_options_destroy(fo);
    pango_cairo_context_set_resolution(doc->pango, 72);
    int rc = new_page(doc, d);
    if (rc) {
        mg_doc_free(doc);
        return rc;
    }
    *out = doc;
    return MG_OK;
}

void mg_doc_free(mg_doc *doc)
{
    if (!doc)
        return;
    if (doc->cr)
        cairo_destroy(doc->cr);
    for (size_t k = 0; k < doc->npages; k++)
        cairo_surface_destroy(doc->pages[k]);
    free(doc->pages);
    if (doc->pango)
        g_object_unref(doc->pango);
    free(doc->title);
    free(doc->footer);
    free(doc->subject);
    free(doc);
}

size_t mg_doc_pages(const mg_doc *doc)
{
    return doc->npages;
}

double mg_doc_space_left(const mg_doc *doc)
{
    double left = TEXT_BOTTOM - doc->y;
    return left > 0 ? left : 0;
}

void mg_doc_space(mg_doc *doc, double points)
{
    if (!doc->rc && !doc->empty && points > 0)
        doc->y = fmin(doc->y + points, TEXT_BOTTOM);
}

void mg_doc_page_break(mg_doc *doc)
{
    if (!doc->rc && !doc->empty)
        (void)new_page(doc, NULL);
}

int mg_doc_heading(mg_doc *doc, int level, const char *text, mg_diag *d)
{
    if (doc->rc)
        return failed(doc, d);
    if (level != 1 && level != 2)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "document: heading level %d: 1 or 2",
                           level);
    int rc = check_text(doc, text, d);
    if (rc)
        return rc;
    PangoLayout *l = layout(doc, text, level == 1 ? SIZE_H1 : SIZE_H2, true, TEXT_W,
                            MG_DOC_LEFT);
    double h = layout_height(l);
    rc = place(doc, level == 1 ? GAP_H1 : GAP_H2, h + (level == 1 ? KEEP_H1 : KEEP_H2), d);
    if (rc == MG_OK) {
        cairo_set_source_rgb(doc->cr, 0.08, 0.18, 0.32);
        show(doc->cr, l, MARGIN_X, doc->y);
        doc->y += h + (level == 1 ? 4.0 : 3.0);
        doc->empty = false;
    }
    g_object_unref(l);
    return rc;
}

int mg_doc_paragraph(mg_doc *doc, enum mg_doc_text_style style, const char *text, mg_diag *d)
{
    if (doc->rc)
        return failed(doc, d);
    int rc = check_text(doc, text, d);
    if (rc)
        return rc;
    PangoLayout *l = layout(doc, text, style == MG_DOC_NOTE ? SIZE_NOTE : SIZE_BODY,
                            style == MG_DOC_STRONG, TEXT_W, MG_DOC_LEFT);
    /* One line at least must fit where the paragraph starts. */
    PangoLayoutIter *it = pango_layout_get_iter(l);
    PangoRectangle first;
    pango_layout_iter_get_line_extents(it, NULL, &first);
    pango_layout_iter_free(it);
    rc = place(doc, GAP_PARAGRAPH, (double)first.height / PANGO_SCALE, d);
    if (rc == MG_OK) {
        if (style == MG_DOC_NOTE)
            cairo_set_source_rgb(doc->cr, 0.30, 0.30, 0.30);
        else
            cairo_set_source_rgb(doc->cr, 0, 0, 0);
        rc = flow(doc, l, MARGIN_X, d);
    }
    g_object_unref(l);
    return rc;
}

int mg_doc_figures(mg_doc *doc, const mg_doc_figure *figures, size_t n, mg_diag *d)
{
    if (doc->rc)
        return failed(doc, d);
    if (!figures || n == 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "document: a row of no figures");
    int rc = MG_OK;
    for (size_t k = 0; k < n && rc == MG_OK; k++)
        if ((rc = check_text(doc, figures[k].value, d)) == MG_OK)
            rc = check_text(doc, figures[k].label, d);
    for (size_t first = 0; first < n && rc == MG_OK; first += FIGURES_PER_ROW) {
        size_t m = n - first < FIGURES_PER_ROW ? n - first : FIGURES_PER_ROW;
        /* Boxes of the width of a full row, so that rows line up. */
        size_t per = n < FIGURES_PER_ROW ? n : FIGURES_PER_ROW;
        double bw = (TEXT_W - FIGURE_GAP * (double)(per - 1)) / (double)per;
        double inner = bw - 2 * FIGURE_PAD;
        PangoLayout *val[FIGURES_PER_ROW], *lab[FIGURES_PER_ROW];
        double bh = 0;
        for (size_t k = 0; k < m; k++) {
            val[k] = layout(doc, figures[first + k].value, SIZE_FIG_VALUE, true, inner,
                            MG_DOC_LEFT);
            lab[k] = layout(doc, figures[first + k].label, SIZE_FIG_LABEL, false, inner,
                            MG_DOC_LEFT);
            double h = layout_height(val[k]) + 1.5 + layout_height(lab[k]) + 2 * FIGURE_PAD;
            if (h > bh)
                bh = h;
        }
        rc = place(doc, GAP_BLOCK, bh, d);
        for (size_t k = 0; k < m; k++) {
            if (rc == MG_OK) {
                double x = MARGIN_X + (double)k * (bw + FIGURE_GAP);
                cairo_t *cr = doc->cr;
                cairo_set_source_rgb(cr, 0.93, 0.95, 0.97);
                cairo_rectangle(cr, x, doc->y, bw, bh);
                cairo_fill(cr);
                cairo_set_source_rgb(cr, 0.08, 0.18, 0.32);
                cairo_rectangle(cr, x, doc->y, 2.0, bh);
                cairo_fill(cr);
                show(cr, val[k], x + FIGURE_PAD, doc->y + FIGURE_PAD);
                cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
                show(cr, lab[k], x + FIGURE_PAD, doc->y + FIGURE_PAD + layout_height(val[k]) + 1.5);
            }
            g_object_unref(val[k]);
            g_object_unref(lab[k]);
        }
        if (rc == MG_OK) {
            doc->y += bh;
            doc->empty = false;
        }
    }
    return rc;
}

/* --- Tables ------------------------------------------------------------------ */

typedef struct table_geom {
    size_t ncols;
    double x[MAX_COLUMNS], w[MAX_COLUMNS];
} table_geom;

/* The layouts of one row and its height. */
static double row_layouts(const mg_doc *doc, const table_geom *tg, const mg_doc_column *cols,
                          const char *const *cells, bool header, PangoLayout **out)
{
    double h = 0;
    for (size_t c = 0; c < tg->ncols; c++) {
        out[c] = layout(doc, cells[c] ? cells[c] : "", SIZE_TABLE, header,
                        tg->w[c] - 2 * CELL_PAD_X, cols[c].align);
        double ch = layout_height(out[c]);
        if (ch > h)
            h = ch;
    }
    return h + 2 * CELL_PAD_Y;
}

static void draw_row(mg_doc *doc, const table_geom *tg, PangoLayout **cells, double h,
                     bool header, bool shade)
{
    cairo_t *cr = doc->cr;
    if (header || shade) {
        if (header)
            cairo_set_source_rgb(cr, 0.86, 0.89, 0.93);
        else
            cairo_set_source_rgb(cr, 0.965, 0.97, 0.98);
        cairo_rectangle(cr, MARGIN_X, doc->y, TEXT_W, h);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (size_t c = 0; c < tg->ncols; c++)
        show(cr, cells[c], tg->x[c] + CELL_PAD_X, doc->y + CELL_PAD_Y);
    cairo_set_line_width(cr, header ? 0.8 : 0.3);
    cairo_set_source_rgb(cr, header ? 0.3 : 0.75, header ? 0.3 : 0.75, header ? 0.3 : 0.75);
    cairo_move_to(cr, MARGIN_X, doc->y + h);
    cairo_line_to(cr, MARGIN_X + TEXT_W, doc->y + h);
    cairo_stroke(cr);
    doc->y += h;
    doc->empty = false;
}

static void free_row(PangoLayout **cells, size_t n)
{
    for (size_t c = 0; c < n; c++)
        if (cells[c])
            g_object_unref(cells[c]);
}

/* Column positions from their weights; non-zero when a width is not
 * positive. */
static int table_geometry(const mg_doc_column *cols, size_t ncols, table_geom *tg)
{
    tg->ncols = ncols;
    double total = 0;
    for (size_t c = 0; c < ncols; c++) {
        if (!(cols[c].width > 0) || !isfinite(cols[c].width))
            return 1;
        total += cols[c].width;
    }
    double x = MARGIN_X;
    for (size_t c = 0; c < ncols; c++) {
        tg->x[c] = x;
        tg->w[c] = TEXT_W * cols[c].width / total;
        x += tg->w[c];
    }
    return 0;
}

double mg_doc_table_height(const mg_doc *doc, const mg_doc_column *cols, size_t ncols,
                           const char *const *cells, size_t nrows)
{
    table_geom tg;
    if (!cols || ncols == 0 || ncols > MAX_COLUMNS || (nrows && !cells) ||
        table_geometry(cols, ncols, &tg))
        return 0;
    const char *heads[MAX_COLUMNS];
    for (size_t c = 0; c < ncols; c++)
        heads[c] = cols[c].header;
    PangoLayout *l[MAX_COLUMNS];
    double h = GAP_BLOCK + row_layouts(doc, &tg, cols, heads, true, l);
    free_row(l, ncols);
    for (size_t r = 0; r < nrows; r++) {
        const char *const *row = cells + r * ncols;
        bool valid = true;
        for (size_t c = 0; c < ncols; c++)
            valid = valid && (!row[c] || g_utf8_validate(row[c], -1, NULL));
        if (!valid)
            return 0;
        h += row_layouts(doc, &tg, cols, row, false, l);
        free_row(l, ncols);
    }
    return h;
}

int mg_doc_table(mg_doc *doc, const mg_doc_column *cols, size_t ncols, const char *const *cells,
                 size_t nrows, mg_diag *d)
{
    if (doc->rc)
        return failed(doc, d);
    if (!cols || ncols == 0 || ncols > MAX_COLUMNS || (nrows && !cells))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "document: a table of %zu columns: 1 to %d",
                           ncols, MAX_COLUMNS);
    table_geom tg;
    if (table_geometry(cols, ncols, &tg))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "document: a table's columns need positive widths");
    int rc = MG_OK;
    for (size_t c = 0; c < ncols && rc == MG_OK; c++)
        rc = check_text(doc, cols[c].header, d);
    for (size_t k = 0; k < nrows * ncols && rc == MG_OK; k++)
        rc = check_text(doc, cells[k], d);
    if (rc)
        return rc;
    const char *heads[MAX_COLUMNS];
    for (size_t c = 0; c < ncols; c++)
        heads[c] = cols[c].header;
    PangoLayout *hl[MAX_COLUMNS] = {0}, *rl[MAX_COLUMNS] = {0};
    double hh = row_layouts(doc, &tg, cols, heads, true, hl);
    if (nrows == 0 && (rc = place(doc, GAP_BLOCK, hh, d)) == MG_OK)
        draw_row(doc, &tg, hl, hh, true, false);
    for (size_t r = 0; r < nrows && rc == MG_OK; r++) {
        double rh = row_layouts(doc, &tg, cols, cells + r * ncols, false, rl);
        /* The header row and the first row start together, on this page
         * or the next; a row that does not fit starts a page under the
         * header drawn again. */
        if (r == 0)
            rc = place(doc, GAP_BLOCK, hh + rh, d);
        else if (doc->y + rh > TEXT_BOTTOM)
            rc = new_page(doc, d);
        if (rc == MG_OK && (r == 0 || doc->empty))
            draw_row(doc, &tg, hl, hh, true, false);
        if (rc == MG_OK && doc->y + rh > TEXT_BOTTOM)
            rc = fail(doc, MG_ELIMIT, d, "a table row is higher than a page");
        if (rc == MG_OK)
            draw_row(doc, &tg, rl, rh, false, r % 2 == 1);
        free_row(rl, ncols);
        memset(rl, 0, sizeof rl);
    }
    free_row(hl, ncols);
    return rc;
}

/* --- SVG --------------------------------------------------------------------- */

static bool svg_size(RsvgHandle *h, double *w, double *hgt)
{
    if (rsvg_handle_get_intrinsic_size_in_pixels(h, w, hgt) && *w > 0 && *hgt > 0)
        return true;
    gboolean has_vb = FALSE;
    RsvgRectangle vb = {0};
    rsvg_handle_get_intrinsic_dimensions(h, NULL, NULL, NULL, NULL, &has_vb, &vb);
    if (has_vb && vb.width > 0 && vb.height > 0) {
        *w = vb.width;
        *hgt = vb.height;
        return true;
    }
    return false;
}

int mg_doc_svg(mg_doc *doc, const char *svg, size_t len, double min_height, double max_height,
               mg_diag *d)
{
    if (doc->rc)
        return failed(doc, d);
    if (!svg || !(max_height > 0) || !(min_height >= 0) || min_height > max_height)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "document: SVG heights %g to %g: 0 <= min <= max, max > 0",
                           min_height, max_height);
    GError *err = NULL;
    RsvgHandle *h = rsvg_handle_new_from_data((const guint8 *)svg, len, &err);
    if (!h) {
        mg_diag_set(d, MG_EPARSE, NULL, 0, 0, "document: SVG: %s",
                    err && err->message ? err->message : "librsvg cannot read it");
        if (err)
            g_error_free(err);
        return MG_EPARSE; /* the document stays usable: nothing was drawn */
    }
    double iw, ih;
    if (!svg_size(h, &iw, &ih)) {
        g_object_unref(h);
        return mg_diag_set(d, MG_EPARSE, NULL, 0, 0,
                           "document: SVG: the document has neither a size nor a viewBox");
    }
    double hgt = fmin(max_height, TEXT_W * ih / iw);
    int rc = MG_OK;
    if (!doc->empty)
        doc->y += GAP_BLOCK;
    double left = TEXT_BOTTOM - doc->y;
    if (hgt > left) {
        if (left >= min_height || doc->empty)
            hgt = left;
        else if ((rc = new_page(doc, d)) == MG_OK)
            hgt = fmin(hgt, TEXT_BOTTOM - doc->y);
    }
    if (rc == MG_OK) {
        double wid = hgt * iw / ih;
        if (wid > TEXT_W) {
            wid = TEXT_W;
            hgt = wid * ih / iw;
        }
        RsvgRectangle vp = {MARGIN_X + (TEXT_W - wid) / 2, doc->y, wid, hgt};
        cairo_save(doc->cr);
        if (!rsvg_handle_render_document(h, doc->cr, &vp, &err)) {
            /* Something may have been drawn: the document is spoilt. */
            rc = fail(doc, MG_EPARSE, d, "SVG: %s",
                      err && err->message ? err->message : "librsvg cannot render it");
            if (err)
                g_error_free(err);
        }
        cairo_restore(doc->cr);
        if (rc == MG_OK) {
            doc->y += hgt;
            doc->empty = false;
        }
    }
    g_object_unref(h);
    return rc;
}

/* --- Finishing ------------------------------------------------------------------ */

static cairo_status_t write_to_buf(void *closure, const unsigned char *data, unsigned int length)
{
    return mg_buf_append(closure, data, length) == MG_OK ? CAIRO_STATUS_SUCCESS
                                                         : CAIRO_STATUS_WRITE_ERROR;
}

static void rule(cairo_t *cr, double y)
{
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    cairo_set_line_width(cr, 0.5);
    cairo_move_to(cr, MARGIN_X, y);
    cairo_line_to(cr, MARGIN_X + TEXT_W, y);
    cairo_stroke(cr);
}

static void header_footer(const mg_doc *doc, cairo_t *cr, size_t page, size_t pages)
{
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    PangoLayout *l = layout(doc, doc->title, SIZE_HEADER, false, TEXT_W, MG_DOC_LEFT);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    show(cr, l, MARGIN_X, HEADER_BASE);
    g_object_unref(l);
    rule(cr, HEADER_RULE);
    rule(cr, FOOTER_RULE);
    char num[64];
    snprintf(num, sizeof num, "page %zu / %zu", page, pages);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    l = layout(doc, num, SIZE_HEADER, false, 70, MG_DOC_RIGHT);
    show(cr, l, MARGIN_X + TEXT_W - 70, FOOTER_TOP);
    g_object_unref(l);
    if (doc->footer) {
        l = layout(doc, doc->footer, SIZE_HEADER, false, TEXT_W - 80, MG_DOC_LEFT);
        /* Two lines at most: the footer's room. */
        pango_layout_set_height(l, -2);
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
        show(cr, l, MARGIN_X, FOOTER_TOP);
        g_object_unref(l);
    }
}

int mg_doc_finish(mg_doc *doc, mg_buf *out, mg_diag *d)
{
    if (doc->rc)
        return failed(doc, d);
    if (doc->cr) {
        cairo_destroy(doc->cr);
        doc->cr = NULL;
    }
    doc->rc = MG_EINVAL; /* finished: no more blocks */
    mg_diag_set(&doc->why, MG_EINVAL, NULL, 0, 0, "document: already finished");
    size_t start = out->len;
    cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(write_to_buf, out, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_TITLE, doc->title);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "maillage");
    if (doc->subject)
        cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_SUBJECT, doc->subject);
    cairo_t *cr = cairo_create(pdf);
    for (size_t k = 0; k < doc->npages; k++) {
        cairo_set_source_surface(cr, doc->pages[k], 0, 0);
        cairo_paint(cr);
        header_footer(doc, cr, k + 1, doc->npages);
        cairo_show_page(cr);
    }
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(pdf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(pdf);
    cairo_surface_destroy(pdf);
    if (st != CAIRO_STATUS_SUCCESS || out->failed) {
        int rc = out->failed ? MG_ELIMIT : MG_ENOMEM;
        mg_diag_set(d, rc, NULL, 0, 0, "document: %s",
                    out->failed ? "the PDF exceeds the buffer's limit" : cairo_status_to_string(st));
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return rc;
    }
    return MG_OK;
}
