/*
 * Tests of io/jsonstream: arrays and FeatureCollections, element positions,
 * every kind of malformed document with the message it must produce
 * (positions translated from jansson's element-relative ones), the depth and
 * size bounds, callback errors, streaming across chunks (through a gzip
 * file), and, when present, the real data files of ../shared/data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/limits.h"
#include "io/jsonstream.h"
#include "testutil.h"

/* The shared data sit next to the project (README: ../shared/data). */
#ifdef MG_SOURCE_DIR
#define MG_SHARED_DATA MG_SOURCE_DIR "/../shared/data"
#else
#define MG_SHARED_DATA "../shared/data"
#endif

/* What the callback saw. */
typedef struct seen {
    size_t n;
    json_type types[16];
    unsigned long lines[16], cols[16];
    long long sum;          /* of integer members "v" */
    size_t fail_at;         /* when n reaches this, fail (0: never) */
    bool fail_silently;     /* fail without a message */
} seen;

static int on_elem(void *ctx, json_t *elem, unsigned long line, unsigned long col, mg_diag *d)
{
    seen *s = ctx;
    if (s->n < 16) {
        s->types[s->n] = json_typeof(elem);
        s->lines[s->n] = line;
        s->cols[s->n] = col;
    }
    s->n++;
    json_t *v = json_is_object(elem) ? json_object_get(elem, "v") : NULL;
    if (json_is_integer(v))
        s->sum += json_integer_value(v);
    if (s->fail_at && s->n == s->fail_at) {
        if (s->fail_silently)
            return MG_EINVAL;
        return mg_diag_set(d, MG_ENOTFOUND, "t.json", line, col, "unknown commune code");
    }
    return 0;
}

/* Streams len bytes of text (strlen when 0) named "t.json". */
static int run(const char *text, size_t len, const char *key, seen *s, mg_diag *d)
{
    mg_reader *r;
    memset(s, 0, sizeof *s);
    mg_diag_clear(d);
    assert_int_equal(mg_reader_open_mem(&r, text, len ? len : strlen(text), "t.json"), MG_OK);
    int rc = mg_json_stream_array(r, key, on_elem, s, d);
    mg_reader_close(r);
    return rc;
}

/* Expects error `code` with a message holding each non-NULL part. */
static void expect_error(const char *text, size_t len, const char *key, int code,
                         const char *part1, const char *part2)
{
    seen s;
    mg_diag d;
    int rc = run(text, len, key, &s, &d);
    if (rc != code)
        fail_msg("expected %d, got %d (%s) for %s", code, rc, d.msg, text);
    if (part1)
        assert_msg_has(d, part1);
    if (part2)
        assert_msg_has(d, part2);
}

static void test_array(void **state)
{
    (void)state;
    seen s;
    mg_diag d;
    const char *text = "[\n"
                       "{\"code\":\"01001\",\"nom\":\"L'Abergement-Clémenciat\",\"v\":860},\n"
                       "  {\"code\":\"01002\",\"v\":1,\"codesPostaux\":[\"01640\"]} ,\n"
                       "{\"v\": 2}]";
    assert_int_equal(run(text, 0, NULL, &s, &d), MG_OK);
    assert_string_equal(d.msg, "");
    assert_int_equal(s.n, 3);
    assert_int_equal(s.sum, 863);
    assert_int_equal(s.lines[0], 2);
    assert_int_equal(s.cols[0], 1);
    assert_int_equal(s.lines[1], 3);
    assert_int_equal(s.cols[1], 3);
    assert_int_equal(s.lines[2], 4);
}

static void test_empty_arrays(void **state)
{
    (void)state;
    seen s;
    mg_diag d;
    static const char *const texts[] = {"[]", " \r\n\t[ \n ] \n\n", "\xef\xbb\xbf[]"};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        assert_int_equal(run(texts[k], 0, NULL, &s, &d), MG_OK);
        assert_int_equal(s.n, 0);
    }
    assert_int_equal(run("{\"type\":\"FeatureCollection\",\"features\":[]}", 0, "features",
                         &s, &d),
                     MG_OK);
    assert_int_equal(s.n, 0);
}

