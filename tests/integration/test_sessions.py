#!/usr/bin/env python3
"""
Sessions (issue 3): idle timeout (moving last_seen_at back), absolute
timeout (moving created_at and expires_at back), the three concurrent modes
(allow, deny_new, end_old), forced logout by an administrator, and the
user's own session list on the home page (IP, user agent, ending another of
one's sessions but not someone else's).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, audit_count, audit_details, hdr_client, logged_in,  # noqa: E402
                         logout, q, session_csrf, session_rows, sql_super)

SLUG = "sess"


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(SLUG)
    s.api = Api(d, SLUG)


def session_policy(s, idle=10800, absolute=43200, concurrent="allow"):
    s.api.set_policy({"session": {"idle_timeout_seconds": idle,
                                  "absolute_timeout_seconds": absolute,
                                  "concurrent": concurrent}})


def user(s, local):
    email = "%s@sess.example" % local
    session_policy(s)
    c = s.d.enroll(SLUG, email, PW, name=local)
    return email, c


def move(s, email, col, seconds):
    sql_super(s.d, "UPDATE sessions SET %s = now() - make_interval(secs => %d) WHERE user_id = "
                   "(SELECT id FROM users WHERE email = %s) AND ended_at IS NULL"
              % (col, seconds, q(email)))


def end_reasons(s, email):
    return sql_super(s.d, "SELECT coalesce(end_reason, '-') FROM sessions WHERE user_id = "
                          "(SELECT id FROM users WHERE email = %s) ORDER BY id" % q(email))


def login(s, email, client=None):
    c = client or s.d.client()
    r = s.d.login(c, SLUG, email, PW)
    return c, r


def test_idle_timeout(s):
    email, c = user(s, "idle")
    session_policy(s, idle=600, absolute=3600)
    eq(c.get("/t/%s/" % SLUG).status, 200, "home with a fresh session")
    move(s, email, "last_seen_at", 590)
    eq(c.get("/t/%s/" % SLUG).status, 200, "home 10 s before the idle timeout")
    # That request counted as activity: the clock starts again.
    move(s, email, "last_seen_at", 590)
    eq(c.get("/t/%s/" % SLUG).status, 200, "home after activity and 590 s more")
    move(s, email, "last_seen_at", 601)
    r = c.get("/t/%s/" % SLUG)
    check(r.status in (302, 303) and "/t/%s/login" % SLUG in (r.location or ""),
          "home 1 s after the idle timeout: %d %r" % (r.status, r.location))
    eq(end_reasons(s, email)[-1], "idle_timeout", "end reason")
    # The session does not come back to life.
    eq(c.get("/t/%s/" % SLUG).status // 100, 3, "home after the idle timeout, again")


def test_absolute_timeout(s):
    email, c = user(s, "absolute")
    session_policy(s, idle=600, absolute=3600)
    move(s, email, "created_at", 3590)
    eq(c.get("/t/%s/" % SLUG).status, 200, "home 10 s before the absolute timeout")
    move(s, email, "created_at", 3601)
    r = c.get("/t/%s/" % SLUG)
    check(r.status in (302, 303), "home 1 s after the absolute timeout: %d" % r.status)
    eq(end_reasons(s, email)[-1], "absolute_timeout", "end reason (created_at)")
    # expires_at, fixed at login, holds on its own too.
    c2, r = login(s, email)
    eq(r.status, 303, "login again")
    eq(c2.get("/t/%s/" % SLUG).status, 200, "home with the new session")
    sql_super(s.d, "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE "
                   "user_id = (SELECT id FROM users WHERE email = %s) AND ended_at IS NULL"
              % q(email))
    check(c2.get("/t/%s/" % SLUG).status in (302, 303), "home after expires_at")
    eq(end_reasons(s, email)[-1], "absolute_timeout", "end reason (expires_at)")


def test_deny_new_after_absolute_timeout(s):
    """A session past its absolute timeout is over: it must not block a new
    login under deny_new, nor be listed as one of the user's sessions."""
    email, c1 = user(s, "denyabs")
    session_policy(s, idle=600, absolute=3600, concurrent="deny_new")
    move(s, email, "created_at", 3700)
    r = c1.get("/t/%s/" % SLUG)
    check(r.status in (302, 303), "old session past the absolute timeout: %d" % r.status)
    c2, r = login(s, email)
    eq(r.status, 303, "login with deny_new after the only session timed out (%s)"
       % (r.text[:0] or r.status))
    if r.status == 303:
        rows = session_rows(c2.get("/t/%s/" % SLUG))
        eq(len(rows), 1, "sessions listed after the old one timed out")


