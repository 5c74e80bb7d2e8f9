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
    case MG_AUTH_SUGGEST: return MG_AUTH_DENY_FORBIDDEN;
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
    case MG_AUTH_SUGGEST: return false;
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
    case MG_AUTH_INVITE: return MG_AUTH_DENY_FORBIDDEN;
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
 *
 * A NULL object or an unknown type or verb is refused (DENY_LOGIN for the
 * anonymous, DENY_FORBIDDEN for others).
 */
mg_auth_decision mg_auth_can(const mg_auth_actor *a, mg_auth_verb verb, const mg_auth_object *o)
{
    bool anonymous = !a || a->account_id <= 0;
    bool known_verb = (unsigned)verb <= MG_AUTH_SUGGEST;
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
    bool op = operator_admin(a);
    switch (o->type) {
    case MG_AUTH_OBJ_SCENARIO: return can_scenario(a, verb, o, op);
    case MG_AUTH_OBJ_ORGANISATION: return can_organisation(a, verb, o, op);
    case MG_AUTH_OBJ_ACCOUNT: return can_account(a, verb, o, op);
    case MG_AUTH_OBJ_PLATFORM: return op ? MG_AUTH_ALLOW : MG_AUTH_DENY_FORBIDDEN;
    case MG_AUTH_OBJ_STRUCTURE: return can_structure(a, verb, o, op);
    case MG_AUTH_OBJ_MEETING: return can_owned(a, verb, o);
    case MG_AUTH_OBJ_CONTRACT: return can_contract(a, verb, o);
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
