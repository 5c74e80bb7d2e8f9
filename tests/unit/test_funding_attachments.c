/*
 * The attachments of a subsidy request (funding/attachments.c) on SQLite,
 * then on PostgreSQL when MG_TEST_PG_URI is set: a PDF, a PNG and a DOCX
 * accepted, their bytes read back; an HTML page named .pdf, an empty file
 * and a file over 10 MiB refused on "file" with nothing changed (rows of
 * both tables and the audit trail); the same bytes sent by two requests
 * stored once; pieces fixed once the request is filed, open again while a
 * co-funder asks to complete it, the final report's pieces after a
 * grant; the names kept. Then the routes (web/funding_attachments.c)
 * through the application's router on the demo Aude: an upload round
 * trip in multipart/form-data, a disguised HTML page refused with 400 and
 * the page keeping the error, the download's headers, the filled form
 * and the agreement refused for a part not granted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "auth/auth.h"
#include "core/utf8.h"
#include "funding/attachments.h"
#include "parse/parse.h"
#include "db_fixture.h"
#include "web_fixture.h"

TEST_DB_FIXTURE("funding_attachments")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

/* --- Raw SQL around the module ------------------------------------------------------------- */

struct raw_tx {
    const char *sql;
    const mg_db_param *p;
    size_t n;
    int64_t out;
};

static int raw_body(mg_db_conn *c, void *ctx, mg_diag *d)
{
    struct raw_tx *t = ctx;
    t->out = 0;
    int rc = mg_db_query_int(c, t->sql, t->p, t->n, &t->out, d);
    return rc == MG_ENOTFOUND ? 0 : rc;
}

static int64_t raw_ok(mg_db *db, const char *sql, const mg_db_param *p, size_t n)
{
    struct raw_tx t = {sql, p, n, 0};
    mg_diag d = {{0}};
    int rc = mg_db_transaction(db, MG_DB_TX_WRITE, raw_body, &t, &d);
    if (rc != 0)
        fail_msg("%s: %s (%s)", sql, mg_strerror(rc), d.msg);
    return t.out;
}

static int64_t count(mg_db *db, const char *sql)
{
    return raw_ok(db, sql, MG_DB_NO_PARAMS);
}

static int64_t org_ok(mg_db *db, const char *name, const char *kind)
{
    mg_auth_org_input in = {.name = name, .kind = kind};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(db, 0, &in, true, false, &id, NULL, &d);
    if (rc != 0)
        fail_msg("organisation %s: %s (%s)", name, mg_strerror(rc), d.msg);
    return id;
}

static const char NOW[] = "2026-12-05T10:00:00Z";

static int64_t window_raw(mg_db *db, int64_t lead)
{
    return raw_ok(db,
                  "INSERT INTO subsidy_windows (lead_id, title, is_example, created_at, "
                  "updated_at) VALUES (?1, 'Guichet santé (exemple)', 1, ?2, ?2) RETURNING id",
                  MG_DB_PARAMS(MG_DB_INT(lead), MG_DB_TEXT(NOW)));
}

/* A draft of `applicant` in window w. */
static int64_t request_raw(mg_db *db, int64_t w, int64_t applicant)
{
    return raw_ok(db,
                  "INSERT INTO subsidy_requests (window_id, applicant_id, name, title, "
                  "is_example, created_at, updated_at) VALUES (?1, ?2, 'Association (exemple)', "
                  "'Prévention (exemple)', 1, ?3, ?3) RETURNING id",
                  MG_DB_PARAMS(MG_DB_INT(w), MG_DB_INT(applicant), MG_DB_TEXT(NOW)));
}

/* The request filed (its budget empty: both totals 0). */
static void file_raw(mg_db *db, int64_t r)
{
    raw_ok(db, "UPDATE subsidy_requests SET state = 'filed', filed_at = ?2 WHERE id = ?1",
           MG_DB_PARAMS(MG_DB_INT(r), MG_DB_TEXT(NOW)));
}

