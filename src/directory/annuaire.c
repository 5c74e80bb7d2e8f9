/*
 * The annuaire santé's public extraction of practitioners' activities
 * (PS_LibreAcces_Personne_activite_AAAAMMJJhhmm.txt, published by the
 * Agence du numérique en santé): `|`-separated, UTF-8, a header line, one
 * line per activity of a practitioner at a place (docs/formats.md,
 * "Directory", has the columns used and the source).
 *
 * Kept: general practitioners, i.e. profession 10 (Médecin) with the
 * savoir-faire SM54 "Médecine générale", SM53 "Spécialiste en médecine
 * générale" or SM26 "Qualifié en médecine générale" (ANS nomenclature
 * TRE_R38 SpecialiteOrdinale), practising outside a health establishment
 * (activity sectors SA01 to SA04, public and private hospitals, are left
 * out: their GPs are the hospital's), at an address with a commune code.
 * They are grouped by practice: one MG_DIR_GP_PRACTICE structure per
 * normalised address and commune, `practitioners` the number of distinct
 * practitioners there (Identification nationale PP). Data minimisation:
 * no name, identifier, phone or e-mail of a practitioner is kept (the
 * site's "raison sociale" often is the doctor's name: it is not kept
 * either); the structure is named after its address.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/utf8.h"
#include "directory/formats.h"
#include "io/csv.h"
#include "io/reader.h"

enum {
    K_PROFESSION, K_SAVOIR_FAIRE, K_COMMUNE, /* required */
    K_PP, K_SECTOR, K_NUM, K_INDEX, K_INDEX2, K_TYPE_LABEL, K_TYPE_CODE, K_STREET,
    K_COMPLEMENT, K_MENTION, K_POSTCODE, K_COMMUNE_NAME, K_CEDEX, K_NCOLS
};

static const char *const kColumns[K_NCOLS] = {
    "Code profession",
    "Code savoir-faire",
    "Code commune (coord. structure)",
    "Identification nationale PP",
    "Code secteur d'activité",
    "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)",
    "Indice répétition voie (coord. Structure)",
    "Libellé type de voie (coord. structure)",
    "Code type de voie (coord. structure)",
    "Libellé Voie (coord. structure)",
    "Complément point géographique (coord. structure)",
    "Mention distribution (coord. structure)",
    "Code postal (coord. structure)",
    "Libellé commune (coord. structure)",
    "Bureau cedex (coord. structure)",
};

static bool is_gp(const char *profession, const char *sf)
{
    return strcmp(profession, "10") == 0 &&
           (strcmp(sf, "SM54") == 0 || strcmp(sf, "SM53") == 0 || strcmp(sf, "SM26") == 0);
}

static bool in_hospital(const char *sector)
{
    return strcmp(sector, "SA01") == 0 || strcmp(sector, "SA02") == 0 ||
           strcmp(sector, "SA03") == 0 || strcmp(sector, "SA04") == 0;
}

/* Field k of the current record ("" when the column is absent). */
static const char *col(const mg_csv *c, const int *idx, int k)
{
    if (idx[k] < 0)
        return "";
    const char *s = mg_csv_field(c, (size_t)idx[k], NULL);
    return s ? s : "";
}

/* Appends s to the normalised key: ASCII letters upper-cased, accents
 * folded (the Latin-1 supplement block), runs of other characters one
 * space. */
static size_t norm_append(char *out, size_t o, size_t cap, const char *s)
{
    static const char fold[64] = "AAAAAAACEEEEIIIIDNOOOOO OUUUUYTSAAAAAAACEEEEIIIIDNOOOOO OUUUUYTY";
    bool space = o > 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 2 < cap; p++) {
        char ch = 0;
        if (isalnum(*p))
            ch = (char)toupper(*p);
        else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
            ch = fold[p[1] - 0x80];
            p++;
            if (ch == ' ')
                ch = 0;
        } else if (*p >= 0x80) {
            /* another non-ASCII character: kept as it is */
            ch = (char)*p;
        }
        if (!ch) {
            space = o > 0;
            continue;
        }
        if (space && o > 0 && out[o - 1] != ' ')
            out[o++] = ' ';
        space = false;
        out[o++] = ch;
    }
    out[o] = 0;
    return o;
}

