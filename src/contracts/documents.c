/*
 * The documents of a contract (contracts/contracts.h, "Documents"): the
 * signed contract, its amendments, a steering committee's minutes… stored
 * in the database (table contract_documents of migration 008, the bytes a
 * BLOB) so that every server process serves them.
 *
 * A document's type is read from its bytes, never from its name: a file
 * named "convention.pdf" that holds HTML is refused, so that the server
 * never hands a browser something else than what it says it is. The
 * accepted types are those of the table's CHECK; office documents are
 * ZIP archives told apart by what they say inside (libzip). Each document
 * keeps its SHA-256 (libsodium), shown beside it so that a copy can be
 * checked against the stored one.
 *
 * Adding one is a write transaction with its audit entry ("add_document"
 * on the contract, on behalf of its lead).
 */
#include "contracts/contracts.h"
#include "contracts/plan_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "audit/audit.h"
#include "core/utf8.h"

/* --- The type from the bytes ------------------------------------------------- */

static const char PDF[] = "application/pdf";
static const char PNG[] = "image/png";
static const char JPEG[] = "image/jpeg";
static const char DOCX[] =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
static const char XLSX[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
static const char ODT[] = "application/vnd.oasis.opendocument.text";
static const char ODS[] = "application/vnd.oasis.opendocument.spreadsheet";

/* The parts of a ZIP archive read to tell its type: small files. */
#define MIMETYPE_MAX 128
#define CONTENT_TYPES_MAX (256 * 1024)

/* Reads entry `name` of za whole into a new NUL-ended buffer, when it is
 * there and at most max bytes; NULL otherwise. */
static char *zip_entry(zip_t *za, const char *name, size_t max, size_t *len)
{
    zip_int64_t i = zip_name_locate(za, name, 0);
    if (i < 0)
        return NULL;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        st.size > max)
        return NULL;
    zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)i, 0);
    if (!zf)
        return NULL;
    char *buf = malloc((size_t)st.size + 1);
    zip_int64_t got = buf ? zip_fread(zf, buf, st.size) : -1;
    zip_fclose(zf);
    if (got < 0 || (zip_uint64_t)got != st.size) {
        free(buf);
        return NULL;
    }
    buf[got] = 0;
    *len = (size_t)got;
    return buf;
}

/* Whether the XML text names content type `type` as an attribute value
 * (between double or single quotes). */
static bool names_type(const char *xml, size_t len, const char *type)
{
    size_t n = strlen(type);
    for (size_t i = 1; i + n < len; i++)
        if ((xml[i - 1] == '"' || xml[i - 1] == '\'') && xml[i] == type[0] &&
            memcmp(xml + i, type, n) == 0 && xml[i + n] == xml[i - 1])
            return true;
    return false;
}

static const char *zip_type(const void *data, size_t len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (!src) {
        zip_error_fini(&ze);
        return NULL;
    }
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    zip_error_fini(&ze);
    if (!za) {
        zip_source_free(src);
        return NULL;
    }
    const char *type = NULL;
    size_t n = 0;
    char *mt = zip_entry(za, "mimetype", MIMETYPE_MAX, &n);
    if (mt) {
        /* OpenDocument: the entry is the type itself, nothing else. */
        if (n == strlen(ODT) && memcmp(mt, ODT, n) == 0)
            type = ODT;
        else if (n == strlen(ODS) && memcmp(mt, ODS, n) == 0)
            type = ODS;
        free(mt);
    } else {
        char *ct = zip_entry(za, "[Content_Types].xml", CONTENT_TYPES_MAX, &n);
        if (ct) {
            bool word = names_type(ct, n, "application/vnd.openxmlformats-officedocument."
                                          "wordprocessingml.document.main+xml");
            bool sheet = names_type(ct, n, "application/vnd.openxmlformats-officedocument."
                                           "spreadsheetml.sheet.main+xml");
            if (word != sheet)
                type = word ? DOCX : XLSX;
            free(ct);
        }
    }
    zip_discard(za); /* frees src too */
    return type;
}

