/*
 * The printed documents of the single window (funding/printed.h): the
 * filled request laid out like the CERFA 12156 form, and a co-funder's
 * funding agreement, both A4 PDF documents drawn by src/doc/doc.h.
 *
 * They read through the module's functions (mg_subsidy_get,
 * mg_subsidy_lines, mg_subsidy_parts, mg_subsidy_part_get,
 * mg_subsidy_payments, mg_auth_org_get) and own no SQL. Amounts are
 * written by mg_budget_format_cents (French euros); the agreement writes
 * the amount granted in words too (mg_subsidy_amount_words).
 */
#include "funding/printed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "contracts/budget.h"
#include "doc/doc.h"
#include "funding/aftergrant.h"
#include "funding/funding.h"
#include "funding/instruction.h"
#include "funding/internal.h"

#define NELEMS(a) (sizeof(a) / sizeof *(a))

/* --- Amounts in words ----------------------------------------------------------------------- */

static const char *const UNITS[17] = {
    "zéro", "un",   "deux",     "trois",    "quatre", "cinq",   "six",    "sept",  "huit",
    "neuf", "dix",  "onze",     "douze",    "treize", "quatorze", "quinze", "seize",
};
static const char *const TENS[7] = {"", "dix", "vingt", "trente", "quarante", "cinquante",
                                    "soixante"};

/* Appends s to out (cap), keeping *n; false when it does not fit. */
static bool put(char *out, size_t cap, size_t *n, const char *s)
{
    size_t k = strlen(s);
    if (*n + k + 1 > cap)
        return false;
    memcpy(out + *n, s, k + 1);
    *n += k;
    return true;
}

/* 1 to 99. plural: "quatre-vingts" may take its s (the number ends here
 * or a noun, million or milliard, follows). */
static bool below100(int n, bool plural, char *out, size_t cap, size_t *len)
{
    if (n < 17)
        return put(out, cap, len, UNITS[n]);
    if (n < 20)
        return put(out, cap, len, "dix-") && put(out, cap, len, UNITS[n - 10]);
    int t = n / 10, u = n % 10;
    if (t <= 6) {
        if (!put(out, cap, len, TENS[t]))
            return false;
        if (u == 0)
            return true;
        if (u == 1)
            return put(out, cap, len, " et un");
        return put(out, cap, len, "-") && put(out, cap, len, UNITS[u]);
    }
    if (t == 7) { /* soixante-dix … soixante-dix-neuf, soixante et onze */
        if (u == 1)
            return put(out, cap, len, "soixante et onze");
        return put(out, cap, len, "soixante-") && below100(10 + u, false, out, cap, len);
    }
    /* 80 … 99 */
    if (n == 80)
        return put(out, cap, len, plural ? "quatre-vingts" : "quatre-vingt");
    return put(out, cap, len, "quatre-vingt-") && below100(n - 80, false, out, cap, len);
}

/* 1 to 999; plural as above, for "cents" and "quatre-vingts". */
static bool below1000(int n, bool plural, char *out, size_t cap, size_t *len)
{
    int h = n / 100, r = n % 100;
    if (h > 0) {
        if (h > 1 && !(put(out, cap, len, UNITS[h]) && put(out, cap, len, " ")))
            return false;
        if (!put(out, cap, len, r == 0 && h > 1 && plural ? "cents" : "cent"))
            return false;
        if (r == 0)
            return true;
        if (!put(out, cap, len, " "))
            return false;
    }
    return below100(r, plural, out, cap, len);
}

size_t mg_subsidy_amount_words(int64_t cents, char *out, size_t cap)
{
    if (!out || cap == 0)
        return 0;
    out[0] = 0;
    if (cents < 0 || cents / 100 >= 1000000000000LL)
        return 0;
    int64_t euros = cents / 100;
    int c = (int)(cents % 100);
    int billions = (int)(euros / 1000000000), millions = (int)(euros / 1000000 % 1000);
    int thousands = (int)(euros / 1000 % 1000), units = (int)(euros % 1000);
    size_t n = 0;
    bool ok = true, sep = false;
    if (billions) {
        ok = ok && below1000(billions, true, out, cap, &n) &&
             put(out, cap, &n, billions > 1 ? " milliards" : " milliard");
        sep = true;
    }
    if (millions) {
        ok = ok && (!sep || put(out, cap, &n, " ")) && below1000(millions, true, out, cap, &n) &&
             put(out, cap, &n, millions > 1 ? " millions" : " million");
        sep = true;
    }
    if (thousands) {
        ok = ok && (!sep || put(out, cap, &n, " "));
        /* "mille", never "un mille"; cent and vingt invariable before it. */
        if (thousands > 1)
            ok = ok && below1000(thousands, false, out, cap, &n) && put(out, cap, &n, " ");
        ok = ok && put(out, cap, &n, "mille");
        sep = true;
    }
    if (units) {
        ok = ok && (!sep || put(out, cap, &n, " ")) && below1000(units, true, out, cap, &n);
        sep = true;
    }
    if (euros > 0) {
        /* "un million d'euros", but "un million cent euros". */
        bool of = !units && !thousands && (millions || billions);
        ok = ok && put(out, cap, &n, of ? " d'euros" : euros > 1 ? " euros" : " euro");
    }
    if (c) {
        ok = ok && (euros == 0 || put(out, cap, &n, " et ")) &&
             below100(c, true, out, cap, &n) &&
             put(out, cap, &n, c > 1 ? " centimes" : " centime");
    }
    if (euros == 0 && c == 0)
        ok = put(out, cap, &n, "zéro euro");
    if (!ok) {
        out[0] = 0;
        return 0;
    }
    return n;
}

