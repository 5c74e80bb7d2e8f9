/*
 * The pieces of a subsidy request and its printed documents (issue 16;
 * funding/attachments.h, funding/printed.h):
 *
 *   POST /guichet/demandes/{id}/pieces                       a piece uploaded (EDIT)
 *   GET  /guichet/demandes/{id}/pieces/{pid}                 a piece downloaded (VIEW)
 *   POST /guichet/demandes/{id}/pieces/{pid}/supprimer       a piece removed (EDIT)
 *   GET  /guichet/demandes/{id}/formulaire.pdf               the filled form (VIEW)
 *   GET  /guichet/demandes/{id}/parts/{fid}/convention.pdf   a co-funder's agreement (VIEW;
 *                                                            404 unless its part is granted)
 *
 * A piece is served as a download (Content-Disposition: attachment, a
 * filename of safe ASCII characters and the type's extension) with the
 * type read from its bytes when it was stored (never text/html), and
 * nosniff (sent with every answer by the HTTP layer). A refused upload
 * comes back (400) on a page of the request with its pieces and the
 * sentence beside the file field. Bodies past the upload limit are
 * refused by the HTTP layer (413) before the handler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/contracts.h"
#include "funding/attachments.h"
#include "funding/instruction.h"
#include "funding/printed.h"
#include "html/html.h"
#include "http/http.h"
#include "parse/parse.h"
#include "web/funding_web.h"

#define NELEMS(a) (sizeof(a) / sizeof *(a))

static const char REQUEST_NOT_FOUND[] = "Cette demande de subvention n'existe pas.";
static const char PIECE_NOT_FOUND[] = "Cette pièce n'existe pas.";
static const char READ_FAILED[] = "La pièce n'a pas pu être lue.";
static const char SAVE_FAILED[] = "La pièce n'a pas pu être enregistrée.";
static const char PDF_FAILED[] = "Le document PDF n'a pas pu être produit.";
static const char AGREEMENT_NOT_FOUND[] =
    "Il n'y a pas de convention : la part de ce cofinanceur n'est pas accordée.";

/* "/guichet/demandes/<id><suffix>". */
static void request_path(char *out, size_t cap, int64_t id, const char *suffix)
{
    snprintf(out, cap, "/guichet/demandes/%lld%s", (long long)id, suffix);
}

/* A size in French: "12,5 Mio", "340 Kio", "12 octets". */
static void size_text(mg_buf *b, int64_t n)
{
    char s[32];
    if (n >= 1024 * 1024)
        web_num(s, sizeof s, (double)n / (1024.0 * 1024.0), 1), mg_html_text(b, s),
            mg_buf_puts(b, " Mio");
    else if (n >= 1024)
        web_num(s, sizeof s, (double)n / 1024.0, 0), mg_html_text(b, s), mg_buf_puts(b, " Kio");
    else
        mg_buf_printf(b, "%lld ", (long long)n), mg_buf_puts(b, n > 1 ? "octets" : "octet");
}

/* Whether pieces may change now, as the page tells it (the store decides):
 * a draft, a request to complete; the final report's pieces after a grant. */
static bool pieces_open(const mg_subsidy_request *r)
{
    return r->state == MG_SUBSIDY_DRAFT || r->state == MG_SUBSIDY_TO_COMPLETE;
}

static bool report_open(const mg_subsidy_request *r)
{
    return r->state == MG_SUBSIDY_GRANTED_FULL || r->state == MG_SUBSIDY_GRANTED_PART;
}