def test_concurrent_allow(s):
    email, c1 = user(s, "allow")
    session_policy(s, concurrent="allow")
    c2, r = login(s, email)
    eq(r.status, 303, "second login with concurrent=allow")
    c3, r = login(s, email)
    eq(r.status, 303, "third login with concurrent=allow")
    for i, c in enumerate([c1, c2, c3]):
        eq(c.get("/t/%s/" % SLUG).status, 200, "session %d alive" % (i + 1))


def test_concurrent_deny_new(s):
    email, c1 = user(s, "denynew")
    session_policy(s, concurrent="deny_new")
    c2, r = login(s, email)
    eq(r.status, 409, "second login with deny_new while the first is alive")
    check("already signed in" in r.text, "deny_new message missing")
    check(not logged_in(s.d, c2, SLUG), "refused login got a session")
    eq(c1.get("/t/%s/" % SLUG).status, 200, "first session after the refused second login")
    reasons = [x.get("reason") for x in audit_details(s.d, SLUG, "login.failure", email)]
    eq(reasons[-1], "concurrent_session", "login.failure reason")
    r = logout(s.d, c1, SLUG)
    eq(r.status, 303, "logout of the first session")
    check(not logged_in(s.d, c1, SLUG), "first session alive after logout")
    c2, r = login(s, email)
    eq(r.status, 303, "second login after the first logged out")
    eq(c2.get("/t/%s/" % SLUG).status, 200, "second session alive")
    # A session that has idled out does not count as alive.
    session_policy(s, idle=600, absolute=3600, concurrent="deny_new")
    move(s, email, "last_seen_at", 700)
    c3, r = login(s, email)
    eq(r.status, 303, "login with deny_new after the other session idled out")


def test_concurrent_end_old(s):
    email, c1 = user(s, "endold")
    session_policy(s, concurrent="end_old")
    eq(c1.get("/t/%s/" % SLUG).status, 200, "first session alive")
    c2, r = login(s, email)
    eq(r.status, 303, "second login with end_old")
    r = c1.get("/t/%s/" % SLUG)
    check(r.status in (302, 303) and "/t/%s/login" % SLUG in (r.location or ""),
          "old session with end_old: %d %r" % (r.status, r.location))
    eq(c2.get("/t/%s/" % SLUG).status, 200, "new session alive")
    check("replaced" in end_reasons(s, email), "end reason 'replaced' missing: %r"
          % end_reasons(s, email))


def test_forced_logout(s):
    email, c1 = user(s, "forced")
    c2, r = login(s, email)
    eq(r.status, 303, "second login")
    eq(c1.get("/t/%s/" % SLUG).status, 200, "session 1 alive")
    r = s.api.post("/users/%s/logout" % email)
    eq(r.status, 200, "POST /users/{email}/logout (%s)" % r.text[:200])
    for i, c in enumerate([c1, c2]):
        r = c.get("/t/%s/" % SLUG)
        check(r.status in (302, 303) and "/t/%s/login" % SLUG in (r.location or ""),
              "session %d after the forced logout: %d" % (i + 1, r.status))
    det = audit_details(s.d, SLUG, "session.forced_logout", email)
    eq(det[-1].get("sessions"), 2, "session.forced_logout detail.sessions")
    # The user can sign in again afterwards.
    c3, r = login(s, email)
    eq(r.status, 303, "login after a forced logout")
    r = s.api.post("/users/%s/logout" % "nobody@sess.example")
    eq(r.status, 404, "forced logout of an unknown user")


