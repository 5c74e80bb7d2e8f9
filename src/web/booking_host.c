/*
 * The pages of a site of the telehealth equipment, for its hosts (issue
 * 17; docs/booking-host.md):
 *  - /equipements: the entry of the signed-in — the sites they run, the
 *    teleconsultants of their organisations, their equipment networks;
 *  - /equipements/sites/{id}?jour=…: the day's bookings per device (time,
 *    person, phone, state, and the buttons « Arrivé », « Absent »,
 *    « Terminé », « Annuler »), the day's free slots, the walk-in form
 *    (« Recevoir maintenant »: the next free slot, now, for the person at
 *    the desk), the site's assistants and closures;
 *  - /equipements/sites/{id}/rappels: the next day's bookings with phone
 *    numbers, for a reminder by the host's own means;
 *  - /equipements/appareils/{id}/maintenance: blocking a device over a
 *    period, and the bookings the block hits, to tell their people and
 *    then cancel;
 *  - POSTs: a walk-in, a booking's state, an assistant, a closure.
 *
 * Rights (MG_AUTH_OBJ_BOOKING_SITE: organisation the site, viewers its
 * network's owner): the pages VIEW, every change and the maintenance page
 * EDIT. A booking or a device is reached through its site's rights, so
 * another site's is the 404 of one that does not exist. The host sees the
 * booking's code (the person may give it at the desk; the teleconsultant
 * finds the appointment by it) until it is purged with the person and the
 * phone. A refused form comes back, status 400, with what was typed and
 * each sentence beside its field; a success answers 303.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "booking/book.h"
#include "booking/booking.h"
#include "booking/setup.h"
#include "parse/parse.h"
#include "web/booking_web.h"
#include "web/form.h"
#include "web/web.h"

#define NFIELDS(a) (sizeof(a) / sizeof *(a))

static const char SITE_NOT_FOUND[] = "Ce site n'existe pas.";
static const char BOOKING_NOT_FOUND[] = "Ce rendez-vous n'existe pas.";
static const char DEVICE_NOT_FOUND[] = "Cet appareil n'existe pas.";
static const char ASSISTANT_NOT_FOUND[] = "Cet assistant n'existe pas sur ce site.";
static const char READ_FAILED[] = "Les rendez-vous du site n'ont pas pu être lus.";
static const char SAVE_FAILED[] = "L'enregistrement n'a pas pu être fait.";
static const char DAY_REFUSED[] =
    "« jour » : une date est attendue, par exemple 2026-12-07 ou 07/12/2026.";

enum {
    WALKIN_TRIES = 3,       /* a walk-in's slot taken meanwhile: the next one, this many times */
    WALKIN_WAIT_MIN = 120,  /* a walk-in is offered the next free slot starting this soon */
    SLOTS_SHOWN_MAX = 96,   /* free slots of a day shown per consultation kind */
    PAGE_PATH = 128,
};

/* --- Time ---------------------------------------------------------------------------------- */

/* "10 h 30", Paris civil time, with no-break spaces (a time is never cut
 * across lines). */
static void put_hm(mg_buf *b, int64_t minute)
{
    mg_oh_instant t = mg_booking_local(minute);
    mg_buf_printf(b, "%d\u00a0h\u00a0%02d", t.minute / 60, t.minute % 60);
}

static void hm_text(int64_t minute, char out[static 16])
{
    mg_oh_instant t = mg_booking_local(minute);
    snprintf(out, 16, "%u h %02u", ((unsigned)t.minute / 60u) % 100u, (unsigned)t.minute % 60u);
}

/* "2026-12-07", the Paris day of an instant. */
static void iso_day(int64_t minute, char out[static 11])
{
    mg_oh_instant t = mg_booking_local(minute);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)t.year % 10000u, (unsigned)t.month % 100u,
             (unsigned)t.day % 100u);
}

/* The start of the day of an instant, of the next and of the previous one.
 * A Paris day lasts 23 to 25 hours: 26 hours after a day's start is in the
 * next day, a minute before it in the previous one. */
static int64_t day_start_of(int64_t minute)
{
    mg_oh_instant t = mg_booking_local(minute);
    return mg_booking_day_start(t.year, t.month, t.day);
}

static int64_t next_day(int64_t start)
{
    return day_start_of(start + 26 * 60);
}

static int64_t prev_day(int64_t start)
{
    return day_start_of(start - 1);
}

/* "lundi 7 décembre 2026": mg_booking_format_fr without its time. */
static void day_fr(int64_t start, char out[static 64])
{
    mg_booking_format_fr(start, out);
    char *at = strstr(out, " à ");
    if (at)
        *at = 0;
}

/* "lundi 7 décembre 2026 à 10 h 30". */
static void put_when(mg_buf *b, int64_t minute)
{
    char s[64];
    mg_booking_format_fr(minute, s);
    mg_html_text(b, s);
}

/* The day of ?jour= (absent or empty: today), its start into *start;
 * false once a 400 has been answered. */
static bool day_param(web_ctx *ctx, int64_t today_offset_days, int64_t *start)
{
    const char *s = mg_http_query(ctx->req, "jour");
    if (!s || !*s) {
        int64_t t = day_start_of(mg_booking_now());
        for (int64_t k = 0; k < today_offset_days; k++)
            t = next_day(t);
        *start = t;
        return true;
    }
    mg_date dt;
    mg_parse_error why;
    if (mg_parse_date(s, &dt, &why) != 0 || dt.year < 1971 || dt.year > 9000) {
        mg_http_error(ctx->req, ctx->res, 400, DAY_REFUSED);
        return false;
    }
    *start = mg_booking_day_start(dt.year, dt.month, dt.day);
    return true;
}

/* --- Small pieces ---------------------------------------------------------------------------- */

static void alert(mg_buf *b, const char *msg)
{
    mg_buf_puts(b, "<p class=\"error\" role=\"alert\">");
    mg_html_text(b, msg);
    mg_buf_puts(b, "</p>\n");
}

static void notice(mg_buf *b, const char *msg)
{
    mg_buf_puts(b, "<p class=\"notice\" role=\"status\">");
    mg_html_text(b, msg);
    mg_buf_puts(b, "</p>\n");
}

/* A phone number shown and dialled: <a href="tel:+33…">06 12 34 56 78</a>. */
static void put_phone(mg_buf *b, const char *e164)
{
    if (!e164 || !*e164) {
        mg_buf_puts(b, "—");
        return;
    }
    char shown[32], kept[64];
    mg_booking_phone_display(e164, shown);
    /* No-break spaces between the pairs of digits: a number on one line. */
    size_t n = 0;
    for (const char *p = shown; *p && n + 3 < sizeof kept; p++) {
        if (*p == ' ') {
            kept[n++] = '\xc2';
            kept[n++] = '\xa0';
        } else {
            kept[n++] = *p;
        }
    }
    kept[n] = 0;
    mg_buf_puts(b, "<a href=\"tel:");
    mg_html_attr(b, e164);
    mg_buf_puts(b, "\">");
    mg_html_text(b, kept);
    mg_buf_puts(b, "</a>");
}

static void site_path(char out[static PAGE_PATH], int64_t site_id, const char *suffix)
{
    snprintf(out, PAGE_PATH, "/equipements/sites/%lld%s", (long long)site_id,
             suffix ? suffix : "");
}

/* The path {name} parameter as an id, or 0 after a 404 saying not_found. */
static int64_t path_id(web_ctx *ctx, const char *name, const char *not_found)
{
    int64_t id = 0;
    if (mg_parse_id(mg_http_path_param(ctx->req, name), INT64_MAX, &id, NULL) != 0 || id <= 0) {
        mg_http_error(ctx->req, ctx->res, 404, not_found);
        return 0;
    }
    return id;
}

/* --- A site and its rights --------------------------------------------------------------------- */

typedef struct site_view {
    mg_booking_site s;
    mg_auth_object o;
    bool may_edit;
} site_view;

static void site_view_clear(site_view *v)
{
    mg_booking_site_clear(&v->s);
}

/* Site `id` when the actor may `verb` it (its hidden answer saying
 * not_found); false once answered. v must not move afterwards (the
 * authorisation object points into it). */
static bool site_open(web_ctx *ctx, int64_t id, mg_auth_verb verb, const char *not_found,
                      site_view *v)
{
    memset(v, 0, sizeof *v);
    mg_diag d = {{0}};
    int rc = mg_booking_site_get(ctx->app->db, id, &v->s, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, not_found, READ_FAILED);
        return false;
    }
    v->o = (mg_auth_object){.type = MG_AUTH_OBJ_BOOKING_SITE,
                            .organisation_id = v->s.site_id,
                            .viewers = &v->s.owner_id,
                            .nviewers = 1};
    if (!web_allow_as(ctx, verb, &v->o, not_found)) {
        site_view_clear(v);
        return false;
    }
    v->may_edit = web_can(ctx, MG_AUTH_EDIT, &v->o);
    return true;
}

static bool site_load(web_ctx *ctx, mg_auth_verb verb, site_view *v)
{
    int64_t id = path_id(ctx, "id", SITE_NOT_FOUND);
    return id && site_open(ctx, id, verb, SITE_NOT_FOUND, v);
}

static void crumbs(mg_buf *b, const site_view *v, const char *here)
{
    mg_buf_puts(b, "<nav aria-label=\"Fil d'Ariane\"><a href=\"/equipements\">Équipements</a> › ");
    if (here) {
        mg_html_link_id(b, "/equipements/sites/", v->s.site_id, NULL);
        mg_html_text(b, v->s.name);
        mg_buf_puts(b, "</a> › ");
        mg_html_text(b, here);
    } else {
        mg_html_text(b, v->s.name);
    }
    mg_buf_puts(b, "</nav>\n");
}

