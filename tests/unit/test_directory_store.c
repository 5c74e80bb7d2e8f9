/*
 * Tests of the directory store (directory/directory.h) on SQLite and, when
 * MG_TEST_PG_URI is set, on PostgreSQL: imports with their report checked
 * row by row (new, updated, unchanged, duplicate, refused), all or nothing
 * (a refused row leaves the database as it was: counts, the export and the
 * audit trail compared), dry runs, the database's own constraints (rows
 * written past the C checks refused), search filters, the finder's query
 * (order and limit), edits with their audit entries, suggestions, merges,
 * meetings and the contacts export.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "core/buf.h"
#include "db_fixture.h"
#include "core/utf8.h"
#include "directory/check.h"
#include "directory/directory.h"

TEST_DB_FIXTURE("directory_store")

static mg_db *open_ok(void **state)
{
    struct fixture *f = *state;
    return test_db_open(f->url, NULL);
}

/* A SIRET: the 13 digits given and the Luhn key over all 14 (computed here,
 * independently of parse/). */
static void siret_of(const char *first13, char out[15])
{
    memcpy(out, first13, 13);
    for (int key = 0; key < 10; key++) {
        out[13] = (char)('0' + key);
        int sum = 0;
        for (int i = 0; i < 14; i++) {
            int v = out[i] - '0';
            if ((14 - i) % 2 == 0) {
                v *= 2;
                if (v > 9)
                    v -= 9;
            }
            sum += v;
        }
        if (sum % 10 == 0)
            break;
    }
    out[14] = '\0';
}

static mg_dir_structure *add_s(mg_dir_set *set, const char *source, const char *id,
                               const char *name, mg_dir_category cat, const char *commune,
                               const char *address)
{
    mg_dir_structure *s = mg_dir_add_structure(set);
    assert_non_null(s);
    s->source = mg_dir_strdup(set, source, SIZE_MAX);
    s->source_id = mg_dir_strdup(set, id, SIZE_MAX);
    s->name = mg_dir_strdup(set, name, SIZE_MAX);
    s->category = cat;
    s->commune_code = mg_dir_strdup(set, commune, SIZE_MAX);
    s->postcode = "11000";
    s->commune_name = "Carcassonne";
    s->address = address ? mg_dir_strdup(set, address, SIZE_MAX) : NULL;
    s->updated_on = "2025-01-15";
    return s;
}

static mg_dir_service *add_v(mg_dir_set *set, const char *source, const char *id,
                             const char *structure, const char *name)
{
    mg_dir_service *v = mg_dir_add_service(set);
    assert_non_null(v);
    v->source = mg_dir_strdup(set, source, SIZE_MAX);
    v->source_id = mg_dir_strdup(set, id, SIZE_MAX);
    v->structure_source_id = mg_dir_strdup(set, structure, SIZE_MAX);
    v->name = mg_dir_strdup(set, name, SIZE_MAX);
    v->description = "Service (exemple) pour les tests.";
    v->updated_on = "2025-01-15";
    return v;
}

/* Three structures and two services of source "demo" (exemple). */
static void demo_set(mg_dir_set *set)
{
    mg_dir_set_init(set);
    mg_dir_structure *a = add_s(set, "demo", "s1", "Maison de Santé du Canal (exemple)",
                                MG_DIR_HEALTH_CENTRE, "11069", "1 rue du Canal");
    static char siret[15];
    siret_of("7328293200009", siret);
    a->siret = siret;
    a->lat = 43.21;
    a->lon = 2.35;
    a->phone = "04 68 00 00 01";
    a->email = "contact@msp-canal.example.fr";
    a->publish_contact = true;
    a->opening_hours = "Mo-Fr 08:30-12:30";
    add_s(set, "demo", "s2", "Pharmacie de la Cité (exemple)", MG_DIR_PHARMACY, "11069",
          "2 place de la Cité");
    mg_dir_structure *c = add_s(set, "demo", "s3", "CCAS de Trèbes (exemple)", MG_DIR_SOCIAL,
                                "11396", "3 avenue de la Mairie");
    c->networks = "ccas-cias";
    c->phone = "04 68 00 00 03";
    c->email = "ccas@trebes.example.fr"; /* not published */
    mg_dir_service *v = add_v(set, "demo", "v1", "s1", "Consultations sans rendez-vous");
    v->thematics = "sante--acces-aux-soins";
    v->opening_hours = "Mo-Fr 14:00-18:00";
    v->booking_url = "https://rdv.example.fr/msp-canal";
    v = add_v(set, "demo", "v2", "s3", "Accompagnement aux démarches");
    v->thematics = "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives";
    v->fees = "gratuit";
}

static void import_ok(mg_db *db, const mg_dir_set *set, mg_dir_report *r)
{
    mg_diag d = {{0}};
    mg_dir_report_init(r);
    mg_dir_import_opts o = {0};
    int rc = mg_dir_import(db, set, &o, r, &d);
    if (rc)
        fail_msg("import: %s (%s)", mg_strerror(rc), d.msg);
}

static int64_t count(mg_db *db, const char *sql)
{
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_db_acquire(db, &c, &d), 0);
    mg_db_stmt *q = NULL;
    assert_int_equal(mg_db_prepare(c, sql, &q, &d), 0);
    int rc = mg_db_step(q, &d);
    if (rc != MG_DB_ROW)
        fail_msg("%s: %s", sql, d.msg);
    int64_t n = mg_db_column_int64(q, 0);
    mg_db_finalize(q);
    mg_db_release(c);
    return n;
}

/* Runs SQL past the store (no C checks); returns its code. */
static int raw(mg_db *db, const char *sql)
{
    mg_db_conn *c = NULL;
    mg_diag d = {{0}};
    assert_int_equal(mg_db_acquire(db, &c, &d), 0);
    int rc = mg_db_exec(c, sql, &d);
    mg_db_release(c);
    return rc;
}

/* The whole directory as text (the export through mg_dir_all), with the
 * table counts and the audit's length: what must not move. */
static char *snapshot(mg_db *db)
{
    mg_dir_set all;
    mg_dir_set_init(&all);
    mg_diag d = {{0}};
    assert_int_equal(mg_dir_all(db, &all, &d), 0);
    mg_buf b;
    mg_buf_init(&b, 1u << 24);
    mg_buf_printf(&b, "orgs=%lld structures=%lld services=%lld merges=%lld audit=%lld\n",
                  (long long)count(db, "SELECT count(*) FROM organisations"),
                  (long long)count(db, "SELECT count(*) FROM structures"),
                  (long long)count(db, "SELECT count(*) FROM services"),
                  (long long)count(db, "SELECT count(*) FROM directory_merges"),
                  (long long)count(db, "SELECT count(*) FROM audit_entries"));
    for (size_t i = 0; i < all.nstructures; i++) {
        const mg_dir_structure *s = &all.structures[i];
        mg_buf_printf(&b, "s %lld|%s|%s|%s|%d|%s|%s|%s|%s|%s|%s|%.6f|%s\n", (long long)s->id,
                      s->source, s->source_id, s->name, (int)s->category,
                      s->siret ? s->siret : "-", s->address ? s->address : "-",
                      s->postcode ? s->postcode : "-", s->commune_code ? s->commune_code : "-",
                      s->phone ? s->phone : "-", s->email ? s->email : "-", s->lat, s->updated_on);
    }
    for (size_t i = 0; i < all.nservices; i++) {
        const mg_dir_service *v = &all.services[i];
        mg_buf_printf(&b, "v %lld|%lld|%s|%s|%s|%s\n", (long long)v->id, (long long)v->structure_id,
                      v->source_id, v->name, v->thematics ? v->thematics : "-",
                      v->updated_on);
    }
    mg_dir_set_free(&all);
    assert_false(b.failed);
    return mg_buf_take(&b, NULL);
}