/* Appends the parts to buf[0..cap), cut at a character boundary. */
static void cat(char *buf, size_t cap, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    size_t o = strlen(buf);
    for (int i = 0; i < n; i++) {
        const char *s = va_arg(ap, const char *);
        size_t k = o + 1 < cap ? mg_utf8_prefix(s, cap - o - 1) : 0;
        memcpy(buf + o, s, k);
        o += k;
        buf[o] = 0;
    }
    va_end(ap);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

typedef struct practice {
    char key[600];      /* commune code '|' normalised address */
    size_t structure;   /* index in the set */
} practice;

typedef struct member {
    size_t practice;
    uint64_t pp;        /* hash of the practitioner's identifier (not kept after reading) */
} member;

static int cmp_member(const void *a, const void *b)
{
    const member *x = a, *y = b;
    if (x->practice != y->practice)
        return x->practice < y->practice ? -1 : 1;
    return x->pp < y->pp ? -1 : x->pp > y->pp;
}

/* The extraction date from the file name (…_AAAAMMJJhhmm.txt) into out[11]. */
static bool date_from_name(const char *name, char *out)
{
    const char *u = strrchr(name, '_');
    if (!u)
        return false;
    u++;
    for (int i = 0; i < 8; i++)
        if (!isdigit((unsigned char)u[i]))
            return false;
    snprintf(out, 11, "%.4s-%.2s-%.2s", u, u + 4, u + 6);
    return true;
}

int mg_annuaire_read(const char *name, const char *text, size_t n, mg_dir_commune_filter keep,
                     void *keep_ctx, mg_dir_set *set, unsigned **slines, mg_dir_report *r,
                     mg_diag *d)
{
    if (slines)
        *slines = NULL;
    char date[11];
    if (!date_from_name(name, date)) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
    }
    mg_reader *rd = NULL;
    mg_csv *c = NULL;
    int rc = mg_reader_open_mem(&rd, text, n, name);
    if (rc)
        return mg_diag_set(d, rc, name, 0, 0, "lecture impossible");
    rc = mg_csv_open(&c, rd, '|', d);
    int idx[K_NCOLS];
    if (!rc)
        rc = mg_csv_require(c, kColumns, 3, idx, d);
    if (rc) {
        mg_dir_report_row *row = mg_dir_report_add(r, MG_DIR_ROW_REFUSED, 's', "", 1, 0);
        if (row)
            snprintf(row->message, sizeof row->message, "%.*s", (int)mg_utf8_prefix(d->msg, 255), d->msg);
        mg_csv_close(c);
        mg_reader_close(rd);
        return row ? rc : MG_ENOMEM;
    }
    for (int k = 3; k < K_NCOLS; k++)
        idx[k] = mg_csv_column(c, kColumns[k]);
    if (idx[K_INDEX] < 0)
        idx[K_INDEX] = idx[K_INDEX2];
    practice *pr = NULL;
    size_t npr = 0, cappr = 0;
    member *mem = NULL;
    size_t nmem = 0, capmem = 0;
    unsigned *lines = NULL;
    size_t first = set->nstructures;
    bool refused = false;
    /* An open-addressing index of practices by key. */
    size_t hcap = 1024, *slot = mg_alloc_array(hcap, sizeof *slot);
    if (!slot)
        rc = MG_ENOMEM;
    for (size_t i = 0; i < hcap && slot; i++)
        slot[i] = SIZE_MAX;
    while (rc == 0) {
        int nr = mg_csv_next(c, d);
        if (nr < 0) {
            mg_dir_report_row *row = mg_dir_report_add(r, MG_DIR_ROW_REFUSED, 's', "", 0, 0);
            if (row)
                snprintf(row->message, sizeof row->message, "%.*s", (int)mg_utf8_prefix(d->msg, 255), d->msg);
            rc = row ? nr : MG_ENOMEM;
            break;
        }
        if (nr == 0)
            break;
        unsigned line = (unsigned)mg_csv_line(c);
        if (!is_gp(col(c, idx, K_PROFESSION), col(c, idx, K_SAVOIR_FAIRE)) ||
            in_hospital(col(c, idx, K_SECTOR)))
            continue;
        const char *commune = col(c, idx, K_COMMUNE);
        if (!*commune)
            continue; /* abroad, or no place of practice: nothing to place on a map */
        size_t cl = strlen(commune);
        bool ok = cl == 5;
        for (size_t i = 0; i < cl && ok; i++)
            ok = isdigit((unsigned char)commune[i]) ||
                 (i == 1 && commune[0] == '2' && (commune[1] == 'A' || commune[1] == 'B'));
        if (!ok) {
            refused = true;
            mg_dir_report_row *row = mg_dir_report_add(r, MG_DIR_ROW_REFUSED, 's', "", line,
                                                       (unsigned)idx[K_COMMUNE] + 1);
            if (!row) {
                rc = MG_ENOMEM;
                break;
            }
            snprintf(row->field, sizeof row->field, "commune_code");
            snprintf(row->message, sizeof row->message,
                     "colonne « %s » : attendu un code de commune INSEE à 5 caractères, trouvé "
                     "« %.*s »",
                     kColumns[K_COMMUNE], (int)mg_utf8_prefix(commune, 20), commune);
            continue;
        }
        if (keep && !keep(commune, keep_ctx))
            continue;
        /* The practice's address as written, and its key. */
        char num[64] = "", addr[400] = "";
        cat(num, sizeof num, 3, col(c, idx, K_NUM), *col(c, idx, K_INDEX) ? " " : "",
            col(c, idx, K_INDEX));
        const char *type = *col(c, idx, K_TYPE_LABEL) ? col(c, idx, K_TYPE_LABEL)
                                                       : col(c, idx, K_TYPE_CODE);
        cat(addr, sizeof addr, 5, num, *num ? " " : "", type, *type ? " " : "",
            col(c, idx, K_STREET));
        size_t al = strlen(addr);
        while (al && addr[al - 1] == ' ')
            addr[--al] = 0;
        char key[600];
        size_t ko = (size_t)snprintf(key, sizeof key, "%s|", commune);
        norm_append(key, ko, sizeof key, addr);
        size_t h = (size_t)fnv1a(key) & (hcap - 1);
        while (slot[h] != SIZE_MAX && strcmp(pr[slot[h]].key, key) != 0)
            h = (h + 1) & (hcap - 1);
        size_t pi = slot[h];
        if (pi == SIZE_MAX) {
            if (npr == cappr) {
                size_t nc = cappr ? cappr * 2 : 64;
                practice *q = mg_realloc_array(pr, nc, sizeof *q);
                unsigned *ql = q ? mg_realloc_array(lines, nc, sizeof *ql) : NULL;
                if (q)
                    pr = q;
                if (ql)
                    lines = ql;
                if (!q || !ql) {
                    rc = MG_ENOMEM;
                    break;
                }
                cappr = nc;
            }
            mg_dir_structure *s = mg_dir_add_structure(set);
            if (!s) {
                rc = MG_ENOMEM;
                break;
            }
            pi = npr++;
            snprintf(pr[pi].key, sizeof pr[pi].key, "%s", key);
            pr[pi].structure = set->nstructures - 1;
            lines[pi] = line;
            slot[h] = pi;
            char sid[40], nm[200];
            snprintf(sid, sizeof sid, "as-%016llx", (unsigned long long)fnv1a(key));
            size_t cut = mg_utf8_prefix(addr, 110);
            snprintf(nm, sizeof nm, "Cabinet de médecine générale%s%.*s", cut ? ", " : "",
                     (int)cut, addr);
            const char *pc = col(c, idx, K_POSTCODE), *cn = col(c, idx, K_COMMUNE_NAME);
            const char *cedex = col(c, idx, K_CEDEX);
            char extra[300] = "";
            cat(extra, sizeof extra, 3, col(c, idx, K_COMPLEMENT),
                *col(c, idx, K_COMPLEMENT) && *col(c, idx, K_MENTION) ? ", " : "",
                col(c, idx, K_MENTION));
            if (!*cn && strlen(cedex) > 6 && cedex[5] == ' ')
                cn = cedex + 6; /* "25300 DOUBS" */
            s->category = MG_DIR_GP_PRACTICE;
            s->source = "annuaire-sante";
            s->source_id = mg_dir_strdup(set, sid, SIZE_MAX);
            s->name = mg_dir_strdup(set, nm, SIZE_MAX);
            s->address = *addr ? mg_dir_strdup(set, addr, SIZE_MAX) : NULL;
            s->address_extra = *extra ? mg_dir_strdup(set, extra, SIZE_MAX) : NULL;
            s->postcode = *pc ? mg_dir_strdup(set, pc, SIZE_MAX) : NULL;
            s->commune_code = mg_dir_strdup(set, commune, SIZE_MAX);
            s->commune_name = *cn ? mg_dir_strdup(set, cn, SIZE_MAX) : NULL;
            s->updated_on = mg_dir_strdup(set, date, SIZE_MAX);
            if (!s->source_id || !s->name || !s->commune_code || !s->updated_on) {
                rc = MG_ENOMEM;
                break;
            }
            /* grow the index at half load */
            if (npr * 2 > hcap) {
                size_t nc = hcap * 2, *ns = mg_alloc_array(nc, sizeof *ns);
                if (!ns) {
                    rc = MG_ENOMEM;
                    break;
                }
                for (size_t i = 0; i < nc; i++)
                    ns[i] = SIZE_MAX;
                for (size_t i = 0; i < npr; i++) {
                    size_t g = (size_t)fnv1a(pr[i].key) & (nc - 1);
                    while (ns[g] != SIZE_MAX)
                        g = (g + 1) & (nc - 1);
                    ns[g] = i;
                }
                free(slot);
                slot = ns;
                hcap = nc;
            }
        }
        if (nmem == capmem) {
            size_t nc = capmem ? capmem * 2 : 256;
            member *q = mg_realloc_array(mem, nc, sizeof *q);
            if (!q) {
                rc = MG_ENOMEM;
                break;
            }
            mem = q;
            capmem = nc;
        }
        /* Without the identifier column every line is one practitioner. */
        const char *pp = col(c, idx, K_PP);
        mem[nmem].practice = pi;
        mem[nmem].pp = *pp ? fnv1a(pp) : (uint64_t)line;
        nmem++;
    }
    if (!rc && nmem) {
        qsort(mem, nmem, sizeof *mem, cmp_member);
        for (size_t i = 0; i < nmem; i++)
            if (i == 0 || mem[i].practice != mem[i - 1].practice || mem[i].pp != mem[i - 1].pp)
                set->structures[first + mem[i].practice].practitioners++;
    }
    free(slot);
    free(mem);
    free(pr);
    mg_csv_close(c);
    mg_reader_close(rd);
    if (!rc && slines)
        *slines = lines;
    else
        free(lines);
    if (rc)
        return rc == MG_ENOMEM ? mg_diag_set(d, MG_ENOMEM, name, 0, 0, "mémoire insuffisante")
                               : rc;
    if (refused)
        return mg_diag_set(d, MG_EINVAL, name, 0, 0, "des lignes sont refusées (voir le rapport)");
    return 0;
}
