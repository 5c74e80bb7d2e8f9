/*
 * Helpers shared by the cmocka tests: assertions that show both values, a
 * seeded pseudo-random generator, and temporary folders with files written
 * into them. Header-only (each
 * test is one program); include after <cmocka.h>.
 */
#ifndef MG_TESTS_TESTUTIL_H
#define MG_TESTS_TESTUTIL_H

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Fails unless |a - b| <= tol, showing both values. */
#define assert_close(a, b, tol)                                                     \
    do {                                                                            \
        double a_ = (a), b_ = (b);                                                  \
        if (!(fabs(a_ - b_) <= (tol)))                                              \
            fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_,       \
                     (double)(tol));                                                \
    } while (0)

/* Fails the test, showing the message, unless it contains `part`. */
#define assert_msg_has(d, part)                                                     \
    do {                                                                            \
        if (!strstr((d).msg, (part)))                                               \
            fail_msg("message \"%s\" does not contain \"%s\"", (d).msg, (part));    \
    } while (0)

/* splitmix64: a tiny generator whose sequence is fixed by its seed (so a
 * failure on random data always reproduces). */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1p-53;
}

/* Removes a folder tree made by the tests (no symbolic links inside). */
static inline void test_remove_tree(const char *path)
{
    DIR *dh = opendir(path);
    if (dh) {
        struct dirent *e;
        while ((e = readdir(dh)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[4096];
            int n = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            if (n < 0 || (size_t)n >= sizeof sub)
                continue;
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                test_remove_tree(sub);
            else
                unlink(sub);
        }
        closedir(dh);
    }
    rmdir(path);
}

/* Makes a fresh folder /tmp/mg-test-NAME-XXXXXX into dir (cap bytes). */
static inline int test_mkdtemp(char *dir, size_t cap, const char *name)
{
    snprintf(dir, cap, "/tmp/mg-test-%s-XXXXXX", name);
    return mkdtemp(dir) ? 0 : -1;
}

/* Defines `tmpdir`, a fresh folder /tmp/mg-test-NAME-XXXXXX for the whole
 * test program, and the cmocka group setup and teardown that make and
 * remove it. */
#define TEST_TMPDIR_FIXTURE(name)                                                   \
    static char tmpdir[256];                                                        \
    static int setup(void **state)                                                  \
    {                                                                               \
        (void)state;                                                                \
        return test_mkdtemp(tmpdir, sizeof tmpdir, (name));                         \
    }                                                                               \
    static int teardown(void **state)                                               \
    {                                                                               \
        (void)state;                                                                \
        test_remove_tree(tmpdir);                                                   \
        return 0;                                                                   \
    }

/* Writes len bytes to DIR/NAME; the full path goes to buf (cap bytes). */
static inline const char *test_write_bytes(char *buf, size_t cap, const char *dir,
                                           const char *name, const void *data, size_t len)
{
    snprintf(buf, cap, "%s/%s", dir, name);
    FILE *f = fopen(buf, "wb");
    if (!f)
        fail_msg("cannot create %s", buf);
    if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
        fail_msg("cannot write %s", buf);
    return buf;
}

/* Writes text to DIR/NAME. */
static inline const char *test_write_text(char *buf, size_t cap, const char *dir,
                                          const char *name, const char *text)
{
    return test_write_bytes(buf, cap, dir, name, text, strlen(text));
}

/*
 * A JSON error answer compared with what is expected, once its request id
 * (",\"request_id\":\"8 hex-6 hex\"", which changes with every request) is
 * checked for its shape and taken out. An answer without one (made outside
 * a request) is compared as it is.
 */
#define assert_json_error(actual, expected)                                             \
    do {                                                                                \
        const char *a_ = (actual);                                                      \
        char s_[4096];                                                                  \
        const char *k_ = strstr(a_, ",\"request_id\":\"");                              \
        if (k_) {                                                                       \
            const char *v_ = k_ + strlen(",\"request_id\":\"");                         \
            for (int i_ = 0; i_ < 15; i_++)                                             \
                if (!(i_ == 8 ? v_[i_] == '-'                                           \
                              : (v_[i_] >= '0' && v_[i_] <= '9') ||                     \
                                    (v_[i_] >= 'a' && v_[i_] <= 'f')))                  \
                    fail_msg("bad request_id in %s", a_);                               \
            if (v_[15] != '"')                                                          \
                fail_msg("bad request_id in %s", a_);                                   \
            snprintf(s_, sizeof s_, "%.*s%s", (int)(k_ - a_), a_, v_ + 16);             \
            a_ = s_;                                                                    \
        }                                                                               \
        assert_string_equal(a_, (expected));                                            \
    } while (0)

#endif
