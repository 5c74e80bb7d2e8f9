/*
 * Tests of doc/: the PDFs the module writes are read back by tools that do
 * not share its code — poppler's pdfinfo (pages, size, metadata),
 * pdftotext (the text of each page, and with -bbox the box of every word)
 * and pdftoppm (pixels) — so that what is checked is what a reader sees:
 * a long table breaks onto several pages, each starting with the header
 * row, every row once and in order; text stays within the margins; the
 * footer counts the pages; an SVG keeps its proportions; bad input is
 * refused with the right code and leaves the document usable.
 * poppler-utils is a test dependency (scripts/install-deps.sh test): the
 * tests fail, not skip, without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "doc/doc.h"
#include "map/map.h"
#include "parse/parse.h"
#include "testutil.h"

/* A4 and the margins, as docs/documents.md states them: the expectations
 * are written from the documentation, not from the module's macros. */
#define A4_W 595.276
#define A4_H 841.89
#define MARGIN 48.0

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return test_mkdtemp(tmpdir, sizeof tmpdir, "doc");
}

static int teardown(void **state)
{
    (void)state;
    test_remove_tree(tmpdir);
    return 0;
}

/* Finishes doc into a PDF file `name` of the temporary folder; returns
 * its path (static storage). */
static const char *finish_to_file(mg_doc *doc, const char *name)
{
    static char path[512];
    mg_buf b;
    mg_buf_init(&b, 64u << 20);
    mg_diag d = {{0}};
    int rc = mg_doc_finish(doc, &b, &d);
    if (rc)
        fail_msg("mg_doc_finish: %d %s", rc, d.msg);
    assert_true(b.len > 4 && memcmp(b.data, "%PDF", 4) == 0);
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
    fclose(f);
    mg_buf_free(&b);
    return path;
}

/* The standard output of a shell command (malloc'ed), which must succeed. */
static char *run(const char *fmt, ...) MG_PRINTF(1, 2);
static char *run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p)
        fail_msg("cannot run %s", cmd);
    mg_buf b;
    mg_buf_init(&b, 64u << 20);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        assert_int_equal(mg_buf_append(&b, chunk, n), 0);
    int st = pclose(p);
    if (st != 0)
        fail_msg("%s: exit status %d (poppler-utils installed?)", cmd, st);
    mg_buf_puts(&b, "");
    size_t len;
    return mg_buf_take(&b, &len);
}

/* A field of pdfinfo's answer ("Pages", "Title"…), trimmed. */
static void pdfinfo_field(const char *pdf, const char *field, char *out, size_t cap)
{
    char *info = run("pdfinfo '%s'", pdf);
    char key[64];
    snprintf(key, sizeof key, "\n%s:", field);
    char *p = strstr(info, key);
    if (!p && strncmp(info, key + 1, strlen(key + 1)) == 0)
        p = info - 1;
    if (!p)
        fail_msg("pdfinfo has no %s:\n%s", field, info);
    p += strlen(key);
    while (*p == ' ')
        p++;
    size_t k = 0;
    while (p[k] && p[k] != '\n' && k + 1 < cap) {
        out[k] = p[k];
        k++;
    }
    out[k] = 0;
    free(info);
}

static int pdf_pages(const char *pdf)
{
    char v[64];
    pdfinfo_field(pdf, "Pages", v, sizeof v);
    int64_t n;
    mg_parse_error why;
    if (mg_parse_c_int(v, strlen(v), 0, 100000, &n, &why))
        fail_msg("pdfinfo's Pages: \"%s\"", v);
    return (int)n;
}

/* The number in attribute `name`="…" after p (pdftotext -bbox). */
static double attr(const char *p, const char *name)
{
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *s = strstr(p, key);
    if (!s)
        fail_msg("no %s in %.80s", name, p);
    s += strlen(key);
    const char *e = strchr(s, '"');
    double v;
    mg_parse_error why;
    if (!e || mg_parse_c_double(s, (size_t)(e - s), &v, &why))
        fail_msg("%s: not a number in %.80s", name, p);
    return v;
}

