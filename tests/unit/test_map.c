/*
 * Tests of map/: the Lambert-93 projection against values computed outside
 * this program, the SVG map (well-formed XML, one path per commune, class
 * colours, escaped titles, links, legend), the styles, the PNG rendering
 * (size, and the colour of pixels inside communes) and the bar chart, on a
 * hand-made territory whose answers are known; then the real Aude.
 *
 * Expected projections come from two sources that do not share this
 * module's code:
 * - `cs2cs -f %.4f EPSG:4326 EPSG:2154` (Debian proj-bin, PROJ 9.1.1), run
 *   by hand with latitude first as EPSG:4326 defines it:
 *     48.8530 2.3499 -> 652296.9731 6861636.3585  (Paris, Notre-Dame)
 *     43.2130 2.3522 -> 647325.4432 6235081.5477  (Carcassonne)
 *     46.5    3.0    -> 700000.0000 6600000.0000  (the projection's origin)
 * - the Lambert conformal conic formulas (Snyder, "Map Projections: A
 *   Working Manual", USGS 1987, eq. 15-1 to 15-10; IGN note NTG_71) with
 *   the Lambert-93 parameters of the IGN: GRS80, standard parallels 44°
 *   and 49°, origin 46°30'N 3°E, false easting 700 000 m and northing
 *   6 600 000 m, written below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cairo.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "map/map.h"
#include "parse/parse.h"
#include "territory/territory.h"
#include "testutil.h"

#define PI 3.14159265358979323846

#define assert_has(hay, needle)                                                     \
    do {                                                                            \
        if (!strstr((hay), (needle)))                                               \
            fail_msg("\"%s\" not found", (needle));                                 \
    } while (0)

#define assert_hasnt(hay, needle)                                                   \
    do {                                                                            \
        if (strstr((hay), (needle)))                                                \
            fail_msg("\"%s\" found, should not be", (needle));                      \
    } while (0)

/* ---------------------------------------------------------------------- */
/* Independent Lambert-93                                                  */
/* ---------------------------------------------------------------------- */

static double lcc_t(double phi, double e)
{
    double es = e * sin(phi);
    return tan(PI / 4 - phi / 2) / pow((1 - es) / (1 + es), e / 2);
}

static double lcc_m(double phi, double e)
{
    double s = sin(phi);
    return cos(phi) / sqrt(1 - e * e * s * s);
}

static void lambert93(double lon, double lat, double *x, double *y)
{
    const double a = 6378137.0, f = 1 / 298.257222101;
    const double e = sqrt(2 * f - f * f);
    const double p1 = 44 * PI / 180, p2 = 49 * PI / 180, p0 = 46.5 * PI / 180;
    const double l0 = 3 * PI / 180;
    double n = (log(lcc_m(p1, e)) - log(lcc_m(p2, e))) / (log(lcc_t(p1, e)) - log(lcc_t(p2, e)));
    double F = lcc_m(p1, e) / (n * pow(lcc_t(p1, e), n));
    double rho0 = a * F * pow(lcc_t(p0, e), n);
    double rho = a * F * pow(lcc_t(lat * PI / 180, e), n);
    double theta = n * (lon * PI / 180 - l0);
    *x = 700000 + rho * sin(theta);
    *y = 6600000 + rho0 - rho * cos(theta);
}

static void test_project_known(void **state)
{
    (void)state;
    mg_diag d = {0};
    double x, y;
    assert_int_equal(mg_map_project(2.3499, 48.8530, &x, &y, &d), MG_OK);
    assert_close(x, 652296.9731, 0.01);
    assert_close(y, 6861636.3585, 0.01);
    assert_int_equal(mg_map_project(2.3522, 43.2130, &x, &y, &d), MG_OK);
    assert_close(x, 647325.4432, 0.01);
    assert_close(y, 6235081.5477, 0.01);
    assert_int_equal(mg_map_project(3.0, 46.5, &x, &y, &d), MG_OK);
    assert_close(x, 700000, 0.001);
    assert_close(y, 6600000, 0.001);

    /* A grid over metropolitan France against the closed formulas: PROJ's
     * WGS84 -> RGF93 step is the identity, so they agree to the millimetre. */
    for (double lat = 41.5; lat <= 51; lat += 0.5)
        for (double lon = -5; lon <= 9.5; lon += 0.5) {
            double ex, ey;
            lambert93(lon, lat, &ex, &ey);
            assert_int_equal(mg_map_project(lon, lat, &x, &y, &d), MG_OK);
            assert_close(x, ex, 0.001);
            assert_close(y, ey, 0.001);
        }
}

static void test_project_errors(void **state)
{
    (void)state;
    mg_diag d = {0};
    double x = 1, y = 2;
    assert_int_equal(mg_map_project(2, 95, &x, &y, &d), MG_EINVAL);
    assert_has(d.msg, "longitude, latitude");
    assert_true(x == 1 && y == 2);
    mg_diag_clear(&d);
    assert_int_equal(mg_map_project(NAN, 45, &x, &y, &d), MG_EINVAL);
    assert_int_equal(mg_map_project(2, 45, NULL, &y, NULL), MG_EINVAL);
}

/* Several threads project at once (as the server's do): each compares
 * with the formulas and records a failure rather than asserting, since
 * cmocka's assertions must run on the test's own thread. */
typedef struct thread_job {
    int seed;
    int failures;
} thread_job;

static void *project_many(void *arg)
{
    thread_job *job = arg;
    for (int i = 0; i < 300; i++) {
        double lon = -4 + fmod(job->seed * 1.37 + i * 0.0731, 13);
        double lat = 42 + fmod(job->seed * 0.91 + i * 0.0417, 8.5);
        double x, y, ex, ey;
        lambert93(lon, lat, &ex, &ey);
        if (mg_map_project(lon, lat, &x, &y, NULL) || fabs(x - ex) > 0.001 ||
            fabs(y - ey) > 0.001)
            job->failures++;
    }
    return NULL;
}

static void test_project_threads(void **state)
{
    (void)state;
    pthread_t th[6];
    thread_job jobs[6];
    for (int i = 0; i < 6; i++) {
        jobs[i] = (thread_job){.seed = i + 1};
        assert_int_equal(pthread_create(&th[i], NULL, project_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].failures, 0);
    }
}

/* ---------------------------------------------------------------------- */
/* A hand-made territory                                                   */
/* ---------------------------------------------------------------------- */

/*
 * Seven communes near the origin of Lambert-93 (0.1 degree is about 7.6 km
 * east-west and 11 km north-south there):
 *   0 Alpha    square [2.9, 3.0] x [46.4, 46.5]                 value 1
 *   1 B<&>"'   square [3.0, 3.1] x [46.4, 46.5] (name to escape) value 2
 *   2 Gamma    square [2.9, 3.0] x [46.5, 46.6] with a square hole
 *              [2.93, 2.97] x [46.53, 46.57]                     value 3
 *   3 Delta    two rectangles [3.0, 3.05] and [3.07, 3.1] x [46.5, 46.6] value 5
 *   4 Epsilon  no contour, a point at (3.15, 46.45)             no data
 *   5 Zeta     no contour, no point (not drawn)                  value 7
 *   6 Eta      a contour, but not in the list of communes drawn  value 1
 */
enum { HAND_N = 7 };
static const char *const hand_codes[HAND_N] = {"11001", "11002", "11003", "11004",
                                               "11005", "11006", "11007"};
static const char *const hand_names[HAND_N] = {"Alpha", "B<&>\"' ville", "Gamma", "Delta",
                                               "Epsilon", "Zeta", "Eta"};
static const double hand_values[HAND_N] = {1, 2, 3, 5, NAN, 7, 1};
static const size_t hand_list[] = {0, 1, 2, 3, 4, 5};
#define HAND_LIST_N (sizeof hand_list / sizeof *hand_list)

typedef struct rect {
    double x0, y0, x1, y1;
} rect;

/* Appends a closed ring (first point repeated, as GeoJSON has it). */
static void add_rect(mg_shapes *s, rect r, bool clockwise)
{
    double xs[5] = {r.x0, r.x1, r.x1, r.x0, r.x0}, ys[5] = {r.y0, r.y0, r.y1, r.y1, r.y0};
    for (int i = 0; i < 5; i++) {
        int j = clockwise ? 4 - i : i;
        s->lon[s->npt] = xs[j];
        s->lat[s->npt] = ys[j];
        s->npt++;
    }
    s->nring++;
    s->ring_pt[s->nring] = s->npt;
}

static void end_poly(mg_shapes *s)
{
    s->npoly++;
    s->poly_ring[s->npoly] = s->nring;
}

static mg_territory *hand_territory(void)
{
    mg_territory *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->n = HAND_N;
    t->code = calloc(HAND_N, sizeof *t->code);
    t->name = calloc(HAND_N, sizeof *t->name);
    t->lon = calloc(HAND_N, sizeof *t->lon);
    t->lat = calloc(HAND_N, sizeof *t->lat);
    assert_true(t->code && t->name && t->lon && t->lat);
    for (size_t i = 0; i < HAND_N; i++) {
        memcpy(t->code[i], hand_codes[i], MG_CODE_LEN + 1);
        t->name[i] = strdup(hand_names[i]);
        t->lon[i] = t->lat[i] = NAN;
    }
    t->lon[4] = 3.15;
    t->lat[4] = 46.45;

    mg_shapes *s = &t->shapes;
    s->commune_poly = calloc(HAND_N + 1, sizeof *s->commune_poly);
    s->poly_ring = calloc(16, sizeof *s->poly_ring);
    s->ring_pt = calloc(16, sizeof *s->ring_pt);
    s->lon = calloc(64, sizeof *s->lon);
    s->lat = calloc(64, sizeof *s->lat);
    assert_true(s->commune_poly && s->poly_ring && s->ring_pt && s->lon && s->lat);
    add_rect(s, (rect){2.9, 46.4, 3.0, 46.5}, false);
    end_poly(s);
    s->commune_poly[1] = s->npoly;
    add_rect(s, (rect){3.0, 46.4, 3.1, 46.5}, false);
    end_poly(s);
    s->commune_poly[2] = s->npoly;
    add_rect(s, (rect){2.9, 46.5, 3.0, 46.6}, false);
    add_rect(s, (rect){2.93, 46.53, 2.97, 46.57}, true);
    end_poly(s);
    s->commune_poly[3] = s->npoly;
    add_rect(s, (rect){3.0, 46.5, 3.05, 46.6}, false);
    end_poly(s);
    add_rect(s, (rect){3.07, 46.5, 3.1, 46.6}, false);
    end_poly(s);
    s->commune_poly[4] = s->commune_poly[5] = s->commune_poly[6] = s->npoly;
    add_rect(s, (rect){3.3, 46.4, 3.4, 46.5}, false);
    end_poly(s);
    s->commune_poly[7] = s->npoly;
    return t;
}