/* --- Shared pieces -------------------------------------------------------------------------- */

/* "2026-12-05…" as "05/12/2026"; "" for "" or anything shorter. */
static void fr_date(char out[static 11], const char *iso)
{
    if (!iso || strlen(iso) < 10 || iso[4] != '-' || iso[7] != '-') {
        out[0] = 0;
        return;
    }
    snprintf(out, 11, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
}

static void euros(int64_t cents, char *out, size_t cap)
{
    mg_budget_format_cents(cents, out, cap);
}

/* What a text field shows when it is empty. */
static const char *or_dash(const char *s)
{
    return s && *s ? s : "—";
}

static void footer_line(char *out, size_t cap, const char *what)
{
    char today[11], fr[11];
    mg_subsidy_today(today);
    fr_date(fr, today);
    snprintf(out, cap, "maillage — guichet unique des subventions de santé — %s édité le %s",
             what, fr);
}

/* A table of two columns, the field's name and its value. */
static int field_table(mg_doc *doc, const char *const *cells, size_t nrows, mg_diag *d)
{
    static const mg_doc_column cols[] = {
        {"Rubrique", 0.35, MG_DOC_LEFT},
        {"Renseignement", 0.65, MG_DOC_LEFT},
    };
    return mg_doc_table(doc, cols, NELEMS(cols), cells, nrows, d);
}

/* A labelled block of free text: the label in bold, then the text. */
static int text_block(mg_doc *doc, const char *label, const char *text, mg_diag *d)
{
    int rc = mg_doc_paragraph(doc, MG_DOC_STRONG, label, d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, or_dash(text), d);
    return rc;
}

/* Hundredths as a French decimal ("2,5", "3"). */
static void hundredths(int64_t v, char *out, size_t cap)
{
    if (v % 100 == 0)
        snprintf(out, cap, "%lld", (long long)(v / 100));
    else if (v % 10 == 0)
        snprintf(out, cap, "%lld,%lld", (long long)(v / 100), (long long)(v % 100 / 10));
    else
        snprintf(out, cap, "%lld,%02lld", (long long)(v / 100), (long long)(v % 100));
}

/* The date six months (MG_SUBSIDY_REPORT_DELAY_MONTHS) after iso, the day
 * kept or brought back to the month's last ("2027-08-31" → "2028-02-29"). */
static bool months_after(const char *iso, int months, char out[static 11])
{
    out[0] = 0;
    if (!iso || strlen(iso) != 10 || iso[4] != '-' || iso[7] != '-')
        return false;
    int y = 0, m = 0, dd = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (iso[i] < '0' || iso[i] > '9')
            return false;
    }
    y = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 + (iso[2] - '0') * 10 + (iso[3] - '0');
    m = (iso[5] - '0') * 10 + (iso[6] - '0');
    dd = (iso[8] - '0') * 10 + (iso[9] - '0');
    if (m < 1 || m > 12 || dd < 1 || dd > 31)
        return false;
    int k = (m - 1) + months;
    y += k / 12;
    m = k % 12 + 1;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (dd > last)
        dd = last;
    if (y > 9999)
        return false;
    char t[40];
    snprintf(t, sizeof t, "%04d-%02d-%02d", y, m, dd);
    memcpy(out, t, 10);
    out[10] = 0;
    return true;
}

/* The request and its budget lines. */
static int load(mg_db *db, int64_t request_id, mg_subsidy_request *r, mg_subsidy_line **lines,
                size_t *nlines, mg_diag *d)
{
    memset(r, 0, sizeof *r);
    *lines = NULL;
    *nlines = 0;
    int rc = mg_subsidy_get(db, request_id, r, d);
    if (rc < 0)
        return rc;
    rc = mg_subsidy_lines(db, request_id, lines, nlines, d);
    if (rc < 0)
        mg_subsidy_request_clear(r);
    return rc;
}

/* --- The CERFA 12156 form ------------------------------------------------------------------- */