/* A part of co-funder f in `state` ("to_complete", "granted"). */
static void part_raw(mg_db *db, int64_t r, int64_t f, const char *state)
{
    bool granted = strcmp(state, "granted") == 0;
    raw_ok(db,
           "INSERT INTO subsidy_request_funders (request_id, funder_id, asked_cents, state, "
           "state_before_question, routed_at, granted_cents, decided_at, updated_at) "
           "VALUES (?1, ?2, 100000, ?3, ?4, ?5, ?6, ?7, ?5)",
           MG_DB_PARAMS(MG_DB_INT(r), MG_DB_INT(f), MG_DB_TEXT(state),
                        granted ? MG_DB_NULL : MG_DB_TEXT("received"), MG_DB_TEXT(NOW),
                        granted ? MG_DB_INT(50000) : MG_DB_NULL,
                        granted ? MG_DB_TEXT(NOW) : MG_DB_NULL));
    raw_ok(db, "UPDATE subsidy_requests SET state = ?2 WHERE id = ?1",
           MG_DB_PARAMS(MG_DB_INT(r), MG_DB_TEXT(granted ? "granted_part" : "to_complete")));
}

/* --- Sample files --------------------------------------------------------------------------- */

static const unsigned char PDF[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n";
static const unsigned char PNG[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x06";
static const char HTML[] = "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>";

/* A ZIP archive of the entries (name, content, NULL-ended), written
 * through libzip into the folder `dir`. */
static unsigned char *make_zip(const char *dir, const char *const *entries, size_t *len)
{
    char path[400];
    snprintf(path, sizeof path, "%s/doc.zip", dir);
    int err = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    assert_non_null(za);
    for (size_t i = 0; entries[i]; i += 2) {
        zip_source_t *s = zip_source_buffer(za, entries[i + 1], strlen(entries[i + 1]), 0);
        assert_non_null(s);
        assert_true(zip_file_add(za, entries[i], s, ZIP_FL_OVERWRITE) >= 0);
    }
    assert_int_equal(zip_close(za), 0);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n);
    assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return b;
}

static unsigned char *make_docx(const char *dir, size_t *len)
{
    return make_zip(dir,
                    (const char *const[]){
                        "[Content_Types].xml",
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas."
                        "openxmlformats.org/package/2006/content-types\"><Default Extension="
                        "\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/x.xml\" "
                        "ContentType=\"application/vnd.openxmlformats-officedocument."
                        "wordprocessingml.document.main+xml\"/></Types>",
                        "x.xml", "<w:document/>", NULL},
                    len);
}

/* The SHA-256 of the bytes as coreutils computes it. */
static void sha256sum(const char *dir, const void *data, size_t len, char out[static 65])
{
    char path[400], cmd[500];
    snprintf(path, sizeof path, "%s/bytes.bin", dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, 65, p));
    pclose(p);
    assert_int_equal(strlen(out), 64);
}

/* Rows of both tables and of the audit trail. */
typedef struct counts {
    int64_t blobs, attachments, audit;
} counts;

static counts counts_of(mg_db *db)
{
    return (counts){count(db, "SELECT count(*) FROM subsidy_blobs"),
                    count(db, "SELECT count(*) FROM subsidy_attachments"),
                    count(db, "SELECT count(*) FROM audit_entries")};
}

static void assert_same_counts(counts a, counts b)
{
    assert_int_equal(a.blobs, b.blobs);
    assert_int_equal(a.attachments, b.attachments);
    assert_int_equal(a.audit, b.audit);
}

/* --- Domain tests ---------------------------------------------------------------------------- */

