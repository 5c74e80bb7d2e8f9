/*
 * The one authorisation function of the platform, mg_auth_can, and what
 * is derived from it. Pure: it reads its arguments only, so that every
 * cell of its table can be tested without a database.
 */
#include <stddef.h>

#include "auth/internal.h"

/* The actor's membership of organisation org, or NULL. */
static const mg_auth_membership *membership_of(const mg_auth_actor *a, int64_t org)
{
    if (org <= 0)
        return NULL;
    for (size_t i = 0; i < a->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++)
        if (a->m[i].organisation_id == org)
            return &a->m[i];
    return NULL;
}

/* An administrator of an organisation that is active and the operator's:
 * who runs the platform. */
static bool operator_admin(const mg_auth_actor *a)
{
    for (size_t i = 0; i < a->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++)
        if (a->m[i].role == MG_ROLE_ADMINISTRATOR && a->m[i].org_active && a->m[i].org_operator)
            return true;
    return false;
}

static mg_auth_decision can_account(const mg_auth_actor *a, mg_auth_verb verb,
                                    const mg_auth_object *o, bool op)
{
    if (o->account_id == a->account_id)
        return verb == MG_AUTH_VIEW || verb == MG_AUTH_EDIT ? MG_AUTH_ALLOW
                                                            : MG_AUTH_DENY_FORBIDDEN;
    if (!op)
        return MG_AUTH_DENY_HIDDEN;
    return verb == MG_AUTH_VIEW ? MG_AUTH_ALLOW : MG_AUTH_DENY_FORBIDDEN;
}

static mg_auth_decision can_organisation(const mg_auth_actor *a, mg_auth_verb verb,
                                         const mg_auth_object *o, bool op)
{
    const mg_auth_membership *m = membership_of(a, o->organisation_id);
    switch (verb) {
    case MG_AUTH_CREATE: return op ? MG_AUTH_ALLOW : MG_AUTH_DENY_FORBIDDEN;
    case MG_AUTH_DELETE:
    case MG_AUTH_SUGGEST:
    case MG_AUTH_ROUTE:
    case MG_AUTH_INSTRUCT:
    case MG_AUTH_DECIDE: return MG_AUTH_DENY_FORBIDDEN;
    case MG_AUTH_CONFIRM:
        return op ? MG_AUTH_ALLOW : m ? MG_AUTH_DENY_FORBIDDEN : MG_AUTH_DENY_HIDDEN;
    case MG_AUTH_VIEW: return op || m ? MG_AUTH_ALLOW : MG_AUTH_DENY_HIDDEN;
    case MG_AUTH_EDIT:
    case MG_AUTH_INVITE:
        if (op)
            return MG_AUTH_ALLOW;
        if (!m)
            return MG_AUTH_DENY_HIDDEN;
        return m->role == MG_ROLE_ADMINISTRATOR && m->org_active ? MG_AUTH_ALLOW
                                                                 : MG_AUTH_DENY_FORBIDDEN;
    }
    return MG_AUTH_DENY_FORBIDDEN;
}

/* Which roles of an active owner may do each verb to its scenarios. */
static bool scenario_role_may(mg_auth_role r, mg_auth_verb verb)
{
    switch (verb) {
    case MG_AUTH_VIEW:
        return r == MG_ROLE_ADMINISTRATOR || r == MG_ROLE_MANAGER || r == MG_ROLE_CONTRIBUTOR ||
               r == MG_ROLE_READER;
    case MG_AUTH_CREATE:
    case MG_AUTH_EDIT: return r == MG_ROLE_MANAGER || r == MG_ROLE_CONTRIBUTOR;
    case MG_AUTH_DELETE: return r == MG_ROLE_MANAGER || r == MG_ROLE_ADMINISTRATOR;
    case MG_AUTH_CONFIRM:
    case MG_AUTH_INVITE:
    case MG_AUTH_SUGGEST:
    case MG_AUTH_ROUTE:
    case MG_AUTH_INSTRUCT:
    case MG_AUTH_DECIDE: return false;
    }
    return false;
}

/* An object of an organisation's work (a meeting it organises, a contract
 * it leads): hidden from non-members, by role for members of an active
 * owner (scenario_role_may). */