/* The name of device id among v[0..n), or "". */
static const char *device_name(const mg_booking_device *v, size_t n, int64_t id)
{
    for (size_t k = 0; k < n; k++)
        if (v[k].id == id)
            return v[k].name;
    return "";
}

/* The French sentences of a domain refusal beside the form's fields
 * (booking_web.h); also the teleconsultant's pages'. */
void web_booking_refuse_fields(web_form_input *in, const mg_booking_errors *errs, const mg_diag *d,
                          const char *fallback)
{
    for (size_t k = 0; k < errs->n && k < MG_BOOKING_ERRORS_MAX; k++) {
        const char *field = errs->e[k].field;
        if (web_form_field(in->form, field) < 0)
            field = fallback;
        int i = web_form_field(in->form, field);
        if (i < 0 || in->error[i][0])
            continue;
        /* The field's label first, as the form's own refusals say it. */
        char msg[WEB_FORM_ERROR_SIZE];
        snprintf(msg, sizeof msg, "« %s » : %s", in->form->fields[i].label, errs->e[k].msg);
        web_form_refuse(in, field, msg);
    }
    if (!errs->n)
        web_form_refuse(in, fallback, d->msg[0] ? d->msg : "La saisie est refusée.");
}

/* A state button of booking bk: a form of its own (POST …/etat). */
static void state_button(mg_buf *b, web_ctx *ctx, const mg_booking *bk, mg_booking_state to,
                         const char *label, const char *back)
{
    char path[96], when[16];
    snprintf(path, sizeof path, "/equipements/rendez-vous/%lld/etat", (long long)bk->id);
    hm_text(bk->start, when);
    mg_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"");
    mg_html_attr(b, path);
    mg_buf_puts(b, "\">");
    web_csrf_field(b, ctx);
    mg_html_hidden(b, "etat", mg_booking_state_key(to));
    if (back)
        mg_html_hidden(b, "retour", back);
    mg_buf_puts(b, "<button type=\"submit\" aria-label=\"");
    mg_html_attr(b, label);
    mg_buf_puts(b, " : ");
    mg_html_attr(b, bk->person);
    mg_buf_puts(b, ", ");
    mg_html_attr(b, when);
    mg_buf_puts(b, "\">");
    mg_html_text(b, label);
    mg_buf_puts(b, "</button></form> ");
}

/* The buttons of the changes a booking's state allows (migration 010's
 * transitions). */
static void state_buttons(mg_buf *b, web_ctx *ctx, const mg_booking *bk, const char *back)
{
    switch (bk->state) {
    case MG_BOOKING_BOOKED:
        state_button(b, ctx, bk, MG_BOOKING_ARRIVED, "Arrivé", back);
        state_button(b, ctx, bk, MG_BOOKING_NO_SHOW, "Absent", back);
        state_button(b, ctx, bk, MG_BOOKING_CANCELLED, "Annuler", back);
        break;
    case MG_BOOKING_ARRIVED:
        state_button(b, ctx, bk, MG_BOOKING_DONE, "Terminé", back);
        state_button(b, ctx, bk, MG_BOOKING_BOOKED, "Rétablir", back);
        break;
    case MG_BOOKING_NO_SHOW:
        state_button(b, ctx, bk, MG_BOOKING_ARRIVED, "Arrivé", back);
        state_button(b, ctx, bk, MG_BOOKING_BOOKED, "Rétablir", back);
        break;
    default: break;
    }
}

/* --- « Supprimer » on an exception (closure, block, absence) --------------------------------- */

void web_booking_delete_button(mg_buf *b, web_ctx *ctx, const char *action, int64_t exception_id,
                               const char *what)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)exception_id);
    mg_buf_puts(b, "<form class=\"inline\" method=\"post\" action=\"");
    mg_html_attr(b, action);
    mg_buf_puts(b, "\">");
    web_csrf_field(b, ctx);
    mg_html_hidden(b, WEB_BOOKING_DELETE_FIELD, id);
    mg_buf_puts(b, "<button type=\"submit\" class=\"danger\" aria-label=\"Supprimer : ");
    mg_html_attr(b, what);
    mg_buf_puts(b, "\">Supprimer</button></form>\n");
}

bool web_booking_delete_post(web_ctx *ctx, mg_booking_resource resource, int64_t resource_id,
                             const char *back)
{
    const char *s = mg_http_form(ctx->req, WEB_BOOKING_DELETE_FIELD);
    if (!s)
        return false;
    static const char NOT_FOUND[] = "Cette fermeture, ce blocage ou cette absence n'existe pas.";
    int64_t id = 0;
    if (mg_parse_id(s, INT64_MAX, &id, NULL) != 0 || id <= 0) {
        mg_http_error(ctx->req, ctx->res, 404, NOT_FOUND);
        return true;
    }
    mg_diag d = {{0}};
    int rc = mg_booking_exception_end(ctx->app->db, ctx->actor->account_id, resource,
                                      resource_id, id, mg_booking_now(), NULL, &d);
    if (rc == 0)
        mg_http_redirect(ctx->res, back);
    else if (rc == MG_EINVAL)
        mg_http_error(ctx->req, ctx->res, 409,
                      "Cette fermeture, ce blocage ou cette absence est déjà terminé.");
    else
        web_storage_error(ctx->req, ctx->res, rc, &d, NOT_FOUND, SAVE_FAILED);
    return true;
}

/* --- Forms ----------------------------------------------------------------------------------- */

enum { W_PERSON, W_PHONE, W_KIND };
static const web_field walkin_fields[] = {
    [W_PERSON] = {.name = "person", .label = "Initiales de la personne", .kind = WEB_FIELD_TEXT,
                  .required = true, .max = MG_BOOKING_PERSON_MAX_CHARS,
                  .hint = "Par exemple A. B.", .autocomplete = "off"},
    [W_PHONE] = {.name = "phone", .label = "Téléphone de la personne", .kind = WEB_FIELD_TEXT,
                 .required = true, .max = 30, .input_type = "tel",
                 .hint = "Pour la prévenir d'un imprévu, par exemple 06 12 34 56 78.",
                 .autocomplete = "off"},
    [W_KIND] = {.name = "kind", .label = "Consultation", .kind = WEB_FIELD_SELECT,
                .required = true},
};

/* The consultation kinds offered at a site: the <option>s of W_KIND. */
typedef struct kinds_offered {
    bool on[MG_BOOKING_KINDS];
} kinds_offered;

static int kind_options(mg_buf *b, const void *ctx, const char *selected)
{
    const kinds_offered *k = ctx;
    for (int i = 0; i < MG_BOOKING_KINDS; i++) {
        if (k && !k->on[i])
            continue;
        const char *key = mg_booking_kind_key((mg_booking_kind)i);
        int rc = mg_html_option(b, key, mg_booking_kind_label((mg_booking_kind)i),
                                selected && strcmp(selected, key) == 0);
        if (rc)
            return rc;
    }
    return MG_OK;
}

/* The walk-in form of a site (the person's label as the site asks). */
static void walkin_render(mg_buf *b, web_ctx *ctx, const site_view *v, const kinds_offered *k,
                          const web_form_input *in)
{
    web_field fields[NFIELDS(walkin_fields)];
    memcpy(fields, walkin_fields, sizeof fields);
    if (v->s.ask == MG_BOOKING_ASK_NAME) {
        fields[W_PERSON].label = "Nom de la personne";
        fields[W_PERSON].hint = "Le nom sous lequel l'accueillir.";
    }
    fields[W_KIND].options_fn = kind_options;
    web_form f = {"sur-place", fields, NFIELDS(fields), "Recevoir maintenant", NULL};
    web_form_input cur;
    if (in) {
        cur = *in;
        cur.form = &f;
        in = &cur;
    }
    char path[PAGE_PATH];
    site_path(path, v->s.site_id, "/sur-place");
    web_form_render(b, &f, in, "post", path, k, web_csrf(ctx));
}

enum { A_LABEL, A_AVAILABILITY, A_ACTIVE };
static const web_option active_options[] = {
    {"1", "Présent selon ces horaires"}, {"0", "Plus présent"}, {NULL, NULL}};
static const web_field assistant_fields[] = {
    [A_LABEL] = {.name = "label", .label = "Fonction", .kind = WEB_FIELD_TEXT, .required = true,
                 .max = MG_BOOKING_LABEL_MAX_CHARS,
                 .hint = "Une fonction, pas un nom : « Pharmacien », « Infirmière ».",
                 .autocomplete = "off"},
    [A_AVAILABILITY] = {.name = "availability", .label = "Présence", .kind = WEB_FIELD_TEXT,
                        .required = true, .max = 4096,
                        .hint = "Au format opening_hours, par exemple "
                                "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00.",
                        .autocomplete = "off"},
    [A_ACTIVE] = {.name = "active", .label = "État", .kind = WEB_FIELD_SELECT, .required = true,
                  .options = active_options, .defval = "1"},
};

/* The form adding an assistant (aid 0) or changing assistant aid (its
 * stored values when in is NULL). */
