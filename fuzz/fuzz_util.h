/*
 * Helpers shared by the fuzz targets (header-only: each target is one
 * program). Include after defining _GNU_SOURCE (memfd_create).
 */
#ifndef MG_FUZZ_UTIL_H
#define MG_FUZZ_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* A broken promise of the code under test: crash so the fuzzer keeps the input. */
static inline void check(bool ok)
{
    if (!ok)
        abort();
}

#ifdef _GNU_SOURCE
/*
 * Writes data to a new memfd named `name` and puts "/proc/self/fd/N" in
 * path: the importers take file paths, and this gives them one without
 * touching the disk. Returns the descriptor (close it after use) or -1.
 */
static inline int to_memfd(const char *name, const void *data, size_t size, char *path,
                           size_t cap)
{
    int fd = memfd_create(name, 0);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, (const char *)data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}
#endif

#endif