/* --- Imports ----------------------------------------------------------------------- */

static void test_import_new(void **state)
{
    mg_db *db = open_ok(state);
    mg_dir_set set;
    demo_set(&set);
    unsigned slines[] = {2, 3, 4}, vlines[] = {7, 8};
    mg_dir_report r;
    mg_dir_report_init(&r);
    mg_diag d = {{0}};
    mg_dir_import_opts o = {.by = 0, .structure_lines = slines, .service_lines = vlines};
    assert_int_equal(mg_dir_import(db, &set, &o, &r, &d), 0);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.counts[MG_DIR_ROW_NEW], 5);
    const char kinds[] = "sssvv";
    const char *ids[] = {"s1", "s2", "s3", "v1", "v2"};
    const unsigned lines[] = {2, 3, 4, 7, 8};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(r.rows[i].kind, kinds[i]);
        assert_string_equal(r.rows[i].source_id, ids[i]);
        assert_int_equal(r.rows[i].line, lines[i]);
        assert_int_equal(r.rows[i].status, MG_DIR_ROW_NEW);
        assert_true(r.rows[i].match_id > 0);
    }
    /* Structures are confirmed organisations without members, none awaiting
     * confirmation. */
    assert_int_equal(count(db, "SELECT count(*) FROM structures"), 3);
    assert_int_equal(count(db, "SELECT count(*) FROM services"), 2);
    assert_int_equal(count(db, "SELECT count(*) FROM organisations WHERE active = 1 AND "
                               "confirmed_at IS NOT NULL"), 3);
    assert_int_equal(count(db, "SELECT count(*) FROM organisations WHERE active = 0"), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM memberships"), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM organisations WHERE kind = 'pharmacy'"), 1);
    /* Audited: one entry per record. */
    assert_int_equal(count(db, "SELECT count(*) FROM audit_entries"), 5);

    /* Read back: the structure with its services. */
    mg_dir_set got;
    mg_dir_set_init(&got);
    assert_int_equal(mg_dir_get(db, r.rows[0].match_id, &got, &d), 0);
    assert_int_equal(got.nstructures, 1);
    assert_int_equal(got.nservices, 1);
    const mg_dir_structure *s = &got.structures[0];
    assert_string_equal(s->name, set.structures[0].name);
    assert_string_equal(s->siret, set.structures[0].siret);
    assert_string_equal(s->opening_hours, "Mo-Fr 08:30-12:30");
    assert_true(s->publish_contact);
    assert_int_equal(s->category, MG_DIR_HEALTH_CENTRE);
    assert_true(fabs(s->lat - 43.21) < 1e-12 && fabs(s->lon - 2.35) < 1e-12);
    assert_true(isnan(got.structures[0].lat) == 0);
    assert_string_equal(got.services[0].structure_source_id, "s1");
    assert_string_equal(got.services[0].booking_url, "https://rdv.example.fr/msp-canal");
    assert_true(isnan(got.services[0].weekly_hours));
    mg_dir_set_free(&got);
    mg_dir_set_init(&got);
    assert_int_equal(mg_dir_get(db, 999999, &got, &d), MG_ENOTFOUND);
    mg_dir_set_free(&got);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
    mg_db_close(db);
}