static void assistant_render(mg_buf *b, web_ctx *ctx, int64_t site_id,
                             const mg_booking_assistant *a, const web_form_input *in)
{
    char id[48], path[PAGE_PATH], suffix[48];
    web_field fields[NFIELDS(assistant_fields)];
    memcpy(fields, assistant_fields, sizeof fields);
    if (a) {
        snprintf(id, sizeof id, "assistant-%lld", (long long)a->id);
        snprintf(suffix, sizeof suffix, "/assistants/%lld", (long long)a->id);
    } else {
        snprintf(id, sizeof id, "assistant-nouveau");
        snprintf(suffix, sizeof suffix, "/assistants");
    }
    site_path(path, site_id, suffix);
    web_form f = {id, fields, NFIELDS(fields), a ? "Enregistrer" : "Ajouter l'assistant", NULL};
    web_form_input cur;
    if (in) {
        cur = *in;
        cur.form = &f;
    } else {
        memset(&cur, 0, sizeof cur);
        cur.form = &f;
        if (a) {
            cur.raw[A_LABEL] = a->label;
            cur.raw[A_AVAILABILITY] = a->availability;
            cur.raw[A_ACTIVE] = a->active ? "1" : "0";
        }
    }
    web_form_render(b, &f, &cur, "post", path, NULL, web_csrf(ctx));
}

enum { P_FROM, P_TO, P_LABEL };
static const web_field maintenance_fields[] = {
    [P_FROM] = {.name = "from", .label = "Début du blocage", .kind = WEB_FIELD_TEXT,
                .required = true, .max = 24, .input_type = "datetime-local",
                .hint = "Date et heure, par exemple 2026-12-07T09:00 ou 07/12/2026 9h00.",
                .autocomplete = "off"},
    [P_TO] = {.name = "to", .label = "Fin du blocage", .kind = WEB_FIELD_TEXT, .required = true,
              .max = 24, .input_type = "datetime-local",
              .hint = "L'appareil est de nouveau libre à cette heure.", .autocomplete = "off"},
    [P_LABEL] = {.name = "label", .label = "Motif", .kind = WEB_FIELD_TEXT,
                 .max = MG_BOOKING_LABEL_MAX_CHARS,
                 .hint = "Par exemple « Révision annuelle » ; facultatif.",
                 .autocomplete = "off"},
};

static const web_field closure_fields[] = {
    [P_FROM] = {.name = "from", .label = "Premier jour de fermeture", .kind = WEB_FIELD_TEXT,
                .required = true, .max = 24, .input_type = "date",
                .hint = "Par exemple 24/12/2026.",
                .autocomplete = "off"},
    [P_TO] = {.name = "to", .label = "Dernier jour de fermeture", .kind = WEB_FIELD_TEXT,
              .required = true, .max = 24, .input_type = "date",
              .hint = "Compris dans la fermeture : le site rouvre le lendemain.",
              .autocomplete = "off"},
    [P_LABEL] = {.name = "label", .label = "Motif", .kind = WEB_FIELD_TEXT,
                 .max = MG_BOOKING_LABEL_MAX_CHARS,
                 .hint = "Par exemple « Fermeture de fin d'année » ; facultatif.",
                 .autocomplete = "off"},
};

/* Reads from and to (P_FROM, P_TO) into minutes, refusing each field
 * unreadable; to_day_end: a date alone as "to" is that day included. */
static void read_span(web_form_input *in, bool to_day_end, int64_t *from, int64_t *to)
{
    if (in->given[P_FROM] && !in->error[P_FROM][0] &&
        mg_booking_parse_typed(in->raw[P_FROM], false, from) != 0)
        web_form_refuse(in, in->form->fields[P_FROM].name,
                        "Une date et une heure qui existent sont attendues, par exemple "
                        "07/12/2026 09:00.");
    if (in->given[P_TO] && !in->error[P_TO][0] && mg_booking_parse_typed(in->raw[P_TO], to_day_end, to) != 0)
        web_form_refuse(in, in->form->fields[P_TO].name,
                        "Une date et une heure qui existent sont attendues, par exemple "
                        "07/12/2026 18:00.");
}

/* A page holding one refused form (status 400). */
typedef void (*form_fn)(mg_buf *b, web_ctx *ctx, const void *arg, const web_form_input *in);

static int refused_page(web_ctx *ctx, const site_view *v, const char *title, const char *intro,
                        form_fn draw, const void *arg, const web_form_input *in)
{
    ctx->res->status = 400;
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, title, "equipements");
    crumbs(b, v, title);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n");
    if (intro) {
        mg_buf_puts(b, "<p>");
        mg_html_text(b, intro);
        mg_buf_puts(b, "</p>\n");
    }
    draw(b, ctx, arg, in);
    mg_buf_puts(b, "<p>");
    mg_html_link_id(b, "/equipements/sites/", v->s.site_id, NULL);
    mg_buf_puts(b, "Revenir à la journée du site</a></p>\n");
    web_page_end(b);
    return web_done(ctx);
}

/* --- The bookings a block or a closure hits --------------------------------------------------- */

/* The bookings still booked that overlap [from, to) on the device (or the
 * site when device_id is 0), with their phones and a cancel button each
 * (back: where the button returns). Returns how many. */
static size_t affected_table(mg_buf *b, web_ctx *ctx, int64_t site_id, int64_t device_id,
                             int64_t from, int64_t to, bool may_edit, const char *back,
                             const char *caption)
{
    mg_booking_filter f = {.site_id = site_id,
                           .device_id = device_id,
                           .from = from - MG_BOOKING_DURATION_MAX_MIN,
                           .to = to,
                           .with_phone = true,
                           .limit = MG_BOOKING_PAGE_MAX};
    mg_booking *v = NULL;
    size_t n = 0, shown = 0;
    mg_diag d = {{0}};
    if (mg_booking_list(ctx->app->db, &f, &v, &n, NULL, &d) != 0) {
        fprintf(stderr, "booking_host: bookings of site %lld: %s\n", (long long)site_id, d.msg);
        alert(b, READ_FAILED);
        return 0;
    }
    for (size_t k = 0; k < n; k++) {
        if (v[k].state != MG_BOOKING_BOOKED || v[k].end <= from)
            continue;
        if (!shown++) {
            mg_buf_puts(b, "<div class=\"scroll\"><table><caption>");
            mg_html_text(b, caption);
            mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Rendez-vous</th>"
                           "<th scope=\"col\">Personne</th><th scope=\"col\">Téléphone</th>"
                           "<th scope=\"col\">Appareil</th>");
            if (may_edit)
                mg_buf_puts(b, "<th scope=\"col\">Une fois la personne prévenue</th>");
            mg_buf_puts(b, "</tr></thead><tbody>\n");
        }
        mg_buf_printf(b, "<tr id=\"rdv-%lld\"><th scope=\"row\">", (long long)v[k].id);
        put_when(b, v[k].start);
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, v[k].person);
        mg_buf_puts(b, "</td><td>");
        put_phone(b, v[k].phone);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, v[k].device_name);
        mg_buf_puts(b, "</td>");
        if (may_edit) {
            mg_buf_puts(b, "<td>");
            state_button(b, ctx, &v[k], MG_BOOKING_CANCELLED, "Annuler", back);
            mg_buf_puts(b, "</td>");
        }
        mg_buf_puts(b, "</tr>\n");
    }
    if (shown)
        mg_buf_puts(b, "</tbody></table></div>\n");
    else
        mg_buf_puts(b, "<p>Aucun rendez-vous pris sur cette période.</p>\n");
    free(v);
    return shown;
}

/* prefix + "du lundi 7 décembre 2026 à 9 h 00 au … à 12 h 00", as text
 * (a button's label). */
static void span_text(int64_t from, int64_t to, const char *prefix, char out[static 192])
{
    char a[64], z[64];
    mg_booking_format_fr(from, a);
    mg_booking_format_fr(to, z);
    snprintf(out, 192, "%sdu %s au %s", prefix, a, z);
}

/* "du lundi 7 décembre 2026 à 9 h 00 au … à 12 h 00" */
static void put_span(mg_buf *b, int64_t from, int64_t to)
{
    mg_buf_puts(b, "du ");
    put_when(b, from);
    mg_buf_puts(b, " au ");
    put_when(b, to);
}

/* --- GET /equipements ------------------------------------------------------------------------ */

static const char *membership_name(const web_ctx *ctx, int64_t org)
{
    for (size_t i = 0; i < ctx->actor->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++)
        if (ctx->actor->m[i].organisation_id == org)
            return ctx->actor->m[i].org_name;
    return "";
}