/* Number of non-overlapping occurrences of needle in hay. */
static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

/*
 * A structural XML check: declaration, balanced and properly nested
 * elements, quoted attributes, and no bare '<' or '&' in text or values
 * ('&' only as &amp; &lt; &gt; &quot; &#39; or a numeric reference).
 * Returns NULL when well-formed, else what is wrong.
 */
static const char *xml_problem(const char *s)
{
    static char why[160];
    const char *stack[64];
    size_t depth = 0, lens[64];
    int root_seen = 0;
    if (strncmp(s, "<?xml ", 6) == 0) {
        const char *e = strstr(s, "?>");
        if (!e)
            return "unterminated XML declaration";
        s = e + 2;
    }
    for (const char *p = s; *p;) {
        if (*p == '&') {
            static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#"};
            int ok = 0;
            for (size_t i = 0; i < 6 && !ok; i++)
                ok = strncmp(p, ents[i], strlen(ents[i])) == 0;
            if (!ok) {
                snprintf(why, sizeof why, "bare '&' at \"%.30s\"", p);
                return why;
            }
            p++;
            continue;
        }
        if (*p != '<') {
            if (depth == 0 && !strchr(" \n\r\t", *p)) {
                snprintf(why, sizeof why, "text outside the root at \"%.30s\"", p);
                return why;
            }
            p++;
            continue;
        }
        if (p[1] == '/') {
            const char *name = p + 2;
            size_t len = strcspn(name, " >");
            if (depth == 0 || len != lens[depth - 1] || strncmp(name, stack[depth - 1], len)) {
                snprintf(why, sizeof why, "unexpected closing tag at \"%.30s\"", p);
                return why;
            }
            depth--;
            p = strchr(p, '>');
            if (!p)
                return "unterminated closing tag";
            p++;
            continue;
        }
        const char *name = p + 1;
        size_t len = strcspn(name, " />\n");
        if (len == 0)
            return "empty element name";
        if (depth == 0 && root_seen)
            return "a second root element";
        const char *q = name + len;
        for (;;) {
            while (*q == ' ' || *q == '\n')
                q++;
            if (*q == '>' || (q[0] == '/' && q[1] == '>'))
                break;
            if (!*q)
                return "unterminated start tag";
            size_t an = strcspn(q, "= >");
            if (q[an] != '=' || q[an + 1] != '"') {
                snprintf(why, sizeof why, "unquoted attribute at \"%.30s\"", q);
                return why;
            }
            q += an + 2;
            while (*q && *q != '"') {
                if (*q == '<') {
                    snprintf(why, sizeof why, "'<' in an attribute at \"%.30s\"", q);
                    return why;
                }
                if (*q == '&' && strncmp(q, "&amp;", 5) && strncmp(q, "&lt;", 4) &&
                    strncmp(q, "&gt;", 4) && strncmp(q, "&quot;", 6) && strncmp(q, "&#39;", 5))
                    return "bare '&' in an attribute";
                q++;
            }
            if (!*q)
                return "unterminated attribute value";
            q++;
        }
        if (*q == '/') {
            q += 2;
            if (depth == 0)
                root_seen = 1;
        } else {
            if (depth == 64)
                return "too deep";
            stack[depth] = name;
            lens[depth] = len;
            depth++;
            root_seen = 1;
            q++;
        }
        p = q;
    }
    return depth ? "unclosed elements at the end" : NULL;
}

/* Runs xmllint --noout on the document: the check by a real XML parser. */
static void assert_xmllint(const char *doc, size_t len)
{
    if (system("command -v xmllint >/dev/null 2>&1") != 0)
        fail_msg("xmllint (Debian libxml2-utils) is not installed: "
                 "scripts/install-deps.sh test installs it");
    char path[] = "/tmp/mg-test-map-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_true(write(fd, doc, len) == (ssize_t)len);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "xmllint --noout %s", path);
    int st = system(cmd);
    unlink(path);
    if (st != 0)
        fail_msg("xmllint rejects the document (status %d)", st);
}

/* The <path> element of the commune whose title holds "(code)", copied
 * into el (NUL-terminated). */
static void path_of(const char *svg, const char *code, char *el, size_t cap)
{
    char key[16];
    snprintf(key, sizeof key, "(%s)", code);
    const char *t = strstr(svg, key);
    if (!t)
        fail_msg("no title for %s", code);
    /* With links the title precedes the path inside the <a>; without, it
     * is inside the path. */
    const char *a = t;
    while (a > svg && strncmp(a, "<path", 5) && strncmp(a, "<a ", 3))
        a--;
    const char *p = strncmp(a, "<a ", 3) == 0 ? strstr(t, "<path") : a;
    assert_non_null(p);
    const char *e = strchr(p, '>');
    assert_non_null(e);
    size_t len = (size_t)(e - p + 1);
    assert_true(len < cap);
    memcpy(el, p, len);
    el[len] = '\0';
}

/* The value of attribute `name` in element el, into out. */
static void attr_of(const char *el, const char *name, char *out, size_t cap)
{
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(el, key);
    if (!p)
        fail_msg("no attribute %s in %.80s", name, el);
    p += strlen(key);
    size_t len = strcspn(p, "\"");
    assert_true(len < cap);
    memcpy(out, p, len);
    out[len] = '\0';
}

/* The mean of the vertices of the first ring of path data "M x y l dx dy
 * … z …": for the rectangles here, their centre. */
/* The number at p in SVG path data (C syntax: '.' decimals, an exponent
 * allowed), its end in *end; p itself when there is none. */
static double svg_number(const char *p, char **end)
{
    while (*p == ' ' || *p == ',')
        p++;
    /* SVG packs numbers: "1.5-2.3" is 1.5 then -2.3. */
    size_t n = 0;
    if (p[n] == '-' || p[n] == '+')
        n++;
    n += strspn(p + n, "0123456789.");
    if ((p[n] == 'e' || p[n] == 'E') && n > 0) {
        size_t k = n + 1;
        if (p[k] == '-' || p[k] == '+')
            k++;
        size_t digits = strspn(p + k, "0123456789");
        if (digits)
            n = k + digits;
    }
    double v = 0;
    mg_parse_error why;
    if (n == 0 || mg_parse_c_double(p, n, &v, &why)) {
        *end = (char *)p;
        return 0;
    }
    *end = (char *)p + n;
    return v;
}

static void first_ring_centre(const char *dattr, double *cx, double *cy)
{
    const char *p = dattr;
    assert_true(*p == 'M');
    char *end;
    double x = svg_number(p + 1, &end), y = svg_number(end, &end);
    double sx = x, sy = y;
    int n = 1;
    p = end;
    assert_true(*p == 'l');
    p++;
    while (*p && *p != 'z') {
        double dx = svg_number(p, &end);
        assert_true(end != p);
        double dy = svg_number(end, &end);
        x += dx;
        y += dy;
        sx += x;
        sy += y;
        n++;
        p = end;
    }
    *cx = sx / n;
    *cy = sy / n;
}

typedef struct hand_map {
    mg_territory *t;
    mg_map_geometry *g;
    mg_map_style st;
    mg_buf svg;
} hand_map;

static void hand_map_make(hand_map *m, const mg_map_options *o)
{
    mg_diag d = {0};
    m->t = hand_territory();
    if (mg_map_geometry_build(&m->g, m->t, hand_list, HAND_LIST_N, 0, &d))
        fail_msg("geometry: %s", d.msg);
    m->st = mg_map_style_for(hand_values, hand_list, HAND_LIST_N, 2.5, false);
    mg_buf_init(&m->svg, 1u << 20);
    assert_int_equal(mg_map_svg(&m->svg, m->g, m->t, hand_values, &m->st, o), MG_OK);
}

static void hand_map_free(hand_map *m)
{
    mg_buf_free(&m->svg);
    mg_map_geometry_free(m->g);
    mg_territory_free(m->t);
}

static const mg_map_options hand_opts = {
    .title = "APL aux médecins généralistes & <test>",
    .unit = "consultations/an/hab.",
    .threshold = 2.5,
    .threshold_label = "seuil de sous-dotation",
    .highlight = -1,
};

