/*
 * Byte sources for the parsers: files (plain or gzip, told apart by the
 * magic bytes, inflated here with zlib's inflate so that what follows the
 * stream is checked and errors carry a byte offset) and memory buffers, with a bound on decompressed size;
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

/* Size of one read(2) of the file (compressed bytes for gzip). Large
 * enough that multi-megabyte files take few system calls. */
#define READER_RAW_BUFFER (64u * 1024u)

struct mg_reader {
    char *name;                /* owned copy of the path or memory name */
    int fd;                    /* files; -1 for a memory reader */
    bool gzip;                 /* the file starts with the gzip magic bytes */
    unsigned char *raw;        /* files: bytes read from fd not yet used */
    size_t raw_len, raw_pos;   /* plain files: what raw holds, how much is used */
    z_stream zs;               /* gzip: the inflater (its next_in points into raw) */
    bool zs_live;              /* inflateInit2 succeeded: inflateEnd is due */
    bool member_end;           /* gzip: a member ended; another or the end may follow */
    bool eof;                  /* read(2) returned 0 */
    unsigned long long file_read; /* bytes read from the file so far */
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
    r->fd = -1;
    r->name = mg_strdup(name ? name : "(memory)");
    if (!r->name) {
        free(r);
        return NULL;
    }
    r->limit = MG_MAX_FILE_BYTES;
    return r;
}

/* read(2) into raw + at, up to the buffer's end; retried on EINTR. Returns
 * the count, 0 at the end of the file, or -1 (errno set). */