def test_home_lists_own_sessions_and_ends_one(s):
    email = "lister@sess.example"
    session_policy(s)
    s.d.enroll(SLUG, email, PW, name="Lister")
    a = hdr_client(s.d, {"User-Agent": "SessTest-A/1.0 (desk)"})
    b = hdr_client(s.d, {"User-Agent": "SessTest-B/2.0 (phone)"})
    eq(s.d.login(a, SLUG, email, PW).status, 303, "login A")
    eq(s.d.login(b, SLUG, email, PW).status, 303, "login B")
    home = a.get("/t/%s/" % SLUG)
    eq(home.status, 200, "home")
    rows = session_rows(home)
    check(rows is not None, "no table#sessions on the home page")
    uas = [cells for _, cells in rows if any("SessTest" in x for x in cells)]
    eq(len(uas), 2, "rows with our user agents (rows: %r)" % rows)
    for cells in uas:
        check("127.0.0.1" in cells, "IP missing from row %r" % cells)
    b_rows = [sid for sid, cells in rows if "SessTest-B/2.0 (phone)" in cells]
    eq(len(b_rows), 1, "row of session B")
    a_rows = [sid for sid, cells in rows if "SessTest-A/1.0 (desk)" in cells]
    check(any("this session" in x for sid, cells in rows if sid == a_rows[0] for x in cells),
          "A's own row not marked as this session")
    sid_b = b_rows[0]
    # Without CSRF: refused.
    r = a.post("/t/%s/sessions/%d/end" % (SLUG, sid_b), form={"csrf": "x"})
    eq(r.status, 403, "ending a session without a valid CSRF token")
    eq(b.get("/t/%s/" % SLUG).status, 200, "B alive after the refused end")
    r = a.post("/t/%s/sessions/%d/end" % (SLUG, sid_b), form={"csrf": home.csrf()})
    eq(r.status, 303, "ending session B from A")
    r = b.get("/t/%s/" % SLUG)
    check(r.status in (302, 303), "B after being ended from A: %d" % r.status)
    eq(a.get("/t/%s/" % SLUG).status, 200, "A alive after ending B")
    rows = session_rows(a.get("/t/%s/" % SLUG))
    check(sid_b not in [sid for sid, _ in rows], "ended session still listed")
    eq(audit_count(s.d, SLUG, "session.ended", email) >= 1, True, "session.ended audited")
    s.lister = (a, email, sid_b)


def test_cannot_end_someone_elses_session(s):
    a, email, _ = s.lister
    other_email = "other@sess.example"
    o = s.d.enroll(SLUG, other_email, PW, name="Other")
    sid = int(sql_super(s.d, "SELECT max(id) FROM sessions WHERE ended_at IS NULL AND user_id = "
                             "(SELECT id FROM users WHERE email = %s)" % q(other_email))[0])
    tok = session_csrf(s.d, a, SLUG)
    r = a.post("/t/%s/sessions/%d/end" % (SLUG, sid), form={"csrf": tok})
    eq(r.status, 404, "ending another user's session")
    eq(o.get("/t/%s/" % SLUG).status, 200, "the other user's session after the attempt")
    for bad in ["999999999", "0", "-1", "abc"]:
        r = a.post("/t/%s/sessions/%s/end" % (SLUG, bad), form={"csrf": tok})
        eq(r.status, 404, "ending session %r" % bad)
    # Someone else's home page does not list this user's sessions.
    rows = session_rows(o.get("/t/%s/" % SLUG))
    check(all("SessTest" not in " ".join(c) for _, c in rows), "foreign sessions listed")

def cookie_name():
    return "sekisho_s_%s" % SLUG


def relogin(s, client, email, password=PW):
    """POST the login form from a browser that holds a live session (the
    CSRF token is the one bound to that session, as any of its pages has)."""
    tok = session_csrf(s.d, client, SLUG)
    return client.post("/t/%s/login" % SLUG,
                       form={"csrf": tok, "email": email, "password": password})


