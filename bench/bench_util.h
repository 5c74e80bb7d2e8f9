/*
 * What every benchmark of bench/ measures with: a monotonic clock, the
 * median of repeated runs (the machine is shared and noisy), and the peak
 * resident memory of the process; numbers given on the command line.
 */
#ifndef MG_BENCH_UTIL_H
#define MG_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "parse/parse.h"

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0 .. n-1] (sorts v). */
static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Peak resident memory of the process so far, in MiB. */
static inline long bench_peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

/* A number given on a benchmark's command line (French spellings accepted,
 * parse/parse.h); exits with a message when it is not one within bounds. */
static inline double bench_arg_number(const char *what, const char *s, double min, double max)
{
    double v = 0;
    mg_parse_error why = MG_PARSE_OK;
    if (mg_parse_number(s, min, max, &v, &why)) {
        fprintf(stderr, "%s \"%s\": %s (%g to %g)\n", what, s, mg_parse_error_fr(why), min, max);
        exit(2);
    }
    return v;
}

#endif