static void test_scalars_and_nesting(void **state)
{
    (void)state;
    seen s;
    mg_diag d;
    /* Brackets and quotes inside strings do not confuse the scanner. */
    const char *text = "[1, -2.5e3, \"a]\\\"}[{\", null, true, false, [2, [3]], {\"k\": \"]\"},"
                       "\"\\\\\", \"\\u00e9\"]";
    assert_int_equal(run(text, 0, NULL, &s, &d), MG_OK);
    assert_int_equal(s.n, 10);
    assert_int_equal(s.types[0], JSON_INTEGER);
    assert_int_equal(s.types[1], JSON_REAL);
    assert_int_equal(s.types[2], JSON_STRING);
    assert_int_equal(s.types[3], JSON_NULL);
    assert_int_equal(s.types[4], JSON_TRUE);
    assert_int_equal(s.types[5], JSON_FALSE);
    assert_int_equal(s.types[6], JSON_ARRAY);
    assert_int_equal(s.types[7], JSON_OBJECT);
    assert_int_equal(s.types[8], JSON_STRING);
    assert_int_equal(s.types[9], JSON_STRING);
}

static void test_feature_collection(void **state)
{
    (void)state;
    seen s;
    mg_diag d;
    /* Members before and after "features" are skipped, whatever their type. */
    const char *text =
        "{\"type\":\"FeatureCollection\",\n"
        " \"crs\": {\"type\": \"name\", \"properties\": {\"name\": \"urn:ogc:def:crs:OGC:1.3:CRS84\"}},\n"
        " \"bbox\": [1.7, 42.6, 3.2, 43.5], \"n\": 2, \"ok\": true, \"x\": null, \"s\": \"[{\",\n"
        " \"features\": [\n"
        "  {\"type\":\"Feature\",\"properties\":{\"code\":\"11001\"},\"v\":5,\n"
        "   \"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[2.34,43.26],[2.33,43.26],[2.34,43.27],[2.34,43.26]]]}},\n"
        "  {\"type\":\"Feature\",\"properties\":{\"code\":\"11002\"},\"v\":6,\"geometry\":null}\n"
        " ],\n"
        " \"after\": {\"features\": 1}\n"
        "}\n";
    assert_int_equal(run(text, 0, "features", &s, &d), MG_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.sum, 11);
    assert_int_equal(s.lines[0], 5);
    assert_int_equal(s.cols[0], 3);
    assert_int_equal(s.lines[1], 7);

    /* The member name is compared decoded. */
    assert_int_equal(run("{\"\\u0066eatures\": [1, 2]}", 0, "features", &s, &d), MG_OK);
    assert_int_equal(s.n, 2);
    /* Another top-level key works the same way. */
    assert_int_equal(run("{\"features\": 3, \"items\": [{}, {}, {}]}", 0, "items", &s, &d),
                     MG_OK);
    assert_int_equal(s.n, 3);
}

static void test_wrong_top_level(void **state)
{
    (void)state;
    expect_error("{\"a\": 1}", 0, NULL, MG_EPARSE, "t.json:1:1: expected a JSON array",
                 "found an object");
    expect_error("\n  \"text\"", 0, NULL, MG_EPARSE, "t.json:2:3: expected a JSON array",
                 "found a string");
    expect_error("42", 0, NULL, MG_EPARSE, "expected a JSON array, found a number", NULL);
    expect_error("[1]", 0, "features", MG_EPARSE,
                 "t.json:1:1: expected an object with member \"features\"", "found an array");
    expect_error("{\"type\":\"Feature\",\"geometry\":null}", 0, "features", MG_EPARSE,
                 "t.json:1:1: expected an object with member \"features\"", "no such member");
    expect_error("{}", 0, "features", MG_EPARSE, "expected an object with member \"features\"",
                 NULL);
    expect_error("{\"features\": {\"a\": 1}}", 0, "features", MG_EPARSE,
                 "t.json:1:14: expected an array as member \"features\"", "found an object");
    expect_error("{\"features\": [], \"features\": []}", 0, "features", MG_EPARSE,
                 "t.json:1:30:", "appears twice");
}