static void test_accepted_types(void **state)
{
    struct fixture *f = *state;
    mg_db *db = open_db(state);
    int64_t lead = org_ok(db, "Département (exemple)", "departement");
    int64_t appl = org_ok(db, "Association (exemple)", "association");
    int64_t r = request_raw(db, window_raw(db, lead), appl);
    size_t ndocx = 0;
    unsigned char *docx = make_docx(f->dir, &ndocx);
    struct {
        const void *data;
        size_t len;
        mg_subsidy_attachment_kind kind;
        const char *name, *kept, *type;
    } cases[] = {
        {PDF, sizeof PDF - 1, MG_ATTACH_STATUTES, "C:\\Mes documents\\statuts.pdf", "statuts.pdf",
         "application/pdf"},
        {PNG, sizeof PNG - 1, MG_ATTACH_BANK_DETAILS, "rib.png", "rib.png", "image/png"},
        {docx, ndocx, MG_ATTACH_ATTESTATION, "attestation.docx", "attestation.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    };
    counts before = counts_of(db);
    int64_t ids[3] = {0};
    for (size_t i = 0; i < 3; i++) {
        mg_subsidy_errors errs = {0};
        mg_diag d = {{0}};
        int rc = mg_subsidy_attachment_add(db, 0, r, cases[i].kind, cases[i].name, cases[i].data,
                                           cases[i].len, &ids[i], &errs, &d);
        if (rc)
            fail_msg("%s: %s (%s)", cases[i].name, mg_strerror(rc), d.msg);
        assert_true(ids[i] > 0);
    }
    counts after = counts_of(db);
    assert_int_equal(after.blobs, before.blobs + 3);
    assert_int_equal(after.attachments, before.attachments + 3);
    assert_int_equal(after.audit, before.audit + 3);
    assert_int_equal(count(db, "SELECT count(*) FROM audit_entries WHERE object_type = "
                               "'subsidy_request' AND verb = 'attach'"),
                     3);
    for (size_t i = 0; i < 3; i++) {
        mg_subsidy_attachment a;
        void *data = NULL;
        size_t len = 0;
        mg_diag d = {{0}};
        assert_int_equal(mg_subsidy_attachment_get(db, ids[i], &a, &data, &len, &d), 0);
        assert_int_equal(a.request_id, r);
        assert_int_equal(a.kind, cases[i].kind);
        assert_string_equal(a.filename, cases[i].kept);
        assert_string_equal(a.media_type, cases[i].type);
        assert_int_equal(a.size, (int64_t)cases[i].len);
        assert_int_equal(len, cases[i].len);
        assert_memory_equal(data, cases[i].data, len);
        char sum[65];
        sha256sum(f->dir, cases[i].data, cases[i].len, sum);
        assert_string_equal(a.sha256, sum);
        free(data);
    }
    mg_subsidy_attachment *list = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_attachments(db, r, &list, &n, &d), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(list[i].id, ids[i]);
    free(list);
    /* The kinds present, read on a connection as the filing does. */
    mg_db_conn *c = NULL;
    unsigned present = 0;
    assert_int_equal(mg_db_acquire(db, &c, &d), 0);
    assert_int_equal(mg_subsidy_attachment_kinds(c, r, &present, &d), 0);
    mg_db_release(c);
    assert_int_equal(present, (1u << MG_ATTACH_STATUTES) | (1u << MG_ATTACH_BANK_DETAILS) |
                                  (1u << MG_ATTACH_ATTESTATION));
    free(docx);
    mg_db_close(db);
}

static void test_refused_files(void **state)
{
    mg_db *db = open_db(state);
    int64_t lead = org_ok(db, "Département (exemple)", "departement");
    int64_t appl = org_ok(db, "Association (exemple)", "association");
    int64_t r = request_raw(db, window_raw(db, lead), appl);
    /* One piece already there, so that a refusal has something to leave alone. */
    int64_t id = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r, MG_ATTACH_OTHER, "a.pdf", PDF,
                                               sizeof PDF - 1, &id, NULL, &d),
                     0);
    counts before = counts_of(db);
    /* Over the limit by one byte, a PDF by its first bytes. */
    size_t big_len = (size_t)MG_SUBSIDY_ATTACHMENT_MAX_BYTES + 1;
    unsigned char *big = calloc(1, big_len);
    assert_non_null(big);
    memcpy(big, PDF, sizeof PDF - 1);
    struct {
        const void *data;
        size_t len;
        const char *name, *says;
    } cases[] = {
        {HTML, sizeof HTML - 1, "statuts.pdf", "quel que soit son nom"},
        {"", 0, "vide.pdf", "vide"},
        {big, big_len, "gros.pdf", "10 Mio"},
        {"PK\x03\x04 not really a zip archive at all, just bytes", 48, "a.docx", "PDF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mg_subsidy_errors errs = {0};
        int64_t nid = 0;
        mg_diag_clear(&d);
        int rc = mg_subsidy_attachment_add(db, 0, r, MG_ATTACH_STATUTES, cases[i].name,
                                           cases[i].data, cases[i].len, &nid, &errs, &d);
        assert_int_equal(rc, MG_EINVAL);
        assert_int_equal(nid, 0);
        const char *msg = mg_subsidy_errors_for(&errs, "file");
        if (!msg || !strstr(msg, cases[i].says))
            fail_msg("%s: \"%s\" does not say \"%s\"", cases[i].name, msg ? msg : "(none)",
                     cases[i].says);
        /* What is accepted is named (the size limit or the types). */
        assert_true(strstr(msg, "PDF") || strstr(msg, "10 Mio"));
        assert_int_equal(mg_utf8_check(msg, strlen(msg), NULL), strlen(msg));
        assert_same_counts(before, counts_of(db));
    }
    /* Exactly at the limit: accepted. */
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r, MG_ATTACH_OTHER, "limite.pdf", big,
                                               big_len - 1, &id, NULL, &d),
                     0);
    free(big);
    /* A kind out of range is refused on "kind". */
    mg_subsidy_errors errs = {0};
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r, MG_ATTACH_KINDS, "a.pdf", PDF,
                                               sizeof PDF - 1, &id, &errs, &d),
                     MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "kind"));
    /* A request that does not exist. */
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r + 1000, MG_ATTACH_OTHER, "a.pdf", PDF,
                                               sizeof PDF - 1, &id, NULL, &d),
                     MG_ENOTFOUND);
    mg_db_close(db);
}