static void test_import_updated_unchanged(void **state)
{
    mg_db *db = open_ok(state);
    mg_dir_set set;
    demo_set(&set);
    mg_dir_report r;
    import_ok(db, &set, &r);
    int64_t s1 = r.rows[0].match_id, v1 = r.rows[3].match_id, s3 = r.rows[2].match_id;
    mg_dir_report_free(&r);
    int64_t audit = count(db, "SELECT count(*) FROM audit_entries");

    /* The same file again: everything unchanged, nothing written. */
    import_ok(db, &set, &r);
    assert_int_equal(r.counts[MG_DIR_ROW_UNCHANGED], 5);
    assert_int_equal(r.rows[0].match_id, s1);
    assert_int_equal(r.rows[3].match_id, v1);
    assert_int_equal(count(db, "SELECT count(*) FROM audit_entries"), audit);
    mg_dir_report_free(&r);

    /* The owner's own fields survive a later import of the same file,
     * which carries none of them: unchanged. */
    mg_dir_set mine;
    mg_dir_set_init(&mine);
    mg_diag d = {{0}};
    assert_int_equal(mg_dir_get(db, s3, &mine, &d), 0);
    mine.structures[0].network_role = "Porte les permanences d'accès aux droits";
    mine.structures[0].publish_contact = true;
    const char *field = NULL;
    assert_int_equal(mg_dir_save(db, 0, &mine, &s3, &field, &d), 0);
    mg_dir_set_free(&mine);
    import_ok(db, &set, &r);
    assert_int_equal(r.counts[MG_DIR_ROW_UNCHANGED], 5);
    mg_dir_report_free(&r);
    assert_int_equal(count(db, "SELECT count(*) FROM structures WHERE publish_contact = 1 AND "
                               "network_role IS NOT NULL"), 1);
    audit = count(db, "SELECT count(*) FROM audit_entries");

    /* One structure and one service changed. */
    set.structures[1].phone = "04 68 11 22 33";
    set.services[0].name = "Consultations de médecine générale";
    import_ok(db, &set, &r);
    mg_dir_row_status want[] = {MG_DIR_ROW_UNCHANGED, MG_DIR_ROW_UPDATED, MG_DIR_ROW_UNCHANGED,
                                MG_DIR_ROW_UPDATED, MG_DIR_ROW_UNCHANGED};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(r.rows[i].status, want[i]);
    assert_int_equal(r.counts[MG_DIR_ROW_UPDATED], 2);
    assert_int_equal(r.counts[MG_DIR_ROW_UNCHANGED], 3);
    assert_int_equal(count(db, "SELECT count(*) FROM audit_entries"), audit + 2);
    assert_int_equal(count(db, "SELECT count(*) FROM structures WHERE phone = '04 68 11 22 33'"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM services WHERE name = "
                               "'Consultations de médecine générale'"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM structures"), 3);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
    mg_db_close(db);
}

static void test_import_duplicates_and_merges(void **state)
{
    mg_db *db = open_ok(state);
    mg_dir_set set;
    demo_set(&set);
    mg_dir_report r;
    import_ok(db, &set, &r);
    int64_t s1 = r.rows[0].match_id, s2 = r.rows[1].match_id;
    mg_dir_report_free(&r);

    /* Another source: the same SIRET as s1; the same name and address as s2
     * written otherwise (case, accents, punctuation); and a new one. */
    mg_dir_set other;
    mg_dir_set_init(&other);
    mg_dir_structure *a = add_s(&other, "finess", "f1", "MSP du Canal", MG_DIR_HEALTH_CENTRE,
                                "11069", "1 rue du Canal");
    a->siret = set.structures[0].siret;
    a->website = "https://msp-canal.example.fr";
    a->updated_on = "2025-06-01";
    a->phone = "04 68 99 99 99";
    mg_dir_structure *b = add_s(&other, "finess", "f2", "PHARMACIE DE LA CITE (EXEMPLE)",
                                MG_DIR_PHARMACY, "11069", "2, Place de la Cité");
    b->updated_on = "2024-01-01";
    b->phone = "04 68 55 55 55";
    add_s(&other, "finess", "f3", "Centre hospitalier (exemple)", MG_DIR_HOSPITAL, "11069",
          "4 route de Narbonne");
    add_v(&other, "finess", "fv1", "f1", "Téléconsultation assistée");
    int64_t before = count(db, "SELECT count(*) FROM structures");
    import_ok(db, &other, &r);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.rows[0].status, MG_DIR_ROW_DUPLICATE);
    assert_int_equal(r.rows[0].match_id, s1);
    assert_string_equal(r.rows[0].field, "siret");
    assert_int_equal(r.rows[1].status, MG_DIR_ROW_DUPLICATE);
    assert_int_equal(r.rows[1].match_id, s2);
    assert_int_equal(r.rows[2].status, MG_DIR_ROW_NEW);
    assert_int_equal(r.rows[3].status, MG_DIR_ROW_DUPLICATE); /* its structure's */
    assert_int_equal(r.rows[3].match_id, s1);
    assert_int_equal(r.counts[MG_DIR_ROW_DUPLICATE], 3);
    assert_int_equal(count(db, "SELECT count(*) FROM structures"), before + 1);
    mg_dir_report_free(&r);

    mg_dir_merge *list = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    assert_int_equal(mg_dir_merges(db, &list, &n, &d), 0);
    assert_int_equal(n, 2);
    int64_t m_siret = 0, m_place = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].reason, "siret") == 0) {
            assert_int_equal(list[i].structure_id, s1);
            m_siret = list[i].id;
        } else {
            assert_string_equal(list[i].reason, "nom et adresse");
            assert_int_equal(list[i].structure_id, s2);
            m_place = list[i].id;
        }
    }
    assert_true(m_siret && m_place);
    free(list);

    /* The incoming record as it came. */
    mg_dir_merge m;
    mg_dir_set in;
    mg_dir_set_init(&in);
    assert_int_equal(mg_dir_merge_get(db, m_siret, &m, &in, &d), 0);
    assert_int_equal(m.structure_id, s1);
    assert_int_equal(in.nstructures, 1);
    assert_string_equal(in.structures[0].source_id, "f1");
    assert_string_equal(in.structures[0].website, "https://msp-canal.example.fr");
    assert_int_equal(in.nservices, 1);
    assert_string_equal(in.services[0].source_id, "fv1");
    mg_dir_set_free(&in);

    /* Accept the newer one: empty fields filled, others replaced, its service added. */
    assert_int_equal(mg_dir_merge_decide(db, 0, m_siret, true, &d), 0);
    mg_dir_set got;
    mg_dir_set_init(&got);
    assert_int_equal(mg_dir_get(db, s1, &got, &d), 0);
    assert_string_equal(got.structures[0].website, "https://msp-canal.example.fr");
    assert_string_equal(got.structures[0].phone, "04 68 99 99 99");
    assert_string_equal(got.structures[0].source, "demo"); /* its identity stays */
    assert_int_equal(got.nservices, 2);
    mg_dir_set_free(&got);
    /* Dismiss the older one: nothing changes. */
    assert_int_equal(mg_dir_merge_decide(db, 0, m_place, false, &d), 0);
    mg_dir_set_init(&got);
    assert_int_equal(mg_dir_get(db, s2, &got, &d), 0);
    assert_null(got.structures[0].phone);
    mg_dir_set_free(&got);
    assert_int_equal(mg_dir_merges(db, &list, &n, &d), 0);
    assert_int_equal(n, 0);
    free(list);
    assert_int_equal(mg_dir_merge_decide(db, 0, m_place, true, &d), MG_ENOTFOUND);
    assert_int_equal(count(db, "SELECT count(*) FROM directory_merges WHERE status = 'accepted'"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM directory_merges WHERE status = 'dismissed'"), 1);

    mg_dir_set_free(&other);
    mg_dir_set_free(&set);
    mg_db_close(db);
}

static void test_import_refused_all_or_nothing(void **state)
{
    mg_db *db = open_ok(state);
    mg_dir_set set;
    demo_set(&set);
    mg_dir_report r;
    import_ok(db, &set, &r);
    mg_dir_report_free(&r);
    char *before = snapshot(db);

    /* A file with good rows (an update, a new structure) and wrong ones. */
    mg_dir_set bad;
    mg_dir_set_init(&bad);
    mg_dir_structure *u = add_s(&bad, "demo", "s2", "Pharmacie de la Cité (exemple)",
                                MG_DIR_PHARMACY, "11069", "2 place de la Cité");
    u->phone = "04 68 12 12 12"; /* would be an update */
    add_s(&bad, "demo", "s9", "Nouvelle structure (exemple)", MG_DIR_OTHER, "11069", NULL);
    mg_dir_structure *p = add_s(&bad, "demo", "s10", "Code postal faux (exemple)", MG_DIR_OTHER,
                                "11069", NULL);
    p->postcode = "1100";
    mg_dir_structure *h = add_s(&bad, "demo", "s11", "Horaires faux (exemple)", MG_DIR_OTHER,
                                "11069", NULL);
    h->opening_hours = "lundi 9h-12h";
    mg_dir_structure *dt = add_s(&bad, "demo", "s12", "Date fausse (exemple)", MG_DIR_OTHER,
                                 "11069", NULL);
    dt->updated_on = "2025-02-30";
    mg_dir_service *v = add_v(&bad, "demo", "v9", "s9", "Service au code inconnu");
    v->thematics = "sante--acces-aux-soins,sante--inconnu";
    add_v(&bad, "demo", "v10", "nulle-part", "Service sans structure");
    unsigned sl[] = {10, 11, 12, 13, 14}, vl[] = {20, 21};
    mg_dir_report_init(&r);
    mg_diag d = {{0}};
    mg_dir_import_opts o = {.structure_lines = sl, .service_lines = vl};
    assert_int_equal(mg_dir_import(db, &bad, &o, &r, &d), MG_EINVAL);
    assert_true(d.msg[0] != '\0');
    assert_int_equal(r.n, 7);
    assert_int_equal(r.rows[0].status, MG_DIR_ROW_UPDATED);
    assert_int_equal(r.rows[1].status, MG_DIR_ROW_NEW);
    assert_int_equal(r.rows[2].status, MG_DIR_ROW_REFUSED);
    assert_string_equal(r.rows[2].field, "postcode");
    assert_int_equal(r.rows[2].line, 12);
    assert_non_null(strstr(r.rows[2].message, "code_postal"));
    assert_non_null(strstr(r.rows[2].message, "1100"));
    assert_int_equal(r.rows[3].status, MG_DIR_ROW_REFUSED);
    assert_string_equal(r.rows[3].field, "opening_hours");
    assert_int_equal(r.rows[4].status, MG_DIR_ROW_REFUSED);
    assert_string_equal(r.rows[4].field, "updated_on");
    assert_int_equal(r.rows[5].status, MG_DIR_ROW_REFUSED);
    assert_string_equal(r.rows[5].field, "thematics");
    assert_non_null(strstr(r.rows[5].message, "sante--inconnu"));
    assert_int_equal(r.rows[5].line, 20);
    assert_int_equal(r.rows[6].status, MG_DIR_ROW_REFUSED);
    assert_string_equal(r.rows[6].field, "structure_source_id");
    assert_int_equal(r.counts[MG_DIR_ROW_REFUSED], 5);
    mg_dir_report_free(&r);

    /* Nothing moved: counts, export and audit trail as before. */
    char *after = snapshot(db);
    assert_string_equal(before, after);
    free(after);

    /* A dry run of the good rows reports and writes nothing. */
    bad.nstructures = 2;
    bad.nservices = 0;
    mg_dir_report_init(&r);
    o.dry_run = true;
    assert_int_equal(mg_dir_import(db, &bad, &o, &r, &d), 0);
    assert_int_equal(r.rows[0].status, MG_DIR_ROW_UPDATED);
    assert_int_equal(r.rows[1].status, MG_DIR_ROW_NEW);
    after = snapshot(db);
    assert_string_equal(before, after);
    free(after);
    mg_dir_report_free(&r);

    /* A report that already holds a row refused by the reader refuses the
     * import: the set's rows are reported, nothing is written. */
    o.dry_run = false;
    mg_dir_report_init(&r);
    mg_dir_report_row *pre = mg_dir_report_add(&r, MG_DIR_ROW_REFUSED, 's', "illisible", 30, 4);
    assert_non_null(pre);
    assert_int_equal(mg_dir_import(db, &bad, &o, &r, &d), MG_EINVAL);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.rows[1].status, MG_DIR_ROW_UPDATED);
    assert_int_equal(r.rows[2].status, MG_DIR_ROW_NEW);
    assert_int_equal(r.counts[MG_DIR_ROW_REFUSED], 1);
    after = snapshot(db);
    assert_string_equal(before, after);
    free(after);
    mg_dir_report_free(&r);

    /* A service pointing at a structure of the store (not of the file). */
    mg_dir_set later;
    mg_dir_set_init(&later);
    add_v(&later, "demo", "v11", "s2", "Vaccination");
    import_ok(db, &later, &r);
    assert_int_equal(r.rows[0].status, MG_DIR_ROW_NEW);
    assert_int_equal(count(db, "SELECT count(*) FROM services"), 3);
    mg_dir_report_free(&r);
    mg_dir_set_free(&later);

    free(before);
    mg_dir_set_free(&bad);
    mg_dir_set_free(&set);
    mg_db_close(db);
}