/* The upload form, drawn by hand: web_form draws urlencoded forms only. */
static void upload_form(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v, const char *kind,
                        const char *error)
{
    char path[96];
    request_path(path, sizeof path, v->r.id, "/pieces");
    bool only_report = !pieces_open(&v->r);
    mg_buf_puts(b, "<h3 id=\"ajout-piece\">Ajouter une pièce</h3>\n");
    if (error && error[0]) {
        mg_buf_puts(b, "<div role=\"alert\" class=\"form-errors\"><p id=\"piece-erreur\">");
        mg_html_text(b, error);
        mg_buf_puts(b, "</p></div>\n");
    }
    mg_buf_puts(b, "<form class=\"stack\" method=\"post\" enctype=\"multipart/form-data\" "
                   "action=\"");
    mg_html_attr(b, path);
    mg_buf_puts(b, "\">\n");
    web_csrf_field(b, ctx);
    mg_buf_puts(b, "<label for=\"piece-kind\">Nature de la pièce</label>\n"
                   "<select id=\"piece-kind\" name=\"kind\" required>\n");
    for (int k = 0; k < MG_ATTACH_KINDS; k++) {
        if (only_report && k != MG_ATTACH_REPORT)
            continue;
        const char *key = mg_subsidy_attachment_kind_key((mg_subsidy_attachment_kind)k);
        mg_html_option(b, key, mg_subsidy_attachment_kind_label((mg_subsidy_attachment_kind)k),
                       kind && strcmp(kind, key) == 0);
    }
    mg_buf_puts(b, "</select>\n<label for=\"piece-file\">Fichier</label>\n"
                   "<input type=\"file\" id=\"piece-file\" name=\"file\" required "
                   "accept=\".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.odt,.ods\" "
                   "aria-describedby=\"piece-file-aide");
    if (error && error[0])
        mg_buf_puts(b, " piece-erreur\" aria-invalid=\"true");
    mg_buf_puts(b, "\">\n<p class=\"hint\" id=\"piece-file-aide\">PDF, image PNG ou JPEG, Word "
                   "(.docx), Excel (.xlsx), OpenDocument (.odt, .ods) ; 10 Mio au plus. Le type "
                   "est lu dans le contenu du fichier, pas dans son nom.</p>\n"
                   "<button type=\"submit\">Ajouter la pièce</button>\n</form>\n");
}