def session_alive(s, cookie):
    """True when the session cookie value alone opens the home page."""
    c = s.d.client()
    c.cookies[cookie_name()] = cookie
    return logged_in(s.d, c, SLUG)


def ended_relogin(s, target):
    return [x for x in audit_details(s.d, SLUG, "session.ended", target)
            if x.get("reason") == "relogin"]


def test_relogin_ends_the_session_it_replaces(s):
    """OWASP ASVS 5.0 7.2: logging in again from a browser that holds a live
    session renews the session and ends the old one, under every
    concurrent-session rule (deny_new must not refuse it either)."""
    for mode in ["allow", "deny_new", "end_old"]:
        email, c = user(s, "relogin-" + mode.replace("_", ""))
        session_policy(s, concurrent=mode)
        old = c.cookies[cookie_name()]
        before = len(ended_relogin(s, email))
        r = relogin(s, c, email)
        eq(r.status, 303, "re-login with concurrent=%s (%s)" % (mode, r.text[:200]))
        new = c.cookies.get(cookie_name())
        check(new and new != old, "re-login with %s issued no new cookie" % mode)
        check(not session_alive(s, old), "old session alive after re-login (%s)" % mode)
        check(session_alive(s, new), "new session dead after re-login (%s)" % mode)
        eq(end_reasons(s, email).count("relogin"), 1, "sessions ended as relogin (%s)" % mode)
        eq(len(ended_relogin(s, email)) - before, 1, "session.ended audited (%s)" % mode)


def test_login_as_another_user_ends_the_previous_session(s):
    email_a, c = user(s, "switch-a")
    email_b, _ = user(s, "switch-b")
    session_policy(s, concurrent="allow")
    old = c.cookies[cookie_name()]
    r = relogin(s, c, email_b)
    eq(r.status, 303, "login as another user from the same browser")
    check(not session_alive(s, old), "the first user's session survived the switch")
    home = c.get("/t/%s/" % SLUG)
    eq(home.status, 200, "home of the second user")
    check(email_b in home.text and email_a not in home.text, "home shows the wrong user")
    eq(len(ended_relogin(s, email_a)), 1, "session.ended of the first user audited")
    eq(end_reasons(s, email_a), ["relogin"], "the first user's session end reason")


def test_failed_relogin_keeps_the_session(s):
    email, c = user(s, "relogin-fail")
    session_policy(s, concurrent="allow")
    old = c.cookies[cookie_name()]
    r = relogin(s, c, email, password="Wrong-Password-1")
    eq(r.status, 401, "re-login with a wrong password")
    check(session_alive(s, old), "a failed login ended the live session")
    eq(ended_relogin(s, email), [], "session.ended for a failed login")


def test_relogin_under_deny_new_with_another_live_session(s):
    """deny_new still refuses when another browser holds a session; the
    refused login then ends nothing."""
    email, c1 = user(s, "relogin-deny")
    session_policy(s, concurrent="allow")
    c2, r = login(s, email)
    eq(r.status, 303, "second browser logs in under allow")
    session_policy(s, concurrent="deny_new")
    old = c1.cookies[cookie_name()]
    r = relogin(s, c1, email)
    eq(r.status, 409, "re-login while another browser holds a session, deny_new")
    check(session_alive(s, old), "a refused login ended the live session")
    check(logged_in(s.d, c2, SLUG), "a refused login ended the other browser's session")


TESTS = [test_idle_timeout, test_absolute_timeout, test_deny_new_after_absolute_timeout,
         test_concurrent_allow, test_concurrent_deny_new,
         test_concurrent_end_old, test_forced_logout, test_home_lists_own_sessions_and_ends_one,
         test_cannot_end_someone_elses_session, test_relogin_ends_the_session_it_replaces,
         test_login_as_another_user_ends_the_previous_session,
         test_failed_relogin_keeps_the_session,
         test_relogin_under_deny_new_with_another_live_session]

if __name__ == "__main__":
    harness.main("sessions", TESTS, setup)