static void test_import_twice_in_file(void **state)
{
    mg_db *db = open_ok(state);
    mg_dir_set set;
    mg_dir_set_init(&set);
    add_s(&set, "demo", "a", "Structure A (exemple)", MG_DIR_OTHER, "11069", NULL);
    add_s(&set, "demo", "b", "Structure B (exemple)", MG_DIR_OTHER, "11069", NULL);
    add_s(&set, "demo", "a", "Structure A bis (exemple)", MG_DIR_OTHER, "11069", NULL);
    add_s(&set, "autre", "a", "Même id, autre source (exemple)", MG_DIR_OTHER, "11069", NULL);
    add_v(&set, "demo", "v", "b", "Service");
    add_v(&set, "demo", "v", "a", "Service encore");
    mg_dir_report r;
    mg_dir_report_init(&r);
    mg_diag d = {{0}};
    mg_dir_import_opts o = {0};
    assert_int_equal(mg_dir_import(db, &set, &o, &r, &d), MG_EINVAL);
    mg_dir_row_status want[] = {MG_DIR_ROW_NEW, MG_DIR_ROW_NEW, MG_DIR_ROW_REFUSED,
                                MG_DIR_ROW_NEW, MG_DIR_ROW_NEW, MG_DIR_ROW_REFUSED};
    assert_int_equal(r.n, 6);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(r.rows[i].status, want[i]);
    assert_string_equal(r.rows[2].field, "source_id");
    assert_string_equal(r.rows[5].field, "source_id");
    assert_int_equal(count(db, "SELECT count(*) FROM structures"), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM organisations"), 0);
    mg_dir_report_free(&r);
    mg_dir_set_free(&set);
    mg_db_close(db);
}

/* A registered organisation without a structure: an import with its SIRET
 * makes its entry instead of a second organisation. */
static void test_import_attaches_registered(void **state)
{
    mg_db *db = open_ok(state);
    char siret[15], sql[512];
    siret_of("7328293200011", siret);
    snprintf(sql, sizeof sql,
             "INSERT INTO organisations (name, kind, siret, active, created_at) VALUES "
             "('Centre de santé inscrit (exemple)', 'health_centre', '%s', 0, 'x')",
             siret);
    assert_int_equal(raw(db, sql), 0);
    int64_t org = count(db, "SELECT max(id) FROM organisations");
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = add_s(&set, "finess", "f9", "Centre de santé (exemple)",
                                MG_DIR_HEALTH_CENTRE, "11069", "9 rue du Port");
    s->siret = siret;
    mg_dir_report r;
    import_ok(db, &set, &r);
    assert_int_equal(r.rows[0].status, MG_DIR_ROW_NEW);
    assert_int_equal(r.rows[0].match_id, org);
    assert_non_null(strstr(r.rows[0].message, "siret"));
    mg_dir_report_free(&r);
    assert_int_equal(count(db, "SELECT count(*) FROM organisations"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM structures"), 1);
    /* The registration is not confirmed by an import. */
    assert_int_equal(count(db, "SELECT active FROM organisations"), 0);
    mg_dir_set_free(&set);
    mg_db_close(db);
}

/* Messages quote what a file held, which may be anything: always valid
 * UTF-8, with the field named. */
static void test_check_messages(void **state)
{
    (void)state;
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = add_s(&set, "demo", "x", "Nom (exemple)", MG_DIR_OTHER, "11069", NULL);
    mg_dir_report_row row;
    const char *dates[] = {"info\x8e\x92\x9e\x83ion", "2025-01-1\xc3", "\xff\xfe"};
    for (size_t i = 0; i < 3; i++) {
        s->updated_on = dates[i];
        memset(&row, 0, sizeof row);
        assert_int_equal(mg_dir_check_structure(s, &row), MG_EINVAL);
        assert_string_equal(row.field, "updated_on");
        size_t len = strlen(row.message);
        assert_int_equal(mg_utf8_check(row.message, len, NULL), len);
        assert_non_null(strstr(row.message, "date_maj"));
    }
    s->updated_on = "2025-01-15";
    s->networks = "ccas-cias,r\xc3\xa9seau-inconnu";
    memset(&row, 0, sizeof row);
    assert_int_equal(mg_dir_check_structure(s, &row), MG_EINVAL);
    assert_string_equal(row.field, "networks");
    assert_non_null(strstr(row.message, "réseau-inconnu"));
    char cut[] = "abc\xc3";
    mg_dir_message_clean(cut);
    assert_string_equal(cut, "abc");
    char bad[] = "a\xff" "b\xc3\xa9";
    mg_dir_message_clean(bad);
    assert_string_equal(bad, "a?bé");
    mg_dir_set_free(&set);
}

/* --- Constraints in the database itself -------------------------------------------- */

static void test_constraints(void **state)
{
    mg_db *db = open_ok(state);
    mg_dir_set set;
    demo_set(&set);
    mg_dir_report r;
    import_ok(db, &set, &r);
    int64_t s1 = r.rows[0].match_id;
    mg_dir_report_free(&r);
    assert_int_equal(raw(db, "INSERT INTO organisations (name, kind, active, created_at, "
                             "confirmed_at) VALUES ('Libre (exemple)', 'other', 1, 'x', 'x')"),
                     0);
    int64_t free_org = count(db, "SELECT max(id) FROM organisations");
    char sql[1024];
#define STRUCTURE_ROW(org, fields, values)                                                 \
    (snprintf(sql, sizeof sql,                                                             \
              "INSERT INTO structures (organisation_id, source, source_id, category, "       \
              "name_key, updated_on, created_at, updated_at" fields ") VALUES (%lld, 'raw', " \
              "'r1', 'other', 'libre', '2025-01-01', 'x', 'x'" values ")",                  \
              (long long)(org)),                                                           \
     sql)
    assert_int_not_equal(raw(db, STRUCTURE_ROW(free_org, ", lat, lon", ", 95, 2")), 0);
    assert_int_not_equal(raw(db, STRUCTURE_ROW(free_org, ", lat", ", 43")), 0); /* lon missing */
    assert_int_not_equal(raw(db, STRUCTURE_ROW(free_org, ", postcode", ", '1100'")), 0);
    assert_int_not_equal(raw(db, STRUCTURE_ROW(free_org, ", postcode", ", '1100A'")), 0);
    assert_int_not_equal(raw(db, STRUCTURE_ROW(free_org, ", commune_code", ", '1106'")), 0);
    assert_int_not_equal(raw(db, STRUCTURE_ROW(free_org, ", publish_contact", ", 2")), 0);
    assert_int_not_equal(raw(db, STRUCTURE_ROW(999999, "", "")), 0); /* no such organisation */
    assert_int_not_equal(
        raw(db, "INSERT INTO structures (organisation_id, source, source_id, category, name_key, "
                "updated_on, created_at, updated_at) VALUES (1, 'raw', 'r2', 'clinique', 'x', "
                "'2025-01-01', 'x', 'x')"),
        0);
    /* (source, source_id) unique: s1's pair on another organisation. */
    snprintf(sql, sizeof sql,
             "INSERT INTO structures (organisation_id, source, source_id, category, name_key, "
             "updated_on, created_at, updated_at) VALUES (%lld, 'demo', 's1', 'other', 'x', "
             "'2025-01-01', 'x', 'x')",
             (long long)free_org);
    assert_int_not_equal(raw(db, sql), 0);
    /* And the right row goes in: the refusals above were for their fault. */
    assert_int_equal(raw(db, STRUCTURE_ROW(free_org, ", lat, lon, postcode, commune_code, "
                                                     "publish_contact",
                                           ", 43.2, 2.3, '11000', '2A004', 1")),
                     0);
    /* Services: unique pair, known structure, ranges. */
    snprintf(sql, sizeof sql,
             "INSERT INTO services (structure_id, source, source_id, name, updated_on, created_at, "
             "updated_at) VALUES (%lld, 'demo', 'v1', 'Doublon', '2025-01-01', 'x', 'x')",
             (long long)s1);
    assert_int_not_equal(raw(db, sql), 0);
    assert_int_not_equal(raw(db, "INSERT INTO services (structure_id, source, source_id, name, "
                                 "updated_on, created_at, updated_at) VALUES (999999, 'demo', "
                                 "'vz', 'Orphelin', '2025-01-01', 'x', 'x')"),
                         0);
    snprintf(sql, sizeof sql,
             "INSERT INTO services (structure_id, source, source_id, name, weekly_hours, "
             "updated_on, created_at, updated_at) VALUES (%lld, 'demo', 'vw', 'Trop', 200, "
             "'2025-01-01', 'x', 'x')",
             (long long)s1);
    assert_int_not_equal(raw(db, sql), 0);
    /* Suggestions: status list and field list. */
    snprintf(sql, sizeof sql,
             "INSERT INTO directory_suggestions (structure_id, by_organisation, field, value, "
             "status, created_at) VALUES (%lld, %lld, 'phone', '0', 'peut-être', 'x')",
             (long long)s1, (long long)free_org);
    assert_int_not_equal(raw(db, sql), 0);
    snprintf(sql, sizeof sql,
             "INSERT INTO directory_suggestions (structure_id, by_organisation, field, value, "
             "status, created_at) VALUES (%lld, %lld, 'siret', '0', 'pending', 'x')",
             (long long)s1, (long long)free_org);
    assert_int_not_equal(raw(db, sql), 0);
    /* Invitations: once per meeting and structure. */
    snprintf(sql, sizeof sql,
             "INSERT INTO meetings (organisation_id, held_on, place, theme, created_at) VALUES "
             "(%lld, '2026-01-15 14:00', 'Mairie', 'Réseau', 'x')",
             (long long)free_org);
    assert_int_equal(raw(db, sql), 0);
    int64_t meeting = count(db, "SELECT max(id) FROM meetings");
    snprintf(sql, sizeof sql,
             "INSERT INTO meeting_invitations (meeting_id, structure_id, created_at) VALUES "
             "(%lld, %lld, 'x')",
             (long long)meeting, (long long)s1);
    assert_int_equal(raw(db, sql), 0);
    assert_int_not_equal(raw(db, sql), 0);
    snprintf(sql, sizeof sql,
             "UPDATE meeting_invitations SET attended = 3 WHERE meeting_id = %lld",
             (long long)meeting);
    assert_int_not_equal(raw(db, sql), 0);
    mg_dir_set_free(&set);
    mg_db_close(db);
#undef STRUCTURE_ROW
}

/* --- Search and the finder ------------------------------------------------------------ */

static void test_search(void **state)
{
    mg_db *db = open_ok(state);
    mg_dir_set set;
    demo_set(&set);
    mg_dir_report r;
    import_ok(db, &set, &r);
    mg_dir_report_free(&r);
    mg_diag d = {{0}};
    size_t total = 0;
    mg_dir_set out;

    /* Text: case and accents ignored, every word. */
    mg_dir_query q = {.text = "SANTE canal", .category = -1};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_search(db, &q, &out, &total, &d), 0);
    assert_int_equal(total, 1);
    assert_int_equal(out.nstructures, 1);
    assert_string_equal(out.structures[0].source_id, "s1");
    mg_dir_set_free(&out);
    q.text = "trebes";
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_search(db, &q, &out, &total, &d), 0);
    assert_int_equal(total, 1);
    assert_string_equal(out.structures[0].source_id, "s3");
    mg_dir_set_free(&out);

    /* Category. */
    q = (mg_dir_query){.category = MG_DIR_PHARMACY};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_search(db, &q, &out, &total, &d), 0);
    assert_int_equal(total, 1);
    assert_string_equal(out.structures[0].source_id, "s2");
    mg_dir_set_free(&out);

    /* Thematic, through the services. */
    q = (mg_dir_query){.category = -1, .thematic = "sante--acces-aux-soins"};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_search(db, &q, &out, &total, &d), 0);
    assert_int_equal(total, 1);
    assert_string_equal(out.structures[0].source_id, "s1");
    mg_dir_set_free(&out);
    q.thematic = "sante--acces"; /* a prefix is not a code */
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_search(db, &q, &out, &total, &d), 0);
    assert_int_equal(total, 0);
    mg_dir_set_free(&out);

    /* Communes, and pages ordered by name. */
    const char *communes[] = {"11069"};
    q = (mg_dir_query){.category = -1, .communes = communes, .ncommunes = 1, .limit = 1};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_search(db, &q, &out, &total, &d), 0);
    assert_int_equal(total, 2);
    assert_int_equal(out.nstructures, 1);
    assert_string_equal(out.structures[0].source_id, "s1"); /* "maison…" < "pharmacie…" */
    mg_dir_set_free(&out);
    q.offset = 1;
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_search(db, &q, &out, &total, &d), 0);
    assert_int_equal(total, 2);
    assert_int_equal(out.nstructures, 1);
    assert_string_equal(out.structures[0].source_id, "s2");
    mg_dir_set_free(&out);
    const char *wrong[] = {"11069'; DROP TABLE structures; --"};
    q = (mg_dir_query){.category = -1, .communes = wrong, .ncommunes = 1};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_search(db, &q, &out, &total, &d), MG_EINVAL);
    mg_dir_set_free(&out);

    /* Services, with the same filters. */
    q = (mg_dir_query){.category = -1, .thematic = "sante--acces-aux-soins"};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_search_services(db, &q, &out, &total, &d), 0);
    assert_int_equal(total, 1);
    assert_int_equal(out.nservices, 1);
    assert_string_equal(out.services[0].source_id, "v1");
    assert_true(out.services[0].structure_id > 0);
    mg_dir_set_free(&out);
    q = (mg_dir_query){.category = MG_DIR_SOCIAL};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_search_services(db, &q, &out, &total, &d), 0);
    assert_int_equal(total, 1);
    assert_string_equal(out.services[0].source_id, "v2");
    mg_dir_set_free(&out);

    mg_dir_set_free(&set);
    mg_db_close(db);
}