/* The section's body: the pieces, the missing ones, the forms. */
static void section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v, const char *kind,
                    const char *error)
{
    mg_subsidy_attachment *x = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    mg_buf_puts(b, "<section aria-labelledby=\"pieces\"><h2 id=\"pieces\">Pièces jointes</h2>\n");
    int rc = mg_subsidy_attachments(ctx->app->db, v->r.id, &x, &n, &d);
    if (rc) {
        fprintf(stderr, "attachments of subsidy request %lld: %s\n", (long long)v->r.id, d.msg);
        mg_buf_puts(b, "<p>Les pièces n'ont pas pu être lues.</p>\n</section>\n");
        return;
    }
    bool may_change = v->may_edit && (pieces_open(&v->r) || report_open(&v->r));
    unsigned present = 0;
    if (n == 0) {
        mg_buf_puts(b, "<p>Aucune pièce n'est jointe à cette demande.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Pièces de la demande</caption>"
                       "<thead><tr><th scope=\"col\">Nature</th><th scope=\"col\">Fichier</th>"
                       "<th scope=\"col\">Type</th><th scope=\"col\">Taille</th>"
                       "<th scope=\"col\">Ajoutée le</th>");
        if (may_change)
            mg_buf_puts(b, "<th scope=\"col\">Retirer</th>");
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t i = 0; i < n; i++) {
            const mg_subsidy_attachment *a = &x[i];
            present |= 1u << a->kind;
            char path[128], suffix[64];
            snprintf(suffix, sizeof suffix, "/pieces/%lld", (long long)a->id);
            request_path(path, sizeof path, v->r.id, suffix);
            mg_buf_puts(b, "<tr><th scope=\"row\">");
            mg_html_text(b, mg_subsidy_attachment_kind_label(a->kind));
            mg_buf_puts(b, "</th><td><a href=\"");
            mg_html_href(b, path, NULL, NULL);
            mg_buf_puts(b, "\" download>");
            mg_html_text(b, a->filename);
            mg_buf_puts(b, "</a></td><td>");
            mg_html_text(b, mg_contract_document_type_label(a->media_type));
            mg_buf_puts(b, "</td><td>");
            size_text(b, a->size);
            mg_buf_puts(b, "</td><td>");
            web_time_utc(b, a->created_at, "—");
            mg_buf_puts(b, "</td>");
            if (may_change) {
                bool deletable = pieces_open(&v->r) || a->kind == MG_ATTACH_REPORT;
                mg_buf_puts(b, "<td>");
                if (deletable) {
                    char del[160];
                    snprintf(suffix, sizeof suffix, "/pieces/%lld/supprimer", (long long)a->id);
                    request_path(del, sizeof del, v->r.id, suffix);
                    mg_buf_puts(b, "<form method=\"post\" action=\"");
                    mg_html_attr(b, del);
                    mg_buf_puts(b, "\">");
                    web_csrf_field(b, ctx);
                    mg_buf_puts(b, "<button type=\"submit\" aria-label=\"Retirer ");
                    mg_html_attr(b, a->filename);
                    mg_buf_puts(b, "\">Retirer</button></form>");
                }
                mg_buf_puts(b, "</td>");
            }
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    free(x);
    /* The pieces a filing needs and that are not there. */
    size_t missing = 0;
    for (int k = 0; k < MG_ATTACH_KINDS; k++)
        if (mg_subsidy_attachment_required((mg_subsidy_attachment_kind)k, v->r.is_renewal) &&
            !(present & (1u << k)))
            missing++;
    if (missing > 0) {
        mg_buf_puts(b, missing > 1 ? "<p>Pièces obligatoires manquantes :</p>\n<ul>\n"
                                   : "<p>Pièce obligatoire manquante :</p>\n<ul>\n");
        for (int k = 0; k < MG_ATTACH_KINDS; k++)
            if (mg_subsidy_attachment_required((mg_subsidy_attachment_kind)k,
                                               v->r.is_renewal) &&
                !(present & (1u << k))) {
                mg_buf_puts(b, "<li>");
                mg_html_text(b, mg_subsidy_attachment_kind_label((mg_subsidy_attachment_kind)k));
                mg_buf_puts(b, "</li>\n");
            }
        mg_buf_puts(b, "</ul>\n");
    } else {
        mg_buf_puts(b, "<p>Toutes les pièces obligatoires sont jointes.</p>\n");
    }
    if (may_change) {
        upload_form(b, ctx, v, kind, error);
    } else if (error && error[0]) {
        /* A refusal for a request whose pieces no longer change: said here. */
        mg_buf_puts(b, "<div role=\"alert\" class=\"form-errors\"><p id=\"piece-erreur\">");
        mg_html_text(b, error);
        mg_buf_puts(b, "</p></div>\n");
    }
    char pdf[96];
    request_path(pdf, sizeof pdf, v->r.id, "/formulaire.pdf");
    mg_buf_puts(b, "<p><a href=\"");
    mg_html_href(b, pdf, NULL, NULL);
    mg_buf_puts(b, "\">Télécharger le formulaire rempli (PDF)</a></p>\n</section>\n");
}

void web_subsidy_attachments_section(mg_buf *b, web_ctx *ctx, const web_subsidy_view *v)
{
    section(b, ctx, v, NULL, NULL);
}

/* --- Handlers ------------------------------------------------------------------------------- */

/* The request's pieces on a page of their own, status 400, with `error`
 * beside the file field. */
static int refused_page(web_ctx *ctx, const web_subsidy_view *v, const char *kind,
                        const char *error)
{
    mg_buf *b = &ctx->res->body;
    mg_buf_reset(b);
    ctx->res->status = 400;
    char title[1024];
    snprintf(title, sizeof title, "Pièces — %s", v->r.title[0] ? v->r.title : "Demande");
    web_page_begin(b, ctx, title, "guichet");
    web_subsidy_crumbs(b, &v->r);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n<p><a href=\"");
    web_subsidy_href(b, v->r.id);
    mg_buf_puts(b, "\">Retour à la demande</a></p>\n");
    section(b, ctx, v, kind, error);
    web_page_end(b);
    return web_done(ctx);
}

static void back_to(web_ctx *ctx, int64_t id)
{
    char to[96];
    request_path(to, sizeof to, id, "#pieces");
    mg_http_redirect(ctx->res, to);
}