static int cerfa_identity(mg_doc *doc, const mg_subsidy_request *r, mg_diag *d)
{
    char address[2048];
    snprintf(address, sizeof address, "%s%s%s%s%s", r->address,
             r->address[0] && (r->postcode[0] || r->city[0]) ? ", " : "", r->postcode,
             r->postcode[0] && r->city[0] ? " " : "", r->city);
    const char *cells[] = {
        "Nom", or_dash(r->name),
        "Sigle", or_dash(r->acronym),
        "Numéro SIRET", or_dash(r->siret),
        "Numéro RNA", or_dash(r->rna),
        "Adresse du siège social", or_dash(address),
        "Courriel", or_dash(r->email),
        "Téléphone", or_dash(r->phone),
        "Représentant légal (qualité)", or_dash(r->representative_role),
    };
    int rc = mg_doc_heading(doc, 2, "1. Identification de l'association", d);
    if (rc == MG_OK)
        rc = field_table(doc, cells, NELEMS(cells) / 2, d);
    return rc;
}

static int cerfa_contact(mg_doc *doc, const mg_subsidy_request *r, mg_diag *d)
{
    const char *cells[] = {
        "Personne chargée du dossier (qualité)", or_dash(r->contact_role),
        "Courriel", or_dash(r->email),
        "Téléphone", or_dash(r->phone),
    };
    int rc = mg_doc_heading(doc, 2, "2. Personne chargée du dossier", d);
    if (rc == MG_OK)
        rc = field_table(doc, cells, NELEMS(cells) / 2, d);
    return rc;
}

static int cerfa_people(mg_doc *doc, const mg_subsidy_request *r, mg_diag *d)
{
    char vol[24], emp[24], fte[32], mem[24];
    snprintf(vol, sizeof vol, "%lld", (long long)r->volunteers);
    snprintf(emp, sizeof emp, "%lld", (long long)r->employees);
    hundredths(r->employees_fte_hundredths, fte, sizeof fte);
    snprintf(mem, sizeof mem, "%lld", (long long)r->members);
    const char *cells[] = {
        "Bénévoles", vol,
        "Salariés", emp,
        "Salariés en équivalent temps plein travaillé (ETPT)", fte,
        "Adhérents", mem,
    };
    int rc = mg_doc_heading(doc, 2, "3. Moyens humains de l'association", d);
    if (rc == MG_OK)
        rc = field_table(doc, cells, NELEMS(cells) / 2, d);
    return rc;
}

static int cerfa_project(mg_doc *doc, const mg_subsidy_request *r, mg_diag *d)
{
    char starts[11], ends[11];
    fr_date(starts, r->starts_on);
    fr_date(ends, r->ends_on);
    const char *nature = strcmp(r->nature, "investment") == 0   ? "Investissement"
                         : strcmp(r->nature, "operation") == 0 ? "Fonctionnement"
                                                               : "—";
    const char *cells[] = {
        "Intitulé", or_dash(r->title),
        "Nouveau projet ou renouvellement", r->is_renewal ? "Renouvellement" : "Nouveau projet",
        "Action pluriannuelle", r->multi_year ? "Oui" : "Non",
        "Nature de la dépense", nature,
        "Publics visés", or_dash(r->target_publics),
        "Communes concernées", or_dash(r->communes),
        "Date de début", or_dash(starts),
        "Date de fin", or_dash(ends),
    };
    int rc = mg_doc_heading(doc, 2, "4. Projet", d);
    if (rc == MG_OK)
        rc = field_table(doc, cells, NELEMS(cells) / 2, d);
    if (rc == MG_OK)
        rc = text_block(doc, "Objectifs", r->objectives, d);
    if (rc == MG_OK)
        rc = text_block(doc, "Description", r->description, d);
    if (rc == MG_OK)
        rc = text_block(doc, "Indicateurs d'évaluation", r->evaluation, d);
    return rc;
}