static void test_empty_input(void **state)
{
    (void)state;
    expect_error("", 0, NULL, MG_EPARSE, "t.json:1:1: empty file", "expected a JSON array");
    expect_error(" \n\n  ", 0, NULL, MG_EPARSE, "t.json:3:3: empty file", NULL);
    expect_error("", 0, "features", MG_EPARSE, "empty file",
                 "expected an object with member \"features\"");
}

static void test_trailing_garbage(void **state)
{
    (void)state;
    expect_error("[1, 2]\n x", 0, NULL, MG_EPARSE, "t.json:2:2: unexpected data after the end",
                 "'x'");
    expect_error("[1]]", 0, NULL, MG_EPARSE, "t.json:1:4: unexpected data after the end", NULL);
    expect_error("[1][2]", 0, NULL, MG_EPARSE, "unexpected data after the end", NULL);
    expect_error("{\"features\": []} {}", 0, "features", MG_EPARSE,
                 "t.json:1:18: unexpected data", NULL);
}

static void test_truncated(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "[",
        "[\n{\"a\": 1},\n{\"b\": ",
        "[1, 2",
        "[1, 2,",
        "[\"abc",
        "[{\"a\": \"x\\",
        "[[[",
        "[{}",
        "{\"type\": \"FeatureCollection\", \"features\": [{\"a\": 1}",
        "{\"type\": \"FeatureCollection\"",
        "{\"type\": ",
        "{\"type\"",
        "{",
        "{\"features\": [], ",
        "{\"crs\": {\"a\": [1, ",
    };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        const char *key = texts[k][0] == '{' ? "features" : NULL;
        expect_error(texts[k], 0, key, MG_EPARSE, "unexpected end of file (truncated?)", "t.json:");
    }
    /* The position is the end of the file, the context the open element. */
    expect_error("[\n{\"a\": 1},\n{\"b\": ", 0, NULL, MG_EPARSE,
                 "t.json:3:7: unexpected end of file (truncated?)", "array element 2");
}

static void test_jansson_errors(void **state)
{
    (void)state;
    /* Jansson's position inside the element becomes a file position. */
    expect_error("[\n {\"a\": 1},\n {\"b\": tru}\n]", 0, NULL, MG_EPARSE,
                 "t.json:3:10: invalid JSON in array element 2", "jansson: invalid token");
    /* An element spanning lines: the column restarts on each line. */
    expect_error("[{\"a\":\n\n  [1, 2,\n   3 4]}]", 0, NULL, MG_EPARSE, "t.json:4:6:",
                 "']' expected");
    /* Grammar faults the scanner leaves to jansson. */
    expect_error("[{\"a\" 1}]", 0, NULL, MG_EPARSE, "t.json:1:7:", "':' expected");
    expect_error("[{\"a\": 1]]", 0, NULL, MG_EPARSE, "t.json:1:", "array element 1");
    expect_error("[\"a\\qb\"]", 0, NULL, MG_EPARSE, "t.json:1:", "invalid escape");
    expect_error("[\"a\nb\"]", 0, NULL, MG_EPARSE, "t.json:", "jansson:");
    expect_error("[nul]", 0, NULL, MG_EPARSE, "t.json:1:", "invalid token");
    expect_error("[1 2]", 0, NULL, MG_EPARSE, "t.json:1:4: expected ',' or ']' after array element 1",
                 "found '2'");
    expect_error("[1,]", 0, NULL, MG_EPARSE, "t.json:1:4: expected an array element after ','",
                 NULL);
    expect_error("[,1]", 0, NULL, MG_EPARSE, "t.json:1:2: expected an array element", NULL);
    expect_error("[1}", 0, NULL, MG_EPARSE, "expected ',' or ']'", NULL);
    expect_error("[\"\\u0000\"]", 0, NULL, MG_EPARSE, "t.json:1:", "jansson:");
    /* Skipped members are syntax-checked too. */
    expect_error("{\"type\": tru, \"features\": []}", 0, "features", MG_EPARSE, "t.json:1:",
                 "member \"type\"");
    expect_error("{\"type\" \"x\", \"features\": []}", 0, "features", MG_EPARSE,
                 "t.json:1:9: expected ':' after the member name \"type\"", NULL);
    expect_error("{type: 1}", 0, "features", MG_EPARSE, "t.json:1:2: expected a member name",
                 NULL);
    expect_error("{\"a\": 1,}", 0, "features", MG_EPARSE, "expected a member name after ','",
                 NULL);
    expect_error("{\"a\": 1 \"b\": 2}", 0, "features", MG_EPARSE, "t.json:1:9: expected ',' or '}'",
                 NULL);
    expect_error("{\"a\": }", 0, "features", MG_EPARSE, "expected a value for member \"a\"", NULL);
}