static void test_same_bytes_stored_once(void **state)
{
    mg_db *db = open_db(state);
    int64_t lead = org_ok(db, "Département (exemple)", "departement");
    int64_t a1 = org_ok(db, "Association A (exemple)", "association");
    int64_t a2 = org_ok(db, "Association B (exemple)", "association");
    int64_t w = window_raw(db, lead);
    int64_t r1 = request_raw(db, w, a1), r2 = request_raw(db, w, a2);
    counts before = counts_of(db);
    int64_t id1 = 0, id2 = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r1, MG_ATTACH_STATUTES, "statuts.pdf", PDF,
                                               sizeof PDF - 1, &id1, NULL, &d),
                     0);
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r2, MG_ATTACH_STATUTES, "autre nom.pdf",
                                               PDF, sizeof PDF - 1, &id2, NULL, &d),
                     0);
    counts after = counts_of(db);
    assert_int_equal(after.blobs, before.blobs + 1);
    assert_int_equal(after.attachments, before.attachments + 2);
    assert_int_equal(after.audit, before.audit + 2);
    mg_subsidy_attachment x1, x2;
    void *b1 = NULL, *b2 = NULL;
    size_t n1 = 0, n2 = 0;
    assert_int_equal(mg_subsidy_attachment_get(db, id1, &x1, &b1, &n1, &d), 0);
    assert_int_equal(mg_subsidy_attachment_get(db, id2, &x2, &b2, &n2, &d), 0);
    assert_string_equal(x1.sha256, x2.sha256);
    assert_string_equal(x2.filename, "autre nom.pdf");
    assert_int_equal(x2.request_id, r2);
    assert_int_equal(n2, sizeof PDF - 1);
    assert_memory_equal(b2, PDF, n2);
    free(b1), free(b2);
    /* Removing one keeps the bytes the other still names. */
    assert_int_equal(mg_subsidy_attachment_delete(db, 0, id1, NULL, &d), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM subsidy_blobs"), before.blobs + 1);
    assert_int_equal(mg_subsidy_attachment_get(db, id1, &x1, &b1, &n1, &d), MG_ENOTFOUND);
    assert_int_equal(mg_subsidy_attachment_delete(db, 0, id2, NULL, &d), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM subsidy_blobs"), before.blobs);
    assert_int_equal(count(db, "SELECT count(*) FROM audit_entries WHERE verb = 'detach'"), 2);
    mg_db_close(db);
}

static void test_filed_request(void **state)
{
    mg_db *db = open_db(state);
    int64_t lead = org_ok(db, "Département (exemple)", "departement");
    int64_t appl = org_ok(db, "Association (exemple)", "association");
    int64_t fund = org_ok(db, "Caisse primaire (exemple)", "cpam");
    int64_t w = window_raw(db, lead);
    int64_t r = request_raw(db, w, appl);
    int64_t id = 0, id2 = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r, MG_ATTACH_STATUTES, "statuts.pdf", PDF,
                                               sizeof PDF - 1, &id, NULL, &d),
                     0);
    file_raw(db, r);
    counts before = counts_of(db);
    mg_subsidy_errors errs = {0};
    assert_int_equal(mg_subsidy_attachment_delete(db, 0, id, &errs, &d), MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "file"));
    memset(&errs, 0, sizeof errs);
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r, MG_ATTACH_OTHER, "b.png", PNG,
                                               sizeof PNG - 1, &id2, &errs, &d),
                     MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "file"));
    assert_same_counts(before, counts_of(db));
    /* A co-funder asks to complete it: pieces may come and go. */
    part_raw(db, r, fund, "to_complete");
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r, MG_ATTACH_OTHER, "b.png", PNG,
                                               sizeof PNG - 1, &id2, NULL, &d),
                     0);
    assert_int_equal(mg_subsidy_attachment_delete(db, 0, id2, NULL, &d), 0);
    /* A granted request: only the final report's pieces. */
    int64_t r2 = request_raw(db, w, appl);
    file_raw(db, r2);
    part_raw(db, r2, fund, "granted");
    memset(&errs, 0, sizeof errs);
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r2, MG_ATTACH_STATUTES, "s.pdf", PDF,
                                               sizeof PDF - 1, &id2, &errs, &d),
                     MG_EINVAL);
    assert_non_null(mg_subsidy_errors_for(&errs, "file"));
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r2, MG_ATTACH_REPORT, "cr.pdf", PDF,
                                               sizeof PDF - 1, &id2, NULL, &d),
                     0);
    mg_db_close(db);
}