/* One side of the budget: account, label, amount; its total as last row. */
static int budget_side(mg_doc *doc, mg_subsidy_side side, const mg_subsidy_line *lines,
                       size_t n, int64_t *total, mg_diag *d)
{
    static const mg_doc_column cols[] = {
        {"Compte", 0.45, MG_DOC_LEFT},
        {"Détail", 0.35, MG_DOC_LEFT},
        {"Montant", 0.20, MG_DOC_RIGHT},
    };
    size_t rows = 0;
    for (size_t i = 0; i < n; i++)
        rows += lines[i].side == side;
    const char **cells = calloc((rows + 1) * 3, sizeof *cells);
    char (*amounts)[48] = calloc(rows + 1, sizeof *amounts);
    char (*details)[MG_SUBSIDY_TITLE_MAX_CHARS * 4 + MG_SUBSIDY_NAME_MAX_BYTES + 8] =
        calloc(rows + 1, sizeof *details);
    if (!cells || !amounts || !details) {
        free(cells), free(amounts), free(details);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    *total = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const mg_subsidy_line *l = &lines[i];
        if (l->side != side)
            continue;
        const mg_subsidy_account *a = mg_subsidy_account_find(l->account);
        if (l->funder_id && l->funder_name[0])
            snprintf(details[k], sizeof details[k], "%s%s%s", l->funder_name,
                     l->label[0] ? " — " : "", l->label);
        else
            snprintf(details[k], sizeof details[k], "%s", l->label);
        euros(l->amount_cents, amounts[k], sizeof amounts[k]);
        cells[k * 3] = a ? a->label : l->account;
        cells[k * 3 + 1] = details[k];
        cells[k * 3 + 2] = amounts[k];
        *total += l->amount_cents;
        k++;
    }
    euros(*total, amounts[k], sizeof amounts[k]);
    cells[k * 3] = side == MG_SUBSIDY_EXPENSE ? "Total des charges" : "Total des produits";
    cells[k * 3 + 1] = "";
    cells[k * 3 + 2] = amounts[k];
    int rc = mg_doc_paragraph(doc, MG_DOC_STRONG, mg_subsidy_side_label(side), d);
    if (rc == MG_OK)
        rc = mg_doc_table(doc, cols, NELEMS(cols), cells, rows + 1, d);
    free(cells), free(amounts), free(details);
    return rc;
}

static int cerfa_budget(mg_doc *doc, const mg_subsidy_request *r, const mg_subsidy_line *lines,
                        size_t n, mg_diag *d)
{
    int64_t expenses = 0, resources = 0;
    int rc = mg_doc_heading(doc, 2, "5. Budget du projet", d);
    if (rc == MG_OK)
        rc = budget_side(doc, MG_SUBSIDY_EXPENSE, lines, n, &expenses, d);
    if (rc == MG_OK)
        rc = budget_side(doc, MG_SUBSIDY_RESOURCE, lines, n, &resources, d);
    if (rc != MG_OK)
        return rc;
    /* The co-funders asked (account 74 lines naming one). */
    static const mg_doc_column cols[] = {
        {"Cofinanceur sollicité", 0.7, MG_DOC_LEFT},
        {"Montant demandé", 0.3, MG_DOC_RIGHT},
    };
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        nf += lines[i].funder_id != 0;
    if (nf > 0) {
        const char **cells = calloc(nf * 2, sizeof *cells);
        char (*amounts)[48] = calloc(nf, sizeof *amounts);
        if (!cells || !amounts) {
            free(cells), free(amounts);
            return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
        }
        size_t k = 0;
        for (size_t i = 0; i < n && k < nf; i++) {
            if (!lines[i].funder_id)
                continue;
            euros(lines[i].amount_cents, amounts[k], sizeof amounts[k]);
            cells[k * 2] = or_dash(lines[i].funder_name);
            cells[k * 2 + 1] = amounts[k];
            k++;
        }
        rc = mg_doc_paragraph(doc, MG_DOC_STRONG,
                              "Subventions demandées (compte 74), par cofinanceur", d);
        if (rc == MG_OK)
            rc = mg_doc_table(doc, cols, NELEMS(cols), cells, k, d);
        free(cells), free(amounts);
        if (rc != MG_OK)
            return rc;
    }
    char e[48], s[48], sentence[256];
    euros(expenses, e, sizeof e);
    euros(resources, s, sizeof s);
    if (expenses == resources)
        snprintf(sentence, sizeof sentence,
                 "Le budget est équilibré : total des charges %s, total des produits %s.", e, s);
    else
        snprintf(sentence, sizeof sentence,
                 "Le budget n'est pas équilibré : total des charges %s, total des produits %s.",
                 e, s);
    (void)r;
    return mg_doc_paragraph(doc, MG_DOC_BODY, sentence, d);
}

/* Place, date and signature boxes: one row, high enough to write in.
 * `before` points of text to keep on the same page above them. */
static int signature_boxes(mg_doc *doc, const char *const *headers, size_t n, double before,
                           mg_diag *d)
{
    mg_doc_column cols[3];
    const char *cells[3];
    if (n > 3)
        n = 3;
    for (size_t i = 0; i < n; i++) {
        cols[i] = (mg_doc_column){headers[i], 1.0, MG_DOC_LEFT};
        cells[i] = "\n\n\n\n";
    }
    if (mg_doc_space_left(doc) < mg_doc_table_height(doc, cols, n, cells, 1) + before)
        mg_doc_page_break(doc);
    return mg_doc_table(doc, cols, n, cells, 1, d);
}