const char *mg_contract_document_type(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (!p || len == 0)
        return NULL;
    if (len >= 8 && memcmp(p, "%PDF-", 5) == 0 && p[5] >= '1' && p[5] <= '9' && p[6] == '.')
        return PDF;
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return PNG;
    if (len >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return JPEG;
    if (len >= 30 && memcmp(p, "PK\x03\x04", 4) == 0)
        return zip_type(data, len);
    return NULL;
}

const char *mg_contract_document_type_label(const char *t)
{
    static const struct {
        const char *type, *label;
    } labels[] = {
        {PDF, "PDF"},
        {PNG, "Image PNG"},
        {JPEG, "Image JPEG"},
        {DOCX, "Document Word"},
        {XLSX, "Classeur Excel"},
        {ODT, "Texte OpenDocument"},
        {ODS, "Classeur OpenDocument"},
    };
    for (size_t i = 0; t && i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(t, labels[i].type) == 0)
            return labels[i].label;
    return "";
}

/* --- Adding one -------------------------------------------------------------- */

/* The file's name without any folder a browser may send ("C:\…\a.pdf"),
 * checked: UTF-8, 1 to 255 characters, no control character. Into out. */
static int check_filename(const char *name, char *out, size_t cap, mg_contract_field_error *fe,
                          mg_diag *d)
{
    if (!name)
        name = "";
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    char *t = NULL;
    int rc = mg_ct_check_text(base, 255, true, false, "file", "Nom du fichier", &t, fe, d);
    if (rc < 0)
        return rc;
    if (strlen(t) >= cap) {
        free(t);
        return mg_ct_refuse(fe, d, "file", "Le nom du fichier est trop long.");
    }
    snprintf(out, cap, "%s", t);
    free(t);
    return 0;
}

struct add_tx {
    int64_t by, contract_id, action_id;
    const char *title, *filename, *media_type, *sha256;
    const void *data;
    size_t len;
    mg_contract_field_error *fe;
    int64_t id;
};

static int add_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct add_tx *t = ctx;
    t->id = 0;
    mg_contract k;
    int rc = mg_ct_contract_on(c, t->contract_id, &k, d);
    if (rc < 0)
        return rc;
    if (t->action_id) {
        mg_contract_action a;
        memset(&a, 0, sizeof a);
        rc = mg_ct_action_on(c, t->action_id, &a, d);
        bool ours = rc == 0 && a.contract_id == t->contract_id;
        if (rc == 0)
            mg_contract_action_clear(&a);
        if (rc == MG_ENOTFOUND || (rc == 0 && !ours))
            return mg_ct_refuse(t->fe, d, "action", "Cette action n'est pas une action du contrat.");
        if (rc < 0)
            return rc;
    }
    char now[MG_DB_TIMESTAMP_SIZE];
    if ((rc = mg_db_timestamp(now, d)) < 0)
        return rc;
    rc = mg_db_query_int(c,
                         "INSERT INTO contract_documents (contract_id, action_id, title, filename, "
                         "media_type, sha256, size, data, created_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                         MG_DB_PARAMS(MG_DB_INT(t->contract_id),
                                      t->action_id ? MG_DB_INT(t->action_id) : MG_DB_NULL,
                                      MG_DB_TEXT(t->title), MG_DB_TEXT(t->filename),
                                      MG_DB_TEXT(t->media_type), MG_DB_TEXT(t->sha256),
                                      MG_DB_INT((int64_t)t->len), MG_DB_BLOB(t->data, t->len),
                                      MG_DB_TEXT(now)),
                         &t->id, d);
    if (rc == MG_ENOTFOUND)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "DATABASE: the new document has no id");
    if (rc < 0)
        return rc;
    char id[24], size[24], action[24];
    snprintf(id, sizeof id, "%lld", (long long)t->id);
    snprintf(size, sizeof size, "%zu", t->len);
    snprintf(action, sizeof action, "%lld", (long long)t->action_id);
    mg_audit_change ch[] = {
        {"document_id", NULL, id, false},
        {"document.action_id", NULL, t->action_id ? action : NULL, false},
        {"document.title", NULL, t->title, false},
        {"document.filename", NULL, t->filename, false},
        {"document.media_type", NULL, t->media_type, false},
        {"document.sha256", NULL, t->sha256, false},
        {"document.size", NULL, size, false},
    };
    mg_audit_entry e = {.account_id = t->by, .organisation_id = k.organisation_id,
                        .object_type = "contract", .object_id = t->contract_id,
                        .verb = "add_document", .changes = ch,
                        .nchanges = sizeof ch / sizeof ch[0]};
    return mg_audit_append(c, &e, NULL, d);
}