/* POST /guichet/demandes/{id}/pieces (multipart/form-data: kind, file) */
static int piece_post(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    const char *kind = mg_http_form(ctx->req, "kind");
    const char *data = NULL, *filename = NULL;
    size_t len = 0;
    char error[1200] = "";
    mg_subsidy_attachment_kind k = MG_ATTACH_OTHER;
    int rc = mg_http_upload(ctx->req, "file", &data, &len, &filename);
    if (!kind || mg_subsidy_attachment_kind_parse(kind, &k) < 0) {
        snprintf(error, sizeof error,
                 "Nature de la pièce : choisissez-la dans la liste proposée.");
    } else if (rc == MG_ENOTFOUND || (rc == 0 && (!filename || !filename[0]))) {
        snprintf(error, sizeof error, "Fichier : choisissez le fichier à joindre à la demande.");
    } else if (rc == MG_EPARSE) {
        snprintf(error, sizeof error, "Fichier : l'envoi n'a pas pu être lu ; réessayez.");
    } else if (rc) {
        web_subsidy_view_clear(&v);
        return rc;
    } else {
        mg_subsidy_errors errs = {0};
        mg_diag d = {{0}};
        int64_t id = 0;
        rc = mg_subsidy_attachment_add(ctx->app->db, ctx->actor->account_id, v.r.id, k, filename,
                                       data, len, &id, &errs, &d);
        if (rc == 0) {
            back_to(ctx, v.r.id);
            web_subsidy_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, SAVE_FAILED);
            web_subsidy_view_clear(&v);
            return MG_OK;
        }
        const char *msg = errs.n ? errs.e[0].msg : d.msg;
        bool on_kind = errs.n && strcmp(errs.e[0].field, "kind") == 0;
        snprintf(error, sizeof error, "%s : %s", on_kind ? "Nature de la pièce" : "Fichier", msg);
    }
    rc = refused_page(ctx, &v, kind, error);
    web_subsidy_view_clear(&v);
    return rc;
}

/* The piece {pid} of the loaded request, with its bytes; false once answered. */
static bool piece_load(web_ctx *ctx, const web_subsidy_view *v, mg_subsidy_attachment *a,
                       void **data, size_t *len)
{
    int64_t id = 0;
    *data = NULL;
    *len = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, "pid"), INT64_MAX, &id, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, PIECE_NOT_FOUND);
        return false;
    }
    mg_diag d = {{0}};
    int rc = mg_subsidy_attachment_get(ctx->app->db, id, a, data, len, &d);
    if (rc == 0 && (a->request_id != v->r.id || !a->media_type[0]))
        rc = MG_ENOTFOUND;
    if (rc) {
        free(*data);
        *data = NULL;
        web_storage_error(ctx->req, ctx->res, rc, &d, PIECE_NOT_FOUND, READ_FAILED);
        return false;
    }
    return true;
}

/* The accepted type equal to t, as a static string; octet-stream otherwise. */
static const char *served_type(const char *t)
{
    static const char *const types[] = {
        "application/pdf", "image/png", "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet"};
    for (size_t i = 0; i < NELEMS(types); i++)
        if (strcmp(t, types[i]) == 0)
            return types[i];
    return "application/octet-stream";
}

/* Sends bytes as a download named `name`. */
static int send_file(web_ctx *ctx, const void *data, size_t len, const char *type,
                     const char *name)
{
    mg_http_response *res = ctx->res;
    mg_buf_reset(&res->body);
    if (len > res->body.max)
        res->body.max = len;
    int rc = mg_buf_append(&res->body, data, len); /* lint-ok: a file's bytes, an attachment */
    if (rc)
        return rc;
    res->content_type = type;
    snprintf(res->disposition, sizeof res->disposition, "attachment; filename=\"%s\"", name);
    snprintf(res->cache, sizeof res->cache, "private, no-store");
    return MG_OK;
}

/* GET /guichet/demandes/{id}/pieces/{pid} */
static int piece_get(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    mg_subsidy_attachment a;
    void *data = NULL;
    size_t len = 0;
    int rc = MG_OK;
    if (piece_load(ctx, &v, &a, &data, &len)) {
        char name[128];
        web_download_filename(name, sizeof name, a.filename, a.media_type, "piece");
        rc = send_file(ctx, data, len, served_type(a.media_type), name);
    }
    free(data);
    web_subsidy_view_clear(&v);
    return rc;
}