static int cerfa_attestation(mg_doc *doc, const mg_subsidy_request *r, int64_t asked,
                             mg_diag *d)
{
    char amount[48], body[2048];
    euros(asked, amount, sizeof amount);
    snprintf(body, sizeof body,
             "Je soussigné(e), %s, représentant(e) légal(e) de l'association %s :\n"
             "— déclare que l'association est à jour de ses obligations administratives, "
             "comptables, sociales et fiscales (déclarations et paiements correspondants) ;\n"
             "— déclare que l'association souscrit au contrat d'engagement républicain ;\n"
             "— déclare exactes et sincères les informations du présent formulaire, notamment "
             "celles relatives aux demandes de subventions déposées auprès d'autres financeurs "
             "publics, ainsi que l'approbation du budget par les instances statutaires ;\n"
             "— demande une ou plusieurs subventions d'un montant total de %s ;\n"
             "— précise que cette subvention, si elle est accordée, devra être versée au compte "
             "bancaire de l'association dont le relevé d'identité bancaire est joint.",
             r->representative_role[0] ? r->representative_role : "(qualité)",
             r->name[0] ? r->name : "(nom)", amount);
    static const char *const boxes[] = {"Fait à", "Le", "Signature"};
    int rc = mg_doc_heading(doc, 2, "6. Attestation", d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, body, d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_NOTE,
                              "Toute fausse déclaration est passible de peines d'emprisonnement "
                              "et d'amendes (articles 441-6 et 441-7 du code pénal).",
                              d);
    if (rc == MG_OK)
        rc = signature_boxes(doc, boxes, NELEMS(boxes), 0, d);
    return rc;
}

static const char CERFA_TITLE[] = "Demande de subvention (formulaire CERFA n° 12156)";

static int cerfa_draw(mg_doc *doc, const mg_subsidy_request *r, const mg_subsidy_line *lines,
                      size_t n, mg_diag *d)
{
    char intro[1024], filed[11];
    fr_date(filed, r->filed_at);
    if (filed[0])
        snprintf(intro, sizeof intro, "Demande n° %lld, version %d, déposée le %s — état : %s.",
                 (long long)r->id, r->version, filed, mg_subsidy_state_label(r->state));
    else
        snprintf(intro, sizeof intro, "Demande n° %lld — brouillon, non déposée.",
                 (long long)r->id);
    int64_t asked = 0;
    for (size_t i = 0; i < n; i++)
        if (lines[i].funder_id)
            asked += lines[i].amount_cents;
    int rc = mg_doc_heading(doc, 1, CERFA_TITLE, d);
    if (rc == MG_OK && r->is_example)
        rc = mg_doc_paragraph(doc, MG_DOC_STRONG,
                              "Demande d'exemple : toutes ses données sont fictives (exemple).", d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_NOTE, intro, d);
    if (rc == MG_OK)
        rc = cerfa_identity(doc, r, d);
    if (rc == MG_OK)
        rc = cerfa_contact(doc, r, d);
    if (rc == MG_OK)
        rc = cerfa_people(doc, r, d);
    if (rc == MG_OK)
        rc = cerfa_project(doc, r, d);
    if (rc == MG_OK)
        rc = cerfa_budget(doc, r, lines, n, d);
    if (rc == MG_OK)
        rc = cerfa_attestation(doc, r, asked, d);
    return rc;
}

/* Finishes doc into a new buffer for the caller. */
static int finish(mg_doc *doc, unsigned char **pdf, size_t *len, mg_diag *d)
{
    mg_buf out;
    mg_buf_init(&out, 64u * 1024u * 1024u);
    int rc = mg_doc_finish(doc, &out, d);
    if (rc != MG_OK) {
        mg_buf_free(&out);
        return rc;
    }
    size_t n = 0;
    char *p = mg_buf_take(&out, &n);
    *pdf = (unsigned char *)p;
    *len = n;
    return MG_OK;
}

int mg_subsidy_cerfa_pdf(mg_db *db, int64_t request_id, unsigned char **pdf, size_t *len,
                         mg_diag *d)
{
    if (!db || !pdf || !len)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_cerfa_pdf: bad arguments");
    *pdf = NULL;
    *len = 0;
    mg_subsidy_request *r = malloc(sizeof *r);
    if (!r)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    mg_subsidy_line *lines = NULL;
    size_t n = 0;
    int rc = load(db, request_id, r, &lines, &n, d);
    if (rc < 0) {
        free(r);
        return rc;
    }
    char footer[256], subject[64];
    footer_line(footer, sizeof footer, "formulaire");
    snprintf(subject, sizeof subject, "Demande de subvention n° %lld", (long long)r->id);
    mg_doc *doc = NULL;
    rc = mg_doc_new(&doc, &(mg_doc_info){CERFA_TITLE, footer, subject}, d);
    if (rc == MG_OK)
        rc = cerfa_draw(doc, r, lines, n, d);
    if (rc == MG_OK)
        rc = finish(doc, pdf, len, d);
    mg_doc_free(doc);
    free(lines);
    mg_subsidy_request_clear(r);
    free(r);
    return rc;
}

