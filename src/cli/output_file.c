#include "cli/output_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/alloc.h"

int cli_out_open(cli_out *o, const char *path, const char *cmd)
{
    *o = (cli_out){0};
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    /* A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in
     * place: the write-then-rename that keeps a file whole would replace
     * the device node by a regular file (as root, /dev/null itself). */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            cli_error(cmd, "cannot write %s: it is a folder", path);
            return -1;
        }
        if (!(o->f = fopen(path, "w"))) {
            cli_error(cmd, "cannot open %s: %s", path, strerror(errno));
            return -1;
        }
        o->path = mg_strdup(path);
        if (!o->path) {
            fclose(o->f);
            o->f = NULL;
            cli_error(cmd, "out of memory");
            return -1;
        }
        return 0;
    }
    size_t len = strlen(path);
    o->path = mg_strdup(path);
    o->tmp = malloc(len + 16);
    if (!o->path || !o->tmp) {
        cli_error(cmd, "out of memory");
        return -1;
    }
    memcpy(o->tmp, path, len);
    memcpy(o->tmp + len, ".tmp-XXXXXX", 12);
    int fd = mkstemp(o->tmp);
    /* mkstemp makes the file readable by its owner only; a table is an
     * ordinary output: 0666 less the umask, as fopen would give. */
    mode_t mask = umask(0);
    umask(mask);
    if (fd >= 0 && fchmod(fd, 0666 & ~mask) != 0) {
        cli_error(cmd, "cannot create %s: %s", path, strerror(errno));
        close(fd);
        unlink(o->tmp);
        free(o->path);
        free(o->tmp);
        *o = (cli_out){0};
        return -1;
    }
    if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
        cli_error(cmd, "cannot create %s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        free(o->path);
        free(o->tmp);
        *o = (cli_out){0};
        return -1;
    }
    return 0;
}

int cli_out_close(cli_out *o, int ok, const char *cmd)
{
    int rc = 0;
    if (!o->f)
        return 0;
    if (!o->path) {
        if (fflush(stdout) != 0) {
            cli_error(cmd, "cannot write to standard output: %s", strerror(errno));
            rc = -1;
        }
        return rc;
    }
    if (fclose(o->f) != 0 && ok) {
        cli_error(cmd, "cannot write %s: %s", o->path, strerror(errno));
        ok = 0;
        rc = -1;
    }
    if (ok && o->tmp && rename(o->tmp, o->path) != 0) {
        cli_error(cmd, "cannot write %s: %s", o->path, strerror(errno));
        rc = -1;
        ok = 0;
    }
    if (!ok && o->tmp)
        unlink(o->tmp);
    free(o->path);
    free(o->tmp);
    *o = (cli_out){0};
    return rc;
}
