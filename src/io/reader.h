/**
 * @file reader.h
 * A byte source for the parsers: a plain file, a gzip-compressed file
 * (recognised by its magic bytes, whatever its name), or a memory buffer.
 * Reads are bounded by MG_MAX_FILE_BYTES of decompressed data.
 * Ownership: the caller owns the reader and closes it with mg_reader_close.
 */
#ifndef MG_IO_READER_H
#define MG_IO_READER_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

typedef struct mg_reader mg_reader;

/**
 * Opens `path`. On failure *out is NULL and d says why (file named):
 * MG_ENOTFOUND when the file does not exist, MG_EIO when it cannot be opened
 * (permissions, a directory, …), MG_ENOMEM.
 */
int mg_reader_open(mg_reader **out, const char *path, mg_diag *d) MG_WARN_UNUSED;

/**
 * A reader over `len` bytes at `data` (not copied: they must outlive the
 * reader). `name` is used in messages. Gzip data in memory is not inflated.
 */
int mg_reader_open_mem(mg_reader **out, const void *data, size_t len,
                       const char *name) MG_WARN_UNUSED;

/**
 * Reads up to `cap` bytes. Returns the count (> 0), 0 at the end, or a
 * negative MG_E… code (MG_EIO for a read or decompression error, including a
 * truncated gzip stream and data after the last gzip member; MG_ELIMIT past
 * MG_MAX_FILE_BYTES) with d filled. Gzip errors give the byte offset in the
 * file ("… at byte N of the file", "the file ends at byte N inside the
 * compressed stream"). A gzip file of several members (concatenated gzip
 * files) is read as one.
 */
ssize_t mg_reader_read(mg_reader *r, void *buf, size_t cap, mg_diag *d);

/** The name given at open time (the path for files). */
const char *mg_reader_name(const mg_reader *r);

/**
 * Lowers the bound on decompressed bytes for this reader below
 * MG_MAX_FILE_BYTES (a larger value is clamped to it). Lets a caller that
 * expects a small file refuse a large one early, and lets tests exercise the
 * bound without writing a gigabyte.
 */
void mg_reader_set_limit(mg_reader *r, unsigned long long max_bytes);

/** Closes the reader. NULL is accepted. */
void mg_reader_close(mg_reader *r);

/**
 * Finds a data file: tries DIR/NAME, DIR/NAME.gz, then the same inside every
 * direct sub-folder of DIR (sorted by name, so the choice is reproducible;
 * this finds communes.json inside decoupage-administratif-6.0.0/).
 * On success *out is a malloc'ed path the caller frees.
 */
int mg_find_data_file(char **out, const char *dir, const char *name,
                      mg_diag *d) MG_WARN_UNUSED;

/*
 * Incremental UTF-8 validation shared by the text parsers (CSV, JSON), which
 * see their input one byte at a time across read chunks. It rejects what
 * RFC 3629 forbids: stray continuation bytes, overlong forms (C0, C1, E0 80…,
 * F0 80…), surrogates (ED A0…) and code points above U+10FFFF (F4 90…, F5…).
 */

/** Decoder state; zero-initialise it before the first byte. */
typedef struct mg_utf8_state {
    unsigned need;               /* continuation bytes still expected */
    unsigned char lo, hi;        /* allowed range of the next continuation byte */
    unsigned char lead;          /* first byte of the sequence being read */
    unsigned char bad;           /* the offending byte, once an error is found */
    unsigned char fault;         /* 0 none, 1 bad lead, 2 bad continuation, 3 cut at end */
    unsigned long line, col;     /* where the sequence (or bad byte) starts */
    const char *why;             /* static description of the error */
} mg_utf8_state;

/**
 * Feeds one byte found at (line, col). Returns 0 while the text is valid,
 * MG_EUTF8 when this byte makes it invalid (the state then describes the
 * fault; report it with mg_utf8_report). ASCII bytes outside a sequence may
 * skip the call (a fast path): `if (b < 0x80 && s->need == 0)`.
 */
int mg_utf8_feed(mg_utf8_state *s, unsigned char b, unsigned long line,
                 unsigned long col);

/** At the end of the input: MG_EUTF8 if a multi-byte character is cut off. */
int mg_utf8_finish(mg_utf8_state *s);

/**
 * Fills d with "FILE:LINE:COL: invalid UTF-8: …" for the fault recorded in s
 * (with a hint about Latin-1 and UTF-16 files) and returns MG_EUTF8.
 */
int mg_utf8_report(const mg_utf8_state *s, const char *file, mg_diag *d);

#endif