static void test_depth_limit(void **state)
{
    (void)state;
    char text[2 * MG_MAX_JSON_DEPTH + 16];
    seen s;
    mg_diag d;
    /* MG_MAX_JSON_DEPTH levels inside the element are accepted… */
    size_t k = 0;
    text[k++] = '[';
    for (unsigned i = 0; i < MG_MAX_JSON_DEPTH; i++)
        text[k++] = '[';
    for (unsigned i = 0; i < MG_MAX_JSON_DEPTH; i++)
        text[k++] = ']';
    text[k++] = ']';
    text[k] = '\0';
    assert_int_equal(run(text, 0, NULL, &s, &d), MG_OK);
    assert_int_equal(s.n, 1);

    /* …one more is not, at the bracket that goes too deep. */
    k = 0;
    text[k++] = '[';
    for (unsigned i = 0; i < MG_MAX_JSON_DEPTH + 1; i++)
        text[k++] = i % 2 ? '[' : '{';
    text[k] = '\0';
    char where[32];
    snprintf(where, sizeof where, "t.json:1:%u:", MG_MAX_JSON_DEPTH + 2);
    expect_error(text, 0, NULL, MG_ELIMIT, where, "MG_MAX_JSON_DEPTH");

    /* Brackets inside strings do not count. */
    char deep[MG_MAX_JSON_DEPTH * 2 + 16];
    k = 0;
    deep[k++] = '[';
    deep[k++] = '"';
    for (unsigned i = 0; i < MG_MAX_JSON_DEPTH * 2; i++)
        deep[k++] = '[';
    deep[k++] = '"';
    deep[k++] = ']';
    deep[k] = '\0';
    assert_int_equal(run(deep, 0, NULL, &s, &d), MG_OK);
}

static void test_element_limit(void **state)
{
    (void)state;
    /* A single string element one byte over MG_MAX_JSON_ELEMENT_BYTES. */
    size_t n = MG_MAX_JSON_ELEMENT_BYTES + 1;
    char *text = malloc(n + 8);
    assert_non_null(text);
    text[0] = '[';
    text[1] = '\n';
    text[2] = ' ';
    text[3] = '"';
    memset(text + 4, 'a', n - 2);
    text[n + 2] = '"';
    text[n + 3] = ']';
    expect_error(text, n + 4, NULL, MG_ELIMIT, "t.json:2:2: array element 1 is larger than",
                 "MG_MAX_JSON_ELEMENT_BYTES");
    /* Exactly at the bound it is accepted. */
    text[n + 1] = '"';
    text[n + 2] = ']';
    seen s;
    mg_diag d;
    assert_int_equal(run(text, n + 3, NULL, &s, &d), MG_OK);
    assert_int_equal(s.n, 1);
    free(text);
}

