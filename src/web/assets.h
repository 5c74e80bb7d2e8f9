/*
 * The web pages' own scripts, embedded at build time from web/static
 * (cmake/embed_assets.cmake) and served by assets.c at
 * /assets/NAME?v=VERSION: the version is a hash of the content, so the
 * URL changes with it and the file can be cached for a year.
 */
#ifndef MG_WEB_ASSETS_H
#define MG_WEB_ASSETS_H

#include <stddef.h>

typedef struct web_asset {
    const char *name;    /* "carte.js" */
    const char *version; /* 16 hex digits of its SHA-256 */
    const char *url;     /* "/assets/carte.js?v=VERSION" */
    size_t len;
    const unsigned char *data;
} web_asset;

extern const web_asset web_assets[];
extern const size_t web_asset_count;

/* The versioned URL of an embedded asset ("/assets/carte.js?v=…"), or
 * NULL when there is none of that name. */
const char *web_asset_url(const char *name);

#endif