static void test_svg_structure(void **state)
{
    (void)state;
    hand_map m;
    hand_map_make(&m, &hand_opts);
    const char *s = m.svg.data;

    assert_true(strncmp(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44) == 0);
    const char *why = xml_problem(s);
    if (why)
        fail_msg("not well-formed: %s", why);
    assert_xmllint(s, m.svg.len);

    assert_has(s, "role=\"img\"");
    assert_has(s, "aria-labelledby=\"");
    assert_has(s, "viewBox=\"0 0 800 ");
    assert_has(s, "fill-rule=\"evenodd\"");
    assert_has(s, "<title id=\"");
    assert_has(s, ">APL aux médecins généralistes &amp; &lt;test&gt;</title>");
    assert_has(s, "Carte de 5 communes (consultations/an/hab.). 2 communes sous le seuil de "
                  "sous-dotation (2,5). 1 commune sans donnée.</desc>");

    /* One path per drawn commune: Zeta has neither contour nor point, Eta
     * is not in the list. */
    assert_int_equal(count(s, "<path"), 5);
    assert_hasnt(s, "(11006)");
    assert_hasnt(s, "(11007)");
    assert_hasnt(s, "<a ");

    /* Class colours: 1 < 1.5, 1.5 <= 2 < 2.5, 2.5 <= 3 < 3.5, 4.5 <= 5 < 6. */
    char el[8192], fill[64], dattr[8192];
    static const char *const fills[4] = {"#d73027", "#fc8d59", "#fee090", "#91bfdb"};
    for (int i = 0; i < 4; i++) {
        path_of(s, hand_codes[i], el, sizeof el);
        attr_of(el, "fill", fill, sizeof fill);
        assert_string_equal(fill, fills[i]);
    }
    path_of(s, "11005", el, sizeof el);
    attr_of(el, "fill", fill, sizeof fill);
    assert_true(strncmp(fill, "url(#", 5) == 0);
    /* Epsilon, a point, is a circle made of two arcs. */
    attr_of(el, "d", dattr, sizeof dattr);
    assert_int_equal(count(dattr, "a"), 2);
    /* Gamma has its hole: two subpaths. Delta has two polygons. */
    path_of(s, "11003", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    assert_int_equal(count(dattr, "M"), 2);
    path_of(s, "11004", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    assert_int_equal(count(dattr, "M"), 2);

    /* Titles: name, code, value with a decimal comma, unit; escaped. */
    assert_has(s, "<title>Alpha (11001) : 1,00 consultations/an/hab.</title>");
    assert_has(s, "<title>B&lt;&amp;&gt;&quot;&#39; ville (11002) : 2,00 "
                  "consultations/an/hab.</title>");
    assert_hasnt(s, "B<&>");
    assert_has(s, "<title>Epsilon (11005) : sans donnée</title>");

    /* Legend. */
    assert_has(s, ">moins de 1,5</text>");
    assert_has(s, ">de 1,5 à 2,5</text>");
    assert_has(s, ">de 2,5 à 3,5</text>");
    assert_has(s, ">de 4,5 à 6,0</text>");
    assert_has(s, ">6,0 et plus</text>");
    assert_has(s, ">sans donnée</text>");
    assert_has(s, ">seuil de sous-dotation : 2,5</text>");
    assert_has(s, ">consultations/an/hab.</text>");
    /* The legend's dashed threshold line, and its sample. */
    assert_int_equal(count(s, "stroke-dasharray"), 2);

    /* North up: Gamma (north) is above Alpha (south), Alpha left of B. */
    double ax, ay, bx, by, gx, gy;
    path_of(s, "11001", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    first_ring_centre(dattr, &ax, &ay);
    path_of(s, "11002", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    first_ring_centre(dattr, &bx, &by);
    path_of(s, "11003", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    first_ring_centre(dattr, &gx, &gy);
    assert_true(gy < ay);
    assert_true(ax < bx);
    assert_close(ay, by, 1.0);
    hand_map_free(&m);
}

static void test_svg_links_highlight(void **state)
{
    (void)state;
    mg_map_options o = hand_opts;
    o.link_prefix = "/commune/";
    o.link_suffix = "?profession=mg&annee=2021";
    o.highlight = 1; /* B */
    o.width = 1000;
    hand_map m;
    hand_map_make(&m, &o);
    const char *s = m.svg.data;
    const char *why = xml_problem(s);
    if (why)
        fail_msg("not well-formed: %s", why);
    assert_xmllint(s, m.svg.len);

    /* Links hide nothing from screen readers: the root is a group. */
    assert_has(s, "role=\"group\"");
    assert_has(s, "viewBox=\"0 0 1000 ");
    assert_int_equal(count(s, "<a href=\""), 5);
    assert_int_equal(count(s, "</a>"), 5);
    assert_has(s, "<a href=\"/commune/11001?profession=mg&amp;annee=2021\"><title>Alpha "
                  "(11001) : 1,00 consultations/an/hab.</title><path ");
    /* The highlighted commune is drawn last, outlined. */
    const char *hl = strstr(s, "class=\"mg-highlight\"");
    assert_non_null(hl);
    assert_int_equal(count(s, "mg-highlight"), 1);
    assert_null(strstr(hl, "<a href"));
    char el[8192];
    path_of(s, "11002", el, sizeof el);
    assert_has(el, "mg-highlight");
    hand_map_free(&m);
}

static void test_svg_errors(void **state)
{
    (void)state;
    hand_map m;
    hand_map_make(&m, NULL);
    /* No options: no title, no links, no threshold line. */
    assert_has(m.svg.data, ">Carte des communes</title>");
    assert_int_equal(count(m.svg.data, "stroke-dasharray"), 0);

    mg_buf b;
    mg_buf_init(&b, 1u << 20);
    mg_map_style bad = m.st;
    bad.nclasses = 1;
    assert_int_equal(mg_map_svg(&b, m.g, m.t, hand_values, &bad, NULL), MG_EINVAL);
    bad = m.st;
    bad.breaks[2] = bad.breaks[1];
    assert_int_equal(mg_map_svg(&b, m.g, m.t, hand_values, &bad, NULL), MG_EINVAL);
    bad = m.st;
    bad.colors[0] = "red\"/><script>";
    assert_int_equal(mg_map_svg(&b, m.g, m.t, hand_values, &bad, NULL), MG_EINVAL);
    mg_map_options o = hand_opts;
    o.width = 100;
    assert_int_equal(mg_map_svg(&b, m.g, m.t, hand_values, &m.st, &o), MG_EINVAL);
    o = hand_opts;
    o.highlight = (long)HAND_LIST_N;
    assert_int_equal(mg_map_svg(&b, m.g, m.t, hand_values, &m.st, &o), MG_EINVAL);
    assert_int_equal(b.len, 0);

    /* A buffer too small: MG_ELIMIT and what it held before is kept. */
    mg_buf small;
    mg_buf_init(&small, 2000);
    assert_int_equal(mg_buf_puts(&small, "avant"), MG_OK);
    assert_int_equal(mg_map_svg(&small, m.g, m.t, hand_values, &m.st, &hand_opts), MG_ELIMIT);
    assert_int_equal(small.len, 5);
    assert_string_equal(small.data, "avant");
    mg_buf_free(&small);
    mg_buf_free(&b);

    /* Geometry: an index outside the territory, a negative tolerance. */
    mg_diag d = {0};
    mg_map_geometry *g = NULL;
    size_t list[] = {0, 9};
    assert_int_equal(mg_map_geometry_build(&g, m.t, list, 2, 0, &d), MG_EINVAL);
    assert_null(g);
    assert_has(d.msg, "index 9");
    mg_diag_clear(&d);
    assert_int_equal(mg_map_geometry_build(&g, m.t, list, 1, -1, &d), MG_EINVAL);
    assert_has(d.msg, "tolerance");
    hand_map_free(&m);
}

/* A square commune with 2000 points along its edges, jittered by about a
 * metre: at 50 m only its corners survive; at 1 cm nearly everything. */
static void test_simplify(void **state)
{
    (void)state;
    enum { PER_SIDE = 500, NPT = 4 * PER_SIDE + 1 };
    mg_territory *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->n = 1;
    t->code = calloc(1, sizeof *t->code);
    t->name = calloc(1, sizeof *t->name);
    memcpy(t->code[0], "11001", 6);
    mg_shapes *s = &t->shapes;
    s->npoly = s->nring = 1;
    s->npt = NPT;
    s->commune_poly = calloc(2, sizeof(size_t));
    s->poly_ring = calloc(2, sizeof(size_t));
    s->ring_pt = calloc(2, sizeof(size_t));
    s->lon = calloc(NPT, sizeof(double));
    s->lat = calloc(NPT, sizeof(double));
    s->commune_poly[1] = s->poly_ring[1] = 1;
    s->ring_pt[1] = NPT;
    const double cx[5] = {2.9, 3.0, 3.0, 2.9, 2.9}, cy[5] = {46.4, 46.4, 46.5, 46.5, 46.4};
    uint32_t r = 7;
    for (int side = 0; side < 4; side++)
        for (int i = 0; i < PER_SIDE; i++) {
            double u = (double)i / PER_SIDE;
            r = r * 1103515245u + 12345u;
            double jitter = ((double)(r >> 16 & 0x7fff) / 0x7fff - 0.5) * 2e-5; /* ±1 m */
            size_t k = (size_t)side * PER_SIDE + (size_t)i;
            s->lon[k] = cx[side] + u * (cx[side + 1] - cx[side]) + (i ? jitter : 0);
            s->lat[k] = cy[side] + u * (cy[side + 1] - cy[side]) + (i ? jitter : 0);
        }
    s->lon[NPT - 1] = s->lon[0];
    s->lat[NPT - 1] = s->lat[0];

    size_t list[] = {0};
    mg_map_geometry *g;
    mg_diag d = {0};
    assert_int_equal(mg_map_geometry_build(&g, t, list, 1, 0, &d), MG_OK);
    size_t kept = mg_map_geometry_npoints(g);
    if (kept < 4 || kept > 8)
        fail_msg("%zu points kept at 50 m, expected the 4 corners (and a few more at most)",
                 kept);
    mg_map_geometry_free(g);
    assert_int_equal(mg_map_geometry_build(&g, t, list, 1, 0.01, &d), MG_OK);
    assert_true(mg_map_geometry_npoints(g) > NPT * 9 / 10);
    mg_map_geometry_free(g);
    mg_territory_free(t);
}

static void test_styles(void **state)
{
    (void)state;
    double vals[100];
    size_t list[100];
    for (size_t i = 0; i < 100; i++) {
        vals[i] = 0.1 * (double)(i + 1); /* 0.1 .. 10 */
        list[i] = i;
    }
    /* Around the threshold, the threshold itself a break. */
    mg_map_style st = mg_map_style_for(vals, list, 100, 2.5, false);
    assert_int_equal(st.nclasses, 6);
    const double want[5] = {1.5, 2.5, 3.5, 4.5, 6.0};
    for (int i = 0; i < 5; i++)
        assert_close(st.breaks[i], want[i], 1e-12);
    assert_false(st.diverging);
    for (size_t i = 0; i < st.nclasses; i++) {
        assert_true(st.colors[i] && strlen(st.colors[i]) == 7 && st.colors[i][0] == '#');
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(st.colors[i], st.colors[j]);
    }
    assert_non_null(st.no_data_color);
    /* "APL < 2.5" is under-served: 2.5 itself is not. */
    assert_int_equal(mg_map_style_class(&st, 2.4999), 1);
    assert_int_equal(mg_map_style_class(&st, 2.5), 2);
    assert_int_equal(mg_map_style_class(&st, -3), 0);
    assert_int_equal(mg_map_style_class(&st, 100), 5);
    assert_int_equal(mg_map_style_class(&st, NAN), 6);

    /* No threshold: quantile breaks, rounded, increasing, inside the data. */
    st = mg_map_style_for(vals, list, 100, NAN, false);
    assert_int_equal(st.nclasses, 6);
    for (size_t i = 0; i + 1 < st.nclasses; i++) {
        assert_true(st.breaks[i] > 0.1 && st.breaks[i] <= 10);
        if (i)
            assert_true(st.breaks[i] > st.breaks[i - 1]);
        assert_close(st.breaks[i], round(st.breaks[i] * 10) / 10, 1e-12);
    }
    /* The median of 0.1 .. 10 is 5.05: two significant digits. */
    assert_true(st.breaks[2] == 5.0 || st.breaks[2] == 5.1);

    /* Constant values, no value at all: still a valid style. */
    double same[3] = {4, 4, 4};
    size_t l3[3] = {0, 1, 2};
    st = mg_map_style_for(same, l3, 3, NAN, false);
    assert_int_equal(st.nclasses, 2);
    assert_int_equal(mg_map_style_class(&st, 4), 1);
    double none[2] = {NAN, NAN};
    st = mg_map_style_for(none, l3, 2, NAN, false);
    assert_int_equal(st.nclasses, 2);

    /* Diverging: symmetric around 0, 0 in the white middle class, losses
     * red and gains blue. */
    double diff[100];
    for (size_t i = 0; i < 100; i++)
        diff[i] = ((double)i - 50) / 25; /* -2 .. 1.96 */
    st = mg_map_style_for(diff, list, 100, NAN, true);
    assert_true(st.diverging);
    assert_int_equal(st.nclasses, 7);
    for (size_t i = 0; i < 3; i++)
        assert_close(st.breaks[i], -st.breaks[5 - i], 1e-12);
    assert_close(st.breaks[5], 2.0, 1e-12); /* the 95th percentile of |diff|, 1.9, rounded up */
    assert_int_equal(mg_map_style_class(&st, 0), 3);
    assert_string_equal(st.colors[3], "#f7f7f7");
    assert_string_equal(st.colors[0], "#b2182b");
    assert_string_equal(st.colors[6], "#2166ac");
}

/* ---------------------------------------------------------------------- */
/* PNG                                                                     */
/* ---------------------------------------------------------------------- */

typedef struct reader {
    const unsigned char *p;
    size_t left;
} reader;

static cairo_status_t read_mem(void *closure, unsigned char *data, unsigned int length)
{
    reader *r = closure;
    if (length > r->left)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p, length);
    r->p += length;
    r->left -= length;
    return CAIRO_STATUS_SUCCESS;
}

/* The colour of pixel (x, y) as 0xRRGGBB (the surface is opaque). */
static unsigned pixel(cairo_surface_t *s, int x, int y)
{
    const unsigned char *data = cairo_image_surface_get_data(s);
    uint32_t v;
    memcpy(&v, data + (size_t)y * (size_t)cairo_image_surface_get_stride(s) + (size_t)x * 4, 4);
    return v & 0xFFFFFF;
}

static void assert_colour(unsigned got, unsigned want, const char *what)
{
    for (int shift = 0; shift < 24; shift += 8) {
        int a = (int)(got >> shift & 0xFF), b = (int)(want >> shift & 0xFF);
        if (abs(a - b) > 2)
            fail_msg("%s: pixel #%06x, expected #%06x", what, got, want);
    }
}

static void check_png(const hand_map *m, unsigned width)
{
    mg_buf png;
    mg_buf_init(&png, 16u << 20);
    mg_diag d = {0};
    if (mg_map_png(&png, m->svg.data, m->svg.len, width, &d))
        fail_msg("png: %s", d.msg);
    const unsigned char *b = (const unsigned char *)png.data;
    assert_true(png.len > 33);
    assert_memory_equal(b, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(b + 12, "IHDR", 4);
    unsigned w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    assert_int_equal(w, width);

    reader r = {b, png.len};
    cairo_surface_t *img = cairo_image_surface_create_from_png_stream(read_mem, &r);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(img), (int)width);

    /* The SVG is 800 wide (its viewBox); scale its coordinates. */
    const char *vb = strstr(m->svg.data, "viewBox=\"0 0 ");
    assert_non_null(vb);
    char *vb_end;
    double svg_w = svg_number(vb + 13, &vb_end), k = width / svg_w;
    char el[8192], dattr[8192];
    static const unsigned colours[4] = {0xd73027, 0xfc8d59, 0xfee090, 0x91bfdb};
    for (int i = 0; i < 4; i++) {
        double cx, cy;
        path_of(m->svg.data, hand_codes[i], el, sizeof el);
        attr_of(el, "d", dattr, sizeof dattr);
        first_ring_centre(dattr, &cx, &cy);
        /* Gamma's centre is its hole: the white page shows through. For
         * Gamma, look a quarter of the way in instead. */
        if (i == 2) {
            assert_colour(pixel(img, (int)(cx * k), (int)(cy * k)), 0xffffff, "Gamma's hole");
            char *x0_end;
            double x0 = svg_number(dattr + 1, &x0_end);
            cx = (cx + x0) / 2 - (cx - x0) / 4;
        }
        char what[32];
        snprintf(what, sizeof what, "commune %s", hand_codes[i]);
        assert_colour(pixel(img, (int)(cx * k), (int)(cy * k)), colours[i], what);
    }
    /* A corner of the page is white, not transparent. */
    assert_colour(pixel(img, 1, cairo_image_surface_get_height(img) - 2), 0xffffff, "corner");
    cairo_surface_destroy(img);
    mg_buf_free(&png);
}

static void test_png(void **state)
{
    (void)state;
    hand_map m;
    hand_map_make(&m, &hand_opts);
    check_png(&m, 800);
    check_png(&m, 1300);
    check_png(&m, 500);
    hand_map_free(&m);
}

static void test_png_errors(void **state)
{
    (void)state;
    mg_buf png;
    mg_buf_init(&png, 1u << 20);
    mg_diag d = {0};
    const char *bad = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect";
    assert_int_equal(mg_map_png(&png, bad, strlen(bad), 100, &d), MG_EPARSE);
    assert_true(strncmp(d.msg, "SVG: ", 5) == 0 && strlen(d.msg) > 10);
    mg_diag_clear(&d);
    const char *text = "pas du tout du SVG";
    assert_int_equal(mg_map_png(&png, text, strlen(text), 100, &d), MG_EPARSE);
    assert_true(strncmp(d.msg, "SVG: ", 5) == 0 && strlen(d.msg) > 10);
    mg_diag_clear(&d);
    const char *ok = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"20\"/>";
    assert_int_equal(mg_map_png(&png, ok, strlen(ok), 0, &d), MG_EINVAL);
    assert_int_equal(mg_map_png(&png, ok, strlen(ok), 9000, &d), MG_EINVAL);
    /* 5000 wide at a 1:2 ratio would be 10000 high. */
    mg_diag_clear(&d);
    assert_int_equal(mg_map_png(&png, ok, strlen(ok), 5000, &d), MG_ELIMIT);
    assert_has(d.msg, "10000");
    assert_int_equal(png.len, 0);
    assert_int_equal(mg_map_png(&png, ok, strlen(ok), 50, &d), MG_OK);
    mg_buf_free(&png);
}

/* Server threads share one geometry: each draws the same map and renders
 * it, and every thread must get the very same SVG. */
typedef struct render_job {
    const hand_map *m;
    int failures;
} render_job;

static void *render_many(void *arg)
{
    render_job *job = arg;
    mg_buf svg, png;
    for (int i = 0; i < 5; i++) {
        mg_buf_init(&svg, 1u << 20);
        mg_buf_init(&png, 8u << 20);
        if (mg_map_svg(&svg, job->m->g, job->m->t, hand_values, &job->m->st, &hand_opts) ||
            svg.len != job->m->svg.len || memcmp(svg.data, job->m->svg.data, svg.len) != 0 ||
            mg_map_png(&png, svg.data, svg.len, 400, NULL) || png.len < 8)
            job->failures++;
        mg_buf_free(&svg);
        mg_buf_free(&png);
    }
    return NULL;
}

static void test_threads_share_geometry(void **state)
{
    (void)state;
    hand_map m;
    hand_map_make(&m, &hand_opts);
    pthread_t th[4];
    render_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (render_job){.m = &m};
        assert_int_equal(pthread_create(&th[i], NULL, render_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].failures, 0);
    }
    hand_map_free(&m);
}

/* ---------------------------------------------------------------------- */
/* Bar chart                                                               */
/* ---------------------------------------------------------------------- */

static void test_chart(void **state)
{
    (void)state;
    const char *const labels[] = {"CA Carcassonne Agglo", "CC <Piège> & Razès", "CC Vide",
                                  "CA Le Grand Narbonne"};
    const double values[] = {3.84, 2.1, NAN, 4.2};
    mg_buf b;
    mg_buf_init(&b, 1u << 20);
    assert_int_equal(mg_chart_bars(&b, "APL moyenne par EPCI", labels, values, 4, 2.5,
                                   "consultations/an/hab."),
                     MG_OK);
    const char *s = b.data;
    assert_true(strncmp(s, "<svg ", 5) == 0); /* inline: no XML declaration */
    const char *why = xml_problem(s);
    if (why)
        fail_msg("not well-formed: %s", why);
    assert_xmllint(s, b.len);
    assert_has(s, "role=\"img\"");
    assert_has(s, ">APL moyenne par EPCI</title>");
    assert_int_equal(count(s, "class=\"bar\""), 3);
    assert_has(s, ">3,84</text>");
    assert_has(s, ">2,10</text>");
    assert_has(s, ">sans donnée</text>");
    assert_has(s, ">CC &lt;Piège&gt; &amp; Razès</text>");
    assert_has(s, ">seuil : 2,5</text>");
    assert_has(s, ">consultations/an/hab.</text>");
    assert_has(s, "CA Carcassonne Agglo : 3,84 consultations/an/hab. ; CC &lt;Piège&gt;");
    /* Below the threshold in red, above in blue. */
    const char *bar2 = strstr(strstr(s, ">CC &lt;Piège&gt;"), "class=\"bar\"");
    assert_non_null(bar2);
    assert_true(strstr(bar2, "#d73027") < strstr(bar2, "/>"));

    /* No data at all, no threshold. */
    mg_buf_reset(&b);
    assert_int_equal(mg_chart_bars(&b, "Vide", NULL, NULL, 0, NAN, NULL), MG_OK);
    assert_has(b.data, "aucune donnée");
    assert_null(xml_problem(b.data));
    assert_int_equal(mg_chart_bars(&b, "x", NULL, values, 2, NAN, NULL), MG_EINVAL);
    mg_buf_free(&b);
}

/* ---------------------------------------------------------------------- */
/* The Aude                                                                */
/* ---------------------------------------------------------------------- */

static void test_aude(void **state)
{
    (void)state;
    mg_territory *t = NULL;
    mg_report rep = {0};
    mg_diag d = {0};
    if (mg_import_cog(&t, MG_SOURCE_DIR "/data/demo/france/communes.json.gz",
                      MG_SOURCE_DIR "/data/demo/france/epci.json.gz", &rep, &d) ||
        mg_import_contours(t, MG_SOURCE_DIR "/data/demo/11-aude/communes.geojson", true, &rep,
                           &d))
        fail_msg("import: %s", d.msg);
    size_t *list = calloc(t->n, sizeof *list), n = 0;
    double *values = calloc(t->n, sizeof *values);
    assert_true(list && values);
    long carcassonne = -1;
    for (size_t i = 0; i < t->n; i++) {
        if (!t->in_study[i])
            continue;
        if (strcmp(t->code[i], "11069") == 0)
            carcassonne = (long)n;
        list[n++] = i;
        values[i] = (double)(i % 67) / 10; /* 0 .. 6.6, every class */
    }
    assert_int_equal(n, 433);
    assert_true(carcassonne >= 0);

    mg_map_geometry *g;
    if (mg_map_geometry_build(&g, t, list, n, 0, &d))
        fail_msg("geometry: %s", d.msg);
    /* Simplified at 50 m, yet not to nothing. */
    assert_true(mg_map_geometry_npoints(g) < t->shapes.npt);
    assert_true(mg_map_geometry_npoints(g) > t->shapes.npt / 4);

    mg_map_style st = mg_map_style_for(values, list, n, 2.5, false);
    mg_map_options o = hand_opts;
    o.title = "Accessibilité aux médecins généralistes dans l'Aude (valeurs de test)";
    o.link_prefix = "/commune/";
    o.link_suffix = "";
    o.highlight = carcassonne;
    mg_buf svg;
    mg_buf_init(&svg, 8u << 20);
    assert_int_equal(mg_map_svg(&svg, g, t, values, &st, &o), MG_OK);
    assert_int_equal(count(svg.data, "<path"), 433);
    assert_has(svg.data, "<a href=\"/commune/11069\"><title>Carcassonne (11069) : ");
    assert_true(svg.len < 400 * 1024); /* small enough to inline in a page */
    assert_null(xml_problem(svg.data));
    assert_xmllint(svg.data, svg.len);

    mg_buf png;
    mg_buf_init(&png, 32u << 20);
    if (mg_map_png(&png, svg.data, svg.len, 1200, &d))
        fail_msg("png: %s", d.msg);
    assert_memory_equal(png.data, "\x89PNG\r\n\x1a\n", 8);
    /* MG_MAP_SAMPLE=path keeps the picture, to look at. */
    const char *keep = getenv("MG_MAP_SAMPLE");
    if (keep && keep[0]) {
        FILE *f = fopen(keep, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(png.data, 1, png.len, f), png.len);
        fclose(f);
    }
    mg_buf_free(&png);

    /* Framed on Piège-Lauragais-Malepère (200035707): its communes in
     * colour inside the outline, the 433 still drawn. */
    uint8_t *focus = calloc(t->n, 1);
    assert_non_null(focus);
    size_t nfocus = 0;
    for (size_t k = 0; k < n; k++) {
        int32_t e = t->epci ? t->epci[list[k]] : -1;
        if (e >= 0 && strcmp(t->epci_code[e], "200035707") == 0) {
            focus[list[k]] = 1;
            nfocus++;
        }
    }
    assert_int_equal(nfocus, 38); /* as tests/cli/scope.sh counts them */
    o.focus = focus;
    o.focus_label = "CC Piège-Lauragais-Malepère";
    o.highlight = -1;
    /* As a report map: names, EPCI borders, a plan's three sites, scale
     * and source. */
    long bram = -1, fanjeaux = -1;
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->code[i], "11049") == 0)
            bram = (long)i;
        if (strcmp(t->code[i], "11136") == 0)
            fanjeaux = (long)i;
    }
    assert_true(bram >= 0 && fanjeaux >= 0);
    const mg_map_site sites[] = {
        {.commune = bram, .label = "Cabine de Bram", .kind = 2, .kind_label = "cabine de téléconsultation"},
        {.commune = fanjeaux, .label = "Chariot de Fanjeaux", .kind = 3, .kind_label = "chariot de téléconsultation"},
        {.commune = -1, .x = 630000, .y = 6240000, .label = "Chariot", .kind = 3},
    };
    o.sites = sites;
    o.nsites = 3;
    o.label_count = 12;
    o.epci_borders = true;
    o.scale_bar = true;
    o.source = "Source : DREES, APL 2021 ; IGN, Admin Express ; calcul maillage, 5 décembre 2026";
    mg_buf_reset(&svg);
    assert_int_equal(mg_map_svg(&svg, g, t, values, &st, &o), MG_OK);
    assert_int_equal(count(svg.data, "<a href"), 433);
    assert_int_equal(count(svg.data, "class=\"mg-out\""), 433 - 38);
    assert_xmllint(svg.data, svg.len);
    if (keep && keep[0]) {
        char path[512];
        snprintf(path, sizeof path, "%s.focus.png", keep);
        mg_buf_init(&png, 32u << 20);
        assert_int_equal(mg_map_png(&png, svg.data, svg.len, 1200, &d), MG_OK);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(png.data, 1, png.len, f), png.len);
        fclose(f);
        mg_buf_free(&png);
    }
    free(focus);
    mg_buf_free(&svg);
    mg_map_geometry_free(g);
    free(list);
    free(values);
    mg_report_free(&rep);
    mg_territory_free(t);
}


