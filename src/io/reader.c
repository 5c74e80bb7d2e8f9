/*
 * Byte sources for the parsers: files (plain or gzip, told apart by zlib from
 * the magic bytes) and memory buffers, with a bound on decompressed size;
 * data-file lookup; and the incremental UTF-8 validator the text parsers
 * share.
 */
#include "io/reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/limits.h"

/* zlib's own input buffer. The default (8 KiB) costs many small read(2)
 * calls on multi-megabyte files. */
#define READER_GZ_BUFFER (64u * 1024u)

struct mg_reader {
    char *name;                /* owned copy of the path or memory name */
    gzFile gz;                 /* files; NULL for a memory reader */
    const unsigned char *mem;  /* memory readers: borrowed bytes */
    size_t mem_len, mem_pos;
    unsigned long long total;  /* bytes delivered so far (decompressed) */
    unsigned long long limit;  /* at most this many bytes are accepted */
    int failed;                /* sticky error: a broken stream stays broken */
};

/* Allocates a reader with its name; NULL on exhaustion. */
static mg_reader *reader_new(const char *name)
{
    mg_reader *r = mg_alloc_array(1, sizeof *r);
    if (!r)
        return NULL;
    r->name = mg_strdup(name ? name : "(memory)");
    if (!r->name) {
        free(r);
        return NULL;
    }
    r->limit = MG_MAX_FILE_BYTES;
    return r;
}

int mg_reader_open(mg_reader **out, const char *path, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_reader_open: no output pointer");
    *out = NULL;
    if (!path || !path[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "no input file name given");

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return mg_diag_set(d, e == ENOENT ? MG_ENOTFOUND : MG_EIO, path, 0, 0,
                           "cannot open file: %s", strerror(e));
    }
    /* A directory opens fine on Linux and only fails at the first read with
     * a less helpful message, so it is refused here. */
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return mg_diag_set(d, MG_EIO, path, 0, 0, "cannot examine file: %s", strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return mg_diag_set(d, MG_EIO, path, 0, 0, "is a folder, expected a file");
    }

    mg_reader *r = reader_new(path);
    if (!r) {
        close(fd);
        return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory opening the file");
    }
    /* gzdopen reads gzip members and passes any other content through
     * unchanged ("transparent" mode), which is what lets a file be
     * compressed or not whatever its name. */
    r->gz = gzdopen(fd, "rb");
    if (!r->gz) {
        close(fd);
        mg_reader_close(r);
        return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory opening the file");
    }
    if (gzbuffer(r->gz, READER_GZ_BUFFER) != 0) {
        mg_reader_close(r);
        return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "cannot set the read buffer");
    }
    *out = r;
    return MG_OK;
}

int mg_reader_open_mem(mg_reader **out, const void *data, size_t len, const char *name)
{
    if (!out)
        return MG_EINVAL;
    *out = NULL;
    if (!data && len)
        return MG_EINVAL;
    mg_reader *r = reader_new(name);
    if (!r)
        return MG_ENOMEM;
    r->mem = data;
    r->mem_len = len;
    *out = r;
    return MG_OK;
}

void mg_reader_set_limit(mg_reader *r, unsigned long long max_bytes)
{
    if (r)
        r->limit = max_bytes < MG_MAX_FILE_BYTES ? max_bytes : MG_MAX_FILE_BYTES;
}

/*
 * zlib prefixes its messages with the path it was given, which for gzdopen
 * is "<fd:N>"; that prefix means nothing to a user (the file name is already
 * at the start of our message), so it is dropped.
 */
static const char *zlib_text(const char *msg)
{
    if (!msg)
        return "unknown zlib error";
    if (strncmp(msg, "<fd:", 4) == 0) {
        const char *p = strstr(msg, ": ");
        if (p)
            return p + 2;
    }
    return msg;
}

/* Records a sticky failure and reports it. */
static ssize_t reader_fail(mg_reader *r, int code, mg_diag *d, const char *what,
                           const char *detail)
{
    r->failed = code;
    if (detail)
        return mg_diag_set(d, code, r->name, 0, 0, "%s (%s), after %llu bytes", what,
                           detail, r->total);
    return mg_diag_set(d, code, r->name, 0, 0, "%s", what);
}