/* --- The funding agreement ------------------------------------------------------------------ */

static const char AGREEMENT_TITLE[] = "Convention d'attribution de subvention";

/* "SIRET …, RNA …" of an organisation, "" when it has none. */
static void identifiers(char *out, size_t cap, const char *siret, const char *rna)
{
    snprintf(out, cap, "%s%s%s%s%s", siret[0] ? "SIRET " : "", siret,
             siret[0] && rna[0] ? ", " : "", rna[0] ? "RNA " : "", rna);
}

struct agreement {
    const mg_subsidy_request *r;
    const mg_subsidy_part *p;
    const mg_auth_org *funder;       /* may have no identifiers */
    const mg_subsidy_payment *pay;
    size_t npay;
    int64_t total_cents;             /* the project's cost */
};

static int agreement_parties(mg_doc *doc, const struct agreement *a, mg_diag *d)
{
    const mg_subsidy_request *r = a->r;
    char ids[128], text[4096];
    identifiers(ids, sizeof ids, a->funder->siret, a->funder->rna);
    snprintf(text, sizeof text, "%s%s%s%s, ci-après « le financeur »,", a->p->funder_name,
             ids[0] ? " (" : "", ids, ids[0] ? ")" : "");
    int rc = mg_doc_paragraph(doc, MG_DOC_STRONG, "Entre", d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, text, d);
    identifiers(ids, sizeof ids, r->siret, r->rna);
    char address[2048];
    snprintf(address, sizeof address, "%s%s%s%s%s", r->address,
             r->address[0] && (r->postcode[0] || r->city[0]) ? ", " : "", r->postcode,
             r->postcode[0] && r->city[0] ? " " : "", r->city);
    snprintf(text, sizeof text,
             "%s%s%s%s%s%s%s%s, représentée par son représentant légal (%s), ci-après « le "
             "bénéficiaire ».",
             r->name[0] ? r->name : r->applicant_name, r->acronym[0] ? " (" : "", r->acronym,
             r->acronym[0] ? ")" : "", ids[0] ? ", " : "", ids, address[0] ? ", " : "", address,
             r->representative_role[0] ? r->representative_role : "qualité à préciser");
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_STRONG, "Et", d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, text, d);
    return rc;
}

static int agreement_object(mg_doc *doc, const struct agreement *a, mg_diag *d)
{
    const mg_subsidy_request *r = a->r;
    char text[2048], starts[11], ends[11];
    fr_date(starts, r->starts_on);
    fr_date(ends, r->ends_on);
    int n = snprintf(text, sizeof text,
                     "La présente convention a pour objet de fixer les conditions dans "
                     "lesquelles le financeur soutient le projet « %s » du bénéficiaire "
                     "(demande n° %lld",
                     r->title, (long long)r->id);
    if (n > 0 && (size_t)n < sizeof text && starts[0] && ends[0])
        snprintf(text + n, sizeof text - (size_t)n, "), mené du %s au %s.", starts, ends);
    else if (n > 0 && (size_t)n < sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, ").");
    int rc = mg_doc_heading(doc, 2, "Article 1 – Objet", d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, text, d);
    if (rc == MG_OK)
        rc = text_block(doc, "Objectifs du projet", r->objectives, d);
    return rc;
}

static int agreement_amount(mg_doc *doc, const struct agreement *a, mg_diag *d)
{
    char figures[48], words[512], text[1024], total[48];
    euros(a->p->granted_cents, figures, sizeof figures);
    if (mg_subsidy_amount_words(a->p->granted_cents, words, sizeof words) > 0)
        snprintf(text, sizeof text,
                 "Le financeur attribue au bénéficiaire une subvention de %s (%s).", figures,
                 words);
    else
        snprintf(text, sizeof text, "Le financeur attribue au bénéficiaire une subvention de %s.",
                 figures);
    int rc = mg_doc_heading(doc, 2, "Article 2 – Montant de la subvention", d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, text, d);
    if (rc == MG_OK && a->total_cents > 0) {
        euros(a->total_cents, total, sizeof total);
        /* The share in tenths of a percent, rounded. */
        long long tenths = (long long)((a->p->granted_cents * 1000 + a->total_cents / 2) /
                                       a->total_cents);
        snprintf(text, sizeof text,
                 "Le coût total du projet est estimé à %s ; la subvention en représente "
                 "%lld,%lld %%. Elle n'est pas révisable à la hausse.",
                 total, tenths / 10, tenths % 10);
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, text, d);
    }
    return rc;
}