static mg_auth_decision can_owned(const mg_auth_actor *a, mg_auth_verb verb,
                                  const mg_auth_object *o)
{
    const mg_auth_membership *m = membership_of(a, o->organisation_id);
    if (!m)
        return MG_AUTH_DENY_HIDDEN;
    if (!m->org_active)
        return MG_AUTH_DENY_FORBIDDEN;
    return scenario_role_may(m->role, verb) ? MG_AUTH_ALLOW : MG_AUTH_DENY_FORBIDDEN;
}

/* A contract: as an owned object for the members of its lead; besides,
 * the members of an organisation that signed it or takes part in one of
 * its actions (o->viewers) see it, and the managers and contributors of
 * the pilot of the action at hand (o->editors) edit that action. Someone
 * who belongs to one of those organisations knows the contract exists: a
 * refusal is DENY_FORBIDDEN, not DENY_HIDDEN. */
static mg_auth_decision can_contract(const mg_auth_actor *a, mg_auth_verb verb,
                                     const mg_auth_object *o)
{
    mg_auth_decision own = can_owned(a, verb, o);
    if (own == MG_AUTH_ALLOW)
        return own;
    bool known = false;
    for (size_t k = 0; o->editors && k < o->neditors; k++) {
        const mg_auth_membership *m = membership_of(a, o->editors[k]);
        if (!m)
            continue;
        known = true;
        if (m->org_active && (verb == MG_AUTH_VIEW || verb == MG_AUTH_EDIT) &&
            (m->role == MG_ROLE_MANAGER || m->role == MG_ROLE_CONTRIBUTOR))
            return MG_AUTH_ALLOW;
    }
    for (size_t k = 0; o->viewers && k < o->nviewers; k++) {
        const mg_auth_membership *m = membership_of(a, o->viewers[k]);
        if (!m)
            continue;
        known = true;
        if (m->org_active && verb == MG_AUTH_VIEW && scenario_role_may(m->role, verb))
            return MG_AUTH_ALLOW;
    }
    return own == MG_AUTH_DENY_HIDDEN && known ? MG_AUTH_DENY_FORBIDDEN : own;
}

/* Whether an organisation is among the object's viewers. */
static bool among(const int64_t *ids, size_t n, int64_t org)
{
    for (size_t k = 0; ids && k < n; k++)
        if (ids[k] == org)
            return true;
    return false;
}

/*
 * A subsidy request of the single window (docs/security.md, "The single
 * window"). Three kinds of organisation know it, each only while active:
 *  - the applicant (organisation_id): its administrators, managers,
 *    contributors, readers and applicants see it; all but the readers
 *    change it (the draft, the filing, answers, attachments, the final
 *    report);
 *  - the window's lead (lead_id): its administrators, managers,
 *    instructors, contributors and readers see every request of the
 *    window; its managers and instructors route them (ROUTE) and write the
 *    instructors' internal messages (INSTRUCT with funder_id 0);
 *  - a co-funder the request was routed to (viewers; addressed but not
 *    yet routed is not enough): its administrators, managers, instructors
 *    and readers see it; its managers and instructors instruct its own part
 *    (INSTRUCT with funder_id itself) and write internal messages; only its
 *    instructors DECIDE its part.
 * A draft (o->draft) is its applicant's alone: the lead and the co-funders
 * are told nothing of it. Anyone else is told nothing (DENY_HIDDEN); a
 * member of one of those organisations without the role gets
 * DENY_FORBIDDEN. CREATE: a request
 * in the name of organisation_id, by its administrators, managers,
 * contributors and applicants.
 */
