/*
 * OSM import through readosm, in two streaming passes because a .osm.pbf
 * stores all nodes before the ways that use them:
 *   1. ways: the drivable ones (car profile) keep their node ids, speed and
 *      directions; nodes are only counted, for the progress of pass 2;
 *   2. nodes: the coordinates of the ids the kept ways use, found by binary
 *      search in their sorted array.
 * Memory is therefore bounded by the drivable network (8 bytes per way node
 * reference plus 8 per distinct node), never by the whole extract.
 * The network is then simplified: a way is cut only at its ends and at the
 * nodes it shares with another way (or itself), so every edge has one speed
 * and a point snapped along it splits its time exactly by length.
 */
#include <errno.h>
#include <math.h>
#include <readosm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "routing/internal.h"
#include "routing/profile.h"

typedef struct import_ctx {
    int ferries;
    /* ways kept in pass 1 */
    size_t nways, capways, nrefs, caprefs;
    size_t *way_first; /* nways + 1 */
    float *way_kmh;
    uint8_t *way_dirs;
    int64_t *refs;
    /* counts for progress */
    size_t nodes_seen, nodes_total, ways_seen;
    /* pass 2 */
    int64_t *ids;     /* sorted distinct ids used by kept ways */
    size_t nids;
    int32_t *lat, *lon;
    uint8_t *have;    /* coordinates found */
    int failed;       /* MG_E… set inside a callback */
    mg_route_progress_fn progress;
    void *pctx;
} import_ctx;

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    void *np = mg_realloc_array(*p, nc, size);
    if (!np)
        return MG_ENOMEM;
    *p = np;
    *cap = nc;
    return 0;
}

static int on_way(const void *user, const readosm_way *w)
{
    import_ctx *c = (import_ctx *)user;
    if ((++c->ways_seen & 0xffff) == 0 && c->progress)
        c->progress(c->pctx, "reading ways", -1);
    if (w->node_ref_count < 2 || w->tag_count <= 0)
        return READOSM_OK;
    mg_tag tags[64];
    size_t nt = 0;
    for (int i = 0; i < w->tag_count && nt < 64; i++)
        tags[nt++] = (mg_tag){w->tags[i].key, w->tags[i].value};
    mg_way_profile p;
    mg_profile_way(tags, nt, c->ferries, &p);
    if (p.speed_kmh <= 0)
        return READOSM_OK;
    size_t k = (size_t)w->node_ref_count;
    if (c->nrefs + k > MG_MAX_PAIRS) {
        c->failed = MG_ELIMIT;
        return READOSM_ABORT;
    }
    if (c->nways + 2 > c->capways) {
        size_t nc = c->capways ? c->capways * 2 : 1024;
        float *kmh = mg_realloc_array(c->way_kmh, nc, sizeof *kmh);
        if (kmh)
            c->way_kmh = kmh;
        uint8_t *dirs = mg_realloc_array(c->way_dirs, nc, 1);
        if (dirs)
            c->way_dirs = dirs;
        size_t *first = mg_realloc_array(c->way_first, nc, sizeof *first);
        if (first)
            c->way_first = first;
        if (!kmh || !dirs || !first) {
            c->failed = MG_ENOMEM;
            return READOSM_ABORT;
        }
        c->capways = nc;
    }
    if (grow((void **)&c->refs, &c->caprefs, c->nrefs + k, sizeof *c->refs)) {
        c->failed = MG_ENOMEM;
        return READOSM_ABORT;
    }
    c->way_first[c->nways] = c->nrefs;
    c->way_kmh[c->nways] = (float)p.speed_kmh;
    c->way_dirs[c->nways] = (uint8_t)p.dirs;
    memcpy(c->refs + c->nrefs, w->node_refs, k * sizeof *c->refs);
    c->nrefs += k;
    c->nways++;
    c->way_first[c->nways] = c->nrefs;
    return READOSM_OK;
}

static int count_node(const void *user, const readosm_node *n)
{
    (void)n;
    ((import_ctx *)user)->nodes_seen++;
    return READOSM_OK;
}

static size_t find_id(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo] == id ? lo : SIZE_MAX;
}

