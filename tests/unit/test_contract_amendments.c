/*
 * Tests of a contract's amendments and documents (contracts/contracts.h,
 * amendments.c and documents.c) on SQLite and, when MG_TEST_PG_URI is
 * set, on PostgreSQL: amendments numbered 1, 2… per contract; an action's
 * dates changed under an amendment with the dates signed before kept in
 * amendment_changes, and the refusals that change nothing; documents
 * whose type is read from their bytes whatever their name (the office
 * files written here through libzip), an HTML page named .pdf, an empty
 * and a too large file refused, the SHA-256 checked against coreutils'
 * sha256sum of the same bytes written to a file, the bytes read back
 * equal; the audit entries of each change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "contracts/contracts.h"
#include "db_fixture.h"

TEST_DB_FIXTURE("amendments")

static mg_db *open_db(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

static int64_t org_ok(mg_db *db, const char *name)
{
    mg_auth_org_input in = {.name = name, .kind = "departement"};
    mg_auth_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_auth_org_add(db, 0, &in, true, false, &id, &fe, &d);
    if (rc != 0)
        fail_msg("organisation %s: %s (%s)", name, mg_strerror(rc), d.msg);
    return id;
}

static int64_t contract_ok(mg_db *db, int64_t lead, const char *title)
{
    mg_contract_input in = {.kind = "cps", .title = title, .territory = "epci:200035707",
                            .starts_on = "2024-01-01", .ends_on = "2027-12-31",
                            .status = "signed"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_create(db, 0, lead, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("contract %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

static int64_t action_ok(mg_db *db, int64_t contract, const char *title)
{
    mg_contract_action_input in = {.title = title, .starts_on = "2024-03-01",
                                   .due_on = "2025-06-30"};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_action_create(db, 0, contract, &in, &id, &fe, &d);
    if (rc != 0)
        fail_msg("action %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

static int64_t amendment_ok(mg_db *db, int64_t contract, const char *title, const char *eff)
{
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    int rc = mg_contract_amendment_create(db, 7, contract, title, "2025-01-15", eff,
                                          "Report de l'action (exemple)", &id, &fe, &d);
    if (rc != 0)
        fail_msg("amendment %s: %s (%s)", title, mg_strerror(rc), d.msg);
    return id;
}

/* The audit entries of verb `verb` on contract id. */
static size_t audit_count(mg_db *db, int64_t id, const char *verb)
{
    mg_audit_record *r = NULL;
    size_t n = 0, total = 0, hits = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_audit_history(db, "contract", id, 0, 100, &r, &n, &total, &d), 0);
    for (size_t i = 0; i < n; i++)
        hits += strcmp(r[i].verb, verb) == 0;
    mg_audit_records_free(r, n);
    return hits;
}

static void test_numbers(void **state)
{
    mg_db *db = open_db(state);
    int64_t org = org_ok(db, "Département de l'Aude (exemple)");
    int64_t c1 = contract_ok(db, org, "Contrat A");
    int64_t c2 = contract_ok(db, org, "Contrat B");
    int64_t a1 = amendment_ok(db, c1, "Avenant un", "2025-02-01");
    int64_t b1 = amendment_ok(db, c2, "Avenant du B", "2025-03-01");
    int64_t a2 = amendment_ok(db, c1, "Avenant deux", "2025-09-01");
    assert_true(a1 > 0 && a2 > 0 && b1 > 0 && a1 != a2);

    mg_contract_amendment *v = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_amendments(db, c1, &v, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].number, 1);
    assert_int_equal(v[0].id, a1);
    assert_string_equal(v[0].title, "Avenant un");
    assert_string_equal(v[0].signed_on, "2025-01-15");
    assert_string_equal(v[0].effective_on, "2025-02-01");
    assert_string_equal(v[0].description, "Report de l'action (exemple)");
    assert_int_equal(v[1].number, 2);
    assert_int_equal(v[1].id, a2);
    mg_contract_amendments_free(v, n);
    assert_int_equal(mg_contract_amendments(db, c2, &v, &n, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].number, 1);
    mg_contract_amendments_free(v, n);
    assert_int_equal(audit_count(db, c1, "amend"), 2);
    mg_db_close(db);
}

