/*
 * The attachments of a subsidy request (funding/attachments.h): statutes,
 * accounts, bank details, the signed attestation, the final report's
 * pieces.
 *
 * A file's type is read from its bytes (mg_contract_document_type: PDF,
 * PNG, JPEG by their signature, office files by what their ZIP archive
 * says inside), never from its name, so that an HTML page named .pdf is
 * refused. The bytes are stored in the database once per SHA-256
 * (subsidy_blobs, INSERT … ON CONFLICT DO NOTHING, which SQLite and
 * PostgreSQL both understand); each attachment row names its blob.
 *
 * Pieces may be added or removed while the request is a draft, or while
 * one co-funder's part waits for a completion ("to_complete": an answer
 * may bring the missing piece); the final report's pieces also while a
 * part is granted and the final report is not filed yet. Each change is
 * one write transaction with its audit entry (object "subsidy_request",
 * verbs "attach" and "detach", organisation the applicant).
 */
#include "funding/attachments.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "contracts/contracts.h"
#include "funding/internal.h"

/* --- The file's name ------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (n bytes left) and its code
 * point, or 0 when it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len;
    unsigned v, min;
    if ((s[0] & 0xE0) == 0xC0)
        len = 2, v = s[0] & 0x1F, min = 0x80;
    else if ((s[0] & 0xF0) == 0xE0)
        len = 3, v = s[0] & 0x0F, min = 0x800;
    else if ((s[0] & 0xF8) == 0xF0)
        len = 4, v = s[0] & 0x07, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Characters a kept name never holds: controls, and the bidirectional
 * marks and overrides that can show "fdp.exe" as "exe.pdf". */
static bool dropped(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

size_t mg_subsidy_attachment_filename_clean(const char *name, char out[static 256])
{
    out[0] = 0;
    if (!name)
        return 0;
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    /* Cleaned into a buffer large enough for any name's first bytes; what
     * is past it is cut anyway. */
    char buf[1024];
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)base;
    size_t left = strlen(base);
    while (left > 0 && n + 4 < sizeof buf) {
        unsigned cp = 0;
        size_t k = utf8_seq(s, left, &cp);
        if (k == 0) {
            s++, left--;
            continue;
        }
        if (!dropped(cp)) {
            memcpy(buf + n, s, k);
            n += k;
        }
        s += k, left -= k;
    }
    /* Outer spaces (and a leading run of dots and spaces: no hidden file). */
    size_t a = 0;
    while (a < n && (buf[a] == ' ' || buf[a] == '.'))
        a++;
    while (n > a && buf[n - 1] == ' ')
        n--;
    size_t len = n - a;
    const char *t = buf + a;
    if (len <= 255) {
        memcpy(out, t, len);
        out[len] = 0;
        return len;
    }
    /* Too long: keep a short extension (".pdf", ".docx"…) after the cut. */
    size_t ext = 0;
    for (size_t i = len; i > 0 && len - i < 16; i--)
        if (t[i - 1] == '.') {
            ext = len - (i - 1);
            break;
        }
    size_t keep = 255 - ext;
    /* Back to a character boundary. */
    while (keep > 0 && ((unsigned char)t[keep] & 0xC0) == 0x80)
        keep--;
    if (ext == 0) /* the cut may have left a space at the end */
        while (keep > 0 && t[keep - 1] == ' ')
            keep--;
    memcpy(out, t, keep);
    memcpy(out + keep, t + len - ext, ext);
    out[keep + ext] = 0;
    return keep + ext;
}

/* --- The type ------------------------------------------------------------------------------- */

static const char ACCEPTED[] =
    "PDF, image PNG ou JPEG, Word .docx, Excel .xlsx, OpenDocument .odt ou .ods";

const char *mg_subsidy_attachment_check(const void *data, size_t len, mg_subsidy_errors *errs)
{
    if (!data || len == 0) {
        mg_subsidy_errors_add(errs, "file",
                              "Choisissez un fichier : celui-ci est vide. Sont acceptés : %s, "
                              "jusqu'à 10 Mio.",
                              ACCEPTED);
        return NULL;
    }
    if (len > MG_SUBSIDY_ATTACHMENT_MAX_BYTES) {
        unsigned long long tenths = ((unsigned long long)len * 10 + 524288) / 1048576;
        mg_subsidy_errors_add(errs, "file",
                              "Le fichier pèse %llu,%llu Mio : une pièce ne peut dépasser 10 Mio "
                              "(10 485 760 octets).",
                              tenths / 10, tenths % 10);
        return NULL;
    }
    const char *type = mg_contract_document_type(data, len);
    if (!type)
        mg_subsidy_errors_add(errs, "file",
                              "Le contenu du fichier n'est pas celui d'un type accepté (%s), "
                              "quel que soit son nom.",
                              ACCEPTED);
    return type;
}