static void test_in_communes(void **state)
{
    mg_db *db = open_ok(state);
    mg_dir_set set;
    mg_dir_set_init(&set);
    /* GP practices in three communes; names chosen so that name order and
     * commune order differ. */
    add_s(&set, "t", "a", "Cabinet Albert (exemple)", MG_DIR_GP_PRACTICE, "11396", "1 rue A");
    add_s(&set, "t", "b", "Cabinet Bernard (exemple)", MG_DIR_GP_PRACTICE, "11069", "1 rue B");
    add_s(&set, "t", "c", "Cabinet Claude (exemple)", MG_DIR_GP_PRACTICE, "11069", "1 rue C");
    add_s(&set, "t", "d", "Cabinet Denise (exemple)", MG_DIR_GP_PRACTICE, "11203", "1 rue D");
    add_s(&set, "t", "e", "Pharmacie Émile (exemple)", MG_DIR_PHARMACY, "11069", "1 rue E");
    mg_dir_service *v = add_v(&set, "t", "vb1", "b", "Consultations");
    v->opening_hours = "Mo-Fr 08:00-12:00";
    add_v(&set, "t", "vb2", "b", "Sans horaires ni réservation");
    v = add_v(&set, "t", "vc1", "c", "Rendez-vous en ligne");
    v->booking_url = "https://rdv.example.fr/c";
    mg_dir_report r;
    import_ok(db, &set, &r);
    mg_dir_report_free(&r);
    mg_diag d = {{0}};
    mg_dir_set out;

    /* Nearest commune first (the caller's order), then by name. */
    const char *communes[] = {"11069", "11396", "11203"};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_in_communes(db, MG_DIR_GP_PRACTICE, communes, 3, 10, &out, &d), 0);
    assert_int_equal(out.nstructures, 4);
    const char *want[] = {"b", "c", "a", "d"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(out.structures[i].source_id, want[i]);
    /* Only the services the finder shows (hours or booking). */
    assert_int_equal(out.nservices, 2);
    assert_string_equal(out.services[0].source_id, "vb1");
    assert_int_equal(out.services[0].structure_id, out.structures[0].id);
    assert_string_equal(out.services[1].source_id, "vc1");
    assert_int_equal(out.services[1].structure_id, out.structures[1].id);
    mg_dir_set_free(&out);

    /* The limit counts structures, not rows. */
    const char *reversed[] = {"11203", "11396", "11069"};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_in_communes(db, MG_DIR_GP_PRACTICE, reversed, 3, 3, &out, &d), 0);
    assert_int_equal(out.nstructures, 3);
    assert_string_equal(out.structures[0].source_id, "d");
    assert_string_equal(out.structures[1].source_id, "a");
    assert_string_equal(out.structures[2].source_id, "b");
    assert_int_equal(out.nservices, 1);
    mg_dir_set_free(&out);

    /* A whole finder page in one call: each category's first, grouped in
     * the order asked. */
    const mg_dir_category cats[] = {MG_DIR_PHARMACY, MG_DIR_GP_PRACTICE, MG_DIR_CABIN};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_in_communes_many(db, cats, 3, communes, 3, 2, &out, &d), 0);
    assert_int_equal(out.nstructures, 3);
    assert_string_equal(out.structures[0].source_id, "e");
    assert_int_equal(out.structures[0].category, MG_DIR_PHARMACY);
    assert_string_equal(out.structures[1].source_id, "b");
    assert_string_equal(out.structures[2].source_id, "c");
    assert_int_equal(out.nservices, 2);
    mg_dir_set_free(&out);
    /* Past a few communes the query takes another form: same answers. */
    const char *longer[] = {"11203", "11001", "11002", "11003", "11004", "11005", "11006",
                            "11007", "11069", "11008", "11203", "11396"};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_in_communes(db, MG_DIR_GP_PRACTICE, longer, 12, 10, &out, &d), 0);
    assert_int_equal(out.nstructures, 4);
    const char *want_long[] = {"d", "b", "c", "a"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(out.structures[i].source_id, want_long[i]);
    assert_int_equal(out.nservices, 2);
    mg_dir_set_free(&out);
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_in_communes_many(db, cats, 3, longer, 12, 2, &out, &d), 0);
    assert_int_equal(out.nstructures, 3);
    assert_string_equal(out.structures[0].source_id, "e");
    assert_string_equal(out.structures[1].source_id, "d");
    assert_string_equal(out.structures[2].source_id, "b");
    mg_dir_set_free(&out);

    /* A commune listed twice counts once, at its first rank. */
    const char *again[] = {"11396", "11069", "11396"};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_in_communes(db, MG_DIR_GP_PRACTICE, again, 3, 10, &out, &d), 0);
    assert_int_equal(out.nstructures, 3);
    assert_string_equal(out.structures[0].source_id, "a");
    assert_string_equal(out.structures[1].source_id, "b");
    assert_string_equal(out.structures[2].source_id, "c");
    assert_int_equal(out.nservices, 2);
    mg_dir_set_free(&out);
    const mg_dir_category twice[] = {MG_DIR_PHARMACY, MG_DIR_PHARMACY};
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_in_communes_many(db, twice, 2, communes, 3, 2, &out, &d), MG_EINVAL);
    mg_dir_set_free(&out);

    /* Another category; no commune; a bad code. */
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_in_communes(db, MG_DIR_PHARMACY, communes, 3, 10, &out, &d), 0);
    assert_int_equal(out.nstructures, 1);
    assert_string_equal(out.structures[0].source_id, "e");
    mg_dir_set_free(&out);
    mg_dir_set_init(&out);
    assert_int_equal(mg_dir_in_communes(db, MG_DIR_PHARMACY, communes, 0, 10, &out, &d), 0);
    assert_int_equal(out.nstructures, 0);
    const char *bad[] = {"11069", "x' OR '1'='1"};
    assert_int_equal(mg_dir_in_communes(db, MG_DIR_PHARMACY, bad, 2, 10, &out, &d), MG_EINVAL);
    assert_int_equal(out.nstructures, 0);
    mg_dir_set_free(&out);
    mg_dir_set_free(&set);
    mg_db_close(db);
}