static mg_auth_decision can_subsidy_request(const mg_auth_actor *a, mg_auth_verb verb,
                                            const mg_auth_object *o)
{
    bool known = false;
    const mg_auth_membership *m = membership_of(a, o->organisation_id);
    if (m) {
        known = true;
        mg_auth_role r = m->role;
        bool writer = r == MG_ROLE_ADMINISTRATOR || r == MG_ROLE_MANAGER ||
                      r == MG_ROLE_CONTRIBUTOR || r == MG_ROLE_APPLICANT;
        if (m->org_active && (verb == MG_AUTH_CREATE || verb == MG_AUTH_EDIT) && writer)
            return MG_AUTH_ALLOW;
        if (m->org_active && verb == MG_AUTH_VIEW && (writer || r == MG_ROLE_READER))
            return MG_AUTH_ALLOW;
    }
    if (verb == MG_AUTH_CREATE)
        return known ? MG_AUTH_DENY_FORBIDDEN : MG_AUTH_DENY_HIDDEN;
    /* A draft is its applicant's alone: to the lead and the co-funders it
     * does not exist yet. */
    if (o->draft)
        return known ? MG_AUTH_DENY_FORBIDDEN : MG_AUTH_DENY_HIDDEN;
    m = membership_of(a, o->lead_id);
    if (m) {
        known = true;
        mg_auth_role r = m->role;
        bool instructs = r == MG_ROLE_MANAGER || r == MG_ROLE_INSTRUCTOR;
        if (m->org_active && verb == MG_AUTH_VIEW &&
            (instructs || r == MG_ROLE_ADMINISTRATOR || r == MG_ROLE_CONTRIBUTOR ||
             r == MG_ROLE_READER))
            return MG_AUTH_ALLOW;
        if (m->org_active && instructs &&
            (verb == MG_AUTH_ROUTE || (verb == MG_AUTH_INSTRUCT && o->funder_id == 0)))
            return MG_AUTH_ALLOW;
    }
    for (size_t i = 0; i < a->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++) {
        const mg_auth_membership *f = &a->m[i];
        if (!among(o->viewers, o->nviewers, f->organisation_id))
            continue;
        known = true;
        if (!f->org_active)
            continue;
        mg_auth_role r = f->role;
        bool instructs = r == MG_ROLE_MANAGER || r == MG_ROLE_INSTRUCTOR;
        bool own_part = o->funder_id == f->organisation_id;
        if (verb == MG_AUTH_VIEW &&
            (instructs || r == MG_ROLE_ADMINISTRATOR || r == MG_ROLE_READER))
            return MG_AUTH_ALLOW;
        if (verb == MG_AUTH_INSTRUCT && instructs && (own_part || o->funder_id == 0))
            return MG_AUTH_ALLOW;
        if (verb == MG_AUTH_DECIDE && r == MG_ROLE_INSTRUCTOR && own_part)
            return MG_AUTH_ALLOW;
    }
    return known ? MG_AUTH_DENY_FORBIDDEN : MG_AUTH_DENY_HIDDEN;
}

/* A single window and its calls for projects: anyone signed in sees them
 * (a call is public; docs/security.md); the managers and instructors of
 * its lead (organisation_id) and of its co-funders (viewers) open and
 * change calls (CREATE, EDIT on the window). CREATE with no window yet
 * (viewers empty): a manager or an instructor of organisation_id makes it
 * a lead. */
static mg_auth_decision can_subsidy_window(const mg_auth_actor *a, mg_auth_verb verb,
                                           const mg_auth_object *o)
{
    if (verb == MG_AUTH_VIEW)
        return MG_AUTH_ALLOW;
    if (verb != MG_AUTH_CREATE && verb != MG_AUTH_EDIT)
        return MG_AUTH_DENY_FORBIDDEN;
    for (size_t i = 0; i < a->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++) {
        const mg_auth_membership *m = &a->m[i];
        if (m->organisation_id != o->organisation_id &&
            !among(o->viewers, o->nviewers, m->organisation_id))
            continue;
        if (m->org_active && (m->role == MG_ROLE_MANAGER || m->role == MG_ROLE_INSTRUCTOR))
            return MG_AUTH_ALLOW;
    }
    return MG_AUTH_DENY_FORBIDDEN;
}

/* A co-funder's lists, figures and exports: its administrators, managers,
 * instructors and readers see them; nobody else knows them. */
static mg_auth_decision can_subsidy_funder(const mg_auth_actor *a, mg_auth_verb verb,
                                           const mg_auth_object *o)
{
    const mg_auth_membership *m = membership_of(a, o->organisation_id);
    if (!m)
        return MG_AUTH_DENY_HIDDEN;
    bool sees = m->role == MG_ROLE_ADMINISTRATOR || m->role == MG_ROLE_MANAGER ||
                m->role == MG_ROLE_INSTRUCTOR || m->role == MG_ROLE_READER;
    return m->org_active && verb == MG_AUTH_VIEW && sees ? MG_AUTH_ALLOW : MG_AUTH_DENY_FORBIDDEN;
}