static int agreement_payments(mg_doc *doc, const struct agreement *a, mg_diag *d)
{
    int rc = mg_doc_heading(doc, 2, "Article 3 – Modalités de versement", d);
    if (rc != MG_OK)
        return rc;
    if (a->npay == 0)
        return mg_doc_paragraph(doc, MG_DOC_BODY,
                                "La subvention est versée au compte bancaire du bénéficiaire : "
                                "versement selon l'échéancier convenu.",
                                d);
    static const mg_doc_column cols[] = {
        {"Versement", 0.15, MG_DOC_LEFT},
        {"Date", 0.18, MG_DOC_LEFT},
        {"Montant", 0.22, MG_DOC_RIGHT},
        {"Conditions", 0.45, MG_DOC_LEFT},
    };
    const char **cells = calloc(a->npay * 4, sizeof *cells);
    char (*txt)[3][48] = calloc(a->npay, sizeof *txt);
    if (!cells || !txt) {
        free(cells), free(txt);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < a->npay; i++) {
        const mg_subsidy_payment *p = &a->pay[i];
        snprintf(txt[i][0], 48, "n° %d", p->instalment ? p->instalment : (int)i + 1);
        fr_date(txt[i][1], p->paid_on);
        euros(p->amount_cents, txt[i][2], 48);
        cells[i * 4] = txt[i][0];
        cells[i * 4 + 1] = txt[i][1];
        cells[i * 4 + 2] = txt[i][2];
        cells[i * 4 + 3] = p->conditions;
    }
    rc = mg_doc_paragraph(doc, MG_DOC_BODY,
                          "La subvention est versée au compte bancaire du bénéficiaire. "
                          "Versements enregistrés à ce jour :",
                          d);
    if (rc == MG_OK)
        rc = mg_doc_table(doc, cols, NELEMS(cols), cells, a->npay, d);
    if (rc == MG_OK) {
        char paid[48], left[48], text[256];
        euros(a->p->paid_cents, paid, sizeof paid);
        euros(a->p->granted_cents - a->p->paid_cents, left, sizeof left);
        snprintf(text, sizeof text, "Versé à ce jour : %s ; reste à verser : %s.", paid, left);
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, text, d);
    }
    free(cells), free(txt);
    return rc;
}

static int agreement_report(mg_doc *doc, const struct agreement *a, mg_diag *d)
{
    char due[11], fr[11], text[512];
    if (months_after(a->r->ends_on, MG_SUBSIDY_REPORT_DELAY_MONTHS, due)) {
        fr_date(fr, due);
        snprintf(text, sizeof text,
                 "Le bénéficiaire transmet au financeur le compte rendu financier du projet "
                 "(CERFA n° 15059), signé par son représentant légal, au plus tard le %s, "
                 "soit six mois après la fin du projet.",
                 fr);
    } else {
        snprintf(text, sizeof text,
                 "Le bénéficiaire transmet au financeur le compte rendu financier du projet "
                 "(CERFA n° 15059), signé par son représentant légal, dans les six mois qui "
                 "suivent la fin du projet.");
    }
    int rc = mg_doc_heading(doc, 2, "Article 4 – Compte rendu financier", d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, text, d);
    return rc;
}