static void test_bad_bytes(void **state)
{
    (void)state;
    expect_error("[{\"nom\": \"Ari\xe8ge\"}]", 0, NULL, MG_EUTF8, "t.json:1:14: invalid UTF-8",
                 "iconv");
    expect_error("[\"\xed\xa0\x80\"]", 0, NULL, MG_EUTF8, "t.json:1:3:", "surrogate");
    expect_error("[\"\xc0\xaf\"]", 0, NULL, MG_EUTF8, "t.json:1:3:", "overlong");
    expect_error("[\"\xf4\x90\x80\x80\"]", 0, NULL, MG_EUTF8, "t.json:1:3:", "U+10FFFF");
    expect_error("[\"\xe2\x82", 0, NULL, MG_EUTF8, "t.json:1:3:", "ends inside");
    expect_error("\xff\xfe[\0]\0", 6, NULL, MG_EUTF8, "UTF-16", NULL);
    static const char nul[] = "[{\"a\": \"x\0y\"}]";
    expect_error(nul, sizeof nul - 1, NULL, MG_EPARSE, "t.json:1:10: NUL byte", NULL);
}

static void test_callback_error(void **state)
{
    (void)state;
    seen s;
    mg_diag d;
    memset(&s, 0, sizeof s);
    mg_diag_clear(&d);
    mg_reader *r;
    const char *text = "[{\"v\":1},\n {\"v\":2},\n {\"v\":3}]";
    assert_int_equal(mg_reader_open_mem(&r, text, strlen(text), "t.json"), MG_OK);
    s.fail_at = 2;
    assert_int_equal(mg_json_stream_array(r, NULL, on_elem, &s, &d), MG_ENOTFOUND);
    mg_reader_close(r);
    assert_int_equal(s.n, 2);
    /* The callback's own message survives. */
    assert_string_equal(d.msg, "t.json:2:2: unknown commune code");

    /* A callback that fails without a message still gets one. */
    memset(&s, 0, sizeof s);
    mg_diag_clear(&d);
    assert_int_equal(mg_reader_open_mem(&r, text, strlen(text), "t.json"), MG_OK);
    s.fail_at = 3;
    s.fail_silently = true;
    assert_int_equal(mg_json_stream_array(r, NULL, on_elem, &s, &d), MG_EINVAL);
    mg_reader_close(r);
    assert_msg_has(d, "t.json:3:2: array element 3");

    /* No callback: the document is only checked. */
    mg_diag_clear(&d);
    assert_int_equal(mg_reader_open_mem(&r, text, strlen(text), "t.json"), MG_OK);
    assert_int_equal(mg_json_stream_array(r, NULL, NULL, NULL, &d), MG_OK);
    mg_reader_close(r);
}

static void test_crlf_positions(void **state)
{
    (void)state;
    seen s;
    mg_diag d;
    assert_int_equal(run("[\r\n  {\"v\":1},\r\n  {\"v\":2}\r\n]\r\n", 0, NULL, &s, &d), MG_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.lines[1], 3);
    assert_int_equal(s.cols[1], 3);
    expect_error("[\r\n  {\"v\":1},\r\n  {\"v\":x}\r\n]\r\n", 0, NULL, MG_EPARSE, "t.json:3:",
                 "invalid token");
}

/* Writes a gzip FeatureCollection many times larger than the 64 KiB chunk
 * and streams it back from the file. */
