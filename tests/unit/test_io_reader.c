/*
 * Tests of io/reader: plain, gzip and memory sources, the decompressed-size
 * bound, truncated and corrupt gzip data, data-file lookup and the UTF-8
 * validator. Files are written under a fresh mkdtemp folder; gzip data is
 * produced with zlib here so no binary fixture is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/limits.h"
#include "io/reader.h"

/* The shared data sit next to the project (README: ../shared/data). */
#ifdef MG_SOURCE_DIR
#define MG_SHARED_DATA MG_SOURCE_DIR "/../shared/data"
#else
#define MG_SHARED_DATA "../shared/data"
#endif

TEST_TMPDIR_FIXTURE("reader")

/* tmpdir/rel into buf. */
static const char *tmp_path(char *buf, size_t cap, const char *rel)
{
    int n = snprintf(buf, cap, "%s/%s", tmpdir, rel);
    assert_true(n > 0 && (size_t)n < cap);
    return buf;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_gzip(const char *path, const void *data, size_t len)
{
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
    assert_int_equal(gzclose(gz), Z_OK);
}

static void *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Reads everything in chunks of `chunk` bytes. Returns the last code (0 at a
 * clean end) and the bytes read in *out (malloc'ed). */
static ssize_t slurp(mg_reader *r, size_t chunk, char **out, size_t *len, mg_diag *d)
{
    size_t cap = 1024, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    ssize_t got;
    for (;;) {
        if (n + chunk > cap) {
            while (n + chunk > cap)
                cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        got = mg_reader_read(r, buf + n, chunk, d);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    *out = buf;
    *len = n;
    return got;
}

/* A deterministic, poorly compressible text of n bytes. */
static char *make_text(size_t n)
{
    char *t = malloc(n);
    assert_non_null(t);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        t[i] = (char)('a' + (x >> 16) % 26);
        if (i % 61 == 60)
            t[i] = '\n';
    }
    return t;
}

static void test_open_missing(void **state)
{
    (void)state;
    char p[512];
    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r = (mg_reader *)1;
    int rc = mg_reader_open(&r, tmp_path(p, sizeof p, "nope.csv"), &d);
    assert_int_equal(rc, MG_ENOTFOUND);
    assert_null(r);
    assert_msg_has(d, p);
    assert_msg_has(d, "cannot open file");

    mg_diag_clear(&d);
    assert_int_equal(mg_reader_open(&r, "", &d), MG_EINVAL);
    assert_true(d.msg[0] != '\0');
}

static void test_open_directory(void **state)
{
    (void)state;
    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r = NULL;
    assert_int_equal(mg_reader_open(&r, tmpdir, &d), MG_EIO);
    assert_null(r);
    assert_msg_has(d, tmpdir);
    assert_msg_has(d, "folder");
}

static void test_plain_file(void **state)
{
    (void)state;
    char p[512];
    const size_t n = 200000;
    char *text = make_text(n);
    write_file(tmp_path(p, sizeof p, "plain.txt"), text, n);
    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r = NULL;
    assert_int_equal(mg_reader_open(&r, p, &d), MG_OK);
    assert_string_equal(mg_reader_name(r), p);
    char *got;
    size_t len;
    assert_int_equal(slurp(r, 777, &got, &len, &d), 0);
    assert_int_equal(len, n);
    assert_memory_equal(got, text, n);
    /* Reading again at the end keeps returning 0. */
    char one;
    assert_int_equal(mg_reader_read(r, &one, 1, &d), 0);
    assert_string_equal(d.msg, "");
    mg_reader_close(r);
    free(got);
    free(text);
}

static void test_empty_file(void **state)
{
    (void)state;
    char p[512];
    write_file(tmp_path(p, sizeof p, "empty.txt"), "", 0);
    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r = NULL;
    assert_int_equal(mg_reader_open(&r, p, &d), MG_OK);
    char buf[16];
    assert_int_equal(mg_reader_read(r, buf, sizeof buf, &d), 0);
    mg_reader_close(r);
}

static void test_gzip_file_any_name(void **state)
{
    (void)state;
    char p[512];
    const size_t n = 300000;
    char *text = make_text(n);
    /* No .gz suffix: gzip is recognised from the magic bytes. */
    write_gzip(tmp_path(p, sizeof p, "data.csv"), text, n);
    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r = NULL;
    assert_int_equal(mg_reader_open(&r, p, &d), MG_OK);
    char *got;
    size_t len;
    assert_int_equal(slurp(r, 4096, &got, &len, &d), 0);
    assert_int_equal(len, n);
    assert_memory_equal(got, text, n);
    mg_reader_close(r);
    free(got);
    free(text);
}

/* Writes a gzip file, then rewrites it cut to `keep` bytes (or with the byte
 * at `flip` inverted when flip < its length) and expects MG_EIO. */
static void expect_broken_gzip(const char *name, size_t keep_from_end_cut, long flip)
{
    char p[512];
    const size_t n = 100000;
    char *text = make_text(n);
    tmp_path(p, sizeof p, name);
    write_gzip(p, text, n);
    size_t glen;
    unsigned char *g = read_whole(p, &glen);
    if (flip >= 0)
        g[flip] ^= 0xFF;
    write_file(p, g, glen - keep_from_end_cut);
    free(g);

    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r = NULL;
    assert_int_equal(mg_reader_open(&r, p, &d), MG_OK);
    char *got;
    size_t len;
    ssize_t rc = slurp(r, 8192, &got, &len, &d);
    assert_int_equal(rc, MG_EIO);
    /* What was delivered before the error is good data (a cut trailer
     * lets all of it through), but the error always comes before the end. */
    assert_true(len <= n);
    assert_msg_has(d, p);
    assert_msg_has(d, "truncated or corrupt gzip data");
    /* Where in the file: the byte offset. */
    assert_msg_has(d, "byte ");
    /* The failure is sticky: the stream never looks clean afterwards. */
    mg_diag d2;
    mg_diag_clear(&d2);
    char one;
    assert_int_equal(mg_reader_read(r, &one, 1, &d2), MG_EIO);
    assert_true(d2.msg[0] != '\0');
    mg_reader_close(r);
    free(got);
    free(text);
}

static void test_gzip_truncated(void **state)
{
    (void)state;
    /* Cut in the middle of the deflate data. */
    expect_broken_gzip("cut-middle.gz", 30000, -1);
    /* Only the 8-byte trailer (CRC and length) is missing. */
    expect_broken_gzip("cut-trailer.gz", 8, -1);
    /* One byte of the trailer missing. */
    expect_broken_gzip("cut-one.gz", 1, -1);
}

static void test_gzip_corrupt(void **state)
{
    (void)state;
    /* Inverting a byte inside the deflate data breaks either the block
     * structure or, at the latest, the CRC check at the end. */
    expect_broken_gzip("flipped.gz", 0, 30);
}

static void test_gzip_bad_crc(void **state)
{
    (void)state;
    char p[512];
    tmp_path(p, sizeof p, "badcrc.gz");
    write_gzip(p, "hello world\n", 12);
    size_t glen;
    unsigned char *g = read_whole(p, &glen);
    g[glen - 8] ^= 0x55; /* first byte of the CRC-32 */
    write_file(p, g, glen);
    free(g);
    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r = NULL;
    assert_int_equal(mg_reader_open(&r, p, &d), MG_OK);
    char *got;
    size_t len;
    assert_int_equal(slurp(r, 64, &got, &len, &d), MG_EIO);
    assert_msg_has(d, "truncated or corrupt gzip data");
    assert_msg_has(d, "check");
    mg_reader_close(r);
    free(got);
}

/* Reads the whole file p; returns the code and leaves the message in d. */
static ssize_t slurp_path(const char *p, char **got, size_t *len, mg_diag *d)
{
    mg_diag_clear(d);
    mg_reader *r = NULL;
    assert_int_equal(mg_reader_open(&r, p, d), MG_OK);
    ssize_t rc = slurp(r, 4096, got, len, d);
    mg_reader_close(r);
    return rc;
}

/* What follows a gzip stream: another member is read on (gzip and pigz
 * write that for concatenated files); anything else is an error giving
 * its byte offset, where zlib's gzread ignored it. */
static void test_gzip_trailing(void **state)
{
    (void)state;
    char p[512], msg[128];
    tmp_path(p, sizeof p, "two.gz");
    write_gzip(p, "hello ", 6);
    size_t l1, l2;
    unsigned char *g1 = read_whole(p, &l1);
    write_gzip(p, "world\n", 6);
    unsigned char *g2 = read_whole(p, &l2);
    unsigned char *both = malloc(l1 + l2 + 16);
    assert_non_null(both);
    memcpy(both, g1, l1);
    memcpy(both + l1, g2, l2);
    write_file(p, both, l1 + l2);
    mg_diag d;
    char *got;
    size_t len;
    assert_int_equal(slurp_path(p, &got, &len, &d), 0);
    assert_int_equal(len, 12);
    assert_memory_equal(got, "hello world\n", 12);
    free(got);

    /* Garbage appended, a single stray byte, zero padding. */
    static const struct { const char *name, *tail; size_t n; } tails[] = {
        {"garbage.gz", "GARBAGE\n", 8}, {"one.gz", "x", 1}, {"zeros.gz", "\0\0\0\0", 4},
        {"magic1.gz", "\x1f", 1}};
    for (size_t k = 0; k < sizeof tails / sizeof *tails; k++) {
        tmp_path(p, sizeof p, tails[k].name);
        memcpy(both + l1, tails[k].tail, tails[k].n);
        write_file(p, both, l1 + tails[k].n);
        assert_int_equal(slurp_path(p, &got, &len, &d), MG_EIO);
        snprintf(msg, sizeof msg,
                 ": unexpected data after the end of the gzip stream, at byte %zu of the file: "
                 "expected the end of the file or another gzip member", l1);
        assert_msg_has(d, p);
        assert_msg_has(d, msg);
        free(got);
    }

    /* A cut stream says where the file ends. */
    tmp_path(p, sizeof p, "cut.gz");
    write_file(p, both, l1 - 3);
    assert_int_equal(slurp_path(p, &got, &len, &d), MG_EIO);
    snprintf(msg, sizeof msg,
             ": truncated or corrupt gzip data: the file ends at byte %zu inside the compressed "
             "stream", l1 - 3);
    assert_msg_has(d, msg);
    free(got);
    /* A broken block header: the byte where inflate stopped. */
    tmp_path(p, sizeof p, "badblock.gz");
    memcpy(both, g1, l1);
    both[10] = 0xFF; /* first deflate byte: BFINAL 1, BTYPE 3 (reserved) */
    write_file(p, both, l1);
    assert_int_equal(slurp_path(p, &got, &len, &d), MG_EIO);
    assert_msg_has(d, ": truncated or corrupt gzip data at byte 11 of the file (invalid block type)");
    free(got);
    free(both);
    free(g1);
    free(g2);
}

static void test_memory_reader(void **state)
{
    (void)state;
    const char text[] = "abcdefghij";
    mg_reader *r = NULL;
    assert_int_equal(mg_reader_open_mem(&r, text, 10, "mem.csv"), MG_OK);
    assert_string_equal(mg_reader_name(r), "mem.csv");
    mg_diag d;
    mg_diag_clear(&d);
    char buf[4];
    assert_int_equal(mg_reader_read(r, buf, 4, &d), 4);
    assert_memory_equal(buf, "abcd", 4);
    assert_int_equal(mg_reader_read(r, buf, 4, &d), 4);
    assert_int_equal(mg_reader_read(r, buf, 4, &d), 2);
    assert_memory_equal(buf, "ij", 2);
    assert_int_equal(mg_reader_read(r, buf, 4, &d), 0);
    mg_reader_close(r);

    /* Unnamed and empty readers. */
    assert_int_equal(mg_reader_open_mem(&r, NULL, 0, NULL), MG_OK);
    assert_non_null(mg_reader_name(r));
    assert_int_equal(mg_reader_read(r, buf, 4, &d), 0);
    mg_reader_close(r);

    assert_int_equal(mg_reader_open_mem(&r, NULL, 3, "x"), MG_EINVAL);
    assert_null(r);
    mg_reader_close(NULL);
}

static void test_limit_memory(void **state)
{
    (void)state;
    char text[101];
    memset(text, 'x', sizeof text);
    mg_reader *r = NULL;
    mg_diag d;
    char *got;
    size_t len;

    /* Exactly at the limit is accepted. */
    mg_diag_clear(&d);
    assert_int_equal(mg_reader_open_mem(&r, text, 100, "at-limit"), MG_OK);
    mg_reader_set_limit(r, 100);
    assert_int_equal(slurp(r, 7, &got, &len, &d), 0);
    assert_int_equal(len, 100);
    free(got);
    mg_reader_close(r);

    /* One byte more is refused. */
    mg_diag_clear(&d);
    assert_int_equal(mg_reader_open_mem(&r, text, 101, "over-limit"), MG_OK);
    mg_reader_set_limit(r, 100);
    assert_int_equal(slurp(r, 7, &got, &len, &d), MG_ELIMIT);
    assert_true(len <= 100);
    assert_msg_has(d, "over-limit");
    assert_msg_has(d, "MG_MAX_FILE_BYTES");
    free(got);
    mg_reader_close(r);
}

static void test_limit_gzip(void **state)
{
    (void)state;
    /* A small "bomb": 4 MiB of zeros compress to a few KiB; the bound
     * applies to the decompressed size. */
    char p[512];
    const size_t n = 4u << 20;
    char *zeros = calloc(n, 1);
    assert_non_null(zeros);
    write_gzip(tmp_path(p, sizeof p, "bomb.gz"), zeros, n);
    free(zeros);
    mg_diag d;
    mg_diag_clear(&d);
    mg_reader *r = NULL;
    assert_int_equal(mg_reader_open(&r, p, &d), MG_OK);
    mg_reader_set_limit(r, 1u << 20);
    char *got;
    size_t len;
    assert_int_equal(slurp(r, 65536, &got, &len, &d), MG_ELIMIT);
    assert_true(len <= (1u << 20));
    assert_msg_has(d, "bomb.gz");
    assert_msg_has(d, "1048576");
    free(got);
    mg_reader_close(r);

    /* A limit above MG_MAX_FILE_BYTES is clamped, not raised. */
    assert_int_equal(mg_reader_open_mem(&r, "x", 1, "m"), MG_OK);
    mg_reader_set_limit(r, ~0ull);
    char b;
    assert_int_equal(mg_reader_read(r, &b, 1, &d), 1);
    mg_reader_close(r);
}

static void test_find_data_file(void **state)
{
    (void)state;
    char p[512], root[256];
    tmp_path(root, sizeof root, "data");
    assert_int_equal(mkdir(root, 0700), 0);
    snprintf(p, sizeof p, "%s/direct.csv", root);
    write_file(p, "a\n", 2);
    snprintf(p, sizeof p, "%s/zipped.csv.gz", root);
    write_gzip(p, "a\n", 2);
    /* Two sub-folders hold the same name: the first by name wins. */
    snprintf(p, sizeof p, "%s/b-later", root);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/a-first", root);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/.hidden", root);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/b-later/communes.json", root);
    write_file(p, "[]", 2);
    snprintf(p, sizeof p, "%s/a-first/communes.json", root);
    write_file(p, "[]", 2);
    snprintf(p, sizeof p, "%s/b-later/only.json.gz", root);
    write_gzip(p, "[]", 2);
    snprintf(p, sizeof p, "%s/.hidden/secret.json", root);
    write_file(p, "[]", 2);
    /* A folder with the searched name is not a file. */
    snprintf(p, sizeof p, "%s/a-first/dirname.csv", root);
    assert_int_equal(mkdir(p, 0700), 0);

    mg_diag d;
    mg_diag_clear(&d);
    char *found = NULL, want[512];

    assert_int_equal(mg_find_data_file(&found, root, "direct.csv", &d), MG_OK);
    snprintf(want, sizeof want, "%s/direct.csv", root);
    assert_string_equal(found, want);
    free(found);

    assert_int_equal(mg_find_data_file(&found, root, "zipped.csv", &d), MG_OK);
    snprintf(want, sizeof want, "%s/zipped.csv.gz", root);
    assert_string_equal(found, want);
    free(found);

    assert_int_equal(mg_find_data_file(&found, root, "communes.json", &d), MG_OK);
    snprintf(want, sizeof want, "%s/a-first/communes.json", root);
    assert_string_equal(found, want);
    free(found);

    assert_int_equal(mg_find_data_file(&found, root, "only.json", &d), MG_OK);
    snprintf(want, sizeof want, "%s/b-later/only.json.gz", root);
    assert_string_equal(found, want);
    free(found);

    /* A trailing slash on the folder does not double the separator. */
    char slash[264];
    snprintf(slash, sizeof slash, "%s/", root);
    assert_int_equal(mg_find_data_file(&found, slash, "direct.csv", &d), MG_OK);
    snprintf(want, sizeof want, "%s/direct.csv", root);
    assert_string_equal(found, want);
    free(found);

    assert_string_equal(d.msg, "");
    assert_int_equal(mg_find_data_file(&found, root, "secret.json", &d), MG_ENOTFOUND);
    assert_null(found);
    assert_msg_has(d, root);
    assert_msg_has(d, "secret.json.gz");

    mg_diag_clear(&d);
    assert_int_equal(mg_find_data_file(&found, root, "dirname.csv", &d), MG_ENOTFOUND);

    mg_diag_clear(&d);
    snprintf(p, sizeof p, "%s/no-such-folder", root);
    assert_int_equal(mg_find_data_file(&found, p, "x.csv", &d), MG_ENOTFOUND);
    assert_msg_has(d, "no-such-folder");

    mg_diag_clear(&d);
    assert_int_equal(mg_find_data_file(&found, root, "", &d), MG_EINVAL);
}

/* Feeds bytes; returns the index of the first faulty byte, the length when
 * all are valid (after the end-of-input check), or len + 1 when only the
 * end-of-input check fails. */
static size_t utf8_first_fault(const char *bytes, size_t len, mg_utf8_state *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < len; i++)
        if (mg_utf8_feed(s, (unsigned char)bytes[i], 1, i + 1))
            return i;
    return mg_utf8_finish(s) ? len + 1 : len;
}

static void test_utf8(void **state)
{
    (void)state;
    mg_utf8_state s;
    static const struct {
        const char *bytes;
        size_t fault; /* index of the faulty byte; len = valid; len+1 = cut */
        unsigned long col;
        const char *why;
    } cases[] = {
        {"Aude, Ari\xc3\xa8ge, \xe2\x82\xac, \xf0\x9f\x98\x80", 24, 0, NULL},
        {"\xef\xbf\xbf\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80", 13, 0, NULL}, /* edges */
        {"caf\xe9", 4, 4, "cut"},                                 /* Latin-1 é at the end */
        {"caf\xe9s", 4, 4, "cut short"},                          /* Latin-1 é + ASCII */
        {"\xc0\xaf", 0, 1, "overlong"},                           /* overlong '/' */
        {"\xc1\xbf", 0, 1, "overlong"},
        {"x\xe0\x80\xaf", 2, 2, "overlong"},
        {"\xf0\x80\x80\xaf", 1, 1, "overlong"},
        {"\xed\xa0\x80", 1, 1, "surrogate"},
        {"\xed\xbf\xbf", 1, 1, "surrogate"},
        {"\xf4\x90\x80\x80", 1, 1, "U+10FFFF"},
        {"\xf5\x80\x80\x80", 0, 1, "never occurs"},
        {"x\xff", 1, 2, "never occurs"},
        {"ab\x80", 2, 3, "continuation byte without"},
        {"\xe2\x82", 2, 1, "ends inside"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t len = strlen(cases[k].bytes);
        size_t fault = utf8_first_fault(cases[k].bytes, len, &s);
        if (!cases[k].why) {
            assert_int_equal(fault, len);
            continue;
        }
        if (strcmp(cases[k].why, "ends inside") == 0 || strcmp(cases[k].why, "cut") == 0) {
            assert_int_equal(fault, len + 1);
        } else {
            assert_int_equal(fault, cases[k].fault);
        }
        mg_diag d;
        mg_diag_clear(&d);
        assert_int_equal(mg_utf8_report(&s, "f.csv", &d), MG_EUTF8);
        char where[32];
        snprintf(where, sizeof where, "f.csv:1:%lu: invalid UTF-8", cases[k].col);
        assert_msg_has(d, where);
        if (strcmp(cases[k].why, "cut") != 0)
            assert_msg_has(d, cases[k].why);
    }

    /* A UTF-16 byte-order mark gets its own advice. */
    assert_int_equal(utf8_first_fault("\xff\xfe", 2, &s), 0);
    mg_diag d;
    mg_diag_clear(&d);
    assert_int_equal(mg_utf8_report(&s, "u16.csv", &d), MG_EUTF8);
    assert_msg_has(d, "u16.csv:1:1:");
    assert_msg_has(d, "UTF-16");

    /* Latin-1 gets the iconv hint, at the column of the lead byte. */
    assert_int_equal(utf8_first_fault("Ari\xe8ge", 6, &s), 4);
    mg_diag_clear(&d);
    mg_utf8_report(&s, "l1.csv", &d);
    assert_msg_has(d, "l1.csv:1:4:");
    assert_msg_has(d, "0xE8");
    assert_msg_has(d, "iconv");
}

/* The project's data folder has communes.json in a versioned sub-folder. */
static void test_real_data_lookup(void **state)
{
    (void)state;
    struct stat st;
    if (stat(MG_SHARED_DATA "/france", &st) != 0)
        skip();
    mg_diag d;
    mg_diag_clear(&d);
    char *found = NULL;
    assert_int_equal(mg_find_data_file(&found, MG_SHARED_DATA "/france", "communes.json", &d),
                     MG_OK);
    assert_non_null(strstr(found, "decoupage-administratif"));
    mg_reader *r = NULL;
    assert_int_equal(mg_reader_open(&r, found, &d), MG_OK);
    char *got;
    size_t len;
    assert_int_equal(slurp(r, 65536, &got, &len, &d), 0);
    assert_true(len > 1000000);
    assert_int_equal(got[0], '[');
    free(got);
    mg_reader_close(r);
    free(found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_missing),
        cmocka_unit_test(test_open_directory),
        cmocka_unit_test(test_plain_file),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_gzip_file_any_name),
        cmocka_unit_test(test_gzip_truncated),
        cmocka_unit_test(test_gzip_corrupt),
        cmocka_unit_test(test_gzip_bad_crc),
        cmocka_unit_test(test_gzip_trailing),
        cmocka_unit_test(test_memory_reader),
        cmocka_unit_test(test_limit_memory),
        cmocka_unit_test(test_limit_gzip),
        cmocka_unit_test(test_find_data_file),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_real_data_lookup),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
