/*
 * The relay's credentials, read from a file of their own: a command line
 * is visible to every user of the machine (ps, /proc/PID/cmdline), a file
 * only to those its mode lets in, and this reader refuses one that other
 * users may read or write.
 */
#include "mail/mail.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

/* The longest first line read: a user name and a password, with room. */
#define CREDENTIALS_LINE_MAX 1024

/* Reads the first line of fd into line (NUL-terminated, without its LF or
 * CRLF); MG_ELIMIT when it does not end within CREDENTIALS_LINE_MAX bytes. */
static int first_line(int fd, char line[CREDENTIALS_LINE_MAX + 2], size_t *len)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, line + n, CREDENTIALS_LINE_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return MG_EIO;
        char *nl = memchr(line + n, '\n', (size_t)r);
        n += (size_t)r;
        if (nl) {
            n = (size_t)(nl - line);
            break;
        }
        if (r == 0)
            break;
        if (n > CREDENTIALS_LINE_MAX)
            return MG_ELIMIT;
    }
    if (n > CREDENTIALS_LINE_MAX)
        return MG_ELIMIT;
    if (n && line[n - 1] == '\r')
        n--;
    line[n] = '\0';
    *len = n;
    return 0;
}

int mg_mail_read_credentials(const char *path, char **user, char **password, mg_diag *d)
{
    if (user)
        *user = NULL;
    if (password)
        *password = NULL;
    if (!path || !user || !password)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_mail_read_credentials: NULL argument");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        return mg_diag_set(d, err == ENOENT ? MG_ENOTFOUND : MG_EIO, path, 0, 0,
                           "cannot open the SMTP credentials file: %s", strerror(err));
    }
    /* The checks are on the file opened, not on the name: nothing can be
     * swapped in between. */
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = mg_diag_set(d, MG_EIO, path, 0, 0, "cannot read the SMTP credentials file: %s",
                         strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = mg_diag_set(d, MG_EINVAL, path, 0, 0,
                         "the SMTP credentials file is not a regular file");
    else if (st.st_mode & S_IRWXO)
        rc = mg_diag_set(d, MG_EINVAL, path, 0, 0,
                         "other users may read or change the SMTP credentials file (mode %04o); "
                         "make it private: chmod 600 %s",
                         (unsigned)(st.st_mode & 07777), path);
    char line[CREDENTIALS_LINE_MAX + 2];
    size_t len = 0;
    if (rc == 0) {
        rc = first_line(fd, line, &len);
        if (rc == MG_ELIMIT)
            rc = mg_diag_set(d, MG_ELIMIT, path, 1, 0,
                             "the first line is longer than %d bytes; expected user:password",
                             CREDENTIALS_LINE_MAX);
        else if (rc)
            rc = mg_diag_set(d, MG_EIO, path, 0, 0, "cannot read the SMTP credentials file: %s",
                             strerror(errno));
    }
    close(fd);
    const char *colon = rc == 0 ? memchr(line, ':', len) : NULL;
    if (rc == 0 && (!colon || colon == line))
        rc = mg_diag_set(d, MG_EINVAL, path, 1, 0,
                         "expected user:password on the first line");
    if (rc == 0) {
        *user = mg_strndup(line, (size_t)(colon - line));
        *password = mg_strdup(colon + 1);
        if (!*user || !*password) {
            mg_mail_credentials_free(*user, *password);
            *user = *password = NULL;
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory reading credentials");
        }
    }
    sodium_memzero(line, sizeof line);
    return rc;
}

void mg_mail_credentials_free(char *user, char *password)
{
    if (user) {
        sodium_memzero(user, strlen(user));
        free(user);
    }
    if (password) {
        sodium_memzero(password, strlen(password));
        free(password);
    }
}