/* The usual extension of an accepted type, for a file sent without a name. */
static const char *type_extension(const char *type)
{
    static const struct {
        const char *type, *ext;
    } t[] = {
        {"application/pdf", ".pdf"},
        {"image/png", ".png"},
        {"image/jpeg", ".jpg"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
        {"application/vnd.oasis.opendocument.text", ".odt"},
        {"application/vnd.oasis.opendocument.spreadsheet", ".ods"},
    };
    for (size_t i = 0; type && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(type, t[i].type) == 0)
            return t[i].ext;
    return "";
}

/* --- When pieces may change ----------------------------------------------------------------- */

/* The request's applicant and whether a piece of `kind` may be added or
 * removed now; refused on "file" otherwise. */
static int may_change(mg_db_conn *c, int64_t request_id, mg_subsidy_attachment_kind kind,
                      int64_t *applicant, mg_subsidy_errors *errs, mg_diag *d)
{
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT applicant_id, state FROM subsidy_requests WHERE id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(request_id)), &q, d);
    char state[32] = "";
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        *applicant = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, state, sizeof state);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                         (long long)request_id);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    if (strcmp(state, "draft") == 0)
        return 0;
    int64_t n = 0;
    rc = mg_db_query_int(c,
                         "SELECT count(*) FROM subsidy_request_funders "
                         "WHERE request_id = ?1 AND state = 'to_complete'",
                         MG_DB_PARAMS(MG_DB_INT(request_id)), &n, d);
    if (rc < 0)
        return rc;
    if (n > 0)
        return 0;
    if (kind == MG_ATTACH_REPORT) {
        rc = mg_db_query_int(c,
                             "SELECT count(*) FROM subsidy_request_funders f "
                             "WHERE f.request_id = ?1 AND f.state = 'granted' AND NOT EXISTS "
                             "(SELECT 1 FROM subsidy_reports r WHERE r.request_id = ?1 "
                             "AND r.filed_at IS NOT NULL)",
                             MG_DB_PARAMS(MG_DB_INT(request_id)), &n, d);
        if (rc < 0)
            return rc;
        if (n > 0)
            return 0;
    }
    mg_subsidy_errors_add(errs, "file",
                          "Les pièces d'une demande déposée ne changent plus, sauf quand un "
                          "cofinanceur demande de la compléter.");
    return mg_subsidy_refuse(errs, d);
}

/* --- Adding one ----------------------------------------------------------------------------- */

struct add_tx {
    int64_t by, request_id;
    mg_subsidy_attachment_kind kind;
    const char *filename, *type, *sha256;
    const void *data;
    size_t len;
    mg_subsidy_errors *errs;
    int64_t id;
};