/* ---------------------------------------------------------------------- */
/* Scope framing (issue 13)                                               */
/* ---------------------------------------------------------------------- */

/* The four numbers of the viewBox of the map area (<svg class="mg-map-view">)
 * and of its viewport (x, y, width, height). */
static void map_view(const char *svg, double vb[4], double port[4])
{
    const char *v = strstr(svg, "<svg class=\"mg-map-view\"");
    if (!v)
        fail_msg("no map area");
    const char *e = strchr(v, '>');
    char el[512], val[128];
    assert_true(e && (size_t)(e - v) < sizeof el - 1);
    memcpy(el, v, (size_t)(e - v + 1));
    el[e - v + 1] = '\0';
    static const char *const names[4] = {"x", "y", "width", "height"};
    char *end;
    for (int i = 0; i < 4; i++) {
        attr_of(el, names[i], val, sizeof val);
        port[i] = svg_number(val, &end);
    }
    attr_of(el, "viewBox", val, sizeof val);
    end = val;
    for (int i = 0; i < 4; i++) {
        while (*end == ' ')
            end++;
        vb[i] = svg_number(end, &end);
    }
}

/* Bounding box (x0, y0, x1, y1) of every point of a path's d attribute made
 * of "M x y l dx dy … z" rings, grown into box. */