/* A site of the telehealth equipment: its hosts and managers run its
 * bookings (VIEW: the day's list with phone numbers, EDIT: walk-ins,
 * arrivals, maintenance, assistants), its administrators see them; the
 * managers of its network's owner (viewers) register it and its devices
 * (CREATE) and are refused the rest (they see usage, never phone numbers);
 * anyone else does not know it. */
static mg_auth_decision can_booking_site(const mg_auth_actor *a, mg_auth_verb verb,
                                         const mg_auth_object *o)
{
    bool known = false;
    for (size_t i = 0; i < a->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++) {
        const mg_auth_membership *m = &a->m[i];
        mg_auth_role r = m->role;
        if (m->organisation_id == o->organisation_id) {
            known = true;
            if (!m->org_active)
                continue;
            bool runs = r == MG_ROLE_HOST || r == MG_ROLE_MANAGER;
            if (verb == MG_AUTH_VIEW && (runs || r == MG_ROLE_ADMINISTRATOR))
                return MG_AUTH_ALLOW;
            if (verb == MG_AUTH_EDIT && runs)
                return MG_AUTH_ALLOW;
        } else if (among(o->viewers, o->nviewers, m->organisation_id)) {
            known = true;
            if (m->org_active && verb == MG_AUTH_CREATE && r == MG_ROLE_MANAGER)
                return MG_AUTH_ALLOW;
        }
    }
    return known ? MG_AUTH_DENY_FORBIDDEN : MG_AUTH_DENY_HIDDEN;
}

/* A teleconsultant: the teleconsultants and managers of its organisation
 * see its appointments and change its availability, its administrators
 * see them; the network that registered it (viewers: its owner, which
 * lists and changes it through MG_AUTH_OBJ_BOOKING_NETWORK) knows it and is
 * refused the rest, as a site's owner is; nobody else knows it. */
static mg_auth_decision can_teleconsultant(const mg_auth_actor *a, mg_auth_verb verb,
                                           const mg_auth_object *o)
{
    const mg_auth_membership *m = membership_of(a, o->organisation_id);
    if (!m) {
        for (size_t i = 0; i < a->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++)
            if (among(o->viewers, o->nviewers, a->m[i].organisation_id))
                return MG_AUTH_DENY_FORBIDDEN;
        return MG_AUTH_DENY_HIDDEN;
    }
    bool own = m->role == MG_ROLE_TELECONSULTANT || m->role == MG_ROLE_MANAGER;
    if (!m->org_active)
        return MG_AUTH_DENY_FORBIDDEN;
    if (verb == MG_AUTH_VIEW && (own || m->role == MG_ROLE_ADMINISTRATOR))
        return MG_AUTH_ALLOW;
    if (verb == MG_AUTH_EDIT && own)
        return MG_AUTH_ALLOW;
    return MG_AUTH_DENY_FORBIDDEN;
}

/* An equipment network: its owner's administrators, managers,
 * contributors and readers see its sites, usage and exports; its managers
 * register sites, devices and teleconsultants (CREATE, EDIT). */
static mg_auth_decision can_booking_network(const mg_auth_actor *a, mg_auth_verb verb,
                                            const mg_auth_object *o)
{
    const mg_auth_membership *m = membership_of(a, o->organisation_id);
    if (!m)
        return MG_AUTH_DENY_HIDDEN;
    if (!m->org_active)
        return MG_AUTH_DENY_FORBIDDEN;
    mg_auth_role r = m->role;
    if (verb == MG_AUTH_VIEW && (r == MG_ROLE_ADMINISTRATOR || r == MG_ROLE_MANAGER ||
                                 r == MG_ROLE_CONTRIBUTOR || r == MG_ROLE_READER))
        return MG_AUTH_ALLOW;
    if ((verb == MG_AUTH_CREATE || verb == MG_AUTH_EDIT) && r == MG_ROLE_MANAGER)
        return MG_AUTH_ALLOW;
    return MG_AUTH_DENY_FORBIDDEN;
}

/* A mobile service: its organisation's administrators, managers,
 * contributors and readers see it, its rounds and their figures; its
 * managers and contributors create it, plan and enter rounds, publish
 * them and record cancellations (EDIT), and delete them. */