static int home_page(web_ctx *ctx)
{
    mg_buf *b = &ctx->res->body;
    mg_diag d = {{0}};
    web_page_begin(b, ctx, "Équipements de téléconsultation", "equipements");
    mg_buf_puts(b, "<h1>Équipements de téléconsultation</h1>\n<p>Les cabines et chariots de "
                   "téléconsultation que vos organisations accueillent, les téléconsultants "
                   "qu'elles emploient et les réseaux d'équipements qu'elles organisent.</p>\n");
    bool any = false;

    /* The sites the actor runs or sees. */
    int64_t orgs[MG_AUTH_MEMBERSHIPS_MAX];
    size_t n = mg_auth_orgs_where(ctx->actor, MG_AUTH_VIEW, MG_AUTH_OBJ_BOOKING_SITE, orgs,
                                  MG_AUTH_MEMBERSHIPS_MAX);
    size_t nsites = 0;
    for (size_t k = 0; k < n; k++) {
        mg_booking_site s;
        int rc = mg_booking_site_get(ctx->app->db, orgs[k], &s, &d);
        if (rc == MG_ENOTFOUND)
            continue;
        if (rc) {
            fprintf(stderr, "booking_host: site %lld: %s\n", (long long)orgs[k], d.msg);
            continue;
        }
        if (!nsites++)
            mg_buf_puts(b, "<section aria-labelledby=\"sites\"><h2 id=\"sites\">Les sites que "
                           "vous accueillez</h2>\n<ul>");
        mg_buf_puts(b, "<li>");
        mg_html_link_id(b, "/equipements/sites/", s.site_id, NULL);
        mg_html_text(b, s.name);
        mg_buf_puts(b, "</a>");
        if (s.commune_name[0]) {
            mg_buf_puts(b, " (");
            mg_html_text(b, s.commune_name);
            mg_buf_puts(b, ")");
        }
        mg_buf_printf(b, " — %zu ", s.ndevices);
        mg_buf_puts(b, s.ndevices > 1 ? "appareils" : "appareil");
        if (!s.active)
            mg_buf_puts(b, " <span class=\"tag pending\">inactif</span>");
        if (s.is_example)
            mg_buf_puts(b, " <span class=\"tag\">exemple</span>");
        mg_buf_puts(b, " · ");
        mg_html_link_id(b, "/equipements/sites/", s.site_id, "/rappels");
        mg_buf_puts(b, "Rappels de demain</a></li>");
        mg_booking_site_clear(&s);
    }
    if (nsites)
        mg_buf_puts(b, "</ul></section>\n");
    any |= nsites > 0;

    /* The teleconsultants of the actor's organisations. */
    n = mg_auth_orgs_where(ctx->actor, MG_AUTH_VIEW, MG_AUTH_OBJ_TELECONSULTANT, orgs,
                           MG_AUTH_MEMBERSHIPS_MAX);
    size_t ntc = 0;
    for (size_t k = 0; k < n; k++) {
        mg_booking_teleconsultant *t = NULL;
        size_t nt = 0;
        if (mg_booking_teleconsultant_list(ctx->app->db, orgs[k], 0, 0, &t, &nt, &d) != 0) {
            fprintf(stderr, "booking_host: teleconsultants of %lld: %s\n", (long long)orgs[k],
                    d.msg);
            continue;
        }
        for (size_t i = 0; i < nt; i++) {
            if (!ntc++)
                mg_buf_puts(b, "<section aria-labelledby=\"teleconsultants\"><h2 "
                               "id=\"teleconsultants\">Téléconsultants</h2>\n<ul>");
            mg_buf_puts(b, "<li>");
            mg_html_link_id(b, "/teleconsultants/", t[i].id, NULL);
            mg_html_text(b, t[i].label);
            mg_buf_puts(b, "</a> (");
            mg_html_text(b, t[i].org_name[0] ? t[i].org_name : membership_name(ctx, orgs[k]));
            mg_buf_puts(b, ")");
            if (!t[i].active)
                mg_buf_puts(b, " <span class=\"tag pending\">inactif</span>");
            mg_buf_puts(b, "</li>");
        }
        mg_booking_teleconsultants_free(t, nt);
    }
    if (ntc)
        mg_buf_puts(b, "</ul></section>\n");
    any |= ntc > 0;

    /* The networks the actor's organisations own. */
    n = mg_auth_orgs_where(ctx->actor, MG_AUTH_VIEW, MG_AUTH_OBJ_BOOKING_NETWORK, orgs,
                           MG_AUTH_MEMBERSHIPS_MAX);
    size_t nnet = 0;
    for (size_t k = 0; k < n; k++) {
        mg_booking_site *s = NULL;
        size_t ns = 0;
        if (mg_booking_site_list(ctx->app->db, orgs[k], false, &s, &ns, &d) != 0) {
            fprintf(stderr, "booking_host: network of %lld: %s\n", (long long)orgs[k], d.msg);
            continue;
        }
        mg_booking_sites_free(s, ns);
        if (!ns)
            continue;
        if (!nnet++)
            mg_buf_puts(b, "<section aria-labelledby=\"reseaux\"><h2 id=\"reseaux\">Les "
                           "réseaux d'équipements que vous organisez</h2>\n<ul>");
        mg_buf_puts(b, "<li>");
        mg_html_link_id(b, "/equipements/reseau/", orgs[k], NULL);
        mg_buf_puts(b, "Réseau de ");
        mg_html_text(b, membership_name(ctx, orgs[k]));
        mg_buf_printf(b, "</a> — %zu ", ns);
        mg_buf_puts(b, ns > 1 ? "sites</li>" : "site</li>");
    }
    if (nnet)
        mg_buf_puts(b, "</ul></section>\n");
    any |= nnet > 0;

    /* Where the actor may start a network (a manager of an organisation
     * that owns none yet and is no site itself): the owner's page, where
     * sites and teleconsultants are registered. */
    int64_t creators[MG_AUTH_MEMBERSHIPS_MAX];
    size_t nc = mg_auth_orgs_where(ctx->actor, MG_AUTH_CREATE, MG_AUTH_OBJ_BOOKING_NETWORK,
                                   creators, MG_AUTH_MEMBERSHIPS_MAX);
    size_t nstart = 0;
    for (size_t k = 0; k < nc; k++) {
        mg_booking_site *s = NULL, one;
        size_t ns = 0;
        if (mg_booking_site_list(ctx->app->db, creators[k], false, &s, &ns, &d) != 0)
            continue;
        mg_booking_sites_free(s, ns);
        if (ns)
            continue;
        int rc = mg_booking_site_get(ctx->app->db, creators[k], &one, &d);
        if (rc == 0)
            mg_booking_site_clear(&one);
        if (rc != MG_ENOTFOUND)
            continue;
        if (!nstart++)
            mg_buf_puts(b, "<section aria-labelledby=\"organiser\"><h2 id=\"organiser\">"
                           "Organiser un réseau d'équipements</h2>\n<p>Un Département, une "
                           "collectivité ou l'ARS inscrit les sites qui accueillent une cabine "
                           "ou un chariot, leurs appareils et les téléconsultants.</p>\n<ul>");
        mg_buf_puts(b, "<li>");
        mg_html_link_id(b, "/equipements/reseau/", creators[k], NULL);
        mg_buf_puts(b, "Réseau d'équipements de ");
        mg_html_text(b, membership_name(ctx, creators[k]));
        mg_buf_puts(b, "</a></li>");
    }
    if (nstart)
        mg_buf_puts(b, "</ul></section>\n");
    any |= nstart > 0;

    if (!any)
        mg_buf_puts(b, "<p>Vos organisations n'accueillent aucun équipement et n'emploient "
                       "aucun téléconsultant. Le Département qui organise le réseau "
                       "d'équipements inscrit les sites et les téléconsultants ; le public "
                       "réserve sur la page <a href=\"/teleconsultation\">Téléconsultation</a>."
                       "</p>\n");
    web_page_end(b);
    return web_done(ctx);
}

/* --- GET /equipements/sites/{id} ----------------------------------------------------------- */

/* What the day's page reads. */
typedef struct day_data {
    int64_t start, end, now;
    mg_booking_device *devices;
    size_t ndevices;
    mg_booking *bookings;
    size_t nbookings;
    mg_booking_assistant *assistants;
    size_t nassistants;
    mg_booking_exception *closures;
    size_t nclosures;
    kinds_offered kinds;
    size_t nkinds;
} day_data;

static void day_data_free(day_data *dd)
{
    mg_booking_devices_free(dd->devices, dd->ndevices);
    free(dd->bookings);
    mg_booking_assistants_free(dd->assistants, dd->nassistants);
    free(dd->closures);
    memset(dd, 0, sizeof *dd);
}

/* The consultation kinds the active teleconsultants serving a site offer. */
static int site_kinds(mg_db *db, int64_t site, kinds_offered *out, size_t *n, mg_diag *d)
{
    memset(out, 0, sizeof *out);
    *n = 0;
    mg_booking_teleconsultant *t = NULL;
    size_t nt = 0;
    int rc = mg_booking_teleconsultant_list(db, 0, 0, site, &t, &nt, d);
    for (size_t i = 0; rc == 0 && i < nt; i++)
        for (size_t k = 0; t[i].active && k < t[i].nkinds && k < MG_BOOKING_KINDS_MAX; k++) {
            unsigned kind = (unsigned)t[i].kinds[k].kind;
            if (kind < MG_BOOKING_KINDS && !out->on[kind]) {
                out->on[kind] = true;
                (*n)++;
            }
        }
    mg_booking_teleconsultants_free(t, nt);
    return rc;
}

static int day_data_read(web_ctx *ctx, const site_view *v, int64_t start, day_data *dd,
                         mg_diag *d)
{
    memset(dd, 0, sizeof *dd);
    dd->start = start;
    dd->end = next_day(start);
    dd->now = mg_booking_now();
    mg_db *db = ctx->app->db;
    int64_t site = v->s.site_id;
    int rc = mg_booking_device_list(db, site, &dd->devices, &dd->ndevices, d);
    if (rc == 0) {
        mg_booking_filter f = {.site_id = site,
                               .from = dd->start,
                               .to = dd->end,
                               .with_cancelled = true,
                               .with_phone = true,
                               .limit = MG_BOOKING_PAGE_MAX};
        rc = mg_booking_list(db, &f, &dd->bookings, &dd->nbookings, NULL, d);
    }
    if (rc == 0)
        rc = mg_booking_assistant_list(db, site, &dd->assistants, &dd->nassistants, d);
    if (rc == 0)
        rc = mg_booking_exception_list(db, MG_BOOKING_RES_SITE, site, dd->now, &dd->closures,
                                       &dd->nclosures, d);
    if (rc == 0)
        rc = site_kinds(db, site, &dd->kinds, &dd->nkinds, d);
    if (rc)
        day_data_free(dd);
    return rc;
}

