/* A list of sites as people write it: "CODE[:KIND], CODE[:KIND], …" (the
 * planning page's "Vos sites"), split into codes and kind words. Which
 * communes and kinds the words name is the caller's business. */
#include <string.h>

#include "plan/plan.h"

/* The text between s and s + len without the spaces around it, into out
 * (cap bytes); false when empty or too long. */
static bool trimmed(const char *s, size_t len, char *out, size_t cap)
{
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= cap)
        return false;
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

int mg_plan_split_sites(const char *text, mg_plan_site_words *out, size_t cap, size_t *n,
                        size_t *bad)
{
    *n = 0;
    *bad = 0;
    const char *s = text ? text : "";
    while (*s) {
        size_t len = strcspn(s, ",;");
        if (*n == cap)
            return MG_ELIMIT;
        mg_plan_site_words *w = &out[*n];
        memset(w, 0, sizeof *w);
        const char *colon = memchr(s, ':', len);
        size_t clen = colon ? (size_t)(colon - s) : len;
        *bad = *n;
        if (!trimmed(s, clen, w->code, sizeof w->code))
            return MG_EINVAL;
        for (const char *c = w->code; *c; c++)
            if ((unsigned char)*c < 0x20)
                return MG_EINVAL;
        if (colon) {
            size_t klen = len - clen - 1;
            if (!trimmed(colon + 1, klen, w->kind, sizeof w->kind))
                return MG_EINVAL;
            if (strchr(w->kind, ':'))
                return MG_EINVAL;
        }
        (*n)++;
        s += len;
        if (*s)
            s++;
    }
    *bad = 0;
    return MG_OK;
}