static char *page_text(const char *pdf, int page)
{
    return run("pdftotext -f %d -l %d -layout '%s' -", page, page, pdf);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static mg_doc *new_doc(const char *title, const char *footer)
{
    mg_doc *doc = NULL;
    mg_diag d = {{0}};
    int rc = mg_doc_new(&doc, &(mg_doc_info){title, footer, NULL}, &d);
    if (rc)
        fail_msg("mg_doc_new: %d %s", rc, d.msg);
    return doc;
}

/* --- Tables that break ------------------------------------------------------- */

enum { ROWS = 300 };

static void test_table_breaks(void **state)
{
    (void)state;
    mg_doc *doc = new_doc("Essai de tableau", "Source : essai, 2026");
    mg_diag d = {{0}};
    assert_int_equal(mg_doc_heading(doc, 1, "Un long tableau", &d), 0);
    static char text[ROWS][2][32];
    const char *cells[ROWS * 3];
    for (size_t r = 0; r < ROWS; r++) {
        snprintf(text[r][0], sizeof text[r][0], "ligne-%03zu", r + 1);
        snprintf(text[r][1], sizeof text[r][1], "%zu,5", (r + 1) * 7);
        cells[3 * r] = text[r][0];
        cells[3 * r + 1] = "texte";
        cells[3 * r + 2] = text[r][1];
    }
    const mg_doc_column cols[3] = {{"Colonne-nom", 2, MG_DOC_LEFT},
                                   {"Colonne-texte", 3, MG_DOC_LEFT},
                                   {"Colonne-valeur", 1, MG_DOC_RIGHT}};
    assert_int_equal(mg_doc_table(doc, cols, 3, cells, ROWS, &d), 0);
    size_t pages = mg_doc_pages(doc);
    const char *pdf = finish_to_file(doc, "table.pdf");
    mg_doc_free(doc);

    int n = pdf_pages(pdf);
    assert_int_equal((size_t)n, pages);
    assert_true(n >= 3);
    size_t next = 1; /* the row expected next */
    size_t per_page[64] = {0};
    assert_true(n < 64);
    for (int p = 1; p <= n; p++) {
        char *t = page_text(pdf, p);
        /* The header row once on every page, above the first row. */
        assert_int_equal(count(t, "Colonne-nom"), 1);
        assert_int_equal(count(t, "Colonne-valeur"), 1);
        char *first = strstr(t, "ligne-");
        assert_non_null(first);
        assert_true(strstr(t, "Colonne-nom") < first);
        /* Rows in order, each once, never split from its cells. */
        for (char *q = first; (q = strstr(q, "ligne-")) != NULL; q += 6) {
            int64_t r64;
            mg_parse_error why;
            if (mg_parse_c_int(q + 6, 3, 1, ROWS, &r64, &why))
                fail_msg("page %d: a row label %.9s", p, q);
            size_t r = (size_t)r64;
            if (r != next)
                fail_msg("page %d: row %zu where %zu was expected", p, r, next);
            char want[64];
            snprintf(want, sizeof want, "%zu,5", r * 7);
            char *eol = strchr(q, '\n');
            char line[256];
            size_t len = eol ? (size_t)(eol - q) : strlen(q);
            snprintf(line, sizeof line, "%.*s", (int)len, q);
            if (!strstr(line, want) || !strstr(line, "texte"))
                fail_msg("row %zu: its cells are not on its line: \"%s\"", r, line);
            next++;
            per_page[p]++;
        }
        char foot[64];
        snprintf(foot, sizeof foot, "page %d / %d", p, n);
        assert_int_equal(count(t, foot), 1);
        assert_int_equal(count(t, "Source : essai, 2026"), 1);
        assert_int_equal(count(t, "Essai de tableau"), 1); /* the header */
        free(t);
    }
    assert_int_equal(next, ROWS + 1);
    /* Rows of one line are of one height: every full page between the
     * first (which has the heading) and the last holds as many. */
    for (int p = 3; p < n; p++)
        assert_int_equal(per_page[p], per_page[2]);
    assert_true(per_page[1] < per_page[2]);
    assert_true(per_page[n] <= per_page[2]);
}

/* What mg_doc_table_height announces is what the table takes. */
static void test_table_height(void **state)
{
    (void)state;
    mg_doc *doc = new_doc("Hauteur", NULL);
    mg_diag d = {{0}};
    assert_int_equal(mg_doc_paragraph(doc, MG_DOC_BODY, "Un paragraphe avant.", &d), 0);
    const mg_doc_column cols[2] = {{"A", 1, MG_DOC_LEFT}, {"B", 1, MG_DOC_RIGHT}};
    const char *cells[] = {"un", "1", "une cellule bien plus longue qui passe sur plusieurs "
                                      "lignes de sa colonne, puisque la colonne est étroite "
                                      "et que le texte ne tient pas sur une seule ligne",
                           "2", "trois", "3"};
    double before = mg_doc_space_left(doc);
    double h = mg_doc_table_height(doc, cols, 2, cells, 3);
    assert_true(h > 0);
    assert_int_equal(mg_doc_table(doc, cols, 2, cells, 3, &d), 0);
    assert_int_equal(mg_doc_pages(doc), 1);
    assert_close(before - mg_doc_space_left(doc), h, 1e-9);
    /* The wrapped row is higher than two one-line rows. */
    double one = mg_doc_table_height(doc, cols, 2, cells, 1);
    double head = mg_doc_table_height(doc, cols, 2, cells, 0);
    assert_true(h - head > 3 * (one - head));
    /* Refused arguments measure nothing. */
    const mg_doc_column bad[1] = {{"A", 0, MG_DOC_LEFT}};
    assert_true(mg_doc_table_height(doc, bad, 1, cells, 1) == 0);
    assert_int_equal(mg_doc_table(doc, bad, 1, cells, 1, &d), MG_EINVAL);
    mg_doc_free(doc);
}

/* --- Text within the margins --------------------------------------------------- */

/* Every word box of pdftotext -bbox: checks that it lies within
 * [xmin, xmax], and returns how many distinct lines (yMin) there were. */
static size_t check_words(const char *pdf, int page, double xmin, double xmax, size_t *words)
{
    char *html = run("pdftotext -bbox -f %d -l %d '%s' -", page, page, pdf);
    double ys[4096];
    size_t nys = 0;
    *words = 0;
    for (char *p = html; (p = strstr(p, "<word ")) != NULL; p++) {
        double x0 = attr(p, "xMin"), y0 = attr(p, "yMin"), x1 = attr(p, "xMax");
        if (x0 < xmin - 0.5 || x1 > xmax + 0.5)
            fail_msg("a word spans x %.2f..%.2f, outside %.2f..%.2f: %.120s", x0, x1, xmin, xmax,
                     p);
        (*words)++;
        bool seen = false;
        for (size_t k = 0; k < nys; k++)
            seen = seen || fabs(ys[k] - y0) < 0.5;
        if (!seen && nys < 4096)
            ys[nys++] = y0;
    }
    free(html);
    return nys;
}

static void test_text_within_margins(void **state)
{
    (void)state;
    mg_doc *doc = new_doc("Marges", "Pied de page");
    mg_diag d = {{0}};
    mg_buf text;
    mg_buf_init(&text, 1u << 20);
    for (int k = 0; k < 120; k++)
        mg_buf_printf(&text, "Accessibilité%d potentielle localisée des communes ", k);
    /* A word longer than the line, broken between characters. */
    mg_buf_puts(&text, "Anticonstitutionnellementanticonstitutionnellementanticonstitutionnellement"
                       "anticonstitutionnellementanticonstitutionnellementanticonstitutionnellement.");
    assert_int_equal(mg_doc_heading(doc, 1, "Un titre assez long pour passer sur deux lignes "
                                            "quand il est écrit en grand dans la page", &d), 0);
    assert_int_equal(mg_doc_paragraph(doc, MG_DOC_BODY, text.data, &d), 0);
    assert_int_equal(mg_doc_paragraph(doc, MG_DOC_NOTE, text.data, &d), 0);
    const mg_doc_figure figs[6] = {{"12 345", "habitants de toutes les communes du périmètre"},
                                   {"2,65", "APL moyenne"},
                                   {"28", "communes"},
                                   {"6 288", "habitants"},
                                   {"38,6 %", "part"},
                                   {"1", "une sixième case sur une deuxième ligne"}};
    assert_int_equal(mg_doc_figures(doc, figs, 6, &d), 0);
    const mg_doc_column cols[2] = {{"Long", 1, MG_DOC_LEFT}, {"Nombre", 1, MG_DOC_RIGHT}};
    char cell[700];
    snprintf(cell, sizeof cell, "%.600s", text.data + 500);
    const char *cells[2] = {cell, "123 456,789"};
    assert_int_equal(mg_doc_table(doc, cols, 2, cells, 1, &d), 0);
    const char *pdf = finish_to_file(doc, "margins.pdf");
    size_t pages = mg_doc_pages(doc);
    mg_doc_free(doc);
    mg_buf_free(&text);
    assert_true(pages >= 2);
    size_t lines = 0, words = 0;
    for (int p = 1; p <= (int)pages; p++) {
        size_t w;
        lines += check_words(pdf, p, MARGIN, A4_W - MARGIN, &w);
        words += w;
    }
    /* Two copies of 600 words and more were laid out, on many lines. */
    assert_true(words > 2 * 600);
    assert_true(lines > 40);
    /* The paragraph ran onto the next page: its last words are there. */
    char *t = page_text(pdf, (int)pages);
    assert_non_null(strstr(t, "123 456,789"));
    free(t);
}

/* A heading is not left alone at the foot of a page. */
static void test_heading_kept_with_next(void **state)
{
    (void)state;
    mg_doc *doc = new_doc("Titres", NULL);
    mg_diag d = {{0}};
    while (mg_doc_space_left(doc) > 40)
        assert_int_equal(mg_doc_paragraph(doc, MG_DOC_BODY, "Une ligne de remplissage.", &d), 0);
    assert_int_equal(mg_doc_pages(doc), 1);
    assert_int_equal(mg_doc_heading(doc, 2, "Section-suivante", &d), 0);
    assert_int_equal(mg_doc_paragraph(doc, MG_DOC_BODY, "Son texte.", &d), 0);
    assert_int_equal(mg_doc_pages(doc), 2);
    const char *pdf = finish_to_file(doc, "heading.pdf");
    mg_doc_free(doc);
    char *t1 = page_text(pdf, 1), *t2 = page_text(pdf, 2);
    assert_null(strstr(t1, "Section-suivante"));
    assert_non_null(strstr(t2, "Section-suivante"));
    assert_non_null(strstr(t2, "page 2 / 2"));
    free(t1);
    free(t2);
    /* Levels other than 1 and 2 are refused. */
    doc = new_doc("Titres", NULL);
    assert_int_equal(mg_doc_heading(doc, 3, "x", &d), MG_EINVAL);
    mg_doc_free(doc);
}

/* --- SVG --------------------------------------------------------------------- */

/* The bounding box of the pure red pixels of page 1 rendered at 72 dpi
 * (one pixel a point). */
static void red_box(const char *pdf, double *x0, double *y0, double *x1, double *y1)
{
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s/red", tmpdir);
    free(run("pdftoppm -r 72 -f 1 -l 1 -singlefile '%s' '%s'", pdf, prefix));
    char path[600];
    snprintf(path, sizeof path, "%s.ppm", prefix);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    int w, h, maxv;
    if (fscanf(f, "P6 %d %d %d", &w, &h, &maxv) != 3)
        fail_msg("not a PPM");
    fgetc(f);
    assert_int_equal(maxv, 255);
    unsigned char *px = malloc((size_t)w * (size_t)h * 3);
    assert_non_null(px);
    assert_int_equal(fread(px, 3, (size_t)w * (size_t)h, f), (size_t)w * (size_t)h);
    fclose(f);
    /* The page is A4 at 72 dpi. */
    assert_int_equal(w, (int)ceil(A4_W));
    assert_int_equal(h, (int)ceil(A4_H));
    *x0 = *y0 = 1e9;
    *x1 = *y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *c = px + 3 * ((size_t)y * (size_t)w + (size_t)x);
            if (c[0] > 200 && c[1] < 60 && c[2] < 60) {
                *x0 = fmin(*x0, x);
                *y0 = fmin(*y0, y);
                *x1 = fmax(*x1, x + 1);
                *y1 = fmax(*y1, y + 1);
            }
        }
    free(px);
    assert_true(*x1 > *x0);
}