static mg_auth_decision can_round_service(const mg_auth_actor *a, mg_auth_verb verb,
                                          const mg_auth_object *o)
{
    const mg_auth_membership *m = membership_of(a, o->organisation_id);
    if (!m)
        return MG_AUTH_DENY_HIDDEN;
    if (!m->org_active)
        return MG_AUTH_DENY_FORBIDDEN;
    mg_auth_role r = m->role;
    if (verb == MG_AUTH_VIEW && (r == MG_ROLE_ADMINISTRATOR || r == MG_ROLE_MANAGER ||
                                 r == MG_ROLE_CONTRIBUTOR || r == MG_ROLE_READER))
        return MG_AUTH_ALLOW;
    if ((verb == MG_AUTH_CREATE || verb == MG_AUTH_EDIT || verb == MG_AUTH_DELETE) &&
        (r == MG_ROLE_MANAGER || r == MG_ROLE_CONTRIBUTOR))
        return MG_AUTH_ALLOW;
    return MG_AUTH_DENY_FORBIDDEN;
}

/* A directory structure: public to read; its own administrators, managers
 * and contributors edit it; any member of an active organisation suggests
 * changes to the others' and may add a structure that is missing. */
static mg_auth_decision can_structure(const mg_auth_actor *a, mg_auth_verb verb,
                                      const mg_auth_object *o, bool op)
{
    const mg_auth_membership *m = membership_of(a, o->organisation_id);
    bool editor = m && m->org_active &&
                  (m->role == MG_ROLE_ADMINISTRATOR || m->role == MG_ROLE_MANAGER ||
                   m->role == MG_ROLE_CONTRIBUTOR);
    bool active_member = false, active_manager = false;
    for (size_t i = 0; i < a->nm && i < MG_AUTH_MEMBERSHIPS_MAX; i++) {
        if (!a->m[i].org_active)
            continue;
        active_member = true;
        if (a->m[i].role == MG_ROLE_ADMINISTRATOR || a->m[i].role == MG_ROLE_MANAGER)
            active_manager = true;
    }
    switch (verb) {
    case MG_AUTH_VIEW: return MG_AUTH_ALLOW;
    case MG_AUTH_EDIT: return op || editor ? MG_AUTH_ALLOW : MG_AUTH_DENY_FORBIDDEN;
    case MG_AUTH_SUGGEST:
        return !editor && active_member ? MG_AUTH_ALLOW : MG_AUTH_DENY_FORBIDDEN;
    case MG_AUTH_CREATE: return op || active_manager ? MG_AUTH_ALLOW : MG_AUTH_DENY_FORBIDDEN;
    case MG_AUTH_DELETE:
    case MG_AUTH_CONFIRM:
    case MG_AUTH_INVITE:
    case MG_AUTH_ROUTE:
    case MG_AUTH_INSTRUCT:
    case MG_AUTH_DECIDE: return MG_AUTH_DENY_FORBIDDEN;
    }
    return MG_AUTH_DENY_FORBIDDEN;
}

static mg_auth_decision can_scenario(const mg_auth_actor *a, mg_auth_verb verb,
                                     const mg_auth_object *o, bool op)
{
    if (o->organisation_id <= 0) {
        /* Saved before accounts existed: the operator's to look after. */
        if (verb == MG_AUTH_CREATE)
            return MG_AUTH_DENY_FORBIDDEN;
        if (!op)
            return MG_AUTH_DENY_HIDDEN;
        return verb == MG_AUTH_VIEW || verb == MG_AUTH_EDIT || verb == MG_AUTH_DELETE
                   ? MG_AUTH_ALLOW
                   : MG_AUTH_DENY_FORBIDDEN;
    }
    const mg_auth_membership *m = membership_of(a, o->organisation_id);
    if (!m)
        return MG_AUTH_DENY_HIDDEN;
    if (!m->org_active)
        return MG_AUTH_DENY_FORBIDDEN;
    return scenario_role_may(m->role, verb) ? MG_AUTH_ALLOW : MG_AUTH_DENY_FORBIDDEN;
}