static void test_streaming_gzip(void **state)
{
    (void)state;
    char dir[] = "/tmp/mg-test-json-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/big.geojson.gz", dir);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    gzprintf(gz, "{\"type\":\"FeatureCollection\",\"features\":[\n");
    const unsigned n = 5000;
    long long want = 0;
    for (unsigned i = 0; i < n; i++) {
        gzprintf(gz, "%s{\"type\":\"Feature\",\"v\":%u,\"properties\":{\"nom\":\"Commune \\\"%u\\\" é\"},"
                     "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[",
                 i ? ",\n" : "", i, i);
        for (unsigned p = 0; p < 20; p++)
            gzprintf(gz, "%s[%u.%05u,43.%05u]", p ? "," : "", 2 + p % 2, (i * 7 + p) % 100000,
                     (i * 13 + p) % 100000);
        gzprintf(gz, "]]}}");
        want += i;
    }
    gzprintf(gz, "\n]}\n");
    assert_int_equal(gzclose(gz), Z_OK);

    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r;
    seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(mg_reader_open(&r, path, &d), MG_OK);
    assert_int_equal(mg_json_stream_array(r, "features", on_elem, &s, &d), MG_OK);
    mg_reader_close(r);
    assert_int_equal(s.n, n);
    assert_int_equal(s.sum, want);
    assert_int_equal(s.lines[15], 17);
    assert_int_equal(s.cols[15], 1);
    unlink(path);
    rmdir(dir);
}

/* Counts the elements of a real file; -1 when absent. */
static long count_real(const char *path, const char *key)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r;
    seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(mg_reader_open(&r, path, &d), MG_OK);
    int rc = mg_json_stream_array(r, key, on_elem, &s, &d);
    mg_reader_close(r);
    if (rc != MG_OK)
        fail_msg("%s", d.msg);
    return (long)s.n;
}

static void test_real_data(void **state)
{
    (void)state;
    struct stat st;
    if (stat(MG_SHARED_DATA "/france/decoupage-administratif-6.0.0/communes.json", &st) != 0 &&
        stat(MG_SHARED_DATA "/territories/11-aude/communes.geojson", &st) != 0)
        skip();
    long n = count_real(MG_SHARED_DATA "/france/decoupage-administratif-6.0.0/communes.json", NULL);
    if (n >= 0)
        assert_int_equal(n, 37590);
    n = count_real(MG_SHARED_DATA "/france/decoupage-administratif-6.0.0/epci.json", NULL);
    if (n >= 0)
        assert_int_equal(n, 1255);
    n = count_real(MG_SHARED_DATA "/territories/11-aude/communes.geojson", "features");
    if (n >= 0)
        assert_int_equal(n, 436);
}

/* Prints what a callback reads of a value, the same way for either parse. */
static void describe(mg_jval v, char *out, size_t cap)
{
    size_t n = strlen(out);
    if (mg_jval_absent(v))
        snprintf(out + n, cap - n, "-");
    else if (mg_jval_is_null(v))
        snprintf(out + n, cap - n, "N");
    else if (mg_jval_is_string(v))
        snprintf(out + n, cap - n, "s(%s)", mg_jval_string(v));
    else if (mg_jval_is_number(v))
        snprintf(out + n, cap - n, "n(%.17g)", mg_jval_number(v));
    else if (mg_jval_is_array(v)) {
        snprintf(out + n, cap - n, "[");
        for (mg_jval e = mg_jval_first(v); !mg_jval_absent(e); e = mg_jval_next(e)) {
            describe(e, out, cap);
            n = strlen(out);
            snprintf(out + n, cap - n, ",");
        }
        n = strlen(out);
        snprintf(out + n, cap - n, "]");
    } else if (mg_jval_is_object(v)) {
        static const char *const keys[] = {"a", "b", "c", "code", ""};
        snprintf(out + n, cap - n, "{");
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            describe(mg_jval_get(v, keys[k]), out, cap);
        n = strlen(out);
        snprintf(out + n, cap - n, "}");
    } else {
        snprintf(out + n, cap - n, "?");
    }
}

typedef struct vseen {
    char text[4096];
    unsigned long pos[16];
    int n;
} vseen;