static int add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct add_tx *t = ctx;
    t->id = 0;
    int64_t applicant = 0;
    int rc = may_change(c, t->request_id, t->kind, &applicant, t->errs, d);
    if (rc < 0)
        return rc;
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_run(c,
                   "INSERT INTO subsidy_blobs (sha256, media_type, size, data, created_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sha256) DO NOTHING",
                   MG_DB_PARAMS(MG_DB_TEXT(t->sha256), MG_DB_TEXT(t->type),
                                MG_DB_INT((int64_t)t->len), MG_DB_BLOB(t->data, t->len),
                                MG_DB_TEXT(now)),
                   NULL, d);
    if (rc < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO subsidy_attachments (request_id, kind, filename, sha256, "
                         "created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->request_id),
                                      MG_DB_TEXT(mg_subsidy_attachment_kind_key(t->kind)),
                                      MG_DB_TEXT(t->filename), MG_DB_TEXT(t->sha256),
                                      t->by > 0 ? MG_DB_INT(t->by) : MG_DB_NULL,
                                      MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new attachment has no id");
    if (rc < 0)
        return rc;
    char id[24], size[24];
    mg_subsidy_int_text(id, t->id);
    mg_subsidy_int_text(size, (int64_t)t->len);
    mg_audit_change ch[] = {
        {"attachment_id", NULL, id, false},
        {"attachment.kind", NULL, mg_subsidy_attachment_kind_key(t->kind), false},
        {"attachment.filename", NULL, t->filename, false},
        {"attachment.media_type", NULL, t->type, false},
        {"attachment.sha256", NULL, t->sha256, false},
        {"attachment.size", NULL, size, false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = applicant,
                        .object_type = "subsidy_request", .object_id = t->request_id,
                        .verb = "attach", .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_subsidy_attachment_add(mg_db *db, int64_t by, int64_t request_id,
                              mg_subsidy_attachment_kind kind, const char *filename,
                              const void *data, size_t len, int64_t *id_out,
                              mg_subsidy_errors *errs, mg_diag *d)
{
    if (id_out)
        *id_out = 0;
    mg_subsidy_errors local = {0};
    if (!errs)
        errs = &local;
    if (!db || by < 0 || (!data && len))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_attachment_add: bad arguments");
    if (request_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no subsidy request has id %lld",
                           (long long)request_id);
    if ((int)kind < 0 || kind >= MG_ATTACH_KINDS) {
        mg_subsidy_errors_add(errs, "kind",
                              "Choisissez la nature de la pièce dans la liste proposée.");
        return mg_subsidy_refuse(errs, d);
    }
    const char *type = mg_subsidy_attachment_check(data, len, errs);
    if (!type)
        return mg_subsidy_refuse(errs, d);
    char name[256];
    if (mg_subsidy_attachment_filename_clean(filename, name) == 0)
        snprintf(name, sizeof name, "piece%s", type_extension(type));
    if (sodium_init() < 0)
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "libsodium could not start");
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    struct add_tx x = {.by = by, .request_id = request_id, .kind = kind, .filename = name,
                       .type = type, .sha256 = hex, .data = data, .len = len, .errs = errs};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, add_body, &x, d);
    if (rc == 0 && id_out)
        *id_out = x.id;
    return rc;
}

/* --- Removing one --------------------------------------------------------------------------- */

struct del_tx {
    int64_t by, id;
    mg_subsidy_errors *errs;
};

static int del_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct del_tx *t = ctx;
    mg_db_stmt *q = NULL;
    int64_t request_id = 0;
    char kind[32] = "", filename[256] = "", sha[65] = "";
    int rc = mg_db_prepare_with(c,
                                "SELECT request_id, kind, filename, sha256 "
                                "FROM subsidy_attachments WHERE id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        request_id = mg_db_column_int64(q, 0);
        mg_db_column_copy(q, 1, kind, sizeof kind);
        mg_db_column_copy(q, 2, filename, sizeof filename);
        mg_db_column_copy(q, 3, sha, sizeof sha);
        rc = 0;
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no attachment has id %lld",
                         (long long)t->id);
    }
    mg_db_finalize(q);
    if (rc < 0)
        return rc;
    mg_subsidy_attachment_kind k = MG_ATTACH_OTHER;
    if (mg_subsidy_attachment_kind_parse(kind, &k) < 0)
        k = MG_ATTACH_OTHER;
    int64_t applicant = 0;
    if ((rc = may_change(c, request_id, k, &applicant, t->errs, d)) < 0)
        return rc;
    if ((rc = mg_db_run(c, "DELETE FROM subsidy_attachments WHERE id = ?1",
                        MG_DB_PARAMS(MG_DB_INT(t->id)), NULL, d)) < 0)
        return rc;
    /* The bytes go when no attachment names them any more. */
    if ((rc = mg_db_run(c,
                        "DELETE FROM subsidy_blobs WHERE sha256 = ?1 AND NOT EXISTS "
                        "(SELECT 1 FROM subsidy_attachments a WHERE a.sha256 = ?1)",
                        MG_DB_PARAMS(MG_DB_TEXT(sha)), NULL, d)) < 0)
        return rc;
    char id[24];
    mg_subsidy_int_text(id, t->id);
    mg_audit_change ch[] = {
        {"attachment_id", id, NULL, false},
        {"attachment.kind", kind, NULL, false},
        {"attachment.filename", filename, NULL, false},
        {"attachment.sha256", sha, NULL, false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = applicant,
                        .object_type = "subsidy_request", .object_id = request_id,
                        .verb = "detach", .changes = ch, .nchanges = sizeof ch / sizeof ch[0]};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_subsidy_attachment_delete(mg_db *db, int64_t by, int64_t attachment_id,
                                 mg_subsidy_errors *errs, mg_diag *d)
{
    mg_subsidy_errors local = {0};
    if (!db || by < 0)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                           "mg_subsidy_attachment_delete: bad arguments");
    if (attachment_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no attachment has id %lld",
                           (long long)attachment_id);
    struct del_tx t = {.by = by, .id = attachment_id, .errs = errs ? errs : &local};
    return mg_db_transaction(db, MG_DB_TX_WRITE, del_body, &t, d);
}

/* --- Reading them --------------------------------------------------------------------------- */

#define ATTACHMENT_COLUMNS                                                                       \
    "a.id, a.request_id, a.kind, a.filename, b.media_type, a.sha256, b.size, a.created_at "

/* The accepted type equal to s, or "" (what the response says is never
 * anything else than an accepted type). */
static const char *known_type(const char *s)
{
    return *type_extension(s) ? s : "";
}

static void read_attachment(const mg_db_stmt *q, mg_subsidy_attachment *x)
{
    memset(x, 0, sizeof *x);
    x->id = mg_db_column_int64(q, 0);
    x->request_id = mg_db_column_int64(q, 1);
    if (mg_subsidy_attachment_kind_parse(mg_db_column_text(q, 2), &x->kind) < 0)
        x->kind = MG_ATTACH_OTHER;
    mg_db_column_copy(q, 3, x->filename, sizeof x->filename);
    snprintf(x->media_type, sizeof x->media_type, "%s", known_type(mg_db_column_text(q, 4)));
    mg_db_column_copy(q, 5, x->sha256, sizeof x->sha256);
    x->size = mg_db_column_int64(q, 6);
    mg_db_column_copy(q, 7, x->created_at, sizeof x->created_at);
}

struct list_tx {
    int64_t request_id;
    mg_subsidy_attachment *v;
    size_t n, cap;
};

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT " ATTACHMENT_COLUMNS
                                "FROM subsidy_attachments a JOIN subsidy_blobs b "
                                "ON b.sha256 = a.sha256 WHERE a.request_id = ?1 ORDER BY a.id",
                                MG_DB_PARAMS(MG_DB_INT(t->request_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (t->n == t->cap) {
            size_t nc = t->cap ? t->cap * 2 : 8;
            mg_subsidy_attachment *p = realloc(t->v, nc * sizeof *p);
            if (!p) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            t->v = p;
            t->cap = nc;
        }
        read_attachment(q, &t->v[t->n++]);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_subsidy_attachments(mg_db *db, int64_t request_id, mg_subsidy_attachment **out, size_t *n,
                           mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_attachments: bad arguments");
    *out = NULL;
    *n = 0;
    struct list_tx t = {.request_id = request_id};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, list_body, &t, d);
    if (rc < 0) {
        free(t.v);
        return rc;
    }
    *out = t.v;
    *n = t.n;
    return 0;
}

struct get_tx {
    int64_t id;
    mg_subsidy_attachment *out;
    void *data;
    size_t len;
};

static int get_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct get_tx *t = ctx;
    free(t->data);
    t->data = NULL;
    t->len = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT " ATTACHMENT_COLUMNS
                                ", b.data FROM subsidy_attachments a JOIN subsidy_blobs b "
                                "ON b.sha256 = a.sha256 WHERE a.id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        read_attachment(q, t->out);
        size_t n = 0;
        const void *p = mg_db_column_blob(q, 8, &n);
        t->data = malloc(n ? n : 1);
        if (!t->data) {
            rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        } else {
            if (n)
                memcpy(t->data, p, n);
            t->len = n;
            rc = 0;
        }
    } else if (rc == MG_DB_DONE) {
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no attachment has id %lld",
                         (long long)t->id);
    }
    mg_db_finalize(q);
    return rc;
}

int mg_subsidy_attachment_get(mg_db *db, int64_t attachment_id, mg_subsidy_attachment *out,
                              void **data, size_t *len, mg_diag *d)
{
    if (!db || !out || !data || !len)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_attachment_get: bad arguments");
    *data = NULL;
    *len = 0;
    if (attachment_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no attachment has id %lld",
                           (long long)attachment_id);
    struct get_tx t = {.id = attachment_id, .out = out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
    if (rc < 0) {
        free(t.data);
        return rc;
    }
    *data = t.data;
    *len = t.len;
    return 0;
}

int mg_subsidy_attachment_kinds(mg_db_conn *c, int64_t request_id, unsigned *present,
                                mg_diag *d)
{
    if (!c || !present)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_attachment_kinds: bad arguments");
    *present = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT DISTINCT kind FROM subsidy_attachments "
                                "WHERE request_id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(request_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        mg_subsidy_attachment_kind k;
        if (mg_subsidy_attachment_kind_parse(mg_db_column_text(q, 0), &k) == 0)
            *present |= 1u << k;
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}