static void day_link(mg_buf *b, int64_t site_id, int64_t start, const char *label,
                     const char *rel)
{
    char path[PAGE_PATH], day[11];
    site_path(path, site_id, NULL);
    iso_day(start, day);
    mg_buf_puts(b, "<a href=\"");
    mg_html_href(b, path, (const char *[]){"jour", day, NULL}, NULL);
    mg_buf_puts(b, "\"");
    if (rel) {
        mg_buf_puts(b, " rel=\"");
        mg_html_attr(b, rel);
        mg_buf_puts(b, "\"");
    }
    mg_buf_puts(b, ">");
    mg_html_text(b, label);
    mg_buf_puts(b, "</a>");
}

/* The day's bookings of one device, by time. */
static void device_day(mg_buf *b, web_ctx *ctx, const site_view *v, const day_data *dd,
                       const mg_booking_device *dv)
{
    mg_buf_printf(b, "<section aria-labelledby=\"appareil-%lld\"><h2 id=\"appareil-%lld\">",
                  (long long)dv->id, (long long)dv->id);
    mg_html_text(b, dv->name);
    mg_buf_puts(b, " <small>(");
    mg_html_text(b, mg_booking_device_kind_label(dv->kind));
    if (dv->assisted && dv->kind == MG_BOOKING_CABIN)
        mg_buf_puts(b, ", assistée");
    mg_buf_puts(b, ")</small>");
    if (!dv->active)
        mg_buf_puts(b, " <span class=\"tag pending\">inactif</span>");
    mg_buf_puts(b, "</h2>\n");
    size_t n = 0;
    for (size_t k = 0; k < dd->nbookings; k++)
        n += dd->bookings[k].device_id == dv->id;
    if (!n) {
        mg_buf_puts(b, "<p>Aucun rendez-vous ce jour.</p>\n");
    } else {
        mg_buf_puts(b, "<div class=\"scroll\"><table><caption>Rendez-vous du jour : ");
        mg_html_text(b, dv->name);
        mg_buf_puts(b, "</caption><thead><tr><th scope=\"col\">Heure</th>"
                       "<th scope=\"col\">Personne</th><th scope=\"col\">Téléphone</th>"
                       "<th scope=\"col\">Consultation</th><th scope=\"col\">Téléconsultant</th>"
                       "<th scope=\"col\">Code</th><th scope=\"col\">État</th>");
        if (v->may_edit)
            mg_buf_puts(b, "<th scope=\"col\">Actions</th>");
        mg_buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t k = 0; k < dd->nbookings; k++) {
            const mg_booking *bk = &dd->bookings[k];
            if (bk->device_id != dv->id)
                continue;
            mg_buf_printf(b, "<tr id=\"rdv-%lld\"><th scope=\"row\">", (long long)bk->id);
            put_hm(b, bk->start);
            mg_buf_puts(b, " – ");
            put_hm(b, bk->end);
            mg_buf_puts(b, "</th><td>");
            mg_html_text(b, bk->person);
            if (bk->walk_in)
                mg_buf_puts(b, " <span class=\"tag pending\">sur place</span>");
            mg_buf_puts(b, "</td><td>");
            put_phone(b, bk->phone);
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, mg_booking_kind_label(bk->kind));
            mg_buf_puts(b, "</td><td>");
            mg_html_text(b, bk->teleconsultant_label);
            if (bk->code[0]) {
                mg_buf_puts(b, "</td><td><code>");
                mg_html_text(b, bk->code);
                mg_buf_puts(b, "</code></td><td>");
            } else {
                mg_buf_printf(b, "</td><td>n° %lld</td><td>", (long long)bk->id);
            }
            mg_html_text(b, mg_booking_state_label(bk->state));
            mg_buf_puts(b, "</td>");
            if (v->may_edit) {
                mg_buf_puts(b, "<td>");
                state_buttons(b, ctx, bk, NULL);
                mg_buf_puts(b, "</td>");
            }
            mg_buf_puts(b, "</tr>\n");
        }
        mg_buf_puts(b, "</tbody></table></div>\n");
    }
    if (v->may_edit) {
        mg_buf_puts(b, "<p>");
        mg_html_link_id(b, "/equipements/appareils/", dv->id, "/maintenance");
        mg_buf_puts(b, "Bloquer « ");
        mg_html_text(b, dv->name);
        mg_buf_puts(b, " » pour maintenance</a></p>\n");
    }
    mg_buf_puts(b, "</section>\n");
}

/* The free slots of the rest of the day, per consultation kind offered. */
static void free_slots(mg_buf *b, web_ctx *ctx, const site_view *v, const day_data *dd)
{
    mg_buf_puts(b, "<section aria-labelledby=\"creneaux\"><h2 id=\"creneaux\">Créneaux "
                   "libres</h2>\n");
    /* Only slots that start after now: one starting this minute has begun
     * (a person at the desk is received by « Recevoir maintenant »). */
    int64_t from = dd->start > dd->now ? dd->start : dd->now + 1;
    if (from >= dd->end) {
        mg_buf_puts(b, "<p>Cette journée est passée.</p>\n</section>\n");
        return;
    }
    if (!dd->nkinds) {
        mg_buf_puts(b, "<p>Aucun téléconsultant ne dessert ce site : aucun créneau n'est "
                       "proposé.</p>\n</section>\n");
        return;
    }
    int64_t site = v->s.site_id;
    for (int k = 0; k < MG_BOOKING_KINDS; k++) {
        if (!dd->kinds.on[k])
            continue;
        mg_booking_slot_query q = {.site_ids = &site,
                                   .nsites = 1,
                                   .kind = (mg_booking_kind)k,
                                   .from = from,
                                   .days = 1,
                                   .limit = MG_BOOKING_PAGE_MAX};
        mg_booking_slot *s = NULL;
        size_t n = 0, shown = 0;
        mg_diag d = {{0}};
        mg_buf_printf(b, "<h3 id=\"creneaux-%d\">", k);
        mg_html_text(b, mg_booking_kind_label((mg_booking_kind)k));
        mg_buf_puts(b, "</h3>\n");
        if (mg_booking_next_slots(ctx->app->db, &q, &s, &n, &d) != 0) {
            fprintf(stderr, "booking_host: slots of site %lld: %s\n", (long long)site, d.msg);
            alert(b, "Les créneaux libres n'ont pas pu être calculés.");
            continue;
        }
        for (size_t i = 0; i < n && shown < SLOTS_SHOWN_MAX; i++) {
            if (s[i].start >= dd->end)
                break;
            if (s[i].start < from)
                continue;
            mg_buf_puts(b, shown++ ? ", " : "<p>");
            put_hm(b, s[i].start);
            const char *dn = device_name(dd->devices, dd->ndevices, s[i].device_id);
            if (dd->ndevices > 1 && *dn) {
                mg_buf_puts(b, " (");
                mg_html_text(b, dn);
                mg_buf_puts(b, ")");
            }
        }
        mg_buf_puts(b, shown ? ".</p>\n" : "<p>Plus aucun créneau libre ce jour.</p>\n");
        free(s);
    }
    mg_buf_puts(b, "</section>\n");
}

static void assistants_section(mg_buf *b, web_ctx *ctx, const site_view *v, const day_data *dd)
{
    mg_buf_puts(b, "<section aria-labelledby=\"assistants\"><h2 id=\"assistants\">Assistants"
                   "</h2>\n<p>Une téléconsultation sur un appareil assisté n'est proposée que "
                   "lorsqu'un assistant est présent.</p>\n");
    if (!dd->nassistants)
        mg_buf_puts(b, "<p>Aucun assistant enregistré.</p>\n");
    for (size_t k = 0; k < dd->nassistants; k++) {
        const mg_booking_assistant *a = &dd->assistants[k];
        mg_buf_printf(b, "<h3 id=\"assistant-titre-%lld\">", (long long)a->id);
        mg_html_text(b, a->label);
        if (!a->active)
            mg_buf_puts(b, " <span class=\"tag pending\">plus présent</span>");
        mg_buf_puts(b, "</h3>\n");
        if (v->may_edit) {
            assistant_render(b, ctx, v->s.site_id, a, NULL);
        } else {
            mg_buf_puts(b, "<p>Présence : <code>");
            mg_html_text(b, a->availability);
            mg_buf_puts(b, "</code></p>\n");
        }
    }
    if (v->may_edit) {
        mg_buf_puts(b, "<h3 id=\"assistant-ajout\">Ajouter un assistant</h3>\n");
        assistant_render(b, ctx, v->s.site_id, NULL, NULL);
    }
    mg_buf_puts(b, "</section>\n");
}

static void closure_form(mg_buf *b, web_ctx *ctx, const void *arg, const web_form_input *in)
{
    const site_view *v = arg;
    web_form f = {"fermeture", closure_fields, NFIELDS(closure_fields), "Fermer le site", NULL};
    web_form_input cur;
    if (in) {
        cur = *in;
        cur.form = &f;
        in = &cur;
    }
    char path[PAGE_PATH];
    site_path(path, v->s.site_id, "/fermetures");
    web_form_render(b, &f, in, "post", path, NULL, web_csrf(ctx));
}

