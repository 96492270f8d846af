#!/usr/bin/env python3
"""
User lifecycle through the admin API (issue 3): suspend (sessions end at
once, the login failure looks like any other), resume, unlock, delete (and
re-invite), temporary password, re-sent and revoked invitations, the last
active administrator, users of another tenant (404), non-administrators
(403 on every admin API route and console page), and CSRF on admin-session
API calls.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, PW2, audit_count, error_text, logged_in,  # noqa: E402
                         session_api, session_csrf)

SLUG = "life"
ADMIN = "root@life.example"


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(SLUG)
    d.create_tenant("elsewhere")
    s.api = Api(d, SLUG)
    s.other_api = Api(d, "elsewhere")
    s.admin = d.enroll(SLUG, ADMIN, PW, role="admin", name="Root")
    s.foreign = d.enroll("elsewhere", "foreign@else.example", PW, name="Foreign")


def user(s, local, role="user"):
    email = "%s@life.example" % local
    c = s.d.enroll(SLUG, email, PW, role=role, name=local)
    return email, c


def test_suspend_ends_sessions_and_login_looks_like_failure(s):
    email, c1 = user(s, "suspendee")
    c2 = s.d.client()
    eq(s.d.login(c2, SLUG, email, PW).status, 303, "second session")
    r = s.api.post("/users/%s/suspend" % email)
    eq(r.status, 200, "suspend (%s)" % r.text[:200])
    for i, c in enumerate([c1, c2]):
        check(not logged_in(s.d, c, SLUG), "session %d alive after suspension" % (i + 1))
    eq(s.api.user(email)["status"], "suspended", "status after suspend")
    right = s.d.login(s.d.client(), SLUG, email, PW)
    wrong = s.d.login(s.d.client(), SLUG, "suspendee-not@life.example", "Wrong-Password-1")
    eq(right.status, 401, "suspended user's login with the right password")
    eq(right.status, wrong.status, "status: suspended vs unknown")
    eq(error_text(right), error_text(wrong), "message: suspended vs unknown")
    eq(audit_count(s.d, SLUG, "user.suspended", email), 1, "user.suspended events")
    eq(s.api.post("/users/%s/suspend" % email).status, 409, "suspending a suspended user")
    r = s.api.post("/users/%s/password" % email, json={"password": "Temp-Pass-2222"})
    eq(r.status, 409, "temporary password for a suspended user")
    s.suspended = email


def test_resume(s):
    email = s.suspended
    r = s.api.post("/users/%s/resume" % email)
    eq(r.status, 200, "resume (%s)" % r.text[:200])
    eq(s.api.user(email)["status"], "active", "status after resume")
    eq(s.d.login(s.d.client(), SLUG, email, PW).status, 303, "login after resume")
    eq(s.api.post("/users/%s/resume" % email).status, 409, "resuming an active user")
    eq(audit_count(s.d, SLUG, "user.resumed", email), 1, "user.resumed events")


def test_unlock_of_unlocked_user(s):
    email, _ = user(s, "neverlocked")
    r = s.api.post("/users/%s/unlock" % email)
    eq(r.status, 200, "unlock of a user who is not locked")
    eq(s.d.login(s.d.client(), SLUG, email, PW).status, 303, "login after a no-op unlock")


def test_delete_and_reinvite(s):
    email, c = user(s, "deletee")
    r = s.api.delete("/users/%s" % email)
    eq(r.status, 200, "delete (%s)" % r.text[:200])
    check(email not in s.api.users(), "deleted user still listed")
    check(not logged_in(s.d, c, SLUG), "deleted user's session alive")
    eq(s.d.login(s.d.client(), SLUG, email, PW).status, 401, "deleted user's login")
    eq(s.api.delete("/users/%s" % email).status, 404, "deleting again")
    eq(audit_count(s.d, SLUG, "user.deleted", email), 1, "user.deleted events")
    url = s.api.invite(email)
    r = s.d.accept(s.d.client(), url, "Back Again", PW2)
    eq(r.status, 303, "re-invited deleted user accepts")
    eq(s.api.user(email)["status"], "active", "status after re-invitation")
    eq(s.d.login(s.d.client(), SLUG, email, PW2).status, 303, "login with the new password")


def test_invite_existing_user_conflict(s):
    email, _ = user(s, "existing")
    r = s.api.post("/invitations", json={"email": email, "role": "user"})
    eq(r.status, 409, "inviting an active user")
    for body in [{"email": "not-an-address"}, {"email": "x@life.example", "role": "root"},
                 {"email": "x@life.example", "extra": 1}, {}]:
        eq(s.api.post("/invitations", json=body).status, 400, "invitation %r" % body)


def test_resend_invitation(s):
    email = "resend@life.example"
    old = s.api.invite(email)
    new = s.api.invite(email)
    check(old != new, "re-sent invitation has the same URL")
    r = s.d.client().get(s.d.path_of(old))
    eq(r.status, 404, "old invitation URL after re-sending")
    r = s.d.client().get(s.d.path_of(new))
    eq(r.status, 200, "new invitation URL")
    inv = [i for i in s.api.get("/invitations").json() if i["email"] == email]
    eq(len(inv), 1, "open invitations for the re-invited address")
    eq(s.api.user(email)["status"], "invited", "status of an invited address")
    r = s.d.accept(s.d.client(), new, "Resent", PW)
    eq(r.status, 303, "accept the re-sent invitation")
    r = s.d.client().get(s.d.path_of(new))
    eq(r.status, 404, "invitation URL after use")
    check(all(i["email"] != email for i in s.api.get("/invitations").json()),
          "used invitation still listed")


def test_revoke_invitation(s):
    email = "revokee@life.example"
    url = s.api.invite(email, role="admin")
    r = s.api.get("/invitations")
    eq(r.status, 200, "GET /invitations")
    inv = [i for i in r.json() if i["email"] == email]
    eq(len(inv), 1, "listed invitation")
    eq(inv[0]["role"], "admin", "listed role")
    check(inv[0].get("expires_at"), "listed expiry")
    r = s.api.delete("/invitations/%d" % inv[0]["id"])
    eq(r.status, 200, "revoke (%s)" % r.text[:200])
    eq(s.d.client().get(s.d.path_of(url)).status, 404, "revoked invitation URL")
    c = s.d.client()
    page = c.get(s.d.path_of(url))
    r = c.post(s.d.path_of(url), form={"csrf": page.csrf() or "x", "name": "X", "password": PW,
                                       "password2": PW})
    check(r.status in (403, 404), "POST to a revoked invitation: %d" % r.status)
    check(all(i["email"] != email for i in s.api.get("/invitations").json()),
          "revoked invitation still listed")
    eq(s.api.delete("/invitations/%d" % inv[0]["id"]).status, 404, "revoking again")
    for bad in ["abc", "0", "-5", "99999999"]:
        eq(s.api.delete("/invitations/%s" % bad).status, 404, "revoking invitation %r" % bad)
    eq(audit_count(s.d, SLUG, "invitation.revoked", email), 1, "invitation.revoked events")


def test_revoke_other_tenants_invitation_404(s):
    url = s.other_api.invite("guest@else.example")
    inv = [i for i in s.other_api.get("/invitations").json() if i["email"] == "guest@else.example"]
    r = s.api.delete("/invitations/%d" % inv[0]["id"])
    eq(r.status, 404, "revoking another tenant's invitation")
    eq(s.d.client().get(s.d.path_of(url)).status, 200, "the other tenant's invitation still works")


def test_last_admin_cannot_be_suspended_or_deleted(s):
    d = s.d
    d.create_tenant("solo")
    api = Api(d, "solo")
    boss = "boss@solo.example"
    c = d.enroll("solo", boss, PW, role="admin", name="Boss")
    eq(api.post("/users/%s/suspend" % boss).status, 409, "suspending the last active admin")
    eq(api.delete("/users/%s" % boss).status, 409, "deleting the last active admin")
    r = session_api(d, c, "solo", "POST", "/users/%s/suspend" % boss)
    eq(r.status, 409, "the last admin suspending themself")
    eq(api.user(boss)["status"], "active", "last admin's status")
    # An invited (not yet active) admin does not count.
    url = api.invite("deputy@solo.example", role="admin")
    eq(api.post("/users/%s/suspend" % boss).status, 409, "suspend with only an invited 2nd admin")
    eq(d.accept(d.client(), url, "Deputy", PW).status, 303, "second admin accepts")
    eq(api.post("/users/%s/suspend" % boss).status, 200, "suspend with a second active admin")
    # Now the deputy is the last active one.
    eq(api.post("/users/deputy@solo.example/suspend").status, 409, "suspending the new last admin")
    eq(api.delete("/users/deputy@solo.example").status, 409, "deleting the new last admin")
    eq(api.post("/users/%s/resume" % boss).status, 200, "resume the first admin")
    eq(api.delete("/users/deputy@solo.example").status, 200, "delete with two active admins")
    eq(api.delete("/users/%s" % boss).status, 409, "deleting the last admin again")
    # Ordinary users are not protected by the rule.
    d.enroll("solo", "pleb@solo.example", PW)
    eq(api.post("/users/pleb@solo.example/suspend").status, 200, "suspending an ordinary user")


def test_last_admin_race(s):
    """Two administrators suspended at the same moment: one must stay."""
    import threading
    d = s.d
    d.create_tenant("duo")
    api = Api(d, "duo")
    a, b = "a@duo.example", "b@duo.example"
    d.enroll("duo", a, PW, role="admin", name="A")
    d.enroll("duo", b, PW, role="admin", name="B")
    for attempt in range(8):
        results = {}
        barrier = threading.Barrier(2)

        def go(email):
            barrier.wait()
            results[email] = api.post("/users/%s/suspend" % email).status

        ts = [threading.Thread(target=go, args=(e,)) for e in (a, b)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        users = api.users()
        active = [e for e in (a, b) if users[e]["status"] == "active"]
        check(active, "attempt %d: both administrators suspended at once (answers %r)"
              % (attempt + 1, results))
        eq(sorted(results.values()), [200, 409], "attempt %d: answers" % (attempt + 1))
        for e in (a, b):
            if users[e]["status"] == "suspended":
                api.op(e, "resume")


def test_other_tenants_users_404(s):
    target = "foreign@else.example"
    for method, path, body in [("POST", "/users/%s/suspend", None),
                               ("POST", "/users/%s/resume", None),
                               ("POST", "/users/%s/unlock", None),
                               ("POST", "/users/%s/logout", None),
                               ("POST", "/users/%s/password", {"password": "Some-Temp-Pass-1"}),
                               ("DELETE", "/users/%s", None)]:
        r = s.api.call(method, path % target, json=body)
        eq(r.status, 404, "%s %s on another tenant's user (%s)" % (method, path % target,
                                                                   r.text[:100]))
    # Also through an administrator's session of this tenant.
    r = session_api(s.d, s.admin, SLUG, "POST", "/users/%s/suspend" % target)
    eq(r.status, 404, "admin session suspending another tenant's user")
    check(logged_in(s.d, s.foreign, "elsewhere"), "foreign user's session ended")
    eq(s.other_api.user(target)["status"], "active", "foreign user's status")
    check(target not in s.api.users(), "foreign user listed in this tenant")


ADMIN_API = [("GET", "/users", None), ("POST", "/invitations", {"email": "z@life.example"}),
             ("GET", "/invitations", None), ("DELETE", "/invitations/1", None),
             ("GET", "/audit", None), ("GET", "/audit?format=csv", None),
             ("GET", "/policy", None), ("PUT", "/policy", {"lockout": {"max_failures": 1}}),
             ("POST", "/users/%s/suspend" % ADMIN, None), ("POST", "/users/%s/resume" % ADMIN, None),
             ("POST", "/users/%s/unlock" % ADMIN, None), ("POST", "/users/%s/logout" % ADMIN, None),
             ("POST", "/users/%s/password" % ADMIN, {"password": "Hijacked-Pass-1"}),
             ("DELETE", "/users/%s" % ADMIN, None)]


def test_non_admin_gets_403_on_admin_api(s):
    email, c = user(s, "plainuser")
    fails = []
    for method, path, body in ADMIN_API:
        r = session_api(s.d, c, SLUG, method, path, json=body)
        if r.status != 403:
            fails.append("%s %s: %d" % (method, path, r.status))
    check(not fails, "non-admin session on admin API: " + "; ".join(fails))
    eq(s.api.user(ADMIN)["status"], "active", "admin after a non-admin's attempts")
    check(logged_in(s.d, s.admin, SLUG), "admin session after a non-admin's attempts")
    eq(s.d.login(s.d.client(), SLUG, ADMIN, PW).status, 303, "admin password unchanged")
    s.plain = c


def test_non_admin_gets_403_on_console(s):
    c = s.plain
    tok = session_csrf(s.d, c, SLUG)
    fails = []
    for path in ["/admin/", "/admin/users", "/admin/invitations", "/admin/policy",
                 "/admin/audit", "/admin/audit.csv"]:
        r = c.get("/t/%s%s" % (SLUG, path))
        if r.status != 403:
            fails.append("GET %s: %d" % (path, r.status))
    for path in ["/admin/invite", "/admin/users/%s/suspend" % ADMIN, "/admin/policy",
                 "/admin/users/%s/delete" % ADMIN]:
        r = c.post("/t/%s%s" % (SLUG, path), form={"csrf": tok, "email": "q@life.example"})
        if r.status != 403:
            fails.append("POST %s: %d" % (path, r.status))
    check(not fails, "non-admin session on the console: " + "; ".join(fails))
    # Anonymous visitors are sent to the login page instead.
    r = s.d.client().get("/t/%s/admin/" % SLUG)
    check(r.status in (302, 303) and "/login" in (r.location or ""),
          "anonymous console visit: %d %r" % (r.status, r.location))


def test_admin_session_api_needs_csrf(s):
    email, _ = user(s, "csrfvictim")
    c = s.admin
    for method, path, body in [("POST", "/users/%s/suspend" % email, None),
                               ("PUT", "/policy", {"lockout": {"max_failures": 9}}),
                               ("POST", "/invitations", {"email": "csrf@life.example"}),
                               ("DELETE", "/users/%s" % email, None)]:
        r = session_api(s.d, c, SLUG, method, path, json=body, csrf=False)
        eq(r.status, 403, "%s %s with an admin session and no X-CSRF-Token" % (method, path))
        r = c.request(method, "/t/%s/api/v1%s" % (SLUG, path), json=body,
                      headers={"X-CSRF-Token": "bogus"})
        eq(r.status, 403, "%s %s with a bogus X-CSRF-Token" % (method, path))
    eq(s.api.user(email)["status"], "active", "user after CSRF-less calls")
    eq(s.api.policy()["lockout"]["max_failures"], 5, "policy after CSRF-less calls")
    # Reads need no token; writes with the token work.
    eq(c.get("/t/%s/api/v1/users" % SLUG).status, 200, "GET with the admin session")
    r = session_api(s.d, c, SLUG, "POST", "/users/%s/suspend" % email)
    eq(r.status, 200, "suspend with the admin session and X-CSRF-Token")
    ev = s.d.audit(SLUG, "user.suspended")[-1]
    eq(ev["actor"], ADMIN, "actor of an admin-session suspension")
    eq(ev["target"], email, "target")


def test_unauthenticated_api(s):
    c = s.d.client()
    for method, path, body in ADMIN_API[:3]:
        r = c.request(method, "/t/%s/api/v1%s" % (SLUG, path), json=body)
        eq(r.status, 401, "%s %s without credentials" % (method, path))


TESTS = [test_suspend_ends_sessions_and_login_looks_like_failure, test_resume,
         test_unlock_of_unlocked_user, test_delete_and_reinvite, test_invite_existing_user_conflict,
         test_resend_invitation, test_revoke_invitation, test_revoke_other_tenants_invitation_404,
         test_last_admin_cannot_be_suspended_or_deleted, test_last_admin_race,
         test_other_tenants_users_404,
         test_non_admin_gets_403_on_admin_api, test_non_admin_gets_403_on_console,
         test_admin_session_api_needs_csrf, test_unauthenticated_api]

if __name__ == "__main__":
    harness.main("lifecycle", TESTS, setup)