/* --- Edits, suggestions ------------------------------------------------------------------ */

static void test_save_and_audit(void **state)
{
    mg_db *db = open_ok(state);
    mg_diag d = {{0}};
    mg_dir_set set;
    mg_dir_set_init(&set);
    mg_dir_structure *s = mg_dir_add_structure(&set);
    s->name = "Centre social des Bastides (exemple)";
    s->category = MG_DIR_SOCIAL;
    s->commune_code = "11069";
    s->postcode = "11000";
    s->network_role = "Relais des permanences d'accès aux droits";
    mg_dir_service *v = mg_dir_add_service(&set);
    v->name = "Permanence d'accès aux droits";
    v->description = "Aide aux démarches de santé (exemple).";
    v->thematics = "sante--acces-aux-soins";
    int64_t id = 0;
    const char *field = NULL;
    assert_int_equal(mg_dir_save(db, 0, &set, &id, &field, &d), 0);
    assert_true(id > 0);
    assert_int_equal(count(db, "SELECT count(*) FROM organisations WHERE active = 1 AND "
                               "kind = 'other'"), 1);
    mg_dir_set got;
    mg_dir_set_init(&got);
    assert_int_equal(mg_dir_get(db, id, &got, &d), 0);
    assert_string_equal(got.structures[0].source, "maillage");
    assert_non_null(got.structures[0].source_id);
    assert_int_equal(strlen(got.structures[0].updated_on), 10);
    assert_int_equal(got.nservices, 1);
    assert_string_equal(got.services[0].name, "Permanence d'accès aux droits");

    /* Audited: the creation, with its values. */
    mg_audit_record *rec = NULL;
    size_t n = 0, total = 0;
    assert_int_equal(mg_audit_history(db, "structure", id, 0, 10, &rec, &n, &total, &d), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rec[0].verb, "create");
    bool named = false;
    for (size_t i = 0; i < rec[0].nchanges; i++)
        if (strcmp(rec[0].changes[i].field, "name") == 0) {
            assert_null(rec[0].changes[i].before);
            assert_string_equal(rec[0].changes[i].after, "Centre social des Bastides (exemple)");
            named = true;
        }
    assert_true(named);
    mg_audit_records_free(rec, n);

    /* An edit: before and after of the changed field only. */
    mg_dir_structure *e = &got.structures[0];
    e->phone = "04 68 10 20 30";
    assert_int_equal(mg_dir_save(db, 0, &got, &id, &field, &d), 0);
    assert_int_equal(mg_audit_history(db, "structure", id, 0, 10, &rec, &n, &total, &d), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rec[0].verb, "update");
    assert_int_equal(rec[0].nchanges, 1);
    assert_string_equal(rec[0].changes[0].field, "phone");
    assert_null(rec[0].changes[0].before);
    assert_string_equal(rec[0].changes[0].after, "04 68 10 20 30");
    mg_audit_records_free(rec, n);

    /* Refused: the field named, nothing written. */
    e->email = "pas une adresse";
    int64_t audit = count(db, "SELECT count(*) FROM audit_entries");
    mg_diag_clear(&d);
    assert_int_equal(mg_dir_save(db, 0, &got, &id, &field, &d), MG_EINVAL);
    assert_non_null(field);
    assert_string_equal(field, "email");
    assert_non_null(strstr(d.msg, "courriel"));
    assert_int_equal(count(db, "SELECT count(*) FROM audit_entries"), audit);
    mg_dir_set_free(&got);

    /* A registered organisation without a structure makes its first entry;
     * its SIRET stays. */
    char siret[15];
    siret_of("7328293200010", siret);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO organisations (name, kind, siret, active, created_at, confirmed_at) "
             "VALUES ('Association des aidants (exemple)', 'association', '%s', 1, 'x', 'x')",
             siret);
    assert_int_equal(raw(db, sql), 0);
    int64_t org = count(db, "SELECT max(id) FROM organisations");
    mg_dir_set_free(&set);
    mg_dir_set_init(&set);
    s = mg_dir_add_structure(&set);
    s->id = org;
    s->name = "Association des aidants (exemple)";
    s->category = MG_DIR_SOCIAL;
    s->commune_code = "11069";
    int64_t got_id = 0;
    assert_int_equal(mg_dir_save(db, 0, &set, &got_id, &field, &d), 0);
    assert_int_equal(got_id, org);
    mg_dir_set_init(&got);
    assert_int_equal(mg_dir_get(db, org, &got, &d), 0);
    assert_string_equal(got.structures[0].siret, siret);
    assert_string_equal(got.structures[0].source, "maillage");
    mg_dir_set_free(&got);
    s->id = 999999;
    assert_int_equal(mg_dir_save(db, 0, &set, &got_id, &field, &d), MG_ENOTFOUND);
    mg_dir_set_free(&set);
    mg_db_close(db);
}