int mg_contract_document_add(mg_db *db, int64_t by, int64_t contract_id, int64_t action_id,
                             const char *title, const char *filename, const void *data,
                             size_t len, int64_t *id_out, mg_contract_field_error *fe,
                             mg_diag *d)
{
    if (fe)
        fe->field = NULL, fe->msg[0] = 0;
    if (id_out)
        *id_out = 0;
    if (!db || by < 0 || action_id < 0 || (!data && len))
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_document_add: bad arguments");
    if (contract_id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no contract has id %lld",
                           (long long)contract_id);
    if (len == 0)
        return mg_ct_refuse(fe, d, "file", "Choisissez un fichier : celui-ci est vide.");
    if (len > MG_CONTRACT_DOCUMENT_MAX_BYTES)
    {
        /* Tenths of a mebibyte, written the French way ("12,5 Mio"). */
        unsigned long long tenths = ((unsigned long long)len * 10 + 524288) / 1048576;
        return mg_ct_refuse(fe, d, "file",
                            "Le fichier pèse %llu,%llu Mio : un document ne peut dépasser "
                            "10 Mio (10 485 760 octets).",
                            tenths / 10, tenths % 10);
    }
    const char *type = mg_contract_document_type(data, len);
    if (!type)
        return mg_ct_refuse(fe, d, "file",
                            "Le contenu du fichier n'est pas celui d'un type accepté (PDF, PNG, "
                            "JPEG, Word .docx, Excel .xlsx, OpenDocument .odt ou .ods), quel que "
                            "soit son nom.");
    char name[256 * 4];
    int rc = check_filename(filename, name, sizeof name, fe, d);
    if (rc < 0)
        return rc;
    char *t = NULL;
    rc = mg_ct_check_text(title && *title ? title : name, MG_CONTRACT_TITLE_MAX_CHARS, true,
                          false, "title", "Intitulé du document", &t, fe, d);
    if (rc < 0)
        return rc;
    if (sodium_init() < 0) {
        free(t);
        return mg_diag_set(d, MG_EIO, NULL, 0, 0, "libsodium could not start");
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    struct add_tx x = {.by = by, .contract_id = contract_id, .action_id = action_id,
                       .title = t, .filename = name, .media_type = type, .sha256 = hex,
                       .data = data, .len = len, .fe = fe};
    rc = mg_db_transaction(db, MG_DB_TX_WRITE, add_body, &x, d);
    free(t);
    if (rc == 0 && id_out)
        *id_out = x.id;
    return rc;
}

/* --- Reading them ---------------------------------------------------------------- */

#define DOCUMENT_COLUMNS                                                                         \
    "id, contract_id, action_id, title, filename, media_type, sha256, size, created_at "

/* The accepted type equal to s (a static string for the response), or "". */
static const char *known_type(const char *s)
{
    static const char *const types[] = {PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS};
    for (size_t i = 0; s && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(s, types[i]) == 0)
            return types[i];
    return "";
}

static void read_document(const mg_db_stmt *q, mg_contract_document *x)
{
    memset(x, 0, sizeof *x);
    x->id = mg_db_column_int64(q, 0);
    x->contract_id = mg_db_column_int64(q, 1);
    x->action_id = mg_db_column_int64(q, 2);
    mg_db_column_copy(q, 3, x->title, sizeof x->title);
    mg_db_column_copy(q, 4, x->filename, sizeof x->filename);
    snprintf(x->media_type, sizeof x->media_type, "%s", known_type(mg_db_column_text(q, 5)));
    mg_db_column_copy(q, 6, x->sha256, sizeof x->sha256);
    x->size = (size_t)mg_db_column_int64(q, 7);
    mg_db_column_copy(q, 8, x->created_at, sizeof x->created_at);
}

struct list_tx {
    int64_t contract_id;
    mg_contract_document *v;
    size_t n, cap;
};

static int list_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct list_tx *t = ctx;
    t->n = 0;
    mg_db_stmt *q = NULL;
    int rc = mg_db_prepare_with(c,
                                "SELECT " DOCUMENT_COLUMNS "FROM contract_documents "
                                "WHERE contract_id = ?1 ORDER BY created_at DESC, id DESC",
                                MG_DB_PARAMS(MG_DB_INT(t->contract_id)), &q, d);
    while (rc == 0 && (rc = mg_db_step(q, d)) == MG_DB_ROW) {
        if (t->n == t->cap) {
            size_t nc = t->cap ? t->cap * 2 : 8;
            mg_contract_document *p = realloc(t->v, nc * sizeof *p);
            if (!p) {
                rc = mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
                break;
            }
            t->v = p;
            t->cap = nc;
        }
        read_document(q, &t->v[t->n++]);
        rc = 0;
    }
    mg_db_finalize(q);
    return rc == MG_DB_DONE ? 0 : rc;
}