ssize_t mg_reader_read(mg_reader *r, void *buf, size_t cap, mg_diag *d)
{
    if (!r || (!buf && cap))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_reader_read: bad arguments");
    if (r->failed)
        return mg_diag_set(d, r->failed, r->name, 0, 0,
                           "reading stopped after an earlier error");
    if (cap == 0)
        return 0;
    /* gzread counts in unsigned int and returns an int. */
    if (cap > INT_MAX)
        cap = INT_MAX;
    /* Asking for one byte past the limit is how an over-long input is told
     * apart from one that ends exactly at it. */
    unsigned long long room = r->limit - r->total + 1;
    if (cap > room)
        cap = (size_t)room;

    size_t n;
    if (r->gz) {
        int got = gzread(r->gz, buf, (unsigned)cap);
        int errnum = Z_OK;
        const char *msg = gzerror(r->gz, &errnum);
        /* A truncated gzip stream does not make gzread return -1: zlib
         * records Z_BUF_ERROR ("unexpected end of file") and returns what it
         * could inflate, then 0. Checking the error state after every call
         * is the only way to notice it. */
        if (errnum == Z_ERRNO)
            return reader_fail(r, MG_EIO, d, "read error", zlib_text(msg));
        if (errnum == Z_MEM_ERROR)
            return reader_fail(r, MG_ENOMEM, d, "out of memory while decompressing", NULL);
        if (got < 0 || errnum != Z_OK)
            return reader_fail(r, MG_EIO, d, "truncated or corrupt gzip data",
                               zlib_text(msg));
        n = (size_t)got;
    } else {
        size_t left = r->mem_len - r->mem_pos;
        n = cap < left ? cap : left;
        if (n)
            memcpy(buf, r->mem + r->mem_pos, n);
        r->mem_pos += n;
    }
    r->total += n;
    if (r->total > r->limit) {
        r->failed = MG_ELIMIT;
        return mg_diag_set(d, MG_ELIMIT, r->name, 0, 0,
                           "larger than the limit of %llu bytes (decompressed; "
                           "MG_MAX_FILE_BYTES)", r->limit);
    }
    return (ssize_t)n;
}

const char *mg_reader_name(const mg_reader *r)
{
    return r ? r->name : "(none)";
}

void mg_reader_close(mg_reader *r)
{
    if (!r)
        return;
    if (r->gz)
        gzclose(r->gz);
    free(r->name);
    free(r);
}

/* --- Data-file lookup ---------------------------------------------------- */

/* "a/b/c" + suffix from up to three parts (sub may be NULL); NULL on
 * exhaustion. */
static char *path_join(const char *dir, const char *sub, const char *name, const char *suffix)
{
    size_t ld = strlen(dir), ls = sub ? strlen(sub) : 0, ln = strlen(name),
           lx = strlen(suffix);
    /* Each part is a C string that already fits in memory, so these sums
     * cannot overflow in practice; mg_alloc_array still checks. */
    size_t total = ld + 1 + ls + 1 + ln + lx + 1;
    char *p = mg_alloc_array(total, 1);
    if (!p)
        return NULL;
    size_t k = 0;
    memcpy(p + k, dir, ld);
    k += ld;
    if (ld && dir[ld - 1] != '/')
        p[k++] = '/';
    if (sub) {
        memcpy(p + k, sub, ls);
        k += ls;
        p[k++] = '/';
    }
    memcpy(p + k, name, ln);
    k += ln;
    memcpy(p + k, suffix, lx);
    k += lx;
    p[k] = '\0';
    return p;
}

/* True for an existing regular file (symbolic links followed). */
static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Tries DIR[/SUB]/NAME then the same with ".gz". 1 found (*out set), 0 not
 * found, MG_ENOMEM. */
static int try_candidates(char **out, const char *dir, const char *sub, const char *name)
{
    static const char *const suffixes[] = {"", ".gz"};
    for (size_t k = 0; k < 2; k++) {
        char *p = path_join(dir, sub, name, suffixes[k]);
        if (!p)
            return MG_ENOMEM;
        if (is_regular_file(p)) {
            *out = p;
            return 1;
        }
        free(p);
    }
    return 0;
}

/* qsort order of sub-folder names: bytewise, so the same on every system. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the direct sub-folders of dir (hidden ones excluded), sorted. */
static int list_subdirs(const char *dir, char ***names_out, size_t *n_out, mg_diag *d)
{
    *names_out = NULL;
    *n_out = 0;
    DIR *dh = opendir(dir);
    if (!dh) {
        int e = errno;
        return mg_diag_set(d, e == ENOENT ? MG_ENOTFOUND : MG_EIO, dir, 0, 0,
                           "cannot open data folder: %s", strerror(e));
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = MG_OK;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        /* "." and ".." would loop; other hidden folders (.git, .cache) are
         * never where data lives. */
        if (e->d_name[0] == '.')
            continue;
        char *full = path_join(dir, NULL, e->d_name, "");
        if (!full) {
            rc = MG_ENOMEM;
            break;
        }
        struct stat st;
        bool isdir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        free(full);
        if (!isdir)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = mg_realloc_array(names, ncap, sizeof *names);
            if (!nn) {
                rc = MG_ENOMEM;
                break;
            }
            names = nn;
            cap = ncap;
        }
        names[n] = mg_strdup(e->d_name);
        if (!names[n]) {
            rc = MG_ENOMEM;
            break;
        }
        n++;
    }
    closedir(dh);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return mg_diag_set(d, rc, dir, 0, 0, "out of memory listing the folder");
    }
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    *names_out = names;
    *n_out = n;
    return MG_OK;
}