static void test_suggestions(void **state)
{
    mg_db *db = open_ok(state);
    mg_dir_set set;
    demo_set(&set);
    mg_dir_report r;
    import_ok(db, &set, &r);
    int64_t s2 = r.rows[1].match_id, s3 = r.rows[2].match_id;
    mg_dir_report_free(&r);
    mg_diag d = {{0}};
    int64_t a = 0, b = 0, c = 0;
    /* The CCAS suggests to the pharmacy. */
    assert_int_equal(mg_dir_suggest(db, 0, s3, s2, "phone", "04 68 40 50 60", &a, &d), 0);
    assert_int_equal(mg_dir_suggest(db, 0, s3, s2, "opening_hours", "Mo-Sa 09:00-19:00", &b, &d), 0);
    assert_int_equal(mg_dir_suggest(db, 0, s3, s2, "website", "https://pharmacie.example.fr", &c, &d), 0);
    /* Refused: a field not open to suggestions, a value that does not check. */
    int64_t x = 0;
    assert_int_equal(mg_dir_suggest(db, 0, s3, s2, "siret", "12345678901234", &x, &d), MG_EINVAL);
    mg_diag_clear(&d);
    assert_int_equal(mg_dir_suggest(db, 0, s3, s2, "opening_hours", "tous les jours", &x, &d),
                     MG_EINVAL);
    assert_true(d.msg[0] != '\0');
    assert_int_equal(x, 0);

    assert_int_equal(mg_dir_suggestion_decide(db, 0, s2, a, true, &d), 0);
    assert_int_equal(mg_dir_suggestion_decide(db, 0, s2, b, false, &d), 0);
    assert_int_equal(mg_dir_suggestion_decide(db, 0, s2, a, true, &d), MG_ENOTFOUND);
    assert_int_equal(mg_dir_suggestion_decide(db, 0, s3, c, true, &d), MG_ENOTFOUND); /* not its own */
    mg_dir_set got;
    mg_dir_set_init(&got);
    assert_int_equal(mg_dir_get(db, s2, &got, &d), 0);
    assert_string_equal(got.structures[0].phone, "04 68 40 50 60");
    assert_null(got.structures[0].opening_hours);
    mg_dir_set_free(&got);

    mg_dir_suggestion *list = NULL;
    size_t n = 0;
    assert_int_equal(mg_dir_suggestions(db, s2, &list, &n, &d), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[0].id, c); /* pending first */
    assert_string_equal(list[0].status, "pending");
    assert_string_equal(list[0].by_organisation_name, "CCAS de Trèbes (exemple)");
    int accepted = 0, rejected = 0;
    for (size_t i = 0; i < n; i++) {
        accepted += strcmp(list[i].status, "accepted") == 0;
        rejected += strcmp(list[i].status, "rejected") == 0;
    }
    assert_int_equal(accepted, 1);
    assert_int_equal(rejected, 1);
    free(list);
    mg_dir_set_free(&set);
    mg_db_close(db);
}