static const char RED_SVG[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\">"
    "<rect width=\"200\" height=\"100\" fill=\"#ff0000\"/></svg>";

static void test_svg_aspect(void **state)
{
    (void)state;
    mg_diag d = {{0}};
    /* Room enough: the text width, half as high. */
    mg_doc *doc = new_doc("SVG", NULL);
    assert_int_equal(mg_doc_svg(doc, RED_SVG, strlen(RED_SVG), 50, 600, &d), 0);
    const char *pdf = finish_to_file(doc, "svg-wide.pdf");
    mg_doc_free(doc);
    double x0, y0, x1, y1;
    red_box(pdf, &x0, &y0, &x1, &y1);
    double tw = A4_W - 2 * MARGIN;
    assert_close(x0, MARGIN, 1.5);
    assert_close(x1, A4_W - MARGIN, 1.5);
    assert_close(y1 - y0, tw / 2, 1.5);

    /* At most 100 points high: 200 wide, centred. */
    doc = new_doc("SVG", NULL);
    assert_int_equal(mg_doc_svg(doc, RED_SVG, strlen(RED_SVG), 50, 100, &d), 0);
    pdf = finish_to_file(doc, "svg-narrow.pdf");
    mg_doc_free(doc);
    red_box(pdf, &x0, &y0, &x1, &y1);
    assert_close(y1 - y0, 100, 1.5);
    assert_close(x1 - x0, 200, 1.5);
    assert_close((x0 + x1) / 2, A4_W / 2, 1.5);

    /* Too little room left for its minimum: onto the next page. */
    doc = new_doc("SVG", NULL);
    while (mg_doc_space_left(doc) > 80)
        assert_int_equal(mg_doc_paragraph(doc, MG_DOC_BODY, "Remplissage.", &d), 0);
    assert_int_equal(mg_doc_svg(doc, RED_SVG, strlen(RED_SVG), 150, 300, &d), 0);
    assert_int_equal(mg_doc_pages(doc), 2);
    /* Its minimum fits: it shrinks into the room left, on the same page. */
    while (mg_doc_space_left(doc) > 130)
        assert_int_equal(mg_doc_paragraph(doc, MG_DOC_BODY, "Remplissage.", &d), 0);
    assert_int_equal(mg_doc_svg(doc, RED_SVG, strlen(RED_SVG), 50, 300, &d), 0);
    assert_int_equal(mg_doc_pages(doc), 2);
    assert_true(mg_doc_space_left(doc) < 1);
    mg_doc_free(doc);
}

static void test_svg_refused(void **state)
{
    (void)state;
    mg_doc *doc = new_doc("SVG", NULL);
    mg_diag d = {{0}};
    const char *bad = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect";
    assert_int_equal(mg_doc_svg(doc, bad, strlen(bad), 10, 100, &d), MG_EPARSE);
    assert_msg_has(d, "SVG");
    const char *nosize = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"5\" "
                         "height=\"5\"/></svg>";
    mg_diag_clear(&d);
    assert_int_equal(mg_doc_svg(doc, nosize, strlen(nosize), 10, 100, &d), MG_EPARSE);
    assert_msg_has(d, "neither a size nor a viewBox");
    assert_int_equal(mg_doc_svg(doc, RED_SVG, strlen(RED_SVG), 100, 10, &d), MG_EINVAL);
    /* Nothing was drawn: the document goes on. */
    assert_int_equal(mg_doc_paragraph(doc, MG_DOC_BODY, "Après les refus.", &d), 0);
    const char *pdf = finish_to_file(doc, "svg-refused.pdf");
    mg_doc_free(doc);
    assert_int_equal(pdf_pages(pdf), 1);
    char *t = page_text(pdf, 1);
    assert_non_null(strstr(t, "Après les refus."));
    free(t);
}

/* The pixels of each row of page 1 (pdftoppm at 72 dpi) within `tol` of
 * colour rgb: rows[y] for y < *h (malloc'ed). */
static size_t *colour_rows(const char *pdf, unsigned rgb, int tol, int *h)
{
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s/colour", tmpdir);
    free(run("pdftoppm -r 72 -f 1 -l 1 -singlefile '%s' '%s'", pdf, prefix));
    char path[600];
    snprintf(path, sizeof path, "%s.ppm", prefix);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    int w, maxv;
    if (fscanf(f, "P6 %d %d %d", &w, h, &maxv) != 3)
        fail_msg("not a PPM");
    fgetc(f);
    size_t *rows = calloc((size_t)*h, sizeof *rows);
    assert_non_null(rows);
    int want[3] = {(int)(rgb >> 16) & 255, (int)(rgb >> 8) & 255, (int)rgb & 255};
    for (int y = 0; y < *h; y++)
        for (int x = 0; x < w; x++) {
            int c[3] = {fgetc(f), fgetc(f), fgetc(f)};
            if (abs(c[0] - want[0]) <= tol && abs(c[1] - want[1]) <= tol &&
                abs(c[2] - want[2]) <= tol)
                rows[y]++;
        }
    fclose(f);
    return rows;
}

/* A chart of the map module embedded: its bars drawn in proportion. */
static void test_chart(void **state)
{
    (void)state;
    mg_buf svg;
    mg_buf_init(&svg, 1u << 20);
    const char *labels[3] = {"Alpha", "Beta", "Gamma"};
    const double values[3] = {1.5, 3.25, 2.0};
    assert_int_equal(mg_chart_bars(&svg, "APL par EPCI", labels, values, 3, 2.5, "APL"), 0);
    mg_doc *doc = new_doc("Graphique", NULL);
    mg_diag d = {{0}};
    assert_int_equal(mg_doc_svg(doc, svg.data, svg.len, 50, 200, &d), 0);
    const char *pdf = finish_to_file(doc, "chart.pdf");
    mg_doc_free(doc);
    mg_buf_free(&svg);
    /* The chart draws bars below the threshold red (#d73027), the others
     * blue (#4575b4), from one axis, their lengths in proportion to their
     * values: the longest red rows are Gamma's (2), the shortest full red
     * rows Alpha's (1.5), the blue ones Beta's (3.25). */
    int h;
    size_t *red = colour_rows(pdf, 0xd73027, 12, &h);
    size_t *blue = colour_rows(pdf, 0x4575b4, 12, &h);
    size_t gamma = 0, beta = 0, alpha = SIZE_MAX;
    for (int y = 0; y < h; y++) {
        gamma = red[y] > gamma ? red[y] : gamma;
        beta = blue[y] > beta ? blue[y] : beta;
    }
    for (int y = 0; y < h; y++)
        if (red[y] > gamma / 2 && red[y] < alpha)
            alpha = red[y];
    free(red);
    free(blue);
    assert_true(gamma > 100);
    assert_close((double)beta / (double)gamma, 3.25 / 2.0, 0.02);
    assert_close((double)alpha / (double)gamma, 1.5 / 2.0, 0.02);
}

/* --- The document itself ------------------------------------------------------ */

static void test_metadata_and_size(void **state)
{
    (void)state;
    mg_doc *doc = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_doc_new(&doc, &(mg_doc_info){"Fiche territoire — Essai", "Pied",
                                                     "Sujet de l'essai"},
                                &d),
                     0);
    assert_int_equal(mg_doc_paragraph(doc, MG_DOC_STRONG, "Texte en gras.", &d), 0);
    const char *pdf = finish_to_file(doc, "meta.pdf");
    mg_doc_free(doc);
    char v[256];
    pdfinfo_field(pdf, "Title", v, sizeof v);
    assert_string_equal(v, "Fiche territoire — Essai");
    pdfinfo_field(pdf, "Creator", v, sizeof v);
    assert_string_equal(v, "maillage");
    pdfinfo_field(pdf, "Subject", v, sizeof v);
    assert_string_equal(v, "Sujet de l'essai");
    pdfinfo_field(pdf, "Page size", v, sizeof v);
    assert_string_equal(v, "595.276 x 841.89 pts (A4)");
    char *t = page_text(pdf, 1);
    assert_non_null(strstr(t, "page 1 / 1"));
    free(t);
}

