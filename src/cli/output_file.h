/*
 * Internal to the command-line program: output files written atomically
 * (a temporary file in the same folder, renamed on success), so that a run
 * that fails leaves no half-written table behind. A path that exists and is
 * not a regular file (/dev/null, /dev/stdout, a FIFO) is written in place:
 * renaming onto it would replace the device by a file.
 */
#ifndef MG_CLI_OUTPUT_FILE_H
#define MG_CLI_OUTPUT_FILE_H

#include <stdio.h>

typedef struct cli_out {
    FILE *f;
    char *path; /* final path; NULL for stdout */
    char *tmp;  /* NULL when written in place */
} cli_out;

/* Opens path ("-" or NULL: stdout). Returns 0 or -1 with a message printed. */
int cli_out_open(cli_out *o, const char *path, const char *cmd);

/* Finishes: renames the temporary file on ok, removes it otherwise.
 * Returns 0, or -1 with a message printed when writing failed. */
int cli_out_close(cli_out *o, int ok, const char *cmd);

#endif