/* --- Meetings ---------------------------------------------------------------------------- */

static void test_meetings(void **state)
{
    mg_db *db = open_ok(state);
    mg_dir_set set;
    demo_set(&set);
    mg_dir_report r;
    import_ok(db, &set, &r);
    int64_t s1 = r.rows[0].match_id, s2 = r.rows[1].match_id, s3 = r.rows[2].match_id;
    mg_dir_report_free(&r);
    mg_diag d = {{0}};
    mg_dir_meeting m = {.organisation_id = s3};
    snprintf(m.held_on, sizeof m.held_on, "2026-03-12 14:30");
    snprintf(m.place, sizeof m.place, "Salle du conseil, Trèbes");
    snprintf(m.theme, sizeof m.theme, "Accès aux soins des personnes âgées");
    const char *field = NULL;
    assert_int_equal(mg_dir_meeting_save(db, 0, &m, &field, &d), 0);
    assert_true(m.id > 0);
    mg_dir_meeting bad = m;
    bad.id = 0;
    snprintf(bad.held_on, sizeof bad.held_on, "2026-02-30 14:30");
    assert_int_equal(mg_dir_meeting_save(db, 0, &bad, &field, &d), MG_EINVAL);
    assert_string_equal(field, "held_on");

    assert_int_equal(mg_dir_meeting_invite(db, 0, m.id, s1, &d), 0);
    assert_int_equal(mg_dir_meeting_invite(db, 0, m.id, s3, &d), 0);
    assert_int_equal(mg_dir_meeting_invite(db, 0, m.id, s3, &d), 0); /* once */
    assert_int_equal(mg_dir_meeting_attendance(db, 0, m.id, s1, 1, &d), 0);
    assert_int_equal(mg_dir_meeting_attendance(db, 0, m.id, s2, 1, &d), MG_ENOTFOUND);
    mg_dir_invitation *inv = NULL;
    size_t n = 0;
    assert_int_equal(mg_dir_meeting_invitations(db, m.id, &inv, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_int_equal(inv[0].structure_id, s3); /* "CCAS…" < "Maison…" */
    assert_int_equal(inv[0].attended, -1);
    assert_int_equal(inv[1].structure_id, s1);
    assert_int_equal(inv[1].attended, 1);
    free(inv);

    /* Contacts: the CCAS did not choose to publish its phone and e-mail. */
    char *csv = NULL;
    size_t len = 0;
    assert_int_equal(mg_dir_meeting_contacts_csv(db, m.id, &csv, &len, &d), 0);
    assert_int_equal(strlen(csv), len);
    assert_non_null(strstr(csv, "\"Maison de Santé du Canal (exemple)\""));
    assert_non_null(strstr(csv, "\"contact@msp-canal.example.fr\""));
    assert_non_null(strstr(csv, "\"04 68 00 00 01\""));
    assert_non_null(strstr(csv, "\"CCAS de Trèbes (exemple)\""));
    assert_null(strstr(csv, "ccas@trebes.example.fr"));
    assert_null(strstr(csv, "04 68 00 00 03"));
    assert_null(strstr(csv, "Pharmacie")); /* not invited */
    int lines = 0;
    for (const char *p = csv; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 3);
    free(csv);

    /* Minutes. */
    const unsigned char pdf[] = "%PDF-1.4\n\0binary\xff";
    assert_int_equal(mg_dir_meeting_minutes_set(db, 0, m.id, "compte-rendu.pdf", "application/pdf",
                                                pdf, sizeof pdf, &d),
                     0);
    char *fn = NULL, *type = NULL;
    void *data = NULL;
    assert_int_equal(mg_dir_meeting_minutes_get(db, m.id, &fn, &type, &data, &len, &d), 0);
    assert_string_equal(fn, "compte-rendu.pdf");
    assert_string_equal(type, "application/pdf");
    assert_int_equal(len, sizeof pdf);
    assert_memory_equal(data, pdf, sizeof pdf);
    free(fn);
    free(type);
    free(data);
    /* Typed minutes replace them; past what an audit value holds they are
     * still stored (the trail records their size). */
    size_t big = 70000;
    char *typed = malloc(big);
    assert_non_null(typed);
    memset(typed, 'a', big);
    assert_int_equal(mg_dir_meeting_minutes_set(db, 0, m.id, "compte-rendu.txt", "text/plain",
                                                typed, big, &d),
                     0);
    assert_int_equal(mg_dir_meeting_minutes_get(db, m.id, &fn, &type, &data, &len, &d), 0);
    assert_int_equal(len, big);
    assert_string_equal(type, "text/plain");
    free(fn);
    free(type);
    free(data);
    free(typed);
    mg_dir_meeting got;
    assert_int_equal(mg_dir_meeting_get(db, m.id, &got, &d), 0);
    assert_true(got.has_minutes);
    assert_string_equal(got.theme, "Accès aux soins des personnes âgées");

    mg_dir_meeting *list = NULL;
    assert_int_equal(mg_dir_meetings(db, s3, &list, &n, &d), 0);
    assert_int_equal(n, 1);
    free(list);
    assert_int_equal(mg_dir_meetings(db, s1, &list, &n, &d), 0);
    assert_int_equal(n, 0);
    free(list);
    mg_audit_record *rec = NULL;
    size_t total = 0;
    assert_int_equal(mg_audit_history(db, "meeting", m.id, 0, 20, &rec, &n, &total, &d), 0);
    assert_int_equal(n, 6); /* create, 2 invitations, attendance, minutes twice */
    mg_audit_records_free(rec, n);
    mg_dir_set_free(&set);
    mg_db_close(db);
}

#define TESTS(X)                                                                           \
    X(test_import_new)                                                                     \
    X(test_import_updated_unchanged)                                                       \
    X(test_import_duplicates_and_merges)                                                   \
    X(test_import_refused_all_or_nothing)                                                  \
    X(test_import_twice_in_file)                                                           \
    X(test_check_messages)                                                                 \
    X(test_import_attaches_registered)                                                     \
    X(test_constraints)                                                                    \
    X(test_search)                                                                         \
    X(test_in_communes)                                                                    \
    X(test_save_and_audit)                                                                 \
    X(test_suggestions)                                                                    \
    X(test_meetings)

int main(void)
{
    const struct CMUnitTest tests[] = {TESTS(TEST_DB_SQLITE)};
    const struct CMUnitTest pg_tests[] = {TESTS(TEST_DB_PG)};
    return test_db_run_groups(tests, pg_tests);
}
