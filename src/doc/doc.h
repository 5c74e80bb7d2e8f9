/**
 * @file doc.h
 * Documents that get printed or signed (the "fiche territoire" PDF, later a
 * contract's bilan, a funding agreement, a filled subsidy form, timetable
 * posters): A4 portrait PDF pages drawn with cairo, every text laid out by
 * pango, SVG maps and charts rendered by librsvg (docs/documents.md).
 *
 * A document is built top to bottom: each call lays its block out at once
 * below the previous one and starts a new page when the block does not fit
 * (a table breaks between rows and repeats its header row; a heading is
 * never left alone at the foot of a page). Every page gets the document's
 * title as header and a footer with the caller's source-and-date line and
 * "page n / N"; N is known only at the end, so pages are recorded as they
 * are laid out and the header and footer are drawn over them by
 * mg_doc_finish.
 *
 * Text is UTF-8, written as it should read (no markup). Errors: a negative
 * MG_E… code with an English message in d; after a failed call the
 * document is not to be used further except for mg_doc_free.
 *
 * Ownership: mg_doc_free releases the document; the blocks copy what they
 * need; mg_doc_finish appends the PDF to the caller's buffer.
 */
#ifndef MG_DOC_DOC_H
#define MG_DOC_DOC_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/limits.h"

typedef struct mg_doc mg_doc;

/* Pages of one document: at most MG_DOC_MAX_PAGES (core/limits.h); a block
 * that would start the page after fails with MG_ELIMIT (pages are kept in
 * memory until mg_doc_finish). */

/** What a document says about itself. title is required. */
typedef struct mg_doc_info {
    const char *title;  /* header of every page and the PDF's Title */
    const char *footer; /* sources and date, left of "page n / N" (may be NULL) */
    const char *subject; /* the PDF's Subject (may be NULL) */
} mg_doc_info;

/** A new, empty document (its first page started). */
int mg_doc_new(mg_doc **out, const mg_doc_info *info, mg_diag *d) MG_WARN_UNUSED;

void mg_doc_free(mg_doc *doc);

/** A heading: level 1 (the document's title on the page) or 2 (a section). */
int mg_doc_heading(mg_doc *doc, int level, const char *text, mg_diag *d) MG_WARN_UNUSED;

enum mg_doc_text_style {
    MG_DOC_BODY = 0, /* a paragraph */
    MG_DOC_NOTE,     /* smaller and grey: sources, method, remarks */
    MG_DOC_STRONG,   /* a paragraph in bold */
};

/** A paragraph, wrapped within the margins (it may run onto the next page). */
int mg_doc_paragraph(mg_doc *doc, enum mg_doc_text_style style, const char *text,
                     mg_diag *d) MG_WARN_UNUSED;

/** A key figure: its value, large, above its label. */
typedef struct mg_doc_figure {
    const char *value; /* "12 345", "2,31" */
    const char *label; /* "habitants" */
} mg_doc_figure;

/** A row of key figures (boxes of equal width; more than 5 wrap onto a
 * second row). n ≥ 1. */
int mg_doc_figures(mg_doc *doc, const mg_doc_figure *figures, size_t n,
                   mg_diag *d) MG_WARN_UNUSED;

enum mg_doc_align { MG_DOC_LEFT = 0, MG_DOC_RIGHT, MG_DOC_CENTER };

/** A column of a table: its header, its share of the text width
 * (weights, normalised over the columns), the alignment of its cells. */
typedef struct mg_doc_column {
    const char *header;
    double width;
    enum mg_doc_align align;
} mg_doc_column;

/**
 * A table of nrows rows of ncols cells (cells row by row, NULL read as "").
 * Cells wrap within their column. Rows are never split: a row that does
 * not fit goes to the next page, under the header row drawn again.
 * 1 ≤ ncols ≤ 16; nrows may be 0 (the header alone).
 */
int mg_doc_table(mg_doc *doc, const mg_doc_column *cols, size_t ncols,
                 const char *const *cells, size_t nrows, mg_diag *d) MG_WARN_UNUSED;

/**
 * The height in points the same table would take on one page (header row,
 * rows and the gap before it), to size what goes above it; 0 when the
 * arguments are refused by mg_doc_table.
 */
double mg_doc_table_height(const mg_doc *doc, const mg_doc_column *cols, size_t ncols,
                           const char *const *cells, size_t nrows);

/**
 * An SVG document drawn at most `max_height` points high over the text
 * width, keeping its aspect ratio (centred). When less than `min_height`
 * points are left on the page (and more would be on a new one), it goes
 * onto the next page; otherwise it shrinks into the space left. An SVG
 * that librsvg cannot read, or without size or viewBox, is MG_EPARSE.
 */
int mg_doc_svg(mg_doc *doc, const char *svg, size_t len, double min_height, double max_height,
               mg_diag *d) MG_WARN_UNUSED;

/** Vertical space in points (never carried onto a new page). */
void mg_doc_space(mg_doc *doc, double points);

/** Starts a new page (nothing when the current page is still empty). */
void mg_doc_page_break(mg_doc *doc);

/** Points left for blocks on the current page. */
double mg_doc_space_left(const mg_doc *doc);

/** The number of pages so far. */
size_t mg_doc_pages(const mg_doc *doc);

/**
 * Draws the headers and footers ("page n / N") and appends the PDF to out
 * (MG_ELIMIT when out's maximum is reached; out keeps its former length
 * on error). The document stays valid only for mg_doc_free.
 */
int mg_doc_finish(mg_doc *doc, mg_buf *out, mg_diag *d) MG_WARN_UNUSED;

#endif