int mg_find_data_file(char **out, const char *dir, const char *name, mg_diag *d)
{
    if (!out)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_find_data_file: no output pointer");
    *out = NULL;
    if (!dir || !dir[0] || !name || !name[0])
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_find_data_file: empty folder or file name");

    int rc = try_candidates(out, dir, NULL, name);
    if (rc == 1)
        return MG_OK;
    if (rc < 0)
        return mg_diag_set(d, rc, dir, 0, 0, "out of memory looking for %s", name);

    char **subs;
    size_t nsubs;
    if ((rc = list_subdirs(dir, &subs, &nsubs, d)) != MG_OK)
        return rc;
    rc = 0;
    for (size_t i = 0; i < nsubs && rc == 0; i++)
        rc = try_candidates(out, dir, subs[i], name);
    for (size_t i = 0; i < nsubs; i++)
        free(subs[i]);
    free(subs);
    if (rc == 1)
        return MG_OK;
    if (rc < 0)
        return mg_diag_set(d, rc, dir, 0, 0, "out of memory looking for %s", name);
    return mg_diag_set(d, MG_ENOTFOUND, dir, 0, 0,
                       "no file %s or %s.gz in this folder or its sub-folders", name, name);
}

/* --- UTF-8 validation ---------------------------------------------------- */

int mg_utf8_feed(mg_utf8_state *s, unsigned char b, unsigned long line, unsigned long col)
{
    if (s->need) {
        if (b >= s->lo && b <= s->hi) {
            s->need--;
            s->lo = 0x80;
            s->hi = 0xBF;
            return MG_OK;
        }
        s->bad = b;
        s->fault = 2;
        /* A continuation byte outside the narrowed range can only follow one
         * of the four lead bytes whose first continuation is restricted. */
        if (b >= 0x80 && b <= 0xBF) {
            if (s->lead == 0xE0 || s->lead == 0xF0)
                s->why = "overlong encoding";
            else if (s->lead == 0xED)
                s->why = "UTF-16 surrogate code point";
            else
                s->why = "code point above U+10FFFF";
        } else {
            s->why = "multi-byte character cut short";
        }
        return MG_EUTF8;
    }
    if (b < 0x80)
        return MG_OK;
    s->lead = b;
    s->line = line;
    s->col = col;
    s->lo = 0x80;
    s->hi = 0xBF;
    if (b < 0xC0) {
        s->bad = b;
        s->fault = 1;
        s->why = "continuation byte without a leading byte";
        return MG_EUTF8;
    }
    if (b < 0xC2) {
        s->bad = b;
        s->fault = 1;
        s->why = "overlong encoding";
        return MG_EUTF8;
    }
    if (b < 0xE0) {
        s->need = 1;
    } else if (b < 0xF0) {
        s->need = 2;
        if (b == 0xE0)
            s->lo = 0xA0; /* below is an overlong 2-byte form */
        else if (b == 0xED)
            s->hi = 0x9F; /* above are the surrogates D800-DFFF */
    } else if (b < 0xF5) {
        s->need = 3;
        if (b == 0xF0)
            s->lo = 0x90; /* below is an overlong 3-byte form */
        else if (b == 0xF4)
            s->hi = 0x8F; /* above is past U+10FFFF */
    } else {
        s->bad = b;
        s->fault = 1;
        s->why = "byte that never occurs in UTF-8";
        return MG_EUTF8;
    }
    return MG_OK;
}

int mg_utf8_finish(mg_utf8_state *s)
{
    if (!s->need)
        return MG_OK;
    s->bad = 0;
    s->fault = 3;
    s->why = "the input ends inside a multi-byte character";
    return MG_EUTF8;
}

int mg_utf8_report(const mg_utf8_state *s, const char *file, mg_diag *d)
{
    /* FF FE or FE FF at the very start is a UTF-16 byte-order mark: the
     * usual "Unicode" export of spreadsheet programs. */
    if (s->line == 1 && s->col == 1 && (s->lead == 0xFF || s->lead == 0xFE))
        return mg_diag_set(d, MG_EUTF8, file, s->line, s->col,
                           "invalid UTF-8: the file starts like UTF-16 (byte 0x%02X); "
                           "save it as UTF-8 or convert it with "
                           "`iconv -f UTF-16 -t UTF-8`", s->lead);
    const char *hint = "; the file must be UTF-8: if it is Latin-1 (Windows-1252), "
                       "convert it with `iconv -f WINDOWS-1252 -t UTF-8`";
    if (s->fault == 3)
        return mg_diag_set(d, MG_EUTF8, file, s->line, s->col,
                           "invalid UTF-8: %s (sequence starting with byte 0x%02X)%s",
                           s->why, s->lead, hint);
    if (s->fault == 1)
        return mg_diag_set(d, MG_EUTF8, file, s->line, s->col,
                           "invalid UTF-8: %s (byte 0x%02X)%s", s->why, s->bad, hint);
    return mg_diag_set(d, MG_EUTF8, file, s->line, s->col,
                       "invalid UTF-8: %s (byte 0x%02X followed by 0x%02X)%s", s->why,
                       s->lead, s->bad, hint);
}