static int on_node(const void *user, const readosm_node *n)
{
    import_ctx *c = (import_ctx *)user;
    c->nodes_seen++;
    if ((c->nodes_seen & 0x3ffff) == 0 && c->progress && c->nodes_total)
        c->progress(c->pctx, "reading nodes", (double)c->nodes_seen / (double)c->nodes_total);
    size_t k = find_id(c->ids, c->nids, n->id);
    if (k == SIZE_MAX)
        return READOSM_OK;
    if (!isfinite(n->latitude) || !isfinite(n->longitude) || fabs(n->latitude) > 90 ||
        fabs(n->longitude) > 180)
        return READOSM_OK;
    c->lat[k] = (int32_t)lround(n->latitude * MG_COORD_SCALE);
    c->lon[k] = (int32_t)lround(n->longitude * MG_COORD_SCALE);
    c->have[k] = 1;
    return READOSM_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static const char *readosm_text(int rc)
{
    switch (rc) {
    case READOSM_INVALID_SUFFIX: return "the name must end in .osm.pbf, .pbf or .osm";
    case READOSM_FILE_NOT_FOUND: return "no such file";
    case READOSM_INSUFFICIENT_MEMORY: return "out of memory";
    case READOSM_READ_ERROR: return "read error";
    case READOSM_XML_ERROR: return "malformed OSM XML";
    case READOSM_INVALID_PBF_HEADER: return "malformed PBF (invalid block header)";
    case READOSM_UNZIP_ERROR: return "malformed PBF (a block does not decompress)";
    default: return "malformed OSM data";
    }
}

/*
 * The OSM PBF framing, checked before readosm sees the file: readosm
 * allocates whatever sizes a file declares (a corrupt or hostile header can
 * ask for gigabytes), so every BlobHeader length, blob size and declared
 * uncompressed size is checked against the limits of the format
 * (BlobHeader < 64 KiB, Blob and its raw_size <= 32 MiB) first. Only the
 * top-level protobuf fields needed are read; the rest is left to readosm.
 */
#define PBF_MAX_HEADER (64u * 1024u)
#define PBF_MAX_BLOB (32u * 1024u * 1024u)

/* A protobuf varint at *p (< end); advances *p. -1 when malformed. */
static int pb_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* Finds varint field `want` among the top-level fields of a message; other
 * fields are skipped by wire type. 1 found, 0 absent, -1 malformed. */
static int pb_find_varint(const unsigned char *p, const unsigned char *end, uint64_t want,
                          uint64_t *out)
{
    int found = 0;
    while (p < end) {
        uint64_t key, v;
        if (pb_varint(&p, end, &key))
            return -1;
        switch (key & 7) {
        case 0:
            if (pb_varint(&p, end, &v))
                return -1;
            if ((key >> 3) == want) {
                *out = v;
                found = 1;
            }
            break;
        case 1:
            if (end - p < 8)
                return -1;
            p += 8;
            break;
        case 2:
            if (pb_varint(&p, end, &v) || v > (uint64_t)(end - p))
                return -1;
            p += v;
            break;
        case 5:
            if (end - p < 4)
                return -1;
            p += 4;
            break;
        default:
            return -1;
        }
    }
    return found;
}

static int check_pbf_framing(const char *path, mg_diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0; /* readosm reports the missing file itself */
    unsigned char *buf = malloc(PBF_MAX_HEADER);
    int rc = buf ? 0 : mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
    unsigned long long offset = 0;
    unsigned char len4[4];
    while (!rc && fread(len4, 1, 4, f) == 4) {
        uint32_t hlen = (uint32_t)len4[0] << 24 | (uint32_t)len4[1] << 16 |
                        (uint32_t)len4[2] << 8 | len4[3];
        uint64_t datasize = 0;
        if (hlen == 0 || hlen >= PBF_MAX_HEADER || fread(buf, 1, hlen, f) != hlen ||
            pb_find_varint(buf, buf + hlen, 3, &datasize) != 1 || datasize > PBF_MAX_BLOB) {
            rc = mg_diag_set(d, MG_EPARSE, path, 0, 0,
                             "byte %llu: corrupt OSM PBF block header (expected a BlobHeader "
                             "under 64 KiB declaring a blob of at most 32 MiB)",
                             offset);
            break;
        }
        /* The blob's declared uncompressed size (field 2, raw_size) is
         * what readosm allocates for inflating it: read the blob's first
         * bytes, where the encoder puts it, up to the buffer's size. */
        size_t look = datasize < PBF_MAX_HEADER ? (size_t)datasize : PBF_MAX_HEADER;
        uint64_t raw_size = 0;
        if (fread(buf, 1, look, f) != look) {
            rc = mg_diag_set(d, MG_EPARSE, path, 0, 0,
                             "byte %llu: OSM PBF blob cut short (truncated file?)", offset);
            break;
        }
        const unsigned char *q = buf, *qe = buf + look;
        while (q < qe) {
            uint64_t key, v;
            if (pb_varint(&q, qe, &key) || (key & 7) == 3 || (key & 7) == 4)
                break;
            if ((key & 7) == 0) {
                if (pb_varint(&q, qe, &v))
                    break;
                if ((key >> 3) == 2)
                    raw_size = v;
            } else if ((key & 7) == 2) {
                if (pb_varint(&q, qe, &v) || v > (uint64_t)(qe - q))
                    break;
                q += v;
            } else {
                break;
            }
        }
        if (raw_size > PBF_MAX_BLOB) {
            rc = mg_diag_set(d, MG_EPARSE, path, 0, 0,
                             "byte %llu: OSM PBF blob declares %llu bytes uncompressed "
                             "(the format allows 32 MiB)",
                             offset, (unsigned long long)raw_size);
            break;
        }
        if (fseek(f, (long)(datasize - look), SEEK_CUR) != 0) {
            rc = mg_diag_set(d, MG_EPARSE, path, 0, 0, "byte %llu: OSM PBF blob cut short", offset);
            break;
        }
        offset += 4 + hlen + datasize;
    }
    free(buf);
    fclose(f);
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int parse(import_ctx *c, const char *path, int pass, mg_diag *d)
{
    if (pass == 1 && ends_with(path, ".pbf")) {
        int frc = check_pbf_framing(path, d);
        if (frc)
            return frc;
    }
    const void *h = NULL;
    int rc = readosm_open(path, &h);
    if (rc == READOSM_OK)
        rc = pass == 1 ? readosm_parse(h, c, count_node, on_way, NULL)
                       : readosm_parse(h, c, on_node, NULL, NULL);
    readosm_close(h);
    if (c->failed == MG_ENOMEM)
        return mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory reading the ways");
    if (c->failed == MG_ELIMIT)
        return mg_diag_set(d, MG_ELIMIT, path, 0, 0,
                           "more than %llu way node references (MG_MAX_PAIRS)",
                           (unsigned long long)MG_MAX_PAIRS);
    if (rc != READOSM_OK) {
        int code = rc == READOSM_FILE_NOT_FOUND ? MG_ENOTFOUND
                   : rc == READOSM_INVALID_SUFFIX ? MG_EINVAL
                   : rc == READOSM_INSUFFICIENT_MEMORY ? MG_ENOMEM
                   : rc == READOSM_READ_ERROR ? MG_EIO : MG_EPARSE;
        return mg_diag_set(d, code, path, 0, 0, "cannot read the OSM extract: %s",
                           readosm_text(rc));
    }
    return 0;
}

void mg_rawgraph_free(mg_rawgraph *r)
{
    if (!r)
        return;
    free(r->lat);
    free(r->lon);
    free(r->eu);
    free(r->ev);
    free(r->ew);
    free(r->edirs);
    free(r->eshape);
    free(r->slat);
    free(r->slon);
    *r = (mg_rawgraph){0};
}

/* Length in metres of a short segment (equirectangular at its middle: far
 * below a metre of error at the length of one OSM segment). */
static double seg_m(int32_t la1, int32_t lo1, int32_t la2, int32_t lo2)
{
    const double k = 3.14159265358979323846 / 180.0 / MG_COORD_SCALE;
    double mid = ((double)la1 + (double)la2) * 0.5 * k;
    double dx = ((double)lo2 - (double)lo1) * k * cos(mid);
    double dy = ((double)la2 - (double)la1) * k;
    return 6371008.8 * sqrt(dx * dx + dy * dy);
}

static void free_ctx(import_ctx *c)
{
    free(c->way_first);
    free(c->way_kmh);
    free(c->way_dirs);
    free(c->refs);
    free(c->ids);
    free(c->lat);
    free(c->lon);
    free(c->have);
}

/* Cuts the kept ways into edges between graph nodes (see the file comment). */
static int build_edges(import_ctx *c, mg_rawgraph *r, mg_diag *d)
{
    size_t n = c->nids;
    uint8_t *uses = mg_alloc_array(n ? n : 1, 1);
    uint32_t *gidx = mg_alloc_array(n ? n : 1, sizeof *gidx);
    if (!uses || !gidx)
        goto nomem;
    for (size_t w = 0; w < c->nways; w++)
        for (size_t k = c->way_first[w]; k < c->way_first[w + 1]; k++) {
            size_t i = find_id(c->ids, n, c->refs[k]);
            int end = k == c->way_first[w] || k + 1 == c->way_first[w + 1];
            uses[i] = (uint8_t)(uses[i] + (end ? 2 : 1) > 2 ? 2 : uses[i] + (end ? 2 : 1));
        }
    uint32_t nn = 0;
    for (size_t i = 0; i < n; i++)
        gidx[i] = uses[i] >= 2 && c->have[i] ? nn++ : MG_NO_NODE;
    r->n = nn;
    r->lat = mg_alloc_array(nn ? nn : 1, sizeof *r->lat);
    r->lon = mg_alloc_array(nn ? nn : 1, sizeof *r->lon);
    if (!r->lat || !r->lon)
        goto nomem;
    for (size_t i = 0; i < n; i++)
        if (gidx[i] != MG_NO_NODE) {
            r->lat[gidx[i]] = c->lat[i];
            r->lon[gidx[i]] = c->lon[i];
        }
    /* At most one edge per reference and one shape point per reference. */
    size_t cap = c->nrefs ? c->nrefs : 1;
    if (cap > UINT32_MAX - 1)
        return mg_diag_set(d, MG_ELIMIT, NULL, 0, 0, "road network too large for one graph");
    r->eu = mg_alloc_array(cap, sizeof *r->eu);
    r->ev = mg_alloc_array(cap, sizeof *r->ev);
    r->ew = mg_alloc_array(cap, sizeof *r->ew);
    r->edirs = mg_alloc_array(cap, 1);
    r->eshape = mg_alloc_array(cap + 1, sizeof *r->eshape);
    r->slat = mg_alloc_array(cap, sizeof *r->slat);
    r->slon = mg_alloc_array(cap, sizeof *r->slon);
    if (!r->eu || !r->ev || !r->ew || !r->edirs || !r->eshape || !r->slat || !r->slon)
        goto nomem;
    uint32_t m = 0, ns = 0;
    for (size_t w = 0; w < c->nways; w++) {
        double mps = c->way_kmh[w] / 3.6;
        uint32_t from = MG_NO_NODE, shape0 = ns;
        double len = 0;
        size_t prev = SIZE_MAX;
        for (size_t k = c->way_first[w]; k < c->way_first[w + 1]; k++) {
            size_t i = find_id(c->ids, n, c->refs[k]);
            if (!c->have[i]) {
                /* A node outside the extract breaks the way there. */
                from = MG_NO_NODE;
                ns = shape0;
                prev = SIZE_MAX;
                continue;
            }
            if (prev != SIZE_MAX)
                len += seg_m(c->lat[prev], c->lon[prev], c->lat[i], c->lon[i]);
            prev = i;
            if (gidx[i] == MG_NO_NODE) {
                if (from != MG_NO_NODE) {
                    r->slat[ns] = c->lat[i];
                    r->slon[ns] = c->lon[i];
                    ns++;
                }
                continue;
            }
            if (from != MG_NO_NODE && from != gidx[i]) {
                double ds = round(len / mps * 10.0);
                r->eu[m] = from;
                r->ev[m] = gidx[i];
                r->ew[m] = ds < 1 ? 1 : ds > MG_MAX_ARC_DS ? MG_MAX_ARC_DS : (uint32_t)ds;
                r->edirs[m] = c->way_dirs[w];
                r->eshape[m] = shape0;
                m++;
            } else {
                ns = shape0; /* a loop back to its start is useless for routing */
            }
            from = gidx[i];
            shape0 = ns;
            len = 0;
        }
        ns = shape0;
    }
    r->eshape[m] = ns;
    r->m = m;
    r->nshape = ns;
    r->osm_ways = c->nways;
    r->osm_nodes = n;
    free(uses);
    free(gidx);
    return 0;
nomem:
    free(uses);
    free(gidx);
    return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory building the road graph");
}

int mg_osm_import(const char *path, int ferries, mg_route_progress_fn progress, void *pctx,
                  mg_rawgraph *out, mg_diag *d)
{
    *out = (mg_rawgraph){0};
    import_ctx c = {.ferries = ferries, .progress = progress, .pctx = pctx};
    int rc = parse(&c, path, 1, d);
    if (rc)
        goto done;
    if (progress)
        progress(pctx, "reading ways", 1);
    /* The distinct node ids the kept ways use, sorted. */
    c.ids = mg_alloc_array(c.nrefs ? c.nrefs : 1, sizeof *c.ids);
    if (!c.ids) {
        rc = mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    if (c.nrefs)
        memcpy(c.ids, c.refs, c.nrefs * sizeof *c.ids);
    qsort(c.ids, c.nrefs, sizeof *c.ids, cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < c.nrefs; i++)
        if (u == 0 || c.ids[u - 1] != c.ids[i])
            c.ids[u++] = c.ids[i];
    c.nids = u;
    c.lat = mg_alloc_array(u ? u : 1, sizeof *c.lat);
    c.lon = mg_alloc_array(u ? u : 1, sizeof *c.lon);
    c.have = mg_alloc_array(u ? u : 1, 1);
    if (!c.lat || !c.lon || !c.have) {
        rc = mg_diag_set(d, MG_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    c.nodes_total = c.nodes_seen;
    c.nodes_seen = 0;
    if ((rc = parse(&c, path, 2, d)))
        goto done;
    if (progress)
        progress(pctx, "reading nodes", 1);
    if (c.nways == 0) {
        rc = mg_diag_set(d, MG_EPARSE, path, 0, 0,
                         "no drivable road in the extract (no way with a car highway tag)");
        goto done;
    }
    rc = build_edges(&c, out, d);
done:
    free_ctx(&c);
    if (rc)
        mg_rawgraph_free(out);
    return rc;
}