static void closures_section(mg_buf *b, web_ctx *ctx, const site_view *v, const day_data *dd)
{
    mg_buf_puts(b, "<section aria-labelledby=\"fermetures\"><h2 id=\"fermetures\">Fermetures "
                   "exceptionnelles</h2>\n");
    size_t shown = 0;
    for (size_t k = 0; k < dd->nclosures; k++) {
        const mg_booking_exception *e = &dd->closures[k];
        if (e->reason == MG_BOOKING_OPENING)
            continue;
        mg_buf_printf(b, "<h3 id=\"fermeture-%lld\">Fermé ", (long long)e->id);
        put_span(b, e->from, e->to);
        mg_buf_puts(b, "</h3>\n");
        if (e->label[0]) {
            mg_buf_puts(b, "<p>");
            mg_html_text(b, e->label);
            mg_buf_puts(b, "</p>\n");
        }
        if (v->may_edit) {
            char path[PAGE_PATH], what[192];
            site_path(path, v->s.site_id, "/fermetures");
            span_text(e->from, e->to, "Fermeture ", what);
            web_booking_delete_button(b, ctx, path, e->id, what);
        }
        affected_table(b, ctx, v->s.site_id, 0, e->from, e->to, v->may_edit, NULL,
                       "Rendez-vous pris pendant la fermeture : prévenez ces personnes");
        shown++;
    }
    if (!shown)
        mg_buf_puts(b, "<p>Aucune fermeture exceptionnelle à venir.</p>\n");
    if (v->may_edit) {
        mg_buf_puts(b, "<h3 id=\"fermeture-ajout\">Fermer le site</h3>\n<p>Aucun rendez-vous "
                       "ne peut plus être pris pendant la fermeture ; ceux déjà pris restent "
                       "et sont listés ci-dessus pour que vous préveniez les personnes.</p>\n");
        closure_form(b, ctx, v, NULL);
    }
    mg_buf_puts(b, "</section>\n");
}

static int day_page(web_ctx *ctx)
{
    site_view v;
    if (!site_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    int64_t start = 0;
    if (!day_param(ctx, 0, &start)) {
        site_view_clear(&v);
        return MG_OK;
    }
    day_data dd;
    mg_diag d = {{0}};
    int rc = day_data_read(ctx, &v, start, &dd, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, READ_FAILED);
        site_view_clear(&v);
        return MG_OK;
    }
    char dayname[64], title[MG_BOOKING_LABEL_MAX_CHARS * 4 + 96];
    day_fr(start, dayname);
    snprintf(title, sizeof title, "%s, %s", v.s.name, dayname);
    bool today = start == day_start_of(dd.now);
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, title, "equipements");
    crumbs(b, &v, NULL);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, v.s.name);
    mg_buf_puts(b, " <small>");
    mg_html_text(b, dayname);
    mg_buf_puts(b, "</small></h1>\n");
    if (v.s.is_example)
        mg_buf_puts(b, "<p><span class=\"tag\">exemple</span> Ce site est un exemple.</p>\n");
    mg_buf_puts(b, "<nav class=\"pagination\" aria-label=\"Jours\">");
    day_link(b, v.s.site_id, prev_day(start), "Jour précédent", "prev");
    if (!today)
        day_link(b, v.s.site_id, day_start_of(dd.now), "Aujourd'hui", NULL);
    day_link(b, v.s.site_id, next_day(start), "Jour suivant", "next");
    mg_html_link_id(b, "/equipements/sites/", v.s.site_id, "/rappels");
    mg_buf_puts(b, "Rappels de demain</a></nav>\n");

    /* The walk-in just booked (?recu=ID), said once back on the page. */
    int64_t recu = 0;
    const char *rs = mg_http_query(ctx->req, "recu");
    if (rs && mg_parse_id(rs, INT64_MAX, &recu, NULL) == 0)
        for (size_t k = 0; k < dd.nbookings; k++)
            if (dd.bookings[k].id == recu) {
                char msg[MG_BOOKING_PERSON_MAX_CHARS * 4 + MG_BOOKING_LABEL_MAX_CHARS * 4 + 96],
                    when[16];
                hm_text(dd.bookings[k].start, when);
                snprintf(msg, sizeof msg, "Rendez-vous enregistré pour %s à %s (%s).",
                         dd.bookings[k].person, when, dd.bookings[k].device_name);
                notice(b, msg);
            }

    if (v.may_edit && today && dd.nkinds && v.s.active) {
        mg_buf_puts(b, "<section aria-labelledby=\"sur-place\"><h2 id=\"sur-place\">Recevoir "
                       "une personne sans rendez-vous</h2>\n<p>Le prochain créneau libre "
                       "dans les deux heures lui est réservé aussitôt.</p>\n");
        walkin_render(b, ctx, &v, &dd.kinds, NULL);
        mg_buf_puts(b, "</section>\n");
    }
    if (!dd.ndevices)
        mg_buf_puts(b, "<p>Ce site n'a pas encore d'appareil.</p>\n");
    for (size_t k = 0; k < dd.ndevices; k++)
        device_day(b, ctx, &v, &dd, &dd.devices[k]);
    free_slots(b, ctx, &v, &dd);
    assistants_section(b, ctx, &v, &dd);
    closures_section(b, ctx, &v, &dd);
    day_data_free(&dd);
    site_view_clear(&v);
    web_page_end(b);
    return web_done(ctx);
}

/* --- POST /equipements/sites/{id}/sur-place --------------------------------------------------- */

typedef struct walkin_arg {
    const site_view *v;
    const kinds_offered *k;
} walkin_arg;

static void walkin_form(mg_buf *b, web_ctx *ctx, const void *arg, const web_form_input *in)
{
    const walkin_arg *w = arg;
    walkin_render(b, ctx, w->v, w->k, in);
}

static int walkin_post(web_ctx *ctx)
{
    site_view v;
    if (!site_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    web_form f = {"sur-place", walkin_fields, NFIELDS(walkin_fields), "Recevoir maintenant",
                  NULL};
    web_form_input in;
    web_form_read(&f, ctx->req, &in);
    kinds_offered offered;
    size_t noffered = 0;
    mg_diag kd = {{0}};
    if (site_kinds(ctx->app->db, v.s.site_id, &offered, &noffered, &kd) != 0 || !noffered)
        offered = (kinds_offered){{true, true, true}};
    mg_booking_kind kind = MG_BOOKING_GP;
    if (in.given[W_KIND] && mg_booking_kind_parse(in.raw[W_KIND], &kind) != 0)
        web_form_refuse(&in, "kind", "« Consultation » : choisissez une valeur de la liste.");
    mg_diag d = {{0}};
    if (in.nerrors == 0) {
        int64_t site = v.s.site_id, now = mg_booking_now();
        /* A person at the desk waits at most WALKIN_WAIT_MIN, across midnight too. */
        int64_t end = now + WALKIN_WAIT_MIN;
        for (int attempt = 0; attempt < WALKIN_TRIES; attempt++) {
            mg_booking_slot_query q = {.site_ids = &site,
                                       .nsites = 1,
                                       .kind = kind,
                                       .from = now,
                                       .days = 1,
                                       .limit = 1};
            mg_booking_slot *s = NULL;
            size_t n = 0;
            int rc = mg_booking_next_slots(ctx->app->db, &q, &s, &n, &d);
            if (rc) {
                free(s);
                web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, SAVE_FAILED);
                site_view_clear(&v);
                return MG_OK;
            }
            if (!n || s[0].start >= end) {
                free(s);
                web_form_refuse(&in, "kind",
                                "Aucun créneau libre dans les deux heures pour cette "
                                "consultation : proposez un rendez-vous plus tard.");
                break;
            }
            mg_booking_input bi = {.site_id = site,
                                   .device_id = s[0].device_id,
                                   .teleconsultant_id = s[0].teleconsultant_id,
                                   .kind = kind,
                                   .start = s[0].start,
                                   .person = in.raw[W_PERSON],
                                   .phone = in.raw[W_PHONE],
                                   .walk_in = true,
                                   .address = NULL,
                                   .now_s = (int64_t)time(NULL)};
            free(s);
            mg_booking_result res;
            memset(&res, 0, sizeof res);
            mg_booking_errors errs = {0};
            rc = mg_booking_book(ctx->app->db, ctx->actor->account_id, &bi, &res, &errs, &d);
            if (rc == 0) {
                char to[PAGE_PATH + 64], day[11];
                iso_day(res.start, day);
                snprintf(to, sizeof to, "/equipements/sites/%lld?jour=%s&recu=%lld#rdv-%lld",
                         (long long)site, day, (long long)res.id, (long long)res.id);
                mg_http_redirect(ctx->res, to);
                site_view_clear(&v);
                return MG_OK;
            }
            if (rc == MG_EINVAL && res.gone)
                continue; /* taken meanwhile: the next free one */
            if (rc != MG_EINVAL) {
                web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, SAVE_FAILED);
                site_view_clear(&v);
                return MG_OK;
            }
            web_booking_refuse_fields(&in, &errs, &d, "kind");
            break;
        }
        if (in.nerrors == 0)
            web_form_refuse(&in, "kind",
                            "Les créneaux libres ont été pris entre-temps : réessayez.");
    }
    walkin_arg w = {&v, &offered};
    int rc = refused_page(ctx, &v, "Recevoir maintenant",
                          "Le prochain créneau libre dans les deux heures est réservé pour "
                          "la personne présente.",
                          walkin_form, &w, &in);
    site_view_clear(&v);
    return rc;
}

/* --- POST /equipements/rendez-vous/{id}/etat ------------------------------------------------ */