/*
 * The table (test_auth.c checks it cell by cell against a copy written by
 * hand). "Operator administrator": the actor is administrator of an
 * organisation that is both active and the operator. Anonymous: a NULL
 * actor or account_id 0.
 *
 * PUBLIC        VIEW: everyone, anonymous included. Other verbs: anonymous
 *               DENY_LOGIN, signed in DENY_FORBIDDEN.
 * anonymous     on any other object: ALLOW only VIEW of a SCENARIO opened
 *               by its share link (shared_by_link); else DENY_LOGIN.
 * CONFIRM and INVITE, signed in, on anything but ORGANISATION and
 *               PLATFORM: DENY_FORBIDDEN (before the rules below).
 * SCENARIO      shared_by_link and VIEW: ALLOW, whoever asks.
 *   owner 0     (saved before accounts): CREATE DENY_FORBIDDEN; operator
 *               administrators VIEW, EDIT, DELETE; anyone else DENY_HIDDEN.
 *   owner > 0   not a member of the owner: DENY_HIDDEN (no exception for
 *               operator administrators: scenarios are an organisation's
 *               work). A member while the owner is pending: DENY_FORBIDDEN.
 *               Active owner, by the actor's role there:
 *                 VIEW   administrator, manager, contributor, reader
 *                 CREATE manager, contributor
 *                 EDIT   manager, contributor
 *                 DELETE manager, administrator
 *               other roles DENY_FORBIDDEN.
 * ORGANISATION  (organisation_id: the organisation itself)
 *   CREATE      operator administrators; else DENY_FORBIDDEN.
 *   CONFIRM     operator administrators; else DENY_FORBIDDEN for its
 *               members, DENY_HIDDEN for others.
 *   VIEW        its members (any role, even while it is pending) and
 *               operator administrators; else DENY_HIDDEN.
 *   EDIT,INVITE operator administrators, and its administrator while it
 *               is active; its other members DENY_FORBIDDEN; others
 *               DENY_HIDDEN.
 *   DELETE      DENY_FORBIDDEN for everyone (organisations are kept).
 * ACCOUNT       (account_id: the account) one's own: VIEW and EDIT ALLOW,
 *               other verbs DENY_FORBIDDEN. Someone else's: operator
 *               administrators VIEW (other verbs DENY_FORBIDDEN); anyone
 *               else DENY_HIDDEN.
 * PLATFORM      operator administrators: every verb; others DENY_FORBIDDEN.
 * STRUCTURE     (organisation_id: the structure, an organisation itself)
 *   VIEW        everyone, anonymous included (the directory is public).
 *   EDIT        operator administrators, and its administrators, managers
 *               and contributors while it is active; else DENY_FORBIDDEN.
 *   SUGGEST     a member of some active organisation who may not EDIT it;
 *               else DENY_FORBIDDEN (anonymous: DENY_LOGIN).
 *   CREATE      operator administrators, and administrators and managers
 *               of any active organisation; else DENY_FORBIDDEN.
 *   DELETE      DENY_FORBIDDEN for everyone (organisations are kept).
 * MEETING, CONTRACT (organisation_id: who organises or leads it) as a
 *               SCENARIO with an owner: not a member DENY_HIDDEN, a member
 *               of a pending owner DENY_FORBIDDEN, else by role as above.
 * CONTRACT      besides: VIEW for the administrators, managers,
 *               contributors and readers of an active organisation of
 *               `viewers` (signatories, participants of its actions); VIEW
 *               and EDIT for the managers and contributors of an active
 *               organisation of `editors` (the pilot of the action at
 *               hand). A member of one of those refused: DENY_FORBIDDEN.
 * SUGGEST       on anything but a STRUCTURE: DENY_FORBIDDEN.
 * BOOKING_SITE  (organisation_id: the site; viewers: its network's owner)
 *               VIEW host, manager, administrator of the site; EDIT host,
 *               manager of the site; CREATE managers of the owner; DELETE
 *               nobody. Members of the site or the owner otherwise refused:
 *               DENY_FORBIDDEN; others DENY_HIDDEN. Only while active.
 * TELECONSULTANT (organisation_id: the teleconsultant's organisation;
 *               viewers: the network's owner that registered it)
 *               VIEW teleconsultant, manager, administrator; EDIT
 *               teleconsultant, manager; else DENY_FORBIDDEN for its
 *               members (all refused while it is pending) and for the
 *               members of a viewer, DENY_HIDDEN for others.
 * BOOKING_NETWORK (organisation_id: the owner) VIEW administrator, manager,
 *               contributor, reader; CREATE and EDIT manager; else
 *               DENY_FORBIDDEN for its members, DENY_HIDDEN for others.
 * ROUND_SERVICE (organisation_id: the service's organisation) VIEW
 *               administrator, manager, contributor, reader; CREATE, EDIT
 *               (plan, enter, publish, cancel a stop) and DELETE manager,
 *               contributor; else DENY_FORBIDDEN for its members (all
 *               refused while it is pending), DENY_HIDDEN for others.
 *
 * A NULL object or an unknown type or verb is refused (DENY_LOGIN for the
 * anonymous, DENY_FORBIDDEN for others).
 */