static void test_refused(void **state)
{
    mg_db *db = open_db(state);
    int64_t org = org_ok(db, "Département (exemple)");
    int64_t c = contract_ok(db, org, "Contrat");
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    int64_t id = 0;
    assert_int_equal(mg_contract_amendment_create(db, 0, c, "Avenant", NULL, "", NULL, &id, &fe,
                                                  &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "effective_on");
    assert_non_null(strstr(fe.msg, "obligatoire"));
    assert_int_equal(mg_contract_amendment_create(db, 0, c, "  ", NULL, "2025-01-01", NULL, &id,
                                                  &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "title");
    assert_int_equal(mg_contract_amendment_create(db, 0, c, "Avenant", "32/13/2025",
                                                  "2025-01-01", NULL, &id, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "signed_on");
    assert_int_equal(mg_contract_amendment_create(db, 0, c, "Avenant", NULL, "demain", NULL, &id,
                                                  &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "effective_on");
    assert_int_equal(mg_contract_amendment_create(db, 0, c + 1000, "Avenant", NULL, "2025-01-01",
                                                  NULL, &id, &fe, &d),
                     MG_ENOTFOUND);
    assert_int_equal(id, 0);
    mg_contract_amendment *v = NULL;
    size_t n = 9;
    assert_int_equal(mg_contract_amendments(db, c, &v, &n, &d), 0);
    assert_int_equal(n, 0);
    mg_contract_amendments_free(v, n);
    assert_int_equal(audit_count(db, c, "amend"), 0);
    mg_db_close(db);
}

/* The action's dates as stored. */
static void dates_of(mg_db *db, int64_t action, char start[static 11], char due[static 11])
{
    mg_contract_action a;
    mg_diag d = {{0}};
    assert_int_equal(mg_contract_action_get(db, action, &a, &d), 0);
    memcpy(start, a.starts_on, 11);
    memcpy(due, a.due_on, 11);
    mg_contract_action_clear(&a);
}

static void test_action_dates(void **state)
{
    mg_db *db = open_db(state);
    int64_t org = org_ok(db, "Département (exemple)");
    int64_t c = contract_ok(db, org, "Contrat");
    int64_t other = contract_ok(db, org, "Autre contrat");
    int64_t act = action_ok(db, c, "Cabine de téléconsultation");
    int64_t foreign = action_ok(db, other, "Action d'un autre contrat");
    int64_t am1 = amendment_ok(db, c, "Avenant n° 1", "2025-05-01");
    int64_t am2 = amendment_ok(db, c, "Avenant n° 2", "2025-11-01");
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};

    /* Avenant 1 pushes the end back; avenant 2 moves both dates. */
    assert_int_equal(mg_contract_amend_action_dates(db, 7, am1, act, NULL, "31/12/2025", &fe, &d),
                     0);
    char start[11], due[11];
    dates_of(db, act, start, due);
    assert_string_equal(start, "2024-03-01");
    assert_string_equal(due, "2025-12-31");
    assert_int_equal(mg_contract_amend_action_dates(db, 7, am2, act, "2024-06-01", "2026-06-30",
                                                    &fe, &d),
                     0);
    dates_of(db, act, start, due);
    assert_string_equal(start, "2024-06-01");
    assert_string_equal(due, "2026-06-30");

    /* Refusals change nothing. */
    assert_int_equal(mg_contract_amend_action_dates(db, 7, am2, act, NULL, "2024-01-01", &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "due_on");
    assert_int_equal(mg_contract_amend_action_dates(db, 7, am2, act, "2027-01-01", NULL, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "starts_on");
    assert_int_equal(mg_contract_amend_action_dates(db, 7, am2, foreign, NULL, "2026-01-01", &fe,
                                                    &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "action");
    assert_int_equal(mg_contract_amend_action_dates(db, 7, am2, act, NULL, NULL, &fe, &d),
                     MG_EINVAL);
    assert_int_equal(mg_contract_amend_action_dates(db, 7, am2, act, "", "2026-06-30", &fe, &d),
                     MG_EINVAL);
    assert_non_null(strstr(fe.msg, "ne changerait rien"));
    assert_int_equal(mg_contract_amend_action_dates(db, 7, am2, act, "hier", NULL, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "starts_on");
    assert_int_equal(mg_contract_amend_action_dates(db, 7, am2 + 100, act, NULL, "2026-01-01",
                                                    &fe, &d),
                     MG_ENOTFOUND);
    dates_of(db, act, start, due);
    assert_string_equal(start, "2024-06-01");
    assert_string_equal(due, "2026-06-30");
    dates_of(db, foreign, start, due);
    assert_string_equal(due, "2025-06-30");

    /* What was signed before, amendment by amendment. */
    mg_contract_amendment_change *ch = NULL;
    size_t n = 0;
    assert_int_equal(mg_contract_amendment_changes(db, c, &ch, &n, &d), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ch[0].amendment_id, am1);
    assert_string_equal(ch[0].object_type, "action");
    assert_int_equal(ch[0].object_id, act);
    assert_string_equal(ch[0].field, "due_on");
    assert_string_equal(ch[0].before, "2025-06-30");
    assert_string_equal(ch[0].after, "2025-12-31");
    assert_int_equal(ch[1].amendment_id, am2);
    assert_string_equal(ch[1].field, "starts_on");
    assert_string_equal(ch[1].before, "2024-03-01");
    assert_string_equal(ch[1].after, "2024-06-01");
    assert_int_equal(ch[2].amendment_id, am2);
    assert_string_equal(ch[2].field, "due_on");
    assert_string_equal(ch[2].before, "2025-12-31");
    assert_string_equal(ch[2].after, "2026-06-30");
    mg_contract_amendment_changes_free(ch, n);
    assert_int_equal(mg_contract_amendment_changes(db, other, &ch, &n, &d), 0);
    assert_int_equal(n, 0);
    mg_contract_amendment_changes_free(ch, n);
    /* Two amendments created, two date changes. */
    assert_int_equal(audit_count(db, c, "amend"), 4);
    mg_db_close(db);
}

/* --- Documents ------------------------------------------------------------------ */

/* A ZIP archive of the entries (name, content, NULL-ended) as bytes,
 * written through libzip into a file of the test's folder. */
static unsigned char *make_zip(void **state, const char *const *entries, size_t *len)
{
    struct fixture *f = *state;
    char path[400];
    snprintf(path, sizeof path, "%s/doc.zip", f->dir);
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

#define CT_OOXML(main)                                                                           \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats."   \
    "org/package/2006/content-types\"><Default Extension=\"xml\" "                              \
    "ContentType=\"application/xml\"/><Override PartName=\"/x.xml\" ContentType=\"" main      \
    "\"/></Types>"

/* The SHA-256 of the bytes as coreutils computes it: written to a file,
 * read by sha256sum. */
static void sha256sum(void **state, const void *data, size_t len, char out[static 65])
{
    struct fixture *f = *state;
    char path[400], cmd[500];
    snprintf(path, sizeof path, "%s/bytes.bin", f->dir);
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

static void test_documents(void **state)
{
    mg_db *db = open_db(state);
    int64_t org = org_ok(db, "Département (exemple)");
    int64_t c = contract_ok(db, org, "Contrat");
    int64_t other = contract_ok(db, org, "Autre");
    int64_t foreign_action = action_ok(db, other, "Action ailleurs");

    static const unsigned char pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n";
    static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x06";
    static const unsigned char jpeg[] = "\xff\xd8\xff\xe0\0\x10JFIF\0\1\1\0\0\1\0\1\0\0\xff\xd9";
    size_t ndocx, nxlsx, nodt, nods, nzip;
    unsigned char *docx = make_zip(state, (const char *const[]){"[Content_Types].xml",
        CT_OOXML("application/vnd.openxmlformats-officedocument.wordprocessingml.document."
                 "main+xml"), "x.xml", "<w:document/>", NULL}, &ndocx);
    unsigned char *xlsx = make_zip(state, (const char *const[]){"[Content_Types].xml",
        CT_OOXML("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        "x.xml", "<workbook/>", NULL}, &nxlsx);
    unsigned char *odt = make_zip(state, (const char *const[]){"mimetype",
        "application/vnd.oasis.opendocument.text", "content.xml", "<d/>", NULL}, &nodt);
    unsigned char *ods = make_zip(state, (const char *const[]){"mimetype",
        "application/vnd.oasis.opendocument.spreadsheet", "content.xml", "<d/>", NULL}, &nods);
    unsigned char *zip = make_zip(state, (const char *const[]){"lisez-moi.txt", "bonjour",
        NULL}, &nzip);
    struct {
        const void *data;
        size_t len;
        const char *name, *type;
    } ok[] = {
        {pdf, sizeof pdf - 1, "photo.png", "application/pdf"},
        {png, sizeof png - 1, "compte-rendu.pdf", "image/png"},
        {jpeg, sizeof jpeg - 1, "tableau.xlsx", "image/jpeg"},
        {docx, ndocx, "image.jpg", "application/vnd.openxmlformats-officedocument."
                                   "wordprocessingml.document"},
        {xlsx, nxlsx, "C:\\Documents\\convention.docx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {odt, nodt, "budget.ods", "application/vnd.oasis.opendocument.text"},
        {ods, nods, "texte.odt", "application/vnd.oasis.opendocument.spreadsheet"},
    };
    size_t nok = sizeof ok / sizeof ok[0];
    int64_t ids[8] = {0};
    mg_contract_field_error fe = {0};
    mg_diag d = {{0}};
    for (size_t i = 0; i < nok; i++) {
        assert_string_equal(mg_contract_document_type(ok[i].data, ok[i].len), ok[i].type);
        int rc = mg_contract_document_add(db, 7, c, 0, i == 0 ? "" : "Pièce (exemple)",
                                          ok[i].name, ok[i].data, ok[i].len, &ids[i], &fe, &d);
        if (rc)
            fail_msg("document %zu: %s (%s)", i, mg_strerror(rc), d.msg);
    }

    /* Refused: not clearly an accepted type, whatever the name; empty; too large. */
    static const char html[] = "<!doctype html><html><script>alert(1)</script></html>";
    int64_t id = 0;
    assert_int_equal(mg_contract_document_add(db, 7, c, 0, "Faux PDF", "convention.pdf", html,
                                              sizeof html - 1, &id, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "file");
    assert_non_null(strstr(fe.msg, "PDF"));
    assert_int_equal(mg_contract_document_add(db, 7, c, 0, "Archive", "a.docx", zip, nzip, &id,
                                              &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "file");
    assert_int_equal(mg_contract_document_add(db, 7, c, 0, "Coupé", "a.docx", docx, 40, &id, &fe,
                                              &d),
                     MG_EINVAL);
    assert_int_equal(mg_contract_document_add(db, 7, c, 0, "Vide", "a.pdf", pdf, 0, &id, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "file");
    size_t big_len = (size_t)MG_CONTRACT_DOCUMENT_MAX_BYTES + 1;
    unsigned char *big = calloc(1, big_len);
    memcpy(big, pdf, sizeof pdf - 1);
    assert_int_equal(mg_contract_document_add(db, 7, c, 0, "Gros", "gros.pdf", big, big_len, &id,
                                              &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "file");
    assert_non_null(strstr(fe.msg, "pèse 10,0 Mio"));
    assert_non_null(strstr(fe.msg, "dépasser 10 Mio"));
    assert_int_equal(mg_contract_document_add(db, 7, c, foreign_action, "Ailleurs", "a.pdf", pdf,
                                              sizeof pdf - 1, &id, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "action");
    assert_int_equal(mg_contract_document_add(db, 7, c, 0, "Nom", "a\x01.pdf", pdf,
                                              sizeof pdf - 1, &id, &fe, &d),
                     MG_EINVAL);
    assert_string_equal(fe.field, "file");
    assert_int_equal(id, 0);

    /* Exactly the limit is accepted. */
    int64_t big_id = 0;
    assert_int_equal(mg_contract_document_add(db, 7, c, 0, "Limite", "limite.pdf", big,
                                              big_len - 1, &big_id, &fe, &d),
                     0);

    /* Listed without their bytes, newest first. */
    mg_contract_document *v = NULL;
    size_t n = 0;
    assert_int_equal(mg_contract_documents(db, c, &v, &n, &d), 0);
    assert_int_equal(n, nok + 1);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(v[i].contract_id, c);
    assert_int_equal(v[0].id, big_id);
    assert_int_equal(v[0].size, big_len - 1);
    free(v);
    assert_int_equal(mg_contract_documents(db, other, &v, &n, &d), 0);
    assert_int_equal(n, 0);
    free(v);

    /* Each read back: its facts, its bytes, its SHA-256 as sha256sum says. */
    for (size_t i = 0; i < nok; i++) {
        mg_contract_document doc;
        void *data = NULL;
        size_t len = 0;
        assert_int_equal(mg_contract_document_get(db, ids[i], &doc, &data, &len, &d), 0);
        assert_int_equal(len, ok[i].len);
        assert_memory_equal(data, ok[i].data, len);
        assert_string_equal(doc.media_type, ok[i].type);
        assert_int_equal(doc.size, ok[i].len);
        char want[65];
        sha256sum(state, ok[i].data, ok[i].len, want);
        assert_string_equal(doc.sha256, want);
        free(data);
    }
    mg_contract_document doc;
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(mg_contract_document_get(db, ids[0], &doc, &data, &len, &d), 0);
    assert_string_equal(doc.title, "photo.png"); /* no title: the file's name */
    free(data);
    assert_int_equal(mg_contract_document_get(db, ids[4], &doc, &data, &len, &d), 0);
    assert_string_equal(doc.filename, "convention.docx"); /* the folder dropped */
    assert_string_equal(doc.title, "Pièce (exemple)");
    free(data);
    assert_int_equal(mg_contract_document_get(db, big_id, &doc, &data, &len, &d), 0);
    assert_int_equal(len, big_len - 1);
    assert_memory_equal(data, big, len);
    char want[65];
    sha256sum(state, big, big_len - 1, want);
    assert_string_equal(doc.sha256, want);
    free(data);
    assert_int_equal(mg_contract_document_get(db, big_id + 100, &doc, &data, &len, &d),
                     MG_ENOTFOUND);
    assert_int_equal(audit_count(db, c, "add_document"), nok + 1);

    free(big);
    free(docx);
    free(xlsx);
    free(odt);
    free(ods);
    free(zip);
    mg_db_close(db);
}

/* The sniffing alone: what the fuzz target runs. */
static void test_document_type(void **state)
{
    (void)state;
    assert_null(mg_contract_document_type(NULL, 0));
    assert_null(mg_contract_document_type("%PDF", 4));
    assert_null(mg_contract_document_type("%PDF-x.4 and more", 17));
    assert_null(mg_contract_document_type("GIF89a\0\0\0\0", 10));
    static const char not_zip[] = "PK\x03\x04 not really a zip archive at all.....";
    assert_null(mg_contract_document_type(not_zip, sizeof not_zip - 1));
    assert_string_equal(mg_contract_document_type_label("application/pdf"), "PDF");
    assert_string_equal(mg_contract_document_type_label("text/html"), "");
}

#define BOTH(X)                                                                                  \
    X(test_numbers)                                                                              \
    X(test_refused)                                                                              \
    X(test_action_dates)                                                                         \
    X(test_documents)

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_document_type),
                                       BOTH(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {BOTH(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