static int state_post(web_ctx *ctx)
{
    int64_t id = path_id(ctx, "id", BOOKING_NOT_FOUND);
    if (!id)
        return MG_OK;
    mg_booking bk;
    mg_diag d = {{0}};
    int rc = mg_booking_get(ctx->app->db, id, &bk, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, BOOKING_NOT_FOUND, READ_FAILED);
        return MG_OK;
    }
    site_view v;
    if (!site_open(ctx, bk.site_id, MG_AUTH_EDIT, BOOKING_NOT_FOUND, &v))
        return MG_OK;
    const char *key = mg_http_form(ctx->req, "etat");
    mg_booking_state to;
    if (!key || mg_booking_state_parse(key, &to) != 0) {
        mg_http_error(ctx->req, ctx->res, 400,
                      "« etat » : arrived, no_show, done, cancelled ou booked est attendu.");
        site_view_clear(&v);
        return MG_OK;
    }
    char back[PAGE_PATH + 64], day[11];
    const char *retour = mg_http_form(ctx->req, "retour");
    iso_day(bk.start, day);
    if (retour && strcmp(retour, "maintenance") == 0)
        snprintf(back, sizeof back, "/equipements/appareils/%lld/maintenance#rdv-%lld",
                 (long long)bk.device_id, (long long)bk.id);
    else if (retour && strcmp(retour, "rappels") == 0)
        snprintf(back, sizeof back, "/equipements/sites/%lld/rappels?jour=%s#rdv-%lld",
                 (long long)bk.site_id, day, (long long)bk.id);
    else
        snprintf(back, sizeof back, "/equipements/sites/%lld?jour=%s#rdv-%lld",
                 (long long)bk.site_id, day, (long long)bk.id);
    rc = mg_booking_set_state(ctx->app->db, ctx->actor->account_id, id, to, &d);
    if (rc == 0) {
        mg_http_redirect(ctx->res, back);
    } else if (rc == MG_EINVAL) {
        /* A change the booking's state no longer allows (a second click,
         * another host before): said, nothing changed. */
        ctx->res->status = 409;
        mg_buf *b = &ctx->res->body;
        web_page_begin(b, ctx, "Changement refusé", "equipements");
        crumbs(b, &v, "Changement refusé");
        mg_buf_puts(b, "<h1>Changement refusé</h1>\n");
        alert(b, d.msg[0] ? d.msg : "Ce changement d'état n'est pas possible.");
        mg_buf_puts(b, "<p><a href=\"");
        mg_html_attr(b, back);
        mg_buf_puts(b, "\">Revenir à la liste</a></p>\n");
        web_page_end(b);
        rc = web_done(ctx);
        site_view_clear(&v);
        return rc;
    } else {
        web_storage_error(ctx->req, ctx->res, rc, &d, BOOKING_NOT_FOUND, SAVE_FAILED);
    }
    site_view_clear(&v);
    return MG_OK;
}

/* --- /equipements/appareils/{id}/maintenance ----------------------------------------------- */

/* Device {id} and its site, when the actor may `verb` the site. */
static bool device_load(web_ctx *ctx, mg_auth_verb verb, mg_booking_device *dv, site_view *v)
{
    int64_t id = path_id(ctx, "id", DEVICE_NOT_FOUND);
    if (!id)
        return false;
    mg_diag d = {{0}};
    int rc = mg_booking_device_get(ctx->app->db, id, dv, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, DEVICE_NOT_FOUND, READ_FAILED);
        return false;
    }
    if (!site_open(ctx, dv->site_id, verb, DEVICE_NOT_FOUND, v)) {
        mg_booking_device_clear(dv);
        return false;
    }
    return true;
}

typedef struct maintenance_arg {
    const mg_booking_device *dv;
} maintenance_arg;

static void maintenance_form(mg_buf *b, web_ctx *ctx, const void *arg, const web_form_input *in)
{
    const maintenance_arg *m = arg;
    web_form f = {"maintenance", maintenance_fields, NFIELDS(maintenance_fields),
                  "Bloquer l'appareil", NULL};
    web_form_input cur;
    if (in) {
        cur = *in;
        cur.form = &f;
        in = &cur;
    }
    char path[PAGE_PATH];
    snprintf(path, sizeof path, "/equipements/appareils/%lld/maintenance", (long long)m->dv->id);
    web_form_render(b, &f, in, "post", path, NULL, web_csrf(ctx));
}

static int maintenance_page(web_ctx *ctx)
{
    mg_booking_device dv;
    site_view v;
    if (!device_load(ctx, MG_AUTH_EDIT, &dv, &v))
        return MG_OK;
    mg_booking_exception *e = NULL;
    size_t n = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_exception_list(ctx->app->db, MG_BOOKING_RES_DEVICE, dv.id,
                                       mg_booking_now(), &e, &n, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, DEVICE_NOT_FOUND, READ_FAILED);
        mg_booking_device_clear(&dv);
        site_view_clear(&v);
        return MG_OK;
    }
    char title[MG_BOOKING_LABEL_MAX_CHARS * 4 + 32];
    snprintf(title, sizeof title, "Maintenance : %s", dv.name);
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, title, "equipements");
    crumbs(b, &v, title);
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n<p>Pendant un blocage, aucun rendez-vous ne peut être pris sur "
                   "l'appareil. Les rendez-vous déjà pris ne sont pas annulés d'office : "
                   "prévenez chaque personne (son téléphone est indiqué), puis annulez son "
                   "rendez-vous.</p>\n");
    size_t shown = 0;
    for (size_t k = 0; k < n; k++) {
        if (e[k].reason == MG_BOOKING_OPENING)
            continue;
        if (!shown++)
            mg_buf_puts(b, "<h2 id=\"blocages\">Blocages en cours et à venir</h2>\n");
        mg_buf_printf(b, "<h3 id=\"bloc-%lld\">Bloqué ", (long long)e[k].id);
        put_span(b, e[k].from, e[k].to);
        mg_buf_puts(b, "</h3>\n");
        if (e[k].label[0]) {
            mg_buf_puts(b, "<p>");
            mg_html_text(b, e[k].label);
            mg_buf_puts(b, "</p>\n");
        }
        char path[PAGE_PATH], what[192];
        snprintf(path, sizeof path, "/equipements/appareils/%lld/maintenance", (long long)dv.id);
        span_text(e[k].from, e[k].to, "Blocage ", what);
        web_booking_delete_button(b, ctx, path, e[k].id, what);
        affected_table(b, ctx, v.s.site_id, dv.id, e[k].from, e[k].to, true, "maintenance",
                       "Rendez-vous touchés : prévenez ces personnes, puis annulez");
    }
    free(e);
    mg_buf_puts(b, "<h2 id=\"bloquer\">Bloquer l'appareil</h2>\n");
    maintenance_arg m = {&dv};
    maintenance_form(b, ctx, &m, NULL);
    web_page_end(b);
    mg_booking_device_clear(&dv);
    site_view_clear(&v);
    return web_done(ctx);
}

static int maintenance_post(web_ctx *ctx)
{
    mg_booking_device dv;
    site_view v;
    if (!device_load(ctx, MG_AUTH_EDIT, &dv, &v))
        return MG_OK;
    char back[PAGE_PATH];
    snprintf(back, sizeof back, "/equipements/appareils/%lld/maintenance#blocages",
             (long long)dv.id);
    if (web_booking_delete_post(ctx, MG_BOOKING_RES_DEVICE, dv.id, back)) {
        mg_booking_device_clear(&dv);
        site_view_clear(&v);
        return MG_OK;
    }
    web_form f = {"maintenance", maintenance_fields, NFIELDS(maintenance_fields),
                  "Bloquer l'appareil", NULL};
    web_form_input in;
    web_form_read(&f, ctx->req, &in);
    int64_t from = 0, to = 0;
    read_span(&in, false, &from, &to);
    mg_diag d = {{0}};
    if (in.nerrors == 0) {
        int64_t eid = 0;
        mg_booking *affected = NULL;
        size_t naffected = 0;
        mg_booking_errors errs = {0};
        int rc = mg_booking_block(ctx->app->db, ctx->actor->account_id, dv.id, from, to,
                                  in.raw[P_LABEL] ? in.raw[P_LABEL] : "", &eid, &affected,
                                  &naffected, &errs, &d);
        free(affected);
        if (rc == 0) {
            char path[PAGE_PATH];
            snprintf(path, sizeof path, "/equipements/appareils/%lld/maintenance#bloc-%lld",
                     (long long)dv.id, (long long)eid);
            mg_http_redirect(ctx->res, path);
            mg_booking_device_clear(&dv);
            site_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, DEVICE_NOT_FOUND, SAVE_FAILED);
            mg_booking_device_clear(&dv);
            site_view_clear(&v);
            return MG_OK;
        }
        web_booking_refuse_fields(&in, &errs, &d, "from");
    }
    char title[MG_BOOKING_LABEL_MAX_CHARS * 4 + 32];
    snprintf(title, sizeof title, "Maintenance : %s", dv.name);
    maintenance_arg m = {&dv};
    int rc = refused_page(ctx, &v, title, "Bloquer l'appareil sur une période.",
                          maintenance_form, &m, &in);
    mg_booking_device_clear(&dv);
    site_view_clear(&v);
    return rc;
}

/* --- GET /equipements/sites/{id}/rappels ---------------------------------------------------- */