static int see_value(void *ctx, mg_jval e, unsigned long line, unsigned long col, mg_diag *d)
{
    (void)d;
    vseen *s = ctx;
    describe(e, s->text, sizeof s->text);
    size_t used = strlen(s->text);
    snprintf(s->text + used, sizeof s->text - used, ";");
    s->pos[s->n++ % 16] = line * 1000 + col;
    return 0;
}

static int see_json(void *ctx, json_t *e, unsigned long line, unsigned long col, mg_diag *d)
{
    mg_jval v = {.j = e};
    return see_value(ctx, v, line, col, d);
}

/* mg_json_stream_values reads every element as jansson does: the fast
 * parse (plain strings, integers, nesting, repeated keys: the last wins)
 * and the elements it leaves to jansson (escapes, fractions, exponents) */
static void test_values_same_as_jansson(void **state)
{
    (void)state;
    const char *doc =
        "[{\"a\":1,\"b\":\"x\",\"c\":[1,[2,3],{\"a\":null}],\"code\":\"11001\",\"\":true},\n"
        " {\"a\":1,\"a\":-25,\"b\":\"\xc3\xa9t\xc3\xa9\",\"c\":[],\"code\":{}},\n"
        " {\"a\":1.5,\"b\":\"q\\\"uote\",\"c\":[1e3,-0,0]},\n"
        " {\"a\":123456789012345678,\"c\":[[],[[]],{}],\"b\":false},\n"
        " \"lone\", 42, null, [1,{\"a\":2},3], {}]";
    vseen fast = {0}, slow = {0};
    mg_reader *r;
    mg_diag d = {{0}};
    assert_int_equal(mg_reader_open_mem(&r, doc, strlen(doc), "t.json"), MG_OK);
    assert_int_equal(mg_json_stream_values(r, NULL, see_value, &fast, &d), MG_OK);
    mg_reader_close(r);
    assert_int_equal(mg_reader_open_mem(&r, doc, strlen(doc), "t.json"), MG_OK);
    assert_int_equal(mg_json_stream_array(r, NULL, see_json, &slow, &d), MG_OK);
    mg_reader_close(r);
    assert_string_equal(fast.text, slow.text);
    assert_int_equal(fast.n, slow.n);
    assert_memory_equal(fast.pos, slow.pos, sizeof fast.pos);
    assert_non_null(strstr(fast.text, "{n(-25)s(été)[]{-----}-}"));

    /* What jansson refuses is refused with jansson's message. */
    const char *bad[] = {"[{\"a\":01}]", "[{\"a\":1,}]", "[{\"a\" 1}]", "[[1 2]]", "[tru]",
                         "[{\"a\":99999999999999999999}]", "[{\"a\":\"\x01\"}]", "[{\"a\":-}]"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        mg_diag d1 = {{0}}, d2 = {{0}};
        vseen a = {0}, b = {0};
        assert_int_equal(mg_reader_open_mem(&r, bad[k], strlen(bad[k]), "t.json"), MG_OK);
        int rc1 = mg_json_stream_values(r, NULL, see_value, &a, &d1);
        mg_reader_close(r);
        assert_int_equal(mg_reader_open_mem(&r, bad[k], strlen(bad[k]), "t.json"), MG_OK);
        int rc2 = mg_json_stream_array(r, NULL, see_json, &b, &d2);
        mg_reader_close(r);
        assert_int_equal(rc1, rc2);
        assert_true(rc1 < 0);
        assert_string_equal(d1.msg, d2.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array),
        cmocka_unit_test(test_empty_arrays),
        cmocka_unit_test(test_scalars_and_nesting),
        cmocka_unit_test(test_feature_collection),
        cmocka_unit_test(test_wrong_top_level),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_jansson_errors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_element_limit),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_callback_error),
        cmocka_unit_test(test_crlf_positions),
        cmocka_unit_test(test_streaming_gzip),
        cmocka_unit_test(test_real_data),
        cmocka_unit_test(test_values_same_as_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