static void d_extent(const char *d, double box[4])
{
    const char *p = d;
    char *end;
    while (*p == 'M') {
        double x = svg_number(p + 1, &end), y = svg_number(end, &end);
        p = end;
        assert_true(*p == 'l');
        p++;
        for (;;) {
            box[0] = fmin(box[0], x), box[2] = fmax(box[2], x);
            box[1] = fmin(box[1], y), box[3] = fmax(box[3], y);
            if (*p == 'z' || !*p)
                break;
            double dx = svg_number(p, &end);
            assert_true(end != p);
            double dy = svg_number(end, &end);
            x += dx;
            y += dy;
            p = end;
        }
        if (*p == 'z')
            p++;
    }
}

static const uint8_t hand_focus[HAND_N] = {1, 0, 1, 0, 0, 0, 0}; /* Alpha, Gamma */

static void test_svg_focus(void **state)
{
    (void)state;
    mg_map_options o = hand_opts;
    o.focus = hand_focus;
    o.focus_label = "Ouest";
    o.link_prefix = "/commune/";
    hand_map m;
    hand_map_make(&m, &o);
    const char *s = m.svg.data;
    assert_null(xml_problem(s));
    assert_xmllint(s, m.svg.len);

    /* The focus communes' extent, from their own path data. */
    char el[8192], dattr[8192], fill[64];
    double fb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    path_of(s, "11001", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    d_extent(dattr, fb);
    path_of(s, "11003", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    d_extent(dattr, fb);
    double ew = fb[2] - fb[0], eh = fb[3] - fb[1];
    assert_true(ew > 10 && eh > 10);

    /* The viewBox holds the whole scope, centred, with a margin of 5 % of
     * the larger side on the side that fits tightly, and the viewport's
     * ratio (no letterbox). */
    double vb[4], port[4];
    map_view(s, vb, port);
    double m5 = 0.05 * fmax(ew, eh);
    assert_true(vb[0] <= fb[0] && vb[1] <= fb[1]);
    assert_true(vb[0] + vb[2] >= fb[2] && vb[1] + vb[3] >= fb[3]);
    /* (The path data is rounded to tenths of a pixel.) */
    assert_close(vb[0] + vb[2] / 2, (fb[0] + fb[2]) / 2, 0.06);
    assert_close(vb[1] + vb[3] / 2, (fb[1] + fb[3]) / 2, 0.06);
    assert_true(fabs(vb[2] - (ew + 2 * m5)) < 0.12 || fabs(vb[3] - (eh + 2 * m5)) < 0.12);
    assert_close(vb[2] / vb[3], port[2] / port[3], 0.001);
    /* Zoomed in: the whole map (Epsilon's disc at the east) is not in it. */
    path_of(s, "11005", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    char *end;
    double ex = svg_number(dattr + 1, &end);
    assert_true(ex > vb[0] + vb[2]);
    assert_true(port[2] / vb[2] > 1.2); /* about 1.26: 1.6 times the width for 24 km, against 19 km */

    /* Greyed: the others without their colour, still named. */
    static const char *const out[] = {"11002", "11004", "11005"};
    for (size_t i = 0; i < 3; i++) {
        path_of(s, out[i], el, sizeof el);
        attr_of(el, "fill", fill, sizeof fill);
        assert_string_equal(fill, MG_MAP_GREY);
        assert_has(el, "class=\"mg-out\"");
    }
    assert_has(s, "<title>Delta (11004) : 5,00 consultations/an/hab. — hors du "
                  "périmètre</title>");
    assert_int_equal(count(s, "<a href=\""), 5);
    path_of(s, "11001", el, sizeof el);
    attr_of(el, "fill", fill, sizeof fill);
    assert_string_equal(fill, "#d73027");
    path_of(s, "11003", el, sizeof el);
    attr_of(el, "fill", fill, sizeof fill);
    assert_string_equal(fill, "#fee090");
    assert_int_equal(count(s, "mg-out"), 3);

    /* The outline: the scope's two communes stroked, between the grey
     * communes and the scope's fills. */
    const char *ol = strstr(s, "<g class=\"mg-scope-outline\"");
    assert_non_null(ol);
    const char *ole = strstr(ol, "</g>");
    assert_non_null(ole);
    char olbuf[16384];
    assert_true((size_t)(ole - ol) < sizeof olbuf);
    memcpy(olbuf, ol, (size_t)(ole - ol));
    olbuf[ole - ol] = '\0';
    assert_int_equal(count(olbuf, "<path d=\""), 2);
    path_of(s, "11001", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    char key[8300];
    snprintf(key, sizeof key, "<path d=\"%s\"/>", dattr);
    assert_has(olbuf, key);
    assert_true(strstr(s, "(11002)") < ol && strstr(s, "(11001)") > ol);
    /* Strokes scaled down by the zoom, so that they look the same. */
    char sw[32];
    attr_of(olbuf, "stroke-width", sw, sizeof sw);
    assert_close(svg_number(sw, &end), 4 * vb[2] / port[2], 0.002);

    /* The summary counts the scope's communes. */
    assert_has(s, "Périmètre Ouest : 2 communes en couleur, les autres en gris. 1 commune "
                  "sous le seuil de sous-dotation (2,5).");
    hand_map_free(&m);

    /* Without focus the map area shows the page's own coordinates. */
    hand_map_make(&m, &hand_opts);
    map_view(m.svg.data, vb, port);
    for (int i = 0; i < 4; i++)
        assert_close(vb[i], port[i], 0.001);
    assert_hasnt(m.svg.data, "mg-scope-outline");
    assert_hasnt(m.svg.data, "mg-out");
    /* A focus with nothing to draw is refused, the buffer unchanged. */
    static const uint8_t none[HAND_N] = {0, 0, 0, 0, 0, 1, 1}; /* Zeta: no shape; Eta: not drawn */
    o = hand_opts;
    o.focus = none;
    size_t len = m.svg.len;
    assert_int_equal(mg_map_svg(&m.svg, m.g, m.t, hand_values, &m.st, &o), MG_EINVAL);
    assert_int_equal(m.svg.len, len);
    hand_map_free(&m);
}

/* The PNG of a framed map: Alpha in its colour where the viewBox puts it,
 * B (outside) grey, Epsilon (beyond the frame) not drawn. */
static void test_png_focus(void **state)
{
    (void)state;
    mg_map_options o = hand_opts;
    o.focus = hand_focus;
    hand_map m;
    hand_map_make(&m, &o);
    mg_buf png;
    mg_buf_init(&png, 16u << 20);
    mg_diag d = {0};
    if (mg_map_png(&png, m.svg.data, m.svg.len, 800, &d))
        fail_msg("png: %s", d.msg);
    reader r = {(const unsigned char *)png.data, png.len};
    cairo_surface_t *img = cairo_image_surface_create_from_png_stream(read_mem, &r);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    double vb[4], port[4];
    map_view(m.svg.data, vb, port);
    double k = port[2] / vb[2];
#define PX(x) ((int)(port[0] + ((x) - vb[0]) * k))
#define PY(y) ((int)(port[1] + ((y) - vb[1]) * k))
    char el[8192], dattr[8192];
    double ab[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    path_of(m.svg.data, "11001", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    d_extent(dattr, ab);
    assert_colour(pixel(img, PX((ab[0] + ab[2]) / 2), PY((ab[1] + ab[3]) / 2)), 0xd73027,
                  "Alpha");
    double bb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    path_of(m.svg.data, "11002", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    d_extent(dattr, bb);
    assert_true(PX(bb[0]) + 12 < PX(vb[0] + vb[2]));
    assert_colour(pixel(img, PX(bb[0]) + 8, PY((bb[1] + bb[3]) / 2)), 0xdcdcdc, "B, greyed");
    /* The outline: dark just outside Alpha's west edge, where the margin
     * is white page otherwise. */
    assert_colour(pixel(img, PX(ab[0]) - 1, PY((ab[1] + ab[3]) / 2)), 0x1a1a1a, "outline");
    assert_colour(pixel(img, PX(ab[0]) - 6, PY((ab[1] + ab[3]) / 2)), 0xffffff, "margin");
#undef PX
#undef PY
    cairo_surface_destroy(img);
    mg_buf_free(&png);
    hand_map_free(&m);
}


typedef struct box {
    double x0, y0, x1, y1;
} box;

static int boxes_overlap(const box *a, const box *b)
{
    return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* ---------------------------------------------------------------------- */
/* Report maps (issue 13, section 4)                                      */
/* ---------------------------------------------------------------------- */

/* A hand map with options, on a territory the caller may have changed. */
static void hand_map_on(hand_map *m, mg_territory *t, const mg_map_options *o)
{
    mg_diag d = {0};
    m->t = t;
    if (mg_map_geometry_build(&m->g, m->t, hand_list, HAND_LIST_N, 0, &d))
        fail_msg("geometry: %s", d.msg);
    m->st = mg_map_style_for(hand_values, hand_list, HAND_LIST_N, 2.5, false);
    mg_buf_init(&m->svg, 1u << 20);
    assert_int_equal(mg_map_svg(&m->svg, m->g, m->t, hand_values, &m->st, o), MG_OK);
    assert_null(xml_problem(m->svg.data));
}

/* Extent of a commune's path (by code) in the view's units. */
static void commune_extent(const char *svg, const char *code, double ext[4])
{
    char el[8192], dattr[8192];
    ext[0] = ext[1] = INFINITY;
    ext[2] = ext[3] = -INFINITY;
    path_of(svg, code, el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    d_extent(dattr, ext);
}

/* The next element named `tag` (e.g. "<text class=\"mg-label\"") from p,
 * copied into el up to its '>'; NULL when none. */
static const char *next_el(const char *p, const char *tag, char *el, size_t cap)
{
    const char *a = strstr(p, tag);
    if (!a)
        return NULL;
    const char *e = strchr(a, '>');
    assert_non_null(e);
    size_t len = (size_t)(e - a + 1);
    assert_true(len < cap);
    memcpy(el, a, len);
    el[len] = '\0';
    return e + 1;
}

/* The translation of a pin (<g class="… mg-pin" transform="translate(x y)">). */
static void pin_xy(const char *el, double *x, double *y)
{
    char tr[128], *end;
    attr_of(el, "transform", tr, sizeof tr);
    assert_true(strncmp(tr, "translate(", 10) == 0);
    *x = svg_number(tr + 10, &end);
    while (*end == ' ')
        end++;
    *y = svg_number(end, &end);
    assert_true(*end == ')');
}

static double attr_num(const char *el, const char *name)
{
    char v[64], *end;
    attr_of(el, name, v, sizeof v);
    double x = svg_number(v, &end);
    assert_true(end != v);
    return x;
}

static void test_labels(void **state)
{
    (void)state;
    mg_territory *t = hand_territory();
    /* Alpha's long name, written right of its middle, would run over B's
     * middle (about 200 pixels east): one of them must go elsewhere. */
    free(t->name[0]);
    t->name[0] = strdup("Alpha-la-Très-Longue-Commune-du-Sud-Ouest");
    t->population = calloc(HAND_N, sizeof *t->population);
    assert_non_null(t->population);
    static const double pop[HAND_N] = {5000, 4000, 3000, 2000, 1000, 900, 800};
    memcpy(t->population, pop, sizeof pop);
    mg_map_options o = hand_opts;
    o.label_count = 3;
    hand_map m;
    hand_map_on(&m, t, &o);
    const char *s = m.svg.data;
    assert_xmllint(s, m.svg.len);
    /* Names let a click through to the commune under them. */
    const char *g = strstr(s, "<g class=\"mg-labels\" aria-hidden=\"true\" pointer-events=\"none\"");
    assert_non_null(g);
    double fs = attr_num(g, "font-size");
    double vb[4], port[4];
    map_view(s, vb, port);

    /* Each name as a box from its anchor (0.55 em a character, an em
     * high), each dot as a 4-pixel box. */
    box labels[8], dots[8];
    char names[8][64];
    size_t n = 0, nd = 0;
    char el[512];
    /* Each name and its dot in a pin: positions relative to its point. */
    for (const char *q = g; (q = next_el(q, "<g class=\"mg-pin\"", el, sizeof el)) && n < 8;) {
        double px, py;
        pin_xy(el, &px, &py);
        const char *p = next_el(q, "<circle ", el, sizeof el);
        assert_non_null(p);
        double cx = px + attr_num(el, "cx"), cy = py + attr_num(el, "cy"), r = attr_num(el, "r");
        dots[nd++] = (box){cx - r, cy - r, cx + r, cy + r};
        p = next_el(p, "<text class=\"mg-label\"", el, sizeof el);
        assert_non_null(p);
        double x = px + attr_num(el, "x"), y = py + attr_num(el, "y");
        char anchor[16];
        attr_of(el, "text-anchor", anchor, sizeof anchor);
        const char *e = strchr(p, '<');
        size_t len = (size_t)(e - p);
        assert_true(len < sizeof names[n]);
        memcpy(names[n], p, len);
        names[n][len] = '\0';
        double w = 0.55 * fs * (double)utf8_len(names[n]);
        double x0 = strcmp(anchor, "start") == 0 ? x : strcmp(anchor, "end") == 0 ? x - w : x - w / 2;
        labels[n++] = (box){x0, y - 0.75 * fs, x0 + w, y + 0.2 * fs};
    }
    /* Three names (each drawn twice, the halo first, counted once), the
     * most populous first; each with its dot. */
    assert_int_equal(count(s, "class=\"mg-label\""), 3);
    assert_int_equal(n, 3);
    assert_int_equal(nd, 3);
    assert_string_equal(names[0], "Alpha-la-Très-Longue-Commune-du-Sud-Ouest");
    /* B, the second most populous, lies under Alpha's name: skipped, and
     * Delta, the fourth, named instead. */
    assert_hasnt(strstr(s, "<g class=\"mg-labels\""), "> ville</text>");
    assert_has(g, ">Delta</text>");
    assert_int_equal(count(s, ">Alpha-la-Très-Longue-Commune-du-Sud-Ouest</text>"), 2);
    for (size_t i = 0; i < n; i++) {
        /* Inside the map area. */
        assert_true(labels[i].x0 >= vb[0] && labels[i].x1 <= vb[0] + vb[2]);
        assert_true(labels[i].y0 >= vb[1] && labels[i].y1 <= vb[1] + vb[3]);
        for (size_t j = 0; j < n; j++) {
            if (j != i && boxes_overlap(&labels[i], &labels[j]))
                fail_msg("labels %s and %s overlap", names[i], names[j]);
            if (boxes_overlap(&labels[i], &dots[j]))
                fail_msg("label %s covers a dot", names[i]);
        }
    }
    /* Halo: the first of each pair is stroked white. */
    assert_non_null(strstr(g, "stroke=\"#ffffff\" stroke-width=\""));
    hand_map_free(&m);

    /* No population, no names. */
    o.label_count = 3;
    hand_map_make(&m, &o);
    assert_hasnt(m.svg.data, "mg-label");
    hand_map_free(&m);
}

static void test_epci_borders(void **state)
{
    (void)state;
    mg_territory *t = hand_territory();
    /* Alpha and B in one EPCI, Gamma and Delta in another: the border is
     * Alpha's north side, which Gamma's south side shares vertex for
     * vertex. (B's north side is one edge where Delta has two rectangles:
     * no shared vertices, no shared border, as in data without topology.)
     * Alpha–B and Gamma–Delta are inside an EPCI: not drawn. */
    t->epci = calloc(HAND_N, sizeof *t->epci);
    assert_non_null(t->epci);
    static const int32_t e[HAND_N] = {0, 0, 1, 1, -1, -1, 1};
    memcpy(t->epci, e, sizeof e);
    mg_map_options o = hand_opts;
    o.epci_borders = true;
    hand_map m;
    hand_map_on(&m, t, &o);
    const char *s = m.svg.data;
    assert_xmllint(s, m.svg.len);
    char el[4096], dattr[4096];
    assert_non_null(next_el(s, "<path class=\"mg-epci\"", el, sizeof el));
    attr_of(el, "d", dattr, sizeof dattr);
    assert_int_equal(count(dattr, "M"), 1);
    double eb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}, ab[4], gb[4];
    d_extent(dattr, eb);
    commune_extent(s, "11001", ab);
    commune_extent(s, "11003", gb);
    /* Alpha's north side: nearly horizontal (a parallel is an arc in
     * Lambert-93: its ends differ by a tenth of a pixel here), its
     * northernmost point Alpha's, its southernmost Gamma's. */
    assert_true(eb[3] - eb[1] < 0.5);
    assert_close(eb[1], ab[1], 0.001);
    assert_close(eb[3], gb[3], 0.001);
    /* From 2.9°E (where Gamma is widest: meridians converge northwards)
     * to 3°E, the central meridian (a vertical line: Alpha's east side). */
    assert_close(eb[0], gb[0], 0.001);
    assert_close(eb[2], ab[2], 0.001);
    /* Drawn over the communes, and in the legend. */
    assert_true(strstr(s, "class=\"mg-epci\"") > strstr(s, "(11004)"));
    assert_has(s, ">limite d’EPCI</text>");
    hand_map_free(&m);

    /* Without EPCI membership: nothing. */
    hand_map_make(&m, &o);
    assert_hasnt(m.svg.data, "mg-epci");
    assert_hasnt(m.svg.data, "limite d’EPCI");
    hand_map_free(&m);
}

static void test_scale_bar_source(void **state)
{
    (void)state;
    for (int framed = 0; framed < 2; framed++) {
        mg_map_options o = hand_opts;
        o.scale_bar = true;
        o.source = "Source : DREES, APL 2021 ; calcul maillage";
        if (framed)
            o.focus = hand_focus;
        hand_map m;
        hand_map_make(&m, &o);
        const char *s = m.svg.data;
        assert_xmllint(s, m.svg.len);
        /* Page pixels per metre, from Alpha's drawn width and its width in
         * metres by the independent Lambert-93 (its corners at 46.4°N and
         * 46.5°N: the widest is the southern side). */
        double ab[4], vb[4], port[4];
        commune_extent(s, "11001", ab);
        map_view(s, vb, port);
        double x0, y0, x1, y1, x2, y2, x3, y3;
        lambert93(2.9, 46.4, &x0, &y0);
        lambert93(3.0, 46.4, &x1, &y1);
        lambert93(2.9, 46.5, &x2, &y2);
        lambert93(3.0, 46.5, &x3, &y3);
        double metres = fmax(x1, x3) - fmin(x0, x2);
        double px_per_m = (ab[2] - ab[0]) * (port[2] / vb[2]) / metres;

        char el[512], dattr[256];
        assert_non_null(next_el(s, "<path class=\"mg-scale-bar\"", el, sizeof el));
        attr_of(el, "d", dattr, sizeof dattr);
        /* "Mx y0Vy1Hx1Vy0" */
        char *end;
        const char *h = strchr(dattr, 'H');
        assert_non_null(h);
        double bx0 = svg_number(dattr + 1, &end), bx1 = svg_number(h + 1, &end);
        const char *lab = strstr(s, "data-metres=\"");
        assert_non_null(lab);
        double said = svg_number(lab + 13, &end);
        char want[64];
        snprintf(want, sizeof want, "\">%.0f km</text>", said / 1000);
        assert_has(s, said >= 1000 ? want : "m</text>");
        assert_close((bx1 - bx0) / px_per_m, said, said * 0.01);
        /* A round length, a quarter of the map's width at most. */
        double p10 = pow(10, floor(log10(said))), lead = said / p10;
        assert_true(fabs(lead - 1) < 1e-9 || fabs(lead - 2) < 1e-9 || fabs(lead - 5) < 1e-9);
        assert_true(bx1 - bx0 <= 0.25 * (port[2] - 8) + 0.01);
        assert_true(bx1 - bx0 > 0.25 * (port[2] - 8) / 2.5);

        /* The source line, under the map, inside the page. */
        assert_has(s, "<text class=\"mg-source\"");
        assert_has(s, ">Source : DREES, APL 2021 ; calcul maillage</text>");
        const char *src = strstr(s, "<text class=\"mg-source\"");
        next_el(src, "<text", el, sizeof el);
        const char *root = strstr(s, "<svg ");
        char rootel[1024];
        next_el(root, "<svg ", rootel, sizeof rootel);
        assert_true(attr_num(el, "y") > port[1] + port[3]);
        assert_true(attr_num(el, "y") < attr_num(rootel, "height"));
        hand_map_free(&m);
    }
}

/* A long source line is wrapped to the map's width: several lines, each
 * within it by the 6 px a character the wrapping assumes, all the words
 * kept in order, the last line inside the page. */
static void test_source_wrapped(void **state)
{
    (void)state;
    static const char long_source[] =
        "Sources : DREES APL 2021, INSEE BPE 2019, Etalab COG 2026, La Poste 2020, IGN 2018 ; "
        "Zonage des médecins de l'ARS 2023 ; Quartiers prioritaires de la politique de la ville "
        "2024 ; calcul maillage, 5 décembre 2026";
    mg_map_options o = hand_opts;
    o.source = long_source;
    hand_map m;
    hand_map_make(&m, &o);
    const char *s = m.svg.data;
    assert_xmllint(s, m.svg.len);
    const char *root = strstr(s, "<svg ");
    char rootel[1024], el[1024];
    next_el(root, "<svg ", rootel, sizeof rootel);
    double width = attr_num(rootel, "width"), height = attr_num(rootel, "height");
    char joined[1024] = "";
    size_t lines = 0;
    double last_y = 0;
    for (const char *p = strstr(s, "<text class=\"mg-source\""); p;
         p = strstr(p + 1, "<text class=\"mg-source\"")) {
        next_el(p, "<text", el, sizeof el);
        const char *t = strchr(p, '>') + 1, *e = strstr(t, "</text>");
        size_t chars = 0;
        for (const char *c = t; c < e; c++)
            chars += ((unsigned char)*c & 0xC0) != 0x80;
        assert_true(attr_num(el, "x") + 6.0 * (double)chars <= width);
        assert_true(attr_num(el, "y") > last_y && attr_num(el, "y") < height);
        last_y = attr_num(el, "y");
        size_t used = strlen(joined);
        snprintf(joined + used, sizeof joined - used, "%s%.*s", lines++ ? " " : "", (int)(e - t),
                 t);
    }
    assert_true(lines >= 2);
    /* The apostrophe is escaped in the SVG; compare up to it and after. */
    assert_non_null(strstr(joined, "Sources : DREES APL 2021, INSEE BPE 2019"));
    assert_non_null(strstr(joined, "2024 ; calcul maillage, 5 décembre 2026"));
    hand_map_free(&m);
}

static void test_sites(void **state)
{
    (void)state;
    double bx, by;
    mg_diag d = {0};
    assert_int_equal(mg_map_project(3.05, 46.45, &bx, &by, &d), MG_OK); /* inside B */
    const mg_map_site sites[] = {
        {.commune = 0, .label = "Cabine d'Alpha", .kind = 0, .kind_label = "cabine de téléconsultation"},
        {.commune = -1, .x = bx, .y = by, .label = "Chariot <B>", .kind = 1,
         .kind_label = "chariot de téléconsultation"},
        {.commune = 3, .label = NULL, .kind = 1},
    };
    mg_map_options o = hand_opts;
    o.sites = sites;
    o.nsites = 3;
    hand_map m;
    hand_map_make(&m, &o);
    const char *s = m.svg.data;
    assert_xmllint(s, m.svg.len);
    assert_int_equal(count(s, "<g class=\"mg-site mg-pin\""), 3);
    assert_has(s, ")\"><title>Cabine d&#39;Alpha (cabine de téléconsultation)</title>");
    assert_has(s, "<title>Chariot &lt;B&gt; (chariot de téléconsultation)</title>");
    assert_has(s, "<title>Site</title>");
    /* Named beside the mark (twice: halo, then text). */
    assert_int_equal(count(s, ">Cabine d&#39;Alpha</text>"), 2);
    assert_int_equal(count(s, ">Chariot &lt;B&gt;</text>"), 2);
    /* Alpha has no point of its own: its mark (a disc "Mx-r y a…" about
     * its pin's point) is at the middle of its contour. */
    double ab[4], bb[4];
    commune_extent(s, "11001", ab);
    commune_extent(s, "11002", bb);
    const char *site = strstr(s, "<g class=\"mg-site mg-pin\"");
    char el[1024], dattr[512], *end;
    double px, py;
    next_el(site, "<g ", el, sizeof el);
    pin_xy(el, &px, &py);
    next_el(site, "<path ", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    double r = 7, mx = px + svg_number(dattr + 1, &end) + r, my = py + svg_number(end, &end);
    assert_close(mx, (ab[0] + ab[2]) / 2, 0.01);
    assert_close(my, (ab[1] + ab[3]) / 2, 0.01);
    /* The Lambert-93 point falls inside B (a square mark, "Mx-r y-r h…"). */
    site = strstr(site + 1, "<g class=\"mg-site mg-pin\"");
    next_el(site, "<g ", el, sizeof el);
    pin_xy(el, &px, &py);
    next_el(site, "<path ", el, sizeof el);
    attr_of(el, "d", dattr, sizeof dattr);
    mx = px + svg_number(dattr + 1, &end) + r;
    my = py + svg_number(end, &end) + r;
    assert_true(mx > bb[0] && mx < bb[2] && my > bb[1] && my < bb[3]);
    /* Legend: one line per kind. */
    assert_int_equal(count(s, ">cabine de téléconsultation</text>"), 1);
    assert_int_equal(count(s, ">chariot de téléconsultation</text>"), 1);
    hand_map_free(&m);

    /* Refused: a kind out of range, a commune outside t, no list. */
    hand_map_make(&m, NULL);
    size_t len = m.svg.len;
    mg_map_site bad = {.commune = 0, .kind = MG_MAP_SITE_KINDS};
    o = hand_opts;
    o.sites = &bad;
    o.nsites = 1;
    assert_int_equal(mg_map_svg(&m.svg, m.g, m.t, hand_values, &m.st, &o), MG_EINVAL);
    bad = (mg_map_site){.commune = HAND_N};
    assert_int_equal(mg_map_svg(&m.svg, m.g, m.t, hand_values, &m.st, &o), MG_EINVAL);
    bad = (mg_map_site){.commune = -1, .x = NAN, .y = 0};
    assert_int_equal(mg_map_svg(&m.svg, m.g, m.t, hand_values, &m.st, &o), MG_EINVAL);
    o.sites = NULL;
    assert_int_equal(mg_map_svg(&m.svg, m.g, m.t, hand_values, &m.st, &o), MG_EINVAL);
    assert_int_equal(m.svg.len, len);
    hand_map_free(&m);
}

/* legend_title, no_data_label and mg_map_style_reverse (issue 13,
 * section 2). */
static void test_legend_options(void **state)
{
    (void)state;
    mg_map_options o = hand_opts;
    o.legend_title = "Temps d’accès (minutes)";
    o.no_data_label = "aucun praticien dans la zone";
    hand_map m;
    hand_map_make(&m, &o);
    const char *s = m.svg.data;
    /* The heading is the legend title, not the unit. */
    assert_has(s, "font-weight=\"bold\">Temps d’accès (minutes)</text>");
    assert_hasnt(s, ">consultations/an/hab.</text>");
    /* Epsilon's title, the legend row and the summary say why. */
    assert_has(s, "<title>Epsilon (11005) : aucun praticien dans la zone</title>");
    assert_has(s, ">aucun praticien dans la zone</text>");
    assert_has(s, " 1 commune : aucun praticien dans la zone.</desc>");
    assert_hasnt(s, "sans donnée");
    hand_map_free(&m);

    /* Reversed: class k gets the colour class n-1-k had; breaks kept;
     * reversing twice gives the style back; a diverging style stays. */
    mg_map_style st = mg_map_style_for(hand_values, hand_list, HAND_LIST_N, 2.5, false);
    mg_map_style rv = st;
    mg_map_style_reverse(&rv);
    assert_int_equal(rv.nclasses, st.nclasses);
    for (size_t k = 0; k < st.nclasses; k++)
        assert_string_equal(rv.colors[k], st.colors[st.nclasses - 1 - k]);
    for (size_t k = 0; k + 1 < st.nclasses; k++)
        assert_true(rv.breaks[k] == st.breaks[k]);
    assert_string_equal(rv.colors[0], "#4575b4");
    mg_map_style twice = rv;
    mg_map_style_reverse(&twice);
    for (size_t k = 0; k < st.nclasses; k++)
        assert_string_equal(twice.colors[k], st.colors[k]);
    mg_map_style dv = mg_map_style_for(hand_values, hand_list, HAND_LIST_N, NAN, true);
    mg_map_style dv2 = dv;
    mg_map_style_reverse(&dv2);
    for (size_t k = 0; k < dv.nclasses; k++)
        assert_string_equal(dv2.colors[k], dv.colors[k]);
    mg_map_style_reverse(NULL);

    /* On the map: Alpha (1, the lowest class) in the highest class's
     * blue, Delta (5, class 4 of 6) in the colour of class 1. */
    mg_territory *t = hand_territory();
    mg_map_geometry *g;
    mg_diag d = {0};
    if (mg_map_geometry_build(&g, t, hand_list, HAND_LIST_N, 0, &d))
        fail_msg("geometry: %s", d.msg);
    mg_buf b;
    mg_buf_init(&b, 1u << 20);
    assert_int_equal(mg_map_svg(&b, g, t, hand_values, &rv, &hand_opts), MG_OK);
    char el[8192], fill[32];
    path_of(b.data, "11001", el, sizeof el);
    attr_of(el, "fill", fill, sizeof fill);
    assert_string_equal(fill, "#4575b4");
    path_of(b.data, "11004", el, sizeof el);
    attr_of(el, "fill", fill, sizeof fill);
    assert_string_equal(fill, st.colors[1]);
    /* The legend's top row (the highest class) is now red. */
    const char *legend_rows = strstr(b.data, "rx=\"4\"");
    assert_non_null(legend_rows);
    next_el(legend_rows, "<rect x=\"", el, sizeof el);
    attr_of(el, "fill", fill, sizeof fill);
    assert_string_equal(fill, "#d73027");
    mg_buf_free(&b);
    mg_map_geometry_free(g);
    mg_territory_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project_known),
        cmocka_unit_test(test_project_errors),
        cmocka_unit_test(test_project_threads),
        cmocka_unit_test(test_svg_structure),
        cmocka_unit_test(test_svg_links_highlight),
        cmocka_unit_test(test_svg_errors),
        cmocka_unit_test(test_simplify),
        cmocka_unit_test(test_styles),
        cmocka_unit_test(test_png),
        cmocka_unit_test(test_png_errors),
        cmocka_unit_test(test_threads_share_geometry),
        cmocka_unit_test(test_chart),
        cmocka_unit_test(test_svg_focus),
        cmocka_unit_test(test_png_focus),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_epci_borders),
        cmocka_unit_test(test_scale_bar_source),
        cmocka_unit_test(test_source_wrapped),
        cmocka_unit_test(test_sites),
        cmocka_unit_test(test_legend_options),
        cmocka_unit_test(test_aude),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