static void test_refusals(void **state)
{
    (void)state;
    mg_doc *doc = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_doc_new(&doc, &(mg_doc_info){NULL, NULL, NULL}, &d), MG_EINVAL);
    assert_null(doc);
    assert_int_equal(mg_doc_new(&doc, &(mg_doc_info){"a\xff", NULL, NULL}, &d), MG_EUTF8);
    assert_null(doc);
    doc = new_doc("Refus", NULL);
    mg_diag_clear(&d);
    assert_int_equal(mg_doc_paragraph(doc, MG_DOC_BODY, "caf\xc3", &d), MG_EUTF8);
    assert_msg_has(d, "UTF-8");
    const mg_doc_column cols[1] = {{"A", 1, MG_DOC_LEFT}};
    const char *cells[1] = {"\xff"};
    assert_int_equal(mg_doc_table(doc, cols, 1, cells, 1, &d), MG_EUTF8);
    assert_int_equal(mg_doc_table(doc, cols, 0, cells, 1, &d), MG_EINVAL);
    assert_int_equal(mg_doc_figures(doc, NULL, 0, &d), MG_EINVAL);
    /* A buffer too small for the PDF: MG_ELIMIT, the buffer as it was. */
    assert_int_equal(mg_doc_paragraph(doc, MG_DOC_BODY, "Du texte.", &d), 0);
    mg_buf small;
    mg_buf_init(&small, 2000);
    mg_buf_puts(&small, "avant");
    mg_diag_clear(&d);
    assert_int_equal(mg_doc_finish(doc, &small, &d), MG_ELIMIT);
    assert_int_equal(small.len, 5);
    assert_string_equal(small.data, "avant");
    mg_buf_free(&small);
    mg_doc_free(doc);

    /* A document past MG_DOC_MAX_PAGES pages. */
    doc = new_doc("Refus", NULL);
    int rc = 0;
    for (int k = 0; k < MG_DOC_MAX_PAGES && rc == 0; k++) {
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, "Une page.", &d);
        mg_doc_page_break(doc);
    }
    assert_int_equal(mg_doc_pages(doc), MG_DOC_MAX_PAGES);
    mg_diag_clear(&d);
    assert_int_equal(mg_doc_paragraph(doc, MG_DOC_BODY, "Une de trop.", &d), MG_ELIMIT);
    assert_msg_has(d, "more than 500 pages");
    mg_doc_free(doc);

    /* A row higher than a page cannot be laid out. */
    doc = new_doc("Refus", NULL);
    mg_buf big;
    mg_buf_init(&big, 1u << 20);
    for (int k = 0; k < 800; k++)
        mg_buf_puts(&big, "mot ");
    const mg_doc_column narrow[2] = {{"A", 1, MG_DOC_LEFT}, {"B", 9, MG_DOC_LEFT}};
    const char *row[2] = {big.data, "b"};
    mg_diag_clear(&d);
    assert_int_equal(mg_doc_table(doc, narrow, 2, row, 1, &d), MG_ELIMIT);
    assert_msg_has(d, "higher than a page");
    mg_buf out;
    mg_buf_init(&out, 1u << 20);
    assert_int_equal(mg_doc_finish(doc, &out, &d), MG_ELIMIT);
    assert_int_equal(out.len, 0);
    mg_buf_free(&out);
    mg_buf_free(&big);
    mg_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_breaks),
        cmocka_unit_test(test_table_height),
        cmocka_unit_test(test_text_within_margins),
        cmocka_unit_test(test_heading_kept_with_next),
        cmocka_unit_test(test_svg_aspect),
        cmocka_unit_test(test_svg_refused),
        cmocka_unit_test(test_chart),
        cmocka_unit_test(test_metadata_and_size),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
