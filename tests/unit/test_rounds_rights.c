/*
 * Who may do what to a mobile service's rounds (MG_AUTH_OBJ_ROUND_SERVICE,
 * src/auth/authz.c), cell by cell: every role × every verb × the service's
 * own organisation (confirmed), its own organisation awaiting confirmation,
 * and another organisation; the anonymous visitor; a platform
 * administrator of another organisation. The expected table is written
 * here from docs/security.md ("Roles and rights", the mobile service row):
 * view — administrator, manager, contributor, reader of its organisation;
 * create, edit (plan, enter the current rounds, publish, cancel), delete —
 * manager, contributor; nothing else; another organisation's service is
 * hidden (404) for the verbs a service has, while the verbs of other
 * objects (confirm, invite, suggest, route, instruct, decide) are refused
 * to everyone alike before the organisation is looked at (which tells
 * nothing about the id); an anonymous visitor is asked to log in; the
 * published timetable is public (MG_AUTH_OBJ_PUBLIC).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"

enum { OWN = 10, OTHER = 20 };

static const mg_auth_verb verbs[] = {MG_AUTH_VIEW,    MG_AUTH_CREATE,   MG_AUTH_EDIT,
                                     MG_AUTH_DELETE,  MG_AUTH_CONFIRM,  MG_AUTH_INVITE,
                                     MG_AUTH_SUGGEST, MG_AUTH_ROUTE,    MG_AUTH_INSTRUCT,
                                     MG_AUTH_DECIDE};
static const char *const verb_names[] = {"view",    "create", "edit",  "delete",   "confirm",
                                         "invite",  "suggest", "route", "instruct", "decide"};
#define NVERBS (sizeof verbs / sizeof verbs[0])

/* The documented table: ALLOW cells for a member of the confirmed owner. */
static bool allowed(mg_auth_role r, mg_auth_verb v)
{
    bool viewer = r == MG_ROLE_ADMINISTRATOR || r == MG_ROLE_MANAGER ||
                  r == MG_ROLE_CONTRIBUTOR || r == MG_ROLE_READER;
    bool editor = r == MG_ROLE_MANAGER || r == MG_ROLE_CONTRIBUTOR;
    switch (v) {
    case MG_AUTH_VIEW: return viewer;
    case MG_AUTH_CREATE:
    case MG_AUTH_EDIT:
    case MG_AUTH_DELETE: return editor;
    default: return false;
    }
}

static mg_auth_actor member(mg_auth_role r, int64_t org, bool active, bool op)
{
    mg_auth_actor a;
    memset(&a, 0, sizeof a);
    a.account_id = 5;
    a.nm = 1;
    a.m[0] = (mg_auth_membership){.organisation_id = org, .role = r, .org_active = active,
                                  .org_operator = op};
    return a;
}

static const mg_auth_object service = {.type = MG_AUTH_OBJ_ROUND_SERVICE, .organisation_id = OWN};

static void test_matrix(void **state)
{
    (void)state;
    size_t cells = 0, allows = 0;
    for (int r = 0; r < MG_ROLES; r++)
        for (size_t k = 0; k < NVERBS; k++) {
            mg_auth_verb v = verbs[k];
            /* Own confirmed organisation: the table. */
            mg_auth_actor a = member((mg_auth_role)r, OWN, true, false);
            mg_auth_decision got = mg_auth_can(&a, v, &service);
            mg_auth_decision want = allowed((mg_auth_role)r, v) ? MG_AUTH_ALLOW
                                                                : MG_AUTH_DENY_FORBIDDEN;
            if (got != want)
                fail_msg("%s of the owner, %s: %d, expected %d", mg_auth_role_key((mg_auth_role)r),
                         verb_names[k], got, want);
            allows += got == MG_AUTH_ALLOW;
            /* Own organisation awaiting confirmation: nothing, not hidden. */
            a = member((mg_auth_role)r, OWN, false, false);
            got = mg_auth_can(&a, v, &service);
            if (got != MG_AUTH_DENY_FORBIDDEN)
                fail_msg("%s of the pending owner, %s: %d", mg_auth_role_key((mg_auth_role)r),
                         verb_names[k], got);
            /* Another organisation, even the platform's operator: hidden. */
            bool service_verb = v == MG_AUTH_VIEW || v == MG_AUTH_CREATE || v == MG_AUTH_EDIT ||
                                v == MG_AUTH_DELETE;
            for (int op = 0; op < 2; op++) {
                a = member((mg_auth_role)r, OTHER, true, op);
                got = mg_auth_can(&a, v, &service);
                if (got != (service_verb ? MG_AUTH_DENY_HIDDEN : MG_AUTH_DENY_FORBIDDEN))
                    fail_msg("%s of another organisation%s, %s: %d",
                             mg_auth_role_key((mg_auth_role)r), op ? " (operator)" : "",
                             verb_names[k], got);
            }
            cells += 4;
        }
    /* 4 viewers + 2 × 3 for the editors' verbs. */
    assert_int_equal(allows, 4 + 2 * 3);
    assert_int_equal(cells, (size_t)MG_ROLES * NVERBS * 4);
}

static void test_anonymous_and_public(void **state)
{
    (void)state;
    for (size_t k = 0; k < NVERBS; k++) {
        assert_int_equal(mg_auth_can(NULL, verbs[k], &service), MG_AUTH_DENY_LOGIN);
        mg_auth_actor none;
        memset(&none, 0, sizeof none);
        assert_int_equal(mg_auth_can(&none, verbs[k], &service), MG_AUTH_DENY_LOGIN);
    }
    /* The published timetable, posters, feed and next stops are public. */
    mg_auth_object pub = {.type = MG_AUTH_OBJ_PUBLIC};
    assert_int_equal(mg_auth_can(NULL, MG_AUTH_VIEW, &pub), MG_AUTH_ALLOW);
}

static void test_several_memberships(void **state)
{
    (void)state;
    /* A reader of the owner who manages another organisation views only; the
     * organisations where the actor may create a service are those it edits in. */
    mg_auth_actor a = member(MG_ROLE_READER, OWN, true, false);
    a.m[1] = (mg_auth_membership){.organisation_id = OTHER, .role = MG_ROLE_MANAGER,
                                  .org_active = true};
    a.nm = 2;
    assert_int_equal(mg_auth_can(&a, MG_AUTH_VIEW, &service), MG_AUTH_ALLOW);
    assert_int_equal(mg_auth_can(&a, MG_AUTH_EDIT, &service), MG_AUTH_DENY_FORBIDDEN);
    int64_t orgs[4];
    size_t n = mg_auth_orgs_where(&a, MG_AUTH_CREATE, MG_AUTH_OBJ_ROUND_SERVICE, orgs, 4);
    assert_int_equal(n, 1);
    assert_int_equal(orgs[0], OTHER);
    n = mg_auth_orgs_where(&a, MG_AUTH_VIEW, MG_AUTH_OBJ_ROUND_SERVICE, orgs, 4);
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_anonymous_and_public),
        cmocka_unit_test(test_several_memberships),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