static int reminders_page(web_ctx *ctx)
{
    site_view v;
    if (!site_load(ctx, MG_AUTH_VIEW, &v))
        return MG_OK;
    int64_t start = 0;
    if (!day_param(ctx, 1, &start)) {
        site_view_clear(&v);
        return MG_OK;
    }
    mg_booking_filter f = {.site_id = v.s.site_id,
                           .from = start,
                           .to = next_day(start),
                           .with_phone = true,
                           .limit = MG_BOOKING_PAGE_MAX};
    mg_booking *bk = NULL;
    size_t n = 0, total = 0;
    mg_diag d = {{0}};
    int rc = mg_booking_list(ctx->app->db, &f, &bk, &n, &total, &d);
    if (rc) {
        web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, READ_FAILED);
        site_view_clear(&v);
        return MG_OK;
    }
    char dayname[64], title[96];
    day_fr(start, dayname);
    snprintf(title, sizeof title, "Rappels du %s", dayname);
    mg_buf *b = &ctx->res->body;
    web_page_begin(b, ctx, title, "equipements");
    crumbs(b, &v, "Rappels");
    mg_buf_puts(b, "<h1>");
    mg_html_text(b, title);
    mg_buf_puts(b, "</h1>\n<p>");
    mg_html_text(b, v.s.name);
    mg_buf_puts(b, " : les rendez-vous à rappeler la veille, par un appel ou un SMS envoyé "
                   "par vos propres moyens (maillage n'envoie pas de SMS). Cette page "
                   "s'imprime telle quelle.</p>\n");
    mg_buf_puts(b, "<nav class=\"pagination\" aria-label=\"Jours\">");
    {
        char path[PAGE_PATH], day[11];
        site_path(path, v.s.site_id, "/rappels");
        iso_day(prev_day(start), day);
        mg_buf_puts(b, "<a rel=\"prev\" href=\"");
        mg_html_href(b, path, (const char *[]){"jour", day, NULL}, NULL);
        mg_buf_puts(b, "\">Jour précédent</a>");
        iso_day(next_day(start), day);
        mg_buf_puts(b, "<a rel=\"next\" href=\"");
        mg_html_href(b, path, (const char *[]){"jour", day, NULL}, NULL);
        mg_buf_puts(b, "\">Jour suivant</a></nav>\n");
    }
    size_t shown = 0;
    for (size_t k = 0; k < n; k++) {
        if (bk[k].state != MG_BOOKING_BOOKED)
            continue;
        if (!shown++)
            mg_buf_puts(b, "<table><caption>Rendez-vous à rappeler</caption><thead><tr>"
                           "<th scope=\"col\">Heure</th><th scope=\"col\">Personne</th>"
                           "<th scope=\"col\">Téléphone</th><th scope=\"col\">Appareil</th>"
                           "<th scope=\"col\">Consultation</th></tr></thead><tbody>\n");
        mg_buf_printf(b, "<tr id=\"rdv-%lld\"><th scope=\"row\">", (long long)bk[k].id);
        put_hm(b, bk[k].start);
        mg_buf_puts(b, "</th><td>");
        mg_html_text(b, bk[k].person);
        mg_buf_puts(b, "</td><td>");
        put_phone(b, bk[k].phone);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, bk[k].device_name);
        mg_buf_puts(b, "</td><td>");
        mg_html_text(b, mg_booking_kind_label(bk[k].kind));
        mg_buf_puts(b, "</td></tr>\n");
    }
    if (shown)
        mg_buf_printf(b, "</tbody></table>\n<p>%zu rendez-vous.</p>\n", shown);
    else
        mg_buf_puts(b, "<p>Aucun rendez-vous à rappeler ce jour.</p>\n");
    if (total > n)
        mg_buf_printf(b, "<p>Seuls les %zu premiers rendez-vous sur %zu sont listés.</p>\n", n,
                      total);
    free(bk);
    web_page_end(b);
    site_view_clear(&v);
    return web_done(ctx);
}

/* --- POST /equipements/sites/{id}/assistants[/{aid}] ------------------------------------------ */

typedef struct assistant_arg {
    int64_t site_id;
    const mg_booking_assistant *a; /* NULL: a new one */
} assistant_arg;

static void assistant_form(mg_buf *b, web_ctx *ctx, const void *arg, const web_form_input *in)
{
    const assistant_arg *x = arg;
    assistant_render(b, ctx, x->site_id, x->a, in);
}

static int assistant_save(web_ctx *ctx, bool existing)
{
    site_view v;
    if (!site_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    mg_diag d = {{0}};
    mg_booking_assistant *list = NULL, *a = NULL;
    size_t n = 0;
    if (existing) {
        int64_t aid = path_id(ctx, "aid", ASSISTANT_NOT_FOUND);
        if (!aid) {
            site_view_clear(&v);
            return MG_OK;
        }
        int rc = mg_booking_assistant_list(ctx->app->db, v.s.site_id, &list, &n, &d);
        if (rc) {
            web_storage_error(ctx->req, ctx->res, rc, &d, ASSISTANT_NOT_FOUND, READ_FAILED);
            site_view_clear(&v);
            return MG_OK;
        }
        for (size_t k = 0; k < n; k++)
            if (list[k].id == aid)
                a = &list[k];
        if (!a) {
            mg_http_error(ctx->req, ctx->res, 404, ASSISTANT_NOT_FOUND);
            mg_booking_assistants_free(list, n);
            site_view_clear(&v);
            return MG_OK;
        }
    }
    web_form f = {"assistant", assistant_fields, NFIELDS(assistant_fields), "Enregistrer",
                  NULL};
    web_form_input in;
    web_form_read(&f, ctx->req, &in);
    int rc = MG_OK, out = MG_OK;
    if (in.nerrors == 0) {
        mg_booking_errors errs = {0};
        int64_t id = 0;
        bool active = !in.raw[A_ACTIVE] || strcmp(in.raw[A_ACTIVE], "0") != 0;
        rc = mg_booking_assistant_put(ctx->app->db, ctx->actor->account_id, a ? a->id : 0,
                                      v.s.site_id, in.raw[A_LABEL], in.raw[A_AVAILABILITY],
                                      active, &id, &errs, &d);
        if (rc == 0) {
            char path[PAGE_PATH], suffix[48];
            snprintf(suffix, sizeof suffix, "#assistant-titre-%lld", (long long)(a ? a->id : id));
            site_path(path, v.s.site_id, suffix);
            mg_http_redirect(ctx->res, path);
            goto done;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, ASSISTANT_NOT_FOUND, SAVE_FAILED);
            goto done;
        }
        web_booking_refuse_fields(&in, &errs, &d, "availability");
    }
    assistant_arg x = {v.s.site_id, a};
    out = refused_page(ctx, &v, a ? "Modifier un assistant" : "Ajouter un assistant",
                      "La présence s'écrit au format opening_hours, comme les horaires "
                      "d'ouverture de l'annuaire.",
                      assistant_form, &x, &in);
done:
    mg_booking_assistants_free(list, n);
    site_view_clear(&v);
    return out;
}

static int assistant_add_post(web_ctx *ctx)
{
    return assistant_save(ctx, false);
}

static int assistant_change_post(web_ctx *ctx)
{
    return assistant_save(ctx, true);
}

/* --- POST /equipements/sites/{id}/fermetures ---------------------------------------------------- */

static int closure_post(web_ctx *ctx)
{
    site_view v;
    if (!site_load(ctx, MG_AUTH_EDIT, &v))
        return MG_OK;
    char back[PAGE_PATH];
    site_path(back, v.s.site_id, "#fermetures");
    if (web_booking_delete_post(ctx, MG_BOOKING_RES_SITE, v.s.site_id, back)) {
        site_view_clear(&v);
        return MG_OK;
    }
    web_form f = {"fermeture", closure_fields, NFIELDS(closure_fields), "Fermer le site", NULL};
    web_form_input in;
    web_form_read(&f, ctx->req, &in);
    int64_t from = 0, to = 0;
    read_span(&in, true, &from, &to);
    mg_diag d = {{0}};
    if (in.nerrors == 0) {
        mg_booking_exception e = {.resource = MG_BOOKING_RES_SITE,
                                  .resource_id = v.s.site_id,
                                  .from = from,
                                  .to = to,
                                  .reason = MG_BOOKING_CLOSURE};
        snprintf(e.label, sizeof e.label, "%s", in.raw[P_LABEL] ? in.raw[P_LABEL] : "");
        mg_booking_errors errs = {0};
        int64_t eid = 0;
        int rc = mg_booking_exception_add(ctx->app->db, ctx->actor->account_id, &e, &eid, &errs,
                                          &d);
        if (rc == 0) {
            char path[PAGE_PATH], suffix[48], day[11];
            iso_day(from, day);
            snprintf(suffix, sizeof suffix, "?jour=%s#fermeture-%lld", day, (long long)eid);
            site_path(path, v.s.site_id, suffix);
            mg_http_redirect(ctx->res, path);
            site_view_clear(&v);
            return MG_OK;
        }
        if (rc != MG_EINVAL) {
            web_storage_error(ctx->req, ctx->res, rc, &d, SITE_NOT_FOUND, SAVE_FAILED);
            site_view_clear(&v);
            return MG_OK;
        }
        web_booking_refuse_fields(&in, &errs, &d, "from");
    }
    int rc = refused_page(ctx, &v, "Fermer le site",
                          "Une fermeture exceptionnelle : aucun rendez-vous ne peut être pris "
                          "pendant ce temps.",
                          closure_form, &v, &in);
    site_view_clear(&v);
    return rc;
}

const web_route web_routes_booking_host[] = {
    {"GET", "/equipements", home_page, WEB_ACCOUNT, 0},
    {"GET", "/equipements/sites/{id}", day_page, WEB_ANYONE, 0},
    {"POST", "/equipements/sites/{id}/sur-place", walkin_post, WEB_ANYONE, 0},
    {"GET", "/equipements/sites/{id}/rappels", reminders_page, WEB_ANYONE, 0},
    {"POST", "/equipements/sites/{id}/assistants", assistant_add_post, WEB_ANYONE, 0},
    {"POST", "/equipements/sites/{id}/assistants/{aid}", assistant_change_post, WEB_ANYONE, 0},
    {"POST", "/equipements/sites/{id}/fermetures", closure_post, WEB_ANYONE, 0},
    {"POST", "/equipements/rendez-vous/{id}/etat", state_post, WEB_ANYONE, 0},
    {"GET", "/equipements/appareils/{id}/maintenance", maintenance_page, WEB_ANYONE, 0},
    {"POST", "/equipements/appareils/{id}/maintenance", maintenance_post, WEB_ANYONE, 0},
    {NULL, NULL, NULL, WEB_ANYONE, 0},
};