static int agreement_obligations(mg_doc *doc, mg_diag *d)
{
    int rc = mg_doc_heading(doc, 2, "Article 5 – Obligations du bénéficiaire", d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(
            doc, MG_DOC_BODY,
            "Le bénéficiaire s'engage à :\n"
            "— affecter la subvention au seul projet décrit à l'article 1 ;\n"
            "— informer sans délai le financeur de toute modification du projet, de son "
            "calendrier ou de son budget, et de tout changement dans ses statuts ou ses "
            "instances ;\n"
            "— tenir une comptabilité faisant apparaître l'emploi de la subvention et la "
            "conserver dix ans ;\n"
            "— mentionner le soutien du financeur dans sa communication sur le projet ;\n"
            "— permettre au financeur de contrôler sur pièces et sur place l'emploi de la "
            "subvention ;\n"
            "— reverser la part de la subvention non employée ou employée à un autre objet.",
            d);
    if (rc == MG_OK)
        rc = mg_doc_heading(doc, 2, "Article 6 – Résiliation", d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_BODY,
                              "En cas de manquement du bénéficiaire à ses obligations, le "
                              "financeur peut, après mise en demeure restée sans effet "
                              "pendant un mois, résilier la convention et demander le "
                              "reversement de tout ou partie des sommes versées.",
                              d);
    return rc;
}

static int agreement_signatures(mg_doc *doc, const struct agreement *a, mg_diag *d)
{
    char left[2048], right[2048];
    snprintf(left, sizeof left, "Pour le financeur, %s", a->p->funder_name);
    snprintf(right, sizeof right, "Pour le bénéficiaire, %s (%s)",
             a->r->name[0] ? a->r->name : a->r->applicant_name,
             a->r->representative_role[0] ? a->r->representative_role : "représentant légal");
    const char *headers[] = {left, right};
    mg_doc_column cols[2] = {{left, 1.0, MG_DOC_LEFT}, {right, 1.0, MG_DOC_LEFT}};
    const char *cells[2] = {"\n\n\n\n", "\n\n\n\n"};
    /* The place-and-date line stays with the boxes it introduces. */
    if (mg_doc_space_left(doc) < mg_doc_table_height(doc, cols, 2, cells, 1) + 48)
        mg_doc_page_break(doc);
    int rc = mg_doc_paragraph(doc, MG_DOC_BODY,
                              "Fait en deux exemplaires originaux, à ………………………, le "
                              "……………………….",
                              d);
    if (rc == MG_OK)
        rc = signature_boxes(doc, headers, NELEMS(headers), 0, d);
    return rc;
}

static int agreement_draw(mg_doc *doc, const struct agreement *a, mg_diag *d)
{
    int rc = mg_doc_heading(doc, 1, AGREEMENT_TITLE, d);
    if (rc == MG_OK && a->r->is_example)
        rc = mg_doc_paragraph(doc, MG_DOC_STRONG,
                              "Convention d'exemple : toutes ses données sont fictives "
                              "(exemple).",
                              d);
    char decided[11], text[256];
    fr_date(decided, a->p->decided_at);
    if (rc == MG_OK && decided[0]) {
        snprintf(text, sizeof text, "Décision d'attribution du %s.", decided);
        rc = mg_doc_paragraph(doc, MG_DOC_NOTE, text, d);
    }
    if (rc == MG_OK)
        rc = agreement_parties(doc, a, d);
    if (rc == MG_OK)
        rc = mg_doc_paragraph(doc, MG_DOC_BODY, "Il est convenu ce qui suit.", d);
    if (rc == MG_OK)
        rc = agreement_object(doc, a, d);
    if (rc == MG_OK)
        rc = agreement_amount(doc, a, d);
    if (rc == MG_OK)
        rc = agreement_payments(doc, a, d);
    if (rc == MG_OK)
        rc = agreement_report(doc, a, d);
    if (rc == MG_OK)
        rc = agreement_obligations(doc, d);
    if (rc == MG_OK)
        rc = agreement_signatures(doc, a, d);
    return rc;
}

int mg_subsidy_agreement_pdf(mg_db *db, int64_t request_id, int64_t funder_id,
                             unsigned char **pdf, size_t *len, mg_diag *d)
{
    if (!db || !pdf || !len)
        return mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "mg_subsidy_agreement_pdf: bad arguments");
    *pdf = NULL;
    *len = 0;
    mg_subsidy_part *p = malloc(sizeof *p);
    if (!p)
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = mg_subsidy_part_get(db, request_id, funder_id, p, d);
    if (rc == 0 && p->state != MG_PART_GRANTED)
        rc = mg_diag_set(d, MG_EINVAL, NULL, 0, 0,
                         "La part de ce cofinanceur n'est pas accordée : pas de convention.");
    if (rc < 0) {
        free(p);
        return rc;
    }
    mg_subsidy_request *r = malloc(sizeof *r);
    mg_auth_org *funder = calloc(1, sizeof *funder);
    mg_subsidy_line *lines = NULL;
    size_t nlines = 0;
    mg_subsidy_payment *pay = NULL;
    size_t npay = 0;
    mg_doc *doc = NULL;
    if (!r || !funder) {
        free(p), free(r), free(funder);
        return mg_diag_set(d, MG_ENOMEM, NULL, 0, 0, "out of memory");
    }
    rc = load(db, request_id, r, &lines, &nlines, d);
    if (rc < 0) {
        free(p), free(r), free(funder);
        return rc;
    }
    rc = mg_auth_org_get(db, funder_id, funder, d);
    if (rc == MG_ENOTFOUND) { /* the name from the part is enough */
        memset(funder, 0, sizeof *funder);
        rc = 0;
    }
    if (rc == 0)
        rc = mg_subsidy_payments(db, request_id, funder_id, &pay, &npay, d);
    if (rc == 0) {
        int64_t total = 0;
        for (size_t i = 0; i < nlines; i++)
            if (lines[i].side == MG_SUBSIDY_EXPENSE)
                total += lines[i].amount_cents;
        struct agreement a = {.r = r, .p = p, .funder = funder, .pay = pay, .npay = npay,
                              .total_cents = total};
        char footer[256], subject[128];
        footer_line(footer, sizeof footer, "convention");
        snprintf(subject, sizeof subject, "Convention — demande n° %lld", (long long)r->id);
        rc = mg_doc_new(&doc, &(mg_doc_info){AGREEMENT_TITLE, footer, subject}, d);
        if (rc == MG_OK)
            rc = agreement_draw(doc, &a, d);
        if (rc == MG_OK)
            rc = finish(doc, pdf, len, d);
    }
    mg_doc_free(doc);
    free(pay);
    free(lines);
    mg_subsidy_request_clear(r);
    free(r), free(p), free(funder);
    return rc;
}