/* --- The names kept ------------------------------------------------------------------------- */

static void test_filename_clean(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } cases[] = {
        {"statuts.pdf", "statuts.pdf"},
        {"C:\\Users\\Présidente\\RIB 2026.pdf", "RIB 2026.pdf"},
        {"../../etc/passwd", "passwd"},
        {"a\x01" "b\x7f" "c\r\n.pdf", "abc.pdf"},
        {"fdp\xe2\x80\xae" "exe.pdf", "fdpexe.pdf"},      /* U+202E dropped */
        {"\xff\xfe bilan\xc3.pdf", "bilan.pdf"},           /* invalid bytes dropped */
        {"\xc2\x85note.pdf", "note.pdf"},                  /* U+0085 (C1) dropped */
        {"  .cache.pdf  ", "cache.pdf"},
        {"dossier/", ""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        size_t n = mg_subsidy_attachment_filename_clean(cases[i].in, out);
        assert_string_equal(out, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
    }
    char out[256];
    assert_int_equal(mg_subsidy_attachment_filename_clean(NULL, out), 0);
    /* 300 "é" and ".pdf": cut on a character boundary, the extension kept. */
    char longname[700];
    size_t k = 0;
    for (int i = 0; i < 300; i++)
        longname[k++] = '\xc3', longname[k++] = '\xa9';
    memcpy(longname + k, ".pdf", 5);
    size_t n = mg_subsidy_attachment_filename_clean(longname, out);
    assert_true(n <= 255 && n > 200);
    assert_int_equal(mg_utf8_check(out, n, NULL), n);
    assert_string_equal(out + n - 4, ".pdf");
}

static void test_nameless_file(void **state)
{
    mg_db *db = open_db(state);
    int64_t lead = org_ok(db, "Département (exemple)", "departement");
    int64_t appl = org_ok(db, "Association (exemple)", "association");
    int64_t r = request_raw(db, window_raw(db, lead), appl);
    int64_t id = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_attachment_add(db, 0, r, MG_ATTACH_OTHER, "\x01/", PNG,
                                               sizeof PNG - 1, &id, NULL, &d),
                     0);
    mg_subsidy_attachment a;
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(mg_subsidy_attachment_get(db, id, &a, &data, &len, &d), 0);
    assert_string_equal(a.filename, "piece.png");
    free(data);
    mg_db_close(db);
}

/* --- The routes ----------------------------------------------------------------------------- */

/* Another account, logged in: its session cookie and CSRF token. */
typedef struct who {
    char cookie[128];
    char csrf[MG_AUTH_TOKEN_CHARS + 1];
} who;

static who reader, stranger;