int mg_ct_documents_on(mg_db_conn *c, int64_t contract_id, mg_contract_document **out,
                       size_t *n, mg_diag *d)
{
    *out = NULL;
    *n = 0;
    struct list_tx t = {.contract_id = contract_id};
    int rc = list_body(c, &t, d);
    if (rc < 0) {
        free(t.v);
        return rc;
    }
    *out = t.v;
    *n = t.n;
    return 0;
}

int mg_contract_documents(mg_db *db, int64_t contract_id, mg_contract_document **out,
                          size_t *n, mg_diag *d)
{
    if (!db || !out || !n)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_documents: bad arguments");
    *out = NULL;
    *n = 0;
    struct list_tx t = {.contract_id = contract_id};
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
    mg_contract_document *out;
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
                                "SELECT " DOCUMENT_COLUMNS ", data FROM contract_documents "
                                "WHERE id = ?1",
                                MG_DB_PARAMS(MG_DB_INT(t->id)), &q, d);
    if (rc == 0)
        rc = mg_db_step(q, d);
    if (rc == MG_DB_ROW) {
        read_document(q, t->out);
        size_t n = 0;
        const void *p = mg_db_column_blob(q, 9, &n);
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
        rc = mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no document has id %lld",
                         (long long)t->id);
    }
    mg_db_finalize(q);
    return rc;
}

int mg_contract_document_get(mg_db *db, int64_t id, mg_contract_document *out, void **data,
                             size_t *len, mg_diag *d)
{
    if (!db || !out || !data || !len)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_contract_document_get: bad arguments");
    *data = NULL;
    *len = 0;
    if (id <= 0)
        return mg_diag_set(d, MG_ENOTFOUND, NULL, 0, 0, "no document has id %lld", (long long)id);
    struct get_tx t = {.id = id, .out = out};
    int rc = mg_db_transaction(db, MG_DB_TX_READ, get_body, &t, d);
    if (rc < 0) {
        free(t.data);
        return rc;
    }
    *data = t.data;
    *len = t.len;
    return 0;
}