/* POST /guichet/demandes/{id}/pieces/{pid}/supprimer */
static int piece_delete(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    int64_t id = 0;
    mg_subsidy_attachment a;
    void *data = NULL;
    size_t len = 0;
    int rc = MG_OK;
    if (mg_parse_id(mg_http_path_param(ctx->req, "pid"), INT64_MAX, &id, NULL) == 0 &&
        piece_load(ctx, &v, &a, &data, &len)) {
        free(data);
        mg_subsidy_errors errs = {0};
        mg_diag d = {{0}};
        rc = mg_subsidy_attachment_delete(ctx->app->db, ctx->actor->account_id, id, &errs, &d);
        if (rc == 0)
            back_to(ctx, v.r.id);
        else if (rc == MG_EINVAL) {
            char error[1200];
            snprintf(error, sizeof error, "Fichier : %s", errs.n ? errs.e[0].msg : d.msg);
            rc = refused_page(ctx, &v, NULL, error);
        } else {
            web_storage_error(ctx->req, ctx->res, rc, &d, PIECE_NOT_FOUND, SAVE_FAILED);
        }
        rc = rc == MG_ELIMIT ? rc : MG_OK;
    } else if (id == 0) {
        mg_http_error(ctx->req, ctx->res, 404, PIECE_NOT_FOUND);
    }
    web_subsidy_view_clear(&v);
    return rc;
}

/* GET /guichet/demandes/{id}/formulaire.pdf */
static int form_pdf(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    unsigned char *pdf = NULL;
    size_t len = 0;
    mg_diag d = {{0}};
    int rc = mg_subsidy_cerfa_pdf(ctx->app->db, v.r.id, &pdf, &len, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, REQUEST_NOT_FOUND, PDF_FAILED);
        rc = MG_OK;
    } else {
        char name[64];
        snprintf(name, sizeof name, "demande-%lld-cerfa-12156.pdf", (long long)v.r.id);
        rc = send_file(ctx, pdf, len, "application/pdf", name);
    }
    free(pdf);
    web_subsidy_view_clear(&v);
    return rc;
}

/* GET /guichet/demandes/{id}/parts/{fid}/convention.pdf */
static int agreement_pdf(web_ctx *ctx)
{
    web_subsidy_view v;
    if (!web_subsidy_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    int64_t fid = 0;
    int rc = MG_OK;
    if (mg_parse_id(mg_http_path_param(ctx->req, "fid"), INT64_MAX, &fid, NULL)) {
        mg_http_error(ctx->req, ctx->res, 404, AGREEMENT_NOT_FOUND);
        web_subsidy_view_clear(&v);
        return MG_OK;
    }
    unsigned char *pdf = NULL;
    size_t len = 0;
    mg_diag d = {{0}};
    rc = mg_subsidy_agreement_pdf(ctx->app->db, v.r.id, fid, &pdf, &len, &d);
    if (rc == MG_EINVAL || rc == MG_ENOTFOUND) {
        mg_http_error(ctx->req, ctx->res, 404, AGREEMENT_NOT_FOUND);
        rc = MG_OK;
    } else if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, AGREEMENT_NOT_FOUND, PDF_FAILED);
        rc = MG_OK;
    } else {
        char name[96];
        snprintf(name, sizeof name, "convention-demande-%lld-financeur-%lld.pdf",
                 (long long)v.r.id, (long long)fid);
        rc = send_file(ctx, pdf, len, "application/pdf", name);
    }
    free(pdf);
    web_subsidy_view_clear(&v);
    return rc;
}

const web_route web_routes_funding_attachments[] = {
    {"POST", "/guichet/demandes/{id}/pieces", piece_post, WEB_ANYONE, 0},
    {"GET", "/guichet/demandes/{id}/pieces/{pid}", piece_get, WEB_ANYONE, 0},
    {"POST", "/guichet/demandes/{id}/pieces/{pid}/supprimer", piece_delete, WEB_ANYONE, 0},
    {"GET", "/guichet/demandes/{id}/formulaire.pdf", form_pdf, WEB_ANYONE, 0},
    {"GET", "/guichet/demandes/{id}/parts/{fid}/convention.pdf", agreement_pdf, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