mg_auth_decision mg_auth_can(const mg_auth_actor *a, mg_auth_verb verb, const mg_auth_object *o)
{
    bool anonymous = !a || a->account_id <= 0;
    bool known_verb = (unsigned)verb <= MG_AUTH_DECIDE;
    mg_auth_decision refuse = anonymous ? MG_AUTH_DENY_LOGIN : MG_AUTH_DENY_FORBIDDEN;
    if (!o || !known_verb)
        return refuse;
    if (o->type == MG_AUTH_OBJ_PUBLIC)
        return verb == MG_AUTH_VIEW ? MG_AUTH_ALLOW : refuse;
    if (o->type == MG_AUTH_OBJ_SCENARIO && o->shared_by_link && verb == MG_AUTH_VIEW)
        return MG_AUTH_ALLOW;
    if (o->type == MG_AUTH_OBJ_STRUCTURE && verb == MG_AUTH_VIEW)
        return MG_AUTH_ALLOW;
    if (anonymous)
        return MG_AUTH_DENY_LOGIN;
    if ((verb == MG_AUTH_CONFIRM || verb == MG_AUTH_INVITE) &&
        o->type != MG_AUTH_OBJ_ORGANISATION && o->type != MG_AUTH_OBJ_PLATFORM)
        return MG_AUTH_DENY_FORBIDDEN;
    if (verb == MG_AUTH_SUGGEST && o->type != MG_AUTH_OBJ_STRUCTURE)
        return MG_AUTH_DENY_FORBIDDEN;
    if ((verb == MG_AUTH_ROUTE || verb == MG_AUTH_INSTRUCT || verb == MG_AUTH_DECIDE) &&
        o->type != MG_AUTH_OBJ_SUBSIDY_REQUEST)
        return MG_AUTH_DENY_FORBIDDEN;
    bool op = operator_admin(a);
    switch (o->type) {
    case MG_AUTH_OBJ_SCENARIO: return can_scenario(a, verb, o, op);
    case MG_AUTH_OBJ_ORGANISATION: return can_organisation(a, verb, o, op);
    case MG_AUTH_OBJ_ACCOUNT: return can_account(a, verb, o, op);
    case MG_AUTH_OBJ_PLATFORM: return op ? MG_AUTH_ALLOW : MG_AUTH_DENY_FORBIDDEN;
    case MG_AUTH_OBJ_STRUCTURE: return can_structure(a, verb, o, op);
    case MG_AUTH_OBJ_MEETING: return can_owned(a, verb, o);
    case MG_AUTH_OBJ_CONTRACT: return can_contract(a, verb, o);
    case MG_AUTH_OBJ_SUBSIDY_REQUEST: return can_subsidy_request(a, verb, o);
    case MG_AUTH_OBJ_SUBSIDY_WINDOW: return can_subsidy_window(a, verb, o);
    case MG_AUTH_OBJ_SUBSIDY_FUNDER: return can_subsidy_funder(a, verb, o);
    case MG_AUTH_OBJ_BOOKING_SITE: return can_booking_site(a, verb, o);
    case MG_AUTH_OBJ_TELECONSULTANT: return can_teleconsultant(a, verb, o);
    case MG_AUTH_OBJ_BOOKING_NETWORK: return can_booking_network(a, verb, o);
    case MG_AUTH_OBJ_ROUND_SERVICE: return can_round_service(a, verb, o);
    case MG_AUTH_OBJ_PUBLIC: break;
    }
    return MG_AUTH_DENY_FORBIDDEN;
}

size_t mg_auth_orgs_where(const mg_auth_actor *a, mg_auth_verb verb, mg_auth_object_type t,
                          int64_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; a && out && i < a->nm && i < MG_AUTH_MEMBERSHIPS_MAX && n < cap; i++) {
        mg_auth_object o = {.type = t,
                            .organisation_id = a->m[i].organisation_id,
                            .account_id = a->account_id};
        if (mg_auth_can(a, verb, &o) == MG_AUTH_ALLOW)
            out[n++] = a->m[i].organisation_id;
    }
    return n;
}