static void login_as(who *w, int64_t org, mg_auth_role role, const char *tag)
{
    mg_diag d = {{0}};
    char email[96];
    snprintf(email, sizeof email, "%s.%ld@pieces.invalid", tag, (long)time(NULL));
    const char *password = "un mot de passe de test assez long";
    int64_t account = 0;
    mg_auth_login_result lr;
    int64_t retry = 0;
    mg_auth_session s;
    if (mg_auth_account_add(app->db, 0, email, "Compte de test (exemple)", password, org, role,
                            &account, NULL, &d) ||
        mg_auth_login(app->db, email, password, "127.0.0.1", (int64_t)time(NULL), &lr, &retry,
                      &d) ||
        mg_auth_session_load(app->db, lr.session, (int64_t)time(NULL), &s, &d))
        fail_msg("log-in %s: %s", tag, d.msg);
    snprintf(w->cookie, sizeof w->cookie, "mg_session=%s", lr.session);
    memcpy(w->csrf, s.csrf, sizeof w->csrf);
}

static int as(const who *w, const char *method, const char *target, const char *ctype,
              const char *body, size_t len)
{
    mg_http_response res;
    const char *headers[] = {"Cookie", w->cookie, "X-CSRF-Token", w->csrf, NULL};
    assert_int_equal(mg_http_dispatch_with(app->router, method, target, headers, ctype, body,
                                           len, &res),
                     0);
    int status = res.status;
    mg_http_response_free(&res);
    return status;
}

#define BOUNDARY "----piecesB0undary"
#define MULTIPART "multipart/form-data; boundary=" BOUNDARY

static int64_t web_request_id, web_lead;