static ssize_t raw_read(mg_reader *r, size_t at)
{
    for (;;) {
        ssize_t n = read(r->fd, r->raw + at, READER_RAW_BUFFER - at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            r->file_read += (unsigned long long)n;
        if (n == 0)
            r->eof = true;
        return n;
    }
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
    r->fd = fd;
    r->raw = mg_alloc_array(READER_RAW_BUFFER, 1);
    if (!r->raw) {
        mg_reader_close(r);
        return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory opening the file");
    }
    /* gzip or not is told from the first two bytes (1F 8B), whatever the
     * name; the rest of the first read is kept for the parser. */
    while (r->raw_len < 2 && !r->eof) {
        ssize_t n = raw_read(r, r->raw_len);
        if (n < 0) {
            int e = errno;
            mg_reader_close(r);
            return mg_diag_set(d, MG_EIO, path, 0, 0, "cannot read file: %s", strerror(e));
        }
        r->raw_len += (size_t)n;
    }
    if (r->raw_len >= 2 && r->raw[0] == 0x1F && r->raw[1] == 0x8B) {
        r->gzip = true;
        /* 15 + 16: the largest window, gzip wrapping only (no zlib or raw
         * deflate passing for gzip). Members are inflated one at a time so
         * that what follows each can be checked. */
        if (inflateInit2(&r->zs, 15 + 16) != Z_OK) {
            mg_reader_close(r);
            return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory opening the file");
        }
        r->zs_live = true;
        r->zs.next_in = r->raw;
        r->zs.avail_in = (uInt)r->raw_len;
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

/* Byte offset in the file of the next compressed byte inflate would use. */
static unsigned long long gz_offset(const mg_reader *r)
{
    return r->file_read - r->zs.avail_in;
}

/* Refills inflate's input when it is empty, keeping `keep` unread bytes at
 * the start of the buffer. 0, or -1 after a read error (errno set). */
static int gz_refill(mg_reader *r)
{
    size_t keep = r->zs.avail_in;
    if (keep)
        memmove(r->raw, r->zs.next_in, keep);
    ssize_t n = raw_read(r, keep);
    if (n < 0)
        return -1;
    r->zs.next_in = r->raw;
    r->zs.avail_in = (uInt)(keep + (size_t)n);
    return 0;
}

/*
 * Inflates up to cap bytes. A gzip file is one or more members (as gzip
 * and pigz write when files are concatenated); anything else after a
 * member — garbage appended, zero padding, a second file glued on — is an
 * error rather than silently ignored as zlib's gzread does, and every
 * error says at which byte of the file it was found.
 */
static ssize_t gz_read(mg_reader *r, unsigned char *buf, size_t cap, mg_diag *d)
{
    for (;;) {
        if (r->member_end) {
            /* Two bytes decide: the end, another member, or trailing data. */
            if (r->zs.avail_in < 2 && !r->eof && gz_refill(r) < 0)
                goto read_error;
            if (r->zs.avail_in == 0 && r->eof)
                return 0;
            if (r->zs.avail_in < 2 && !r->eof)
                continue;
            if (r->zs.next_in[0] != 0x1F || r->zs.avail_in < 2 || r->zs.next_in[1] != 0x8B) {
                r->failed = MG_EIO;
                return mg_diag_set(d, MG_EIO, r->name, 0, 0,
                                   "unexpected data after the end of the gzip stream, at byte "
                                   "%llu of the file: expected the end of the file or another "
                                   "gzip member (a damaged or appended file?)", gz_offset(r));
            }
            if (inflateReset(&r->zs) != Z_OK) {
                r->failed = MG_EIO;
                return mg_diag_set(d, MG_EIO, r->name, 0, 0, "cannot restart the inflater");
            }
            r->member_end = false;
        }
        if (r->zs.avail_in == 0) {
            if (!r->eof && gz_refill(r) < 0)
                goto read_error;
            if (r->zs.avail_in == 0 && r->eof) {
                r->failed = MG_EIO;
                return mg_diag_set(d, MG_EIO, r->name, 0, 0,
                                   "truncated or corrupt gzip data: the file ends at byte %llu "
                                   "inside the compressed stream, after %llu bytes decompressed "
                                   "(truncated file?)", r->file_read, r->total);
            }
        }
        r->zs.next_out = buf;
        r->zs.avail_out = (uInt)cap;
        int ret = inflate(&r->zs, Z_NO_FLUSH);
        size_t got = cap - r->zs.avail_out;
        if (ret == Z_STREAM_END)
            r->member_end = true;
        else if (ret == Z_MEM_ERROR) {
            r->failed = MG_ENOMEM;
            return mg_diag_set(d, MG_ENOMEM, r->name, 0, 0, "out of memory while decompressing");
        } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
            r->failed = MG_EIO;
            return mg_diag_set(d, MG_EIO, r->name, 0, 0,
                               "truncated or corrupt gzip data at byte %llu of the file (%s), "
                               "after %llu bytes decompressed",
                               gz_offset(r), r->zs.msg ? r->zs.msg : "invalid data",
                               r->total + got);
        }
        if (got)
            return (ssize_t)got;
    }
read_error:;
    int e = errno;
    r->failed = MG_EIO;
    return mg_diag_set(d, MG_EIO, r->name, 0, 0, "read error at byte %llu: %s", r->file_read,
                       strerror(e));
}

/* Plain files: what is left of the first read, then read(2). */
static ssize_t plain_read(mg_reader *r, unsigned char *buf, size_t cap, mg_diag *d)
{
    if (r->raw_pos < r->raw_len) {
        size_t n = r->raw_len - r->raw_pos;
        if (n > cap)
            n = cap;
        memcpy(buf, r->raw + r->raw_pos, n);
        r->raw_pos += n;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t n = read(r->fd, buf, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            r->failed = MG_EIO;
            return mg_diag_set(d, MG_EIO, r->name, 0, 0, "read error at byte %llu: %s",
                               r->file_read, strerror(e));
        }
        r->file_read += (unsigned long long)n;
        return n;
    }
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
    /* inflate counts in uInt. */
    if (cap > INT_MAX)
        cap = INT_MAX;
    /* Asking for one byte past the limit is how an over-long input is told
     * apart from one that ends exactly at it. */
    unsigned long long room = r->limit - r->total + 1;
    if (cap > room)
        cap = (size_t)room;

    size_t n;
    if (r->fd >= 0) {
        ssize_t got = r->gzip ? gz_read(r, buf, cap, d) : plain_read(r, buf, cap, d);
        if (got < 0)
            return got;
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
    if (r->zs_live)
        inflateEnd(&r->zs);
    if (r->fd >= 0)
        close(r->fd);
    free(r->raw);
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