static int web_group_setup(void **state)
{
    if (web_setup(state))
        return -1;
    mg_diag d = {{0}};
    mg_auth_org_input in = {.name = "Agence régionale de santé (exemple)", .kind = "ars"};
    if (mg_auth_org_add(app->db, 0, &in, true, false, &web_lead, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    web_request_id = request_raw(app->db, window_raw(app->db, web_lead), web_org_id);
    mg_auth_org_input other = {.name = "Association voisine (exemple)", .kind = "association"};
    int64_t org_b = 0;
    if (mg_auth_org_add(app->db, 0, &other, true, false, &org_b, NULL, &d)) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    login_as(&reader, web_org_id, MG_ROLE_READER, "lecteur");
    login_as(&stranger, org_b, MG_ROLE_MANAGER, "voisin");
    return 0;
}

/* A multipart body with the CSRF token, kind and one file. */
static char *multipart(const char *kind, const char *filename, const void *data, size_t len,
                       size_t *out_len)
{
    mg_buf b;
    mg_buf_init(&b, 32u * 1024u * 1024u);
    mg_buf_printf(&b,
                  "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
                  "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n%s\r\n"
                  "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
                  "filename=\"%s\"\r\nContent-Type: application/pdf\r\n\r\n",
                  web_csrf_token, kind, filename);
    mg_buf_append(&b, data, len);
    mg_buf_puts(&b, "\r\n--" BOUNDARY "--\r\n");
    assert_false(b.failed);
    return mg_buf_take(&b, out_len);
}

static const char *body_text(const mg_http_response *r)
{
    return r->body.data ? r->body.data : "";
}

static void test_web_upload_round_trip(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/guichet/demandes/%lld/pieces", (long long)web_request_id);
    size_t n = 0;
    char *body = multipart("statutes", "statuts signés.pdf", PDF, sizeof PDF - 1, &n);
    mg_http_response res;
    assert_int_equal(web_request("POST", path, MULTIPART, body, n, &res), 0);
    free(body);
    if (res.status != 303)
        fail_msg("upload: %d %s", res.status, body_text(&res));
    assert_non_null(strstr(res.location, "#pieces"));
    mg_http_response_free(&res);
    mg_subsidy_attachment *list = NULL;
    size_t nl = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_attachments(app->db, web_request_id, &list, &nl, &d), 0);
    assert_int_equal(nl, 1);
    assert_string_equal(list[0].filename, "statuts signés.pdf");
    int64_t pid = list[0].id;
    free(list);
    /* The download: the bytes, the stored type, an attachment with a safe name. */
    char get[160];
    snprintf(get, sizeof get, "/guichet/demandes/%lld/pieces/%lld", (long long)web_request_id,
             (long long)pid);
    assert_int_equal(web_request("GET", get, NULL, NULL, 0, &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.content_type, "application/pdf");
    assert_int_equal(res.body.len, sizeof PDF - 1);
    assert_memory_equal(res.body.data, PDF, res.body.len);
    /* "é" is one "_", the space another (worked out by hand). */
    assert_string_equal(res.disposition, "attachment; filename=\"statuts_sign_s.pdf\"");
    assert_int_equal(strncmp(res.disposition, "attachment; filename=\"", 22), 0);
    for (const char *p = res.disposition + 22; *p && *p != '"'; p++)
        assert_true((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-');
    assert_non_null(strstr(res.disposition, ".pdf\""));
    mg_http_header_field h[MG_HTTP_MAX_RESPONSE_HEADERS];
    size_t nh = mg_http_response_headers(&res, h);
    bool nosniff = false;
    for (size_t i = 0; i < nh; i++)
        if (strcmp(h[i].name, "X-Content-Type-Options") == 0 &&
            strcmp(h[i].value, "nosniff") == 0)
            nosniff = true;
    assert_true(nosniff);
    mg_http_response_free(&res);
    /* The request's page lists it with its download link. */
    snprintf(get, sizeof get, "/guichet/demandes/%lld", (long long)web_request_id);
    assert_int_equal(web_request("GET", get, NULL, NULL, 0, &res), 0);
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(body_text(&res), "statuts signés.pdf"));
    assert_non_null(strstr(body_text(&res), "Télécharger le formulaire rempli (PDF)"));
    mg_http_response_free(&res);
    /* A piece of another request is not found under this one. */
    snprintf(get, sizeof get, "/guichet/demandes/%lld/pieces/%lld",
             (long long)web_request_id, (long long)pid + 1000);
    assert_int_equal(web_request("GET", get, NULL, NULL, 0, &res), 0);
    assert_int_equal(res.status, 404);
    mg_http_response_free(&res);
    /* Removed through its form. */
    snprintf(get, sizeof get, "/guichet/demandes/%lld/pieces/%lld/supprimer",
             (long long)web_request_id, (long long)pid);
    char form[200];
    snprintf(form, sizeof form, "csrf=%s", web_csrf_token);
    assert_int_equal(web_request("POST", get, "application/x-www-form-urlencoded", form,
                                 strlen(form), &res),
                     0);
    assert_int_equal(res.status, 303);
    mg_http_response_free(&res);
    assert_int_equal(mg_subsidy_attachments(app->db, web_request_id, &list, &nl, &d), 0);
    assert_int_equal(nl, 0);
    free(list);
}

static void test_web_disguised_html_refused(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/guichet/demandes/%lld/pieces", (long long)web_request_id);
    int64_t blobs = count(app->db, "SELECT count(*) FROM subsidy_blobs");
    int64_t pieces = count(app->db, "SELECT count(*) FROM subsidy_attachments");
    size_t n = 0;
    char *body = multipart("bank_details", "rib.pdf", HTML, sizeof HTML - 1, &n);
    mg_http_response res;
    assert_int_equal(web_request("POST", path, MULTIPART, body, n, &res), 0);
    free(body);
    assert_int_equal(res.status, 400);
    assert_string_equal(res.content_type, "text/html; charset=utf-8");
    const char *page = body_text(&res);
    assert_non_null(strstr(page, "piece-erreur"));
    assert_non_null(strstr(page, "quel que soit son nom"));
    assert_non_null(strstr(page, "aria-invalid=\"true\""));
    /* The kind chosen stays chosen; the script never comes back. */
    assert_non_null(strstr(page, "value=\"bank_details\" selected"));
    assert_null(strstr(page, "<script>alert"));
    mg_http_response_free(&res);
    assert_int_equal(count(app->db, "SELECT count(*) FROM subsidy_blobs"), blobs);
    assert_int_equal(count(app->db, "SELECT count(*) FROM subsidy_attachments"), pieces);
}

static void test_web_rights_and_limits(void **state)
{
    (void)state;
    char path[128], get[160];
    snprintf(path, sizeof path, "/guichet/demandes/%lld/pieces", (long long)web_request_id);
    int64_t pid = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_subsidy_attachment_add(app->db, 0, web_request_id, MG_ATTACH_OTHER,
                                               "note.png", PNG, sizeof PNG - 1, &pid, NULL, &d),
                     0);
    snprintf(get, sizeof get, "%s/%lld", path, (long long)pid);
    size_t n = 0;
    char *body = multipart("statutes", "statuts.pdf", PDF, sizeof PDF - 1, &n);
    /* A reader of the applicant sees the piece but may not add one; another
     * organisation hears of neither (a draft is its applicant's alone). */
    assert_int_equal(as(&reader, "GET", get, NULL, NULL, 0), 200);
    assert_int_equal(as(&reader, "POST", path, MULTIPART, body, n), 403);
    assert_int_equal(as(&stranger, "GET", get, NULL, NULL, 0), 404);
    assert_int_equal(as(&stranger, "POST", path, MULTIPART, body, n), 404);
    free(body);
    int64_t pieces = count(app->db, "SELECT count(*) FROM subsidy_attachments");
    /* A file one byte over 10 MiB (under the upload body's limit): 400. */
    size_t big_len = (size_t)MG_SUBSIDY_ATTACHMENT_MAX_BYTES + 1;
    unsigned char *big = calloc(1, big_len);
    assert_non_null(big);
    memcpy(big, PDF, sizeof PDF - 1);
    body = multipart("accounts", "comptes.pdf", big, big_len, &n);
    free(big);
    mg_http_response res;
    assert_int_equal(web_request("POST", path, MULTIPART, body, n, &res), 0);
    free(body);
    assert_int_equal(res.status, 400);
    assert_non_null(strstr(body_text(&res), "10 Mio"));
    mg_http_response_free(&res);
    assert_int_equal(count(app->db, "SELECT count(*) FROM subsidy_attachments"), pieces);
    /* Filed: removal refused, the sentence on the page. */
    file_raw(app->db, web_request_id);
    char del[200], form[200];
    snprintf(del, sizeof del, "%s/supprimer", get);
    snprintf(form, sizeof form, "csrf=%s", web_csrf_token);
    assert_int_equal(web_request("POST", del, "application/x-www-form-urlencoded", form,
                                 strlen(form), &res),
                     0);
    assert_int_equal(res.status, 400);
    assert_non_null(strstr(body_text(&res), "ne changent plus"));
    mg_http_response_free(&res);
    assert_int_equal(count(app->db, "SELECT count(*) FROM subsidy_attachments"), pieces);
}

static void test_web_pdfs(void **state)
{
    (void)state;
    char path[160];
    mg_http_response res;
    snprintf(path, sizeof path, "/guichet/demandes/%lld/formulaire.pdf",
             (long long)web_request_id);
    assert_int_equal(web_request("GET", path, NULL, NULL, 0, &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.content_type, "application/pdf");
    assert_true(res.body.len > 5 && memcmp(res.body.data, "%PDF-", 5) == 0);
    assert_int_equal(strncmp(res.disposition, "attachment;", 11), 0);
    mg_http_response_free(&res);
    /* No part at all, then a part not granted: 404. */
    snprintf(path, sizeof path, "/guichet/demandes/%lld/parts/%lld/convention.pdf",
             (long long)web_request_id, (long long)web_lead);
    assert_int_equal(web_request("GET", path, NULL, NULL, 0, &res), 0);
    assert_int_equal(res.status, 404);
    mg_http_response_free(&res);
}

#define BOTH(X)                                                                                  \
    X(test_accepted_types)                                                                       \
    X(test_refused_files)                                                                        \
    X(test_same_bytes_stored_once)                                                               \
    X(test_filed_request)                                                                        \
    X(test_nameless_file)

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_filename_clean),
                                       BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    int failed = test_db_run_groups(tests, pg_tests);
    const struct CMUnitTest web_tests[] = {
        cmocka_unit_test(test_web_upload_round_trip),
        cmocka_unit_test(test_web_disguised_html_refused),
        cmocka_unit_test(test_web_pdfs),
        cmocka_unit_test(test_web_rights_and_limits),
    };
    failed += cmocka_run_group_tests_name("web-sqlite", web_tests, web_group_setup,
                                          web_teardown);
    int pg = test_pg_database("mg_test_web_funding_attachments", web_fixture_db,
                              sizeof web_fixture_db);
    if (pg == 1)
        return failed;
    if (pg < 0)
        return failed + 1;
    return failed + cmocka_run_group_tests_name("web-postgresql", web_tests, web_group_setup,
                                                web_teardown);
}
